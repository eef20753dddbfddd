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
 * libFuzzer target: the ISAKMP codec and IKE fragment reassembly
 * (racoon-ng/libike/isakmp*.c) on untrusted datagrams.
 *
 * The input is used three ways:
 *
 *  - as a datagram: isakmp_decode(); an encrypted one's body is also fed
 *    to isakmp_decode_body() as if it were the plaintext.  Every payload
 *    goes through its decoder and everything a decoder gives is walked
 *    (proposals, transforms, attributes, SPIs, ID addresses and strings,
 *    vendor IDs, names).  Invariants: errors carry a reason, a notify
 *    type with a name and an offset within the message; the SA cursors
 *    agree with the counts the decoder gave; an address ID converted to
 *    addresses and back gives the same addresses; and re-encoding the
 *    decoded payloads gives the input back byte for byte (the body up to
 *    its padding, for a decrypted one).
 *  - as a message to fragment: split at a size taken from the input and
 *    fed back in a shuffled order with duplicates, it must reassemble to
 *    the input.
 *  - as a stream of fragments (records of a 2-byte length and a
 *    datagram) fed to a reassembly context with small limits and a
 *    clock that moves: whatever completes is freed, the work counted
 *    stays linear in the fragments fed, and the memory pool is empty
 *    once the context is cleared.
 *
 * Built with -DISAKMP_FUZZ_CORPUS (plain cc, linked with libike) the file
 * is instead the program that writes the seed corpus (corpus/isakmp/):
 *	cc -DISAKMP_FUZZ_CORPUS -I../racoon-ng/libike isakmp_fuzz.c \
 *	    ../racoon-ng/libike/libike.a -lbsd && ./a.out corpus/isakmp
 * The charon_* seeds are strongSwan captures, the messages of
 * tests/racoon-ng/isakmp_test.c's charon_captured test.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isakmp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "isakmp_fuzz: %s\n", what);
		abort();
	}
}

#ifndef ISAKMP_FUZZ_CORPUS

static uint8_t	encbuf[ISAKMP_MSG_MAX + 1024];

/* A failed decode must explain itself. */
static void
check_err(const struct isakmp_error *err, size_t size)
{
	need(err->what != NULL, "error without a reason");
	need(isakmp_notify_name(err->notify) != NULL,
	    "error with an unnamed notify type");
	need(err->offset <= size, "error offset outside the message");
}

static void
walk_attrs(const uint8_t *p, size_t len, size_t base, size_t nattrs, int cls)
{
	struct isakmp_attr a;
	size_t cur = 0, n = 0;
	uint64_t v;
	int r;

	while ((r = isakmp_attrs_next(p, len, base, &cur, &a)) == 1) {
		n++;
		if (isakmp_attr_uint(&a, &v) == 0)
			(void)isakmp_attr_value_name(cls, a.type, v);
		(void)isakmp_attr_name(cls, a.type);
	}
	need(r == 0, "attribute cursor failed after validation");
	need(n == nattrs, "attribute count differs");
}

static void
walk_sa(const struct isakmp_payload *pl, size_t size)
{
	struct isakmp_sa sa;
	struct isakmp_proposal pr;
	struct isakmp_transform t;
	struct isakmp_error err;
	size_t pc = 0, tcur, np = 0, nt;
	int r, rt, cls;

	if (isakmp_decode_sa(pl, &sa, &err) == -1) {
		check_err(&err, size);
		return;
	}
	while ((r = isakmp_sa_next_proposal(&sa, &pc, &pr)) == 1) {
		np++;
		(void)isakmp_proto_name(pr.proto);
		cls = pr.proto == ISAKMP_PROTO_ISAKMP ? ISAKMP_ATTRS_PHASE1 :
		    ISAKMP_ATTRS_PHASE2;
		tcur = 0;
		nt = 0;
		while ((rt = isakmp_proposal_next_transform(&pr, &tcur,
		    &t)) == 1) {
			nt++;
			(void)isakmp_xform_name(pr.proto, t.id);
			walk_attrs(t.attrs, t.attrslen, t.attroff, t.nattrs,
			    cls);
		}
		need(rt == 0, "transform cursor failed after validation");
		need(nt == pr.ntransforms, "transform count differs");
	}
	need(r == 0, "proposal cursor failed after validation");
	need(np == sa.nprops, "proposal count differs");
}

static void
walk_id(const struct isakmp_payload *pl, size_t size)
{
	struct isakmp_id id, id2;
	struct isakmp_idaddr a, a2;
	struct isakmp_error err;
	uint8_t out[32], type;
	char s[300];
	size_t n;

	if (isakmp_decode_id(pl, &id, &err) == -1) {
		check_err(&err, size);
		return;
	}
	(void)isakmp_idtype_name(id.type);
	(void)isakmp_id_to_string(&id, s, sizeof(s));
	if (isakmp_id_to_addr(&id, &a, &err) == -1)
		return;
	n = isakmp_id_from_addr(&a, &type, out);
	need(n > 0, "an address ID does not encode back");
	memset(&id2, 0, sizeof(id2));
	id2.type = type;
	id2.data = out;
	id2.len = n;
	need(isakmp_id_to_addr(&id2, &a2, &err) == 0 &&
	    memcmp(&a, &a2, sizeof(a)) == 0, "address ID round trip");
}

static void
walk_payload(const struct isakmp_payload *pl, size_t size)
{
	struct isakmp_error err;
	struct isakmp_data d;
	struct isakmp_cert c;
	struct isakmp_notify n;
	struct isakmp_delete del;
	struct isakmp_natoa o;
	struct isakmp_cfg cfg;
	struct isakmp_fragment f;
	uint32_t extra;
	size_t i;
	int r = 0;

	(void)isakmp_payload_name(pl->type);
	switch (pl->type) {
	case ISAKMP_NPTYPE_SA:
		walk_sa(pl, size);
		return;
	case ISAKMP_NPTYPE_ID:
		walk_id(pl, size);
		return;
	case ISAKMP_NPTYPE_NONCE:
		r = isakmp_decode_nonce(pl, &d, &err);
		break;
	case ISAKMP_NPTYPE_VID:
		r = isakmp_decode_data(pl, &d, &err);
		if (r == 0)
			(void)isakmp_vid_name(isakmp_vid_match(d.data, d.len,
			    &extra));
		break;
	case ISAKMP_NPTYPE_CERT:
		r = isakmp_decode_cert(pl, &c, &err);
		if (r == 0)
			(void)isakmp_cert_name(c.encoding);
		break;
	case ISAKMP_NPTYPE_CR:
		r = isakmp_decode_cr(pl, &c, &err);
		break;
	case ISAKMP_NPTYPE_N:
		r = isakmp_decode_notify(pl, &n, &err);
		if (r == 0)
			(void)isakmp_notify_name(n.type);
		break;
	case ISAKMP_NPTYPE_D:
		r = isakmp_decode_delete(pl, &del, &err);
		if (r == 0) {
			for (i = 0; i < del.count; i++)
				need(isakmp_delete_spi(&del, i) != NULL,
				    "delete SPI missing");
			need(isakmp_delete_spi(&del, del.count) == NULL,
			    "delete SPI past the count");
		}
		break;
	case ISAKMP_NPTYPE_NATOA:
	case ISAKMP_NPTYPE_NATOA_DRAFT:
		r = isakmp_decode_natoa(pl, &o, &err);
		break;
	case ISAKMP_NPTYPE_ATTR:
		r = isakmp_decode_cfg(pl, &cfg, &err);
		if (r == 0)
			walk_attrs(cfg.attrs, cfg.attrslen, cfg.attroff,
			    cfg.nattrs, ISAKMP_ATTRS_NONE);
		break;
	case ISAKMP_NPTYPE_FRAG:
		r = isakmp_decode_fragment(pl, &f, &err);
		break;
	default:
		r = isakmp_decode_data(pl, &d, &err);
		break;
	}
	if (r == -1)
		check_err(&err, size);
}

/*
 * Re-encodes the payloads of msg (with its header when hdr); the result
 * must be want[0..wantlen).  Returns false if a payload does not decode.
 */
static bool
reencode(const struct isakmp_msg *msg, bool hdr, const uint8_t *want,
    size_t wantlen)
{
	struct isakmp_buf b;
	struct isakmp_error err;
	const uint8_t *p;
	size_t i, n;

	isakmp_buf_init(&b, encbuf, sizeof(encbuf));
	if (hdr)
		need(isakmp_put_header(&b, &msg->hdr) == 0, "header write");
	for (i = 0; i < msg->npl; i++)
		if (isakmp_put_payload(&b, &msg->pl[i], &err) == -1) {
			need(b.error == 0, "encoder failed on a valid payload");
			return (false);
		}
	need(isakmp_buf_finish(&b, &p, &n) == 0, "finish");
	need(n == wantlen && memcmp(p, want, n) == 0,
	    "re-encoding differs from the input");
	if (!hdr && msg->npl > 0)
		need(b.firstnp == msg->hdr.np, "first payload differs");
	return (true);
}

static void
decode_all(const uint8_t *data, size_t size)
{
	struct isakmp_msg msg;
	struct isakmp_error err;
	size_t i;

	if (isakmp_decode(&msg, data, size, &err) == -1) {
		check_err(&err, size);
		return;
	}
	(void)isakmp_etype_name(msg.hdr.etype);
	if (msg.enc != NULL) {
		/* The body as if it had been decrypted. */
		if (isakmp_decode_body(&msg, msg.enc, msg.enclen, &err) ==
		    -1) {
			check_err(&err, size);
			return;
		}
		need(msg.padlen <= ISAKMP_PAD_MAX, "padding beyond the limit");
		for (i = 0; i < msg.npl; i++)
			walk_payload(&msg.pl[i], size);
		(void)reencode(&msg, false, msg.enc, msg.enclen - msg.padlen);
		return;
	}
	for (i = 0; i < msg.npl; i++) {
		need(msg.pl[i].offset + 4 + msg.pl[i].len <= size,
		    "payload outside the message");
		walk_payload(&msg.pl[i], size);
	}
	(void)reencode(&msg, true, data, size);
}

static uint8_t	frag[ISAKMP_MSG_MAX];

/* Splits the message and reassembles it in a shuffled order. */
static void
split_join(const uint8_t *data, size_t size)
{
	struct isakmp_frag_limits lim = { ISAKMP_REASM_SLOTS, 0, 0 };
	struct isakmp_frag_pool pool;
	struct isakmp_reasm r;
	struct isakmp_hdr h;
	size_t maxlen, n, i, k, len, outlen, order[ISAKMP_REASM_SLOTS];
	uint8_t *out = NULL;
	int rv = ISAKMP_REASM_MORE;

	if (isakmp_hdr_decode(&h, data, size, NULL) == -1 ||
	    (data[17] >> 4) != 1 || (data[17] & 0x0f) != 0 ||
	    data[16] == ISAKMP_NPTYPE_FRAG || data[18] == 0 ||
	    (data[18] > 6 && data[18] < 32) || (data[19] & ~7) != 0)
		return;
	maxlen = 37 + (size_t)data[size - 1] * 5;
	n = isakmp_frag_count(size, maxlen);
	if (n == 0 || n > ISAKMP_REASM_SLOTS)
		return;
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		k = data[i % size] % i;
		len = order[i - 1];
		order[i - 1] = order[k];
		order[k] = len;
	}
	isakmp_frag_pool_init(&pool, 1 << 20);
	isakmp_reasm_init(&r, &pool, &lim);
	for (i = 0; i < n; i++) {
		len = isakmp_frag_build(data, size, maxlen, (uint16_t)size,
		    order[i] + 1, frag, sizeof(frag));
		need(len > 0 && len <= maxlen, "fragment build");
		rv = isakmp_reasm_add(&r, frag, len, 0, &out, &outlen, NULL);
		need(rv == (i + 1 < n ? ISAKMP_REASM_MORE : ISAKMP_REASM_DONE),
		    "split message does not reassemble");
		/* A duplicate of the one just fed, now and then. */
		if (rv == ISAKMP_REASM_MORE && (data[i % size] & 1))
			need(isakmp_reasm_add(&r, frag, len, 0, NULL, NULL,
			    NULL) == ISAKMP_REASM_IGNORED, "duplicate taken");
	}
	need(out != NULL && outlen == size && memcmp(out, data, size) == 0,
	    "reassembled message differs");
	free(out);
	need(pool.used == 0 && !r.active, "reassembly left state behind");
}

/* The input as a stream of fragment records. */
static void
stream(const uint8_t *data, size_t size)
{
	struct isakmp_frag_limits lim = { 8, 4096, 5000 };
	struct isakmp_frag_pool pool;
	struct isakmp_reasm r;
	size_t pos = 0, len, outlen, fed = 0;
	uint64_t now = 0;
	uint8_t *out;
	int rv;

	isakmp_frag_pool_init(&pool, 8192);
	isakmp_reasm_init(&r, &pool, &lim);
	while (size - pos >= 2) {
		len = (size_t)data[pos] << 8 | data[pos + 1];
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		now += len & 0x3ff;
		rv = isakmp_reasm_add(&r, data + pos, len, now, &out, &outlen,
		    NULL);
		fed++;
		if (rv == ISAKMP_REASM_DONE) {
			need(out != NULL && outlen >= ISAKMP_HDR_LEN,
			    "completed without a message");
			free(out);
		} else
			need(out == NULL, "a message without completion");
		need(r.nheld <= r.maxfrags && r.bytes <= r.maxbytes,
		    "a set beyond its limits");
		need(pool.used <= pool.limit, "pool beyond its limit");
		pos += len;
	}
	need(r.stats.ops <= 3 * fed + 1, "reassembly work not linear");
	(void)isakmp_reasm_expire(&r, now + 5000);
	isakmp_reasm_clear(&r);
	need(pool.used == 0, "pool not empty after clearing");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > ISAKMP_MSG_MAX)
		return (0);
	decode_all(data, size);
	if (size > 0)
		split_join(data, size);
	stream(data, size);
	return (0);
}

#else /* ISAKMP_FUZZ_CORPUS */

static const char *dir;

static void
put(const char *name, struct isakmp_buf *b)
{
	char path[512];
	const uint8_t *p;
	size_t len;
	FILE *f;

	need(isakmp_buf_finish(b, &p, &len) == 0, name);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	need((f = fopen(path, "wb")) != NULL, path);
	need(fwrite(p, 1, len, f) == len && fclose(f) == 0, path);
	isakmp_buf_reset(b);
}

static void
hdr(struct isakmp_buf *b, uint8_t etype, uint8_t flags, uint32_t msgid)
{
	struct isakmp_hdr h;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, "\x11\x22\x33\x44\x55\x66\x77\x88", 8);
	memcpy(h.rcookie, "\x99\xaa\xbb\xcc\xdd\xee\xff\x01", 8);
	h.version = ISAKMP_VERSION_IKEV1;
	h.etype = etype;
	h.flags = flags;
	h.msgid = msgid;
	need(isakmp_put_header(b, &h) == 0, "header");
}

static void
vid(struct isakmp_buf *b, enum isakmp_vendor v)
{
	const uint8_t *p;
	size_t n;

	p = isakmp_vid_bytes(v, &n);
	isakmp_put_data(b, ISAKMP_NPTYPE_VID, p, n);
}

static void
p1_sa(struct isakmp_buf *b)
{
	isakmp_put_sa_begin(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(b, 1, ISAKMP_PROTO_ISAKMP, NULL, 0);
	isakmp_put_transform_begin(b, 1, ISAKMP_XFORM_KEY_IKE);
	isakmp_put_attr(b, OAKLEY_ATTR_ENC_ALG, OAKLEY_ENC_AES);
	isakmp_put_attr(b, OAKLEY_ATTR_KEY_LEN, 256);
	isakmp_put_attr(b, OAKLEY_ATTR_HASH_ALG, OAKLEY_HASH_SHA2_256);
	isakmp_put_attr(b, OAKLEY_ATTR_AUTH_METHOD, OAKLEY_AUTH_RSA_SIG);
	isakmp_put_attr(b, OAKLEY_ATTR_GRP_DESC, OAKLEY_GROUP_MODP2048);
	isakmp_put_attr(b, OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_LIFE_SECONDS);
	isakmp_put_attr(b, OAKLEY_ATTR_SA_LD, 86400);
	isakmp_put_end(b);
	isakmp_put_transform_begin(b, 2, ISAKMP_XFORM_KEY_IKE);
	isakmp_put_attr(b, OAKLEY_ATTR_ENC_ALG, OAKLEY_ENC_3DES);
	isakmp_put_attr(b, OAKLEY_ATTR_HASH_ALG, OAKLEY_HASH_SHA);
	isakmp_put_attr(b, OAKLEY_ATTR_AUTH_METHOD, OAKLEY_AUTH_XAUTH_PSK_I);
	isakmp_put_attr(b, OAKLEY_ATTR_GRP_DESC, OAKLEY_GROUP_MODP1024);
	isakmp_put_attr(b, OAKLEY_ATTR_SA_LD_TYPE, OAKLEY_LIFE_SECONDS);
	isakmp_put_attr(b, OAKLEY_ATTR_SA_LD, 28800);
	isakmp_put_end(b);
	isakmp_put_end(b);
	isakmp_put_end(b);
}

static void
p2_sa(struct isakmp_buf *b)
{
	isakmp_put_sa_begin(b, ISAKMP_DOI_IPSEC, IPSEC_SIT_IDENTITY_ONLY);
	isakmp_put_proposal_begin(b, 1, ISAKMP_PROTO_ESP,
	    (const uint8_t *)"\xc0\x01\x02\x03", 4);
	isakmp_put_transform_begin(b, 1, IPSEC_ESP_AES_GCM_16);
	isakmp_put_attr(b, IPSEC_ATTR_SA_LD_TYPE, IPSEC_LIFE_SECONDS);
	isakmp_put_attr(b, IPSEC_ATTR_SA_LD, 3600);
	isakmp_put_attr(b, IPSEC_ATTR_SA_LD_TYPE, IPSEC_LIFE_KILOBYTES);
	isakmp_put_attr(b, IPSEC_ATTR_SA_LD, 4608000);
	isakmp_put_attr(b, IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_UDP_TUNNEL);
	isakmp_put_attr(b, IPSEC_ATTR_KEY_LENGTH, 256);
	isakmp_put_attr(b, IPSEC_ATTR_GRP_DESC, OAKLEY_GROUP_MODP2048);
	isakmp_put_attr(b, IPSEC_ATTR_ESN, IPSEC_ESN_USE);
	isakmp_put_end(b);
	isakmp_put_transform_begin(b, 2, IPSEC_ESP_AES);
	isakmp_put_attr(b, IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_TUNNEL);
	isakmp_put_attr(b, IPSEC_ATTR_AUTH, IPSEC_AUTH_HMAC_SHA2_256);
	isakmp_put_attr(b, IPSEC_ATTR_KEY_LENGTH, 128);
	isakmp_put_end(b);
	isakmp_put_end(b);
	isakmp_put_proposal_begin(b, 1, ISAKMP_PROTO_AH,
	    (const uint8_t *)"\xa0\xb1\xc2\xd3", 4);
	isakmp_put_transform_begin(b, 1, IPSEC_AH_SHA2_256);
	isakmp_put_attr(b, IPSEC_ATTR_AUTH, IPSEC_AUTH_HMAC_SHA2_256);
	isakmp_put_end(b);
	isakmp_put_end(b);
	isakmp_put_proposal_begin(b, 2, ISAKMP_PROTO_IPCOMP,
	    (const uint8_t *)"\x12\x34", 2);
	isakmp_put_transform_begin(b, 1, IPSEC_IPCOMP_DEFLATE);
	isakmp_put_attr(b, IPSEC_ATTR_ENC_MODE, IPSEC_ENCMODE_TRANSPORT);
	isakmp_put_end(b);
	isakmp_put_end(b);
	isakmp_put_end(b);
}

int
main(int argc, char *argv[])
{
	static uint8_t mem[ISAKMP_MSG_MAX], big[ISAKMP_MSG_MAX];
	static uint8_t msg[4096], f[2048], stream_buf[16384];
	struct isakmp_buf b;
	struct isakmp_notify n;
	struct isakmp_id id;
	struct isakmp_natoa o;
	struct isakmp_cert c;
	const uint8_t *p;
	size_t len, i, k, flen, pos;
	FILE *fp;
	char path[512];

	need(argc == 2, "usage: isakmp_fuzz_corpus DIR");
	dir = argv[1];
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 5);
	isakmp_buf_init(&b, mem, sizeof(mem));

	/* Main mode 1: SA, the vendor IDs charon and racoon send. */
	hdr(&b, ISAKMP_ETYPE_IDPROT, 0, 0);
	p1_sa(&b);
	vid(&b, ISAKMP_VID_XAUTH);
	vid(&b, ISAKMP_VID_DPD);
	vid(&b, ISAKMP_VID_FRAG);
	vid(&b, ISAKMP_VID_NATT_RFC3947);
	vid(&b, ISAKMP_VID_NATT_DRAFT_02N);
	vid(&b, ISAKMP_VID_UNITY);
	put("main1", &b);

	/* Main mode 3: KE, NONCE, NAT-D twice. */
	hdr(&b, ISAKMP_ETYPE_IDPROT, 0, 0);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, big, 256);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, big, 32);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NATD, big + 1, 32);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NATD, big + 2, 32);
	put("main3", &b);

	/* Aggressive 1 with an FQDN ID, a CR, a draft NAT-D. */
	hdr(&b, ISAKMP_ETYPE_AGGRESSIVE, 0, 0);
	p1_sa(&b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, big, 128);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, big, 16);
	memset(&id, 0, sizeof(id));
	id.type = IPSEC_ID_FQDN;
	id.data = (const uint8_t *)"client.example.net";
	id.len = 18;
	isakmp_put_id(&b, &id);
	c.encoding = ISAKMP_CERT_X509_SIGN;
	c.data = big;
	c.len = 0;
	isakmp_put_cert(&b, ISAKMP_NPTYPE_CR, &c);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NATD_DRAFT, big, 20);
	vid(&b, ISAKMP_VID_NATT_DRAFT_02);
	put("aggr1", &b);

	/* Main mode 5 in the clear: ID (DN), CERT, SIG, N INITIAL-CONTACT. */
	hdr(&b, ISAKMP_ETYPE_IDPROT, 0, 0);
	id.type = IPSEC_ID_DER_ASN1_DN;
	id.data = big;
	id.len = 40;
	isakmp_put_id(&b, &id);
	c.len = 300;
	isakmp_put_cert(&b, ISAKMP_NPTYPE_CERT, &c);
	isakmp_put_data(&b, ISAKMP_NPTYPE_SIG, big, 256);
	memset(&n, 0, sizeof(n));
	n.doi = ISAKMP_DOI_IPSEC;
	n.proto = ISAKMP_PROTO_ISAKMP;
	n.spisize = 16;
	n.type = ISAKMP_NTYPE_INITIAL_CONTACT;
	n.spi = big;
	isakmp_put_notify(&b, &n);
	put("main5", &b);

	/* Quick mode 1 (clear): HASH, SA, NONCE, KE, two subnet IDs, NAT-OA. */
	hdr(&b, ISAKMP_ETYPE_QUICK, 0, 0x5a5a0001);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, big, 32);
	p2_sa(&b);
	isakmp_put_data(&b, ISAKMP_NPTYPE_NONCE, big, 32);
	isakmp_put_data(&b, ISAKMP_NPTYPE_KE, big, 256);
	id.type = IPSEC_ID_IPV4_ADDR_SUBNET;
	id.proto = 0;
	id.data = (const uint8_t *)"\x0a\x00\x00\x00\xff\xff\xff\x00";
	id.len = 8;
	isakmp_put_id(&b, &id);
	id.type = IPSEC_ID_IPV6_ADDR_RANGE;
	id.data = big;
	id.len = 32;
	isakmp_put_id(&b, &id);
	o.af = 4;
	memcpy(o.addr, "\xc0\xa8\x01\x02", 4);
	isakmp_put_natoa(&b, ISAKMP_NPTYPE_NATOA, &o);
	o.af = 6;
	memcpy(o.addr, big, 16);
	isakmp_put_natoa(&b, ISAKMP_NPTYPE_NATOA_DRAFT, &o);
	put("quick1", &b);

	/* Informational: DELETE (ESP), R-U-THERE, RESPONDER-LIFETIME. */
	hdr(&b, ISAKMP_ETYPE_INFO, 0, 0x01020304);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, big, 20);
	isakmp_put_delete(&b, &(struct isakmp_delete){ ISAKMP_DOI_IPSEC,
	    ISAKMP_PROTO_ESP, 4, 3, big });
	n.type = ISAKMP_NTYPE_R_U_THERE;
	n.data = (const uint8_t *)"\0\0\0\7";
	n.len = 4;
	isakmp_put_notify(&b, &n);
	n.proto = ISAKMP_PROTO_ESP;
	n.spisize = 4;
	n.type = ISAKMP_NTYPE_RESPONDER_LIFETIME;
	n.data = (const uint8_t *)"\x80\x01\x00\x01\x00\x02\x00\x04\x00\x00"
	    "\x0e\x10";
	n.len = 12;
	isakmp_put_notify(&b, &n);
	put("info", &b);

	/* Mode Config reply: repeated TLV attributes. */
	hdr(&b, ISAKMP_ETYPE_TRANSACTION, 0, 0x77);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, big, 20);
	isakmp_put_cfg_begin(&b, ISAKMP_CFG_REPLY, 0x1234);
	isakmp_put_attr(&b, 1, 0x0a000002);
	isakmp_put_attr_tlv(&b, 3, "\x08\x08\x08\x08", 4);
	isakmp_put_attr_tlv(&b, 3, "\x01\x01\x01\x01", 4);
	isakmp_put_attr(&b, 16521, 0);
	isakmp_put_end(&b);
	put("modecfg", &b);

	/* An encrypted message: header with E, 64 bytes of body. */
	hdr(&b, ISAKMP_ETYPE_QUICK, ISAKMP_FLAG_E, 0x99);
	isakmp_put_bytes(&b, big, 64);
	need(isakmp_buf_finish(&b, &p, &len) == 0, "enc");
	mem[16] = ISAKMP_NPTYPE_HASH;
	put("encrypted", &b);

	/* An encrypted message whose "body" is a chain plus padding. */
	hdr(&b, ISAKMP_ETYPE_INFO, ISAKMP_FLAG_E, 0x42);
	isakmp_put_data(&b, ISAKMP_NPTYPE_HASH, big, 20);
	isakmp_put_delete(&b, &(struct isakmp_delete){ ISAKMP_DOI_IPSEC,
	    ISAKMP_PROTO_ISAKMP, 16, 1, big });
	isakmp_put_bytes(&b, "\0\0\0\0\0\0\0\7", 8);
	put("encrypted_chain", &b);

	/* A message, its fragments (one seed each) and a fragment stream. */
	hdr(&b, ISAKMP_ETYPE_IDPROT, ISAKMP_FLAG_E, 0);
	p1_sa(&b);
	for (i = 0; i < 8; i++)
		vid(&b, (enum isakmp_vendor)(ISAKMP_VID_NATT_RFC3947 + i));
	need(isakmp_buf_finish(&b, &p, &len) == 0, "frag source");
	memcpy(msg, p, len);
	isakmp_buf_reset(&b);
	k = isakmp_frag_count(len, 120);
	need(k > 2 && k <= 8, "fragment count");
	pos = 0;
	for (i = 0; i < k; i++) {
		flen = isakmp_frag_build(msg, len, 120, 3, k - i, f, sizeof(f));
		need(flen > 0, "fragment");
		if (i == 0) {
			isakmp_put_bytes(&b, f, flen);
			put("fragment", &b);
		}
		stream_buf[pos++] = (uint8_t)(flen >> 8);
		stream_buf[pos++] = (uint8_t)flen;
		memcpy(stream_buf + pos, f, flen);
		pos += flen;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, "fragment_stream");
	need((fp = fopen(path, "wb")) != NULL, path);
	need(fwrite(stream_buf, 1, pos, fp) == pos && fclose(fp) == 0, path);
	return (0);
}

#endif /* ISAKMP_FUZZ_CORPUS */
