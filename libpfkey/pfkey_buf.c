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
 * The bounded PF_KEY message builder: every extension is written 8-byte
 * aligned into a buffer that never grows past its capacity (or, for heap
 * buffers, past PFKEY_MSG_MAXLEN).  Errors are sticky.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include "pfkey_priv.h"

#define BUF_INITIAL	512

static int
fail(struct pfkey_buf *b, int err)
{
	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	if (b->error == 0)
		b->error = err;
	return (b->error);
}

static void
hdr_init(struct pfkey_buf *b, uint8_t type, uint8_t satype, uint32_t seq,
    uint32_t pid)
{
	uint8_t *p = b->base;

	memset(p, 0, PFKEY_HDRLEN);
	p[0] = PFKEY_V2;
	p[1] = type;
	p[3] = satype;
	wr16(p + 4, PFKEY_HDRLEN / PFKEY_UNIT);
	wr32(p + 8, seq);
	wr32(p + 12, pid);
	b->len = PFKEY_HDRLEN;
}

int
pfkey_buf_init(struct pfkey_buf *b, void *mem, size_t cap,
    enum pfkey_dialect d, uint8_t type, uint8_t satype, uint32_t seq,
    uint32_t pid)
{
	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	memset(b, 0, sizeof(*b));
	b->dialect = pfkey_dialect_resolve(d);
	if (mem == NULL || ((uintptr_t)mem & 7) != 0)
		return (fail(b, PFKEY_ERR_INVAL));
	b->base = mem;
	b->cap = cap > PFKEY_MSG_MAXLEN ? PFKEY_MSG_MAXLEN : cap;
	if (b->cap < PFKEY_HDRLEN)
		return (fail(b, PFKEY_ERR_NOSPACE));
	hdr_init(b, type, satype, seq, pid);
	return (0);
}

int
pfkey_buf_alloc(struct pfkey_buf *b, enum pfkey_dialect d, uint8_t type,
    uint8_t satype, uint32_t seq, uint32_t pid)
{
	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	memset(b, 0, sizeof(*b));
	b->dialect = pfkey_dialect_resolve(d);
	if ((b->base = calloc(1, BUF_INITIAL)) == NULL)
		return (fail(b, PFKEY_ERR_NOMEM));
	b->cap = BUF_INITIAL;
	b->heap = true;
	hdr_init(b, type, satype, seq, pid);
	return (0);
}

void
pfkey_buf_free(struct pfkey_buf *b)
{
	if (b == NULL || b->base == NULL)
		return;
	/* Messages carry keys: never leave them behind. */
	if (b->heap) {
		explicit_bzero(b->base, b->cap);
		free(b->base);
	} else
		explicit_bzero(b->base, b->len);
	memset(b, 0, sizeof(*b));
}

int
pfkey_buf_set_errno(struct pfkey_buf *b, uint8_t err)
{
	if (b == NULL || b->base == NULL)
		return (PFKEY_ERR_INVAL);
	b->base[2] = err;
	return (0);
}

int
pfkey_buf_finish(struct pfkey_buf *b, const void **msg, size_t *len)
{
	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	if (b->error != 0)
		return (b->error);
	if (b->base == NULL)
		return (PFKEY_ERR_INVAL);
	wr16(b->base + 4, (uint16_t)(b->len / PFKEY_UNIT));
	if (msg != NULL)
		*msg = b->base;
	if (len != NULL)
		*len = b->len;
	return (0);
}

/* Room for n more bytes (n a multiple of 8), zeroed. */
static uint8_t *
reserve(struct pfkey_buf *b, size_t n)
{
	uint8_t *p;
	size_t ncap;

	if (b->error != 0)
		return (NULL);
	if (n > PFKEY_MSG_MAXLEN - b->len) {
		fail(b, PFKEY_ERR_NOSPACE);
		return (NULL);
	}
	if (b->len + n > b->cap) {
		if (!b->heap) {
			fail(b, PFKEY_ERR_NOSPACE);
			return (NULL);
		}
		ncap = b->cap;
		while (ncap < b->len + n)
			ncap *= 2;
		if (ncap > PFKEY_MSG_MAXLEN)
			ncap = PFKEY_MSG_MAXLEN;
		/* Grow by copy so the old bytes (keys) can be wiped. */
		if ((p = calloc(1, ncap)) == NULL) {
			fail(b, PFKEY_ERR_NOMEM);
			return (NULL);
		}
		memcpy(p, b->base, b->len);
		explicit_bzero(b->base, b->cap);
		free(b->base);
		b->base = p;
		b->cap = ncap;
	}
	p = b->base + b->len;
	memset(p, 0, n);
	b->len += n;
	return (p);
}

/*
 * Start an extension of `body' bytes after its 4-byte header (the total is
 * padded to 8).  Checks that the dialect has the extension and that it was
 * not put before.
 */
static uint8_t *
ext_begin(struct pfkey_buf *b, int logical, size_t total)
{
	uint8_t *p;
	int wire;

	if (b == NULL || b->base == NULL)
		return (NULL);
	if (b->error != 0)
		return (NULL);
	if ((wire = pfkey_ext_to_wire(b->dialect, logical)) < 0) {
		fail(b, PFKEY_ERR_DIALECT);
		return (NULL);
	}
	if (b->seen & PFKEY_EXTBIT(logical)) {
		fail(b, PFKEY_ERR_EXT_DUP);
		return (NULL);
	}
	total = PFKEY_ALIGN8(total);
	if (total / PFKEY_UNIT > UINT16_MAX) {
		fail(b, PFKEY_ERR_NOSPACE);
		return (NULL);
	}
	if ((p = reserve(b, total)) == NULL)
		return (NULL);
	wr16(p, (uint16_t)(total / PFKEY_UNIT));
	wr16(p + 2, (uint16_t)wire);
	b->seen |= PFKEY_EXTBIT(logical);
	return (p);
}

static int
result(struct pfkey_buf *b)
{
	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	return (b->error);
}

int
pfkey_put_raw(struct pfkey_buf *b, const void *ext, size_t len)
{
	const uint8_t *e = ext;
	uint16_t l, t;
	uint8_t *p;
	int logical;

	if (b == NULL || ext == NULL || len < 8 || len % 8 != 0)
		return (b != NULL ? fail(b, PFKEY_ERR_INVAL) : PFKEY_ERR_INVAL);
	memcpy(&l, e, 2);
	memcpy(&t, e + 2, 2);
	if ((size_t)l * PFKEY_UNIT != len)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((logical = pfkey_ext_from_wire(b->dialect, t)) < 0)
		return (fail(b, PFKEY_ERR_EXT_TYPE));
	if ((p = ext_begin(b, logical, len)) == NULL)
		return (result(b));
	memcpy(p, e, len);
	return (0);
}

int
pfkey_put_sa(struct pfkey_buf *b, const struct pfkey_sa_args *a)
{
	uint8_t *p;

	if (a == NULL)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, PFKEY_EXT_SA, 16)) == NULL)
		return (result(b));
	memcpy(p + 4, &a->spi, 4);
	p[8] = a->replay;
	p[9] = a->state;
	p[10] = a->auth;
	p[11] = a->encrypt;
	wr32(p + 12, a->flags);
	return (0);
}

int
pfkey_put_lifetime(struct pfkey_buf *b, int ext,
    const struct pfkey_lifetime_args *a)
{
	uint8_t *p;

	if (a == NULL || (ext != PFKEY_EXT_LIFETIME_CURRENT &&
	    ext != PFKEY_EXT_LIFETIME_HARD && ext != PFKEY_EXT_LIFETIME_SOFT))
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, ext, 32)) == NULL)
		return (result(b));
	wr32(p + 4, a->allocations);
	wr64(p + 8, a->bytes);
	wr64(p + 16, a->addtime);
	wr64(p + 24, a->usetime);
	return (0);
}

int
pfkey_put_address(struct pfkey_buf *b, int ext, const struct sockaddr *sa,
    uint8_t prefixlen, uint8_t proto)
{
	size_t salen;
	unsigned bits;
	uint8_t *p;

	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	if (!pfkey_ext_is_address(ext))
		return (fail(b, PFKEY_ERR_INVAL));
	if (sa == NULL)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((salen = pfkey_d_salen(b->dialect, sa->sa_family)) == 0)
		return (fail(b, PFKEY_ERR_FAMILY));
	bits = pfkey_af_bits(sa->sa_family);
	if (prefixlen == 0xff)
		prefixlen = (uint8_t)bits;
	if (prefixlen > bits)
		return (fail(b, PFKEY_ERR_PREFIXLEN));
	if ((p = ext_begin(b, ext, 8 + salen)) == NULL)
		return (result(b));
	p[4] = proto;
	p[5] = prefixlen;
	(void)pfkey_d_sa_write(b->dialect, sa, p + 8, salen);
	return (0);
}

int
pfkey_put_key(struct pfkey_buf *b, int ext, const void *key, unsigned bits)
{
	size_t bytes = ((size_t)bits + 7) / 8;
	uint8_t *p;

	if ((ext != PFKEY_EXT_KEY_AUTH && ext != PFKEY_EXT_KEY_ENCRYPT) ||
	    bits > UINT16_MAX || (bits > 0 && key == NULL))
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, ext, 8 + bytes)) == NULL)
		return (result(b));
	wr16(p + 4, (uint16_t)bits);
	if (bytes > 0)
		memcpy(p + 8, key, bytes);
	return (0);
}

int
pfkey_put_identity(struct pfkey_buf *b, int ext, uint16_t type,
    uint64_t idnum, const char *id, size_t idlen)
{
	uint8_t *p;

	if ((ext != PFKEY_EXT_IDENTITY_SRC && ext != PFKEY_EXT_IDENTITY_DST) ||
	    (idlen > 0 && id == NULL))
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, ext, 16 + (idlen > 0 ? idlen + 1 : 0))) == NULL)
		return (result(b));
	wr16(p + 4, type);
	wr64(p + 8, idnum);
	if (idlen > 0)
		memcpy(p + 16, id, idlen);
	return (0);
}

int
pfkey_put_sensitivity(struct pfkey_buf *b, uint32_t dpd, uint8_t sens_level,
    const uint64_t *sens, uint8_t nsens, uint8_t integ_level,
    const uint64_t *integ, uint8_t ninteg)
{
	uint8_t *p;

	if ((nsens > 0 && sens == NULL) || (ninteg > 0 && integ == NULL))
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, PFKEY_EXT_SENSITIVITY,
	    16 + ((size_t)nsens + ninteg) * 8)) == NULL)
		return (result(b));
	wr32(p + 4, dpd);
	p[8] = sens_level;
	p[9] = nsens;
	p[10] = integ_level;
	p[11] = ninteg;
	if (nsens > 0)
		memcpy(p + 16, sens, (size_t)nsens * 8);
	if (ninteg > 0)
		memcpy(p + 16 + (size_t)nsens * 8, integ, (size_t)ninteg * 8);
	return (0);
}

int
pfkey_put_proposal(struct pfkey_buf *b, uint8_t replay,
    const struct sadb_comb *combs, size_t n)
{
	uint8_t *p;

	if (n > 0 && combs == NULL)
		return (fail(b, PFKEY_ERR_INVAL));
	if (n > PFKEY_MSG_MAXLEN / sizeof(*combs))
		return (fail(b, PFKEY_ERR_NOSPACE));
	if ((p = ext_begin(b, PFKEY_EXT_PROPOSAL,
	    8 + n * sizeof(*combs))) == NULL)
		return (result(b));
	p[4] = replay;
	if (n > 0)
		memcpy(p + 8, combs, n * sizeof(*combs));
	return (0);
}

int
pfkey_put_supported(struct pfkey_buf *b, int ext, const struct sadb_alg *algs,
    size_t n)
{
	uint8_t *p;

	if ((ext != PFKEY_EXT_SUPPORTED_AUTH &&
	    ext != PFKEY_EXT_SUPPORTED_ENCRYPT) || (n > 0 && algs == NULL))
		return (fail(b, PFKEY_ERR_INVAL));
	if (n > PFKEY_MSG_MAXLEN / sizeof(*algs))
		return (fail(b, PFKEY_ERR_NOSPACE));
	if ((p = ext_begin(b, ext, 8 + n * sizeof(*algs))) == NULL)
		return (result(b));
	if (n > 0)
		memcpy(p + 8, algs, n * sizeof(*algs));
	return (0);
}

int
pfkey_put_spirange(struct pfkey_buf *b, uint32_t min, uint32_t max)
{
	uint8_t *p;

	if (min > max)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, PFKEY_EXT_SPIRANGE, 16)) == NULL)
		return (result(b));
	wr32(p + 4, min);
	wr32(p + 8, max);
	return (0);
}

int
pfkey_put_kmprivate(struct pfkey_buf *b)
{
	if (ext_begin(b, PFKEY_EXT_X_KMPRIVATE, 8) == NULL)
		return (result(b));
	return (0);
}

/* Size of one ipsec request on the wire, or an error. */
static int
isr_size(enum pfkey_dialect d, const struct pfkey_ipsecreq *r, size_t *sz)
{
	size_t s = pfkey_d_isr_len(d), a1, a2;

	if (!pfkey_d_isr_proto_ok(d, r->proto) ||
	    r->mode > pfkey_d_mode_max(d))
		return (PFKEY_ERR_DIALECT);
	if (r->level > PFKEY_LEVEL_UNIQUE)
		return (PFKEY_ERR_INVAL);
	if (pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD &&
	    r->reqid > UINT16_MAX)
		return (PFKEY_ERR_DIALECT);
	if (r->src.ss_family == AF_UNSPEC && r->dst.ss_family == AF_UNSPEC) {
		*sz = s;
		return (0);
	}
	a1 = pfkey_d_salen(d, r->src.ss_family);
	a2 = pfkey_d_salen(d, r->dst.ss_family);
	if (a1 == 0 || a2 == 0)
		return (PFKEY_ERR_FAMILY);
	if (r->src.ss_family != r->dst.ss_family)
		return (PFKEY_ERR_ADDRFAMILY);
	*sz = PFKEY_ALIGN8(s + a1 + a2);
	return (0);
}

int
pfkey_put_policy(struct pfkey_buf *b, const struct pfkey_policy *pol)
{
	size_t total = 16, sz[PFKEY_POLICY_MAXREQ], o, isrlen;
	bool fb;
	unsigned i;
	uint8_t *p, *r;
	int rc;

	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	if (pol == NULL || pol->nreq > PFKEY_POLICY_MAXREQ ||
	    pol->type > PFKEY_POLICY_BYPASS ||
	    (pol->type != PFKEY_POLICY_IPSEC && pol->nreq != 0))
		return (fail(b, PFKEY_ERR_INVAL));
	if (pol->dir > pfkey_d_dir_max(b->dialect))
		return (fail(b, PFKEY_ERR_DIALECT));
	fb = b->dialect == PFKEY_DIALECT_FREEBSD;
	if (!fb && pol->scope != 0)
		return (fail(b, PFKEY_ERR_DIALECT));
	for (i = 0; i < pol->nreq; i++) {
		if ((rc = isr_size(b->dialect, &pol->req[i], &sz[i])) != 0)
			return (fail(b, rc));
		total += sz[i];
	}
	if ((p = ext_begin(b, PFKEY_EXT_X_POLICY, total)) == NULL)
		return (result(b));
	wr16(p + 4, pol->type);
	p[6] = pol->dir;
	p[7] = fb ? pol->scope : 0;
	wr32(p + 8, pol->id);
	wr32(p + 12, pol->priority);
	isrlen = pfkey_d_isr_len(b->dialect);
	for (o = 16, i = 0; i < pol->nreq; o += sz[i], i++) {
		const struct pfkey_ipsecreq *q = &pol->req[i];

		r = p + o;
		wr16(r, (uint16_t)sz[i]);
		wr16(r + 2, q->proto);
		r[4] = q->mode;
		r[5] = q->level;
		if (fb)
			wr16(r + 6, (uint16_t)q->reqid);
		else
			wr32(r + 8, q->reqid);
		if (sz[i] > isrlen) {
			rc = pfkey_d_sa_write(b->dialect,
			    (const struct sockaddr *)&q->src, r + isrlen,
			    sz[i] - isrlen);
			(void)pfkey_d_sa_write(b->dialect,
			    (const struct sockaddr *)&q->dst, r + isrlen + rc,
			    sz[i] - isrlen - (size_t)rc);
		}
	}
	return (0);
}

int
pfkey_put_sa2(struct pfkey_buf *b, uint8_t mode, uint32_t sequence,
    uint32_t reqid)
{
	uint8_t *p;

	if (b != NULL && mode > pfkey_d_mode_max(b->dialect))
		return (fail(b, PFKEY_ERR_DIALECT));
	if ((p = ext_begin(b, PFKEY_EXT_X_SA2, 16)) == NULL)
		return (result(b));
	p[4] = mode;
	wr32(p + 8, sequence);
	wr32(p + 12, reqid);
	return (0);
}

int
pfkey_put_nat_t_type(struct pfkey_buf *b, uint8_t type)
{
	uint8_t *p;

	if ((p = ext_begin(b, PFKEY_EXT_X_NAT_T_TYPE, 8)) == NULL)
		return (result(b));
	p[4] = type;
	return (0);
}

int
pfkey_put_nat_t_port(struct pfkey_buf *b, int ext, uint16_t port)
{
	uint8_t *p;

	if (ext != PFKEY_EXT_X_NAT_T_SPORT && ext != PFKEY_EXT_X_NAT_T_DPORT)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, ext, 8)) == NULL)
		return (result(b));
	memcpy(p + 4, &port, 2);
	return (0);
}

int
pfkey_put_sec_ctx(struct pfkey_buf *b, uint8_t doi, uint8_t alg,
    const void *ctx, uint16_t ctxlen)
{
	uint8_t *p;

	if (ctxlen > 0 && ctx == NULL)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((p = ext_begin(b, PFKEY_EXT_X_SEC_CTX, 8 + (size_t)ctxlen)) ==
	    NULL)
		return (result(b));
	p[4] = alg;
	p[5] = doi;
	wr16(p + 6, ctxlen);
	if (ctxlen > 0)
		memcpy(p + 8, ctx, ctxlen);
	return (0);
}

int
pfkey_put_kmaddress(struct pfkey_buf *b, const struct sockaddr *local,
    const struct sockaddr *remote)
{
	size_t l1, l2;
	uint8_t *p;

	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	if (local == NULL || remote == NULL)
		return (fail(b, PFKEY_ERR_INVAL));
	l1 = pfkey_d_salen(b->dialect, local->sa_family);
	l2 = pfkey_d_salen(b->dialect, remote->sa_family);
	if (l1 == 0 || l2 == 0)
		return (fail(b, PFKEY_ERR_FAMILY));
	if (local->sa_family != remote->sa_family)
		return (fail(b, PFKEY_ERR_ADDRFAMILY));
	if ((p = ext_begin(b, PFKEY_EXT_X_KMADDRESS, 8 + l1 + l2)) == NULL)
		return (result(b));
	(void)pfkey_d_sa_write(b->dialect, local, p + 8, l1);
	(void)pfkey_d_sa_write(b->dialect, remote, p + 8 + l1, l2);
	return (0);
}

int
pfkey_put_filter(struct pfkey_buf *b, int family, const void *saddr,
    uint8_t splen, const void *daddr, uint8_t dplen)
{
	size_t alen;
	unsigned bits;
	uint8_t *p;

	if (b == NULL)
		return (PFKEY_ERR_INVAL);
	if (saddr == NULL || daddr == NULL)
		return (fail(b, PFKEY_ERR_INVAL));
	if ((bits = pfkey_af_bits(family)) == 0)
		return (fail(b, PFKEY_ERR_FAMILY));
	if (splen > bits || dplen > bits)
		return (fail(b, PFKEY_ERR_PREFIXLEN));
	alen = bits / 8;
	if ((p = ext_begin(b, PFKEY_EXT_X_FILTER, 40)) == NULL)
		return (result(b));
	memcpy(p + 4, saddr, alen);
	memcpy(p + 20, daddr, alen);
	wr16(p + 36, family == AF_INET ? PFKEY_LX_AF_INET : PFKEY_LX_AF_INET6);
	p[38] = splen;
	p[39] = dplen;
	return (0);
}

int
pfkey_put_nat_t_frag(struct pfkey_buf *b, uint16_t fraglen)
{
	uint8_t *p;

	if ((p = ext_begin(b, PFKEY_EXT_X_NAT_T_FRAG, 8)) == NULL)
		return (result(b));
	wr16(p + 4, fraglen);
	return (0);
}

int
pfkey_put_sa_replay(struct pfkey_buf *b, uint32_t replay)
{
	uint8_t *p;

	if ((p = ext_begin(b, PFKEY_EXT_X_SA_REPLAY, 8)) == NULL)
		return (result(b));
	wr32(p + 4, replay);
	return (0);
}
