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
 * pfkey_print() tests: messages built with the pfkey_put_* API, decoded,
 * printed and compared with golden text written out below.  The golden
 * text is the format's specification (see the comment at the top of
 * libpfkey/pfkey_print.c); a change to either must change both.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"

#define LX	PFKEY_DIALECT_LINUX
#define FB	PFKEY_DIALECT_FREEBSD
#define FROMK	PFKEY_DEC_FROM_KERNEL

/* A message under construction, then its decoded view. */
struct tmsg {
	uint64_t		 mem[4096 / 8];
	struct pfkey_buf	 b;
	const void		*msg;
	size_t			 len;
	struct pfkey_msg	 m;
};

/* Key material that must never show up in output without PFKEY_PR_KEYS. */
static const uint8_t akey[20] = {
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8, 0xa9,
	0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0xb0, 0xb1, 0xb2, 0xb3
};
static const uint8_t ekey[16] = {
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7,
	0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf
};
#define AKEY_HEX	"a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
#define EKEY_HEX	"c0c1c2c3c4c5c6c7c8c9cacbcccdcecf"

static bool
little_endian(void)
{
	uint16_t v = 1;

	return (*(uint8_t *)&v == 1);
}

static struct sockaddr_storage
addr(const char *s, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else {
		ATF_REQUIRE(inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	}
	return (ss);
}

static void
t_begin(struct tmsg *t, enum pfkey_dialect d, uint8_t type, uint8_t satype,
    uint32_t seq, uint32_t pid)
{
	memset(t, 0, sizeof(*t));
	ATF_REQUIRE_EQ(pfkey_buf_init(&t->b, t->mem, sizeof(t->mem), d, type,
	    satype, seq, pid), 0);
}

static void
t_addr(struct tmsg *t, int ext, const char *a, uint16_t port, uint8_t plen,
    uint8_t proto)
{
	struct sockaddr_storage ss = addr(a, port);

	ATF_REQUIRE_EQ(pfkey_put_address(&t->b, ext,
	    (struct sockaddr *)&ss, plen, proto), 0);
}

static void
t_sa(struct tmsg *t, uint32_t spi, uint8_t replay, uint8_t state,
    uint8_t auth, uint8_t enc, uint32_t flags)
{
	struct pfkey_sa_args a;

	memset(&a, 0, sizeof(a));
	a.spi = htonl(spi);
	a.replay = replay;
	a.state = state;
	a.auth = auth;
	a.encrypt = enc;
	a.flags = flags;
	ATF_REQUIRE_EQ(pfkey_put_sa(&t->b, &a), 0);
}

static void
t_life(struct tmsg *t, int ext, uint32_t alloc, uint64_t bytes,
    uint64_t add, uint64_t use)
{
	struct pfkey_lifetime_args a;

	a.allocations = alloc;
	a.bytes = bytes;
	a.addtime = add;
	a.usetime = use;
	ATF_REQUIRE_EQ(pfkey_put_lifetime(&t->b, ext, &a), 0);
}

static void
t_finish(struct tmsg *t, int decflags)
{
	int rc;

	rc = pfkey_buf_finish(&t->b, &t->msg, &t->len);
	ATF_REQUIRE_EQ_MSG(rc, 0, "finish: %s", pfkey_strerror(rc));
	rc = pfkey_decode(t->msg, t->len, t->b.dialect, decflags, &t->m);
	ATF_REQUIRE_EQ_MSG(rc, 0, "decode: %s", pfkey_strerror(rc));
}

/* Print into an exactly sized heap buffer (so ASan sees any overrun). */
static char *
print(const struct pfkey_msg *m, int flags)
{
	char *s;
	int n, n2;

	n = pfkey_print(m, flags, NULL, 0);
	ATF_REQUIRE_MSG(n > 0, "pfkey_print: %d (%s)", n, pfkey_strerror(n));
	ATF_REQUIRE((s = malloc((size_t)n + 1)) != NULL);
	n2 = pfkey_print(m, flags, s, (size_t)n + 1);
	ATF_REQUIRE_EQ(n, n2);
	ATF_REQUIRE_EQ(strlen(s), (size_t)n);
	return (s);
}

static void
check_print(const struct pfkey_msg *m, int flags, const char *want)
{
	char *got = print(m, flags);

	ATF_CHECK_MSG(strcmp(got, want) == 0,
	    "output differs\n--- got:\n%s--- want:\n%s", got, want);
	free(got);
}

static void
check_contains(const struct pfkey_msg *m, int flags, const char *needle,
    bool want)
{
	char *got = print(m, flags);

	ATF_CHECK_MSG((strstr(got, needle) != NULL) == want,
	    "\"%s\" %s in:\n%s", needle, want ? "missing" : "present", got);
	free(got);
}

/* The ESP SA most tests use: SHA1 + AES-CBC, 10.0.0.1 -> 10.0.0.2. */
static void
t_esp_sa(struct tmsg *t, enum pfkey_dialect d, uint8_t type, int decflags)
{
	t_begin(t, d, type, PFKEY_SATYPE_ESP, 1, 4242);
	t_sa(t, 0x1000, 4, PFKEY_SASTATE_MATURE, 3, 12, PFKEY_SAFLAG_CYCSEQ);
	t_life(t, PFKEY_EXT_LIFETIME_HARD, 0, 0, 3600, 0);
	t_life(t, PFKEY_EXT_LIFETIME_SOFT, 0, 0, 2880, 0);
	t_addr(t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	ATF_REQUIRE_EQ(pfkey_put_key(&t->b, PFKEY_EXT_KEY_AUTH, akey, 160), 0);
	ATF_REQUIRE_EQ(pfkey_put_key(&t->b, PFKEY_EXT_KEY_ENCRYPT, ekey, 128),
	    0);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&t->b, PFKEY_MODE_TRANSPORT, 0, 0), 0);
	t_finish(t, decflags);
}

/* ------------------------------------------------------------------ SAs */

ATF_TC_WITHOUT_HEAD(add_esp);
ATF_TC_BODY(add_esp, tc)
{
	struct tmsg t;

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	check_print(&t.m, 0,
	    "ADD satype=esp errno=0 seq=1 pid=4242 len=216 dialect=linux\n"
	    "  SA: spi=0x00001000(4096) replay=4 state=mature "
	    "auth=hmac-sha1(3) enc=aes-cbc(12) flags=0x00000040(cycseq)\n"
	    "  LIFETIME_HARD: allocations=0 bytes=0 addtime=3600 usetime=0\n"
	    "  LIFETIME_SOFT: allocations=0 bytes=0 addtime=2880 usetime=0\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n"
	    "  KEY_AUTH: bits=160 <hidden>\n"
	    "  KEY_ENCRYPT: bits=128 <hidden>\n"
	    "  X_SA2: mode=transport sequence=0 reqid=0\n");
	check_print(&t.m, PFKEY_PR_KEYS,
	    "ADD satype=esp errno=0 seq=1 pid=4242 len=216 dialect=linux\n"
	    "  SA: spi=0x00001000(4096) replay=4 state=mature "
	    "auth=hmac-sha1(3) enc=aes-cbc(12) flags=0x00000040(cycseq)\n"
	    "  LIFETIME_HARD: allocations=0 bytes=0 addtime=3600 usetime=0\n"
	    "  LIFETIME_SOFT: allocations=0 bytes=0 addtime=2880 usetime=0\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n"
	    "  KEY_AUTH: bits=160 0x" AKEY_HEX "\n"
	    "  KEY_ENCRYPT: bits=128 0x" EKEY_HEX "\n"
	    "  X_SA2: mode=transport sequence=0 reqid=0\n");
}

ATF_TC_WITHOUT_HEAD(getspi);
ATF_TC_BODY(getspi, tc)
{
	struct tmsg t;

	/* The request: a range and the endpoints. */
	t_begin(&t, FB, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP, 7, 300);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(pfkey_put_spirange(&t.b, 0x100, 0x0fffffff), 0);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&t.b, PFKEY_MODE_TUNNEL, 0, 16385), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "GETSPI satype=esp errno=0 seq=7 pid=300 len=96 dialect=freebsd\n"
	    "  ADDRESS_SRC: 192.0.2.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 192.0.2.2/32 port=0 proto=255\n"
	    "  SPIRANGE: min=0x00000100(256) max=0x0fffffff(268435455)\n"
	    "  X_SA2: mode=tunnel sequence=0 reqid=16385\n");

	/* The reply: a larval SA with the SPI the kernel chose. */
	t_begin(&t, FB, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP, 7, 300);
	t_sa(&t, 0xc0ffee01, 0, PFKEY_SASTATE_LARVAL, 0, 0, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&t.b, PFKEY_MODE_TUNNEL, 0, 16385), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "GETSPI satype=esp errno=0 seq=7 pid=300 len=96 dialect=freebsd\n"
	    "  SA: spi=0xc0ffee01(3237998081) replay=0 state=larval "
	    "auth=none(0) enc=none(0) flags=0x00000000\n"
	    "  ADDRESS_SRC: 192.0.2.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 192.0.2.2/32 port=0 proto=255\n"
	    "  X_SA2: mode=tunnel sequence=0 reqid=16385\n");
}

ATF_TC_WITHOUT_HEAD(dump_reply);
ATF_TC_BODY(dump_reply, tc)
{
	struct tmsg t;

	/* The last part of a DUMP reply: seq 0, keys, all three lifetimes. */
	t_begin(&t, LX, PFKEY_MSG_DUMP, PFKEY_SATYPE_ESP, 0, 555);
	t_sa(&t, 0x2000, 32, PFKEY_SASTATE_MATURE, 5, 12,
	    PFKEY_SAFLAG_LX_NOECN | PFKEY_SAFLAG_LX_NOPMTUDISC);
	t_life(&t, PFKEY_EXT_LIFETIME_CURRENT, 3, 123456789012ULL,
	    1700000000, 1700000100);
	t_life(&t, PFKEY_EXT_LIFETIME_HARD, 100, 0, 28800, 0);
	t_life(&t, PFKEY_EXT_LIFETIME_SOFT, 80, 0, 23040, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "2001:db8::1", 0, 128, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "2001:db8::2", 0, 128, 255);
	ATF_REQUIRE_EQ(pfkey_put_key(&t.b, PFKEY_EXT_KEY_AUTH, akey, 160), 0);
	ATF_REQUIRE_EQ(pfkey_put_key(&t.b, PFKEY_EXT_KEY_ENCRYPT, ekey, 128),
	    0);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&t.b, PFKEY_MODE_TUNNEL, 17, 3), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "DUMP satype=esp errno=0 seq=0 pid=555 len=280 dialect=linux\n"
	    "  SA: spi=0x00002000(8192) replay=32 state=mature "
	    "auth=hmac-sha2-256(5) enc=aes-cbc(12) "
	    "flags=0xa0000000(nopmtudisc,noecn)\n"
	    "  LIFETIME_CURRENT: allocations=3 bytes=123456789012 "
	    "addtime=1700000000 usetime=1700000100\n"
	    "  LIFETIME_HARD: allocations=100 bytes=0 addtime=28800 "
	    "usetime=0\n"
	    "  LIFETIME_SOFT: allocations=80 bytes=0 addtime=23040 usetime=0\n"
	    "  ADDRESS_SRC: 2001:db8::1/128 port=0 proto=255\n"
	    "  ADDRESS_DST: 2001:db8::2/128 port=0 proto=255\n"
	    "  KEY_AUTH: bits=160 <hidden>\n"
	    "  KEY_ENCRYPT: bits=128 <hidden>\n"
	    "  X_SA2: mode=tunnel sequence=17 reqid=3\n");
}

ATF_TC_WITHOUT_HEAD(register_reply);
ATF_TC_BODY(register_reply, tc)
{
	static const struct sadb_alg aalgs[] = {
		{ 2, 0, 128, 128, 0 },
		{ 3, 0, 160, 160, 0 },
		{ 5, 0, 256, 256, 0 },
	};
	static const struct sadb_alg ealgs[] = {
		{ 3, 8, 192, 192, 0 },
		{ 12, 16, 128, 256, 0 },
		{ 15, 8, 152, 280, 0 },
	};
	static const struct sadb_alg calgs[] = {
		{ 2, 0, 0, 0, 0 },
		{ 4, 0, 0, 0, 0 },
	};
	struct tmsg t;

	t_begin(&t, LX, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP, 2, 77);
	ATF_REQUIRE_EQ(pfkey_put_supported(&t.b, PFKEY_EXT_SUPPORTED_AUTH,
	    aalgs, 3), 0);
	ATF_REQUIRE_EQ(pfkey_put_supported(&t.b, PFKEY_EXT_SUPPORTED_ENCRYPT,
	    ealgs, 3), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "REGISTER satype=esp errno=0 seq=2 pid=77 len=80 dialect=linux\n"
	    "  SUPPORTED_AUTH: algs=3\n"
	    "    alg#0: hmac-md5(2) ivlen=0 bits=128-128\n"
	    "    alg#1: hmac-sha1(3) ivlen=0 bits=160-160\n"
	    "    alg#2: hmac-sha2-256(5) ivlen=0 bits=256-256\n"
	    "  SUPPORTED_ENCRYPT: algs=3\n"
	    "    alg#0: 3des-cbc(3) ivlen=8 bits=192-192\n"
	    "    alg#1: aes-cbc(12) ivlen=16 bits=128-256\n"
	    "    alg#2: aes-ccm-12(15) ivlen=8 bits=152-280\n");

	/* IPComp registers compression algorithms as SUPPORTED_ENCRYPT. */
	t_begin(&t, LX, PFKEY_MSG_REGISTER, PFKEY_SATYPE_IPCOMP, 3, 77);
	ATF_REQUIRE_EQ(pfkey_put_supported(&t.b, PFKEY_EXT_SUPPORTED_ENCRYPT,
	    calgs, 2), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "REGISTER satype=ipcomp errno=0 seq=3 pid=77 len=40 "
	    "dialect=linux\n"
	    "  SUPPORTED_ENCRYPT: algs=2\n"
	    "    alg#0: deflate(2) ivlen=0 bits=0-0\n"
	    "    alg#1: lzjh(4) ivlen=0 bits=0-0\n");
}

static struct sadb_comb
comb(uint8_t auth, uint16_t amin, uint16_t amax, uint8_t enc, uint16_t emin,
    uint16_t emax)
{
	struct sadb_comb c;

	memset(&c, 0, sizeof(c));
	c.sadb_comb_auth = auth;
	c.sadb_comb_auth_minbits = amin;
	c.sadb_comb_auth_maxbits = amax;
	c.sadb_comb_encrypt = enc;
	c.sadb_comb_encrypt_minbits = emin;
	c.sadb_comb_encrypt_maxbits = emax;
	return (c);
}

ATF_TC_WITHOUT_HEAD(acquire_proposal);
ATF_TC_BODY(acquire_proposal, tc)
{
	struct sadb_comb combs[2];
	struct pfkey_policy pol;
	struct tmsg t;

	combs[0] = comb(3, 160, 160, 12, 128, 256);
	combs[0].sadb_comb_soft_addtime = 2880;
	combs[0].sadb_comb_hard_addtime = 3600;
	combs[0].sadb_comb_soft_bytes = 1000000;
	combs[0].sadb_comb_hard_bytes = 2000000;
	combs[1] = comb(5, 256, 256, 3, 192, 192);
	combs[1].sadb_comb_flags = 1;
	combs[1].sadb_comb_soft_allocations = 5;
	combs[1].sadb_comb_hard_allocations = 10;
	combs[1].sadb_comb_soft_usetime = 60;
	combs[1].sadb_comb_hard_usetime = 120;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.id = 42;
	pol.nreq = 1;
	pol.req[0].proto = PFKEY_IPPROTO_ESP;
	pol.req[0].mode = PFKEY_MODE_TRANSPORT;
	pol.req[0].level = PFKEY_LEVEL_REQUIRE;

	t_begin(&t, LX, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP, 9, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
	ATF_REQUIRE_EQ(pfkey_put_proposal(&t.b, 32, combs, 2), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "ACQUIRE satype=esp errno=0 seq=9 pid=0 len=248 dialect=linux\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n"
	    "  PROPOSAL: replay=32 combs=2\n"
	    "    comb#0: auth=hmac-sha1(3) auth_bits=160-160 enc=aes-cbc(12) "
	    "enc_bits=128-256 flags=0x0000 allocations=0/0 "
	    "bytes=1000000/2000000 addtime=2880/3600 usetime=0/0\n"
	    "    comb#1: auth=hmac-sha2-256(5) auth_bits=256-256 "
	    "enc=3des-cbc(3) enc_bits=192-192 flags=0x0001 allocations=5/10 "
	    "bytes=0/0 addtime=0/0 usetime=60/120\n"
	    "  X_POLICY: type=ipsec dir=out id=42 priority=0 reqs=1\n"
	    "    req#0: proto=esp mode=transport level=require reqid=0\n");
}

ATF_TC_WITHOUT_HEAD(expire_lifetimes);
ATF_TC_BODY(expire_lifetimes, tc)
{
	struct tmsg t;

	t_begin(&t, FB, PFKEY_MSG_EXPIRE, PFKEY_SATYPE_AH, 0, 0);
	t_sa(&t, 0x3000, 8, PFKEY_SASTATE_DYING, 7, 0, 0);
	t_life(&t, PFKEY_EXT_LIFETIME_CURRENT, 12, 4096, 1700000000,
	    1700000500);
	t_life(&t, PFKEY_EXT_LIFETIME_HARD, 0, 1048576, 0, 0);
	t_life(&t, PFKEY_EXT_LIFETIME_SOFT, 0, 838860, 0, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "EXPIRE satype=ah errno=0 seq=0 pid=0 len=176 dialect=freebsd\n"
	    "  SA: spi=0x00003000(12288) replay=8 state=dying "
	    "auth=hmac-sha2-512(7) enc=none(0) flags=0x00000000\n"
	    "  LIFETIME_CURRENT: allocations=12 bytes=4096 addtime=1700000000 "
	    "usetime=1700000500\n"
	    "  LIFETIME_HARD: allocations=0 bytes=1048576 addtime=0 "
	    "usetime=0\n"
	    "  LIFETIME_SOFT: allocations=0 bytes=838860 addtime=0 usetime=0\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n");
}

ATF_TC_WITHOUT_HEAD(ipcomp_sa);
ATF_TC_BODY(ipcomp_sa, tc)
{
	struct tmsg t;

	/* sadb_sa_encrypt of an IPComp SA is a compression algorithm. */
	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_IPCOMP, 4, 1);
	t_sa(&t, 0x4242, 0, PFKEY_SASTATE_MATURE, 0, 2, PFKEY_SAFLAG_RAWCPI);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "ADD satype=ipcomp errno=0 seq=4 pid=1 len=80 dialect=linux\n"
	    "  SA: spi=0x00004242(16962) replay=0 state=mature auth=none(0) "
	    "comp=deflate(2) flags=0x00000080(rawcpi)\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n");
}

/* 15 is ChaCha20-Poly1305 on FreeBSD but AES-CCM-ICV12 on Linux. */
ATF_TC_WITHOUT_HEAD(alg_dialect);
ATF_TC_BODY(alg_dialect, tc)
{
	struct tmsg t;

	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	t_sa(&t, 0x100, 4, PFKEY_SASTATE_MATURE, 0, 15, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	t_finish(&t, 0);
	check_contains(&t.m, 0, " auth=none(0) enc=aes-ccm-12(15) ", true);

	t_begin(&t, FB, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	t_sa(&t, 0x100, 4, PFKEY_SASTATE_MATURE, 0, 15, PFKEY_SAFLAG_ESN);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	t_finish(&t, 0);
	check_contains(&t.m, 0,
	    " auth=none(0) enc=chacha20-poly1305(15) flags=0x00000400(esn)\n",
	    true);

	/* A FreeBSD-only auth number means nothing on Linux. */
	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	t_sa(&t, 0x100, 4, PFKEY_SASTATE_MATURE, 14, 15, PFKEY_SAFLAG_ESN);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	t_finish(&t, 0);
	check_contains(&t.m, 0,
	    " auth=14 enc=aes-ccm-12(15) flags=0x00000400\n", true);
}

ATF_TC_WITHOUT_HEAD(unknown_alg);
ATF_TC_BODY(unknown_alg, tc)
{
	static const struct sadb_alg algs[] = { { 99, 4, 8, 16, 0 } };
	struct sadb_comb c = comb(98, 1, 2, 201, 3, 4);
	struct tmsg t;

	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	t_sa(&t, 0x100, 4, PFKEY_SASTATE_MATURE, 99, 200, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 0, 32, 255);
	ATF_REQUIRE_EQ(pfkey_put_proposal(&t.b, 0, &c, 1), 0);
	ATF_REQUIRE_EQ(pfkey_put_supported(&t.b, PFKEY_EXT_SUPPORTED_AUTH,
	    algs, 1), 0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_print(&t.m, 0,
	    "ADD satype=esp errno=0 seq=1 pid=1 len=176 dialect=linux\n"
	    "  SA: spi=0x00000100(256) replay=4 state=mature auth=99 enc=200 "
	    "flags=0x00000000\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n"
	    "  PROPOSAL: replay=0 combs=1\n"
	    "    comb#0: auth=98 auth_bits=1-2 enc=201 enc_bits=3-4 "
	    "flags=0x0000 allocations=0/0 bytes=0/0 addtime=0/0 usetime=0/0\n"
	    "  SUPPORTED_AUTH: algs=1\n"
	    "    alg#0: 99 ivlen=4 bits=8-16\n");
}

ATF_TC_WITHOUT_HEAD(identity_sensitivity);
ATF_TC_BODY(identity_sensitivity, tc)
{
	static const char evil[] = "a\"b\\c\nd\x01\xff";
	static const uint64_t sens[] = { 1, 0x8000000000000000ULL };
	static const uint64_t integ[] = { 3 };
	struct tmsg t;

	t_begin(&t, FB, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP, 1, 0);
	ATF_REQUIRE_EQ(pfkey_put_identity(&t.b, PFKEY_EXT_IDENTITY_SRC,
	    PFKEY_IDENT_FQDN, 0, "vpn.example.com", 15), 0);
	ATF_REQUIRE_EQ(pfkey_put_identity(&t.b, PFKEY_EXT_IDENTITY_DST,
	    PFKEY_IDENT_ADDR, 12345678901ULL, evil, sizeof(evil) - 1), 0);
	ATF_REQUIRE_EQ(pfkey_put_sensitivity(&t.b, 1, 2, sens, 2, 3, integ, 1),
	    0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_print(&t.m, 0,
	    "ACQUIRE satype=esp errno=0 seq=1 pid=0 len=120 "
	    "dialect=freebsd\n"
	    "  IDENTITY_SRC: type=fqdn(2) id=0 \"vpn.example.com\"\n"
	    "  IDENTITY_DST: type=addr(4) id=12345678901 "
	    "\"a\\\"b\\\\c\\x0ad\\x01\\xff\"\n"
	    "  SENSITIVITY: dpd=1 sens_level=2 sens_len=2 integ_level=3 "
	    "integ_len=1 sens=0x0000000000000001,0x8000000000000000 "
	    "integ=0x0000000000000003\n");

	/* Type 4 is FreeBSD's; an empty identity prints "". */
	t_begin(&t, LX, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP, 1, 0);
	ATF_REQUIRE_EQ(pfkey_put_identity(&t.b, PFKEY_EXT_IDENTITY_SRC,
	    PFKEY_IDENT_ADDR, 0, NULL, 0), 0);
	ATF_REQUIRE_EQ(pfkey_put_identity(&t.b, PFKEY_EXT_IDENTITY_DST,
	    PFKEY_IDENT_USERFQDN, 0, "me@example.com", 14), 0);
	ATF_REQUIRE_EQ(pfkey_put_sensitivity(&t.b, 0, 0, NULL, 0, 0, NULL, 0),
	    0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_print(&t.m, 0,
	    "ACQUIRE satype=esp errno=0 seq=1 pid=0 len=80 dialect=linux\n"
	    "  IDENTITY_SRC: type=4 id=0 \"\"\n"
	    "  IDENTITY_DST: type=user_fqdn(3) id=0 \"me@example.com\"\n"
	    "  SENSITIVITY: dpd=0 sens_level=0 sens_len=0 integ_level=0 "
	    "integ_len=0\n");
}

/* ------------------------------------------------------------- policies */

static void
req(struct pfkey_policy *pol, uint16_t proto, uint8_t mode, uint8_t level,
    uint32_t reqid, const char *src, const char *dst)
{
	struct pfkey_ipsecreq *r = &pol->req[pol->nreq++];

	r->proto = proto;
	r->mode = mode;
	r->level = level;
	r->reqid = reqid;
	if (src != NULL) {
		r->src = addr(src, 0);
		r->dst = addr(dst, 0);
	}
}

ATF_TC_WITHOUT_HEAD(spdadd_tunnel_v4);
ATF_TC_BODY(spdadd_tunnel_v4, tc)
{
	struct pfkey_policy pol;
	struct tmsg t;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.priority = PFKEY_PRIORITY_DEFAULT + 100;
	req(&pol, PFKEY_IPPROTO_ESP, PFKEY_MODE_TUNNEL, PFKEY_LEVEL_REQUIRE,
	    0, "192.0.2.1", "198.51.100.1");
	req(&pol, PFKEY_IPPROTO_AH, PFKEY_MODE_TRANSPORT, PFKEY_LEVEL_UNIQUE,
	    9, NULL, NULL);

	t_begin(&t, LX, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, 5, 900);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.1.0.0", 0, 16, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.2.0.0", 500, 16, 17);
	t_life(&t, PFKEY_EXT_LIFETIME_HARD, 0, 0, 86400, 0);
	ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "X_SPDADD satype=unspec errno=0 seq=5 pid=900 len=176 "
	    "dialect=linux\n"
	    "  LIFETIME_HARD: allocations=0 bytes=0 addtime=86400 usetime=0\n"
	    "  ADDRESS_SRC: 10.1.0.0/16 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.2.0.0/16 port=500 proto=17\n"
	    "  X_POLICY: type=ipsec dir=out id=0 priority=2147483748 reqs=2\n"
	    "    req#0: proto=esp mode=tunnel level=require reqid=0 "
	    "src=192.0.2.1 dst=198.51.100.1\n"
	    "    req#1: proto=ah mode=transport level=unique reqid=9\n");
}

ATF_TC_WITHOUT_HEAD(spdadd_tunnel_v6);
ATF_TC_BODY(spdadd_tunnel_v6, tc)
{
	struct pfkey_policy pol;
	struct tmsg t;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_INBOUND;
	pol.scope = PFKEY_SCOPE_GLOBAL;
	pol.id = 17;
	req(&pol, PFKEY_IPPROTO_ESP, PFKEY_MODE_TUNNEL, PFKEY_LEVEL_UNIQUE,
	    7, "2001:db8::1", "2001:db8:ffff::2");
	pol.req[0].src = addr("2001:db8::1", 4500);
	pol.req[0].dst = addr("2001:db8:ffff::2", 4500);

	t_begin(&t, FB, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, 6, 901);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "2001:db8:1::", 0, 48, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "2001:db8:2::", 0, 48, 58);
	ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "X_SPDADD satype=unspec errno=0 seq=6 pid=901 len=176 "
	    "dialect=freebsd\n"
	    "  ADDRESS_SRC: 2001:db8:1::/48 port=0 proto=255\n"
	    "  ADDRESS_DST: 2001:db8:2::/48 port=0 proto=58\n"
	    "  X_POLICY: type=ipsec dir=in scope=global id=17 priority=0 "
	    "reqs=1\n"
	    "    req#0: proto=esp mode=tunnel level=unique reqid=7 "
	    "src=2001:db8::1[4500] dst=2001:db8:ffff::2[4500]\n");

	/* ifnet scope turns the priority word into an ifindex. */
	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_DISCARD;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.scope = PFKEY_SCOPE_IFNET;
	pol.priority = 3;
	t_begin(&t, FB, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, 6, 901);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "::", 0, 0, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "::", 0, 0, 255);
	ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "X_SPDADD satype=unspec errno=0 seq=6 pid=901 len=112 "
	    "dialect=freebsd\n"
	    "  ADDRESS_SRC: ::/0 port=0 proto=255\n"
	    "  ADDRESS_DST: ::/0 port=0 proto=255\n"
	    "  X_POLICY: type=discard dir=out scope=ifnet id=0 ifindex=3 "
	    "reqs=0\n");
}

/* ----------------------------------------------------------------- NAT-T */

ATF_TC_WITHOUT_HEAD(natt);
ATF_TC_BODY(natt, tc)
{
	struct tmsg t;

	t_begin(&t, LX, PFKEY_MSG_UPDATE, PFKEY_SATYPE_ESP, 3, 10);
	t_sa(&t, 0x5000, 4, PFKEY_SASTATE_MATURE, 3, 12, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "198.51.100.7", 4500, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "192.0.2.1", 4500, 32, 255);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_type(&t.b, PFKEY_NATT_ESPINUDP), 0);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&t.b, PFKEY_EXT_X_NAT_T_SPORT,
	    htons(4500)), 0);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&t.b, PFKEY_EXT_X_NAT_T_DPORT,
	    htons(61000)), 0);
	t_addr(&t, PFKEY_EXT_X_NAT_T_OA, "10.0.0.5", 0, 32, 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "UPDATE satype=esp errno=0 seq=3 pid=10 len=128 dialect=linux\n"
	    "  SA: spi=0x00005000(20480) replay=4 state=mature "
	    "auth=hmac-sha1(3) enc=aes-cbc(12) flags=0x00000000\n"
	    "  ADDRESS_SRC: 198.51.100.7/32 port=4500 proto=255\n"
	    "  ADDRESS_DST: 192.0.2.1/32 port=4500 proto=255\n"
	    "  X_NAT_T_TYPE: type=esp-in-udp(2)\n"
	    "  X_NAT_T_SPORT: port=4500\n"
	    "  X_NAT_T_DPORT: port=61000\n"
	    "  X_NAT_T_OA: 10.0.0.5/32 port=0 proto=0\n");

	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 3, 10);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_type(&t.b, PFKEY_NATT_ESPINUDP_NON_IKE),
	    0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_contains(&t.m, 0,
	    "  X_NAT_T_TYPE: type=esp-in-udp-non-ike(1)\n", true);
	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 3, 10);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_type(&t.b, 7), 0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_contains(&t.m, 0, "  X_NAT_T_TYPE: type=7\n", true);
}

/* -------------------------------------------------- dialect extensions */

ATF_TC_WITHOUT_HEAD(linux_only);
ATF_TC_BODY(linux_only, tc)
{
	static const char ctx[] = "system_u:object_r:ipsec_spd_t:s0";
	struct sockaddr_storage l, r;
	struct in_addr s4, d4;
	struct in6_addr s6, d6;
	struct pfkey_policy pol;
	struct tmsg t;

	/* X_SEC_CTX on a policy, with the NUL counted as Linux does. */
	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_FWD;
	pol.priority = 1000;
	req(&pol, PFKEY_IPPROTO_ESP, PFKEY_MODE_BEET, PFKEY_LEVEL_USE, 0,
	    NULL, NULL);
	t_begin(&t, LX, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, 1, 2);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.0.0.1", 0, 32, 6);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.0.0.2", 22, 32, 6);
	ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
	ATF_REQUIRE_EQ(pfkey_put_sec_ctx(&t.b, 1, 1, ctx, sizeof(ctx)), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "X_SPDADD satype=unspec errno=0 seq=1 pid=2 len=144 "
	    "dialect=linux\n"
	    "  ADDRESS_SRC: 10.0.0.1/32 port=0 proto=6\n"
	    "  ADDRESS_DST: 10.0.0.2/32 port=22 proto=6\n"
	    "  X_POLICY: type=ipsec dir=fwd id=0 priority=1000 reqs=1\n"
	    "    req#0: proto=esp mode=beet level=use reqid=0\n"
	    "  X_SEC_CTX: doi=1 alg=1 len=33 "
	    "\"system_u:object_r:ipsec_spd_t:s0\"\n");

	/* X_KMADDRESS in an X_MIGRATE. */
	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	req(&pol, PFKEY_IPPROTO_ESP, PFKEY_MODE_TUNNEL, PFKEY_LEVEL_REQUIRE,
	    1, "192.0.2.1", "192.0.2.2");
	req(&pol, PFKEY_IPPROTO_ESP, PFKEY_MODE_TUNNEL, PFKEY_LEVEL_REQUIRE,
	    1, "192.0.2.10", "192.0.2.2");
	l = addr("192.0.2.10", 500);
	r = addr("192.0.2.2", 4500);
	t_begin(&t, LX, PFKEY_MSG_X_MIGRATE, PFKEY_SATYPE_UNSPEC, 2, 2);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "10.1.0.0", 0, 24, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "10.2.0.0", 0, 24, 255);
	ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
	ATF_REQUIRE_EQ(pfkey_put_kmaddress(&t.b, (struct sockaddr *)&l,
	    (struct sockaddr *)&r), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "X_MIGRATE satype=unspec errno=0 seq=2 pid=2 len=216 "
	    "dialect=linux\n"
	    "  ADDRESS_SRC: 10.1.0.0/24 port=0 proto=255\n"
	    "  ADDRESS_DST: 10.2.0.0/24 port=0 proto=255\n"
	    "  X_POLICY: type=ipsec dir=out id=0 priority=0 reqs=2\n"
	    "    req#0: proto=esp mode=tunnel level=require reqid=1 "
	    "src=192.0.2.1 dst=192.0.2.2\n"
	    "    req#1: proto=esp mode=tunnel level=require reqid=1 "
	    "src=192.0.2.10 dst=192.0.2.2\n"
	    "  X_KMADDRESS: local=192.0.2.10[500] remote=192.0.2.2[4500]\n");

	/* X_FILTER on a DUMP request, IPv4 and IPv6. */
	ATF_REQUIRE(inet_pton(AF_INET, "10.0.0.0", &s4) == 1);
	ATF_REQUIRE(inet_pton(AF_INET, "0.0.0.0", &d4) == 1);
	t_begin(&t, LX, PFKEY_MSG_DUMP, PFKEY_SATYPE_ESP, 3, 2);
	ATF_REQUIRE_EQ(pfkey_put_filter(&t.b, AF_INET, &s4, 8, &d4, 0), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "DUMP satype=esp errno=0 seq=3 pid=2 len=56 dialect=linux\n"
	    "  X_FILTER: src=10.0.0.0/8 dst=0.0.0.0/0\n");
	ATF_REQUIRE(inet_pton(AF_INET6, "fd00::", &s6) == 1);
	ATF_REQUIRE(inet_pton(AF_INET6, "2001:db8::", &d6) == 1);
	t_begin(&t, LX, PFKEY_MSG_DUMP, PFKEY_SATYPE_UNSPEC, 3, 2);
	ATF_REQUIRE_EQ(pfkey_put_filter(&t.b, AF_INET6, &s6, 8, &d6, 32), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "DUMP satype=unspec errno=0 seq=3 pid=2 len=56 dialect=linux\n"
	    "  X_FILTER: src=fd00::/8 dst=2001:db8::/32\n");

	/* The Linux-only message X_NAT_T_NEW_MAPPING. */
	t_begin(&t, LX, PFKEY_MSG_X_NAT_T_NEW_MAPPING, PFKEY_SATYPE_ESP, 0, 0);
	t_sa(&t, 0x6000, 0, PFKEY_SASTATE_MATURE, 0, 0, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "198.51.100.9", 0, 32, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "192.0.2.1", 0, 32, 0);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&t.b, PFKEY_EXT_X_NAT_T_SPORT,
	    htons(1025)), 0);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&t.b, PFKEY_EXT_X_NAT_T_DPORT,
	    htons(4500)), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "X_NAT_T_NEW_MAPPING satype=esp errno=0 seq=0 pid=0 len=96 "
	    "dialect=linux\n"
	    "  SA: spi=0x00006000(24576) replay=0 state=mature auth=none(0) "
	    "enc=none(0) flags=0x00000000\n"
	    "  ADDRESS_SRC: 198.51.100.9/32 port=0 proto=0\n"
	    "  ADDRESS_DST: 192.0.2.1/32 port=0 proto=0\n"
	    "  X_NAT_T_SPORT: port=1025\n"
	    "  X_NAT_T_DPORT: port=4500\n");
}

ATF_TC_WITHOUT_HEAD(freebsd_only);
ATF_TC_BODY(freebsd_only, tc)
{
	struct tmsg t;

	/* NAT-T OAI/OAR, fragment size and replay window in packets. */
	t_begin(&t, FB, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 4, 20);
	t_sa(&t, 0x7000, 0, PFKEY_SASTATE_MATURE, 5, 20, PFKEY_SAFLAG_ESN);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "198.51.100.7", 4500, 32, 255);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "192.0.2.1", 4500, 32, 255);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_type(&t.b, PFKEY_NATT_ESPINUDP), 0);
	t_addr(&t, PFKEY_EXT_X_NAT_T_OA, "10.0.0.5", 0, 32, 0);
	t_addr(&t, PFKEY_EXT_X_NAT_T_OAR, "192.168.1.9", 0, 32, 0);
	ATF_REQUIRE_EQ(pfkey_put_nat_t_frag(&t.b, 1400), 0);
	ATF_REQUIRE_EQ(pfkey_put_sa_replay(&t.b, 1024), 0);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "ADD satype=esp errno=0 seq=4 pid=20 len=152 dialect=freebsd\n"
	    "  SA: spi=0x00007000(28672) replay=0 state=mature "
	    "auth=hmac-sha2-256(5) enc=aes-gcm-16(20) flags=0x00000400(esn)\n"
	    "  ADDRESS_SRC: 198.51.100.7/32 port=4500 proto=255\n"
	    "  ADDRESS_DST: 192.0.2.1/32 port=4500 proto=255\n"
	    "  X_NAT_T_TYPE: type=esp-in-udp(2)\n"
	    "  X_NAT_T_OA: 10.0.0.5/32 port=0 proto=0\n"
	    "  X_NAT_T_OAR: 192.168.1.9/32 port=0 proto=0\n"
	    "  X_NAT_T_FRAG: fraglen=1400\n"
	    "  X_SA_REPLAY: replay=1024\n");

	/* New addresses (an SA moving) and a TCP-MD5 SA. */
	t_begin(&t, FB, PFKEY_MSG_UPDATE, PFKEY_SATYPE_TCPSIGNATURE, 5, 20);
	t_sa(&t, 0x1000, 0, PFKEY_SASTATE_MATURE, 252, 0, 0);
	t_addr(&t, PFKEY_EXT_ADDRESS_SRC, "fe80::1", 179, 128, 6);
	t_addr(&t, PFKEY_EXT_ADDRESS_DST, "fe80::2", 0, 128, 6);
	t_addr(&t, PFKEY_EXT_X_NEW_ADDRESS_SRC, "2001:db8::10", 0, 128, 6);
	t_addr(&t, PFKEY_EXT_X_NEW_ADDRESS_DST, "2001:db8::20", 0, 128, 6);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "UPDATE satype=tcp errno=0 seq=5 pid=20 len=192 dialect=freebsd\n"
	    "  SA: spi=0x00001000(4096) replay=0 state=mature "
	    "auth=tcp-md5(252) enc=none(0) flags=0x00000000\n"
	    "  ADDRESS_SRC: fe80::1/128 port=179 proto=6\n"
	    "  ADDRESS_DST: fe80::2/128 port=0 proto=6\n"
	    "  X_NEW_ADDRESS_SRC: 2001:db8::10/128 port=0 proto=6\n"
	    "  X_NEW_ADDRESS_DST: 2001:db8::20/128 port=0 proto=6\n");
}

/* IPv6 scope ids and flow labels come through in address extensions. */
ATF_TC_WITHOUT_HEAD(ipv6_scope);
ATF_TC_BODY(ipv6_scope, tc)
{
	struct sockaddr_storage ss = addr("fe80::1", 500);
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct tmsg t;

	sin6->sin6_scope_id = 3;
	sin6->sin6_flowinfo = htonl(0x12345);
	t_begin(&t, LX, PFKEY_MSG_X_SPDGET, PFKEY_SATYPE_UNSPEC, 1, 1);
	ATF_REQUIRE_EQ(pfkey_put_address(&t.b, PFKEY_EXT_ADDRESS_PROXY,
	    (struct sockaddr *)&ss, 64, 255), 0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_print(&t.m, 0,
	    "X_SPDGET satype=unspec errno=0 seq=1 pid=1 len=56 "
	    "dialect=linux\n"
	    "  ADDRESS_PROXY: fe80::1%3/64 port=500 proto=255 "
	    "flowinfo=0x00012345\n");
}

/* Every extension of each dialect gets its line, in logical order. */
ATF_TC_WITHOUT_HEAD(every_extension);
ATF_TC_BODY(every_extension, tc)
{
	static const enum pfkey_dialect ds[] = { LX, FB };
	struct sadb_comb c = comb(3, 160, 160, 12, 128, 128);
	struct sadb_alg a = { 3, 0, 160, 160, 0 };
	struct sockaddr_storage l = addr("10.0.0.1", 0), r = addr("10.0.0.2",
	    0);
	struct in_addr a4;
	struct pfkey_policy pol;
	struct tmsg t;
	const char *line, *name;
	char *out;
	size_t i;
	int e, prev, n;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_NONE;
	ATF_REQUIRE(inet_pton(AF_INET, "10.0.0.0", &a4) == 1);
	for (i = 0; i < sizeof(ds) / sizeof(ds[0]); i++) {
		t_begin(&t, ds[i], PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
		/* Put them in reverse to show the order is the printer's. */
		for (e = PFKEY_EXT_COUNT - 1; e > 0; e--) {
			if (pfkey_ext_to_wire(ds[i], e) < 0)
				continue;
			switch (e) {
			case PFKEY_EXT_SA:
				t_sa(&t, 1, 0, 0, 0, 0, 0);
				break;
			case PFKEY_EXT_LIFETIME_CURRENT:
			case PFKEY_EXT_LIFETIME_HARD:
			case PFKEY_EXT_LIFETIME_SOFT:
				t_life(&t, e, 0, 0, 0, 0);
				break;
			case PFKEY_EXT_ADDRESS_SRC:
			case PFKEY_EXT_ADDRESS_DST:
			case PFKEY_EXT_ADDRESS_PROXY:
			case PFKEY_EXT_X_NAT_T_OA:
			case PFKEY_EXT_X_NAT_T_OAR:
			case PFKEY_EXT_X_NEW_ADDRESS_SRC:
			case PFKEY_EXT_X_NEW_ADDRESS_DST:
				t_addr(&t, e, "10.0.0.1", 0, 32, 0);
				break;
			case PFKEY_EXT_KEY_AUTH:
			case PFKEY_EXT_KEY_ENCRYPT:
				ATF_REQUIRE_EQ(pfkey_put_key(&t.b, e, akey, 128),
				    0);
				break;
			case PFKEY_EXT_IDENTITY_SRC:
			case PFKEY_EXT_IDENTITY_DST:
				ATF_REQUIRE_EQ(pfkey_put_identity(&t.b, e, 2, 0,
				    "x", 1), 0);
				break;
			case PFKEY_EXT_SENSITIVITY:
				ATF_REQUIRE_EQ(pfkey_put_sensitivity(&t.b, 0, 0,
				    NULL, 0, 0, NULL, 0), 0);
				break;
			case PFKEY_EXT_PROPOSAL:
				ATF_REQUIRE_EQ(pfkey_put_proposal(&t.b, 0, &c,
				    1), 0);
				break;
			case PFKEY_EXT_SUPPORTED_AUTH:
			case PFKEY_EXT_SUPPORTED_ENCRYPT:
				ATF_REQUIRE_EQ(pfkey_put_supported(&t.b, e, &a,
				    1), 0);
				break;
			case PFKEY_EXT_SPIRANGE:
				ATF_REQUIRE_EQ(pfkey_put_spirange(&t.b, 1, 2),
				    0);
				break;
			case PFKEY_EXT_X_KMPRIVATE:
				ATF_REQUIRE_EQ(pfkey_put_kmprivate(&t.b), 0);
				break;
			case PFKEY_EXT_X_POLICY:
				ATF_REQUIRE_EQ(pfkey_put_policy(&t.b, &pol), 0);
				break;
			case PFKEY_EXT_X_SA2:
				ATF_REQUIRE_EQ(pfkey_put_sa2(&t.b, 0, 0, 0), 0);
				break;
			case PFKEY_EXT_X_NAT_T_TYPE:
				ATF_REQUIRE_EQ(pfkey_put_nat_t_type(&t.b, 2), 0);
				break;
			case PFKEY_EXT_X_NAT_T_SPORT:
			case PFKEY_EXT_X_NAT_T_DPORT:
				ATF_REQUIRE_EQ(pfkey_put_nat_t_port(&t.b, e, 0),
				    0);
				break;
			case PFKEY_EXT_X_SEC_CTX:
				ATF_REQUIRE_EQ(pfkey_put_sec_ctx(&t.b, 1, 1, "c",
				    1), 0);
				break;
			case PFKEY_EXT_X_KMADDRESS:
				ATF_REQUIRE_EQ(pfkey_put_kmaddress(&t.b,
				    (struct sockaddr *)&l,
				    (struct sockaddr *)&r), 0);
				break;
			case PFKEY_EXT_X_NAT_T_FRAG:
				ATF_REQUIRE_EQ(pfkey_put_nat_t_frag(&t.b, 1), 0);
				break;
			case PFKEY_EXT_X_FILTER:
				ATF_REQUIRE_EQ(pfkey_put_filter(&t.b, AF_INET,
				    &a4, 8, &a4, 8), 0);
				break;
			case PFKEY_EXT_X_SA_REPLAY:
				ATF_REQUIRE_EQ(pfkey_put_sa_replay(&t.b, 1), 0);
				break;
			default:
				atf_tc_fail("no builder for extension %d", e);
			}
		}
		t_finish(&t, PFKEY_DEC_NOREQ);
		out = print(&t.m, 0);
		/* Each extension line in turn; sub-lines start with 4 spaces. */
		line = out;
		prev = 0;
		n = 0;
		while ((line = strchr(line, '\n')) != NULL && *++line != '\0') {
			if (strncmp(line, "    ", 4) == 0)
				continue;
			ATF_REQUIRE_MSG(strncmp(line, "  ", 2) == 0,
			    "bad line: %s", line);
			for (e = prev + 1; e < PFKEY_EXT_COUNT; e++) {
				if (t.m.ext[e] == NULL)
					continue;
				name = pfkey_ext_name(e);
				ATF_REQUIRE_MSG(strncmp(line + 2, name,
				    strlen(name)) == 0 &&
				    line[2 + strlen(name)] == ':',
				    "%s: expected %s at: %s",
				    pfkey_dialect_name(ds[i]), name, line);
				break;
			}
			prev = e;
			n++;
		}
		for (e = 1; e < PFKEY_EXT_COUNT; e++)
			if (t.m.ext[e] != NULL)
				n--;
		ATF_CHECK_EQ_MSG(n, 0, "%s: line count off by %d",
		    pfkey_dialect_name(ds[i]), n);
		free(out);
	}
}

/* ------------------------------------------------------------ X_PROMISC */

/* Wrap `inner' in `levels' X_PROMISC headers, into an aligned buffer. */
static size_t
wrap_promisc(uint64_t *mem, size_t cap, const void *inner, size_t ilen,
    int levels)
{
	uint8_t *p = (uint8_t *)mem;
	size_t total = (size_t)levels * PFKEY_HDRLEN + ilen;
	uint16_t u;
	int i;

	ATF_REQUIRE(total <= cap);
	memcpy(p + (size_t)levels * PFKEY_HDRLEN, inner, ilen);
	for (i = 0; i < levels; i++) {
		uint8_t *h = p + (size_t)i * PFKEY_HDRLEN;

		memset(h, 0, PFKEY_HDRLEN);
		h[0] = PFKEY_V2;
		h[1] = PFKEY_MSG_X_PROMISC;
		u = (uint16_t)((total - (size_t)i * PFKEY_HDRLEN) /
		    PFKEY_UNIT);
		memcpy(h + 4, &u, 2);
	}
	return (total);
}

static const char promisc_add_text[] =
    "X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=232 dialect=linux\n"
    "  EMBEDDED: len=216\n"
    "    ADD satype=esp errno=0 seq=1 pid=4242 len=216 dialect=linux\n"
    "      SA: spi=0x00001000(4096) replay=4 state=mature "
    "auth=hmac-sha1(3) enc=aes-cbc(12) flags=0x00000040(cycseq)\n"
    "      LIFETIME_HARD: allocations=0 bytes=0 addtime=3600 usetime=0\n"
    "      LIFETIME_SOFT: allocations=0 bytes=0 addtime=2880 usetime=0\n"
    "      ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255\n"
    "      ADDRESS_DST: 10.0.0.2/32 port=0 proto=255\n"
    "      KEY_AUTH: bits=160 <hidden>\n"
    "      KEY_ENCRYPT: bits=128 <hidden>\n"
    "      X_SA2: mode=transport sequence=0 reqid=0\n";

ATF_TC_WITHOUT_HEAD(promisc_add);
ATF_TC_BODY(promisc_add, tc)
{
	uint64_t mem[512];
	struct pfkey_msg m;
	struct tmsg t;
	size_t len;

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	len = wrap_promisc(mem, sizeof(mem), t.msg, t.len, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_print(&m, 0, promisc_add_text);
	check_contains(&m, 0, AKEY_HEX, false);
	check_contains(&m, PFKEY_PR_KEYS,
	    "      KEY_AUTH: bits=160 0x" AKEY_HEX "\n", true);
	check_contains(&m, PFKEY_PR_KEYS,
	    "      KEY_ENCRYPT: bits=128 0x" EKEY_HEX "\n", true);
}

ATF_TC_WITHOUT_HEAD(promisc_toggle);
ATF_TC_BODY(promisc_toggle, tc)
{
	struct tmsg t;

	t_begin(&t, FB, PFKEY_MSG_X_PROMISC, PFKEY_SATYPE_UNSPEC, 8, 31);
	t_finish(&t, 0);
	check_print(&t.m, 0,
	    "X_PROMISC satype=unspec errno=0 seq=8 pid=31 len=16 "
	    "dialect=freebsd\n");
}

ATF_TC_WITHOUT_HEAD(promisc_undecodable);
ATF_TC_BODY(promisc_undecodable, tc)
{
	uint64_t mem[64], inner[4];
	struct pfkey_msg m;
	uint8_t *p = (uint8_t *)inner;
	size_t len;

	/* An ADD whose one extension claims 2 units but only 1 is there. */
	memset(inner, 0, sizeof(inner));
	p[0] = PFKEY_V2;
	p[1] = PFKEY_MSG_ADD;
	p[3] = PFKEY_SATYPE_ESP;
	p[4] = 3;			/* 24 bytes */
	p[16] = 2;			/* ext len 16 bytes */
	p[18] = PFKEY_EXT_SA;
	len = wrap_promisc(mem, sizeof(mem), inner, 24, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_print(&m, 0,
	    "X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=40 "
	    "dialect=linux\n"
	    "  EMBEDDED: len=24 error: extension type 1 at offset 16: "
	    "extension runs past the end of the message\n");

	/* Too short for a header at all. */
	len = wrap_promisc(mem, sizeof(mem), inner, 8, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_print(&m, 0,
	    "X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=24 "
	    "dialect=linux\n"
	    "  EMBEDDED: len=8 error: message shorter than the base header "
	    "at offset 0\n");
}

ATF_TC_WITHOUT_HEAD(promisc_nested);
ATF_TC_BODY(promisc_nested, tc)
{
	uint64_t mem[512];
	struct pfkey_msg m;
	struct tmsg t;
	size_t len;
	char *out;

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	/* Two levels: printed, two deep. */
	len = wrap_promisc(mem, sizeof(mem), t.msg, t.len, 2);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_contains(&m, 0,
	    "X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=248 "
	    "dialect=linux\n"
	    "  EMBEDDED: len=232\n"
	    "    X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=232 "
	    "dialect=linux\n"
	    "      EMBEDDED: len=216\n"
	    "        ADD satype=esp errno=0 seq=1 pid=4242 len=216 "
	    "dialect=linux\n"
	    "          SA: spi=0x00001000(4096) ", true);

	/* Six levels: decoding stops after four. */
	len = wrap_promisc(mem, sizeof(mem), t.msg, t.len, 6);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	out = print(&m, 0);
	ATF_CHECK_MSG(strstr(out,
	    "\n                  EMBEDDED: len=232 error: nested too deep, "
	    "not decoded\n") != NULL, "%s", out);
	ATF_CHECK_MSG(strstr(out, "ADD") == NULL, "%s", out);
	free(out);
}

/*
 * A view whose buffer is not 8-byte aligned (not one pfkey_decode() made)
 * still prints its embedded message: the printer copies it first.
 */
ATF_TC_WITHOUT_HEAD(promisc_unaligned);
ATF_TC_BODY(promisc_unaligned, tc)
{
	uint64_t mem[512], shifted[520];
	struct pfkey_msg m;
	struct tmsg t;
	size_t len;

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	len = wrap_promisc(mem, sizeof(mem), t.msg, t.len, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	memcpy((uint8_t *)shifted + 4, mem, len);
	m.hdr = (const struct sadb_msg *)(const void *)((uint8_t *)shifted +
	    4);
	check_print(&m, 0, promisc_add_text);
}

/* ------------------------------------------------------ keys and hexdump */

ATF_TC_WITHOUT_HEAD(key_hiding);
ATF_TC_BODY(key_hiding, tc)
{
	uint64_t mem[512];
	struct pfkey_msg m;
	struct tmsg t;
	size_t len;
	int i;
	char hex[3 * 20 + 1];

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	/* "a0 a1 a2 ..." as the hex dump would show the auth key. */
	for (i = 0; i < 20; i++)
		snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", akey[i]);
	hex[3 * 20 - 1] = '\0';

	check_contains(&t.m, 0, AKEY_HEX, false);
	check_contains(&t.m, 0, EKEY_HEX, false);
	check_contains(&t.m, 0, "<hidden>", true);
	check_contains(&t.m, PFKEY_PR_HEX, "a0 a1", false);
	check_contains(&t.m, PFKEY_PR_HEX, "c0 c1", false);
	check_contains(&t.m, PFKEY_PR_HEX, " xx xx", true);
	check_contains(&t.m, PFKEY_PR_KEYS, AKEY_HEX, true);
	check_contains(&t.m, PFKEY_PR_KEYS, EKEY_HEX, true);
	check_contains(&t.m, PFKEY_PR_KEYS, "<hidden>", false);
	check_contains(&t.m, PFKEY_PR_KEYS | PFKEY_PR_HEX, "xx", false);
	check_contains(&t.m, PFKEY_PR_KEYS | PFKEY_PR_HEX, "c0 c1 c2 c3",
	    true);

	/* The same, one X_PROMISC level down. */
	len = wrap_promisc(mem, sizeof(mem), t.msg, t.len, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_contains(&m, PFKEY_PR_HEX, AKEY_HEX, false);
	check_contains(&m, PFKEY_PR_HEX, "a0 a1", false);
	check_contains(&m, PFKEY_PR_HEX, "a3 a4", false);
	check_contains(&m, PFKEY_PR_HEX, "c0 c1", false);
	check_contains(&m, PFKEY_PR_HEX, "cd ce", false);
	check_contains(&m, PFKEY_PR_KEYS | PFKEY_PR_HEX, "a0 a1 a2 a3", true);
}

ATF_TC_WITHOUT_HEAD(hexdump);
ATF_TC_BODY(hexdump, tc)
{
	static const uint8_t k[3] = { 0xde, 0xad, 0xbe };
	uint64_t mem[64];
	struct pfkey_msg m;
	struct tmsg t;
	size_t len;

	if (!little_endian())
		atf_tc_skip("the golden bytes are little-endian");
	t_begin(&t, LX, PFKEY_MSG_FLUSH, PFKEY_SATYPE_ESP, 0x0102, 0x0a0b);
	ATF_REQUIRE_EQ(pfkey_put_key(&t.b, PFKEY_EXT_KEY_AUTH, k, 20), 0);
	ATF_REQUIRE_EQ(pfkey_put_spirange(&t.b, 0x11, 0x22), 0);
	t_finish(&t, PFKEY_DEC_NOREQ);
	check_print(&t.m, PFKEY_PR_HEX,
	    "FLUSH satype=esp errno=0 seq=258 pid=2571 len=48 dialect=linux\n"
	    "  KEY_AUTH: bits=20 <hidden>\n"
	    "  SPIRANGE: min=0x00000011(17) max=0x00000022(34)\n"
	    "  0000: 02 09 00 03 06 00 00 00 02 01 00 00 0b 0a 00 00\n"
	    "  0010: 02 00 08 00 14 00 00 00 xx xx xx xx xx xx xx xx\n"
	    "  0020: 02 00 10 00 11 00 00 00 22 00 00 00 00 00 00 00\n");
	check_print(&t.m, PFKEY_PR_HEX | PFKEY_PR_KEYS,
	    "FLUSH satype=esp errno=0 seq=258 pid=2571 len=48 dialect=linux\n"
	    "  KEY_AUTH: bits=20 0xdeadbe\n"
	    "  SPIRANGE: min=0x00000011(17) max=0x00000022(34)\n"
	    "  0000: 02 09 00 03 06 00 00 00 02 01 00 00 0b 0a 00 00\n"
	    "  0010: 02 00 08 00 14 00 00 00 de ad be 00 00 00 00 00\n"
	    "  0020: 02 00 10 00 11 00 00 00 22 00 00 00 00 00 00 00\n");

	/* In an X_PROMISC the dump is the outer message, inner keys masked. */
	len = wrap_promisc(mem, sizeof(mem), t.msg, t.len, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_print(&m, PFKEY_PR_HEX,
	    "X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=64 "
	    "dialect=linux\n"
	    "  EMBEDDED: len=48\n"
	    "    FLUSH satype=esp errno=0 seq=258 pid=2571 len=48 "
	    "dialect=linux\n"
	    "      KEY_AUTH: bits=20 <hidden>\n"
	    "      SPIRANGE: min=0x00000011(17) max=0x00000022(34)\n"
	    "  0000: 02 0b 00 00 08 00 00 00 00 00 00 00 00 00 00 00\n"
	    "  0010: 02 09 00 03 06 00 00 00 02 01 00 00 0b 0a 00 00\n"
	    "  0020: 02 00 08 00 14 00 00 00 xx xx xx xx xx xx xx xx\n"
	    "  0030: 02 00 10 00 11 00 00 00 22 00 00 00 00 00 00 00\n");
}

/* An embedded message that does not decode: mask from where it breaks. */
ATF_TC_WITHOUT_HEAD(hexdump_undecodable);
ATF_TC_BODY(hexdump_undecodable, tc)
{
	uint64_t mem[64], inner[5];
	struct pfkey_msg m;
	uint8_t *p = (uint8_t *)inner;
	size_t len;
	char *out;

	if (!little_endian())
		atf_tc_skip("the golden bytes are little-endian");
	/* ADD, then a key ext (2 units), then an ext claiming 4 units. */
	memset(inner, 0, sizeof(inner));
	p[0] = PFKEY_V2;
	p[1] = PFKEY_MSG_ADD;
	p[3] = PFKEY_SATYPE_ESP;
	p[4] = 5;
	p[16] = 2;
	p[18] = PFKEY_EXT_KEY_ENCRYPT;
	p[20] = 64;
	memset(p + 24, 0x5a, 8);
	p[32] = 4;
	p[34] = PFKEY_EXT_SA;
	memset(p + 36, 0x5b, 4);
	len = wrap_promisc(mem, sizeof(mem), inner, 40, 1);
	ATF_REQUIRE_EQ(pfkey_decode(mem, len, LX, FROMK, &m), 0);
	check_print(&m, PFKEY_PR_HEX,
	    "X_PROMISC satype=unspec errno=0 seq=0 pid=0 len=56 "
	    "dialect=linux\n"
	    "  EMBEDDED: len=40 error: extension type 1 at offset 32: "
	    "extension runs past the end of the message\n"
	    "  0000: 02 0b 00 00 07 00 00 00 00 00 00 00 00 00 00 00\n"
	    "  0010: 02 03 00 03 05 00 00 00 00 00 00 00 00 00 00 00\n"
	    "  0020: 02 00 09 00 40 00 00 00 xx xx xx xx xx xx xx xx\n"
	    "  0030: 04 00 01 00 xx xx xx xx\n");
	out = print(&m, PFKEY_PR_HEX | PFKEY_PR_KEYS);
	ATF_CHECK_MSG(strstr(out, "  0020: 02 00 09 00 40 00 00 00 "
	    "5a 5a 5a 5a 5a 5a 5a 5a\n  0030: 04 00 01 00 5b 5b 5b 5b\n") !=
	    NULL, "%s", out);
	free(out);
}

/* ------------------------------------------------------ header and errno */

ATF_TC_WITHOUT_HEAD(errno_reply);
ATF_TC_BODY(errno_reply, tc)
{
	enum pfkey_dialect host = pfkey_host_dialect();
	enum pfkey_dialect other = host == LX ? FB : LX;
	struct tmsg t;
	char want[128];

	/* A refused request comes back as a bare header with errno set. */
	t_begin(&t, LX, PFKEY_MSG_GET, PFKEY_SATYPE_ESP, 12, 99);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&t.b, 2), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "GET satype=esp errno=2(ENOENT) seq=12 pid=99 len=16 "
	    "dialect=linux\n");

	t_begin(&t, FB, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 12, 99);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&t.b, 17), 0);
	t_finish(&t, FROMK);
	check_print(&t.m, 0,
	    "ADD satype=esp errno=17(EEXIST) seq=12 pid=99 len=16 "
	    "dialect=freebsd\n");

	/* Beyond the shared V7 numbers only the host's own are named. */
	t_begin(&t, host, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&t.b, ENOSYS), 0);
	t_finish(&t, FROMK);
	snprintf(want, sizeof(want), " errno=%d(ENOSYS) ", ENOSYS);
	check_contains(&t.m, 0, want, true);
	t_begin(&t, other, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&t.b, ENOSYS), 0);
	t_finish(&t, FROMK);
	snprintf(want, sizeof(want), " errno=%d seq=", ENOSYS);
	check_contains(&t.m, 0, want, true);
	t_begin(&t, other, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&t.b, 11), 0);
	t_finish(&t, FROMK);
	check_contains(&t.m, 0, " errno=11 seq=", true);
	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(pfkey_buf_set_errno(&t.b, 250), 0);
	t_finish(&t, FROMK);
	check_contains(&t.m, 0, " errno=250 seq=", true);
}

/* Reserved fields print only when something is in them. */
ATF_TC_WITHOUT_HEAD(reserved_fields);
ATF_TC_BODY(reserved_fields, tc)
{
	struct tmsg t;
	uint8_t *p;
	int rc;

	t_begin(&t, LX, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, 1, 1);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&t.b, 0, 0, 0), 0);
	ATF_REQUIRE_EQ(pfkey_put_kmprivate(&t.b), 0);
	ATF_REQUIRE_EQ(pfkey_buf_finish(&t.b, &t.msg, &t.len), 0);
	p = (uint8_t *)t.mem;
	p[6] = 0xab;		/* sadb_msg_reserved */
	p[16 + 5] = 0x01;	/* sadb_x_sa2_reserved1 */
	p[16 + 7] = 0x02;	/* sadb_x_sa2_reserved2, high byte (LE) */
	p[32 + 4] = 0xff;	/* sadb_x_kmprivate_reserved */
	rc = pfkey_decode(t.msg, t.len, LX, PFKEY_DEC_NOREQ, &t.m);
	ATF_REQUIRE_EQ(rc, 0);
	check_print(&t.m, 0,
	    "ADD satype=esp errno=0 seq=1 pid=1 len=40 dialect=linux "
	    "reserved=0xab00\n"
	    "  X_KMPRIVATE: reserved=0xff000000\n"
	    "  X_SA2: mode=any sequence=0 reqid=0 reserved=0x010002\n");
}

/* ------------------------------------------------- bounds and arguments */

ATF_TC_WITHOUT_HEAD(truncation);
ATF_TC_BODY(truncation, tc)
{
	static const int fl[] = { 0, PFKEY_PR_HEX | PFKEY_PR_KEYS };
	struct tmsg t;
	char *full, *buf;
	size_t sz, f;
	int n;

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	for (f = 0; f < sizeof(fl) / sizeof(fl[0]); f++) {
		full = print(&t.m, fl[f]);
		n = (int)strlen(full);
		ATF_REQUIRE_EQ(pfkey_print(&t.m, fl[f], NULL, 0), n);
		for (sz = 1; sz <= (size_t)n + 2; sz++) {
			/* Exactly sz bytes: ASan catches a write past them. */
			ATF_REQUIRE((buf = malloc(sz)) != NULL);
			memset(buf, '#', sz);
			ATF_REQUIRE_EQ(pfkey_print(&t.m, fl[f], buf, sz), n);
			ATF_REQUIRE_MSG(buf[sz - 1 < (size_t)n ? sz - 1 :
			    (size_t)n] == '\0', "bufsz %zu: no NUL", sz);
			ATF_REQUIRE_MSG(strncmp(buf, full, sz - 1) == 0,
			    "bufsz %zu: prefix differs", sz);
			ATF_REQUIRE_EQ(strlen(buf), sz - 1 < (size_t)n ?
			    sz - 1 : (size_t)n);
			free(buf);
		}
		free(full);
	}

	/* A canary right after bufsz stays untouched. */
	{
		char guard[64];

		memset(guard, '#', sizeof(guard));
		ATF_REQUIRE(pfkey_print(&t.m, 0, guard, 10) > 10);
		ATF_CHECK_EQ(guard[9], '\0');
		ATF_CHECK_EQ(guard[10], '#');
		ATF_CHECK(strncmp(guard, "ADD satyp", 9) == 0);
	}
}

ATF_TC_WITHOUT_HEAD(invalid);
ATF_TC_BODY(invalid, tc)
{
	struct pfkey_msg m;
	struct tmsg t;
	char buf[64];

	ATF_CHECK_EQ(pfkey_print(NULL, 0, buf, sizeof(buf)), PFKEY_ERR_INVAL);
	memset(&m, 0, sizeof(m));
	ATF_CHECK_EQ(pfkey_print(&m, 0, buf, sizeof(buf)), PFKEY_ERR_INVAL);

	t_esp_sa(&t, LX, PFKEY_MSG_ADD, 0);
	ATF_CHECK_EQ(pfkey_print(&t.m, 0, NULL, 5), PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_print(&t.m, 0x80, buf, sizeof(buf)),
	    PFKEY_ERR_INVAL);
	/* A view whose length is not its header's. */
	m = t.m;
	m.len -= 8;
	ATF_CHECK_EQ(pfkey_print(&m, 0, buf, sizeof(buf)), PFKEY_ERR_INVAL);
	/* A failed decode leaves no header behind. */
	ATF_REQUIRE(pfkey_decode(t.msg, t.len - 8, LX, 0, &m) < 0);
	ATF_CHECK_EQ(pfkey_print(&m, 0, buf, sizeof(buf)), PFKEY_ERR_INVAL);
	ATF_CHECK(pfkey_print(&t.m, 0, buf, sizeof(buf)) > 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, add_esp);
	ATF_TP_ADD_TC(tp, getspi);
	ATF_TP_ADD_TC(tp, dump_reply);
	ATF_TP_ADD_TC(tp, register_reply);
	ATF_TP_ADD_TC(tp, acquire_proposal);
	ATF_TP_ADD_TC(tp, expire_lifetimes);
	ATF_TP_ADD_TC(tp, ipcomp_sa);
	ATF_TP_ADD_TC(tp, alg_dialect);
	ATF_TP_ADD_TC(tp, unknown_alg);
	ATF_TP_ADD_TC(tp, identity_sensitivity);
	ATF_TP_ADD_TC(tp, spdadd_tunnel_v4);
	ATF_TP_ADD_TC(tp, spdadd_tunnel_v6);
	ATF_TP_ADD_TC(tp, natt);
	ATF_TP_ADD_TC(tp, linux_only);
	ATF_TP_ADD_TC(tp, freebsd_only);
	ATF_TP_ADD_TC(tp, ipv6_scope);
	ATF_TP_ADD_TC(tp, every_extension);
	ATF_TP_ADD_TC(tp, promisc_add);
	ATF_TP_ADD_TC(tp, promisc_toggle);
	ATF_TP_ADD_TC(tp, promisc_undecodable);
	ATF_TP_ADD_TC(tp, promisc_nested);
	ATF_TP_ADD_TC(tp, promisc_unaligned);
	ATF_TP_ADD_TC(tp, key_hiding);
	ATF_TP_ADD_TC(tp, hexdump);
	ATF_TP_ADD_TC(tp, hexdump_undecodable);
	ATF_TP_ADD_TC(tp, errno_reply);
	ATF_TP_ADD_TC(tp, reserved_fields);
	ATF_TP_ADD_TC(tp, truncation);
	ATF_TP_ADD_TC(tp, invalid);
	return (atf_no_error());
}
