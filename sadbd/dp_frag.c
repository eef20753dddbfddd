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
 * The data plane's sizes: what an SA bundle makes of a packet's length
 * and the largest inner packet a path carries whole; ICMP "fragmentation
 * needed" (RFC 792, RFC 1191) and ICMPv6 Packet Too Big (RFC 4443, RFC
 * 8201) for the inner sender; outer fragmentation where no socket does
 * it (RFC 791, RFC 8200 4.5); reassembly of the fragments the host made
 * of its own packets before they are looked up and protected; a token
 * bucket; the kernel's path MTU towards a peer.  Nothing here knows
 * about threads but the reassembly table and the token bucket, which
 * lock themselves.  Every length is checked against its buffer.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sadbd.h"

#ifndef IP_MTU
#define IP_MTU			14	/* Linux */
#endif

#define IP4_HDRLEN		20
#define IP6_HDRLEN		40
#define IP4_MAXHDR		60
#define UDP_HDRLEN		8
#define FRAG6_HDRLEN		8
#define ESP_TRAILER		2	/* pad length, next header */
#define AH_FIXLEN		12

#define PROTO_HOPOPTS		0
#define PROTO_ICMP		1
#define PROTO_ROUTING		43
#define PROTO_FRAGMENT		44
#define PROTO_ICMPV6		58
#define PROTO_DSTOPTS		60

#define IP4_DF			0x4000
#define IP4_MF			0x2000
#define IP4_OFFMASK		0x1fff

/* RFC 1812 4.3.2.3, RFC 4443 2.4 (c): how long an ICMP error may be. */
#define ICMP4_MAXLEN		576
#define ICMP6_MAXLEN		1280

/* Reassembly: datagrams at once, fragments each, how long they wait. */
#define RQ_MAX			64
#define RQ_MAXFRAGS		128
#define RQ_MS			30000
#define RQ_HDRMAX		DP_REASM_HDRMAX
#define RQ_BUFLEN		(RQ_HDRMAX + 65536)

static uint16_t
be16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void
ip4_csum(uint8_t *ip, size_t hl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_add(0, ip, hl));
	memcpy(ip + 10, &c, 2);
}

static size_t
roundup_pow2(size_t v, size_t a)
{
	return ((v + a - 1) & ~(a - 1));
}

/* ----------------------------------------------------------- IP headers */

size_t
dp_ip6_unfrag(const uint8_t *p, size_t len, size_t *nhoff)
{
	size_t off = IP6_HDRLEN, nho = 6, next, end;
	uint8_t nh;

	if (len < IP6_HDRLEN || (p[0] >> 4) != 6)
		return (0);
	end = IP6_HDRLEN + (size_t)be16(p + 4);
	if (end > len)
		return (0);
	nh = p[6];
	/*
	 * RFC 8200 4.5: hop-by-hop options, routing headers and the
	 * destination options that precede a routing header are the
	 * unfragmentable part (where the engine also puts ESP and AH).
	 */
	for (;;) {
		if (nh != PROTO_HOPOPTS && nh != PROTO_ROUTING &&
		    nh != PROTO_DSTOPTS)
			break;
		if (off + 8 > end)
			return (0);
		next = off + ((size_t)p[off + 1] + 1) * 8;
		if (next > end)
			return (0);
		if (nh == PROTO_DSTOPTS) {
			/* Only in front of a routing header. */
			if (p[off] != PROTO_ROUTING)
				break;
		}
		nho = off;
		nh = p[off];
		off = next;
	}
	if (nhoff != NULL)
		*nhoff = nho;
	return (off);
}

/* The header bytes transport mode keeps in front of ESP/AH. */
static size_t
inner_hl(const uint8_t *p, size_t len)
{
	if (len >= IP4_HDRLEN && (p[0] >> 4) == 4)
		return ((size_t)(p[0] & 0x0f) * 4);
	return (dp_ip6_unfrag(p, len, NULL));
}

bool
dp_is_fragment(const uint8_t *p, size_t len)
{
	size_t nhoff;

	if (len >= IP4_HDRLEN && (p[0] >> 4) == 4)
		return ((be16(p + 6) & (IP4_MF | IP4_OFFMASK)) != 0);
	/* A Fragment header right behind the unfragmentable part. */
	if (dp_ip6_unfrag(p, len, &nhoff) == 0)
		return (false);
	return (p[nhoff] == PROTO_FRAGMENT);
}

/* --------------------------------------------------------------- sizes */

void
dp_ovh_init(struct dp_ovh *o, const struct sad_entry *e, size_t headroom,
    size_t tailroom)
{
	size_t icv;

	memset(o, 0, sizeof(*o));
	o->tunnel = e->mode == PFKEY_MODE_TUNNEL;
	o->oaf = (uint8_t)e->dst.af;
	o->natt = e->x != NULL && e->x->natt_type != 0;
	o->head = (uint16_t)headroom;
	if (e->satype == PFKEY_SATYPE_AH) {
		o->esp = false;
		/*
		 * Transport AH over IPv4 is aligned to 4 bytes, the headroom
		 * the engine names to 8 (IPv6); the ICV length tells.
		 */
		switch (e->aalg) {
		case PFKEY_AALG_SHA1HMAC:
			icv = 12;
			break;
		case PFKEY_AALG_SHA2_256HMAC:
			icv = 16;
			break;
		case PFKEY_AALG_SHA2_384HMAC:
			icv = 24;
			break;
		case PFKEY_AALG_SHA2_512HMAC:
			icv = 32;
			break;
		default:
			icv = 0;
			break;
		}
		o->ah4 = o->head;	/* at worst a few bytes too many */
		if (!o->tunnel && icv != 0 &&
		    roundup_pow2(AH_FIXLEN + icv, 8) == headroom)
			o->ah4 = (uint16_t)roundup_pow2(AH_FIXLEN + icv, 4);
		return;
	}
	o->esp = true;
	/* RFC 3602: AES-CBC pads to its block; the others to 4 bytes. */
	o->blk = e->ealg == PFKEY_EALG_AESCBC ? 16 : 4;
	if (tailroom >= (size_t)o->blk - 1 + ESP_TRAILER &&
	    tailroom - (o->blk - 1) - ESP_TRAILER <= 255)
		o->icv = (uint8_t)(tailroom - (o->blk - 1) - ESP_TRAILER);
	else {
		/* Not what we know of the engine: assume the most. */
		o->blk = 1;
		o->icv = (uint8_t)(tailroom > 255 ? 255 : tailroom);
	}
}

size_t
dp_ovh_wire(const struct dp_ovh *const *c, size_t n, size_t len, size_t hl,
    int af, bool udp)
{
	const struct dp_ovh *o;
	size_t i, pay;

	if (n == 0)
		return (len);
	for (i = 0; i < n; i++) {
		o = c[i];
		if (o->tunnel) {
			len = o->esp ? o->head + roundup_pow2(len +
			    ESP_TRAILER, o->blk) + o->icv : o->head + len;
			af = o->oaf;
			hl = af == AF_INET ? IP4_HDRLEN : IP6_HDRLEN;
			continue;
		}
		if (len < hl)
			hl = len;
		pay = len - hl;
		if (o->esp)
			len = hl + o->head + roundup_pow2(pay + ESP_TRAILER,
			    o->blk) + o->icv;
		else
			len += af == AF_INET ? o->ah4 : o->head;
	}
	/*
	 * A UDP socket sends what follows the engine's IP header behind a
	 * plain one of its own, and the UDP header where the SA has none.
	 */
	if (udp)
		len = len - hl + (af == AF_INET ? IP4_HDRLEN : IP6_HDRLEN) +
		    (c[n - 1]->natt ? 0 : UDP_HDRLEN);
	return (len);
}

size_t
dp_ovh_mtu(const struct dp_ovh *const *c, size_t n, size_t hl, int af,
    bool udp, size_t mtu)
{
	size_t lo = hl, hi = 65535, mid;

	/* The wire length never shrinks as the inner one grows. */
	if (dp_ovh_wire(c, n, lo, hl, af, udp) > mtu)
		return (0);
	while (lo < hi) {
		mid = lo + (hi - lo + 1) / 2;
		if (dp_ovh_wire(c, n, mid, hl, af, udp) <= mtu)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (lo);
}

int
dp_mtu_decide(const uint8_t *pkt, size_t len, const struct dp_ovh *const *c,
    size_t n, bool udp, size_t pmtu, bool reassembled, size_t *wire,
    size_t *report)
{
	size_t hl, mtu;
	int af;

	*report = 0;
	*wire = len;
	if (len < 1)
		return (DP_MTU_FITS);
	af = (pkt[0] >> 4) == 4 ? AF_INET : AF_INET6;
	if ((hl = inner_hl(pkt, len)) == 0 || hl > len)
		hl = af == AF_INET ? IP4_HDRLEN : IP6_HDRLEN;
	*wire = dp_ovh_wire(c, n, len, hl, af, udp);
	if (pmtu == 0 || *wire <= pmtu)
		return (DP_MTU_FITS);
	/*
	 * What the host cut into fragments it wanted cut: never ask it
	 * for less (it would cut the same datagram again).
	 */
	if (reassembled)
		return (DP_MTU_FRAGMENT);
	mtu = dp_ovh_mtu(c, n, hl, af, udp, pmtu);
	if (af == AF_INET) {
		if (len >= IP4_HDRLEN && !(be16(pkt + 6) & IP4_DF))
			return (DP_MTU_FRAGMENT);
		*report = mtu < DP_IP4_MINMTU ? DP_IP4_MINMTU : mtu;
		return (DP_MTU_TOO_BIG);
	}
	/*
	 * IPv6 is never fragmented on its way, so the sender learns the
	 * MTU, unless the tunnel cannot carry 1280 bytes whole: then it
	 * fragments (RFC 8200 5), and asks only for that much.
	 */
	if (mtu >= DP_IP6_MINMTU) {
		*report = mtu;
		return (DP_MTU_TOO_BIG);
	}
	if (len > DP_IP6_MINMTU) {
		*report = DP_IP6_MINMTU;
		return (DP_MTU_TOO_BIG);
	}
	return (DP_MTU_FRAGMENT);
}

/* ---------------------------------------------------------------- ICMP */

/* Whether an IPv4 source may be sent an ICMP error (RFC 1812 4.3.2.7). */
static bool
ip4_src_ok(const uint8_t *a)
{
	if (a[0] == 0 || a[0] == 127 || (a[0] & 0xf0) >= 0xe0)
		return (false);		/* this net, loopback, class D, E */
	return (true);
}

size_t
dp_icmp_too_big(uint8_t *out, size_t cap, const uint8_t *pkt, size_t len,
    const struct sad_addr *src, uint32_t mtu)
{
	struct spd_flow f;
	size_t l4, quote, total;
	uint64_t sum;
	uint16_t c;
	uint8_t ph[8];

	if (dp_flow_parse(pkt, len, &f, &l4) != 0 || src->af != f.src.af)
		return (0);
	if (f.src.af == AF_INET) {
		/* Not for a later fragment or about an ICMP error. */
		if ((be16(pkt + 6) & IP4_OFFMASK) != 0)
			return (0);
		if (f.proto == PROTO_ICMP && l4 < len && (f.sport == 3 ||
		    f.sport == 4 || f.sport == 5 || f.sport == 11 ||
		    f.sport == 12))
			return (0);
		if (!ip4_src_ok(pkt + 12))
			return (0);
		quote = len;
		if (quote > ICMP4_MAXLEN - IP4_HDRLEN - 8)
			quote = ICMP4_MAXLEN - IP4_HDRLEN - 8;
		total = IP4_HDRLEN + 8 + quote;
		if (total > cap)
			return (0);
		memset(out, 0, IP4_HDRLEN + 8);
		out[0] = 0x45;
		out[1] = 0xc0;		/* internetwork control */
		put16(out + 2, (uint16_t)total);
		arc4random_buf(out + 4, 2);
		out[8] = 64;
		out[9] = PROTO_ICMP;
		memcpy(out + 12, &src->a.v4, 4);
		memcpy(out + 16, pkt + 12, 4);
		ip4_csum(out, IP4_HDRLEN);
		out[20] = 3;		/* destination unreachable */
		out[21] = 4;		/* fragmentation needed and DF set */
		put16(out + 26, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
		memcpy(out + 28, pkt, quote);
		c = (uint16_t)~dp_csum_fold(dp_csum_add(0, out + IP4_HDRLEN,
		    total - IP4_HDRLEN));
		memcpy(out + 22, &c, 2);
		return (total);
	}
	/* RFC 4443 2.4 (e): not about an error message, not to ::. */
	if (f.proto == PROTO_ICMPV6 && l4 < len && f.sport < 128)
		return (0);
	if (pkt[8] == 0xff || IN6_IS_ADDR_UNSPECIFIED(&f.src.a.v6))
		return (0);
	quote = len;
	if (quote > ICMP6_MAXLEN - IP6_HDRLEN - 8)
		quote = ICMP6_MAXLEN - IP6_HDRLEN - 8;
	total = IP6_HDRLEN + 8 + quote;
	if (total > cap)
		return (0);
	memset(out, 0, IP6_HDRLEN + 8);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)(8 + quote));
	out[6] = PROTO_ICMPV6;
	out[7] = 64;
	memcpy(out + 8, &src->a.v6, 16);
	memcpy(out + 24, pkt + 8, 16);
	out[40] = 2;			/* packet too big */
	put32(out + 44, mtu);
	memcpy(out + 48, pkt, quote);
	memset(ph, 0, sizeof(ph));
	put32(ph, (uint32_t)(8 + quote));
	ph[7] = PROTO_ICMPV6;
	sum = dp_csum_add(0, out + 8, 32);
	sum = dp_csum_add(sum, ph, 8);
	sum = dp_csum_add(sum, out + IP6_HDRLEN, 8 + quote);
	c = (uint16_t)~dp_csum_fold(sum);
	memcpy(out + 42, &c, 2);
	return (total);
}

/* -------------------------------------------------------- fragmentation */

/*
 * The options of an IPv4 header that every fragment carries (RFC 791:
 * those with the copied flag), padded to 4 bytes; returns their length
 * or -1 when the options are malformed.
 */
static int
ip4_copied_opts(const uint8_t *p, size_t hl, uint8_t *out)
{
	size_t i = IP4_HDRLEN, n = 0, ol;

	while (i < hl) {
		if (p[i] == 0)			/* end of options */
			break;
		if (p[i] == 1) {		/* no operation */
			i++;
			continue;
		}
		if (i + 2 > hl || p[i + 1] < 2 || i + p[i + 1] > hl)
			return (-1);
		ol = p[i + 1];
		if (p[i] & 0x80) {
			memcpy(out + n, p + i, ol);
			n += ol;
		}
		i += ol;
	}
	while (n % 4 != 0)
		out[n++] = 0;
	return ((int)n);
}

int
dp_frag4(uint8_t *pkt, size_t len, size_t mtu, uint16_t newid,
    uint8_t *const *bufs, size_t cap, size_t max, size_t *lens)
{
	uint8_t opts[IP4_MAXHDR];
	size_t hl, hl2, chunk0, chunk, off, pay, n, k, fl;
	uint16_t frag, base;
	int ol;

	if (len < IP4_HDRLEN || (pkt[0] >> 4) != 4)
		return (-1);
	hl = (size_t)(pkt[0] & 0x0f) * 4;
	if (hl < IP4_HDRLEN || hl > len || be16(pkt + 2) != len)
		return (-1);
	frag = be16(pkt + 6);
	if (frag & IP4_DF)
		return (-1);
	if ((ol = ip4_copied_opts(pkt, hl, opts)) < 0)
		return (-1);
	hl2 = IP4_HDRLEN + (size_t)ol;
	if (mtu <= hl + 8 || mtu <= hl2 + 8 || mtu > 65535)
		return (-1);
	pay = len - hl;
	chunk0 = (mtu - hl) & ~(size_t)7;
	chunk = (mtu - hl2) & ~(size_t)7;
	if (pay <= chunk0)
		return (-1);		/* fits: nothing to cut */
	n = 1 + (pay - chunk0 + chunk - 1) / chunk;
	if (n - 1 > max)
		return (-1);
	base = frag & IP4_OFFMASK;
	if ((size_t)base * 8 + pay > 65535 - IP4_HDRLEN)
		return (-1);
	if (be16(pkt + 4) == 0)
		put16(pkt + 4, newid != 0 ? newid : 1);
	/* The later fragments first: they read the packet as it is. */
	for (k = 1, off = chunk0; k < n; k++, off += chunk) {
		fl = pay - off < chunk ? pay - off : chunk;
		if (hl2 + fl > cap)
			return (-1);
		memcpy(bufs[k - 1], pkt, IP4_HDRLEN);
		memcpy(bufs[k - 1] + IP4_HDRLEN, opts, (size_t)ol);
		bufs[k - 1][0] = (uint8_t)(0x40 | (hl2 / 4));
		put16(bufs[k - 1] + 2, (uint16_t)(hl2 + fl));
		put16(bufs[k - 1] + 6, (uint16_t)((base + off / 8) |
		    (k + 1 < n || (frag & IP4_MF) ? IP4_MF : 0) |
		    (frag & 0x8000)));
		ip4_csum(bufs[k - 1], hl2);
		memcpy(bufs[k - 1] + hl2, pkt + hl + off, fl);
		lens[k] = hl2 + fl;
	}
	put16(pkt + 2, (uint16_t)(hl + chunk0));
	put16(pkt + 6, (uint16_t)(frag | IP4_MF));
	ip4_csum(pkt, hl);
	lens[0] = hl + chunk0;
	return ((int)n);
}

int
dp_frag6(uint8_t *pkt, size_t len, size_t mtu, uint32_t id,
    uint8_t *const *bufs, size_t cap, size_t max, size_t *lens,
    uint8_t **first)
{
	size_t unfrag, nhoff, pay, chunk, n, k, off, fl;
	uint8_t nh;

	if ((unfrag = dp_ip6_unfrag(pkt, len, &nhoff)) == 0 ||
	    IP6_HDRLEN + (size_t)be16(pkt + 4) != len)
		return (-1);
	nh = pkt[nhoff];
	if (nh == PROTO_FRAGMENT)
		return (-1);		/* cut already */
	if (mtu <= unfrag + FRAG6_HDRLEN + 8 || mtu > 65535 + IP6_HDRLEN)
		return (-1);
	pay = len - unfrag;
	chunk = (mtu - unfrag - FRAG6_HDRLEN) & ~(size_t)7;
	if (unfrag + pay <= mtu)
		return (-1);		/* fits */
	n = (pay + chunk - 1) / chunk;
	if (n < 2 || n - 1 > max)
		return (-1);
	if (id == 0)
		id = 1;
	for (k = 1, off = chunk; k < n; k++, off += chunk) {
		fl = pay - off < chunk ? pay - off : chunk;
		if (unfrag + FRAG6_HDRLEN + fl > cap)
			return (-1);
		memcpy(bufs[k - 1], pkt, unfrag);
		bufs[k - 1][nhoff] = PROTO_FRAGMENT;
		put16(bufs[k - 1] + 4, (uint16_t)(unfrag - IP6_HDRLEN +
		    FRAG6_HDRLEN + fl));
		bufs[k - 1][unfrag] = nh;
		bufs[k - 1][unfrag + 1] = 0;
		put16(bufs[k - 1] + unfrag + 2, (uint16_t)(off |
		    (k + 1 < n ? 1 : 0)));
		put32(bufs[k - 1] + unfrag + 4, id);
		memcpy(bufs[k - 1] + unfrag + FRAG6_HDRLEN, pkt + unfrag + off,
		    fl);
		lens[k] = unfrag + FRAG6_HDRLEN + fl;
	}
	/*
	 * The first in place: the unfragmentable part moves 8 bytes to the
	 * front (the caller's headroom) to make room for the header.
	 */
	memmove(pkt - FRAG6_HDRLEN, pkt, unfrag);
	*first = pkt - FRAG6_HDRLEN;
	(*first)[nhoff] = PROTO_FRAGMENT;
	put16(*first + 4, (uint16_t)(unfrag - IP6_HDRLEN + FRAG6_HDRLEN +
	    chunk));
	(*first)[unfrag] = nh;
	(*first)[unfrag + 1] = 0;
	put16(*first + unfrag + 2, 1);
	put32(*first + unfrag + 4, id);
	lens[0] = unfrag + FRAG6_HDRLEN + chunk;
	return ((int)n);
}

size_t
dp_frag_room(size_t len)
{
	/* The smallest IPv4 fragment payload of a 552-byte path. */
	return ((len + 128 + 487) / 488);
}

/* ----------------------------------------------------------- reassembly */

struct rq {
	bool		 used;
	uint8_t		 af;
	uint8_t		 proto;		/* IPv4 */
	uint32_t	 id;
	uint8_t		 src[16];
	uint8_t		 dst[16];
	int64_t		 since;
	size_t		 hlen;		/* header kept; 0: no first yet */
	size_t		 nhoff;		/* IPv6: next header to rewrite */
	uint8_t		 nh;		/* IPv6: what the fragments carry */
	size_t		 total;		/* payload; 0: no last yet */
	size_t		 have;
	size_t		 maxfrag;
	unsigned	 nfrag;
	uint16_t	 rs[RQ_MAXFRAGS];	/* ranges, in 8-byte units */
	uint16_t	 re[RQ_MAXFRAGS];	/* their ends, rounded up */
	uint32_t	 rend[RQ_MAXFRAGS];	/* end in bytes */
	uint8_t		 hdr[RQ_HDRMAX];
	uint8_t		*buf;			/* RQ_BUFLEN */
};

struct dp_reasm {
	pthread_mutex_t	 lock;
	struct rq	 q[RQ_MAX];
	uint64_t	 timeouts;
};

struct dp_reasm *
dp_reasm_new(void)
{
	struct dp_reasm *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if (pthread_mutex_init(&r->lock, NULL) != 0) {
		free(r);
		return (NULL);
	}
	return (r);
}

static void
rq_clear(struct rq *q)
{
	if (q->buf != NULL) {
		/* Plaintext of packets to protect: wipe what was there. */
		explicit_bzero(q->buf, RQ_BUFLEN);
		free(q->buf);
	}
	explicit_bzero(q, sizeof(*q));
}

void
dp_reasm_free(struct dp_reasm *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < RQ_MAX; i++)
		if (r->q[i].used)
			rq_clear(&r->q[i]);
	(void)pthread_mutex_destroy(&r->lock);
	free(r);
}

void
dp_reasm_release(struct dp_reasm_out *o)
{
	if (o->buf != NULL) {
		explicit_bzero(o->buf, RQ_BUFLEN);
		free(o->buf);
	}
	o->buf = NULL;
}

/* A fragment's key and place, from its headers; -1 if malformed. */
struct frag_info {
	uint8_t		 af;
	uint8_t		 proto;
	uint32_t	 id;
	const uint8_t	*src;
	const uint8_t	*dst;
	size_t		 hlen;		/* header before the payload */
	size_t		 keep;		/* of it, kept for the datagram */
	size_t		 nhoff;
	uint8_t		 nh;
	size_t		 off;		/* payload offset in the datagram */
	size_t		 plen;
	bool		 more;
};

static int
frag_parse(const uint8_t *p, size_t len, struct frag_info *fi)
{
	size_t hl, tot, unfrag, nhoff;
	uint16_t fo;

	memset(fi, 0, sizeof(*fi));
	if (len >= IP4_HDRLEN && (p[0] >> 4) == 4) {
		hl = (size_t)(p[0] & 0x0f) * 4;
		tot = be16(p + 2);
		if (hl < IP4_HDRLEN || tot < hl || tot > len)
			return (-1);
		fo = be16(p + 6);
		fi->af = AF_INET;
		fi->proto = p[9];
		fi->id = be16(p + 4);
		fi->src = p + 12;
		fi->dst = p + 16;
		fi->hlen = fi->keep = hl;
		fi->off = (size_t)(fo & IP4_OFFMASK) * 8;
		fi->plen = tot - hl;
		fi->more = (fo & IP4_MF) != 0;
		return (0);
	}
	if ((unfrag = dp_ip6_unfrag(p, len, &nhoff)) == 0)
		return (-1);
	tot = IP6_HDRLEN + (size_t)be16(p + 4);
	if (p[nhoff] != PROTO_FRAGMENT || unfrag + FRAG6_HDRLEN > tot)
		return (-1);
	fo = be16(p + unfrag + 2);
	fi->af = AF_INET6;
	fi->id = be32(p + unfrag + 4);
	fi->src = p + 8;
	fi->dst = p + 24;
	fi->hlen = unfrag + FRAG6_HDRLEN;
	fi->keep = unfrag;
	fi->nhoff = nhoff;
	fi->nh = p[unfrag];
	fi->off = (size_t)(fo & 0xfff8);
	fi->plen = tot - fi->hlen;
	fi->more = (fo & 1) != 0;
	return (0);
}

/* Put the datagram together (it is complete). */
static void
rq_finish(struct rq *q, struct dp_reasm_out *o)
{
	uint8_t *h = q->buf + RQ_HDRMAX - q->hlen;

	memcpy(h, q->hdr, q->hlen);
	if (q->af == AF_INET) {
		/* Without DF: what was cut may be cut again. */
		put16(h + 2, (uint16_t)(q->hlen + q->total));
		put16(h + 6, 0);
		ip4_csum(h, q->hlen);
	} else {
		h[q->nhoff] = q->nh;
		put16(h + 4, (uint16_t)(q->hlen - IP6_HDRLEN + q->total));
	}
	o->buf = q->buf;
	o->off = RQ_HDRMAX - q->hlen;
	o->len = q->hlen + q->total;
	o->maxfrag = q->maxfrag;
	q->buf = NULL;
	explicit_bzero(q, sizeof(*q));
}

/* Expire old entries; returns the fragments dropped. */
static unsigned
rq_expire(struct dp_reasm *r, int64_t now)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < RQ_MAX; i++)
		if (r->q[i].used && now - r->q[i].since >= RQ_MS) {
			n += r->q[i].nfrag;
			r->timeouts++;
			rq_clear(&r->q[i]);
		}
	return (n);
}

int
dp_reasm_add(struct dp_reasm *r, const uint8_t *p, size_t len, int64_t now,
    struct dp_reasm_out *o)
{
	struct frag_info fi;
	struct rq *q = NULL, *oldest = NULL;
	size_t i, alen, end, s8, e8, limit;
	int rc = DP_REASM_HELD;

	memset(o, 0, sizeof(*o));
	if (frag_parse(p, len, &fi) != 0)
		return (DP_REASM_DROP);
	alen = fi.af == AF_INET ? 4 : 16;
	end = fi.off + fi.plen;
	/* RFC 8200 4.5, RFC 791: all but the last carry 8-byte multiples. */
	if ((fi.more && (fi.plen == 0 || fi.plen % 8 != 0)) ||
	    fi.keep > RQ_HDRMAX)
		return (DP_REASM_DROP);
	limit = fi.af == AF_INET ? 65535 - fi.keep :
	    65535 - (fi.keep - IP6_HDRLEN);
	if (end > limit)
		return (DP_REASM_DROP);
	if (fi.off == 0 && !fi.more) {
		/* RFC 6946: an atomic fragment stands alone. */
		if ((o->buf = malloc(RQ_BUFLEN)) == NULL)
			return (DP_REASM_DROP);
		o->off = RQ_HDRMAX - fi.keep;
		o->len = fi.keep + fi.plen;
		o->maxfrag = fi.hlen + fi.plen;
		memcpy(o->buf + o->off, p, fi.keep);
		memcpy(o->buf + RQ_HDRMAX, p + fi.hlen, fi.plen);
		if (fi.af == AF_INET6) {
			o->buf[o->off + fi.nhoff] = fi.nh;
			put16(o->buf + o->off + 4, (uint16_t)(fi.keep -
			    IP6_HDRLEN + fi.plen));
		}
		return (DP_REASM_DONE);
	}
	(void)pthread_mutex_lock(&r->lock);
	o->dropped = rq_expire(r, now);
	for (i = 0; i < RQ_MAX; i++) {
		if (!r->q[i].used) {
			if (q == NULL)
				q = &r->q[i];
			continue;
		}
		if (r->q[i].af == fi.af && r->q[i].id == fi.id &&
		    r->q[i].proto == fi.proto &&
		    memcmp(r->q[i].src, fi.src, alen) == 0 &&
		    memcmp(r->q[i].dst, fi.dst, alen) == 0) {
			q = &r->q[i];
			break;
		}
		if (oldest == NULL || r->q[i].since < oldest->since)
			oldest = &r->q[i];
	}
	if (q == NULL) {
		/* Full: the oldest datagram gives way. */
		o->dropped += oldest->nfrag;
		rq_clear(oldest);
		q = oldest;
	}
	if (!q->used) {
		if ((q->buf = malloc(RQ_BUFLEN)) == NULL) {
			explicit_bzero(q, sizeof(*q));
			(void)pthread_mutex_unlock(&r->lock);
			return (DP_REASM_DROP);
		}
		q->used = true;
		q->af = fi.af;
		q->proto = fi.proto;
		q->id = fi.id;
		memcpy(q->src, fi.src, alen);
		memcpy(q->dst, fi.dst, alen);
		q->since = now;
	}
	/* A duplicate goes; an overlap takes the datagram with it. */
	s8 = fi.off / 8;
	e8 = (end + 7) / 8;
	for (i = 0; i < q->nfrag; i++) {
		if (q->rs[i] == s8 && q->rend[i] == end) {
			(void)pthread_mutex_unlock(&r->lock);
			return (DP_REASM_DROP);
		}
		if (s8 < q->re[i] && q->rs[i] < e8)
			goto kill;
	}
	if (q->nfrag == RQ_MAXFRAGS || (!fi.more && q->total != 0) ||
	    (q->total != 0 && (end > q->total ||
	    (fi.more && end == q->total))))
		goto kill;
	for (i = 0; i < q->nfrag; i++)
		if (!fi.more && q->rend[i] > end)
			goto kill;
	q->rs[q->nfrag] = (uint16_t)s8;
	q->re[q->nfrag] = (uint16_t)e8;
	q->rend[q->nfrag] = (uint32_t)end;
	q->nfrag++;
	memcpy(q->buf + RQ_HDRMAX + fi.off, p + fi.hlen, fi.plen);
	q->have += fi.plen;
	if (fi.hlen + fi.plen > q->maxfrag)
		q->maxfrag = fi.hlen + fi.plen;
	if (!fi.more)
		q->total = end;
	if (fi.off == 0) {
		memcpy(q->hdr, p, fi.keep);
		q->hlen = fi.keep;
		q->nhoff = fi.nhoff;
		q->nh = fi.nh;
	}
	if (q->hlen != 0 && q->total != 0 && q->have == q->total) {
		rq_finish(q, o);
		rc = DP_REASM_DONE;
	}
	(void)pthread_mutex_unlock(&r->lock);
	return (rc);
kill:
	o->dropped += q->nfrag;
	rq_clear(q);
	(void)pthread_mutex_unlock(&r->lock);
	return (DP_REASM_DROP);
}

/* ---------------------------------------------------------- token bucket */

void
dp_rate_init(struct dp_rate *b, unsigned pps, unsigned burst)
{
	(void)pthread_mutex_init(&b->lock, NULL);
	b->pps = pps;
	b->burst = burst == 0 ? 1 : burst;
	b->tokens_ms = (uint64_t)b->burst * 1000;
	b->last = -1;
}

void
dp_rate_destroy(struct dp_rate *b)
{
	(void)pthread_mutex_destroy(&b->lock);
}

bool
dp_rate_take(struct dp_rate *b, int64_t now)
{
	uint64_t cap = (uint64_t)b->burst * 1000;
	bool ok = false;

	if (b->pps == 0)
		return (false);
	(void)pthread_mutex_lock(&b->lock);
	/* Tokens are kept in thousandths: pps of them per millisecond. */
	if (b->last >= 0 && now > b->last) {
		b->tokens_ms += (uint64_t)(now - b->last) * b->pps;
		if (b->tokens_ms > cap)
			b->tokens_ms = cap;
	}
	if (now > b->last)
		b->last = now;
	if (b->tokens_ms >= 1000) {
		b->tokens_ms -= 1000;
		ok = true;
	}
	(void)pthread_mutex_unlock(&b->lock);
	return (ok);
}

/* ------------------------------------------------------------ path MTU */

unsigned
dp_pmtu_query(int fd, const struct sad_addr *dst)
{
	struct sockaddr_storage ss;
	socklen_t len, olen;
	int mtu = 0;

	if (fd == -1 || (len = sad_addr_to_sockaddr(dst, &ss)) == 0)
		return (0);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(4500);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(4500);
	/* A connected datagram socket holds the route, and its MTU. */
	if (connect(fd, (struct sockaddr *)&ss, len) == -1)
		return (0);
	olen = sizeof(mtu);
	if (ss.ss_family == AF_INET) {
		if (getsockopt(fd, IPPROTO_IP, IP_MTU, &mtu, &olen) == -1)
			return (0);
	} else if (getsockopt(fd, IPPROTO_IPV6, IPV6_MTU, &mtu, &olen) == -1)
		return (0);
	return (mtu > 0 ? (unsigned)mtu : 0);
}
