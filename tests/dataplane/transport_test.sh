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

# sadbd's data plane, host-to-host transport mode between two network
# namespaces, each with its own sadbd keyed by setkey: every algorithm of
# the engine on its own address pair, ping and a TCP echo both ways, over
# UDP (RFC 3948) and over raw ESP/AH (-R), IPv4 and IPv6, ESN and NAT-T
# ports.  The wire, captured in the observer namespace between them,
# must decrypt under the scripts' keys with dp_check.py (its own
# decryption and tshark's) and fail under wrong keys.

. "$(atf_get_srcdir)/dplib.sh"

# Ping both ways and a TCP echo on every pair 1..N.
traffic()
{
	k=1
	while [ $k -le $1 ]; do
		if [ "${2:-}" = v6 ]; then
			A=fd00:$k::1
			B=fd00:$k::2
		else
			A=10.0.$k.1
			B=10.0.$k.2
		fi
		dp_ping a $A $B
		dp_ping b $B $A
		dp_tcp b a $B $((5000 + k)) 100000
		k=$((k + 1))
	done
}

# Key both sides with sa.conf and their policies; start capturing.
key_and_capture()
{
	for s in a b; do
		dp_setkey $s -f sa.conf || dp_fail "setkey sa.conf in $s"
		dp_setkey $s -f sp.$s.conf || dp_fail "setkey sp.$s.conf in $s"
	done
	dp_capture_start
}

ESP_ALGS="gcm128 gcm256 gcm12 gcm8 cbcsha1 cbcsha256 cbcsha384 cbcsha512
ctrsha256 nullsha256 chacha"
AH_ALGS="ahsha1 ahsha256 ahsha384 ahsha512"

atf_test_case udp cleanup
udp_head()
{
	atf_set "descr" "Every ESP algorithm over UDP (RFC 3948): ping and" \
	    "TCP both ways; the wire decrypts with the keys, not without"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
udp_body()
{
	dp_require
	n=0
	for alg in $ESP_ALGS; do
		n=$((n + 1))
		dp_pair $n esp $alg
	done
	dp_topo $n
	dp_sadbd a
	dp_sadbd b
	key_and_capture
	traffic $n
	dp_capture_stop
	# Only UDP 4500 between the endpoints: nothing raw, nothing plain.
	[ "$(dp_count 'ip proto 50 or ip proto 51')" = 0 ] ||
	    dp_fail "raw ESP/AH on the wire without -R"
	dp_check_both cap.pcap sa.conf
	for s in a b; do
		dp_stats $s
		dp_expect $s protected_in gt 0
		dp_expect $s in_auth eq 0
		dp_expect $s in_replay eq 0
		dp_expect $s in_policy_mismatch eq 0
		dp_expect $s bad_spi eq 0
		dp_expect $s send_errors eq 0
	done
	dp_finish
}
udp_cleanup()
{
	dp_cleanup
}

atf_test_case raw cleanup
raw_head()
{
	atf_set "descr" "With -R: every ESP algorithm and AH as IP protocols" \
	    "50 and 51 (no UDP); ping and TCP both ways; the wire decrypts" \
	    "and the AH ICVs check with the keys, not without"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
raw_body()
{
	dp_require
	n=0
	for alg in $ESP_ALGS; do
		n=$((n + 1))
		dp_pair $n esp $alg
	done
	for alg in $AH_ALGS; do
		n=$((n + 1))
		dp_pair $n ah $alg
	done
	dp_topo $n
	dp_sadbd a -R
	dp_sadbd b -R
	key_and_capture
	traffic $n
	dp_capture_stop
	[ "$(dp_count 'udp port 4500')" = 0 ] ||
	    dp_fail "ESP in UDP on the wire for SAs without NAT-T"
	[ "$(dp_count 'ip proto 51')" -gt 0 ] ||
	    dp_fail "no AH on the wire"
	dp_check_both cap.pcap sa.conf
	for s in a b; do
		dp_stats $s
		dp_expect $s in_auth eq 0
		dp_expect $s in_policy_mismatch eq 0
		dp_expect $s send_errors eq 0
	done
	dp_finish
}
raw_cleanup()
{
	dp_cleanup
}

atf_test_case ipv6 cleanup
ipv6_head()
{
	atf_set "descr" "IPv6 transport mode: ESP over UDP (AES-GCM," \
	    "ChaCha20-Poly1305, CBC+SHA2) and raw ESP and AH with -R"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
ipv6_body()
{
	dp_require
	dp_pair 1 esp gcm128 v6
	dp_pair 2 esp chacha v6
	dp_pair 3 esp cbcsha256 v6
	dp_topo 3 v6
	dp_sadbd a
	dp_sadbd b
	key_and_capture
	traffic 3 v6
	dp_capture_stop
	dp_check_both cap.pcap sa.conf
	dp_sadbd_stop a b
	# The same pairs again over raw IPv6 sockets, AH on pair 3.
	rm -f sa.conf sp.a.conf sp.b.conf cap.pcap
	dp_pair 1 esp gcm256 v6
	dp_pair 2 esp ctrsha256 v6
	dp_pair 3 ah ahsha256 v6
	dp_sadbd a -R
	dp_sadbd b -R
	key_and_capture
	traffic 3 v6
	dp_capture_stop
	[ "$(dp_count 'ip6 proto 51')" -gt 0 ] ||
	    dp_fail "no IPv6 AH on the wire"
	dp_check_both cap.pcap sa.conf
	dp_finish
}
ipv6_cleanup()
{
	dp_cleanup
}

atf_test_case esn_natt cleanup
esn_natt_head()
{
	atf_set "descr" "NAT-T SAs (esp-udp with ports 4600) with -U 4600," \
	    "one of them with extended sequence numbers: both oracles check" \
	    "the ESN ICV/AAD format; a wrong key fails"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
esn_natt_body()
{
	dp_require
	for k in 1 2 3; do
		case $k in
		1)	alg=$(dp_key cbcsha256 11); alg2=$(dp_key cbcsha256 21)
			f="-f esn" ;;
		2)	alg=$(dp_key gcm128 12); alg2=$(dp_key gcm128 22)
			f="-f esn" ;;
		3)	alg=$(dp_key chacha 13); alg2=$(dp_key gcm256 23)
			f= ;;
		esac
		A=10.0.$k.1
		B=10.0.$k.2
		cat >> sa.conf <<EOF
add $A[4600] $B[4600] esp-udp 0x$((1000 + k)) -m transport $f $alg;
add $B[4600] $A[4600] esp-udp 0x$((2000 + k)) -m transport $f $alg2;
EOF
		cat >> sp.a.conf <<EOF
spdadd $A $B any -P out ipsec esp/transport//require;
spdadd $B $A any -P in ipsec esp/transport//require;
EOF
		cat >> sp.b.conf <<EOF
spdadd $B $A any -P out ipsec esp/transport//require;
spdadd $A $B any -P in ipsec esp/transport//require;
EOF
	done
	dp_topo 3
	dp_sadbd a -U 4600
	dp_sadbd b -U 4600
	key_and_capture
	traffic 3
	dp_capture_stop
	[ "$(dp_count 'udp port 4600')" -gt 0 ] ||
	    dp_fail "nothing on UDP port 4600"
	[ "$(dp_count 'udp port 4500')" = 0 ] ||
	    dp_fail "UDP port 4500 used despite the NAT-T ports"
	dp_check_both -u 4600 cap.pcap sa.conf
	# The ESN SAs really are ESN: a checker that assumes 32-bit
	# sequence numbers must reject them (and still pass pair 3).
	sed 's/ -f esn//' sa.conf > noesn.conf
	python3 "$DPSRC/dp_check.py" -T -u 4600 cap.pcap noesn.conf \
	    > noesn.out 2>&1 &&
	    { cat noesn.out; dp_fail "ESN packets check as 32-bit"; }
	grep -q 'FAIL.*SA 0x1001 ' noesn.out &&
	    grep -q 'FAIL.*SA 0x1002 ' noesn.out ||
	    { cat noesn.out; dp_fail "ESN SAs not told apart"; }
	grep -q 'FAIL.*SA 0x1003 ' noesn.out &&
	    { cat noesn.out; dp_fail "the non-ESN SA failed"; }
	dp_finish
	return 0
}
esn_natt_cleanup()
{
	dp_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case udp
	atf_add_test_case raw
	atf_add_test_case ipv6
	atf_add_test_case esn_natt
}
