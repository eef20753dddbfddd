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
 * Malformed messages, each with the error the decoder must give and where
 * it must say the fault is.  Every case starts from a valid message and
 * changes a few bytes, so the case tests exactly one fault.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <string.h>

#include "pfkey.h"
#include "testutil.h"

enum base {
	B_ADD,		/* SA 16, SRC 32, DST 56, KEY_AUTH 80, KEY_ENC 112 */
	B_ADD6,		/* SA 16, SRC 32 (40 bytes), DST 72 (40 bytes) */
	B_SPDADD,	/* SRC 16, DST 40, X_POLICY 64 (req at 80) */
	B_ACQUIRE	/* SRC 16, DST 40, PROPOSAL 64 */
};

struct patch {
	int		off;	/* -1 ends the list */
	int		width;	/* 1, 2 or 4 bytes, host order */
	uint32_t	val;
};

struct mcase {
	const char		*name;
	enum pfkey_dialect	 d;
	enum base		 base;
	struct patch		 p[6];
	int			 newlen;	/* 0: unchanged */
	int			 flags;
	int			 err;
	int			 err_ext;	/* -1: don't check */
	int			 err_off;	/* -1: don't check */
};

#define L	PFKEY_DIALECT_LINUX
#define F	PFKEY_DIALECT_FREEBSD
#define P(o, w, v)	{ (o), (w), (v) }
#define END		{ -1, 0, 0 }

static const struct mcase cases[] = {
	/* base header */
	{ "truncated header", L, B_ADD, { END }, 8, 0, PFKEY_ERR_SHORT,
	    -1, -1 },
	{ "empty", F, B_ADD, { END }, 0x7fff, 0, PFKEY_ERR_SHORT, -1, -1 },
	{ "version 1", L, B_ADD, { P(0, 1, 1), END }, 0, 0,
	    PFKEY_ERR_VERSION, -1, 0 },
	{ "length field too long", L, B_ADD, { P(4, 2, 18), END }, 0, 0,
	    PFKEY_ERR_LENGTH, -1, 4 },
	{ "length field too short", F, B_ADD, { P(4, 2, 16), END }, 0, 0,
	    PFKEY_ERR_LENGTH, -1, 4 },
	{ "buffer shorter than length", L, B_ADD, { END }, 128, 0,
	    PFKEY_ERR_LENGTH, -1, 4 },
	{ "message type 0", L, B_ADD, { P(1, 1, 0), END }, 0, 0,
	    PFKEY_ERR_MSGTYPE, -1, 1 },
	{ "message type 23 on FreeBSD", F, B_ADD, { P(1, 1, 23), END }, 0,
	    PFKEY_DEC_NOREQ, PFKEY_ERR_MSGTYPE, -1, 1 },
	{ "message type 25 on Linux", L, B_ADD, { P(1, 1, 25), END }, 0, 0,
	    PFKEY_ERR_MSGTYPE, -1, 1 },
	{ "SA type 4", L, B_ADD, { P(3, 1, 4), END }, 0, 0,
	    PFKEY_ERR_SATYPE, -1, 3 },
	{ "TCP signature SA type on Linux", L, B_ADD, { P(3, 1, 11), END },
	    0, 0, PFKEY_ERR_SATYPE, -1, 3 },
	/* extension framing */
	{ "zero-length extension", L, B_ADD, { P(56, 2, 0), END }, 0, 0,
	    PFKEY_ERR_EXT_SHORT, -1, 56 },
	{ "extension past the end", L, B_ADD, { P(112, 2, 4), END }, 0, 0,
	    PFKEY_ERR_EXT_OVERRUN, -1, 112 },
	{ "extension length huge", F, B_ADD, { P(16, 2, 0xffff), END }, 0, 0,
	    PFKEY_ERR_EXT_OVERRUN, -1, 16 },
	{ "extension type 0", L, B_ADD, { P(18, 2, 0), END }, 0, 0,
	    PFKEY_ERR_EXT_TYPE, -1, 16 },
	{ "extension type 28 on Linux", L, B_ADD, { P(18, 2, 28), END }, 0,
	    0, PFKEY_ERR_EXT_TYPE, -1, 16 },
	{ "extension type 29 on FreeBSD", F, B_ADD, { P(18, 2, 29), END }, 0,
	    0, PFKEY_ERR_EXT_TYPE, -1, 16 },
	{ "duplicate extension", L, B_ADD, { P(58, 2, 5), END }, 0, 0,
	    PFKEY_ERR_EXT_DUP, PFKEY_EXT_ADDRESS_SRC, 56 },
	{ "duplicate key", F, B_ADD, { P(114, 2, 8), END }, 0, 0,
	    PFKEY_ERR_EXT_DUP, PFKEY_EXT_KEY_AUTH, 112 },
	/* per-type sizes: the SA (16 bytes) claims 8, then 24 bytes;
	 * what follows is then read from the wrong place, so turn the
	 * next bytes into a valid KMPRIVATE filler */
	{ "SA too short", L, B_ADD, { P(16, 2, 1), P(24, 2, 1), P(26, 2, 17),
	    END }, 0, 0, PFKEY_ERR_EXT_SIZE, PFKEY_EXT_SA, 16 },
	{ "SA too long", L, B_ADD, { P(16, 2, 5), P(18, 2, 1), END }, 0, 0,
	    PFKEY_ERR_EXT_SIZE, PFKEY_EXT_SA, 16 },
	{ "address too short for sockaddr_in", L, B_ADD,
	    { P(32, 2, 2), P(48, 2, 1), P(50, 2, 17), END }, 0, 0,
	    PFKEY_ERR_EXT_SIZE, PFKEY_EXT_ADDRESS_SRC, 32 },
	/* sockaddrs */
	{ "IPv6 sockaddr in an IPv4-sized address", L, B_ADD,
	    { P(40, 2, 10), END }, 0, 0, PFKEY_ERR_SOCKADDR,
	    PFKEY_EXT_ADDRESS_SRC, 40 },
	{ "FreeBSD sa_len wrong", F, B_ADD, { P(40, 1, 15), END }, 0, 0,
	    PFKEY_ERR_SOCKADDR, PFKEY_EXT_ADDRESS_SRC, 40 },
	{ "FreeBSD sa_len of IPv6 on IPv4", F, B_ADD, { P(64, 1, 28), END },
	    0, 0, PFKEY_ERR_SOCKADDR, PFKEY_EXT_ADDRESS_DST, 64 },
	{ "unknown family AF_UNIX", L, B_ADD, { P(40, 2, 1), END }, 0, 0,
	    PFKEY_ERR_FAMILY, PFKEY_EXT_ADDRESS_SRC, 40 },
	{ "Linux AF_INET6 number in FreeBSD", F, B_ADD6,
	    { P(41, 1, 10), END }, 0, 0, PFKEY_ERR_FAMILY,
	    PFKEY_EXT_ADDRESS_SRC, 40 },
	{ "prefix length 33", L, B_ADD, { P(37, 1, 33), END }, 0, 0,
	    PFKEY_ERR_PREFIXLEN, PFKEY_EXT_ADDRESS_SRC, 37 },
	{ "IPv6 prefix length 129", F, B_ADD6, { P(77, 1, 129), END }, 0, 0,
	    PFKEY_ERR_PREFIXLEN, PFKEY_EXT_ADDRESS_DST, 77 },
	{ "source and destination families differ", L, B_ADD6,
	    { P(40, 2, 2), P(37, 1, 32), END }, 0, 0, PFKEY_ERR_ADDRFAMILY,
	    PFKEY_EXT_ADDRESS_DST, 72 },
	/* keys */
	{ "key bits larger than extension", L, B_ADD, { P(84, 2, 193), END },
	    0, 0, PFKEY_ERR_KEYBITS, PFKEY_EXT_KEY_AUTH, 84 },
	{ "key bits 0xffff", F, B_ADD, { P(116, 2, 0xffff), END }, 0, 0,
	    PFKEY_ERR_KEYBITS, PFKEY_EXT_KEY_ENCRYPT, 116 },
	/* values */
	{ "SA state 4", L, B_ADD, { P(25, 1, 4), END }, 0, 0,
	    PFKEY_ERR_FIELD, PFKEY_EXT_SA, 25 },
	/* required extensions */
	/* the SA becomes a (valid) SPIRANGE of the same size */
	{ "ADD without SA", L, B_ADD, { P(18, 2, 16), END }, 0,
	    0, PFKEY_ERR_EXT_MISSING, PFKEY_EXT_SA, -1 },
	{ "ADD reply without destination", F, B_ADD, { P(58, 2, 7), END }, 0,
	    PFKEY_DEC_FROM_KERNEL, PFKEY_ERR_EXT_MISSING,
	    PFKEY_EXT_ADDRESS_DST, -1 },
	/* cut the last extension off, header length to match */
	{ "ACQUIRE without proposal", L, B_ACQUIRE, { P(4, 2, 8), END }, 64,
	    PFKEY_DEC_FROM_KERNEL, PFKEY_ERR_EXT_MISSING, PFKEY_EXT_PROPOSAL,
	    -1 },
	{ "X_SPDADD without policy", F, B_SPDADD, { P(4, 2, 8), END }, 64, 0,
	    PFKEY_ERR_EXT_MISSING, PFKEY_EXT_X_POLICY, -1 },
	/* a proposal of 72 bytes: 8 + 64 is not a whole comb; the last 8
	 * bytes become a KMPRIVATE */
	{ "proposal not a whole comb", L, B_ACQUIRE, { P(64, 2, 9),
	    P(136, 2, 1), P(138, 2, 17), END }, 0, PFKEY_DEC_FROM_KERNEL,
	    PFKEY_ERR_EXT_SIZE, PFKEY_EXT_PROPOSAL, 64 },
	/* policies: X_POLICY at 64, request at 80 */
	{ "policy type 9", L, B_SPDADD, { P(68, 2, 9), END }, 0, 0,
	    PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 68 },
	{ "policy dir fwd on FreeBSD", F, B_SPDADD, { P(70, 1, 3), END }, 0,
	    0, PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 70 },
	{ "policy dir 5 on Linux", L, B_SPDADD, { P(70, 1, 5), END }, 0, 0,
	    PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 70 },
	{ "FreeBSD scope 3", F, B_SPDADD, { P(71, 1, 3), END }, 0, 0,
	    PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 71 },
	{ "request shorter than its header", L, B_SPDADD,
	    { P(80, 2, 8), END }, 0, 0, PFKEY_ERR_POLICY, PFKEY_EXT_X_POLICY,
	    80 },
	{ "request longer than the policy", F, B_SPDADD,
	    { P(80, 2, 48), END }, 0, 0, PFKEY_ERR_POLICY, PFKEY_EXT_X_POLICY,
	    80 },
	{ "request protocol 99", L, B_SPDADD, { P(82, 2, 99), END }, 0, 0,
	    PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 82 },
	{ "request protocol tcp on Linux", L, B_SPDADD, { P(82, 2, 6), END },
	    0, 0, PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 82 },
	{ "request mode beet on FreeBSD", F, B_SPDADD, { P(84, 1, 3), END },
	    0, 0, PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 84 },
	{ "request level 4", L, B_SPDADD, { P(85, 1, 4), END }, 0, 0,
	    PFKEY_ERR_FIELD, PFKEY_EXT_X_POLICY, 85 },
	{ "request endpoint family unknown", L, B_SPDADD,
	    { P(96, 2, 7), END }, 0, 0, PFKEY_ERR_FAMILY, PFKEY_EXT_X_POLICY,
	    96 },
	{ "request endpoint sa_len wrong", F, B_SPDADD,
	    { P(104, 1, 12), END }, 0, 0, PFKEY_ERR_SOCKADDR,
	    PFKEY_EXT_X_POLICY, 104 },
	{ "request endpoint too short for its family", L, B_SPDADD,
	    { P(112, 2, 10), END }, 0, 0, PFKEY_ERR_SOCKADDR,
	    PFKEY_EXT_X_POLICY, 112 },
	{ "discard policy with a request", L, B_SPDADD, { P(68, 2, 0), END },
	    0, 0, PFKEY_ERR_POLICY, PFKEY_EXT_X_POLICY, 80 },
};

/* Build the valid starting message of a case. */
static size_t
build_base(enum pfkey_dialect d, enum base base, union tu_msgbuf *mb)
{
	struct pfkey_sa_args sa = { htonl(0x1000), 4, PFKEY_SASTATE_MATURE,
	    3, 12, 0 };
	struct sockaddr_storage s4 = tu_addr("10.0.0.1", 0);
	struct sockaddr_storage t4 = tu_addr("10.0.0.2", 0);
	struct sockaddr_storage s6 = tu_addr("2001:db8::1", 0);
	struct sockaddr_storage t6 = tu_addr("2001:db8::2", 0);
	uint8_t key[24] = { 1 };
	struct pfkey_policy pol;
	struct sadb_comb comb;
	struct pfkey_buf b;
	const void *msg;
	size_t len;
	int type = base == B_SPDADD ? PFKEY_MSG_X_SPDADD :
	    base == B_ACQUIRE ? PFKEY_MSG_ACQUIRE : PFKEY_MSG_ADD;

	ATF_REQUIRE_EQ(pfkey_buf_init(&b, mb->b, sizeof(mb->b), d,
	    (uint8_t)type, base == B_SPDADD ? 0 : PFKEY_SATYPE_ESP, 1, 2), 0);
	if (base == B_ADD || base == B_ADD6)
		pfkey_put_sa(&b, &sa);
	if (base == B_ADD6) {
		pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
		    (struct sockaddr *)&s6, 0xff, 0);
		pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
		    (struct sockaddr *)&t6, 0xff, 0);
	} else {
		pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
		    (struct sockaddr *)&s4, 0xff, 0);
		pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
		    (struct sockaddr *)&t4, 0xff, 0);
	}
	if (base == B_ADD) {
		pfkey_put_key(&b, PFKEY_EXT_KEY_AUTH, key, 160);
		pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, key, 128);
	}
	if (base == B_SPDADD) {
		memset(&pol, 0, sizeof(pol));
		pol.type = PFKEY_POLICY_IPSEC;
		pol.dir = PFKEY_DIR_OUTBOUND;
		pol.nreq = 1;
		pol.req[0].proto = PFKEY_IPPROTO_ESP;
		pol.req[0].mode = PFKEY_MODE_TUNNEL;
		pol.req[0].level = PFKEY_LEVEL_REQUIRE;
		pol.req[0].src = s4;
		pol.req[0].dst = t4;
		pfkey_put_policy(&b, &pol);
	}
	if (base == B_ACQUIRE) {
		memset(&comb, 0, sizeof(comb));
		comb.sadb_comb_encrypt = 12;
		pfkey_put_proposal(&b, 0, &comb, 1);
	}
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	return (len);
}

static void
apply(uint8_t *p, const struct patch *pt)
{
	uint16_t v16;
	uint32_t v32;

	for (; pt->off >= 0; pt++) {
		switch (pt->width) {
		case 1:
			p[pt->off] = (uint8_t)pt->val;
			break;
		case 2:
			v16 = (uint16_t)pt->val;
			memcpy(p + pt->off, &v16, 2);
			break;
		default:
			v32 = pt->val;
			memcpy(p + pt->off, &v32, 4);
		}
	}
}

static void
set16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

ATF_TC_WITHOUT_HEAD(table);
ATF_TC_BODY(table, tc)
{
	static union tu_msgbuf mb;
	struct pfkey_msg m;
	char why[256];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *c = &cases[i];

		len = build_base(c->d, c->base, &mb);
		/* the unmodified base must be valid, or the case proves
		 * nothing */
		ATF_REQUIRE_EQ_MSG(pfkey_decode(mb.b, len, c->d, c->flags, &m),
		    0, "%s: base invalid", c->name);
		apply(mb.b, c->p);
		if (c->newlen == 0x7fff)
			len = 0;
		else if (c->newlen != 0)
			len = (size_t)c->newlen;
		rc = pfkey_decode(mb.b, len, c->d, c->flags, &m);
		pfkey_decode_error(&m, rc, why, sizeof(why));
		ATF_CHECK_EQ_MSG(rc, c->err, "%s: got %d (%s), want %d (%s)",
		    c->name, rc, why, c->err, pfkey_strerror(c->err));
		if (rc != c->err)
			continue;
		if (c->err_ext >= 0)
			ATF_CHECK_EQ_MSG(m.err_ext, c->err_ext,
			    "%s: err_ext %d want %d", c->name, m.err_ext,
			    c->err_ext);
		if (c->err_off >= 0)
			ATF_CHECK_EQ_MSG(m.err_off, (size_t)c->err_off,
			    "%s: err_off %zu want %d (%s)", c->name,
			    m.err_off, c->err_off, why);
	}
}

/* The error text names the extension, its wire type and the offset. */
ATF_TC_WITHOUT_HEAD(error_text);
ATF_TC_BODY(error_text, tc)
{
	static union tu_msgbuf mb;
	struct pfkey_msg m;
	char why[256];
	size_t len;
	int rc;

	len = build_base(PFKEY_DIALECT_LINUX, B_ADD, &mb);
	mb.b[84] = 0xff;	/* KEY_AUTH bits low byte: 0x00ff = 255 */
	rc = pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX, 0, &m);
	ATF_REQUIRE_EQ(rc, PFKEY_ERR_KEYBITS);
	pfkey_decode_error(&m, rc, why, sizeof(why));
	ATF_CHECK_STREQ(why, "extension KEY_AUTH (type 8) at offset 84: "
	    "key bits exceed the key extension");

	len = build_base(PFKEY_DIALECT_FREEBSD, B_ADD, &mb);
	mb.b[58] = 40;		/* DST claims type 40 */
	rc = pfkey_decode(mb.b, len, PFKEY_DIALECT_FREEBSD, 0, &m);
	ATF_REQUIRE_EQ(rc, PFKEY_ERR_EXT_TYPE);
	pfkey_decode_error(&m, rc, why, sizeof(why));
	ATF_CHECK_STREQ(why, "extension type 40 at offset 56: "
	    "extension type out of range");

	len = build_base(PFKEY_DIALECT_LINUX, B_ADD, &mb);
	set16(mb.b + 18, 17);	/* SA becomes an oversized KMPRIVATE */
	rc = pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX, 0, &m);
	ATF_REQUIRE_EQ(rc, PFKEY_ERR_EXT_SIZE);
	set16(mb.b + 16, 1);	/* now 8 bytes, and a second one at 24 */
	set16(mb.b + 24, 1);
	set16(mb.b + 26, 17);
	rc = pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX, 0, &m);
	ATF_REQUIRE_EQ(rc, PFKEY_ERR_EXT_DUP);
	ATF_CHECK_EQ(m.err_off, 24);
	set16(mb.b + 26, 12);	/* SENSITIVITY of 8 bytes: too small */
	rc = pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX, 0, &m);
	ATF_REQUIRE_EQ(rc, PFKEY_ERR_EXT_SIZE);
	pfkey_decode_error(&m, rc, why, sizeof(why));
	ATF_CHECK_STREQ(why, "extension SENSITIVITY (type 12) at offset 24: "
	    "extension has the wrong size for its type");
	set16(mb.b + 26, 20);	/* NAT_T_TYPE: fine; but now ADD has no SA */
	rc = pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX, 0, &m);
	ATF_REQUIRE_EQ(rc, PFKEY_ERR_EXT_MISSING);
	pfkey_decode_error(&m, rc, why, sizeof(why));
	ATF_CHECK_STREQ(why, "required extension SA missing");
}

/* Buffers must be 8-byte aligned: the view hands out struct pointers. */
ATF_TC_WITHOUT_HEAD(unaligned);
ATF_TC_BODY(unaligned, tc)
{
	static union tu_msgbuf mb;
	struct pfkey_msg m;
	size_t len;

	len = build_base(PFKEY_DIALECT_LINUX, B_ADD, &mb);
	memmove(mb.b + 4, mb.b, len);
	ATF_CHECK_EQ(pfkey_decode(mb.b + 4, len, PFKEY_DIALECT_LINUX, 0, &m),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_decode(NULL, 16, PFKEY_DIALECT_LINUX, 0, &m),
	    PFKEY_ERR_INVAL);
}

/* Unknown types beyond the dialect's range may be skipped on request. */
ATF_TC_WITHOUT_HEAD(skip_unknown);
ATF_TC_BODY(skip_unknown, tc)
{
	static union tu_msgbuf mb;
	struct pfkey_msg m;
	size_t len;

	len = build_base(PFKEY_DIALECT_LINUX, B_ADD, &mb);
	mb.b[114] = 40;		/* KEY_ENCRYPT becomes unknown type 40 */
	ATF_CHECK_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX, 0, &m),
	    PFKEY_ERR_EXT_TYPE);
	ATF_CHECK_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX,
	    PFKEY_DEC_SKIP_UNKNOWN, &m), 0);
	ATF_CHECK(m.ext[PFKEY_EXT_KEY_ENCRYPT] == NULL);
	ATF_CHECK(m.ext[PFKEY_EXT_KEY_AUTH] != NULL);
	/* a zero type is never "unknown": it is malformed */
	mb.b[114] = 0;
	ATF_CHECK_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX,
	    PFKEY_DEC_SKIP_UNKNOWN, &m), PFKEY_ERR_EXT_TYPE);
}

/* Identity strings are NUL terminated (RFC 2367 2.3.4). */
ATF_TC_WITHOUT_HEAD(identity_unterminated);
ATF_TC_BODY(identity_unterminated, tc)
{
	static union tu_msgbuf mb;
	struct sockaddr_storage s = tu_addr("10.0.0.1", 0);
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg;
	size_t len;

	pfkey_buf_init(&b, mb.b, sizeof(mb.b), PFKEY_DIALECT_LINUX,
	    PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP, 1, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (void *)&s, 0xff, 0);
	pfkey_put_identity(&b, PFKEY_EXT_IDENTITY_SRC, PFKEY_IDENT_FQDN, 0,
	    "a.example", 9);
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	ATF_REQUIRE_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX,
	    PFKEY_DEC_NOREQ, &m), 0);
	/* the string sits at 40 + 16; fill it and its padding */
	memset(mb.b + 56, 'x', 16);
	ATF_CHECK_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_LINUX,
	    PFKEY_DEC_NOREQ, &m), PFKEY_ERR_FIELD);
	ATF_CHECK_EQ(m.err_ext, PFKEY_EXT_IDENTITY_SRC);
	ATF_CHECK_EQ(m.err_off, 56);
}

/* X_PROMISC's SA type is its on/off switch, not an SA type. */
ATF_TC_WITHOUT_HEAD(promisc_switch);
ATF_TC_BODY(promisc_switch, tc)
{
	static union tu_msgbuf mb;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg;
	size_t len;

	pfkey_buf_init(&b, mb.b, sizeof(mb.b), PFKEY_DIALECT_FREEBSD,
	    PFKEY_MSG_X_PROMISC, 1, 1, 0);
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	ATF_CHECK_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_FREEBSD, 0, &m), 0);
	mb.b[1] = PFKEY_MSG_FLUSH;	/* for any other type it is checked */
	ATF_CHECK_EQ(pfkey_decode(mb.b, len, PFKEY_DIALECT_FREEBSD, 0, &m),
	    PFKEY_ERR_SATYPE);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, identity_unterminated);
	ATF_TP_ADD_TC(tp, promisc_switch);
	ATF_TP_ADD_TC(tp, table);
	ATF_TP_ADD_TC(tp, error_text);
	ATF_TP_ADD_TC(tp, unaligned);
	ATF_TP_ADD_TC(tp, skip_unknown);
	return (atf_no_error());
}
