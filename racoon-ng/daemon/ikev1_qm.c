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
 * Quick mode (RFC 2409 5.5), both roles:
 *
 *   QM1 I: HASH(1), SA, Ni, [KE], [IDci, IDcr], [NAT-OAi, NAT-OAr]
 *   QM2 R: HASH(2), SA, Nr, [KE], [IDci, IDcr], [NAT-OAi, NAT-OAr],
 *	    [N(RESPONDER-LIFETIME)]
 *   QM3 I: HASH(3)
 *
 * The initiator starts from an ACQUIRE (the policy's selectors become
 * IDci/IDcr, its reqid and mode the SA's) and gets its inbound SPI from
 * the kernel first (GETSPI); the responder matches a sainfo by the IDs,
 * chooses a transform and gets its SPI the same way.  Both install the
 * inbound SA with UPDATE (on the SPI GETSPI made) and the outbound one
 * with ADD, each keyed from KEYMAT of its own SPI: the initiator after
 * sending QM3, the responder after checking it (no commit bit needed).
 * A responder with generate_policy installs the policies the peer's IDs
 * describe first.
 */

#include <sys/types.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ikev1.h"

static void	qm_i1_send(struct p2 *);
static void	qm_r2_send(struct p2 *);
static void	qm_install(struct p2 *);

static uint8_t *
dup_bytes(const void *p, size_t len)
{
	uint8_t *d;

	if (len == 0 || (d = malloc(len)) == NULL)
		return (NULL);
	memcpy(d, p, len);
	return (d);
}

static void
put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static const char *
p2name(const struct p2 *p2, char *buf, size_t sz)
{
	char a[64], b[64];

	(void)snprintf(buf, sz, "quick mode #%u %s %s -> %s", p2->serial,
	    p2->satype == PFKEY_SATYPE_AH ? "AH" : "ESP",
	    log_addr(&p2->sel_local, a, sizeof(a)),
	    log_addr(&p2->sel_peer, b, sizeof(b)));
	return (buf);
}

/* A protected notification about this quick mode. */
static void
p2_notify(struct p2 *p2, uint16_t type)
{
	uint8_t spi[4];

	if (p2->p1 == NULL)
		return;
	put_u32(spi, p2->spi_in);
	(void)info_send_notify(p2->p1, type, p2->satype == PFKEY_SATYPE_AH ?
	    ISAKMP_PROTO_AH : ISAKMP_PROTO_ESP, p2->spi_in != 0 ? spi : NULL,
	    p2->spi_in != 0 ? 4 : 0, NULL, 0);
}

/* Send a quick mode message: its body is in b with HASH first. */
static int
qm_send(struct p2 *p2, struct isakmp_buf *b, int which, bool rexmit)
{
	struct p1 *p1 = p2->p1;
	struct isakmp_hdr h;
	const uint8_t *cbody;
	uint8_t *body, *msg;
	size_t blen, hlen = ike_prf_len(p1->prf), len;
	int n, rc;

	if (isakmp_buf_finish(b, &cbody, &blen) != 0 ||
	    blen < ISAKMP_GEN_LEN + hlen) {
		isakmp_buf_free(b);
		return (-1);
	}
	body = b->data;
	if (which == 1)
		n = ike_qm_hash1(p1->prf, &p1->keys, p2->msgid,
		    body + ISAKMP_GEN_LEN + hlen,
		    blen - ISAKMP_GEN_LEN - hlen, body + ISAKMP_GEN_LEN,
		    hlen);
	else if (which == 2)
		n = ike_qm_hash2(p1->prf, &p1->keys, p2->msgid, p2->ni,
		    p2->nilen, body + ISAKMP_GEN_LEN + hlen,
		    blen - ISAKMP_GEN_LEN - hlen, body + ISAKMP_GEN_LEN,
		    hlen);
	else
		n = ike_qm_hash3(p1->prf, &p1->keys, p2->msgid, p2->ni,
		    p2->nilen, p2->nr, p2->nrlen, body + ISAKMP_GEN_LEN,
		    hlen);
	if (n < 0 || (size_t)n != hlen) {
		isakmp_buf_free(b);
		return (-1);
	}
	ikev1_hdr(p1, &h, ISAKMP_ETYPE_QUICK, p2->msgid);
	rc = ikev1_seal_raw(p1, &h, b->firstnp, body, blen, p2->iv, &msg,
	    &len);
	isakmp_buf_free(b);
	if (rc != 0)
		return (-1);
	ikev1_send(p1, &p2->tx, &p2->txlen, msg, len, rexmit, &p2->rtx,
	    &p2->txcount);
	p2->tx_ms = mono_ms();
	return (0);
}

static void
put_hash_placeholder(struct isakmp_buf *b, const struct p1 *p1)
{
	static const uint8_t zero[IKE_HASH_MAXLEN];

	isakmp_put_data(b, ISAKMP_NPTYPE_HASH, zero, ike_prf_len(p1->prf));
}

static void
put_natoa(struct isakmp_buf *b, const struct p2 *p2)
{
	struct isakmp_natoa oa;
	uint8_t type = p2->p1->natt == NATT_DRAFT ?
	    ISAKMP_NPTYPE_NATOA_DRAFT : ISAKMP_NPTYPE_NATOA;
	const struct sad_addr *a[2];
	int i;

	/* RFC 3947 5.2: only for transport mode. */
	if (!p2->natt || p2->mode != PFKEY_MODE_TRANSPORT)
		return;
	a[0] = p2->side == P1_INITIATOR ? &p2->p1->ep.local :
	    &p2->p1->ep.remote;
	a[1] = p2->side == P1_INITIATOR ? &p2->p1->ep.remote :
	    &p2->p1->ep.local;
	for (i = 0; i < 2; i++) {
		memset(&oa, 0, sizeof(oa));
		if (a[i]->af == AF_INET6) {
			oa.idtype = IPSEC_ID_IPV6_ADDR;
			oa.af = 6;
			memcpy(oa.addr, &a[i]->a.v6, 16);
		} else {
			oa.idtype = IPSEC_ID_IPV4_ADDR;
			oa.af = 4;
			memcpy(oa.addr, &a[i]->a.v4, 4);
		}
		isakmp_put_natoa(b, type, &oa);
	}
}

/*
 * The peer's original address from the NAT-OA payloads of its quick
 * mode message (RFC 3947 5.2: NAT-OAi, then NAT-OAr): the initiator's
 * first, the responder's second; each knows its own address, not the
 * other's behind a NAT.  Kept for the SAs of transport mode; a missing
 * or damaged one only leaves the SAs without it.
 */
static void
take_natoa(struct p2 *p2, const struct isakmp_msg *m)
{
	const struct isakmp_payload *pl;
	struct isakmp_natoa oa;
	struct isakmp_error e;
	uint8_t type = p2->p1->natt == NATT_DRAFT ?
	    ISAKMP_NPTYPE_NATOA_DRAFT : ISAKMP_NPTYPE_NATOA;
	char nm[160], a[64];

	memset(&p2->natoa_peer, 0, sizeof(p2->natoa_peer));
	pl = isakmp_msg_find_nth(m, type, p2->side == P1_RESPONDER ? 0 : 1);
	if (pl == NULL)
		return;
	memset(&e, 0, sizeof(e));
	if (isakmp_decode_natoa(pl, &oa, &e) != 0) {
		log_info("%s: NAT-OA ignored: %s", p2name(p2, nm, sizeof(nm)),
		    e.what != NULL ? e.what : "malformed");
		return;
	}
	if (oa.af == 4) {
		p2->natoa_peer.af = AF_INET;
		memcpy(&p2->natoa_peer.a.v4, oa.addr, 4);
	} else {
		p2->natoa_peer.af = AF_INET6;
		memcpy(&p2->natoa_peer.a.v6, oa.addr, 16);
	}
	p2->natoa_peer.plen = (uint8_t)sad_addr_bits(&p2->natoa_peer);
	log_debug("%s: the peer's original address %s",
	    p2name(p2, nm, sizeof(nm)), log_addr(&p2->natoa_peer, a,
	    sizeof(a)));
}

/*
 * Decrypt a quick mode message with iv (updated), parse its body and
 * check its HASH(1) or HASH(2) against the rest of it.  0, -1 (not
 * decryptable or not parseable: dropped silently), -2 (the hash is
 * wrong).
 */
static int
qm_open(struct p1 *p1, struct isakmp_msg *m, uint8_t *iv, int which,
    const struct p2 *p2, uint8_t **plain, size_t *plen)
{
	const struct isakmp_payload *hp;
	struct isakmp_error e;
	uint8_t want[IKE_HASH_MAXLEN];
	size_t hlen = ike_prf_len(p1->prf), start, end;
	int n;

	if (ikev1_open(p1, m, iv, plain, plen) != 0)
		return (-1);
	memset(&e, 0, sizeof(e));
	if (isakmp_decode_body(m, *plain, *plen, &e) != 0 || m->npl == 0 ||
	    m->pl[0].type != ISAKMP_NPTYPE_HASH) {
		log_debug("%s: quick mode message without payloads: %s",
		    __func__, e.what != NULL ? e.what : "no HASH first");
		freezero(*plain, *plen);
		*plain = NULL;
		return (-1);
	}
	hp = &m->pl[0];
	start = hp->offset - ISAKMP_HDR_LEN + ISAKMP_GEN_LEN + hp->len;
	end = *plen - m->padlen;
	if (hp->len != hlen || start > end)
		return (-2);
	if (which == 1)
		n = ike_qm_hash1(p1->prf, &p1->keys, m->hdr.msgid,
		    *plain + start, end - start, want, sizeof(want));
	else if (which == 2)
		n = ike_qm_hash2(p1->prf, &p1->keys, m->hdr.msgid, p2->ni,
		    p2->nilen, *plain + start, end - start, want,
		    sizeof(want));
	else
		n = ike_qm_hash3(p1->prf, &p1->keys, m->hdr.msgid, p2->ni,
		    p2->nilen, p2->nr, p2->nrlen, want, sizeof(want));
	if (n < 0 || (size_t)n != hlen ||
	    CRYPTO_memcmp(want, hp->body, hlen) != 0) {
		explicit_bzero(want, sizeof(want));
		return (-2);
	}
	explicit_bzero(want, sizeof(want));
	return (0);
}

/* ---------------------------------------------------------- initiator */

static void
spi_cb_i(void *arg, int error, uint32_t spi)
{
	struct p2 *p2 = arg;
	char nm[160];

	if (error != 0 || spi < IKEV1_SPI_MIN) {
		log_warnx("%s: GETSPI failed: %s",
		    p2name(p2, nm, sizeof(nm)), strerror(error));
		p2_fail(p2, "no SPI");
		return;
	}
	p2->spi_in = spi;
	qm_i1_send(p2);
}

int
qm_initiate(struct p2 *p2, struct p1 *p1)
{
	const struct rcn_config *c = frame_conf();
	struct frame_getspi g;

	if (p1->nego >= P2_NEGO_PER_P1)
		return (-1);
	p2->p1 = p1;
	p1->nego++;
	p2->busy = true;
	p2->natt = p1->nat_used;
	p2->natt_lport = p1->ep.local.port;
	p2->natt_pport = p1->ep.remote.port;
	timer_set(&p2->tmo, (uint64_t)(c != NULL && c->phase2_timeout > 0 ?
	    c->phase2_timeout : 10) * 1000);
	memset(&g, 0, sizeof(g));
	g.satype = p2->satype;
	g.src = p2->peer;
	g.dst = p2->local;
	g.min = IKEV1_SPI_MIN;
	g.max = UINT32_MAX;
	g.reqid = p2->reqid;
	g.seq = p2->acq_seq;
	p2->state = P2S_GETSPI;
	if (frame_getspi(&g, spi_cb_i, p2) != 0)
		return (-1);
	return (0);
}

static void
qm_i1_send(struct p2 *p2)
{
	struct p1 *p1 = p2->p1;
	struct isakmp_buf b, sb;
	const uint8_t *sa;
	uint8_t *ke = NULL;
	size_t salen, kelen = 0;
	char nm[160];

	p2->msgid = ikev1_random_mid(p1);
	if (ike_p2_iv(p1->prf, p1->iv, p1->blocklen, p2->msgid, p2->iv) != 0)
		goto fail;
	p2->nilen = p1->rm != NULL && p1->rm->nonce_size >= 8 &&
	    p1->rm->nonce_size <= IKEV1_NONCE_MAX ? p1->rm->nonce_size : 16;
	arc4random_buf(p2->ni, p2->nilen);
	if (p2->conf.pfs_group != 0) {
		kelen = ike_dh_publen(p2->conf.pfs_group);
		if (kelen == 0 ||
		    (p2->dh = ike_dh_new(p2->conf.pfs_group)) == NULL ||
		    (ke = malloc(kelen)) == NULL ||
		    ike_dh_public(p2->dh, ke, kelen) != 0)
			goto fail;
	}
	p2->idcilen = sa_id_from_addr(&p2->sel_local, p2->ulproto, p2->idci,
	    sizeof(p2->idci));
	p2->idcrlen = sa_id_from_addr(&p2->sel_peer, p2->ulproto, p2->idcr,
	    sizeof(p2->idcr));
	if (p2->idcilen == 0 || p2->idcrlen == 0)
		goto fail;
	isakmp_buf_alloc(&sb, 0);
	if (sa_p2_build(&sb, p2, p2->spi_in) != 0 ||
	    isakmp_buf_finish(&sb, &sa, &salen) != 0) {
		isakmp_buf_free(&sb);
		goto fail;
	}
	isakmp_buf_alloc(&b, 0);
	put_hash_placeholder(&b, p1);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, sa + ISAKMP_GEN_LEN,
	    salen - ISAKMP_GEN_LEN);
	isakmp_buf_free(&sb);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p2->ni, p2->nilen);
	if (ke != NULL)
		isakmp_put_data(&b, ISAKMP_NPTYPE_KE, ke, kelen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p2->idci, p2->idcilen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p2->idcr, p2->idcrlen);
	put_natoa(&b, p2);
	free(ke);
	ke = NULL;
	if (qm_send(p2, &b, 1, true) != 0)
		goto fail;
	p2->state = P2S_MSG1SENT;
	log_debug("%s: QM1 sent, spi 0x%08x", p2name(p2, nm, sizeof(nm)),
	    p2->spi_in);
	return;
fail:
	free(ke);
	p2_fail(p2, "cannot build QM1");
}

/* Lifetimes of a RESPONDER-LIFETIME notification: shorter ones win. */
static void
responder_lifetime(struct p2 *p2, const struct isakmp_msg *m)
{
	const struct isakmp_payload *pl;
	struct isakmp_notify n;
	struct isakmp_error e;
	struct isakmp_attr a;
	size_t i, cur, na;
	uint64_t v, lt = 0;

	for (i = 0; (pl = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_N, i)) !=
	    NULL; i++) {
		if (isakmp_decode_notify(pl, &n, &e) != 0 ||
		    n.type != ISAKMP_NTYPE_RESPONDER_LIFETIME)
			continue;
		if (isakmp_attrs_check(n.data, n.len, 0, ISAKMP_ATTRS_NONE,
		    true, ISAKMP_NPTYPE_N, &na, &e) != 0)
			continue;
		cur = 0;
		while (isakmp_attrs_next(n.data, n.len, 0, &cur, &a) == 1) {
			if (isakmp_attr_uint(&a, &v) != 0)
				break;
			if (a.type == IPSEC_ATTR_SA_LD_TYPE)
				lt = v;
			else if (a.type == IPSEC_ATTR_SA_LD) {
				if (lt == IPSEC_LIFE_SECONDS && v > 0 &&
				    v < p2->sel.life_s)
					p2->sel.life_s = (uint32_t)v;
				else if (lt == IPSEC_LIFE_KILOBYTES && v > 0 &&
				    (p2->sel.life_b == 0 ||
				    v * 1024 < p2->sel.life_b))
					p2->sel.life_b = v * 1024;
			}
		}
		log_info("quick mode #%u: the responder's lifetime is %u s",
		    p2->serial, p2->sel.life_s);
	}
}

static int
take_ke(struct p2 *p2, const struct isakmp_msg *m, int group)
{
	const struct isakmp_payload *pl = isakmp_msg_find(m,
	    ISAKMP_NPTYPE_KE);
	struct isakmp_data ke;
	struct isakmp_error e;

	if (group == 0)
		return (pl == NULL ? 0 : ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
	if (pl == NULL || isakmp_decode_data(pl, &ke, &e) != 0 ||
	    ke.len != ike_dh_publen(group))
		return (ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
	free(p2->kep);
	if ((p2->kep = dup_bytes(ke.data, ke.len)) == NULL)
		return (ISAKMP_NTYPE_PAYLOAD_MALFORMED);
	p2->keplen = ke.len;
	return (0);
}

static int
derive_gqm(struct p2 *p2)
{
	size_t n = ike_dh_secretlen(p2->sel.group);

	if (p2->sel.group == 0)
		return (0);
	if (p2->dh == NULL || p2->kep == NULL || n == 0 ||
	    (p2->gqm = malloc(n)) == NULL)
		return (-1);
	p2->gqmlen = n;
	return (ike_dh_derive(p2->dh, p2->kep, p2->keplen, p2->gqm, n) < 0 ?
	    -1 : 0);
}

static void
qm_i2_recv(struct p2 *p2, struct isakmp_msg *m)
{
	struct p1 *p1 = p2->p1;
	const struct isakmp_payload *pl, *id1, *id2;
	struct isakmp_error e;
	struct isakmp_sa sa;
	struct isakmp_data no;
	struct isakmp_buf b;
	uint16_t ntf;
	int rc;
	char nm[160];

	if ((pl = isakmp_msg_find(m, ISAKMP_NPTYPE_SA)) == NULL ||
	    isakmp_decode_sa(pl, &sa, &e) != 0 ||
	    sa_p2_check_reply(p2, &sa, &p2->sel, &p2->spi_out, &ntf) != 0) {
		p2_notify(p2, ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN);
		p2_fail(p2, "the responder chose a proposal we did not make");
		return;
	}
	if ((pl = isakmp_msg_find(m, ISAKMP_NPTYPE_NONCE)) == NULL ||
	    isakmp_decode_nonce(pl, &no, &e) != 0) {
		p2_notify(p2, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p2_fail(p2, "QM2 without a nonce");
		return;
	}
	memcpy(p2->nr, no.data, no.len);
	p2->nrlen = no.len;
	if ((rc = take_ke(p2, m, p2->sel.group)) != 0 ||
	    derive_gqm(p2) != 0) {
		p2_notify(p2, rc != 0 ? (uint16_t)rc :
		    ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
		p2_fail(p2, "bad KE in QM2");
		return;
	}
	id1 = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_ID, 0);
	id2 = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_ID, 1);
	if ((id1 != NULL || id2 != NULL) && (id1 == NULL || id2 == NULL ||
	    id1->len != p2->idcilen || id2->len != p2->idcrlen ||
	    memcmp(id1->body, p2->idci, p2->idcilen) != 0 ||
	    memcmp(id2->body, p2->idcr, p2->idcrlen) != 0)) {
		p2_notify(p2, ISAKMP_NTYPE_INVALID_ID_INFORMATION);
		p2_fail(p2, "the responder changed the IDs");
		return;
	}
	take_natoa(p2, m);
	responder_lifetime(p2, m);
	p1_mid_add(p1, p2->msgid);
	isakmp_buf_alloc(&b, 0);
	put_hash_placeholder(&b, p1);
	if (qm_send(p2, &b, 3, false) != 0) {
		p2_fail(p2, "cannot send QM3");
		return;
	}
	log_debug("%s: QM3 sent", p2name(p2, nm, sizeof(nm)));
	qm_install(p2);
}

/* ---------------------------------------------------------- responder */

static void
spi_cb_r(void *arg, int error, uint32_t spi)
{
	struct p2 *p2 = arg;
	char nm[160];

	if (error != 0 || spi < IKEV1_SPI_MIN) {
		log_warnx("%s: GETSPI failed: %s",
		    p2name(p2, nm, sizeof(nm)), strerror(error));
		p2_fail(p2, "no SPI");
		return;
	}
	p2->spi_in = spi;
	qm_r2_send(p2);
}

static uint8_t
mode_of(int encmode)
{
	switch (encmode) {
	case IPSEC_ENCMODE_TUNNEL:
	case IPSEC_ENCMODE_UDP_TUNNEL:
	case IPSEC_ENCMODE_UDP_TUNNEL_DRAFT:
		return (PFKEY_MODE_TUNNEL);
	}
	return (PFKEY_MODE_TRANSPORT);
}

static void
qm_r1_recv(struct p1 *p1, struct isakmp_msg *m, const uint8_t *iv,
    const uint8_t dg[32])
{
	const struct rcn_config *c = frame_conf();
	const struct isakmp_payload *pl, *id1, *id2;
	struct isakmp_proposal prop;
	struct isakmp_transform xf;
	struct isakmp_error e;
	struct isakmp_sa sa;
	struct isakmp_data no;
	struct isakmp_buf sb;
	struct frame_getspi g;
	const uint8_t *sr;
	size_t srlen;
	struct p2 *p2;
	uint16_t ntf;
	uint8_t up1, up2;
	int rc;
	char nm[160];

	if (p1->nego >= P2_NEGO_PER_P1 || p1->rm == NULL ||
	    (p2 = qm_new(P1_RESPONDER)) == NULL) {
		log_warnx("quick mode refused: too many at once");
		ikev1->st.dropped++;
		return;
	}
	p2->p1 = p1;
	p1->nego++;
	p2->busy = true;
	p2->msgid = m->hdr.msgid;
	memcpy(p2->iv, iv, p1->blocklen);
	p1_mid_add(p1, p2->msgid);
	memcpy(p2->rxdig, dg, 32);
	p2->have_rx = true;
	p2->local = p1->ep.local;
	p2->peer = p1->ep.remote;
	p2->local.port = p2->peer.port = 0;
	p2->local.plen = (uint8_t)sad_addr_bits(&p2->local);
	p2->peer.plen = (uint8_t)sad_addr_bits(&p2->peer);
	(void)strlcpy(p2->rname, p1->rname, sizeof(p2->rname));
	p2->natt = p1->nat_used;
	p2->natt_lport = p1->ep.local.port;
	p2->natt_pport = p1->ep.remote.port;
	timer_set(&p2->tmo, (uint64_t)(c != NULL && c->phase2_timeout > 0 ?
	    c->phase2_timeout : 10) * 1000);

	if ((pl = isakmp_msg_find(m, ISAKMP_NPTYPE_NONCE)) == NULL ||
	    isakmp_decode_nonce(pl, &no, &e) != 0 ||
	    isakmp_msg_find(m, ISAKMP_NPTYPE_SA) == NULL) {
		p2_notify(p2, ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p2_fail(p2, "QM1 without SA or nonce");
		return;
	}
	memcpy(p2->ni, no.data, no.len);
	p2->nilen = no.len;
	/* The IDs: none (the hosts themselves) or IDci and IDcr. */
	id1 = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_ID, 0);
	id2 = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_ID, 1);
	if (id1 != NULL || id2 != NULL) {
		if (id1 == NULL || id2 == NULL ||
		    isakmp_msg_find_nth(m, ISAKMP_NPTYPE_ID, 2) != NULL ||
		    id1->len > sizeof(p2->idci) ||
		    id2->len > sizeof(p2->idcr) ||
		    sa_id_to_addr(id1->body, id1->len, &p2->sel_peer,
		    &up1) != 0 ||
		    sa_id_to_addr(id2->body, id2->len, &p2->sel_local,
		    &up2) != 0 || up1 != up2 ||
		    p2->sel_peer.af != p2->sel_local.af) {
			p2_notify(p2, ISAKMP_NTYPE_INVALID_ID_INFORMATION);
			p2_fail(p2, "IDs we cannot use");
			return;
		}
		memcpy(p2->idci, id1->body, id1->len);
		p2->idcilen = id1->len;
		memcpy(p2->idcr, id2->body, id2->len);
		p2->idcrlen = id2->len;
		p2->ulproto = up1;
	} else {
		p2->sel_peer = p2->peer;
		p2->sel_local = p2->local;
		p2->ulproto = RCN_PROTO_ANY;
	}
	take_natoa(p2, m);
	if (sa_p2conf(p2, p1->rm, p1) != 0) {
		log_info("%s: no sainfo for these IDs",
		    p2name(p2, nm, sizeof(nm)));
		p2_notify(p2, ISAKMP_NTYPE_INVALID_ID_INFORMATION);
		p2_fail(p2, "no sainfo");
		return;
	}
	pl = isakmp_msg_find(m, ISAKMP_NPTYPE_SA);
	memset(&e, 0, sizeof(e));
	if (isakmp_decode_sa(pl, &sa, &e) != 0) {
		p2_notify(p2, e.notify != 0 ? e.notify :
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED);
		p2_fail(p2, "malformed SA payload");
		return;
	}
	if (sa_p2_select(p2, p1->rm->proposal_check, &sa, &p2->sel,
	    &p2->spi_out, &prop, &xf, &ntf) != 0) {
		log_info("%s: no proposal fits the sainfo",
		    p2name(p2, nm, sizeof(nm)));
		p2_notify(p2, ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN);
		p2_fail(p2, "no proposal chosen");
		return;
	}
	p2->resp_lifetime = ntf == ISAKMP_NTYPE_RESPONDER_LIFETIME;
	/* The initiator's encapsulation is the SA's. */
	p2->natt = p2->sel.encmode != IPSEC_ENCMODE_TUNNEL &&
	    p2->sel.encmode != IPSEC_ENCMODE_TRANSPORT;
	p2->satype = p2->sel.proto == ISAKMP_PROTO_AH ? PFKEY_SATYPE_AH :
	    PFKEY_SATYPE_ESP;
	p2->mode = mode_of(p2->sel.encmode);
	p2->level = PFKEY_LEVEL_REQUIRE;
	if ((rc = take_ke(p2, m, p2->sel.group)) != 0) {
		p2_notify(p2, (uint16_t)rc);
		p2_fail(p2, "KE and PFS group do not agree");
		return;
	}
	if (p1->rm->generate_policy == RCN_GENPOLICY_UNIQUE) {
		p2->reqid = ikev1->reqid_next++;
		if (ikev1->reqid_next > 0x3fff0000)
			ikev1->reqid_next = 0x4000;
		p2->level = PFKEY_LEVEL_UNIQUE;
	}
	/* The answer's SA, with our SPI to come at body offset 16. */
	isakmp_buf_alloc(&sb, 0);
	if (sa_p2_echo(&sb, &sa, &prop, &xf, 0) != 0 ||
	    isakmp_buf_finish(&sb, &sr, &srlen) != 0 ||
	    srlen < ISAKMP_GEN_LEN + 20 ||
	    (p2->sar = dup_bytes(sr + ISAKMP_GEN_LEN,
	    srlen - ISAKMP_GEN_LEN)) == NULL) {
		isakmp_buf_free(&sb);
		p2_fail(p2, "no memory");
		return;
	}
	p2->sarlen = srlen - ISAKMP_GEN_LEN;
	isakmp_buf_free(&sb);
	memset(&g, 0, sizeof(g));
	g.satype = p2->satype;
	g.src = p2->peer;
	g.dst = p2->local;
	g.min = IKEV1_SPI_MIN;
	g.max = UINT32_MAX;
	g.reqid = p2->reqid;
	p2->state = P2S_GETSPI;
	if (frame_getspi(&g, spi_cb_r, p2) != 0)
		p2_fail(p2, "GETSPI not sent");
}

static void
encode_life(uint8_t *out, size_t *len, uint16_t type, uint64_t v)
{
	size_t n = *len;

	out[n++] = (uint8_t)(0x80 | type >> 8);
	out[n++] = (uint8_t)type;
	if (v <= 0xffff) {
		out[n++] = (uint8_t)(v >> 8);
		out[n++] = (uint8_t)v;
	} else {
		out[n - 2] &= 0x7f;
		out[n++] = 0;
		out[n++] = 4;
		put_u32(out + n, v > UINT32_MAX ? UINT32_MAX : (uint32_t)v);
		n += 4;
	}
	*len = n;
}

static void
qm_r2_send(struct p2 *p2)
{
	struct p1 *p1 = p2->p1;
	struct isakmp_buf b;
	struct isakmp_notify n;
	uint8_t *ke = NULL, spi[4], life[32];
	size_t kelen = 0, lifelen = 0;
	char nm[160];

	put_u32(p2->sar + 16, p2->spi_in);
	p2->nrlen = p1->rm != NULL && p1->rm->nonce_size >= 8 &&
	    p1->rm->nonce_size <= IKEV1_NONCE_MAX ? p1->rm->nonce_size : 16;
	arc4random_buf(p2->nr, p2->nrlen);
	if (p2->sel.group != 0) {
		kelen = ike_dh_publen(p2->sel.group);
		if ((p2->dh = ike_dh_new(p2->sel.group)) == NULL ||
		    (ke = malloc(kelen)) == NULL ||
		    ike_dh_public(p2->dh, ke, kelen) != 0 ||
		    derive_gqm(p2) != 0) {
			free(ke);
			p2_notify(p2, ISAKMP_NTYPE_INVALID_KEY_INFORMATION);
			p2_fail(p2, "PFS failed");
			return;
		}
	}
	isakmp_buf_alloc(&b, 0);
	put_hash_placeholder(&b, p1);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, p2->sar, p2->sarlen);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, p2->nr, p2->nrlen);
	if (ke != NULL)
		isakmp_put_data(&b, ISAKMP_NPTYPE_KE, ke, kelen);
	free(ke);
	if (p2->idcilen > 0) {
		isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p2->idci, p2->idcilen);
		isakmp_put_data(&b, ISAKMP_NPTYPE_ID, p2->idcr, p2->idcrlen);
	}
	put_natoa(&b, p2);
	if (p2->resp_lifetime) {
		encode_life(life, &lifelen, IPSEC_ATTR_SA_LD_TYPE,
		    IPSEC_LIFE_SECONDS);
		encode_life(life, &lifelen, IPSEC_ATTR_SA_LD, p2->sel.life_s);
		if (p2->sel.life_b != 0) {
			encode_life(life, &lifelen, IPSEC_ATTR_SA_LD_TYPE,
			    IPSEC_LIFE_KILOBYTES);
			encode_life(life, &lifelen, IPSEC_ATTR_SA_LD,
			    (p2->sel.life_b + 1023) / 1024);
		}
		put_u32(spi, p2->spi_in);
		memset(&n, 0, sizeof(n));
		n.doi = ISAKMP_DOI_IPSEC;
		n.proto = p2->sel.proto;
		n.spisize = 4;
		n.spi = spi;
		n.type = ISAKMP_NTYPE_RESPONDER_LIFETIME;
		n.data = life;
		n.len = lifelen;
		isakmp_put_notify(&b, &n);
		ikev1_count_notify(true, n.type);
	}
	if (qm_send(p2, &b, 2, true) != 0) {
		p2_fail(p2, "cannot send QM2");
		return;
	}
	p2->state = P2S_MSG2SENT;
	log_debug("%s: QM2 sent, spi 0x%08x", p2name(p2, nm, sizeof(nm)),
	    p2->spi_in);
}

/* ------------------------------------------------------------ install */

static void
spd_done(void *arg, int error, uint32_t count, const char *why)
{
	if (error != 0)
		log_warnx("generated policy refused: %s", why);
}

static void
sa_deleted(void *arg, int error, uint32_t count, const char *why)
{
	if (error != 0 && error != ENOENT && error != ESRCH)
		log_debug("SA delete: %s", why);
}

/* Another live SA pair with the same selectors (it owns the policies). */
static struct p2 *
p2_same_sel(const struct p2 *p2)
{
	struct p2 *o;

	TAILQ_FOREACH(o, &ikev1->p2s, entry)
		if (o != p2 && (o->state == P2S_ESTABLISHED ||
		    o->state == P2S_INSTALLING) &&
		    o->satype == p2->satype && o->ulproto == p2->ulproto &&
		    sad_addr_cmp(&o->sel_local, &p2->sel_local) == 0 &&
		    sad_addr_cmp(&o->sel_peer, &p2->sel_peer) == 0 &&
		    o->sel_local.plen == p2->sel_local.plen &&
		    o->sel_peer.plen == p2->sel_peer.plen &&
		    o->sel_local.port == p2->sel_local.port &&
		    o->sel_peer.port == p2->sel_peer.port)
			return (o);
	return (NULL);
}

static void
gen_policy(struct p2 *p2)
{
	struct frame_spd sp;
	struct p2 *o;
	int d;

	if ((o = p2_same_sel(p2)) != NULL && o->gen_policy &&
	    p2->reqid == o->reqid)
		return;
	/*
	 * out, in, and for a tunnel fwd: Linux checks decapsulated
	 * traffic that is forwarded (a roaming peer's network behind us)
	 * against the fwd policy, not the in one, and drops it without.
	 * The parent leaves fwd out where the dialect has none.
	 */
	for (d = 0; d < (p2->mode == PFKEY_MODE_TUNNEL ? 3 : 2); d++) {
		memset(&sp, 0, sizeof(sp));
		sp.op = o != NULL ? PS_SPD_UPDATE : PS_SPD_ADD;
		sp.dir = d == 0 ? PFKEY_DIR_OUTBOUND : d == 1 ?
		    PFKEY_DIR_INBOUND : PFKEY_DIR_FWD;
		sp.sel_src = d == 0 ? p2->sel_local : p2->sel_peer;
		sp.sel_dst = d == 0 ? p2->sel_peer : p2->sel_local;
		sp.ulproto = p2->ulproto;
		sp.proto = p2->satype == PFKEY_SATYPE_AH ? IPPROTO_AH :
		    IPPROTO_ESP;
		sp.mode = p2->mode;
		sp.level = p2->level;
		sp.reqid = p2->reqid;
		if (p2->mode == PFKEY_MODE_TUNNEL) {
			sp.tun_src = d == 0 ? p2->local : p2->peer;
			sp.tun_dst = d == 0 ? p2->peer : p2->local;
		}
		sp.local = p2->local;
		sp.peer = p2->peer;
		if (frame_spd_add(&sp, spd_done, NULL) != 0)
			log_warnx("quick mode #%u: generated policy not sent",
			    p2->serial);
	}
	p2->gen_policy = true;
	if (o != NULL)
		o->gen_policy = false;
}

static void
installed_cb(void *arg, int error, uint32_t count, const char *why)
{
	struct p2 *p2 = arg;
	struct p1 *p1 = p2->p1;
	char nm[160];

	if (error != 0) {
		log_warnx("%s: SA not installed: %s",
		    p2name(p2, nm, sizeof(nm)), why);
		if (p2->install_error == 0)
			p2->install_error = error;
	}
	if (--p2->pending > 0)
		return;
	if (p2->install_error != 0) {
		ikev1->x.p2_failed++;
		if (p2->acq_seq != 0)
			frame_acquire_failed(p2->acq_seq, p2->satype,
			    p2->install_error);
		qm_sa_delete_both(p2, false);
		return;
	}
	p2->state = P2S_ESTABLISHED;
	timer_del(&p2->tmo);
	if (p2->side == P1_RESPONDER)
		timer_del(&p2->rtx);
	if (p1 != NULL) {
		if (p2->busy && p1->nego > 0)
			p1->nego--;
		p1->ph2count++;
	}
	p2->busy = false;
	ikev1->x.p2_established++;
	log_info("IPsec SA established: %s %s spi in 0x%08x out 0x%08x",
	    p2name(p2, nm, sizeof(nm)),
	    p2->mode == PFKEY_MODE_TUNNEL ? "tunnel" : "transport",
	    p2->spi_in, p2->spi_out);
	frame_event(PS_EVT_PHASE2_UP, &p2->local, &p2->peer, p2->satype,
	    p2->spi_in, "quick mode");
	p2->acq_seq = 0;
}

static void
qm_install(struct p2 *p2)
{
	struct p1 *p1 = p2->p1;
	struct ike_ipsec_alg alg;
	struct ike_keymat_in km;
	struct ike_ipsec_keys kin, kout;
	struct frame_sa s;
	uint16_t ealg, aalg;
	int rc1, rc2;

	memset(&alg, 0, sizeof(alg));
	alg.ia_proto = p2->sel.proto;
	alg.ia_transform = p2->sel.id;
	alg.ia_keybits = (int)p2->sel.keybits;
	alg.ia_auth = p2->sel.proto == ISAKMP_PROTO_ESP ? p2->sel.auth : 0;
	memset(&km, 0, sizeof(km));
	km.km_gqm = p2->gqm;
	km.km_gqmlen = p2->gqmlen;
	km.km_proto = p2->sel.proto;
	km.km_ni = p2->ni;
	km.km_nilen = p2->nilen;
	km.km_nr = p2->nr;
	km.km_nrlen = p2->nrlen;
	memset(&kin, 0, sizeof(kin));
	memset(&kout, 0, sizeof(kout));
	put_u32(km.km_spi, p2->spi_in);
	rc1 = ike_ipsec_keys(p1->prf, &p1->keys, &km, &alg, &kin);
	put_u32(km.km_spi, p2->spi_out);
	rc2 = ike_ipsec_keys(p1->prf, &p1->keys, &km, &alg, &kout);
	if (rc1 != 0 || rc2 != 0 || sa_ealg(&p2->sel, &ealg, &aalg) != 0) {
		ike_ipsec_keys_clear(&kin);
		ike_ipsec_keys_clear(&kout);
		p2_fail(p2, "cannot derive the keys");
		return;
	}
	if (p2->gqm != NULL) {
		freezero(p2->gqm, p2->gqmlen);
		p2->gqm = NULL;
		p2->gqmlen = 0;
	}
	if (p2->side == P1_RESPONDER && p1->rm != NULL &&
	    p1->rm->generate_policy != RCN_GENPOLICY_OFF)
		gen_policy(p2);
	memset(&s, 0, sizeof(s));
	s.satype = p2->satype;
	s.mode = p2->mode;
	s.reqid = p2->reqid;
	s.ealg = ealg;
	s.aalg = aalg;
	s.hard_seconds = p2->sel.life_s;
	s.hard_bytes = p2->sel.life_b;
	s.replay = IKEV1_REPLAY;
	if (p2->sel.esn)
		s.flags |= PS_SAF_ESN;
	if (p2->natt) {
		s.natt_type = IKEV1_NATT_ESPINUDP;
		if (p2->mode == PFKEY_MODE_TRANSPORT &&
		    p2->natoa_peer.af == p2->peer.af) {
			s.natt_oa_peer = p2->natoa_peer;
			s.natt_oa_local = p1->ep.local;
			s.natt_oa_local.port = 0;
			s.natt_oa_local.plen =
			    (uint8_t)sad_addr_bits(&s.natt_oa_local);
		}
	}
	/* Inbound: on the SPI GETSPI made. */
	s.op = PS_SA_UPDATE;
	s.spi = p2->spi_in;
	s.src = p2->peer;
	s.dst = p2->local;
	s.ekey = kin.ik_enc;
	s.ekeylen = kin.ik_enclen;
	s.akey = kin.ik_auth;
	s.akeylen = kin.ik_authlen;
	s.natt_sport = p2->natt ? p2->natt_pport : 0;
	s.natt_dport = p2->natt ? p2->natt_lport : 0;
	p2->state = P2S_INSTALLING;
	p2->pending = 2;
	p2->install_error = 0;
	p2->in_alive = p2->out_alive = true;
	if (frame_sa_install(&s, installed_cb, p2) != 0) {
		p2->pending--;
		p2->in_alive = false;
		p2->install_error = EIO;
	}
	/* Outbound. */
	s.op = PS_SA_ADD;
	s.spi = p2->spi_out;
	s.src = p2->local;
	s.dst = p2->peer;
	s.ekey = kout.ik_enc;
	s.ekeylen = kout.ik_enclen;
	s.akey = kout.ik_auth;
	s.akeylen = kout.ik_authlen;
	s.natt_sport = p2->natt ? p2->natt_lport : 0;
	s.natt_dport = p2->natt ? p2->natt_pport : 0;
	s.inbound_spi = p2->spi_in;
	if (frame_sa_install(&s, installed_cb, p2) != 0) {
		p2->pending--;
		p2->out_alive = false;
		p2->install_error = EIO;
	}
	ike_ipsec_keys_clear(&kin);
	ike_ipsec_keys_clear(&kout);
	explicit_bzero(&s, sizeof(s));
	if (p2->pending == 0) {
		p2->pending = 1;
		installed_cb(p2, EIO, 0, "the SAs could not be sent");
	}
}

void
qm_sa_delete_both(struct p2 *p2, bool send_delete)
{
	struct p2 *o;
	struct p1 *p1;
	uint8_t spi[4];
	char nm[160];

	if (send_delete && p2->spi_in != 0 &&
	    (p1 = p1_find_established(&p2->local, &p2->peer)) != NULL) {
		put_u32(spi, p2->spi_in);
		(void)info_send_delete(p1, p2->satype == PFKEY_SATYPE_AH ?
		    ISAKMP_PROTO_AH : ISAKMP_PROTO_ESP, spi, 4, 1);
	}
	if (p2->in_alive)
		(void)frame_sa_delete(p2->satype, p2->spi_in, &p2->peer,
		    &p2->local, sa_deleted, NULL);
	if (p2->out_alive)
		(void)frame_sa_delete(p2->satype, p2->spi_out, &p2->local,
		    &p2->peer, sa_deleted, NULL);
	p2->in_alive = p2->out_alive = false;
	if (p2->gen_policy) {
		if ((o = p2_same_sel(p2)) != NULL)
			o->gen_policy = true;
		else {
			(void)frame_spd_delete(PFKEY_DIR_OUTBOUND,
			    &p2->sel_local, &p2->sel_peer, p2->ulproto,
			    spd_done, NULL);
			(void)frame_spd_delete(PFKEY_DIR_INBOUND,
			    &p2->sel_peer, &p2->sel_local, p2->ulproto,
			    spd_done, NULL);
			if (p2->mode == PFKEY_MODE_TUNNEL)
				(void)frame_spd_delete(PFKEY_DIR_FWD,
				    &p2->sel_peer, &p2->sel_local,
				    p2->ulproto, spd_done, NULL);
		}
	}
	if (p2->state == P2S_ESTABLISHED) {
		log_info("IPsec SA deleted: %s", p2name(p2, nm, sizeof(nm)));
		frame_event(PS_EVT_PHASE2_DOWN, &p2->local, &p2->peer,
		    p2->satype, p2->spi_in, "deleted");
	}
	if (p2->p1 != NULL && p2->busy && p2->p1->nego > 0) {
		p2->p1->nego--;
		p2->busy = false;
	}
	p2_free(p2, "deleted");
}

/* ------------------------------------------------------------ receive */

void
qm_recv(struct p1 *p1, const struct isakmp_msg *cm,
    const struct ike_endpoint *ep, const uint8_t *data, size_t len)
{
	struct isakmp_msg *m = (struct isakmp_msg *)(uintptr_t)cm;
	struct p2 *p2;
	uint8_t dg[32], iv[IKE_BLOCK_MAXLEN], *plain = NULL;
	size_t plen = 0;
	int rc;
	char nm[160];

	if (m->hdr.msgid == 0) {
		log_debug("%s: quick mode with message id 0", __func__);
		ikev1->st.dropped++;
		return;
	}
	p1_digest(data, len, dg);
	TAILQ_FOREACH(p2, &ikev1->p2s, entry)
		if (p2->p1 == p1 && p2->msgid == m->hdr.msgid &&
		    p2->state != P2S_DEAD)
			break;
	if (p2 == NULL) {
		/* A new exchange: the peer is the initiator. */
		if (p1_mid_seen(p1, m->hdr.msgid)) {
			log_info("quick mode with a used message id from %s: "
			    "replay dropped", ikev1_p1name(p1, nm,
			    sizeof(nm)));
			ikev1->x.duplicates++;
			ikev1->st.dropped++;
			return;
		}
		if (ike_p2_iv(p1->prf, p1->iv, p1->blocklen, m->hdr.msgid,
		    iv) != 0)
			return;
		rc = qm_open(p1, m, iv, 1, NULL, &plain, &plen);
		if (rc != 0) {
			if (rc == -2) {
				log_warnx("quick mode from %s: HASH(1) is "
				    "wrong", ikev1_p1name(p1, nm,
				    sizeof(nm)));
				(void)info_send_notify(p1,
				    ISAKMP_NTYPE_INVALID_HASH_INFORMATION, 0,
				    NULL, 0, NULL, 0);
			}
			if (plain != NULL)
				freezero(plain, plen);
			ikev1->st.dropped++;
			return;
		}
		qm_r1_recv(p1, m, iv, dg);
		freezero(plain, plen);
		return;
	}
	if (p2->have_rx && memcmp(dg, p2->rxdig, 32) == 0) {
		/* Our answer was lost: the same answer again. */
		ikev1->x.duplicates++;
		if (p2->tx != NULL && p2->state != P2S_GETSPI &&
		    mono_ms() - p2->tx_ms >= IKEV1_DUP_GAP) {
			log_debug("%s: a copy: answered again",
			    p2name(p2, nm, sizeof(nm)));
			p2->tx_ms = mono_ms();
			ikev1_xmit(p1, p2->tx, p2->txlen);
		}
		return;
	}
	memcpy(iv, p2->iv, p1->blocklen);
	if (p2->side == P1_INITIATOR && p2->state == P2S_MSG1SENT) {
		rc = qm_open(p1, m, iv, 2, p2, &plain, &plen);
		if (rc == 0) {
			memcpy(p2->iv, iv, p1->blocklen);
			memcpy(p2->rxdig, dg, 32);
			p2->have_rx = true;
			qm_i2_recv(p2, m);
		}
	} else if (p2->side == P1_RESPONDER && p2->state == P2S_MSG2SENT) {
		rc = qm_open(p1, m, iv, 3, p2, &plain, &plen);
		if (rc == 0) {
			memcpy(p2->iv, iv, p1->blocklen);
			memcpy(p2->rxdig, dg, 32);
			p2->have_rx = true;
			/* QM3 ends it: nothing to answer a copy with. */
			timer_del(&p2->rtx);
			freezero(p2->tx, p2->txlen);
			p2->tx = NULL;
			p2->txlen = 0;
			qm_install(p2);
		}
	} else {
		log_debug("%s: message not expected now",
		    p2name(p2, nm, sizeof(nm)));
		ikev1->st.dropped++;
		return;
	}
	if (rc == -2) {
		log_warnx("%s: the HASH is wrong", p2name(p2, nm, sizeof(nm)));
		p2_notify(p2, ISAKMP_NTYPE_INVALID_HASH_INFORMATION);
		ikev1->st.dropped++;
	} else if (rc == -1)
		ikev1->st.dropped++;
	if (plain != NULL)
		freezero(plain, plen);
}
