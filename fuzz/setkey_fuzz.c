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
 * libFuzzer target for the setkey parser and its normalised printer.
 * Every input is parsed in both dialects with names never resolved (no
 * DNS from a fuzzer).  Each statement parsed is printed; the printout
 * must parse again, without error, into exactly one statement that
 * equals the first (print(parse(x)) is a fixed point) and prints the
 * same text.  Otherwise abort().
 *
 *   bmake -f BSDmakefile fuzz && cp -r fuzz/corpus/setkey /tmp/c &&
 *       ./fuzz/setkey_fuzz -max_total_time=60 /tmp/c
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setkey.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static FILE	*quiet;		/* where parse errors go while fuzzing */

static void
need(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	vfprintf(quiet != NULL ? quiet : stderr, fmt, ap);
	va_end(ap);
	abort();
}

/*
 * The keyword table must stay sorted for bsearch(3) and list every
 * algorithm name libpfkey knows, with its kind (completion uses it).
 */
static void
check_keywords(void)
{
	static const struct {
		enum pfkey_alg_kind	kind;
		unsigned		where;
	} kinds[] = {
		{ PFKEY_ALG_AUTH,	SK_KW_AALG },
		{ PFKEY_ALG_ENCRYPT,	SK_KW_EALG },
		{ PFKEY_ALG_COMP,	SK_KW_CALG },
	};
	const struct setkey_keyword *k, *prev = NULL;
	const struct pfkey_alg_info *a;
	const char *name;
	size_t i, n, j, m;

	for (n = 0; (k = setkey_keyword_nth(n)) != NULL; n++) {
		need(prev == NULL || strcmp(prev->word, k->word) < 0,
		    "keywords out of order: %s, %s\n", prev != NULL ?
		    prev->word : "", k->word);
		prev = k;
	}
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (j = 0; (a = pfkey_alg_nth(kinds[i].kind, j)) != NULL;
		    j++) {
			for (m = 0; m <= 4; m++) {
				name = m == 0 ? a->name : (m <= 4 &&
				    a->aliases[m - 1] != NULL ?
				    a->aliases[m - 1] : NULL);
				if (name == NULL)
					break;
				for (n = 0; (k = setkey_keyword_nth(n)) !=
				    NULL; n++)
					if (strcmp(k->word, name) == 0)
						break;
				need(k != NULL && (k->where & kinds[i].where),
				    "algorithm %s is not in the keyword "
				    "table\n", name);
			}
		}
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	check_keywords();
	/*
	 * The parser reports to stderr, a line per bad statement: send
	 * that to /dev/null.  libFuzzer and the sanitizers keep their own
	 * stream (or fd 2), so crash reports still show.
	 */
	quiet = stderr;
	if ((stderr = fopen("/dev/null", "w")) == NULL)
		stderr = quiet;
	return (0);
}

/* A statement printed into a fresh string. */
static char *
print_str(const struct setkey_cmd *c, enum pfkey_dialect d, size_t *len)
{
	FILE *f;
	char *s = NULL;

	need((f = open_memstream(&s, len)) != NULL, "open_memstream\n");
	print_cmd(f, c, d);
	need(fclose(f) == 0 && s != NULL, "fclose\n");
	return (s);
}

static bool
same_cmd(const struct setkey_cmd *a, const struct setkey_cmd *b)
{
	return (a->op == b->op && a->proto == b->proto &&
	    a->aflags == b->aflags && a->spi_min == b->spi_min &&
	    a->spi_max == b->spi_max && sad_entry_equal(&a->sa, &b->sa) &&
	    a->sa.flags == b->sa.flags && spd_entry_equal(&a->sp, &b->sp));
}

static void
one(const uint8_t *data, size_t size, enum pfkey_dialect d)
{
	struct setkey_parse_opts opts;
	struct setkey_cmdq q, q2;
	struct setkey_cmd *c, *c2;
	size_t n1, n2;
	char *s1, *s2;
	int errs;

	memset(&opts, 0, sizeof(opts));
	opts.dialect = d;
	opts.numeric = true;
	TAILQ_INIT(&q);
	(void)parse_buffer((const char *)data, size, "fuzz", &opts, &q);
	/* Bad statements are dropped; the good ones must round-trip. */
	TAILQ_FOREACH(c, &q, entry) {
		s1 = print_str(c, d, &n1);
		TAILQ_INIT(&q2);
		errs = parse_buffer(s1, n1, "print", &opts, &q2);
		need(errs == 0, "printout does not parse (%s):\n%s",
		    pfkey_dialect_name(d), s1);
		c2 = TAILQ_FIRST(&q2);
		need(c2 != NULL && TAILQ_NEXT(c2, entry) == NULL,
		    "printout is not one statement (%s):\n%s",
		    pfkey_dialect_name(d), s1);
		need(same_cmd(c, c2), "printout parses differently (%s):\n%s",
		    pfkey_dialect_name(d), s1);
		s2 = print_str(c2, d, &n2);
		need(n1 == n2 && memcmp(s1, s2, n1) == 0,
		    "not a fixed point (%s):\n%s%s", pfkey_dialect_name(d),
		    s1, s2);
		free(s1);
		free(s2);
		setkey_cmdq_free(&q2);
	}
	setkey_cmdq_free(&q);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one(data, size, PFKEY_DIALECT_LINUX);
	one(data, size, PFKEY_DIALECT_FREEBSD);
	return (0);
}
