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

# The IKEv1 peer harness (ikelib.sh) on the host, whose kernel has XFRM but
# no ESP: what an IKE daemon keying sadbd's userspace data plane meets here.
#
#   libipsec_*: charon with its kernel-libipsec backend (userspace ESP
#	behind a TUN device, Debian's libcharon-extra-plugins) on both sides
#	is a complete peer on the host: main mode PSK, quick mode, the
#	CHILD_SA installed in charon, ping across the tunnel both ways.  The
#	keys come from charon's log (chd=4: ike_charon_esp_keys), and the
#	wire (an observer namespace) is judged as in the guest (ike_judge):
#	every ESP packet, here always in UDP 4500 (kernel-libipsec forces
#	NAT-T encapsulation), passes its ICV and decrypts to an ICMP echo,
#	not with a key flipped; no ICMP in clear; the quick modes decrypt
#	with the phase 1 keys of the log.  Tunnel mode only (kernel-libipsec
#	has no transport mode).
#   netlink_ike_only: charon with kernel-netlink (the usual backend)
#	establishes its IKE SA, but the quick mode ends in charon failing to
#	install the CHILD_SA in this kernel ("unable to add SAD entry",
#	protocol not supported) and sending an INFORMATIONAL with
#	NO_PROPOSAL_CHOSEN: a peer of a daemon on sadbd must use
#	kernel-libipsec (or run IKE only).
#	Where the kernel does have ESP, the case checks the CHILD_SA is
#	installed instead.

IKE_SRC=$(atf_get_srcdir)
. "$IKE_SRC/ikelib.sh"

host_require()
{
	ike_require_netns
	ike_require_charon
	for t in tcpdump tshark ping; do
		command -v $t >/dev/null 2>&1 || atf_skip "no $t"
	done
}

# libipsec ESP: charon <-> charon on the host, judged on the wire.
libipsec()
{
	host_require
	ike_require_libipsec
	ike_topo
	ike_conf_pair charon charon kernel=libipsec "esp=$1" ${2:+"pfs=$2"}
	ike_start b
	ike_start a
	ike_capture_start "$PWD/wire.pcap"
	ike_initiate a 20 || atf_fail "a could not initiate"
	ike_wait a 10 || atf_fail "a holds no CHILD_SA"
	ike_wait b 10 || atf_fail "b holds no CHILD_SA"
	ike_ping a "$IKE_AIN" "$IKE_BIN" 5 || atf_fail "ping a -> b failed"
	ike_ping b "$IKE_BIN" "$IKE_AIN" 5 || atf_fail "ping b -> a failed"
	ike_capture_stop
	ike_terminate a || atf_fail "a could not terminate"
	ike_wait_gone b 10 || atf_fail "b kept its CHILD_SA after the delete"
	mkdir -p wire
	cp wire.pcap wire/
	ike_charon_esp_keys "$(ike_log b)" >wire/xfrm.b
	ike_charon_esp_keys "$(ike_log a)" >wire/xfrm.a
	cat wire/xfrm.b
	# Both sides derived the same two SAs.
	[ "$(ike_xfrm_sas wire/xfrm.a | sort)" = \
	    "$(ike_xfrm_sas wire/xfrm.b | sort)" ] ||
	    atf_fail "a and b logged different SAs"
	[ "$(ike_xfrm_sas wire/xfrm.b | wc -l)" = 2 ] ||
	    atf_fail "not 2 SAs in b's log"
	IKE_JUDGE_ENCAP=yes ike_judge wire basic "$(ike_log a)" encap=yes \
	    "esp=$1" ${2:+"pfs=$2"}
	ike_stop a
	ike_stop b
}

atf_test_case libipsec_cbc cleanup
libipsec_cbc_head()
{
	atf_set "descr" "Host: charon (kernel-libipsec) <-> charon, IKEv1 main" \
	    "mode PSK, ESP AES-CBC/HMAC-SHA-256 in UDP: ping across, the" \
	    "wire decrypts with the keys of charon's log, not with a wrong one"
	atf_set "timeout" "120"
}
libipsec_cbc_body()
{
	libipsec aes128-sha256
}
libipsec_cbc_cleanup()
{
	ike_cleanup
}

atf_test_case libipsec_gcm cleanup
libipsec_gcm_head()
{
	atf_set "descr" "Host: charon (kernel-libipsec) <-> charon, IKEv1 main" \
	    "mode PSK, ESP AES-GCM-16 with quick mode PFS (modp2048)"
	atf_set "timeout" "120"
}
libipsec_gcm_body()
{
	libipsec aes128gcm16 modp2048
}
libipsec_gcm_cleanup()
{
	ike_cleanup
}

# kernel_has_esp: can an ESP SA be added in a scratch namespace?
kernel_has_esp()
{
	local n r
	n=ikeesp$$
	ip netns add $n || return 1
	r=0
	ip -n $n xfrm state add src 10.9.0.1 dst 10.9.0.2 proto esp \
	    spi 0x100 mode tunnel enc 'cbc(aes)' \
	    0x00112233445566778899aabbccddeeff \
	    auth-trunc 'hmac(sha256)' \
	    0x00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff \
	    128 2>/dev/null || r=1
	ip netns del $n
	return $r
}

atf_test_case netlink_ike_only cleanup
netlink_ike_only_head()
{
	atf_set "descr" "Host: charon (kernel-netlink) <-> charon: the IKE SA" \
	    "is established; without kernel ESP the CHILD_SA cannot be" \
	    "installed and charon says so"
	atf_set "timeout" "120"
}
netlink_ike_only_body()
{
	host_require
	esp=no
	kernel_has_esp && esp=yes
	ike_topo
	ike_conf_pair charon charon
	ike_start b
	ike_start a
	rc=0
	ike_initiate a 20 || rc=$?
	for n in a b; do
		ike_charon_swanctl $n --list-sas >"sas.$n"
		cat "sas.$n"
		grep -q '^c: #[0-9]*, ESTABLISHED, IKEv1' "sas.$n" ||
		    atf_fail "$n: no established IKEv1 SA"
	done
	if [ $esp = yes ]; then
		[ $rc = 0 ] || atf_fail "this kernel has ESP, the quick mode" \
		    "failed"
		ike_wait a 10 && ike_wait b 10 ||
		    atf_fail "this kernel has ESP, no CHILD_SA was installed"
		return 0
	fi
	[ $rc != 0 ] || atf_fail "the initiation succeeded without kernel ESP"
	for n in a b; do
		ike_established $n && atf_fail "$n holds a CHILD_SA"
	done
	# The quick mode initiator cannot put the SAs into the kernel and
	# tells its peer NO_PROPOSAL_CHOSEN; the responder never installs.
	grep -q 'unable to add SAD entry' "$(ike_log a)" ||
	    atf_fail "a: no 'unable to add SAD entry' in its log"
	grep -q 'unable to install inbound and outbound IPsec SA' \
	    "$(ike_log a)" || atf_fail "a: the failure is not the SA install"
	grep -q 'generating INFORMATIONAL_V1 request .*N(NO_PROP)' \
	    "$(ike_log a)" || atf_fail "a sent no NO_PROPOSAL_CHOSEN"
	grep -q 'received NO_PROPOSAL_CHOSEN error notify' "$(ike_log b)" ||
	    atf_fail "b did not receive NO_PROPOSAL_CHOSEN"
	ike_stop a
	ike_stop b
}
netlink_ike_only_cleanup()
{
	ike_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case libipsec_cbc
	atf_add_test_case libipsec_gcm
	atf_add_test_case netlink_ike_only
}
