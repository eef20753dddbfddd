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
 * sadb: the one SADB model every part of pfkeykit shares (RFC 4301 names:
 * sad_* for security associations, spd_* for policies), the stores that
 * hold them, and the bridge to and from PF_KEY messages.
 *
 * The setkey parser produces these structures, the printers print them,
 * sadbd stores them, the ESP/AH engine consumes them and racoon-ng builds
 * them from negotiated keys.  Only sadb_pfkey.c converts them to and from
 * PF_KEY messages; nothing else touches the wire structures.
 *
 * Conventions: every number is in host byte order (SPIs and ports too);
 * algorithms are libpfkey's logical numbers (enum pfkey_aalg, pfkey_ealg,
 * pfkey_calg); the replay window counts packets; times are seconds.
 * Functions return 0 or a negative SAD_ERR_* code (sad_strerror()).
 */

#ifndef PFKEYKIT_SADB_H
#define PFKEYKIT_SADB_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "pfkey.h"

/* ----------------------------------------------------------------- errors */

#define SAD_OK			  0
#define SAD_ERR_INTERNAL	 -1	/* a bug */
#define SAD_ERR_NOMEM		 -2
#define SAD_ERR_INVAL		 -3	/* invalid argument or entry */
#define SAD_ERR_EXISTS		 -4	/* entry already present (EEXIST) */
#define SAD_ERR_NOENT		 -5	/* no such entry (ESRCH / ENOENT) */
#define SAD_ERR_MSG		 -6	/* message lacks what the entry needs */
#define SAD_ERR_ALG		 -7	/* algorithm unknown or not allowed */
#define SAD_ERR_KEYLEN		 -8	/* key length invalid for algorithm */
#define SAD_ERR_FAMILY		 -9	/* addresses of different families */
#define SAD_ERR_DIALECT		-10	/* not expressible in the dialect */
#define SAD_ERR_STATE		-11	/* operation not valid in SA state */
#define SAD_ERR_RANGE		-12	/* no free SPI in the range */
#define SAD_ERR_PFKEY		-13	/* a libpfkey error; see sad_pfkey_err */
#define SAD_ERR_FULL		-14	/* store limit reached (ENOBUFS) */
#define SAD_ERR_MAX		-15

const char	*sad_strerror(int code);
/* The errno a kernel would put in sadb_msg_errno for a SAD_ERR_* code. */
int		 sad_errno(int code);

/* -------------------------------------------------------------- addresses */

/* An address and prefix without sa_len (Linux has none). */
struct sad_addr {
	sa_family_t	af;		/* AF_INET, AF_INET6, AF_UNSPEC */
	uint8_t		plen;		/* prefix length */
	uint16_t	port;		/* host order; 0 = any */
	uint32_t	scope;		/* IPv6 scope id */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
		uint8_t		b[16];
	} a;
};

/* Fill from a sockaddr (plen given); SAD_ERR_FAMILY if not v4/v6. */
int	sad_addr_from_sockaddr(struct sad_addr *, const struct sockaddr *,
	    uint8_t plen);
/* Write a host sockaddr; returns its length, or 0 for AF_UNSPEC. */
socklen_t sad_addr_to_sockaddr(const struct sad_addr *,
	    struct sockaddr_storage *);
/* Parse a numeric address "a.b.c.d" or "x::y" (no prefix). */
int	sad_addr_parse(struct sad_addr *, const char *);
/* Numeric text of the address only (no prefix or port). */
const char *sad_addr_ntop(const struct sad_addr *, char *, size_t);
/* Address bits of the family (32 or 128; 0 for AF_UNSPEC). */
unsigned sad_addr_bits(const struct sad_addr *);
/* Compare address and family only (not plen or port): <0, 0, >0. */
int	sad_addr_cmp(const struct sad_addr *, const struct sad_addr *);
/* Whether `a' lies inside the prefix `net'/`net->plen'. */
bool	sad_addr_in_prefix(const struct sad_addr *a,
	    const struct sad_addr *net);

/* ------------------------------------------------------------------- SAs */

/* Key material: always released with sad_key_clear() (freezero). */
struct sad_key {
	uint16_t	 bits;		/* may be less than len * 8 */
	uint16_t	 len;		/* bytes */
	uint8_t		*data;
};

int	sad_key_set(struct sad_key *, const void *data, unsigned bits);
void	sad_key_clear(struct sad_key *);

/* A lifetime in RFC 2367 terms (for current: addtime/usetime absolute). */
struct sad_lifetime {
	uint32_t	allocations;
	uint64_t	bytes;
	uint64_t	addtime;
	uint64_t	usetime;
};

/* Presence flags: "not given" differs from zero (UPDATE, setkey -n). */
#define SAD_HAS_SPI		0x00000001
#define SAD_HAS_MODE		0x00000002	/* X_SA2 present */
#define SAD_HAS_REQID		0x00000004
#define SAD_HAS_REPLAY		0x00000008
#define SAD_HAS_FLAGS		0x00000010
#define SAD_HAS_AALG		0x00000020
#define SAD_HAS_EALG		0x00000040
#define SAD_HAS_AKEY		0x00000080
#define SAD_HAS_EKEY		0x00000100
#define SAD_HAS_LT_CUR		0x00000200
#define SAD_HAS_LT_HARD		0x00000400
#define SAD_HAS_LT_SOFT		0x00000800
#define SAD_HAS_NATT		0x00001000	/* type and ports */
#define SAD_HAS_NATT_OA		0x00002000
#define SAD_HAS_NATT_OAR	0x00004000
#define SAD_HAS_NATT_FRAG	0x00008000
#define SAD_HAS_CTX		0x00010000
#define SAD_HAS_PROXY		0x00020000
#define SAD_HAS_IDENT_SRC	0x00040000
#define SAD_HAS_IDENT_DST	0x00080000
#define SAD_HAS_STATE		0x00100000
#define SAD_HAS_SEQ		0x00200000	/* X_SA2 sequence */

/*
 * Groups the wire carries together: an SA extension always has all of
 * SAD_HAS_SA_FIELDS, an X_SA2 all of SAD_HAS_SA2_FIELDS, so the bridge
 * writes the extension when any of them is set and sets them all when it
 * reads one (and likewise NAT-T type and ports).
 */
#define SAD_HAS_SA_FIELDS	(SAD_HAS_SPI | SAD_HAS_STATE | SAD_HAS_REPLAY | \
				 SAD_HAS_FLAGS | SAD_HAS_AALG | SAD_HAS_EALG)
#define SAD_HAS_SA2_FIELDS	(SAD_HAS_MODE | SAD_HAS_REQID | SAD_HAS_SEQ)

/* Model flags beyond the KAME wire flags. */
#define SAD_F_ESN		PFKEY_SAFLAG_ESN	/* 64-bit sequence */

/*
 * Algorithm numbers: libpfkey logical numbers; a wire number a dialect
 * did not know is kept as SAD_ALG_RAW(n) so it prints as a number and
 * goes back out unchanged.
 */
#define SAD_ALG_RAW(n)		(0x100 | (uint16_t)(n))
#define SAD_ALG_IS_RAW(a)	(((a) & 0x100) != 0)
#define SAD_ALG_RAW_WIRE(a)	((uint8_t)((a) & 0xff))

/* An identity (IDENTITY_SRC/DST). */
struct sad_ident {
	uint16_t	 type;		/* PFKEY_IDENT_* */
	uint64_t	 id;
	char		*str;		/* NUL-terminated, may be NULL */
};

/* The rarely used parts of an SA, allocated only when present. */
struct sad_extra {
	struct sad_addr		proxy;
	struct sad_addr		natt_oa;	/* OA / OAI */
	struct sad_addr		natt_oar;
	uint8_t			natt_type;	/* PFKEY_NATT_* */
	uint16_t		natt_sport;	/* host order */
	uint16_t		natt_dport;
	uint16_t		natt_frag;
	uint8_t			ctx_doi;
	uint8_t			ctx_alg;
	uint16_t		ctx_len;
	char			*ctx;		/* ctx_len bytes */
	struct sad_ident	ident_src;
	struct sad_ident	ident_dst;
};

struct sad_entry {
	uint32_t		 has;		/* SAD_HAS_* */
	uint8_t			 satype;	/* PFKEY_SATYPE_* */
	uint8_t			 state;		/* PFKEY_SASTATE_* */
	uint8_t			 mode;		/* PFKEY_MODE_* */
	uint32_t		 spi;		/* host order (CPI for IPComp) */
	uint32_t		 reqid;
	uint32_t		 seq;		/* X_SA2 sequence */
	uint32_t		 replay;	/* window, in packets */
	uint32_t		 flags;		/* PFKEY_SAFLAG_*, SAD_F_ESN */
	uint16_t		 aalg;		/* enum pfkey_aalg or RAW */
	uint16_t		 ealg;		/* pfkey_ealg / pfkey_calg or RAW */
	struct sad_key		 akey;
	struct sad_key		 ekey;
	struct sad_addr		 src;
	struct sad_addr		 dst;
	struct sad_lifetime	 cur;
	struct sad_lifetime	 hard;
	struct sad_lifetime	 soft;
	uint32_t		 pid;		/* sadb_msg_pid that made it */
	struct sad_extra	*x;		/* NULL when none of it is used */
};

/* Zero an entry. */
void	sad_entry_init(struct sad_entry *);
/* Release keys (wiped), context and extras; leave the entry zeroed. */
void	sad_entry_clear(struct sad_entry *);
/* Deep copy (keys included) into an uninitialised `dst'. */
int	sad_entry_copy(struct sad_entry *dst, const struct sad_entry *src);
/* The extras, allocated on first use; NULL only when out of memory. */
struct sad_extra *sad_entry_extra(struct sad_entry *);
/* Deep equality of everything present (for tests and round trips). */
bool	sad_entry_equal(const struct sad_entry *, const struct sad_entry *);
/*
 * Check an entry is complete and consistent for `satype': families match,
 * algorithms of the right kind, keys of valid lengths for them (libpfkey's
 * algorithm table), AEAD without a separate authentication algorithm.
 * On failure *why names the problem (a static string).
 */
int	sad_entry_check(const struct sad_entry *, const char **why);

/* ------------------------------------------------------------- policies */

#define SPD_MAXREQ		PFKEY_POLICY_MAXREQ

/* One transform of a policy bundle (an ipsec request). */
struct spd_request {
	uint8_t		 proto;		/* PFKEY_IPPROTO_ESP/AH/IPCOMP/TCP */
	uint8_t		 mode;		/* PFKEY_MODE_* */
	uint8_t		 level;		/* PFKEY_LEVEL_* */
	uint32_t	 reqid;
	struct sad_addr	 src;		/* tunnel endpoints (port: NAT-T) */
	struct sad_addr	 dst;		/* AF_UNSPEC when not given */
};

/* What traffic a policy covers.  ICMP type/code travel as the ports. */
struct spd_selector {
	struct sad_addr	 src;		/* with plen and port */
	struct sad_addr	 dst;
	uint8_t		 proto;		/* upper-layer protocol; 255 = any */
};

#define SPD_PROTO_ANY	255

/* ID, PRIORITY and SCOPE mean "non-zero": the wire has no "absent". */
#define SPD_HAS_ID		0x0001
#define SPD_HAS_PRIORITY	0x0002
#define SPD_HAS_LT_CUR		0x0004
#define SPD_HAS_LT_HARD		0x0008
#define SPD_HAS_LT_SOFT		0x0010
#define SPD_HAS_CTX		0x0020
#define SPD_HAS_SCOPE		0x0040

struct spd_entry {
	uint32_t		 has;		/* SPD_HAS_* */
	uint32_t		 id;		/* policy id, 0 = not assigned */
	uint8_t			 dir;		/* PFKEY_DIR_* */
	uint8_t			 action;	/* PFKEY_POLICY_* */
	uint8_t			 scope;		/* FreeBSD PFKEY_SCOPE_* */
	uint32_t		 priority;	/* Linux; FreeBSD ifnet: ifindex */
	struct spd_selector	 sel;
	unsigned		 nreq;
	struct spd_request	 req[SPD_MAXREQ];
	struct sad_lifetime	 cur;
	struct sad_lifetime	 hard;
	struct sad_lifetime	 soft;
	uint8_t			 ctx_doi;
	uint8_t			 ctx_alg;
	uint16_t		 ctx_len;
	char			*ctx;
	uint32_t		 pid;
};

void	spd_entry_init(struct spd_entry *);
void	spd_entry_clear(struct spd_entry *);
int	spd_entry_copy(struct spd_entry *dst, const struct spd_entry *src);
bool	spd_entry_equal(const struct spd_entry *, const struct spd_entry *);
/* Tunnel requests have endpoints of one family, and so on. */
int	spd_entry_check(const struct spd_entry *, const char **why);

/* ------------------------------------------------------ the PF_KEY bridge */

/*
 * Conversions between the model and PF_KEY messages; the only place that
 * knows the wire (in both dialects).  Dialect facts handled here: the
 * replay window (Linux: sadb_sa_replay in packets; FreeBSD: in bytes, with
 * X_SA_REPLAY in packets beyond 255 bytes; pfkeykit's Linux dialect
 * carries windows beyond 255 packets in the same X_SA_REPLAY extension,
 * number 27), ESN (FreeBSD's flag 0x400; the same bit in pfkeykit's Linux
 * dialect), NAT-T OA vs OAI/OAR, security contexts (Linux), policy scope
 * and priority.
 */

/* What sad_to_pfkey() puts in. */
#define SAD_PK_KEYS		0x01	/* KEY_AUTH / KEY_ENCRYPT */
#define SAD_PK_CURRENT		0x02	/* LIFETIME_CURRENT */
#define SAD_PK_NO_LIFETIMES	0x04	/* no HARD/SOFT */

/*
 * Append the extensions of an SA to a message being built (its base
 * header is the caller's): SA, X_SA2, lifetimes, addresses, keys, NAT-T,
 * context, identities, proxy, replay.  Extensions for fields not present
 * are left out.  Returns 0, SAD_ERR_DIALECT (e.g. an algorithm the
 * dialect has no number for) or SAD_ERR_PFKEY (then b->error holds the
 * libpfkey code, e.g. PFKEY_ERR_NOSPACE).
 */
int	sad_to_pfkey(const struct sad_entry *, struct pfkey_buf *, int flags);

/*
 * Fill an entry from a decoded message; presence flags say what the
 * message carried.  The entry is initialised first.  satype comes from the
 * header.  Returns 0 or SAD_ERR_* (keys are wiped on failure).
 */
int	sad_from_pfkey(const struct pfkey_msg *, struct sad_entry *);

/* The same for policies: X_POLICY plus the selector in ADDRESS_SRC/DST. */
int	spd_to_pfkey(const struct spd_entry *, struct pfkey_buf *, int flags);
int	spd_from_pfkey(const struct pfkey_msg *, struct spd_entry *);

/* ----------------------------------------------------------------- stores */

/*
 * The SAD: SAs indexed by (dst, satype, spi) for input and by
 * (src, dst, satype, reqid) for output and deleteall.  Entries are owned
 * by the store; pointers stay valid until the entry is deleted.
 */
struct sad;
struct sad_node;		/* an SA in the store; opaque */

struct sad	*sad_new(void);
void		 sad_free(struct sad *);
size_t		 sad_count(const struct sad *);

/*
 * Insert a copy of `e' (keys copied); SAD_ERR_EXISTS if (dst, satype, spi)
 * is taken.  On success *out (may be NULL) points to the stored entry.
 */
int	sad_insert(struct sad *, const struct sad_entry *e,
	    struct sad_entry **out);
/* Take over `e' instead of copying it (e is zeroed on success). */
int	sad_insert_move(struct sad *, struct sad_entry *e,
	    struct sad_entry **out);
/* Find by (dst, satype, spi); NULL if none.  dst port/plen ignored. */
struct sad_entry *sad_lookup(const struct sad *, const struct sad_addr *dst,
	    uint8_t satype, uint32_t spi);
/*
 * The best SA for outbound traffic: MATURE before DYING, then the newest,
 * among those with this src, dst, satype and (if reqid != 0) reqid.
 */
struct sad_entry *sad_lookup_out(const struct sad *,
	    const struct sad_addr *src, const struct sad_addr *dst,
	    uint8_t satype, uint32_t reqid);
/* Delete one entry (wipes keys). */
void	sad_delete(struct sad *, struct sad_entry *);
/* Delete every SA with this src, dst and satype (0: any); count returned. */
size_t	sad_delete_all(struct sad *, const struct sad_addr *src,
	    const struct sad_addr *dst, uint8_t satype);
/* Delete every SA of satype (0: all); count returned. */
size_t	sad_flush(struct sad *, uint8_t satype);
/* A free SPI in [min, max] for (dst, satype), chosen at random. */
int	sad_alloc_spi(const struct sad *, const struct sad_addr *dst,
	    uint8_t satype, uint32_t min, uint32_t max, uint32_t *spi);

/*
 * Ordered iteration (by dst, satype, spi), robust against deletion of
 * other entries between calls: sad_next() continues after the key of the
 * entry it last returned even if that entry is gone.  satype 0: all.
 */
struct sad_iter {
	struct sad_addr	dst;
	uint8_t		satype;
	uint32_t	spi;
	uint8_t		filter;		/* satype to return, 0 = all */
	bool		started;
};
void	sad_iter_init(struct sad_iter *, uint8_t satype);
struct sad_entry *sad_next(const struct sad *, struct sad_iter *);
/* How many SAs of satype (0: all) the store holds. */
size_t	sad_count_satype(const struct sad *, uint8_t satype);

/*
 * Lifetimes.  A timer queue holds the next deadline of every SA with a
 * time limit.  sad_expire_run() moves SAs past their soft limit to DYING
 * and deletes SAs past their hard limit, calling `cb' for each (before a
 * deletion, while the entry is still valid) with hard = true/false.  Byte
 * and allocation limits are checked by sad_account().  Larval SAs carry a
 * hard addtime (30 s by default) so an unanswered GETSPI goes away.
 */
typedef void (*sad_expire_cb)(void *arg, struct sad_entry *, bool hard);
/* Seconds until the next deadline (-1: none). */
int64_t	sad_next_deadline(const struct sad *, uint64_t now);
size_t	sad_expire_run(struct sad *, uint64_t now, sad_expire_cb, void *arg);
/* Re-arm an entry after its lifetimes or state changed. */
void	sad_rearm(struct sad *, struct sad_entry *);
/* Count traffic on an SA; may call cb (soft/hard byte limits). */
void	sad_account(struct sad *, struct sad_entry *, uint64_t bytes,
	    uint64_t now, sad_expire_cb, void *arg);

/*
 * The SPD: policies by id, by (dir, selector), in priority order, and an
 * indexed packet match (tuple-space hash tables: one table per distinct
 * combination of family and prefix lengths and wildcards), so a lookup
 * costs a few hash probes whatever the number of policies.
 * Order: lower priority value first, then older first.
 */
struct spd;

struct spd	*spd_new(void);
void		 spd_free(struct spd *);
size_t		 spd_count(const struct spd *);

/* How policy ids are made: Linux (index << 3 | dir) or KAME (sequence). */
enum spd_idstyle { SPD_ID_LINUX, SPD_ID_KAME };
void	spd_set_idstyle(struct spd *, enum spd_idstyle);

/*
 * Insert a copy; assigns an id unless SPD_HAS_ID.  SAD_ERR_EXISTS if a
 * policy with the same dir and selector exists (or the same id).  With
 * `replace', an existing one is replaced in place, keeping its id.
 */
int	spd_insert(struct spd *, const struct spd_entry *, bool replace,
	    struct spd_entry **out);
struct spd_entry *spd_lookup_id(const struct spd *, uint32_t id);
struct spd_entry *spd_lookup_sel(const struct spd *, uint8_t dir,
	    const struct spd_selector *);
void	spd_delete(struct spd *, struct spd_entry *);
size_t	spd_flush(struct spd *);

/* A packet's 5-tuple; ICMP type/code in sport/dport. */
struct spd_flow {
	struct sad_addr	src;		/* plen/port fields ignored */
	struct sad_addr	dst;
	uint8_t		proto;
	uint16_t	sport;
	uint16_t	dport;
};
/* The policy that governs a flow in a direction, or NULL. */
struct spd_entry *spd_match(const struct spd *, uint8_t dir,
	    const struct spd_flow *);

/* Iteration in match order, robust like sad_next(). */
struct spd_iter {
	uint32_t	priority;	/* cursor: last (priority, order) */
	uint64_t	order;
	bool		started;
};
void	spd_iter_init(struct spd_iter *);
struct spd_entry *spd_next(const struct spd *, struct spd_iter *);

/* Policy lifetimes (X_SPDEXPIRE on hard expiry: deleted after cb). */
typedef void (*spd_expire_cb)(void *arg, struct spd_entry *, bool hard);
int64_t	spd_next_deadline(const struct spd *, uint64_t now);
size_t	spd_expire_run(struct spd *, uint64_t now, spd_expire_cb, void *arg);
void	spd_rearm(struct spd *, struct spd_entry *);

#endif /* PFKEYKIT_SADB_H */
