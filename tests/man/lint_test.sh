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

# Every manual page is mandoc -Tlint clean at warning level.

atf_test_case lint
lint_head()
{
	atf_set "descr" "mandoc -Tlint -W warning finds nothing in man/"
}
lint_body()
{
	command -v mandoc >/dev/null 2>&1 || atf_skip "mandoc is not installed"
	mandir="$(atf_get_srcdir)/../../man"
	pages=$(ls "$mandir"/*.[1-9] 2>/dev/null)
	[ -n "$pages" ] || atf_fail "no manual pages in $mandir"
	for p in $pages; do
		atf_check -s exit:0 -o empty -e empty mandoc -Tlint -W warning "$p"
	done
}

atf_test_case api_documented
api_documented_head()
{
	atf_set "descr" "every function of pfkey.h is named in libpfkey.3"
}
api_documented_body()
{
	top="$(atf_get_srcdir)/../.."
	fns=$(grep -E '^[a-z].*[[:space:]*]pfkey_[a-z0-9_]+\(' \
	    "$top/libpfkey/pfkey.h" | grep -oE 'pfkey_[a-z0-9_]+\(' |
	    tr -d '(' | sort -u)
	[ -n "$fns" ] || atf_fail "found no functions in pfkey.h"
	missing=
	for f in $fns; do
		grep -qE "^\.(Fn|Fo|Nm) $f( |,|$)" "$top/man/libpfkey.3" ||
		    missing="$missing $f"
	done
	[ -z "$missing" ] || atf_fail "not in libpfkey.3:$missing"
}

atf_test_case racoon_conf_documented
racoon_conf_documented_head()
{
	atf_set "descr" "every keyword and algorithm the racoon-ng.conf" \
	    "parser knows is in racoon-ng.conf.5"
}
racoon_conf_documented_body()
{
	top="$(atf_get_srcdir)/../.."
	page="$top/man/racoon-ng.conf.5"
	# the keyword and algorithm tables: { "word", ...
	kws=$(grep -oE '^[[:space:]]*\{ "[a-z0-9_]+", ' \
	    "$top/racoon-ng/libike/conf.c" | grep -oE '"[a-z0-9_]+"' |
	    tr -d '"' | sort -u)
	[ $(echo $kws | wc -w) -ge 80 ] || atf_fail "found too few keywords"
	missing=
	for k in $kws; do
		grep -qE "^\..*[ (]$k( |,|;|\)|\$)" "$page" ||
		    missing="$missing $k"
	done
	[ -z "$missing" ] || atf_fail "not in racoon-ng.conf.5:$missing"
}

atf_test_case racoon_ng_documented
racoon_ng_documented_head()
{
	atf_set "descr" "every option of racoon-ng and racoonctl and every" \
	    "racoonctl command and shortcut is in its manual page"
}
racoon_ng_documented_body()
{
	top="$(atf_get_srcdir)/../.."
	# getopt strings: "46B:dFf:K:..." (the ones with an option letter).
	for p in racoon-ng:daemon/racoon-ng.c racoonctl:racoonctl/racoonctl.c; do
		page="$top/man/${p%%:*}.8"
		src="$top/racoon-ng/${p#*:}"
		opts=$(grep -oE 'getopt\(argc, argv, "\+?[A-Za-z0-9:]+"' "$src" |
		    tail -1 | sed -E 's/^[^"]*"\+?//; s/"$//; s/://g' | fold -w1)
		[ -n "$opts" ] || atf_fail "no getopt string in $src"
		for o in $opts; do
			grep -qE "^\.(It|Op) Fl $o( |\$)|^\.Op Fl [A-Za-z0-9]*$o" \
			    "$page" || atf_fail "-$o is not in ${p%%:*}.8"
		done
	done
	# racoonctl's command table: { "name", "shortcut", fn }.
	cmds=$(grep -oE '^[[:space:]]*\{ "[a-z-]+",[[:space:]]+"[a-z]+",' \
	    "$top/racoon-ng/racoonctl/racoonctl.c" | grep -oE '"[a-z-]+"' |
	    tr -d '"')
	[ $(echo $cmds | wc -w) -ge 14 ] || atf_fail "found too few commands"
	for c in $cmds; do
		grep -qE "(^|[ ,])$c( |,|\$)" "$top/man/racoonctl.8" ||
		    atf_fail "$c is not in racoonctl.8"
	done
}

atf_init_test_cases()
{
	atf_add_test_case lint
	atf_add_test_case racoon_ng_documented
	atf_add_test_case api_documented
	atf_add_test_case racoon_conf_documented
}
