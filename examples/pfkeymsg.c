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
 * pfkeymsg: what libpfkey does, in one small program.  It builds an
 * SADB_ADD (ESP, AES-GCM-16) and an SADB_X_SPDADD (a tunnel policy written
 * in ipsec_set_policy(3) syntax) in a PF_KEY dialect, decodes them again
 * and prints them; with -x it prints raw bytes too; with -t it says which
 * transports this machine offers.
 *
 * usage: pfkeymsg [-tx] [-d linux|freebsd] [policy]
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

static uint64_t	mbuf[PFKEY_MSG_MAXLEN / 8];

static void
show(const void *msg, size_t len, enum pfkey_dialect d, int prflags)
{
	struct pfkey_msg m;
	char *out;
	char why[256];
	int rc, need;

	memcpy(mbuf, msg, len);
	if ((rc = pfkey_decode(mbuf, len, d, 0, &m)) != 0) {
		pfkey_decode_error(&m, rc, why, sizeof(why));
		errx(1, "decode: %s", why);
	}
	need = pfkey_print(&m, prflags, NULL, 0);
	if (need < 0 || (out = malloc((size_t)need + 1)) == NULL)
		errx(1, "print: %s", pfkey_strerror(need));
	pfkey_print(&m, prflags, out, (size_t)need + 1);
	fputs(out, stdout);
	free(out);
}

static struct sockaddr_storage
addr(const char *s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1)
		errx(1, "bad address %s", s);
	return (ss);
}

static void
transports(void)
{
	static const enum pfkey_xport_kind kinds[] = {
		PFKEY_XPORT_KERNEL, PFKEY_XPORT_XFRM, PFKEY_XPORT_SADBD
	};
	struct pfkey_xport *x;
	size_t i;
	int e;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		x = pfkey_xport_open(kinds[i], NULL, NULL, &e);
		printf("transport %-6s %s", pfkey_xport_kind_name(kinds[i]),
		    x != NULL ? "available" : pfkey_strerror(e));
		if (x == NULL && e == PFKEY_ERR_SYSTEM)
			printf(" (%s)", strerror(errno));
		printf("\n");
		pfkey_xport_close(x);
	}
}

int
main(int argc, char *argv[])
{
	const char *polstr = "out ipsec esp/tunnel/192.0.2.1-198.51.100.1/require";
	static const uint8_t key[20] = {
		0x4a, 0x1f, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f, 0x70,
		0x81, 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7, 0xf8,
		0xca, 0xfe, 0xba, 0xbe
	};
	enum pfkey_dialect d = pfkey_host_dialect();
	struct pfkey_policy_err perr;
	struct pfkey_sa_args sa;
	struct pfkey_policy pol;
	struct sockaddr_storage s, t;
	struct pfkey_buf b;
	const void *msg;
	size_t len;
	int ch, prflags = 0, tflag = 0, rc;
	char text[512];

	while ((ch = getopt(argc, argv, "d:tx")) != -1) {
		switch (ch) {
		case 'd':
			if (pfkey_dialect_parse(optarg, &d) != 0)
				errx(1, "unknown dialect %s", optarg);
			break;
		case 't':
			tflag = 1;
			break;
		case 'x':
			prflags |= PFKEY_PR_HEX;
			break;
		default:
			fprintf(stderr, "usage: pfkeymsg [-tx] [-d dialect] "
			    "[policy]\n");
			return (2);
		}
	}
	if (optind < argc)
		polstr = argv[optind];

	printf("# dialect %s\n", pfkey_dialect_name(d));
	s = addr("192.0.2.1");
	t = addr("198.51.100.1");

	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(0x1001);
	sa.state = PFKEY_SASTATE_MATURE;
	sa.encrypt = (uint8_t)pfkey_alg_to_wire(d, PFKEY_ALG_ENCRYPT,
	    PFKEY_EALG_AES_GCM_ICV16);
	pfkey_buf_alloc(&b, d, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, getpid());
	pfkey_put_sa(&b, &sa);
	pfkey_put_sa2(&b, PFKEY_MODE_TUNNEL, 0, 1);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (struct sockaddr *)&s,
	    0xff, 255);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (struct sockaddr *)&t,
	    0xff, 255);
	pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, key, 160);
	if ((rc = pfkey_buf_finish(&b, &msg, &len)) != 0)
		errx(1, "encode: %s", pfkey_strerror(rc));
	show(msg, len, d, prflags);
	pfkey_buf_free(&b);

	if ((rc = pfkey_policy_parse(polstr, strlen(polstr), d, &pol,
	    &perr)) != 0)
		errx(1, "policy: column %zu: %s", perr.offset + 1, perr.msg);
	pfkey_buf_alloc(&b, d, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, 2,
	    getpid());
	s = addr("10.1.0.0");
	t = addr("10.2.0.0");
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (struct sockaddr *)&s,
	    16, 255);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (struct sockaddr *)&t,
	    16, 255);
	pfkey_put_policy(&b, &pol);
	if ((rc = pfkey_buf_finish(&b, &msg, &len)) != 0)
		errx(1, "encode: %s", pfkey_strerror(rc));
	show(msg, len, d, prflags);
	pfkey_buf_free(&b);
	if (pfkey_policy_format(&pol, d, PFKEY_PF_NEWLINES, text,
	    sizeof(text)) >= 0)
		printf("# as setkey -DP prints it:\n%s\n", text);

	if (tflag)
		transports();
	return (0);
}
