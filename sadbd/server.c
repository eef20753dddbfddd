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
 * The sadbd server: PF_KEY v2 over an AF_UNIX SOCK_SEQPACKET socket, one
 * message per record, with the semantics of a kernel PF_KEY socket.
 *
 * One thread, one event loop.  A pass of the loop reads every request
 * that is waiting on every readable client, applies each to the stores
 * and appends each change to the journal; then the timers run (lifetimes);
 * then one journal_commit() makes the whole pass durable (group commit);
 * only then is anything the pass produced sent.  Replies and broadcasts
 * are encoded into per-client output queues as they are produced, behind
 * a "sendable" mark that the commit moves forward, so no reply to a change
 * leaves before the change is on disk.
 *
 * Output queues are bounded.  A client whose queue is over its bound is
 * not read from (its own requests wait: back-pressure), and broadcasts to
 * it are dropped and counted, as a kernel drops them with ENOBUFS.  Dumps
 * are produced from a cursor as the client's socket drains, so a dump of
 * a million SAs neither buffers them all nor holds anybody else up.
 */

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sadbd.h"

/* Receiving: recvmmsg into page-aligned slots that hold any record. */
#define SRV_RECV_SLOTS		64
#define SRV_SLOT_SIZE		(PFKEY_MSG_MAXLEN + 4104)  /* 129 pages */
/* Requests read from one client in one pass (fairness) and in total. */
#define SRV_CLIENT_PASS_MAX	4096
#define SRV_PASS_MAX		16384
/* Messages handed to one sendmmsg(2). */
#define SRV_SEND_BATCH		256

/* Per-client output bound (bytes and messages), and what is kept. */
#define OUTQ_MAX_BYTES		(8u << 20)
#define OUTQ_MAX_MSGS		100000
#define OUTQ_KEEP		(256u << 10)
#define OUTQ_MIN		(16u << 10)
/* A record in an output queue: length, flags, message padded to 8. */
#define OREC_HDR		8

/* Dumps: refill a client's queue up to this much per pass. */
#define DUMP_HIWAT		(1u << 20)
#define DUMP_BATCH		8192

/* Socket buffers asked for on accepted sockets. */
#define SRV_SOCKBUF		(8 << 20)

/* RFC 2367 / Linux defaults. */
#define LARVAL_LIFETIME		30	/* s, as Linux XFRM_ACQ_EXPIRES */
#define SPI_MIN_DEFAULT		0x100u
#define SPI_MAX_DEFAULT		0x0fffffffu
#define CPI_MAX			0xffffu
#define PROP_REPLAY		32
#define COMB_HARD_ADDTIME	(24 * 60 * 60)	/* Linux dump_esp_combs() */
#define COMB_SOFT_ADDTIME	(20 * 60 * 60)
#define COMB_HARD_USETIME	(8 * 60 * 60)
#define COMB_SOFT_USETIME	(7 * 60 * 60)

/* ACQUIRE rate limit per (policy, flow, satype). */
#define ACQ_INTERVAL_MS		1000
#define ACQ_FORGET_MS		(30 * 1000)
#define ACQ_BUCKETS		1024
#define ACQ_MAX			65536

/* A failed commit is retried this often; replies wait for it. */
#define COMMIT_RETRY_MS		1000

/* Log lines about dropped input, at most this many per second. */
#define DROPLOG_PER_SEC		10

/* Targets of deliver(). */
#define DL_ONE			0	/* only `one' */
#define DL_ALL			1	/* every socket */
#define DL_REGISTERED		2	/* sockets registered for satype */
#define DL_PROMISC		3	/* promiscuous sockets only */
#define DL_TARGET		0x0f
#define DL_PRIVONLY		0x10	/* never to unprivileged sockets */

struct outq {
	uint8_t		*buf;		/* 8-byte aligned records */
	size_t		 cap;
	size_t		 head;		/* next record to send */
	size_t		 mark;		/* records before it may be sent */
	size_t		 tail;		/* end of the records */
	size_t		 nmsg;		/* records in [head, tail) */
};

enum dump_kind { DUMP_NONE, DUMP_SA, DUMP_SP };

struct dump {
	enum dump_kind	 kind;
	uint8_t		 type;		/* DUMP or X_SPDDUMP */
	uint8_t		 satype;	/* filter (SA dumps) */
	uint32_t	 pid;		/* of the request */
	size_t		 left;		/* countdown: entries not yet sent */
	size_t		 sent;
	struct sad_iter	 sit;
	struct spd_iter	 pit;
	/*
	 * The last entry is held back until the cursor shows whether
	 * another follows: only then is its sequence number (0 for the
	 * last) known, whatever was added or deleted meanwhile.
	 */
	uint64_t	*held;
	size_t		 heldlen;
	size_t		 heldcap;
};

struct client {
	TAILQ_ENTRY(client)	 entry;
	int			 fd;
	int			 pollidx;	/* in the pollfd array, or -1 */
	uint64_t		 id;
	uid_t			 uid;
	gid_t			 gid;
	pid_t			 pid;		/* 0 where unknown */
	bool			 priv;
	bool			 promisc;
	bool			 gone;		/* peer stopped reading */
	bool			 rdeof;		/* peer stopped sending */
	bool			 dead;		/* close after the pass */
	uint32_t		 registered;	/* bit per SA type */
	struct outq		 q;
	struct dump		 dump;
	uint64_t		 requests;
	uint64_t		 dropped;	/* broadcasts over the bound */
};

TAILQ_HEAD(clientlist, client);

struct acq {
	TAILQ_ENTRY(acq)	 age;
	struct acq		*next;		/* hash chain */
	uint32_t		 hash;
	uint32_t		 policy;
	struct spd_flow		 flow;
	uint8_t			 satype;
	uint32_t		 seq;
	int64_t			 sent_ms;
};

TAILQ_HEAD(acqlist, acq);

static struct {
	enum pfkey_dialect	 dialect;
	bool			 linux_dialect;
	int			 lfd;
	bool			 accept_paused;
	int64_t			 accept_resume_ms;
	char			 path[sizeof(((struct sockaddr_un *)0)->
				     sun_path)];
	bool			 unlink_path;
	uid_t			 euid;
	gid_t			 sockgid;
	struct sad		*sad;
	struct spd		*spd;
	struct journal		*j;
	struct clientlist	 clients;
	size_t			 nclients;
	uint64_t		 nextid;

	/* Receive slots. */
	uint8_t			*slots;
	struct mmsghdr		 rmsg[SRV_RECV_SLOTS];
	struct iovec		 riov[SRV_RECV_SLOTS];
	/* Send batch. */
	struct mmsghdr		 smsg[SRV_SEND_BATCH];
	struct iovec		 siov[SRV_SEND_BATCH];
	/* The message being built (replies are encoded here). */
	struct pfkey_buf	 ob;

	struct pollfd		*pfd;
	size_t			 pfdcap;

	/* Commit state. */
	bool			 commit_failing;
	int64_t			 commit_retry_ms;
	uint64_t		 commit_failures;

	/* Expiry: the last wall-clock second the timers ran for. */
	uint64_t		 timers_ran;

	/* ACQUIRE. */
	struct acq		*acq_hash[ACQ_BUCKETS];
	struct acqlist		 acq_age;
	size_t			 nacq;
	uint32_t		 acq_seq;

	/* Counters (logged on SIGHUP and at exit). */
	uint64_t		 st_requests;
	uint64_t		 st_errors;
	uint64_t		 st_dropped_in;
	uint64_t		 st_dropped_out;
	uint64_t		 st_commits;
	int64_t			 droplog_sec;
	unsigned		 droplog_n;
	unsigned		 droplog_suppressed;
} srv;

/* 8-byte aligned scratch for one message (replies, broadcasts). */
static uint64_t scratch[PFKEY_MSG_MAXLEN / sizeof(uint64_t)];

static void	 handle_request(struct client *, uint8_t *, size_t);

/* A message type's name for the log (never NULL). */
static const char *
mtname(uint8_t type)
{
	const char *s = pfkey_msgtype_name(type);

	return (s != NULL ? s : "message");
}
static void	 reply_errno(struct client *, const struct sadb_msg *, int);

/* ---------------------------------------------------------------- time */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* PF_KEY lifetimes count wall-clock seconds (sadb_lifetime_addtime). */
static uint64_t
wall_s(void)
{
	struct timespec ts;

	/*
	 * Not time(3): on Linux it reads the coarse clock, which lags the
	 * real one by up to a tick, so a wakeup at the start of a second
	 * (poll_timeout()) would still read the second before and sleep
	 * through a whole one.
	 */
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 || ts.tv_sec < 0)
		return (0);
	return ((uint64_t)ts.tv_sec);
}

/*
 * Input we drop is worth a line in the log, but a client flooding us
 * with garbage must not flood the log as well.
 */
static void __attribute__((__format__(printf, 1, 2)))
drop_log(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int64_t sec = mono_ms() / 1000;

	if (sec != srv.droplog_sec) {
		if (srv.droplog_suppressed > 0)
			log_warnx("%s: %u more dropped messages not logged",
			    __func__, srv.droplog_suppressed);
		srv.droplog_sec = sec;
		srv.droplog_n = 0;
		srv.droplog_suppressed = 0;
	}
	if (srv.droplog_n++ >= DROPLOG_PER_SEC) {
		srv.droplog_suppressed++;
		return;
	}
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
}

/* ------------------------------------------------------- output queues */

static void
outq_free(struct outq *q)
{
	if (q->buf != NULL) {
		/* Replies carried keys. */
		explicit_bzero(q->buf, q->cap);
		free(q->buf);
	}
	memset(q, 0, sizeof(*q));
}

static size_t
outq_bytes(const struct outq *q)
{
	return (q->tail - q->head);
}

/* Room for a message of `len' bytes at the tail; NULL if out of memory. */
static uint8_t *
outq_reserve(struct outq *q, size_t len)
{
	size_t need = OREC_HDR + PFKEY_ALIGN8(len), used, ncap;
	uint8_t *nb, *rec;
	uint32_t l32 = (uint32_t)len, zero = 0;

	used = q->tail - q->head;
	if (q->cap - q->tail < need && q->head > 0 && q->cap - used >= need) {
		/* Slide the unsent records to the front. */
		memmove(q->buf, q->buf + q->head, used);
		q->mark -= q->head;
		q->tail -= q->head;
		q->head = 0;
	}
	if (q->cap - q->tail < need) {
		ncap = q->cap > 0 ? q->cap * 2 : OUTQ_MIN;
		while (ncap - used < need)
			ncap *= 2;
		if ((nb = malloc(ncap)) == NULL)
			return (NULL);
		if (used > 0)
			memcpy(nb, q->buf + q->head, used);
		if (q->buf != NULL) {
			explicit_bzero(q->buf, q->cap);
			free(q->buf);
		}
		q->buf = nb;
		q->cap = ncap;
		q->mark -= q->head;
		q->tail -= q->head;
		q->head = 0;
	}
	rec = q->buf + q->tail;
	memcpy(rec, &l32, sizeof(l32));
	memcpy(rec + 4, &zero, sizeof(zero));
	q->tail += need;
	q->nmsg++;
	return (rec + OREC_HDR);
}

/* After sending: reset an empty queue, and give back a large buffer. */
static void
outq_compact(struct outq *q)
{
	if (q->head != q->tail)
		return;
	q->head = q->mark = q->tail = 0;
	q->nmsg = 0;
	if (q->cap > OUTQ_KEEP) {
		explicit_bzero(q->buf, q->cap);
		free(q->buf);
		q->buf = NULL;
		q->cap = 0;
	}
}

static bool
client_over(const struct client *c)
{
	return (outq_bytes(&c->q) > OUTQ_MAX_BYTES ||
	    c->q.nmsg > OUTQ_MAX_MSGS);
}

/*
 * Queue a message for a client.  Replies to a client's own requests are
 * always queued (the bound holds them back by not reading more); other
 * messages are dropped when the client is over its bound.
 */
static void
enqueue(struct client *c, const void *msg, size_t len, bool droppable)
{
	uint8_t *p;

	if (c->dead || c->gone)
		return;
	if (droppable && client_over(c)) {
		c->dropped++;
		srv.st_dropped_out++;
		log_debug("%s: client %llu over its queue bound, message "
		    "dropped (%llu so far)", __func__,
		    (unsigned long long)c->id, (unsigned long long)c->dropped);
		return;
	}
	if ((p = outq_reserve(&c->q, len)) == NULL) {
		c->dropped++;
		srv.st_dropped_out++;
		log_warn("%s: client %llu", __func__,
		    (unsigned long long)c->id);
		return;
	}
	memcpy(p, msg, len);
}

/*
 * A copy for a promiscuous socket.  Linux af_key hands it the message as
 * it is; FreeBSD's keysock.c prepends an X_PROMISC base header.
 */
static void
promisc_copy(struct client *c, const void *msg, size_t len)
{
	uint8_t *p;
	uint16_t units;

	if (c->dead || c->gone)
		return;
	if (srv.linux_dialect) {
		enqueue(c, msg, len, true);
		return;
	}
	if (len + PFKEY_HDRLEN > PFKEY_MSG_MAXLEN || client_over(c)) {
		c->dropped++;
		srv.st_dropped_out++;
		return;
	}
	if ((p = outq_reserve(&c->q, len + PFKEY_HDRLEN)) == NULL) {
		c->dropped++;
		srv.st_dropped_out++;
		return;
	}
	memset(p, 0, PFKEY_HDRLEN);
	p[0] = PFKEY_V2;
	p[1] = PFKEY_MSG_X_PROMISC;
	units = (uint16_t)((len + PFKEY_HDRLEN) / PFKEY_UNIT);
	memcpy(p + 4, &units, sizeof(units));
	memcpy(p + PFKEY_HDRLEN, msg, len);
}

/*
 * Send a message the way af_key's pfkey_broadcast() and keysock.c's
 * key_sendup_mbuf() do: every promiscuous socket gets a copy (so one that
 * is also a target gets it twice), then the targets, then `one' (the
 * requester), whose copy is never dropped.
 */
static void
deliver(const void *msg, size_t len, int how, struct client *one,
    uint8_t satype)
{
	struct client *c;

	TAILQ_FOREACH(c, &srv.clients, entry) {
		if (c->dead)
			continue;
		if (c->promisc)
			promisc_copy(c, msg, len);
		if (c == one)
			continue;
		switch (how & DL_TARGET) {
		case DL_ALL:
			break;
		case DL_REGISTERED:
			if (satype >= 32 ||
			    (c->registered & (1u << satype)) == 0)
				continue;
			break;
		default:
			continue;
		}
		if ((how & DL_PRIVONLY) && !c->priv)
			continue;
		enqueue(c, msg, len, true);
	}
	if (one != NULL)
		enqueue(one, msg, len, false);
}

/* ---------------------------------------------------------- messages */

static struct pfkey_buf *
msg_start(uint8_t type, uint8_t satype, uint32_t seq, uint32_t pid)
{
	(void)pfkey_buf_init(&srv.ob, scratch, sizeof(scratch), srv.dialect,
	    type, satype, seq, pid);
	return (&srv.ob);
}

/* A reply echoes the request's type, SA type, seq and pid. */
static struct pfkey_buf *
msg_reply(const struct sadb_msg *h)
{
	return (msg_start(h->sadb_msg_type, h->sadb_msg_satype,
	    h->sadb_msg_seq, h->sadb_msg_pid));
}

/*
 * Finish the message in the scratch buffer and deliver it; the scratch
 * is wiped afterwards (it may have held keys).  Returns 0 or the errno
 * to answer with when the message could not be built.
 */
static int
msg_send(int how, struct client *one, uint8_t satype)
{
	const void *msg;
	size_t len;
	int rc;

	if ((rc = pfkey_buf_finish(&srv.ob, &msg, &len)) != 0) {
		log_warnx("%s: cannot encode %s: %s", __func__,
		    mtname(((uint8_t *)scratch)[1]), pfkey_strerror(rc));
		explicit_bzero(scratch, srv.ob.len);
		return (rc == PFKEY_ERR_NOSPACE ? ENOBUFS : EINVAL);
	}
	deliver(msg, len, how, one, satype);
	explicit_bzero(scratch, len);
	return (0);
}

/* The errno a kernel answers for a model error. */
static int
err_of(int sadrc)
{
	int e = sad_errno(sadrc);

	return (e > 0 && e < 256 ? e : EINVAL);
}

/* A header-only reply carrying an errno, to the requester only. */
static void
reply_errno(struct client *c, const struct sadb_msg *h, int err)
{
	uint8_t msg[PFKEY_HDRLEN];
	uint16_t units = PFKEY_HDRLEN / PFKEY_UNIT;

	memcpy(msg, h, PFKEY_HDRLEN);
	msg[2] = (uint8_t)err;
	memcpy(msg + 4, &units, sizeof(units));
	msg[6] = msg[7] = 0;		/* sadb_msg_reserved */
	srv.st_errors++;
	deliver(msg, sizeof(msg), DL_ONE, c, 0);
}

/* The header of a request, answered with errno 0, to `how'. */
static void
reply_header(struct client *c, const struct sadb_msg *h, int how)
{
	uint8_t msg[PFKEY_HDRLEN];
	uint16_t units = PFKEY_HDRLEN / PFKEY_UNIT;

	memcpy(msg, h, PFKEY_HDRLEN);
	msg[2] = 0;
	memcpy(msg + 4, &units, sizeof(units));
	msg[6] = msg[7] = 0;
	deliver(msg, sizeof(msg), how, c, 0);
}

/* SA types an SA can have (AH, ESP, IPComp; TCP-MD5 on FreeBSD). */
static bool
satype_is_sa(uint8_t satype)
{
	switch (satype) {
	case PFKEY_SATYPE_AH:
	case PFKEY_SATYPE_ESP:
	case PFKEY_SATYPE_IPCOMP:
		return (true);
	case PFKEY_SATYPE_TCPSIGNATURE:
		return (!srv.linux_dialect);
	default:
		return (false);
	}
}

static bool
has_ext(const struct pfkey_msg *m, int ext)
{
	return (m->ext[ext] != NULL);
}

/* An address extension as a model address. */
static int
get_addr(const struct pfkey_msg *m, int ext, struct sad_addr *a,
    uint8_t *proto)
{
	struct sockaddr_storage ss;
	uint8_t plen, pr;
	int rc;

	if ((rc = pfkey_get_address(m, ext, &ss, &plen, &pr)) != 0)
		return (rc);
	if (plen == 0xff)
		plen = (uint8_t)(ss.ss_family == AF_INET6 ? 128 : 32);
	if (sad_addr_from_sockaddr(a, (struct sockaddr *)&ss, plen) != 0)
		return (PFKEY_ERR_FAMILY);
	if (proto != NULL)
		*proto = pr;
	return (0);
}

/* The SA an SA-addressed request names (dst, satype, spi). */
static struct sad_entry *
find_sa(const struct pfkey_msg *m, const struct sad_entry *e)
{
	struct sad_entry *s;

	s = sad_lookup(srv.sad, &e->dst, m->hdr->sadb_msg_satype, e->spi);
	if (s == NULL)
		return (NULL);
	/*
	 * KAME also wants the source to match (key_cmpsaidx CMP_HEAD);
	 * Linux af_key looks the SA up by destination and SPI only.
	 */
	if (!srv.linux_dialect && (e->has & SAD_HAS_SPI) &&
	    sad_addr_cmp(&s->src, &e->src) != 0)
		return (NULL);
	return (s);
}

/* ------------------------------------------------- algorithm tables */

/* What the engine implements, in order of preference. */
static const int esp_ealgs[] = {
	PFKEY_EALG_AES_GCM_ICV16, PFKEY_EALG_AES_GCM_ICV12,
	PFKEY_EALG_AES_GCM_ICV8, PFKEY_EALG_CHACHA20POLY1305,
	PFKEY_EALG_AESCBC, PFKEY_EALG_AESCTR, PFKEY_EALG_3DESCBC,
	PFKEY_EALG_NULL_AES_GMAC, PFKEY_EALG_NULL
};
static const int aalgs[] = {
	PFKEY_AALG_SHA2_256HMAC, PFKEY_AALG_SHA2_384HMAC,
	PFKEY_AALG_SHA2_512HMAC, PFKEY_AALG_SHA1HMAC,
	PFKEY_AALG_AES_XCBC_MAC, PFKEY_AALG_MD5HMAC, PFKEY_AALG_NULL
};
static const int calgs[] = { PFKEY_CALG_DEFLATE };

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_COMBS	(NELEM(esp_ealgs) * NELEM(aalgs) + NELEM(calgs))

static int
algcmp(const void *a, const void *b)
{
	const struct sadb_alg *x = a, *y = b;

	return ((int)x->sadb_alg_id - (int)y->sadb_alg_id);
}

/* A SUPPORTED_* extension: every algorithm of `list' with a wire number. */
static void
put_supported(struct pfkey_buf *b, int ext, enum pfkey_alg_kind kind,
    const int *list, size_t n)
{
	struct sadb_alg algs[16];
	const struct pfkey_alg_info *ai;
	size_t i, k = 0;
	int wire;

	for (i = 0; i < n && k < NELEM(algs); i++) {
		if ((ai = pfkey_alg_info(kind, list[i])) == NULL ||
		    (wire = pfkey_alg_to_wire(srv.dialect, kind, list[i])) < 0)
			continue;
		memset(&algs[k], 0, sizeof(algs[k]));
		algs[k].sadb_alg_id = (uint8_t)wire;
		algs[k].sadb_alg_ivlen = (uint8_t)ai->ivbytes;
		algs[k].sadb_alg_minbits = ai->minbits;
		algs[k].sadb_alg_maxbits = ai->maxbits;
		k++;
	}
	/* Kernels list them by number. */
	qsort(algs, k, sizeof(algs[0]), algcmp);
	if (k > 0)
		(void)pfkey_put_supported(b, ext, algs, k);
}

static void
comb_fill(struct sadb_comb *c, const struct pfkey_alg_info *a, int awire,
    const struct pfkey_alg_info *e, int ewire)
{
	memset(c, 0, sizeof(*c));
	if (a != NULL) {
		c->sadb_comb_auth = (uint8_t)awire;
		c->sadb_comb_auth_minbits = a->minbits;
		c->sadb_comb_auth_maxbits = a->maxbits;
	}
	if (e != NULL) {
		c->sadb_comb_encrypt = (uint8_t)ewire;
		c->sadb_comb_encrypt_minbits = e->minbits;
		c->sadb_comb_encrypt_maxbits = e->maxbits;
	}
	c->sadb_comb_soft_addtime = COMB_SOFT_ADDTIME;
	c->sadb_comb_hard_addtime = COMB_HARD_ADDTIME;
	c->sadb_comb_soft_usetime = COMB_SOFT_USETIME;
	c->sadb_comb_hard_usetime = COMB_HARD_USETIME;
}

/*
 * An ACQUIRE's PROPOSAL: for ESP every cipher with every integrity
 * algorithm (AEAD ciphers alone), for AH every integrity algorithm, for
 * IPComp deflate.  The null integrity algorithm is never proposed.
 */
static void
put_proposal(struct pfkey_buf *b, uint8_t satype)
{
	struct sadb_comb combs[MAX_COMBS];
	const struct pfkey_alg_info *ai, *ei;
	size_t i, k, n = 0;
	int aw, ew;

	switch (satype) {
	case PFKEY_SATYPE_ESP:
		for (i = 0; i < NELEM(esp_ealgs); i++) {
			ei = pfkey_alg_info(PFKEY_ALG_ENCRYPT, esp_ealgs[i]);
			ew = pfkey_alg_to_wire(srv.dialect, PFKEY_ALG_ENCRYPT,
			    esp_ealgs[i]);
			if (ei == NULL || ew < 0)
				continue;
			if (ei->aead) {
				comb_fill(&combs[n++], NULL, 0, ei, ew);
				continue;
			}
			for (k = 0; k < NELEM(aalgs); k++) {
				if (aalgs[k] == PFKEY_AALG_NULL)
					continue;
				ai = pfkey_alg_info(PFKEY_ALG_AUTH, aalgs[k]);
				aw = pfkey_alg_to_wire(srv.dialect,
				    PFKEY_ALG_AUTH, aalgs[k]);
				if (ai != NULL && aw >= 0)
					comb_fill(&combs[n++], ai, aw, ei, ew);
			}
		}
		break;
	case PFKEY_SATYPE_AH:
		for (k = 0; k < NELEM(aalgs); k++) {
			if (aalgs[k] == PFKEY_AALG_NULL)
				continue;
			ai = pfkey_alg_info(PFKEY_ALG_AUTH, aalgs[k]);
			aw = pfkey_alg_to_wire(srv.dialect, PFKEY_ALG_AUTH,
			    aalgs[k]);
			if (ai != NULL && aw >= 0)
				comb_fill(&combs[n++], ai, aw, NULL, 0);
		}
		break;
	case PFKEY_SATYPE_IPCOMP:
		for (k = 0; k < NELEM(calgs); k++) {
			ei = pfkey_alg_info(PFKEY_ALG_COMP, calgs[k]);
			ew = pfkey_alg_to_wire(srv.dialect, PFKEY_ALG_COMP,
			    calgs[k]);
			if (ei != NULL && ew >= 0)
				comb_fill(&combs[n++], NULL, 0, ei, ew);
		}
		break;
	}
	(void)pfkey_put_proposal(b, PROP_REPLAY, combs, n);
}

/* ---------------------------------------------------------- policies */

/* The X_POLICY of a stored policy, in libpfkey's neutral form. */
static void
policy_args(const struct spd_entry *sp, struct pfkey_policy *pol)
{
	unsigned i;

	memset(pol, 0, sizeof(*pol));
	pol->type = sp->action;
	pol->dir = sp->dir;
	pol->scope = sp->scope;
	pol->id = sp->id;
	pol->priority = sp->priority;
	pol->nreq = sp->nreq > PFKEY_POLICY_MAXREQ ? PFKEY_POLICY_MAXREQ :
	    sp->nreq;
	for (i = 0; i < pol->nreq; i++) {
		pol->req[i].proto = sp->req[i].proto;
		pol->req[i].mode = sp->req[i].mode;
		pol->req[i].level = sp->req[i].level;
		pol->req[i].reqid = sp->req[i].reqid;
		(void)sad_addr_to_sockaddr(&sp->req[i].src,
		    &pol->req[i].src);
		(void)sad_addr_to_sockaddr(&sp->req[i].dst,
		    &pol->req[i].dst);
	}
}

/* ------------------------------------------------------------ ACQUIRE */

static uint32_t
acq_hash(uint32_t policy, const struct spd_flow *f, uint8_t satype)
{
	const uint8_t *p;
	uint32_t h = 2166136261u;
	size_t i;

#define FNV(byte)	do { h ^= (uint8_t)(byte); h *= 16777619u; } while (0)
	for (i = 0; i < 4; i++)
		FNV(policy >> (8 * i));
	p = f->src.a.b;
	for (i = 0; i < 16; i++)
		FNV(p[i]);
	p = f->dst.a.b;
	for (i = 0; i < 16; i++)
		FNV(p[i]);
	FNV(f->proto);
	FNV(f->sport);
	FNV(f->sport >> 8);
	FNV(f->dport);
	FNV(f->dport >> 8);
	FNV(satype);
#undef FNV
	return (h);
}

static bool
acq_same(const struct acq *a, uint32_t policy, const struct spd_flow *f,
    uint8_t satype)
{
	return (a->policy == policy && a->satype == satype &&
	    a->flow.proto == f->proto && a->flow.sport == f->sport &&
	    a->flow.dport == f->dport &&
	    sad_addr_cmp(&a->flow.src, &f->src) == 0 &&
	    sad_addr_cmp(&a->flow.dst, &f->dst) == 0);
}

static void
acq_remove(struct acq *a)
{
	struct acq **pp;

	for (pp = &srv.acq_hash[a->hash % ACQ_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	TAILQ_REMOVE(&srv.acq_age, a, age);
	srv.nacq--;
	free(a);
}

/* Forget pending acquires that are old. */
static void
acq_gc(int64_t now)
{
	struct acq *a;

	while ((a = TAILQ_FIRST(&srv.acq_age)) != NULL &&
	    now - a->sent_ms >= ACQ_FORGET_MS)
		acq_remove(a);
}

/* A key manager reports a failed negotiation: forget that acquire. */
static void
acq_forget_seq(uint32_t seq)
{
	struct acq *a, *next;

	TAILQ_FOREACH_SAFE(a, &srv.acq_age, age, next)
		if (a->seq == seq)
			acq_remove(a);
}

int
server_acquire(const struct spd_entry *sp, const struct spd_flow *f,
    uint8_t satype)
{
	struct sockaddr_storage ss, sd;
	struct pfkey_policy pol;
	struct pfkey_buf *b;
	const struct sad_addr *src = &f->src, *dst = &f->dst;
	struct acq *a;
	uint32_t policy = sp != NULL ? sp->id : 0, h;
	int64_t now = mono_ms();
	unsigned i;
	int proto;

	if (!satype_is_sa(satype))
		return (EINVAL);
	h = acq_hash(policy, f, satype);
	for (a = srv.acq_hash[h % ACQ_BUCKETS]; a != NULL; a = a->next)
		if (a->hash == h && acq_same(a, policy, f, satype))
			break;
	if (a != NULL && now - a->sent_ms < ACQ_INTERVAL_MS)
		return (1);
	if (a == NULL) {
		acq_gc(now);
		if (srv.nacq >= ACQ_MAX)
			return (1);	/* a storm: wait for the old to age */
		if ((a = calloc(1, sizeof(*a))) == NULL)
			return (ENOBUFS);
		a->hash = h;
		a->policy = policy;
		a->flow = *f;
		a->satype = satype;
		a->next = srv.acq_hash[h % ACQ_BUCKETS];
		srv.acq_hash[h % ACQ_BUCKETS] = a;
		srv.nacq++;
	} else
		TAILQ_REMOVE(&srv.acq_age, a, age);
	if (++srv.acq_seq == 0)
		srv.acq_seq = 1;
	a->seq = srv.acq_seq;
	a->sent_ms = now;
	TAILQ_INSERT_TAIL(&srv.acq_age, a, age);

	/* A tunnel's SA runs between the tunnel endpoints. */
	proto = pfkey_satype_to_ipproto(satype);
	if (sp != NULL) {
		for (i = 0; i < sp->nreq; i++) {
			if (sp->req[i].proto != proto)
				continue;
			if (sp->req[i].mode == PFKEY_MODE_TUNNEL &&
			    sp->req[i].src.af != AF_UNSPEC &&
			    sp->req[i].dst.af != AF_UNSPEC) {
				src = &sp->req[i].src;
				dst = &sp->req[i].dst;
			}
			break;
		}
	}
	if (sad_addr_to_sockaddr(src, &ss) == 0 ||
	    sad_addr_to_sockaddr(dst, &sd) == 0)
		return (EINVAL);
	/* The SA's addresses, not the selector's ports. */
	if (ss.ss_family == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = 0;
		((struct sockaddr_in *)&sd)->sin_port = 0;
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = 0;
		((struct sockaddr_in6 *)&sd)->sin6_port = 0;
	}
	b = msg_start(PFKEY_MSG_ACQUIRE, satype, a->seq, 0);
	(void)pfkey_put_address(b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&ss, 0xff, 0);
	(void)pfkey_put_address(b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&sd, 0xff, 0);
	if (sp != NULL) {
		policy_args(sp, &pol);
		(void)pfkey_put_policy(b, &pol);
	}
	put_proposal(b, satype);
	log_debug("%s: %s acquire seq %u for policy %u", __func__,
	    pfkey_satype_name(satype), a->seq, policy);
	return (msg_send(DL_REGISTERED, NULL, satype));
}

/* ------------------------------------------------------------ journal */

/*
 * Record a change; on failure nothing was appended and the caller undoes
 * the change and refuses the request.
 */
static int
jcheck(int rc, const char *what)
{
	if (rc == 0)
		return (0);
	log_warnx("%s: journal %s: %s (%s)", __func__, what,
	    sad_strerror(rc), journal_error());
	return (rc == SAD_ERR_NOMEM ? ENOBUFS : err_of(rc));
}

/* ---------------------------------------------------------- handlers */

/*
 * Each handler gets a validated message.  The decoder skips the check of
 * required extensions when sadb_msg_errno is set, so handlers check what
 * they use themselves.
 */
typedef void (*handler_fn)(struct client *, const struct pfkey_msg *);

static void
h_unsupported(struct client *c, const struct pfkey_msg *m)
{
	/*
	 * Linux af_key has no handler for these and answers EOPNOTSUPP;
	 * FreeBSD's key_parse() answers EINVAL for a type it does not take.
	 */
	reply_errno(c, m->hdr, srv.linux_dialect ? EOPNOTSUPP : EINVAL);
}

/*
 * What a kernel's SA always has: an X_SA2 (mode any, reqid 0 when the
 * request had none) and hard and soft lifetimes (zero: no limit), so GET
 * and DUMP replies carry them as Linux's do and printers find them.
 */
static void
sa_complete(struct sad_entry *e)
{
	e->has |= SAD_HAS_SA2_FIELDS | SAD_HAS_LT_HARD | SAD_HAS_LT_SOFT;
}

static void
h_getspi(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	const struct sadb_spirange *r;
	struct sad_entry e, l, *stored;
	uint32_t min = SPI_MIN_DEFAULT, max = SPI_MAX_DEFAULT, spi;
	int rc, err;

	if (!satype_is_sa(h->sadb_msg_satype) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if (h->sadb_msg_satype == PFKEY_SATYPE_IPCOMP)
		max = CPI_MAX;
	if ((r = PFKEY_EXT(m, PFKEY_EXT_SPIRANGE, sadb_spirange)) != NULL) {
		min = r->sadb_spirange_min;
		max = r->sadb_spirange_max;
		/* Linux verify_spi_info(): CPIs are 16 bits. */
		if (min > max || (h->sadb_msg_satype == PFKEY_SATYPE_IPCOMP &&
		    max > CPI_MAX)) {
			reply_errno(c, h, EINVAL);
			return;
		}
		if (min == 0)
			min = 1;	/* SPI 0 is reserved (RFC 4303) */
		if (max == 0) {
			reply_errno(c, h, EINVAL);
			return;
		}
	}
	if ((rc = sad_from_pfkey(m, &e)) != 0) {
		log_debug("%s: %s", __func__, sad_strerror(rc));
		reply_errno(c, h, err_of(rc));
		return;
	}
	if ((rc = sad_alloc_spi(srv.sad, &e.dst, h->sadb_msg_satype, min,
	    max, &spi)) != 0) {
		sad_entry_clear(&e);
		/* No free SPI: Linux (xfrm_alloc_spi) says ENOENT, KAME EINVAL. */
		reply_errno(c, h, rc == SAD_ERR_RANGE ? (srv.dialect ==
		    PFKEY_DIALECT_LINUX ? ENOENT : EINVAL) : err_of(rc));
		return;
	}
	/*
	 * A larval SA reserves the SPI until an UPDATE fills it in; if none
	 * comes it expires (LARVAL_LIFETIME, as Linux' acquire states do).
	 */
	sad_entry_init(&l);
	l.satype = h->sadb_msg_satype;
	l.spi = spi;
	l.state = PFKEY_SASTATE_LARVAL;
	l.has = SAD_HAS_SA_FIELDS;
	l.src = e.src;
	l.dst = e.dst;
	if (e.has & SAD_HAS_MODE) {
		l.mode = e.mode;
		l.reqid = e.reqid;
		l.has |= SAD_HAS_SA2_FIELDS;
	}
	l.hard.addtime = LARVAL_LIFETIME;
	l.cur.addtime = wall_s();
	l.has |= SAD_HAS_LT_HARD | SAD_HAS_LT_CUR;
	sa_complete(&l);
	l.pid = h->sadb_msg_pid;
	sad_entry_clear(&e);
	if ((rc = sad_insert_move(srv.sad, &l, &stored)) != 0) {
		sad_entry_clear(&l);
		reply_errno(c, h, err_of(rc));
		return;
	}
	if ((err = jcheck(journal_sa_put(srv.j, stored), "put")) != 0) {
		sad_delete(srv.sad, stored);
		reply_errno(c, h, err);
		return;
	}
	(void)msg_reply(h);
	if ((rc = sad_to_pfkey(stored, &srv.ob, SAD_PK_NO_LIFETIMES)) != 0) {
		reply_errno(c, h, err_of(rc));
		return;
	}
	(void)msg_send(DL_ONE, c, 0);
}

/* The keys of two entries are the same (both absent counts). */
static bool
key_same(const struct sad_key *a, const struct sad_key *b)
{
	if (a->len != b->len || a->bits != b->bits)
		return (false);
	return (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

/* Answer ALL with an SA (no keys), as the reply to ADD and UPDATE. */
static void
reply_sa_all(struct client *c, const struct sadb_msg *h,
    const struct sad_entry *e)
{
	int rc;

	(void)msg_reply(h);
	if ((rc = sad_to_pfkey(e, &srv.ob, 0)) != 0) {
		log_warnx("%s: %s", __func__, sad_strerror(rc));
		reply_errno(c, h, err_of(rc));
		return;
	}
	(void)msg_send(DL_ALL, c, 0);
}

static void
h_update(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct sad_entry e, *old, *stored;
	struct sad_lifetime ohard, osoft;
	uint32_t ohas;
	const char *why = NULL;
	int rc, err;

	if (!satype_is_sa(h->sadb_msg_satype) || !has_ext(m, PFKEY_EXT_SA) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((rc = sad_from_pfkey(m, &e)) != 0) {
		log_debug("%s: %s", __func__, sad_strerror(rc));
		reply_errno(c, h, err_of(rc));
		return;
	}
	if ((old = find_sa(m, &e)) == NULL) {
		sad_entry_clear(&e);
		reply_errno(c, h, ESRCH);
		return;
	}
	if (old->state != PFKEY_SASTATE_LARVAL) {
		/*
		 * A mature SA keeps its keys and algorithms; only its
		 * lifetimes change (FreeBSD key_updatelifetimes()).
		 */
		if (e.aalg != old->aalg || e.ealg != old->ealg ||
		    ((e.has & SAD_HAS_AKEY) &&
		    !key_same(&e.akey, &old->akey)) ||
		    ((e.has & SAD_HAS_EKEY) &&
		    !key_same(&e.ekey, &old->ekey))) {
			log_debug("%s: keys or algorithms of a mature SA "
			    "cannot change", __func__);
			sad_entry_clear(&e);
			reply_errno(c, h, EINVAL);
			return;
		}
		ohard = old->hard;
		osoft = old->soft;
		ohas = old->has;
		if (e.has & SAD_HAS_LT_HARD) {
			old->hard = e.hard;
			old->has |= SAD_HAS_LT_HARD;
		}
		if (e.has & SAD_HAS_LT_SOFT) {
			old->soft = e.soft;
			old->has |= SAD_HAS_LT_SOFT;
		}
		sad_entry_clear(&e);
		if ((err = jcheck(journal_sa_put(srv.j, old), "put")) != 0) {
			old->hard = ohard;
			old->soft = osoft;
			old->has = ohas;
			reply_errno(c, h, err);
			return;
		}
		sad_rearm(srv.sad, old);
		/* The data plane's engine counts against the new limits. */
		dp_sa_changed(old);
		reply_sa_all(c, h, old);
		return;
	}

	/* Larval: the UPDATE fills it in (RFC 2367 3.1.2). */
	if (!(e.has & SAD_HAS_MODE) && (old->has & SAD_HAS_MODE)) {
		e.mode = old->mode;
		e.reqid = old->reqid;
		e.seq = old->seq;
		e.has |= SAD_HAS_SA2_FIELDS;
	}
	e.state = PFKEY_SASTATE_MATURE;
	e.has |= SAD_HAS_STATE;
	e.cur.addtime = wall_s();
	e.has |= SAD_HAS_LT_CUR;
	e.pid = h->sadb_msg_pid;
	sa_complete(&e);
	if (sad_entry_check(&e, &why) != 0) {
		log_debug("%s: %s", __func__, why != NULL ? why : "invalid");
		sad_entry_clear(&e);
		reply_errno(c, h, EINVAL);
		return;
	}
	/*
	 * Delete and insert rather than overwrite in place: the source and
	 * reqid may differ, and the store indexes them.
	 */
	if ((err = jcheck(journal_sa_put(srv.j, &e), "put")) != 0) {
		sad_entry_clear(&e);
		reply_errno(c, h, err);
		return;
	}
	dp_sa_removed(old);
	sad_delete(srv.sad, old);
	if ((rc = sad_insert_move(srv.sad, &e, &stored)) != 0) {
		/* Cannot happen: the key was just freed.  Keep it honest. */
		log_warnx("%s: %s", __func__, sad_strerror(rc));
		sad_entry_clear(&e);
		reply_errno(c, h, err_of(rc));
		return;
	}
	dp_sa_added(stored);
	reply_sa_all(c, h, stored);
}

static void
h_add(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct sad_entry e, *stored;
	const char *why = NULL;
	int rc, err;

	if (!satype_is_sa(h->sadb_msg_satype) || !has_ext(m, PFKEY_EXT_SA) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((rc = sad_from_pfkey(m, &e)) != 0) {
		log_debug("%s: %s", __func__, sad_strerror(rc));
		reply_errno(c, h, err_of(rc));
		return;
	}
	if (e.spi == 0) {
		log_debug("%s: SPI 0 is reserved", __func__);
		sad_entry_clear(&e);
		reply_errno(c, h, EINVAL);
		return;
	}
	/* Whatever state the message names, an added SA is mature. */
	e.state = PFKEY_SASTATE_MATURE;
	e.has |= SAD_HAS_STATE;
	e.cur.addtime = wall_s();
	e.has |= SAD_HAS_LT_CUR;
	e.pid = h->sadb_msg_pid;
	sa_complete(&e);
	if (sad_entry_check(&e, &why) != 0) {
		log_debug("%s: %s", __func__, why != NULL ? why : "invalid");
		sad_entry_clear(&e);
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((rc = sad_insert_move(srv.sad, &e, &stored)) != 0) {
		sad_entry_clear(&e);
		reply_errno(c, h, err_of(rc));
		return;
	}
	if ((err = jcheck(journal_sa_put(srv.j, stored), "put")) != 0) {
		sad_delete(srv.sad, stored);
		reply_errno(c, h, err);
		return;
	}
	dp_sa_added(stored);
	reply_sa_all(c, h, stored);
}

/* KAME deleteall: every SA of (src, dst, satype). */
static void
delete_all(struct client *c, const struct pfkey_msg *m,
    const struct sad_entry *e)
{
	const struct sadb_msg *h = m->hdr;
	struct sockaddr_storage ss;
	struct sad_iter it;
	struct sad_entry *s;
	struct pfkey_buf *b;
	uint8_t plen, proto;
	size_t n = 0;
	int err, x;

	sad_iter_init(&it, h->sadb_msg_satype);
	while ((s = sad_next(srv.sad, &it)) != NULL) {
		if (sad_addr_cmp(&s->src, &e->src) != 0 ||
		    sad_addr_cmp(&s->dst, &e->dst) != 0)
			continue;
		if ((err = jcheck(journal_sa_del(srv.j, s), "del")) != 0) {
			reply_errno(c, h, err);
			return;
		}
		dp_sa_removed(s);
		sad_delete(srv.sad, s);
		n++;
	}
	log_debug("%s: %zu SAs deleted", __func__, n);
	/* FreeBSD key_delete_all() answers ALL with the addresses. */
	b = msg_reply(h);
	for (x = PFKEY_EXT_ADDRESS_SRC; x <= PFKEY_EXT_ADDRESS_DST; x++) {
		if (pfkey_get_address(m, x, &ss, &plen, &proto) == 0)
			(void)pfkey_put_address(b, x, (struct sockaddr *)&ss,
			    plen, proto);
	}
	(void)msg_send(DL_ALL, c, 0);
}

static void
h_delete(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct sad_entry e, *s;
	int rc, err;

	if (!satype_is_sa(h->sadb_msg_satype) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((rc = sad_from_pfkey(m, &e)) != 0) {
		log_debug("%s: %s", __func__, sad_strerror(rc));
		reply_errno(c, h, err_of(rc));
		return;
	}
	if (!has_ext(m, PFKEY_EXT_SA)) {
		delete_all(c, m, &e);
		sad_entry_clear(&e);
		return;
	}
	s = find_sa(m, &e);
	sad_entry_clear(&e);
	if (s == NULL) {
		reply_errno(c, h, ESRCH);
		return;
	}
	if ((err = jcheck(journal_sa_del(srv.j, s), "del")) != 0) {
		reply_errno(c, h, err);
		return;
	}
	(void)msg_reply(h);
	rc = sad_to_pfkey(s, &srv.ob, SAD_PK_NO_LIFETIMES);
	dp_sa_removed(s);
	sad_delete(srv.sad, s);
	if (rc != 0)	/* the SA is gone all the same: say so */
		reply_header(c, h, DL_ALL);
	else
		(void)msg_send(DL_ALL, c, 0);
}

static void
h_get(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct sad_entry e, *s;
	int rc;

	if (!satype_is_sa(h->sadb_msg_satype) || !has_ext(m, PFKEY_EXT_SA) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((rc = sad_from_pfkey(m, &e)) != 0) {
		reply_errno(c, h, err_of(rc));
		return;
	}
	/* The traffic counted so far (this may expire the SA). */
	dp_sync_sa(&e.dst, h->sadb_msg_satype, e.spi);
	s = find_sa(m, &e);
	sad_entry_clear(&e);
	if (s == NULL) {
		reply_errno(c, h, ESRCH);
		return;
	}
	/* And its sequence number as of now. */
	dp_show_prepare(s);
	dp_sa_show(s);
	(void)msg_reply(h);
	/* Keys only for the privileged. */
	if ((rc = sad_to_pfkey(s, &srv.ob, SAD_PK_CURRENT |
	    (c->priv ? SAD_PK_KEYS : 0))) != 0) {
		explicit_bzero(scratch, srv.ob.len);
		reply_errno(c, h, err_of(rc));
		return;
	}
	(void)msg_send(DL_ONE, c, 0);
}

static void
h_acquire(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct pfkey_policy pol;
	struct spd_entry *sp = NULL;
	struct spd_flow f;
	struct sad_addr as, ad;
	uint8_t proto;
	int rc;

	if (m->len == PFKEY_HDRLEN) {
		/*
		 * A key manager reports that it could not negotiate the SA
		 * acquired with this seq (RFC 2367 3.1.6).  No reply, as in
		 * both kernels.
		 */
		if (h->sadb_msg_seq != 0 && h->sadb_msg_errno != 0)
			acq_forget_seq(h->sadb_msg_seq);
		return;
	}
	/*
	 * A userland request to raise an ACQUIRE (KAME key_acquire2(); Linux
	 * af_key refuses it with EOPNOTSUPP).  No reply when it goes out.
	 */
	if (!satype_is_sa(h->sadb_msg_satype) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	memset(&f, 0, sizeof(f));
	if (get_addr(m, PFKEY_EXT_ADDRESS_SRC, &f.src, &proto) != 0 ||
	    get_addr(m, PFKEY_EXT_ADDRESS_DST, &f.dst, NULL) != 0) {
		reply_errno(c, h, EINVAL);
		return;
	}
	f.proto = proto == SPD_PROTO_ANY ? 0 : proto;
	f.sport = f.src.port;
	f.dport = f.dst.port;
	if (pfkey_get_policy(m, &pol) == 0 && pol.id != 0)
		sp = spd_lookup_id(srv.spd, pol.id);
	else
		sp = spd_match(srv.spd, PFKEY_DIR_OUTBOUND, &f);
	/* KAME: nothing to acquire when an SA exists already. */
	as = f.src;
	ad = f.dst;
	as.port = ad.port = 0;
	if (sad_lookup_out(srv.sad, &as, &ad, h->sadb_msg_satype, 0) != NULL) {
		reply_errno(c, h, EEXIST);
		return;
	}
	rc = server_acquire(sp, &f, h->sadb_msg_satype);
	if (rc > 1)
		reply_errno(c, h, rc);
}

static void
h_register(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	uint8_t satype = h->sadb_msg_satype;
	struct pfkey_buf *b;
	bool reg = satype != PFKEY_SATYPE_UNSPEC;

	/*
	 * SA type 0 only asks for the list (both kernels allow it); a
	 * second registration for a type is EEXIST (both kernels).
	 */
	if (satype >= 32) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if (reg && (c->registered & (1u << satype))) {
		reply_errno(c, h, EEXIST);
		return;
	}
	b = msg_reply(h);
	switch (satype) {
	case PFKEY_SATYPE_AH:
		put_supported(b, PFKEY_EXT_SUPPORTED_AUTH, PFKEY_ALG_AUTH,
		    aalgs, NELEM(aalgs));
		break;
	case PFKEY_SATYPE_IPCOMP:
		put_supported(b, PFKEY_EXT_SUPPORTED_ENCRYPT, PFKEY_ALG_COMP,
		    calgs, NELEM(calgs));
		break;
	default:
		put_supported(b, PFKEY_EXT_SUPPORTED_AUTH, PFKEY_ALG_AUTH,
		    aalgs, NELEM(aalgs));
		put_supported(b, PFKEY_EXT_SUPPORTED_ENCRYPT,
		    PFKEY_ALG_ENCRYPT, esp_ealgs, NELEM(esp_ealgs));
		break;
	}
	if (reg)
		c->registered |= 1u << satype;
	log_debug("%s: client %llu registered for %s", __func__,
	    (unsigned long long)c->id, reg ? pfkey_satype_name(satype) :
	    "nothing (query)");
	(void)msg_send(DL_REGISTERED, c, satype);
}

static void
h_flush(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	uint8_t satype = h->sadb_msg_satype;
	size_t n;
	int err;

	if (satype != PFKEY_SATYPE_UNSPEC && !satype_is_sa(satype)) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((err = jcheck(journal_sa_flush(srv.j, satype), "flush")) != 0) {
		reply_errno(c, h, err);
		return;
	}
	dp_flush(satype);
	n = sad_flush(srv.sad, satype);
	log_debug("%s: %zu SAs flushed", __func__, n);
	if (srv.linux_dialect) {
		/*
		 * af_key pfkey_flush(): a reply to the requester, then (if
		 * anything went) the flush event to ALL, requester included.
		 */
		reply_header(c, h, DL_ONE);
		if (n > 0)
			reply_header(NULL, h, DL_ALL);
	} else
		reply_header(c, h, DL_ALL);
}

static void
dump_free(struct dump *d)
{
	if (d->held != NULL) {
		explicit_bzero(d->held, d->heldcap);
		free(d->held);
	}
	memset(d, 0, sizeof(*d));
	d->kind = DUMP_NONE;
}

/* Send the held entry with its final sequence number. */
static void
dump_release(struct client *c, uint32_t seq)
{
	struct dump *d = &c->dump;

	memcpy((uint8_t *)d->held + 8, &seq, sizeof(seq));
	deliver(d->held, d->heldlen, DL_ONE, c, 0);
	explicit_bzero(d->held, d->heldlen);
	d->heldlen = 0;
	d->sent++;
}

/* Encode an entry into the held slot. */
static int
dump_hold(struct client *c, const void *entry)
{
	struct dump *d = &c->dump;
	const struct sad_entry *e = entry;
	const void *msg;
	size_t len;
	uint64_t *nh;
	int rc;

	if (d->kind == DUMP_SA) {
		(void)msg_start(d->type, e->satype, 0, d->pid);
		rc = sad_to_pfkey(e, &srv.ob, SAD_PK_CURRENT |
		    (c->priv ? SAD_PK_KEYS : 0));
	} else {
		(void)msg_start(d->type, 0, 0, d->pid);
		rc = spd_to_pfkey(entry, &srv.ob, SAD_PK_CURRENT);
	}
	if (rc == 0)
		rc = pfkey_buf_finish(&srv.ob, &msg, &len) == 0 ? 0 :
		    SAD_ERR_PFKEY;
	if (rc != 0) {
		explicit_bzero(scratch, srv.ob.len);
		return (rc);
	}
	if (len > d->heldcap) {
		if ((nh = malloc(PFKEY_ALIGN8(len))) == NULL) {
			explicit_bzero(scratch, len);
			return (SAD_ERR_NOMEM);
		}
		if (d->held != NULL) {
			explicit_bzero(d->held, d->heldcap);
			free(d->held);
		}
		d->held = nh;
		d->heldcap = PFKEY_ALIGN8(len);
	}
	memcpy(d->held, msg, len);
	d->heldlen = len;
	explicit_bzero(scratch, len);
	return (0);
}

/*
 * Produce dump replies while the client's queue has room.  Sequence
 * numbers count down to 0 on the last reply (KAME key_dump()): the count
 * taken at the start, never below 1 before the end.
 */
static void
dump_refill(struct client *c)
{
	struct dump *d = &c->dump;
	struct sad_entry *sa;
	const void *entry;
	size_t n = 0;
	uint32_t seq;
	int rc;

	while (d->kind != DUMP_NONE && n < DUMP_BATCH &&
	    outq_bytes(&c->q) < DUMP_HIWAT && !c->dead && !c->gone) {
		if (d->kind == DUMP_SA) {
			/* Its sequence number as the data plane has it. */
			if ((sa = sad_next(srv.sad, &d->sit)) != NULL)
				dp_sa_show(sa);
			entry = sa;
		} else
			entry = spd_next(srv.spd, &d->pit);
		if (entry == NULL) {
			if (d->heldlen > 0)
				dump_release(c, 0);
			else {
				/* Emptied since the request: like empty. */
				struct sadb_msg hm;

				memset(&hm, 0, sizeof(hm));
				hm.sadb_msg_version = PFKEY_V2;
				hm.sadb_msg_type = d->type;
				hm.sadb_msg_satype = d->satype;
				hm.sadb_msg_pid = d->pid;
				reply_errno(c, &hm, ENOENT);
			}
			log_debug("%s: client %llu: dump of %zu done",
			    __func__, (unsigned long long)c->id, d->sent);
			dump_free(d);
			break;
		}
		if (d->heldlen > 0) {
			seq = d->left > 1 ? (uint32_t)(d->left - 1) : 1;
			if (d->left > 0)
				d->left--;
			dump_release(c, seq);
		}
		if ((rc = dump_hold(c, entry)) != 0) {
			/* Skip what cannot be encoded rather than stall. */
			log_warnx("%s: dump entry skipped: %s", __func__,
			    sad_strerror(rc));
			if (d->left > 0)
				d->left--;
		}
		n++;
	}
}

static void
h_dump(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct dump *d = &c->dump;
	uint8_t satype = h->sadb_msg_satype;
	size_t n;

	if (d->kind != DUMP_NONE) {
		reply_errno(c, h, EBUSY);	/* af_key: one at a time */
		return;
	}
	if (h->sadb_msg_type == PFKEY_MSG_DUMP) {
		if (satype != PFKEY_SATYPE_UNSPEC && !satype_is_sa(satype)) {
			reply_errno(c, h, EINVAL);
			return;
		}
		/* Current byte counts from the data plane first. */
		dp_sync_all();
		dp_show_prepare(NULL);
		n = sad_count_satype(srv.sad, satype);
	} else
		n = spd_count(srv.spd);
	if (n == 0) {
		reply_errno(c, h, ENOENT);
		return;
	}
	memset(d, 0, sizeof(*d));
	d->type = h->sadb_msg_type;
	d->satype = satype;
	d->pid = h->sadb_msg_pid;
	d->left = n;
	if (d->type == PFKEY_MSG_DUMP) {
		d->kind = DUMP_SA;
		sad_iter_init(&d->sit, satype);
	} else {
		d->kind = DUMP_SP;
		spd_iter_init(&d->pit);
	}
	log_debug("%s: client %llu dumps %zu %s", __func__,
	    (unsigned long long)c->id, n, d->kind == DUMP_SA ? "SAs" :
	    "policies");
	dump_refill(c);
}

static void
h_promisc(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	const uint8_t *inner = (const uint8_t *)h + PFKEY_HDRLEN;
	size_t ilen = m->len - PFKEY_HDRLEN;
	uint16_t units;

	if (m->len == PFKEY_HDRLEN) {
		if (h->sadb_msg_satype > 1) {
			reply_errno(c, h, EINVAL);
			return;
		}
		c->promisc = h->sadb_msg_satype == 1;
		log_debug("%s: client %llu promiscuous %s", __func__,
		    (unsigned long long)c->id, c->promisc ? "on" : "off");
		/* Both kernels: the message, errno 0, to everyone. */
		reply_header(c, h, DL_ALL);
		return;
	}
	/*
	 * With a message embedded: Linux broadcasts the whole X_PROMISC
	 * message, FreeBSD the embedded one.  Never to unprivileged
	 * sockets: the sender chose the contents and they may hold keys.
	 */
	memcpy(&units, inner + 4, sizeof(units));
	if (ilen < PFKEY_HDRLEN || inner[0] != PFKEY_V2 ||
	    (size_t)units * PFKEY_UNIT != ilen) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if (srv.linux_dialect)
		deliver(h, m->len, DL_ALL | DL_PRIVONLY, c, 0);
	else
		deliver(inner, ilen, DL_ALL | DL_PRIVONLY, c, 0);
}

/* A policy of a request, checked as the kernels check it. */
static int
policy_from_msg(const struct pfkey_msg *m, struct spd_entry *sp)
{
	const char *why = NULL;
	int rc;

	if (!has_ext(m, PFKEY_EXT_ADDRESS_SRC) ||
	    !has_ext(m, PFKEY_EXT_ADDRESS_DST) ||
	    !has_ext(m, PFKEY_EXT_X_POLICY))
		return (EINVAL);
	if ((rc = spd_from_pfkey(m, sp)) != 0) {
		log_debug("%s: %s", __func__, sad_strerror(rc));
		return (err_of(rc));
	}
	/* entrust and bypass are socket policies, not SPD entries. */
	if (sp->dir < PFKEY_DIR_INBOUND || sp->dir > PFKEY_DIR_FWD ||
	    (sp->action != PFKEY_POLICY_DISCARD &&
	    sp->action != PFKEY_POLICY_NONE &&
	    sp->action != PFKEY_POLICY_IPSEC)) {
		log_debug("%s: direction %u / action %u not for the SPD",
		    __func__, sp->dir, sp->action);
		spd_entry_clear(sp);
		return (EINVAL);
	}
	if (spd_entry_check(sp, &why) != 0) {
		log_debug("%s: %s", __func__, why != NULL ? why : "invalid");
		spd_entry_clear(sp);
		return (EINVAL);
	}
	return (0);
}

/* Answer ALL with a policy (with its id). */
static void
reply_sp_all(struct client *c, const struct sadb_msg *h,
    const struct spd_entry *sp)
{
	int rc;

	(void)msg_reply(h);
	if ((rc = spd_to_pfkey(sp, &srv.ob, 0)) != 0) {
		log_warnx("%s: %s", __func__, sad_strerror(rc));
		reply_header(c, h, DL_ALL);
		return;
	}
	(void)msg_send(DL_ALL, c, 0);
}

/* X_SPDADD, X_SPDSETIDX (EEXIST when taken) and X_SPDUPDATE (replace). */
static void
h_spdadd(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	bool update = h->sadb_msg_type == PFKEY_MSG_X_SPDUPDATE;
	struct spd_entry sp, *stored, *old, saved;
	bool had_old = false;
	int rc, err;

	if ((err = policy_from_msg(m, &sp)) != 0) {
		reply_errno(c, h, err);
		return;
	}
	/* The kernel assigns policy ids; a requested one is ignored. */
	sp.has &= ~SPD_HAS_ID;
	sp.id = 0;
	sp.cur.addtime = wall_s();
	sp.has |= SPD_HAS_LT_CUR;
	sp.pid = h->sadb_msg_pid;
	old = spd_lookup_sel(srv.spd, sp.dir, &sp.sel);
	if (old != NULL && !update) {
		spd_entry_clear(&sp);
		reply_errno(c, h, EEXIST);
		return;
	}
	if (old != NULL) {
		/* Kept for the undo should the journal refuse. */
		if (spd_entry_copy(&saved, old) != 0) {
			spd_entry_clear(&sp);
			reply_errno(c, h, ENOBUFS);
			return;
		}
		had_old = true;
	}
	rc = spd_insert(srv.spd, &sp, update, &stored);
	spd_entry_clear(&sp);
	if (rc != 0) {
		if (had_old)
			spd_entry_clear(&saved);
		reply_errno(c, h, err_of(rc));
		return;
	}
	if ((err = jcheck(journal_sp_put(srv.j, stored), "put")) != 0) {
		if (had_old)
			(void)spd_insert(srv.spd, &saved, true, NULL);
		else
			spd_delete(srv.spd, stored);
		if (had_old)
			spd_entry_clear(&saved);
		reply_errno(c, h, err);
		return;
	}
	if (had_old)
		spd_entry_clear(&saved);
	reply_sp_all(c, h, stored);
}

static void
sp_delete_reply(struct client *c, const struct sadb_msg *h,
    struct spd_entry *sp)
{
	int err, rc;

	if ((err = jcheck(journal_sp_del(srv.j, sp->id), "del")) != 0) {
		reply_errno(c, h, err);
		return;
	}
	(void)msg_reply(h);
	rc = spd_to_pfkey(sp, &srv.ob, 0);
	spd_delete(srv.spd, sp);
	if (rc != 0)
		reply_header(c, h, DL_ALL);
	else
		(void)msg_send(DL_ALL, c, 0);
}

static void
h_spddelete(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct spd_entry sp, *old;
	int err;

	if ((err = policy_from_msg(m, &sp)) != 0) {
		reply_errno(c, h, err);
		return;
	}
	old = spd_lookup_sel(srv.spd, sp.dir, &sp.sel);
	spd_entry_clear(&sp);
	if (old == NULL) {
		reply_errno(c, h, ENOENT);
		return;
	}
	sp_delete_reply(c, h, old);
}

/* X_SPDDELETE2 and X_SPDGET: by policy id. */
static void
h_spdbyid(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct pfkey_policy pol;
	struct spd_entry *sp;
	int rc;

	if (pfkey_get_policy(m, &pol) != 0) {
		reply_errno(c, h, EINVAL);
		return;
	}
	if ((sp = spd_lookup_id(srv.spd, pol.id)) == NULL) {
		reply_errno(c, h, ENOENT);
		return;
	}
	if (h->sadb_msg_type == PFKEY_MSG_X_SPDDELETE2) {
		sp_delete_reply(c, h, sp);
		return;
	}
	(void)msg_reply(h);
	if ((rc = spd_to_pfkey(sp, &srv.ob, SAD_PK_CURRENT)) != 0) {
		reply_errno(c, h, err_of(rc));
		return;
	}
	(void)msg_send(DL_ONE, c, 0);
}

static void
h_spdflush(struct client *c, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	size_t n;
	int err;

	if ((err = jcheck(journal_sp_flush(srv.j), "flush")) != 0) {
		reply_errno(c, h, err);
		return;
	}
	n = spd_flush(srv.spd);
	log_debug("%s: %zu policies flushed", __func__, n);
	if (srv.linux_dialect) {
		reply_header(c, h, DL_ONE);	/* as pfkey_spdflush() */
		if (n > 0)
			reply_header(NULL, h, DL_ALL);
	} else
		reply_header(c, h, DL_ALL);
}

static const handler_fn handlers[PFKEY_MSG_COUNT] = {
	[PFKEY_MSG_GETSPI] = h_getspi,
	[PFKEY_MSG_UPDATE] = h_update,
	[PFKEY_MSG_ADD] = h_add,
	[PFKEY_MSG_DELETE] = h_delete,
	[PFKEY_MSG_GET] = h_get,
	[PFKEY_MSG_ACQUIRE] = h_acquire,
	[PFKEY_MSG_REGISTER] = h_register,
	[PFKEY_MSG_EXPIRE] = h_unsupported,
	[PFKEY_MSG_FLUSH] = h_flush,
	[PFKEY_MSG_DUMP] = h_dump,
	[PFKEY_MSG_X_PROMISC] = h_promisc,
	[PFKEY_MSG_X_PCHANGE] = h_unsupported,
	[PFKEY_MSG_X_SPDUPDATE] = h_spdadd,
	[PFKEY_MSG_X_SPDADD] = h_spdadd,
	[PFKEY_MSG_X_SPDDELETE] = h_spddelete,
	[PFKEY_MSG_X_SPDGET] = h_spdbyid,
	[PFKEY_MSG_X_SPDACQUIRE] = h_unsupported,
	[PFKEY_MSG_X_SPDDUMP] = h_dump,
	[PFKEY_MSG_X_SPDFLUSH] = h_spdflush,
	[PFKEY_MSG_X_SPDSETIDX] = h_spdadd,
	[PFKEY_MSG_X_SPDEXPIRE] = h_unsupported,
	[PFKEY_MSG_X_SPDDELETE2] = h_spdbyid,
	[PFKEY_MSG_X_NAT_T_NEW_MAPPING] = h_unsupported,
	[PFKEY_MSG_X_MIGRATE] = h_unsupported,
};

/* What an unprivileged peer may ask (never keys in the answers). */
static bool
unpriv_allowed(uint8_t type)
{
	switch (type) {
	case PFKEY_MSG_DUMP:
	case PFKEY_MSG_GET:
	case PFKEY_MSG_X_SPDDUMP:
	case PFKEY_MSG_X_SPDGET:
		return (true);
	default:
		return (false);
	}
}

/* Messages whose handlers change the SPD. */
static bool
spd_changes(uint8_t type)
{
	switch (type) {
	case PFKEY_MSG_X_SPDADD:
	case PFKEY_MSG_X_SPDUPDATE:
	case PFKEY_MSG_X_SPDSETIDX:
	case PFKEY_MSG_X_SPDDELETE:
	case PFKEY_MSG_X_SPDDELETE2:
	case PFKEY_MSG_X_SPDFLUSH:
		return (true);
	default:
		return (false);
	}
}

static void
handle_request(struct client *c, uint8_t *buf, size_t len)
{
	const struct sadb_msg *h = (const struct sadb_msg *)(void *)buf;
	struct pfkey_msg m;
	char why[160];
	bool spdw;
	int rc;

	if (len < PFKEY_HDRLEN) {
		srv.st_dropped_in++;
		drop_log("%s: client %llu: %zu-byte record dropped", __func__,
		    (unsigned long long)c->id, len);
		return;
	}
	if (h->sadb_msg_version != PFKEY_V2) {
		srv.st_dropped_in++;
		drop_log("%s: client %llu: version %u message dropped",
		    __func__, (unsigned long long)c->id,
		    h->sadb_msg_version);
		return;
	}
	c->requests++;
	srv.st_requests++;
	/* af_key copies every request to promiscuous sockets, unparsed. */
	if (srv.linux_dialect)
		deliver(buf, len, DL_PROMISC, NULL, 0);
	rc = pfkey_decode(buf, len, srv.dialect, 0, &m);
	/* af_key's pfkey_get_base_msg() wants sadb_msg_reserved 0. */
	if (rc == 0 && srv.linux_dialect && h->sadb_msg_reserved != 0) {
		log_debug("%s: client %llu: %s refused: reserved field %u",
		    __func__, (unsigned long long)c->id,
		    mtname(h->sadb_msg_type), h->sadb_msg_reserved);
		reply_errno(c, h, EINVAL);
		return;
	}
	if (rc != 0) {
		(void)pfkey_decode_error(&m, rc, why, sizeof(why));
		log_debug("%s: client %llu: %s refused: %s", __func__,
		    (unsigned long long)c->id, mtname(h->sadb_msg_type), why);
		reply_errno(c, h, EINVAL);
		return;
	}
	if (!c->priv && !unpriv_allowed(h->sadb_msg_type)) {
		log_debug("%s: client %llu (uid %u) may not %s", __func__,
		    (unsigned long long)c->id, (unsigned)c->uid,
		    mtname(h->sadb_msg_type));
		reply_errno(c, h, EPERM);
		return;
	}
	if (h->sadb_msg_type >= PFKEY_MSG_COUNT ||
	    handlers[h->sadb_msg_type] == NULL) {
		h_unsupported(c, &m);
		return;
	}
	/* The data plane's workers read the SPD: not while it changes. */
	spdw = spd_changes(h->sadb_msg_type);
	if (spdw)
		dp_wrlock();
	handlers[h->sadb_msg_type](c, &m);
	if (spdw)
		dp_unlock();
}

/* --------------------------------------------------------- lifetimes */

static void
sa_expired(void *arg, struct sad_entry *e, bool hard)
{
	struct pfkey_buf *b;
	struct pfkey_lifetime_args lt;
	const struct sad_lifetime *l = hard ? &e->hard : &e->soft;
	int rc;

	(void)arg;
	if (hard) {
		(void)jcheck(journal_sa_del(srv.j, e), "del");
		dp_sa_removed(e);
	} else {
		(void)jcheck(journal_sa_put(srv.j, e), "put");
		dp_sa_changed(e);
	}
	/*
	 * A larval SA that expires: Linux' xfrm_timer_handler() reports a
	 * hard expiry for it (it has an SPI); FreeBSD drops it silently.
	 */
	if (e->state == PFKEY_SASTATE_LARVAL && !srv.linux_dialect)
		return;
	b = msg_start(PFKEY_MSG_EXPIRE, e->satype, 0, 0);
	rc = sad_to_pfkey(e, b, SAD_PK_CURRENT | SAD_PK_NO_LIFETIMES);
	lt.allocations = l->allocations;
	lt.bytes = l->bytes;
	lt.addtime = l->addtime;
	lt.usetime = l->usetime;
	if (rc == 0)
		rc = pfkey_put_lifetime(b, hard ? PFKEY_EXT_LIFETIME_HARD :
		    PFKEY_EXT_LIFETIME_SOFT, &lt);
	if (rc != 0) {
		log_warnx("%s: cannot encode EXPIRE: %d", __func__, rc);
		return;
	}
	log_debug("%s: %s SA 0x%08x %s expiry", __func__,
	    pfkey_satype_name(e->satype), e->spi, hard ? "hard" : "soft");
	(void)msg_send(DL_REGISTERED, NULL, e->satype);
}

static void
sp_expired(void *arg, struct spd_entry *sp, bool hard)
{
	struct pfkey_buf *b;

	(void)arg;
	/* Policies have no soft state to report (FreeBSD, Linux alike). */
	if (!hard)
		return;
	(void)jcheck(journal_sp_del(srv.j, sp->id), "del");
	b = msg_start(PFKEY_MSG_X_SPDEXPIRE, 0, 0, 0);
	if (spd_to_pfkey(sp, b, SAD_PK_CURRENT) != 0) {
		log_warnx("%s: cannot encode X_SPDEXPIRE", __func__);
		return;
	}
	log_debug("%s: policy %u expired", __func__, sp->id);
	(void)msg_send(DL_ALL, NULL, 0);
}

static void
run_timers(void)
{
	uint64_t now = wall_s();

	(void)sad_expire_run(srv.sad, now, sa_expired, NULL);
	dp_wrlock();
	(void)spd_expire_run(srv.spd, now, sp_expired, NULL);
	dp_unlock();
	srv.timers_ran = now;
	acq_gc(mono_ms());
}

void
server_sa_account(struct sad_entry *e, uint64_t bytes)
{
	sad_account(srv.sad, e, bytes, wall_s(), sa_expired, NULL);
}

void
server_sa_kill(struct sad_entry *e)
{
	sa_expired(NULL, e, true);
	sad_delete(srv.sad, e);
}

int
server_seq_put(const struct sad_addr *dst, uint8_t satype, uint32_t spi,
    const struct jseq_val *v)
{
	return (journal_seq_put(srv.j, dst, satype, spi, v));
}

bool
server_seq_get(const struct sad_addr *dst, uint8_t satype, uint32_t spi,
    struct jseq_val *v)
{
	return (journal_seq_get(srv.j, dst, satype, spi, v));
}

bool
server_seq_kept(void)
{
	return (journal_keeps(srv.j));
}

/* Milliseconds the loop may sleep (-1: forever). */
static int
poll_timeout(void)
{
	struct timespec rt;
	uint64_t now;
	int64_t d1, d2, d, ms, t;

	/* One reading for the second and the time left in it. */
	if (clock_gettime(CLOCK_REALTIME, &rt) == -1 || rt.tv_sec < 0)
		rt.tv_sec = rt.tv_nsec = 0;
	now = (uint64_t)rt.tv_sec;
	d1 = sad_next_deadline(srv.sad, now);
	d2 = spd_next_deadline(srv.spd, now);
	d = d1 < 0 ? d2 : (d2 < 0 ? d1 : (d1 < d2 ? d1 : d2));
	/*
	 * Deadlines are whole wall-clock seconds: wake at the start of the
	 * second due, not `d' seconds from some moment within this one.
	 */
	if (d < 0)
		ms = -1;
	else if (d == 0 && srv.timers_ran != now)
		ms = 0;
	else {
		if (d == 0)
			d = 1;		/* ran this second already */
		ms = d > INT_MAX / 1000 ? INT_MAX :
		    d * 1000 - rt.tv_nsec / 1000000;
	}
	if (srv.commit_failing) {
		t = srv.commit_retry_ms - mono_ms();
		if (t < 0)
			t = 0;
		if (ms < 0 || t < ms)
			ms = t;
	}
	if (srv.accept_paused) {
		t = srv.accept_resume_ms - mono_ms();
		if (t < 0)
			t = 0;
		if (ms < 0 || t < ms)
			ms = t;
	}
	if (!TAILQ_EMPTY(&srv.acq_age) && (ms < 0 || ms > ACQ_FORGET_MS))
		ms = ACQ_FORGET_MS;
	if ((t = dp_timeout_ms()) >= 0 && (ms < 0 || t < ms))
		ms = t;
	if (ms > INT_MAX)
		ms = INT_MAX;
	return ((int)ms);
}

/* ----------------------------------------------------------- clients */

static void
client_free(struct client *c)
{
	log_debug("%s: client %llu closed: %llu requests, %llu messages "
	    "dropped", __func__, (unsigned long long)c->id,
	    (unsigned long long)c->requests, (unsigned long long)c->dropped);
	TAILQ_REMOVE(&srv.clients, c, entry);
	srv.nclients--;
	close(c->fd);
	outq_free(&c->q);
	dump_free(&c->dump);
	free(c);
}

/*
 * The peer's credentials, and whether they make it privileged: root, our
 * own user, or a member of the socket's group (RFC 2367 leaves it to the
 * system; the kernels want root / CAP_NET_ADMIN).
 */
static void
client_creds(struct client *c)
{
	struct passwd *pw;
	gid_t *gl;
	long max;
	int ng, i;
#if defined(SO_PEERCRED)
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(c->fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		log_warn("%s: SO_PEERCRED", __func__);
		c->uid = (uid_t)-1;
		c->gid = (gid_t)-1;
		return;
	}
	c->uid = uc.uid;
	c->gid = uc.gid;
	c->pid = uc.pid;
#else
	if (getpeereid(c->fd, &c->uid, &c->gid) == -1) {
		log_warn("%s: getpeereid", __func__);
		c->uid = (uid_t)-1;
		c->gid = (gid_t)-1;
		return;
	}
#endif
	if (c->uid == 0 || c->uid == srv.euid || c->gid == srv.sockgid) {
		c->priv = true;
		return;
	}
	if ((pw = getpwuid(c->uid)) == NULL)
		return;
	if ((max = sysconf(_SC_NGROUPS_MAX)) <= 0 || max > 65536)
		max = 65536;
	ng = (int)max + 1;
	if ((gl = calloc((size_t)ng, sizeof(*gl))) == NULL)
		return;
	/* More groups than NGROUPS_MAX fails: unprivileged then. */
	if (getgrouplist(pw->pw_name, pw->pw_gid, gl, &ng) != -1) {
		for (i = 0; i < ng; i++)
			if (gl[i] == srv.sockgid) {
				c->priv = true;
				break;
			}
	}
	free(gl);
}

/* Ask for large socket buffers: pipelined clients and dumps need them. */
static void
sock_bufs(int fd)
{
	int v = SRV_SOCKBUF;

#if defined(SO_SNDBUFFORCE)
	if (srv.euid == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == 0)
		return;
#endif
	for (v = SRV_SOCKBUF; v >= 65536; v /= 2)
		if (setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v)) == 0)
			break;
	for (v = SRV_SOCKBUF; v >= 65536; v /= 2)
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) == 0)
			break;
}

static void
accept_clients(void)
{
	struct client *c;
	int fd, flags;

	for (;;) {
		fd = accept(srv.lfd, NULL, NULL);
		if (fd == -1) {
			switch (errno) {
			case EINTR:
			case ECONNABORTED:
				continue;
			case EAGAIN:
#if EWOULDBLOCK != EAGAIN
			case EWOULDBLOCK:
#endif
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Let clients leave before taking more. */
				log_warn("%s: accept", __func__);
				srv.accept_paused = true;
				srv.accept_resume_ms = mono_ms() + 1000;
				return;
			default:
				log_warn("%s: accept", __func__);
				return;
			}
		}
		if ((flags = fcntl(fd, F_GETFL)) == -1 ||
		    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
			log_warn("%s: fcntl", __func__);
			close(fd);
			continue;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_warn("%s: calloc", __func__);
			close(fd);
			continue;
		}
		c->fd = fd;
		c->pollidx = -1;
		c->id = ++srv.nextid;
		c->dump.kind = DUMP_NONE;
		client_creds(c);
		sock_bufs(fd);
		TAILQ_INSERT_TAIL(&srv.clients, c, entry);
		srv.nclients++;
		log_debug("%s: client %llu: uid %d gid %d pid %d%s", __func__,
		    (unsigned long long)c->id, (int)c->uid, (int)c->gid,
		    (int)c->pid, c->priv ? "" : " (unprivileged)");
	}
}

#if !defined(POLLRDHUP)
#define POLLRDHUP	0
#endif

/* Whether the peer stopped sending (a 0-length read means EOF then). */
static bool
peer_closed(int fd)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLIN | POLLRDHUP;
	p.revents = 0;
	return (poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLHUP | POLLERR | POLLRDHUP)));
}

/*
 * Read and handle what the client sent, up to the per-pass limits.
 * Returns the number of records read.
 */
static size_t
client_read(struct client *c, size_t budget)
{
	size_t total = 0, i, len;
	int n, fl;
	bool any, closed, checked;

	while (total < budget && !c->dead && !c->rdeof &&
	    (c->gone || !client_over(c))) {
		n = recvmmsg(c->fd, srv.rmsg, SRV_RECV_SLOTS, MSG_DONTWAIT,
		    NULL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_debug("%s: client %llu: %s", __func__,
				    (unsigned long long)c->id,
				    strerror(errno));
				c->dead = true;
			}
			break;
		}
		if (n == 0)
			break;
		/*
		 * A 0-length record and end of file look alike through
		 * recvmmsg(2) (at EOF it fills every slot with 0 bytes);
		 * the peer's state tells them apart.
		 */
		any = false;
		closed = checked = false;
		for (i = 0; i < (size_t)n; i++) {
			len = srv.rmsg[i].msg_len;
			fl = srv.rmsg[i].msg_hdr.msg_flags;
			if (len == 0) {
				if (!checked) {
					closed = peer_closed(c->fd);
					checked = true;
				}
				if (!closed) {
					srv.st_dropped_in++;
					drop_log("%s: client %llu: 0-length "
					    "record dropped", __func__,
					    (unsigned long long)c->id);
				}
				continue;
			}
			any = true;
			total++;
			if ((fl & MSG_TRUNC) || len > PFKEY_MSG_MAXLEN) {
				srv.st_dropped_in++;
				drop_log("%s: client %llu: oversized record "
				    "(%zu bytes%s) dropped", __func__,
				    (unsigned long long)c->id, len,
				    (fl & MSG_TRUNC) ? " or more" : "");
			} else
				handle_request(c, srv.slots + i *
				    SRV_SLOT_SIZE, len);
			/* Requests carry keys. */
			explicit_bzero(srv.slots + i * SRV_SLOT_SIZE,
			    len < SRV_SLOT_SIZE ? len : SRV_SLOT_SIZE);
		}
		/* After the peer's last record, only "0 bytes" follow. */
		if (closed && srv.rmsg[n - 1].msg_len == 0) {
			c->rdeof = true;
			break;
		}
		if (!any)
			total += (size_t)n;	/* 0-length flood: still work */
		if ((size_t)n < SRV_RECV_SLOTS)
			break;			/* drained */
	}
	return (total);
}

/* Send what may be sent; returns false when the socket is full. */
static void
client_flush(struct client *c)
{
	struct outq *q = &c->q;
	size_t off, k, i, len;
	uint32_t l32;
	int n;

	while (!c->dead && q->head < q->mark) {
		for (k = 0, off = q->head; k < SRV_SEND_BATCH && off < q->mark;
		    k++) {
			memcpy(&l32, q->buf + off, sizeof(l32));
			len = l32;
			srv.siov[k].iov_base = q->buf + off + OREC_HDR;
			srv.siov[k].iov_len = len;
			memset(&srv.smsg[k], 0, sizeof(srv.smsg[k]));
			srv.smsg[k].msg_hdr.msg_iov = &srv.siov[k];
			srv.smsg[k].msg_hdr.msg_iovlen = 1;
			off += OREC_HDR + PFKEY_ALIGN8(len);
		}
		n = sendmmsg(c->fd, srv.smsg, (unsigned)k,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				break;
			if (errno == EMSGSIZE) {
				/* Larger than the socket takes: drop it. */
				n = 1;
				c->dropped++;
				srv.st_dropped_out++;
				log_warnx("%s: client %llu: a %zu-byte "
				    "message does not fit its socket", __func__,
				    (unsigned long long)c->id,
				    srv.siov[0].iov_len);
			} else {
				/*
				 * The peer is not reading any more.  Its
				 * requests still count, as they would in a
				 * kernel: keep reading until end of file.
				 */
				log_debug("%s: client %llu: %s", __func__,
				    (unsigned long long)c->id,
				    strerror(errno));
				c->gone = true;
				q->head = q->mark = q->tail;
				q->nmsg = 0;
				dump_free(&c->dump);
				break;
			}
		}
		for (i = 0; i < (size_t)n; i++) {
			memcpy(&l32, q->buf + q->head, sizeof(l32));
			q->head += OREC_HDR + PFKEY_ALIGN8(l32);
			q->nmsg--;
		}
		if ((size_t)n < k)
			break;
	}
	outq_compact(q);
}

/* --------------------------------------------------------------- loop */

static void
reap_children(void)
{
	pid_t pid;
	int status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (journal_child_exited(srv.j, pid, status) == -1)
			log_warnx("%s: compaction failed: %s", __func__,
			    journal_error());
		else
			log_debug("%s: child %d exited", __func__, (int)pid);
	}
}

static void
log_stats(void)
{
	log_info("%s: %zu clients, %zu SAs, %zu policies; %llu requests, "
	    "%llu errors, %llu records dropped, %llu messages dropped, "
	    "%llu commits (%llu failed)", __func__, srv.nclients,
	    sad_count(srv.sad), spd_count(srv.spd),
	    (unsigned long long)srv.st_requests,
	    (unsigned long long)srv.st_errors,
	    (unsigned long long)srv.st_dropped_in,
	    (unsigned long long)srv.st_dropped_out,
	    (unsigned long long)srv.st_commits,
	    (unsigned long long)srv.commit_failures);
}

/*
 * Make the pass durable, then let its messages go.  A failed commit
 * keeps them back: the journal keeps the records pending and the next
 * attempt writes them again; meanwhile no request is read, so nothing is
 * acknowledged that is not on disk.
 */
static void
commit_pass(void)
{
	struct client *c;
	size_t pending = journal_pending(srv.j);

	if (pending > 0) {
		if (journal_commit(srv.j) != 0) {
			srv.commit_failures++;
			if (!srv.commit_failing)
				log_warnx("%s: journal commit failed, replies "
				    "held until it succeeds: %s", __func__,
				    journal_error());
			srv.commit_failing = true;
			srv.commit_retry_ms = mono_ms() + COMMIT_RETRY_MS;
			return;
		}
		srv.st_commits++;
		if (srv.commit_failing)
			log_warnx("%s: journal commit succeeded again after "
			    "%llu failures", __func__,
			    (unsigned long long)srv.commit_failures);
	}
	srv.commit_failing = false;
	/* What the data plane reserved in the journal is durable now. */
	dp_committed();
	TAILQ_FOREACH(c, &srv.clients, entry)
		c->q.mark = c->q.tail;
}

int
server_commit(void)
{
	commit_pass();
	return (srv.commit_failing ? -1 : 0);
}

static void
server_pass(size_t npfd)
{
	struct client *c, *next;
	size_t budget = SRV_PASS_MAX, got, per;
	short rev;

	if (srv.commit_failing) {
		if (mono_ms() >= srv.commit_retry_ms)
			commit_pass();
	} else {
		if (srv.lfd != -1 && npfd > 0 && srv.pfd[0].fd == srv.lfd &&
		    (srv.pfd[0].revents & POLLIN))
			accept_clients();
		per = srv.nclients > 0 ? SRV_PASS_MAX / srv.nclients : budget;
		if (per < SRV_RECV_SLOTS)
			per = SRV_RECV_SLOTS;
		TAILQ_FOREACH(c, &srv.clients, entry) {
			if (c->pollidx < 0 || (size_t)c->pollidx >= npfd)
				continue;
			rev = srv.pfd[c->pollidx].revents;
			if ((rev & (POLLIN | POLLHUP | POLLERR)) &&
			    !(srv.pfd[c->pollidx].events & POLLIN)) {
				/* Hung up while we were not reading it. */
				if (rev & (POLLHUP | POLLERR))
					client_flush(c);
				continue;
			}
			if (!(rev & (POLLIN | POLLHUP | POLLERR)) ||
			    budget == 0)
				continue;
			got = client_read(c, per < budget ? per : budget);
			budget -= got < budget ? got : budget;
		}
		run_timers();
		dp_run();
		TAILQ_FOREACH(c, &srv.clients, entry)
			if (c->dump.kind != DUMP_NONE)
				dump_refill(c);
		commit_pass();
	}
	TAILQ_FOREACH_SAFE(c, &srv.clients, entry, next) {
		if (!c->dead)
			client_flush(c);
		/* Done sending: close once it has had everything. */
		if (c->rdeof && (c->gone || (c->q.head == c->q.tail &&
		    c->dump.kind == DUMP_NONE)))
			c->dead = true;
		if (c->dead)
			client_free(c);
	}
	if (!srv.commit_failing && journal_pending(srv.j) == 0 &&
	    journal_maybe_compact(srv.j, srv.sad, srv.spd) == -1)
		log_warnx("%s: compaction: %s", __func__, journal_error());
}

static size_t
build_pollfds(void)
{
	struct client *c;
	size_t n = 0, need = srv.nclients + 2;
	struct pollfd *np;

	if (need > srv.pfdcap) {
		if ((np = reallocarray(srv.pfd, need + 16,
		    sizeof(*np))) == NULL)
			fatal("%s: reallocarray", __func__);
		srv.pfd = np;
		srv.pfdcap = need + 16;
	}
	if (srv.accept_paused && mono_ms() >= srv.accept_resume_ms)
		srv.accept_paused = false;
	if (!srv.accept_paused && !srv.commit_failing) {
		srv.pfd[n].fd = srv.lfd;
		srv.pfd[n].events = POLLIN;
		srv.pfd[n].revents = 0;
		n++;
	}
	TAILQ_FOREACH(c, &srv.clients, entry) {
		short ev = 0;

		c->pollidx = -1;
		if (!srv.commit_failing && !c->rdeof &&
		    (c->gone || !client_over(c)))
			ev |= POLLIN;
		if (!c->gone && (c->q.head < c->q.mark ||
		    (c->dump.kind != DUMP_NONE && !srv.commit_failing)))
			ev |= POLLOUT;
		/*
		 * Nothing to do for it: leave it out, or a hang-up would
		 * wake the loop again and again.
		 */
		if (ev == 0)
			continue;
		c->pollidx = (int)n;
		srv.pfd[n].fd = c->fd;
		srv.pfd[n].events = ev;
		srv.pfd[n].revents = 0;
		n++;
	}
	/* The data plane's events wake the loop (dp_run() reads them). */
	if (!srv.commit_failing && dp_pollfd() != -1) {
		srv.pfd[n].fd = dp_pollfd();
		srv.pfd[n].events = POLLIN;
		srv.pfd[n].revents = 0;
		n++;
	}
	return (n);
}

int
server_loop(const sigset_t *waitmask)
{
	struct timespec ts, *tsp;
	size_t npfd;
	int n, ms;

	while (!sadbd_quit) {
		if (sadbd_hup) {
			sadbd_hup = 0;
			log_reopen();
			log_stats();
		}
		if (sadbd_info) {
			sadbd_info = 0;
			log_stats();
			dp_log_stats();
		}
		if (sadbd_chld) {
			sadbd_chld = 0;
			reap_children();
		}
		npfd = build_pollfds();
		ms = poll_timeout();
		if (ms < 0)
			tsp = NULL;
		else {
			ts.tv_sec = ms / 1000;
			ts.tv_nsec = (long)(ms % 1000) * 1000000L;
			tsp = &ts;
		}
		n = ppoll(srv.pfd, npfd, tsp, waitmask);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("%s: ppoll", __func__);
		}
		server_pass(n > 0 ? npfd : 0);
	}
	return (0);
}

/* ---------------------------------------------------------- start, stop */

/* Whether a daemon answers on the socket at `path'. */
static bool
socket_alive(const char *path)
{
	struct sockaddr_un sun;
	int fd;
	bool alive;

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
		fatal("%s: socket", __func__);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	alive = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0;
	close(fd);
	return (alive);
}

static void
server_listen(const char *path)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		fatalx("%s: socket path too long: %s", __func__, path);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s: %s exists and is not a socket", __func__,
			    path);
		if (socket_alive(path))
			fatalx("%s: another daemon answers on %s", __func__,
			    path);
		/* Stale: a sadbd that died left it behind. */
		if (unlink(path) == -1)
			fatal("%s: unlink %s", __func__, path);
		log_info("%s: replaced the stale socket %s", __func__, path);
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
		fatal("%s: socket", __func__);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	/* Mode 0660 from the start: no window in which others connect. */
	old = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("%s: bind %s", __func__, path);
	(void)umask(old);
	srv.unlink_path = true;
	if (chmod(path, 0660) == -1)
		fatal("%s: chmod %s", __func__, path);
	if (lstat(path, &st) == -1)
		fatal("%s: stat %s", __func__, path);
	if (st.st_gid != srv.sockgid &&
	    chown(path, (uid_t)-1, srv.sockgid) == -1)
		fatal("%s: chown %s to group %u", __func__, path,
		    (unsigned)srv.sockgid);
	if (listen(fd, SOMAXCONN) == -1)
		fatal("%s: listen", __func__);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1)
		fatal("%s: fcntl", __func__);
	srv.lfd = fd;
}

void
server_init(const struct server_conf *conf)
{
	enum pfkey_dialect d;
	const char *env;
	char why[512];
	long n;
	int err = 0;
	size_t i;

	memset(&srv, 0, sizeof(srv));
	TAILQ_INIT(&srv.clients);
	TAILQ_INIT(&srv.acq_age);
	srv.lfd = -1;
	srv.dialect = pfkey_host_dialect();
	/*
	 * Tests run the other dialect's semantics on any host; clients must
	 * then speak that dialect too.
	 */
	if ((env = getenv("SADBD_DIALECT")) != NULL && *env != '\0') {
		if (pfkey_dialect_parse(env, &d) != 0)
			fatalx("%s: SADBD_DIALECT=%s: unknown dialect",
			    __func__, env);
		srv.dialect = pfkey_dialect_resolve(d);
	}
	srv.linux_dialect = srv.dialect == PFKEY_DIALECT_LINUX;
	srv.euid = geteuid();
	srv.sockgid = conf->sockgid;
	if (strlcpy(srv.path, conf->sockpath, sizeof(srv.path)) >=
	    sizeof(srv.path))
		fatalx("%s: socket path too long: %s", __func__,
		    conf->sockpath);

	/* Refuse early, before touching the state of a running daemon. */
	{
		struct stat st;

		if (lstat(srv.path, &st) == 0 && S_ISSOCK(st.st_mode) &&
		    socket_alive(srv.path))
			fatalx("%s: another daemon answers on %s", __func__,
			    srv.path);
	}

	if ((srv.sad = sad_new()) == NULL || (srv.spd = spd_new()) == NULL)
		fatal("%s: out of memory", __func__);
	spd_set_idstyle(srv.spd, srv.linux_dialect ? SPD_ID_LINUX :
	    SPD_ID_KAME);
	if ((srv.j = journal_open(conf->statedir, conf->sync, &err)) ==
	    NULL) {
		errno = err;
		fatalx("%s: %s", __func__, journal_error());
	}
	why[0] = '\0';
	if ((n = journal_replay(srv.j, srv.sad, srv.spd, why,
	    sizeof(why))) < 0)
		fatalx("%s: journal replay: %s%s%s", __func__,
		    sad_strerror((int)n), why[0] != '\0' ? ": " : "", why);
	if (why[0] != '\0')
		log_warnx("%s: journal: %s", __func__, why);
	log_info("%s: %ld journal records replayed: %zu SAs, %zu policies",
	    __func__, n, sad_count(srv.sad), spd_count(srv.spd));

	/*
	 * Receive slots: 64 x 516 KiB of address space, of which only the
	 * pages records touch become resident.
	 */
	srv.slots = mmap(NULL, (size_t)SRV_RECV_SLOTS * SRV_SLOT_SIZE,
	    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANON
#if defined(MAP_NORESERVE)
	    | MAP_NORESERVE
#endif
	    , -1, 0);
	if (srv.slots == MAP_FAILED)
		fatal("%s: mmap", __func__);
	for (i = 0; i < SRV_RECV_SLOTS; i++) {
		srv.riov[i].iov_base = srv.slots + i * SRV_SLOT_SIZE;
		srv.riov[i].iov_len = SRV_SLOT_SIZE;
		srv.rmsg[i].msg_hdr.msg_iov = &srv.riov[i];
		srv.rmsg[i].msg_hdr.msg_iovlen = 1;
	}

	if (conf->dp != NULL)
		dp_start(conf->dp, srv.sad, srv.spd);

	server_listen(srv.path);
	log_info("%s: listening on %s (group %u, %s dialect)", __func__,
	    srv.path, (unsigned)srv.sockgid,
	    pfkey_dialect_name(srv.dialect));
}

void
server_shutdown(void)
{
	struct client *c;
	struct acq *a;

	/* The workers first: they read the stores. */
	dp_stop();
	/* Whatever is pending was never acknowledged; commit it anyway. */
	if (journal_pending(srv.j) > 0 && journal_commit(srv.j) == 0)
		TAILQ_FOREACH(c, &srv.clients, entry)
			c->q.mark = c->q.tail;
	/* A last chance for replies already earned. */
	TAILQ_FOREACH(c, &srv.clients, entry)
		client_flush(c);
	while ((c = TAILQ_FIRST(&srv.clients)) != NULL)
		client_free(c);
	while ((a = TAILQ_FIRST(&srv.acq_age)) != NULL)
		acq_remove(a);
	log_stats();
	if (srv.lfd != -1)
		close(srv.lfd);
	if (srv.unlink_path && unlink(srv.path) == -1 && errno != ENOENT)
		log_warn("%s: unlink %s", __func__, srv.path);
	/* A compaction child finishes on its own; wait so it is not lost. */
	if (journal_child(srv.j) != -1) {
		int status;
		pid_t pid = journal_child(srv.j);

		if (waitpid(pid, &status, 0) == pid)
			(void)journal_child_exited(srv.j, pid, status);
	}
	journal_close(srv.j);
	srv.j = NULL;
	sad_free(srv.sad);
	spd_free(srv.spd);
	free(srv.pfd);
	if (srv.slots != NULL)
		(void)munmap(srv.slots, (size_t)SRV_RECV_SLOTS *
		    SRV_SLOT_SIZE);
	explicit_bzero(scratch, sizeof(scratch));
}
