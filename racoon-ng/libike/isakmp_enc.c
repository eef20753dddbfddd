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
 * The ISAKMP encoder: a bounded message builder and the payload writers.
 *
 * The builder keeps a small stack of open payloads (message level, SA,
 * proposal, transform).  Opening a payload sets the previous sibling's
 * next-payload field to its type and pushes a frame; closing it fills in
 * its length (and, for a proposal, the number of transforms written).
 * Nothing is written past the buffer's capacity: a heap buffer doubles up
 * to its hard cap, a fixed one never grows, and the first failure sticks.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp_local.h"

#define BUF_INITIAL	256

static int
fail(struct isakmp_buf *b, int e)
{
	if (b->error == 0)
		b->error = e;
	return (-1);
}

/* Makes room for n more bytes. */
static int
reserve(struct isakmp_buf *b, size_t n)
{
	size_t ncap;
	uint8_t *p;

	if (b->error != 0)
		return (-1);
	if (n <= b->cap - b->len)
		return (0);
	if (!b->heap || n > b->max - b->len)
		return (fail(b, ISAKMP_BUF_ENOSPACE));
	ncap = b->cap == 0 ? BUF_INITIAL : b->cap;
	while (ncap - b->len < n && ncap < b->max)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	if (ncap > b->max)
		ncap = b->max;
	/* recallocarray() wipes the old copy: bodies may be secret. */
	if ((p = recallocarray(b->data, b->cap, ncap, 1)) == NULL)
		return (fail(b, ISAKMP_BUF_ENOMEM));
	b->data = p;
	b->cap = ncap;
	return (0);
}

static void
frames_reset(struct isakmp_buf *b)
{
	memset(b->fr, 0, sizeof(b->fr));
	b->depth = 0;
	b->header = false;
	b->firstnp = ISAKMP_NPTYPE_NONE;
	b->error = 0;
	b->len = 0;
}

void
isakmp_buf_init(struct isakmp_buf *b, void *mem, size_t cap)
{
	memset(b, 0, sizeof(b[0]));
	b->data = mem;
	b->cap = mem == NULL ? 0 : cap;
	b->max = b->cap;
	frames_reset(b);
}

void
isakmp_buf_alloc(struct isakmp_buf *b, size_t max)
{
	memset(b, 0, sizeof(b[0]));
	b->heap = true;
	b->max = max == 0 ? ISAKMP_MSG_MAX : max;
	frames_reset(b);
}

void
isakmp_buf_free(struct isakmp_buf *b)
{
	if (b->heap)
		freezero(b->data, b->cap);
	else if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	memset(b, 0, sizeof(b[0]));
}

void
isakmp_buf_reset(struct isakmp_buf *b)
{
	if (b->data != NULL)
		explicit_bzero(b->data, b->len);
	frames_reset(b);
}

int
isakmp_put_bytes(struct isakmp_buf *b, const void *p, size_t n)
{
	if (reserve(b, n) == -1)
		return (-1);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return (0);
}

int
isakmp_put_u8(struct isakmp_buf *b, uint8_t v)
{
	return (isakmp_put_bytes(b, &v, 1));
}

int
isakmp_put_u16(struct isakmp_buf *b, uint16_t v)
{
	uint8_t x[2];

	set16(x, v);
	return (isakmp_put_bytes(b, x, sizeof(x)));
}

int
isakmp_put_u32(struct isakmp_buf *b, uint32_t v)
{
	uint8_t x[4];

	set32(x, v);
	return (isakmp_put_bytes(b, x, sizeof(x)));
}

int
isakmp_put_header(struct isakmp_buf *b, const struct isakmp_hdr *h)
{
	struct isakmp_hdr tmp = *h;

	if (b->error != 0)
		return (-1);
	if (b->len != 0 || b->header || b->depth != 0)
		return (fail(b, ISAKMP_BUF_EINVAL));
	if (reserve(b, ISAKMP_HDR_LEN) == -1)
		return (-1);
	tmp.np = ISAKMP_NPTYPE_NONE;
	tmp.len = 0;
	isakmp_hdr_encode(&tmp, b->data);
	b->len = ISAKMP_HDR_LEN;
	b->header = true;
	b->fr[0].prevnp = 16;
	b->fr[0].haveprev = true;
	return (0);
}

int
isakmp_put_begin(struct isakmp_buf *b, uint8_t type)
{
	struct isakmp_frame *f;
	size_t off;

	if (b->error != 0)
		return (-1);
	if (b->depth + 1 >= ISAKMP_BUF_DEPTH)
		return (fail(b, ISAKMP_BUF_EINVAL));
	if (reserve(b, ISAKMP_GEN_LEN) == -1)
		return (-1);
	f = &b->fr[b->depth];
	off = b->len;
	if (f->haveprev)
		b->data[f->prevnp] = type;
	else if (b->depth == 0)
		b->firstnp = type;
	f->prevnp = off;
	f->haveprev = true;
	f->count++;
	memset(b->data + off, 0, ISAKMP_GEN_LEN);
	b->len += ISAKMP_GEN_LEN;
	b->depth++;
	f = &b->fr[b->depth];
	memset(f, 0, sizeof(*f));
	f->start = off;
	f->type = type;
	return (0);
}

int
isakmp_put_end(struct isakmp_buf *b)
{
	struct isakmp_frame *f;
	size_t plen;

	if (b->error != 0)
		return (-1);
	if (b->depth == 0)
		return (fail(b, ISAKMP_BUF_EINVAL));
	f = &b->fr[b->depth];
	plen = b->len - f->start;
	if (plen > 0xffff)
		return (fail(b, ISAKMP_BUF_EINVAL));
	set16(b->data + f->start + 2, (uint16_t)plen);
	/* A proposal's transform count is the transforms written in it. */
	if (f->type == ISAKMP_NPTYPE_P && b->depth >= 2) {
		if (f->count > 0xff)
			return (fail(b, ISAKMP_BUF_EINVAL));
		b->data[f->start + 7] = (uint8_t)f->count;
	}
	b->depth--;
	return (0);
}

int
isakmp_put_payload_flags(struct isakmp_buf *b, uint8_t flags)
{
	if (b->error != 0)
		return (-1);
	if (b->depth == 0)
		return (fail(b, ISAKMP_BUF_EINVAL));
	b->data[b->fr[b->depth].start + 1] = flags;
	return (0);
}

int
isakmp_buf_finish(struct isakmp_buf *b, const uint8_t **msg, size_t *len)
{
	if (msg != NULL)
		*msg = NULL;
	if (len != NULL)
		*len = 0;
	if (b->error != 0)
		return (-1);
	if (b->depth != 0)
		return (fail(b, ISAKMP_BUF_EINVAL));
	if (b->header) {
		if (b->len > UINT32_MAX)
			return (fail(b, ISAKMP_BUF_EINVAL));
		set32(b->data + 24, (uint32_t)b->len);
	}
	if (msg != NULL)
		*msg = b->data;
	if (len != NULL)
		*len = b->len;
	return (0);
}

/* ---------------------------------------------------------- payloads */

static int
close_or_fail(struct isakmp_buf *b)
{
	if (b->error != 0)
		return (-1);
	return (isakmp_put_end(b));
}

int
isakmp_put_data(struct isakmp_buf *b, uint8_t type, const void *p, size_t n)
{
	isakmp_put_begin(b, type);
	isakmp_put_bytes(b, p, n);
	return (close_or_fail(b));
}

int
isakmp_put_id(struct isakmp_buf *b, const struct isakmp_id *id)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_ID);
	isakmp_put_u8(b, id->type);
	isakmp_put_u8(b, id->proto);
	isakmp_put_u16(b, id->port);
	isakmp_put_bytes(b, id->data, id->len);
	return (close_or_fail(b));
}

int
isakmp_put_cert(struct isakmp_buf *b, uint8_t type, const struct isakmp_cert *c)
{
	isakmp_put_begin(b, type);
	isakmp_put_u8(b, c->encoding);
	isakmp_put_bytes(b, c->data, c->len);
	return (close_or_fail(b));
}

int
isakmp_put_notify(struct isakmp_buf *b, const struct isakmp_notify *n)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_N);
	isakmp_put_u32(b, n->doi);
	isakmp_put_u8(b, n->proto);
	isakmp_put_u8(b, n->spisize);
	isakmp_put_u16(b, n->type);
	isakmp_put_bytes(b, n->spi, n->spisize);
	isakmp_put_bytes(b, n->data, n->len);
	return (close_or_fail(b));
}

int
isakmp_put_delete(struct isakmp_buf *b, const struct isakmp_delete *d)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_D);
	isakmp_put_u32(b, d->doi);
	isakmp_put_u8(b, d->proto);
	isakmp_put_u8(b, d->spisize);
	isakmp_put_u16(b, d->count);
	isakmp_put_bytes(b, d->spis, (size_t)d->count * d->spisize);
	return (close_or_fail(b));
}

int
isakmp_put_natoa(struct isakmp_buf *b, uint8_t type,
    const struct isakmp_natoa *o)
{
	if (o->af != 4 && o->af != 6)
		return (fail(b, ISAKMP_BUF_EINVAL));
	isakmp_put_begin(b, type);
	isakmp_put_u8(b, o->af == 4 ? IPSEC_ID_IPV4_ADDR : IPSEC_ID_IPV6_ADDR);
	isakmp_put_u8(b, 0);
	isakmp_put_u16(b, 0);
	isakmp_put_bytes(b, o->addr, o->af == 4 ? 4 : 16);
	return (close_or_fail(b));
}

int
isakmp_put_fragment(struct isakmp_buf *b, const struct isakmp_fragment *f)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_FRAG);
	isakmp_put_u16(b, f->id);
	isakmp_put_u8(b, f->num);
	isakmp_put_u8(b, f->flags);
	isakmp_put_bytes(b, f->data, f->len);
	return (close_or_fail(b));
}

int
isakmp_put_sa_begin(struct isakmp_buf *b, uint32_t doi, uint32_t sit)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_SA);
	isakmp_put_u32(b, doi);
	return (isakmp_put_u32(b, sit));
}

int
isakmp_put_proposal_begin(struct isakmp_buf *b, uint8_t num, uint8_t proto,
    const uint8_t *spi, uint8_t spisize)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_P);
	isakmp_put_u8(b, num);
	isakmp_put_u8(b, proto);
	isakmp_put_u8(b, spisize);
	isakmp_put_u8(b, 0);		/* transforms: filled in at the end */
	return (isakmp_put_bytes(b, spi, spisize));
}

int
isakmp_put_transform_begin(struct isakmp_buf *b, uint8_t num, uint8_t id)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_T);
	isakmp_put_u8(b, num);
	isakmp_put_u8(b, id);
	return (isakmp_put_u16(b, 0));
}

int
isakmp_put_attr(struct isakmp_buf *b, uint16_t type, uint64_t value)
{
	uint8_t v[8];
	size_t n, i;

	if (type > 0x7fff)
		return (fail(b, ISAKMP_BUF_EINVAL));
	if (value <= 0xffff) {
		isakmp_put_u16(b, (uint16_t)(type | 0x8000));
		return (isakmp_put_u16(b, (uint16_t)value));
	}
	n = value <= 0xffffffffULL ? 4 : 8;
	for (i = 0; i < n; i++)
		v[i] = (uint8_t)(value >> (8 * (n - 1 - i)));
	return (isakmp_put_attr_tlv(b, type, v, n));
}

int
isakmp_put_attr_tlv(struct isakmp_buf *b, uint16_t type, const void *p,
    size_t n)
{
	if (type > 0x7fff || n > 0xffff)
		return (fail(b, ISAKMP_BUF_EINVAL));
	isakmp_put_u16(b, type);
	isakmp_put_u16(b, (uint16_t)n);
	return (isakmp_put_bytes(b, p, n));
}

int
isakmp_put_attr_raw(struct isakmp_buf *b, const struct isakmp_attr *a)
{
	if (!a->tv)
		return (isakmp_put_attr_tlv(b, a->type, a->val, a->len));
	if (a->type > 0x7fff || a->len != 2)
		return (fail(b, ISAKMP_BUF_EINVAL));
	isakmp_put_u16(b, (uint16_t)(a->type | 0x8000));
	return (isakmp_put_bytes(b, a->val, 2));
}

int
isakmp_put_cfg_begin(struct isakmp_buf *b, uint8_t type, uint16_t id)
{
	isakmp_put_begin(b, ISAKMP_NPTYPE_ATTR);
	isakmp_put_u8(b, type);
	isakmp_put_u8(b, 0);
	return (isakmp_put_u16(b, id));
}

static int
put_sa(struct isakmp_buf *b, const struct isakmp_payload *pl,
    struct isakmp_error *err)
{
	struct isakmp_sa sa;
	struct isakmp_proposal pr;
	struct isakmp_transform t;
	struct isakmp_attr a;
	size_t pc = 0, tc, ac;
	int r, rt, ra;

	if (isakmp_decode_sa(pl, &sa, err) == -1)
		return (-1);
	isakmp_put_sa_begin(b, sa.doi, sa.sit);
	while ((r = isakmp_sa_next_proposal(&sa, &pc, &pr)) == 1) {
		isakmp_put_proposal_begin(b, pr.num, pr.proto, pr.spi,
		    pr.spisize);
		tc = 0;
		while ((rt = isakmp_proposal_next_transform(&pr, &tc,
		    &t)) == 1) {
			isakmp_put_transform_begin(b, t.num, t.id);
			ac = 0;
			while ((ra = isakmp_transform_next_attr(&t, &ac,
			    &a)) == 1)
				isakmp_put_attr_raw(b, &a);
			if (ra == -1)
				return (fail(b, ISAKMP_BUF_EINVAL));
			isakmp_put_end(b);
		}
		if (rt == -1)
			return (fail(b, ISAKMP_BUF_EINVAL));
		isakmp_put_end(b);
	}
	if (r == -1)
		return (fail(b, ISAKMP_BUF_EINVAL));
	return (close_or_fail(b));
}

static int
put_cfg(struct isakmp_buf *b, const struct isakmp_payload *pl,
    struct isakmp_error *err)
{
	struct isakmp_cfg c;
	struct isakmp_attr a;
	size_t cur = 0;
	int r;

	if (isakmp_decode_cfg(pl, &c, err) == -1)
		return (-1);
	isakmp_put_cfg_begin(b, c.type, c.id);
	while ((r = isakmp_attrs_next(c.attrs, c.attrslen, c.attroff, &cur,
	    &a)) == 1)
		isakmp_put_attr_raw(b, &a);
	if (r == -1)
		return (fail(b, ISAKMP_BUF_EINVAL));
	return (close_or_fail(b));
}

int
isakmp_put_payload(struct isakmp_buf *b, const struct isakmp_payload *pl,
    struct isakmp_error *err)
{
	struct isakmp_data d;
	struct isakmp_id id;
	struct isakmp_cert c;
	struct isakmp_notify n;
	struct isakmp_delete del;
	struct isakmp_natoa o;
	struct isakmp_fragment f;

	switch (pl->type) {
	case ISAKMP_NPTYPE_SA:
		return (put_sa(b, pl, err));
	case ISAKMP_NPTYPE_KE:
	case ISAKMP_NPTYPE_HASH:
	case ISAKMP_NPTYPE_SIG:
	case ISAKMP_NPTYPE_VID:
	case ISAKMP_NPTYPE_NATD:
	case ISAKMP_NPTYPE_NATD_DRAFT:
		if (isakmp_decode_data(pl, &d, err) == -1)
			return (-1);
		return (isakmp_put_data(b, pl->type, d.data, d.len));
	case ISAKMP_NPTYPE_NONCE:
		if (isakmp_decode_nonce(pl, &d, err) == -1)
			return (-1);
		return (isakmp_put_data(b, pl->type, d.data, d.len));
	case ISAKMP_NPTYPE_ID:
		if (isakmp_decode_id(pl, &id, err) == -1)
			return (-1);
		return (isakmp_put_id(b, &id));
	case ISAKMP_NPTYPE_CERT:
		if (isakmp_decode_cert(pl, &c, err) == -1)
			return (-1);
		return (isakmp_put_cert(b, pl->type, &c));
	case ISAKMP_NPTYPE_CR:
		if (isakmp_decode_cr(pl, &c, err) == -1)
			return (-1);
		return (isakmp_put_cert(b, pl->type, &c));
	case ISAKMP_NPTYPE_N:
		if (isakmp_decode_notify(pl, &n, err) == -1)
			return (-1);
		return (isakmp_put_notify(b, &n));
	case ISAKMP_NPTYPE_D:
		if (isakmp_decode_delete(pl, &del, err) == -1)
			return (-1);
		return (isakmp_put_delete(b, &del));
	case ISAKMP_NPTYPE_NATOA:
	case ISAKMP_NPTYPE_NATOA_DRAFT:
		if (isakmp_decode_natoa(pl, &o, err) == -1)
			return (-1);
		return (isakmp_put_natoa(b, pl->type, &o));
	case ISAKMP_NPTYPE_ATTR:
		return (put_cfg(b, pl, err));
	case ISAKMP_NPTYPE_FRAG:
		if (isakmp_decode_fragment(pl, &f, err) == -1)
			return (-1);
		return (isakmp_put_fragment(b, &f));
	}
	return (isakmp_put_data(b, pl->type, pl->body, pl->len));
}
