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
 * Store tests: the SAD (indexes, outbound choice, SPI allocation, robust
 * iteration, lifetimes on a fake clock, key wiping) and the SPD
 * (uniqueness, replacement, id styles, lifetimes, and the tuple-space
 * matcher checked against a linear oracle on random policies and flows).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"
#include "sadb.h"

/*
 * freezero() is interposed so that tests can see which buffers the store
 * released through it (that is, wiped): the executable's definition wins
 * over libbsd's (and libc's on FreeBSD) for the library objects linked in.
 */
#define WIPES_MAX	64
static struct {
	const void	*ptr;
	size_t		 len;
} wipes[WIPES_MAX];
static size_t nwipes;

void
freezero(void *ptr, size_t len)
{
	if (ptr == NULL)
		return;
	explicit_bzero(ptr, len);
	if (nwipes < WIPES_MAX) {
		wipes[nwipes].ptr = ptr;
		wipes[nwipes].len = len;
		nwipes++;
	}
	free(ptr);
}

static bool
was_wiped(const void *ptr, size_t len)
{
	size_t i;

	for (i = 0; i < nwipes; i++)
		if (wipes[i].ptr == ptr && wipes[i].len == len)
			return (true);
	return (false);
}

/* ---------------------------------------------------------------- helpers */

static struct sad_addr
addr(const char *s)
{
	struct sad_addr a;

	ATF_REQUIRE_MSG(sad_addr_parse(&a, s) == 0, "bad address %s", s);
	return (a);
}

static const uint8_t ekey[16] = {
	0x0f, 0x0e, 0x0d, 0x0c, 0x0b, 0x0a, 0x09, 0x08,
	0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x00
};
static const uint8_t akey[20] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04
};

/* An ESP SA with keys; the caller clears it. */
static void
mksa(struct sad_entry *e, uint8_t satype, const char *src, const char *dst,
    uint32_t spi, uint8_t state, uint32_t reqid)
{
	sad_entry_init(e);
	e->has = SAD_HAS_SPI | SAD_HAS_STATE | SAD_HAS_REQID |
	    SAD_HAS_AKEY | SAD_HAS_EKEY;
	e->satype = satype;
	e->state = state;
	e->mode = PFKEY_MODE_TRANSPORT;
	e->spi = spi;
	e->reqid = reqid;
	e->src = addr(src);
	e->dst = addr(dst);
	e->cur.addtime = 1000;
	ATF_REQUIRE(sad_key_set(&e->ekey, ekey, 128) == 0);
	ATF_REQUIRE(sad_key_set(&e->akey, akey, 160) == 0);
}

/* Insert a copy of a fresh SA; returns the stored entry. */
static struct sad_entry *
put(struct sad *sad, uint8_t satype, const char *src, const char *dst,
    uint32_t spi, uint8_t state, uint32_t reqid)
{
	struct sad_entry e, *out = NULL;
	int r;

	mksa(&e, satype, src, dst, spi, state, reqid);
	r = sad_insert(sad, &e, &out);
	sad_entry_clear(&e);
	ATF_REQUIRE_MSG(r == 0, "insert spi %u: %s", spi, sad_strerror(r));
	ATF_REQUIRE(out != NULL);
	return (out);
}

/* What expiry callbacks saw. */
struct events {
	struct sad	*sad;
	size_t		 n;
	uint32_t	 spi[32];
	bool		 hard[32];
	uint8_t		 state[32];
	bool		 found[32];	/* sad_lookup() found it during cb */
	bool		 delete_self;	/* cb calls sad_delete() on it */
};

static void
sad_cb(void *arg, struct sad_entry *e, bool hard)
{
	struct events *ev = arg;

	ATF_REQUIRE(ev->n < 32);
	ev->spi[ev->n] = e->spi;
	ev->hard[ev->n] = hard;
	ev->state[ev->n] = e->state;
	ev->found[ev->n] = sad_lookup(ev->sad, &e->dst, e->satype,
	    e->spi) == e;
	ev->n++;
	if (ev->delete_self)
		sad_delete(ev->sad, e);
}

/* ------------------------------------------------------------------ SAD */

ATF_TC_WITHOUT_HEAD(sad_insert_lookup);
ATF_TC_BODY(sad_insert_lookup, tc)
{
	struct sad *sad;
	struct sad_entry *s4, *s6, *got;
	struct sad_addr d;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	s4 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 1);
	s6 = put(sad, PFKEY_SATYPE_ESP, "2001:db8::1", "2001:db8::2",
	    0x1000, PFKEY_SASTATE_MATURE, 1);
	ATF_CHECK_EQ(sad_count(sad), 2);

	d = addr("10.0.0.2");
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == s4);
	/* Port and prefix length are not part of the key. */
	d.port = 4500;
	d.plen = 24;
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == s4);
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_AH, 0x1000) == NULL);
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1001) == NULL);
	d = addr("10.0.0.1");
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == NULL);
	d = addr("2001:db8::2");
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == s6);
	/* The same first bytes in the other family are another address. */
	d = addr("32.1.13.184");	/* 2001:0db8 as IPv4 */
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == NULL);

	/* The store holds deep copies. */
	got = s4;
	ATF_CHECK_EQ(got->ekey.len, 16);
	ATF_CHECK_EQ(got->akey.len, 20);
	ATF_CHECK(memcmp(got->ekey.data, ekey, 16) == 0);
	ATF_CHECK(memcmp(got->akey.data, akey, 20) == 0);
	ATF_CHECK_EQ(got->reqid, 1);
	ATF_CHECK_EQ(got->cur.addtime, 1000);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_duplicates);
ATF_TC_BODY(sad_duplicates, tc)
{
	struct sad *sad;
	struct sad_entry e;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	/* Another source does not make another key. */
	mksa(&e, PFKEY_SATYPE_ESP, "10.9.9.9", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	ATF_CHECK_EQ(sad_insert(sad, &e, NULL), SAD_ERR_EXISTS);
	ATF_CHECK_EQ(sad_insert_move(sad, &e, NULL), SAD_ERR_EXISTS);
	/* A failed move leaves the entry with the caller. */
	ATF_CHECK(e.ekey.data != NULL);
	sad_entry_clear(&e);
	ATF_CHECK_EQ(sad_count(sad), 1);
	/* Another satype, SPI or destination is another key. */
	(void)put(sad, PFKEY_SATYPE_AH, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1001,
	    PFKEY_SASTATE_MATURE, 0);
	(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.3", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	ATF_CHECK_EQ(sad_count(sad), 4);
	/* No destination family: refused. */
	mksa(&e, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x2000,
	    PFKEY_SASTATE_MATURE, 0);
	e.dst.af = AF_UNSPEC;
	ATF_CHECK_EQ(sad_insert(sad, &e, NULL), SAD_ERR_INVAL);
	sad_entry_clear(&e);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_insert_move);
ATF_TC_BODY(sad_insert_move, tc)
{
	struct sad *sad;
	struct sad_entry e, *out = NULL;
	uint8_t *kp;
	size_t i;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	mksa(&e, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	kp = e.ekey.data;
	ATF_REQUIRE_EQ(sad_insert_move(sad, &e, &out), 0);
	ATF_REQUIRE(out != NULL);
	/* Taken over, not copied; the caller's entry is zeroed. */
	ATF_CHECK(out->ekey.data == kp);
	for (i = 0; i < sizeof(e); i++)
		ATF_REQUIRE(((uint8_t *)&e)[i] == 0);
	ATF_CHECK_EQ(out->spi, 0x1000);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_delete_wipes);
ATF_TC_BODY(sad_delete_wipes, tc)
{
	struct sad *sad;
	struct sad_entry *s;
	const void *ek, *ak;
	struct sad_addr d = addr("10.0.0.2");
	struct events ev;

	ATF_REQUIRE((sad = sad_new()) != NULL);

	/* sad_delete */
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	ek = s->ekey.data;
	ak = s->akey.data;
	nwipes = 0;
	sad_delete(sad, s);
	ATF_CHECK(was_wiped(ek, 16));
	ATF_CHECK(was_wiped(ak, 20));
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == NULL);
	ATF_CHECK_EQ(sad_count(sad), 0);

	/* sad_flush */
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	ek = s->ekey.data;
	nwipes = 0;
	ATF_CHECK_EQ(sad_flush(sad, 0), 1);
	ATF_CHECK(was_wiped(ek, 16));

	/* hard expiry */
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	s->hard.addtime = 5;
	sad_rearm(sad, s);
	ek = s->ekey.data;
	nwipes = 0;
	memset(&ev, 0, sizeof(ev));
	ev.sad = sad;
	ATF_CHECK_EQ(sad_expire_run(sad, 1005, sad_cb, &ev), 1);
	ATF_CHECK(was_wiped(ek, 16));

	/* sad_free */
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	ek = s->ekey.data;
	nwipes = 0;
	sad_free(sad);
	ATF_CHECK(was_wiped(ek, 16));
}

ATF_TC_WITHOUT_HEAD(sad_lookup_out);
ATF_TC_BODY(sad_lookup_out, tc)
{
	struct sad *sad;
	struct sad_entry *m1, *m2, *d1, *l1, *x1, *r7, *r7b, *r7c, *got;
	struct sad_addr s = addr("10.0.0.1"), d = addr("10.0.0.2");

	ATF_REQUIRE((sad = sad_new()) != NULL);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == NULL);

	/* Only LARVAL and DEAD: nothing usable. */
	l1 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x100,
	    PFKEY_SASTATE_LARVAL, 0);
	x1 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x101,
	    PFKEY_SASTATE_DEAD, 20);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == NULL);

	/* DYING is used when nothing is MATURE. */
	d1 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x200,
	    PFKEY_SASTATE_DYING, 0);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == d1);

	/* MATURE beats a newer DYING; the newest MATURE wins. */
	m1 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x300,
	    PFKEY_SASTATE_MATURE, 0);
	(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x050,
	    PFKEY_SASTATE_DYING, 0);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == m1);
	/* Newest by insertion, not by SPI. */
	m2 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x010,
	    PFKEY_SASTATE_MATURE, 0);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == m2);

	/* reqid restricts; reqid 0 takes any. */
	r7 = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x400,
	    PFKEY_SASTATE_DYING, 7);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 7) == r7);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 8) == NULL);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == m2);
	got = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x401,
	    PFKEY_SASTATE_MATURE, 7);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 7) == got);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == got);
	/* Within a reqid too: a newer DYING loses, a newer MATURE wins. */
	r7b = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x402,
	    PFKEY_SASTATE_DYING, 7);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 7) == got);
	r7c = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x3ff,
	    PFKEY_SASTATE_MATURE, 7);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 7) == r7c);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == r7c);
	sad_delete(sad, r7c);

	/* Other satype, direction or pair: not chosen. */
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_AH, 0) == NULL);
	ATF_CHECK(sad_lookup_out(sad, &d, &s, PFKEY_SATYPE_ESP, 0) == NULL);
	(void)put(sad, PFKEY_SATYPE_AH, "10.0.0.1", "10.0.0.2", 0x500,
	    PFKEY_SASTATE_MATURE, 0);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == got);

	/* Deleting the best falls back to the next one. */
	sad_delete(sad, got);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == m2);
	/* Only DYING ones of reqid 7 left: the newest of them. */
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 7) == r7b);
	sad_delete(sad, r7b);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 7) == r7);
	sad_delete(sad, m2);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == m1);

	/* A state change takes effect at once (no re-keying needed). */
	m1->state = PFKEY_SASTATE_DYING;
	sad_rearm(sad, m1);
	got = sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0);
	ATF_CHECK(got != NULL && got->state == PFKEY_SASTATE_DYING);
	l1->state = PFKEY_SASTATE_MATURE;
	sad_rearm(sad, l1);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == l1);

	/*
	 * A changed reqid is re-indexed by sad_rearm(): x1 moves from
	 * behind the reqid 7 SAs to before them.
	 */
	x1->state = PFKEY_SASTATE_MATURE;
	x1->reqid = 3;
	sad_rearm(sad, x1);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 3) == x1);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 20) == NULL);

	/* IPv6 pairs. */
	s = addr("2001:db8::1");
	d = addr("2001:db8::2");
	got = put(sad, PFKEY_SATYPE_ESP, "2001:db8::1", "2001:db8::2", 0x600,
	    PFKEY_SASTATE_MATURE, 0);
	ATF_CHECK(sad_lookup_out(sad, &s, &d, PFKEY_SATYPE_ESP, 0) == got);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_delete_all_flush);
ATF_TC_BODY(sad_delete_all_flush, tc)
{
	struct sad *sad;
	struct sad_addr a = addr("10.0.0.1"), b = addr("10.0.0.2");
	uint32_t spi;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	for (spi = 0x100; spi < 0x110; spi++) {
		(void)put(sad, spi & 1 ? PFKEY_SATYPE_AH : PFKEY_SATYPE_ESP,
		    "10.0.0.1", "10.0.0.2", spi, PFKEY_SASTATE_MATURE,
		    spi & 3);
		(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.2", "10.0.0.1", spi,
		    PFKEY_SASTATE_MATURE, 0);
		(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.3", spi,
		    PFKEY_SASTATE_MATURE, 0);
	}
	ATF_CHECK_EQ(sad_count(sad), 48);
	ATF_CHECK_EQ(sad_count_satype(sad, PFKEY_SATYPE_AH), 8);
	ATF_CHECK_EQ(sad_count_satype(sad, PFKEY_SATYPE_ESP), 40);
	ATF_CHECK_EQ(sad_count_satype(sad, 0), 48);

	/* One satype of one pair. */
	ATF_CHECK_EQ(sad_delete_all(sad, &a, &b, PFKEY_SATYPE_AH), 8);
	ATF_CHECK_EQ(sad_delete_all(sad, &a, &b, PFKEY_SATYPE_AH), 0);
	ATF_CHECK_EQ(sad_count(sad), 40);
	ATF_CHECK(sad_lookup(sad, &b, PFKEY_SATYPE_ESP, 0x100) != NULL);
	ATF_CHECK(sad_lookup(sad, &b, PFKEY_SATYPE_AH, 0x101) == NULL);
	/* Every satype of the pair, and only of that pair. */
	ATF_CHECK_EQ(sad_delete_all(sad, &a, &b, 0), 8);
	ATF_CHECK_EQ(sad_count(sad), 32);
	ATF_CHECK(sad_lookup(sad, &b, PFKEY_SATYPE_ESP, 0x100) == NULL);
	ATF_CHECK(sad_lookup(sad, &a, PFKEY_SATYPE_ESP, 0x100) != NULL);

	(void)put(sad, PFKEY_SATYPE_AH, "10.0.0.5", "10.0.0.6", 0x100,
	    PFKEY_SASTATE_MATURE, 0);
	ATF_CHECK_EQ(sad_flush(sad, PFKEY_SATYPE_AH), 1);
	ATF_CHECK_EQ(sad_count_satype(sad, PFKEY_SATYPE_AH), 0);
	ATF_CHECK_EQ(sad_flush(sad, PFKEY_SATYPE_IPCOMP), 0);
	ATF_CHECK_EQ(sad_count(sad), 32);
	ATF_CHECK_EQ(sad_flush(sad, 0), 32);
	ATF_CHECK_EQ(sad_count(sad), 0);
	ATF_CHECK_EQ(sad_count_satype(sad, PFKEY_SATYPE_ESP), 0);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_alloc_spi);
ATF_TC_BODY(sad_alloc_spi, tc)
{
	struct sad *sad;
	struct sad_addr d = addr("10.0.0.2"), d6 = addr("2001:db8::2");
	uint32_t spi, i;
	bool seen[11];

	ATF_REQUIRE((sad = sad_new()) != NULL);

	/* A small range fills up exactly, with no repeats. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 11; i++) {
		ATF_REQUIRE_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 1000,
		    1010, &spi), 0);
		ATF_REQUIRE(spi >= 1000 && spi <= 1010);
		ATF_REQUIRE_MSG(!seen[spi - 1000], "spi %u twice", spi);
		seen[spi - 1000] = true;
		(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", spi,
		    PFKEY_SASTATE_LARVAL, 0);
	}
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 1000, 1010,
	    &spi), SAD_ERR_RANGE);
	/* Full only for this dst and satype. */
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_AH, 1000, 1010,
	    &spi), 0);
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d6, PFKEY_SATYPE_ESP, 1000, 1010,
	    &spi), 0);
	/* One hole left: found by the walk whatever the random start. */
	spi = 1005;
	sad_delete(sad, sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 1005));
	for (i = 0; i < 50; i++) {
		ATF_REQUIRE_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 1000,
		    1010, &spi), 0);
		ATF_REQUIRE_EQ(spi, 1005);
	}

	/* 0-255 are reserved: the range is clamped to start at 256. */
	for (i = 0; i < 2000; i++) {
		ATF_REQUIRE_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 0,
		    260, &spi), 0);
		ATF_REQUIRE_MSG(spi >= 256 && spi <= 260, "spi %u", spi);
	}
	for (i = 256; i <= 260; i++)
		(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", i,
		    PFKEY_SASTATE_LARVAL, 0);
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 0, 260, &spi),
	    SAD_ERR_RANGE);
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 1, 255, &spi),
	    SAD_ERR_RANGE);
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 5000, 4000,
	    &spi), SAD_ERR_RANGE);
	/* The whole space, including the top value. */
	for (i = 0; i < 1000; i++) {
		ATF_REQUIRE_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, 0,
		    UINT32_MAX, &spi), 0);
		ATF_REQUIRE(spi >= 256);
	}
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, UINT32_MAX,
	    UINT32_MAX, &spi), 0);
	ATF_CHECK_EQ(spi, UINT32_MAX);
	(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", UINT32_MAX,
	    PFKEY_SASTATE_LARVAL, 0);
	ATF_CHECK_EQ(sad_alloc_spi(sad, &d, PFKEY_SATYPE_ESP, UINT32_MAX - 1,
	    UINT32_MAX, &spi), 0);
	ATF_CHECK_EQ(spi, UINT32_MAX - 1);
	sad_free(sad);
}

/* A tiny deterministic generator, so failures can be replayed. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static int
iterkey_cmp(const struct sad_entry *a, const struct sad_entry *b)
{
	int r;

	if ((r = sad_addr_cmp(&a->dst, &b->dst)) != 0)
		return (r);
	if (a->satype != b->satype)
		return (a->satype < b->satype ? -1 : 1);
	return (a->spi < b->spi ? -1 : a->spi > b->spi);
}

ATF_TC_WITHOUT_HEAD(sad_iterate_robust);
ATF_TC_BODY(sad_iterate_robust, tc)
{
	static const char *dsts[] = { "10.0.0.2", "10.0.0.9", "2001:db8::2" };
	struct sad *sad;
	struct sad_iter it;
	struct sad_entry *e, last;
	uint32_t seen[3][256];	/* times each original SA was returned */
	uint64_t seed = 42;
	size_t n, i, j, ret;
	unsigned idx;
	uint8_t satype;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	for (i = 0; i < 3; i++)
		for (j = 0; j < 256; j++)
			(void)put(sad, j & 1 ? PFKEY_SATYPE_AH :
			    PFKEY_SATYPE_ESP, "10.0.0.1", dsts[i],
			    0x10000 + (uint32_t)j * 4, PFKEY_SASTATE_MATURE, 0);

	/* A plain walk is complete and ordered. */
	sad_iter_init(&it, 0);
	n = 0;
	memset(&last, 0, sizeof(last));
	while ((e = sad_next(sad, &it)) != NULL) {
		if (n > 0)
			ATF_REQUIRE(iterkey_cmp(&last, e) < 0);
		last = *e;
		n++;
	}
	ATF_CHECK_EQ(n, 768);
	sad_iter_init(&it, PFKEY_SATYPE_AH);
	for (n = 0; (e = sad_next(sad, &it)) != NULL; n++)
		ATF_REQUIRE_EQ(e->satype, PFKEY_SATYPE_AH);
	ATF_CHECK_EQ(n, 384);
	ATF_CHECK_EQ(sad_count_satype(sad, PFKEY_SATYPE_AH), 384);

	/*
	 * Walk while deleting the returned entry or others, and inserting
	 * new ones before and after the cursor.  Every original SA that is
	 * never deleted must come back exactly once.
	 */
	memset(seen, 0, sizeof(seen));
	sad_iter_init(&it, 0);
	ret = 0;
	while ((e = sad_next(sad, &it)) != NULL) {
		ret++;
		ATF_REQUIRE(ret < 5000);
		if (e->spi >= 0x10000 && e->spi < 0x10400 &&
		    (e->spi & 3) == 0) {
			for (i = 0; i < 3; i++) {
				struct sad_addr d = addr(dsts[i]);

				if (sad_addr_cmp(&d, &e->dst) == 0)
					seen[i][(e->spi - 0x10000) / 4]++;
			}
		}
		switch (rnd(&seed) % 4) {
		case 0:
			/* The current one: the cursor must survive it. */
			sad_delete(sad, e);
			break;
		case 1:
			/* Insert new SPIs (odd, so never "original"). */
			idx = (unsigned)(rnd(&seed) % 3);
			satype = rnd(&seed) & 1 ? PFKEY_SATYPE_AH :
			    PFKEY_SATYPE_ESP;
			{
				struct sad_addr d = addr(dsts[idx]);
				uint32_t spi = 0x10000 +
				    (uint32_t)(rnd(&seed) % 2048) * 2 + 1;

				if (sad_lookup(sad, &d, satype, spi) == NULL)
					(void)put(sad, satype, "10.0.0.1",
					    dsts[idx], spi,
					    PFKEY_SASTATE_MATURE, 0);
			}
			break;
		default:
			break;
		}
	}
	for (i = 0; i < 3; i++)
		for (j = 0; j < 256; j++)
			ATF_REQUIRE_MSG(seen[i][j] == 1,
			    "dst %zu spi %#zx returned %u times", i,
			    0x10000 + j * 4, seen[i][j]);

	/* An emptied store ends the walk at once, cursor or not. */
	sad_iter_init(&it, 0);
	ATF_REQUIRE(sad_next(sad, &it) != NULL);
	(void)sad_flush(sad, 0);
	ATF_CHECK(sad_next(sad, &it) == NULL);
	sad_iter_init(&it, 0);
	ATF_CHECK(sad_next(sad, &it) == NULL);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_expire_time);
ATF_TC_BODY(sad_expire_time, tc)
{
	struct sad *sad;
	struct sad_entry e, *s, *t;
	struct sad_addr d = addr("10.0.0.2");
	struct events ev;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sad = sad;
	ATF_CHECK_EQ(sad_next_deadline(sad, 1000), -1);

	mksa(&e, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	e.soft.addtime = 10;
	e.hard.addtime = 20;
	ATF_REQUIRE_EQ(sad_insert(sad, &e, &s), 0);
	sad_entry_clear(&e);
	/* One without limits never expires. */
	(void)put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x2000,
	    PFKEY_SASTATE_MATURE, 0);
	/* One with a later soft limit. */
	t = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x3000,
	    PFKEY_SASTATE_MATURE, 0);
	t->soft.addtime = 15;
	sad_rearm(sad, t);

	ATF_CHECK_EQ(sad_next_deadline(sad, 1000), 10);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1004), 6);
	ATF_CHECK_EQ(sad_expire_run(sad, 1009, sad_cb, &ev), 0);
	ATF_CHECK_EQ(ev.n, 0);

	/* Soft: DYING, once, and the SA is still there. */
	ATF_CHECK_EQ(sad_expire_run(sad, 1010, sad_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 1);
	ATF_CHECK_EQ(ev.spi[0], 0x1000);
	ATF_CHECK(!ev.hard[0]);
	ATF_CHECK_EQ(ev.state[0], PFKEY_SASTATE_DYING);
	ATF_CHECK_EQ(s->state, PFKEY_SASTATE_DYING);
	ATF_CHECK_EQ(sad_expire_run(sad, 1012, sad_cb, &ev), 0);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1012), 3);	/* t's soft */
	ATF_CHECK_EQ(sad_expire_run(sad, 1015, sad_cb, &ev), 1);
	ATF_CHECK_EQ(t->state, PFKEY_SASTATE_DYING);
	/* t has no hard limit: nothing more for it. */
	ATF_CHECK_EQ(sad_next_deadline(sad, 1015), 5);

	/* Hard: callback while still stored, then deleted. */
	ATF_CHECK_EQ(sad_expire_run(sad, 1025, sad_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 3);
	ATF_CHECK_EQ(ev.spi[2], 0x1000);
	ATF_CHECK(ev.hard[2]);
	ATF_CHECK(ev.found[2]);
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == NULL);
	ATF_CHECK_EQ(sad_count(sad), 2);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1025), -1);

	/*
	 * Soft and hard both past (the daemon slept): only the hard expiry,
	 * as Linux's xfrm_timer_handler(); a rekey would come too late.
	 */
	t = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x4000,
	    PFKEY_SASTATE_MATURE, 0);
	t->soft.addtime = 1;
	t->hard.addtime = 2;
	sad_rearm(sad, t);
	ev.n = 0;
	ATF_CHECK_EQ(sad_next_deadline(sad, 5000), 0);
	ATF_CHECK_EQ(sad_expire_run(sad, 5000, sad_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 1);
	ATF_CHECK(ev.hard[0]);
	ATF_CHECK_EQ(ev.state[0], PFKEY_SASTATE_MATURE);

	/* Re-arming with a longer limit postpones expiry. */
	t = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x5000,
	    PFKEY_SASTATE_MATURE, 0);
	t->hard.addtime = 10;
	sad_rearm(sad, t);
	t->hard.addtime = 100;
	sad_rearm(sad, t);
	ATF_CHECK_EQ(sad_expire_run(sad, 1050, sad_cb, &ev), 0);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1050), 50);
	/* A callback that deletes its own entry is harmless. */
	ev.delete_self = true;
	ev.n = 0;
	ATF_CHECK_EQ(sad_expire_run(sad, 1100, sad_cb, &ev), 1);
	ATF_CHECK_EQ(ev.n, 1);
	ATF_CHECK_EQ(sad_count(sad), 2);
	/* A zero creation time is filled in by the store. */
	mksa(&e, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x6000,
	    PFKEY_SASTATE_MATURE, 0);
	e.cur.addtime = 0;
	ATF_REQUIRE_EQ(sad_insert(sad, &e, &s), 0);
	sad_entry_clear(&e);
	ATF_CHECK(s->cur.addtime >= 1700000000);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_expire_larval);
ATF_TC_BODY(sad_expire_larval, tc)
{
	struct sad *sad;
	struct sad_entry *l, *m;
	struct events ev;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sad = sad;
	/* GETSPI's larval SA: 30 s by default, never a soft expiry. */
	l = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_LARVAL, 0);
	l->soft.addtime = 5;
	sad_rearm(sad, l);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1000), 30);
	ATF_CHECK_EQ(sad_expire_run(sad, 1029, sad_cb, &ev), 0);
	ATF_CHECK_EQ(l->state, PFKEY_SASTATE_LARVAL);
	ATF_CHECK_EQ(sad_expire_run(sad, 1030, sad_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 1);
	ATF_CHECK(ev.hard[0]);
	ATF_CHECK_EQ(ev.state[0], PFKEY_SASTATE_LARVAL);
	ATF_CHECK_EQ(sad_count(sad), 0);

	/* An explicit hard limit replaces the default. */
	l = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_LARVAL, 0);
	l->hard.addtime = 60;
	sad_rearm(sad, l);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1000), 60);

	/* UPDATE to MATURE drops the larval deadline. */
	m = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x2000,
	    PFKEY_SASTATE_LARVAL, 0);
	m->state = PFKEY_SASTATE_MATURE;
	sad_rearm(sad, m);
	ev.n = 0;
	ATF_CHECK_EQ(sad_expire_run(sad, 1059, sad_cb, &ev), 0);
	ATF_CHECK_EQ(sad_expire_run(sad, 1060, sad_cb, &ev), 1);
	ATF_CHECK_EQ(ev.spi[0], 0x1000);
	ATF_CHECK_EQ(sad_next_deadline(sad, 1060), -1);
	ATF_CHECK_EQ(sad_count(sad), 1);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_expire_usetime);
ATF_TC_BODY(sad_expire_usetime, tc)
{
	struct sad *sad;
	struct sad_entry *s;
	struct events ev;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sad = sad;
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	s->soft.usetime = 5;
	s->hard.usetime = 8;
	sad_rearm(sad, s);
	/* Unused: no usetime deadline at all. */
	ATF_CHECK_EQ(sad_next_deadline(sad, 1000), -1);
	ATF_CHECK_EQ(sad_expire_run(sad, 99999, sad_cb, &ev), 0);

	/* First use at 2000 starts the clocks; later use does not move them. */
	sad_account(sad, s, 100, 2000, sad_cb, &ev);
	ATF_CHECK_EQ(s->cur.usetime, 2000);
	ATF_CHECK_EQ(s->cur.bytes, 100);
	sad_account(sad, s, 100, 2003, sad_cb, &ev);
	ATF_CHECK_EQ(s->cur.usetime, 2000);
	ATF_CHECK_EQ(s->cur.bytes, 200);
	ATF_CHECK_EQ(sad_next_deadline(sad, 2000), 5);
	ATF_CHECK_EQ(sad_expire_run(sad, 2005, sad_cb, &ev), 1);
	ATF_CHECK_EQ(s->state, PFKEY_SASTATE_DYING);
	ATF_CHECK_EQ(sad_next_deadline(sad, 2005), 3);
	ATF_CHECK_EQ(sad_expire_run(sad, 2008, sad_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 2);
	ATF_CHECK(!ev.hard[0] && ev.hard[1]);
	ATF_CHECK_EQ(sad_count(sad), 0);
	sad_free(sad);
}

ATF_TC_WITHOUT_HEAD(sad_expire_bytes);
ATF_TC_BODY(sad_expire_bytes, tc)
{
	struct sad *sad;
	struct sad_entry *s;
	struct sad_addr d = addr("10.0.0.2");
	struct events ev;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	memset(&ev, 0, sizeof(ev));
	ev.sad = sad;
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x1000,
	    PFKEY_SASTATE_MATURE, 0);
	s->soft.bytes = 1000;
	s->hard.bytes = 2000;
	sad_rearm(sad, s);
	/* Byte limits put nothing on the timer queue. */
	ATF_CHECK_EQ(sad_next_deadline(sad, 1000), -1);

	sad_account(sad, s, 999, 1001, sad_cb, &ev);
	ATF_CHECK_EQ(ev.n, 0);
	ATF_CHECK_EQ(s->state, PFKEY_SASTATE_MATURE);
	sad_account(sad, s, 1, 1001, sad_cb, &ev);
	ATF_REQUIRE_EQ(ev.n, 1);
	ATF_CHECK(!ev.hard[0]);
	ATF_CHECK_EQ(s->state, PFKEY_SASTATE_DYING);
	/* Soft is reported once. */
	sad_account(sad, s, 500, 1002, sad_cb, &ev);
	ATF_CHECK_EQ(ev.n, 1);
	sad_account(sad, s, 499, 1002, sad_cb, &ev);
	ATF_CHECK_EQ(ev.n, 1);
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == s);
	sad_account(sad, s, 1, 1003, sad_cb, &ev);
	ATF_REQUIRE_EQ(ev.n, 2);
	ATF_CHECK(ev.hard[1]);
	ATF_CHECK(ev.found[1]);
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == NULL);

	/* Allocation limits, counted by the caller. */
	s = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2", 0x2000,
	    PFKEY_SASTATE_MATURE, 0);
	s->hard.allocations = 3;
	s->cur.allocations = 2;
	sad_account(sad, s, 0, 1004, sad_cb, &ev);
	ATF_CHECK_EQ(ev.n, 2);
	s->cur.allocations = 3;
	sad_account(sad, s, 0, 1004, sad_cb, &ev);
	ATF_CHECK_EQ(ev.n, 3);
	ATF_CHECK_EQ(sad_count(sad), 0);
	sad_free(sad);
}

/* Counts hard expiries per SPI and checks they come at the deadline. */
struct deadlines {
	uint64_t	 now;
	uint64_t	*when;		/* by index = spi - 0x1000 */
	unsigned	 nexpired;
	bool		 late;
};

static void
deadline_cb(void *arg, struct sad_entry *e, bool hard)
{
	struct deadlines *dl = arg;

	ATF_REQUIRE(hard);
	if (dl->when[e->spi - 0x1000] != dl->now)
		dl->late = true;
	dl->when[e->spi - 0x1000] = 0;
	dl->nexpired++;
}

ATF_TC_WITHOUT_HEAD(sad_expire_many);
ATF_TC_BODY(sad_expire_many, tc)
{
	enum { N = 2000 };
	static uint64_t when[N];
	struct sad *sad;
	struct sad_entry *s[N];
	struct sad_addr d = addr("10.0.0.2");
	struct deadlines dl;
	uint64_t seed = 99, min;
	unsigned i, left = N;

	ATF_REQUIRE((sad = sad_new()) != NULL);
	for (i = 0; i < N; i++) {
		s[i] = put(sad, PFKEY_SATYPE_ESP, "10.0.0.1", "10.0.0.2",
		    0x1000 + i, PFKEY_SASTATE_DYING, 0);
		s[i]->hard.addtime = 1 + rnd(&seed) % 500;
		sad_rearm(sad, s[i]);
		when[i] = 1000 + s[i]->hard.addtime;
	}
	/* Move some deadlines, drop some SAs. */
	for (i = 0; i < N; i += 3) {
		s[i]->hard.addtime = 1 + rnd(&seed) % 500;
		sad_rearm(sad, s[i]);
		when[i] = 1000 + s[i]->hard.addtime;
	}
	for (i = 1; i < N; i += 7) {
		sad_delete(sad, s[i]);
		when[i] = 0;
		left--;
	}
	memset(&dl, 0, sizeof(dl));
	dl.when = when;
	for (dl.now = 1000; dl.now <= 1501; dl.now++) {
		for (min = UINT64_MAX, i = 0; i < N; i++)
			if (when[i] != 0 && when[i] < min)
				min = when[i];
		ATF_REQUIRE_EQ(sad_next_deadline(sad, dl.now),
		    min == UINT64_MAX ? -1 : (int64_t)(min - dl.now));
		(void)sad_expire_run(sad, dl.now, deadline_cb, &dl);
		ATF_REQUIRE(!dl.late);
	}
	ATF_CHECK_EQ(dl.nexpired, left);
	ATF_CHECK_EQ(sad_count(sad), 0);
	ATF_CHECK(sad_lookup(sad, &d, PFKEY_SATYPE_ESP, 0x1000) == NULL);
	sad_free(sad);
}

/* ------------------------------------------------------------------ SPD */

static void
mksp(struct spd_entry *p, uint8_t dir, const char *src, uint8_t splen,
    const char *dst, uint8_t dplen, uint8_t proto, uint32_t prio)
{
	spd_entry_init(p);
	p->has = SPD_HAS_PRIORITY;
	p->dir = dir;
	p->action = PFKEY_POLICY_IPSEC;
	p->priority = prio;
	p->sel.src = addr(src);
	p->sel.src.plen = splen;
	p->sel.dst = addr(dst);
	p->sel.dst.plen = dplen;
	p->sel.proto = proto;
	p->cur.addtime = 1000;
	p->nreq = 1;
	p->req[0].proto = PFKEY_IPPROTO_ESP;
	p->req[0].mode = PFKEY_MODE_TRANSPORT;
	p->req[0].level = PFKEY_LEVEL_REQUIRE;
}

static struct spd_entry *
sp_put(struct spd *spd, uint8_t dir, const char *src, uint8_t splen,
    const char *dst, uint8_t dplen, uint8_t proto, uint32_t prio)
{
	struct spd_entry p, *out = NULL;
	int r;

	mksp(&p, dir, src, splen, dst, dplen, proto, prio);
	r = spd_insert(spd, &p, false, &out);
	spd_entry_clear(&p);
	ATF_REQUIRE_MSG(r == 0, "spd_insert: %s", sad_strerror(r));
	return (out);
}

static struct spd_flow
flow(const char *src, const char *dst, uint8_t proto, uint16_t sport,
    uint16_t dport)
{
	struct spd_flow f;

	memset(&f, 0, sizeof(f));
	f.src = addr(src);
	f.dst = addr(dst);
	f.proto = proto;
	f.sport = sport;
	f.dport = dport;
	return (f);
}

ATF_TC_WITHOUT_HEAD(spd_unique_replace);
ATF_TC_BODY(spd_unique_replace, tc)
{
	struct spd *spd;
	struct spd_entry p, *a, *b, *out;
	uint32_t id;

	ATF_REQUIRE((spd = spd_new()) != NULL);
	a = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 24, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 100);
	id = a->id;
	ATF_CHECK(id != 0);
	ATF_CHECK(a->has & SPD_HAS_ID);

	/* Same dir and selector: refused. */
	mksp(&p, PFKEY_DIR_OUTBOUND, "10.0.0.0", 24, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 5);
	ATF_CHECK_EQ(spd_insert(spd, &p, false, NULL), SAD_ERR_EXISTS);
	ATF_CHECK_EQ(spd_count(spd), 1);
	/* Replaced in place: same entry, same id, new contents. */
	p.action = PFKEY_POLICY_DISCARD;
	out = NULL;
	ATF_CHECK_EQ(spd_insert(spd, &p, true, &out), 0);
	ATF_CHECK(out == a);
	ATF_CHECK_EQ(a->id, id);
	ATF_CHECK_EQ(a->action, PFKEY_POLICY_DISCARD);
	ATF_CHECK_EQ(a->priority, 5);
	ATF_CHECK_EQ(spd_count(spd), 1);
	/* Even if the replacement names another id. */
	p.has |= SPD_HAS_ID;
	p.id = 4242;
	ATF_CHECK_EQ(spd_insert(spd, &p, true, NULL), 0);
	ATF_CHECK_EQ(a->id, id);
	ATF_CHECK(spd_lookup_id(spd, 4242) == NULL);
	spd_entry_clear(&p);

	/* Any difference in dir, ports, proto, prefix or host bits counts. */
	(void)sp_put(spd, PFKEY_DIR_INBOUND, "10.0.0.0", 24, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 100);
	(void)sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 24, "10.1.0.0", 24,
	    6, 100);
	(void)sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 25, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 100);
	(void)sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.1", 24, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 100);
	mksp(&p, PFKEY_DIR_OUTBOUND, "10.0.0.0", 24, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 100);
	p.sel.dst.port = 443;
	ATF_CHECK_EQ(spd_insert(spd, &p, false, &b), 0);
	ATF_CHECK_EQ(spd_count(spd), 6);
	ATF_CHECK(spd_lookup_sel(spd, PFKEY_DIR_OUTBOUND, &p.sel) == b);
	p.sel.dst.port = 0;
	ATF_CHECK(spd_lookup_sel(spd, PFKEY_DIR_OUTBOUND, &p.sel) == a);
	ATF_CHECK(spd_lookup_sel(spd, PFKEY_DIR_FWD, &p.sel) == NULL);
	spd_entry_clear(&p);

	/* An explicit id: taken as given, refused if in use. */
	mksp(&p, PFKEY_DIR_FWD, "10.0.0.0", 24, "10.1.0.0", 24,
	    SPD_PROTO_ANY, 100);
	p.has |= SPD_HAS_ID;
	p.id = id;
	ATF_CHECK_EQ(spd_insert(spd, &p, false, NULL), SAD_ERR_EXISTS);
	p.id = 777;
	ATF_CHECK_EQ(spd_insert(spd, &p, false, &b), 0);
	ATF_CHECK_EQ(b->id, 777);
	ATF_CHECK(spd_lookup_id(spd, 777) == b);
	spd_entry_clear(&p);

	/* Mixed or unknown families are refused. */
	mksp(&p, PFKEY_DIR_FWD, "10.0.0.0", 24, "2001:db8::", 64,
	    SPD_PROTO_ANY, 100);
	ATF_CHECK_EQ(spd_insert(spd, &p, false, NULL), SAD_ERR_FAMILY);
	p.sel.dst = p.sel.src;
	p.sel.dst.plen = 33;
	ATF_CHECK_EQ(spd_insert(spd, &p, false, NULL), SAD_ERR_INVAL);
	spd_entry_clear(&p);

	/* Delete and flush. */
	spd_delete(spd, b);
	ATF_CHECK(spd_lookup_id(spd, 777) == NULL);
	ATF_CHECK_EQ(spd_count(spd), 6);
	ATF_CHECK(spd_lookup_id(spd, id) == a);
	ATF_CHECK_EQ(spd_flush(spd), 6);
	ATF_CHECK_EQ(spd_count(spd), 0);
	ATF_CHECK(spd_lookup_id(spd, id) == NULL);
	spd_free(spd);
}

ATF_TC_WITHOUT_HEAD(spd_idstyles);
ATF_TC_BODY(spd_idstyles, tc)
{
	struct spd *spd;
	struct spd_entry p, *a, *b, *c, *d;
	uint8_t dir;
	int i;

	/* Linux: index generator in steps of 8, XFRM dir (PF_KEY's - 1). */
	ATF_REQUIRE((spd = spd_new()) != NULL);
	spd_set_idstyle(spd, SPD_ID_LINUX);
	a = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.1", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	b = sp_put(spd, PFKEY_DIR_INBOUND, "10.0.0.2", 32, "10.0.0.1", 32,
	    SPD_PROTO_ANY, 0);
	c = sp_put(spd, PFKEY_DIR_FWD, "10.0.0.2", 32, "10.0.0.1", 32,
	    SPD_PROTO_ANY, 0);
	ATF_CHECK_EQ(a->id, 1);		/* 0 << 3 | 1 */
	ATF_CHECK_EQ(b->id, 8);		/* 1 << 3 | 0 */
	ATF_CHECK_EQ(c->id, 18);	/* 2 << 3 | 2 */
	for (i = 0; i < 40; i++) {
		dir = (uint8_t)(1 + i % 3);
		mksp(&p, dir, "10.0.0.1", 32, "10.0.1.0", 24,
		    (uint8_t)i, 0);
		ATF_REQUIRE_EQ(spd_insert(spd, &p, false, &d), 0);
		spd_entry_clear(&p);
		ATF_CHECK_EQ(d->id & 7, (uint32_t)dir - 1);
		ATF_CHECK_EQ(d->id >> 3, (uint32_t)i + 3);
	}
	/* Generated ids skip ids taken explicitly. */
	mksp(&p, PFKEY_DIR_OUTBOUND, "10.0.0.9", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	p.has |= SPD_HAS_ID;
	p.id = (44 << 3) | 1;
	ATF_REQUIRE_EQ(spd_insert(spd, &p, false, NULL), 0);
	spd_entry_clear(&p);
	(void)sp_put(spd, PFKEY_DIR_INBOUND, "10.0.0.8", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);	/* 43 << 3 | 0 */
	d = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.7", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	ATF_CHECK_EQ(d->id, (45 << 3) | 1);
	spd_free(spd);

	/* KAME: 1, 2, 3 ... skipping ids in use. */
	ATF_REQUIRE((spd = spd_new()) != NULL);
	spd_set_idstyle(spd, SPD_ID_KAME);
	a = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.1", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	b = sp_put(spd, PFKEY_DIR_INBOUND, "10.0.0.2", 32, "10.0.0.1", 32,
	    SPD_PROTO_ANY, 0);
	ATF_CHECK_EQ(a->id, 1);
	ATF_CHECK_EQ(b->id, 2);
	mksp(&p, PFKEY_DIR_OUTBOUND, "10.0.0.3", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	p.has |= SPD_HAS_ID;
	p.id = 3;
	ATF_REQUIRE_EQ(spd_insert(spd, &p, false, NULL), 0);
	spd_entry_clear(&p);
	c = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.4", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	ATF_CHECK_EQ(c->id, 4);
	/* Ids are not reused right away. */
	spd_delete(spd, a);
	d = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.5", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	ATF_CHECK_EQ(d->id, 5);
	spd_free(spd);

	/* The default is the host's. */
	ATF_REQUIRE((spd = spd_new()) != NULL);
	a = sp_put(spd, PFKEY_DIR_INBOUND, "10.0.0.1", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
#ifdef __linux__
	ATF_CHECK_EQ(a->id, 8);
#else
	ATF_CHECK_EQ(a->id, 1);
#endif
	spd_free(spd);
}

ATF_TC_WITHOUT_HEAD(spd_match_basic);
ATF_TC_BODY(spd_match_basic, tc)
{
	struct spd *spd;
	struct spd_entry p, *net, *host, *tcp, *web, *old, *v6;
	struct spd_flow f;

	ATF_REQUIRE((spd = spd_new()) != NULL);
	f = flow("10.0.0.5", "10.1.2.3", 6, 40000, 443);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == NULL);

	net = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 8, "10.1.0.0", 16,
	    SPD_PROTO_ANY, 1000);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == net);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_INBOUND, &f) == NULL);
	/* Host bits in the selector do not matter for matching. */
	host = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.77", 24, "10.1.2.3",
	    32, SPD_PROTO_ANY, 900);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == host);
	tcp = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 8, "10.1.0.0", 16,
	    6, 800);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == tcp);
	mksp(&p, PFKEY_DIR_OUTBOUND, "0.0.0.0", 0, "0.0.0.0", 0, 6, 700);
	p.sel.dst.port = 443;
	ATF_REQUIRE_EQ(spd_insert(spd, &p, false, &web), 0);
	spd_entry_clear(&p);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == web);
	/* Other port, proto or address: the next best. */
	f.dport = 80;
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == tcp);
	f.proto = 17;
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == host);
	f.dst = addr("10.1.9.9");
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == net);
	f.src = addr("11.0.0.5");
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == NULL);

	/* Equal priorities: the older one. */
	f = flow("10.0.0.5", "10.1.2.3", 17, 1, 2);
	old = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.5", 32, "10.1.0.0", 16,
	    SPD_PROTO_ANY, 10);
	(void)sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 24, "10.1.2.3", 32,
	    SPD_PROTO_ANY, 10);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == old);
	/* A replacement with a worse priority moves it down. */
	mksp(&p, PFKEY_DIR_OUTBOUND, "10.0.0.5", 32, "10.1.0.0", 16,
	    SPD_PROTO_ANY, 11);
	ATF_REQUIRE_EQ(spd_insert(spd, &p, true, NULL), 0);
	spd_entry_clear(&p);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) != old);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f)->priority == 10);
	/* ... and a better one via spd_rearm() moves it up again. */
	old->priority = 9;
	spd_rearm(spd, old);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == old);

	/* IPv6, and no cross-family matches. */
	v6 = sp_put(spd, PFKEY_DIR_OUTBOUND, "::", 0, "2001:db8::", 32,
	    SPD_PROTO_ANY, 0);
	f = flow("2001:db8:1::1", "2001:db8:2::2", 58, 128, 0);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == v6);
	f = flow("2001:db8:1::1", "2001:db9::2", 58, 128, 0);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == NULL);
	f = flow("10.0.0.5", "2001:db8::2", 58, 128, 0);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == NULL);
	spd_free(spd);
}

/* ------------------------------------------------ the tuple-space oracle */

/* Addresses from a small pool so that prefixes overlap a lot. */
static void
rnd_addr(uint64_t *s, struct sad_addr *a, sa_family_t af)
{
	uint64_t r = rnd(s);

	memset(a, 0, sizeof(*a));
	a->af = af;
	if (af == AF_INET) {
		a->a.b[0] = 10;
		a->a.b[1] = (uint8_t)(r & 1);
		a->a.b[2] = (uint8_t)((r >> 8) & 3);
		a->a.b[3] = (uint8_t)((r >> 16) & 0x8f);
	} else {
		a->a.b[0] = 0x20;
		a->a.b[1] = 0x01;
		a->a.b[2] = 0x0d;
		a->a.b[3] = 0xb8;
		a->a.b[7] = (uint8_t)(r & 1);
		a->a.b[13] = (uint8_t)((r >> 8) & 3);
		a->a.b[15] = (uint8_t)((r >> 16) & 0x8f);
		if ((r >> 32) % 4 == 0)
			a->a.b[9] = (uint8_t)(r >> 40);
	}
}

static uint8_t
rnd_plen(uint64_t *s, sa_family_t af)
{
	static const uint8_t v4[] = { 0, 8, 15, 16, 23, 24, 24, 26, 30, 32,
	    32, 32 };
	static const uint8_t v6[] = { 0, 32, 56, 64, 64, 100, 110, 112, 120,
	    125, 128, 128, 128 };
	uint64_t r = rnd(s);

	if (af == AF_INET)
		return (v4[r % sizeof(v4)]);
	return (v6[r % sizeof(v6)]);
}

static uint16_t
rnd_port(uint64_t *s)
{
	static const uint16_t ports[] = { 0, 0, 0, 0, 22, 80, 443, 4500 };

	return (ports[rnd(s) % 8]);
}

static uint8_t
rnd_proto(uint64_t *s)
{
	static const uint8_t protos[] = { SPD_PROTO_ANY, SPD_PROTO_ANY, 6, 17,
	    1, 0 };

	return (protos[rnd(s) % sizeof(protos)]);
}

static bool
covers(const struct spd_entry *p, const struct spd_flow *f)
{
	const struct spd_selector *sel = &p->sel;

	return (sel->src.af == f->src.af && sel->dst.af == f->dst.af &&
	    sad_addr_in_prefix(&f->src, &sel->src) &&
	    sad_addr_in_prefix(&f->dst, &sel->dst) &&
	    (sel->proto == SPD_PROTO_ANY || sel->proto == f->proto) &&
	    (sel->src.port == 0 || sel->src.port == f->sport) &&
	    (sel->dst.port == 0 || sel->dst.port == f->dport));
}

#define ORACLE_POLICIES	3000
#define ORACLE_FLOWS	20000

/* The best policy by a linear scan: lowest priority, then oldest. */
static const struct spd_entry *
oracle(struct spd_entry *const *pol, size_t n, uint8_t dir,
    const struct spd_flow *f)
{
	const struct spd_entry *best = NULL;
	size_t i;

	/* pol[] is in insertion order, so the first of a tie is oldest. */
	for (i = 0; i < n; i++) {
		if (pol[i] == NULL || pol[i]->dir != dir || !covers(pol[i], f))
			continue;
		if (best == NULL || pol[i]->priority < best->priority)
			best = pol[i];
	}
	return (best);
}

static void
rnd_flow(uint64_t *s, struct spd_flow *f)
{
	sa_family_t af = rnd(s) % 3 == 0 ? AF_INET6 : AF_INET;
	static const uint16_t ports[] = { 22, 80, 443, 4500, 1024, 65535 };

	memset(f, 0, sizeof(*f));
	rnd_addr(s, &f->src, af);
	rnd_addr(s, &f->dst, af);
	f->proto = (uint8_t[]){ 6, 17, 1, 0, 50 }[rnd(s) % 5];
	f->sport = ports[rnd(s) % 6];
	f->dport = ports[rnd(s) % 6];
}

static void
oracle_check(struct spd *spd, struct spd_entry *const *pol, size_t n,
    uint64_t *s, uint64_t seed, size_t nflows, size_t *hits)
{
	struct spd_flow f;
	const struct spd_entry *want, *got;
	uint8_t dir;
	size_t i;

	for (i = 0; i < nflows; i++) {
		rnd_flow(s, &f);
		dir = (uint8_t)(1 + rnd(s) % 3);
		want = oracle(pol, n, dir, &f);
		got = spd_match(spd, dir, &f);
		ATF_REQUIRE_MSG(got == want,
		    "seed %" PRIu64 " flow %zu dir %u: got id %u prio %u, "
		    "want id %u prio %u", seed, i, dir,
		    got ? got->id : 0, got ? got->priority : 0,
		    want ? want->id : 0, want ? want->priority : 0);
		if (want != NULL)
			(*hits)++;
	}
}

ATF_TC_WITHOUT_HEAD(spd_match_oracle);
ATF_TC_BODY(spd_match_oracle, tc)
{
	static struct spd_entry *pol[ORACLE_POLICIES];
	struct spd *spd;
	struct spd_entry p, *out;
	uint64_t seed, s;
	size_t i, n, hits = 0, round;
	sa_family_t af;
	int r;

	for (round = 0; round < 3; round++) {
		seed = round == 0 ? 1 : arc4random();
		s = seed;
		ATF_REQUIRE((spd = spd_new()) != NULL);
		for (i = n = 0; i < ORACLE_POLICIES; i++) {
			af = rnd(&s) % 3 == 0 ? AF_INET6 : AF_INET;
			spd_entry_init(&p);
			p.dir = (uint8_t)(1 + rnd(&s) % 3);
			p.action = PFKEY_POLICY_IPSEC;
			/* Few priorities, so ties (broken by age) happen. */
			p.priority = (uint32_t)(rnd(&s) % 40);
			rnd_addr(&s, &p.sel.src, af);
			rnd_addr(&s, &p.sel.dst, af);
			p.sel.src.plen = rnd_plen(&s, af);
			p.sel.dst.plen = rnd_plen(&s, af);
			p.sel.src.port = rnd_port(&s);
			p.sel.dst.port = rnd_port(&s);
			p.sel.proto = rnd_proto(&s);
			p.cur.addtime = 1000;
			r = spd_insert(spd, &p, false, &out);
			if (r == SAD_ERR_EXISTS)
				continue;
			ATF_REQUIRE_EQ(r, 0);
			pol[n++] = out;
		}
		ATF_REQUIRE(n > ORACLE_POLICIES / 2);
		oracle_check(spd, pol, n, &s, seed, ORACLE_FLOWS, &hits);

		/*
		 * Delete a third (shapes empty out, bounds go stale) and
		 * replace some with new priorities, then check again.
		 */
		for (i = 0; i < n; i++) {
			if (rnd(&s) % 3 == 0) {
				spd_delete(spd, pol[i]);
				pol[i] = NULL;
			} else if (rnd(&s) % 5 == 0) {
				ATF_REQUIRE_EQ(spd_entry_copy(&p, pol[i]), 0);
				p.priority = (uint32_t)(rnd(&s) % 40);
				ATF_REQUIRE_EQ(spd_insert(spd, &p, true, &out),
				    0);
				spd_entry_clear(&p);
				ATF_REQUIRE(out == pol[i]);
			}
		}
		oracle_check(spd, pol, n, &s, seed, ORACLE_FLOWS, &hits);
		spd_free(spd);
	}
	/* The random mix must actually exercise matches. */
	ATF_CHECK_MSG(hits > ORACLE_FLOWS, "only %zu flows matched", hits);
}

ATF_TC_WITHOUT_HEAD(spd_iterate);
ATF_TC_BODY(spd_iterate, tc)
{
	struct spd *spd;
	struct spd_iter it;
	struct spd_entry *e, *pol[200];
	uint32_t lastprio = 0, lastid = 0;
	size_t i, n, seen[200];
	uint64_t s = 7;
	char a[32];

	ATF_REQUIRE((spd = spd_new()) != NULL);
	spd_set_idstyle(spd, SPD_ID_KAME);
	for (i = 0; i < 200; i++) {
		snprintf(a, sizeof(a), "10.0.%zu.%zu", i / 100, i % 100);
		pol[i] = sp_put(spd, PFKEY_DIR_OUTBOUND, a, 32, "10.9.0.0",
		    16, SPD_PROTO_ANY, (uint32_t)(rnd(&s) % 10));
	}
	/* Priority order, then insertion order (KAME ids rise with it). */
	spd_iter_init(&it);
	for (n = 0; (e = spd_next(spd, &it)) != NULL; n++) {
		if (n > 0)
			ATF_REQUIRE(e->priority > lastprio ||
			    (e->priority == lastprio && e->id > lastid));
		lastprio = e->priority;
		lastid = e->id;
	}
	ATF_CHECK_EQ(n, 200);

	/* Deleting the current and other policies does not lose any. */
	memset(seen, 0, sizeof(seen));
	spd_iter_init(&it);
	while ((e = spd_next(spd, &it)) != NULL) {
		seen[e->id - 1]++;
		if (rnd(&s) % 2)
			spd_delete(spd, e);
		i = (size_t)(rnd(&s) % 200);
		/* Delete one not yet returned only if it is still there. */
		if (seen[i] == 0 && pol[i] != NULL && rnd(&s) % 4 == 0 &&
		    spd_lookup_id(spd, (uint32_t)i + 1) == pol[i]) {
			spd_delete(spd, pol[i]);
			seen[i] = 100;	/* never returned, and not expected */
		}
	}
	for (i = 0; i < 200; i++)
		ATF_REQUIRE_MSG(seen[i] == 1 || seen[i] == 100,
		    "policy %zu returned %zu times", i + 1, seen[i]);
	spd_free(spd);
}

struct spevents {
	size_t		 n;
	uint32_t	 id[64];
	bool		 hard[64];
	struct spd	*spd;
	bool		 found[64];
};

static void
spd_cb(void *arg, struct spd_entry *e, bool hard)
{
	struct spevents *ev = arg;

	ATF_REQUIRE(ev->n < 64);
	ev->id[ev->n] = e->id;
	ev->hard[ev->n] = hard;
	ev->found[ev->n] = spd_lookup_id(ev->spd, e->id) == e;
	ev->n++;
}

ATF_TC_WITHOUT_HEAD(spd_expire);
ATF_TC_BODY(spd_expire, tc)
{
	struct spd *spd;
	struct spd_entry *a, *b, *c;
	struct spevents ev;
	struct spd_flow f = flow("10.0.0.1", "10.0.0.2", 6, 1, 2);

	ATF_REQUIRE((spd = spd_new()) != NULL);
	memset(&ev, 0, sizeof(ev));
	ev.spd = spd;
	ATF_CHECK_EQ(spd_next_deadline(spd, 1000), -1);

	/* addtime: soft once, then hard deletes. */
	a = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.1", 32, "10.0.0.2", 32,
	    SPD_PROTO_ANY, 0);
	a->soft.addtime = 10;
	a->hard.addtime = 20;
	spd_rearm(spd, a);
	/* usetime ("validtime"): idle time, from creation if never used. */
	b = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.1", 32, "10.0.0.0", 24,
	    SPD_PROTO_ANY, 5);
	b->hard.usetime = 15;
	spd_rearm(spd, b);
	/* No limits: stays. */
	c = sp_put(spd, PFKEY_DIR_OUTBOUND, "10.0.0.0", 24, "10.0.0.0", 24,
	    SPD_PROTO_ANY, 9);

	ATF_CHECK_EQ(spd_next_deadline(spd, 1000), 10);
	ATF_CHECK_EQ(spd_expire_run(spd, 1009, spd_cb, &ev), 0);
	ATF_CHECK_EQ(spd_expire_run(spd, 1010, spd_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 1);
	ATF_CHECK_EQ(ev.id[0], a->id);
	ATF_CHECK(!ev.hard[0]);
	ATF_CHECK_EQ(spd_expire_run(spd, 1011, spd_cb, &ev), 0);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == a);

	/* b was used at 1010: its idle deadline moves to 1025. */
	b->cur.usetime = 1010;
	spd_rearm(spd, b);
	ATF_CHECK_EQ(spd_expire_run(spd, 1015, spd_cb, &ev), 0);
	ATF_CHECK_EQ(spd_expire_run(spd, 1020, spd_cb, &ev), 1);
	ATF_REQUIRE_EQ(ev.n, 2);
	ATF_CHECK(ev.hard[1]);
	ATF_CHECK(ev.found[1]);
	ATF_CHECK_EQ(spd_count(spd), 2);
	/* Gone from the matcher too. */
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == b);
	ATF_CHECK_EQ(spd_next_deadline(spd, 1020), 5);
	ATF_CHECK_EQ(spd_expire_run(spd, 1025, spd_cb, &ev), 1);
	ATF_CHECK_EQ(ev.n, 3);
	ATF_CHECK(ev.hard[2]);
	ATF_CHECK(spd_match(spd, PFKEY_DIR_OUTBOUND, &f) == c);
	ATF_CHECK_EQ(spd_count(spd), 1);
	ATF_CHECK_EQ(spd_next_deadline(spd, 1025), -1);
	spd_free(spd);
}

ATF_TC_WITHOUT_HEAD(spd_expire_many);
ATF_TC_BODY(spd_expire_many, tc)
{
	enum { N = 500 };
	struct spd *spd;
	struct spd_entry *p[N];
	struct spevents ev;
	uint64_t when[N], now, min, seed = 5;
	unsigned i, k, left = N;
	char a[32];

	ATF_REQUIRE((spd = spd_new()) != NULL);
	spd_set_idstyle(spd, SPD_ID_KAME);
	for (i = 0; i < N; i++) {
		snprintf(a, sizeof(a), "10.1.%u.%u", i / 200, i % 200);
		p[i] = sp_put(spd, PFKEY_DIR_INBOUND, a, 32, "10.2.0.0", 16,
		    SPD_PROTO_ANY, i);
		p[i]->hard.addtime = 1 + rnd(&seed) % 300;
		spd_rearm(spd, p[i]);
		when[i] = 1000 + p[i]->hard.addtime;
	}
	for (i = 0; i < N; i += 5) {
		spd_delete(spd, p[i]);
		when[i] = 0;
		left--;
	}
	memset(&ev, 0, sizeof(ev));
	ev.spd = spd;
	for (now = 1000; now <= 1301; now++) {
		for (min = UINT64_MAX, i = 0; i < N; i++)
			if (when[i] != 0 && when[i] < min)
				min = when[i];
		ATF_REQUIRE_EQ(spd_next_deadline(spd, now),
		    min == UINT64_MAX ? -1 : (int64_t)(min - now));
		ev.n = 0;
		(void)spd_expire_run(spd, now, spd_cb, &ev);
		for (k = 0; k < ev.n; k++) {
			i = ev.id[k] - 1;	/* KAME ids: 1, 2, ... */
			ATF_REQUIRE(ev.hard[k]);
			ATF_REQUIRE_EQ(when[i], now);
			when[i] = 0;
			left--;
		}
	}
	ATF_CHECK_EQ(left, 0);
	ATF_CHECK_EQ(spd_count(spd), 0);
	spd_free(spd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, sad_insert_lookup);
	ATF_TP_ADD_TC(tp, sad_duplicates);
	ATF_TP_ADD_TC(tp, sad_insert_move);
	ATF_TP_ADD_TC(tp, sad_delete_wipes);
	ATF_TP_ADD_TC(tp, sad_lookup_out);
	ATF_TP_ADD_TC(tp, sad_delete_all_flush);
	ATF_TP_ADD_TC(tp, sad_alloc_spi);
	ATF_TP_ADD_TC(tp, sad_iterate_robust);
	ATF_TP_ADD_TC(tp, sad_expire_time);
	ATF_TP_ADD_TC(tp, sad_expire_larval);
	ATF_TP_ADD_TC(tp, sad_expire_usetime);
	ATF_TP_ADD_TC(tp, sad_expire_bytes);
	ATF_TP_ADD_TC(tp, sad_expire_many);
	ATF_TP_ADD_TC(tp, spd_unique_replace);
	ATF_TP_ADD_TC(tp, spd_idstyles);
	ATF_TP_ADD_TC(tp, spd_match_basic);
	ATF_TP_ADD_TC(tp, spd_match_oracle);
	ATF_TP_ADD_TC(tp, spd_iterate);
	ATF_TP_ADD_TC(tp, spd_expire);
	ATF_TP_ADD_TC(tp, spd_expire_many);
	return (atf_no_error());
}
