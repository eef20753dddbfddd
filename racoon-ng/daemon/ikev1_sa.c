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
 * Proposals and identities.
 *
 * Phase 1: the remote's proposal blocks become the transforms of one
 * ISAKMP proposal, in the order written (as racoon and strongSwan send
 * them).  A responder takes the first of the initiator's transforms, in
 * the initiator's order, that one of its proposals accepts.
 *
 * Phase 2: every cipher of the sainfo with every integrity algorithm
 * (AES-GCM without one) becomes a transform of one ESP proposal; AH gets
 * one transform per integrity algorithm.  A responder skips bundles
 * (several proposals with one number) and takes the first acceptable
 * transform.
 *
 * What "acceptable" means for lifetimes, key lengths and the PFS group is
 * proposal_check (racoon-ng.conf(5)):
 *   obey	the initiator's values, whatever they are;
 *   strict	lifetimes no longer, keys no shorter than ours, and our PFS
 *		group if we want PFS (the default);
 *   claim	as strict, but a longer lifetime is taken and answered with
 *		ours in a RESPONDER-LIFETIME notification (phase 2);
 *   exact	exactly our values.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ikev1.h"

/* ---------------------------------------------------------- lifetimes */

bool
sa_life_ok(enum rcn_pcheck pc, uint32_t ours_s, uint64_t ours_b,
    uint32_t theirs_s, uint64_t theirs_b, uint32_t *use_s, uint64_t *use_b,
    bool *claim)
{
	/* 0 bytes: no byte limit, i.e. the longest. */
	bool b_longer = ours_b != 0 && (theirs_b == 0 || theirs_b > ours_b);

	*claim = false;
	*use_s = theirs_s;
	*use_b = theirs_b;
	switch (pc) {
	case RCN_PCHECK_OBEY:
		return (true);
	case RCN_PCHECK_STRICT:
		return (theirs_s <= ours_s && !b_longer);
	case RCN_PCHECK_CLAIM:
		if (theirs_s > ours_s) {
			*use_s = ours_s;
			*claim = true;
		}
		if (b_longer) {
			*use_b = ours_b;
			*claim = true;
		}
		return (true);
	case RCN_PCHECK_EXACT:
		return (theirs_s == ours_s && theirs_b == ours_b);
	}
	return (false);
}

/* Key lengths: bits the initiator proposes against ours. */
static bool
keylen_ok(enum rcn_pcheck pc, unsigned ours, unsigned theirs)
{
	if (theirs != 128 && theirs != 192 && theirs != 256)
		return (false);
	switch (pc) {
	case RCN_PCHECK_OBEY:
		return (true);
	case RCN_PCHECK_STRICT:
	case RCN_PCHECK_CLAIM:
		return (theirs >= ours);
	case RCN_PCHECK_EXACT:
		return (theirs == ours);
	}
	return (false);
}

static void
put_life(struct isakmp_buf *b, uint16_t ltype, uint16_t ld, int secs_code,
    int kb_code, uint32_t secs, uint64_t bytes)
{
	isakmp_put_attr(b, ltype, (uint64_t)secs_code);
	isakmp_put_attr(b, ld, secs);
	if (bytes != 0) {
		isakmp_put_attr(b, ltype, (uint64_t)kb_code);
		isakmp_put_attr(b, ld, (bytes + 1023) / 1024);
	}
}

/* Life type/duration pairs: 0, or -1 for an unknown type. */
static int
life_attr(uint16_t type, uint64_t v, uint16_t ltype, uint16_t ld,
    uint64_t *curtype, uint32_t *secs, uint64_t *bytes, bool *is_life)
{
	*is_life = true;
	if (type == ltype) {
		*curtype = v;
		return (0);
	}
	if (type == ld) {
		if (*curtype == 1)		/* seconds, both phases */
			*secs = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
		else if (*curtype == 2)		/* kilobytes */
			*bytes = v > UINT64_MAX / 1024 ? UINT64_MAX : v * 1024;
		else
			return (-1);
		return (0);
	}
	*is_life = false;
	return (0);
}

/* ------------------------------------------------------------ phase 1 */

int
sa_p1_build(struct isakmp_buf *b, const struct rcn_remote *rm)
{
	const struct rcn_proposal *p;
	uint8_t n = 0;

	isakmp_put_sa_begin(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
	TAILQ_FOREACH(p, &rm->proposals, entry) {
		if (n == 255)
			break;
		isakmp_put_transform_begin(b, ++n, ISAKMP_XFORM_KEY_IKE);
		isakmp_put_attr(b, OAKLEY_ATTR_ENC_ALG, (uint64_t)p->enc);
		if (p->enc == OAKLEY_ENC_AES)
			isakmp_put_attr(b, OAKLEY_ATTR_KEY_LEN,
			    p->keylen != 0 ? p->keylen : 128);
		isakmp_put_attr(b, OAKLEY_ATTR_HASH_ALG, (uint64_t)p->hash);
		isakmp_put_attr(b, OAKLEY_ATTR_AUTH_METHOD, (uint64_t)p->auth);
		isakmp_put_attr(b, OAKLEY_ATTR_GRP_DESC,
		    (uint64_t)p->dh_group);
		put_life(b, OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_ATTR_SA_LD,
		    OAKLEY_LIFE_SECONDS, OAKLEY_LIFE_KILOBYTES,
		    p->life.seconds, p->life.bytes);
		isakmp_put_end(b);
	}
	isakmp_put_end(b);
	isakmp_put_end(b);
	return (b->error != 0 ? -1 : 0);
}

int
sa_p1_xf_parse(const struct isakmp_transform *xf, struct p1xf *t)
{
	struct isakmp_attr a;
	size_t cur = 0;
	uint64_t v, lt = 0;
	bool life;
	int rc;

	memset(t, 0, sizeof(*t));
	if (xf->id != ISAKMP_XFORM_KEY_IKE)
		return (-1);
	while ((rc = isakmp_transform_next_attr(xf, &cur, &a)) == 1) {
		if (isakmp_attr_uint(&a, &v) != 0)
			return (-1);
		if (life_attr(a.type, v, OAKLEY_ATTR_SA_LD_TYPE,
		    OAKLEY_ATTR_SA_LD, &lt, &t->life_s, &t->life_b,
		    &life) != 0)
			return (-1);
		if (life)
			continue;
		switch (a.type) {
		case OAKLEY_ATTR_ENC_ALG:
			t->enc = (int)v;
			break;
		case OAKLEY_ATTR_HASH_ALG:
			t->hash = (int)v;
			break;
		case OAKLEY_ATTR_AUTH_METHOD:
			t->auth = (int)v;
			break;
		case OAKLEY_ATTR_GRP_DESC:
			t->group = (int)v;
			break;
		case OAKLEY_ATTR_GRP_TYPE:
			if (v != OAKLEY_GRP_TYPE_MODP &&
			    v != OAKLEY_GRP_TYPE_ECP)
				return (-1);
			break;
		case OAKLEY_ATTR_KEY_LEN:
			t->keylen = (unsigned)v;
			break;
		default:
			/* A PRF, a private group: nothing we can do. */
			return (-1);
		}
	}
	if (rc != 0 || t->enc == 0 || t->hash == 0 || t->auth == 0 ||
	    t->group == 0)
		return (-1);
	if (t->enc == OAKLEY_ENC_AES && t->keylen == 0)
		t->keylen = 128;	/* RFC 3602 5: 128 if absent */
	if (ike_cbc_keylen(t->enc, (int)t->keylen) == 0 ||
	    ike_hash_len(t->hash) == 0 || !ike_dh_supported(t->group))
		return (-1);
	if (t->life_s == 0)
		t->life_s = CONF_DEFAULT_P1_LIFE;
	return (0);
}

int
sa_p1_select(const struct rcn_remote *rm, const struct isakmp_sa *sa,
    bool aggressive, size_t kelen, struct p1xf *out,
    struct isakmp_proposal *cprop, struct isakmp_transform *cxf,
    uint16_t *notify)
{
	const struct rcn_proposal *p;
	struct isakmp_proposal prop;
	struct isakmp_transform xf;
	struct p1xf t;
	size_t pc = 0, tc;
	uint32_t s;
	uint64_t b;
	bool claim;

	*notify = ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN;
	while (isakmp_sa_next_proposal(sa, &pc, &prop) == 1) {
		if (prop.proto != ISAKMP_PROTO_ISAKMP)
			continue;
		tc = 0;
		while (isakmp_proposal_next_transform(&prop, &tc, &xf) == 1) {
			if (sa_p1_xf_parse(&xf, &t) != 0)
				continue;
			if (aggressive && ike_dh_publen(t.group) != kelen)
				continue;
			TAILQ_FOREACH(p, &rm->proposals, entry) {
				if (p->enc != t.enc || p->hash != t.hash ||
				    p->auth != t.auth ||
				    p->dh_group != t.group)
					continue;
				if (t.enc == OAKLEY_ENC_AES &&
				    !keylen_ok(rm->proposal_check,
				    p->keylen != 0 ? p->keylen : 128,
				    t.keylen))
					continue;
				if (!sa_life_ok(rm->proposal_check,
				    p->life.seconds, p->life.bytes, t.life_s,
				    t.life_b, &s, &b, &claim))
					continue;
				*out = t;
				out->life_s = s;
				out->life_b = b;
				*cprop = prop;
				*cxf = xf;
				return (0);
			}
		}
	}
	return (-1);
}

int
sa_p1_check_reply(const struct rcn_remote *rm, const struct isakmp_sa *sa,
    struct p1xf *out, uint16_t *notify)
{
	const struct rcn_proposal *p;
	struct isakmp_proposal prop;
	struct isakmp_transform xf;
	struct p1xf t;
	size_t pc = 0, tc = 0;

	*notify = ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX;
	if (sa->nprops != 1 || isakmp_sa_next_proposal(sa, &pc, &prop) != 1 ||
	    prop.proto != ISAKMP_PROTO_ISAKMP || prop.ntransforms != 1 ||
	    isakmp_proposal_next_transform(&prop, &tc, &xf) != 1)
		return (-1);
	*notify = ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN;
	if (sa_p1_xf_parse(&xf, &t) != 0)
		return (-1);
	TAILQ_FOREACH(p, &rm->proposals, entry)
		if (p->enc == t.enc && p->hash == t.hash &&
		    p->auth == t.auth && p->dh_group == t.group &&
		    (t.enc != OAKLEY_ENC_AES ||
		    (p->keylen != 0 ? p->keylen : 128) == t.keylen) &&
		    t.life_s <= p->life.seconds &&
		    (p->life.bytes == 0 || (t.life_b != 0 &&
		    t.life_b <= ((p->life.bytes + 1023) / 1024) * 1024))) {
			*out = t;
			return (0);
		}
	return (-1);
}

/* The chosen transform, as it came (RFC 2408 4.2: not changed). */
static void
echo_xf(struct isakmp_buf *b, const struct isakmp_transform *xf)
{
	struct isakmp_attr a;
	size_t cur = 0;

	isakmp_put_transform_begin(b, xf->num, xf->id);
	while (isakmp_transform_next_attr(xf, &cur, &a) == 1)
		isakmp_put_attr_raw(b, &a);
	isakmp_put_end(b);
}

int
sa_p1_echo(struct isakmp_buf *b, const struct isakmp_sa *sa,
    const struct isakmp_proposal *prop, const struct isakmp_transform *xf)
{
	isakmp_put_sa_begin(b, sa->doi, sa->sit);
	isakmp_put_proposal_begin(b, prop->num, ISAKMP_PROTO_ISAKMP, NULL, 0);
	echo_xf(b, xf);
	isakmp_put_end(b);
	isakmp_put_end(b);
	return (b->error != 0 ? -1 : 0);
}

/* ------------------------------------------------------------ phase 2 */

static bool
p2_aead(int id)
{
	return (id == IPSEC_ESP_AES_GCM_8 || id == IPSEC_ESP_AES_GCM_12 ||
	    id == IPSEC_ESP_AES_GCM_16);
}

static bool
p2_keyed(int id)
{
	return (id == IPSEC_ESP_AES || p2_aead(id));
}

/* AH transform ids for the authentication algorithm attribute. */
static int
ah_id(int auth)
{
	switch (auth) {
	case IPSEC_AUTH_HMAC_MD5:
		return (IPSEC_AH_MD5);
	case IPSEC_AUTH_HMAC_SHA1:
		return (IPSEC_AH_SHA);
	case IPSEC_AUTH_HMAC_SHA2_256:
		return (IPSEC_AH_SHA2_256);
	case IPSEC_AUTH_HMAC_SHA2_384:
		return (IPSEC_AH_SHA2_384);
	case IPSEC_AUTH_HMAC_SHA2_512:
		return (IPSEC_AH_SHA2_512);
	}
	return (0);
}

static int
p2_encmode(const struct p2 *p2)
{
	bool tunnel = p2->mode == PFKEY_MODE_TUNNEL;

	if (!p2->natt)
		return (tunnel ? IPSEC_ENCMODE_TUNNEL :
		    IPSEC_ENCMODE_TRANSPORT);
	if (p2->p1 != NULL && p2->p1->natt == NATT_DRAFT)
		return (tunnel ? IPSEC_ENCMODE_UDP_TUNNEL_DRAFT :
		    IPSEC_ENCMODE_UDP_TRANSPORT_DRAFT);
	return (tunnel ? IPSEC_ENCMODE_UDP_TUNNEL :
	    IPSEC_ENCMODE_UDP_TRANSPORT);
}

static void
p2_attrs(struct isakmp_buf *b, const struct p2 *p2, int auth, unsigned keylen)
{
	put_life(b, IPSEC_ATTR_SA_LD_TYPE, IPSEC_ATTR_SA_LD,
	    IPSEC_LIFE_SECONDS, IPSEC_LIFE_KILOBYTES, p2->conf.life_s,
	    p2->conf.life_b);
	if (p2->conf.pfs_group != 0)
		isakmp_put_attr(b, IPSEC_ATTR_GRP_DESC,
		    (uint64_t)p2->conf.pfs_group);
	isakmp_put_attr(b, IPSEC_ATTR_ENC_MODE, (uint64_t)p2_encmode(p2));
	if (auth != 0)
		isakmp_put_attr(b, IPSEC_ATTR_AUTH, (uint64_t)auth);
	if (keylen != 0)
		isakmp_put_attr(b, IPSEC_ATTR_KEY_LENGTH, keylen);
	if (p2->conf.esn)
		isakmp_put_attr(b, IPSEC_ATTR_ESN, IPSEC_ESN_USE);
}

int
sa_p2_build(struct isakmp_buf *b, const struct p2 *p2, uint32_t spi)
{
	uint8_t sp[4];
	unsigned i, j, n = 0;
	bool esp = p2->satype == PFKEY_SATYPE_ESP;

	sp[0] = (uint8_t)(spi >> 24);
	sp[1] = (uint8_t)(spi >> 16);
	sp[2] = (uint8_t)(spi >> 8);
	sp[3] = (uint8_t)spi;
	isakmp_put_sa_begin(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(b, 1, esp ? ISAKMP_PROTO_ESP :
	    ISAKMP_PROTO_AH, sp, 4);
	if (esp) {
		for (i = 0; i < p2->conf.nenc; i++) {
			const struct rcn_p2enc *e = &p2->conf.enc[i];
			unsigned na = p2_aead(e->id) ? 1 : p2->conf.nauth;

			for (j = 0; j < na && n < 255; j++) {
				isakmp_put_transform_begin(b, (uint8_t)++n,
				    (uint8_t)e->id);
				p2_attrs(b, p2, p2_aead(e->id) ? 0 :
				    p2->conf.auth[j], p2_keyed(e->id) ?
				    (e->keylen != 0 ? e->keylen : 128) : 0);
				isakmp_put_end(b);
			}
		}
	} else {
		for (j = 0; j < p2->conf.nauth && n < 255; j++) {
			if (ah_id(p2->conf.auth[j]) == 0)
				continue;
			isakmp_put_transform_begin(b, (uint8_t)++n,
			    (uint8_t)ah_id(p2->conf.auth[j]));
			p2_attrs(b, p2, p2->conf.auth[j], 0);
			isakmp_put_end(b);
		}
	}
	isakmp_put_end(b);
	isakmp_put_end(b);
	return (b->error != 0 || n == 0 ? -1 : 0);
}

int
sa_p2_xf_parse(uint8_t proto, const struct isakmp_transform *xf,
    struct p2xf *t)
{
	struct isakmp_attr a;
	size_t cur = 0;
	uint64_t v, lt = 0;
	bool life;
	int rc;

	memset(t, 0, sizeof(*t));
	t->proto = proto;
	t->id = xf->id;
	while ((rc = isakmp_transform_next_attr(xf, &cur, &a)) == 1) {
		if (isakmp_attr_uint(&a, &v) != 0)
			return (-1);
		if (life_attr(a.type, v, IPSEC_ATTR_SA_LD_TYPE,
		    IPSEC_ATTR_SA_LD, &lt, &t->life_s, &t->life_b,
		    &life) != 0)
			return (-1);
		if (life)
			continue;
		switch (a.type) {
		case IPSEC_ATTR_GRP_DESC:
			t->group = (int)v;
			break;
		case IPSEC_ATTR_ENC_MODE:
			t->encmode = (int)v;
			break;
		case IPSEC_ATTR_AUTH:
			t->auth = (int)v;
			break;
		case IPSEC_ATTR_KEY_LENGTH:
			t->keybits = (unsigned)v;
			break;
		case IPSEC_ATTR_ESN:
			/* RFC 4304 A: 1 is the one value defined. */
			if (v != IPSEC_ESN_USE)
				return (-1);
			t->esn = true;
			break;
		default:
			return (-1);
		}
	}
	if (rc != 0)
		return (-1);
	switch (t->encmode) {
	case IPSEC_ENCMODE_TUNNEL:
	case IPSEC_ENCMODE_TRANSPORT:
	case IPSEC_ENCMODE_UDP_TUNNEL:
	case IPSEC_ENCMODE_UDP_TRANSPORT:
	case IPSEC_ENCMODE_UDP_TUNNEL_DRAFT:
	case IPSEC_ENCMODE_UDP_TRANSPORT_DRAFT:
		break;
	default:
		return (-1);
	}
	if (t->life_s == 0)
		t->life_s = CONF_DEFAULT_P2_LIFE;	/* RFC 2407 4.5 */
	if (proto == ISAKMP_PROTO_ESP && p2_keyed(t->id) && t->keybits == 0)
		t->keybits = 128;
	if (t->group != 0 && !ike_dh_supported(t->group))
		return (-1);
	return (0);
}

/* Whether transform t fits p2's configuration (keys, algorithms). */
static bool
p2_xf_fits(const struct p2 *p2, enum rcn_pcheck pc, const struct p2xf *t)
{
	unsigned i;

	if (t->proto == ISAKMP_PROTO_ESP) {
		if (p2->conf.nenc == 0)
			return (false);
		if (p2_aead(t->id) && t->auth != 0)
			return (false);
		if (!p2_aead(t->id) && t->auth == 0)
			return (false);
		for (i = 0; i < p2->conf.nenc; i++) {
			if (p2->conf.enc[i].id != t->id)
				continue;
			if (p2_keyed(t->id) && !keylen_ok(pc,
			    p2->conf.enc[i].keylen != 0 ?
			    p2->conf.enc[i].keylen : 128, t->keybits))
				continue;
			if (!p2_keyed(t->id) && t->keybits != 0)
				continue;
			break;
		}
		if (i == p2->conf.nenc)
			return (false);
		if (p2_aead(t->id))
			return (true);
	} else if (t->proto == ISAKMP_PROTO_AH) {
		if (t->keybits != 0 || ah_id(t->auth) != t->id)
			return (false);
	} else
		return (false);
	for (i = 0; i < p2->conf.nauth; i++)
		if (p2->conf.auth[i] == t->auth)
			return (true);
	return (false);
}

/*
 * ESN as responder: taken only when the sainfo says esn on; a transform
 * without it is taken unless proposal_check exact wants what we would
 * offer.
 */
static bool
esn_ok(enum rcn_pcheck pc, bool ours, bool theirs)
{
	if (theirs)
		return (ours);
	return (!ours || pc != RCN_PCHECK_EXACT);
}

static bool
pfs_ok(enum rcn_pcheck pc, int ours, int theirs)
{
	switch (pc) {
	case RCN_PCHECK_OBEY:
		return (true);
	case RCN_PCHECK_STRICT:
	case RCN_PCHECK_CLAIM:
		return (ours == 0 || theirs == ours);
	case RCN_PCHECK_EXACT:
		return (theirs == ours);
	}
	return (false);
}

static uint32_t
spi_of(const struct isakmp_proposal *p)
{
	return ((uint32_t)p->spi[0] << 24 | (uint32_t)p->spi[1] << 16 |
	    (uint32_t)p->spi[2] << 8 | p->spi[3]);
}

int
sa_p2_select(const struct p2 *p2, enum rcn_pcheck pc,
    const struct isakmp_sa *sa, struct p2xf *out, uint32_t *peer_spi,
    struct isakmp_proposal *cprop, struct isakmp_transform *cxf,
    uint16_t *notify)
{
	struct isakmp_proposal prop, nx;
	struct isakmp_transform xf;
	struct p2xf t;
	size_t c = 0, c2, tc;
	uint32_t s;
	uint64_t b;
	int last = -1;
	bool claim;

	*notify = ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN;
	while (isakmp_sa_next_proposal(sa, &c, &prop) == 1) {
		/* A bundle: this number again, or as the one before. */
		c2 = c;
		if (prop.num == last || (isakmp_sa_next_proposal(sa, &c2,
		    &nx) == 1 && nx.num == prop.num)) {
			last = prop.num;
			continue;
		}
		last = prop.num;
		if ((prop.proto != ISAKMP_PROTO_ESP &&
		    prop.proto != ISAKMP_PROTO_AH) || prop.spisize != 4)
			continue;
		if (spi_of(&prop) < IKEV1_SPI_MIN)
			continue;
		tc = 0;
		while (isakmp_proposal_next_transform(&prop, &tc, &xf) == 1) {
			if (sa_p2_xf_parse(prop.proto, &xf, &t) != 0)
				continue;
			if (!p2_xf_fits(p2, pc, &t) ||
			    !pfs_ok(pc, p2->conf.pfs_group, t.group) ||
			    !esn_ok(pc, p2->conf.esn, t.esn))
				continue;
			if (!sa_life_ok(pc, p2->conf.life_s, p2->conf.life_b,
			    t.life_s, t.life_b, &s, &b, &claim))
				continue;
			*out = t;
			out->life_s = s;
			out->life_b = b;
			*peer_spi = spi_of(&prop);
			*cprop = prop;
			*cxf = xf;
			/* claim: ours are shorter, say so */
			if (claim)
				*notify = ISAKMP_NTYPE_RESPONDER_LIFETIME;
			else
				*notify = 0;
			return (0);
		}
	}
	return (-1);
}

int
sa_p2_check_reply(const struct p2 *p2, const struct isakmp_sa *sa,
    struct p2xf *out, uint32_t *peer_spi, uint16_t *notify)
{
	struct isakmp_proposal prop;
	struct isakmp_transform xf;
	struct p2xf t;
	size_t c = 0, tc = 0;
	uint8_t proto = p2->satype == PFKEY_SATYPE_ESP ? ISAKMP_PROTO_ESP :
	    ISAKMP_PROTO_AH;

	*notify = ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX;
	if (sa->nprops != 1 || isakmp_sa_next_proposal(sa, &c, &prop) != 1 ||
	    prop.proto != proto || prop.spisize != 4 ||
	    prop.ntransforms != 1 ||
	    isakmp_proposal_next_transform(&prop, &tc, &xf) != 1)
		return (-1);
	*notify = ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN;
	if (sa_p2_xf_parse(proto, &xf, &t) != 0 ||
	    !p2_xf_fits(p2, RCN_PCHECK_EXACT, &t) ||
	    t.group != p2->conf.pfs_group || t.encmode != p2_encmode(p2) ||
	    t.esn != p2->conf.esn || t.life_s > p2->conf.life_s ||
	    (p2->conf.life_b != 0 && (t.life_b == 0 ||
	    t.life_b > ((p2->conf.life_b + 1023) / 1024) * 1024)) ||
	    spi_of(&prop) < IKEV1_SPI_MIN)
		return (-1);
	*out = t;
	*peer_spi = spi_of(&prop);
	return (0);
}

int
sa_p2_echo(struct isakmp_buf *b, const struct isakmp_sa *sa,
    const struct isakmp_proposal *prop, const struct isakmp_transform *xf,
    uint32_t spi)
{
	uint8_t sp[4];

	sp[0] = (uint8_t)(spi >> 24);
	sp[1] = (uint8_t)(spi >> 16);
	sp[2] = (uint8_t)(spi >> 8);
	sp[3] = (uint8_t)spi;
	isakmp_put_sa_begin(b, sa->doi, sa->sit);
	isakmp_put_proposal_begin(b, prop->num, prop->proto, sp, 4);
	echo_xf(b, xf);
	isakmp_put_end(b);
	isakmp_put_end(b);
	return (b->error != 0 ? -1 : 0);
}

int
sa_ealg(const struct p2xf *t, uint16_t *ealg, uint16_t *aalg)
{
	*ealg = PFKEY_EALG_NONE;
	*aalg = PFKEY_AALG_NONE;
	if (t->proto == ISAKMP_PROTO_ESP)
		switch (t->id) {
		case IPSEC_ESP_3DES:
			*ealg = PFKEY_EALG_3DESCBC;
			break;
		case IPSEC_ESP_NULL:
			*ealg = PFKEY_EALG_NULL;
			break;
		case IPSEC_ESP_AES:
			*ealg = PFKEY_EALG_AESCBC;
			break;
		case IPSEC_ESP_AES_GCM_8:
			*ealg = PFKEY_EALG_AES_GCM_ICV8;
			break;
		case IPSEC_ESP_AES_GCM_12:
			*ealg = PFKEY_EALG_AES_GCM_ICV12;
			break;
		case IPSEC_ESP_AES_GCM_16:
			*ealg = PFKEY_EALG_AES_GCM_ICV16;
			break;
		default:
			return (-1);
		}
	switch (t->auth) {
	case 0:
		break;
	case IPSEC_AUTH_HMAC_MD5:
		*aalg = PFKEY_AALG_MD5HMAC;
		break;
	case IPSEC_AUTH_HMAC_SHA1:
		*aalg = PFKEY_AALG_SHA1HMAC;
		break;
	case IPSEC_AUTH_HMAC_SHA2_256:
		*aalg = PFKEY_AALG_SHA2_256HMAC;
		break;
	case IPSEC_AUTH_HMAC_SHA2_384:
		*aalg = PFKEY_AALG_SHA2_384HMAC;
		break;
	case IPSEC_AUTH_HMAC_SHA2_512:
		*aalg = PFKEY_AALG_SHA2_512HMAC;
		break;
	default:
		return (-1);
	}
	return (0);
}

/* ---------------------------------------------------------------- IDs */

static bool
is_host(const struct sad_addr *a)
{
	return (a->plen >= sad_addr_bits(a));
}

size_t
sa_id_from_addr(const struct sad_addr *a, uint8_t ulproto, uint8_t *out,
    size_t outsz)
{
	struct isakmp_idaddr ia;
	uint8_t data[32], type;
	size_t n;

	memset(&ia, 0, sizeof(ia));
	if (a->af == AF_INET) {
		ia.af = 4;
		memcpy(ia.addr, &a->a.v4, 4);
	} else if (a->af == AF_INET6) {
		ia.af = 6;
		memcpy(ia.addr, &a->a.v6, 16);
	} else
		return (0);
	ia.kind = is_host(a) ? ISAKMP_IDA_ADDR : ISAKMP_IDA_SUBNET;
	ia.plen = a->plen;
	if ((n = isakmp_id_from_addr(&ia, &type, data)) == 0 ||
	    outsz < 4 + n)
		return (0);
	out[0] = type;
	out[1] = ulproto == RCN_PROTO_ANY ? 0 : ulproto;
	out[2] = (uint8_t)(a->port >> 8);
	out[3] = (uint8_t)a->port;
	memcpy(out + 4, data, n);
	return (4 + n);
}

static int
id_decode(const uint8_t *body, size_t len, struct isakmp_id *id)
{
	struct isakmp_payload pl;
	struct isakmp_error e;

	memset(&pl, 0, sizeof(pl));
	pl.type = ISAKMP_NPTYPE_ID;
	pl.body = body;
	pl.len = len;
	return (isakmp_decode_id(&pl, id, &e));
}

int
sa_id_to_addr(const uint8_t *body, size_t len, struct sad_addr *a,
    uint8_t *ulproto)
{
	struct isakmp_idaddr ia;
	struct isakmp_error e;
	struct isakmp_id id;

	if (id_decode(body, len, &id) != 0 ||
	    isakmp_id_to_addr(&id, &ia, &e) != 0 ||
	    ia.kind == ISAKMP_IDA_RANGE)
		return (-1);
	memset(a, 0, sizeof(*a));
	if (ia.af == 4) {
		a->af = AF_INET;
		memcpy(&a->a.v4, ia.addr, 4);
	} else {
		a->af = AF_INET6;
		memcpy(&a->a.v6, ia.addr, 16);
	}
	a->plen = (uint8_t)(ia.kind == ISAKMP_IDA_ADDR ? sad_addr_bits(a) :
	    ia.plen);
	a->port = id.port;
	*ulproto = id.proto == 0 ? RCN_PROTO_ANY : id.proto;
	return (0);
}

size_t
sa_my_id(const struct p1 *p1, uint8_t *out, size_t outsz)
{
	const struct rcn_id *id = &p1->rm->my_id;
	size_t n;
	uint8_t type;

	switch (id->type) {
	case RCN_ID_NONE:
	case RCN_ID_ADDRESS:
		n = sa_id_from_addr(id->has_addr ? &id->addr : &p1->ep.local,
		    0, out, outsz);
		if (n > 0) {
			/* A host ID even if the address has a prefix. */
			out[0] = (id->has_addr ? id->addr.af :
			    p1->ep.local.af) == AF_INET6 ? IPSEC_ID_IPV6_ADDR :
			    IPSEC_ID_IPV4_ADDR;
			n = 4 + (out[0] == IPSEC_ID_IPV6_ADDR ? 16 : 4);
			out[2] = out[3] = 0;
		}
		return (n);
	case RCN_ID_FQDN:
		type = IPSEC_ID_FQDN;
		break;
	case RCN_ID_USER_FQDN:
		type = IPSEC_ID_USER_FQDN;
		break;
	default:
		/* asn1dn: the subject of a certificate (rsasig only). */
		return (0);
	}
	if (id->value == NULL || (n = strlen(id->value)) == 0 ||
	    outsz < 4 + n)
		return (0);
	out[0] = type;
	out[1] = 0;
	out[2] = out[3] = 0;
	memcpy(out + 4, id->value, n);
	return (4 + n);
}

static bool
id_matches(const struct p1 *p1, const struct rcn_id *want,
    const struct isakmp_id *id)
{
	struct isakmp_idaddr ia;
	struct isakmp_error e;
	const struct sad_addr *a;
	char s[IKEV1_ID_MAX];

	switch (want->type) {
	case RCN_ID_NONE:
		return (true);
	case RCN_ID_ADDRESS:
		if (isakmp_id_to_addr(id, &ia, &e) != 0 ||
		    ia.kind != ISAKMP_IDA_ADDR)
			return (false);
		a = want->has_addr ? &want->addr : &p1->ep.remote;
		if (a->af == AF_INET)
			return (ia.af == 4 && memcmp(ia.addr, &a->a.v4,
			    4) == 0);
		return (ia.af == 6 && memcmp(ia.addr, &a->a.v6, 16) == 0);
	case RCN_ID_FQDN:
		return (id->type == IPSEC_ID_FQDN && want->value != NULL &&
		    isakmp_id_to_string(id, s, sizeof(s)) == 0 &&
		    strcasecmp(s, want->value) == 0);
	case RCN_ID_USER_FQDN:
		return (id->type == IPSEC_ID_USER_FQDN &&
		    want->value != NULL &&
		    isakmp_id_to_string(id, s, sizeof(s)) == 0 &&
		    strcmp(s, want->value) == 0);
	case RCN_ID_ASN1DN:
		/* Checked with the certificate (rsasig). */
		return (false);
	}
	return (false);
}

int
sa_peer_id_ok(const struct p1 *p1, const uint8_t *body, size_t len,
    char *why, size_t whysz)
{
	const struct rcn_remote *rm = p1->rm;
	struct isakmp_id id;
	unsigned i;

	if (id_decode(body, len, &id) != 0) {
		(void)snprintf(why, whysz, "malformed ID payload");
		return (-1);
	}
	/* RFC 2407 4.6.2: phase 1 IDs carry no port or UDP port 500/4500. */
	if (id.proto != 0 && id.proto != 17) {
		(void)snprintf(why, whysz, "ID with protocol %u", id.proto);
		return (-1);
	}
	if (rm == NULL || !rm->verify_identifier || rm->npeers_ids == 0)
		return (0);
	/* With signatures, ikev1_cert.c checks it with the certificate. */
	if (ph1_sig_auth(p1->sel.auth))
		return (0);
	for (i = 0; i < rm->npeers_ids; i++)
		if (id_matches(p1, &rm->peers_ids[i], &id))
			return (0);
	(void)snprintf(why, whysz, "the peer's %s ID is not one of "
	    "peers_identifier", isakmp_idtype_name(id.type) != NULL ?
	    isakmp_idtype_name(id.type) : "?");
	return (-1);
}

bool
sa_idtype_psk(uint8_t idtype, uint8_t *psid)
{
	switch (idtype) {
	case IPSEC_ID_IPV4_ADDR:
	case IPSEC_ID_IPV6_ADDR:
		*psid = PS_ID_ADDR;
		return (true);
	case IPSEC_ID_FQDN:
		*psid = PS_ID_FQDN;
		return (true);
	case IPSEC_ID_USER_FQDN:
		*psid = PS_ID_USERFQDN;
		return (true);
	case IPSEC_ID_KEY_ID:
		*psid = PS_ID_KEYID;
		return (true);
	}
	return (false);
}

/* ------------------------------------------------------------- sainfo */

static bool
prefix_eq(const struct sad_addr *a, const struct sad_addr *b, unsigned plen)
{
	unsigned i, bits = sad_addr_bits(a);

	if (a->af != b->af || plen > bits)
		return (false);
	for (i = 0; i < plen / 8; i++)
		if (a->a.b[i] != b->a.b[i])
			return (false);
	if (plen % 8 != 0) {
		uint8_t m = (uint8_t)(0xff << (8 - plen % 8));

		if ((a->a.b[i] & m) != (b->a.b[i] & m))
			return (false);
	}
	return (true);
}

/* Whether a sainfo ID matches a phase 2 ID exactly (not as a filter). */
static bool
said_match(const struct rcn_said *s, const struct sad_addr *id,
    uint8_t ulproto, const struct sad_addr *peer)
{
	switch (s->kind) {
	case RCN_SAID_ANONYMOUS:
		return (true);
	case RCN_SAID_CLIENTADDR:
		return (peer != NULL && is_host(id) &&
		    sad_addr_cmp(id, peer) == 0);
	case RCN_SAID_ADDRESS:
	case RCN_SAID_SUBNET:
		return (s->addr.af == id->af && s->addr.plen == id->plen &&
		    prefix_eq(&s->addr, id, id->plen) &&
		    s->addr.port == id->port && s->proto == ulproto);
	}
	return (false);
}

static bool
from_match(const struct rcn_sainfo *s, const struct p1 *p1)
{
	struct isakmp_id id;

	if (s->from.type == RCN_ID_NONE)
		return (true);
	if (p1 == NULL || p1->peer_id == NULL)
		return (false);
	memset(&id, 0, sizeof(id));
	id.type = p1->peer_idtype;
	id.data = p1->peer_id;
	id.len = p1->peer_idlen;
	return (id_matches(p1, &s->from, &id));
}

int
sa_p2conf(struct p2 *p2, const struct rcn_remote *rm, const struct p1 *p1)
{
	const struct rcn_config *c = frame_conf();
	const struct rcn_sainfo *s, *best = NULL;
	int score, bestscore = -1;

	if (c == NULL)
		return (-1);
	TAILQ_FOREACH(s, &c->sainfos, entry) {
		if (s->remoteid != 0 && (rm == NULL ||
		    s->remoteid != rm->ph1id))
			continue;
		if (!said_match(&s->local, &p2->sel_local, p2->ulproto,
		    NULL) || !said_match(&s->remote, &p2->sel_peer,
		    p2->ulproto, &p2->peer))
			continue;
		/* The initiator knows the peer's identity only later. */
		if (p1 != NULL && !from_match(s, p1))
			continue;
		score = (s->local.kind != RCN_SAID_ANONYMOUS ? 4 : 0) +
		    (s->remote.kind != RCN_SAID_ANONYMOUS ? 4 : 0) +
		    (s->from.type != RCN_ID_NONE ? 2 : 0) +
		    (s->remoteid != 0 ? 1 : 0);
		if (score > bestscore) {
			best = s;
			bestscore = score;
		}
	}
	if (best == NULL)
		return (-1);
	memset(&p2->conf, 0, sizeof(p2->conf));
	p2->conf.found = true;
	p2->conf.pfs_group = best->pfs_group;
	p2->conf.esn = best->esn;
	p2->conf.life_s = best->life.seconds > 0 ? best->life.seconds :
	    CONF_DEFAULT_P2_LIFE;
	p2->conf.life_b = best->life.bytes;
	memcpy(p2->conf.enc, best->enc, sizeof(p2->conf.enc));
	p2->conf.nenc = best->nenc;
	memcpy(p2->conf.auth, best->auth, sizeof(p2->conf.auth));
	p2->conf.nauth = best->nauth;
	return (0);
}
