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
 * The IKE relay's record codec (sadb/ike_relay.h): a golden record byte
 * by byte, round trips of every kind of valid record up to the largest
 * datagrams, each class of malformed record refused with its own code
 * (and the same field made valid accepted, so the refusal is the
 * field's), every truncation and every single-bit change, and the
 * encoder refusing what the decoder would.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sadb.h"
#include "ike_relay.h"

static uint8_t	big[IKE_RELAY_MAXREC + 64];
static uint8_t	pay[IKE_RELAY_MAX6 + 64];

static struct sad_addr
addr(const char *s, uint16_t port)
{
	struct sad_addr a;

	ATF_REQUIRE_MSG(sad_addr_parse(&a, s) == 0, "parse %s", s);
	a.port = port;
	return (a);
}

static struct ike_relay_rec
rec4(void)
{
	struct ike_relay_rec r;
	static const uint8_t ike[] = {
		0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
	};

	memset(&r, 0, sizeof(r));
	r.local = addr("192.0.2.1", 4500);
	r.remote = addr("198.51.100.7", 61234);
	r.payload = ike;
	r.len = sizeof(ike);
	return (r);
}

/* Encode a record into big; its length. */
static size_t
enc(const struct ike_relay_rec *r)
{
	long n;

	n = ike_relay_encode(r, big, sizeof(big));
	ATF_REQUIRE_MSG(n > 0, "encode: %s", ike_relay_strerror((int)n));
	return ((size_t)n);
}

static void
same_rec(const struct ike_relay_rec *a, const struct ike_relay_rec *b)
{
	ATF_CHECK_EQ(a->local.af, b->local.af);
	ATF_CHECK_EQ(a->remote.af, b->remote.af);
	ATF_CHECK(sad_addr_cmp(&a->local, &b->local) == 0);
	ATF_CHECK(sad_addr_cmp(&a->remote, &b->remote) == 0);
	ATF_CHECK_EQ(a->local.port, b->local.port);
	ATF_CHECK_EQ(a->remote.port, b->remote.port);
	ATF_REQUIRE_EQ(a->len, b->len);
	ATF_CHECK(memcmp(a->payload, b->payload, a->len) == 0);
}

/* Decode buf and encode again: the same bytes. */
static void
roundtrip(const uint8_t *buf, size_t len)
{
	struct ike_relay_rec d;
	static uint8_t again[IKE_RELAY_MAXREC];
	long n;
	int rc;

	rc = ike_relay_decode(buf, len, &d);
	ATF_REQUIRE_MSG(rc == 0, "decode: %s", ike_relay_strerror(rc));
	ATF_REQUIRE(d.payload == buf + IKE_RELAY_HDRLEN);
	n = ike_relay_encode(&d, again, sizeof(again));
	ATF_REQUIRE_EQ(n, (long)len);
	ATF_REQUIRE(memcmp(again, buf, len) == 0);
}

ATF_TC_WITHOUT_HEAD(golden_v4);
ATF_TC_BODY(golden_v4, tc)
{
	/* Written out by hand from the format in ike_relay.h. */
	static const uint8_t want[] = {
		1, 4, 0, 0, 0, 0, 0, 12,	/* version family flags len */
		0x11, 0x94, 0xef, 0x32,		/* 4500 61234 */
		192, 0, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		198, 51, 100, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88
	};
	struct ike_relay_rec r = rec4(), d;
	uint8_t hdr[IKE_RELAY_HDRLEN];

	ATF_REQUIRE_EQ(sizeof(want), IKE_RELAY_HDRLEN + 12);
	ATF_REQUIRE_EQ(enc(&r), sizeof(want));
	ATF_CHECK(memcmp(big, want, sizeof(want)) == 0);
	ATF_REQUIRE_EQ(ike_relay_encode_hdr(&r, hdr), 0);
	ATF_CHECK(memcmp(hdr, want, sizeof(hdr)) == 0);
	ATF_REQUIRE_EQ(ike_relay_decode(want, sizeof(want), &d), 0);
	same_rec(&r, &d);
	ATF_CHECK_EQ(d.local.plen, 32);
	ATF_CHECK_EQ(d.remote.scope, 0);
	ATF_CHECK_EQ(ike_relay_payload(d.payload, d.len), IKE_RELAY_IKE);
	roundtrip(want, sizeof(want));
}

ATF_TC_WITHOUT_HEAD(golden_v6);
ATF_TC_BODY(golden_v6, tc)
{
	static const uint8_t want[] = {
		1, 6, 0, 0, 0, 0, 0, 4,
		0x11, 0x94, 0x11, 0x94,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a, 0xbc,
		0, 0, 0, 0
	};
	struct ike_relay_rec r, d;
	static const uint8_t marker[4];

	memset(&r, 0, sizeof(r));
	r.local = addr("2001:db8::1", 4500);
	r.remote = addr("2001:db8::abc", 4500);
	r.payload = marker;
	r.len = sizeof(marker);
	ATF_REQUIRE_EQ(enc(&r), sizeof(want));
	ATF_CHECK(memcmp(big, want, sizeof(want)) == 0);
	ATF_REQUIRE_EQ(ike_relay_decode(want, sizeof(want), &d), 0);
	same_rec(&r, &d);
	ATF_CHECK_EQ(d.local.plen, 128);
	roundtrip(want, sizeof(want));
}

ATF_TC_WITHOUT_HEAD(roundtrip_kinds);
ATF_TC_BODY(roundtrip_kinds, tc)
{
	struct ike_relay_rec r, d;
	static const uint8_t ka = IKE_RELAY_KEEPALIVE;
	size_t n;

	/* A keepalive, and the unspecified local address of both kinds. */
	r = rec4();
	r.local = addr("0.0.0.0", 4500);
	r.payload = &ka;
	r.len = 1;
	n = enc(&r);
	ATF_REQUIRE_EQ(ike_relay_decode(big, n, &d), 0);
	same_rec(&r, &d);
	ATF_CHECK_EQ(ike_relay_payload(d.payload, d.len), IKE_RELAY_NATKA);
	roundtrip(big, n);

	r.local = addr("::", 500);
	r.remote = addr("2001:db8:1::2", 65535);
	n = enc(&r);
	roundtrip(big, n);

	/* The largest datagram of each family, and loopback peers. */
	memset(pay, 0xa5, sizeof(pay));
	memset(pay, 0, 4);
	r = rec4();
	r.remote = addr("127.0.0.1", 1);
	r.payload = pay;
	r.len = IKE_RELAY_MAX4;
	n = enc(&r);
	ATF_CHECK_EQ(n, IKE_RELAY_HDRLEN + IKE_RELAY_MAX4);
	roundtrip(big, n);
	r.local = addr("::1", 4500);
	r.remote = addr("::1", 4500);
	r.len = IKE_RELAY_MAX6;
	n = enc(&r);
	ATF_CHECK_EQ(n, IKE_RELAY_MAXREC);
	roundtrip(big, n);

	/* The payload already in place after the header (moved onto itself). */
	r = rec4();
	memcpy(big + IKE_RELAY_HDRLEN, r.payload, r.len);
	r.payload = big + IKE_RELAY_HDRLEN;
	ATF_REQUIRE_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    (long)(IKE_RELAY_HDRLEN + 12));
	ATF_REQUIRE_EQ(ike_relay_decode(big, IKE_RELAY_HDRLEN + 12, &d), 0);
	ATF_CHECK_EQ(d.payload[4], 0x11);
	ATF_CHECK_EQ(d.payload[11], 0x88);
	/* And overlapping the header: moved first, then the header. */
	memcpy(big, "\0\0\0\0\x11\x22\x33\x44\x55\x66\x77\x88", 12);
	r.payload = big;
	ATF_REQUIRE_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    (long)(IKE_RELAY_HDRLEN + 12));
	ATF_REQUIRE_EQ(ike_relay_decode(big, IKE_RELAY_HDRLEN + 12, &d), 0);
	ATF_CHECK(memcmp(d.payload, "\0\0\0\0\x11\x22\x33\x44\x55\x66\x77\x88",
	    12) == 0);
}

/* A copy of the golden record with one byte changed, decoded. */
static int
poke(size_t off, uint8_t v)
{
	struct ike_relay_rec r = rec4(), d;
	size_t n = enc(&r);

	big[off] = v;
	return (ike_relay_decode(big, n, &d));
}

/* Set a 16-byte address field (offset off) of the golden record. */
static int
poke_addr(size_t off, const char *s)
{
	struct ike_relay_rec r = rec4(), d;
	struct sad_addr a = addr(s, 0);
	size_t n;

	if (a.af == AF_INET6) {
		r.local = addr("2001:db8::1", 4500);
		r.remote = addr("2001:db8::2", 4500);
	}
	n = enc(&r);
	memcpy(big + off, a.a.b, 16);
	if (a.af == AF_INET)
		memset(big + off + 4, 0, 12);
	return (ike_relay_decode(big, n, &d));
}

ATF_TC_WITHOUT_HEAD(malformed_header);
ATF_TC_BODY(malformed_header, tc)
{
	struct ike_relay_rec r = rec4(), d;
	size_t n = enc(&r), k;

	/* Every length short of the header. */
	for (k = 0; k < IKE_RELAY_HDRLEN; k++)
		ATF_CHECK_EQ(ike_relay_decode(big, k, &d), IKE_RELAY_ESHORT);
	ATF_CHECK_EQ(ike_relay_decode(NULL, n, &d), IKE_RELAY_ESHORT);
	/* On failure the record is zeroed. */
	ATF_CHECK(d.payload == NULL && d.len == 0 && d.local.af == 0);

	ATF_CHECK_EQ(poke(0, 0), IKE_RELAY_EVERSION);
	ATF_CHECK_EQ(poke(0, 2), IKE_RELAY_EVERSION);
	ATF_CHECK_EQ(poke(0, 0xff), IKE_RELAY_EVERSION);
	ATF_CHECK_EQ(poke(0, 1), 0);			/* control */

	ATF_CHECK_EQ(poke(1, 0), IKE_RELAY_EFAMILY);
	ATF_CHECK_EQ(poke(1, 2), IKE_RELAY_EFAMILY);	/* AF_INET */
	ATF_CHECK_EQ(poke(1, 10), IKE_RELAY_EFAMILY);	/* AF_INET6 */
	ATF_CHECK_EQ(poke(1, 5), IKE_RELAY_EFAMILY);
	ATF_CHECK_EQ(poke(1, 4), 0);

	ATF_CHECK_EQ(poke(2, 0x80), IKE_RELAY_ERESERVED);
	ATF_CHECK_EQ(poke(3, 0x01), IKE_RELAY_ERESERVED);
	/* IPv4 address padding, local and remote, first and last byte. */
	ATF_CHECK_EQ(poke(12 + 4, 1), IKE_RELAY_ERESERVED);
	ATF_CHECK_EQ(poke(12 + 15, 1), IKE_RELAY_ERESERVED);
	ATF_CHECK_EQ(poke(28 + 4, 1), IKE_RELAY_ERESERVED);
	ATF_CHECK_EQ(poke(28 + 15, 0x80), IKE_RELAY_ERESERVED);

	/* The payload length: one more, one less, huge; the record longer. */
	ATF_CHECK_EQ(poke(7, 13), IKE_RELAY_ELENGTH);
	ATF_CHECK_EQ(poke(7, 11), IKE_RELAY_ELENGTH);
	ATF_CHECK_EQ(poke(4, 0x80), IKE_RELAY_ELENGTH);
	ATF_CHECK_EQ(poke(7, 0), IKE_RELAY_ELENGTH);
	n = enc(&r);
	ATF_CHECK_EQ(ike_relay_decode(big, n + 1, &d), IKE_RELAY_ELENGTH);
	ATF_CHECK_EQ(ike_relay_decode(big, n - 1, &d), IKE_RELAY_ELENGTH);
	ATF_CHECK_EQ(ike_relay_decode(big, n, &d), 0);

	/* Ports 0. */
	ATF_CHECK_EQ(poke(8, 0), 0);		/* 0x0094: a port */
	n = enc(&r);
	big[8] = big[9] = 0;
	ATF_CHECK_EQ(ike_relay_decode(big, n, &d), IKE_RELAY_EPORT);
	n = enc(&r);
	big[10] = big[11] = 0;
	ATF_CHECK_EQ(ike_relay_decode(big, n, &d), IKE_RELAY_EPORT);
}

ATF_TC_WITHOUT_HEAD(malformed_size);
ATF_TC_BODY(malformed_size, tc)
{
	struct ike_relay_rec r = rec4(), d;
	size_t n;

	memset(pay, 0, sizeof(pay));
	r.payload = pay;
	/* IPv4: 65507 fits, 65508 does not; IPv6: 65527 and 65528. */
	r.len = IKE_RELAY_MAX4;
	n = enc(&r);
	ATF_CHECK_EQ(ike_relay_decode(big, n, &d), 0);
	big[4] = 0;
	big[5] = 0;
	big[6] = (uint8_t)((IKE_RELAY_MAX4 + 1) >> 8);
	big[7] = (uint8_t)(IKE_RELAY_MAX4 + 1);
	memset(big + n, 0, 1);
	ATF_CHECK_EQ(ike_relay_decode(big, n + 1, &d), IKE_RELAY_ETOOBIG);
	r.len = IKE_RELAY_MAX4 + 1;
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_ETOOBIG);

	r.local = addr("2001:db8::1", 4500);
	r.remote = addr("2001:db8::2", 4500);
	r.len = IKE_RELAY_MAX6;
	n = enc(&r);
	ATF_CHECK_EQ(ike_relay_decode(big, n, &d), 0);
	big[6] = (uint8_t)((IKE_RELAY_MAX6 + 1) >> 8);
	big[7] = (uint8_t)(IKE_RELAY_MAX6 + 1);
	ATF_CHECK_EQ(ike_relay_decode(big, n + 1, &d), IKE_RELAY_ETOOBIG);
	r.len = IKE_RELAY_MAX6 + 1;
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_ETOOBIG);
	r.len = (size_t)1 << 40;
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_ETOOBIG);
}

ATF_TC_WITHOUT_HEAD(malformed_addresses);
ATF_TC_BODY(malformed_addresses, tc)
{
	static const char *const bad[] = {
		"0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250",
		"240.0.0.1", "255.255.255.255",
		"::", "ff02::1", "ff0e::5", "fe80::1", "febf::1",
		"::ffff:192.0.2.1",
	};
	static const char *const good[] = {
		"1.0.0.0", "10.0.0.1", "127.0.0.1", "223.255.255.254",
		"::1", "fec0::1", "2001:db8::1", "fd00::2", "::192.0.2.1",
	};
	size_t i;

	for (i = 0; i < nitems(bad); i++) {
		ATF_CHECK_EQ_MSG(poke_addr(28, bad[i]), IKE_RELAY_EREMOTE,
		    "remote %s", bad[i]);
		/* The local end may be unspecified, nothing else of these. */
		if (strcmp(bad[i], "0.0.0.0") == 0 || strcmp(bad[i], "::") == 0)
			ATF_CHECK_EQ_MSG(poke_addr(12, bad[i]), 0, "local %s",
			    bad[i]);
		else
			ATF_CHECK_EQ_MSG(poke_addr(12, bad[i]),
			    IKE_RELAY_ELOCAL, "local %s", bad[i]);
	}
	for (i = 0; i < nitems(good); i++) {
		ATF_CHECK_EQ_MSG(poke_addr(28, good[i]), 0, "remote %s",
		    good[i]);
		ATF_CHECK_EQ_MSG(poke_addr(12, good[i]), 0, "local %s",
		    good[i]);
	}
}

ATF_TC_WITHOUT_HEAD(malformed_payload);
ATF_TC_BODY(malformed_payload, tc)
{
	static const struct {
		const char	*hex;
		int		 want;
	} cases[] = {
		{ "", IKE_RELAY_EPAYLOAD },
		{ "00", IKE_RELAY_EPAYLOAD },
		{ "000000", IKE_RELAY_EPAYLOAD },
		{ "fe", IKE_RELAY_EPAYLOAD },
		{ "ffff", IKE_RELAY_EPAYLOAD },
		{ "ff000000", IKE_RELAY_EPAYLOAD },
		{ "00000001aabbccdd", IKE_RELAY_EPAYLOAD },	/* ESP */
		{ "0000100100000001", IKE_RELAY_EPAYLOAD },
		{ "01000000", IKE_RELAY_EPAYLOAD },
		{ "ff", 0 },
		{ "00000000", 0 },
		{ "00000000ff", 0 },
	};
	struct ike_relay_rec r = rec4(), d;
	uint8_t p[16];
	size_t i, k, n;
	unsigned v;
	long rc;

	for (i = 0; i < nitems(cases); i++) {
		n = strlen(cases[i].hex) / 2;
		for (k = 0; k < n; k++) {
			ATF_REQUIRE(sscanf(cases[i].hex + 2 * k, "%2x",
			    &v) == 1);
			p[k] = (uint8_t)v;
		}
		r.payload = p;
		r.len = n;
		rc = ike_relay_encode(&r, big, sizeof(big));
		if (cases[i].want != 0) {
			ATF_CHECK_EQ_MSG(rc, cases[i].want, "encode %s",
			    cases[i].hex);
			/* Made by hand: the decoder refuses it as well. */
			r.payload = (const uint8_t *)"\0\0\0\0";
			r.len = 4;
			ATF_REQUIRE(enc(&r) == IKE_RELAY_HDRLEN + 4);
			big[7] = (uint8_t)n;
			memcpy(big + IKE_RELAY_HDRLEN, p, n);
			ATF_CHECK_EQ_MSG(ike_relay_decode(big,
			    IKE_RELAY_HDRLEN + n, &d), cases[i].want,
			    "decode %s", cases[i].hex);
		} else {
			ATF_CHECK_EQ_MSG(rc, (long)(IKE_RELAY_HDRLEN + n),
			    "encode %s", cases[i].hex);
			ATF_CHECK_EQ_MSG(ike_relay_decode(big, (size_t)rc,
			    &d), 0, "decode %s", cases[i].hex);
		}
	}
	r.payload = NULL;
	r.len = 4;
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_EPAYLOAD);
}

ATF_TC_WITHOUT_HEAD(encode_refusals);
ATF_TC_BODY(encode_refusals, tc)
{
	struct ike_relay_rec r = rec4();
	uint8_t hdr[IKE_RELAY_HDRLEN], keep[IKE_RELAY_HDRLEN];

	/* Families: mixed, unknown. */
	r.local = addr("2001:db8::1", 4500);
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_EFAMILY);
	r = rec4();
	r.local.af = r.remote.af = AF_UNSPEC;
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_EFAMILY);
	r = rec4();
	r.remote.port = 0;
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)), IKE_RELAY_EPORT);
	r = rec4();
	r.local = addr("224.0.0.5", 4500);
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_ELOCAL);
	r = rec4();
	r.remote = addr("fe80::1", 4500);
	r.local = addr("::", 4500);
	ATF_CHECK_EQ(ike_relay_encode(&r, big, sizeof(big)),
	    IKE_RELAY_EREMOTE);
	/* Room: one byte short, exactly enough. */
	r = rec4();
	ATF_CHECK_EQ(ike_relay_encode(&r, big, IKE_RELAY_HDRLEN + 11),
	    IKE_RELAY_ENOSPC);
	ATF_CHECK_EQ(ike_relay_encode(&r, big, 3), IKE_RELAY_ENOSPC);
	ATF_CHECK_EQ(ike_relay_encode(&r, big, IKE_RELAY_HDRLEN + 12),
	    (long)(IKE_RELAY_HDRLEN + 12));
	/* A refused header leaves the buffer alone. */
	memset(hdr, 0x5a, sizeof(hdr));
	memcpy(keep, hdr, sizeof(hdr));
	r.remote.port = 0;
	ATF_CHECK_EQ(ike_relay_encode_hdr(&r, hdr), IKE_RELAY_EPORT);
	ATF_CHECK(memcmp(hdr, keep, sizeof(hdr)) == 0);
	/* Every code has its own sentence. */
	ATF_CHECK(strcmp(ike_relay_strerror(IKE_RELAY_ELENGTH),
	    ike_relay_strerror(IKE_RELAY_ETOOBIG)) != 0);
	ATF_CHECK_STREQ(ike_relay_strerror(IKE_RELAY_EMAX), "unknown error");
	ATF_CHECK_STREQ(ike_relay_strerror(1), "unknown error");
}

/*
 * Every single-bit change of a v4 and a v6 record, and every truncation:
 * refused, or (where the change is still a valid record) decoding to a
 * record that encodes back to exactly the changed bytes.
 */
ATF_TC_WITHOUT_HEAD(bitflips);
ATF_TC_BODY(bitflips, tc)
{
	struct ike_relay_rec r, d;
	static uint8_t orig[IKE_RELAY_HDRLEN + 32], again[sizeof(orig)];
	size_t n, i, acc = 0, ref = 0;
	int bit, pass, rc;
	long m;

	for (pass = 0; pass < 2; pass++) {
		r = rec4();
		if (pass == 1) {
			r.local = addr("2001:db8::1", 4500);
			r.remote = addr("2001:db8::99", 4501);
		}
		n = enc(&r);
		ATF_REQUIRE(n <= sizeof(orig));
		memcpy(orig, big, n);
		for (i = 0; i < n; i++) {
			for (bit = 0; bit < 8; bit++) {
				orig[i] ^= (uint8_t)(1 << bit);
				rc = ike_relay_decode(orig, n, &d);
				if (rc == 0) {
					acc++;
					m = ike_relay_encode(&d, again,
					    sizeof(again));
					ATF_REQUIRE_EQ(m, (long)n);
					ATF_REQUIRE(memcmp(again, orig, n) == 0);
				} else {
					ref++;
					ATF_REQUIRE(rc < 0 &&
					    rc > IKE_RELAY_EMAX);
				}
				orig[i] ^= (uint8_t)(1 << bit);
			}
		}
		for (i = 0; i < n; i++)
			ATF_CHECK(ike_relay_decode(orig, i, &d) != 0);
		ATF_CHECK_EQ(ike_relay_decode(orig, n, &d), 0);
	}
	/* Both happen: address and payload bits, and structural ones. */
	ATF_CHECK(acc > 100);
	ATF_CHECK(ref > 100);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, golden_v4);
	ATF_TP_ADD_TC(tp, golden_v6);
	ATF_TP_ADD_TC(tp, roundtrip_kinds);
	ATF_TP_ADD_TC(tp, malformed_header);
	ATF_TP_ADD_TC(tp, malformed_size);
	ATF_TP_ADD_TC(tp, malformed_addresses);
	ATF_TP_ADD_TC(tp, malformed_payload);
	ATF_TP_ADD_TC(tp, encode_refusals);
	ATF_TP_ADD_TC(tp, bitflips);
	return (atf_no_error());
}
