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
 * pfkey_decode(): one validating pass over a PF_KEY v2 message whose length
 * the caller passes.  After it succeeds nothing needs to re-check a length:
 * every extension the view points at is bounded and of a sane size.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "pfkey_priv.h"

#define EB(e)	PFKEY_EXTBIT(PFKEY_EXT_##e)

/* A validator: 0 or an error, with *off the fault's offset in the ext. */
typedef int (*ext_check_fn)(enum pfkey_dialect, int logical,
    const uint8_t *ext, size_t len, size_t *off);

struct extspec {
	uint16_t	minlen;
	uint16_t	maxlen;		/* 0: no upper bound */
	ext_check_fn	check;
};

static int
check_sa(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if (p[9] > PFKEY_SASTATE_DEAD) {
		*off = 9;
		return (PFKEY_ERR_FIELD);
	}
	return (0);
}

static int
check_address(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	struct sockaddr_storage ss;
	int rc;

	*off = 8;
	if ((rc = pfkey_d_sa_read(d, p + 8, len - 8, &ss, NULL)) != 0)
		return (rc);
	if (p[5] > pfkey_af_bits(ss.ss_family)) {
		*off = 5;
		return (PFKEY_ERR_PREFIXLEN);
	}
	return (0);
}

static int
check_key(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if ((size_t)rd16(p + 4) > (len - 8) * 8) {
		*off = 4;
		return (PFKEY_ERR_KEYBITS);
	}
	return (0);
}

/* RFC 2367 2.3.4: the identity string is NUL terminated, then padded. */
static int
check_ident(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if (len > 16 && memchr(p + 16, '\0', len - 16) == NULL) {
		*off = 16;
		return (PFKEY_ERR_FIELD);
	}
	return (0);
}

static int
check_sens(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	size_t need = 16 + ((size_t)p[9] + (size_t)p[11]) * 8;

	if (need > len) {
		*off = 9;
		return (PFKEY_ERR_EXT_SIZE);
	}
	return (0);
}

static int
check_prop(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if ((len - 8) % sizeof(struct sadb_comb) != 0) {
		*off = 0;
		return (PFKEY_ERR_EXT_SIZE);
	}
	return (0);
}

static int
check_spirange(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if (rd32(p + 4) > rd32(p + 8)) {
		*off = 4;
		return (PFKEY_ERR_FIELD);
	}
	return (0);
}

static int policy_walk(enum pfkey_dialect, const uint8_t *, size_t, size_t *,
    struct pfkey_policy *);

static int
check_policy(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	return (policy_walk(d, p, len, off, NULL));
}

static int
check_sa2(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if (p[4] > pfkey_d_mode_max(d)) {
		*off = 4;
		return (PFKEY_ERR_FIELD);
	}
	return (0);
}

static int
check_sec_ctx(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	if (8 + (size_t)rd16(p + 6) > len) {
		*off = 6;
		return (PFKEY_ERR_EXT_SIZE);
	}
	return (0);
}

static int
check_kmaddress(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	struct sockaddr_storage a, b;
	size_t used1, used2;
	int rc;

	*off = 8;
	if ((rc = pfkey_d_sa_read(d, p + 8, len - 8, &a, &used1)) != 0)
		return (rc);
	*off = 8 + used1;
	if ((rc = pfkey_d_sa_read(d, p + 8 + used1, len - 8 - used1, &b,
	    &used2)) != 0)
		return (rc);
	if (a.ss_family != b.ss_family)
		return (PFKEY_ERR_ADDRFAMILY);
	return (0);
}

static int
check_filter(enum pfkey_dialect d, int e, const uint8_t *p, size_t len,
    size_t *off)
{
	unsigned bits;

	switch (rd16(p + 36)) {
	case PFKEY_LX_AF_INET:
		bits = 32;
		break;
	case PFKEY_LX_AF_INET6:
		bits = 128;
		break;
	default:
		*off = 36;
		return (PFKEY_ERR_FAMILY);
	}
	if (p[38] > bits || p[39] > bits) {
		*off = 38;
		return (PFKEY_ERR_PREFIXLEN);
	}
	return (0);
}

/* Minimum sizes, exact sizes for fixed layouts, and validators. */
static const struct extspec extspecs[PFKEY_EXT_COUNT] = {
	[PFKEY_EXT_SA] = { 16, 16, check_sa },
	[PFKEY_EXT_LIFETIME_CURRENT] = { 32, 32, NULL },
	[PFKEY_EXT_LIFETIME_HARD] = { 32, 32, NULL },
	[PFKEY_EXT_LIFETIME_SOFT] = { 32, 32, NULL },
	[PFKEY_EXT_ADDRESS_SRC] = { 8 + 16, 0, check_address },
	[PFKEY_EXT_ADDRESS_DST] = { 8 + 16, 0, check_address },
	[PFKEY_EXT_ADDRESS_PROXY] = { 8 + 16, 0, check_address },
	[PFKEY_EXT_KEY_AUTH] = { 8, 0, check_key },
	[PFKEY_EXT_KEY_ENCRYPT] = { 8, 0, check_key },
	[PFKEY_EXT_IDENTITY_SRC] = { 16, 0, check_ident },
	[PFKEY_EXT_IDENTITY_DST] = { 16, 0, check_ident },
	[PFKEY_EXT_SENSITIVITY] = { 16, 0, check_sens },
	[PFKEY_EXT_PROPOSAL] = { 8, 0, check_prop },
	[PFKEY_EXT_SUPPORTED_AUTH] = { 8, 0, NULL },
	[PFKEY_EXT_SUPPORTED_ENCRYPT] = { 8, 0, NULL },
	[PFKEY_EXT_SPIRANGE] = { 16, 16, check_spirange },
	[PFKEY_EXT_X_KMPRIVATE] = { 8, 8, NULL },
	[PFKEY_EXT_X_POLICY] = { 16, 0, check_policy },
	[PFKEY_EXT_X_SA2] = { 16, 16, check_sa2 },
	[PFKEY_EXT_X_NAT_T_TYPE] = { 8, 8, NULL },
	[PFKEY_EXT_X_NAT_T_SPORT] = { 8, 8, NULL },
	[PFKEY_EXT_X_NAT_T_DPORT] = { 8, 8, NULL },
	[PFKEY_EXT_X_NAT_T_OA] = { 8 + 16, 0, check_address },
	[PFKEY_EXT_X_NAT_T_OAR] = { 8 + 16, 0, check_address },
	[PFKEY_EXT_X_SEC_CTX] = { 8, 0, check_sec_ctx },
	[PFKEY_EXT_X_KMADDRESS] = { 8 + 32, 0, check_kmaddress },
	[PFKEY_EXT_X_NAT_T_FRAG] = { 8, 8, NULL },
	[PFKEY_EXT_X_FILTER] = { 40, 40, check_filter },
	[PFKEY_EXT_X_SA_REPLAY] = { 8, 8, NULL },
	[PFKEY_EXT_X_NEW_ADDRESS_SRC] = { 8 + 16, 0, check_address },
	[PFKEY_EXT_X_NEW_ADDRESS_DST] = { 8 + 16, 0, check_address },
};

/*
 * Required extensions, RFC 2367 section 3.1, as the Linux and KAME kernels
 * apply them: [0] for messages sent to the kernel, [1] for what it sends.
 * KAME differences: SPIRANGE is optional on GETSPI, DELETE without SA is
 * "delete all" (so SA is not required), ACQUIRE from a key manager is an
 * error report with only the base header.
 */
#define SD	(EB(ADDRESS_SRC) | EB(ADDRESS_DST))
static const uint32_t required[PFKEY_MSG_COUNT][2] = {
	[PFKEY_MSG_GETSPI] = { SD, EB(SA) | SD },
	[PFKEY_MSG_UPDATE] = { EB(SA) | SD, EB(SA) | SD },
	[PFKEY_MSG_ADD] = { EB(SA) | SD, EB(SA) | SD },
	[PFKEY_MSG_DELETE] = { SD, SD },
	[PFKEY_MSG_GET] = { EB(SA) | SD, EB(SA) | SD },
	[PFKEY_MSG_ACQUIRE] = { 0, SD | EB(PROPOSAL) },
	[PFKEY_MSG_REGISTER] = { 0, 0 },
	[PFKEY_MSG_EXPIRE] = { EB(SA) | SD,
	    EB(SA) | EB(LIFETIME_CURRENT) | SD },
	[PFKEY_MSG_FLUSH] = { 0, 0 },
	[PFKEY_MSG_DUMP] = { 0, EB(SA) | SD },
	[PFKEY_MSG_X_SPDUPDATE] = { SD | EB(X_POLICY), SD | EB(X_POLICY) },
	[PFKEY_MSG_X_SPDADD] = { SD | EB(X_POLICY), SD | EB(X_POLICY) },
	[PFKEY_MSG_X_SPDDELETE] = { SD | EB(X_POLICY), SD | EB(X_POLICY) },
	[PFKEY_MSG_X_SPDGET] = { EB(X_POLICY), SD | EB(X_POLICY) },
	[PFKEY_MSG_X_SPDACQUIRE] = { EB(X_POLICY), EB(X_POLICY) },
	[PFKEY_MSG_X_SPDDUMP] = { 0, SD | EB(X_POLICY) },
	[PFKEY_MSG_X_SPDFLUSH] = { 0, 0 },
	[PFKEY_MSG_X_SPDSETIDX] = { SD | EB(X_POLICY), SD | EB(X_POLICY) },
	[PFKEY_MSG_X_SPDEXPIRE] = { SD | EB(X_POLICY),
	    SD | EB(X_POLICY) | EB(LIFETIME_CURRENT) | EB(LIFETIME_HARD) },
	[PFKEY_MSG_X_SPDDELETE2] = { EB(X_POLICY), EB(X_POLICY) },
	[PFKEY_MSG_X_NAT_T_NEW_MAPPING] = {
	    EB(SA) | SD | EB(X_NAT_T_SPORT) | EB(X_NAT_T_DPORT),
	    EB(SA) | SD | EB(X_NAT_T_SPORT) | EB(X_NAT_T_DPORT) },
	[PFKEY_MSG_X_MIGRATE] = { SD | EB(X_POLICY), SD | EB(X_POLICY) },
};
#undef SD

/*
 * Walk an X_POLICY extension: header values, then every ipsec request
 * (dialect layout) with its optional pair of tunnel endpoints.  Fills
 * `pol' when it is not NULL.
 */
static int
policy_walk(enum pfkey_dialect d, const uint8_t *p, size_t len, size_t *off,
    struct pfkey_policy *pol)
{
	bool fb = pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD;
	size_t isrlen = pfkey_d_isr_len(d), o, rlen, used, aused;
	struct pfkey_ipsecreq req;
	uint16_t type;
	unsigned n = 0;
	int rc;

	type = rd16(p + 4);
	if (type > PFKEY_POLICY_BYPASS) {
		*off = 4;
		return (PFKEY_ERR_FIELD);
	}
	if (p[6] > pfkey_d_dir_max(d)) {
		*off = 6;
		return (PFKEY_ERR_FIELD);
	}
	if (fb && p[7] != PFKEY_SCOPE_ANY && p[7] != PFKEY_SCOPE_GLOBAL &&
	    p[7] != PFKEY_SCOPE_IFNET && p[7] != PFKEY_SCOPE_PCB) {
		*off = 7;
		return (PFKEY_ERR_FIELD);
	}
	if (pol != NULL) {
		memset(pol, 0, sizeof(*pol));
		pol->type = type;
		pol->dir = p[6];
		pol->scope = fb ? p[7] : 0;
		pol->id = rd32(p + 8);
		pol->priority = rd32(p + 12);
	}
	if (type != PFKEY_POLICY_IPSEC) {
		if (len != 16) {
			*off = 16;
			return (PFKEY_ERR_POLICY);
		}
		return (0);
	}
	for (o = 16; o < len; o += rlen) {
		*off = o;
		if (len - o < isrlen)
			return (PFKEY_ERR_POLICY);
		rlen = rd16(p + o);
		if (rlen < isrlen || rlen > len - o)
			return (PFKEY_ERR_POLICY);
		if (n == PFKEY_POLICY_MAXREQ)
			return (PFKEY_ERR_POLICY);
		memset(&req, 0, sizeof(req));
		req.proto = rd16(p + o + 2);
		req.mode = p[o + 4];
		req.level = p[o + 5];
		req.reqid = fb ? rd16(p + o + 6) : rd32(p + o + 8);
		*off = o + 2;
		if (!pfkey_d_isr_proto_ok(d, req.proto))
			return (PFKEY_ERR_FIELD);
		*off = o + 4;
		if (req.mode > pfkey_d_mode_max(d))
			return (PFKEY_ERR_FIELD);
		*off = o + 5;
		if (req.level > PFKEY_LEVEL_UNIQUE)
			return (PFKEY_ERR_FIELD);
		if (rlen > isrlen) {
			*off = o + isrlen;
			rc = pfkey_d_sa_read(d, p + o + isrlen, rlen - isrlen,
			    &req.src, &used);
			if (rc != 0)
				return (rc);
			*off = o + isrlen + used;
			rc = pfkey_d_sa_read(d, p + o + isrlen + used,
			    rlen - isrlen - used, &req.dst, &aused);
			if (rc != 0)
				return (rc);
			if (req.src.ss_family != req.dst.ss_family)
				return (PFKEY_ERR_ADDRFAMILY);
			/* Only alignment padding may follow the endpoints. */
			if (rlen - isrlen - used - aused >= 8) {
				*off = o + isrlen + used + aused;
				return (PFKEY_ERR_POLICY);
			}
		}
		if (pol != NULL)
			pol->req[n] = req;
		n++;
	}
	if (pol != NULL)
		pol->nreq = n;
	return (0);
}

int
pfkey_decode(const void *buf, size_t len, enum pfkey_dialect d, int flags,
    struct pfkey_msg *m)
{
	const uint8_t *p = buf;
	const struct extspec *es;
	size_t off, elen, fault;
	uint32_t seen = 0, need;
	int wire, logical, rc;
	uint8_t type;
	struct sockaddr_storage a, b;

	if (m == NULL)
		return (PFKEY_ERR_INVAL);
	memset(m, 0, sizeof(*m));
	d = pfkey_dialect_resolve(d);
	m->dialect = d;
	m->err_wire = -1;
	if (buf == NULL || ((uintptr_t)buf & 7) != 0)
		return (PFKEY_ERR_INVAL);
	if (len < PFKEY_HDRLEN)
		return (PFKEY_ERR_SHORT);
	if (p[0] != PFKEY_V2) {
		m->err_off = 0;
		return (PFKEY_ERR_VERSION);
	}
	if ((size_t)rd16(p + 4) * PFKEY_UNIT != len) {
		m->err_off = 4;
		return (PFKEY_ERR_LENGTH);
	}
	type = p[1];
	if (type == PFKEY_MSG_RESERVED || type > pfkey_msg_max(d)) {
		m->err_off = 1;
		return (PFKEY_ERR_MSGTYPE);
	}
	/* X_PROMISC uses the SA type field as its on/off switch. */
	if (type != PFKEY_MSG_X_PROMISC && !pfkey_satype_valid(d, p[3])) {
		m->err_off = 3;
		return (PFKEY_ERR_SATYPE);
	}
	m->hdr = buf;
	m->len = len;
	/*
	 * X_PROMISC carries no extensions: after the header comes either
	 * nothing (a toggle) or a whole embedded message, which the caller
	 * decodes on its own.
	 */
	if (type == PFKEY_MSG_X_PROMISC)
		return (0);

	for (off = PFKEY_HDRLEN; off < len; off += elen) {
		m->err_off = off;
		m->err_ext = 0;
		if (len - off < sizeof(struct sadb_ext))
			return (PFKEY_ERR_EXT_SHORT);
		elen = (size_t)rd16(p + off) * PFKEY_UNIT;
		wire = rd16(p + off + 2);
		m->err_wire = wire;
		if (elen == 0)
			return (PFKEY_ERR_EXT_SHORT);
		if (elen > len - off)
			return (PFKEY_ERR_EXT_OVERRUN);
		if (wire == 0)
			return (PFKEY_ERR_EXT_TYPE);
		if (wire > pfkey_ext_max(d)) {
			if (flags & PFKEY_DEC_SKIP_UNKNOWN)
				continue;
			return (PFKEY_ERR_EXT_TYPE);
		}
		logical = pfkey_ext_from_wire(d, wire);
		if (logical < 0)
			return (PFKEY_ERR_EXT_TYPE);
		m->err_ext = logical;
		if (seen & PFKEY_EXTBIT(logical))
			return (PFKEY_ERR_EXT_DUP);
		es = &extspecs[logical];
		if (elen < es->minlen || (es->maxlen != 0 &&
		    elen > es->maxlen))
			return (PFKEY_ERR_EXT_SIZE);
		if (es->check != NULL) {
			fault = 0;
			rc = es->check(d, logical, p + off, elen, &fault);
			if (rc != 0) {
				m->err_off = off + fault;
				return (rc);
			}
		}
		seen |= PFKEY_EXTBIT(logical);
		m->ext[logical] = (const void *)(p + off);
	}
	m->err_wire = -1;
	m->err_ext = 0;

	/* An SA's two ends are of one family. */
	if (m->ext[PFKEY_EXT_ADDRESS_SRC] != NULL &&
	    m->ext[PFKEY_EXT_ADDRESS_DST] != NULL) {
		(void)pfkey_get_address(m, PFKEY_EXT_ADDRESS_SRC, &a, NULL,
		    NULL);
		(void)pfkey_get_address(m, PFKEY_EXT_ADDRESS_DST, &b, NULL,
		    NULL);
		if (a.ss_family != b.ss_family) {
			m->err_ext = PFKEY_EXT_ADDRESS_DST;
			m->err_wire = PFKEY_EXT_ADDRESS_DST;
			m->err_off = (size_t)((const uint8_t *)
			    m->ext[PFKEY_EXT_ADDRESS_DST] - p);
			return (PFKEY_ERR_ADDRFAMILY);
		}
	}

	if ((flags & PFKEY_DEC_NOREQ) == 0 && p[2] == 0) {
		need = required[type][(flags & PFKEY_DEC_FROM_KERNEL) ? 1 : 0];
		if ((need & ~seen) != 0) {
			for (logical = 1; logical < PFKEY_EXT_COUNT; logical++)
				if ((need & ~seen) & PFKEY_EXTBIT(logical))
					break;
			m->err_ext = logical;
			m->err_off = len;
			return (PFKEY_ERR_EXT_MISSING);
		}
	}
	return (0);
}

int
pfkey_decode_error(const struct pfkey_msg *m, int code, char *buf,
    size_t bufsz)
{
	const char *en;

	if (m == NULL || m->err_ext == 0 || code == PFKEY_ERR_EXT_TYPE ||
	    (code == PFKEY_ERR_EXT_SHORT || code == PFKEY_ERR_EXT_OVERRUN)) {
		if (m != NULL && m->err_wire >= 0)
			return (snprintf(buf, bufsz,
			    "extension type %d at offset %zu: %s",
			    m->err_wire, m->err_off, pfkey_strerror(code)));
		return (snprintf(buf, bufsz, "%s at offset %zu",
		    pfkey_strerror(code), m != NULL ? m->err_off : 0));
	}
	en = pfkey_ext_name(m->err_ext);
	if (code == PFKEY_ERR_EXT_MISSING)
		return (snprintf(buf, bufsz, "required extension %s missing",
		    en != NULL ? en : "?"));
	return (snprintf(buf, bufsz, "extension %s (type %d) at offset %zu: %s",
	    en != NULL ? en : "?",
	    pfkey_ext_to_wire(m->dialect, m->err_ext), m->err_off,
	    pfkey_strerror(code)));
}

static const uint8_t *
ext_bytes(const struct pfkey_msg *m, int ext, size_t *len)
{
	const uint8_t *p;

	if (m == NULL || ext <= 0 || ext >= PFKEY_EXT_COUNT ||
	    m->ext[ext] == NULL)
		return (NULL);
	p = (const uint8_t *)m->ext[ext];
	*len = (size_t)rd16(p) * PFKEY_UNIT;
	return (p);
}

int
pfkey_get_address(const struct pfkey_msg *m, int ext,
    struct sockaddr_storage *ss, uint8_t *plen, uint8_t *proto)
{
	const uint8_t *p;
	size_t len;
	int rc;

	if (!pfkey_ext_is_address(ext))
		return (PFKEY_ERR_INVAL);
	if ((p = ext_bytes(m, ext, &len)) == NULL)
		return (PFKEY_ERR_NOENT);
	if ((rc = pfkey_d_sa_read(m->dialect, p + 8, len - 8, ss, NULL)) != 0)
		return (rc);
	if (proto != NULL)
		*proto = p[4];
	if (plen != NULL)
		*plen = p[5];
	return (0);
}

int
pfkey_get_key(const struct pfkey_msg *m, int ext, const uint8_t **key,
    unsigned *bits)
{
	const uint8_t *p;
	size_t len;

	if (ext != PFKEY_EXT_KEY_AUTH && ext != PFKEY_EXT_KEY_ENCRYPT)
		return (PFKEY_ERR_INVAL);
	if ((p = ext_bytes(m, ext, &len)) == NULL)
		return (PFKEY_ERR_NOENT);
	*key = p + 8;
	*bits = rd16(p + 4);
	return (0);
}

int
pfkey_get_policy(const struct pfkey_msg *m, struct pfkey_policy *pol)
{
	const uint8_t *p;
	size_t len, off;

	if ((p = ext_bytes(m, PFKEY_EXT_X_POLICY, &len)) == NULL)
		return (PFKEY_ERR_NOENT);
	return (policy_walk(m->dialect, p, len, &off, pol));
}

int
pfkey_policy_decode(const void *ext, size_t len, enum pfkey_dialect d,
    struct pfkey_policy *pol)
{
	const uint8_t *p = ext;
	size_t off;

	if (ext == NULL || pol == NULL || len < 16)
		return (PFKEY_ERR_INVAL);
	if ((size_t)rd16(p) * PFKEY_UNIT != len ||
	    pfkey_ext_from_wire(d, rd16(p + 2)) != PFKEY_EXT_X_POLICY)
		return (PFKEY_ERR_POLICY);
	return (policy_walk(d, p, len, &off, pol));
}
