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
 * The IKEv1 engine: handles, the entry points of exchange.h, message
 * framing and retransmission.
 *
 * A datagram is decoded with the strict codec before anything looks at
 * it; fragments go to the reassembly of their phase 1 handle; the rest
 * is dispatched by exchange type to the phase 1, quick mode or
 * informational code.  Every handle remembers a digest of the last
 * message it took and the last message it sent: a copy of a request that
 * was answered gets the answer again (the peer lost it), any other copy
 * is dropped, so a replayed message never changes state.  Messages that
 * expect an answer are retransmitted with exponential backoff (timer
 * interval, doubling, `counter' times, `persend' copies each); the
 * phase 1 and phase 2 deadlines end an exchange that does not complete.
 *
 * Responder cookies are an HMAC of the initiator's cookie and both
 * addresses under a secret made at start: a copy of the first message
 * gets the same cookie, and nothing costly (no Diffie-Hellman) is done
 * before the initiator has returned it in its second message.  Half-open
 * exchanges are limited per peer address and in all.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ikev1.h"

struct ikev1_engine *ikev1;

static void	orphan_free(unsigned);

/* ------------------------------------------------------------- engine */

struct ikev1_engine *
ikev1_engine_get(void)
{
	return (ikev1);
}

void
ikev1_engine_set(struct ikev1_engine *e)
{
	ikev1 = e;
}

void
ikev1_engine_free(struct ikev1_engine *e)
{
	struct ikev1_engine *saved = ikev1;
	struct p1 *p1;
	struct p2 *p2;

	if (e == NULL)
		return;
	ikev1 = e;
	while ((p2 = TAILQ_FIRST(&e->p2s)) != NULL)
		p2_free(p2, "shutdown");
	while ((p1 = TAILQ_FIRST(&e->p1s)) != NULL)
		p1_free(p1, "shutdown");
	while (e->norphans > 0)
		orphan_free(e->norphans - 1);
	ike_prf_free(e->sha256);
	explicit_bzero(e->secret, sizeof(e->secret));
	free(e);
	ikev1 = saved == e ? NULL : saved;
}

void
ikev1_init(void)
{
	struct ikev1_engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		fatalx("%s: no memory", __func__);
	TAILQ_INIT(&e->p1s);
	TAILQ_INIT(&e->p2s);
	arc4random_buf(e->secret, sizeof(e->secret));
	if ((e->sha256 = ike_prf_new(IKE_HASH_SHA2_256)) == NULL)
		fatalx("%s: no SHA-256", __func__);
	isakmp_frag_pool_init(&e->fragpool, IKEV1_FRAG_POOL);
	/* generate_policy unique: reqids above what setkey users pick. */
	e->reqid_next = 0x4000;
	ikev1 = e;
}

void
ikev1_config(const struct rcn_config *cur, const struct rcn_config *old)
{
	struct p1 *p1, *n;

	if (old == NULL)
		return;
	/* Remotes are looked up again by name: the old tree goes now. */
	TAILQ_FOREACH_SAFE(p1, &ikev1->p1s, entry, n) {
		p1->rm = conf_remote_by_name(cur, p1->rname);
		if (p1->rm != NULL)
			continue;
		log_info("%s: remote %s is gone from the configuration",
		    __func__, p1->rname);
		if (p1->state == P1S_ESTABLISHED) {
			uint8_t spi[16];

			memcpy(spi, p1->icookie, 8);
			memcpy(spi + 8, p1->rcookie, 8);
			(void)info_send_delete(p1, ISAKMP_PROTO_ISAKMP, spi,
			    16, 1);
		}
		p1_free(p1, "remote removed");
	}
}

void
ikev1_get_stats(struct ike_stats *st)
{
	*st = ikev1->st;
}

void
ikev1_shutdown(void)
{
	struct p1 *p1;
	uint8_t spi[16];

	if (ikev1 == NULL)
		return;
	/* Tell peers their ISAKMP SAs are gone (the IPsec SAs stay). */
	TAILQ_FOREACH(p1, &ikev1->p1s, entry)
		if (p1->state == P1S_ESTABLISHED) {
			memcpy(spi, p1->icookie, 8);
			memcpy(spi + 8, p1->rcookie, 8);
			(void)info_send_delete(p1, ISAKMP_PROTO_ISAKMP, spi,
			    16, 1);
		}
	log_debug("%s: %llu datagrams (%llu malformed), %llu ACQUIREs, "
	    "%llu phase 1 and %llu phase 2 SAs negotiated", __func__,
	    (unsigned long long)ikev1->st.received,
	    (unsigned long long)ikev1->st.malformed,
	    (unsigned long long)ikev1->st.acquires,
	    (unsigned long long)ikev1->x.p1_established,
	    (unsigned long long)ikev1->x.p2_established);
	ikev1_engine_free(ikev1);
	ikev1 = NULL;
}

/* ------------------------------------------------------------ helpers */

const char *
ikev1_p1name(const struct p1 *p1, char *buf, size_t sz)
{
	char a[64];

	(void)snprintf(buf, sz, "%s#%u %s", p1->rname, p1->serial,
	    log_addr(&p1->ep.remote, a, sizeof(a)));
	return (buf);
}

void
ikev1_count_notify(bool sent, uint16_t type)
{
	uint64_t *c = sent ? ikev1->x.notify_sent : ikev1->x.notify_rcvd;

	c[type < 31 ? type : 0]++;
}

bool
ikev1_notify_allowed(void)
{
	uint64_t now = mono_ms() / 1000;

	if (now != ikev1->notify_window) {
		ikev1->notify_window = now;
		ikev1->notify_count = 0;
	}
	if (ikev1->notify_count >= IKEV1_NOTIFY_RATE)
		return (false);
	ikev1->notify_count++;
	return (true);
}

bool
ikev1_contacted(const struct sad_addr *a)
{
	unsigned i;

	for (i = 0; i < ikev1->ncontacted; i++)
		if (sad_addr_cmp(&ikev1->contacted[i], a) == 0)
			return (true);
	return (false);
}

static void
contacted_add(const struct sad_addr *a)
{
	if (ikev1_contacted(a))
		return;
	ikev1->contacted[ikev1->contacted_pos] = *a;
	ikev1->contacted_pos = (ikev1->contacted_pos + 1) % IKEV1_CONTACTED;
	if (ikev1->ncontacted < IKEV1_CONTACTED)
		ikev1->ncontacted++;
}

void
p1_digest(const uint8_t *p, size_t len, uint8_t out[32])
{
	struct ike_iov v = { p, len };

	if (ike_prf_digest_v(ikev1->sha256, &v, 1, out, 32) != 32)
		memset(out, 0, 32);
}

void
ph1_cookie(const struct ike_endpoint *ep, const uint8_t icookie[8],
    uint8_t rcookie[8])
{
	uint8_t port[4], out[32];
	struct ike_iov v[4];

	port[0] = (uint8_t)(ep->remote.port >> 8);
	port[1] = (uint8_t)ep->remote.port;
	port[2] = (uint8_t)ep->remote.af;
	port[3] = (uint8_t)ep->local.af;
	v[0].iov_base = icookie;
	v[0].iov_len = 8;
	v[1].iov_base = ep->remote.a.b;
	v[1].iov_len = sizeof(ep->remote.a.b);
	v[2].iov_base = ep->local.a.b;
	v[2].iov_len = sizeof(ep->local.a.b);
	v[3].iov_base = port;
	v[3].iov_len = sizeof(port);
	if (ike_prf_v(ikev1->sha256, ikev1->secret, sizeof(ikev1->secret),
	    v, 4, out, sizeof(out)) != 32)
		arc4random_buf(out, 8);
	memcpy(rcookie, out, 8);
	/* A zero cookie means "not yet" on the wire. */
	if (memcmp(rcookie, "\0\0\0\0\0\0\0\0", 8) == 0)
		rcookie[7] = 1;
	explicit_bzero(out, sizeof(out));
}

const struct rcn_remote *
ikev1_remote_for(const struct sad_addr *peer)
{
	const struct rcn_config *c = frame_conf();
	const struct rcn_remote *r, *addr = NULL, *anon = NULL;

	if (c == NULL)
		return (NULL);
	TAILQ_FOREACH(r, &c->remotes, entry) {
		if (r->anonymous) {
			if (anon == NULL)
				anon = r;
			continue;
		}
		if (sad_addr_cmp(&r->addr, peer) != 0)
			continue;
		if (r->addr.port == peer->port)
			return (r);
		if (addr == NULL)
			addr = r;
	}
	return (addr != NULL ? addr : anon);
}

void
ikev1_hdr(const struct p1 *p1, struct isakmp_hdr *h, uint8_t etype,
    uint32_t mid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, p1->icookie, 8);
	memcpy(h->rcookie, p1->rcookie, 8);
	h->version = ISAKMP_VERSION_IKEV1;
	h->etype = etype;
	h->msgid = mid;
}

bool
p1_mid_seen(struct p1 *p1, uint32_t mid)
{
	unsigned i;

	for (i = 0; i < p1->nmids; i++)
		if (p1->mids[i] == mid)
			return (true);
	return (false);
}

void
p1_mid_add(struct p1 *p1, uint32_t mid)
{
	if (p1_mid_seen(p1, mid))
		return;
	p1->mids[p1->midpos] = mid;
	p1->midpos = (p1->midpos + 1) % P1_MIDS;
	if (p1->nmids < P1_MIDS)
		p1->nmids++;
}

uint32_t
ikev1_random_mid(struct p1 *p1)
{
	uint32_t mid;

	do
		mid = arc4random();
	while (mid == 0 || p1_mid_seen(p1, mid));
	p1_mid_add(p1, mid);
	return (mid);
}

/* --------------------------------------------------- framing, sending */

int
ikev1_seal_raw(struct p1 *p1, const struct isakmp_hdr *hdr, uint8_t np,
    const uint8_t *body, size_t blen, uint8_t *iv, uint8_t **out,
    size_t *outlen)
{
	struct isakmp_hdr h;
	size_t pad;
	uint8_t *m;
	int n;

	*out = NULL;
	if (p1->cbc == NULL || blen == 0)
		return (-1);
	pad = ike_cbc_padlen(blen, p1->blocklen);
	if (blen + pad > ISAKMP_MSG_MAX - ISAKMP_HDR_LEN)
		return (-1);
	if ((m = malloc(ISAKMP_HDR_LEN + blen + pad)) == NULL)
		return (-1);
	h = *hdr;
	h.np = np;
	h.flags |= ISAKMP_FLAG_E;
	h.len = (uint32_t)(ISAKMP_HDR_LEN + blen + pad);
	isakmp_hdr_encode(&h, m);
	n = ike_cbc_encrypt(p1->cbc, iv, body, blen, m + ISAKMP_HDR_LEN,
	    blen + pad);
	if (n < 0 || (size_t)n != blen + pad) {
		freezero(m, ISAKMP_HDR_LEN + blen + pad);
		return (-1);
	}
	*out = m;
	*outlen = ISAKMP_HDR_LEN + blen + pad;
	return (0);
}

int
ikev1_seal(struct p1 *p1, const struct isakmp_hdr *hdr, struct isakmp_buf *b,
    uint8_t *iv, uint8_t **out, size_t *outlen)
{
	const uint8_t *body;
	size_t blen;

	*out = NULL;
	if (isakmp_buf_finish(b, &body, &blen) != 0)
		return (-1);
	return (ikev1_seal_raw(p1, hdr, b->firstnp, body, blen, iv, out,
	    outlen));
}

int
ikev1_open(struct p1 *p1, const struct isakmp_msg *m, uint8_t *iv,
    uint8_t **plain, size_t *plainlen)
{
	uint8_t *p;

	*plain = NULL;
	if (p1->cbc == NULL || m->enclen == 0 ||
	    m->enclen % p1->blocklen != 0)
		return (-1);
	if ((p = malloc(m->enclen)) == NULL)
		return (-1);
	if (ike_cbc_decrypt(p1->cbc, iv, m->enc, m->enclen, p) < 0) {
		freezero(p, m->enclen);
		return (-1);
	}
	*plain = p;
	*plainlen = m->enclen;
	return (0);
}

/* One datagram, or its fragments, `persend' times. */
void
ikev1_xmit(struct p1 *p1, const uint8_t *msg, size_t len)
{
	const struct rcn_config *c = frame_conf();
	unsigned persend = c != NULL && c->retry_persend > 0 ?
	    c->retry_persend : 1;
	size_t maxlen, n, i, flen;
	uint8_t frag[IKEV1_FRAG_MTU];
	unsigned k;
	int rc;
	char nm[128];

	maxlen = IKEV1_FRAG_MTU - 20 - 8 - (p1->ep.natt ? 4 : 0);
	if (len > maxlen && p1->rm != NULL && p1->rm->ike_frag != RCN_OFF &&
	    (p1->peer_frag || p1->rm->ike_frag == RCN_FORCE) &&
	    (n = isakmp_frag_count(len, maxlen)) > 0) {
		p1->fragid++;
		for (k = 0; k < persend; k++)
			for (i = 1; i <= n; i++) {
				flen = isakmp_frag_build(msg, len, maxlen,
				    p1->fragid, i, frag, sizeof(frag));
				if (flen == 0)
					break;
				if ((rc = frame_send(&p1->ep, frag, flen)) != 0)
					log_debug("%s: fragment: %s", __func__,
					    strerror(rc));
				ikev1->x.frags_sent++;
			}
		return;
	}
	for (k = 0; k < persend; k++)
		if ((rc = frame_send(&p1->ep, msg, len)) != 0) {
			log_warnx("%s: sending to %s: %s", __func__,
			    ikev1_p1name(p1, nm, sizeof(nm)), strerror(rc));
			break;
		}
}

/* The wait before retransmission `count' (0 is the first): doubling. */
int
ikev1_rexmit_due(unsigned count, uint64_t *ms)
{
	const struct rcn_config *c = frame_conf();
	uint64_t iv = c != NULL && c->retry_interval > 0 ?
	    c->retry_interval : 10;

	if (c != NULL && count >= c->retry_counter)
		return (-1);
	*ms = iv * 1000 << (count < 8 ? count : 8);
	return (0);
}

void
ikev1_send(struct p1 *p1, uint8_t **txp, size_t *txlenp, const uint8_t *msg,
    size_t len, bool rexmit, struct timer *rtx, unsigned *txcount)
{
	uint64_t ms;

	if (*txp != (uint8_t *)(uintptr_t)msg) {
		if (*txp != NULL)
			freezero(*txp, *txlenp);
		*txp = (uint8_t *)(uintptr_t)msg;
		*txlenp = len;
	}
	ikev1_xmit(p1, msg, len);
	*txcount = 0;
	if (txp == &p1->tx)
		p1->tx_ms = mono_ms();
	timer_del(rtx);
	if (rexmit && ikev1_rexmit_due(0, &ms) == 0)
		timer_set(rtx, ms);
}

static void
p1_rtx_cb(void *arg)
{
	struct p1 *p1 = arg;
	uint64_t ms;
	char nm[128];

	if (p1->tx == NULL)
		return;
	if (ikev1_rexmit_due(p1->txcount + 1, &ms) != 0) {
		p1_fail(p1, PS_EVT_PHASE1_NO_RESPONSE, "no answer");
		return;
	}
	p1->txcount++;
	ikev1->x.retransmits++;
	log_debug("%s: retransmission %u", ikev1_p1name(p1, nm, sizeof(nm)),
	    p1->txcount);
	p1->tx_ms = mono_ms();
	ikev1_xmit(p1, p1->tx, p1->txlen);
	timer_set(&p1->rtx, ms);
}

static void
p1_tmo_cb(void *arg)
{
	struct p1 *p1 = arg;

	p1_fail(p1, PS_EVT_PHASE1_NO_RESPONSE, "phase 1 timed out");
}

static void
p2_rtx_cb(void *arg)
{
	struct p2 *p2 = arg;
	uint64_t ms;

	if (p2->tx == NULL || p2->p1 == NULL)
		return;
	if (ikev1_rexmit_due(p2->txcount + 1, &ms) != 0) {
		p2_fail(p2, "no answer to quick mode");
		return;
	}
	p2->txcount++;
	ikev1->x.retransmits++;
	log_debug("quick mode #%u: retransmission %u", p2->serial,
	    p2->txcount);
	p2->tx_ms = mono_ms();
	ikev1_xmit(p2->p1, p2->tx, p2->txlen);
	timer_set(&p2->rtx, ms);
}

static void
p2_tmo_cb(void *arg)
{
	struct p2 *p2 = arg;

	p2_fail(p2, "phase 2 timed out");
}

/* --------------------------------------------------- phase 1 handles */

static void p1_life_cb(void *);
static void p1_ka_cb(void *);

struct p1 *
p1_new(enum p1_side side, uint8_t etype, const struct rcn_remote *rm,
    const struct ike_endpoint *ep)
{
	const struct rcn_config *c = frame_conf();
	struct p1 *p1;
	char what[48];

	if (ikev1->np1 >= P1_MAX) {
		log_warnx("%s: %d phase 1 SAs already", __func__, P1_MAX);
		return (NULL);
	}
	if ((p1 = calloc(1, sizeof(*p1))) == NULL)
		return (NULL);
	p1->serial = ++ikev1->serial;
	p1->side = side;
	p1->etype = etype;
	p1->state = P1S_START;
	p1->ep = *ep;
	p1->rm = rm;
	(void)strlcpy(p1->rname, rm->name, sizeof(p1->rname));
	p1->created = (uint64_t)time(NULL);
	if (side == P1_INITIATOR) {
		do
			arc4random_buf(p1->icookie, 8);
		while (memcmp(p1->icookie, "\0\0\0\0\0\0\0\0", 8) == 0);
	}
	(void)snprintf(what, sizeof(what), "ph1 #%u resend", p1->serial);
	timer_init(&p1->rtx, p1_rtx_cb, p1, what);
	(void)snprintf(what, sizeof(what), "ph1 #%u timeout", p1->serial);
	timer_init(&p1->tmo, p1_tmo_cb, p1, what);
	(void)snprintf(what, sizeof(what), "ph1 #%u lifetime", p1->serial);
	timer_init(&p1->life, p1_life_cb, p1, what);
	(void)snprintf(what, sizeof(what), "ph1 #%u dpd", p1->serial);
	timer_init(&p1->dpd, dpd_timer_cb, p1, what);
	(void)snprintf(what, sizeof(what), "ph1 #%u keepalive", p1->serial);
	timer_init(&p1->ka, p1_ka_cb, p1, what);
	timer_set(&p1->tmo, (uint64_t)(c != NULL && c->phase1_timeout > 0 ?
	    c->phase1_timeout : 15) * 1000);
	p1->dpd_seq = arc4random_uniform(0x7fffffff) + 1;
	TAILQ_INSERT_TAIL(&ikev1->p1s, p1, entry);
	ikev1->np1++;
	return (p1);
}

static void
zfree(uint8_t **p, size_t *len)
{
	if (*p != NULL)
		freezero(*p, *len);
	*p = NULL;
	*len = 0;
}

void
p1_free(struct p1 *p1, const char *why)
{
	struct p2 *p2, *n;
	char nm[128];

	if (p1->dead)
		return;
	p1->dead = true;
	log_debug("%s: freed: %s", ikev1_p1name(p1, nm, sizeof(nm)), why);
	timer_del(&p1->rtx);
	timer_del(&p1->tmo);
	timer_del(&p1->life);
	timer_del(&p1->dpd);
	timer_del(&p1->ka);
	frame_cancel(p1);
	TAILQ_FOREACH_SAFE(p2, &ikev1->p2s, entry, n)
		if (p2->p1 == p1) {
			if (p2->state == P2S_ESTABLISHED ||
			    p2->state == P2S_INSTALLING)
				p2->p1 = NULL;
			else
				p2_fail(p2, why);
		}
	if (p1->halfopen) {
		ikev1->nhalfopen--;
		p1->halfopen = false;
	}
	zfree(&p1->sai_b, &p1->sailen);
	zfree(&p1->sar_b, &p1->sarlen);
	zfree(&p1->gxi, &p1->gxilen);
	zfree(&p1->gxr, &p1->gxrlen);
	zfree(&p1->gxy, &p1->gxylen);
	zfree(&p1->idi_b, &p1->idilen);
	zfree(&p1->idr_b, &p1->idrlen);
	zfree(&p1->tx, &p1->txlen);
	zfree(&p1->peer_id, &p1->peer_idlen);
	ph1_cert_free(p1);
	ike_dh_free(p1->dh);
	ike_prf_free(p1->prf);
	ike_cbc_free(p1->cbc);
	ike_p1keys_clear(&p1->keys);
	explicit_bzero(p1->iv, sizeof(p1->iv));
	explicit_bzero(p1->hash_r, sizeof(p1->hash_r));
	if (p1->reasm != NULL) {
		isakmp_reasm_clear(p1->reasm);
		free(p1->reasm);
	}
	TAILQ_REMOVE(&ikev1->p1s, p1, entry);
	ikev1->np1--;
	free(p1);
}

void
p1_fail(struct p1 *p1, uint16_t event, const char *why)
{
	char nm[128];

	log_warnx("phase 1 with %s failed: %s",
	    ikev1_p1name(p1, nm, sizeof(nm)), why);
	ikev1->x.p1_failed++;
	frame_event(event, &p1->ep.local, &p1->ep.remote, 0, 0, why);
	p1_free(p1, why);
}

/* The soft lifetime: 80-90% of the hard one, as the parent makes it. */
static uint64_t
soft_ms(uint64_t hard_s)
{
	return (hard_s * 1000 * (80 + arc4random_uniform(11)) / 100);
}


/*
 * RFC 3948 2.3: behind a NAT, a NAT-keepalive every natt_keepalive
 * seconds (timer section; 0: none) keeps the NAT's mapping of our NAT-T
 * port.  Only the newest SA with a peer sends them.
 */
static uint64_t
ka_interval_ms(void)
{
	const struct rcn_config *c = frame_conf();

	return (c != NULL ? (uint64_t)c->natt_keepalive * 1000 : 0);
}

static void
p1_ka_start(struct p1 *p1)
{
	uint64_t ms;

	if (!p1->nat_me || !p1->ep.natt || (ms = ka_interval_ms()) == 0)
		return;
	timer_set(&p1->ka, ms);
}

static void
p1_ka_cb(void *arg)
{
	struct p1 *p1 = arg;
	char nm[128];
	int rc;

	if (p1->state != P1S_ESTABLISHED)
		return;
	if ((rc = frame_send_keepalive(&p1->ep)) != 0)
		log_debug("%s: NAT-keepalive not sent: %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), strerror(rc));
	else
		ikev1->x.natt_keepalives++;
	p1_ka_start(p1);
}

void
p1_established(struct p1 *p1)
{
	struct p1 *o;
	char nm[128], ic[17], rc[17];
	int i;

	p1->state = P1S_ESTABLISHED;
	p1->estab_ms = mono_ms();
	if (p1->halfopen) {
		ikev1->nhalfopen--;
		p1->halfopen = false;
	}
	timer_del(&p1->tmo);
	if (p1->side == P1_INITIATOR)
		timer_del(&p1->rtx);
	p1->soft_done = false;
	timer_set(&p1->life, soft_ms(p1->sel.life_s > 0 ? p1->sel.life_s :
	    CONF_DEFAULT_P1_LIFE));
	/* DH is done with: only what keys the SA stays. */
	ike_dh_free(p1->dh);
	p1->dh = NULL;
	zfree(&p1->gxy, &p1->gxylen);
	for (i = 0; i < 8; i++) {
		(void)snprintf(ic + 2 * i, 3, "%02x", p1->icookie[i]);
		(void)snprintf(rc + 2 * i, 3, "%02x", p1->rcookie[i]);
	}
	ikev1->x.p1_established++;
	contacted_add(&p1->ep.remote);
	log_info("ISAKMP SA established with %s (%s mode, %s) %s:%s",
	    ikev1_p1name(p1, nm, sizeof(nm)),
	    p1->etype == ISAKMP_ETYPE_AGGRESSIVE ? "aggressive" : "main",
	    p1->side == P1_INITIATOR ? "initiator" : "responder", ic, rc);
	frame_event(PS_EVT_PHASE1_UP, &p1->ep.local, &p1->ep.remote, 0, 0,
	    p1->etype == ISAKMP_ETYPE_AGGRESSIVE ? "aggressive mode" :
	    "main mode");
	/* An older SA with the same peer is replaced. */
	TAILQ_FOREACH(o, &ikev1->p1s, entry)
		if (o != p1 && o->state == P1S_ESTABLISHED &&
		    sad_addr_cmp(&o->ep.remote, &p1->ep.remote) == 0 &&
		    sad_addr_cmp(&o->ep.local, &p1->ep.local) == 0)
			o->state = P1S_EXPIRED;
	dpd_start(p1);
	p1_ka_start(p1);
	p2_start_waiting(p1);
}

struct p1 *
p1_find_established(const struct sad_addr *local, const struct sad_addr *peer)
{
	struct p1 *p1, *best = NULL;

	TAILQ_FOREACH(p1, &ikev1->p1s, entry) {
		if (p1->dead || (p1->state != P1S_ESTABLISHED &&
		    p1->state != P1S_EXPIRED))
			continue;
		if (sad_addr_cmp(&p1->ep.remote, peer) != 0)
			continue;
		if (local != NULL && local->af != AF_UNSPEC &&
		    sad_addr_cmp(&p1->ep.local, local) != 0)
			continue;
		if (best == NULL || (best->state == P1S_EXPIRED &&
		    p1->state == P1S_ESTABLISHED) ||
		    (best->state == p1->state && p1->estab_ms > best->estab_ms))
			best = p1;
	}
	return (best);
}

/* Whether the SA still protects phase 2 SAs with its peer. */
static bool
p1_has_p2(const struct p1 *p1)
{
	struct p2 *p2;

	TAILQ_FOREACH(p2, &ikev1->p2s, entry)
		if (p2->state == P2S_ESTABLISHED &&
		    sad_addr_cmp(&p2->peer, &p1->ep.remote) == 0)
			return (true);
	return (false);
}

static void
p1_life_cb(void *arg)
{
	struct p1 *p1 = arg, *n;
	uint64_t hard = (uint64_t)(p1->sel.life_s > 0 ? p1->sel.life_s :
	    CONF_DEFAULT_P1_LIFE) * 1000, el;
	uint8_t spi[16];
	bool rekey;
	char nm[128];

	if (!p1->soft_done) {
		p1->soft_done = true;
		el = mono_ms() - p1->estab_ms;
		timer_set(&p1->life, hard > el ? hard - el : 1);
		if (p1->rm == NULL || p1->state != P1S_ESTABLISHED)
			return;
		rekey = p1->rm->rekey == RCN_FORCE ||
		    (p1->rm->rekey == RCN_ON && p1->rm->dpd_delay > 0 &&
		    p1->peer_dpd);
		if (rekey && !p1->rm->passive && p1_has_p2(p1)) {
			log_info("%s: ISAKMP SA expiring, renewing it",
			    ikev1_p1name(p1, nm, sizeof(nm)));
			if (ph1_initiate(p1->rm, &p1->ep, &n) != 0)
				log_warnx("%s: cannot renew it",
				    ikev1_p1name(p1, nm, sizeof(nm)));
		}
		return;
	}
	log_info("%s: ISAKMP SA expired", ikev1_p1name(p1, nm, sizeof(nm)));
	frame_event(PS_EVT_PHASE1_DOWN, &p1->ep.local, &p1->ep.remote, 0, 0,
	    "expired");
	memcpy(spi, p1->icookie, 8);
	memcpy(spi + 8, p1->rcookie, 8);
	(void)info_send_delete(p1, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
	p1_free(p1, "expired");
}

int
p1_keys(struct p1 *p1, const uint8_t *skeyid, size_t len)
{
	size_t klen;

	if (p1->prf == NULL || len != ike_prf_len(p1->prf) ||
	    len > sizeof(p1->keys.k_skeyid) || p1->gxy == NULL)
		return (-1);
	p1->keys.k_hash = p1->sel.hash;
	p1->keys.k_prflen = len;
	memcpy(p1->keys.k_skeyid, skeyid, len);
	if (ike_skeyid_dae(p1->prf, &p1->keys, p1->gxy, p1->gxylen,
	    p1->icookie, p1->rcookie) != 0)
		return (-1);
	klen = ike_cbc_keylen(p1->sel.enc, (int)p1->sel.keylen);
	if (klen == 0 || ike_p1_enckey(p1->prf, &p1->keys, klen) != 0)
		return (-1);
	ike_cbc_free(p1->cbc);
	if ((p1->cbc = ike_cbc_new(p1->sel.enc, p1->keys.k_enckey,
	    klen)) == NULL)
		return (-1);
	p1->blocklen = ike_cbc_blocklen(p1->sel.enc);
	if (ike_p1_iv(p1->prf, p1->gxi, p1->gxilen, p1->gxr, p1->gxrlen,
	    p1->iv, p1->blocklen) != 0)
		return (-1);
	p1->keyed = true;
	return (0);
}

/* Move the SA to the peer's NAT-T port (RFC 3947 4: after NAT-D). */
int
p1_set_endpoint_natt(struct p1 *p1)
{
	struct ike_endpoint ep;
	struct sad_addr remote = p1->ep.remote;
	char nm[128];

	if (p1->ep.natt)
		return (0);
	remote.port = CONF_PORT_NATT;
	if (frame_endpoint(&p1->ep.local, &remote, true, &ep) != 0) {
		log_warnx("%s: no NAT-T socket for %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), "port 4500");
		return (-1);
	}
	p1->ep = ep;
	p1->floated = true;
	return (0);
}

/* --------------------------------------------------- phase 2 handles */

void
p2_free(struct p2 *p2, const char *why)
{
	if (p2->state == P2S_DEAD)
		return;
	log_debug("quick mode #%u freed: %s", p2->serial, why);
	p2->state = P2S_DEAD;
	timer_del(&p2->rtx);
	timer_del(&p2->tmo);
	frame_cancel(p2);
	if (p2->p1 != NULL && p2->p1->nego > 0 && p2->busy)
		p2->p1->nego--;
	if (p2->tx != NULL)
		freezero(p2->tx, p2->txlen);
	if (p2->gqm != NULL)
		freezero(p2->gqm, p2->gqmlen);
	free(p2->sar);
	free(p2->kep);
	ike_dh_free(p2->dh);
	TAILQ_REMOVE(&ikev1->p2s, p2, entry);
	ikev1->np2--;
	explicit_bzero(p2, sizeof(*p2));
	free(p2);
}

struct p2 *
qm_new(enum p1_side side)
{
	struct p2 *p2;
	char what[48];

	if (ikev1->np2 >= P2_MAX)
		return (NULL);
	if ((p2 = calloc(1, sizeof(*p2))) == NULL)
		return (NULL);
	p2->serial = ++ikev1->serial;
	p2->side = side;
	p2->state = P2S_WAIT_P1;
	p2->created = (uint64_t)time(NULL);
	(void)snprintf(what, sizeof(what), "qm #%u resend", p2->serial);
	timer_init(&p2->rtx, p2_rtx_cb, p2, what);
	(void)snprintf(what, sizeof(what), "qm #%u timeout", p2->serial);
	timer_init(&p2->tmo, p2_tmo_cb, p2, what);
	TAILQ_INSERT_TAIL(&ikev1->p2s, p2, entry);
	ikev1->np2++;
	return (p2);
}

void
p2_fail(struct p2 *p2, const char *why)
{
	char a[64];

	log_warnx("phase 2 with %s failed: %s",
	    log_addr(&p2->peer, a, sizeof(a)), why);
	ikev1->x.p2_failed++;
	if (p2->acq_seq != 0)
		frame_acquire_failed(p2->acq_seq, p2->satype, ETIMEDOUT);
	frame_event(PS_EVT_PHASE2_NO_RESPONSE, &p2->local, &p2->peer,
	    p2->satype, p2->spi_in, why);
	p2_free(p2, why);
}

void
p2_start_waiting(struct p1 *p1)
{
	struct p2 *p2, *n;

	TAILQ_FOREACH_SAFE(p2, &ikev1->p2s, entry, n)
		if (p2->p1 == p1 && p2->state == P2S_WAIT_P1)
			if (qm_initiate(p2, p1) != 0)
				p2_fail(p2, "cannot start quick mode");
}

struct p2 *
p2_find_spi(uint8_t satype, uint32_t spi, bool out)
{
	struct p2 *p2;

	TAILQ_FOREACH(p2, &ikev1->p2s, entry)
		if (p2->satype == satype && (p2->state == P2S_ESTABLISHED ||
		    p2->state == P2S_INSTALLING) &&
		    (out ? p2->spi_out : p2->spi_in) == spi)
			return (p2);
	return (NULL);
}

/* ---------------------------------------------------------- receiving */

static struct p1 *
p1_lookup(const struct isakmp_hdr *h, const struct ike_endpoint *ep)
{
	static const uint8_t zero[8];
	struct p1 *p1;

	if (memcmp(h->rcookie, zero, 8) == 0) {
		TAILQ_FOREACH(p1, &ikev1->p1s, entry)
			if (!p1->dead && p1->side == P1_RESPONDER &&
			    memcmp(p1->icookie, h->icookie, 8) == 0 &&
			    sad_addr_cmp(&p1->ep.remote, &ep->remote) == 0)
				return (p1);
		return (NULL);
	}
	TAILQ_FOREACH(p1, &ikev1->p1s, entry)
		if (!p1->dead && memcmp(p1->icookie, h->icookie, 8) == 0 &&
		    memcmp(p1->rcookie, h->rcookie, 8) == 0)
			return (p1);
	/* The responder's first answer: it gives us its cookie. */
	TAILQ_FOREACH(p1, &ikev1->p1s, entry)
		if (!p1->dead && p1->side == P1_INITIATOR &&
		    p1->state == P1S_MSG1SENT &&
		    memcmp(p1->icookie, h->icookie, 8) == 0 &&
		    memcmp(p1->rcookie, zero, 8) == 0 &&
		    sad_addr_cmp(&p1->ep.remote, &ep->remote) == 0)
			return (p1);
	return (NULL);
}

static void recv_dgram(const uint8_t *, size_t, const struct ike_endpoint *,
	    bool);

/*
 * Fragments of a first message (MM1 or AM1: the responder's cookie is
 * still zero) come before any phase 1 handle.  They are reassembled in a
 * small table of sets keyed by both cookies and the peer's address and
 * port, taken only from peers a remote with ike_frag on or force
 * matches.  The bytes held are charged to the engine's pool like every
 * handle's; a peer holds at most IKEV1_FRAG_ORPHANS_PEER sets and all
 * peers IKEV1_FRAG_ORPHANS: a new set pushes out the least recently fed
 * one (the peer's own first), so a flood of fragments with fresh
 * cookies costs a bounded amount of memory, and from one address cannot
 * push out the sets of others.
 */
static uint64_t orphan_clock;

static void
orphan_free(unsigned i)
{
	struct frag_orphan *o = ikev1->orphans[i];

	isakmp_reasm_clear(&o->reasm);
	freezero(o, sizeof(*o));
	ikev1->orphans[i] = ikev1->orphans[--ikev1->norphans];
	ikev1->orphans[ikev1->norphans] = NULL;
}

static struct frag_orphan *
orphan_get(const struct isakmp_hdr *h, const struct ike_endpoint *ep,
    uint64_t now)
{
	struct isakmp_frag_limits lim;
	struct frag_orphan *o;
	unsigned i, npeer = 0, victim = IKEV1_FRAG_ORPHANS;
	unsigned pvictim = IKEV1_FRAG_ORPHANS;

	for (i = 0; i < ikev1->norphans;) {
		o = ikev1->orphans[i];
		if (isakmp_reasm_expire(&o->reasm, now) || !o->reasm.active) {
			orphan_free(i);
			continue;
		}
		i++;
	}
	for (i = 0; i < ikev1->norphans; i++) {
		o = ikev1->orphans[i];
		if (sad_addr_cmp(&o->remote, &ep->remote) != 0) {
			if (victim == IKEV1_FRAG_ORPHANS ||
			    o->touched < ikev1->orphans[victim]->touched)
				victim = i;
			continue;
		}
		if (memcmp(o->icookie, h->icookie, 8) == 0 &&
		    memcmp(o->rcookie, h->rcookie, 8) == 0)
			return (o);
		npeer++;
		if (pvictim == IKEV1_FRAG_ORPHANS ||
		    o->touched < ikev1->orphans[pvictim]->touched)
			pvictim = i;
	}
	if (npeer >= IKEV1_FRAG_ORPHANS_PEER)
		victim = pvictim;
	else if (ikev1->norphans < IKEV1_FRAG_ORPHANS)
		victim = IKEV1_FRAG_ORPHANS;
	else if (victim == IKEV1_FRAG_ORPHANS)
		victim = pvictim;
	if (victim != IKEV1_FRAG_ORPHANS) {
		orphan_free(victim);
		ikev1->x.frags_evicted++;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return (NULL);
	memcpy(o->icookie, h->icookie, 8);
	memcpy(o->rcookie, h->rcookie, 8);
	o->remote = ep->remote;
	memset(&lim, 0, sizeof(lim));
	isakmp_reasm_init(&o->reasm, &ikev1->fragpool, &lim);
	ikev1->orphans[ikev1->norphans++] = o;
	return (o);
}

static void
frag_recv_first(const struct isakmp_msg *m, const uint8_t *data, size_t len,
    const struct ike_endpoint *ep)
{
	static const uint8_t zero[8];
	const struct rcn_remote *rm;
	struct frag_orphan *o;
	struct isakmp_error e;
	uint8_t *out = NULL;
	size_t outlen = 0;
	unsigned i;
	int rc;
	char from[64];

	if (memcmp(m->hdr.rcookie, zero, 8) != 0 || m->hdr.msgid != 0 ||
	    (m->hdr.etype != ISAKMP_ETYPE_IDPROT &&
	    m->hdr.etype != ISAKMP_ETYPE_AGGRESSIVE) ||
	    (rm = ikev1_remote_for(&ep->remote)) == NULL ||
	    rm->ike_frag == RCN_OFF) {
		log_debug("%s: a fragment for no exchange of ours", __func__);
		ikev1->st.dropped++;
		return;
	}
	if ((o = orphan_get(&m->hdr, ep, mono_ms())) == NULL) {
		ikev1->st.dropped++;
		return;
	}
	o->touched = ++orphan_clock;
	memset(&e, 0, sizeof(e));
	rc = isakmp_reasm_add(&o->reasm, data, len, mono_ms(), &out, &outlen,
	    &e);
	if (rc == ISAKMP_REASM_ERROR)
		log_debug("%s: fragment refused: %s", __func__,
		    e.what != NULL ? e.what : "?");
	if (rc == ISAKMP_REASM_DONE || !o->reasm.active) {
		for (i = 0; i < ikev1->norphans; i++)
			if (ikev1->orphans[i] == o) {
				orphan_free(i);
				break;
			}
	}
	if (rc != ISAKMP_REASM_DONE)
		return;
	(void)log_addr(&ep->remote, from, sizeof(from));
	log_debug("from %s: first message reassembled from fragments "
	    "(%zu bytes)", from, outlen);
	recv_dgram(out, outlen, ep, true);
	freezero(out, outlen);
}

static void
frag_recv(const struct isakmp_msg *m, const uint8_t *data, size_t len,
    const struct ike_endpoint *ep)
{
	struct isakmp_frag_limits lim;
	struct isakmp_error e;
	struct p1 *p1;
	uint8_t *out = NULL;
	size_t outlen = 0;
	int rc;
	char nm[128];

	ikev1->x.frags_rcvd++;
	if ((p1 = p1_lookup(&m->hdr, ep)) == NULL) {
		frag_recv_first(m, data, len, ep);
		return;
	}
	if (p1->rm == NULL || p1->rm->ike_frag == RCN_OFF) {
		log_debug("%s: a fragment for no exchange of ours", __func__);
		ikev1->st.dropped++;
		return;
	}
	if (p1->reasm == NULL) {
		if ((p1->reasm = calloc(1, sizeof(*p1->reasm))) == NULL)
			return;
		memset(&lim, 0, sizeof(lim));
		isakmp_reasm_init(p1->reasm, &ikev1->fragpool, &lim);
	}
	memset(&e, 0, sizeof(e));
	rc = isakmp_reasm_add(p1->reasm, data, len, mono_ms(), &out, &outlen,
	    &e);
	if (rc == ISAKMP_REASM_ERROR)
		log_debug("%s: fragment refused: %s", __func__,
		    e.what != NULL ? e.what : "?");
	if (rc != ISAKMP_REASM_DONE)
		return;
	log_debug("%s: message reassembled from fragments (%zu bytes)",
	    ikev1_p1name(p1, nm, sizeof(nm)), outlen);
	recv_dgram(out, outlen, ep, true);
	freezero(out, outlen);
}

static void
recv_dgram(const uint8_t *data, size_t len, const struct ike_endpoint *ep,
    bool reassembled)
{
	static const uint8_t zero[8];
	struct isakmp_msg *m;
	struct isakmp_error e;
	struct isakmp_hdr h;
	struct p1 *p1;
	char from[64];

	if ((m = malloc(sizeof(*m))) == NULL) {
		ikev1->st.dropped++;
		return;
	}
	memset(&e, 0, sizeof(e));
	(void)log_addr(&ep->remote, from, sizeof(from));
	if (isakmp_decode(m, data, len, &e) != 0) {
		ikev1->st.malformed++;
		log_debug("from %s: malformed ISAKMP message (%zu bytes): %s "
		    "at offset %zu", from, len, e.what != NULL ? e.what : "?",
		    e.offset);
		/*
		 * Answer only within an exchange of ours that is not yet
		 * protected (the message may be a damaged copy of what the
		 * peer sent), never to a first message from nowhere.
		 */
		if (len >= ISAKMP_HDR_LEN && e.notify != 0) {
			memset(&h, 0, sizeof(h));
			memcpy(h.icookie, data, 8);
			memcpy(h.rcookie, data + 8, 8);
			if ((p1 = p1_lookup(&h, ep)) != NULL &&
			    p1->state < P1S_ESTABLISHED)
				(void)info_send_notify_clear(&p1->ep,
				    p1->icookie, p1->rcookie, e.notify, NULL,
				    0);
		}
		free(m);
		return;
	}
	if (m->npl > 0 && m->pl[0].type == ISAKMP_NPTYPE_FRAG) {
		if (!reassembled)
			frag_recv(m, data, len, ep);
		free(m);
		return;
	}
	switch (m->hdr.etype) {
	case ISAKMP_ETYPE_IDPROT:
	case ISAKMP_ETYPE_AGGRESSIVE:
		if ((p1 = p1_lookup(&m->hdr, ep)) != NULL)
			ph1_recv(p1, m, ep, data, len);
		else if (memcmp(m->hdr.rcookie, zero, 8) == 0)
			ph1_recv_new(m, ep, data, len);
		else {
			log_debug("from %s: %s message for unknown cookies",
			    from, isakmp_etype_name(m->hdr.etype));
			ikev1->st.dropped++;
		}
		break;
	case ISAKMP_ETYPE_QUICK:
		p1 = p1_lookup(&m->hdr, ep);
		if (p1 == NULL || !p1->keyed ||
		    (p1->state != P1S_ESTABLISHED &&
		    p1->state != P1S_EXPIRED) ||
		    !(m->hdr.flags & ISAKMP_FLAG_E)) {
			log_debug("from %s: quick mode without an ISAKMP SA",
			    from);
			ikev1->st.dropped++;
			break;
		}
		qm_recv(p1, m, ep, data, len);
		break;
	case ISAKMP_ETYPE_INFO:
		if (!(m->hdr.flags & ISAKMP_FLAG_E)) {
			info_recv_clear(m, ep);
			break;
		}
		p1 = p1_lookup(&m->hdr, ep);
		if (p1 == NULL || !p1->keyed) {
			log_debug("from %s: encrypted informational message "
			    "for no ISAKMP SA", from);
			ikev1->st.dropped++;
			break;
		}
		info_recv(p1, m, ep);
		break;
	default:
		log_debug("from %s: %s exchange (%u) not supported", from,
		    isakmp_etype_name(m->hdr.etype) != NULL ?
		    isakmp_etype_name(m->hdr.etype) : "unknown",
		    m->hdr.etype);
		ikev1->st.dropped++;
		if ((p1 = p1_lookup(&m->hdr, ep)) != NULL &&
		    p1->state < P1S_ESTABLISHED)
			(void)info_send_notify_clear(&p1->ep, p1->icookie,
			    p1->rcookie, ISAKMP_NTYPE_UNSUPPORTED_EXCHANGE_TYPE,
			    NULL, 0);
		break;
	}
	free(m);
}

void
ikev1_recv(const struct ike_packet *p)
{
	ikev1->st.received++;
	recv_dgram(p->data, p->len, &p->ep, false);
}

/* ------------------------------------------------------ ACQUIRE, expire */

static struct p1 *
p1_find_negotiating(const struct sad_addr *peer)
{
	struct p1 *p1;

	TAILQ_FOREACH(p1, &ikev1->p1s, entry)
		if (!p1->dead && p1->state < P1S_ESTABLISHED &&
		    sad_addr_cmp(&p1->ep.remote, peer) == 0)
			return (p1);
	return (NULL);
}

/* Start (or queue) a quick mode as initiator for p2. */
static int
p2_go(struct p2 *p2, const struct rcn_remote *rm, char *why, size_t whysz)
{
	struct ike_endpoint ep;
	struct sad_addr remote;
	struct p1 *p1;

	if ((p1 = p1_find_established(&p2->local, &p2->peer)) != NULL)
		return (qm_initiate(p2, p1) == 0 ? 0 : EIO);
	if ((p1 = p1_find_negotiating(&p2->peer)) != NULL) {
		p2->p1 = p1;
		p2->state = P2S_WAIT_P1;
		return (0);
	}
	if (rm->passive) {
		(void)snprintf(why, whysz, "remote %s is passive", rm->name);
		return (EPERM);
	}
	remote = p2->peer;
	remote.port = rm->anonymous || rm->addr.port == 0 ? CONF_PORT_ISAKMP :
	    rm->addr.port;
	if (frame_endpoint(&p2->local, &remote, false, &ep) != 0) {
		(void)snprintf(why, whysz, "no socket for the local address");
		return (EADDRNOTAVAIL);
	}
	if (ph1_initiate(rm, &ep, &p1) != 0) {
		(void)snprintf(why, whysz, "cannot start phase 1");
		return (EIO);
	}
	p2->p1 = p1;
	p2->state = P2S_WAIT_P1;
	return (0);
}

static int
acquire_start(const struct ike_acquire *a, char *why, size_t whysz)
{
	const struct rcn_remote *rm;
	struct p2 *p2;
	char s[64], d[64];
	int rc;

	if (a->satype != PFKEY_SATYPE_ESP && a->satype != PFKEY_SATYPE_AH) {
		(void)snprintf(why, whysz, "SA type %u is not ESP or AH",
		    a->satype);
		return (EOPNOTSUPP);
	}
	/* The kernel repeats an ACQUIRE it got no answer to. */
	TAILQ_FOREACH(p2, &ikev1->p2s, entry)
		if (p2->side == P1_INITIATOR && p2->state < P2S_INSTALLING &&
		    p2->satype == a->satype &&
		    sad_addr_cmp(&p2->peer, &a->dst) == 0 &&
		    sad_addr_cmp(&p2->sel_local, &a->sel_src) == 0 &&
		    sad_addr_cmp(&p2->sel_peer, &a->sel_dst) == 0 &&
		    p2->sel_local.plen == a->sel_src.plen &&
		    p2->sel_peer.plen == a->sel_dst.plen &&
		    p2->ulproto == a->ulproto) {
			if (a->seq != 0)
				p2->acq_seq = a->seq;
			return (0);
		}
	if ((rm = ikev1_remote_for(&a->dst)) == NULL) {
		(void)snprintf(why, whysz, "no remote for %s",
		    log_addr(&a->dst, d, sizeof(d)));
		return (ENOENT);
	}
	if ((p2 = qm_new(P1_INITIATOR)) == NULL) {
		(void)snprintf(why, whysz, "too many phase 2 negotiations");
		return (ENOBUFS);
	}
	p2->acq_seq = a->seq;
	p2->spid = a->spid;
	p2->satype = a->satype;
	p2->mode = a->mode == PFKEY_MODE_TUNNEL ? PFKEY_MODE_TUNNEL :
	    PFKEY_MODE_TRANSPORT;
	p2->level = a->level;
	p2->reqid = a->reqid;
	p2->sel_local = a->sel_src;
	p2->sel_peer = a->sel_dst;
	p2->ulproto = a->ulproto;
	p2->local = a->src;
	p2->peer = a->dst;
	p2->local.port = p2->peer.port = 0;
	p2->local.plen = (uint8_t)sad_addr_bits(&p2->local);
	p2->peer.plen = (uint8_t)sad_addr_bits(&p2->peer);
	(void)strlcpy(p2->rname, rm->name, sizeof(p2->rname));
	if (sa_p2conf(p2, rm, NULL) != 0) {
		(void)snprintf(why, whysz, "no sainfo for %s -> %s",
		    log_addr(&a->sel_src, s, sizeof(s)),
		    log_addr(&a->sel_dst, d, sizeof(d)));
		p2_free(p2, why);
		return (ENOENT);
	}
	if ((rc = p2_go(p2, rm, why, whysz)) != 0) {
		p2_free(p2, why);
		return (rc);
	}
	return (0);
}

void
ikev1_acquire(const struct ike_acquire *a)
{
	char why[160] = "", s[64], d[64];
	int rc;

	ikev1->st.acquires++;
	log_info("ACQUIRE seq %u: %s %s -> %s reqid %u", a->seq,
	    pfkey_satype_name(a->satype) != NULL ?
	    pfkey_satype_name(a->satype) : "?",
	    log_addr(&a->sel_src, s, sizeof(s)),
	    log_addr(&a->sel_dst, d, sizeof(d)), a->reqid);
	if ((rc = acquire_start(a, why, sizeof(why))) != 0) {
		log_warnx("ACQUIRE seq %u refused: %s", a->seq, why);
		frame_acquire_failed(a->seq, a->satype, rc);
	}
}

/* The phase 2 handle an SA belongs to. */
static struct p2 *
p2_of_sa(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst, bool *out)
{
	struct p2 *p2;

	TAILQ_FOREACH(p2, &ikev1->p2s, entry) {
		if (p2->satype != satype || (p2->state != P2S_ESTABLISHED &&
		    p2->state != P2S_INSTALLING))
			continue;
		if (p2->spi_in == spi && sad_addr_cmp(dst, &p2->local) == 0 &&
		    sad_addr_cmp(src, &p2->peer) == 0) {
			*out = false;
			return (p2);
		}
		if (p2->spi_out == spi && sad_addr_cmp(dst, &p2->peer) == 0 &&
		    sad_addr_cmp(src, &p2->local) == 0) {
			*out = true;
			return (p2);
		}
	}
	return (NULL);
}

static void
p2_rekey(struct p2 *old)
{
	const struct rcn_remote *rm;
	struct p2 *p2;
	char why[160] = "";
	int rc;

	if ((rm = ikev1_remote_for(&old->peer)) == NULL ||
	    (p2 = qm_new(P1_INITIATOR)) == NULL)
		return;
	p2->satype = old->satype;
	p2->mode = old->mode;
	p2->level = old->level;
	p2->reqid = old->reqid;
	p2->spid = old->spid;
	p2->sel_local = old->sel_local;
	p2->sel_peer = old->sel_peer;
	p2->ulproto = old->ulproto;
	p2->local = old->local;
	p2->peer = old->peer;
	(void)strlcpy(p2->rname, rm->name, sizeof(p2->rname));
	if (sa_p2conf(p2, rm, NULL) != 0) {
		p2_free(p2, "no sainfo to renew the SA");
		return;
	}
	log_info("IPsec SA 0x%08x expiring: renewing it (quick mode #%u)",
	    old->spi_in, p2->serial);
	if ((rc = p2_go(p2, rm, why, sizeof(why))) != 0) {
		log_warnx("cannot renew IPsec SA 0x%08x: %s", old->spi_in,
		    why);
		p2_free(p2, why);
	}
}

void
ikev1_expire(const struct ike_expire *e)
{
	struct p2 *p2;
	bool out;
	char s[64], d[64];

	p2 = p2_of_sa(e->satype, e->spi, &e->src, &e->dst, &out);
	log_info("%s EXPIRE of %s SA 0x%08x %s -> %s%s",
	    e->hard ? "hard" : "soft", pfkey_satype_name(e->satype) != NULL ?
	    pfkey_satype_name(e->satype) : "?", e->spi,
	    log_addr(&e->src, s, sizeof(s)), log_addr(&e->dst, d, sizeof(d)),
	    p2 == NULL ? ": not one of ours" : "");
	if (p2 == NULL)
		return;
	if (!e->hard) {
		/* The initiator renews; the old SA lives to its hard end. */
		if (!p2->rekeyed && p2->side == P1_INITIATOR &&
		    p2->state == P2S_ESTABLISHED) {
			p2->rekeyed = true;
			p2_rekey(p2);
		}
		return;
	}
	if (out)
		p2->out_alive = false;
	else
		p2->in_alive = false;
	qm_sa_delete_both(p2, true);
}

void
ikev1_sa_gone(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst)
{
	struct p2 *p2;
	bool out;

	if ((p2 = p2_of_sa(satype, spi, src, dst, &out)) == NULL)
		return;
	log_info("IPsec SA 0x%08x was deleted: deleting its pair", spi);
	if (out)
		p2->out_alive = false;
	else
		p2->in_alive = false;
	qm_sa_delete_both(p2, true);
}

/* ----------------------------------------------------------- control */

void
ikev1_ctl_phase1s(void (*cb)(void *, const struct ike_ph1_info *), void *arg)
{
	struct ike_ph1_info i;
	struct p1 *p1;
	struct p2 *p2;

	TAILQ_FOREACH(p1, &ikev1->p1s, entry) {
		if (p1->dead)
			continue;
		memset(&i, 0, sizeof(i));
		i.local = p1->ep.local;
		i.remote = p1->ep.remote;
		memcpy(i.icookie, p1->icookie, 8);
		memcpy(i.rcookie, p1->rcookie, 8);
		i.status = (uint8_t)p1->state;
		i.side = p1->side == P1_INITIATOR ? 0 : 1;
		i.version = ISAKMP_VERSION_IKEV1;
		i.etype = p1->etype;
		i.created = p1->created;
		i.ph2count = p1->ph2count;
		TAILQ_FOREACH(p2, &ikev1->p2s, entry)
			if (p2->p1 == p1 && p2->state < P2S_ESTABLISHED)
				i.ph2count++;
		cb(arg, &i);
	}
}

static void
p1_delete(struct p1 *p1, const char *why)
{
	uint8_t spi[16];

	if (p1->state == P1S_ESTABLISHED || p1->state == P1S_EXPIRED) {
		memcpy(spi, p1->icookie, 8);
		memcpy(spi + 8, p1->rcookie, 8);
		(void)info_send_delete(p1, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
		frame_event(PS_EVT_PHASE1_DOWN, &p1->ep.local, &p1->ep.remote,
		    0, 0, why);
	}
	p1_free(p1, why);
}

unsigned
ikev1_ctl_flush(void)
{
	struct p1 *p1;
	unsigned n = 0;

	while ((p1 = TAILQ_FIRST(&ikev1->p1s)) != NULL) {
		p1_delete(p1, "flushed");
		n++;
	}
	return (n);
}

int
ikev1_ctl_delete(const struct sad_addr *local, const struct sad_addr *remote,
    char *why, size_t whysz)
{
	struct p1 *p1, *n;
	unsigned count = 0;
	char a[64], b[64];

	TAILQ_FOREACH_SAFE(p1, &ikev1->p1s, entry, n) {
		if (p1->dead || sad_addr_cmp(&p1->ep.remote, remote) != 0)
			continue;
		if (local->af != AF_UNSPEC &&
		    sad_addr_cmp(&p1->ep.local, local) != 0)
			continue;
		p1_delete(p1, "deleted by the administrator");
		count++;
	}
	if (count == 0) {
		(void)snprintf(why, whysz, "no ISAKMP SA between %s and %s",
		    log_addr(local, a, sizeof(a)),
		    log_addr(remote, b, sizeof(b)));
		return (ENOENT);
	}
	(void)snprintf(why, whysz, "%u ISAKMP SA%s deleted", count,
	    count == 1 ? "" : "s");
	return (0);
}

int
ikev1_ctl_establish(const struct ike_establish *es, char *why, size_t whysz)
{
	const struct rcn_remote *rm;
	struct ike_acquire a;
	struct ike_endpoint ep;
	struct sad_addr remote;
	struct p1 *p1;
	int rc;

	if (es->remote[0] != '\0')
		rm = conf_remote_by_name(frame_conf(), es->remote);
	else
		rm = ikev1_remote_for(&es->dst);
	if (rm == NULL) {
		(void)snprintf(why, whysz, "no remote for this peer");
		return (ENOENT);
	}
	if (es->satype != 0) {
		memset(&a, 0, sizeof(a));
		a.satype = es->satype;
		a.src = es->src;
		a.dst = es->dst;
		a.sel_src = es->src;
		a.sel_dst = es->dst;
		a.src.port = a.dst.port = 0;
		a.src.plen = (uint8_t)sad_addr_bits(&a.src);
		a.dst.plen = (uint8_t)sad_addr_bits(&a.dst);
		a.ulproto = es->ulproto;
		a.dir = PFKEY_DIR_OUTBOUND;
		a.mode = PFKEY_MODE_TRANSPORT;
		a.level = PFKEY_LEVEL_REQUIRE;
		if ((rc = acquire_start(&a, why, whysz)) != 0)
			return (rc);
		(void)snprintf(why, whysz, "phase 2 negotiation started");
		return (0);
	}
	if (p1_find_established(&es->src, &es->dst) != NULL) {
		(void)snprintf(why, whysz, "an ISAKMP SA exists already");
		return (EEXIST);
	}
	remote = es->dst;
	remote.port = rm->anonymous || rm->addr.port == 0 ? CONF_PORT_ISAKMP :
	    rm->addr.port;
	if (frame_endpoint(&es->src, &remote, false, &ep) != 0) {
		(void)snprintf(why, whysz, "no socket for the local address");
		return (EADDRNOTAVAIL);
	}
	if (ph1_initiate(rm, &ep, &p1) != 0) {
		(void)snprintf(why, whysz, "cannot start phase 1");
		return (EIO);
	}
	(void)snprintf(why, whysz, "phase 1 negotiation started");
	return (0);
}
