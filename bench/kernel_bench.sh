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

# kernel_bench.sh: setkey over the XFRM transport against iproute2, side
# by side in one guest kernel (Debian 12's under qemu TCG, booted by
# tests/vm/vmrun.sh): loading N SAs and NSP policies with
# `setkey -B xfrm -f FILE' against `ip -batch FILE' of the same entries,
# and dumping them with `setkey -B xfrm -D' (-DP) against
# `ip xfrm state list' (policy list), output to /dev/null.  Prints the
# times and setkey/iproute2 ratios (the target: <= 1.0), with the host
# CPU, the guest kernel, qemu and the commands.
#
# Run from the top of a built tree:
#
#	sh bench/kernel_bench.sh [-r RUNS] [SAS...]
#
# SAS defaults to "10000 100000"; the policies are 10000 (NSP to change
# it).  Each figure is the median of RUNS (3) runs, 1 for 100000 SAs and
# more.  Both tools run the same way, under `ip netns exec NS' (setkey has
# no namespace option; timing iproute2 with its in-process `ip -n' would
# charge only setkey for a fork and exec).  Every run loads into a network
# namespace of its own, made before
# the clock starts and kept until the end: freeing 100k SAs (their crypto
# transforms) runs in a kernel worker that would otherwise steal the one
# CPU from the next measurement.  The entries: tunnel-mode ESP SAs with
# AES-GCM-16 (distinct addresses, SPIs, reqids and keys) and outbound
# tunnel policies (distinct /24 selectors) with the default priority.
# TCG makes everything slow (netlink work ~12x, crypto 25-40x): the
# ratios mean something, the absolute times do not.  Needs qemu-system-x86
# and the VM cache (tests/vm/vmrun.sh fetches the kernel the first time).
# Guest memory: KERNEL_BENCH_MEM MiB (3072; each namespace of 100k AES-GCM
# SAs took about 190 MiB of kernel memory in Debian 12's 6.1).

set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
RUNS=3
while getopts "r:" ch; do
	case $ch in
	r)	RUNS=$OPTARG ;;
	*)	echo "usage: kernel_bench.sh [-r RUNS] [SAS...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
SAS=${*:-10000 100000}
NSP=${NSP:-10000}
MEM=${KERNEL_BENCH_MEM:-3072}

[ -x "$TOP/setkey/setkey" ] ||
    { echo "kernel_bench: build the tree first" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kernel_bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

# The guest side: bash for $EPOCHREALTIME (microseconds).
cat >"$WORK/guest.sh" <<'GUEST'
#!/bin/bash
set -u
RUNS=$1 NSP=$2
shift 2

ms() { echo $(( (${EPOCHREALTIME/./} - $1) / 1000 )); }
t0() { T0=${EPOCHREALTIME/./}; }
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 }
    END { print v[int((NR + 1) / 2)] }'; }
free_mb() { awk '/^MemAvailable/ { print int($2 / 1024) }' /proc/meminfo; }

# sas N: the setkey script and the ip batch of N SAs.
sas() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++) {
			a = sprintf("10.%d.%d.%d", int(i / 65536) % 256,
			    int(i / 256) % 256, i % 256)
			k = sprintf("0x%08x%08x%08x%08x%08x", i, i * 7, i * 13,
			    i * 17, i * 19)
			printf("add %s 10.255.0.1 esp %d -m tunnel -u %d " \
			    "-E aes-gcm-16 %s;\n", a, 65536 + i,
			    i % 16000 + 1, k) > "/tmp/sa.setkey"
			printf("xfrm state add src %s dst 10.255.0.1 proto " \
			    "esp spi %d reqid %d mode tunnel aead " \
			    "rfc4106(gcm(aes)) %s 128\n", a, 65536 + i,
			    i % 16000 + 1, k) > "/tmp/sa.ip"
		}
	}'
}
# sps N: N outbound tunnel policies, both ways.
sps() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++) {
			s = sprintf("10.%d.%d.0/24", int(i / 256) % 256, i % 256)
			t = sprintf("10.%d.%d.1", int(i / 256) % 256, i % 256)
			printf("spdadd %s 10.254.0.0/16 any -P out ipsec " \
			    "esp/tunnel/%s-10.255.0.1/require;\n", s, t) \
			    > "/tmp/sp.setkey"
			printf("xfrm policy add src %s dst 10.254.0.0/16 " \
			    "dir out priority 2147483648 tmpl src %s " \
			    "dst 10.255.0.1 proto esp mode tunnel level " \
			    "required\n", s, t) > "/tmp/sp.ip"
		}
	}'
}

NS=0
newns() { NS=$((NS + 1)); ip netns add "b$NS"; ip -n "b$NS" link set lo up; }

# load WHAT N: RUNS loads by each tool (alternating which goes first),
# then RUNS dumps of a full namespace by each; one result line per
# figure.
load() {
	what=$1 n=$2 runs=$RUNS
	[ "$n" -ge 100000 ] && runs=1
	sl= il= sd= id=
	for r in $(seq "$runs"); do
		newns; s=b$NS
		newns; i=b$NS
		for tool in $( [ $((r % 2)) = 1 ] && echo "setkey ip" ||
		    echo "ip setkey"); do
			if [ "$tool" = setkey ]; then
				t0
				ip netns exec "$s" setkey -B xfrm \
				    -f "/tmp/$what.setkey" || exit 1
				sl="$sl $(ms "$T0")"
			else
				t0
				ip netns exec "$i" ip -batch "/tmp/$what.ip" ||
				    exit 1
				il="$il $(ms "$T0")"
			fi
		done
		if [ "$what" = sa ]; then
			c1=$(ip -n "$s" xfrm state | grep -c '^src')
			c2=$(ip -n "$i" xfrm state | grep -c '^src')
		else
			c1=$(ip -n "$s" xfrm policy | grep -c '^src')
			c2=$(ip -n "$i" xfrm policy | grep -c '^src')
		fi
		[ "$c1" = "$n" ] && [ "$c2" = "$n" ] ||
		    { echo "loaded $c1 and $c2 of $n" >&2; exit 1; }
	done
	D=-D L=state
	[ "$what" = sp ] && D=-DP L=policy
	for r in $(seq "$runs"); do
		for tool in $( [ $((r % 2)) = 1 ] && echo "setkey ip" ||
		    echo "ip setkey"); do
			if [ "$tool" = setkey ]; then
				t0
				ip netns exec "$s" setkey -B xfrm $D \
				    >/dev/null || exit 1
				sd="$sd $(ms "$T0")"
			else
				t0
				ip netns exec "$s" ip xfrm $L list \
				    >/dev/null || exit 1
				id="$id $(ms "$T0")"
			fi
		done
	done
	echo "result load $what $n $(echo $sl | median) $(echo $il | median) $runs"
	echo "result dump $what $n $(echo $sd | median) $(echo $id | median) $runs"
	echo "runs load $what $n setkey:$sl ip:$il"
	echo "runs dump $what $n setkey:$sd ip:$id"
	echo "memory after $what $n: $(free_mb) MiB available"
	for k in $(seq "$NS"); do
		ip netns del "b$k" 2>/dev/null
	done
	settle
}

# Wait until the kernel has freed what the deleted namespaces held (its
# workers run on the one CPU): MemAvailable steady for a second.
settle() {
	prev=0 cur=$(free_mb) n=0
	while [ $((cur - prev)) -gt 2 ] && [ $n -lt 120 ]; do
		sleep 1
		prev=$cur cur=$(free_mb) n=$((n + 1))
	done
}

echo "kernel $(uname -r)"
echo "memory at start: $(free_mb) MiB available"
# Warm up: the first GCM state instantiates (and self-tests) the crypto.
newns
ip -n "b$NS" xfrm state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 256 \
    mode tunnel aead 'rfc4106(gcm(aes))' \
    0x000102030405060708090a0b0c0d0e0f10111213 128
for n in "$@"; do
	sas "$n"
	load sa "$n"
done
if [ "$NSP" -gt 0 ]; then
	sps "$NSP"
	load sp "$NSP"
fi
GUEST

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
ncpu=$(grep -c '^processor' /proc/cpuinfo)
qemu=$(qemu-system-x86_64 --version 2>/dev/null | head -1)
echo "kernel_bench: host $cpu ($ncpu CPUs), $(uname -sr)"
echo "kernel_bench: guest under $qemu, TCG (-accel tcg -cpu max, 1 CPU," \
    "$MEM MiB)"
echo "kernel_bench: setkey $("$TOP/setkey/setkey" -V 2>&1 | head -1)," \
    "$(ip -V 2>&1 | head -1)"
echo "kernel_bench: each under ip netns exec NS: load: setkey -B xfrm -f" \
    "sa.setkey | ip -batch sa.ip; dump: setkey -B xfrm -D[P] >/dev/null |" \
    "ip xfrm state|policy list >/dev/null"
sh "$TOP/tests/vm/vmrun.sh" -m "$MEM" -t "${KERNEL_BENCH_TIMEOUT:-3000}" \
    -f "$TOP/setkey/setkey:/usr/local/sbin/setkey" \
    "$WORK/guest.sh" "$RUNS" "$NSP" $SAS >"$WORK/out" 2>"$WORK/err" || {
	cat "$WORK/out" "$WORK/err" >&2
	echo "kernel_bench: the guest failed" >&2
	exit 1
}
grep -v '^result ' "$WORK/out" | sed 's/^/kernel_bench: /'
echo
printf '%-6s %-9s %7s %12s %12s %7s %5s\n' what kind count "setkey ms" \
    "iproute2 ms" ratio runs
awk '$1 == "result" {
	r = $6 > 0 ? sprintf("%.2f", $5 / $6) : "-"
	printf("%-6s %-9s %7d %12d %12d %7s %5d\n", $2,
	    $3 == "sa" ? "SAs" : "policies", $4, $5, $6, r, $7)
}' "$WORK/out"
