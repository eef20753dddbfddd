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
 * Every prefix truncation and every single-bit flip of a set of valid
 * messages, both dialects: each either decodes or fails with a known
 * error code, and whatever decodes is safe to walk (the view points only
 * inside the buffer; accessors and the printer stay in bounds).  Run under
 * AddressSanitizer/UBSan by the CI's sanitizer pass.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"
#include "testutil.h"

struct sample {
	size_t	len;
	uint8_t	*bytes;
};

static struct sample samples[32];
static size_t nsamples;

static void
keep(struct pfkey_buf *b)
{
	const void *msg;
	size_t len;

	ATF_REQUIRE_EQ(pfkey_buf_finish(b, &msg, &len), 0);
	ATF_REQUIRE(nsamples < sizeof(samples) / sizeof(samples[0]));
	samples[nsamples].len = len;
	samples[nsamples].bytes = malloc(len);
	ATF_REQUIRE(samples[nsamples].bytes != NULL);
	memcpy(samples[nsamples].bytes, msg, len);
	nsamples++;
	pfkey_buf_free(b);
}

static void
make_samples(enum pfkey_dialect d)
{
	struct pfkey_sa_args sa = { htonl(0x4242), 8, 1, 5, 20, 0x40 };
	struct pfkey_lifetime_args lt = { 1, 2, 3, 4 };
	struct sockaddr_storage s4 = tu_addr("10.1.2.3", 500);
	struct sockaddr_storage t4 = tu_addr("10.4.5.6", 4500);
	struct sockaddr_storage s6 = tu_addr("2001:db8::a", 0);
	struct sockaddr_storage t6 = tu_addr("2001:db8::b", 0);
	struct pfkey_policy pol;
	struct sadb_comb comb;
	struct sadb_alg alg = { 12, 16, 128, 256, 0 };
	uint8_t key[36] = { 9, 8, 7 };
	struct pfkey_buf b;

	nsamples = 0;
	memset(&comb, 0, sizeof(comb));
	comb.sadb_comb_encrypt = 12;

	pfkey_buf_alloc(&b, d, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 2);
	pfkey_put_sa(&b, &sa);
	pfkey_put_lifetime(&b, PFKEY_EXT_LIFETIME_HARD, &lt);
	pfkey_put_lifetime(&b, PFKEY_EXT_LIFETIME_SOFT, &lt);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (void *)&s4, 0xff, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (void *)&t4, 0xff, 0);
	pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, key, 288);
	pfkey_put_sa2(&b, PFKEY_MODE_TUNNEL, 0, 3);
	pfkey_put_nat_t_type(&b, PFKEY_NATT_ESPINUDP);
	pfkey_put_nat_t_port(&b, PFKEY_EXT_X_NAT_T_SPORT, htons(4500));
	pfkey_put_nat_t_port(&b, PFKEY_EXT_X_NAT_T_DPORT, htons(4500));
	pfkey_put_address(&b, PFKEY_EXT_X_NAT_T_OA, (void *)&s4, 0xff, 0);
	if (d == PFKEY_DIALECT_FREEBSD)
		pfkey_put_sa_replay(&b, 2048);
	else
		pfkey_put_sec_ctx(&b, 1, 1, "ctx", 3);
	keep(&b);

	pfkey_buf_alloc(&b, d, PFKEY_MSG_GETSPI, PFKEY_SATYPE_AH, 2, 2);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (void *)&s6, 0xff, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (void *)&t6, 0xff, 0);
	pfkey_put_spirange(&b, 256, 0xffffffff);
	keep(&b);

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.nreq = 2;
	pol.req[0].proto = PFKEY_IPPROTO_IPCOMP;
	pol.req[0].mode = PFKEY_MODE_TUNNEL;
	pol.req[0].level = PFKEY_LEVEL_USE;
	pol.req[0].src = s6;
	pol.req[0].dst = t6;
	pol.req[1].proto = PFKEY_IPPROTO_ESP;
	pol.req[1].mode = PFKEY_MODE_TUNNEL;
	pol.req[1].level = PFKEY_LEVEL_UNIQUE;
	pol.req[1].reqid = 77;
	pol.req[1].src = s6;
	pol.req[1].dst = t6;
	pfkey_buf_alloc(&b, d, PFKEY_MSG_X_SPDADD, 0, 3, 2);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (void *)&s6, 64, 6);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (void *)&t6, 64, 6);
	pfkey_put_policy(&b, &pol);
	pfkey_put_lifetime(&b, PFKEY_EXT_LIFETIME_HARD, &lt);
	keep(&b);

	pfkey_buf_alloc(&b, d, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP, 4, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (void *)&s4, 0xff, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (void *)&t4, 0xff, 0);
	pfkey_put_identity(&b, PFKEY_EXT_IDENTITY_SRC, PFKEY_IDENT_FQDN, 0,
	    "a.example", 9);
	pfkey_put_proposal(&b, 32, &comb, 1);
	pol.nreq = 1;
	pol.req[0].src = s4;
	pol.req[0].dst = t4;
	pfkey_put_policy(&b, &pol);
	keep(&b);

	pfkey_buf_alloc(&b, d, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP, 5, 2);
	pfkey_put_supported(&b, PFKEY_EXT_SUPPORTED_ENCRYPT, &alg, 1);
	pfkey_put_supported(&b, PFKEY_EXT_SUPPORTED_AUTH, &alg, 1);
	keep(&b);

	pfkey_buf_alloc(&b, d, PFKEY_MSG_DELETE, PFKEY_SATYPE_ESP, 6, 2);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (void *)&s4, 0xff, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (void *)&t4, 0xff, 0);
	if (d == PFKEY_DIALECT_LINUX) {
		pfkey_put_kmaddress(&b, (void *)&s4, (void *)&t4);
		pfkey_put_filter(&b, AF_INET6, &((struct sockaddr_in6 *)&s6)->
		    sin6_addr, 48, &((struct sockaddr_in6 *)&t6)->sin6_addr, 64);
	} else {
		pfkey_put_nat_t_frag(&b, 1200);
		pfkey_put_address(&b, PFKEY_EXT_X_NEW_ADDRESS_SRC, (void *)&s4,
		    0xff, 0);
		pfkey_put_address(&b, PFKEY_EXT_X_NAT_T_OAR, (void *)&t6, 0xff,
		    0);
	}
	pfkey_put_sensitivity(&b, 1, 2, (const uint64_t[]){ 5 }, 1, 3, NULL,
	    0);
	keep(&b);
}

static void
free_samples(void)
{
	while (nsamples > 0)
		free(samples[--nsamples].bytes);
}

static unsigned long accepted, rejected;

/* Decode, and if it decodes, touch everything the view offers. */
static void
try_decode(const uint8_t *p, size_t len, enum pfkey_dialect d)
{
	struct pfkey_msg m;
	struct pfkey_policy pol;
	struct sockaddr_storage ss;
	const uint8_t *key;
	unsigned bits;
	char out[8192];
	const uint8_t *e;
	size_t elen;
	int rc, x, flags;

	for (flags = 0; flags <= PFKEY_DEC_FROM_KERNEL; flags++) {
		rc = pfkey_decode(p, len, d, flags, &m);
		ATF_REQUIRE_MSG(rc <= 0 && rc > PFKEY_ERR_MAX,
		    "decode returned %d", rc);
		if (rc != 0) {
			rejected++;
			(void)pfkey_decode_error(&m, rc, out, sizeof(out));
			continue;
		}
		accepted++;
		for (x = 1; x < PFKEY_EXT_COUNT; x++) {
			if ((e = (const uint8_t *)m.ext[x]) == NULL)
				continue;
			elen = (size_t)((const struct sadb_ext *)
			    (const void *)e)->sadb_ext_len * 8;
			ATF_REQUIRE(e >= p + 16 && e + elen <= p + len);
			(void)pfkey_get_address(&m, x, &ss, NULL, NULL);
			(void)pfkey_get_key(&m, x, &key, &bits);
		}
		(void)pfkey_get_policy(&m, &pol);
		(void)pfkey_print(&m, PFKEY_PR_KEYS | PFKEY_PR_HEX, out,
		    sizeof(out));
	}
}

static void
truncations(enum pfkey_dialect d)
{
	static union tu_msgbuf mb;
	uint16_t units;
	size_t i, n;

	make_samples(d);
	for (i = 0; i < nsamples; i++) {
		for (n = 0; n <= samples[i].len; n++) {
			/* as cut, with the header still claiming it all */
			memcpy(mb.b, samples[i].bytes, n);
			try_decode(mb.b, n, d);
			/* and with the header claiming the cut length */
			if (n >= 16 && n % 8 == 0) {
				units = (uint16_t)(n / 8);
				memcpy(mb.b + 4, &units, 2);
				try_decode(mb.b, n, d);
			}
		}
	}
	free_samples();
}

static void
bitflips(enum pfkey_dialect d)
{
	static union tu_msgbuf mb;
	size_t i, bit;

	make_samples(d);
	for (i = 0; i < nsamples; i++) {
		/* the unflipped sample is valid */
		memcpy(mb.b, samples[i].bytes, samples[i].len);
		ATF_REQUIRE_EQ(pfkey_decode(mb.b, samples[i].len, d,
		    PFKEY_DEC_NOREQ, &(struct pfkey_msg){ 0 }), 0);
		for (bit = 0; bit < samples[i].len * 8; bit++) {
			memcpy(mb.b, samples[i].bytes, samples[i].len);
			mb.b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			try_decode(mb.b, samples[i].len, d);
		}
	}
	free_samples();
}

ATF_TC_WITHOUT_HEAD(truncate_linux);
ATF_TC_BODY(truncate_linux, tc)
{
	accepted = rejected = 0;
	truncations(PFKEY_DIALECT_LINUX);
	/* cuts at extension boundaries decode; all others are refused */
	ATF_CHECK(accepted > 10);
	ATF_CHECK(rejected > 1000);
}

ATF_TC_WITHOUT_HEAD(truncate_freebsd);
ATF_TC_BODY(truncate_freebsd, tc)
{
	accepted = rejected = 0;
	truncations(PFKEY_DIALECT_FREEBSD);
	ATF_CHECK(accepted > 10);
	ATF_CHECK(rejected > 1000);
}

ATF_TC_WITHOUT_HEAD(bitflip_linux);
ATF_TC_BODY(bitflip_linux, tc)
{
	accepted = rejected = 0;
	bitflips(PFKEY_DIALECT_LINUX);
	/* flips in key bytes or addresses are still valid messages;
	 * flips in lengths and types are not */
	ATF_CHECK(accepted > 1000);
	ATF_CHECK(rejected > 1000);
}

ATF_TC_WITHOUT_HEAD(bitflip_freebsd);
ATF_TC_BODY(bitflip_freebsd, tc)
{
	accepted = rejected = 0;
	bitflips(PFKEY_DIALECT_FREEBSD);
	ATF_CHECK(accepted > 1000);
	ATF_CHECK(rejected > 1000);
}

/* Messages of one dialect decoded as the other fail cleanly or decode. */
ATF_TC_WITHOUT_HEAD(cross_dialect);
ATF_TC_BODY(cross_dialect, tc)
{
	static union tu_msgbuf mb;
	size_t i;

	accepted = rejected = 0;
	make_samples(PFKEY_DIALECT_LINUX);
	for (i = 0; i < nsamples; i++) {
		memcpy(mb.b, samples[i].bytes, samples[i].len);
		try_decode(mb.b, samples[i].len, PFKEY_DIALECT_FREEBSD);
	}
	free_samples();
	make_samples(PFKEY_DIALECT_FREEBSD);
	for (i = 0; i < nsamples; i++) {
		memcpy(mb.b, samples[i].bytes, samples[i].len);
		try_decode(mb.b, samples[i].len, PFKEY_DIALECT_LINUX);
	}
	free_samples();
	/* sockaddr layouts differ, so address-bearing ones are refused */
	ATF_CHECK(rejected > 0);
	/* REGISTER carries no sockaddr and means the same in both */
	ATF_CHECK(accepted > 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, truncate_linux);
	ATF_TP_ADD_TC(tp, truncate_freebsd);
	ATF_TP_ADD_TC(tp, bitflip_linux);
	ATF_TP_ADD_TC(tp, bitflip_freebsd);
	ATF_TP_ADD_TC(tp, cross_dialect);
	return (atf_no_error());
}
