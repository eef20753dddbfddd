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

/* The timer queue of the stores (sadb_priv.h). */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "sadb.h"
#include "sadb_priv.h"

static inline uint32_t *
tq_idx(const struct tq *q, void *node)
{
	return ((uint32_t *)(void *)((char *)node + q->idxoff));
}

static inline void
tq_put(struct tq *q, size_t i, struct tq_slot s)
{
	q->h[i] = s;
	*tq_idx(q, s.node) = (uint32_t)i;
}

static void
tq_up(struct tq *q, size_t i)
{
	struct tq_slot s = q->h[i];

	while (i > 1 && q->h[i / 2].when > s.when) {
		tq_put(q, i, q->h[i / 2]);
		i /= 2;
	}
	tq_put(q, i, s);
}

static void
tq_down(struct tq *q, size_t i)
{
	struct tq_slot s = q->h[i];
	size_t c;

	while ((c = 2 * i) <= q->len) {
		if (c < q->len && q->h[c + 1].when < q->h[c].when)
			c++;
		if (q->h[c].when >= s.when)
			break;
		tq_put(q, i, q->h[c]);
		i = c;
	}
	tq_put(q, i, s);
}

void
tq_init(struct tq *q, size_t idxoff)
{
	q->h = NULL;
	q->len = q->cap = 0;
	q->idxoff = idxoff;
}

void
tq_free(struct tq *q)
{
	free(q->h);
	q->h = NULL;
	q->len = q->cap = 0;
}

int
tq_reserve(struct tq *q, size_t n)
{
	struct tq_slot *h;
	size_t cap;

	if (n + 1 <= q->cap)
		return (0);
	if (n >= UINT32_MAX - 1)
		return (SAD_ERR_FULL);
	cap = q->cap < 64 ? 64 : q->cap;
	while (cap < n + 1)
		cap *= 2;
	if ((h = reallocarray(q->h, cap, sizeof(*h))) == NULL)
		return (SAD_ERR_NOMEM);
	q->h = h;
	q->cap = cap;
	return (0);
}

void
tq_remove(struct tq *q, void *node)
{
	uint32_t *idx = tq_idx(q, node);
	size_t i = *idx;

	if (i == 0)
		return;
	*idx = 0;
	if (i == q->len) {
		q->len--;
		return;
	}
	q->h[i] = q->h[q->len--];
	*tq_idx(q, q->h[i].node) = (uint32_t)i;
	tq_up(q, i);
	tq_down(q, *tq_idx(q, q->h[i].node));
}

void
tq_set(struct tq *q, void *node, uint64_t when)
{
	uint32_t *idx = tq_idx(q, node);
	size_t i;

	if (when == UINT64_MAX) {
		tq_remove(q, node);
		return;
	}
	if ((i = *idx) == 0) {
		i = ++q->len;
		q->h[i].node = node;
	}
	q->h[i].when = when;
	*idx = (uint32_t)i;
	tq_up(q, i);
	tq_down(q, *idx);
}

int64_t
tq_next(const struct tq *q, uint64_t now)
{
	uint64_t when;

	if (q->len == 0)
		return (-1);
	when = q->h[1].when;
	if (when <= now)
		return (0);
	if (when - now > INT64_MAX)
		return (INT64_MAX);
	return ((int64_t)(when - now));
}

uint64_t
sadb_now(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 || ts.tv_sec < 0)
		return (0);
	return ((uint64_t)ts.tv_sec);
}
