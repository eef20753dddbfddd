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
 * as an X_SPDADD with its id, ...), framed with its length and a CRC, so a
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
 * its state changed (soft expiry: dying); dp_flush: every SA of satype
 * (0: all) is gone.  No-ops without a data plane.
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

#endif /* SADBD_H */
