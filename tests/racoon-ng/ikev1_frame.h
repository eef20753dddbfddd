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
 * ikev1_frame.h: a test frame for racoon-ng's IKEv1 exchange layer.  It
 * implements exchange.h's frame_*() services, loop.c's timers and log.c's
 * logging in memory, so that two (or more) engines run in one process and
 * talk through a virtual network with a virtual clock:
 *
 *  - every datagram an engine sends is recorded and queued for the node
 *    that owns the destination address; a tamper hook may change, drop or
 *    duplicate it on the way; a node may sit behind a NAT (its source
 *    address and ports are rewritten, and answers find their way back);
 *  - GETSPI, SKEYID (from the node's own PSK table, as the ca process
 *    would compute it), SA installs and deletes, policy adds, INITIAL-
 *    CONTACT deletes are answered asynchronously and recorded;
 *  - timers fire only when the test advances the clock.
 */

#ifndef IKEV1_FRAME_H
#define IKEV1_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ikev1.h"

#define TF_NODES	3
#define TF_MAXSA	64
#define TF_MAXSPD	16
#define TF_MAXDGRAM	8192
#define TF_MAXEVT	128
#define TF_LOGLINES	256
#define TF_MAXRCERTS	4

struct cert_key;

/*
 * The certificate material of one remote of a node's configuration, as
 * the parent and the ca process would read it: certificate_type (our
 * certificate and, for frame_sign(), its key), ca_type, crl_file, path
 * certificate, peers_certfile.
 */
struct tf_rcert {
	char		 name[64];
	struct frame_certs fc;
	struct cert_key	*key;
};

struct tf_sa {
	struct frame_sa	 s;		/* keys point into the copies below */
	uint8_t		 ekey[PS_KEY_MAX];
	uint8_t		 akey[PS_KEY_MAX];
	bool		 deleted;
};

struct tf_node {
	int		 idx;
	const char	*name;
	struct ikev1_engine *eng;
	struct rcn_config *cfg;
	struct sad_addr	 addr;		/* its IKE address */
	/* Behind a NAT: seen from outside as nat_addr, ports + 40000. */
	bool		 natted;
	struct sad_addr	 nat_addr;
	struct {
		char	 id[128];
		uint8_t	 key[64];
		size_t	 keylen;
	}		 psk[4];
	size_t		 npsk;
	uint32_t	 next_spi;
	struct tf_sa	 sas[TF_MAXSA];
	size_t		 nsas;
	struct frame_spd spds[TF_MAXSPD];
	size_t		 nspds;
	unsigned	 spd_deletes;
	uint8_t		 spd_del_dir[TF_MAXSPD];	/* the first ones */
	unsigned	 sa_deletes;
	unsigned	 delete_peer;
	unsigned	 acquire_failed;
	uint32_t	 last_failed_seq;
	uint16_t	 events[TF_MAXEVT];
	size_t		 nevents;
	char		*log[TF_LOGLINES];
	size_t		 nlog;
	int		 getspi_error;	/* injected */
	struct tf_rcert	 rcerts[TF_MAXRCERTS];
	size_t		 nrcerts;
	unsigned	 signs;		/* frame_sign() calls */
	bool		 sign_corrupt;	/* injected: flip a signature bit */
	int		 sign_error;	/* injected */
};

struct tf_dgram {
	int		 from, to;
	bool		 natt;
	size_t		 len;
	uint8_t		 data[TF_MAXDGRAM];
};

/* What the tamper hook decides. */
#define TF_DELIVER	0
#define TF_DROP		1
#define TF_TWICE	2

typedef int (*tf_tamper_fn)(struct tf_dgram *, void *arg);

extern struct tf_node tf_nodes[TF_NODES];

/* Reset everything (no engines). */
void	 tf_reset(void);
/*
 * A node with an engine and a configuration (text); 0 or -1.  The
 * certificates, keys, CAs and CRLs the configuration names are loaded
 * with cert.h (frame_certs(), frame_sign()).
 */
int	 tf_node(int idx, const char *name, const char *addr,
	    const char *conftext);
void	 tf_psk(int idx, const char *id, const char *key);
/* Make `idx' the node the engine calls act for. */
void	 tf_use(int idx);
/* Run everything queued (services, datagrams) until quiet. */
void	 tf_run(void);
/* Move the clock on by ms, firing timers (and running) as it goes. */
void	 tf_advance(uint64_t ms);
uint64_t tf_now(void);
void	 tf_set_tamper(tf_tamper_fn, void *arg);
/* Every datagram sent so far (also the dropped ones). */
size_t	 tf_ndgrams(void);
const struct tf_dgram *tf_dgram(size_t i);
/* Inject a datagram as if `from' had sent it to `to'. */
void	 tf_inject(int from, int to, const uint8_t *, size_t, bool natt);
/* Whether a log line of the node contains s. */
bool	 tf_logged(int idx, const char *s);
/* SAs installed (not deleted) at a node, and a look-up by SPI. */
size_t	 tf_live_sas(int idx);
const struct tf_sa *tf_sa_find(int idx, uint32_t spi);
bool	 tf_event_seen(int idx, uint16_t type);
/* Free the engines and configurations. */
void	 tf_teardown(void);
/* The engine's counters. */
const struct ikev1_stats *tf_stats(int idx);
size_t	 tf_p1_count(int idx, enum p1_state);

#endif /* IKEV1_FRAME_H */
