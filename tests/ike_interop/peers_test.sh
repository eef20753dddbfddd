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

# The IKEv1 peer harness (ikelib.sh) proven with the real peers there are:
# strongSwan's charon against itself and against libreswan's pluto, with
# kernel ESP on Debian's 6.1 kernel under qemu (tests/vm/vmrun.sh).  These
# cases are the reference for the racoon-ng cases of this directory: the
# same scenarios (the file "scenarios"), the same guest script
# (guest_peers.sh) and the same verdict (ikelib.sh's ike_judge), with
# racoon-ng as one of the two kinds.
#
# Each case boots once and runs its scenarios in turn, each on fresh
# namespaces and daemons (see guest_peers.sh for what each check proves in
# the guest).  On the host, for every scenario:
#   - the guest reported it ok;
#   - every ESP packet captured on the wire (an observer namespace between
#     the two) belongs to one of the SAs the responder's kernel held, passes
#     its ICV under that SA's keys (read from `ip xfrm state') and tshark
#     decrypts it to an ICMP echo request or reply: at least the 20 of the
#     pings; with one nibble of the integrity key (AEAD: the key) flipped
#     no ICV passes and nothing decrypts, with the encryption key flipped
#     nothing decrypts (the negative control);
#   - no ICMP crosses the wire in clear; ESP is in UDP 4500 exactly when
#     a NAT or encap=yes asked for it;
#   - tshark decrypts the IKEv1 quick modes with the phase 1 keys from
#     charon's log (ike=4; charon is one side in every case), and not with
#     a key flipped; and what the exchanges carry on the wire is what the
#     scenario asked for (ikelib.sh's ike_negotiated: main or aggressive
#     mode, PSK or RSA signatures, the DH group, the ESP transform, the
#     PFS group, tunnel or transport, in UDP or not);
#   - refused scenarios (a wrong PSK, a revoked certificate) put IKE on the
#     wire and no ESP, and the responder's log says why.
# The driver is ikelib.sh's ike_peers.  pluto has no ECP group for IKEv1
# quick mode PFS (its algorithm table:
# DH19 "IKEv1: IKE" only), so pfs_ecp256 is charon's alone.
# A peer that truly cannot exist here (no qemu, no strongSwan package, no
# libreswan .deb reachable) skips the case with the reason.

IKE_SRC=$(atf_get_srcdir)
. "$IKE_SRC/ikelib.sh"

atf_test_case charon_charon
charon_charon_head()
{
	atf_set "descr" "charon <-> charon, IKEv1, kernel ESP in the guest:" \
	    "main mode PSK tunnel and transport, aggressive mode, RSA" \
	    "certificates with a CRL, NAT-T; a wrong PSK and a revoked" \
	    "certificate refused"
	atf_set "timeout" "600"
}
charon_charon_body()
{
	ike_peers charon charon psk_tunnel psk_transport aggressive rsa \
	    rsa_revoked psk_wrong natt
}

atf_test_case charon_charon_crypto
charon_charon_crypto_head()
{
	atf_set "descr" "charon <-> charon, IKEv1, kernel ESP in the guest:" \
	    "quick mode PFS (modp2048, ecp256), AES-GCM-16 ESP, ESP in UDP" \
	    "forced without a NAT"
	atf_set "timeout" "600"
}
charon_charon_crypto_body()
{
	ike_peers charon charon pfs_modp2048 pfs_ecp256 gcm gcm_pfs encap
}

atf_test_case charon_charon_dpd_rekey
charon_charon_dpd_rekey_head()
{
	atf_set "descr" "charon <-> charon, IKEv1, kernel ESP in the guest:" \
	    "DPD declares a silenced peer dead; a phase 2 rekey under a" \
	    "running ping loses at most one echo"
	atf_set "timeout" "600"
}
charon_charon_dpd_rekey_body()
{
	ike_peers charon charon dpd rekey
}

atf_test_case charon_pluto
charon_pluto_head()
{
	atf_set "descr" "charon initiates, libreswan's pluto responds" \
	    "(IKEv1, kernel ESP in the guest): main mode PSK tunnel and" \
	    "transport, aggressive mode, RSA with a CRL, NAT-T, PFS, GCM;" \
	    "refusals"
	atf_set "timeout" "600"
}
charon_pluto_body()
{
	ike_peers charon pluto psk_tunnel psk_transport aggressive rsa \
	    rsa_revoked psk_wrong natt pfs_modp2048 gcm_pfs
}

atf_test_case pluto_charon
pluto_charon_head()
{
	atf_set "descr" "libreswan's pluto initiates, charon responds" \
	    "(IKEv1, kernel ESP in the guest): main mode PSK tunnel, RSA," \
	    "NAT-T, GCM, DPD from pluto, rekey by pluto"
	atf_set "timeout" "600"
}
pluto_charon_body()
{
	ike_peers pluto charon psk_tunnel rsa natt gcm dpd rekey
}

atf_test_case extra_kind
extra_kind_head()
{
	atf_set "descr" "A peer kind from a library passed to ike_peers -x" \
	    "(kind_example.sh: charon under another name, the shape of a" \
	    "daemon under test) responds to pluto; its refusal is explained"
	atf_set "timeout" "600"
}
extra_kind_body()
{
	. "$IKE_SRC/kind_example.sh"
	ike_peers -x "$IKE_SRC/kind_example.sh" pluto example psk_tunnel \
	    psk_wrong
}

atf_init_test_cases()
{
	atf_add_test_case charon_charon
	atf_add_test_case charon_charon_crypto
	atf_add_test_case charon_charon_dpd_rekey
	atf_add_test_case charon_pluto
	atf_add_test_case pluto_charon
	atf_add_test_case extra_kind
}
