/*
 * Copyright (c) 2026 The pfkeykit developers
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * ikev1_cert_test: phase 1 with RSA signatures (RFC 2409 5.1), two
 * racoon-ng engines in one process through the in-memory frame
 * (ikev1_frame.h), whose frame_certs() and frame_sign() read the
 * certificates, keys, CAs and CRLs of the configuration with cert.h.  The
 * PKI is cert_test's (cert/mkpki.sh, openssl(1)):
 *
 *   A  192.0.2.1  host1: gw1.example.org, 192.0.2.1, by the root CA
 *   B  192.0.2.2  host2: gw2.example.org, 192.0.2.2, by the intermediate
 *                 CA (sent with its chain)
 *
 * Each refusal is checked with its notification and the log line that
 * names the check, and next to a control that differs only in the point
 * refused and succeeds.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ikev1_frame.h"
#include "cert.h"
#include "pki_testutil.h"

#define A	0
#define B	1
#define ADDR_A	"192.0.2.1"
#define ADDR_B	"192.0.2.2"

/* ------------------------------------------------------ configuration */

/*
 * One side: certificate files by PKI name, then remote statements; the
 * exchange mode; phase 1 authenticated with rsasig.
 */
static char *
conf(const char *peer, const char *mode, const char *cert,
    const char *remote_extra)
{
	char *s, certline[256], file[64];

	if (cert != NULL && strlen(cert) + 5 > sizeof(file))
		atf_tc_fail("%s: name too long", cert);
	if (cert != NULL)
		(void)snprintf(certline, sizeof(certline),
		    "certificate_type x509 \"%s\" \"%s.key\";",
		    strcmp(cert, "host2-chain") == 0 ? "host2-chain.pem" :
		    strcat(strcpy(file, cert), ".crt"),
		    strcmp(cert, "host2-chain") == 0 ? "host2" : cert);
	else
		certline[0] = '\0';
	if (asprintf(&s,
	    "path certificate \"%s\";\n"
	    "timer { counter 4; interval 2 sec; phase1 40 sec; "
	    "phase2 40 sec; }\n"
	    "remote %s {\n"
	    "	exchange_mode %s;\n"
	    "	%s\n"
	    "	%s\n"
	    "	proposal {\n"
	    "		encryption_algorithm aes 256;\n"
	    "		hash_algorithm sha256;\n"
	    "		authentication_method rsasig;\n"
	    "		dh_group modp2048;\n"
	    "	}\n"
	    "}\n"
	    "sainfo anonymous {\n"
	    "	encryption_algorithm aes 256;\n"
	    "	authentication_algorithm hmac_sha256;\n"
	    "}\n", pki_dir, peer, mode, certline, remote_extra) == -1)
		atf_tc_fail("asprintf");
	return (s);
}

static void
setup_mode(const atf_tc_t *tc, const char *mode, const char *certa,
    const char *ra, const char *certb, const char *rb)
{
	char *ca, *cb;

	(void)pki_testdir(tc);
	ca = conf(ADDR_B, mode, certa, ra);
	cb = conf(ADDR_A, mode, certb, rb);
	tf_reset();
	ATF_REQUIRE_EQ_MSG(tf_node(A, "A", ADDR_A, ca), 0, "config A:\n%s",
	    ca);
	ATF_REQUIRE_EQ_MSG(tf_node(B, "B", ADDR_B, cb), 0, "config B:\n%s",
	    cb);
	free(ca);
	free(cb);
}

#define CA_ROOT		"ca_type x509 \"root.crt\";"
#define CRL_ROOT	"crl_file \"root.crl\";"

static void
setup(const atf_tc_t *tc, const char *certa, const char *ra,
    const char *certb, const char *rb)
{
	setup_mode(tc, "main", certa, ra, certb, rb);
}

/* An ACQUIRE at a node for 10.1.0.0/16 -> 10.2.0.0/16 (tunnel). */
static void
acquire_at(int node, uint32_t seq)
{
	struct ike_acquire a;
	struct tf_node *me = &tf_nodes[node], *peer = &tf_nodes[1 - node];

	memset(&a, 0, sizeof(a));
	a.seq = seq;
	a.satype = PFKEY_SATYPE_ESP;
	a.src = me->addr;
	a.dst = peer->addr;
	ATF_REQUIRE(sad_addr_parse(&a.sel_src, node == A ? "10.1.0.0" :
	    "10.2.0.0") == 0);
	ATF_REQUIRE(sad_addr_parse(&a.sel_dst, node == A ? "10.2.0.0" :
	    "10.1.0.0") == 0);
	a.sel_src.plen = a.sel_dst.plen = 16;
	a.ulproto = 255;
	a.reqid = 7;
	a.mode = PFKEY_MODE_TUNNEL;
	a.level = PFKEY_LEVEL_REQUIRE;
	a.dir = PFKEY_DIR_OUTBOUND;
	tf_use(node);
	ike_acquire(&a);
}

static const struct tf_sa *
sa_of(int node, uint8_t op)
{
	struct tf_node *n = &tf_nodes[node];
	size_t i;

	for (i = n->nsas; i-- > 0;)
		if (n->sas[i].s.op == op && !n->sas[i].deleted)
			return (&n->sas[i]);
	return (NULL);
}

/* Phase 1 and a quick mode up on both sides, with matching keys. */
static void
check_up(void)
{
	const struct tf_sa *ain, *aout, *bin, *bout;

	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->auth_failed, 0);
	ATF_CHECK_EQ(tf_stats(B)->auth_failed, 0);
	ain = sa_of(A, PS_SA_UPDATE);
	aout = sa_of(A, PS_SA_ADD);
	bin = sa_of(B, PS_SA_UPDATE);
	bout = sa_of(B, PS_SA_ADD);
	ATF_REQUIRE(ain != NULL && aout != NULL && bin != NULL &&
	    bout != NULL);
	ATF_CHECK_EQ(aout->s.spi, bin->s.spi);
	ATF_CHECK_EQ(bout->s.spi, ain->s.spi);
	ATF_CHECK_EQ(aout->s.ekeylen, 32);
	ATF_CHECK(memcmp(aout->ekey, bin->ekey, 32) == 0);
	ATF_CHECK(memcmp(bout->ekey, ain->ekey, 32) == 0);
	ATF_CHECK(memcmp(aout->akey, bin->akey, aout->s.akeylen) == 0);
	/* Each side had its HASH signed once by "its ca process". */
	ATF_CHECK_EQ(tf_nodes[A].signs, 1);
	ATF_CHECK_EQ(tf_nodes[B].signs, 1);
}

/*
 * Nothing up; `at' refused the other with notify ntf, logging what.  A
 * main mode responder is up once it sent MM6 (the initiator refusing it
 * then is the case of check_refused_mm6()).
 */
static void
check_refused_x(int at, uint16_t ntf, const char *what, bool mm6)
{
	tf_advance(60000);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, mm6 ? 1 : 0);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 0);
	ATF_CHECK_EQ(tf_live_sas(A), 0);
	ATF_CHECK_EQ(tf_live_sas(B), 0);
	ATF_CHECK(tf_stats(at)->auth_failed >= 1);
	ATF_CHECK_MSG(tf_stats(at)->notify_sent[ntf] >= 1,
	    "notify %u not sent", ntf);
	ATF_CHECK_MSG(tf_logged(at, what), "no log line with \"%s\"", what);
	ATF_CHECK(tf_logged(at, "signature authentication failed"));
	ATF_CHECK(tf_event_seen(at, PS_EVT_PHASE1_AUTH_FAILED));
}

static void
check_refused(int at, uint16_t ntf, const char *what)
{
	check_refused_x(at, ntf, what, false);
}

/* -------------------------------------------------------------- tests */

ATF_TC_WITHOUT_HEAD(main_mode_initiator);
ATF_TC_BODY(main_mode_initiator, tc)
{
	setup(tc, "host1", CA_ROOT CRL_ROOT, "host2-chain", CA_ROOT CRL_ROOT);
	acquire_at(A, 1);
	tf_run();
	check_up();
	ATF_CHECK(tf_logged(A, "authenticated by certificate"));
	ATF_CHECK(tf_logged(A, "CN=gw2.example.org"));
	ATF_CHECK(tf_logged(B, "CN=gw1.example.org"));
	/* B's certificate came with the intermediate CA that issued it. */
	ATF_CHECK(!tf_logged(A, "refused"));
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(main_mode_responder);
ATF_TC_BODY(main_mode_responder, tc)
{
	setup(tc, "host1", CA_ROOT, "host2-chain", CA_ROOT);
	acquire_at(B, 1);
	tf_run();
	check_up();
	ATF_CHECK(tf_logged(B, "authenticated by certificate"));
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(aggressive_mode);
ATF_TC_BODY(aggressive_mode, tc)
{
	setup_mode(tc, "aggressive", "host1",
	    CA_ROOT "my_identifier fqdn \"gw1.example.org\";",
	    "host2-chain", CA_ROOT
	    "my_identifier fqdn \"gw2.example.org\";");
	acquire_at(A, 1);
	tf_run();
	check_up();
	ATF_CHECK(tf_logged(A, "CN=gw2.example.org"));
	ATF_CHECK(tf_logged(B, "CN=gw1.example.org"));
	tf_teardown();
}

/* A certificate of a CA we do not trust; verify_cert off takes it. */
ATF_TC_WITHOUT_HEAD(other_ca);
ATF_TC_BODY(other_ca, tc)
{
	setup(tc, "otherhost", CA_ROOT
	    "my_identifier fqdn \"gw.other.example\";", "host2-chain",
	    CA_ROOT);
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY,
	    "CN=gw.other.example\" refused");
	/* Control: the same without verify_cert. */
	setup(tc, "otherhost", CA_ROOT
	    "my_identifier fqdn \"gw.other.example\";", "host2-chain",
	    CA_ROOT "verify_cert off;");
	acquire_at(A, 1);
	tf_run();
	check_up();
	tf_teardown();
}

/* A revoked certificate, refused by the CRL (and taken without it). */
ATF_TC_WITHOUT_HEAD(revoked);
ATF_TC_BODY(revoked, tc)
{
	setup(tc, "revoked", CA_ROOT
	    "my_identifier fqdn \"revoked.example.org\";", "host2-chain",
	    CA_ROOT CRL_ROOT);
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_CERTIFICATE, "revoked");
	setup(tc, "revoked", CA_ROOT
	    "my_identifier fqdn \"revoked.example.org\";", "host2-chain",
	    CA_ROOT);
	acquire_at(A, 1);
	tf_run();
	check_up();
	tf_teardown();
}

/* The ID payload names an identity the certificate does not have. */
ATF_TC_WITHOUT_HEAD(id_mismatch);
ATF_TC_BODY(id_mismatch, tc)
{
	setup(tc, "host1", CA_ROOT "my_identifier fqdn \"gw2.example.org\";",
	    "host2-chain", CA_ROOT);
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
	    "does not match certificate");
	/* The responder's ID is checked by the initiator too. */
	setup(tc, "host1", CA_ROOT, "host2-chain",
	    CA_ROOT "my_identifier user_fqdn \"admin@example.org\";");
	acquire_at(A, 1);
	check_refused_x(A, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
	    "does not match certificate", true);
	/* Control: an identity it has. */
	setup(tc, "host1", CA_ROOT "my_identifier user_fqdn "
	    "\"admin@example.org\";", "host2-chain", CA_ROOT);
	acquire_at(A, 1);
	tf_run();
	check_up();
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(peers_identifier);
ATF_TC_BODY(peers_identifier, tc)
{
	setup(tc, "host1", CA_ROOT "my_identifier fqdn \"gw1.example.org\";",
	    "host2-chain", CA_ROOT "peers_identifier fqdn "
	    "\"gw9.example.org\"; verify_identifier on;");
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
	    "peers_identifier");
	/* Off, the same is accepted. */
	setup(tc, "host1", CA_ROOT "my_identifier fqdn \"gw1.example.org\";",
	    "host2-chain", CA_ROOT "peers_identifier fqdn "
	    "\"gw9.example.org\"; verify_identifier off;");
	acquire_at(A, 1);
	tf_run();
	check_up();
	/* And on with the right name. */
	setup(tc, "host1", CA_ROOT "my_identifier fqdn \"gw1.example.org\";",
	    "host2-chain", CA_ROOT "peers_identifier fqdn "
	    "\"GW1.example.org\"; verify_identifier on;");
	acquire_at(A, 1);
	tf_run();
	check_up();
	tf_teardown();
}

/* A signature with one bit changed (the negative control of all). */
ATF_TC_WITHOUT_HEAD(bad_signature);
ATF_TC_BODY(bad_signature, tc)
{
	setup(tc, "host1", CA_ROOT, "host2-chain", CA_ROOT);
	tf_nodes[A].sign_corrupt = true;
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_SIGNATURE,
	    "the signature does not verify");
	/* The responder's, in aggressive mode. */
	setup_mode(tc, "aggressive", "host1", CA_ROOT, "host2-chain",
	    CA_ROOT);
	tf_nodes[B].sign_corrupt = true;
	acquire_at(A, 1);
	check_refused(A, ISAKMP_NTYPE_INVALID_SIGNATURE,
	    "the signature does not verify");
	/* No signature from the ca process: nothing goes out. */
	setup(tc, "host1", CA_ROOT, "host2-chain", CA_ROOT);
	tf_nodes[A].sign_error = ENOENT;
	acquire_at(A, 1);
	tf_advance(60000);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK(tf_logged(A, "cannot sign"));
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(asn1dn);
ATF_TC_BODY(asn1dn, tc)
{
	setup(tc, "host1", CA_ROOT "my_identifier asn1dn; "
	    "peers_identifier asn1dn \"C=DE, O=pfkeykit test, OU=*, "
	    "CN=gw2.example.org\"; verify_identifier on;",
	    "host2-chain", CA_ROOT "my_identifier asn1dn; "
	    "peers_identifier asn1dn \"C=DE, O=pfkeykit test, "
	    "OU=gateways, CN=gw1.example.org\"; verify_identifier on;");
	acquire_at(A, 1);
	tf_run();
	check_up();
	/* The phase 1 identity is the DN (type 9). */
	ATF_CHECK_EQ(tf_nodes[A].eng->p1s.tqh_first->peer_idtype,
	    IPSEC_ID_DER_ASN1_DN);
	/* A DN pattern that does not fit is refused. */
	setup(tc, "host1", CA_ROOT "my_identifier asn1dn;",
	    "host2-chain", CA_ROOT "peers_identifier asn1dn \"C=DE, "
	    "O=pfkeykit test, OU=gateways, CN=gw2.example.org\"; "
	    "verify_identifier on;");
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
	    "peers_identifier");
	tf_teardown();
}

/* send_cert off: the peer needs peers_certfile. */
ATF_TC_WITHOUT_HEAD(peers_certfile);
ATF_TC_BODY(peers_certfile, tc)
{
	setup(tc, "host1", CA_ROOT "send_cert off;", "host2-chain",
	    CA_ROOT "peers_certfile x509 \"host1.crt\";");
	acquire_at(A, 1);
	tf_run();
	check_up();
	/* Without it, no certificate at all. */
	setup(tc, "host1", CA_ROOT "send_cert off;", "host2-chain",
	    CA_ROOT);
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_CERTIFICATE_UNAVAILABLE,
	    "sent no certificate");
	/* A peers_certfile of someone else: the signature fails. */
	setup(tc, "host1", CA_ROOT "send_cert off;", "host2-chain",
	    CA_ROOT "peers_certfile x509 \"revoked.crt\"; "
	    "verify_cert off;");
	acquire_at(A, 1);
	check_refused(B, ISAKMP_NTYPE_INVALID_SIGNATURE,
	    "the signature does not verify");
	tf_teardown();
}

/*
 * Damaged CERT payloads in AM2 (in the clear): refused with the notify
 * of the damage, never a crash.
 */
struct damage {
	int	kind;
	bool	done;
};

static int
damage_am2(struct tf_dgram *d, void *arg)
{
	struct damage *dm = arg;
	struct isakmp_msg m;
	struct isakmp_error e;
	const struct isakmp_payload *pl;
	size_t off, i;

	if (dm->done || d->from != B)
		return (TF_DELIVER);
	memset(&e, 0, sizeof(e));
	if (isakmp_decode(&m, d->data, d->len, &e) != 0 ||
	    (pl = isakmp_msg_find(&m, ISAKMP_NPTYPE_CERT)) == NULL)
		return (TF_DELIVER);
	off = (size_t)(pl->body - d->data);
	switch (dm->kind) {
	case 0:		/* an encoding we do not know, in every one */
		for (i = 0; (pl = isakmp_msg_find_nth(&m, ISAKMP_NPTYPE_CERT,
		    i)) != NULL; i++)
			d->data[(size_t)(pl->body - d->data)] = 200;
		ATF_CHECK_EQ(i, 2);	/* host2 and its CA */
		break;
	case 1:		/* DER that is not a certificate */
		memset(d->data + off + 1, 0x30, pl->len - 1);
		break;
	default:	/* the SIG payload's data */
		pl = isakmp_msg_find(&m, ISAKMP_NPTYPE_SIG);
		ATF_REQUIRE(pl != NULL);
		d->data[(size_t)(pl->body - d->data) + 5] ^= 0x80;
		break;
	}
	dm->done = true;
	return (TF_DELIVER);
}

ATF_TC_WITHOUT_HEAD(malformed_payloads);
ATF_TC_BODY(malformed_payloads, tc)
{
	static const uint16_t ntf[] = { ISAKMP_NTYPE_CERT_TYPE_UNSUPPORTED,
	    ISAKMP_NTYPE_INVALID_CERT_ENCODING,
	    ISAKMP_NTYPE_INVALID_SIGNATURE };
	struct damage dm;
	int k;

	for (k = 0; k < 3; k++) {
		setup_mode(tc, "aggressive", "host1", CA_ROOT "ike_frag off;",
		    "host2-chain", CA_ROOT "ike_frag off;");
		memset(&dm, 0, sizeof(dm));
		dm.kind = k;
		tf_set_tamper(damage_am2, &dm);
		acquire_at(A, 1);
		tf_advance(60000);
		ATF_CHECK(dm.done);
		ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
		ATF_CHECK_MSG(tf_stats(A)->notify_sent[ntf[k]] >= 1,
		    "case %d: notify %u not sent", k, ntf[k]);
		ATF_CHECK(tf_logged(A, "signature authentication failed"));
	}
	tf_teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, main_mode_initiator);
	ATF_TP_ADD_TC(tp, main_mode_responder);
	ATF_TP_ADD_TC(tp, aggressive_mode);
	ATF_TP_ADD_TC(tp, other_ca);
	ATF_TP_ADD_TC(tp, revoked);
	ATF_TP_ADD_TC(tp, id_mismatch);
	ATF_TP_ADD_TC(tp, peers_identifier);
	ATF_TP_ADD_TC(tp, bad_signature);
	ATF_TP_ADD_TC(tp, asn1dn);
	ATF_TP_ADD_TC(tp, peers_certfile);
	ATF_TP_ADD_TC(tp, malformed_payloads);
	return (atf_no_error());
}
