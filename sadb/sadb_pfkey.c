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
 * The bridge between the model and PF_KEY: the one place that knows the
 * wire.  Everything dialect-specific about SAs and policies is decided
 * here, in one direction and its inverse next to it, so that
 * sad_from_pfkey(decode(sad_to_pfkey(e))) == e holds for every entry the
 * dialect can express.
 *
 * Replay windows: the model counts packets.  Linux's sadb_sa_replay is in
 * packets; FreeBSD's is in bytes of bitmap (packets / 8), and FreeBSD adds
 * X_SA_REPLAY (packets) when that does not fit.  We send X_SA_REPLAY
 * whenever the u8 cannot say the window exactly (beyond 255, or on FreeBSD
 * not a multiple of 8) and prefer it when reading.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "sadb.h"

#define SA_ADDR_PROTO_ANY	255	/* sadb_address_proto of an SA */

static bool
is_freebsd(enum pfkey_dialect d)
{
	return (pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD);
}

/* PF_KEY algorithm kind of the sadb_sa_encrypt field for an SA type. */
static enum pfkey_alg_kind
enc_kind(uint8_t satype)
{
	return (satype == PFKEY_SATYPE_IPCOMP ? PFKEY_ALG_COMP :
	    PFKEY_ALG_ENCRYPT);
}

static int
alg_out(enum pfkey_dialect d, enum pfkey_alg_kind kind, uint16_t alg,
    uint8_t *wire)
{
	int w;

	if (SAD_ALG_IS_RAW(alg)) {
		*wire = SAD_ALG_RAW_WIRE(alg);
		return (0);
	}
	if ((w = pfkey_alg_to_wire(d, kind, alg)) < 0 || w > 255)
		return (SAD_ERR_DIALECT);
	*wire = (uint8_t)w;
	return (0);
}

static uint16_t
alg_in(enum pfkey_dialect d, enum pfkey_alg_kind kind, uint8_t wire)
{
	int l = pfkey_alg_from_wire(d, kind, wire);

	return (l < 0 ? SAD_ALG_RAW(wire) : (uint16_t)l);
}

static int
pk(int rc)
{
	return (rc == 0 ? 0 : (rc == PFKEY_ERR_DIALECT ? SAD_ERR_DIALECT :
	    SAD_ERR_PFKEY));
}

static int
put_addr(struct pfkey_buf *b, int ext, const struct sad_addr *a,
    uint8_t proto)
{
	struct sockaddr_storage ss;

	if (sad_addr_to_sockaddr(a, &ss) == 0)
		return (SAD_ERR_FAMILY);
	return (pk(pfkey_put_address(b, ext, (struct sockaddr *)&ss,
	    a->plen, proto)));
}

static int
get_addr(const struct pfkey_msg *m, int ext, struct sad_addr *a,
    uint8_t *proto)
{
	struct sockaddr_storage ss;
	uint8_t plen;
	int rc;

	if ((rc = pfkey_get_address(m, ext, &ss, &plen, proto)) != 0)
		return (rc == PFKEY_ERR_NOENT ? SAD_ERR_NOENT : SAD_ERR_MSG);
	return (sad_addr_from_sockaddr(a, (struct sockaddr *)&ss, plen));
}

static void
lt_out(struct pfkey_lifetime_args *o, const struct sad_lifetime *l)
{
	o->allocations = l->allocations;
	o->bytes = l->bytes;
	o->addtime = l->addtime;
	o->usetime = l->usetime;
}

static void
lt_in(struct sad_lifetime *l, const struct sadb_lifetime *w)
{
	l->allocations = w->sadb_lifetime_allocations;
	l->bytes = w->sadb_lifetime_bytes;
	l->addtime = w->sadb_lifetime_addtime;
	l->usetime = w->sadb_lifetime_usetime;
}

static int
put_lifetimes(struct pfkey_buf *b, uint32_t has, uint32_t hcur,
    uint32_t hhard, uint32_t hsoft, const struct sad_lifetime *cur,
    const struct sad_lifetime *hard, const struct sad_lifetime *soft,
    int flags)
{
	struct pfkey_lifetime_args lt;
	int rc;

	if ((flags & SAD_PK_CURRENT) || (has & hcur)) {
		lt_out(&lt, cur);
		if ((rc = pk(pfkey_put_lifetime(b,
		    PFKEY_EXT_LIFETIME_CURRENT, &lt))) != 0)
			return (rc);
	}
	if (flags & SAD_PK_NO_LIFETIMES)
		return (0);
	if (has & hhard) {
		lt_out(&lt, hard);
		if ((rc = pk(pfkey_put_lifetime(b, PFKEY_EXT_LIFETIME_HARD,
		    &lt))) != 0)
			return (rc);
	}
	if (has & hsoft) {
		lt_out(&lt, soft);
		if ((rc = pk(pfkey_put_lifetime(b, PFKEY_EXT_LIFETIME_SOFT,
		    &lt))) != 0)
			return (rc);
	}
	return (0);
}

static int
put_ident(struct pfkey_buf *b, int ext, const struct sad_ident *id)
{
	size_t len = id->str != NULL ? strlen(id->str) : 0;

	return (pk(pfkey_put_identity(b, ext, id->type, id->id, id->str,
	    len)));
}

static int
get_ident(const struct pfkey_msg *m, int ext, struct sad_ident *id)
{
	const struct sadb_ident *w = PFKEY_EXT(m, ext, sadb_ident);
	size_t len = (size_t)w->sadb_ident_len * 8;

	id->type = w->sadb_ident_type;
	id->id = w->sadb_ident_id;
	/* the decoder checked the string is NUL terminated */
	if (len > sizeof(*w) && (id->str = strdup((const char *)(w + 1))) ==
	    NULL)
		return (SAD_ERR_NOMEM);
	return (0);
}

int
sad_to_pfkey(const struct sad_entry *e, struct pfkey_buf *b, int flags)
{
	enum pfkey_dialect d = b->dialect;
	const struct sad_extra *x = e->x;
	struct pfkey_sa_args sa;
	uint32_t bytes;
	bool exact;
	int rc;

	if (e->has & SAD_HAS_SA_FIELDS) {
		memset(&sa, 0, sizeof(sa));
		sa.spi = htonl(e->spi);
		sa.state = e->state;
		sa.flags = e->flags;
		if ((rc = alg_out(d, PFKEY_ALG_AUTH, e->aalg, &sa.auth)) != 0 ||
		    (rc = alg_out(d, enc_kind(e->satype), e->ealg,
		    &sa.encrypt)) != 0)
			return (rc);
		if (is_freebsd(d)) {
			bytes = (e->replay + 7) / 8;
			sa.replay = bytes > 255 ? 255 : (uint8_t)bytes;
			exact = bytes <= 255 && e->replay % 8 == 0;
		} else {
			sa.replay = e->replay > 255 ? 255 : (uint8_t)e->replay;
			exact = e->replay <= 255;
		}
		if ((rc = pk(pfkey_put_sa(b, &sa))) != 0)
			return (rc);
		if (!exact && (rc = pk(pfkey_put_sa_replay(b,
		    e->replay))) != 0)
			return (rc);
	}
	if ((e->has & SAD_HAS_SA2_FIELDS) && (rc = pk(pfkey_put_sa2(b,
	    e->mode, e->seq, e->reqid))) != 0)
		return (rc);
	if ((rc = put_lifetimes(b, e->has, SAD_HAS_LT_CUR, SAD_HAS_LT_HARD,
	    SAD_HAS_LT_SOFT, &e->cur, &e->hard, &e->soft, flags)) != 0)
		return (rc);
	if (e->src.af != AF_UNSPEC && (rc = put_addr(b,
	    PFKEY_EXT_ADDRESS_SRC, &e->src, SA_ADDR_PROTO_ANY)) != 0)
		return (rc);
	if (e->dst.af != AF_UNSPEC && (rc = put_addr(b,
	    PFKEY_EXT_ADDRESS_DST, &e->dst, SA_ADDR_PROTO_ANY)) != 0)
		return (rc);
	if (flags & SAD_PK_KEYS) {
		if ((e->has & SAD_HAS_AKEY) && (rc = pk(pfkey_put_key(b,
		    PFKEY_EXT_KEY_AUTH, e->akey.data, e->akey.bits))) != 0)
			return (rc);
		if ((e->has & SAD_HAS_EKEY) && (rc = pk(pfkey_put_key(b,
		    PFKEY_EXT_KEY_ENCRYPT, e->ekey.data, e->ekey.bits))) != 0)
			return (rc);
	}
	if (x == NULL)
		return (0);
	if ((e->has & SAD_HAS_PROXY) && (rc = put_addr(b,
	    PFKEY_EXT_ADDRESS_PROXY, &x->proxy, SA_ADDR_PROTO_ANY)) != 0)
		return (rc);
	if ((e->has & SAD_HAS_IDENT_SRC) &&
	    (rc = put_ident(b, PFKEY_EXT_IDENTITY_SRC, &x->ident_src)) != 0)
		return (rc);
	if ((e->has & SAD_HAS_IDENT_DST) &&
	    (rc = put_ident(b, PFKEY_EXT_IDENTITY_DST, &x->ident_dst)) != 0)
		return (rc);
	if (e->has & SAD_HAS_NATT) {
		if ((rc = pk(pfkey_put_nat_t_type(b, x->natt_type))) != 0 ||
		    (rc = pk(pfkey_put_nat_t_port(b,
		    PFKEY_EXT_X_NAT_T_SPORT, htons(x->natt_sport)))) != 0 ||
		    (rc = pk(pfkey_put_nat_t_port(b,
		    PFKEY_EXT_X_NAT_T_DPORT, htons(x->natt_dport)))) != 0)
			return (rc);
	}
	if ((e->has & SAD_HAS_NATT_OA) && (rc = put_addr(b,
	    PFKEY_EXT_X_NAT_T_OA, &x->natt_oa, SA_ADDR_PROTO_ANY)) != 0)
		return (rc);
	if ((e->has & SAD_HAS_NATT_OAR) && (rc = put_addr(b,
	    PFKEY_EXT_X_NAT_T_OAR, &x->natt_oar, SA_ADDR_PROTO_ANY)) != 0)
		return (rc);
	if ((e->has & SAD_HAS_NATT_FRAG) &&
	    (rc = pk(pfkey_put_nat_t_frag(b, x->natt_frag))) != 0)
		return (rc);
	if ((e->has & SAD_HAS_CTX) && (rc = pk(pfkey_put_sec_ctx(b,
	    x->ctx_doi, x->ctx_alg, x->ctx, x->ctx_len))) != 0)
		return (rc);
	return (0);
}

int
sad_from_pfkey(const struct pfkey_msg *m, struct sad_entry *e)
{
	enum pfkey_dialect d = m->dialect;
	const struct sadb_sa *sa = PFKEY_EXT(m, PFKEY_EXT_SA, sadb_sa);
	const struct sadb_x_sa2 *sa2 = PFKEY_EXT(m, PFKEY_EXT_X_SA2,
	    sadb_x_sa2);
	const struct pfkey_x_sa_replay *rp = PFKEY_EXT(m,
	    PFKEY_EXT_X_SA_REPLAY, pfkey_x_sa_replay);
	const struct sadb_x_nat_t_type *nt;
	const struct sadb_x_nat_t_port *np;
	const struct pfkey_x_nat_t_frag *fr;
	const struct pfkey_x_sec_ctx *ctx;
	struct sad_extra *x;
	const uint8_t *key;
	unsigned bits;
	int rc;

	sad_entry_init(e);
	e->satype = m->hdr->sadb_msg_satype;
	e->pid = m->hdr->sadb_msg_pid;
	if (sa != NULL) {
		e->has |= SAD_HAS_SA_FIELDS;
		e->spi = ntohl(sa->sadb_sa_spi);
		e->state = sa->sadb_sa_state;
		e->flags = sa->sadb_sa_flags;
		e->aalg = alg_in(d, PFKEY_ALG_AUTH, sa->sadb_sa_auth);
		e->ealg = alg_in(d, enc_kind(e->satype), sa->sadb_sa_encrypt);
		if (rp != NULL)
			e->replay = rp->replay;
		else if (is_freebsd(d))
			e->replay = (uint32_t)sa->sadb_sa_replay * 8;
		else
			e->replay = sa->sadb_sa_replay;
	}
	if (sa2 != NULL) {
		e->has |= SAD_HAS_SA2_FIELDS;
		e->mode = sa2->sadb_x_sa2_mode;
		e->seq = sa2->sadb_x_sa2_sequence;
		e->reqid = sa2->sadb_x_sa2_reqid;
	}
	if (m->ext[PFKEY_EXT_LIFETIME_CURRENT] != NULL) {
		e->has |= SAD_HAS_LT_CUR;
		lt_in(&e->cur, PFKEY_EXT(m, PFKEY_EXT_LIFETIME_CURRENT,
		    sadb_lifetime));
	}
	if (m->ext[PFKEY_EXT_LIFETIME_HARD] != NULL) {
		e->has |= SAD_HAS_LT_HARD;
		lt_in(&e->hard, PFKEY_EXT(m, PFKEY_EXT_LIFETIME_HARD,
		    sadb_lifetime));
	}
	if (m->ext[PFKEY_EXT_LIFETIME_SOFT] != NULL) {
		e->has |= SAD_HAS_LT_SOFT;
		lt_in(&e->soft, PFKEY_EXT(m, PFKEY_EXT_LIFETIME_SOFT,
		    sadb_lifetime));
	}
	if ((rc = get_addr(m, PFKEY_EXT_ADDRESS_SRC, &e->src, NULL)) != 0 &&
	    rc != SAD_ERR_NOENT)
		goto fail;
	if ((rc = get_addr(m, PFKEY_EXT_ADDRESS_DST, &e->dst, NULL)) != 0 &&
	    rc != SAD_ERR_NOENT)
		goto fail;
	if (pfkey_get_key(m, PFKEY_EXT_KEY_AUTH, &key, &bits) == 0) {
		e->has |= SAD_HAS_AKEY;
		if ((rc = sad_key_set(&e->akey, key, bits)) != 0)
			goto fail;
	}
	if (pfkey_get_key(m, PFKEY_EXT_KEY_ENCRYPT, &key, &bits) == 0) {
		e->has |= SAD_HAS_EKEY;
		if ((rc = sad_key_set(&e->ekey, key, bits)) != 0)
			goto fail;
	}

	/* The rarely used extensions go to the extras. */
	if (m->ext[PFKEY_EXT_ADDRESS_PROXY] == NULL &&
	    m->ext[PFKEY_EXT_IDENTITY_SRC] == NULL &&
	    m->ext[PFKEY_EXT_IDENTITY_DST] == NULL &&
	    m->ext[PFKEY_EXT_X_NAT_T_TYPE] == NULL &&
	    m->ext[PFKEY_EXT_X_NAT_T_SPORT] == NULL &&
	    m->ext[PFKEY_EXT_X_NAT_T_DPORT] == NULL &&
	    m->ext[PFKEY_EXT_X_NAT_T_OA] == NULL &&
	    m->ext[PFKEY_EXT_X_NAT_T_OAR] == NULL &&
	    m->ext[PFKEY_EXT_X_NAT_T_FRAG] == NULL &&
	    m->ext[PFKEY_EXT_X_SEC_CTX] == NULL)
		return (0);
	if ((x = sad_entry_extra(e)) == NULL) {
		rc = SAD_ERR_NOMEM;
		goto fail;
	}
	if (m->ext[PFKEY_EXT_ADDRESS_PROXY] != NULL) {
		e->has |= SAD_HAS_PROXY;
		if ((rc = get_addr(m, PFKEY_EXT_ADDRESS_PROXY, &x->proxy,
		    NULL)) != 0)
			goto fail;
	}
	if (m->ext[PFKEY_EXT_IDENTITY_SRC] != NULL) {
		e->has |= SAD_HAS_IDENT_SRC;
		if ((rc = get_ident(m, PFKEY_EXT_IDENTITY_SRC,
		    &x->ident_src)) != 0)
			goto fail;
	}
	if (m->ext[PFKEY_EXT_IDENTITY_DST] != NULL) {
		e->has |= SAD_HAS_IDENT_DST;
		if ((rc = get_ident(m, PFKEY_EXT_IDENTITY_DST,
		    &x->ident_dst)) != 0)
			goto fail;
	}
	if ((nt = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_TYPE, sadb_x_nat_t_type)) !=
	    NULL) {
		e->has |= SAD_HAS_NATT;
		x->natt_type = nt->sadb_x_nat_t_type_type;
	}
	if ((np = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_SPORT, sadb_x_nat_t_port)) !=
	    NULL) {
		e->has |= SAD_HAS_NATT;
		x->natt_sport = ntohs(np->sadb_x_nat_t_port_port);
	}
	if ((np = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_DPORT, sadb_x_nat_t_port)) !=
	    NULL) {
		e->has |= SAD_HAS_NATT;
		x->natt_dport = ntohs(np->sadb_x_nat_t_port_port);
	}
	if (m->ext[PFKEY_EXT_X_NAT_T_OA] != NULL) {
		e->has |= SAD_HAS_NATT_OA;
		if ((rc = get_addr(m, PFKEY_EXT_X_NAT_T_OA, &x->natt_oa,
		    NULL)) != 0)
			goto fail;
	}
	if (m->ext[PFKEY_EXT_X_NAT_T_OAR] != NULL) {
		e->has |= SAD_HAS_NATT_OAR;
		if ((rc = get_addr(m, PFKEY_EXT_X_NAT_T_OAR, &x->natt_oar,
		    NULL)) != 0)
			goto fail;
	}
	if ((fr = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_FRAG, pfkey_x_nat_t_frag)) !=
	    NULL) {
		e->has |= SAD_HAS_NATT_FRAG;
		x->natt_frag = fr->fraglen;
	}
	if ((ctx = PFKEY_EXT(m, PFKEY_EXT_X_SEC_CTX, pfkey_x_sec_ctx)) !=
	    NULL) {
		e->has |= SAD_HAS_CTX;
		x->ctx_doi = ctx->doi;
		x->ctx_alg = ctx->alg;
		x->ctx_len = ctx->ctx_len;
		if (ctx->ctx_len > 0) {
			if ((x->ctx = malloc(ctx->ctx_len)) == NULL) {
				rc = SAD_ERR_NOMEM;
				goto fail;
			}
			memcpy(x->ctx, ctx + 1, ctx->ctx_len);
		}
	}
	return (0);
 fail:
	sad_entry_clear(e);
	return (rc);
}

/* ------------------------------------------------------------- policies */

static void
req_out(struct pfkey_ipsecreq *o, const struct spd_request *r)
{
	memset(o, 0, sizeof(*o));
	o->proto = r->proto;
	o->mode = r->mode;
	o->level = r->level;
	o->reqid = r->reqid;
	(void)sad_addr_to_sockaddr(&r->src, &o->src);
	(void)sad_addr_to_sockaddr(&r->dst, &o->dst);
}

static int
req_in(struct spd_request *r, const struct pfkey_ipsecreq *o)
{
	int rc;

	memset(r, 0, sizeof(*r));
	r->proto = (uint8_t)o->proto;
	r->mode = o->mode;
	r->level = o->level;
	r->reqid = o->reqid;
	if (o->src.ss_family != AF_UNSPEC) {
		if ((rc = sad_addr_from_sockaddr(&r->src,
		    (const struct sockaddr *)&o->src, 0)) != 0 ||
		    (rc = sad_addr_from_sockaddr(&r->dst,
		    (const struct sockaddr *)&o->dst, 0)) != 0)
			return (rc);
		/* endpoints are hosts: keep the full prefix */
		r->src.plen = (uint8_t)sad_addr_bits(&r->src);
		r->dst.plen = (uint8_t)sad_addr_bits(&r->dst);
	}
	return (0);
}

int
spd_to_pfkey(const struct spd_entry *p, struct pfkey_buf *b, int flags)
{
	struct pfkey_policy pol;
	unsigned i;
	int rc;

	if (p->nreq > SPD_MAXREQ)
		return (SAD_ERR_INVAL);
	if (p->sel.src.af != AF_UNSPEC && (rc = put_addr(b,
	    PFKEY_EXT_ADDRESS_SRC, &p->sel.src, p->sel.proto)) != 0)
		return (rc);
	if (p->sel.dst.af != AF_UNSPEC && (rc = put_addr(b,
	    PFKEY_EXT_ADDRESS_DST, &p->sel.dst, p->sel.proto)) != 0)
		return (rc);
	memset(&pol, 0, sizeof(pol));
	pol.type = p->action;
	pol.dir = p->dir;
	pol.scope = p->scope;
	pol.id = p->id;
	pol.priority = p->priority;
	pol.nreq = p->nreq;
	for (i = 0; i < p->nreq; i++)
		req_out(&pol.req[i], &p->req[i]);
	if ((rc = pk(pfkey_put_policy(b, &pol))) != 0)
		return (rc);
	if ((rc = put_lifetimes(b, p->has, SPD_HAS_LT_CUR, SPD_HAS_LT_HARD,
	    SPD_HAS_LT_SOFT, &p->cur, &p->hard, &p->soft, flags)) != 0)
		return (rc);
	if ((p->has & SPD_HAS_CTX) && (rc = pk(pfkey_put_sec_ctx(b,
	    p->ctx_doi, p->ctx_alg, p->ctx, p->ctx_len))) != 0)
		return (rc);
	return (0);
}

int
spd_from_pfkey(const struct pfkey_msg *m, struct spd_entry *p)
{
	const struct pfkey_x_sec_ctx *ctx;
	struct pfkey_policy pol;
	uint8_t sproto = SPD_PROTO_ANY, dproto;
	unsigned i;
	int rc;

	spd_entry_init(p);
	p->pid = m->hdr->sadb_msg_pid;
	if ((rc = pfkey_get_policy(m, &pol)) != 0)
		return (rc == PFKEY_ERR_NOENT ? SAD_ERR_MSG : SAD_ERR_INVAL);
	if ((rc = get_addr(m, PFKEY_EXT_ADDRESS_SRC, &p->sel.src,
	    &sproto)) != 0 && rc != SAD_ERR_NOENT)
		goto fail;
	if ((rc = get_addr(m, PFKEY_EXT_ADDRESS_DST, &p->sel.dst,
	    &dproto)) != 0 && rc != SAD_ERR_NOENT)
		goto fail;
	p->sel.proto = sproto;
	p->action = (uint8_t)pol.type;
	p->dir = pol.dir;
	p->scope = pol.scope;
	p->id = pol.id;
	p->priority = pol.priority;
	if (p->id != 0)
		p->has |= SPD_HAS_ID;
	if (p->priority != 0)
		p->has |= SPD_HAS_PRIORITY;
	if (p->scope != 0)
		p->has |= SPD_HAS_SCOPE;
	p->nreq = pol.nreq;
	for (i = 0; i < pol.nreq; i++)
		if ((rc = req_in(&p->req[i], &pol.req[i])) != 0)
			goto fail;
	if (m->ext[PFKEY_EXT_LIFETIME_CURRENT] != NULL) {
		p->has |= SPD_HAS_LT_CUR;
		lt_in(&p->cur, PFKEY_EXT(m, PFKEY_EXT_LIFETIME_CURRENT,
		    sadb_lifetime));
	}
	if (m->ext[PFKEY_EXT_LIFETIME_HARD] != NULL) {
		p->has |= SPD_HAS_LT_HARD;
		lt_in(&p->hard, PFKEY_EXT(m, PFKEY_EXT_LIFETIME_HARD,
		    sadb_lifetime));
	}
	if (m->ext[PFKEY_EXT_LIFETIME_SOFT] != NULL) {
		p->has |= SPD_HAS_LT_SOFT;
		lt_in(&p->soft, PFKEY_EXT(m, PFKEY_EXT_LIFETIME_SOFT,
		    sadb_lifetime));
	}
	if ((ctx = PFKEY_EXT(m, PFKEY_EXT_X_SEC_CTX, pfkey_x_sec_ctx)) !=
	    NULL) {
		p->has |= SPD_HAS_CTX;
		p->ctx_doi = ctx->doi;
		p->ctx_alg = ctx->alg;
		p->ctx_len = ctx->ctx_len;
		if (ctx->ctx_len > 0) {
			if ((p->ctx = malloc(ctx->ctx_len)) == NULL) {
				rc = SAD_ERR_NOMEM;
				goto fail;
			}
			memcpy(p->ctx, ctx + 1, ctx->ctx_len);
		}
	}
	return (0);
 fail:
	spd_entry_clear(p);
	return (rc);
}
