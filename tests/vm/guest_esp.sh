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

# Guest side of vm_test:esp_ping_tshark (runs under vmrun.sh).  Two hosts,
# a and b, talk ESP in transport mode, keyed with `ip xfrm` (the kernel's
# own tool, not ours): a->b AES-GCM-16 (RFC 4106), b->a AES-CBC with
# HMAC-SHA-256-128, over IPv4 (SPIs 0x1001, 0x2001) and IPv6 (0x1006,
# 0x2006).  Pings cross both ways; the wire is captured in the observer
# namespace into /out/esp.pcap for the host to decrypt.  Keys come from
# the environment (vmrun.sh -e): KEY_GCM (key and salt), KEY_CBC, KEY_SHA,
# as 0x-prefixed hex.  COUNT pings per family (3).

set -u
. /in/vmlib.sh

: "${KEY_GCM:?}" "${KEY_CBC:?}" "${KEY_SHA:?}"
COUNT=${COUNT:-3}

vm_netns3

# sa NS SRC DST SPI ALG...: one transport-mode ESP SA.
sa() {
	ns=$1 src=$2 dst=$3 spi=$4
	shift 4
	ip -n "$ns" xfrm state add src "$src" dst "$dst" proto esp \
	    spi "$spi" reqid 1 mode transport "$@" ||
	    vm_fail "$ns: SA $spi: ip xfrm state add $*"
}
# pol NS SRC DST DIR: a policy that requires ESP from SRC to DST.
pol() {
	ip -n "$1" xfrm policy add src "$2" dst "$3" dir "$4" \
	    tmpl src "$2" dst "$3" proto esp reqid 1 mode transport ||
	    vm_fail "$1: policy $2 -> $3 $4"
}

for ns in a b; do
	sa "$ns" "$VM_A4" "$VM_B4" 0x1001 \
	    aead 'rfc4106(gcm(aes))' "$KEY_GCM" 128
	sa "$ns" "$VM_B4" "$VM_A4" 0x2001 \
	    enc 'cbc(aes)' "$KEY_CBC" auth-trunc 'hmac(sha256)' "$KEY_SHA" 128
	sa "$ns" "$VM_A6" "$VM_B6" 0x1006 \
	    aead 'rfc4106(gcm(aes))' "$KEY_GCM" 128
	sa "$ns" "$VM_B6" "$VM_A6" 0x2006 \
	    enc 'cbc(aes)' "$KEY_CBC" auth-trunc 'hmac(sha256)' "$KEY_SHA" 128
done
pol a "$VM_A4" "$VM_B4" out
pol a "$VM_B4" "$VM_A4" in
pol a "$VM_A6" "$VM_B6" out
pol a "$VM_B6" "$VM_A6" in
pol b "$VM_B4" "$VM_A4" out
pol b "$VM_A4" "$VM_B4" in
pol b "$VM_B6" "$VM_A6" out
pol b "$VM_A6" "$VM_B6" in

vm_capture_start /out/esp.pcap
rc=0
ip netns exec a ping -A -c "$COUNT" -W 5 "$VM_B4" >/tmp/ping4 2>&1 || rc=1
ip netns exec a ping -6 -A -c "$COUNT" -W 5 "$VM_B6" >/tmp/ping6 2>&1 || rc=1
vm_capture_stop

grep -h 'packets transmitted' /tmp/ping4 /tmp/ping6
if [ $rc != 0 ]; then
	cat /tmp/ping4 /tmp/ping6 >&2
	ip -n a -s xfrm state >&2
	cat /proc/net/xfrm_stat >&2
	vm_fail "ping through ESP"
fi
# Every ESP packet was counted by an SA, and none was dropped.
for ns in a b; do
	ip netns exec "$ns" awk '$2 != 0 { print "'"$ns"': " $0; bad = 1 }
	    END { exit bad }' /proc/net/xfrm_stat >&2 ||
	    vm_fail "$ns: XFRM errors"
done
echo "esp ok"
