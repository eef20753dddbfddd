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

/* Helpers shared by the libike crypto tests (kdf, dh, p1crypt). */

#ifndef PFKEYKIT_CRYPTO_TESTUTIL_H
#define PFKEYKIT_CRYPTO_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <atf-c.h>

static inline int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode hex into out; fails the test on bad input or overflow. */
static inline size_t
unhex(const char *hex, uint8_t *out, size_t outsize)
{
	size_t	 n = strlen(hex), i;
	int	 hi, lo;

	ATF_REQUIRE_MSG(n % 2 == 0, "odd hex length %zu", n);
	ATF_REQUIRE_MSG(n / 2 <= outsize, "hex value of %zu bytes > %zu",
	    n / 2, outsize);
	for (i = 0; i < n / 2; i++) {
		hi = hexval((unsigned char)hex[2 * i]);
		lo = hexval((unsigned char)hex[2 * i + 1]);
		ATF_REQUIRE_MSG(hi >= 0 && lo >= 0, "bad hex digit in %s", hex);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (n / 2);
}

/* The test pattern of ike_oracle.py: byte i = seed + 31 i + i / 8. */
static inline void
fill(uint8_t *buf, size_t n, unsigned seed)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)(seed + 31 * i + (i >> 3));
}

/* 1 if len bytes equal the hex string (same length), else 0. */
static inline int
hexeq(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t	 tmp[2048];

	if (strlen(hex) != 2 * len || len > sizeof(tmp))
		return (0);
	unhex(hex, tmp, sizeof(tmp));
	return (memcmp(buf, tmp, len) == 0);
}

#endif /* PFKEYKIT_CRYPTO_TESTUTIL_H */
