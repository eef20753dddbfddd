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
 * sadbd: the userspace SADB.  Private header, grouped by file as in iked.
 */

#ifndef SADBD_H
#define SADBD_H

#include <sys/types.h>

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "pfkey.h"
#include "sadb.h"

/* ---------------------------------------------------------- journal.c */

/*
 * The journal makes every acknowledged change durable.  Changes are
 * records appended to the current segment file in the state directory;
 * journal_commit() writes what was appended since the last commit and
 * makes it durable (fdatasync) with one call, so all the requests handled
 * in one pass of the event loop share it (group commit).  The server sends
 * no reply for a change before the commit that covers it returned 0.
 *
 * A record is a PF_KEY message in the host dialect, built by the sadb
 * bridge (an SA with its keys as an ADD, a deletion as a DELETE, a policy
 * as an X_SPDADD with its id, ...), or a record of an SA's sequence
 * numbers (journal_seq_put()), framed with its length and a CRC, so a
 * torn write at the end of the last segment is recognised and dropped on
 * replay (it was never acknowledged).
 *
 * Compaction: when the segments grow past a limit, the journal starts a
 * new segment and a child process (fork: it sees the stores as they were)
 * writes a snapshot of every SA and policy, fsyncs it and renames it into
 * place; when the child has succeeded the old segments are removed.  Start
 * up = load the newest snapshot, then replay the segments after it.
 */
struct journal;

enum journal_sync {
	JOURNAL_SYNC_FULL,	/* fdatasync before every reply (default) */
	JOURNAL_SYNC_NONE,	/* write(2) only: survives sadbd, not the OS */
	JOURNAL_SYNC_OFF	/* no journal at all: nothing survives */
};

/*
 * Open (creating) the state directory; mode 0700, files 0600.  Refuses a
 * directory not owned by the effective uid or writable by group or others,
 * and one another sadbd holds (flock of "lock").  With JOURNAL_SYNC_OFF
 * nothing is touched and `dir' may be NULL.  On failure returns NULL and
 * *err (may be NULL) gets an errno value; journal_error() says why.
 */
struct journal *journal_open(const char *dir, enum journal_sync, int *err);
/* Commit what is pending (best effort), close, wipe buffers. */
void	journal_close(struct journal *);
/*
 * What the last failing journal_* call ran into, as a sentence naming the
 * file, the offset and the system error; for the log (never NULL).  This
 * module never logs by itself.
 */
const char *journal_error(void);

/*
 * Load the snapshot and replay the segments into empty stores.  SAs whose
 * hard lifetime passed while sadbd was down are dropped.  Returns the
 * number of records applied or a negative SAD_ERR_*; `why' (may be NULL)
 * gets a description of a refused file.  On success `why' is empty or holds
 * a note worth logging (a torn tail truncated, a damaged snapshot passed
 * over for an older complete one).  Must be called once, before any
 * append: it also opens the segment that appends go to.
 */
long	journal_replay(struct journal *, struct sad *, struct spd *,
	    char *why, size_t whylen);

/*
 * Append records (buffered until journal_commit).  Call after the store
 * accepted the change and before replying.  Returns 0 or SAD_ERR_NOMEM,
 * SAD_ERR_DIALECT / SAD_ERR_PFKEY (the entry cannot be written in the host
 * dialect: refuse the request and undo the change), SAD_ERR_STATE (before
 * journal_replay).  On failure nothing was appended.
 */
int	journal_sa_put(struct journal *, const struct sad_entry *);
int	journal_sa_del(struct journal *, const struct sad_entry *);
int	journal_sa_flush(struct journal *, uint8_t satype);
int	journal_sp_put(struct journal *, const struct spd_entry *);
int	journal_sp_del(struct journal *, uint32_t id);
int	journal_sp_flush(struct journal *);

/*
 * Write and sync what was appended; 0 when durable (or nothing pending).
 * On a write or sync error returns -1 (errno set, journal_error() says
 * which file and offset) and keeps every record pending: the next commit
 * writes them again at the same offset.  The caller must then not send
 * the replies of the changes pending: hold them and retry the commit later
 * (or exit: nothing acknowledged is lost).
 */
int	journal_commit(struct journal *);
/* Bytes appended since the last commit. */
size_t	journal_pending(const struct journal *);

/*
 * Start a compaction if the segments are large enough (past the larger of
 * 64 MiB, or $SADBD_COMPACT_BYTES, and twice the last snapshot); never
 * blocks on the snapshot.  Commits first (so the stores must hold exactly
 * what was appended), starts a new segment and forks the child that
 * writes the snapshot.  Returns 0 (started or not needed) or -1.
 */
int	journal_maybe_compact(struct journal *, const struct sad *,
	    const struct spd *);
/*
 * The event loop reports the exit of a child (from SIGCHLD / waitpid).
 * Returns 0 if `pid' is not the compaction child or it succeeded (the
 * old files are removed), -1 if the compaction failed (journal_error():
 * everything is kept, and the next attempt waits for more growth).
 */
int	journal_child_exited(struct journal *, pid_t, int status);
/* The pid of a running compaction child, or -1. */
pid_t	journal_child(const struct journal *);

/*
 * Sequence numbers of SAs (journal_seq.c): for an SA, by (dst, satype,
 * spi), the outbound reservation (every number up to `out' may have been
 * sent) and the inbound replay window's top (`in').  journal_seq_put()
 * appends a record and raises the kept values to at least `v' (they never
 * go down); 0, or SAD_ERR_NOMEM / SAD_ERR_STATE with nothing kept (a
 * no-op under JOURNAL_SYNC_OFF).  Like every record it is durable after
 * the next successful journal_commit().  DELETE and FLUSH of the SA, and
 * its expiry while sadbd was down, remove its values; compaction keeps
 * them.  journal_seq_get(): the kept values, false if none.
 * journal_keeps(): whether anything survives a restart (not -J off).
 */
struct jseq_val {
	uint64_t	out;
	uint64_t	in;
};
int	journal_seq_put(struct journal *, const struct sad_addr *dst,
	    uint8_t satype, uint32_t spi, const struct jseq_val *v);
bool	journal_seq_get(const struct journal *, const struct sad_addr *dst,
	    uint8_t satype, uint32_t spi, struct jseq_val *v);
bool	journal_keeps(const struct journal *);

/* ------------------------------------------------------ journal_seq.c */

/*
 * The table behind journal_seq_*() and the record that carries it (see
 * journal_seq.c for the layout).  jseq_set() raises an SA's values to at
 * least `v' (*now, may be NULL: what it holds then); jseq_prune() drops
 * the SAs `sad' does not hold; jseq_next() walks the table (any order).
 * jseq_decode() checks a record whole and says why it is refused.
 */
#define JSEQ_RECLEN	48
struct jseq;
struct jseq_iter {
	size_t		 b;
	const void	*e;
};
struct jseq *jseq_new(void);
void	jseq_free(struct jseq *);
size_t	jseq_count(const struct jseq *);
int	jseq_set(struct jseq *, const struct sad_addr *dst, uint8_t satype,
	    uint32_t spi, const struct jseq_val *v, struct jseq_val *now);
bool	jseq_get(const struct jseq *, const struct sad_addr *dst,
	    uint8_t satype, uint32_t spi, struct jseq_val *v);
void	jseq_del(struct jseq *, const struct sad_addr *dst, uint8_t satype,
	    uint32_t spi);
void	jseq_flush(struct jseq *, uint8_t satype);
void	jseq_prune(struct jseq *, const struct sad *);
void	jseq_iter_init(struct jseq_iter *);
bool	jseq_next(const struct jseq *, struct jseq_iter *,
	    struct sad_addr *dst, uint8_t *satype, uint32_t *spi,
	    struct jseq_val *v);
bool	jseq_is_record(const void *msg, size_t len);
int	jseq_encode(uint8_t rec[JSEQ_RECLEN], const struct sad_addr *dst,
	    uint8_t satype, uint32_t spi, const struct jseq_val *v);
int	jseq_decode(const void *msg, size_t len, struct sad_addr *dst,
	    uint8_t *satype, uint32_t *spi, struct jseq_val *v, char *why,
	    size_t whylen);

/* ------------------------------------------------------------ log.c */

void	log_init(int debug, int foreground);
/*
 * A daemon (not foreground) logs to syslog, and errors to stderr as well
 * until log_detach(): start-up failures reach the terminal.
 */
void	log_detach(void);
/* SIGHUP: reopen the syslog connection. */
void	log_reopen(void);
/* Whether -d asked for debug messages. */
int	log_getdebug(void);
void	log_warn(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((__format__(printf, 1, 2)))
	    __attribute__((__noreturn__));
void	fatalx(const char *, ...) __attribute__((__format__(printf, 1, 2)))
	    __attribute__((__noreturn__));

/* ----------------------------------------------------------- sadbd.c */

/* Set by the signal handlers, read by the event loop. */
extern volatile sig_atomic_t sadbd_quit;	/* SIGTERM, SIGINT */
extern volatile sig_atomic_t sadbd_hup;		/* SIGHUP */
extern volatile sig_atomic_t sadbd_chld;	/* SIGCHLD */
extern volatile sig_atomic_t sadbd_info;	/* SIGUSR1, SIGINFO */

/* -------------------------------------------------------- dataplane.c */

/*
 * The data plane: the ESP/AH engine (libesp) carrying traffic between a
 * TUN device and the network, driven by the SAD and SPD this daemon
 * serves.  Worker threads move packets; the event loop stays the only
 * thread that changes the stores.  See sadbd(8), DATA PLANE.
 */
struct dp_conf {
	const char	*ifname;	/* -i: the TUN device; NULL: off */
	unsigned	 workers;	/* -T: 0 = one per online CPU */
	uint16_t	 port;		/* -U: local UDP port (4500) */
	bool		 raw;		/* -R: raw IP sockets for ESP/AH */
	uint32_t	 mark;		/* -M: SO_MARK; 0 = none */
	bool		 offload;	/* TSO, checksums, UDP GSO/GRO */
	int		 backend;	/* enum esp_backend */
	const char	*relay;		/* -K: IKE relay socket; NULL: none */
};

#define DP_DEFAULT_PORT		4500
#define DP_DEFAULT_MARK		0x5adb

/*
 * Start: attach to (or create) the TUN device, open the sockets, make an
 * engine SA of every mature SA in `sad' and start the workers.  Fatal
 * errors exit.  The stores stay the event loop's; the workers read the
 * SPD under the data plane's lock, which the loop takes around every
 * change of it (dp_wrlock()).
 */
void	dp_start(const struct dp_conf *, struct sad *, struct spd *);
/* Stop and join the workers, free every engine SA (keys wiped). */
void	dp_stop(void);
/* Whether the data plane runs. */
bool	dp_running(void);

/*
 * Hooks for the event loop's changes of the stores.  dp_sa_added: a
 * mature SA appeared (ADD, UPDATE of a larval SA); dp_sa_removed: an SA
 * is about to be deleted (call while the entry is valid); dp_sa_changed:
 * its state (soft expiry: dying) or its lifetimes (UPDATE of a mature SA)
 * changed; dp_flush: every SA of satype (0: all) is gone.  No-ops without
 * a data plane.
 */
void	dp_sa_added(const struct sad_entry *);
void	dp_sa_removed(const struct sad_entry *);
void	dp_sa_changed(const struct sad_entry *);
void	dp_flush(uint8_t satype);
/* Exclude the workers while the SPD changes (nests; event loop only). */
void	dp_wrlock(void);
void	dp_unlock(void);
/*
 * Bring the SAD's current byte counts up to the engine's (which may
 * expire SAs through their byte lifetimes): one SA, or all of them.
 */
void	dp_sync_sa(const struct sad_addr *dst, uint8_t satype, uint32_t spi);
void	dp_sync_all(void);
/* The descriptor the event loop polls for the workers' events, or -1. */
int	dp_pollfd(void);
/* Milliseconds until dp_run() has timed work (-1: none). */
int	dp_timeout_ms(void);
/*
 * The event loop's share: the workers' events (ACQUIRE for packets
 * without SA, lifetimes crossed), held packets whose SA appeared or
 * whose time ran out, the periodic byte count update.
 */
void	dp_run(void);
/* Log the counters (SIGUSR1). */
void	dp_log_stats(void);
/*
 * The journal committed: sequence numbers reserved before it may be used
 * (dp_seq.c).  Call after every successful journal_commit().
 */
void	dp_committed(void);
/*
 * For GET and DUMP: dp_show_prepare() reads the engine's replay windows
 * (of `e', or of every SA when NULL) as of now; dp_sa_show() puts the
 * SA's sequence number into e->seq (X_SA2 sequence, as the BSD kernels
 * report it): the replay window's top if the SA has received packets,
 * else the last number sent; its low 32 bits.  No-ops for SAs the engine
 * does not have.
 */
void	dp_show_prepare(const struct sad_entry *e);
void	dp_sa_show(struct sad_entry *e);

/* ---------------------------------------------------------- dp_seq.c */

/*
 * Sequence numbers across restarts.  Each engine SA has a dp_seq: output
 * takes a ticket per packet (dp_seq_take(), workers) and may use numbers
 * only up to the reservation that is durable in the journal; the event
 * loop reserves ahead (dp_seq_reserve(), on a worker's DPE_SEQ event or
 * the sweep) and makes the reservation usable after the commit
 * (dp_seq_publish()).  The inbound window's top is journaled by the
 * sweep.  Everything but dp_seq_take() runs in the event loop.
 */
struct dp_seq;
struct esp_sa;

#define DP_SEQ_OK	0
#define DP_SEQ_ASK	0x1	/* post DPE_SEQ: reserve more */
#define DP_SEQ_WAIT	0x2	/* not allowed: beyond the durable reservation */

/* Read the knobs ($SADBD_SEQ_RESERVE, $SADBD_SEQ_STEP); at dp_start(). */
void	dp_seq_init(void);
/*
 * Make the state of a new engine SA: continue from what the journal kept
 * (the engine's counter moves to the reservation, its window's top to
 * the journaled one) and append the first reservation.  `single': the
 * SA has one sender at a time (as esp_sa_opts.single_writer).  Returns
 * 0, 1 if the SA cannot send any more (its numbers are used up: kill
 * it), -1 if out of memory (*out NULL).
 */
int	dp_seq_attach(struct esp_sa *, const struct sad_entry *, bool single,
	    struct dp_seq **out);
/* Forget it (the engine SA is being freed). */
void	dp_seq_detach(struct dp_seq *);
/* Before each esp_output() on the SA: DP_SEQ_OK or DP_SEQ_ASK|WAIT bits. */
int	dp_seq_take(struct dp_seq *);
void	dp_seq_reserve(struct dp_seq *);
/* After a commit; true if some reservation became usable. */
bool	dp_seq_publish(void);
/*
 * Every SA: read the windows' tops (call with the SAs quiet, or their
 * engine locks in use) and, with `journal', reserve where needed and
 * journal the tops that moved.
 */
void	dp_seq_sweep(bool journal);
void	dp_seq_refresh(struct dp_seq *);
/* The value dp_sa_show() shows. */
uint32_t dp_seq_shown(const struct dp_seq *);
/* At stop (workers gone): journal every window's exact top. */
void	dp_seq_final(void);
void	dp_seq_log(void);

/* -------------------------------------------------------- dp_relay.c */

/*
 * The IKE relay (-K): IKE datagrams (non-ESP marker) that arrive on the
 * data plane's UDP port go to the one IKE daemon connected to the relay
 * socket, and what it sends back leaves from that port; records in the
 * format of sadb/ike_relay.h.  See sadbd(8), IKE and port 4500.
 *
 * relay_start: listen on `path' (mode 0600) and start the relay thread;
 * udp4/udp6 (-1: none) are the sockets it sends from.  Called by
 * dp_start() before the workers start; fatal errors exit.
 * relay_stop: after the workers stopped: end the thread, close the
 * client, remove the socket.
 * relay_deliver: from a worker, one datagram with the marker (payload p
 * of len bytes, marker included) from src:sport to the local dst; false
 * without -K (the caller drops and counts it), true when the relay took
 * it (sent, or dropped and counted by the relay).  Never blocks.
 * relay_log_stats: the relay's counters, one line (SIGUSR1).
 */
void	relay_start(const char *path, uint16_t port, int udp4, int udp6);
void	relay_stop(void);
bool	relay_deliver(const struct sad_addr *src, uint16_t sport,
	    const struct sad_addr *dst, const uint8_t *p, size_t len);
void	relay_log_stats(void);

/* ---------------------------------------------------------- dp_pkt.c */

/* The virtio header before each packet on a TUN device with offloads. */
struct dp_vnet {
	uint8_t		flags;
	uint8_t		gso_type;
	uint16_t	hdr_len;
	uint16_t	gso_size;
	uint16_t	csum_start;
	uint16_t	csum_offset;
};
#define DP_VNET_HDRLEN		10
#define DP_VNET_F_NEEDS_CSUM	1
#define DP_VNET_F_DATA_VALID	2
#define DP_VNET_GSO_NONE	0
#define DP_VNET_GSO_TCPV4	1
#define DP_VNET_GSO_UDP		3
#define DP_VNET_GSO_TCPV6	4
#define DP_VNET_GSO_ECN		0x80

/* A TCP super-packet being cut into segments (dp_tso_init()). */
struct dp_tso {
	size_t		iphl;
	size_t		thl;
	size_t		hl;
	size_t		mss;
	size_t		pay;
	size_t		n;
	uint32_t	seq;
	uint16_t	id;
	uint8_t		flags;
	bool		v4;
	uint8_t		tmpl[128];	/* the headers */
};

/* What GRO needs to know of a TCP segment. */
struct dp_gro_key {
	bool		v6;
	bool		psh;
	size_t		hl;		/* IP + TCP header bytes */
	size_t		thl;		/* TCP header bytes */
	size_t		pay;		/* payload bytes */
	uint32_t	seq;
};

uint64_t dp_csum_add(uint64_t sum, const void *, size_t);
uint16_t dp_csum_fold(uint64_t sum);
int	dp_csum_finish(uint8_t *pkt, size_t len, size_t start, size_t off);
/*
 * The SPD flow of an IPv4/IPv6 packet (addresses, upper protocol after
 * IPv6 extension headers, ports or ICMP type/code; no ports for a later
 * fragment).  *l4off: where the upper layer starts.  -1 if malformed.
 */
int	dp_flow_parse(const uint8_t *, size_t, struct spd_flow *,
	    size_t *l4off);
/*
 * Cut a TCP super-packet (IPv4 without fragments or IPv6 without
 * extension headers, as the TUN device's TSO hands them over) into
 * segments of at most mss payload bytes, in place: dp_tso_init() checks
 * it and returns the number of segments (-1: not one); dp_tso_seg(),
 * called for i = 0, 1, ... in order, writes segment i's headers (lengths,
 * IPv4 id, sequence number, flags, checksums) before its payload and
 * returns its offset, *slen its length.  Segment i overwrites the end of
 * segment i - 1, which must be done with.
 */
int	dp_tso_init(struct dp_tso *, const uint8_t *, size_t, size_t mss);
size_t	dp_tso_seg(const struct dp_tso *, uint8_t *, size_t i, size_t *slen);
int	dp_gro_key(const uint8_t *, size_t, struct dp_gro_key *);
bool	dp_gro_can_merge(const uint8_t *a, const struct dp_gro_key *ka,
	    uint32_t next, const uint8_t *b, const struct dp_gro_key *kb);
void	dp_gro_finish(uint8_t *, size_t len, const struct dp_gro_key *,
	    bool last_psh, size_t mss, struct dp_vnet *);

/* --------------------------------------------------------- dp_frag.c */

#define DP_IP4_MINMTU		68	/* RFC 791 */
#define DP_IP6_MINMTU		1280	/* RFC 8200 5 */

/*
 * How one engine SA grows a packet (dp_ovh_init() from the SAD entry and
 * the engine's esp_sa_headroom() and esp_sa_tailroom()): ESP adds `head'
 * bytes in front (tunnel: with the outer IP header), pads the payload
 * and 2 trailer bytes to `blk' and adds `icv'; AH adds `head' (IPv6,
 * tunnel) or `ah4' (transport over IPv4).
 */
struct dp_ovh {
	uint16_t	head;
	uint16_t	ah4;
	uint8_t		blk;
	uint8_t		icv;
	uint8_t		oaf;		/* tunnel: the outer family */
	bool		esp;
	bool		tunnel;
	bool		natt;		/* the engine adds the UDP header */
};

void	dp_ovh_init(struct dp_ovh *, const struct sad_entry *,
	    size_t headroom, size_t tailroom);
/*
 * The length on the wire of an inner packet of `len' bytes (family af,
 * `hl' header bytes that transport mode keeps in front) after the SAs
 * c[0] (innermost) .. c[n - 1]; `udp': sent through a UDP socket (a
 * plain IP header of the kernel's, and the UDP header).
 */
size_t	dp_ovh_wire(const struct dp_ovh *const *c, size_t n, size_t len,
	    size_t hl, int af, bool udp);
/* The largest inner length that is at most `mtu' on the wire (0: none). */
size_t	dp_ovh_mtu(const struct dp_ovh *const *c, size_t n, size_t hl,
	    int af, bool udp, size_t mtu);

/*
 * What to do with an inner packet on a path of MTU pmtu (0: unknown):
 * send it (it fits), send it to be fragmented on the outside (IPv4
 * without DF, IPv6 where the tunnel cannot carry 1280 bytes, a datagram
 * reassembled from the host's fragments), or drop it and tell the sender
 * *report (ICMP fragmentation needed / Packet Too Big).  *wire: its
 * length on the wire.
 */
#define DP_MTU_FITS		0
#define DP_MTU_FRAGMENT		1
#define DP_MTU_TOO_BIG		2
int	dp_mtu_decide(const uint8_t *pkt, size_t len,
	    const struct dp_ovh *const *c, size_t n, bool udp, size_t pmtu,
	    bool reassembled, size_t *wire, size_t *report);
/*
 * An ICMP fragmentation needed (IPv4) or ICMPv6 Packet Too Big for the
 * sender of pkt, from `src' (the family of pkt), announcing `mtu', built
 * in out (cap bytes); returns its length, or 0 when no error may be sent
 * (pkt is an ICMP error or a later fragment, its source is not unicast,
 * out is too small).
 */
size_t	dp_icmp_too_big(uint8_t *out, size_t cap, const uint8_t *pkt,
	    size_t len, const struct sad_addr *src, uint32_t mtu);

/*
 * Outer fragmentation where the socket cannot (raw IP with the header
 * included).  dp_frag4() cuts an IPv4 packet without DF (RFC 791: every
 * fragment but the first carries only the copied options; an ID of 0 is
 * replaced by newid); dp_frag6() puts a Fragment header with `id' behind
 * the unfragmentable part (RFC 8200 4.5) and needs 8 bytes of headroom
 * in front of pkt, where the first fragment then starts (*first).  The
 * first fragment is made in place, fragments 1 .. n - 1 are written to
 * bufs[0 .. max) of cap bytes each; lens[0 .. n) get their lengths.
 * Every fragment is at most mtu bytes.  Return n (>= 2), or -1 when the
 * packet fits, is malformed, has DF, or needs more than max + 1.
 */
int	dp_frag4(uint8_t *pkt, size_t len, size_t mtu, uint16_t newid,
	    uint8_t *const *bufs, size_t cap, size_t max, size_t *lens);
int	dp_frag6(uint8_t *pkt, size_t len, size_t mtu, uint32_t id,
	    uint8_t *const *bufs, size_t cap, size_t max, size_t *lens,
	    uint8_t **first);
/* An upper bound of the fragments a packet of `len' bytes may need. */
size_t	dp_frag_room(size_t len);
/*
 * The unfragmentable part of an IPv6 packet (header, hop-by-hop options,
 * routing and the destination options before one): its length, 0 if
 * malformed; *nhoff (may be NULL): its last next header field.
 */
size_t	dp_ip6_unfrag(const uint8_t *, size_t, size_t *nhoff);
/* Whether a packet is an IPv4 fragment or carries a Fragment header. */
bool	dp_is_fragment(const uint8_t *, size_t);

/*
 * Reassembly of the fragments the host made of packets to protect (a
 * table of datagrams under its own lock: fragments may come through
 * several queues).  dp_reasm_add() takes one fragment: HELD, or DONE
 * with the datagram in o (buf[off .. off + len), its largest fragment
 * maxfrag bytes; dp_reasm_release() frees it), or DROP (malformed, a
 * duplicate, an overlap: the datagram's fragments go too, RFC 5722).
 * o->dropped counts fragments of other datagrams dropped meanwhile (30
 * seconds without completion, the table full: the oldest goes).  An
 * IPv6 unfragmentable part may have at most DP_REASM_HDRMAX bytes.
 */
#define DP_REASM_HDRMAX		2048
struct dp_reasm;
struct dp_reasm_out {
	uint8_t		*buf;
	size_t		 off;
	size_t		 len;
	size_t		 maxfrag;
	unsigned	 dropped;
};
#define DP_REASM_HELD		0
#define DP_REASM_DONE		1
#define DP_REASM_DROP		2
struct dp_reasm *dp_reasm_new(void);
void	dp_reasm_free(struct dp_reasm *);
int	dp_reasm_add(struct dp_reasm *, const uint8_t *, size_t,
	    int64_t now_ms, struct dp_reasm_out *o);
void	dp_reasm_release(struct dp_reasm_out *);

/* A token bucket: pps a second, at most burst at once (pps 0: none). */
struct dp_rate {
	pthread_mutex_t	lock;
	unsigned	pps;
	unsigned	burst;
	uint64_t	tokens_ms;
	int64_t		last;
};
void	dp_rate_init(struct dp_rate *, unsigned pps, unsigned burst);
void	dp_rate_destroy(struct dp_rate *);
bool	dp_rate_take(struct dp_rate *, int64_t now_ms);

/*
 * The kernel's MTU of the path to dst (learned from ICMP included), as
 * the datagram socket fd (of dst's family, with the data plane's mark)
 * finds the route; 0 if unknown.  Connects fd.
 */
unsigned dp_pmtu_query(int fd, const struct sad_addr *dst);

/* ---------------------------------------------------------- server.c */

struct server_conf {
	const char		*sockpath;	/* absolute */
	const char		*statedir;	/* absolute; NULL with -J off */
	enum journal_sync	 sync;
	gid_t			 sockgid;	/* group of the socket */
	const struct dp_conf	*dp;		/* NULL: no data plane */
};

/*
 * Open the journal, replay it into the stores and listen on the socket
 * (replacing a stale socket file only if nothing answers on it).  Fatal
 * errors exit.
 */
void	server_init(const struct server_conf *);
/*
 * Serve until sadbd_quit is set.  Signals are blocked outside the wait;
 * `waitmask' is the mask to wait with (ppoll).  Returns 0.
 */
int	server_loop(const sigset_t *waitmask);
/* Commit, close every client and the journal, unlink the socket. */
void	server_shutdown(void);
/*
 * Raise an ACQUIRE for a flow that policy `sp' (NULL: none known) says
 * needs an SA of `satype' and has none: sent to the sockets registered
 * for satype, at most once per second per (policy, flow).  For the ESP
 * engine (and userland ACQUIRE requests).  Returns 0 when sent, 1 when
 * suppressed by the rate limit, or a positive errno value.
 */
int	server_acquire(const struct spd_entry *sp, const struct spd_flow *,
	    uint8_t satype);
/*
 * For the data plane: count `bytes' more of traffic on an SA, which may
 * cross its byte lifetimes (soft: EXPIRE and dying; hard: EXPIRE and the
 * SA deleted, as for time lifetimes).
 */
void	server_sa_account(struct sad_entry *, uint64_t bytes);
/*
 * For the data plane: the engine can use the SA no more (sequence
 * numbers used up, hard limit reached): hard EXPIRE and delete it.
 */
void	server_sa_kill(struct sad_entry *);
/*
 * For dp_seq.c: the journal's sequence records (journal_seq_put/get) and
 * whether it keeps anything; server_commit() commits now (at start-up,
 * before the workers run), 0 when durable.
 */
int	server_seq_put(const struct sad_addr *dst, uint8_t satype,
	    uint32_t spi, const struct jseq_val *);
bool	server_seq_get(const struct sad_addr *dst, uint8_t satype,
	    uint32_t spi, struct jseq_val *);
bool	server_seq_kept(void);
int	server_commit(void);

#endif /* SADBD_H */
