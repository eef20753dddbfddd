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
 * Phase 1: main mode and aggressive mode (RFC 2409 5), both roles, with
 * pre-shared keys (5.4) or signatures (5.1).
 *
 *   main mode				aggressive mode
 *   MM1 I: SA, VID			AM1 I: SA, KE, Ni, IDii, VID
 *   MM2 R: SA, VID			AM2 R: SA, KE, Nr, IDir, HASH_R,
 *   MM3 I: KE, Ni, [NAT-D x2]		       VID, [NAT-D x2]
 *   MM4 R: KE, Nr, [NAT-D x2]		AM3 I: HASH_I, [NAT-D x2]  (E)
 *   MM5 I: IDii, HASH_I, [N]  (E)
 *   MM6 R: IDir, HASH_R       (E)
 *
 * With signatures (ikev1_cert.c) the messages with the nonces carry CR
 * payloads (send_cr), the ones with HASH carry [CERT] and SIG in its
 * place (MM5, MM6, AM2, AM3), SKEYID = prf(Ni_b | Nr_b, g^xy) is
 * computed here, and the ca process signs HASH_I / HASH_R.
 *
 * SKEYID = prf(PSK, Ni_b | Nr_b) comes from the ca process, which picks
 * the key by the peer's address (main mode, and an aggressive mode
 * initiator) or by its ID payload (an aggressive mode responder): the
 * exchange waits for it with the handle marked busy, dropping whatever
 * the peer retransmits meanwhile.
 *
 * A message that fails to decrypt into payloads, or whose HASH is wrong,
 * is answered with an unprotected notification and dropped: the exchange
 * stays where it was, so a forged message cannot end it, and one with a
 * wrong key runs into the phase 1 deadline.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1.h"
#include "cert.h"

#define CLEAR_NOTIFY(p1, t)						\
	(void)info_send_notify_clear(&(p1)->ep, (p1)->icookie,		\
	    (p1)->rcookie, (t), NULL, 0)

/* Return values of the message handlers. */
#define H_OK		0		/* taken: remember it */
#define H_DROP		-1		/* not taken: no change */
#define H_GONE		1		/* the handle was freed */

static int	mm_i3_send(struct p1 *);
static int	mm_i5_send(struct p1 *);
static int	mm_r4_send(struct p1 *);
static int	am_r2_send(struct p1 *);
static int	am_i2_finish(struct p1 *);
static int	mm_i5_send_signed(struct p1 *);
static int	mm_r6_send(struct p1 *);
static int	am_r2_send_signed(struct p1 *);
static int	am_i3_send(struct p1 *);

/*
 * The continuations (p1->cont, and those of ph1_sign()) return 0 when
 * they went on, -1 when they failed with the handle still there (the
 * caller fails it), CONT_GONE when they freed it.
 */
#define CONT_GONE	1

/* ---------------------------------------------------------- helpers */

static uint8_t *
dup_bytes(const void *p, size_t len)
{
	uint8_t *d;

	if (len == 0 || (d = malloc(len)) == NULL)
		return (NULL);
	memcpy(d, p, len);
	return (d);
}

static int
send_clear(struct p1 *p1, struct isakmp_buf *b, bool rexmit)
{
	const uint8_t *msg;
	uint8_t *copy;
	size_t len;

	if (isakmp_buf_finish(b, &msg, &len) != 0 ||
	    (copy = dup_bytes(msg, len)) == NULL) {
		isakmp_buf_free(b);
		return (-1);
	}
	isakmp_buf_free(b);
	ikev1_send(p1, &p1->tx, &p1->txlen, copy, len, rexmit, &p1->rtx,
	    &p1->txcount);
	return (0);
}

static int
send_sealed(struct p1 *p1, uint8_t etype, struct isakmp_buf *b, bool rexmit)
{
	struct isakmp_hdr h;
	uint8_t *msg;
	size_t len;
	int rc;

	ikev1_hdr(p1, &h, etype, 0);
	rc = ikev1_seal(p1, &h, b, p1->iv, &msg, &len);
	isakmp_buf_free(b);
	if (rc != 0)
		return (-1);
	ikev1_send(p1, &p1->tx, &p1->txlen, msg, len, rexmit, &p1->rtx,
	    &p1->txcount);
	return (0);
}

static void
start_msg(struct p1 *p1, struct isakmp_buf *b)
{
	struct isakmp_hdr h;

	isakmp_buf_alloc(b, 0);
	ikev1_hdr(p1, &h, p1->etype, 0);
	isakmp_put_header(b, &h);
}

/* Vendor IDs: NAT-T (RFC and the drafts strongSwan and racoon know), DPD,
 * fragmentation.  A responder answers with the NAT-T one it chose. */
static void
put_vids(struct isakmp_buf *b, const struct p1 *p1)
{
	static const enum isakmp_vendor natt_i[] = { ISAKMP_VID_NATT_RFC3947,
	    ISAKMP_VID_NATT_DRAFT_02N, ISAKMP_VID_NATT_DRAFT_02 };
	const uint8_t *v;
	size_t len, i;

	if (p1->rm->nat_traversal != RCN_OFF) {
		if (p1->side == P1_INITIATOR) {
			for (i = 0; i < nitems(natt_i); i++)
				if ((v = isakmp_vid_bytes(natt_i[i],
				    &len)) != NULL)
					isakmp_put_data(b, ISAKMP_NPTYPE_VID,
					    v, len);
		} else if (p1->natt != NATT_NONE &&
		    (v = isakmp_vid_bytes(p1->natt_vid, &len)) != NULL)
			isakmp_put_data(b, ISAKMP_NPTYPE_VID, v, len);
	}
	if ((v = isakmp_vid_bytes(ISAKMP_VID_DPD, &len)) != NULL)
		isakmp_put_data(b, ISAKMP_NPTYPE_VID, v, len);
	if (p1->rm->ike_frag != RCN_OFF &&
	    (v = isakmp_vid_bytes(ISAKMP_VID_FRAG, &len)) != NULL)
		isakmp_put_data(b, ISAKMP_NPTYPE_VID, v, len);
}

static void
vid_recv(struct p1 *p1, const struct isakmp_msg *m)
{
	const struct isakmp_payload *pl;
	enum isakmp_vendor v;
	uint32_t extra;
	size_t i;

	for (i = 0; (pl = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_VID, i)) !=
	    NULL; i++) {
		v = isakmp_vid_match(pl->body, pl->len, &extra);
		switch (v) {
		case ISAKMP_VID_NATT_RFC3947:
			p1->peer_natt = NATT_RFC;
			p1->natt_vid = v;
			break;
		case ISAKMP_VID_NATT_DRAFT_02:
		case ISAKMP_VID_NATT_DRAFT_02N:
		case ISAKMP_VID_NATT_DRAFT_03:
			if (p1->peer_natt != NATT_RFC) {
				p1->peer_natt = NATT_DRAFT;
				p1->natt_vid = v;
			}
			break;
		case ISAKMP_VID_DPD:
			p1->peer_dpd = true;
			break;
		case ISAKMP_VID_FRAG:
			if (extra == 0 || (extra & ISAKMP_FRAG_CAP_IKE))
				p1->peer_frag = true;
			break;
		default:
			break;
		}
	}
	p1->natt = p1->rm->nat_traversal != RCN_OFF ? p1->peer_natt :
	    NATT_NONE;
}

/* NAT-D = HASH(CKY-I | CKY-R | IP | Port), RFC 3947 3.2. */
int
ph1_natd_hash(struct p1 *p1, const struct sad_addr *a, uint8_t *out,
    size_t outsz)
{
	struct ike_iov v[4];
	uint8_t port[2];

	port[0] = (uint8_t)(a->port >> 8);
	port[1] = (uint8_t)a->port;
	v[0].iov_base = p1->icookie;
	v[0].iov_len = 8;
	v[1].iov_base = p1->rcookie;
	v[1].iov_len = 8;
	v[2].iov_base = a->a.b;
	v[2].iov_len = a->af == AF_INET6 ? 16 : 4;
	v[3].iov_base = port;
	v[3].iov_len = 2;
	return (ike_prf_digest_v(p1->prf, v, 4, out, outsz));
}

static uint8_t
natd_type(const struct p1 *p1)
{
	return (p1->natt == NATT_DRAFT ? ISAKMP_NPTYPE_NATD_DRAFT :
	    ISAKMP_NPTYPE_NATD);
}

/* The peer's address as we see it, then ours (RFC 3947 3.2). */
static void
put_natd(struct isakmp_buf *b, struct p1 *p1)
{
	uint8_t h[IKE_HASH_MAXLEN];
	int n;

	if (p1->natt == NATT_NONE)
		return;
	if ((n = ph1_natd_hash(p1, &p1->ep.remote, h, sizeof(h))) > 0)
		isakmp_put_data(b, natd_type(p1), h, (size_t)n);
	if ((n = ph1_natd_hash(p1, &p1->ep.local, h, sizeof(h))) > 0)
		isakmp_put_data(b, natd_type(p1), h, (size_t)n);
}

static void
natd_check(struct p1 *p1, const struct isakmp_msg *m)
{
	const struct isakmp_payload *pl;
	uint8_t me[IKE_HASH_MAXLEN], peer[IKE_HASH_MAXLEN];
	size_t i;
	int nm, np;
	bool peer_seen = false;
	char nmb[128];

	if (p1->natt == NATT_NONE)
		return;
	nm = ph1_natd_hash(p1, &p1->ep.local, me, sizeof(me));
	np = ph1_natd_hash(p1, &p1->ep.remote, peer, sizeof(peer));
	if (nm <= 0 || np <= 0)
		return;
	if ((pl = isakmp_msg_find(m, natd_type(p1))) == NULL) {
		/* No NAT-D: the peer does not do NAT-T after all. */
		p1->natt = NATT_NONE;
		return;
	}
	/* The first is where the peer sent to: us. */
	p1->nat_me = pl->len != (size_t)nm ||
	    CRYPTO_memcmp(pl->body, me, (size_t)nm) != 0;
	for (i = 1; (pl = isakmp_msg_find_nth(m, natd_type(p1), i)) != NULL;
	    i++)
		if (pl->len == (size_t)np &&
		    CRYPTO_memcmp(pl->body, peer, (size_t)np) == 0)
			peer_seen = true;
	p1->nat_peer = !peer_seen;
	p1->nat_used = p1->nat_me || p1->nat_peer ||
	    p1->rm->nat_traversal == RCN_FORCE;
	if (p1->nat_me || p1->nat_peer)
		log_info("%s: NAT detected (%s%s%s)",
		    ikev1_p1name(p1, nmb, sizeof(nmb)),
		    p1->nat_me ? "in front of us" : "",
		    p1->nat_me && p1->nat_peer ? ", " : "",
		    p1->nat_peer ? "in front of the peer" : "");
}

static int
get_data(const struct isakmp_msg *m, uint8_t type, struct isakmp_data *d)
{
	const struct isakmp_payload *pl;
	struct isakmp_error e;

	if ((pl = isakmp_msg_find(m, type)) == NULL)
		return (-1);
	if (type == ISAKMP_NPTYPE_NONCE)
		return (isakmp_decode_nonce(pl, d, &e));
	return (isakmp_decode_data(pl, d, &e));
}

/* Whether the message carries INITIAL-CONTACT for this SA. */
static bool
has_initial_contact(const struct isakmp_msg *m)
{
	const struct isakmp_payload *pl;
	struct isakmp_notify n;
	struct isakmp_error e;
	size_t i;

	for (i = 0; (pl = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_N, i)) !=
	    NULL; i++)
		if (isakmp_decode_notify(pl, &n, &e) == 0 &&
		    n.type == ISAKMP_NTYPE_INITIAL_CONTACT)
			return (true);
	return (false);
}

/*
 * Whether we should send INITIAL-CONTACT: the first ISAKMP SA with the
 * peer since we started (the peer then drops what it held with us), not
 * a later one, whose peer still has SAs in use with us.
 */
static bool
want_initial_contact(const struct p1 *p1)
{
	return (p1->rm->initial_contact && !ikev1_contacted(&p1->ep.remote));
}

static void
put_initial_contact(struct isakmp_buf *b, const struct p1 *p1)
{
	struct isakmp_notify n;
	uint8_t spi[16];

	memcpy(spi, p1->icookie, 8);
	memcpy(spi + 8, p1->rcookie, 8);
	memset(&n, 0, sizeof(n));
	n.doi = ISAKMP_DOI_IPSEC;
	n.proto = ISAKMP_PROTO_ISAKMP;
	n.spisize = 16;
	n.type = ISAKMP_NTYPE_INITIAL_CONTACT;
	n.spi = spi;
	isakmp_put_notify(b, &n);
}

static int
make_dh(struct p1 *p1, uint8_t **pub, size_t *publen)
{
	size_t n = ike_dh_publen(p1->sel.group);

	if (n == 0 || (p1->dh = ike_dh_new(p1->sel.group)) == NULL ||
	    (*pub = malloc(n)) == NULL)
		return (-1);
	*publen = n;
	return (ike_dh_public(p1->dh, *pub, n));
}

static int
derive_gxy(struct p1 *p1, const uint8_t *peer, size_t len)
{
	size_t n = ike_dh_secretlen(p1->sel.group);
	int rc;

	if (n == 0 || (p1->gxy = malloc(n)) == NULL)
		return (-1);
	p1->gxylen = n;
	rc = ike_dh_derive(p1->dh, peer, len, p1->gxy, n);
	return (rc < 0 ? -1 : 0);
}

static void
make_nonce(const struct p1 *p1, uint8_t *n, size_t *len)
{
	*len = p1->rm->nonce_size >= ISAKMP_NONCE_MIN &&
	    p1->rm->nonce_size <= IKEV1_NONCE_MAX ? p1->rm->nonce_size : 16;
	arc4random_buf(n, *len);
}

static int
store_peer_id(struct p1 *p1, const uint8_t *body, size_t len)
{
	if (len < 4)
		return (-1);
	if (p1->peer_id != NULL)
		freezero(p1->peer_id, p1->peer_idlen);
	p1->peer_idtype = body[0];
	p1->peer_idlen = len - 4;
	p1->peer_id = dup_bytes(body + 4, len - 4);
	return (p1->peer_id == NULL ? -1 : 0);
}

/* ------------------------------------------------------------ SKEYID */

static void
skeyid_cb(void *arg, int error, const uint8_t *out, size_t len)
{
	struct p1 *p1 = arg;
	char nm[128];

	p1->busy = false;
	if (error != 0) {
		log_warnx("%s: no pre-shared key (%s)",
		    ikev1_p1name(p1, nm, sizeof(nm)), strerror(error));
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "no pre-shared key");
		return;
	}
	if (p1_keys(p1, out, len) != 0) {
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "key derivation failed");
		return;
	}
	if (p1->cont != NULL && p1->cont(p1) < 0)
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "cannot go on");
}

/*
 * Ask the ca process for SKEYID.  The PSK is found by the peer's ID
 * payload for an aggressive mode responder, else by the peer's address
 * (or its peers_identifier name, as racoon 0.8 did for initiators).
 * With signatures SKEYID is computed at once and cont runs now: the
 * result is then cont's (0, -1 or CONT_GONE).
 */
static int
start_skeyid(struct p1 *p1, int (*cont)(struct p1 *))
{
	const struct rcn_remote *rm = p1->rm;
	struct isakmp_id id;
	uint8_t data[2 * IKEV1_NONCE_MAX], psid = PS_ID_ADDR;
	char ident[PS_IDENT_MAX];
	int rc;

	if (ph1_sig_auth(p1->sel.auth)) {
		struct ike_p1keys k;

		/* SKEYID = prf(Ni_b | Nr_b, g^xy): nothing secret needed. */
		memset(&k, 0, sizeof(k));
		if (p1->prf == NULL || ike_skeyid_sig(p1->prf, &k, p1->ni,
		    p1->nilen, p1->nr, p1->nrlen, p1->gxy, p1->gxylen) != 0)
			return (-1);
		rc = p1_keys(p1, k.k_skeyid, k.k_prflen);
		ike_p1keys_clear(&k);
		if (rc != 0)
			return (-1);
		return (cont(p1));
	}
	if (p1->sel.auth != OAKLEY_AUTH_PSK)
		return (-1);
	memcpy(data, p1->ni, p1->nilen);
	memcpy(data + p1->nilen, p1->nr, p1->nrlen);
	if (sad_addr_ntop(&p1->ep.remote, ident, sizeof(ident)) == NULL)
		return (-1);
	if (p1->etype == ISAKMP_ETYPE_AGGRESSIVE && p1->side == P1_RESPONDER) {
		memset(&id, 0, sizeof(id));
		id.type = p1->peer_idtype;
		id.data = p1->peer_id;
		id.len = p1->peer_idlen;
		if (!sa_idtype_psk(id.type, &psid))
			return (-1);
		if (psid != PS_ID_ADDR &&
		    isakmp_id_to_string(&id, ident, sizeof(ident)) != 0)
			return (-1);
		if (psid == PS_ID_ADDR) {
			struct isakmp_idaddr ia;
			struct isakmp_error e;
			struct sad_addr a;

			if (isakmp_id_to_addr(&id, &ia, &e) != 0)
				return (-1);
			memset(&a, 0, sizeof(a));
			a.af = ia.af == 4 ? AF_INET : AF_INET6;
			memcpy(a.a.b, ia.addr, ia.af == 4 ? 4 : 16);
			if (sad_addr_ntop(&a, ident, sizeof(ident)) == NULL)
				return (-1);
		}
	} else if (p1->side == P1_INITIATOR && rm->npeers_ids > 0 &&
	    rm->peers_ids[0].value != NULL &&
	    (rm->peers_ids[0].type == RCN_ID_FQDN ||
	    rm->peers_ids[0].type == RCN_ID_USER_FQDN)) {
		psid = rm->peers_ids[0].type == RCN_ID_FQDN ? PS_ID_FQDN :
		    PS_ID_USERFQDN;
		(void)strlcpy(ident, rm->peers_ids[0].value, sizeof(ident));
	}
	p1->cont = cont;
	rc = frame_psk_prf((uint8_t)p1->sel.hash, psid, ident, data,
	    p1->nilen + p1->nrlen, skeyid_cb, p1);
	if (rc != 0)
		return (-1);
	p1->busy = true;
	return (0);
}

/* Decrypt a phase 1 message into m; the new IV in iv_out. */
static int
open_body(struct p1 *p1, struct isakmp_msg *m, uint8_t *iv_out,
    uint8_t **plain, size_t *plen)
{
	struct isakmp_error e;
	char nm[128];

	memcpy(iv_out, p1->iv, p1->blocklen);
	if (!(m->hdr.flags & ISAKMP_FLAG_E) ||
	    ikev1_open(p1, m, iv_out, plain, plen) != 0) {
		log_debug("%s: a message that should be encrypted is not "
		    "(or not in whole blocks)",
		    ikev1_p1name(p1, nm, sizeof(nm)));
		return (-1);
	}
	memset(&e, 0, sizeof(e));
	if (isakmp_decode_body(m, *plain, *plen, &e) != 0) {
		log_warnx("%s: the decrypted message has no valid payloads "
		    "(%s): the pre-shared key differs?",
		    ikev1_p1name(p1, nm, sizeof(nm)),
		    e.what != NULL ? e.what : "?");
		ikev1->x.auth_failed++;
		CLEAR_NOTIFY(p1, e.notify != 0 ? e.notify :
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		freezero(*plain, *plen);
		*plain = NULL;
		return (-1);
	}
	return (0);
}

/* HASH_I (initiator's, with IDii) or HASH_R, into out. */
static int
p1_hash(struct p1 *p1, bool initiator_hash, uint8_t *out, size_t outsz)
{
	if (initiator_hash)
		return (ike_p1_hash_i(p1->prf, &p1->keys, p1->gxi,
		    p1->gxilen, p1->gxr, p1->gxrlen, p1->icookie,
		    p1->rcookie, p1->sai_b, p1->sailen, p1->idi_b,
		    p1->idilen, out, outsz));
	return (ike_p1_hash_r(p1->prf, &p1->keys, p1->gxi, p1->gxilen,
	    p1->gxr, p1->gxrlen, p1->icookie, p1->rcookie, p1->sai_b,
	    p1->sailen, p1->idr_b, p1->idrlen, out, outsz));
}

/* Check a received HASH_I/HASH_R in constant time. */
static bool
hash_ok(struct p1 *p1, bool initiator_hash, const struct isakmp_data *h)
{
	uint8_t want[IKE_HASH_MAXLEN];
	int n;
	bool ok;

	n = p1_hash(p1, initiator_hash, want, sizeof(want));
	ok = n > 0 && h->len == (size_t)n &&
	    CRYPTO_memcmp(want, h->data, (size_t)n) == 0;
	explicit_bzero(want, sizeof(want));
	return (ok);
}

/*
 * The peer did not authenticate: log why (`what' is wrong, or a
 * signature check refused with `why'), count it, tell the peer.
 */
static void
peer_refused(struct p1 *p1, uint16_t ntf, const char *what, const char *why)
{
	char nm[128];

	if (why == NULL)
		log_warnx("%s: %s is wrong: authentication failed "
		    "(pre-shared key?)", ikev1_p1name(p1, nm, sizeof(nm)),
		    what);
	else
		log_warnx("%s: signature authentication failed: %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), why);
	ikev1->x.auth_failed++;
	frame_event(PS_EVT_PHASE1_AUTH_FAILED, &p1->ep.local, &p1->ep.remote,
	    0, 0, why != NULL ? why : what);
	CLEAR_NOTIFY(p1, ntf);
}

static void
auth_failed(struct p1 *p1, const char *what)
{
	peer_refused(p1, ISAKMP_NTYPE_AUTHENTICATION_FAILED, what, NULL);
}

/* The peer's certificate, identity or signature was refused. */
static void
sig_refused(struct p1 *p1, uint16_t ntf, const char *why)
{
	peer_refused(p1, ntf, NULL, why);
}

/*
 * Check the peer with signatures: its CERT and SIG payloads in m, the ID
 * payload body given, HASH_I (from the initiator) or HASH_R recomputed.
 * H_OK; H_DROP when only the signature is wrong (as a wrong HASH is);
 * H_GONE when the certificate or identity is refused.
 */
static int
sig_check(struct p1 *p1, const struct isakmp_msg *m, bool from_initiator,
    const uint8_t *idb, size_t idlen)
{
	uint8_t want[IKE_HASH_MAXLEN];
	uint16_t ntf;
	int n, r;
	char why[CERT_ERR_MAX + 128];

	if (m != NULL && ph1_cert_take_peer(p1, m, &ntf, why,
	    sizeof(why)) != 0) {
		sig_refused(p1, ntf, why);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, why);
		return (H_GONE);
	}
	if ((n = p1_hash(p1, from_initiator, want, sizeof(want))) <= 0) {
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "no HASH");
		return (H_GONE);
	}
	r = ph1_cert_verify(p1, idb, idlen, want, (size_t)n, &ntf, why,
	    sizeof(why));
	explicit_bzero(want, sizeof(want));
	if (r == 0)
		return (H_OK);
	sig_refused(p1, ntf, why);
	if (r == -2)
		return (H_DROP);
	p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, why);
	return (H_GONE);
}

static bool
sig_used(const struct p1 *p1)
{
	return (ph1_sig_auth(p1->sel.auth));
}

/* [CERT] and SIG after the ID payload; -1 without a signature. */
static int
put_cert_sig(struct p1 *p1, struct isakmp_buf *b)
{
	const uint8_t *sig;
	size_t len;
	char nm[128];

	if ((sig = ph1_my_sig(p1, &len)) == NULL)
		return (-1);
	if (ph1_cert_put_mine(p1, b) != 0) {
		log_warnx("%s: send_cert is on but there is no certificate "
		    "of ours", ikev1_p1name(p1, nm, sizeof(nm)));
		return (-1);
	}
	return (isakmp_put_data(b, ISAKMP_NPTYPE_SIG, sig, len) != 0 ? -1 :
	    0);
}

static int
my_id_body(struct p1 *p1, uint8_t **body, size_t *len)
{
	uint8_t id[IKEV1_ID_MAX];
	size_t n;

	if (p1->rm->my_id.type == RCN_ID_ASN1DN) {
		if (ph1_cert_my_id(p1, id, sizeof(id), &n) != 0)
			return (-1);
	} else if ((n = sa_my_id(p1, id, sizeof(id))) == 0)
		return (-1);
	if ((*body = dup_bytes(id, n)) == NULL)
		return (-1);
	*len = n;
	return (0);
}

/* After authentication: follow the peer to its new address/port. */
static void
follow_peer(struct p1 *p1, const struct ike_endpoint *ep)
{
	char nm[128];

	if (ep->sock == p1->ep.sock &&
	    sad_addr_cmp(&ep->local, &p1->ep.local) == 0 &&
	    ep->remote.port == p1->ep.remote.port)
		return;
	p1->ep = *ep;
	p1->floated = ep->natt;
	log_info("%s: the peer moved (NAT-T)",
	    ikev1_p1name(p1, nm, sizeof(nm)));
}

/* ------------------------------------------------------- main mode, I */

int
ph1_initiate(const struct rcn_remote *rm, const struct ike_endpoint *ep,
    struct p1 **out)
{
	struct isakmp_buf b, sb;
	const uint8_t *sa;
	size_t salen;
	struct p1 *p1;
	uint8_t etype;
	char nm[128];

	etype = rm->nxmodes > 0 && rm->xmodes[0] == RCN_XMODE_AGGRESSIVE ?
	    ISAKMP_ETYPE_AGGRESSIVE : ISAKMP_ETYPE_IDPROT;
	if ((p1 = p1_new(P1_INITIATOR, etype, rm, ep)) == NULL)
		return (-1);
	isakmp_buf_alloc(&sb, 0);
	if (sa_p1_build(&sb, rm) != 0 ||
	    isakmp_buf_finish(&sb, &sa, &salen) != 0 ||
	    salen <= ISAKMP_GEN_LEN ||
	    (p1->sai_b = dup_bytes(sa + ISAKMP_GEN_LEN,
	    salen - ISAKMP_GEN_LEN)) == NULL) {
		isakmp_buf_free(&sb);
		p1_free(p1, "no memory");
		return (-1);
	}
	p1->sailen = salen - ISAKMP_GEN_LEN;
	isakmp_buf_free(&sb);
	log_info("initiating phase 1 (%s mode) with %s",
	    etype == ISAKMP_ETYPE_AGGRESSIVE ? "aggressive" : "main",
	    ikev1_p1name(p1, nm, sizeof(nm)));
	start_msg(p1, &b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, p1->sai_b, p1->sailen);
	if (etype == ISAKMP_ETYPE_AGGRESSIVE) {
		const struct rcn_proposal *pr = TAILQ_FIRST(&rm->proposals);
		uint8_t *id = NULL;
		size_t idlen = 0;

		/* All proposals of an aggressive remote share the group. */
		if (pr == NULL)
			goto fail;
		p1->sel.group = pr->dh_group;
		if (make_dh(p1, &p1->gxi, &p1->gxilen) != 0 ||
		    my_id_body(p1, &id, &idlen) != 0)
			goto fail;
		p1->idi_b = id;
		p1->idilen = idlen;
		make_nonce(p1, p1->ni, &p1->nilen);
		isakmp_put_data(&b, ISAKMP_NPTYPE_KE, p1->gxi, p1->gxilen);
		isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p1->ni, p1->nilen);
		isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idi_b, p1->idilen);
		if (ph1_cert_want_cr(p1, true))
			ph1_cert_put_crs(p1, &b);
	}
	put_vids(&b, p1);
	if (send_clear(p1, &b, true) != 0) {
		p1_free(p1, "cannot send");
		return (-1);
	}
	p1->state = P1S_MSG1SENT;
	*out = p1;
	return (0);
fail:
	isakmp_buf_free(&b);
	p1_free(p1, "cannot build the first message");
	return (-1);
}

static int
mm_i2_recv(struct p1 *p1, struct isakmp_msg *m)
{
	const struct isakmp_payload *pl;
	struct isakmp_error e;
	struct isakmp_sa sa;
	uint16_t ntf;

	if ((pl = isakmp_msg_find(m, ISAKMP_NPTYPE_SA)) == NULL)
		return (H_DROP);
	if (isakmp_decode_sa(pl, &sa, &e) != 0 ||
	    sa_p1_check_reply(p1->rm, &sa, &p1->sel, &ntf) != 0) {
		memcpy(p1->rcookie, m->hdr.rcookie, 8);
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN);
		p1_fail(p1, PS_EVT_PHASE1_NO_PROPOSAL,
		    "the responder chose a proposal we did not make");
		return (H_GONE);
	}
	memcpy(p1->rcookie, m->hdr.rcookie, 8);
	if ((p1->prf = ike_prf_new(p1->sel.hash)) == NULL) {
		p1_fail(p1, PS_EVT_PHASE1_NO_PROPOSAL, "no PRF");
		return (H_GONE);
	}
	vid_recv(p1, m);
	if (mm_i3_send(p1) != 0) {
		p1_fail(p1, PS_EVT_PHASE1_NO_PROPOSAL, "cannot send MM3");
		return (H_GONE);
	}
	return (H_OK);
}

static int
mm_i3_send(struct p1 *p1)
{
	struct isakmp_buf b;

	if (make_dh(p1, &p1->gxi, &p1->gxilen) != 0)
		return (-1);
	make_nonce(p1, p1->ni, &p1->nilen);
	start_msg(p1, &b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, p1->gxi, p1->gxilen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p1->ni, p1->nilen);
	if (ph1_cert_want_cr(p1, false))
		ph1_cert_put_crs(p1, &b);
	put_natd(&b, p1);
	if (send_clear(p1, &b, true) != 0)
		return (-1);
	p1->state = P1S_MSG3SENT;
	return (0);
}

/* KE and nonce of the peer; g^xy. */
static int
take_ke_nonce(struct p1 *p1, const struct isakmp_msg *m, bool initiator)
{
	struct isakmp_data ke, no;

	if (get_data(m, ISAKMP_NPTYPE_KE, &ke) != 0 ||
	    get_data(m, ISAKMP_NPTYPE_NONCE, &no) != 0)
		return (ISAKMP_NTYPE_PAYLOAD_MALFORMED);
	if (ke.len != ike_dh_publen(p1->sel.group))
		return (ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
	if (initiator) {
		if ((p1->gxr = dup_bytes(ke.data, ke.len)) == NULL)
			return (ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p1->gxrlen = ke.len;
		memcpy(p1->nr, no.data, no.len);
		p1->nrlen = no.len;
	} else {
		if ((p1->gxi = dup_bytes(ke.data, ke.len)) == NULL)
			return (ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p1->gxilen = ke.len;
		memcpy(p1->ni, no.data, no.len);
		p1->nilen = no.len;
	}
	return (0);
}

static int
mm_i4_recv(struct p1 *p1, struct isakmp_msg *m)
{
	int ntf, r;

	if ((ntf = take_ke_nonce(p1, m, true)) != 0) {
		CLEAR_NOTIFY(p1, (uint16_t)ntf);
		if (p1->gxr != NULL) {
			free(p1->gxr);
			p1->gxr = NULL;
			p1->gxrlen = 0;
		}
		return (H_DROP);
	}
	if (derive_gxy(p1, p1->gxr, p1->gxrlen) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
		    "the peer's DH value is invalid");
		return (H_GONE);
	}
	natd_check(p1, m);
	if (sig_used(p1))
		ph1_cert_take_crs(p1, m);
	if ((r = start_skeyid(p1, mm_i5_send)) != 0) {
		if (r != CONT_GONE)
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    "cannot compute SKEYID (authentication method?)");
		return (H_GONE);
	}
	return (H_OK);
}

static int
mm_i5_send(struct p1 *p1)
{
	struct isakmp_buf b;
	uint8_t h[IKE_HASH_MAXLEN];
	int n;

	if (p1->nat_used)
		(void)p1_set_endpoint_natt(p1);
	if (my_id_body(p1, &p1->idi_b, &p1->idilen) != 0 ||
	    (n = p1_hash(p1, true, h, sizeof(h))) <= 0)
		return (-1);
	if (sig_used(p1)) {
		/* MM5 when the ca process has signed HASH_I. */
		n = ph1_sign(p1, h, (size_t)n, mm_i5_send_signed);
		explicit_bzero(h, sizeof(h));
		return (n);
	}
	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idi_b, p1->idilen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, h, (size_t)n);
	explicit_bzero(h, sizeof(h));
	if (want_initial_contact(p1))
		put_initial_contact(&b, p1);
	if (send_sealed(p1, ISAKMP_ETYPE_IDPROT, &b, true) != 0)
		return (-1);
	p1->state = P1S_MSG5SENT;
	return (0);
}

/* MM5 with signatures: IDii, [CERT], SIG_I, [N]. */
static int
mm_i5_send_signed(struct p1 *p1)
{
	struct isakmp_buf b;

	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idi_b, p1->idilen);
	if (put_cert_sig(p1, &b) != 0) {
		isakmp_buf_free(&b);
		return (-1);
	}
	if (want_initial_contact(p1))
		put_initial_contact(&b, p1);
	if (send_sealed(p1, ISAKMP_ETYPE_IDPROT, &b, true) != 0)
		return (-1);
	p1->state = P1S_MSG5SENT;
	return (0);
}

/*
 * The last main mode message of the peer (MM5 from the initiator, MM6
 * from the responder): decrypt it, keep its ID, check its HASH, then the
 * identity.  Returns H_OK with the peer followed, or the handler result.
 */
static int
mm_peer_auth(struct p1 *p1, struct isakmp_msg *m,
    const struct ike_endpoint *ep, bool from_initiator)
{
	const struct isakmp_payload *id;
	struct isakmp_data h;
	uint8_t iv[IKE_BLOCK_MAXLEN], *plain = NULL, **idb;
	size_t plen = 0, *idlen;
	char why[160];

	idb = from_initiator ? &p1->idi_b : &p1->idr_b;
	idlen = from_initiator ? &p1->idilen : &p1->idrlen;
	if (open_body(p1, m, iv, &plain, &plen) != 0)
		return (H_DROP);
	if ((id = isakmp_msg_find(m, ISAKMP_NPTYPE_ID)) == NULL ||
	    id->len < 4 || (!sig_used(p1) &&
	    get_data(m, ISAKMP_NPTYPE_HASH, &h) != 0)) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		freezero(plain, plen);
		return (H_DROP);
	}
	if ((*idb = dup_bytes(id->body, id->len)) == NULL) {
		freezero(plain, plen);
		return (H_DROP);
	}
	*idlen = id->len;
	if (sig_used(p1)) {
		int r = sig_check(p1, m, from_initiator, *idb, *idlen);

		if (r != H_OK) {
			freezero(plain, plen);
			if (r == H_DROP) {
				free(*idb);
				*idb = NULL;
				*idlen = 0;
			}
			return (r);
		}
	} else if (!hash_ok(p1, from_initiator, &h)) {
		free(*idb);
		*idb = NULL;
		*idlen = 0;
		auth_failed(p1, from_initiator ? "HASH_I" : "HASH_R");
		freezero(plain, plen);
		return (H_DROP);
	}
	memcpy(p1->iv, iv, p1->blocklen);
	p1->ic_rcvd = has_initial_contact(m);
	freezero(plain, plen);
	if (sa_peer_id_ok(p1, *idb, *idlen, why, sizeof(why)) != 0 ||
	    store_peer_id(p1, *idb, *idlen) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_ID_INFORMATION);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, why);
		return (H_GONE);
	}
	follow_peer(p1, ep);
	return (H_OK);
}

static int
mm_i6_recv(struct p1 *p1, struct isakmp_msg *m, const struct ike_endpoint *ep)
{
	int r;

	if ((r = mm_peer_auth(p1, m, ep, false)) != H_OK)
		return (r);
	p1_established(p1);
	if (p1->ic_rcvd)
		info_initial_contact(p1);
	return (H_OK);
}

/* ------------------------------------------------------- main mode, R */

void
ph1_recv_new(const struct isakmp_msg *cm, const struct ike_endpoint *ep,
    const uint8_t *data, size_t len)
{
	struct isakmp_msg *m = (struct isakmp_msg *)(uintptr_t)cm;
	const struct rcn_remote *rm;
	const struct isakmp_payload *pl;
	struct isakmp_proposal prop;
	struct isakmp_transform xf;
	struct isakmp_error e;
	struct isakmp_sa sa;
	struct isakmp_buf b, sb;
	struct isakmp_data ke;
	const uint8_t *sr;
	size_t srlen, peercount = 0;
	struct p1 *p1, *o;
	uint16_t ntf;
	unsigned i;
	int rc;
	bool aggr = m->hdr.etype == ISAKMP_ETYPE_AGGRESSIVE, mode_ok = false;
	char from[64];

	(void)log_addr(&ep->remote, from, sizeof(from));
	if (m->npl == 0 || m->pl[0].type != ISAKMP_NPTYPE_SA ||
	    (m->hdr.flags & ISAKMP_FLAG_E) || m->hdr.msgid != 0) {
		log_debug("from %s: not the first message of a phase 1", from);
		ikev1->st.dropped++;
		return;
	}
	if ((rm = ikev1_remote_for(&ep->remote)) == NULL) {
		log_info("from %s: phase 1 refused: no remote for this peer",
		    from);
		ikev1->st.dropped++;
		return;
	}
	for (i = 0; i < rm->nxmodes; i++)
		if (rm->xmodes[i] == m->hdr.etype)
			mode_ok = true;
	if (!mode_ok) {
		log_info("from %s: %s mode refused by remote %s", from,
		    aggr ? "aggressive" : "main", rm->name);
		ikev1->st.dropped++;
		return;
	}
	TAILQ_FOREACH(o, &ikev1->p1s, entry)
		if (o->halfopen &&
		    sad_addr_cmp(&o->ep.remote, &ep->remote) == 0)
			peercount++;
	if (peercount >= P1_HALFOPEN_PEER ||
	    ikev1->nhalfopen >= P1_HALFOPEN_MAX) {
		log_info("from %s: phase 1 refused: too many half-open "
		    "exchanges", from);
		ikev1->x.dropped_halfopen++;
		ikev1->st.dropped++;
		return;
	}
	if ((p1 = p1_new(P1_RESPONDER, m->hdr.etype, rm, ep)) == NULL) {
		ikev1->st.dropped++;
		return;
	}
	memcpy(p1->icookie, m->hdr.icookie, 8);
	ph1_cookie(ep, p1->icookie, p1->rcookie);
	p1->halfopen = true;
	ikev1->nhalfopen++;
	pl = &m->pl[0];
	memset(&e, 0, sizeof(e));
	if (isakmp_decode_sa(pl, &sa, &e) != 0) {
		CLEAR_NOTIFY(p1, e.notify != 0 ? e.notify :
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p1_free(p1, "malformed SA payload");
		return;
	}
	memset(&ke, 0, sizeof(ke));
	if (aggr && get_data(m, ISAKMP_NPTYPE_KE, &ke) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p1_free(p1, "aggressive mode without KE");
		return;
	}
	if (sa_p1_select(rm, &sa, aggr, ke.len, &p1->sel, &prop, &xf,
	    &ntf) != 0) {
		log_info("from %s: no proposal of remote %s fits", from,
		    rm->name);
		CLEAR_NOTIFY(p1, ntf);
		frame_event(PS_EVT_PHASE1_NO_PROPOSAL, &ep->local,
		    &ep->remote, 0, 0, "no proposal chosen");
		p1_free(p1, "no proposal chosen");
		return;
	}
	isakmp_buf_alloc(&sb, 0);
	if (sa_p1_echo(&sb, &sa, &prop, &xf) != 0 ||
	    isakmp_buf_finish(&sb, &sr, &srlen) != 0 ||
	    (p1->sar_b = dup_bytes(sr + ISAKMP_GEN_LEN,
	    srlen - ISAKMP_GEN_LEN)) == NULL ||
	    (p1->sai_b = dup_bytes(pl->body, pl->len)) == NULL ||
	    (p1->prf = ike_prf_new(p1->sel.hash)) == NULL) {
		isakmp_buf_free(&sb);
		p1_free(p1, "no memory");
		return;
	}
	p1->sarlen = srlen - ISAKMP_GEN_LEN;
	p1->sailen = pl->len;
	isakmp_buf_free(&sb);
	vid_recv(p1, m);
	p1_digest(data, len, p1->rxdig);
	p1->have_rx = true;
	p1->tx_answer = true;
	if (aggr) {
		/* AM1: the rest of it, then the ca. */
		const struct isakmp_payload *id;
		struct isakmp_data no;
		char why[160];

		if (get_data(m, ISAKMP_NPTYPE_NONCE, &no) != 0 ||
		    (id = isakmp_msg_find(m, ISAKMP_NPTYPE_ID)) == NULL) {
			CLEAR_NOTIFY(p1, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
			p1_free(p1, "AM1 incomplete");
			return;
		}
		if ((p1->idi_b = dup_bytes(id->body, id->len)) == NULL ||
		    (p1->gxi = dup_bytes(ke.data, ke.len)) == NULL) {
			p1_free(p1, "no memory");
			return;
		}
		p1->idilen = id->len;
		p1->gxilen = ke.len;
		memcpy(p1->ni, no.data, no.len);
		p1->nilen = no.len;
		if (sa_peer_id_ok(p1, p1->idi_b, p1->idilen, why,
		    sizeof(why)) != 0 ||
		    store_peer_id(p1, p1->idi_b, p1->idilen) != 0) {
			log_info("from %s: %s", from, why);
			CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_ID_INFORMATION);
			p1_free(p1, "identity refused");
			return;
		}
		if (make_dh(p1, &p1->gxr, &p1->gxrlen) != 0 ||
		    derive_gxy(p1, p1->gxi, p1->gxilen) != 0) {
			CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
			p1_free(p1, "bad DH value");
			return;
		}
		make_nonce(p1, p1->nr, &p1->nrlen);
		if (sig_used(p1))
			ph1_cert_take_crs(p1, m);
		if ((rc = start_skeyid(p1, am_r2_send)) != 0 &&
		    rc != CONT_GONE)
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    "cannot compute SKEYID");
		return;
	}
	start_msg(p1, &b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, p1->sar_b, p1->sarlen);
	put_vids(&b, p1);
	if (send_clear(p1, &b, true) != 0) {
		p1_free(p1, "cannot send");
		return;
	}
	p1->state = P1S_MSG2SENT;
}

static int
mm_r3_recv(struct p1 *p1, struct isakmp_msg *m)
{
	int ntf;

	if ((ntf = take_ke_nonce(p1, m, false)) != 0) {
		CLEAR_NOTIFY(p1, (uint16_t)ntf);
		if (p1->gxi != NULL) {
			free(p1->gxi);
			p1->gxi = NULL;
			p1->gxilen = 0;
		}
		return (H_DROP);
	}
	/* Only now, with our cookie returned, the costly part. */
	if (make_dh(p1, &p1->gxr, &p1->gxrlen) != 0 ||
	    derive_gxy(p1, p1->gxi, p1->gxilen) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
		    "the peer's DH value is invalid");
		return (H_GONE);
	}
	make_nonce(p1, p1->nr, &p1->nrlen);
	natd_check(p1, m);
	if (sig_used(p1))
		ph1_cert_take_crs(p1, m);
	if ((ntf = start_skeyid(p1, mm_r4_send)) != 0) {
		if (ntf != CONT_GONE)
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    "cannot compute SKEYID (authentication method?)");
		return (H_GONE);
	}
	return (H_OK);
}

static int
mm_r4_send(struct p1 *p1)
{
	struct isakmp_buf b;

	start_msg(p1, &b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, p1->gxr, p1->gxrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p1->nr, p1->nrlen);
	if (ph1_cert_want_cr(p1, false))
		ph1_cert_put_crs(p1, &b);
	put_natd(&b, p1);
	if (send_clear(p1, &b, true) != 0)
		return (-1);
	p1->state = P1S_MSG4SENT;
	return (0);
}

static int
mm_r5_recv(struct p1 *p1, struct isakmp_msg *m, const struct ike_endpoint *ep)
{
	struct isakmp_buf b;
	uint8_t hr[IKE_HASH_MAXLEN];
	int n, r;

	if ((r = mm_peer_auth(p1, m, ep, true)) != H_OK)
		return (r);
	if (my_id_body(p1, &p1->idr_b, &p1->idrlen) != 0 ||
	    (n = p1_hash(p1, false, hr, sizeof(hr))) <= 0) {
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "cannot make MM6");
		return (H_GONE);
	}
	if (sig_used(p1)) {
		/* MM6 when the ca process has signed HASH_R. */
		r = ph1_sign(p1, hr, (size_t)n, mm_r6_send);
		explicit_bzero(hr, sizeof(hr));
		if (r != 0) {
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    "cannot sign HASH_R");
			return (H_GONE);
		}
		return (H_OK);
	}
	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idr_b, p1->idrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, hr, (size_t)n);
	explicit_bzero(hr, sizeof(hr));
	if (send_sealed(p1, ISAKMP_ETYPE_IDPROT, &b, false) != 0) {
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "cannot send MM6");
		return (H_GONE);
	}
	p1_established(p1);
	if (p1->ic_rcvd)
		info_initial_contact(p1);
	return (H_OK);
}

/* MM6 with signatures: IDir, [CERT], SIG_R; phase 1 is up. */
static int
mm_r6_send(struct p1 *p1)
{
	struct isakmp_buf b;

	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idr_b, p1->idrlen);
	if (put_cert_sig(p1, &b) != 0) {
		isakmp_buf_free(&b);
		return (-1);
	}
	if (send_sealed(p1, ISAKMP_ETYPE_IDPROT, &b, false) != 0)
		return (-1);
	p1_established(p1);
	if (p1->ic_rcvd)
		info_initial_contact(p1);
	return (0);
}

/* -------------------------------------------------- aggressive mode, R */

static int
am_r2_send(struct p1 *p1)
{
	struct isakmp_buf b;
	uint8_t hr[IKE_HASH_MAXLEN];
	int n;

	if (my_id_body(p1, &p1->idr_b, &p1->idrlen) != 0 ||
	    (n = p1_hash(p1, false, hr, sizeof(hr))) <= 0)
		return (-1);
	if (sig_used(p1)) {
		/* AM2 when the ca process has signed HASH_R. */
		n = ph1_sign(p1, hr, (size_t)n, am_r2_send_signed);
		explicit_bzero(hr, sizeof(hr));
		return (n);
	}
	start_msg(p1, &b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, p1->sar_b, p1->sarlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, p1->gxr, p1->gxrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p1->nr, p1->nrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idr_b, p1->idrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, hr, (size_t)n);
	explicit_bzero(hr, sizeof(hr));
	put_vids(&b, p1);
	put_natd(&b, p1);
	if (send_clear(p1, &b, true) != 0)
		return (-1);
	p1->state = P1S_MSG2SENT;
	return (0);
}

/* AM2 with signatures: SA, KE, Nr, IDir, [CERT], SIG_R, [CR], ... */
static int
am_r2_send_signed(struct p1 *p1)
{
	struct isakmp_buf b;

	start_msg(p1, &b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, p1->sar_b, p1->sarlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, p1->gxr, p1->gxrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p1->nr, p1->nrlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p1->idr_b, p1->idrlen);
	if (put_cert_sig(p1, &b) != 0) {
		isakmp_buf_free(&b);
		return (-1);
	}
	if (ph1_cert_want_cr(p1, false))
		ph1_cert_put_crs(p1, &b);
	put_vids(&b, p1);
	put_natd(&b, p1);
	if (send_clear(p1, &b, true) != 0)
		return (-1);
	p1->state = P1S_MSG2SENT;
	return (0);
}

static int
am_r3_recv(struct p1 *p1, struct isakmp_msg *m, const struct ike_endpoint *ep)
{
	struct isakmp_data h;
	uint8_t iv[IKE_BLOCK_MAXLEN], *plain = NULL;
	size_t plen = 0;
	bool enc = (m->hdr.flags & ISAKMP_FLAG_E) != 0;

	if (enc && open_body(p1, m, iv, &plain, &plen) != 0)
		return (H_DROP);
	if (sig_used(p1)) {
		int r = sig_check(p1, m, true, p1->idi_b, p1->idilen);

		if (r != H_OK) {
			if (plain != NULL)
				freezero(plain, plen);
			return (r);
		}
	} else if (get_data(m, ISAKMP_NPTYPE_HASH, &h) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		if (plain != NULL)
			freezero(plain, plen);
		return (H_DROP);
	} else if (!hash_ok(p1, true, &h)) {
		auth_failed(p1, "HASH_I");
		if (plain != NULL)
			freezero(plain, plen);
		return (H_DROP);
	}
	if (enc)
		memcpy(p1->iv, iv, p1->blocklen);
	natd_check(p1, m);
	p1->ic_rcvd = has_initial_contact(m);
	if (plain != NULL)
		freezero(plain, plen);
	follow_peer(p1, ep);
	p1_established(p1);
	if (p1->ic_rcvd)
		info_initial_contact(p1);
	return (H_OK);
}

/* -------------------------------------------------- aggressive mode, I */

static int
am_i2_recv(struct p1 *p1, struct isakmp_msg *m)
{
	const struct isakmp_payload *pl, *id;
	struct isakmp_error e;
	struct isakmp_sa sa;
	struct isakmp_data ke, no, h;
	uint16_t ntf;
	int group = p1->sel.group, r;
	char why[CERT_ERR_MAX + 64];

	memset(&h, 0, sizeof(h));
	if ((pl = isakmp_msg_find(m, ISAKMP_NPTYPE_SA)) == NULL ||
	    get_data(m, ISAKMP_NPTYPE_KE, &ke) != 0 ||
	    get_data(m, ISAKMP_NPTYPE_NONCE, &no) != 0 ||
	    (get_data(m, ISAKMP_NPTYPE_HASH, &h) != 0 &&
	    isakmp_msg_find(m, ISAKMP_NPTYPE_SIG) == NULL) ||
	    (id = isakmp_msg_find(m, ISAKMP_NPTYPE_ID)) == NULL ||
	    id->len < 4)
		return (H_DROP);
	memcpy(p1->rcookie, m->hdr.rcookie, 8);
	if (isakmp_decode_sa(pl, &sa, &e) != 0 ||
	    sa_p1_check_reply(p1->rm, &sa, &p1->sel, &ntf) != 0 ||
	    p1->sel.group != group) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN);
		p1_fail(p1, PS_EVT_PHASE1_NO_PROPOSAL,
		    "the responder chose a proposal we did not make");
		return (H_GONE);
	}
	if (sig_used(p1)) {
		/* CERT and SIG kept for am_i2_finish(). */
		if (ph1_cert_take_peer(p1, m, &ntf, why, sizeof(why)) != 0) {
			sig_refused(p1, ntf, why);
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, why);
			return (H_GONE);
		}
		ph1_cert_take_crs(p1, m);
	} else if (h.data == NULL) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "AM2 without HASH_R");
		return (H_GONE);
	}
	if ((p1->prf = ike_prf_new(p1->sel.hash)) == NULL ||
	    ke.len != ike_dh_publen(group) || h.len > sizeof(p1->hash_r) ||
	    (p1->gxr = dup_bytes(ke.data, ke.len)) == NULL ||
	    (p1->idr_b = dup_bytes(id->body, id->len)) == NULL) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "bad AM2");
		return (H_GONE);
	}
	p1->gxrlen = ke.len;
	p1->idrlen = id->len;
	memcpy(p1->nr, no.data, no.len);
	p1->nrlen = no.len;
	if (h.len > 0)
		memcpy(p1->hash_r, h.data, h.len);
	p1->hash_rlen = h.len;
	vid_recv(p1, m);
	if (derive_gxy(p1, p1->gxr, p1->gxrlen) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
		    "the peer's DH value is invalid");
		return (H_GONE);
	}
	natd_check(p1, m);
	if ((r = start_skeyid(p1, am_i2_finish)) != 0) {
		if (r != CONT_GONE)
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    "cannot compute SKEYID (authentication method?)");
		return (H_GONE);
	}
	return (H_OK);
}

static int
am_i2_finish(struct p1 *p1)
{
	struct isakmp_data h;
	struct isakmp_buf b;
	uint8_t hi[IKE_HASH_MAXLEN];
	int n;
	char why[160];

	h.data = p1->hash_r;
	h.len = p1->hash_rlen;
	if (sig_used(p1)) {
		/* A wrong signature ends it here: AM2 is not sent again. */
		if ((n = sig_check(p1, NULL, false, p1->idr_b,
		    p1->idrlen)) == H_GONE)
			return (CONT_GONE);
		if (n != H_OK) {
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    "the responder's signature is wrong");
			return (CONT_GONE);
		}
	} else if (!hash_ok(p1, false, &h)) {
		auth_failed(p1, "HASH_R");
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "HASH_R is wrong");
		return (CONT_GONE);
	}
	if (sa_peer_id_ok(p1, p1->idr_b, p1->idrlen, why, sizeof(why)) !=
	    0 || store_peer_id(p1, p1->idr_b, p1->idrlen) != 0) {
		CLEAR_NOTIFY(p1, ISAKMP_NTYPE_INVALID_ID_INFORMATION);
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, why);
		return (CONT_GONE);
	}
	if ((n = p1_hash(p1, true, hi, sizeof(hi))) <= 0)
		return (-1);
	if (p1->nat_used)
		(void)p1_set_endpoint_natt(p1);
	if (sig_used(p1)) {
		/* AM3 when the ca process has signed HASH_I. */
		n = ph1_sign(p1, hi, (size_t)n, am_i3_send);
		explicit_bzero(hi, sizeof(hi));
		return (n);
	}
	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, hi, (size_t)n);
	explicit_bzero(hi, sizeof(hi));
	put_natd(&b, p1);
	if (want_initial_contact(p1))
		put_initial_contact(&b, p1);
	/* AM3 goes encrypted (RFC 3947 4, racoon and libreswan do). */
	if (send_sealed(p1, ISAKMP_ETYPE_AGGRESSIVE, &b, false) != 0)
		return (-1);
	p1_established(p1);
	return (0);
}

/* AM3 with signatures: [CERT], SIG_I, [NAT-D], [N]; phase 1 is up. */
static int
am_i3_send(struct p1 *p1)
{
	struct isakmp_buf b;

	isakmp_buf_alloc(&b, 0);
	if (put_cert_sig(p1, &b) != 0) {
		isakmp_buf_free(&b);
		return (-1);
	}
	put_natd(&b, p1);
	if (want_initial_contact(p1))
		put_initial_contact(&b, p1);
	if (send_sealed(p1, ISAKMP_ETYPE_AGGRESSIVE, &b, false) != 0)
		return (-1);
	p1_established(p1);
	return (0);
}

/* ------------------------------------------------------------ dispatch */

void
ph1_recv(struct p1 *p1, const struct isakmp_msg *cm,
    const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	struct isakmp_msg *m = (struct isakmp_msg *)(uintptr_t)cm;
	uint8_t dg[32];
	int rc = H_DROP;
	char nm[128];

	if (m->hdr.etype != p1->etype ||
	    sad_addr_cmp(&ep->remote, &p1->ep.remote) != 0) {
		log_debug("%s: a %s message from %s-ish: dropped",
		    ikev1_p1name(p1, nm, sizeof(nm)),
		    isakmp_etype_name(m->hdr.etype), "elsewhere");
		ikev1->st.dropped++;
		return;
	}
	p1_digest(data, len, dg);
	if (p1->have_rx && memcmp(dg, p1->rxdig, sizeof(dg)) == 0) {
		ikev1->x.duplicates++;
		/*
		 * Our answer was lost: the same answer again, at most once
		 * a second (a network that copies every datagram must not
		 * make the two ends play ping-pong).
		 */
		if (!p1->busy && p1->tx != NULL && p1->tx_answer &&
		    mono_ms() - p1->tx_ms >= IKEV1_DUP_GAP) {
			log_debug("%s: a copy of the last message: answered "
			    "again", ikev1_p1name(p1, nm, sizeof(nm)));
			p1->tx_ms = mono_ms();
			ikev1_xmit(p1, p1->tx, p1->txlen);
		}
		return;
	}
	if (p1->busy) {
		log_debug("%s: busy, message dropped",
		    ikev1_p1name(p1, nm, sizeof(nm)));
		ikev1->st.dropped++;
		return;
	}
	if (p1->etype == ISAKMP_ETYPE_IDPROT) {
		if (p1->side == P1_INITIATOR)
			switch (p1->state) {
			case P1S_MSG1SENT:
				rc = mm_i2_recv(p1, m);
				break;
			case P1S_MSG3SENT:
				rc = mm_i4_recv(p1, m);
				break;
			case P1S_MSG5SENT:
				rc = mm_i6_recv(p1, m, ep);
				break;
			default:
				break;
			}
		else
			switch (p1->state) {
			case P1S_MSG2SENT:
				rc = mm_r3_recv(p1, m);
				break;
			case P1S_MSG4SENT:
				rc = mm_r5_recv(p1, m, ep);
				break;
			default:
				break;
			}
	} else {
		if (p1->side == P1_INITIATOR && p1->state == P1S_MSG1SENT)
			rc = am_i2_recv(p1, m);
		else if (p1->side == P1_RESPONDER &&
		    p1->state == P1S_MSG2SENT)
			rc = am_r3_recv(p1, m, ep);
	}
	if (rc == H_OK) {
		memcpy(p1->rxdig, dg, sizeof(dg));
		p1->have_rx = true;
		/* MM6 and AM3 end phase 1: nothing answers them. */
		p1->tx_answer = p1->state != P1S_ESTABLISHED ||
		    (p1->etype == ISAKMP_ETYPE_IDPROT ?
		    p1->side == P1_RESPONDER : p1->side == P1_INITIATOR);
	} else if (rc == H_DROP) {
		log_debug("%s: message not taken in state %d",
		    ikev1_p1name(p1, nm, sizeof(nm)), p1->state);
		ikev1->st.dropped++;
	}
}
