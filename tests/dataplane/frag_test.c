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
 * sadbd's dp_frag.c: the size model against the engine's real output for
 * every algorithm, mode and family (and bundles); the inner MTU against
 * a search over real packets; IPv4 fragmentation with options (RFC 791)
 * and IPv6 fragmentation behind extension headers (RFC 8200 4.5), put
 * back together by the reassembly table in any order; the table's
 * duplicates, overlaps (RFC 5722), atomic fragments (RFC 6946), limits
 * and timeout; ICMP fragmentation needed and ICMPv6 Packet Too Big
 * (checksums, quotes, when none may be sent); the decision; the token
 * bucket.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "sadbd.h"
#include "esp.h"
#include "util.h"

#define BUFSZ		(70 * 1024)

#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

static uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* The ones' complement sum of a buffer is all ones: checksum good. */
static bool
sum_ok(uint64_t sum, const uint8_t *p, size_t len)
{
	return (dp_csum_fold(dp_csum_add(sum, p, len)) == 0xffff);
}

static bool
icmp6_ok(const uint8_t *p, size_t len)
{
	uint8_t ph[8];
	uint64_t sum;

	memset(ph, 0, sizeof(ph));
	ph[0] = (uint8_t)((len - 40) >> 24);
	ph[1] = (uint8_t)((len - 40) >> 16);
	ph[2] = (uint8_t)((len - 40) >> 8);
	ph[3] = (uint8_t)(len - 40);
	ph[7] = 58;
	sum = dp_csum_add(0, p + 8, 32);
	sum = dp_csum_add(sum, ph, 8);
	return (sum_ok(sum, p + 40, len - 40));
}

/* ------------------------------------------------------- model vs engine */

struct alg {
	uint8_t		satype;
	uint16_t	ealg;
	uint16_t	aalg;
};

static const struct alg algs[] = {
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV12, PFKEY_AALG_NONE },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV8, PFKEY_AALG_NONE },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_CHACHA20POLY1305, PFKEY_AALG_NONE },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA1HMAC },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_384HMAC },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_512HMAC },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_NONE },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCTR, PFKEY_AALG_SHA2_256HMAC },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_NULL, PFKEY_AALG_SHA2_256HMAC },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA1HMAC },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA2_256HMAC },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA2_384HMAC },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA2_512HMAC },
};

struct msa {
	struct esp_sa	*esa;
	struct dp_ovh	 ovh;
};

static void
msa_new(struct msa *m, const struct alg *a, uint8_t mode, int oaf,
    bool natt, uint8_t seed)
{
	struct tsa t;
	struct sad_entry e;

	memset(&t, 0, sizeof(t));
	t.satype = a->satype;
	t.mode = mode;
	t.spi = 0x1000 + seed;
	t.ealg = a->ealg;
	t.aalg = a->aalg;
	t.src = oaf == AF_INET ? "192.0.2.1" : "2001:db8:ff::1";
	t.dst = oaf == AF_INET ? "198.51.100.2" : "2001:db8:ff::2";
	t.natt = natt;
	t.sport = t.dport = 4500;
	t.keyseed = seed;
	tsa_entry(&t, &e);
	ATF_REQUIRE_EQ_MSG(esp_sa_new(&e, NULL, &m->esa), 0,
	    "esp_sa_new: satype %u ealg %u aalg %u", a->satype, a->ealg,
	    a->aalg);
	dp_ovh_init(&m->ovh, &e, esp_sa_headroom(m->esa),
	    esp_sa_tailroom(m->esa));
	sad_entry_clear(&e);
}

/*
 * The real outer packet of an inner one through the chain, and what a
 * UDP socket puts on the wire of it (plain IP header, UDP header).
 */
static size_t
real_wire(struct msa *c, size_t n, const uint8_t *pkt, size_t len, bool udp)
{
	static uint8_t a[BUFSZ], b[BUFSZ];
	const uint8_t *in = pkt;
	uint8_t *out;
	size_t i, olen = 0, espoff = 0, inlen = len;

	for (i = 0; i < n; i++) {
		out = i % 2 == 0 ? a : b;
		ATF_REQUIRE_EQ(esp_output(c[i].esa, in, inlen, out, BUFSZ,
		    &olen, &espoff), 0);
		in = out;
		inlen = olen;
	}
	if (!udp)
		return (olen);
	/* espoff: where the UDP header (NAT-T) or ESP starts. */
	return ((in[0] >> 4 == 4 ? 20 : 40) + (c[n - 1].ovh.natt ? 0 : 8) +
	    olen - espoff);
}

static size_t
model_wire(struct msa *c, size_t n, const uint8_t *pkt, size_t len,
    bool udp)
{
	const struct dp_ovh *o[4];
	size_t i, wire, report;

	for (i = 0; i < n; i++)
		o[i] = &c[i].ovh;
	ATF_REQUIRE_EQ(dp_mtu_decide(pkt, len, o, n, udp, 0, false, &wire,
	    &report), DP_MTU_FITS);
	return (wire);
}

/* An inner packet of family iaf (ext6: IPv6 with extension headers). */
static size_t
inner(uint8_t *pkt, int iaf, bool ext6, uint8_t proto, size_t pl,
    uint8_t seed)
{
	if (ext6)
		return (mk_pkt6_ext(pkt, pl, seed));
	return (mk_pkt(pkt, iaf == AF_INET ? "10.1.0.2" : "2001:db8:1::2",
	    iaf == AF_INET ? "10.2.0.2" : "2001:db8:2::2", proto, pl, seed,
	    0));
}

static void
check_chain(struct msa *c, size_t n, int iaf, bool ext6, const char *what)
{
	static uint8_t pkt[BUFSZ];
	static const size_t mtus[] = { 576, 1280, 1400, 1500 };
	const struct dp_ovh *o[4];
	size_t len, pl, i, m, lo, hi, mid, best, hl, wire, report, over;
	bool udp;
	int u;

	for (i = 0; i < n; i++)
		o[i] = &c[i].ovh;
	for (u = 0; u < 2; u++) {
		udp = u == 1;
		if (udp && c[n - 1].ovh.esp == false)
			continue;	/* no AH in UDP */
		/* Every padding case: lengths in steps of 1 and 8. */
		for (pl = 0; pl < 200; pl += 7)
			for (i = 0; i < 3; i++) {
				len = inner(pkt, iaf, ext6, i == 0 ?
				    IPPROTO_TCP : IPPROTO_UDP, pl * 8 + i,
				    (uint8_t)pl);
				ATF_CHECK_EQ_MSG(model_wire(c, n, pkt, len,
				    udp), real_wire(c, n, pkt, len, udp),
				    "%s%s: inner %zu bytes", what,
				    udp ? " over UDP" : "", len);
			}
		/*
		 * The inner MTU against the largest packet that fits for real
		 * (the real length never shrinks as the inner one grows).
		 */
		for (m = 0; m < nitems(mtus); m++) {
			lo = 0;
			hi = 1600;
			while (lo < hi) {
				mid = lo + (hi - lo + 1) / 2;
				len = inner(pkt, iaf, ext6, IPPROTO_UDP, mid,
				    2);
				if (real_wire(c, n, pkt, len, udp) <= mtus[m])
					lo = mid;
				else
					hi = mid - 1;
			}
			best = inner(pkt, iaf, ext6, IPPROTO_UDP, lo, 2);
			over = inner(pkt, iaf, ext6, IPPROTO_UDP, lo + 1, 2);
			ATF_REQUIRE(real_wire(c, n, pkt, over, udp) > mtus[m]);
			len = inner(pkt, iaf, ext6, IPPROTO_UDP, lo, 2);
			ATF_REQUIRE(real_wire(c, n, pkt, len, udp) <= mtus[m]);
			hl = ext6 ? dp_ip6_unfrag(pkt, len, NULL) :
			    iaf == AF_INET ? 20 : 40;
			ATF_CHECK_EQ_MSG(dp_ovh_mtu(o, n, hl, iaf, udp,
			    mtus[m]), best, "%s%s: inner MTU of a %zu path",
			    what, udp ? " over UDP" : "", mtus[m]);
			/* The decision for one byte more (DF for IPv4). */
			len = inner(pkt, iaf, ext6, IPPROTO_UDP, lo + 1, 2);
			ATF_CHECK_EQ_MSG(dp_mtu_decide(pkt, len, o, n, udp,
			    mtus[m], false, &wire, &report),
			    iaf == AF_INET || best >= 1280 || len > 1280 ?
			    DP_MTU_TOO_BIG : DP_MTU_FRAGMENT, "%s%s: %zu "
			    "bytes on a %zu path", what, udp ? " over UDP" :
			    "", len, mtus[m]);
			ATF_CHECK_EQ(wire, real_wire(c, n, pkt, len, udp));
			if (iaf == AF_INET)
				ATF_CHECK_EQ(report, best < DP_IP4_MINMTU ?
				    DP_IP4_MINMTU : best);
			else if (best >= 1280)
				ATF_CHECK_EQ(report, best);
			else if (len > 1280)
				ATF_CHECK_EQ(report, 1280);
		}
	}
}

ATF_TC_WITHOUT_HEAD(model_single);
ATF_TC_BODY(model_single, tc)
{
	struct msa m;
	char what[128];
	size_t k;
	int oaf, iaf, natt;
	uint8_t mode;

	for (k = 0; k < nitems(algs); k++)
		for (oaf = AF_INET; oaf <= AF_INET6; oaf = oaf == AF_INET ?
		    AF_INET6 : AF_INET6 + 1)
			for (natt = 0; natt < 2; natt++) {
				if (natt && algs[k].satype == PFKEY_SATYPE_AH)
					continue;
				for (mode = PFKEY_MODE_TRANSPORT;
				    mode <= PFKEY_MODE_TUNNEL; mode++) {
					msa_new(&m, &algs[k], mode, oaf,
					    natt != 0, (uint8_t)k);
					for (iaf = AF_INET; iaf <= AF_INET6;
					    iaf = iaf == AF_INET ? AF_INET6 :
					    AF_INET6 + 1) {
						/* Transport: its own. */
						if (mode == PFKEY_MODE_TRANSPORT
						    && iaf != oaf)
							continue;
						snprintf(what, sizeof(what),
						    "satype %u ealg %u aalg %u "
						    "mode %u outer %d inner %d "
						    "natt %d", algs[k].satype,
						    algs[k].ealg, algs[k].aalg,
						    mode, oaf, iaf, natt);
						check_chain(&m, 1, iaf, false,
						    what);
					}
					if (mode == PFKEY_MODE_TRANSPORT &&
					    oaf == AF_INET6)
						check_chain(&m, 1, AF_INET6,
						    true, "IPv6 extension "
						    "headers");
					esp_sa_free(m.esa);
				}
			}
}

ATF_TC_WITHOUT_HEAD(model_bundles);
ATF_TC_BODY(model_bundles, tc)
{
	struct msa c[3];

	/* RFC 4301 4.5: ESP then AH in transport mode. */
	msa_new(&c[0], &algs[5], PFKEY_MODE_TRANSPORT, AF_INET, false, 1);
	msa_new(&c[1], &algs[12], PFKEY_MODE_TRANSPORT, AF_INET, false, 2);
	check_chain(c, 2, AF_INET, false, "ESP+AH transport IPv4");
	esp_sa_free(c[0].esa);
	esp_sa_free(c[1].esa);
	msa_new(&c[0], &algs[0], PFKEY_MODE_TRANSPORT, AF_INET6, false, 3);
	msa_new(&c[1], &algs[14], PFKEY_MODE_TRANSPORT, AF_INET6, false, 4);
	check_chain(c, 2, AF_INET6, true, "ESP+AH transport IPv6 ext");
	esp_sa_free(c[0].esa);
	esp_sa_free(c[1].esa);
	/* Nested tunnels, families crossed; then transport ESP outside. */
	msa_new(&c[0], &algs[4], PFKEY_MODE_TUNNEL, AF_INET6, false, 5);
	msa_new(&c[1], &algs[3], PFKEY_MODE_TUNNEL, AF_INET, true, 6);
	msa_new(&c[2], &algs[7], PFKEY_MODE_TRANSPORT, AF_INET, false, 7);
	check_chain(c, 2, AF_INET, false, "tunnel in tunnel");
	check_chain(c, 3, AF_INET6, false, "tunnel in tunnel, transport");
	esp_sa_free(c[0].esa);
	esp_sa_free(c[1].esa);
	esp_sa_free(c[2].esa);
}

/* --------------------------------------------------------- the decision */

ATF_TC_WITHOUT_HEAD(decide);
ATF_TC_BODY(decide, tc)
{
	static uint8_t pkt[BUFSZ];
	const struct dp_ovh *o[1];
	struct msa m;
	size_t len, wire, report;

	/* AES-GCM-16 tunnel over IPv6 raw: 72 bytes around (L + 2) / 4. */
	msa_new(&m, &algs[0], PFKEY_MODE_TUNNEL, AF_INET6, false, 9);
	o[0] = &m.ovh;
	len = mk_pkt(pkt, "10.1.0.2", "10.2.0.2", IPPROTO_UDP, 1472, 1, 0);
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 1500, false, &wire,
	    &report), DP_MTU_TOO_BIG);		/* DF */
	ATF_CHECK_EQ(report, 1426);
	ATF_CHECK_EQ(wire, 1500 + 72 + 2 + 2);
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 0, false, &wire,
	    &report), DP_MTU_FITS);		/* MTU unknown */
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 1500, true, &wire,
	    &report), DP_MTU_FRAGMENT);		/* reassembled */
	pkt[6] &= (uint8_t)~0x40;
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 1500, false, &wire,
	    &report), DP_MTU_FRAGMENT);		/* no DF */
	ATF_CHECK_EQ(report, 0);
	/* A path too small for 68 bytes inside: the minimum is named. */
	pkt[6] |= 0x40;
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 100, false, &wire,
	    &report), DP_MTU_TOO_BIG);
	ATF_CHECK_EQ(report, DP_IP4_MINMTU);
	/* IPv6: told, or 1280 and fragmented where 1280 does not fit. */
	len = mk_pkt(pkt, "2001:db8:1::2", "2001:db8:2::2", IPPROTO_UDP, 1452,
	    1, 0);
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 1500, false, &wire,
	    &report), DP_MTU_TOO_BIG);
	ATF_CHECK_EQ(report, 1426);
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 1280, false, &wire,
	    &report), DP_MTU_TOO_BIG);
	ATF_CHECK_EQ(report, 1280);
	len = mk_pkt(pkt, "2001:db8:1::2", "2001:db8:2::2", IPPROTO_UDP, 1232,
	    1, 0);
	ATF_CHECK_EQ(len, 1280);
	ATF_CHECK_EQ(dp_mtu_decide(pkt, len, o, 1, false, 1280, false, &wire,
	    &report), DP_MTU_FRAGMENT);
	esp_sa_free(m.esa);
}

/* ------------------------------------------------------------------ ICMP */

ATF_TC_WITHOUT_HEAD(icmp4);
ATF_TC_BODY(icmp4, tc)
{
	uint8_t pkt[2048], out[2048];
	struct sad_addr src;
	size_t len, n;

	len = mk_pkt(pkt, "10.1.0.2", "10.2.0.2", IPPROTO_TCP, 1460, 3, 0x28);
	ATF_REQUIRE_EQ(sad_addr_parse(&src, "198.51.100.2"), 0);
	n = dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1418);
	ATF_REQUIRE_EQ(n, 576);			/* RFC 1812 4.3.2.3 */
	ATF_CHECK_EQ(out[0], 0x45);
	ATF_CHECK_EQ(rd16(out + 2), 576);
	ATF_CHECK_EQ(out[9], 1);
	ATF_CHECK_EQ(out[6] & 0x40, 0);
	ATF_CHECK(sum_ok(0, out, 20));
	ATF_CHECK(memcmp(out + 12, &src.a.v4, 4) == 0);
	ATF_CHECK(memcmp(out + 16, pkt + 12, 4) == 0);
	ATF_CHECK_EQ(out[20], 3);
	ATF_CHECK_EQ(out[21], 4);
	ATF_CHECK_EQ(rd16(out + 24), 0);
	ATF_CHECK_EQ(rd16(out + 26), 1418);
	ATF_CHECK(sum_ok(0, out + 20, n - 20));
	ATF_CHECK(memcmp(out + 28, pkt, n - 28) == 0);
	/* A short packet is quoted whole. */
	len = mk_pkt(pkt, "10.1.0.2", "10.2.0.2", IPPROTO_UDP, 10, 3, 0);
	n = dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000);
	ATF_CHECK_EQ(n, 28 + len);
	ATF_CHECK(sum_ok(0, out + 20, n - 20));
	/* An echo request is answered; errors about errors are not. */
	pkt[9] = 1;
	pkt[20] = 8;
	ATF_CHECK(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000) >
	    0);
	pkt[20] = 3;
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000),
	    0);
	pkt[20] = 11;
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000),
	    0);
	/* Not to a multicast or unspecified source, not of a later piece. */
	len = mk_pkt(pkt, "224.0.0.5", "10.2.0.2", IPPROTO_UDP, 10, 3, 0);
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000),
	    0);
	len = mk_pkt(pkt, "0.0.0.0", "10.2.0.2", IPPROTO_UDP, 10, 3, 0);
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000),
	    0);
	len = mk_pkt(pkt, "10.1.0.2", "10.2.0.2", IPPROTO_UDP, 100, 3, 0);
	pkt[7] = 10;
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000),
	    0);
	/* Families must agree; the buffer must hold it. */
	pkt[7] = 0;
	ATF_REQUIRE_EQ(sad_addr_parse(&src, "2001:db8::1"), 0);
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1000),
	    0);
	ATF_REQUIRE_EQ(sad_addr_parse(&src, "198.51.100.2"), 0);
	ATF_CHECK_EQ(dp_icmp_too_big(out, 100, pkt, len, &src, 1000), 0);
}

ATF_TC_WITHOUT_HEAD(icmp6);
ATF_TC_BODY(icmp6, tc)
{
	uint8_t pkt[2048], out[2048];
	struct sad_addr src;
	size_t len, n;

	len = mk_pkt(pkt, "2001:db8:1::2", "2001:db8:2::2", IPPROTO_TCP, 1440,
	    4, 0);
	ATF_REQUIRE_EQ(sad_addr_parse(&src, "2001:db8:2::2"), 0);
	n = dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1438);
	ATF_REQUIRE_EQ(n, 1280);		/* RFC 4443 2.4 (c) */
	ATF_CHECK_EQ(out[0] >> 4, 6);
	ATF_CHECK_EQ(rd16(out + 4), 1240);
	ATF_CHECK_EQ(out[6], 58);
	ATF_CHECK(memcmp(out + 8, &src.a.v6, 16) == 0);
	ATF_CHECK(memcmp(out + 24, pkt + 8, 16) == 0);
	ATF_CHECK_EQ(out[40], 2);
	ATF_CHECK_EQ(out[41], 0);
	ATF_CHECK_EQ(rd32(out + 44), 1438);
	ATF_CHECK(icmp6_ok(out, n));
	ATF_CHECK(memcmp(out + 48, pkt, n - 48) == 0);
	/* Echo request yes, an error (destination unreachable) no. */
	len = mk_pkt(pkt, "2001:db8:1::2", "2001:db8:2::2", IPPROTO_UDP, 10,
	    4, 0);
	pkt[6] = 58;
	pkt[40] = 128;
	n = dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1300);
	ATF_CHECK_EQ(n, 48 + len);
	ATF_CHECK(icmp6_ok(out, n));
	pkt[40] = 1;
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1300),
	    0);
	len = mk_pkt(pkt, "::", "2001:db8:2::2", IPPROTO_UDP, 10, 4, 0);
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1300),
	    0);
	len = mk_pkt(pkt, "ff02::1", "2001:db8:2::2", IPPROTO_UDP, 10, 4, 0);
	ATF_CHECK_EQ(dp_icmp_too_big(out, sizeof(out), pkt, len, &src, 1300),
	    0);
}

/* --------------------------------------------------------- fragmentation */

/* Shuffle fragment order (a fixed permutation: reversed, odd first). */
static void
order(size_t n, size_t *idx)
{
	size_t i, k = 0;

	for (i = n; i-- > 0;)
		if (i % 2 == 1)
			idx[k++] = i;
	for (i = n; i-- > 0;)
		if (i % 2 == 0)
			idx[k++] = i;
}

ATF_TC_WITHOUT_HEAD(frag4_options);
ATF_TC_BODY(frag4_options, tc)
{
	static uint8_t orig[4096], buf[4096 + 64], frags[64][2048];
	uint8_t *bufs[64];
	size_t lens[65], len, i, k, off, pay, idx[65], hl;
	struct dp_reasm *r;
	struct dp_reasm_out o;
	int n, rc;

	/*
	 * 3000 bytes behind a 36-byte header: record route (7, not copied,
	 * 11 bytes), NOP, loose source route (0x83, copied, 7 bytes), end.
	 */
	len = mk_pkt(orig, "10.1.0.2", "10.2.0.2", IPPROTO_UDP, 2964, 5, 0);
	memmove(orig + 36, orig + 20, len - 20);
	orig[0] = 0x49;
	memset(orig + 20, 0, 16);
	orig[20] = 7;
	orig[21] = 11;
	orig[22] = 4;
	orig[31] = 1;
	orig[32] = 0x83;
	orig[33] = 3;
	orig[34] = 4;
	orig[35] = 0;
	len += 16;
	orig[2] = (uint8_t)(len >> 8);
	orig[3] = (uint8_t)len;
	orig[4] = orig[5] = 0;			/* an ID of 0 */
	orig[6] = 0;				/* no DF */
	for (i = 0; i < 64; i++)
		bufs[i] = frags[i];
	memcpy(buf, orig, len);
	n = dp_frag4(buf, len, 576, 0xbeef, bufs, 2048, 64, lens);
	ATF_REQUIRE_MSG(n >= 6, "%d fragments", n);
	for (k = 0, off = 0; k < (size_t)n; k++) {
		const uint8_t *f = k == 0 ? buf : frags[k - 1];

		hl = (size_t)(f[0] & 15) * 4;
		ATF_CHECK(lens[k] <= 576);
		ATF_CHECK_EQ(rd16(f + 2), lens[k]);
		ATF_CHECK(sum_ok(0, f, hl));
		ATF_CHECK_EQ(rd16(f + 4), 0xbeef);
		ATF_CHECK_EQ((size_t)(rd16(f + 6) & 0x1fff) * 8, off);
		ATF_CHECK_EQ((rd16(f + 6) & 0x2000) != 0, k + 1 < (size_t)n);
		/* The first keeps every option, the others the copied. */
		ATF_CHECK_EQ(hl, k == 0 ? 36 : 24);
		if (k > 0)
			ATF_CHECK(memcmp(f + 20, "\x83\x03\x04\0", 4) == 0);
		pay = lens[k] - hl;
		if (k + 1 < (size_t)n)
			ATF_CHECK_EQ(pay % 8, 0);
		ATF_CHECK(memcmp(f + hl, orig + 36 + off, pay) == 0);
		off += pay;
	}
	ATF_CHECK_EQ(off, len - 36);
	/* Back together in another order. */
	ATF_REQUIRE((r = dp_reasm_new()) != NULL);
	order((size_t)n, idx);
	for (k = 0; k < (size_t)n; k++) {
		rc = dp_reasm_add(r, idx[k] == 0 ? buf : frags[idx[k] - 1],
		    lens[idx[k]], 1000, &o);
		ATF_CHECK_EQ(rc, k + 1 < (size_t)n ? DP_REASM_HELD :
		    DP_REASM_DONE);
	}
	ATF_REQUIRE(o.buf != NULL);
	ATF_CHECK_EQ(o.len, len);
	ATF_CHECK_EQ(o.maxfrag, 576);
	ATF_CHECK(memcmp(o.buf + o.off + 20, orig + 20, len - 20) == 0);
	ATF_CHECK_EQ(rd16(o.buf + o.off + 6), 0);
	ATF_CHECK(sum_ok(0, o.buf + o.off, 36));
	dp_reasm_release(&o);
	dp_reasm_free(r);
	/* DF, fitting, room for too few, a path too small: refused. */
	memcpy(buf, orig, len);
	buf[6] = 0x40;
	ATF_CHECK_EQ(dp_frag4(buf, len, 576, 1, bufs, 2048, 64, lens), -1);
	buf[6] = 0;
	ATF_CHECK_EQ(dp_frag4(buf, len, 4000, 1, bufs, 2048, 64, lens), -1);
	ATF_CHECK_EQ(dp_frag4(buf, len, 576, 1, bufs, 2048, 2, lens), -1);
	ATF_CHECK_EQ(dp_frag4(buf, len, 40, 1, bufs, 2048, 64, lens), -1);
	ATF_CHECK_EQ(dp_frag4(buf, len, 576, 1, bufs, 100, 64, lens), -1);
}

ATF_TC_WITHOUT_HEAD(frag6_ext);
ATF_TC_BODY(frag6_ext, tc)
{
	static uint8_t orig[8192], mem[8192 + 64], frags[16][2048];
	uint8_t *bufs[16], *first, *buf = mem + 16;
	size_t lens[17], len, k, off, pay, unfrag, idx[17];
	struct dp_reasm *r;
	struct dp_reasm_out o;
	int n, rc;

	/* Hop-by-hop, destination options, routing; then the rest. */
	len = mk_pkt6_ext(orig, 5000, 6);
	unfrag = dp_ip6_unfrag(orig, len, NULL);
	ATF_REQUIRE_EQ(unfrag, 40 + 8 + 8 + 24);
	for (k = 0; k < 16; k++)
		bufs[k] = frags[k];
	memcpy(buf, orig, len);
	n = dp_frag6(buf, len, 1280, 0x12345678, bufs, 2048, 16, lens, &first);
	ATF_REQUIRE_MSG(n == 5, "%d fragments", n);
	ATF_CHECK(first == buf - 8);
	for (k = 0, off = 0; k < (size_t)n; k++) {
		const uint8_t *f = k == 0 ? first : frags[k - 1];

		ATF_CHECK(lens[k] <= 1280);
		ATF_CHECK_EQ(rd16(f + 4) + 40, lens[k]);
		/* The unfragmentable part as it was, but for the chain. */
		ATF_CHECK(memcmp(f, orig, 4) == 0);
		ATF_CHECK(memcmp(f + 6, orig + 6, 40 + 8 + 8 - 6) == 0);
		ATF_CHECK_EQ(f[40 + 8 + 8], 44);	/* routing -> frag */
		ATF_CHECK(memcmp(f + 40 + 8 + 8 + 1, orig + 40 + 8 + 8 + 1,
		    23) == 0);
		ATF_CHECK_EQ(f[unfrag], 60);	/* what follows: dst opts */
		ATF_CHECK_EQ(rd16(f + unfrag + 2) & 0xfff8, off);
		ATF_CHECK_EQ(rd16(f + unfrag + 2) & 1, k + 1 < (size_t)n);
		ATF_CHECK_EQ(rd32(f + unfrag + 4), 0x12345678);
		pay = lens[k] - unfrag - 8;
		if (k + 1 < (size_t)n)
			ATF_CHECK_EQ(pay % 8, 0);
		ATF_CHECK(memcmp(f + unfrag + 8, orig + unfrag + off, pay) ==
		    0);
		off += pay;
	}
	ATF_CHECK_EQ(off, len - unfrag);
	ATF_REQUIRE((r = dp_reasm_new()) != NULL);
	order((size_t)n, idx);
	for (k = 0; k < (size_t)n; k++) {
		rc = dp_reasm_add(r, idx[k] == 0 ? first : frags[idx[k] - 1],
		    lens[idx[k]], 1000, &o);
		ATF_CHECK_EQ(rc, k + 1 < (size_t)n ? DP_REASM_HELD :
		    DP_REASM_DONE);
	}
	ATF_REQUIRE(o.buf != NULL);
	ATF_CHECK_EQ(o.len, len);
	ATF_CHECK(memcmp(o.buf + o.off, orig, len) == 0);
	dp_reasm_release(&o);
	dp_reasm_free(r);
	/* A plain header: the fragment header right behind it. */
	len = mk_pkt(orig, "2001:db8:1::2", "2001:db8:2::2", IPPROTO_UDP,
	    3000, 7, 0);
	memcpy(buf, orig, len);
	n = dp_frag6(buf, len, 1500, 7, bufs, 2048, 16, lens, &first);
	ATF_REQUIRE_EQ(n, 3);
	ATF_CHECK_EQ(first[6], 44);
	ATF_CHECK_EQ(first[40], IPPROTO_UDP);
	ATF_CHECK_EQ(lens[0], 1496);
	/* Fits; cut already; too little room. */
	memcpy(buf, orig, len);
	ATF_CHECK_EQ(dp_frag6(buf, len, 4000, 7, bufs, 2048, 16, lens,
	    &first), -1);
	ATF_CHECK_EQ(dp_frag6(buf, len, 1280, 7, bufs, 2048, 1, lens,
	    &first), -1);
}

/* -------------------------------------------------------------- reassembly */

/* An IPv4 fragment of datagram id: payload bytes [off, off + plen). */
static size_t
frag4(uint8_t *p, uint16_t id, size_t off, size_t plen, bool more,
    uint8_t fill)
{
	size_t len = 20 + plen;

	memset(p, 0, 20);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = (uint8_t)(id >> 8);
	p[5] = (uint8_t)id;
	p[6] = (uint8_t)((off / 8) >> 8 | (more ? 0x20 : 0));
	p[7] = (uint8_t)(off / 8);
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	p[12] = 10;
	p[15] = 1;
	p[16] = 10;
	p[19] = 2;
	memset(p + 20, fill, plen);
	return (len);
}

ATF_TC_WITHOUT_HEAD(reasm_rules);
ATF_TC_BODY(reasm_rules, tc)
{
	uint8_t p[2048];
	struct dp_reasm *r;
	struct dp_reasm_out o;
	size_t len, i;

	ATF_REQUIRE((r = dp_reasm_new()) != NULL);
	/* A duplicate is dropped; the datagram still completes. */
	len = frag4(p, 1, 0, 800, true, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_HELD);
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_DROP);
	ATF_CHECK_EQ(o.dropped, 0);
	len = frag4(p, 1, 800, 100, false, 'b');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_DONE);
	ATF_CHECK_EQ(o.len, 920);
	ATF_CHECK_EQ(o.buf[o.off + 20 + 799], 'a');
	ATF_CHECK_EQ(o.buf[o.off + 20 + 800], 'b');
	dp_reasm_release(&o);
	/* An overlap drops the datagram: its other fragments too. */
	len = frag4(p, 2, 0, 800, true, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_HELD);
	len = frag4(p, 2, 792, 100, false, 'b');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_DROP);
	ATF_CHECK_EQ(o.dropped, 1);
	len = frag4(p, 2, 800, 100, false, 'b');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_HELD);
	/* Not a multiple of 8 before the end; past 65535. */
	len = frag4(p, 3, 0, 801, true, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_DROP);
	len = frag4(p, 3, 65000, 600, false, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_DROP);
	/* A second end; data beyond the end. */
	len = frag4(p, 4, 800, 100, false, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_HELD);
	len = frag4(p, 4, 1600, 100, false, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 0, &o), DP_REASM_DROP);
	ATF_CHECK_EQ(o.dropped, 1);
	/* 30 seconds: what waits goes (datagram 2's fragment). */
	len = frag4(p, 5, 0, 800, true, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 30000, &o), DP_REASM_HELD);
	ATF_CHECK_EQ(o.dropped, 1);
	len = frag4(p, 2, 0, 800, true, 'a');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 30000, &o), DP_REASM_HELD);
	len = frag4(p, 2, 800, 100, false, 'b');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 30000, &o), DP_REASM_DONE);
	dp_reasm_release(&o);
	/* A full table: the oldest gives way. */
	for (i = 0; i < 64; i++) {
		len = frag4(p, (uint16_t)(100 + i), 0, 8, true, 'c');
		(void)dp_reasm_add(r, p, len, 40000 + (int64_t)i, &o);
	}
	len = frag4(p, 5, 8, 8, false, 'c');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 40100, &o), DP_REASM_HELD);
	ATF_CHECK(o.dropped >= 1);
	len = frag4(p, 100, 8, 8, false, 'c');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 40100, &o), DP_REASM_HELD);
	len = frag4(p, 163, 8, 8, false, 'c');
	ATF_CHECK_EQ(dp_reasm_add(r, p, len, 40100, &o), DP_REASM_DONE);
	dp_reasm_release(&o);
	dp_reasm_free(r);
}

ATF_TC_WITHOUT_HEAD(reasm_atomic6);
ATF_TC_BODY(reasm_atomic6, tc)
{
	uint8_t p[256], q[256];
	struct dp_reasm *r;
	struct dp_reasm_out o;
	size_t len;

	/* RFC 6946: offset 0 and no more: delivered at once, alone. */
	len = mk_pkt(q, "2001:db8:1::2", "2001:db8:2::2", IPPROTO_UDP, 20, 8,
	    0);
	memcpy(p, q, 40);
	p[6] = 44;
	p[40] = IPPROTO_UDP;
	p[41] = 0;
	p[42] = p[43] = 0;
	p[44] = p[45] = p[46] = 0;
	p[47] = 9;
	memcpy(p + 48, q + 40, len - 40);
	p[4] = (uint8_t)((len - 40 + 8) >> 8);
	p[5] = (uint8_t)(len - 40 + 8);
	ATF_CHECK(dp_is_fragment(p, len + 8));
	ATF_CHECK(!dp_is_fragment(q, len));
	ATF_REQUIRE((r = dp_reasm_new()) != NULL);
	ATF_CHECK_EQ(dp_reasm_add(r, p, len + 8, 0, &o), DP_REASM_DONE);
	ATF_CHECK_EQ(o.len, len);
	ATF_CHECK(memcmp(o.buf + o.off, q, len) == 0);
	dp_reasm_release(&o);
	dp_reasm_free(r);
}

/* ----------------------------------------------------------------- rate */

ATF_TC_WITHOUT_HEAD(rate);
ATF_TC_BODY(rate, tc)
{
	struct dp_rate b;
	int64_t t;
	unsigned n;

	dp_rate_init(&b, 2, 2);
	ATF_CHECK(dp_rate_take(&b, 1000));
	ATF_CHECK(dp_rate_take(&b, 1000));
	ATF_CHECK(!dp_rate_take(&b, 1000));
	ATF_CHECK(!dp_rate_take(&b, 1499));
	ATF_CHECK(dp_rate_take(&b, 1500));
	ATF_CHECK(!dp_rate_take(&b, 1500));
	/* Idle for long: no more than the burst at once. */
	ATF_CHECK(dp_rate_take(&b, 100000));
	ATF_CHECK(dp_rate_take(&b, 100000));
	ATF_CHECK(!dp_rate_take(&b, 100000));
	dp_rate_destroy(&b);
	/* 1000 a second, bursts of 50: 50 + 1000 in one second. */
	dp_rate_init(&b, 1000, 50);
	for (n = 0, t = 0; t < 1000; t++)
		while (dp_rate_take(&b, t))
			n++;
	ATF_CHECK_MSG(n >= 1045 && n <= 1050, "%u in a second", n);
	dp_rate_destroy(&b);
	dp_rate_init(&b, 0, 0);
	ATF_CHECK(!dp_rate_take(&b, 0));
	dp_rate_destroy(&b);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, model_single);
	ATF_TP_ADD_TC(tp, model_bundles);
	ATF_TP_ADD_TC(tp, decide);
	ATF_TP_ADD_TC(tp, icmp4);
	ATF_TP_ADD_TC(tp, icmp6);
	ATF_TP_ADD_TC(tp, frag4_options);
	ATF_TP_ADD_TC(tp, frag6_ext);
	ATF_TP_ADD_TC(tp, reasm_rules);
	ATF_TP_ADD_TC(tp, reasm_atomic6);
	ATF_TP_ADD_TC(tp, rate);
	return (atf_no_error());
}
