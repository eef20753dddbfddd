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
 * libesp internals shared by its files (not installed): the anti-replay
 * window (RFC 4303 3.4.3, appendix A2; set up in esp_replay.c, used per
 * packet through the inline functions below).
 */

#ifndef PFKEYKIT_ESP_LOCAL_H
#define PFKEYKIT_ESP_LOCAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "esp.h"

/*
 * The receive window (RFC 4303 3.4.3 and appendix A, bitmap kept as a
 * ring of 64-bit words as RFC 6479 suggests so that sliding costs no
 * shifting): bit (seq mod 64*ESP_REPLAY_WORDS) says whether seq was seen.
 * The ring holds more than the window (at least one spare word) so the
 * word the top moves into can be cleared without losing window bits.
 */
#define ESP_REPLAY_WORDS	128	/* 2^n > ESP_REPLAY_MAX / 64 + 1 */

struct esp_replay {
	uint32_t	win;		/* packets; 0: anti-replay off */
	bool		esn;
	bool		any;		/* a packet was accepted */
	uint64_t	top;		/* highest accepted sequence number */
	uint64_t	bmp[ESP_REPLAY_WORDS];
};

void	esp_replay_init(struct esp_replay *, uint32_t win, bool esn);

/*
 * The per-packet functions are inline: they run twice for every packet
 * received and are a few instructions each.
 *
 * esp_replay_check(), before the ICV check: the full sequence number of a
 * packet whose low 32 bits (the wire field) are seqlo (ESN: high bits
 * inferred as in RFC 4303 appendix A2.2), and whether it may be new.  No
 * state changes.  Returns 0 or ESP_E_REPLAY.
 *
 * esp_replay_update(), after the ICV check: record seq.  Returns 0, or
 * ESP_E_REPLAY when it was recorded in the meantime or slid out of the
 * window (concurrent input), in which case nothing changes.
 */
#define ESP_REPLAY_WMASK	(ESP_REPLAY_WORDS - 1)

static inline bool
esp_replay_seen(const struct esp_replay *r, uint64_t seq)
{
	return (((r->bmp[(seq >> 6) & ESP_REPLAY_WMASK] >> (seq & 63)) &
	    1) != 0);
}

static inline int
esp_replay_check(const struct esp_replay *r, uint32_t seqlo, uint64_t *seqp)
{
	uint64_t seq;
	uint32_t tl, th, hi, w;

	if (r->esn) {
		/*
		 * Appendix A2.2: the window's bottom Tl - W + 1 tells which
		 * 2^32 subspace the low half belongs to.  Without
		 * anti-replay the inference still needs a window: half the
		 * space, i.e. the high half that puts seq nearest the top.
		 */
		w = r->win != 0 ? r->win : 0x80000000u;
		tl = (uint32_t)r->top;
		th = (uint32_t)(r->top >> 32);
		if (tl >= w - 1) {
			/* Case A: the window lies in one subspace. */
			if (seqlo >= tl - w + 1)
				hi = th;
			else {
				if (th == UINT32_MAX)
					return (ESP_E_REPLAY);
				hi = th + 1;
			}
		} else {
			/* Case B: the window spans two subspaces. */
			if (seqlo >= (uint32_t)(tl - w + 1)) {
				if (th == 0) {
					/* Before the first subspace. */
					if (r->win != 0)
						return (ESP_E_REPLAY);
					hi = 0;
				} else
					hi = th - 1;
			} else
				hi = th;
		}
		seq = (uint64_t)hi << 32 | seqlo;
	} else
		seq = seqlo;
	*seqp = seq;
	if (r->win == 0)
		return (0);
	/* The first packet has sequence number 1 (3.3.3): 0 is never sent. */
	if (seq == 0)
		return (ESP_E_REPLAY);
	if (seq > r->top)
		return (0);
	if (r->top - seq >= r->win || esp_replay_seen(r, seq))
		return (ESP_E_REPLAY);
	return (0);
}

static inline int
esp_replay_update(struct esp_replay *r, uint64_t seq)
{
	uint64_t w, oldw, neww;

	if (r->win == 0) {
		if (seq > r->top)
			r->top = seq;
		r->any = true;
		return (0);
	}
	if (seq == 0)
		return (ESP_E_REPLAY);
	if (seq > r->top) {
		/* Slide: clear the words the new top passes into. */
		oldw = r->top >> 6;
		neww = seq >> 6;
		if (neww - oldw >= ESP_REPLAY_WORDS)
			memset(r->bmp, 0, sizeof(r->bmp));
		else
			for (w = oldw + 1; w <= neww; w++)
				r->bmp[w & ESP_REPLAY_WMASK] = 0;
		r->top = seq;
	} else if (r->top - seq >= r->win || esp_replay_seen(r, seq))
		return (ESP_E_REPLAY);
	r->bmp[(seq >> 6) & ESP_REPLAY_WMASK] |= (uint64_t)1 << (seq & 63);
	r->any = true;
	return (0);
}

#endif /* PFKEYKIT_ESP_LOCAL_H */
