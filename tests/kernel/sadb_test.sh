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

# The SAD and SPD through both kernel transports on a real kernel (Debian
# 12's, booted under qemu by tests/vm/vmrun.sh; see kernlib.sh), and the
# XFRM transport on the host's own kernel:
#	sadb_compare	the same scripts loaded with -B xfrm and -B pfkey;
#			setkey -D/-DP over both transports (text, JSON) and
#			ip xfrm state/policy compared field by field
#			(sadb_cmp.py), SAs read back by the other transport
#	pfkey_refuses	AEAD, ESN and replay windows over 255 refused over
#			-B pfkey before sending; HMAC-SHA2-256 warned about
#	pfkey_bulk	5000 SAs and 1000 policies through af_key: dumps
#			complete, FLUSH's extra broadcast tolerated
#	xfrm_sa_check	tests/libpfkey/xfrm_sa_check in the guest
#	host_xfrm	no VM: policies, GETSPI and kernel errors through
#			-B xfrm on the host kernel (XFRM without ESP)

. "$(atf_get_srcdir)/kernlib.sh"

atf_test_case sadb_compare
sadb_compare_head()
{
	atf_set "descr" "setkey -D/-DP over -B xfrm and -B pfkey agree with" \
	    "each other and with ip xfrm state/policy, field by field, for" \
	    "scripts loaded with either transport"
	atf_set "timeout" "600"
}
sadb_compare_body()
{
	kernel_require
	kernel_vm guest_sadb.sh || atf_fail "guest_sadb.sh failed"
	grep -q '^sadb ok$' out || atf_fail "the guest did not finish"
	set -- -X out.d/X -P out.d/P -c "$KSRC/sadb_transport.conf" \
	    -c "$KSRC/sadb_tunnel.conf" -x "$KSRC/sadb_xfrm.conf"
	python3 "$KSRC/sadb_cmp.py" -g "$@" >cmp.out 2>&1 || true
	cat cmp.out
	grep -q '^sadb_cmp: [0-9]* checks, 0 failed$' cmp.out ||
	    atf_fail "$(tail -1 cmp.out): $(grep -m 1 '^FAIL' cmp.out)"
	# The comparison must be able to fail: one key digit changed in
	# one view, and one ICV length in iproute2's, are each caught.
	cp -R out.d bad.d
	k=$(awk '$1 == "-A" && $2 == "hmac-sha1" { print substr($3, 3, 8);
	    exit }' "$KSRC/sadb_transport.conf")
	case $k in 0*) f=1${k#?} ;; *) f=0${k#?} ;; esac
	sed -i "s/^\(\tA: hmac-sha1  \)$k/\1$f/" bad.d/X/xfrm.D
	sed -i '0,/ (256 bits) 96$/s// (256 bits) 128/' bad.d/P/ip.state
	python3 "$KSRC/sadb_cmp.py" "$@" -X bad.d/X -P bad.d/P >bad.out 2>&1 &&
	    atf_fail "sadb_cmp.py passed a changed key and ICV length"
	grep -q '^FAIL.*xfrm -D (text).*: auth_key:' bad.out ||
	    atf_fail "sadb_cmp.py missed a changed key: $(grep -m1 FAIL bad.out)"
	grep -q '^FAIL ns P.*conf->ip.*: icv: 128, expected 96' bad.out ||
	    atf_fail "sadb_cmp.py missed a changed ICV length"
}

atf_test_case pfkey_refuses
pfkey_refuses_head()
{
	atf_set "descr" "Over -B pfkey on Linux setkey refuses AEAD, ESN" \
	    "and replay windows over 255 before sending, suggesting -B" \
	    "xfrm, which takes them; it warns about HMAC-SHA2-256's 96 bits"
	atf_set "timeout" "600"
}
pfkey_refuses_body()
{
	kernel_require
	kernel_vm guest_refuse.sh || atf_fail "guest_refuse.sh failed"
	grep -q '^refuse done' out || atf_fail "the guest did not finish"
	kernel_fails out
}

atf_test_case pfkey_bulk
pfkey_bulk_head()
{
	atf_set "descr" "5000 SAs and 1000 policies through Linux af_key:" \
	    "loaded, dumped whole (text, JSON, and by -B xfrm), flushed;" \
	    "statements after a FLUSH get their own replies"
	atf_set "timeout" "600"
}
pfkey_bulk_body()
{
	kernel_require
	kernel_vm -e N=5000 guest_bulk.sh || atf_fail "guest_bulk.sh failed"
	grep -q '^bulk done' out || atf_fail "the guest did not finish"
	kernel_fails out
}

atf_test_case xfrm_sa_check
xfrm_sa_check_head()
{
	atf_set "descr" "tests/libpfkey/xfrm_sa_check passes on a kernel" \
	    "with ESP, AH and IPComp: every algorithm class through the XFRM" \
	    "transport, checked over plain netlink"
	atf_set "timeout" "600"
}
xfrm_sa_check_body()
{
	kernel_require
	kernel_vm guest_sacheck.sh || true
	kernel_fails out
	grep -q '^PASS: [0-9]* passed, 0 failed$' out ||
	    atf_fail "xfrm_sa_check: $(tail -1 out)"
}

atf_test_case host_xfrm
host_xfrm_head()
{
	atf_set "descr" "On the host's kernel (XFRM, no ESP) in a new network" \
	    "namespace: policies and GETSPI through -B xfrm agree with" \
	    "iproute2; SAs the kernel cannot hold fail with its reason"
	atf_set "require.user" "root"
	atf_set "timeout" "120"
}
host_xfrm_body()
{
	[ "$(uname -s)" = Linux ] || atf_skip "XFRM is Linux's"
	command -v unshare >/dev/null 2>&1 || atf_skip "no unshare(1)"
	command -v python3 >/dev/null 2>&1 ||
	    atf_fail "python3 is not installed"
	unshare -n true 2>/dev/null ||
	    atf_skip "cannot make a network namespace here"
	SETKEY=$KTOP/setkey/setkey
	cat >host.sh <<EOF
set -u
ip link set lo up
"$SETKEY" -B xfrm -f "$KSRC/sadb_tunnel.conf" >/dev/null 2>load.err
echo "load \$?"
mkdir -p X
"$SETKEY" -B xfrm -D >X/xfrm.D
"$SETKEY" -B xfrm -DP >X/xfrm.DP
"$SETKEY" -B xfrm -D -o json >X/xfrm.D.json
"$SETKEY" -B xfrm -DP -o json >X/xfrm.DP.json
ip -s xfrm policy >X/ip.policy
"$SETKEY" -B xfrm -c >getspi.out 2>getspi.err <<EOT
getspi 192.0.2.1 192.0.2.2 esp 0;
getspi 192.0.2.1 192.0.2.3 esp 0x1234;
EOT
echo "getspi \$?"
ip xfrm state >getspi.ip
"$SETKEY" -B xfrm -F
EOF
	unshare -n sh host.sh >host.out 2>host.err ||
	    atf_fail "unshare -n: $(cat host.err)"
	cat host.out
	# The SAs of sadb_tunnel.conf need ESP: each fails, with the
	# kernel's reason; the policies go in.
	grep -q '^load 1$' host.out || atf_fail "loading the SAs did not fail"
	cat load.err
	[ "$(grep -c ': add: ' load.err)" -eq 4 ] ||
	    atf_fail "not 4 refused adds: $(cat load.err)"
	grep ': add: ' load.err | grep -qv '(kernel: [^)]*)$' &&
	    atf_fail "an add failed without the kernel's reason:" \
	    "$(grep ': add: ' load.err | grep -v '(kernel: ' | head -1)"
	[ "$(cat X/xfrm.D)" = "No SAD entries." ] ||
	    atf_fail "SAs installed: $(head -3 X/xfrm.D)"
	# The policies against iproute2 (sadb_cmp.py with the SA views of
	# a namespace without SAs).
	: >X/ip.state
	python3 "$KSRC/sadb_cmp.py" -X X -c "$KSRC/sadb_tunnel.conf" \
	    -S >cmp.out 2>&1 || true
	cat cmp.out
	grep -q '^sadb_cmp: [0-9]* checks, 0 failed$' cmp.out ||
	    atf_fail "$(tail -1 cmp.out): $(grep -m 1 '^FAIL' cmp.out)"
	# GETSPI: a larval SA with the kernel's SPI, then the one asked for.
	grep -q '^getspi 0$' host.out ||
	    atf_fail "getspi failed: $(cat getspi.err)"
	cat getspi.out getspi.ip
	[ "$(grep -c 'state=larval' getspi.out)" -eq 2 ] ||
	    atf_fail "getspi did not print 2 larval SAs"
	grep -q 'spi=4660(0x00001234)' getspi.out ||
	    atf_fail "getspi did not reserve SPI 0x1234"
	[ "$(grep -c '^src' getspi.ip)" -eq 2 ] ||
	    atf_fail "ip xfrm state does not show the 2 larval SAs"
	grep -q 'spi 0x00001234' getspi.ip ||
	    atf_fail "ip xfrm state does not show SPI 0x1234"
}

atf_init_test_cases()
{
	atf_add_test_case sadb_compare
	atf_add_test_case pfkey_refuses
	atf_add_test_case pfkey_bulk
	atf_add_test_case xfrm_sa_check
	atf_add_test_case host_xfrm
}
