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
 * libFuzzer target: pfkey_decode() on untrusted bytes, both dialects and
 * every flag combination.  Whatever decodes must also print, give its
 * policy and addresses, and re-encode extension by extension to the very
 * same bytes (the codec round-trip invariant); a difference aborts.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint64_t	inbuf[PFKEY_MSG_MAXLEN / 8];
static uint64_t	outbuf[PFKEY_MSG_MAXLEN / 8];
static char	text[1 << 16];

static void
roundtrip(const struct pfkey_msg *m, enum pfkey_dialect d)
{
	struct pfkey_buf b;
	const uint8_t *e;
	const void *msg;
	size_t len, elen;
	int x, i, rc;
	struct pfkey_policy pol;
	struct sockaddr_storage ss;
	const uint8_t *key;
	unsigned bits;

	(void)pfkey_print(m, PFKEY_PR_KEYS | PFKEY_PR_HEX, text, sizeof(text));
	(void)pfkey_get_policy(m, &pol);
	for (x = 1; x < PFKEY_EXT_COUNT; x++) {
		(void)pfkey_get_address(m, x, &ss, NULL, NULL);
		(void)pfkey_get_key(m, x, &key, &bits);
	}
	if (m->hdr->sadb_msg_type == PFKEY_MSG_X_PROMISC)
		return;
	/* Re-encode in wire order: same bytes. */
	if (pfkey_buf_init(&b, outbuf, sizeof(outbuf), d,
	    m->hdr->sadb_msg_type, m->hdr->sadb_msg_satype,
	    m->hdr->sadb_msg_seq, m->hdr->sadb_msg_pid) != 0)
		abort();
	pfkey_buf_set_errno(&b, m->hdr->sadb_msg_errno);
	((uint8_t *)outbuf)[6] = ((const uint8_t *)m->hdr)[6];
	((uint8_t *)outbuf)[7] = ((const uint8_t *)m->hdr)[7];
	for (e = (const uint8_t *)m->hdr + 16;
	    e < (const uint8_t *)m->hdr + m->len; e += elen) {
		elen = (size_t)((const struct sadb_ext *)(const void *)e)->
		    sadb_ext_len * 8;
		/* skipped unknown types are not in the view */
		for (i = 1; i < PFKEY_EXT_COUNT; i++)
			if ((const void *)m->ext[i] == (const void *)e)
				break;
		if (i == PFKEY_EXT_COUNT)
			continue;
		if ((rc = pfkey_put_raw(&b, e, elen)) != 0)
			abort();
	}
	if (pfkey_buf_finish(&b, &msg, &len) != 0)
		abort();
	if (len > m->len)
		abort();
	if (len == m->len && memcmp(msg, m->hdr, len) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum pfkey_dialect ds[] = {
		PFKEY_DIALECT_LINUX, PFKEY_DIALECT_FREEBSD
	};
	struct pfkey_msg m;
	char why[256];
	size_t i;
	int flags, rc;

	if (size > sizeof(inbuf))
		return (0);
	memcpy(inbuf, data, size);
	for (i = 0; i < 2; i++) {
		for (flags = 0; flags < 8; flags++) {
			rc = pfkey_decode(inbuf, size, ds[i], flags, &m);
			if (rc > 0 || rc <= PFKEY_ERR_MAX)
				abort();
			if (rc != 0) {
				(void)pfkey_decode_error(&m, rc, why,
				    sizeof(why));
				continue;
			}
			roundtrip(&m, ds[i]);
		}
	}
	return (0);
}
