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
 * ikev1.h: the IKEv1 exchange layer (RFC 2407, 2408, 2409, 3706, 3947),
 * the protocol engine behind exchange.h.  Private to the ike process,
 * grouped by file:
 *
 *	ikev1.c		the engine: phase 1 and phase 2 handles, the
 *			entry points of exchange.h, look-ups, message
 *			framing (encryption, IV chains, fragments),
 *			retransmission and duplicates, lifetimes, control
 *	ikev1_sa.c	proposals: building and choosing SA payloads of
 *			both phases, proposal_check, IDs and sainfo
 *	ikev1_ph1.c	main and aggressive mode, both roles; NAT-D and
 *			vendor IDs
 *	ikev1_cert.c	signature authentication: CERT, CR and SIG
 *			payloads, the peer's certificate and identity
 *	ikev1_qm.c	quick mode, both roles; KEYMAT and installing SAs
 *	ikev1_info.c	informational exchanges: notifications, DELETE,
 *			INITIAL-CONTACT, dead peer detection
 *
 * Everything the engine does to the outside goes through the frame_*()
 * services of exchange.h and the timers of loop.c, so the same code runs
 * in the daemon and, twice in one process, in the unit tests (the test
 * frame switches between engine instances with ikev1_engine_set()).
 *
 * Secrets: the pre-shared key never comes here (SKEYID is computed by
 * the ca process); SKEYIDs, g^xy, DH private keys and KEYMAT are wiped
 * when their handle goes.
 */

#ifndef RACOON_NG_IKEV1_H
#define RACOON_NG_IKEV1_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racoon-ng.h"
#include "exchange.h"
#include "isakmp.h"
#include "ike_crypto.h"
#include "conf.h"

/* ------------------------------------------------------------- limits */

#define P1_MAX			4096	/* phase 1 handles in all */
#define P1_HALFOPEN_MAX		256	/* responder exchanges not yet
					 * authenticated, in all */
#define P1_HALFOPEN_PEER	16	/* ... from one address */
#define P2_MAX			16384	/* phase 2 handles in all */
#define P2_NEGO_PER_P1		64	/* quick modes at once on one SA */
#define P1_MIDS			64	/* message ids remembered per SA */
#define IKEV1_NONCE_MAX		256
#define IKEV1_ID_MAX		512	/* an ID payload body we keep */
#define IKEV1_FRAG_MTU		576	/* fragments: the IPv4 minimum */
#define IKEV1_FRAG_POOL		(1024 * 1024)	/* bytes held in all */
#define IKEV1_FRAG_ORPHANS	32	/* reassemblies of first messages
					 * (no handle yet), in all */
#define IKEV1_FRAG_ORPHANS_PEER	4	/* ... from one address */
#define IKEV1_NOTIFY_RATE	20	/* unprotected notifications/s */
#define IKEV1_REPLAY		32	/* replay window of our SAs */
#define IKEV1_SPI_MIN		0x100
#define IKEV1_DUP_GAP		1000	/* ms between answers to copies */
#define IKEV1_CONTACTED		1024	/* peers remembered as contacted */

/* Encapsulation for NAT-T SAs (linux/udp.h UDP_ENCAP_ESPINUDP). */
#define IKEV1_NATT_ESPINUDP	2

/* ----------------------------------------------------- phase 1 handles */

enum p1_side { P1_INITIATOR = 0, P1_RESPONDER = 1 };

/*
 * Where a phase 1 exchange is (the status of show-sa isakmp): the
 * message last sent or received, as racoon numbered them.
 */
enum p1_state {
	P1S_START = 1,
	P1S_MSG1SENT,			/* initiator: MM1 / AM1 sent */
	P1S_MSG2SENT,			/* responder: MM2 / AM2 sent */
	P1S_MSG3SENT,			/* initiator: MM3 sent */
	P1S_MSG4SENT,			/* responder: MM4 sent */
	P1S_MSG5SENT,			/* initiator: MM5 sent */
	P1S_ESTABLISHED = 9,
	P1S_EXPIRED = 10,		/* replaced by a newer SA */
	P1S_DYING = 11
};

/* What one phase 1 transform says. */
struct p1xf {
	int		 enc;		/* OAKLEY_ENC_* */
	unsigned	 keylen;	/* bits, AES only */
	int		 hash;
	int		 auth;
	int		 group;
	uint32_t	 life_s;
	uint64_t	 life_b;
};

/* NAT-T flavours. */
enum natt_kind { NATT_NONE, NATT_DRAFT, NATT_RFC };

struct p2;

struct frag_orphan {
	uint8_t			 icookie[8];
	uint8_t			 rcookie[8];
	struct sad_addr		 remote;
	uint64_t		 touched;	/* when last fed (a count) */
	struct isakmp_reasm	 reasm;
};

struct p1 {
	TAILQ_ENTRY(p1)		 entry;
	uint32_t		 serial;	/* for logs */
	enum p1_state		 state;
	enum p1_side		 side;
	uint8_t			 etype;		/* IDPROT, AGGRESSIVE */
	bool			 busy;		/* waiting for the ca */
	bool			 halfopen;	/* counted as half-open */
	bool			 keyed;		/* keys derived */
	bool			 dead;		/* being freed */
	uint8_t			 icookie[8];
	uint8_t			 rcookie[8];
	struct ike_endpoint	 ep;
	char			 rname[PS_NAME_MAX];	/* remote name */
	const struct rcn_remote	*rm;		/* re-resolved on reload */
	uint64_t		 created;	/* time(3) */
	uint64_t		 estab_ms;

	struct p1xf		 sel;		/* what was chosen */
	/* The initiator's SA payload body (HASH_I/R). */
	uint8_t			*sai_b;
	size_t			 sailen;
	/* DH and nonces. */
	struct ike_dh		*dh;
	uint8_t			*gxi, *gxr;
	size_t			 gxilen, gxrlen;
	uint8_t			*gxy;
	size_t			 gxylen;
	uint8_t			 ni[IKEV1_NONCE_MAX], nr[IKEV1_NONCE_MAX];
	size_t			 nilen, nrlen;
	/* ID payload bodies: the initiator's and the responder's. */
	uint8_t			*idi_b, *idr_b;
	size_t			 idilen, idrlen;
	/* Keys. */
	struct ike_prf		*prf;
	struct ike_p1keys	 keys;
	struct ike_cbc		*cbc;
	size_t			 blocklen;
	uint8_t			 iv[IKE_BLOCK_MAXLEN];	/* chain */
	/* Aggressive mode initiator: HASH_R as received, checked later. */
	uint8_t			 hash_r[IKE_HASH_MAXLEN];
	size_t			 hash_rlen;
	/* The responder's SA payload body (kept across the ca's answer). */
	uint8_t			*sar_b;
	size_t			 sarlen;
	/* What to do when SKEYID (or a signature) comes back. */
	int			(*cont)(struct p1 *);

	/* What the peer announced. */
	enum natt_kind		 peer_natt;
	bool			 peer_dpd;
	bool			 peer_frag;
	/* NAT-T: the NAT-D result and whether we moved to port 4500. */
	enum natt_kind		 natt;		/* agreed flavour */
	bool			 nat_me;	/* we are behind a NAT */
	bool			 nat_peer;	/* the peer is */
	bool			 nat_used;	/* UDP encapsulation */
	bool			 floated;
	enum isakmp_vendor	 natt_vid;	/* the peer's NAT-T VID */
	bool			 ic_rcvd;	/* INITIAL-CONTACT came */

	/* Retransmission and duplicates. */
	uint8_t			*tx;		/* last message sent */
	size_t			 txlen;
	bool			 tx_answer;	/* it answers rxdig's */
	uint64_t		 tx_ms;		/* when it was last sent */
	unsigned		 txcount;
	uint16_t		 fragid;
	uint8_t			 rxdig[32];	/* last message taken */
	bool			 have_rx;
	struct timer		 rtx;
	struct timer		 tmo;		/* phase 1 deadline */
	struct timer		 life;		/* soft, then hard */
	bool			 soft_done;
	struct timer		 dpd;
	struct timer		 ka;		/* NAT-keepalives */

	/* Message ids of quick modes and informational exchanges. */
	uint32_t		 mids[P1_MIDS];
	unsigned		 nmids, midpos;
	unsigned		 nego;		/* quick modes in progress */
	unsigned		 ph2count;	/* SAs negotiated */

	/* DPD (RFC 3706). */
	uint32_t		 dpd_seq;
	uint32_t		 dpd_peer_seq;
	unsigned		 dpd_fails;
	bool			 dpd_wait;

	/* IKE fragmentation. */
	struct isakmp_reasm	*reasm;

	/* The peer's phase 1 identity (type and data), for sainfo from. */
	uint8_t			 peer_idtype;
	uint8_t			*peer_id;
	size_t			 peer_idlen;

	/* Signature authentication (ikev1_cert.c); NULL until used. */
	struct p1cert		*cert;
};
TAILQ_HEAD(p1q, p1);

/* ----------------------------------------------------- phase 2 handles */

enum p2_state {
	P2S_WAIT_P1 = 1,		/* waiting for a phase 1 SA */
	P2S_GETSPI,			/* waiting for our SPI */
	P2S_MSG1SENT,			/* initiator */
	P2S_MSG2SENT,			/* responder */
	P2S_INSTALLING,
	P2S_ESTABLISHED,
	P2S_DEAD
};

/* The algorithms a phase 2 offers or accepts (a copy of the sainfo). */
struct p2conf {
	int		 pfs_group;
	bool		 esn;		/* offer / accept RFC 4304 ESN */
	uint32_t	 life_s;
	uint64_t	 life_b;
	struct rcn_p2enc enc[CONF_MAX_ALGS];
	unsigned	 nenc;
	int		 auth[CONF_MAX_ALGS];
	unsigned	 nauth;
	bool		 found;		/* a sainfo matched */
};

/* What one phase 2 transform says. */
struct p2xf {
	uint8_t		 proto;		/* ISAKMP_PROTO_ESP / AH */
	uint8_t		 id;		/* transform id */
	unsigned	 keybits;
	int		 auth;		/* IPSEC_AUTH_*, 0 none */
	int		 encmode;	/* IPSEC_ENCMODE_* */
	int		 group;
	bool		 esn;		/* 64-bit sequence numbers */
	uint32_t	 life_s;
	uint64_t	 life_b;
};

struct p2 {
	TAILQ_ENTRY(p2)		 entry;
	uint32_t		 serial;
	enum p2_state		 state;
	enum p1_side		 side;
	struct p1		*p1;		/* while negotiating */
	uint32_t		 msgid;
	bool			 busy;

	/* What is wanted (from the ACQUIRE or the peer's IDs). */
	uint32_t		 acq_seq;
	uint32_t		 spid;
	uint8_t			 satype;	/* PFKEY_SATYPE_ESP / AH */
	uint8_t			 mode;		/* PFKEY_MODE_* */
	uint8_t			 level;
	uint32_t		 reqid;
	struct sad_addr		 sel_local;	/* with plen, port */
	struct sad_addr		 sel_peer;
	uint8_t			 ulproto;
	struct sad_addr		 local;		/* the SA end points */
	struct sad_addr		 peer;
	char			 rname[PS_NAME_MAX];
	struct p2conf		 conf;

	/* Negotiated. */
	struct p2xf		 sel;
	uint32_t		 spi_in;	/* ours (host order) */
	uint32_t		 spi_out;	/* the peer's */
	uint8_t			 ni[IKEV1_NONCE_MAX], nr[IKEV1_NONCE_MAX];
	size_t			 nilen, nrlen;
	struct ike_dh		*dh;
	uint8_t			*gqm;		/* g(qm)^xy */
	size_t			 gqmlen;
	uint8_t			 iv[IKE_BLOCK_MAXLEN];
	/* ID payload bodies (IDci, IDcr), 0 length when not sent. */
	uint8_t			 idci[IKEV1_ID_MAX], idcr[IKEV1_ID_MAX];
	size_t			 idcilen, idcrlen;
	/* Responder: the SA payload body to answer with (SPI at 16). */
	uint8_t			*sar;
	size_t			 sarlen;
	/* The peer's KE (PFS), kept until our own is made. */
	uint8_t			*kep;
	size_t			 keplen;
	bool			 natt;		/* UDP encapsulation */
	uint16_t		 natt_lport, natt_pport;
	/* The peer's original address from its NAT-OA (RFC 3947 5.2). */
	struct sad_addr		 natoa_peer;	/* AF_UNSPEC: none came */
	bool			 resp_lifetime;	/* send RESPONDER-LIFETIME */
	bool			 gen_policy;	/* we installed policies */

	/* Retransmission and duplicates. */
	uint8_t			*tx;
	size_t			 txlen;
	uint64_t		 tx_ms;
	unsigned		 txcount;
	uint8_t			 rxdig[32];
	bool			 have_rx;
	struct timer		 rtx;
	struct timer		 tmo;

	/* Installed SAs: inbound and outbound still in the SAD. */
	bool			 in_alive, out_alive;
	bool			 rekeyed;
	unsigned		 pending;	/* install results awaited */
	int			 install_error;
	uint64_t		 created;
};
TAILQ_HEAD(p2q, p2);

/* ------------------------------------------------------------- engine */

/* Counters beyond struct ike_stats, for the log and the tests. */
struct ikev1_stats {
	uint64_t	 p1_established;
	uint64_t	 p1_failed;
	uint64_t	 p2_established;
	uint64_t	 p2_failed;
	uint64_t	 retransmits;
	uint64_t	 duplicates;	/* answered or dropped copies */
	uint64_t	 auth_failed;
	uint64_t	 dropped_halfopen;
	/* Notifications by type (1..30); [0]: the other types. */
	uint64_t	 notify_sent[32];
	uint64_t	 notify_rcvd[32];
	uint64_t	 deletes_sent;
	uint64_t	 deletes_rcvd;
	uint64_t	 dpd_sent;
	uint64_t	 dpd_acked;
	uint64_t	 dpd_dead;
	uint64_t	 frags_sent;
	uint64_t	 frags_rcvd;
	uint64_t	 frags_evicted;	/* first-message sets pushed out */
	uint64_t	 natt_keepalives;	/* sent (RFC 3948 2.3) */
};

struct ikev1_engine {
	struct p1q		 p1s;
	struct p2q		 p2s;
	size_t			 np1, np2, nhalfopen;
	uint32_t		 serial;
	uint8_t			 secret[32];	/* responder cookies */
	struct ike_prf		*sha256;	/* cookies, digests */
	struct isakmp_frag_pool	 fragpool;
	/*
	 * Reassembly of fragmented first messages (MM1/AM1: the zero
	 * responder cookie), before a phase 1 handle exists; keyed by the
	 * cookies and the peer's address and port.
	 */
	struct frag_orphan	*orphans[IKEV1_FRAG_ORPHANS];
	unsigned		 norphans;
	uint64_t		 notify_window;	/* rate limit */
	unsigned		 notify_count;
	uint32_t		 reqid_next;	/* generate_policy unique */
	/* Peers we had an ISAKMP SA with (INITIAL-CONTACT once each). */
	struct sad_addr		 contacted[IKEV1_CONTACTED];
	unsigned		 ncontacted, contacted_pos;
	struct ike_stats	 st;
	struct ikev1_stats	 x;
};

/* The engine in use (one in the daemon; the tests switch). */
extern struct ikev1_engine *ikev1;

/* ikev1.c: the entry points exchange.c hands the IKEv1 messages to. */
void	 ikev1_init(void);
void	 ikev1_config(const struct rcn_config *, const struct rcn_config *);
void	 ikev1_recv(const struct ike_packet *);
void	 ikev1_acquire(const struct ike_acquire *);
void	 ikev1_expire(const struct ike_expire *);
void	 ikev1_sa_gone(uint8_t, uint32_t, const struct sad_addr *,
	    const struct sad_addr *);
void	 ikev1_ctl_phase1s(void (*)(void *, const struct ike_ph1_info *),
	    void *);
unsigned ikev1_ctl_flush(void);
int	 ikev1_ctl_delete(const struct sad_addr *, const struct sad_addr *,
	    char *, size_t);
int	 ikev1_ctl_establish(const struct ike_establish *, char *, size_t);
void	 ikev1_get_stats(struct ike_stats *);
void	 ikev1_shutdown(void);
/* ikev1.c: engine instances (one in the daemon, two in the tests). */
struct ikev1_engine *ikev1_engine_get(void);
void	 ikev1_engine_set(struct ikev1_engine *);
void	 ikev1_engine_free(struct ikev1_engine *);
const struct rcn_remote *ikev1_remote_for(const struct sad_addr *peer);
struct p1 *p1_new(enum p1_side, uint8_t etype, const struct rcn_remote *,
	    const struct ike_endpoint *);
void	 p1_free(struct p1 *, const char *why);
void	 p1_fail(struct p1 *, uint16_t event, const char *why);
void	 p1_established(struct p1 *);
struct p1 *p1_find_established(const struct sad_addr *local,
	    const struct sad_addr *peer);
int	 p1_set_endpoint_natt(struct p1 *);
int	 p1_keys(struct p1 *, const uint8_t *skeyid, size_t len);
void	 p1_digest(const uint8_t *, size_t, uint8_t out[32]);
void	 ikev1_send(struct p1 *, uint8_t **txp, size_t *txlenp,
	    const uint8_t *msg, size_t len, bool rexmit, struct timer *rtx,
	    unsigned *txcount);
int	 ikev1_seal(struct p1 *, const struct isakmp_hdr *, struct isakmp_buf *,
	    uint8_t *iv, uint8_t **out, size_t *outlen);
int	 ikev1_seal_raw(struct p1 *, const struct isakmp_hdr *, uint8_t np,
	    const uint8_t *body, size_t blen, uint8_t *iv, uint8_t **out,
	    size_t *outlen);
void	 ikev1_xmit(struct p1 *, const uint8_t *, size_t);
int	 ikev1_open(struct p1 *, const struct isakmp_msg *, uint8_t *iv,
	    uint8_t **plain, size_t *plainlen);
int	 ikev1_rexmit_due(unsigned count, uint64_t *ms);
bool	 p1_mid_seen(struct p1 *, uint32_t mid);
void	 p1_mid_add(struct p1 *, uint32_t mid);
uint32_t ikev1_random_mid(struct p1 *);
void	 ikev1_hdr(const struct p1 *, struct isakmp_hdr *, uint8_t etype,
	    uint32_t mid);
void	 p2_free(struct p2 *, const char *why);
void	 p2_fail(struct p2 *, const char *why);
void	 p2_start_waiting(struct p1 *);
struct p2 *p2_find_spi(uint8_t satype, uint32_t spi, bool out);
bool	 ikev1_notify_allowed(void);
bool	 ikev1_contacted(const struct sad_addr *);
const char *ikev1_p1name(const struct p1 *, char *, size_t);
void	 ikev1_count_notify(bool sent, uint16_t type);

/* ikev1_sa.c */
int	 sa_p1_build(struct isakmp_buf *, const struct rcn_remote *);
int	 sa_p1_xf_parse(const struct isakmp_transform *, struct p1xf *);
int	 sa_p1_select(const struct rcn_remote *, const struct isakmp_sa *,
	    bool aggressive, size_t kelen, struct p1xf *,
	    struct isakmp_proposal *, struct isakmp_transform *,
	    uint16_t *notify);
int	 sa_p1_check_reply(const struct rcn_remote *, const struct isakmp_sa *,
	    struct p1xf *, uint16_t *notify);
int	 sa_p1_echo(struct isakmp_buf *, const struct isakmp_sa *,
	    const struct isakmp_proposal *, const struct isakmp_transform *);
bool	 sa_life_ok(enum rcn_pcheck, uint32_t ours_s, uint64_t ours_b,
	    uint32_t theirs_s, uint64_t theirs_b, uint32_t *use_s,
	    uint64_t *use_b, bool *claim);
int	 sa_p2_build(struct isakmp_buf *, const struct p2 *, uint32_t spi);
int	 sa_p2_xf_parse(uint8_t proto, const struct isakmp_transform *,
	    struct p2xf *);
int	 sa_p2_select(const struct p2 *, enum rcn_pcheck,
	    const struct isakmp_sa *, struct p2xf *, uint32_t *peer_spi,
	    struct isakmp_proposal *, struct isakmp_transform *,
	    uint16_t *notify);
int	 sa_p2_check_reply(const struct p2 *, const struct isakmp_sa *,
	    struct p2xf *, uint32_t *peer_spi, uint16_t *notify);
int	 sa_p2_echo(struct isakmp_buf *, const struct isakmp_sa *,
	    const struct isakmp_proposal *, const struct isakmp_transform *,
	    uint32_t spi);
size_t	 sa_id_from_addr(const struct sad_addr *, uint8_t ulproto,
	    uint8_t *out, size_t outsz);
int	 sa_id_to_addr(const uint8_t *body, size_t len, struct sad_addr *,
	    uint8_t *ulproto);
size_t	 sa_my_id(const struct p1 *, uint8_t *out, size_t outsz);
int	 sa_peer_id_ok(const struct p1 *, const uint8_t *body, size_t len,
	    char *why, size_t whysz);
int	 sa_p2conf(struct p2 *, const struct rcn_remote *, const struct p1 *);
int	 sa_ealg(const struct p2xf *, uint16_t *ealg, uint16_t *aalg);
bool	 sa_idtype_psk(uint8_t idtype, uint8_t *psid);

/* ikev1_ph1.c */
int	 ph1_initiate(const struct rcn_remote *, const struct ike_endpoint *,
	    struct p1 **);
void	 ph1_recv(struct p1 *, const struct isakmp_msg *,
	    const struct ike_endpoint *, const uint8_t *, size_t);
void	 ph1_recv_new(const struct isakmp_msg *, const struct ike_endpoint *,
	    const uint8_t *, size_t);
void	 ph1_cookie(const struct ike_endpoint *, const uint8_t icookie[8],
	    uint8_t rcookie[8]);
int	 ph1_natd_hash(struct p1 *, const struct sad_addr *, uint8_t *out,
	    size_t outsz);

/* ikev1_cert.c: signature authentication (RFC 2409 5.1) */
bool	 ph1_sig_auth(int auth);
void	 ph1_cert_free(struct p1 *);
bool	 ph1_cert_want_cr(const struct p1 *, bool any_proposal);
void	 ph1_cert_put_crs(struct p1 *, struct isakmp_buf *);
void	 ph1_cert_take_crs(struct p1 *, const struct isakmp_msg *);
int	 ph1_cert_put_mine(struct p1 *, struct isakmp_buf *);
int	 ph1_cert_my_id(struct p1 *, uint8_t *out, size_t outsz, size_t *len);
int	 ph1_cert_take_peer(struct p1 *, const struct isakmp_msg *,
	    uint16_t *notify, char *why, size_t whysz);
int	 ph1_cert_verify(struct p1 *, const uint8_t *idb, size_t idlen,
	    const uint8_t *hash, size_t hashlen, uint16_t *notify, char *why,
	    size_t whysz);
int	 ph1_sign(struct p1 *, const uint8_t *hash, size_t len,
	    int (*cont)(struct p1 *));
const uint8_t *ph1_my_sig(const struct p1 *, size_t *len);

/* ikev1_qm.c */
struct p2 *qm_new(enum p1_side);
int	 qm_initiate(struct p2 *, struct p1 *);
void	 qm_recv(struct p1 *, const struct isakmp_msg *,
	    const struct ike_endpoint *, const uint8_t *, size_t);
void	 qm_sa_delete_both(struct p2 *, bool send_delete);

/* ikev1_info.c */
void	 info_recv(struct p1 *, const struct isakmp_msg *,
	    const struct ike_endpoint *);
void	 info_recv_clear(const struct isakmp_msg *,
	    const struct ike_endpoint *);
int	 info_send_notify(struct p1 *, uint16_t type, uint8_t proto,
	    const uint8_t *spi, size_t spisize, const void *data, size_t len);
int	 info_send_notify_clear(const struct ike_endpoint *,
	    const uint8_t icookie[8], const uint8_t rcookie[8], uint16_t type,
	    const void *data, size_t len);
int	 info_send_delete(struct p1 *, uint8_t proto, const uint8_t *spis,
	    size_t spisize, size_t count);
void	 info_initial_contact(struct p1 *);
void	 dpd_start(struct p1 *);
void	 dpd_timer_cb(void *);

#endif /* RACOON_NG_IKEV1_H */
