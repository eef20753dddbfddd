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

/* Helpers shared by the libesp test programs (util.c). */

#ifndef ESP_TEST_UTIL_H
#define ESP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb.h"
#include "esp.h"

/* Hex (whitespace ignored) to bytes; aborts on a malformed string. */
size_t	unhex(const char *, uint8_t *, size_t cap);

/* A test SA, turned into a sad_entry and an engine SA by tsa_new(). */
struct tsa {
	uint8_t		 satype;	/* 0: ESP */
	uint8_t		 mode;		/* 0: transport */
	uint32_t	 spi;
	uint16_t	 ealg;
	const char	*ekey;		/* hex; NULL: a pattern key */
	uint16_t	 aalg;
	const char	*akey;
	const char	*src;		/* tunnel endpoints */
	const char	*dst;
	uint32_t	 replay;
	bool		 esn;
	bool		 natt;
	uint16_t	 sport, dport;
	uint64_t	 soft_bytes, hard_bytes;
	uint8_t		 keyseed;	/* varies the pattern keys */
};

/* Key bytes of an algorithm including the salt (a valid size). */
size_t	tsa_ekeylen(uint16_t ealg, unsigned variant);
size_t	tsa_akeylen(uint16_t aalg);
/* Fill a sad_entry (keys allocated; sad_entry_clear() it). */
void	tsa_entry(const struct tsa *, struct sad_entry *);
/* tsa_entry() + esp_sa_new(); returns esp_sa_new()'s result. */
int	tsa_new(const struct tsa *, const struct esp_sa_opts *,
	    struct esp_sa **);

/*
 * Packets: an IPv4/IPv6 UDP or TCP packet from src to dst with `plen'
 * payload bytes (a pattern from `seed'), checksums valid.  Returns the
 * length.
 */
size_t	mk_pkt(uint8_t *buf, const char *src, const char *dst, uint8_t proto,
	    size_t plen, uint8_t seed, uint8_t tos);
/* IPv6 with hop-by-hop, destination options, routing (segments left 0)
 * and destination options again before UDP. */
size_t	mk_pkt6_ext(uint8_t *buf, size_t plen, uint8_t seed);

/* Whether an IP packet's TCP/UDP checksum verifies (UDP/v4 0 counts). */
bool	l4_csum_ok(const uint8_t *pkt, size_t len);
bool	ip4_csum_ok(const uint8_t *pkt);

/* Whether needle occurs in hay. */
bool	contains(const uint8_t *hay, size_t hlen, const uint8_t *needle,
	    size_t nlen);

#endif
