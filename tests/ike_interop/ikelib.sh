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

# ikelib.sh: real IKEv1 peers for the interoperability tests: strongSwan's
# charon (with swanctl) and libreswan's pluto, each in a network namespace
# of its own, with configurations made for a scenario, and the checks that
# prove an SA: ping across, ESP on the wire decrypted by tshark with the
# keys the kernel holds, a flipped key failing.  sh (POSIX and `local':
# dash, bash, busybox ash); sourced by the ATF programs on the host and by
# the guest scripts under tests/vm/vmrun.sh (ike_vm passes it in).
#
# Where things run.  The host kernel has XFRM but no ESP: daemons negotiate
# there, but installing a CHILD_SA fails (charon, as the quick mode's
# initiator, logs "unable to add SAD entry" and sends an INFORMATIONAL
# with NO_PROPOSAL_CHOSEN: host_test:netlink_ike_only).  So:
#   - kernel ESP: in the guest (Debian's 6.1 kernel under qemu), through
#     ike_vm, which puts charon, swanctl, their plugins, pluto, whack and
#     addconn, the NSS tools and modules, unshare, nft and ping with their
#     libraries into the guest (vmrun.sh -f: the per-run part of the
#     initramfs; the cached base is the same as every other VM test's).
#   - on the host: IKE only with the kernel-netlink backend (a daemon under
#     test that keys sadbd meets a charon that cannot install its
#     CHILD_SA: the quick mode fails on charon's side, not on the wire);
#     or charon with kernel=libipsec (its userspace ESP, Debian's
#     libcharon-extra-plugins), which installs the CHILD_SA in charon
#     itself, behind a TUN device: tunnel mode only, ESP always in UDP 4500
#     (charon forces NAT-T encapsulation), keys in its log at chd=4.  That
#     is a complete peer for a daemon keying sadbd's data plane.
#
# Names.  Every namespace is "$IKE_NSP<name>" (IKE_NSP is empty in the
# guest, a per-test prefix on the host, kept in $IKE_DIR/nsp so the
# cleanup finds it); every daemon instance has a directory $IKE_DIR/<name>
# (./ike on the host, /tmp/ike in the guest) with its configuration, run
# directory, log and a file "kind" (charon or pluto); every process started
# is recorded in $IKE_DIR/pids and ended by its id in ike_cleanup.
#
# Topologies (addresses in the variables IKE_A, IKE_B, IKE_ANET...):
#   ike_topo	ns a: va 10.0.0.1/24, 10.1.0.1 on lo (in 10.1.0.0/24)
#		ns obs: bridge br0 (no address) joining va-o and vb-o
#		ns b: vb 10.0.0.2/24, 10.2.0.1 on lo
#		routes 10.2.0.0/24 via b (src 10.1.0.1) on a and back on b,
#		for tunnel mode between 10.1.0.0/24 and 10.2.0.0/24; permanent
#		neighbours (nothing but our packets on the wire).  Capture
#		in obs: an endpoint's own device shows tunnel-mode packets
#		again after decapsulation.
#   ike_topo_nat	ns a: va 192.168.1.2/24, default via 192.168.1.1,
#		10.1.0.1 on lo
#		ns nat: na 192.168.1.1/24 (to a), nb 10.0.0.1/24 (to obs),
#		forwarding, nftables masquerade out of nb
#		ns obs: br0 joining nb-o and vb-o
#		ns b: vb 10.0.0.2/24, 10.2.0.1 on lo, route to
#		10.1.0.0/24 via 10.0.0.1
#		a reaches b as 10.0.0.1 (source port 500 and 4500 are kept
#		unless taken: masquerade maps ports only on a clash; pass
#		IKE_NAT_PORTS=random for "random-fully" to force a new port).
#   ike_capture_start FILE [NS [IFACE]] / ike_capture_stop
#		tcpdump in NS (obs) on IFACE (br0) into FILE.
#   ike_ping NS SRC DST [COUNT [INTERVAL]]
#		COUNT (3) echoes from SRC to DST, all answered.
#
# Daemons.  ike_conf KIND NAME KEY=VALUE... writes NAME's configuration
# for KIND (charon, pluto; a library passed in may add a kind X by
# defining ike_X_conf, ike_X_start, ike_X_initiate, ike_X_established,
# ike_X_terminate, ike_X_stop).  Keys (default):
#	ns (NAME)	the namespace it runs in
#	conn (c)	the connection's (and its child's) name
#	exchange (main)	main or aggressive
#	local, remote	the IKE addresses (remote may be %any: responder)
#	lid, rid	identities (local, remote): an address, or
#			@fqdn, or a DN ("C=.., O=.., CN=..")
#	auth (psk)	psk or rsa
#	psk		the pre-shared key
#	pki, cert	for rsa: a directory made by ike_pki and the
#			host in it (a, b, c) whose certificate and key
#			this side uses; the CA and CRL come from there
#	mode (tunnel)	tunnel or transport
#	lnet, rnet	traffic selectors (transport: local/32, remote/32)
#	ike (aes128-sha256-modp2048)	IKE proposal, strongSwan syntax
#	esp (aes128-sha256)		ESP proposal without the DH group
#	pfs ()		a DH group for quick mode PFS: modp2048, ecp256...
#	encap (no)	yes: force ESP in UDP (NAT-T) without a NAT
#	dpd (0)		DPD delay in s (0: none); dpd_timeout (0: the
#			daemon's), dpd_action (clear: clear, restart, hold)
#	rekey (0)	CHILD_SA rekey time in s (0: the daemon's); life (0)
#			its hard lifetime; ike_rekey (0) the IKE SA's
#	start (no)	yes: initiate once loaded
#	kernel (netlink)	charon only: netlink or libipsec
# ike_conf_pair KIND_A KIND_B [KEY=VALUE | a:KEY=VALUE | b:KEY=VALUE]...
#	NAME a (ns a, 10.0.0.1, lnet 10.1.0.0/24) and b (the mirror image)
#	in ike_topo, with shared and per-side keys (after ike_topo_nat, a's
#	local address is 192.168.1.2, and b sees it as 10.0.0.1).
# ike_start NAME	start the daemon, load the configuration, wait
#			until it answers
# ike_initiate NAME [TIMEOUT]	initiate conn: phase 1 and quick mode
# ike_wait NAME [TIMEOUT]	wait for an installed IPsec SA of conn (30 s)
# ike_wait_gone NAME [TIMEOUT]	wait until NAME has no IPsec SA of conn
# ike_established NAME		true while NAME has an IPsec SA of conn
# ike_terminate NAME	delete conn's SAs
# ike_stop NAME		stop the daemon (its log stays)
# ike_log NAME		the daemon's log file
# ike_xfrm NAME FILE	the kernel's SAs in NAME's namespace (ip xfrm
#			state, with keys) into FILE, for ike_esp_check
# ike_cleanup		stop everything started, delete the namespaces
#
# Proof on the host (tshark):
#   ike_esp_check PCAP XFRM...
#	every ESP packet (and ESP in UDP 4500) in PCAP belongs to an SA of
#	the XFRM files (ike_xfrm's), passes its ICV under that SA's keys
#	and decrypts to an ICMP echo request or reply with a good checksum;
#	prints "esp N icmp M", fails otherwise.  ike_esp_check_wrong PCAP
#	XFRM..., the negative control: with a nibble of each integrity key
#	(AEAD: the key) flipped no ICV passes, with a nibble of each
#	encryption key flipped no echo comes out.
#   ike_charon_esp_keys LOG	the SAs of kernel=libipsec CHILD_SAs from
#	charon's log (chd=4), in ike_xfrm's format.
#   ike_ikev1_uat LOG PCAP	tshark options decrypting the IKEv1
#	exchanges of PCAP with the phase 1 keys of charon's log (ike=4);
#	ike_ikev1_check LOG PCAP: the quick modes decrypt, not with a key
#	flipped; ike_negotiated LOG PCAP KEY=VALUE...: the exchange type,
#	authentication method, DH groups, ESP transform and encapsulation
#	mode on the wire are the scenario's.
#   ike_plain_check PCAP	no ICMP in clear on the wire.
#   ike_judge DIR CHECK [LOG [KEY=VALUE...]]	all of the above for one
#	scenario's output of guest_peers.sh.
#
# Setup on the host: ike_require_charon, ike_require_pluto (libreswan is
# not installed, it conflicts with strongSwan's packages: its .deb is
# fetched with apt-get download into the VM cache and unpacked there),
# ike_pki DIR (a CA, hosts a and b, a revoked host, a CRL, with
# openssl(1)), ike_vm (run a guest script with all of the above).
#
# The driver: ike_peers KIND_A KIND_B SCENARIO... boots once, runs the
# named scenarios of the file "scenarios" in the guest (guest_peers.sh)
# and judges each (ike_judge, ike_negotiated).  A new kind (racoon-ng) is a
# library defining ike_X_conf NAME (from the P_* parameters), ike_X_start,
# ike_X_initiate NAME TIMEOUT, ike_X_established, ike_X_terminate,
# ike_X_stop, ike_X_log (and, optionally, ike_X_why SCENARIO: what it
# logs when it refuses), passed with ike_peers -x; its program with -f.

IKE_CHARON=${IKE_CHARON:-/usr/lib/ipsec/charon}
IKE_SWANCTL=${IKE_SWANCTL:-/usr/sbin/swanctl}
IKE_PLUGINDIR=${IKE_PLUGINDIR:-/usr/lib/ipsec/plugins}
IKE_CHARON_PLUGINS="random nonce openssl pem pkcs1 x509 pubkey kdf \
curve25519 revocation constraints kernel-netlink socket-default vici"
IKE_SWANCTL_PLUGINS="pem pkcs1 x509 pubkey openssl revocation constraints"
# Where libreswan is unpacked: / in the guest (ike_vm puts its programs
# there), the cache directory on the host (ike_require_pluto).
IKE_LSW=${IKE_LSW:-}
IKE_PSK_DEFAULT=pfkeykit-interop-psk-0123456789

IKE_A=10.0.0.1 IKE_B=10.0.0.2
IKE_ANET=10.1.0.0/24 IKE_BNET=10.2.0.0/24
IKE_AIN=10.1.0.1 IKE_BIN=10.2.0.1
IKE_APRIV=192.168.1.2 IKE_NATPRIV=192.168.1.1
IKE_TOPO=

# Run time limits are longer under TCG.
if [ -n "${PFKEYKIT_VM:-}" ]; then
	IKE_DIR=${IKE_DIR:-/tmp/ike}
	IKE_SLOW=3
else
	IKE_DIR=${IKE_DIR:-$PWD/ike}
	IKE_SLOW=1
fi

# IKE_NOATF: report with "FAIL: ..." on stderr and exit 1 even under ATF
# (in a subshell whose failures the test collects).
ike_fail()
{
	if [ -z "${IKE_NOATF:-}" ] && command -v atf_fail >/dev/null 2>&1; then
		atf_fail "$*"
	fi
	echo "FAIL: $*" >&2
	exit 1
}

ike_say()
{
	echo "ike: $*"
}

# Quote a value for a shell.
ike_q()
{
	printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"
}

ike_init()
{
	mkdir -p "$IKE_DIR" || ike_fail "cannot create $IKE_DIR"
	if [ -z "${IKE_NSP+x}" ]; then
		if [ -f "$IKE_DIR/nsp" ]; then
			IKE_NSP=$(cat "$IKE_DIR/nsp")
		elif [ -n "${PFKEYKIT_VM:-}" ]; then
			IKE_NSP=
		else
			IKE_NSP=ike$$-
		fi
	fi
	echo "$IKE_NSP" >"$IKE_DIR/nsp"
	touch "$IKE_DIR/pids" "$IKE_DIR/netns"
}

ike_ns()
{
	echo "$IKE_NSP$1"
}

ike_nsexec()
{
	local n
	n=$1
	shift
	ip netns exec "$IKE_NSP$n" "$@"
}

# ike_bg NS LOGFILE COMMAND...: start COMMAND in NS, record its pid.
ike_bg()
{
	local n lf
	n=$1 lf=$2
	shift 2
	ip netns exec "$IKE_NSP$n" "$@" >"$lf" 2>&1 </dev/null &
	IKE_LASTPID=$!
	echo "$IKE_LASTPID" >>"$IKE_DIR/pids"
}

ike_addns()
{
	for n; do
		ip netns add "$IKE_NSP$n" ||
		    ike_fail "ip netns add $IKE_NSP$n"
		echo "$IKE_NSP$n" >>"$IKE_DIR/netns"
		ip -n "$IKE_NSP$n" link set lo up
	done
}

# ike_veth NS1 DEV1 NS2 DEV2
ike_veth()
{
	ip link add "$2" netns "$IKE_NSP$1" type veth peer name "$4" \
	    netns "$IKE_NSP$3" || ike_fail "veth $1:$2 - $3:$4"
}

ike_mac()
{
	ip netns exec "$IKE_NSP$1" cat "/sys/class/net/$2/address"
}

# ike_neigh NS DEV ADDR NS2 DEV2: a permanent neighbour entry.
ike_neigh()
{
	ip -n "$IKE_NSP$1" neigh replace "$3" lladdr "$(ike_mac "$4" "$5")" \
	    dev "$2" nud permanent
}

ike_obs()
{
	ike_addns obs
	ip netns exec "${IKE_NSP}obs" sysctl -qw \
	    net.ipv6.conf.all.disable_ipv6=1 >/dev/null
	ip netns exec "${IKE_NSP}obs" sysctl -qw \
	    net.ipv6.conf.default.disable_ipv6=1 >/dev/null
	ip -n "${IKE_NSP}obs" link add br0 type bridge ||
	    ike_fail "no bridge"
	ip -n "${IKE_NSP}obs" link set br0 up
}

# The inner host of a tunnel: an address on lo (the host kernel has no
# dummy device).
ike_inner()
{
	ip -n "$IKE_NSP$1" addr add "$2/32" dev lo ||
	    ike_fail "cannot add $2 in $1"
}

ike_topo()
{
	local d
	ike_init
	ike_addns a b
	ike_obs
	ike_veth a va obs va-o
	ike_veth b vb obs vb-o
	for d in va-o vb-o; do
		ip -n "${IKE_NSP}obs" link set "$d" master br0 up
	done
	ip -n "${IKE_NSP}a" addr add "$IKE_A/24" dev va
	ip -n "${IKE_NSP}b" addr add "$IKE_B/24" dev vb
	ip -n "${IKE_NSP}a" link set va up
	ip -n "${IKE_NSP}b" link set vb up
	ike_neigh a va "$IKE_B" b vb
	ike_neigh b vb "$IKE_A" a va
	ike_inner a "$IKE_AIN"
	ike_inner b "$IKE_BIN"
	ip -n "${IKE_NSP}a" route add "$IKE_BNET" via "$IKE_B" src "$IKE_AIN"
	ip -n "${IKE_NSP}b" route add "$IKE_ANET" via "$IKE_A" src "$IKE_BIN"
	IKE_TOPO=plain
	echo plain >"$IKE_DIR/topo"
}

ike_topo_nat()
{
	local d x rf
	ike_init
	ike_addns a nat b
	ike_obs
	ike_veth a va nat na
	ike_veth nat nb obs nb-o
	ike_veth b vb obs vb-o
	for d in nb-o vb-o; do
		ip -n "${IKE_NSP}obs" link set "$d" master br0 up
	done
	ip -n "${IKE_NSP}a" addr add "$IKE_APRIV/24" dev va
	ip -n "${IKE_NSP}nat" addr add "$IKE_NATPRIV/24" dev na
	ip -n "${IKE_NSP}nat" addr add "$IKE_A/24" dev nb
	ip -n "${IKE_NSP}b" addr add "$IKE_B/24" dev vb
	for x in "a va" "nat na" "nat nb" "b vb"; do
		# shellcheck disable=SC2086 # "ns dev"
		set -- $x
		ip -n "$IKE_NSP$1" link set "$2" up
	done
	ike_neigh a va "$IKE_NATPRIV" nat na
	ike_neigh nat na "$IKE_APRIV" a va
	ike_neigh nat nb "$IKE_B" b vb
	ike_neigh b vb "$IKE_A" nat nb
	ip -n "${IKE_NSP}a" route add default via "$IKE_NATPRIV"
	ike_nsexec nat sysctl -qw net.ipv4.ip_forward=1 >/dev/null
	rf=
	[ "${IKE_NAT_PORTS:-}" = random ] && rf=" random-fully"
	ike_nsexec nat nft -f - <<EOF || ike_fail "nft: no masquerade"
table ip nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "nb" masquerade$rf
	}
}
EOF
	ike_inner a "$IKE_AIN"
	ike_inner b "$IKE_BIN"
	ip -n "${IKE_NSP}b" route add "$IKE_ANET" via "$IKE_A" src "$IKE_BIN"
	IKE_TOPO=nat
	echo nat >"$IKE_DIR/topo"
}

ike_capture_start()
{
	local cn ci n
	IKE_CAPFILE=$1
	cn=${2:-obs} ci=${3:-br0}
	IKE_CAPTMP=$IKE_DIR/capture.$$.pcap
	rm -f "$IKE_CAPTMP"
	# Into IKE_DIR first: tcpdump chowns its file, which a 9p /out
	# refuses when vmrun.sh runs as a user.
	ip netns exec "$IKE_NSP$cn" tcpdump -Z root -U --immediate-mode \
	    -n -s 0 -i "$ci" -w "$IKE_CAPTMP" \
	    >"$IKE_DIR/tcpdump.log" 2>&1 </dev/null &
	IKE_CAPPID=$!
	echo "$IKE_CAPPID" >>"$IKE_DIR/pids"
	n=0
	until grep -q 'listening on' "$IKE_DIR/tcpdump.log" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$IKE_CAPPID" 2>/dev/null; then
			cat "$IKE_DIR/tcpdump.log" >&2
			ike_fail "tcpdump did not start"
		fi
		sleep 0.1
	done
}

ike_capture_stop()
{
	[ -n "${IKE_CAPPID:-}" ] || return 0
	sleep 0.3
	kill -INT "$IKE_CAPPID" 2>/dev/null
	wait "$IKE_CAPPID" 2>/dev/null
	IKE_CAPPID=
	cp "$IKE_CAPTMP" "$IKE_CAPFILE" ||
	    ike_fail "cannot copy the capture to $IKE_CAPFILE"
	rm -f "$IKE_CAPTMP"
}

ike_ping()
{
	local pn src dst cnt iv r
	pn=$1 src=$2 dst=$3 cnt=${4:-3} iv=${5:-0.2}
	ip netns exec "$IKE_NSP$pn" ping -n -q -c "$cnt" -i "$iv" \
	    -W $((2 * IKE_SLOW)) -I "$src" "$dst" >"$IKE_DIR/ping.out" 2>&1
	r=$?
	cat "$IKE_DIR/ping.out"
	[ $r = 0 ] && grep -q " $cnt received" "$IKE_DIR/ping.out"
}

# ---------------------------------------------------------------------
# Configuration parameters.

IKE_KEYS="ns conn exchange local remote lid rid auth psk pki cert mode \
lnet rnet ike esp pfs encap dpd dpd_timeout dpd_action rekey life \
ike_rekey start kernel"

ike_params()
{
	P_ns=$1 P_conn=c P_exchange=main P_local= P_remote= P_lid= P_rid=
	P_auth=psk P_psk=$IKE_PSK_DEFAULT P_pki= P_cert= P_mode=tunnel
	P_lnet= P_rnet= P_ike=aes128-sha256-modp2048 P_esp=aes128-sha256
	P_pfs= P_encap=no P_dpd=0 P_dpd_timeout=0 P_dpd_action=clear
	P_rekey=0 P_life=0 P_ike_rekey=0 P_start=no P_kernel=netlink
	[ -f "$IKE_DIR/$1/params" ] || ike_fail "no instance $1"
	. "$IKE_DIR/$1/params"
	[ -n "$P_local" ] && [ -n "$P_remote" ] ||
	    ike_fail "$1: local= and remote= are needed"
	[ -n "$P_lid" ] || P_lid=$P_local
	[ -n "$P_rid" ] || P_rid=$P_remote
	if [ "$P_mode" = transport ]; then
		[ -n "$P_lnet" ] || P_lnet=$P_local/32
		[ -n "$P_rnet" ] || P_rnet=$P_remote/32
	fi
	[ -n "$P_lnet" ] && [ -n "$P_rnet" ] ||
	    ike_fail "$1: tunnel mode needs lnet= and rnet="
	case $P_exchange in main|aggressive) ;;
	*) ike_fail "$1: exchange=$P_exchange" ;; esac
	case $P_auth in psk|rsa) ;; *) ike_fail "$1: auth=$P_auth" ;; esac
	case $P_mode in tunnel|transport) ;;
	*) ike_fail "$1: mode=$P_mode" ;; esac
	if [ "$P_auth" = rsa ]; then
		[ -n "$P_pki" ] && [ -n "$P_cert" ] ||
		    ike_fail "$1: auth=rsa needs pki= and cert="
		[ -f "$P_pki/$P_cert.crt" ] ||
		    ike_fail "$1: no certificate $P_pki/$P_cert.crt"
	fi
	return 0
}

ike_conf()
{
	local kind name d kv k v
	kind=$1 name=$2
	shift 2
	command -v "ike_${kind}_conf" >/dev/null 2>&1 ||
	    ike_fail "no IKE peer kind $kind"
	ike_init
	d=$IKE_DIR/$name
	rm -rf "$d"
	mkdir -p "$d/run" || ike_fail "cannot create $d"
	echo "$kind" >"$d/kind"
	: >"$d/params"
	for kv; do
		case $kv in
		*=*)	k=${kv%%=*} v=${kv#*=} ;;
		*)	ike_fail "ike_conf $name: not KEY=VALUE: $kv" ;;
		esac
		case " $(echo $IKE_KEYS) " in
		*" $k "*) ;;
		*)	ike_fail "ike_conf $name: unknown key $k" ;;
		esac
		echo "P_$k=$(ike_q "$v")" >>"$d/params"
	done
	ike_params "$name"
	"ike_${kind}_conf" "$name"
}

ike_conf_pair()
{
	local ka kb sa sb ca cb kv
	ka=$1 kb=$2
	shift 2
	ike_init
	[ -n "$IKE_TOPO" ] || IKE_TOPO=$(cat "$IKE_DIR/topo" 2>/dev/null)
	if [ "$IKE_TOPO" = nat ]; then
		# a's address is private; b sees the NAT's, and a's id is
		# its own address.
		sa="local=$IKE_APRIV remote=$IKE_B lid=$IKE_APRIV"
		sb="local=$IKE_B remote=$IKE_A rid=$IKE_APRIV"
	else
		sa="local=$IKE_A remote=$IKE_B"
		sb="local=$IKE_B remote=$IKE_A"
	fi
	sa="$sa lnet=$IKE_ANET rnet=$IKE_BNET"
	sb="$sb lnet=$IKE_BNET rnet=$IKE_ANET"
	ca= cb=
	for kv; do
		case $kv in
		a:*)	ca="$ca $(ike_q "${kv#a:}")" ;;
		b:*)	cb="$cb $(ike_q "${kv#b:}")" ;;
		*)	ca="$ca $(ike_q "$kv")"
			cb="$cb $(ike_q "$kv")" ;;
		esac
	done
	# Transport mode: the selectors are the addresses.
	case " $ca " in
	*" 'mode=transport' "*)
		sa=$(echo "$sa" | sed 's/ lnet=[^ ]* rnet=[^ ]*//') ;;
	esac
	case " $cb " in
	*" 'mode=transport' "*)
		sb=$(echo "$sb" | sed 's/ lnet=[^ ]* rnet=[^ ]*//') ;;
	esac
	# shellcheck disable=SC2086 # the defaults have no blanks
	eval "ike_conf $ka a ns=a $sa $ca" || return 1
	# shellcheck disable=SC2086
	eval "ike_conf $kb b ns=b $sb $cb"
}

ike_kind()
{
	[ -f "$IKE_DIR/$1/kind" ] || ike_fail "no instance $1"
	cat "$IKE_DIR/$1/kind"
}

ike_start()
{
	"ike_$(ike_kind "$1")_start" "$1"
}

ike_initiate()
{
	"ike_$(ike_kind "$1")_initiate" "$1" "${2:-$((30 * IKE_SLOW))}"
}

ike_established()
{
	"ike_$(ike_kind "$1")_established" "$1"
}

ike_terminate()
{
	"ike_$(ike_kind "$1")_terminate" "$1"
}

ike_stop()
{
	"ike_$(ike_kind "$1")_stop" "$1"
}

ike_log()
{
	"ike_$(ike_kind "$1")_log" "$1"
}

ike_wait()
{
	local t n
	t=${2:-$((30 * IKE_SLOW))}
	n=0
	until ike_established "$1"; do
		n=$((n + 1))
		[ $n -le $((t * 5)) ] || return 1
		sleep 0.2
	done
}

ike_wait_gone()
{
	local t n
	t=${2:-$((30 * IKE_SLOW))}
	n=0
	while ike_established "$1"; do
		n=$((n + 1))
		[ $n -le $((t * 5)) ] || return 1
		sleep 0.2
	done
}

ike_xfrm()
{
	ike_params "$1"
	ip -n "$IKE_NSP$P_ns" xfrm state >"$2" ||
	    ike_fail "ip xfrm state in $P_ns"
}

# ike_kill PID: TERM, then KILL after 5 s.
ike_kill()
{
	local n
	kill "$1" 2>/dev/null || return 0
	n=0
	while kill -0 "$1" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 50 ]; then
			kill -9 "$1" 2>/dev/null
			break
		fi
		sleep 0.1
	done
}

ike_cleanup()
{
	local p n
	[ -d "$IKE_DIR" ] || return 0
	if [ -f "$IKE_DIR/pids" ]; then
		while read -r p; do
			[ -n "$p" ] && ike_kill "$p"
		done <"$IKE_DIR/pids"
		: >"$IKE_DIR/pids"
	fi
	if [ -f "$IKE_DIR/netns" ]; then
		while read -r n; do
			[ -n "$n" ] && ip netns del "$n" 2>/dev/null
		done <"$IKE_DIR/netns"
		: >"$IKE_DIR/netns"
	fi
	return 0
}

# ike_lsw_alg PROPOSAL: a strongSwan proposal (aes128-sha256-modp2048,
# aes256gcm16-ecp256) in libreswan's syntax (aes128-sha2_256;modp2048,
# aes_gcm256;dh19).
ike_lsw_alg()
{
	local t enc integ dh
	enc= integ= dh=
	for t in $(echo "$1" | tr - ' '); do
		case $t in
		aes128|aes192|aes256|3des) enc=$t ;;
		aes128gcm16|aes192gcm16|aes256gcm16)
			enc=aes_gcm$(echo "$t" | sed 's/^aes\([0-9]*\)gcm16/\1/')
			;;
		sha1|md5) integ=$t ;;
		sha256) integ=sha2_256 ;;
		sha384) integ=sha2_384 ;;
		sha512) integ=sha2_512 ;;
		modp1024|modp1536|modp2048|modp3072|modp4096|modp6144|modp8192)
			dh=$t ;;
		ecp256) dh=dh19 ;;
		ecp384) dh=dh20 ;;
		ecp521) dh=dh21 ;;
		curve25519|x25519) dh=dh31 ;;
		*)	ike_fail "no libreswan name for $t (in $1)" ;;
		esac
	done
	[ -n "$enc" ] || ike_fail "no cipher in $1"
	echo "$enc${integ:+-$integ}${dh:+;$dh}"
}

# ---------------------------------------------------------------------
# strongSwan: charon and swanctl.

ike_charon_env()
{
	STRONGSWAN_CONF=$IKE_DIR/$1/strongswan.conf
	export STRONGSWAN_CONF
}

ike_charon_conf()
{
	local d s x plugins la ra ep sa ex cr ir
	d=$IKE_DIR/$1
	s=$d/swanctl
	mkdir -p "$s" || ike_fail "cannot create $s"
	for x in x509 x509ca x509crl private pubkey rsa ecdsa pkcs8 pkcs12 \
	    x509ocsp x509aa x509ac bliss; do
		mkdir -p "$s/$x"
	done
	plugins=$IKE_CHARON_PLUGINS
	[ "$P_kernel" = libipsec ] && plugins="kernel-libipsec $plugins"
	cat >"$d/strongswan.conf" <<EOF
# $1: charon for the interoperability tests (made by ikelib.sh)
charon {
	load_modular = no
	load = $(echo $plugins)
	install_routes = $([ "$P_kernel" = libipsec ] && echo yes || echo no)
	install_virtual_ip = no
	retransmit_tries = 3
	retransmit_timeout = $((2 * IKE_SLOW)).0
	retransmit_base = 1.4
	i_dont_care_about_security_and_use_aggressive_mode_psk = yes
	plugins {
		vici {
			socket = unix://$d/charon.vici
		}
	}
	filelog {
		log {
			path = $d/charon.log
			time_format = %T
			time_add_ms = yes
			append = no
			flush_line = yes
			default = 1
			ike = 4
			cfg = 2
			knl = 2
			chd = 4
			esp = 2
			net = 1
			enc = 1
		}
	}
}
swanctl {
	load = $IKE_SWANCTL_PLUGINS
	socket = unix://$d/charon.vici
}
EOF
	if [ "$P_auth" = rsa ]; then
		cp "$P_pki/$P_cert.crt" "$s/x509/$P_cert.pem"
		cp "$P_pki/$P_cert.key" "$s/private/$P_cert.pem"
		cp "$P_pki/ca.crt" "$s/x509ca/ca.pem"
		[ -f "$P_pki/ca.crl" ] && cp "$P_pki/ca.crl" "$s/x509crl/ca.crl"
		la="auth = pubkey
			certs = $P_cert.pem"
		ra="auth = pubkey
			revocation = strict"
	else
		la="auth = psk" ra="auth = psk"
	fi
	ep=$P_esp
	[ -n "$P_pfs" ] && ep=$P_esp-$P_pfs
	sa=none
	[ "$P_start" = yes ] && sa=start
	ex=
	[ "$P_dpd_timeout" != 0 ] && ex="dpd_timeout = ${P_dpd_timeout}s"
	cr=
	[ "$P_rekey" != 0 ] && cr="rekey_time = ${P_rekey}s
				rand_time = 0s"
	[ "$P_life" != 0 ] && cr="$cr
				life_time = ${P_life}s"
	ir=
	[ "$P_ike_rekey" != 0 ] && ir="rekey_time = ${P_ike_rekey}s"
	cat >"$s/swanctl.conf" <<EOF
# $1: made by ikelib.sh
connections {
	$P_conn {
		version = 1
		aggressive = $([ "$P_exchange" = aggressive ] && echo yes || echo no)
		local_addrs = $P_local
		remote_addrs = $P_remote
		proposals = $P_ike
		encap = $P_encap
		mobike = no
		fragmentation = no
		dpd_delay = ${P_dpd}s
		$ex
		$ir
		local {
			$la
			id = $P_lid
		}
		remote {
			$ra
			id = $P_rid
		}
		children {
			$P_conn {
				mode = $P_mode
				local_ts = $P_lnet
				remote_ts = $P_rnet
				esp_proposals = $ep
				dpd_action = $P_dpd_action
				start_action = $sa
				$cr
			}
		}
	}
}
secrets {
	ike-$P_conn {
		id-local = $P_lid
		id-remote = $P_rid
		secret = "$P_psk"
	}
}
EOF
}

ike_charon_start()
{
	local d n
	ike_params "$1"
	d=$IKE_DIR/$1
	ike_charon_env "$1"
	rm -f "$d/charon.vici" "$d/run/charon.pid"
	[ -x "$IKE_CHARON" ] || ike_fail "no $IKE_CHARON"
	# charon's pid file is /var/run/charon.pid: each one gets a /run
	# of its own in a private mount namespace.
	ike_bg "$P_ns" "$d/charon.out" unshare -m --propagation private \
	    sh -c 'mount --bind "$1" /run && exec "$2"' sh \
	    "$d/run" "$IKE_CHARON"
	echo "$IKE_LASTPID" >"$d/pid"
	n=0
	until "$IKE_SWANCTL" --stats >/dev/null 2>&1; do
		n=$((n + 1))
		if [ $n -gt $((100 * IKE_SLOW)) ] ||
		    ! kill -0 "$IKE_LASTPID" 2>/dev/null; then
			cat "$d/charon.out" >&2
			tail -20 "$d/charon.log" >&2 2>/dev/null
			ike_fail "$1: charon did not start"
		fi
		sleep 0.1
	done
	"$IKE_SWANCTL" --load-all --noprompt \
	    --file "$d/swanctl/swanctl.conf" >"$d/load.out" 2>&1 || {
		cat "$d/load.out" >&2
		ike_fail "$1: swanctl --load-all failed"
	}
	grep -q "loaded connection '$P_conn'" "$d/load.out" || {
		cat "$d/load.out" >&2
		ike_fail "$1: swanctl did not load $P_conn"
	}
}

ike_charon_swanctl()
{
	local n
	n=$1
	shift
	ike_charon_env "$n"
	"$IKE_SWANCTL" "$@"
}

ike_charon_initiate()
{
	local r
	ike_params "$1"
	ike_charon_env "$1"
	timeout $(($2 + 5)) "$IKE_SWANCTL" --initiate --child "$P_conn" \
	    --timeout "$2" >"$IKE_DIR/$1/initiate.out" 2>&1
	r=$?
	[ $r = 0 ] || tail -20 "$IKE_DIR/$1/initiate.out" >&2
	return $r
}

ike_charon_established()
{
	ike_params "$1"
	ike_charon_env "$1"
	"$IKE_SWANCTL" --list-sas --ike "$P_conn" 2>/dev/null |
	    grep -q "^  *$P_conn: #[0-9]*, reqid [0-9]*, INSTALLED"
}

ike_charon_terminate()
{
	ike_params "$1"
	ike_charon_env "$1"
	"$IKE_SWANCTL" --terminate --ike "$P_conn" --timeout 10 \
	    >"$IKE_DIR/$1/terminate.out" 2>&1
}

ike_charon_stop()
{
	d=$IKE_DIR/$1
	[ -f "$d/pid" ] || return 0
	ike_kill "$(cat "$d/pid")"
	rm -f "$d/pid"
}

ike_charon_log()
{
	echo "$IKE_DIR/$1/charon.log"
}

# ---------------------------------------------------------------------
# libreswan: pluto, whack, addconn.

ike_pluto_bin()
{
	echo "${IKE_LSW%/}/usr/libexec/ipsec/$1"
}

ike_whack()
{
	local n
	n=$1
	shift
	"$(ike_pluto_bin whack)" --ctlsocket "$IKE_DIR/$n/run/pluto.ctl" "$@"
}

ike_pluto_conf()
{
	local d auth ike esp pfs nets dpd to life encap
	d=$IKE_DIR/$1
	mkdir -p "$d/nss" "$d/ipsec.d" || ike_fail "cannot create $d"
	certutil -N -d "sql:$d/nss" --empty-password >"$d/nss.out" 2>&1 || {
		cat "$d/nss.out" >&2
		ike_fail "$1: certutil -N failed"
	}
	if [ "$P_auth" = rsa ]; then
		# NSS takes the host's key and certificate as PKCS#12; the CA
		# is trusted for peers' certificates, the CRL imported.
		pk12util -i "$P_pki/$P_cert.p12" -d "sql:$d/nss" -W pfkeykit \
		    >>"$d/nss.out" 2>&1 &&
		certutil -A -d "sql:$d/nss" -n ca -t CT,, \
		    -i "$P_pki/ca.crt" >>"$d/nss.out" 2>&1 || {
			cat "$d/nss.out" >&2
			ike_fail "$1: cannot import $P_cert into NSS"
		}
		if [ -f "$P_pki/ca.crl.der" ]; then
			crlutil -I -d "sql:$d/nss" -i "$P_pki/ca.crl.der" \
			    >>"$d/nss.out" 2>&1 || {
				cat "$d/nss.out" >&2
				ike_fail "$1: cannot import the CRL"
			}
		fi
		auth="authby=rsasig
	leftcert=$P_cert
	leftrsasigkey=%cert
	rightrsasigkey=%cert
	rightca=%same"
	else
		auth="authby=secret"
	fi
	ike=$(ike_lsw_alg "$P_ike")
	if [ -n "$P_pfs" ]; then
		esp=$(ike_lsw_alg "$P_esp-$P_pfs") pfs=yes
	else
		esp=$(ike_lsw_alg "$P_esp") pfs=no
	fi
	nets=
	if [ "$P_mode" = tunnel ]; then
		nets="leftsubnet=$P_lnet
	rightsubnet=$P_rnet"
	fi
	dpd=
	if [ "$P_dpd" != 0 ]; then
		to=$P_dpd_timeout
		[ "$to" != 0 ] || to=$((P_dpd * 4))
		dpd="dpddelay=$P_dpd
	dpdtimeout=$to
	dpdaction=$P_dpd_action"
	fi
	life=
	[ "$P_life" != 0 ] && life="salifetime=$P_life"
	[ "$P_rekey" != 0 ] && life="$life
	rekeymargin=$(( ${P_life:-0} > P_rekey ? P_life - P_rekey : 9 ))s"
	[ "$P_rekey" != 0 ] && [ "$P_life" = 0 ] &&
	    life="salifetime=$((P_rekey + 9))s
	rekeymargin=9s"
	[ "$P_ike_rekey" != 0 ] && life="$life
	ikelifetime=${P_ike_rekey}s"
	encap=auto
	[ "$P_encap" = yes ] && encap=yes
	cat >"$d/ipsec.conf" <<EOF
# $1: pluto for the interoperability tests (made by ikelib.sh)
config setup
	ikev1-policy=accept
	logfile=$d/pluto.log
	logappend=no
	logtime=yes
	plutodebug=base
	dnssec-enable=no
	ipsecdir=$d/ipsec.d
	nssdir=$d/nss
	dumpdir=$d/run
	secretsfile=$d/ipsec.secrets
	uniqueids=no
	listen=$P_local

conn $P_conn
	keyexchange=ike
	ikev2=no
	aggressive=$([ "$P_exchange" = aggressive ] && echo yes || echo no)
	left=$P_local
	leftid=$(ike_lsw_id "$P_lid")
	right=$P_remote
	rightid=$(ike_lsw_id "$P_rid")
	type=$P_mode
	$nets
	$auth
	ike=$ike
	esp=$esp
	pfs=$pfs
	encapsulation=$encap
	$dpd
	$life
	rekeyfuzz=0%
	keyingtries=1
	leftupdown=%disabled
	auto=$([ "$P_start" = yes ] && echo start || echo add)
EOF
	if [ "$P_auth" = rsa ]; then
		echo ": RSA \"$P_cert\"" >"$d/ipsec.secrets"
	else
		echo "$(ike_lsw_id "$P_lid") $(ike_lsw_id "$P_rid") : PSK \"$P_psk\"" \
		    >"$d/ipsec.secrets"
	fi
	chmod 600 "$d/ipsec.secrets"
}

# A DN in quotes, an address or @fqdn as it is.
ike_lsw_id()
{
	case $1 in
	*=*)	echo "\"$1\"" ;;
	*)	echo "$1" ;;
	esac
}

ike_pluto_start()
{
	local d lx n
	ike_params "$1"
	d=$IKE_DIR/$1
	rm -f "$d/run/pluto.ctl" "$d/run/pluto.pid"
	[ -x "$(ike_pluto_bin pluto)" ] ||
	    ike_fail "no pluto in ${IKE_LSW:-(IKE_LSW unset)}"
	# pluto runs /usr/libexec/ipsec/addconn (a path built in): where
	# libreswan is unpacked elsewhere, its libexec is mounted there in
	# a private mount namespace.
	lx=${IKE_LSW%/}/usr/libexec
	ike_bg "$P_ns" "$d/pluto.out" unshare -m --propagation private \
	    sh -c '[ "$1" = /usr/libexec ] ||
	    mount --bind "$1" /usr/libexec || exit 1
	    exec /usr/libexec/ipsec/pluto --config "$2" --nofork --rundir "$3"' \
	    sh "$lx" "$d/ipsec.conf" "$d/run"
	echo "$IKE_LASTPID" >"$d/pid"
	n=0
	until [ -S "$d/run/pluto.ctl" ] &&
	    grep -q "added IKEv1 connection" "$d/pluto.log" 2>/dev/null &&
	    ike_whack "$1" --status >/dev/null 2>&1; do
		n=$((n + 1))
		if [ $n -gt $((100 * IKE_SLOW)) ] ||
		    ! kill -0 "$IKE_LASTPID" 2>/dev/null; then
			cat "$d/pluto.out" >&2
			grep -v '^.\{24\}|' "$d/pluto.log" 2>/dev/null |
			    tail -20 >&2
			ike_fail "$1: pluto did not start"
		fi
		sleep 0.1
	done
	grep -q "\"$P_conn\": added IKEv1 connection" "$d/pluto.log" || {
		grep -v '^.\{24\}|' "$d/pluto.log" | tail -20 >&2
		ike_fail "$1: pluto did not load $P_conn"
	}
}

ike_pluto_initiate()
{
	local r
	ike_params "$1"
	timeout $(($2 + 5)) "$(ike_pluto_bin whack)" \
	    --ctlsocket "$IKE_DIR/$1/run/pluto.ctl" --name "$P_conn" \
	    --initiate >"$IKE_DIR/$1/initiate.out" 2>&1
	r=$?
	[ $r = 0 ] || tail -20 "$IKE_DIR/$1/initiate.out" >&2
	return $r
}

ike_pluto_established()
{
	ike_params "$1"
	ike_whack "$1" --trafficstatus 2>/dev/null |
	    grep -q "\"$P_conn\"[^,]*, type=ESP"
}

ike_pluto_terminate()
{
	ike_params "$1"
	ike_whack "$1" --name "$P_conn" --terminate \
	    >"$IKE_DIR/$1/terminate.out" 2>&1
}

ike_pluto_stop()
{
	d=$IKE_DIR/$1
	[ -f "$d/pid" ] || return 0
	ike_whack "$1" --shutdown >/dev/null 2>&1
	ike_kill "$(cat "$d/pid")"
	rm -f "$d/pid"
}

ike_pluto_log()
{
	echo "$IKE_DIR/$1/pluto.log"
}

# ---------------------------------------------------------------------
# Host side: the peers, certificates, the guest, the checks.

# ike_install COMMAND-OR-FILE PACKAGE: install PACKAGE when root.
ike_install()
{
	case $1 in
	/*)	[ -e "$1" ] && return 0 ;;
	*)	command -v "$1" >/dev/null 2>&1 && return 0 ;;
	esac
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 ||
	    { apt-get update -qq >/dev/null 2>&1 &&
	    apt-get install -y -qq --no-install-recommends "$2" \
	    >/dev/null 2>&1; } || true
}

ike_skip()
{
	if command -v atf_skip >/dev/null 2>&1; then
		atf_skip "$*"
	fi
	echo "SKIP: $*" >&2
	exit 0
}

# Root and namespaces (the daemons' sockets and SAs live in them).
ike_require_netns()
{
	local p
	[ "$(uname -s)" = Linux ] || ike_skip "Linux network namespaces"
	[ "$(id -u)" = 0 ] || ike_skip "needs root (network namespaces)"
	command -v ip >/dev/null 2>&1 || ike_skip "no ip(8) (iproute2)"
	p=ikeprobe$$
	ip netns add $p 2>/dev/null ||
	    ike_skip "cannot create network namespaces here"
	ip netns del $p
	command -v unshare >/dev/null 2>&1 || ike_skip "no unshare(1)"
}

ike_require_charon()
{
	local miss p
	ike_install "$IKE_CHARON" strongswan-charon
	ike_install "$IKE_SWANCTL" strongswan-swanctl
	ike_install "$IKE_PLUGINDIR/libstrongswan-openssl.so" \
	    libstrongswan-standard-plugins
	ike_install "$IKE_PLUGINDIR/libstrongswan-curve25519.so" \
	    libstrongswan-extra-plugins
	[ -x "$IKE_CHARON" ] && [ -x "$IKE_SWANCTL" ] ||
	    ike_skip "strongSwan is not installed and cannot be (Debian:" \
	    "apt-get install strongswan-charon strongswan-swanctl)"
	miss=
	for p in $IKE_CHARON_PLUGINS; do
		[ -f "$IKE_PLUGINDIR/libstrongswan-$p.so" ] ||
		    miss="$miss $p"
	done
	[ -z "$miss" ] || ike_fail "charon plugins missing:$miss (Debian:" \
	    "libstrongswan-standard-plugins libstrongswan-extra-plugins)"
}

ike_require_libipsec()
{
	ike_install "$IKE_PLUGINDIR/libstrongswan-kernel-libipsec.so" \
	    libcharon-extra-plugins
	[ -f "$IKE_PLUGINDIR/libstrongswan-kernel-libipsec.so" ] ||
	    ike_skip "charon's kernel-libipsec plugin is not installed and" \
	    "cannot be (Debian: libcharon-extra-plugins)"
	[ -c /dev/net/tun ] || ike_skip "no /dev/net/tun (kernel-libipsec)"
}

# The cache: the VM harness's (tests/vm/vmrun.sh), outside the tree.
ike_cache()
{
	local h
	if [ -z "${PFKEYKIT_VM_CACHE:-}" ]; then
		h=$(getent passwd "$(id -u)" | cut -d: -f6)
		[ -n "$h" ] && [ -d "$h" ] && [ -w "$h" ] || h=/tmp
		PFKEYKIT_VM_CACHE=${XDG_CACHE_HOME:-$h/.cache}/pfkeykit/vm
		export PFKEYKIT_VM_CACHE
	fi
	mkdir -p "$PFKEYKIT_VM_CACHE" ||
	    ike_fail "cannot create $PFKEYKIT_VM_CACHE"
	echo "$PFKEYKIT_VM_CACHE"
}

# libreswan conflicts with strongSwan's packages (both are "ipsec"): its
# .deb is unpacked into the cache, keyed by version, and run from there.
# Its runtime libraries (NSS, unbound, ldns, libevent...) are ordinary
# packages (build.sh installs them); certutil and pk12util come from
# libnss3-tools.
ike_require_pluto()
{
	local c ver t miss b
	ike_install certutil libnss3-tools
	command -v certutil >/dev/null 2>&1 ||
	    ike_skip "no certutil (Debian: apt-get install libnss3-tools)"
	ike_cache >/dev/null
	c=$PFKEYKIT_VM_CACHE
	ver=$(apt-cache policy libreswan 2>/dev/null |
	    awk '$1 == "Candidate:" { print $2 }')
	if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
		# No package lists: the newest already unpacked.
		IKE_LSW=$(ls -d "$c"/libreswan-* 2>/dev/null | tail -1)
		[ -n "$IKE_LSW" ] || ike_skip "libreswan is not in apt's" \
		    "lists and not in $c (apt-get update)"
	else
		IKE_LSW=$c/libreswan-$(echo "$ver" | tr ':~' '__')
	fi
	if [ ! -x "$IKE_LSW/usr/libexec/ipsec/pluto" ]; then
		t=$(mktemp -d "$c/libreswan.XXXXXX") ||
		    ike_fail "mktemp in $c"
		(cd "$t" && apt-get download libreswan) >"$t/log" 2>&1 ||
		    { rm -rf "$t"; ike_skip "cannot fetch libreswan's" \
		    ".deb (apt-get download libreswan)"; }
		mkdir "$t/root" && dpkg-deb -x "$t"/libreswan_*.deb "$t/root" ||
		    { rm -rf "$t"; ike_fail "dpkg-deb -x libreswan failed"; }
		if ! mv -T "$t/root" "$IKE_LSW" 2>/dev/null; then
			# Another run unpacked it first.
			[ -x "$IKE_LSW/usr/libexec/ipsec/pluto" ] ||
			    { rm -rf "$t"; ike_fail "cannot unpack libreswan" \
			    "into $IKE_LSW"; }
		fi
		rm -rf "$t"
	fi
	miss=$(for b in pluto whack addconn; do
		ldd "$IKE_LSW/usr/libexec/ipsec/$b" 2>&1 |
		    awk '/not found/ { print $1 }'
	done | sort -u | tr '\n' ' ')
	[ -z "$miss" ] || ike_fail "pluto's libraries are missing: $miss" \
	    "(build.sh deps installs them)"
	export IKE_LSW
}

# ike_pki DIR: a CA (RSA 3072) and hosts a (10.0.0.1, a.ike.test), b
# (10.0.0.2, b.ike.test) and c (10.0.0.1 too, c.ike.test: a's address
# with a revoked certificate) with RSA 2048 keys, subjectAltNames with IP
# and DNS; a CRL (PEM ca.crl, DER ca.crl.der) revoking c; NAME.crt,
# NAME.key (PEM), NAME.p12 (PKCS#12, password "pfkeykit").
ike_pki()
{
	local pd h n ip
	pd=$1
	mkdir -p "$pd" || ike_fail "cannot create $pd"
	command -v openssl >/dev/null 2>&1 || ike_fail "no openssl(1)"
	(
		set -e
		cd "$pd"
		: >index.txt
		echo 1000 >serial
		echo 1000 >crlnumber
		cat >ca.cnf <<'EOF'
[ ca ]
default_ca = ikeca
[ ikeca ]
dir = .
database = ./index.txt
serial = ./serial
crlnumber = ./crlnumber
new_certs_dir = .
default_md = sha256
default_days = 30
default_crl_days = 30
policy = anything
unique_subject = no
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
[ anything ]
C = optional
O = optional
CN = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ v3_host ]
basicConstraints = CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $ENV::IKE_SAN
EOF
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 \
		    -out ca.key 2>/dev/null
		IKE_SAN=none openssl req -config ca.cnf -new -x509 -days 30 \
		    -key ca.key -subj "/C=CH/O=pfkeykit/CN=pfkeykit test CA" \
		    -extensions v3_ca -out ca.crt
		for h in a:10.0.0.1 b:10.0.0.2 c:10.0.0.1; do
			n=${h%%:*} ip=${h#*:}
			openssl genpkey -algorithm RSA \
			    -pkeyopt rsa_keygen_bits:2048 -out "$n.key" \
			    2>/dev/null
			IKE_SAN="IP:$ip, DNS:$n.ike.test" openssl req \
			    -config ca.cnf -new -key "$n.key" \
			    -subj "/C=CH/O=pfkeykit/CN=$n.ike.test" \
			    -out "$n.csr"
			IKE_SAN="IP:$ip, DNS:$n.ike.test" openssl ca -batch \
			    -config ca.cnf -cert ca.crt -keyfile ca.key \
			    -extensions v3_host -notext -in "$n.csr" \
			    -out "$n.crt" 2>/dev/null
			openssl pkcs12 -export -in "$n.crt" -inkey "$n.key" \
			    -name "$n" -passout pass:pfkeykit -out "$n.p12"
		done
		IKE_SAN=none openssl ca -config ca.cnf -cert ca.crt \
		    -keyfile ca.key -revoke c.crt 2>/dev/null
		IKE_SAN=none openssl ca -config ca.cnf -cert ca.crt \
		    -keyfile ca.key -gencrl -out ca.crl 2>/dev/null
		openssl crl -in ca.crl -outform DER -out ca.crl.der
	) >"$pd/pki.log" 2>&1 || {
		cat "$pd/pki.log" >&2
		ike_fail "ike_pki: openssl failed"
	}
	openssl verify -CAfile "$pd/ca.crt" "$pd/a.crt" "$pd/b.crt" \
	    >/dev/null || ike_fail "ike_pki: the host certificates do not verify"
	openssl verify -crl_check -CAfile "$pd/ca.crt" -CRLfile "$pd/ca.crl" \
	    "$pd/c.crt" >/dev/null 2>&1 &&
	    ike_fail "ike_pki: c verifies against the CRL"
	return 0
}

# ---------------------------------------------------------------------
# The guest.

# The files a guest needs for the peers, as vmrun.sh -f arguments.
ike_guest_files()
{
	local f p g t b n
	for f in "$IKE_CHARON" "$IKE_SWANCTL"; do
		echo "-f $f:$f"
	done
	for p in $IKE_CHARON_PLUGINS kernel-libipsec; do
		f=$IKE_PLUGINDIR/libstrongswan-$p.so
		[ -f "$f" ] && echo "-f $f:$f"
	done
	# glibc loads libgcc_s at the first pthread_cancel (charon's
	# threads end that way).
	g=$(ldconfig -p 2>/dev/null |
	    awk '$1 == "libgcc_s.so.1" && /x86-64/ { print $NF; exit }')
	[ -n "$g" ] && echo "-f $g:$g"
	for t in unshare nft ping certutil pk12util crlutil; do
		f=$(command -v "$t" 2>/dev/null) || continue
		echo "-f $f:$f"
	done
	if [ -n "$IKE_LSW" ]; then
		for b in pluto whack addconn; do
			echo "-f $IKE_LSW/usr/libexec/ipsec/$b:/usr/libexec/ipsec/$b"
		done
		# NSS loads its softoken and freebl at run time, from the
		# directory of libnss3.
		n=$(ldd "$IKE_LSW/usr/libexec/ipsec/pluto" |
		    awk '$1 == "libnss3.so" { print $3 }')
		for b in softokn3 freebl3 freeblpriv3 nssdbm3; do
			for f in "${n%/*}/lib$b.so" "${n%/*}/lib$b.chk"; do
				[ -f "$f" ] && echo "-f $f:$f"
			done
		done
	fi
}

# ike_vm [-t TIMEOUT] [-e NAME=VALUE]... [-f FILE]... SCRIPT [ARG...]
#	run SCRIPT in the guest with this library (/in/ikelib.sh),
#	tests/vm/vmlib.sh, the peers and the -f files; stdout to ./out
#	(and the test's stdout), stderr to ./err, the guest's /out to
#	./out.d.  Returns the script's status; the harness failing
#	(out of time, no kernel, a panic) fails the test.
ike_vm()
{
	local tmo extra script top vmrun lsw rc
	tmo=300 extra=
	while :; do
		case $1 in
		-t)	tmo=$2; shift 2 ;;
		-e|-f)	extra="$extra $1 $2"; shift 2 ;;
		*)	break ;;
		esac
	done
	script=$1
	shift
	top=$IKE_SRC/../..
	vmrun=$top/tests/vm/vmrun.sh
	[ -x "$vmrun" ] || ike_fail "no $vmrun"
	lsw=
	[ -n "$IKE_LSW" ] && lsw="-e IKE_LSW=/"
	# shellcheck disable=SC2046,SC2086 # paths without blanks
	set -- -t "$tmo" -o "$PWD/out.d" $lsw $extra \
	    -f "$IKE_SRC/ikelib.sh" -f "$top/tests/vm/vmlib.sh" \
	    $(ike_guest_files) "$script" "$@"
	rc=0
	PFKEYKIT_TOP=$top "$vmrun" "$@" >out 2>err || rc=$?
	cat out
	case $rc in
	124)	cat err >&2
		ike_fail "${script##*/} ran out of time (vmrun.sh -t $tmo)" ;;
	125)	cat err >&2
		ike_fail "the VM harness failed: $(grep 'vmrun.sh:' err |
		    head -1)" ;;
	esac
	[ -s err ] && cat err >&2
	return $rc
}

ike_require_vm()
{
	[ "$(uname -s)" = Linux ] ||
	    ike_skip "the VM harness runs Linux host tools in the guest"
	ike_install qemu-system-x86_64 qemu-system-x86
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	    ike_skip "qemu-system-x86_64 is not installed and cannot be" \
	    "(Debian: apt-get install qemu-system-x86)"
	qemu-system-x86_64 --version >/dev/null 2>&1 ||
	    ike_skip "qemu-system-x86_64 does not run here"
	ike_install xz xz-utils
	ike_install tcpdump tcpdump
	ike_install tshark tshark
	ike_install nft nftables
	ike_install ping iputils-ping
	for t in tcpdump tshark; do
		command -v $t >/dev/null 2>&1 ||
		    ike_fail "$t is not installed (Debian: apt-get install $t)"
	done
	ike_cache >/dev/null
}

# ---------------------------------------------------------------------
# The checks (host: tshark).

# ike_xfrm_sas FILE...: one line per ESP SA of `ip xfrm state` output:
#	SRC DST SPI ENCAP ENC EKEY AUTH AKEY ICVBITS
# with the kernel's algorithm names (aead: AUTH is "-").
ike_xfrm_sas()
{
	awk '
	function flush() {
		if (spi != "")
			print src, dst, spi, encap, enc, ekey, auth, akey, icv
		spi = ""
	}
	/^src / { flush(); src = $2; dst = $4; encap = "-"; enc = "-";
		ekey = "-"; auth = "-"; akey = "-"; icv = 0; next }
	$1 == "proto" && $2 == "esp" { spi = $4; next }
	$1 == "auth-trunc" { auth = $2; akey = $3; icv = $4; next }
	$1 == "auth" { auth = $2; akey = $3; icv = 96; next }
	$1 == "enc" { enc = $2; ekey = $3; next }
	$1 == "aead" { enc = $2; ekey = $3; icv = $4; next }
	$1 == "encap" { encap = $3; next }
	END { flush() }' "$@" | awk '!seen[$0]++'
}

# Wireshark's names for the kernel's algorithms.
ike_ws_enc()
{
	case $1 in
	"cbc(aes)")	echo "AES-CBC [RFC3602]" ;;
	"cbc(des3_ede)") echo "TripleDES-CBC [RFC2451]" ;;
	"rfc3686(ctr(aes))") echo "AES-CTR [RFC3686]" ;;
	"rfc4106(gcm(aes))")
		case $2 in
		64)	echo "AES-GCM with 8 octet ICV [RFC4106]" ;;
		96)	echo "AES-GCM with 12 octet ICV [RFC4106]" ;;
		*)	echo "AES-GCM with 16 octet ICV [RFC4106]" ;;
		esac ;;
	"ecb(cipher_null)") echo "NULL" ;;
	*)	echo "unknown:$1" ;;
	esac
}

ike_ws_auth()
{
	case $1:$2 in
	-:*)			echo "NULL" ;;
	"hmac(sha1):96")	echo "HMAC-SHA-1-96 [RFC2404]" ;;
	"hmac(sha256):128")	echo "HMAC-SHA-256-128 [RFC4868]" ;;
	"hmac(sha256):96")	echo "HMAC-SHA-256-96 [draft-ietf-ipsec-ciph-sha-256-00]" ;;
	"hmac(sha384):192")	echo "HMAC-SHA-384-192 [RFC4868]" ;;
	"hmac(sha512):256")	echo "HMAC-SHA-512-256 [RFC4868]" ;;
	"hmac(md5):96")		echo "HMAC-MD5-96 [RFC2403]" ;;
	*)			echo "unknown:$1:$2" ;;
	esac
}

# ike_flip KEY: 0xK... with its first nibble changed.
ike_flip()
{
	echo "$1" | sed 's/^0x0/0xY/; s/^0x[1-9a-fA-F]/0x0/; s/^0xY/0x1/'
}

# ike_esp_opts FLIP XFRM...: tshark -o arguments, one per line.  FLIP:
# keys (as they are), auth (the integrity key flipped; for AEAD the key),
# enc (the encryption key flipped).
ike_esp_opts()
{
	local fl src dst spi encap enc ekey auth akey icv we wa ek ak
	fl=$1
	shift
	echo "esp.enable_encryption_decode:TRUE"
	echo "esp.enable_authentication_check:TRUE"
	ike_xfrm_sas "$@" | while read -r src dst spi encap enc ekey auth \
	    akey icv; do
		we=$(ike_ws_enc "$enc" "$icv")
		wa=$(ike_ws_auth "$auth" "$icv")
		case $we$wa in
		*unknown:*) ike_fail "tshark cannot check $enc $auth $icv" ;;
		esac
		ek=$ekey ak=$akey
		case $fl:$akey in
		enc:*|auth:-)	ek=$(ike_flip "$ekey") ;;
		auth:*)		ak=$(ike_flip "$akey") ;;
		esac
		[ "$ek" = - ] && ek=
		[ "$ak" = - ] && ak=
		printf 'uat:esp_sa:"IPv4","%s","%s","0x%08x","%s","%s","%s","%s"\n' \
		    "$src" "$dst" "$((spi))" "$we" "$ek" "$wa" "$ak"
	done
}

# ike_esp_fields PCAP FLIP XFRM...: per ESP packet
#	spi,sequence,icv_good,icv_bad,icmp.type,icmp.checksum.status
# (the status is 1 for a good ICMP checksum)
ike_esp_fields()
{
	local pc fl o
	pc=$1 fl=$2
	shift 2
	ike_esp_opts "$fl" "$@" >"$IKE_DIR/esp.opts" || return 1
	set --
	while IFS= read -r o; do
		set -- "$@" -o "$o"
	done <"$IKE_DIR/esp.opts"
	tshark -n -r "$pc" "$@" -Y esp -T fields -E separator=, \
	    -E occurrence=f -e esp.spi -e esp.sequence -e esp.icv_good \
	    -e esp.icv_bad -e icmp.type -e icmp.checksum.status \
	    2>"$IKE_DIR/tshark.err"
}

ike_esp_check()
{
	local pc n m
	pc=$1
	shift
	mkdir -p "$IKE_DIR"
	[ -s "$pc" ] || ike_fail "no capture $pc"
	ike_xfrm_sas "$@" >"$IKE_DIR/sas"
	[ -s "$IKE_DIR/sas" ] || ike_fail "no ESP SA in $*"
	ike_esp_fields "$pc" keys "$@" >"$IKE_DIR/esp.good" ||
	    ike_fail "tshark failed: $(cat "$IKE_DIR/tshark.err")"
	n=$(wc -l <"$IKE_DIR/esp.good")
	[ "$n" -gt 0 ] || ike_fail "no ESP packet in $pc"
	# Every packet: an SA of ours, ICV good, decrypted to ICMP echo.
	awk -F, -v sas="$IKE_DIR/sas" '
	BEGIN { while ((getline l < sas) > 0) {
		split(l, f, " "); spi[tolower(f[3])] = 1 } }
	!(tolower($1) in spi) { print "unknown SPI " $1; bad++; next }
	$3 != 1 || $4 != 0 { print "SPI " $1 " seq " $2 ": ICV not good"
		bad++; next }
	($5 != "0" && $5 != "8") || $6 != "1" { print "SPI " $1 " seq " $2 \
		": not decrypted to an ICMP echo (type " $5 \
		", checksum status " $6 ")"; bad++ }
	END { exit bad > 0 }' "$IKE_DIR/esp.good" >"$IKE_DIR/esp.bad" ||
	    ike_fail "$(wc -l <"$IKE_DIR/esp.bad") of $n ESP packets" \
	    "fail: $(head -1 "$IKE_DIR/esp.bad")"
	m=$(awk -F, '($5 == "0" || $5 == "8") && $6 == "1"' "$IKE_DIR/esp.good" |
	    wc -l)
	echo "esp $n icmp $m"
}

ike_esp_check_wrong()
{
	local pc n g b i fl
	pc=$1
	shift
	for fl in auth enc; do
		ike_esp_fields "$pc" $fl "$@" >"$IKE_DIR/esp.$fl" ||
		    ike_fail "tshark failed: $(cat "$IKE_DIR/tshark.err")"
		n=$(wc -l <"$IKE_DIR/esp.$fl")
		[ "$n" -gt 0 ] || ike_fail "no ESP packet in $pc"
	done
	# No ICMP echo comes out under a wrong encryption key (tshark
	# decrypts even when the ICV fails: with only the integrity key
	# wrong it would).  Garbage may by chance look like an ICMP header,
	# never one with a good checksum.
	i=$(awk -F, '($5 == "0" || $5 == "8") && $6 == "1"' \
	    "$IKE_DIR/esp.enc" | wc -l)
	[ "$i" = 0 ] || ike_fail "$i of $n packets decrypted to an ICMP" \
	    "echo under a flipped encryption key"
	# No ICV passes under a wrong integrity (or AEAD) key, and tshark
	# did check them (under a wrong AEAD key a few may not get that
	# far: garbage padding).
	g=$(awk -F, '$3 == 1' "$IKE_DIR/esp.auth" | wc -l)
	[ "$g" = 0 ] || ike_fail "$g of $n ESP packets pass their ICV" \
	    "under a flipped key"
	b=$(awk -F, '$4 == 1' "$IKE_DIR/esp.auth" | wc -l)
	[ "$b" -gt 0 ] ||
	    ike_fail "tshark checked no ICV under a flipped key"
	echo "wrong keys: $n ESP packets, $b ICVs bad, none good," \
	    "none decrypted"
}

# ike_plain_check PCAP: no ICMP between the endpoints in clear.
ike_plain_check()
{
	local c
	c=$(tshark -n -r "$1" -o esp.enable_encryption_decode:FALSE \
	    -Y icmp 2>/dev/null | wc -l)
	[ "$c" = 0 ] || ike_fail "$c ICMP packets in clear on the wire"
}

# ike_isakmp PCAP: ISAKMP packets on the wire, "exch spi" per line.
ike_isakmp()
{
	tshark -n -r "$1" -Y isakmp -T fields -E separator=' ' \
	    -e isakmp.exchangetype -e isakmp.ispi 2>/dev/null
}

# ike_charon_esp_keys LOG: the ESP SAs charon derived, in `ip xfrm state'
# form with "encap type espinudp" (kernel-libipsec always encapsulates),
# for ike_esp_check where the SAs are in charon and not in a kernel.  From
# a log with chd=4 (the keys), esp=2 (the algorithms), enc=1: per thread,
# the last quick mode message parsed tells the role (a response: the quick
# mode's initiator, a request: its responder); charon's "initiator" keys
# protect the initiator -> responder direction, its outbound SA when it
# initiated, its inbound one when it responded.
ike_charon_esp_keys()
{
	awk '
	function hex(l) {
		sub(/^.*\] +[0-9]+: /, "", l)
		l = substr(l, 1, 47); gsub(/ /, "", l)
		return tolower(l)
	}
	{
		if (!match($0, /^[0-9:.]+ [0-9]+\[[A-Z]+\] /)) next
		t = $2; sub(/\[.*/, "", t)
		b = substr($0, RLENGTH + 1); sub(/^ */, "", b)
	}
	# A hex dump line continues the key its thread started.
	b ~ /^[0-9]+: [0-9A-F][0-9A-F]( |$)/ {
		if (cur[t] != "") k[t, cur[t]] = k[t, cur[t]] hex($0)
		next
	}
	{ cur[t] = "" }
	b ~ /^parsed QUICK_MODE response / { role[t] = "i"; next }
	b ~ /^parsed QUICK_MODE request / { role[t] = "r"; next }
	b ~ /^(encryption|integrity) (initiator|responder) key =>/ {
		split(b, w, " "); cur[t] = w[1] " " w[2]; k[t, cur[t]] = ""
		next }
	b ~ /^adding inbound ESP SA/ { dir[t] = "in"; next }
	b ~ /^adding outbound ESP SA/ { dir[t] = "out"; next }
	b ~ /^SPI 0x[0-9a-f]+, src / {
		split(b, w, /[ ,]+/); s = tolower(w[2]); src[s] = w[4]
		dst[s] = w[6]; n[++cnt] = s
		who = ((role[t] == "i") == (dir[t] == "out")) ? "initiator" : \
		    "responder"
		ek[s] = k[t, "encryption " who]; ak[s] = k[t, "integrity " who]
		next
	}
	b ~ /^adding SAD entry with SPI / {
		split(b, w, " "); sad[t] = "0x" tolower(w[6]); next }
	b ~ /^using encryption algorithm / { x = b
		sub(/^using encryption algorithm /, "", x); sub(/ .*/, "", x)
		enc[sad[t]] = x; next }
	b ~ /^using integrity algorithm / { x = b
		sub(/^using integrity algorithm /, "", x); sub(/ .*/, "", x)
		integ[sad[t]] = x; next }
	END {
		for (i = 1; i <= cnt; i++) {
			s = n[i]
			if (seen[s]++ || ek[s] == "") continue
			printf "src %s dst %s\n", src[s], dst[s]
			printf "\tproto esp spi %s reqid 1 mode tunnel\n", s
			e = enc[s]; a = integ[s]
			if (e ~ /^AES_GCM_16/)
				printf "\taead rfc4106(gcm(aes)) 0x%s 128\n", ek[s]
			else {
				if (e == "AES_CBC") e = "cbc(aes)"
				printf "\tenc %s 0x%s\n", e, ek[s]
				if (a == "HMAC_SHA2_256_128") a = "hmac(sha256) %s 128"
				else if (a == "HMAC_SHA1_96") a = "hmac(sha1) %s 96"
				else if (a == "HMAC_SHA2_384_192") a = "hmac(sha384) %s 192"
				else if (a == "HMAC_SHA2_512_256") a = "hmac(sha512) %s 256"
				else a = a " %s 0"
				printf "\tauth-trunc " a "\n", "0x" ak[s]
			}
			print "\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0"
		}
	}' "$1"
}

# ike_charon_ikev1_keys LOG: "initiator-cookie encryption-key" for each
# IKEv1 SA of charon's log (ike=4): the cookie is found in the pcap by
# ike_ikev1_uat, the key is "encryption key Ka".
ike_charon_ikev1_keys()
{
	awk '
	/encryption key Ka =>/ { want = 1; key = ""; next }
	want && /^[0-9:.]+ [0-9]+\[IKE\] +[0-9]+: / {
		l = $0; sub(/.*\[IKE\] +[0-9]+: /, "", l)
		l = substr(l, 1, 47); gsub(/ /, "", l); key = key l
		next }
	want { print tolower(key); want = 0 }' "$1"
}

# ike_ikev1_uat LOG PCAP [flip]: the tshark options that decrypt the IKEv1
# exchanges of PCAP whose phase 1 keys are in charon's LOG, one per line,
# pairing the initiator cookies of PCAP and the keys of LOG in their order
# of appearance; "flip" flips a nibble of each key.
ike_ikev1_uat()
{
	ike_charon_ikev1_keys "$1" >"$IKE_DIR/ikev1.keys"
	tshark -n -r "$2" -Y 'isakmp.exchangetype == 2 ||
	    isakmp.exchangetype == 4' -T fields -e isakmp.ispi 2>/dev/null |
	    awk '!s[$1]++' >"$IKE_DIR/ikev1.cookies"
	paste -d ' ' "$IKE_DIR/ikev1.cookies" "$IKE_DIR/ikev1.keys" |
	    awk -v flip="${3:-}" 'NF == 2 {
		k = $2
		if (flip != "")
			k = (substr(k, 1, 1) == "0" ? "1" : "0") substr(k, 2)
		printf "uat:ikev1_decryption_table:%s,%s\n", $1, k }'
}

# ike_ikev1_check LOG PCAP: with the keys of charon's LOG, tshark decrypts
# the quick modes of PCAP (HASH and SA come out); with a nibble flipped,
# none.  Prints "ikev1 quick modes decrypted: N".
ike_ikev1_check()
{
	local lg pc fl o n
	lg=$1 pc=$2
	for fl in keys flip; do
		if [ $fl = flip ]; then
			ike_ikev1_uat "$lg" "$pc" flip
		else
			ike_ikev1_uat "$lg" "$pc"
		fi >"$IKE_DIR/ikev1.opts"
		[ -s "$IKE_DIR/ikev1.opts" ] ||
		    ike_fail "no IKEv1 keys of $lg match $pc"
		set --
		while IFS= read -r o; do
			set -- "$@" -o "$o"
		done <"$IKE_DIR/ikev1.opts"
		tshark -n -r "$pc" "$@" -Y 'isakmp.exchangetype == 32' \
		    -T fields -e isakmp.typepayload 2>/dev/null |
		    cut -f1 >"$IKE_DIR/ikev1.qm.$fl"
	done
	n=$(grep -c "^8,1," "$IKE_DIR/ikev1.qm.keys" || true)
	[ "$n" -gt 0 ] ||
	    ike_fail "tshark decrypted no quick mode with the keys of $lg"
	[ "$(grep -c "^8,1," "$IKE_DIR/ikev1.qm.flip" || true)" = 0 ] ||
	    ike_fail "a quick mode decrypted under a flipped IKE key"
	echo "ikev1 quick modes decrypted: $n"
}

# ike_dh_num GROUP: the IANA number of a DH group name.
ike_dh_num()
{
	case $1 in
	modp768) echo 1 ;;	modp1024) echo 2 ;;	modp1536) echo 5 ;;
	modp2048) echo 14 ;;	modp3072) echo 15 ;;	modp4096) echo 16 ;;
	modp6144) echo 17 ;;	modp8192) echo 18 ;;	ecp256) echo 19 ;;
	ecp384) echo 20 ;;	ecp521) echo 21 ;;	curve25519) echo 31 ;;
	*)	ike_fail "no DH group number for $1" ;;
	esac
}

# ike_negotiated LOG PCAP [KEY=VALUE]...: what the IKEv1 exchanges of PCAP
# (decrypted with the phase 1 keys of charon's LOG) negotiated agrees with
# a scenario's shared keys (ike_conf's: exchange, auth, ike, esp, pfs,
# mode, encap; topo=nat means ESP in UDP; a:/b: keys are ignored): the
# exchange type (2 main, 4 aggressive), the phase 1 authentication method
# (1 PSK, 3 RSA signatures) and DH group, the quick mode's ESP transform
# (12 AES-CBC, 20 AES-GCM-16), PFS group (none without pfs=) and
# encapsulation mode (1 tunnel, 2 transport; in UDP 3 and 4, or the
# drafts' 61443 and 61444).  Every value seen in any message must be the
# expected one (each side proposes one proposal).  Prints what it saw.
ike_negotiated()
{
	local lg pc kv ex au ig pg md ud et o g f
	lg=$1 pc=$2
	shift 2
	ex=main au=1 ig=14 pg= md=tunnel ud=no et=12
	for kv; do
		case $kv in
		exchange=*)	ex=${kv#*=} ;;
		auth=rsa)	au=3 ;;
		ike=*)		ig=$(ike_dh_num "${kv##*-}") ;;
		pfs=*)		pg=$(ike_dh_num "${kv#*=}") ;;
		esp=*gcm16*)	et=20 ;;
		esp=3des*)	et=3 ;;
		mode=*)		md=${kv#*=} ;;
		encap=yes|topo=nat) ud=yes ;;
		esac
	done
	case $md:$ud in
	tunnel:no)	md=1 ;;
	transport:no)	md=2 ;;
	tunnel:yes)	md="3 61443" ;;
	transport:yes)	md="4 61444" ;;
	esac
	ike_ikev1_uat "$lg" "$pc" >"$IKE_DIR/ikev1.opts"
	set --
	while IFS= read -r o; do
		set -- "$@" -o "$o"
	done <"$IKE_DIR/ikev1.opts"
	tshark -n -r "$pc" "$@" -Y isakmp -T fields -E occurrence=a \
	    -E aggregator=/ -E separator=, -e isakmp.exchangetype \
	    -e isakmp.ike.attr.authentication_method \
	    -e isakmp.ike.attr.group_description \
	    -e isakmp.ipsec.attr.group_description \
	    -e isakmp.ipsec.attr.encap_mode -e isakmp.trans.id \
	    2>/dev/null >"$IKE_DIR/ikev1.attrs"
	# vals COLUMN [EXCHANGE]: the distinct values of a column.
	vals() {
		awk -F, -v c="$1" -v x="${2:-}" '
		    x == "" || $1 == x { n = split($c, v, "/")
			for (i = 1; i <= n; i++) if (v[i] != "") print v[i] }' \
		    "$IKE_DIR/ikev1.attrs" | sort -u | tr '\n' ' ' | sed 's/ $//'
	}
	g=$(vals 1)
	case $ex in
	main)		[ "$g" = "2 32" ] || [ "$g" = "2 32 5" ] ||
			    ike_fail "exchanges $g, not main mode (2) and" \
			    "quick mode (32)" ;;
	aggressive)	[ "$g" = "32 4" ] || [ "$g" = "32 4 5" ] ||
			    ike_fail "exchanges $g, not aggressive mode (4)" \
			    "and quick mode (32)" ;;
	esac
	[ "$(vals 2)" = "$au" ] ||
	    ike_fail "phase 1 authentication method $(vals 2), not $au"
	[ "$(vals 3)" = "$ig" ] || ike_fail "phase 1 DH group $(vals 3), not $ig"
	[ "$(vals 4)" = "$pg" ] ||
	    ike_fail "quick mode PFS group '$(vals 4)', not '$pg'"
	f=$(vals 5)
	case " $md " in
	*" $f "*) ;;
	*)	ike_fail "encapsulation mode '$f', not $md" ;;
	esac
	[ "$(vals 6 32)" = "$et" ] ||
	    ike_fail "ESP transform '$(vals 6 32)', not $et"
	echo "negotiated: exchange $g, auth $au, group $ig, ESP $et," \
	    "PFS ${pg:-none}, encapsulation $f"
}

# ike_judge DIR CHECK [LOG [KEY=VALUE...]]: the host's verdict on a
# scenario's output directory from guest_peers.sh (wire.pcap, xfrm.b).
# For CHECK refused: IKE on the wire, no ESP.  Otherwise ike_esp_check
# (every ESP packet an SA of b's, ICV good, decrypted to an ICMP echo;
# at least PINGS (5) * 4 of them) and its negative control, no ICMP in
# clear, ESP in UDP 4500 exactly when IKE_JUDGE_NAT=yes (a NAT) or
# IKE_JUDGE_ENCAP=yes (encap=yes) says so; with LOG (a charon log of
# either side), ike_ikev1_check, ike_negotiated with the scenario's
# KEY=VALUEs and, for CHECK dpd, DPD R-U-THERE notifications to b.
ike_judge()
{
	local d c lg r n ne ni o
	d=$1 c=$2 lg=${3:-}
	shift 2
	[ $# -gt 0 ] && shift
	[ -s "$d/wire.pcap" ] || ike_fail "$d: no capture"
	if [ "$c" = refused ]; then
		n=$(tshark -n -r "$d/wire.pcap" -Y esp 2>/dev/null | wc -l)
		[ "$n" = 0 ] || ike_fail "$d: $n ESP packets on the wire"
		n=$(tshark -n -r "$d/wire.pcap" -Y isakmp 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] || ike_fail "$d: no IKE on the wire"
		echo "refused: $n IKE packets, no ESP"
		return 0
	fi
	r=$(ike_esp_check "$d/wire.pcap" "$d/xfrm.b") || exit 1
	echo "$r"
	# "esp N icmp M"
	ne=$(echo "$r" | awk '{ print $2 }')
	ni=$(echo "$r" | awk '{ print $4 }')
	[ "$ni" -ge $((${PINGS:-5} * 4)) ] ||
	    ike_fail "$d: $ni ICMP packets through ESP, not $((${PINGS:-5} * 4))"
	ike_esp_check_wrong "$d/wire.pcap" "$d/xfrm.b" || exit 1
	ike_plain_check "$d/wire.pcap"
	n=$(tshark -n -r "$d/wire.pcap" -Y 'esp && !udp' 2>/dev/null | wc -l)
	if [ "${IKE_JUDGE_NAT:-no}" = yes ] ||
	    [ "${IKE_JUDGE_ENCAP:-no}" = yes ]; then
		[ "$n" = 0 ] || ike_fail "$d: $n ESP packets not in UDP"
	else
		[ "$n" = "$ne" ] ||
		    ike_fail "$d: $((ne - n)) ESP packets in UDP without a NAT"
	fi
	if [ -n "$lg" ]; then
		ike_ikev1_check "$lg" "$d/wire.pcap" || exit 1
		ike_negotiated "$lg" "$d/wire.pcap" "$@" || exit 1
	fi
	if [ -n "$lg" ] && [ "$c" = dpd ]; then
		# DPD (RFC 3706) R-U-THERE notifications (36136) from a.
		ike_ikev1_uat "$lg" "$d/wire.pcap" >"$IKE_DIR/ikev1.opts"
		set --
		while IFS= read -r o; do
			set -- "$@" -o "$o"
		done <"$IKE_DIR/ikev1.opts"
		n=$(tshark -n -r "$d/wire.pcap" "$@" -Y \
		    "isakmp.notify.msgtype == 36136 && ip.dst == $IKE_B" \
		    2>/dev/null | wc -l)
		[ "$n" -gt 0 ] || ike_fail "$d: no DPD R-U-THERE from a"
		echo "dpd: $n R-U-THERE from a"
	fi
}

# ---------------------------------------------------------------------
# The driver of peers_test (ATF, host side).

# ike_scen_line NAME: scenario NAME's KEY=VALUE words, one per line, from
# IKE_SCENARIOS_FILE (the directory's "scenarios").
ike_scen_line()
{
	awk -v n="$1" '$1 == n { for (i = 2; i <= NF; i++) print $i; exit }' \
	    "${IKE_SCENARIOS_FILE:-$IKE_SRC/scenarios}"
}

# ike_scen_key NAME KEY: KEY's shared value in scenario NAME.
ike_scen_key()
{
	ike_scen_line "$1" | awk -v k="$2" 'index($0, k "=") == 1 {
	    print substr($0, length(k) + 2); exit }'
}

# ike_why KIND SCENARIO: what a responder of KIND logs when it refuses
# SCENARIO, or a scenario named after it (rsa_revoked_to_charon); a kind X
# may define ike_X_why SCENARIO.
ike_why()
{
	if command -v "ike_$1_why" >/dev/null 2>&1; then
		"ike_$1_why" "$2"
		return
	fi
	case $1:$2 in
	charon:rsa_revoked*)	echo 'certificate was revoked' ;;
	pluto:rsa_revoked*)	echo 'REVOKED_CERTIFICATE' ;;
	charon:psk_wrong*)	echo 'could not decrypt payloads' ;;
	# A wrong PSK gives a wrong key: pluto parses garbage.
	pluto:psk_wrong*)	echo 'Identification Payload is larger than can fit' ;;
	esac
}

# ike_peers [-f FILE[:GUESTPATH]]... [-x LIB]... KIND_A KIND_B SCENARIO...
#	boot once, run the scenarios in the guest with guest_peers.sh (a,
#	of KIND_A, initiates; b, of KIND_B, responds; a scenario's ka= and
#	kb= name other kinds for it), then judge each one on the host
#	(ike_judge, with charon's log where charon is a side, and the
#	responder's log saying why for refusals); fails the test
#	naming the scenarios that failed and the first reason.  -f puts more
#	files into the guest (a daemon under test), -x a library of more
#	peer kinds (put in and sourced by guest_peers.sh; source it on the
#	host too for its ike_X_why).  So racoon-ng against charon is:
#	    ike_peers -f "$top/racoon-ng/daemon/racoon-ng:/usr/local/sbin/racoon-ng" \
#		-x "$srcdir/racoonlib.sh" racoonng charon psk_tunnel natt ...
ike_peers()
{
	local ka kb sa sb s c lg failed first w files extra rc
	files= extra=
	while :; do
		case $1 in
		-f)	files="$files -f $2"; shift 2 ;;
		-x)	files="$files -f $2:/in/${2##*/}"
			extra="$extra /in/${2##*/}"; shift 2 ;;
		*)	break ;;
		esac
	done
	ka=$1 kb=$2
	shift 2
	ike_require_vm
	ike_require_charon
	if [ "$ka" = pluto ] || [ "$kb" = pluto ] ||
	    for s; do ike_scen_line "$s"; done | grep -qx 'k[ab]=pluto'; then
		ike_require_pluto
	fi
	case " $* " in
	*" rsa"*) ike_pki "$PWD/pki"; files="$files -f $PWD/pki:/in/pki" ;;
	esac
	[ -z "$extra" ] || files="$files -e IKE_EXTRA=$(echo $extra |
	    tr ' ' ,)"
	rc=0
	# shellcheck disable=SC2086 # paths without blanks
	ike_vm -t 480 -f "${IKE_SCENARIOS_FILE:-$IKE_SRC/scenarios}:/in/scenarios" \
	    $files "$IKE_SRC/guest_peers.sh" "$ka" "$kb" "$@" || rc=$?
	[ "$rc" = 0 ] || ike_fail "guest_peers.sh failed (exit $rc)"
	grep -q '^peers done$' out || ike_fail "the guest did not finish"
	failed= first=
	for s; do
		# The scenario's kinds (ka=, kb=: guest_peers.sh).
		sa=$(ike_scen_key "$s" ka) sb=$(ike_scen_key "$s" kb)
		sa=${sa:-$ka} sb=${sb:-$kb}
		lg=
		[ "$sb" = charon ] && lg=b.log
		[ "$sa" = charon ] && lg=a.log
		if ! grep -qx "scenario $s: ok" out; then
			failed="$failed $s"
			[ -n "$first" ] ||
			    first="$s: $(grep "^scenario $s: " out | cut -d' ' -f3-)"
			continue
		fi
		c=$(ike_scen_key "$s" check)
		w=$(ike_why "$sb" "$s")
		echo "== $s (${c:-basic})"
		# shellcheck disable=SC2046 # KEY=VALUE words
		if ( IKE_NOATF=1 IKE_DIR=$PWD/judge.$s
		    IKE_JUDGE_NAT=$([ "$(ike_scen_key "$s" topo)" = nat ] &&
		    echo yes)
		    IKE_JUDGE_ENCAP=$(ike_scen_key "$s" encap)
		    export IKE_NOATF IKE_DIR IKE_JUDGE_NAT IKE_JUDGE_ENCAP
		    mkdir -p "$IKE_DIR"
		    ike_judge "out.d/$s" "${c:-basic}" "${lg:+out.d/$s/$lg}" \
			$(ike_scen_line "$s")
		    if [ "$c" = refused ] && [ -n "$w" ]; then
			grep -q "$w" "out.d/$s/b.log" ||
			    ike_fail "b's log does not say: $w"
			echo "b refused: $w"
		    fi ) >"judge.$s.out" 2>&1; then
			cat "judge.$s.out"
		else
			cat "judge.$s.out"
			failed="$failed $s"
			[ -n "$first" ] || first="$s: $(grep -m 1 '^FAIL' \
			    "judge.$s.out" | cut -c7-)"
		fi
	done
	[ -z "$failed" ] || ike_fail "failed:$failed; the first: $first"
}
