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
 * Several clients at once: who receives what (RFC 2367 3.1, af_key's
 * pfkey_broadcast(), keysock.c's key_sendup_mbuf()), promiscuous copies
 * per dialect, and lifetimes expiring with EXPIRE seen by a registered
 * listener.
 */

#include "sadbd_test.h"

static bool linux_host;

/* The next message must be of `type' (within `ms'). */
static void
expect(struct pfkey_xport *x, struct tmsg *t, uint8_t type, int ms,
    const char *what)
{
	ATF_REQUIRE_MSG(td_recv(x, t, ms), "%s: nothing received", what);
	ATF_REQUIRE_EQ_MSG(t->rc, 0, "%s: undecodable (%s)", what,
	    pfkey_strerror(t->rc));
	ATF_REQUIRE_EQ_MSG(tm_hdr(t)->sadb_msg_type, type,
	    "%s: got type %u, want %u", what, tm_hdr(t)->sadb_msg_type, type);
}

static void
expect_none(struct pfkey_xport *x, struct tmsg *t, int ms, const char *what)
{
	if (td_recv(x, t, ms))
		atf_tc_fail("%s: unexpected message type %u", what,
		    tm_hdr(t)->sadb_msg_type);
}

/* Send without waiting (the reply is read by expect()). */
static void
send_buf(struct pfkey_xport *x, struct pfkey_buf *b)
{
	ATF_REQUIRE_EQ(pfkey_send_buf(x, b), 0);
	pfkey_buf_free(b);
}

TD_BOTH(broadcasts, "300")
{
	struct td d;
	struct pfkey_xport *a, *b;
	struct pfkey_buf m;
	struct tmsg *t = tm_new();
	uint32_t seq;

	td_start(tc, &d);
	a = td_open(&d);
	b = td_open(&d);

	/* ADD: the reply goes to everyone, without keys. */
	td_build_add(a, &m, 0x100, "10.0.0.1", "10.0.0.2", 0x77);
	memcpy(&seq, m.base + 8, 4);
	send_buf(a, &m);
	expect(a, t, PFKEY_MSG_ADD, 3000, "A's ADD reply");
	expect(b, t, PFKEY_MSG_ADD, 3000, "B sees A's ADD");
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_seq, seq);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_pid, pfkey_xport_pid(a));
	ATF_CHECK_EQ(tm_spi(t), 0x100u);
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_AUTH));

	/* GET: to the requester only. */
	ATF_REQUIRE_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x100, "10.0.0.1",
	    "10.0.0.2"), 0);
	expect_none(b, t, 300, "B after A's GET");

	/* An error reply: to the requester only. */
	ATF_CHECK_EQ(td_add(a, t, 0x100, "10.0.0.1", "10.0.0.2"), EEXIST);
	expect_none(b, t, 300, "B after A's failed ADD");

	/* DELETE, X_SPDADD, FLUSH: to everyone. */
	ATF_REQUIRE_EQ(td_sareq(a, t, PFKEY_MSG_DELETE, 0x100, "10.0.0.1",
	    "10.0.0.2"), 0);
	expect(b, t, PFKEY_MSG_DELETE, 3000, "B sees A's DELETE");
	ATF_CHECK_EQ(tm_spi(t), 0x100u);
	td_build_policy(a, &m, PFKEY_MSG_X_SPDADD, "10.0.0.0", 8, "10.0.0.0",
	    8, "out discard");
	ATF_REQUIRE_EQ(td_req(a, &m, t), 0);
	expect(b, t, PFKEY_MSG_X_SPDADD, 3000, "B sees A's X_SPDADD");
	ATF_CHECK(tm_policy_id(t) != 0);
	ATF_REQUIRE_EQ(td_add(a, t, 0x101, "10.0.0.1", "10.0.0.2"), 0);
	expect(b, t, PFKEY_MSG_ADD, 3000, "B sees the second ADD");
	ATF_REQUIRE_EQ(td_bare(a, t, PFKEY_MSG_FLUSH, 0), 0);
	expect(b, t, PFKEY_MSG_FLUSH, 3000, "B sees A's FLUSH");
	expect_none(b, t, 300, "B after the FLUSH");
	(void)td_drain(a, t, 200);

	/* A DUMP goes to the requester only. */
	ATF_REQUIRE_EQ(td_add(a, t, 0x102, "10.0.0.1", "10.0.0.2"), 0);
	expect(b, t, PFKEY_MSG_ADD, 3000, "B sees the third ADD");
	ATF_REQUIRE_EQ(td_bare(a, t, PFKEY_MSG_DUMP, 0), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_seq, 0u);
	expect_none(b, t, 300, "B after A's DUMP");

	pfkey_xport_close(a);
	pfkey_xport_close(b);
	td_stop(&d);
	free(t);
}

TD_BOTH(registered, "300")
{
	struct td d;
	struct pfkey_xport *a, *b, *c, *e;
	struct pfkey_buf m;
	struct tmsg *t = tm_new();

	td_start(tc, &d);
	a = td_open(&d);
	b = td_open(&d);	/* registered for ESP */
	c = td_open(&d);	/* not registered */
	e = td_open(&d);	/* registered for AH */
	ATF_REQUIRE_EQ(td_bare(b, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	ATF_REQUIRE_EQ(td_bare(e, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_AH), 0);

	/* A registers for ESP: the reply goes to A and the ESP-registered. */
	ATF_REQUIRE_EQ(td_bare(a, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	expect(b, t, PFKEY_MSG_REGISTER, 3000, "B sees A's REGISTER");
	ATF_CHECK(tm_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT));
	expect_none(c, t, 300, "unregistered C after REGISTER");
	expect_none(e, t, 300, "AH-registered E after REGISTER");

	/* An ACQUIRE goes to the sockets registered for its SA type. */
	td_build_policy(c, &m, PFKEY_MSG_X_SPDADD, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out ipsec esp/transport//require");
	ATF_REQUIRE_EQ(td_req(c, &m, t), 0);
	(void)td_drain(a, t, 200);
	(void)td_drain(b, t, 0);
	(void)td_drain(e, t, 0);
	td_begin(c, &m, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	td_addrs(&m, "10.0.0.5", "10.1.0.6");
	send_buf(c, &m);
	expect(a, t, PFKEY_MSG_ACQUIRE, 3000, "A (registered) ACQUIRE");
	expect(b, t, PFKEY_MSG_ACQUIRE, 3000, "B (registered) ACQUIRE");
	ATF_CHECK(tm_has(t, PFKEY_EXT_PROPOSAL));
	expect_none(c, t, 300, "C (requester, unregistered) ACQUIRE");
	expect_none(e, t, 300, "E (AH) ACQUIRE");

	pfkey_xport_close(a);
	pfkey_xport_close(b);
	pfkey_xport_close(c);
	pfkey_xport_close(e);
	td_stop(&d);
	free(t);
}

TD_BOTH(promisc, "300")
{
	struct td d;
	struct pfkey_xport *a, *p;
	struct pfkey_buf m;
	struct tmsg *t = tm_new(), *u = tm_new();
	struct pfkey_msg inner;
	int i;

	linux_host = td_linux();
	td_start(tc, &d);
	a = td_open(&d);
	p = td_open(&d);

	/* Promiscuous on: the X_PROMISC itself goes to everyone. */
	ATF_REQUIRE_EQ(td_bare(p, t, PFKEY_MSG_X_PROMISC, 1), 0);
	expect(a, t, PFKEY_MSG_X_PROMISC, 3000, "A sees P's X_PROMISC");
	(void)td_drain(p, t, 200);

	td_build_add(a, &m, 0x200, "10.0.0.1", "10.0.0.2", 0x44);
	send_buf(a, &m);
	expect(a, t, PFKEY_MSG_ADD, 3000, "A's ADD reply");
	if (linux_host) {
		/*
		 * af_key: the request as sent (keys and all), then the reply
		 * twice: once as a promiscuous copy, once as a broadcast.
		 */
		expect(p, t, PFKEY_MSG_ADD, 3000, "P: copy of the request");
		ATF_CHECK(tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
		ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_pid, pfkey_xport_pid(a));
		for (i = 0; i < 2; i++) {
			expect(p, t, PFKEY_MSG_ADD, 3000, "P: the reply");
			ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
		}
	} else {
		/* keysock.c: the reply wrapped in X_PROMISC, then plain. */
		expect(p, t, PFKEY_MSG_X_PROMISC, 3000, "P: wrapped reply");
		ATF_REQUIRE(t->len > PFKEY_HDRLEN);
		tm_set(u, (uint8_t *)t->buf + PFKEY_HDRLEN,
		    t->len - PFKEY_HDRLEN);
		ATF_CHECK_EQ(tm_hdr(u)->sadb_msg_type, PFKEY_MSG_ADD);
		expect(p, t, PFKEY_MSG_ADD, 3000, "P: the broadcast");
	}
	expect_none(p, t, 300, "P after the ADD");

	/* A's GET: the reply (with keys) is copied to P too. */
	ATF_REQUIRE_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x200, "10.0.0.1",
	    "10.0.0.2"), 0);
	if (linux_host) {
		expect(p, t, PFKEY_MSG_GET, 3000, "P: copy of the GET");
		ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
		expect(p, t, PFKEY_MSG_GET, 3000, "P: copy of the reply");
		ATF_CHECK(tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	} else
		expect(p, t, PFKEY_MSG_X_PROMISC, 3000, "P: wrapped reply");
	expect_none(p, t, 300, "P after the GET");

	/* An embedded message: sent to everyone. */
	td_begin(a, &m, PFKEY_MSG_X_PROMISC, 0);
	{
		uint8_t inmsg[16] = { PFKEY_V2, PFKEY_MSG_FLUSH, 0,
		    PFKEY_SATYPE_ESP, 2, 0, 0, 0, 9, 9, 9, 9, 0, 0, 0, 0 };
		uint8_t *q = m.base + m.len;

		/* Raw bytes after the header: grow the buffer by 16. */
		ATF_REQUIRE(m.cap >= m.len + 16);
		memcpy(q, inmsg, sizeof(inmsg));
		m.len += 16;
	}
	send_buf(a, &m);
	(void)td_drain(a, t, 300);
	if (linux_host) {
		/* af_key: the whole X_PROMISC message, to P twice. */
		expect(p, t, PFKEY_MSG_X_PROMISC, 3000, "P: embedded (1)");
		ATF_CHECK_EQ(t->len, 32u);
		ATF_REQUIRE_EQ(pfkey_decode((uint8_t *)t->buf + 16, 16,
		    td_dialect, PFKEY_DEC_FROM_KERNEL, &inner), 0);
		ATF_CHECK_EQ(inner.hdr->sadb_msg_type, PFKEY_MSG_FLUSH);
	} else
		expect(p, t, PFKEY_MSG_X_PROMISC, 3000, "P: wrapped");
	(void)td_drain(p, t, 300);

	/* Off again: nothing more. */
	ATF_REQUIRE_EQ(td_bare(p, t, PFKEY_MSG_X_PROMISC, 0), 0);
	(void)td_drain(p, t, 300);
	(void)td_drain(a, t, 0);
	ATF_REQUIRE_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x200, "10.0.0.1",
	    "10.0.0.2"), 0);
	expect_none(p, t, 300, "P after promiscuous off");

	pfkey_xport_close(a);
	pfkey_xport_close(p);
	td_stop(&d);
	free(t);
	free(u);
}

TD_BOTH(lifetimes, "300")
{
	struct td d;
	struct pfkey_xport *a, *r, *c;
	struct pfkey_buf m;
	struct tmsg *t = tm_new();
	time_t t0;

	td_start(tc, &d);
	a = td_open(&d);
	r = td_open(&d);	/* registered listener */
	c = td_open(&d);	/* not registered */
	ATF_REQUIRE_EQ(td_bare(r, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);

	td_build_add(a, &m, 0x300, "10.0.0.1", "10.0.0.2", 0x12);
	td_lifetime(&m, PFKEY_EXT_LIFETIME_SOFT, 2);
	td_lifetime(&m, PFKEY_EXT_LIFETIME_HARD, 3);
	ATF_REQUIRE_EQ(td_req(a, &m, t), 0);
	t0 = time(NULL);
	expect(r, t, PFKEY_MSG_ADD, 3000, "R sees the ADD");
	(void)td_drain(c, t, 100);

	expect(r, t, PFKEY_MSG_EXPIRE, 5000, "soft EXPIRE");
	ATF_CHECK_EQ(tm_spi(t), 0x300u);
	ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_SOFT));
	ATF_CHECK(!tm_has(t, PFKEY_EXT_LIFETIME_HARD));
	ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_CURRENT));
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	ATF_CHECK_EQ(tm_state(t), PFKEY_SASTATE_DYING);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_pid, 0u);
	ATF_CHECK(time(NULL) - t0 >= 1);
	/* Dying but present. */
	ATF_CHECK_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x300, "10.0.0.1",
	    "10.0.0.2"), 0);
	ATF_CHECK_EQ(tm_state(t), PFKEY_SASTATE_DYING);

	expect(r, t, PFKEY_MSG_EXPIRE, 5000, "hard EXPIRE");
	ATF_CHECK_EQ(tm_spi(t), 0x300u);
	ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_HARD));
	ATF_CHECK(time(NULL) - t0 >= 2);
	ATF_CHECK_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x300, "10.0.0.1",
	    "10.0.0.2"), ESRCH);
	/* Only registered sockets hear EXPIRE. */
	expect_none(c, t, 100, "unregistered C");

	/* A policy's hard lifetime: X_SPDEXPIRE to everyone, then gone. */
	td_build_policy(a, &m, PFKEY_MSG_X_SPDADD, "10.5.0.0", 16,
	    "10.6.0.0", 16, "out discard");
	td_lifetime(&m, PFKEY_EXT_LIFETIME_HARD, 2);
	ATF_REQUIRE_EQ(td_req(a, &m, t), 0);
	{
		uint32_t id = tm_policy_id(t);

		expect(c, t, PFKEY_MSG_X_SPDADD, 3000, "C sees X_SPDADD");
		expect(c, t, PFKEY_MSG_X_SPDEXPIRE, 5000, "X_SPDEXPIRE");
		ATF_CHECK_EQ(tm_policy_id(t), id);
		ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_HARD));
		ATF_CHECK_EQ(td_spdid(a, t, PFKEY_MSG_X_SPDGET, id,
		    PFKEY_DIR_OUTBOUND), ENOENT);
	}

	pfkey_xport_close(a);
	pfkey_xport_close(r);
	pfkey_xport_close(c);
	td_stop(&d);
	free(t);
}

TD_BOTH(larval_expire, "120")
{
	struct td d;
	struct pfkey_xport *a, *r;
	struct pfkey_buf m;
	struct tmsg *t = tm_new();
	uint32_t spi;

	td_start(tc, &d);
	a = td_open(&d);
	r = td_open(&d);
	ATF_REQUIRE_EQ(td_bare(r, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	td_begin(a, &m, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP);
	td_addrs(&m, "10.0.0.1", "10.0.0.2");
	ATF_REQUIRE_EQ(td_req(a, &m, t), 0);
	spi = tm_spi(t);
	/* GETSPI's reply goes to the requester only. */
	expect_none(r, t, 300, "R after GETSPI");
	if (td_linux()) {
		expect(r, t, PFKEY_MSG_EXPIRE, 40000, "larval hard EXPIRE");
		ATF_CHECK_EQ(tm_spi(t), spi);
		ATF_CHECK_EQ(tm_state(t), PFKEY_SASTATE_LARVAL);
		ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_HARD));
	} else {
		expect_none(r, t, 33000, "R: FreeBSD drops larval SAs quietly");
	}
	ATF_CHECK_EQ(td_sareq(a, t, PFKEY_MSG_GET, spi, "10.0.0.1",
	    "10.0.0.2"), ESRCH);
	pfkey_xport_close(a);
	pfkey_xport_close(r);
	td_stop(&d);
	free(t);
}

ATF_TP_ADD_TCS(tp)
{
	TD_ADD_BOTH(tp, broadcasts);
	TD_ADD_BOTH(tp, registered);
	TD_ADD_BOTH(tp, promisc);
	TD_ADD_BOTH(tp, lifetimes);
	TD_ADD_BOTH(tp, larval_expire);
	return (atf_no_error());
}
