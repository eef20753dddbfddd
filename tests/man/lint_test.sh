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

atf_init_test_cases()
{
	atf_add_test_case lint
	atf_add_test_case api_documented
}
