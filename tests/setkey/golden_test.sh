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

# The setkey parser and its normalised printer, ipsecctl-regress style:
# golden/NAME.in through `setkey -n' must print golden/NAME.ok byte for
# byte, and the .ok through `setkey -n' must print itself (the fixed
# point); golden/NAME.in with a NAME.err must fail with exit status 1,
# print nothing on stdout, and report exactly the FILE:LINE:COL lines of
# NAME.err.  Names ending in _fb use the FreeBSD dialect, the others the
# Linux one.  One test case per file; update an .ok or .err by running
# the command the failure shows.

SETKEY="$(atf_get_srcdir)/../../setkey/setkey"

golden="$(atf_get_srcdir)/golden"

dialect_of()
{
	case "$1" in
	*_fb)	echo freebsd ;;
	*)	echo linux ;;
	esac
}

# Scoped addresses print the interface name: they need lo to be index 1.
requirements()
{
	case "$1" in
	*scoped*)
		[ "$(cat /sys/class/net/lo/ifindex 2>/dev/null)" = 1 ] ||
		    atf_skip "needs the Linux loopback interface lo as index 1"
		;;
	esac
}

ok_body_common()
{
	n=$1
	requirements "$n"
	export PFKEYKIT_DIALECT=$(dialect_of "$n")
	cp "$golden/$n.in" "$golden/$n.ok" .
	atf_check -s exit:0 -o file:"$n.ok" -e empty "$SETKEY" -n -f "$n.in"
	# The normal form is a fixed point.
	atf_check -s exit:0 -o file:"$n.ok" -e empty "$SETKEY" -n -f "$n.ok"
}

fail_body_common()
{
	n=$1
	requirements "$n"
	export PFKEYKIT_DIALECT=$(dialect_of "$n")
	cp "$golden/$n.in" .
	rc=0
	"$SETKEY" -n -f "$n.in" >out 2>err || rc=$?
	[ "$rc" = 1 ] || atf_fail "exit status $rc, not 1"
	[ -s out ] && atf_fail "printed statements although the input is bad"
	# setkey's own summary ("setkey: FILE: N errors; ...") aside, the
	# parser's messages are exactly the expected ones.
	grep -q "nothing was applied" err ||
	    atf_fail "no 'nothing was applied' summary"
	grep -v '^setkey: ' err >messages || true
	atf_check -o file:"$golden/$n.err" cat messages
}

atf_test_case counts
counts_head()
{
	atf_set "descr" "the golden directory has its 60 pairs and 30 failures"
}
counts_body()
{
	ok=$(ls "$golden"/*.ok | wc -l)
	bad=$(ls "$golden"/*.err | wc -l)
	[ "$ok" -ge 60 ] || atf_fail "only $ok .ok files"
	[ "$bad" -ge 30 ] || atf_fail "only $bad .err files"
	for f in "$golden"/*.in; do
		n=${f%.in}
		[ -f "$n.ok" ] || [ -f "$n.err" ] ||
		    atf_fail "$f has neither .ok nor .err"
		[ -f "$n.ok" ] && [ -f "$n.err" ] &&
		    atf_fail "$f has both .ok and .err"
	done
	return 0
}

atf_test_case no_key_echo
no_key_echo_head()
{
	atf_set "descr" "key material never appears in error messages"
}
no_key_echo_body()
{
	export PFKEYKIT_DIALECT=linux
	# Every failing input, and one built around distinctive keys in
	# every place a key can go wrong.
	cat >keys.in <<'EOF'
add 10.0.0.1 10.0.0.2 esp 0x1000 -E aes-cbc 0xfeedfacefeedfacefeedfaceabad1d;
add 10.0.0.1 10.0.0.2 esp 0x1001 -E aes-cbc 0xfeedfacefeedfacefeedfaceabad1dea -A hmac-sha1 "SECRETKEY-wrong-length";
add 10.0.0.1 10.0.0.2 esp 0x1002 -E aes-gcm-16 "SECRETKEY-with-salt!" -A hmac-sha1 "SECRETKEY-20-bytes!!";
add 10.0.0.1 10.0.0.2 esp 0x1003 -E aes-cbc "SECRETKEY-16-byt" "SECRETKEY-stray";
add 10.0.0.1 10.0.0.2 esp 0x1004 -E aes-cbc 0xfeedfacefeedfacefeedfaceabad1dexyz;
add 10.0.0.1 10.0.0.2 esp 0x1005 -E aes-cbc 0xfeedfacefeedfacefeedfaceabad1de;
add 10.0.0.1 10.0.0.2 esp 0x1006 -E aes-cbc "SECRETKEY-unterminated
EOF
	rc=0
	"$SETKEY" -n -f keys.in >out 2>err || rc=$?
	[ "$rc" = 1 ] || atf_fail "exit status $rc, not 1"
	[ $(grep -c '^keys.in:' err) = 7 ] || atf_fail "not 7 errors: $(cat err)"
	if grep -i -e SECRETKEY -e feedface -e abad1d err; then
		atf_fail "a key was echoed"
	fi
	for f in "$golden"/*.in; do
		n=$(basename "${f%.in}")
		[ -f "$golden/$n.err" ] || continue
		# The keys of the file: quoted strings, and hex numbers too
		# long for an SPI or after an algorithm name.
		{
			grep -oE '"[^"]{4,}"|0[xX][0-9a-fA-F]{16,}' "$f"
			grep -oE -- '-[EA][[:space:]]+[^[:space:]]+[[:space:]]+0[xX][0-9a-fA-F]{4,}' "$f" |
			    sed -E 's/.*[[:space:]]//'
		} | tr -d '"' | sort -u >keys || true
		[ -s keys ] || continue
		if grep -F -f keys "$golden/$n.err"; then
			atf_fail "$n.err shows key material"
		fi
	done
}

atf_test_case nothing_applied
nothing_applied_head()
{
	atf_set "descr" "one bad statement among good ones: nothing is printed"
}
nothing_applied_body()
{
	export PFKEYKIT_DIALECT=linux
	printf 'flush;\nspdflush;\nbogus;\ndump;\n' >in
	atf_check -s exit:1 -o empty -e match:'^in:3:1: ' "$SETKEY" -n -f in
	# The same statements without the bad one print.
	printf 'flush;\nspdflush;\ndump;\n' >in
	atf_check -s exit:0 -o inline:'flush;\nspdflush;\ndump;\n' \
	    -e empty "$SETKEY" -n -f in
}

atf_test_case names_multi
names_multi_head()
{
	atf_set "descr" "a name with IPv4 and IPv6 addresses gives one SA" \
	    "per pair of the same family"
}
names_multi_body()
{
	# The name comes from a private /etc/hosts, bind-mounted in a mount
	# namespace of its own, so that it has both families whatever the
	# machine's resolver says about localhost.
	[ "$(id -u)" = 0 ] || atf_skip "needs root for unshare -m and a" \
	    "bind mount over /etc/hosts (running as uid $(id -u))"
	command -v unshare >/dev/null 2>&1 ||
	    atf_skip "unshare(1) (util-linux) is not installed"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >hosts
	printf '192.0.2.10\tsk-dual.test\n2001:db8::10\tsk-dual.test\n' \
	    >>hosts
	# unshare -m: the mount is private to setkey and gone when it ends
	run='mount --bind "$1" /etc/hosts && shift && exec "$@"'
	export PFKEYKIT_DIALECT=linux
	echo 'add sk-dual.test sk-dual.test esp 0x1000 -E null -A null;' >in
	printf 'add %s %s esp 0x1000 -E null -A null;\n' 192.0.2.10 \
	    192.0.2.10 2001:db8::10 2001:db8::10 >want
	atf_check -s exit:0 -o file:want -e empty unshare -m sh -c "$run" sh \
	    "$PWD/hosts" "$SETKEY" -n -f in
	# -4 and -6 pick one
	echo 'add -6 sk-dual.test 2001:db8::20 esp 0x1000 -E null -A null;' >in
	atf_check -s exit:0 \
	    -o inline:"add -6 2001:db8::10 2001:db8::20 esp 0x1000 -E null -A null;\n" \
	    -e empty unshare -m sh -c "$run" sh "$PWD/hosts" "$SETKEY" -n -f in
	# delete and policies name exactly one address, as the references.
	echo 'delete sk-dual.test 192.0.2.1 esp 0x1000;' >in
	atf_check -s exit:1 -o empty -e match:'more than one address' \
	    unshare -m sh -c "$run" sh "$PWD/hosts" "$SETKEY" -n -f in
	echo 'spdadd sk-dual.test sk-dual.test any -P out none;' >in
	atf_check -s exit:1 -o empty -e match:'more than one address' \
	    unshare -m sh -c "$run" sh "$PWD/hosts" "$SETKEY" -n -f in
}

atf_init_test_cases()
{
	atf_add_test_case counts
	atf_add_test_case no_key_echo
	atf_add_test_case nothing_applied
	atf_add_test_case names_multi
	for f in "$golden"/*.in; do
		n=$(basename "${f%.in}")
		if [ -f "$golden/$n.ok" ]; then
			atf_test_case "ok_$n"
			eval "ok_${n}_body() { ok_body_common $n; }"
			atf_add_test_case "ok_$n"
		elif [ -f "$golden/$n.err" ]; then
			atf_test_case "err_$n"
			eval "err_${n}_body() { fail_body_common $n; }"
			atf_add_test_case "err_$n"
		fi
	done
}
