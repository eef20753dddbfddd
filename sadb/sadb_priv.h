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
 * sadb internals shared by the stores (not part of the sadb.h API).
 *
 * The timer queue: a binary min-heap of (deadline, node) pairs for the
 * lifetimes of SAs and policies.  Each node keeps its 1-based slot in a
 * uint32_t at a fixed offset (0 = not queued), so re-arming or removing
 * a node is O(log n) and the queue needs no memory in the node beyond
 * that index.
 */

#ifndef SADB_PRIV_H
#define SADB_PRIV_H

#include <stddef.h>
#include <stdint.h>

struct tq_slot {
	uint64_t	 when;
	void		*node;
};

struct tq {
	struct tq_slot	*h;		/* h[1..len] */
	size_t		 len;
	size_t		 cap;
	size_t		 idxoff;	/* offsetof(node, its uint32_t slot) */
};

void	tq_init(struct tq *, size_t idxoff);
void	tq_free(struct tq *);
/*
 * Make room for n nodes.  Done where failing is allowed (insert), so
 * that tq_set() never allocates; SAD_ERR_FULL or SAD_ERR_NOMEM.
 */
int	tq_reserve(struct tq *, size_t n);
/* Queue or move a node to `when'; UINT64_MAX takes it out. */
void	tq_set(struct tq *, void *node, uint64_t when);
void	tq_remove(struct tq *, void *node);

/* The earliest node and its deadline (the queue must not be empty). */
static inline void *
tq_first(const struct tq *q)
{
	return (q->h[1].node);
}

static inline uint64_t
tq_first_when(const struct tq *q)
{
	return (q->h[1].when);
}

/* Seconds from `now' until the earliest deadline: -1 none, 0 overdue. */
int64_t	tq_next(const struct tq *, uint64_t now);

/*
 * The wall clock in seconds for lifetimes: CLOCK_REALTIME, not time(3),
 * whose coarse clock on Linux lags by up to a tick (an SA added just
 * after a second began would date from the second before).
 */
uint64_t sadb_now(void);

#endif /* SADB_PRIV_H */
