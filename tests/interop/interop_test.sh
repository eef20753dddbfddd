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

# Wire compatibility of pfkeykit's userspace ESP engine with the Linux
# kernel's ESP.
#
# What is proven.  On Debian 12's own kernel (6.1, under qemu: see
# tests/vm/vmrun.sh), namespace a protects its traffic with the kernel's
# ESP, keyed by `setkey -B xfrm'; namespace b protects its traffic with
# sadbd's data plane (the engine of sadb/esp behind a TUN device, sending
# and receiving ESP on raw IP sockets or in UDP on port 4500), keyed by
# `setkey -B sadbd:SOCKET' with the same SAs and mirrored policies; the
# kernel in b holds no SA and no policy.  For every combination of
# interop.combos (guest_interop.sh runs them all in one boot, with a
# fresh sadbd, flushing and keying again between them):
#
#   - ping and a TCP echo (tests/kernel/tcpx, 32 KiB) pass both ways: the
#     kernel decrypts and authenticates what the engine sent, and the
#     engine what the kernel sent.  Together the combinations cover
#     transport mode (a <-> b) and tunnel mode (hosts ha <-> hb behind
#     them), IPv4 and IPv6; AES-GCM-16 with 128- and 256-bit keys,
#     AES-CBC (128- and 256-bit keys) with HMAC-SHA2-256 at the full
#     128-bit ICV of RFC 4868 (the kernel is keyed through XFRM, which
#     carries it), ChaCha20-Poly1305 (the kernel's rfc7539esp); 64-bit
#     extended sequence numbers with a 4096-packet replay window, and
#     windows of 0, 64 and 1024; ESP on raw IP (protocol 50, sadbd -R)
#     and ESP in UDP (RFC 3948: setkey's esp-udp on both sides, the
#     kernel's encap espinudp 4500 4500 with a UDP_ENCAP socket, as an
#     IKE daemon has);
#     both crypto backends of the engine (-E openssl, -E ipsecmb, and the
#     automatic choice), with and without TUN/UDP offloads (-O), one and
#     two workers (-T 2);
#   - both sides hold what the combination asked for (ESN, the window);
#   - the kernel counts packets on both SAs (ip -s xfrm state), with no
#     integrity failure and no XFRM error (/proc/net/xfrm_stat); the
#     engine counts packets in on a -> b and out on b -> a, drops none,
#     used the backend asked for, and its data plane counts no error;
#   - every IP packet on the wire between a and b, captured in an
#     observer namespace, is ESP (or ESP in UDP 4500 for the UDP
#     combinations), both ways: no plaintext, and the encapsulation is
#     the one asked for;
#   - negative control: keyed again with one wrong key on each side (b ->
#     a wrong on a, a -> b wrong on b), pings fail both ways, the kernel
#     counts XfrmInStateProtoError and an integrity failure on its SA,
#     and the engine an authentication drop on its SA.  So every check
#     above that passed could have failed;
#   - sadbd keeps running through each combination and exits cleanly
#     (with a sanitizer build: no report).
#
# A combination that fails makes the test fail, naming it; every
# combination of interop.combos must report "ok", so none can be left
# out silently.  kernel_reference runs the same combinations and checks
# with the kernel on both sides: when it passes and sadbd fails, the
# fault is the engine's, not the configuration's.
#
# Not covered here: sequence numbers past 2^32 (both sides start at 0),
# AH, and the engine's replay window against replayed packets (the
# engine's own tests do those).

. "$(atf_get_srcdir)/../kernel/kernlib.sh"

ISRC=$(atf_get_srcdir)

# interop PEER: boot once, run every combination, judge.
interop()
{
	kernel_require tcpdump tcpdump
	[ -x "$ISRC/encap_sock" ] ||
	    atf_fail "tests/interop/encap_sock is not built"
	# A sanitizer build's options go in too, with the suppressions.
	san=
	for v in ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS; do
		eval "val=\${$v:-}"
		[ -n "$val" ] || continue
		supp=$(echo "$val" | sed -n 's/.*suppressions=\([^:]*\).*/\1/p')
		if [ -n "$supp" ] && [ -f "$supp" ]; then
			san="$san -f $supp:/in/lsan.supp"
			val=$(echo "$val" |
			    sed 's|suppressions=[^:]*|suppressions=/in/lsan.supp|')
		fi
		san="$san -e $v=$val"
	done
	rc=0
	# shellcheck disable=SC2086 # san: options without blanks
	PFKEYKIT_TOP=$KTOP "$VMRUN" -t 500 -o "$PWD/out.d" $san \
	    -f "$KTOP/setkey/setkey:/usr/local/sbin/setkey" \
	    -f "$KTOP/sadbd/sadbd:/usr/local/sbin/sadbd" \
	    -f "$KTOP/tests/kernel/tcpx" -f "$ISRC/encap_sock" \
	    -f "$KTOP/tests/vm/vmlib.sh" -f "$ISRC/interop.combos" \
	    "$ISRC/guest_interop.sh" "$1" >out 2>err || rc=$?
	cat out
	case $rc in
	124)	cat err >&2
		atf_fail "guest_interop.sh ran out of time" ;;
	125)	cat err >&2
		atf_fail "the VM harness failed: $(grep 'vmrun.sh:' err |
		    head -1)" ;;
	esac
	[ -s err ] && cat err >&2
	[ "$rc" = 0 ] || atf_fail "guest_interop.sh $1 failed (exit $rc)"
	grep -q '^interop done' out || atf_fail "the guest did not finish"
	# Every combination ran and passed.
	bad=
	for n in $(grep -v '^#' "$ISRC/interop.combos" | awk 'NF { print $1 }')
	do
		grep -qx "combo $n: ok" out || bad="$bad $n"
	done
	if [ -n "$bad" ]; then
		atf_fail "failed:$bad; the first failure:" \
		    "$(grep -m 1 '^FAIL' out | cut -c6-)"
	fi
}

atf_test_case sadbd
sadbd_head()
{
	atf_set "descr" "The kernel's ESP (setkey -B xfrm) and sadbd's" \
	    "userspace engine (setkey -B sadbd) carry ping and TCP both ways" \
	    "in every combination of interop.combos; a wrong key fails both"
	atf_set "timeout" "600"
}
sadbd_body()
{
	interop sadbd
}

atf_test_case kernel_reference
kernel_reference_head()
{
	atf_set "descr" "The same combinations and checks with the kernel on" \
	    "both sides: the configurations and the checks are right"
	atf_set "timeout" "600"
}
kernel_reference_body()
{
	interop kernel
}

atf_init_test_cases()
{
	atf_add_test_case sadbd
	atf_add_test_case kernel_reference
}
