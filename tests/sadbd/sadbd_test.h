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
 * Helpers for the sadbd protocol tests: start a sadbd of this build in
 * the test's work directory (-F -s ./sock -S ./state), talk to it through
 * libpfkey's sadbd transport, build requests and look at replies.  Every
 * test stops its daemon with SIGTERM and requires exit status 0, so a
 * sanitizer report or a crash in the daemon fails the test.
 */

#ifndef SADBD_TEST_H
#define SADBD_TEST_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"

/* Wire numbers used by the tests (both dialects agree on these). */
#define T_EALG_AESCBC	12
#define T_EALG_GCM16	20
#define T_AALG_SHA1	3
#define T_AALG_SHA256	5

/*
 * The dialect the tests speak: the host's, or the other one when a test
 * runs sadbd with SADBD_DIALECT (td_use_dialect()).
 */
static enum pfkey_dialect td_dialect = PFKEY_DIALECT_HOST;

static inline bool
td_linux(void)
{
	return (pfkey_dialect_resolve(td_dialect) == PFKEY_DIALECT_LINUX);
}

/* Speak `d' and start daemons that do (SADBD_DIALECT). */
static inline void
td_use_dialect(enum pfkey_dialect d)
{
	td_dialect = pfkey_dialect_resolve(d);
	setenv("SADBD_DIALECT", pfkey_dialect_name(td_dialect), 1);
}

static inline enum pfkey_dialect
td_other(void)
{
	return (pfkey_host_dialect() == PFKEY_DIALECT_LINUX ?
	    PFKEY_DIALECT_FREEBSD : PFKEY_DIALECT_LINUX);
}

/*
 * A test case that runs twice: NAME in the host's dialect and
 * NAME_other with sadbd and the client in the other dialect
 * (SADBD_DIALECT), so both dialects' semantics are tested on any host.
 * The body follows the macro; register both with TD_ADD_BOTH().
 */
#define TD_BOTH(name, timeout)						\
static void name##_run(const atf_tc_t *);				\
ATF_TC(name);								\
ATF_TC_HEAD(name, tc)							\
{									\
	atf_tc_set_md_var(tc, "timeout", timeout);			\
}									\
ATF_TC_BODY(name, tc)							\
{									\
	name##_run(tc);							\
}									\
ATF_TC(name##_other);							\
ATF_TC_HEAD(name##_other, tc)						\
{									\
	atf_tc_set_md_var(tc, "descr", "in the other dialect");	\
	atf_tc_set_md_var(tc, "timeout", timeout);			\
}									\
ATF_TC_BODY(name##_other, tc)						\
{									\
	td_use_dialect(td_other());					\
	name##_run(tc);							\
}									\
static void								\
name##_run(const atf_tc_t *tc)

#define TD_ADD_BOTH(tp, name)	do {					\
	ATF_TP_ADD_TC(tp, name);					\
	ATF_TP_ADD_TC(tp, name##_other);				\
} while (0)

struct td {
	pid_t	pid;
	char	sock[PATH_MAX];
	char	dir[PATH_MAX];
	char	bin[PATH_MAX];
};

/*
 * Daemons still running when the test program exits (a failed
 * ATF_REQUIRE exits at once) are killed, not left behind.
 */
static pid_t td_pids[8];

static inline void
td_killall(void)
{
	size_t i;

	for (i = 0; i < sizeof(td_pids) / sizeof(td_pids[0]); i++)
		if (td_pids[i] > 0) {
			kill(td_pids[i], SIGKILL);
			td_pids[i] = 0;
		}
}

static inline void
td_track(pid_t pid, bool on)
{
	static bool registered;
	size_t i;

	if (!registered) {
		atexit(td_killall);
		registered = true;
	}
	for (i = 0; i < sizeof(td_pids) / sizeof(td_pids[0]); i++) {
		if (on && td_pids[i] == 0) {
			td_pids[i] = pid;
			return;
		}
		if (!on && td_pids[i] == pid) {
			td_pids[i] = 0;
			return;
		}
	}
}

/* A received message: an aligned copy and its decoded view. */
struct tmsg {
	uint64_t		buf[PFKEY_MSG_MAXLEN / 8];
	size_t			len;
	struct pfkey_msg	m;
	int			rc;	/* pfkey_decode() result */
};

static inline struct tmsg *
tm_new(void)
{
	struct tmsg *t = calloc(1, sizeof(*t));

	ATF_REQUIRE(t != NULL);
	return (t);
}

static inline const struct sadb_msg *
tm_hdr(const struct tmsg *t)
{
	return ((const struct sadb_msg *)(const void *)t->buf);
}

static inline void
td_binpath(const atf_tc_t *tc, char *buf, size_t sz)
{
	const char *srcdir = atf_tc_get_config_var(tc, "srcdir");

	snprintf(buf, sz, "%s/../../sadbd/sadbd", srcdir);
	ATF_REQUIRE_MSG(access(buf, X_OK) == 0, "no sadbd at %s", buf);
}

static inline void
td_path(char *buf, size_t sz, const char *dir, const char *name)
{
	int n = snprintf(buf, sz, "%s/%s", dir, name);

	ATF_REQUIRE_MSG(n > 0 && (size_t)n < sz, "path too long: %s", dir);
}

/* Wait until something accepts on `path' (up to 10 s). */
static inline bool
td_wait_socket(const char *path, pid_t pid)
{
	struct sockaddr_un sun;
	int fd, i, status;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	for (i = 0; i < 1000; i++) {
		if (pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
			return (false);
		fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
		ATF_REQUIRE(fd != -1);
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
			close(fd);
			return (true);
		}
		close(fd);
		usleep(10000);
	}
	return (false);
}

/*
 * Start sadbd with -F -s DIR/sock -S DIR/state plus `extra' (NULL
 * terminated, may be NULL).  `dir' NULL: the work directory.  Its stderr
 * goes to DIR/sadbd.log.
 */
static inline void
td_start_in(const atf_tc_t *tc, struct td *d, const char *dir,
    const char *const *extra)
{
	char state[PATH_MAX], log[PATH_MAX], cwd[PATH_MAX];
	const char *argv[32];
	int n = 0, fd;

	memset(d, 0, sizeof(*d));
	td_binpath(tc, d->bin, sizeof(d->bin));
	if (dir == NULL) {
		ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
		dir = cwd;
	}
	strlcpy(d->dir, dir, sizeof(d->dir));
	td_path(d->sock, sizeof(d->sock), dir, "sock");
	td_path(state, sizeof(state), dir, "state");
	td_path(log, sizeof(log), dir, "sadbd.log");
	argv[n++] = d->bin;
	argv[n++] = getenv("SADBD_TEST_DEBUG") != NULL ? "-d" : "-F";
	argv[n++] = "-s";
	argv[n++] = d->sock;
	argv[n++] = "-S";
	argv[n++] = state;
	while (extra != NULL && *extra != NULL && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	d->pid = fork();
	ATF_REQUIRE(d->pid != -1);
	if (d->pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) !=
		    -1) {
			dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	td_track(d->pid, true);
	ATF_REQUIRE_MSG(td_wait_socket(d->sock, d->pid),
	    "sadbd did not come up (see %s)", log);
}

static inline void
td_start(const atf_tc_t *tc, struct td *d)
{
	td_start_in(tc, d, NULL, NULL);
}

/* Print the daemon's log into the test output (for failures). */
static inline void
td_showlog(const struct td *d)
{
	char path[PATH_MAX], line[512];
	FILE *f;

	td_path(path, sizeof(path), d->dir, "sadbd.log");
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL)
		fprintf(stderr, "sadbd: %s", line);
	fclose(f);
}

/* SIGTERM; the daemon must exit 0 and remove its socket. */
static inline void
td_stop(struct td *d)
{
	int status, i;
	pid_t r = 0;

	if (d->pid <= 0)
		return;
	ATF_REQUIRE(kill(d->pid, SIGTERM) == 0);
	for (i = 0; i < 3000; i++) {
		if ((r = waitpid(d->pid, &status, WNOHANG)) == d->pid)
			break;
		usleep(10000);
	}
	if (r != d->pid) {
		kill(d->pid, SIGKILL);
		td_track(d->pid, false);
		waitpid(d->pid, &status, 0);
		td_showlog(d);
		atf_tc_fail("sadbd did not stop on SIGTERM within 30 s");
	}
	td_track(d->pid, false);
	d->pid = 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		td_showlog(d);
	ATF_REQUIRE_MSG(WIFEXITED(status), "sadbd died of signal %d",
	    WTERMSIG(status));
	ATF_REQUIRE_EQ_MSG(WEXITSTATUS(status), 0, "sadbd exited %d",
	    WEXITSTATUS(status));
	ATF_CHECK_MSG(access(d->sock, F_OK) == -1,
	    "socket left behind after SIGTERM");
}

static inline struct pfkey_xport *
td_open(const struct td *d)
{
	struct pfkey_xport_opts o;
	struct pfkey_xport *x;
	int err;

	memset(&o, 0, sizeof(o));
	o.rcvbuf = 4 << 20;
	o.sndbuf = 1 << 20;
	o.timeout_ms = 10000;
	x = pfkey_xport_open(PFKEY_XPORT_SADBD, d->sock, &o, &err);
	ATF_REQUIRE_MSG(x != NULL, "cannot connect to %s: %s", d->sock,
	    pfkey_strerror(err));
	return (x);
}

static inline void
tm_set(struct tmsg *t, const void *msg, size_t len)
{
	ATF_REQUIRE(len <= sizeof(t->buf));
	memcpy(t->buf, msg, len);
	t->len = len;
	t->rc = pfkey_decode(t->buf, len, td_dialect, PFKEY_DEC_FROM_KERNEL,
	    &t->m);
}

/* The next message; false on timeout. */
static inline bool
td_recv(struct pfkey_xport *x, struct tmsg *t, int timeout_ms)
{
	const void *msg;
	size_t len;
	int rc;

	rc = pfkey_recv(x, &msg, &len, timeout_ms);
	if (rc == PFKEY_ERR_TIMEOUT)
		return (false);
	ATF_REQUIRE_EQ_MSG(rc, 0, "pfkey_recv: %s", pfkey_strerror(rc));
	tm_set(t, msg, len);
	return (true);
}

/* Send a built request, wait for its reply; returns the reply's errno. */
static inline int
td_req(struct pfkey_xport *x, struct pfkey_buf *b, struct tmsg *t)
{
	const void *msg, *reply;
	size_t len, rlen;
	int rc;

	ATF_REQUIRE_EQ(pfkey_buf_finish(b, &msg, &len), 0);
	rc = pfkey_request(x, msg, len, &reply, &rlen, 10000);
	ATF_REQUIRE_EQ_MSG(rc, 0, "request %u: %s",
	    ((const uint8_t *)msg)[1], pfkey_strerror(rc));
	tm_set(t, reply, rlen);
	ATF_REQUIRE_EQ_MSG(t->rc, 0, "reply does not decode: %s",
	    pfkey_strerror(t->rc));
	pfkey_buf_free(b);
	return (tm_hdr(t)->sadb_msg_errno);
}

static inline struct sockaddr_storage
td_addr(const char *s, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	} else
		atf_tc_fail("bad address %s", s);
	return (ss);
}

static inline void
td_begin(struct pfkey_xport *x, struct pfkey_buf *b, uint8_t type,
    uint8_t satype)
{
	ATF_REQUIRE_EQ(pfkey_buf_alloc(b, td_dialect, type, satype,
	    pfkey_xport_seq(x), pfkey_xport_pid(x)), 0);
}

static inline void
td_addrs(struct pfkey_buf *b, const char *src, const char *dst)
{
	struct sockaddr_storage s = td_addr(src, 0), d = td_addr(dst, 0);

	ATF_REQUIRE_EQ(pfkey_put_address(b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, 0xff, 0), 0);
	ATF_REQUIRE_EQ(pfkey_put_address(b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, 0xff, 0), 0);
}

/* The SA extension with an SPI (host order in, network order out). */
static inline void
td_sa(struct pfkey_buf *b, uint32_t spi, uint8_t ealg, uint8_t aalg)
{
	struct pfkey_sa_args sa;

	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(spi);
	sa.replay = 4;
	sa.state = PFKEY_SASTATE_MATURE;
	sa.encrypt = ealg;
	sa.auth = aalg;
	ATF_REQUIRE_EQ(pfkey_put_sa(b, &sa), 0);
}

static inline void
td_keys(struct pfkey_buf *b, uint8_t fill)
{
	uint8_t ek[16], ak[20];

	memset(ek, fill, sizeof(ek));
	memset(ak, fill ^ 0x5a, sizeof(ak));
	ATF_REQUIRE_EQ(pfkey_put_key(b, PFKEY_EXT_KEY_ENCRYPT, ek, 128), 0);
	ATF_REQUIRE_EQ(pfkey_put_key(b, PFKEY_EXT_KEY_AUTH, ak, 160), 0);
}

static inline void
td_lifetime(struct pfkey_buf *b, int ext, uint64_t addtime)
{
	struct pfkey_lifetime_args lt;

	memset(&lt, 0, sizeof(lt));
	lt.addtime = addtime;
	ATF_REQUIRE_EQ(pfkey_put_lifetime(b, ext, &lt), 0);
}

/* A complete ESP ADD: aes-cbc-128 + hmac-sha1, key bytes from `fill'. */
static inline void
td_build_add(struct pfkey_xport *x, struct pfkey_buf *b, uint32_t spi,
    const char *src, const char *dst, uint8_t fill)
{
	td_begin(x, b, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP);
	td_sa(b, spi, T_EALG_AESCBC, T_AALG_SHA1);
	td_addrs(b, src, dst);
	td_keys(b, fill);
}

static inline int
td_add(struct pfkey_xport *x, struct tmsg *t, uint32_t spi, const char *src,
    const char *dst)
{
	struct pfkey_buf b;

	td_build_add(x, &b, spi, src, dst, 0x11);
	return (td_req(x, &b, t));
}

/* An SA-addressed request (GET, DELETE) for (src, dst, spi). */
static inline int
td_sareq(struct pfkey_xport *x, struct tmsg *t, uint8_t type, uint32_t spi,
    const char *src, const char *dst)
{
	struct pfkey_buf b;

	td_begin(x, &b, type, PFKEY_SATYPE_ESP);
	td_sa(&b, spi, 0, 0);
	td_addrs(&b, src, dst);
	return (td_req(x, &b, t));
}

/* A bare header request (FLUSH, DUMP, REGISTER, X_SPDFLUSH, ...). */
static inline int
td_bare(struct pfkey_xport *x, struct tmsg *t, uint8_t type, uint8_t satype)
{
	struct pfkey_buf b;

	td_begin(x, &b, type, satype);
	return (td_req(x, &b, t));
}

/* The SPI (host order) of a message's SA extension, or 0. */
static inline uint32_t
tm_spi(const struct tmsg *t)
{
	const struct sadb_sa *sa = PFKEY_EXT(&t->m, PFKEY_EXT_SA, sadb_sa);

	return (sa != NULL ? ntohl(sa->sadb_sa_spi) : 0);
}

static inline int
tm_state(const struct tmsg *t)
{
	const struct sadb_sa *sa = PFKEY_EXT(&t->m, PFKEY_EXT_SA, sadb_sa);

	return (sa != NULL ? sa->sadb_sa_state : -1);
}

static inline bool
tm_has(const struct tmsg *t, int ext)
{
	return (t->rc == 0 && t->m.ext[ext] != NULL);
}

/* A policy: src/dst prefixes (any upper protocol) and a policy string. */
static inline void
td_build_policy(struct pfkey_xport *x, struct pfkey_buf *b, uint8_t type,
    const char *src, uint8_t splen, const char *dst, uint8_t dplen,
    const char *policy)
{
	struct sockaddr_storage s = td_addr(src, 0), d = td_addr(dst, 0);
	struct pfkey_policy pol;
	struct pfkey_policy_err perr;

	td_begin(x, b, type, PFKEY_SATYPE_UNSPEC);
	ATF_REQUIRE_EQ(pfkey_put_address(b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, splen, 255), 0);
	ATF_REQUIRE_EQ(pfkey_put_address(b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, dplen, 255), 0);
	ATF_REQUIRE_EQ_MSG(pfkey_policy_parse(policy, strlen(policy),
	    td_dialect, &pol, &perr), 0, "policy %s: %s", policy, perr.msg);
	ATF_REQUIRE_EQ(pfkey_put_policy(b, &pol), 0);
}

/* The policy id of a message's X_POLICY, or 0. */
static inline uint32_t
tm_policy_id(const struct tmsg *t)
{
	struct pfkey_policy pol;

	if (t->rc != 0 || pfkey_get_policy(&t->m, &pol) != 0)
		return (0);
	return (pol.id);
}

/* Request a policy by id (X_SPDGET, X_SPDDELETE2). */
static inline int
td_spdid(struct pfkey_xport *x, struct tmsg *t, uint8_t type, uint32_t id,
    uint8_t dir)
{
	struct pfkey_policy pol;
	struct pfkey_buf b;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = dir;
	pol.id = id;
	td_begin(x, &b, type, PFKEY_SATYPE_UNSPEC);
	ATF_REQUIRE_EQ(pfkey_put_policy(&b, &pol), 0);
	return (td_req(x, &b, t));
}

/* Drain everything queued or arriving within `ms'; returns the count. */
static inline size_t
td_drain(struct pfkey_xport *x, struct tmsg *t, int ms)
{
	size_t n = 0;

	while (td_recv(x, t, ms))
		n++;
	return (n);
}

#endif /* SADBD_TEST_H */
