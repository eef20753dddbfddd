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

# ikev1_peer.sh: racoon-ng as a peer kind of tests/ike_interop/ikelib.sh
# ("racoon"), on this host: racoon-ng keying sadbd, whose data plane (a
# TUN device in the peer's namespace) carries the tunnel.  Sourced after
# ikelib.sh; the ike_racoon_* functions are what ikelib.sh calls for the
# kind:
#
#   conf	racoon-ng.conf, psk.txt and the SPD (a setkey script) from
#		ike_conf's parameters (ike, esp and pfs in strongSwan's
#		syntax; lid/rid an address, @fqdn or a DN; mode tunnel;
#		auth=rsa: rsasig with pki's CA and CRL and cert's
#		certificate and key)
#   start	sadbd -i tun0 -K relay (the tunnel's remote network routed
#		into tun0, its marked packets outside it), the policies,
#		then racoon-ng -B sadbd -K relay (IKE on 500 of its own,
#		4500 through sadbd's relay)
#   initiate	an ACQUIRE: a ping from the inner address into the tunnel
#   established	both SAs of the tunnel in sadbd (setkey -D)
#   terminate	racoonctl delete-sa isakmp (and flush of the ESP SAs)
#   stop	racoon-ng, then sadbd (SIGTERM both)
#
# ike_racoon_xfrm NAME FILE writes sadbd's SAs (keys read back with
# setkey -D -o json) as ikelib.sh's ike_xfrm writes the kernel's, so that
# ike_esp_check and ike_esp_check_wrong decrypt the capture with them.

RN_TOP=${RN_TOP:-$(atf_get_srcdir)/../..}
RN_RACOON=$RN_TOP/racoon-ng/daemon/racoon-ng
RN_RACOONCTL=$RN_TOP/racoon-ng/racoonctl/racoonctl
RN_SADBD=$RN_TOP/sadbd/sadbd
RN_SETKEY=$RN_TOP/setkey/setkey
# RN_PHASE1: racoon-ng's phase 1 deadline in seconds (20).
# RN_FRAG: racoon-ng's ike_frag (on, force; unset: off).
# RN_ESN: the sainfo's esn (on, off; unset: off).

# strongSwan's proposal syntax, one transform, into racoon-ng.conf lines.
rn_p1_algs()
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
		*)	ike_fail "racoon-ng: no phase 1 name for $t" ;;
		esac
	done
}

rn_p2_algs()
{
	local t enc auth
	enc= auth=
	for t in $(echo "$1" | tr - ' '); do
		case $t in
		aes128|aes192|aes256) enc="aes ${t#aes}" ;;
		aes128gcm16|aes192gcm16|aes256gcm16)
			enc="aes_gcm_16 $(echo "$t" | cut -c4-6)" ;;
		aes128gcm8|aes256gcm8)
			enc="aes_gcm_8 $(echo "$t" | cut -c4-6)" ;;
		sha1)	auth=hmac_sha1 ;;
		sha256|sha384|sha512) auth=hmac_$t ;;
		*)	ike_fail "racoon-ng: no phase 2 name for $t" ;;
		esac
	done
	echo "encryption_algorithm $enc;"
	[ -n "$auth" ] && echo "authentication_algorithm $auth;"
	return 0
}

rn_id()
{
	case $1 in
	@*)	echo "fqdn \"${1#@}\"" ;;
	*=*)	echo "asn1dn \"$1\"" ;;
	*)	echo "address $1" ;;
	esac
}

# The certificate lines of a remote and its authentication method.
rn_auth()
{
	if [ "$P_auth" = rsa ]; then
		echo "certificate_type x509 \"$P_pki/$P_cert.crt\"" \
		    "\"$P_pki/$P_cert.key\";"
		echo "ca_type x509 \"$P_pki/ca.crt\";"
		[ -f "$P_pki/ca.crl" ] && echo "crl_file \"$P_pki/ca.crl\";"
	fi
	return 0
}

ike_racoon_conf()
{
	local d pid
	d=$IKE_DIR/$1
	[ "$P_mode" = tunnel ] ||
	    ike_fail "$1: racoon-ng on sadbd here: tunnel mode only"
	mkdir -p "$d/empty"
	# psk.txt: the peer's address, and its FQDN when it has one.
	pid=$P_remote
	case $P_rid in @*) pid=${P_rid#@} ;; esac
	( umask 077; printf '%s %s\n' "$pid" "$P_psk" >"$d/psk.txt" )
	cat >"$d/racoon-ng.conf" <<EOF
# $1: racoon-ng for the interoperability tests (ikev1_peer.sh)
path pre_shared_key "$d/psk.txt";
path pidfile "$d/racoon-ng.pid";
privsep { user "nobody"; chroot "$d/empty"; }
listen {
	isakmp $P_local;
	isakmp_natt $P_local;
	adminsock "$d/ctl.sock" "$(id -un)" "$(id -gn)" 0600;
}
timer { counter 4; interval 2 sec; phase1 ${RN_PHASE1:-20} sec; phase2 20 sec; }
remote $P_remote {
	exchange_mode $P_exchange;
	my_identifier $(rn_id "$P_lid");
	peers_identifier $(rn_id "$P_rid");
	verify_identifier on;
	nat_traversal on;
	$([ -n "${RN_FRAG:-}" ] && echo "ike_frag $RN_FRAG;")
	dpd_delay $P_dpd;
	$([ "$P_dpd" != 0 ] && echo "dpd_retry $P_dpd; dpd_maxfail 3;")
	$(rn_auth)
	proposal {
		$(rn_p1_algs "$P_ike")
		authentication_method $([ "$P_auth" = rsa ] && echo rsasig ||
		    echo pre_shared_key);
	}
}
sainfo subnet $P_lnet any subnet $P_rnet any {
	$(rn_p2_algs "$P_esp")
	$([ -n "$P_pfs" ] && echo "pfs_group $P_pfs;")
	$([ -n "${RN_ESN:-}" ] && echo "esn $RN_ESN;")
	$([ "$P_life" != 0 ] && echo "lifetime time $P_life sec;")
}
EOF
	cat >"$d/sp.conf" <<EOF
spdadd $P_lnet $P_rnet any -P out ipsec
    esp/tunnel/$P_local-$P_remote/require;
spdadd $P_rnet $P_lnet any -P in ipsec
    esp/tunnel/$P_remote-$P_local/require;
EOF
}

ike_racoon_sk()
{
	local n
	n=$1
	shift
	ike_params "$n"
	ike_nsexec "$P_ns" "$RN_SETKEY" -B "sadbd:$IKE_DIR/$n/sadbd.sock" "$@"
}

ike_racoon_start()
{
	local d n in
	ike_params "$1"
	d=$IKE_DIR/$1
	for x in "$RN_RACOON" "$RN_SADBD" "$RN_SETKEY"; do
		[ -x "$x" ] || ike_fail "$x is not built"
	done
	ip -n "$IKE_NSP$P_ns" tuntap add dev tun0 mode tun multi_queue ||
	    ike_fail "$1: no tun0"
	ip -n "$IKE_NSP$P_ns" link set tun0 mtu 1400 up
	rm -f "$d/sadbd.sock" "$d/relay.sock"
	ike_bg "$P_ns" "$d/sadbd.log" "$RN_SADBD" -d -J off -T 1 \
	    -s "$d/sadbd.sock" -i tun0 -K "$d/relay.sock"
	echo "$IKE_LASTPID" >"$d/sadbd.pid"
	n=0
	until [ -S "$d/sadbd.sock" ] && [ -S "$d/relay.sock" ]; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$IKE_LASTPID" 2>/dev/null; then
			cat "$d/sadbd.log" >&2
			ike_fail "$1: sadbd did not start"
		fi
		sleep 0.1
	done
	# The tunnel's far side through the data plane; the inner address
	# (on lo) as the source.
	in=$(ip -n "$IKE_NSP$P_ns" -4 -o addr show dev lo |
	    awk '$4 != "127.0.0.1/8" { sub("/.*", "", $4); print $4; exit }')
	ip -n "$IKE_NSP$P_ns" route replace "$P_rnet" dev tun0 \
	    ${in:+src "$in"} || ike_fail "$1: no route into tun0"
	ike_racoon_sk "$1" -f "$d/sp.conf" >"$d/setkey.out" 2>&1 || {
		cat "$d/setkey.out" >&2
		ike_fail "$1: setkey -f sp.conf"
	}
	ike_bg "$P_ns" "$d/racoon.log" "$RN_RACOON" -F -d \
	    -f "$d/racoon-ng.conf" -B "sadbd:$d/sadbd.sock" \
	    -K "$d/relay.sock"
	echo "$IKE_LASTPID" >"$d/pid"
	n=0
	until [ -S "$d/ctl.sock" ] && grep -q "ike_config: first" \
	    "$d/racoon.log" 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$IKE_LASTPID" 2>/dev/null; then
			tail -30 "$d/racoon.log" >&2
			ike_fail "$1: racoon-ng did not start"
		fi
		sleep 0.1
	done
}

# A ping into the tunnel raises sadbd's ACQUIRE; racoon-ng does the rest.
ike_racoon_initiate()
{
	local in dst n
	ike_params "$1"
	in=$(ip -n "$IKE_NSP$P_ns" -4 -o addr show dev lo |
	    awk '$4 != "127.0.0.1/8" { sub("/.*", "", $4); print $4; exit }')
	dst=$(echo "$P_rnet" | awk -F'[./]' '{ printf "%s.%s.%s.%d",
	    $1, $2, $3, $4 + 1 }')
	ike_nsexec "$P_ns" ping -n -q -c 1 -W 1 -I "$in" "$dst" \
	    >/dev/null 2>&1
	n=0
	until ike_racoon_established "$1"; do
		n=$((n + 1))
		[ $n -le $((${2:-30} * 5)) ] || return 1
		sleep 0.2
	done
}

# Both SAs of the tunnel (peer -> us and us -> peer) are in sadbd.
ike_racoon_established()
{
	local o
	ike_params "$1"
	o=$(ike_racoon_sk "$1" -D 2>/dev/null) || return 1
	# "A B" or, for NAT-T, "A[4500] B[4500]".
	echo "$o" | grep -q "^$P_local\(\[[0-9]*\]\)* $P_remote" &&
	    echo "$o" | grep -q "^$P_remote\(\[[0-9]*\]\)* $P_local"
}

ike_racoon_terminate()
{
	ike_params "$1"
	"$RN_RACOONCTL" -s "$IKE_DIR/$1/ctl.sock" delete-sa isakmp inet \
	    "$P_local" "$P_remote" >/dev/null 2>&1
	ike_racoon_sk "$1" -F >/dev/null 2>&1
	return 0
}

ike_racoon_stop()
{
	local d
	d=$IKE_DIR/$1
	[ -f "$d/pid" ] && ike_kill "$(cat "$d/pid")"
	[ -f "$d/sadbd.pid" ] && ike_kill "$(cat "$d/sadbd.pid")"
	rm -f "$d/pid" "$d/sadbd.pid"
}

ike_racoon_log()
{
	echo "$IKE_DIR/$1/racoon.log"
}

# sadbd's names into the kernel's (ike_xfrm format, keys as 0x...).
ike_racoon_xfrm()
{
	ike_racoon_sk "$1" -D -o json >"$IKE_DIR/$1/sas.json" ||
	    ike_fail "$1: setkey -D"
	python3 - "$IKE_DIR/$1/sas.json" >"$2" <<'EOF' ||
import json, sys
encs = {"aes-cbc": "cbc(aes)", "aes-ctr": "rfc3686(ctr(aes))",
        "null": "ecb(cipher_null)", "3des-cbc": "cbc(des3_ede)"}
gcm = {"aes-gcm-16": 128, "aes-gcm-12": 96, "aes-gcm-8": 64}
auths = {"hmac-sha1": ("hmac(sha1)", 96),
         "hmac-sha2-256": ("hmac(sha256)", 128),
         "hmac-sha2-384": ("hmac(sha384)", 192),
         "hmac-sha2-512": ("hmac(sha512)", 256)}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    sa = json.loads(line)
    if sa.get("type") != "sa" or sa.get("satype") != "esp":
        continue
    print("src %s dst %s" % (sa["src"]["address"], sa["dst"]["address"]))
    print("\tproto esp spi 0x%08x reqid %d mode %s" %
          (sa["spi"], sa["reqid"], sa["mode"]))
    enc = sa.get("enc", "null")
    if enc in gcm:
        print("\taead rfc4106(gcm(aes)) 0x%s %d" % (sa["enc_key"], gcm[enc]))
    else:
        if sa.get("auth") in auths:
            n, icv = auths[sa["auth"]]
            print("\tauth-trunc %s 0x%s %d" % (n, sa["auth_key"], icv))
        print("\tenc %s 0x%s" % (encs[enc], sa.get("enc_key", "")))
    if "natt" in sa or "nat_t" in sa:
        print("\tencap type espinudp sport 4500 dport 4500 addr 0.0.0.0")
EOF
	    ike_fail "$1: cannot convert sadbd's SAs"
}
