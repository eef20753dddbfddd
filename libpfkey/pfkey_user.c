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
 * The userspace SADB (sadbd) transport: an AF_UNIX SOCK_SEQPACKET
 * connection that carries one PF_KEY message per record, exactly as a
 * kernel PF_KEY socket carries one per datagram.  The daemon checks our
 * credentials itself (SO_PEERCRED / getpeereid).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfkey_priv.h"

struct ustate {
	int	fd;
};

static int
user_open(const char *path, const struct pfkey_xport_opts *opts,
    void **state, int *fdp, uint32_t *pid, enum pfkey_dialect *dialect)
{
	struct sockaddr_un sun;
	struct ustate *us;
	const char *env;
	int fd, saved;

	if (path == NULL || *path == '\0') {
		env = getenv("SADBD_SOCKET");
		path = env != NULL && *env != '\0' ? env : PFKEY_SADBD_SOCKET;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (PFKEY_ERR_SYSTEM);
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
		return (PFKEY_ERR_SYSTEM);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return (PFKEY_ERR_SYSTEM);
	}
	pfkey_sock_bufsizes(fd, opts);
	if ((us = calloc(1, sizeof(*us))) == NULL) {
		close(fd);
		return (PFKEY_ERR_NOMEM);
	}
	us->fd = fd;
	*state = us;
	*fdp = fd;
	*pid = (uint32_t)getpid();
	*dialect = pfkey_host_dialect();
	return (0);
}

static void
user_close(void *state)
{
	struct ustate *us = state;

	if (us == NULL)
		return;
	close(us->fd);
	free(us);
}

static int
user_send(void *state, const void *msg, size_t len)
{
	int rc = pfkey_sock_send(((struct ustate *)state)->fd, msg, len);

	if (rc == PFKEY_ERR_SYSTEM && (errno == EPIPE || errno == ECONNRESET))
		return (PFKEY_ERR_EOF);
	return (rc);
}

static int
user_recv(void *state, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	return (pfkey_sock_recv(((struct ustate *)state)->fd, buf, cap, len,
	    timeout_ms));
}

const struct pfkey_xport_ops pfkey_user_ops = {
	.name = "sadbd",
	.kind = PFKEY_XPORT_SADBD,
	.open = user_open,
	.close = user_close,
	.send = user_send,
	.recv = user_recv,
};
