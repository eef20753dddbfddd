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

# sadbd data plane throughput: iperf3 TCP between two network namespaces
# joined by a veth pair, first over the plain veth, then through the
# userspace ESP engine (sadbd -i tun0 in each namespace, AES-128-GCM,
# ESP in UDP), in transport mode (host to host, the peer's address
# routed into tun0 for all but sadbd's marked packets) or tunnel mode
# (the TUN addresses 10.1.0.1 and 10.2.0.1 as the inner networks).
# Prints Gbit/s (iperf3's receiver figure) of each run and their ratio.
# Both namespaces share the machine's CPUs: the figure includes the
# encrypting and the decrypting side, and both TCP stacks.
#
# Run as root from the top of a built tree:
#
#	sh bench/dataplane_bench.sh [-m transport|tunnel] [-t seconds]
#	    [-P streams] [-T workers] [-E backend] [-e alg] [-O] [-r]
#	    [-p perf.data]
#
#   -m	mode (transport)		-t  iperf3 seconds per run (10)
#   -P	parallel TCP streams (1)	-T  sadbd workers (one per CPU)
#   -E	crypto backend (auto)		-O  sadbd without offloads
#   -e	ESP algorithm: gcm128 (default), gcm256, chacha, cbcsha256
#   -r	raw ESP (sadbd -R) instead of ESP in UDP
#   -p	record both sadbd processes with perf record -g into FILE
#	(perf report -i FILE --no-children shows where the time goes)

set -eu

TOP=$(cd "$(dirname "$0")/.." && pwd)
SADBD=$TOP/sadbd/sadbd
SETKEY=$TOP/setkey/setkey
MODE=transport
SECS=10
STREAMS=1
WORKERS=
BACKEND=auto
ALG=gcm128
OFFLOAD=
RAW=
PERF=

while getopts m:t:P:T:E:e:Orp: o; do
	case $o in
	m)	MODE=$OPTARG ;;
	t)	SECS=$OPTARG ;;
	P)	STREAMS=$OPTARG ;;
	T)	WORKERS="-T $OPTARG" ;;
	E)	BACKEND=$OPTARG ;;
	e)	ALG=$OPTARG ;;
	O)	OFFLOAD=-O ;;
	r)	RAW=-R ;;
	p)	PERF=$OPTARG ;;
	*)	sed -n '/^# Run as root/,/^$/p' "$0" >&2; exit 1 ;;
	esac
done
case $MODE in transport|tunnel) ;; *) echo "bad mode $MODE" >&2; exit 1 ;;
esac
[ "$(id -u)" = 0 ] || { echo "dataplane_bench: needs root" >&2; exit 1; }
[ -x "$SADBD" ] && [ -x "$SETKEY" ] ||
    { echo "dataplane_bench: build the tree first" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "no iperf3" >&2; exit 1; }

P=dpb$$
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dataplane_bench.XXXXXX")
PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	sleep 0.3
	ip netns del ${P}a 2>/dev/null || true
	ip netns del ${P}b 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM

# Keys: N hex digits of a fixed pattern (a benchmark needs no secrets).
key() {
	printf '0x%s' "$(printf '%s' 000102030405060708090a0b0c0d0e0f \
	    101112131415161718191a1b1c1d1e1f 202122232425262728292a2b2c2d2e2f \
	    303132333435363738393a3b3c3d3e3f | cut -c"$1"-"$(($1 + $2 - 1))")"
}
case $ALG in
gcm128)	KA="-E aes-gcm-16 $(key 1 40)"
	KB="-E aes-gcm-16 $(key 41 40)" ;;
gcm256)	KA="-E aes-gcm-16 $(key 1 72)"
	KB="-E aes-gcm-16 $(key 41 72)" ;;
chacha)	KA="-E chacha20-poly1305 $(key 1 72)"
	KB="-E chacha20-poly1305 $(key 41 72)" ;;
cbcsha256)
	KA="-E aes-cbc $(key 1 32) -A hmac-sha2-256 $(key 33 64)"
	KB="-E aes-cbc $(key 41 32) -A hmac-sha2-256 $(key 65 64)" ;;
*)	echo "bad algorithm $ALG" >&2; exit 1 ;;
esac

for n in a b; do
	ip netns add $P$n
	ip -n $P$n link set lo up
	ip netns exec $P$n sysctl -qw net.ipv4.conf.all.rp_filter=0
	ip netns exec $P$n sysctl -qw net.ipv4.conf.default.rp_filter=0
done
ip link add va netns ${P}a type veth peer name vb netns ${P}b
ip -n ${P}a addr add 10.0.0.1/24 dev va
ip -n ${P}b addr add 10.0.0.2/24 dev vb
ip -n ${P}a link set va up
ip -n ${P}b link set vb up

# iperf3 from a to DST; prints the receiver's Gbit/s.
run_iperf() {
	ip netns exec ${P}b iperf3 -s -1 -B "$1" >/dev/null 2>&1 &
	sp=$!
	sleep 0.5
	ip netns exec ${P}a iperf3 -c "$1" -t "$SECS" -P "$STREAMS" -J \
	    > "$DIR/iperf.json"
	wait $sp || true
	python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print("%.2f" % (j["end"]["sum_received"]["bits_per_second"] / 1e9))
' "$DIR/iperf.json"
}

echo "dataplane_bench: $(nproc) CPUs, $(uname -r), mode $MODE, $ALG," \
    "${STREAMS} stream(s), ${SECS} s"
PLAIN=$(run_iperf 10.0.0.2)
echo "plain veth:        $PLAIN Gbit/s"

# The engine.
for n in a b; do
	ip -n $P$n tuntap add dev tun0 mode tun multi_queue
	ip -n $P$n link set tun0 mtu 1400 up
	ip netns exec $P$n sysctl -qw net.ipv4.conf.tun0.rp_filter=0
done
if [ $MODE = transport ]; then
	IA=10.0.0.1
	IB=10.0.0.2
	for n in a b; do
		ip -n $P$n rule add not fwmark 0x5adb table 100 pref 100
	done
	ip -n ${P}a route add 10.0.0.2 dev tun0 src 10.0.0.1 table 100
	ip -n ${P}b route add 10.0.0.1 dev tun0 src 10.0.0.2 table 100
	SA_A="add 10.0.0.1 10.0.0.2 esp 0x1001 -m transport -r 64 $KA;
add 10.0.0.2 10.0.0.1 esp 0x2001 -m transport -r 64 $KB;"
	SP_A="spdadd 10.0.0.1 10.0.0.2 any -P out ipsec
    esp/transport//require;
spdadd 10.0.0.2 10.0.0.1 any -P in ipsec esp/transport//require;"
	SP_B="spdadd 10.0.0.2 10.0.0.1 any -P out ipsec
    esp/transport//require;
spdadd 10.0.0.1 10.0.0.2 any -P in ipsec esp/transport//require;"
else
	IA=10.1.0.1
	IB=10.2.0.1
	ip -n ${P}a addr add 10.1.0.1/32 dev tun0
	ip -n ${P}b addr add 10.2.0.1/32 dev tun0
	ip -n ${P}a route add 10.2.0.0/24 dev tun0 src 10.1.0.1
	ip -n ${P}b route add 10.1.0.0/24 dev tun0 src 10.2.0.1
	SA_A="add 10.0.0.1 10.0.0.2 esp 0x1001 -m tunnel -r 64 $KA;
add 10.0.0.2 10.0.0.1 esp 0x2001 -m tunnel -r 64 $KB;"
	SP_A="spdadd 10.1.0.0/24 10.2.0.0/24 any -P out ipsec
    esp/tunnel/10.0.0.1-10.0.0.2/require;
spdadd 10.2.0.0/24 10.1.0.0/24 any -P in ipsec
    esp/tunnel/10.0.0.2-10.0.0.1/require;"
	SP_B="spdadd 10.2.0.0/24 10.1.0.0/24 any -P out ipsec
    esp/tunnel/10.0.0.2-10.0.0.1/require;
spdadd 10.1.0.0/24 10.2.0.0/24 any -P in ipsec
    esp/tunnel/10.0.0.1-10.0.0.2/require;"
fi
for n in a b; do
	# shellcheck disable=SC2086
	ip netns exec $P$n "$SADBD" -F -J off -s "$DIR/$n.sock" -i tun0 \
	    -E "$BACKEND" $WORKERS $OFFLOAD $RAW > "$DIR/$n.log" 2>&1 &
	PIDS="$PIDS $!"
	echo $! > "$DIR/$n.pid"
done
for n in a b; do
	i=0
	until [ -S "$DIR/$n.sock" ]; do
		i=$((i + 1))
		[ $i -lt 500 ] || { cat "$DIR/$n.log"; exit 1; }
		sleep 0.01
	done
done
printf '%s\n' "$SA_A" "$SP_A" | ip netns exec ${P}a "$SETKEY" \
    -B "sadbd:$DIR/a.sock" -c
printf '%s\n' "$SA_A" "$SP_B" | ip netns exec ${P}b "$SETKEY" \
    -B "sadbd:$DIR/b.sock" -c
ip netns exec ${P}a ping -c 1 -W 2 -I $IA $IB >/dev/null ||
    { echo "dataplane_bench: no traffic through the engine" >&2;
    cat "$DIR/a.log" >&2; exit 1; }

PERFPID=
if [ -n "$PERF" ]; then
	perf record -g -o "$PERF" \
	    -p "$(cat "$DIR/a.pid"),$(cat "$DIR/b.pid")" \
	    >"$DIR/perf.log" 2>&1 &
	PERFPID=$!
	sleep 0.5
fi
ESP=$(run_iperf $IB)
if [ -n "$PERFPID" ]; then
	kill -INT $PERFPID
	wait $PERFPID || true
fi
echo "ESP ($ALG, sadbd): $ESP Gbit/s"
python3 -c 'import sys; print("ratio:             %.2f" %
    (float(sys.argv[1]) / float(sys.argv[2])))' "$ESP" "$PLAIN"
for n in a b; do
	kill -USR1 "$(cat "$DIR/$n.pid")"
done
sleep 0.3
for n in a b; do
	tr ' ' '\n' < "$DIR/$n.log" | grep -E '^(tso_segments|gro_merged|'\
'gso_sends|send_errors|in_replay|in_auth)=' |
	    tail -6 | tr '\n' ' ' | sed "s/^/  sadbd $n: /"
	echo
	grep 'dataplane: sa ' "$DIR/$n.log" | tail -2 |
	    awk -v n=$n '{ print "  sadbd " n ": SA " $4 " " $5 " " $6 }'
done
