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
 * Every PF_KEY message type against a running sadbd, one client: the
 * replies, their contents and the errno values a kernel gives.
 */

#include "sadbd_test.h"

/* Count a dump; the replies' seq must count down to 0. */
static size_t
dump_all(struct pfkey_xport *x, struct tmsg *t, uint8_t type, uint8_t satype,
    int *err)
{
	const void *reply;
	size_t rlen, n = 0;
	uint32_t last = UINT32_MAX, seq;
	struct pfkey_buf b;
	int rc;

	*err = td_bare(x, t, type, satype);
	if (*err != 0)
		return (0);
	for (;;) {
		ATF_REQUIRE_EQ(tm_hdr(t)->sadb_msg_type, type);
		ATF_REQUIRE_EQ(tm_hdr(t)->sadb_msg_pid, pfkey_xport_pid(x));
		seq = tm_hdr(t)->sadb_msg_seq;
		ATF_REQUIRE_MSG(seq < last, "dump seq %u after %u", seq,
		    last);
		last = seq;
		n++;
		if (seq == 0)
			break;
		rc = pfkey_request_next(x, type, &reply, &rlen, 10000);
		ATF_REQUIRE_EQ_MSG(rc, 0, "dump: %s", pfkey_strerror(rc));
		tm_set(t, reply, rlen);
		ATF_REQUIRE_EQ(t->rc, 0);
	}
	(void)b;
	return (n);
}

TD_BOTH(add_get_delete, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	const uint8_t *key;
	unsigned bits;

	td_start(tc, &d);
	x = td_open(&d);

	ATF_CHECK_EQ(td_add(x, t, 0x1001, "192.0.2.1", "192.0.2.2"), 0);
	/* The ADD reply: SA mature, addresses, and no keys. */
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_ADD);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_satype, PFKEY_SATYPE_ESP);
	ATF_CHECK_EQ(tm_spi(t), 0x1001u);
	ATF_CHECK_EQ(tm_state(t), PFKEY_SASTATE_MATURE);
	ATF_CHECK(tm_has(t, PFKEY_EXT_ADDRESS_SRC));
	ATF_CHECK(tm_has(t, PFKEY_EXT_ADDRESS_DST));
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_AUTH));

	/* Again: EEXIST. */
	ATF_CHECK_EQ(td_add(x, t, 0x1001, "192.0.2.1", "192.0.2.2"), EEXIST);
	/* SPI 0 is reserved. */
	ATF_CHECK_EQ(td_add(x, t, 0, "192.0.2.1", "192.0.2.2"), EINVAL);
	/* A key of the wrong length for aes-cbc: EINVAL. */
	td_begin(x, &b, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP);
	td_sa(&b, 0x1002, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(&b, "192.0.2.1", "192.0.2.2");
	{
		uint8_t k[20] = { 1 };

		ATF_REQUIRE_EQ(pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, k, 72),
		    0);
		ATF_REQUIRE_EQ(pfkey_put_key(&b, PFKEY_EXT_KEY_AUTH, k, 160),
		    0);
	}
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	/* SA type 5 (RSVP) holds no SAs here. */
	td_begin(x, &b, PFKEY_MSG_ADD, PFKEY_SATYPE_RSVP);
	td_sa(&b, 0x1003, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(&b, "192.0.2.1", "192.0.2.2");
	td_keys(&b, 1);
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);

	/* GET: everything, keys and the current lifetime included. */
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x1001, "192.0.2.1",
	    "192.0.2.2"), 0);
	ATF_CHECK_EQ(tm_spi(t), 0x1001u);
	ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_CURRENT));
	ATF_REQUIRE(tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	ATF_REQUIRE_EQ(pfkey_get_key(&t->m, PFKEY_EXT_KEY_ENCRYPT, &key,
	    &bits), 0);
	ATF_CHECK_EQ(bits, 128u);
	ATF_CHECK_EQ(key[0], 0x11);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_pid, pfkey_xport_pid(x));
	/* Linux looks SAs up by destination and SPI only; KAME by all. */
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x1001, "198.51.100.9",
	    "192.0.2.2"), td_linux() ? 0 : ESRCH);
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x1001, "192.0.2.1",
	    "192.0.2.3"), ESRCH);

	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_DELETE, 0x1001, "192.0.2.1",
	    "192.0.2.2"), 0);
	ATF_CHECK_EQ(tm_spi(t), 0x1001u);
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x1001, "192.0.2.1",
	    "192.0.2.2"), ESRCH);
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_DELETE, 0x1001, "192.0.2.1",
	    "192.0.2.2"), ESRCH);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(getspi_update, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	const struct sadb_x_sa2 *sa2;
	const struct sadb_lifetime *lt;
	uint32_t spi;
	uint8_t k[32];

	td_start(tc, &d);
	x = td_open(&d);

	/* GETSPI in a range, with mode and reqid in X_SA2. */
	td_begin(x, &b, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	ATF_REQUIRE_EQ(pfkey_put_spirange(&b, 0x2000, 0x2fff), 0);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&b, PFKEY_MODE_TUNNEL, 0, 42), 0);
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	spi = tm_spi(t);
	ATF_CHECK_MSG(spi >= 0x2000 && spi <= 0x2fff, "spi %#x", spi);
	ATF_CHECK_EQ(tm_state(t), PFKEY_SASTATE_LARVAL);
	ATF_CHECK(tm_has(t, PFKEY_EXT_ADDRESS_SRC));
	sa2 = PFKEY_EXT(&t->m, PFKEY_EXT_X_SA2, sadb_x_sa2);
	ATF_REQUIRE(sa2 != NULL);
	ATF_CHECK_EQ(sa2->sadb_x_sa2_mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(sa2->sadb_x_sa2_reqid, 42u);

	/* A one-SPI range that is taken: no SPI left. */
	td_begin(x, &b, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	ATF_REQUIRE_EQ(pfkey_put_spirange(&b, spi, spi), 0);
	ATF_CHECK(td_req(x, &b, t) != 0);
	/* min > max: EINVAL. */
	td_begin(x, &b, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	ATF_REQUIRE_EQ(pfkey_put_spirange(&b, 0x2000, 0x3000), 0);
	{
		/* libpfkey will not build it: swap min and max by hand. */
		uint32_t lo = 0x3000, hi = 0x2000;

		memcpy(b.base + b.len - 16 + 4, &lo, 4);
		memcpy(b.base + b.len - 16 + 8, &hi, 4);
	}
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	/* Without SPIRANGE: 0x100 .. 0x0fffffff. */
	td_begin(x, &b, PFKEY_MSG_GETSPI, PFKEY_SATYPE_AH);
	td_addrs(&b, "192.0.2.1", "192.0.2.2");
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	ATF_CHECK(tm_spi(t) >= 0x100 && tm_spi(t) <= 0x0fffffff);

	/* UPDATE of an SPI nobody has: ESRCH. */
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, 0x7777, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	td_keys(&b, 0x22);
	ATF_CHECK_EQ(td_req(x, &b, t), ESRCH);

	/* UPDATE the larval SA: mature, reply without keys. */
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	td_keys(&b, 0x22);
	td_lifetime(&b, PFKEY_EXT_LIFETIME_HARD, 3600);
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_UPDATE);
	ATF_CHECK_EQ(tm_state(t), PFKEY_SASTATE_MATURE);
	ATF_CHECK(!tm_has(t, PFKEY_EXT_KEY_ENCRYPT));

	/* The mode and reqid of the GETSPI stayed. */
	ATF_REQUIRE_EQ(td_sareq(x, t, PFKEY_MSG_GET, spi, "2001:db8::1",
	    "2001:db8::2"), 0);
	sa2 = PFKEY_EXT(&t->m, PFKEY_EXT_X_SA2, sadb_x_sa2);
	ATF_REQUIRE(sa2 != NULL);
	ATF_CHECK_EQ(sa2->sadb_x_sa2_reqid, 42u);
	ATF_CHECK(tm_has(t, PFKEY_EXT_KEY_AUTH));

	/* Mature: different keys are refused... */
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	td_keys(&b, 0x33);
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	/* ...a different algorithm too, with or without keys... */
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, T_EALG_AESCBC, T_AALG_SHA256);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	memset(k, 1, sizeof(k));
	ATF_REQUIRE_EQ(pfkey_put_key(&b, PFKEY_EXT_KEY_AUTH, k, 256), 0);
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, T_EALG_AESCBC, T_AALG_SHA256);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, 13, T_AALG_SHA1);	/* aes-ctr */
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	/* ...but new lifetimes are taken. */
	td_begin(x, &b, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	td_lifetime(&b, PFKEY_EXT_LIFETIME_SOFT, 1000);
	td_lifetime(&b, PFKEY_EXT_LIFETIME_HARD, 2000);
	ATF_CHECK_EQ(td_req(x, &b, t), 0);
	ATF_REQUIRE_EQ(td_sareq(x, t, PFKEY_MSG_GET, spi, "2001:db8::1",
	    "2001:db8::2"), 0);
	lt = PFKEY_EXT(&t->m, PFKEY_EXT_LIFETIME_HARD, sadb_lifetime);
	ATF_REQUIRE(lt != NULL);
	ATF_CHECK_EQ(lt->sadb_lifetime_addtime, 2000u);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(deleteall_flush, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	int err;

	td_start(tc, &d);
	x = td_open(&d);
	ATF_REQUIRE_EQ(td_add(x, t, 0x10, "10.0.0.1", "10.0.0.2"), 0);
	ATF_REQUIRE_EQ(td_add(x, t, 0x11, "10.0.0.1", "10.0.0.2"), 0);
	ATF_REQUIRE_EQ(td_add(x, t, 0x12, "10.0.0.1", "10.0.0.2"), 0);
	ATF_REQUIRE_EQ(td_add(x, t, 0x13, "10.0.0.2", "10.0.0.1"), 0);
	ATF_REQUIRE_EQ(td_add(x, t, 0x14, "10.0.0.9", "10.0.0.2"), 0);

	/* DELETE without SA: every SA of the pair (KAME deleteall). */
	td_begin(x, &b, PFKEY_MSG_DELETE, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.0.0.1", "10.0.0.2");
	ATF_CHECK_EQ(td_req(x, &b, t), 0);
	ATF_CHECK(!tm_has(t, PFKEY_EXT_SA));
	ATF_CHECK(tm_has(t, PFKEY_EXT_ADDRESS_DST));
	ATF_CHECK_EQ(dump_all(x, t, PFKEY_MSG_DUMP, 0, &err), 2u);
	ATF_CHECK_EQ(err, 0);

	/* FLUSH of AH leaves ESP alone; FLUSH of all does not. */
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_FLUSH, PFKEY_SATYPE_AH), 0);
	ATF_CHECK_EQ(dump_all(x, t, PFKEY_MSG_DUMP, 0, &err), 2u);
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_FLUSH, PFKEY_SATYPE_UNSPEC), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_FLUSH);
	/*
	 * Linux af_key answers the requester, then broadcasts the flush
	 * when something went: a second FLUSH arrives.  FreeBSD: one.
	 */
	if (td_linux()) {
		ATF_REQUIRE(td_recv(x, t, 2000));
		ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_FLUSH);
	}
	ATF_CHECK(!td_recv(x, t, 200));
	(void)dump_all(x, t, PFKEY_MSG_DUMP, 0, &err);
	ATF_CHECK_EQ(err, ENOENT);
	/* An empty flush: one reply only. */
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_FLUSH, PFKEY_SATYPE_UNSPEC), 0);
	ATF_CHECK(!td_recv(x, t, 200));
	/* SA type 5 (RSVP) cannot be flushed. */
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_FLUSH, PFKEY_SATYPE_RSVP),
	    EINVAL);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(dump, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct tmsg *t = tm_new();
	char dst[64];
	int err, i;

	td_start(tc, &d);
	x = td_open(&d);
	(void)dump_all(x, t, PFKEY_MSG_DUMP, 0, &err);
	ATF_CHECK_EQ(err, ENOENT);
	for (i = 0; i < 300; i++) {
		snprintf(dst, sizeof(dst), "10.1.%d.%d", i / 200, i % 200 + 1);
		ATF_REQUIRE_EQ(td_add(x, t, 0x500 + (uint32_t)i, "10.0.0.1",
		    dst), 0);
	}
	ATF_CHECK_EQ(dump_all(x, t, PFKEY_MSG_DUMP, PFKEY_SATYPE_ESP, &err),
	    300u);
	ATF_CHECK_EQ(err, 0);
	/* Keys for the privileged. */
	ATF_CHECK(tm_has(t, PFKEY_EXT_KEY_ENCRYPT));
	ATF_CHECK(tm_has(t, PFKEY_EXT_LIFETIME_CURRENT));
	/* Nothing of that type. */
	(void)dump_all(x, t, PFKEY_MSG_DUMP, PFKEY_SATYPE_AH, &err);
	ATF_CHECK_EQ(err, ENOENT);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

/* The wire ids of a SUPPORTED_* extension. */
static bool
supported_has(const struct tmsg *t, int ext, unsigned id, size_t *count)
{
	const struct sadb_supported *s;
	const struct sadb_alg *a;
	size_t n, i;
	bool found = false;

	*count = 0;
	if ((s = PFKEY_EXT(&t->m, ext, sadb_supported)) == NULL)
		return (false);
	n = (s->sadb_supported_len * 8 - sizeof(*s)) / sizeof(*a);
	a = (const struct sadb_alg *)(const void *)(s + 1);
	for (i = 0; i < n; i++)
		if (a[i].sadb_alg_id == id)
			found = true;
	*count = n;
	return (found);
}

TD_BOTH(register, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct tmsg *t = tm_new();
	size_t na, ne;

	td_start(tc, &d);
	x = td_open(&d);
	ATF_REQUIRE_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_REGISTER);
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT, T_EALG_AESCBC,
	    &ne));
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT, T_EALG_GCM16,
	    &ne));
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT, 3, &ne));
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_AUTH, T_AALG_SHA256,
	    &na));
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_AUTH, 9, &na));
	ATF_CHECK_EQ(na, 7u);
	ATF_CHECK_EQ(ne, 9u);
	/* Twice for one type: EEXIST, as both kernels say. */
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    EEXIST);
	/* AH: integrity algorithms only. */
	ATF_REQUIRE_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_AH), 0);
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_AUTH, T_AALG_SHA1,
	    &na));
	ATF_CHECK(!tm_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT));
	/* IPComp: deflate (2) as the "encryption" algorithm. */
	ATF_REQUIRE_EQ(td_bare(x, t, PFKEY_MSG_REGISTER,
	    PFKEY_SATYPE_IPCOMP), 0);
	ATF_CHECK(supported_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT, 2, &ne));
	ATF_CHECK_EQ(ne, 1u);
	/* SA type 0: the lists, without registering (both kernels). */
	ATF_REQUIRE_EQ(td_bare(x, t, PFKEY_MSG_REGISTER,
	    PFKEY_SATYPE_UNSPEC), 0);
	ATF_CHECK(tm_has(t, PFKEY_EXT_SUPPORTED_ENCRYPT));
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_UNSPEC),
	    0);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(acquire, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	struct sockaddr_storage ss;
	char a[64];
	uint32_t id, seq;

	td_start(tc, &d);
	x = td_open(&d);
	ATF_REQUIRE_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	td_build_policy(x, &b, PFKEY_MSG_X_SPDADD, "10.0.0.0", 24,
	    "10.1.0.0", 24,
	    "out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require");
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	id = tm_policy_id(t);
	ATF_REQUIRE(id != 0);

	/* A userland ACQUIRE for a flow the policy covers. */
	td_begin(x, &b, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.0.0.5", "10.1.0.7");
	{
		const void *msg;
		size_t len;

		ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
		ATF_REQUIRE_EQ(pfkey_send(x, msg, len), 0);
		pfkey_buf_free(&b);
	}
	/* Registered: the ACQUIRE comes, between the tunnel endpoints. */
	ATF_REQUIRE_MSG(td_recv(x, t, 3000), "no ACQUIRE");
	ATF_REQUIRE_EQ(t->rc, 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_ACQUIRE);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_errno, 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_pid, 0u);
	seq = tm_hdr(t)->sadb_msg_seq;
	ATF_CHECK(seq != 0);
	ATF_CHECK(tm_has(t, PFKEY_EXT_PROPOSAL));
	ATF_CHECK_EQ(tm_policy_id(t), id);
	ATF_REQUIRE_EQ(pfkey_get_address(&t->m, PFKEY_EXT_ADDRESS_DST, &ss,
	    NULL, NULL), 0);
	inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a,
	    sizeof(a));
	ATF_CHECK_STREQ(a, "192.0.2.2");

	/* The same flow again at once: rate limited. */
	td_begin(x, &b, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.0.0.5", "10.1.0.7");
	{
		const void *msg;
		size_t len;

		ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
		ATF_REQUIRE_EQ(pfkey_send(x, msg, len), 0);
		pfkey_buf_free(&b);
	}
	ATF_CHECK_MSG(!td_recv(x, t, 300), "second ACQUIRE not limited");

	/* A key manager's failure report: no reply at all. */
	td_begin(x, &b, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&b, ENOENT), 0);
	((uint8_t *)b.base)[8] = (uint8_t)seq;	/* the acquire's seq */
	((uint8_t *)b.base)[9] = (uint8_t)(seq >> 8);
	((uint8_t *)b.base)[10] = (uint8_t)(seq >> 16);
	((uint8_t *)b.base)[11] = (uint8_t)(seq >> 24);
	{
		const void *msg;
		size_t len;

		ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
		ATF_REQUIRE_EQ(pfkey_send(x, msg, len), 0);
		pfkey_buf_free(&b);
	}
	ATF_CHECK(!td_recv(x, t, 300));
	/* ...after which the flow may be acquired again at once. */
	td_begin(x, &b, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.0.0.5", "10.1.0.7");
	{
		const void *msg;
		size_t len;

		ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
		ATF_REQUIRE_EQ(pfkey_send(x, msg, len), 0);
		pfkey_buf_free(&b);
	}
	ATF_REQUIRE(td_recv(x, t, 3000));
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_ACQUIRE);
	ATF_CHECK(tm_hdr(t)->sadb_msg_seq != seq);

	/* An SA for the pair exists: EEXIST (KAME). */
	ATF_REQUIRE_EQ(td_add(x, t, 0x9000, "10.0.0.5", "10.1.0.8"), 0);
	td_begin(x, &b, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.0.0.5", "10.1.0.8");
	ATF_CHECK_EQ(td_req(x, &b, t), EEXIST);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(unsupported, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	int want = td_linux() ? EOPNOTSUPP :
	    EINVAL;

	td_start(tc, &d);
	x = td_open(&d);
	/* EXPIRE comes from the kernel, never to it. */
	td_begin(x, &b, PFKEY_MSG_EXPIRE, PFKEY_SATYPE_ESP);
	td_sa(&b, 0x42, 0, 0);
	td_addrs(&b, "10.0.0.1", "10.0.0.2");
	ATF_CHECK_EQ(td_req(x, &b, t), want);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_EXPIRE);
	ATF_CHECK_EQ(t->len, (size_t)PFKEY_HDRLEN);
	td_build_policy(x, &b, PFKEY_MSG_X_SPDEXPIRE, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out discard");
	ATF_CHECK_EQ(td_req(x, &b, t), want);
	td_build_policy(x, &b, PFKEY_MSG_X_SPDACQUIRE, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out discard");
	ATF_CHECK_EQ(td_req(x, &b, t), want);
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_X_PCHANGE, 0), want);
	if (td_linux()) {
		td_build_policy(x, &b, PFKEY_MSG_X_MIGRATE, "10.0.0.0", 24,
		    "10.1.0.0", 24, "out discard");
		ATF_CHECK_EQ(td_req(x, &b, t), EOPNOTSUPP);
		td_begin(x, &b, PFKEY_MSG_X_NAT_T_NEW_MAPPING,
		    PFKEY_SATYPE_ESP);
		td_sa(&b, 0x42, 0, 0);
		td_addrs(&b, "10.0.0.1", "10.0.0.2");
		ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&b, PFKEY_EXT_X_NAT_T_SPORT,
		    htons(4500)), 0);
		ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&b, PFKEY_EXT_X_NAT_T_DPORT,
		    htons(4501)), 0);
		ATF_CHECK_EQ(td_req(x, &b, t), EOPNOTSUPP);
	}
	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(spd, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	struct pfkey_policy pol;
	uint32_t id1, id2;
	int err;

	td_start(tc, &d);
	x = td_open(&d);
	(void)dump_all(x, t, PFKEY_MSG_X_SPDDUMP, 0, &err);
	ATF_CHECK_EQ(err, ENOENT);

	td_build_policy(x, &b, PFKEY_MSG_X_SPDADD, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out ipsec esp/transport//require");
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_X_SPDADD);
	id1 = tm_policy_id(t);
	ATF_CHECK(id1 != 0);
	/* The same direction and selector: EEXIST. */
	td_build_policy(x, &b, PFKEY_MSG_X_SPDADD, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out discard");
	ATF_CHECK_EQ(td_req(x, &b, t), EEXIST);
	/* X_SPDUPDATE replaces it and keeps the id. */
	td_build_policy(x, &b, PFKEY_MSG_X_SPDUPDATE, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out discard");
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_X_SPDUPDATE);
	ATF_CHECK_EQ(tm_policy_id(t), id1);
	/* X_SPDSETIDX adds like X_SPDADD. */
	td_build_policy(x, &b, PFKEY_MSG_X_SPDSETIDX, "10.1.0.0", 24,
	    "10.0.0.0", 24, "in none");
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_X_SPDSETIDX);
	id2 = tm_policy_id(t);
	ATF_CHECK(id2 != 0 && id2 != id1);

	/* X_SPDGET by id: the policy, to us. */
	ATF_REQUIRE_EQ(td_spdid(x, t, PFKEY_MSG_X_SPDGET, id1,
	    PFKEY_DIR_OUTBOUND), 0);
	ATF_REQUIRE_EQ(pfkey_get_policy(&t->m, &pol), 0);
	ATF_CHECK_EQ(pol.id, id1);
	ATF_CHECK_EQ(pol.type, PFKEY_POLICY_DISCARD);
	ATF_CHECK(tm_has(t, PFKEY_EXT_ADDRESS_SRC));
	ATF_CHECK_EQ(td_spdid(x, t, PFKEY_MSG_X_SPDGET, 0xfffff0,
	    PFKEY_DIR_OUTBOUND), ENOENT);

	ATF_CHECK_EQ(dump_all(x, t, PFKEY_MSG_X_SPDDUMP, 0, &err), 2u);
	ATF_CHECK_EQ(err, 0);

	/* X_SPDDELETE by direction and selector. */
	td_build_policy(x, &b, PFKEY_MSG_X_SPDDELETE, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out discard");
	ATF_CHECK_EQ(td_req(x, &b, t), 0);
	ATF_CHECK_EQ(tm_policy_id(t), id1);
	td_build_policy(x, &b, PFKEY_MSG_X_SPDDELETE, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out discard");
	ATF_CHECK_EQ(td_req(x, &b, t), ENOENT);
	/* X_SPDDELETE2 by id. */
	ATF_CHECK_EQ(td_spdid(x, t, PFKEY_MSG_X_SPDDELETE2, id2,
	    PFKEY_DIR_INBOUND), 0);
	ATF_CHECK_EQ(td_spdid(x, t, PFKEY_MSG_X_SPDDELETE2, id2,
	    PFKEY_DIR_INBOUND), ENOENT);

	/* entrust is a socket policy, not an SPD entry. */
	td_build_policy(x, &b, PFKEY_MSG_X_SPDADD, "10.0.0.0", 24,
	    "10.1.0.0", 24, "out entrust");
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);

	td_build_policy(x, &b, PFKEY_MSG_X_SPDADD, "10.2.0.0", 24,
	    "10.3.0.0", 24, "out discard");
	ATF_REQUIRE_EQ(td_req(x, &b, t), 0);
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_X_SPDFLUSH, 0), 0);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_X_SPDFLUSH);
	(void)td_drain(x, t, 200);	/* Linux: the flush broadcast */
	(void)dump_all(x, t, PFKEY_MSG_X_SPDDUMP, 0, &err);
	ATF_CHECK_EQ(err, ENOENT);

	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

TD_BOTH(bad_requests, "300")
{
	struct td d;
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	uint8_t msg[24];
	uint16_t units = 3;
	uint32_t seq = 0x4242, pid;

	td_start(tc, &d);
	x = td_open(&d);
	pid = pfkey_xport_pid(x);
	/* An extension running past the end: EINVAL, seq and pid echoed. */
	memset(msg, 0, sizeof(msg));
	msg[0] = PFKEY_V2;
	msg[1] = PFKEY_MSG_GET;
	msg[3] = PFKEY_SATYPE_ESP;
	memcpy(msg + 4, &units, 2);
	memcpy(msg + 8, &seq, 4);
	memcpy(msg + 12, &pid, 4);
	msg[16] = 9;		/* 72-byte extension in 8 bytes */
	msg[18] = PFKEY_EXT_SA;
	ATF_REQUIRE_EQ(pfkey_send(x, msg, sizeof(msg)), 0);
	ATF_REQUIRE(td_recv(x, t, 3000));
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_errno, EINVAL);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_seq, seq);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_pid, pid);
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_GET);
	/* A required extension missing (ADD without SA): EINVAL. */
	td_begin(x, &b, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.0.0.1", "10.0.0.2");
	ATF_CHECK_EQ(td_req(x, &b, t), EINVAL);
	/* X_PROMISC takes 0 or 1. */
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_X_PROMISC, 2), EINVAL);
	/* REGISTER twice for one type. */
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_AH), 0);
	ATF_CHECK_EQ(td_bare(x, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_AH),
	    EEXIST);
	/*
	 * Two DUMPs back to back: a small dump is done within the pass that
	 * reads it, so both complete (EBUSY for a dump still running is
	 * tested with a large one in robust_test).
	 */
	{
		int i;
		char dst[32];

		for (i = 0; i < 3; i++) {
			snprintf(dst, sizeof(dst), "10.9.0.%d", i + 1);
			ATF_REQUIRE_EQ(td_add(x, t, 0x100 + (uint32_t)i,
			    "10.9.0.100", dst), 0);
		}
	}
	td_begin(x, &b, PFKEY_MSG_DUMP, 0);
	{
		const void *m1;
		size_t l1;

		ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &m1, &l1), 0);
		ATF_REQUIRE_EQ(pfkey_send(x, m1, l1), 0);
		ATF_REQUIRE_EQ(pfkey_send(x, m1, l1), 0);
		pfkey_buf_free(&b);
	}
	{
		int n = 0, zero = 0, bad = 0;

		while (td_recv(x, t, 1000)) {
			if (tm_hdr(t)->sadb_msg_errno != 0)
				bad++;
			else if (tm_hdr(t)->sadb_msg_seq == 0)
				zero++;
			n++;
		}
		ATF_CHECK_EQ(n, 6);
		ATF_CHECK_EQ(zero, 2);
		ATF_CHECK_EQ(bad, 0);
	}
	pfkey_xport_close(x);
	td_stop(&d);
	free(t);
}

ATF_TP_ADD_TCS(tp)
{
	TD_ADD_BOTH(tp, add_get_delete);
	TD_ADD_BOTH(tp, getspi_update);
	TD_ADD_BOTH(tp, deleteall_flush);
	TD_ADD_BOTH(tp, dump);
	TD_ADD_BOTH(tp, register);
	TD_ADD_BOTH(tp, acquire);
	TD_ADD_BOTH(tp, unsupported);
	TD_ADD_BOTH(tp, spd);
	TD_ADD_BOTH(tp, bad_requests);
	return (atf_no_error());
}
