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
 * The sequence number state of SAs as the journal keeps it: for each SA
 * (by destination, SA type and SPI) the outbound reservation (every
 * number up to it may have been sent) and the inbound replay window's top
 * (every number up to it counts as received).  journal.c appends a
 * record for each change, replays them into this table, removes an SA's
 * state with the SA (DELETE, FLUSH, expiry) and writes the table into
 * snapshots; the data plane reads it when it makes the engine SAs.
 *
 * The record is not a PF_KEY message: PF_KEY has no way to say "these
 * numbers are used".  It shares the framing of the PF_KEY records (length
 * and CRC-32C; see journal.c) and says what it is in its first byte, where
 * a PF_KEY message has its version (2):
 *
 *   0  1  0 (a sadbd record, not a PF_KEY message)
 *   1  1  1 (kind: the sequence numbers of one SA)
 *   2  1  SA type (PF_KEY number: 2 AH, 3 ESP)
 *   3  1  address family of the destination: 4 or 6
 *   4  4  SPI, little endian
 *   8 16  destination address (IPv4 in bytes 8-11, the rest zero)
 *  24  8  outbound: highest number that may have been sent, little endian
 *  32  8  inbound: the replay window's top, little endian
 *  40  8  zero
 *
 * Both values only grow: a record raises them, never lowers them.  A
 * sadbd older than this one stops at such a record ("undecodable
 * message") and refuses to start rather than skipping it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"
#include "sadb.h"
#include "sadbd.h"

#define JSEQ_MARK	0
#define JSEQ_KIND	1
#define JSEQ_MINBUCKETS	64

struct jseq_ent {
	struct jseq_ent		*next;
	uint8_t			 satype;
	uint8_t			 af;		/* AF_INET, AF_INET6 */
	uint32_t		 spi;
	uint8_t			 addr[16];
	struct jseq_val		 v;
};

struct jseq {
	struct jseq_ent		**b;
	size_t			  nb;		/* a power of 2 */
	size_t			  n;
};

/* The key of an SA: family and address bytes (v4 in the first 4). */
static int
key_of(const struct sad_addr *dst, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (dst->af == AF_INET) {
		memcpy(addr, &dst->a.v4, 4);
		return (0);
	}
	if (dst->af == AF_INET6) {
		memcpy(addr, &dst->a.v6, 16);
		return (0);
	}
	return (-1);
}

static size_t
bucket(const struct jseq *t, uint8_t af, uint8_t satype, uint32_t spi,
    const uint8_t addr[16])
{
	uint64_t h = (uint64_t)spi * 0x9e3779b97f4a7c15ULL;
	size_t i;

	h ^= (uint64_t)satype << 8 | af;
	for (i = 0; i < 16; i++)
		h = (h ^ addr[i]) * 0x100000001b3ULL;
	h ^= h >> 31;
	return ((size_t)h & (t->nb - 1));
}

static struct jseq_ent **
find(const struct jseq *t, uint8_t af, uint8_t satype, uint32_t spi,
    const uint8_t addr[16])
{
	struct jseq_ent **pp;

	for (pp = &t->b[bucket(t, af, satype, spi, addr)]; *pp != NULL;
	    pp = &(*pp)->next)
		if ((*pp)->spi == spi && (*pp)->satype == satype &&
		    (*pp)->af == af && memcmp((*pp)->addr, addr, 16) == 0)
			break;
	return (pp);
}

struct jseq *
jseq_new(void)
{
	struct jseq *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	t->nb = JSEQ_MINBUCKETS;
	if ((t->b = calloc(t->nb, sizeof(*t->b))) == NULL) {
		free(t);
		return (NULL);
	}
	return (t);
}

void
jseq_free(struct jseq *t)
{
	struct jseq_ent *e, *next;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	free(t->b);
	free(t);
}

size_t
jseq_count(const struct jseq *t)
{
	return (t != NULL ? t->n : 0);
}

/* Double the buckets; on failure keep the longer chains (still correct). */
static void
grow(struct jseq *t)
{
	struct jseq_ent **nb, *e, *next;
	struct jseq old = *t;
	size_t i, k;

	if ((nb = calloc(t->nb * 2, sizeof(*nb))) == NULL)
		return;
	t->b = nb;
	t->nb *= 2;
	for (i = 0; i < old.nb; i++)
		for (e = old.b[i]; e != NULL; e = next) {
			next = e->next;
			k = bucket(t, e->af, e->satype, e->spi, e->addr);
			e->next = t->b[k];
			t->b[k] = e;
		}
	free(old.b);
}

int
jseq_set(struct jseq *t, const struct sad_addr *dst, uint8_t satype,
    uint32_t spi, const struct jseq_val *v, struct jseq_val *now)
{
	struct jseq_ent **pp, *e;
	uint8_t addr[16];

	if (t == NULL || dst == NULL || v == NULL ||
	    key_of(dst, addr) == -1)
		return (SAD_ERR_INVAL);
	pp = find(t, (uint8_t)dst->af, satype, spi, addr);
	if ((e = *pp) == NULL) {
		if ((e = calloc(1, sizeof(*e))) == NULL)
			return (SAD_ERR_NOMEM);
		e->satype = satype;
		e->af = (uint8_t)dst->af;
		e->spi = spi;
		memcpy(e->addr, addr, 16);
		*pp = e;
		t->n++;
	}
	if (v->out > e->v.out)
		e->v.out = v->out;
	if (v->in > e->v.in)
		e->v.in = v->in;
	if (now != NULL)
		*now = e->v;
	if (t->n > t->nb * 2)
		grow(t);
	return (0);
}

bool
jseq_get(const struct jseq *t, const struct sad_addr *dst, uint8_t satype,
    uint32_t spi, struct jseq_val *v)
{
	struct jseq_ent *e;
	uint8_t addr[16];

	if (t == NULL || dst == NULL || key_of(dst, addr) == -1)
		return (false);
	if ((e = *find(t, (uint8_t)dst->af, satype, spi, addr)) == NULL)
		return (false);
	if (v != NULL)
		*v = e->v;
	return (true);
}

void
jseq_del(struct jseq *t, const struct sad_addr *dst, uint8_t satype,
    uint32_t spi)
{
	struct jseq_ent **pp, *e;
	uint8_t addr[16];

	if (t == NULL || dst == NULL || key_of(dst, addr) == -1)
		return;
	pp = find(t, (uint8_t)dst->af, satype, spi, addr);
	if ((e = *pp) == NULL)
		return;
	*pp = e->next;
	free(e);
	t->n--;
}

/* The destination of an entry as a SAD key. */
static void
ent_dst(const struct jseq_ent *e, struct sad_addr *dst)
{
	memset(dst, 0, sizeof(*dst));
	dst->af = e->af;
	if (e->af == AF_INET) {
		memcpy(&dst->a.v4, e->addr, 4);
		dst->plen = 32;
	} else {
		memcpy(&dst->a.v6, e->addr, 16);
		dst->plen = 128;
	}
}

/*
 * Remove the entries of satype (0: every type); with `sad', only those
 * whose SA it does not hold.
 */
static void
remove_if(struct jseq *t, uint8_t satype, const struct sad *sad)
{
	struct jseq_ent **pp, *e;
	struct sad_addr dst;
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nb; i++) {
		pp = &t->b[i];
		while ((e = *pp) != NULL) {
			if (satype != 0 && e->satype != satype) {
				pp = &e->next;
				continue;
			}
			if (sad != NULL) {
				ent_dst(e, &dst);
				if (sad_lookup(sad, &dst, e->satype, e->spi) !=
				    NULL) {
					pp = &e->next;
					continue;
				}
			}
			*pp = e->next;
			free(e);
			t->n--;
		}
	}
}

void
jseq_flush(struct jseq *t, uint8_t satype)
{
	remove_if(t, satype, NULL);
}

void
jseq_prune(struct jseq *t, const struct sad *sad)
{
	if (sad != NULL)
		remove_if(t, 0, sad);
}

void
jseq_iter_init(struct jseq_iter *it)
{
	memset(it, 0, sizeof(*it));
}

bool
jseq_next(const struct jseq *t, struct jseq_iter *it, struct sad_addr *dst,
    uint8_t *satype, uint32_t *spi, struct jseq_val *v)
{
	const struct jseq_ent *e = it->e;

	if (t == NULL)
		return (false);
	if (e != NULL)
		e = e->next;
	while (e == NULL) {
		if (it->b >= t->nb)
			return (false);
		e = t->b[it->b++];
	}
	it->e = e;
	ent_dst(e, dst);
	*satype = e->satype;
	*spi = e->spi;
	*v = e->v;
	return (true);
}

/* ------------------------------------------------------------ records */

static void
put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static uint32_t
get32le(const uint8_t *p)
{
	return ((uint32_t)p[0] | (uint32_t)p[1] << 8 |
	    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
}

static void
put64le(uint8_t *p, uint64_t v)
{
	put32le(p, (uint32_t)v);
	put32le(p + 4, (uint32_t)(v >> 32));
}

static uint64_t
get64le(const uint8_t *p)
{
	return ((uint64_t)get32le(p) | (uint64_t)get32le(p + 4) << 32);
}

bool
jseq_is_record(const void *msg, size_t len)
{
	return (len >= 1 && ((const uint8_t *)msg)[0] == JSEQ_MARK);
}

int
jseq_encode(uint8_t rec[JSEQ_RECLEN], const struct sad_addr *dst,
    uint8_t satype, uint32_t spi, const struct jseq_val *v)
{
	uint8_t addr[16];

	if (key_of(dst, addr) == -1 ||
	    (satype != PFKEY_SATYPE_ESP && satype != PFKEY_SATYPE_AH))
		return (SAD_ERR_INVAL);
	memset(rec, 0, JSEQ_RECLEN);
	rec[0] = JSEQ_MARK;
	rec[1] = JSEQ_KIND;
	rec[2] = satype;
	rec[3] = dst->af == AF_INET ? 4 : 6;
	put32le(rec + 4, spi);
	memcpy(rec + 8, addr, 16);
	put64le(rec + 24, v->out);
	put64le(rec + 32, v->in);
	return (0);
}

int
jseq_decode(const void *msg, size_t len, struct sad_addr *dst,
    uint8_t *satype, uint32_t *spi, struct jseq_val *v, char *why,
    size_t whylen)
{
	const uint8_t *p = msg;
	size_t i;

	if (len != JSEQ_RECLEN) {
		(void)snprintf(why, whylen, "sequence record of %zu bytes "
		    "(must be %d)", len, JSEQ_RECLEN);
		return (-1);
	}
	if (p[0] != JSEQ_MARK || p[1] != JSEQ_KIND) {
		(void)snprintf(why, whylen, "unknown sadbd record kind "
		    "%u/%u", p[0], p[1]);
		return (-1);
	}
	if (p[2] != PFKEY_SATYPE_ESP && p[2] != PFKEY_SATYPE_AH) {
		(void)snprintf(why, whylen, "sequence record for SA type %u",
		    p[2]);
		return (-1);
	}
	if (p[3] != 4 && p[3] != 6) {
		(void)snprintf(why, whylen, "sequence record with address "
		    "family %u", p[3]);
		return (-1);
	}
	for (i = p[3] == 4 ? 12 : 24; i < 24; i++)
		if (p[i] != 0)
			break;
	if (i < 24 || get64le(p + 40) != 0) {
		(void)snprintf(why, whylen, "sequence record with non-zero "
		    "padding");
		return (-1);
	}
	memset(dst, 0, sizeof(*dst));
	if (p[3] == 4) {
		dst->af = AF_INET;
		dst->plen = 32;
		memcpy(&dst->a.v4, p + 8, 4);
	} else {
		dst->af = AF_INET6;
		dst->plen = 128;
		memcpy(&dst->a.v6, p + 8, 16);
	}
	*satype = p[2];
	*spi = get32le(p + 4);
	v->out = get64le(p + 24);
	v->in = get64le(p + 32);
	return (0);
}
