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
 * IKE fragmentation (payload 132, the Cisco/racoon/strongSwan format):
 * splitting a message into fragment messages, and reassembly.
 *
 * racoon's reassembly (isakmp_frag.c, ipsec-tools 0.8.2) kept fragments
 * in a linked list, walked the list once per fragment number to check
 * completeness and again to reassemble, had no bound on how many
 * fragments it held, and did not refuse duplicates: CVE-2016-10396, work
 * quadratic in what a peer sends.  NetBSD's fix (isakmp_frag.c 1.7)
 * sorts on insert, still a list walk per fragment, refuses a repeated
 * number, and checks a repeated LAST by comparing the LAST flag (1)
 * with the recorded last index rather than the new fragment's number.
 *
 * Here a set is an array of slots indexed by fragment number, so storing
 * a fragment, detecting a duplicate and checking completeness are
 * constant-time (a counter of fragments held against the number the LAST
 * flag fixed); only the final copy is linear, in the message's length.
 * What a set may hold is bounded per set (fragments, bytes) and across
 * all sets (the pool the daemon gives every context).  The rules for
 * duplicates and conflicts are in isakmp.h at isakmp_reasm_add().
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp_local.h"

#define E_MALFORMED	ISAKMP_NTYPE_PAYLOAD_MALFORMED

/* ------------------------------------------------------------ splitting */

static size_t
frag_chunk(size_t maxlen)
{
	if (maxlen <= ISAKMP_HDR_LEN + ISAKMP_FRAG_HDR_LEN)
		return (0);
	return (maxlen - ISAKMP_HDR_LEN - ISAKMP_FRAG_HDR_LEN);
}

size_t
isakmp_frag_count(size_t msglen, size_t maxlen)
{
	size_t chunk, n;

	if ((chunk = frag_chunk(maxlen)) == 0 || msglen == 0)
		return (0);
	n = msglen / chunk + (msglen % chunk != 0);
	return (n > ISAKMP_FRAG_MAXNUM ? 0 : n);
}

size_t
isakmp_frag_build(const uint8_t *msg, size_t msglen, size_t maxlen,
    uint16_t fragid, size_t n, uint8_t *out, size_t outsize)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_fragment f;
	size_t count, chunk, off, len;
	const uint8_t *p;

	if (msg == NULL || msglen < ISAKMP_HDR_LEN || out == NULL)
		return (0);
	count = isakmp_frag_count(msglen, maxlen);
	if (n == 0 || n > count)
		return (0);
	chunk = frag_chunk(maxlen);
	off = (n - 1) * chunk;
	f.id = fragid;
	f.num = (uint8_t)n;
	f.flags = n == count ? ISAKMP_FRAG_LAST : 0;
	f.data = msg + off;
	f.len = msglen - off < chunk ? msglen - off : chunk;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, msg, ISAKMP_COOKIE_LEN);
	memcpy(h.rcookie, msg + 8, ISAKMP_COOKIE_LEN);
	h.version = msg[17];
	h.etype = msg[18];
	h.flags = msg[19] & ~ISAKMP_FLAG_E;
	h.msgid = get32(msg + 20);

	isakmp_buf_init(&b, out, outsize);
	isakmp_put_header(&b, &h);
	isakmp_put_fragment(&b, &f);
	if (isakmp_buf_finish(&b, &p, &len) == -1)
		return (0);
	return (len);
}

/* ----------------------------------------------------------- reassembly */

void
isakmp_frag_pool_init(struct isakmp_frag_pool *pool, size_t limit)
{
	pool->limit = limit;
	pool->used = 0;
}

void
isakmp_reasm_init(struct isakmp_reasm *r, struct isakmp_frag_pool *pool,
    const struct isakmp_frag_limits *lim)
{
	memset(r, 0, sizeof(*r));
	r->pool = pool;
	r->maxfrags = ISAKMP_REASM_MAXFRAGS;
	r->maxbytes = ISAKMP_REASM_MAXBYTES;
	r->timeout = ISAKMP_REASM_TIMEOUT;
	if (lim != NULL) {
		if (lim->maxfrags != 0)
			r->maxfrags = lim->maxfrags > ISAKMP_REASM_SLOTS ?
			    ISAKMP_REASM_SLOTS : lim->maxfrags;
		if (lim->maxbytes != 0)
			r->maxbytes = lim->maxbytes;
		if (lim->timeout != 0)
			r->timeout = lim->timeout;
	}
}

/* Frees what the set holds: one step per fragment held. */
static void
set_drop(struct isakmp_reasm *r)
{
	struct isakmp_reasm_slot *s;
	unsigned int i;

	for (i = 0; i < r->nheld; i++) {
		s = &r->slot[r->held[i]];
		if (r->pool != NULL)
			r->pool->used -= s->len + ISAKMP_REASM_OVERHEAD;
		freezero(s->data, s->len);
		s->data = NULL;
		s->len = 0;
		s->last = false;
		r->stats.ops++;
	}
	r->active = false;
	r->id = 0;
	r->last = 0;
	r->highest = 0;
	r->nheld = 0;
	r->bytes = 0;
	r->started = 0;
	memset(&r->hdr, 0, sizeof(r->hdr));
}

void
isakmp_reasm_clear(struct isakmp_reasm *r)
{
	set_drop(r);
}

static bool
set_expired(const struct isakmp_reasm *r, uint64_t now)
{
	return (r->active && now >= r->started &&
	    now - r->started >= r->timeout);
}

int
isakmp_reasm_expire(struct isakmp_reasm *r, uint64_t now)
{
	if (!set_expired(r, now))
		return (0);
	set_drop(r);
	r->stats.dropped++;
	return (1);
}

uint64_t
isakmp_reasm_deadline(const struct isakmp_reasm *r)
{
	if (!r->active)
		return (0);
	return (r->started + r->timeout);
}

static bool
same_header(const struct isakmp_hdr *a, const struct isakmp_hdr *b)
{
	return (memcmp(a->icookie, b->icookie, ISAKMP_COOKIE_LEN) == 0 &&
	    memcmp(a->rcookie, b->rcookie, ISAKMP_COOKIE_LEN) == 0 &&
	    a->etype == b->etype && a->msgid == b->msgid);
}

/*
 * Whether fragment f conflicts with the set: a different copy of a held
 * number, a LAST that disagrees with what is held, or a number past the
 * LAST already seen.
 */
static bool
conflicts(const struct isakmp_reasm *r, const struct isakmp_fragment *f)
{
	const struct isakmp_reasm_slot *s = &r->slot[f->num];
	bool last = (f->flags & ISAKMP_FRAG_LAST) != 0;

	if (s->data != NULL)
		return (true);	/* identical copies were caught before */
	if (last && ((r->last != 0 && r->last != f->num) ||
	    r->highest > f->num))
		return (true);
	if (!last && r->last != 0 && f->num > r->last)
		return (true);
	return (false);
}

/* Copies the held fragments, in order, into one message. */
static int
assemble(struct isakmp_reasm *r, uint8_t **out, size_t *outlen,
    struct isakmp_error *err)
{
	uint8_t *buf, *p;
	unsigned int i;
	size_t total = r->bytes;

	if (total < ISAKMP_HDR_LEN)
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG, 0,
		    "reassembled message shorter than a header"));
	if ((buf = malloc(total)) == NULL)
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG, 0,
		    "out of memory reassembling"));
	p = buf;
	for (i = 1; i <= r->last; i++) {
		memcpy(p, r->slot[i].data, r->slot[i].len);
		p += r->slot[i].len;
		r->stats.ops++;
	}
	if (get32(buf + 24) != total ||
	    memcmp(buf, r->hdr.icookie, ISAKMP_COOKIE_LEN) != 0 ||
	    memcmp(buf + 8, r->hdr.rcookie, ISAKMP_COOKIE_LEN) != 0 ||
	    buf[16] == ISAKMP_NPTYPE_FRAG) {
		freezero(buf, total);
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG, 0,
		    "reassembled message does not match its fragments"));
	}
	*out = buf;
	*outlen = total;
	return (0);
}

int
isakmp_reasm_add(struct isakmp_reasm *r, const uint8_t *dgram, size_t len,
    uint64_t now, uint8_t **out, size_t *outlen, struct isakmp_error *err)
{
	struct isakmp_msg msg;
	struct isakmp_fragment f;
	struct isakmp_reasm_slot *s;
	uint8_t *msgbuf = NULL;
	size_t msglen = 0;
	bool last;
	int rv;

	if (out != NULL)
		*out = NULL;
	if (outlen != NULL)
		*outlen = 0;
	r->stats.ops++;
	if (isakmp_decode(&msg, dgram, len, err) == -1) {
		r->stats.refused++;
		return (ISAKMP_REASM_ERROR);
	}
	if (msg.hdr.np != ISAKMP_NPTYPE_FRAG) {
		r->stats.refused++;
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE,
		    msg.hdr.np, 16, "not a fragment message"));
	}
	if (isakmp_decode_fragment(&msg.pl[0], &f, err) == -1) {
		r->stats.refused++;
		return (ISAKMP_REASM_ERROR);
	}
	last = (f.flags & ISAKMP_FRAG_LAST) != 0;

	/* A set past its time never mixes with fresh fragments. */
	(void)isakmp_reasm_expire(r, now);
	if (r->active) {
		if (f.id < r->id) {
			r->stats.stale++;
			return (ISAKMP_REASM_IGNORED);
		}
		s = &r->slot[f.num <= r->maxfrags ? f.num : 0];
		if (f.id == r->id && same_header(&r->hdr, &msg.hdr) &&
		    s->data != NULL && s->len == f.len && s->last == last &&
		    memcmp(s->data, f.data, f.len) == 0) {
			r->stats.duplicates++;
			return (ISAKMP_REASM_IGNORED);
		}
		if (f.id > r->id || !same_header(&r->hdr, &msg.hdr) ||
		    (f.num <= r->maxfrags && conflicts(r, &f))) {
			/* Newest wins: the fragment starts a new set. */
			set_drop(r);
			r->stats.restarts++;
		}
	}
	if (f.num > r->maxfrags) {
		if (r->active) {
			set_drop(r);
			r->stats.dropped++;
		}
		r->stats.refused++;
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG,
		    msg.pl[0].offset + 6, "more fragments than allowed"));
	}
	if (f.len > r->maxbytes - r->bytes) {
		if (r->active) {
			set_drop(r);
			r->stats.dropped++;
		}
		r->stats.refused++;
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG,
		    msg.pl[0].offset, "fragmented message too large"));
	}
	if (r->pool != NULL && (r->pool->used > r->pool->limit ||
	    f.len + ISAKMP_REASM_OVERHEAD > r->pool->limit - r->pool->used)) {
		r->stats.refused++;
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG,
		    msg.pl[0].offset, "fragment memory exhausted"));
	}
	s = &r->slot[f.num];
	if ((s->data = malloc(f.len)) == NULL) {
		r->stats.refused++;
		return (isakmp_err(err, E_MALFORMED, ISAKMP_NPTYPE_FRAG,
		    msg.pl[0].offset, "out of memory"));
	}
	memcpy(s->data, f.data, f.len);
	s->len = f.len;
	s->last = last;
	if (r->pool != NULL)
		r->pool->used += f.len + ISAKMP_REASM_OVERHEAD;
	if (!r->active) {
		r->active = true;
		r->id = f.id;
		r->hdr = msg.hdr;
		r->started = now;
	}
	r->held[r->nheld++] = f.num;
	r->bytes += f.len;
	if (last)
		r->last = f.num;
	if (f.num > r->highest)
		r->highest = f.num;
	r->stats.accepted++;

	/* Numbers are distinct and none exceeds LAST: a full count is all. */
	if (r->last == 0 || r->nheld != r->last)
		return (ISAKMP_REASM_MORE);
	rv = assemble(r, &msgbuf, &msglen, err);
	set_drop(r);
	if (rv == -1) {
		r->stats.dropped++;
		return (ISAKMP_REASM_ERROR);
	}
	r->stats.completed++;
	if (out != NULL && outlen != NULL) {
		*out = msgbuf;
		*outlen = msglen;
	} else
		freezero(msgbuf, msglen);
	return (ISAKMP_REASM_DONE);
}
