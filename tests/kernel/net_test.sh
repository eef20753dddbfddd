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

# ESP keyed only by setkey on a real kernel (Debian 12's under qemu, see
# kernlib.sh): host-to-host transport mode and gateway-to-gateway tunnel
# mode, IPv4 and IPv6, carrying ping and a TCP echo (guest_net.sh), over
# -B xfrm (esp_xfrm: AES-GCM, CBC/CTR with HMAC-SHA2 at full length,
# 3DES) and over -B pfkey (esp_pfkey: what af_key has).  The wire,
# captured in an observer namespace, decrypts with tshark using the keys
# of the setkey script (esp_check.py): every packet's ICV good, the
# expected inner protocols, no plaintext; with one hex digit of each key
# changed, no packet passes.

. "$(atf_get_srcdir)/kernlib.sh"

# esp TRANSPORT: the whole case.
esp()
{
	kernel_require tcpdump tcpdump tshark tshark
	kernel_vm guest_net.sh "$1" || atf_fail "guest_net.sh $1 failed"
	grep -q '^net ok$' out || atf_fail "the guest did not finish"
	[ -s out.d/esp.pcap ] || atf_fail "no esp.pcap came back"
	p=
	[ "$1" = pfkey ] && p=-p
	conf="$KSRC/net_sa_$1.conf"
	python3 "$KSRC/esp_check.py" $p out.d/esp.pcap "$conf" >good.out 2>&1 ||
	    true
	cat good.out
	grep -q '^esp_check: ok$' good.out ||
	    atf_fail "tshark: $(grep -m 1 '^FAIL' good.out)"
	# Negative control: with a wrong key no packet passes.
	python3 "$KSRC/esp_check.py" -n $p out.d/esp.pcap "$conf" >bad.out 2>&1 ||
	    true
	cat bad.out
	grep -q '^esp_check: ok$' bad.out ||
	    atf_fail "negative control: $(grep -m 1 '^FAIL' bad.out)"
}

atf_test_case esp_xfrm
esp_xfrm_head()
{
	atf_set "descr" "Transport and tunnel ESP, IPv4 and IPv6, keyed by" \
	    "setkey -B xfrm, carry ping and TCP; tshark decrypts the wire" \
	    "with the script's keys, and fails with a wrong key"
	atf_set "timeout" "600"
}
esp_xfrm_body()
{
	esp xfrm
}

atf_test_case esp_pfkey
esp_pfkey_head()
{
	atf_set "descr" "Transport and tunnel ESP, IPv4 and IPv6, keyed by" \
	    "setkey -B pfkey (CBC/CTR with HMAC), carry ping and TCP; tshark" \
	    "decrypts the wire; HMAC-SHA2-256 is 96 bits there"
	atf_set "timeout" "600"
}
esp_pfkey_body()
{
	esp pfkey
	# af_key's HMAC-SHA2-256 on the wire is 96 bits: checked as the
	# RFC 4868 128-bit ICV, exactly the SHA2-256 SAs fail.
	python3 "$KSRC/esp_check.py" out.d/esp.pcap \
	    "$KSRC/net_sa_pfkey.conf" >rfc.out 2>&1 && atf_fail "af_key's" \
	    "HMAC-SHA2-256 passed as a 128-bit ICV"
	grep '^FAIL' rfc.out | grep -v 'hmac-sha2-256-128' &&
	    atf_fail "SAs other than HMAC-SHA2-256 failed as RFC 4868"
	n=$(grep -c 'hmac-sha2-256' "$KSRC/net_sa_pfkey.conf")
	[ "$(grep -c '^FAIL.*packets with a good ICV' rfc.out)" -eq "$n" ] ||
	    atf_fail "not all $n HMAC-SHA2-256 SAs failed as 128-bit ICVs"
}

atf_init_test_cases()
{
	atf_add_test_case esp_xfrm
	atf_add_test_case esp_pfkey
}
