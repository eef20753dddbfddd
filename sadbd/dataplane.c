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
 * sadbd's data plane: the userspace ESP/AH engine (libesp) between a TUN
 * device and the network.
 *
 *   TUN -> SPD (outbound) -> discard | bypass | SA(s) -> esp_output -> UDP
 *	(RFC 3948 encapsulation) or, with -R, raw IP protocol 50/51
 *   UDP / raw -> SA by (dst, proto, SPI) -> esp_input -> SPD (inbound:
 *	the packet must match an ipsec policy that asks for the SAs it came
 *	through) -> TUN
 *
 * Threads.  The event loop (server.c) is the only thread that changes the
 * SAD and SPD.  N workers, each with its own TUN queue and its own
 * SO_REUSEPORT UDP socket, move packets.  They read two things the loop
 * changes: the SPD (spd_match() changes nothing, but a concurrent insert
 * or delete would pull the tables from under it) and the engine's SA
 * table here.  One writer-preferring rwlock covers both: workers hold it
 * for reading around the processing of a batch, never across a blocking
 * call, and never keep an SA pointer past it; the loop takes it for
 * writing around each change (dp_wrlock()), so an SA is freed only when
 * no worker can see it.
 *
 * What needs the loop (ACQUIRE, EXPIRE, deleting SAs) workers post as
 * events into a ring and wake the loop through an eventfd.  Packets
 * without their SA wait in a bounded queue (per policy and in total, a
 * second at most) and leave when the SA appears.
 *
 * Byte lifetimes: the engine counts every SA's bytes and reports the
 * soft and hard crossings once; the loop turns them, and a sweep every
 * second, into sad_account() on the stored SA, so EXPIRE, the dying state
 * and deletion follow the same path as the time lifetimes, and the
 * current lifetime in GET and DUMP shows the traffic.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef __linux__
#include <sys/eventfd.h>
#include <linux/filter.h>
#include <linux/errqueue.h>
#include <linux/if_tun.h>
#endif

#include "sadbd.h"
#include "esp.h"

#ifndef IPV6_HDRINCL
#define IPV6_HDRINCL		36
#endif

/* Packets read in one batch, and a bound on the bytes of a TUN batch. */
#define DP_BATCH		64
#define DP_TUN_BATCH_BYTES	(256u << 10)
/* A packet slot: headroom (virtio header, a made-up outer header) + 64K. */
#define DP_HEAD			128
#define DP_SLOT			(DP_HEAD + 65536 + 128)
#define DP_MAXPKT		65535
/* Packets waiting to be sent by one thread, and segments of one TSO. */
#define DP_OUTS			256
#define DP_MAXSEG		128
/* UDP GSO: segments and payload bytes in one send. */
#define DP_GSO_SEGS		64
#define DP_GSO_BYTES		65000
/* Distinct SAs one locked section remembers for their events. */
#define DP_TOUCHED		16
#define DP_CTLLEN		64
#define DP_MAXWORKERS		64

/* Held packets (no SA yet): per policy, in total, and for how long. */
#define DP_HOLD_POLICY		32
#define DP_HOLD_TOTAL		1024
#define DP_HOLD_MS		1000
#define DP_HOLD_BUCKETS		64
/* The workers' event ring. */
#define DP_EVENTS		4096
/*
 * A worker posts the ACQUIRE of a flow at most this often (the loop's
 * server_acquire() has its own limit; this keeps a flood of packets
 * without SA from flooding the ring).
 */
#define DP_ACQ_CACHE		64
#define DP_ACQ_MS		200
/* The SAD's byte counts follow the engine's this often. */
#define DP_SYNC_MS		1000
/* RFC 3948 2.3: NAT-keepalives every 20 seconds. */
#define DP_KEEPALIVE_MS		20000
/* Log lines about failed sends, at most this many per second. */
#define DP_WARN_PER_SEC		5

#define NATT_PORT		4500

/* Counters: global (per thread, summed when read). */
enum dp_cnt {
	C_TUN_IN, C_TUN_IN_BYTES, C_TUN_OUT, C_TUN_OUT_BYTES,
	C_NET_IN, C_NET_OUT,
	C_ESP_OUT, C_ESP_IN,
	C_TSO_SEGS, C_GRO_MERGED, C_GSO_SENDS,
	C_NOT_IP, C_LINK_LOCAL, C_NO_POLICY, C_DISCARD, C_BYPASS,
	C_BYPASS_DROP,
	C_NO_SA, C_HOLD_OVERFLOW, C_HOLD_EXPIRED, C_HOLD_SENT,
	C_UNSUPPORTED, C_AH_NEEDS_RAW, C_OUT_ERR,
	C_BAD_HEADER, C_BAD_SPI, C_IKE, C_KEEPALIVE, C_IN_POLICY,
	C_IN_TRUNC, C_IN_PROTO, C_IN_REPLAY, C_IN_AUTH, C_IN_PAD,
	C_IN_NEXTHDR, C_IN_EXPIRED, C_IN_OTHER,
	C_SEND_ERR, C_TUN_WRITE_ERR, C_EVENTS_LOST, C_KEEPALIVE_SENT,
	C_SEQ_WAIT,
	/* Sizes (dp_frag.c). */
	C_TOO_BIG, C_ICMP_FRAG_NEEDED, C_ICMP6_TOO_BIG, C_ICMP_LIMITED,
	C_FRAGMENTED, C_FRAGMENTS, C_FRAG_FAIL, C_REASM_IN, C_REASM_DONE,
	C_REASM_DROP, C_PMTU_CHANGES,
	C__MAX
};

static const char *const cnt_names[C__MAX] = {
	[C_TUN_IN] = "tun_in",
	[C_TUN_IN_BYTES] = "tun_in_bytes",
	[C_TUN_OUT] = "tun_out",
	[C_TUN_OUT_BYTES] = "tun_out_bytes",
	[C_NET_IN] = "net_in",
	[C_NET_OUT] = "net_out",
	[C_ESP_OUT] = "protected_out",
	[C_ESP_IN] = "protected_in",
	[C_TSO_SEGS] = "tso_segments",
	[C_GRO_MERGED] = "gro_merged",
	[C_GSO_SENDS] = "gso_sends",
	[C_NOT_IP] = "not_ip",
	[C_LINK_LOCAL] = "link_local",
	[C_NO_POLICY] = "no_policy",
	[C_DISCARD] = "discarded",
	[C_BYPASS] = "bypass_sent",
	[C_BYPASS_DROP] = "bypass_dropped",
	[C_NO_SA] = "no_sa_held",
	[C_HOLD_OVERFLOW] = "hold_overflow",
	[C_HOLD_EXPIRED] = "hold_expired",
	[C_HOLD_SENT] = "hold_sent",
	[C_UNSUPPORTED] = "unsupported",
	[C_AH_NEEDS_RAW] = "ah_needs_raw",
	[C_OUT_ERR] = "out_errors",
	[C_BAD_HEADER] = "bad_header",
	[C_BAD_SPI] = "bad_spi",
	[C_IKE] = "ike_skipped",
	[C_KEEPALIVE] = "keepalives",
	[C_IN_POLICY] = "in_policy_mismatch",
	[C_IN_TRUNC] = "in_trunc",
	[C_IN_PROTO] = "in_proto",
	[C_IN_REPLAY] = "in_replay",
	[C_IN_AUTH] = "in_auth",
	[C_IN_PAD] = "in_pad",
	[C_IN_NEXTHDR] = "in_nexthdr",
	[C_IN_EXPIRED] = "in_expired",
	[C_IN_OTHER] = "in_other",
	[C_SEND_ERR] = "send_errors",
	[C_TUN_WRITE_ERR] = "tun_write_errors",
	[C_EVENTS_LOST] = "events_lost",
	[C_KEEPALIVE_SENT] = "keepalives_sent",
	[C_SEQ_WAIT] = "seq_wait",
	[C_TOO_BIG] = "too_big",
	[C_ICMP_FRAG_NEEDED] = "icmp_frag_needed",
	[C_ICMP6_TOO_BIG] = "icmp6_too_big",
	[C_ICMP_LIMITED] = "icmp_limited",
	[C_FRAGMENTED] = "outer_fragmented",
	[C_FRAGMENTS] = "fragments_sent",
	[C_FRAG_FAIL] = "fragment_errors",
	[C_REASM_IN] = "inner_fragments",
	[C_REASM_DONE] = "inner_reassembled",
	[C_REASM_DROP] = "inner_frag_dropped",
	[C_PMTU_CHANGES] = "pmtu_changes",
};

/* An engine SA: the libesp SA and what finding it takes. */
struct dp_sa {
	struct dp_sa	*in_next;	/* by (dst, satype, spi) */
	struct dp_sa	*out_next;	/* by (src, dst, satype) */
	struct esp_sa	*esa;
	uint64_t	 order;		/* newer SAs have larger ones */
	struct sad_addr	 src;
	struct sad_addr	 dst;
	uint32_t	 spi;
	uint32_t	 reqid;
	uint8_t		 satype;
	uint8_t		 mode;
	uint8_t		 state;		/* mature or dying */
	bool		 udp;		/* NAT-T encapsulation */
	uint16_t	 sport;		/* NAT-T ports, host order */
	uint16_t	 dport;
	atomic_bool	 dead;		/* the engine refuses it */
	atomic_bool	 no_pktinfo;	/* its source is not local */
	uint64_t	 accounted;	/* bytes given to the SAD (loop) */
	struct dp_ovh	 ovh;		/* how it grows packets */
	/* The path MTU to dst: 0 never asked, 1 unknown (dp_frag.c). */
	_Atomic uint32_t pmtu;
	atomic_bool	 pmtu_used;	/* large packets since the last look */
	struct dp_seq	*seq;		/* numbers reserved in the journal */
};

/* Where an outgoing packet goes. */
enum dp_okind { DPO_TUN, DPO_UDP4, DPO_UDP6, DPO_RAW4, DPO_RAW6 };

struct dp_out {
	uint8_t			*slot;		/* DP_SLOT bytes */
	uint8_t			*data;		/* what is sent */
	size_t			 len;
	enum dp_okind		 kind;
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
	struct sad_addr		 src;		/* IP_PKTINFO; AF_UNSPEC */
	/*
	 * The SA it belongs to, by key: no SA pointer outlives the read
	 * lock, and sending happens after it is released.
	 */
	struct sad_addr		 sadst;
	uint32_t		 spi;
	bool			 big;		/* past the path MTU: no GSO */
};

/* A thread's working state: buffers, counters, its sockets. */
struct dp_ctx {
	unsigned		 idx;
	int			 tunfd;
	int			 udp4;
	int			 udp6;
	int			 rawin[4];	/* ESP4 AH4 ESP6 AH6 */
	_Atomic uint64_t	 cnt[C__MAX];
	uint8_t			*inmem;
	uint8_t			*outmem;
	uint8_t			*stage;		/* 2 slots */
	struct dp_out		 out[DP_OUTS];
	size_t			 nout;
	struct dp_sa		*touched[DP_TOUCHED];
	size_t			 ntouched;
	struct mmsghdr		 rmsg[DP_BATCH];
	struct iovec		 riov[DP_BATCH];
	struct sockaddr_storage	 rname[DP_BATCH];
	uint8_t			 rctl[DP_BATCH][DP_CTLLEN];
	struct mmsghdr		 smsg[DP_OUTS];
	struct iovec		 siov[DP_OUTS];
	uint8_t			 sctl[DP_OUTS][DP_CTLLEN];
	int64_t			 warn_sec;
	unsigned		 warn_n;
	/* The packet at hand was reassembled: its largest fragment. */
	size_t			 fragmax;
	/* ACQUIREs posted lately (hash of policy, flow, satype -> ms). */
	uint32_t		 acq_key[DP_ACQ_CACHE];
	int64_t			 acq_ms[DP_ACQ_CACHE];
};

struct dp_worker {
	pthread_t		 thr;
	bool			 started;
	struct dp_ctx		 x;
};

/* A packet waiting for its SA. */
struct dp_held {
	struct dp_held		*next;
	uint32_t		 policy;
	int64_t			 since;		/* ms */
	size_t			 len;
	size_t			 fragmax;	/* reassembled (dp_ctx) */
	uint8_t			 data[];
};

struct dp_holdq {
	struct dp_holdq		*next;
	uint32_t		 policy;
	unsigned		 n;
};

enum dp_evkind { DPE_ACQUIRE, DPE_LIFETIME, DPE_KILL, DPE_SEQ };

struct dp_event {
	enum dp_evkind		 kind;
	uint8_t			 satype;
	unsigned		 events;	/* ESP_EV_* */
	uint32_t		 spi;
	struct sad_addr		 dst;
	uint32_t		 policy;
	struct spd_flow		 flow;
};

/* Results of dp_output(). */
enum { DPR_DONE, DPR_DROP, DPR_HOLD, DPR_TOO_BIG };
#define DPF_RETRY		0x1	/* a held packet: no new ACQUIRE */

static struct {
	bool			 on;
	struct dp_conf		 conf;
	bool			 vnet;		/* TUN offloads in use */
	atomic_bool		 gso;		/* UDP GSO works */
	struct sad		*sad;
	struct spd		*spd;
	pthread_rwlock_t	 lock;
	unsigned		 wrdepth;

	/* Engine SAs (changed by the loop under the write lock). */
	struct dp_sa		**inh;
	struct dp_sa		**outh;
	size_t			 nbuckets;	/* a power of 2 */
	size_t			 nsa;
	uint64_t		 order;

	/* Threads and descriptors. */
	struct dp_worker	*w;
	unsigned		 nw;
	int			 ntunq;		/* TUN queues opened */
	int			*tunq;
	atomic_bool		 stop;
	int			 stopfd;
	int			 rawsend4;
	int			 rawsend6;
	struct dp_ctx		*m;		/* the event loop's */

	/* Events, and the loop's copy of them. */
	pthread_mutex_t		 evlock;
	struct dp_event		 ev[DP_EVENTS];
	struct dp_event		 evcopy[DP_EVENTS];
	size_t			 evhead;
	size_t			 evn;
	int			 evfd;

	/* Held packets, oldest first. */
	pthread_mutex_t		 holdlock;
	struct dp_held		*hhead;
	struct dp_held		**htail;
	size_t			 nheld;
	struct dp_holdq		*holdq[DP_HOLD_BUCKETS];
	atomic_bool		 retry;		/* an SA appeared */

	int64_t			 next_sync;
	int64_t			 next_keepalive;
	uint64_t		 seq_start;	/* $SADBD_DP_SEQ_START */

	/* Sizes: reassembly, ICMP too big, path MTUs (dp_frag.c). */
	struct dp_reasm		*reasm;
	struct dp_rate		 icmp_rate;
	pthread_mutex_t		 pmtulock;	/* the query sockets */
	int			 pmtufd4;
	int			 pmtufd6;
	atomic_bool		 pmtu_stale;	/* a send said EMSGSIZE */
} dp = {
	.stopfd = -1, .rawsend4 = -1, .rawsend6 = -1, .evfd = -1,
	.pmtufd4 = -1, .pmtufd6 = -1,
};

/* ---------------------------------------------------------------- misc */

static int64_t
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A counter of the thread that owns it: no lock prefix needed. */
static inline void
cnt_add(struct dp_ctx *x, enum dp_cnt c, uint64_t n)
{
	atomic_store_explicit(&x->cnt[c], atomic_load_explicit(&x->cnt[c],
	    memory_order_relaxed) + n, memory_order_relaxed);
}

#define CNT(x, c)	cnt_add((x), (c), 1)

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* Rate-limited warnings from the packet path. */
static void __attribute__((__format__(printf, 2, 3)))
dp_warn(struct dp_ctx *x, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int64_t sec = mono_ms() / 1000;

	if (sec != x->warn_sec) {
		x->warn_sec = sec;
		x->warn_n = 0;
	}
	if (x->warn_n++ >= DP_WARN_PER_SEC)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
}

static const char *
addr_str(const struct sad_addr *a, char *buf, size_t len)
{
	const char *s = sad_addr_ntop(a, buf, len);

	return (s != NULL ? s : "?");
}

/* An SA address: family and address only. */
static void
addr_key(struct sad_addr *d, const struct sad_addr *s)
{
	memset(d, 0, sizeof(*d));
	d->af = s->af;
	d->plen = (uint8_t)(s->af == AF_INET ? 32 : 128);
	d->a = s->a;
}

/* --------------------------------------------------------------- locks */

static inline void
rdlock(void)
{
	(void)pthread_rwlock_rdlock(&dp.lock);
}

static inline void
rdunlock(void)
{
	(void)pthread_rwlock_unlock(&dp.lock);
}

void
dp_wrlock(void)
{
	if (!dp.on)
		return;
	if (dp.wrdepth++ == 0)
		(void)pthread_rwlock_wrlock(&dp.lock);
}

void
dp_unlock(void)
{
	if (!dp.on)
		return;
	if (--dp.wrdepth == 0)
		(void)pthread_rwlock_unlock(&dp.lock);
}

bool
dp_running(void)
{
	return (dp.on);
}

/* ------------------------------------------------------------ SA table */

static size_t
hash_in(const struct sad_addr *dst, uint8_t satype, uint32_t spi)
{
	uint64_t h = (uint64_t)spi * 0x9e3779b97f4a7c15ull;

	h ^= satype;
	if (dst->af == AF_INET)
		h ^= (uint64_t)dst->a.v4.s_addr * 0xff51afd7ed558ccdull;
	else
		h ^= (uint64_t)dst->a.b[15] << 8 | dst->a.b[14];
	h ^= h >> 29;
	return ((size_t)h & (dp.nbuckets - 1));
}

static size_t
hash_out(const struct sad_addr *src, const struct sad_addr *dst,
    uint8_t satype)
{
	uint32_t h = 2166136261u;
	size_t i, n = src->af == AF_INET ? 4 : 16;

	for (i = 0; i < n; i++) {
		h = (h ^ src->a.b[i]) * 16777619u;
		h = (h ^ dst->a.b[i]) * 16777619u;
	}
	h = (h ^ satype) * 16777619u;
	return ((size_t)h & (dp.nbuckets - 1));
}

/* The engine SA for a received packet. */
static struct dp_sa *
sa_in(const struct sad_addr *dst, uint8_t satype, uint32_t spi)
{
	struct dp_sa *s;

	for (s = dp.inh[hash_in(dst, satype, spi)]; s != NULL;
	    s = s->in_next)
		if (s->spi == spi && s->satype == satype &&
		    sad_addr_cmp(&s->dst, dst) == 0)
			return (s);
	return (NULL);
}

/*
 * The SA for an outgoing request: addresses and protocol, the mode (a
 * transport request takes an SA of mode transport or any, a tunnel
 * request one of mode tunnel), the reqid if the request names one;
 * mature before dying, then the newest (as sad_lookup_out()).
 */
static struct dp_sa *
sa_out(const struct sad_addr *src, const struct sad_addr *dst,
    uint8_t satype, uint8_t mode, uint32_t reqid)
{
	struct dp_sa *s, *best = NULL;

	for (s = dp.outh[hash_out(src, dst, satype)]; s != NULL;
	    s = s->out_next) {
		if (s->satype != satype || sad_addr_cmp(&s->src, src) != 0 ||
		    sad_addr_cmp(&s->dst, dst) != 0)
			continue;
		if (atomic_load_explicit(&s->dead, memory_order_relaxed))
			continue;
		if ((mode == PFKEY_MODE_TUNNEL) !=
		    (s->mode == PFKEY_MODE_TUNNEL))
			continue;
		if (reqid != 0 && s->reqid != reqid)
			continue;
		if (best == NULL ||
		    (s->state == PFKEY_SASTATE_MATURE &&
		    best->state != PFKEY_SASTATE_MATURE) ||
		    (s->state == best->state && s->order > best->order))
			best = s;
	}
	return (best);
}

/* Grow the tables (write lock held). */
static void
sa_grow(void)
{
	struct dp_sa **ni, **no, *s, *next;
	size_t n = dp.nbuckets * 2, i, oldn = dp.nbuckets;

	if ((ni = calloc(n, sizeof(*ni))) == NULL ||
	    (no = calloc(n, sizeof(*no))) == NULL) {
		free(ni);
		return;			/* longer chains, still correct */
	}
	dp.nbuckets = n;
	for (i = 0; i < oldn; i++) {
		for (s = dp.inh[i]; s != NULL; s = next) {
			next = s->in_next;
			s->in_next = ni[hash_in(&s->dst, s->satype, s->spi)];
			ni[hash_in(&s->dst, s->satype, s->spi)] = s;
		}
		for (s = dp.outh[i]; s != NULL; s = next) {
			next = s->out_next;
			s->out_next = no[hash_out(&s->src, &s->dst,
			    s->satype)];
			no[hash_out(&s->src, &s->dst, s->satype)] = s;
		}
	}
	free(dp.inh);
	free(dp.outh);
	dp.inh = ni;
	dp.outh = no;
}

/* Unlink (write lock held). */
static void
sa_unlink(struct dp_sa *sa)
{
	struct dp_sa **pp;

	for (pp = &dp.inh[hash_in(&sa->dst, sa->satype, sa->spi)];
	    *pp != NULL; pp = &(*pp)->in_next)
		if (*pp == sa) {
			*pp = sa->in_next;
			break;
		}
	for (pp = &dp.outh[hash_out(&sa->src, &sa->dst, sa->satype)];
	    *pp != NULL; pp = &(*pp)->out_next)
		if (*pp == sa) {
			*pp = sa->out_next;
			break;
		}
	dp.nsa--;
}

static void
sa_free(struct dp_sa *sa)
{
	dp_seq_detach(sa->seq);
	esp_sa_free(sa->esa);		/* wipes keys and contexts */
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

static void sa_dead(struct dp_ctx *, struct dp_sa *);
static void post_sa(struct dp_ctx *, struct dp_sa *, enum dp_evkind,
    unsigned);

void
dp_sa_added(const struct sad_entry *e)
{
	struct esp_sa_opts opts;
	struct esp_sa *esa;
	struct dp_sa *sa, *old;
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int rc, seqrc;

	if (!dp.on || (e->satype != PFKEY_SATYPE_ESP &&
	    e->satype != PFKEY_SATYPE_AH) ||
	    (e->state != PFKEY_SASTATE_MATURE &&
	    e->state != PFKEY_SASTATE_DYING))
		return;
	memset(&opts, 0, sizeof(opts));
	opts.backend = (enum esp_backend)dp.conf.backend;
	/* Inbound packets of one SA may reach several workers. */
	opts.locked = dp.nw > 1;
	/*
	 * With one worker an SA has one sender at a time: the worker, or
	 * the loop sending held packets with the worker held off (run_held()).
	 * Its sequence numbers then need no atomic read-modify-write.
	 */
	opts.single_writer = dp.nw == 1;
	if ((rc = esp_sa_new(e, &opts, &esa)) != 0) {
		log_warnx("%s: %s SA 0x%08x %s->%s not usable by the data "
		    "plane: %s", __func__, pfkey_satype_name(e->satype),
		    e->spi, addr_str(&e->src, a, sizeof(a)),
		    addr_str(&e->dst, b, sizeof(b)), esp_strerror(rc));
		return;
	}
	if ((sa = calloc(1, sizeof(*sa))) == NULL) {
		log_warn("%s: calloc", __func__);
		esp_sa_free(esa);
		return;
	}
	if (dp.seq_start != 0) {
		/* As if that many packets had passed each way. */
		esp_sa_set_oseq(esa, dp.seq_start);
		esp_sa_set_replay_top(esa, dp.seq_start);
	}
	/* Continue from the journal's numbers; reserve the first ones. */
	if ((seqrc = dp_seq_attach(esa, e, opts.single_writer,
	    &sa->seq)) < 0) {
		log_warnx("%s: SA 0x%08x: out of memory", __func__, e->spi);
		esp_sa_free(esa);
		free(sa);
		return;
	}
	sa->esa = esa;
	addr_key(&sa->src, &e->src);
	addr_key(&sa->dst, &e->dst);
	sa->spi = e->spi;
	sa->reqid = e->reqid;
	sa->satype = e->satype;
	sa->mode = e->mode;
	sa->state = e->state;
	sa->order = ++dp.order;
	if (e->x != NULL && e->x->natt_type != 0) {
		sa->udp = true;
		sa->sport = e->x->natt_sport;
		sa->dport = e->x->natt_dport;
	}
	atomic_init(&sa->dead, false);
	atomic_init(&sa->no_pktinfo, false);
	/* The path MTU is asked for when a packet needs it. */
	dp_ovh_init(&sa->ovh, e, esp_sa_headroom(esa), esp_sa_tailroom(esa));
	atomic_init(&sa->pmtu, 0);
	atomic_init(&sa->pmtu_used, false);

	dp_wrlock();
	if ((old = sa_in(&sa->dst, sa->satype, sa->spi)) != NULL)
		sa_unlink(old);
	if (dp.nsa >= dp.nbuckets)
		sa_grow();
	sa->in_next = dp.inh[hash_in(&sa->dst, sa->satype, sa->spi)];
	dp.inh[hash_in(&sa->dst, sa->satype, sa->spi)] = sa;
	sa->out_next = dp.outh[hash_out(&sa->src, &sa->dst, sa->satype)];
	dp.outh[hash_out(&sa->src, &sa->dst, sa->satype)] = sa;
	dp.nsa++;
	dp_unlock();
	if (old != NULL)
		sa_free(old);
	if (seqrc == 1) {
		log_warnx("%s: %s SA 0x%08x has no sequence numbers left",
		    __func__, pfkey_satype_name(e->satype), e->spi);
		sa_dead(dp.m, sa);
	}
	atomic_store(&dp.retry, true);
	log_debug("%s: %s SA 0x%08x %s->%s (%s backend)", __func__,
	    pfkey_satype_name(e->satype), e->spi,
	    addr_str(&e->src, a, sizeof(a)), addr_str(&e->dst, b, sizeof(b)),
	    esp_backend_name(esp_sa_backend(esa)));
}

/* The engine SA of a SAD entry, NULL when none (or no data plane). */
static struct dp_sa *
sa_of_entry(const struct sad_entry *e)
{
	struct sad_addr dst;

	if (!dp.on)
		return (NULL);
	addr_key(&dst, &e->dst);
	return (sa_in(&dst, e->satype, e->spi));
}

void
dp_sa_removed(const struct sad_entry *e)
{
	struct dp_sa *sa;

	if ((sa = sa_of_entry(e)) == NULL)
		return;
	dp_wrlock();
	sa_unlink(sa);
	dp_unlock();
	sa_free(sa);
}

void
dp_sa_changed(const struct sad_entry *e)
{
	struct esp_lifetimes lt;
	struct dp_sa *sa;
	unsigned ev;

	if ((sa = sa_of_entry(e)) == NULL)
		return;
	/*
	 * The byte lifetimes may have changed (UPDATE of a mature SA): the
	 * engine takes them while the workers send.  Its packet limits are
	 * none of the SAD's (sadbd sets none).  Limits the counts already
	 * reach raise their events now: the loop handles them with the
	 * workers' ones, later (this may run inside the SAD's expiry).
	 */
	esp_sa_lifetimes(sa->esa, &lt);
	lt.soft_bytes = e->soft.bytes;
	lt.hard_bytes = e->hard.bytes;
	(void)esp_sa_set_lifetimes(sa->esa, &lt);
	if ((ev = esp_sa_events(sa->esa)) != 0)
		post_sa(dp.m, sa, DPE_LIFETIME, ev);
	dp_wrlock();
	sa->state = e->state;
	dp_unlock();
}

void
dp_flush(uint8_t satype)
{
	struct dp_sa *s, *next, *gone = NULL;
	size_t i;

	if (!dp.on)
		return;
	dp_wrlock();
	for (i = 0; i < dp.nbuckets; i++) {
		for (s = dp.inh[i]; s != NULL; s = next) {
			next = s->in_next;
			if (satype != 0 && s->satype != satype)
				continue;
			sa_unlink(s);
			s->in_next = gone;
			gone = s;
		}
	}
	dp_unlock();
	while ((s = gone) != NULL) {
		gone = s->in_next;
		sa_free(s);
	}
}

/* -------------------------------------------------------------- events */

static void
post(struct dp_ctx *x, const struct dp_event *ev)
{
	uint64_t one = 1;
	bool wake;

	(void)pthread_mutex_lock(&dp.evlock);
	if (dp.evn == DP_EVENTS) {
		(void)pthread_mutex_unlock(&dp.evlock);
		CNT(x, C_EVENTS_LOST);
		return;
	}
	wake = dp.evn == 0;
	dp.ev[(dp.evhead + dp.evn) % DP_EVENTS] = *ev;
	dp.evn++;
	(void)pthread_mutex_unlock(&dp.evlock);
	if (wake && write(dp.evfd, &one, sizeof(one)) == -1 &&
	    errno != EAGAIN)
		CNT(x, C_EVENTS_LOST);
}

static void
post_sa(struct dp_ctx *x, struct dp_sa *sa, enum dp_evkind kind,
    unsigned events)
{
	struct dp_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.events = events;
	ev.satype = sa->satype;
	ev.spi = sa->spi;
	ev.dst = sa->dst;
	post(x, &ev);
}

static void
post_acquire(struct dp_ctx *x, uint32_t policy, const struct spd_flow *f,
    uint8_t satype)
{
	struct dp_event ev;
	uint32_t h = 2166136261u;
	const uint8_t *p;
	size_t i, slot;
	int64_t now;

#define FNV(b)	(h = (h ^ (uint8_t)(b)) * 16777619u)
	for (i = 0; i < 4; i++)
		FNV(policy >> (8 * i));
	for (p = f->src.a.b, i = 0; i < 16; i++)
		FNV(p[i]);
	for (p = f->dst.a.b, i = 0; i < 16; i++)
		FNV(p[i]);
	FNV(f->proto);
	FNV(f->sport);
	FNV(f->sport >> 8);
	FNV(f->dport);
	FNV(f->dport >> 8);
	FNV(satype);
#undef FNV
	h |= 1;				/* 0 is "empty" */
	slot = h % DP_ACQ_CACHE;
	now = mono_ms();
	if (x->acq_key[slot] == h && now - x->acq_ms[slot] < DP_ACQ_MS)
		return;
	x->acq_key[slot] = h;
	x->acq_ms[slot] = now;
	memset(&ev, 0, sizeof(ev));
	ev.kind = DPE_ACQUIRE;
	ev.policy = policy;
	ev.flow = *f;
	ev.satype = satype;
	post(x, &ev);
}

/* The engine stopped taking an SA: keep it out of lookups, tell the loop. */
static void
sa_dead(struct dp_ctx *x, struct dp_sa *sa)
{
	if (!atomic_exchange(&sa->dead, true))
		post_sa(x, sa, DPE_KILL, 0);
}

/* Remember an SA used in this locked section, for its lifetime events. */
static void
touch(struct dp_ctx *x, struct dp_sa *sa)
{
	unsigned ev;
	size_t i;

	for (i = 0; i < x->ntouched; i++)
		if (x->touched[i] == sa)
			return;
	if (x->ntouched < DP_TOUCHED) {
		x->touched[x->ntouched++] = sa;
		return;
	}
	if ((ev = esp_sa_events(sa->esa)) != 0)
		post_sa(x, sa, DPE_LIFETIME, ev);
}

/* Before leaving the locked section. */
static void
touched_events(struct dp_ctx *x)
{
	unsigned ev;
	size_t i;

	for (i = 0; i < x->ntouched; i++)
		if ((ev = esp_sa_events(x->touched[i]->esa)) != 0)
			post_sa(x, x->touched[i], DPE_LIFETIME, ev);
	x->ntouched = 0;
}

/* ------------------------------------------------------- held packets */

static struct dp_holdq **
holdq_find(uint32_t policy)
{
	struct dp_holdq **pp;

	for (pp = &dp.holdq[policy % DP_HOLD_BUCKETS]; *pp != NULL;
	    pp = &(*pp)->next)
		if ((*pp)->policy == policy)
			break;
	return (pp);
}

/* One held packet of `policy' is gone (holdlock held). */
static void
holdq_put(uint32_t policy)
{
	struct dp_holdq **pp = holdq_find(policy), *q = *pp;

	if (q != NULL && --q->n == 0) {
		*pp = q->next;
		free(q);
	}
	dp.nheld--;
}

static void
hold(struct dp_ctx *x, uint32_t policy, const uint8_t *pkt, size_t len)
{
	struct dp_holdq **pp, *q;
	struct dp_held *h;

	(void)pthread_mutex_lock(&dp.holdlock);
	pp = holdq_find(policy);
	if (dp.nheld >= DP_HOLD_TOTAL ||
	    (*pp != NULL && (*pp)->n >= DP_HOLD_POLICY))
		goto overflow;
	if ((q = *pp) == NULL) {
		if ((q = calloc(1, sizeof(*q))) == NULL)
			goto overflow;
		q->policy = policy;
		*pp = q;
	}
	if ((h = malloc(sizeof(*h) + len)) == NULL) {
		if (q->n == 0) {
			*pp = q->next;
			free(q);
		}
		goto overflow;
	}
	h->next = NULL;
	h->policy = policy;
	h->since = mono_ms();
	h->len = len;
	h->fragmax = x->fragmax;
	memcpy(h->data, pkt, len);
	*dp.htail = h;
	dp.htail = &h->next;
	q->n++;
	dp.nheld++;
	(void)pthread_mutex_unlock(&dp.holdlock);
	CNT(x, C_NO_SA);
	return;
overflow:
	(void)pthread_mutex_unlock(&dp.holdlock);
	CNT(x, C_HOLD_OVERFLOW);
}

static void
held_free(struct dp_held *h)
{
	explicit_bzero(h->data, h->len);
	free(h);
}

/* ------------------------------------------------------------- sending */

static struct dp_out *
out_next(struct dp_ctx *x)
{
	struct dp_out *o = &x->out[x->nout];

	o->slot = x->outmem + x->nout * DP_SLOT;
	o->spi = 0;
	o->src.af = AF_UNSPEC;
	o->tolen = 0;
	o->big = false;
	return (o);
}

static socklen_t
to_sockaddr(const struct sad_addr *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	socklen_t len = sad_addr_to_sockaddr(a, ss);

	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
	return (len);
}

/* A source address for IP_PKTINFO / IPV6_PKTINFO; returns its length. */
static size_t
put_pktinfo(uint8_t *ctl, size_t cap, const struct sad_addr *src)
{
	struct cmsghdr *cm = (struct cmsghdr *)(void *)ctl;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;

	memset(ctl, 0, cap);
	if (src->af == AF_INET) {
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = src->a.v4;
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		return (CMSG_SPACE(sizeof(pi)));
	}
	if (src->af == AF_INET6) {
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi6));
		memset(&pi6, 0, sizeof(pi6));
		pi6.ipi6_addr = src->a.v6;
		memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
		return (CMSG_SPACE(sizeof(pi6)));
	}
	return (0);
}

/* Append a UDP_SEGMENT control message; returns the new length. */
static size_t
put_gso(uint8_t *ctl, size_t used, size_t cap, uint16_t size)
{
	struct cmsghdr *cm = (struct cmsghdr *)(void *)(ctl + used);

	if (used + CMSG_SPACE(sizeof(size)) > cap)
		return (used);
	memset(cm, 0, CMSG_SPACE(sizeof(size)));
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(size));
	memcpy(CMSG_DATA(cm), &size, sizeof(size));
	return (used + CMSG_SPACE(sizeof(size)));
}

static bool
same_dest(const struct dp_out *a, const struct dp_out *b)
{
	return (a->tolen == b->tolen && memcmp(&a->to, &b->to, a->tolen) ==
	    0 && a->src.af == b->src.af && (a->src.af == AF_UNSPEC ||
	    sad_addr_cmp(&a->src, &b->src) == 0));
}

/*
 * The kernel refused an SA's source address (not one of ours, as a NAT-T
 * SA's may be): let it choose from now on.  The SA is found again under
 * the lock; it may be gone.
 */
static void
no_pktinfo(struct dp_ctx *x, const struct dp_out *o)
{
	struct dp_sa *sa;

	rdlock();
	if ((sa = sa_in(&o->sadst, PFKEY_SATYPE_ESP, o->spi)) != NULL &&
	    !atomic_exchange(&sa->no_pktinfo, true))
		dp_warn(x, "%s: source address of SA 0x%08x not local; the "
		    "kernel chooses", __func__, o->spi);
	rdunlock();
}

/*
 * Send the messages [0, n) of x->smsg on fd (message i carries the
 * outputs first[i] .. first[i + 1] - 1, the last up to nouts).  A socket
 * that takes nothing gets one short wait; if it still takes nothing,
 * the rest is dropped and counted (as a full queue would drop it).
 */
static void
send_msgs(struct dp_ctx *x, int fd, size_t n, const size_t *first,
    size_t nouts)
{
	struct pollfd p;
	size_t i = 0, k;
	bool waited = false;
	int r;

#define OUTS_OF(m)	((m) + 1 < n ? first[(m) + 1] - first[(m)] : \
			    nouts - first[(m)])
	while (i < n) {
		r = sendmmsg(fd, x->smsg + i, (unsigned)(n - i), MSG_DONTWAIT);
		if (r > 0) {
			i += (size_t)r;
			waited = false;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)) {
			if (!waited) {
				p.fd = fd;
				p.events = POLLOUT;
				(void)poll(&p, 1, 10);
				waited = true;
				continue;
			}
			for (; i < n; i++)
				cnt_add(x, C_SEND_ERR, OUTS_OF(i));
			break;
		}
		if (r == -1 && errno == EIO && atomic_load(&dp.gso)) {
			/* The route cannot do UDP GSO: stop using it. */
			atomic_store(&dp.gso, false);
			log_warnx("%s: UDP segmentation offload refused "
			    "(EIO); sending datagrams one by one", __func__);
		} else if (r == -1 && errno == EINVAL &&
		    x->smsg[i].msg_hdr.msg_controllen > 0) {
			/* A source address that is not ours: retry without. */
			k = first[i];
			if (k < nouts && x->out[k].spi != 0)
				no_pktinfo(x, &x->out[k]);
			/*
			 * Not a GSO batch: without its UDP_SEGMENT it would
			 * leave as one datagram.  The next one goes without.
			 */
			if (x->smsg[i].msg_hdr.msg_iovlen == 1) {
				x->smsg[i].msg_hdr.msg_control = NULL;
				x->smsg[i].msg_hdr.msg_controllen = 0;
				continue;
			}
		} else if (r == -1 && errno == EMSGSIZE) {
			/* Larger than the route: ask for its MTU again. */
			atomic_store(&dp.pmtu_stale, true);
			dp_warn(x, "%s: %s", __func__, strerror(errno));
		} else if (r == -1)
			dp_warn(x, "%s: %s", __func__, strerror(errno));
		/* Drop this message and go on with the next. */
		cnt_add(x, C_SEND_ERR, OUTS_OF(i));
		i++;
	}
#undef OUTS_OF
}

static void
send_net(struct dp_ctx *x, size_t from, size_t to)
{
	enum dp_okind kind = x->out[from].kind;
	size_t first[DP_OUTS];
	size_t i, j, nm = 0, niov = 0, bytes, ctl;
	struct msghdr *mh;
	bool udp = kind == DPO_UDP4 || kind == DPO_UDP6, gso;
	int fd;

	switch (kind) {
	case DPO_UDP4:
		fd = x->udp4;
		break;
	case DPO_UDP6:
		fd = x->udp6;
		break;
	case DPO_RAW4:
		fd = dp.rawsend4;
		break;
	default:
		fd = dp.rawsend6;
		break;
	}
	if (fd == -1) {
		cnt_add(x, C_SEND_ERR, to - from);
		return;
	}
	gso = udp && dp.conf.offload && atomic_load_explicit(&dp.gso,
	    memory_order_relaxed);
	for (i = from; i < to; i = j) {
		mh = &x->smsg[nm].msg_hdr;
		memset(&x->smsg[nm], 0, sizeof(x->smsg[nm]));
		first[nm] = i;
		mh->msg_name = &x->out[i].to;
		mh->msg_namelen = x->out[i].tolen;
		mh->msg_iov = &x->siov[niov];
		x->siov[niov].iov_base = x->out[i].data;
		x->siov[niov].iov_len = x->out[i].len;
		niov++;
		bytes = x->out[i].len;
		j = i + 1;
		/*
		 * UDP GSO: datagrams of one size to one destination (the
		 * last may be shorter) leave in one send.
		 */
		if (gso && !x->out[i].big) {
			while (j < to && j - i < DP_GSO_SEGS &&
			    !x->out[j].big &&
			    bytes + x->out[j].len <= DP_GSO_BYTES &&
			    x->out[j].len <= x->out[i].len &&
			    x->out[j - 1].len == x->out[i].len &&
			    same_dest(&x->out[i], &x->out[j])) {
				x->siov[niov].iov_base = x->out[j].data;
				x->siov[niov].iov_len = x->out[j].len;
				niov++;
				bytes += x->out[j].len;
				j++;
			}
		}
		mh->msg_iovlen = j - i;
		ctl = 0;
		if (udp && x->out[i].src.af != AF_UNSPEC)
			ctl = put_pktinfo(x->sctl[nm], DP_CTLLEN,
			    &x->out[i].src);
		else
			memset(x->sctl[nm], 0, DP_CTLLEN);
		if (j - i > 1) {
			ctl = put_gso(x->sctl[nm], ctl, DP_CTLLEN,
			    (uint16_t)x->out[i].len);
			CNT(x, C_GSO_SENDS);
		}
		if (ctl > 0) {
			mh->msg_control = x->sctl[nm];
			mh->msg_controllen = ctl;
		}
		nm++;
	}
	send_msgs(x, fd, nm, first, to);
	cnt_add(x, C_NET_OUT, to - from);
}

/*
 * Write decrypted packets to the TUN device.  With offloads, runs of TCP
 * segments of one flow that follow each other are merged into one
 * super-packet first (GRO), so the kernel's stack handles one packet
 * instead of dozens.
 */
static void
send_tun(struct dp_ctx *x, size_t from, size_t to)
{
	struct dp_gro_key ka, kb;
	struct dp_vnet vh;
	struct dp_out *a, *b;
	size_t i, j, len, mss;
	uint32_t next;
	bool psh;
	ssize_t n;

	for (i = from; i < to; i = j) {
		a = &x->out[i];
		len = a->len;
		j = i + 1;
		memset(&vh, 0, sizeof(vh));
		if (dp.vnet && dp_gro_key(a->data, a->len, &ka) == 0 &&
		    ka.pay > 0) {
			mss = ka.pay;
			next = ka.seq + (uint32_t)ka.pay;
			psh = ka.psh;
			while (j < to && !psh) {
				b = &x->out[j];
				if (dp_gro_key(b->data, b->len, &kb) != 0 ||
				    kb.pay == 0 || kb.pay > mss ||
				    len + kb.pay > DP_MAXPKT ||
				    !dp_gro_can_merge(a->data, &ka, next,
				    b->data, &kb))
					break;
				memcpy(a->data + len, b->data + kb.hl, kb.pay);
				len += kb.pay;
				next += (uint32_t)kb.pay;
				psh = kb.psh;
				j++;
				/* Only the last may be shorter. */
				if (kb.pay < mss)
					break;
			}
			if (j > i + 1) {
				dp_gro_finish(a->data, len, &ka, psh, mss, &vh);
				cnt_add(x, C_GRO_MERGED, j - i);
			}
		}
		if (dp.vnet) {
			memcpy(a->data - DP_VNET_HDRLEN, &vh, DP_VNET_HDRLEN);
			n = write(x->tunfd, a->data - DP_VNET_HDRLEN,
			    len + DP_VNET_HDRLEN);
		} else
			n = write(x->tunfd, a->data, len);
		if (n == -1) {
			cnt_add(x, C_TUN_WRITE_ERR, j - i);
			dp_warn(x, "%s: write: %s", __func__, strerror(errno));
			continue;
		}
		cnt_add(x, C_TUN_OUT, j - i);
		cnt_add(x, C_TUN_OUT_BYTES, len);
	}
}

/* Send what the batch produced, in order within each destination kind. */
static void
flush_outs(struct dp_ctx *x)
{
	size_t i = 0, j;

	while (i < x->nout) {
		for (j = i + 1; j < x->nout && x->out[j].kind ==
		    x->out[i].kind; j++)
			;
		if (x->out[i].kind == DPO_TUN)
			send_tun(x, i, j);
		else
			send_net(x, i, j);
		i = j;
	}
	x->nout = 0;
}

/* ------------------------------------------------------------ outbound */

/* Queue the packet esp_output() left in o->slot for the network. */
static void
emit(struct dp_ctx *x, struct dp_out *o, struct dp_sa *sa, size_t len,
    size_t espoff)
{
	uint16_t port;
	bool v4 = sa->dst.af == AF_INET;

	o->sadst = sa->dst;
	o->spi = sa->spi;
	if (sa->udp || !dp.conf.raw) {
		if (sa->satype == PFKEY_SATYPE_AH) {
			/* RFC 3948 encapsulates ESP only. */
			CNT(x, C_AH_NEEDS_RAW);
			return;
		}
		if (sa->udp)
			espoff += sizeof(struct udphdr);
		if (espoff >= len) {
			CNT(x, C_OUT_ERR);
			return;
		}
		port = sa->udp && sa->dport != 0 ? sa->dport : dp.conf.port;
		o->kind = v4 ? DPO_UDP4 : DPO_UDP6;
		o->data = o->slot + DP_HEAD + espoff;
		o->len = len - espoff;
		o->tolen = to_sockaddr(&sa->dst, port, &o->to);
		if (!atomic_load_explicit(&sa->no_pktinfo,
		    memory_order_relaxed))
			o->src = sa->src;
	} else {
		o->kind = v4 ? DPO_RAW4 : DPO_RAW6;
		o->data = o->slot + DP_HEAD;
		o->len = len;
		o->tolen = to_sockaddr(&sa->dst, 0, &o->to);
	}
	x->nout++;
	CNT(x, C_ESP_OUT);
}

/*
 * Bypass: out through the raw socket with -R, otherwise dropped; `why'
 * counts the reason (C__MAX: the policy said none).
 */
static int
bypass(struct dp_ctx *x, const uint8_t *pkt, size_t len,
    const struct spd_flow *f, enum dp_cnt why)
{
	struct dp_out *o;

	if (why != C__MAX)
		CNT(x, why);
	if (!dp.conf.raw || len > DP_MAXPKT) {
		CNT(x, C_BYPASS_DROP);
		return (DPR_DROP);
	}
	o = out_next(x);
	memcpy(o->slot + DP_HEAD, pkt, len);
	o->kind = f->dst.af == AF_INET ? DPO_RAW4 : DPO_RAW6;
	o->data = o->slot + DP_HEAD;
	o->len = len;
	o->tolen = to_sockaddr(&f->dst, 0, &o->to);
	x->nout++;
	CNT(x, C_BYPASS);
	return (DPR_DONE);
}

/*
 * Multicast, broadcast and link-local packets belong to the TUN link
 * itself (IPv6 router solicitations, MLD and the like): they have no
 * meaning beyond it and are not the engine's to carry.
 */
static bool
link_scoped(const struct sad_addr *a)
{
	const uint8_t *b = a->a.b;

	if (a->af == AF_INET)
		return ((b[0] & 0xf0) == 0xe0 || (b[0] == 169 && b[1] == 254) ||
		    (b[0] == 255 && b[1] == 255 && b[2] == 255 && b[3] == 255));
	return (b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80));
}

/* The current source and destination of an IP packet. */
static void
pkt_addrs(const uint8_t *p, struct sad_addr *s, struct sad_addr *d)
{
	memset(s, 0, sizeof(*s));
	memset(d, 0, sizeof(*d));
	if ((p[0] >> 4) == 4) {
		s->af = d->af = AF_INET;
		s->plen = d->plen = 32;
		memcpy(&s->a.v4, p + 12, 4);
		memcpy(&d->a.v4, p + 16, 4);
	} else {
		s->af = d->af = AF_INET6;
		s->plen = d->plen = 128;
		memcpy(&s->a.v6, p + 8, 16);
		memcpy(&d->a.v6, p + 24, 16);
	}
}

/* What the outbound policy says about a flow. */
enum dp_what { DPP_PROTECT, DPP_BYPASS, DPP_DROP, DPP_HOLD };

struct dp_plan {
	enum dp_what	 what;
	enum dp_cnt	 why;		/* the counter of a drop or bypass */
	uint32_t	 policy;	/* DPP_HOLD */
	struct spd_flow	 f;
	size_t		 n;
	struct dp_sa	*chain[SPD_MAXREQ];	/* innermost first */
};

/*
 * The outbound policy's decision for a packet read from the TUN device
 * (a complete IP packet): once per packet, or once for all the segments
 * of a TCP super-packet, which share their flow.  Posts the ACQUIREs of
 * missing SAs (not for a held packet tried again).  Must hold the read
 * lock (or be the event loop); the plan is good until it is released.
 */
static void
plan(struct dp_ctx *x, const uint8_t *pkt, size_t len, int flags,
    struct dp_plan *p)
{
	const struct spd_request *r;
	const struct spd_entry *sp;
	struct sad_addr cs, cd;
	uint8_t satype;
	size_t l4, i;

	p->n = 0;
	p->why = C__MAX;
	if (dp_flow_parse(pkt, len, &p->f, &l4) != 0) {
		p->what = DPP_DROP;
		p->why = C_NOT_IP;
		return;
	}
	if (link_scoped(&p->f.dst) || link_scoped(&p->f.src)) {
		p->what = DPP_DROP;
		p->why = C_LINK_LOCAL;
		return;
	}
	if ((sp = spd_match(dp.spd, PFKEY_DIR_OUTBOUND, &p->f)) == NULL) {
		p->what = DPP_BYPASS;
		p->why = C_NO_POLICY;
		return;
	}
	switch (sp->action) {
	case PFKEY_POLICY_IPSEC:
		break;
	case PFKEY_POLICY_NONE:
		p->what = DPP_BYPASS;
		return;
	default:
		p->what = DPP_DROP;
		p->why = C_DISCARD;
		return;
	}
	/* The SAs of the bundle, innermost first (RFC 4301 4.5). */
	pkt_addrs(pkt, &cs, &cd);
	for (i = 0; i < sp->nreq; i++) {
		r = &sp->req[i];
		satype = (uint8_t)pfkey_ipproto_to_satype(r->proto);
		if (r->mode == PFKEY_MODE_TUNNEL) {
			if (r->src.af == AF_UNSPEC || r->dst.af == AF_UNSPEC) {
				p->what = DPP_DROP;
				p->why = C_UNSUPPORTED;
				return;
			}
			addr_key(&cs, &r->src);
			addr_key(&cd, &r->dst);
		}
		if (satype != PFKEY_SATYPE_ESP && satype != PFKEY_SATYPE_AH) {
			/* IPComp is not in the engine: optional only. */
			if (r->level == PFKEY_LEVEL_USE)
				continue;
			p->what = DPP_DROP;
			p->why = C_UNSUPPORTED;
			return;
		}
		p->chain[p->n] = sa_out(&cs, &cd, satype, r->mode,
		    r->level == PFKEY_LEVEL_UNIQUE || r->reqid != 0 ?
		    r->reqid : 0);
		if (p->chain[p->n] != NULL) {
			p->n++;
			continue;
		}
		if (!(flags & DPF_RETRY))
			post_acquire(x, sp->id, &p->f, satype);
		if (r->level == PFKEY_LEVEL_USE)
			continue;	/* "use": on without it */
		p->what = DPP_HOLD;
		p->policy = sp->id;
		return;
	}
	p->what = p->n > 0 ? DPP_PROTECT : DPP_BYPASS;
}

/* --------------------------------------------------------------- sizes */

/*
 * Packets larger than the path (sadbd(8), MTU).  How much each SA adds
 * is known (dp_ovh); the path MTU is the kernel's, asked through a
 * connected datagram socket when a packet first needs it and again each
 * second while large packets flow (which picks up what ICMP taught the
 * kernel).  An inner packet that must not be fragmented and does not
 * fit is dropped, and its sender told the inner MTU by an ICMP error
 * written into the TUN device; one that may be fragmented is protected
 * whole and the outer packet cut: by the kernel behind a UDP socket,
 * here for a raw one (the kernel does not cut packets whose header the
 * sender wrote).
 */

/*
 * ICMP errors a second and at once: the long-standing defaults of Linux's
 * global ICMP limit (which Linux does not apply to these).
 */
#define DP_ICMP_PPS		1000
#define DP_ICMP_BURST		50
/* Pieces a reassembled datagram is cut into again, at most. */
#define DP_MAXPIECES		160
#define DP_IP4_MAXHDR		60

/* Outputs one packet of len bytes may take (with -R: its fragments). */
static size_t
out_need(size_t len)
{
	return (dp.conf.raw ? dp_frag_room(len) : 1);
}

/* The path MTU to an SA's peer (0: unknown), asked now if never before. */
static size_t
sa_pmtu(struct dp_sa *sa)
{
	uint32_t m = atomic_load_explicit(&sa->pmtu, memory_order_relaxed);

	if (m == 0) {
		(void)pthread_mutex_lock(&dp.pmtulock);
		m = dp_pmtu_query(sa->dst.af == AF_INET ? dp.pmtufd4 :
		    dp.pmtufd6, &sa->dst);
		(void)pthread_mutex_unlock(&dp.pmtulock);
		if (m < DP_IP4_MINMTU)
			m = 1;
		atomic_store_explicit(&sa->pmtu, m, memory_order_relaxed);
	}
	return (m > 1 ? m : 0);
}

/*
 * Where an ICMP error about an inner packet comes from.  Not from a
 * local address: written into the TUN device, it arrives from outside,
 * and the kernel drops packets from its own addresses as martians.  The
 * peer's end of the (first) tunnel when it is of the inner family, as
 * the next hop that cannot take the packet; otherwise (transport mode,
 * an IPv6 tunnel over IPv4 or the reverse) the address the packet was
 * for.
 */
static void
icmp_source(const struct dp_plan *p, const uint8_t *pkt,
    struct sad_addr *src)
{
	struct sad_addr s, d;
	size_t i;

	pkt_addrs(pkt, &s, &d);
	*src = d;
	for (i = 0; i < p->n; i++)
		if (p->chain[i]->mode == PFKEY_MODE_TUNNEL) {
			if (p->chain[i]->dst.af == s.af)
				addr_key(src, &p->chain[i]->dst);
			break;
		}
}

/* Tell the sender of pkt its MTU: an ICMP error into the TUN device. */
static void
too_big(struct dp_ctx *x, const struct dp_plan *p, const uint8_t *pkt,
    size_t len, size_t mtu)
{
	struct sad_addr src;
	struct dp_out *o;
	size_t n;

	CNT(x, C_TOO_BIG);
	icmp_source(p, pkt, &src);
	o = out_next(x);
	n = dp_icmp_too_big(o->slot + DP_HEAD, DP_SLOT - DP_HEAD, pkt, len,
	    &src, (uint32_t)mtu);
	if (n == 0)
		return;			/* no error about this one */
	if (!dp_rate_take(&dp.icmp_rate, mono_ms())) {
		CNT(x, C_ICMP_LIMITED);
		return;
	}
	o->kind = DPO_TUN;
	o->data = o->slot + DP_HEAD;
	o->len = n;
	x->nout++;
	CNT(x, (pkt[0] >> 4) == 4 ? C_ICMP_FRAG_NEEDED : C_ICMP6_TOO_BIG);
}

/*
 * Before protecting: DPR_DONE, or DPR_TOO_BIG when the packet may not
 * go (its sender is told).  Must have room for one more output.
 */
static int
size_check(struct dp_ctx *x, const struct dp_plan *p, const uint8_t *pkt,
    size_t len)
{
	const struct dp_ovh *c[SPD_MAXREQ];
	struct dp_sa *last = p->chain[p->n - 1];
	size_t i, wire, report, pmtu;
	int d;

	for (i = 0; i < p->n; i++)
		c[i] = &p->chain[i]->ovh;
	pmtu = sa_pmtu(last);
	d = dp_mtu_decide(pkt, len, c, p->n, last->udp || !dp.conf.raw, pmtu,
	    x->fragmax != 0, &wire, &report);
	/* Large packets: the path MTU is worth a look each second. */
	if (wire >= (last->dst.af == AF_INET ? 576 : DP_IP6_MINMTU) &&
	    !atomic_load_explicit(&last->pmtu_used, memory_order_relaxed))
		atomic_store_explicit(&last->pmtu_used, true,
		    memory_order_relaxed);
	if (d != DP_MTU_TOO_BIG)
		return (DPR_DONE);
	too_big(x, p, pkt, len, report);
	return (DPR_TOO_BIG);
}

/*
 * Cut the raw packet of output o, the last one queued, into fragments
 * of at most mtu bytes, queued after it (dropped if there is no room).
 */
static void
frag_out(struct dp_ctx *x, struct dp_out *o, size_t mtu)
{
	uint8_t *bufs[DP_OUTS], *first = o->data;
	size_t lens[DP_OUTS], room = DP_OUTS - x->nout, k;
	struct dp_out *f;
	int n;

	for (k = 0; k < room; k++)
		bufs[k] = x->outmem + (x->nout + k) * DP_SLOT + DP_HEAD;
	if (o->kind == DPO_RAW4)
		n = dp_frag4(o->data, o->len, mtu, (uint16_t)arc4random(),
		    bufs, DP_SLOT - DP_HEAD, room, lens);
	else
		n = dp_frag6(o->data, o->len, mtu, arc4random(), bufs,
		    DP_SLOT - DP_HEAD, room, lens, &first);
	if (n < 2) {
		CNT(x, C_FRAG_FAIL);
		x->nout--;
		return;
	}
	o->data = first;
	o->len = lens[0];
	for (k = 1; k < (size_t)n; k++) {
		f = &x->out[x->nout];
		*f = *o;
		f->slot = x->outmem + x->nout * DP_SLOT;
		f->data = bufs[k - 1];
		f->len = lens[k];
		x->nout++;
	}
	CNT(x, C_FRAGMENTED);
	cnt_add(x, C_FRAGMENTS, (uint64_t)n);
}

/*
 * After protecting: a packet larger than the path is cut, by the kernel
 * (a UDP socket, the datagram kept out of GSO batches) or here (raw).
 */
static void
size_out(struct dp_ctx *x, struct dp_out *o, struct dp_sa *sa)
{
	size_t pmtu = sa_pmtu(sa), wire = o->len;

	if (o->kind == DPO_UDP4)
		wire += 20 + 8;
	else if (o->kind == DPO_UDP6)
		wire += 40 + 8;
	if (pmtu == 0 || wire <= pmtu)
		return;
	if (o->kind == DPO_RAW4 || o->kind == DPO_RAW6) {
		frag_out(x, o, pmtu);
		return;
	}
	o->big = true;
	CNT(x, C_FRAGMENTED);
}

/*
 * Carry out a plan for one packet.  Must hold the read lock (or be the
 * event loop) and have room for one more output.
 */
static int
apply(struct dp_ctx *x, const struct dp_plan *p, const uint8_t *pkt,
    size_t len, int flags)
{
	struct dp_out *o;
	const uint8_t *cur;
	uint8_t *dst;
	size_t i, curlen, olen = 0, espoff = 0;
	int rc, sq;

	switch (p->what) {
	case DPP_DROP:
		CNT(x, p->why);
		return (DPR_DROP);
	case DPP_BYPASS:
		return (bypass(x, pkt, len, &p->f, p->why));
	case DPP_HOLD:
		if (!(flags & DPF_RETRY))
			hold(x, p->policy, pkt, len);
		return (DPR_HOLD);
	case DPP_PROTECT:
		break;
	}
	if ((rc = size_check(x, p, pkt, len)) != DPR_DONE)
		return (rc);
	cur = pkt;
	curlen = len;
	o = out_next(x);
	for (i = 0; i < p->n; i++) {
		dst = i + 1 == p->n ? o->slot + DP_HEAD :
		    x->stage + (i % 2) * DP_SLOT + DP_HEAD;
		/* Only numbers the journal holds (dp_seq.c). */
		if ((sq = dp_seq_take(p->chain[i]->seq)) != DP_SEQ_OK) {
			if (sq & DP_SEQ_ASK)
				post_sa(x, p->chain[i], DPE_SEQ, 0);
			if (sq & DP_SEQ_WAIT) {
				CNT(x, C_SEQ_WAIT);
				/* A held packet waits on; others go. */
				return ((flags & DPF_RETRY) ? DPR_HOLD :
				    DPR_DROP);
			}
		}
		rc = esp_output(p->chain[i]->esa, cur, curlen, dst,
		    DP_SLOT - DP_HEAD, &olen, &espoff);
		touch(x, p->chain[i]);
		if (rc != 0) {
			if (rc == ESP_E_SEQOVF || rc == ESP_E_EXPIRED)
				sa_dead(x, p->chain[i]);
			else
				dp_warn(x, "%s: SA 0x%08x: %s", __func__,
				    p->chain[i]->spi, esp_strerror(rc));
			CNT(x, C_OUT_ERR);
			return (DPR_DROP);
		}
		cur = dst;
		curlen = olen;
	}
	emit(x, o, p->chain[p->n - 1], olen, espoff);
	if (x->nout > 0 && o == &x->out[x->nout - 1])
		size_out(x, o, p->chain[p->n - 1]);
	return (DPR_DONE);
}

/* One packet from the TUN device (a complete IP packet, checksums done). */
static int
dp_output(struct dp_ctx *x, const uint8_t *pkt, size_t len, int flags)
{
	struct dp_plan p;

	plan(x, pkt, len, flags, &p);
	return (apply(x, &p, pkt, len, flags));
}

/*
 * A datagram reassembled from the host's fragments, the largest of them
 * fragmax bytes.  Transport mode protects it whole (it cannot carry
 * fragments, RFC 4301 7), and the outer packet is fragmented.  Through
 * a tunnel, or unprotected, it leaves in pieces no larger than it came,
 * each protected on its own, as Linux sends on what its connection
 * tracking reassembled: the far end has nothing larger to deliver than
 * the host sent (an IPv6 router could not cut it).  Holds the read lock
 * (worker) or is the event loop.
 */
static int
output_reasm(struct dp_ctx *x, const uint8_t *pkt, size_t len,
    size_t fragmax, int flags, bool worker)
{
	struct dp_plan p;
	uint8_t *mem, *first, *bufs[DP_MAXPIECES];
	size_t lens[DP_MAXPIECES + 1], i, hl, chunk, npc, cap, total;
	int n, rc = DPR_DONE;

	plan(x, pkt, len, flags, &p);
	if (len <= fragmax || (p.what != DPP_BYPASS &&
	    (p.what != DPP_PROTECT || p.chain[0]->mode != PFKEY_MODE_TUNNEL))) {
		x->fragmax = fragmax;
		rc = apply(x, &p, pkt, len, flags);
		x->fragmax = 0;
		return (rc);
	}
	hl = (pkt[0] >> 4) == 4 ? DP_IP4_MAXHDR : dp_ip6_unfrag(pkt, len,
	    NULL) + 8;
	chunk = fragmax > hl + 8 ? (fragmax - hl) & ~(size_t)7 : 0;
	npc = chunk == 0 ? 0 : len / chunk + 2;
	cap = fragmax + 8;
	if (npc == 0 || npc > DP_MAXPIECES ||
	    (mem = malloc(8 + len + npc * cap)) == NULL) {
		CNT(x, C_FRAG_FAIL);
		return (DPR_DROP);
	}
	total = 8 + len + npc * cap;
	memcpy(mem + 8, pkt, len);
	for (i = 0; i < npc; i++)
		bufs[i] = mem + 8 + len + i * cap;
	first = mem + 8;
	if ((pkt[0] >> 4) == 4) {
		mem[8 + 6] &= 0xbf;		/* DF: cut it was */
		n = dp_frag4(mem + 8, len, fragmax, (uint16_t)arc4random(),
		    bufs, cap, npc, lens);
	} else
		n = dp_frag6(mem + 8, len, fragmax, arc4random(), bufs, cap,
		    npc, lens, &first);
	if (n < 2) {
		CNT(x, C_FRAG_FAIL);
		rc = DPR_DROP;
		goto out;
	}
	for (i = 0; i < (size_t)n; i++) {
		if (x->nout + out_need(lens[i]) > DP_OUTS) {
			if (worker) {
				/* No SA pointer outlives the lock. */
				touched_events(x);
				rdunlock();
				flush_outs(x);
				rdlock();
				plan(x, first, lens[0], flags | DPF_RETRY, &p);
			} else
				flush_outs(x);
		}
		(void)apply(x, &p, i == 0 ? first : bufs[i - 1], lens[i],
		    flags);
	}
out:
	explicit_bzero(mem, total);
	free(mem);
	return (rc);
}

/*
 * A whole packet from the TUN device.  A fragment waits for the rest of
 * its datagram, which is then looked up as one packet, with its ports
 * (output_reasm()).  Holds the read lock.
 */
static void
tun_one(struct dp_ctx *x, const uint8_t *buf, size_t len)
{
	struct dp_reasm_out r;
	int rc;

	if (!dp_is_fragment(buf, len)) {
		(void)dp_output(x, buf, len, 0);
		return;
	}
	CNT(x, C_REASM_IN);
	rc = dp_reasm_add(dp.reasm, buf, len, mono_ms(), &r);
	cnt_add(x, C_REASM_DROP, r.dropped + (rc == DP_REASM_DROP));
	if (rc != DP_REASM_DONE)
		return;
	CNT(x, C_REASM_DONE);
	if (x->nout + out_need(r.len) > DP_OUTS) {
		/* No SA pointer outlives the lock. */
		touched_events(x);
		rdunlock();
		flush_outs(x);
		rdlock();
	}
	(void)output_reasm(x, r.buf + r.off, r.len, r.maxfrag, 0, true);
	dp_reasm_release(&r);
}

/*
 * A packet read from the TUN device: with offloads it starts with the
 * virtio header and may be a TCP super-packet to cut into segments, or
 * carry a checksum to finish.
 */
static void
tun_packet(struct dp_ctx *x, uint8_t *buf, size_t len)
{
	struct dp_vnet vh;
	struct dp_tso t;
	struct dp_plan p;
	size_t i, off, slen;
	int nseg;

	if (!dp.vnet) {
		CNT(x, C_TUN_IN);
		cnt_add(x, C_TUN_IN_BYTES, len);
		tun_one(x, buf, len);
		return;
	}
	if (len < DP_VNET_HDRLEN) {
		CNT(x, C_NOT_IP);
		return;
	}
	memcpy(&vh, buf, DP_VNET_HDRLEN);
	buf += DP_VNET_HDRLEN;
	len -= DP_VNET_HDRLEN;
	CNT(x, C_TUN_IN);
	cnt_add(x, C_TUN_IN_BYTES, len);
	switch (vh.gso_type & ~DP_VNET_GSO_ECN) {
	case DP_VNET_GSO_NONE:
		if ((vh.flags & DP_VNET_F_NEEDS_CSUM) &&
		    dp_csum_finish(buf, len, vh.csum_start,
		    vh.csum_offset) != 0) {
			CNT(x, C_NOT_IP);
			return;
		}
		tun_one(x, buf, len);
		return;
	case DP_VNET_GSO_TCPV4:
	case DP_VNET_GSO_TCPV6:
		nseg = dp_tso_init(&t, buf, len, vh.gso_size);
		if (nseg < 0 || nseg > DP_MAXSEG) {
			CNT(x, C_NOT_IP);
			return;
		}
		cnt_add(x, C_TSO_SEGS, (uint64_t)nseg);
		/* One flow: one policy decision for all the segments. */
		for (i = 0; i < (size_t)nseg; i++) {
			off = dp_tso_seg(&t, buf, i, &slen);
			if (i == 0)
				plan(x, buf + off, slen, 0, &p);
			/* Too big: the sender was told once; the rest go. */
			if (apply(x, &p, buf + off, slen, 0) == DPR_TOO_BIG) {
				cnt_add(x, C_TOO_BIG, (uint64_t)nseg - i - 1);
				break;
			}
		}
		return;
	default:
		CNT(x, C_UNSUPPORTED);
		return;
	}
}

/* How many outputs a packet read from the TUN device may produce. */
static size_t
tun_need(const uint8_t *buf, size_t len)
{
	if (dp.vnet && len >= DP_VNET_HDRLEN && buf[1] != DP_VNET_GSO_NONE)
		return (dp.conf.raw ? 2 * DP_MAXSEG : DP_MAXSEG);
	return (out_need(len));
}

static void
tun_batch(struct dp_ctx *x)
{
	size_t lens[DP_BATCH], n = 0, i = 0, bytes = 0;
	ssize_t r;

	while (n < DP_BATCH && bytes < DP_TUN_BATCH_BYTES) {
		r = read(x->tunfd, x->inmem + n * DP_SLOT + DP_HEAD,
		    DP_SLOT - DP_HEAD);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		lens[n++] = (size_t)r;
		bytes += (size_t)r;
	}
	while (i < n) {
		rdlock();
		for (; i < n; i++) {
			if (x->nout + tun_need(x->inmem + i * DP_SLOT +
			    DP_HEAD, lens[i]) > DP_OUTS)
				break;
			tun_packet(x, x->inmem + i * DP_SLOT + DP_HEAD,
			    lens[i]);
		}
		touched_events(x);
		rdunlock();
		flush_outs(x);
	}
}

/* ------------------------------------------------------------- inbound */

/* Whether request r of an inbound policy is what SA sa did. */
static bool
req_is_sa(const struct spd_request *r, const struct dp_sa *sa)
{
	if (pfkey_ipproto_to_satype(r->proto) != sa->satype)
		return (false);
	if ((r->mode == PFKEY_MODE_TUNNEL) != (sa->mode == PFKEY_MODE_TUNNEL))
		return (false);
	if (r->mode == PFKEY_MODE_TUNNEL &&
	    ((r->src.af != AF_UNSPEC && sad_addr_cmp(&r->src, &sa->src)) ||
	    (r->dst.af != AF_UNSPEC && sad_addr_cmp(&r->dst, &sa->dst))))
		return (false);
	if (r->reqid != 0 && r->reqid != sa->reqid)
		return (false);
	return (true);
}

/*
 * RFC 4301 5.2: a packet that came through SAs (applied[0] the
 * outermost) must match an ipsec policy whose bundle asks for them;
 * "use" requests may be missing.
 */
static bool
in_policy_ok(const struct spd_entry *sp, struct dp_sa *const *applied,
    size_t n)
{
	size_t i, k = 0;

	if (sp == NULL || sp->action != PFKEY_POLICY_IPSEC)
		return (false);
	for (i = 0; i < sp->nreq; i++) {
		if (k < n && req_is_sa(&sp->req[i], applied[n - 1 - k])) {
			k++;
			continue;
		}
		if (sp->req[i].level == PFKEY_LEVEL_USE)
			continue;
		return (false);
	}
	return (k == n);
}

static enum dp_cnt
in_err_cnt(int rc)
{
	switch (rc) {
	case ESP_E_TRUNC:
		return (C_IN_TRUNC);
	case ESP_E_PROTO:
	case ESP_E_SPI:
		return (C_IN_PROTO);
	case ESP_E_REPLAY:
		return (C_IN_REPLAY);
	case ESP_E_AUTH:
		return (C_IN_AUTH);
	case ESP_E_PAD:
		return (C_IN_PAD);
	case ESP_E_NEXTHDR:
		return (C_IN_NEXTHDR);
	case ESP_E_EXPIRED:
		return (C_IN_EXPIRED);
	default:
		return (C_IN_OTHER);
	}
}

/*
 * A received ESP/AH packet, outer IP header first (sa: its SA if the
 * caller found it already).  Must hold the read lock and have room for
 * one more output.
 */
static void
dp_input(struct dp_ctx *x, const uint8_t *pkt, size_t len, struct dp_sa *sa)
{
	struct dp_sa *applied[4];
	const struct spd_entry *sp;
	struct esp_pkt_id id;
	struct spd_flow f;
	struct dp_out *o;
	const uint8_t *cur = pkt;
	uint8_t *dst;
	size_t n = 0, curlen = len, olen = 0, l4;
	int rc;

	o = out_next(x);
	for (;;) {
		if (sa == NULL) {
			if (esp_packet_spi(cur, curlen, &id) != 0) {
				if (n > 0)
					break;	/* a plain inner packet */
				CNT(x, C_BAD_HEADER);
				return;
			}
			sa = sa_in(&id.dst, id.proto == IPPROTO_AH ?
			    PFKEY_SATYPE_AH : PFKEY_SATYPE_ESP, id.spi);
			if (sa == NULL) {
				if (n > 0)
					break;	/* ESP for someone else */
				CNT(x, C_BAD_SPI);
				return;
			}
		}
		if (n == nitems(applied)) {
			CNT(x, C_UNSUPPORTED);
			return;
		}
		dst = n % 2 == 0 ? o->slot + DP_HEAD :
		    x->stage + DP_HEAD;
		rc = esp_input(sa->esa, cur, curlen, dst, DP_SLOT - DP_HEAD -
		    DP_HEAD, &olen);
		touch(x, sa);
		if (rc != 0) {
			CNT(x, in_err_cnt(rc));
			if (rc == ESP_E_EXPIRED)
				sa_dead(x, sa);
			return;
		}
		applied[n++] = sa;
		cur = dst;
		curlen = olen;
		sa = NULL;
		if (olen == 0) {
			/* A dummy packet (RFC 4303 2.6): valid, not for us. */
			CNT(x, C_ESP_IN);
			return;
		}
		/* A bundle (AH around ESP, nested tunnels): unwrap on. */
		if (!((cur[0] >> 4) == 4 && olen >= 20 &&
		    (cur[9] == IPPROTO_ESP || cur[9] == IPPROTO_AH)) &&
		    !((cur[0] >> 4) == 6 && olen >= 40 &&
		    (cur[6] == IPPROTO_ESP || cur[6] == IPPROTO_AH)))
			break;
	}
	CNT(x, C_ESP_IN);
	if (dp_flow_parse(cur, curlen, &f, &l4) != 0) {
		CNT(x, C_IN_POLICY);
		return;
	}
	sp = spd_match(dp.spd, PFKEY_DIR_INBOUND, &f);
	if (!in_policy_ok(sp, applied, n)) {
		/* A gateway's forwarded traffic may have a fwd policy. */
		sp = spd_match(dp.spd, PFKEY_DIR_FWD, &f);
		if (!in_policy_ok(sp, applied, n)) {
			CNT(x, C_IN_POLICY);
			return;
		}
	}
	if (cur != o->slot + DP_HEAD)
		memcpy(o->slot + DP_HEAD, cur, curlen);
	o->kind = DPO_TUN;
	o->data = o->slot + DP_HEAD;
	o->len = curlen;
	x->nout++;
}

static struct sad_addr *
from_sockaddr(const struct sockaddr_storage *ss, struct sad_addr *a,
    uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->af = AF_INET;
		a->plen = 32;
		a->a.v4 = sin->sin_addr;
		*port = ntohs(sin->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		a->af = AF_INET6;
		a->plen = 128;
		a->a.v6 = sin6->sin6_addr;
		*port = ntohs(sin6->sin6_port);
	} else
		return (NULL);
	return (a);
}

/* The destination address of a received datagram (IP_PKTINFO). */
static bool
pktinfo_dst(struct msghdr *mh, int af, struct sad_addr *d)
{
	struct cmsghdr *cm;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;

	memset(d, 0, sizeof(*d));
	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (af == AF_INET && cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi))) {
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			d->af = AF_INET;
			d->plen = 32;
			d->a.v4 = pi.ipi_addr;
			return (true);
		}
		if (af == AF_INET6 && cm->cmsg_level == IPPROTO_IPV6 &&
		    cm->cmsg_type == IPV6_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(pi6))) {
			memcpy(&pi6, CMSG_DATA(cm), sizeof(pi6));
			d->af = AF_INET6;
			d->plen = 128;
			d->a.v6 = pi6.ipi6_addr;
			return (true);
		}
	}
	return (false);
}

/* The size of the datagrams UDP GRO coalesced (0: one datagram). */
static size_t
gro_size(struct msghdr *mh)
{
	struct cmsghdr *cm;
	int v;

	for (cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm))
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(v))) {
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			return (v > 0 ? (size_t)v : 0);
		}
	return (0);
}

/*
 * An IPv6 header in front of an AH payload received on a raw socket
 * (which strips it); esp_fake_outer() makes ESP headers.
 */
static long
fake_ip6_ah(uint8_t *buf, size_t headroom, size_t plen,
    const struct sad_addr *src, const struct sad_addr *dst)
{
	uint8_t *h;

	if (headroom < 40 || plen > 0xffff)
		return (-1);
	h = buf + headroom - 40;
	memset(h, 0, 40);
	h[0] = 0x60;
	h[4] = (uint8_t)(plen >> 8);
	h[5] = (uint8_t)plen;
	h[6] = IPPROTO_AH;
	h[7] = 64;
	memcpy(h + 8, &src->a.v6, 16);
	memcpy(h + 24, &dst->a.v6, 16);
	return ((long)(headroom - 40));
}

/*
 * One datagram's payload from the UDP socket at buf + DP_HEAD (plen
 * bytes; what precedes it may be overwritten).
 */
static void
udp_payload(struct dp_ctx *x, uint8_t *buf, size_t plen,
    const struct sad_addr *src, uint16_t sport, const struct sad_addr *dst)
{
	const uint8_t *p = buf + DP_HEAD;
	struct dp_sa *sa;
	long off;

	CNT(x, C_NET_IN);
	if (plen == 1 && p[0] == ESP_NATT_KEEPALIVE) {
		CNT(x, C_KEEPALIVE);		/* RFC 3948 2.3: no answer */
		return;
	}
	if (plen >= 4 && get32(p) == 0) {
		/* Non-ESP marker: IKE's, for the relay (-K) if there is one. */
		if (!relay_deliver(src, sport, dst, p, plen))
			CNT(x, C_IKE);
		return;
	}
	if (plen < 8) {
		CNT(x, C_BAD_HEADER);
		return;
	}
	sa = sa_in(dst, PFKEY_SATYPE_ESP, get32(p));
	if (sa == NULL) {
		CNT(x, C_BAD_SPI);
		return;
	}
	/*
	 * The engine sees what the kernel would have: UDP-encapsulated ESP
	 * for an SA with NAT-T, plain ESP for one without.
	 */
	off = esp_fake_outer(buf, DP_HEAD, plen, src, dst,
	    sa->udp ? sport : 0, sa->udp ? dp.conf.port : 0);
	if (off < 0) {
		CNT(x, C_BAD_HEADER);
		return;
	}
	dp_input(x, buf + off, plen + DP_HEAD - (size_t)off, sa);
}

/*
 * One recvmmsg(2) of up to DP_BATCH datagrams into the worker's input
 * slots, each with DP_HEAD bytes of headroom (for esp_fake_outer()) and
 * room for its control messages.  Returns the count, or <= 0.
 */
static int
rx_batch(struct dp_ctx *x, int fd)
{
	size_t k;

	for (k = 0; k < DP_BATCH; k++) {
		memset(&x->rmsg[k].msg_hdr, 0, sizeof(struct msghdr));
		x->riov[k].iov_base = x->inmem + k * DP_SLOT + DP_HEAD;
		x->riov[k].iov_len = DP_SLOT - DP_HEAD;
		x->rmsg[k].msg_hdr.msg_iov = &x->riov[k];
		x->rmsg[k].msg_hdr.msg_iovlen = 1;
		x->rmsg[k].msg_hdr.msg_name = &x->rname[k];
		x->rmsg[k].msg_hdr.msg_namelen = sizeof(x->rname[k]);
		x->rmsg[k].msg_hdr.msg_control = x->rctl[k];
		x->rmsg[k].msg_hdr.msg_controllen = DP_CTLLEN;
	}
	return (recvmmsg(fd, x->rmsg, DP_BATCH, MSG_DONTWAIT, NULL));
}

static void
udp_batch(struct dp_ctx *x, int fd, int af)
{
	struct sad_addr src, dst;
	struct msghdr *mh;
	uint16_t sport;
	size_t i = 0, len, gs, off;
	uint8_t *buf;
	int n;

	n = rx_batch(x, fd);
	if (n <= 0)
		return;
	while (i < (size_t)n) {
		rdlock();
		for (; i < (size_t)n; i++) {
			mh = &x->rmsg[i].msg_hdr;
			len = x->rmsg[i].msg_len;
			gs = dp.conf.offload ? gro_size(mh) : 0;
			if (gs == 0 || gs >= len)
				gs = len;
			if (x->nout > 0 &&
			    x->nout + (len + gs - 1) / gs > DP_OUTS)
				break;
			if (from_sockaddr(&x->rname[i], &src, &sport) ==
			    NULL || !pktinfo_dst(mh, af, &dst) ||
			    (mh->msg_flags & MSG_TRUNC)) {
				CNT(x, C_BAD_HEADER);
				continue;
			}
			buf = x->inmem + i * DP_SLOT;
			/*
			 * GRO: datagrams of gs bytes one after the other;
			 * each gets its outer header written over the end
			 * of the one before, which is done with by then.
			 */
			for (off = 0; off < len; off += gs) {
				if (x->nout == DP_OUTS) {
					/* No SA pointer outlives the lock. */
					touched_events(x);
					rdunlock();
					flush_outs(x);
					rdlock();
				}
				udp_payload(x, buf + off, len - off < gs ?
				    len - off : gs, &src, sport, &dst);
			}
		}
		touched_events(x);
		rdunlock();
		flush_outs(x);
	}
}

/*
 * The ICMP errors about our ESP and AH that an IPv6 raw socket queued
 * (IPV6_RECVERR, without which it takes no Packet Too Big to heart):
 * read them, and when one says Packet Too Big let the event loop ask
 * for the path MTUs again.
 */
static void
raw_errors(int fd)
{
#ifdef __linux__
	uint8_t buf[64], ctl[256];
	struct sock_extended_err ee;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	int n;

	for (n = 0; n < DP_BATCH; n++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl;
		mh.msg_controllen = sizeof(ctl);
		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			break;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR &&
			    cm->cmsg_len >= CMSG_LEN(sizeof(ee))) {
				memcpy(&ee, CMSG_DATA(cm), sizeof(ee));
				if (ee.ee_origin == SO_EE_ORIGIN_ICMP6 &&
				    ee.ee_type == 2)
					atomic_store(&dp.pmtu_stale, true);
			}
	}
#else
	(void)fd;
#endif
}

/* ESP or AH from a raw socket (idx: ESP4 AH4 ESP6 AH6). */
static void
raw_batch(struct dp_ctx *x, int idx)
{
	struct sad_addr src, dst;
	struct msghdr *mh;
	uint16_t port;
	size_t i = 0, len;
	uint8_t *buf;
	long off;
	int n, fd = x->rawin[idx];
	bool v6 = idx >= 2;

	n = rx_batch(x, fd);
	if (n <= 0)
		return;
	while (i < (size_t)n) {
		rdlock();
		for (; i < (size_t)n && x->nout < DP_OUTS; i++) {
			mh = &x->rmsg[i].msg_hdr;
			len = x->rmsg[i].msg_len;
			buf = x->inmem + i * DP_SLOT;
			CNT(x, C_NET_IN);
			if (mh->msg_flags & MSG_TRUNC) {
				CNT(x, C_BAD_HEADER);
				continue;
			}
			if (!v6) {
				/* IPv4 raw sockets deliver the IP header. */
				dp_input(x, buf + DP_HEAD, len, NULL);
				continue;
			}
			if (from_sockaddr(&x->rname[i], &src, &port) ==
			    NULL || !pktinfo_dst(mh, AF_INET6, &dst)) {
				CNT(x, C_BAD_HEADER);
				continue;
			}
			off = idx == 3 ? fake_ip6_ah(buf, DP_HEAD, len, &src,
			    &dst) : esp_fake_outer(buf, DP_HEAD, len, &src,
			    &dst, 0, 0);
			if (off < 0) {
				CNT(x, C_BAD_HEADER);
				continue;
			}
			dp_input(x, buf + off, len + DP_HEAD - (size_t)off,
			    NULL);
		}
		touched_events(x);
		rdunlock();
		flush_outs(x);
	}
}

/* -------------------------------------------------------------- workers */

static void *
worker_main(void *arg)
{
	struct dp_worker *w = arg;
	struct dp_ctx *x = &w->x;
	struct pollfd pfd[9];
	int what[9];
	size_t np = 0, i;
	int k;

	pfd[np].fd = dp.stopfd;
	what[np++] = -1;
	pfd[np].fd = x->tunfd;
	what[np++] = 0;
	if (x->udp4 != -1) {
		pfd[np].fd = x->udp4;
		what[np++] = 1;
	}
	if (x->udp6 != -1) {
		pfd[np].fd = x->udp6;
		what[np++] = 2;
	}
	for (k = 0; k < 4; k++)
		if (x->rawin[k] != -1) {
			pfd[np].fd = x->rawin[k];
			what[np++] = 3 + k;
		}
	for (i = 0; i < np; i++)
		pfd[i].events = POLLIN;

	while (!atomic_load_explicit(&dp.stop, memory_order_relaxed)) {
		if (poll(pfd, np, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: worker %u: poll", __func__, x->idx);
			break;
		}
		for (i = 0; i < np; i++) {
			if ((pfd[i].revents & (POLLERR | POLLHUP | POLLNVAL)) &&
			    !(pfd[i].revents & POLLIN) && what[i] == 0) {
				/* The device went away under us. */
				log_warnx("%s: worker %u: TUN device %s gone; "
				    "no more packets from it", __func__,
				    x->idx, dp.conf.ifname);
				pfd[i].fd = -1;
				continue;
			}
			if (!(pfd[i].revents & (POLLIN | POLLERR)))
				continue;
			switch (what[i]) {
			case -1:
				break;
			case 0:
				tun_batch(x);
				break;
			case 1:
				udp_batch(x, x->udp4, AF_INET);
				break;
			case 2:
				udp_batch(x, x->udp6, AF_INET6);
				break;
			default:
				if (pfd[i].revents & POLLERR)
					raw_errors(pfd[i].fd);
				raw_batch(x, what[i] - 3);
				break;
			}
		}
	}
	return (NULL);
}

/* ------------------------------------------------------- the event loop */

/* Bytes the engine counted on an SA: lifetimes count both directions. */
static uint64_t
sa_bytes(const struct dp_sa *sa)
{
	struct esp_counters c;

	esp_sa_counters(sa->esa, &c);
	return (c.out_bytes + c.in_bytes);
}

/* Give the SAD the engine's bytes of one SA (may expire and delete it). */
static void
sync_one(const struct sad_addr *dst, uint8_t satype, uint32_t spi,
    bool kill)
{
	struct sad_entry *e;
	struct sad_addr d;
	struct dp_sa *sa;
	uint64_t total;

	addr_key(&d, dst);
	if ((sa = sa_in(&d, satype, spi)) == NULL)
		return;
	total = sa_bytes(sa);
	if ((e = sad_lookup(dp.sad, &d, satype, spi)) == NULL)
		return;
	if (total > sa->accounted) {
		server_sa_account(e, total - sa->accounted);
		/* The accounting may have deleted both. */
		if ((sa = sa_in(&d, satype, spi)) != NULL)
			sa->accounted = total;
		if ((e = sad_lookup(dp.sad, &d, satype, spi)) == NULL)
			return;
	}
	if (kill)
		server_sa_kill(e);
}

void
dp_sync_sa(const struct sad_addr *dst, uint8_t satype, uint32_t spi)
{
	if (!dp.on)
		return;
	sync_one(dst, satype, spi, false);
}

struct sa_key {
	struct sad_addr	dst;
	uint8_t		satype;
	uint32_t	spi;
};

void
dp_sync_all(void)
{
	struct sa_key *keys;
	struct dp_sa *s;
	size_t i, n = 0;

	if (!dp.on || dp.nsa == 0)
		return;
	/* Keys first: the accounting may delete SAs as it goes. */
	if ((keys = calloc(dp.nsa, sizeof(*keys))) == NULL) {
		log_warn("%s: calloc", __func__);
		return;
	}
	for (i = 0; i < dp.nbuckets; i++)
		for (s = dp.inh[i]; s != NULL && n < dp.nsa; s = s->in_next) {
			if (sa_bytes(s) == s->accounted)
				continue;
			keys[n].dst = s->dst;
			keys[n].satype = s->satype;
			keys[n].spi = s->spi;
			n++;
		}
	for (i = 0; i < n; i++)
		sync_one(&keys[i].dst, keys[i].satype, keys[i].spi, false);
	free(keys);
}

static void
run_events(void)
{
	struct dp_event *evs = dp.evcopy, *ev;
	const struct spd_entry *sp;
	struct dp_sa *sa;
	size_t n, i;
	uint64_t v;

	while (read(dp.evfd, &v, sizeof(v)) == (ssize_t)sizeof(v))
		;
	(void)pthread_mutex_lock(&dp.evlock);
	for (n = 0; n < dp.evn; n++)
		evs[n] = dp.ev[(dp.evhead + n) % DP_EVENTS];
	dp.evhead = (dp.evhead + n) % DP_EVENTS;
	dp.evn = 0;
	(void)pthread_mutex_unlock(&dp.evlock);
	for (i = 0; i < n; i++) {
		ev = &evs[i];
		switch (ev->kind) {
		case DPE_ACQUIRE:
			/* server_acquire() limits the rate per flow. */
			if ((sp = spd_lookup_id(dp.spd, ev->policy)) != NULL)
				(void)server_acquire(sp, &ev->flow,
				    ev->satype);
			break;
		case DPE_LIFETIME:
			log_debug("%s: %s SA 0x%08x crossed its %s byte "
			    "lifetime", __func__,
			    pfkey_satype_name(ev->satype), ev->spi,
			    (ev->events & ESP_EV_HARD) ? "hard" : "soft");
			/*
			 * The SAD decides with its own limits (an UPDATE may
			 * have changed them); but an engine past its hard
			 * limit refuses every packet, so the SA goes.
			 */
			sync_one(&ev->dst, ev->satype, ev->spi,
			    (ev->events & ESP_EV_HARD) != 0);
			break;
		case DPE_KILL:
			log_info("%s: %s SA 0x%08x is used up (sequence "
			    "numbers or hard lifetime); deleting it", __func__,
			    pfkey_satype_name(ev->satype), ev->spi);
			sync_one(&ev->dst, ev->satype, ev->spi, true);
			break;
		case DPE_SEQ:
			if ((sa = sa_in(&ev->dst, ev->satype, ev->spi)) != NULL)
				dp_seq_reserve(sa->seq);
			break;
		}
	}
}

/* Held packets: send those whose SA appeared, drop those too old. */
static void
run_held(int64_t now, bool retry)
{
	struct dp_held *list, *h, *keep = NULL, **ktail = &keep;
	struct dp_ctx *x = dp.m;
	int rc;

	(void)pthread_mutex_lock(&dp.holdlock);
	list = dp.hhead;
	dp.hhead = NULL;
	dp.htail = &dp.hhead;
	(void)pthread_mutex_unlock(&dp.holdlock);

	while ((h = list) != NULL) {
		list = h->next;
		h->next = NULL;
		if (now - h->since >= DP_HOLD_MS)
			rc = DPR_DROP;
		else if (!retry)
			rc = DPR_HOLD;
		else {
			/*
			 * The loop is the writer: no lock to read.  With one
			 * worker the SAs are single-writer: keep it out while
			 * the loop sends on them.
			 */
			if (x->nout + out_need(h->len) > DP_OUTS)
				flush_outs(x);
			if (dp.nw == 1)
				dp_wrlock();
			rc = h->fragmax != 0 ? output_reasm(x, h->data,
			    h->len, h->fragmax, DPF_RETRY, false) :
			    dp_output(x, h->data, h->len, DPF_RETRY);
			touched_events(x);
			if (dp.nw == 1)
				dp_unlock();
			if (rc == DPR_DONE)
				CNT(x, C_HOLD_SENT);
		}
		if (rc == DPR_HOLD) {
			*ktail = h;
			ktail = &h->next;
			continue;
		}
		if (now - h->since >= DP_HOLD_MS)
			CNT(x, C_HOLD_EXPIRED);
		(void)pthread_mutex_lock(&dp.holdlock);
		holdq_put(h->policy);
		(void)pthread_mutex_unlock(&dp.holdlock);
		held_free(h);
	}
	flush_outs(x);

	/* Those still waiting go back in front of the ones held since. */
	(void)pthread_mutex_lock(&dp.holdlock);
	if (keep != NULL) {
		*ktail = dp.hhead;
		if (dp.hhead == NULL)
			dp.htail = ktail;
		dp.hhead = keep;
	}
	(void)pthread_mutex_unlock(&dp.holdlock);
}

/* The keepalive interval: DP_KEEPALIVE_MS, or SADBD_KEEPALIVE_MS (tests). */
static int64_t
dp_keepalive_ms(void)
{
	const char *e = getenv("SADBD_KEEPALIVE_MS");
	long v;
	char *end;

	if (e != NULL && *e != '\0') {
		v = strtol(e, &end, 10);
		if (*end == '\0' && v >= 100 && v <= 3600000)
			return (v);
	}
	return (DP_KEEPALIVE_MS);
}

/*
 * RFC 3948 2.3: a NAT-keepalive (one 0xff byte) from the local end of
 * every outbound UDP-encapsulated ESP SA to its peer's port, so that a
 * NAT between keeps the mapping while no traffic flows.  An SA whose
 * source is not a local address (an inbound one) makes the kernel refuse
 * the source (EINVAL) and is passed over.  Runs in the event loop, the
 * only writer of the SA table, so it needs no lock.
 */
static void
send_keepalives(void)
{
	uint8_t ka = ESP_NATT_KEEPALIVE;
	uint8_t ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct sockaddr_storage to;
	struct msghdr mh;
	struct iovec iov;
	struct dp_sa *sa;
	size_t b;
	int fd;

	for (b = 0; b < dp.nbuckets; b++) {
		for (sa = dp.outh[b]; sa != NULL; sa = sa->out_next) {
			if (!sa->udp || sa->satype != PFKEY_SATYPE_ESP ||
			    atomic_load(&sa->dead))
				continue;
			fd = sa->dst.af == AF_INET ? dp.m->udp4 : dp.m->udp6;
			if (fd == -1)
				continue;
			memset(&mh, 0, sizeof(mh));
			iov.iov_base = &ka;
			iov.iov_len = 1;
			mh.msg_iov = &iov;
			mh.msg_iovlen = 1;
			mh.msg_name = &to;
			mh.msg_namelen = to_sockaddr(&sa->dst, sa->dport != 0 ?
			    sa->dport : dp.conf.port, &to);
			mh.msg_control = ctl;
			mh.msg_controllen = put_pktinfo(ctl, sizeof(ctl),
			    &sa->src);
			if (sendmsg(fd, &mh, MSG_DONTWAIT) == 1)
				CNT(dp.m, C_KEEPALIVE_SENT);
		}
	}
}

/*
 * The sequence numbers' sweep (dp_seq.c).  With one worker the engine's
 * replay windows have no lock of their own: read them with the workers
 * held off.
 */
static void
seq_sweep(bool journal)
{
	if (dp.nw == 1)
		dp_wrlock();
	dp_seq_sweep(journal);
	if (dp.nw == 1)
		dp_unlock();
}

void
dp_committed(void)
{
	/* Held packets that waited for their numbers go now. */
	if (dp.on && dp_seq_publish())
		atomic_store(&dp.retry, true);
}

void
dp_show_prepare(const struct sad_entry *e)
{
	struct dp_sa *sa;

	if (!dp.on)
		return;
	if (e == NULL) {
		seq_sweep(false);
		return;
	}
	if ((sa = sa_of_entry(e)) == NULL)
		return;
	if (dp.nw == 1)
		dp_wrlock();
	dp_seq_refresh(sa->seq);
	if (dp.nw == 1)
		dp_unlock();
}

void
dp_sa_show(struct sad_entry *e)
{
	struct dp_sa *sa;

	if ((sa = sa_of_entry(e)) != NULL && (e->has & SAD_HAS_SEQ))
		e->seq = dp_seq_shown(sa->seq);
}

/*
 * The path MTUs of the SAs that sent large packets in the last second
 * (all: of every SA asked before), as the kernel knows them now.  The
 * loop is the only writer of the SA table: no lock to walk it.
 */
static void
pmtu_refresh(bool all)
{
	char a[INET6_ADDRSTRLEN];
	struct dp_sa *sa;
	uint32_t m, old;
	size_t b;

	for (b = 0; b < dp.nbuckets; b++)
		for (sa = dp.inh[b]; sa != NULL; sa = sa->in_next) {
			old = atomic_load(&sa->pmtu);
			if (!atomic_exchange(&sa->pmtu_used, false) &&
			    !(all && old != 0))
				continue;
			(void)pthread_mutex_lock(&dp.pmtulock);
			m = dp_pmtu_query(sa->dst.af == AF_INET ? dp.pmtufd4 :
			    dp.pmtufd6, &sa->dst);
			(void)pthread_mutex_unlock(&dp.pmtulock);
			if (m < DP_IP4_MINMTU)
				m = 1;
			if (m == old)
				continue;
			atomic_store(&sa->pmtu, m);
			if (old > 1)
				CNT(dp.m, C_PMTU_CHANGES);
			log_debug("%s: path MTU to %s: %u (was %u)", __func__,
			    addr_str(&sa->dst, a, sizeof(a)), m, old);
		}
}

void
dp_run(void)
{
	int64_t now;
	bool retry, held;

	if (!dp.on)
		return;
	run_events();
	now = mono_ms();
	retry = atomic_exchange(&dp.retry, false);
	(void)pthread_mutex_lock(&dp.holdlock);
	held = dp.hhead != NULL && (retry ||
	    now - dp.hhead->since >= DP_HOLD_MS);
	(void)pthread_mutex_unlock(&dp.holdlock);
	if (held)
		run_held(now, retry);
	if (now >= dp.next_sync) {
		pmtu_refresh(atomic_exchange(&dp.pmtu_stale, false));
		dp_sync_all();
		seq_sweep(true);
		dp.next_sync = now + DP_SYNC_MS;
	}
	if (now >= dp.next_keepalive) {
		send_keepalives();
		dp.next_keepalive = now + dp_keepalive_ms();
	}
}

int
dp_pollfd(void)
{
	return (dp.on ? dp.evfd : -1);
}

int
dp_timeout_ms(void)
{
	int64_t now, t;

	if (!dp.on)
		return (-1);
	now = mono_ms();
	t = dp.next_sync - now;
	if (dp.next_keepalive - now < t)
		t = dp.next_keepalive - now;
	(void)pthread_mutex_lock(&dp.holdlock);
	if (dp.hhead != NULL && dp.hhead->since + DP_HOLD_MS - now < t)
		t = dp.hhead->since + DP_HOLD_MS - now;
	/* Held packets whose sequence numbers became usable: at once. */
	if (dp.hhead != NULL && atomic_load(&dp.retry))
		t = 0;
	(void)pthread_mutex_unlock(&dp.holdlock);
	return (t < 0 ? 0 : (int)t);
}

/* -------------------------------------------------------------- counters */

static void
sum_counters(uint64_t *c)
{
	unsigned i;
	int k;

	memset(c, 0, C__MAX * sizeof(*c));
	for (i = 0; i <= dp.nw; i++) {
		struct dp_ctx *x = i < dp.nw ? &dp.w[i].x : dp.m;

		for (k = 0; k < C__MAX; k++)
			c[k] += atomic_load_explicit(&x->cnt[k],
			    memory_order_relaxed);
	}
}

void
dp_log_stats(void)
{
	uint64_t c[C__MAX];
	struct esp_counters ec;
	struct dp_sa *s;
	char line[900], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	size_t used = 0, i;
	int k, r;

	if (!dp.on)
		return;
	sum_counters(c);
	log_info("dataplane: %s, %u workers, %zu SAs, %zu packets held",
	    dp.conf.ifname, dp.nw, dp.nsa, dp.nheld);
	for (k = 0; k < C__MAX; k++) {
		r = snprintf(line + used, sizeof(line) - used, "%s%s=%llu",
		    used > 0 ? " " : "", cnt_names[k],
		    (unsigned long long)c[k]);
		if (r < 0 || (size_t)r >= sizeof(line) - used) {
			line[used] = '\0';
			log_info("dataplane: %s", line);
			used = 0;
			k--;
			continue;
		}
		used += (size_t)r;
	}
	if (used > 0)
		log_info("dataplane: %s", line);
	dp_seq_log();
	relay_log_stats();
	for (i = 0; i < dp.nbuckets; i++)
		for (s = dp.inh[i]; s != NULL; s = s->in_next) {
			esp_sa_counters(s->esa, &ec);
			log_info("dataplane: sa %s 0x%08x %s->%s %s "
			    "out_packets=%llu out_bytes=%llu in_packets=%llu "
			    "in_bytes=%llu drop_trunc=%llu drop_proto=%llu "
			    "drop_replay=%llu drop_auth=%llu drop_pad=%llu "
			    "drop_nexthdr=%llu drop_seqovf=%llu "
			    "drop_expired=%llu drop_other=%llu",
			    pfkey_satype_name(s->satype), s->spi,
			    addr_str(&s->src, a, sizeof(a)),
			    addr_str(&s->dst, b, sizeof(b)),
			    esp_backend_name(esp_sa_backend(s->esa)),
			    (unsigned long long)ec.out_packets,
			    (unsigned long long)ec.out_bytes,
			    (unsigned long long)ec.in_packets,
			    (unsigned long long)ec.in_bytes,
			    (unsigned long long)ec.drop_trunc,
			    (unsigned long long)ec.drop_proto,
			    (unsigned long long)ec.drop_replay,
			    (unsigned long long)ec.drop_auth,
			    (unsigned long long)ec.drop_pad,
			    (unsigned long long)ec.drop_nexthdr,
			    (unsigned long long)ec.drop_seqovf,
			    (unsigned long long)ec.drop_expired,
			    (unsigned long long)ec.drop_other);
		}
}

/* ------------------------------------------------------------ start, stop */

#ifdef __linux__

/* Open one queue of the TUN device; -1 with errno. */
static int
tun_open(const char *name, bool mq, bool vnet)
{
	struct ifreq ifr;
	unsigned off;
	int fd, sz = DP_VNET_HDRLEN, saved;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) == -1)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	if (strlcpy(ifr.ifr_name, name, sizeof(ifr.ifr_name)) >=
	    sizeof(ifr.ifr_name)) {
		close(fd);
		errno = ENAMETOOLONG;
		return (-1);
	}
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI | (mq ? IFF_MULTI_QUEUE : 0) |
	    (vnet ? IFF_VNET_HDR : 0);
	if (ioctl(fd, TUNSETIFF, &ifr) == -1)
		goto fail;
	if (vnet) {
		off = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
		if (ioctl(fd, TUNSETVNETHDRSZ, &sz) == -1 ||
		    ioctl(fd, TUNSETOFFLOAD, off) == -1)
			goto fail;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		goto fail;
	return (fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

static void
sock_mark(int fd, const char *what)
{
	uint32_t mark = dp.conf.mark;

	if (mark == 0)
		return;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)) == -1) {
		if (errno == EPERM)
			fatalx("%s: SO_MARK on the %s socket needs "
			    "CAP_NET_ADMIN: run sadbd as root, or give -M 0 "
			    "and keep its packets out of the TUN device "
			    "another way (see sadbd(8))", __func__, what);
		fatal("%s: SO_MARK on the %s socket", __func__, what);
	}
}

/* Large socket buffers; the forced ones when we may. */
static void
sock_bufs(int fd)
{
	int v = 8 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

/* A worker's UDP socket; -1 when the family is not there. */
static int
udp_open(int af)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, on = 1, pmtu;

	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    IPPROTO_UDP)) == -1) {
		if (errno == EAFNOSUPPORT)
			return (-1);
		fatal("%s: socket", __func__);
	}
	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(dp.conf.port);
		len = sizeof(*sin);
		pmtu = IP_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on,
		    sizeof(on)) == -1 ||
		    setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
		    sizeof(pmtu)) == -1)
			fatal("%s: IPv4 socket options", __func__);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(dp.conf.port);
		len = sizeof(*sin6);
		pmtu = IPV6_PMTUDISC_DONT;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu,
		    sizeof(pmtu)) == -1)
			fatal("%s: IPv6 socket options", __func__);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		fatal("%s: SO_REUSEPORT", __func__);
	sock_mark(fd, "UDP");
	sock_bufs(fd);
	if (dp.conf.offload)
		(void)setsockopt(fd, SOL_UDP, UDP_GRO, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		if (af == AF_INET6 && errno == EADDRNOTAVAIL) {
			close(fd);
			return (-1);
		}
		fatal("%s: bind UDP port %u (%s)", __func__,
		    (unsigned)dp.conf.port, af == AF_INET ? "IPv4" : "IPv6");
	}
	return (fd);
}

static int
raw_open(int af, int proto)
{
	int fd, on = 1;

	if ((fd = socket(af, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    proto)) == -1) {
		if (errno == EAFNOSUPPORT)
			return (-1);
		if (errno == EPERM)
			fatalx("%s: raw sockets (-R) need CAP_NET_RAW",
			    __func__);
		fatal("%s: raw socket (%s, protocol %d)", __func__,
		    af == AF_INET ? "IPv4" : "IPv6", proto);
	}
	if (proto == IPPROTO_RAW) {
		if (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
		    IPV6_HDRINCL, &on, sizeof(on)) == -1)
			fatal("%s: IPV6_HDRINCL", __func__);
	} else if (af == AF_INET6 && (setsockopt(fd, IPPROTO_IPV6,
	    IPV6_RECVPKTINFO, &on, sizeof(on)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &on,
	    sizeof(on)) == -1))
		fatal("%s: IPV6_RECVPKTINFO, IPV6_RECVERR", __func__);
	/*
	 * The receiving ones too: an ICMP error about our ESP updates the
	 * path MTU of the route the socket's mark selects (the sends').
	 */
	sock_mark(fd, "raw");
	sock_bufs(fd);
	return (fd);
}

/* A datagram socket that asks the kernel for path MTUs; -1 if no family. */
static int
pmtu_open(int af)
{
	int fd;

	if ((fd = socket(af, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP)) == -1) {
		if (errno == EAFNOSUPPORT)
			return (-1);
		fatal("%s: socket", __func__);
	}
	sock_mark(fd, "path MTU");
	return (fd);
}

/*
 * A worker's raw sockets (ESP and AH, IPv4 and IPv6).  Every raw socket
 * of a protocol receives every packet, so with several workers each
 * socket takes only the SPIs that hash to its worker (a socket filter):
 * an SA's packets stay on one worker and in order, as the UDP sockets'
 * flows do by SO_REUSEPORT.  IPv4 raw sockets see the IP header, IPv6
 * ones start at the ESP or AH header.
 */
static void
raw_in_open(struct dp_ctx *x)
{
	static const struct { int af, proto; } what[4] = {
		{ AF_INET, IPPROTO_ESP }, { AF_INET, IPPROTO_AH },
		{ AF_INET6, IPPROTO_ESP }, { AF_INET6, IPPROTO_AH },
	};
	struct sock_filter f[6];
	struct sock_fprog prog;
	uint8_t junk[64];
	unsigned spioff, n = 0;
	int k, fd;

	for (k = 0; k < 4; k++) {
		if ((fd = raw_open(what[k].af, what[k].proto)) == -1)
			continue;
		x->rawin[k] = fd;
		if (dp.nw == 1)
			continue;
		spioff = what[k].proto == IPPROTO_AH ? 4 : 0;
		n = 0;
		if (what[k].af == AF_INET) {
			f[n++] = (struct sock_filter)BPF_STMT(BPF_LDX | BPF_B |
			    BPF_MSH, 0);
			f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W |
			    BPF_IND, spioff);
		} else
			f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W |
			    BPF_ABS, spioff);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_MOD |
		    BPF_K, dp.nw);
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ |
		    BPF_K, x->idx, 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
		    0xffffffffu);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
		prog.len = (unsigned short)n;
		prog.filter = f;
		if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		    sizeof(prog)) == -1)
			fatal("%s: SO_ATTACH_FILTER", __func__);
		/* What came before the filter went to every worker. */
		while (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) >= 0)
			;
	}
}

static void *
slots(size_t n)
{
	void *p;

	p = mmap(NULL, n * DP_SLOT, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		fatal("%s: mmap", __func__);
	return (p);
}

static void
ctx_init(struct dp_ctx *x, unsigned idx, bool in)
{
	int k;

	memset(x, 0, sizeof(*x));
	x->idx = idx;
	x->tunfd = x->udp4 = x->udp6 = -1;
	for (k = 0; k < 4; k++)
		x->rawin[k] = -1;
	for (k = 0; k < C__MAX; k++)
		atomic_init(&x->cnt[k], 0);
	if (in)
		x->inmem = slots(DP_BATCH);
	x->outmem = slots(DP_OUTS);
	x->stage = slots(2);
}

static void
ctx_free(struct dp_ctx *x)
{
	if (x->inmem != NULL)
		(void)munmap(x->inmem, DP_BATCH * DP_SLOT);
	if (x->outmem != NULL)
		(void)munmap(x->outmem, DP_OUTS * DP_SLOT);
	if (x->stage != NULL)
		(void)munmap(x->stage, 2 * DP_SLOT);
	x->inmem = x->outmem = x->stage = NULL;
}

static void
open_tun(void)
{
	unsigned i;
	bool mq = dp.nw > 1;
	int fd;

	if ((dp.tunq = calloc(dp.nw, sizeof(int))) == NULL)
		fatal("%s: calloc", __func__);
	for (i = 0; i < dp.nw; i++) {
		fd = tun_open(dp.conf.ifname, mq, dp.vnet);
		/*
		 * A persistent device must be attached as it was made: with
		 * IFF_MULTI_QUEUE if "ip tuntap add ... multi_queue", without
		 * otherwise (EINVAL).
		 */
		if (fd == -1 && i == 0 && errno == EINVAL) {
			mq = !mq;
			fd = tun_open(dp.conf.ifname, mq, dp.vnet);
			if (fd != -1 && !mq)
				log_warnx("%s: %s is not a multi-queue device; "
				    "the %u workers share one queue", __func__,
				    dp.conf.ifname, dp.nw);
		}
		if (fd == -1 && i == 0 && dp.vnet && errno == EINVAL) {
			log_warnx("%s: %s: no offloads", __func__,
			    dp.conf.ifname);
			dp.vnet = false;
			mq = dp.nw > 1;
			fd = tun_open(dp.conf.ifname, mq, false);
			if (fd == -1 && errno == EINVAL) {
				mq = !mq;
				fd = tun_open(dp.conf.ifname, mq, false);
			}
		}
		if (fd == -1) {
			if (errno == EPERM)
				fatalx("%s: %s: creating a TUN device or "
				    "using one owned by another user needs "
				    "CAP_NET_ADMIN (see sadbd(8): ip tuntap "
				    "add ... user)", __func__, dp.conf.ifname);
			fatal("%s: TUN device %s", __func__, dp.conf.ifname);
		}
		dp.tunq[dp.ntunq++] = fd;
		if (!mq)
			break;
	}
}

void
dp_start(const struct dp_conf *conf, struct sad *sad, struct spd *spd)
{
	pthread_rwlockattr_t ra;
	sigset_t all, old;
	struct sad_iter it;
	struct sad_entry *e;
	const char *env;
	char *end;
	unsigned long v;
	long ncpu;
	unsigned i, pps;
	int rc;

	dp.conf = *conf;
	dp.sad = sad;
	dp.spd = spd;
	if (dp.conf.port == 0)
		dp.conf.port = DP_DEFAULT_PORT;
	dp.nw = dp.conf.workers;
	if (dp.nw == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		dp.nw = ncpu < 1 ? 1 : ncpu > DP_MAXWORKERS ? DP_MAXWORKERS :
		    (unsigned)ncpu;
	}
	if (dp.nw > DP_MAXWORKERS)
		dp.nw = DP_MAXWORKERS;
	dp.vnet = dp.conf.offload;
	atomic_init(&dp.gso, dp.conf.offload);
	/*
	 * Tests: the sequence number new SAs continue from, to reach the end
	 * of the 32-bit space (and ESN's second half) in a few packets.
	 */
	if ((env = getenv("SADBD_DP_SEQ_START")) != NULL && *env != '\0') {
		errno = 0;
		dp.seq_start = strtoull(env, &end, 0);
		if (*end != '\0' || errno != 0)
			fatalx("%s: SADBD_DP_SEQ_START=%s: not a number",
			    __func__, env);
	}
	atomic_init(&dp.stop, false);
	atomic_init(&dp.retry, false);
	dp_seq_init();
	/* Tests: ICMP too-big messages a second (0: none at all). */
	pps = DP_ICMP_PPS;
	if ((env = getenv("SADBD_DP_ICMP_PPS")) != NULL && *env != '\0') {
		errno = 0;
		v = strtoul(env, &end, 10);
		if (*end != '\0' || errno != 0 || v > 1000000)
			fatalx("%s: SADBD_DP_ICMP_PPS=%s: not a rate", __func__,
			    env);
		pps = (unsigned)v;
	}
	dp_rate_init(&dp.icmp_rate, pps, pps < DP_ICMP_BURST ? pps :
	    DP_ICMP_BURST);
	if ((dp.reasm = dp_reasm_new()) == NULL)
		fatal("%s: reassembly table", __func__);
	(void)pthread_mutex_init(&dp.pmtulock, NULL);
	atomic_init(&dp.pmtu_stale, false);

	/* Writers (the event loop) must not starve behind busy workers. */
	(void)pthread_rwlockattr_init(&ra);
	(void)pthread_rwlockattr_setkind_np(&ra,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	if (pthread_rwlock_init(&dp.lock, &ra) != 0)
		fatalx("%s: pthread_rwlock_init", __func__);
	(void)pthread_rwlockattr_destroy(&ra);
	(void)pthread_mutex_init(&dp.evlock, NULL);
	(void)pthread_mutex_init(&dp.holdlock, NULL);
	dp.htail = &dp.hhead;
	dp.nbuckets = 1024;
	if ((dp.inh = calloc(dp.nbuckets, sizeof(*dp.inh))) == NULL ||
	    (dp.outh = calloc(dp.nbuckets, sizeof(*dp.outh))) == NULL)
		fatal("%s: calloc", __func__);

	open_tun();
	if ((dp.evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1 ||
	    (dp.stopfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("%s: eventfd", __func__);
	if (dp.conf.raw) {
		dp.rawsend4 = raw_open(AF_INET, IPPROTO_RAW);
		dp.rawsend6 = raw_open(AF_INET6, IPPROTO_RAW);
	}
	dp.pmtufd4 = pmtu_open(AF_INET);
	dp.pmtufd6 = pmtu_open(AF_INET6);
	if ((dp.w = calloc(dp.nw, sizeof(*dp.w))) == NULL ||
	    (dp.m = calloc(1, sizeof(*dp.m))) == NULL)
		fatal("%s: calloc", __func__);
	for (i = 0; i < dp.nw; i++) {
		ctx_init(&dp.w[i].x, i, true);
		dp.w[i].x.tunfd = dp.tunq[i < (unsigned)dp.ntunq ? i : 0];
		dp.w[i].x.udp4 = udp_open(AF_INET);
		dp.w[i].x.udp6 = udp_open(AF_INET6);
		if (dp.conf.raw)
			raw_in_open(&dp.w[i].x);
	}
	ctx_init(dp.m, UINT_MAX, false);
	dp.m->udp4 = dp.w[0].x.udp4;
	dp.m->udp6 = dp.w[0].x.udp6;
	/* A held packet too big is answered into the TUN device. */
	dp.m->tunfd = dp.tunq[0];
	if (dp.conf.relay != NULL)
		relay_start(dp.conf.relay, dp.conf.port, dp.m->udp4,
		    dp.m->udp6);
	dp.on = true;

	/* The SAs the journal brought back. */
	sad_iter_init(&it, 0);
	while ((e = sad_next(sad, &it)) != NULL)
		dp_sa_added(e);
	atomic_store(&dp.retry, false);
	dp.next_sync = mono_ms() + DP_SYNC_MS;
	dp.next_keepalive = mono_ms() + dp_keepalive_ms();
	/* Their first reservations durable before any packet flows. */
	if (server_commit() != 0)
		log_warnx("%s: journal commit failed: the restored SAs send "
		    "once it succeeds", __func__);

	/* Signals are for the event loop. */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	for (i = 0; i < dp.nw; i++) {
		if ((rc = pthread_create(&dp.w[i].thr, NULL, worker_main,
		    &dp.w[i])) != 0) {
			errno = rc;
			fatal("%s: pthread_create", __func__);
		}
		dp.w[i].started = true;
	}
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	log_info("%s: data plane on %s: %u workers, %u TUN queues, UDP port "
	    "%u%s, mark %#x, offloads %s, %zu SAs", __func__, dp.conf.ifname,
	    dp.nw, (unsigned)dp.ntunq, (unsigned)dp.conf.port,
	    dp.conf.raw ? ", raw ESP/AH" : "", (unsigned)dp.conf.mark,
	    dp.vnet ? "on" : "off", dp.nsa);
}

void
dp_stop(void)
{
	struct dp_held *h;
	struct dp_holdq *q;
	uint64_t one = 1;
	unsigned i;
	int k;

	if (!dp.on)
		return;
	atomic_store(&dp.stop, true);
	if (write(dp.stopfd, &one, sizeof(one)) == -1)
		log_warn("%s: eventfd", __func__);
	for (i = 0; i < dp.nw; i++)
		if (dp.w[i].started)
			(void)pthread_join(dp.w[i].thr, NULL);
	relay_stop();
	dp_log_stats();
	/* The windows' exact tops, for a clean restart. */
	dp_seq_final();
	dp_flush(0);
	dp.on = false;
	while ((h = dp.hhead) != NULL) {
		dp.hhead = h->next;
		held_free(h);
	}
	for (k = 0; k < DP_HOLD_BUCKETS; k++)
		while ((q = dp.holdq[k]) != NULL) {
			dp.holdq[k] = q->next;
			free(q);
		}
	for (i = 0; i < dp.nw; i++) {
		if (dp.w[i].x.udp4 != -1)
			close(dp.w[i].x.udp4);
		if (dp.w[i].x.udp6 != -1)
			close(dp.w[i].x.udp6);
		for (k = 0; k < 4; k++)
			if (dp.w[i].x.rawin[k] != -1)
				close(dp.w[i].x.rawin[k]);
		ctx_free(&dp.w[i].x);
	}
	ctx_free(dp.m);
	for (k = 0; k < dp.ntunq; k++)
		close(dp.tunq[k]);
	if (dp.rawsend4 != -1)
		close(dp.rawsend4);
	if (dp.rawsend6 != -1)
		close(dp.rawsend6);
	if (dp.pmtufd4 != -1)
		close(dp.pmtufd4);
	if (dp.pmtufd6 != -1)
		close(dp.pmtufd6);
	dp_reasm_free(dp.reasm);
	dp.reasm = NULL;
	dp_rate_destroy(&dp.icmp_rate);
	(void)pthread_mutex_destroy(&dp.pmtulock);
	close(dp.evfd);
	close(dp.stopfd);
	free(dp.tunq);
	free(dp.w);
	free(dp.m);
	free(dp.inh);
	free(dp.outh);
	(void)pthread_rwlock_destroy(&dp.lock);
	(void)pthread_mutex_destroy(&dp.evlock);
	(void)pthread_mutex_destroy(&dp.holdlock);
}

#else /* !__linux__ */

void
dp_start(const struct dp_conf *conf, struct sad *sad, struct spd *spd)
{
	fatalx("%s: the data plane (-i) needs Linux TUN devices", __func__);
}

void
dp_stop(void)
{
}

#endif /* __linux__ */
