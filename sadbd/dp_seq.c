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
 * The data plane's sequence numbers across restarts of sadbd.
 *
 * Outbound: a number must never be sent twice under one SA (RFC 4303
 * 3.3.3), and a peer with an anti-replay window drops anything at or
 * below its window, so an SA brought back after a restart must continue
 * above every number it sent before, even after kill -9 or a crash.
 * Writing the counter for every packet is out of the question, so the
 * journal holds a reservation R ahead of it: numbers up to R may be used,
 * and a restart continues from R.  The workers never touch the disk:
 *
 *   - Each packet takes a ticket (an atomic add on the SA's own counter;
 *     a load and a store when the SA has one sender at a time, as the
 *     engine's single-writer SAs do) before esp_output().  A ticket above `limit', the reservation that
 *     is durable, is refused: the packet is dropped and counted (a held
 *     packet waits on).  Tickets are distinct and each esp_output() takes
 *     at most one number after its ticket, so the engine never uses a
 *     number above the durable reservation, whatever the interleaving of
 *     the threads.  Refused tickets are not given back; they only waste
 *     numbers.
 *   - A ticket that comes within STEP/2 of `limit' asks the event loop,
 *     once, through the workers' event ring (DPE_SEQ).  The loop appends
 *     a record with R = ticket + STEP to the journal; the group commit of
 *     the pass makes it durable, and only then does `limit' move
 *     (dp_seq_publish()).  The sweep every second repeats what a lost
 *     event did not ask for.
 *
 * STEP is 2^21: at 10 Gbit/s (about a million packets a second on one SA)
 * that is a record every second, and the loop has a second's worth of
 * numbers to commit the next one; a restart skips at most 2^21 numbers,
 * 1/2048 of the 32-bit space.  Without ESN a reservation stops at
 * 2^32 - 1, and an SA brought back at that number has nothing left to
 * send: it is killed as for an overflow.
 *
 * Inbound: the sweep journals the replay window's top when it moved, and
 * a clean stop journals the exact tops.  An SA brought back marks every
 * number up to the journaled top as received, so a packet older than it
 * is refused after a restart; numbers between that top and the real one
 * at a crash (about the last second of traffic) may be accepted once.
 *
 * With -J off (nothing is kept) or $SADBD_SEQ_RESERVE=0 (tests) nothing
 * is reserved, restored or held back.
 */

#include <sys/types.h>

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sadbd.h"
#include "esp.h"

#define DP_SEQ_STEP		(1ULL << 21)
#define DP_SEQ_STEP_MIN		2
#define DP_SEQ_ENV_STEP		"SADBD_SEQ_STEP"
#define DP_SEQ_ENV_RESERVE	"SADBD_SEQ_RESERVE"
/* Log lines about failed reservations, at most one per this many. */
#define DP_SEQ_WARN_EVERY	1000

struct dp_seq {
	/* Workers. */
	_Atomic uint64_t	 tick;		/* tickets taken */
	_Atomic uint64_t	 limit;		/* durable reservation */
	atomic_bool		 asked;		/* DPE_SEQ posted */
	bool			 gate;		/* false: nothing to keep */
	bool			 single;	/* one sender at a time */

	/* The event loop. */
	struct esp_sa		*esa;
	struct sad_addr		 dst;
	uint32_t		 spi;
	uint8_t			 satype;
	uint64_t		 max;		/* last usable number */
	uint64_t		 reserved;	/* journaled (maybe not durable) */
	uint64_t		 in_saved;	/* top journaled */
	uint64_t		 in_top;	/* top last read */
	struct dp_seq		*next;		/* every state */
	struct dp_seq		**prevp;
	struct dp_seq		*pnext;		/* waiting for a commit */
	struct dp_seq		**pprevp;
};

static struct {
	bool			 off;		/* $SADBD_SEQ_RESERVE=0 */
	uint64_t		 step;
	struct dp_seq		*all;
	struct dp_seq		*pend;
	uint64_t		 records;
	uint64_t		 failures;
	uint64_t		 usedup;
} sq = { .step = DP_SEQ_STEP };

void
dp_seq_init(void)
{
	const char *s;
	char *end;
	unsigned long long v;

	sq.off = false;
	sq.step = DP_SEQ_STEP;
	if ((s = getenv(DP_SEQ_ENV_RESERVE)) != NULL && strcmp(s, "0") == 0) {
		sq.off = true;
		log_warnx("%s: %s=0: sequence numbers are not kept across "
		    "restarts (a test setting)", __func__, DP_SEQ_ENV_RESERVE);
	}
	/* Tests make reservations run out after a few packets. */
	if ((s = getenv(DP_SEQ_ENV_STEP)) != NULL && *s != '\0') {
		errno = 0;
		v = strtoull(s, &end, 0);
		if (errno != 0 || *end != '\0' || v < DP_SEQ_STEP_MIN ||
		    v > DP_SEQ_STEP)
			fatalx("%s: %s=%s: not a number from %d to %llu",
			    __func__, DP_SEQ_ENV_STEP, s, DP_SEQ_STEP_MIN,
			    (unsigned long long)DP_SEQ_STEP);
		sq.step = v;
	}
}

/* A + B, no further than `max'. */
static uint64_t
add_upto(uint64_t a, uint64_t b, uint64_t max)
{
	if (a >= max || b > max - a)
		return (max);
	return (a + b);
}

static void
pend_unlink(struct dp_seq *s)
{
	if (s->pprevp == NULL)
		return;
	if (s->pnext != NULL)
		s->pnext->pprevp = s->pprevp;
	*s->pprevp = s->pnext;
	s->pnext = NULL;
	s->pprevp = NULL;
}

static void
pend_link(struct dp_seq *s)
{
	if (s->pprevp != NULL)
		return;
	s->pnext = sq.pend;
	if (sq.pend != NULL)
		sq.pend->pprevp = &s->pnext;
	sq.pend = s;
	s->pprevp = &sq.pend;
}

/* Journal what the state says now; 0 or -1 (counted, logged sparingly). */
static int
put(struct dp_seq *s, uint64_t out, uint64_t in)
{
	struct jseq_val v;
	int rc;

	v.out = out;
	v.in = in;
	if ((rc = server_seq_put(&s->dst, s->satype, s->spi, &v)) != 0) {
		if (sq.failures++ % DP_SEQ_WARN_EVERY == 0)
			log_warnx("%s: SA 0x%08x: cannot journal its sequence "
			    "numbers (%s); tried again within a second",
			    __func__, s->spi, sad_strerror(rc));
		return (-1);
	}
	sq.records++;
	return (0);
}

int
dp_seq_attach(struct esp_sa *esa, const struct sad_entry *e, bool single,
    struct dp_seq **out)
{
	struct dp_seq *s;
	struct jseq_val v;
	uint64_t last, top;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (-1);
	s->esa = esa;
	memset(&s->dst, 0, sizeof(s->dst));
	s->dst.af = e->dst.af;
	s->dst.plen = (uint8_t)(e->dst.af == AF_INET ? 32 : 128);
	s->dst.a = e->dst.a;
	s->spi = e->spi;
	s->satype = e->satype;
	s->max = (e->flags & SAD_F_ESN) ? UINT64_MAX : UINT32_MAX;
	s->gate = !sq.off && server_seq_kept();
	s->single = single;
	if (s->gate && server_seq_get(&s->dst, s->satype, s->spi, &v)) {
		/* Continue above everything that may have been used. */
		esp_sa_seq(esa, &last, &top);
		if (v.out > last)
			esp_sa_set_oseq(esa, v.out);
		if (v.in > top)
			esp_sa_set_replay_top(esa, v.in);
		s->reserved = v.out;
		s->in_saved = v.in;
	}
	esp_sa_seq(esa, &last, &top);
	s->in_top = top;
	atomic_init(&s->tick, last);
	atomic_init(&s->limit, s->gate ? last : UINT64_MAX);
	atomic_init(&s->asked, false);

	s->next = sq.all;
	if (sq.all != NULL)
		sq.all->prevp = &s->next;
	sq.all = s;
	s->prevp = &sq.all;
	*out = s;

	if (last >= s->max) {
		sq.usedup++;
		return (1);
	}
	if (s->gate)
		dp_seq_reserve(s);
	return (0);
}

void
dp_seq_detach(struct dp_seq *s)
{
	if (s == NULL)
		return;
	pend_unlink(s);
	if (s->next != NULL)
		s->next->prevp = s->prevp;
	*s->prevp = s->next;
	free(s);
}

int
dp_seq_take(struct dp_seq *s)
{
	uint64_t t, lim;
	int r = DP_SEQ_OK;

	if (s == NULL || !s->gate)
		return (DP_SEQ_OK);
	/* As the engine takes its numbers: see esp_sa_opts.single_writer. */
	if (s->single) {
		t = atomic_load_explicit(&s->tick, memory_order_relaxed) + 1;
		atomic_store_explicit(&s->tick, t, memory_order_relaxed);
	} else
		t = atomic_fetch_add_explicit(&s->tick, 1,
		    memory_order_relaxed) + 1;
	lim = atomic_load_explicit(&s->limit, memory_order_relaxed);
	if (t > lim)
		r |= DP_SEQ_WAIT;
	/* Ask once, and early: half a step before the end. */
	if ((t > lim || lim - t < sq.step / 2) &&
	    !atomic_load_explicit(&s->asked, memory_order_relaxed) &&
	    !atomic_exchange_explicit(&s->asked, true, memory_order_relaxed))
		r |= DP_SEQ_ASK;
	return (r);
}

void
dp_seq_reserve(struct dp_seq *s)
{
	uint64_t t, want;

	if (s == NULL || !s->gate)
		return;
	t = atomic_load_explicit(&s->tick, memory_order_relaxed);
	if (s->reserved > t && s->reserved - t >= sq.step / 2) {
		/*
		 * Enough is reserved.  If it is durable already, nobody
		 * will clear the request: do it here.
		 */
		if (s->pprevp == NULL)
			atomic_store_explicit(&s->asked, false,
			    memory_order_relaxed);
		return;
	}
	want = add_upto(t, sq.step, s->max);
	if (want <= s->reserved)
		return;			/* used up: the engine says so */
	if (put(s, want, s->in_saved) == -1)
		return;			/* the sweep tries again */
	s->reserved = want;
	pend_link(s);
}

bool
dp_seq_publish(void)
{
	struct dp_seq *s;
	bool any = false;

	while ((s = sq.pend) != NULL) {
		pend_unlink(s);
		atomic_store_explicit(&s->limit, s->reserved,
		    memory_order_relaxed);
		atomic_store_explicit(&s->asked, false, memory_order_relaxed);
		any = true;
	}
	return (any);
}

void
dp_seq_refresh(struct dp_seq *s)
{
	if (s != NULL)
		esp_sa_seq(s->esa, NULL, &s->in_top);
}

void
dp_seq_sweep(bool journal)
{
	struct dp_seq *s;
	uint64_t t;

	for (s = sq.all; s != NULL; s = s->next) {
		dp_seq_refresh(s);
		if (!journal || !s->gate)
			continue;
		t = atomic_load_explicit(&s->tick, memory_order_relaxed);
		if (s->reserved < s->max &&
		    (s->reserved <= t || s->reserved - t < sq.step / 2))
			dp_seq_reserve(s);
		if (s->in_top > s->in_saved &&
		    put(s, s->reserved, s->in_top) == 0)
			s->in_saved = s->in_top;
	}
}

/*
 * An SA that has received packets shows its window's top; one that has
 * not, the last number it sent.  Not the larger of the two: every SA has
 * an outbound reservation (nobody says which way an SA goes), so after
 * a restart an inbound SA's counter stands at its reservation too.
 */
uint32_t
dp_seq_shown(const struct dp_seq *s)
{
	uint64_t last;

	if (s == NULL)
		return (0);
	if (s->in_top > 0)
		return ((uint32_t)s->in_top);
	esp_sa_seq(s->esa, &last, NULL);
	return ((uint32_t)last);
}

void
dp_seq_final(void)
{
	struct dp_seq *s;

	for (s = sq.all; s != NULL; s = s->next) {
		dp_seq_refresh(s);
		if (s->gate && s->in_top > s->in_saved &&
		    put(s, s->reserved, s->in_top) == 0)
			s->in_saved = s->in_top;
	}
}

void
dp_seq_log(void)
{
	log_info("dataplane: sequence numbers: step %llu, %llu records "
	    "journaled, %llu failed, %llu SAs restored used up%s",
	    (unsigned long long)sq.step, (unsigned long long)sq.records,
	    (unsigned long long)sq.failures, (unsigned long long)sq.usedup,
	    sq.off ? " (not kept: $" DP_SEQ_ENV_RESERVE "=0)" : "");
}
