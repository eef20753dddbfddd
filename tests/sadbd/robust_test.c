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
 * sadbd under abuse: floods of malformed records (every truncation and
 * bit flip of valid requests, as tests/libpfkey/fuzzloop_test.c does to
 * the codec, plus garbage, oversized and 0-length records), a client that
 * never reads, large dumps (complete, counted down, one at a time) and a
 * dump racing a flush.  Afterwards the daemon must answer correctly and
 * exit 0 on SIGTERM (which also catches sanitizer reports).
 */

#include "sadbd_test.h"

struct sample {
	size_t	 len;
	uint8_t	*bytes;
};

static struct sample samples[16];
static size_t nsamples;

static void
keep(struct pfkey_buf *b)
{
	const void *msg;
	size_t len;

	ATF_REQUIRE_EQ(pfkey_buf_finish(b, &msg, &len), 0);
	ATF_REQUIRE(nsamples < sizeof(samples) / sizeof(samples[0]));
	samples[nsamples].len = len;
	samples[nsamples].bytes = malloc(len);
	ATF_REQUIRE(samples[nsamples].bytes != NULL);
	memcpy(samples[nsamples].bytes, msg, len);
	nsamples++;
	pfkey_buf_free(b);
}

static void
make_samples(struct pfkey_xport *x)
{
	struct pfkey_buf b;

	td_build_add(x, &b, 0xa000, "10.20.0.1", "10.20.0.2", 0x31);
	td_lifetime(&b, PFKEY_EXT_LIFETIME_HARD, 3600);
	keep(&b);
	td_begin(x, &b, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP);
	td_addrs(&b, "2001:db8::1", "2001:db8::2");
	ATF_REQUIRE_EQ(pfkey_put_spirange(&b, 0x100, 0xffff), 0);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&b, PFKEY_MODE_TUNNEL, 0, 7), 0);
	keep(&b);
	td_build_policy(x, &b, PFKEY_MSG_X_SPDADD, "10.30.0.0", 16,
	    "10.40.0.0", 16,
	    "out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require");
	keep(&b);
	td_begin(x, &b, PFKEY_MSG_GET, PFKEY_SATYPE_ESP);
	td_sa(&b, 0xa000, 0, 0);
	td_addrs(&b, "10.20.0.1", "10.20.0.2");
	keep(&b);
	td_begin(x, &b, PFKEY_MSG_ACQUIRE, PFKEY_SATYPE_ESP);
	td_addrs(&b, "10.30.0.1", "10.40.0.1");
	keep(&b);
	td_begin(x, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_AH);
	keep(&b);
}

static void
free_samples(void)
{
	while (nsamples > 0)
		free(samples[--nsamples].bytes);
}

static uint64_t nsent, nreplies;

/* Send raw bytes as one record; keep our receive side drained. */
static void
raw(struct pfkey_xport *x, struct tmsg *t, const void *p, size_t len)
{
	ssize_t n;

	do {
		n = send(pfkey_xport_fd(x), p, len, 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1 && errno == EMSGSIZE)
		return;		/* larger than our socket takes */
	ATF_REQUIRE_MSG(n == (ssize_t)len, "send %zu: %s", len,
	    strerror(errno));
	nsent++;
	while (td_recv(x, t, 0))
		nreplies++;
}

TD_BOTH(malformed_flood, "600")
{
	struct td d;
	struct pfkey_xport *x, *y;
	struct tmsg *t = tm_new();
	static uint64_t mb[PFKEY_MSG_MAXLEN / 8 + 4096];
	uint8_t *m = (uint8_t *)mb;
	const uint8_t *key;
	size_t i, n, bit;
	uint16_t units;
	unsigned bits, seed = 12345;

	td_start(tc, &d);
	x = td_open(&d);
	make_samples(x);

	for (i = 0; i < nsamples; i++) {
		/* Every cut, claiming the whole length and its own. */
		for (n = 0; n < samples[i].len; n++) {
			memcpy(m, samples[i].bytes, n);
			raw(x, t, m, n);
			if (n >= 16 && n % 8 == 0) {
				units = (uint16_t)(n / 8);
				memcpy(m + 4, &units, 2);
				raw(x, t, m, n);
			}
		}
		/* Every single-bit flip. */
		for (bit = 0; bit < samples[i].len * 8; bit++) {
			memcpy(m, samples[i].bytes, samples[i].len);
			m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			raw(x, t, m, samples[i].len);
		}
	}
	/* Garbage, some of it with a plausible header. */
	for (i = 0; i < 3000; i++) {
		n = (size_t)(rand_r(&seed) % 600);
		for (bit = 0; bit < n; bit++)
			m[bit] = (uint8_t)rand_r(&seed);
		if (n >= 16 && (i & 1)) {
			m[0] = PFKEY_V2;
			m[1] = (uint8_t)(rand_r(&seed) % 26);
			units = (i & 2) ? (uint16_t)(n / 8) :
			    (uint16_t)rand_r(&seed);
			memcpy(m + 4, &units, 2);
		}
		raw(x, t, m, n);
	}
	/* 0-length records. */
	for (i = 0; i < 100; i++)
		raw(x, t, m, 0);
	/* Oversized: past PFKEY_MSG_MAXLEN, and past the daemon's slot. */
	memset(m, 0, PFKEY_MSG_MAXLEN + 4096);
	m[0] = PFKEY_V2;
	m[1] = PFKEY_MSG_ADD;
	raw(x, t, m, PFKEY_MSG_MAXLEN + 8);
	raw(x, t, m, PFKEY_MSG_MAXLEN + 4096 + 8);
	/* A valid message of maximal size (a huge garbage extension). */
	units = (uint16_t)(PFKEY_MSG_MAXLEN / 8);
	memcpy(m + 4, &units, 2);
	raw(x, t, m, PFKEY_MSG_MAXLEN);
	/*
	 * The replies still on their way: the flood may outrun the daemon
	 * (a loaded machine), and the count below must not depend on that.
	 */
	while (td_recv(x, t, 2000))
		nreplies++;

	printf("%llu records sent, %llu replies\n",
	    (unsigned long long)nsent, (unsigned long long)nreplies);
	free_samples();

	/* Still serving, correctly, to a fresh client. */
	ATF_REQUIRE_MSG(kill(d.pid, 0) == 0, "sadbd is gone");
	y = td_open(&d);
	ATF_REQUIRE_EQ(td_add(y, t, 0x5eed, "10.99.0.1", "10.99.0.2"), 0);
	ATF_REQUIRE_EQ(td_sareq(y, t, PFKEY_MSG_GET, 0x5eed, "10.99.0.1",
	    "10.99.0.2"), 0);
	ATF_CHECK_EQ(tm_spi(t), 0x5eedu);
	ATF_REQUIRE_EQ(pfkey_get_key(&t->m, PFKEY_EXT_KEY_ENCRYPT, &key,
	    &bits), 0);
	ATF_CHECK_EQ(bits, 128u);
	ATF_CHECK_EQ(key[0], 0x11);
	ATF_CHECK(nreplies > 1000);
	pfkey_xport_close(x);
	pfkey_xport_close(y);
	td_stop(&d);
	free(t);
}

/*
 * ADD `count' SAs with up to `window' requests in flight; returns the
 * number of errors.  Replies other than our ADDs are ignored.
 */
static size_t
add_many(struct pfkey_xport *x, struct tmsg *t, uint32_t first, size_t count,
    size_t window)
{
	struct pfkey_buf b;
	size_t sent = 0, got = 0, errs = 0;
	char dst[64];
	uint32_t spi;

	while (got < count) {
		while (sent < count && sent - got < window) {
			spi = first + (uint32_t)sent;
			snprintf(dst, sizeof(dst), "10.%u.%u.%u",
			    (spi >> 16) & 0xff, (spi >> 8) & 0xff, spi & 0xff);
			td_build_add(x, &b, spi, "172.16.0.1", dst, 0x66);
			ATF_REQUIRE_EQ(pfkey_send_buf(x, &b), 0);
			pfkey_buf_free(&b);
			sent++;
		}
		ATF_REQUIRE_MSG(td_recv(x, t, 20000), "ADD replies stalled "
		    "after %zu of %zu", got, count);
		if (tm_hdr(t)->sadb_msg_type != PFKEY_MSG_ADD ||
		    tm_hdr(t)->sadb_msg_pid != pfkey_xport_pid(x))
			continue;
		if (tm_hdr(t)->sadb_msg_errno != 0)
			errs++;
		got++;
	}
	return (errs);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static long
rss_kb(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	long kb = -1;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return (kb);
}

ATF_TC(nonreader);
ATF_TC_HEAD(nonreader, tc)
{
	atf_tc_set_md_var(tc, "descr", "a client that never reads does not "
	    "stall the daemon or others; its queue stays bounded");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(nonreader, tc)
{
	struct td d;
	struct pfkey_xport *a, *n;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	const void *msg;
	size_t len, i, count = 0;
	double t0, el;
	long rss, dropped = -1;
	int fd;
	char path[PATH_MAX], line[512], *p;
	FILE *f;

	td_start(tc, &d);
	a = td_open(&d);
	n = td_open(&d);
	ATF_REQUIRE_EQ(td_add(a, t, 0xfff0, "172.16.0.1", "172.16.0.2"), 0);
	/* N hears everything (promiscuous, registered) and reads nothing. */
	ATF_REQUIRE_EQ(td_bare(n, t, PFKEY_MSG_X_PROMISC, 1), 0);
	ATF_REQUIRE_EQ(td_bare(n, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	(void)td_drain(a, t, 100);
	/*
	 * ...and floods GETs (each answered with the SA and its keys)
	 * without reading, for 3 s.  Once its replies pass the queue bound
	 * the daemon stops reading it, its socket fills, and that is all it
	 * gets to send: about 8 MiB of replies' worth.
	 */
	fd = pfkey_xport_fd(n);
	td_begin(n, &b, PFKEY_MSG_GET, PFKEY_SATYPE_ESP);
	td_sa(&b, 0xfff0, 0, 0);
	td_addrs(&b, "172.16.0.1", "172.16.0.2");
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	t0 = now_s();
	for (i = 0; i < 1000000 && now_s() - t0 < 3; i++) {
		if (send(fd, msg, len, MSG_DONTWAIT) == -1) {
			ATF_REQUIRE(errno == EAGAIN || errno == EWOULDBLOCK);
			usleep(1000);
			continue;
		}
		count++;
	}
	pfkey_buf_free(&b);
	printf("non-reader got %zu requests out in 3 s\n", count);
	ATF_CHECK_MSG(count < 150000, "no back-pressure: %zu requests "
	    "taken from a client that reads nothing", count);

	/* A works at full speed meanwhile. */
	t0 = now_s();
	ATF_CHECK_EQ(add_many(a, t, 0x10000, 30000, 512), 0u);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(td_bare(a, t, PFKEY_MSG_DUMP, 0), 0);
		while (tm_hdr(t)->sadb_msg_seq != 0)
			ATF_REQUIRE(td_recv(a, t, 20000));
	}
	el = now_s() - t0;
	printf("30000 ADDs and 3 dumps of 30000 took %.2f s\n", el);
	ATF_CHECK_MSG(el < 60, "took %.1f s", el);
	rss = rss_kb(d.pid);
	printf("sadbd VmRSS %ld kB\n", rss);
	/* Bounded: 30000 SAs plus an 8 MiB queue, not everything sent. */
	ATF_CHECK_MSG(rss < 150 * 1024, "VmRSS %ld kB", rss);
	ATF_REQUIRE_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x10000, "172.16.0.1",
	    "10.1.0.0"), 0);

	/* Broadcasts to N were dropped, and counted (SIGHUP logs it). */
	ATF_REQUIRE(kill(d.pid, SIGHUP) == 0);
	usleep(300000);
	td_path(path, sizeof(path), d.dir, "sadbd.log");
	ATF_REQUIRE((f = fopen(path, "r")) != NULL);
	while (fgets(line, sizeof(line), f) != NULL)
		if ((p = strstr(line, "records dropped, ")) != NULL)
			dropped = strtol(p + 17, NULL, 10);
	fclose(f);
	printf("messages dropped: %ld\n", dropped);
	ATF_CHECK_MSG(dropped > 10000, "broadcasts to a full client not "
	    "dropped (%ld)", dropped);

	/* N's end goes away with its queue; the daemon carries on. */
	pfkey_xport_close(n);
	ATF_REQUIRE_EQ(td_sareq(a, t, PFKEY_MSG_GET, 0x10001, "172.16.0.1",
	    "10.1.0.1"), 0);
	pfkey_xport_close(a);
	td_stop(&d);
	free(t);
}

ATF_TC(big_dump);
ATF_TC_HEAD(big_dump, tc)
{
	atf_tc_set_md_var(tc, "descr", "a dump of 10000 SAs is complete, "
	    "counts down to 0, and a second DUMP meanwhile gets EBUSY");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(big_dump, tc)
{
	struct td d;
	struct pfkey_xport *a;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	const void *msg;
	size_t len, got = 0, busy = 0;
	uint8_t *seen;
	uint32_t spi, expect;
	const size_t count = 10000;

	td_start(tc, &d);
	a = td_open(&d);
	ATF_REQUIRE_EQ(add_many(a, t, 0x20000, count, 256), 0u);
	seen = calloc(count, 1);
	ATF_REQUIRE(seen != NULL);

	/* Two DUMPs at once: the second finds the first running. */
	td_begin(a, &b, PFKEY_MSG_DUMP, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	ATF_REQUIRE_EQ(pfkey_send(a, msg, len), 0);
	ATF_REQUIRE_EQ(pfkey_send(a, msg, len), 0);
	pfkey_buf_free(&b);
	expect = (uint32_t)count - 1;
	for (;;) {
		ATF_REQUIRE_MSG(td_recv(a, t, 20000), "dump stalled at %zu",
		    got);
		ATF_REQUIRE_EQ(t->rc, 0);
		ATF_REQUIRE_EQ(tm_hdr(t)->sadb_msg_type, PFKEY_MSG_DUMP);
		if (tm_hdr(t)->sadb_msg_errno == EBUSY) {
			busy++;
			continue;
		}
		ATF_REQUIRE_EQ(tm_hdr(t)->sadb_msg_errno, 0);
		ATF_REQUIRE_EQ_MSG(tm_hdr(t)->sadb_msg_seq, expect,
		    "reply %zu has seq %u", got, tm_hdr(t)->sadb_msg_seq);
		spi = tm_spi(t);
		ATF_REQUIRE(spi >= 0x20000 && spi < 0x20000 + count);
		ATF_REQUIRE_MSG(!seen[spi - 0x20000], "SA %#x twice", spi);
		seen[spi - 0x20000] = 1;
		got++;
		if (expect == 0)
			break;
		expect--;
	}
	ATF_CHECK_EQ(got, count);
	ATF_CHECK_EQ(busy, 1u);
	ATF_CHECK(!td_recv(a, t, 200));
	free(seen);
	pfkey_xport_close(a);
	td_stop(&d);
	free(t);
}

ATF_TC(dump_vs_flush);
ATF_TC_HEAD(dump_vs_flush, tc)
{
	atf_tc_set_md_var(tc, "descr", "a dump whose SAs are flushed while "
	    "it runs still ends with seq 0");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(dump_vs_flush, tc)
{
	struct td d;
	struct pfkey_xport *a, *f;
	struct tmsg *t = tm_new(), *u = tm_new();
	size_t got = 0;
	uint32_t last = UINT32_MAX;

	td_start(tc, &d);
	a = td_open(&d);
	f = td_open(&d);
	ATF_REQUIRE_EQ(add_many(a, t, 0x30000, 20000, 256), 0u);
	(void)td_drain(f, u, 500);
	ATF_REQUIRE_EQ(td_bare(a, t, PFKEY_MSG_DUMP, 0), 0);
	got = 1;
	last = tm_hdr(t)->sadb_msg_seq;
	/* Read a little of the dump, then everything is flushed. */
	while (got < 100) {
		ATF_REQUIRE(td_recv(a, t, 20000));
		if (tm_hdr(t)->sadb_msg_type != PFKEY_MSG_DUMP)
			continue;
		ATF_REQUIRE(tm_hdr(t)->sadb_msg_seq < last);
		last = tm_hdr(t)->sadb_msg_seq;
		got++;
	}
	ATF_REQUIRE_EQ(td_bare(f, u, PFKEY_MSG_FLUSH, 0), 0);
	/* What was already produced arrives, then the end: seq 0. */
	for (;;) {
		ATF_REQUIRE_MSG(td_recv(a, t, 20000), "no end of dump after "
		    "%zu", got);
		if (tm_hdr(t)->sadb_msg_type != PFKEY_MSG_DUMP)
			continue;
		ATF_REQUIRE_EQ(tm_hdr(t)->sadb_msg_errno, 0);
		ATF_REQUIRE(tm_hdr(t)->sadb_msg_seq < last);
		last = tm_hdr(t)->sadb_msg_seq;
		got++;
		if (last == 0)
			break;
	}
	printf("%zu of 20000 dumped before the flush took the rest\n", got);
	ATF_CHECK(got < 20000);
	pfkey_xport_close(a);
	pfkey_xport_close(f);
	td_stop(&d);
	free(t);
	free(u);
}

ATF_TC(stop_busy);
ATF_TC_HEAD(stop_busy, tc)
{
	atf_tc_set_md_var(tc, "descr", "SIGTERM with clients mid-dump, "
	    "over their bound and half-sent: exit 0, everything freed");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(stop_busy, tc)
{
	struct td d;
	struct pfkey_xport *a, *p, *h;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();

	td_start(tc, &d);
	a = td_open(&d);
	p = td_open(&d);
	h = td_open(&d);
	ATF_REQUIRE_EQ(td_bare(p, t, PFKEY_MSG_X_PROMISC, 1), 0);
	ATF_REQUIRE_EQ(td_bare(p, t, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP),
	    0);
	ATF_REQUIRE_EQ(add_many(a, t, 0x40000, 20000, 512), 0u);
	/* A dump nobody reads, P's queue full, H half a request sent. */
	td_begin(a, &b, PFKEY_MSG_DUMP, 0);
	ATF_REQUIRE_EQ(pfkey_send_buf(a, &b), 0);
	pfkey_buf_free(&b);
	ATF_REQUIRE(send(pfkey_xport_fd(h), "\002\003", 2, 0) == 2);
	usleep(200000);
	td_stop(&d);
	pfkey_xport_close(a);
	pfkey_xport_close(p);
	pfkey_xport_close(h);
	free(t);
}

/*
 * A full disk: the journal commit fails, replies to changes are held
 * (and nothing more is read) until it succeeds again; then everything
 * acknowledged is durable.  Needs root for a small tmpfs.
 */
ATF_TC_WITH_CLEANUP(commit_failure);
ATF_TC_HEAD(commit_failure, tc)
{
	atf_tc_set_md_var(tc, "descr", "on a full disk replies wait for the "
	    "commit; nothing unacknowledged is reported done");
	atf_tc_set_md_var(tc, "timeout", "300");
}
ATF_TC_BODY(commit_failure, tc)
{
	struct td d;
	struct pfkey_xport *a, *g;
	struct pfkey_buf b;
	struct tmsg *t = tm_new();
	char dir[PATH_MAX];
	const size_t count = 200;
	size_t got = 0, before, i;
	int fd, e, err;
	double t0;
	uint8_t page[4096];

	if (getuid() != 0)
		atf_tc_skip("mounting a small tmpfs needs root");
	ATF_REQUIRE(getcwd(dir, sizeof(dir)) != NULL);
	strlcat(dir, "/mnt", sizeof(dir));
	ATF_REQUIRE(mkdir(dir, 0700) == 0);
	if (system("mount -t tmpfs -o size=512k tmpfs ./mnt 2>/dev/null") !=
	    0)
		atf_tc_skip("cannot mount a tmpfs here");
	td_start_in(tc, &d, dir, NULL);
	a = td_open(&d);
	g = td_open(&d);
	ATF_REQUIRE_EQ(td_add(a, t, 0xf000, "10.50.0.1", "10.50.0.2"), 0);
	(void)td_drain(g, t, 100);

	/* Fill the file system. */
	memset(page, 0, sizeof(page));
	ATF_REQUIRE((fd = open("mnt/filler", O_WRONLY | O_CREAT, 0600)) !=
	    -1);
	while (write(fd, page, sizeof(page)) > 0)
		;
	close(fd);

	/* ADDs: the first may fit in the journal's last page, then none. */
	for (i = 0; i < count; i++) {
		td_build_add(a, &b, 0xf100 + (uint32_t)i, "10.50.0.1",
		    "10.50.0.3", 0x21);
		ATF_REQUIRE_EQ(pfkey_send_buf(a, &b), 0);
		pfkey_buf_free(&b);
	}
	t0 = now_s();
	while (now_s() - t0 < 2.5 && td_recv(a, t, 500)) {
		if (tm_hdr(t)->sadb_msg_type != PFKEY_MSG_ADD)
			continue;
		ATF_REQUIRE_EQ_MSG(tm_hdr(t)->sadb_msg_errno, 0,
		    "an ADD failed: %d", tm_hdr(t)->sadb_msg_errno);
		got++;
	}
	before = got;
	printf("%zu of %zu ADDs answered on a full disk\n", before, count);
	ATF_REQUIRE_MSG(before < count, "no commit failed: the test did not "
	    "fill the disk");
	/* Meanwhile no request is read: a GET waits too. */
	td_begin(g, &b, PFKEY_MSG_GET, PFKEY_SATYPE_ESP);
	td_sa(&b, 0xf000, 0, 0);
	td_addrs(&b, "10.50.0.1", "10.50.0.2");
	ATF_REQUIRE_EQ(pfkey_send_buf(g, &b), 0);
	pfkey_buf_free(&b);
	ATF_CHECK_MSG(!td_recv(g, t, 1500), "a GET was answered while the "
	    "journal could not commit");

	/* Room again: the retry commits, the held replies go out. */
	ATF_REQUIRE(unlink("mnt/filler") == 0);
	while (got < count) {
		ATF_REQUIRE_MSG(td_recv(a, t, 5000), "held replies never "
		    "came (%zu of %zu)", got, count);
		if (tm_hdr(t)->sadb_msg_type != PFKEY_MSG_ADD)
			continue;
		ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_errno, 0);
		got++;
	}
	ATF_REQUIRE(td_recv(g, t, 5000));
	while (tm_hdr(t)->sadb_msg_type != PFKEY_MSG_GET)
		ATF_REQUIRE(td_recv(g, t, 5000));
	ATF_CHECK_EQ(tm_hdr(t)->sadb_msg_errno, 0);
	pfkey_xport_close(a);
	pfkey_xport_close(g);
	td_stop(&d);

	/* Everything acknowledged is there after a restart. */
	td_start_in(tc, &d, dir, NULL);
	a = td_open(&d);
	for (i = 0; i < count; i++) {
		e = td_sareq(a, t, PFKEY_MSG_GET, 0xf100 + (uint32_t)i,
		    "10.50.0.1", "10.50.0.3");
		ATF_CHECK_EQ_MSG(e, 0, "SA %#zx lost", 0xf100 + i);
	}
	pfkey_xport_close(a);
	td_stop(&d);
	err = system("umount ./mnt");
	ATF_CHECK_EQ(err, 0);
	free(t);
}
ATF_TC_CLEANUP(commit_failure, tc)
{
	(void)system("umount ./mnt 2>/dev/null");
}

ATF_TP_ADD_TCS(tp)
{
	TD_ADD_BOTH(tp, malformed_flood);
	ATF_TP_ADD_TC(tp, nonreader);
	ATF_TP_ADD_TC(tp, big_dump);
	ATF_TP_ADD_TC(tp, dump_vs_flush);
	ATF_TP_ADD_TC(tp, stop_busy);
	ATF_TP_ADD_TC(tp, commit_failure);
	return (atf_no_error());
}
