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
 * Informational exchanges (RFC 2408 4.8, RFC 2409 5.7): notifications and
 * DELETE, protected by HASH(1) = prf(SKEYID_a, M-ID | N/D) under an
 * established ISAKMP SA, with an IV of their own; INITIAL-CONTACT; dead
 * peer detection (RFC 3706: R-U-THERE / R-U-THERE-ACK with sequence
 * numbers).
 *
 * What arrives unprotected (no ISAKMP SA yet, or in the clear) is only
 * logged: anybody can send it.  What we send unprotected (errors in a
 * phase 1 not yet authenticated) is rate limited, so a forged first
 * message cannot turn us into a reflector.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1.h"

static const char *
ntf_name(uint16_t type)
{
	const char *n = isakmp_notify_name(type);

	return (n != NULL ? n : "unknown");
}

/* ---------------------------------------------------------------- send */

int
info_send_notify_clear(const struct ike_endpoint *ep, const uint8_t ic[8],
    const uint8_t rc[8], uint16_t type, const void *data, size_t len)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_notify n;
	const uint8_t *msg;
	size_t mlen;
	int err;

	if (!ikev1_notify_allowed()) {
		log_debug("%s: %s not sent (rate limit)", __func__,
		    ntf_name(type));
		return (-1);
	}
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, ic, 8);
	memcpy(h.rcookie, rc, 8);
	h.version = ISAKMP_VERSION_IKEV1;
	h.etype = ISAKMP_ETYPE_INFO;
	h.msgid = arc4random();
	memset(&n, 0, sizeof(n));
	n.doi = ISAKMP_DOI_IPSEC;
	n.proto = ISAKMP_PROTO_ISAKMP;
	n.type = type;
	n.data = data;
	n.len = len;
	isakmp_buf_alloc(&b, 0);
	isakmp_put_header(&b, &h);
	isakmp_put_notify(&b, &n);
	if (isakmp_buf_finish(&b, &msg, &mlen) != 0) {
		isakmp_buf_free(&b);
		return (-1);
	}
	err = frame_send(ep, msg, mlen);
	isakmp_buf_free(&b);
	ikev1_count_notify(true, type);
	log_debug("%s: %s sent", __func__, ntf_name(type));
	return (err == 0 ? 0 : -1);
}

/* An informational exchange under p1 whose body (after HASH) is in b. */
static int
info_send_protected(struct p1 *p1, struct isakmp_buf *b)
{
	struct isakmp_hdr h;
	uint8_t iv[IKE_BLOCK_MAXLEN], *body, *msg;
	const uint8_t *cb;
	size_t blen, hlen = ike_prf_len(p1->prf), len;
	uint32_t mid;
	int n, rc;

	if (isakmp_buf_finish(b, &cb, &blen) != 0 ||
	    blen < ISAKMP_GEN_LEN + hlen) {
		isakmp_buf_free(b);
		return (-1);
	}
	body = b->data;
	mid = ikev1_random_mid(p1);
	n = ike_qm_hash1(p1->prf, &p1->keys, mid,
	    body + ISAKMP_GEN_LEN + hlen, blen - ISAKMP_GEN_LEN - hlen,
	    body + ISAKMP_GEN_LEN, hlen);
	if (n < 0 || (size_t)n != hlen ||
	    ike_p2_iv(p1->prf, p1->iv, p1->blocklen, mid, iv) != 0) {
		isakmp_buf_free(b);
		return (-1);
	}
	ikev1_hdr(p1, &h, ISAKMP_ETYPE_INFO, mid);
	rc = ikev1_seal_raw(p1, &h, b->firstnp, body, blen, iv, &msg, &len);
	isakmp_buf_free(b);
	if (rc != 0)
		return (-1);
	ikev1_xmit(p1, msg, len);
	freezero(msg, len);
	return (0);
}

static bool
protected_ok(const struct p1 *p1)
{
	return (p1->keyed && p1->prf != NULL && p1->cbc != NULL &&
	    (p1->state == P1S_ESTABLISHED || p1->state == P1S_EXPIRED));
}

int
info_send_notify(struct p1 *p1, uint16_t type, uint8_t proto,
    const uint8_t *spi, size_t spisize, const void *data, size_t len)
{
	static const uint8_t zero[IKE_HASH_MAXLEN];
	struct isakmp_buf b;
	struct isakmp_notify n;

	if (!protected_ok(p1))
		return (info_send_notify_clear(&p1->ep, p1->icookie,
		    p1->rcookie, type, data, len));
	if (type < ISAKMP_NTYPE_CONNECTED && !ikev1_notify_allowed())
		return (-1);
	memset(&n, 0, sizeof(n));
	n.doi = ISAKMP_DOI_IPSEC;
	n.proto = proto != 0 ? proto : ISAKMP_PROTO_ISAKMP;
	n.spisize = (uint8_t)spisize;
	n.spi = spi;
	n.type = type;
	n.data = data;
	n.len = len;
	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, zero, ike_prf_len(p1->prf));
	isakmp_put_notify(&b, &n);
	if (info_send_protected(p1, &b) != 0)
		return (-1);
	ikev1_count_notify(true, type);
	return (0);
}

int
info_send_delete(struct p1 *p1, uint8_t proto, const uint8_t *spis,
    size_t spisize, size_t count)
{
	static const uint8_t zero[IKE_HASH_MAXLEN];
	struct isakmp_buf b;
	struct isakmp_delete d;
	char nm[128];

	if (!protected_ok(p1))
		return (-1);
	memset(&d, 0, sizeof(d));
	d.doi = ISAKMP_DOI_IPSEC;
	d.proto = proto;
	d.spisize = (uint8_t)spisize;
	d.count = (uint16_t)count;
	d.spis = spis;
	isakmp_buf_alloc(&b, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, zero, ike_prf_len(p1->prf));
	isakmp_put_delete(&b, &d);
	if (info_send_protected(p1, &b) != 0)
		return (-1);
	ikev1->x.deletes_sent++;
	log_debug("%s: DELETE (%s) sent", ikev1_p1name(p1, nm, sizeof(nm)),
	    isakmp_proto_name(proto) != NULL ? isakmp_proto_name(proto) :
	    "?");
	return (0);
}

/* --------------------------------------------------------- INITIAL-CONTACT */

static void
peer_deleted(void *arg, int error, uint32_t count, const char *why)
{
	if (error != 0)
		log_debug("INITIAL-CONTACT: %s", why);
	else
		log_info("INITIAL-CONTACT: %u SAs of the peer deleted", count);
}

/*
 * The peer has (re)started: what we hold with it is stale.  Other ISAKMP
 * SAs go quietly; every IPsec SA between the two hosts goes (the parent
 * deletes them), and our records of them.
 */
void
info_initial_contact(struct p1 *p1)
{
	struct p1 *o, *on;
	struct p2 *p2, *pn;
	char nm[128];

	log_info("%s: INITIAL-CONTACT: forgetting older SAs with the peer",
	    ikev1_p1name(p1, nm, sizeof(nm)));
	TAILQ_FOREACH_SAFE(o, &ikev1->p1s, entry, on)
		if (o != p1 && !o->dead &&
		    sad_addr_cmp(&o->ep.remote, &p1->ep.remote) == 0 &&
		    (o->state == P1S_ESTABLISHED || o->state == P1S_EXPIRED))
			p1_free(o, "INITIAL-CONTACT");
	TAILQ_FOREACH_SAFE(p2, &ikev1->p2s, entry, pn)
		if ((p2->state == P2S_ESTABLISHED ||
		    p2->state == P2S_INSTALLING) &&
		    sad_addr_cmp(&p2->peer, &p1->ep.remote) == 0) {
			p2->in_alive = p2->out_alive = false;
			qm_sa_delete_both(p2, false);
		}
	if (frame_delete_peer(&p1->ep.local, &p1->ep.remote, peer_deleted,
	    NULL) != 0)
		log_warnx("%s: INITIAL-CONTACT: cannot ask for the SAs to be "
		    "deleted", ikev1_p1name(p1, nm, sizeof(nm)));
}

/* --------------------------------------------------------------- DPD */

static int
dpd_send(struct p1 *p1, uint16_t type, uint32_t seq)
{
	uint8_t spi[16], d[4];

	memcpy(spi, p1->icookie, 8);
	memcpy(spi + 8, p1->rcookie, 8);
	d[0] = (uint8_t)(seq >> 24);
	d[1] = (uint8_t)(seq >> 16);
	d[2] = (uint8_t)(seq >> 8);
	d[3] = (uint8_t)seq;
	return (info_send_notify(p1, type, ISAKMP_PROTO_ISAKMP, spi, 16, d,
	    4));
}

void
dpd_start(struct p1 *p1)
{
	if (p1->rm == NULL || p1->rm->dpd_delay == 0 || !p1->peer_dpd)
		return;
	p1->dpd_fails = 0;
	p1->dpd_wait = false;
	timer_set(&p1->dpd, (uint64_t)p1->rm->dpd_delay * 1000);
}

static void
peer_dead(struct p1 *p1)
{
	struct p2 *p2, *n;
	char nm[128];

	log_warnx("%s: dead peer: no answer to %u R-U-THERE",
	    ikev1_p1name(p1, nm, sizeof(nm)), p1->dpd_fails);
	ikev1->x.dpd_dead++;
	frame_event(PS_EVT_PHASE1_DPD_TIMEOUT, &p1->ep.local, &p1->ep.remote,
	    0, 0, "dead peer");
	TAILQ_FOREACH_SAFE(p2, &ikev1->p2s, entry, n)
		if ((p2->state == P2S_ESTABLISHED ||
		    p2->state == P2S_INSTALLING) &&
		    sad_addr_cmp(&p2->peer, &p1->ep.remote) == 0)
			qm_sa_delete_both(p2, false);
	p1_free(p1, "dead peer");
}

void
dpd_timer_cb(void *arg)
{
	struct p1 *p1 = arg;
	const struct rcn_remote *rm = p1->rm;
	char nm[128];

	if (rm == NULL || (p1->state != P1S_ESTABLISHED &&
	    p1->state != P1S_EXPIRED))
		return;
	if (p1->dpd_wait && ++p1->dpd_fails >= (rm->dpd_maxfail > 0 ?
	    rm->dpd_maxfail : 5)) {
		peer_dead(p1);
		return;
	}
	if (++p1->dpd_seq == 0)
		p1->dpd_seq = 1;
	p1->dpd_wait = true;
	ikev1->x.dpd_sent++;
	log_debug("%s: R-U-THERE #%u sent", ikev1_p1name(p1, nm, sizeof(nm)),
	    p1->dpd_seq);
	(void)dpd_send(p1, ISAKMP_NTYPE_R_U_THERE, p1->dpd_seq);
	timer_set(&p1->dpd, (uint64_t)(rm->dpd_retry > 0 ? rm->dpd_retry :
	    5) * 1000);
}

/* ------------------------------------------------------------- receive */

static uint32_t
seq_of(const struct isakmp_notify *n)
{
	if (n->len != 4)
		return (0);
	return ((uint32_t)n->data[0] << 24 | (uint32_t)n->data[1] << 16 |
	    (uint32_t)n->data[2] << 8 | n->data[3]);
}

static bool
cookies_are(const struct p1 *p1, const uint8_t *spi, size_t len)
{
	return (len == 16 && memcmp(spi, p1->icookie, 8) == 0 &&
	    memcmp(spi + 8, p1->rcookie, 8) == 0);
}

/* 1 if p1 went away. */
static int
got_notify(struct p1 *p1, const struct isakmp_notify *n)
{
	uint32_t seq;
	char nm[128];

	ikev1_count_notify(false, n->type);
	switch (n->type) {
	case ISAKMP_NTYPE_INITIAL_CONTACT:
		info_initial_contact(p1);
		return (0);
	case ISAKMP_NTYPE_R_U_THERE:
		if ((seq = seq_of(n)) == 0 ||
		    !cookies_are(p1, n->spi, n->spisize))
			return (0);
		p1->dpd_peer_seq = seq;
		(void)dpd_send(p1, ISAKMP_NTYPE_R_U_THERE_ACK, seq);
		return (0);
	case ISAKMP_NTYPE_R_U_THERE_ACK:
		if ((seq = seq_of(n)) == 0 || seq != p1->dpd_seq ||
		    !p1->dpd_wait)
			return (0);
		ikev1->x.dpd_acked++;
		log_debug("%s: R-U-THERE-ACK #%u", ikev1_p1name(p1, nm,
		    sizeof(nm)), seq);
		p1->dpd_wait = false;
		p1->dpd_fails = 0;
		if (p1->rm != NULL && p1->rm->dpd_delay > 0)
			timer_set(&p1->dpd, (uint64_t)p1->rm->dpd_delay *
			    1000);
		return (0);
	case ISAKMP_NTYPE_RESPONDER_LIFETIME:
	case ISAKMP_NTYPE_REPLAY_STATUS:
	case ISAKMP_NTYPE_CONNECTED:
		return (0);
	}
	if (n->type < ISAKMP_NTYPE_CONNECTED) {
		log_warnx("%s: the peer says %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), ntf_name(n->type));
		if (p1->state < P1S_ESTABLISHED) {
			p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED,
			    ntf_name(n->type));
			return (1);
		}
	} else
		log_debug("%s: notification %s (%u)",
		    ikev1_p1name(p1, nm, sizeof(nm)), ntf_name(n->type),
		    n->type);
	return (0);
}

/* 1 if p1 went away. */
static int
got_delete(struct p1 *p1, const struct isakmp_delete *d)
{
	struct p1 *o;
	struct p2 *p2;
	const uint8_t *s;
	uint32_t spi;
	uint8_t satype;
	size_t i;
	int gone = 0;
	char nm[128];

	ikev1->x.deletes_rcvd++;
	for (i = 0; (s = isakmp_delete_spi(d, i)) != NULL; i++) {
		if (d->proto == ISAKMP_PROTO_ISAKMP) {
			if (d->spisize != 16)
				continue;
			TAILQ_FOREACH(o, &ikev1->p1s, entry)
				if (!o->dead && cookies_are(o, s, 16) &&
				    sad_addr_cmp(&o->ep.remote,
				    &p1->ep.remote) == 0)
					break;
			if (o == NULL)
				continue;
			log_info("%s: the peer deleted the ISAKMP SA",
			    ikev1_p1name(o, nm, sizeof(nm)));
			frame_event(PS_EVT_PHASE1_DOWN, &o->ep.local,
			    &o->ep.remote, 0, 0, "deleted by the peer");
			if (o == p1)
				gone = 1;
			else
				p1_free(o, "deleted by the peer");
			continue;
		}
		if ((d->proto != ISAKMP_PROTO_ESP &&
		    d->proto != ISAKMP_PROTO_AH) || d->spisize != 4)
			continue;
		satype = d->proto == ISAKMP_PROTO_ESP ? PFKEY_SATYPE_ESP :
		    PFKEY_SATYPE_AH;
		spi = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
		    (uint32_t)s[2] << 8 | s[3];
		/* Its inbound SA is our outbound one. */
		if ((p2 = p2_find_spi(satype, spi, true)) == NULL ||
		    sad_addr_cmp(&p2->peer, &p1->ep.remote) != 0)
			continue;
		log_info("%s: the peer deleted IPsec SA 0x%08x",
		    ikev1_p1name(p1, nm, sizeof(nm)), spi);
		qm_sa_delete_both(p2, false);
	}
	if (gone) {
		p1_free(p1, "deleted by the peer");
		return (1);
	}
	return (0);
}

void
info_recv(struct p1 *p1, const struct isakmp_msg *cm,
    const struct ike_endpoint *ep)
{
	struct isakmp_msg *m = (struct isakmp_msg *)(uintptr_t)cm;
	const struct isakmp_payload *hp, *pl;
	struct isakmp_error e;
	struct isakmp_notify n;
	struct isakmp_delete d;
	uint8_t iv[IKE_BLOCK_MAXLEN], want[IKE_HASH_MAXLEN], *plain = NULL;
	size_t plen = 0, hlen, start, end, i;
	int nh;
	char nm[128];

	if (m->hdr.msgid == 0 || p1_mid_seen(p1, m->hdr.msgid)) {
		log_debug("%s: informational message with a used message "
		    "id: dropped", ikev1_p1name(p1, nm, sizeof(nm)));
		ikev1->x.duplicates++;
		return;
	}
	if (ike_p2_iv(p1->prf, p1->iv, p1->blocklen, m->hdr.msgid, iv) != 0 ||
	    ikev1_open(p1, m, iv, &plain, &plen) != 0)
		return;
	memset(&e, 0, sizeof(e));
	if (isakmp_decode_body(m, plain, plen, &e) != 0 || m->npl == 0 ||
	    m->pl[0].type != ISAKMP_NPTYPE_HASH) {
		log_debug("%s: informational message without HASH first",
		    ikev1_p1name(p1, nm, sizeof(nm)));
		freezero(plain, plen);
		ikev1->st.dropped++;
		return;
	}
	hp = &m->pl[0];
	hlen = ike_prf_len(p1->prf);
	start = hp->offset - ISAKMP_HDR_LEN + ISAKMP_GEN_LEN + hp->len;
	end = plen - m->padlen;
	nh = start <= end ? ike_qm_hash1(p1->prf, &p1->keys, m->hdr.msgid,
	    plain + start, end - start, want, sizeof(want)) : -1;
	if (nh < 0 || (size_t)nh != hlen || hp->len != hlen ||
	    CRYPTO_memcmp(want, hp->body, hlen) != 0) {
		log_warnx("%s: informational message with a wrong HASH: "
		    "dropped", ikev1_p1name(p1, nm, sizeof(nm)));
		explicit_bzero(want, sizeof(want));
		freezero(plain, plen);
		ikev1->st.dropped++;
		return;
	}
	explicit_bzero(want, sizeof(want));
	p1_mid_add(p1, m->hdr.msgid);
	for (i = 1; i < m->npl; i++) {
		pl = &m->pl[i];
		if (pl->type == ISAKMP_NPTYPE_N &&
		    isakmp_decode_notify(pl, &n, &e) == 0) {
			if (got_notify(p1, &n) != 0)
				break;
		} else if (pl->type == ISAKMP_NPTYPE_D &&
		    isakmp_decode_delete(pl, &d, &e) == 0) {
			if (got_delete(p1, &d) != 0)
				break;
		}
	}
	freezero(plain, plen);
}

void
info_recv_clear(const struct isakmp_msg *m, const struct ike_endpoint *ep)
{
	const struct isakmp_payload *pl;
	struct isakmp_notify n;
	struct isakmp_error e;
	size_t i;
	char from[64];

	(void)log_addr(&ep->remote, from, sizeof(from));
	for (i = 0; i < m->npl; i++) {
		pl = &m->pl[i];
		if (pl->type == ISAKMP_NPTYPE_N &&
		    isakmp_decode_notify(pl, &n, &e) == 0) {
			ikev1_count_notify(false, n.type);
			log_info("from %s: unprotected notification %s (%u): "
			    "only logged", from, ntf_name(n.type), n.type);
		} else if (pl->type == ISAKMP_NPTYPE_D)
			log_info("from %s: unprotected DELETE: ignored", from);
	}
}
