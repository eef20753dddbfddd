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
 * sadbd's durability layer: a write-ahead journal of PF_KEY messages with
 * group commit, replay at start-up and compaction by a forked child.
 *
 * Files in the state directory (all 0600, the directory 0700):
 *
 *   lock			flock(2)ed while a sadbd uses the directory
 *   journal.NNNNNNNNNN	segment N: header, then records
 *   snapshot.NNNNNNNNNN	every SA and policy as of the start of
 *				segment N: header, then records
 *   *.tmp			a file being written; removed at start-up
 *
 * Header (32 bytes, little endian):
 *   0  8  magic "SADBDJNL" (segment) or "SADBDSNP" (snapshot)
 *   8  4  format version, 1
 *  12  1  PF_KEY dialect of the records (1 Linux, 2 FreeBSD)
 *  13  3  zero
 *  16  8  N, the number in the file name
 *  24  4  snapshot: number of records; segment: 0
 *  28  4  CRC-32C of bytes 0-27
 *
 * Record (8 + L bytes, so records stay 8-byte aligned):
 *   0  4  L, length of the message (a multiple of 8, 16 <= L <= 524280)
 *   4  4  CRC-32C of bytes 0-3 followed by the L message bytes
 *   8  L  one PF_KEY v2 message in the header's dialect, or (first byte
 *	   0, where a PF_KEY message has its version) a record of the
 *	   sequence numbers of an SA (journal_seq.c); an older sadbd
 *	   refuses such a record rather than skipping it
 *
 * This module never logs: failures are returned, and journal_error()
 * describes the last one (file, offset, system error) for the caller's log.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"
#include "sadb.h"
#include "sadbd.h"

#define J_MAGIC_SEG	"SADBDJNL"
#define J_MAGIC_SNAP	"SADBDSNP"
#define J_VERSION	1
#define J_HDRLEN	32
#define J_RECHDR	8
#define J_SECTOR	512

#define J_SEG_PREFIX	"journal."
#define J_SNAP_PREFIX	"snapshot."
#define J_TMP_SUFFIX	".tmp"
#define J_LOCKFILE	"lock"
#define J_NAMELEN	48

/* Room tried first for one record; a real SA message needs < 1 KiB. */
#define J_ENC_SLACK	4096
#define J_BUF_INITIAL	(64 * 1024)
/* A buffer grown past this by a burst is released after the commit. */
#define J_BUF_KEEP	(4 * 1024 * 1024)
/* The snapshot writer flushes its buffer at this size. */
#define J_SNAP_FLUSH	(1024 * 1024)
#define J_READ_CHUNK	(1024 * 1024)

/* Compaction starts past max(J_COMPACT_MIN, 2 x the last snapshot). */
#define J_COMPACT_MIN	(64ULL * 1024 * 1024)
#define J_COMPACT_ENV	"SADBD_COMPACT_BYTES"

/* A growable buffer of framed records; wiped whenever released. */
struct jbuf {
	uint8_t		*p;
	size_t		 len;
	size_t		 cap;
};

struct journal {
	enum journal_sync	 sync;
	enum pfkey_dialect	 dialect;
	char			*dir;		/* for messages */
	int			 dfd;		/* the state directory */
	int			 lockfd;
	bool			 ready;		/* replayed: appends allowed */

	int			 segfd;		/* current segment */
	uint64_t		 segno;
	uint64_t		 segoff;	/* its durable length */
	struct jbuf		 pend;		/* appended, not committed */

	uint64_t		 snapno;	/* newest snapshot (0: none) */
	uint64_t		 snapsize;
	uint64_t		 logbytes;	/* segments >= snapno */
	uint64_t		 compact_min;
	uint64_t		 compact_next;	/* back-off after a failure */

	pid_t			 child;		/* compaction, or -1 */
	uint64_t		 childsnap;	/* the snapshot it writes */
	int			 childpipe;	/* its failure text */

	struct jseq		*seq;		/* SAs' sequence numbers */
};

/* What a reader found in one file. */
struct jscan {
	uint64_t	 records;	/* applied */
	uint64_t	 end;		/* offset after the last good record */
	uint64_t	 size;		/* file size */
	bool		 bad;		/* stopped at a bad record */
	char		 reason[160];	/* why it is bad */
};

static char jerrbuf[512];

/* ------------------------------------------------------------ helpers */

static void jerr(const char *, ...)
    __attribute__((__format__(printf, 1, 2)));
static void jerr_sys(const char *, ...)
    __attribute__((__format__(printf, 1, 2)));
static void note(char *, size_t, const char *, ...)
    __attribute__((__format__(printf, 3, 4)));

static void
jerr(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(jerrbuf, sizeof(jerrbuf), fmt, ap);
	va_end(ap);
}

/* As jerr(), with ": strerror(errno)" appended; errno is kept. */
static void
jerr_sys(const char *fmt, ...)
{
	va_list ap;
	size_t n;
	int saved = errno;

	va_start(ap, fmt);
	(void)vsnprintf(jerrbuf, sizeof(jerrbuf), fmt, ap);
	va_end(ap);
	n = strlen(jerrbuf);
	(void)snprintf(jerrbuf + n, sizeof(jerrbuf) - n, ": %s",
	    strerror(saved));
	errno = saved;
}

const char *
journal_error(void)
{
	return (jerrbuf);
}

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

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), slicing by 8:
 * the journal checksums every byte it writes, and at 100k records a
 * second a byte-at-a-time table would be a visible part of the cost.
 * crc32c(crc32c(0, a), b) == crc32c(0, a || b).
 */
static uint32_t crc32c_tab[8][256];
static bool crc32c_ready;

static void
crc32c_init(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82f63b78U : c >> 1;
		crc32c_tab[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			crc32c_tab[k][i] = (crc32c_tab[k - 1][i] >> 8) ^
			    crc32c_tab[0][crc32c_tab[k - 1][i] & 0xff];
	crc32c_ready = true;
}

static uint32_t
crc32c(uint32_t crc, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	uint32_t c = ~crc, hi;

	if (!crc32c_ready)
		crc32c_init();
	while (n >= 8) {
		c ^= get32le(p);
		hi = get32le(p + 4);
		c = crc32c_tab[7][c & 0xff] ^
		    crc32c_tab[6][(c >> 8) & 0xff] ^
		    crc32c_tab[5][(c >> 16) & 0xff] ^
		    crc32c_tab[4][c >> 24] ^
		    crc32c_tab[3][hi & 0xff] ^
		    crc32c_tab[2][(hi >> 8) & 0xff] ^
		    crc32c_tab[1][(hi >> 16) & 0xff] ^
		    crc32c_tab[0][hi >> 24];
		p += 8;
		n -= 8;
	}
	while (n-- > 0)
		c = (c >> 8) ^ crc32c_tab[0][(c ^ *p++) & 0xff];
	return (~c);
}

static void
seg_name(char *buf, size_t sz, uint64_t n, bool tmp)
{
	(void)snprintf(buf, sz, J_SEG_PREFIX "%010" PRIu64 "%s", n,
	    tmp ? J_TMP_SUFFIX : "");
}

static void
snap_name(char *buf, size_t sz, uint64_t n, bool tmp)
{
	(void)snprintf(buf, sz, J_SNAP_PREFIX "%010" PRIu64 "%s", n,
	    tmp ? J_TMP_SUFFIX : "");
}

/*
 * Parse "PREFIX<digits>" or "PREFIX<digits>.tmp".  Returns 1 for a final
 * name, 2 for a temporary one, 0 for anything else (left alone).
 */
static int
parse_name(const char *name, const char *prefix, uint64_t *n)
{
	const char *p;
	uint64_t v = 0;
	size_t plen = strlen(prefix), digits = 0;

	if (strncmp(name, prefix, plen) != 0)
		return (0);
	for (p = name + plen; *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - 9) / 10)
			return (0);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (digits == 0 || v == 0)
		return (0);
	*n = v;
	if (*p == '\0')
		return (1);
	if (strcmp(p, J_TMP_SUFFIX) == 0)
		return (2);
	return (0);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
	const uint8_t *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = pwrite(fd, p, len, (off_t)off)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return (0);
}

static int
fsync_fd(int fd, bool data_only)
{
	int rc;

	do {
		rc = data_only ? fdatasync(fd) : fsync(fd);
	} while (rc == -1 && errno == EINTR);
	return (rc);
}

/* Close and keep errno (a failed close must not hide the real error). */
static void
close_keep_errno(int fd)
{
	int saved = errno;

	if (fd != -1)
		(void)close(fd);
	errno = saved;
}

/* ---------------------------------------------------------- buffers */

static void
jbuf_release(struct jbuf *b)
{
	if (b->p != NULL) {
		/* Records carry keys: never leave them in freed memory. */
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/* Make room for `need' more bytes; grow by copy so old bytes are wiped. */
static int
jbuf_reserve(struct jbuf *b, size_t need)
{
	uint8_t *np;
	size_t ncap;

	if (b->cap - b->len >= need)
		return (0);
	if (need > SIZE_MAX / 4 - b->len)
		return (-1);
	ncap = b->cap > 0 ? b->cap : J_BUF_INITIAL;
	while (ncap - b->len < need)
		ncap *= 2;
	/* malloc's alignment is enough for pfkey_buf_init's 8 bytes. */
	if ((np = malloc(ncap)) == NULL)
		return (-1);
	if (b->len > 0)
		memcpy(np, b->p, b->len);
	if (b->p != NULL) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = ncap;
	return (0);
}

/* Forget the contents (wiped); keep a modest buffer for the next batch. */
static void
jbuf_clear(struct jbuf *b)
{
	if (b->cap > J_BUF_KEEP) {
		jbuf_release(b);
		return;
	}
	if (b->len > 0)
		explicit_bzero(b->p, b->len);
	b->len = 0;
}

/* ---------------------------------------------------------- records */

typedef int (*fill_fn)(struct pfkey_buf *, const void *);

/*
 * Encode one PF_KEY message straight into the buffer after room for its
 * record header (no copy, no allocation unless the buffer must grow),
 * check that it decodes as replay will decode it, and frame it.
 * Returns 0 or a SAD_ERR_* code; on failure nothing is appended.
 */
static int
rec_append(struct jbuf *jb, enum pfkey_dialect d, uint8_t type,
    uint8_t satype, uint32_t pid, fill_fn fill, const void *arg)
{
	struct pfkey_buf pb;
	struct pfkey_msg m;
	const void *msg;
	size_t room = J_ENC_SLACK, mlen;
	uint8_t *rec;
	uint32_t crc;
	int rc, pk;

	if (!pfkey_satype_valid(d, satype)) {
		jerr("SA type %u has no number in the %s dialect", satype,
		    pfkey_dialect_name(d));
		return (SAD_ERR_DIALECT);
	}
	for (;;) {
		if (jbuf_reserve(jb, J_RECHDR + room) == -1) {
			jerr("journal buffer: out of memory");
			return (SAD_ERR_NOMEM);
		}
		rec = jb->p + jb->len;
		(void)pfkey_buf_init(&pb, rec + J_RECHDR,
		    jb->cap - jb->len - J_RECHDR, d, type, satype, 0, pid);
		rc = fill != NULL ? fill(&pb, arg) : 0;
		pk = pfkey_buf_finish(&pb, &msg, &mlen);
		if (pk == PFKEY_ERR_NOSPACE && room < PFKEY_MSG_MAXLEN) {
			explicit_bzero(rec, pb.cap + J_RECHDR);
			room = PFKEY_MSG_MAXLEN;
			continue;
		}
		break;
	}
	if (rc == 0 && pk != 0)
		rc = SAD_ERR_PFKEY;
	if (rc == 0 && (pk = pfkey_decode(msg, mlen, d, PFKEY_DEC_NOREQ,
	    &m)) != 0)
		rc = SAD_ERR_PFKEY;
	if (rc != 0) {
		/* The failed attempt may have left key bytes behind. */
		explicit_bzero(rec, pb.len + J_RECHDR);
		if (rc == SAD_ERR_PFKEY)
			jerr("cannot journal %s: %s",
			    pfkey_msgtype_name(type) != NULL ?
			    pfkey_msgtype_name(type) : "message",
			    pfkey_strerror(pk != 0 ? pk : pb.error));
		else
			jerr("cannot journal %s: %s",
			    pfkey_msgtype_name(type) != NULL ?
			    pfkey_msgtype_name(type) : "message",
			    sad_strerror(rc));
		return (rc);
	}
	put32le(rec, (uint32_t)mlen);
	crc = crc32c(0, rec, 4);
	crc = crc32c(crc, rec + J_RECHDR, mlen);
	put32le(rec + 4, crc);
	jb->len += J_RECHDR + mlen;
	return (0);
}

/* Frame a record that is not a PF_KEY message (journal_seq.c). */
static int
rec_append_raw(struct jbuf *jb, const void *msg, size_t len)
{
	uint8_t *rec;
	uint32_t crc;

	if (jbuf_reserve(jb, J_RECHDR + len) == -1) {
		jerr("journal buffer: out of memory");
		return (SAD_ERR_NOMEM);
	}
	rec = jb->p + jb->len;
	put32le(rec, (uint32_t)len);
	memcpy(rec + J_RECHDR, msg, len);
	crc = crc32c(0, rec, 4);
	crc = crc32c(crc, rec + J_RECHDR, len);
	put32le(rec + 4, crc);
	jb->len += J_RECHDR + len;
	return (0);
}

static int
fill_sa_put(struct pfkey_buf *b, const void *arg)
{
	return (sad_to_pfkey(arg, b, SAD_PK_KEYS | SAD_PK_CURRENT));
}

/* A DELETE names the SA by its SPI and addresses, as a client would. */
static int
fill_sa_del(struct pfkey_buf *b, const void *arg)
{
	const struct sad_entry *e = arg;
	struct sad_entry k;

	/* A shallow copy of the key fields only: no pointers, no keys. */
	memset(&k, 0, sizeof(k));
	k.has = SAD_HAS_SPI;
	k.satype = e->satype;
	k.state = e->state;
	k.spi = e->spi;
	k.src = e->src;
	k.dst = e->dst;
	return (sad_to_pfkey(&k, b, SAD_PK_NO_LIFETIMES));
}

static int
fill_sp_put(struct pfkey_buf *b, const void *arg)
{
	return (spd_to_pfkey(arg, b, SAD_PK_CURRENT));
}

static int
fill_sp_del(struct pfkey_buf *b, const void *arg)
{
	struct pfkey_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_DISCARD;
	pol.dir = PFKEY_DIR_ANY;
	pol.id = *(const uint32_t *)arg;
	(void)pfkey_put_policy(b, &pol);
	return (0);
}

static int
j_append(struct journal *j, uint8_t type, uint8_t satype, uint32_t pid,
    fill_fn fill, const void *arg)
{
	if (j == NULL)
		return (SAD_ERR_INVAL);
	if (j->sync == JOURNAL_SYNC_OFF)
		return (0);
	if (!j->ready) {
		jerr("journal: append before journal_replay()");
		return (SAD_ERR_STATE);
	}
	return (rec_append(&j->pend, j->dialect, type, satype, pid, fill,
	    arg));
}

int
journal_sa_put(struct journal *j, const struct sad_entry *e)
{
	if (e == NULL)
		return (SAD_ERR_INVAL);
	return (j_append(j, PFKEY_MSG_ADD, e->satype, e->pid, fill_sa_put,
	    e));
}

int
journal_sa_del(struct journal *j, const struct sad_entry *e)
{
	int rc;

	if (e == NULL)
		return (SAD_ERR_INVAL);
	rc = j_append(j, PFKEY_MSG_DELETE, e->satype, e->pid, fill_sa_del, e);
	/* Its sequence numbers go with it, as replay will drop them. */
	if (rc == 0)
		jseq_del(j->seq, &e->dst, e->satype, e->spi);
	return (rc);
}

int
journal_sa_flush(struct journal *j, uint8_t satype)
{
	int rc;

	if ((rc = j_append(j, PFKEY_MSG_FLUSH, satype, 0, NULL, NULL)) == 0)
		jseq_flush(j->seq, satype);
	return (rc);
}

/*
 * Append a record of an SA's sequence numbers; the table then holds the
 * larger of what it had and `v', which the record carries.  Nothing is
 * appended when that changes nothing.  On failure the table is as it was
 * (a record may have been appended: a harmless repetition).
 */
int
journal_seq_put(struct journal *j, const struct sad_addr *dst,
    uint8_t satype, uint32_t spi, const struct jseq_val *v)
{
	uint8_t rec[JSEQ_RECLEN];
	struct jseq_val cur, now;
	int rc;

	if (j == NULL || dst == NULL || v == NULL)
		return (SAD_ERR_INVAL);
	if (j->sync == JOURNAL_SYNC_OFF)
		return (0);
	if (!j->ready) {
		jerr("journal: append before journal_replay()");
		return (SAD_ERR_STATE);
	}
	now = *v;
	if (jseq_get(j->seq, dst, satype, spi, &cur)) {
		if (cur.out >= now.out && cur.in >= now.in)
			return (0);
		if (cur.out > now.out)
			now.out = cur.out;
		if (cur.in > now.in)
			now.in = cur.in;
	}
	if ((rc = jseq_encode(rec, dst, satype, spi, &now)) != 0) {
		jerr("cannot journal the sequence numbers of SA 0x%08x: %s",
		    spi, sad_strerror(rc));
		return (rc);
	}
	/* The record first: the table never runs ahead of the journal. */
	if ((rc = rec_append_raw(&j->pend, rec, sizeof(rec))) != 0)
		return (rc);
	if ((rc = jseq_set(j->seq, dst, satype, spi, &now, NULL)) != 0) {
		jerr("journal: sequence numbers of SA 0x%08x: %s", spi,
		    sad_strerror(rc));
		return (rc);
	}
	return (0);
}

bool
journal_seq_get(const struct journal *j, const struct sad_addr *dst,
    uint8_t satype, uint32_t spi, struct jseq_val *v)
{
	if (j == NULL || j->sync == JOURNAL_SYNC_OFF)
		return (false);
	return (jseq_get(j->seq, dst, satype, spi, v));
}

bool
journal_keeps(const struct journal *j)
{
	return (j != NULL && j->sync != JOURNAL_SYNC_OFF);
}

int
journal_sp_put(struct journal *j, const struct spd_entry *e)
{
	if (e == NULL)
		return (SAD_ERR_INVAL);
	return (j_append(j, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, e->pid,
	    fill_sp_put, e));
}

int
journal_sp_del(struct journal *j, uint32_t id)
{
	return (j_append(j, PFKEY_MSG_X_SPDDELETE2, PFKEY_SATYPE_UNSPEC, 0,
	    fill_sp_del, &id));
}

int
journal_sp_flush(struct journal *j)
{
	return (j_append(j, PFKEY_MSG_X_SPDFLUSH, PFKEY_SATYPE_UNSPEC, 0,
	    NULL, NULL));
}

size_t
journal_pending(const struct journal *j)
{
	return (j != NULL ? j->pend.len : 0);
}

/* ----------------------------------------------------------- commit */

/*
 * One pwrite of everything pending at the durable end of the segment,
 * then one fdatasync.  On failure nothing is forgotten: the records stay
 * pending and the next commit writes them again from the same offset.
 * Writing them again matters after a failed fdatasync: Linux may have
 * marked the pages clean although they never reached the disk, and only
 * dirtying them again makes the next fdatasync cover them.
 */
int
journal_commit(struct journal *j)
{
	char name[J_NAMELEN];

	if (j == NULL)
		return (SAD_ERR_INVAL);
	if (j->sync == JOURNAL_SYNC_OFF || j->pend.len == 0)
		return (0);
	if (j->segfd == -1) {
		jerr("journal: commit before journal_replay()");
		return (SAD_ERR_STATE);
	}
	seg_name(name, sizeof(name), j->segno, false);
	if (pwrite_all(j->segfd, j->pend.p, j->pend.len, j->segoff) == -1) {
		jerr_sys("%s/%s: write of %zu bytes at offset %" PRIu64,
		    j->dir, name, j->pend.len, j->segoff);
		return (-1);
	}
	if (j->sync == JOURNAL_SYNC_FULL && fsync_fd(j->segfd, true) == -1) {
		jerr_sys("%s/%s: fdatasync", j->dir, name);
		return (-1);
	}
	j->segoff += j->pend.len;
	j->logbytes += j->pend.len;
	jbuf_clear(&j->pend);
	return (0);
}

/* --------------------------------------------------------- open/close */

static void
compact_threshold_init(struct journal *j)
{
	const char *s;
	char *end;
	unsigned long long v;

	j->compact_min = J_COMPACT_MIN;
	/* Tests set a tiny threshold to make compaction happen. */
	if ((s = getenv(J_COMPACT_ENV)) != NULL && *s != '\0') {
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno == 0 && *end == '\0' && v > 0)
			j->compact_min = v;
	}
}

struct journal *
journal_open(const char *dir, enum journal_sync sync, int *err)
{
	struct journal *j;
	struct stat st;
	int e;

	jerrbuf[0] = '\0';
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		e = errno;
		jerr("journal: out of memory");
		goto fail;
	}
	j->sync = sync;
	j->dialect = pfkey_host_dialect();
	j->dfd = j->lockfd = j->segfd = j->childpipe = -1;
	j->child = -1;
	compact_threshold_init(j);
	if (sync == JOURNAL_SYNC_OFF)
		return (j);		/* nothing is kept: no directory */
	if ((j->seq = jseq_new()) == NULL) {
		e = errno;
		jerr("journal: out of memory");
		goto fail;
	}
	if (sync != JOURNAL_SYNC_FULL && sync != JOURNAL_SYNC_NONE) {
		e = EINVAL;
		jerr("journal: bad sync mode %d", (int)sync);
		goto fail;
	}
	if (dir == NULL || *dir == '\0') {
		e = EINVAL;
		jerr("journal: no state directory");
		goto fail;
	}
	if ((j->dir = strdup(dir)) == NULL) {
		e = errno;
		jerr("journal: out of memory");
		goto fail;
	}
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		e = errno;
		jerr_sys("state directory %s: mkdir", dir);
		goto fail;
	}
	if ((j->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		e = errno;
		jerr_sys("state directory %s", dir);
		goto fail;
	}
	if (fstat(j->dfd, &st) == -1) {
		e = errno;
		jerr_sys("state directory %s: fstat", dir);
		goto fail;
	}
	/*
	 * The files hold every key: someone else who owns or may write the
	 * directory could read them, or swap in a journal of their own.
	 */
	if (st.st_uid != geteuid()) {
		e = EPERM;
		jerr("state directory %s is owned by uid %lu, not by sadbd's "
		    "uid %lu: refusing to use it", dir,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
		goto fail;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		e = EPERM;
		jerr("state directory %s is group or world writable (mode "
		    "%04o): refusing to use it; chmod 0700 it", dir,
		    (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	j->lockfd = openat(j->dfd, J_LOCKFILE,
	    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (j->lockfd == -1) {
		e = errno;
		jerr_sys("%s/%s", dir, J_LOCKFILE);
		goto fail;
	}
	if (flock(j->lockfd, LOCK_EX | LOCK_NB) == -1) {
		e = errno;
		if (errno == EWOULDBLOCK)
			jerr("state directory %s is in use by another sadbd",
			    dir);
		else
			jerr_sys("%s/%s: flock", dir, J_LOCKFILE);
		goto fail;
	}
	return (j);

fail:
	if (j != NULL) {
		close_keep_errno(j->lockfd);
		close_keep_errno(j->dfd);
		jseq_free(j->seq);
		free(j->dir);
		free(j);
	}
	if (err != NULL)
		*err = e;
	errno = e;
	return (NULL);
}

void
journal_close(struct journal *j)
{
	if (j == NULL)
		return;
	/* Best effort: nothing pending was acknowledged, but keep it. */
	(void)journal_commit(j);
	if (j->segfd != -1)
		(void)close(j->segfd);
	if (j->childpipe != -1)
		(void)close(j->childpipe);
	if (j->lockfd != -1)
		(void)close(j->lockfd);
	if (j->dfd != -1)
		(void)close(j->dfd);
	jbuf_release(&j->pend);
	jseq_free(j->seq);
	free(j->dir);
	free(j);
}

/* -------------------------------------------------------------- files */

static void
hdr_encode(uint8_t *h, const char *magic, enum pfkey_dialect d,
    uint64_t num, uint32_t count)
{
	memset(h, 0, J_HDRLEN);
	memcpy(h, magic, 8);
	put32le(h + 8, J_VERSION);
	h[12] = (uint8_t)d;
	put64le(h + 16, num);
	put32le(h + 24, count);
	put32le(h + 28, crc32c(0, h, 28));
}

/* Check a header; on failure `why' says what is wrong. */
static int
hdr_check(const struct journal *j, const uint8_t *h, const char *magic,
    uint64_t num, uint32_t *count, char *why, size_t whylen)
{
	if (memcmp(h, magic, 8) != 0) {
		(void)snprintf(why, whylen, "bad magic (not a %s file)",
		    strcmp(magic, J_MAGIC_SEG) == 0 ? "journal" : "snapshot");
		return (-1);
	}
	if (crc32c(0, h, 28) != get32le(h + 28)) {
		(void)snprintf(why, whylen, "header CRC mismatch");
		return (-1);
	}
	if (get32le(h + 8) != J_VERSION) {
		(void)snprintf(why, whylen, "format version %u (this sadbd "
		    "reads %u)", get32le(h + 8), J_VERSION);
		return (-1);
	}
	if (h[12] != (uint8_t)j->dialect) {
		(void)snprintf(why, whylen, "records in dialect %u, this "
		    "sadbd uses %u (%s)", h[12], (unsigned)j->dialect,
		    pfkey_dialect_name(j->dialect));
		return (-1);
	}
	if (get64le(h + 16) != num) {
		(void)snprintf(why, whylen, "header says number %" PRIu64
		    ", the name %" PRIu64, get64le(h + 16), num);
		return (-1);
	}
	*count = get32le(h + 24);
	return (0);
}

/* Open a data file of ours; fix a too open mode (the file holds keys). */
static int
open_data(struct journal *j, const char *name, int flags)
{
	struct stat st;
	int fd;

	if ((fd = openat(j->dfd, name, flags | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		jerr_sys("%s/%s", j->dir, name);
		return (-1);
	}
	if (fstat(fd, &st) == -1) {
		jerr_sys("%s/%s: fstat", j->dir, name);
		close_keep_errno(fd);
		return (-1);
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		jerr("%s/%s: not a regular file owned by uid %lu", j->dir,
		    name, (unsigned long)geteuid());
		(void)close(fd);
		errno = EPERM;
		return (-1);
	}
	if ((st.st_mode & 077) != 0)
		(void)fchmod(fd, 0600);
	return (fd);
}

/*
 * Create segment `n' durably: the header goes into a temporary file that
 * is synced and renamed, and the directory is synced, so a segment name
 * never shows a torn header and never vanishes once records went in.
 */
static int
seg_create(struct journal *j, uint64_t n)
{
	char tmp[J_NAMELEN], name[J_NAMELEN];
	uint8_t h[J_HDRLEN];
	int fd;

	seg_name(tmp, sizeof(tmp), n, true);
	seg_name(name, sizeof(name), n, false);
	(void)unlinkat(j->dfd, tmp, 0);
	fd = openat(j->dfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		jerr_sys("%s/%s", j->dir, tmp);
		return (-1);
	}
	hdr_encode(h, J_MAGIC_SEG, j->dialect, n, 0);
	if (write_all(fd, h, sizeof(h)) == -1) {
		jerr_sys("%s/%s: write", j->dir, tmp);
		goto fail;
	}
	if (fsync_fd(fd, false) == -1) {
		jerr_sys("%s/%s: fsync", j->dir, tmp);
		goto fail;
	}
	if (renameat(j->dfd, tmp, j->dfd, name) == -1) {
		jerr_sys("%s: rename %s to %s", j->dir, tmp, name);
		goto fail;
	}
	if (fsync_fd(j->dfd, false) == -1) {
		jerr_sys("%s: fsync of the directory", j->dir);
		close_keep_errno(fd);
		return (-1);
	}
	if (j->segfd != -1)
		(void)close(j->segfd);
	j->segfd = fd;
	j->segno = n;
	j->segoff = J_HDRLEN;
	j->logbytes += J_HDRLEN;
	return (0);

fail:
	close_keep_errno(fd);
	(void)unlinkat(j->dfd, tmp, 0);
	return (-1);
}

/* ------------------------------------------------------------- replay */

/*
 * What expired while sadbd was down goes now, by the stores' own rules
 * (hard limits, larval SAs' implicit limit; soft limits make SAs DYING).
 * No messages: nobody can be registered to hear them before sadbd runs.
 */
static void
expire_now(struct sad *sad, struct spd *spd, uint64_t now)
{
	(void)sad_expire_run(sad, now, NULL, NULL);
	(void)spd_expire_run(spd, now, NULL, NULL);
}

/*
 * An SA put: insert or replace.  A replacement happens in place, as the
 * UPDATE it records did, so the SA keeps its age among the SAs of its
 * pair (outbound lookups prefer the newest).
 */
static int
sa_put(struct sad *sad, struct sad_entry *e)
{
	struct sad_entry *old, tmp;
	int rc;

	if ((old = sad_lookup(sad, &e->dst, e->satype, e->spi)) == NULL) {
		if ((rc = sad_insert_move(sad, e, NULL)) != 0)
			sad_entry_clear(e);
		return (rc);
	}
	tmp = *old;
	*old = *e;
	memset(e, 0, sizeof(*e));
	sad_entry_clear(&tmp);
	sad_rearm(sad, old);
	return (0);
}

/*
 * A policy put: insert or replace.  The record's id wins; a policy kept
 * under the same id and selector is replaced in place so the order of
 * equal priorities stays what it was.
 */
static int
sp_put(struct spd *spd, const struct spd_entry *e)
{
	struct spd_entry *byid = NULL, *bysel;

	if (e->has & SPD_HAS_ID)
		byid = spd_lookup_id(spd, e->id);
	bysel = spd_lookup_sel(spd, e->dir, &e->sel);
	if (byid != NULL && byid != bysel)
		spd_delete(spd, byid);
	if (bysel != NULL && (!(e->has & SPD_HAS_ID) || bysel->id != e->id)) {
		spd_delete(spd, bysel);
		bysel = NULL;
	}
	return (spd_insert(spd, e, bysel != NULL, NULL));
}

/* Apply one record; on failure `why' says what went wrong. */
static int
apply(struct journal *j, struct sad *sad, struct spd *spd, const void *msg,
    size_t len, char *why, size_t whylen)
{
	struct pfkey_msg m;
	struct pfkey_policy pol;
	struct sad_entry se, *old;
	struct spd_entry pe, *pold;
	struct sad_addr dst;
	struct jseq_val sv;
	char dec[128];
	uint32_t spi;
	uint8_t satype;
	int rc;

	if (jseq_is_record(msg, len)) {
		/* Decoded whole before anything changes. */
		if (jseq_decode(msg, len, &dst, &satype, &spi, &sv, why,
		    whylen) == -1)
			return (-1);
		if ((rc = jseq_set(j->seq, &dst, satype, spi, &sv,
		    NULL)) != 0) {
			(void)snprintf(why, whylen, "sequence record not "
			    "applied: %s", sad_strerror(rc));
			return (-1);
		}
		return (0);
	}
	if ((rc = pfkey_decode(msg, len, j->dialect, PFKEY_DEC_NOREQ, &m)) !=
	    0) {
		(void)pfkey_decode_error(&m, rc, dec, sizeof(dec));
		(void)snprintf(why, whylen, "undecodable message: %s", dec);
		return (-1);
	}
	switch (m.hdr->sadb_msg_type) {
	case PFKEY_MSG_ADD:
	case PFKEY_MSG_UPDATE:
		if ((rc = sad_from_pfkey(&m, &se)) != 0)
			break;
		rc = sa_put(sad, &se);
		break;
	case PFKEY_MSG_DELETE:
		if ((rc = sad_from_pfkey(&m, &se)) != 0)
			break;
		/* Already gone (expired, flushed) is fine: deletes repeat. */
		if ((old = sad_lookup(sad, &se.dst, se.satype, se.spi)) !=
		    NULL)
			sad_delete(sad, old);
		jseq_del(j->seq, &se.dst, se.satype, se.spi);
		sad_entry_clear(&se);
		break;
	case PFKEY_MSG_FLUSH:
		(void)sad_flush(sad, m.hdr->sadb_msg_satype);
		jseq_flush(j->seq, m.hdr->sadb_msg_satype);
		break;
	case PFKEY_MSG_X_SPDADD:
	case PFKEY_MSG_X_SPDUPDATE:
		if ((rc = spd_from_pfkey(&m, &pe)) != 0)
			break;
		rc = sp_put(spd, &pe);
		spd_entry_clear(&pe);
		break;
	case PFKEY_MSG_X_SPDDELETE2:
		if (pfkey_get_policy(&m, &pol) != 0) {
			rc = SAD_ERR_MSG;
			break;
		}
		if ((pold = spd_lookup_id(spd, pol.id)) != NULL)
			spd_delete(spd, pold);
		break;
	case PFKEY_MSG_X_SPDFLUSH:
		(void)spd_flush(spd);
		break;
	default:
		(void)snprintf(why, whylen, "unexpected message type %u",
		    m.hdr->sadb_msg_type);
		return (-1);
	}
	if (rc != 0) {
		(void)snprintf(why, whylen, "%s record not applied: %s",
		    pfkey_msgtype_name(m.hdr->sadb_msg_type), sad_strerror(rc));
		return (-1);
	}
	return (0);
}

/* A chunked reader: records stay 8-byte aligned in its buffer. */
struct jreader {
	int		 fd;
	uint8_t		*buf;
	size_t		 cap;
	size_t		 start;		/* unread data: buf[start, end) */
	size_t		 end;
	uint64_t	 off;		/* file offset of buf[start] */
	bool		 eof;
};

/* Make `n' bytes available at buf[start]; 1 yes, 0 end of file, -1 error. */
static int
rd_need(struct jreader *r, size_t n)
{
	uint8_t *np;
	size_t ncap;
	ssize_t got;

	while (r->end - r->start < n) {
		if (r->eof)
			return (0);
		if (r->start > 0) {
			/* start is a record boundary, so alignment holds. */
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->cap - r->end < J_READ_CHUNK / 2 || r->cap < n) {
			ncap = r->cap > 0 ? r->cap : J_READ_CHUNK;
			while (ncap < n || ncap - r->end < J_READ_CHUNK / 2)
				ncap *= 2;
			if ((np = malloc(ncap)) == NULL)
				return (-1);
			if (r->end > 0)
				memcpy(np, r->buf, r->end);
			if (r->buf != NULL) {
				explicit_bzero(r->buf, r->cap);
				free(r->buf);
			}
			r->buf = np;
			r->cap = ncap;
		}
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
	return (1);
}

static void
rd_consume(struct jreader *r, size_t n)
{
	r->start += n;
	r->off += n;
}

static void
rd_release(struct jreader *r)
{
	if (r->buf != NULL) {
		explicit_bzero(r->buf, r->cap);
		free(r->buf);
	}
	memset(r, 0, sizeof(*r));
}

/* Whether some sector-sized piece of [p, p + n) at file offset `off' is 0. */
static bool
has_zero_sector(const uint8_t *p, size_t n, uint64_t off)
{
	size_t i, len;

	while (n > 0) {
		len = J_SECTOR - (size_t)(off % J_SECTOR);
		if (len > n)
			len = n;
		for (i = 0; i < len && p[i] == 0; i++)
			;
		if (i == len)
			return (true);
		p += len;
		n -= len;
		off += len;
	}
	return (false);
}

/*
 * Read and apply every record of an open file after its header.  Stops at
 * the first bad record (sc->bad, sc->end its offset, sc->reason why).
 * Returns -1 only for a system error or a record the stores refuse
 * (journal_error() set), which no kind of file may contain.
 */
static int
scan_file(struct journal *j, int fd, const char *name, struct sad *sad,
    struct spd *spd, struct jscan *sc)
{
	struct jreader r;
	struct stat st;
	const uint8_t *rec;
	char why[200];
	uint32_t len, crc;
	int rc;

	memset(&r, 0, sizeof(r));
	r.fd = fd;
	if (fstat(fd, &st) == -1) {
		jerr_sys("%s/%s: fstat", j->dir, name);
		return (-1);
	}
	sc->size = (uint64_t)st.st_size;
	if (lseek(fd, J_HDRLEN, SEEK_SET) == -1) {
		jerr_sys("%s/%s: lseek", j->dir, name);
		return (-1);
	}
	r.off = J_HDRLEN;
	for (;;) {
		sc->end = r.off;
		if ((rc = rd_need(&r, J_RECHDR)) == -1)
			goto syserr;
		if (rc == 0) {
			if (r.end - r.start != 0) {
				sc->bad = true;
				(void)snprintf(sc->reason, sizeof(sc->reason),
				    "record header cut short (%zu bytes)",
				    r.end - r.start);
			}
			break;
		}
		rec = r.buf + r.start;
		len = get32le(rec);
		if (len < PFKEY_HDRLEN || len % PFKEY_UNIT != 0 ||
		    len > PFKEY_MSG_MAXLEN) {
			sc->bad = true;
			(void)snprintf(sc->reason, sizeof(sc->reason),
			    "impossible record length %" PRIu32, len);
			break;
		}
		if ((rc = rd_need(&r, J_RECHDR + len)) == -1)
			goto syserr;
		if (rc == 0) {
			sc->bad = true;
			(void)snprintf(sc->reason, sizeof(sc->reason),
			    "record of %" PRIu32 " bytes cut short (%zu "
			    "there)", len, r.end - r.start - J_RECHDR);
			break;
		}
		rec = r.buf + r.start;
		crc = crc32c(crc32c(0, rec, 4), rec + J_RECHDR, len);
		if (crc != get32le(rec + 4)) {
			sc->bad = true;
			(void)snprintf(sc->reason, sizeof(sc->reason),
			    "record CRC mismatch%s",
			    has_zero_sector(rec, J_RECHDR + len, r.off) ?
			    " (zeroed sector: an unfinished write)" : "");
			break;
		}
		if (apply(j, sad, spd, rec + J_RECHDR, len, why,
		    sizeof(why)) == -1) {
			jerr("%s/%s: record at offset %" PRIu64 ": %s; "
			    "refusing to start", j->dir, name, r.off, why);
			rd_release(&r);
			return (-1);
		}
		sc->records++;
		rd_consume(&r, J_RECHDR + len);
	}
	rd_release(&r);
	return (0);

syserr:
	jerr_sys("%s/%s: read at offset %" PRIu64, j->dir, name, r.off);
	rd_release(&r);
	return (-1);
}

/* Open a file, check its header, apply its records. */
static int
load_file(struct journal *j, bool snapshot, uint64_t n, struct sad *sad,
    struct spd *spd, struct jscan *sc, int *fdp)
{
	char name[J_NAMELEN], why[160];
	uint8_t h[J_HDRLEN];
	uint32_t count;
	ssize_t got;
	int fd;

	memset(sc, 0, sizeof(*sc));
	if (snapshot)
		snap_name(name, sizeof(name), n, false);
	else
		seg_name(name, sizeof(name), n, false);
	if ((fd = open_data(j, name, O_RDWR)) == -1)
		return (-1);
	do {
		got = pread(fd, h, sizeof(h), 0);
	} while (got == -1 && errno == EINTR);
	if (got == -1) {
		jerr_sys("%s/%s: read", j->dir, name);
		goto fail;
	}
	if ((size_t)got < sizeof(h)) {
		jerr("%s/%s: header cut short (%zd bytes); refusing to start",
		    j->dir, name, got);
		goto fail;
	}
	if (hdr_check(j, h, snapshot ? J_MAGIC_SNAP : J_MAGIC_SEG, n, &count,
	    why, sizeof(why)) == -1) {
		jerr("%s/%s: offset 0: %s; refusing to start", j->dir, name,
		    why);
		goto fail;
	}
	if (scan_file(j, fd, name, sad, spd, sc) == -1)
		goto fail;
	/* A snapshot was synced before its rename: it must be whole. */
	if (snapshot && !sc->bad && sc->records != count) {
		sc->bad = true;
		(void)snprintf(sc->reason, sizeof(sc->reason),
		    "%" PRIu64 " records, the header says %" PRIu32,
		    sc->records, count);
	}
	if (fdp != NULL)
		*fdp = fd;
	else
		(void)close(fd);
	return (0);

fail:
	close_keep_errno(fd);
	return (-1);
}

static int
u64cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* Numbers of the segments and snapshots; temporary files removed. */
struct jdir {
	uint64_t	*seg;
	size_t		 nseg;
	uint64_t	*snap;
	size_t		 nsnap;
};

static int
push(uint64_t **v, size_t *n, uint64_t x)
{
	uint64_t *nv;

	if ((nv = reallocarray(*v, *n + 1, sizeof(**v))) == NULL)
		return (-1);
	nv[(*n)++] = x;
	*v = nv;
	return (0);
}

static int
scan_dir(struct journal *j, struct jdir *jd)
{
	struct dirent *de;
	DIR *d;
	uint64_t n;
	int fd, k1, k2;

	memset(jd, 0, sizeof(*jd));
	if ((fd = dup(j->dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		jerr_sys("%s: opendir", j->dir);
		close_keep_errno(fd);
		return (-1);
	}
	rewinddir(d);
	while ((errno = 0, de = readdir(d)) != NULL) {
		k1 = parse_name(de->d_name, J_SEG_PREFIX, &n);
		k2 = k1 == 0 ? parse_name(de->d_name, J_SNAP_PREFIX, &n) : 0;
		/*
		 * A temporary file is an unfinished segment creation or
		 * snapshot; its final name never appeared, so nothing
		 * depends on it.
		 */
		if (k1 == 2 || k2 == 2) {
			(void)unlinkat(j->dfd, de->d_name, 0);
			continue;
		}
		if ((k1 == 1 && push(&jd->seg, &jd->nseg, n) == -1) ||
		    (k2 == 1 && push(&jd->snap, &jd->nsnap, n) == -1)) {
			jerr("journal: out of memory");
			(void)closedir(d);
			return (-1);
		}
	}
	if (errno != 0) {
		jerr_sys("%s: readdir", j->dir);
		(void)closedir(d);
		return (-1);
	}
	(void)closedir(d);
	if (jd->nseg > 1)
		qsort(jd->seg, jd->nseg, sizeof(*jd->seg), u64cmp);
	if (jd->nsnap > 1)
		qsort(jd->snap, jd->nsnap, sizeof(*jd->snap), u64cmp);
	return (0);
}

/*
 * Whether segments first..last (the last existing one) are all there;
 * `first' itself must exist.  Otherwise *missing is the first gap.
 */
static bool
segs_complete(const struct jdir *jd, uint64_t first, uint64_t *missing)
{
	uint64_t want = first;
	size_t i;

	for (i = 0; i < jd->nseg; i++) {
		if (jd->seg[i] < first)
			continue;
		if (jd->seg[i] != want)
			break;
		want++;
	}
	if (i == jd->nseg && want > first)
		return (true);
	*missing = want;
	return (false);
}

/* Remove files a finished compaction left behind (older than `keep'). */
static void
remove_before(struct journal *j, const struct jdir *jd, uint64_t keep)
{
	char name[J_NAMELEN];
	size_t i;
	bool any = false;

	for (i = 0; i < jd->nseg; i++)
		if (jd->seg[i] < keep) {
			seg_name(name, sizeof(name), jd->seg[i], false);
			(void)unlinkat(j->dfd, name, 0);
			any = true;
		}
	for (i = 0; i < jd->nsnap; i++)
		if (jd->snap[i] < keep) {
			snap_name(name, sizeof(name), jd->snap[i], false);
			(void)unlinkat(j->dfd, name, 0);
			any = true;
		}
	if (any)
		(void)fsync_fd(j->dfd, false);
}

/* Append a sentence to the caller's `why' (notes on a successful replay). */
static void
note(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	if (why == NULL || whylen == 0)
		return;
	n = strlen(why);
	if (n > 0 && n + 2 < whylen) {
		why[n++] = ';';
		why[n++] = ' ';
		why[n] = '\0';
	}
	if (n >= whylen)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(why + n, whylen - n, fmt, ap);
	va_end(ap);
}

/*
 * Start-up: the newest snapshot, then every segment from its number on.
 * A bad record in a snapshot or in any segment but the last is damage to
 * acknowledged data: refuse, naming the file and the offset.  A bad
 * record in the last segment is the tail of a write that a crash cut:
 * it was never acknowledged, so the file is truncated there.
 */
long
journal_replay(struct journal *j, struct sad *sad, struct spd *spd,
    char *why, size_t whylen)
{
	struct jdir jd;
	struct jscan sc;
	char name[J_NAMELEN], damaged[300];
	uint64_t base = 0, missing, total = 0;
	size_t i, si;
	long rc = SAD_ERR_INVAL;
	int fd;
	bool last, chosen = false;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (j == NULL || sad == NULL || spd == NULL)
		return (SAD_ERR_INVAL);
	if (j->ready) {
		jerr("journal: replayed twice");
		return (SAD_ERR_STATE);
	}
	if (j->sync == JOURNAL_SYNC_OFF) {
		j->ready = true;
		return (0);
	}
	if (scan_dir(j, &jd) == -1) {
		rc = SAD_ERR_INTERNAL;
		goto out;
	}

	/*
	 * Newest snapshot first.  An older one can stand in for a damaged
	 * newer one only while every segment after it still exists (i.e.
	 * the compaction that made the newer one had not cleaned up yet).
	 */
	damaged[0] = '\0';
	for (si = jd.nsnap; si > 0 && !chosen; si--) {
		base = jd.snap[si - 1];
		snap_name(name, sizeof(name), base, false);
		if (!segs_complete(&jd, base, &missing)) {
			if (si == jd.nsnap) {
				seg_name(name, sizeof(name), missing, false);
				jerr("%s/%s is missing (needed after "
				    "snapshot %" PRIu64 "); refusing to start",
				    j->dir, name, base);
				goto out;
			}
			break;
		}
		if (load_file(j, true, base, sad, spd, &sc, NULL) == -1)
			goto out;
		if (!sc.bad) {
			chosen = true;
			total += sc.records;
			j->snapsize = sc.size;
			break;
		}
		if (damaged[0] == '\0')
			(void)snprintf(damaged, sizeof(damaged),
			    "%s/%s: offset %" PRIu64 ": %s", j->dir, name,
			    sc.end, sc.reason);
		(void)sad_flush(sad, 0);
		(void)spd_flush(spd);
	}
	if (jd.nsnap > 0 && !chosen) {
		jerr("%s; refusing to start", damaged);
		goto out;
	}
	if (damaged[0] != '\0')
		note(why, whylen, "%s; used the older snapshot %" PRIu64
		    " and the segments after it", damaged, base);
	if (jd.nsnap == 0) {
		base = 1;
		if (jd.nseg > 0 && !segs_complete(&jd, 1, &missing)) {
			seg_name(name, sizeof(name), missing, false);
			jerr("%s/%s is missing and no snapshot covers it; "
			    "refusing to start", j->dir, name);
			goto out;
		}
	}
	j->snapno = jd.nsnap > 0 ? base : 0;

	for (i = 0; i < jd.nseg; i++) {
		if (jd.seg[i] < base)
			continue;
		last = i == jd.nseg - 1;
		seg_name(name, sizeof(name), jd.seg[i], false);
		if (load_file(j, false, jd.seg[i], sad, spd, &sc,
		    last ? &fd : NULL) == -1)
			goto out;
		total += sc.records;
		if (sc.bad && !last) {
			jerr("%s/%s: offset %" PRIu64 ": %s (not the last "
			    "segment, so not a torn write); refusing to start",
			    j->dir, name, sc.end, sc.reason);
			goto out;
		}
		if (sc.bad) {
			if (ftruncate(fd, (off_t)sc.end) == -1 ||
			    fsync_fd(fd, false) == -1) {
				jerr_sys("%s/%s: truncate to %" PRIu64,
				    j->dir, name, sc.end);
				close_keep_errno(fd);
				rc = SAD_ERR_INTERNAL;
				goto out;
			}
			note(why, whylen, "%s/%s: dropped %" PRIu64 " bytes "
			    "from offset %" PRIu64 " (%s): a write cut by a "
			    "crash, never acknowledged", j->dir, name,
			    sc.size - sc.end, sc.end, sc.reason);
		}
		j->logbytes += sc.end;
		if (last) {
			j->segfd = fd;
			j->segno = jd.seg[i];
			j->segoff = sc.end;
		}
	}
	if (j->segfd == -1 && seg_create(j, base) == -1) {
		rc = SAD_ERR_INTERNAL;
		goto out;
	}
	expire_now(sad, spd, (uint64_t)time(NULL));
	/* Sequence numbers of SAs that are gone (expired just now). */
	jseq_prune(j->seq, sad);
	remove_before(j, &jd, base);
	j->ready = true;
	rc = total > LONG_MAX ? LONG_MAX : (long)total;

out:
	if (rc < 0 && why != NULL && whylen > 0)
		(void)strlcpy(why, jerrbuf, whylen);
	free(jd.seg);
	free(jd.snap);
	return (rc);
}

/* --------------------------------------------------------- compaction */

struct byage {
	const struct sad_entry	*e;
	size_t			 idx;	/* makes the sort stable */
};

static int
byage(const void *a, const void *b)
{
	const struct byage *x = a, *y = b;

	if (x->e->cur.addtime != y->e->cur.addtime)
		return (x->e->cur.addtime < y->e->cur.addtime ? -1 : 1);
	return (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/*
 * The child: write every SA and policy to snapshot.N.tmp, sync it, rename
 * it to snapshot.N and sync the directory.  It sees the stores as they
 * were at fork(), which is exactly what segments < N hold (the parent
 * committed and rotated first).  Returns 0, or -1 with jerrbuf set.
 */
static int
snap_write(struct journal *j, const struct sad *sad, const struct spd *spd,
    uint64_t n)
{
	struct jbuf jb;
	struct sad_iter si;
	struct spd_iter pi;
	const struct sad_entry *e;
	const struct spd_entry *p;
	struct jseq_iter qi;
	struct jseq_val qv;
	struct sad_addr qdst;
	char tmp[J_NAMELEN], name[J_NAMELEN];
	uint8_t h[J_HDRLEN], qrec[JSEQ_RECLEN];
	uint64_t count = 0;
	uint32_t qspi;
	uint8_t qtype;
	struct byage *sas = NULL;
	size_t nsa, i;
	int fd, rc;

	memset(&jb, 0, sizeof(jb));
	snap_name(tmp, sizeof(tmp), n, true);
	snap_name(name, sizeof(name), n, false);
	fd = openat(j->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		jerr_sys("%s/%s", j->dir, tmp);
		return (-1);
	}
	hdr_encode(h, J_MAGIC_SNAP, j->dialect, n, 0);
	if (write_all(fd, h, sizeof(h)) == -1)
		goto syserr;
	/*
	 * Oldest first: replay inserts in file order, and the store breaks
	 * ties between the SAs of one pair (a rekey) by insertion order.
	 */
	if ((nsa = sad_count(sad)) > 0 &&
	    (sas = calloc(nsa, sizeof(*sas))) == NULL) {
		jerr("%s/%s: out of memory", j->dir, tmp);
		goto fail;
	}
	sad_iter_init(&si, 0);
	for (i = 0; i < nsa && (e = sad_next(sad, &si)) != NULL; i++) {
		sas[i].e = e;
		sas[i].idx = i;
	}
	nsa = i;
	if (nsa > 1)
		qsort(sas, nsa, sizeof(*sas), byage);
	for (i = 0; i < nsa; i++) {
		e = sas[i].e;
		rc = rec_append(&jb, j->dialect, PFKEY_MSG_ADD, e->satype,
		    e->pid, fill_sa_put, e);
		if (rc != 0)
			goto fail;
		count++;
		if (jb.len >= J_SNAP_FLUSH) {
			if (write_all(fd, jb.p, jb.len) == -1)
				goto syserr;
			jbuf_clear(&jb);
		}
	}
	spd_iter_init(&pi);
	while ((p = spd_next(spd, &pi)) != NULL) {
		rc = rec_append(&jb, j->dialect, PFKEY_MSG_X_SPDADD,
		    PFKEY_SATYPE_UNSPEC, p->pid, fill_sp_put, p);
		if (rc != 0)
			goto fail;
		count++;
		if (jb.len >= J_SNAP_FLUSH) {
			if (write_all(fd, jb.p, jb.len) == -1)
				goto syserr;
			jbuf_clear(&jb);
		}
	}
	/* After the SAs they belong to; none for an SA that is gone. */
	jseq_iter_init(&qi);
	while (jseq_next(j->seq, &qi, &qdst, &qtype, &qspi, &qv)) {
		if (sad_lookup(sad, &qdst, qtype, qspi) == NULL)
			continue;
		if ((rc = jseq_encode(qrec, &qdst, qtype, qspi, &qv)) != 0 ||
		    (rc = rec_append_raw(&jb, qrec, sizeof(qrec))) != 0) {
			jerr("%s/%s: sequence record: %s", j->dir, tmp,
			    sad_strerror(rc));
			goto fail;
		}
		count++;
		if (jb.len >= J_SNAP_FLUSH) {
			if (write_all(fd, jb.p, jb.len) == -1)
				goto syserr;
			jbuf_clear(&jb);
		}
	}
	if (count > UINT32_MAX) {
		jerr("%s/%s: %" PRIu64 " records do not fit a snapshot",
		    j->dir, tmp, count);
		goto fail;
	}
	if (jb.len > 0 && write_all(fd, jb.p, jb.len) == -1)
		goto syserr;
	/* The count lets replay tell a whole snapshot from a cut one. */
	hdr_encode(h, J_MAGIC_SNAP, j->dialect, n, (uint32_t)count);
	if (pwrite_all(fd, h, sizeof(h), 0) == -1)
		goto syserr;
	if (fsync_fd(fd, false) == -1)
		goto syserr;
	if (close(fd) == -1) {
		fd = -1;
		goto syserr;
	}
	fd = -1;
	if (renameat(j->dfd, tmp, j->dfd, name) == -1) {
		jerr_sys("%s: rename %s to %s", j->dir, tmp, name);
		goto fail;
	}
	free(sas);
	jbuf_release(&jb);
	if (fsync_fd(j->dfd, false) == -1) {
		jerr_sys("%s: fsync of the directory", j->dir);
		return (-1);
	}
	return (0);

syserr:
	jerr_sys("%s/%s: write", j->dir, tmp);
fail:
	close_keep_errno(fd);
	(void)unlinkat(j->dfd, tmp, 0);
	free(sas);
	jbuf_release(&jb);
	return (-1);
}

/* Close every descriptor but 0-2 and the two the child needs. */
static void
child_close_fds(int keep1, int keep2)
{
	int fd, lo = keep1 < keep2 ? keep1 : keep2;
	int hi = keep1 < keep2 ? keep2 : keep1;

	for (fd = 3; fd < hi; fd++)
		if (fd != lo)
			(void)close(fd);
	closefrom(hi + 1);
}

static void __attribute__((__noreturn__))
child_main(struct journal *j, const struct sad *sad, const struct spd *spd,
    uint64_t n, int wfd, pid_t parent)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGCHLD,
	    SIGUSR1, SIGUSR2, SIGALRM };
	sigset_t all;
	size_t i;

	/*
	 * The daemon's handlers would poke the daemon's event loop from
	 * here; and the child must not keep client connections or the
	 * directory lock alive after the daemon closed or lost them.
	 */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		(void)signal(sigs[i], SIG_DFL);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	child_close_fds(j->dfd, wfd);
#ifdef __linux__
	/* A daemon killed by -9 must not leave a child racing its successor. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
#endif
	if (snap_write(j, sad, spd, n) == 0)
		_exit(0);
	/* The parent reads the reason when it reaps us. */
	if (write(wfd, jerrbuf, strlen(jerrbuf)) == -1)
		_exit(2);
	_exit(1);
}

int
journal_maybe_compact(struct journal *j, const struct sad *sad,
    const struct spd *spd)
{
	uint64_t limit, old;
	pid_t pid, parent;
	int p[2];

	if (j == NULL || sad == NULL || spd == NULL)
		return (SAD_ERR_INVAL);
	if (j->sync == JOURNAL_SYNC_OFF || !j->ready || j->child != -1)
		return (0);
	limit = j->snapsize > j->compact_min / 2 ? 2 * j->snapsize :
	    j->compact_min;
	if (j->logbytes + j->pend.len < limit ||
	    j->logbytes + j->pend.len < j->compact_next)
		return (0);
	/* The snapshot must cover exactly the segments before the new one. */
	if (journal_commit(j) != 0)
		return (-1);
	old = j->logbytes;
	if (seg_create(j, j->segno + 1) == -1) {
		j->compact_next = old + limit;
		return (-1);
	}
	if (pipe(p) == -1) {
		jerr_sys("journal: pipe");
		j->compact_next = j->logbytes + limit;
		return (-1);
	}
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	parent = getpid();
	if ((pid = fork()) == -1) {
		jerr_sys("journal: fork for compaction");
		(void)close(p[0]);
		(void)close(p[1]);
		j->compact_next = j->logbytes + limit;
		return (-1);
	}
	if (pid == 0) {
		(void)close(p[0]);
		child_main(j, sad, spd, j->segno, p[1], parent);
	}
	(void)close(p[1]);
	j->child = pid;
	j->childsnap = j->segno;
	j->childpipe = p[0];
	return (0);
}

pid_t
journal_child(const struct journal *j)
{
	return (j != NULL ? j->child : -1);
}

int
journal_child_exited(struct journal *j, pid_t pid, int status)
{
	struct jdir jd;
	struct stat st;
	char name[J_NAMELEN], msg[sizeof(jerrbuf) - 64];
	ssize_t got;
	uint64_t limit;

	if (j == NULL || pid == -1 || pid != j->child)
		return (0);
	msg[0] = '\0';
	do {
		got = read(j->childpipe, msg, sizeof(msg) - 1);
	} while (got == -1 && errno == EINTR);
	msg[got > 0 ? got : 0] = '\0';
	(void)close(j->childpipe);
	j->childpipe = -1;
	j->child = -1;
	snap_name(name, sizeof(name), j->childsnap, false);

	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    fstatat(j->dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		/* Everything it would have replaced is still there. */
		snap_name(name, sizeof(name), j->childsnap, true);
		(void)unlinkat(j->dfd, name, 0);
		limit = j->snapsize > j->compact_min / 2 ? 2 * j->snapsize :
		    j->compact_min;
		j->compact_next = j->logbytes + limit;
		if (WIFSIGNALED(status))
			jerr("compaction (pid %ld) killed by signal %d; the "
			    "journal is kept as it was", (long)pid,
			    WTERMSIG(status));
		else if (msg[0] != '\0')
			jerr("compaction (pid %ld) failed: %s; the journal "
			    "is kept as it was", (long)pid, msg);
		else
			jerr("compaction (pid %ld) failed (status %d); the "
			    "journal is kept as it was", (long)pid, status);
		return (-1);
	}
	j->snapno = j->childsnap;
	j->snapsize = (uint64_t)st.st_size;
	/* Only the current segment is left after the snapshot. */
	j->logbytes = j->segoff;
	j->compact_next = 0;
	if (scan_dir(j, &jd) == 0) {
		remove_before(j, &jd, j->snapno);
		free(jd.seg);
		free(jd.snap);
	}
	return (0);
}
