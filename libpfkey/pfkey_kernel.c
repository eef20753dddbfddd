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
 * The kernel's PF_KEY socket: socket(PF_KEY, SOCK_RAW, PF_KEY_V2).
 * FreeBSD has it in base; Linux has it only with the af_key module
 * (deprecated).  Where it is missing, open fails with PFKEY_ERR_NOTSUP so
 * that the automatic choice can move on.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfkey_priv.h"

#ifndef PF_KEY
#define PF_KEY	15
#endif

#define KERNEL_RCVBUF	(2 * 1024 * 1024)
#define KERNEL_SNDBUF	(128 * 1024)

struct kstate {
	int	fd;
};

/*
 * Ask for a socket buffer of `want' bytes, halving until the kernel takes
 * it; as root on Linux the *FORCE variant passes the rmem_max limit, which
 * a dump of many SAs needs.
 */
static void
set_bufsize(int fd, int opt, int forceopt, size_t want)
{
	int v;

	(void)forceopt;
#if defined(__linux__)
	v = (int)want;
	if (forceopt != 0 &&
	    setsockopt(fd, SOL_SOCKET, forceopt, &v, sizeof(v)) == 0)
		return;
#endif
	for (v = (int)want; v >= 8192; v /= 2)
		if (setsockopt(fd, SOL_SOCKET, opt, &v, sizeof(v)) == 0)
			return;
}

void
pfkey_sock_bufsizes(int fd, const struct pfkey_xport_opts *opts)
{
	size_t rcv = opts != NULL && opts->rcvbuf > 0 ? opts->rcvbuf :
	    KERNEL_RCVBUF;
	size_t snd = opts != NULL && opts->sndbuf > 0 ? opts->sndbuf :
	    KERNEL_SNDBUF;

#if defined(__linux__)
	set_bufsize(fd, SO_RCVBUF, SO_RCVBUFFORCE, rcv);
	set_bufsize(fd, SO_SNDBUF, SO_SNDBUFFORCE, snd);
#else
	set_bufsize(fd, SO_RCVBUF, 0, rcv);
	set_bufsize(fd, SO_SNDBUF, 0, snd);
#endif
}

static int
kernel_open(const char *path, const struct pfkey_xport_opts *opts,
    void **state, int *fdp, uint32_t *pid, enum pfkey_dialect *dialect)
{
	struct kstate *ks;
	int fd;

	(void)path;
	fd = socket(PF_KEY, SOCK_RAW, PFKEY_V2);
	if (fd == -1) {
		switch (errno) {
		case EAFNOSUPPORT:
		case EPROTONOSUPPORT:
		case ESOCKTNOSUPPORT:
		case EPFNOSUPPORT:
			return (PFKEY_ERR_NOTSUP);
		default:
			return (PFKEY_ERR_SYSTEM);
		}
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	pfkey_sock_bufsizes(fd, opts);
	if ((ks = calloc(1, sizeof(*ks))) == NULL) {
		close(fd);
		return (PFKEY_ERR_NOMEM);
	}
	ks->fd = fd;
	*state = ks;
	*fdp = fd;
	*pid = (uint32_t)getpid();
	*dialect = pfkey_host_dialect();
	return (0);
}

static void
kernel_close(void *state)
{
	struct kstate *ks = state;

	if (ks == NULL)
		return;
	close(ks->fd);
	free(ks);
}

int
pfkey_sock_send(int fd, const void *msg, size_t len)
{
	ssize_t n;

	do {
		n = send(fd, msg, len, 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (PFKEY_ERR_SYSTEM);
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return (PFKEY_ERR_SYSTEM);
	}
	return (0);
}

/*
 * One datagram/record: a PF_KEY message.  A message larger than `cap' is
 * reported as truncated and dropped rather than handed out in pieces.
 */
int
pfkey_sock_recv(int fd, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	int rc;

	if ((rc = pfkey_wait_readable(fd, timeout_ms)) != 0)
		return (rc);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = cap;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	do {
		n = recvmsg(fd, &mh, 0);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (errno == EAGAIN ? PFKEY_ERR_TIMEOUT : PFKEY_ERR_SYSTEM);
	if (n == 0)
		return (PFKEY_ERR_EOF);
	if (mh.msg_flags & MSG_TRUNC)
		return (PFKEY_ERR_TRUNCATED);
	*len = (size_t)n;
	return (0);
}

static int
kernel_send(void *state, const void *msg, size_t len)
{
	return (pfkey_sock_send(((struct kstate *)state)->fd, msg, len));
}

static int
kernel_recv(void *state, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	return (pfkey_sock_recv(((struct kstate *)state)->fd, buf, cap, len,
	    timeout_ms));
}

const struct pfkey_xport_ops pfkey_kernel_ops = {
	.name = "pfkey",
	.kind = PFKEY_XPORT_KERNEL,
	.open = kernel_open,
	.close = kernel_close,
	.send = kernel_send,
	.recv = kernel_recv,
};
