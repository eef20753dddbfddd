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
 * The anti-replay window (esp_replay.c, RFC 4303 3.4.3 and appendix A):
 * edge cases for windows of 32, 64, 1024 and 4096 packets, a comparison
 * with a naive model on random traffic, and the inference of the high
 * half of extended sequence numbers (appendix A2.2).
 */

#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "esp_local.h"

static const uint32_t windows[] = { 32, 64, 1024, 4096 };

/* Check then update, as esp_input() does around the ICV check. */
static int
recv_seq(struct esp_replay *r, uint64_t seq)
{
	uint64_t full;
	int rc;

	if ((rc = esp_replay_check(r, (uint32_t)seq, &full)) != 0)
		return (rc);
	if (r->esn)
		ATF_CHECK_EQ(full, seq);
	return (esp_replay_update(r, full));
}

ATF_TC_WITHOUT_HEAD(edges);
ATF_TC_BODY(edges, tc)
{
	struct esp_replay r;
	uint64_t s, top, w;
	size_t i;

	for (i = 0; i < nitems(windows); i++) {
		w = windows[i];
		esp_replay_init(&r, (uint32_t)w, false);
		/* 0 is never sent. */
		ATF_CHECK_EQ(recv_seq(&r, 0), ESP_E_REPLAY);
		/* In order, then every one again. */
		for (s = 1; s <= 3 * w; s++)
			ATF_CHECK_EQ(recv_seq(&r, s), 0);
		for (s = 1; s <= 3 * w; s++)
			ATF_CHECK_EQ(recv_seq(&r, s), ESP_E_REPLAY);
		top = 3 * w;
		ATF_CHECK_EQ(r.top, top);
		/* Jump ahead, leaving a hole; the hole's bottom edge. */
		top += 2 * w;
		ATF_CHECK_EQ(recv_seq(&r, top), 0);
		/* Too old, then exactly the bottom edge. */
		ATF_CHECK_EQ(recv_seq(&r, top - w), ESP_E_REPLAY);
		ATF_CHECK_EQ(recv_seq(&r, top - w + 1), 0);
		ATF_CHECK_EQ(recv_seq(&r, top - w + 1), ESP_E_REPLAY);
		ATF_CHECK_EQ(recv_seq(&r, top - 1), 0);
		ATF_CHECK_EQ(recv_seq(&r, top), ESP_E_REPLAY);
		/* Every other one inside the window, then all. */
		for (s = top - w + 2; s < top - 1; s += 2)
			ATF_CHECK_EQ(recv_seq(&r, s), 0);
		for (s = top - w + 1; s <= top; s++)
			ATF_CHECK_EQ(recv_seq(&r, s) == 0, (s - (top - w)) % 2
			    == 1 && s > top - w + 1 && s < top - 1);
		/* Far ahead (beyond the bitmap ring): all old ones gone. */
		top += 1000000;
		ATF_CHECK_EQ(recv_seq(&r, top), 0);
		ATF_CHECK_EQ(recv_seq(&r, top - w + 1), 0);
		ATF_CHECK_EQ(recv_seq(&r, top - w), ESP_E_REPLAY);
		/* Slide by exactly one word and by the ring size. */
		ATF_CHECK_EQ(recv_seq(&r, top + 64), 0);
		ATF_CHECK_EQ(recv_seq(&r, top + 63), 0);
		ATF_CHECK_EQ(recv_seq(&r, top + 64 + 64 * ESP_REPLAY_WORDS),
		    0);
		ATF_CHECK_EQ(recv_seq(&r, top + 64 + 64 * ESP_REPLAY_WORDS - 1),
		    0);
		ATF_CHECK_EQ(recv_seq(&r, top + 64 + 64 * ESP_REPLAY_WORDS - 1),
		    ESP_E_REPLAY);
	}
}

/* A naive model: accepted iff in the window and never accepted before. */
struct model {
	uint64_t	 top;
	uint32_t	 w;
	uint8_t		*seen;		/* indexed by seq */
};

static int
model_recv(struct model *m, uint64_t s)
{
	if (s == 0)
		return (ESP_E_REPLAY);
	if (s + m->w <= m->top)
		return (ESP_E_REPLAY);
	if (m->seen[s])
		return (ESP_E_REPLAY);
	m->seen[s] = 1;
	if (s > m->top)
		m->top = s;
	return (0);
}

ATF_TC_WITHOUT_HEAD(model_random);
ATF_TC_BODY(model_random, tc)
{
	enum { SPACE = 400000, N = 60000 };
	struct esp_replay r;
	struct model m;
	uint64_t base, s;
	size_t i, k;
	long d;
	int a, b;

	srandom(4303);
	for (i = 0; i < nitems(windows); i++) {
		esp_replay_init(&r, windows[i], false);
		m.top = 0;
		m.w = windows[i];
		ATF_REQUIRE((m.seen = calloc(SPACE + 1, 1)) != NULL);
		base = 1;
		for (k = 0; k < N; k++) {
			/* Mostly forward, reordered, duplicated, sometimes
			 * far behind or ahead. */
			d = random() % (long)(3 * windows[i]) -
			    (long)(2 * windows[i]);
			if (random() % 50 == 0)
				d += (long)(random() % 5000);
			base += random() % 3;
			if ((long)base + d < 0)
				d = -(long)base;
			s = (uint64_t)((long)base + d);
			if (s > SPACE)
				break;
			a = recv_seq(&r, s);
			b = model_recv(&m, s);
			ATF_REQUIRE_EQ_MSG(a, b, "window %u: seq %llu (top "
			    "%llu)", windows[i], (unsigned long long)s,
			    (unsigned long long)m.top);
			if (s > base)
				base = s;
		}
		ATF_CHECK_EQ(r.top, m.top);
		free(m.seen);
	}
}

ATF_TC_WITHOUT_HEAD(window_off);
ATF_TC_BODY(window_off, tc)
{
	struct esp_replay r;
	uint64_t s;

	esp_replay_init(&r, 0, false);
	for (s = 0; s < 100; s++) {
		ATF_CHECK_EQ(recv_seq(&r, 50), 0);
		ATF_CHECK_EQ(recv_seq(&r, s), 0);
	}
	ATF_CHECK_EQ(recv_seq(&r, 0xffffffffULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 1), 0);
	/* With ESN and no window the top still drives the inference. */
	esp_replay_init(&r, 0, true);
	ATF_CHECK_EQ(recv_seq(&r, 0xfffffff0ULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0x100000005ULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0xfffffff5ULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0xfffffff5ULL), 0);	/* no window */
	ATF_CHECK_EQ(r.top, 0x100000005ULL);
	ATF_CHECK_EQ(recv_seq(&r, 0x180000000ULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0x1ffffffffULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0x200000001ULL), 0);
	ATF_CHECK_EQ(r.top, 0x200000001ULL);
}

ATF_TC_WITHOUT_HEAD(esn_inference);
ATF_TC_BODY(esn_inference, tc)
{
	struct esp_replay r;
	uint64_t full = 0;
	uint32_t w = 64;

	esp_replay_init(&r, w, true);
	/* Fresh: the first subspace; the window's bottom wraps below 0. */
	ATF_CHECK_EQ(esp_replay_check(&r, 1, &full), 0);
	ATF_CHECK_EQ(full, 1);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xfffffff0u, &full), ESP_E_REPLAY);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xffffff00u, &full), 0);
	ATF_CHECK_EQ(full, 0xffffff00u);
	/* Case A: Tl >= W - 1. */
	ATF_CHECK_EQ(esp_replay_update(&r, 0x300000100ULL), 0);
	ATF_CHECK_EQ(esp_replay_check(&r, 0x101, &full), 0);
	ATF_CHECK_EQ(full, 0x300000101ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xc1, &full), 0);	/* bottom */
	ATF_CHECK_EQ(full, 0x3000000c1ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xc0, &full), 0);	/* next */
	ATF_CHECK_EQ(full, 0x4000000c0ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xfffffff0u, &full), 0);
	ATF_CHECK_EQ(full, 0x3fffffff0ULL);	/* ahead, same subspace */
	/* Case B: Tl < W - 1, the window spans two subspaces. */
	ATF_CHECK_EQ(esp_replay_update(&r, 0x400000010ULL), 0);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xffffffe0u, &full), 0);
	ATF_CHECK_EQ(full, 0x3ffffffe0ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xffffffd1u, &full), 0);
	ATF_CHECK_EQ(full, 0x3ffffffd1ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0xffffffd0u, &full), 0);
	ATF_CHECK_EQ(full, 0x4ffffffd0ULL);	/* below the window: ahead */
	ATF_CHECK_EQ(esp_replay_check(&r, 0x11, &full), 0);
	ATF_CHECK_EQ(full, 0x400000011ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0x05, &full), 0);
	ATF_CHECK_EQ(full, 0x400000005ULL);
	ATF_CHECK_EQ(esp_replay_check(&r, 0x10, &full), ESP_E_REPLAY);
	/* Old ones across the boundary, then replays of them. */
	ATF_CHECK_EQ(recv_seq(&r, 0x3ffffffe0ULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0x3ffffffe0ULL), ESP_E_REPLAY);
	/* Far ahead in the subspace, then across into the next one. */
	ATF_CHECK_EQ(recv_seq(&r, 0x4ffffff00ULL), 0);
	ATF_CHECK_EQ(recv_seq(&r, 0x500000003ULL), 0);
	ATF_CHECK_EQ(r.top, 0x500000003ULL);
	ATF_CHECK_EQ(recv_seq(&r, 0x4ffffffffULL), 0);
	/* An update of what slid out meanwhile is refused. */
	ATF_CHECK_EQ(esp_replay_check(&r, 0xfffffff0u, &full), 0);
	ATF_CHECK_EQ(esp_replay_update(&r, 0x600000000ULL), 0);
	ATF_CHECK_EQ(esp_replay_update(&r, full), ESP_E_REPLAY);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, edges);
	ATF_TP_ADD_TC(tp, model_random);
	ATF_TP_ADD_TC(tp, window_off);
	ATF_TP_ADD_TC(tp, esn_inference);
	return (atf_no_error());
}
