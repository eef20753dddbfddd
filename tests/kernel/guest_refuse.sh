#!/bin/sh
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

# Guest side of kernel_test:pfkey_refuses (runs under vmrun.sh with
# vmlib.sh and sadb_xfrm.conf in /in).  Each SA of sadb_xfrm.conf needs
# something Linux af_key cannot carry (AEAD, ESN, a replay window beyond
# 255 packets).  Over -B pfkey setkey must refuse each one before sending
# it: a non-zero exit, a message that names the feature and says "use -B
# xfrm", no ADD sent (setkey -v shows every message it sends) and nothing
# in the kernel.  The same SAs then go in over -B xfrm.  HMAC-SHA2-256
# over -B pfkey is accepted with a warning about its 96-bit ICV, which
# the kernel then has.  One line per check: "ok ..." or "FAIL ...", and
# "refuse done" at the end; notes (not failures) on what af_key does
# with replay windows it can take.

set -u
. /in/vmlib.sh

ip netns add R || vm_fail "ip netns add R"
fails=0
ok() { echo "ok $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
empty() {
	if [ -n "$(ip -n R xfrm state)" ]; then
		bad "$1: the kernel holds an SA:"
		ip -n R xfrm state
		ip -n R xfrm state flush
	else
		ok "$1: nothing installed"
	fi
}

# One statement per line, comments and newlines gone.
sed 's/#.*//' /in/sadb_xfrm.conf | tr '\n' ' ' | tr ';' '\n' |
    sed 's/^[ 	]*//; s/[ 	][ 	]*/ /g' | grep '^add ' >/tmp/stmts
[ -s /tmp/stmts ] || vm_fail "no statements in sadb_xfrm.conf"

while IFS= read -r st; do
	spi=$(echo "$st" | awk '{ for (i = 1; i < NF; i++)
	    if ($i ~ /^0x[0-9a-f]+$/ && $(i - 1) !~ /^-/) { print $i; exit } }')
	# The features that need XFRM; the message must name one of them.
	feat= pat=
	case $st in
	*aes-gcm*|*aes-ccm*|*chacha20*|*null-aes-gmac*)
		feat=AEAD pat='aead' ;;
	esac
	case $st in
	*esn*)	feat=${feat:+$feat/}ESN
		pat=${pat:+$pat|}'esn|extended sequence' ;;
	esac
	r=$(echo "$st" | sed -n 's/.* -r \([0-9]*\).*/\1/p')
	if [ "${r:-0}" -gt 255 ]; then
		feat=${feat:+$feat/}replay
		pat=${pat:+$pat|}'replay'
	fi
	[ -n "$feat" ] || vm_fail "nothing af_key lacks in: $st"
	rc=0
	printf '%s;\n' "$st" |
	    ip netns exec R setkey -B pfkey -v -c >/tmp/out 2>/tmp/err || rc=$?
	w="pfkey $spi ($feat)"
	[ $rc -ne 0 ] && ok "$w: exit $rc" || bad "$w: exit 0"
	if grep -q 'use -B xfrm' /tmp/err; then
		ok "$w: says use -B xfrm"
	else
		bad "$w: no \"use -B xfrm\" in: $(grep -v '^ \|^send\|^recv' \
		    /tmp/err | head -3)"
	fi
	if grep -v '^ \|^send\|^recv' /tmp/err | grep -qiE "$pat"; then
		ok "$w: names $feat"
	else
		bad "$w: the message does not name $feat"
	fi
	if grep -q '^send: ADD' /tmp/err; then
		bad "$w: the ADD was sent to the kernel"
	else
		ok "$w: refused before sending"
	fi
	empty "$w"
done </tmp/stmts
n=$(grep -c . /tmp/stmts)

# The whole file at once: refused, nothing installed.
rc=0
ip netns exec R setkey -B pfkey -f /in/sadb_xfrm.conf >/dev/null \
    2>/tmp/err || rc=$?
[ $rc -ne 0 ] && ok "pfkey -f sadb_xfrm.conf: exit $rc" ||
    bad "pfkey -f sadb_xfrm.conf: exit 0"
[ "$(grep -c 'use -B xfrm' /tmp/err)" -ge 1 ] &&
    ok "pfkey -f sadb_xfrm.conf: says use -B xfrm" ||
    bad "pfkey -f sadb_xfrm.conf: no \"use -B xfrm\""
empty "pfkey -f sadb_xfrm.conf"

# Over XFRM every one of them goes in.
if ip netns exec R setkey -B xfrm -f /in/sadb_xfrm.conf 2>/tmp/err; then
	ok "xfrm -f sadb_xfrm.conf: exit 0"
else
	bad "xfrm -f sadb_xfrm.conf: $(cat /tmp/err)"
fi
m=$(ip -n R xfrm state | grep -c '^src')
[ "$m" -eq "$n" ] && ok "xfrm: $m SAs installed" ||
    bad "xfrm: $m SAs installed, expected $n"
ip -n R xfrm state flush

# HMAC-SHA2-256 over af_key: accepted, with a warning; 96 bits in the
# kernel.
K16=0x000102030405060708090a0b0c0d0e0f
K32=${K16}101112131415161718191a1b1c1d1e1f
rc=0
echo "add 192.0.2.1 192.0.2.2 esp 0x5001 -m transport -E aes-cbc $K16
    -A hmac-sha2-256 $K32;" |
    ip netns exec R setkey -B pfkey -c >/dev/null 2>/tmp/err || rc=$?
[ $rc -eq 0 ] && ok "pfkey hmac-sha2-256: exit 0" ||
    bad "pfkey hmac-sha2-256: exit $rc: $(cat /tmp/err)"
if grep -qiE 'sha2-256|sha256' /tmp/err && grep -q '96' /tmp/err; then
	ok "pfkey hmac-sha2-256: warns: $(head -1 /tmp/err)"
else
	bad "pfkey hmac-sha2-256: no warning about the 96-bit ICV"
fi
ip -n R xfrm state | grep -q 'auth-trunc hmac(sha256) .* 96$' &&
    ok "pfkey hmac-sha2-256: the kernel has a 96-bit ICV" ||
    bad "pfkey hmac-sha2-256: not a 96-bit ICV in the kernel"
ip -n R xfrm state flush

# Windows af_key takes without a word: what does the kernel hold?
for r in 32 64 255; do
	rc=0
	echo "add 192.0.2.1 192.0.2.2 esp 0x5002 -m transport -r $r
	    -E aes-cbc $K16 -A hmac-sha1 ${K16}10111213;" |
	    ip netns exec R setkey -B pfkey -c >/dev/null 2>/tmp/err ||
	    rc=$?
	got=$(ip -n R xfrm state | awk '/replay-window/ { print $2; exit }')
	echo "note: pfkey -r $r: exit $rc, kernel replay window $got" \
	    "$(grep -v '^$' /tmp/err | head -1)"
	ip -n R xfrm state flush
done
echo "refuse done: $n statements, $fails failures"
