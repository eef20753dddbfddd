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

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if (isspace((unsigned char)*s))
			continue;
		if ((v = hexval((unsigned char)*s)) < 0)
			abort();
		if (hi < 0)
			hi = v;
		else {
			if (n >= cap)
				abort();
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		abort();
	return (n);
}

size_t
tsa_ekeylen(uint16_t ealg, unsigned variant)
{
	static const size_t aes[] = { 16, 24, 32 };

	switch (ealg) {
	case PFKEY_EALG_NULL:
		return (0);
	case PFKEY_EALG_AESCBC:
		return (aes[variant % 3]);
	case PFKEY_EALG_AESCTR:
	case PFKEY_EALG_AES_GCM_ICV8:
	case PFKEY_EALG_AES_GCM_ICV12:
	case PFKEY_EALG_AES_GCM_ICV16:
		return (aes[variant % 3] + 4);
	case PFKEY_EALG_CHACHA20POLY1305:
		return (36);
	default:
		return (16);
	}
}

size_t
tsa_akeylen(uint16_t aalg)
{
	switch (aalg) {
	case PFKEY_AALG_SHA1HMAC:
		return (20);
	case PFKEY_AALG_SHA2_256HMAC:
		return (32);
	case PFKEY_AALG_SHA2_384HMAC:
		return (48);
	case PFKEY_AALG_SHA2_512HMAC:
		return (64);
	default:
		return (0);
	}
}

void
tsa_entry(const struct tsa *t, struct sad_entry *e)
{
	uint8_t k[128];
	size_t n, i;
	struct sad_extra *x;

	sad_entry_init(e);
	e->satype = t->satype != 0 ? t->satype : PFKEY_SATYPE_ESP;
	e->mode = t->mode != 0 ? t->mode : PFKEY_MODE_TRANSPORT;
	e->spi = t->spi;
	e->replay = t->replay;
	e->flags = t->esn ? SAD_F_ESN : 0;
	e->ealg = t->ealg;
	e->aalg = t->aalg;
	e->has = SAD_HAS_SA_FIELDS | SAD_HAS_MODE;
	if (t->ekey != NULL)
		n = unhex(t->ekey, k, sizeof(k));
	else {
		n = tsa_ekeylen(t->ealg, t->keyseed);
		for (i = 0; i < n; i++)
			k[i] = (uint8_t)(i * 7 + 1 + t->keyseed * 13);
	}
	if (n > 0 && sad_key_set(&e->ekey, k, (unsigned)n * 8) != 0)
		abort();
	if (t->akey != NULL)
		n = unhex(t->akey, k, sizeof(k));
	else {
		n = tsa_akeylen(t->aalg);
		for (i = 0; i < n; i++)
			k[i] = (uint8_t)(i * 11 + 3 + t->keyseed * 17);
	}
	if (n > 0 && sad_key_set(&e->akey, k, (unsigned)n * 8) != 0)
		abort();
	if (sad_addr_parse(&e->src, t->src != NULL ? t->src : "192.0.2.1") !=
	    0 || sad_addr_parse(&e->dst, t->dst != NULL ? t->dst :
	    "198.51.100.2") != 0)
		abort();
	if (t->natt) {
		if ((x = sad_entry_extra(e)) == NULL)
			abort();
		x->natt_type = PFKEY_NATT_ESPINUDP;
		x->natt_sport = t->sport;
		x->natt_dport = t->dport;
		e->has |= SAD_HAS_NATT;
	}
	if (t->soft_bytes != 0) {
		e->soft.bytes = t->soft_bytes;
		e->has |= SAD_HAS_LT_SOFT;
	}
	if (t->hard_bytes != 0) {
		e->hard.bytes = t->hard_bytes;
		e->has |= SAD_HAS_LT_HARD;
	}
}

int
tsa_new(const struct tsa *t, const struct esp_sa_opts *o, struct esp_sa **sa)
{
	struct sad_entry e;
	int rc;

	tsa_entry(t, &e);
	rc = esp_sa_new(&e, o, sa);
	sad_entry_clear(&e);
	return (rc);
}

static void
wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
sum16(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return (s);
}

static uint16_t
fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ((uint16_t)~s);
}

static uint16_t
pseudo_csum(int af, const uint8_t *ip, uint8_t proto, const uint8_t *l4,
    size_t len)
{
	uint32_t s;

	if (af == AF_INET)
		s = sum16(0, ip + 12, 8);
	else
		s = sum16(0, ip + 8, 32);
	s += proto + (uint32_t)len;
	return (fold(sum16(s, l4, len)));
}

static size_t
l4_fill(uint8_t *l4, uint8_t proto, size_t plen, uint8_t seed)
{
	size_t hl = proto == IPPROTO_TCP ? 20 : 8, i;

	memset(l4, 0, hl);
	wr16(l4, 40000 + seed);
	wr16(l4 + 2, 53);
	if (proto == IPPROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = 0x18;
		wr16(l4 + 14, 65535);
	} else
		wr16(l4 + 4, (unsigned)(hl + plen));
	for (i = 0; i < plen; i++)
		l4[hl + i] = (uint8_t)(seed + i * 31 + (i >> 8));
	return (hl + plen);
}

size_t
mk_pkt(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
    size_t plen, uint8_t seed, uint8_t tos)
{
	struct sad_addr s, d;
	size_t l4len;
	uint8_t *l4;
	uint16_t ck;

	if (sad_addr_parse(&s, src) != 0 || sad_addr_parse(&d, dst) != 0)
		abort();
	if (s.af == AF_INET) {
		memset(buf, 0, 20);
		buf[0] = 0x45;
		buf[1] = tos;
		wr16(buf + 4, 0x1234 + seed);
		buf[6] = 0x40;			/* DF */
		buf[8] = 63;
		buf[9] = proto;
		memcpy(buf + 12, &s.a.v4, 4);
		memcpy(buf + 16, &d.a.v4, 4);
		l4 = buf + 20;
		l4len = l4_fill(l4, proto, plen, seed);
		wr16(buf + 2, (unsigned)(20 + l4len));
		wr16(buf + 10, fold(sum16(0, buf, 20)));
	} else {
		memset(buf, 0, 40);
		buf[0] = (uint8_t)(0x60 | tos >> 4);
		buf[1] = (uint8_t)(tos << 4 | 0x0a);
		buf[2] = 0xbc;
		buf[3] = 0xde;
		buf[6] = proto;
		buf[7] = 63;
		memcpy(buf + 8, &s.a.v6, 16);
		memcpy(buf + 24, &d.a.v6, 16);
		l4 = buf + 40;
		l4len = l4_fill(l4, proto, plen, seed);
		wr16(buf + 4, (unsigned)l4len);
	}
	ck = pseudo_csum(s.af, buf, proto, l4, l4len);
	if (proto == IPPROTO_TCP)
		wr16(l4 + 16, ck);
	else
		wr16(l4 + 6, ck == 0 ? 0xffff : ck);
	return ((s.af == AF_INET ? 20 : 40) + l4len);
}

size_t
mk_pkt6_ext(uint8_t *buf, size_t plen, uint8_t seed)
{
	struct sad_addr s, d;
	size_t off, l4len;
	uint16_t ck;

	if (sad_addr_parse(&s, "2001:db8::1") != 0 ||
	    sad_addr_parse(&d, "2001:db8:1::2") != 0)
		abort();
	memset(buf, 0, 40 + 8 + 8 + 24 + 8);
	buf[0] = 0x60;
	buf[6] = 0;				/* hop-by-hop */
	buf[7] = 64;
	memcpy(buf + 8, &s.a.v6, 16);
	memcpy(buf + 24, &d.a.v6, 16);
	off = 40;
	/* Hop-by-hop: router alert (type 5, does not change), PadN. */
	buf[off] = 60;
	buf[off + 1] = 0;
	buf[off + 2] = 5;
	buf[off + 3] = 2;
	buf[off + 6] = 1;			/* PadN, 0 bytes */
	buf[off + 7] = 0;
	off += 8;
	/* Destination options before routing: an option that may change
	 * (type 0x3e: bit 0x20 set) with 4 data bytes. */
	buf[off] = 43;
	buf[off + 1] = 0;
	buf[off + 2] = 0x3e;
	buf[off + 3] = 4;
	buf[off + 4] = 0xaa;
	buf[off + 5] = 0xbb;
	buf[off + 6] = 0xcc;
	buf[off + 7] = 0xdd;
	off += 8;
	/* Routing header type 2 (RFC 6275), segments left 0, one address. */
	buf[off] = 60;
	buf[off + 1] = 2;
	buf[off + 2] = 2;
	buf[off + 3] = 0;
	memcpy(buf + off + 8, &d.a.v6, 16);
	off += 24;
	/* Destination options for the final destination: PadN only. */
	buf[off] = IPPROTO_UDP;
	buf[off + 1] = 0;
	buf[off + 2] = 1;
	buf[off + 3] = 4;
	off += 8;
	l4len = l4_fill(buf + off, IPPROTO_UDP, plen, seed);
	wr16(buf + 4, (unsigned)(off - 40 + l4len));
	ck = pseudo_csum(AF_INET6, buf, IPPROTO_UDP, buf + off, l4len);
	wr16(buf + off + 6, ck == 0 ? 0xffff : ck);
	return (off + l4len);
}

bool
ip4_csum_ok(const uint8_t *p)
{
	return (fold(sum16(0, p, (size_t)(p[0] & 15) * 4)) == 0);
}

bool
l4_csum_ok(const uint8_t *p, size_t len)
{
	int af = p[0] >> 4 == 4 ? AF_INET : AF_INET6;
	size_t hl = af == AF_INET ? (size_t)(p[0] & 15) * 4 : 40;
	uint8_t proto = af == AF_INET ? p[9] : p[6];
	const uint8_t *l4 = p + hl;
	uint32_t s;

	if (proto == IPPROTO_UDP && af == AF_INET && l4[6] == 0 &&
	    l4[7] == 0)
		return (true);
	if (af == AF_INET)
		s = sum16(0, p + 12, 8);
	else
		s = sum16(0, p + 8, 32);
	s += proto + (uint32_t)(len - hl);
	return (fold(sum16(s, l4, len - hl)) == 0);
}

bool
contains(const uint8_t *hay, size_t hlen, const uint8_t *needle,
    size_t nlen)
{
	size_t i;

	if (nlen == 0 || nlen > hlen)
		return (false);
	for (i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return (true);
	return (false);
}
