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
 * The client side of unpriv_test, run by setpriv(1) as another user:
 *
 *   unpriv_helper SOCKET unpriv SPI   what may not be done gets EPERM;
 *                                     GET and DUMP work, without keys
 *   unpriv_helper SOCKET group SPI    a member of the socket's group may
 *                                     do everything and sees keys
 *
 * SPI names an SA the test added (ESP, 10.77.0.1 -> 10.77.0.2).  Prints
 * what went wrong and exits 1, or exits 0.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfkey.h"

static struct pfkey_xport *x;
static int failures;
static uint64_t rbuf[PFKEY_MSG_MAXLEN / 8];

#define FAIL(...)	do { warnx(__VA_ARGS__); failures++; } while (0)

static void
addrs(struct pfkey_buf *b, const char *s, const char *d)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	inet_pton(AF_INET, s, &a.sin_addr);
	pfkey_put_address(b, PFKEY_EXT_ADDRESS_SRC, (struct sockaddr *)&a,
	    32, 0);
	inet_pton(AF_INET, d, &a.sin_addr);
	pfkey_put_address(b, PFKEY_EXT_ADDRESS_DST, (struct sockaddr *)&a,
	    32, 0);
}

static void
sa(struct pfkey_buf *b, uint32_t spi, bool keys)
{
	struct pfkey_sa_args s;
	uint8_t k[20];

	memset(&s, 0, sizeof(s));
	s.spi = htonl(spi);
	s.encrypt = 12;		/* aes-cbc */
	s.auth = 3;		/* hmac-sha1 */
	pfkey_put_sa(b, &s);
	if (keys) {
		memset(k, 0x42, sizeof(k));
		pfkey_put_key(b, PFKEY_EXT_KEY_ENCRYPT, k, 128);
		pfkey_put_key(b, PFKEY_EXT_KEY_AUTH, k, 160);
	}
}

/* Send, wait for the reply, decode it into `m'; returns its errno. */
static int
request(struct pfkey_buf *b, struct pfkey_msg *m)
{
	const void *msg, *reply;
	size_t len, rlen;
	int rc;

	if ((rc = pfkey_buf_finish(b, &msg, &len)) != 0)
		errx(2, "build: %s", pfkey_strerror(rc));
	if ((rc = pfkey_request(x, msg, len, &reply, &rlen, 5000)) != 0)
		errx(2, "request type %u: %s", ((const uint8_t *)msg)[1],
		    pfkey_strerror(rc));
	pfkey_buf_free(b);
	memcpy(rbuf, reply, rlen);
	if ((rc = pfkey_decode(rbuf, rlen, PFKEY_DIALECT_HOST,
	    PFKEY_DEC_FROM_KERNEL, m)) != 0)
		errx(2, "reply: %s", pfkey_strerror(rc));
	return (m->hdr->sadb_msg_errno);
}

static void
begin(struct pfkey_buf *b, uint8_t type, uint8_t satype)
{
	pfkey_buf_alloc(b, PFKEY_DIALECT_HOST, type, satype,
	    pfkey_xport_seq(x), pfkey_xport_pid(x));
}

static bool
has_keys(const struct pfkey_msg *m)
{
	return (m->ext[PFKEY_EXT_KEY_ENCRYPT] != NULL ||
	    m->ext[PFKEY_EXT_KEY_AUTH] != NULL);
}

static void
expect_err(uint8_t type, uint8_t satype, int want, const char *what,
    void (*fill)(struct pfkey_buf *))
{
	struct pfkey_buf b;
	struct pfkey_msg m;
	int e;

	begin(&b, type, satype);
	if (fill != NULL)
		fill(&b);
	if ((e = request(&b, &m)) != want)
		FAIL("%s: errno %d, want %d", what, e, want);
}

static void
fill_add(struct pfkey_buf *b)
{
	sa(b, 0x7001, true);
	addrs(b, "10.77.0.1", "10.77.0.3");
}

static void
fill_spd(struct pfkey_buf *b)
{
	struct pfkey_policy pol;

	addrs(b, "10.77.0.0", "10.78.0.0");
	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_DISCARD;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pfkey_put_policy(b, &pol);
}

int
main(int argc, char *argv[])
{
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *reply;
	size_t rlen, n;
	uint32_t spi;
	bool group;
	int err, e;

	if (argc != 4)
		errx(2, "usage: unpriv_helper socket unpriv|group spi");
	group = strcmp(argv[2], "group") == 0;
	spi = (uint32_t)strtoul(argv[3], NULL, 0);
	if ((x = pfkey_xport_open(PFKEY_XPORT_SADBD, argv[1], NULL,
	    &err)) == NULL)
		errx(2, "connect %s: %s (%s)", argv[1], pfkey_strerror(err),
		    strerror(errno));
	printf("running as uid %d gid %d\n", (int)getuid(), (int)getgid());

	if (!group) {
		expect_err(PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, EPERM, "ADD",
		    fill_add);
		expect_err(PFKEY_MSG_FLUSH, 0, EPERM, "FLUSH", NULL);
		expect_err(PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP, EPERM,
		    "REGISTER", NULL);
		expect_err(PFKEY_MSG_X_PROMISC, 1, EPERM, "X_PROMISC", NULL);
		expect_err(PFKEY_MSG_X_SPDADD, 0, EPERM, "X_SPDADD", fill_spd);
		expect_err(PFKEY_MSG_X_SPDFLUSH, 0, EPERM, "X_SPDFLUSH", NULL);
	} else
		expect_err(PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 0, "ADD (group)",
		    fill_add);

	/* GET: allowed; keys only for the group. */
	begin(&b, PFKEY_MSG_GET, PFKEY_SATYPE_ESP);
	sa(&b, spi, false);
	addrs(&b, "10.77.0.1", "10.77.0.2");
	if ((e = request(&b, &m)) != 0)
		FAIL("GET: errno %d", e);
	else if (has_keys(&m) != group)
		FAIL("GET: keys %s", group ? "missing" : "shown");

	/* DUMP: allowed, every reply without keys (with them: group). */
	begin(&b, PFKEY_MSG_DUMP, 0);
	n = 0;
	if ((e = request(&b, &m)) != 0)
		FAIL("DUMP: errno %d", e);
	else {
		for (;;) {
			n++;
			if (has_keys(&m) != group)
				FAIL("DUMP: keys %s in reply %zu",
				    group ? "missing" : "shown", n);
			if (m.hdr->sadb_msg_seq == 0)
				break;
			if (pfkey_request_next(x, PFKEY_MSG_DUMP, &reply,
			    &rlen, 5000) != 0)
				errx(2, "DUMP: reply %zu missing", n + 1);
			memcpy(rbuf, reply, rlen);
			if (pfkey_decode(rbuf, rlen, PFKEY_DIALECT_HOST,
			    PFKEY_DEC_FROM_KERNEL, &m) != 0)
				errx(2, "DUMP: undecodable reply");
		}
		printf("DUMP: %zu SAs\n", n);
	}

	/* X_SPDDUMP: allowed (ENOENT: there are none). */
	begin(&b, PFKEY_MSG_X_SPDDUMP, 0);
	if ((e = request(&b, &m)) != ENOENT && e != 0)
		FAIL("X_SPDDUMP: errno %d", e);

	pfkey_xport_close(x);
	if (failures > 0)
		printf("%d failures\n", failures);
	return (failures > 0 ? 1 : 0);
}
