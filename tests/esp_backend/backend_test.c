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
 * The two crypto backends of the ESP engine give the same packets.  For
 * every algorithm of the table below (all of which both backends
 * support), with random keys, random packets (IPv4 and IPv6, 0 to 1400
 * payload bytes, tunnel and transport mode), random starting sequence
 * numbers, with and without ESN: esp_output() under ESP_BACKEND_OPENSSL
 * and under ESP_BACKEND_IPSECMB gives the same bytes, and each backend's
 * inbound SA decrypts the other's packets back to the original.  A
 * flipped bit in the protected part or the ICV, or a wrong key, fails
 * with ESP_E_AUTH under both.  ESP_BACKEND_AUTO picks IPsec-MB where
 * its preferred() says so, which includes AES-GCM.  Several threads
 * sealing on one SA (IPsec-MB keeps a job manager per thread) give
 * packets that all decrypt.
 *
 * The backends' primitives against published vectors are in
 * tests/esp/crypto_test.c, which runs every backend.
 *
 * Without IPsec-MB in the build every test is skipped, saying so.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "pfkey.h"
#include "sadb.h"
#include "esp.h"
#include "esp_crypto.h"

#define MAXPKT		2048
/* Packets per algorithm and setting. */
#define NPKT		32

struct alg {
	const char	*name;
	uint8_t		 satype;
	uint16_t	 ealg;
	size_t		 ekeylen;	/* bytes, with salt/nonce */
	uint16_t	 aalg;
	size_t		 akeylen;
	bool		 gcm;		/* AUTO must choose IPsec-MB */
};

static const struct alg algs[] = {
	{ "aes128-gcm16", PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, 20,
	    PFKEY_AALG_NONE, 0, true },
	{ "aes192-gcm16", PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, 28,
	    PFKEY_AALG_NONE, 0, true },
	{ "aes256-gcm16", PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, 36,
	    PFKEY_AALG_NONE, 0, true },
	{ "aes128-gcm8", PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV8, 20,
	    PFKEY_AALG_NONE, 0, true },
	{ "aes256-gcm12", PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV12, 36,
	    PFKEY_AALG_NONE, 0, true },
	{ "chacha20-poly1305", PFKEY_SATYPE_ESP, PFKEY_EALG_CHACHA20POLY1305,
	    36, PFKEY_AALG_NONE, 0, false },
	{ "aes128-cbc/hmac-sha1", PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, 16,
	    PFKEY_AALG_SHA1HMAC, 20, false },
	{ "aes128-cbc/hmac-sha256", PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, 16,
	    PFKEY_AALG_SHA2_256HMAC, 32, false },
	{ "aes192-cbc/hmac-sha384", PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, 24,
	    PFKEY_AALG_SHA2_384HMAC, 48, false },
	{ "aes256-cbc/hmac-sha512", PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, 32,
	    PFKEY_AALG_SHA2_512HMAC, 64, false },
	{ "aes128-ctr/hmac-sha256", PFKEY_SATYPE_ESP, PFKEY_EALG_AESCTR, 20,
	    PFKEY_AALG_SHA2_256HMAC, 32, false },
	{ "aes256-ctr/hmac-sha1", PFKEY_SATYPE_ESP, PFKEY_EALG_AESCTR, 36,
	    PFKEY_AALG_SHA1HMAC, 20, false },
	{ "null/hmac-sha256", PFKEY_SATYPE_ESP, PFKEY_EALG_NULL, 0,
	    PFKEY_AALG_SHA2_256HMAC, 32, false },
	{ "ah/hmac-sha1", PFKEY_SATYPE_AH, PFKEY_EALG_NONE, 0,
	    PFKEY_AALG_SHA1HMAC, 20, false },
	{ "ah/hmac-sha256", PFKEY_SATYPE_AH, PFKEY_EALG_NONE, 0,
	    PFKEY_AALG_SHA2_256HMAC, 32, false },
	{ "ah/hmac-sha512", PFKEY_SATYPE_AH, PFKEY_EALG_NONE, 0,
	    PFKEY_AALG_SHA2_512HMAC, 64, false },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

/* ------------------------------------------------------------ helpers */

static uint64_t rng = 0x243f6a8885a308d3ULL;

static uint64_t
rnd(void)
{
	/* xorshift64*: reproducible from the seed printed by seed_rng(). */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (rng * 0x2545f4914f6cdd1dULL);
}

static void
rnd_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() >> 56);
}

/* A seed per test case, from the environment or the clock, printed. */
static void
seed_rng(void)
{
	const char *s;

	if ((s = getenv("ESP_BACKEND_SEED")) != NULL)
		rng = strtoull(s, NULL, 0);
	else {
		arc4random_buf(&rng, sizeof(rng));
	}
	if (rng == 0)
		rng = 1;
	printf("ESP_BACKEND_SEED=0x%016llx\n", (unsigned long long)rng);
}

static void
require_ipsecmb(void)
{
	if (!esp_backend_available(ESP_BACKEND_IPSECMB))
		atf_tc_skip("this build has no Intel IPsec-MB backend "
		    "(intel-ipsec-mb.h missing at build time, or NO_IPSECMB)");
}

/* The settings of one SA pair (the same for both backends). */
struct setting {
	const struct alg *a;
	bool		 tunnel;
	bool		 esn;
	int		 af;		/* outer (tunnel) or packet's */
	uint8_t		 ekey[64];
	uint8_t		 akey[64];
	uint8_t		 iv_seed[16];
	uint32_t	 spi;
	uint64_t	 start;		/* last sequence number sent */
};

/* Where the sequence numbers start: anywhere, with room for a test. */
static void
setting_start(struct setting *st)
{
	if (st->esn)
		st->start = rnd() >> 2;
	else
		st->start = (rnd() >> 33) & 0x7fffffff;
}

static void
setting_random(struct setting *st, const struct alg *a)
{
	memset(st, 0, sizeof(*st));
	st->a = a;
	st->tunnel = (rnd() & 1) != 0;
	st->esn = (rnd() & 1) != 0;
	st->af = (rnd() & 1) != 0 ? AF_INET : AF_INET6;
	rnd_fill(st->ekey, sizeof(st->ekey));
	rnd_fill(st->akey, sizeof(st->akey));
	rnd_fill(st->iv_seed, sizeof(st->iv_seed));
	st->spi = (uint32_t)(rnd() | 0x100);
	setting_start(st);
}

static void
addr(struct sad_addr *sa, int af, uint8_t last)
{
	memset(sa, 0, sizeof(*sa));
	sa->af = (sa_family_t)af;
	if (af == AF_INET) {
		sa->plen = 32;
		sa->a.b[0] = 192;
		sa->a.b[2] = 2;
		sa->a.b[3] = last;
	} else {
		sa->plen = 128;
		sa->a.b[0] = 0x20;
		sa->a.b[1] = 0x01;
		sa->a.b[2] = 0x0d;
		sa->a.b[3] = 0xb8;
		sa->a.b[15] = last;
	}
}

/*
 * An engine SA of the setting: outbound starts after st->start; inbound
 * (window 64) has seen st->start, so that ESN high bits are inferred
 * where the outbound SA is.  `keyflip' changes the encryption or
 * authentication key (a wrong-key control).
 */
static struct esp_sa *
sa_make(const struct setting *st, enum esp_backend be, bool out,
    bool keyflip)
{
	const struct alg *a = st->a;
	struct esp_sa_opts o;
	struct sad_entry e;
	struct esp_sa *sa;
	uint8_t ek[64], ak[64];
	int rc;

	memcpy(ek, st->ekey, sizeof(ek));
	memcpy(ak, st->akey, sizeof(ak));
	if (keyflip) {
		if (a->akeylen != 0)
			ak[0] ^= 0x80;
		else
			ek[0] ^= 0x80;
	}
	sad_entry_init(&e);
	e.has = SAD_HAS_SA_FIELDS | SAD_HAS_SA2_FIELDS;
	e.satype = a->satype;
	e.state = PFKEY_SASTATE_MATURE;
	e.mode = st->tunnel ? PFKEY_MODE_TUNNEL : PFKEY_MODE_TRANSPORT;
	e.spi = st->spi;
	e.reqid = 1;
	e.replay = 64;
	e.flags = st->esn ? SAD_F_ESN : 0;
	e.ealg = a->ealg;
	e.aalg = a->aalg;
	if (a->ekeylen != 0) {
		e.has |= SAD_HAS_EKEY;
		ATF_REQUIRE(sad_key_set(&e.ekey, ek,
		    (unsigned)a->ekeylen * 8) == 0);
	}
	if (a->akeylen != 0) {
		e.has |= SAD_HAS_AKEY;
		ATF_REQUIRE(sad_key_set(&e.akey, ak,
		    (unsigned)a->akeylen * 8) == 0);
	}
	addr(&e.src, st->af, 1);
	addr(&e.dst, st->af, 2);
	memset(&o, 0, sizeof(o));
	o.backend = be;
	o.iv_seed = st->iv_seed;
	rc = esp_sa_new(&e, &o, &sa);
	sad_entry_clear(&e);
	explicit_bzero(ek, sizeof(ek));
	explicit_bzero(ak, sizeof(ak));
	if (rc != 0)
		atf_tc_fail("%s: esp_sa_new(%s): %s", a->name,
		    esp_backend_name(be), esp_strerror(rc));
	if (be != ESP_BACKEND_AUTO)
		ATF_REQUIRE_EQ(esp_sa_backend(sa), be);
	if (out)
		esp_sa_set_oseq(sa, st->start);
	else
		esp_sa_set_replay_top(sa, st->start);
	return (sa);
}

static void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * A UDP packet with `plen' random payload bytes, of family af (tunnel:
 * any; transport: the SA's), with valid IPv4 header checksum.  The UDP
 * checksum is 0 over IPv4 and random over IPv6: the engine carries it
 * and does not check it.
 */
static size_t
mk_pkt(uint8_t *p, int af, size_t plen)
{
	size_t hl = af == AF_INET ? 20 : 40, len = hl + 8 + plen;
	uint32_t sum = 0;
	size_t i;

	rnd_fill(p, len);
	if (af == AF_INET) {
		p[0] = 0x45;
		p[1] = 0;
		wr16(p + 2, (unsigned)len);
		p[6] = 0x40;
		p[7] = 0;
		p[8] = 64;
		p[9] = IPPROTO_UDP;
		p[10] = p[11] = 0;
		memcpy(p + 12, "\xc6\x33\x64\x01\xcb\x00\x71\x02", 8);
		for (i = 0; i < 20; i += 2)
			sum += (uint32_t)p[i] << 8 | p[i + 1];
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		wr16(p + 10, ~sum & 0xffff);
		wr16(p + 26, 0);
	} else {
		p[0] = 0x60;
		p[1] = 0;
		p[2] = p[3] = 0;
		wr16(p + 4, (unsigned)(len - 40));
		p[6] = IPPROTO_UDP;
		p[7] = 64;
	}
	wr16(p + hl + 4, (unsigned)(8 + plen));
	return (len);
}

/*
 * The two outputs must be byte for byte the same, but for what the
 * engine draws per SA: the outer IPv4 header's identification (and so
 * its checksum) in tunnel mode, and there, for AH, the ICV, which covers
 * the identification (RFC 4302 3.3.3.1.1.1: it is immutable); those
 * ICVs are checked by each backend opening the other's packet.
 */
static void
same_packet(const struct setting *st, const uint8_t *x, size_t xlen,
    const uint8_t *y, size_t ylen, unsigned n)
{
	size_t i, icv0 = 0, icv1 = 0;
	bool v4tun = st->tunnel && st->af == AF_INET;

	ATF_REQUIRE_EQ_MSG(xlen, ylen, "%s packet %u: lengths %zu, %zu",
	    st->a->name, n, xlen, ylen);
	if (v4tun && st->a->satype == PFKEY_SATYPE_AH) {
		/* AH after the 20-byte header: 12 fixed bytes, then ICV. */
		ATF_REQUIRE(xlen > 22);
		icv0 = 20 + 12;
		icv1 = 20 + ((size_t)x[21] + 2) * 4;
		ATF_REQUIRE(icv1 > icv0 && icv1 <= xlen);
	}
	for (i = 0; i < xlen; i++) {
		if (v4tun && (i == 4 || i == 5 || i == 10 || i == 11))
			continue;
		if (i >= icv0 && i < icv1)
			continue;
		if (x[i] != y[i])
			atf_tc_fail("%s (%s, %s, %s) packet %u: byte %zu of "
			    "%zu differs: openssl %02x, ipsec-mb %02x",
			    st->a->name, st->tunnel ? "tunnel" : "transport",
			    st->af == AF_INET ? "IPv4" : "IPv6",
			    st->esn ? "ESN" : "no ESN", n, i, xlen, x[i],
			    y[i]);
	}
}

/* The offset of the ESP/AH header in an output packet. */
static size_t
prot_off(const uint8_t *p)
{
	return ((p[0] >> 4) == 4 ? (size_t)(p[0] & 0xf) * 4 : 40);
}

/*
 * The core check of one setting: NPKT packets through both backends,
 * same bytes, each decrypts the other's; then tampering and a wrong key
 * fail under both.
 */
static void
check_setting(const struct setting *st)
{
	struct esp_sa *o_ossl, *o_imb, *i_ossl, *i_imb, *bad;
	uint8_t in[MAXPKT], xo[MAXPKT], xi[MAXPKT], dec[MAXPKT];
	size_t inlen, xolen, xilen, declen, off, plen, bit;
	int inaf, rc;
	unsigned n;

	o_ossl = sa_make(st, ESP_BACKEND_OPENSSL, true, false);
	o_imb = sa_make(st, ESP_BACKEND_IPSECMB, true, false);
	i_ossl = sa_make(st, ESP_BACKEND_OPENSSL, false, false);
	i_imb = sa_make(st, ESP_BACKEND_IPSECMB, false, false);

	for (n = 0; n < NPKT; n++) {
		inaf = st->tunnel ? ((rnd() & 1) ? AF_INET : AF_INET6) :
		    st->af;
		/* Small and large, and every length modulo a block. */
		plen = n < 4 ? n : (size_t)(rnd() % 1401);
		inlen = mk_pkt(in, inaf, plen);
		rc = esp_output(o_ossl, in, inlen, xo, sizeof(xo), &xolen,
		    NULL);
		ATF_REQUIRE_EQ_MSG(rc, 0, "%s: openssl output %u: %s",
		    st->a->name, n, esp_strerror(rc));
		rc = esp_output(o_imb, in, inlen, xi, sizeof(xi), &xilen,
		    NULL);
		ATF_REQUIRE_EQ_MSG(rc, 0, "%s: ipsec-mb output %u: %s",
		    st->a->name, n, esp_strerror(rc));
		same_packet(st, xo, xolen, xi, xilen, n);

		/* Each side opens the other's packet. */
		rc = esp_input(i_ossl, xi, xilen, dec, sizeof(dec), &declen);
		ATF_REQUIRE_EQ_MSG(rc, 0, "%s: openssl input of ipsec-mb "
		    "packet %u: %s", st->a->name, n, esp_strerror(rc));
		ATF_REQUIRE_EQ(declen, inlen);
		ATF_REQUIRE(memcmp(dec, in, inlen) == 0);
		rc = esp_input(i_imb, xo, xolen, dec, sizeof(dec), &declen);
		ATF_REQUIRE_EQ_MSG(rc, 0, "%s: ipsec-mb input of openssl "
		    "packet %u: %s", st->a->name, n, esp_strerror(rc));
		ATF_REQUIRE_EQ(declen, inlen);
		ATF_REQUIRE(memcmp(dec, in, inlen) == 0);
	}

	/*
	 * Tampering: a fresh packet (a sequence number the inbound SAs
	 * have not seen) with one bit flipped after the SPI and sequence
	 * number (ESP: IV, ciphertext or ICV; AH: the ICV and the
	 * payload) fails the ICV check under both, and the packet itself
	 * still goes through afterwards: a forgery leaves no trace.
	 */
	for (n = 0; n < 8; n++) {
		inlen = mk_pkt(in, st->tunnel ? AF_INET : st->af,
		    (size_t)(rnd() % 600));
		ATF_REQUIRE_EQ(esp_output(o_ossl, in, inlen, xo, sizeof(xo),
		    &xolen, NULL), 0);
		ATF_REQUIRE_EQ(esp_output(o_imb, in, inlen, xi, sizeof(xi),
		    &xilen, NULL), 0);
		same_packet(st, xo, xolen, xi, xilen, NPKT + n);
		off = prot_off(xo) + (st->a->satype == PFKEY_SATYPE_AH ? 12 :
		    8);
		/* The last round hits the ICV's last byte. */
		bit = n == 7 ? (xolen - 1 - off) * 8 :
		    (size_t)(rnd() % ((xolen - off) * 8));
		xo[off + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		xi[off + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		rc = esp_input(i_ossl, xo, xolen, dec, sizeof(dec), &declen);
		ATF_REQUIRE_EQ_MSG(rc, ESP_E_AUTH, "%s: openssl took a "
		    "tampered packet (bit %zu): %s", st->a->name, bit,
		    esp_strerror(rc));
		rc = esp_input(i_imb, xi, xilen, dec, sizeof(dec), &declen);
		ATF_REQUIRE_EQ_MSG(rc, ESP_E_AUTH, "%s: ipsec-mb took a "
		    "tampered packet (bit %zu): %s", st->a->name, bit,
		    esp_strerror(rc));
		xo[off + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		xi[off + bit / 8] ^= (uint8_t)(1 << (bit % 8));
		ATF_REQUIRE_EQ(esp_input(i_ossl, xi, xilen, dec, sizeof(dec),
		    &declen), 0);
		ATF_REQUIRE_EQ(esp_input(i_imb, xo, xolen, dec, sizeof(dec),
		    &declen), 0);
		ATF_REQUIRE(declen == inlen && memcmp(dec, in, inlen) == 0);
	}

	/* A wrong key (negative control of the oracle): both refuse. */
	inlen = mk_pkt(in, st->tunnel ? AF_INET6 : st->af, 333);
	ATF_REQUIRE_EQ(esp_output(o_imb, in, inlen, xi, sizeof(xi), &xilen,
	    NULL), 0);
	bad = sa_make(st, ESP_BACKEND_OPENSSL, false, true);
	rc = esp_input(bad, xi, xilen, dec, sizeof(dec), &declen);
	ATF_REQUIRE_EQ_MSG(rc, ESP_E_AUTH, "%s: openssl, wrong key: %s",
	    st->a->name, esp_strerror(rc));
	esp_sa_free(bad);
	bad = sa_make(st, ESP_BACKEND_IPSECMB, false, true);
	rc = esp_input(bad, xi, xilen, dec, sizeof(dec), &declen);
	ATF_REQUIRE_EQ_MSG(rc, ESP_E_AUTH, "%s: ipsec-mb, wrong key: %s",
	    st->a->name, esp_strerror(rc));
	esp_sa_free(bad);

	esp_sa_free(o_ossl);
	esp_sa_free(o_imb);
	esp_sa_free(i_ossl);
	esp_sa_free(i_imb);
}

/* Every algorithm of a kind, in `rounds' random settings each. */
static void
check_algs(bool (*want)(const struct alg *), unsigned rounds)
{
	struct setting st;
	size_t i;
	unsigned r, n = 0;

	require_ipsecmb();
	seed_rng();
	for (i = 0; i < NALGS; i++) {
		if (!want(&algs[i]))
			continue;
		for (r = 0; r < rounds; r++) {
			setting_random(&st, &algs[i]);
			/* Cover all four of tunnel/transport x ESN/not. */
			st.tunnel = (r & 1) != 0;
			st.esn = (r & 2) != 0;
			setting_start(&st);
			check_setting(&st);
			n++;
		}
	}
	ATF_REQUIRE(n > 0);
}

static bool
is_aead(const struct alg *a)
{
	return (a->ealg == PFKEY_EALG_AES_GCM_ICV8 ||
	    a->ealg == PFKEY_EALG_AES_GCM_ICV12 ||
	    a->ealg == PFKEY_EALG_AES_GCM_ICV16 ||
	    a->ealg == PFKEY_EALG_CHACHA20POLY1305);
}

static bool
is_cipher_hmac(const struct alg *a)
{
	return (a->satype == PFKEY_SATYPE_ESP && !is_aead(a) &&
	    a->ealg != PFKEY_EALG_NULL);
}

static bool
is_null_or_ah(const struct alg *a)
{
	return (a->satype == PFKEY_SATYPE_AH || a->ealg == PFKEY_EALG_NULL);
}

/* -------------------------------------------------------------- tests */

ATF_TC_WITHOUT_HEAD(aead_same_bytes);
ATF_TC_BODY(aead_same_bytes, tc)
{
	check_algs(is_aead, 12);
}

ATF_TC_WITHOUT_HEAD(cipher_hmac_same_bytes);
ATF_TC_BODY(cipher_hmac_same_bytes, tc)
{
	check_algs(is_cipher_hmac, 12);
}

ATF_TC_WITHOUT_HEAD(null_and_ah_same_bytes);
ATF_TC_BODY(null_and_ah_same_bytes, tc)
{
	check_algs(is_null_or_ah, 12);
}

/* The backend parameters esp_sa_new() makes of an algorithm. */
static void
alg_params(const struct alg *a, struct esp_crypto_params *p)
{
	memset(p, 0, sizeof(*p));
	switch (a->ealg) {
	case PFKEY_EALG_AES_GCM_ICV8:
	case PFKEY_EALG_AES_GCM_ICV12:
	case PFKEY_EALG_AES_GCM_ICV16:
		p->cipher = ESP_CIPHER_AES_GCM;
		p->ckeylen = a->ekeylen - 4;
		p->icvlen = a->ealg == PFKEY_EALG_AES_GCM_ICV8 ? 8 :
		    a->ealg == PFKEY_EALG_AES_GCM_ICV12 ? 12 : 16;
		break;
	case PFKEY_EALG_CHACHA20POLY1305:
		p->cipher = ESP_CIPHER_CHACHA20_POLY1305;
		p->ckeylen = 32;
		p->icvlen = 16;
		break;
	case PFKEY_EALG_AESCBC:
		p->cipher = ESP_CIPHER_AES_CBC;
		p->ckeylen = a->ekeylen;
		break;
	case PFKEY_EALG_AESCTR:
		p->cipher = ESP_CIPHER_AES_CTR;
		p->ckeylen = a->ekeylen - 4;
		break;
	case PFKEY_EALG_NULL:
		p->cipher = ESP_CIPHER_NULL;
		break;
	default:
		p->cipher = ESP_CIPHER_NONE;
		break;
	}
	switch (a->aalg) {
	case PFKEY_AALG_SHA1HMAC:
		p->mac = ESP_MAC_HMAC_SHA1;
		p->maclen = 12;
		break;
	case PFKEY_AALG_SHA2_256HMAC:
		p->mac = ESP_MAC_HMAC_SHA256;
		p->maclen = 16;
		break;
	case PFKEY_AALG_SHA2_384HMAC:
		p->mac = ESP_MAC_HMAC_SHA384;
		p->maclen = 24;
		break;
	case PFKEY_AALG_SHA2_512HMAC:
		p->mac = ESP_MAC_HMAC_SHA512;
		p->maclen = 32;
		break;
	default:
		p->mac = ESP_MAC_NONE;
		break;
	}
	p->mkeylen = a->akeylen;
}

/*
 * ESP_BACKEND_AUTO takes IPsec-MB exactly where its preferred() says so;
 * that is always AES-GCM (the library has AES-NI code on every x86-64
 * CPU that runs it fast), never HMAC-SHA-384/512 (its multi-buffer
 * SHA-512 loses to OpenSSL one packet at a time), ESP NULL or AH.  The
 * rest (ChaCha20-Poly1305, CBC/CTR with SHA-1/256) depends on the CPU.
 */
ATF_TC_WITHOUT_HEAD(auto_choice);
ATF_TC_BODY(auto_choice, tc)
{
	const struct esp_crypto_ops *ops;
	struct esp_crypto_params p;
	struct setting st;
	struct esp_sa *sa;
	enum esp_backend want;
	uint8_t key[64];
	size_t i;
	bool pref;

	require_ipsecmb();
	seed_rng();
	ops = esp_crypto_backend(ESP_BACKEND_IPSECMB);
	ATF_REQUIRE(ops != NULL && ops->preferred != NULL);
	memset(key, 0x5a, sizeof(key));
	for (i = 0; i < NALGS; i++) {
		alg_params(&algs[i], &p);
		p.ckey = key;
		p.mkey = key;
		ATF_REQUIRE_MSG(ops->supports(&p), "%s: not supported",
		    algs[i].name);
		pref = ops->preferred(&p);
		if (algs[i].gcm)
			ATF_CHECK_MSG(pref, "%s: not preferred", algs[i].name);
		if (p.mac == ESP_MAC_HMAC_SHA384 ||
		    p.mac == ESP_MAC_HMAC_SHA512 ||
		    p.cipher == ESP_CIPHER_NULL ||
		    p.cipher == ESP_CIPHER_NONE)
			ATF_CHECK_MSG(!pref, "%s: preferred", algs[i].name);
		want = pref ? ESP_BACKEND_IPSECMB : ESP_BACKEND_OPENSSL;
		setting_random(&st, &algs[i]);
		sa = sa_make(&st, ESP_BACKEND_AUTO, true, false);
		ATF_CHECK_EQ_MSG(esp_sa_backend(sa), want, "%s: AUTO chose %s",
		    algs[i].name, esp_backend_name(esp_sa_backend(sa)));
		printf("%s: AUTO -> %s\n", algs[i].name,
		    esp_backend_name(esp_sa_backend(sa)));
		esp_sa_free(sa);
	}
}

/*
 * Threads: esp_output() on one SA from several threads at once (the
 * IPsec-MB job API needs a manager per thread; the direct GCM API none).
 * Every packet must open under OpenSSL, with distinct sequence numbers.
 */
#define NTHR		4
#define THR_PKTS	300

struct thr {
	struct esp_sa	*sa;
	const uint8_t	*in;
	size_t		 inlen;
	uint8_t		(*out)[MAXPKT];
	size_t		*outlen;
	int		 rc;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	unsigned i;

	for (i = 0; i < THR_PKTS && t->rc == 0; i++)
		t->rc = esp_output(t->sa, t->in, t->inlen, t->out[i], MAXPKT,
		    &t->outlen[i], NULL);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(threads);
ATF_TC_BODY(threads, tc)
{
	static const char *const names[] = { "aes128-gcm16",
	    "chacha20-poly1305", "aes128-cbc/hmac-sha256", "ah/hmac-sha256" };
	struct thr thr[NTHR];
	pthread_t tid[NTHR];
	struct setting st;
	struct esp_sa *out, *in;
	uint8_t pkt[MAXPKT], dec[MAXPKT];
	size_t *seen;
	size_t pktlen, declen, i, k, t, j, off;
	uint32_t seq;

	require_ipsecmb();
	seed_rng();
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		for (i = 0; i < NALGS; i++)
			if (strcmp(algs[i].name, names[k]) == 0)
				break;
		ATF_REQUIRE(i < NALGS);
		setting_random(&st, &algs[i]);
		st.esn = false;
		st.start = 0;
		out = sa_make(&st, ESP_BACKEND_IPSECMB, true, false);
		in = sa_make(&st, ESP_BACKEND_OPENSSL, false, false);
		pktlen = mk_pkt(pkt, st.af, 900);
		for (t = 0; t < NTHR; t++) {
			thr[t].sa = out;
			thr[t].in = pkt;
			thr[t].inlen = pktlen;
			thr[t].out = calloc(THR_PKTS, MAXPKT);
			thr[t].outlen = calloc(THR_PKTS, sizeof(size_t));
			thr[t].rc = 0;
			ATF_REQUIRE(thr[t].out != NULL &&
			    thr[t].outlen != NULL);
			ATF_REQUIRE(pthread_create(&tid[t], NULL, thr_main,
			    &thr[t]) == 0);
		}
		for (t = 0; t < NTHR; t++)
			ATF_REQUIRE(pthread_join(tid[t], NULL) == 0);
		/*
		 * Sequence numbers 1 .. NTHR * THR_PKTS, each once; opened
		 * in sequence order (the threads interleave more than the
		 * replay window spans).
		 */
		seen = calloc(NTHR * THR_PKTS + 1, sizeof(*seen));
		ATF_REQUIRE(seen != NULL);
		for (t = 0; t < NTHR; t++) {
			ATF_REQUIRE_EQ_MSG(thr[t].rc, 0, "%s thread %zu: %s",
			    names[k], t, esp_strerror(thr[t].rc));
			for (j = 0; j < THR_PKTS; j++) {
				off = prot_off(thr[t].out[j]) + 4 +
				    (algs[i].satype == PFKEY_SATYPE_AH ? 4 : 0);
				seq = (uint32_t)thr[t].out[j][off] << 24 |
				    (uint32_t)thr[t].out[j][off + 1] << 16 |
				    (uint32_t)thr[t].out[j][off + 2] << 8 |
				    thr[t].out[j][off + 3];
				ATF_REQUIRE(seq >= 1 &&
				    seq <= NTHR * THR_PKTS && seen[seq] == 0);
				seen[seq] = t * THR_PKTS + j + 1;
			}
		}
		for (seq = 1; seq <= NTHR * THR_PKTS; seq++) {
			t = (seen[seq] - 1) / THR_PKTS;
			j = (seen[seq] - 1) % THR_PKTS;
			ATF_REQUIRE_EQ_MSG(esp_input(in, thr[t].out[j],
			    thr[t].outlen[j], dec, sizeof(dec), &declen), 0,
			    "%s: packet of thread %zu (seq %u) does not open",
			    names[k], t, (unsigned)seq);
			ATF_REQUIRE(declen == pktlen &&
			    memcmp(dec, pkt, pktlen) == 0);
		}
		for (t = 0; t < NTHR; t++) {
			free(thr[t].out);
			free(thr[t].outlen);
		}
		free(seen);
		esp_sa_free(out);
		esp_sa_free(in);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, aead_same_bytes);
	ATF_TP_ADD_TC(tp, cipher_hmac_same_bytes);
	ATF_TP_ADD_TC(tp, null_and_ah_same_bytes);
	ATF_TP_ADD_TC(tp, auto_choice);
	ATF_TP_ADD_TC(tp, threads);
	return (atf_no_error());
}
