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
 * The data plane's sequence number reservations (sadbd/dp_seq.c, compiled
 * in, with real libesp SAs and the server's journal calls stubbed): what
 * is reserved when, that output stops at the durable reservation and goes
 * on after the commit, what a restart restores (the engine's counter and
 * replay window), SAs whose numbers are used up, and, with worker threads
 * sending while a slow "event loop" commits, that no packet ever carries
 * a number beyond what was committed (negative control: without the
 * reservations packets do).
 */

#include <sys/types.h>

#include <atf-c.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfkey.h"
#include "sadb.h"
#include "sadbd.h"
#include "esp.h"
#include "util.h"

#define STEP		64

/* ------------------------------------------------------- server stubs */

static struct {
	bool			 kept;		/* server_seq_kept() */
	bool			 have;		/* server_seq_get() finds */
	struct jseq_val		 saved;
	bool			 fail;		/* server_seq_put() fails */
	unsigned		 puts;
	struct jseq_val		 last;		/* the last put */
	uint64_t		 appended;	/* highest out put */
	_Atomic uint64_t	 committed;	/* highest out committed */
} st;

int
server_seq_put(const struct sad_addr *dst, uint8_t satype, uint32_t spi,
    const struct jseq_val *v)
{
	if (st.fail)
		return (SAD_ERR_NOMEM);
	st.puts++;
	st.last = *v;
	if (v->out > st.appended)
		st.appended = v->out;
	return (0);
}

bool
server_seq_get(const struct sad_addr *dst, uint8_t satype, uint32_t spi,
    struct jseq_val *v)
{
	if (!st.have)
		return (false);
	*v = st.saved;
	return (true);
}

bool
server_seq_kept(void)
{
	return (st.kept);
}

/* What a journal commit and commit_pass() do: durable, then usable. */
static bool
commit(void)
{
	atomic_store(&st.committed, st.appended);
	return (dp_seq_publish());
}

/* ------------------------------------------------------------ helpers */

static void
reset(const char *reserve)
{
	memset(&st, 0, sizeof(st));
	st.kept = true;
	ATF_REQUIRE_EQ(setenv("SADBD_SEQ_STEP", "64", 1), 0);
	if (reserve != NULL)
		ATF_REQUIRE_EQ(setenv("SADBD_SEQ_RESERVE", reserve, 1), 0);
	else
		ATF_REQUIRE_EQ(unsetenv("SADBD_SEQ_RESERVE"), 0);
	dp_seq_init();
}

/* An AES-GCM SA with a replay window of 64, its entry and engine SA. */
static struct esp_sa *
mk_sa(struct sad_entry *e, bool esn, bool locked)
{
	struct tsa t;
	struct esp_sa_opts o;
	struct esp_sa *sa;

	memset(&t, 0, sizeof(t));
	t.spi = 0x1001;
	t.ealg = PFKEY_EALG_AES_GCM_ICV16;
	t.replay = 64;
	t.esn = esn;
	memset(&o, 0, sizeof(o));
	o.locked = locked;
	tsa_entry(&t, e);
	ATF_REQUIRE_EQ(esp_sa_new(e, &o, &sa), 0);
	return (sa);
}

/* Protect one packet; the sequence number it carries (low 32 bits). */
static uint32_t
send1(struct esp_sa *sa, int *rc)
{
	uint8_t in[256], out[512];
	size_t inlen, outlen = 0, espoff = 0;

	inlen = mk_pkt(in, "192.0.2.1", "198.51.100.2", 17, 40, 1, 0);
	*rc = esp_output(sa, in, inlen, out, sizeof(out), &outlen, &espoff);
	if (*rc != 0)
		return (0);
	return ((uint32_t)out[espoff + 4] << 24 | (uint32_t)out[espoff + 5] <<
	    16 | (uint32_t)out[espoff + 6] << 8 | out[espoff + 7]);
}

/* -------------------------------------------------------------- tests */

/* A new SA: the first reservation, the stop at it, the renewals. */
ATF_TC_WITHOUT_HEAD(reserve_and_gate);
ATF_TC_BODY(reserve_and_gate, tc)
{
	struct sad_entry e;
	struct esp_sa *sa;
	struct dp_seq *s;
	unsigned i, ok = 0, ask = 0;
	uint64_t last;
	int r, rc;

	reset(NULL);
	sa = mk_sa(&e, false, false);
	ATF_REQUIRE_EQ(dp_seq_attach(sa, &e, false, &s), 0);
	ATF_REQUIRE(s != NULL);
	/* Reserved at once, usable only once committed. */
	ATF_CHECK_EQ(st.puts, 1);
	ATF_CHECK_EQ(st.last.out, STEP);
	ATF_CHECK_EQ(st.last.in, 0);
	r = dp_seq_take(s);
	ATF_CHECK_EQ(r, DP_SEQ_WAIT | DP_SEQ_ASK);
	ATF_CHECK_EQ(dp_seq_take(s), DP_SEQ_WAIT);	/* asked once */
	/* The request is already served: nothing more is journaled. */
	dp_seq_reserve(s);
	ATF_CHECK_EQ(st.puts, 1);
	ATF_CHECK(commit());
	ATF_CHECK(!commit());			/* nothing new */

	/*
	 * The two refused tickets were not given back: 62 numbers left
	 * before the reservation of 64, a request half a step before.
	 */
	for (i = 0; i < 100; i++) {
		r = dp_seq_take(s);
		if (r & DP_SEQ_ASK)
			ask++;
		if (r & DP_SEQ_WAIT)
			break;
		(void)send1(sa, &rc);
		ATF_REQUIRE_EQ(rc, 0);
		ok++;
	}
	ATF_CHECK_EQ(ok, STEP - 2);
	ATF_CHECK_EQ(ask, 1);
	esp_sa_seq(sa, &last, NULL);
	ATF_CHECK_EQ(last, STEP - 2);
	ATF_CHECK(last <= st.committed);

	/* The loop reserves a step past the tickets taken. */
	dp_seq_reserve(s);
	ATF_CHECK_EQ(st.puts, 2);
	ATF_CHECK_EQ(st.last.out, STEP + 1 + STEP);
	ATF_CHECK(dp_seq_take(s) & DP_SEQ_WAIT);	/* not yet durable */
	ATF_CHECK(commit());
	ATF_CHECK_EQ(dp_seq_take(s), DP_SEQ_OK);
	ATF_CHECK_EQ(send1(sa, &rc), STEP - 1);
	ATF_CHECK_EQ(rc, 0);

	/* A failed journal append reserves nothing; the sweep retries. */
	for (i = 0; i < STEP; i++)
		(void)dp_seq_take(s);
	st.fail = true;
	dp_seq_reserve(s);
	ATF_CHECK(!commit());
	st.fail = false;
	dp_seq_sweep(true);
	ATF_CHECK_EQ(st.puts, 3);
	ATF_CHECK(commit());

	/* Shown: the last number sent (nothing received). */
	ATF_CHECK_EQ(dp_seq_shown(s), STEP - 1);
	dp_seq_detach(s);
	esp_sa_free(sa);
	sad_entry_clear(&e);
}

/* One sender at a time (one worker): the same stop without atomics. */
ATF_TC_WITHOUT_HEAD(single_writer);
ATF_TC_BODY(single_writer, tc)
{
	struct sad_entry e;
	struct esp_sa_opts o;
	struct esp_sa *sa;
	struct dp_seq *s;
	unsigned i, ok = 0;
	uint64_t last;
	int r, rc;

	reset(NULL);
	sa = mk_sa(&e, false, false);
	esp_sa_free(sa);
	memset(&o, 0, sizeof(o));
	o.single_writer = true;
	ATF_REQUIRE_EQ(esp_sa_new(&e, &o, &sa), 0);
	ATF_REQUIRE_EQ(dp_seq_attach(sa, &e, true, &s), 0);
	ATF_CHECK(commit());
	for (i = 0; i < 2 * STEP; i++) {
		r = dp_seq_take(s);
		if (r & DP_SEQ_WAIT)
			break;
		ATF_CHECK_EQ(send1(sa, &rc), i + 1);
		ok++;
	}
	ATF_CHECK_EQ(ok, STEP);
	esp_sa_seq(sa, &last, NULL);
	ATF_CHECK_EQ(last, STEP);
	dp_seq_reserve(s);
	ATF_CHECK_EQ(st.last.out, STEP + 1 + STEP);
	ATF_CHECK(commit());
	ATF_CHECK_EQ(dp_seq_take(s), DP_SEQ_OK);
	dp_seq_detach(s);
	esp_sa_free(sa);
	sad_entry_clear(&e);
}

/* Brought back: the engine continues above the journaled numbers. */
ATF_TC_WITHOUT_HEAD(restore);
ATF_TC_BODY(restore, tc)
{
	struct sad_entry e, pe;
	struct esp_sa *sa, *peer;
	struct dp_seq *s;
	uint8_t in[256], pkt[512], dec[512];
	size_t inlen, plen, off, declen;
	uint64_t last, top;
	int rc;

	reset(NULL);
	st.have = true;
	st.saved.out = 1000;
	st.saved.in = 500;
	sa = mk_sa(&e, false, true);
	ATF_REQUIRE_EQ(dp_seq_attach(sa, &e, false, &s), 0);
	esp_sa_seq(sa, &last, &top);
	ATF_CHECK_EQ(last, 1000);
	ATF_CHECK_EQ(top, 500);
	ATF_CHECK_EQ(st.puts, 1);
	ATF_CHECK_EQ(st.last.out, 1000 + STEP);
	ATF_CHECK_EQ(st.last.in, 500);
	/* It has received: the window's top shows. */
	ATF_CHECK_EQ(dp_seq_shown(s), 500);
	ATF_CHECK(dp_seq_take(s) & DP_SEQ_WAIT);
	ATF_CHECK(commit());
	ATF_CHECK_EQ(dp_seq_take(s), DP_SEQ_OK);
	/* Tickets are not numbers: the engine's next one is 1001. */
	ATF_CHECK_EQ(send1(sa, &rc), 1001);
	ATF_CHECK_EQ(rc, 0);

	/* Inbound: at or below the journaled top is a replay now. */
	peer = mk_sa(&pe, false, false);
	inlen = mk_pkt(in, "192.0.2.1", "198.51.100.2", 17, 40, 2, 0);
	esp_sa_set_oseq(peer, 499);
	ATF_REQUIRE_EQ(esp_output(peer, in, inlen, pkt, sizeof(pkt), &plen,
	    &off), 0);
	ATF_CHECK_EQ(esp_input(sa, pkt, plen, dec, sizeof(dec), &declen),
	    ESP_E_REPLAY);
	esp_sa_set_oseq(peer, 500);
	ATF_REQUIRE_EQ(esp_output(peer, in, inlen, pkt, sizeof(pkt), &plen,
	    &off), 0);
	ATF_CHECK_EQ(esp_input(sa, pkt, plen, dec, sizeof(dec), &declen), 0);
	ATF_CHECK_EQ(declen, inlen);

	/* The sweep journals the window's top once it moved, once. */
	dp_seq_sweep(true);
	ATF_CHECK_EQ(st.puts, 2);
	ATF_CHECK_EQ(st.last.in, 501);
	ATF_CHECK(st.last.out >= 1000 + STEP);
	dp_seq_sweep(true);
	ATF_CHECK_EQ(st.puts, 2);
	esp_sa_set_oseq(peer, 700);
	ATF_REQUIRE_EQ(esp_output(peer, in, inlen, pkt, sizeof(pkt), &plen,
	    &off), 0);
	ATF_CHECK_EQ(esp_input(sa, pkt, plen, dec, sizeof(dec), &declen), 0);
	/* At a stop: the exact top. */
	dp_seq_final();
	ATF_CHECK_EQ(st.puts, 3);
	ATF_CHECK_EQ(st.last.in, 701);
	dp_seq_refresh(s);
	ATF_CHECK_EQ(dp_seq_shown(s), 701);
	esp_sa_set_oseq(peer, 5000);
	ATF_REQUIRE_EQ(esp_output(peer, in, inlen, pkt, sizeof(pkt), &plen,
	    &off), 0);
	ATF_CHECK_EQ(esp_input(sa, pkt, plen, dec, sizeof(dec), &declen), 0);
	dp_seq_refresh(s);
	ATF_CHECK_EQ(dp_seq_shown(s), 5001);

	dp_seq_detach(s);
	esp_sa_free(peer);
	esp_sa_free(sa);
	sad_entry_clear(&pe);
	sad_entry_clear(&e);
}

/* The end of the sequence space: without ESN at 2^32 - 1. */
ATF_TC_WITHOUT_HEAD(used_up);
ATF_TC_BODY(used_up, tc)
{
	struct sad_entry e;
	struct esp_sa *sa;
	struct dp_seq *s;
	int rc, i;

	/* Restored at the last number: nothing to send, say so. */
	reset(NULL);
	st.have = true;
	st.saved.out = 0xffffffffULL;
	sa = mk_sa(&e, false, false);
	ATF_CHECK_EQ(dp_seq_attach(sa, &e, false, &s), 1);
	ATF_CHECK_EQ(st.puts, 0);
	(void)send1(sa, &rc);
	ATF_CHECK_EQ(rc, ESP_E_SEQOVF);
	dp_seq_detach(s);
	esp_sa_free(sa);
	sad_entry_clear(&e);

	/* Ten left: the reservation stops at 2^32 - 1, and stays there. */
	reset(NULL);
	st.have = true;
	st.saved.out = 0xffffffffULL - 10;
	sa = mk_sa(&e, false, false);
	ATF_CHECK_EQ(dp_seq_attach(sa, &e, false, &s), 0);
	ATF_CHECK_EQ(st.last.out, 0xffffffffULL);
	ATF_CHECK(commit());
	for (i = 0; i < 10; i++) {
		ATF_CHECK((dp_seq_take(s) & DP_SEQ_WAIT) == 0);
		(void)send1(sa, &rc);
		ATF_CHECK_EQ(rc, 0);
	}
	ATF_CHECK(dp_seq_take(s) & DP_SEQ_WAIT);
	dp_seq_reserve(s);
	dp_seq_sweep(true);
	ATF_CHECK_EQ(st.puts, 1);
	dp_seq_detach(s);
	esp_sa_free(sa);
	sad_entry_clear(&e);

	/* With ESN the same number is just a number. */
	reset(NULL);
	st.have = true;
	st.saved.out = 0xffffffffULL;
	sa = mk_sa(&e, true, false);
	ATF_CHECK_EQ(dp_seq_attach(sa, &e, false, &s), 0);
	ATF_CHECK_EQ(st.last.out, 0xffffffffULL + STEP);
	ATF_CHECK(commit());
	ATF_CHECK_EQ(dp_seq_take(s), DP_SEQ_OK);
	ATF_CHECK_EQ(send1(sa, &rc), 0);	/* 2^32: low half 0 */
	ATF_CHECK_EQ(rc, 0);
	dp_seq_detach(s);
	esp_sa_free(sa);
	sad_entry_clear(&e);
}

/* Nothing kept (-J off) or the test knob: no reservation, no stop. */
ATF_TC_WITHOUT_HEAD(not_kept);
ATF_TC_BODY(not_kept, tc)
{
	const char *const knob[] = { NULL, "0" };
	struct sad_entry e;
	struct esp_sa *sa;
	struct dp_seq *s;
	uint64_t last;
	int i, k, rc;

	for (k = 0; k < 2; k++) {
		reset(knob[k]);
		st.kept = k == 1;
		st.have = true;
		st.saved.out = 1000;
		st.saved.in = 1000;
		sa = mk_sa(&e, false, false);
		ATF_REQUIRE_EQ(dp_seq_attach(sa, &e, false, &s), 0);
		esp_sa_seq(sa, &last, NULL);
		ATF_CHECK_EQ_MSG(last, 0, "restored with %s", k == 0 ?
		    "-J off" : "SADBD_SEQ_RESERVE=0");
		for (i = 0; i < 3 * STEP; i++) {
			ATF_REQUIRE_EQ(dp_seq_take(s), DP_SEQ_OK);
			(void)send1(sa, &rc);
		}
		dp_seq_sweep(true);
		dp_seq_final();
		ATF_CHECK_EQ(st.puts, 0);
		ATF_CHECK_EQ(dp_seq_shown(s), 3 * STEP);
		dp_seq_detach(s);
		esp_sa_free(sa);
		sad_entry_clear(&e);
	}
}

/* Detached while its reservation waits for the commit. */
ATF_TC_WITHOUT_HEAD(detach_pending);
ATF_TC_BODY(detach_pending, tc)
{
	struct sad_entry e, f;
	struct esp_sa *sa, *sb;
	struct dp_seq *s, *t;

	reset(NULL);
	sa = mk_sa(&e, false, false);
	sb = mk_sa(&f, false, false);
	ATF_REQUIRE_EQ(dp_seq_attach(sa, &e, false, &s), 0);
	ATF_REQUIRE_EQ(dp_seq_attach(sb, &f, false, &t), 0);
	dp_seq_detach(s);
	ATF_CHECK(commit());			/* t's */
	ATF_CHECK_EQ(dp_seq_take(t), DP_SEQ_OK);
	dp_seq_detach(t);
	ATF_CHECK(!commit());
	esp_sa_free(sa);
	esp_sa_free(sb);
	sad_entry_clear(&e);
	sad_entry_clear(&f);
}

/*
 * Workers send on one SA while the "event loop" serves their requests
 * slowly (a commit takes a while): every packet's number must be at or
 * below what was committed when it left.
 */
#define NWORKERS	4
#define NPACKETS	60000

struct run {
	struct esp_sa		*sa;
	struct dp_seq		*s;
	atomic_bool		 asked;
	atomic_bool		 done;
	_Atomic uint64_t	 sent;
	_Atomic uint64_t	 refused;
	_Atomic uint64_t	 beyond;	/* numbers past committed */
	uint64_t		 maxseq;
};

static void *
worker(void *arg)
{
	struct run *r = arg;
	uint32_t seq;
	int k, rc;

	while (!atomic_load(&r->done)) {
		k = dp_seq_take(r->s);
		if (k & DP_SEQ_ASK)
			atomic_store(&r->asked, true);
		if (k & DP_SEQ_WAIT) {
			/* A dropped packet; the next one comes later. */
			atomic_fetch_add(&r->refused, 1);
			usleep(20);
			continue;
		}
		seq = send1(r->sa, &rc);
		if (rc != 0)
			continue;
		if (seq > atomic_load(&st.committed))
			atomic_fetch_add(&r->beyond, 1);
		if (atomic_fetch_add(&r->sent, 1) + 1 >= NPACKETS)
			atomic_store(&r->done, true);
	}
	return (NULL);
}

static void
hammer(struct run *r, const char *reserve)
{
	pthread_t th[NWORKERS];
	struct sad_entry e;
	uint64_t last;
	int i;

	reset(reserve);
	memset(r, 0, sizeof(*r));
	r->sa = mk_sa(&e, false, false);
	ATF_REQUIRE(dp_seq_attach(r->sa, &e, false, &r->s) >= 0);
	for (i = 0; i < NWORKERS; i++)
		ATF_REQUIRE_EQ(pthread_create(&th[i], NULL, worker, r), 0);
	while (!atomic_load(&r->done)) {
		if (!atomic_exchange(&r->asked, false)) {
			/* The sweep: what a lost request would leave. */
			dp_seq_sweep(true);
			usleep(50);
		} else
			dp_seq_reserve(r->s);
		/* The write and fdatasync take their time. */
		usleep(200);
		(void)commit();
	}
	for (i = 0; i < NWORKERS; i++)
		ATF_REQUIRE_EQ(pthread_join(th[i], NULL), 0);
	esp_sa_seq(r->sa, &last, NULL);
	r->maxseq = last;
	dp_seq_detach(r->s);
	esp_sa_free(r->sa);
	sad_entry_clear(&e);
}

ATF_TC_WITHOUT_HEAD(threads);
ATF_TC_BODY(threads, tc)
{
	struct run r;

	hammer(&r, NULL);
	printf("reserved: %llu sent, %llu refused, %llu beyond the commit, "
	    "last %llu, committed %llu\n", (unsigned long long)r.sent,
	    (unsigned long long)r.refused, (unsigned long long)r.beyond,
	    (unsigned long long)r.maxseq,
	    (unsigned long long)atomic_load(&st.committed));
	ATF_CHECK(r.sent >= NPACKETS);
	ATF_CHECK_EQ(r.beyond, 0);
	ATF_CHECK(r.maxseq <= atomic_load(&st.committed));
	/* The loop was slow: the stop must have been hit. */
	ATF_CHECK(r.refused > 0);

	/* Negative control: without reservations the numbers run ahead. */
	hammer(&r, "0");
	printf("not reserved: %llu sent, %llu beyond the commit\n",
	    (unsigned long long)r.sent, (unsigned long long)r.beyond);
	ATF_CHECK(r.beyond > 0);
	ATF_CHECK_EQ(r.refused, 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, reserve_and_gate);
	ATF_TP_ADD_TC(tp, single_writer);
	ATF_TP_ADD_TC(tp, restore);
	ATF_TP_ADD_TC(tp, used_up);
	ATF_TP_ADD_TC(tp, not_kept);
	ATF_TP_ADD_TC(tp, detach_pending);
	ATF_TP_ADD_TC(tp, threads);
	return (atf_no_error());
}
