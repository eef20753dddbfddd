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

# Guest side of vm_test:boot (runs under vmrun.sh with pfkey_probe and
# vmlib.sh): what the kernel-transport and ESP tests will rely on.  Prints
# one line per fact; the host compares.
#	kernel VER
#	pfkey autoload af_key		socket(PF_KEY) loaded af_key by itself
#	esp encrypt ID MIN-MAX ...	pfkey_probe's SADB_REGISTER answer
#	transport pfkey available	pfkeymsg -t, when pfkeymsg is built
#	xfrm ok NAME / xfrm FAIL NAME: why
#					one SA per algorithm and feature,
#					added with ip xfrm in a scratch netns

set -u
. /in/vmlib.sh

echo "kernel $(uname -r)"
grep -q '^af_key ' /proc/modules && vm_fail "af_key loaded before use"
pfkey_probe esp ah || vm_fail "pfkey_probe"
grep -q '^af_key ' /proc/modules && echo "pfkey autoload af_key"
[ -e /proc/net/pfkey ] || vm_fail "no /proc/net/pfkey"
if command -v pfkeymsg >/dev/null 2>&1; then
	pfkeymsg -t | grep '^transport'
fi

ip netns add t || vm_fail "ip netns add"
ip -n t link set lo up
k16=0x000102030405060708090a0b0c0d0e0f
k20=${k16}10111213
k24=${k20}14151617
k32=${k24}18191a1b1c1d1e1f
k36=${k32}20212223
k48=${k32}202122232425262728292a2b2c2d2e2f
k64=${k48}303132333435363738393a3b3c3d3e3f
n=0
# tryx NAME SRC DST PROTO MODE ARGS...: add an SA, say whether it worked.
tryx() {
	name=$1 src=$2 dst=$3 proto=$4 mode=$5
	shift 5
	n=$((n + 1))
	if err=$(ip -n t xfrm state add src "$src" dst "$dst" proto "$proto" \
	    spi $((0x100 + n)) mode "$mode" "$@" 2>&1); then
		echo "xfrm ok $name"
	else
		echo "xfrm FAIL $name: $err"
	fi
}
# try NAME ARGS...: an ESP transport SA from 192.0.2.1 to 192.0.2.2.
try() {
	name=$1
	shift
	tryx "$name" 192.0.2.1 192.0.2.2 esp transport "$@"
}
try gcm128-icv16 aead 'rfc4106(gcm(aes))' $k20 128
try gcm128-icv8 aead 'rfc4106(gcm(aes))' $k20 64
try gcm128-icv12 aead 'rfc4106(gcm(aes))' $k20 96
try gcm256-icv16 aead 'rfc4106(gcm(aes))' $k36 128
try gmac aead 'rfc4543(gcm(aes))' $k20 128
try ccm-icv16 aead 'rfc4309(ccm(aes))' ${k16}101112 128
try chacha20-poly1305 aead 'rfc7539esp(chacha20,poly1305)' $k36 128
try cbc-sha1 enc 'cbc(aes)' $k16 auth-trunc 'hmac(sha1)' $k20 96
try cbc-sha256 enc 'cbc(aes)' $k32 auth-trunc 'hmac(sha256)' $k32 128
try cbc-sha256-96 enc 'cbc(aes)' $k16 auth-trunc 'hmac(sha256)' $k32 96
try cbc-sha384 enc 'cbc(aes)' $k16 auth-trunc 'hmac(sha384)' $k48 192
try cbc-sha512 enc 'cbc(aes)' $k16 auth-trunc 'hmac(sha512)' $k64 256
try cbc-md5 enc 'cbc(aes)' $k16 auth-trunc 'hmac(md5)' $k16 96
try cbc-xcbc enc 'cbc(aes)' $k16 auth-trunc 'xcbc(aes)' $k16 96
try ctr-sha1 enc 'rfc3686(ctr(aes))' $k20 auth-trunc 'hmac(sha1)' $k20 96
try 3des-sha1 enc 'cbc(des3_ede)' $k24 auth-trunc 'hmac(sha1)' $k20 96
try null-sha256 enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' $k32 128
try esn aead 'rfc4106(gcm(aes))' $k20 128 flag esn replay-window 1024
try natt aead 'rfc4106(gcm(aes))' $k20 128 encap espinudp 4500 4500 0.0.0.0
tryx tunnel 192.0.2.1 192.0.2.3 esp tunnel \
    aead 'rfc4106(gcm(aes))' $k20 128
tryx esp6 2001:db8::1 2001:db8::2 esp transport \
    aead 'rfc4106(gcm(aes))' $k20 128
tryx ah-sha256 192.0.2.1 192.0.2.4 ah transport \
    auth-trunc 'hmac(sha256)' $k32 128
tryx ah6-sha1 2001:db8::1 2001:db8::3 ah transport \
    auth-trunc 'hmac(sha1)' $k20 96
tryx ipcomp-deflate 192.0.2.1 192.0.2.5 comp transport comp deflate
ip -n t xfrm state flush
echo "uptime $(cut -d' ' -f1 /proc/uptime)"
