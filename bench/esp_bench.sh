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

# esp_bench.sh: the ESP engine benchmark (esp_bench.c) with the machine
# described, and a profile of the engine when asked.
#
# Run from the top of a built tree (bmake -f BSDmakefile, then
# cd bench && bmake -f BSDmakefile esp_bench):
#
#	sh bench/esp_bench.sh [esp_bench options]
#		the table, after the CPU model, core count, load and
#		library versions;
#	sh bench/esp_bench.sh -P [-o DIR] [esp_bench options]
#		also a perf(1) profile of the same run (perf record -g,
#		then the top of `perf report --no-children' by symbol and
#		by shared object), saved under DIR (default: a new
#		directory under TMPDIR).  Narrow the run with esp_bench's
#		options, e.g.  -a aes128-gcm -s 1400 -b ipsecmb -t 3000 -r 1
#		-n -m engine -d out (in-place output alone).
#
# The numbers are for one core: esp_bench pins itself to the CPU it
# starts on (or -c CPU).  On a shared machine, run it twice; the best of
# several rounds (-r) hides only short interruptions.

set -eu

prog=$(cd "$(dirname "$0")" && pwd)/esp_bench
profile=0
outdir=

# Our options come first; esp_bench has no -P or -o of its own.
while [ $# -gt 0 ]; do
	case $1 in
	-P)	profile=1; shift ;;
	-o)	if [ $# -lt 2 ]; then
			echo "esp_bench.sh: -o needs a directory" >&2
			exit 1
		fi
		outdir=$2; shift 2 ;;
	*)	break ;;
	esac
done

if [ ! -x "$prog" ]; then
	echo "esp_bench.sh: $prog not built" \
	    "(cd bench && bmake -f BSDmakefile esp_bench)" >&2
	exit 1
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)
echo "# ${cpu:-unknown CPU}, $(nproc) CPUs, load ${load:-?}"
echo "# $(uname -sr); $(openssl version 2>/dev/null || echo 'openssl: ?')"
if command -v dpkg-query >/dev/null 2>&1; then
	imbver=$(dpkg-query -W -f '${Version}' libipsec-mb1 2>/dev/null ||
	    echo 'not installed')
	echo "# IPsec-MB $imbver"
fi
echo "# $prog $*"

if [ $profile -eq 0 ]; then
	exec "$prog" "$@"
fi

if ! command -v perf >/dev/null 2>&1; then
	echo "esp_bench.sh: perf not found" >&2
	exit 1
fi
if [ -z "$outdir" ]; then
	outdir=$(mktemp -d "${TMPDIR:-/tmp}/esp_bench.XXXXXX")
fi
mkdir -p "$outdir"
perf record -q -g -o "$outdir/perf.data" -- "$prog" "$@"
echo "# profile: $outdir/perf.data"
echo "# by symbol (self time)"
perf report -i "$outdir/perf.data" --no-children --stdio \
    --sort symbol 2>/dev/null | grep -v '^#' | grep '%' | head -40 |
    tee "$outdir/symbols.txt"
echo "# by shared object (self time)"
perf report -i "$outdir/perf.data" --no-children --stdio --sort dso \
    2>/dev/null | grep -v '^#' | grep '%' | head -15 |
    tee "$outdir/dsos.txt"
