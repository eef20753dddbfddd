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
 * The ESP (RFC 4303) and AH (RFC 4302) packet formats of libesp: SA set
 * up, output, input, packet classification.  Crypto goes through the
 * backend interface (esp_crypto.h); anti-replay is esp_local.h and
 * esp_replay.c.
 *
 * Choices this file makes (the RFCs leave them to implementations):
 *
 *  - IVs.  AES-GCM, ChaCha20-Poly1305 and AES-CTR carry the 64-bit
 *    sequence number as their 8-byte IV: it never repeats under one key
 *    (sequence numbers do not cycle, and an SA's key is its own), which
 *    is all these modes need (RFC 4106 3.1, RFC 7634 2, RFC 3686 3.1;
 *    RFC 8750 makes the same observation).  AES-CBC needs unpredictable
 *    IVs (RFC 3602 2.4): the IV is E_K(S xor seq), the SA's own cipher on
 *    the sequence number masked with a secret 16-byte S drawn once per
 *    SA (RAND_bytes).  Distinct sequence numbers give distinct IVs (E_K is
 *    a permutation), and without K and S nobody can predict the next one.
 *    Costs one AES block per packet and no random number generator call.
 *
 *  - Padding.  Output pads minimally: to 4 bytes (RFC 4303 2.4) or the
 *    cipher block (CBC).  Input checks the pad bytes are 1, 2, 3 ... up
 *    to the pad length, which may be anything up to 255 (RFC 4303 2.4
 *    lets a sender pad more to hide lengths) within the payload.
 *
 *  - Sequence numbers.  Without ESN the last number sent is 2^32-1;
 *    after that output fails with ESP_E_SEQOVF and ESP_EV_HARD is raised
 *    (RFC 4303 3.3.3: the counter must not cycle).  Output may run on
 *    several threads: a number is taken with one atomic fetch-and-add
 *    on a 64-bit counter, and a number fetched beyond the limit (a race
 *    for the last ones) is refused, never sent.  Without ESN the counter
 *    is 2^32 below the top of its 64 bits, so refused fetches cannot
 *    wrap it; with ESN the upper half of the space (from 2^63) is taken
 *    with compare-and-swap, which never moves the counter past 2^64-1.
 *    That atomic read-modify-write is a full barrier on x86: it waits
 *    for the stores of the previous packet's encryption to drain, which
 *    measured about a third of what the engine adds to the crypto per
 *    packet (AES-GCM, 1400 bytes, bench/esp_bench).  An SA whose caller
 *    serialises output (esp_sa_opts.single_writer: sadbd with one
 *    worker) takes the number with a plain load and store instead.
 *
 *  - Counters and lifetimes without read-modify-write on the hot path.
 *    Input is serialised per SA (by the caller, or by the SA's lock:
 *    the counting then happens under it), so its counters have a single
 *    writer and are updated with relaxed atomic loads and stores, which
 *    esp_sa_counters() reads at any time.  Output packets are the
 *    sequence numbers taken.  Output bytes are counted per thread: each
 *    thread owns one of OSLOTS - 1 slots (claimed on its first output,
 *    given back when it exits; further threads share the last slot with
 *    atomic adds), a slot in every SA, written by its owner only; reads
 *    sum the slots.  A thread also publishes its bytes to a shared
 *    total every OPUB_QUANTUM bytes; while that total is far from the
 *    next byte limit (further than what the slots may hold
 *    unpublished) nothing else is done, and near it every packet sums
 *    the slots exactly.  A single-writer SA counts into one slot of its
 *    own the same way, with no thread lookup.
 *
 *  - Lifetimes may change while packets flow (esp_sa_set_lifetimes(),
 *    a key manager's UPDATE): each limit is an atomic word, loaded
 *    relaxed, so the hot path stays free of locked instructions.  Each
 *    event depends on one limit alone (soft or hard, bytes or packets),
 *    so a packet counted during a change is checked against that
 *    limit's old or new value, which is all a change racing a packet
 *    can mean.  The output slots always publish, so that limits set on
 *    an SA that had none find the published total complete.
 *
 *  - Tunnel outer header: TTL/hop limit opts.outer_ttl (64); DSCP and ECN
 *    copied from the inner header (RFC 6040 normal mode); DF copied from
 *    an IPv4 inner header and clear for an IPv6 one (the outer packet may
 *    then be fragmented on its way, which keeps IPv6 inner traffic
 *    flowing where the outer path MTU is smaller); IPv4 ID a random
 *    per-SA base plus the sequence number; IPv6 flow label 0.  On
 *    input the inner ECN field is
 *    combined with the outer one as RFC 6040 4.2 says (a CE outer over a
 *    Not-ECT inner packet is dropped, ESP_E_PROTO).
 *
 *  - Lifetimes count the bytes of the inner IP packets (what esp_output()
 *    takes and esp_input() gives), in both directions, plus packets when
 *    esp_sa_opts sets packet limits; sad_entry's `allocations' is not a
 *    packet count and is ignored.  The packet that crosses a hard limit
 *    still goes through; the following ones fail with ESP_E_EXPIRED.
 *
 *  - IPv6 transport mode: ESP/AH go after a hop-by-hop options header,
 *    routing headers and the destination options header that precedes a
 *    routing header (RFC 4303 3.1.1, RFC 4302 3.1.1); the rest of the
 *    chain (e.g. destination options for the final destination) is
 *    protected.  AH refuses a routing header with segments left (type 0
 *    routing is deprecated, RFC 5095, and its ICV would need predicting).
 *
 *  - NAT-T (RFC 3948): only UDP_ENCAP_ESPINUDP (type 2).  Output adds
 *    the UDP header (checksum 0 over IPv4, computed over IPv6); input
 *    accepts UDP-encapsulated ESP for a NAT-T SA and plain ESP otherwise.
 *    Transport mode input over NAT-T repairs the inner checksum (RFC 3948
 *    3.1.2): UDP over IPv4 gets checksum 0, TCP and UDP over IPv6 are
 *    recomputed with the packet's (post-NAT) addresses.
 *
 *  - Dummy packets (next header 59, RFC 4303 2.6) are accepted after the
 *    ICV and replay checks and dropped: esp_input() returns 0 with
 *    *outlen 0.
 *
 *  - Input records a sequence number in the window (RFC 4303 3.4.3: only
 *    once the ICV verified) as its last step, after the checks of the
 *    decrypted packet (padding, next header, the inner header), and
 *    counts the packet in the same step: a packet refused for what it
 *    carries leaves no trace in the window.
 *
 *  - In place.  One layout serves both ways of output: the packet is
 *    built from its first byte, headers in front of the payload, the
 *    trailer and ICV behind; esp_output() copies the inner packet into
 *    place behind the headers, esp_output_inplace() finds it there
 *    already and writes the headers into the room in front (moving the
 *    IP header forward in transport mode).  The bytes are the same.
 *    Input likewise decrypts into the caller's buffer or over the
 *    ciphertext, and in transport mode puts the IP header right in
 *    front of the decrypted payload.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "compat.h"
#include "esp_crypto.h"
#include "esp_local.h"

#define ESP_HDRLEN	8		/* SPI + sequence number */
#define AH_FIXLEN	12		/* AH header without the ICV */
#define UDP_HDRLEN	8
#define IP4_HDRLEN	20
#define IP6_HDRLEN	40
#define AH_MAXHDR	512		/* AH: IP header + extensions we copy */
#define DEF_TTL		64

#define PROTO_HOPOPTS	0
#define PROTO_IPIP	4
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_IPV6	41
#define PROTO_ROUTING	43
#define PROTO_FRAGMENT	44
#define PROTO_ESP	50
#define PROTO_AH	51
#define PROTO_NONE	59
#define PROTO_DSTOPTS	60

#define NATT_PORT	4500

/* Per-SA drop counters, indexes into esp_sa.ctr. */
enum {
	C_TRUNC, C_PROTO, C_REPLAY, C_AUTH, C_PAD, C_NEXTHDR, C_SEQOVF,
	C_EXPIRED, C_OTHER,
	C_OUT_LOST,		/* sequence numbers taken, packet not made */
	C_COUNT
};

#define CACHELINE	64

/*
 * Output byte counters: one slot per thread (see the top of the file).
 * Slots 0 .. OSLOT_SHARED - 1 each belong to one live thread at a time;
 * OSLOT_SHARED is for the threads beyond, with atomic adds.
 */
#define OSLOTS		16
#define OSLOT_SHARED	(OSLOTS - 1)
/* A slot publishes its bytes to the SA's total at least this often. */
#define OPUB_QUANTUM	65536
/*
 * The most one slot can hold unpublished at any moment: less than a
 * quantum plus the packet being counted (at most an IPv6 packet of 64 KiB
 * payload).  An SA's slack is that times the slots that may write it:
 * OSLOT_SHARED owned ones, or the single writer's one.
 */
#define OPUB_SLACK1	((uint64_t)OPUB_QUANTUM + 0x10000 + IP6_HDRLEN)

/* Lifetime limits, indexes into esp_sa.lt. */
enum { LT_SOFT_BYTES, LT_HARD_BYTES, LT_SOFT_PKTS, LT_HARD_PKTS, LT_N };

struct oslot {
	_Alignas(CACHELINE) _Atomic uint64_t bytes;
	uint64_t	 unpub;		/* owner only: not yet in opub */
};

/* The first fetch-and-add sequence number beyond which ESN uses CAS. */
#define SEQ_ESN_CAS	((uint64_t)1 << 63)

struct esp_sa {
	/* Read-mostly: set up once. */
	const struct esp_crypto_ops *ops;
	void		*cctx;
	enum esp_backend backend;
	uint8_t		 proto;		/* PROTO_ESP or PROTO_AH */
	bool		 tunnel;
	bool		 esn;
	bool		 natt;
	uint32_t	 spi;
	enum esp_cipher	 cipher;
	enum esp_mac	 mac;
	uint8_t		 ivlen;
	uint8_t		 blk;		/* padding alignment, a power of 2 */
	uint8_t		 icvlen;	/* ESP ICV, or AH ICV without padding */
	bool		 sw;		/* opts.single_writer */
	uint16_t	 ipid;		/* outer IPv4 ID = ipid + seq */
	uint8_t		 ttl;		/* outer TTL / hop limit */
	uint8_t		 oproto;	/* outer header's protocol */
	uint32_t	 v4sum;		/* outer IPv4 checksum: the constant
					 * part (version, TTL, protocol,
					 * addresses) */
	uint64_t	 seqlim;	/* the last sequence number */
	uint64_t	 seqfast;	/* fetch-and-add below this */
	uint64_t	 slack;		/* OPUB_SLACK1 times the slots */
	struct sad_addr	 src;		/* outer addresses (tunnel) */
	struct sad_addr	 dst;
	uint16_t	 sport;		/* NAT-T ports, host order */
	uint16_t	 dport;
	struct esp_sa_opts opts;
	uint8_t		 ivmask[16];	/* CBC IV secret (see above) */
	/* Lifetimes, changed by esp_sa_set_lifetimes() under `lock'. */
	atomic_bool	 lt_any;	/* some limit is set */
	_Atomic uint64_t lt[LT_N];
	atomic_bool	 dead;		/* hard lifetime reached */
	atomic_uint	 ev_raised;
	atomic_uint	 ev_pending;

	/*
	 * Output, written by every sending thread.  Output packets are not
	 * counted one by one: they are the sequence numbers taken since
	 * esp_sa_set_oseq() last moved the counter (oseq - obase), plus
	 * opkts before that, less those lost (C_OUT_LOST).
	 */
	_Alignas(CACHELINE) _Atomic uint64_t oseq; /* last number taken */
	_Atomic uint64_t opub;		/* published output bytes */
	_Atomic uint64_t obase;
	_Atomic uint64_t opkts;
	struct oslot	 oslot[OSLOTS];
	struct oslot	 swslot;	/* the single writer's */

	/* Input: one writer at a time (see the top of the file). */
	_Alignas(CACHELINE) _Atomic uint64_t in_packets;
	_Atomic uint64_t in_bytes;
	pthread_mutex_t	 lock;		/* input when opts.locked; lt[] */
	struct esp_replay replay;

	/* Drops, rare; any thread. */
	_Alignas(CACHELINE) _Atomic uint64_t ctr[C_COUNT];
};

/* ---------------------------------------------------------------- bytes */

/*
 * Big-endian loads and stores, as single (unaligned) accesses where the
 * compiler knows the byte order: several header fields are written per
 * packet.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define BE16(v)		__builtin_bswap16(v)
#define BE32(v)		__builtin_bswap32(v)
#define BE64(v)		__builtin_bswap64(v)
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BE16(v)		(v)
#define BE32(v)		(v)
#define BE64(v)		(v)
#endif

#ifdef BE32
static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return (BE16(v));
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (BE32(v));
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	v = BE16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	v = BE32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void
wr64(uint8_t *p, uint64_t v)
{
	v = BE64(v);
	memcpy(p, &v, sizeof(v));
}
#else
static inline uint16_t
rd16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static inline void
wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)(v >> 32));
	wr32(p + 4, (uint32_t)v);
}
#endif

/* The Internet checksum (RFC 1071): partial sums and the fold. */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint64_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return (sum);
}

static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)~sum);
}

static void
ip4_set_csum(uint8_t *ip, size_t hlen)
{
	uint64_t sum;

	ip[10] = ip[11] = 0;
	if (hlen == IP4_HDRLEN)		/* the common case, unrolled */
		sum = (uint64_t)rd16(ip) + rd16(ip + 2) + rd16(ip + 4) +
		    rd16(ip + 6) + rd16(ip + 8) + rd16(ip + 12) +
		    rd16(ip + 14) + rd16(ip + 16) + rd16(ip + 18);
	else
		sum = csum_add(0, ip, hlen);
	wr16(ip + 10, csum_fold(sum));
}

/* Checksum of an upper-layer segment with the pseudo-header. */
static uint16_t
l4_csum(int af, const uint8_t *src, const uint8_t *dst, uint8_t proto,
    const uint8_t *seg, size_t len)
{
	uint64_t sum;
	size_t alen = af == AF_INET ? 4 : 16;

	sum = csum_add(0, src, alen);
	sum = csum_add(sum, dst, alen);
	sum += proto;
	sum += (uint64_t)len;
	sum = csum_add(sum, seg, len);
	return (csum_fold(sum));
}

/* ------------------------------------------------------------ IP headers */

/*
 * An IP packet as far as the engine cares: family, length from the
 * header, the headers that stay in front of ESP/AH (`hlen'), where the
 * next header byte to rewrite is (`nhoff') and what it says (`proto').
 */
struct ipinfo {
	int		af;
	size_t		len;
	size_t		hlen;
	size_t		nhoff;
	uint8_t		proto;
	uint8_t		tos;		/* IPv4 TOS / IPv6 traffic class */
	bool		df;
	bool		frag;		/* IPv4 fragment or IPv6 fragment hdr */
	bool		rh_active;	/* routing header, segments left > 0 */
};

/*
 * Parse the IP header of a packet of `len' bytes.  `walk' says how far
 * to go through IPv6 extension headers: WALK_NONE (just the base
 * header), WALK_OUT (those that precede ESP/AH in transport mode),
 * WALK_IN (every hop-by-hop/routing/destination options header, up to
 * ESP, AH or UDP).  Returns 0, ESP_E_TRUNC or ESP_E_PROTO.
 */
enum walk { WALK_NONE, WALK_OUT, WALK_IN };

/* ip_parse() of an IPv6 packet (len >= 1). */
static int
ip_parse6(const uint8_t *p, size_t len, enum walk walk, struct ipinfo *ip)
{
	size_t off, elen;
	uint8_t nh;

	if (len < IP6_HDRLEN)
		return (ESP_E_TRUNC);
	ip->af = AF_INET6;
	ip->df = false;
	ip->frag = false;
	ip->rh_active = false;
	ip->len = (size_t)rd16(p + 4) + IP6_HDRLEN;
	if (ip->len == IP6_HDRLEN && p[6] == PROTO_HOPOPTS)
		return (ESP_E_PROTO);	/* jumbogram (RFC 2675) */
	if (ip->len > len)
		return (ESP_E_TRUNC);
	ip->tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
	off = IP6_HDRLEN;
	ip->nhoff = 6;
	nh = p[6];
	for (;;) {
		if (walk == WALK_NONE)
			break;
		if (nh == PROTO_FRAGMENT) {
			ip->frag = true;
			break;
		}
		if (!(nh == PROTO_HOPOPTS && off == IP6_HDRLEN) &&
		    nh != PROTO_ROUTING && nh != PROTO_DSTOPTS)
			break;
		if (off + 2 > ip->len)
			return (ESP_E_TRUNC);
		elen = ((size_t)p[off + 1] + 1) * 8;
		if (off + elen > ip->len)
			return (ESP_E_TRUNC);
		/*
		 * Transport output: destination options stay in front only
		 * when a routing header follows them.
		 */
		if (walk == WALK_OUT && nh == PROTO_DSTOPTS &&
		    p[off] != PROTO_ROUTING)
			break;
		if (nh == PROTO_ROUTING && p[off + 3] != 0)
			ip->rh_active = true;
		ip->nhoff = off;
		nh = p[off];
		off += elen;
	}
	ip->hlen = off;
	ip->proto = nh;
	return (0);
}

/* IPv4, the common case, inline in the packet paths; IPv6 above. */
static inline int
ip_parse(const uint8_t *p, size_t len, enum walk walk, struct ipinfo *ip)
{
	struct ipinfo ip6;
	int rc;

	/* Every field is set on success (no memset: per packet). */
	if (len < 1)
		return (ESP_E_TRUNC);
	switch (p[0] >> 4) {
	case 4:
		if (len < IP4_HDRLEN)
			return (ESP_E_TRUNC);
		ip->af = AF_INET;
		ip->rh_active = false;
		ip->hlen = (size_t)(p[0] & 0x0f) * 4;
		if (ip->hlen < IP4_HDRLEN)
			return (ESP_E_PROTO);
		ip->len = rd16(p + 2);
		if (ip->len < ip->hlen)
			return (ESP_E_PROTO);
		if (ip->hlen > len || ip->len > len)
			return (ESP_E_TRUNC);
		ip->nhoff = 9;
		ip->proto = p[9];
		ip->tos = p[1];
		ip->df = (p[6] & 0x40) != 0;
		ip->frag = (rd16(p + 6) & 0x3fff) != 0;
		return (0);
	case 6:
		/* Through a copy: `ip' stays the caller's, in registers. */
		if ((rc = ip_parse6(p, len, walk, &ip6)) == 0)
			*ip = ip6;
		return (rc);
	default:
		return (ESP_E_PROTO);
	}
}

static void
addr_from(struct sad_addr *a, int af, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	a->af = (sa_family_t)af;
	if (af == AF_INET) {
		a->plen = 32;
		memcpy(&a->a.v4, p, 4);
	} else {
		a->plen = 128;
		memcpy(&a->a.v6, p, 16);
	}
}

static const uint8_t *
ip_src(const uint8_t *p, int af)
{
	return (af == AF_INET ? p + 12 : p + 8);
}

static const uint8_t *
ip_dst(const uint8_t *p, int af)
{
	return (af == AF_INET ? p + 16 : p + 24);
}

/* Set the length fields of a packet of `len' bytes (header at p). */
static void
ip_set_len(uint8_t *p, int af, size_t hlen4, size_t len)
{
	if (af == AF_INET) {
		wr16(p + 2, (uint16_t)len);
		ip4_set_csum(p, hlen4);
	} else
		wr16(p + 4, (uint16_t)(len - IP6_HDRLEN));
}

static size_t
ip_hdrlen(int af)
{
	return (af == AF_INET ? IP4_HDRLEN : IP6_HDRLEN);
}

/* ---------------------------------------------------------- algorithms */

struct ealg_info {
	uint16_t	 ealg;
	enum esp_cipher	 cipher;
	uint8_t		 keylens[3];	/* cipher key bytes, without salt */
	uint8_t		 saltlen;
	uint8_t		 ivlen;
	uint8_t		 blk;
	uint8_t		 icvlen;	/* AEAD */
};

static const struct ealg_info ealgs[] = {
	{ PFKEY_EALG_NULL, ESP_CIPHER_NULL, { 0 }, 0, 0, 4, 0 },
	{ PFKEY_EALG_AESCBC, ESP_CIPHER_AES_CBC, { 16, 24, 32 }, 0, 16, 16,
	    0 },
	{ PFKEY_EALG_AESCTR, ESP_CIPHER_AES_CTR, { 16, 24, 32 }, 4, 8, 4, 0 },
	{ PFKEY_EALG_AES_GCM_ICV8, ESP_CIPHER_AES_GCM, { 16, 24, 32 }, 4, 8,
	    4, 8 },
	{ PFKEY_EALG_AES_GCM_ICV12, ESP_CIPHER_AES_GCM, { 16, 24, 32 }, 4, 8,
	    4, 12 },
	{ PFKEY_EALG_AES_GCM_ICV16, ESP_CIPHER_AES_GCM, { 16, 24, 32 }, 4, 8,
	    4, 16 },
	{ PFKEY_EALG_CHACHA20POLY1305, ESP_CIPHER_CHACHA20_POLY1305, { 32 },
	    4, 8, 4, 16 },
};

struct aalg_info {
	uint16_t	 aalg;
	enum esp_mac	 mac;
	uint8_t		 keylen;
	uint8_t		 icvlen;
};

static const struct aalg_info aalgs[] = {
	{ PFKEY_AALG_SHA1HMAC, ESP_MAC_HMAC_SHA1, 20, 12 },	/* RFC 2404 */
	{ PFKEY_AALG_SHA2_256HMAC, ESP_MAC_HMAC_SHA256, 32, 16 }, /* 4868 */
	{ PFKEY_AALG_SHA2_384HMAC, ESP_MAC_HMAC_SHA384, 48, 24 },
	{ PFKEY_AALG_SHA2_512HMAC, ESP_MAC_HMAC_SHA512, 64, 32 },
};

static const struct ealg_info *
ealg_find(uint16_t ealg)
{
	size_t i;

	for (i = 0; i < nitems(ealgs); i++)
		if (ealgs[i].ealg == ealg)
			return (&ealgs[i]);
	return (NULL);
}

static const struct aalg_info *
aalg_find(uint16_t aalg)
{
	size_t i;

	for (i = 0; i < nitems(aalgs); i++)
		if (aalgs[i].aalg == aalg)
			return (&aalgs[i]);
	return (NULL);
}

/* Whether aalg is "no separate integrity" next to an AEAD cipher. */
static bool
aalg_is_none(uint16_t aalg, enum esp_cipher c)
{
	switch (aalg) {
	case PFKEY_AALG_NONE:
	case PFKEY_AALG_NULL:
		return (true);
	/* FreeBSD names the integrity half of its AEAD SAs. */
	case PFKEY_AALG_AES128GMAC:
	case PFKEY_AALG_AES192GMAC:
	case PFKEY_AALG_AES256GMAC:
		return (c == ESP_CIPHER_AES_GCM);
	case PFKEY_AALG_CHACHA20POLY1305:
		return (c == ESP_CIPHER_CHACHA20_POLY1305);
	default:
		return (false);
	}
}

/* ------------------------------------------------------------- backends */

const struct esp_crypto_ops *
esp_crypto_backend(enum esp_backend b)
{
	switch (b) {
	case ESP_BACKEND_OPENSSL:
		return (&esp_openssl_ops);
	case ESP_BACKEND_IPSECMB:
#ifdef HAVE_IPSECMB
		return (esp_ipsecmb_backend);
#else
		return (NULL);
#endif
	default:
		return (NULL);
	}
}

bool
esp_backend_available(enum esp_backend b)
{
	if (b == ESP_BACKEND_AUTO)
		return (true);
	return (esp_crypto_backend(b) != NULL);
}

const char *
esp_backend_name(enum esp_backend b)
{
	const struct esp_crypto_ops *ops;

	if (b == ESP_BACKEND_AUTO)
		return ("auto");
	if ((ops = esp_crypto_backend(b)) != NULL)
		return (ops->name);
	switch (b) {
	case ESP_BACKEND_IPSECMB:
		return ("ipsec-mb");
	default:
		return ("unknown");
	}
}

bool
esp_ct_equal(const uint8_t *a, const uint8_t *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}

static const char *const errstr[] = {
	"success",
	"out of memory",
	"invalid SA or argument",
	"algorithm not supported",
	"invalid key length for algorithm",
	"output buffer too small",
	"packet truncated",
	"not an ESP/AH packet, or malformed headers",
	"SPI does not match the SA",
	"replayed or too old packet",
	"integrity check failed",
	"bad padding",
	"next header not valid for the mode",
	"sequence numbers exhausted",
	"SA lifetime expired",
	"crypto library failure",
};

const char *
esp_strerror(int e)
{
	if (e > 0 || e <= ESP_E_MAX)
		return ("unknown error");
	return (errstr[-e]);
}

/* ------------------------------------------------------------------ SAs */

int
esp_sa_new(const struct sad_entry *e, const struct esp_sa_opts *optsp,
    struct esp_sa **sap)
{
	static const struct esp_sa_opts defopts;
	struct esp_crypto_params p;
	const struct ealg_info *ei = NULL;
	const struct aalg_info *ai = NULL;
	const struct esp_crypto_ops *ops;
	struct esp_sa *sa;
	uint8_t idr[2];
	size_t ck;
	unsigned i;
	int rc;

	*sap = NULL;
	if (e == NULL)
		return (ESP_E_INVAL);
	if (optsp == NULL)
		optsp = &defopts;
	if (e->satype != PFKEY_SATYPE_ESP && e->satype != PFKEY_SATYPE_AH)
		return (ESP_E_INVAL);
	if (e->mode != PFKEY_MODE_ANY && e->mode != PFKEY_MODE_TRANSPORT &&
	    e->mode != PFKEY_MODE_TUNNEL)
		return (ESP_E_INVAL);
	if (e->replay > ESP_REPLAY_MAX)
		return (ESP_E_INVAL);
	if (e->mode == PFKEY_MODE_TUNNEL &&
	    ((e->src.af != AF_INET && e->src.af != AF_INET6) ||
	    e->src.af != e->dst.af))
		return (ESP_E_INVAL);
	if (optsp->backend != ESP_BACKEND_AUTO &&
	    optsp->backend != ESP_BACKEND_OPENSSL &&
	    optsp->backend != ESP_BACKEND_IPSECMB)
		return (ESP_E_INVAL);
	if (SAD_ALG_IS_RAW(e->ealg) || SAD_ALG_IS_RAW(e->aalg))
		return (ESP_E_ALG);

	memset(&p, 0, sizeof(p));
	if (e->satype == PFKEY_SATYPE_ESP) {
		if ((ei = ealg_find(e->ealg)) == NULL)
			return (ESP_E_ALG);
		p.cipher = ei->cipher;
		ck = e->ekey.data != NULL ? e->ekey.len : 0;
		if (ck != 0 && e->ekey.bits != ck * 8)
			return (ESP_E_KEYLEN);
		if (ei->cipher == ESP_CIPHER_NULL) {
			if (ck != 0)
				return (ESP_E_KEYLEN);
		} else {
			if (ck < ei->saltlen)
				return (ESP_E_KEYLEN);
			ck -= ei->saltlen;
			for (i = 0; i < nitems(ei->keylens); i++)
				if (ei->keylens[i] != 0 && ei->keylens[i] == ck)
					break;
			if (i == nitems(ei->keylens))
				return (ESP_E_KEYLEN);
			p.ckey = e->ekey.data;
			p.ckeylen = ck;
			memcpy(p.salt, e->ekey.data + ck, ei->saltlen);
		}
		p.icvlen = ei->icvlen;
		if (ESP_CIPHER_IS_AEAD(ei->cipher)) {
			if (!aalg_is_none(e->aalg, ei->cipher))
				return (ESP_E_ALG);
		} else if (e->aalg != PFKEY_AALG_NONE &&
		    e->aalg != PFKEY_AALG_NULL) {
			if ((ai = aalg_find(e->aalg)) == NULL)
				return (ESP_E_ALG);
		} else if (ei->cipher == ESP_CIPHER_NULL)
			return (ESP_E_ALG);	/* neither secret nor checked */
	} else {
		p.cipher = ESP_CIPHER_NONE;
		if (e->ealg != PFKEY_EALG_NONE)
			return (ESP_E_ALG);
		if ((ai = aalg_find(e->aalg)) == NULL)
			return (ESP_E_ALG);
		if (e->x != NULL && e->x->natt_type != 0)
			return (ESP_E_INVAL);	/* AH cannot cross a NAT */
	}
	if (ai != NULL) {
		if (e->akey.data == NULL || e->akey.len != ai->keylen ||
		    e->akey.bits != ai->keylen * 8)
			return (ESP_E_KEYLEN);
		p.mac = ai->mac;
		p.mkey = e->akey.data;
		p.mkeylen = e->akey.len;
		p.maclen = ai->icvlen;
	}
	if (e->x != NULL && e->x->natt_type != 0 &&
	    e->x->natt_type != PFKEY_NATT_ESPINUDP)
		return (ESP_E_INVAL);

	/* The backend: asked for, or the preferred one, else OpenSSL. */
	if (optsp->backend == ESP_BACKEND_AUTO) {
		ops = esp_crypto_backend(ESP_BACKEND_IPSECMB);
		if (ops == NULL || ops->preferred == NULL ||
		    !ops->preferred(&p) || !ops->supports(&p))
			ops = &esp_openssl_ops;
	} else
		ops = esp_crypto_backend(optsp->backend);
	if (ops == NULL || !ops->supports(&p))
		return (ESP_E_ALG);

	/* Cache-line aligned: the output and input parts apart. */
	if ((sa = aligned_alloc(CACHELINE, sizeof(*sa))) == NULL)
		return (ESP_E_NOMEM);
	memset(sa, 0, sizeof(*sa));
	if (pthread_mutex_init(&sa->lock, NULL) != 0) {
		free(sa);
		return (ESP_E_NOMEM);
	}
	sa->ops = ops;
	sa->backend = ops->id;
	sa->proto = e->satype == PFKEY_SATYPE_ESP ? PROTO_ESP : PROTO_AH;
	sa->tunnel = e->mode == PFKEY_MODE_TUNNEL;
	sa->esn = (e->flags & SAD_F_ESN) != 0;
	sa->spi = e->spi;
	sa->cipher = p.cipher;
	sa->mac = p.mac;
	if (ei != NULL) {
		sa->ivlen = ei->ivlen;
		sa->blk = ei->blk;
		sa->icvlen = ESP_CIPHER_IS_AEAD(ei->cipher) ? ei->icvlen :
		    ai != NULL ? ai->icvlen : 0;
	} else
		sa->icvlen = ai->icvlen;
	sa->src = e->src;
	sa->dst = e->dst;
	if (e->x != NULL && e->x->natt_type == PFKEY_NATT_ESPINUDP) {
		sa->natt = true;
		sa->sport = e->x->natt_sport != 0 ? e->x->natt_sport :
		    NATT_PORT;
		sa->dport = e->x->natt_dport != 0 ? e->x->natt_dport :
		    NATT_PORT;
	}
	sa->ttl = optsp->outer_ttl != 0 ? optsp->outer_ttl : DEF_TTL;
	sa->oproto = sa->natt ? PROTO_UDP : sa->proto;
	if (sa->tunnel && sa->dst.af == AF_INET)
		sa->v4sum = (uint32_t)csum_add(csum_add(0x4500 +
		    (sa->ttl << 8 | sa->oproto),
		    (const uint8_t *)&sa->src.a.v4, 4),
		    (const uint8_t *)&sa->dst.a.v4, 4);
	sa->opts = *optsp;
	sa->opts.iv_seed = NULL;
	/* 0: no limit. */
	atomic_init(&sa->lt[LT_SOFT_BYTES], e->soft.bytes);
	atomic_init(&sa->lt[LT_HARD_BYTES], e->hard.bytes);
	atomic_init(&sa->lt[LT_SOFT_PKTS], optsp->soft_packets);
	atomic_init(&sa->lt[LT_HARD_PKTS], optsp->hard_packets);
	atomic_init(&sa->lt_any, e->soft.bytes != 0 || e->hard.bytes != 0 ||
	    optsp->soft_packets != 0 || optsp->hard_packets != 0);
	sa->sw = optsp->single_writer;
	sa->slack = OPUB_SLACK1 * (sa->sw ? 1 : OSLOT_SHARED);
	sa->seqlim = sa->esn ? UINT64_MAX : UINT32_MAX;
	sa->seqfast = sa->esn ? SEQ_ESN_CAS : UINT32_MAX;
	esp_replay_init(&sa->replay, e->replay, sa->esn);

	if (sa->cipher == ESP_CIPHER_AES_CBC) {
		if (optsp->iv_seed != NULL)
			memcpy(sa->ivmask, optsp->iv_seed, sizeof(sa->ivmask));
		else if (RAND_bytes(sa->ivmask, sizeof(sa->ivmask)) != 1) {
			rc = ESP_E_CRYPTO;
			goto fail;
		}
	}
	if (RAND_bytes(idr, sizeof(idr)) != 1) {
		rc = ESP_E_CRYPTO;
		goto fail;
	}
	sa->ipid = rd16(idr);
	if ((rc = ops->sa_init(&p, &sa->cctx)) != 0)
		goto fail;
	explicit_bzero(&p, sizeof(p));
	*sap = sa;
	return (0);
 fail:
	explicit_bzero(&p, sizeof(p));
	esp_sa_free(sa);
	return (rc);
}

void
esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	if (sa->cctx != NULL)
		sa->ops->sa_free(sa->cctx);
	pthread_mutex_destroy(&sa->lock);
	freezero(sa, sizeof(*sa));
}

uint32_t
esp_sa_spi(const struct esp_sa *sa)
{
	return (sa->spi);
}

enum esp_backend
esp_sa_backend(const struct esp_sa *sa)
{
	return (sa->backend);
}

/* ---------------------------------------------------------- thread slots */

/*
 * This thread's output slot (see OSLOTS): claimed from a process-wide
 * bitmap on the thread's first output, given back by a thread-specific
 * data destructor when the thread exits.  The next owner carries on with
 * the slot's counts; the bitmap's release and acquire order the two
 * owners' accesses.  A thread that finds every slot taken uses the
 * shared one from then on.
 */
static pthread_once_t	 oslot_once = PTHREAD_ONCE_INIT;
static pthread_key_t	 oslot_key;
static bool		 oslot_keyok;
static atomic_uint	 oslot_busy;	/* bit i: slot i has an owner */
static _Thread_local int oslot_mine = -1;

static void
oslot_release(void *arg)
{
	unsigned id = (unsigned)((uintptr_t)arg - 1);

	/* Should a later destructor send, it claims a slot afresh. */
	oslot_mine = -1;
	atomic_fetch_and_explicit(&oslot_busy, ~(1u << id),
	    memory_order_release);
}

static void
oslot_init(void)
{
	oslot_keyok = pthread_key_create(&oslot_key, oslot_release) == 0;
}

static int
oslot_claim(void)
{
	unsigned busy, id;

	oslot_mine = OSLOT_SHARED;
	if (pthread_once(&oslot_once, oslot_init) != 0 || !oslot_keyok)
		return (OSLOT_SHARED);
	busy = atomic_load_explicit(&oslot_busy, memory_order_relaxed);
	do {
		for (id = 0; id < OSLOT_SHARED; id++)
			if ((busy & 1u << id) == 0)
				break;
		if (id == OSLOT_SHARED)
			return (OSLOT_SHARED);
	} while (!atomic_compare_exchange_weak_explicit(&oslot_busy, &busy,
	    busy | 1u << id, memory_order_acquire, memory_order_relaxed));
	if (pthread_setspecific(oslot_key, (void *)(uintptr_t)(id + 1)) !=
	    0) {
		atomic_fetch_and_explicit(&oslot_busy, ~(1u << id),
		    memory_order_release);
		return (OSLOT_SHARED);
	}
	oslot_mine = (int)id;
	return ((int)id);
}

static inline int
oslot_id(void)
{
	int id = oslot_mine;

	return (id >= 0 ? id : oslot_claim());
}

/* ------------------------------------------------------------- counters */

/* The last sequence number taken (fetches refused beyond the limit not). */
static uint64_t
sa_oseq(struct esp_sa *sa)
{
	uint64_t o, b;

	o = atomic_load_explicit(&sa->oseq, memory_order_relaxed);
	if (o > sa->seqlim) {
		b = atomic_load_explicit(&sa->obase, memory_order_relaxed);
		o = b > sa->seqlim ? b : sa->seqlim;
	}
	return (o);
}

static uint64_t
sa_out_packets(struct esp_sa *sa)
{
	uint64_t o, b;

	o = sa_oseq(sa);
	b = atomic_load_explicit(&sa->obase, memory_order_relaxed);
	return (atomic_load_explicit(&sa->opkts, memory_order_relaxed) +
	    (o > b ? o - b : 0) -
	    atomic_load_explicit(&sa->ctr[C_OUT_LOST], memory_order_relaxed));
}

static uint64_t
sa_out_bytes(struct esp_sa *sa)
{
	uint64_t b = 0;
	size_t i;

	for (i = 0; i < OSLOTS; i++)
		b += atomic_load_explicit(&sa->oslot[i].bytes,
		    memory_order_relaxed);
	return (b + atomic_load_explicit(&sa->swslot.bytes,
	    memory_order_relaxed));
}

void
esp_sa_counters(const struct esp_sa *sa, struct esp_counters *c)
{
	/* The counters are atomics; a const SA still reads them. */
	struct esp_sa *s = (struct esp_sa *)(uintptr_t)sa;

	c->out_packets = sa_out_packets(s);
	c->out_bytes = sa_out_bytes(s);
	c->in_packets = atomic_load_explicit(&s->in_packets,
	    memory_order_relaxed);
	c->in_bytes = atomic_load_explicit(&s->in_bytes,
	    memory_order_relaxed);
	c->drop_trunc = atomic_load_explicit(&s->ctr[C_TRUNC],
	    memory_order_relaxed);
	c->drop_proto = atomic_load_explicit(&s->ctr[C_PROTO],
	    memory_order_relaxed);
	c->drop_replay = atomic_load_explicit(&s->ctr[C_REPLAY],
	    memory_order_relaxed);
	c->drop_auth = atomic_load_explicit(&s->ctr[C_AUTH],
	    memory_order_relaxed);
	c->drop_pad = atomic_load_explicit(&s->ctr[C_PAD],
	    memory_order_relaxed);
	c->drop_nexthdr = atomic_load_explicit(&s->ctr[C_NEXTHDR],
	    memory_order_relaxed);
	c->drop_seqovf = atomic_load_explicit(&s->ctr[C_SEQOVF],
	    memory_order_relaxed);
	c->drop_expired = atomic_load_explicit(&s->ctr[C_EXPIRED],
	    memory_order_relaxed);
	c->drop_other = atomic_load_explicit(&s->ctr[C_OTHER],
	    memory_order_relaxed);
}

static size_t
ah_len(const struct esp_sa *sa, int af)
{
	size_t a = af == AF_INET6 ? 8 : 4;

	return ((AH_FIXLEN + sa->icvlen + a - 1) / a * a);
}

size_t
esp_sa_overhead(const struct esp_sa *sa)
{
	size_t n = 0;

	if (sa->tunnel)
		n += IP6_HDRLEN;	/* the larger; inner v4 in v6 */
	if (sa->proto == PROTO_AH)
		return (n + ah_len(sa, AF_INET6));
	if (sa->natt)
		n += UDP_HDRLEN;
	n += ESP_HDRLEN + sa->ivlen + (sa->blk - 1) + 2 + sa->icvlen;
	if (sa->tunnel)
		n += sa->opts.tfc_pad;
	return (n);
}

size_t
esp_sa_headroom(const struct esp_sa *sa)
{
	size_t n = 0;

	if (sa->tunnel)
		n += ip_hdrlen(sa->dst.af);
	if (sa->proto == PROTO_AH)
		return (n + ah_len(sa, sa->tunnel ? sa->dst.af : AF_INET6));
	if (sa->natt)
		n += UDP_HDRLEN;
	return (n + ESP_HDRLEN + sa->ivlen);
}

size_t
esp_sa_tailroom(const struct esp_sa *sa)
{
	if (sa->proto == PROTO_AH)
		return (0);
	return ((sa->tunnel ? sa->opts.tfc_pad : 0) + (sa->blk - 1) + 2 +
	    sa->icvlen);
}

static void
sa_raise(struct esp_sa *sa, unsigned ev)
{
	unsigned old;

	old = atomic_fetch_or(&sa->ev_raised, ev);
	if ((ev & ~old) != 0)
		atomic_fetch_or(&sa->ev_pending, ev & ~old);
}

unsigned
esp_sa_events(struct esp_sa *sa)
{
	return (atomic_exchange(&sa->ev_pending, 0));
}

void
esp_sa_set_oseq(struct esp_sa *sa, uint64_t last_sent)
{
	uint64_t o, b;

	o = sa_oseq(sa);
	b = atomic_load(&sa->obase);
	atomic_fetch_add(&sa->opkts, o > b ? o - b : 0);
	atomic_store(&sa->obase, last_sent);
	atomic_store(&sa->oseq, last_sent);
}

void
esp_sa_set_replay_top(struct esp_sa *sa, uint64_t top)
{
	if (sa->opts.locked)
		pthread_mutex_lock(&sa->lock);
	sa->replay.top = top;
	/*
	 * Everything up to top counts as received; the bits above top in
	 * its word stay clear (the words beyond are cleared as the window
	 * slides into them).
	 */
	memset(sa->replay.bmp, 0xff, sizeof(sa->replay.bmp));
	if ((top & 63) != 63)
		sa->replay.bmp[(top >> 6) % ESP_REPLAY_WORDS] =
		    ((uint64_t)1 << ((top & 63) + 1)) - 1;
	sa->replay.any = top != 0;
	if (sa->opts.locked)
		pthread_mutex_unlock(&sa->lock);
}

void
esp_sa_seq(struct esp_sa *sa, uint64_t *oseq, uint64_t *replay_top)
{
	if (oseq != NULL)
		*oseq = sa_oseq(sa);
	if (replay_top != NULL) {
		if (sa->opts.locked)
			pthread_mutex_lock(&sa->lock);
		*replay_top = sa->replay.top;
		if (sa->opts.locked)
			pthread_mutex_unlock(&sa->lock);
	}
}

/* The limits (see the top of the file: each on its own). */
static void
lt_load(struct esp_sa *sa, struct esp_lifetimes *l)
{
	l->soft_bytes = atomic_load_explicit(&sa->lt[LT_SOFT_BYTES],
	    memory_order_relaxed);
	l->hard_bytes = atomic_load_explicit(&sa->lt[LT_HARD_BYTES],
	    memory_order_relaxed);
	l->soft_packets = atomic_load_explicit(&sa->lt[LT_SOFT_PKTS],
	    memory_order_relaxed);
	l->hard_packets = atomic_load_explicit(&sa->lt[LT_HARD_PKTS],
	    memory_order_relaxed);
}

/* The events the packet counts reach under limits l. */
static unsigned
lt_packets(struct esp_sa *sa, const struct esp_lifetimes *l)
{
	uint64_t n;
	unsigned ev = 0;

	if (l->soft_packets != 0 || l->hard_packets != 0) {
		n = sa_out_packets(sa) + atomic_load_explicit(&sa->in_packets,
		    memory_order_relaxed);
		if (l->soft_packets != 0 && n >= l->soft_packets)
			ev |= ESP_EV_SOFT;
		if (l->hard_packets != 0 && n >= l->hard_packets)
			ev |= ESP_EV_SOFT | ESP_EV_HARD;
	}
	return (ev);
}

/* The events the exact counts reach under limits l. */
static unsigned
lt_reached(struct esp_sa *sa, const struct esp_lifetimes *l)
{
	uint64_t b;
	unsigned ev;

	ev = lt_packets(sa, l);
	if (l->soft_bytes != 0 || l->hard_bytes != 0) {
		b = sa_out_bytes(sa) + atomic_load_explicit(&sa->in_bytes,
		    memory_order_relaxed);
		if (l->soft_bytes != 0 && b >= l->soft_bytes)
			ev |= ESP_EV_SOFT;
		if (l->hard_bytes != 0 && b >= l->hard_bytes)
			ev |= ESP_EV_SOFT | ESP_EV_HARD;
	}
	return (ev);
}

/*
 * After a packet was counted: whether it crossed a lifetime; raise the
 * events once, and mark the SA dead at the hard limit.
 */
static void
sa_lifetimes(struct esp_sa *sa)
{
	struct esp_lifetimes l;
	uint64_t b, lim;
	unsigned raised, ev;
	bool dead;

	lt_load(sa, &l);
	raised = atomic_load_explicit(&sa->ev_raised, memory_order_relaxed);
	dead = atomic_load_explicit(&sa->dead, memory_order_relaxed);
	ev = lt_packets(sa, &l);
	if (l.soft_bytes != 0 || l.hard_bytes != 0) {
		/* The nearest byte limit not reached yet. */
		lim = UINT64_MAX;
		if (l.soft_bytes != 0 && (raised & ESP_EV_SOFT) == 0)
			lim = l.soft_bytes;
		if (l.hard_bytes != 0 && !dead && l.hard_bytes < lim)
			lim = l.hard_bytes;
		b = atomic_load_explicit(&sa->opub, memory_order_relaxed) +
		    atomic_load_explicit(&sa->in_bytes, memory_order_relaxed);
		if (lim != UINT64_MAX && b + sa->slack >= lim) {
			/*
			 * Near it: count exactly.  The fence orders this
			 * thread's own count before the loads, as it does
			 * on every other thread near the limit, so that of
			 * two threads counting at once one sees the other.
			 */
			atomic_thread_fence(memory_order_seq_cst);
			b = sa_out_bytes(sa) + atomic_load_explicit(
			    &sa->in_bytes, memory_order_relaxed);
			if (l.soft_bytes != 0 && b >= l.soft_bytes)
				ev |= ESP_EV_SOFT;
			if (l.hard_bytes != 0 && b >= l.hard_bytes)
				ev |= ESP_EV_SOFT | ESP_EV_HARD;
		}
	}
	/* A hard limit implies the soft one has passed too. */
	if ((ev & ESP_EV_HARD) != 0 && !dead)
		atomic_store(&sa->dead, true);
	if ((ev & ~raised) != 0)
		sa_raise(sa, ev);
}

int
esp_sa_set_lifetimes(struct esp_sa *sa, const struct esp_lifetimes *l)
{
	unsigned ev, raised, rearm = 0;

	if (sa == NULL || l == NULL)
		return (ESP_E_INVAL);
	/* One change at a time: the re-arming below reads, then writes. */
	pthread_mutex_lock(&sa->lock);
	atomic_store_explicit(&sa->lt[LT_SOFT_BYTES], l->soft_bytes,
	    memory_order_relaxed);
	atomic_store_explicit(&sa->lt[LT_HARD_BYTES], l->hard_bytes,
	    memory_order_relaxed);
	atomic_store_explicit(&sa->lt[LT_SOFT_PKTS], l->soft_packets,
	    memory_order_relaxed);
	atomic_store_explicit(&sa->lt[LT_HARD_PKTS], l->hard_packets,
	    memory_order_relaxed);
	atomic_store_explicit(&sa->lt_any, l->soft_bytes != 0 ||
	    l->hard_bytes != 0 || l->soft_packets != 0 ||
	    l->hard_packets != 0, memory_order_relaxed);

	/*
	 * Where the counts stand under the new limits.  A soft event
	 * reported for a limit they no longer reach comes again at the new
	 * one (and goes if not collected yet); the hard one, and the SA's
	 * refusal after it, stay.  Limits already reached are raised now.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	ev = lt_reached(sa, l);
	raised = atomic_load(&sa->ev_raised);
	if (!atomic_load(&sa->dead))
		rearm = raised & ESP_EV_SOFT & ~ev;
	if (rearm != 0) {
		atomic_fetch_and(&sa->ev_raised, ~rearm);
		atomic_fetch_and(&sa->ev_pending, ~rearm);
	}
	if ((ev & ESP_EV_HARD) != 0)
		atomic_store(&sa->dead, true);
	if ((ev & ~(raised & ~rearm)) != 0)
		sa_raise(sa, ev);
	pthread_mutex_unlock(&sa->lock);
	return (0);
}

void
esp_sa_lifetimes(const struct esp_sa *sa, struct esp_lifetimes *l)
{
	/* The limits are atomics; a const SA still reads them. */
	lt_load((struct esp_sa *)(uintptr_t)sa, l);
}

/*
 * Count an output packet of `bytes' inner bytes (see OSLOTS): into this
 * thread's slot, or the single writer's.
 */
static inline void
sa_out_count(struct esp_sa *sa, size_t bytes)
{
	struct oslot *s;
	int id;

	if (sa->sw)
		s = &sa->swslot;
	else if ((id = oslot_id()) != OSLOT_SHARED)
		s = &sa->oslot[id];
	else {
		s = &sa->oslot[OSLOT_SHARED];
		atomic_fetch_add_explicit(&s->bytes, bytes,
		    memory_order_relaxed);
		atomic_fetch_add_explicit(&sa->opub, bytes,
		    memory_order_relaxed);
		goto lifetimes;
	}
	/* This thread is the slot's only writer. */
	atomic_store_explicit(&s->bytes, atomic_load_explicit(&s->bytes,
	    memory_order_relaxed) + bytes, memory_order_relaxed);
	if ((s->unpub += bytes) >= OPUB_QUANTUM) {
		atomic_fetch_add_explicit(&sa->opub, s->unpub,
		    memory_order_relaxed);
		s->unpub = 0;
	}
 lifetimes:
	if (atomic_load_explicit(&sa->lt_any, memory_order_relaxed))
		sa_lifetimes(sa);
}

/*
 * Count an input packet.  The caller is the counters' only writer
 * (input is serialised per SA, or the SA's lock is held).
 */
static inline void
sa_in_count(struct esp_sa *sa, size_t bytes)
{
	atomic_store_explicit(&sa->in_packets, atomic_load_explicit(
	    &sa->in_packets, memory_order_relaxed) + 1, memory_order_relaxed);
	atomic_store_explicit(&sa->in_bytes, atomic_load_explicit(
	    &sa->in_bytes, memory_order_relaxed) + bytes,
	    memory_order_relaxed);
}

/* Count a dropped packet; returns the error. */
static int
sa_drop(struct esp_sa *sa, int rc)
{
	int c;

	switch (rc) {
	case ESP_E_TRUNC:
		c = C_TRUNC;
		break;
	case ESP_E_PROTO:
	case ESP_E_SPI:
		c = C_PROTO;
		break;
	case ESP_E_REPLAY:
		c = C_REPLAY;
		break;
	case ESP_E_AUTH:
		c = C_AUTH;
		break;
	case ESP_E_PAD:
		c = C_PAD;
		break;
	case ESP_E_NEXTHDR:
		c = C_NEXTHDR;
		break;
	case ESP_E_SEQOVF:
		c = C_SEQOVF;
		break;
	case ESP_E_EXPIRED:
		c = C_EXPIRED;
		break;
	default:
		c = C_OTHER;
		break;
	}
	atomic_fetch_add_explicit(&sa->ctr[c], 1, memory_order_relaxed);
	return (rc);
}

/*
 * Take the next outbound sequence number (see the top of the file): a
 * load and a store for a single writer; else one fetch-and-add below
 * seqfast, compare-and-swap above (ESN only).
 */
static inline int
sa_next_seq(struct esp_sa *sa, uint64_t *seq)
{
	uint64_t cur;

	cur = atomic_load_explicit(&sa->oseq, memory_order_relaxed);
	if (sa->sw) {
		if (cur < sa->seqlim) {
			atomic_store_explicit(&sa->oseq, cur + 1,
			    memory_order_relaxed);
			*seq = cur + 1;
			return (0);
		}
	} else if (cur < sa->seqfast) {
		cur = atomic_fetch_add_explicit(&sa->oseq, 1,
		    memory_order_relaxed);
		if (cur < sa->seqlim) {
			*seq = cur + 1;
			return (0);
		}
		/* Other threads took the last numbers meanwhile. */
	} else {
		while (cur < sa->seqlim)
			if (atomic_compare_exchange_weak_explicit(&sa->oseq,
			    &cur, cur + 1, memory_order_relaxed,
			    memory_order_relaxed)) {
				*seq = cur + 1;
				return (0);
			}
	}
	sa_raise(sa, ESP_EV_HARD);
	return (ESP_E_SEQOVF);
}

/* ---------------------------------------------------------- outer header */

/*
 * Write the tunnel-mode outer header (family of the SA) for a packet of
 * `total' bytes; `in' is the inner packet (for DSCP/ECN and DF).
 */
static inline size_t
outer_write(struct esp_sa *sa, uint8_t *out, size_t total,
    const struct ipinfo *in, uint64_t seq)
{
	uint64_t sum;
	uint16_t id, frag;

	if (sa->dst.af == AF_INET) {
		out[0] = 0x45;
		out[1] = in->tos;	/* RFC 6040 normal mode: ECN too */
		wr16(out + 2, (uint16_t)total);
		/*
		 * The ID: a random per-SA base plus the sequence number,
		 * distinct for 2^16 consecutive packets (RFC 6864) without
		 * another atomic counter.
		 */
		id = (uint16_t)(sa->ipid + seq);
		if (id == 0)
			id = 1;		/* an ID of 0 a raw socket rewrites */
		wr16(out + 4, id);
		frag = (in->af == AF_INET && in->df) ? 0x4000 : 0;
		wr16(out + 6, frag);
		out[8] = sa->ttl;
		out[9] = sa->oproto;
		memcpy(out + 12, &sa->src.a.v4, 4);
		memcpy(out + 16, &sa->dst.a.v4, 4);
		/* The checksum from the values, not read back from out. */
		sum = sa->v4sum + (uint64_t)in->tos + total + id + frag;
		/* Below 2^32: two folds suffice. */
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		wr16(out + 10, (uint16_t)~sum);
		return (IP4_HDRLEN);
	}
	out[0] = 0x60 | in->tos >> 4;
	out[1] = (uint8_t)(in->tos << 4);
	out[2] = out[3] = 0;
	wr16(out + 4, (uint16_t)(total - IP6_HDRLEN));
	out[6] = sa->oproto;
	out[7] = sa->ttl;
	memcpy(out + 8, &sa->src.a.v6, 16);
	memcpy(out + 24, &sa->dst.a.v6, 16);
	return (IP6_HDRLEN);
}

/* The largest packet a header's length field can describe. */
static size_t
ip_maxlen(int af)
{
	return (af == AF_INET ? 0xffff : 0xffff + IP6_HDRLEN);
}

/* --------------------------------------------------------------- output */

/* AEAD AAD (RFC 4106 5, RFC 7634 2.1): SPI | seq, or SPI | seq hi | lo. */
static size_t
esp_aad(const struct esp_sa *sa, uint64_t seq, uint8_t *aad)
{
	wr32(aad, sa->spi);
	if (sa->esn) {
		wr64(aad + 4, seq);
		return (12);
	}
	wr32(aad + 4, (uint32_t)seq);
	return (8);
}

/*
 * Where an output packet goes.  esp_output(): `in' is copied and the
 * packet starts at buf[0].  esp_output_inplace(): the inner packet lies
 * at buf + off (in == buf + off) and the packet grows around it, headers
 * written in front and trailer behind.  The results: where the packet
 * starts in buf, its length, where its ESP/AH (or UDP) header is.
 */
struct odst {
	const uint8_t	*in;
	uint8_t		*buf;
	size_t		 cap;
	size_t		 off;
	bool		 inplace;
	size_t		 pkt_off;
	size_t		 pkt_len;
	size_t		 esp_off;
};

/*
 * Room for a packet of `total' bytes of which `front' come before the
 * inner packet's first byte (in place).  Returns its first byte, or NULL
 * when the buffer is too small.
 */
static uint8_t *
odst_place(struct odst *d, size_t front, size_t total)
{
	size_t start = 0;

	if (d->inplace) {
		if (front > d->off)
			return (NULL);
		start = d->off - front;
	}
	if (total > d->cap - start)
		return (NULL);
	d->pkt_off = start;
	return (d->buf + start);
}

/* The padding bytes (RFC 4303 2.4): 1, 2, 3 ... up to a block's worth. */
static const uint8_t padpat[16] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};

/*
 * Inlined into esp_output() and esp_output_inplace() both: per packet the
 * call and the indirection through `d' cost more than the code size.
 */
static inline __attribute__((always_inline)) int
esp_output_esp(struct esp_sa *sa, const struct ipinfo *ip, struct odst *d)
{
	const uint8_t *in = d->in;
	uint8_t *p, *esp, *ivp, *pt, *icv, aad[12], esnhi[4], ivblk[16], nh;
	size_t hdrlen, plen, pay, tfc, padlen, ctlen, total, off, i;
	struct esp_seg seg[2];
	uint64_t seq;
	int af, rc;

	if (sa->tunnel) {
		af = sa->dst.af;
		hdrlen = ip_hdrlen(af);
		pay = 0;
		plen = ip->len;
		nh = ip->af == AF_INET ? PROTO_IPIP : PROTO_IPV6;
		tfc = sa->opts.tfc_pad > plen ? sa->opts.tfc_pad - plen : 0;
	} else {
		if (ip->frag)
			return (ESP_E_PROTO);
		af = ip->af;
		hdrlen = ip->hlen;
		pay = ip->hlen;
		plen = ip->len - ip->hlen;
		nh = ip->proto;
		tfc = 0;
	}
	/* The block is a power of two. */
	padlen = (0 - (plen + tfc + 2)) & (sa->blk - 1);
	ctlen = plen + tfc + padlen + 2;
	off = hdrlen + (sa->natt ? UDP_HDRLEN : 0);
	total = off + ESP_HDRLEN + sa->ivlen + ctlen + sa->icvlen;
	if (total > ip_maxlen(af))
		return (ESP_E_SPACE);
	/* In front of the payload: new headers (tunnel: all of them). */
	if ((p = odst_place(d, off + ESP_HDRLEN + sa->ivlen - pay, total)) ==
	    NULL)
		return (ESP_E_SPACE);
	if ((rc = sa_next_seq(sa, &seq)) != 0)
		return (rc);

	/* Headers in front (in place, transport: the IP header moves). */
	if (sa->tunnel)
		outer_write(sa, p, total, ip, seq);
	else {
		memmove(p, in, hdrlen);
		p[ip->nhoff] = sa->natt ? PROTO_UDP : PROTO_ESP;
		ip_set_len(p, af, ip->hlen, total);
	}
	d->esp_off = hdrlen;
	if (sa->natt) {
		wr16(p + hdrlen, sa->sport);
		wr16(p + hdrlen + 2, sa->dport);
		wr16(p + hdrlen + 4, (uint16_t)(total - hdrlen));
		wr16(p + hdrlen + 6, 0);
	}
	esp = p + off;
	/*
	 * SPI and sequence number in one store: without ESN these 8 bytes
	 * are the AEAD's AAD, which the cipher reads at once as one word
	 * (two narrower stores could not be forwarded to that load).
	 */
	wr64(esp, (uint64_t)sa->spi << 32 | (uint32_t)seq);
	ivp = esp + ESP_HDRLEN;
	pt = ivp + sa->ivlen;

	/*
	 * Plaintext where it is encrypted: payload (in place: there
	 * already), TFC padding, padding, trailer.
	 */
	if (!d->inplace)
		memcpy(pt, in + pay, plen);
	if (tfc > 0)
		memset(pt + plen, 0, tfc);
	if (padlen + 2 + sa->icvlen >= sizeof(padpat))
		/*
		 * The pattern in one store: what it writes past the
		 * padding (trailer, ICV) is written again below.
		 */
		memcpy(pt + plen + tfc, padpat, sizeof(padpat));
	else
		for (i = 0; i < padlen; i++)
			pt[plen + tfc + i] = (uint8_t)(i + 1);
	pt[ctlen - 2] = (uint8_t)padlen;
	pt[ctlen - 1] = nh;
	icv = pt + ctlen;

	if (ESP_CIPHER_IS_AEAD(sa->cipher)) {
		wr64(ivp, seq);
		/* The AAD: the ESP header itself, or with ESN a copy. */
		if (sa->esn)
			rc = sa->ops->aead_seal(sa->cctx, ivp, aad,
			    esp_aad(sa, seq, aad), pt, ctlen, pt, icv);
		else
			rc = sa->ops->aead_seal(sa->cctx, ivp, esp, ESP_HDRLEN,
			    pt, ctlen, pt, icv);
	} else {
		rc = 0;
		wr32(esnhi, (uint32_t)(seq >> 32));
		if (sa->cipher == ESP_CIPHER_AES_CBC) {
			/* IV = E_K(mask ^ seq), see the top of the file. */
			memcpy(ivblk, sa->ivmask, sizeof(ivblk));
			for (i = 0; i < 8; i++)
				ivblk[8 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
			memset(ivp, 0, 16);
			rc = sa->ops->cipher(sa->cctx, true, ivblk, ivp, 16,
			    ivp);
			explicit_bzero(ivblk, sizeof(ivblk));
		} else if (sa->cipher == ESP_CIPHER_AES_CTR)
			wr64(ivp, seq);
		if (rc == 0 && sa->mac != ESP_MAC_NONE &&
		    sa->ops->cipher_mac != NULL)
			rc = sa->ops->cipher_mac(sa->cctx, ivp, pt, ctlen, pt,
			    esp, ESP_HDRLEN + sa->ivlen + ctlen,
			    sa->esn ? esnhi : NULL, icv);
		else {
			if (rc == 0)
				rc = sa->ops->cipher(sa->cctx, true, ivp, pt,
				    ctlen, pt);
			if (rc == 0 && sa->mac != ESP_MAC_NONE) {
				seg[0].p = esp;
				seg[0].len = ESP_HDRLEN + sa->ivlen + ctlen;
				seg[1].p = esnhi;
				seg[1].len = sa->esn ? 4 : 0;
				rc = sa->ops->mac(sa->cctx, seg, 2, icv);
			}
		}
	}
	if (rc != 0) {
		explicit_bzero(p, total);
		atomic_fetch_add(&sa->ctr[C_OUT_LOST], 1);
		return (ESP_E_CRYPTO);
	}
	if (sa->natt && af == AF_INET6) {
		/* RFC 8200 8.1: UDP over IPv6 needs its checksum. */
		uint8_t *udp = p + hdrlen;
		uint16_t ck;

		ck = l4_csum(AF_INET6, ip_src(p, af), ip_dst(p, af),
		    PROTO_UDP, udp, total - hdrlen);
		wr16(udp + 6, ck == 0 ? 0xffff : ck);
	}
	d->pkt_len = total;
	sa_out_count(sa, ip->len);
	return (0);
}

/*
 * AH: the header fields that change in transit count as zero in the ICV
 * (RFC 4302 3.3.3.1).  hdr is a copy of the IP header and the extension
 * headers in front of AH; zero them in place.  Returns 0 or ESP_E_PROTO.
 */
static int
ah_zero_mutable(uint8_t *hdr, const struct ipinfo *ip)
{
	size_t off, end, optlen, elen, o;
	uint8_t nh, t;

	if (ip->af == AF_INET) {
		hdr[1] = 0;			/* TOS */
		hdr[6] = hdr[7] = 0;		/* flags, fragment offset */
		hdr[8] = 0;			/* TTL */
		hdr[10] = hdr[11] = 0;		/* checksum */
		for (off = IP4_HDRLEN; off < ip->hlen; ) {
			t = hdr[off];
			if (t == 0)		/* end of options */
				break;
			if (t == 1) {		/* no-op */
				off++;
				continue;
			}
			if (off + 2 > ip->hlen)
				return (ESP_E_PROTO);
			optlen = hdr[off + 1];
			if (optlen < 2 || off + optlen > ip->hlen)
				return (ESP_E_PROTO);
			switch (t) {
			case 130:	/* security */
			case 133:	/* extended security */
			case 134:	/* commercial security */
			case 148:	/* router alert */
			case 149:	/* sender directed multi-destination */
				break;
			case 131:	/* loose source route */
			case 137:	/* strict source route */
				/* The ICV sees the final destination. */
				if (optlen < 7)
					return (ESP_E_PROTO);
				memcpy(hdr + 16, hdr + off + optlen - 4, 4);
				/* FALLTHROUGH */
			default:
				memset(hdr + off, 0, optlen);
				break;
			}
			off += optlen;
		}
		return (0);
	}
	/* IPv6: traffic class, flow label and hop limit. */
	hdr[0] &= 0xf0;
	hdr[1] = hdr[2] = hdr[3] = 0;
	hdr[7] = 0;
	nh = hdr[6];
	for (off = IP6_HDRLEN; off < ip->hlen; ) {
		elen = ((size_t)hdr[off + 1] + 1) * 8;
		if (nh == PROTO_HOPOPTS || nh == PROTO_DSTOPTS) {
			/*
			 * Options whose type has the "may change en route"
			 * bit (RFC 8200 4.2) count as zero data.
			 */
			end = off + elen;
			o = off + 2;
			while (o < end) {
				t = hdr[o];
				if (t == 0) {		/* Pad1: one byte */
					o++;
					continue;
				}
				if (o + 2 > end || o + 2 + hdr[o + 1] > end)
					return (ESP_E_PROTO);
				optlen = hdr[o + 1];
				if (t & 0x20)
					memset(hdr + o + 2, 0, optlen);
				o += 2 + optlen;
			}
		} else if (nh == PROTO_ROUTING) {
			if (hdr[off + 3] != 0)
				return (ESP_E_PROTO);
		}
		nh = hdr[off];
		off += elen;
	}
	return (0);
}

/* Compute the AH ICV of a packet laid out as hdr | ah | rest. */
static int
ah_icv(struct esp_sa *sa, const struct ipinfo *ip, const uint8_t *hdr,
    size_t hlen, const uint8_t *ah, size_t ahl, const uint8_t *rest,
    size_t restlen, uint64_t seq, uint8_t *icv)
{
	uint8_t scratch[AH_MAXHDR + AH_FIXLEN + 64], esnhi[4];
	struct esp_seg seg[3];
	int rc;

	if (hlen > AH_MAXHDR || ahl > AH_FIXLEN + 64)
		return (ESP_E_PROTO);
	memcpy(scratch, hdr, hlen);
	if ((rc = ah_zero_mutable(scratch, ip)) != 0)
		return (rc);
	/*
	 * The ICV counts as zero; its alignment padding is covered as sent
	 * (RFC 4302 3.3.3.2.1), and output sends zeros.
	 */
	memcpy(scratch + hlen, ah, ahl);
	memset(scratch + hlen + AH_FIXLEN, 0, sa->icvlen);
	wr32(esnhi, (uint32_t)(seq >> 32));
	seg[0].p = scratch;
	seg[0].len = hlen + ahl;
	seg[1].p = rest;
	seg[1].len = restlen;
	/* RFC 4302 2.5.1: the ESN high bits follow the packet. */
	seg[2].p = esnhi;
	seg[2].len = sa->esn ? 4 : 0;
	rc = sa->ops->mac(sa->cctx, seg, 3, icv);
	return (rc == 0 ? 0 : ESP_E_CRYPTO);
}

static int
esp_output_ah(struct esp_sa *sa, const struct ipinfo *ip, struct odst *d)
{
	const uint8_t *in = d->in;
	struct ipinfo oip;
	uint8_t *p, *ah, nh;
	size_t hdrlen, pay, plen, ahl, total;
	uint64_t seq;
	int af, rc;

	if (sa->tunnel) {
		af = sa->dst.af;
		hdrlen = ip_hdrlen(af);
		pay = 0;
		plen = ip->len;
		nh = ip->af == AF_INET ? PROTO_IPIP : PROTO_IPV6;
	} else {
		if (ip->frag)
			return (ESP_E_PROTO);
		if (ip->rh_active || ip->hlen > AH_MAXHDR)
			return (ESP_E_PROTO);
		af = ip->af;
		hdrlen = ip->hlen;
		pay = ip->hlen;
		plen = ip->len - ip->hlen;
		nh = ip->proto;
	}
	ahl = ah_len(sa, af);
	total = hdrlen + ahl + plen;
	if (total > ip_maxlen(af))
		return (ESP_E_SPACE);
	if ((p = odst_place(d, hdrlen + ahl - pay, total)) == NULL)
		return (ESP_E_SPACE);
	if (!sa->tunnel && hdrlen > ip_hdrlen(af)) {
		/*
		 * IPv4 options or IPv6 extension headers the ICV covers:
		 * refuse malformed ones now, before a sequence number is
		 * taken and the packet (in place: the caller's) touched.
		 */
		uint8_t chk[AH_MAXHDR];

		memcpy(chk, in, hdrlen);
		if ((rc = ah_zero_mutable(chk, ip)) != 0)
			return (rc);
	}
	if ((rc = sa_next_seq(sa, &seq)) != 0)
		return (rc);
	if (sa->tunnel) {
		outer_write(sa, p, total, ip, seq);
		memset(&oip, 0, sizeof(oip));
		oip.af = af;
		oip.hlen = hdrlen;
	} else {
		memmove(p, in, hdrlen);
		p[ip->nhoff] = PROTO_AH;
		/*
		 * AH covers the IPv4 ID, and a raw socket with IP_HDRINCL
		 * (sadbd -R) has the kernel replace an ID of 0 after the
		 * ICV is made: give such a packet (TCP's SYN-ACKs with DF
		 * have one) an ID of its own first.
		 */
		if (af == AF_INET && rd16(p + 4) == 0)
			wr16(p + 4, (uint16_t)(sa->ipid + seq) != 0 ?
			    (uint16_t)(sa->ipid + seq) : 1);
		ip_set_len(p, af, ip->hlen, total);
		oip = *ip;
	}
	d->esp_off = hdrlen;
	ah = p + hdrlen;
	ah[0] = nh;
	ah[1] = (uint8_t)(ahl / 4 - 2);
	ah[2] = ah[3] = 0;
	wr32(ah + 4, sa->spi);
	wr32(ah + 8, (uint32_t)seq);
	memset(ah + AH_FIXLEN, 0, ahl - AH_FIXLEN);
	if (!d->inplace)
		memcpy(ah + ahl, in + pay, plen);
	rc = ah_icv(sa, &oip, p, hdrlen, ah, ahl, ah + ahl, plen, seq,
	    ah + AH_FIXLEN);
	if (rc != 0) {
		explicit_bzero(p, total);
		atomic_fetch_add(&sa->ctr[C_OUT_LOST], 1);
		return (rc);
	}
	d->pkt_len = total;
	sa_out_count(sa, ip->len);
	return (0);
}

static inline __attribute__((always_inline)) int
output_packet(struct esp_sa *sa, struct odst *d, size_t len)
{
	struct ipinfo ip;
	int rc;

	if (atomic_load_explicit(&sa->dead, memory_order_relaxed))
		return (sa_drop(sa, ESP_E_EXPIRED));
	rc = ip_parse(d->in, len, sa->tunnel ? WALK_NONE : WALK_OUT, &ip);
	if (rc != 0)
		return (sa_drop(sa, rc));
	if (sa->proto == PROTO_ESP)
		rc = esp_output_esp(sa, &ip, d);
	else {
		/*
		 * AH is not inlined: it gets copies, so that the address of
		 * neither struct escapes and ESP keeps them in registers.
		 */
		struct ipinfo aip = ip;
		struct odst ad = *d;

		if ((rc = esp_output_ah(sa, &aip, &ad)) == 0)
			*d = ad;
	}
	if (rc != 0)
		return (sa_drop(sa, rc));
	return (0);
}

int
esp_output(struct esp_sa *sa, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outcap, size_t *outlen, size_t *esp_off)
{
	struct odst d;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (sa == NULL || in == NULL || out == NULL || outlen == NULL)
		return (ESP_E_INVAL);
	d.in = in;
	d.buf = out;
	d.cap = outcap;
	d.off = 0;
	d.inplace = false;
	if ((rc = output_packet(sa, &d, inlen)) != 0)
		return (rc);
	*outlen = d.pkt_len;
	if (esp_off != NULL)
		*esp_off = d.esp_off;
	return (0);
}

int
esp_output_inplace(struct esp_sa *sa, uint8_t *buf, size_t bufcap,
    size_t off, size_t len, size_t *pkt_off, size_t *pkt_len,
    size_t *esp_off)
{
	struct odst d;
	int rc;

	if (pkt_off != NULL)
		*pkt_off = 0;
	if (pkt_len != NULL)
		*pkt_len = 0;
	if (sa == NULL || buf == NULL || pkt_off == NULL || pkt_len == NULL ||
	    off > bufcap || len > bufcap - off)
		return (ESP_E_INVAL);
	d.in = buf + off;
	d.buf = buf;
	d.cap = bufcap;
	d.off = off;
	d.inplace = true;
	if ((rc = output_packet(sa, &d, len)) != 0)
		return (rc);
	*pkt_off = d.pkt_off;
	*pkt_len = d.pkt_len;
	if (esp_off != NULL)
		*esp_off = d.pkt_off + d.esp_off;
	return (0);
}

/* ---------------------------------------------------------------- input */

/* Replay check and update, under the SA's lock when asked for. */
static inline int
replay_check(struct esp_sa *sa, uint32_t seqlo, uint64_t *seq)
{
	int rc;

	if (sa->opts.locked)
		pthread_mutex_lock(&sa->lock);
	rc = esp_replay_check(&sa->replay, seqlo, seq);
	if (sa->opts.locked)
		pthread_mutex_unlock(&sa->lock);
	return (rc);
}

/*
 * The last step of a packet's input: record seq in the window and count
 * the packet (`bytes' delivered), under the SA's lock when asked for,
 * which keeps the input counters to one writer at a time.
 */
static inline __attribute__((always_inline)) int
replay_commit(struct esp_sa *sa, uint64_t seq, size_t bytes)
{
	int rc;

	if (sa->opts.locked)
		pthread_mutex_lock(&sa->lock);
	rc = esp_replay_update(&sa->replay, seq);
	if (rc == 0)
		sa_in_count(sa, bytes);
	if (sa->opts.locked)
		pthread_mutex_unlock(&sa->lock);
	if (rc == 0 && atomic_load_explicit(&sa->lt_any, memory_order_relaxed))
		sa_lifetimes(sa);
	return (rc);
}

/*
 * Clear decrypted bytes that are not delivered: explicit_bzero(), with
 * the few bytes of a trailer (the common case) stored inline rather than
 * through a library call per packet.
 */
static inline void
wipe(void *p, size_t n)
{
	static const uint8_t zero[16];
	uint8_t *b = p;

	/*
	 * Two overlapping stores of a fixed size cover n bytes.  The bytes
	 * are the caller's (its output or its packet), which it reads
	 * after the return: no compiler may drop these stores.
	 */
	if (n > 32)
		explicit_bzero(p, n);
	else if (n >= 16) {
		memcpy(b, zero, 16);
		memcpy(b + n - 16, zero, 16);
	} else if (n >= 8) {
		memcpy(b, zero, 8);
		memcpy(b + n - 8, zero, 8);
	} else if (n >= 4) {
		memcpy(b, zero, 4);
		memcpy(b + n - 4, zero, 4);
	} else
		while (n-- > 0)
			*b++ = 0;
}

/*
 * Whether the n padding bytes before `end' are 1, 2, 3 ... n (RFC 4303
 * 2.4); `avail' bytes before end are readable.  Up to 16 of them with 16
 * readable: one masked comparison of the 16 bytes before end, against
 * the pattern and mask tables at offset n (their last n of 16 bytes are
 * 1 .. n and ones).  Else byte by byte.
 */
static const uint8_t padexp[32] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16
};
static const uint8_t padmask[32] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

static inline bool
pad_ok(const uint8_t *end, size_t n, size_t avail)
{
	const uint8_t *pad = end - n;
	uint64_t q[2], e[2], m[2];
	size_t i;

	if (n <= 16 && avail >= 16) {
		memcpy(q, end - 16, 16);
		memcpy(e, padexp + n, 16);
		memcpy(m, padmask + n, 16);
		return ((((q[0] ^ e[0]) & m[0]) | ((q[1] ^ e[1]) & m[1])) ==
		    0);
	}
	for (i = 0; i < n; i++)
		if (pad[i] != (uint8_t)(i + 1))
			return (false);
	return (true);
}

/*
 * Tunnel mode: the inner packet at p (avail bytes of decrypted payload,
 * TFC padding possibly after it): check it, take its length from its
 * header (RFC 4303 2.7), apply the outer ECN (RFC 6040 4.2).
 */
static inline int
inner_check(uint8_t *p, size_t avail, uint8_t nh, uint8_t outer_tos,
    size_t *len)
{
	size_t hl, l;
	uint8_t tos, ie, oe = outer_tos & 3, ne;

	if (avail < 1)
		return (ESP_E_PROTO);
	if ((nh == PROTO_IPIP && p[0] >> 4 != 4) ||
	    (nh == PROTO_IPV6 && p[0] >> 4 != 6))
		return (ESP_E_NEXTHDR);
	/* The base header only, as ip_parse() with WALK_NONE. */
	if (p[0] >> 4 == 4) {
		if (avail < IP4_HDRLEN)
			return (ESP_E_PROTO);
		hl = (size_t)(p[0] & 0x0f) * 4;
		l = rd16(p + 2);
		if (hl < IP4_HDRLEN || l < hl || l > avail)
			return (ESP_E_PROTO);
		tos = p[1];
	} else {
		if (avail < IP6_HDRLEN)
			return (ESP_E_PROTO);
		hl = 0;
		l = (size_t)rd16(p + 4) + IP6_HDRLEN;
		if ((l == IP6_HDRLEN && p[6] == PROTO_HOPOPTS) || l > avail)
			return (ESP_E_PROTO);
		tos = (uint8_t)((p[0] & 0x0f) << 4 | p[1] >> 4);
	}
	ie = tos & 3;
	ne = ie;
	if (ie == 0) {
		if (oe == 3)
			return (ESP_E_PROTO);	/* CE over Not-ECT: drop */
	} else if (ie != 3) {
		if (oe == 3)
			ne = 3;
		else if (oe == 1 && ie == 2)
			ne = 1;
	}
	if (ne != ie) {
		if (hl != 0) {
			p[1] = (uint8_t)((p[1] & ~3) | ne);
			ip4_set_csum(p, hl);
		} else
			p[1] = (uint8_t)((p[1] & ~0x30) | ne << 4);
	}
	*len = l;
	return (0);
}

/* Transport mode over NAT-T: repair the inner checksum (RFC 3948 3.1.2). */
static void
natt_fix_l4(uint8_t *pkt, const struct ipinfo *ip, uint8_t proto,
    size_t hlen, size_t len)
{
	uint8_t *l4 = pkt + hlen;
	size_t l4len = len - hlen;
	uint16_t ck;

	if (proto == PROTO_UDP && l4len >= UDP_HDRLEN) {
		if (ip->af == AF_INET) {
			wr16(l4 + 6, 0);
			return;
		}
		wr16(l4 + 6, 0);
		ck = l4_csum(ip->af, ip_src(pkt, ip->af), ip_dst(pkt, ip->af),
		    PROTO_UDP, l4, l4len);
		wr16(l4 + 6, ck == 0 ? 0xffff : ck);
	} else if (proto == PROTO_TCP && l4len >= 20) {
		wr16(l4 + 16, 0);
		ck = l4_csum(ip->af, ip_src(pkt, ip->af), ip_dst(pkt, ip->af),
		    PROTO_TCP, l4, l4len);
		wr16(l4 + 16, ck);
	}
}

/*
 * Where input puts the packet.  esp_input(): decrypted into out (outcap
 * bytes), which does not overlap in.  esp_input_inplace(): decrypted
 * where it lies, mut being the received packet (in) writable.  The
 * results: where the delivered packet starts (in out or mut) and its
 * length.
 */
struct idst {
	const uint8_t	*in;
	uint8_t		*mut;		/* in place; NULL when copying */
	uint8_t		*out;
	size_t		 outcap;
	size_t		 res_off;
	size_t		 res_len;
};

/* Inlined into esp_input() and esp_input_inplace(), as output is. */
static inline __attribute__((always_inline)) int
esp_input_esp(struct esp_sa *sa, const struct ipinfo *ip, struct idst *d)
{
	const uint8_t *in = d->in, *esp, *ivp, *ct, *icv;
	uint8_t *base, *pt, *hdr, aad[12], esnhi[4], tag[64], padlen, nh;
	size_t off, esplen, ctlen, datalen, i, ilen, hlen;
	struct esp_seg seg[2];
	uint64_t seq;
	int rc;

	off = ip->hlen;
	if (ip->proto == PROTO_UDP) {
		if (!sa->natt)
			return (ESP_E_PROTO);
		if (ip->len < off + UDP_HDRLEN)
			return (ESP_E_TRUNC);
		off += UDP_HDRLEN;
		/* Keepalives and IKE (non-ESP marker) are not ours. */
		if (ip->len - off == 1 && in[off] == ESP_NATT_KEEPALIVE)
			return (ESP_E_PROTO);
		if (ip->len - off >= 4 && rd32(in + off) == 0)
			return (ESP_E_PROTO);
	} else if (ip->proto != PROTO_ESP || sa->natt)
		return (ESP_E_PROTO);
	esp = in + off;
	esplen = ip->len - off;
	if (esplen < (size_t)ESP_HDRLEN + sa->ivlen + 2 + sa->icvlen)
		return (ESP_E_TRUNC);
	if (rd32(esp) != sa->spi)
		return (ESP_E_SPI);
	ivp = esp + ESP_HDRLEN;
	ct = ivp + sa->ivlen;
	ctlen = esplen - ESP_HDRLEN - sa->ivlen - sa->icvlen;
	icv = ct + ctlen;
	if (sa->cipher == ESP_CIPHER_AES_CBC && (ctlen & 15) != 0)
		return (ESP_E_PROTO);
	if ((rc = replay_check(sa, rd32(esp + 4), &seq)) != 0)
		return (rc);

	/*
	 * The plaintext: in place over the ciphertext, or in out (tunnel:
	 * the inner packet from out[0]; transport: after the IP header,
	 * which goes right in front of it in either case).
	 */
	hlen = ip->hlen;
	if (d->mut != NULL) {
		base = d->mut;
		pt = base + (ct - in);
	} else {
		base = d->out;
		i = sa->tunnel ? 0 : hlen;
		if (i + ctlen > d->outcap)
			return (ESP_E_SPACE);
		pt = base + i;
	}

	if (ESP_CIPHER_IS_AEAD(sa->cipher)) {
		/* The AAD: the received ESP header, or with ESN a copy. */
		if (sa->esn)
			rc = sa->ops->aead_open(sa->cctx, ivp, aad,
			    esp_aad(sa, seq, aad), ct, ctlen, pt, icv, tag);
		else
			rc = sa->ops->aead_open(sa->cctx, ivp, esp, ESP_HDRLEN,
			    ct, ctlen, pt, icv, tag);
		if (rc == 0)
			rc = esp_ct_equal(tag, icv, sa->icvlen) ? 0 :
			    ESP_E_AUTH;
		else if (rc == ESP_CRYPTO_VERIFIED)
			rc = 0;
		else if (rc != ESP_E_AUTH)
			rc = ESP_E_CRYPTO;
		if (rc != 0) {
			explicit_bzero(pt, ctlen);
			return (rc);
		}
	} else {
		/* Integrity first: nothing is decrypted before. */
		if (sa->mac != ESP_MAC_NONE) {
			wr32(esnhi, (uint32_t)(seq >> 32));
			seg[0].p = esp;
			seg[0].len = ESP_HDRLEN + sa->ivlen + ctlen;
			seg[1].p = esnhi;
			seg[1].len = sa->esn ? 4 : 0;
			if (sa->ops->mac(sa->cctx, seg, 2, tag) != 0)
				return (ESP_E_CRYPTO);
			if (!esp_ct_equal(tag, icv, sa->icvlen))
				return (ESP_E_AUTH);
		}
		if (sa->ops->cipher(sa->cctx, false, ivp, ct, ctlen, pt) != 0) {
			explicit_bzero(pt, ctlen);
			return (ESP_E_CRYPTO);
		}
	}

	/* The trailer (RFC 4303 2.4-2.6). */
	padlen = pt[ctlen - 2];
	nh = pt[ctlen - 1];
	rc = 0;
	if ((size_t)padlen + 2 > ctlen ||
	    !pad_ok(pt + ctlen - 2, padlen, ctlen - 2))
		rc = ESP_E_PAD;
	datalen = ctlen - 2 - padlen;
	if (rc == 0 && sa->tunnel && nh != PROTO_IPIP && nh != PROTO_IPV6 &&
	    nh != PROTO_NONE)
		rc = ESP_E_NEXTHDR;
	if (rc == 0 && nh == PROTO_NONE) {
		/* A dummy packet (RFC 4303 2.6): valid, nothing to give. */
		explicit_bzero(pt, ctlen);
		return (replay_commit(sa, seq, 0));
	}
	if (rc == 0 && sa->tunnel) {
		rc = inner_check(pt, datalen, nh, ip->tos, &ilen);
		if (rc == 0) {
			wipe(pt + ilen, ctlen - ilen);
			d->res_off = (size_t)(pt - base);
			d->res_len = ilen;
		}
	} else if (rc == 0) {
		if (hlen + datalen > ip_maxlen(ip->af))
			rc = ESP_E_PROTO;
		else {
			wipe(pt + datalen, ctlen - datalen);
			hdr = pt - hlen;
			memmove(hdr, in, hlen);
			hdr[ip->nhoff] = nh;
			ip_set_len(hdr, ip->af, hlen, hlen + datalen);
			if (sa->natt)
				natt_fix_l4(hdr, ip, nh, hlen, hlen + datalen);
			d->res_off = (size_t)(hdr - base);
			d->res_len = hlen + datalen;
		}
	}
	if (rc == 0)
		rc = replay_commit(sa, seq, d->res_len);
	if (rc != 0) {
		explicit_bzero(pt, ctlen);
		d->res_off = d->res_len = 0;
		return (rc);
	}
	return (0);
}

static int
esp_input_ah(struct esp_sa *sa, const struct ipinfo *ip, struct idst *d)
{
	const uint8_t *in = d->in, *ah, *rest;
	uint8_t *base, *p, tag[64], nh;
	size_t ahl, restlen, ilen, hlen;
	uint64_t seq;
	int rc;

	if (ip->proto != PROTO_AH)
		return (ESP_E_PROTO);
	hlen = ip->hlen;
	if (ip->len < hlen + AH_FIXLEN)
		return (ESP_E_TRUNC);
	ah = in + hlen;
	ahl = ((size_t)ah[1] + 2) * 4;
	if (ahl != ah_len(sa, ip->af))
		return (ESP_E_PROTO);
	if (ip->len < hlen + ahl)
		return (ESP_E_TRUNC);
	if (rd32(ah + 4) != sa->spi)
		return (ESP_E_SPI);
	if (hlen > AH_MAXHDR)
		return (ESP_E_PROTO);
	if ((rc = replay_check(sa, rd32(ah + 8), &seq)) != 0)
		return (rc);
	rest = ah + ahl;
	restlen = ip->len - hlen - ahl;
	if ((rc = ah_icv(sa, ip, in, hlen, ah, ahl, rest, restlen, seq,
	    tag)) != 0)
		return (rc);
	if (!esp_ct_equal(tag, ah + AH_FIXLEN, sa->icvlen))
		return (ESP_E_AUTH);
	nh = ah[0];
	if (sa->tunnel && nh != PROTO_IPIP && nh != PROTO_IPV6)
		return (ESP_E_NEXTHDR);
	base = d->mut != NULL ? d->mut : d->out;
	if (sa->tunnel) {
		/* The inner packet: where it is, or copied to out. */
		if (d->mut != NULL)
			p = base + (rest - in);
		else {
			if (restlen > d->outcap)
				return (ESP_E_SPACE);
			p = base;
			memcpy(p, rest, restlen);
		}
		if ((rc = inner_check(p, restlen, nh, ip->tos, &ilen)) != 0)
			return (rc);
	} else {
		/* The IP header right in front of what followed AH. */
		if (d->mut != NULL) {
			p = base + (rest - in) - hlen;
			memmove(p, in, hlen);
		} else {
			if (hlen + restlen > d->outcap)
				return (ESP_E_SPACE);
			p = base;
			memcpy(p, in, hlen);
			memcpy(p + hlen, rest, restlen);
		}
		p[ip->nhoff] = nh;
		ilen = hlen + restlen;
		ip_set_len(p, ip->af, hlen, ilen);
	}
	if ((rc = replay_commit(sa, seq, ilen)) != 0)
		return (rc);
	d->res_off = (size_t)(p - base);
	d->res_len = ilen;
	return (0);
}

static inline __attribute__((always_inline)) int
input_packet(struct esp_sa *sa, struct idst *d, size_t len)
{
	struct ipinfo ip;
	int rc;

	d->res_off = d->res_len = 0;
	if (atomic_load_explicit(&sa->dead, memory_order_relaxed))
		return (sa_drop(sa, ESP_E_EXPIRED));
	if ((rc = ip_parse(d->in, len, WALK_IN, &ip)) != 0)
		return (sa_drop(sa, rc));
	if (ip.frag)
		return (sa_drop(sa, ESP_E_PROTO));	/* reassemble first */
	if (sa->proto == PROTO_ESP)
		rc = esp_input_esp(sa, &ip, d);
	else {
		/* Copies for AH, as for output. */
		struct ipinfo aip = ip;
		struct idst ad = *d;

		rc = esp_input_ah(sa, &aip, &ad);
		d->res_off = ad.res_off;
		d->res_len = ad.res_len;
	}
	if (rc != 0)
		return (sa_drop(sa, rc));
	return (0);
}

int
esp_input(struct esp_sa *sa, const uint8_t *in, size_t inlen, uint8_t *out,
    size_t outcap, size_t *outlen)
{
	struct idst d;
	int rc;

	if (outlen != NULL)
		*outlen = 0;
	if (sa == NULL || in == NULL || out == NULL || outlen == NULL)
		return (ESP_E_INVAL);
	d.in = in;
	d.mut = NULL;
	d.out = out;
	d.outcap = outcap;
	if ((rc = input_packet(sa, &d, inlen)) != 0)
		return (rc);
	/* Copying, the packet starts at out[0]. */
	*outlen = d.res_len;
	return (0);
}

int
esp_input_inplace(struct esp_sa *sa, uint8_t *buf, size_t len,
    size_t *inner_off, size_t *inner_len)
{
	struct idst d;
	int rc;

	if (inner_off != NULL)
		*inner_off = 0;
	if (inner_len != NULL)
		*inner_len = 0;
	if (sa == NULL || buf == NULL || inner_off == NULL ||
	    inner_len == NULL)
		return (ESP_E_INVAL);
	d.in = buf;
	d.mut = buf;
	d.out = NULL;
	d.outcap = 0;
	if ((rc = input_packet(sa, &d, len)) != 0)
		return (rc);
	*inner_off = d.res_off;
	*inner_len = d.res_len;
	return (0);
}

/* ------------------------------------------------------ classification */

int
esp_packet_spi(const uint8_t *pkt, size_t len, struct esp_pkt_id *id)
{
	struct ipinfo ip;
	size_t off, rem;
	int rc;

	memset(id, 0, sizeof(*id));
	if ((rc = ip_parse(pkt, len, WALK_IN, &ip)) != 0)
		return (rc);
	if (ip.frag)
		return (ESP_E_PROTO);
	addr_from(&id->src, ip.af, ip_src(pkt, ip.af));
	addr_from(&id->dst, ip.af, ip_dst(pkt, ip.af));
	off = ip.hlen;
	rem = ip.len - off;
	switch (ip.proto) {
	case PROTO_ESP:
		if (rem < ESP_HDRLEN)
			return (ESP_E_TRUNC);
		id->proto = PROTO_ESP;
		id->spi = rd32(pkt + off);
		return (0);
	case PROTO_AH:
		if (rem < AH_FIXLEN)
			return (ESP_E_TRUNC);
		id->proto = PROTO_AH;
		id->spi = rd32(pkt + off + 4);
		return (0);
	case PROTO_UDP:
		if (rem < UDP_HDRLEN)
			return (ESP_E_TRUNC);
		id->sport = rd16(pkt + off);
		id->dport = rd16(pkt + off + 2);
		off += UDP_HDRLEN;
		rem -= UDP_HDRLEN;
		if (rem == 1 && pkt[off] == ESP_NATT_KEEPALIVE)
			return (ESP_E_PROTO);
		if (rem >= 4 && rd32(pkt + off) == 0)
			return (ESP_E_PROTO);	/* non-ESP marker: IKE */
		if (rem < ESP_HDRLEN)
			return (ESP_E_TRUNC);
		id->proto = PROTO_ESP;
		id->udp = true;
		id->spi = rd32(pkt + off);
		return (0);
	default:
		return (ESP_E_PROTO);
	}
}

long
esp_fake_outer(uint8_t *buf, size_t headroom, size_t plen,
    const struct sad_addr *src, const struct sad_addr *dst, uint16_t sport,
    uint16_t dport)
{
	size_t hl, ul, total;
	uint8_t *p;
	int af;

	if (src == NULL || dst == NULL || src->af != dst->af ||
	    (src->af != AF_INET && src->af != AF_INET6))
		return (-1);
	af = src->af;
	ul = (sport != 0 || dport != 0) ? UDP_HDRLEN : 0;
	hl = ip_hdrlen(af) + ul;
	if (hl > headroom)
		return (-1);
	total = hl + plen;
	if (total > ip_maxlen(af) || (ul != 0 && plen + ul > 0xffff))
		return (-1);
	p = buf + headroom - hl;
	if (af == AF_INET) {
		memset(p, 0, IP4_HDRLEN);
		p[0] = 0x45;
		wr16(p + 2, (uint16_t)total);
		p[8] = DEF_TTL;
		p[9] = ul != 0 ? PROTO_UDP : PROTO_ESP;
		memcpy(p + 12, &src->a.v4, 4);
		memcpy(p + 16, &dst->a.v4, 4);
		ip4_set_csum(p, IP4_HDRLEN);
	} else {
		memset(p, 0, IP6_HDRLEN);
		p[0] = 0x60;
		wr16(p + 4, (uint16_t)(total - IP6_HDRLEN));
		p[6] = ul != 0 ? PROTO_UDP : PROTO_ESP;
		p[7] = DEF_TTL;
		memcpy(p + 8, &src->a.v6, 16);
		memcpy(p + 24, &dst->a.v6, 16);
	}
	if (ul != 0) {
		/* Checksum 0: the packet never leaves the process. */
		wr16(p + ip_hdrlen(af), sport);
		wr16(p + ip_hdrlen(af) + 2, dport);
		wr16(p + ip_hdrlen(af) + 4, (uint16_t)(plen + UDP_HDRLEN));
		wr16(p + ip_hdrlen(af) + 6, 0);
	}
	return ((long)(headroom - hl));
}
