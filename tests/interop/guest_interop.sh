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

# Guest side of interop_test (runs under vmrun.sh with vmlib.sh,
# interop.combos, tcpx and encap_sock; see interop_test.sh for what it
# proves).
#
# usage: guest_interop.sh PEER [NAME...]
#
# PEER is what namespace b is: `sadbd', pfkeykit's userspace engine
# (sadbd -i tun0, keyed with setkey -B sadbd:SOCKET), or `kernel', the
# kernel again (setkey -B xfrm), the reference run that shows that the
# configurations and the checks are right on their own.  Namespace a is
# always the kernel, keyed with setkey -B xfrm.  NAMEs pick combinations
# of interop.combos (default: all), each run in turn in this one boot:
#
#   - render its SAs and policies (into /out/NAME), start sadbd for it
#     (its own options from interop.combos: -R for raw ESP, a crypto
#     backend, no offloads, workers), key a and b;
#   - check that both sides hold what was asked for (ESN, the replay
#     window), and that with sadbd the kernel in b holds no XFRM state
#     or policy at all;
#   - ping and a TCP echo (tcpx) each way, between a and b (transport
#     mode) or between ha and hb behind them (tunnel mode), captured on
#     the wire in ns obs;
#   - check: all the traffic came through; the kernel counted packets on
#     both SAs, no integrity failure and no XFRM error; b counted packets
#     in on a -> b and out on b -> a, dropped none, with the crypto
#     backend asked for, and sadbd's data plane counted no error; every
#     IP packet on the wire was ESP between a and b (or ESP in UDP
#     between their ports 4500), both ways: no plaintext;
#   - negative control: flush, key again with a wrong key for b -> a on
#     a and for a -> b on b: pings fail both ways, the kernel counts
#     XfrmInStateProtoError and an integrity failure on its SA, b an
#     authentication drop on the other (and sadbd in_auth);
#   - flush, stop sadbd (it must still run, exit 0, and have logged no
#     sanitizer report).
#
# Output: per combination the steps and "combo NAME: ok" or "FAIL NAME:
# ..." lines (failed combinations leave ip xfrm, xfrm_stat and sadbd's
# log in /out/NAME); "interop done" when every combination has run,
# failed or not.  Exit status 0 then, 1 if the set-up itself failed.

set -u
. /in/vmlib.sh

PEER=${1:?usage: guest_interop.sh sadbd|kernel [NAME...]}
shift
COMBOS=/in/interop.combos
COUNT=${COUNT:-2}
SIZE=${SIZE:-32768}
SOCK=/run/sadbd-b.sock
TUN=tun0
# The mark on sadbd's own (outer) packets: they are routed by the main
# table, everything else of b's towards a through the TUN device.
MARK=0x5adb

case $PEER in
sadbd|kernel) ;;
*) vm_fail "unknown peer $PEER" ;;
esac

PIDS='' SADBD_PID=''
cleanup() {
	for p in $PIDS $SADBD_PID; do
		kill "$p" 2>/dev/null
	done
	true
}
trap cleanup EXIT

# ---------------------------------------------------------------- network

vm_netns3

# host NAME GW GWIF ADDR4 GW4 ADDR6 GW6: a host behind gateway GW, with a
# 1400-byte MTU so that tunnel-mode ESP fits the gateways' 1500.
host() {
	n=$1 gw=$2 gwif=$3
	ip netns add "$n" || vm_fail "ip netns add $n"
	ip -n "$n" link set lo up
	ip link add eth0 netns "$n" mtu 1400 type veth peer name "$gwif" \
	    netns "$gw" mtu 1400 || vm_fail "veth $n"
	ip -n "$n" addr add "$4/24" dev eth0
	ip -n "$n" addr add "$6/64" dev eth0 nodad
	ip -n "$n" link set eth0 up
	ip -n "$gw" addr add "$5/24" dev "$gwif"
	ip -n "$gw" addr add "$7/64" dev "$gwif" nodad
	ip -n "$gw" link set "$gwif" up
	ip -n "$n" route add default via "$5"
	ip -n "$n" -6 route add default via "$7"
	ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
	ip netns exec "$gw" sysctl -qw net.ipv6.conf.all.forwarding=1
}
host ha a la 10.1.0.2 10.1.0.1 fd01::2 fd01::1
host hb b lb 10.2.0.2 10.2.0.1 fd02::2 fd02::1
ip -n a route add 10.2.0.0/24 via "$VM_B4"
ip -n a -6 route add fd02::/64 via "$VM_B6"

# bg NS LOG CMD...: start CMD in NS, wait for its first line of output.
bg() {
	ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	pid=$!
	PIDS="$PIDS $pid"
	n=0
	until [ -s "$log" ]; do
		n=$((n + 1))
		if [ $n -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
			cat "$log" >&2
			vm_fail "$ns: $* did not start"
		fi
		sleep 0.05
	done
}

# Linux decapsulates ESP in UDP only on a socket that asked for it, as
# an IKE daemon's does.  Its per-socket policies need a key manager
# loaded (xfrm_user), which otherwise only the first setkey -B xfrm loads.
modprobe xfrm_user || vm_fail "modprobe xfrm_user"
bg a /tmp/encap-a.log encap_sock 4500
grep -q '^ready$' /tmp/encap-a.log ||
    vm_fail "encap_sock in a: $(cat /tmp/encap-a.log)"

if [ "$PEER" = kernel ]; then
	bg b /tmp/encap-b.log encap_sock 4500
	grep -q '^ready$' /tmp/encap-b.log ||
	    vm_fail "encap_sock in b: $(cat /tmp/encap-b.log)"
	ip -n b route add 10.1.0.0/24 via "$VM_A4"
	ip -n b -6 route add fd01::/64 via "$VM_A6"
fi

# ---------------------------------------------------------------- peer b

# b_setkey ARGS...: setkey for b.
b_setkey() {
	if [ "$PEER" = kernel ]; then
		ip netns exec b setkey -B xfrm "$@"
	else
		ip netns exec b setkey -B "sadbd:$SOCK" "$@"
	fi
}

# b_start ENCAP: make b ready for a combination.  sadbd: start the data
# plane (raw IP sockets with -R for esp; for udp only its UDP socket on
# 4500, which it always has), then route through its TUN device what the
# policies protect: the network behind a (tunnel mode), and b's own
# packets to a (transport mode), except the engine's own packets, which
# carry MARK and take the main table.
b_start() {
	[ "$PEER" = kernel ] && return 0
	dpopt=
	[ "$1" = esp ] && dpopt=-R
	: >/tmp/sadbd.log
	# shellcheck disable=SC2086 # dpopt: one option or none
	ip netns exec b sadbd -F -J off -s "$SOCK" -i "$TUN" -M "$MARK" \
	    $SADBD_OPTS $dpopt >/tmp/sadbd.log 2>&1 &
	SADBD_PID=$!
	n=0
	until grep -q 'data plane on' /tmp/sadbd.log && [ -S "$SOCK" ]; do
		n=$((n + 1))
		if [ $n -gt 300 ] || ! kill -0 "$SADBD_PID" 2>/dev/null; then
			echo "  sadbd did not start: $(tr '\n' ' ' </tmp/sadbd.log)"
			return 1
		fi
		sleep 0.05
	done
	echo "  b: sadbd $SADBD_OPTS $dpopt:" \
	    "$(sed -n 's/.*data plane on //p' /tmp/sadbd.log)"
	# The MTU leaves room for the encapsulation (sadbd(8): outer MTU
	# less 120); decrypted packets arrive on the TUN device with a's
	# source, so no reverse-path filter there.
	{
		ip netns exec b sysctl -qw net.ipv4.conf.all.rp_filter=0 &&
		ip netns exec b sysctl -qw "net.ipv4.conf.$TUN.rp_filter=0" &&
		ip -n b link set "$TUN" mtu 1380 up &&
		ip -n b route add 10.1.0.0/24 dev "$TUN" &&
		ip -n b -6 route add fd01::/64 dev "$TUN" &&
		ip -n b route add "$VM_A4" dev "$TUN" src "$VM_B4" table 100 &&
		ip -n b -6 route add "$VM_A6" dev "$TUN" src "$VM_B6" table 100 &&
		ip -n b rule add not fwmark "$MARK" table 100 pref 100 &&
		ip -n b -6 rule add not fwmark "$MARK" table 100 pref 100
	} || return 1
}

# b_stop: stop sadbd (its TUN device goes with it), check how it ended.
b_stop() {
	[ "$PEER" = kernel ] && return 0
	ip -n b rule del pref 100 2>/dev/null
	ip -n b -6 rule del pref 100 2>/dev/null
	if ! kill -0 "$SADBD_PID" 2>/dev/null; then
		fail "sadbd exited during the combination:" \
		    "$(tail -n 5 /tmp/sadbd.log | tr '\n' ' ')"
	fi
	kill "$SADBD_PID" 2>/dev/null
	st=0
	wait "$SADBD_PID" 2>/dev/null || st=$?
	SADBD_PID=
	[ $st = 0 ] || fail "sadbd exited with status $st"
	if grep -q 'Sanitizer\|runtime error:' /tmp/sadbd.log; then
		fail "sadbd: $(grep -m 1 'Sanitizer\|runtime error:' \
		    /tmp/sadbd.log)"
	fi
	cp /tmp/sadbd.log "$COMBODIR/sadbd.log"
	true
}

# engine_stats: sadbd's counters (SIGUSR1 makes it log them), the global
# ones into /tmp/dp.global ("NAME VALUE" lines), the SAs' into
# /tmp/dp.sa ("SPI IN OUT DROPS AUTHDROPS BACKEND" lines).
engine_stats() {
	off=$(wc -c </tmp/sadbd.log)
	kill -USR1 "$SADBD_PID" 2>/dev/null || return 1
	n=0
	while :; do
		tail -c +$((off + 1)) /tmp/sadbd.log >/tmp/dp.log
		want=$(sed -n 's/^dataplane: .* \([0-9]*\) SAs, .*/\1/p' \
		    /tmp/dp.log | head -1)
		if [ -n "$want" ] && [ "$(grep -c '^dataplane: sa ' \
		    /tmp/dp.log)" -ge "$want" ]; then
			break
		fi
		n=$((n + 1))
		[ $n -gt 200 ] && return 1
		sleep 0.05
	done
	grep '^dataplane: [a-z_]*=' /tmp/dp.log | tr ' ' '\n' |
	    sed -n 's/^\([a-z_]*\)=\([0-9]*\)$/\1 \2/p' >/tmp/dp.global
	awk '$2 == "sa" {
		d = 0; au = 0; ip = 0; op = 0
		for (i = 6; i <= NF; i++) {
			split($i, kv, "=")
			if (kv[1] == "in_packets") ip = kv[2]
			if (kv[1] == "out_packets") op = kv[2]
			if (kv[1] ~ /^drop_/) d += kv[2]
			if (kv[1] == "drop_auth") au = kv[2]
		}
		print $4, ip, op, d, au, $6
	    }' /tmp/dp.log >/tmp/dp.sa
}

# b_counters: b's view of its SAs, as lines "SPI IN OUT DROPS AUTHDROPS
# BACKEND" (the kernel: packets in the column of the SA's direction,
# integrity failures as drops).
b_counters() {
	if [ "$PEER" = kernel ]; then
		sa_stats b | awk -v ab="$SPI_AB" '
		    $1 == ab { print $1, $2, 0, $3, $3, "kernel"; next }
		    { print $1, 0, $2, $3, $3, "kernel" }'
		return
	fi
	engine_stats || return 1
	cat /tmp/dp.sa
}

# Counters of sadbd's data plane that a working peer never moves.
DP_ERRORS="bad_header bad_spi in_policy_mismatch in_trunc in_proto
in_replay in_auth in_pad in_nexthdr in_expired in_other unsupported
out_errors send_errors tun_write_errors hold_overflow hold_expired
events_lost"

# dp_get NAME: a global counter of the last engine_stats.
dp_get() {
	awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' \
	    /tmp/dp.global
}

# ---------------------------------------------------------------- checks

# sa_stats NS: the kernel's SAs of NS as "SPI PACKETS FAILED" lines.
sa_stats() {
	ip -n "$1" -s xfrm state | awk '
	    /^\tproto / { spi = $4; sub(/\(.*/, "", spi) }
	    /^\t  [0-9]+\(bytes\), [0-9]+\(packets\)/ {
		p = $2; sub(/\(packets\)/, "", p)
	    }
	    /^\t  replay-window .* failed / { print spi, p, $NF }'
}

# xstat NS: /proc/net/xfrm_stat of NS as "NAME VALUE" lines.
xstat() {
	ip netns exec "$1" cat /proc/net/xfrm_stat
}

# xdelta BEFORE AFTER: the counters that changed, "NAME +N".
xdelta() {
	awk 'NR == FNR { v[$1] = $2; next }
	    $2 != v[$1] { print $1, "+" ($2 - v[$1]) }' "$1" "$2"
}

# key NAME DIR ROLE BYTES: a key, as hex.
key() {
	printf '%s' "$1/$2/$3" | sha512sum | cut -c1-$(($4 * 2))
}

# wrong HEX: the key with its first hex digit changed.
wrong() {
	case $1 in
	0*) echo "1${1#?}" ;;
	*) echo "0${1#?}" ;;
	esac
}

fail() {
	echo "FAIL $NAME: $*"
	cfail=1
}

# ------------------------------------------------------------- traffic

port=5000
# tcp NS-SERVER ADDR NS-CLIENT: a TCP echo of SIZE bytes.
tcp() {
	port=$((port + 1))
	rm -f /tmp/tcpx.out
	ip netns exec "$1" tcpx -l "$2" "$port" >/tmp/tcpx.out 2>&1 &
	spid=$!
	n=0
	until grep -q listening /tmp/tcpx.out 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 300 ] || ! kill -0 "$spid" 2>/dev/null; then
			cat /tmp/tcpx.out >&2
			fail "tcpx server in $1 did not start"
			return
		fi
		sleep 0.05
	done
	st=0
	ip netns exec "$3" timeout 20 tcpx "$2" "$port" "$SIZE" \
	    >/tmp/tcpc.out 2>&1 || st=$?
	if [ $st != 0 ]; then
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
		[ $st = 124 ] && echo "timed out after 20 s" >>/tmp/tcpc.out
		fail "tcp $3 -> $1 [$2]: $(tr '\n' ' ' </tmp/tcpc.out)"
		return
	fi
	wait "$spid" || fail "tcp $3 -> $1 [$2]: the server failed"
	echo "  tcp $3 -> $1 [$2]: $(cat /tmp/tcpc.out)"
}

# png NS ADDR: COUNT echoes, all answered.
png() {
	if ip netns exec "$1" ping -c "$COUNT" -i 0.2 -W 5 "$2" >/tmp/ping 2>&1
	then
		echo "  ping $1 -> $2: $(grep 'packets transmitted' /tmp/ping)"
	else
		fail "ping $1 -> $2: $(grep 'packets transmitted' /tmp/ping)"
		pfail=1
	fi
}

# nopng NS ADDR: one echo, not answered (may run in the background:
# prints only, the caller looks for FAIL).
nopng() {
	if ip netns exec "$1" ping -c 1 -W 1 "$2" >"/tmp/ping.$1" 2>&1; then
		fail "wrong key: ping $1 -> $2 was answered"
	else
		echo "  wrong key: ping $1 -> $2:" \
		    "$(grep 'packets transmitted' "/tmp/ping.$1")"
	fi
}

# wire PCAP ENCAP A B: every IP packet on the wire (all unicast: the
# neighbours are permanent) is ESP between A and B, or with udp ESP in
# UDP between their ports 4500, both ways.  (A packet here may be a UDP
# GSO train the receiver cuts up: packets are counted on the SAs.)
wire() {
	nall=$(tcpdump -n -r "$1" 'not ether multicast and (ip or ip6)' \
	    2>/dev/null | wc -l)
	nab=$(tcpdump -n -r "$1" "src $3 and dst $4 and esp" 2>/dev/null |
	    wc -l)
	nba=$(tcpdump -n -r "$1" "src $4 and dst $3 and esp" 2>/dev/null |
	    wc -l)
	uab=$(tcpdump -n -r "$1" "src $3 and dst $4 and udp src port 4500" \
	    "and udp dst port 4500" 2>/dev/null | wc -l)
	uba=$(tcpdump -n -r "$1" "src $4 and dst $3 and udp src port 4500" \
	    "and udp dst port 4500" 2>/dev/null | wc -l)
	echo "  wire: $nall IP packets; ESP $nab a->b, $nba b->a;" \
	    "ESP in UDP 4500 $uab a->b, $uba b->a"
	if [ "$2" = esp ]; then
		if [ "$nab" = 0 ] || [ "$nba" = 0 ] ||
		    [ $((nab + nba)) != "$nall" ]; then
			fail "wire: not only ESP both ways between $3 and $4"
		fi
	elif [ "$uab" = 0 ] || [ "$uba" = 0 ] ||
	    [ $((uab + uba)) != "$nall" ]; then
		fail "wire: not only ESP in UDP 4500 both ways between $3" \
		    "and $4"
	fi
}

# ---------------------------------------------------------------- a combo

# render NAME MODE AF ENCAP ENC EB AUTH AB EXTRA SPI_AB SPI_BA [WRONGDIR]:
# the SA script, with the key of WRONGDIR (ab or ba) changed.
render() {
	r_name=$1 r_mode=$2 r_enc=$5 r_eb=$6 r_auth=$7 r_ab=$8
	r_extra=$(echo "$9" | tr , ' ')
	[ "$r_extra" = - ] && r_extra=
	r_ab_spi=${10} r_ba_spi=${11} r_wrong=${12:-}
	proto=esp pa='' pb=''
	if [ "$4" = udp ]; then
		proto=esp-udp pa='[4500]' pb='[4500]'
	fi
	for dir in ab ba; do
		if [ $dir = ab ]; then
			src=$A$pa dst=$B$pb spi=$r_ab_spi
		else
			src=$B$pb dst=$A$pa spi=$r_ba_spi
		fi
		ek=$(key "$r_name" $dir enc "$r_eb")
		ak=
		[ "$r_auth" != - ] && ak=$(key "$r_name" $dir auth "$r_ab")
		if [ "$dir" = "$r_wrong" ]; then
			ek=$(wrong "$ek")
			[ -n "$ak" ] && ak=$(wrong "$ak")
		fi
		echo "add $src $dst $proto $spi -m $r_mode $r_extra"
		if [ -n "$ak" ]; then
			echo "	-E $r_enc 0x$ek"
			echo "	-A $r_auth 0x$ak;"
		else
			echo "	-E $r_enc 0x$ek;"
		fi
	done
}

# policies MODE SIDE: the policies of a or b.
policies() {
	if [ "$2" = a ]; then
		me=$A peer=$B mynet=$NA peernet=$NB
	else
		me=$B peer=$A mynet=$NB peernet=$NA
	fi
	if [ "$1" = transport ]; then
		echo "spdadd $me $peer any -P out ipsec esp/transport//require;"
		echo "spdadd $peer $me any -P in ipsec esp/transport//require;"
	else
		echo "spdadd $mynet $peernet any -P out ipsec" \
		    "esp/tunnel/$me-$peer/require;"
		echo "spdadd $peernet $mynet any -P in ipsec" \
		    "esp/tunnel/$peer-$me/require;"
	fi
}

# keyall DIR WHICH: replace what a and b have with DIR/WHICH-a.conf and
# DIR/WHICH-b.conf (each flushes, then adds the SAs and the policies).
keyall() {
	if ! ip netns exec a setkey -B xfrm -f "$1/$2-a.conf" \
	    >"$1/$2-a.out" 2>&1; then
		fail "a: setkey -B xfrm -f $2-a.conf: $(cat "$1/$2-a.out")"
		return 1
	fi
	if ! b_setkey -f "$1/$2-b.conf" >"$1/$2-b.out" 2>&1; then
		fail "b: setkey -f $2-b.conf: $(cat "$1/$2-b.out")"
		return 1
	fi
}

flushall() {
	ip netns exec a setkey -B xfrm -f /tmp/flush.conf >/dev/null 2>&1
	b_setkey -f /tmp/flush.conf >/dev/null 2>&1
	true
}
printf 'flush;\nspdflush;\n' >/tmp/flush.conf

# diag DIR: what to look at when a combination failed.
diag() {
	for ns in a b; do
		ip -n "$ns" -s xfrm state >"$1/xfrm-state.$ns" 2>&1
		ip -n "$ns" xfrm policy >"$1/xfrm-policy.$ns" 2>&1
		xstat "$ns" >"$1/xfrm_stat.$ns"
	done
	if [ "$PEER" = sadbd ]; then
		b_setkey -D >"$1/sadbd.D" 2>&1
		cp /tmp/sadbd.log "$1/sadbd.log" 2>/dev/null
	fi
}

# combo NAME MODE AF ENCAP ENC EB AUTH AB EXTRA SADBD: one combination.
combo() {
	NAME=$1 MODE=$2 AF=$3 ENCAP=$4 EXTRA=$9 SADBD_OPTS=$(echo "${10}" |
	    tr , ' ')
	# (The reference run has no sadbd.)
	if [ "$SADBD_OPTS" = - ] || [ "$PEER" = kernel ]; then
		SADBD_OPTS=''
	fi
	cfail=0
	COMBODIR=/out/$NAME
	d=$COMBODIR
	mkdir -p "$d"
	idx=$((idx + 1))
	SPI_AB=$(printf '0x%08x' $((idx * 256 + 1)))
	SPI_BA=$(printf '0x%08x' $((idx * 256 + 2)))
	if [ "$AF" = 4 ]; then
		A=$VM_A4 B=$VM_B4 NA=10.1.0.0/24 NB=10.2.0.0/24
		HA=10.1.0.2 HB=10.2.0.2
	else
		A=$VM_A6 B=$VM_B6 NA=fd01::/64 NB=fd02::/64
		HA=fd01::2 HB=fd02::2
	fi
	alg=$5
	[ "$7" = - ] || alg="$5/$7"
	echo "combo $NAME: $MODE IPv$AF $ENCAP $alg" \
	    "$(echo "$EXTRA" | tr , ' ' | sed 's/^-$//')"
	# The same SAs on both sides, the policies mirrored; the wrong
	# keys: b -> a on a, a -> b on b.
	for side in a b; do
		for k in good wrong; do
			w=
			[ $k = wrong ] && w=ba
			[ $k = wrong ] && [ $side = b ] && w=ab
			{
				cat /tmp/flush.conf
				render "$1" "$2" "$3" "$4" "$5" "$6" "$7" \
				    "$8" "$9" "$SPI_AB" "$SPI_BA" $w
				policies "$MODE" $side
			} >"$d/$k-$side.conf"
		done
	done

	if ! b_start "$ENCAP"; then
		fail "b: the data plane did not start"
		diag "$d"
		b_stop
		nfail=$((nfail + 1))
		return
	fi
	if keyall "$d" good; then
		positive "$d"
		keyall "$d" wrong && negative "$d"
	fi
	[ $cfail = 0 ] || diag "$d"
	flushall
	b_stop
	if [ $cfail = 0 ]; then
		echo "combo $NAME: ok"
	else
		nfail=$((nfail + 1))
	fi
}

# sa_line FILE SPI: the fields after the SPI of SPI's line in FILE.
sa_line() {
	awk -v s="$2" '$1 == s { $1 = ""; print; exit }' "$1"
}

# positive DIR: traffic both ways, and the counters.
positive() {
	# What the combination asks for is what both sides have.
	case $EXTRA in
	*esn*)	[ "$(ip -n a xfrm state | grep -c 'flag.* esn')" = 2 ] ||
		    fail "a: the SAs have no ESN" ;;
	esac
	w=
	case $EXTRA in
	*-r,*)	w=${EXTRA#*-r,}
		w=${w%%,*}
		[ "$(ip -n a xfrm state | grep -c "replay_window $w,")" = 2 ] ||
		    fail "a: the SAs have no replay window of $w" ;;
	esac
	if [ "$PEER" = sadbd ]; then
		# The kernel in b has nothing to do with it.
		if ip -n b xfrm state | grep -q . ||
		    ip -n b xfrm policy | grep -q .; then
			fail "b: the kernel in b has XFRM states or policies"
		fi
		b_setkey -D -o json >"$1/sadbd.json" 2>&1
		case $EXTRA in
		*esn*)	[ "$(grep -c '"esn":true' "$1/sadbd.json")" = 2 ] ||
			    fail "b: the SAs have no ESN" ;;
		esac
		if [ -n "$w" ] &&
		    [ "$(grep -c "\"replay\":$w," "$1/sadbd.json")" != 2 ]; then
			fail "b: the SAs have no replay window of $w"
		fi
	fi

	xstat a >/tmp/xa0
	xstat b >/tmp/xb0
	vm_capture_start "$1/wire.pcap"
	# TCP only where ping passed: a broken SA would cost its timeout.
	pfail=0
	if [ "$MODE" = transport ]; then
		png a "$B"
		png b "$A"
		if [ $pfail = 0 ]; then
			tcp b "$B" a
			tcp a "$A" b
		fi
	else
		png ha "$HB"
		png hb "$HA"
		if [ $pfail = 0 ]; then
			tcp hb "$HB" ha
			tcp ha "$HA" hb
		fi
	fi
	vm_capture_stop
	wire "$1/wire.pcap" "$ENCAP" "$A" "$B"

	# The kernel: no XFRM error, packets on both SAs, none failed.
	xstat a >/tmp/xa1
	xdelta /tmp/xa0 /tmp/xa1 >/tmp/xad
	[ -s /tmp/xad ] && fail "a: XFRM errors: $(tr '\n' ' ' </tmp/xad)"
	sa_stats a >/tmp/sa.a
	for spi in "$SPI_AB" "$SPI_BA"; do
		# shellcheck disable=SC2046 # the fields
		set -- $(sa_line /tmp/sa.a "$spi")
		if [ $# -ne 2 ]; then
			fail "a: no SA $spi in ip -s xfrm state"
			continue
		fi
		echo "  a: SA $spi: $1 packets, $2 integrity failures"
		[ "$1" -gt 0 ] || fail "a: SA $spi counted no packets"
		[ "$2" = 0 ] || fail "a: SA $spi: $2 integrity failures"
	done

	# b: packets in on a -> b, out on b -> a, no drops.
	if [ "$PEER" = kernel ]; then
		xstat b >/tmp/xb1
		xdelta /tmp/xb0 /tmp/xb1 >/tmp/xbd
		[ -s /tmp/xbd ] && fail "b: XFRM errors: $(tr '\n' ' ' </tmp/xbd)"
	fi
	if ! b_counters >/tmp/sa.b; then
		fail "b: no counters"
		return
	fi
	for spi in "$SPI_AB" "$SPI_BA"; do
		# shellcheck disable=SC2046 # the fields
		set -- $(sa_line /tmp/sa.b "$spi")
		if [ $# -ne 5 ]; then
			fail "b: no counters for SA $spi"
			continue
		fi
		echo "  b: SA $spi: $1 packets in, $2 out, $3 dropped ($5)"
		case " $SADBD_OPTS " in
		*" -E openssl "*) [ "$5" = openssl ] ||
			fail "b: SA $spi: backend $5, not openssl" ;;
		*" -E ipsecmb "*) [ "$5" = ipsec-mb ] ||
			fail "b: SA $spi: backend $5, not ipsec-mb" ;;
		esac
		if [ "$spi" = "$SPI_AB" ]; then
			[ "$1" -gt 0 ] || fail "b: SA $spi took in no packets"
		else
			[ "$2" -gt 0 ] || fail "b: SA $spi sent no packets"
		fi
		[ "$3" = 0 ] || fail "b: SA $spi: $3 dropped"
	done
	if [ "$PEER" = sadbd ]; then
		bad=
		for c in $DP_ERRORS; do
			v=$(dp_get "$c")
			[ "$v" = 0 ] || bad="$bad $c=$v"
		done
		echo "  b: data plane: protected_in=$(dp_get protected_in)" \
		    "protected_out=$(dp_get protected_out)${bad:+,$bad}"
		[ -z "$bad" ] || fail "b: data plane errors:$bad"
		if [ "$(dp_get protected_in)" = 0 ] ||
		    [ "$(dp_get protected_out)" = 0 ]; then
			fail "b: the data plane protected nothing one way"
		fi
	fi
}

# negative DIR: with the wrong keys nothing passes, and both sides say
# why.
negative() {
	xstat a >/tmp/xa0
	xstat b >/tmp/xb0
	if [ "$MODE" = transport ]; then
		nopng a "$B" >/tmp/nopng.1 &
		nopng b "$A" >/tmp/nopng.2
	else
		nopng ha "$HB" >/tmp/nopng.1 &
		nopng hb "$HA" >/tmp/nopng.2
	fi
	wait $!
	cat /tmp/nopng.1 /tmp/nopng.2
	grep -q '^FAIL' /tmp/nopng.1 /tmp/nopng.2 && cfail=1

	xstat a >/tmp/xa1
	xdelta /tmp/xa0 /tmp/xa1 >/tmp/xad
	echo "  wrong key: a counted $(tr '\n' ' ' </tmp/xad)"
	grep -q '^XfrmInStateProtoError +[1-9]' /tmp/xad ||
	    fail "wrong key: a counted no XfrmInStateProtoError"
	sa_stats a >/tmp/sa.a
	# shellcheck disable=SC2046 # the fields
	set -- $(sa_line /tmp/sa.a "$SPI_BA")
	[ "${2:-0}" -gt 0 ] ||
	    fail "wrong key: a's SA $SPI_BA counted no integrity failure"
	if [ "$PEER" = kernel ]; then
		xstat b >/tmp/xb1
		xdelta /tmp/xb0 /tmp/xb1 >/tmp/xbd
		echo "  wrong key: b counted $(tr '\n' ' ' </tmp/xbd)"
		grep -q '^XfrmInStateProtoError +[1-9]' /tmp/xbd ||
		    fail "wrong key: b counted no XfrmInStateProtoError"
	fi
	if ! b_counters >/tmp/sa.b; then
		fail "wrong key: b: no counters"
		return
	fi
	# shellcheck disable=SC2046 # the fields
	set -- $(sa_line /tmp/sa.b "$SPI_AB")
	echo "  wrong key: b's SA $SPI_AB: ${4:-no} authentication drops"
	[ "${4:-0}" -gt 0 ] ||
	    fail "wrong key: b's SA $SPI_AB counted no authentication drop"
	if [ "$PEER" = sadbd ]; then
		# positive() saw in_auth at 0.
		echo "  wrong key: b: in_auth $(dp_get in_auth)"
		[ "$(dp_get in_auth)" -gt 0 ] ||
		    fail "wrong key: b's data plane counted no in_auth"
	fi
}

# ---------------------------------------------------------------- run

idx=0 nfail=0 ncombo=0
grep -v '^#' "$COMBOS" | grep . >/tmp/combos
while read -r name rest; do
	if [ $# -gt 0 ]; then
		case " $* " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	ncombo=$((ncombo + 1))
	# shellcheck disable=SC2086 # the fields of the line
	combo "$name" $rest </dev/null
done </tmp/combos
[ "$ncombo" -gt 0 ] || vm_fail "no combination matched: $*"
echo "interop done: $ncombo combinations, $nfail failed"
