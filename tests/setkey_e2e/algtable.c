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
 * libpfkey's algorithm table, for the tests and the manual:
 *
 *   algtable -m   the rows of setkey.8's ALGORITHMS table, in mdoc, so
 *                 that a test can compare the page with the library (and
 *                 the page can be regenerated from it);
 *   algtable -k   one line per algorithm for the key-length tests:
 *                 "KIND NAME DIALECT VALID... / INVALID...", sizes in
 *                 bits, DIALECT the first one with a number for it.
 */

#include <sys/types.h>

#include <stdio.h>
#include <string.h>

#include "pfkey.h"

static const char *
kind_name(enum pfkey_alg_kind k)
{
	switch (k) {
	case PFKEY_ALG_ENCRYPT:
		return ("enc");
	case PFKEY_ALG_AUTH:
		return ("auth");
	case PFKEY_ALG_COMP:
		return ("comp");
	}
	return ("?");
}

static size_t
nkeybits(const struct pfkey_alg_info *a)
{
	size_t n;

	for (n = 0; n < sizeof(a->keybits) / sizeof(a->keybits[0]) &&
	    a->keybits[n] != 0; n++)
		;
	return (n);
}

/* "128, 192, 256" or "40 to 448" (multiples of 8) or "none". */
static void
keysizes(const struct pfkey_alg_info *a, char *buf, size_t sz)
{
	size_t i, n = nkeybits(a), o = 0;

	buf[0] = '\0';
	if (a->kind == PFKEY_ALG_COMP || (n == 0 && a->maxbits == 0)) {
		snprintf(buf, sz, "none");
		return;
	}
	if (n == 0) {
		snprintf(buf, sz, "%u to %u", a->minbits, a->maxbits);
		return;
	}
	for (i = 0; i < n && o < sz; i++)
		o += (size_t)snprintf(buf + o, sz - o, "%s%u", i > 0 ? ", " :
		    "", a->keybits[i]);
}

static void
wire(enum pfkey_alg_kind k, int id, enum pfkey_dialect d, char *buf,
    size_t sz)
{
	int w = pfkey_alg_to_wire(d, k, id);

	if (w < 0)
		snprintf(buf, sz, "\\(em");
	else
		snprintf(buf, sz, "%d", w);
}

static void
mdoc_rows(void)
{
	static const enum pfkey_alg_kind kinds[] = { PFKEY_ALG_ENCRYPT,
	    PFKEY_ALG_AUTH, PFKEY_ALG_COMP };
	const struct pfkey_alg_info *a;
	char keys[64], lx[16], fb[16];
	size_t i, k, j;

	for (k = 0; k < 3; k++) {
		/* every row has its five cells: mandoc -Tlint counts them */
		printf(".It Sy %s Ta \\& Ta \\& Ta \\& Ta \\&\n",
		    kinds[k] == PFKEY_ALG_ENCRYPT ? "-E" :
		    kinds[k] == PFKEY_ALG_AUTH ? "-A" : "-C");
		for (i = 0; (a = pfkey_alg_nth(kinds[k], i)) != NULL; i++) {
			keysizes(a, keys, sizeof(keys));
			wire(kinds[k], a->id, PFKEY_DIALECT_LINUX, lx,
			    sizeof(lx));
			wire(kinds[k], a->id, PFKEY_DIALECT_FREEBSD, fb,
			    sizeof(fb));
			printf(".It Cm %s", a->name);
			for (j = 0; j < 4 && a->aliases[j] != NULL; j++)
				printf(" , Cm %s", a->aliases[j]);
			printf(" Ta %s", keys);
			if (a->saltbits != 0)
				printf(" (salt %u)", a->saltbits);
			printf(" Ta %s Ta %s Ta", lx, fb);
			if (!a->aead && !a->deprecated)
				printf(" \\&");
			if (a->aead)
				printf(" AEAD");
			if (a->deprecated)
				printf("%s deprecated", a->aead ? "," : "");
			printf("\n");
		}
	}
}

static void
keylen_rows(void)
{
	static const enum pfkey_alg_kind kinds[] = { PFKEY_ALG_ENCRYPT,
	    PFKEY_ALG_AUTH };
	const struct pfkey_alg_info *a;
	const char *d;
	size_t i, k, j, n;
	unsigned bad;

	for (k = 0; k < 2; k++) {
		for (i = 0; (a = pfkey_alg_nth(kinds[k], i)) != NULL; i++) {
			if (pfkey_alg_to_wire(PFKEY_DIALECT_LINUX, kinds[k],
			    a->id) >= 0)
				d = "linux";
			else if (pfkey_alg_to_wire(PFKEY_DIALECT_FREEBSD,
			    kinds[k], a->id) >= 0)
				d = "freebsd";
			else
				continue;
			printf("%s %s %s", kind_name(kinds[k]), a->name, d);
			n = nkeybits(a);
			if (n > 0)
				for (j = 0; j < n; j++)
					printf(" %u", a->keybits[j]);
			else {
				printf(" %u", a->minbits);
				if (a->maxbits != a->minbits)
					printf(" %u", a->maxbits);
			}
			printf(" /");
			/* sizes the table refuses, just around the valid */
			bad = n > 0 ? a->keybits[n - 1] + 8 : a->maxbits + 8;
			printf(" %u", bad);
			if (n > 0 && a->keybits[0] >= 16 &&
			    !pfkey_alg_keybits_ok(a, a->keybits[0] - 8))
				printf(" %u", a->keybits[0] - 8);
			else if (n == 0 && a->minbits >= 16)
				printf(" %u", a->minbits - 8);
			printf("\n");
		}
	}
}

int
main(int argc, char *argv[])
{
	if (argc == 2 && strcmp(argv[1], "-m") == 0)
		mdoc_rows();
	else if (argc == 2 && strcmp(argv[1], "-k") == 0)
		keylen_rows();
	else {
		fprintf(stderr, "usage: algtable -m | -k\n");
		return (1);
	}
	return (0);
}
