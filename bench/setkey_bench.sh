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

# setkey load benchmark: a script of N `add' statements (AES-GCM tunnel
# SAs, distinct addresses and SPIs) and N/10 `spdadd' statements is
# loaded into a fresh sadbd, once with the default durable journal
# (-J full: fdatasync per group commit) and once with -J none, and parsed
# offline with `setkey -n'.  Prints statements per second; the target is
# 100000 SAs loaded in under 2 s.
#
# Run from the top of a built tree (cd .. && bmake -f BSDmakefile):
#
#	sh bench/setkey_bench.sh [N]		(N defaults to 100000)
#
# SETKEY_BENCH_DIR puts the state directory (and so the journal) on the
# file system to measure; the default is a new directory under TMPDIR.
# Needs no privileges: sadbd runs as the invoking user.

set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
SETKEY=$TOP/setkey/setkey
SADBD=$TOP/sadbd/sadbd
N=${1:-100000}
NSP=$((N / 10))

[ -x "$SETKEY" ] && [ -x "$SADBD" ] ||
    { echo "setkey_bench: build the tree first" >&2; exit 1; }

DIR=$(mktemp -d "${SETKEY_BENCH_DIR:-${TMPDIR:-/tmp}}/setkey_bench.XXXXXX")
PID=
cleanup() {
	if [ -n "$PID" ]; then
		kill "$PID" 2>/dev/null || true
	fi
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Milliseconds since the epoch (GNU date; python3 elsewhere).
now_ms() {
	t=$(date +%s%N 2>/dev/null)
	case "$t" in
	*N|'')	python3 -c 'import time; print(int(time.time() * 1000))' ;;
	*)	echo $((t / 1000000)) ;;
	esac
}

# N adds and N/10 spdadds, one per line, all distinct.
awk -v n="$N" -v nsp="$NSP" 'BEGIN {
	for (i = 0; i < n; i++)
		printf("add 10.%d.%d.%d 10.255.0.1 esp %d -m tunnel -u %d " \
		    "-E aes-gcm-16 0x%08x%08x%08x%08x%08x;\n",
		    int(i / 65536) % 256, int(i / 256) % 256, i % 256,
		    65536 + i, i % 16000 + 1, i, i * 7, i * 13, i * 17, i);
	for (i = 0; i < nsp; i++)
		printf("spdadd 10.%d.%d.0/24 10.254.0.0/16 any -P out ipsec " \
		    "esp/tunnel/10.%d.%d.1-10.255.0.1/require;\n",
		    int(i / 256) % 256, i % 256, int(i / 256) % 256, i % 256);
}' >"$DIR/load.conf"
TOTAL=$((N + NSP))

rate() {
	# statements, milliseconds
	if [ "$2" -gt 0 ]; then
		echo $(($1 * 1000 / $2))
	else
		echo "inf"
	fi
}

# One load into a fresh daemon with journal mode $1.
load() {
	mode=$1
	rm -rf "$DIR/state" "$DIR/sock"
	"$SADBD" -F -J "$mode" -s "$DIR/sock" -S "$DIR/state" \
	    -p "$DIR/sadbd.pid" >"$DIR/sadbd.log" 2>&1 &
	PID=$!
	i=0
	while [ ! -S "$DIR/sock" ]; do
		i=$((i + 1))
		[ $i -gt 500 ] && { echo "sadbd did not start:" >&2;
		    cat "$DIR/sadbd.log" >&2; exit 1; }
		sleep 0.01
	done
	t0=$(now_ms)
	"$SETKEY" -B "sadbd:$DIR/sock" -f "$DIR/load.conf"
	t1=$(now_ms)
	ms=$((t1 - t0))
	n=$("$SETKEY" -B "sadbd:$DIR/sock" -D -o json | wc -l)
	[ "$n" -eq "$N" ] ||
	    { echo "only $n of $N SAs were loaded" >&2; exit 1; }
	printf '%-34s %6d ms  %8s statements/s  (%d SAs, %d policies)\n' \
	    "setkey -f, sadbd -J $mode:" "$ms" "$(rate $TOTAL $ms)" "$N" \
	    "$NSP"
	kill "$PID"
	wait "$PID" 2>/dev/null || true
	PID=
}

echo "setkey_bench: $N add + $NSP spdadd; $(uname -srm)," \
    "$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs," \
    "state in $DIR"
t0=$(now_ms)
"$SETKEY" -n -f "$DIR/load.conf" >/dev/null
t1=$(now_ms)
ms=$((t1 - t0))
printf '%-34s %6d ms  %8s statements/s\n' "setkey -n (parse and print):" \
    "$ms" "$(rate $TOTAL $ms)"
load full
load none
