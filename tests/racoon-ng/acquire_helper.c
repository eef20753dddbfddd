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
 * acquire_helper: ask sadbd to raise an ACQUIRE, as a packet meeting an
 * ipsec policy without an SA would (KAME's userland SADB_ACQUIRE, which
 * sadbd takes; Linux af_key does not).  sadbd finds the outbound policy
 * for the flow and sends the ACQUIRE to the registered key managers.
 *
 * usage: acquire_helper SOCKET SRC DST [ULPROTO]
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"
#include "sadb.h"

int
main(int argc, char *argv[])
{
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct sockaddr_storage s, d;
	struct sad_addr as, ad;
	const void *msg, *reply;
	size_t len, rlen;
	int rc, proto = 255;

	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: acquire_helper SOCKET SRC DST "
		    "[ULPROTO]\n");
		return (2);
	}
	if (argc == 5)
		proto = atoi(argv[4]);
	if (sad_addr_parse(&as, argv[2]) != 0 ||
	    sad_addr_parse(&ad, argv[3]) != 0)
		errx(2, "bad address");
	(void)sad_addr_to_sockaddr(&as, &s);
	(void)sad_addr_to_sockaddr(&ad, &d);
	if ((x = pfkey_xport_open(PFKEY_XPORT_SADBD, argv[1], NULL,
	    &rc)) == NULL)
		errx(1, "sadbd at %s: %s", argv[1], pfkey_strerror(rc));
	if (pfkey_buf_alloc(&b, pfkey_xport_dialect(x), PFKEY_MSG_ACQUIRE,
	    PFKEY_SATYPE_ESP, pfkey_xport_seq(x), pfkey_xport_pid(x)) != 0)
		errx(1, "no memory");
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, 0xff, (uint8_t)proto);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, 0xff, (uint8_t)proto);
	if ((rc = pfkey_buf_finish(&b, &msg, &len)) != 0)
		errx(1, "%s", pfkey_strerror(rc));
	/* No reply when the ACQUIRE went out; an error comes back. */
	rc = pfkey_request(x, msg, len, &reply, &rlen, 500);
	if (rc == 0 && ((const struct sadb_msg *)reply)->sadb_msg_errno != 0)
		errx(1, "ACQUIRE refused: %s", strerror(
		    ((const struct sadb_msg *)reply)->sadb_msg_errno));
	if (rc != 0 && rc != PFKEY_ERR_TIMEOUT)
		errx(1, "%s", pfkey_strerror(rc));
	pfkey_buf_free(&b);
	pfkey_xport_close(x);
	return (0);
}
