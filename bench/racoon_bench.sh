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

# racoon_bench.sh: complete IKEv1 negotiations per second, racoon-ng
# against racoon-ng on this machine, and the memory an established phase 1
# SA costs the ike process: the counterpart of charon_bench.sh.
#
#	sh bench/racoon_bench.sh [-n NEGOTIATIONS] [-r ROUNDS] [-j PARALLEL]
#	    [-g GROUP]
#
# (root, from the top of a built tree.)  One negotiation is a main mode
# (PSK, address identities, aes128-sha256 with the DH GROUP, modp2048 by
# default) and a quick mode (ESP transport, aes128 with hmac-sha256, no
# PFS) whose SA pair is installed in each side's sadbd.  Both daemons run
# on this machine, unpinned, sharing its cores, each with a sadbd of its
# own without a data plane (SADB only: no traffic is sent), and log at
# the default level (no -d).
#
# The responder listens on 127.0.0.2[500] with one "remote anonymous"
# (passive, generate_policy on) and a PSK per initiator address.  The
# initiator listens on the wildcard (ports 5500/5501) and is asked for
# NEGOTIATIONS (1000) SAs, each from an address of its own (127.1.x.y:
# every one a distinct peer for the responder, so each needs its own main
# mode), by `racoonctl establish-sa -w esp inet 127.1.x.y 127.0.0.2`,
# PARALLEL (32) at a time (xargs -P).  The figure: NEGOTIATIONS / the wall
# time from the first request to the last answer; the round fails unless
# every request printed its "Phase 2 established" and each sadbd then holds
# 2 * NEGOTIATIONS SAs.  The racoonctl processes are part of the load
# (one fork and exec per SA, as a script would do it).
#
# The CPU time of the daemons themselves (both racoon-ng's three
# processes and both sadbd, from /proc, racoonctl and xargs not counted)
# is shown too, per negotiation: what the rate would be per core without
# the driver and other load.
#
# Memory: the RSS of each ike process (the one that holds the SAs) before
# the first round and after it, with NEGOTIATIONS phase 1 and phase 2 SAs
# established; the delta divided by NEGOTIATIONS is the cost of one
# established negotiation (phase 1 SA, its quick mode's records).
#
# Each of ROUNDS (3) rounds starts both daemons afresh.  Check the load
# line first: the figure is only meaningful on an otherwise idle machine.

set -eu

n=1000
rounds=3
par=32
group=modp2048

while getopts n:r:j:g: o; do
	case $o in
	n)	n=$OPTARG ;;
	r)	rounds=$OPTARG ;;
	j)	par=$OPTARG ;;
	g)	group=$OPTARG ;;
	*)	echo "usage: racoon_bench.sh [-n negotiations] [-r rounds]" \
		    "[-j parallel] [-g group]" >&2
		exit 1 ;;
	esac
done

top=$(cd "$(dirname "$0")/.." && pwd)
RACOON=$top/racoon-ng/daemon/racoon-ng
CTL=$top/racoon-ng/racoonctl/racoonctl
SADBD=$top/sadbd/sadbd
SETKEY=$top/setkey/setkey
for x in "$RACOON" "$CTL" "$SADBD" "$SETKEY"; do
	[ -x "$x" ] || { echo "racoon_bench.sh: $x is not built" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "racoon_bench.sh: run as root" >&2; exit 1; }
[ "$n" -ge 1 ] && [ "$n" -le 60000 ] ||
    { echo "racoon_bench.sh: -n: 1 to 60000" >&2; exit 1; }

W=$(mktemp -d /tmp/racoon_bench.XXXXXX)
chmod 755 "$W"
pids=""

cleanup()
{
	for p in $pids; do
		kill -TERM "$p" 2>/dev/null || true
	done
	sleep 0.3
	for p in $pids; do
		kill -KILL "$p" 2>/dev/null || true
	done
	pids=""
}
trap 'cleanup; rm -rf "$W"' EXIT
trap 'exit 1' INT TERM

# The initiator address of negotiation j (0-based).
addr()
{
	echo "127.1.$(($1 / 250)).$(($1 % 250 + 1))"
}

conf()
{
	# $1: i or r
	local d=$W/$1
	mkdir -p "$d/empty"
	if [ "$1" = i ]; then
		listen="adminsock \"$d/ctl.sock\" \"root\" \"root\" 0600;"
		remote="127.0.0.2"
		extra=""
	else
		listen="isakmp 127.0.0.2; isakmp_natt 127.0.0.2;
	adminsock \"$d/ctl.sock\" \"root\" \"root\" 0600;"
		remote="anonymous"
		extra="passive on; generate_policy on;"
	fi
	cat > "$d/racoon-ng.conf" <<EOF
path pre_shared_key "$d/psk.txt";
path pidfile "$d/racoon-ng.pid";
privsep { user "nobody"; chroot "$d/empty"; }
listen {
	$listen
}
timer { counter 5; interval 5 sec; phase1 60 sec; phase2 60 sec; }
remote $remote {
	exchange_mode main;
	nat_traversal off;
	$extra
	proposal {
		encryption_algorithm aes 128;
		hash_algorithm sha256;
		authentication_method pre_shared_key;
		dh_group $group;
	}
}
sainfo anonymous {
	encryption_algorithm aes 128;
	authentication_algorithm hmac_sha256;
}
EOF
}

# CPU time (clock ticks, user + system) of the given processes.
cpu_ticks()
{
	local p t=0
	for p in "$@"; do
		t=$((t + $(sed 's/.*) //' "/proc/$p/stat" |
		    awk '{ print $12 + $13 }')))
	done
	echo $t
}

ca_pid()
{
	sed -n 's/.*started: ike pid [0-9]*, ca pid \([0-9]*\),.*/\1/p' "$1"
}

rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

ike_pid()
{
	sed -n 's/.*started: ike pid \([0-9]*\),.*/\1/p' "$1"
}

start()
{
	local k
	for k in i r; do
		rm -f "$W/$k/sadbd.sock" "$W/$k/ctl.sock"
		"$SADBD" -F -J off -s "$W/$k/sadbd.sock" > "$W/$k/sadbd.log" \
		    2>&1 &
		pids="$pids $!"
	done
	for k in i r; do
		until [ -S "$W/$k/sadbd.sock" ]; do sleep 0.05; done
	done
	"$RACOON" -F -f "$W/r/racoon-ng.conf" -B "sadbd:$W/r/sadbd.sock" \
	    > "$W/r/rn.log" 2>&1 &
	pids="$pids $!"
	"$RACOON" -F -f "$W/i/racoon-ng.conf" -p 5500 -P 5501 \
	    -B "sadbd:$W/i/sadbd.sock" > "$W/i/rn.log" 2>&1 &
	pids="$pids $!"
	for k in i r; do
		t=0
		until [ -S "$W/$k/ctl.sock" ] &&
		    grep -q 'started: ike pid' "$W/$k/rn.log"; do
			t=$((t + 1))
			if [ $t -gt 200 ]; then
				cat "$W/$k/rn.log" >&2
				echo "racoon_bench.sh: racoon-ng did not start" >&2
				exit 1
			fi
			sleep 0.05
		done
	done
}

sa_count()
{
	SADBD_SOCKET="$W/$1/sadbd.sock" "$SETKEY" -B sadbd -D 2>/dev/null |
	    grep -c '^	*esp mode' || true
}

mkdir -p "$W/i" "$W/r"
conf i
conf r
echo "127.0.0.2 racoon-bench-secret" > "$W/i/psk.txt"
j=0
: > "$W/r/psk.txt"
: > "$W/list"
while [ $j -lt "$n" ]; do
	a=$(addr $j)
	echo "$a racoon-bench-secret" >> "$W/r/psk.txt"
	echo "$a" >> "$W/list"
	j=$((j + 1))
done
chmod 600 "$W/i/psk.txt" "$W/r/psk.txt"

cpu=$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')
echo "# ${cpu:-unknown CPU}, $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $(uname -sr); $(openssl version 2>/dev/null || echo 'openssl: ?')"
echo "# racoon-ng <-> racoon-ng: $n negotiations (main mode $group" \
    "aes128-sha256 PSK + quick mode esp aes128/hmac-sha256)," \
    "$par at a time, $rounds rounds"

best=""
r=1
while [ $r -le "$rounds" ]; do
	start
	ii=$(ike_pid "$W/i/rn.log")
	ir=$(ike_pid "$W/r/rn.log")
	m0i=$(rss_kb "$ii")
	m0r=$(rss_kb "$ir")
	daemons="$pids $ii $ir $(ca_pid "$W/i/rn.log") $(ca_pid "$W/r/rn.log")"
	c0=$(cpu_ticks $daemons)
	t0=$(date +%s.%N)
	xargs -P "$par" -I@ "$CTL" -s "$W/i/ctl.sock" es -w esp inet @ \
	    127.0.0.2 < "$W/list" > "$W/out" 2>&1 || true
	t1=$(date +%s.%N)
	c1=$(cpu_ticks $daemons)
	ok=$(grep -c '^Phase 2 established' "$W/out" || true)
	m1i=$(rss_kb "$ii")
	m1r=$(rss_kb "$ir")
	si=$(sa_count i)
	sr=$(sa_count r)
	rate=$(echo "$t0 $t1 $n" | awk '{ printf "%.1f", $3 / ($2 - $1) }')
	secs=$(echo "$t0 $t1" | awk '{ printf "%.3f", $2 - $1 }')
	echo "round $r: $n negotiations in $secs s: $rate/s" \
	    "(established $ok, SAs: initiator $si, responder $sr)"
	hz=$(getconf CLK_TCK)
	echo "round $r: CPU of both racoon-ng and sadbd (all processes):" \
	    "$(echo "$c0 $c1 $hz $n" | awk '{ printf "%.3f s, %.0f us per negotiation (%.0f/s per core)", ($2 - $1) / $3, ($2 - $1) * 1e6 / $3 / $4, ($2 > $1) ? $4 * $3 / ($2 - $1) : 0 }')"
	echo "round $r: ike RSS initiator $m0i -> $m1i kB" \
	    "($(echo "$m0i $m1i $n" | awk '{ printf "%.0f", ($2 - $1) * 1024 / $3 }') B/SA)," \
	    "responder $m0r -> $m1r kB" \
	    "($(echo "$m0r $m1r $n" | awk '{ printf "%.0f", ($2 - $1) * 1024 / $3 }') B/SA)"
	if [ "$ok" -ne "$n" ] || [ "$si" -ne $((2 * n)) ] ||
	    [ "$sr" -ne $((2 * n)) ]; then
		echo "round $r FAILED" >&2
		grep -v '^Phase 2 established' "$W/out" | sort | uniq -c |
		    head -5 >&2
		tail -5 "$W/i/rn.log" "$W/r/rn.log" >&2
		cleanup
		exit 1
	fi
	best=$(echo "${best:-0} $rate" | awk '{ print ($2 > $1) ? $2 : $1 }')
	cleanup
	r=$((r + 1))
done
echo "best: $best negotiations/s"
