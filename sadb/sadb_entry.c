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
 * The model's entries: construction, deep copy and equality, and the
 * consistency checks every producer (setkey, sadbd, racoon-ng) relies on.
 * Key material lives in its own allocation and is wiped when released.
 */

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>

#include "sadb.h"

int
sad_key_set(struct sad_key *k, const void *data, unsigned bits)
{
	size_t len = ((size_t)bits + 7) / 8;

	sad_key_clear(k);
	if (bits > UINT16_MAX)
		return (SAD_ERR_INVAL);
	if (len > 0) {
		if ((k->data = malloc(len)) == NULL)
			return (SAD_ERR_NOMEM);
		memcpy(k->data, data, len);
	}
	k->bits = (uint16_t)bits;
	k->len = (uint16_t)len;
	return (0);
}

void
sad_key_clear(struct sad_key *k)
{
	if (k->data != NULL)
		freezero(k->data, k->len);
	memset(k, 0, sizeof(*k));
}

static void
ident_clear(struct sad_ident *id)
{
	free(id->str);
	memset(id, 0, sizeof(*id));
}

static int
ident_copy(struct sad_ident *dst, const struct sad_ident *src)
{
	*dst = *src;
	if (src->str != NULL && (dst->str = strdup(src->str)) == NULL)
		return (SAD_ERR_NOMEM);
	return (0);
}

void
sad_entry_init(struct sad_entry *e)
{
	memset(e, 0, sizeof(*e));
}

void
sad_entry_clear(struct sad_entry *e)
{
	sad_key_clear(&e->akey);
	sad_key_clear(&e->ekey);
	if (e->x != NULL) {
		free(e->x->ctx);
		ident_clear(&e->x->ident_src);
		ident_clear(&e->x->ident_dst);
		free(e->x);
	}
	memset(e, 0, sizeof(*e));
}

struct sad_extra *
sad_entry_extra(struct sad_entry *e)
{
	if (e->x == NULL)
		e->x = calloc(1, sizeof(*e->x));
	return (e->x);
}

int
sad_entry_copy(struct sad_entry *dst, const struct sad_entry *src)
{
	int rc;

	*dst = *src;
	dst->akey.data = dst->ekey.data = NULL;
	dst->x = NULL;
	if ((rc = sad_key_set(&dst->akey, src->akey.data, src->akey.bits)) != 0 ||
	    (rc = sad_key_set(&dst->ekey, src->ekey.data, src->ekey.bits)) != 0)
		goto fail;
	if (src->x != NULL) {
		if ((dst->x = malloc(sizeof(*dst->x))) == NULL) {
			rc = SAD_ERR_NOMEM;
			goto fail;
		}
		*dst->x = *src->x;
		dst->x->ctx = NULL;
		dst->x->ident_src.str = dst->x->ident_dst.str = NULL;
		if (src->x->ctx_len > 0) {
			if ((dst->x->ctx = malloc(src->x->ctx_len)) == NULL) {
				rc = SAD_ERR_NOMEM;
				goto fail;
			}
			memcpy(dst->x->ctx, src->x->ctx, src->x->ctx_len);
		}
		if ((rc = ident_copy(&dst->x->ident_src,
		    &src->x->ident_src)) != 0 ||
		    (rc = ident_copy(&dst->x->ident_dst,
		    &src->x->ident_dst)) != 0)
			goto fail;
	}
	return (0);
 fail:
	sad_entry_clear(dst);
	return (rc);
}

static bool
addr_equal(const struct sad_addr *a, const struct sad_addr *b)
{
	if (a->af != b->af)
		return (false);
	if (a->af == AF_UNSPEC)
		return (true);
	return (a->plen == b->plen && a->port == b->port &&
	    a->scope == b->scope && sad_addr_cmp(a, b) == 0);
}

static bool
key_equal(const struct sad_key *a, const struct sad_key *b)
{
	if (a->bits != b->bits || a->len != b->len)
		return (false);
	return (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static bool
lt_equal(const struct sad_lifetime *a, const struct sad_lifetime *b)
{
	return (a->allocations == b->allocations && a->bytes == b->bytes &&
	    a->addtime == b->addtime && a->usetime == b->usetime);
}

static bool
ident_equal(const struct sad_ident *a, const struct sad_ident *b)
{
	if (a->type != b->type || a->id != b->id)
		return (false);
	if (a->str == NULL || b->str == NULL)
		return (a->str == b->str);
	return (strcmp(a->str, b->str) == 0);
}

bool
sad_entry_equal(const struct sad_entry *a, const struct sad_entry *b)
{
	static const struct sad_extra none;
	const struct sad_extra *x, *y;
	uint32_t h = a->has;

	if (a->has != b->has || a->satype != b->satype || a->pid != b->pid)
		return (false);
#define F(flag, cond)	if ((h & (flag)) && !(cond)) return (false)
	F(SAD_HAS_SPI, a->spi == b->spi);
	F(SAD_HAS_STATE, a->state == b->state);
	F(SAD_HAS_MODE, a->mode == b->mode);
	F(SAD_HAS_REQID, a->reqid == b->reqid);
	F(SAD_HAS_SEQ, a->seq == b->seq);
	F(SAD_HAS_REPLAY, a->replay == b->replay);
	F(SAD_HAS_FLAGS, a->flags == b->flags);
	F(SAD_HAS_AALG, a->aalg == b->aalg);
	F(SAD_HAS_EALG, a->ealg == b->ealg);
	F(SAD_HAS_AKEY, key_equal(&a->akey, &b->akey));
	F(SAD_HAS_EKEY, key_equal(&a->ekey, &b->ekey));
	F(SAD_HAS_LT_CUR, lt_equal(&a->cur, &b->cur));
	F(SAD_HAS_LT_HARD, lt_equal(&a->hard, &b->hard));
	F(SAD_HAS_LT_SOFT, lt_equal(&a->soft, &b->soft));
	if (!addr_equal(&a->src, &b->src) || !addr_equal(&a->dst, &b->dst))
		return (false);
	x = a->x != NULL ? a->x : &none;
	y = b->x != NULL ? b->x : &none;
	F(SAD_HAS_PROXY, addr_equal(&x->proxy, &y->proxy));
	F(SAD_HAS_NATT, x->natt_type == y->natt_type &&
	    x->natt_sport == y->natt_sport && x->natt_dport == y->natt_dport);
	F(SAD_HAS_NATT_OA, addr_equal(&x->natt_oa, &y->natt_oa));
	F(SAD_HAS_NATT_OAR, addr_equal(&x->natt_oar, &y->natt_oar));
	F(SAD_HAS_NATT_FRAG, x->natt_frag == y->natt_frag);
	F(SAD_HAS_CTX, x->ctx_doi == y->ctx_doi && x->ctx_alg == y->ctx_alg &&
	    x->ctx_len == y->ctx_len &&
	    (x->ctx_len == 0 || memcmp(x->ctx, y->ctx, x->ctx_len) == 0));
	F(SAD_HAS_IDENT_SRC, ident_equal(&x->ident_src, &y->ident_src));
	F(SAD_HAS_IDENT_DST, ident_equal(&x->ident_dst, &y->ident_dst));
#undef F
	return (true);
}

/* An algorithm of `kind' that this entry may name. */
static const struct pfkey_alg_info *
alg_ok(enum pfkey_alg_kind kind, uint16_t id)
{
	if (SAD_ALG_IS_RAW(id))
		return (NULL);
	return (pfkey_alg_info(kind, id));
}

int
sad_entry_check(const struct sad_entry *e, const char **why)
{
	const struct pfkey_alg_info *ai = NULL, *ei = NULL;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (e->src.af != AF_INET && e->src.af != AF_INET6) {
		*why = "source address missing or of an unknown family";
		return (SAD_ERR_FAMILY);
	}
	if (e->src.af != e->dst.af) {
		*why = "source and destination families differ";
		return (SAD_ERR_FAMILY);
	}
	if ((e->has & SAD_HAS_AALG) && e->aalg != PFKEY_AALG_NONE &&
	    (ai = alg_ok(PFKEY_ALG_AUTH, e->aalg)) == NULL) {
		*why = "unknown authentication algorithm";
		return (SAD_ERR_ALG);
	}
	switch (e->satype) {
	case PFKEY_SATYPE_ESP:
		if ((e->has & SAD_HAS_EALG) == 0) {
			*why = "ESP needs an encryption algorithm";
			return (SAD_ERR_ALG);
		}
		if ((ei = alg_ok(PFKEY_ALG_ENCRYPT, e->ealg)) == NULL) {
			*why = "unknown encryption algorithm";
			return (SAD_ERR_ALG);
		}
		if (ei->aead && ai != NULL) {
			*why = "an AEAD cipher takes no authentication "
			    "algorithm";
			return (SAD_ERR_ALG);
		}
		if (e->ealg == PFKEY_EALG_NULL && (ai == NULL ||
		    ai->id == PFKEY_AALG_NULL)) {
			*why = "ESP with null encryption needs authentication";
			return (SAD_ERR_ALG);
		}
		break;
	case PFKEY_SATYPE_AH:
		if (ai == NULL) {
			*why = "AH needs an authentication algorithm";
			return (SAD_ERR_ALG);
		}
		if ((e->has & SAD_HAS_EALG) && e->ealg != PFKEY_EALG_NONE) {
			*why = "AH takes no encryption algorithm";
			return (SAD_ERR_ALG);
		}
		break;
	case PFKEY_SATYPE_IPCOMP:
		if ((e->has & SAD_HAS_EALG) == 0 ||
		    alg_ok(PFKEY_ALG_COMP, e->ealg) == NULL) {
			*why = "IPComp needs a compression algorithm";
			return (SAD_ERR_ALG);
		}
		if (ai != NULL || (e->has & (SAD_HAS_AKEY | SAD_HAS_EKEY))) {
			*why = "IPComp takes no keys";
			return (SAD_ERR_ALG);
		}
		break;
	case PFKEY_SATYPE_TCPSIGNATURE:
		if (ai == NULL || ai->id != PFKEY_AALG_TCP_MD5) {
			*why = "a TCP-MD5 SA needs the tcp-md5 algorithm";
			return (SAD_ERR_ALG);
		}
		break;
	default:
		*why = "SA type not supported";
		return (SAD_ERR_INVAL);
	}
	if (ai != NULL && !pfkey_alg_keybits_ok(ai, e->akey.bits)) {
		*why = "authentication key length invalid for the algorithm";
		return (SAD_ERR_KEYLEN);
	}
	if (ei != NULL && !pfkey_alg_keybits_ok(ei, e->ekey.bits)) {
		*why = "encryption key length invalid for the algorithm";
		return (SAD_ERR_KEYLEN);
	}
	if (e->mode > PFKEY_MODE_IPTFS) {
		*why = "unknown mode";
		return (SAD_ERR_INVAL);
	}
	if ((e->has & SAD_HAS_NATT) && e->satype != PFKEY_SATYPE_ESP) {
		*why = "NAT-T encapsulation is for ESP only";
		return (SAD_ERR_INVAL);
	}
	return (0);
}

/* ------------------------------------------------------------- policies */

void
spd_entry_init(struct spd_entry *p)
{
	memset(p, 0, sizeof(*p));
	p->sel.proto = SPD_PROTO_ANY;
}

void
spd_entry_clear(struct spd_entry *p)
{
	free(p->ctx);
	memset(p, 0, sizeof(*p));
}

int
spd_entry_copy(struct spd_entry *dst, const struct spd_entry *src)
{
	*dst = *src;
	dst->ctx = NULL;
	if (src->ctx_len > 0) {
		if ((dst->ctx = malloc(src->ctx_len)) == NULL)
			return (SAD_ERR_NOMEM);
		memcpy(dst->ctx, src->ctx, src->ctx_len);
	}
	return (0);
}

bool
spd_entry_equal(const struct spd_entry *a, const struct spd_entry *b)
{
	unsigned i;

	if (a->has != b->has || a->dir != b->dir || a->action != b->action ||
	    a->pid != b->pid || a->nreq != b->nreq)
		return (false);
	if (((a->has & SPD_HAS_ID) && a->id != b->id) ||
	    ((a->has & SPD_HAS_PRIORITY) && a->priority != b->priority) ||
	    ((a->has & SPD_HAS_SCOPE) && a->scope != b->scope))
		return (false);
	if (!addr_equal(&a->sel.src, &b->sel.src) ||
	    !addr_equal(&a->sel.dst, &b->sel.dst) ||
	    a->sel.proto != b->sel.proto)
		return (false);
	for (i = 0; i < a->nreq; i++) {
		const struct spd_request *x = &a->req[i], *y = &b->req[i];

		if (x->proto != y->proto || x->mode != y->mode ||
		    x->level != y->level || x->reqid != y->reqid ||
		    !addr_equal(&x->src, &y->src) ||
		    !addr_equal(&x->dst, &y->dst))
			return (false);
	}
	if (((a->has & SPD_HAS_LT_CUR) && !lt_equal(&a->cur, &b->cur)) ||
	    ((a->has & SPD_HAS_LT_HARD) && !lt_equal(&a->hard, &b->hard)) ||
	    ((a->has & SPD_HAS_LT_SOFT) && !lt_equal(&a->soft, &b->soft)))
		return (false);
	if ((a->has & SPD_HAS_CTX) && (a->ctx_doi != b->ctx_doi ||
	    a->ctx_alg != b->ctx_alg || a->ctx_len != b->ctx_len ||
	    (a->ctx_len > 0 && memcmp(a->ctx, b->ctx, a->ctx_len) != 0)))
		return (false);
	return (true);
}

int
spd_entry_check(const struct spd_entry *p, const char **why)
{
	const char *dummy;
	unsigned i;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (p->sel.src.af != AF_INET && p->sel.src.af != AF_INET6) {
		*why = "selector source missing or of an unknown family";
		return (SAD_ERR_FAMILY);
	}
	if (p->sel.src.af != p->sel.dst.af) {
		*why = "selector families differ";
		return (SAD_ERR_FAMILY);
	}
	if (p->sel.src.plen > sad_addr_bits(&p->sel.src) ||
	    p->sel.dst.plen > sad_addr_bits(&p->sel.dst)) {
		*why = "prefix length larger than the address";
		return (SAD_ERR_INVAL);
	}
	if (p->dir != PFKEY_DIR_INBOUND && p->dir != PFKEY_DIR_OUTBOUND &&
	    p->dir != PFKEY_DIR_FWD) {
		*why = "direction must be in, out or fwd";
		return (SAD_ERR_INVAL);
	}
	if (p->action > PFKEY_POLICY_BYPASS) {
		*why = "unknown policy action";
		return (SAD_ERR_INVAL);
	}
	if (p->action == PFKEY_POLICY_IPSEC && p->nreq == 0) {
		*why = "an ipsec policy needs at least one request";
		return (SAD_ERR_INVAL);
	}
	if (p->action != PFKEY_POLICY_IPSEC && p->nreq != 0) {
		*why = "only an ipsec policy has requests";
		return (SAD_ERR_INVAL);
	}
	if (p->nreq > SPD_MAXREQ) {
		*why = "too many requests";
		return (SAD_ERR_INVAL);
	}
	for (i = 0; i < p->nreq; i++) {
		const struct spd_request *r = &p->req[i];

		if (pfkey_ipproto_to_satype(r->proto) < 0) {
			*why = "request protocol must be esp, ah, ipcomp or tcp";
			return (SAD_ERR_INVAL);
		}
		if (r->level > PFKEY_LEVEL_UNIQUE) {
			*why = "unknown level";
			return (SAD_ERR_INVAL);
		}
		if (r->mode == PFKEY_MODE_TUNNEL &&
		    (r->src.af == AF_UNSPEC || r->dst.af == AF_UNSPEC)) {
			*why = "tunnel mode needs both endpoints";
			return (SAD_ERR_INVAL);
		}
		if (r->src.af != r->dst.af) {
			*why = "tunnel endpoints of different families";
			return (SAD_ERR_FAMILY);
		}
	}
	return (0);
}
