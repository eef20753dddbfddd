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

# The VM harness proves itself: Debian's kernel boots under qemu with the
# modules and tools the kernel-transport and ESP tests need (boot), and
# ESP between two namespaces, keyed by the kernel's own tool, decrypts
# with tshark on the host, while a wrong key does not (esp_ping_tshark).
# See vmrun.sh for the harness.  These tests skip only where qemu cannot
# run at all; a missing /dev/kvm is no reason (TCG works).

# vm_install COMMAND PACKAGE: install PACKAGE if COMMAND is missing and
# we may (root with apt-get); CI machines start fresh.
vm_install()
{
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 0
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq --no-install-recommends "$2" >/dev/null 2>&1 ||
	    { apt-get update -qq >/dev/null 2>&1 &&
	    apt-get install -y -qq --no-install-recommends "$2" \
	    >/dev/null 2>&1; } || true
}

# Skip unless qemu can run: not Linux, or no qemu and no way to install
# it.  Point the cache at the user's real home: kyua gives each test a
# scratch HOME, which would refetch the kernel every time.
vm_require()
{
	[ "$(uname -s)" = Linux ] ||
	    atf_skip "the VM harness runs Linux host tools in the guest"
	vm_install qemu-system-x86_64 qemu-system-x86
	command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	    atf_skip "qemu-system-x86_64 is not installed and cannot be" \
	    "(Debian: apt-get install qemu-system-x86)"
	vm_install xz xz-utils
	if [ -z "${PFKEYKIT_VM_CACHE:-}" ]; then
		h=$(getent passwd "$(id -u)" | cut -d: -f6)
		[ -n "$h" ] && [ -d "$h" ] && [ -w "$h" ] || h=/tmp
		PFKEYKIT_VM_CACHE=${XDG_CACHE_HOME:-$h/.cache}/pfkeykit/vm
		export PFKEYKIT_VM_CACHE
	fi
	srcdir=$(atf_get_srcdir)
}

atf_test_case boot
boot_head()
{
	atf_set "descr" "Debian's kernel boots under qemu; PF_KEY opens" \
	    "and autoloads; every algorithm and feature of interest takes" \
	    "an SA"
	atf_set "timeout" "600"
}
boot_body()
{
	vm_require
	[ -x "$srcdir/pfkey_probe" ] || atf_fail "pfkey_probe is not built"
	atf_check -s exit:0 -o save:out -e save:err \
	    "$srcdir/vmrun.sh" -t 300 -f "$srcdir/vmlib.sh" \
	    -f "$srcdir/pfkey_probe" "$srcdir/guest_boot.sh"
	cat out

	grep -q '^kernel 6\.' out || atf_fail "no 6.x kernel"
	grep -q '^pfkey autoload af_key$' out ||
	    atf_fail "socket(PF_KEY) did not autoload af_key"
	# SADB_REGISTER (RFC 2367 ids): AES-CBC, 3DES, AES-CTR, NULL;
	# HMAC-MD5, -SHA1, -SHA2-256/384/512, AES-XCBC.
	for a in "esp encrypt 12 128-256" "esp encrypt 3 192-192" \
	    "esp encrypt 13 " "esp encrypt 11 " "esp auth 2 128-128" \
	    "esp auth 3 160-160" "esp auth 5 256-256" "esp auth 6 " \
	    "esp auth 7 " "esp auth 9 " "ah auth 5 256-256"; do
		grep -q "^$a" out || atf_fail "PF_KEY does not offer: $a"
	done
	if [ -x "$srcdir/../../examples/pfkeymsg" ]; then
		grep -q '^transport pfkey *available' out ||
		    atf_fail "pfkeymsg -t: no kernel PF_KEY transport"
	fi
	grep '^xfrm FAIL' out && atf_fail "the kernel refused an SA"
	for a in gcm128-icv16 gcm128-icv8 gcm128-icv12 gcm256-icv16 gmac \
	    ccm-icv16 chacha20-poly1305 cbc-sha1 cbc-sha256 cbc-sha256-96 \
	    cbc-sha384 cbc-sha512 cbc-md5 cbc-xcbc ctr-sha1 3des-sha1 \
	    null-sha256 esn natt tunnel esp6 ah-sha256 ah6-sha1 \
	    ipcomp-deflate; do
		grep -q "^xfrm ok $a\$" out || atf_fail "no SA for $a"
	done
}

# The SAs of guest_esp.sh, as keys and as tshark's esp_sa table.
KEY_GCM=0x4a1f2b3c4d5e6f708192a3b4c5d6e7f8cafebabe
KEY_CBC=0x00112233445566778899aabbccddeeff
KEY_SHA=0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# tshark_esp PCAP GCMKEY CBCKEY SHAKEY: one line per ESP packet,
# "spi,seq,icv_good,icv_bad,icmp_type,icmpv6_type" (empty: not decoded).
tshark_esp()
{
	gcm='"AES-GCM with 16 octet ICV [RFC4106]"'
	cbc='"AES-CBC [RFC3602]"'
	sha='"HMAC-SHA-256-128 [RFC4868]"'
	tshark -n -r "$1" \
	    -o esp.enable_encryption_decode:TRUE \
	    -o esp.enable_authentication_check:TRUE \
	    -o "$(uat IPv4 10.0.0.1 10.0.0.2 1001 "$gcm" "$2" '"NULL"' '')" \
	    -o "$(uat IPv4 10.0.0.2 10.0.0.1 2001 "$cbc" "$3" "$sha" "$4")" \
	    -o "$(uat IPv6 fd00::1 fd00::2 1006 "$gcm" "$2" '"NULL"' '')" \
	    -o "$(uat IPv6 fd00::2 fd00::1 2006 "$cbc" "$3" "$sha" "$4")" \
	    -Y esp -T fields -E separator=, -E occurrence=f \
	    -e esp.spi -e esp.sequence -e esp.icv_good -e esp.icv_bad \
	    -e icmp.type -e icmpv6.type 2>/dev/null
}

# uat FAMILY SRC DST SPI "ENC" ENCKEY "AUTH" AUTHKEY: one row of
# Wireshark's esp_sa table (algorithm names quoted by the caller).
uat()
{
	printf 'uat:esp_sa:"%s","%s","%s","0x0000%s",%s,"%s",%s,"%s"' \
	    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
}

# A key with its first hex digit changed.
flip()
{
	echo "$1" | sed 's/^0x0/0xY/; s/^0x[1-9a-f]/0x0/; s/^0xY/0x1/'
}

# count FILE SPI ICV_GOOD ICV_BAD INNER: how many packets of SPI have
# those ICV fields and that inner ICMP or ICMPv6 type ("*": any).
count()
{
	awk -F, -v s="$2" -v g="$3" -v b="$4" -v t="$5" '
	    $1 == s && $3 == g && $4 == b &&
	    (t == "*" || ($5 != "" ? $5 : $6) == t)' "$1" | wc -l
}

atf_test_case esp_ping_tshark
esp_ping_tshark_head()
{
	atf_set "descr" "ESP (AES-GCM-16 one way, AES-CBC/HMAC-SHA-256 the" \
	    "other, IPv4 and IPv6) between two namespaces, captured in an" \
	    "observer namespace, decrypts with tshark; a wrong key fails"
	atf_set "timeout" "600"
}
esp_ping_tshark_body()
{
	vm_require
	vm_install tcpdump tcpdump
	vm_install tshark tshark
	command -v tcpdump >/dev/null 2>&1 ||
	    atf_fail "tcpdump is not installed (Debian: apt-get install tcpdump)"
	command -v tshark >/dev/null 2>&1 ||
	    atf_fail "tshark is not installed (Debian: apt-get install tshark)"
	atf_check -s exit:0 -o save:out -e save:err \
	    "$srcdir/vmrun.sh" -t 300 -o "$PWD/out.d" -f "$srcdir/vmlib.sh" \
	    -e KEY_GCM="$KEY_GCM" -e KEY_CBC="$KEY_CBC" -e KEY_SHA="$KEY_SHA" \
	    -e COUNT=3 "$srcdir/guest_esp.sh"
	cat out
	grep -q '^esp ok$' out || atf_fail "the guest did not finish"
	[ -s out.d/esp.pcap ] || atf_fail "no esp.pcap came back"

	tshark_esp out.d/esp.pcap "$KEY_GCM" "$KEY_CBC" "$KEY_SHA" >good
	cat good
	# 3 echo requests and 3 replies per family, each with a good ICV
	# and decrypted to ICMP (8/0) or ICMPv6 (128/129).
	[ "$(wc -l <good)" -eq 12 ] || atf_fail "not 12 ESP packets"
	for e in "0x00001001 8" "0x00002001 0" "0x00001006 128" \
	    "0x00002006 129"; do
		set -- $e
		[ "$(count good "$1" 1 0 "$2")" -eq 3 ] ||
		    atf_fail "SPI $1: not 3 packets with a good ICV and ICMP"
	done

	# Negative controls (a wrong key must fail, or the check proves
	# nothing).  No packet may pass its ICV under a wrong GCM key or a
	# wrong HMAC key, and tshark must say "bad" for some (for a few,
	# garbage padding stops it before the ICV: random IVs decide).  A
	# wrong AES-CBC key under the right HMAC key passes the ICV but must
	# not give the plaintext back.
	tshark_esp out.d/esp.pcap "$(flip "$KEY_GCM")" "$(flip "$KEY_CBC")" \
	    "$KEY_SHA" >bad1
	tshark_esp out.d/esp.pcap "$KEY_GCM" "$KEY_CBC" "$(flip "$KEY_SHA")" \
	    >bad2
	cat bad1 bad2
	if [ "$(wc -l <bad1)" -ne 12 ] || [ "$(wc -l <bad2)" -ne 12 ]; then
		atf_fail "not 12 ESP packets in the negative controls"
	fi
	for s in 0x00001001 0x00001006; do
		[ "$(count bad1 $s 1 0 "*")" -eq 0 ] ||
		    atf_fail "SPI $s: a wrong GCM key passed the ICV"
		[ "$(count bad1 $s 0 1 "*")" -ge 1 ] ||
		    atf_fail "SPI $s: tshark checked no ICV (wrong GCM key)"
	done
	for e in "0x00002001 0" "0x00002006 129"; do
		set -- $e
		# Garbage may rarely look like ICMP; all 3 never.
		[ "$(count bad1 "$1" 1 0 "$2")" -lt 3 ] ||
		    atf_fail "SPI $1: a wrong AES-CBC key decrypted"
		[ "$(count bad2 "$1" 1 0 "*")" -eq 0 ] ||
		    atf_fail "SPI $1: a wrong HMAC key passed the ICV"
		[ "$(count bad2 "$1" 0 1 "*")" -ge 1 ] ||
		    atf_fail "SPI $1: tshark checked no ICV (wrong HMAC key)"
	done
}

atf_init_test_cases()
{
	atf_add_test_case boot
	atf_add_test_case esp_ping_tshark
}
