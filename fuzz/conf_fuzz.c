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
 * libFuzzer target for the racoon-ng.conf parser and printer, and the
 * psk.txt reader.  Each input is parsed as a configuration with include
 * disabled (the fuzzer must not read files).  The result must agree with
 * the messages (success if and only if no error), every message must
 * have the FILE:LINE:COL form, and a configuration that parses must
 * print a text that parses again, without error, and prints the same
 * text (print(parse(x)) is a fixed point).  The same bytes are read as a
 * psk.txt: every entry must be found again by its own identity.
 * Otherwise abort().
 *
 *   bmake -f BSDmakefile fuzz && cp -r fuzz/corpus/conf /tmp/c &&
 *       ./fuzz/conf_fuzz -max_total_time=60 /tmp/c
 */

#include <sys/types.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "psk.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void __attribute__((format(printf, 2, 3)))
need(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

static char *
print_str(const struct rcn_config *cfg, size_t *len)
{
	FILE *f;
	char *s = NULL;

	need((f = open_memstream(&s, len)) != NULL, "open_memstream\n");
	need(conf_print(f, cfg) == 0, "conf_print failed\n");
	need(fclose(f) == 0 && s != NULL, "fclose\n");
	return (s);
}

/* Parse; check the messages agree with the result. */
static struct rcn_config *
load(const char *buf, size_t len, const char *name, unsigned *nerr)
{
	struct conf_opts opts = { CONF_F_NOINCLUDE };
	struct conf_msgs msgs;
	struct conf_msg *m;
	struct rcn_config *cfg;
	size_t n;
	int rc;

	TAILQ_INIT(&msgs);
	rc = conf_load_buffer(buf, len, name, &opts, &cfg, &msgs);
	*nerr = conf_msgs_errors(&msgs);
	need((rc == 0) == (*nerr == 0), "rc %d with %u errors\n", rc, *nerr);
	need((rc == 0) == (cfg != NULL), "rc %d, cfg %p\n", rc, (void *)cfg);
	n = strlen(name);
	TAILQ_FOREACH(m, &msgs, entry)
		need(strncmp(m->text, name, n) == 0 && m->text[n] == ':',
		    "message without the file name: %s\n", m->text);
	conf_msgs_free(&msgs);
	return (cfg);
}

static void
fuzz_conf(const uint8_t *data, size_t size)
{
	struct rcn_config *cfg, *cfg2;
	char *s1, *s2;
	size_t n1, n2;
	unsigned nerr;

	if ((cfg = load((const char *)data, size, "fuzz.conf", &nerr)) ==
	    NULL)
		return;
	s1 = print_str(cfg, &n1);
	cfg2 = load(s1, n1, "print.conf", &nerr);
	need(cfg2 != NULL, "the printout does not parse:\n%s", s1);
	s2 = print_str(cfg2, &n2);
	need(n1 == n2 && memcmp(s1, s2, n1) == 0,
	    "not a fixed point:\n%s\n----\n%s", s1, s2);
	free(s1);
	free(s2);
	conf_free(cfg2);
	conf_free(cfg);
}

static void
fuzz_psk(const uint8_t *data, size_t size)
{
	struct psk_file *pf;
	const struct psk_entry *e, *f;
	char err[256];
	size_t i;

	if (psk_parse((const char *)data, size, "psk.txt", &pf, err,
	    sizeof(err)) == -1) {
		need(strncmp(err, "psk.txt", 7) == 0, "bad message: %s\n",
		    err);
		return;
	}
	for (i = 0; i < pf->nentries; i++) {
		e = &pf->entries[i];
		need(e->keylen > 0 && e->keylen <= PSK_KEY_MAX,
		    "key length %zu\n", e->keylen);
		need(e->key >= pf->arena &&
		    e->key + e->keylen <= pf->arena + pf->arenalen,
		    "key outside the arena\n");
		f = psk_lookup(pf, e->id);
		need(f != NULL && f <= e, "entry %zu (%s) not found\n", i,
		    e->id);
	}
	psk_wipe(pf);
	for (i = 0; i < pf->arenalen; i++)
		need(pf->arena[i] == 0, "not wiped\n");
	psk_free(pf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_conf(data, size);
	fuzz_psk(data, size);
	return (0);
}
