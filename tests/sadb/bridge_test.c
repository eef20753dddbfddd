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
 * The bridge invariant: for every kind of SA and policy the dialect can
 * express, sad_from_pfkey(decode(encode(sad_to_pfkey(e)))) == e, and the
 * same for spd_*.  Entries are generated over every algorithm, mode,
 * family, replay window, lifetime and extension; both dialects.
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
#include "sadb.h"

static const enum pfkey_dialect dialects[] = {
	PFKEY_DIALECT_LINUX, PFKEY_DIALECT_FREEBSD
};

static uint64_t msgbuf[PFKEY_MSG_MAXLEN / 8];

static struct sad_addr
A(const char *s, uint16_t port)
{
	struct sad_addr a;

	ATF_REQUIRE_MSG(sad_addr_parse(&a, s) == 0, "%s", s);
	a.port = port;
	return (a);
}

/* Encode, decode and convert back; the result must equal the input. */
static void
sa_roundtrip(enum pfkey_dialect d, const struct sad_entry *e, int flags,
    const char *what)
{
	struct sad_entry back;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg;
	size_t len;
	char why[256];
	int rc;

	ATF_REQUIRE_EQ(pfkey_buf_alloc(&b, d, PFKEY_MSG_ADD, e->satype, 7,
	    e->pid), 0);
	rc = sad_to_pfkey(e, &b, flags);
	ATF_REQUIRE_MSG(rc == 0, "%s/%s: sad_to_pfkey %s (%s)", what,
	    pfkey_dialect_name(d), sad_strerror(rc), pfkey_strerror(b.error));
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	memcpy(msgbuf, msg, len);
	pfkey_buf_free(&b);
	rc = pfkey_decode(msgbuf, len, d, PFKEY_DEC_NOREQ, &m);
	pfkey_decode_error(&m, rc, why, sizeof(why));
	ATF_REQUIRE_MSG(rc == 0, "%s/%s: decode: %s", what,
	    pfkey_dialect_name(d), why);
	ATF_REQUIRE_EQ_MSG(sad_from_pfkey(&m, &back), 0, "%s", what);
	ATF_CHECK_MSG(sad_entry_equal(e, &back), "%s/%s: not the same SA "
	    "(has %#x vs %#x, replay %u vs %u, aalg %#x/%#x ealg %#x/%#x)",
	    what, pfkey_dialect_name(d), e->has, back.has, e->replay,
	    back.replay, e->aalg, back.aalg, e->ealg, back.ealg);
	sad_entry_clear(&back);
}

static void
base_sa(struct sad_entry *e, uint8_t satype, bool v6)
{
	sad_entry_init(e);
	e->satype = satype;
	e->has = SAD_HAS_SA_FIELDS;
	e->spi = 0x1234abcd;
	e->state = PFKEY_SASTATE_MATURE;
	e->pid = 4242;
	e->src = v6 ? A("2001:db8::1", 0) : A("192.0.2.1", 0);
	e->dst = v6 ? A("2001:db8::2", 0) : A("198.51.100.7", 0);
}

static void
set_keys(struct sad_entry *e, const struct pfkey_alg_info *ai,
    const struct pfkey_alg_info *ei)
{
	uint8_t k[256];
	size_t i;

	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(i * 7 + 3);
	if (ai != NULL) {
		e->has |= SAD_HAS_AKEY;
		sad_key_set(&e->akey, k, ai->keybits[0] ? ai->keybits[0] :
		    ai->maxbits);
	}
	if (ei != NULL) {
		e->has |= SAD_HAS_EKEY;
		sad_key_set(&e->ekey, k + 64, ei->keybits[0] ? ei->keybits[0] :
		    ei->minbits);
	}
}

/* Every algorithm the dialect can number, as ESP, AH or IPComp. */
ATF_TC_WITHOUT_HEAD(every_algorithm);
ATF_TC_BODY(every_algorithm, tc)
{
	const struct pfkey_alg_info *a;
	struct sad_entry e;
	char what[128];
	size_t di, i;
	int n = 0;

	for (di = 0; di < 2; di++) {
		enum pfkey_dialect d = dialects[di];

		for (i = 0; (a = pfkey_alg_nth(PFKEY_ALG_ENCRYPT, i)) != NULL;
		    i++) {
			if (pfkey_alg_to_wire(d, PFKEY_ALG_ENCRYPT, a->id) < 0)
				continue;
			base_sa(&e, PFKEY_SATYPE_ESP, i % 2);
			e.ealg = (uint16_t)a->id;
			e.aalg = a->aead ? 0 : PFKEY_AALG_SHA2_256HMAC;
			set_keys(&e, a->aead ? NULL :
			    pfkey_alg_info(PFKEY_ALG_AUTH, e.aalg), a);
			snprintf(what, sizeof(what), "esp %s", a->name);
			sa_roundtrip(d, &e, SAD_PK_KEYS, what);
			sad_entry_clear(&e);
			n++;
		}
		for (i = 0; (a = pfkey_alg_nth(PFKEY_ALG_AUTH, i)) != NULL;
		    i++) {
			if (pfkey_alg_to_wire(d, PFKEY_ALG_AUTH, a->id) < 0)
				continue;
			base_sa(&e, a->id == PFKEY_AALG_TCP_MD5 ?
			    PFKEY_SATYPE_TCPSIGNATURE : PFKEY_SATYPE_AH, i % 2);
			e.aalg = (uint16_t)a->id;
			set_keys(&e, a, NULL);
			snprintf(what, sizeof(what), "ah %s", a->name);
			sa_roundtrip(d, &e, SAD_PK_KEYS, what);
			sad_entry_clear(&e);
			n++;
		}
		for (i = 0; (a = pfkey_alg_nth(PFKEY_ALG_COMP, i)) != NULL;
		    i++) {
			if (pfkey_alg_to_wire(d, PFKEY_ALG_COMP, a->id) < 0)
				continue;
			base_sa(&e, PFKEY_SATYPE_IPCOMP, i % 2);
			e.ealg = (uint16_t)a->id;
			e.flags = PFKEY_SAFLAG_RAWCPI;
			snprintf(what, sizeof(what), "ipcomp %s", a->name);
			sa_roundtrip(d, &e, 0, what);
			sad_entry_clear(&e);
			n++;
		}
	}
	ATF_CHECK(n > 60);
}

/* Replay windows around every boundary of both encodings, and ESN. */
ATF_TC_WITHOUT_HEAD(replay_windows);
ATF_TC_BODY(replay_windows, tc)
{
	static const uint32_t w[] = { 0, 1, 4, 7, 8, 32, 64, 128, 255, 256,
	    257, 1024, 2040, 2041, 2048, 4096, 65535, 1u << 20 };
	struct sad_entry e;
	char what[64];
	size_t di, i;

	for (di = 0; di < 2; di++) {
		for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
			base_sa(&e, PFKEY_SATYPE_ESP, false);
			e.ealg = PFKEY_EALG_AES_GCM_ICV16;
			e.replay = w[i];
			e.flags = i % 2 ? PFKEY_SAFLAG_ESN : 0;
			snprintf(what, sizeof(what), "replay %u", w[i]);
			sa_roundtrip(dialects[di], &e, 0, what);
			sad_entry_clear(&e);
		}
	}
}

/* The wire encodings of the window are the dialects' own. */
ATF_TC_WITHOUT_HEAD(replay_encoding);
ATF_TC_BODY(replay_encoding, tc)
{
	struct sad_entry e;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg;
	size_t len;

	base_sa(&e, PFKEY_SATYPE_ESP, false);
	e.ealg = PFKEY_EALG_AES_GCM_ICV16;
	e.replay = 64;
	/* Linux: 64 packets in the u8, no extension */
	pfkey_buf_alloc(&b, PFKEY_DIALECT_LINUX, PFKEY_MSG_ADD,
	    PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(sad_to_pfkey(&e, &b, 0), 0);
	pfkey_buf_finish(&b, &msg, &len);
	memcpy(msgbuf, msg, len);
	pfkey_buf_free(&b);
	ATF_REQUIRE_EQ(pfkey_decode(msgbuf, len, PFKEY_DIALECT_LINUX,
	    PFKEY_DEC_NOREQ, &m), 0);
	ATF_CHECK_EQ(PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa)->sadb_sa_replay, 64);
	ATF_CHECK(m.ext[PFKEY_EXT_X_SA_REPLAY] == NULL);
	/* FreeBSD: 8 bytes of bitmap */
	pfkey_buf_alloc(&b, PFKEY_DIALECT_FREEBSD, PFKEY_MSG_ADD,
	    PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(sad_to_pfkey(&e, &b, 0), 0);
	pfkey_buf_finish(&b, &msg, &len);
	memcpy(msgbuf, msg, len);
	pfkey_buf_free(&b);
	ATF_REQUIRE_EQ(pfkey_decode(msgbuf, len, PFKEY_DIALECT_FREEBSD,
	    PFKEY_DEC_NOREQ, &m), 0);
	ATF_CHECK_EQ(PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa)->sadb_sa_replay, 8);
	ATF_CHECK(m.ext[PFKEY_EXT_X_SA_REPLAY] == NULL);
	/* 4096 packets: the extension, in packets, in both */
	e.replay = 4096;
	pfkey_buf_alloc(&b, PFKEY_DIALECT_FREEBSD, PFKEY_MSG_ADD,
	    PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(sad_to_pfkey(&e, &b, 0), 0);
	pfkey_buf_finish(&b, &msg, &len);
	memcpy(msgbuf, msg, len);
	pfkey_buf_free(&b);
	ATF_REQUIRE_EQ(pfkey_decode(msgbuf, len, PFKEY_DIALECT_FREEBSD,
	    PFKEY_DEC_NOREQ, &m), 0);
	ATF_CHECK_EQ(PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa)->sadb_sa_replay,
	    255);
	ATF_REQUIRE(m.ext[PFKEY_EXT_X_SA_REPLAY] != NULL);
	ATF_CHECK_EQ(PFKEY_EXT(&m, PFKEY_EXT_X_SA_REPLAY, pfkey_x_sa_replay)->
	    replay, 4096);
	sad_entry_clear(&e);
}

/* Everything else an SA can carry, in the dialects that carry it. */
ATF_TC_WITHOUT_HEAD(every_field);
ATF_TC_BODY(every_field, tc)
{
	struct sad_entry e;
	struct sad_extra *x;
	size_t di;
	int v6;

	for (di = 0; di < 2; di++) {
		enum pfkey_dialect d = dialects[di];

		for (v6 = 0; v6 < 2; v6++) {
			base_sa(&e, PFKEY_SATYPE_ESP, v6);
			e.ealg = PFKEY_EALG_AESCBC;
			e.aalg = PFKEY_AALG_SHA1HMAC;
			set_keys(&e, pfkey_alg_info(PFKEY_ALG_AUTH, e.aalg),
			    pfkey_alg_info(PFKEY_ALG_ENCRYPT, e.ealg));
			e.has |= SAD_HAS_SA2_FIELDS | SAD_HAS_LT_CUR |
			    SAD_HAS_LT_HARD | SAD_HAS_LT_SOFT | SAD_HAS_PROXY |
			    SAD_HAS_IDENT_SRC | SAD_HAS_IDENT_DST |
			    SAD_HAS_NATT | SAD_HAS_NATT_OA;
			e.mode = PFKEY_MODE_TUNNEL;
			e.reqid = 16383;
			e.seq = 0xfeedbeef;
			e.state = PFKEY_SASTATE_DYING;
			e.flags = PFKEY_SAFLAG_PZERO | PFKEY_SAFLAG_CYCSEQ;
			e.replay = 128;
			e.cur = (struct sad_lifetime){ 5, 123456789,
			    1700000000, 1700000123 };
			e.hard = (struct sad_lifetime){ 0, 1ULL << 40, 3600,
			    600 };
			e.soft = (struct sad_lifetime){ 0, 1ULL << 39, 2880,
			    480 };
			x = sad_entry_extra(&e);
			x->proxy = v6 ? A("2001:db8::99", 0) : A("10.9.9.9", 0);
			x->ident_src = (struct sad_ident){ PFKEY_IDENT_FQDN,
			    0, strdup("gw1.example.org") };
			x->ident_dst = (struct sad_ident){ PFKEY_IDENT_USERFQDN,
			    77, strdup("user@example.org") };
			x->natt_type = PFKEY_NATT_ESPINUDP;
			x->natt_sport = 4500;
			x->natt_dport = 61000;
			x->natt_oa = v6 ? A("fd00::1", 0) : A("172.16.0.1", 0);
			if (d == PFKEY_DIALECT_FREEBSD) {
				e.has |= SAD_HAS_NATT_OAR | SAD_HAS_NATT_FRAG;
				x->natt_oar = v6 ? A("fd00::2", 0) :
				    A("172.16.0.2", 0);
				x->natt_frag = 1400;
			} else {
				e.has |= SAD_HAS_CTX;
				x->ctx_doi = 1;
				x->ctx_alg = 1;
				x->ctx = strdup("system_u:object_r:ipsec_t:s0");
				x->ctx_len = (uint16_t)strlen(x->ctx);
			}
			e.src.port = 4500;
			e.dst.port = 4500;
			sa_roundtrip(d, &e, SAD_PK_KEYS, v6 ? "full v6" :
			    "full v4");
			sad_entry_clear(&e);
		}
	}
}

/* Unknown algorithm numbers survive as raw numbers. */
ATF_TC_WITHOUT_HEAD(raw_algorithms);
ATF_TC_BODY(raw_algorithms, tc)
{
	struct sad_entry e;
	size_t di;

	for (di = 0; di < 2; di++) {
		base_sa(&e, PFKEY_SATYPE_ESP, false);
		e.ealg = SAD_ALG_RAW(201);
		e.aalg = SAD_ALG_RAW(202);
		sa_roundtrip(dialects[di], &e, 0, "raw");
		sad_entry_clear(&e);
	}
	/* a known number is not raw: FreeBSD's 15 is chacha */
	base_sa(&e, PFKEY_SATYPE_ESP, false);
	e.ealg = PFKEY_EALG_CHACHA20POLY1305;
	sa_roundtrip(PFKEY_DIALECT_FREEBSD, &e, 0, "chacha");
	sa_roundtrip(PFKEY_DIALECT_LINUX, &e, 0, "chacha");
	sad_entry_clear(&e);
}

/* What a dialect cannot say is refused, not silently changed. */
ATF_TC_WITHOUT_HEAD(dialect_limits);
ATF_TC_BODY(dialect_limits, tc)
{
	struct sad_entry e;
	struct pfkey_buf b;

	base_sa(&e, PFKEY_SATYPE_ESP, false);
	e.ealg = PFKEY_EALG_AES_CCM_ICV12;	/* Linux only */
	pfkey_buf_alloc(&b, PFKEY_DIALECT_FREEBSD, PFKEY_MSG_ADD, 3, 1, 1);
	ATF_CHECK_EQ(sad_to_pfkey(&e, &b, 0), SAD_ERR_DIALECT);
	pfkey_buf_free(&b);
	e.ealg = PFKEY_EALG_AESCBC;
	e.has |= SAD_HAS_NATT_OAR;		/* FreeBSD only */
	sad_entry_extra(&e)->natt_oar = A("10.0.0.1", 0);
	pfkey_buf_alloc(&b, PFKEY_DIALECT_LINUX, PFKEY_MSG_ADD, 3, 1, 1);
	ATF_CHECK_EQ(sad_to_pfkey(&e, &b, 0), SAD_ERR_DIALECT);
	pfkey_buf_free(&b);
	sad_entry_clear(&e);
}

/* ------------------------------------------------------------- policies */

static void
sp_roundtrip(enum pfkey_dialect d, const struct spd_entry *p,
    const char *what)
{
	struct spd_entry back;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg;
	size_t len;
	char why[256];
	int rc;

	ATF_REQUIRE_EQ(pfkey_buf_alloc(&b, d, PFKEY_MSG_X_SPDADD, 0, 1,
	    p->pid), 0);
	rc = spd_to_pfkey(p, &b, 0);
	ATF_REQUIRE_MSG(rc == 0, "%s/%s: spd_to_pfkey %s (%s)", what,
	    pfkey_dialect_name(d), sad_strerror(rc), pfkey_strerror(b.error));
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	memcpy(msgbuf, msg, len);
	pfkey_buf_free(&b);
	rc = pfkey_decode(msgbuf, len, d, 0, &m);
	pfkey_decode_error(&m, rc, why, sizeof(why));
	ATF_REQUIRE_MSG(rc == 0, "%s: decode: %s", what, why);
	ATF_REQUIRE_EQ(spd_from_pfkey(&m, &back), 0);
	ATF_CHECK_MSG(spd_entry_equal(p, &back), "%s/%s: not the same policy",
	    what, pfkey_dialect_name(d));
	spd_entry_clear(&back);
}

ATF_TC_WITHOUT_HEAD(policies);
ATF_TC_BODY(policies, tc)
{
	static const uint8_t actions[] = { PFKEY_POLICY_DISCARD,
	    PFKEY_POLICY_NONE, PFKEY_POLICY_IPSEC, PFKEY_POLICY_ENTRUST,
	    PFKEY_POLICY_BYPASS };
	static const uint8_t protos[] = { PFKEY_IPPROTO_ESP, PFKEY_IPPROTO_AH,
	    PFKEY_IPPROTO_IPCOMP };
	struct spd_entry p;
	char what[64];
	size_t di, ai, n;
	int v6, dir;

	for (di = 0; di < 2; di++) {
		enum pfkey_dialect d = dialects[di];

		for (ai = 0; ai < sizeof(actions); ai++)
		for (v6 = 0; v6 < 2; v6++)
		for (dir = 1; dir <= (d == PFKEY_DIALECT_LINUX ? 3 : 2); dir++) {
			spd_entry_init(&p);
			p.pid = 99;
			p.dir = (uint8_t)dir;
			p.action = actions[ai];
			p.sel.src = v6 ? A("2001:db8:1::", 0) : A("10.1.0.0", 0);
			p.sel.src.plen = v6 ? 48 : 16;
			p.sel.dst = v6 ? A("2001:db8:2::5", 443) :
			    A("10.2.3.4", 443);
			p.sel.proto = 6;
			p.id = 0x1000 + (uint32_t)dir;
			p.has |= SPD_HAS_ID;
			if (d == PFKEY_DIALECT_LINUX) {
				p.priority = 0x80000000u - 100;
				p.has |= SPD_HAS_PRIORITY | SPD_HAS_CTX;
				p.ctx = strdup("ctx");
				p.ctx_len = 3;
				p.ctx_doi = p.ctx_alg = 1;
			} else {
				p.scope = PFKEY_SCOPE_GLOBAL;
				p.has |= SPD_HAS_SCOPE;
			}
			if (p.action == PFKEY_POLICY_IPSEC) {
				for (n = 0; n < 3; n++) {
					struct spd_request *r = &p.req[n];

					r->proto = protos[n];
					r->mode = n == 2 ? PFKEY_MODE_TUNNEL :
					    PFKEY_MODE_TRANSPORT;
					r->level = (uint8_t)(n + 1);
					r->reqid = (uint32_t)n * 100;
					if (n == 2) {
						r->src = v6 ? A("2001:db8::a",
						    4500) : A("192.0.2.1", 4500);
						r->dst = v6 ? A("2001:db8::b",
						    0) : A("192.0.2.2", 0);
					}
				}
				p.nreq = 3;
			}
			p.has |= SPD_HAS_LT_CUR | SPD_HAS_LT_HARD;
			p.cur = (struct sad_lifetime){ 0, 0, 1700000000, 0 };
			p.hard = (struct sad_lifetime){ 0, 0, 3600, 60 };
			snprintf(what, sizeof(what), "action %u dir %d v6 %d",
			    p.action, dir, v6);
			sp_roundtrip(d, &p, what);
			spd_entry_clear(&p);
		}
	}
}

/* The checks name what is wrong. */
ATF_TC_WITHOUT_HEAD(entry_checks);
ATF_TC_BODY(entry_checks, tc)
{
	struct sad_entry e;
	const char *why;

	base_sa(&e, PFKEY_SATYPE_ESP, false);
	e.ealg = PFKEY_EALG_AESCBC;
	e.aalg = PFKEY_AALG_SHA1HMAC;
	set_keys(&e, pfkey_alg_info(PFKEY_ALG_AUTH, e.aalg),
	    pfkey_alg_info(PFKEY_ALG_ENCRYPT, e.ealg));
	ATF_CHECK_EQ(sad_entry_check(&e, &why), 0);
	sad_key_set(&e.ekey, "0123456789abcdef0123", 160);
	ATF_CHECK_EQ(sad_entry_check(&e, &why), SAD_ERR_KEYLEN);
	ATF_CHECK_STREQ(why, "encryption key length invalid for the "
	    "algorithm");
	e.ealg = PFKEY_EALG_AES_GCM_ICV16;	/* 160 fits GCM, but... */
	ATF_CHECK_EQ(sad_entry_check(&e, &why), SAD_ERR_ALG);
	ATF_CHECK_STREQ(why, "an AEAD cipher takes no authentication "
	    "algorithm");
	e.aalg = PFKEY_AALG_NONE;
	ATF_CHECK_EQ(sad_entry_check(&e, &why), 0);
	e.dst = A("2001:db8::1", 0);
	ATF_CHECK_EQ(sad_entry_check(&e, &why), SAD_ERR_FAMILY);
	sad_entry_clear(&e);

	base_sa(&e, PFKEY_SATYPE_ESP, false);
	e.ealg = PFKEY_EALG_NULL;
	ATF_CHECK_EQ(sad_entry_check(&e, &why), SAD_ERR_ALG);
	ATF_CHECK_STREQ(why, "ESP with null encryption needs authentication");
	e.satype = PFKEY_SATYPE_AH;
	e.ealg = 0;
	ATF_CHECK_EQ(sad_entry_check(&e, &why), SAD_ERR_ALG);
	e.aalg = PFKEY_AALG_SHA2_512HMAC;
	sad_key_set(&e.akey, msgbuf, 512);
	ATF_CHECK_EQ(sad_entry_check(&e, &why), 0);
	sad_key_set(&e.akey, msgbuf, 256);
	ATF_CHECK_EQ(sad_entry_check(&e, &why), SAD_ERR_KEYLEN);
	sad_entry_clear(&e);
}

/* Copies are deep: clearing one leaves the other whole. */
ATF_TC_WITHOUT_HEAD(copy_deep);
ATF_TC_BODY(copy_deep, tc)
{
	struct sad_entry e, c;

	base_sa(&e, PFKEY_SATYPE_ESP, true);
	e.ealg = PFKEY_EALG_AESCBC;
	set_keys(&e, NULL, pfkey_alg_info(PFKEY_ALG_ENCRYPT, e.ealg));
	e.has |= SAD_HAS_CTX | SAD_HAS_IDENT_SRC;
	sad_entry_extra(&e)->ctx = strdup("abc");
	e.x->ctx_len = 3;
	e.x->ident_src.str = strdup("id");
	ATF_REQUIRE_EQ(sad_entry_copy(&c, &e), 0);
	ATF_CHECK(c.ekey.data != e.ekey.data && c.x != e.x &&
	    c.x->ctx != e.x->ctx);
	ATF_CHECK(sad_entry_equal(&c, &e));
	sad_entry_clear(&e);
	ATF_CHECK_EQ(c.ekey.bits, 128);
	ATF_CHECK_STREQ(c.x->ident_src.str, "id");
	sad_entry_clear(&c);
	ATF_CHECK(c.x == NULL && c.ekey.data == NULL);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, every_algorithm);
	ATF_TP_ADD_TC(tp, replay_windows);
	ATF_TP_ADD_TC(tp, replay_encoding);
	ATF_TP_ADD_TC(tp, every_field);
	ATF_TP_ADD_TC(tp, raw_algorithms);
	ATF_TP_ADD_TC(tp, dialect_limits);
	ATF_TP_ADD_TC(tp, policies);
	ATF_TP_ADD_TC(tp, entry_checks);
	ATF_TP_ADD_TC(tp, copy_deep);
	return (atf_no_error());
}
