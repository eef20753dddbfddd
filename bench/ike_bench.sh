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

# ike_bench.sh: racoon-ng's DH and IKEv1 crypto (ike_bench.c) next to
# OpenSSL's own figure for the same machine, `openssl speed ffdh2048`.
#
# Run from the top of a built tree (bmake -f BSDmakefile, then
# cd bench && bmake -f BSDmakefile ike_bench):
#
#	sh bench/ike_bench.sh [-s seconds] [ike_bench options]
#
# -s sets how long `openssl speed` runs (default 3).  Both run on one
# core: ike_bench pins itself, openssl speed is pinned with taskset when
# there is one.  Note what each counts: openssl speed ffdh2048 times
# EVP_PKEY_derive() alone, on RFC 7919 ffdhe2048 keys made beforehand;
# ike_bench's "kg+derive/s" is a fresh keypair plus the derive, which is
# what each side of a negotiation pays.  On a shared machine, check the
# load line first and run twice.

set -eu

prog=$(cd "$(dirname "$0")" && pwd)/ike_bench
secs=3

if [ $# -ge 2 ] && [ "$1" = "-s" ]; then
	secs=$2
	shift 2
fi

if [ ! -x "$prog" ]; then
	echo "ike_bench.sh: $prog not built" \
	    "(cd bench && bmake -f BSDmakefile ike_bench)" >&2
	exit 1
fi

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || true)
echo "# ${cpu:-unknown CPU}, $(nproc 2>/dev/null || echo '?') CPUs," \
    "load ${load:-?}"
echo "# $(uname -sr); $(openssl version 2>/dev/null || echo 'openssl: ?')"
echo "# $prog $*"
"$prog" "$@"

echo "# openssl speed -seconds $secs ffdh2048"
if command -v taskset >/dev/null 2>&1; then
	pin="taskset -c 0"
else
	pin=
fi
$pin openssl speed -seconds "$secs" ffdh2048 2>/dev/null |
    awk '/ffdh/ && /bits/ { print "openssl speed ffdh2048 (derive only):",
	$NF, "op/s" }'
