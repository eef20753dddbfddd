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
 * sadbd over its socket, measured with libpfkey as a client sees it:
 *
 *   - ADDs per second, pipelined (a window of requests in flight, timed
 *     from the first send to the last reply) and one at a time;
 *   - seconds to DUMP everything;
 *   - resident memory per SA: sadbd's VmRSS before and after the ADDs,
 *     divided by the count, less the key bytes.
 *
 * usage: sadbd_bench [-J full|none|off] [-n count] [-o count1]
 *	      [-w window] [-s sadbd] [-k]
 *
 * It starts its own sadbd (-F, socket and state in a fresh directory in
 * /tmp, or $TMPDIR) with the journal mode given and stops it at the end.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"

#define EKEY_BYTES	16	/* aes-cbc 128 */
#define AKEY_BYTES	20	/* hmac-sha1 */

static struct pfkey_xport *x;
static uint64_t mbuf[PFKEY_MSG_MAXLEN / 8];

static double
now(void)
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

/* CPU seconds (user + system) the process has used. */
static double
cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long ut, st;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After "(comm)": state is field 3, utime 14, stime 15. */
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return (-1);
	return ((double)(ut + st) / (double)sysconf(_SC_CLK_TCK));
}

/* An ESP ADD for SA number i (distinct SPI and destination). */
static void
build_add(uint32_t i, const void **msg, size_t *len)
{
	static uint8_t ek[EKEY_BYTES], ak[AKEY_BYTES];
	struct pfkey_buf b;
	struct pfkey_sa_args sa;
	struct sockaddr_in s, d;

	pfkey_buf_init(&b, mbuf, sizeof(mbuf), PFKEY_DIALECT_HOST,
	    PFKEY_MSG_ADD, PFKEY_SATYPE_ESP, i + 1, pfkey_xport_pid(x));
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(0x1000 + i);
	sa.replay = 4;
	sa.encrypt = 12;	/* aes-cbc */
	sa.auth = 3;		/* hmac-sha1 */
	pfkey_put_sa(&b, &sa);
	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_addr.s_addr = htonl(0xac100001);		/* 172.16.0.1 */
	d = s;
	d.sin_addr.s_addr = htonl(0x0a000000 | (i & 0xffffff));
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC, (struct sockaddr *)&s,
	    32, 0);
	pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST, (struct sockaddr *)&d,
	    32, 0);
	memset(ek, (int)(i & 0xff), sizeof(ek));
	memset(ak, (int)((i >> 8) & 0xff), sizeof(ak));
	pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, ek, EKEY_BYTES * 8);
	pfkey_put_key(&b, PFKEY_EXT_KEY_AUTH, ak, AKEY_BYTES * 8);
	if (pfkey_buf_finish(&b, msg, len) != 0)
		errx(1, "cannot build ADD");
}

static bool
is_my_add(const void *msg, size_t len, int *err)
{
	const struct sadb_msg *h = msg;

	if (len < PFKEY_HDRLEN || h->sadb_msg_type != PFKEY_MSG_ADD ||
	    h->sadb_msg_pid != pfkey_xport_pid(x))
		return (false);
	*err = h->sadb_msg_errno;
	return (true);
}

/* ADD count SAs from `first' with `window' in flight; seconds taken. */
static double
add_pipelined(uint32_t first, size_t count, size_t window)
{
	const void *msg, *reply;
	size_t len, rlen, sent = 0, got = 0, errs = 0;
	double t0;
	int rc, e;

	t0 = now();
	while (got < count) {
		while (sent < count && sent - got < window) {
			build_add(first + (uint32_t)sent, &msg, &len);
			if ((rc = pfkey_send(x, msg, len)) != 0)
				errx(1, "send: %s", pfkey_strerror(rc));
			sent++;
		}
		if ((rc = pfkey_recv(x, &reply, &rlen, 30000)) != 0)
			errx(1, "recv after %zu replies: %s", got,
			    pfkey_strerror(rc));
		if (!is_my_add(reply, rlen, &e))
			continue;
		if (e != 0 && errs++ < 5)
			warnx("ADD %zu: %s", got, strerror(e));
		got++;
	}
	if (errs > 0)
		errx(1, "%zu ADDs failed", errs);
	return (now() - t0);
}

static double
add_serial(uint32_t first, size_t count)
{
	const void *msg, *reply;
	size_t len, rlen, i;
	double t0 = now();
	int rc, e;

	for (i = 0; i < count; i++) {
		build_add(first + (uint32_t)i, &msg, &len);
		if ((rc = pfkey_request(x, msg, len, &reply, &rlen, 30000)) !=
		    0)
			errx(1, "request: %s", pfkey_strerror(rc));
		if (is_my_add(reply, rlen, &e) && e != 0)
			errx(1, "ADD %zu: %s", i, strerror(e));
	}
	return (now() - t0);
}

static double
dump(size_t *count)
{
	struct pfkey_buf b;
	const void *msg, *reply;
	size_t len, rlen;
	double t0;
	int rc;

	pfkey_buf_init(&b, mbuf, sizeof(mbuf), PFKEY_DIALECT_HOST,
	    PFKEY_MSG_DUMP, 0, pfkey_xport_seq(x), pfkey_xport_pid(x));
	pfkey_buf_finish(&b, &msg, &len);
	*count = 0;
	t0 = now();
	if ((rc = pfkey_request(x, msg, len, &reply, &rlen, 30000)) != 0)
		errx(1, "dump: %s", pfkey_strerror(rc));
	for (;;) {
		if (((const struct sadb_msg *)reply)->sadb_msg_errno != 0)
			errx(1, "dump: %s", strerror(((const struct sadb_msg *)
			    reply)->sadb_msg_errno));
		(*count)++;
		if (((const struct sadb_msg *)reply)->sadb_msg_seq == 0)
			break;
		if ((rc = pfkey_request_next(x, PFKEY_MSG_DUMP, &reply, &rlen,
		    30000)) != 0)
			errx(1, "dump after %zu: %s", *count,
			    pfkey_strerror(rc));
	}
	return (now() - t0);
}

static void
flush(void)
{
	struct pfkey_buf b;
	const void *msg, *reply;
	size_t len, rlen;

	pfkey_buf_init(&b, mbuf, sizeof(mbuf), PFKEY_DIALECT_HOST,
	    PFKEY_MSG_FLUSH, 0, pfkey_xport_seq(x), pfkey_xport_pid(x));
	pfkey_buf_finish(&b, &msg, &len);
	if (pfkey_request(x, msg, len, &reply, &rlen, 60000) != 0)
		errx(1, "flush");
	/* Linux semantics: a second FLUSH (the broadcast) may follow. */
	while (pfkey_recv(x, &reply, &rlen, 200) == 0)
		;
}

static pid_t
start_sadbd(const char *bin, const char *dir, const char *jmode)
{
	char sock[PATH_MAX], state[PATH_MAX], log[PATH_MAX];
	struct pfkey_xport_opts o;
	pid_t pid;
	int fd, i, e;

	if (snprintf(sock, sizeof(sock), "%s/sock", dir) >= (int)sizeof(sock) ||
	    snprintf(state, sizeof(state), "%s/state", dir) >=
	    (int)sizeof(state) ||
	    snprintf(log, sizeof(log), "%s/sadbd.log", dir) >= (int)sizeof(log))
		errx(1, "%s: path too long", dir);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) !=
		    -1) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execl(bin, bin, "-F", "-s", sock, "-S", state, "-J", jmode,
		    (char *)NULL);
		_exit(127);
	}
	memset(&o, 0, sizeof(o));
	o.rcvbuf = 16 << 20;
	o.sndbuf = 8 << 20;
	o.timeout_ms = 30000;
	for (i = 0; i < 500; i++) {
		if ((x = pfkey_xport_open(PFKEY_XPORT_SADBD, sock, &o,
		    &e)) != NULL)
			return (pid);
		usleep(10000);
	}
	errx(1, "sadbd did not come up (see %s)", log);
}

static void
usage(void)
{
	fprintf(stderr, "usage: sadbd_bench [-k] [-J full|none|off] "
	    "[-n count] [-o count1]\n\t[-w window] [-s sadbd]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	char dir[PATH_MAX], bin[PATH_MAX], self[PATH_MAX], cmd[PATH_MAX + 16];
	const char *jmode = "full", *tmp, *errstr;
	size_t count = 100000, count1 = 20000, window = 1024, dumped;
	long before, after;
	double t, per, c0;
	pid_t pid;
	int ch, status, keep = 0;

	strlcpy(self, argv[0], sizeof(self));
	snprintf(bin, sizeof(bin), "%s/../sadbd/sadbd", dirname(self));
	while ((ch = getopt(argc, argv, "J:kn:o:s:w:")) != -1) {
		switch (ch) {
		case 'J':
			jmode = optarg;
			break;
		case 'k':
			keep = 1;
			break;
		case 'n':
			count = (size_t)strtonum(optarg, 1, 16000000, &errstr);
			if (errstr != NULL)
				errx(1, "-n %s: %s", optarg, errstr);
			break;
		case 'o':
			count1 = (size_t)strtonum(optarg, 0, 16000000, &errstr);
			if (errstr != NULL)
				errx(1, "-o %s: %s", optarg, errstr);
			break;
		case 's':
			strlcpy(bin, optarg, sizeof(bin));
			break;
		case 'w':
			window = (size_t)strtonum(optarg, 1, 1000000, &errstr);
			if (errstr != NULL)
				errx(1, "-w %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	if (access(bin, X_OK) != 0)
		err(1, "%s", bin);
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0')
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s/sadbd_bench.XXXXXX", tmp);
	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");

	pid = start_sadbd(bin, dir, jmode);
	printf("sadbd %s, journal %s, %zu SAs, window %zu\n", bin, jmode,
	    count, window);
	before = rss_kb(pid);

	c0 = cpu_s(pid);
	t = add_pipelined(0, count, window);
	printf("ADD pipelined      %9zu SAs  %8.3f s  %10.0f ADD/s"
	    "  (sadbd CPU %.2f s)\n", count, t, (double)count / t,
	    cpu_s(pid) - c0);
	after = rss_kb(pid);
	per = (double)(after - before) * 1024.0 / (double)count;
	printf("memory             VmRSS %ld -> %ld kB: %.0f bytes/SA, "
	    "%.0f beyond its %d key bytes\n", before, after, per,
	    per - (EKEY_BYTES + AKEY_BYTES), EKEY_BYTES + AKEY_BYTES);

	c0 = cpu_s(pid);
	t = dump(&dumped);
	printf("DUMP               %9zu SAs  %8.3f s  %10.0f SA/s"
	    "   (sadbd CPU %.2f s)\n", dumped, t, (double)dumped / t,
	    cpu_s(pid) - c0);
	if (dumped != count)
		errx(1, "dumped %zu of %zu", dumped, count);

	if (count1 > 0) {
		flush();
		c0 = cpu_s(pid);
		t = add_serial(0, count1);
		printf("ADD one at a time  %9zu SAs  %8.3f s  %10.0f ADD/s"
		    "    (sadbd CPU %.2f s)\n", count1, t, (double)count1 / t,
		    cpu_s(pid) - c0);
	}

	pfkey_xport_close(x);
	kill(pid, SIGTERM);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		warnx("sadbd exited abnormally (see %s/sadbd.log)", dir);
	if (!keep) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		(void)system(cmd);
	} else
		printf("kept %s\n", dir);
	return (0);
}
