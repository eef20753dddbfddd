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

# Guest side of kernel_test:events_xfrm and events_pfkey (runs under
# vmrun.sh with vmlib.sh, and pfkey_listen for pfkey).
#
# usage: guest_event.sh xfrm|pfkey
#
# In namespace a of vmlib.sh's a - obs - b, `setkey -B T -x' and
# `setkey -B T -x -o json' watch (into /out/mon.txt and /out/mon.json)
# while setkey -B T adds two `require' policies (ICMP to b, IPv4 and
# IPv6) without SAs and a pings b: the kernel asks for SAs with ACQUIRE.
# Then setkey adds the two SAs with -ls 1 -lh 3: EXPIRE soft after 1 s,
# hard after 3 s.  /out/dp.json has the policies (their ids).  On af_key
# the kernel makes an ACQUIRE only when a socket has REGISTERed, so
# pfkey_listen (/out/listen.txt) plays the IKE daemon there; on XFRM the
# monitor itself keeps the kernel's acquire group alive.  Every wait is
# for a condition, with TIMEOUT (60) seconds at most.

set -u
. /in/vmlib.sh

T=${1:?usage: guest_event.sh xfrm|pfkey}
TIMEOUT=${TIMEOUT:-60}
K16=0x000102030405060708090a0b0c0d0e0f
K20=${K16}10111213

PIDS=
cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null
	done
}
trap cleanup EXIT

# waitfor FILE PATTERN COUNT WHAT: until FILE has COUNT lines matching
# PATTERN (grep -E).
waitfor() {
	n=0
	while [ "$(grep -cE "$2" "$1" 2>/dev/null || true)" -lt "$3" ]; do
		n=$((n + 1))
		if [ $n -gt $((TIMEOUT * 20)) ]; then
			echo "---- $1" >&2
			cat "$1" >&2
			vm_fail "no $4 in $TIMEOUT s"
		fi
		sleep 0.05
	done
}

vm_netns3

if [ "$T" = pfkey ]; then
	ip netns exec a pfkey_listen >/out/listen.txt 2>&1 &
	PIDS="$PIDS $!"
	waitfor /out/listen.txt '^registered esp$' 1 "REGISTER reply"
fi
ip netns exec a setkey -B "$T" -x >/out/mon.txt 2>&1 &
PIDS="$PIDS $!"
ip netns exec a setkey -B "$T" -x -o json >/out/mon.json 2>&1 &
PIDS="$PIDS $!"
# Each monitor prints its own X_PROMISC reply once it listens.
waitfor /out/mon.txt '^msg=X_PROMISC ' 1 "X_PROMISC (text monitor)"
waitfor /out/mon.json '"msgtype":"X_PROMISC"' 1 "X_PROMISC (json monitor)"
echo "monitors listening"

ip netns exec a setkey -B "$T" -c <<EOF || vm_fail "spdadd"
spdadd $VM_A4 $VM_B4 icmp -P out ipsec esp/transport//require;
spdadd $VM_A6 $VM_B6 icmp6 -P out ipsec esp/transport//require;
EOF
ip netns exec a setkey -B "$T" -DP -o json >/out/dp.json ||
    vm_fail "setkey -DP"

# No SA: the pings are dropped and the kernel asks for SAs.
ip netns exec a ping -c 1 -W 1 "$VM_B4" >/dev/null 2>&1 &&
    vm_fail "a ping went through without an SA"
ip netns exec a ping -6 -c 1 -W 1 "$VM_B6" >/dev/null 2>&1 &&
    vm_fail "a ping went through without an SA"
waitfor /out/mon.txt '^msg=ACQUIRE ' 2 "2 ACQUIREs (text monitor)"
waitfor /out/mon.json '"msgtype":"ACQUIRE"' 2 "2 ACQUIREs (json monitor)"
echo "ACQUIRE seen"

ip netns exec a setkey -B "$T" -c <<EOF || vm_fail "add"
add $VM_A4 $VM_B4 esp 0x4001 -m transport -ls 1 -lh 3
	-E aes-cbc $K16 -A hmac-sha1 $K20;
add $VM_A6 $VM_B6 esp 0x4006 -m transport -ls 1 -lh 3
	-E aes-cbc $K16 -A hmac-sha1 $K20;
EOF
# Two soft and two hard EXPIREs.
waitfor /out/mon.txt '^msg=EXPIRE ' 4 "4 EXPIREs (text monitor)"
waitfor /out/mon.json '"msgtype":"EXPIRE"' 4 "4 EXPIREs (json monitor)"
if [ "$T" = pfkey ]; then
	waitfor /out/listen.txt '^EXPIRE ' 4 "4 EXPIREs (pfkey_listen)"
fi
echo "EXPIRE seen"
ip -n a xfrm state | grep -q . && vm_fail "SAs left after the hard expiry"
echo "event ok"
