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
 * pv: the parent re-validates every SADB request of the ike process
 * (rules in pv.h).  Pure bookkeeping: no I/O, no logging, so the tests
 * drive it directly with forged requests.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "pv.h"
#include "privsep.h"

/* An SPI the kernel allocated for the ike process. */
struct pv_alloc {
	TAILQ_ENTRY(pv_alloc)	 entry;
	uint8_t			 satype;
	uint32_t		 spi;
	struct sad_addr		 peer;
	struct sad_addr		 local;
	uint32_t		 reqid;
	uint64_t		 born;
	bool			 used;		/* UPDATE done */
	bool			 paired;	/* its ADD done */
};

/* A policy generated for a peer (generate_policy). */
struct pv_gen {
	TAILQ_ENTRY(pv_gen)	 entry;
	uint8_t			 dir;
	struct sad_addr		 sel_src;
	struct sad_addr		 sel_dst;
	uint8_t			 ulproto;
	uint32_t		 reqid;
	uint8_t			 proto;
	uint8_t			 mode;
};

/* A reqid an ACQUIRE named lately. */
struct pv_acq {
	TAILQ_ENTRY(pv_acq)	 entry;
	uint8_t			 satype;
	uint32_t		 reqid;
	uint8_t			 mode;
	uint64_t		 born;
};

#define PV_ACQ_MAX	1024
#define PV_ACQ_TTL	PV_PAIR_TTL

struct pv {
	struct pv_rules		 rules;
	const struct spd	*spd;
	TAILQ_HEAD(, pv_alloc)	 allocs;
	size_t			 nallocs;
	size_t			 npending;
	TAILQ_HEAD(, pv_gen)	 gens;
	size_t			 ngens;
	TAILQ_HEAD(, pv_acq)	 acqs;
	size_t			 nacqs;
};

static int
why(char *buf, size_t sz, int err, const char *fmt, ...)
    __attribute__((__format__(printf, 4, 5)));

static int
why(char *buf, size_t sz, int err, const char *fmt, ...)
{
	va_list ap;

	if (buf != NULL && sz > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(buf, sz, fmt, ap);
		va_end(ap);
	}
	return (err);
}

static const char *
ntop(const struct sad_addr *a, char *buf, size_t sz)
{
	if (a->af == AF_UNSPEC) {
		(void)snprintf(buf, sz, "(none)");
		return (buf);
	}
	return (sad_addr_ntop(a, buf, sz));
}

struct pv *
pv_new(const struct spd *spd)
{
	struct pv *pv;

	if ((pv = calloc(1, sizeof(*pv))) == NULL)
		return (NULL);
	pv->spd = spd;
	TAILQ_INIT(&pv->allocs);
	TAILQ_INIT(&pv->gens);
	TAILQ_INIT(&pv->acqs);
	return (pv);
}

static void
rules_clear(struct pv_rules *r)
{
	free(r->remotes);
	free(r->locals);
	memset(r, 0, sizeof(*r));
}

void
pv_free(struct pv *pv)
{
	struct pv_alloc *a;
	struct pv_gen *g;
	struct pv_acq *q;

	if (pv == NULL)
		return;
	while ((a = TAILQ_FIRST(&pv->allocs)) != NULL) {
		TAILQ_REMOVE(&pv->allocs, a, entry);
		free(a);
	}
	while ((g = TAILQ_FIRST(&pv->gens)) != NULL) {
		TAILQ_REMOVE(&pv->gens, g, entry);
		free(g);
	}
	while ((q = TAILQ_FIRST(&pv->acqs)) != NULL) {
		TAILQ_REMOVE(&pv->acqs, q, entry);
		free(q);
	}
	rules_clear(&pv->rules);
	free(pv);
}

int
pv_set_rules(struct pv *pv, const struct pv_rules *r)
{
	struct pv_rules n;

	memset(&n, 0, sizeof(n));
	n = *r;
	n.remotes = NULL;
	n.locals = NULL;
	if (r->nremotes > 0) {
		if ((n.remotes = calloc(r->nremotes, sizeof(*n.remotes))) ==
		    NULL)
			return (ENOMEM);
		memcpy(n.remotes, r->remotes,
		    r->nremotes * sizeof(*n.remotes));
	}
	if (r->nlocals > 0) {
		if ((n.locals = calloc(r->nlocals, sizeof(*n.locals))) ==
		    NULL) {
			free(n.remotes);
			return (ENOMEM);
		}
		memcpy(n.locals, r->locals, r->nlocals * sizeof(*n.locals));
	}
	rules_clear(&pv->rules);
	pv->rules = n;
	return (0);
}

/* ------------------------------------------------------------ addresses */

/* A unicast address a peer or we may have. */
static bool
unicast(const struct sad_addr *a)
{
	static const uint8_t zero[16];
	uint32_t v;

	switch (a->af) {
	case AF_INET:
		v = ntohl(a->a.v4.s_addr);
		if ((v >> 24) == 0 || (v >> 24) >= 224 || v == 0xffffffffu)
			return (false);
		return (true);
	case AF_INET6:
		if (memcmp(a->a.b, zero, 16) == 0 || a->a.b[0] == 0xff)
			return (false);
		/* IPv4-mapped: use the IPv4 address itself. */
		if (memcmp(a->a.b, zero, 10) == 0 && a->a.b[10] == 0xff &&
		    a->a.b[11] == 0xff)
			return (false);
		return (true);
	default:
		return (false);
	}
}

static bool
local_ok(const struct pv *pv, const struct sad_addr *a)
{
	size_t i;

	if (!unicast(a))
		return (false);
	if (pv->rules.nlocals == 0)
		return (true);
	for (i = 0; i < pv->rules.nlocals; i++)
		if (sad_addr_cmp(&pv->rules.locals[i], a) == 0)
			return (true);
	return (false);
}

const struct pv_remote *
pv_remote_of(const struct pv *pv, const struct sad_addr *a)
{
	const struct pv_remote *r, *anon = NULL;
	struct sad_addr net;
	size_t i;

	if (!unicast(a))
		return (NULL);
	for (i = 0; i < pv->rules.nremotes; i++) {
		r = &pv->rules.remotes[i];
		if (r->addr.af == AF_UNSPEC) {
			if (anon == NULL)
				anon = r;
			continue;
		}
		if (r->addr.af != a->af)
			continue;
		net = r->addr;
		if (net.plen == 0 || net.plen > sad_addr_bits(&net))
			net.plen = (uint8_t)sad_addr_bits(&net);
		if (sad_addr_in_prefix(a, &net))
			return (r);
	}
	return (anon);
}

bool
pv_peer_allowed(const struct pv *pv, const struct sad_addr *a)
{
	return (pv_remote_of(pv, a) != NULL);
}

/* Our address and an allowed peer, of one family. */
static int
endpoints(const struct pv *pv, const struct sad_addr *local,
    const struct sad_addr *peer, char *w, size_t wsz)
{
	char b1[64], b2[64];

	if (local->af != peer->af)
		return (why(w, wsz, EINVAL, "address families differ (%s, %s)",
		    ntop(local, b1, sizeof(b1)), ntop(peer, b2, sizeof(b2))));
	if (!local_ok(pv, local))
		return (why(w, wsz, EPERM, "%s is not an address we listen on",
		    ntop(local, b1, sizeof(b1))));
	if (!pv_peer_allowed(pv, peer))
		return (why(w, wsz, EPERM, "no remote allows the peer %s",
		    ntop(peer, b2, sizeof(b2))));
	return (0);
}

static bool
same_host(const struct sad_addr *a, const struct sad_addr *b)
{
	return (sad_addr_cmp(a, b) == 0);
}

/* ---------------------------------------------------------------- GETSPI */

static bool
sa_type_ok(uint8_t satype)
{
	return (satype == PFKEY_SATYPE_ESP || satype == PFKEY_SATYPE_AH);
}

int
pv_getspi_check(struct pv *pv, const struct pv_getspi *g, uint64_t now,
    char *w, size_t wsz)
{
	int rc;

	pv_expire(pv, now);
	if (!sa_type_ok(g->satype))
		return (why(w, wsz, EINVAL, "SA type %u is not ESP or AH",
		    g->satype));
	if ((rc = endpoints(pv, &g->dst, &g->src, w, wsz)) != 0)
		return (rc);
	if (g->min < PV_SPI_MIN || g->min > g->max)
		return (why(w, wsz, EINVAL, "SPI range 0x%x-0x%x is not "
		    "inside 0x%x-0xffffffff", g->min, g->max, PV_SPI_MIN));
	if (g->reqid > PFKEY_REQID_MAX && g->reqid != 0)
		return (why(w, wsz, EINVAL, "reqid %u beyond %u", g->reqid,
		    PFKEY_REQID_MAX));
	if (pv->npending >= PV_PENDING_MAX)
		return (why(w, wsz, ENOBUFS, "%zu SPIs already wait for their "
		    "SAs", pv->npending));
	return (0);
}

int
pv_getspi_done(struct pv *pv, const struct pv_getspi *g, uint32_t spi,
    uint64_t now)
{
	struct pv_alloc *a;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		return (ENOMEM);
	a->satype = g->satype;
	a->spi = spi;
	a->peer = g->src;
	a->local = g->dst;
	a->peer.port = a->local.port = 0;
	a->reqid = g->reqid;
	a->born = now;
	TAILQ_INSERT_TAIL(&pv->allocs, a, entry);
	pv->nallocs++;
	pv->npending++;
	return (0);
}

size_t
pv_pending(const struct pv *pv)
{
	return (pv->npending);
}

static struct pv_alloc *
alloc_find(struct pv *pv, uint8_t satype, uint32_t spi,
    const struct sad_addr *peer, const struct sad_addr *local)
{
	struct pv_alloc *a;

	TAILQ_FOREACH(a, &pv->allocs, entry)
		if (a->satype == satype && a->spi == spi &&
		    same_host(&a->peer, peer) && same_host(&a->local, local))
			return (a);
	return (NULL);
}

/* ------------------------------------------------------------- SA checks */

/* Whether the kernel's policies (or an ACQUIRE or a generated policy)
 * use this reqid for this SA type and mode. */
static bool
reqid_known(const struct pv *pv, uint8_t satype, uint32_t reqid,
    uint8_t mode)
{
	struct spd_iter it;
	struct spd_entry *sp;
	const struct pv_acq *q;
	const struct pv_gen *g;
	int proto = pfkey_satype_to_ipproto(satype);
	unsigned i;

	TAILQ_FOREACH(q, &pv->acqs, entry)
		if (q->satype == satype && q->reqid == reqid &&
		    q->mode == mode)
			return (true);
	TAILQ_FOREACH(g, &pv->gens, entry)
		if (g->proto == proto && g->reqid == reqid && g->mode == mode)
			return (true);
	if (pv->spd == NULL)
		return (false);
	spd_iter_init(&it);
	while ((sp = spd_next(pv->spd, &it)) != NULL) {
		if (sp->action != PFKEY_POLICY_IPSEC)
			continue;
		for (i = 0; i < sp->nreq && i < SPD_MAXREQ; i++)
			if (sp->req[i].proto == proto &&
			    sp->req[i].reqid == reqid &&
			    sp->req[i].mode == mode)
				return (true);
	}
	return (false);
}

static bool
alg_allowed(uint64_t mask, unsigned alg, const struct pfkey_alg_info *ai)
{
	if (mask == 0)
		return (!ai->deprecated);
	return (alg < 64 && (mask & ((uint64_t)1 << alg)) != 0);
}

static int
algs_check(const struct pv *pv, const struct pv_sa *s, char *w, size_t wsz)
{
	const struct pfkey_alg_info *ei = NULL, *ai = NULL;

	if (s->satype == PFKEY_SATYPE_ESP) {
		if (s->ealg == PFKEY_EALG_NONE ||
		    (ei = pfkey_alg_info(PFKEY_ALG_ENCRYPT, s->ealg)) == NULL)
			return (why(w, wsz, EINVAL, "ESP needs an encryption "
			    "algorithm (got %u)", s->ealg));
		if (!alg_allowed(pv->rules.ealgs, s->ealg, ei))
			return (why(w, wsz, EPERM, "encryption algorithm %s is "
			    "not allowed by the configuration", ei->name));
		if (!pfkey_alg_keybits_ok(ei, s->ekeybits))
			return (why(w, wsz, EINVAL, "a %u-bit key does not fit "
			    "%s", s->ekeybits, ei->name));
		if (ei->aead) {
			if (s->aalg != PFKEY_AALG_NONE || s->akeybits != 0)
				return (why(w, wsz, EINVAL, "%s takes no "
				    "separate integrity algorithm", ei->name));
			return (0);
		}
	} else if (s->ealg != PFKEY_EALG_NONE || s->ekeybits != 0)
		return (why(w, wsz, EINVAL, "AH takes no encryption"));
	if (s->aalg == PFKEY_AALG_NONE || s->aalg == PFKEY_AALG_NULL ||
	    (ai = pfkey_alg_info(PFKEY_ALG_AUTH, s->aalg)) == NULL ||
	    ai->aead)
		return (why(w, wsz, EINVAL, "%s needs an integrity algorithm "
		    "(got %u)", s->satype == PFKEY_SATYPE_AH ? "AH" :
		    "ESP without AEAD", s->aalg));
	if (!alg_allowed(pv->rules.aalgs, s->aalg, ai))
		return (why(w, wsz, EPERM, "integrity algorithm %s is not "
		    "allowed by the configuration", ai->name));
	if (!pfkey_alg_keybits_ok(ai, s->akeybits))
		return (why(w, wsz, EINVAL, "a %u-bit key does not fit %s",
		    s->akeybits, ai->name));
	return (0);
}

static int
natt_check(const struct pv *pv, const struct pv_sa *s, char *w, size_t wsz)
{
	uint16_t ours;

	if (s->natt_type == 0) {
		if (s->natt_sport != 0 || s->natt_dport != 0)
			return (why(w, wsz, EINVAL, "NAT-T ports without "
			    "NAT-T"));
		return (0);
	}
	if (s->satype != PFKEY_SATYPE_ESP ||
	    s->natt_type != PFKEY_NATT_ESPINUDP)
		return (why(w, wsz, EINVAL, "NAT-T is ESP-in-UDP (type %u) "
		    "only", PFKEY_NATT_ESPINUDP));
	if (s->natt_sport == 0 || s->natt_dport == 0)
		return (why(w, wsz, EINVAL, "NAT-T port 0"));
	ours = s->op == PV_SA_UPDATE ? s->natt_dport : s->natt_sport;
	if (pv->rules.natt_port != 0 && ours != pv->rules.natt_port)
		return (why(w, wsz, EPERM, "NAT-T port %u is not ours (%u)",
		    ours, pv->rules.natt_port));
	return (0);
}

int
pv_sa_check(struct pv *pv, const struct pv_sa *s, uint64_t now, char *w,
    size_t wsz)
{
	const struct sad_addr *local, *peer;
	struct pv_alloc *a;
	uint64_t lmax;
	int rc;

	pv_expire(pv, now);
	if (!sa_type_ok(s->satype))
		return (why(w, wsz, EINVAL, "SA type %u is not ESP or AH",
		    s->satype));
	if (s->op != PV_SA_UPDATE && s->op != PV_SA_ADD)
		return (why(w, wsz, EINVAL, "unknown SA operation %u", s->op));
	if (s->spi < PV_SPI_MIN)
		return (why(w, wsz, EINVAL, "SPI 0x%x is reserved", s->spi));
	/* Inbound: from the peer to us; outbound: the reverse. */
	local = s->op == PV_SA_UPDATE ? &s->dst : &s->src;
	peer = s->op == PV_SA_UPDATE ? &s->src : &s->dst;
	if ((rc = endpoints(pv, local, peer, w, wsz)) != 0)
		return (rc);
	if (s->mode != PFKEY_MODE_TRANSPORT && s->mode != PFKEY_MODE_TUNNEL)
		return (why(w, wsz, EINVAL, "mode %u is not transport or "
		    "tunnel", s->mode));
	if (s->reqid > PFKEY_REQID_MAX)
		return (why(w, wsz, EINVAL, "reqid %u beyond %u", s->reqid,
		    PFKEY_REQID_MAX));
	if (s->reqid != 0 && !reqid_known(pv, s->satype, s->reqid, s->mode))
		return (why(w, wsz, EPERM, "no %s policy in %s mode uses "
		    "reqid %u", pfkey_satype_name(s->satype),
		    pfkey_mode_name(s->mode), s->reqid));
	if ((rc = algs_check(pv, s, w, wsz)) != 0)
		return (rc);
	lmax = pv->rules.lifetime_max != 0 ? pv->rules.lifetime_max :
	    PV_LIFETIME_MAX;
	if (s->hard_time == 0 || s->hard_time > lmax)
		return (why(w, wsz, EINVAL, "hard lifetime %llu s is not in "
		    "1-%llu s", (unsigned long long)s->hard_time,
		    (unsigned long long)lmax));
	if (s->replay > 4096)
		return (why(w, wsz, EINVAL, "replay window %u beyond 4096",
		    s->replay));
	if ((s->flags & ~(uint32_t)PS_SAF_ESN) != 0)
		return (why(w, wsz, EINVAL, "unknown SA flags 0x%x",
		    s->flags));
	if ((rc = natt_check(pv, s, w, wsz)) != 0)
		return (rc);
	if (s->op == PV_SA_UPDATE) {
		a = alloc_find(pv, s->satype, s->spi, peer, local);
		if (a == NULL)
			return (why(w, wsz, EPERM, "SPI 0x%08x was not "
			    "allocated for this peer", s->spi));
		if (a->used)
			return (why(w, wsz, EPERM, "SPI 0x%08x is in use "
			    "already", s->spi));
		if (a->reqid != 0 && s->reqid != a->reqid)
			return (why(w, wsz, EPERM, "reqid %u differs from the "
			    "GETSPI's %u", s->reqid, a->reqid));
		return (0);
	}
	/* ADD: the outbound half of a negotiation whose inbound SPI we
	 * gave out, with the same peer and SA type. */
	a = alloc_find(pv, s->satype, s->inbound_spi, peer, local);
	if (a == NULL || now - a->born > PV_PAIR_TTL)
		return (why(w, wsz, EPERM, "no inbound SPI 0x%08x of a "
		    "negotiation with this peer", s->inbound_spi));
	if (a->paired)
		return (why(w, wsz, EPERM, "the negotiation of inbound SPI "
		    "0x%08x has its outbound SA already", s->inbound_spi));
	return (0);
}

void
pv_sa_done(struct pv *pv, const struct pv_sa *s, uint64_t now)
{
	struct pv_alloc *a;

	if (s->op == PV_SA_ADD) {
		a = alloc_find(pv, s->satype, s->inbound_spi, &s->dst,
		    &s->src);
		if (a != NULL)
			a->paired = true;
		return;
	}
	a = alloc_find(pv, s->satype, s->spi, &s->src, &s->dst);
	if (a != NULL && !a->used) {
		a->used = true;
		pv->npending--;
		/* Keep it a while for the ADD that pairs with it. */
		a->born = now;
	}
}

int
pv_delete_check(struct pv *pv, uint8_t satype, uint32_t spi,
    const struct sad_addr *src, const struct sad_addr *dst, char *w,
    size_t wsz)
{
	char b1[64], b2[64];

	if (!sa_type_ok(satype))
		return (why(w, wsz, EINVAL, "SA type %u is not ESP or AH",
		    satype));
	if (spi < PV_SPI_MIN)
		return (why(w, wsz, EINVAL, "SPI 0x%x is reserved", spi));
	if (src->af != dst->af)
		return (why(w, wsz, EINVAL, "address families differ"));
	/* Either direction between us and an allowed peer. */
	if (local_ok(pv, dst) && pv_peer_allowed(pv, src))
		return (0);
	if (local_ok(pv, src) && pv_peer_allowed(pv, dst))
		return (0);
	return (why(w, wsz, EPERM, "an SA from %s to %s is not between us and "
	    "an allowed peer", ntop(src, b1, sizeof(b1)),
	    ntop(dst, b2, sizeof(b2))));
}

int
pv_peer_check(struct pv *pv, const struct sad_addr *local,
    const struct sad_addr *peer, char *w, size_t wsz)
{
	return (endpoints(pv, local, peer, w, wsz));
}

/* ------------------------------------------------------------ policies */

static bool
is_host_prefix(const struct sad_addr *sel, const struct sad_addr *host)
{
	return (sel->af == host->af && sel->plen == sad_addr_bits(host) &&
	    sad_addr_cmp(sel, host) == 0);
}

int
pv_spd_check(struct pv *pv, const struct pv_spd *p, char *w, size_t wsz)
{
	const struct pv_remote *r;
	const struct sad_addr *from, *to;
	char b[64];
	int rc;

	if (p->op != PS_SPD_ADD && p->op != PS_SPD_UPDATE)
		return (why(w, wsz, EINVAL, "unknown policy operation %u",
		    p->op));
	if ((rc = endpoints(pv, &p->local, &p->peer, w, wsz)) != 0)
		return (rc);
	r = pv_remote_of(pv, &p->peer);
	if (r == NULL || !r->generate_policy)
		return (why(w, wsz, EPERM, "the remote of %s does not generate "
		    "policies", ntop(&p->peer, b, sizeof(b))));
	if (p->dir != PFKEY_DIR_INBOUND && p->dir != PFKEY_DIR_OUTBOUND &&
	    p->dir != PFKEY_DIR_FWD)
		return (why(w, wsz, EINVAL, "direction %u", p->dir));
	if (p->proto != PFKEY_IPPROTO_ESP && p->proto != PFKEY_IPPROTO_AH)
		return (why(w, wsz, EINVAL, "protocol %u is not ESP or AH",
		    p->proto));
	if (p->level != PFKEY_LEVEL_REQUIRE &&
	    p->level != PFKEY_LEVEL_UNIQUE && p->level != PFKEY_LEVEL_USE)
		return (why(w, wsz, EINVAL, "level %u", p->level));
	if (p->reqid > PFKEY_REQID_MAX)
		return (why(w, wsz, EINVAL, "reqid %u beyond %u", p->reqid,
		    PFKEY_REQID_MAX));
	if (p->sel_src.af != p->local.af || p->sel_dst.af != p->local.af ||
	    p->sel_src.plen > sad_addr_bits(&p->sel_src) ||
	    p->sel_dst.plen > sad_addr_bits(&p->sel_dst))
		return (why(w, wsz, EINVAL, "selector of another family or "
		    "with a bad prefix"));
	/* Outbound traffic leaves us for the peer; in and fwd come in. */
	from = p->dir == PFKEY_DIR_OUTBOUND ? &p->local : &p->peer;
	to = p->dir == PFKEY_DIR_OUTBOUND ? &p->peer : &p->local;
	switch (p->mode) {
	case PFKEY_MODE_TUNNEL:
		if (!same_host(&p->tun_src, from) ||
		    !same_host(&p->tun_dst, to))
			return (why(w, wsz, EPERM, "tunnel endpoints are not "
			    "the IKE peers in the policy's direction"));
		break;
	case PFKEY_MODE_TRANSPORT:
		if (p->tun_src.af != AF_UNSPEC || p->tun_dst.af != AF_UNSPEC)
			return (why(w, wsz, EINVAL, "tunnel endpoints in a "
			    "transport policy"));
		if (p->dir == PFKEY_DIR_FWD)
			return (why(w, wsz, EINVAL, "a transport policy has "
			    "no fwd direction"));
		if (!is_host_prefix(&p->sel_src, from) ||
		    !is_host_prefix(&p->sel_dst, to))
			return (why(w, wsz, EPERM, "a transport policy covers "
			    "exactly the two IKE peers"));
		break;
	default:
		return (why(w, wsz, EINVAL, "mode %u is not transport or "
		    "tunnel", p->mode));
	}
	if (p->op == PS_SPD_ADD && pv->ngens >= PV_GENERATED_MAX)
		return (why(w, wsz, ENOBUFS, "%zu generated policies already",
		    pv->ngens));
	return (0);
}

static struct pv_gen *
gen_find(struct pv *pv, uint8_t dir, const struct sad_addr *s,
    const struct sad_addr *d, uint8_t ulproto)
{
	struct pv_gen *g;

	TAILQ_FOREACH(g, &pv->gens, entry)
		if (g->dir == dir && g->ulproto == ulproto &&
		    g->sel_src.plen == s->plen && g->sel_dst.plen == d->plen &&
		    g->sel_src.port == s->port && g->sel_dst.port == d->port &&
		    sad_addr_cmp(&g->sel_src, s) == 0 &&
		    sad_addr_cmp(&g->sel_dst, d) == 0)
			return (g);
	return (NULL);
}

int
pv_spd_done(struct pv *pv, const struct pv_spd *p)
{
	struct pv_gen *g;

	if ((g = gen_find(pv, p->dir, &p->sel_src, &p->sel_dst,
	    p->ulproto)) == NULL) {
		if ((g = calloc(1, sizeof(*g))) == NULL)
			return (ENOMEM);
		TAILQ_INSERT_TAIL(&pv->gens, g, entry);
		pv->ngens++;
	}
	g->dir = p->dir;
	g->sel_src = p->sel_src;
	g->sel_dst = p->sel_dst;
	g->ulproto = p->ulproto;
	g->reqid = p->reqid;
	g->proto = p->proto;
	g->mode = p->mode;
	return (0);
}

int
pv_spd_delete_check(struct pv *pv, uint8_t dir,
    const struct sad_addr *sel_src, const struct sad_addr *sel_dst,
    uint8_t ulproto, char *w, size_t wsz)
{
	if (gen_find(pv, dir, sel_src, sel_dst, ulproto) == NULL)
		return (why(w, wsz, EPERM, "not a policy racoon-ng "
		    "generated"));
	return (0);
}

void
pv_spd_delete_done(struct pv *pv, uint8_t dir,
    const struct sad_addr *sel_src, const struct sad_addr *sel_dst,
    uint8_t ulproto)
{
	struct pv_gen *g;

	if ((g = gen_find(pv, dir, sel_src, sel_dst, ulproto)) != NULL) {
		TAILQ_REMOVE(&pv->gens, g, entry);
		pv->ngens--;
		free(g);
	}
}

/* ------------------------------------------------------------ ACQUIRE */

void
pv_acquire_note(struct pv *pv, uint8_t satype, uint32_t reqid, uint8_t mode,
    uint64_t now)
{
	struct pv_acq *q;

	if (reqid == 0)
		return;
	TAILQ_FOREACH(q, &pv->acqs, entry)
		if (q->satype == satype && q->reqid == reqid &&
		    q->mode == mode) {
			q->born = now;
			TAILQ_REMOVE(&pv->acqs, q, entry);
			TAILQ_INSERT_TAIL(&pv->acqs, q, entry);
			return;
		}
	if (pv->nacqs >= PV_ACQ_MAX) {
		q = TAILQ_FIRST(&pv->acqs);
		TAILQ_REMOVE(&pv->acqs, q, entry);
	} else {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			return;
		pv->nacqs++;
	}
	q->satype = satype;
	q->reqid = reqid;
	q->mode = mode;
	q->born = now;
	TAILQ_INSERT_TAIL(&pv->acqs, q, entry);
}

void
pv_expire(struct pv *pv, uint64_t now)
{
	struct pv_alloc *a, *an;
	struct pv_acq *q;

	TAILQ_FOREACH_SAFE(a, &pv->allocs, entry, an) {
		if (!a->used && now - a->born <= PV_PENDING_TTL)
			continue;
		if (a->used && now - a->born <= PV_PAIR_TTL)
			continue;
		TAILQ_REMOVE(&pv->allocs, a, entry);
		pv->nallocs--;
		if (!a->used)
			pv->npending--;
		free(a);
	}
	while ((q = TAILQ_FIRST(&pv->acqs)) != NULL &&
	    now - q->born > PV_ACQ_TTL) {
		TAILQ_REMOVE(&pv->acqs, q, entry);
		pv->nacqs--;
		free(q);
	}
}
