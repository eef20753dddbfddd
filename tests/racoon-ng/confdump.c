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
 * confdump: what `racoon-ng -n' will do, for the golden tests.  Parse a
 * racoon-ng.conf, write its messages (warnings, errors) on stderr and,
 * when it parses, its canonical form on stdout.  Exit 0 if it parses,
 * 1 if not, 2 on a usage or output error.
 *
 *	confdump [-N] [-r] file
 *	-N	`include' is an error (as the fuzzer runs it)
 *	-r	load it twice, as a SIGHUP reload would, and check that the
 *		two configurations print the same text
 */

#include <sys/types.h>

#include <err.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

static void
usage(void)
{
	fprintf(stderr, "usage: confdump [-N] [-r] file\n");
	exit(2);
}

/*
 * What the daemon relies on: counts that match the lists, every remote
 * found by its name, names for every value, positions in a file read.
 */
static void
check(const struct rcn_config *cfg)
{
	const struct rcn_remote *r;
	const struct rcn_proposal *pr;
	const struct rcn_sainfo *s;
	unsigned n, np, i;
	bool known;

	n = 0;
	TAILQ_FOREACH(r, &cfg->remotes, entry) {
		n++;
		if (conf_remote_by_name(cfg, r->name) != r)
			errx(2, "remote \"%s\" not found by its name", r->name);
		if (r->nxmodes == 0 || r->nproposals == 0)
			errx(2, "remote \"%s\" is incomplete", r->name);
		for (i = 0; i < r->nxmodes; i++)
			if (strcmp(conf_xmode_name(r->xmodes[i]), "?") == 0)
				errx(2, "bad exchange mode");
		np = 0;
		TAILQ_FOREACH(pr, &r->proposals, entry) {
			np++;
			if (strcmp(conf_p1_enc_name(pr->enc), "?") == 0 ||
			    strcmp(conf_p1_hash_name(pr->hash), "?") == 0 ||
			    strcmp(conf_auth_name(pr->auth), "?") == 0 ||
			    strcmp(conf_dh_name(pr->dh_group), "?") == 0 ||
			    pr->life.seconds == 0)
				errx(2, "bad proposal in \"%s\"", r->name);
			known = false;
			for (i = 0; i < cfg->nfiles; i++)
				if (pr->where.file == cfg->files[i])
					known = true;
			if (!known || pr->where.line == 0)
				errx(2, "proposal without a position");
		}
		if (np != r->nproposals)
			errx(2, "nproposals %u, %u in the list", r->nproposals,
			    np);
	}
	if (n != cfg->nremotes)
		errx(2, "nremotes %u, %u in the list", cfg->nremotes, n);
	if (conf_remote_by_name(cfg, "no such remote\t") != NULL)
		errx(2, "found a remote that is not there");
	n = 0;
	TAILQ_FOREACH(s, &cfg->sainfos, entry) {
		n++;
		if (s->nenc == 0 || s->life.seconds == 0)
			errx(2, "sainfo without ciphers or lifetime");
		for (i = 0; i < s->nenc; i++)
			if (strcmp(conf_p2_enc_name(s->enc[i].id), "?") == 0 ||
			    (s->nauth == 0 &&
			    !conf_p2_enc_is_aead(s->enc[i].id)))
				errx(2, "bad sainfo cipher");
		for (i = 0; i < s->nauth; i++)
			if (strcmp(conf_p2_auth_name(s->auth[i]), "?") == 0)
				errx(2, "bad sainfo authentication");
	}
	if (n != cfg->nsainfos)
		errx(2, "nsainfos %u, %u in the list", cfg->nsainfos, n);
}

static char *
print_str(const struct rcn_config *cfg)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if ((f = open_memstream(&s, &len)) == NULL)
		err(2, "open_memstream");
	if (conf_print(f, cfg) == -1)
		errx(2, "conf_print failed");
	if (fclose(f) != 0)
		err(2, "fclose");
	return (s);
}

int
main(int argc, char *argv[])
{
	struct conf_opts opts;
	struct conf_msgs msgs;
	struct conf_msg *m;
	struct rcn_config *cfg, *cfg2;
	char *a, *b;
	bool reload = false;
	int ch, rc;

	memset(&opts, 0, sizeof(opts));
	while ((ch = getopt(argc, argv, "Nr")) != -1) {
		switch (ch) {
		case 'N':
			opts.flags |= CONF_F_NOINCLUDE;
			break;
		case 'r':
			reload = true;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();

	TAILQ_INIT(&msgs);
	rc = conf_load(argv[0], &opts, &cfg, &msgs);
	TAILQ_FOREACH(m, &msgs, entry)
		fprintf(stderr, "%s\n", m->text);
	if ((rc == 0) != (conf_msgs_errors(&msgs) == 0))
		errx(2, "conf_load returned %d with %u errors", rc,
		    conf_msgs_errors(&msgs));
	conf_msgs_free(&msgs);
	if (rc == -1) {
		if (cfg != NULL)
			errx(2, "conf_load failed but returned a "
			    "configuration");
		return (1);
	}
	check(cfg);
	if (reload) {
		TAILQ_INIT(&msgs);
		if (conf_load(argv[0], &opts, &cfg2, &msgs) == -1)
			errx(2, "the second load failed");
		conf_msgs_free(&msgs);
		a = print_str(cfg);
		b = print_str(cfg2);
		if (strcmp(a, b) != 0)
			errx(2, "two loads print differently");
		free(a);
		free(b);
		conf_free(cfg2);
	}
	fflush(stderr);
	if (conf_print(stdout, cfg) == -1)
		errx(2, "writing the configuration failed");
	conf_free(cfg);
	return (0);
}
