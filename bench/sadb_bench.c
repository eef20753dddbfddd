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
 * sadb_bench: in-process figures for the SAD and SPD stores.
 *
 *   sadb_bench [-n SAs] [-p policies] [-l lookups] [-m matches]
 *
 * SAD: inserts/s and random lookups/s with 1M SAs (16-byte encryption
 * and 20-byte authentication keys, soft and hard lifetimes, 10k peers),
 * and the memory per SA from VmRSS before and after the inserts.
 * SPD: matches/s with 10k policies of a gateway-like mix (see spd_fill()),
 * with specificity-ordered priorities as strongSwan assigns them, with
 * every priority equal (no early stop), and with many more shapes.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <err.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "pfkey.h"
#include "sadb.h"

static const uint8_t ekey[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16 };
static const uint8_t akey[20] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
    13, 14, 15, 16, 17, 18, 19, 20 };

static double
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Resident memory in bytes (Linux /proc); 0 where there is none. */
static uint64_t
rss_bytes(void)
{
	FILE *f;
	char line[256];
	uint64_t kb = 0;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %" SCNu64 " kB", &kb) == 1)
			break;
	fclose(f);
	return (kb * 1024);
}

static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

static void
v4(struct sad_addr *a, uint32_t host)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET;
	a->plen = 32;
	a->a.v4.s_addr = htonl(host);
}

#define PEERS		10000

/* SA i goes to peer i % PEERS; its SPI is spis[i]. */
static void
sa_make(struct sad_entry *e, size_t i, uint32_t spi)
{
	sad_entry_init(e);
	e->has = SAD_HAS_SPI | SAD_HAS_STATE | SAD_HAS_MODE | SAD_HAS_REQID |
	    SAD_HAS_AALG | SAD_HAS_EALG | SAD_HAS_AKEY | SAD_HAS_EKEY |
	    SAD_HAS_LT_HARD | SAD_HAS_LT_SOFT | SAD_HAS_REPLAY;
	e->satype = PFKEY_SATYPE_ESP;
	e->state = PFKEY_SASTATE_MATURE;
	e->mode = PFKEY_MODE_TUNNEL;
	e->spi = spi;
	e->reqid = (uint32_t)(i % PEERS) + 1;
	e->replay = 64;
	e->aalg = PFKEY_AALG_SHA1HMAC;
	e->ealg = PFKEY_EALG_AESCBC;
	v4(&e->src, 0xc0a80001);			/* 192.168.0.1 */
	v4(&e->dst, 0x0a000000 + (uint32_t)(i % PEERS));	/* 10.0.x.y */
	e->soft.addtime = 3000;
	e->hard.addtime = 3600;
	if (sad_key_set(&e->ekey, ekey, 128) != 0 ||
	    sad_key_set(&e->akey, akey, 160) != 0)
		errx(1, "out of memory");
}

static void
bench_sad(size_t n, size_t nlookups)
{
	struct sad *sad;
	struct sad_entry e, *out;
	struct sad_addr dst;
	uint32_t *spis;
	uint64_t seed = 1, rss0, rss1, found = 0;
	double t0, t1;
	size_t i, j;
	int r;

	if ((spis = calloc(n, sizeof(*spis))) == NULL)
		err(1, "calloc");
	/* Random distinct SPIs per peer: retry the rare collisions. */
	for (i = 0; i < n; i++)
		spis[i] = 256 + (uint32_t)(rnd(&seed) % (UINT32_MAX - 256));

	if ((sad = sad_new()) == NULL)
		errx(1, "sad_new");
	rss0 = rss_bytes();
	t0 = now_sec();
	for (i = 0; i < n; i++) {
		sa_make(&e, i, spis[i]);
		while ((r = sad_insert_move(sad, &e, &out)) == SAD_ERR_EXISTS)
			e.spi = spis[i] = 256 + (uint32_t)(rnd(&seed) %
			    (UINT32_MAX - 256));
		if (r != 0)
			errx(1, "sad_insert_move: %s", sad_strerror(r));
	}
	t1 = now_sec();
	rss1 = rss_bytes();
	printf("SAD inserts (sad_insert_move, keys allocated): %zu in %.2f s"
	    " = %.0f/s\n", n, t1 - t0, (double)n / (t1 - t0));
	printf("SAD memory: sizeof(struct sad_entry) %zu", sizeof(e));
#ifdef __GLIBC__
	/* The entry is the first member of its node, one allocation. */
	printf(", SA node allocation %zu (malloc_usable_size)",
	    malloc_usable_size(out));
#endif
	printf("\n");
	if (rss1 != 0)
		printf("SAD memory: VmRSS +%.1f MB for %zu SAs = %.0f bytes/SA"
		    " (%.0f beyond the 36 key bytes)\n",
		    (double)(rss1 - rss0) / 1048576.0, n,
		    (double)(rss1 - rss0) / (double)n,
		    (double)(rss1 - rss0) / (double)n - 36);

	/* Random lookups of present SAs. */
	seed = 2;
	t0 = now_sec();
	for (j = 0; j < nlookups; j++) {
		i = (size_t)(rnd(&seed) % n);
		v4(&dst, 0x0a000000 + (uint32_t)(i % PEERS));
		if (sad_lookup(sad, &dst, PFKEY_SATYPE_ESP, spis[i]) != NULL)
			found++;
	}
	t1 = now_sec();
	if (found != nlookups)
		errx(1, "lookup missed %" PRIu64 " SAs", nlookups - found);
	printf("SAD random lookups with %zu SAs: %zu in %.2f s = %.0f/s\n",
	    n, nlookups, t1 - t0, (double)nlookups / (t1 - t0));

	/* Outbound choice: every peer has n / PEERS SAs on one pair. */
	{
		struct sad_addr src;

		v4(&src, 0xc0a80001);
		seed = 3;
		found = 0;
		t0 = now_sec();
		for (j = 0; j < nlookups; j++) {
			i = (size_t)(rnd(&seed) % PEERS);
			v4(&dst, 0x0a000000 + (uint32_t)i);
			if (sad_lookup_out(sad, &src, &dst, PFKEY_SATYPE_ESP,
			    (uint32_t)i + 1) != NULL)
				found++;
		}
		t1 = now_sec();
		printf("SAD lookup_out (%zu SAs per pair): %.0f/s\n",
		    n / PEERS, (double)nlookups / (t1 - t0));
	}

	t0 = now_sec();
	sad_free(sad);
	t1 = now_sec();
	printf("SAD free of %zu SAs: %.2f s\n", n, t1 - t0);
	free(spis);
}

/*
 * A gateway's SPD, built in pairs (out and the mirrored in policy):
 *   50% subnet to subnet      /24 -> /24  any protocol
 *   20% host to host          /32 -> /32  any protocol
 *   15% host to subnet, TCP   /32 -> /24  dport 22, 80 or 443
 *   10% subnet to host, UDP   /24 -> /32  any port
 *    5% IPv6 subnets          /64 -> /64  any protocol
 * Priorities as strongSwan orders them (more specific first), or all
 * equal (MIX_FLAT).  MIX_SHAPES draws the v4 prefix lengths from
 * 16, 20, 24, 28 and 32 on each side, about 100 shapes per direction.
 */
enum mix { MIX_GATEWAY, MIX_FLAT, MIX_SHAPES };

static uint32_t
prio_of(enum mix mix, unsigned splen, unsigned dplen, bool proto, bool port)
{
	if (mix == MIX_FLAT)
		return (0x80000000u);
	return (0x80000000u - (splen + dplen) * 4 - (proto ? 2 : 0) -
	    (port ? 1 : 0));
}

static void
v6(struct sad_addr *a, uint32_t net, uint64_t host, uint8_t plen)
{
	memset(a, 0, sizeof(*a));
	a->af = AF_INET6;
	a->plen = plen;
	a->a.b[0] = 0x20;
	a->a.b[1] = 0x01;
	a->a.b[2] = 0x0d;
	a->a.b[3] = 0xb8;
	a->a.b[4] = (uint8_t)(net >> 24);
	a->a.b[5] = (uint8_t)(net >> 16);
	a->a.b[6] = (uint8_t)(net >> 8);
	a->a.b[7] = (uint8_t)net;
	memcpy(&a->a.b[8], &host, 8);
}

static void
spd_fill(struct spd *spd, size_t npol, enum mix mix)
{
	static const uint16_t ports[] = { 22, 80, 443 };
	static const uint8_t plens[] = { 16, 20, 24, 28, 32 };
	struct spd_entry p;
	uint64_t seed = 4;
	size_t i;
	unsigned kind, d;
	uint32_t a, b;
	struct sad_addr t;
	int r;

	for (i = 0; i < npol / 2; i++) {
		spd_entry_init(&p);
		p.action = PFKEY_POLICY_IPSEC;
		p.nreq = 1;
		p.req[0].proto = PFKEY_IPPROTO_ESP;
		p.req[0].mode = PFKEY_MODE_TUNNEL;
		p.req[0].level = PFKEY_LEVEL_REQUIRE;
		p.sel.proto = SPD_PROTO_ANY;
		/* Local side 172.16/12, remote side 10/8. */
		a = 0xac100000 + (uint32_t)(rnd(&seed) % 0x100000);
		b = 0x0a000000 + (uint32_t)(rnd(&seed) % 0x1000000);
		kind = (unsigned)(rnd(&seed) % 100);
		if (kind < 50) {
			v4(&p.sel.src, a & ~0xffu);
			v4(&p.sel.dst, b & ~0xffu);
			p.sel.src.plen = p.sel.dst.plen = 24;
			p.priority = prio_of(mix, 24, 24, false, false);
		} else if (kind < 70) {
			v4(&p.sel.src, a);
			v4(&p.sel.dst, b);
			p.priority = prio_of(mix, 32, 32, false, false);
		} else if (kind < 85) {
			v4(&p.sel.src, a);
			v4(&p.sel.dst, b & ~0xffu);
			p.sel.dst.plen = 24;
			p.sel.proto = IPPROTO_TCP;
			p.sel.dst.port = ports[rnd(&seed) % 3];
			p.priority = prio_of(mix, 32, 24, true, true);
		} else if (kind < 95) {
			v4(&p.sel.src, a & ~0xffu);
			p.sel.src.plen = 24;
			v4(&p.sel.dst, b);
			p.sel.proto = IPPROTO_UDP;
			p.priority = prio_of(mix, 24, 32, true, false);
		} else {
			v6(&p.sel.src, a, 0, 64);
			v6(&p.sel.dst, b, 0, 64);
			p.priority = prio_of(mix, 64, 64, false, false);
		}
		if (mix == MIX_SHAPES && p.sel.src.af == AF_INET) {
			p.sel.src.plen = plens[rnd(&seed) % 5];
			p.sel.dst.plen = plens[rnd(&seed) % 5];
			p.sel.src.a.v4.s_addr &= htonl(~0u <<
			    (32 - p.sel.src.plen));
			p.sel.dst.a.v4.s_addr &= htonl(~0u <<
			    (32 - p.sel.dst.plen));
			p.priority = prio_of(mix, p.sel.src.plen,
			    p.sel.dst.plen, p.sel.proto != SPD_PROTO_ANY,
			    p.sel.dst.port != 0);
		}
		for (d = 0; d < 2; d++) {
			p.dir = d == 0 ? PFKEY_DIR_OUTBOUND : PFKEY_DIR_INBOUND;
			r = spd_insert(spd, &p, false, NULL);
			if (r != 0 && r != SAD_ERR_EXISTS)
				errx(1, "spd_insert: %s", sad_strerror(r));
			/* The mirror: swap ends and ports. */
			t = p.sel.src;
			p.sel.src = p.sel.dst;
			p.sel.dst = t;
		}
		spd_entry_clear(&p);
	}
}

/*
 * Flows: half aimed at a policy's space (they usually match), half
 * random within the same /8s (they usually do not), both directions.
 */
struct bflow {
	uint8_t		dir;
	struct spd_flow	f;
};

static void
flows_make(struct bflow *fl, size_t n)
{
	static const uint16_t ports[] = { 22, 80, 443, 53, 4500, 33000 };
	uint64_t seed = 5;
	uint32_t a, b;
	size_t i;

	for (i = 0; i < n; i++) {
		struct spd_flow *f = &fl[i].f;

		memset(f, 0, sizeof(*f));
		a = 0xac100000 + (uint32_t)(rnd(&seed) % 0x100000);
		b = 0x0a000000 + (uint32_t)(rnd(&seed) % 0x1000000);
		if (rnd(&seed) % 20 == 0) {
			v6(&f->src, a, rnd(&seed), 128);
			v6(&f->dst, b, rnd(&seed), 128);
		} else {
			v4(&f->src, a);
			v4(&f->dst, b);
		}
		f->proto = (uint8_t[]){ IPPROTO_TCP, IPPROTO_UDP,
		    IPPROTO_ICMP }[rnd(&seed) % 3];
		f->sport = ports[rnd(&seed) % 6];
		f->dport = ports[rnd(&seed) % 6];
		fl[i].dir = PFKEY_DIR_OUTBOUND;
		if (rnd(&seed) % 2) {
			struct sad_addr t = f->src;
			uint16_t p = f->sport;

			f->src = f->dst;
			f->dst = t;
			f->sport = f->dport;
			f->dport = p;
			fl[i].dir = PFKEY_DIR_INBOUND;
		}
	}
}

/* Aim every other flow at a random policy, so that about half match. */
static void
flows_aim(struct spd *spd, struct bflow *fl, size_t n)
{
	struct spd_iter it;
	struct spd_entry *p, **pol;
	size_t i, npol = 0;
	uint64_t seed = 6;

	if ((pol = calloc(spd_count(spd), sizeof(*pol))) == NULL)
		err(1, "calloc");
	spd_iter_init(&it);
	while ((p = spd_next(spd, &it)) != NULL)
		pol[npol++] = p;
	for (i = 0; i < n && npol > 0; i += 2) {
		p = pol[rnd(&seed) % npol];
		fl[i].dir = p->dir;
		fl[i].f.src = p->sel.src;
		fl[i].f.dst = p->sel.dst;
		if (p->sel.src.af == AF_INET) {
			fl[i].f.src.a.v4.s_addr |= htonl((uint32_t)rnd(&seed) &
			    (p->sel.src.plen == 32 ? 0 : 0xff));
			fl[i].f.dst.a.v4.s_addr |= htonl((uint32_t)rnd(&seed) &
			    (p->sel.dst.plen == 32 ? 0 : 0xff));
		} else {
			fl[i].f.src.a.b[15] = (uint8_t)rnd(&seed);
			fl[i].f.dst.a.b[15] = (uint8_t)rnd(&seed);
		}
		if (p->sel.proto != SPD_PROTO_ANY)
			fl[i].f.proto = p->sel.proto;
		if (p->sel.dst.port != 0)
			fl[i].f.dport = p->sel.dst.port;
		if (p->sel.src.port != 0)
			fl[i].f.sport = p->sel.src.port;
	}
	free(pol);
}

#define NFLOWS	65536

static void
bench_spd(size_t npol, size_t nmatch, enum mix mix)
{
	struct spd *spd;
	struct bflow *fl;
	uint64_t hits = 0;
	double t0, t1;
	size_t j;

	if ((spd = spd_new()) == NULL)
		errx(1, "spd_new");
	t0 = now_sec();
	spd_fill(spd, npol, mix);
	t1 = now_sec();
	if ((fl = calloc(NFLOWS, sizeof(*fl))) == NULL)
		err(1, "calloc");
	flows_make(fl, NFLOWS);
	flows_aim(spd, fl, NFLOWS);

	t0 = now_sec();
	for (j = 0; j < nmatch; j++) {
		const struct bflow *b = &fl[j & (NFLOWS - 1)];

		if (spd_match(spd, b->dir, &b->f) != NULL)
			hits++;
	}
	t1 = now_sec();
	printf("SPD matches with %zu policies (%s): %zu in %.2f s"
	    " = %.0f/s (%.0f%% matched)\n", spd_count(spd),
	    mix == MIX_GATEWAY ? "gateway mix, specificity priorities" :
	    mix == MIX_FLAT ? "gateway mix, equal priorities" :
	    "~100 shapes per direction", nmatch, t1 - t0,
	    (double)nmatch / (t1 - t0), 100.0 * (double)hits / (double)nmatch);
	free(fl);
	spd_free(spd);
}

static size_t
num(const char *s)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v == 0)
		errx(1, "bad number: %s", s);
	return ((size_t)v);
}

int
main(int argc, char *argv[])
{
	size_t nsa = 1000000, npol = 10000, nlook = 5000000, nmatch = 5000000;
	int ch;

	while ((ch = getopt(argc, argv, "n:p:l:m:")) != -1) {
		switch (ch) {
		case 'n':
			nsa = num(optarg);
			break;
		case 'p':
			npol = num(optarg);
			break;
		case 'l':
			nlook = num(optarg);
			break;
		case 'm':
			nmatch = num(optarg);
			break;
		default:
			fprintf(stderr, "usage: sadb_bench [-n SAs] "
			    "[-p policies] [-l lookups] [-m matches]\n");
			return (1);
		}
	}
	bench_sad(nsa, nlook);
	bench_spd(npol, nmatch, MIX_GATEWAY);
	bench_spd(npol, nmatch, MIX_FLAT);
	bench_spd(npol, nmatch, MIX_SHAPES);
	return (0);
}
