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
 * The transport API: one interface over the kernel PF_KEY socket, the
 * XFRM netlink emulation and the userspace SADB.  Transports only move
 * whole messages; this file matches replies to requests by type, seq and
 * pid, queues everything else (broadcasts, strays, a second FLUSH) for
 * pfkey_recv(), and enforces timeouts.  PF_KEY is an unreliable service:
 * a lost reply is a timeout, never a hang.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "pfkey_priv.h"

#define XPORT_TIMEOUT_MS	5000
/* Bound on messages held for pfkey_recv(); past it, strays are dropped. */
#define XPORT_QUEUE_MAX		65536
/* Longest kernel explanation kept (netlink extended ACK messages). */
#define XPORT_ERRMSG_MAX	256

struct qmsg {
	TAILQ_ENTRY(qmsg)	 entry;
	size_t			 len;
	char			*errmsg;	/* the kernel's words */
	uint64_t		 data[];	/* 8-byte aligned message */
};

struct pfkey_xport {
	const struct pfkey_xport_ops	*ops;
	void				*state;
	int				 fd;
	uint32_t			 pid;
	uint32_t			 seq;
	enum pfkey_dialect		 dialect;
	int				 timeout_ms;
	uint64_t			*rbuf;		/* PFKEY_MSG_MAXLEN */
	size_t				 rbuf_used;	/* the most it held */
	TAILQ_HEAD(, qmsg)		 queue;
	size_t				 nqueued;
	struct qmsg			*held;		/* handed out last */
	uint64_t			 dropped;
	char				 errmsg[XPORT_ERRMSG_MAX];
};

static const struct pfkey_xport_ops *
ops_for(enum pfkey_xport_kind kind)
{
	switch (kind) {
	case PFKEY_XPORT_KERNEL:
		return (&pfkey_kernel_ops);
	case PFKEY_XPORT_SADBD:
		return (&pfkey_user_ops);
	case PFKEY_XPORT_XFRM:
		return (&pfkey_xfrm_ops);
	default:
		return (NULL);
	}
}

static const struct {
	const char		*name;
	enum pfkey_xport_kind	 kind;
} kinds[] = {
	{ "auto", PFKEY_XPORT_AUTO },
	{ "pfkey", PFKEY_XPORT_KERNEL },
	{ "kernel", PFKEY_XPORT_KERNEL },
	{ "xfrm", PFKEY_XPORT_XFRM },
	{ "sadbd", PFKEY_XPORT_SADBD },
};

int
pfkey_xport_parse(const char *spec, enum pfkey_xport_kind *kind, char *path,
    size_t pathsz)
{
	const char *colon;
	size_t n, i;

	if (spec == NULL || kind == NULL)
		return (PFKEY_ERR_INVAL);
	if (path != NULL && pathsz > 0)
		path[0] = '\0';
	colon = strchr(spec, ':');
	n = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (strlen(kinds[i].name) == n &&
		    strncasecmp(kinds[i].name, spec, n) == 0)
			break;
	}
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return (PFKEY_ERR_NOENT);
	/* Only sadbd takes a path. */
	if (colon != NULL) {
		if (kinds[i].kind != PFKEY_XPORT_SADBD || colon[1] == '\0')
			return (PFKEY_ERR_INVAL);
		if (path == NULL || strlcpy(path, colon + 1, pathsz) >= pathsz)
			return (PFKEY_ERR_NOSPACE);
	}
	*kind = kinds[i].kind;
	return (0);
}

const char *
pfkey_xport_kind_name(enum pfkey_xport_kind kind)
{
	switch (kind) {
	case PFKEY_XPORT_AUTO:
		return ("auto");
	case PFKEY_XPORT_KERNEL:
		return ("pfkey");
	case PFKEY_XPORT_XFRM:
		return ("xfrm");
	case PFKEY_XPORT_SADBD:
		return ("sadbd");
	}
	return ("?");
}

static struct pfkey_xport *
xport_open1(enum pfkey_xport_kind kind, const char *path,
    const struct pfkey_xport_opts *opts, int *errp)
{
	const struct pfkey_xport_ops *ops;
	struct pfkey_xport *x;
	int rc, saved;

	if ((ops = ops_for(kind)) == NULL) {
		*errp = PFKEY_ERR_NOTSUP;
		return (NULL);
	}
	if ((x = calloc(1, sizeof(*x))) == NULL) {
		*errp = PFKEY_ERR_NOMEM;
		return (NULL);
	}
	TAILQ_INIT(&x->queue);
	x->ops = ops;
	x->fd = -1;
	x->seq = 0;
	x->timeout_ms = opts != NULL && opts->timeout_ms > 0 ?
	    opts->timeout_ms : XPORT_TIMEOUT_MS;
	if ((x->rbuf = malloc(PFKEY_MSG_MAXLEN)) == NULL) {
		free(x);
		*errp = PFKEY_ERR_NOMEM;
		return (NULL);
	}
	rc = ops->open(path, opts, &x->state, &x->fd, &x->pid, &x->dialect);
	if (rc != 0) {
		saved = errno;
		free(x->rbuf);
		free(x);
		*errp = rc;
		errno = saved;
		return (NULL);
	}
	return (x);
}

struct pfkey_xport *
pfkey_xport_open(enum pfkey_xport_kind kind, const char *path,
    const struct pfkey_xport_opts *opts, int *errp)
{
	struct pfkey_xport *x;
	char envpath[256];
	const char *env;
	int dummy, rc;

	if (errp == NULL)
		errp = &dummy;
	*errp = 0;
	if (kind == PFKEY_XPORT_AUTO &&
	    (env = getenv("PFKEYKIT_BACKEND")) != NULL && *env != '\0') {
		rc = pfkey_xport_parse(env, &kind, envpath, sizeof(envpath));
		if (rc != 0) {
			*errp = rc;
			return (NULL);
		}
		if (envpath[0] != '\0')
			path = envpath;
	}
	if (kind != PFKEY_XPORT_AUTO)
		return (xport_open1(kind, path, opts, errp));

	/* The kernel's PF_KEY where it works, else XFRM on Linux. */
	if ((x = xport_open1(PFKEY_XPORT_KERNEL, NULL, opts, errp)) != NULL)
		return (x);
	if (*errp != PFKEY_ERR_NOTSUP)
		return (NULL);
#if defined(__linux__)
	if ((x = xport_open1(PFKEY_XPORT_XFRM, NULL, opts, errp)) != NULL)
		return (x);
#endif
	*errp = PFKEY_ERR_NOTSUP;
	return (NULL);
}

static void
qmsg_free(struct qmsg *q)
{
	explicit_bzero(q->data, q->len);
	free(q->errmsg);
	free(q);
}

static void
queue_clear(struct pfkey_xport *x)
{
	struct qmsg *q;

	while ((q = TAILQ_FIRST(&x->queue)) != NULL) {
		TAILQ_REMOVE(&x->queue, q, entry);
		qmsg_free(q);
	}
	x->nqueued = 0;
	if (x->held != NULL) {
		qmsg_free(x->held);
		x->held = NULL;
	}
}

/* The kernel's words about the message the transport handed out last. */
static const char *
ops_errmsg(const struct pfkey_xport *x)
{
	return (x->ops->errmsg != NULL ? x->ops->errmsg(x->state) : NULL);
}

static void
set_errmsg(struct pfkey_xport *x, const char *msg)
{
	if (msg == NULL)
		x->errmsg[0] = '\0';
	else
		(void)strlcpy(x->errmsg, msg, sizeof(x->errmsg));
}

void
pfkey_xport_close(struct pfkey_xport *x)
{
	if (x == NULL)
		return;
	queue_clear(x);
	x->ops->close(x->state);
	/* The receive buffer has held keys, in rbuf_used bytes at most. */
	explicit_bzero(x->rbuf, x->rbuf_used);
	free(x->rbuf);
	free(x);
}

enum pfkey_xport_kind
pfkey_xport_kind(const struct pfkey_xport *x)
{
	return (x->ops->kind);
}

enum pfkey_dialect
pfkey_xport_dialect(const struct pfkey_xport *x)
{
	return (x->dialect);
}

int
pfkey_xport_fd(const struct pfkey_xport *x)
{
	return (x->fd);
}

uint32_t
pfkey_xport_pid(const struct pfkey_xport *x)
{
	return (x->pid);
}

uint32_t
pfkey_xport_seq(struct pfkey_xport *x)
{
	/* 0 is what a finished dump carries; never use it for a request. */
	if (++x->seq == 0)
		x->seq = 1;
	return (x->seq);
}

size_t
pfkey_xport_pending(const struct pfkey_xport *x)
{
	return (x->nqueued + (x->ops->pending != NULL ?
	    x->ops->pending(x->state) : 0));
}

const char *
pfkey_xport_errmsg(const struct pfkey_xport *x)
{
	return (x == NULL || x->errmsg[0] == '\0' ? NULL : x->errmsg);
}

int
pfkey_send(struct pfkey_xport *x, const void *msg, size_t len)
{
	const uint8_t *p = msg;
	uint16_t l;

	if (x == NULL || msg == NULL || len < PFKEY_HDRLEN ||
	    len > PFKEY_MSG_MAXLEN || len % PFKEY_UNIT != 0)
		return (PFKEY_ERR_INVAL);
	memcpy(&l, p + 4, sizeof(l));
	if ((size_t)l * PFKEY_UNIT != len)
		return (PFKEY_ERR_LENGTH);
	return (x->ops->send(x->state, msg, len));
}

int
pfkey_send_buf(struct pfkey_xport *x, struct pfkey_buf *b)
{
	const void *msg;
	size_t len;
	int rc;

	if ((rc = pfkey_buf_finish(b, &msg, &len)) != 0)
		return (rc);
	return (pfkey_send(x, msg, len));
}

static void
release_held(struct pfkey_xport *x)
{
	if (x->held != NULL) {
		qmsg_free(x->held);
		x->held = NULL;
	}
}

static void
enqueue(struct pfkey_xport *x, size_t len)
{
	struct qmsg *q;
	const char *em;

	if (x->nqueued >= XPORT_QUEUE_MAX ||
	    (q = malloc(sizeof(*q) + len)) == NULL) {
		x->dropped++;
		return;
	}
	q->len = len;
	q->errmsg = (em = ops_errmsg(x)) != NULL ? strdup(em) : NULL;
	memcpy(q->data, x->rbuf, len);
	TAILQ_INSERT_TAIL(&x->queue, q, entry);
	x->nqueued++;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Time left until `deadline' (< 0: forever), for the ops' recv. */
static int
left_ms(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return (-1);
	left = deadline - now_ms();
	return (left < 0 ? 0 : (int)(left > 0x7fffffff ? 0x7fffffff : left));
}

/*
 * How much of rbuf a receive may have written, for the wipe at close
 * (wiping all of it costs more than a whole dump of a few entries): the
 * message's length, or everything when the receive failed (a truncated
 * datagram fills the buffer).
 */
static void
rbuf_mark(struct pfkey_xport *x, int rc, size_t len)
{
	if (rc != 0 || len > PFKEY_MSG_MAXLEN)
		len = PFKEY_MSG_MAXLEN;
	if (len > x->rbuf_used)
		x->rbuf_used = len;
}

int
pfkey_recv(struct pfkey_xport *x, const void **msg, size_t *len,
    int timeout_ms)
{
	struct qmsg *q;
	int rc;

	if (x == NULL || msg == NULL || len == NULL)
		return (PFKEY_ERR_INVAL);
	release_held(x);
	if ((q = TAILQ_FIRST(&x->queue)) != NULL) {
		TAILQ_REMOVE(&x->queue, q, entry);
		x->nqueued--;
		x->held = q;
		set_errmsg(x, q->errmsg);
		*msg = q->data;
		*len = q->len;
		return (0);
	}
	set_errmsg(x, NULL);
	rc = x->ops->recv(x->state, x->rbuf, PFKEY_MSG_MAXLEN, len,
	    timeout_ms);
	rbuf_mark(x, rc, rc == 0 ? *len : 0);
	if (rc != 0)
		return (rc);
	set_errmsg(x, ops_errmsg(x));
	*msg = x->rbuf;
	return (0);
}

/* Whether the message in rbuf answers (type, seq) for our pid. */
static bool
is_reply(const struct pfkey_xport *x, size_t len, uint8_t type, uint32_t seq,
    bool anyseq)
{
	const uint8_t *p = (const uint8_t *)x->rbuf;
	uint32_t mseq, mpid;

	if (len < PFKEY_HDRLEN || p[0] != PFKEY_V2 || p[1] != type)
		return (false);
	memcpy(&mseq, p + 8, 4);
	memcpy(&mpid, p + 12, 4);
	if (mpid != x->pid)
		return (false);
	return (anyseq || mseq == seq);
}

static int
wait_reply(struct pfkey_xport *x, uint8_t type, uint32_t seq, bool anyseq,
    const void **reply, size_t *replylen, int timeout_ms)
{
	int64_t deadline;
	size_t len;
	int rc;

	if (timeout_ms == 0)
		timeout_ms = x->timeout_ms;
	deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
	set_errmsg(x, NULL);
	for (;;) {
		rc = x->ops->recv(x->state, x->rbuf, PFKEY_MSG_MAXLEN, &len,
		    left_ms(deadline));
		rbuf_mark(x, rc, rc == 0 ? len : 0);
		if (rc == PFKEY_ERR_TRUNCATED)
			continue;	/* cannot be ours: ours fit */
		if (rc != 0)
			return (rc);
		if (is_reply(x, len, type, seq, anyseq)) {
			set_errmsg(x, ops_errmsg(x));
			*reply = x->rbuf;
			*replylen = len;
			return (0);
		}
		enqueue(x, len);
	}
}

int
pfkey_request(struct pfkey_xport *x, const void *msg, size_t len,
    const void **reply, size_t *replylen, int timeout_ms)
{
	const uint8_t *p = msg;
	uint32_t seq;
	int rc;

	if (x == NULL || msg == NULL || reply == NULL || replylen == NULL)
		return (PFKEY_ERR_INVAL);
	release_held(x);
	if ((rc = pfkey_send(x, msg, len)) != 0)
		return (rc);
	memcpy(&seq, p + 8, 4);
	/* Dump replies count seq down to 0: only type and pid identify them. */
	return (wait_reply(x, p[1], seq, p[1] == PFKEY_MSG_DUMP ||
	    p[1] == PFKEY_MSG_X_SPDDUMP, reply, replylen, timeout_ms));
}

int
pfkey_request_next(struct pfkey_xport *x, uint8_t type, const void **reply,
    size_t *replylen, int timeout_ms)
{
	if (x == NULL || reply == NULL || replylen == NULL)
		return (PFKEY_ERR_INVAL);
	release_held(x);
	return (wait_reply(x, type, 0, true, reply, replylen, timeout_ms));
}

int
pfkey_wait_readable(int fd, int timeout_ms)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		n = poll(&pfd, 1, timeout_ms);
		if (n > 0)
			return (0);
		if (n == 0)
			return (PFKEY_ERR_TIMEOUT);
		if (errno != EINTR)
			return (PFKEY_ERR_SYSTEM);
	}
}
