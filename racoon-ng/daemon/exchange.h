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
 * exchange.h: the seam between the ike process's frame (ike.c: sockets,
 * the parent and ca channels, timers, control queries) and an exchange
 * layer (IKEv1 today: main, aggressive, quick and informational modes;
 * IKEv2 later beside it).
 *
 * The frame calls the ike_*() entry points; an exchange layer implements
 * them.  The layer calls the frame_*() services, which are asynchronous:
 * a request to the parent or the ca process returns at once (0, or an
 * errno value when it could not even be sent) and its callback runs later
 * from the event loop, exactly once, unless frame_cancel(arg) was called
 * first (do that before freeing what `arg' points to).  Timers are
 * loop.c's struct timer (timer_init / timer_set / timer_del).
 *
 * Datagrams arrive without the NAT-T non-ESP marker (the frame strips it
 * on port-4500 sockets, sadbd's relay included, and answers NAT-keepalives
 * itself); frame_send() adds it when the endpoint is a NAT-T one.  So an
 * exchange layer never sees the transport under a socket: UDP of its own
 * or sadbd's relay behave the same.
 *
 * exchange.c dispatches the entry points to the IKEv1 engine (ikev1.h,
 * ikev1*.c).
 */

#ifndef RACOON_NG_EXCHANGE_H
#define RACOON_NG_EXCHANGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb.h"

struct rcn_config;

/* Where a datagram came in, and where an answer goes. */
struct ike_endpoint {
	uint32_t	 sock;		/* the frame's socket id */
	bool		 natt;		/* port 4500: marker framing */
	struct sad_addr	 local;		/* with port */
	struct sad_addr	 remote;	/* with port */
};

struct ike_packet {
	const uint8_t		*data;	/* the ISAKMP message */
	size_t			 len;
	struct ike_endpoint	 ep;
};

/* An ACQUIRE from the kernel (PI_ACQUIRE), or establish-sa esp/ah. */
struct ike_acquire {
	uint32_t	 seq;		/* 0: from the control socket */
	uint8_t		 satype;
	struct sad_addr	 src;		/* the SA's endpoints */
	struct sad_addr	 dst;
	uint32_t	 spid;
	uint8_t		 dir;
	struct sad_addr	 sel_src;	/* the policy's selectors */
	struct sad_addr	 sel_dst;
	uint8_t		 ulproto;
	uint32_t	 reqid;
	uint8_t		 mode;
	uint8_t		 level;
};

struct ike_expire {
	uint8_t		 satype;
	uint32_t	 spi;
	struct sad_addr	 src;
	struct sad_addr	 dst;
	bool		 hard;
	uint64_t	 bytes;
	uint64_t	 addtime;
};

/* A phase 1 SA for show-sa isakmp. */
struct ike_ph1_info {
	struct sad_addr	 local;
	struct sad_addr	 remote;
	uint8_t		 icookie[8];
	uint8_t		 rcookie[8];
	uint8_t		 status;
	uint8_t		 side;		/* 0 initiator, 1 responder */
	uint8_t		 version;	/* 0x10 for IKEv1 */
	uint8_t		 etype;
	uint64_t	 created;	/* time(3) */
	uint32_t	 ph2count;
};

/* establish-sa from the control socket. */
struct ike_establish {
	uint8_t		 satype;	/* 0: isakmp */
	uint8_t		 ulproto;
	struct sad_addr	 src;
	struct sad_addr	 dst;
	char		 remote[64];	/* a remote's name, or "" */
};

/* ------------------------------------- the exchange layer's entry points */

void	ike_init(void);
/* A new configuration is in force (old: NULL the first time). */
void	ike_config(const struct rcn_config *cur, const struct rcn_config *old);
void	ike_recv(const struct ike_packet *);
void	ike_acquire(const struct ike_acquire *);
void	ike_expire(const struct ike_expire *);
/* Someone else deleted an SA. */
void	ike_sa_gone(uint8_t satype, uint32_t spi, const struct sad_addr *src,
	    const struct sad_addr *dst);
/* show-sa isakmp: `cb' once per phase 1 SA. */
void	ike_ctl_phase1s(void (*cb)(void *, const struct ike_ph1_info *),
	    void *arg);
/* flush-sa isakmp: the number of phase 1 SAs deleted. */
unsigned ike_ctl_flush(void);
/* delete-sa isakmp: 0 or an errno value with why. */
int	ike_ctl_delete(const struct sad_addr *local,
	    const struct sad_addr *remote, char *why, size_t whysz);
/* establish-sa: 0 (started) or an errno value with why. */
int	ike_ctl_establish(const struct ike_establish *, char *why,
	    size_t whysz);
/* Counters for the log (SIGUSR1) and the tests. */
struct ike_stats {
	uint64_t	 received;
	uint64_t	 malformed;
	uint64_t	 dropped;
	uint64_t	 acquires;
	uint64_t	 acquires_expired;
};
void	ike_get_stats(struct ike_stats *);
void	ike_shutdown(void);

/* --------------------------------------------------- the frame's services */

/* The configuration in force (never NULL once ike_config() ran). */
const struct rcn_config *frame_conf(void);
/* Send an ISAKMP message; 0 or an errno value. */
int	frame_send(const struct ike_endpoint *, const void *msg, size_t len);
/*
 * Send a NAT-keepalive (RFC 3948 2.3: one 0xff byte, no non-ESP marker)
 * on a NAT-T endpoint; 0 or an errno value.  When the endpoint's socket
 * is sadbd's relay, nothing is sent and the answer is 0: sadbd's data
 * plane owns the port and sends keepalives itself for its esp-udp SAs,
 * on the very address and port pairs IKE uses.
 */
int	frame_send_keepalive(const struct ike_endpoint *);
/* Our NAT-T port (the first NAT-T socket's, relay included); 0: none. */
uint16_t frame_natt_port(void);
/*
 * The endpoint to reach `remote' (its port given) from `local' on the IKE
 * port, or with `natt' on the NAT-T port: a socket bound to that address,
 * else a wildcard one of its family (sadbd's relay for NAT-T).  `local'
 * may be AF_UNSPEC: any socket of the remote's family, the routing then
 * picks the source.  0, or ENOENT when no socket fits.
 */
int	frame_endpoint(const struct sad_addr *local,
	    const struct sad_addr *remote, bool natt, struct ike_endpoint *);

typedef void (*frame_spi_cb)(void *arg, int error, uint32_t spi);
typedef void (*frame_result_cb)(void *arg, int error, uint32_t count,
	    const char *why);
typedef void (*frame_prf_cb)(void *arg, int error, const uint8_t *out,
	    size_t len);

struct frame_getspi {
	uint8_t		 satype;
	struct sad_addr	 src;		/* the peer */
	struct sad_addr	 dst;		/* us */
	uint32_t	 min;
	uint32_t	 max;
	uint32_t	 reqid;
	uint32_t	 seq;		/* the ACQUIRE's, 0 as responder */
};
int	frame_getspi(const struct frame_getspi *, frame_spi_cb, void *arg);

/* A negotiated SA; keys are copied and wiped by the frame. */
struct frame_sa {
	uint8_t		 op;		/* PS_SA_UPDATE / PS_SA_ADD */
	uint8_t		 satype;
	uint32_t	 spi;
	struct sad_addr	 src;
	struct sad_addr	 dst;
	uint8_t		 mode;
	uint32_t	 reqid;
	uint16_t	 ealg;		/* libpfkey logical numbers */
	uint16_t	 aalg;
	const uint8_t	*ekey;
	size_t		 ekeylen;
	const uint8_t	*akey;
	size_t		 akeylen;
	uint64_t	 hard_seconds;
	uint64_t	 hard_bytes;
	uint32_t	 replay;
	uint32_t	 flags;		/* PS_SAF_* */
	uint8_t		 natt_type;
	uint16_t	 natt_sport;
	uint16_t	 natt_dport;
	uint32_t	 inbound_spi;	/* PS_SA_ADD: its pair */
	/*
	 * Transport mode behind a NAT: the original addresses (RFC 3947
	 * 5.2), the peer's from its NAT-OA and ours; AF_UNSPEC: none.
	 */
	struct sad_addr	 natt_oa_peer;
	struct sad_addr	 natt_oa_local;
};
int	frame_sa_install(const struct frame_sa *, frame_result_cb, void *arg);
int	frame_sa_delete(uint8_t satype, uint32_t spi, const struct sad_addr *src,
	    const struct sad_addr *dst, frame_result_cb, void *arg);
/* INITIAL-CONTACT. */
int	frame_delete_peer(const struct sad_addr *local,
	    const struct sad_addr *peer, frame_result_cb, void *arg);

struct frame_spd {
	uint8_t		 op;		/* PS_SPD_ADD / PS_SPD_UPDATE */
	uint8_t		 dir;
	struct sad_addr	 sel_src;
	struct sad_addr	 sel_dst;
	uint8_t		 ulproto;
	uint8_t		 proto;
	uint8_t		 mode;
	uint8_t		 level;
	uint32_t	 reqid;
	struct sad_addr	 tun_src;
	struct sad_addr	 tun_dst;
	struct sad_addr	 local;
	struct sad_addr	 peer;
};
int	frame_spd_add(const struct frame_spd *, frame_result_cb, void *arg);
int	frame_spd_delete(uint8_t dir, const struct sad_addr *sel_src,
	    const struct sad_addr *sel_dst, uint8_t ulproto, frame_result_cb,
	    void *arg);
void	frame_acquire_failed(uint32_t seq, uint8_t satype, int error);
void	frame_event(uint16_t type, const struct sad_addr *local,
	    const struct sad_addr *remote, uint8_t satype, uint32_t spi,
	    const char *text);
/*
 * SKEYID for pre-shared keys: prf(psk, data) computed by the ca process
 * with the PSK it finds for the identity (PS_ID_*); the PSK never comes
 * here.  `prf' is an IKEv1 hash value (PS_PRF_*).
 */
int	frame_psk_prf(uint8_t prf, uint8_t idtype, const char *identity,
	    const void *data, size_t len, frame_prf_cb, void *arg);
/*
 * A signature for RSA-signature authentication (RFC 2409 5.1): the
 * hash signed with the private key of the remote named `remote'
 * (certificate_type x509 CERT KEY), by the ca process.
 */
typedef void (*frame_sign_cb)(void *arg, int error, const uint8_t *sig,
	    size_t len);
int	frame_sign(const char *remote, const void *hash, size_t len,
	    frame_sign_cb, void *arg);
/*
 * The public certificate material of the remote named `remote', as the
 * parent read it (certificate_type, ca_type, crl_file, path certificate,
 * peers_certfile), or NULL when it has none.  Valid until the next
 * return to the event loop.
 */
struct cert;
struct cert_store;
struct frame_certs {
	struct cert		*mine;		/* ours with its chain */
	struct cert_store	*store;		/* CAs and CRLs */
	struct cert		*peer;		/* peers_certfile */
};
const struct frame_certs *frame_certs(const char *remote);
/* Drop every pending callback with this arg. */
void	frame_cancel(void *arg);

#endif /* RACOON_NG_EXCHANGE_H */
