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
 * The test PKI of tests/racoon-ng (cert/mkpki.sh) for the programs that
 * need certificates: made once a day per script version and shared.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "pki_testutil.h"

char pki_dir[512];

static uint32_t
fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	while (n-- > 0)
		h = (h ^ *p++) * 16777619u;
	return (h);
}

static bool
pki_ready(const char *dir)
{
	char p[600];
	struct stat st;

	if (lstat(dir, &st) == -1 || !S_ISDIR(st.st_mode) ||
	    st.st_uid != getuid() || (st.st_mode & 077) != 0)
		return (false);
	(void)snprintf(p, sizeof(p), "%s/done", dir);
	return (stat(p, &st) == 0);
}

/*
 * The PKI directory: $CERT_TEST_PKI, or one made by mkpki.sh and kept
 * for the day under a name that changes with the script.
 */
const char *
pki_testdir(const atf_tc_t *tc)
{
	const char *env, *srcdir;
	char script[512], tmpl[600], cmd[2048], day[16];
	uint8_t buf[65536];
	struct tm tm;
	time_t now;
	ssize_t n;
	int fd;

	if (pki_dir[0] != '\0')
		return (pki_dir);
	if ((env = getenv("CERT_TEST_PKI")) != NULL && env[0] != '\0') {
		(void)strlcpy(pki_dir, env, sizeof(pki_dir));
		return (pki_dir);
	}
	if (system("openssl version >/dev/null 2>&1") != 0)
		atf_tc_fail("openssl(1) is needed to make the test PKI "
		    "(Debian: apt-get install openssl)");
	srcdir = atf_tc_get_config_var(tc, "srcdir");
	(void)snprintf(script, sizeof(script), "%s/cert/mkpki.sh", srcdir);
	if ((fd = open(script, O_RDONLY)) == -1)
		atf_tc_fail("%s: %s", script, strerror(errno));
	n = read(fd, buf, sizeof(buf));
	(void)close(fd);
	ATF_REQUIRE(n > 0);
	now = time(NULL);
	(void)gmtime_r(&now, &tm);
	(void)strftime(day, sizeof(day), "%Y%m%d", &tm);
	(void)snprintf(pki_dir, sizeof(pki_dir),
	    "/tmp/racoon-ng-cert-pki.%lu.%s.%08x", (unsigned long)getuid(),
	    day, fnv1a(buf, (size_t)n));
	if (pki_ready(pki_dir))
		return (pki_dir);
	(void)snprintf(tmpl, sizeof(tmpl), "/tmp/racoon-ng-cert-pki.XXXXXX");
	if (mkdtemp(tmpl) == NULL)
		atf_tc_fail("mkdtemp: %s", strerror(errno));
	(void)snprintf(cmd, sizeof(cmd), "sh %s %s >%s/log 2>&1", script,
	    tmpl, tmpl);
	if (system(cmd) != 0) {
		(void)snprintf(cmd, sizeof(cmd), "cat %s/log >&2", tmpl);
		(void)system(cmd);
		atf_tc_fail("mkpki.sh failed");
	}
	if (rename(tmpl, pki_dir) == -1) {
		/* Someone else made it meanwhile: use theirs. */
		(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpl);
		(void)system(cmd);
	} else {
		/* Ours replaces the PKIs of other days or scripts. */
		(void)snprintf(cmd, sizeof(cmd), "for d in "
		    "/tmp/racoon-ng-cert-pki.%lu.*; do [ \"$d\" = %s ] || "
		    "rm -rf \"$d\"; done", (unsigned long)getuid(), pki_dir);
		(void)system(cmd);
	}
	if (!pki_ready(pki_dir))
		atf_tc_fail("%s: not a usable PKI directory", pki_dir);
	return (pki_dir);
}
