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
 * isakmp_local.h: what the isakmp*.c files share and nothing else sees.
 */

#ifndef PFKEYKIT_ISAKMP_LOCAL_H
#define PFKEYKIT_ISAKMP_LOCAL_H

#include <stdint.h>
#include <string.h>

#include "isakmp.h"

/* Big-endian (network order) access to unaligned wire bytes. */
static inline uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(((unsigned int)p[0] << 8) | p[1]));
}

static inline uint32_t
get32(const uint8_t *p)
{
	return (((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
	    ((uint32_t)p[2] << 8) | (uint32_t)p[3]);
}

static inline void
set16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
set32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Fills *err (when there is one) and returns -1. */
static inline int
isakmp_err(struct isakmp_error *err, uint16_t notify, uint8_t payload,
    size_t offset, const char *what)
{
	if (err != NULL) {
		err->notify = notify;
		err->payload = payload;
		err->offset = offset;
		err->what = what;
	}
	return (-1);
}

/* Bit t of a 256-bit type table. */
static inline int
isakmp_type_in(const uint8_t tab[32], uint8_t t)
{
	return ((tab[t >> 3] >> (t & 7)) & 1);
}

#endif /* PFKEYKIT_ISAKMP_LOCAL_H */
