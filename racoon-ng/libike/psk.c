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
 * psk.c: the pre-shared key file, as racoon's getpsk() read it: the
 * identity is the first blank-free word of a line, the key everything
 * after the blanks that follow it.  Differences from racoon, all on the
 * safe side: a line with an identity and no key is an error (racoon
 * skipped it silently), bad hex is an error, a trailing CR is not part
 * of the key, and "#" after leading blanks is a comment too.
 *
 * The file's text is read into a buffer that is wiped before it is
 * freed; keys are copied into one arena that psk_wipe()/psk_free() zero.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "psk.h"

#define PSK_ID_MAX	1024

static int __attribute__((format(printf, 3, 4)))
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

/* A printable, shortened copy of an identity for a message. */
static void
id_quote(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 5 < len; i++) {
		if (i >= 48) {
			buf[o++] = '.';
			buf[o++] = '.';
			buf[o++] = '.';
			break;
		}
		buf[o++] = (s[i] >= 0x21 && s[i] <= 0x7e) ? s[i] : '?';
	}
	buf[o] = '\0';
}

static int
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

static bool
blank(char c)
{
	return (c == ' ' || c == '\t');
}

void
psk_wipe(struct psk_file *pf)
{
	if (pf != NULL && pf->arena != NULL)
		explicit_bzero(pf->arena, pf->arenalen);
}

void
psk_free(struct psk_file *pf)
{
	size_t i;

	if (pf == NULL)
		return;
	psk_wipe(pf);
	freezero(pf->arena, pf->arenalen);
	for (i = 0; i < pf->nentries; i++)
		free(pf->entries[i].id);
	free(pf->entries);
	free(pf);
}

int
psk_parse(const char *buf, size_t len, const char *name,
    struct psk_file **pfp, char *err, size_t errlen)
{
	struct psk_file *pf;
	struct psk_entry *e;
	const char *s, *end, *eol, *id, *key, *ls;
	char qid[64];
	size_t idlen, keylen, used = 0, i;
	unsigned line = 0;
	int hi, lo;

	*pfp = NULL;
	if ((pf = calloc(1, sizeof(*pf))) == NULL)
		return (fail(err, errlen, "%s: out of memory", name));
	/* keys are never longer than the text they are written in */
	pf->arenalen = len > 0 ? len : 1;
	if ((pf->arena = calloc(1, pf->arenalen)) == NULL) {
		free(pf);
		return (fail(err, errlen, "%s: out of memory", name));
	}
	for (s = buf, end = buf + len; s < end; s = eol + 1) {
		line++;
		ls = s;
		if ((eol = memchr(s, '\n', (size_t)(end - s))) == NULL)
			eol = end;
		if (memchr(s, '\0', (size_t)(eol - s)) != NULL) {
			(void)fail(err, errlen, "%s:%u: NUL byte in the line",
			    name, line);
			goto bad;
		}
		/* the line is [s, e) */
		{
			const char *e0 = eol;

			if (e0 > s && e0[-1] == '\r')
				e0--;
			while (s < e0 && blank(*s))
				s++;
			if (s == e0 || *s == '#')
				continue;
			id = s;
			while (s < e0 && !blank(*s))
				s++;
			idlen = (size_t)(s - id);
			while (s < e0 && blank(*s))
				s++;
			key = s;
			keylen = (size_t)(e0 - s);
		}
		id_quote(id, idlen, qid, sizeof(qid));
		if (idlen > PSK_ID_MAX) {
			(void)fail(err, errlen, "%s:%u: identity \"%s\" is too "
			    "long", name, line, qid);
			goto bad;
		}
		if (keylen == 0) {
			(void)fail(err, errlen, "%s:%u: identity \"%s\" has no "
			    "key", name, line, qid);
			goto bad;
		}
		if ((e = reallocarray(pf->entries, pf->nentries + 1,
		    sizeof(*e))) == NULL) {
			(void)fail(err, errlen, "%s: out of memory", name);
			goto bad;
		}
		pf->entries = e;
		e = &pf->entries[pf->nentries];
		memset(e, 0, sizeof(*e));
		if ((e->id = strndup(id, idlen)) == NULL) {
			(void)fail(err, errlen, "%s: out of memory", name);
			goto bad;
		}
		pf->nentries++;
		e->line = line;
		e->key = pf->arena + used;
		if (keylen >= 2 && key[0] == '0' && key[1] == 'x') {
			if (keylen == 2 || (keylen - 2) % 2 != 0) {
				(void)fail(err, errlen, "%s:%u: the hex key of "
				    "\"%s\" has %s digits", name, line, qid,
				    keylen == 2 ? "no" : "an odd number of");
				goto bad;
			}
			for (i = 2; i < keylen; i += 2) {
				hi = hexval((unsigned char)key[i]);
				lo = hexval((unsigned char)key[i + 1]);
				if (hi == -1 || lo == -1) {
					(void)fail(err, errlen, "%s:%u: the "
					    "key of \"%s\" starts with 0x but "
					    "is not hex (column %zu)", name,
					    line, qid, (size_t)(key - ls) + i +
					    (hi == -1 ? 1 : 2));
					goto bad;
				}
				e->key[e->keylen++] = (uint8_t)(hi << 4 | lo);
			}
		} else {
			memcpy(e->key, key, keylen);
			e->keylen = keylen;
		}
		if (e->keylen > PSK_KEY_MAX) {
			(void)fail(err, errlen, "%s:%u: the key of \"%s\" is "
			    "longer than %d bytes", name, line, qid,
			    PSK_KEY_MAX);
			goto bad;
		}
		used += e->keylen;
		if (sad_addr_parse(&e->addr, e->id) == 0)
			e->type = PSK_ID_ADDRESS;
		else if (strchr(e->id, '@') != NULL)
			e->type = PSK_ID_USER_FQDN;
		else
			e->type = PSK_ID_NAME;
		if (eol == end)
			break;
	}
	*pfp = pf;
	return (0);
 bad:
	psk_free(pf);
	return (-1);
}

int
psk_check_perm(int fd, const char *path, uid_t owner, char *err,
    size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) == -1)
		return (fail(err, errlen, "%s: %s", path, strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return (fail(err, errlen, "%s: not a regular file", path));
	if (st.st_uid != owner && st.st_uid != 0) {
		if (owner == 0)
			return (fail(err, errlen, "%s: owned by uid %lu; it "
			    "must be owned by root", path,
			    (unsigned long)st.st_uid));
		return (fail(err, errlen, "%s: owned by uid %lu; it must be "
		    "owned by uid %lu (the user racoon-ng reads it as) or "
		    "root", path, (unsigned long)st.st_uid,
		    (unsigned long)owner));
	}
	if ((st.st_mode & 077) != 0)
		return (fail(err, errlen, "%s: mode %04o lets group or others "
		    "%s it; it must be 0600 or stricter", path,
		    (unsigned)(st.st_mode & 07777),
		    (st.st_mode & 066) != 0 ? "read or write" : "use"));
	return (0);
}

int
psk_load(const char *path, uid_t owner, struct psk_file **pfp, char *err,
    size_t errlen)
{
	char *buf;
	size_t len = 0;
	ssize_t n;
	int fd, rc;

	*pfp = NULL;
	if ((fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)) ==
	    -1)
		return (fail(err, errlen, "%s: %s", path, strerror(errno)));
	if (psk_check_perm(fd, path, owner, err, errlen) == -1) {
		(void)close(fd);
		return (-1);
	}
	if ((buf = malloc(PSK_FILE_MAX + 1)) == NULL) {
		(void)close(fd);
		return (fail(err, errlen, "%s: out of memory", path));
	}
	for (;;) {
		n = read(fd, buf + len, PSK_FILE_MAX + 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			rc = fail(err, errlen, "%s: %s", path,
			    strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > PSK_FILE_MAX) {
			rc = fail(err, errlen, "%s: larger than %d bytes",
			    path, PSK_FILE_MAX);
			goto out;
		}
	}
	rc = psk_parse(buf, len, path, pfp, err, errlen);
 out:
	(void)close(fd);
	freezero(buf, PSK_FILE_MAX + 1);
	return (rc);
}

const struct psk_entry *
psk_lookup_addr(const struct psk_file *pf, const struct sad_addr *a)
{
	size_t i;

	for (i = 0; i < pf->nentries; i++)
		if (pf->entries[i].type == PSK_ID_ADDRESS &&
		    sad_addr_cmp(&pf->entries[i].addr, a) == 0)
			return (&pf->entries[i]);
	return (NULL);
}

const struct psk_entry *
psk_lookup(const struct psk_file *pf, const char *id)
{
	struct sad_addr a;
	const struct psk_entry *e;
	size_t i;

	if (sad_addr_parse(&a, id) == 0)
		return (psk_lookup_addr(pf, &a));
	for (i = 0; i < pf->nentries; i++) {
		e = &pf->entries[i];
		if (e->type == PSK_ID_USER_FQDN && strcmp(e->id, id) == 0)
			return (e);
		if (e->type == PSK_ID_NAME && strcasecmp(e->id, id) == 0)
			return (e);
	}
	return (NULL);
}
