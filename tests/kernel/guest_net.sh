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

# Guest side of kernel_test:esp_xfrm and esp_pfkey (runs under vmrun.sh
# with vmlib.sh, tcpx and the configurations in /in).
#
# usage: guest_net.sh xfrm|pfkey
#
# Five namespaces: vmlib.sh's a - obs - b, plus a host behind each
# gateway, ha (10.1.0.2, fd01::2) behind a and hb (10.2.0.2, fd02::2)
# behind b, each on its own veth.  Keyed only by setkey over the given
# transport (net_sa_TRANSPORT.conf on a and b, net_sp_a.conf and
# net_sp_b.conf): ESP in transport mode between a and b and in tunnel mode
# between ha's and hb's networks (a and b forward), IPv4 and IPv6.  Ping
# and a TCP echo (tcpx, 64 KiB) cross each of the four paths; the bridge
# in obs is captured into /out/esp.pcap for the host to decrypt with
# tshark.  Prints one line per step and "net ok" at the end.

set -u
. /in/vmlib.sh

T=${1:?usage: guest_net.sh xfrm|pfkey}
COUNT=${COUNT:-3}
SIZE=${SIZE:-65536}

vm_netns3

# host NAME GW GWIF ADDR4 GW4 ADDR6 GW6: a host behind gateway GW.
host() {
	n=$1 gw=$2 gwif=$3
	ip netns add "$n" || vm_fail "ip netns add $n"
	ip -n "$n" link set lo up
	# MTU 1400: room for the tunnel's ESP within the gateways' 1500,
	# so that no packet needs path MTU discovery (which XFRM counts as
	# XfrmOutStateModeError, an error this test wants to see at 0).
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
# The gateways route the other network to the other gateway; the
# policies then send it through the tunnel.
ip -n a route add 10.2.0.0/24 via "$VM_B4"
ip -n a -6 route add fd02::/64 via "$VM_B6"
ip -n b route add 10.1.0.0/24 via "$VM_A4"
ip -n b -6 route add fd01::/64 via "$VM_A6"

for ns in a b; do
	ip netns exec "$ns" setkey -B "$T" -f "/in/net_sa_$T.conf" ||
	    vm_fail "$ns: setkey -B $T -f net_sa_$T.conf"
	ip netns exec "$ns" setkey -B "$T" -f "/in/net_sp_$ns.conf" ||
	    vm_fail "$ns: setkey -B $T -f net_sp_$ns.conf"
done
echo "keyed by setkey -B $T: $(ip -n a xfrm state | grep -c '^src') SAs," \
    "$(ip -n a xfrm policy | grep -c '^src') policies on a"

# tcp NS-SERVER ADDR NS-CLIENT: a TCP echo of SIZE bytes.
port=5000
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
			vm_fail "tcpx server in $1 did not start"
		fi
		sleep 0.05
	done
	if ! ip netns exec "$3" tcpx "$2" "$port" "$SIZE" >/tmp/tcpc.out 2>&1
	then
		cat /tmp/tcpc.out >&2
		kill "$spid" 2>/dev/null
		rc=1
		echo "tcp $3 -> $1 [$2] FAILED"
		return
	fi
	wait "$spid" || rc=1
	echo "tcp $3 -> $1 [$2]: $(cat /tmp/tcpc.out)"
}
# ping NS ADDR
png() {
	if ip netns exec "$1" ping -A -c "$COUNT" -W 5 "$2" >/tmp/ping 2>&1
	then
		echo "ping $1 -> $2: $(grep 'packets transmitted' /tmp/ping)"
	else
		cat /tmp/ping >&2
		echo "ping $1 -> $2 FAILED"
		rc=1
	fi
}

vm_capture_start /out/esp.pcap
rc=0
png a "$VM_B4"
png a "$VM_B6"
tcp b "$VM_B4" a
tcp b "$VM_B6" a
png ha 10.2.0.2
png ha fd02::2
tcp hb 10.2.0.2 ha
tcp hb fd02::2 ha
vm_capture_stop

if [ $rc != 0 ]; then
	for ns in a b; do
		echo "---- $ns" >&2
		ip -n "$ns" -s xfrm state >&2
		ip netns exec "$ns" cat /proc/net/xfrm_stat >&2
	done
	vm_fail "traffic through ESP"
fi
# Every ESP packet found its SA and policy: no XFRM error counted.
for ns in a b; do
	ip netns exec "$ns" awk '$2 != 0 { print "'"$ns"': " $0; bad = 1 }
	    END { exit bad }' /proc/net/xfrm_stat >&2 ||
	    vm_fail "$ns: XFRM errors"
done
# Each SA carried traffic (packets counted in the kernel's statistics).
ip -n a -s xfrm state | awk '
    /^src/ { s = $2 " -> " $4 }
    /proto esp spi/ { spi = $4 }
    /^\t  [0-9]+\(bytes\), [0-9]+\(packets\)/ {
	sub(/\(packets\)/, "", $2); print "a: SA " spi " " s ": " $2 " packets"
    }'
echo "net ok"
