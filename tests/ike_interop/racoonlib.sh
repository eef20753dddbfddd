#
# Copyright (c) 2026 The pfkeykit developers
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#

# racoonlib.sh: racoon-ng as a peer kind of ikelib.sh, "racoonng", keying
# the kernel it runs on (the guest's: tests/vm/vmrun.sh) through XFRM
# netlink (-B xfrm) or PF_KEY (-B pfkey, af_key).  ike_peers -x passes
# this file into the guest, where guest_peers.sh sources it after
# ikelib.sh; racoon_test.sh sources it on the host for ike_racoonng_why.
# The programs are racoon-ng and racoonctl in PATH (racoon_test.sh puts
# the tree's into the guest's /usr/local/sbin), or $RNG_RACOON and
# $RNG_RACOONCTL.
#
# From ike_conf's parameters (see ikelib.sh):
#	exchange	exchange_mode main or aggressive
#	lid, rid	my_identifier and peers_identifier (address, @fqdn:
#			fqdn, a DN: asn1dn), verify_identifier on
#	auth		psk: pre_shared_key, with psk.txt holding the key
#			for the peer's address, its identity and (NAT) the
#			address it is seen at; rsa: rsasig with
#			certificate_type, ca_type and crl_file of pki/cert
#	ike, esp, pfs	the proposal and the sainfo's algorithms, from
#			strongSwan's syntax (aes128-sha256-modp2048,
#			aes256gcm16...), pfs_group
#	mode		tunnel or transport: the kernel policies (setkey
#			spdadd, with the transport racoon-ng uses) and the
#			sainfo's IDs (subnet, or address for a /32)
#	encap		yes: nat_traversal force (else on)
#	dpd, dpd_timeout	dpd_delay, dpd_retry (dpd) and dpd_maxfail
#			(dpd_timeout / dpd, at least 1)
#	rekey, life	the sainfo's lifetime: life, or rekey * 5 / 4 (the
#			parent puts the soft lifetime, which starts the
#			initiator's new quick mode, at 80 to 90% of it)
#	ike_rekey	the remote's phase 1 lifetime
#	kernel		pfkey: -B pfkey; anything else (netlink, the
#			default): -B xfrm.  charon ignores the value
#			pfkey, so a scenario may set it for both sides.
#	start		yes: initiate once started (as ike_initiate does)
#
# The kind's functions (ike_racoonng_X):
#	conf	racoon-ng.conf, psk.txt, the certificates and sp.conf
#	start	the policies (setkey -B xfrm|pfkey -f sp.conf in the
#		namespace), then racoon-ng -F -d -B xfrm|pfkey; returns
#		when racoonctl gets an answer.  $IKE_DIR/NAME/rpid is the
#		parent's pid, $IKE_DIR/NAME/pid the ike process's: the
#		process that answers the peer, so that guest_peers.sh's dpd
#		check (SIGSTOP to pid) silences it.
#	initiate	a ping into the policy: the kernel's ACQUIRE starts
#		phase 1 and quick mode; waits until established.
#	established	racoonctl show-sa esp lists a mature SA from local
#		to remote and one back (the kernel's SAD, without keys).
#	terminate	setkey deleteall (racoon-ng tells the peer with
#		DELETE) and racoonctl delete-sa isakmp.
#	stop	SIGTERM to the parent: the children exit with it; a
#		sanitizer report in the log fails the scenario.
#	log	racoon-ng's log (stderr of -F -d).
#	dpd_dead	(guest_peers.sh's dpd check) the phase1_dpd_timeout
#		event (racoonctl -o json show-event runs from the start into
#		$IKE_DIR/NAME/events), "dead peer" in the log, and no ISAKMP
#		SA with the peer left in show-sa isakmp.

RNG_RACOON=${RNG_RACOON:-racoon-ng}
RNG_RACOONCTL=${RNG_RACOONCTL:-racoonctl}
RNG_SETKEY=${RNG_SETKEY:-setkey}

# The transport of an instance's parameters.
rng_backend()
{
	[ "$P_kernel" = pfkey ] && echo pfkey || echo xfrm
}

# strongSwan's phase 1 proposal (one transform) in racoon-ng.conf lines.
rng_p1_algs()
{
	local t
	for t in $(echo "$1" | tr - ' '); do
		case $t in
		aes128|aes192|aes256)
			echo "encryption_algorithm aes ${t#aes};" ;;
		3des)	echo "encryption_algorithm 3des;" ;;
		sha1|sha256|sha384|sha512)
			echo "hash_algorithm $t;" ;;
		modp*|ecp256|ecp384|curve25519)
			echo "dh_group $t;" ;;
		*)	ike_fail "racoon-ng: no phase 1 name for $t (in $1)" ;;
		esac
	done
}

# strongSwan's ESP proposal (without the DH group) in sainfo lines.
rng_p2_algs()
{
	local t enc auth
	enc= auth=
	for t in $(echo "$1" | tr - ' '); do
		case $t in
		aes128|aes192|aes256) enc="aes ${t#aes}" ;;
		3des)	enc=3des ;;
		aes128gcm16|aes192gcm16|aes256gcm16)
			enc="aes_gcm_16 $(echo "$t" | cut -c4-6)" ;;
		aes128gcm12|aes192gcm12|aes256gcm12)
			enc="aes_gcm_12 $(echo "$t" | cut -c4-6)" ;;
		aes128gcm8|aes192gcm8|aes256gcm8)
			enc="aes_gcm_8 $(echo "$t" | cut -c4-6)" ;;
		sha1)	auth=hmac_sha1 ;;
		sha256|sha384|sha512) auth=hmac_$t ;;
		*)	ike_fail "racoon-ng: no phase 2 name for $t (in $1)" ;;
		esac
	done
	[ -n "$enc" ] || ike_fail "racoon-ng: no cipher in $1"
	echo "encryption_algorithm $enc;"
	[ -n "$auth" ] && echo "authentication_algorithm $auth;"
	return 0
}

# An identity of ike_conf (address, @fqdn, DN) as racoon-ng writes it.
rng_id()
{
	case $1 in
	@*)	echo "fqdn \"${1#@}\"" ;;
	*=*)	echo "asn1dn \"$1\"" ;;
	*)	echo "address $1" ;;
	esac
}

# A traffic selector as an sainfo ID: a host is an address ID.
rng_sel()
{
	case $1 in
	*/32)	echo "address ${1%/32} any" ;;
	*/*)	echo "subnet $1 any" ;;
	*)	echo "address $1 any" ;;
	esac
}

ike_racoonng_conf()
{
	local d k ids auth natt dpd life p1life tmo be
	d=$IKE_DIR/$1
	be=$(rng_backend)
	# The children's chroot: root's, writable by nobody else.
	mkdir -p "$d/empty" && chmod 755 "$d/empty" ||
	    ike_fail "$1: cannot create $d/empty"
	# The key for the peer's address (main mode, and an aggressive
	# mode initiator) and for its identity (an aggressive mode
	# responder); behind a NAT the peer's identity is its own address.
	ids=$P_remote
	case $P_rid in
	@*)	ids="$ids ${P_rid#@}" ;;
	*=*)	;;
	"$P_remote") ;;
	*)	ids="$ids $P_rid" ;;
	esac
	(
		umask 077
		for k in $ids; do
			printf '%s %s\n' "$k" "$P_psk"
		done >"$d/psk.txt"
	) || ike_fail "$1: cannot write psk.txt"
	if [ "$P_auth" = rsa ]; then
		cp "$P_pki/$P_cert.crt" "$d/cert.pem" &&
		cp "$P_pki/ca.crt" "$d/ca.pem" &&
		( umask 077; cp "$P_pki/$P_cert.key" "$d/key.pem" ) ||
		    ike_fail "$1: cannot copy the certificates"
		auth="certificate_type x509 \"$d/cert.pem\" \"$d/key.pem\";
	ca_type x509 \"$d/ca.pem\";
	verify_cert on;"
		if [ -f "$P_pki/ca.crl" ]; then
			cp "$P_pki/ca.crl" "$d/ca.crl" ||
			    ike_fail "$1: cannot copy the CRL"
			auth="$auth
	crl_file \"$d/ca.crl\";"
		fi
		k=rsasig
	else
		auth= k=pre_shared_key
	fi
	natt=on
	[ "$P_encap" = yes ] && natt=force
	dpd="dpd_delay $P_dpd;"
	if [ "$P_dpd" != 0 ]; then
		tmo=$P_dpd_timeout
		[ "$tmo" != 0 ] || tmo=$((P_dpd * 5))
		tmo=$((tmo / P_dpd))
		[ "$tmo" -ge 1 ] || tmo=1
		dpd="$dpd
	dpd_retry $P_dpd;
	dpd_maxfail $tmo;"
	fi
	life=
	if [ "$P_life" != 0 ]; then
		life="lifetime time $P_life sec;"
	elif [ "$P_rekey" != 0 ]; then
		life="lifetime time $((P_rekey * 5 / 4)) sec;"
	fi
	p1life=
	[ "$P_ike_rekey" != 0 ] && p1life="lifetime time $P_ike_rekey sec;"
	cat >"$d/racoon-ng.conf" <<EOF
# $1: racoon-ng for the interoperability tests (made by racoonlib.sh)
path pre_shared_key "$d/psk.txt";
path pidfile "$d/racoon-ng.pid";
privsep { user "nobody"; chroot "$d/empty"; }
sadb { transport $be; }
listen {
	isakmp $P_local;
	isakmp_natt $P_local;
	strict_address;
	adminsock "$d/ctl.sock" "0" "0" 0600;
}
timer {
	counter 4;
	interval $((2 * IKE_SLOW)) sec;
	phase1 $((20 * IKE_SLOW)) sec;
	phase2 $((20 * IKE_SLOW)) sec;
}
remote $P_remote {
	exchange_mode $P_exchange;
	my_identifier $(rng_id "$P_lid");
	peers_identifier $(rng_id "$P_rid");
	verify_identifier on;
	$auth
	nat_traversal $natt;
	$dpd
	$p1life
	proposal {
		$(rng_p1_algs "$P_ike")
		authentication_method $k;
	}
}
sainfo $(rng_sel "$P_lnet") $(rng_sel "$P_rnet") {
	$(rng_p2_algs "$P_esp")
	$([ -n "$P_pfs" ] && echo "pfs_group $P_pfs;")
	$life
}
EOF
	# The kernel's policies: racoon-ng reads them, the outbound one
	# raises the ACQUIRE.
	if [ "$P_mode" = tunnel ]; then
		cat >"$d/sp.conf" <<EOF
spdadd $P_lnet $P_rnet any -P out ipsec
    esp/tunnel/$P_local-$P_remote/require;
spdadd $P_rnet $P_lnet any -P in ipsec
    esp/tunnel/$P_remote-$P_local/require;
EOF
	else
		cat >"$d/sp.conf" <<EOF
spdadd $P_local $P_remote any -P out ipsec esp/transport//require;
spdadd $P_remote $P_local any -P in ipsec esp/transport//require;
EOF
	fi
}

rng_ctl()
{
	local n
	n=$1
	shift
	ike_params "$n"
	ike_nsexec "$P_ns" "$RNG_RACOONCTL" -s "$IKE_DIR/$n/ctl.sock" "$@"
}

# rng_child PID NAME: the child of PID whose title is NAME (setproctitle:
# "racoon-ng: ike").
rng_child()
{
	local p
	for p in /proc/[0-9]*; do
		[ "$(awk '{ print $4 }' "$p/stat" 2>/dev/null)" = "$1" ] ||
		    continue
		tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q ": $2" ||
		    continue
		echo "${p#/proc/}"
		return 0
	done
	return 1
}

ike_racoonng_start()
{
	local d n be ip x
	ike_params "$1"
	d=$IKE_DIR/$1
	be=$(rng_backend)
	for x in "$RNG_RACOON" "$RNG_RACOONCTL" "$RNG_SETKEY"; do
		command -v "$x" >/dev/null 2>&1 || ike_fail "no $x"
	done
	ike_nsexec "$P_ns" "$RNG_SETKEY" -B "$be" -f "$d/sp.conf" \
	    >"$d/setkey.out" 2>&1 || {
		cat "$d/setkey.out" >&2
		ike_fail "$1: setkey -B $be -f sp.conf"
	}
	rm -f "$d/ctl.sock" "$d/racoon-ng.pid"
	ike_bg "$P_ns" "$d/racoon.log" "$RNG_RACOON" -F -d -B "$be" \
	    -f "$d/racoon-ng.conf"
	ip=$IKE_LASTPID
	echo "$ip" >"$d/rpid"
	n=0
	until [ -S "$d/ctl.sock" ] &&
	    rng_ctl "$1" show-sa isakmp >/dev/null 2>&1 &&
	    rng_child "$ip" ike >"$d/pid"; do
		n=$((n + 1))
		if [ $n -gt $((100 * IKE_SLOW)) ] ||
		    ! kill -0 "$ip" 2>/dev/null; then
			tail -30 "$d/racoon.log" >&2
			ike_fail "$1: racoon-ng did not start"
		fi
		sleep 0.1
	done
	# Its events from now on (show-event, JSON Lines).
	ike_bg "$P_ns" "$d/events" "$RNG_RACOONCTL" -s "$d/ctl.sock" \
	    -o json show-event
	[ "$P_start" = yes ] && rng_ping "$1"
	return 0
}

# rng_ping NAME: one echo into the outbound policy.
rng_ping()
{
	local src dst
	if [ "$P_mode" = tunnel ]; then
		src=$(ip -n "$IKE_NSP$P_ns" -4 -o addr show dev lo | awk '
		    { a = $4; sub("/.*", "", a) }
		    a != "127.0.0.1" { print a; exit }')
		dst=$(echo "$P_rnet" | awk -F'[./]' '{ printf "%s.%s.%s.%d",
		    $1, $2, $3, $4 + 1 }')
	else
		src=$P_local dst=$P_remote
	fi
	ike_nsexec "$P_ns" ping -n -q -c 1 -W 1 -I "$src" "$dst" \
	    >/dev/null 2>&1
	return 0
}

ike_racoonng_initiate()
{
	local n t
	ike_params "$1"
	t=${2:-$((30 * IKE_SLOW))}
	rng_ping "$1"
	n=0
	until ike_racoonng_established "$1"; do
		n=$((n + 1))
		if [ $n -gt $((t * 5)) ]; then
			tail -20 "$IKE_DIR/$1/racoon.log" >&2
			return 1
		fi
		sleep 0.2
	done
}

# A mature ESP SA each way between local and remote in the kernel's SAD,
# as racoonctl show-sa esp prints it (setkey -D's layout: "SRC DST", or
# "SRC[PORT] DST[PORT]" for NAT-T, then the SA's lines).
ike_racoonng_established()
{
	ike_params "$1"
	rng_ctl "$1" show-sa esp 2>/dev/null | awk -v l="$P_local" \
	    -v r="$P_remote" '
	/^[0-9a-fA-F.:]+(\[[0-9]+\])? [0-9a-fA-F.:]+(\[[0-9]+\])?[ \t]*$/ {
		s = $1; t = $2; sub(/\[.*/, "", s); sub(/\[.*/, "", t)
		dir = (s == l && t == r) ? "out" : (s == r && t == l) ? "in" : ""
		next
	}
	/state=mature/ && dir != "" { ok[dir] = 1 }
	END { exit !(ok["out"] && ok["in"]) }'
}

# racoonctl delete-sa esp removes the SAs from the SADB without telling
# the peer (as racoon's did: racoon-ng takes the SADB's echo of its own
# DELETE for what it is); an SA that another program deletes is answered
# with a DELETE notification to the peer and the removal of its pair.  So
# setkey deletes the SAs, and once racoon-ng has sent the DELETE, racoonctl
# deletes the ISAKMP SA (with its own DELETE): charon and pluto, which
# keep the IPsec SAs of a deleted ISAKMP SA, both hear of everything.
ike_racoonng_terminate()
{
	local d n
	ike_params "$1"
	d=$IKE_DIR/$1
	printf 'deleteall %s %s esp;\ndeleteall %s %s esp;\n' "$P_local" \
	    "$P_remote" "$P_remote" "$P_local" |
	    ike_nsexec "$P_ns" "$RNG_SETKEY" -B "$(rng_backend)" -c \
	    >"$d/terminate.out" 2>&1
	n=0
	until grep -q 'DELETE (ESP) sent' "$d/racoon.log"; do
		n=$((n + 1))
		[ $n -le $((25 * IKE_SLOW)) ] || break
		sleep 0.2
	done
	# pluto deletes the ISAKMP SA of its last IPsec SA: then there is
	# none left to delete.
	rng_ctl "$1" delete-sa isakmp inet "$P_local" "$P_remote" \
	    >>"$d/terminate.out" 2>&1 || ! rng_isakmp "$1"
}

# rng_isakmp NAME: NAME holds an ISAKMP SA with its remote (show-sa
# isakmp answered and lists one).
rng_isakmp()
{
	local o
	o=$(rng_ctl "$1" -o json show-sa isakmp) || return 0
	echo "$o" | grep -q "\"remote\": *{\"address\": *\"$P_remote\""
}

# A sanitizer build reports into the log as its processes exit: any
# report fails the scenario.
ike_racoonng_stop()
{
	local d
	d=$IKE_DIR/$1
	[ -f "$d/rpid" ] || return 0
	ike_kill "$(cat "$d/rpid")"
	rm -f "$d/rpid" "$d/pid"
	if grep -q 'ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:' \
	    "$d/racoon.log"; then
		grep -A20 'Sanitizer\|runtime error:' "$d/racoon.log" >&2
		ike_fail "$1: a sanitizer report in racoon-ng's log"
	fi
}

# For guest_peers.sh's dpd check: racoon-ng reported the peer dead by
# DPD (the event phase1_dpd_timeout, and "dead peer" in its log) and
# holds no ISAKMP SA with it any more (show-sa isakmp).
ike_racoonng_dpd_dead()
{
	ike_params "$1"
	grep -q '"event": *"phase1_dpd_timeout"' "$IKE_DIR/$1/events" ||
	    { echo "$1: no phase1_dpd_timeout event" >&2; return 1; }
	grep -q 'dead peer' "$IKE_DIR/$1/racoon.log" ||
	    { echo "$1: no dead peer in the log" >&2; return 1; }
	if rng_isakmp "$1"; then
		echo "$1: an ISAKMP SA with $P_remote is left (or show-sa" \
		    "isakmp failed)" >&2
		return 1
	fi
	return 0
}

ike_racoonng_log()
{
	echo "$IKE_DIR/$1/racoon.log"
}

# What racoon-ng logs when it refuses a scenario as the responder.
ike_racoonng_why()
{
	case $1 in
	*psk_wrong*)	echo 'pre-shared key differs\|authentication failed' ;;
	*revoked*)	echo '[Rr]evoked' ;;
	esac
}
