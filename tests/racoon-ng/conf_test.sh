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

# The racoon-ng.conf parser and its canonical printer, ipsecctl-regress
# style.  conf/NAME.in through confdump (what racoon-ng -n does) must
# give conf/NAME.ok byte for byte: its messages (stderr) followed by the
# printed configuration (stdout).  Names ending in _fail must fail with
# exit status 1 and print no configuration; the others must parse, and
# their printout must parse again, without errors, into the same text
# (print(parse(x)) is a fixed point).  One test case per file.  After a
# deliberate change, rewrite an .ok with:
#	cd conf && ../confdump NAME.in >NAME.out 2>NAME.err;
#	cat NAME.err NAME.out >NAME.ok
# and read the diff before committing it.

CONFDUMP="$(atf_get_srcdir)/confdump"
golden="$(atf_get_srcdir)/conf"

# The cases run in a copy of conf/ so relative paths (include.d/...)
# resolve as they do in the source tree.
setup_copy()
{
	cp -R "$golden" conf || atf_fail "cannot copy $golden"
	cd conf || atf_fail "cannot enter the copy"
}

case_body()
{
	n=$1
	setup_copy
	rc=0
	"$CONFDUMP" -r "$n.in" >out 2>err || rc=$?
	case "$n" in
	*_fail)
		[ "$rc" = 1 ] || atf_fail "exit status $rc, not 1: $(cat err)"
		[ -s out ] && atf_fail "printed a configuration for bad input"
		grep -q ': warning: ' err && ! grep -qv ': warning: ' err &&
		    atf_fail "failed with warnings only"
		;;
	*)
		[ "$rc" = 0 ] || atf_fail "exit status $rc, not 0: $(cat err)"
		[ -s out ] || atf_fail "printed nothing"
		;;
	esac
	cat err out >got
	if ! cmp -s "$n.ok" got; then
		diff -u "$n.ok" got
		atf_fail "output differs from $n.ok (diff above)"
	fi
	case "$n" in
	*_fail)	return ;;
	esac
	# The canonical text is a fixed point and parses without errors
	# (a warning that belongs to a value, such as host bits in a
	# subnet ID, may come again).
	cp out canon.conf
	rc=0
	"$CONFDUMP" -r canon.conf >again 2>msgs || rc=$?
	[ "$rc" = 0 ] || atf_fail "the printout does not parse: $(cat msgs)"
	if grep -v ': warning: ' msgs; then
		atf_fail "the printout gives errors"
	fi
	if ! cmp -s out again; then
		diff -u out again
		atf_fail "the printout is not a fixed point (diff above)"
	fi
}

atf_test_case counts
counts_head()
{
	atf_set "descr" "conf/ has at least 40 cases, 15 of them failures," \
	    "each with its .ok"
}
counts_body()
{
	all=$(ls "$golden"/*.in | wc -l)
	bad=$(ls "$golden"/*_fail.in | wc -l)
	[ "$all" -ge 40 ] || atf_fail "only $all cases"
	[ "$bad" -ge 15 ] || atf_fail "only $bad failure cases"
	for f in "$golden"/*.in; do
		[ -f "${f%.in}.ok" ] || atf_fail "$f has no .ok"
	done
	for f in "$golden"/*.ok; do
		[ -f "${f%.ok}.in" ] || atf_fail "$f has no .in"
	done
}

atf_test_case no_secret_echo
no_secret_echo_head()
{
	atf_set "descr" "the skipped XAuth blocks' secrets never appear in" \
	    "messages"
}
no_secret_echo_body()
{
	setup_copy
	cat >secrets.conf <<'EOF'
ldapcfg {
	bind_dn "cn=vpn,dc=example,dc=org";
	bind_pw "SECRET-ldap-password";
}
radiuscfg {
	auth "radius.example.org" 1812 "SECRET-radius-secret";
	acct "radius.example.org" "SECRET-accounting";
}
remote anonymous {
	exchange_mode main;
	xauth_login "SECRET-login";
}
mode_cfg { banner "SECRET-banner"; }
EOF
	atf_check -s exit:1 -o empty -e save:err "$CONFDUMP" secrets.conf
	[ "$(grep -c '^secrets.conf:' err)" = 4 ] ||
	    atf_fail "not 4 errors: $(cat err)"
	if grep SECRET err; then
		atf_fail "a secret was echoed"
	fi
	# and nothing in the golden outputs either
	if grep -l -e SECRET -e TOPSECRET "$golden"/*.ok; then
		atf_fail "a golden output shows a secret"
	fi
}

atf_test_case include_absolute
include_absolute_head()
{
	atf_set "descr" "an absolute include ignores path include; a" \
	    "relative one follows the main file's directory"
}
include_absolute_body()
{
	mkdir -p sub/dir
	printf 'log debug2;\n' >"$PWD/sub/dir/abs.conf"
	printf 'path include "/nonexistent";\ninclude "%s";\n' \
	    "$PWD/sub/dir/abs.conf" >main.conf
	atf_check -s exit:0 -o match:'^log debug2;$' -e empty \
	    "$CONFDUMP" main.conf
	# A relative include of a main file given with a directory.
	printf 'log warning;\n' >sub/rel.conf
	printf 'include "rel.conf";\n' >sub/main.conf
	atf_check -s exit:0 -o match:'^log warning;$' -e empty \
	    "$CONFDUMP" sub/main.conf
	# Relative paths in it are relative to that directory too.
	printf 'path pre_shared_key "psk.txt";\n' >sub/paths.conf
	atf_check -s exit:0 -o match:'^path pre_shared_key "./sub/psk.txt";$' \
	    -e empty "$CONFDUMP" sub/paths.conf
	# Negative control: the same include without the file fails.
	rm sub/rel.conf
	atf_check -s exit:1 -o empty \
	    -e inline:'sub/main.conf:1:9: include "sub/rel.conf": No such file or directory\n' \
	    "$CONFDUMP" sub/main.conf
}

atf_test_case include_disabled
include_disabled_head()
{
	atf_set "descr" "with includes disabled (the fuzzer) include is" \
	    "an error"
}
include_disabled_body()
{
	setup_copy
	atf_check -s exit:0 -o ignore -e empty "$CONFDUMP" include_nested.in
	atf_check -s exit:1 -o empty \
	    -e inline:'include_nested.in:3:9: include "level1.conf": include is disabled here\n' \
	    "$CONFDUMP" -N include_nested.in
}

atf_test_case bad_files
bad_files_head()
{
	atf_set "descr" "a missing file or a directory as the configuration"
}
bad_files_body()
{
	atf_check -s exit:1 -o empty \
	    -e inline:'no-such.conf: No such file or directory\n' \
	    "$CONFDUMP" no-such.conf
	mkdir adir
	atf_check -s exit:1 -o empty -e inline:'adir: not a regular file\n' \
	    "$CONFDUMP" adir
	: >empty.conf
	atf_check -s exit:0 -o match:'^log info;$' -e empty \
	    "$CONFDUMP" empty.conf
}

atf_test_case man_examples
man_examples_head()
{
	atf_set "descr" "the EXAMPLES of racoon-ng.conf(5) parse"
}
man_examples_body()
{
	page="$(atf_get_srcdir)/../../man/racoon-ng.conf.5"
	[ -f "$page" ] || atf_skip "no $page next to the tests"
	# every .Bd -literal block after .Sh EXAMPLES, one file each
	awk '/^\.Sh / { ex = ($2 == "EXAMPLES") }
	    ex && /^\.Bd -literal/ { n++; f = "ex" n ".conf"; next }
	    ex && /^\.Ed/ { f = ""; next }
	    f != "" { print > f }' "$page"
	n=$(ls ex*.conf 2>/dev/null | wc -l)
	[ "$n" -ge 4 ] || atf_fail "found $n examples, not 4"
	for f in ex*.conf; do
		rc=0
		"$CONFDUMP" "$f" >out 2>err || rc=$?
		[ "$rc" = 0 ] || atf_fail "$f does not parse: $(cat err)"
		[ -s err ] && atf_fail "$f gives messages: $(cat err)"
		grep -q '^remote ' out || atf_fail "$f has no remote"
	done
	return 0
}

atf_init_test_cases()
{
	atf_add_test_case counts
	atf_add_test_case man_examples
	atf_add_test_case no_secret_echo
	atf_add_test_case include_absolute
	atf_add_test_case include_disabled
	atf_add_test_case bad_files
	for f in "$golden"/*.in; do
		n=$(basename "${f%.in}")
		atf_test_case "conf_$n"
		eval "conf_${n}_body() { case_body $n; }"
		atf_add_test_case "conf_$n"
	done
}
