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
 * pv: the parent's validation of what the ike process asks for.  The ike
 * process parses everything from the network, so the parent assumes it
 * may be compromised and grants a request only when it fits the
 * configuration and what was asked for before:
 *
 * - GETSPI: ESP or AH, the peer allowed by a remote, our address one we
 *   listen on, a range inside [256, 2^32-1], a bounded number pending.
 * - UPDATE (inbound SA): only on an SPI this parent allocated for the
 *   same SA type, peer and local address, once.
 * - ADD (outbound SA): from our address to an allowed peer, paired with
 *   an inbound SPI this parent allocated for that peer lately.
 * - Both: mode transport or tunnel; a reqid that is 0 or one the kernel's
 *   policies (or an ACQUIRE, or a policy we generated) use for that SA
 *   type and mode; algorithms of the right kind with keys of valid
 *   lengths (libpfkey's table), ESP with integrity unless AEAD, AH with
 *   integrity; a hard lifetime within the limit; NAT-T only as
 *   ESP-in-UDP with one end on our NAT-T port.
 * - DELETE: an SA between our address and an allowed peer.
 * - DELETE_PEER (INITIAL-CONTACT): an allowed peer and our address.
 * - SPD add (generate_policy): the peer's remote has generate_policy on;
 *   tunnel endpoints are exactly our address and the peer's (in the
 *   direction's order); transport policies cover exactly the two hosts.
 *   SPD delete: only policies generated this way.
 *
 * Everything is checked with the numbers the request carries; nothing is
 * trusted because the ike process sent it before.  Functions return 0 or
 * an errno value with a sentence in `why'.
 */

#ifndef RACOON_NG_PV_H
#define RACOON_NG_PV_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb.h"

#define PV_WHY_MAX		160
#define PV_SPI_MIN		256	/* 1-255 are reserved (RFC 4303) */
#define PV_PENDING_MAX		4096	/* SPIs allocated, not yet used */
#define PV_PENDING_TTL		120	/* seconds an allocated SPI waits */
#define PV_PAIR_TTL		600	/* an ADD pairs with an SPI this old */
#define PV_GENERATED_MAX	4096	/* generated policies */
#define PV_LIFETIME_MAX		(7 * 24 * 3600)	/* hard seconds */

/* A remote of the configuration, as far as the parent cares. */
struct pv_remote {
	char		 name[64];
	struct sad_addr	 addr;		/* AF_UNSPEC: anonymous, any peer;
					 * plen: a peer prefix */
	bool		 generate_policy;
};

/* What the configuration allows. */
struct pv_rules {
	struct pv_remote	*remotes;
	size_t			 nremotes;
	struct sad_addr		*locals;	/* our addresses; none: any */
	size_t			 nlocals;
	uint16_t		 natt_port;	/* ours (host order) */
	uint64_t		 lifetime_max;	/* 0: PV_LIFETIME_MAX */
	/*
	 * The algorithms the configuration's sainfo blocks name, as bits
	 * (1 << logical number); 0: every algorithm libpfkey does not mark
	 * deprecated.
	 */
	uint64_t		 ealgs;
	uint64_t		 aalgs;
};

struct pv;

/* `spd' is the parent's mirror of the kernel's policies (may be NULL). */
struct pv	*pv_new(const struct spd *spd);
void		 pv_free(struct pv *);
/* Copy the rules (a reload); pending allocations stay. */
int		 pv_set_rules(struct pv *, const struct pv_rules *);

struct pv_getspi {
	uint8_t		satype;
	struct sad_addr	src;		/* the peer */
	struct sad_addr	dst;		/* us */
	uint32_t	min;
	uint32_t	max;
	uint32_t	reqid;
	uint32_t	seq;		/* ACQUIRE seq, 0 for a responder */
};

int	pv_getspi_check(struct pv *, const struct pv_getspi *, uint64_t now,
	    char *why, size_t whysz);
/* Record the SPI the kernel gave. */
int	pv_getspi_done(struct pv *, const struct pv_getspi *, uint32_t spi,
	    uint64_t now);

#define PV_SA_UPDATE	1
#define PV_SA_ADD	2

struct pv_sa {
	uint8_t		op;		/* PV_SA_UPDATE / PV_SA_ADD */
	uint8_t		satype;
	uint32_t	spi;
	struct sad_addr	src;
	struct sad_addr	dst;
	uint8_t		mode;
	uint32_t	reqid;
	uint16_t	ealg;		/* libpfkey logical numbers */
	uint16_t	aalg;
	unsigned	ekeybits;
	unsigned	akeybits;
	uint64_t	hard_time;
	uint64_t	hard_bytes;
	uint32_t	replay;
	uint32_t	flags;
	uint8_t		natt_type;
	uint16_t	natt_sport;
	uint16_t	natt_dport;
	uint32_t	inbound_spi;	/* ADD: its negotiation's inbound SA */
};

int	pv_sa_check(struct pv *, const struct pv_sa *, uint64_t now,
	    char *why, size_t whysz);
/* The kernel took the SA: an UPDATE uses its allocation up. */
void	pv_sa_done(struct pv *, const struct pv_sa *, uint64_t now);

int	pv_delete_check(struct pv *, uint8_t satype, uint32_t spi,
	    const struct sad_addr *src, const struct sad_addr *dst,
	    char *why, size_t whysz);
int	pv_peer_check(struct pv *, const struct sad_addr *local,
	    const struct sad_addr *peer, char *why, size_t whysz);

struct pv_spd {
	uint8_t		op;		/* PS_SPD_ADD / PS_SPD_UPDATE */
	uint8_t		dir;		/* PFKEY_DIR_IN/OUTBOUND/FWD */
	struct sad_addr	sel_src;
	struct sad_addr	sel_dst;
	uint8_t		ulproto;
	uint8_t		proto;		/* IPPROTO_ESP / AH */
	uint8_t		mode;
	uint8_t		level;
	uint32_t	reqid;
	struct sad_addr	tun_src;
	struct sad_addr	tun_dst;
	struct sad_addr	local;		/* the IKE endpoints */
	struct sad_addr	peer;
};

int	pv_spd_check(struct pv *, const struct pv_spd *, char *why,
	    size_t whysz);
int	pv_spd_done(struct pv *, const struct pv_spd *);
int	pv_spd_delete_check(struct pv *, uint8_t dir,
	    const struct sad_addr *sel_src, const struct sad_addr *sel_dst,
	    uint8_t ulproto, char *why, size_t whysz);
void	pv_spd_delete_done(struct pv *, uint8_t dir,
	    const struct sad_addr *sel_src, const struct sad_addr *sel_dst,
	    uint8_t ulproto);

/* An ACQUIRE from the kernel: its reqid and mode become valid for SAs. */
void	pv_acquire_note(struct pv *, uint8_t satype, uint32_t reqid,
	    uint8_t mode, uint64_t now);

/* Forget allocations and ACQUIREs past their time. */
void	pv_expire(struct pv *, uint64_t now);
/* SPIs allocated and not yet used (for tests and show). */
size_t	pv_pending(const struct pv *);
/* Whether `a' is allowed as a peer (some remote covers it). */
bool	pv_peer_allowed(const struct pv *, const struct sad_addr *a);
/* The remote that covers a peer, NULL if none (a named one first). */
const struct pv_remote *pv_remote_of(const struct pv *,
	    const struct sad_addr *);

#endif /* RACOON_NG_PV_H */
