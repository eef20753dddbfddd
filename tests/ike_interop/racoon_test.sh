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

# racoon-ng keying the real kernel: Debian's 6.1 kernel under qemu
# (tests/vm/vmrun.sh), through XFRM netlink (-B xfrm) and PF_KEY (-B
# pfkey, af_key), against strongSwan's charon and libreswan's pluto.  The
# harness is peers_test's: ikelib.sh's ike_peers boots once per case and
# runs the scenarios (the files "scenarios" and "racoon_scenarios") with
# guest_peers.sh, racoon-ng being the kind "racoonng" of racoonlib.sh;
# the tree's racoon-ng and racoonctl go into the guest (vmrun.sh -f, with
# the libraries ldd names: libssl, libcrypto, libIPSec_MB).
#
# For every scenario, in the guest (guest_peers.sh): both sides hold the
# IPsec SA (racoon-ng: a mature SA each way in racoonctl show-sa esp) and
# exactly two ESP SAs in their kernels; pings cross both ways, all
# answered, and the kernels counted them on the SAs; the initiator's
# delete removes the responder's SAs.  On the host (ike_judge): every ESP
# packet on the wire belongs to an SA of the responder's kernel, passes
# its ICV under that SA's keys and tshark decrypts it to an ICMP echo;
# with a nibble of a key flipped nothing passes (the negative control);
# no ICMP in clear; ESP in UDP exactly behind the NAT; with charon on one
# side, tshark decrypts the quick modes with charon's phase 1 keys (not
# with one flipped) and what they carry is the scenario's (exchange,
# authentication, DH and PFS groups, transform, encapsulation mode).
# dpd: the silenced peer is declared dead within 40 s (racoon-ng: the
# phase1_dpd_timeout event, "dead peer" in its log, no ISAKMP SA left;
# charon: its log) and R-U-THERE went out; rekey: new SAs replace the old
# ones on both sides under a ping every 0.2 s that loses at most one
# echo; refusals (a wrong PSK, a revoked certificate): no ESP anywhere,
# and the responder's log says why.  racoon-ng's log must hold no
# sanitizer report (a sanitizer build run by hand).
#
# No qemu, no kernel for the guest, no strongSwan, no libreswan .deb: the
# case is skipped with the reason.

IKE_SRC=$(atf_get_srcdir)
. "$IKE_SRC/ikelib.sh"
. "$IKE_SRC/racoonlib.sh"

RNG_TOP=$IKE_SRC/../..

# The scenarios both roles run with charon (racoon_scenarios adds the
# pluto and RSA ones: pluto_to, to_pluto, rsa_*).  PF_KEY transport mode
# and a refused PSK are the responder's alone.
RNG_SCENARIOS="psk_tunnel psk_transport aggressive pfs_modp2048 pfs_ecp256
gcm natt dpd rekey pfkey_tunnel"

# rng_peers KIND_A KIND_B SCENARIO...: ike_peers with racoon-ng and
# racoonctl of this tree in the guest and racoonlib.sh's kind.
rng_peers()
{
	local x
	for x in racoon-ng/daemon/racoon-ng racoon-ng/racoonctl/racoonctl \
	    setkey/setkey; do
		[ -x "$RNG_TOP/$x" ] || atf_fail "$RNG_TOP/$x is not built"
	done
	# No qemu, or no kernel to boot (Debian's archive out of reach and
	# none cached): skipped, with the reason.
	ike_require_vm
	"$RNG_TOP/tests/vm/vmkernel.sh" >vmkernel.out 2>&1 ||
	    atf_skip "no kernel for the guest: $(tail -1 vmkernel.out)"
	cat "$IKE_SRC/scenarios" "$IKE_SRC/racoon_scenarios" >scenarios.all ||
	    atf_fail "cannot join the scenario files"
	IKE_SCENARIOS_FILE=$PWD/scenarios.all
	export IKE_SCENARIOS_FILE
	ike_peers \
	    -f "$RNG_TOP/racoon-ng/daemon/racoon-ng:/usr/local/sbin/racoon-ng" \
	    -f "$RNG_TOP/racoon-ng/racoonctl/racoonctl:/usr/local/sbin/racoonctl" \
	    -x "$IKE_SRC/racoonlib.sh" "$@"
}

atf_test_case responder
responder_head()
{
	atf_set "descr" "charon and pluto initiate, racoon-ng responds on" \
	    "the guest's kernel (XFRM; PF_KEY for pfkey_*): main mode PSK" \
	    "tunnel and transport, aggressive mode, PFS modp2048 and ecp256," \
	    "AES-GCM, NAT-T, DPD, rekey under ping, RSA certificates; a wrong" \
	    "PSK and a revoked certificate refused"
	atf_set "timeout" "900"
}
responder_body()
{
	# shellcheck disable=SC2086 # scenario names
	rng_peers charon racoonng ${RNG_SCEN:-$RNG_SCENARIOS pfkey_transport \
	    psk_wrong pluto_to rsa_to_racoonng rsa_revoked_to_racoonng}
}

atf_test_case initiator
initiator_head()
{
	atf_set "descr" "racoon-ng initiates (a ping's ACQUIRE) on the guest's" \
	    "kernel (XFRM; PF_KEY for pfkey_*), charon and pluto respond:" \
	    "the responder case's scenarios the other way round; charon" \
	    "refuses racoon-ng's revoked certificate"
	atf_set "timeout" "900"
}
initiator_body()
{
	# shellcheck disable=SC2086
	rng_peers racoonng charon ${RNG_SCEN:-$RNG_SCENARIOS to_pluto \
	    rsa_to_charon rsa_revoked_to_charon}
}

atf_init_test_cases()
{
	atf_add_test_case responder
	atf_add_test_case initiator
}
