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

# racoon-ng's IKEv1 against real peers on this host, with real traffic:
#
#   - strongSwan's charon with kernel=libipsec (its userspace ESP behind a
#     TUN device: a complete IKEv1 peer without kernel IPsec), in both
#     roles: main and aggressive mode, PFS, AES-GCM, a wrong key, DELETE,
#     dead peer detection;
#   - racoon-ng against racoon-ng;
#   - RSA signatures with X.509 certificates and a CRL (ikelib.sh's
#     ike_pki), both roles, and a revoked certificate refused.
#
# racoon-ng keys sadbd, whose data plane (tun0 in racoon-ng's namespace)
# carries the tunnel between 10.1.0.0/24 and 10.2.0.0/24; racoon-ng
# initiates on the ACQUIRE a ping raises.  Each case pings across, then
# proves the ESP on the wire with tshark and the keys read back from
# sadbd (setkey -D), and that a flipped key nibble fails (negative
# control).  charon (libipsec) always puts ESP into UDP 4500 and says so
# with NAT-D: racoon-ng then moves IKE to 4500 (through sadbd's relay) and
# negotiates UDP-encapsulated tunnel mode.

IKE_SRC=$(atf_get_srcdir)/../ike_interop
. "$IKE_SRC/ikelib.sh"
. "$(atf_get_srcdir)/ikev1_peer.sh"

require()
{
	ike_require_netns
	command -v tshark >/dev/null 2>&1 || ike_skip "no tshark"
	command -v tcpdump >/dev/null 2>&1 || ike_skip "no tcpdump"
	python3 -c 'import json' 2>/dev/null || ike_skip "no python3"
	[ -c /dev/net/tun ] || ike_skip "no /dev/net/tun"
	for x in "$RN_RACOON" "$RN_SADBD" "$RN_SETKEY" "$RN_RACOONCTL"; do
		[ -x "$x" ] || atf_fail "$x is not built"
	done
}

require_charon()
{
	require
	ike_require_charon
	ike_require_libipsec
}

# The racoon-ng log: on failure, with the peer's.
show_logs()
{
	local n f
	for n in a b; do
		[ -d "$IKE_DIR/$n" ] || continue
		for f in racoon.log sadbd.log charon.log; do
			[ -f "$IKE_DIR/$n/$f" ] || continue
			echo "--- $n/$f" >&2
			tail -25 "$IKE_DIR/$n/$f" >&2
		done
	done
}

fail()
{
	show_logs
	atf_fail "$*"
}

# Stop racoon-ng and sadbd (SIGTERM: every process frees what it has)
# and find no sanitizer report from any of them.
clean_logs()
{
	local n f
	for n in a b; do
		[ "$(cat "$IKE_DIR/$n/kind" 2>/dev/null)" = racoon ] &&
		    ike_stop $n
	done
	sleep 0.3
	for n in a b; do
		for f in racoon.log sadbd.log; do
			[ -f "$IKE_DIR/$n/$f" ] || continue
			grep -qE 'ERROR: [A-Za-z]+Sanitizer|runtime error' \
			    "$IKE_DIR/$n/$f" && fail "sanitizer report in $n/$f"
		done
	done
	return 0
}

# tunnel KIND_A KIND_B INITIATOR [KEY=VALUE...]: a and b up, INITIATOR
# starts, a pings b three times through the tunnel, the capture proves
# it with a's keys (a is racoon-ng).
tunnel()
{
	local ka kb who
	ka=$1 kb=$2 who=$3
	shift 3
	ike_topo
	if [ "$kb" = charon ]; then
		ike_conf_pair "$ka" "$kb" b:kernel=libipsec "$@"
	else
		ike_conf_pair "$ka" "$kb" "$@"
	fi
	ike_start a
	ike_start b
	ike_capture_start "$PWD/cap.pcap"
	ike_initiate "$who" 20 || fail "$who could not initiate"
	ike_wait a 10 || fail "no SA in a's sadbd"
	ike_wait b 10 || fail "no SA at b"
	ike_ping a "$IKE_AIN" "$IKE_BIN" 3 || fail "no ping through the tunnel"
	ike_capture_stop
	ike_racoon_xfrm a "$PWD/a.xfrm"
	ike_esp_check "$PWD/cap.pcap" "$PWD/a.xfrm" ||
	    fail "the ESP does not check out"
	ike_esp_check_wrong "$PWD/cap.pcap" "$PWD/a.xfrm" ||
	    fail "the negative control passed"
	ike_plain_check "$PWD/cap.pcap"
}

atf_test_case racoon_charon_main cleanup
racoon_charon_main_head()
{
	atf_set "descr" "racoon-ng initiates main mode PSK on an ACQUIRE," \
	    "charon (libipsec) responds; ping and ESP proven with tshark"
	atf_set "timeout" "120"
}
racoon_charon_main_body()
{
	require_charon
	tunnel racoon charon a
	grep -q "ISAKMP SA established.*main mode, initiator" \
	    "$IKE_DIR/a/racoon.log" || fail "no phase 1 in racoon-ng's log"
	grep -q "NAT detected" "$IKE_DIR/a/racoon.log" ||
	    fail "charon's forced encapsulation was not seen"
	grep -q "IPsec SA established" "$IKE_DIR/a/racoon.log" ||
	    fail "no phase 2 in racoon-ng's log"
	clean_logs
}
racoon_charon_main_cleanup()
{
	ike_cleanup
}

atf_test_case charon_racoon_main cleanup
charon_racoon_main_head()
{
	atf_set "descr" "charon (libipsec) initiates main mode PSK," \
	    "racoon-ng responds; ping and ESP proven with tshark"
	atf_set "timeout" "120"
}
charon_racoon_main_body()
{
	require_charon
	tunnel racoon charon b
	grep -q "ISAKMP SA established.*main mode, responder" \
	    "$IKE_DIR/a/racoon.log" || fail "no phase 1 in racoon-ng's log"
	grep -q "the peer moved (NAT-T)" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng did not follow charon to port 4500"
	clean_logs
}
charon_racoon_main_cleanup()
{
	ike_cleanup
}

AGGR="exchange=aggressive a:lid=@a.ike.test a:rid=@b.ike.test
b:lid=@b.ike.test b:rid=@a.ike.test"

atf_test_case racoon_charon_aggressive cleanup
racoon_charon_aggressive_head()
{
	atf_set "descr" "aggressive mode with FQDN identities, racoon-ng" \
	    "initiating; then charon initiating"
	atf_set "timeout" "180"
}
racoon_charon_aggressive_body()
{
	require_charon
	# shellcheck disable=SC2086 # words
	tunnel racoon charon a $AGGR
	grep -q "aggressive mode, initiator" "$IKE_DIR/a/racoon.log" ||
	    fail "not aggressive mode"
	clean_logs
	ike_cleanup
	rm -rf "$IKE_DIR" cap.pcap
	# shellcheck disable=SC2086
	tunnel racoon charon b $AGGR
	grep -q "aggressive mode, responder" "$IKE_DIR/a/racoon.log" ||
	    fail "not aggressive mode"
	clean_logs
}
racoon_charon_aggressive_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_pfs_gcm cleanup
racoon_charon_pfs_gcm_head()
{
	atf_set "descr" "quick mode PFS and AES-GCM: modp2048 with" \
	    "AES-128-GCM-16; ECP-256 phase 1 and PFS with AES-256-GCM-16," \
	    "each role initiating once"
	atf_set "timeout" "180"
}
racoon_charon_pfs_gcm_body()
{
	require_charon
	tunnel racoon charon a pfs=modp2048 esp=aes128gcm16
	grep -q "aead rfc4106(gcm(aes)) 0x[0-9a-f]\{40\} 128" a.xfrm ||
	    fail "not AES-128-GCM-16: $(cat a.xfrm)"
	clean_logs
	ike_cleanup
	rm -rf "$IKE_DIR" cap.pcap a.xfrm
	tunnel racoon charon b ike=aes256-sha384-ecp256 pfs=ecp256 \
	    esp=aes256gcm16
	grep -q "aead rfc4106(gcm(aes)) 0x[0-9a-f]\{72\} 128" a.xfrm ||
	    fail "not AES-256-GCM-16: $(cat a.xfrm)"
	clean_logs
}
racoon_charon_pfs_gcm_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_wrong_psk cleanup
racoon_charon_wrong_psk_head()
{
	atf_set "descr" "negative control: racoon-ng with a PSK charon does" \
	    "not have gets no SA, and says why"
	atf_set "timeout" "120"
}
racoon_charon_wrong_psk_body()
{
	require_charon
	ike_topo
	RN_PHASE1=6
	ike_conf_pair racoon charon b:kernel=libipsec a:psk=not-the-key-b-has
	ike_start a
	ike_start b
	ike_initiate a 4 && fail "an SA with the wrong key"
	ike_established b && fail "charon has an SA with the wrong key"
	# charon's encrypted complaint cannot be read with our keys: dropped.
	grep -q "informational message without HASH first" \
	    "$IKE_DIR/a/racoon.log" || fail "no answer from charon seen"
	# The phase 1 deadline (6 s) ends it.
	n=0
	until grep -q "phase 1 with .* failed" "$IKE_DIR/a/racoon.log"; do
		n=$((n + 1))
		[ $n -lt 300 ] || fail "racoon-ng did not give up phase 1"
		sleep 0.1
	done
	ike_ping a "$IKE_AIN" "$IKE_BIN" 1 >/dev/null &&
	    fail "a ping got through without an SA"
	clean_logs
}
racoon_charon_wrong_psk_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_delete cleanup
racoon_charon_delete_head()
{
	atf_set "descr" "DELETE: an IPsec SA deleted in sadbd is deleted at" \
	    "charon (and racoon-ng drops its pair); delete-sa isakmp ends" \
	    "charon's ISAKMP SA"
	atf_set "timeout" "120"
}
racoon_charon_delete_body()
{
	local spi
	require_charon
	tunnel racoon charon a
	# Somebody deletes the outbound SA in sadbd.
	spi=$(ike_racoon_sk a -D -o json | python3 -c '
import json, sys
for l in sys.stdin:
    sa = json.loads(l)
    if sa["src"]["address"] == "10.0.0.1":
        print("0x%08x" % sa["spi"])')
	[ -n "$spi" ] || fail "no outbound SA"
	echo "delete 10.0.0.1 10.0.0.2 esp $spi;" >del.conf
	ike_racoon_sk a -f "$PWD/del.conf" >/dev/null || fail "setkey delete"
	ike_wait_gone b 10 || fail "charon kept its CHILD_SA"
	grep -q "deleting its pair" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng did not act on the deletion"
	grep -qi "received DELETE for ESP CHILD_SA" "$(ike_log b)" ||
	    fail "charon got no DELETE"
	# Both of a's SAs are gone.
	ike_racoon_established a && fail "racoon-ng kept the inbound SA"
	"$RN_RACOONCTL" -s "$IKE_DIR/a/ctl.sock" delete-sa isakmp inet \
	    10.0.0.1 10.0.0.2 || fail "racoonctl delete-sa isakmp"
	n=0
	until grep -qi "received DELETE for IKE_SA" "$(ike_log b)"; do
		n=$((n + 1))
		[ $n -lt 50 ] || fail "charon got no ISAKMP DELETE"
		sleep 0.1
	done
	clean_logs
}
racoon_charon_delete_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_delete_ctl cleanup
racoon_charon_delete_ctl_head()
{
	atf_set "descr" "racoonctl delete-sa esp deletes both SAs and tells" \
	    "charon, which deletes its CHILD_SA"
	atf_set "timeout" "120"
}
racoon_charon_delete_ctl_body()
{
	require_charon
	tunnel racoon charon a
	"$RN_RACOONCTL" -s "$IKE_DIR/a/ctl.sock" delete-sa esp inet \
	    10.0.0.1 10.0.0.2 || fail "racoonctl delete-sa esp"
	ike_racoon_established a && fail "racoon-ng kept an SA"
	ike_wait_gone b 10 || fail "charon kept its CHILD_SA"
	grep -qi "received DELETE for ESP CHILD_SA" "$(ike_log b)" ||
	    fail "charon got no DELETE"
	clean_logs
}
racoon_charon_delete_ctl_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_dpd cleanup
racoon_charon_dpd_head()
{
	atf_set "descr" "dead peer detection: charon answers R-U-THERE;" \
	    "once stopped, racoon-ng declares it dead and deletes the SAs"
	atf_set "timeout" "120"
}
racoon_charon_dpd_body()
{
	require_charon
	tunnel racoon charon a a:dpd=1
	sleep 3
	ike_established a || fail "the SAs went while charon answers"
	grep -q "R-U-THERE-ACK" "$IKE_DIR/a/racoon.log" ||
	    fail "no R-U-THERE answered"
	# charon goes silent (its link is cut; a stop would say DELETE).
	ip -n "${IKE_NSP}obs" link set vb-o down
	n=0
	until grep -q "dead peer" "$IKE_DIR/a/racoon.log"; do
		n=$((n + 1))
		[ $n -lt 150 ] || fail "charon was not declared dead"
		sleep 0.1
	done
	sleep 0.5
	ike_racoon_established a && fail "a dead peer's SAs are still there"
	clean_logs
}
racoon_charon_dpd_cleanup()
{
	ike_cleanup
}

# charon_frag NAME: charon with fragmentation = force and 576-byte
# fragments (ikelib.sh writes fragmentation = no).
charon_frag()
{
	local d
	d=$IKE_DIR/$1
	sed -i 's/fragmentation = no/fragmentation = force/' \
	    "$d/swanctl/swanctl.conf"
	sed -i 's/^charon {$/charon {\n\tfragment_size = 576/' \
	    "$d/strongswan.conf"
	grep -q 'fragmentation = force' "$d/swanctl/swanctl.conf" &&
	    grep -q 'fragment_size = 576' "$d/strongswan.conf" ||
	    atf_fail "cannot turn on charon's fragmentation"
}

# frag_tunnel INITIATOR: aggressive mode with modp8192 (a 1024-byte KE:
# AM1 and AM2 do not fit in 576 bytes), both sides fragmenting.
frag_tunnel()
{
	local who
	who=$1
	ike_topo
	# shellcheck disable=SC2086 # words
	RN_FRAG=force ike_conf_pair racoon charon b:kernel=libipsec $AGGR \
	    ike=aes128-sha256-modp8192
	charon_frag b
	grep -q 'ike_frag force' "$IKE_DIR/a/racoon-ng.conf" ||
	    atf_fail "no ike_frag in racoon-ng.conf"
	ike_start a
	ike_start b
	ike_initiate "$who" 30 || fail "$who could not initiate"
	ike_wait a 10 || fail "no SA in a's sadbd"
	ike_wait b 10 || fail "no SA at b"
	ike_ping a "$IKE_AIN" "$IKE_BIN" 3 || fail "no ping through the tunnel"
	# charon took racoon-ng's fragments ...
	grep -q "received fragment #" "$IKE_DIR/b/charon.log" ||
	    fail "charon received no fragment"
	grep -q "reassembled fragmented IKE message" "$IKE_DIR/b/charon.log" ||
	    fail "charon reassembled nothing"
	# ... and racoon-ng charon's.
	grep -q "reassembled from fragments" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng reassembled nothing"
}

atf_test_case charon_racoon_frag cleanup
charon_racoon_frag_head()
{
	atf_set "descr" "charon (fragmentation = force) initiates aggressive" \
	    "mode with modp8192: its first message comes in fragments," \
	    "racoon-ng reassembles it before any exchange exists; its" \
	    "fragmented answer is taken by charon"
	atf_set "timeout" "120"
}
charon_racoon_frag_body()
{
	require_charon
	frag_tunnel b
	grep -q "first message reassembled from fragments" \
	    "$IKE_DIR/a/racoon.log" || fail "AM1 did not come in fragments"
	grep -q "aggressive mode, responder" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng did not respond"
	clean_logs
}
charon_racoon_frag_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_frag cleanup
racoon_charon_frag_head()
{
	atf_set "descr" "racoon-ng (ike_frag force) initiates aggressive" \
	    "mode with modp8192 in fragments; charon's fragmented AM2 is" \
	    "reassembled by racoon-ng"
	atf_set "timeout" "120"
}
racoon_charon_frag_body()
{
	require_charon
	frag_tunnel a
	grep -q "aggressive mode, initiator" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng did not initiate"
	clean_logs
}
racoon_charon_frag_cleanup()
{
	ike_cleanup
}

# RSA signatures with ikelib.sh's PKI (a: 10.0.0.1, b: 10.0.0.2, c:
# 10.0.0.1 revoked; one CA and its CRL): racoon-ng is a with a's
# certificate, charon b with b's, each checking the other's chain, CRL
# and identity (the address in the subjectAltName).
RSA_PKI=
rsa_pki()
{
	RSA_PKI=$PWD/pki
	[ -f "$RSA_PKI/ca.crl" ] || ike_pki "$RSA_PKI"
}

atf_test_case racoon_charon_rsa cleanup
racoon_charon_rsa_head()
{
	atf_set "descr" "main mode with RSA signatures and X.509" 	    "certificates (CR, CERT, SIG), racoon-ng initiating, then" 	    "charon initiating; ping and ESP proven with tshark"
	atf_set "timeout" "180"
}
racoon_charon_rsa_body()
{
	local who r
	require_charon
	rsa_pki
	for who in a b; do
		tunnel racoon charon $who auth=rsa "pki=$RSA_PKI" a:cert=a \
		    b:cert=b
		grep -q "authenticated by certificate \"C=CH, O=pfkeykit, \
CN=b.ike.test\"" "$IKE_DIR/a/racoon.log" ||
		    fail "racoon-ng did not check charon's certificate"
		if [ $who = a ]; then r=initiator; else r=responder; fi
		grep -q "ISAKMP SA established.*main mode, $r" \
		    "$IKE_DIR/a/racoon.log" || fail "no phase 1 as $r"
		# charon checked a's chain and CRL, then the signature.
		grep -q "checking certificate status of \"C=CH, O=pfkeykit, \
CN=a.ike.test\"" "$(ike_log b)" && grep -q "certificate status is good" \
		    "$(ike_log b)" ||
		    fail "charon did not check racoon-ng's certificate"
		grep -q "authentication of '10.0.0.1' with RSA_EMSA_PKCS1_NULL \
successful" "$(ike_log b)" ||
		    fail "charon did not verify racoon-ng's signature"
		clean_logs
		ike_cleanup
		rm -rf "$IKE_DIR" cap.pcap a.xfrm
	done
}
racoon_charon_rsa_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_rsa_aggressive cleanup
racoon_charon_rsa_aggressive_head()
{
	atf_set "descr" "aggressive mode with RSA signatures, racoon-ng" \
	    "initiating; ping and ESP proven with tshark"
	atf_set "timeout" "120"
}
racoon_charon_rsa_aggressive_body()
{
	require_charon
	rsa_pki
	tunnel racoon charon a auth=rsa "pki=$RSA_PKI" a:cert=a b:cert=b \
	    exchange=aggressive
	grep -q "aggressive mode, initiator" "$IKE_DIR/a/racoon.log" ||
	    fail "not aggressive mode"
	grep -q "authenticated by certificate" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng did not check charon's certificate"
	clean_logs
}
racoon_charon_rsa_aggressive_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_racoon_rsa cleanup
racoon_racoon_rsa_head()
{
	atf_set "descr" "racoon-ng <-> racoon-ng with RSA signatures and" \
	    "CRLs over two sadbd data planes; ping and ESP proven"
	atf_set "timeout" "120"
}
racoon_racoon_rsa_body()
{
	require
	rsa_pki
	tunnel racoon racoon a auth=rsa "pki=$RSA_PKI" a:cert=a b:cert=b
	grep -q "authenticated by certificate \"C=CH, O=pfkeykit, \
CN=b.ike.test\"" "$IKE_DIR/a/racoon.log" || fail "a did not check b"
	grep -q "authenticated by certificate \"C=CH, O=pfkeykit, \
CN=a.ike.test\"" "$IKE_DIR/b/racoon.log" || fail "b did not check a"
	grep -q "main mode, responder" "$IKE_DIR/b/racoon.log" ||
	    fail "b did not respond"
	clean_logs
}
racoon_racoon_rsa_cleanup()
{
	ike_cleanup
}

atf_test_case charon_racoon_rsa_revoked cleanup
charon_racoon_rsa_revoked_head()
{
	atf_set "descr" "negative control: charon with the revoked" \
	    "certificate c initiates; racoon-ng refuses it by the CRL," \
	    "says why and gets no SA; then racoon-ng with c, refused by charon"
	atf_set "timeout" "120"
}
charon_racoon_rsa_revoked_body()
{
	require_charon
	rsa_pki
	ike_topo
	RN_PHASE1=6
	# c's own identity, so that only the revocation is wrong.
	ike_conf_pair racoon charon b:kernel=libipsec auth=rsa \
	    "pki=$RSA_PKI" a:cert=a b:cert=c b:lid=@c.ike.test \
	    a:rid=@c.ike.test
	ike_start a
	ike_start b
	ike_initiate b 5 && fail "an SA with a revoked certificate"
	grep -q "signature authentication failed: certificate \
\"C=CH, O=pfkeykit, CN=c.ike.test\" refused: .*revoked" \
	    "$IKE_DIR/a/racoon.log" || fail "racoon-ng did not refuse c"
	ike_established a && fail "racoon-ng has an SA with c"
	ike_ping a "$IKE_AIN" "$IKE_BIN" 1 >/dev/null &&
	    fail "a ping got through without an SA"
	clean_logs
	ike_cleanup
	rm -rf "$IKE_DIR"
	# The other way: charon refuses racoon-ng's revoked certificate.
	ike_topo
	ike_conf_pair racoon charon b:kernel=libipsec auth=rsa \
	    "pki=$RSA_PKI" a:cert=c b:cert=b a:lid=@c.ike.test \
	    b:rid=@c.ike.test
	ike_start a
	ike_start b
	ike_initiate a 5 && fail "charon took a revoked certificate"
	ike_established b && fail "charon has an SA with c"
	grep -q "certificate was revoked" "$(ike_log b)" ||
	    fail "charon did not refuse c for its revocation"
	clean_logs
}
charon_racoon_rsa_revoked_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_racoon cleanup
racoon_racoon_head()
{
	atf_set "descr" "racoon-ng <-> racoon-ng over two sadbd data planes:" \
	    "the first ping raises the ACQUIRE, the SAs come up, ping" \
	    "through, ESP proven with tshark both ways"
	atf_set "timeout" "120"
}
racoon_racoon_body()
{
	require
	tunnel racoon racoon a
	grep -q "main mode, responder" "$IKE_DIR/b/racoon.log" ||
	    fail "b did not respond"
	# b's keys tell the same story.
	ike_racoon_xfrm b "$PWD/b.xfrm"
	ike_esp_check "$PWD/cap.pcap" "$PWD/b.xfrm" ||
	    fail "the ESP does not check out with b's keys"
	clean_logs
}
racoon_racoon_cleanup()
{
	ike_cleanup
}

# esn_of NAME WANT: every ESP SA in NAME's sadbd has esn WANT (True or
# False), as setkey -D -o json says (written by ike_racoon_xfrm).
esn_of()
{
	python3 - "$IKE_DIR/$1/sas.json" "$2" <<'EOF' || fail "$1: ESN is not $2"
import json, sys
sas = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sas = [s for s in sas if s.get("type") == "sa" and s.get("satype") == "esp"]
assert len(sas) >= 2, sas
assert all(s.get("esn") == (sys.argv[2] == "True") for s in sas), sas
EOF
}

atf_test_case racoon_racoon_esn cleanup
racoon_racoon_esn_head()
{
	atf_set "descr" "racoon-ng <-> racoon-ng with esn on (RFC 4304):" \
	    "the SAs in both sadbd data planes have 64-bit sequence" \
	    "numbers, ping through, and the ICVs on the wire cover the" \
	    "high sequence bits (a 32-bit check fails them); without esn" \
	    "none of that"
	atf_set "timeout" "120"
}
racoon_racoon_esn_body()
{
	require
	ike_topo
	RN_ESN=on ike_conf_pair racoon racoon
	grep -q 'esn on' "$IKE_DIR/a/racoon-ng.conf" || fail "no esn in a"
	ike_start a
	ike_start b
	ike_capture_start "$PWD/cap.pcap"
	ike_initiate a 20 || fail "a could not initiate"
	ike_wait a 10 || fail "no SA in a's sadbd"
	ike_wait b 10 || fail "no SA in b's sadbd"
	ike_ping a "$IKE_AIN" "$IKE_BIN" 3 || fail "no ping through the tunnel"
	ike_capture_stop
	ike_racoon_xfrm a "$PWD/a.xfrm"
	ike_racoon_xfrm b "$PWD/b.xfrm"
	esn_of a True
	esn_of b True
	# tshark checks ICVs over 32-bit sequence numbers: with ESN the
	# high half is in them (RFC 4303 2.2.1), so every packet fails.
	if (IKE_NOATF=1 ike_esp_check "$PWD/cap.pcap" "$PWD/a.xfrm") \
	    2>esp.err; then
		fail "the ICVs check out without the high sequence bits"
	fi
	grep -q 'ICV not good' esp.err || fail "$(cat esp.err)"
	clean_logs
	ike_cleanup
	rm -rf "$IKE_DIR" cap.pcap
	# The control: the same without esn.
	tunnel racoon racoon a
	ike_racoon_xfrm b "$PWD/b.xfrm"
	esn_of a False
	esn_of b False
	clean_logs
}
racoon_racoon_esn_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_rekey cleanup
racoon_charon_rekey_head()
{
	atf_set "descr" "phase 2 rekey under traffic: racoon-ng's SAs live" \
	    "8 s; on the soft EXPIRE it negotiates new ones with charon and" \
	    "a ping running across all of it loses nothing"
	atf_set "timeout" "120"
}
racoon_charon_rekey_body()
{
	require_charon
	tunnel racoon charon a a:life=8
	ike_ping a "$IKE_AIN" "$IKE_BIN" 24 0.5 >ping.long ||
	    fail "pings lost across the rekey: $(tail -2 ping.long)"
	grep -q "renewing it" "$IKE_DIR/a/racoon.log" ||
	    fail "no rekey on the soft EXPIRE"
	[ "$(grep -c "IPsec SA established" "$IKE_DIR/a/racoon.log")" -ge 2 ] ||
	    fail "no second quick mode"
	grep -q "hard EXPIRE" "$IKE_DIR/a/racoon.log" ||
	    fail "the old SAs did not reach their end"
	ike_established a || fail "no SAs after the rekey"
	clean_logs
}
racoon_charon_rekey_cleanup()
{
	ike_cleanup
}

atf_test_case racoon_charon_nat cleanup
racoon_charon_nat_head()
{
	atf_set "descr" "racoon-ng behind a masquerading NAT (nftables)" \
	    "initiates to charon: NAT-D finds it, IKE moves to 4500, the" \
	    "tunnel is UDP-encapsulated; ping and ESP proven"
	atf_set "timeout" "120"
}
racoon_charon_nat_body()
{
	require_charon
	command -v nft >/dev/null 2>&1 || ike_skip "no nft (nftables)"
	ike_topo_nat
	ike_conf_pair racoon charon b:kernel=libipsec
	ike_start a
	ike_start b
	ike_capture_start "$PWD/cap.pcap"
	ike_initiate a 20 || fail "a could not initiate"
	ike_wait b 10 || fail "no SA at b"
	ike_ping a "$IKE_AIN" "$IKE_BIN" 3 || fail "no ping through the tunnel"
	ike_capture_stop
	grep -q "NAT detected (in front of us" "$IKE_DIR/a/racoon.log" ||
	    fail "racoon-ng did not see its NAT"
	ike_racoon_xfrm a "$PWD/a.xfrm"
	grep -q "encap type espinudp" a.xfrm || fail "not UDP-encapsulated"
	# The capture is outside the NAT: a's address as b sees it.
	sed -i "s/$IKE_APRIV/$IKE_A/g" a.xfrm
	ike_esp_check "$PWD/cap.pcap" "$PWD/a.xfrm" ||
	    fail "the ESP does not check out"
	ike_esp_check_wrong "$PWD/cap.pcap" "$PWD/a.xfrm" ||
	    fail "the negative control passed"
	clean_logs
}
racoon_charon_nat_cleanup()
{
	ike_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case racoon_racoon
	atf_add_test_case racoon_racoon_esn
	atf_add_test_case racoon_charon_main
	atf_add_test_case charon_racoon_main
	atf_add_test_case racoon_charon_aggressive
	atf_add_test_case racoon_charon_pfs_gcm
	atf_add_test_case racoon_charon_wrong_psk
	atf_add_test_case racoon_charon_delete
	atf_add_test_case racoon_charon_delete_ctl
	atf_add_test_case racoon_charon_dpd
	atf_add_test_case racoon_charon_rekey
	atf_add_test_case racoon_charon_nat
	atf_add_test_case charon_racoon_frag
	atf_add_test_case racoon_charon_frag
	atf_add_test_case racoon_charon_rsa
	atf_add_test_case racoon_charon_rsa_aggressive
	atf_add_test_case racoon_racoon_rsa
	atf_add_test_case charon_racoon_rsa_revoked
}
