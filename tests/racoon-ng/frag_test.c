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
 * IKE fragmentation tests (racoon-ng/libike/isakmp_frag.c): splitting,
 * reassembly of random messages at many sizes and in random orders,
 * duplicates, conflicts, missing and extra fragments, the per-set and
 * global memory limits, timeouts, fragments laid out as racoon sends
 * them, and the work done counted in operations (not time) against the
 * number of fragments fed, the CVE-2016-10396 class.
 */

#include <sys/types.h>

#include <atf-c.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "isakmp.h"

#define MAXMSG	16384
#define MAXFR	300

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((uint32_t)(rng >> 11));
}

static const uint8_t icookie[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
static const uint8_t rcookie[8] = { 9, 10, 11, 12, 13, 14, 15, 16 };

/*
 * A valid IKEv1 message of exactly len bytes (len >= 33): the header
 * (main mode, the E flag as messages 5 and 6 carry it) and vendor ID
 * payloads of random bytes.  seed varies the content.
 */
static void
mk_msg(uint8_t *m, size_t len, uint32_t seed, uint32_t msgid)
{
	struct isakmp_buf b;
	struct isakmp_hdr h;
	uint8_t body[MAXMSG];
	size_t left, n, i;

	ATF_REQUIRE(len >= 33 && len <= MAXMSG);
	for (i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 8));
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, icookie, 8);
	memcpy(h.rcookie, rcookie, 8);
	h.version = ISAKMP_VERSION_IKEV1;
	h.etype = ISAKMP_ETYPE_IDPROT;
	h.msgid = msgid;
	isakmp_buf_init(&b, m, len);
	isakmp_put_header(&b, &h);
	for (left = len - 28; left > 0; left -= n) {
		n = left > 4000 ? 2000 : left;
		ATF_REQUIRE(n >= 5);
		isakmp_put_data(&b, ISAKMP_NPTYPE_VID, body + (seed % 97),
		    n - 4);
	}
	ATF_REQUIRE_EQ(isakmp_buf_finish(&b, NULL, &n), 0);
	ATF_REQUIRE_EQ(n, len);
}

struct frags {
	size_t		 n;
	size_t		 len[MAXFR];
	uint8_t		 f[MAXFR][1600];
};

static void
split(const uint8_t *m, size_t len, size_t maxlen, uint16_t id,
    struct frags *fr)
{
	size_t i;

	ATF_REQUIRE(maxlen <= 1600);
	fr->n = isakmp_frag_count(len, maxlen);
	ATF_REQUIRE_MSG(fr->n > 0 && fr->n <= MAXFR, "%zu bytes at %zu: %zu",
	    len, maxlen, fr->n);
	for (i = 0; i < fr->n; i++) {
		fr->len[i] = isakmp_frag_build(m, len, maxlen, id, i + 1,
		    fr->f[i], sizeof(fr->f[i]));
		ATF_REQUIRE(fr->len[i] > 0);
	}
}

static void
shuffle(size_t *order, size_t n)
{
	size_t i, j, t;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		j = rnd() % i;
		t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
}

static int
feed(struct isakmp_reasm *r, const struct frags *fr, size_t i, uint64_t now,
    uint8_t **out, size_t *outlen)
{
	struct isakmp_error err;
	int rv;

	rv = isakmp_reasm_add(r, fr->f[i], fr->len[i], now, out, outlen, &err);
	if (rv == ISAKMP_REASM_ERROR)
		printf("fragment %zu: %s\n", i + 1, err.what);
	return (rv);
}

/* ---------------------------------------------------------------- tests */

ATF_TC_WITHOUT_HEAD(split_shape);
ATF_TC_BODY(split_shape, tc)
{
	static uint8_t m[MAXMSG], joined[MAXMSG];
	static struct frags fr;
	struct isakmp_msg msg;
	struct isakmp_error err;
	struct isakmp_fragment f;
	uint8_t out[64];
	size_t i, off = 0;

	mk_msg(m, 1000, 1, 0);
	m[19] |= ISAKMP_FLAG_E;
	split(m, 1000, 300, 0x1234, &fr);
	ATF_REQUIRE_EQ(fr.n, 4);	/* 264 bytes of data per fragment */
	for (i = 0; i < fr.n; i++) {
		ATF_REQUIRE_EQ_MSG(isakmp_decode(&msg, fr.f[i], fr.len[i],
		    &err), 0, "%s", err.what);
		ATF_CHECK_EQ(msg.hdr.np, ISAKMP_NPTYPE_FRAG);
		ATF_CHECK(memcmp(msg.hdr.icookie, icookie, 8) == 0);
		ATF_CHECK(memcmp(msg.hdr.rcookie, rcookie, 8) == 0);
		ATF_CHECK_EQ(msg.hdr.etype, ISAKMP_ETYPE_IDPROT);
		ATF_CHECK_EQ(msg.hdr.flags & ISAKMP_FLAG_E, 0);
		ATF_REQUIRE_EQ(isakmp_decode_fragment(&msg.pl[0], &f, &err), 0);
		ATF_CHECK_EQ(f.id, 0x1234);
		ATF_CHECK_EQ(f.num, i + 1);
		ATF_CHECK_EQ(f.flags, i + 1 == fr.n ? ISAKMP_FRAG_LAST : 0);
		if (i + 1 < fr.n)
			ATF_CHECK_EQ(fr.len[i], 300);
		memcpy(joined + off, f.data, f.len);
		off += f.len;
	}
	ATF_CHECK_EQ(off, 1000);
	ATF_CHECK(memcmp(joined, m, 1000) == 0);

	/* Sizes at the edges. */
	ATF_CHECK_EQ(isakmp_frag_count(1000, 36), 0);
	ATF_CHECK_EQ(isakmp_frag_count(28, 37), 28);
	ATF_CHECK_EQ(isakmp_frag_count(0, 500), 0);
	ATF_CHECK_EQ(isakmp_frag_count(255 * 100, 136), 255);
	ATF_CHECK_EQ(isakmp_frag_count(255 * 100 + 1, 136), 0);
	ATF_CHECK_EQ(isakmp_frag_build(m, 1000, 300, 1, 0, out, 64), 0);
	ATF_CHECK_EQ(isakmp_frag_build(m, 1000, 300, 1, 5, out, 64), 0);
	ATF_CHECK_EQ(isakmp_frag_build(m, 1000, 300, 1, 1, out, 64), 0);
	ATF_CHECK_EQ(isakmp_frag_build(m, 27, 300, 1, 1, out, 64), 0);
	ATF_CHECK_EQ(isakmp_frag_build(m, 1000, 60, 1, 1, out, 64), 60);
}

ATF_TC_WITHOUT_HEAD(roundtrip_many);
ATF_TC_BODY(roundtrip_many, tc)
{
	static const size_t mtus[] = { 37, 40, 64, 100, 277, 500, 576, 1000,
	    1280, 1472, 1500 };
	static uint8_t m[MAXMSG];
	static struct frags fr;
	struct isakmp_frag_pool pool;
	struct isakmp_frag_limits lim = { 64, 1 << 20, 0 };
	struct isakmp_reasm r;
	size_t order[MAXFR], k, i, len, outlen, sets = 0;
	uint8_t *out;
	int rv, round;

	isakmp_frag_pool_init(&pool, 1 << 22);
	isakmp_reasm_init(&r, &pool, &lim);
	for (round = 0; round < 200; round++) {
		size_t mtu = mtus[rnd() % (sizeof(mtus) / sizeof(mtus[0]))];

		len = 33 + rnd() % 8000;
		k = isakmp_frag_count(len, mtu);
		if (k == 0 || k > 64)
			len = 33 + rnd() % ((mtu - 36) * 64 - 33);
		mk_msg(m, len, (uint32_t)round, (uint32_t)round);
		split(m, len, mtu, (uint16_t)(round + 1), &fr);
		shuffle(order, fr.n);
		for (k = 0; k < fr.n; k++) {
			i = order[k];
			rv = feed(&r, &fr, i, 1000, &out, &outlen);
			if (k + 1 < fr.n) {
				ATF_REQUIRE_EQ_MSG(rv, ISAKMP_REASM_MORE,
				    "round %d: %zu of %zu gave %d", round, k,
				    fr.n, rv);
				ATF_CHECK(out == NULL);
			} else {
				ATF_REQUIRE_EQ_MSG(rv, ISAKMP_REASM_DONE,
				    "round %d: last gave %d", round, rv);
				ATF_REQUIRE_EQ(outlen, len);
				ATF_CHECK(memcmp(out, m, len) == 0);
				free(out);
				sets++;
			}
		}
		ATF_CHECK_EQ(pool.used, 0);
		ATF_CHECK(!r.active);
	}
	ATF_CHECK_EQ(r.stats.completed, sets);
	ATF_CHECK_EQ(r.stats.restarts, 0);
}

ATF_TC_WITHOUT_HEAD(duplicates);
ATF_TC_BODY(duplicates, tc)
{
	static uint8_t m[MAXMSG];
	static struct frags fr;
	struct isakmp_reasm r;
	uint8_t *out;
	size_t outlen;

	mk_msg(m, 900, 2, 0);
	split(m, 900, 400, 7, &fr);	/* 3 fragments */
	ATF_REQUIRE_EQ(fr.n, 3);
	isakmp_reasm_init(&r, NULL, NULL);
	ATF_CHECK_EQ(feed(&r, &fr, 2, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 2, 0, &out, &outlen),
	    ISAKMP_REASM_IGNORED);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen),
	    ISAKMP_REASM_IGNORED);
	ATF_CHECK_EQ(feed(&r, &fr, 2, 0, &out, &outlen),
	    ISAKMP_REASM_IGNORED);
	ATF_CHECK_EQ(r.stats.duplicates, 3);
	ATF_CHECK_EQ(r.nheld, 2);
	ATF_REQUIRE_EQ(feed(&r, &fr, 1, 0, &out, &outlen), ISAKMP_REASM_DONE);
	ATF_CHECK(outlen == 900 && memcmp(out, m, 900) == 0);
	free(out);
	/* A retransmission of a completed message starts a new set. */
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	isakmp_reasm_clear(&r);
	ATF_CHECK(!r.active && r.nheld == 0);
}

ATF_TC_WITHOUT_HEAD(conflicts);
ATF_TC_BODY(conflicts, tc)
{
	static uint8_t a[MAXMSG], b[MAXMSG];
	static struct frags fa, fb, fc;
	struct isakmp_frag_pool pool;
	struct isakmp_reasm r;
	uint8_t *out;
	size_t outlen;

	/* Same id, same header, different data: the newest wins. */
	mk_msg(a, 900, 3, 0);
	mk_msg(b, 900, 4, 0);
	split(a, 900, 400, 1, &fa);
	split(b, 900, 400, 1, &fb);
	isakmp_frag_pool_init(&pool, 1 << 20);
	isakmp_reasm_init(&r, &pool, NULL);
	ATF_CHECK_EQ(feed(&r, &fa, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fa, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fb, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(r.stats.restarts, 1);
	ATF_CHECK_EQ(r.nheld, 1);
	ATF_CHECK_EQ(feed(&r, &fb, 2, 0, &out, &outlen), ISAKMP_REASM_MORE);
	/* The set is b's now: its first fragment completes it. */
	ATF_REQUIRE_EQ(feed(&r, &fb, 0, 0, &out, &outlen), ISAKMP_REASM_DONE);
	ATF_CHECK(outlen == 900 && memcmp(out, b, 900) == 0);
	free(out);
	ATF_CHECK_EQ(pool.used, 0);

	/* A different message id under the same fragment id: restart. */
	mk_msg(b, 900, 4, 77);
	split(b, 900, 400, 1, &fb);
	ATF_CHECK_EQ(feed(&r, &fa, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fb, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(r.stats.restarts, 2);
	ATF_CHECK(r.nheld == 1 && r.hdr.msgid == 77);
	isakmp_reasm_clear(&r);

	/* LAST disagreements.  fc: 5 fragments of a 1600-byte message. */
	mk_msg(a, 1600, 5, 0);
	split(a, 1600, 400, 9, &fc);
	ATF_REQUIRE_EQ(fc.n, 5);
	/* A LAST at 5, then another message's LAST at 3. */
	ATF_CHECK_EQ(feed(&r, &fc, 4, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(r.last, 5);
	mk_msg(b, 1000, 6, 0);
	split(b, 1000, 400, 9, &fb);	/* 3 fragments, LAST at 3 */
	ATF_REQUIRE_EQ(fb.n, 3);
	ATF_CHECK_EQ(feed(&r, &fb, 2, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(r.stats.restarts, 3);	/* two LASTs disagree */
	ATF_CHECK(r.last == 3 && r.nheld == 1);
	/* A number above the LAST. */
	ATF_CHECK_EQ(feed(&r, &fc, 3, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(r.stats.restarts, 4);
	ATF_CHECK(r.last == 0 && r.nheld == 1 && r.highest == 4);
	/* A LAST below a number held (4 held, LAST at 3). */
	ATF_CHECK_EQ(feed(&r, &fb, 2, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(r.stats.restarts, 5);
	ATF_CHECK(r.last == 3 && r.highest == 3);
	/* Then b completes normally. */
	ATF_CHECK_EQ(feed(&r, &fb, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_REQUIRE_EQ(feed(&r, &fb, 1, 0, &out, &outlen), ISAKMP_REASM_DONE);
	ATF_CHECK(outlen == 1000 && memcmp(out, b, 1000) == 0);
	free(out);
	ATF_CHECK_EQ(pool.used, 0);
}

ATF_TC_WITHOUT_HEAD(fragment_ids);
ATF_TC_BODY(fragment_ids, tc)
{
	static uint8_t m[MAXMSG];
	static struct frags f4, f5, f6;
	struct isakmp_reasm r;
	uint8_t *out;
	size_t outlen;

	mk_msg(m, 900, 8, 0);
	split(m, 900, 400, 4, &f4);
	split(m, 900, 400, 5, &f5);
	split(m, 900, 400, 6, &f6);
	isakmp_reasm_init(&r, NULL, NULL);
	ATF_CHECK_EQ(feed(&r, &f5, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	/* An older id: a late copy, ignored. */
	ATF_CHECK_EQ(feed(&r, &f4, 1, 0, &out, &outlen),
	    ISAKMP_REASM_IGNORED);
	ATF_CHECK_EQ(r.stats.stale, 1);
	ATF_CHECK(r.id == 5 && r.nheld == 1);
	/* A newer id: a new message, the old set goes. */
	ATF_CHECK_EQ(feed(&r, &f6, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK(r.id == 6 && r.nheld == 1 && r.stats.restarts == 1);
	ATF_CHECK_EQ(feed(&r, &f6, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_REQUIRE_EQ(feed(&r, &f6, 2, 0, &out, &outlen), ISAKMP_REASM_DONE);
	ATF_CHECK(outlen == 900 && memcmp(out, m, 900) == 0);
	free(out);
}

ATF_TC_WITHOUT_HEAD(missing_and_timeout);
ATF_TC_BODY(missing_and_timeout, tc)
{
	static uint8_t m[MAXMSG];
	static struct frags fr;
	struct isakmp_frag_pool pool;
	struct isakmp_frag_limits lim = { 0, 0, 5000 };
	struct isakmp_reasm r;
	uint8_t *out;
	size_t outlen;

	mk_msg(m, 900, 9, 0);
	split(m, 900, 400, 1, &fr);
	isakmp_frag_pool_init(&pool, 1 << 20);
	isakmp_reasm_init(&r, &pool, &lim);
	ATF_CHECK_EQ(r.maxfrags, ISAKMP_REASM_MAXFRAGS);
	ATF_CHECK_EQ(isakmp_reasm_deadline(&r), 0);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 100000, &out, &outlen),
	    ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 1, 100001, &out, &outlen),
	    ISAKMP_REASM_MORE);
	/* No LAST yet: however long, never complete. */
	ATF_CHECK(out == NULL && r.last == 0);
	ATF_CHECK_EQ(isakmp_reasm_deadline(&r), 105000);
	ATF_CHECK_EQ(pool.used, 2 * (364 + ISAKMP_REASM_OVERHEAD));
	ATF_CHECK_EQ(isakmp_reasm_expire(&r, 104999), 0);
	ATF_CHECK(r.active);
	ATF_CHECK_EQ(isakmp_reasm_expire(&r, 105000), 1);
	ATF_CHECK(!r.active && pool.used == 0 && r.stats.dropped == 1);
	ATF_CHECK_EQ(isakmp_reasm_deadline(&r), 0);

	/* A fragment arriving after the timeout never joins the old set. */
	ATF_CHECK_EQ(feed(&r, &fr, 0, 200000, &out, &outlen),
	    ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 1, 200000, &out, &outlen),
	    ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 2, 205000, &out, &outlen),
	    ISAKMP_REASM_MORE);
	ATF_CHECK(r.nheld == 1 && r.stats.dropped == 2);
	isakmp_reasm_clear(&r);
	ATF_CHECK_EQ(pool.used, 0);
}

ATF_TC_WITHOUT_HEAD(limits);
ATF_TC_BODY(limits, tc)
{
	static uint8_t m[MAXMSG];
	static struct frags fr;
	struct isakmp_frag_pool pool;
	struct isakmp_frag_limits lim = { 16, 0, 0 }, small = { 0, 1000, 0 };
	struct isakmp_frag_limits huge = { 1000, 0, 0 };
	struct isakmp_reasm r, r2;
	struct isakmp_error err;
	uint8_t *out;
	size_t outlen, i;
	int rv = 0;

	isakmp_reasm_init(&r, NULL, &huge);
	ATF_CHECK_EQ(r.maxfrags, ISAKMP_REASM_SLOTS);

	/* 17 fragments against a limit of 16: the 17th drops the set. */
	mk_msg(m, 17 * 64, 10, 0);
	split(m, 17 * 64, 100, 1, &fr);
	ATF_REQUIRE_EQ(fr.n, 17);
	isakmp_frag_pool_init(&pool, 1 << 20);
	isakmp_reasm_init(&r, &pool, &lim);
	for (i = 0; i < 16; i++)
		ATF_CHECK_EQ(feed(&r, &fr, i, 0, &out, &outlen),
		    ISAKMP_REASM_MORE);
	rv = isakmp_reasm_add(&r, fr.f[16], fr.len[16], 0, &out, &outlen,
	    &err);
	ATF_CHECK_EQ(rv, ISAKMP_REASM_ERROR);
	ATF_CHECK_STREQ(err.what, "more fragments than allowed");
	ATF_CHECK(!r.active && pool.used == 0 && r.stats.dropped == 1);
	/* Alone, a fragment numbered 17 is refused too. */
	ATF_CHECK_EQ(feed(&r, &fr, 16, 0, &out, &outlen), ISAKMP_REASM_ERROR);
	ATF_CHECK(!r.active);

	/* Bytes: a set limited to 1000 data bytes. */
	mk_msg(m, 1200, 11, 0);
	split(m, 1200, 436, 1, &fr);	/* 400 bytes per fragment */
	ATF_REQUIRE_EQ(fr.n, 3);
	isakmp_reasm_init(&r, &pool, &small);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(isakmp_reasm_add(&r, fr.f[2], fr.len[2], 0, &out,
	    &outlen, &err), ISAKMP_REASM_ERROR);
	ATF_CHECK_STREQ(err.what, "fragmented message too large");
	ATF_CHECK(!r.active && pool.used == 0);

	/*
	 * The pool: one context holds most of it, another is refused until
	 * the first lets go; the first one's set is untouched.
	 */
	isakmp_frag_pool_init(&pool, 1000);
	isakmp_reasm_init(&r, &pool, NULL);
	isakmp_reasm_init(&r2, &pool, NULL);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(pool.used, 2 * (400 + ISAKMP_REASM_OVERHEAD));
	ATF_CHECK_EQ(isakmp_reasm_add(&r2, fr.f[0], fr.len[0], 0, &out,
	    &outlen, &err), ISAKMP_REASM_ERROR);
	ATF_CHECK_STREQ(err.what, "fragment memory exhausted");
	ATF_CHECK(!r2.active && r.nheld == 2);
	/* r's own third fragment does not fit either; its set stays. */
	ATF_CHECK_EQ(feed(&r, &fr, 2, 0, &out, &outlen), ISAKMP_REASM_ERROR);
	ATF_CHECK(r.active && r.nheld == 2);
	isakmp_reasm_clear(&r);
	ATF_CHECK_EQ(pool.used, 0);
	ATF_CHECK_EQ(feed(&r2, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	isakmp_reasm_clear(&r2);
	ATF_CHECK_EQ(pool.used, 0);
}

ATF_TC_WITHOUT_HEAD(bad_input);
ATF_TC_BODY(bad_input, tc)
{
	static uint8_t m[MAXMSG];
	static struct frags fr;
	struct isakmp_reasm r;
	struct isakmp_error err;
	uint8_t *out, junk[64];
	size_t outlen;

	isakmp_reasm_init(&r, NULL, NULL);
	/* Not ISAKMP; an ISAKMP message that is not a fragment. */
	memset(junk, 0x41, sizeof(junk));
	ATF_CHECK_EQ(isakmp_reasm_add(&r, junk, sizeof(junk), 0, &out,
	    &outlen, &err), ISAKMP_REASM_ERROR);
	mk_msg(m, 100, 12, 0);
	ATF_CHECK_EQ(isakmp_reasm_add(&r, m, 100, 0, &out, &outlen, &err),
	    ISAKMP_REASM_ERROR);
	ATF_CHECK_EQ(err.notify, ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE);
	ATF_CHECK_EQ(r.stats.refused, 2);

	/*
	 * Fragments whose reassembly is not the message they claim: the
	 * data of a 900-byte message whose header says 901.  Refused when
	 * complete, and the set is gone.
	 */
	mk_msg(m, 900, 13, 0);
	m[27] = 0x85;	/* 900 = 0x384 -> 0x385 */
	split(m, 900, 400, 1, &fr);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 1, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(isakmp_reasm_add(&r, fr.f[2], fr.len[2], 0, &out,
	    &outlen, &err), ISAKMP_REASM_ERROR);
	ATF_CHECK(out == NULL && !r.active);
	/* Cookies of the inner message differing from the fragments'. */
	m[27] = 0x84;
	m[0] ^= 0xff;
	split(m, 900, 400, 1, &fr);
	{
		size_t i;

		for (i = 0; i < fr.n; i++) {
			fr.f[i][0] ^= 0xff;	/* outer cookie as before */
			(void)feed(&r, &fr, i, 0, &out, &outlen);
		}
	}
	ATF_CHECK(out == NULL && !r.active && r.stats.completed == 0);
}

/*
 * Fragments laid out byte for byte as racoon's isakmp_sendfrags() writes
 * them (ipsec-tools 0.8.2): the phase 1 header with its flags (E
 * included), next payload 132, then a fragment payload whose generic
 * header is zero but for the length, fragment id 1, the index, and
 * ISAKMP_FRAG_LAST on the last one.
 */
ATF_TC_WITHOUT_HEAD(racoon_layout);
ATF_TC_BODY(racoon_layout, tc)
{
	static uint8_t m[MAXMSG];
	static struct frags fr;
	struct isakmp_reasm r;
	uint8_t *out;
	size_t outlen, i, off, chunk = 500, n;

	mk_msg(m, 1234, 14, 0);
	n = (1234 + chunk - 1) / chunk;
	for (i = 0, off = 0; i < n; i++, off += chunk) {
		size_t d = 1234 - off < chunk ? 1234 - off : chunk;
		uint8_t *f = fr.f[i];

		memcpy(f, m, 28);
		f[16] = ISAKMP_NPTYPE_FRAG;
		f[19] = ISAKMP_FLAG_E;
		f[24] = 0; f[25] = 0;
		f[26] = (uint8_t)((36 + d) >> 8);
		f[27] = (uint8_t)(36 + d);
		f[28] = 0; f[29] = 0;			/* unknown0 */
		f[30] = (uint8_t)((8 + d) >> 8);	/* len */
		f[31] = (uint8_t)(8 + d);
		f[32] = 0; f[33] = 1;			/* unknown1: id 1 */
		f[34] = (uint8_t)(i + 1);		/* index */
		f[35] = i + 1 == n ? ISAKMP_FRAG_LAST : 0;
		memcpy(f + 36, m + off, d);
		fr.len[i] = 36 + d;
	}
	fr.n = n;
	isakmp_reasm_init(&r, NULL, NULL);
	ATF_CHECK_EQ(feed(&r, &fr, 2, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_CHECK_EQ(feed(&r, &fr, 0, 0, &out, &outlen), ISAKMP_REASM_MORE);
	ATF_REQUIRE_EQ(feed(&r, &fr, 1, 0, &out, &outlen), ISAKMP_REASM_DONE);
	ATF_CHECK(outlen == 1234 && memcmp(out, m, 1234) == 0);
	free(out);
}

/*
 * The work done, counted: r.stats.ops counts every slot touched and every
 * fragment copied.  Whatever arrives, each fragment fed costs a constant
 * (a lookup, at most one free of what an earlier fragment stored, one
 * copy at completion), so ops stays within a small multiple of the
 * fragments fed.  racoon 0.8.2's list walks made the same feed quadratic.
 */
ATF_TC_WITHOUT_HEAD(linear_work);
ATF_TC_BODY(linear_work, tc)
{
	static uint8_t a[MAXMSG], b[MAXMSG];
	static struct frags fa, fb;
	struct isakmp_frag_pool pool;
	struct isakmp_frag_limits lim = { 64, 0, 0 };
	struct isakmp_reasm r;
	struct isakmp_error err;
	uint8_t *out;
	size_t outlen, i, k, fed = 0, order[MAXFR];
	uint64_t before, worst = 0;
	uint16_t cur = 1, id;
	int rv;

	/* 64 fragments, reverse order: 64 lookups, 64 copies, 64 frees. */
	mk_msg(a, 64 * 100, 15, 0);
	split(a, 64 * 100, 136, 1, &fa);
	ATF_REQUIRE_EQ(fa.n, 64);
	isakmp_frag_pool_init(&pool, 1 << 22);
	isakmp_reasm_init(&r, &pool, &lim);
	for (i = 64; i > 0; i--)
		rv = feed(&r, &fa, i - 1, 0, &out, &outlen);
	ATF_REQUIRE_EQ(rv, ISAKMP_REASM_DONE);
	free(out);
	ATF_CHECK_EQ(r.stats.ops, 3 * 64);

	/*
	 * An adversarial stream of 200000 fragments: duplicates of held
	 * ones, conflicting copies (each dropping a set of up to 64),
	 * fragment ids going up and down, numbers beyond the LAST, and
	 * genuine completions in between.
	 */
	mk_msg(b, 64 * 100, 16, 0);
	split(b, 64 * 100, 136, 1, &fb);
	isakmp_reasm_init(&r, &pool, &lim);
	for (k = 0; k < 200000; k++) {
		const struct frags *src = (rnd() & 1) ? &fa : &fb;
		uint8_t f[1600];
		size_t len;

		i = rnd() % 64;
		len = src->len[i];
		memcpy(f, src->f[i], len);
		id = cur;
		switch (rnd() % 8) {
		case 0:		/* an older fragment id (stale) */
			id = cur - 1;
			break;
		case 1:		/* a flipped data byte */
			f[36 + rnd() % (len - 36)] ^= 0x01;
			break;
		case 2:		/* a newer id, once in a while */
			if (rnd() % 64 == 0)
				id = ++cur;
			break;
		}
		f[32] = (uint8_t)(id >> 8);
		f[33] = (uint8_t)id;
		before = r.stats.ops;
		rv = isakmp_reasm_add(&r, f, len, k, &out, &outlen, &err);
		fed++;
		if (rv == ISAKMP_REASM_DONE)
			free(out);
		if (r.stats.ops - before > worst)
			worst = r.stats.ops - before;
		/* Every so often, a clean full set in random order. */
		if (k % 10000 == 9999) {
			isakmp_reasm_clear(&r);
			shuffle(order, fa.n);
			for (i = 0; i < fa.n; i++) {
				rv = feed(&r, &fa, order[i], k, &out, &outlen);
				fed++;
			}
			ATF_REQUIRE_EQ(rv, ISAKMP_REASM_DONE);
			ATF_CHECK(memcmp(out, a, outlen) == 0);
			free(out);
		}
	}
	printf("fed %zu fragments: %" PRIu64 " ops, worst single %" PRIu64
	    ", %" PRIu64 " restarts, %" PRIu64 " duplicates, %" PRIu64
	    " stale, %" PRIu64 " dropped, %" PRIu64 " completed\n", fed,
	    r.stats.ops, worst, r.stats.restarts, r.stats.duplicates,
	    r.stats.stale, r.stats.dropped, r.stats.completed);
	/* Linear: at most 3 units per fragment fed, amortised... */
	ATF_CHECK_MSG(r.stats.ops <= 3 * (uint64_t)fed, "%" PRIu64 " ops for "
	    "%zu fragments", r.stats.ops, fed);
	/* ... and never more than one set's worth at once. */
	ATF_CHECK(worst <= 2 * 64 + 1);
	ATF_CHECK(r.stats.restarts > 1000);
	isakmp_reasm_clear(&r);
	ATF_CHECK_EQ(pool.used, 0);
}

/*
 * tshark as an independent reassembler: our fragments of a message, in a
 * shuffled order, must be put back together by Wireshark's ISAKMP
 * dissector into a message of the original length.  Negative control:
 * without one fragment, no reassembly.
 */
static int
tshark_reassembled(const struct frags *fr, const size_t *order, size_t n,
    char *out, size_t outsize)
{
	char path[] = "/tmp/frag_test.XXXXXX", cmd[512];
	uint8_t gh[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0 }, rec[16];
	uint8_t ip[28];
	FILE *f, *pp;
	size_t i, got, tot, fl;
	int fd;

	if (access("/usr/bin/tshark", X_OK) != 0)
		return (0);
	ATF_REQUIRE((fd = mkstemp(path)) != -1);
	ATF_REQUIRE((f = fdopen(fd, "w")) != NULL);
	gh[16] = gh[17] = 0xff;
	gh[20] = 101;				/* LINKTYPE_RAW */
	fwrite(gh, 1, sizeof(gh), f);
	for (i = 0; i < n; i++) {
		fl = fr->len[order[i]];
		tot = 28 + fl;
		memset(rec, 0, sizeof(rec));
		rec[0] = (uint8_t)i;
		rec[8] = rec[12] = (uint8_t)tot;
		rec[9] = rec[13] = (uint8_t)(tot >> 8);
		memset(ip, 0, sizeof(ip));
		ip[0] = 0x45;
		ip[2] = (uint8_t)(tot >> 8);
		ip[3] = (uint8_t)tot;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
		ip[20] = ip[22] = 0x01;		/* ports 500 */
		ip[21] = ip[23] = 0xf4;
		ip[24] = (uint8_t)((8 + fl) >> 8);
		ip[25] = (uint8_t)(8 + fl);
		fwrite(rec, 1, sizeof(rec), f);
		fwrite(ip, 1, sizeof(ip), f);
		fwrite(fr->f[order[i]], 1, fl, f);
	}
	ATF_REQUIRE(fclose(f) == 0);
	snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -n -r %s -T fields "
	    "-E separator='|' -E occurrence=a -E aggregator=, "
	    "-e isakmp.fragment.count -e isakmp.reassembled.length "
	    "2>/dev/null", path);
	ATF_REQUIRE((pp = popen(cmd, "r")) != NULL);
	/* Each line, the first too, starts after a newline. */
	out[0] = '\n';
	got = fread(out + 1, 1, outsize - 2, pp);
	out[got + 1] = '\0';
	pclose(pp);
	unlink(path);
	return (1);
}

ATF_TC(tshark_reassembly);
ATF_TC_HEAD(tshark_reassembly, tc)
{
	atf_tc_set_md_var(tc, "descr", "tshark reassembles our fragments");
	atf_tc_set_md_var(tc, "timeout", "120");
}
ATF_TC_BODY(tshark_reassembly, tc)
{
	static const size_t mtus[] = { 80, 300, 576, 1280 };
	static uint8_t m[MAXMSG];
	static struct frags fr;
	char out[8192], want[64];
	size_t order[MAXFR], i, len;

	for (i = 0; i < sizeof(mtus) / sizeof(mtus[0]); i++) {
		len = 200 + rnd() % 3000;
		if (isakmp_frag_count(len, mtus[i]) > 40)
			len = 40 * (mtus[i] - 36);
		mk_msg(m, len, (uint32_t)i, 0);
		split(m, len, mtus[i], (uint16_t)(i + 1), &fr);
		shuffle(order, fr.n);
		if (!tshark_reassembled(&fr, order, fr.n, out, sizeof(out)))
			atf_tc_skip("tshark is not installed");
		snprintf(want, sizeof(want), "\n%zu|%zu\n", fr.n, len);
		ATF_CHECK_MSG(strstr(out, want) != NULL, "%zu fragments of "
		    "%zu bytes at %zu: tshark says\n%s", fr.n, len, mtus[i],
		    out);
		/* One fragment missing: nothing reassembled. */
		ATF_REQUIRE(tshark_reassembled(&fr, order, fr.n - 1, out,
		    sizeof(out)));
		ATF_CHECK_MSG(strpbrk(out, "0123456789") == NULL, "%s", out);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, split_shape);
	ATF_TP_ADD_TC(tp, roundtrip_many);
	ATF_TP_ADD_TC(tp, duplicates);
	ATF_TP_ADD_TC(tp, conflicts);
	ATF_TP_ADD_TC(tp, fragment_ids);
	ATF_TP_ADD_TC(tp, missing_and_timeout);
	ATF_TP_ADD_TC(tp, limits);
	ATF_TP_ADD_TC(tp, bad_input);
	ATF_TP_ADD_TC(tp, racoon_layout);
	ATF_TP_ADD_TC(tp, linear_work);
	ATF_TP_ADD_TC(tp, tshark_reassembly);
	return (atf_no_error());
}
