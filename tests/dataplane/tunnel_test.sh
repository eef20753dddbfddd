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

# sadbd's data plane between two gateways, each with a host behind it
# (dplib.sh dp_topo_gw): tunnel mode over UDP and raw, ESP and AH, the
# gateways' inbound policies as "in" on one side and "fwd" on the other;
# and an AH+ESP transport bundle.  The hosts ping and TCP-echo each
# other both ways; the wire between the gateways decrypts with the keys
# (inner packets between the networks behind them), not without.

. "$(atf_get_srcdir)/dplib.sh"

NETS=10.1.0.0/24,10.2.0.0/24

# tunnel ALG-AB ALG-BA [sadbd args]
tunnel()
{
	pab=esp
	pba=esp
	case $1 in ah*) pab=ah ;; esac
	case $2 in ah*) pba=ah ;; esac
	cat > sa.conf <<EOF
add 10.0.0.1 10.0.0.2 $pab 0x3001 -m tunnel $(dp_key $1 31);
add 10.0.0.2 10.0.0.1 $pba 0x4001 -m tunnel $(dp_key $2 41);
EOF
	cat > sp.a.conf <<EOF
spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec
    $pab/tunnel/10.0.0.1-10.0.0.2/require;
spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec
    $pba/tunnel/10.0.0.2-10.0.0.1/require;
EOF
	# b takes its gateway traffic by a fwd policy, as Linux wants it.
	cat > sp.b.conf <<EOF
spdadd 10.2.0.0/24 10.1.0.0/24 any -P out ipsec
    $pba/tunnel/10.0.0.2-10.0.0.1/require;
spdadd 10.1.0.0/24 10.2.0.0/24 any -P fwd ipsec
    $pab/tunnel/10.0.0.1-10.0.0.2/require;
EOF
	shift 2
	dp_topo_gw
	dp_sadbd a "$@"
	dp_sadbd b "$@"
	for s in a b; do
		dp_setkey $s -f sa.conf || dp_fail "setkey sa.conf in $s"
		dp_setkey $s -f sp.$s.conf || dp_fail "setkey sp.$s.conf in $s"
	done
	dp_capture_start
	dp_ping ha 10.1.0.2 10.2.0.2
	dp_ping hb 10.2.0.2 10.1.0.2
	dp_tcp hb ha 10.2.0.2 5001 200000
	dp_tcp ha hb 10.1.0.2 5002 200000
	dp_capture_stop
	dp_check_both -i $NETS cap.pcap sa.conf
	for s in a b; do
		dp_stats $s
		dp_expect $s protected_in gt 0
		dp_expect $s in_policy_mismatch eq 0
		dp_expect $s in_auth eq 0
		dp_expect $s send_errors eq 0
	done
}

atf_test_case udp cleanup
udp_head()
{
	atf_set "descr" "Gateway-to-gateway tunnel mode over UDP: AES-GCM-16" \
	    "(256) one way, ChaCha20-Poly1305 the other"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
udp_body()
{
	dp_require
	tunnel gcm256 chacha
	[ "$(dp_count 'ip proto 50 or ip proto 51')" = 0 ] ||
	    dp_fail "raw ESP/AH on the wire without -R"
	dp_finish
}
udp_cleanup()
{
	dp_cleanup
}

atf_test_case raw cleanup
raw_head()
{
	atf_set "descr" "Gateway-to-gateway tunnel mode with -R: ESP" \
	    "(AES-CBC + HMAC-SHA2-512) one way, AH (HMAC-SHA2-256) the other," \
	    "one worker"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
raw_body()
{
	dp_require
	tunnel cbcsha512 ahsha256 -R -T 1
	[ "$(dp_count 'udp port 4500')" = 0 ] ||
	    dp_fail "ESP in UDP on the wire for SAs without NAT-T"
	dp_finish
}
raw_cleanup()
{
	dp_cleanup
}

atf_test_case bundle cleanup
bundle_head()
{
	atf_set "descr" "An AH+ESP transport bundle (RFC 4301 4.5): ESP" \
	    "inside AH on the wire both ways, each SA checked; a packet" \
	    "with ESP alone does not satisfy the inbound policy"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
bundle_body()
{
	dp_require
	A=10.0.1.1
	B=10.0.1.2
	cat > sa.conf <<EOF
add $A $B esp 0x1101 -m transport $(dp_key cbcsha256 51);
add $A $B ah 0x1201 -m transport $(dp_key ahsha1 52);
add $B $A esp 0x2101 -m transport $(dp_key gcm128 53);
add $B $A ah 0x2201 -m transport $(dp_key ahsha512 54);
EOF
	cat > sp.a.conf <<EOF
spdadd $A $B any -P out ipsec
    esp/transport//require ah/transport//require;
spdadd $B $A any -P in ipsec
    esp/transport//require ah/transport//require;
EOF
	cat > sp.b.conf <<EOF
spdadd $B $A any -P out ipsec
    esp/transport//require ah/transport//require;
spdadd $A $B any -P in ipsec
    esp/transport//require ah/transport//require;
EOF
	dp_topo 1
	dp_sadbd a -R
	dp_sadbd b -R
	for s in a b; do
		dp_setkey $s -f sa.conf || dp_fail "setkey sa.conf in $s"
		dp_setkey $s -f sp.$s.conf || dp_fail "setkey sp.$s.conf in $s"
	done
	dp_capture_start
	dp_ping a $A $B
	dp_ping b $B $A
	dp_tcp b a $B 5001 100000
	dp_capture_stop
	[ "$(dp_count 'ip proto 50')" = 0 ] ||
	    dp_fail "ESP outside AH on the wire"
	dp_check_both cap.pcap sa.conf
	# b's policy asks for AH around ESP: a sending ESP alone is refused.
	cat > sp.a2.conf <<EOF
spdupdate $A $B any -P out ipsec esp/transport//require;
EOF
	dp_setkey a -f sp.a2.conf || dp_fail "spdupdate in a"
	dp_stats b
	before=$(dp_counter b in_policy_mismatch)
	dp_x a ping -n -c 1 -W 1 -I $A $B >/dev/null 2>&1 &&
	    dp_fail "ESP alone passed a policy that wants AH+ESP"
	dp_stats b
	dp_expect b in_policy_mismatch gt $before
	dp_finish
}
bundle_cleanup()
{
	dp_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case udp
	atf_add_test_case raw
	atf_add_test_case bundle
}
