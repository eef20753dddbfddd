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
 * The journal's records of SAs' sequence numbers (sadbd/journal_seq.c and
 * its use in journal.c, compiled in): the exact bytes, a round trip
 * through a restart, values that only grow, removal with the SA (DELETE,
 * FLUSH, expiry while down), compaction, a journal written before the
 * records existed, and torn or malformed records (the torn tail of the
 * last segment dropped with its offset, anything else refused with the
 * file and offset, nothing half applied).
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"
#include "sadb.h"
#include "sadbd.h"

#define DIR		"state"
#define SEG(n)		DIR "/journal.000000000" #n
#define SNAP(n)		DIR "/snapshot.000000000" #n

struct state {
	struct journal	*j;
	struct sad	*sad;
	struct spd	*spd;
};

static uint64_t now;

/*
 * A journal the sadbd before sequence records wrote (Linux dialect): ESP
 * SA 0x1001 192.0.2.1 -> 198.51.100.2, ESP 0x1002 added and deleted, AH
 * SA 0x2001 2001:db8::1 -> 2001:db8::2 in tunnel mode, one outbound
 * policy 10.0.0.1 -> 10.0.0.2.
 */
static const uint8_t old_journal[] = {
	0x53, 0x41, 0x44, 0x42, 0x44, 0x4a, 0x4e, 0x4c, 0x01, 0x00, 0x00, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x4d, 0x50, 0x44, 0xbf, 0xb8, 0x00, 0x00, 0x00,
	0xcd, 0x51, 0xb5, 0x08, 0x02, 0x03, 0x00, 0x03, 0x17, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x92, 0x10, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x10, 0x01, 0x20, 0x01, 0x03, 0x0c, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x13, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x53, 0x65,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x05, 0x00, 0xff, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x06, 0x00, 0xff, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x08, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x02, 0x0f, 0x1c, 0x29,
	0x36, 0x43, 0x50, 0x5d, 0x6a, 0x77, 0x84, 0x91, 0x9e, 0xab, 0xb8, 0xc5,
	0xd2, 0xdf, 0xec, 0xf9, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x09, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x1b, 0x28, 0x35, 0x42, 0x4f, 0x5c,
	0x69, 0x76, 0x83, 0x90, 0x9d, 0xaa, 0xb7, 0xc4, 0xb8, 0x00, 0x00, 0x00,
	0x6a, 0xe8, 0x89, 0xe0, 0x02, 0x03, 0x00, 0x03, 0x17, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x92, 0x10, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x10, 0x02, 0x20, 0x01, 0x03, 0x0c, 0x00, 0x00, 0x00, 0x00,
	0x02, 0x00, 0x13, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x07, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf1, 0x53, 0x65,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x05, 0x00, 0xff, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x06, 0x00, 0xff, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x08, 0x00, 0xa0, 0x00, 0x00, 0x00, 0x02, 0x0f, 0x1c, 0x29,
	0x36, 0x43, 0x50, 0x5d, 0x6a, 0x77, 0x84, 0x91, 0x9e, 0xab, 0xb8, 0xc5,
	0xd2, 0xdf, 0xec, 0xf9, 0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x09, 0x00,
	0x80, 0x00, 0x00, 0x00, 0x01, 0x0e, 0x1b, 0x28, 0x35, 0x42, 0x4f, 0x5c,
	0x69, 0x76, 0x83, 0x90, 0x9d, 0xaa, 0xb7, 0xc4, 0x50, 0x00, 0x00, 0x00,
	0x59, 0x2a, 0x2c, 0xb0, 0x02, 0x04, 0x00, 0x03, 0x0a, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x92, 0x10, 0x00, 0x00, 0x02, 0x00, 0x01, 0x00,
	0x00, 0x00, 0x10, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x05, 0x00, 0xff, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x03, 0x00, 0x06, 0x00, 0xff, 0x20, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00,
	0xc6, 0x33, 0x64, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0xc8, 0x00, 0x00, 0x00, 0x5c, 0x01, 0x68, 0xdd, 0x02, 0x03, 0x00, 0x02,
	0x19, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x93, 0x10, 0x00, 0x00,
	0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x20, 0x01, 0x40, 0x01, 0x05, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x13, 0x00, 0x02, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x02, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x01, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x05, 0x00, 0xff, 0x80, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x01, 0x0d, 0xb8,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x06, 0x00,
	0xff, 0x80, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x05, 0x00, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x03, 0x10, 0x1d, 0x2a,
	0x37, 0x44, 0x51, 0x5e, 0x6b, 0x78, 0x85, 0x92, 0x9f, 0xac, 0xb9, 0xc6,
	0xd3, 0xe0, 0xed, 0xfa, 0x07, 0x14, 0x21, 0x2e, 0x3b, 0x48, 0x55, 0x62,
	0x6f, 0x7c, 0x89, 0x96, 0x80, 0x00, 0x00, 0x00, 0xb3, 0x10, 0x80, 0x4c,
	0x02, 0x0e, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x63, 0x00, 0x00, 0x00, 0x03, 0x00, 0x05, 0x00, 0xff, 0x20, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x03, 0x00, 0x06, 0x00, 0xff, 0x20, 0x00, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x12, 0x00, 0x02, 0x00, 0x02, 0x00,
	0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x32, 0x00,
	0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x04, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x02, 0xf1, 0x53, 0x65, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

/* ------------------------------------------------------------ helpers */

static struct sad_addr
A(const char *s)
{
	struct sad_addr a;

	ATF_REQUIRE_MSG(sad_addr_parse(&a, s) == 0, "%s", s);
	a.plen = (uint8_t)sad_addr_bits(&a);
	return (a);
}

static long
st_open_why(struct state *s, char *why, size_t whylen)
{
	int err = 0;

	now = (uint64_t)time(NULL);
	s->j = journal_open(DIR, JOURNAL_SYNC_FULL, &err);
	ATF_REQUIRE_MSG(s->j != NULL, "journal_open: %s (errno %d)",
	    journal_error(), err);
	ATF_REQUIRE((s->sad = sad_new()) != NULL);
	ATF_REQUIRE((s->spd = spd_new()) != NULL);
	return (journal_replay(s->j, s->sad, s->spd, why, whylen));
}

static void
st_open(struct state *s)
{
	char why[1024];
	long n;

	n = st_open_why(s, why, sizeof(why));
	ATF_REQUIRE_MSG(n >= 0, "replay: %ld %s", n, why);
	ATF_CHECK_MSG(why[0] == '\0', "unexpected note: %s", why);
}

static void
st_close(struct state *s)
{
	journal_close(s->j);
	if (s->sad != NULL) {
		(void)sad_flush(s->sad, 0);
		sad_free(s->sad);
	}
	if (s->spd != NULL) {
		(void)spd_flush(s->spd);
		spd_free(s->spd);
	}
	memset(s, 0, sizeof(*s));
}

/* Close and open again: what a restart finds. */
static void
reopen(struct state *s)
{
	ATF_REQUIRE_EQ(journal_commit(s->j), 0);
	st_close(s);
	st_open(s);
}

static void
commit(struct state *s)
{
	ATF_REQUIRE_MSG(journal_commit(s->j) == 0, "commit: %s",
	    journal_error());
}

static void
set_key(struct sad_key *k, unsigned bits, uint8_t seed)
{
	uint8_t buf[64];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(seed + i * 13);
	ATF_REQUIRE_EQ(sad_key_set(k, buf, bits), 0);
}

/* A mature ESP (or AH) SA src -> dst, stored and journaled. */
static struct sad_entry *
sa_add(struct state *s, uint8_t satype, uint32_t spi, const char *src,
    const char *dst)
{
	struct sad_entry e, *out;

	sad_entry_init(&e);
	e.satype = satype;
	e.has = SAD_HAS_SA_FIELDS | SAD_HAS_SA2_FIELDS | SAD_HAS_AKEY |
	    SAD_HAS_LT_CUR;
	e.spi = spi;
	e.state = PFKEY_SASTATE_MATURE;
	e.mode = PFKEY_MODE_TRANSPORT;
	e.replay = 32;
	e.aalg = PFKEY_AALG_SHA2_256HMAC;
	set_key(&e.akey, 256, (uint8_t)spi);
	if (satype == PFKEY_SATYPE_ESP) {
		e.has |= SAD_HAS_EKEY;
		e.ealg = PFKEY_EALG_AESCBC;
		set_key(&e.ekey, 128, (uint8_t)(spi >> 8));
	}
	e.src = A(src);
	e.dst = A(dst);
	e.cur.addtime = now - 5;
	ATF_REQUIRE_EQ(sad_insert(s->sad, &e, &out), 0);
	sad_entry_clear(&e);
	ATF_REQUIRE_MSG(journal_sa_put(s->j, out) == 0, "%s",
	    journal_error());
	return (out);
}

static void
seq_put(struct state *s, const char *dst, uint8_t satype, uint32_t spi,
    uint64_t out, uint64_t in)
{
	struct sad_addr d = A(dst);
	struct jseq_val v = { out, in };

	ATF_REQUIRE_MSG(journal_seq_put(s->j, &d, satype, spi, &v) == 0,
	    "journal_seq_put: %s", journal_error());
}

/* The values kept for an SA: CHECK they are (out, in), or none. */
static void
seq_is(const struct state *s, const char *dst, uint8_t satype,
    uint32_t spi, uint64_t out, uint64_t in)
{
	struct sad_addr d = A(dst);
	struct jseq_val v;
	bool found;

	found = journal_seq_get(s->j, &d, satype, spi, &v);
	if (out == 0 && in == 0) {
		ATF_CHECK_MSG(!found, "SA %#x: values %llu/%llu kept, none "
		    "expected", spi, (unsigned long long)v.out,
		    (unsigned long long)v.in);
		return;
	}
	ATF_REQUIRE_MSG(found, "SA %#x: no values kept", spi);
	ATF_CHECK_MSG(v.out == out && v.in == in, "SA %#x: %llu/%llu kept, "
	    "%llu/%llu expected", spi, (unsigned long long)v.out,
	    (unsigned long long)v.in, (unsigned long long)out,
	    (unsigned long long)in);
}

static off_t
fsize(const char *path)
{
	struct stat st;

	ATF_REQUIRE_MSG(stat(path, &st) == 0, "%s: %s", path,
	    strerror(errno));
	return (st.st_size);
}

static bool
exists(const char *path)
{
	struct stat st;

	return (stat(path, &st) == 0);
}

static void
read_at(const char *path, off_t off, void *buf, size_t n)
{
	int fd;

	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	ATF_REQUIRE_EQ(pread(fd, buf, n, off), (ssize_t)n);
	(void)close(fd);
}

static uint32_t
le32(const uint8_t *b)
{
	return ((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
	    (uint32_t)b[3] << 24);
}

static uint64_t
le64(const uint8_t *b)
{
	return ((uint64_t)le32(b) | (uint64_t)le32(b + 4) << 32);
}

static void
put_le32(uint8_t *b, uint32_t v)
{
	b[0] = (uint8_t)v;
	b[1] = (uint8_t)(v >> 8);
	b[2] = (uint8_t)(v >> 16);
	b[3] = (uint8_t)(v >> 24);
}

/* An independent CRC-32C, bit by bit (RFC 3720 B.4 check value below). */
static uint32_t
crc32c_ref(uint32_t crc, const uint8_t *p, size_t n)
{
	int k;

	crc = ~crc;
	while (n-- > 0) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & (0U - (crc & 1)));
	}
	return (~crc);
}

/* Append a framed record (good CRC) with body `msg' to a file. */
static void
append_record(const char *path, const uint8_t *msg, size_t len)
{
	uint8_t hdr[8];
	int fd;

	put_le32(hdr, (uint32_t)len);
	put_le32(hdr + 4, crc32c_ref(crc32c_ref(0, hdr, 4), msg, len));
	ATF_REQUIRE((fd = open(path, O_WRONLY | O_APPEND)) != -1);
	ATF_REQUIRE_EQ(write(fd, hdr, sizeof(hdr)), (ssize_t)sizeof(hdr));
	ATF_REQUIRE_EQ(write(fd, msg, len), (ssize_t)len);
	ATF_REQUIRE_EQ(close(fd), 0);
}

/* The offsets of the records of a file, after its 32-byte header. */
static size_t
record_offsets(const char *path, off_t *offs, size_t max)
{
	uint8_t h[4];
	off_t off = 32, end = fsize(path);
	size_t n = 0;

	while (off + 8 <= end && n < max) {
		read_at(path, off, h, 4);
		offs[n++] = off;
		off += 8 + (off_t)le32(h);
	}
	return (n);
}

/* -------------------------------------------------------------- tests */

/* The exact bytes of a record, and what appends one and what does not. */
ATF_TC_WITHOUT_HEAD(seq_format);
ATF_TC_BODY(seq_format, tc)
{
	static const uint8_t dst[4] = { 198, 51, 100, 2 };
	struct state s;
	uint8_t rec[8 + JSEQ_RECLEN];
	off_t offs[8];
	size_t n, i, pend;

	ATF_CHECK_EQ(crc32c_ref(0, (const uint8_t *)"123456789", 9),
	    0xe3069283U);
	st_open(&s);
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x1000, "192.0.2.1",
	    "198.51.100.2");
	commit(&s);
	pend = journal_pending(s.j);
	ATF_CHECK_EQ(pend, 0);
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1000,
	    0x0123456789ULL, 77);
	ATF_CHECK_EQ(journal_pending(s.j), 8 + JSEQ_RECLEN);
	commit(&s);

	n = record_offsets(SEG(1), offs, 8);
	ATF_REQUIRE_EQ(n, 2);
	ATF_REQUIRE_EQ(fsize(SEG(1)), offs[1] + 8 + JSEQ_RECLEN);
	read_at(SEG(1), offs[1], rec, sizeof(rec));
	ATF_CHECK_EQ(le32(rec), JSEQ_RECLEN);
	ATF_CHECK_EQ(le32(rec + 4), crc32c_ref(crc32c_ref(0, rec, 4),
	    rec + 8, JSEQ_RECLEN));
	ATF_CHECK_EQ(rec[8], 0);		/* not PF_KEY (version 2) */
	ATF_CHECK_EQ(rec[9], 1);		/* kind */
	ATF_CHECK_EQ(rec[10], PFKEY_SATYPE_ESP);
	ATF_CHECK_EQ(rec[11], 4);
	ATF_CHECK_EQ(le32(rec + 12), 0x1000);
	ATF_CHECK(memcmp(rec + 16, dst, 4) == 0);
	for (i = 20; i < 32; i++)
		ATF_CHECK_EQ_MSG(rec[i], 0, "byte %zu", i);
	ATF_CHECK_EQ(le64(rec + 32), 0x0123456789ULL);
	ATF_CHECK_EQ(le64(rec + 40), 77);
	ATF_CHECK_EQ(le64(rec + 48), 0);

	/* Nothing new: no record.  Lower values: no record either. */
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1000,
	    0x0123456789ULL, 77);
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1000, 5, 6);
	ATF_CHECK_EQ(journal_pending(s.j), 0);
	/* One value up: the record carries the other as kept. */
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1000, 0, 78);
	ATF_CHECK_EQ(journal_pending(s.j), 8 + JSEQ_RECLEN);
	commit(&s);
	n = record_offsets(SEG(1), offs, 8);
	ATF_REQUIRE_EQ(n, 3);
	read_at(SEG(1), offs[2], rec, sizeof(rec));
	ATF_CHECK_EQ(le64(rec + 32), 0x0123456789ULL);
	ATF_CHECK_EQ(le64(rec + 40), 78);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1000, 0x0123456789ULL,
	    78);

	/* Not for IPComp, nor before the replay. */
	{
		struct sad_addr d = A("198.51.100.2");
		struct jseq_val v = { 1, 1 };
		struct journal *j;
		int err;

		ATF_CHECK_EQ(journal_seq_put(s.j, &d, PFKEY_SATYPE_IPCOMP,
		    0x1000, &v), SAD_ERR_INVAL);
		ATF_CHECK_EQ(journal_pending(s.j), 0);
		st_close(&s);
		ATF_REQUIRE((j = journal_open(DIR, JOURNAL_SYNC_FULL,
		    &err)) != NULL);
		ATF_CHECK_EQ(journal_seq_put(j, &d, PFKEY_SATYPE_ESP, 0x1000,
		    &v), SAD_ERR_STATE);
		journal_close(j);
	}
}

/* Through restarts: kept per SA, raised only, gone with the SA. */
ATF_TC_WITHOUT_HEAD(seq_roundtrip);
ATF_TC_BODY(seq_roundtrip, tc)
{
	struct state s;
	struct sad_entry *e;

	st_open(&s);
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x1001, "192.0.2.1",
	    "198.51.100.2");
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x1002, "192.0.2.1",
	    "198.51.100.2");
	(void)sa_add(&s, PFKEY_SATYPE_AH, 0x2001, "2001:db8::1",
	    "2001:db8::2");
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x3001, "2001:db8::1",
	    "2001:db8::2");
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x4001, "192.0.2.1",
	    "198.51.100.3");
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 2097152, 0);
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1002, 0, 4242);
	/* ESN: beyond 32 bits. */
	seq_put(&s, "2001:db8::2", PFKEY_SATYPE_AH, 0x2001,
	    0x100000005ULL, 0x1ffffffffULL);
	seq_put(&s, "2001:db8::2", PFKEY_SATYPE_ESP, 0x3001, 9, 9);
	/* The same SPI and address under the other type is another SA. */
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_ESP, 0x2001, 0, 0);
	reopen(&s);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 2097152, 0);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1002, 0, 4242);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_AH, 0x2001, 0x100000005ULL,
	    0x1ffffffffULL);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_ESP, 0x3001, 9, 9);
	seq_is(&s, "198.51.100.3", PFKEY_SATYPE_ESP, 0x4001, 0, 0);
	ATF_CHECK_EQ(sad_count(s.sad), 5);

	/* Raised twice, lowered once: the highest wins, after replay too. */
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 4194304, 10);
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 6291456, 9);
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 100, 3);
	reopen(&s);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 6291456, 10);

	/* DELETE takes them away at once and in the replay. */
	{
		struct sad_addr d = A("2001:db8::2");

		e = sad_lookup(s.sad, &d, PFKEY_SATYPE_ESP, 0x3001);
	}
	ATF_REQUIRE(e != NULL);
	ATF_REQUIRE_EQ(journal_sa_del(s.j, e), 0);
	sad_delete(s.sad, e);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_ESP, 0x3001, 0, 0);
	/* FLUSH of AH: its SA goes, ESP stays. */
	ATF_REQUIRE_EQ(journal_sa_flush(s.j, PFKEY_SATYPE_AH), 0);
	(void)sad_flush(s.sad, PFKEY_SATYPE_AH);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_AH, 0x2001, 0, 0);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1002, 0, 4242);
	reopen(&s);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_ESP, 0x3001, 0, 0);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_AH, 0x2001, 0, 0);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1002, 0, 4242);
	ATF_CHECK_EQ(sad_count(s.sad), 3);

	/* The deleted SPI added again starts afresh. */
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x3001, "2001:db8::1",
	    "2001:db8::2");
	reopen(&s);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_ESP, 0x3001, 0, 0);

	/* An update of the SA (a put) keeps them. */
	{
		struct sad_addr d = A("198.51.100.2");

		e = sad_lookup(s.sad, &d, PFKEY_SATYPE_ESP, 0x1001);
		ATF_REQUIRE(e != NULL);
		e->state = PFKEY_SASTATE_DYING;
		ATF_REQUIRE_EQ(journal_sa_put(s.j, e), 0);
	}
	reopen(&s);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 6291456, 10);
	st_close(&s);
}

/* An SA whose hard lifetime ran out while sadbd was down takes them along. */
ATF_TC_WITHOUT_HEAD(seq_expired);
ATF_TC_BODY(seq_expired, tc)
{
	struct state s;
	struct sad_entry *e;

	st_open(&s);
	e = sa_add(&s, PFKEY_SATYPE_ESP, 0x5001, "192.0.2.1",
	    "198.51.100.2");
	e->has |= SAD_HAS_LT_HARD;
	e->cur.addtime = now - 100;
	e->hard.addtime = 50;
	ATF_REQUIRE_EQ(journal_sa_put(s.j, e), 0);
	(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x5002, "192.0.2.1",
	    "198.51.100.2");
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x5001, 1000, 1000);
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x5002, 2000, 2000);
	reopen(&s);
	ATF_CHECK_EQ(sad_count(s.sad), 1);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x5001, 0, 0);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x5002, 2000, 2000);
	st_close(&s);
}

/* Compaction writes them into the snapshot; an SA gone since leaves none. */
ATF_TC_WITHOUT_HEAD(seq_compaction);
ATF_TC_BODY(seq_compaction, tc)
{
	struct state s;
	struct sad_entry *e;
	char name[64];
	pid_t pid;
	int i, status;

	ATF_REQUIRE_EQ(setenv("SADBD_COMPACT_BYTES", "1", 1), 0);
	st_open(&s);
	for (i = 0; i < 200; i++) {
		(void)snprintf(name, sizeof(name), "10.9.%d.%d", i / 200,
		    i % 200 + 1);
		(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x10000 + (uint32_t)i,
		    "192.0.2.1", name);
		seq_put(&s, name, PFKEY_SATYPE_ESP, 0x10000 + (uint32_t)i,
		    1000 + (uint64_t)i, (uint64_t)i);
	}
	/* Superseded values: only the last may reach the snapshot. */
	seq_put(&s, "10.9.0.1", PFKEY_SATYPE_ESP, 0x10000, 5000, 6000);
	/* Values of an SA deleted in the same breath, of one never there. */
	e = sa_add(&s, PFKEY_SATYPE_ESP, 0x20000, "192.0.2.1", "10.9.9.9");
	seq_put(&s, "10.9.9.9", PFKEY_SATYPE_ESP, 0x20000, 7, 7);
	ATF_REQUIRE_EQ(journal_sa_del(s.j, e), 0);
	sad_delete(s.sad, e);
	seq_put(&s, "10.9.9.8", PFKEY_SATYPE_ESP, 0x20001, 8, 8);
	commit(&s);
	ATF_REQUIRE_EQ(journal_maybe_compact(s.j, s.sad, s.spd), 0);
	ATF_REQUIRE((pid = journal_child(s.j)) > 0);
	/* Values raised while it runs go into the new segment. */
	seq_put(&s, "10.9.0.2", PFKEY_SATYPE_ESP, 0x10001, 8000, 0);
	commit(&s);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE_MSG(journal_child_exited(s.j, pid, status) == 0, "%s",
	    journal_error());
	ATF_REQUIRE(exists(SNAP(2)) && !exists(SEG(1)));
	/* 200 SAs and their 200 records: nothing for SAs not there. */
	{
		uint8_t h[32];

		read_at(SNAP(2), 0, h, sizeof(h));
		ATF_CHECK_EQ(le32(h + 24), 400);
	}
	reopen(&s);
	seq_is(&s, "10.9.0.1", PFKEY_SATYPE_ESP, 0x10000, 5000, 6000);
	seq_is(&s, "10.9.0.2", PFKEY_SATYPE_ESP, 0x10001, 8000, 1);
	for (i = 2; i < 200; i++) {
		(void)snprintf(name, sizeof(name), "10.9.0.%d", i + 1);
		seq_is(&s, name, PFKEY_SATYPE_ESP, 0x10000 + (uint32_t)i,
		    1000 + (uint64_t)i, (uint64_t)i);
	}
	seq_is(&s, "10.9.9.9", PFKEY_SATYPE_ESP, 0x20000, 0, 0);
	seq_is(&s, "10.9.9.8", PFKEY_SATYPE_ESP, 0x20001, 0, 0);
	ATF_CHECK_EQ(sad_count(s.sad), 200);

	/* A second compaction from the first snapshot keeps them too. */
	for (i = 0; i < 3000; i++)
		seq_put(&s, "10.9.0.3", PFKEY_SATYPE_ESP, 0x10002,
		    2000 + (uint64_t)i, 0);
	commit(&s);
	ATF_REQUIRE_EQ(journal_maybe_compact(s.j, s.sad, s.spd), 0);
	ATF_REQUIRE((pid = journal_child(s.j)) > 0);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE_EQ(journal_child_exited(s.j, pid, status), 0);
	ATF_CHECK(exists(SNAP(3)) && !exists(SNAP(2)));
	reopen(&s);
	seq_is(&s, "10.9.0.3", PFKEY_SATYPE_ESP, 0x10002, 4999, 2);
	seq_is(&s, "10.9.0.1", PFKEY_SATYPE_ESP, 0x10000, 5000, 6000);
	st_close(&s);
}

/* A journal from before the records loads, and takes them from then on. */
ATF_TC_WITHOUT_HEAD(seq_old_journal);
ATF_TC_BODY(seq_old_journal, tc)
{
	struct state s;
	struct sad_addr d;
	struct spd_iter pi;
	const struct sad_entry *e;
	const struct spd_entry *p;
	int fd;

	if (pfkey_host_dialect() != PFKEY_DIALECT_LINUX)
		atf_tc_skip("the stored journal is in the Linux dialect");
	ATF_REQUIRE_EQ(mkdir(DIR, 0700), 0);
	ATF_REQUIRE((fd = open(SEG(1), O_WRONLY | O_CREAT | O_EXCL,
	    0600)) != -1);
	ATF_REQUIRE_EQ(write(fd, old_journal, sizeof(old_journal)),
	    (ssize_t)sizeof(old_journal));
	ATF_REQUIRE_EQ(close(fd), 0);

	st_open(&s);
	ATF_CHECK_EQ(sad_count(s.sad), 2);
	d = A("198.51.100.2");
	e = sad_lookup(s.sad, &d, PFKEY_SATYPE_ESP, 0x1001);
	ATF_CHECK(e != NULL && e->ealg == PFKEY_EALG_AESCBC &&
	    e->replay == 32 && e->cur.addtime == 1700000000);
	ATF_CHECK(sad_lookup(s.sad, &d, PFKEY_SATYPE_ESP, 0x1002) == NULL);
	d = A("2001:db8::2");
	e = sad_lookup(s.sad, &d, PFKEY_SATYPE_AH, 0x2001);
	ATF_CHECK(e != NULL && e->mode == PFKEY_MODE_TUNNEL &&
	    e->replay == 64);
	spd_iter_init(&pi);
	ATF_CHECK((p = spd_next(s.spd, &pi)) != NULL && p->pid == 99);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 0, 0);
	seq_is(&s, "2001:db8::2", PFKEY_SATYPE_AH, 0x2001, 0, 0);

	/* Records go on in the old segment; both kinds come back. */
	seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 2097152, 12);
	reopen(&s);
	ATF_CHECK_EQ(sad_count(s.sad), 2);
	ATF_CHECK_EQ(spd_count(s.spd), 1);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x1001, 2097152, 12);
	ATF_CHECK(fsize(SEG(1)) ==
	    (off_t)sizeof(old_journal) + 8 + JSEQ_RECLEN);
	st_close(&s);
}

/* A record cut by a crash at the end: dropped whole, the one before holds. */
ATF_TC_WITHOUT_HEAD(seq_torn);
ATF_TC_BODY(seq_torn, tc)
{
	struct state s;
	char why[1024], want[64];
	off_t offs[8], cut;
	size_t n, k;
	long r;

	for (k = 1; k < 8 + JSEQ_RECLEN; k += 13) {
		(void)system("rm -rf " DIR);
		st_open(&s);
		(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x6001, "192.0.2.1",
		    "198.51.100.2");
		seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x6001, 100,
		    50);
		commit(&s);
		seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x6001, 200,
		    60);
		commit(&s);
		st_close(&s);
		n = record_offsets(SEG(1), offs, 8);
		ATF_REQUIRE_EQ(n, 3);
		/* Keep k bytes of the last record. */
		cut = offs[2] + (off_t)k;
		ATF_REQUIRE_EQ(truncate(SEG(1), cut), 0);
		r = st_open_why(&s, why, sizeof(why));
		ATF_REQUIRE_MSG(r >= 0, "cut at %lld: %s", (long long)cut,
		    why);
		(void)snprintf(want, sizeof(want), "from offset %lld",
		    (long long)offs[2]);
		ATF_CHECK_MSG(strstr(why, want) != NULL &&
		    strstr(why, "journal.0000000001") != NULL,
		    "cut at %lld: note: %s", (long long)cut, why);
		ATF_CHECK_EQ(fsize(SEG(1)), offs[2]);
		seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x6001, 100, 50);
		ATF_CHECK_EQ(sad_count(s.sad), 1);
		st_close(&s);
	}
}

/*
 * Records whose CRC is good but whose content is not a sequence record
 * this sadbd writes: refused with the file and the offset, in the last
 * segment too (a torn write does not make a good CRC); nothing of them
 * applied.
 */
ATF_TC_WITHOUT_HEAD(seq_refused);
ATF_TC_BODY(seq_refused, tc)
{
	static const struct {
		const char	*name;
		size_t		 len;
		int		 at;		/* byte changed */
		uint8_t		 val;
		const char	*says;
	} bad[] = {
		{ "long", JSEQ_RECLEN + 8, -1, 0, "of 56 bytes" },
		{ "short", JSEQ_RECLEN - 8, -1, 0, "of 40 bytes" },
		{ "kind", JSEQ_RECLEN, 1, 2, "kind 0/2" },
		{ "satype", JSEQ_RECLEN, 2, PFKEY_SATYPE_IPCOMP, "SA type" },
		{ "family", JSEQ_RECLEN, 3, 5, "address family 5" },
		{ "v4 tail", JSEQ_RECLEN, 12, 1, "padding" },
		{ "padding", JSEQ_RECLEN, 47, 1, "padding" },
	};
	struct state s;
	struct sad_addr d;
	struct jseq_val v = { 999, 999 };
	uint8_t msg[JSEQ_RECLEN + 8];
	char why[1024], want[64];
	off_t at;
	size_t i;
	long r;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)system("rm -rf " DIR);
		st_open(&s);
		(void)sa_add(&s, PFKEY_SATYPE_ESP, 0x7001, "192.0.2.1",
		    "198.51.100.2");
		seq_put(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x7001, 10, 5);
		commit(&s);
		st_close(&s);
		/* A good record for the same SA with higher values ... */
		memset(msg, 0, sizeof(msg));
		d = A("198.51.100.2");
		ATF_REQUIRE_EQ(jseq_encode(msg, &d, PFKEY_SATYPE_ESP, 0x7001,
		    &v), 0);
		/* ... spoilt one way. */
		if (bad[i].at >= 0)
			msg[bad[i].at] = bad[i].val;
		at = fsize(SEG(1));
		append_record(SEG(1), msg, bad[i].len);
		r = st_open_why(&s, why, sizeof(why));
		ATF_CHECK_MSG(r < 0, "%s: accepted", bad[i].name);
		(void)snprintf(want, sizeof(want), "offset %lld",
		    (long long)at);
		ATF_CHECK_MSG(strstr(why, DIR "/journal.0000000001") != NULL &&
		    strstr(why, want) != NULL &&
		    strstr(why, bad[i].says) != NULL &&
		    strstr(why, "refusing to start") != NULL,
		    "%s: message: %s", bad[i].name, why);
		st_close(&s);
		/* Taken away, the journal is whole again. */
		ATF_REQUIRE_EQ(truncate(SEG(1), at), 0);
		st_open(&s);
		seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x7001, 10, 5);
		st_close(&s);
	}

	/* The unspoilt record is taken: the test above tests the spoiling. */
	memset(msg, 0, sizeof(msg));
	ATF_REQUIRE_EQ(jseq_encode(msg, &d, PFKEY_SATYPE_ESP, 0x7001, &v), 0);
	append_record(SEG(1), msg, JSEQ_RECLEN);
	st_open(&s);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x7001, 999, 999);
	st_close(&s);

	/* A record with a lower value lowers nothing, either way round. */
	v.out = 1000;
	v.in = 3;
	ATF_REQUIRE_EQ(jseq_encode(msg, &d, PFKEY_SATYPE_ESP, 0x7001, &v), 0);
	append_record(SEG(1), msg, JSEQ_RECLEN);
	v.out = 1;
	v.in = 2000;
	ATF_REQUIRE_EQ(jseq_encode(msg, &d, PFKEY_SATYPE_ESP, 0x7001, &v), 0);
	append_record(SEG(1), msg, JSEQ_RECLEN);
	v.out = 5;
	v.in = 5;
	ATF_REQUIRE_EQ(jseq_encode(msg, &d, PFKEY_SATYPE_ESP, 0x7001, &v), 0);
	append_record(SEG(1), msg, JSEQ_RECLEN);
	st_open(&s);
	seq_is(&s, "198.51.100.2", PFKEY_SATYPE_ESP, 0x7001, 1000, 2000);
	st_close(&s);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, seq_format);
	ATF_TP_ADD_TC(tp, seq_roundtrip);
	ATF_TP_ADD_TC(tp, seq_expired);
	ATF_TP_ADD_TC(tp, seq_compaction);
	ATF_TP_ADD_TC(tp, seq_old_journal);
	ATF_TP_ADD_TC(tp, seq_torn);
	ATF_TP_ADD_TC(tp, seq_refused);
	return (atf_no_error());
}
