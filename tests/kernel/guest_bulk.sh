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

# Guest side of kernel_test:pfkey_bulk (runs under vmrun.sh with
# vmlib.sh).  The kernel PF_KEY transport against Linux af_key with many
# entries and with af_key's habits:
#   - N SAs (5000) and N/5 policies loaded with setkey -B pfkey; dumped
#     back whole by -D, -D -o json and -DP (every entry once, the last with
#     sadb_seq 0, the others numbered 1..N-1: af_key counts up), and by
#     -B xfrm (the XFRM transport reading what af_key installed, counting
#     down); the SPIs dumped are the SPIs loaded;
#   - FLUSH, whose reply af_key follows with a broadcast copy: in one
#     session, statements after a flush and an spdflush still get their
#     own replies; -F and -FP leave nothing;
# One line per check, "ok ..." or "FAIL ...", then "bulk done".

set -u
. /in/vmlib.sh

N=${N:-5000}
NSP=$((N / 5))
fails=0
ok() { echo "ok $*"; }
bad() { echo "FAIL $*"; fails=$((fails + 1)); }
now() { cut -d' ' -f1 /proc/uptime; }
K16=0x000102030405060708090a0b0c0d0e0f
K20=${K16}10111213

ip netns add B || vm_fail "ip netns add B"
awk -v n="$N" -v nsp="$NSP" -v k16="$K16" -v k20="$K20" 'BEGIN {
	for (i = 0; i < n; i++)
		printf("add 10.1.%d.%d 10.2.0.1 esp %d -m transport " \
		    "-E aes-cbc %s -A hmac-sha1 %s;\n",
		    int(i / 250), i % 250 + 1, 4096 + i, k16, k20);
	for (i = 0; i < nsp; i++)
		printf("spdadd 10.3.%d.%d 10.4.0.0/16 any -P out ipsec " \
		    "esp/transport//require;\n", int(i / 250), i % 250 + 1);
}' >/tmp/bulk.conf

t0=$(now)
if ip netns exec B setkey -B pfkey -f /tmp/bulk.conf 2>/tmp/err; then
	ok "setkey -B pfkey -f: $N SAs, $NSP policies in" \
	    "$(awk -v a="$t0" -v b="$(now)" 'BEGIN { print b - a }') s"
else
	bad "setkey -B pfkey -f: $(head -3 /tmp/err)"
fi
m=$(ip -n B xfrm state | grep -c '^src')
[ "$m" -eq "$N" ] && ok "ip xfrm state: $m SAs" ||
    bad "ip xfrm state: $m SAs, expected $N"

# countdown FILE WHAT DIRECTION: N entries, each sadb_seq once, the last
# 0; DIRECTION up (af_key: 1, 2, ..., 0) or down (N-1, ..., 0).
countdown() {
	awk -v n="$3" -v dir="$4" -v what="$2" '
	    { if (match($0, /sadb_seq=[0-9]+/)) s = substr($0, RSTART + 9)
	      else if (match($0, /^\tspid=[0-9]+ seq=[0-9]+/)) {
		sub(/^\tspid=[0-9]+ seq=/, ""); s = $1 }
	      else next
	      s += 0; k++
	      want = (dir == "down") ? n - k : (k == n ? 0 : k)
	      if (s != want && !bad) { bad = 1
		printf("FAIL %s: entry %d has sadb_seq %d, expected %d\n",
		    what, k, s, want) } }
	    END {
		if (k != n) { printf("FAIL %s: %d entries, expected %d\n",
		    what, k, n); exit 1 }
		if (bad) exit 1
		printf("ok %s: %d entries, sadb_seq %s to 0\n", what, k,
		    dir == "down" ? n - 1 : "1 up")
	    }' "$1" || fails=$((fails + 1))
}

t0=$(now)
ip netns exec B setkey -B pfkey -D >/tmp/d.pfkey 2>/tmp/err ||
    bad "setkey -B pfkey -D: $(head -3 /tmp/err)"
echo "setkey -B pfkey -D: $(awk -v a="$t0" -v b="$(now)" \
    'BEGIN { print b - a }') s"
countdown /tmp/d.pfkey "setkey -B pfkey -D" "$N" up
ip netns exec B setkey -B pfkey -DP >/tmp/dp.pfkey 2>/tmp/err ||
    bad "setkey -B pfkey -DP: $(head -3 /tmp/err)"
countdown /tmp/dp.pfkey "setkey -B pfkey -DP" "$NSP" up
ip netns exec B setkey -B xfrm -D >/tmp/d.xfrm 2>/tmp/err ||
    bad "setkey -B xfrm -D: $(head -3 /tmp/err)"
countdown /tmp/d.xfrm "setkey -B xfrm -D (SAs af_key made)" "$N" down
m=$(ip netns exec B setkey -B pfkey -D -o json | grep -c '"type":"sa"')
[ "$m" -eq "$N" ] && ok "setkey -B pfkey -D -o json: $m SAs" ||
    bad "setkey -B pfkey -D -o json: $m SAs, expected $N"
# The same SPIs as loaded, each once.
for f in d.pfkey d.xfrm; do
	sed -n 's/.* spi=\([0-9]*\)(.*/\1/p' "/tmp/$f" | sort -n >/tmp/spis
	if awk -v n="$N" '$1 != 4096 + NR - 1 { exit 1 } END { exit NR != n }' \
	    /tmp/spis; then
		ok "$f: SPIs 4096..$((4096 + N - 1)), each once"
	else
		bad "$f: the SPIs are not those loaded"
	fi
done

# FLUSH, and statements after it in the same session.
cat >/tmp/flush.conf <<EOF
flush;
add 192.0.2.1 192.0.2.2 esp 0x6001 -m transport -E aes-cbc $K16
	-A hmac-sha1 $K20;
flush;
add 192.0.2.1 192.0.2.2 esp 0x6002 -m transport -E aes-cbc $K16
	-A hmac-sha1 $K20;
get 192.0.2.1 192.0.2.2 esp 0x6002;
spdflush;
spdadd 192.0.2.1 192.0.2.2 any -P out ipsec esp/transport//require;
spdflush;
spdadd 192.0.2.1 192.0.2.3 any -P out ipsec esp/transport//require;
spddump;
EOF
rc=0
ip netns exec B setkey -B pfkey -f /tmp/flush.conf >/tmp/out 2>/tmp/err ||
    rc=$?
[ $rc -eq 0 ] && ok "flush session: exit 0" ||
    bad "flush session: exit $rc: $(head -3 /tmp/err)"
grep -q 'spi=24578(0x00006002)' /tmp/out && ok "flush session: get 0x6002" ||
    bad "flush session: get did not print 0x6002"
grep -q '^192.0.2.1\[any\] 192.0.2.3\[any\] 255$' /tmp/out &&
    ! grep -q '192.0.2.2\[any\]' /tmp/out &&
    ok "flush session: spddump shows the second policy only" ||
    bad "flush session: spddump: $(head -3 /tmp/out)"
[ "$(ip -n B xfrm state | grep -c '^src')" -eq 1 ] &&
    ip -n B xfrm state | grep -q 'spi 0x00006002' &&
    ok "flush session: the kernel holds 0x6002 alone" ||
    bad "flush session: the kernel holds: $(ip -n B xfrm state | head -4)"
[ "$(ip -n B xfrm policy | grep -c '^src')" -eq 1 ] &&
    ok "flush session: one policy left" ||
    bad "flush session: $(ip -n B xfrm policy | grep -c '^src') policies"

# -F and -FP of a full database (reload it first).
ip netns exec B setkey -B pfkey -f /tmp/bulk.conf >/dev/null 2>&1
for o in -F -FP; do
	rc=0
	ip netns exec B setkey -B pfkey $o 2>/tmp/err || rc=$?
	[ $rc -eq 0 ] && ok "setkey -B pfkey $o: exit 0" ||
	    bad "setkey -B pfkey $o: exit $rc: $(cat /tmp/err)"
done
[ -z "$(ip -n B xfrm state)" ] && [ -z "$(ip -n B xfrm policy)" ] &&
    ok "-F, -FP: nothing left" || bad "-F, -FP: entries left"
out=$(ip netns exec B setkey -B pfkey -D; ip netns exec B setkey -B pfkey -DP)
[ "$out" = "No SAD entries.
No SPD entries." ] && ok "-D, -DP after -F: empty" ||
    bad "-D, -DP after -F: $out"
echo "bulk done: $fails failures"
