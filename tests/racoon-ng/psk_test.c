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
 * psk.txt: the formats racoon users wrote, hex keys, look-ups, the
 * ownership and mode checks (each refusal with a file that passes as
 * its negative control), messages that never show a key, and the wipe.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "psk.h"

static struct psk_file *
parse_ok(const char *text)
{
	struct psk_file *pf;
	char err[256];

	err[0] = '\0';
	if (psk_parse(text, strlen(text), "psk.txt", &pf, err,
	    sizeof(err)) != 0)
		atf_tc_fail("parse failed: %s", err);
	ATF_REQUIRE(pf != NULL);
	return (pf);
}

/* Parse must fail with exactly `want' (len SIZE_MAX: strlen). */
static void
parse_bad(const char *text, size_t len, const char *want)
{
	struct psk_file *pf = (struct psk_file *)1;
	char err[256];

	if (len == SIZE_MAX)
		len = strlen(text);
	err[0] = '\0';
	ATF_CHECK_EQ_MSG(psk_parse(text, len, "psk.txt", &pf, err,
	    sizeof(err)), -1, "accepted: %s", want);
	ATF_CHECK(pf == NULL);
	ATF_CHECK_STREQ(err, want);
}

static void
check_key(const struct psk_entry *e, const void *key, size_t len)
{
	ATF_REQUIRE(e != NULL);
	ATF_CHECK_EQ_MSG(e->keylen, len, "%s: key length %zu, not %zu",
	    e->id, e->keylen, len);
	if (e->keylen == len)
		ATF_CHECK_MSG(memcmp(e->key, key, len) == 0,
		    "%s: wrong key", e->id);
}

ATF_TC_WITHOUT_HEAD(formats);
ATF_TC_BODY(formats, tc)
{
	struct psk_file *pf;
	const struct psk_entry *e;

	/* racoon.conf(5)'s own sample, then the blank and comment rules */
	pf = parse_ok(
	    "10.160.94.3     mekmitasdigoat\n"
	    "172.16.1.133    0x12345678\n"
	    "194.100.55.1    whatcertificatereally\n"
	    "3ffe:501:410:ffff:200:86ff:fe05:80fa    mekmitasdigoat\n"
	    "foo@kame.net\tmekmitasdigoat\n"
	    "foo.kame.net    hoge\n"
	    "# a comment\n"
	    "\n"
	    "   # an indented comment\n"
	    "\t\n"
	    "spaces.example\t \ta key with  inner blanks \n"
	    "crlf.example key-of-a-crlf-line\r\n"
	    "last.example no-newline-at-the-end");
	ATF_REQUIRE_EQ(pf->nentries, 9);
	e = &pf->entries[0];
	ATF_CHECK_EQ(e->type, PSK_ID_ADDRESS);
	ATF_CHECK_STREQ(e->id, "10.160.94.3");
	ATF_CHECK_EQ(e->line, 1);
	check_key(e, "mekmitasdigoat", 14);
	check_key(&pf->entries[1], "\x12\x34\x56\x78", 4);
	ATF_CHECK_EQ(pf->entries[3].type, PSK_ID_ADDRESS);
	ATF_CHECK_EQ(pf->entries[4].type, PSK_ID_USER_FQDN);
	ATF_CHECK_EQ(pf->entries[5].type, PSK_ID_NAME);
	check_key(&pf->entries[5], "hoge", 4);
	/* the key is all after the blanks, inner and trailing ones too */
	e = &pf->entries[6];
	ATF_CHECK_STREQ(e->id, "spaces.example");
	ATF_CHECK_EQ(e->line, 11);
	check_key(e, "a key with  inner blanks ", 25);
	/* a CR before the newline is not part of the key */
	check_key(&pf->entries[7], "key-of-a-crlf-line", 18);
	check_key(&pf->entries[8], "no-newline-at-the-end", 21);
	ATF_CHECK_EQ(pf->entries[8].line, 13);
	psk_free(pf);

	/* an empty file and a file of comments have no entries */
	pf = parse_ok("");
	ATF_CHECK_EQ(pf->nentries, 0);
	psk_free(pf);
	pf = parse_ok("# nothing\n\n#\n");
	ATF_CHECK_EQ(pf->nentries, 0);
	psk_free(pf);
}

ATF_TC_WITHOUT_HEAD(hex_keys);
ATF_TC_BODY(hex_keys, tc)
{
	struct psk_file *pf;

	pf = parse_ok("a.example 0x00ff10AbCd\n"
	    "b.example 0x00\n"
	    "c.example 0X1234\n");	/* racoon: only "0x" means hex */
	check_key(&pf->entries[0], "\x00\xff\x10\xab\xcd", 5);
	check_key(&pf->entries[1], "\x00", 1);
	check_key(&pf->entries[2], "0X1234", 6);
	psk_free(pf);

	parse_bad("x 0x123\n", SIZE_MAX,
	    "psk.txt:1: the hex key of \"x\" has an odd number of digits");
	parse_bad("ok k\nx 0x\n", SIZE_MAX,
	    "psk.txt:2: the hex key of \"x\" has no digits");
	parse_bad("\nx 0x12zz\n", SIZE_MAX,
	    "psk.txt:2: the key of \"x\" starts with 0x but is not hex "
	    "(column 7)");
	/* a trailing blank belongs to the key: not hex any more */
	parse_bad("d.example 0x0102 \n", SIZE_MAX,
	    "psk.txt:1: the hex key of \"d.example\" has an odd number of "
	    "digits");
}

ATF_TC_WITHOUT_HEAD(errors);
ATF_TC_BODY(errors, tc)
{
	char big[PSK_KEY_MAX + 16];

	parse_bad("a.example key\nlonely.example\n", SIZE_MAX,
	    "psk.txt:2: identity \"lonely.example\" has no key");
	parse_bad("a.example key\nb.example   \t \n", SIZE_MAX,
	    "psk.txt:2: identity \"b.example\" has no key");
	parse_bad("a.example k\0ey\n", sizeof("a.example k\0ey\n") - 1,
	    "psk.txt:1: NUL byte in the line");
	memset(big, 'k', sizeof(big));
	memcpy(big, "a ", 2);
	big[sizeof(big) - 1] = '\n';
	parse_bad(big, sizeof(big),
	    "psk.txt:1: the key of \"a\" is longer than 1024 bytes");
}

ATF_TC_WITHOUT_HEAD(no_key_in_messages);
ATF_TC_BODY(no_key_in_messages, tc)
{
	static const char *const bad[] = {
		"peer.example 0xSECRETSECRET\n",
		"peer.example 0xdeadbeefSECRET1\n",
		"peer.example 0xdeadbeef1\n",
	};
	struct psk_file *pf;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ATF_REQUIRE_EQ(psk_parse(bad[i], strlen(bad[i]), "psk.txt",
		    &pf, err, sizeof(err)), -1);
		ATF_CHECK_MSG(strstr(err, "SECRET") == NULL &&
		    strstr(err, "deadbeef") == NULL, "key echoed: %s", err);
		ATF_CHECK_MSG(strstr(err, "peer.example") != NULL,
		    "identity not named: %s", err);
	}
}

ATF_TC_WITHOUT_HEAD(lookup);
ATF_TC_BODY(lookup, tc)
{
	struct psk_file *pf;
	const struct psk_entry *e;
	struct sad_addr a;

	pf = parse_ok(
	    "2001:db8::1          v6-key\n"
	    "192.0.2.1            v4-key\n"
	    "192.0.2.1            second-v4-key\n"
	    "VPN.Example.ORG      fqdn-key\n"
	    "Alice@example.org    alice-key\n"
	    "alice@example.org    lower-alice-key\n"
	    "keyid-17             keyid-key\n");
	/* an address matches in any spelling, the first line wins */
	check_key(psk_lookup(pf, "2001:0db8:0:0:0:0:0:1"), "v6-key", 6);
	check_key(psk_lookup(pf, "192.0.2.1"), "v4-key", 6);
	ATF_REQUIRE_EQ(sad_addr_parse(&a, "2001:db8::1"), 0);
	a.port = 4500;			/* the port does not matter */
	check_key(psk_lookup_addr(pf, &a), "v6-key", 6);
	/* FQDNs without regard to case */
	check_key(psk_lookup(pf, "vpn.example.org"), "fqdn-key", 8);
	/* user@fqdn exactly */
	check_key(psk_lookup(pf, "alice@example.org"), "lower-alice-key", 15);
	check_key(psk_lookup(pf, "Alice@example.org"), "alice-key", 9);
	check_key(psk_lookup(pf, "keyid-17"), "keyid-key", 9);
	/* negative controls */
	ATF_CHECK(psk_lookup(pf, "192.0.2.2") == NULL);
	ATF_CHECK(psk_lookup(pf, "2001:db8::2") == NULL);
	ATF_CHECK(psk_lookup(pf, "ALICE@example.org") == NULL);
	ATF_CHECK(psk_lookup(pf, "vpn.example.com") == NULL);
	ATF_CHECK(psk_lookup(pf, "") == NULL);
	ATF_REQUIRE_EQ(sad_addr_parse(&a, "::ffff:192.0.2.1"), 0);
	ATF_CHECK(psk_lookup_addr(pf, &a) == NULL);
	/* an address identity never matches a name entry and back */
	e = psk_lookup(pf, "v4-key");
	ATF_CHECK(e == NULL);
	psk_free(pf);
}

/* A file with `text' and `mode', owned by `uid' (if not -1). */
static void
make_file(const char *path, const char *text, mode_t mode, uid_t uid)
{
	int fd;

	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ATF_REQUIRE(fd != -1);
	ATF_REQUIRE_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ATF_REQUIRE_EQ(fchmod(fd, mode), 0);
	if (uid != (uid_t)-1)
		ATF_REQUIRE_EQ(fchown(fd, uid, (gid_t)-1), 0);
	ATF_REQUIRE_EQ(close(fd), 0);
}

static void
load_bad(const char *path, uid_t owner, const char *want)
{
	struct psk_file *pf;
	char err[256];

	err[0] = '\0';
	ATF_CHECK_EQ_MSG(psk_load(path, owner, &pf, err, sizeof(err)), -1,
	    "accepted %s", path);
	ATF_CHECK(pf == NULL);
	ATF_CHECK_STREQ(err, want);
}

static void
load_good(const char *path, uid_t owner)
{
	struct psk_file *pf;
	char err[256];

	err[0] = '\0';
	if (psk_load(path, owner, &pf, err, sizeof(err)) != 0)
		atf_tc_fail("refused %s: %s", path, err);
	ATF_REQUIRE(pf != NULL);
	ATF_CHECK_EQ(pf->nentries, 1);
	check_key(psk_lookup(pf, "192.0.2.7"), "the key", 7);
	psk_free(pf);
}

ATF_TC_WITHOUT_HEAD(permissions);
ATF_TC_BODY(permissions, tc)
{
	const char *text = "192.0.2.7 the key\n";
	uid_t me = getuid();
	char want[256];

	/* the negative control: owned by us, 0600 and 0400 are fine */
	make_file("psk.txt", text, 0600, (uid_t)-1);
	load_good("psk.txt", me);
	make_file("psk.txt", text, 0400, (uid_t)-1);
	load_good("psk.txt", me);
	/* any group or other bit is refused */
	make_file("psk.txt", text, 0640, (uid_t)-1);
	load_bad("psk.txt", me, "psk.txt: mode 0640 lets group or others "
	    "read or write it; it must be 0600 or stricter");
	make_file("psk.txt", text, 0604, (uid_t)-1);
	load_bad("psk.txt", me, "psk.txt: mode 0604 lets group or others "
	    "read or write it; it must be 0600 or stricter");
	make_file("psk.txt", text, 0610, (uid_t)-1);
	load_bad("psk.txt", me, "psk.txt: mode 0610 lets group or others "
	    "use it; it must be 0600 or stricter");
	/* not a regular file, not there */
	ATF_REQUIRE_EQ(mkdir("adir", 0700), 0);
	load_bad("adir", me, "adir: not a regular file");
	load_bad("missing.txt", me, "missing.txt: No such file or directory");
	/* too large */
	{
		char *big = malloc(PSK_FILE_MAX + 2);

		ATF_REQUIRE(big != NULL);
		memset(big, '#', PSK_FILE_MAX + 1);
		big[PSK_FILE_MAX + 1] = '\0';
		make_file("big.txt", big, 0600, (uid_t)-1);
		free(big);
		(void)snprintf(want, sizeof(want), "big.txt: larger than %d "
		    "bytes", PSK_FILE_MAX);
		load_bad("big.txt", me, want);
	}

	if (me != 0)
		atf_tc_skip("the ownership checks need root to chown "
		    "(running as uid %lu)", (unsigned long)me);
	/* owned by someone else: refused, for root and the privsep user */
	make_file("psk.txt", text, 0600, 12345);
	load_bad("psk.txt", 0, "psk.txt: owned by uid 12345; it must be "
	    "owned by root");
	load_bad("psk.txt", 54321, "psk.txt: owned by uid 12345; it must be "
	    "owned by uid 54321 (the user racoon-ng reads it as) or root");
	/* the privsep user's own file is fine for it, as is root's */
	load_good("psk.txt", 12345);
	make_file("psk.txt", text, 0600, 0);
	load_good("psk.txt", 12345);
	load_good("psk.txt", 0);
}

ATF_TC_WITHOUT_HEAD(wipe);
ATF_TC_BODY(wipe, tc)
{
	struct psk_file *pf;
	const struct psk_entry *e;
	const uint8_t *key;
	size_t i, n, nonzero;

	pf = parse_ok("a.example alpha-secret\nb.example 0xa5a5a5a5\n");
	/* negative control: before the wipe the keys are there */
	nonzero = 0;
	for (i = 0; i < pf->arenalen; i++)
		nonzero += pf->arena[i] != 0;
	ATF_CHECK(nonzero >= 12 + 4);
	e = psk_lookup(pf, "b.example");
	check_key(e, "\xa5\xa5\xa5\xa5", 4);
	key = e->key;
	n = e->keylen;
	psk_wipe(pf);
	/* the entry is still there, its key bytes are zero */
	ATF_REQUIRE(psk_lookup(pf, "b.example") == e);
	for (i = 0; i < n; i++)
		ATF_CHECK_EQ_MSG(key[i], 0, "byte %zu not wiped", i);
	for (i = 0; i < pf->arenalen; i++)
		ATF_CHECK_EQ_MSG(pf->arena[i], 0, "arena byte %zu not wiped",
		    i);
	psk_free(pf);
	psk_free(NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, formats);
	ATF_TP_ADD_TC(tp, hex_keys);
	ATF_TP_ADD_TC(tp, errors);
	ATF_TP_ADD_TC(tp, no_key_in_messages);
	ATF_TP_ADD_TC(tp, lookup);
	ATF_TP_ADD_TC(tp, permissions);
	ATF_TP_ADD_TC(tp, wipe);
	return (atf_no_error());
}
