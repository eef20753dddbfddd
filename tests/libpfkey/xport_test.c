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
 * Transport tests.  The request/reply machinery (seq and pid matching,
 * queueing of strays, multi-part dumps, timeouts, a peer that goes away)
 * is driven through the sadbd transport against a scripted server on a
 * temporary AF_UNIX SOCK_SEQPACKET socket.  The kernel PF_KEY socket is
 * exercised where the kernel has it.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <atf-c.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"
#include "testutil.h"

ATF_TC_WITHOUT_HEAD(parse_spec);
ATF_TC_BODY(parse_spec, tc)
{
	enum pfkey_xport_kind k;
	char path[64];

	ATF_CHECK_EQ(pfkey_xport_parse("pfkey", &k, path, sizeof(path)), 0);
	ATF_CHECK_EQ(k, PFKEY_XPORT_KERNEL);
	ATF_CHECK_EQ(pfkey_xport_parse("xfrm", &k, path, sizeof(path)), 0);
	ATF_CHECK_EQ(k, PFKEY_XPORT_XFRM);
	ATF_CHECK_EQ(pfkey_xport_parse("sadbd", &k, path, sizeof(path)), 0);
	ATF_CHECK_EQ(k, PFKEY_XPORT_SADBD);
	ATF_CHECK_STREQ(path, "");
	ATF_CHECK_EQ(pfkey_xport_parse("sadbd:/tmp/s.sock", &k, path,
	    sizeof(path)), 0);
	ATF_CHECK_EQ(k, PFKEY_XPORT_SADBD);
	ATF_CHECK_STREQ(path, "/tmp/s.sock");
	ATF_CHECK_EQ(pfkey_xport_parse("auto", &k, path, sizeof(path)), 0);
	ATF_CHECK_EQ(k, PFKEY_XPORT_AUTO);
	ATF_CHECK_EQ(pfkey_xport_parse("bogus", &k, path, sizeof(path)),
	    PFKEY_ERR_NOENT);
	ATF_CHECK_EQ(pfkey_xport_parse("pfkey:/x", &k, path, sizeof(path)),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_xport_parse("sadbd:", &k, path, sizeof(path)),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_xport_parse("sadbd:/a/very/long/path", &k, path,
	    8), PFKEY_ERR_NOSPACE);
	ATF_CHECK_STREQ(pfkey_xport_kind_name(PFKEY_XPORT_KERNEL), "pfkey");
}

/* ------------------------------------------------------------------ */

enum script {
	S_STRAYS,	/* two strays, then the reply */
	S_DUMP,		/* three dump parts with seq 2, 1, 0 */
	S_SILENT,	/* read the request, never answer */
	S_HANGUP,	/* read the request, close */
	S_ERRNO		/* reply with sadb_msg_errno = ENOENT */
};

static char sockpath[108];

static void
send_hdr(int fd, uint8_t type, uint8_t err, uint32_t seq, uint32_t pid)
{
	union tu_msgbuf *mb = malloc(sizeof(*mb));
	struct pfkey_buf b;
	const void *msg;
	size_t len;

	pfkey_buf_init(&b, mb->b, 64, PFKEY_DIALECT_HOST, type, 0, seq, pid);
	pfkey_buf_set_errno(&b, err);
	pfkey_buf_finish(&b, &msg, &len);
	if (send(fd, msg, len, 0) != (ssize_t)len)
		_exit(3);
	free(mb);
}

/* A one-shot scripted server in a child process. */
static pid_t
server(enum script s)
{
	struct sockaddr_un sun;
	uint64_t req[8];
	uint32_t seq, pid;
	pid_t child;
	int lfd, fd;
	ssize_t n;
	char cwd[90];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	snprintf(sockpath, sizeof(sockpath), "%s/x.sock", cwd);
	unlink(sockpath);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ATF_REQUIRE(lfd >= 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	ATF_REQUIRE(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	ATF_REQUIRE(listen(lfd, 1) == 0);
	child = fork();
	ATF_REQUIRE(child >= 0);
	if (child > 0) {
		close(lfd);
		return (child);
	}
	if ((fd = accept(lfd, NULL, NULL)) < 0)
		_exit(1);
	if ((n = recv(fd, req, sizeof(req), 0)) < 16)
		_exit(2);
	memcpy(&seq, (uint8_t *)req + 8, 4);
	memcpy(&pid, (uint8_t *)req + 12, 4);
	switch (s) {
	case S_STRAYS:
		send_hdr(fd, PFKEY_MSG_ADD, 0, 0, 0);		/* broadcast */
		send_hdr(fd, PFKEY_MSG_FLUSH, 0, seq + 1, pid);	/* other */
		send_hdr(fd, PFKEY_MSG_FLUSH, 0, seq, pid + 1);	/* other pid */
		send_hdr(fd, PFKEY_MSG_FLUSH, 0, seq, pid);	/* reply */
		send_hdr(fd, PFKEY_MSG_FLUSH, 0, seq, pid);	/* 2nd copy */
		break;
	case S_DUMP:
		send_hdr(fd, PFKEY_MSG_X_SPDFLUSH, 0, 0, 0);
		send_hdr(fd, PFKEY_MSG_DUMP, 0, 2, pid);
		send_hdr(fd, PFKEY_MSG_EXPIRE, 0, 0, 0);
		send_hdr(fd, PFKEY_MSG_DUMP, 0, 1, pid);
		send_hdr(fd, PFKEY_MSG_DUMP, 0, 0, pid);
		break;
	case S_SILENT:
		sleep(5);
		break;
	case S_HANGUP:
		break;
	case S_ERRNO:
		send_hdr(fd, ((uint8_t *)req)[1], ENOENT, seq, pid);
		break;
	}
	/* wait for the client to go before closing (except HANGUP) */
	if (s != S_HANGUP)
		(void)recv(fd, req, sizeof(req), 0);
	_exit(0);
}

static void
reap(pid_t child)
{
	int status;

	kill(child, SIGTERM);
	waitpid(child, &status, 0);
	unlink(sockpath);
}

static struct pfkey_xport *
connect_sadbd(void)
{
	struct pfkey_xport_opts o = { 0, 0, 1500 };
	struct pfkey_xport *x;
	int err;

	x = pfkey_xport_open(PFKEY_XPORT_SADBD, sockpath, &o, &err);
	ATF_REQUIRE_MSG(x != NULL, "open: %s", pfkey_strerror(err));
	ATF_CHECK_EQ(pfkey_xport_kind(x), PFKEY_XPORT_SADBD);
	ATF_CHECK_EQ(pfkey_xport_dialect(x), pfkey_host_dialect());
	ATF_CHECK_EQ(pfkey_xport_pid(x), (uint32_t)getpid());
	return (x);
}

static size_t
request(struct pfkey_xport *x, uint8_t type, uint32_t *seqp,
    const struct sadb_msg **reply)
{
	union tu_msgbuf *mb = malloc(sizeof(*mb));
	struct pfkey_buf b;
	const void *msg, *r;
	size_t len, rlen;
	int rc;

	*seqp = pfkey_xport_seq(x);
	pfkey_buf_init(&b, mb->b, 64, pfkey_xport_dialect(x), type, 0, *seqp,
	    pfkey_xport_pid(x));
	pfkey_buf_finish(&b, &msg, &len);
	rc = pfkey_request(x, msg, len, &r, &rlen, 0);
	free(mb);
	if (rc != 0)
		return ((size_t)rc);
	*reply = r;
	return (rlen);
}

ATF_TC_WITHOUT_HEAD(reply_matching);
ATF_TC_BODY(reply_matching, tc)
{
	pid_t child = server(S_STRAYS);
	struct pfkey_xport *x = connect_sadbd();
	const struct sadb_msg *r;
	const void *m;
	size_t len;
	uint32_t seq;

	ATF_REQUIRE_EQ(request(x, PFKEY_MSG_FLUSH, &seq, &r), 16);
	ATF_CHECK_EQ(r->sadb_msg_type, PFKEY_MSG_FLUSH);
	ATF_CHECK_EQ(r->sadb_msg_seq, seq);
	ATF_CHECK_EQ(r->sadb_msg_pid, (uint32_t)getpid());
	/* the three messages before the reply wait, in order */
	ATF_CHECK_EQ(pfkey_xport_pending(x), 3);
	ATF_REQUIRE_EQ(pfkey_recv(x, &m, &len, 0), 0);
	ATF_CHECK_EQ(((const struct sadb_msg *)m)->sadb_msg_type,
	    PFKEY_MSG_ADD);
	ATF_REQUIRE_EQ(pfkey_recv(x, &m, &len, 0), 0);
	ATF_CHECK_EQ(((const struct sadb_msg *)m)->sadb_msg_seq, seq + 1);
	ATF_REQUIRE_EQ(pfkey_recv(x, &m, &len, 0), 0);
	ATF_CHECK_EQ(((const struct sadb_msg *)m)->sadb_msg_pid, (uint32_t)getpid() + 1);
	ATF_CHECK_EQ(pfkey_xport_pending(x), 0);
	/* then the duplicate the peer sent after the reply */
	ATF_REQUIRE_EQ(pfkey_recv(x, &m, &len, 1000), 0);
	ATF_CHECK_EQ(((const struct sadb_msg *)m)->sadb_msg_seq, seq);
	/* and nothing more */
	ATF_CHECK_EQ(pfkey_recv(x, &m, &len, 50), PFKEY_ERR_TIMEOUT);
	pfkey_xport_close(x);
	reap(child);
}

ATF_TC_WITHOUT_HEAD(dump_parts);
ATF_TC_BODY(dump_parts, tc)
{
	pid_t child = server(S_DUMP);
	struct pfkey_xport *x = connect_sadbd();
	const struct sadb_msg *r;
	const void *m;
	size_t len;
	uint32_t seq;
	int parts = 1;

	/* dump replies carry a countdown, not our seq */
	ATF_REQUIRE_EQ(request(x, PFKEY_MSG_DUMP, &seq, &r), 16);
	ATF_CHECK_EQ(r->sadb_msg_seq, 2);
	while (r->sadb_msg_seq != 0) {
		ATF_REQUIRE_EQ(pfkey_request_next(x, PFKEY_MSG_DUMP, &m, &len,
		    0), 0);
		r = m;
		parts++;
	}
	ATF_CHECK_EQ(parts, 3);
	ATF_CHECK_EQ(pfkey_xport_pending(x), 2);
	pfkey_xport_close(x);
	reap(child);
}

ATF_TC_WITHOUT_HEAD(timeout);
ATF_TC_BODY(timeout, tc)
{
	pid_t child = server(S_SILENT);
	struct pfkey_xport *x = connect_sadbd();
	const struct sadb_msg *r;
	struct timespec a, b;
	uint32_t seq;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ATF_CHECK_EQ((int)request(x, PFKEY_MSG_REGISTER, &seq, &r),
	    PFKEY_ERR_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	/* the 1500 ms default from the options, not forever */
	ATF_CHECK_MSG(ms >= 1400 && ms < 4000, "waited %ld ms", ms);
	pfkey_xport_close(x);
	reap(child);
}

ATF_TC_WITHOUT_HEAD(hangup);
ATF_TC_BODY(hangup, tc)
{
	pid_t child = server(S_HANGUP);
	struct pfkey_xport *x = connect_sadbd();
	const struct sadb_msg *r;
	uint32_t seq;

	ATF_CHECK_EQ((int)request(x, PFKEY_MSG_FLUSH, &seq, &r),
	    PFKEY_ERR_EOF);
	pfkey_xport_close(x);
	reap(child);
}

ATF_TC_WITHOUT_HEAD(error_reply);
ATF_TC_BODY(error_reply, tc)
{
	pid_t child = server(S_ERRNO);
	struct pfkey_xport *x = connect_sadbd();
	const struct sadb_msg *r;
	struct pfkey_msg m;
	uint32_t seq;
	size_t len;

	len = request(x, PFKEY_MSG_GET, &seq, &r);
	ATF_REQUIRE_EQ(len, 16);
	ATF_CHECK_EQ(r->sadb_msg_errno, ENOENT);
	/* an error reply needs none of GET's extensions */
	ATF_CHECK_EQ(pfkey_decode(r, len, pfkey_host_dialect(),
	    PFKEY_DEC_FROM_KERNEL, &m), 0);
	pfkey_xport_close(x);
	reap(child);
}

ATF_TC_WITHOUT_HEAD(backend_env);
ATF_TC_BODY(backend_env, tc)
{
	pid_t child = server(S_ERRNO);
	struct pfkey_xport *x;
	char spec[160];
	int err;

	snprintf(spec, sizeof(spec), "sadbd:%s", sockpath);
	setenv("PFKEYKIT_BACKEND", spec, 1);
	x = pfkey_xport_open(PFKEY_XPORT_AUTO, NULL, NULL, &err);
	ATF_REQUIRE_MSG(x != NULL, "%s", pfkey_strerror(err));
	ATF_CHECK_EQ(pfkey_xport_kind(x), PFKEY_XPORT_SADBD);
	pfkey_xport_close(x);
	reap(child);

	setenv("PFKEYKIT_BACKEND", "nonsense", 1);
	x = pfkey_xport_open(PFKEY_XPORT_AUTO, NULL, NULL, &err);
	ATF_CHECK(x == NULL);
	ATF_CHECK_EQ(err, PFKEY_ERR_NOENT);
	unsetenv("PFKEYKIT_BACKEND");

	/* SADBD_SOCKET names the default socket of the sadbd transport */
	setenv("SADBD_SOCKET", "/nonexistent/sadbd.sock", 1);
	x = pfkey_xport_open(PFKEY_XPORT_SADBD, NULL, NULL, &err);
	ATF_CHECK(x == NULL);
	ATF_CHECK_EQ(err, PFKEY_ERR_SYSTEM);
	ATF_CHECK_EQ(errno, ENOENT);
	unsetenv("SADBD_SOCKET");
}

/*
 * The kernel's PF_KEY socket: where the kernel lacks it (this build host
 * has no af_key), open must fail with NOTSUP and nothing else; where it
 * has it and we are root, REGISTER must get a valid reply.
 */
ATF_TC_WITHOUT_HEAD(kernel_socket);
ATF_TC_BODY(kernel_socket, tc)
{
	union tu_msgbuf *mb = malloc(sizeof(*mb));
	struct pfkey_xport *x;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg, *r;
	size_t len, rlen;
	int err;

	x = pfkey_xport_open(PFKEY_XPORT_KERNEL, NULL, NULL, &err);
	if (x == NULL) {
		if (err == PFKEY_ERR_SYSTEM && (errno == EPERM ||
		    errno == EACCES))
			atf_tc_skip("PF_KEY needs root here");
		ATF_CHECK_EQ_MSG(err, PFKEY_ERR_NOTSUP, "%s",
		    pfkey_strerror(err));
		free(mb);
		return;
	}
	pfkey_buf_init(&b, mb->b, 64, pfkey_xport_dialect(x),
	    PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP, pfkey_xport_seq(x),
	    pfkey_xport_pid(x));
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	ATF_REQUIRE_EQ(pfkey_request(x, msg, len, &r, &rlen, 0), 0);
	ATF_REQUIRE_EQ(pfkey_decode(r, rlen, pfkey_xport_dialect(x),
	    PFKEY_DEC_FROM_KERNEL, &m), 0);
	ATF_CHECK_EQ(m.hdr->sadb_msg_errno, 0);
	ATF_CHECK(m.ext[PFKEY_EXT_SUPPORTED_ENCRYPT] != NULL);
	pfkey_xport_close(x);
	free(mb);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, parse_spec);
	ATF_TP_ADD_TC(tp, reply_matching);
	ATF_TP_ADD_TC(tp, dump_parts);
	ATF_TP_ADD_TC(tp, timeout);
	ATF_TP_ADD_TC(tp, hangup);
	ATF_TP_ADD_TC(tp, error_reply);
	ATF_TP_ADD_TC(tp, backend_env);
	ATF_TP_ADD_TC(tp, kernel_socket);
	return (atf_no_error());
}
