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
 * racoon-ng's privilege separation, below the processes: the message
 * codec between them (ipc.c: every malformed frame refused, descriptors
 * passed, and refused ones closed), and the parent's re-validation of
 * what the ike process asks for (pv.c: forged requests refused, the
 * genuine sequence granted).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "ipc.h"
#include "privsep.h"
#include "pv.h"

/* ------------------------------------------------------------ helpers */

static void
chanpair(int sv[2])
{
	int bufsz = 1024 * 1024, i;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	for (i = 0; i < 2; i++) {
		(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &bufsz,
		    sizeof(bufsz));
		(void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
	}
}

/* The open descriptors of this process (to see that none leaked). */
static int
nfds_open(void)
{
	DIR *d;
	struct dirent *de;
	int n = 0;

	ATF_REQUIRE((d = opendir("/proc/self/fd")) != NULL);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return (n - 1);		/* the directory's own descriptor */
}

/* Send a raw record with `nfd' descriptors (copies of fd). */
static void
raw_send(int s, const void *buf, size_t len, int fd, int nfd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * 8)];
	} cm;
	struct msghdr mh;
	struct iovec iov;
	int i;

	memset(&mh, 0, sizeof(mh));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfd > 0) {
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfd);
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfd);
		cm.hdr.cmsg_level = SOL_SOCKET;
		cm.hdr.cmsg_type = SCM_RIGHTS;
		for (i = 0; i < nfd; i++)
			memcpy(CMSG_DATA(&cm.hdr) + i * sizeof(int), &fd,
			    sizeof(int));
	}
	ATF_REQUIRE_EQ(sendmsg(s, &mh, 0), (ssize_t)len);
}

static void
hdr_make(uint8_t *buf, uint32_t type, uint32_t len, uint16_t flags,
    uint16_t reserved)
{
	struct ipc_hdr h;

	memset(&h, 0, sizeof(h));
	h.type = type;
	h.len = len;
	h.peerid = 7;
	h.flags = flags;
	h.reserved = reserved;
	memcpy(buf, &h, sizeof(h));
}

/* Read what the peer sent: the code, with the good frame after it. */
static int
read_one(struct ipc_chan *c, struct ipc_msg *m)
{
	return (ipc_read_wait(c, m, 2000));
}

/* ------------------------------------------------------------- codec */

ATF_TC_WITHOUT_HEAD(frame_roundtrip);
ATF_TC_BODY(frame_roundtrip, tc)
{
	struct ipc_chan a, b;
	struct ipc_msg m;
	int sv[2];

	chanpair(sv);
	ATF_REQUIRE(ipc_chan_init(&a, sv[0], "a") == 0);
	ATF_REQUIRE(ipc_chan_init(&b, sv[1], "b") == 0);
	ATF_REQUIRE(ipc_send_wait(&a, PI_ACQUIRE, 42, -1, "hello", 5) == 0);
	ATF_REQUIRE(ipc_send_wait(&a, PI_EXPIRE, 43, -1, NULL, 0) == 0);
	ATF_REQUIRE_EQ(read_one(&b, &m), 1);
	ATF_CHECK_EQ(m.hdr.type, PI_ACQUIRE);
	ATF_CHECK_EQ(m.hdr.peerid, 42u);
	ATF_CHECK_EQ(m.hdr.len, IPC_HDRLEN + 5);
	ATF_CHECK_EQ(m.len, 5u);
	ATF_CHECK(memcmp(m.data, "hello", 5) == 0);
	ATF_CHECK_EQ(m.fd, -1);
	ATF_REQUIRE_EQ(read_one(&b, &m), 1);
	ATF_CHECK_EQ(m.hdr.type, PI_EXPIRE);
	ATF_CHECK_EQ(m.len, 0u);
	/* Nothing more; then the peer goes. */
	ATF_CHECK_EQ(ipc_read(&b, &m), 0);
	ipc_chan_close(&a);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_EOF);
	ipc_chan_close(&b);
}

ATF_TC_WITHOUT_HEAD(fd_passing);
ATF_TC_BODY(fd_passing, tc)
{
	struct ipc_chan a, b;
	struct ipc_msg m;
	int sv[2], p[2];
	char buf[8];

	chanpair(sv);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(ipc_chan_init(&a, sv[0], "a") == 0);
	ATF_REQUIRE(ipc_chan_init(&b, sv[1], "b") == 0);
	ATF_REQUIRE(ipc_send_wait(&a, PI_SOCKET, 1, p[1], "x", 1) == 0);
	/* The sender keeps its own descriptor (it was duplicated). */
	close(p[1]);
	ATF_REQUIRE_EQ(read_one(&b, &m), 1);
	ATF_CHECK_EQ(m.hdr.flags, IPC_F_FD);
	ATF_REQUIRE(m.fd >= 0);
	ATF_CHECK(fcntl(m.fd, F_GETFD) & FD_CLOEXEC);
	ATF_REQUIRE_EQ(write(m.fd, "through", 7), 7);
	close(m.fd);
	ATF_REQUIRE_EQ(read(p[0], buf, sizeof(buf)), 7);
	ATF_CHECK(memcmp(buf, "through", 7) == 0);
	close(p[0]);
	ipc_chan_close(&a);
	ipc_chan_close(&b);
}

/* One malformed record after another; each refused with its code, no
 * descriptor left open, and a good record still read afterwards. */
ATF_TC_WITHOUT_HEAD(frame_malformed);
ATF_TC_BODY(frame_malformed, tc)
{
	struct ipc_chan b;
	struct ipc_msg m;
	uint8_t *buf;
	int sv[2], p[2], before, rc;

	chanpair(sv);
	ATF_REQUIRE(pipe(p) == 0);
	ATF_REQUIRE(ipc_chan_init(&b, sv[1], "b") == 0);
	ATF_REQUIRE((buf = calloc(1, IPC_MAXLEN + 256)) != NULL);
	before = nfds_open();

	/* Shorter than the header. */
	hdr_make(buf, 1, 10, 0, 0);
	raw_send(sv[0], buf, 10, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_ESHORT);
	/* The length says more than came, and less. */
	hdr_make(buf, 1, 100, 0, 0);
	raw_send(sv[0], buf, 50, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_ELENGTH);
	hdr_make(buf, 1, 20, 0, 0);
	raw_send(sv[0], buf, 30, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_ELENGTH);
	/* A length beyond the limit. */
	hdr_make(buf, 1, IPC_MAXLEN + 1, 0, 0);
	raw_send(sv[0], buf, 32, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_ETOOBIG);
	/* A record longer than any frame: cut by the kernel. */
	hdr_make(buf, 1, IPC_MAXLEN + 100, 0, 0);
	raw_send(sv[0], buf, IPC_MAXLEN + 100, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_ETRUNC);
	/* Unknown flags; the reserved field set. */
	hdr_make(buf, 1, 16, 0x8000, 0);
	raw_send(sv[0], buf, 16, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_EFLAGS);
	hdr_make(buf, 1, 16, 0, 1);
	raw_send(sv[0], buf, 16, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_EFLAGS);
	/* A descriptor without the flag: refused and closed. */
	hdr_make(buf, 1, 16, 0, 0);
	raw_send(sv[0], buf, 16, p[1], 1);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_EFD);
	ATF_CHECK_EQ(m.fd, -1);
	/* The flag without a descriptor. */
	hdr_make(buf, 1, 16, IPC_F_FD, 0);
	raw_send(sv[0], buf, 16, -1, 0);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_EFD);
	/* Two descriptors for one flag: both closed. */
	hdr_make(buf, 1, 16, IPC_F_FD, 0);
	raw_send(sv[0], buf, 16, p[1], 2);
	ATF_CHECK_EQ(read_one(&b, &m), IPC_EFD);
	/* More descriptors than the control buffer takes. */
	hdr_make(buf, 1, 16, IPC_F_FD, 0);
	raw_send(sv[0], buf, 16, p[1], 6);
	rc = read_one(&b, &m);
	ATF_CHECK_MSG(rc == IPC_ETRUNC || rc == IPC_EFD, "got %d", rc);
	/* None of the descriptors that came stayed open here. */
	ATF_CHECK_EQ(nfds_open(), before);
	/* And the channel still works. */
	hdr_make(buf, 9, 20, 0, 0);
	memcpy(buf + 16, "good", 4);
	raw_send(sv[0], buf, 20, -1, 0);
	ATF_REQUIRE_EQ(read_one(&b, &m), 1);
	ATF_CHECK_EQ(m.hdr.type, 9u);
	ATF_CHECK_EQ(m.len, 4u);
	ATF_CHECK(memcmp(m.data, "good", 4) == 0);
	free(buf);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	ipc_chan_close(&b);
}

ATF_TC_WITHOUT_HEAD(frame_check_direct);
ATF_TC_BODY(frame_check_direct, tc)
{
	struct ipc_hdr h;
	uint8_t buf[64];

	hdr_make(buf, 3, 24, 0, 0);
	ATF_CHECK_EQ(ipc_frame_check(buf, 24, 0, 0, &h), IPC_OK);
	ATF_CHECK_EQ(h.type, 3u);
	ATF_CHECK_EQ(ipc_frame_check(buf, 24, 0, MSG_TRUNC, &h), IPC_ETRUNC);
	ATF_CHECK_EQ(ipc_frame_check(buf, 24, 0, MSG_CTRUNC, &h),
	    IPC_ETRUNC);
	ATF_CHECK_EQ(ipc_frame_check(buf, 15, 0, 0, &h), IPC_ESHORT);
	ATF_CHECK_EQ(ipc_frame_check(buf, 25, 0, 0, &h), IPC_ELENGTH);
	ATF_CHECK_EQ(ipc_frame_check(buf, 24, 1, 0, &h), IPC_EFD);
	hdr_make(buf, 3, 24, IPC_F_FD, 0);
	ATF_CHECK_EQ(ipc_frame_check(buf, 24, 1, 0, &h), IPC_OK);
	ATF_CHECK_EQ(ipc_frame_check(buf, 24, 0, 0, &h), IPC_EFD);
	ATF_CHECK(strlen(ipc_strerror(IPC_EFD)) > 0);
	ATF_CHECK(strcmp(ipc_strerror(-100), "unknown ipc error") == 0);
}

/* ------------------------------------------------------------ reader */

/* A payload of every kind; each cut of it must be refused. */
ATF_TC_WITHOUT_HEAD(reader_truncation);
ATF_TC_BODY(reader_truncation, tc)
{
	struct ipc_wr w;
	struct ipc_rd r;
	struct sad_addr a, a2;
	size_t len, cut, blen;
	const uint8_t *bp;
	char s[32];

	ATF_REQUIRE(ipc_wr_init(&w) == 0);
	ATF_REQUIRE(sad_addr_parse(&a, "2001:db8::1") == 0);
	a.port = 500;
	ipc_put_u8(&w, 1);
	ipc_put_u16(&w, 2);
	ipc_put_u32(&w, 3);
	ipc_put_u64(&w, 4);
	ipc_put_addr(&w, &a);
	ipc_put_str(&w, "identity");
	ipc_put_blob(&w, "blob", 4);
	ATF_REQUIRE_EQ(ipc_wr_error(&w), 0);
	len = w.len;
	for (cut = 0; cut <= len; cut++) {
		ipc_rd_init_buf(&r, w.buf, cut);
		ATF_CHECK_EQ(ipc_get_u8(&r), cut >= 1 ? 1 : 0);
		(void)ipc_get_u16(&r);
		(void)ipc_get_u32(&r);
		(void)ipc_get_u64(&r);
		ipc_get_addr(&r, &a2);
		ipc_get_str(&r, s, sizeof(s));
		bp = ipc_get_blob(&r, 16, &blen);
		if (cut < len)
			ATF_CHECK_MSG(ipc_rd_end(&r) != 0, "cut %zu read",
			    cut);
		else {
			ATF_CHECK_EQ(ipc_rd_end(&r), 0);
			ATF_CHECK_EQ(a2.af, AF_INET6);
			ATF_CHECK_EQ(a2.port, 500);
			ATF_CHECK_EQ(sad_addr_cmp(&a, &a2), 0);
			ATF_CHECK_STREQ(s, "identity");
			ATF_CHECK_EQ(blen, 4u);
			ATF_CHECK(bp != NULL && memcmp(bp, "blob", 4) == 0);
		}
	}
	/* One byte too many. */
	ipc_put_u8(&w, 0);
	ipc_rd_init_buf(&r, w.buf, w.len);
	(void)ipc_get_u8(&r);
	(void)ipc_get_u16(&r);
	(void)ipc_get_u32(&r);
	(void)ipc_get_u64(&r);
	ipc_get_addr(&r, &a2);
	ipc_get_str(&r, s, sizeof(s));
	(void)ipc_get_blob(&r, 16, &blen);
	ATF_CHECK(ipc_rd_end(&r) != 0);
	ipc_wr_free(&w);
}

/* An address record, field by field. */
static int
addr_try(uint8_t fam, uint8_t plen, uint32_t scope, int pad_byte)
{
	uint8_t b[IPC_ADDRLEN];
	uint16_t port = 4500;
	struct ipc_rd r;
	struct sad_addr a;

	memset(b, 0, sizeof(b));
	b[0] = fam;
	b[1] = plen;
	memcpy(b + 2, &port, 2);
	memcpy(b + 4, &scope, 4);
	b[8] = 192;
	b[9] = 0;
	b[10] = 2;
	b[11] = 1;
	if (pad_byte >= 0)
		b[8 + pad_byte] = 1;
	if (fam == 0)
		memset(b + 1, 0, sizeof(b) - 1);
	ipc_rd_init_buf(&r, b, sizeof(b));
	ipc_get_addr(&r, &a);
	return (ipc_rd_end(&r));
}

ATF_TC_WITHOUT_HEAD(reader_addresses);
ATF_TC_BODY(reader_addresses, tc)
{
	uint8_t b[IPC_ADDRLEN];
	struct ipc_rd r;
	struct sad_addr a;

	ATF_CHECK_EQ(addr_try(4, 32, 0, -1), 0);
	ATF_CHECK_EQ(addr_try(6, 128, 3, -1), 0);
	ATF_CHECK_EQ(addr_try(0, 0, 0, -1), 0);
	ATF_CHECK(addr_try(5, 32, 0, -1) != 0);		/* family */
	ATF_CHECK(addr_try(2, 32, 0, -1) != 0);		/* AF_INET itself */
	ATF_CHECK(addr_try(4, 33, 0, -1) != 0);		/* prefix */
	ATF_CHECK(addr_try(6, 129, 0, -1) != 0);
	ATF_CHECK(addr_try(4, 32, 1, -1) != 0);		/* v4 scope */
	ATF_CHECK(addr_try(4, 32, 0, 4) != 0);		/* v4 padding */
	ATF_CHECK(addr_try(4, 32, 0, 15) != 0);
	/* An unspecified address with anything in it. */
	memset(b, 0, sizeof(b));
	b[10] = 1;
	ipc_rd_init_buf(&r, b, sizeof(b));
	ipc_get_addr(&r, &a);
	ATF_CHECK(ipc_rd_end(&r) != 0);
}

/*
 * An unspecified address keeps its port: sadbd's relay socket reaches
 * the ike process as one, bound to no address but sending from the
 * NAT-T port.
 */
ATF_TC_WITHOUT_HEAD(unspec_addr_port);
ATF_TC_BODY(unspec_addr_port, tc)
{
	struct ipc_wr w;
	struct ipc_rd r;
	struct sad_addr a, a2;
	uint16_t port;

	memset(&a, 0, sizeof(a));
	a.af = AF_UNSPEC;
	a.port = 14500;
	ATF_REQUIRE(ipc_wr_init(&w) == 0);
	ipc_put_addr(&w, &a);
	ATF_REQUIRE_EQ(ipc_wr_error(&w), 0);
	ATF_REQUIRE_EQ(w.len, (size_t)IPC_ADDRLEN);
	ATF_CHECK_EQ(w.buf[0], 0);
	memcpy(&port, w.buf + 2, sizeof(port));
	ATF_CHECK_EQ(port, 14500);
	ipc_rd_init_buf(&r, w.buf, w.len);
	memset(&a2, 0xa5, sizeof(a2));
	ipc_get_addr(&r, &a2);
	ATF_REQUIRE_EQ(ipc_rd_end(&r), 0);
	ATF_CHECK_EQ(a2.af, AF_UNSPEC);
	ATF_CHECK_EQ(a2.port, 14500);
	ATF_CHECK_EQ(a2.plen, 0);
	/* Without a port it stays without one. */
	a.port = 0;
	ipc_wr_free(&w);
	ATF_REQUIRE(ipc_wr_init(&w) == 0);
	ipc_put_addr(&w, &a);
	ipc_rd_init_buf(&r, w.buf, w.len);
	ipc_get_addr(&r, &a2);
	ATF_REQUIRE_EQ(ipc_rd_end(&r), 0);
	ATF_CHECK_EQ(a2.af, AF_UNSPEC);
	ATF_CHECK_EQ(a2.port, 0);
	/* A port does not license anything else in the record. */
	w.buf[1] = 8;
	ipc_rd_init_buf(&r, w.buf, w.len);
	ipc_get_addr(&r, &a2);
	ATF_CHECK(ipc_rd_end(&r) != 0);
	ipc_wr_free(&w);
}

ATF_TC_WITHOUT_HEAD(reader_strings_blobs);
ATF_TC_BODY(reader_strings_blobs, tc)
{
	struct ipc_wr w;
	struct ipc_rd r;
	char s[8];
	size_t blen;

	ATF_REQUIRE(ipc_wr_init(&w) == 0);
	/* Exactly fits (7 characters and the NUL). */
	ipc_put_str(&w, "1234567");
	ipc_rd_init_buf(&r, w.buf, w.len);
	ipc_get_str(&r, s, sizeof(s));
	ATF_CHECK_EQ(ipc_rd_end(&r), 0);
	ATF_CHECK_STREQ(s, "1234567");
	/* One longer. */
	ipc_wr_reset(&w);
	ipc_put_str(&w, "12345678");
	ipc_rd_init_buf(&r, w.buf, w.len);
	ipc_get_str(&r, s, sizeof(s));
	ATF_CHECK(ipc_rd_end(&r) != 0);
	ATF_CHECK_STREQ(s, "");
	/* A NUL inside. */
	ipc_wr_reset(&w);
	ipc_put_u16(&w, 3);
	ipc_put_bytes(&w, "a\0b", 3);
	ipc_rd_init_buf(&r, w.buf, w.len);
	ipc_get_str(&r, s, sizeof(s));
	ATF_CHECK(ipc_rd_end(&r) != 0);
	/* A length beyond what is there. */
	ipc_wr_reset(&w);
	ipc_put_u16(&w, 100);
	ipc_put_bytes(&w, "abc", 3);
	ipc_rd_init_buf(&r, w.buf, w.len);
	ipc_get_str(&r, s, sizeof(s));
	ATF_CHECK(ipc_rd_end(&r) != 0);
	/* A blob over its limit, and one claiming 4 GiB. */
	ipc_wr_reset(&w);
	ipc_put_blob(&w, "0123456789", 10);
	ipc_rd_init_buf(&r, w.buf, w.len);
	ATF_CHECK(ipc_get_blob(&r, 9, &blen) == NULL);
	ATF_CHECK(ipc_rd_end(&r) != 0);
	ipc_rd_init_buf(&r, w.buf, w.len);
	ATF_CHECK(ipc_get_blob(&r, 10, &blen) != NULL);
	ATF_CHECK_EQ(ipc_rd_end(&r), 0);
	ipc_wr_reset(&w);
	ipc_put_u32(&w, 0xffffffffu);
	ipc_rd_init_buf(&r, w.buf, w.len);
	ATF_CHECK(ipc_get_blob(&r, SIZE_MAX, &blen) == NULL);
	ATF_CHECK(ipc_rd_end(&r) != 0);
	ipc_wr_free(&w);
}

ATF_TC_WITHOUT_HEAD(writer_bounds);
ATF_TC_BODY(writer_bounds, tc)
{
	struct ipc_chan a;
	struct ipc_wr w;
	uint8_t *big;
	int sv[2];

	ATF_REQUIRE((big = calloc(1, IPC_MAXPAYLOAD + 1)) != NULL);
	ATF_REQUIRE(ipc_wr_init(&w) == 0);
	ipc_put_bytes(&w, big, IPC_MAXPAYLOAD);
	ATF_CHECK_EQ(ipc_wr_error(&w), 0);
	ipc_put_u8(&w, 1);
	ATF_CHECK_EQ(ipc_wr_error(&w), IPC_ETOOBIG);
	/* Sticky: a small put after it does not clear it. */
	ipc_wr_reset(&w);
	ATF_CHECK_EQ(ipc_wr_error(&w), 0);
	ipc_put_bytes(&w, big, IPC_MAXPAYLOAD + 1);
	ipc_put_u8(&w, 1);
	ATF_CHECK_EQ(ipc_wr_error(&w), IPC_ETOOBIG);
	chanpair(sv);
	ATF_REQUIRE(ipc_chan_init(&a, sv[0], "a") == 0);
	ATF_CHECK_EQ(ipc_compose_wr(&a, 1, 0, -1, &w), IPC_ETOOBIG);
	ATF_CHECK_EQ(ipc_compose(&a, 1, 0, -1, big, IPC_MAXPAYLOAD + 1),
	    IPC_ETOOBIG);
	ATF_CHECK(!ipc_chan_pending(&a));
	/* A bounded queue: beyond maxq, refused rather than grown. */
	a.maxq = 3 * (IPC_HDRLEN + 1000);
	ATF_CHECK_EQ(ipc_compose(&a, 1, 0, -1, big, 1000), IPC_OK);
	ATF_CHECK_EQ(ipc_compose(&a, 1, 0, -1, big, 1000), IPC_OK);
	ATF_CHECK_EQ(ipc_compose(&a, 1, 0, -1, big, 1000), IPC_OK);
	ATF_CHECK_EQ(ipc_compose(&a, 1, 0, -1, big, 1000), IPC_ENOMEM);
	ipc_chan_close(&a);
	close(sv[1]);
	ipc_wr_free(&w);
	free(big);
}

/* Non-blocking writes: a full socket queues, and the queue drains. */
ATF_TC_WITHOUT_HEAD(queue_drains);
ATF_TC_BODY(queue_drains, tc)
{
	struct ipc_chan a, b;
	struct ipc_msg m;
	uint8_t *big;
	int sv[2], i, got = 0, bufsz = 65536;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	ATF_REQUIRE((big = calloc(1, 8192)) != NULL);
	ATF_REQUIRE(ipc_chan_init(&a, sv[0], "a") == 0);
	ATF_REQUIRE(ipc_chan_init(&b, sv[1], "b") == 0);
	for (i = 0; i < 200; i++) {
		big[0] = (uint8_t)i;
		ATF_REQUIRE(ipc_compose(&a, 1, (uint32_t)i, -1, big,
		    8192) == 0);
	}
	ATF_REQUIRE(ipc_flush(&a) == 0);
	ATF_CHECK_MSG(ipc_chan_pending(&a), "200 x 8 KiB fit in the socket?");
	while (got < 200) {
		ATF_REQUIRE(ipc_flush(&a) == 0);
		while (ipc_read(&b, &m) == 1) {
			ATF_CHECK_EQ(m.hdr.peerid, (uint32_t)got);
			ATF_CHECK_EQ(m.data[0], (uint8_t)got);
			got++;
		}
	}
	ATF_CHECK(!ipc_chan_pending(&a));
	ipc_chan_close(&a);
	ipc_chan_close(&b);
	free(big);
}

/* --------------------------------------------------------------- pv */

#define NOW	1000000

static struct sad_addr
ad(const char *s)
{
	struct sad_addr a;

	ATF_REQUIRE_MSG(sad_addr_parse(&a, s) == 0, "%s", s);
	return (a);
}

/* Us: 192.0.2.1 and 2001:db8::1; peers: 198.51.100.7 (generate_policy),
 * 203.0.113.0/24. */
static struct pv *
pv_fixture(const struct spd *spd)
{
	struct pv_remote rem[2];
	struct sad_addr loc[2];
	struct pv_rules r;
	struct pv *pv;

	memset(rem, 0, sizeof(rem));
	(void)strlcpy(rem[0].name, "gw", sizeof(rem[0].name));
	rem[0].addr = ad("198.51.100.7");
	rem[0].generate_policy = true;
	(void)strlcpy(rem[1].name, "net", sizeof(rem[1].name));
	rem[1].addr = ad("203.0.113.0");
	rem[1].addr.plen = 24;
	loc[0] = ad("192.0.2.1");
	loc[1] = ad("2001:db8::1");
	memset(&r, 0, sizeof(r));
	r.remotes = rem;
	r.nremotes = 2;
	r.locals = loc;
	r.nlocals = 2;
	r.natt_port = 4500;
	ATF_REQUIRE((pv = pv_new(spd)) != NULL);
	ATF_REQUIRE(pv_set_rules(pv, &r) == 0);
	return (pv);
}

static struct pv_getspi
gs(const char *peer, const char *local)
{
	struct pv_getspi g;

	memset(&g, 0, sizeof(g));
	g.satype = PFKEY_SATYPE_ESP;
	g.src = ad(peer);
	g.dst = ad(local);
	g.min = 0x100;
	g.max = 0x0fffffff;
	return (g);
}

/* An inbound ESP SA (UPDATE) from peer to local: AES-128-CBC, SHA1. */
static struct pv_sa
sa_in(const char *peer, const char *local, uint32_t spi)
{
	struct pv_sa s;

	memset(&s, 0, sizeof(s));
	s.op = PV_SA_UPDATE;
	s.satype = PFKEY_SATYPE_ESP;
	s.spi = spi;
	s.src = ad(peer);
	s.dst = ad(local);
	s.mode = PFKEY_MODE_TRANSPORT;
	s.ealg = PFKEY_EALG_AESCBC;
	s.ekeybits = 128;
	s.aalg = PFKEY_AALG_SHA1HMAC;
	s.akeybits = 160;
	s.hard_time = 3600;
	s.replay = 64;
	return (s);
}

static struct pv_sa
sa_out(const char *local, const char *peer, uint32_t spi, uint32_t in_spi)
{
	struct pv_sa s = sa_in(peer, local, spi);

	s.op = PV_SA_ADD;
	s.src = ad(local);
	s.dst = ad(peer);
	s.inbound_spi = in_spi;
	return (s);
}

ATF_TC_WITHOUT_HEAD(pv_getspi_rules);
ATF_TC_BODY(pv_getspi_rules, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g;
	char why[PV_WHY_MAX];

	g = gs("198.51.100.7", "192.0.2.1");
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), 0);
	g = gs("203.0.113.99", "192.0.2.1");
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), 0);
	g.satype = PFKEY_SATYPE_IPCOMP;
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EINVAL);
	g = gs("198.51.100.8", "192.0.2.1");		/* no remote */
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "198.51.100.8") != NULL);
	g = gs("198.51.100.7", "192.0.2.9");		/* not ours */
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EPERM);
	g = gs("198.51.100.7", "2001:db8::1");		/* families */
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EINVAL);
	g = gs("198.51.100.7", "192.0.2.1");
	g.min = 1;					/* reserved SPIs */
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EINVAL);
	g.min = 0x2000;
	g.max = 0x1000;
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EINVAL);
	g = gs("224.0.0.5", "192.0.2.1");		/* multicast */
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)), EPERM);
	pv_free(pv);
}

/* The forged UPDATE: an SPI the parent never allocated. */
ATF_TC_WITHOUT_HEAD(pv_update_forged);
ATF_TC_BODY(pv_update_forged, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g = gs("198.51.100.7", "192.0.2.1");
	struct pv_sa s;
	char why[PV_WHY_MAX];

	s = sa_in("198.51.100.7", "192.0.2.1", 0x12345);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "not allocated") != NULL);
	/* Allocated for another SPI, peer, SA type: still refused. */
	ATF_REQUIRE(pv_getspi_done(pv, &g, 0x54321, NOW) == 0);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	s = sa_in("203.0.113.5", "192.0.2.1", 0x54321);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	s = sa_in("198.51.100.7", "192.0.2.1", 0x54321);
	s.satype = PFKEY_SATYPE_AH;
	s.ealg = PFKEY_EALG_NONE;
	s.ekeybits = 0;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	/* The genuine one, once. */
	s = sa_in("198.51.100.7", "192.0.2.1", 0x54321);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	ATF_CHECK_EQ(pv_pending(pv), 1u);
	pv_sa_done(pv, &s, NOW);
	ATF_CHECK_EQ(pv_pending(pv), 0u);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "in use") != NULL);
	pv_free(pv);
}

/* SAs for addresses no remote (or no listen address) allows. */
ATF_TC_WITHOUT_HEAD(pv_sa_addresses);
ATF_TC_BODY(pv_sa_addresses, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g = gs("198.51.100.99", "192.0.2.1");
	struct pv_sa s;
	char why[PV_WHY_MAX];

	/* Even with an allocation made by a (buggy) earlier check. */
	ATF_REQUIRE(pv_getspi_done(pv, &g, 0x1000, NOW) == 0);
	s = sa_in("198.51.100.99", "192.0.2.1", 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "no remote allows") != NULL);
	s = sa_out("192.0.2.1", "198.51.100.99", 0x2000, 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	s = sa_out("192.0.2.77", "198.51.100.7", 0x2000, 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "listen") != NULL);
	pv_free(pv);
}

ATF_TC_WITHOUT_HEAD(pv_algorithms);
ATF_TC_BODY(pv_algorithms, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g = gs("198.51.100.7", "192.0.2.1");
	struct pv_rules r;
	struct pv_remote rem;
	struct pv_sa s, base;
	char why[PV_WHY_MAX];

	ATF_REQUIRE(pv_getspi_done(pv, &g, 0x1000, NOW) == 0);
	base = sa_in("198.51.100.7", "192.0.2.1", 0x1000);
	s = base;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s.ekeybits = 100;			/* not an AES key */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.akeybits = 128;			/* not a SHA1 key */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.aalg = PFKEY_AALG_NONE;		/* ESP without integrity */
	s.akeybits = 0;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.ealg = PFKEY_EALG_AES_GCM_ICV16;	/* AEAD: no integrity */
	s.ekeybits = 160;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s.aalg = PFKEY_AALG_NONE;
	s.akeybits = 0;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s.ekeybits = 128;			/* GCM needs the salt */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.ealg = PFKEY_EALG_3DESCBC;		/* deprecated: not by default */
	s.ekeybits = 192;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	s = base;
	s.satype = PFKEY_SATYPE_AH;		/* AH with a cipher */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	/* What the configuration names, and only that. */
	memset(&rem, 0, sizeof(rem));
	rem.addr = ad("198.51.100.7");
	memset(&r, 0, sizeof(r));
	r.remotes = &rem;
	r.nremotes = 1;
	r.ealgs = (uint64_t)1 << PFKEY_EALG_3DESCBC;
	r.aalgs = (uint64_t)1 << PFKEY_AALG_SHA2_256HMAC;
	ATF_REQUIRE(pv_set_rules(pv, &r) == 0);
	s = base;
	s.ealg = PFKEY_EALG_3DESCBC;
	s.ekeybits = 192;
	s.aalg = PFKEY_AALG_SHA2_256HMAC;
	s.akeybits = 256;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s = base;				/* AES: not configured now */
	s.aalg = PFKEY_AALG_SHA2_256HMAC;
	s.akeybits = 256;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	pv_free(pv);
}

ATF_TC_WITHOUT_HEAD(pv_reqid_mode_lifetime);
ATF_TC_BODY(pv_reqid_mode_lifetime, tc)
{
	struct spd *spd;
	struct spd_entry e;
	struct pv *pv;
	struct pv_getspi g = gs("198.51.100.7", "192.0.2.1");
	struct pv_sa s, base;
	char why[PV_WHY_MAX];

	ATF_REQUIRE((spd = spd_new()) != NULL);
	pv = pv_fixture(spd);
	ATF_REQUIRE(pv_getspi_done(pv, &g, 0x1000, NOW) == 0);
	base = sa_in("198.51.100.7", "192.0.2.1", 0x1000);
	s = base;
	s.reqid = 7;				/* no policy uses it */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "reqid 7") != NULL);
	/* A kernel policy with reqid 7 for ESP in transport mode. */
	spd_entry_init(&e);
	e.dir = PFKEY_DIR_OUTBOUND;
	e.action = PFKEY_POLICY_IPSEC;
	e.sel.src = ad("192.0.2.1");
	e.sel.dst = ad("198.51.100.7");
	e.sel.proto = SPD_PROTO_ANY;
	e.nreq = 1;
	e.req[0].proto = PFKEY_IPPROTO_ESP;
	e.req[0].mode = PFKEY_MODE_TRANSPORT;
	e.req[0].level = PFKEY_LEVEL_UNIQUE;
	e.req[0].reqid = 7;
	ATF_REQUIRE(spd_insert(spd, &e, false, NULL) == 0);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s.mode = PFKEY_MODE_TUNNEL;		/* the policy's mode differs */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	/* An ACQUIRE makes its reqid and mode valid. */
	pv_acquire_note(pv, PFKEY_SATYPE_ESP, 9, PFKEY_MODE_TUNNEL, NOW);
	s.reqid = 9;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s = base;
	s.mode = PFKEY_MODE_BEET;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.hard_time = 0;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s.hard_time = PV_LIFETIME_MAX + 1;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.flags = 0x80;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s.flags = PS_SAF_ESN;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s = base;
	s.spi = 0x10;				/* reserved */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	pv_free(pv);
	spd_free(spd);
}

/* The outbound SA pairs with an inbound SPI of the same negotiation. */
ATF_TC_WITHOUT_HEAD(pv_add_pairing);
ATF_TC_BODY(pv_add_pairing, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g = gs("198.51.100.7", "192.0.2.1");
	struct pv_sa in, out;
	char why[PV_WHY_MAX];

	out = sa_out("192.0.2.1", "198.51.100.7", 0x9000, 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &out, NOW, why, sizeof(why)), EPERM);
	ATF_REQUIRE(pv_getspi_done(pv, &g, 0x1000, NOW) == 0);
	ATF_CHECK_EQ(pv_sa_check(pv, &out, NOW, why, sizeof(why)), 0);
	in = sa_in("198.51.100.7", "192.0.2.1", 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &in, NOW, why, sizeof(why)), 0);
	pv_sa_done(pv, &in, NOW);
	ATF_CHECK_EQ(pv_sa_check(pv, &out, NOW + 10, why, sizeof(why)), 0);
	pv_sa_done(pv, &out, NOW + 10);
	/* A second outbound SA on the same negotiation: refused. */
	out.spi = 0x9001;
	ATF_CHECK_EQ(pv_sa_check(pv, &out, NOW + 11, why, sizeof(why)),
	    EPERM);
	/* To another peer on that negotiation: refused. */
	out = sa_out("192.0.2.1", "203.0.113.5", 0x9002, 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &out, NOW + 11, why, sizeof(why)),
	    EPERM);
	pv_free(pv);
}

ATF_TC_WITHOUT_HEAD(pv_natt);
ATF_TC_BODY(pv_natt, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g = gs("198.51.100.7", "192.0.2.1");
	struct pv_sa s, base;
	char why[PV_WHY_MAX];

	ATF_REQUIRE(pv_getspi_done(pv, &g, 0x1000, NOW) == 0);
	base = sa_in("198.51.100.7", "192.0.2.1", 0x1000);
	base.natt_type = PFKEY_NATT_ESPINUDP;
	base.natt_sport = 31337;		/* the peer behind its NAT */
	base.natt_dport = 4500;			/* ours */
	s = base;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), 0);
	s.natt_dport = 4501;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EPERM);
	s = base;
	s.natt_type = PFKEY_NATT_ESPINUDP_NON_IKE;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.natt_sport = 0;
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	s = base;
	s.natt_type = 0;			/* ports without NAT-T */
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW, why, sizeof(why)), EINVAL);
	pv_free(pv);
}

ATF_TC_WITHOUT_HEAD(pv_delete_and_peer);
ATF_TC_BODY(pv_delete_and_peer, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct sad_addr us = ad("192.0.2.1"), gw = ad("198.51.100.7");
	struct sad_addr x = ad("198.51.100.8"), net = ad("203.0.113.1");
	char why[PV_WHY_MAX];

	ATF_CHECK_EQ(pv_delete_check(pv, PFKEY_SATYPE_ESP, 0x1000, &gw, &us,
	    why, sizeof(why)), 0);
	ATF_CHECK_EQ(pv_delete_check(pv, PFKEY_SATYPE_AH, 0x1000, &us, &gw,
	    why, sizeof(why)), 0);
	/* Between two peers (not us), or with a stranger: refused. */
	ATF_CHECK_EQ(pv_delete_check(pv, PFKEY_SATYPE_ESP, 0x1000, &gw, &net,
	    why, sizeof(why)), EPERM);
	ATF_CHECK_EQ(pv_delete_check(pv, PFKEY_SATYPE_ESP, 0x1000, &x, &us,
	    why, sizeof(why)), EPERM);
	ATF_CHECK_EQ(pv_delete_check(pv, PFKEY_SATYPE_ESP, 0x10, &gw, &us,
	    why, sizeof(why)), EINVAL);
	ATF_CHECK_EQ(pv_delete_check(pv, PFKEY_SATYPE_IPCOMP, 0x1000, &gw,
	    &us, why, sizeof(why)), EINVAL);
	ATF_CHECK_EQ(pv_peer_check(pv, &us, &gw, why, sizeof(why)), 0);
	ATF_CHECK_EQ(pv_peer_check(pv, &us, &x, why, sizeof(why)), EPERM);
	ATF_CHECK_EQ(pv_peer_check(pv, &gw, &us, why, sizeof(why)), EPERM);
	pv_free(pv);
}

static struct pv_spd
spd_req(uint8_t dir, uint8_t mode)
{
	struct pv_spd p;

	memset(&p, 0, sizeof(p));
	p.op = PS_SPD_ADD;
	p.dir = dir;
	p.proto = PFKEY_IPPROTO_ESP;
	p.mode = mode;
	p.level = PFKEY_LEVEL_REQUIRE;
	p.local = ad("192.0.2.1");
	p.peer = ad("198.51.100.7");
	p.ulproto = 255;
	if (mode == PFKEY_MODE_TUNNEL) {
		p.sel_src = ad("10.1.0.0");
		p.sel_dst = ad("10.2.0.0");
		p.sel_src.plen = p.sel_dst.plen = 16;
		p.tun_src = dir == PFKEY_DIR_OUTBOUND ? p.local : p.peer;
		p.tun_dst = dir == PFKEY_DIR_OUTBOUND ? p.peer : p.local;
	} else {
		p.sel_src = dir == PFKEY_DIR_OUTBOUND ? p.local : p.peer;
		p.sel_dst = dir == PFKEY_DIR_OUTBOUND ? p.peer : p.local;
	}
	return (p);
}

ATF_TC_WITHOUT_HEAD(pv_generate_policy);
ATF_TC_BODY(pv_generate_policy, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_spd p;
	char why[PV_WHY_MAX];

	p = spd_req(PFKEY_DIR_OUTBOUND, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), 0);
	p = spd_req(PFKEY_DIR_INBOUND, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), 0);
	p = spd_req(PFKEY_DIR_FWD, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), 0);
	/* Tunnel endpoints that are not the IKE peers. */
	p = spd_req(PFKEY_DIR_OUTBOUND, PFKEY_MODE_TUNNEL);
	p.tun_dst = ad("198.51.100.9");
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), EPERM);
	p = spd_req(PFKEY_DIR_INBOUND, PFKEY_MODE_TUNNEL);
	p.tun_src = p.local;			/* the wrong order */
	p.tun_dst = p.peer;
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), EPERM);
	/* Transport: exactly the two hosts. */
	p = spd_req(PFKEY_DIR_OUTBOUND, PFKEY_MODE_TRANSPORT);
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), 0);
	p.sel_dst.plen = 24;
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), EPERM);
	p = spd_req(PFKEY_DIR_OUTBOUND, PFKEY_MODE_TRANSPORT);
	p.sel_dst = ad("10.9.9.9");
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), EPERM);
	/* A remote without generate_policy. */
	p = spd_req(PFKEY_DIR_OUTBOUND, PFKEY_MODE_TRANSPORT);
	p.peer = ad("203.0.113.5");
	p.sel_dst = p.peer;
	ATF_CHECK_EQ(pv_spd_check(pv, &p, why, sizeof(why)), EPERM);
	ATF_CHECK(strstr(why, "generate") != NULL);
	/* Deleting: only what was generated, and only once. */
	p = spd_req(PFKEY_DIR_OUTBOUND, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(pv_spd_delete_check(pv, p.dir, &p.sel_src, &p.sel_dst,
	    p.ulproto, why, sizeof(why)), EPERM);
	ATF_REQUIRE(pv_spd_done(pv, &p) == 0);
	ATF_CHECK_EQ(pv_spd_delete_check(pv, p.dir, &p.sel_src, &p.sel_dst,
	    p.ulproto, why, sizeof(why)), 0);
	ATF_CHECK_EQ(pv_spd_delete_check(pv, PFKEY_DIR_INBOUND, &p.sel_src,
	    &p.sel_dst, p.ulproto, why, sizeof(why)), EPERM);
	pv_spd_delete_done(pv, p.dir, &p.sel_src, &p.sel_dst, p.ulproto);
	ATF_CHECK_EQ(pv_spd_delete_check(pv, p.dir, &p.sel_src, &p.sel_dst,
	    p.ulproto, why, sizeof(why)), EPERM);
	pv_free(pv);
}

ATF_TC_WITHOUT_HEAD(pv_pending_bounds);
ATF_TC_BODY(pv_pending_bounds, tc)
{
	struct pv *pv = pv_fixture(NULL);
	struct pv_getspi g = gs("198.51.100.7", "192.0.2.1");
	struct pv_sa s;
	char why[PV_WHY_MAX];
	uint32_t i;

	for (i = 0; i < PV_PENDING_MAX; i++)
		ATF_REQUIRE(pv_getspi_done(pv, &g, 0x1000 + i, NOW) == 0);
	ATF_CHECK_EQ(pv_pending(pv), (size_t)PV_PENDING_MAX);
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW, why, sizeof(why)),
	    ENOBUFS);
	/* Unused SPIs age out; an UPDATE on one is then refused. */
	ATF_CHECK_EQ(pv_getspi_check(pv, &g, NOW + PV_PENDING_TTL + 1, why,
	    sizeof(why)), 0);
	ATF_CHECK_EQ(pv_pending(pv), 0u);
	s = sa_in("198.51.100.7", "192.0.2.1", 0x1000);
	ATF_CHECK_EQ(pv_sa_check(pv, &s, NOW + PV_PENDING_TTL + 1, why,
	    sizeof(why)), EPERM);
	pv_free(pv);
}

ATF_TC_WITHOUT_HEAD(pv_anonymous);
ATF_TC_BODY(pv_anonymous, tc)
{
	struct pv_remote rem;
	struct pv_rules r;
	struct pv *pv;
	struct sad_addr a;

	memset(&rem, 0, sizeof(rem));
	(void)strlcpy(rem.name, "anonymous", sizeof(rem.name));
	memset(&r, 0, sizeof(r));
	r.remotes = &rem;
	r.nremotes = 1;
	ATF_REQUIRE((pv = pv_new(NULL)) != NULL);
	ATF_REQUIRE(pv_set_rules(pv, &r) == 0);
	a = ad("198.51.100.200");
	ATF_CHECK(pv_peer_allowed(pv, &a));
	a = ad("2001:db8:1::5");
	ATF_CHECK(pv_peer_allowed(pv, &a));
	a = ad("0.0.0.0");
	ATF_CHECK(!pv_peer_allowed(pv, &a));
	a = ad("255.255.255.255");
	ATF_CHECK(!pv_peer_allowed(pv, &a));
	a = ad("ff02::1");
	ATF_CHECK(!pv_peer_allowed(pv, &a));
	a = ad("::ffff:192.0.2.1");
	ATF_CHECK(!pv_peer_allowed(pv, &a));
	/* No remote at all: nobody. */
	r.nremotes = 0;
	ATF_REQUIRE(pv_set_rules(pv, &r) == 0);
	a = ad("198.51.100.200");
	ATF_CHECK(!pv_peer_allowed(pv, &a));
	pv_free(pv);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, frame_roundtrip);
	ATF_TP_ADD_TC(tp, fd_passing);
	ATF_TP_ADD_TC(tp, frame_malformed);
	ATF_TP_ADD_TC(tp, frame_check_direct);
	ATF_TP_ADD_TC(tp, reader_truncation);
	ATF_TP_ADD_TC(tp, reader_addresses);
	ATF_TP_ADD_TC(tp, unspec_addr_port);
	ATF_TP_ADD_TC(tp, reader_strings_blobs);
	ATF_TP_ADD_TC(tp, writer_bounds);
	ATF_TP_ADD_TC(tp, queue_drains);
	ATF_TP_ADD_TC(tp, pv_getspi_rules);
	ATF_TP_ADD_TC(tp, pv_update_forged);
	ATF_TP_ADD_TC(tp, pv_sa_addresses);
	ATF_TP_ADD_TC(tp, pv_algorithms);
	ATF_TP_ADD_TC(tp, pv_reqid_mode_lifetime);
	ATF_TP_ADD_TC(tp, pv_add_pairing);
	ATF_TP_ADD_TC(tp, pv_natt);
	ATF_TP_ADD_TC(tp, pv_delete_and_peer);
	ATF_TP_ADD_TC(tp, pv_generate_policy);
	ATF_TP_ADD_TC(tp, pv_pending_bounds);
	ATF_TP_ADD_TC(tp, pv_anonymous);
	return (atf_no_error());
}
