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

# Full-size packets through sadbd's data plane (sadbd(8), MTU): a TUN
# device of MTU 1500 on a 1500-byte path, so that every full-size inner
# packet grows past the path once protected.  As a kernel IPsec stack
# does it: IPv4 with DF and IPv6 get an ICMP "fragmentation needed" /
# Packet Too Big with the inner MTU, from an address the sender takes,
# and the next packet of that size passes; IPv4 without DF is protected
# whole and goes out as outer fragments (the kernel cuts them behind a
# UDP socket, sadbd for raw ESP), which the receiving kernel reassembles
# before sadbd decrypts; the host's own fragments (packets larger than
# the TUN device) are reassembled, protected whole in transport mode and
# in pieces no larger than they came through a tunnel; TCP finds its MSS.
# Transport and tunnel mode, UDP and raw (-R), IPv4 and IPv6 inside and
# outside, a 1280-byte path, a router on the path whose ICMP lowers the
# path MTU, and a packet held for its SA.  The captured wire must show
# outer fragments and decrypt with the keys (dp_check.py reassembles
# them), not without.  Negative control: with no ICMP allowed
# ($SADBD_DP_ICMP_PPS=0) the pings with DF time out.
#
# The inner MTUs the pings expect follow from RFC 4303 and the algorithms
# (ESP header 8, the IV, the payload and 2 trailer bytes padded to 4, or
# to 16 for AES-CBC, the ICV), with the outer IPv4 (20) or IPv6 (40)
# header and, without -R, the UDP header (8): the comment at each gives
# the sum.

. "$(atf_get_srcdir)/dplib.sh"

# Paths and devices.
mt_tun_mtu()
{
	for s in a b; do
		ip -n $P$s link set tun0 mtu $1
	done
}

mt_path_mtu()
{
	ip -n ${P}a link set va mtu $1
	ip -n ${P}b link set vb mtu $1
	ip -n ${P}obs link set va-o mtu $1
	ip -n ${P}obs link set vb-o mtu $1
}

mt_key()
{
	for s in a b; do
		dp_setkey $s -f sa.conf || dp_fail "setkey sa.conf in $s"
		dp_setkey $s -f sp.$s.conf || dp_fail "setkey sp.$s.conf in $s"
	done
}

# mt_ok NS PING-ARGS: two echoes of that size, both answered.
mt_ok()
{
	ns=$1
	shift
	dp_x $ns ping -n -c 2 -i 0.2 -W 3 "$@" > ping.out 2>&1 ||
	    { cat ping.out; dp_fail "ping $* in $ns failed"; }
	grep -q ' 0% packet loss' ping.out ||
	    { cat ping.out; dp_fail "ping $* in $ns lost packets"; }
}

# mt_too_big NS FROM MTU PING-ARGS: the echo is answered by an ICMP
# "fragmentation needed" (IPv4) or Packet Too Big (-6) from FROM that
# announces MTU.
mt_too_big()
{
	ns=$1
	from=$2
	mtu=$3
	shift 3
	dp_x $ns ping -n -c 1 -W 2 "$@" > ping.out 2>&1
	case "$*" in
	*-6*)	want="From $from icmp_seq=1 Packet too big: mtu=$mtu" ;;
	*)	want="From $from icmp_seq=1 Frag needed and DF set (mtu = $mtu)"
		;;
	esac
	grep -qF "$want" ping.out ||
	    { cat ping.out; dp_fail "ping $* in $ns: expected '$want'"; }
}

# mt_frags KIND: outer fragments of that kind on the captured wire.
mt_frags()
{
	case $1 in
	ip4)	f='ip and ip[6:2] & 0x3fff != 0' ;;
	ip6)	f='ip6 and ip6[6] == 44' ;;
	esac
	n=$(dp_count "$f")
	[ "$n" -gt 0 ] || dp_fail "no $1 fragments on the wire"
}

# Counters every test wants of both sides.
mt_clean()
{
	for s in a b; do
		dp_stats $s
		dp_expect $s send_errors eq 0
		dp_expect $s fragment_errors eq 0
		dp_expect $s out_errors eq 0
		dp_expect $s in_auth eq 0
		dp_expect $s in_policy_mismatch eq 0
		dp_expect $s inner_frag_dropped eq 0
	done
}

# --------------------------------------------------------------- transport

# transport TUN-MTU PATH-MTU ALG4 ALG6 [sadbd args]: pair 1 IPv4, pair 2
# IPv6, host to host; set up, keyed, capturing.
transport()
{
	tm=$1
	pm=$2
	dp_pair 1 esp $3
	dp_pair 2 esp $4 v6
	shift 4
	dp_topo 2 v6
	mt_tun_mtu $tm
	mt_path_mtu $pm
	dp_sadbd a "$@"
	dp_sadbd b "$@"
	mt_key
	dp_capture_start
}

# TCP echoes both ways on both pairs (full-size segments: PMTU discovery
# through the tunnel, then outer packets that fit).
mt_tcp_all()
{
	dp_tcp b a 10.0.1.2 5001 300000
	dp_tcp a b 10.0.1.1 5002 300000
	dp_tcp b a fd00:2::2 5003 300000
	dp_tcp a b fd00:2::1 5004 300000
}

# The checks of a 1500-byte path; MTU4 / MTU6 the inner MTUs expected.
transport_1500()
{
	mtu4=$1
	mtu6=$2
	A=10.0.1.1
	B=10.0.1.2
	A6=fd00:2::1
	B6=fd00:2::2
	# Without DF: protected whole, outer fragments.
	mt_ok a -4 -M dont -s 1472 -I $A $B
	mt_ok b -4 -M dont -s 1472 -I $B $A
	# With DF: told the MTU; that much passes.
	mt_too_big a $B $mtu4 -4 -M do -s 1472 -I $A $B
	mt_ok a -4 -M do -s $((mtu4 - 28)) -I $A $B
	mt_too_big b $A $mtu4 -4 -M do -s 1472 -I $B $A
	mt_ok b -4 -M do -s $((mtu4 - 28)) -I $B $A
	# Larger than the TUN device: the host's fragments, as one datagram.
	mt_ok a -4 -M dont -s 4000 -I $A $B
	# IPv6: Packet Too Big, then that size; larger ones in fragments.
	mt_too_big a $B6 $mtu6 -6 -s 1452 -I $A6 $B6
	mt_ok a -6 -s $((mtu6 - 48)) -I $A6 $B6
	mt_too_big b $A6 $mtu6 -6 -s 1452 -I $B6 $A6
	mt_ok a -6 -s 4000 -I $A6 $B6
	mt_ok b -6 -s 4000 -I $B6 $A6
	mt_tcp_all
	dp_capture_stop
	mt_frags ip4
	mt_frags ip6
	dp_check_both cap.pcap sa.conf
	mt_clean
	for s in a b; do
		dp_expect $s icmp_frag_needed ge 1
		dp_expect $s icmp6_too_big ge 1
		dp_expect $s outer_fragmented gt 0
	done
	dp_expect a inner_reassembled ge 2
}

atf_test_case transport_udp cleanup
transport_udp_head()
{
	atf_set "descr" "Transport mode over UDP, TUN MTU 1500 on a 1500" \
	    "path: DF pings told the inner MTU, others fragmented outside," \
	    "the host's fragments reassembled, TCP both ways"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
transport_udp_body()
{
	dp_require
	transport 1500 1500 cbcsha1 gcm128
	# IPv4, AES-CBC/HMAC-SHA1: 20 + 8 UDP + 8 + 16 IV + 12 ICV = 64, the
	# rest padded to 16: (L - 20 + 2) <= 1424, L = 1442.  IPv6, AES-GCM:
	# 40 + 8 + 8 + 8 + 16 = 80, (L - 40 + 2) <= 1420, L = 1458.
	transport_1500 1442 1458
	dp_finish
}
transport_udp_cleanup()
{
	dp_cleanup
}

atf_test_case transport_raw cleanup
transport_raw_head()
{
	atf_set "descr" "Transport mode as raw ESP (-R): as over UDP, the" \
	    "outer fragments made by sadbd (IPv4, IPv6 Fragment header)"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
transport_raw_body()
{
	dp_require
	transport 1500 1500 cbcsha256 chacha -R
	# IPv4, AES-CBC/HMAC-SHA2-256: 20 + 8 + 16 + 16 = 60, (L - 18) <=
	# 1440, L = 1458.  IPv6, ChaCha20-Poly1305: 40 + 8 + 8 + 16 = 72,
	# (L - 38) <= 1428, L = 1466.
	transport_1500 1458 1466
	for s in a b; do
		dp_expect $s fragments_sent gt 0
	done
	[ "$(dp_count 'udp port 4500')" = 0 ] ||
	    dp_fail "ESP in UDP on the wire with -R"
	dp_finish
}
transport_raw_cleanup()
{
	dp_cleanup
}

atf_test_case tun_1380 cleanup
tun_1380_head()
{
	atf_set "descr" "A TUN MTU of 1380 (the outer MTU less 120): what" \
	    "the host fragments for it is reassembled and protected whole" \
	    "in transport mode, which cannot carry fragments"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
tun_1380_body()
{
	dp_require
	transport 1380 1500 gcm128 gcm128
	mt_ok a -4 -M dont -s 1472 -I 10.0.1.1 10.0.1.2
	mt_ok b -4 -M dont -s 1472 -I 10.0.1.2 10.0.1.1
	mt_ok a -6 -s 1452 -I fd00:2::1 fd00:2::2
	mt_ok b -6 -s 1452 -I fd00:2::2 fd00:2::1
	mt_tcp_all
	dp_capture_stop
	dp_check_both cap.pcap sa.conf
	mt_clean
	for s in a b; do
		dp_expect $s inner_reassembled ge 2
		# All of it fits the 1500-byte path but the 1500-byte pings.
		dp_expect $s too_big eq 0
	done
	dp_finish
}
tun_1380_cleanup()
{
	dp_cleanup
}

# ------------------------------------------------------------ small path

# small_path [sadbd args]: a 1280-byte path (every veth), TUN MTU 1500;
# MTU4 the inner IPv4 MTU; IPv6 inside cannot have its 1280 bytes whole
# (told 1280, then fragmented outside).
small_path()
{
	mtu4=$1
	shift
	transport 1500 1280 gcm128 gcm128 "$@"
	A=10.0.1.1
	B=10.0.1.2
	A6=fd00:2::1
	B6=fd00:2::2
	mt_ok a -4 -M dont -s 1472 -I $A $B
	mt_ok b -4 -M dont -s 1472 -I $B $A
	mt_too_big a $B $mtu4 -4 -M do -s 1472 -I $A $B
	mt_ok a -4 -M do -s $((mtu4 - 28)) -I $A $B
	mt_too_big a $B6 1280 -6 -s 1452 -I $A6 $B6
	mt_too_big b $A6 1280 -6 -s 1452 -I $B6 $A6
	mt_ok a -6 -s 1232 -I $A6 $B6
	mt_ok b -6 -s 1232 -I $B6 $A6
	mt_tcp_all
	dp_capture_stop
	mt_frags ip4
	mt_frags ip6
	# Nothing larger than the path left either side.
	[ "$(dp_count "greater 1295 and not udp port 4500")" = 0 ] ||
	    dp_fail "frames larger than the 1280-byte path on the wire"
	dp_check_both cap.pcap sa.conf
	mt_clean
	for s in a b; do
		dp_expect $s outer_fragmented gt 0
		dp_expect $s icmp6_too_big ge 1
	done
}

atf_test_case small_path_udp cleanup
small_path_udp_head()
{
	atf_set "descr" "A 1280-byte path over UDP: fragments both ways" \
	    "(reassembled by the receiving kernel before the UDP socket)," \
	    "IPv4 told its MTU, IPv6 told 1280 and fragmented outside"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
small_path_udp_body()
{
	dp_require
	# AES-GCM over UDP: 20 + 8 + 8 + 8 + 16 = 60, (L - 18) <= 1220.
	small_path 1238
	dp_finish
}
small_path_udp_cleanup()
{
	dp_cleanup
}

atf_test_case small_path_raw cleanup
small_path_raw_head()
{
	atf_set "descr" "A 1280-byte path with raw ESP (-R): sadbd's" \
	    "fragments both ways (reassembled by the receiving kernel" \
	    "before the raw socket)"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
small_path_raw_body()
{
	dp_require
	# AES-GCM raw: 20 + 8 + 8 + 16 = 52, (L - 18) <= 1228.
	small_path 1246 -R
	for s in a b; do
		dp_expect $s fragments_sent gt 0
	done
	dp_finish
}
small_path_raw_cleanup()
{
	dp_cleanup
}

# ------------------------------------------------------------------ tunnel

# Gateways with IPv4 and IPv6 on both sides: dp_topo_gw plus fd01::/64
# behind a, fd02::/64 behind b, fd00::1 and fd00::2 outside; TUN MTU 1500.
mt_topo_gw()
{
	dp_topo_gw
	ma=$(dp_x a cat /sys/class/net/va/address)
	mb=$(dp_x b cat /sys/class/net/vb/address)
	for s in a b; do
		dp_x $s sysctl -qw net.ipv6.conf.all.forwarding=1
	done
	ip -n ${P}a addr add fd00::1/64 dev va nodad
	ip -n ${P}b addr add fd00::2/64 dev vb nodad
	ip -n ${P}a addr add fd01::1/64 dev la nodad
	ip -n ${P}b addr add fd02::1/64 dev lb nodad
	ip -n ${P}ha addr add fd01::2/64 dev eth0 nodad
	ip -n ${P}hb addr add fd02::2/64 dev eth0 nodad
	ip -n ${P}ha -6 route add default via fd01::1
	ip -n ${P}hb -6 route add default via fd02::1
	ip -n ${P}a neigh replace fd00::2 lladdr $mb dev va nud permanent
	ip -n ${P}b neigh replace fd00::1 lladdr $ma dev vb nud permanent
	ip -n ${P}a -6 route add fd02::/64 dev tun0
	ip -n ${P}b -6 route add fd01::/64 dev tun0
	mt_tun_mtu 1500
}

# tunnel OUT4 OUT6 ALGS... [-- sadbd args]: inner IPv4 through the
# tunnel between OUT4's endpoints (a: 10.0.0.1 / fd00::1), inner IPv6
# through OUT6's; a->b and b->a algorithms for each.
tunnel()
{
	o4=$1
	o6=$2
	ep() { [ $1 = 4 ] && echo "10.0.0.$2" || echo "fd00::$2"; }
	cat > sa.conf <<EOF
add $(ep $o4 1) $(ep $o4 2) esp 0x3001 -m tunnel $(dp_key $3 31);
add $(ep $o4 2) $(ep $o4 1) esp 0x4001 -m tunnel $(dp_key $4 41);
add $(ep $o6 1) $(ep $o6 2) esp 0x3002 -m tunnel $(dp_key $5 32);
add $(ep $o6 2) $(ep $o6 1) esp 0x4002 -m tunnel $(dp_key $6 42);
EOF
	cat > sp.a.conf <<EOF
spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec
    esp/tunnel/$(ep $o4 1)-$(ep $o4 2)/require;
spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec
    esp/tunnel/$(ep $o4 2)-$(ep $o4 1)/require;
spdadd fd01::/64 fd02::/64 any -P out ipsec
    esp/tunnel/$(ep $o6 1)-$(ep $o6 2)/require;
spdadd fd02::/64 fd01::/64 any -P in ipsec
    esp/tunnel/$(ep $o6 2)-$(ep $o6 1)/require;
EOF
	cat > sp.b.conf <<EOF
spdadd 10.2.0.0/24 10.1.0.0/24 any -P out ipsec
    esp/tunnel/$(ep $o4 2)-$(ep $o4 1)/require;
spdadd 10.1.0.0/24 10.2.0.0/24 any -P fwd ipsec
    esp/tunnel/$(ep $o4 1)-$(ep $o4 2)/require;
spdadd fd02::/64 fd01::/64 any -P out ipsec
    esp/tunnel/$(ep $o6 2)-$(ep $o6 1)/require;
spdadd fd01::/64 fd02::/64 any -P fwd ipsec
    esp/tunnel/$(ep $o6 1)-$(ep $o6 2)/require;
EOF
	shift 6
	mt_topo_gw
	dp_sadbd a "$@"
	dp_sadbd b "$@"
	mt_key
	dp_capture_start
}

# The hosts behind the gateways, both ways: FROM4/FROM6 where a's ICMP
# errors come from, MTU4/MTU6 the inner MTUs a->b; then the same of b and
# b->a.
tunnel_checks()
{
	for d in "ha hb 10.2.0.2 fd02::2 $1 $2 $3 $4" \
	    "hb ha 10.1.0.2 fd01::2 $5 $6 $7 $8"; do
		set -- $d
		mt_ok $1 -4 -M dont -s 1472 $3
		mt_too_big $1 $5 $7 -4 -M do -s 1472 $3
		mt_ok $1 -4 -M do -s $(($7 - 28)) $3
		mt_too_big $1 $6 $8 -6 -s 1452 $4
		mt_ok $1 -6 -s $(($8 - 48)) $4
	done
	# Larger than the links: the hosts' fragments, reassembled by the
	# gateways, leave in pieces no larger than they came.
	mt_ok ha -4 -M dont -s 4000 10.2.0.2
	mt_ok hb -4 -M dont -s 4000 10.1.0.2
	mt_ok ha -6 -s 4000 fd02::2
	mt_ok hb -6 -s 4000 fd01::2
	dp_tcp hb ha 10.2.0.2 5001 300000
	dp_tcp ha hb 10.1.0.2 5002 300000
	dp_tcp hb ha fd02::2 5003 300000
	dp_tcp ha hb fd01::2 5004 300000
	dp_capture_stop
	dp_check_both -i 10.1.0.0/24,10.2.0.0/24,fd01::/64,fd02::/64 \
	    cap.pcap sa.conf
	mt_clean
	for s in a b; do
		dp_expect $s icmp_frag_needed ge 1
		dp_expect $s icmp6_too_big ge 1
		dp_expect $s inner_reassembled ge 2
		dp_expect $s outer_fragmented gt 0
	done
}

atf_test_case tunnel_udp cleanup
tunnel_udp_head()
{
	atf_set "descr" "Gateways, tunnel mode over UDP, families crossed:" \
	    "IPv4 inside IPv6, IPv6 inside IPv4; the ICMP errors reach the" \
	    "hosts behind from the inner destination"
	atf_set "require.user" "root"
	atf_set "timeout" "150"
}
tunnel_udp_body()
{
	dp_require
	tunnel 6 4 gcm128 chacha gcm128 ctrsha256
	# IPv4 in IPv6/UDP, AES-GCM or ChaCha20-Poly1305: 40 + 8 + 8 + 8 +
	# 16 = 80, (L + 2) <= 1420.  IPv6 in IPv4/UDP, AES-GCM or AES-CTR
	# with HMAC-SHA2-256: 20 + 8 + 8 + 8 + 16 = 60, (L + 2) <= 1440.
	tunnel_checks 10.2.0.2 fd02::2 1418 1438 10.1.0.2 fd01::2 1418 1438
	# IPv4 without DF inside IPv6; IPv6 is never cut outside.
	mt_frags ip6
	dp_finish
}
tunnel_udp_cleanup()
{
	dp_cleanup
}

atf_test_case tunnel_raw cleanup
tunnel_raw_head()
{
	atf_set "descr" "Gateways, tunnel mode as raw ESP (-R), IPv4 in" \
	    "IPv4 and IPv6 in IPv6; the ICMP errors reach the hosts behind" \
	    "from the far tunnel endpoint"
	atf_set "require.user" "root"
	atf_set "timeout" "150"
}
tunnel_raw_body()
{
	dp_require
	tunnel 4 6 cbcsha512 gcm128 cbcsha256 gcm256 -R
	# a->b: IPv4 in IPv4, AES-CBC/HMAC-SHA2-512: 20 + 8 + 16 + 32 = 76,
	# (L + 2) padded to 16 <= 1424; IPv6 in IPv6, AES-CBC/HMAC-SHA2-256:
	# 40 + 8 + 16 + 16 = 80, (L + 2) padded to 16 <= 1420.  b->a: AES-GCM,
	# 20 + 8 + 8 + 16 = 52, (L + 2) <= 1448; 72, (L + 2) <= 1428.
	tunnel_checks 10.0.0.2 fd00::2 1422 1406 10.0.0.1 fd00::1 1446 1426
	mt_frags ip4
	for s in a b; do
		dp_expect $s fragments_sent gt 0
	done
	dp_finish
}
tunnel_raw_cleanup()
{
	dp_cleanup
}

# ------------------------------------------------------------------ router

# a -- r -- b, routed: a has 10.0.1.1, 10.0.1.3, fd00:1::1, fd00:1::3, b
# 10.0.2.2, 10.0.2.4, fd00:2::2, fd00:2::4 (two pairs per family: the
# path MTU each learns stays its own); r's side towards b and b itself
# have MTU 1400, so only r knows the path is smaller, and says so in
# ICMP when DF forbids it to fragment (IPv6: always).  Transport mode.
mt_topo_router()
{
	dp_ns a
	dp_ns r
	dp_ns b
	ip link add va netns ${P}a type veth peer name ra netns ${P}r
	ip link add vb netns ${P}b type veth peer name rb netns ${P}r
	ip -n ${P}r link set rb mtu 1400
	ip -n ${P}b link set vb mtu 1400
	for l in a:va r:ra r:rb b:vb; do
		ip -n $P${l%%:*} link set ${l#*:} up
	done
	dp_x r sysctl -qw net.ipv4.ip_forward=1
	dp_x r sysctl -qw net.ipv6.conf.all.forwarding=1
	ip -n ${P}r addr add 10.0.1.254/24 dev ra
	ip -n ${P}r addr add fd00:1::fe/64 dev ra nodad
	ip -n ${P}r addr add 10.0.2.254/24 dev rb
	ip -n ${P}r addr add fd00:2::fe/64 dev rb nodad
	for h in 1 3; do
		ip -n ${P}a addr add 10.0.1.$h/24 dev va
		ip -n ${P}a addr add fd00:1::$h/64 dev va nodad
		ip -n ${P}b addr add 10.0.2.$((h + 1))/24 dev vb
		ip -n ${P}b addr add fd00:2::$((h + 1))/64 dev vb nodad
	done
	ip -n ${P}a route add 10.0.2.0/24 via 10.0.1.254
	ip -n ${P}a -6 route add fd00:2::/64 via fd00:1::fe
	ip -n ${P}b route add 10.0.1.0/24 via 10.0.2.254
	ip -n ${P}b -6 route add fd00:1::/64 via fd00:2::fe
	dp_tun a
	dp_tun b
	mt_tun_mtu 1500
	for s in a b; do
		ip -n $P$s rule add not fwmark $DP_MARK table 100 pref 100
		ip -n $P$s -6 rule add not fwmark $DP_MARK table 100 pref 100
	done
	for h in 1 3; do
		g=$((h + 1))
		ip -n ${P}a route add 10.0.2.$g dev tun0 src 10.0.1.$h table 100
		ip -n ${P}a route add fd00:2::$g dev tun0 src fd00:1::$h \
		    table 100
		ip -n ${P}b route add 10.0.1.$h dev tun0 src 10.0.2.$g table 100
		ip -n ${P}b route add fd00:1::$h dev tun0 src fd00:2::$g \
		    table 100
	done
}

# mt_learn NS FROM MTU PING-ARGS: pings of that size until NS is told
# MTU by FROM (the first ones die at the router, whose ICMP teaches the
# kernel of NS the path MTU, which sadbd asks for each second).
mt_learn()
{
	ns=$1
	from=$2
	mtu=$3
	shift 3
	case "$*" in
	*-6*)	want="From $from icmp_seq=1 Packet too big: mtu=$mtu" ;;
	*)	want="From $from icmp_seq=1 Frag needed and DF set (mtu = $mtu)"
		;;
	esac
	i=0
	while :; do
		dp_x $ns ping -n -c 1 -W 1 "$@" > ping.out 2>&1
		grep -qF "$want" ping.out && return 0
		i=$((i + 1))
		[ $i -lt 8 ] || { cat ping.out; dp_fail "ping $* in $ns:" \
		    "never told '$want'"; }
	done
}

# Start both sadbds again (args), keyed; the old logs kept aside.
mt_restart()
{
	dp_finish
	for s in a b; do
		mv $s.log $s.log.$(date +%s%N)
	done
	dp_sadbd a "$@"
	dp_sadbd b "$@"
	mt_key
}

atf_test_case pmtu_router cleanup
pmtu_router_head()
{
	atf_set "descr" "A router on the path with a smaller MTU: its ICMP" \
	    "(to raw ESP with DF, IPv4 and IPv6; to IPv6 UDP) lowers the" \
	    "path MTU, sadbd tells the inner senders the smaller inner MTU" \
	    "and TCP goes on; IPv4 UDP (no DF outside) is fragmented by the" \
	    "router instead"
	atf_set "require.user" "root"
	atf_set "timeout" "150"
}
pmtu_router_body()
{
	dp_require
	: > sa.conf
	: > sp.a.conf
	: > sp.b.conf
	for p in "10.0.1.1 10.0.2.2 11" "fd00:1::1 fd00:2::2 12" \
	    "10.0.1.3 10.0.2.4 13" "fd00:1::3 fd00:2::4 14"; do
		set -- $p
		cat >> sa.conf <<EOF
add $1 $2 esp 0x10$3 -m transport $(dp_key gcm128 1$3);
add $2 $1 esp 0x20$3 -m transport $(dp_key gcm128 2$3);
EOF
		echo "spdadd $1 $2 any -P out ipsec esp/transport//require;" \
		    >> sp.a.conf
		echo "spdadd $2 $1 any -P in ipsec esp/transport//require;" \
		    >> sp.a.conf
		echo "spdadd $2 $1 any -P out ipsec esp/transport//require;" \
		    >> sp.b.conf
		echo "spdadd $1 $2 any -P in ipsec esp/transport//require;" \
		    >> sp.b.conf
	done
	mt_topo_router
	# Raw ESP (first pairs): DF copied (IPv4); the router's ICMP reaches
	# the ESP sockets.  AES-GCM raw adds 20 + 8 + 8 + 16 = 52 (IPv6: 72)
	# around the payload; 1500 locally: (L - 18) <= 1448, (L - 38) <=
	# 1428; past the router's 1400: (L - 18) <= 1348, (L - 38) <= 1328.
	dp_sadbd a -R
	dp_sadbd b -R
	mt_key
	A=10.0.1.1
	B=10.0.2.2
	A6=fd00:1::1
	B6=fd00:2::2
	mt_too_big a $B 1466 -4 -M do -s 1472 -I $A $B
	mt_learn a $B 1366 -4 -M do -s 1438 -I $A $B
	mt_ok a -4 -M do -s 1338 -I $A $B
	mt_too_big a $B6 1466 -6 -s 1452 -I $A6 $B6
	mt_learn a $B6 1366 -6 -s 1418 -I $A6 $B6
	mt_ok a -6 -s 1318 -I $A6 $B6
	dp_tcp b a $B 5001 300000
	dp_tcp b a $B6 5002 300000
	dp_stats a
	dp_expect a pmtu_changes ge 2
	dp_expect a send_errors eq 0
	dp_expect a fragment_errors eq 0

	# UDP (second pairs).  IPv4: no DF outside, so the router fragments
	# (20 + 8 + 8 + 8 + 16 = 60, (L - 18) <= 1440 locally).  IPv6: told
	# by the router, 80 + (L - 38) <= 1400.
	mt_restart
	A=10.0.1.3
	B=10.0.2.4
	A6=fd00:1::3
	B6=fd00:2::4
	mt_ok a -4 -M do -s $((1458 - 28)) -I $A $B
	mt_learn a $B6 1358 -6 -s 1410 -I $A6 $B6
	mt_ok a -6 -s 1310 -I $A6 $B6
	dp_tcp b a $B 5003 300000
	dp_tcp b a $B6 5004 300000
	dp_stats a
	dp_expect a pmtu_changes ge 1
	dp_expect a send_errors eq 0
	dp_finish
}
pmtu_router_cleanup()
{
	dp_cleanup
}

# ---------------------------------------------------------------- control

# mt_burst NS SRC DST N: N echoes of 1500 bytes with DF, 50 ms apart,
# through a raw socket, so that what the kernel learnt of the path MTU
# does not hold them back.
mt_burst()
{
	dp_x $1 python3 -c '
import socket, struct, sys, time

def csum(b):
    c = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    c = (c & 0xffff) + (c >> 16)
    return ~((c & 0xffff) + (c >> 16)) & 0xffff

src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for i in range(n):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x6d74, i) + bytes(1472)
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, i + 1, 0x4000, 64,
                     1, 0, socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + icmp, (dst, 0))
    time.sleep(0.05)
' "$2" "$3" "$4" || dp_fail "raw echoes from $1 not sent"
}

atf_test_case icmp_control cleanup
icmp_control_head()
{
	atf_set "descr" "Negative control: without ICMP errors" \
	    "(\$SADBD_DP_ICMP_PPS=0) a full-size ping with DF times out and" \
	    "nothing is told; with 2 a second, a burst of them is limited"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
icmp_control_body()
{
	dp_require
	dp_pair 1 esp gcm128
	dp_pair 2 esp gcm128 v6
	dp_topo 2 v6
	mt_tun_mtu 1500
	export SADBD_DP_ICMP_PPS=0
	dp_sadbd a
	unset SADBD_DP_ICMP_PPS
	dp_sadbd b
	mt_key
	dp_x a ping -n -c 2 -i 0.3 -W 1 -M do -s 1472 -I 10.0.1.1 \
	    10.0.1.2 > ping.out 2>&1 && { cat ping.out; dp_fail \
	    "a ping too big for the path passed"; }
	grep -q 'Frag needed' ping.out && dp_fail "told without ICMP"
	dp_x a ping -n -c 2 -i 0.3 -W 1 -s 1452 -I fd00:2::1 fd00:2::2 \
	    > ping.out 2>&1 && { cat ping.out; dp_fail \
	    "an IPv6 ping too big for the path passed"; }
	grep -q 'too big' ping.out && dp_fail "told without ICMPv6"
	# What fits still passes.
	mt_ok a -4 -M do -s 1430 -I 10.0.1.1 10.0.1.2
	dp_stats a
	dp_expect a too_big ge 4
	dp_expect a icmp_limited ge 4
	dp_expect a icmp_frag_needed eq 0
	dp_expect a icmp6_too_big eq 0

	# 2 a second: of 12 echoes in 0.6 s at most 2 + 2 are told.
	dp_sadbd_stop a
	mv a.log a.log.0
	export SADBD_DP_ICMP_PPS=2
	dp_sadbd a
	unset SADBD_DP_ICMP_PPS
	dp_setkey a -f sa.conf || dp_fail "setkey sa.conf in a"
	dp_setkey a -f sp.a.conf || dp_fail "setkey sp.a.conf in a"
	mt_burst a 10.0.1.1 10.0.1.2 12
	dp_stats a
	dp_expect a icmp_frag_needed ge 2
	dp_expect a icmp_frag_needed le 4
	dp_expect a icmp_limited ge 8
	dp_finish
}
icmp_control_cleanup()
{
	dp_cleanup
}

atf_test_case held cleanup
held_head()
{
	atf_set "descr" "A packet too big held for its SA: when the SA comes" \
	    "the sender is told the MTU (from the event loop)"
	atf_set "require.user" "root"
	atf_set "timeout" "60"
}
held_body()
{
	dp_require
	dp_pair 1 esp gcm128
	dp_topo 1
	mt_tun_mtu 1500
	dp_sadbd a
	dp_sadbd b
	for s in a b; do
		dp_setkey $s -f sp.$s.conf || dp_fail "setkey sp.$s.conf in $s"
	done
	dp_x a ping -n -c 1 -W 3 -M do -s 1472 -I 10.0.1.1 10.0.1.2 \
	    > ping.held 2>&1 &
	pp=$!
	echo $pp >> pids
	sleep 0.3
	for s in a b; do
		dp_setkey $s -f sa.conf || dp_fail "setkey sa.conf in $s"
	done
	wait $pp
	# GCM over UDP, transport: 60 + (L - 18) <= 1500.
	want="From 10.0.1.2 icmp_seq=1 Frag needed and DF set (mtu = 1458)"
	grep -qF "$want" ping.held ||
	    { cat ping.held; dp_fail "not told after the hold"; }
	dp_stats a
	dp_expect a no_sa_held ge 1
	dp_expect a icmp_frag_needed eq 1
	dp_expect a tun_write_errors eq 0
	dp_finish
}
held_cleanup()
{
	dp_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case held
	atf_add_test_case transport_udp
	atf_add_test_case transport_raw
	atf_add_test_case tun_1380
	atf_add_test_case small_path_udp
	atf_add_test_case small_path_raw
	atf_add_test_case tunnel_udp
	atf_add_test_case tunnel_raw
	atf_add_test_case pmtu_router
	atf_add_test_case icmp_control
}
