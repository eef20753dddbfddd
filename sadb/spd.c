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
 * The SPD: an in-memory store of security policies.
 *
 * Policies are kept in three red-black trees: by id (GET/DELETE2), by
 * (dir, selector) (uniqueness, SPDDELETE) and by (priority, insertion
 * order), the order in which they match and are dumped.
 *
 * Packet matching uses tuple-space search (Srinivasan et al., 1999), as
 * Open vSwitch's classifier does: policies are grouped by "shape", the
 * direction, family, both prefix lengths and which of protocol, source
 * port and destination port are wildcards.  Within a shape every policy
 * covers exactly the flows whose masked fields equal its own, so each
 * shape is a hash table keyed by the masked fields.  A lookup masks the
 * flow once per shape and probes one bucket.  Shapes are sorted by a
 * lower bound of their best priority, so the search stops as soon as no
 * remaining shape can beat the best policy found.  Buckets hash with a
 * per-store random key, so whoever chooses selectors cannot predict
 * collisions.
 */

#include <sys/types.h>
#include <sys/tree.h>

#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sadb.h"
#include "sadb_priv.h"

/* libbsd leaves __unused out (Linux headers use the name); tree.h needs it. */
#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

/* Masked-key words: v4 fits in 2, v6 needs 5 (see spd_words()). */
#define SPD_KEYW		5
#define SPD_KEYW_V4		2
#define SPD_KEYW_V6		5

#define SH_WILD_PROTO		0x01
#define SH_WILD_SPORT		0x02
#define SH_WILD_DPORT		0x04

#define PN_EXPIRING		0x01	/* inside its hard-expiry callback */
#define PN_SOFT_DONE		0x02	/* soft expiry reported */

/*
 * Linux (xfrm_gen_index()) puts the XFRM direction, PF_KEY's minus one,
 * in the low three bits of a policy index and derives the direction back
 * from it (xfrm_policy_id2dir(), used by af_key's SPDGET/SPDDELETE2).
 */
#define SPD_LINUX_IDDIR(dir)	((uint32_t)((dir) - 1) & 7)

struct spd_shape;

struct spd_node {
	/* What a probe touches comes first, in one cache line. */
	struct spd_node		*pn_hnext;	/* bucket chain */
	uint64_t		 pn_mkey[SPD_KEYW];	/* masked selector */
	uint64_t		 pn_order;	/* insertion order */
	uint32_t		 pn_prio;	/* copy of pn_entry.priority */
	uint32_t		 pn_heapidx;	/* 1-based; 0 = no deadline */
	struct spd_shape	*pn_shape;
	RB_ENTRY(spd_node)	 pn_byid;
	RB_ENTRY(spd_node)	 pn_bysel;
	RB_ENTRY(spd_node)	 pn_byprio;
	uint8_t			 pn_flags;	/* PN_* */
	struct spd_entry	 pn_entry;
};

struct spd_shape {
	uint8_t			 sh_dir;
	uint8_t			 sh_af;
	uint8_t			 sh_splen;
	uint8_t			 sh_dplen;
	uint8_t			 sh_wild;	/* SH_WILD_* */
	uint8_t			 sh_nw;		/* key words */
	uint32_t		 sh_bound;	/* <= every priority inside */
	uint64_t		 sh_mask[SPD_KEYW];
	size_t			 sh_count;
	size_t			 sh_nbuckets;	/* a power of two */
	struct spd_node		**sh_buckets;
};

/* The shapes of one direction and family, by ascending sh_bound. */
struct spd_group {
	uint8_t			 g_dir;
	uint8_t			 g_af;
	size_t			 g_nshapes;
	size_t			 g_cap;
	struct spd_shape	**g_shapes;
};

RB_HEAD(spd_byid, spd_node);
RB_HEAD(spd_bysel, spd_node);
RB_HEAD(spd_byprio, spd_node);

struct spd {
	struct spd_byid		 spd_byid;
	struct spd_bysel	 spd_bysel;
	struct spd_byprio	 spd_byprio;
	size_t			 spd_count;
	uint64_t		 spd_order;
	enum spd_idstyle	 spd_idstyle;
	uint32_t		 spd_idgen;	/* Linux: next index << 3 */
	uint32_t		 spd_kameid;	/* KAME: last id given */
	uint64_t		 spd_seed[8];
	struct spd_group	*spd_groups;
	size_t			 spd_ngroups;
	struct tq		 spd_tq;	/* lifetime deadlines */
};

static int	spd_byid_cmp(const struct spd_node *, const struct spd_node *);
static int	spd_bysel_cmp(const struct spd_node *,
		    const struct spd_node *);
static int	spd_byprio_cmp(const struct spd_node *,
		    const struct spd_node *);

RB_PROTOTYPE_STATIC(spd_byid, spd_node, pn_byid, spd_byid_cmp)
RB_PROTOTYPE_STATIC(spd_bysel, spd_node, pn_bysel, spd_bysel_cmp)
RB_PROTOTYPE_STATIC(spd_byprio, spd_node, pn_byprio, spd_byprio_cmp)

static inline struct spd_node *
spd_node_of(struct spd_entry *e)
{
	return ((struct spd_node *)(void *)((char *)e -
	    offsetof(struct spd_node, pn_entry)));
}

static inline int
u32_cmp(uint32_t a, uint32_t b)
{
	return (a < b ? -1 : a > b);
}

static inline int
u64_cmp(uint64_t a, uint64_t b)
{
	return (a < b ? -1 : a > b);
}

static int
spd_byid_cmp(const struct spd_node *a, const struct spd_node *b)
{
	return (u32_cmp(a->pn_entry.id, b->pn_entry.id));
}

static int
spd_addr_cmp(const struct sad_addr *a, const struct sad_addr *b)
{
	int r;

	if ((r = sad_addr_cmp(a, b)) != 0)
		return (r);
	if (a->plen != b->plen)
		return (a->plen < b->plen ? -1 : 1);
	if (a->port != b->port)
		return (a->port < b->port ? -1 : 1);
	return (0);
}

/* Selectors are compared exactly, host bits too, as both kernels do. */
static int
spd_selkey_cmp(uint8_t dir, const struct spd_selector *sel,
    const struct spd_node *n)
{
	const struct spd_selector *ns = &n->pn_entry.sel;
	int r;

	if (dir != n->pn_entry.dir)
		return (dir < n->pn_entry.dir ? -1 : 1);
	if ((r = spd_addr_cmp(&sel->src, &ns->src)) != 0)
		return (r);
	if ((r = spd_addr_cmp(&sel->dst, &ns->dst)) != 0)
		return (r);
	if (sel->proto != ns->proto)
		return (sel->proto < ns->proto ? -1 : 1);
	return (0);
}

static int
spd_bysel_cmp(const struct spd_node *a, const struct spd_node *b)
{
	return (spd_selkey_cmp(a->pn_entry.dir, &a->pn_entry.sel, b));
}

static int
spd_byprio_cmp(const struct spd_node *a, const struct spd_node *b)
{
	int r;

	if ((r = u32_cmp(a->pn_prio, b->pn_prio)) != 0)
		return (r);
	return (u64_cmp(a->pn_order, b->pn_order));
}

RB_GENERATE_STATIC(spd_byid, spd_node, pn_byid, spd_byid_cmp)
RB_GENERATE_STATIC(spd_bysel, spd_node, pn_bysel, spd_bysel_cmp)
RB_GENERATE_STATIC(spd_byprio, spd_node, pn_byprio, spd_byprio_cmp)

static struct spd_node *
spd_find_id(const struct spd *spd, uint32_t id)
{
	struct spd_node *n = RB_ROOT(&spd->spd_byid);

	while (n != NULL) {
		if (id == n->pn_entry.id)
			return (n);
		n = id < n->pn_entry.id ? RB_LEFT(n, pn_byid) :
		    RB_RIGHT(n, pn_byid);
	}
	return (NULL);
}

static struct spd_node *
spd_find_sel(const struct spd *spd, uint8_t dir,
    const struct spd_selector *sel)
{
	struct spd_node *n = RB_ROOT(&spd->spd_bysel);
	int r;

	while (n != NULL) {
		if ((r = spd_selkey_cmp(dir, sel, n)) == 0)
			return (n);
		n = r < 0 ? RB_LEFT(n, pn_bysel) : RB_RIGHT(n, pn_bysel);
	}
	return (NULL);
}

/* ------------------------------------------------------------ match keys */

/*
 * The fields a selector can constrain, laid out in 64-bit words so that
 * masking and comparing are a few word operations:
 *   v4: src(4) dst(4) | proto(1) pad(1) sport(2) dport(2) pad(2)
 *   v6: src(16) dst(16) | proto(1) pad(1) sport(2) dport(2) pad(2)
 * A mask uses the same layout; only equality matters, so byte order does
 * not.
 */
union spd_words {
	uint8_t		b[SPD_KEYW * 8];
	uint64_t	w[SPD_KEYW];
};

static unsigned
spd_words(union spd_words *k, sa_family_t af, const uint8_t *src,
    const uint8_t *dst, uint8_t proto, uint16_t sport, uint16_t dport)
{
	size_t alen = af == AF_INET ? 4 : 16;
	uint8_t *p = k->b + 2 * alen;

	memset(k, 0, sizeof(*k));
	memcpy(k->b, src, alen);
	memcpy(k->b + alen, dst, alen);
	p[0] = proto;
	memcpy(p + 2, &sport, sizeof(sport));
	memcpy(p + 4, &dport, sizeof(dport));
	return (af == AF_INET ? SPD_KEYW_V4 : SPD_KEYW_V6);
}

static void
spd_prefix_mask(uint8_t *m, unsigned plen)
{
	unsigned i;

	for (i = 0; i < plen / 8; i++)
		m[i] = 0xff;
	if (plen % 8 != 0)
		m[i] = (uint8_t)(0xff << (8 - plen % 8));
}

static void
spd_shape_mask(struct spd_shape *sh)
{
	union spd_words k;
	uint8_t sm[16], dm[16];

	memset(sm, 0, sizeof(sm));
	memset(dm, 0, sizeof(dm));
	spd_prefix_mask(sm, sh->sh_splen);
	spd_prefix_mask(dm, sh->sh_dplen);
	sh->sh_nw = (uint8_t)spd_words(&k, sh->sh_af, sm, dm,
	    (sh->sh_wild & SH_WILD_PROTO) ? 0 : 0xff,
	    (sh->sh_wild & SH_WILD_SPORT) ? 0 : 0xffff,
	    (sh->sh_wild & SH_WILD_DPORT) ? 0 : 0xffff);
	memcpy(sh->sh_mask, k.w, sizeof(sh->sh_mask));
}

static inline uint64_t
spd_mum(uint64_t a, uint64_t b)
{
#ifdef __SIZEOF_INT128__
	__uint128_t r = (__uint128_t)a * b;

	return ((uint64_t)r ^ (uint64_t)(r >> 64));
#else
	uint64_t r = a * (b | 1);

	return (r ^ (r >> 29) ^ (b >> 32) * (a | 1));
#endif
}

/*
 * A keyed multiply-mix hash (wyhash's core): fast enough to run once per
 * shape per packet, and with a secret random key per store, so that
 * colliding selectors cannot be chosen in advance.
 */
static inline uint64_t
spd_hash(const struct spd *spd, const uint64_t *w, unsigned nw)
{
	const uint64_t *k = spd->spd_seed;
	uint64_t h;

	if (nw == SPD_KEYW_V4)
		h = spd_mum(w[0] ^ k[0], w[1] ^ k[1]);
	else {
		h = spd_mum(w[0] ^ k[0], w[1] ^ k[1]) ^
		    spd_mum(w[2] ^ k[2], w[3] ^ k[3]);
		h = spd_mum(h ^ k[4], w[4] ^ k[5]);
	}
	return (spd_mum(h ^ k[6], k[7]));
}

static inline bool
spd_mkey_eq(const uint64_t *a, const uint64_t *b, unsigned nw)
{
	unsigned i;

	for (i = 0; i < nw; i++)
		if (a[i] != b[i])
			return (false);
	return (true);
}

/* ---------------------------------------------------------------- shapes */

static struct spd_group *
spd_group_find(const struct spd *spd, uint8_t dir, sa_family_t af)
{
	size_t i;

	for (i = 0; i < spd->spd_ngroups; i++)
		if (spd->spd_groups[i].g_dir == dir &&
		    spd->spd_groups[i].g_af == af)
			return (&spd->spd_groups[i]);
	return (NULL);
}

static struct spd_group *
spd_group_get(struct spd *spd, uint8_t dir, sa_family_t af)
{
	struct spd_group *g;

	if ((g = spd_group_find(spd, dir, af)) != NULL)
		return (g);
	g = reallocarray(spd->spd_groups, spd->spd_ngroups + 1, sizeof(*g));
	if (g == NULL)
		return (NULL);
	spd->spd_groups = g;
	g = &spd->spd_groups[spd->spd_ngroups++];
	memset(g, 0, sizeof(*g));
	g->g_dir = dir;
	g->g_af = (uint8_t)af;
	return (g);
}

/* Move shape i left to its place after its bound went down. */
static void
spd_group_sort_left(struct spd_group *g, size_t i)
{
	struct spd_shape *sh = g->g_shapes[i];

	while (i > 0 && g->g_shapes[i - 1]->sh_bound > sh->sh_bound) {
		g->g_shapes[i] = g->g_shapes[i - 1];
		i--;
	}
	g->g_shapes[i] = sh;
}

static uint8_t
spd_sel_wild(const struct spd_selector *sel)
{
	uint8_t wild = 0;

	if (sel->proto == SPD_PROTO_ANY)
		wild |= SH_WILD_PROTO;
	if (sel->src.port == 0)
		wild |= SH_WILD_SPORT;
	if (sel->dst.port == 0)
		wild |= SH_WILD_DPORT;
	return (wild);
}

/* The shape of a policy, made if new; NULL when out of memory. */
static struct spd_shape *
spd_shape_get(struct spd *spd, const struct spd_entry *e)
{
	struct spd_group *g;
	struct spd_shape *sh, **shapes;
	uint8_t wild = spd_sel_wild(&e->sel);
	size_t i, cap;

	if ((g = spd_group_get(spd, e->dir, e->sel.src.af)) == NULL)
		return (NULL);
	for (i = 0; i < g->g_nshapes; i++) {
		sh = g->g_shapes[i];
		if (sh->sh_splen == e->sel.src.plen &&
		    sh->sh_dplen == e->sel.dst.plen && sh->sh_wild == wild)
			return (sh);
	}
	if (g->g_nshapes == g->g_cap) {
		cap = g->g_cap == 0 ? 8 : g->g_cap * 2;
		shapes = reallocarray(g->g_shapes, cap, sizeof(*shapes));
		if (shapes == NULL)
			return (NULL);
		g->g_shapes = shapes;
		g->g_cap = cap;
	}
	if ((sh = calloc(1, sizeof(*sh))) == NULL)
		return (NULL);
	sh->sh_nbuckets = 4;
	if ((sh->sh_buckets = calloc(sh->sh_nbuckets,
	    sizeof(*sh->sh_buckets))) == NULL) {
		free(sh);
		return (NULL);
	}
	sh->sh_dir = e->dir;
	sh->sh_af = (uint8_t)e->sel.src.af;
	sh->sh_splen = e->sel.src.plen;
	sh->sh_dplen = e->sel.dst.plen;
	sh->sh_wild = wild;
	sh->sh_bound = e->priority;
	spd_shape_mask(sh);
	g->g_shapes[g->g_nshapes++] = sh;
	spd_group_sort_left(g, g->g_nshapes - 1);
	return (sh);
}

static void
spd_shape_free(struct spd_shape *sh)
{
	free(sh->sh_buckets);
	free(sh);
}

/* Drop an empty shape from its group. */
static void
spd_shape_drop(struct spd *spd, struct spd_shape *sh)
{
	struct spd_group *g;
	size_t i;

	g = spd_group_find(spd, sh->sh_dir, sh->sh_af);
	for (i = 0; g != NULL && i < g->g_nshapes; i++) {
		if (g->g_shapes[i] != sh)
			continue;
		memmove(&g->g_shapes[i], &g->g_shapes[i + 1],
		    (g->g_nshapes - i - 1) * sizeof(*g->g_shapes));
		g->g_nshapes--;
		break;
	}
	spd_shape_free(sh);
}

/* Lower the shape's bound for a new priority and keep the group sorted. */
static void
spd_shape_bound(struct spd *spd, struct spd_shape *sh, uint32_t prio)
{
	struct spd_group *g;
	size_t i;

	if (prio >= sh->sh_bound)
		return;
	sh->sh_bound = prio;
	if ((g = spd_group_find(spd, sh->sh_dir, sh->sh_af)) == NULL)
		return;
	for (i = 0; i < g->g_nshapes; i++)
		if (g->g_shapes[i] == sh) {
			spd_group_sort_left(g, i);
			break;
		}
}

/* Double the buckets when the chains get long; failure is harmless. */
static void
spd_shape_grow(const struct spd *spd, struct spd_shape *sh)
{
	struct spd_node **nb, *n, *next;
	size_t i, nbuckets = sh->sh_nbuckets * 2, b;

	if ((nb = calloc(nbuckets, sizeof(*nb))) == NULL)
		return;
	for (i = 0; i < sh->sh_nbuckets; i++) {
		for (n = sh->sh_buckets[i]; n != NULL; n = next) {
			next = n->pn_hnext;
			b = spd_hash(spd, n->pn_mkey, sh->sh_nw) &
			    (nbuckets - 1);
			n->pn_hnext = nb[b];
			nb[b] = n;
		}
	}
	free(sh->sh_buckets);
	sh->sh_buckets = nb;
	sh->sh_nbuckets = nbuckets;
}

static void
spd_shape_add(struct spd *spd, struct spd_shape *sh, struct spd_node *n)
{
	const struct spd_selector *sel = &n->pn_entry.sel;
	union spd_words k;
	size_t b;
	unsigned i;

	(void)spd_words(&k, sel->src.af, sel->src.a.b, sel->dst.a.b,
	    sel->proto, sel->src.port, sel->dst.port);
	for (i = 0; i < SPD_KEYW; i++)
		n->pn_mkey[i] = k.w[i] & sh->sh_mask[i];
	if (sh->sh_count >= sh->sh_nbuckets)
		spd_shape_grow(spd, sh);
	b = spd_hash(spd, n->pn_mkey, sh->sh_nw) & (sh->sh_nbuckets - 1);
	n->pn_hnext = sh->sh_buckets[b];
	sh->sh_buckets[b] = n;
	n->pn_shape = sh;
	sh->sh_count++;
	spd_shape_bound(spd, sh, n->pn_prio);
}

static void
spd_shape_remove(struct spd *spd, struct spd_node *n)
{
	struct spd_shape *sh = n->pn_shape;
	struct spd_node **pp;
	size_t b;

	b = spd_hash(spd, n->pn_mkey, sh->sh_nw) & (sh->sh_nbuckets - 1);
	for (pp = &sh->sh_buckets[b]; *pp != NULL; pp = &(*pp)->pn_hnext)
		if (*pp == n) {
			*pp = n->pn_hnext;
			break;
		}
	n->pn_hnext = NULL;
	n->pn_shape = NULL;
	/*
	 * The bound stays: it is still a lower bound, merely less tight,
	 * and recomputing it would cost a walk of the whole shape.
	 */
	if (--sh->sh_count == 0)
		spd_shape_drop(spd, sh);
}

/* ---------------------------------------------------------------- timers */

static inline uint64_t
sat_add(uint64_t a, uint64_t b)
{
	return (a > UINT64_MAX - b ? UINT64_MAX : a + b);
}

static inline uint64_t
min64(uint64_t a, uint64_t b)
{
	return (a < b ? a : b);
}

/*
 * When the limits `lim' run out (UINT64_MAX: never).  Policies count
 * usetime from the last use, or from creation if never used, as both
 * kernels do (FreeBSD "validtime", Linux use_time ?: add_time).
 */
static uint64_t
spd_limit_time(const struct sad_lifetime *cur, const struct sad_lifetime *lim)
{
	uint64_t when = UINT64_MAX, used;

	if (lim->addtime != 0)
		when = sat_add(cur->addtime, lim->addtime);
	if (lim->usetime != 0) {
		used = cur->usetime != 0 ? cur->usetime : cur->addtime;
		when = min64(when, sat_add(used, lim->usetime));
	}
	return (when);
}

static uint64_t
spd_soft_time(const struct spd_node *n)
{
	if (n->pn_flags & PN_SOFT_DONE)
		return (UINT64_MAX);
	return (spd_limit_time(&n->pn_entry.cur, &n->pn_entry.soft));
}

static uint64_t
spd_hard_time(const struct spd_node *n)
{
	return (spd_limit_time(&n->pn_entry.cur, &n->pn_entry.hard));
}

static void
spd_arm(struct spd *spd, struct spd_node *n)
{
	tq_set(&spd->spd_tq, n, min64(spd_soft_time(n), spd_hard_time(n)));
}

/* ----------------------------------------------------------------- store */

struct spd *
spd_new(void)
{
	struct spd *spd;

	if ((spd = calloc(1, sizeof(*spd))) == NULL)
		return (NULL);
	RB_INIT(&spd->spd_byid);
	RB_INIT(&spd->spd_bysel);
	RB_INIT(&spd->spd_byprio);
	tq_init(&spd->spd_tq, offsetof(struct spd_node, pn_heapidx));
#ifdef __linux__
	spd->spd_idstyle = SPD_ID_LINUX;
#else
	spd->spd_idstyle = SPD_ID_KAME;
#endif
	arc4random_buf(spd->spd_seed, sizeof(spd->spd_seed));
	return (spd);
}

static void
spd_node_free(struct spd_node *n)
{
	spd_entry_clear(&n->pn_entry);
	free(n);
}

/* Children first, as in sad.c: RB_NEXT() would climb freed parents. */
static void
spd_free_tree(struct spd_node *n)
{
	if (n == NULL)
		return;
	spd_free_tree(RB_LEFT(n, pn_byid));
	spd_free_tree(RB_RIGHT(n, pn_byid));
	spd_node_free(n);
}

void
spd_free(struct spd *spd)
{
	size_t i, j;

	if (spd == NULL)
		return;
	spd_free_tree(RB_ROOT(&spd->spd_byid));
	for (i = 0; i < spd->spd_ngroups; i++) {
		for (j = 0; j < spd->spd_groups[i].g_nshapes; j++)
			spd_shape_free(spd->spd_groups[i].g_shapes[j]);
		free(spd->spd_groups[i].g_shapes);
	}
	free(spd->spd_groups);
	tq_free(&spd->spd_tq);
	free(spd);
}

size_t
spd_count(const struct spd *spd)
{
	return (spd->spd_count);
}

void
spd_set_idstyle(struct spd *spd, enum spd_idstyle style)
{
	spd->spd_idstyle = style;
}

/* A fresh policy id in the store's style; 0 if none is left. */
static uint32_t
spd_new_id(struct spd *spd, uint8_t dir)
{
	uint32_t id, tries;

	/* Bounded: 2^29 generations exist; a full space ends the loop. */
	for (tries = 0; tries <= (UINT32_MAX >> 3); tries++) {
		if (spd->spd_idstyle == SPD_ID_LINUX) {
			id = spd->spd_idgen | SPD_LINUX_IDDIR(dir);
			spd->spd_idgen += 8;
			if (id == 0)
				id = 8;		/* as xfrm_gen_index() */
		} else {
			/* KAME key_getnewspid(): 1, 2, 3 ... skipping 0. */
			if ((id = ++spd->spd_kameid) == 0)
				continue;
		}
		if (spd_find_id(spd, id) == NULL)
			return (id);
	}
	return (0);
}

static int
spd_sel_check(const struct spd_entry *e)
{
	const struct spd_selector *sel = &e->sel;
	unsigned bits;

	if (sel->src.af != AF_INET && sel->src.af != AF_INET6)
		return (SAD_ERR_INVAL);
	if (sel->dst.af != sel->src.af)
		return (SAD_ERR_FAMILY);
	bits = sel->src.af == AF_INET ? 32 : 128;
	if (sel->src.plen > bits || sel->dst.plen > bits)
		return (SAD_ERR_INVAL);
	return (0);
}

/* Replace the policy in `n' by a copy of `e', in place: same id, order. */
static int
spd_replace(struct spd *spd, struct spd_node *n, const struct spd_entry *e)
{
	struct spd_entry tmp;
	int r;

	if ((r = spd_entry_copy(&tmp, e)) != 0)
		return (r);
	/* As Linux xfrm_policy_insert(): the replaced policy's index stays. */
	tmp.id = n->pn_entry.id;
	tmp.has |= SPD_HAS_ID;
	if (tmp.cur.addtime == 0)
		tmp.cur.addtime = sadb_now();
	/* Same dir and selector: the shape and bucket do not change. */
	RB_REMOVE(spd_byprio, &spd->spd_byprio, n);
	spd_entry_clear(&n->pn_entry);
	n->pn_entry = tmp;
	n->pn_prio = tmp.priority;
	n->pn_flags &= ~PN_SOFT_DONE;
	RB_INSERT(spd_byprio, &spd->spd_byprio, n);
	spd_shape_bound(spd, n->pn_shape, n->pn_prio);
	spd_arm(spd, n);
	return (0);
}

int
spd_insert(struct spd *spd, const struct spd_entry *e, bool replace,
    struct spd_entry **out)
{
	struct spd_node *n;
	struct spd_shape *sh;
	uint32_t id = 0;
	int r;

	if ((r = spd_sel_check(e)) != 0)
		return (r);
	if ((n = spd_find_sel(spd, e->dir, &e->sel)) != NULL) {
		if (!replace)
			return (SAD_ERR_EXISTS);
		if ((r = spd_replace(spd, n, e)) != 0)
			return (r);
		if (out != NULL)
			*out = &n->pn_entry;
		return (0);
	}
	if ((e->has & SPD_HAS_ID) && e->id != 0) {
		if (spd_find_id(spd, e->id) != NULL)
			return (SAD_ERR_EXISTS);
		id = e->id;
	}
	if ((r = tq_reserve(&spd->spd_tq, spd->spd_count + 1)) != 0)
		return (r);
	if (id == 0 && (id = spd_new_id(spd, e->dir)) == 0)
		return (SAD_ERR_FULL);

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return (SAD_ERR_NOMEM);
	if ((r = spd_entry_copy(&n->pn_entry, e)) != 0) {
		free(n);
		return (r);
	}
	n->pn_prio = e->priority;
	if ((sh = spd_shape_get(spd, e)) == NULL) {
		spd_node_free(n);
		return (SAD_ERR_NOMEM);
	}
	n->pn_entry.id = id;
	n->pn_entry.has |= SPD_HAS_ID;
	if (n->pn_entry.cur.addtime == 0)
		n->pn_entry.cur.addtime = sadb_now();
	n->pn_order = ++spd->spd_order;
	RB_INSERT(spd_byid, &spd->spd_byid, n);
	RB_INSERT(spd_bysel, &spd->spd_bysel, n);
	RB_INSERT(spd_byprio, &spd->spd_byprio, n);
	spd_shape_add(spd, sh, n);
	spd->spd_count++;
	spd_arm(spd, n);
	if (out != NULL)
		*out = &n->pn_entry;
	return (0);
}

struct spd_entry *
spd_lookup_id(const struct spd *spd, uint32_t id)
{
	struct spd_node *n;

	if ((n = spd_find_id(spd, id)) == NULL)
		return (NULL);
	return (&n->pn_entry);
}

struct spd_entry *
spd_lookup_sel(const struct spd *spd, uint8_t dir,
    const struct spd_selector *sel)
{
	struct spd_node *n;

	if ((n = spd_find_sel(spd, dir, sel)) == NULL)
		return (NULL);
	return (&n->pn_entry);
}

static void
spd_node_unlink(struct spd *spd, struct spd_node *n)
{
	RB_REMOVE(spd_byid, &spd->spd_byid, n);
	RB_REMOVE(spd_bysel, &spd->spd_bysel, n);
	RB_REMOVE(spd_byprio, &spd->spd_byprio, n);
	spd_shape_remove(spd, n);
	tq_remove(&spd->spd_tq, n);
	spd->spd_count--;
}

/* As in sad.c: an entry in its hard-expiry callback is deleted after it. */
static bool
spd_node_delete(struct spd *spd, struct spd_node *n)
{
	if (n->pn_flags & PN_EXPIRING)
		return (false);
	spd_node_unlink(spd, n);
	spd_node_free(n);
	return (true);
}

void
spd_delete(struct spd *spd, struct spd_entry *e)
{
	(void)spd_node_delete(spd, spd_node_of(e));
}

size_t
spd_flush(struct spd *spd)
{
	struct spd_node *n, *next;
	size_t count = 0;

	for (n = RB_MIN(spd_byid, &spd->spd_byid); n != NULL; n = next) {
		next = RB_NEXT(spd_byid, &spd->spd_byid, n);
		if (spd_node_delete(spd, n))
			count++;
	}
	return (count);
}

/* ----------------------------------------------------------------- match */

static inline bool
spd_better(const struct spd_node *a, const struct spd_node *b)
{
	if (b == NULL)
		return (true);
	if (a->pn_prio != b->pn_prio)
		return (a->pn_prio < b->pn_prio);
	return (a->pn_order < b->pn_order);
}

struct spd_entry *
spd_match(const struct spd *spd, uint8_t dir, const struct spd_flow *f)
{
	const struct spd_group *g;
	const struct spd_shape *sh;
	struct spd_node *n, *best = NULL;
	union spd_words k;
	uint64_t m[SPD_KEYW];
	size_t i;
	unsigned nw, j;

	if ((f->src.af != AF_INET && f->src.af != AF_INET6) ||
	    f->dst.af != f->src.af)
		return (NULL);
	if ((g = spd_group_find(spd, dir, f->src.af)) == NULL)
		return (NULL);
	nw = spd_words(&k, f->src.af, f->src.a.b, f->dst.a.b, f->proto,
	    f->sport, f->dport);
	for (i = 0; i < g->g_nshapes; i++) {
		sh = g->g_shapes[i];
		/*
		 * Every later shape holds only priorities >= its bound; a
		 * tie could still win on age, so only a greater bound stops.
		 */
		if (best != NULL && sh->sh_bound > best->pn_prio)
			break;
		for (j = 0; j < nw; j++)
			m[j] = k.w[j] & sh->sh_mask[j];
		n = sh->sh_buckets[spd_hash(spd, m, nw) &
		    (sh->sh_nbuckets - 1)];
		for (; n != NULL; n = n->pn_hnext)
			if (spd_mkey_eq(n->pn_mkey, m, nw) &&
			    spd_better(n, best))
				best = n;
	}
	return (best != NULL ? &best->pn_entry : NULL);
}

/* ------------------------------------------------------------- iteration */

void
spd_iter_init(struct spd_iter *it)
{
	memset(it, 0, sizeof(*it));
	it->started = false;
}

struct spd_entry *
spd_next(const struct spd *spd, struct spd_iter *it)
{
	struct spd_node *n = RB_ROOT(&spd->spd_byprio), *best = NULL;
	int r;

	/* The first policy after the cursor, which may have been deleted. */
	while (n != NULL) {
		if (!it->started)
			r = -1;
		else if ((r = u32_cmp(it->priority, n->pn_prio)) == 0)
			r = u64_cmp(it->order, n->pn_order);
		if (r < 0) {
			best = n;
			n = RB_LEFT(n, pn_byprio);
		} else
			n = RB_RIGHT(n, pn_byprio);
	}
	if (best == NULL)
		return (NULL);
	it->priority = best->pn_prio;
	it->order = best->pn_order;
	it->started = true;
	return (&best->pn_entry);
}

/* ------------------------------------------------------------- lifetimes */

int64_t
spd_next_deadline(const struct spd *spd, uint64_t now)
{
	return (tq_next(&spd->spd_tq, now));
}

size_t
spd_expire_run(struct spd *spd, uint64_t now, spd_expire_cb cb, void *arg)
{
	struct spd_node *n;
	size_t count = 0;

	while (spd->spd_tq.len > 0 && tq_first_when(&spd->spd_tq) <= now) {
		n = tq_first(&spd->spd_tq);
		if (spd_hard_time(n) <= now) {
			if (cb != NULL) {
				n->pn_flags |= PN_EXPIRING;
				cb(arg, &n->pn_entry, true);
				n->pn_flags &= ~PN_EXPIRING;
			}
			spd_node_unlink(spd, n);
			spd_node_free(n);
			count++;
		} else if (spd_soft_time(n) <= now) {
			/* Reported once; armed for the hard limit first. */
			n->pn_flags |= PN_SOFT_DONE;
			spd_arm(spd, n);
			count++;
			if (cb != NULL)
				cb(arg, &n->pn_entry, false);
		} else
			spd_arm(spd, n);
	}
	return (count);
}

void
spd_rearm(struct spd *spd, struct spd_entry *e)
{
	struct spd_node *n = spd_node_of(e);

	/*
	 * A changed priority moves the policy in the match order; dir,
	 * selector and id must not change (spd_insert() with replace does).
	 */
	if (n->pn_prio != e->priority) {
		RB_REMOVE(spd_byprio, &spd->spd_byprio, n);
		n->pn_prio = e->priority;
		RB_INSERT(spd_byprio, &spd->spd_byprio, n);
		spd_shape_bound(spd, n->pn_shape, n->pn_prio);
	}
	spd_arm(spd, n);
}
