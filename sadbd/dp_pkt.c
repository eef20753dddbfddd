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
 * The data plane's packet helpers: the SPD 5-tuple of an IP packet,
 * Internet checksums, cutting a TCP super-packet that the TUN device
 * handed over with TSO into wire-sized segments, and merging received
 * TCP segments back into one super-packet for the TUN device (GRO).
 * Nothing here keeps state or knows about SAs; every length is checked
 * against the buffer before it is used.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sadbd.h"

#define IP4_HDRLEN	20
#define IP6_HDRLEN	40
#define TCP_HDRLEN	20

#define TH_FIN		0x01
#define TH_SYN		0x02
#define TH_RST		0x04
#define TH_PSH		0x08
#define TH_ACK		0x10
#define TH_URG		0x20
#define TH_ECE		0x40
#define TH_CWR		0x80

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

/* ------------------------------------------------------------ checksums */

/*
 * The ones' complement sum (RFC 1071) in a 64-bit accumulator: words are
 * added in host order, which gives the right result in network order
 * once folded and stored in host order again.  Every piece but the last
 * must have an even length.
 */
uint64_t
dp_csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t w, x, y, z;
	uint32_t h;
	uint16_t s;
#ifdef __SIZEOF_INT128__
	/* 64-bit words; the carries collect in the upper half. */
	unsigned __int128 acc = sum;

	while (len >= 32) {
		memcpy(&w, p, 8);
		memcpy(&x, p + 8, 8);
		memcpy(&y, p + 16, 8);
		memcpy(&z, p + 24, 8);
		acc += w;
		acc += x;
		acc += y;
		acc += z;
		p += 32;
		len -= 32;
	}
	while (len >= 8) {
		memcpy(&w, p, 8);
		acc += w;
		p += 8;
		len -= 8;
	}
	/* End-around carry, then down to 33 bits: room for what is left. */
	w = (uint64_t)acc;
	x = (uint64_t)(acc >> 64);
	sum = w + x;
	if (sum < w)
		sum++;
	sum = (sum & 0xffffffffu) + (sum >> 32);
#else
	while (len >= 8) {
		memcpy(&w, p, 8);
		sum += (w & 0xffffffffu) + (w >> 32);
		p += 8;
		len -= 8;
	}
	(void)x;
	(void)y;
	(void)z;
#endif
	if (len >= 4) {
		memcpy(&h, p, 4);
		sum += h;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&s, p, 2);
		sum += s;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		s = 0;
		memcpy(&s, p, 1);
		sum += s;
	}
	return (sum);
}

uint16_t
dp_csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ((uint16_t)sum);
}

/* The pseudo-header sum of an IPv4 or IPv6 packet for `len' L4 bytes. */
static uint64_t
pseudo_sum(const uint8_t *ip, uint8_t proto, uint32_t len)
{
	uint8_t ph[8];
	uint64_t sum;

	memset(ph, 0, sizeof(ph));
	if ((ip[0] >> 4) == 4) {
		sum = dp_csum_add(0, ip + 12, 8);
		ph[1] = proto;
		put16(ph + 2, (uint16_t)len);
		return (dp_csum_add(sum, ph, 4));
	}
	sum = dp_csum_add(0, ip + 8, 32);
	put32(ph, len);
	ph[7] = proto;
	return (dp_csum_add(sum, ph, 8));
}

static void
ip4_set_csum(uint8_t *ip, size_t ihl)
{
	uint16_t c;

	ip[10] = ip[11] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_add(0, ip, ihl));
	memcpy(ip + 10, &c, 2);
}

/* The full TCP or UDP checksum of the L4 part [l4, l4 + len). */
static void
l4_set_csum(uint8_t *ip, size_t l4, uint8_t proto, size_t len)
{
	size_t coff = proto == IPPROTO_UDP ? 6 : 16;
	uint16_t c;

	ip[l4 + coff] = ip[l4 + coff + 1] = 0;
	c = (uint16_t)~dp_csum_fold(dp_csum_add(pseudo_sum(ip, proto,
	    (uint32_t)len), ip + l4, len));
	if (c == 0 && proto == IPPROTO_UDP)
		c = 0xffff;		/* 0 means "none" for UDP */
	memcpy(ip + l4 + coff, &c, 2);
}

/*
 * Finish a checksum the kernel left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM):
 * the field at start + off holds the pseudo-header sum; the sum over
 * [start, len) completes it.  Returns -1 if the offsets do not fit.
 */
int
dp_csum_finish(uint8_t *pkt, size_t len, size_t start, size_t off)
{
	uint16_t c;

	if (start >= len || off + 2 > len - start)
		return (-1);
	c = (uint16_t)~dp_csum_fold(dp_csum_add(0, pkt + start,
	    len - start));
	/* A UDP checksum that comes out 0 is sent as all ones. */
	if (c == 0 && off == 6)
		c = 0xffff;
	memcpy(pkt + start + off, &c, 2);
	return (0);
}

/* ------------------------------------------------------------ the flow */

int
dp_flow_parse(const uint8_t *p, size_t len, struct spd_flow *f,
    size_t *l4off)
{
	size_t ihl, end, off;
	unsigned n;
	uint8_t nh;

	memset(f, 0, sizeof(*f));
	*l4off = 0;
	if (len < 1)
		return (-1);
	switch (p[0] >> 4) {
	case 4:
		if (len < IP4_HDRLEN)
			return (-1);
		ihl = (size_t)(p[0] & 0x0f) * 4;
		end = be16(p + 2);
		if (ihl < IP4_HDRLEN || end < ihl || end > len)
			return (-1);
		f->src.af = f->dst.af = AF_INET;
		f->src.plen = f->dst.plen = 32;
		memcpy(&f->src.a.v4, p + 12, 4);
		memcpy(&f->dst.a.v4, p + 16, 4);
		f->proto = p[9];
		/* A later fragment has no upper-layer header. */
		if ((be16(p + 6) & 0x1fff) != 0)
			return (0);
		off = ihl;
		break;
	case 6:
		if (len < IP6_HDRLEN)
			return (-1);
		end = IP6_HDRLEN + (size_t)be16(p + 4);
		if (end > len)
			return (-1);		/* jumbograms too */
		f->src.af = f->dst.af = AF_INET6;
		f->src.plen = f->dst.plen = 128;
		memcpy(&f->src.a.v6, p + 8, 16);
		memcpy(&f->dst.a.v6, p + 24, 16);
		nh = p[6];
		off = IP6_HDRLEN;
		/* RFC 4301 4.4.1.1: skip the extension headers. */
		for (n = 0; n < 8; n++) {
			if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
			    nh == IPPROTO_DSTOPTS) {
				if (off + 8 > end)
					return (-1);
				nh = p[off];
				off += ((size_t)p[off + 1] + 1) * 8;
				if (off > end)
					return (-1);
				continue;
			}
			if (nh == IPPROTO_FRAGMENT) {
				if (off + 8 > end)
					return (-1);
				nh = p[off];
				if ((be16(p + off + 2) & 0xfff8) != 0) {
					f->proto = nh;
					return (0);
				}
				off += 8;
				continue;
			}
			break;
		}
		f->proto = nh;
		break;
	default:
		return (-1);
	}
	*l4off = off;
	switch (f->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_SCTP:
	case IPPROTO_UDPLITE:
	case IPPROTO_DCCP:
		if (off + 4 <= end) {
			f->sport = be16(p + off);
			f->dport = be16(p + off + 2);
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		/* Type and code travel as the ports (RFC 4301 4.4.1.1). */
		if (off + 2 <= end) {
			f->sport = p[off];
			f->dport = p[off + 1];
		}
		break;
	}
	return (0);
}

/* ------------------------------------------------------------------ TSO */

/* The IP and TCP header lengths of a plain TCP packet, or -1. */
static int
tcp_hdrs(const uint8_t *p, size_t len, size_t *iphl, size_t *thl)
{
	size_t ihl, tl;

	if (len < 1)
		return (-1);
	if ((p[0] >> 4) == 4) {
		if (len < IP4_HDRLEN)
			return (-1);
		ihl = (size_t)(p[0] & 0x0f) * 4;
		if (ihl < IP4_HDRLEN || p[9] != IPPROTO_TCP ||
		    (be16(p + 6) & 0x3fff) != 0)	/* MF or offset */
			return (-1);
	} else if ((p[0] >> 4) == 6) {
		/* Extension headers: not from the kernel's TSO. */
		if (len < IP6_HDRLEN || p[6] != IPPROTO_TCP)
			return (-1);
		ihl = IP6_HDRLEN;
	} else
		return (-1);
	if (len < ihl + TCP_HDRLEN)
		return (-1);
	tl = (size_t)(p[ihl + 12] >> 4) * 4;
	if (tl < TCP_HDRLEN || len < ihl + tl)
		return (-1);
	*iphl = ihl;
	*thl = tl;
	return (0);
}

/*
 * In-place TSO.  The segments are made one at a time where the payload
 * already lies: segment i's headers are written just before its payload,
 * over the last bytes of segment i - 1, which the caller has consumed
 * (protected into another buffer) by then.  So no payload is copied.
 */
int
dp_tso_init(struct dp_tso *t, const uint8_t *pkt, size_t len, size_t mss)
{
	memset(t, 0, sizeof(*t));
	if (tcp_hdrs(pkt, len, &t->iphl, &t->thl) != 0 || mss == 0)
		return (-1);
	t->hl = t->iphl + t->thl;
	if (t->hl > sizeof(t->tmpl) || mss < t->hl)
		return (-1);
	/* The IP length must be the buffer's (no trailing bytes). */
	if ((pkt[0] >> 4) == 4 ? be16(pkt + 2) != len :
	    IP6_HDRLEN + (size_t)be16(pkt + 4) != len)
		return (-1);
	t->v4 = (pkt[0] >> 4) == 4;
	t->mss = mss;
	t->pay = len - t->hl;
	t->n = t->pay == 0 ? 1 : (t->pay + mss - 1) / mss;
	t->seq = be32(pkt + t->iphl + 4);
	t->flags = pkt[t->iphl + 13];
	t->id = be16(pkt + 4);
	memcpy(t->tmpl, pkt, t->hl);
	return ((int)t->n);
}

size_t
dp_tso_seg(const struct dp_tso *t, uint8_t *pkt, size_t i, size_t *slen)
{
	size_t off = i * t->mss, plen;
	uint8_t *s = pkt + off;

	plen = t->pay - off < t->mss ? t->pay - off : t->mss;
	memcpy(s, t->tmpl, t->hl);
	if (t->v4) {
		put16(s + 2, (uint16_t)(t->hl + plen));
		put16(s + 4, (uint16_t)(t->id + i));
		ip4_set_csum(s, t->iphl);
	} else
		put16(s + 4, (uint16_t)(t->thl + plen));
	put32(s + t->iphl + 4, t->seq + (uint32_t)off);
	/* FIN and PSH on the last segment, CWR on the first. */
	if (i + 1 < t->n)
		s[t->iphl + 13] &= (uint8_t)~(TH_FIN | TH_PSH);
	if (i > 0)
		s[t->iphl + 13] &= (uint8_t)~TH_CWR;
	l4_set_csum(s, t->iphl, IPPROTO_TCP, t->thl + plen);
	*slen = t->hl + plen;
	return (off);
}

/* ------------------------------------------------------------------ GRO */

/*
 * A TCP segment that may start or extend a super-packet: IPv4 without
 * options or fragments, or IPv6 without extension headers; only ACK
 * (and PSH) among the flags, so nothing whose boundaries matter (SYN,
 * FIN, RST, URG, ECN signals) is merged.
 */
int
dp_gro_key(const uint8_t *p, size_t len, struct dp_gro_key *k)
{
	size_t iphl, thl;

	if (tcp_hdrs(p, len, &iphl, &thl) != 0)
		return (-1);
	if (iphl == IP4_HDRLEN ? be16(p + 2) != len :
	    IP6_HDRLEN + (size_t)be16(p + 4) != len)
		return (-1);
	if ((p[0] >> 4) == 4 && iphl != IP4_HDRLEN)
		return (-1);
	if ((p[iphl + 13] & (uint8_t)~(TH_ACK | TH_PSH)) != 0 ||
	    !(p[iphl + 13] & TH_ACK))
		return (-1);
	/* IPv4 ECN CE or IPv6 traffic class changes would be lost. */
	k->v6 = (p[0] >> 4) == 6;
	k->hl = iphl + thl;
	k->thl = thl;
	k->pay = len - k->hl;
	k->seq = be32(p + iphl + 4);
	k->psh = (p[iphl + 13] & TH_PSH) != 0;
	return (0);
}

/*
 * Whether segment b (key kb) continues super-packet a (key ka, last
 * sequence number next): same addresses, ports, header bytes apart from
 * the lengths, ids, checksums and sequence numbers; b's payload starts
 * where a's ends; a ended without PSH.
 */
bool
dp_gro_can_merge(const uint8_t *a, const struct dp_gro_key *ka, uint32_t next,
    const uint8_t *b, const struct dp_gro_key *kb)
{
	size_t iphl = ka->hl - ka->thl;

	if (ka->v6 != kb->v6 || ka->hl != kb->hl || ka->psh ||
	    kb->seq != next)
		return (false);
	if (!ka->v6) {
		/* Version/IHL, TOS, flags, TTL, protocol, addresses. */
		if (a[0] != b[0] || a[1] != b[1] || a[6] != b[6] ||
		    a[8] != b[8] || a[9] != b[9] ||
		    memcmp(a + 12, b + 12, 8) != 0)
			return (false);
	} else {
		if (memcmp(a, b, 4) != 0 || a[6] != b[6] || a[7] != b[7] ||
		    memcmp(a + 8, b + 8, 32) != 0)
			return (false);
	}
	/* Ports, ack, window, options; not seq, flags' PSH, checksum. */
	if (memcmp(a + iphl, b + iphl, 4) != 0 ||
	    memcmp(a + iphl + 8, b + iphl + 8, 5) != 0 ||
	    memcmp(a + iphl + 14, b + iphl + 14, 2) != 0 ||
	    memcmp(a + iphl + 18, b + iphl + 18, ka->thl - 18) != 0)
		return (false);
	return (true);
}

/*
 * Turn the merged packet at p (headers of the first segment, payload of
 * all; total length len, segment size mss) into a super-packet for the
 * TUN device: the IP length, the flags of the last segment (PSH), and
 * the TCP checksum field set to the pseudo-header sum as a partial
 * checksum wants it; fills the virtio header (NEEDS_CSUM, GSO TCPv4/v6).
 */
void
dp_gro_finish(uint8_t *p, size_t len, const struct dp_gro_key *k,
    bool last_psh, size_t mss, struct dp_vnet *vh)
{
	size_t iphl = k->hl - k->thl;
	uint16_t c;

	if (!k->v6) {
		put16(p + 2, (uint16_t)len);
		ip4_set_csum(p, iphl);
	} else
		put16(p + 4, (uint16_t)(len - IP6_HDRLEN));
	if (last_psh)
		p[iphl + 13] |= TH_PSH;
	c = dp_csum_fold(pseudo_sum(p, IPPROTO_TCP, (uint32_t)(len - iphl)));
	memcpy(p + iphl + 16, &c, 2);
	vh->flags = DP_VNET_F_NEEDS_CSUM;
	vh->gso_type = k->v6 ? DP_VNET_GSO_TCPV6 : DP_VNET_GSO_TCPV4;
	vh->hdr_len = (uint16_t)k->hl;
	vh->gso_size = (uint16_t)mss;
	vh->csum_start = (uint16_t)iphl;
	vh->csum_offset = 16;
}
