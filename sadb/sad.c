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
 * The SAD: an in-memory store of security associations.
 *
 * Every SA lives in one allocation (struct sad_node) that carries the
 * entry and the links of both indexes, so an SA costs one malloc besides
 * its keys; sadbd must hold a million of them in under 400 bytes each
 * beyond the key material.  The indexes are red-black trees because they give ordered,
 * cursor-restartable walks (dumps that survive deletions) and need no
 * rehashing pauses at a million entries:
 *
 *  - byspi, keyed (dst, satype, spi): inbound lookup, GET/DELETE/UPDATE,
 *    dumps and SPI allocation (the SPIs of one dst and satype are
 *    contiguous, so a free one is found by walking a range);
 *  - byout, keyed (src, dst, satype, reqid, insertion order): outbound
 *    selection and DELETEALL, which both want every SA of one pair.
 *
 * Deadlines sit in a binary min-heap of (time, node) pairs; a node knows
 * its heap slot, so re-arming or deleting is O(log n).  Only SAs with a
 * time limit are in it.
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sadb.h"
#include "sadb_priv.h"

/* libbsd leaves __unused out (Linux headers use the name); tree.h needs it. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

/* How long an SA made by GETSPI waits for its UPDATE (KAME and Linux). */
#define SAD_LARVAL_LIFETIME	30

/* The lowest SPI we hand out: 1-255 are reserved by IANA (RFC 4303). */
#define SAD_SPI_MIN		256

/* Random probes before sad_alloc_spi() falls back to walking the range. */
#define SAD_SPI_PROBES		32

#define SN_EXPIRING		0x01	/* inside its hard-expiry callback */

struct sad_node {
	struct sad_entry	 sn_entry;	/* first: entry == node */
	RB_ENTRY(sad_node)	 sn_byspi;
	RB_ENTRY(sad_node)	 sn_byout;
	uint64_t		 sn_order;	/* insertion order */
	uint32_t		 sn_heapidx;	/* 1-based; 0 = no deadline */
	uint8_t			 sn_flags;	/* SN_* */
};

RB_HEAD(sad_byspi, sad_node);
RB_HEAD(sad_byout, sad_node);

struct sad {
	struct sad_byspi	 sad_byspi;
	struct sad_byout	 sad_byout;
	size_t			 sad_count;
	size_t			 sad_nsatype[256];	/* for dump counts */
	uint64_t		 sad_order;
	/* deadlines; capacity kept above the SA count (see insert) */
	struct tq		 sad_tq;
};

static int	sad_byspi_cmp(const struct sad_node *, const struct sad_node *);
static int	sad_byout_cmp(const struct sad_node *, const struct sad_node *);

RB_PROTOTYPE_STATIC(sad_byspi, sad_node, sn_byspi, sad_byspi_cmp)
RB_PROTOTYPE_STATIC(sad_byout, sad_node, sn_byout, sad_byout_cmp)

static inline struct sad_node *
sad_node_of(struct sad_entry *e)
{
	/* sn_entry is the first member, so the entry is the node. */
	return ((struct sad_node *)(void *)e);
}

static inline int
u32_cmp(uint32_t a, uint32_t b)
{
	return (a < b ? -1 : a > b);
}

static inline int
u64_cmp(uint64_t a, uint64_t b)
{
	return (a < b ? -1 : a > b);
}

/* Compare a (dst, satype, spi) key with a node. */
static int
sad_spikey_cmp(const struct sad_addr *dst, uint8_t satype, uint32_t spi,
    const struct sad_node *n)
{
	int r;

	if ((r = sad_addr_cmp(dst, &n->sn_entry.dst)) != 0)
		return (r);
	if (satype != n->sn_entry.satype)
		return (satype < n->sn_entry.satype ? -1 : 1);
	return (u32_cmp(spi, n->sn_entry.spi));
}

static int
sad_byspi_cmp(const struct sad_node *a, const struct sad_node *b)
{
	return (sad_spikey_cmp(&a->sn_entry.dst, a->sn_entry.satype,
	    a->sn_entry.spi, b));
}

/* Compare (src, dst, satype) with a node's, where satype 0 is any. */
static int
sad_pairkey_cmp(const struct sad_addr *src, const struct sad_addr *dst,
    uint8_t satype, const struct sad_node *n)
{
	int r;

	if ((r = sad_addr_cmp(src, &n->sn_entry.src)) != 0)
		return (r);
	if ((r = sad_addr_cmp(dst, &n->sn_entry.dst)) != 0)
		return (r);
	if (satype != 0 && satype != n->sn_entry.satype)
		return (satype < n->sn_entry.satype ? -1 : 1);
	return (0);
}

static int
sad_byout_cmp(const struct sad_node *a, const struct sad_node *b)
{
	const struct sad_entry *ea = &a->sn_entry, *eb = &b->sn_entry;
	int r;

	if ((r = sad_addr_cmp(&ea->src, &eb->src)) != 0)
		return (r);
	if ((r = sad_addr_cmp(&ea->dst, &eb->dst)) != 0)
		return (r);
	if (ea->satype != eb->satype)
		return (ea->satype < eb->satype ? -1 : 1);
	if ((r = u32_cmp(ea->reqid, eb->reqid)) != 0)
		return (r);
	/* Unique, so SAs of one pair and reqid sort oldest first. */
	return (u64_cmp(a->sn_order, b->sn_order));
}

RB_GENERATE_STATIC(sad_byspi, sad_node, sn_byspi, sad_byspi_cmp)
RB_GENERATE_STATIC(sad_byout, sad_node, sn_byout, sad_byout_cmp)

/*
 * The tree macros search with a whole node as the key; these take the key
 * fields instead so lookups need no 300-byte dummy node.
 */
static struct sad_node *
sad_find_spi(const struct sad *sad, const struct sad_addr *dst,
    uint8_t satype, uint32_t spi)
{
	struct sad_node *n = RB_ROOT(&sad->sad_byspi);
	int r;

	while (n != NULL) {
		if ((r = sad_spikey_cmp(dst, satype, spi, n)) == 0)
			return (n);
		n = r < 0 ? RB_LEFT(n, sn_byspi) : RB_RIGHT(n, sn_byspi);
	}
	return (NULL);
}

/* The first node whose key is >= (dst, satype, spi). */
static struct sad_node *
sad_nfind_spi(const struct sad *sad, const struct sad_addr *dst,
    uint8_t satype, uint32_t spi)
{
	struct sad_node *n = RB_ROOT(&sad->sad_byspi), *best = NULL;
	int r;

	while (n != NULL) {
		if ((r = sad_spikey_cmp(dst, satype, spi, n)) == 0)
			return (n);
		if (r < 0) {
			best = n;
			n = RB_LEFT(n, sn_byspi);
		} else
			n = RB_RIGHT(n, sn_byspi);
	}
	return (best);
}

/* The first node of the pair (src, dst, satype), with satype 0 = any. */
static struct sad_node *
sad_nfind_pair(const struct sad *sad, const struct sad_addr *src,
    const struct sad_addr *dst, uint8_t satype)
{
	struct sad_node *n = RB_ROOT(&sad->sad_byout), *best = NULL;

	/* Equal prefixes go left too: the first of the range is wanted. */
	while (n != NULL) {
		if (sad_pairkey_cmp(src, dst, satype, n) <= 0) {
			best = n;
			n = RB_LEFT(n, sn_byout);
		} else
			n = RB_RIGHT(n, sn_byout);
	}
	if (best != NULL && sad_pairkey_cmp(src, dst, satype, best) != 0)
		best = NULL;
	return (best);
}

/* The smallest node of the byspi tree. */
static struct sad_node *
sad_first(const struct sad *sad)
{
	struct sad_node *n = RB_ROOT(&sad->sad_byspi);

	while (n != NULL && RB_LEFT(n, sn_byspi) != NULL)
		n = RB_LEFT(n, sn_byspi);
	return (n);
}

static inline bool
sad_same_pair(const struct sad_node *n, const struct sad_addr *src,
    const struct sad_addr *dst, uint8_t satype)
{
	return (sad_pairkey_cmp(src, dst, satype, n) == 0);
}

/* ---------------------------------------------------------------- timers */

static inline uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

static inline uint64_t
min64(uint64_t a, uint64_t b)
{
	return (a < b ? a : b);
}

/*
 * When the limits `lim' run out, UINT64_MAX for never.  RFC 2367: addtime
 * counts from creation, usetime from first use, so an unused SA has no
 * usetime deadline yet.
 */
static uint64_t
sad_limit_time(const struct sad_lifetime *cur, const struct sad_lifetime *lim)
{
	uint64_t when = UINT64_MAX;

	if (lim->addtime != 0)
		when = sat_add(cur->addtime, lim->addtime);
	if (lim->usetime != 0 && cur->usetime != 0)
		when = min64(when, sat_add(cur->usetime, lim->usetime));
	return (when);
}

static uint64_t
sad_hard_time(const struct sad_entry *e)
{
	uint64_t when = sad_limit_time(&e->cur, &e->hard);

	/* An unanswered GETSPI must not hold its SPI forever. */
	if (e->state == PFKEY_SASTATE_LARVAL && e->hard.addtime == 0)
		when = min64(when, sat_add(e->cur.addtime,
		    SAD_LARVAL_LIFETIME));
	return (when);
}

/* Only a MATURE SA can go soft; DYING already did, LARVAL never does. */
static uint64_t
sad_soft_time(const struct sad_entry *e)
{
	if (e->state != PFKEY_SASTATE_MATURE)
		return (UINT64_MAX);
	return (sad_limit_time(&e->cur, &e->soft));
}

/* Put a node's next deadline in the queue (or take it out). */
static void
sad_arm(struct sad *sad, struct sad_node *n)
{
	tq_set(&sad->sad_tq, n, min64(sad_soft_time(&n->sn_entry),
	    sad_hard_time(&n->sn_entry)));
}

/* ----------------------------------------------------------------- store */

struct sad *
sad_new(void)
{
	struct sad *sad;

	if ((sad = calloc(1, sizeof(*sad))) == NULL)
		return (NULL);
	RB_INIT(&sad->sad_byspi);
	RB_INIT(&sad->sad_byout);
	tq_init(&sad->sad_tq, offsetof(struct sad_node, sn_heapidx));
	return (sad);
}

static void
sad_node_unlink(struct sad *sad, struct sad_node *n)
{
	RB_REMOVE(sad_byspi, &sad->sad_byspi, n);
	RB_REMOVE(sad_byout, &sad->sad_byout, n);
	tq_remove(&sad->sad_tq, n);
	sad->sad_count--;
	sad->sad_nsatype[n->sn_entry.satype]--;
}

static void
sad_node_free(struct sad_node *n)
{
	/* sad_entry_clear() wipes the keys (freezero). */
	sad_entry_clear(&n->sn_entry);
	free(n);
}

/*
 * Delete a node unless it is in its hard-expiry callback: the expirer
 * deletes it after the callback returns, so a callback that deletes or
 * flushes cannot free the entry under it.
 */
static bool
sad_node_delete(struct sad *sad, struct sad_node *n)
{
	if (n->sn_flags & SN_EXPIRING)
		return (false);
	sad_node_unlink(sad, n);
	sad_node_free(n);
	return (true);
}

/*
 * Free a subtree children first: an in-order walk with RB_NEXT() would
 * climb through parents already freed.  The depth is at most 2 log2(n).
 */
static void
sad_free_tree(struct sad_node *n)
{
	if (n == NULL)
		return;
	sad_free_tree(RB_LEFT(n, sn_byspi));
	sad_free_tree(RB_RIGHT(n, sn_byspi));
	sad_node_free(n);
}

void
sad_free(struct sad *sad)
{
	if (sad == NULL)
		return;
	sad_free_tree(RB_ROOT(&sad->sad_byspi));
	tq_free(&sad->sad_tq);
	free(sad);
}

size_t
sad_count(const struct sad *sad)
{
	return (sad->sad_count);
}

size_t
sad_count_satype(const struct sad *sad, uint8_t satype)
{
	if (satype == 0)
		return (sad->sad_count);
	return (sad->sad_nsatype[satype]);
}

static bool
sad_af_ok(const struct sad_addr *a)
{
	return (a->af == AF_INET || a->af == AF_INET6);
}

/* Link a filled node; the entry's (dst, satype, spi) is known to be free. */
static void
sad_node_link(struct sad *sad, struct sad_node *n)
{
	struct sad_entry *e = &n->sn_entry;

	/* The creation time anchors addtime limits (RFC 2367 CURRENT). */
	if (e->cur.addtime == 0)
		e->cur.addtime = sadb_now();
	n->sn_order = ++sad->sad_order;
	n->sn_heapidx = 0;
	n->sn_flags = 0;
	RB_INSERT(sad_byspi, &sad->sad_byspi, n);
	RB_INSERT(sad_byout, &sad->sad_byout, n);
	sad->sad_count++;
	sad->sad_nsatype[e->satype]++;
	sad_arm(sad, n);
}

/* What both inserts check before allocating anything. */
static int
sad_insert_check(struct sad *sad, const struct sad_entry *e)
{
	int r;

	if (!sad_af_ok(&e->dst))
		return (SAD_ERR_INVAL);
	if (sad_find_spi(sad, &e->dst, e->satype, e->spi) != NULL)
		return (SAD_ERR_EXISTS);
	if ((r = tq_reserve(&sad->sad_tq, sad->sad_count + 1)) != 0)
		return (r);
	return (0);
}

int
sad_insert(struct sad *sad, const struct sad_entry *e, struct sad_entry **out)
{
	struct sad_node *n;
	int r;

	if ((r = sad_insert_check(sad, e)) != 0)
		return (r);
	if ((n = malloc(sizeof(*n))) == NULL)
		return (SAD_ERR_NOMEM);
	if ((r = sad_entry_copy(&n->sn_entry, e)) != 0) {
		free(n);
		return (r);
	}
	sad_node_link(sad, n);
	if (out != NULL)
		*out = &n->sn_entry;
	return (0);
}

int
sad_insert_move(struct sad *sad, struct sad_entry *e, struct sad_entry **out)
{
	struct sad_node *n;
	int r;

	if ((r = sad_insert_check(sad, e)) != 0)
		return (r);
	if ((n = malloc(sizeof(*n))) == NULL)
		return (SAD_ERR_NOMEM);
	n->sn_entry = *e;
	memset(e, 0, sizeof(*e));
	sad_node_link(sad, n);
	if (out != NULL)
		*out = &n->sn_entry;
	return (0);
}

struct sad_entry *
sad_lookup(const struct sad *sad, const struct sad_addr *dst, uint8_t satype,
    uint32_t spi)
{
	struct sad_node *n;

	if ((n = sad_find_spi(sad, dst, satype, spi)) == NULL)
		return (NULL);
	return (&n->sn_entry);
}

/* The newest node of (src, dst, satype, reqid): the last of its range. */
static struct sad_node *
sad_last_reqid(const struct sad *sad, const struct sad_addr *src,
    const struct sad_addr *dst, uint8_t satype, uint32_t reqid)
{
	struct sad_node *n = RB_ROOT(&sad->sad_byout), *best = NULL;
	int r;

	while (n != NULL) {
		if ((r = sad_pairkey_cmp(src, dst, satype, n)) == 0)
			r = u32_cmp(reqid, n->sn_entry.reqid);
		if (r >= 0) {
			if (r == 0)
				best = n;
			n = RB_RIGHT(n, sn_byout);
		} else
			n = RB_LEFT(n, sn_byout);
	}
	return (best);
}

struct sad_entry *
sad_lookup_out(const struct sad *sad, const struct sad_addr *src,
    const struct sad_addr *dst, uint8_t satype, uint32_t reqid)
{
	struct sad_node *n, *mature = NULL, *dying = NULL;
	const struct sad_entry *e;

	if (satype == 0)
		return (NULL);
	if (reqid != 0) {
		/*
		 * SAs of one reqid sort oldest first: walk back from the
		 * newest, and the first MATURE one is the answer.
		 */
		for (n = sad_last_reqid(sad, src, dst, satype, reqid);
		    n != NULL && n->sn_entry.reqid == reqid &&
		    sad_same_pair(n, src, dst, satype);
		    n = RB_PREV(sad_byout, &sad->sad_byout, n)) {
			e = &n->sn_entry;
			if (e->state == PFKEY_SASTATE_MATURE)
				return (&n->sn_entry);
			if (e->state == PFKEY_SASTATE_DYING && dying == NULL)
				dying = n;
		}
		return (dying != NULL ? &dying->sn_entry : NULL);
	}

	/*
	 * Any reqid: the newest is not at one end of the pair's range, so
	 * look at all of it.  A pair rarely has more than a few SAs.
	 */
	for (n = sad_nfind_pair(sad, src, dst, satype);
	    n != NULL && sad_same_pair(n, src, dst, satype);
	    n = RB_NEXT(sad_byout, &sad->sad_byout, n)) {
		e = &n->sn_entry;
		if (e->state == PFKEY_SASTATE_MATURE) {
			if (mature == NULL || n->sn_order > mature->sn_order)
				mature = n;
		} else if (e->state == PFKEY_SASTATE_DYING) {
			if (dying == NULL || n->sn_order > dying->sn_order)
				dying = n;
		}
	}
	if (mature != NULL)
		return (&mature->sn_entry);
	if (dying != NULL)
		return (&dying->sn_entry);
	return (NULL);
}

void
sad_delete(struct sad *sad, struct sad_entry *e)
{
	(void)sad_node_delete(sad, sad_node_of(e));
}

size_t
sad_delete_all(struct sad *sad, const struct sad_addr *src,
    const struct sad_addr *dst, uint8_t satype)
{
	struct sad_node *n, *next;
	size_t count = 0;

	for (n = sad_nfind_pair(sad, src, dst, satype);
	    n != NULL && sad_same_pair(n, src, dst, satype); n = next) {
		next = RB_NEXT(sad_byout, &sad->sad_byout, n);
		if (sad_node_delete(sad, n))
			count++;
	}
	return (count);
}

size_t
sad_flush(struct sad *sad, uint8_t satype)
{
	struct sad_node *n, *next;
	size_t count = 0;

	for (n = RB_MIN(sad_byspi, &sad->sad_byspi); n != NULL; n = next) {
		next = RB_NEXT(sad_byspi, &sad->sad_byspi, n);
		if (satype != 0 && n->sn_entry.satype != satype)
			continue;
		if (sad_node_delete(sad, n))
			count++;
	}
	return (count);
}

int
sad_alloc_spi(const struct sad *sad, const struct sad_addr *dst,
    uint8_t satype, uint32_t min, uint32_t max, uint32_t *spi)
{
	struct sad_node *n;
	uint32_t range, cand;
	int i;

	if (!sad_af_ok(dst))
		return (SAD_ERR_INVAL);
	if (min < SAD_SPI_MIN)
		min = SAD_SPI_MIN;
	if (min > max)
		return (SAD_ERR_RANGE);
	/* At most 2^32 - 256 values, so the count fits. */
	range = max - min + 1;

	/* Unpredictable SPIs make blind injection harder (RFC 4303 2.1). */
	for (i = 0; i < SAD_SPI_PROBES; i++) {
		cand = min + arc4random_uniform(range);
		if (sad_find_spi(sad, dst, satype, cand) == NULL) {
			*spi = cand;
			return (0);
		}
	}

	/*
	 * The range is nearly full: walk its SPIs in order from a random
	 * point, wrapping once, and take the first gap.
	 */
	cand = min + arc4random_uniform(range);
	for (i = 0; i < 2; i++) {
		n = sad_nfind_spi(sad, dst, satype, cand);
		for (;;) {
			if (n == NULL || n->sn_entry.satype != satype ||
			    sad_addr_cmp(dst, &n->sn_entry.dst) != 0 ||
			    n->sn_entry.spi != cand) {
				*spi = cand;
				return (0);
			}
			if (cand == max)
				break;
			cand++;
			n = RB_NEXT(sad_byspi, &sad->sad_byspi, n);
		}
		cand = min;
	}
	return (SAD_ERR_RANGE);
}

/* ------------------------------------------------------------- iteration */

void
sad_iter_init(struct sad_iter *it, uint8_t satype)
{
	memset(it, 0, sizeof(*it));
	it->filter = satype;
	it->started = false;
}

struct sad_entry *
sad_next(const struct sad *sad, struct sad_iter *it)
{
	struct sad_node *n;

	if (!it->started)
		n = sad_first(sad);
	else {
		/* The cursor's entry may be gone: restart from its key. */
		n = sad_nfind_spi(sad, &it->dst, it->satype, it->spi);
		if (n != NULL && sad_spikey_cmp(&it->dst, it->satype, it->spi,
		    n) == 0)
			n = RB_NEXT(sad_byspi, &sad->sad_byspi, n);
	}
	while (n != NULL && it->filter != 0 &&
	    n->sn_entry.satype != it->filter)
		n = RB_NEXT(sad_byspi, &sad->sad_byspi, n);
	if (n == NULL)
		return (NULL);
	it->dst = n->sn_entry.dst;
	it->satype = n->sn_entry.satype;
	it->spi = n->sn_entry.spi;
	it->started = true;
	return (&n->sn_entry);
}

/* ------------------------------------------------------------- lifetimes */

int64_t
sad_next_deadline(const struct sad *sad, uint64_t now)
{
	return (tq_next(&sad->sad_tq, now));
}

/* Hard expiry: tell the owner while the entry is intact, then delete. */
static void
sad_expire_hard(struct sad *sad, struct sad_node *n, sad_expire_cb cb,
    void *arg)
{
	if (cb != NULL) {
		n->sn_flags |= SN_EXPIRING;
		cb(arg, &n->sn_entry, true);
		n->sn_flags &= ~SN_EXPIRING;
	}
	sad_node_unlink(sad, n);
	sad_node_free(n);
}

size_t
sad_expire_run(struct sad *sad, uint64_t now, sad_expire_cb cb, void *arg)
{
	struct sad_node *n;
	struct sad_entry *e;
	size_t count = 0;

	/*
	 * Take the earliest deadline until none is due.  The callbacks may
	 * insert or delete other SAs, so the queue is re-read every time.
	 */
	while (sad->sad_tq.len > 0 && tq_first_when(&sad->sad_tq) <= now) {
		n = tq_first(&sad->sad_tq);
		e = &n->sn_entry;
		if (sad_hard_time(e) <= now) {
			sad_expire_hard(sad, n, cb, arg);
			count++;
		} else if (sad_soft_time(e) <= now) {
			/*
			 * DYING first and re-armed for the hard limit, so the
			 * callback may delete or rekey the SA freely.
			 */
			e->state = PFKEY_SASTATE_DYING;
			sad_arm(sad, n);
			count++;
			if (cb != NULL)
				cb(arg, e, false);
		} else {
			/* Limits changed without sad_rearm(): re-arm. */
			sad_arm(sad, n);
		}
	}
	return (count);
}

void
sad_rearm(struct sad *sad, struct sad_entry *e)
{
	struct sad_node *n = sad_node_of(e);

	/*
	 * The caller may also have changed the src or reqid (UPDATE of a
	 * larval SA): RB_REMOVE works on the links alone, so re-inserting
	 * puts the node back at its new place.  dst, satype and spi are the
	 * primary key and must not change.
	 */
	RB_REMOVE(sad_byout, &sad->sad_byout, n);
	RB_INSERT(sad_byout, &sad->sad_byout, n);
	sad_arm(sad, n);
}

void
sad_account(struct sad *sad, struct sad_entry *e, uint64_t bytes,
    uint64_t now, sad_expire_cb cb, void *arg)
{
	struct sad_node *n = sad_node_of(e);

	e->cur.bytes = sat_add(e->cur.bytes, bytes);
	if (e->cur.usetime == 0) {
		e->cur.usetime = now;
		/* First use starts the usetime clocks. */
		if (e->hard.usetime != 0 || e->soft.usetime != 0)
			sad_arm(sad, n);
	}
	/* Limits are reached at equality, as in Linux XFRM. */
	if ((e->hard.bytes != 0 && e->cur.bytes >= e->hard.bytes) ||
	    (e->hard.allocations != 0 &&
	    e->cur.allocations >= e->hard.allocations)) {
		sad_expire_hard(sad, n, cb, arg);
		return;
	}
	if (e->state == PFKEY_SASTATE_MATURE &&
	    ((e->soft.bytes != 0 && e->cur.bytes >= e->soft.bytes) ||
	    (e->soft.allocations != 0 &&
	    e->cur.allocations >= e->soft.allocations))) {
		e->state = PFKEY_SASTATE_DYING;
		sad_arm(sad, n);
		if (cb != NULL)
			cb(arg, e, false);
	}
}
