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

#include <errno.h>

#include "sadb.h"

static const char *const errtab[] = {
	[0] = "success",
	[-SAD_ERR_INTERNAL] = "internal error",
	[-SAD_ERR_NOMEM] = "out of memory",
	[-SAD_ERR_INVAL] = "invalid entry",
	[-SAD_ERR_EXISTS] = "entry exists",
	[-SAD_ERR_NOENT] = "no such entry",
	[-SAD_ERR_MSG] = "message lacks a required part",
	[-SAD_ERR_ALG] = "algorithm unknown or not allowed here",
	[-SAD_ERR_KEYLEN] = "invalid key length for the algorithm",
	[-SAD_ERR_FAMILY] = "address families differ or are unknown",
	[-SAD_ERR_DIALECT] = "not expressible in this PF_KEY dialect",
	[-SAD_ERR_STATE] = "not allowed in the SA's state",
	[-SAD_ERR_RANGE] = "no free SPI in the range",
	[-SAD_ERR_PFKEY] = "PF_KEY encoding failed",
	[-SAD_ERR_FULL] = "store full",
};

const char *
sad_strerror(int code)
{
	if (code > 0 || code <= SAD_ERR_MAX || errtab[-code] == NULL)
		return ("unknown error");
	return (errtab[-code]);
}

/* What a PF_KEY kernel answers for each failure (KAME and Linux agree). */
int
sad_errno(int code)
{
	switch (code) {
	case 0:
		return (0);
	case SAD_ERR_NOMEM:
	case SAD_ERR_FULL:
		return (ENOBUFS);
	case SAD_ERR_EXISTS:
		return (EEXIST);
	case SAD_ERR_NOENT:
		return (ESRCH);
	default:
		return (EINVAL);
	}
}
