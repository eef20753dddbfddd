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

# vmlib.sh: shell functions for scripts that run inside a vmrun.sh guest.
# Pass it with `vmrun.sh -f tests/vm/vmlib.sh ...` and source /in/vmlib.sh.
# POSIX sh (the guest's /bin/sh is the host's dash).
#
# vm_netns3	three network namespaces, the layout test-environment.md
#		recommends, so the wire is seen by nobody who encrypts or
#		decrypts (on an endpoint's own veth, tunnel-mode packets
#		reappear decapsulated):
#
#		  ns a: va 10.0.0.1/24 fd00::1/64
#		     |  veth
#		  ns obs: va-o -- br0 (bridge; no addresses, no IPv6) -- vb-o
#		     |  veth
#		  ns b: vb 10.0.0.2/24 fd00::2/64
#
#		Neighbours are permanent (no ARP or ND on the wire, nothing
#		for a host-wide IPsec policy to swallow); IPv6 addresses skip
#		DAD.  VM_A4 VM_B4 VM_A6 VM_B6 hold the addresses.
# vm_capture_start FILE [IFACE]
#		tcpdump in ns obs on IFACE (br0) into FILE (e.g.
#		/out/esp.pcap), returning once it listens.
# vm_capture_stop
#		stop it and copy the capture to FILE.
# vm_fail MESSAGE
#		print MESSAGE on stderr and exit 1.

VM_A4=10.0.0.1 VM_B4=10.0.0.2
VM_A6=fd00::1 VM_B6=fd00::2
VM_CAPTURE_PID='' VM_CAPTURE_FILE=''

vm_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

vm_netns3() {
	for n in a obs b; do
		ip netns add "$n" || vm_fail "ip netns add $n"
		ip -n "$n" link set lo up
	done
	ip netns exec obs sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec obs sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	ip -n obs link add br0 type bridge || vm_fail "no bridge"
	ip link add va netns a type veth peer name va-o netns obs ||
	    vm_fail "no veth"
	ip link add vb netns b type veth peer name vb-o netns obs ||
	    vm_fail "no veth"
	ip -n obs link set va-o master br0 up
	ip -n obs link set vb-o master br0 up
	ip -n obs link set br0 up
	ip -n a addr add "$VM_A4/24" dev va
	ip -n a addr add "$VM_A6/64" dev va nodad
	ip -n b addr add "$VM_B4/24" dev vb
	ip -n b addr add "$VM_B6/64" dev vb nodad
	ip -n a link set va up
	ip -n b link set vb up
	ma=$(ip netns exec a cat /sys/class/net/va/address)
	mb=$(ip netns exec b cat /sys/class/net/vb/address)
	ip -n a neigh replace "$VM_B4" lladdr "$mb" dev va nud permanent
	ip -n a neigh replace "$VM_B6" lladdr "$mb" dev va nud permanent
	ip -n b neigh replace "$VM_A4" lladdr "$ma" dev vb nud permanent
	ip -n b neigh replace "$VM_A6" lladdr "$ma" dev vb nud permanent
}

vm_capture_start() {
	VM_CAPTURE_FILE=$1
	# Into /tmp first: tcpdump chowns its file, which a 9p /out
	# refuses when vmrun.sh runs as a user.
	ip netns exec obs tcpdump -Z root -U --immediate-mode -n -s 0 \
	    -i "${2:-br0}" -w /tmp/capture.pcap >/tmp/tcpdump.log 2>&1 &
	VM_CAPTURE_PID=$!
	n=0
	until grep -q 'listening on' /tmp/tcpdump.log 2>/dev/null; do
		n=$((n + 1))
		if [ $n -gt 100 ] || ! kill -0 "$VM_CAPTURE_PID" 2>/dev/null
		then
			cat /tmp/tcpdump.log >&2
			vm_fail "tcpdump did not start"
		fi
		sleep 0.1
	done
}

vm_capture_stop() {
	[ -n "$VM_CAPTURE_PID" ] || return 0
	# --immediate-mode hands each packet over at once (by default
	# TPACKET_V3 holds them up to 1 s and SIGINT loses that block).
	sleep 0.2
	kill -INT "$VM_CAPTURE_PID" 2>/dev/null
	wait "$VM_CAPTURE_PID" 2>/dev/null
	VM_CAPTURE_PID=
	# tcpdump's own report stays in /tmp/tcpdump.log.
	cp /tmp/capture.pcap "$VM_CAPTURE_FILE" ||
	    vm_fail "cannot copy the capture to $VM_CAPTURE_FILE"
}
