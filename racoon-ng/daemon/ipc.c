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
 * ipc: framing, the send queue, and the bounded payload builder and
 * reader (see ipc.h).  Nothing here logs: callers say what went wrong.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "ipc.h"

/* Room for a few descriptors, so that a forged record with several is
 * seen (and its descriptors closed) rather than silently cut. */
#define IPC_MAXFDS	4

static const char *const ipc_errs[] = {
	"no error",
	"record shorter than the header",
	"header length differs from the record",
	"record too long",
	"unknown flags or reserved field set",
	"descriptor and flag disagree",
	"record truncated by the kernel",
	"malformed payload",
	"channel closed by the peer",
	"system error",
	"out of memory",
};

const char *
ipc_strerror(int code)
{
	if (code > 0 || code <= IPC_EMAX)
		return ("unknown ipc error");
	return (ipc_errs[-code]);
}

int
ipc_frame_check(const void *buf, size_t len, int nfds, int rflags,
    struct ipc_hdr *hdr)
{
	memset(hdr, 0, sizeof(*hdr));
	if (rflags & (MSG_TRUNC | MSG_CTRUNC))
		return (IPC_ETRUNC);
	if (len < IPC_HDRLEN)
		return (IPC_ESHORT);
	memcpy(hdr, buf, sizeof(*hdr));
	if (hdr->len > IPC_MAXLEN)
		return (IPC_ETOOBIG);
	if (hdr->len != len)
		return (IPC_ELENGTH);
	if ((hdr->flags & ~IPC_F_MASK) != 0 || hdr->reserved != 0)
		return (IPC_EFLAGS);
	if ((hdr->flags & IPC_F_FD) ? nfds != 1 : nfds != 0)
		return (IPC_EFD);
	return (IPC_OK);
}

/* ---------------------------------------------------------- channels */

int
ipc_chan_init(struct ipc_chan *c, int fd, const char *name)
{
	int fl;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	TAILQ_INIT(&c->outq);
	c->name = name;
	c->maxq = 16 * 1024 * 1024;
	if ((c->rbuf = malloc(IPC_MAXLEN)) == NULL)
		return (IPC_ENOMEM);
	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1 ||
	    fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		free(c->rbuf);
		c->rbuf = NULL;
		return (IPC_ESYS);
	}
	c->fd = fd;
	return (IPC_OK);
}

static void
out_free(struct ipc_out *o)
{
	if (o->fd != -1)
		close(o->fd);
	freezero(o, sizeof(*o) + o->len);
}

void
ipc_chan_close(struct ipc_chan *c)
{
	struct ipc_out *o;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		TAILQ_REMOVE(&c->outq, o, entry);
		out_free(o);
	}
	c->queued = 0;
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	if (c->rbuf != NULL)
		freezero(c->rbuf, IPC_MAXLEN);
	c->rbuf = NULL;
}

bool
ipc_chan_pending(const struct ipc_chan *c)
{
	return (!TAILQ_EMPTY(&c->outq));
}

int
ipc_compose(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	struct ipc_hdr hdr;
	struct ipc_out *o;

	if (c->fd == -1)
		return (IPC_EOF);
	if (len > IPC_MAXPAYLOAD)
		return (IPC_ETOOBIG);
	if (c->queued + IPC_HDRLEN + len > c->maxq)
		return (IPC_ENOMEM);
	if ((o = malloc(sizeof(*o) + IPC_HDRLEN + len)) == NULL)
		return (IPC_ENOMEM);
	o->len = IPC_HDRLEN + len;
	o->fd = -1;
	if (fd != -1 && (o->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		free(o);
		return (IPC_ESYS);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = (uint32_t)o->len;
	hdr.peerid = peerid;
	hdr.flags = fd != -1 ? IPC_F_FD : 0;
	memcpy(o->data, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(o->data + IPC_HDRLEN, data, len);
	TAILQ_INSERT_TAIL(&c->outq, o, entry);
	c->queued += o->len;
	return (IPC_OK);
}

static int
send_one(int sock, struct ipc_out *o)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = o->data;
	iov.iov_len = o->len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (o->fd != -1) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = sizeof(cm.buf);
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(int));
		cm.hdr.cmsg_level = SOL_SOCKET;
		cm.hdr.cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(&cm.hdr), &o->fd, sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		return (-1);
	/* A SOCK_SEQPACKET record goes whole or not at all. */
	if ((size_t)n != o->len) {
		errno = EMSGSIZE;
		return (-1);
	}
	return (0);
}

int
ipc_flush(struct ipc_chan *c)
{
	struct ipc_out *o;

	while ((o = TAILQ_FIRST(&c->outq)) != NULL) {
		if (send_one(c->fd, o) == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOBUFS)
				return (IPC_OK);
			if (errno == EPIPE || errno == ECONNRESET)
				return (IPC_EOF);
			return (IPC_ESYS);
		}
		TAILQ_REMOVE(&c->outq, o, entry);
		c->queued -= o->len;
		out_free(o);
	}
	return (IPC_OK);
}

int
ipc_send_wait(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
    const void *data, size_t len)
{
	int rc;

	if ((rc = ipc_compose(c, type, peerid, fd, data, len)) != IPC_OK)
		return (rc);
	return (ipc_flush_wait(c));
}

int
ipc_flush_wait(struct ipc_chan *c)
{
	struct pollfd pfd;
	int rc;

	for (;;) {
		if ((rc = ipc_flush(c)) != IPC_OK)
			return (rc);
		if (!ipc_chan_pending(c))
			return (IPC_OK);
		pfd.fd = c->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (IPC_ESYS);
	}
}

static void
close_fds(const int *fds, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

int
ipc_read(struct ipc_chan *c, struct ipc_msg *msg)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * IPC_MAXFDS)];
	} cm;
	struct cmsghdr *ch;
	struct msghdr mh;
	struct iovec iov;
	int fds[IPC_MAXFDS * 2], nfds = 0, rc, k, nin;
	ssize_t n;

	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	if (c->fd == -1)
		return (IPC_EOF);
	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = c->rbuf;
	iov.iov_len = IPC_MAXLEN;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	do {
#ifdef MSG_CMSG_CLOEXEC
		n = recvmsg(c->fd, &mh, MSG_CMSG_CLOEXEC);
#else
		n = recvmsg(c->fd, &mh, 0);
#endif
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (0);
		if (errno == ECONNRESET)
			return (IPC_EOF);
		return (IPC_ESYS);
	}
	/* Every descriptor that came is ours to keep or close. */
	for (ch = CMSG_FIRSTHDR(&mh); ch != NULL; ch = CMSG_NXTHDR(&mh, ch)) {
		if (ch->cmsg_level != SOL_SOCKET ||
		    ch->cmsg_type != SCM_RIGHTS ||
		    ch->cmsg_len < CMSG_LEN(0))
			continue;
		nin = (int)((ch->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (k = 0; k < nin && nfds < (int)nitems(fds); k++)
			memcpy(&fds[nfds++], CMSG_DATA(ch) + k * sizeof(int),
			    sizeof(int));
	}
	if (n == 0 && nfds == 0)
		return (IPC_EOF);
	rc = ipc_frame_check(c->rbuf, (size_t)n, nfds, mh.msg_flags,
	    &msg->hdr);
	if (rc != IPC_OK) {
		close_fds(fds, nfds);
		memset(msg, 0, sizeof(*msg));
		msg->fd = -1;
		return (rc);
	}
	msg->data = c->rbuf + IPC_HDRLEN;
	msg->len = (size_t)n - IPC_HDRLEN;
	msg->fd = nfds == 1 ? fds[0] : -1;
#ifndef MSG_CMSG_CLOEXEC
	if (msg->fd != -1)
		(void)fcntl(msg->fd, F_SETFD, FD_CLOEXEC);
#endif
	return (1);
}

int
ipc_read_wait(struct ipc_chan *c, struct ipc_msg *msg, int timeout_ms)
{
	struct pollfd pfd;
	int rc;

	for (;;) {
		if ((rc = ipc_read(c, msg)) != 0)
			return (rc);
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, timeout_ms);
		if (rc == -1 && errno != EINTR)
			return (IPC_ESYS);
		if (rc == 0)
			return (0);
	}
}

/* ------------------------------------------------------------ builder */

int
ipc_wr_init(struct ipc_wr *w)
{
	w->len = 0;
	w->error = 0;
	if ((w->buf = malloc(IPC_MAXPAYLOAD)) == NULL) {
		w->error = IPC_ENOMEM;
		return (IPC_ENOMEM);
	}
	return (IPC_OK);
}

void
ipc_wr_reset(struct ipc_wr *w)
{
	if (w->buf != NULL)
		explicit_bzero(w->buf, w->len);
	w->len = 0;
	w->error = w->buf == NULL ? IPC_ENOMEM : 0;
}

void
ipc_wr_free(struct ipc_wr *w)
{
	if (w->buf != NULL)
		freezero(w->buf, IPC_MAXPAYLOAD);
	w->buf = NULL;
	w->len = 0;
}

int
ipc_wr_error(const struct ipc_wr *w)
{
	return (w->error);
}

void
ipc_put_bytes(struct ipc_wr *w, const void *p, size_t n)
{
	if (w->error != 0)
		return;
	if (w->buf == NULL) {
		w->error = IPC_ENOMEM;
		return;
	}
	if (n > IPC_MAXPAYLOAD - w->len) {
		w->error = IPC_ETOOBIG;
		return;
	}
	if (n > 0)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

void
ipc_put_u8(struct ipc_wr *w, uint8_t v)
{
	ipc_put_bytes(w, &v, sizeof(v));
}

void
ipc_put_u16(struct ipc_wr *w, uint16_t v)
{
	ipc_put_bytes(w, &v, sizeof(v));
}

void
ipc_put_u32(struct ipc_wr *w, uint32_t v)
{
	ipc_put_bytes(w, &v, sizeof(v));
}

void
ipc_put_u64(struct ipc_wr *w, uint64_t v)
{
	ipc_put_bytes(w, &v, sizeof(v));
}

void
ipc_put_blob(struct ipc_wr *w, const void *p, size_t n)
{
	if (n > UINT32_MAX) {
		if (w->error == 0)
			w->error = IPC_ETOOBIG;
		return;
	}
	ipc_put_u32(w, (uint32_t)n);
	ipc_put_bytes(w, p, n);
}

void
ipc_put_str(struct ipc_wr *w, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n > UINT16_MAX) {
		if (w->error == 0)
			w->error = IPC_ETOOBIG;
		return;
	}
	ipc_put_u16(w, (uint16_t)n);
	ipc_put_bytes(w, s, n);
}

void
ipc_put_addr(struct ipc_wr *w, const struct sad_addr *a)
{
	uint8_t b[16];

	memset(b, 0, sizeof(b));
	if (a->af == AF_INET)
		memcpy(b, &a->a.v4, 4);
	else if (a->af == AF_INET6)
		memcpy(b, &a->a.v6, 16);
	ipc_put_u8(w, a->af == AF_INET ? 4 : a->af == AF_INET6 ? 6 : 0);
	ipc_put_u8(w, a->af == AF_UNSPEC ? 0 : a->plen);
	/* An unspecified address keeps its port (sadbd's relay socket). */
	ipc_put_u16(w, a->port);
	ipc_put_u32(w, a->af == AF_INET6 ? a->scope : 0);
	ipc_put_bytes(w, b, sizeof(b));
}

int
ipc_compose_wr(struct ipc_chan *c, uint32_t type, uint32_t peerid, int fd,
    const struct ipc_wr *w)
{
	if (w->error != 0)
		return (w->error);
	return (ipc_compose(c, type, peerid, fd, w->buf, w->len));
}

/* ------------------------------------------------------------- reader */

void
ipc_rd_init(struct ipc_rd *r, const struct ipc_msg *m)
{
	r->p = m->data;
	r->left = m->len;
	r->bad = false;
}

void
ipc_rd_init_buf(struct ipc_rd *r, const void *buf, size_t len)
{
	r->p = buf;
	r->left = len;
	r->bad = false;
}

void
ipc_get_bytes(struct ipc_rd *r, void *out, size_t n)
{
	if (r->bad || n > r->left) {
		r->bad = true;
		if (out != NULL && n > 0)
			memset(out, 0, n);
		return;
	}
	if (out != NULL && n > 0)
		memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
}

uint8_t
ipc_get_u8(struct ipc_rd *r)
{
	uint8_t v;

	ipc_get_bytes(r, &v, sizeof(v));
	return (v);
}

uint16_t
ipc_get_u16(struct ipc_rd *r)
{
	uint16_t v;

	ipc_get_bytes(r, &v, sizeof(v));
	return (v);
}

uint32_t
ipc_get_u32(struct ipc_rd *r)
{
	uint32_t v;

	ipc_get_bytes(r, &v, sizeof(v));
	return (v);
}

uint64_t
ipc_get_u64(struct ipc_rd *r)
{
	uint64_t v;

	ipc_get_bytes(r, &v, sizeof(v));
	return (v);
}

const uint8_t *
ipc_get_blob(struct ipc_rd *r, size_t max, size_t *len)
{
	const uint8_t *p;
	uint32_t n;

	*len = 0;
	n = ipc_get_u32(r);
	if (r->bad || n > max || n > r->left) {
		r->bad = true;
		return (NULL);
	}
	p = r->p;
	r->p += n;
	r->left -= n;
	*len = n;
	return (p);
}

void
ipc_get_str(struct ipc_rd *r, char *buf, size_t bufsz)
{
	uint16_t n;

	if (bufsz > 0)
		buf[0] = '\0';
	n = ipc_get_u16(r);
	if (r->bad || (size_t)n >= bufsz || n > r->left ||
	    memchr(r->p, '\0', n) != NULL) {
		r->bad = true;
		return;
	}
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	r->p += n;
	r->left -= n;
}

void
ipc_get_addr(struct ipc_rd *r, struct sad_addr *a)
{
	static const uint8_t zero[16];
	uint8_t fam, plen, b[16];
	uint16_t port;
	uint32_t scope;

	memset(a, 0, sizeof(*a));
	fam = ipc_get_u8(r);
	plen = ipc_get_u8(r);
	port = ipc_get_u16(r);
	scope = ipc_get_u32(r);
	ipc_get_bytes(r, b, sizeof(b));
	if (r->bad)
		return;
	switch (fam) {
	case 0:
		if (plen != 0 || scope != 0 || memcmp(b, zero, sizeof(b)) != 0)
			r->bad = true;
		else
			a->port = port;
		return;
	case 4:
		if (plen > 32 || scope != 0 ||
		    memcmp(b + 4, zero, sizeof(b) - 4) != 0) {
			r->bad = true;
			return;
		}
		a->af = AF_INET;
		memcpy(&a->a.v4, b, 4);
		break;
	case 6:
		if (plen > 128) {
			r->bad = true;
			return;
		}
		a->af = AF_INET6;
		memcpy(&a->a.v6, b, 16);
		a->scope = scope;
		break;
	default:
		r->bad = true;
		return;
	}
	a->plen = plen;
	a->port = port;
}

int
ipc_rd_end(const struct ipc_rd *r)
{
	return (r->bad || r->left != 0 ? IPC_EPAYLOAD : IPC_OK);
}
