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
 * ikev1_test: racoon-ng's IKEv1 exchange layer, two engines talking to
 * each other through the in-memory frame (ikev1_frame.h): main and
 * aggressive mode with pre-shared keys, quick mode with and without PFS,
 * proposal_check, retransmission and duplicates, DELETE, INITIAL-CONTACT,
 * DPD, NAT-T, fragmentation, and every kind of damaged or replayed
 * message, each of which must be refused with the right notification and
 * leave both engines consistent.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev1_frame.h"

#define A	0
#define B	1
#define ADDR_A	"192.0.2.1"
#define ADDR_B	"192.0.2.2"
#define PSK	"a shared secret, long enough"

/* A configuration for one side; %s: remote statements, sainfo ones,
 * phase 1 proposal extras. */
static char *
conf(const char *peer, const char *remote_extra, const char *prop_extra,
    const char *sainfo_extra)
{
	char *s;

	if (asprintf(&s,
	    "path pre_shared_key \"/nonexistent/psk.txt\";\n"
	    "timer { counter 4; interval 2 sec; phase1 40 sec; "
	    "phase2 40 sec; }\n"
	    "remote %s {\n"
	    "	exchange_mode main;\n"
	    "	%s\n"
	    "	proposal {\n"
	    "		encryption_algorithm aes 256;\n"
	    "		hash_algorithm sha256;\n"
	    "		authentication_method pre_shared_key;\n"
	    "		dh_group modp2048;\n"
	    "		%s\n"
	    "	}\n"
	    "}\n"
	    "sainfo anonymous {\n"
	    "	encryption_algorithm aes 256;\n"
	    "	authentication_algorithm hmac_sha256;\n"
	    "	%s\n"
	    "}\n", peer, remote_extra, prop_extra, sainfo_extra) == -1)
		atf_tc_fail("asprintf");
	return (s);
}

static void
setup(const char *ra, const char *pa, const char *sa, const char *rb,
    const char *pb, const char *sb)
{
	char *ca = conf(ADDR_B, ra, pa, sa), *cb = conf(ADDR_A, rb, pb, sb);

	tf_reset();
	ATF_REQUIRE_EQ_MSG(tf_node(A, "A", ADDR_A, ca), 0, "config A:\n%s",
	    ca);
	ATF_REQUIRE_EQ_MSG(tf_node(B, "B", ADDR_B, cb), 0, "config B:\n%s",
	    cb);
	free(ca);
	free(cb);
	tf_psk(A, ADDR_B, PSK);
	tf_psk(B, ADDR_A, PSK);
}

static void
setup_plain(void)
{
	setup("", "", "", "", "", "");
}

/* An ACQUIRE at A for 10.1.0.0/16 -> 10.2.0.0/16 (tunnel, reqid 7). */
static void
acquire_at(int node, uint32_t seq, uint8_t satype)
{
	struct ike_acquire a;
	struct tf_node *me = &tf_nodes[node], *peer = &tf_nodes[1 - node];

	memset(&a, 0, sizeof(a));
	a.seq = seq;
	a.satype = satype;
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

/* The SA pair of a node: the one it installed with op, latest first. */
static const struct tf_sa *
sa_of(int node, uint8_t op, size_t skip)
{
	struct tf_node *n = &tf_nodes[node];
	size_t i;

	for (i = n->nsas; i-- > 0;)
		if (n->sas[i].s.op == op && !n->sas[i].deleted &&
		    skip-- == 0)
			return (&n->sas[i]);
	return (NULL);
}

/* The SAs of both nodes fit together: keys, SPIs, algorithms. */
static void
check_pair(uint16_t ealg, uint16_t aalg, size_t ekeylen, size_t akeylen)
{
	const struct tf_sa *ain = sa_of(A, PS_SA_UPDATE, 0);
	const struct tf_sa *aout = sa_of(A, PS_SA_ADD, 0);
	const struct tf_sa *bin = sa_of(B, PS_SA_UPDATE, 0);
	const struct tf_sa *bout = sa_of(B, PS_SA_ADD, 0);

	ATF_REQUIRE(ain != NULL && aout != NULL && bin != NULL &&
	    bout != NULL);
	ATF_CHECK_EQ(aout->s.spi, bin->s.spi);
	ATF_CHECK_EQ(bout->s.spi, ain->s.spi);
	ATF_CHECK(ain->s.spi != aout->s.spi);
	ATF_CHECK_EQ(aout->s.ekeylen, ekeylen);
	ATF_CHECK_EQ(aout->s.akeylen, akeylen);
	ATF_CHECK_EQ(bin->s.ekeylen, ekeylen);
	ATF_CHECK(memcmp(aout->ekey, bin->ekey, ekeylen) == 0);
	ATF_CHECK(memcmp(aout->akey, bin->akey, akeylen) == 0);
	ATF_CHECK(memcmp(bout->ekey, ain->ekey, ekeylen) == 0);
	ATF_CHECK(memcmp(bout->akey, ain->akey, akeylen) == 0);
	/* The two directions have different keys. */
	if (ekeylen > 0)
		ATF_CHECK(memcmp(aout->ekey, ain->ekey, ekeylen) != 0);
	if (akeylen > 0)
		ATF_CHECK(memcmp(aout->akey, ain->akey, akeylen) != 0);
	ATF_CHECK_EQ(aout->s.ealg, ealg);
	ATF_CHECK_EQ(aout->s.aalg, aalg);
	ATF_CHECK_EQ(bin->s.ealg, ealg);
	/* Endpoints: inbound from the peer to us. */
	ATF_CHECK(sad_addr_cmp(&ain->s.src, &tf_nodes[B].addr) == 0);
	ATF_CHECK(sad_addr_cmp(&ain->s.dst, &tf_nodes[A].addr) == 0);
	ATF_CHECK(sad_addr_cmp(&aout->s.dst, &tf_nodes[B].addr) == 0);
	ATF_CHECK_EQ(aout->s.inbound_spi, ain->s.spi);
}

static size_t
sent_by(int node)
{
	size_t i, n = 0;

	for (i = 0; i < tf_ndgrams(); i++)
		if (tf_dgram(i)->from == node)
			n++;
	return (n);
}

/* -------------------------------------------------------------- tests */

ATF_TC_WITHOUT_HEAD(main_mode_psk_quick_mode);
ATF_TC_BODY(main_mode_psk_quick_mode, tc)
{
	const struct tf_sa *s;

	setup_plain();
	acquire_at(A, 42, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	/* MM1..MM6 and QM1..QM3, nothing twice. */
	ATF_CHECK_EQ(sent_by(A), 3 + 2);
	ATF_CHECK_EQ(sent_by(B), 3 + 1);
	ATF_CHECK_EQ(tf_stats(A)->retransmits, 0);
	ATF_CHECK_EQ(tf_live_sas(A), 2);
	ATF_CHECK_EQ(tf_live_sas(B), 2);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	s = sa_of(A, PS_SA_ADD, 0);
	ATF_CHECK_EQ(s->s.reqid, 7);
	ATF_CHECK_EQ(s->s.mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(s->s.hard_seconds, CONF_DEFAULT_P2_LIFE);
	ATF_CHECK_EQ(s->s.natt_type, 0);
	/* The responder took the initiator's mode from the proposal. */
	ATF_CHECK_EQ(sa_of(B, PS_SA_ADD, 0)->s.mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK(tf_event_seen(A, PS_EVT_PHASE1_UP));
	ATF_CHECK(tf_event_seen(B, PS_EVT_PHASE2_UP));
	ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 0);
	/* A second ACQUIRE uses the same ISAKMP SA. */
	acquire_at(A, 43, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	ATF_CHECK_EQ(tf_live_sas(B), 4);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(responder_initiates_too);
ATF_TC_BODY(responder_initiates_too, tc)
{
	setup_plain();
	acquire_at(B, 5, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	/* Now A needs one: phase 1 exists (B made it), only quick mode. */
	acquire_at(A, 6, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(aggressive_mode_fqdn);
ATF_TC_BODY(aggressive_mode_fqdn, tc)
{
	char *ca, *cb;

	ca = conf(ADDR_B, "exchange_mode aggressive; my_identifier fqdn "
	    "\"a.example.org\"; peers_identifier fqdn \"b.example.org\"; "
	    "verify_identifier on;", "", "");
	cb = conf(ADDR_A, "exchange_mode aggressive; my_identifier fqdn "
	    "\"b.example.org\"; peers_identifier fqdn \"a.example.org\"; "
	    "verify_identifier on;", "", "");
	tf_reset();
	ATF_REQUIRE(tf_node(A, "A", ADDR_A, ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", ADDR_B, cb) == 0);
	free(ca);
	free(cb);
	/* A finds the key by B's name, B by A's ID payload. */
	tf_psk(A, "b.example.org", PSK);
	tf_psk(B, "a.example.org", PSK);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	/* AM1..AM3 and QM1..QM3. */
	ATF_CHECK_EQ(sent_by(A), 2 + 2);
	ATF_CHECK_EQ(sent_by(B), 1 + 1);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(aggressive_mode_wrong_id);
ATF_TC_BODY(aggressive_mode_wrong_id, tc)
{
	char *ca, *cb;

	ca = conf(ADDR_B, "exchange_mode aggressive; my_identifier fqdn "
	    "\"mallory.example.org\";", "", "");
	cb = conf(ADDR_A, "exchange_mode aggressive; peers_identifier fqdn "
	    "\"a.example.org\"; verify_identifier on;", "", "");
	tf_reset();
	ATF_REQUIRE(tf_node(A, "A", ADDR_A, ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", ADDR_B, cb) == 0);
	free(ca);
	free(cb);
	tf_psk(A, ADDR_B, PSK);
	tf_psk(B, "mallory.example.org", PSK);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_advance(60000);
	/* Each retransmitted AM1 is refused again. */
	ATF_CHECK(tf_stats(B)->notify_sent[
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION] >= 1);
	ATF_CHECK(tf_stats(A)->notify_rcvd[
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION] >= 1);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 0);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 1);
	ATF_CHECK_EQ(tf_live_sas(A), 0);
	ATF_CHECK(tf_logged(B, "not one of peers_identifier"));
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(main_mode_wrong_id);
ATF_TC_BODY(main_mode_wrong_id, tc)
{
	setup("", "", "", "peers_identifier fqdn \"a.example.org\"; "
	    "verify_identifier on;", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_advance(60000);
	/* HASH_I checked out, the identity did not: refused, said so. */
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION], 1);
	ATF_CHECK_EQ(tf_stats(B)->auth_failed, 0);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 0);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK_EQ(tf_p1_count(A, P1S_MSG5SENT), 0);
	ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 1);
	ATF_CHECK(tf_logged(B, "peers_identifier"));
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(wrong_psk);
ATF_TC_BODY(wrong_psk, tc)
{
	setup_plain();
	tf_nodes[B].psk[0].key[0] ^= 1;
	acquire_at(A, 9, PFKEY_SATYPE_ESP);
	tf_run();
	/* B cannot read MM5: said so in the clear, stays where it was. */
	ATF_CHECK(tf_logged(B, "pre-shared key differs"));
	ATF_CHECK(tf_stats(B)->auth_failed >= 1);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 0);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_MSG4SENT), 1);
	ATF_CHECK(tf_stats(A)->notify_rcvd[0] +
	    tf_stats(A)->notify_rcvd[ISAKMP_NTYPE_PAYLOAD_MALFORMED] +
	    tf_stats(A)->notify_rcvd[ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE] >= 1);
	/* A retransmits, then gives up; nothing was installed. */
	tf_advance(60000);
	ATF_CHECK(tf_stats(A)->retransmits >= 1);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK_EQ(tf_p1_count(A, P1S_MSG5SENT), 0);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_MSG4SENT), 0);
	ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 1);
	ATF_CHECK_EQ(tf_nodes[A].last_failed_seq, 9);
	ATF_CHECK_EQ(tf_live_sas(A) + tf_live_sas(B), 0);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(no_psk);
ATF_TC_BODY(no_psk, tc)
{
	setup_plain();
	tf_nodes[B].npsk = 0;
	acquire_at(A, 9, PFKEY_SATYPE_ESP);
	tf_advance(60000);
	ATF_CHECK(tf_logged(B, "no pre-shared key"));
	ATF_CHECK(tf_event_seen(B, PS_EVT_PHASE1_AUTH_FAILED));
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 1);
	tf_teardown();
}

/* --------------------------------------------------- re-encryption hook */

/*
 * Change the plaintext of an encrypted message in flight, with the keys
 * of the receiving engine (the test knows them): decrypt, let fn change
 * it, encrypt again.  The receiver then gets a well-formed, properly
 * encrypted message whose content is wrong.
 */
struct reenc {
	int		 from;
	uint8_t		 etype;
	unsigned	 nth;		/* which such message (0-based) */
	unsigned	 seen;
	bool		 done;
	void		(*fn)(uint8_t *, size_t);
};

static struct p1 *
p1_of(int node, const uint8_t *icookie)
{
	struct p1 *p1;

	TAILQ_FOREACH(p1, &tf_nodes[node].eng->p1s, entry)
		if (memcmp(p1->icookie, icookie, 8) == 0 && p1->keyed)
			return (p1);
	return (NULL);
}

static int
reenc_hook(struct tf_dgram *d, void *arg)
{
	struct reenc *r = arg;
	struct isakmp_hdr h;
	struct p1 *p1;
	uint8_t iv[IKE_BLOCK_MAXLEN], iv2[IKE_BLOCK_MAXLEN], *plain, *out;
	size_t plen;
	int n;

	if (r->done || d->from != r->from || d->len < ISAKMP_HDR_LEN ||
	    isakmp_hdr_decode(&h, d->data, d->len, NULL) != 0 ||
	    h.etype != r->etype || !(h.flags & ISAKMP_FLAG_E) ||
	    r->seen++ != r->nth)
		return (TF_DELIVER);
	r->done = true;
	if ((p1 = p1_of(d->to, h.icookie)) == NULL)
		atf_tc_fail("no keys to re-encrypt with");
	if (h.msgid == 0)
		memcpy(iv, p1->iv, p1->blocklen);
	else
		ATF_REQUIRE(ike_p2_iv(p1->prf, p1->iv, p1->blocklen, h.msgid,
		    iv) == 0);
	memcpy(iv2, iv, sizeof(iv));
	plen = d->len - ISAKMP_HDR_LEN;
	plain = malloc(plen);
	out = malloc(plen + 2 * IKE_BLOCK_MAXLEN);
	ATF_REQUIRE(plain != NULL && out != NULL);
	ATF_REQUIRE(ike_cbc_decrypt(p1->cbc, iv, d->data + ISAKMP_HDR_LEN,
	    plen, plain) == (int)plen);
	r->fn(plain, plen);
	/* Encrypt the same bytes again (a pad block is added). */
	n = ike_cbc_encrypt(p1->cbc, iv2, plain, plen, out,
	    plen + 2 * IKE_BLOCK_MAXLEN);
	ATF_REQUIRE(n > 0 && (size_t)n + ISAKMP_HDR_LEN <= TF_MAXDGRAM);
	memcpy(d->data + ISAKMP_HDR_LEN, out, (size_t)n);
	d->len = ISAKMP_HDR_LEN + (size_t)n;
	h.len = (uint32_t)d->len;
	isakmp_hdr_encode(&h, d->data);
	free(plain);
	free(out);
	return (TF_DELIVER);
}

/* The first payload is the one whose body byte 8 changes. */
static void
flip_in_hash_mm5(uint8_t *p, size_t len)
{
	/* MM5: ID payload, then HASH: flip inside the HASH data. */
	size_t idlen = (size_t)p[2] << 8 | p[3];

	ATF_REQUIRE(idlen + 8 < len);
	p[idlen + 4 + 3] ^= 0x40;
}

static void
flip_in_first_payload(uint8_t *p, size_t len)
{
	/* QM1/QM2/informational: HASH first. */
	p[4 + 2] ^= 0x01;
}

ATF_TC_WITHOUT_HEAD(bad_hash_i);
ATF_TC_BODY(bad_hash_i, tc)
{
	struct reenc r = { A, ISAKMP_ETYPE_IDPROT, 0, 0, false,
	    flip_in_hash_mm5 };

	setup_plain();
	tf_set_tamper(reenc_hook, &r);
	acquire_at(A, 3, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK(r.done);
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[
	    ISAKMP_NTYPE_AUTHENTICATION_FAILED], 1);
	ATF_CHECK_EQ(tf_stats(B)->auth_failed, 1);
	ATF_CHECK(tf_logged(B, "HASH_I is wrong"));
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 0);
	/* The genuine retransmission still gets through. */
	tf_advance(3000);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(bad_hash_quick_mode);
ATF_TC_BODY(bad_hash_quick_mode, tc)
{
	struct reenc r = { A, ISAKMP_ETYPE_QUICK, 0, 0, false,
	    flip_in_first_payload };

	setup_plain();
	tf_set_tamper(reenc_hook, &r);
	acquire_at(A, 3, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK(r.done);
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[
	    ISAKMP_NTYPE_INVALID_HASH_INFORMATION], 1);
	ATF_CHECK_EQ(tf_stats(A)->notify_rcvd[
	    ISAKMP_NTYPE_INVALID_HASH_INFORMATION], 1);
	ATF_CHECK_EQ(tf_live_sas(B), 0);
	/* A's retransmission of QM1 is fine. */
	tf_advance(3000);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(bad_hash_quick_mode_2);
ATF_TC_BODY(bad_hash_quick_mode_2, tc)
{
	struct reenc r = { B, ISAKMP_ETYPE_QUICK, 0, 0, false,
	    flip_in_first_payload };

	setup_plain();
	tf_set_tamper(reenc_hook, &r);
	acquire_at(A, 3, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK(r.done);
	ATF_CHECK_EQ(tf_stats(A)->notify_sent[
	    ISAKMP_NTYPE_INVALID_HASH_INFORMATION], 1);
	ATF_CHECK_EQ(tf_live_sas(A), 0);
	/* B retransmits QM2 (A's QM1 copies are answered too). */
	tf_advance(5000);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	tf_teardown();
}

/* ---------------------------------------------------- proposal_check */

static void
lifetimes(const char *check, const char *ia, const char *rb, bool ok,
    uint64_t want, bool claim)
{
	char ra[128], rbx[128];

	(void)snprintf(ra, sizeof(ra), "lifetime time %s;", ia);
	(void)snprintf(rbx, sizeof(rbx), "lifetime time %s;", rb);
	setup("", "", ra, check, "", rbx);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_advance(100000);
	ATF_CHECK_EQ_MSG(tf_stats(B)->p2_established, ok ? 1 : 0,
	    "%s %s/%s", check, ia, rb);
	if (ok) {
		ATF_CHECK_EQ_MSG(sa_of(A, PS_SA_ADD, 0)->s.hard_seconds, want,
		    "%s: A's lifetime", check);
		ATF_CHECK_EQ_MSG(sa_of(B, PS_SA_ADD, 0)->s.hard_seconds, want,
		    "%s: B's lifetime", check);
	} else {
		ATF_CHECK_EQ_MSG(tf_stats(B)->notify_sent[
		    ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN], 1, "%s", check);
		ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 1);
	}
	ATF_CHECK_EQ_MSG(tf_stats(B)->notify_sent[0] > 0, claim,
	    "%s: RESPONDER-LIFETIME", check);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(proposal_check_phase2);
ATF_TC_BODY(proposal_check_phase2, tc)
{
	/* The initiator proposes 2 h, the responder has 1 h. */
	lifetimes("proposal_check obey;", "2 hour", "1 hour", true, 7200,
	    false);
	lifetimes("proposal_check strict;", "2 hour", "1 hour", false, 0,
	    false);
	lifetimes("proposal_check claim;", "2 hour", "1 hour", true, 3600,
	    true);
	lifetimes("proposal_check exact;", "2 hour", "1 hour", false, 0,
	    false);
	/* Shorter than ours. */
	lifetimes("proposal_check strict;", "30 min", "1 hour", true, 1800,
	    false);
	lifetimes("proposal_check claim;", "30 min", "1 hour", true, 1800,
	    false);
	lifetimes("proposal_check exact;", "30 min", "1 hour", false, 0,
	    false);
	lifetimes("proposal_check exact;", "1 hour", "1 hour", true, 3600,
	    false);
}

ATF_TC_WITHOUT_HEAD(proposal_check_phase1);
ATF_TC_BODY(proposal_check_phase1, tc)
{
	/* Phase 1: A offers 2 h, B has 1 h. */
	setup("", "lifetime time 2 hour;", "", "proposal_check strict;",
	    "lifetime time 1 hour;", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_advance(100000);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 0);
	/* Once for every copy of MM1 A sends. */
	ATF_CHECK(tf_stats(B)->notify_sent[ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN] >=
	    1);
	ATF_CHECK(tf_event_seen(B, PS_EVT_PHASE1_NO_PROPOSAL));
	tf_teardown();

	setup("", "lifetime time 2 hour;", "", "proposal_check obey;",
	    "lifetime time 1 hour;", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(TAILQ_FIRST(&tf_nodes[B].eng->p1s)->sel.life_s, 7200);
	tf_teardown();

	/* A longer key than ours: strict takes it, exact does not. */
	setup("", "", "", "proposal_check strict;", "", "");
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(multiple_proposals);
ATF_TC_BODY(multiple_proposals, tc)
{
	char *ca, *cb;

	tf_reset();
	ca = conf(ADDR_B, "proposal { encryption_algorithm 3des; "
	    "hash_algorithm sha1; authentication_method pre_shared_key; "
	    "dh_group modp1536; }", "", "");
	/* The responder only knows A's second proposal. */
	ATF_REQUIRE(asprintf(&cb,
	    "path pre_shared_key \"/x\";\n"
	    "remote %s { exchange_mode main; proposal { "
	    "encryption_algorithm 3des; hash_algorithm sha1; "
	    "authentication_method pre_shared_key; dh_group modp1536; } }\n"
	    "sainfo anonymous { encryption_algorithm aes_gcm_16 256, aes; "
	    "authentication_algorithm hmac_sha1; }\n", ADDR_A) > 0);
	ATF_REQUIRE(tf_node(A, "A", ADDR_A, ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", ADDR_B, cb) == 0);
	free(ca);
	free(cb);
	tf_psk(A, ADDR_B, PSK);
	tf_psk(B, ADDR_A, PSK);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(TAILQ_FIRST(&tf_nodes[A].eng->p1s)->sel.enc,
	    OAKLEY_ENC_3DES);
	ATF_CHECK_EQ(TAILQ_FIRST(&tf_nodes[A].eng->p1s)->sel.group, 5);
	/* Phase 2: A offers aes 256/sha256 only; B has no sha256. */
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 0);
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN],
	    1);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(quick_mode_pfs);
ATF_TC_BODY(quick_mode_pfs, tc)
{
	struct tf_node *n;

	setup("", "", "pfs_group modp2048;", "", "", "pfs_group modp2048;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	/* QM1 and QM2 carried a KE of 256 bytes: both are larger. */
	n = &tf_nodes[A];
	(void)n;
	ATF_CHECK(tf_dgram(6)->len > 256 + 100);
	tf_teardown();

	/* B wants PFS, A offers none: strict refuses. */
	setup("", "", "", "", "", "pfs_group modp2048;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_advance(100000);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 0);
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN],
	    1);
	ATF_CHECK_EQ(tf_nodes[A].acquire_failed, 1);
	tf_teardown();

	/* ... and obey takes it. */
	setup("", "", "", "proposal_check obey;", "", "pfs_group modp2048;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	tf_teardown();

	/* PFS with another group (ECP). */
	setup("", "", "pfs_group ecp256;", "", "", "pfs_group ecp256;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(quick_mode_gcm_and_ah);
ATF_TC_BODY(quick_mode_gcm_and_ah, tc)
{
	char *ca, *cb;
	const char *sainfo =
	    "sainfo anonymous { encryption_algorithm aes_gcm_16 256, "
	    "aes_gcm_8 128; authentication_algorithm hmac_sha512; }\n";

	ATF_REQUIRE(asprintf(&ca, "path pre_shared_key \"/x\";\nremote %s "
	    "{ exchange_mode main; proposal { encryption_algorithm aes; "
	    "hash_algorithm sha1; authentication_method pre_shared_key; "
	    "dh_group ecp256; } }\n%s", ADDR_B, sainfo) > 0);
	ATF_REQUIRE(asprintf(&cb, "path pre_shared_key \"/x\";\nremote %s "
	    "{ exchange_mode main; proposal { encryption_algorithm aes; "
	    "hash_algorithm sha1; authentication_method pre_shared_key; "
	    "dh_group ecp256; } }\n%s", ADDR_A, sainfo) > 0);
	tf_reset();
	ATF_REQUIRE(tf_node(A, "A", ADDR_A, ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", ADDR_B, cb) == 0);
	tf_psk(A, ADDR_B, PSK);
	tf_psk(B, ADDR_A, PSK);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	/* AES-GCM-16 with a 256-bit key: 32 + 4 bytes of salt, no auth. */
	check_pair(PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE, 36, 0);
	/* AH with HMAC-SHA-512 (full-length ICV: a 64-byte key). */
	acquire_at(A, 2, PFKEY_SATYPE_AH);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	ATF_CHECK_EQ(sa_of(A, PS_SA_ADD, 0)->s.satype, PFKEY_SATYPE_AH);
	check_pair(PFKEY_EALG_NONE, PFKEY_AALG_SHA2_512HMAC, 0, 64);
	tf_teardown();
	free(ca);
	free(cb);
}

/* ----------------------------------------------- retransmit, duplicates */

struct dropper {
	int		 from;
	unsigned	 nth;		/* drop message nth of `from' */
	unsigned	 seen;
	bool		 every;		/* deliver every message twice */
};

static int
drop_hook(struct tf_dgram *d, void *arg)
{
	struct dropper *x = arg;

	if (x->every)
		return (TF_TWICE);
	if (d->from == x->from && x->seen++ == x->nth)
		return (TF_DROP);
	return (TF_DELIVER);
}

ATF_TC_WITHOUT_HEAD(retransmit_lost_answers);
ATF_TC_BODY(retransmit_lost_answers, tc)
{
	unsigned k;

	/* Lose each of B's messages once in turn (MM2, MM4, MM6, QM2). */
	for (k = 0; k < 4; k++) {
		struct dropper x = { B, k, 0, false };

		setup_plain();
		tf_set_tamper(drop_hook, &x);
		acquire_at(A, 1, PFKEY_SATYPE_ESP);
		tf_advance(20000);
		ATF_CHECK_EQ_MSG(tf_stats(A)->p2_established, 1, "lost %u",
		    k);
		ATF_CHECK_EQ_MSG(tf_stats(B)->p2_established, 1, "lost %u",
		    k);
		ATF_CHECK_MSG(tf_stats(A)->retransmits +
		    tf_stats(B)->retransmits >= 1, "lost %u", k);
		ATF_CHECK_EQ_MSG(tf_live_sas(A), 2, "lost %u", k);
		ATF_CHECK_EQ_MSG(tf_live_sas(B), 2, "lost %u", k);
		check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
		tf_teardown();
	}
	/* And each of A's (MM1, MM3, MM5, QM1, QM3). */
	for (k = 0; k < 5; k++) {
		struct dropper x = { A, k, 0, false };

		setup_plain();
		tf_set_tamper(drop_hook, &x);
		acquire_at(A, 1, PFKEY_SATYPE_ESP);
		tf_advance(20000);
		ATF_CHECK_EQ_MSG(tf_stats(A)->p2_established, 1, "lost A %u",
		    k);
		ATF_CHECK_EQ_MSG(tf_stats(B)->p2_established, 1, "lost A %u",
		    k);
		ATF_CHECK_EQ_MSG(tf_live_sas(B), 2, "lost A %u", k);
		tf_teardown();
	}
}

ATF_TC_WITHOUT_HEAD(duplicates);
ATF_TC_BODY(duplicates, tc)
{
	struct dropper x = { 0, 0, 0, true };

	setup_plain();
	tf_set_tamper(drop_hook, &x);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_advance(5000);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK(tf_stats(B)->duplicates >= 3);
	ATF_CHECK(tf_stats(A)->duplicates >= 3);
	/* Exactly one SA pair each side. */
	ATF_CHECK_EQ(tf_nodes[A].nsas, 2);
	ATF_CHECK_EQ(tf_nodes[B].nsas, 2);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(replayed_messages);
ATF_TC_BODY(replayed_messages, tc)
{
	size_t i, n;
	size_t nsas;

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	nsas = tf_nodes[B].nsas;
	n = tf_ndgrams();
	/* Everything A sent, again, in order, then twice more. */
	for (i = 0; i < n; i++)
		if (tf_dgram(i)->from == A) {
			struct tf_dgram d = *tf_dgram(i);

			tf_inject(A, B, d.data, d.len, false);
			tf_inject(A, B, d.data, d.len, false);
		}
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK_EQ(tf_nodes[B].nsas, nsas);
	ATF_CHECK_EQ(tf_nodes[B].sa_deletes, 0);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED), 1);
	ATF_CHECK_EQ(tf_live_sas(A), 2);
	/* After the phase 2 SA is deleted, its QM1 is still refused. */
	tf_use(A);
	ike_sa_gone(PFKEY_SATYPE_ESP, sa_of(A, PS_SA_ADD, 0)->s.spi,
	    &tf_nodes[A].addr, &tf_nodes[B].addr);
	tf_run();
	ATF_CHECK_EQ(tf_live_sas(B), 0);
	for (i = 0; i < n; i++) {
		struct isakmp_hdr h;

		if (tf_dgram(i)->from == A && isakmp_hdr_decode(&h,
		    tf_dgram(i)->data, tf_dgram(i)->len, NULL) == 0 &&
		    h.etype == ISAKMP_ETYPE_QUICK) {
			struct tf_dgram d = *tf_dgram(i);

			tf_inject(A, B, d.data, d.len, false);
		}
	}
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].nsas, nsas);
	ATF_CHECK(tf_logged(B, "replay dropped"));
	tf_teardown();
}

/* --------------------------------------------------- damaged messages */

struct damage {
	int		 from;
	unsigned	 nth;
	unsigned	 seen;
	int		 how;		/* 0 truncate, 1 flip, 2 payload len */
	size_t		 arg;
	bool		 done;
};

static int
damage_hook(struct tf_dgram *d, void *arg)
{
	struct damage *x = arg;
	size_t off;

	if (x->done || d->from != x->from || x->seen++ != x->nth)
		return (TF_DELIVER);
	x->done = true;
	switch (x->how) {
	case 0:
		/* Cut, keeping the header's length right. */
		if (x->arg < d->len && x->arg >= ISAKMP_HDR_LEN) {
			d->len = x->arg;
			d->data[24] = (uint8_t)(d->len >> 24);
			d->data[25] = (uint8_t)(d->len >> 16);
			d->data[26] = (uint8_t)(d->len >> 8);
			d->data[27] = (uint8_t)d->len;
		}
		break;
	case 1:
		off = x->arg % d->len;
		d->data[off] ^= (uint8_t)(1 + x->arg % 255);
		break;
	case 2:
		/* The first payload claims to be longer than it is. */
		d->data[ISAKMP_HDR_LEN + 2] = 0x7f;
		break;
	}
	return (TF_DELIVER);
}

ATF_TC_WITHOUT_HEAD(truncated_payloads);
ATF_TC_BODY(truncated_payloads, tc)
{
	struct damage x;

	/* MM3 with its KE payload running past the end of the message. */
	memset(&x, 0, sizeof(x));
	x.from = A;
	x.nth = 1;
	x.how = 2;
	setup_plain();
	tf_set_tamper(damage_hook, &x);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK(x.done);
	ATF_CHECK_EQ(tf_nodes[B].eng->st.malformed, 1);
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[
	    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS] +
	    tf_stats(B)->notify_sent[ISAKMP_NTYPE_PAYLOAD_MALFORMED], 1);
	ATF_CHECK_EQ(tf_stats(A)->notify_rcvd[
	    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS] +
	    tf_stats(A)->notify_rcvd[ISAKMP_NTYPE_PAYLOAD_MALFORMED], 1);
	/* The retransmission completes it. */
	tf_advance(5000);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	tf_teardown();

	/* MM1 cut short: no exchange, no answer to nobody. */
	memset(&x, 0, sizeof(x));
	x.from = A;
	x.how = 0;
	x.arg = 40;
	setup_plain();
	tf_set_tamper(damage_hook, &x);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].eng->st.malformed, 1);
	ATF_CHECK_EQ(sent_by(B), 0);
	tf_advance(5000);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	tf_teardown();
}

/* Damage every message in turn in many ways: nothing crashes, nothing
 * leaks, and the exchange still completes by retransmission. */
ATF_TC_WITHOUT_HEAD(damage_everything);
ATF_TC_BODY(damage_everything, tc)
{
	unsigned from, nth, how, v, ok = 0, runs = 0;

	for (from = 0; from < 2; from++)
		for (nth = 0; nth < (from == A ? 5u : 4u); nth++)
			for (how = 0; how < 2; how++)
				for (v = 0; v < 6; v++) {
					struct damage x;

					memset(&x, 0, sizeof(x));
					x.from = (int)from;
					x.nth = nth;
					x.how = (int)how;
					x.arg = how == 0 ? 28 + v * 17 :
					    v * 37 + 3;
					setup_plain();
					tf_set_tamper(damage_hook, &x);
					acquire_at(A, 1, PFKEY_SATYPE_ESP);
					tf_advance(60000);
					runs++;
					if (tf_stats(A)->p2_established == 1 &&
					    tf_stats(B)->p2_established == 1) {
						ok++;
						check_pair(PFKEY_EALG_AESCBC,
						    PFKEY_AALG_SHA2_256HMAC,
						    32, 32);
					}
					tf_teardown();
				}
	/* Damaging a cookie or the responder's answer to a final message
	 * may end an exchange; most must recover. */
	ATF_CHECK_MSG(ok * 10 >= runs * 8, "%u of %u recovered", ok, runs);
}

/* ------------------------------------------------ delete, contact, dpd */

ATF_TC_WITHOUT_HEAD(delete_ipsec_sa);
ATF_TC_BODY(delete_ipsec_sa, tc)
{
	const struct tf_sa *out;

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	out = sa_of(A, PS_SA_ADD, 0);
	ATF_REQUIRE(out != NULL);
	/* Somebody deletes A's outbound SA: A deletes its pair and tells
	 * B, which deletes both of its own. */
	tf_use(A);
	ike_sa_gone(PFKEY_SATYPE_ESP, out->s.spi, &tf_nodes[A].addr,
	    &tf_nodes[B].addr);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->deletes_sent, 1);
	ATF_CHECK_EQ(tf_stats(B)->deletes_rcvd, 1);
	ATF_CHECK_EQ(tf_nodes[A].sa_deletes, 1);
	ATF_CHECK_EQ(tf_nodes[B].sa_deletes, 2);
	ATF_CHECK_EQ(tf_live_sas(B), 0);
	ATF_CHECK(tf_event_seen(B, PS_EVT_PHASE2_DOWN));
	/* The ISAKMP SA stays. */
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED), 1);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(delete_isakmp_sa);
ATF_TC_BODY(delete_isakmp_sa, tc)
{
	char why[128];
	struct sad_addr none;

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	tf_use(A);
	memset(&none, 0, sizeof(none));
	ATF_CHECK_EQ(ike_ctl_delete(&none, &tf_nodes[B].addr, why,
	    sizeof(why)), 0);
	tf_run();
	ATF_CHECK_EQ(tf_p1_count(A, P1S_ESTABLISHED), 0);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED), 0);
	ATF_CHECK(tf_event_seen(B, PS_EVT_PHASE1_DOWN));
	/* IPsec SAs outlive it. */
	ATF_CHECK_EQ(tf_live_sas(B), 2);
	tf_use(A);
	ATF_CHECK_EQ(ike_ctl_delete(&none, &tf_nodes[B].addr, why,
	    sizeof(why)), ENOENT);
	/* A new ACQUIRE makes a new one, without INITIAL-CONTACT: B's
	 * IPsec SAs with A are still in use. */
	acquire_at(A, 2, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 2);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	ATF_CHECK_EQ(tf_nodes[B].delete_peer, 1);
	ATF_CHECK_EQ(tf_live_sas(B), 4);
	/* flush-sa isakmp */
	tf_use(B);
	ATF_CHECK_EQ(ike_ctl_flush(), 1);
	tf_run();
	ATF_CHECK_EQ(tf_p1_count(A, P1S_ESTABLISHED), 0);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(initial_contact);
ATF_TC_BODY(initial_contact, tc)
{
	char *ca;

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	/* INITIAL-CONTACT of the first one deleted nothing at B... */
	ATF_CHECK_EQ(tf_nodes[B].delete_peer, 1);
	/* A restarts: a new engine without any state. */
	tf_use(A);
	ike_shutdown();
	tf_nodes[A].eng = NULL;
	tf_run();
	ca = conf(ADDR_B, "", "", "");
	conf_free(tf_nodes[A].cfg);
	tf_nodes[A].cfg = NULL;
	ikev1_engine_set(NULL);
	{
		struct conf_msgs msgs;

		TAILQ_INIT(&msgs);
		ATF_REQUIRE(conf_load_buffer(ca, strlen(ca), "a.conf", NULL,
		    &tf_nodes[A].cfg, &msgs) == 0);
		conf_msgs_free(&msgs);
	}
	free(ca);
	tf_use(A);
	ike_init();
	tf_nodes[A].eng = ikev1_engine_get();
	ike_config(tf_nodes[A].cfg, NULL);
	acquire_at(A, 2, PFKEY_SATYPE_ESP);
	tf_run();
	/* B forgot the old SAs: its records and, via the parent, the SAD. */
	ATF_CHECK_EQ(tf_nodes[B].delete_peer, 2);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED), 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 2);
	ATF_CHECK_EQ(tf_live_sas(B), 2);
	tf_teardown();
}

struct blackhole {
	int		 from;
	bool		 on;
};

static int
blackhole_hook(struct tf_dgram *d, void *arg)
{
	struct blackhole *x = arg;

	return (x->on && d->from == x->from ? TF_DROP : TF_DELIVER);
}

ATF_TC_WITHOUT_HEAD(dead_peer_detection);
ATF_TC_BODY(dead_peer_detection, tc)
{
	struct blackhole x = { B, false };

	setup("dpd_delay 10; dpd_retry 2; dpd_maxfail 3;", "", "", "", "",
	    "");
	tf_set_tamper(blackhole_hook, &x);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	tf_advance(35000);
	ATF_CHECK(tf_stats(A)->dpd_sent >= 3);
	ATF_CHECK_EQ(tf_stats(A)->dpd_acked, tf_stats(A)->dpd_sent);
	ATF_CHECK_EQ(tf_stats(B)->notify_sent[0] > 0, true);
	/* B goes silent. */
	x.on = true;
	tf_advance(40000);
	ATF_CHECK_EQ(tf_stats(A)->dpd_dead, 1);
	ATF_CHECK(tf_event_seen(A, PS_EVT_PHASE1_DPD_TIMEOUT));
	ATF_CHECK_EQ(tf_live_sas(A), 0);
	ATF_CHECK_EQ(tf_p1_count(A, P1S_ESTABLISHED), 0);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(nat_traversal);
ATF_TC_BODY(nat_traversal, tc)
{
	const struct tf_sa *ao, *bo;

	setup("nat_traversal on;", "", "", "nat_traversal on;", "", "");
	tf_nodes[A].natted = true;
	ATF_REQUIRE(sad_addr_parse(&tf_nodes[A].nat_addr, "198.51.100.9") ==
	    0);
	/* B knows A by its public address. */
	conf_free(tf_nodes[B].cfg);
	{
		char *cb = conf("anonymous", "nat_traversal on;", "", "");
		struct conf_msgs msgs;

		TAILQ_INIT(&msgs);
		ATF_REQUIRE(conf_load_buffer(cb, strlen(cb), "b.conf", NULL,
		    &tf_nodes[B].cfg, &msgs) == 0);
		conf_msgs_free(&msgs);
		free(cb);
	}
	tf_psk(B, "198.51.100.9", PSK);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK(tf_logged(A, "NAT detected"));
	ATF_CHECK(tf_logged(B, "NAT detected"));
	/* From MM5 on, port 4500. */
	ATF_CHECK(tf_dgram(4)->natt);
	ATF_CHECK(!tf_dgram(3)->natt);
	ao = sa_of(A, PS_SA_ADD, 0);
	bo = sa_of(B, PS_SA_ADD, 0);
	ATF_REQUIRE(ao != NULL && bo != NULL);
	ATF_CHECK_EQ(ao->s.natt_type, IKEV1_NATT_ESPINUDP);
	ATF_CHECK_EQ(ao->s.natt_sport, 4500);
	ATF_CHECK_EQ(ao->s.natt_dport, 4500);
	/* B sends to the NAT's port for A's 4500. */
	ATF_CHECK_EQ(bo->s.natt_sport, 4500);
	ATF_CHECK_EQ(bo->s.natt_dport, 44500);
	tf_teardown();
}

/* NAT-keepalives (one 0xff byte, NAT-T) from `from' so far. */
static size_t
keepalives_from(int from, size_t first)
{
	const struct tf_dgram *d;
	size_t i, n = 0;

	for (i = first; i < tf_ndgrams(); i++) {
		d = tf_dgram(i);
		if (d->from == from && d->len == 1 && d->data[0] == 0xff) {
			ATF_CHECK(d->natt);
			n++;
		}
	}
	return (n);
}

/* A behind a NAT as 198.51.100.9, B knowing it by that address. */
static void
setup_nat(const char *timer_a)
{
	char *ca, *cb;
	struct conf_msgs msgs;

	setup("nat_traversal on;", "", "", "nat_traversal on;", "", "");
	tf_nodes[A].natted = true;
	ATF_REQUIRE(sad_addr_parse(&tf_nodes[A].nat_addr, "198.51.100.9") ==
	    0);
	TAILQ_INIT(&msgs);
	if (timer_a != NULL) {
		ca = conf(ADDR_B, "nat_traversal on;", "", "");
		ATF_REQUIRE(asprintf(&cb, "%stimer { %s }\n", ca, timer_a) >
		    0);
		conf_free(tf_nodes[A].cfg);
		ATF_REQUIRE_MSG(conf_load_buffer(cb, strlen(cb), "a.conf",
		    NULL, &tf_nodes[A].cfg, &msgs) == 0, "%s", cb);
		conf_msgs_free(&msgs);
		free(ca);
		free(cb);
	}
	conf_free(tf_nodes[B].cfg);
	cb = conf("anonymous", "nat_traversal on;", "", "");
	ATF_REQUIRE(conf_load_buffer(cb, strlen(cb), "b.conf", NULL,
	    &tf_nodes[B].cfg, &msgs) == 0);
	conf_msgs_free(&msgs);
	free(cb);
	tf_psk(B, "198.51.100.9", PSK);
}

/*
 * RFC 3948 2.3: the side behind the NAT sends a NAT-keepalive every
 * natt_keepalive seconds (20 by default) on the NAT-T port; the other
 * side sends none.
 */
ATF_TC_WITHOUT_HEAD(nat_keepalive);
ATF_TC_BODY(nat_keepalive, tc)
{
	size_t base;

	setup_nat(NULL);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	ATF_REQUIRE(tf_logged(A, "NAT detected (in front of us"));
	base = tf_ndgrams();
	ATF_CHECK_EQ(keepalives_from(A, 0), 0);
	tf_advance(19900);
	ATF_CHECK_EQ(keepalives_from(A, base), 0);
	tf_advance(200);
	ATF_CHECK_EQ(keepalives_from(A, base), 1);
	tf_advance(20000);
	ATF_CHECK_EQ(keepalives_from(A, base), 2);
	tf_advance(60000);
	ATF_CHECK_EQ(keepalives_from(A, base), 5);
	ATF_CHECK_EQ(tf_stats(A)->natt_keepalives, 5);
	/* To the peer's NAT-T port, as the SA's endpoint. */
	ATF_CHECK_EQ(tf_dgram(tf_ndgrams() - 1)->to, B);
	/* B is not behind a NAT: nothing from it. */
	ATF_CHECK_EQ(keepalives_from(B, 0), 0);
	ATF_CHECK_EQ(tf_stats(B)->natt_keepalives, 0);
	tf_teardown();
}

/* The interval from the timer section; 0 turns them off. */
ATF_TC_WITHOUT_HEAD(nat_keepalive_interval);
ATF_TC_BODY(nat_keepalive_interval, tc)
{
	size_t base;

	setup_nat("natt_keepalive 5 sec;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	base = tf_ndgrams();
	tf_advance(4900);
	ATF_CHECK_EQ(keepalives_from(A, base), 0);
	tf_advance(20200);
	ATF_CHECK_EQ(keepalives_from(A, base), 5);
	tf_teardown();

	setup_nat("natt_keepalive 0 sec;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	tf_advance(100000);
	ATF_CHECK_EQ(keepalives_from(A, 0), 0);
	ATF_CHECK_EQ(tf_stats(A)->natt_keepalives, 0);
	tf_teardown();
}

/* Without a NAT, no keepalives, NAT-T negotiated or not. */
ATF_TC_WITHOUT_HEAD(nat_keepalive_none);
ATF_TC_BODY(nat_keepalive_none, tc)
{
	setup("nat_traversal on;", "", "", "nat_traversal on;", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK(!tf_logged(A, "NAT detected"));
	tf_advance(100000);
	ATF_CHECK_EQ(keepalives_from(A, 0), 0);
	ATF_CHECK_EQ(keepalives_from(B, 0), 0);
	tf_teardown();

	/* Forced NAT-T without a NAT: encapsulation, but no mapping. */
	setup("nat_traversal force;", "", "", "nat_traversal on;", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	tf_advance(100000);
	ATF_CHECK_EQ(keepalives_from(A, 0), 0);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(fragmentation);
ATF_TC_BODY(fragmentation, tc)
{
	char *ca, *cb;
	const char *fmt = "path pre_shared_key \"/x\";\nremote %s { "
	    "exchange_mode main; ike_frag on; proposal { "
	    "encryption_algorithm aes; hash_algorithm sha256; "
	    "authentication_method pre_shared_key; dh_group modp8192; } }\n"
	    "sainfo anonymous { encryption_algorithm aes; "
	    "authentication_algorithm hmac_sha1; }\n";

	ATF_REQUIRE(asprintf(&ca, fmt, ADDR_B) > 0);
	ATF_REQUIRE(asprintf(&cb, fmt, ADDR_A) > 0);
	tf_reset();
	ATF_REQUIRE(tf_node(A, "A", ADDR_A, ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", ADDR_B, cb) == 0);
	free(ca);
	free(cb);
	tf_psk(A, ADDR_B, PSK);
	tf_psk(B, ADDR_A, PSK);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	/* MM3 and MM4 carry 1024-byte KEs: sent in fragments. */
	ATF_CHECK(tf_stats(A)->frags_sent >= 2);
	ATF_CHECK(tf_stats(B)->frags_sent >= 2);
	ATF_CHECK(tf_stats(B)->frags_rcvd >= 2);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	tf_teardown();
}

/* Aggressive mode with modp8192: AM1 (a 1024-byte KE) is too big for
 * one 576-byte datagram; A (ike_frag force) sends it in fragments
 * before any exchange exists at B. */
static void
setup_frag_first(const char *fa, const char *fb)
{
	char *ca, *cb;
	const char *fmt = "path pre_shared_key \"/x\";\nremote %s { "
	    "exchange_mode aggressive; ike_frag %s; my_identifier fqdn "
	    "\"%s\"; proposal { encryption_algorithm aes; "
	    "hash_algorithm sha256; authentication_method pre_shared_key; "
	    "dh_group modp8192; } }\n"
	    "sainfo anonymous { encryption_algorithm aes; "
	    "authentication_algorithm hmac_sha1; }\n";

	ATF_REQUIRE(asprintf(&ca, fmt, ADDR_B, fa, "a.example.org") > 0);
	ATF_REQUIRE(asprintf(&cb, fmt, fb[0] == '@' ? "anonymous" : ADDR_A,
	    fb[0] == '@' ? fb + 1 : fb, "b.example.org") > 0);
	tf_reset();
	ATF_REQUIRE(tf_node(A, "A", ADDR_A, ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", ADDR_B, cb) == 0);
	free(ca);
	free(cb);
	tf_psk(A, ADDR_B, PSK);
	tf_psk(B, "a.example.org", PSK);
}

ATF_TC_WITHOUT_HEAD(fragmented_first_message);
ATF_TC_BODY(fragmented_first_message, tc)
{
	size_t i, first_b = 0, frags_a = 0;

	setup_frag_first("force", "on");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	/* Everything A sent before B's first answer was fragments. */
	for (i = 0; i < tf_ndgrams() && tf_dgram(i)->from == A; i++)
		if (tf_dgram(i)->data[16] == ISAKMP_NPTYPE_FRAG)
			frags_a++;
	first_b = i;
	ATF_CHECK(first_b >= 2);
	ATF_CHECK_EQ(frags_a, first_b);
	ATF_CHECK(tf_stats(B)->frags_rcvd >= 2);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	/* Nothing is left in the first-message table or the pool. */
	ATF_CHECK_EQ(tf_nodes[B].eng->norphans, 0);
	tf_teardown();

	/* Negative control: B with ike_frag off drops them. */
	setup_frag_first("force", "off");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK(tf_stats(B)->frags_rcvd >= 2);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 0);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 0);
	ATF_CHECK_EQ(tf_nodes[B].eng->norphans, 0);
	ATF_CHECK_EQ(tf_nodes[B].eng->np1, 0);
	tf_teardown();
}

/* Fragment 1 of 3 of a 1200-byte first message with these cookies. */
static size_t
first_frag(uint8_t *out, size_t outsz, uint32_t tag, bool rzero)
{
	uint8_t msg[1200];
	size_t n;

	memset(msg, 0x33, sizeof(msg));
	memset(msg, 0, ISAKMP_HDR_LEN);
	msg[0] = 0xf1;
	memcpy(msg + 1, &tag, sizeof(tag));
	if (!rzero)
		msg[8] = 1;
	msg[16] = ISAKMP_NPTYPE_SA;
	msg[17] = 0x10;
	msg[18] = ISAKMP_ETYPE_AGGRESSIVE;
	msg[24] = (uint8_t)(sizeof(msg) >> 24);
	msg[25] = (uint8_t)(sizeof(msg) >> 16);
	msg[26] = (uint8_t)(sizeof(msg) >> 8);
	msg[27] = (uint8_t)sizeof(msg);
	ATF_REQUIRE(isakmp_frag_count(sizeof(msg), 540) == 3);
	n = isakmp_frag_build(msg, sizeof(msg), 540, 1, 1, out, outsz);
	ATF_REQUIRE(n > 0);
	return (n);
}

ATF_TC_WITHOUT_HEAD(fragment_flood);
ATF_TC_BODY(fragment_flood, tc)
{
	struct ike_packet p;
	uint8_t f[600];
	size_t n, hold;
	uint32_t i;
	char a[32];

	setup_frag_first("force", "@on");
	/* 1000 sets with fresh cookies from A: four are held at a time. */
	for (i = 0; i < 1000; i++) {
		n = first_frag(f, sizeof(f), i, true);
		tf_inject(A, B, f, n, false);
		tf_run();
	}
	hold = tf_nodes[B].eng->fragpool.used;
	ATF_CHECK_EQ(tf_nodes[B].eng->norphans, IKEV1_FRAG_ORPHANS_PEER);
	ATF_CHECK_EQ(tf_stats(B)->frags_evicted, 1000 - IKEV1_FRAG_ORPHANS_PEER);
	ATF_CHECK(hold > 0 && hold <= IKEV1_FRAG_ORPHANS_PEER * 600);
	/* A fragment for cookies of no exchange (responder cookie set)
	 * is not held. */
	n = first_frag(f, sizeof(f), 5000, false);
	tf_inject(A, B, f, n, false);
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].eng->norphans, IKEV1_FRAG_ORPHANS_PEER);
	ATF_CHECK_EQ(tf_nodes[B].eng->fragpool.used, hold);
	/* Many addresses (the anonymous remote takes them all): the table
	 * and the bytes stay bounded. */
	tf_use(B);
	for (i = 0; i < 300; i++) {
		memset(&p, 0, sizeof(p));
		(void)snprintf(a, sizeof(a), "198.51.%u.%u", i / 200,
		    1 + i % 200);
		ATF_REQUIRE(sad_addr_parse(&p.ep.remote, a) == 0);
		p.ep.remote.port = 500;
		p.ep.local = tf_nodes[B].addr;
		p.ep.local.port = 500;
		p.ep.sock = 1;
		n = first_frag(f, sizeof(f), 10000 + i, true);
		p.data = f;
		p.len = n;
		ike_recv(&p);
	}
	ATF_CHECK_EQ(tf_nodes[B].eng->norphans, IKEV1_FRAG_ORPHANS);
	ATF_CHECK(tf_nodes[B].eng->fragpool.used <= IKEV1_FRAG_ORPHANS * 600);
	ATF_CHECK(tf_stats(B)->frags_evicted >= 1000 - IKEV1_FRAG_ORPHANS_PEER
	    + 300 - IKEV1_FRAG_ORPHANS);
	/* The sets time out: the next fragment finds the table empty. */
	tf_advance(ISAKMP_REASM_TIMEOUT + 1000);
	n = first_frag(f, sizeof(f), 20000, true);
	tf_inject(A, B, f, n, false);
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].eng->norphans, 1);
	ATF_CHECK(tf_nodes[B].eng->fragpool.used > 0 &&
	    tf_nodes[B].eng->fragpool.used <= 600);
	/* A real fragmented first message still gets through. */
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	tf_teardown();
}

/* Whether all four SAs of the last pair were installed with ESN. */
static void
check_esn(bool want)
{
	const struct tf_sa *s[4];
	size_t i;

	s[0] = sa_of(A, PS_SA_UPDATE, 0);
	s[1] = sa_of(A, PS_SA_ADD, 0);
	s[2] = sa_of(B, PS_SA_UPDATE, 0);
	s[3] = sa_of(B, PS_SA_ADD, 0);
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(s[i] != NULL);
		ATF_CHECK_EQ_MSG((s[i]->s.flags & PS_SAF_ESN) != 0, want,
		    "SA %zu flags %#x", i, s[i]->s.flags);
	}
}

ATF_TC_WITHOUT_HEAD(esn);
ATF_TC_BODY(esn, tc)
{
	/* Both want it: offered, chosen, installed. */
	setup("", "", "esn on;", "", "", "esn on;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	check_esn(true);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	tf_teardown();

	/* Neither: no ESN (the control). */
	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	check_esn(false);
	tf_teardown();

	/* A responder without esn refuses a transform with it. */
	setup("", "", "esn on;", "", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 0);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 0);
	ATF_CHECK_EQ(tf_live_sas(A), 0);
	ATF_CHECK_EQ(tf_live_sas(B), 0);
	tf_teardown();

	/* A responder with esn takes a transform without it ... */
	setup("", "", "", "", "", "esn on;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	check_esn(false);
	tf_teardown();

	/* ... unless proposal_check exact wants it. */
	setup("", "", "", "proposal_check exact;", "", "esn on;");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 0);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 0);
	tf_teardown();
}

/* A transport mode ACQUIRE at A for A <-> B. */
static void
acquire_transport(void)
{
	struct ike_acquire a;

	memset(&a, 0, sizeof(a));
	a.seq = 1;
	a.satype = PFKEY_SATYPE_ESP;
	a.src = a.sel_src = tf_nodes[A].addr;
	a.dst = a.sel_dst = tf_nodes[B].addr;
	a.sel_src.plen = a.sel_dst.plen = 32;
	a.ulproto = 255;
	a.mode = PFKEY_MODE_TRANSPORT;
	a.level = PFKEY_LEVEL_REQUIRE;
	a.dir = PFKEY_DIR_OUTBOUND;
	tf_use(A);
	ike_acquire(&a);
}

static bool
addr_is(const struct sad_addr *a, const char *s)
{
	struct sad_addr b;

	return (sad_addr_parse(&b, s) == 0 && sad_addr_cmp(a, &b) == 0);
}

ATF_TC_WITHOUT_HEAD(nat_oa);
ATF_TC_BODY(nat_oa, tc)
{
	const struct tf_sa *s[4];
	size_t i;

	setup_nat(NULL);
	acquire_transport();
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	s[0] = sa_of(A, PS_SA_UPDATE, 0);
	s[1] = sa_of(A, PS_SA_ADD, 0);
	s[2] = sa_of(B, PS_SA_UPDATE, 0);
	s[3] = sa_of(B, PS_SA_ADD, 0);
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE(s[i] != NULL);
		ATF_CHECK_EQ(s[i]->s.mode, PFKEY_MODE_TRANSPORT);
		ATF_CHECK_EQ(s[i]->s.natt_type, IKEV1_NATT_ESPINUDP);
	}
	/* B sees A as 198.51.100.9; A's NAT-OAi tells its own address. */
	ATF_CHECK(addr_is(&s[2]->s.src, "198.51.100.9"));
	for (i = 2; i < 4; i++) {
		ATF_CHECK(addr_is(&s[i]->s.natt_oa_peer, ADDR_A));
		ATF_CHECK(addr_is(&s[i]->s.natt_oa_local, ADDR_B));
	}
	/* A learns B's from B's NAT-OAr. */
	for (i = 0; i < 2; i++) {
		ATF_CHECK(addr_is(&s[i]->s.natt_oa_peer, ADDR_B));
		ATF_CHECK(addr_is(&s[i]->s.natt_oa_local, ADDR_A));
	}
	tf_teardown();

	/* Tunnel mode behind the same NAT: no NAT-OA (RFC 3947 5.2). */
	setup_nat(NULL);
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK_EQ(sa_of(B, PS_SA_UPDATE, 0)->s.natt_type,
	    IKEV1_NATT_ESPINUDP);
	ATF_CHECK_EQ(sa_of(B, PS_SA_UPDATE, 0)->s.natt_oa_peer.af, AF_UNSPEC);
	ATF_CHECK_EQ(sa_of(A, PS_SA_ADD, 0)->s.natt_oa_peer.af, AF_UNSPEC);
	tf_teardown();

	/* Transport mode without a NAT: none either. */
	setup("nat_traversal on;", "", "", "nat_traversal on;", "", "");
	acquire_transport();
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	ATF_CHECK_EQ(sa_of(B, PS_SA_UPDATE, 0)->s.natt_type, 0);
	ATF_CHECK_EQ(sa_of(B, PS_SA_UPDATE, 0)->s.natt_oa_peer.af, AF_UNSPEC);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(halfopen_limit);
ATF_TC_BODY(halfopen_limit, tc)
{
	struct tf_dgram d;
	unsigned i;

	setup_plain();
	/* A real exchange first (it completes: not half-open). */
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	ATF_REQUIRE(tf_ndgrams() == 1);
	d = *tf_dgram(0);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p1_established, 1);
	/* 40 more first messages with fresh cookies from the same peer. */
	d.data[1] ^= 0x5a;		/* never the first one's cookie */
	for (i = 0; i < 40; i++) {
		d.data[0] = (uint8_t)(0xa0 + i);
		tf_inject(A, B, d.data, d.len, false);
	}
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].eng->nhalfopen, P1_HALFOPEN_PEER);
	ATF_CHECK_EQ(tf_stats(B)->dropped_halfopen, 40 - P1_HALFOPEN_PEER);
	/* Nothing costly was done for them: no DH, no MM4. */
	ATF_CHECK_EQ(tf_p1_count(B, P1S_MSG2SENT), P1_HALFOPEN_PEER);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_MSG4SENT), 0);
	/* They time out and take no more room. */
	tf_advance(100000);
	ATF_CHECK_EQ(tf_nodes[B].eng->nhalfopen, 0);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(rekey_on_soft_expire);
ATF_TC_BODY(rekey_on_soft_expire, tc)
{
	struct ike_expire e;
	const struct tf_sa *out, *in;
	uint32_t oldout, oldin;

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	out = sa_of(A, PS_SA_ADD, 0);
	in = sa_of(A, PS_SA_UPDATE, 0);
	oldout = out->s.spi;
	oldin = in->s.spi;
	memset(&e, 0, sizeof(e));
	e.satype = PFKEY_SATYPE_ESP;
	e.spi = oldin;
	e.src = tf_nodes[B].addr;
	e.dst = tf_nodes[A].addr;
	tf_use(A);
	ike_expire(&e);
	tf_run();
	/* A new pair; the old one is still there. */
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	ATF_CHECK_EQ(tf_live_sas(A), 4);
	ATF_CHECK_EQ(tf_live_sas(B), 4);
	ATF_CHECK(sa_of(A, PS_SA_ADD, 0)->s.spi != oldout);
	/* The second soft EXPIRE of the pair does not renew again. */
	e.spi = oldout;
	e.src = tf_nodes[A].addr;
	e.dst = tf_nodes[B].addr;
	ike_expire(&e);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	/* The hard EXPIRE of the old inbound (the kernel deleted it): the
	 * old pair goes. */
	((struct tf_sa *)(uintptr_t)tf_sa_find(A, oldin))->deleted = true;
	e.hard = true;
	e.spi = oldin;
	e.src = tf_nodes[B].addr;
	e.dst = tf_nodes[A].addr;
	tf_use(A);
	ike_expire(&e);
	tf_run();
	ATF_CHECK_EQ(tf_live_sas(A), 2);
	ATF_CHECK_EQ(tf_live_sas(B), 2);
	ATF_CHECK(tf_sa_find(B, oldout)->deleted);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(generate_policy);
ATF_TC_BODY(generate_policy, tc)
{
	setup("", "", "", "generate_policy unique; passive on;", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	/* out, in, fwd (generate_policy_fwd). */
	ATF_CHECK_EQ(tf_nodes[B].nspds, 3);
	ATF_CHECK_EQ(tf_nodes[B].spds[0].dir, PFKEY_DIR_OUTBOUND);
	ATF_CHECK_EQ(tf_nodes[B].spds[0].sel_dst.plen, 16);
	ATF_CHECK_EQ(tf_nodes[B].spds[0].mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(tf_nodes[B].spds[0].level, PFKEY_LEVEL_UNIQUE);
	ATF_CHECK(tf_nodes[B].spds[0].reqid != 0);
	ATF_CHECK_EQ(tf_nodes[B].spds[0].reqid,
	    sa_of(B, PS_SA_ADD, 0)->s.reqid);
	ATF_CHECK(sad_addr_cmp(&tf_nodes[B].spds[0].tun_dst,
	    &tf_nodes[A].addr) == 0);
	/* A passive B does not initiate. */
	acquire_at(B, 3, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].acquire_failed, 0);
	tf_teardown();
}

/* Tunnel mode: out, in and fwd (Linux forwards the decapsulated traffic
 * of the peer's network through fwd); all three go with the SAs. */
ATF_TC_WITHOUT_HEAD(generate_policy_fwd);
ATF_TC_BODY(generate_policy_fwd, tc)
{
	const struct frame_spd *in, *fwd;
	const struct tf_sa *out;

	setup("", "", "", "generate_policy on; passive on;", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	ATF_REQUIRE_EQ(tf_nodes[B].nspds, 3);
	ATF_CHECK_EQ(tf_nodes[B].spds[0].dir, PFKEY_DIR_OUTBOUND);
	in = &tf_nodes[B].spds[1];
	fwd = &tf_nodes[B].spds[2];
	ATF_CHECK_EQ(in->dir, PFKEY_DIR_INBOUND);
	ATF_CHECK_EQ(fwd->dir, PFKEY_DIR_FWD);
	/* fwd is the in policy in the other direction's slot: from the
	 * peer's network to ours, tunnel from the peer to us. */
	ATF_CHECK(sad_addr_cmp(&fwd->sel_src, &in->sel_src) == 0);
	ATF_CHECK_EQ(fwd->sel_src.plen, 16);
	ATF_CHECK(sad_addr_cmp(&fwd->sel_dst, &in->sel_dst) == 0);
	ATF_CHECK(sad_addr_cmp(&fwd->tun_src, &tf_nodes[A].addr) == 0);
	ATF_CHECK(sad_addr_cmp(&fwd->tun_dst, &tf_nodes[B].addr) == 0);
	ATF_CHECK_EQ(fwd->mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(fwd->reqid, in->reqid);
	ATF_CHECK_EQ(fwd->proto, IPPROTO_ESP);
	/* A deletes the SAs: B deletes out, in and fwd. */
	out = sa_of(A, PS_SA_ADD, 0);
	ATF_REQUIRE(out != NULL);
	tf_use(A);
	ike_sa_gone(PFKEY_SATYPE_ESP, out->s.spi, &tf_nodes[A].addr,
	    &tf_nodes[B].addr);
	tf_run();
	ATF_CHECK_EQ(tf_live_sas(B), 0);
	ATF_REQUIRE_EQ(tf_nodes[B].spd_deletes, 3);
	ATF_CHECK_EQ(tf_nodes[B].spd_del_dir[0], PFKEY_DIR_OUTBOUND);
	ATF_CHECK_EQ(tf_nodes[B].spd_del_dir[1], PFKEY_DIR_INBOUND);
	ATF_CHECK_EQ(tf_nodes[B].spd_del_dir[2], PFKEY_DIR_FWD);
	tf_teardown();
}

/* Transport mode has no fwd policy. */
ATF_TC_WITHOUT_HEAD(generate_policy_transport);
ATF_TC_BODY(generate_policy_transport, tc)
{
	struct ike_acquire a;
	const struct tf_sa *out;
	size_t i;

	setup("", "", "", "generate_policy on; passive on;", "", "");
	memset(&a, 0, sizeof(a));
	a.seq = 1;
	a.satype = PFKEY_SATYPE_ESP;
	a.src = a.sel_src = tf_nodes[A].addr;
	a.dst = a.sel_dst = tf_nodes[B].addr;
	a.sel_src.plen = a.sel_dst.plen = 32;
	a.ulproto = 255;
	a.mode = PFKEY_MODE_TRANSPORT;
	a.level = PFKEY_LEVEL_REQUIRE;
	a.dir = PFKEY_DIR_OUTBOUND;
	tf_use(A);
	ike_acquire(&a);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(B)->p2_established, 1);
	ATF_REQUIRE_EQ(tf_nodes[B].nspds, 2);
	for (i = 0; i < tf_nodes[B].nspds; i++) {
		ATF_CHECK(tf_nodes[B].spds[i].dir != PFKEY_DIR_FWD);
		ATF_CHECK_EQ(tf_nodes[B].spds[i].mode, PFKEY_MODE_TRANSPORT);
	}
	out = sa_of(A, PS_SA_ADD, 0);
	ATF_REQUIRE(out != NULL);
	tf_use(A);
	ike_sa_gone(PFKEY_SATYPE_ESP, out->s.spi, &tf_nodes[A].addr,
	    &tf_nodes[B].addr);
	tf_run();
	ATF_CHECK_EQ(tf_nodes[B].spd_deletes, 2);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(show_sa);
ATF_TC_BODY(show_sa, tc)
{
	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_p1_count(A, P1S_ESTABLISHED), 1);
	ATF_CHECK_EQ(TAILQ_FIRST(&tf_nodes[A].eng->p1s)->ph2count, 1);
	tf_teardown();
}


ATF_TC_WITHOUT_HEAD(phase1_rekey);
ATF_TC_BODY(phase1_rekey, tc)
{
	struct p1 *p1;

	setup("lifetime time 1 min; rekey force;", "", "", "", "", "");
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_REQUIRE_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(TAILQ_FIRST(&tf_nodes[B].eng->p1s)->sel.life_s, 60);
	/* Soft expiry (48-54 s): A makes a new ISAKMP SA. */
	tf_advance(55000);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 2);
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 2);
	ATF_CHECK_EQ(tf_p1_count(A, P1S_EXPIRED), 1);
	/* Hard expiry: the old one is deleted, the new one stays. */
	tf_advance(6000);
	ATF_CHECK_EQ(tf_p1_count(A, P1S_EXPIRED), 0);
	ATF_CHECK_EQ(tf_p1_count(A, P1S_ESTABLISHED), 1);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED) +
	    tf_p1_count(B, P1S_EXPIRED), 1);
	/* The IPsec SAs outlive it, and the new one carries quick mode. */
	ATF_CHECK_EQ(tf_live_sas(A), 2);
	acquire_at(A, 2, PFKEY_SATYPE_ESP);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 2);
	ATF_CHECK_EQ(tf_stats(A)->p1_established, 2);
	p1 = TAILQ_FIRST(&tf_nodes[A].eng->p1s);
	ATF_CHECK(p1 != NULL && p1->ph2count == 1);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(ipv6);
ATF_TC_BODY(ipv6, tc)
{
	struct ike_acquire a;
	char *ca, *cb;

	ca = conf("2001:db8::2", "", "", "");
	cb = conf("2001:db8::1", "", "", "");
	tf_reset();
	ATF_REQUIRE(tf_node(A, "A", "2001:db8::1", ca) == 0);
	ATF_REQUIRE(tf_node(B, "B", "2001:db8::2", cb) == 0);
	free(ca);
	free(cb);
	tf_psk(A, "2001:db8::2", PSK);
	tf_psk(B, "2001:db8::1", PSK);
	memset(&a, 0, sizeof(a));
	a.seq = 1;
	a.satype = PFKEY_SATYPE_ESP;
	a.src = tf_nodes[A].addr;
	a.dst = tf_nodes[B].addr;
	ATF_REQUIRE(sad_addr_parse(&a.sel_src, "2001:db8:1::") == 0);
	ATF_REQUIRE(sad_addr_parse(&a.sel_dst, "2001:db8:2::") == 0);
	a.sel_src.plen = a.sel_dst.plen = 48;
	a.ulproto = 58;
	a.mode = PFKEY_MODE_TUNNEL;
	a.level = PFKEY_LEVEL_REQUIRE;
	tf_use(A);
	ike_acquire(&a);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(tf_stats(B)->p2_established, 1);
	check_pair(PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 32, 32);
	tf_teardown();
}

static void
count_p1(void *arg, const struct ike_ph1_info *i)
{
	unsigned *n = arg;

	if (i->status == P1S_ESTABLISHED && i->side == 0 &&
	    i->etype == ISAKMP_ETYPE_IDPROT && i->version == 0x10)
		(*n)++;
}

ATF_TC_WITHOUT_HEAD(establish_and_show);
ATF_TC_BODY(establish_and_show, tc)
{
	struct ike_establish es;
	char why[128];
	unsigned n = 0;

	setup_plain();
	memset(&es, 0, sizeof(es));
	es.src = tf_nodes[A].addr;
	es.dst = tf_nodes[B].addr;
	tf_use(A);
	ATF_CHECK_EQ(ike_ctl_establish(&es, why, sizeof(why)), 0);
	tf_run();
	ATF_CHECK_EQ(tf_stats(B)->p1_established, 1);
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 0);
	tf_use(A);
	ike_ctl_phase1s(count_p1, &n);
	ATF_CHECK_EQ(n, 1);
	/* Again: refused, one is there. */
	ATF_CHECK_EQ(ike_ctl_establish(&es, why, sizeof(why)), EEXIST);
	/* establish-sa esp: a quick mode on it. */
	es.satype = PFKEY_SATYPE_ESP;
	es.ulproto = 255;
	ATF_CHECK_EQ(ike_ctl_establish(&es, why, sizeof(why)), 0);
	tf_run();
	ATF_CHECK_EQ(tf_stats(A)->p2_established, 1);
	ATF_CHECK_EQ(sa_of(A, PS_SA_ADD, 0)->s.mode, PFKEY_MODE_TRANSPORT);
	tf_teardown();
}

/* Build a clear informational message from A's cookies with one N or D. */
static size_t
clear_info(const struct p1 *p1, bool del, uint8_t *out, size_t outsz)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_notify n;
	struct isakmp_delete d;
	const uint8_t *m;
	uint8_t spi[16];
	size_t len;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, p1->icookie, 8);
	memcpy(h.rcookie, p1->rcookie, 8);
	h.version = ISAKMP_VERSION_IKEV1;
	h.etype = ISAKMP_ETYPE_INFO;
	h.msgid = 0x12345678;
	memcpy(spi, p1->icookie, 8);
	memcpy(spi + 8, p1->rcookie, 8);
	isakmp_buf_init(&b, out, outsz);
	isakmp_put_header(&b, &h);
	if (del) {
		memset(&d, 0, sizeof(d));
		d.doi = ISAKMP_DOI_IPSEC;
		d.proto = ISAKMP_PROTO_ISAKMP;
		d.spisize = 16;
		d.count = 1;
		d.spis = spi;
		isakmp_put_delete(&b, &d);
	} else {
		memset(&n, 0, sizeof(n));
		n.doi = ISAKMP_DOI_IPSEC;
		n.proto = ISAKMP_PROTO_ISAKMP;
		n.spisize = 16;
		n.spi = spi;
		n.type = ISAKMP_NTYPE_INITIAL_CONTACT;
		isakmp_put_notify(&b, &n);
	}
	ATF_REQUIRE(isakmp_buf_finish(&b, &m, &len) == 0);
	return (len);
}

ATF_TC_WITHOUT_HEAD(unprotected_ignored);
ATF_TC_BODY(unprotected_ignored, tc)
{
	uint8_t msg[256];
	size_t len;
	struct p1 *p1;

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	p1 = TAILQ_FIRST(&tf_nodes[A].eng->p1s);
	ATF_REQUIRE(p1 != NULL);
	/* Anybody could send these: logged, nothing done. */
	len = clear_info(p1, false, msg, sizeof(msg));
	tf_inject(A, B, msg, len, false);
	len = clear_info(p1, true, msg, sizeof(msg));
	tf_inject(A, B, msg, len, false);
	tf_run();
	ATF_CHECK(tf_logged(B, "unprotected notification INITIAL-CONTACT"));
	ATF_CHECK(tf_logged(B, "unprotected DELETE: ignored"));
	ATF_CHECK_EQ(tf_nodes[B].delete_peer, 1);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED), 1);
	ATF_CHECK_EQ(tf_live_sas(B), 2);
	tf_teardown();
}

ATF_TC_WITHOUT_HEAD(forged_delete);
ATF_TC_BODY(forged_delete, tc)
{
	struct reenc r = { A, ISAKMP_ETYPE_INFO, 0, 0, false,
	    flip_in_first_payload };
	struct sad_addr none;
	char why[128];

	setup_plain();
	acquire_at(A, 1, PFKEY_SATYPE_ESP);
	tf_run();
	/* A's DELETE arrives with a wrong HASH(1): B keeps its SA. */
	tf_set_tamper(reenc_hook, &r);
	memset(&none, 0, sizeof(none));
	tf_use(A);
	ATF_REQUIRE_EQ(ike_ctl_delete(&none, &tf_nodes[B].addr, why,
	    sizeof(why)), 0);
	tf_run();
	ATF_CHECK(r.done);
	ATF_CHECK(tf_logged(B, "wrong HASH: dropped"));
	ATF_CHECK_EQ(tf_stats(B)->deletes_rcvd, 0);
	ATF_CHECK_EQ(tf_p1_count(B, P1S_ESTABLISHED), 1);
	tf_teardown();
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, main_mode_psk_quick_mode);
	ATF_TP_ADD_TC(tp, responder_initiates_too);
	ATF_TP_ADD_TC(tp, aggressive_mode_fqdn);
	ATF_TP_ADD_TC(tp, aggressive_mode_wrong_id);
	ATF_TP_ADD_TC(tp, main_mode_wrong_id);
	ATF_TP_ADD_TC(tp, wrong_psk);
	ATF_TP_ADD_TC(tp, no_psk);
	ATF_TP_ADD_TC(tp, bad_hash_i);
	ATF_TP_ADD_TC(tp, bad_hash_quick_mode);
	ATF_TP_ADD_TC(tp, bad_hash_quick_mode_2);
	ATF_TP_ADD_TC(tp, proposal_check_phase2);
	ATF_TP_ADD_TC(tp, proposal_check_phase1);
	ATF_TP_ADD_TC(tp, multiple_proposals);
	ATF_TP_ADD_TC(tp, quick_mode_pfs);
	ATF_TP_ADD_TC(tp, quick_mode_gcm_and_ah);
	ATF_TP_ADD_TC(tp, retransmit_lost_answers);
	ATF_TP_ADD_TC(tp, duplicates);
	ATF_TP_ADD_TC(tp, replayed_messages);
	ATF_TP_ADD_TC(tp, truncated_payloads);
	ATF_TP_ADD_TC(tp, damage_everything);
	ATF_TP_ADD_TC(tp, delete_ipsec_sa);
	ATF_TP_ADD_TC(tp, delete_isakmp_sa);
	ATF_TP_ADD_TC(tp, initial_contact);
	ATF_TP_ADD_TC(tp, dead_peer_detection);
	ATF_TP_ADD_TC(tp, nat_traversal);
	ATF_TP_ADD_TC(tp, nat_keepalive);
	ATF_TP_ADD_TC(tp, nat_keepalive_interval);
	ATF_TP_ADD_TC(tp, nat_keepalive_none);
	ATF_TP_ADD_TC(tp, fragmentation);
	ATF_TP_ADD_TC(tp, fragmented_first_message);
	ATF_TP_ADD_TC(tp, fragment_flood);
	ATF_TP_ADD_TC(tp, esn);
	ATF_TP_ADD_TC(tp, nat_oa);
	ATF_TP_ADD_TC(tp, halfopen_limit);
	ATF_TP_ADD_TC(tp, rekey_on_soft_expire);
	ATF_TP_ADD_TC(tp, generate_policy);
	ATF_TP_ADD_TC(tp, generate_policy_fwd);
	ATF_TP_ADD_TC(tp, generate_policy_transport);
	ATF_TP_ADD_TC(tp, show_sa);
	ATF_TP_ADD_TC(tp, phase1_rekey);
	ATF_TP_ADD_TC(tp, ipv6);
	ATF_TP_ADD_TC(tp, establish_and_show);
	ATF_TP_ADD_TC(tp, unprotected_ignored);
	ATF_TP_ADD_TC(tp, forged_delete);
	return (atf_no_error());
}
