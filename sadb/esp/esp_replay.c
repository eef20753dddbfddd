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
 * Anti-replay (RFC 4303 3.4.3, appendix A2): setting up a window.  The
 * per-packet check and update, with the inference of the high half of
 * extended sequence numbers (appendix A2.2), are inline in esp_local.h.
 * The caller serialises calls for one window (esp.c takes the SA's input
 * lock when asked to).
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "esp_local.h"

void
esp_replay_init(struct esp_replay *r, uint32_t win, bool esn)
{
	memset(r, 0, sizeof(*r));
	r->win = win;
	r->esn = esn;
}
