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
 * libesp SAs as a whole rather than packet formats: single-writer output
 * (esp_sa_opts.single_writer) against the default SA, with threads that
 * hand the SA over through a lock, at the end of the sequence space and
 * with lifetimes; lifetimes changed on a live SA (esp_sa_set_lifetimes(),
 * a key manager's UPDATE): events at the new limits and not the old
 * ones, in both directions, for bytes and packets, re-armed or taken
 * back, raised at once when already reached, limits set on an SA that
 * had none, and a change while several threads send.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "util.h"

#define BUFSZ		70000

static uint8_t pkt[BUFSZ], enc[BUFSZ], enc2[BUFSZ], dec[BUFSZ];
static uint8_t ibuf[BUFSZ];

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* AES-GCM-16, 128-bit key, tunnel mode IPv4 in IPv4 (the common SA). */
static void
gcm_tsa(struct tsa *t)
{
	memset(t, 0, sizeof(*t));
	t->mode = PFKEY_MODE_TUNNEL;
	t->spi = 0x2000;
	t->ealg = PFKEY_EALG_AES_GCM_ICV16;
	t->src = "192.0.2.1";
	t->dst = "198.51.100.2";
	t->replay = 64;
}

static struct esp_sa *
new_sa(const struct tsa *t, bool sw, const struct esp_sa_opts *o0)
{
	struct esp_sa_opts o;
	struct esp_sa *sa;
	int rc;

	if (o0 != NULL)
		o = *o0;
	else
		memset(&o, 0, sizeof(o));
	o.single_writer = sw;
	rc = tsa_new(t, &o, &sa);
	ATF_REQUIRE_MSG(rc == 0, "esp_sa_new: %s", esp_strerror(rc));
	return (sa);
}

/* The inner packets: UDP from 10.0.0.1 to 10.9.0.1, `size' bytes. */
static size_t
inner(uint8_t *buf, size_t size, uint8_t seed)
{
	size_t n;

	ATF_REQUIRE(size >= 28);
	n = mk_pkt(buf, "10.0.0.1", "10.9.0.1", IPPROTO_UDP, size - 28, seed,
	    0);
	ATF_REQUIRE_EQ(n, size);
	return (n);
}

/* Send one packet of `size' bytes; returns esp_output()'s result. */
static int
send1(struct esp_sa *sa, size_t size)
{
	size_t n, outlen, off;

	n = inner(pkt, size, 1);
	return (esp_output(sa, pkt, n, enc, sizeof(enc), &outlen, &off));
}

/* ------------------------------------------------------- single writer */

/*
 * The same packets, byte for byte, from a single-writer SA and a default
 * one made from the same entry, copying and in place, for every kind of
 * cipher and integrity, both modes and NAT-T; and the same counters.  A
 * receiver opens them, one with another key refuses them.  (Tunnel mode
 * over IPv6: an IPv4 outer header carries a per-SA random ID.)
 */
ATF_TC_WITHOUT_HEAD(single_writer_same_packets);
ATF_TC_BODY(single_writer_same_packets, tc)
{
	static const struct {
		uint16_t	 ealg, aalg;
	} algs[] = {
		{ PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE },
		{ PFKEY_EALG_AES_GCM_ICV8, PFKEY_AALG_NONE },
		{ PFKEY_EALG_CHACHA20POLY1305, PFKEY_AALG_NONE },
		{ PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC },
		{ PFKEY_EALG_AESCTR, PFKEY_AALG_SHA1HMAC },
		{ PFKEY_EALG_NULL, PFKEY_AALG_SHA2_512HMAC },
	};
	static const struct {
		uint8_t		 mode;
		const char	*src, *dst, *isrc, *idst;
		bool		 natt;
	} shapes[] = {
		{ PFKEY_MODE_TRANSPORT, NULL, NULL, "192.0.2.1",
		    "198.51.100.2", false },
		{ PFKEY_MODE_TUNNEL, "2001:db8::1", "2001:db8:1::2", "fd00::1",
		    "fd00:9::1", false },
		{ PFKEY_MODE_TUNNEL, "2001:db8::1", "2001:db8:1::2",
		    "10.0.0.1", "10.9.0.1", true },
		{ PFKEY_MODE_TRANSPORT, "192.0.2.1", "198.51.100.2",
		    "192.0.2.1", "198.51.100.2", true },
	};
	static const uint8_t seed[16] = "fixed CBC IV key";
	struct esp_counters c1, c2;
	struct esp_sa_opts o;
	struct esp_sa *mw, *sw, *rx, *wrong;
	struct tsa t;
	size_t ai, si, i, n, l1, l2, off1, off2, hr, tr, po, pl, eo, dl;
	int rc;

	memset(&o, 0, sizeof(o));
	o.iv_seed = seed;
	for (ai = 0; ai < nitems(algs); ai++)
		for (si = 0; si < nitems(shapes); si++) {
			memset(&t, 0, sizeof(t));
			t.mode = shapes[si].mode;
			t.spi = 0x3000 + (uint32_t)ai;
			t.ealg = algs[ai].ealg;
			t.aalg = algs[ai].aalg;
			t.src = shapes[si].src;
			t.dst = shapes[si].dst;
			t.natt = shapes[si].natt;
			t.sport = t.dport = 4500;
			t.replay = 64;
			mw = new_sa(&t, false, &o);
			sw = new_sa(&t, true, &o);
			rx = new_sa(&t, false, &o);
			t.keyseed = 7;
			wrong = new_sa(&t, false, &o);
			hr = esp_sa_headroom(sw);
			tr = esp_sa_tailroom(sw);
			ATF_CHECK_EQ(hr, esp_sa_headroom(mw));
			ATF_CHECK_EQ(tr, esp_sa_tailroom(mw));
			for (i = 0; i < 40; i++) {
				n = mk_pkt(pkt, shapes[si].isrc,
				    shapes[si].idst, i & 1 ? IPPROTO_TCP :
				    IPPROTO_UDP, i * 37, (uint8_t)i, 0);
				ATF_REQUIRE_EQ(esp_output(mw, pkt, n, enc,
				    sizeof(enc), &l1, &off1), 0);
				/* Copying and in place, alternately. */
				if (i & 2) {
					ATF_REQUIRE_EQ(esp_output(sw, pkt, n,
					    enc2, sizeof(enc2), &l2, &off2),
					    0);
				} else {
					memcpy(ibuf + hr, pkt, n);
					ATF_REQUIRE_EQ(esp_output_inplace(sw,
					    ibuf, hr + n + tr, hr, n, &po,
					    &pl, &eo), 0);
					ATF_REQUIRE_EQ(po, 0);
					memcpy(enc2, ibuf, pl);
					l2 = pl;
					off2 = eo;
				}
				ATF_REQUIRE_EQ_MSG(l1, l2, "alg %zu shape %zu "
				    "packet %zu", ai, si, i);
				ATF_CHECK_MSG(memcmp(enc, enc2, l1) == 0,
				    "alg %zu shape %zu packet %zu: other bytes",
				    ai, si, i);
				ATF_CHECK_EQ(off1, off2);
				rc = esp_input(rx, enc2, l2, dec, sizeof(dec),
				    &dl);
				ATF_CHECK_MSG(rc == 0 && dl == n,
				    "alg %zu shape %zu packet %zu: %s", ai, si,
				    i, esp_strerror(rc));
				/*
				 * Transport mode over NAT-T clears a UDP
				 * checksum over IPv4 (RFC 3948 3.1.2).
				 */
				if (t.natt && t.mode == PFKEY_MODE_TRANSPORT &&
				    (i & 1) == 0)
					pkt[26] = pkt[27] = 0;
				ATF_CHECK_MSG(rc != 0 || memcmp(dec, pkt, n) ==
				    0, "alg %zu shape %zu packet %zu: another "
				    "packet came out", ai, si, i);
				/* Negative control: another key. */
				ATF_CHECK_EQ(esp_input(wrong, enc2, l2, dec,
				    sizeof(dec), &dl), ESP_E_AUTH);
			}
			esp_sa_counters(mw, &c1);
			esp_sa_counters(sw, &c2);
			ATF_CHECK_EQ(c1.out_packets, 40);
			ATF_CHECK_EQ(c2.out_packets, c1.out_packets);
			ATF_CHECK_EQ(c2.out_bytes, c1.out_bytes);
			esp_sa_free(mw);
			esp_sa_free(sw);
			esp_sa_free(rx);
			esp_sa_free(wrong);
		}
}

#define HO_THREADS	4
#define HO_PER_THREAD	2500

struct handoff {
	struct esp_sa	*sa;
	pthread_mutex_t	*lock;
	size_t		 size;
	size_t		 max;		/* 0: until refused */
	uint32_t	*seqs;		/* where to note the numbers sent */
	size_t		 ok;
	uint64_t	 bytes;
	size_t		 expired;
	size_t		 other;
	unsigned	 soft, hard;
};

/*
 * Send on a single-writer SA, one packet per turn of the caller's lock:
 * the threads take turns, each call ordered after the previous one.
 */
static void *
handoff_thread(void *arg)
{
	struct handoff *h = arg;
	uint8_t p[2048], o[2200];
	size_t n, len, off;
	unsigned ev;
	int rc;

	n = mk_pkt(p, "10.0.0.1", "10.9.0.1", IPPROTO_UDP, h->size - 28, 3,
	    0);
	for (;;) {
		pthread_mutex_lock(h->lock);
		rc = esp_output(h->sa, p, n, o, sizeof(o), &len, &off);
		ev = esp_sa_events(h->sa);
		pthread_mutex_unlock(h->lock);
		h->soft += (ev & ESP_EV_SOFT) != 0;
		h->hard += (ev & ESP_EV_HARD) != 0;
		if (rc == 0) {
			if (h->seqs != NULL)
				h->seqs[h->ok] = be32(o + off + 4);
			h->ok++;
			h->bytes += n;
		} else if (rc == ESP_E_EXPIRED)
			h->expired++;
		else
			h->other++;
		if (rc != 0 || (h->max != 0 && h->ok == h->max))
			break;
		if (h->ok == 100000) {		/* never refused */
			h->other++;
			break;
		}
	}
	return (NULL);
}

/*
 * Threads that hand a single-writer SA over through a lock: every
 * sequence number once, in 1 .. N, the counters exact; with lifetimes the
 * events once each and the hard limit exact to the packet (one writer at
 * a time: no packet in flight past it).
 */
ATF_TC_WITHOUT_HEAD(single_writer_handoff);
ATF_TC_BODY(single_writer_handoff, tc)
{
	static uint32_t seqs[HO_THREADS][HO_PER_THREAD];
	static uint8_t seen[HO_THREADS * HO_PER_THREAD + 1];
	struct handoff h[HO_THREADS];
	pthread_t tid[HO_THREADS];
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct esp_counters c;
	struct esp_sa *sa;
	struct tsa t;
	uint64_t last, bytes;
	size_t i, j, ok, expired, soft, hard, total;

	gcm_tsa(&t);
	sa = new_sa(&t, true, NULL);
	memset(h, 0, sizeof(h));
	for (i = 0; i < HO_THREADS; i++) {
		h[i].sa = sa;
		h[i].lock = &lock;
		h[i].size = 100 + 50 * i;
		h[i].max = HO_PER_THREAD;
		h[i].seqs = seqs[i];
		ATF_REQUIRE(pthread_create(&tid[i], NULL, handoff_thread,
		    &h[i]) == 0);
	}
	bytes = 0;
	total = HO_THREADS * HO_PER_THREAD;
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < HO_THREADS; i++) {
		ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
		ATF_CHECK_EQ(h[i].ok, HO_PER_THREAD);
		ATF_CHECK_EQ(h[i].other + h[i].expired, 0);
		bytes += h[i].bytes;
		for (j = 0; j < h[i].ok; j++) {
			ATF_REQUIRE(seqs[i][j] >= 1 && seqs[i][j] <= total);
			ATF_CHECK_MSG(seen[seqs[i][j]] == 0, "seq %u twice",
			    seqs[i][j]);
			seen[seqs[i][j]] = 1;
		}
	}
	esp_sa_seq(sa, &last, NULL);
	ATF_CHECK_EQ(last, total);
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.out_packets, total);
	ATF_CHECK_EQ(c.out_bytes, bytes);
	esp_sa_free(sa);

	/* Lifetimes: 1000-byte packets, soft at 3000 of them, hard 6000. */
	t.soft_bytes = 3000 * 1000;
	t.hard_bytes = 6000 * 1000;
	sa = new_sa(&t, true, NULL);
	memset(h, 0, sizeof(h));
	for (i = 0; i < HO_THREADS; i++) {
		h[i].sa = sa;
		h[i].lock = &lock;
		h[i].size = 1000;
		ATF_REQUIRE(pthread_create(&tid[i], NULL, handoff_thread,
		    &h[i]) == 0);
	}
	ok = expired = soft = hard = 0;
	for (i = 0; i < HO_THREADS; i++) {
		ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
		ok += h[i].ok;
		expired += h[i].expired;
		soft += h[i].soft;
		hard += h[i].hard;
		ATF_CHECK_EQ(h[i].other, 0);
	}
	ATF_CHECK_EQ(ok, 6000);
	ATF_CHECK_EQ(expired, HO_THREADS);
	ATF_CHECK_EQ(soft, 1);
	ATF_CHECK_EQ(hard, 1);
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.out_bytes, 6000 * 1000);
	ATF_CHECK_EQ(c.drop_expired, HO_THREADS);
	esp_sa_free(sa);
}

/*
 * The end of the sequence space on a single-writer SA: the last number
 * sent, then ESP_E_SEQOVF and the hard event once, the counter unmoved;
 * with ESN the same at 2^64 - 1, and across 2^63 (where a default SA
 * changes from fetch-and-add to compare-and-swap) nothing special.
 */
ATF_TC_WITHOUT_HEAD(single_writer_seq_end);
ATF_TC_BODY(single_writer_seq_end, tc)
{
	static const struct {
		bool		 esn;
		uint64_t	 start;		/* last sent before */
		size_t		 room;		/* numbers left; 0: plenty */
	} cases[] = {
		{ false, 0xffffffffULL - 2, 2 },
		{ true, 0xffffffffffffffffULL - 3, 3 },
		{ true, (1ULL << 63) - 3, 0 },
		{ true, 0xffffffffULL - 1, 0 },
	};
	struct esp_counters c;
	struct esp_sa *sa, *rx;
	struct tsa t;
	uint64_t last, want;
	size_t k, i, n, outlen, off, dl;
	int rc;

	for (k = 0; k < nitems(cases); k++) {
		gcm_tsa(&t);
		t.esn = cases[k].esn;
		t.replay = 0;
		sa = new_sa(&t, true, NULL);
		rx = new_sa(&t, false, NULL);
		esp_sa_set_oseq(sa, cases[k].start);
		esp_sa_set_replay_top(rx, cases[k].start);
		n = inner(pkt, 200, 9);
		for (i = 1; i <= 6; i++) {
			rc = esp_output(sa, pkt, n, enc, sizeof(enc), &outlen,
			    &off);
			if (cases[k].room != 0 && i > cases[k].room) {
				ATF_CHECK_EQ_MSG(rc, ESP_E_SEQOVF,
				    "case %zu packet %zu: %s", k, i,
				    esp_strerror(rc));
				ATF_CHECK_EQ(esp_sa_events(sa),
				    i == cases[k].room + 1 ? ESP_EV_HARD :
				    0U);
				continue;
			}
			ATF_REQUIRE_MSG(rc == 0, "case %zu packet %zu: %s", k,
			    i, esp_strerror(rc));
			want = cases[k].start + i;
			/* The wire's low half; with ESN the IV is all 64. */
			ATF_CHECK_EQ(be32(enc + off + 4), (uint32_t)want);
			if (t.esn)
				ATF_CHECK_EQ((uint64_t)be32(enc + off + 8) <<
				    32 | be32(enc + off + 12), want);
			ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec,
			    sizeof(dec), &dl), 0);
			ATF_CHECK_EQ(esp_sa_events(sa), 0);
		}
		esp_sa_seq(sa, &last, NULL);
		ATF_CHECK_EQ(last, cases[k].start + (cases[k].room != 0 ?
		    cases[k].room : 6));
		esp_sa_counters(sa, &c);
		ATF_CHECK_EQ(c.out_packets, cases[k].room != 0 ?
		    cases[k].room : 6);
		ATF_CHECK_EQ(c.drop_seqovf, cases[k].room != 0 ?
		    6 - cases[k].room : 0);
		esp_sa_free(sa);
		esp_sa_free(rx);
	}
}

/* -------------------------------------------------- lifetimes changed */

static void
set_lt(struct esp_sa *sa, uint64_t sb, uint64_t hb, uint64_t sp,
    uint64_t hp)
{
	struct esp_lifetimes l, got;

	l.soft_bytes = sb;
	l.hard_bytes = hb;
	l.soft_packets = sp;
	l.hard_packets = hp;
	ATF_REQUIRE_EQ(esp_sa_set_lifetimes(sa, &l), 0);
	esp_sa_lifetimes(sa, &got);
	ATF_CHECK(memcmp(&l, &got, sizeof(l)) == 0);
}

/*
 * Send 400-byte packets until one is refused (at most `max'); note the
 * packet (1-based, counting from `first') each event came with.
 */
static size_t
send_until(struct esp_sa *sa, size_t first, size_t max, size_t *soft_at,
    size_t *hard_at)
{
	unsigned ev;
	size_t i;

	for (i = first; i < first + max; i++) {
		if (send1(sa, 400) != 0)
			return (i);
		ev = esp_sa_events(sa);
		if (ev & ESP_EV_SOFT) {
			ATF_CHECK_MSG(*soft_at == 0, "second soft event at "
			    "packet %zu", i);
			*soft_at = i;
		}
		if (ev & ESP_EV_HARD) {
			ATF_CHECK_MSG(*hard_at == 0, "second hard event at "
			    "packet %zu", i);
			*hard_at = i;
		}
	}
	return (i);
}

/*
 * Byte limits raised on a live SA before it reaches them (an UPDATE):
 * nothing happens at the old limits, the events come with the packets
 * that cross the new ones, and the SA refuses only past the new hard
 * limit.  On single-writer and default SAs alike.
 */
ATF_TC_WITHOUT_HEAD(set_lifetimes_raise);
ATF_TC_BODY(set_lifetimes_raise, tc)
{
	struct esp_lifetimes l;
	struct esp_counters c;
	struct esp_sa *sa;
	struct tsa t;
	size_t soft_at, hard_at, refused;
	int sw;

	for (sw = 0; sw <= 1; sw++) {
		gcm_tsa(&t);
		t.soft_bytes = 1000;		/* 3rd packet */
		t.hard_bytes = 3000;		/* 8th packet */
		sa = new_sa(&t, sw, NULL);
		esp_sa_lifetimes(sa, &l);
		ATF_CHECK_EQ(l.soft_bytes, 1000);
		ATF_CHECK_EQ(l.hard_bytes, 3000);
		ATF_CHECK_EQ(l.soft_packets + l.hard_packets, 0);
		soft_at = hard_at = 0;
		ATF_CHECK_EQ(send_until(sa, 1, 2, &soft_at, &hard_at), 3);
		ATF_CHECK_EQ(soft_at + hard_at, 0);
		/* 800 bytes sent: soft now at 2000 (5th), hard 5000 (13th). */
		set_lt(sa, 2000, 5000, 0, 0);
		ATF_CHECK_EQ(esp_sa_events(sa), 0);
		refused = send_until(sa, 3, 100, &soft_at, &hard_at);
		ATF_CHECK_EQ_MSG(soft_at, 5, "soft event at packet %zu",
		    soft_at);
		ATF_CHECK_EQ_MSG(hard_at, 13, "hard event at packet %zu",
		    hard_at);
		ATF_CHECK_EQ_MSG(refused, 14, "refused at packet %zu",
		    refused);
		esp_sa_counters(sa, &c);
		ATF_CHECK_EQ(c.out_packets, 13);
		ATF_CHECK_EQ(c.out_bytes, 5200);
		ATF_CHECK_EQ(c.drop_expired, 1);
		esp_sa_free(sa);

		/* Negative control: unchanged, the old limits hold. */
		sa = new_sa(&t, sw, NULL);
		soft_at = hard_at = 0;
		refused = send_until(sa, 1, 100, &soft_at, &hard_at);
		ATF_CHECK_EQ(soft_at, 3);
		ATF_CHECK_EQ(hard_at, 8);
		ATF_CHECK_EQ(refused, 9);
		esp_sa_free(sa);

		/* Lowered: the events come earlier than first set. */
		t.soft_bytes = 100000;
		t.hard_bytes = 200000;
		sa = new_sa(&t, sw, NULL);
		soft_at = hard_at = 0;
		ATF_CHECK_EQ(send_until(sa, 1, 2, &soft_at, &hard_at), 3);
		set_lt(sa, 1000, 1500, 0, 0);
		ATF_CHECK_EQ(esp_sa_events(sa), 0);
		refused = send_until(sa, 3, 100, &soft_at, &hard_at);
		ATF_CHECK_EQ(soft_at, 3);
		ATF_CHECK_EQ(hard_at, 4);
		ATF_CHECK_EQ(refused, 5);
		esp_sa_free(sa);
	}
}

/*
 * A soft event already reported comes again at a new soft limit the
 * counts have not reached; one still pending is taken back; limits the
 * counts already reach are raised at once (a hard one refuses the next
 * packet); an SA past its hard limit stays refused whatever the new
 * limits; all limits 0 means none; bad arguments.
 */
ATF_TC_WITHOUT_HEAD(set_lifetimes_events);
ATF_TC_BODY(set_lifetimes_events, tc)
{
	struct esp_lifetimes l;
	struct esp_sa *sa;
	struct tsa t;
	size_t soft_at, hard_at;

	gcm_tsa(&t);
	t.soft_bytes = 1000;
	t.hard_bytes = 100000;
	sa = new_sa(&t, false, NULL);
	soft_at = hard_at = 0;
	ATF_CHECK_EQ(send_until(sa, 1, 3, &soft_at, &hard_at), 4);
	ATF_CHECK_EQ(soft_at, 3);
	/* Reported; a new soft limit at 2000 bytes: again, 5th packet. */
	set_lt(sa, 2000, 100000, 0, 0);
	ATF_CHECK_EQ(esp_sa_events(sa), 0);
	soft_at = 0;
	ATF_CHECK_EQ(send_until(sa, 4, 2, &soft_at, &hard_at), 6);
	ATF_CHECK_EQ(soft_at, 5);
	/* The same limits again change nothing (2000 bytes are past). */
	set_lt(sa, 2000, 100000, 0, 0);
	ATF_CHECK_EQ(esp_sa_events(sa), 0);
	/* Pending (not collected) when the limit moves away: taken back. */
	ATF_CHECK_EQ(send1(sa, 400), 0);	/* 6th: 2400 bytes */
	set_lt(sa, 2800, 100000, 0, 0);
	ATF_CHECK_EQ(send1(sa, 400), 0);	/* 7th: 2800, crosses */
	set_lt(sa, 4000, 100000, 0, 0);
	ATF_CHECK_EQ(esp_sa_events(sa), 0);
	soft_at = 0;
	ATF_CHECK_EQ(send_until(sa, 8, 3, &soft_at, &hard_at), 11);
	ATF_CHECK_EQ(soft_at, 10);		/* 4000 bytes */
	ATF_CHECK_EQ(hard_at, 0);
	/*
	 * Limits already reached: raised now, without a packet (the soft
	 * event was reported at 4000 bytes already).
	 */
	set_lt(sa, 0, 4000, 0, 0);
	ATF_CHECK_EQ(esp_sa_events(sa), ESP_EV_HARD);
	ATF_CHECK_EQ(send1(sa, 400), ESP_E_EXPIRED);
	/* Past the hard limit: refused for good. */
	set_lt(sa, 0, 1000000, 0, 0);
	ATF_CHECK_EQ(esp_sa_events(sa), 0);
	ATF_CHECK_EQ(send1(sa, 400), ESP_E_EXPIRED);
	esp_sa_free(sa);

	/* Both at once on an SA that had none: 2000 bytes sent. */
	t.soft_bytes = t.hard_bytes = 0;
	sa = new_sa(&t, false, NULL);
	soft_at = hard_at = 0;
	ATF_CHECK_EQ(send_until(sa, 1, 5, &soft_at, &hard_at), 6);
	ATF_CHECK_EQ(soft_at + hard_at, 0);
	set_lt(sa, 0, 0, 0, 5);
	ATF_CHECK_EQ(esp_sa_events(sa), ESP_EV_SOFT | ESP_EV_HARD);
	ATF_CHECK_EQ(send1(sa, 400), ESP_E_EXPIRED);
	esp_sa_free(sa);

	/* No limits left: nothing ever happens. */
	t.soft_bytes = 500;
	t.hard_bytes = 900;
	sa = new_sa(&t, true, NULL);
	set_lt(sa, 0, 0, 0, 0);
	soft_at = hard_at = 0;
	ATF_CHECK_EQ(send_until(sa, 1, 50, &soft_at, &hard_at), 51);
	ATF_CHECK_EQ(soft_at + hard_at, 0);

	ATF_CHECK_EQ(esp_sa_set_lifetimes(NULL, &l), ESP_E_INVAL);
	ATF_CHECK_EQ(esp_sa_set_lifetimes(sa, NULL), ESP_E_INVAL);
	esp_sa_free(sa);
}

/*
 * Packet limits changed, and the input direction: a receiving SA's
 * limits moved while it receives, its events at the new ones (lifetimes
 * count both directions, RFC 2367 bytes as the kernels do).
 */
ATF_TC_WITHOUT_HEAD(set_lifetimes_packets_input);
ATF_TC_BODY(set_lifetimes_packets_input, tc)
{
	struct esp_sa_opts o;
	struct esp_sa *tx, *rx;
	struct tsa t;
	size_t soft_at, hard_at, i, n, outlen, off, dl;
	unsigned ev;
	int rc;

	gcm_tsa(&t);
	memset(&o, 0, sizeof(o));
	o.soft_packets = 2;
	o.hard_packets = 4;
	tx = new_sa(&t, true, &o);
	soft_at = hard_at = 0;
	ATF_CHECK_EQ(send_until(tx, 1, 1, &soft_at, &hard_at), 2);
	set_lt(tx, 0, 0, 5, 7);
	ATF_CHECK_EQ(send_until(tx, 2, 100, &soft_at, &hard_at), 8);
	ATF_CHECK_EQ(soft_at, 5);
	ATF_CHECK_EQ(hard_at, 7);
	esp_sa_free(tx);

	/* Input: 400-byte packets received; limits moved after two. */
	tx = new_sa(&t, false, NULL);
	t.soft_bytes = 1000;
	t.hard_bytes = 1600;
	rx = new_sa(&t, false, NULL);
	n = inner(pkt, 400, 2);
	soft_at = hard_at = 0;
	for (i = 1; i <= 12; i++) {
		if (i == 3) {
			set_lt(rx, 2400, 4000, 0, 0);
			ATF_CHECK_EQ(esp_sa_events(rx), 0);
		}
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		rc = esp_input(rx, enc, outlen, dec, sizeof(dec), &dl);
		ev = esp_sa_events(rx);
		if (ev & ESP_EV_SOFT)
			soft_at = i;
		if (ev & ESP_EV_HARD)
			hard_at = i;
		if (rc != 0) {
			ATF_CHECK_EQ(rc, ESP_E_EXPIRED);
			break;
		}
	}
	ATF_CHECK_EQ(soft_at, 6);
	ATF_CHECK_EQ(hard_at, 10);
	ATF_CHECK_EQ(i, 11);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

/*
 * Limits set on an SA that had none, after megabytes of traffic: the
 * engine's published total already holds those bytes, so the hard event
 * comes exactly with the packet that crosses the limit (and the soft
 * one), on default and single-writer SAs.
 */
ATF_TC_WITHOUT_HEAD(set_lifetimes_late);
ATF_TC_BODY(set_lifetimes_late, tc)
{
	struct esp_counters c;
	struct esp_sa *sa;
	struct tsa t;
	size_t i, n, outlen, off, soft_at, hard_at;
	unsigned ev;
	int sw, rc;

	for (sw = 0; sw <= 1; sw++) {
		gcm_tsa(&t);
		sa = new_sa(&t, sw, NULL);
		n = inner(pkt, 1000, 4);
		for (i = 1; i <= 3000; i++)
			ATF_REQUIRE_EQ(esp_output(sa, pkt, n, enc,
			    sizeof(enc), &outlen, &off), 0);
		ATF_CHECK_EQ(esp_sa_events(sa), 0);
		/* 3 MB sent; soft at 3.2 MB, hard at 3.5 MB. */
		set_lt(sa, 3200000, 3500000, 0, 0);
		soft_at = hard_at = 0;
		for (i = 3001; i <= 4000; i++) {
			rc = esp_output(sa, pkt, n, enc, sizeof(enc), &outlen,
			    &off);
			ev = esp_sa_events(sa);
			if (ev & ESP_EV_SOFT)
				soft_at = i;
			if (ev & ESP_EV_HARD)
				hard_at = i;
			if (rc != 0)
				break;
		}
		ATF_CHECK_EQ_MSG(soft_at, 3200, "%s SA: soft event at %zu",
		    sw ? "single-writer" : "default", soft_at);
		ATF_CHECK_EQ_MSG(hard_at, 3500, "%s SA: hard event at %zu",
		    sw ? "single-writer" : "default", hard_at);
		ATF_CHECK_EQ(i, 3501);
		esp_sa_counters(sa, &c);
		ATF_CHECK_EQ(c.out_bytes, 3500000);
		esp_sa_free(sa);
	}
}

#define LT_THREADS	4
#define LT_SIZE		1000

struct ltthr {
	struct esp_sa		*sa;
	pthread_barrier_t	*bar;
	size_t			 before;	/* packets, then the barrier */
	size_t			 ok;
	uint64_t		 bytes;
	size_t			 expired;
	size_t			 other;
	unsigned		 soft, hard;
};

static void *
ltthr_main(void *arg)
{
	struct ltthr *th = arg;
	uint8_t p[2048], o[2200];
	size_t n, len, off;
	unsigned ev;
	int rc;

	n = mk_pkt(p, "10.0.0.1", "10.9.0.1", IPPROTO_UDP, LT_SIZE - 28, 6,
	    0);
	for (;;) {
		if (th->ok == th->before) {
			/* Twice: the change happens between the two. */
			pthread_barrier_wait(th->bar);
			pthread_barrier_wait(th->bar);
		}
		rc = esp_output(th->sa, p, n, o, sizeof(o), &len, &off);
		ev = esp_sa_events(th->sa);
		th->soft += (ev & ESP_EV_SOFT) != 0;
		th->hard += (ev & ESP_EV_HARD) != 0;
		if (rc == 0) {
			th->ok++;
			th->bytes += n;
		} else if (rc == ESP_E_EXPIRED)
			th->expired++;
		else
			th->other++;
		if (rc != 0)
			break;
		if (th->ok == 100000) {
			th->other++;
			break;
		}
	}
	return (NULL);
}

/*
 * Several threads send on a default SA: past its soft limit, then the
 * limits are raised (between two barriers) and changed again and again
 * to the same values while they carry on; the second soft event comes
 * once, the hard one once, at the new limits, every thread stopping
 * within a packet of the hard one, the counters exact.
 */
ATF_TC_WITHOUT_HEAD(set_lifetimes_threads);
ATF_TC_BODY(set_lifetimes_threads, tc)
{
	struct ltthr th[LT_THREADS];
	pthread_t tid[LT_THREADS];
	pthread_barrier_t bar;
	struct esp_lifetimes l;
	struct esp_counters c;
	struct esp_sa *sa;
	struct tsa t;
	size_t i, ok, expired, soft, hard, changes;
	uint64_t bytes;
	unsigned ev;

	gcm_tsa(&t);
	t.soft_bytes = 30 * LT_SIZE;
	t.hard_bytes = 60 * LT_SIZE;
	sa = new_sa(&t, false, NULL);
	ATF_REQUIRE(pthread_barrier_init(&bar, NULL, LT_THREADS + 1) == 0);
	memset(th, 0, sizeof(th));
	for (i = 0; i < LT_THREADS; i++) {
		th[i].sa = sa;
		th[i].bar = &bar;
		th[i].before = 10;		/* 40 in all: past soft */
		ATF_REQUIRE(pthread_create(&tid[i], NULL, ltthr_main,
		    &th[i]) == 0);
	}
	pthread_barrier_wait(&bar);
	ev = esp_sa_events(sa);
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.out_bytes, 40 * LT_SIZE);
	l.soft_bytes = 3000 * LT_SIZE;
	l.hard_bytes = 6000 * LT_SIZE;
	l.soft_packets = l.hard_packets = 0;
	ATF_REQUIRE_EQ(esp_sa_set_lifetimes(sa, &l), 0);
	pthread_barrier_wait(&bar);
	/* While they send: the same change, over and over. */
	for (changes = 0; changes < 2000; changes++)
		ATF_REQUIRE_EQ(esp_sa_set_lifetimes(sa, &l), 0);
	ok = expired = soft = hard = 0;
	bytes = 0;
	for (i = 0; i < LT_THREADS; i++) {
		ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
		ok += th[i].ok;
		bytes += th[i].bytes;
		expired += th[i].expired;
		soft += th[i].soft;
		hard += th[i].hard;
		ATF_CHECK_EQ(th[i].other, 0);
	}
	ev |= esp_sa_events(sa);
	soft += (ev & ESP_EV_SOFT) != 0;
	hard += (ev & ESP_EV_HARD) != 0;
	/* Once at the old soft limit, once at the new one. */
	ATF_CHECK_EQ_MSG(soft, 2, "soft events: %zu", soft);
	ATF_CHECK_EQ_MSG(hard, 1, "hard events: %zu", hard);
	ATF_CHECK_EQ(expired, LT_THREADS);
	ATF_CHECK_MSG(bytes >= l.hard_bytes && bytes < l.hard_bytes +
	    LT_THREADS * LT_SIZE, "stopped at %ju bytes", (uintmax_t)bytes);
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.out_packets, ok);
	ATF_CHECK_EQ(c.out_bytes, bytes);
	pthread_barrier_destroy(&bar);
	esp_sa_free(sa);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, single_writer_same_packets);
	ATF_TP_ADD_TC(tp, single_writer_handoff);
	ATF_TP_ADD_TC(tp, single_writer_seq_end);
	ATF_TP_ADD_TC(tp, set_lifetimes_raise);
	ATF_TP_ADD_TC(tp, set_lifetimes_events);
	ATF_TP_ADD_TC(tp, set_lifetimes_packets_input);
	ATF_TP_ADD_TC(tp, set_lifetimes_late);
	ATF_TP_ADD_TC(tp, set_lifetimes_threads);
	return (atf_no_error());
}
