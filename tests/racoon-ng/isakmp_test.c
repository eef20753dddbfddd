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
 * ISAKMP codec tests (racoon-ng/libike/isakmp*.c): constants and names,
 * vendor IDs against MD5 of their strings, the header and payload chain
 * checks, every payload type through the encoder and back, every class of
 * malformed input with the notify and the offset the decoder must give,
 * a published message (DrayTek's FAQ log) and a charon-style main mode
 * message built by hand byte by byte, the encoder's bounds, truncation
 * and bit-flip loops, and tshark as an independent dissector.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "isakmp.h"

static const uint8_t icookie[8] = { 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f,
    0x70, 0x81 };
static const uint8_t rcookie[8] = { 0x92, 0xa3, 0xb4, 0xc5, 0xd6, 0xe7,
    0xf8, 0x09 };

static void
hdr_make(struct isakmp_hdr *h, uint8_t etype, uint8_t flags, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, icookie, 8);
	memcpy(h->rcookie, rcookie, 8);
	h->version = ISAKMP_VERSION_IKEV1;
	h->etype = etype;
	h->flags = flags;
	h->msgid = msgid;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Parses hex (spaces and newlines ignored) into out; returns the length. */
static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			v = *s - 'A' + 10;
		else
			continue;
		if (hi == -1)
			hi = v;
		else {
			ATF_REQUIRE(n < cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	ATF_REQUIRE(hi == -1);
	return (n);
}

/* Finishes b and copies the message out (so b can be reused or freed). */
static size_t
finish(struct isakmp_buf *b, uint8_t *out, size_t cap)
{
	const uint8_t *p;
	size_t len;

	ATF_REQUIRE_EQ_MSG(isakmp_buf_finish(b, &p, &len), 0, "error %d",
	    b->error);
	ATF_REQUIRE(len <= cap);
	memcpy(out, p, len);
	return (len);
}

/*
 * Re-encodes every payload of a decoded clear message through the typed
 * decoders and writers; the result must be the input, byte for byte.
 */
static void
check_reencode(const uint8_t *m, size_t len)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_buf b;
	const uint8_t *p;
	size_t i, n;

	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, &err), 0, "%s at %zu",
	    err.what, err.offset);
	isakmp_buf_alloc(&b, 0);
	ATF_REQUIRE_EQ(isakmp_put_header(&b, &msg.hdr), 0);
	for (i = 0; i < msg.npl; i++)
		ATF_REQUIRE_EQ_MSG(isakmp_put_payload(&b, &msg.pl[i], &err), 0,
		    "payload %zu: %s", i, err.what);
	ATF_REQUIRE_EQ(isakmp_buf_finish(&b, &p, &n), 0);
	ATF_CHECK_EQ(n, len);
	ATF_CHECK(n == len && memcmp(p, m, len) == 0);
	isakmp_buf_free(&b);
}

#define CHECK_FAIL(rv, err, want_notify, want_off) do {			\
	ATF_CHECK_EQ_MSG((rv), -1, "accepted, expected %s",		\
	    isakmp_notify_name(want_notify));				\
	if ((rv) == -1) {						\
		ATF_CHECK_EQ_MSG((err).notify, (want_notify),		\
		    "notify %u (%s), want %u", (err).notify,		\
		    (err).what, (want_notify));				\
		ATF_CHECK_EQ_MSG((err).offset, (size_t)(want_off),	\
		    "offset %zu (%s), want %zu", (err).offset,		\
		    (err).what, (size_t)(want_off));			\
	}								\
} while (0)

/* ---------------------------------------------------------------- tests */

ATF_TC_WITHOUT_HEAD(constants);
ATF_TC_BODY(constants, tc)
{
	/* A sample of numbers from the RFCs and IANA, against typos. */
	ATF_CHECK_EQ(ISAKMP_ETYPE_IDPROT, 2);
	ATF_CHECK_EQ(ISAKMP_ETYPE_AGGRESSIVE, 4);
	ATF_CHECK_EQ(ISAKMP_ETYPE_INFO, 5);
	ATF_CHECK_EQ(ISAKMP_ETYPE_TRANSACTION, 6);
	ATF_CHECK_EQ(ISAKMP_ETYPE_QUICK, 32);
	ATF_CHECK_EQ(ISAKMP_NPTYPE_NATD, 20);
	ATF_CHECK_EQ(ISAKMP_NPTYPE_NATOA, 21);
	ATF_CHECK_EQ(ISAKMP_NPTYPE_FRAG, 132);
	ATF_CHECK_EQ(ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN, 14);
	ATF_CHECK_EQ(ISAKMP_NTYPE_PAYLOAD_MALFORMED, 16);
	ATF_CHECK_EQ(ISAKMP_NTYPE_INVALID_ID_INFORMATION, 18);
	ATF_CHECK_EQ(ISAKMP_NTYPE_AUTHENTICATION_FAILED, 24);
	ATF_CHECK_EQ(ISAKMP_NTYPE_INITIAL_CONTACT, 24578);
	ATF_CHECK_EQ(ISAKMP_NTYPE_RESPONDER_LIFETIME, 24576);
	ATF_CHECK_EQ(ISAKMP_NTYPE_REPLAY_STATUS, 24577);
	ATF_CHECK_EQ(ISAKMP_NTYPE_R_U_THERE, 36136);
	ATF_CHECK_EQ(ISAKMP_NTYPE_R_U_THERE_ACK, 36137);
	ATF_CHECK_EQ(IPSEC_ESP_AES_GCM_16, 20);
	ATF_CHECK_EQ(IPSEC_AH_SHA2_256, 5);
	ATF_CHECK_EQ(IPSEC_ENCMODE_UDP_TUNNEL, 3);
	ATF_CHECK_EQ(IPSEC_ENCMODE_UDP_TRANSPORT_DRAFT, 61444);
	ATF_CHECK_EQ(IPSEC_ATTR_ESN, 11);
	ATF_CHECK_EQ(IPSEC_ID_DER_ASN1_DN, 9);
	ATF_CHECK_EQ(ISAKMP_CERT_X509_SIGN, 4);
	ATF_CHECK_EQ(ISAKMP_CERT_CRL, 7);
	ATF_CHECK_EQ(OAKLEY_ATTR_KEY_LEN, 14);
	ATF_CHECK_EQ(OAKLEY_GROUP_MODP2048, 14);
}

ATF_TC_WITHOUT_HEAD(names);
ATF_TC_BODY(names, tc)
{
	ATF_CHECK_STREQ(isakmp_etype_name(ISAKMP_ETYPE_QUICK), "Quick Mode");
	ATF_CHECK_STREQ(isakmp_payload_name(ISAKMP_NPTYPE_NATD), "NAT-D");
	ATF_CHECK_STREQ(isakmp_payload_name(ISAKMP_NPTYPE_FRAG), "Fragment");
	ATF_CHECK_STREQ(isakmp_notify_name(14), "NO-PROPOSAL-CHOSEN");
	ATF_CHECK_STREQ(isakmp_notify_name(36136), "R-U-THERE");
	ATF_CHECK_STREQ(isakmp_proto_name(ISAKMP_PROTO_ESP), "ESP");
	ATF_CHECK_STREQ(isakmp_xform_name(ISAKMP_PROTO_ESP, 20),
	    "ESP_AES-GCM_16");
	ATF_CHECK_STREQ(isakmp_xform_name(ISAKMP_PROTO_AH, 3), "AH_SHA");
	ATF_CHECK_STREQ(isakmp_xform_name(ISAKMP_PROTO_ISAKMP, 1), "KEY_IKE");
	ATF_CHECK_STREQ(isakmp_idtype_name(IPSEC_ID_USER_FQDN), "USER_FQDN");
	ATF_CHECK_STREQ(isakmp_cert_name(ISAKMP_CERT_CRL),
	    "Certificate Revocation List");
	ATF_CHECK_STREQ(isakmp_attr_name(ISAKMP_ATTRS_PHASE1, 14),
	    "Key Length");
	ATF_CHECK_STREQ(isakmp_attr_name(ISAKMP_ATTRS_PHASE2, 4),
	    "Encapsulation Mode");
	ATF_CHECK_STREQ(isakmp_attr_value_name(ISAKMP_ATTRS_PHASE1, 4, 14),
	    "modp2048");
	ATF_CHECK_STREQ(isakmp_attr_value_name(ISAKMP_ATTRS_PHASE2, 4, 61443),
	    "UDP-Encapsulated-Tunnel (draft)");
	/* Unknown values have no name. */
	ATF_CHECK(isakmp_etype_name(99) == NULL);
	ATF_CHECK(isakmp_notify_name(9999) == NULL);
	ATF_CHECK(isakmp_xform_name(ISAKMP_PROTO_ISAKMP, 2) == NULL);
	ATF_CHECK(isakmp_xform_name(9, 1) == NULL);
	ATF_CHECK(isakmp_attr_value_name(ISAKMP_ATTRS_PHASE1, 1, 99) == NULL);
	ATF_CHECK(isakmp_attr_value_name(ISAKMP_ATTRS_PHASE1, 1,
	    (1ULL << 32) + 7) == NULL);
}

static void
md5(const char *s, size_t len, uint8_t out[16])
{
	unsigned int n = 0;

	ATF_REQUIRE(EVP_Digest(s, len, out, &n, EVP_md5(), NULL) == 1);
	ATF_REQUIRE_EQ(n, 16);
}

ATF_TC_WITHOUT_HEAD(vendor_ids);
ATF_TC_BODY(vendor_ids, tc)
{
	static const struct {
		const char		*s;
		enum isakmp_vendor	 v;
	} md5vids[] = {
		{ "RFC 3947", ISAKMP_VID_NATT_RFC3947 },
		{ "draft-ietf-ipsec-nat-t-ike-02", ISAKMP_VID_NATT_DRAFT_02 },
		{ "draft-ietf-ipsec-nat-t-ike-02\n",
		    ISAKMP_VID_NATT_DRAFT_02N },
		{ "draft-ietf-ipsec-nat-t-ike-03", ISAKMP_VID_NATT_DRAFT_03 },
		{ "draft-ietf-ipsec-nat-t-ike-04", ISAKMP_VID_NATT_DRAFT_04 },
		{ "draft-ietf-ipsec-nat-t-ike-05", ISAKMP_VID_NATT_DRAFT_05 },
		{ "draft-ietf-ipsec-nat-t-ike-06", ISAKMP_VID_NATT_DRAFT_06 },
		{ "draft-ietf-ipsec-nat-t-ike-07", ISAKMP_VID_NATT_DRAFT_07 },
		{ "draft-ietf-ipsec-nat-t-ike-08", ISAKMP_VID_NATT_DRAFT_08 },
		{ "strongSwan", ISAKMP_VID_STRONGSWAN },
		{ "KAME/racoon", ISAKMP_VID_RACOON },
	};
	/* RFC 3706 section 7, verbatim. */
	static const uint8_t dpd[16] = { 0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1,
	    0xf1, 0xc9, 0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00 };
	uint8_t h[20], bad[20];
	const uint8_t *p;
	uint32_t extra;
	size_t i, n;

	for (i = 0; i < sizeof(md5vids) / sizeof(md5vids[0]); i++) {
		md5(md5vids[i].s, strlen(md5vids[i].s), h);
		ATF_CHECK_EQ_MSG(isakmp_vid_match(h, 16, &extra), md5vids[i].v,
		    "MD5(\"%s\") not recognised", md5vids[i].s);
		p = isakmp_vid_bytes(md5vids[i].v, &n);
		ATF_CHECK(p != NULL && n == 16 && memcmp(p, h, 16) == 0);
		/* Negative controls: one bit off, one byte short. */
		memcpy(bad, h, 16);
		bad[7] ^= 0x10;
		ATF_CHECK_EQ(isakmp_vid_match(bad, 16, NULL),
		    ISAKMP_VID_UNKNOWN);
		ATF_CHECK_EQ(isakmp_vid_match(h, 15, NULL), ISAKMP_VID_UNKNOWN);
	}

	/* FRAGMENTATION: MD5 alone or with a capability word. */
	md5("FRAGMENTATION", 13, h);
	ATF_CHECK_EQ(isakmp_vid_match(h, 16, &extra), ISAKMP_VID_FRAG);
	ATF_CHECK_EQ(extra, 0);
	h[16] = 0xc0; h[17] = h[18] = h[19] = 0;
	ATF_CHECK_EQ(isakmp_vid_match(h, 20, &extra), ISAKMP_VID_FRAG);
	ATF_CHECK_EQ(extra, ISAKMP_FRAG_CAP_IKE | ISAKMP_FRAG_CAP_BASE);
	p = isakmp_vid_bytes(ISAKMP_VID_FRAG, &n);
	ATF_CHECK(n == 20 && memcmp(p, h, 16) == 0 && p[16] == 0x80);
	ATF_CHECK_EQ(isakmp_vid_match(h, 18, NULL), ISAKMP_VID_UNKNOWN);

	/* XAuth: the first 8 bytes of MD5 of the draft's file name. */
	md5("draft-ietf-ipsra-isakmp-xauth-06.txt", 36, h);
	ATF_CHECK_EQ(isakmp_vid_match(h, 8, NULL), ISAKMP_VID_XAUTH);
	ATF_CHECK_EQ(isakmp_vid_match(h, 16, NULL), ISAKMP_VID_UNKNOWN);

	/* DPD with its version, and another version. */
	ATF_CHECK_EQ(isakmp_vid_match(dpd, 16, &extra), ISAKMP_VID_DPD);
	ATF_CHECK_EQ(extra, 0x0100);
	memcpy(bad, dpd, 16);
	bad[15] = 0x02;
	ATF_CHECK_EQ(isakmp_vid_match(bad, 16, &extra), ISAKMP_VID_DPD);
	ATF_CHECK_EQ(extra, 0x0102);
	bad[13] ^= 1;
	ATF_CHECK_EQ(isakmp_vid_match(bad, 16, NULL), ISAKMP_VID_UNKNOWN);

	/* Cisco Unity: MD5("CISCO-UNITY") with the last two bytes 01 00. */
	md5("CISCO-UNITY", 11, h);
	h[14] = 0x01;
	h[15] = 0x00;
	ATF_CHECK_EQ(isakmp_vid_match(h, 16, &extra), ISAKMP_VID_UNITY);
	ATF_CHECK_EQ(extra, 0x0100);

	/* Windows: MD5("MS NT5 ISAKMPOAKLEY") and a version word. */
	md5("MS NT5 ISAKMPOAKLEY", 19, h);
	put32(h + 16, 9);
	ATF_CHECK_EQ(isakmp_vid_match(h, 20, &extra), ISAKMP_VID_MS_NT5);
	ATF_CHECK_EQ(extra, 9);
	ATF_CHECK_EQ(isakmp_vid_match(h, 16, NULL), ISAKMP_VID_UNKNOWN);
	ATF_CHECK_STREQ(isakmp_vid_name(ISAKMP_VID_NATT_RFC3947),
	    "RFC 3947 NAT-T");
}

/* A message with one VID payload, the base of the header tests. */
static size_t
mk_vid_msg(uint8_t *out, size_t cap)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	uint8_t mem[256];

	hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	isakmp_put_data(&b, ISAKMP_NPTYPE_VID, "vendor", 6);
	return (finish(&b, out, cap));
}

ATF_TC_WITHOUT_HEAD(header);
ATF_TC_BODY(header, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_hdr h, h2;
	uint8_t m[256], t[256];
	size_t len;
	int i;

	len = mk_vid_msg(m, sizeof(m));
	ATF_REQUIRE_EQ(len, 38);
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	ATF_CHECK(memcmp(msg.hdr.icookie, icookie, 8) == 0);
	ATF_CHECK(memcmp(msg.hdr.rcookie, rcookie, 8) == 0);
	ATF_CHECK_EQ(msg.hdr.np, ISAKMP_NPTYPE_VID);
	ATF_CHECK_EQ(msg.hdr.version, 0x10);
	ATF_CHECK_EQ(msg.hdr.etype, ISAKMP_ETYPE_IDPROT);
	ATF_CHECK_EQ(msg.hdr.len, 38);
	ATF_CHECK_EQ(msg.npl, 1);
	ATF_CHECK_EQ(msg.count[ISAKMP_NPTYPE_VID], 1);
	ATF_CHECK_EQ(msg.pl[0].offset, 28);
	ATF_CHECK_EQ(msg.pl[0].len, 6);
	ATF_CHECK(isakmp_msg_find(&msg, ISAKMP_NPTYPE_VID) == &msg.pl[0]);
	ATF_CHECK(isakmp_msg_find(&msg, ISAKMP_NPTYPE_SA) == NULL);
	ATF_CHECK(isakmp_msg_find_nth(&msg, ISAKMP_NPTYPE_VID, 1) == NULL);

	/* Header encode/decode are inverses. */
	hdr_make(&h, ISAKMP_ETYPE_QUICK, ISAKMP_FLAG_E | ISAKMP_FLAG_C,
	    0xdeadbeef);
	h.np = 8;
	h.len = 28;
	isakmp_hdr_encode(&h, t);
	ATF_REQUIRE_EQ(isakmp_hdr_decode(&h2, t, 28, &err), 0);
	ATF_CHECK(memcmp(&h, &h2, sizeof(h)) == 0);

	/* Short: nothing, 27 bytes. */
	CHECK_FAIL(isakmp_decode(&msg, m, 0, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 0);
	CHECK_FAIL(isakmp_decode(&msg, m, 27, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 0);
	/* Length field disagrees with the datagram, both ways. */
	CHECK_FAIL(isakmp_decode(&msg, m, len - 1, &err), err,
	    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 24);
	memcpy(t, m, len);
	t[len] = 0;
	CHECK_FAIL(isakmp_decode(&msg, t, len + 1, &err), err,
	    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 24);
	/* A huge length field. */
	memcpy(t, m, len);
	put32(t + 24, 0xffffffff);
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 24);
	/* Versions: 2.0 (IKEv2) and 1.1. */
	memcpy(t, m, len);
	t[17] = 0x20;
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_INVALID_MAJOR_VERSION, 17);
	ATF_CHECK_EQ(isakmp_hdr_decode(&h, t, len, &err), 0);
	t[17] = 0x11;
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_INVALID_MINOR_VERSION, 17);
	/* Flags: each undefined bit. */
	for (i = 3; i < 8; i++) {
		memcpy(t, m, len);
		t[19] = (uint8_t)(1U << i);
		CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
		    ISAKMP_NTYPE_INVALID_FLAGS, 19);
	}
	memcpy(t, m, len);
	t[19] = ISAKMP_FLAG_C | ISAKMP_FLAG_A;
	ATF_CHECK_EQ(isakmp_decode(&msg, t, len, &err), 0);
	/* Exchange types: NONE and 7-31 refused, 6, 32 and 255 passed. */
	memcpy(t, m, len);
	for (i = 0; i < 256; i++) {
		t[18] = (uint8_t)i;
		if (i == 0 || (i >= 7 && i <= 31))
			CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
			    ISAKMP_NTYPE_INVALID_EXCHANGE_TYPE, 18);
		else
			ATF_CHECK_EQ_MSG(isakmp_decode(&msg, t, len, &err), 0,
			    "exchange type %d", i);
	}
	/* A header alone, no payloads: valid (next payload NONE). */
	hdr_make(&h, ISAKMP_ETYPE_INFO, 0, 1);
	h.len = 28;
	isakmp_hdr_encode(&h, t);
	ATF_CHECK_EQ(isakmp_decode(&msg, t, 28, &err), 0);
	ATF_CHECK_EQ(msg.npl, 0);
}

ATF_TC_WITHOUT_HEAD(chain);
ATF_TC_BODY(chain, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_buf b;
	struct isakmp_hdr h;
	uint8_t m[2048], t[2048], mem[2048];
	size_t len;
	int i;

	/* VID(28, 10 bytes) NONCE(38, 12 bytes) VID(50, 8 bytes) = 58 */
	hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	isakmp_put_data(&b, ISAKMP_NPTYPE_VID, "abcdef", 6);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, "12345678", 8);
	isakmp_put_data(&b, ISAKMP_NPTYPE_VID, "wxyz", 4);
	len = finish(&b, m, sizeof(m));
	ATF_REQUIRE_EQ(len, 58);
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	ATF_CHECK_EQ(msg.npl, 3);
	ATF_CHECK_EQ(msg.pl[1].type, ISAKMP_NPTYPE_NONCE);
	ATF_CHECK_EQ(msg.pl[1].offset, 38);
	ATF_CHECK_EQ(msg.pl[2].offset, 50);
	ATF_CHECK_EQ(msg.count[ISAKMP_NPTYPE_VID], 2);
	ATF_CHECK(isakmp_msg_find_nth(&msg, ISAKMP_NPTYPE_VID, 1) ==
	    &msg.pl[2]);

	/* Payload length 0, 2, 3: below the generic header. */
	for (i = 0; i < 4; i++) {
		memcpy(t, m, len);
		put16(t + 40, (uint16_t)i);
		CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 38);
		ATF_CHECK_EQ(err.payload, ISAKMP_NPTYPE_NONCE);
	}
	/* Length 4 (empty body) is a valid chain, but then bytes remain. */
	memcpy(t, m, len);
	put16(t + 40, 4);
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 42);
	/* Beyond the message, by one and by a lot. */
	memcpy(t, m, len);
	put16(t + 52, 9);
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 50);
	put16(t + 52, 0xffff);
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 50);
	/* The chain ends early: bytes after the last payload. */
	memcpy(t, m, len);
	t[38] = ISAKMP_NPTYPE_NONE;
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 50);
	/* The chain promises more than there is. */
	memcpy(t, m, len);
	t[50] = ISAKMP_NPTYPE_VID;
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 58);
	/*
	 * Next payload types not allowed at the top: unknown, P, T, GDOI,
	 * private use, a fragment among other payloads.
	 */
	{
		static const uint8_t badtypes[] = { 2, 3, 15, 19, 22, 23, 99,
		    127, 128, 129, 132, 133, 255 };
		size_t k;

		for (k = 0; k < sizeof(badtypes); k++) {
			memcpy(t, m, len);
			t[38] = badtypes[k];
			CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
			    ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE, 50);
			ATF_CHECK_EQ(err.payload, badtypes[k]);
		}
		memcpy(t, m, len);
		t[16] = 99;
		CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
		    ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE, 28);
	}
	/* The draft NAT-D/NAT-OA numbers are payloads. */
	memcpy(t, m, len);
	t[38] = ISAKMP_NPTYPE_NATD_DRAFT;
	ATF_CHECK_EQ(isakmp_decode(&msg, t, len, &err), 0);
	ATF_CHECK_EQ(msg.pl[2].type, ISAKMP_NPTYPE_NATD_DRAFT);
	/* Reserved byte not zero. */
	memcpy(t, m, len);
	t[39] = 0x80;
	CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 39);

	/* ISAKMP_MAX_PAYLOADS payloads pass, one more does not. */
	for (i = 0; i < 2; i++) {
		size_t k, n = ISAKMP_MAX_PAYLOADS + (size_t)i;

		isakmp_buf_init(&b, mem, sizeof(mem));
		isakmp_put_header(&b, &h);
		for (k = 0; k < n; k++)
			isakmp_put_data(&b, ISAKMP_NPTYPE_VID, "v", 1);
		len = finish(&b, t, sizeof(t));
		if (i == 0) {
			ATF_CHECK_EQ(isakmp_decode(&msg, t, len, &err), 0);
			ATF_CHECK_EQ(msg.npl, ISAKMP_MAX_PAYLOADS);
		} else
			CHECK_FAIL(isakmp_decode(&msg, t, len, &err), err,
			    ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    28 + 5 * ISAKMP_MAX_PAYLOADS);
	}
}

/* ------------------------------------------------------------- SA specs */

struct tattr {
	uint16_t	 type;
	uint64_t	 val;
};
struct txf {
	uint8_t		 num, id;
	size_t		 nattr;
	struct tattr	 a[12];
};
struct tprop {
	uint8_t		 num, proto, spisize;
	uint8_t		 spi[4];
	size_t		 nxf;
	struct txf	 xf[4];
};

static void
put_spec(struct isakmp_buf *b, const struct tprop *p, size_t np)
{
	size_t i, j, k;

	isakmp_put_sa_begin(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	for (i = 0; i < np; i++) {
		isakmp_put_proposal_begin(b, p[i].num, p[i].proto, p[i].spi,
		    p[i].spisize);
		for (j = 0; j < p[i].nxf; j++) {
			isakmp_put_transform_begin(b, p[i].xf[j].num,
			    p[i].xf[j].id);
			for (k = 0; k < p[i].xf[j].nattr; k++)
				isakmp_put_attr(b, p[i].xf[j].a[k].type,
				    p[i].xf[j].a[k].val);
			isakmp_put_end(b);
		}
		isakmp_put_end(b);
	}
	isakmp_put_end(b);
}

/* Decodes the SA and compares it with the spec through the cursors. */
static void
check_spec(const struct isakmp_payload *pl, const struct tprop *p, size_t np)
{
	struct isakmp_sa sa;
	struct isakmp_proposal pr;
	struct isakmp_transform t;
	struct isakmp_attr a;
	struct isakmp_error err;
	size_t pc = 0, tc, ac, i, j, k;
	uint64_t v;

	ATF_REQUIRE_EQ_MSG(isakmp_decode_sa(pl, &sa, &err), 0, "%s at %zu",
	    err.what, err.offset);
	ATF_CHECK_EQ(sa.doi, ISAKMP_DOI_IPSEC);
	ATF_CHECK_EQ(sa.sit, IPSEC_SIT_IDENTITY_ONLY);
	ATF_CHECK_EQ(sa.nprops, np);
	for (i = 0; i < np; i++) {
		ATF_REQUIRE_EQ(isakmp_sa_next_proposal(&sa, &pc, &pr), 1);
		ATF_CHECK_EQ(pr.num, p[i].num);
		ATF_CHECK_EQ(pr.proto, p[i].proto);
		ATF_CHECK_EQ(pr.spisize, p[i].spisize);
		ATF_CHECK(memcmp(pr.spi, p[i].spi, p[i].spisize) == 0);
		ATF_CHECK_EQ(pr.ntransforms, p[i].nxf);
		tc = 0;
		for (j = 0; j < p[i].nxf; j++) {
			ATF_REQUIRE_EQ(isakmp_proposal_next_transform(&pr, &tc,
			    &t), 1);
			ATF_CHECK_EQ(t.num, p[i].xf[j].num);
			ATF_CHECK_EQ(t.id, p[i].xf[j].id);
			ATF_CHECK_EQ(t.nattrs, p[i].xf[j].nattr);
			ac = 0;
			for (k = 0; k < p[i].xf[j].nattr; k++) {
				ATF_REQUIRE_EQ(isakmp_transform_next_attr(&t,
				    &ac, &a), 1);
				ATF_CHECK_EQ(a.type, p[i].xf[j].a[k].type);
				ATF_CHECK_EQ(a.tv,
				    p[i].xf[j].a[k].val <= 0xffff);
				ATF_CHECK_EQ(isakmp_attr_uint(&a, &v), 0);
				ATF_CHECK_EQ(v, p[i].xf[j].a[k].val);
			}
			ATF_CHECK_EQ(isakmp_transform_next_attr(&t, &ac, &a),
			    0);
		}
		ATF_CHECK_EQ(isakmp_proposal_next_transform(&pr, &tc, &t), 0);
	}
	ATF_CHECK_EQ(isakmp_sa_next_proposal(&sa, &pc, &pr), 0);
}

/* Phase 1, two transforms, as charon offers (attribute order too). */
static const struct tprop p1spec[] = {
	{ 1, ISAKMP_PROTO_ISAKMP, 0, { 0 }, 2, {
	    { 1, ISAKMP_XFORM_KEY_IKE, 7, {
		{ OAKLEY_ATTR_ENC_ALG, OAKLEY_ENC_AES },
		{ OAKLEY_ATTR_KEY_LEN, 256 },
		{ OAKLEY_ATTR_HASH_ALG, OAKLEY_HASH_SHA2_256 },
		{ OAKLEY_ATTR_AUTH_METHOD, OAKLEY_AUTH_PSK },
		{ OAKLEY_ATTR_GRP_DESC, OAKLEY_GROUP_MODP2048 },
		{ OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_LIFE_SECONDS },
		{ OAKLEY_ATTR_SA_LD, 10800 } } },
	    { 2, ISAKMP_XFORM_KEY_IKE, 7, {
		{ OAKLEY_ATTR_ENC_ALG, OAKLEY_ENC_AES },
		{ OAKLEY_ATTR_KEY_LEN, 128 },
		{ OAKLEY_ATTR_HASH_ALG, OAKLEY_HASH_SHA },
		{ OAKLEY_ATTR_AUTH_METHOD, OAKLEY_AUTH_RSA_SIG },
		{ OAKLEY_ATTR_GRP_DESC, OAKLEY_GROUP_ECP256 },
		{ OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_LIFE_SECONDS },
		{ OAKLEY_ATTR_SA_LD, 86400 } } } } },
};

/* Phase 2: ESP+AH bundle (same number), then IPCOMP alone. */
static const struct tprop p2spec[] = {
	{ 1, ISAKMP_PROTO_ESP, 4, { 0xc0, 0x01, 0x02, 0x03 }, 2, {
	    { 1, IPSEC_ESP_AES_GCM_16, 7, {
		{ IPSEC_ATTR_SA_LD_TYPE, IPSEC_LIFE_SECONDS },
		{ IPSEC_ATTR_SA_LD, 3600 },
		{ IPSEC_ATTR_SA_LD_TYPE, IPSEC_LIFE_KILOBYTES },
		{ IPSEC_ATTR_SA_LD, 4608000 },
		{ IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_UDP_TUNNEL },
		{ IPSEC_ATTR_KEY_LENGTH, 256 },
		{ IPSEC_ATTR_ESN, IPSEC_ESN_USE } } },
	    { 2, IPSEC_ESP_AES, 5, {
		{ IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_UDP_TUNNEL_DRAFT },
		{ IPSEC_ATTR_AUTH, IPSEC_AUTH_HMAC_SHA2_256 },
		{ IPSEC_ATTR_KEY_LENGTH, 128 },
		{ IPSEC_ATTR_GRP_DESC, OAKLEY_GROUP_MODP2048 },
		{ 300, 0x123456789aULL } } } } },
	{ 1, ISAKMP_PROTO_AH, 4, { 0xa0, 0xb1, 0xc2, 0xd3 }, 1, {
	    { 1, IPSEC_AH_SHA2_256, 2, {
		{ IPSEC_ATTR_AUTH, IPSEC_AUTH_HMAC_SHA2_256 },
		{ IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_TRANSPORT } } } } },
	{ 2, ISAKMP_PROTO_IPCOMP, 2, { 0x12, 0x34 }, 1, {
	    { 1, IPSEC_IPCOMP_DEFLATE, 1, {
		{ IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_TUNNEL } } } } },
};

static size_t
mk_sa_msg(uint8_t *out, size_t cap, const struct tprop *p, size_t np)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;

	hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_buf_alloc(&b, 0);
	isakmp_put_header(&b, &h);
	put_spec(&b, p, np);
	cap = finish(&b, out, cap);
	isakmp_buf_free(&b);
	return (cap);
}

ATF_TC_WITHOUT_HEAD(sa_roundtrip);
ATF_TC_BODY(sa_roundtrip, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_sa sa;
	struct isakmp_proposal pr;
	struct isakmp_transform t;
	struct isakmp_attr a;
	uint8_t m[2048];
	size_t len, pc = 0, tcur = 0;
	uint64_t v;

	len = mk_sa_msg(m, sizeof(m), p1spec, 1);
	/* 28 + SA(4 + 8 + P(8 + T(8 + 7*4) + T(8 + 6*4 + 8))) */
	ATF_CHECK_EQ(len, 28 + 12 + 8 + 36 + 40);
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	check_spec(&msg.pl[0], p1spec, 1);
	check_reencode(m, len);
	/* The wire form of the first transform, by hand (RFC 2409 A). */
	ATF_CHECK_EQ(m[40], 0);		/* proposal: last */
	ATF_CHECK_EQ(m[47], 2);		/* transforms */
	ATF_CHECK_EQ(m[48], 3);		/* transform: another follows */
	ATF_CHECK_EQ(m[52], 1);		/* transform number */
	ATF_CHECK_EQ(m[53], 1);		/* KEY_IKE */
	{
		static const uint8_t attrs[] = { 0x80, 0x01, 0x00, 0x07,
		    0x80, 0x0e, 0x01, 0x00, 0x80, 0x02, 0x00, 0x04,
		    0x80, 0x03, 0x00, 0x01, 0x80, 0x04, 0x00, 0x0e,
		    0x80, 0x0b, 0x00, 0x01, 0x80, 0x0c, 0x2a, 0x30 };
		static const uint8_t tlv[] = { 0x00, 0x0c, 0x00, 0x04,
		    0x00, 0x01, 0x51, 0x80 };

		ATF_CHECK(memcmp(m + 56, attrs, sizeof(attrs)) == 0);
		ATF_CHECK(memcmp(m + len - 8, tlv, sizeof(tlv)) == 0);
	}
	/* find_attr */
	ATF_REQUIRE_EQ(isakmp_decode_sa(&msg.pl[0], &sa, &err), 0);
	ATF_REQUIRE_EQ(isakmp_sa_next_proposal(&sa, &pc, &pr), 1);
	ATF_REQUIRE_EQ(isakmp_proposal_next_transform(&pr, &tcur, &t), 1);
	ATF_CHECK_EQ(t.offset, 48);
	ATF_CHECK_EQ(isakmp_transform_find_attr(&t, OAKLEY_ATTR_GRP_DESC, &a),
	    1);
	ATF_CHECK(isakmp_attr_uint(&a, &v) == 0 && v == 14);
	ATF_CHECK_EQ(a.offset, 72);
	ATF_CHECK_EQ(isakmp_transform_find_attr(&t, OAKLEY_ATTR_PRF, &a), 0);

	len = mk_sa_msg(m, sizeof(m), p2spec, 3);
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	check_spec(&msg.pl[0], p2spec, 3);
	check_reencode(m, len);
}

/* Decodes m (which must pass the chain) and its SA: the SA must fail. */
static int
sa_decode(const uint8_t *m, size_t len, struct isakmp_error *err)
{
	struct isakmp_msg msg;
	struct isakmp_sa sa;

	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, err), 0, "%s",
	    err->what);
	return (isakmp_decode_sa(&msg.pl[0], &sa, err));
}

ATF_TC_WITHOUT_HEAD(sa_malformed);
ATF_TC_BODY(sa_malformed, tc)
{
	struct isakmp_error err;
	struct isakmp_buf b;
	struct isakmp_hdr h;
	uint8_t m[2048], t[2048];
	size_t len, k;

	/*
	 * p1spec: SA at 28, DOI at 32, situation at 36, the proposal at 40
	 * (SPI size 0), transform 1 at 48 (attributes from 56: enc 56,
	 * keylen 60, hash 64, auth 68, group 72, life type 76, life 80),
	 * transform 2 at 84 (attributes from 92).
	 */
	len = mk_sa_msg(m, sizeof(m), p1spec, 1);
	ATF_REQUIRE_EQ(sa_decode(m, len, &err), 0);

#define MUT(stmt, notify, off) do {					\
	memcpy(t, m, len);						\
	stmt;								\
	CHECK_FAIL(sa_decode(t, len, &err), err, notify, off);		\
	ATF_CHECK_EQ(err.payload, ISAKMP_NPTYPE_SA);			\
} while (0)

	MUT(t[35] = 2, ISAKMP_NTYPE_DOI_NOT_SUPPORTED, 32);
	MUT(t[39] = 2, ISAKMP_NTYPE_SITUATION_NOT_SUPPORTED, 36);
	MUT(t[39] = 3, ISAKMP_NTYPE_SITUATION_NOT_SUPPORTED, 36);
	/* Proposal: next payload, reserved, length, protocol, SPI. */
	MUT(t[40] = ISAKMP_NPTYPE_T, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 40);
	MUT(t[40] = ISAKMP_NPTYPE_P, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 124);
	MUT(t[41] = 1, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 41);
	MUT(put16(t + 42, 7), ISAKMP_NTYPE_PAYLOAD_MALFORMED, 40);
	MUT(put16(t + 42, 85), ISAKMP_NTYPE_PAYLOAD_MALFORMED, 40);
	MUT(put16(t + 42, 0xffff), ISAKMP_NTYPE_PAYLOAD_MALFORMED, 40);
	MUT(put16(t + 42, 80), ISAKMP_NTYPE_PAYLOAD_MALFORMED, 84);
	MUT(t[45] = 0, ISAKMP_NTYPE_INVALID_PROTOCOL_ID, 45);
	MUT(t[45] = 9, ISAKMP_NTYPE_INVALID_PROTOCOL_ID, 45);
	MUT(t[46] = 4, ISAKMP_NTYPE_INVALID_SPI, 46);
	MUT(t[46] = 255, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 46);
	/* Transform counts that lie, both ways, and zero. */
	MUT(t[47] = 3, ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 47);
	MUT(t[47] = 1, ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 47);
	MUT(t[47] = 0, ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 47);
	/* Transform: next payload, reserved, length, reserved2, number. */
	MUT(t[48] = ISAKMP_NPTYPE_P, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 48);
	MUT(t[48] = ISAKMP_NPTYPE_NONE, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 84);
	MUT(t[84] = ISAKMP_NPTYPE_T, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 124);
	MUT(t[49] = 1, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 49);
	MUT(put16(t + 50, 7), ISAKMP_NTYPE_PAYLOAD_MALFORMED, 48);
	MUT(put16(t + 50, 200), ISAKMP_NTYPE_PAYLOAD_MALFORMED, 48);
	MUT(t[55] = 1, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 54);
	MUT(t[88] = 1, ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 88);
	/*
	 * Attributes: a TLV that overruns, one cut short, a basic one in
	 * TLV form, a repeated one, a duration without its type.
	 */
	MUT(put16(t + 56, 0x0001); put16(t + 58, 500),
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 56);
	MUT(put16(t + 80, 0x000c); put16(t + 82, 1),
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 80);
	MUT(put16(t + 56, 0x0001); put16(t + 58, 0),
	    ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 56);
	MUT(put16(t + 64, 0x8001), ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 64);
	MUT(put16(t + 76, 0x80c8), ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 80);
	/*
	 * A life type not followed by its duration (kilobytes, then the
	 * seconds pair), and a duration missing at the end.
	 */
	MUT(put16(t + 72, 0x800b); put16(t + 74, 2),
	    ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 72);
	MUT(put16(t + 80, 0x80c8), ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 76);
#undef MUT

	/* A life type twice, each with its duration. */
	hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_buf_alloc(&b, 0);
	isakmp_put_header(&b, &h);
	isakmp_put_sa_begin(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(&b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
	isakmp_put_transform_begin(&b, 1, 1);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_LIFE_SECONDS);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD, 100);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_LIFE_SECONDS);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD, 200);
	isakmp_put_end(&b);
	isakmp_put_end(&b);
	isakmp_put_end(&b);
	len = finish(&b, t, sizeof(t));
	isakmp_buf_free(&b);
	CHECK_FAIL(sa_decode(t, len, &err), err,
	    ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 56 + 8);

	/* Bytes after the last proposal (inside the SA payload). */
	hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_buf_alloc(&b, 0);
	isakmp_put_header(&b, &h);
	isakmp_put_sa_begin(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(&b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
	isakmp_put_transform_begin(&b, 1, 1);
	isakmp_put_end(&b);
	isakmp_put_end(&b);
	isakmp_put_u32(&b, 0);
	isakmp_put_end(&b);
	len = finish(&b, t, sizeof(t));
	CHECK_FAIL(sa_decode(t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 56);
	/* SA too short, SA without proposals. */
	isakmp_buf_reset(&b);
	isakmp_put_header(&b, &h);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SA, "\0\0\0\1", 4);
	len = finish(&b, t, sizeof(t));
	CHECK_FAIL(sa_decode(t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	isakmp_buf_reset(&b);
	isakmp_put_header(&b, &h);
	isakmp_put_sa_begin(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_end(&b);
	len = finish(&b, t, sizeof(t));
	CHECK_FAIL(sa_decode(t, len, &err), err,
	    ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 40);
	/* A proposal header cut short: 5 bytes of proposal. */
	isakmp_buf_reset(&b);
	isakmp_put_header(&b, &h);
	isakmp_put_sa_begin(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_bytes(&b, "\0\0\0\5\1", 5);
	isakmp_put_end(&b);
	len = finish(&b, t, sizeof(t));
	CHECK_FAIL(sa_decode(t, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 40);
	isakmp_buf_free(&b);

	/* Proposal numbers that decrease: 2 then 1. */
	{
		struct tprop two[2];

		two[0] = p2spec[2];	/* IPCOMP, number 2 */
		two[1] = p2spec[1];	/* AH, number 1 */
		len = mk_sa_msg(t, sizeof(t), two, 2);
		/* second proposal: 40 + 8 + 2 + 8 + 4 = 62 */
		CHECK_FAIL(sa_decode(t, len, &err), err,
		    ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, 62 + 4);
		/* ESP with a 4-byte SPI is fine; ESP with 2 is not. */
		two[0] = p2spec[0];
		two[0].spisize = 2;
		len = mk_sa_msg(t, sizeof(t), two, 1);
		CHECK_FAIL(sa_decode(t, len, &err), err,
		    ISAKMP_NTYPE_INVALID_SPI, 46);
	}

	/* ISAKMP_MAX_ATTRS distinct attributes pass; one more does not. */
	for (k = 0; k < 2; k++) {
		size_t i, n = ISAKMP_MAX_ATTRS + k;

		hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
		isakmp_buf_alloc(&b, 0);
		isakmp_put_header(&b, &h);
		isakmp_put_sa_begin(&b, ISAKMP_DOI_IPSEC,
		    IPSEC_SIT_IDENTITY_ONLY);
		isakmp_put_proposal_begin(&b, 1, ISAKMP_PROTO_ESP,
		    (const uint8_t *)"SPI!", 4);
		isakmp_put_transform_begin(&b, 1, IPSEC_ESP_AES);
		for (i = 0; i < n; i++)
			isakmp_put_attr(&b, (uint16_t)(100 + i), i);
		isakmp_put_end(&b);
		isakmp_put_end(&b);
		isakmp_put_end(&b);
		len = finish(&b, t, sizeof(t));
		isakmp_buf_free(&b);
		if (k == 0)
			ATF_CHECK_EQ(sa_decode(t, len, &err), 0);
		else
			/* transform at 52, attributes from 60 */
			CHECK_FAIL(sa_decode(t, len, &err), err,
			    ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX,
			    60 + 4 * ISAKMP_MAX_ATTRS);
	}
}

/* ----------------------------------------------------- every payload */

ATF_TC_WITHOUT_HEAD(payload_roundtrip);
ATF_TC_BODY(payload_roundtrip, tc)
{
	static const uint8_t ke[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	static const uint8_t dn[] = { 0x30, 0x0b, 0x31, 0x09, 0x30, 0x07,
	    0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x00 };
	static const uint8_t spi16[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
	    11, 12, 13, 14, 15, 16 };
	static const uint8_t spis[12] = { 0xaa, 0, 0, 1, 0xbb, 0, 0, 2,
	    0xcc, 0, 0, 3 };
	static const uint8_t seq[4] = { 0, 0, 0x12, 0x34 };
	uint8_t nonce[256], m[4096], mem[4096];
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_id id, id2;
	struct isakmp_cert c, c2;
	struct isakmp_notify n, n2;
	struct isakmp_delete d, d2;
	struct isakmp_natoa o, o2;
	struct isakmp_data dd;
	struct isakmp_cfg cfg;
	struct isakmp_attr a;
	size_t len, cur;
	uint64_t v;
	int i;

	for (i = 0; i < 256; i++)
		nonce[i] = (uint8_t)(i * 7 + 1);
	hdr_make(&h, ISAKMP_ETYPE_AGGRESSIVE, 0, 0);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	put_spec(&b, p1spec, 1);					/* 0 */
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, ke, sizeof(ke));		/* 1 */
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, nonce, 32);		/* 2 */
	id.type = IPSEC_ID_FQDN;
	id.proto = 17;
	id.port = 500;
	id.data = (const uint8_t *)"gw.example.org";
	id.len = 14;
	isakmp_put_id(&b, &id);						/* 3 */
	c.encoding = ISAKMP_CERT_X509_SIGN;
	c.data = dn;
	c.len = sizeof(dn);
	isakmp_put_cert(&b, ISAKMP_NPTYPE_CERT, &c);			/* 4 */
	c.len = 0;
	isakmp_put_cert(&b, ISAKMP_NPTYPE_CR, &c);			/* 5 */
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, nonce, 20);		/* 6 */
	isakmp_put_data(&b, ISAKMP_NPTYPE_SIG, nonce, 128);		/* 7 */
	n.doi = ISAKMP_DOI_IPSEC;
	n.proto = ISAKMP_PROTO_ISAKMP;
	n.spisize = 16;
	n.type = ISAKMP_NTYPE_R_U_THERE;
	n.spi = spi16;
	n.data = seq;
	n.len = sizeof(seq);
	isakmp_put_notify(&b, &n);					/* 8 */
	d.doi = ISAKMP_DOI_IPSEC;
	d.proto = ISAKMP_PROTO_ESP;
	d.spisize = 4;
	d.count = 3;
	d.spis = spis;
	isakmp_put_delete(&b, &d);					/* 9 */
	isakmp_put_data(&b, ISAKMP_NPTYPE_VID,
	    isakmp_vid_bytes(ISAKMP_VID_DPD, &len), 16);		/* 10 */
	isakmp_put_cfg_begin(&b, ISAKMP_CFG_REPLY, 0x4242);		/* 11 */
	isakmp_put_attr(&b, 1, 0x0a000001);	/* INTERNAL_IP4_ADDRESS */
	isakmp_put_attr_tlv(&b, 3, "\x08\x08\x08\x08", 4);  /* DNS */
	isakmp_put_attr_tlv(&b, 3, "\x08\x08\x04\x04", 4);  /* again */
	isakmp_put_end(&b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NATD, nonce, 20);		/* 12 */
	o.af = 4;
	memcpy(o.addr, "\xc0\x00\x02\x01", 4);
	isakmp_put_natoa(&b, ISAKMP_NPTYPE_NATOA, &o);			/* 13 */
	isakmp_put_data(&b, ISAKMP_NPTYPE_NATD_DRAFT, nonce, 16);	/* 14 */
	o.af = 6;
	memcpy(o.addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	isakmp_put_natoa(&b, ISAKMP_NPTYPE_NATOA_DRAFT, &o);		/* 15 */
	len = finish(&b, m, sizeof(m));

	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, &err), 0, "%s at %zu",
	    err.what, err.offset);
	ATF_REQUIRE_EQ(msg.npl, 16);
	check_spec(&msg.pl[0], p1spec, 1);
	ATF_CHECK_EQ(isakmp_decode_data(&msg.pl[1], &dd, &err), 0);
	ATF_CHECK(dd.len == sizeof(ke) && memcmp(dd.data, ke, dd.len) == 0);
	ATF_CHECK_EQ(isakmp_decode_nonce(&msg.pl[2], &dd, &err), 0);
	ATF_CHECK(dd.len == 32 && memcmp(dd.data, nonce, 32) == 0);
	ATF_REQUIRE_EQ(isakmp_decode_id(&msg.pl[3], &id2, &err), 0);
	ATF_CHECK(id2.type == id.type && id2.proto == 17 && id2.port == 500 &&
	    id2.len == 14 && memcmp(id2.data, "gw.example.org", 14) == 0);
	ATF_REQUIRE_EQ(isakmp_decode_cert(&msg.pl[4], &c2, &err), 0);
	ATF_CHECK(c2.encoding == 4 && c2.len == sizeof(dn) &&
	    memcmp(c2.data, dn, sizeof(dn)) == 0);
	ATF_REQUIRE_EQ(isakmp_decode_cr(&msg.pl[5], &c2, &err), 0);
	ATF_CHECK(c2.encoding == 4 && c2.len == 0);
	ATF_CHECK_EQ(isakmp_decode_data(&msg.pl[6], &dd, &err), 0);
	ATF_CHECK_EQ(dd.len, 20);
	ATF_CHECK_EQ(isakmp_decode_data(&msg.pl[7], &dd, &err), 0);
	ATF_CHECK_EQ(dd.len, 128);
	ATF_REQUIRE_EQ(isakmp_decode_notify(&msg.pl[8], &n2, &err), 0);
	ATF_CHECK(n2.doi == 1 && n2.proto == 1 && n2.spisize == 16 &&
	    n2.type == 36136 && memcmp(n2.spi, spi16, 16) == 0 &&
	    n2.len == 4 && memcmp(n2.data, seq, 4) == 0);
	ATF_REQUIRE_EQ(isakmp_decode_delete(&msg.pl[9], &d2, &err), 0);
	ATF_CHECK(d2.doi == 1 && d2.proto == 3 && d2.spisize == 4 &&
	    d2.count == 3);
	ATF_CHECK(memcmp(isakmp_delete_spi(&d2, 2), spis + 8, 4) == 0);
	ATF_CHECK(isakmp_delete_spi(&d2, 3) == NULL);
	ATF_CHECK_EQ(isakmp_vid_match(msg.pl[10].body, msg.pl[10].len, NULL),
	    ISAKMP_VID_DPD);
	ATF_REQUIRE_EQ(isakmp_decode_cfg(&msg.pl[11], &cfg, &err), 0);
	ATF_CHECK(cfg.type == ISAKMP_CFG_REPLY && cfg.id == 0x4242 &&
	    cfg.nattrs == 3);
	cur = 0;
	ATF_REQUIRE_EQ(isakmp_attrs_next(cfg.attrs, cfg.attrslen, cfg.attroff,
	    &cur, &a), 1);
	ATF_CHECK(a.type == 1 && !a.tv && isakmp_attr_uint(&a, &v) == 0 &&
	    v == 0x0a000001);
	ATF_REQUIRE_EQ(isakmp_decode_natoa(&msg.pl[13], &o2, &err), 0);
	ATF_CHECK(o2.af == 4 && o2.idtype == IPSEC_ID_IPV4_ADDR &&
	    memcmp(o2.addr, "\xc0\x00\x02\x01", 4) == 0);
	ATF_CHECK_EQ(msg.pl[14].type, ISAKMP_NPTYPE_NATD_DRAFT);
	ATF_REQUIRE_EQ(isakmp_decode_natoa(&msg.pl[15], &o2, &err), 0);
	ATF_CHECK(o2.af == 6 && memcmp(o2.addr, o.addr, 16) == 0);

	/* encode(decode(m)) == m */
	check_reencode(m, len);
}

/* A message of one payload of type t with body p[n]: its payload view. */
static const struct isakmp_payload *
one(struct isakmp_msg *msg, uint8_t *m, uint8_t t, const void *p, size_t n)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_error err;
	size_t len;

	hdr_make(&h, ISAKMP_ETYPE_INFO, 0, 7);
	isakmp_buf_init(&b, m, 1024);
	isakmp_put_header(&b, &h);
	isakmp_put_data(&b, t, p, n);
	ATF_REQUIRE_EQ(isakmp_buf_finish(&b, NULL, &len), 0);
	ATF_REQUIRE_EQ_MSG(isakmp_decode(msg, m, len, &err), 0, "%s",
	    err.what);
	return (&msg->pl[0]);
}

ATF_TC_WITHOUT_HEAD(payload_malformed);
ATF_TC_BODY(payload_malformed, tc)
{
	static uint8_t m[1024], x[600];
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_data dd;
	struct isakmp_id id;
	struct isakmp_cert c;
	struct isakmp_notify n;
	struct isakmp_delete d;
	struct isakmp_natoa o;
	struct isakmp_cfg cfg;
	struct isakmp_fragment f;
	const struct isakmp_payload *pl;

	memset(x, 0x5a, sizeof(x));
	/* Nonce: 7 and 257 refused, 8 and 256 taken. */
	pl = one(&msg, m, ISAKMP_NPTYPE_NONCE, x, 7);
	CHECK_FAIL(isakmp_decode_nonce(pl, &dd, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	pl = one(&msg, m, ISAKMP_NPTYPE_NONCE, x, 257);
	CHECK_FAIL(isakmp_decode_nonce(pl, &dd, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	pl = one(&msg, m, ISAKMP_NPTYPE_NONCE, x, 8);
	ATF_CHECK_EQ(isakmp_decode_nonce(pl, &dd, &err), 0);
	pl = one(&msg, m, ISAKMP_NPTYPE_NONCE, x, 256);
	ATF_CHECK_EQ(isakmp_decode_nonce(pl, &dd, &err), 0);
	/* Empty KE/HASH/VID. */
	pl = one(&msg, m, ISAKMP_NPTYPE_KE, x, 0);
	CHECK_FAIL(isakmp_decode_data(pl, &dd, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);

	/* ID: header cut, unknown types, address lengths, empty. */
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x01\x00\x00", 3);
	CHECK_FAIL(isakmp_decode_id(pl, &id, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x00\x00\x00\x00\x01", 5);
	CHECK_FAIL(isakmp_decode_id(pl, &id, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 32);
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x0c\x00\x00\x00\x01", 5);
	CHECK_FAIL(isakmp_decode_id(pl, &id, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 32);
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x01\x00\x00\x00\x0a\0\0\1\1", 9);
	CHECK_FAIL(isakmp_decode_id(pl, &id, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 36);
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x06\x00\x00\x00\x20\x01", 6);
	CHECK_FAIL(isakmp_decode_id(pl, &id, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 36);
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x02\x00\x00\x00", 4);
	CHECK_FAIL(isakmp_decode_id(pl, &id, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 36);
	pl = one(&msg, m, ISAKMP_NPTYPE_ID, "\x01\x11\x01\xf4\x0a\0\0\1", 8);
	ATF_CHECK_EQ(isakmp_decode_id(pl, &id, &err), 0);
	ATF_CHECK(id.proto == 17 && id.port == 500 && id.len == 4);

	/* CERT with an encoding but no data; CR with only an encoding. */
	pl = one(&msg, m, ISAKMP_NPTYPE_CERT, "\x04", 1);
	CHECK_FAIL(isakmp_decode_cert(pl, &c, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	pl = one(&msg, m, ISAKMP_NPTYPE_CR, "", 0);
	CHECK_FAIL(isakmp_decode_cr(pl, &c, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	pl = one(&msg, m, ISAKMP_NPTYPE_CR, "\x04", 1);
	ATF_CHECK_EQ(isakmp_decode_cr(pl, &c, &err), 0);

	/* N: short, a DOI of 2, an SPI that runs past the payload. */
	pl = one(&msg, m, ISAKMP_NPTYPE_N, "\0\0\0\1\1\0\x60", 7);
	CHECK_FAIL(isakmp_decode_notify(pl, &n, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	pl = one(&msg, m, ISAKMP_NPTYPE_N, "\0\0\0\2\1\0\x60\x02", 8);
	CHECK_FAIL(isakmp_decode_notify(pl, &n, &err), err,
	    ISAKMP_NTYPE_DOI_NOT_SUPPORTED, 32);
	pl = one(&msg, m, ISAKMP_NPTYPE_N, "\0\0\0\1\1\x10\x60\x02" "abcd", 12);
	CHECK_FAIL(isakmp_decode_notify(pl, &n, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 37);
	pl = one(&msg, m, ISAKMP_NPTYPE_N, "\0\0\0\0\3\4\x60\x02" "abcd", 12);
	ATF_CHECK_EQ(isakmp_decode_notify(pl, &n, &err), 0);
	ATF_CHECK(n.doi == 0 && n.type == ISAKMP_NTYPE_INITIAL_CONTACT &&
	    n.len == 0);

	/*
	 * D: count*size disagreeing (3 * 4 != 8), count 0, SPI size wrong
	 * for ESP and for ISAKMP, unknown protocol, DOI, and the count
	 * 65535 * 16 that would overflow a 16-bit product.
	 */
	pl = one(&msg, m, ISAKMP_NPTYPE_D,
	    "\0\0\0\1\3\4\0\3aaaabbbb", 16);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 38);
	pl = one(&msg, m, ISAKMP_NPTYPE_D, "\0\0\0\1\3\4\0\0", 8);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 38);
	pl = one(&msg, m, ISAKMP_NPTYPE_D, "\0\0\0\1\3\3\0\1aaa", 11);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_INVALID_SPI, 37);
	pl = one(&msg, m, ISAKMP_NPTYPE_D, "\0\0\0\1\1\0\0\1", 8);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_INVALID_SPI, 37);
	pl = one(&msg, m, ISAKMP_NPTYPE_D, "\0\0\0\1\7\4\0\1aaaa", 12);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_INVALID_PROTOCOL_ID, 36);
	pl = one(&msg, m, ISAKMP_NPTYPE_D, "\0\0\0\3\3\4\0\1aaaa", 12);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_DOI_NOT_SUPPORTED, 32);
	memcpy(x, "\0\0\0\1\1\x10\xff\xff", 8);
	pl = one(&msg, m, ISAKMP_NPTYPE_D, x, 8 + 16);
	CHECK_FAIL(isakmp_decode_delete(pl, &d, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 38);
	memset(x, 0x5a, sizeof(x));
	pl = one(&msg, m, ISAKMP_NPTYPE_D, "\0\0\0\1\4\2\0\2abcd", 12);
	ATF_CHECK_EQ(isakmp_decode_delete(pl, &d, &err), 0);

	/* NAT-OA: not an address type, reserved set, wrong length. */
	pl = one(&msg, m, ISAKMP_NPTYPE_NATOA, "\x02\0\0\0abcd", 8);
	CHECK_FAIL(isakmp_decode_natoa(pl, &o, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 32);
	pl = one(&msg, m, ISAKMP_NPTYPE_NATOA, "\x01\0\1\0abcd", 8);
	CHECK_FAIL(isakmp_decode_natoa(pl, &o, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 33);
	pl = one(&msg, m, ISAKMP_NPTYPE_NATOA, "\x05\0\0\0abcd", 8);
	CHECK_FAIL(isakmp_decode_natoa(pl, &o, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 36);
	pl = one(&msg, m, ISAKMP_NPTYPE_NATOA, "\x01\0\0", 3);
	CHECK_FAIL(isakmp_decode_natoa(pl, &o, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);

	/* Mode Config: reserved set, an attribute that overruns. */
	pl = one(&msg, m, ISAKMP_NPTYPE_ATTR, "\x01\x01\0\1", 4);
	CHECK_FAIL(isakmp_decode_cfg(pl, &cfg, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 33);
	pl = one(&msg, m, ISAKMP_NPTYPE_ATTR, "\x01\0\0\1\0\1\0\5abcd", 12);
	CHECK_FAIL(isakmp_decode_cfg(pl, &cfg, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 36);
	pl = one(&msg, m, ISAKMP_NPTYPE_ATTR, "\x01\0\0\1\x80\x01\0", 7);
	CHECK_FAIL(isakmp_decode_cfg(pl, &cfg, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 36);

	/* Fragment payload: no data, number 0 (decoded directly). */
	{
		struct isakmp_payload fp;

		fp.type = ISAKMP_NPTYPE_FRAG;
		fp.offset = 28;
		fp.body = (const uint8_t *)"\0\1\1\1";
		fp.len = 4;
		CHECK_FAIL(isakmp_decode_fragment(&fp, &f, &err), err,
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
		fp.body = (const uint8_t *)"\0\1\0\1x";
		fp.len = 5;
		CHECK_FAIL(isakmp_decode_fragment(&fp, &f, &err), err,
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 34);
		fp.body = (const uint8_t *)"\0\1\3\1x";
		ATF_CHECK_EQ(isakmp_decode_fragment(&fp, &f, &err), 0);
		ATF_CHECK(f.id == 1 && f.num == 3 && f.flags == 1 &&
		    f.len == 1);
	}
	/* A decoder handed the wrong payload type. */
	{
		struct isakmp_sa sa;

		pl = one(&msg, m, ISAKMP_NPTYPE_VID, x, 20);
		CHECK_FAIL(isakmp_decode_sa(pl, &sa, &err), err,
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	}
}

ATF_TC_WITHOUT_HEAD(id_helpers);
ATF_TC_BODY(id_helpers, tc)
{
	struct isakmp_id id;
	struct isakmp_idaddr a, a2;
	struct isakmp_error err;
	uint8_t data[32], out[32], type;
	char s[64];
	size_t n;

	/* IPv4 subnet 10.1.2.3/255.255.0.0: host bits cleared, /16. */
	memcpy(data, "\x0a\x01\x02\x03\xff\xff\x00\x00", 8);
	id.type = IPSEC_ID_IPV4_ADDR_SUBNET;
	id.data = data;
	id.len = 8;
	ATF_REQUIRE_EQ(isakmp_id_to_addr(&id, &a, &err), 0);
	ATF_CHECK(a.af == 4 && a.kind == ISAKMP_IDA_SUBNET && a.plen == 16);
	ATF_CHECK(memcmp(a.addr, "\x0a\x01\x00\x00", 4) == 0);
	n = isakmp_id_from_addr(&a, &type, out);
	ATF_CHECK(n == 8 && type == IPSEC_ID_IPV4_ADDR_SUBNET);
	ATF_CHECK(memcmp(out, "\x0a\x01\x00\x00\xff\xff\x00\x00", 8) == 0);
	/* A mask with a hole. */
	memcpy(data + 4, "\xff\x00\xff\x00", 4);
	CHECK_FAIL(isakmp_id_to_addr(&id, &a, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 0);
	/* /0 and /32 */
	memcpy(data + 4, "\0\0\0\0", 4);
	ATF_CHECK(isakmp_id_to_addr(&id, &a, &err) == 0 && a.plen == 0);
	memcpy(data + 4, "\xff\xff\xff\xff", 4);
	ATF_CHECK(isakmp_id_to_addr(&id, &a, &err) == 0 && a.plen == 32);

	/* IPv6 subnet 2001:db8::/33 */
	memset(data, 0, 32);
	memcpy(data, "\x20\x01\x0d\xb8\xff", 5);
	memset(data + 16, 0xff, 4);
	data[20] = 0x80;
	id.type = IPSEC_ID_IPV6_ADDR_SUBNET;
	id.len = 32;
	ATF_REQUIRE_EQ(isakmp_id_to_addr(&id, &a, &err), 0);
	ATF_CHECK(a.af == 6 && a.plen == 33 && a.addr[4] == 0x80);
	n = isakmp_id_from_addr(&a, &type, out);
	ATF_CHECK(n == 32 && type == IPSEC_ID_IPV6_ADDR_SUBNET);
	ATF_REQUIRE_EQ(isakmp_id_to_addr(&(struct isakmp_id){ .type = type,
	    .data = out, .len = n }, &a2, &err), 0);
	ATF_CHECK(memcmp(&a, &a2, sizeof(a)) == 0);

	/* Ranges: forwards, equal, backwards. */
	memcpy(data, "\xc0\x00\x02\x01\xc0\x00\x02\x40", 8);
	id.type = IPSEC_ID_IPV4_ADDR_RANGE;
	id.len = 8;
	ATF_REQUIRE_EQ(isakmp_id_to_addr(&id, &a, &err), 0);
	ATF_CHECK(a.kind == ISAKMP_IDA_RANGE && a.end[3] == 0x40);
	n = isakmp_id_from_addr(&a, &type, out);
	ATF_CHECK(n == 8 && type == IPSEC_ID_IPV4_ADDR_RANGE &&
	    memcmp(out, data, 8) == 0);
	memcpy(data + 4, data, 4);
	ATF_CHECK_EQ(isakmp_id_to_addr(&id, &a, &err), 0);
	data[7] = 0;
	CHECK_FAIL(isakmp_id_to_addr(&id, &a, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 0);

	/* Single addresses, both families; a non-address type. */
	id.type = IPSEC_ID_IPV6_ADDR;
	id.len = 16;
	ATF_CHECK(isakmp_id_to_addr(&id, &a, &err) == 0 && a.af == 6 &&
	    a.kind == ISAKMP_IDA_ADDR);
	ATF_CHECK(isakmp_id_from_addr(&a, &type, out) == 16 &&
	    type == IPSEC_ID_IPV6_ADDR);
	id.type = IPSEC_ID_FQDN;
	CHECK_FAIL(isakmp_id_to_addr(&id, &a, &err), err,
	    ISAKMP_NTYPE_INVALID_ID_INFORMATION, 0);
	/* Impossible inputs to from_addr. */
	a.af = 5;
	ATF_CHECK_EQ(isakmp_id_from_addr(&a, &type, out), 0);
	a.af = 4;
	a.kind = ISAKMP_IDA_SUBNET;
	a.plen = 33;
	ATF_CHECK_EQ(isakmp_id_from_addr(&a, &type, out), 0);

	/* Strings: FQDN, USER_FQDN; embedded NUL; too small; DN refused. */
	id.type = IPSEC_ID_USER_FQDN;
	id.data = (const uint8_t *)"alice@example.org";
	id.len = 17;
	ATF_CHECK_EQ(isakmp_id_to_string(&id, s, sizeof(s)), 0);
	ATF_CHECK_STREQ(s, "alice@example.org");
	ATF_CHECK_EQ(isakmp_id_to_string(&id, s, 17), -1);
	ATF_CHECK_EQ(isakmp_id_to_string(&id, s, 18), 0);
	id.type = IPSEC_ID_FQDN;
	id.data = (const uint8_t *)"a\0.example.org";
	id.len = 14;
	ATF_CHECK_EQ(isakmp_id_to_string(&id, s, sizeof(s)), -1);
	ATF_CHECK_STREQ(s, "");
	id.type = IPSEC_ID_DER_ASN1_DN;
	id.data = (const uint8_t *)"0\x00";
	id.len = 2;
	ATF_CHECK_EQ(isakmp_id_to_string(&id, s, sizeof(s)), -1);
}

ATF_TC_WITHOUT_HEAD(encrypted);
ATF_TC_BODY(encrypted, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_notify n;
	uint8_t m[1024], body[1024], mem[1024];
	size_t len, blen, pad;

	/* The outer message: header with E and 48 opaque bytes. */
	hdr_make(&h, ISAKMP_ETYPE_QUICK, ISAKMP_FLAG_E, 0x01020304);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	memset(body, 0xee, 48);
	isakmp_put_bytes(&b, body, 48);
	len = finish(&b, m, sizeof(m));
	m[16] = ISAKMP_NPTYPE_HASH;	/* the first payload, encrypted */
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	ATF_CHECK(msg.enc == m + 28 && msg.enclen == 48 && msg.npl == 0);

	/* The body the caller decrypted: HASH, N, then padding. */
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, "0123456789abcdefghij", 20);
	n.doi = 1;
	n.proto = ISAKMP_PROTO_ISAKMP;
	n.spisize = 0;
	n.type = ISAKMP_NTYPE_INITIAL_CONTACT;
	n.spi = n.data = NULL;
	n.len = 0;
	isakmp_put_notify(&b, &n);
	ATF_CHECK_EQ(b.firstnp, ISAKMP_NPTYPE_HASH);
	blen = finish(&b, body, sizeof(body));
	ATF_REQUIRE_EQ(blen, 36);
	for (pad = 0; pad <= ISAKMP_PAD_MAX + 1; pad++) {
		memset(body + blen, (int)pad, pad);
		if (pad <= ISAKMP_PAD_MAX) {
			ATF_REQUIRE_EQ_MSG(isakmp_decode_body(&msg, body,
			    blen + pad, &err), 0, "pad %zu: %s", pad, err.what);
			ATF_CHECK_EQ(msg.npl, 2);
			ATF_CHECK_EQ(msg.padlen, pad);
		} else
			CHECK_FAIL(isakmp_decode_body(&msg, body, blen + pad,
			    &err), err, ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS,
			    28 + blen);
	}
	ATF_REQUIRE_EQ(isakmp_decode_body(&msg, body, blen + 12, &err), 0);
	/* Offsets count from the start of the message. */
	ATF_CHECK_EQ(msg.pl[0].offset, 28);
	ATF_CHECK_EQ(msg.pl[1].offset, 52);
	ATF_REQUIRE_EQ(isakmp_decode_notify(&msg.pl[1], &n, &err), 0);
	ATF_CHECK_EQ(n.type, ISAKMP_NTYPE_INITIAL_CONTACT);
	/* Errors in a decrypted body point into the message. */
	body[26] = 0;	/* N's length 2: below the generic header */
	body[27] = 2;
	CHECK_FAIL(isakmp_decode_body(&msg, body, blen, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 52);
	ATF_CHECK_EQ(msg.npl, 1);

	/*
	 * A header claiming E with nothing after it; a body-less first
	 * payload NONE; decode_body on a clear message.
	 */
	h.len = 28;
	isakmp_hdr_encode(&h, m);
	CHECK_FAIL(isakmp_decode(&msg, m, 28, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28);
	hdr_make(&h, ISAKMP_ETYPE_INFO, ISAKMP_FLAG_E, 9);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	isakmp_put_bytes(&b, body, 16);
	len = finish(&b, m, sizeof(m));
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	CHECK_FAIL(isakmp_decode_body(&msg, body, 16, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 16);
	len = mk_vid_msg(m, sizeof(m));
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	CHECK_FAIL(isakmp_decode_body(&msg, body, blen, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 0);
}

ATF_TC_WITHOUT_HEAD(fragment_message);
ATF_TC_BODY(fragment_message, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_buf b;
	struct isakmp_hdr h;
	struct isakmp_fragment f;
	uint8_t m[256], mem[256];
	size_t len;

	/* racoon's fragments carry the E flag: parsed in the clear. */
	hdr_make(&h, ISAKMP_ETYPE_IDPROT, ISAKMP_FLAG_E, 0);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	f.id = 1;
	f.num = 2;
	f.flags = ISAKMP_FRAG_LAST;
	f.data = (const uint8_t *)"encrypted bytes";
	f.len = 15;
	isakmp_put_fragment(&b, &f);
	len = finish(&b, m, sizeof(m));
	ATF_REQUIRE_EQ(isakmp_decode(&msg, m, len, &err), 0);
	ATF_CHECK(msg.enc == NULL && msg.npl == 1 &&
	    msg.pl[0].type == ISAKMP_NPTYPE_FRAG);
	check_reencode(m, len);
	/* A second payload after the fragment. */
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	isakmp_put_fragment(&b, &f);
	isakmp_put_data(&b, ISAKMP_NPTYPE_VID, "x", 1);
	len = finish(&b, m, sizeof(m));
	CHECK_FAIL(isakmp_decode(&msg, m, len, &err), err,
	    ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE, 28 + 8 + 15);
	/* Two fragments in one message. */
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	isakmp_put_fragment(&b, &f);
	isakmp_put_fragment(&b, &f);
	len = finish(&b, m, sizeof(m));
	CHECK_FAIL(isakmp_decode(&msg, m, len, &err), err,
	    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 28 + 8 + 15);
}

/* --------------------------------------------------- the encoder bounds */

ATF_TC_WITHOUT_HEAD(builder);
ATF_TC_BODY(builder, tc)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	uint8_t mem[64 + 16], big[70000];
	const uint8_t *p;
	size_t len;

	/* A fixed buffer never writes past its capacity. */
	memset(mem, 0xa5, sizeof(mem));
	hdr_make(&h, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_buf_init(&b, mem, 64);
	ATF_CHECK_EQ(isakmp_put_header(&b, &h), 0);
	ATF_CHECK_EQ(isakmp_put_data(&b, ISAKMP_NPTYPE_VID, big, 32), 0);
	ATF_CHECK_EQ(isakmp_put_data(&b, ISAKMP_NPTYPE_VID, big, 1), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_ENOSPACE);
	ATF_CHECK_EQ(isakmp_buf_finish(&b, &p, &len), -1);
	ATF_CHECK(p == NULL && len == 0);
	for (len = 64; len < sizeof(mem); len++)
		ATF_CHECK_EQ(mem[len], 0xa5);
	/* Errors stick. */
	ATF_CHECK_EQ(isakmp_put_u8(&b, 1), -1);
	isakmp_buf_reset(&b);
	ATF_CHECK_EQ(b.error, 0);
	ATF_CHECK_EQ(b.len, 0);

	/*
	 * Misuse: end with nothing open, finish with a payload open, a
	 * header after payloads, nesting too deep.
	 */
	ATF_CHECK_EQ(isakmp_put_end(&b), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_EINVAL);
	isakmp_buf_reset(&b);
	isakmp_put_header(&b, &h);
	isakmp_put_begin(&b, ISAKMP_NPTYPE_VID);
	ATF_CHECK_EQ(isakmp_buf_finish(&b, NULL, NULL), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_EINVAL);
	isakmp_buf_reset(&b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_VID, "x", 1);
	ATF_CHECK_EQ(isakmp_put_header(&b, &h), -1);
	isakmp_buf_reset(&b);
	isakmp_put_begin(&b, ISAKMP_NPTYPE_SA);
	isakmp_put_begin(&b, ISAKMP_NPTYPE_P);
	isakmp_put_begin(&b, ISAKMP_NPTYPE_T);
	ATF_CHECK_EQ(b.error, 0);
	ATF_CHECK_EQ(isakmp_put_begin(&b, ISAKMP_NPTYPE_T), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_EINVAL);
	isakmp_buf_free(&b);

	/* A heap buffer grows to its cap and no further. */
	isakmp_buf_alloc(&b, 1000);
	isakmp_put_header(&b, &h);
	ATF_CHECK_EQ(isakmp_put_data(&b, ISAKMP_NPTYPE_VID, big, 900), 0);
	ATF_CHECK_EQ(isakmp_buf_finish(&b, &p, &len), 0);
	ATF_CHECK_EQ(len, 932);
	ATF_CHECK(b.cap <= 1000);
	ATF_CHECK_EQ(isakmp_put_data(&b, ISAKMP_NPTYPE_VID, big, 65), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_ENOSPACE);
	isakmp_buf_free(&b);

	/* A payload longer than 65535 bytes cannot be encoded. */
	isakmp_buf_alloc(&b, 2 * sizeof(big));
	isakmp_put_header(&b, &h);
	ATF_CHECK_EQ(isakmp_put_data(&b, ISAKMP_NPTYPE_VID, big, 65531), 0);
	ATF_CHECK_EQ(isakmp_put_data(&b, ISAKMP_NPTYPE_VID, big, 65532), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_EINVAL);
	isakmp_buf_free(&b);

	/*
	 * The reserved byte of an open payload, for IKEv2's critical bit;
	 * the walker accepts it only when told to.
	 */
	{
		struct isakmp_msg msg;
		struct isakmp_error err;
		uint8_t m[64];

		isakmp_buf_init(&b, m, sizeof(m));
		ATF_CHECK_EQ(isakmp_put_payload_flags(&b, 0x80), -1);
		isakmp_buf_reset(&b);
		isakmp_put_header(&b, &h);
		isakmp_put_begin(&b, ISAKMP_NPTYPE_VID);
		ATF_CHECK_EQ(isakmp_put_payload_flags(&b, 0x80), 0);
		isakmp_put_bytes(&b, "v", 1);
		isakmp_put_end(&b);
		ATF_REQUIRE_EQ(isakmp_buf_finish(&b, &p, &len), 0);
		ATF_CHECK_EQ(p[29], 0x80);
		memset(&msg, 0, sizeof(msg));
		CHECK_FAIL(isakmp_chain_walk(&msg, ISAKMP_NPTYPE_VID, p, 28,
		    len, 0, isakmp_ikev1_payloads, 0, &err), err,
		    ISAKMP_NTYPE_PAYLOAD_MALFORMED, 29);
		memset(&msg, 0, sizeof(msg));
		ATF_CHECK_EQ(isakmp_chain_walk(&msg, ISAKMP_NPTYPE_VID, p, 28,
		    len, 0, isakmp_ikev1_payloads, ISAKMP_WALK_CRITICAL, &err),
		    0);
		ATF_CHECK(msg.npl == 1 && msg.pl[0].flags == 0x80);
	}

	/* Attribute forms: TV up to 0xffff, TLV of 4 or 8 bytes beyond. */
	isakmp_buf_init(&b, mem, 64);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD, 28800);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD, 0x10000);
	isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD, 0x123456789aULL);
	ATF_CHECK_EQ(isakmp_buf_finish(&b, &p, &len), 0);
	ATF_REQUIRE_EQ(len, 4 + 8 + 12);
	ATF_CHECK(memcmp(p, "\x80\x0c\x70\x80"
	    "\x00\x0c\x00\x04\x00\x01\x00\x00"
	    "\x00\x0c\x00\x08\x00\x00\x00\x12\x34\x56\x78\x9a", 24) == 0);
	ATF_CHECK_EQ(isakmp_put_attr(&b, 0x8000, 1), -1);
	ATF_CHECK_EQ(b.error, ISAKMP_BUF_EINVAL);
}

/* --------------------------------------------------- real-world bytes */

/*
 * The first 216 bytes of the 296-byte main mode message 1 a DrayTek
 * Vigor 5500 sent, as published in DrayTek's FAQ "How to analyse VPN
 * IPsec logs" (faq.draytek.com.au, 2019-08-28): header, the SA (148 bytes:
 * one proposal, four transforms whose attributes start with life type
 * and duration), the DPD VID and the RFC 3947 VID.  The published log is
 * cut after that VID, so its next payload is set to NONE here and the
 * header length to 216; the header flags, not printed, are taken as 0.
 * Proposal and transform numbers are the log's 0, 0..3.
 */
static const char draytek_hex[] =
    "b9f00c1aa2e689db 0000000000000000 01 10 02 00 00000000 000000d8"
    /* SA */
    "0d 00 0094 00000001 00000001"
    "00 00 0088 00 01 00 04"
    "03 00 0020 00 01 0000 800b0001 800c0384 80010001 80020001"
    "80030001 80040001"
    "03 00 0020 01 01 0000 800b0001 800c0384 80010001 80020002"
    "80030001 80040001"
    "03 00 0020 02 01 0000 800b0001 800c0384 80010005 80020001"
    "80030001 80040001"
    "00 00 0020 03 01 0000 800b0001 800c0384 80010005 80020001"
    "80030001 80040002"
    /* VID: DPD, then RFC 3947 */
    "0d 00 0014 afcad71368a1f1c96b8696fc77570100"
    "00 00 0014 4a131c81070358455c5728f20e95452f";

ATF_TC_WITHOUT_HEAD(draytek_published);
ATF_TC_BODY(draytek_published, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_sa sa;
	struct isakmp_proposal pr;
	struct isakmp_transform t;
	struct isakmp_attr a;
	uint8_t m[512];
	size_t len, pc = 0, tcur = 0, i;
	uint64_t v;
	static const uint16_t enc[4] = { 1, 1, 5, 5 }, hash[4] = { 1, 2, 1, 1 },
	    grp[4] = { 1, 1, 1, 2 };

	len = unhex(draytek_hex, m, sizeof(m));
	ATF_REQUIRE_EQ(len, 216);
	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, &err), 0, "%s at %zu",
	    err.what, err.offset);
	ATF_CHECK_EQ(msg.npl, 3);
	ATF_CHECK_EQ(msg.pl[0].len + 4, 0x94);
	ATF_REQUIRE_EQ(isakmp_decode_sa(&msg.pl[0], &sa, &err), 0);
	ATF_REQUIRE_EQ(isakmp_sa_next_proposal(&sa, &pc, &pr), 1);
	ATF_CHECK(pr.num == 0 && pr.proto == ISAKMP_PROTO_ISAKMP &&
	    pr.spisize == 0 && pr.ntransforms == 4);
	for (i = 0; i < 4; i++) {
		ATF_REQUIRE_EQ(isakmp_proposal_next_transform(&pr, &tcur, &t),
		    1);
		ATF_CHECK_EQ(t.num, i);
		ATF_CHECK_EQ(t.nattrs, 6);
		ATF_CHECK(isakmp_transform_find_attr(&t, OAKLEY_ATTR_SA_LD,
		    &a) == 1 && isakmp_attr_uint(&a, &v) == 0 && v == 900);
		ATF_CHECK(isakmp_transform_find_attr(&t, OAKLEY_ATTR_ENC_ALG,
		    &a) == 1 && isakmp_attr_uint(&a, &v) == 0 && v == enc[i]);
		ATF_CHECK(isakmp_transform_find_attr(&t, OAKLEY_ATTR_HASH_ALG,
		    &a) == 1 && isakmp_attr_uint(&a, &v) == 0 && v == hash[i]);
		ATF_CHECK(isakmp_transform_find_attr(&t, OAKLEY_ATTR_GRP_DESC,
		    &a) == 1 && isakmp_attr_uint(&a, &v) == 0 && v == grp[i]);
	}
	ATF_CHECK_EQ(isakmp_vid_match(msg.pl[1].body, msg.pl[1].len, NULL),
	    ISAKMP_VID_DPD);
	ATF_CHECK_EQ(isakmp_vid_match(msg.pl[2].body, msg.pl[2].len, NULL),
	    ISAKMP_VID_NATT_RFC3947);
	check_reencode(m, len);
}

/*
 * A main mode message 1 of the shape charon's (below) has, an SA offering
 * aes256-sha256-modp2048 and aes128-sha1-ecp256 with PSK, and XAuth, DPD
 * and NAT-T vendor IDs, written here field by field from RFC 2408
 * 3.1-3.6 and RFC 2409 appendix A, not by the encoder: the encoder must
 * produce exactly these bytes from the same description.
 */
static const char charon_mm1_hex[] =
    /* header: cookies, np SA, 1.0, main mode, no flags, msgid 0 */
    "1a2b3c4d5e6f7081 0000000000000000 01 10 02 00 00000000 000000e8"
    /* SA: next VID, length 4+8+8+2*(8+28) = 92 */
    "0d 00 005c 00000001 00000001"
    /* proposal 1, ISAKMP, SPI size 0, 2 transforms; length 80 */
    "00 00 0050 01 01 00 02"
    /* transform 1 KEY_IKE: aes 256 sha256 psk modp2048 10800 s */
    "03 00 0024 01 01 0000 80010007 800e0100 80020004 80030001"
    "8004000e 800b0001 800c2a30"
    /* transform 2 KEY_IKE: aes 128 sha1 psk ecp256 10800 s */
    "00 00 0024 02 01 0000 80010007 800e0080 80020002 80030001"
    "80040013 800b0001 800c2a30"
    /* VIDs */
    "0d 00 000c 09002689dfd6b712"
    "0d 00 0014 afcad71368a1f1c96b8696fc77570100"
    "0d 00 0014 4a131c81070358455c5728f20e95452f"
    "0d 00 0014 7d9419a65310ca6f2c179d9215529d56"
    "0d 00 0014 cd60464335df21f87cfdb2fc68b6a448"
    "00 00 0014 90cb80913ebb696e086381b5ec427b1f";

static size_t
mk_charon_mm1(uint8_t *out, size_t cap)
{
	static const enum isakmp_vendor vids[] = { ISAKMP_VID_XAUTH,
	    ISAKMP_VID_DPD, ISAKMP_VID_NATT_RFC3947, ISAKMP_VID_NATT_DRAFT_03,
	    ISAKMP_VID_NATT_DRAFT_02, ISAKMP_VID_NATT_DRAFT_02N };
	static const uint16_t grp[2] = { OAKLEY_GROUP_MODP2048,
	    OAKLEY_GROUP_ECP256 };
	static const uint16_t keylen[2] = { 256, 128 };
	static const uint16_t hash[2] = { OAKLEY_HASH_SHA2_256,
	    OAKLEY_HASH_SHA };
	struct isakmp_buf b;
	struct isakmp_hdr h;
	const uint8_t *p;
	size_t i, n;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, icookie, 8);
	h.version = ISAKMP_VERSION_IKEV1;
	h.etype = ISAKMP_ETYPE_IDPROT;
	isakmp_buf_alloc(&b, 0);
	isakmp_put_header(&b, &h);
	isakmp_put_sa_begin(&b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(&b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
	for (i = 0; i < 2; i++) {
		isakmp_put_transform_begin(&b, (uint8_t)(i + 1),
		    ISAKMP_XFORM_KEY_IKE);
		isakmp_put_attr(&b, OAKLEY_ATTR_ENC_ALG, OAKLEY_ENC_AES);
		isakmp_put_attr(&b, OAKLEY_ATTR_KEY_LEN, keylen[i]);
		isakmp_put_attr(&b, OAKLEY_ATTR_HASH_ALG, hash[i]);
		isakmp_put_attr(&b, OAKLEY_ATTR_AUTH_METHOD, OAKLEY_AUTH_PSK);
		isakmp_put_attr(&b, OAKLEY_ATTR_GRP_DESC, grp[i]);
		isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD_TYPE,
		    OAKLEY_LIFE_SECONDS);
		isakmp_put_attr(&b, OAKLEY_ATTR_SA_LD, 10800);
		isakmp_put_end(&b);
	}
	isakmp_put_end(&b);
	isakmp_put_end(&b);
	for (i = 0; i < sizeof(vids) / sizeof(vids[0]); i++) {
		p = isakmp_vid_bytes(vids[i], &n);
		isakmp_put_data(&b, ISAKMP_NPTYPE_VID, p, n);
	}
	n = finish(&b, out, cap);
	isakmp_buf_free(&b);
	return (n);
}

ATF_TC_WITHOUT_HEAD(charon_main_mode);
ATF_TC_BODY(charon_main_mode, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	uint8_t m[512], e[512];
	size_t len, elen, i;
	static const enum isakmp_vendor want[6] = { ISAKMP_VID_XAUTH,
	    ISAKMP_VID_DPD, ISAKMP_VID_NATT_RFC3947, ISAKMP_VID_NATT_DRAFT_03,
	    ISAKMP_VID_NATT_DRAFT_02, ISAKMP_VID_NATT_DRAFT_02N };

	len = unhex(charon_mm1_hex, m, sizeof(m));
	ATF_REQUIRE_EQ(len, 232);
	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, &err), 0, "%s at %zu",
	    err.what, err.offset);
	ATF_REQUIRE_EQ(msg.npl, 7);
	check_spec(&msg.pl[0], (const struct tprop[]){ { 1,
	    ISAKMP_PROTO_ISAKMP, 0, { 0 }, 2, {
	    { 1, 1, 7, { { 1, 7 }, { 14, 256 }, { 2, 4 }, { 3, 1 },
		{ 4, 14 }, { 11, 1 }, { 12, 10800 } } },
	    { 2, 1, 7, { { 1, 7 }, { 14, 128 }, { 2, 2 }, { 3, 1 },
		{ 4, 19 }, { 11, 1 }, { 12, 10800 } } } } } }, 1);
	for (i = 0; i < 6; i++)
		ATF_CHECK_EQ_MSG(isakmp_vid_match(msg.pl[1 + i].body,
		    msg.pl[1 + i].len, NULL), want[i], "VID %zu", i);
	check_reencode(m, len);
	/* The encoder, from the same description, gives the same bytes. */
	elen = mk_charon_mm1(e, sizeof(e));
	ATF_CHECK_EQ(elen, len);
	ATF_CHECK(elen == len && memcmp(e, m, len) == 0);
}

/*
 * Two messages captured on this project's build machine (Debian 12) from
 * strongSwan's charon 5.9.8 (package 5.9.8-5+deb12u6) initiating to a
 * silent peer, as tcpdump saw them on the wire (UDP payloads).  The
 * swanctl.conf connections:
 *   mm: version = 1, proposals = aes256-sha256-modp2048,aes128-sha1-ecp256,
 *       fragmentation = yes, dpd_delay = 30s, PSK, IP identities;
 *   am: version = 1, aggressive = yes, proposals = aes128-sha256-modp2048,
 *       PSK, local id client@example.org.
 * charon orders the attributes enc, key length, hash, group, auth, life,
 * and sends XAuth, DPD, FRAGMENTATION (with its capability word), RFC
 * 3947 and draft-02\n vendor IDs.
 */
static const char charon_real_mm1[] =
    "7a90bf701e0efb6f00000000000000000110020000000000000000d80d00005c"
    "00000001000000010000005001010002030000240101000080010007800e0100"
    "800200048004000e80030001800b0001800c3de0000000240201000080010007"
    "800e0080800200028004001380030001800b0001800c3de00d00000c09002689"
    "dfd6b7120d000014afcad71368a1f1c96b8696fc775701000d0000184048b7d5"
    "6ebce88525e7de7f00d6c2d3800000000d0000144a131c81070358455c5728f2"
    "0e95452f0000001490cb80913ebb696e086381b5ec427b1f";

static const char charon_real_am1[] =
    "963dcb3e069052e000000000000000000110040000000000000001f604000038"
    "00000001000000010000002c01010001000000240101000080010007800e0080"
    "800200048004000e80030001800b0001800c3de00a00010476513a997146dc8d"
    "eb178fc54e4cab3c4b4a1786fca8d5b81e3033ed8dabb24834ffd0b685717d7a"
    "d9423198b0f0cd1163e721bd4a7636e88a7c96e11b7bf80a555c31b21c8c9ec4"
    "b20d285cfed56e2c76cdbfa522a01a091a2f4d0b3bc4813f13b036e28ffe4134"
    "2df16427c1577267213e78837d223ba2a6ad3b2f7f30f2d38a2cc20af4c5db83"
    "79ea3be314298c7b3f91bd9b5c52ace59c74ba7d09f6282d3d7e26e2793512f4"
    "120797d21640bc7eb56d416f8c024c19f63401daf245e430bdab666be57d836d"
    "4af56eb09b4bcfd0f13c440ed4bfa1baa4d29524c55bcbf9af04d78af3fbbb02"
    "e493dc7e98fb7b1b7dd8f2a5a20a591e931f76cc61e92cf605000024ee123f4f"
    "2e49b40e8d7416e8e448018ed63273aa59db147b535811507a12b81f0d00001a"
    "03000000636c69656e74406578616d706c652e6f72670d00000c09002689dfd6"
    "b7120d000014afcad71368a1f1c96b8696fc775701000d0000184048b7d56ebc"
    "e88525e7de7f00d6c2d3800000000d0000144a131c81070358455c5728f20e95"
    "452f0000001490cb80913ebb696e086381b5ec427b1f";

ATF_TC_WITHOUT_HEAD(charon_captured);
ATF_TC_BODY(charon_captured, tc)
{
	static const enum isakmp_vendor want[5] = { ISAKMP_VID_XAUTH,
	    ISAKMP_VID_DPD, ISAKMP_VID_FRAG, ISAKMP_VID_NATT_RFC3947,
	    ISAKMP_VID_NATT_DRAFT_02N };
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_data d;
	struct isakmp_id id;
	uint8_t m[1024];
	uint32_t extra;
	size_t len, i;
	char s[64];

	len = unhex(charon_real_mm1, m, sizeof(m));
	ATF_REQUIRE_EQ(len, 216);
	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, &err), 0, "%s at %zu",
	    err.what, err.offset);
	ATF_CHECK_EQ(msg.hdr.etype, ISAKMP_ETYPE_IDPROT);
	ATF_REQUIRE_EQ(msg.npl, 6);
	check_spec(&msg.pl[0], (const struct tprop[]){ { 1,
	    ISAKMP_PROTO_ISAKMP, 0, { 0 }, 2, {
	    { 1, 1, 7, { { 1, 7 }, { 14, 256 }, { 2, 4 }, { 4, 14 },
		{ 3, 1 }, { 11, 1 }, { 12, 15840 } } },
	    { 2, 1, 7, { { 1, 7 }, { 14, 128 }, { 2, 2 }, { 4, 19 },
		{ 3, 1 }, { 11, 1 }, { 12, 15840 } } } } } }, 1);
	for (i = 0; i < 5; i++)
		ATF_CHECK_EQ_MSG(isakmp_vid_match(msg.pl[1 + i].body,
		    msg.pl[1 + i].len, &extra), want[i], "VID %zu", i);
	ATF_CHECK_EQ(isakmp_vid_match(msg.pl[3].body, msg.pl[3].len, &extra),
	    ISAKMP_VID_FRAG);
	ATF_CHECK_EQ(extra, ISAKMP_FRAG_CAP_IKE);
	check_reencode(m, len);

	len = unhex(charon_real_am1, m, sizeof(m));
	ATF_REQUIRE_EQ(len, 502);
	ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, m, len, &err), 0, "%s at %zu",
	    err.what, err.offset);
	ATF_CHECK_EQ(msg.hdr.etype, ISAKMP_ETYPE_AGGRESSIVE);
	ATF_REQUIRE_EQ(msg.npl, 9);
	check_spec(&msg.pl[0], (const struct tprop[]){ { 1,
	    ISAKMP_PROTO_ISAKMP, 0, { 0 }, 1, {
	    { 1, 1, 7, { { 1, 7 }, { 14, 128 }, { 2, 4 }, { 4, 14 },
		{ 3, 1 }, { 11, 1 }, { 12, 15840 } } } } } }, 1);
	ATF_CHECK(isakmp_decode_data(&msg.pl[1], &d, &err) == 0 &&
	    msg.pl[1].type == ISAKMP_NPTYPE_KE && d.len == 256);
	ATF_CHECK(isakmp_decode_nonce(&msg.pl[2], &d, &err) == 0 &&
	    d.len == 32);
	ATF_REQUIRE_EQ(isakmp_decode_id(&msg.pl[3], &id, &err), 0);
	ATF_CHECK(id.type == IPSEC_ID_USER_FQDN && id.proto == 0 &&
	    id.port == 0);
	ATF_CHECK_EQ(isakmp_id_to_string(&id, s, sizeof(s)), 0);
	ATF_CHECK_STREQ(s, "client@example.org");
	for (i = 0; i < 5; i++)
		ATF_CHECK_EQ_MSG(isakmp_vid_match(msg.pl[4 + i].body,
		    msg.pl[4 + i].len, NULL), want[i], "VID %zu", i);
	check_reencode(m, len);
}

/* ---------------------------------------------------- robustness loops */

ATF_TC_WITHOUT_HEAD(truncation_and_flips);
ATF_TC_BODY(truncation_and_flips, tc)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_buf b;
	struct isakmp_hdr h;
	uint8_t m[1024], t[1024], mem[1024];
	size_t len, l, i, j, accepted = 0, refused = 0;
	const uint8_t *p;
	size_t n;

	/* A message with SA (phase 2 spec), ID, NONCE, N, D, NAT-OA. */
	hdr_make(&h, ISAKMP_ETYPE_QUICK, 0, 0x55aa55aa);
	isakmp_buf_init(&b, mem, sizeof(mem));
	isakmp_put_header(&b, &h);
	put_spec(&b, p2spec, 3);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, "0123456789abcdef", 16);
	isakmp_put_id(&b, &(struct isakmp_id){ IPSEC_ID_IPV4_ADDR_SUBNET, 0,
	    0, (const uint8_t *)"\x0a\0\0\0\xff\0\0\0", 8 });
	isakmp_put_notify(&b, &(struct isakmp_notify){ 1, 3, 4,
	    ISAKMP_NTYPE_RESPONDER_LIFETIME, (const uint8_t *)"SPI!",
	    (const uint8_t *)"\x80\x01\x00\x01", 4 });
	isakmp_put_delete(&b, &(struct isakmp_delete){ 1, 3, 4, 2,
	    (const uint8_t *)"SPI1SPI2" });
	isakmp_put_natoa(&b, ISAKMP_NPTYPE_NATOA, &(struct isakmp_natoa){
	    IPSEC_ID_IPV4_ADDR, 4, { 10, 0, 0, 1 } });
	len = finish(&b, m, sizeof(m));
	check_reencode(m, len);

	/* Every truncation (header length patched to match) fails. */
	for (l = 0; l < len; l++) {
		memcpy(t, m, l);
		if (l >= 28)
			put32(t + 24, (uint32_t)l);
		ATF_CHECK_EQ_MSG(isakmp_decode(&msg, t, l, &err), -1,
		    "truncated to %zu accepted", l);
	}
	/*
	 * Every single bit flipped: the message is refused, or it decodes
	 * and each payload either fails its decoder or re-encodes to the
	 * same bytes.  Under ASan this also proves no read out of bounds.
	 */
	for (i = 0; i < len; i++) {
		for (j = 0; j < 8; j++) {
			bool ok = true;

			memcpy(t, m, len);
			t[i] ^= (uint8_t)(1U << j);
			if (isakmp_decode(&msg, t, len, &err) == -1 ||
			    msg.enc != NULL) {
				/* refused, or now "encrypted" (E flag) */
				refused++;
				continue;
			}
			isakmp_buf_init(&b, mem, sizeof(mem));
			isakmp_put_header(&b, &msg.hdr);
			for (l = 0; l < msg.npl && ok; l++)
				if (isakmp_put_payload(&b, &msg.pl[l],
				    &err) == -1)
					ok = false;
			if (!ok) {
				refused++;
				continue;
			}
			accepted++;
			ATF_REQUIRE_EQ(isakmp_buf_finish(&b, &p, &n), 0);
			ATF_CHECK_EQ_MSG(n == len && memcmp(p, t, len) == 0,
			    true, "flip %zu/%zu changed in re-encoding", i, j);
		}
	}
	/* Both outcomes happen (flipping data bytes is harmless). */
	ATF_CHECK(accepted > 0);
	ATF_CHECK(refused > 0);
}

/* --------------------------------------------------- tshark as oracle */

/*
 * Writes the messages as UDP/500 datagrams in a pcap file (raw IPv4) and
 * returns tshark's field output for them.  0 if tshark is missing.
 */
static int
tshark_fields(const uint8_t *const *msgs, const size_t *lens, size_t n,
    const char *fields, char *out, size_t outsize)
{
	char path[] = "/tmp/isakmp_test.XXXXXX", cmd[1024];
	uint8_t hdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 }, rec[16];
	uint8_t ip[28];
	FILE *f, *pp;
	size_t i, got;
	int fd;

	if (access("/usr/bin/tshark", X_OK) != 0)
		return (0);
	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	ATF_REQUIRE((f = fdopen(fd, "w")) != NULL);
	memset(hdr + 8, 0, 16);
	hdr[16] = 0xff; hdr[17] = 0xff;		/* snaplen */
	hdr[20] = 101;				/* LINKTYPE_RAW */
	fwrite(hdr, 1, sizeof(hdr), f);
	for (i = 0; i < n; i++) {
		size_t tot = 28 + lens[i];

		memset(rec, 0, sizeof(rec));
		rec[0] = (uint8_t)(i + 1);
		rec[8] = rec[12] = (uint8_t)tot;
		rec[9] = rec[13] = (uint8_t)(tot >> 8);
		memset(ip, 0, sizeof(ip));
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)tot);
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
		put16(ip + 20, 500);
		put16(ip + 22, 500);
		put16(ip + 24, (uint16_t)(8 + lens[i]));
		fwrite(rec, 1, sizeof(rec), f);
		fwrite(ip, 1, sizeof(ip), f);
		fwrite(msgs[i], 1, lens[i], f);
	}
	ATF_REQUIRE(fclose(f) == 0);
	snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -n -r %s -T fields "
	    "-E separator='|' -E occurrence=a -E aggregator=, %s 2>/dev/null",
	    path, fields);
	ATF_REQUIRE((pp = popen(cmd, "r")) != NULL);
	got = fread(out, 1, outsize - 1, pp);
	out[got] = '\0';
	pclose(pp);
	unlink(path);
	return (1);
}

ATF_TC(tshark_oracle);
ATF_TC_HEAD(tshark_oracle, tc)
{
	atf_tc_set_md_var(tc, "descr", "tshark dissects what we encode");
	atf_tc_set_md_var(tc, "timeout", "60");
}
ATF_TC_BODY(tshark_oracle, tc)
{
	uint8_t m1[512], m2[1024], m3[512], ck[16];
	const uint8_t *msgs[3];
	size_t lens[3];
	char out[4096];
	struct isakmp_buf b;
	struct isakmp_hdr h;

	lens[0] = mk_charon_mm1(m1, sizeof(m1));
	msgs[0] = m1;
	lens[1] = mk_sa_msg(m2, sizeof(m2), p2spec, 3);
	m2[18] = ISAKMP_ETYPE_QUICK;
	msgs[1] = m2;
	hdr_make(&h, ISAKMP_ETYPE_INFO, 0, 0x11223344);
	isakmp_buf_init(&b, m3, sizeof(m3));
	isakmp_put_header(&b, &h);
	isakmp_put_delete(&b, &(struct isakmp_delete){ 1, 3, 4, 2,
	    (const uint8_t *)"\xaa\xbb\xcc\xdd\x11\x22\x33\x44" });
	memcpy(ck, icookie, 8);
	memcpy(ck + 8, rcookie, 8);
	isakmp_put_notify(&b, &(struct isakmp_notify){ 1, 1, 16,
	    ISAKMP_NTYPE_R_U_THERE, ck, (const uint8_t *)"\0\0\0\x2a", 4 });
	ATF_REQUIRE_EQ(isakmp_buf_finish(&b, NULL, &lens[2]), 0);
	msgs[2] = m3;

	if (!tshark_fields(msgs, lens, 3, "-e isakmp.exchangetype "
	    "-e isakmp.length -e isakmp.prop.transforms -e isakmp.trans.id "
	    "-e isakmp.ike.attr.key_length -e isakmp.ike.attr.group_description"
	    " -e isakmp.ipsec.attr.encap_mode"
	    " -e isakmp.ipsec.attr.life_duration -e isakmp.delete.spi"
	    " -e isakmp.notify.msgtype -e isakmp.vid_string",
	    out, sizeof(out)))
		atf_tc_skip("tshark is not installed");
	printf("%s", out);
	/*
	 * Line 1: main mode, 232 bytes, 2 transforms (KEY_IKE), key lengths
	 * and groups, and the six vendor IDs as Wireshark names them.
	 * Line 2: quick mode, the transform counts and ids of the three
	 * proposals, the encapsulation modes, both life durations (seconds
	 * and kilobytes, TV and TLV).  Line 3: the delete's SPIs and the
	 * R-U-THERE notify.
	 */
	ATF_CHECK(strstr(out, "2|232|2|1,1|256,128|14,19|||||XAUTH,"
	    "RFC 3706 DPD (Dead Peer Detection),"
	    "RFC 3947 Negotiation of NAT-Traversal in the IKE,"
	    "draft-ietf-ipsec-nat-t-ike-03,draft-ietf-ipsec-nat-t-ike-02,"
	    "draft-ietf-ipsec-nat-t-ike-02\\n\n") == out);
	ATF_CHECK(strstr(out, "\n32|178|2,1,1|20,12,5,2|||3,61443,2,1|"
	    "3600,4608000|||\n") != NULL);
	ATF_CHECK(strstr(out, "\n5|80|||||||aabbccdd,11223344|36136|\n") !=
	    NULL);

	/* Negative control: a flipped VID byte is no longer RFC 3947. */
	m1[28 + 92 + 12 + 20 + 4] ^= 1;
	ATF_REQUIRE(tshark_fields(msgs, lens, 1, "-e isakmp.vid_string", out,
	    sizeof(out)));
	ATF_CHECK(strstr(out, "RFC 3947") == NULL);
	ATF_CHECK(strstr(out, "Unknown Vendor ID") != NULL);
	ATF_CHECK(strstr(out, "Dead Peer Detection") != NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, constants);
	ATF_TP_ADD_TC(tp, names);
	ATF_TP_ADD_TC(tp, vendor_ids);
	ATF_TP_ADD_TC(tp, header);
	ATF_TP_ADD_TC(tp, chain);
	ATF_TP_ADD_TC(tp, sa_roundtrip);
	ATF_TP_ADD_TC(tp, sa_malformed);
	ATF_TP_ADD_TC(tp, payload_roundtrip);
	ATF_TP_ADD_TC(tp, payload_malformed);
	ATF_TP_ADD_TC(tp, id_helpers);
	ATF_TP_ADD_TC(tp, encrypted);
	ATF_TP_ADD_TC(tp, fragment_message);
	ATF_TP_ADD_TC(tp, builder);
	ATF_TP_ADD_TC(tp, draytek_published);
	ATF_TP_ADD_TC(tp, charon_main_mode);
	ATF_TP_ADD_TC(tp, charon_captured);
	ATF_TP_ADD_TC(tp, truncation_and_flips);
	ATF_TP_ADD_TC(tp, tshark_oracle);
	return (atf_no_error());
}
