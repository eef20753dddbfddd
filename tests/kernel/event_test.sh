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

# The kernel's events through setkey's monitor on a real kernel (Debian
# 12's under qemu, see kernlib.sh; guest_event.sh): traffic that meets a
# `require' policy without an SA makes `setkey -x' and `setkey -x -o json'
# print an ACQUIRE with the policy's addresses and id; an SA with -ls 1
# -lh 3 makes them print EXPIRE soft, then hard (event_check.py).  On
# XFRM (events_xfrm) and on Linux af_key (events_pfkey, where
# pfkey_listen REGISTERs, as an IKE daemon would: af_key makes no ACQUIRE
# for promiscuous sockets alone).

. "$(atf_get_srcdir)/kernlib.sh"

events()
{
	kernel_require
	kernel_vm guest_event.sh "$1" || atf_fail "guest_event.sh $1 failed"
	grep -q '^event ok$' out || atf_fail "the guest did not finish"
	python3 "$KSRC/event_check.py" out.d >check 2>&1 || true
	cat check
	grep -q '^event_check: ok$' check ||
	    atf_fail "$(grep -m 1 '^FAIL' check)"
}

atf_test_case events_xfrm
events_xfrm_head()
{
	atf_set "descr" "setkey -B xfrm -x (text and JSON) prints ACQUIRE" \
	    "(addresses, policy id) and EXPIRE soft then hard"
	atf_set "timeout" "600"
}
events_xfrm_body()
{
	events xfrm
}

atf_test_case events_pfkey
events_pfkey_head()
{
	atf_set "descr" "setkey -B pfkey -x (text and JSON) prints ACQUIRE" \
	    "(addresses, policy id) and EXPIRE soft then hard from af_key"
	atf_set "timeout" "600"
}
events_pfkey_body()
{
	events pfkey
}

atf_init_test_cases()
{
	atf_add_test_case events_xfrm
	atf_add_test_case events_pfkey
}
