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
 * IKEv1 payload decoders (RFC 2407, 2408, 3947, draft Mode Config, IKE
 * fragmentation): each takes a payload of a decoded message, checks every
 * length against the payload's before reading, and fills a struct whose
 * variable parts point into the message.  Errors name the payload, the
 * offset of the offending field in the message and the notify to answer.
 *
 * The SA payload is validated whole in one pass (isakmp_decode_sa()):
 * whatever a peer sends costs time linear in its length, because each
 * transform's attributes are bounded (ISAKMP_MAX_ATTRS), so the duplicate
 * check per transform is a constant.  The cursors that walk it afterwards
 * re-check every length anyway, so a hand-made struct cannot make them
 * read out of bounds.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isakmp_local.h"

#define E_MALFORMED	ISAKMP_NTYPE_PAYLOAD_MALFORMED
#define E_SYNTAX	ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX

/* ------------------------------------------------------------ attributes */

int
isakmp_attr_uint(const struct isakmp_attr *a, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (a->len == 0 || a->len > 8)
		return (-1);
	for (i = 0; i < a->len; i++)
		*v = (*v << 8) | a->val[i];
	return (0);
}

/* Basic attributes (RFC 2409 appendix A, RFC 2407 4.5): TV only. */
static bool
attr_basic(int cls, uint16_t type)
{
	switch (cls) {
	case ISAKMP_ATTRS_PHASE1:
		switch (type) {
		case OAKLEY_ATTR_ENC_ALG:
		case OAKLEY_ATTR_HASH_ALG:
		case OAKLEY_ATTR_AUTH_METHOD:
		case OAKLEY_ATTR_GRP_DESC:
		case OAKLEY_ATTR_GRP_TYPE:
		case OAKLEY_ATTR_SA_LD_TYPE:
		case OAKLEY_ATTR_PRF:
		case OAKLEY_ATTR_KEY_LEN:
		case OAKLEY_ATTR_FIELD_SIZE:
			return (true);
		}
		return (false);
	case ISAKMP_ATTRS_PHASE2:
		switch (type) {
		case IPSEC_ATTR_SA_LD_TYPE:
		case IPSEC_ATTR_GRP_DESC:
		case IPSEC_ATTR_ENC_MODE:
		case IPSEC_ATTR_AUTH:
		case IPSEC_ATTR_KEY_LENGTH:
		case IPSEC_ATTR_KEY_ROUNDS:
		case IPSEC_ATTR_COMP_DICT_SIZE:
		case IPSEC_ATTR_ECN_TUNNEL:
		case IPSEC_ATTR_ESN:
			return (true);
		}
		return (false);
	}
	return (false);
}

static uint16_t
attr_lifetype(int cls)
{
	return (cls == ISAKMP_ATTRS_PHASE1 ? OAKLEY_ATTR_SA_LD_TYPE :
	    cls == ISAKMP_ATTRS_PHASE2 ? IPSEC_ATTR_SA_LD_TYPE : 0);
}

static uint16_t
attr_lifeduration(int cls)
{
	return (cls == ISAKMP_ATTRS_PHASE1 ? OAKLEY_ATTR_SA_LD :
	    cls == ISAKMP_ATTRS_PHASE2 ? IPSEC_ATTR_SA_LD : 0);
}

/* Reads the attribute at p[pos] (len bytes in all): 0 or -1. */
static int
attr_read(const uint8_t *p, size_t len, size_t pos, size_t base,
    struct isakmp_attr *a)
{
	uint16_t raw;

	if (pos > len || len - pos < 4)
		return (-1);
	raw = get16(p + pos);
	a->type = raw & 0x7fff;
	a->tv = (raw & 0x8000) != 0;
	a->offset = base + pos;
	if (a->tv) {
		a->val = p + pos + 2;
		a->len = 2;
	} else {
		a->len = get16(p + pos + 2);
		if (a->len > len - pos - 4)
			return (-1);
		a->val = p + pos + 4;
	}
	return (0);
}

static size_t
attr_size(const struct isakmp_attr *a)
{
	return (a->tv ? 4 : 4 + a->len);
}

int
isakmp_attrs_check(const uint8_t *p, size_t len, size_t base, int cls,
    bool dups, uint8_t payload, size_t *nattrs, struct isakmp_error *err)
{
	struct isakmp_attr a;
	uint16_t seen[ISAKMP_MAX_ATTRS], lt, ld;
	unsigned int lifeseen = 0;
	size_t pos = 0, n = 0, nseen = 0, i, pendoff = 0;
	bool pending = false;
	uint64_t v;

	lt = attr_lifetype(cls);
	ld = attr_lifeduration(cls);
	*nattrs = 0;
	while (pos < len) {
		if (len - pos < 4)
			return (isakmp_err(err, E_MALFORMED, payload,
			    base + pos, "attribute header cut short"));
		if (attr_read(p, len, pos, base, &a) == -1)
			return (isakmp_err(err, E_MALFORMED, payload,
			    base + pos, "attribute value runs past its end"));
		if (!dups && n >= ISAKMP_MAX_ATTRS)
			return (isakmp_err(err, E_SYNTAX, payload, base + pos,
			    "too many attributes in one transform"));
		if (cls == ISAKMP_ATTRS_NONE)
			goto next;
		if (!a.tv && attr_basic(cls, a.type))
			return (isakmp_err(err, E_SYNTAX, payload, base + pos,
			    "basic attribute in TLV form"));
		/* Life types and durations come in pairs, type first. */
		if (pending && a.type != ld)
			return (isakmp_err(err, E_SYNTAX, payload, pendoff,
			    "life type without a duration after it"));
		if (a.type == lt) {
			(void)isakmp_attr_uint(&a, &v);
			if (v < 32) {
				if (lifeseen & (1U << v))
					return (isakmp_err(err, E_SYNTAX,
					    payload, base + pos,
					    "life type repeated"));
				lifeseen |= 1U << v;
			}
			pending = true;
			pendoff = base + pos;
		} else if (a.type == ld) {
			if (!pending)
				return (isakmp_err(err, E_SYNTAX, payload,
			    base + pos, "life duration not after a life type"));
			pending = false;
		} else if (!dups) {
			for (i = 0; i < nseen; i++)
				if (seen[i] == a.type)
					return (isakmp_err(err, E_SYNTAX,
					    payload, base + pos,
					    "attribute repeated"));
			seen[nseen++] = a.type;
		}
next:
		n++;
		pos += attr_size(&a);
	}
	if (pending)
		return (isakmp_err(err, E_SYNTAX, payload, pendoff,
		    "life type without a duration after it"));
	*nattrs = n;
	return (0);
}

int
isakmp_attrs_next(const uint8_t *p, size_t len, size_t base, size_t *cursor,
    struct isakmp_attr *a)
{
	if (*cursor >= len)
		return (0);
	if (attr_read(p, len, *cursor, base, a) == -1)
		return (-1);
	*cursor += attr_size(a);
	return (1);
}

/* ------------------------------------------------------------------ SA */

static int
proto_class(uint8_t proto)
{
	return (proto == ISAKMP_PROTO_ISAKMP ? ISAKMP_ATTRS_PHASE1 :
	    ISAKMP_ATTRS_PHASE2);
}

/*
 * SPI sizes (RFC 2408 2.4, RFC 2407 4.4): ISAKMP 0 or 16 (the cookies,
 * ignored), AH and ESP 4, IPCOMP a 2-byte CPI or 4 bytes holding one.
 */
static bool
spisize_ok(uint8_t proto, uint8_t size, bool phase1_zero)
{
	switch (proto) {
	case ISAKMP_PROTO_ISAKMP:
		return ((phase1_zero && size == 0) || size == 16);
	case ISAKMP_PROTO_AH:
	case ISAKMP_PROTO_ESP:
		return (size == 4);
	case ISAKMP_PROTO_IPCOMP:
		return (size == 2 || size == 4);
	}
	return (false);
}

/* Reads a proposal or transform header at p[pos]: its payload length. */
static int
sub_read(const uint8_t *p, size_t len, size_t pos, size_t minlen,
    size_t *plen)
{
	if (pos > len || len - pos < minlen)
		return (-1);
	*plen = get16(p + pos + 2);
	if (*plen < minlen || *plen > len - pos)
		return (-1);
	return (0);
}

static int
transforms_check(const struct isakmp_proposal *pr, struct isakmp_error *err)
{
	const uint8_t *p = pr->xforms;
	size_t len = pr->xformslen, pos = 0, plen, nattrs, count = 0;
	size_t base = pr->offset + 8 + pr->spisize;
	uint8_t seen[32], np;
	int cls = proto_class(pr->proto);

	memset(seen, 0, sizeof(seen));
	for (;;) {
		if (len - pos < 8)
			return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
			    base + pos, "transform header cut short"));
		np = p[pos];
		if (np != ISAKMP_NPTYPE_T && np != ISAKMP_NPTYPE_NONE)
			return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
			    base + pos, "transform followed by another type"));
		if (p[pos + 1] != 0)
			return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
			    base + pos + 1, "reserved byte is not zero"));
		if (sub_read(p, len, pos, 8, &plen) == -1)
			return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
			    base + pos, "transform length out of bounds"));
		if (get16(p + pos + 6) != 0)
			return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
			    base + pos + 6, "reserved field is not zero"));
		if (seen[p[pos + 4] >> 3] & (1U << (p[pos + 4] & 7)))
			return (isakmp_err(err, E_SYNTAX, ISAKMP_NPTYPE_SA,
			    base + pos + 4, "transform number repeated"));
		seen[p[pos + 4] >> 3] |= (uint8_t)(1U << (p[pos + 4] & 7));
		if (++count > pr->ntransforms)
			return (isakmp_err(err, E_SYNTAX, ISAKMP_NPTYPE_SA,
			    pr->offset + 7,
			    "more transforms than the proposal says"));
		if (isakmp_attrs_check(p + pos + 8, plen - 8, base + pos + 8,
		    cls, false, ISAKMP_NPTYPE_SA, &nattrs, err) == -1)
			return (-1);
		pos += plen;
		if (np == ISAKMP_NPTYPE_NONE)
			break;
		if (pos == len)
			return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
			    base + pos,
			    "transform chain runs past its proposal"));
	}
	if (pos != len)
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_SA,
		    base + pos, "bytes after the last transform"));
	if (count != pr->ntransforms)
		return (isakmp_err(err, E_SYNTAX, ISAKMP_NPTYPE_SA,
		    pr->offset + 7, "fewer transforms than the proposal says"));
	return (0);
}

/* Reads the proposal at sa->props[pos] (header checks only). */
static int
proposal_read(const struct isakmp_sa *sa, size_t pos,
    struct isakmp_proposal *pr, size_t *plen)
{
	const uint8_t *p = sa->props;

	if (sub_read(p, sa->propslen, pos, 8, plen) == -1)
		return (-1);
	pr->num = p[pos + 4];
	pr->proto = p[pos + 5];
	pr->spisize = p[pos + 6];
	pr->ntransforms = p[pos + 7];
	pr->offset = sa->offset + pos;
	if ((size_t)8 + pr->spisize > *plen)
		return (-1);
	pr->spi = p + pos + 8;
	pr->xforms = pr->spi + pr->spisize;
	pr->xformslen = *plen - 8 - pr->spisize;
	return (0);
}

int
isakmp_decode_sa(const struct isakmp_payload *pl, struct isakmp_sa *sa,
    struct isakmp_error *err)
{
	struct isakmp_proposal pr;
	size_t pos = 0, plen, body = pl->offset + ISAKMP_GEN_LEN;
	int prevnum = -1;
	uint8_t np;

	memset(sa, 0, sizeof(*sa));
	if (pl->type != ISAKMP_NPTYPE_SA)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "not an SA payload"));
	if (pl->len < 8)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "SA payload shorter than DOI and situation"));
	sa->doi = get32(pl->body);
	sa->sit = get32(pl->body + 4);
	if (sa->doi != ISAKMP_DOI_IPSEC)
		return (isakmp_err(err, ISAKMP_NTYPE_DOI_NOT_SUPPORTED,
		    pl->type, body, "DOI is not IPsec"));
	if (sa->sit != IPSEC_SIT_IDENTITY_ONLY)
		return (isakmp_err(err, ISAKMP_NTYPE_SITUATION_NOT_SUPPORTED,
		    pl->type, body + 4, "situation is not identity only"));
	sa->props = pl->body + 8;
	sa->propslen = pl->len - 8;
	sa->offset = body + 8;
	if (sa->propslen == 0)
		return (isakmp_err(err, E_SYNTAX, pl->type, sa->offset,
		    "SA without proposals"));
	for (;;) {
		if (sa->propslen - pos < 8)
			return (isakmp_err(err, E_MALFORMED, pl->type,
			    sa->offset + pos, "proposal header cut short"));
		np = sa->props[pos];
		if (np != ISAKMP_NPTYPE_P && np != ISAKMP_NPTYPE_NONE)
			return (isakmp_err(err, E_MALFORMED, pl->type,
			    sa->offset + pos,
			    "proposal followed by a non-proposal"));
		if (sa->props[pos + 1] != 0)
			return (isakmp_err(err, E_MALFORMED, pl->type,
			    sa->offset + pos + 1, "reserved byte is not zero"));
		if (sub_read(sa->props, sa->propslen, pos, 8, &plen) == -1)
			return (isakmp_err(err, E_MALFORMED, pl->type,
			    sa->offset + pos, "proposal length out of bounds"));
		if (proposal_read(sa, pos, &pr, &plen) == -1)
			return (isakmp_err(err, E_MALFORMED, pl->type,
			    sa->offset + pos + 6,
			    "SPI runs past its proposal"));
		/* Equal numbers bundle (AND); they never decrease (4.2). */
		if ((int)pr.num < prevnum)
			return (isakmp_err(err, E_SYNTAX, pl->type,
			    pr.offset + 4, "proposal numbers decrease"));
		prevnum = pr.num;
		if (pr.proto < ISAKMP_PROTO_ISAKMP ||
		    pr.proto > ISAKMP_PROTO_IPCOMP)
			return (isakmp_err(err,
			    ISAKMP_NTYPE_INVALID_PROTOCOL_ID, pl->type,
			    pr.offset + 5, "unknown protocol"));
		if (!spisize_ok(pr.proto, pr.spisize, true))
			return (isakmp_err(err, ISAKMP_NTYPE_INVALID_SPI,
			    pl->type, pr.offset + 6,
			    "SPI size wrong for the protocol"));
		if (pr.ntransforms == 0)
			return (isakmp_err(err, E_SYNTAX, pl->type,
			    pr.offset + 7, "proposal without transforms"));
		if (transforms_check(&pr, err) == -1)
			return (-1);
		sa->nprops++;
		pos += plen;
		if (np == ISAKMP_NPTYPE_NONE)
			break;
		if (pos == sa->propslen)
			return (isakmp_err(err, E_MALFORMED, pl->type,
			    sa->offset + pos,
			    "proposal chain runs past the SA"));
	}
	if (pos != sa->propslen)
		return (isakmp_err(err, E_MALFORMED, pl->type,
		    sa->offset + pos, "bytes after the last proposal"));
	return (0);
}

int
isakmp_sa_next_proposal(const struct isakmp_sa *sa, size_t *cursor,
    struct isakmp_proposal *pr)
{
	size_t plen;

	if (*cursor >= sa->propslen)
		return (0);
	if (proposal_read(sa, *cursor, pr, &plen) == -1)
		return (-1);
	*cursor += plen;
	return (1);
}

int
isakmp_proposal_next_transform(const struct isakmp_proposal *pr,
    size_t *cursor, struct isakmp_transform *t)
{
	const uint8_t *p = pr->xforms;
	size_t plen, pos = *cursor;

	if (pos >= pr->xformslen)
		return (0);
	if (sub_read(p, pr->xformslen, pos, 8, &plen) == -1)
		return (-1);
	t->num = p[pos + 4];
	t->id = p[pos + 5];
	t->attrs = p + pos + 8;
	t->attrslen = plen - 8;
	t->offset = pr->offset + 8 + pr->spisize + pos;
	t->attroff = t->offset + 8;
	t->nattrs = 0;
	if (isakmp_attrs_check(t->attrs, t->attrslen, t->attroff,
	    ISAKMP_ATTRS_NONE, true, ISAKMP_NPTYPE_SA, &t->nattrs,
	    NULL) == -1)
		return (-1);
	*cursor = pos + plen;
	return (1);
}

int
isakmp_transform_next_attr(const struct isakmp_transform *t, size_t *cursor,
    struct isakmp_attr *a)
{
	return (isakmp_attrs_next(t->attrs, t->attrslen, t->attroff, cursor,
	    a));
}

int
isakmp_transform_find_attr(const struct isakmp_transform *t, uint16_t type,
    struct isakmp_attr *a)
{
	size_t cur = 0;
	int r;

	while ((r = isakmp_transform_next_attr(t, &cur, a)) == 1)
		if (a->type == type)
			return (1);
	return (0);
}

/* ------------------------------------------------------ simple payloads */

int
isakmp_decode_data(const struct isakmp_payload *pl, struct isakmp_data *d,
    struct isakmp_error *err)
{
	d->data = pl->body;
	d->len = pl->len;
	if (pl->len == 0)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "empty payload"));
	return (0);
}

int
isakmp_decode_nonce(const struct isakmp_payload *pl, struct isakmp_data *d,
    struct isakmp_error *err)
{
	d->data = pl->body;
	d->len = pl->len;
	if (pl->len < ISAKMP_NONCE_MIN)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "nonce shorter than 8 bytes"));
	if (pl->len > ISAKMP_NONCE_MAX)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "nonce longer than 256 bytes"));
	return (0);
}

/* ------------------------------------------------------------------ ID */

/* Data lengths of the address types; 0: at least one byte. */
static size_t
id_datalen(uint8_t type)
{
	switch (type) {
	case IPSEC_ID_IPV4_ADDR:
		return (4);
	case IPSEC_ID_IPV4_ADDR_SUBNET:
	case IPSEC_ID_IPV4_ADDR_RANGE:
		return (8);
	case IPSEC_ID_IPV6_ADDR:
		return (16);
	case IPSEC_ID_IPV6_ADDR_SUBNET:
	case IPSEC_ID_IPV6_ADDR_RANGE:
		return (32);
	}
	return (0);
}

int
isakmp_decode_id(const struct isakmp_payload *pl, struct isakmp_id *id,
    struct isakmp_error *err)
{
	size_t want, body = pl->offset + ISAKMP_GEN_LEN;

	memset(id, 0, sizeof(*id));
	if (pl->len < 4)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "ID payload shorter than its header"));
	id->type = pl->body[0];
	id->proto = pl->body[1];
	id->port = get16(pl->body + 2);
	id->data = pl->body + 4;
	id->len = pl->len - 4;
	if (id->type < IPSEC_ID_IPV4_ADDR || id->type > IPSEC_ID_KEY_ID)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
		    pl->type, body, "unknown ID type"));
	want = id_datalen(id->type);
	if (want != 0 && id->len != want)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
		    pl->type, body + 4, "address ID of the wrong length"));
	if (want == 0 && id->len == 0)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
		    pl->type, body + 4, "empty ID"));
	return (0);
}

/* Prefix length of a contiguous mask of n bytes, or -1. */
static int
mask_plen(const uint8_t *m, size_t n)
{
	size_t i;
	int plen = 0, bit;
	bool zero = false;

	for (i = 0; i < n; i++)
		for (bit = 7; bit >= 0; bit--) {
			if (m[i] & (1U << bit)) {
				if (zero)
					return (-1);
				plen++;
			} else
				zero = true;
		}
	return (plen);
}

static void
mask_make(uint8_t *m, size_t n, unsigned int plen)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (plen >= 8) {
			m[i] = 0xff;
			plen -= 8;
		} else {
			m[i] = (uint8_t)(0xff00U >> plen);
			plen = 0;
		}
	}
}

int
isakmp_id_to_addr(const struct isakmp_id *id, struct isakmp_idaddr *a,
    struct isakmp_error *err)
{
	size_t n, i;
	int plen;

	memset(a, 0, sizeof(*a));
	switch (id->type) {
	case IPSEC_ID_IPV4_ADDR:
	case IPSEC_ID_IPV4_ADDR_SUBNET:
	case IPSEC_ID_IPV4_ADDR_RANGE:
		a->af = 4;
		n = 4;
		break;
	case IPSEC_ID_IPV6_ADDR:
	case IPSEC_ID_IPV6_ADDR_SUBNET:
	case IPSEC_ID_IPV6_ADDR_RANGE:
		a->af = 6;
		n = 16;
		break;
	default:
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
		    ISAKMP_NPTYPE_ID, 0, "not an address ID"));
	}
	if (id->len != id_datalen(id->type))
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_ID_INFORMATION,
		    ISAKMP_NPTYPE_ID, 0, "address ID of the wrong length"));
	memcpy(a->addr, id->data, n);
	switch (id->type) {
	case IPSEC_ID_IPV4_ADDR:
	case IPSEC_ID_IPV6_ADDR:
		a->kind = ISAKMP_IDA_ADDR;
		a->plen = (unsigned int)n * 8;
		break;
	case IPSEC_ID_IPV4_ADDR_SUBNET:
	case IPSEC_ID_IPV6_ADDR_SUBNET:
		a->kind = ISAKMP_IDA_SUBNET;
		if ((plen = mask_plen(id->data + n, n)) == -1)
			return (isakmp_err(err,
			    ISAKMP_NTYPE_INVALID_ID_INFORMATION,
			    ISAKMP_NPTYPE_ID, 0, "subnet mask not contiguous"));
		a->plen = (unsigned int)plen;
		for (i = 0; i < n; i++)
			a->addr[i] &= id->data[n + i];
		break;
	default:
		a->kind = ISAKMP_IDA_RANGE;
		memcpy(a->end, id->data + n, n);
		if (memcmp(a->addr, a->end, n) > 0)
			return (isakmp_err(err,
			    ISAKMP_NTYPE_INVALID_ID_INFORMATION,
			    ISAKMP_NPTYPE_ID, 0, "address range backwards"));
		break;
	}
	return (0);
}

size_t
isakmp_id_from_addr(const struct isakmp_idaddr *a, uint8_t *type,
    uint8_t out[32])
{
	size_t n, i;

	if (a->af == 4)
		n = 4;
	else if (a->af == 6)
		n = 16;
	else
		return (0);
	switch (a->kind) {
	case ISAKMP_IDA_ADDR:
		*type = n == 4 ? IPSEC_ID_IPV4_ADDR : IPSEC_ID_IPV6_ADDR;
		memcpy(out, a->addr, n);
		return (n);
	case ISAKMP_IDA_SUBNET:
		if (a->plen > n * 8)
			return (0);
		*type = n == 4 ? IPSEC_ID_IPV4_ADDR_SUBNET :
		    IPSEC_ID_IPV6_ADDR_SUBNET;
		mask_make(out + n, n, a->plen);
		for (i = 0; i < n; i++)
			out[i] = a->addr[i] & out[n + i];
		return (2 * n);
	case ISAKMP_IDA_RANGE:
		if (memcmp(a->addr, a->end, n) > 0)
			return (0);
		*type = n == 4 ? IPSEC_ID_IPV4_ADDR_RANGE :
		    IPSEC_ID_IPV6_ADDR_RANGE;
		memcpy(out, a->addr, n);
		memcpy(out + n, a->end, n);
		return (2 * n);
	}
	return (0);
}

int
isakmp_id_to_string(const struct isakmp_id *id, char *buf, size_t size)
{
	if (size > 0)
		buf[0] = '\0';
	if (id->type != IPSEC_ID_FQDN && id->type != IPSEC_ID_USER_FQDN &&
	    id->type != IPSEC_ID_KEY_ID)
		return (-1);
	if (id->len == 0 || memchr(id->data, '\0', id->len) != NULL)
		return (-1);
	if (id->len >= size)
		return (-1);
	memcpy(buf, id->data, id->len);
	buf[id->len] = '\0';
	return (0);
}

/* ------------------------------------------------------------ CERT, CR */

int
isakmp_decode_cert(const struct isakmp_payload *pl, struct isakmp_cert *c,
    struct isakmp_error *err)
{
	memset(c, 0, sizeof(*c));
	if (pl->len < 2)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "certificate payload without data"));
	c->encoding = pl->body[0];
	c->data = pl->body + 1;
	c->len = pl->len - 1;
	return (0);
}

int
isakmp_decode_cr(const struct isakmp_payload *pl, struct isakmp_cert *c,
    struct isakmp_error *err)
{
	memset(c, 0, sizeof(*c));
	if (pl->len < 1)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "certificate request without an encoding"));
	c->encoding = pl->body[0];
	c->data = pl->body + 1;
	c->len = pl->len - 1;
	return (0);
}

/* --------------------------------------------------------------- N, D */

int
isakmp_decode_notify(const struct isakmp_payload *pl, struct isakmp_notify *n,
    struct isakmp_error *err)
{
	size_t body = pl->offset + ISAKMP_GEN_LEN;

	memset(n, 0, sizeof(*n));
	if (pl->len < 8)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "notify payload shorter than its header"));
	n->doi = get32(pl->body);
	n->proto = pl->body[4];
	n->spisize = pl->body[5];
	n->type = get16(pl->body + 6);
	if (n->doi != ISAKMP_DOI_ISAKMP && n->doi != ISAKMP_DOI_IPSEC)
		return (isakmp_err(err, ISAKMP_NTYPE_DOI_NOT_SUPPORTED,
		    pl->type, body, "notify DOI is neither ISAKMP nor IPsec"));
	if ((size_t)8 + n->spisize > pl->len)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 5,
		    "notify SPI runs past the payload"));
	n->spi = pl->body + 8;
	n->data = n->spi + n->spisize;
	n->len = pl->len - 8 - n->spisize;
	return (0);
}

int
isakmp_decode_delete(const struct isakmp_payload *pl, struct isakmp_delete *d,
    struct isakmp_error *err)
{
	size_t body = pl->offset + ISAKMP_GEN_LEN;

	memset(d, 0, sizeof(*d));
	if (pl->len < 8)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "delete payload shorter than its header"));
	d->doi = get32(pl->body);
	d->proto = pl->body[4];
	d->spisize = pl->body[5];
	d->count = get16(pl->body + 6);
	d->spis = pl->body + 8;
	if (d->doi != ISAKMP_DOI_ISAKMP && d->doi != ISAKMP_DOI_IPSEC)
		return (isakmp_err(err, ISAKMP_NTYPE_DOI_NOT_SUPPORTED,
		    pl->type, body, "delete DOI is neither ISAKMP nor IPsec"));
	if (d->proto < ISAKMP_PROTO_ISAKMP || d->proto > ISAKMP_PROTO_IPCOMP)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_PROTOCOL_ID,
		    pl->type, body + 4, "unknown protocol"));
	if (!spisize_ok(d->proto, d->spisize, false))
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_SPI, pl->type,
		    body + 5, "SPI size wrong for the protocol"));
	if (d->count == 0)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 6,
		    "delete without SPIs"));
	/* At most 65535 * 255: no overflow in size_t. */
	if ((size_t)d->count * d->spisize != pl->len - 8)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 6,
		    "SPI count times size is not the payload's length"));
	return (0);
}

const uint8_t *
isakmp_delete_spi(const struct isakmp_delete *d, size_t i)
{
	if (i >= d->count)
		return (NULL);
	return (d->spis + i * d->spisize);
}

/* --------------------------------------------------- NAT-OA, ATTR, FRAG */

int
isakmp_decode_natoa(const struct isakmp_payload *pl, struct isakmp_natoa *o,
    struct isakmp_error *err)
{
	size_t body = pl->offset + ISAKMP_GEN_LEN, n;

	memset(o, 0, sizeof(*o));
	if (pl->len < 4)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "NAT-OA payload shorter than its header"));
	o->idtype = pl->body[0];
	if (o->idtype == IPSEC_ID_IPV4_ADDR) {
		o->af = 4;
		n = 4;
	} else if (o->idtype == IPSEC_ID_IPV6_ADDR) {
		o->af = 6;
		n = 16;
	} else
		return (isakmp_err(err, E_MALFORMED, pl->type, body,
		    "NAT-OA type is not an address"));
	if (pl->body[1] != 0 || pl->body[2] != 0 || pl->body[3] != 0)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 1,
		    "reserved field is not zero"));
	if (pl->len != 4 + n)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 4,
		    "NAT-OA address of the wrong length"));
	memcpy(o->addr, pl->body + 4, n);
	return (0);
}

int
isakmp_decode_cfg(const struct isakmp_payload *pl, struct isakmp_cfg *c,
    struct isakmp_error *err)
{
	size_t body = pl->offset + ISAKMP_GEN_LEN;

	memset(c, 0, sizeof(*c));
	if (pl->len < 4)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "attribute payload shorter than its header"));
	c->type = pl->body[0];
	c->id = get16(pl->body + 2);
	c->attrs = pl->body + 4;
	c->attrslen = pl->len - 4;
	c->attroff = body + 4;
	if (pl->body[1] != 0)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 1,
		    "reserved byte is not zero"));
	return (isakmp_attrs_check(c->attrs, c->attrslen, c->attroff,
	    ISAKMP_ATTRS_NONE, true, pl->type, &c->nattrs, err));
}

int
isakmp_decode_fragment(const struct isakmp_payload *pl,
    struct isakmp_fragment *f, struct isakmp_error *err)
{
	size_t body = pl->offset + ISAKMP_GEN_LEN;

	memset(f, 0, sizeof(*f));
	if (pl->len < ISAKMP_FRAG_HDR_LEN - ISAKMP_GEN_LEN + 1)
		return (isakmp_err(err, E_MALFORMED, pl->type, pl->offset,
		    "fragment without data"));
	f->id = get16(pl->body);
	f->num = pl->body[2];
	f->flags = pl->body[3];
	f->data = pl->body + 4;
	f->len = pl->len - 4;
	if (f->num == 0)
		return (isakmp_err(err, E_MALFORMED, pl->type, body + 2,
		    "fragment number 0"));
	return (0);
}

/* ---------------------------------------------------------- vendor IDs */

#define VID_EXACT	0	/* these bytes, nothing more */
#define VID_VERSION	1	/* 14 bytes + 2 version bytes */
#define VID_FRAG	2	/* 16 bytes [+ a 4-byte capability word] */
#define VID_WORD	3	/* 16 bytes + a 4-byte version word */

static const struct {
	enum isakmp_vendor	 id;
	int			 kind;
	const char		*name;
	size_t			 len;
	uint8_t			 bytes[20];
} vids[] = {
	{ ISAKMP_VID_NATT_RFC3947, VID_EXACT, "RFC 3947 NAT-T", 16,
	  { 0x4a, 0x13, 0x1c, 0x81, 0x07, 0x03, 0x58, 0x45,
	    0x5c, 0x57, 0x28, 0xf2, 0x0e, 0x95, 0x45, 0x2f } },
	{ ISAKMP_VID_NATT_DRAFT_02, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-02", 16,
	  { 0xcd, 0x60, 0x46, 0x43, 0x35, 0xdf, 0x21, 0xf8,
	    0x7c, 0xfd, 0xb2, 0xfc, 0x68, 0xb6, 0xa4, 0x48 } },
	{ ISAKMP_VID_NATT_DRAFT_02N, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-02\\n", 16,
	  { 0x90, 0xcb, 0x80, 0x91, 0x3e, 0xbb, 0x69, 0x6e,
	    0x08, 0x63, 0x81, 0xb5, 0xec, 0x42, 0x7b, 0x1f } },
	{ ISAKMP_VID_NATT_DRAFT_03, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-03", 16,
	  { 0x7d, 0x94, 0x19, 0xa6, 0x53, 0x10, 0xca, 0x6f,
	    0x2c, 0x17, 0x9d, 0x92, 0x15, 0x52, 0x9d, 0x56 } },
	{ ISAKMP_VID_NATT_DRAFT_04, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-04", 16,
	  { 0x99, 0x09, 0xb6, 0x4e, 0xed, 0x93, 0x7c, 0x65,
	    0x73, 0xde, 0x52, 0xac, 0xe9, 0x52, 0xfa, 0x6b } },
	{ ISAKMP_VID_NATT_DRAFT_05, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-05", 16,
	  { 0x80, 0xd0, 0xbb, 0x3d, 0xef, 0x54, 0x56, 0x5e,
	    0xe8, 0x46, 0x45, 0xd4, 0xc8, 0x5c, 0xe3, 0xee } },
	{ ISAKMP_VID_NATT_DRAFT_06, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-06", 16,
	  { 0x4d, 0x1e, 0x0e, 0x13, 0x6d, 0xea, 0xfa, 0x34,
	    0xc4, 0xf3, 0xea, 0x9f, 0x02, 0xec, 0x72, 0x85 } },
	{ ISAKMP_VID_NATT_DRAFT_07, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-07", 16,
	  { 0x43, 0x9b, 0x59, 0xf8, 0xba, 0x67, 0x6c, 0x4c,
	    0x77, 0x37, 0xae, 0x22, 0xea, 0xb8, 0xf5, 0x82 } },
	{ ISAKMP_VID_NATT_DRAFT_08, VID_EXACT,
	  "draft-ietf-ipsec-nat-t-ike-08", 16,
	  { 0x8f, 0x8d, 0x83, 0x82, 0x6d, 0x24, 0x6b, 0x6f,
	    0xc7, 0xa8, 0xa6, 0xa4, 0x28, 0xc1, 0x1d, 0xe8 } },
	/* RFC 3706 section 7, version 1.0 in the last two bytes. */
	{ ISAKMP_VID_DPD, VID_VERSION, "DPD", 16,
	  { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	    0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 } },
	/* MD5("FRAGMENTATION"), then the capabilities we send. */
	{ ISAKMP_VID_FRAG, VID_FRAG, "FRAGMENTATION", 20,
	  { 0x40, 0x48, 0xb7, 0xd5, 0x6e, 0xbc, 0xe8, 0x85,
	    0x25, 0xe7, 0xde, 0x7f, 0x00, 0xd6, 0xc2, 0xd3,
	    0x80, 0x00, 0x00, 0x00 } },
	/* The first 8 bytes of MD5("draft-ietf-ipsra-isakmp-xauth-06.txt"). */
	{ ISAKMP_VID_XAUTH, VID_EXACT, "XAuth", 8,
	  { 0x09, 0x00, 0x26, 0x89, 0xdf, 0xd6, 0xb7, 0x12 } },
	/* MD5("CISCO-UNITY") with the version (1.0) in the last bytes. */
	{ ISAKMP_VID_UNITY, VID_VERSION, "Cisco Unity", 16,
	  { 0x12, 0xf5, 0xf2, 0x8c, 0x45, 0x71, 0x68, 0xa9,
	    0x70, 0x2d, 0x9f, 0xe2, 0x74, 0xcc, 0x01, 0x00 } },
	{ ISAKMP_VID_STRONGSWAN, VID_EXACT, "strongSwan", 16,
	  { 0x88, 0x2f, 0xe5, 0x6d, 0x6f, 0xd2, 0x0d, 0xbc,
	    0x22, 0x51, 0x61, 0x3b, 0x2e, 0xbe, 0x5b, 0xeb } },
	{ ISAKMP_VID_RACOON, VID_EXACT, "KAME/racoon", 16,
	  { 0x70, 0x03, 0xcb, 0xc1, 0x09, 0x7d, 0xbe, 0x9c,
	    0x26, 0x00, 0xba, 0x69, 0x83, 0xbc, 0x8b, 0x35 } },
	/* MD5("MS NT5 ISAKMPOAKLEY") and a 4-byte Windows version. */
	{ ISAKMP_VID_MS_NT5, VID_WORD, "MS NT5 ISAKMPOAKLEY", 16,
	  { 0x1e, 0x2b, 0x51, 0x69, 0x05, 0x99, 0x1c, 0x7d,
	    0x7c, 0x96, 0xfc, 0xbf, 0xb5, 0x87, 0xe4, 0x61 } },
};

enum isakmp_vendor
isakmp_vid_match(const uint8_t *p, size_t len, uint32_t *extra)
{
	size_t i;

	if (extra != NULL)
		*extra = 0;
	for (i = 0; i < sizeof(vids) / sizeof(vids[0]); i++) {
		switch (vids[i].kind) {
		case VID_EXACT:
			if (len != vids[i].len ||
			    memcmp(p, vids[i].bytes, len) != 0)
				continue;
			return (vids[i].id);
		case VID_VERSION:
			if (len != 16 || memcmp(p, vids[i].bytes, 14) != 0)
				continue;
			if (extra != NULL)
				*extra = get16(p + 14);
			return (vids[i].id);
		case VID_FRAG:
			if ((len != 16 && len != 20) ||
			    memcmp(p, vids[i].bytes, 16) != 0)
				continue;
			if (extra != NULL && len == 20)
				*extra = get32(p + 16);
			return (vids[i].id);
		case VID_WORD:
			if (len != 20 || memcmp(p, vids[i].bytes, 16) != 0)
				continue;
			if (extra != NULL)
				*extra = get32(p + 16);
			return (vids[i].id);
		}
	}
	return (ISAKMP_VID_UNKNOWN);
}

const uint8_t *
isakmp_vid_bytes(enum isakmp_vendor v, size_t *len)
{
	size_t i;

	*len = 0;
	for (i = 0; i < sizeof(vids) / sizeof(vids[0]); i++)
		if (vids[i].id == v && vids[i].kind != VID_WORD) {
			*len = vids[i].len;
			return (vids[i].bytes);
		}
	return (NULL);
}

const char *
isakmp_vid_name(enum isakmp_vendor v)
{
	size_t i;

	for (i = 0; i < sizeof(vids) / sizeof(vids[0]); i++)
		if (vids[i].id == v)
			return (vids[i].name);
	return (NULL);
}
