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
 * The IKE relay (sadbd -K): the data plane owns the NAT-T port, and with
 * NAT-T an IKE daemon needs that port too (RFC 3948: IKE and ESP share
 * it, told apart by the non-ESP marker).  Sharing the socket through
 * SO_REUSEPORT does not work (the kernel picks one socket per flow, not
 * per kind of datagram), so sadbd hands IKE over instead:
 *
 *   worker: a datagram with the marker -> one record (ike_relay.h) on the
 *	client's SOCK_SEQPACKET connection, sent with MSG_DONTWAIT; if the
 *	client does not keep up the record is dropped and counted, so no
 *	worker ever waits for it
 *   relay thread: accepts the client (root or sadbd's own user, one at a
 *	time), reads its records, checks every field and sends the payload
 *	from the data plane's port (worker 0's socket) to the peer
 *
 * The workers read the client's descriptor under a lock of their own
 * that they only ever try (pthread_rwlock_tryrdlock): while the relay
 * thread swaps the descriptor, which takes microseconds, a datagram is
 * dropped rather than waited for.  Nothing of the data plane's own lock
 * or state is used here.
 *
 * A second client is refused (closed at once) while one is connected:
 * two IKE daemons on one port would each see half of the exchanges, and
 * a client that dies is noticed at once (the kernel closes its end), so
 * a restarted daemon is never locked out.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sadbd.h"
#include "ike_relay.h"

#ifdef __linux__

/* Records read in one wake-up of the relay thread. */
#define RELAY_BATCH		64
/*
 * The send buffer of the client's connection: what a slow client may
 * have waiting before datagrams are dropped.  The kernel doubles it for
 * its bookkeeping; 2 MiB so charged hold some 500 IKE messages of 1500
 * bytes (each costs a few KiB of kernel memory).
 */
#define RELAY_SNDBUF		(1 << 20)
/* Local addresses found usable, remembered this long. */
#define RELAY_LOCAL_CACHE	4
#define RELAY_LOCAL_MS		1000
#define RELAY_WARN_PER_SEC	5

enum relay_cnt {
	R_IN, R_IN_NOCLIENT, R_IN_DROPPED, R_IN_REFUSED,
	R_OUT, R_OUT_BAD, R_OUT_ERR, R_CLIENTS, R_REFUSED,
	R__MAX
};

static const char *const relay_cnt_names[R__MAX] = {
	[R_IN] = "relay_in",
	[R_IN_NOCLIENT] = "relay_in_noclient",
	[R_IN_DROPPED] = "relay_in_dropped",
	[R_IN_REFUSED] = "relay_in_refused",
	[R_OUT] = "relay_out",
	[R_OUT_BAD] = "relay_out_bad",
	[R_OUT_ERR] = "relay_out_errors",
	[R_CLIENTS] = "relay_clients",
	[R_REFUSED] = "relay_refused",
};

static struct {
	bool			 configured;	/* -K given (counters shown) */
	bool			 on;		/* the thread runs */
	char			 path[sizeof(((struct sockaddr_un *)0)->
				    sun_path)];
	bool			 unlink_path;
	uint16_t		 port;
	int			 udp4;		/* the data plane's; -1 */
	int			 udp6;
	uid_t			 euid;
	int			 lfd;
	int			 stop[2];	/* a pipe */
	pthread_t		 thr;
	/* Workers read cfd under it; the relay thread changes it. */
	pthread_rwlock_t	 lock;
	int			 cfd;
	_Atomic long		 cpid;
	_Atomic long		 cuid;
	uint8_t			*rbuf;		/* IKE_RELAY_MAXREC */
	_Atomic uint64_t	 cnt[R__MAX];
	/* The relay thread's own. */
	struct {
		struct sad_addr	 a;
		int64_t		 until;
	}			 local[RELAY_LOCAL_CACHE];
	size_t			 nextlocal;
	int64_t			 warn_sec;
	unsigned		 warn_n;
} rl = {
	.lfd = -1, .cfd = -1, .stop = { -1, -1 }, .udp4 = -1, .udp6 = -1,
};

static void
rcnt(enum relay_cnt c)
{
	atomic_fetch_add_explicit(&rl.cnt[c], 1, memory_order_relaxed);
}

static int64_t
relay_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Rate-limited warnings (relay thread only). */
static void __attribute__((__format__(printf, 1, 2)))
relay_warn(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int64_t sec = relay_ms() / 1000;

	if (sec != rl.warn_sec) {
		rl.warn_sec = sec;
		rl.warn_n = 0;
	}
	if (rl.warn_n++ >= RELAY_WARN_PER_SEC)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
}

/* ------------------------------------------------------------ workers */

bool
relay_deliver(const struct sad_addr *src, uint16_t sport,
    const struct sad_addr *dst, const uint8_t *p, size_t len)
{
	struct ike_relay_rec rec;
	uint8_t hdr[IKE_RELAY_HDRLEN];
	struct iovec iov[2];
	struct msghdr mh;
	ssize_t n;

	if (!rl.on)
		return (false);
	memset(&rec, 0, sizeof(rec));
	rec.local = *dst;
	rec.local.port = rl.port;
	rec.local.scope = 0;
	rec.remote = *src;
	rec.remote.port = sport;
	rec.remote.scope = 0;
	rec.payload = p;
	rec.len = len;
	if (ike_relay_encode_hdr(&rec, hdr) != IKE_RELAY_OK) {
		/* Broadcast, link-local: nothing a record can carry. */
		rcnt(R_IN_REFUSED);
		return (true);
	}
	if (pthread_rwlock_tryrdlock(&rl.lock) != 0) {
		/* The client is being changed: do not wait. */
		rcnt(R_IN_DROPPED);
		return (true);
	}
	if (rl.cfd == -1) {
		(void)pthread_rwlock_unlock(&rl.lock);
		rcnt(R_IN_NOCLIENT);
		return (true);
	}
	iov[0].iov_base = hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = (void *)(uintptr_t)p;
	iov[1].iov_len = len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	n = sendmsg(rl.cfd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	(void)pthread_rwlock_unlock(&rl.lock);
	/* EAGAIN: the client's backlog is full; EPIPE: it is leaving. */
	rcnt(n == (ssize_t)(sizeof(hdr) + len) ? R_IN : R_IN_DROPPED);
	return (true);
}

/* ------------------------------------------------------- relay thread */

static void
client_set(int fd, long pid, long uid)
{
	(void)pthread_rwlock_wrlock(&rl.lock);
	rl.cfd = fd;
	(void)pthread_rwlock_unlock(&rl.lock);
	atomic_store(&rl.cpid, pid);
	atomic_store(&rl.cuid, uid);
}

static void
client_close(const char *why)
{
	int fd = rl.cfd;

	if (fd == -1)
		return;
	log_info("%s: ike relay: client pid %ld %s", __func__,
	    atomic_load(&rl.cpid), why);
	client_set(-1, -1, -1);
	close(fd);
}

/* A new connection: root or our own user, and only one at a time. */
static void
client_accept(void)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int fd, v = RELAY_SNDBUF;

	if ((fd = accept4(rl.lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			relay_warn("%s: ike relay: accept: %s", __func__,
			    strerror(errno));
		return;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1) {
		relay_warn("%s: ike relay: SO_PEERCRED: %s", __func__,
		    strerror(errno));
		rcnt(R_REFUSED);
		close(fd);
		return;
	}
	if (uc.uid != 0 && uc.uid != rl.euid) {
		relay_warn("%s: ike relay: refused pid %ld: uid %lu is neither "
		    "root nor sadbd's", __func__, (long)uc.pid,
		    (unsigned long)uc.uid);
		rcnt(R_REFUSED);
		close(fd);
		return;
	}
	if (rl.cfd != -1) {
		relay_warn("%s: ike relay: refused pid %ld: pid %ld is "
		    "connected", __func__, (long)uc.pid,
		    atomic_load(&rl.cpid));
		rcnt(R_REFUSED);
		close(fd);
		return;
	}
	/* Root may go past net.core.wmem_max; others get what they may. */
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
	client_set(fd, (long)uc.pid, (long)uc.uid);
	rcnt(R_CLIENTS);
	log_info("%s: ike relay: client pid %ld uid %lu connected", __func__,
	    (long)uc.pid, (unsigned long)uc.uid);
}

/*
 * Whether `a' is an address of this host, so that the kernel takes it as
 * a source: bind(2) says so (EADDRNOTAVAIL), with the answers of the last
 * second remembered.
 */
static bool
local_ok(const struct sad_addr *a)
{
	struct sockaddr_storage ss;
	struct sad_addr b = *a;
	socklen_t sl;
	int64_t now = relay_ms();
	size_t i;
	int fd;
	bool ok;

	for (i = 0; i < RELAY_LOCAL_CACHE; i++)
		if (rl.local[i].until > now &&
		    sad_addr_cmp(&rl.local[i].a, a) == 0)
			return (true);
	b.port = 0;
	b.scope = 0;
	sl = sad_addr_to_sockaddr(&b, &ss);
	if ((fd = socket(a->af, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		relay_warn("%s: ike relay: socket: %s", __func__,
		    strerror(errno));
		return (false);
	}
	ok = bind(fd, (struct sockaddr *)&ss, sl) == 0;
	close(fd);
	if (ok) {
		rl.local[rl.nextlocal].a = b;
		rl.local[rl.nextlocal].until = now + RELAY_LOCAL_MS;
		rl.nextlocal = (rl.nextlocal + 1) % RELAY_LOCAL_CACHE;
	}
	return (ok);
}

static bool
unspecified(const struct sad_addr *a)
{
	static const uint8_t zero[16];

	return (memcmp(a->a.b, zero, sad_addr_bits(a) / 8) == 0);
}

/* A record refused: counted, and logged (rate-limited). */
static void __attribute__((__format__(printf, 1, 2)))
bad_record(const char *fmt, ...)
{
	char buf[200];
	va_list ap;

	rcnt(R_OUT_BAD);
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	relay_warn("%s: ike relay: record from pid %ld refused: %s",
	    __func__, atomic_load(&rl.cpid), buf);
}

/* One record from the client: checked, then sent to the peer. */
static void
relay_send(const uint8_t *buf, size_t len)
{
	struct ike_relay_rec rec;
	struct sockaddr_storage to;
	union {
		struct cmsghdr	c;
		uint8_t		b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	struct cmsghdr *cm;
	struct in_pktinfo pi;
	struct in6_pktinfo pi6;
	struct iovec iov;
	struct msghdr mh;
	char a[INET6_ADDRSTRLEN], r[INET6_ADDRSTRLEN];
	int rc, fd;

	if ((rc = ike_relay_decode(buf, len, &rec)) != IKE_RELAY_OK) {
		bad_record("%s", ike_relay_strerror(rc));
		return;
	}
	if (rec.local.port != rl.port) {
		bad_record("local port %u is not the data plane's (%u)",
		    (unsigned)rec.local.port, (unsigned)rl.port);
		return;
	}
	fd = rec.local.af == AF_INET ? rl.udp4 : rl.udp6;
	if (fd == -1) {
		bad_record("no %s socket on port %u",
		    rec.local.af == AF_INET ? "IPv4" : "IPv6",
		    (unsigned)rl.port);
		return;
	}
	if (!unspecified(&rec.local) && !local_ok(&rec.local)) {
		bad_record("local address %s is not one of this host's",
		    sad_addr_ntop(&rec.local, a, sizeof(a)));
		return;
	}

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)rec.payload;
	iov.iov_len = rec.len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_name = &to;
	mh.msg_namelen = sad_addr_to_sockaddr(&rec.remote, &to);
	if (!unspecified(&rec.local)) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.b;
		cm = (struct cmsghdr *)(void *)ctl.b;
		if (rec.local.af == AF_INET) {
			memset(&pi, 0, sizeof(pi));
			pi.ipi_spec_dst = rec.local.a.v4;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		} else {
			memset(&pi6, 0, sizeof(pi6));
			pi6.ipi6_addr = rec.local.a.v6;
			mh.msg_controllen = CMSG_SPACE(sizeof(pi6));
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi6));
			memcpy(CMSG_DATA(cm), &pi6, sizeof(pi6));
		}
	}
	if (sendmsg(fd, &mh, MSG_DONTWAIT) == (ssize_t)rec.len) {
		rcnt(R_OUT);
		return;
	}
	rcnt(R_OUT_ERR);
	relay_warn("%s: ike relay: %s[%u] -> %s[%u]: %s", __func__,
	    sad_addr_ntop(&rec.local, a, sizeof(a)),
	    (unsigned)rec.local.port, sad_addr_ntop(&rec.remote, r,
	    sizeof(r)), (unsigned)rec.remote.port, strerror(errno));
}

/*
 * recv(2) returns 0 both for an empty record and at the end: the end
 * is when the peer has shut down.
 */
static bool
client_gone(void)
{
	struct pollfd p;

	p.fd = rl.cfd;
	p.events = POLLIN | POLLRDHUP;
	p.revents = 0;
	return (poll(&p, 1, 0) == 1 &&
	    (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0);
}

static void
client_read(void)
{
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;
	int k;

	for (k = 0; k < RELAY_BATCH && rl.cfd != -1; k++) {
		memset(&mh, 0, sizeof(mh));
		iov.iov_base = rl.rbuf;
		iov.iov_len = IKE_RELAY_MAXREC;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		/*
		 * No room for control messages: descriptors a client passes
		 * are discarded by the kernel (MSG_CTRUNC), never ours.
		 */
		n = recvmsg(rl.cfd, &mh, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR)
				return;
			client_close(errno == ECONNRESET ? "went away" :
			    "failed");
			return;
		}
		if (n == 0) {
			if (client_gone()) {
				client_close("disconnected");
				return;
			}
			bad_record("empty");
			continue;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			bad_record("longer than %u bytes",
			    (unsigned)IKE_RELAY_MAXREC);
			continue;
		}
		if (mh.msg_flags & MSG_CTRUNC) {
			bad_record("carries control messages");
			continue;
		}
		relay_send(rl.rbuf, (size_t)n);
	}
}

static void *
relay_main(void *arg)
{
	struct pollfd pfd[3];

	for (;;) {
		pfd[0].fd = rl.stop[0];
		pfd[1].fd = rl.lfd;
		pfd[2].fd = rl.cfd;
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		pfd[0].revents = pfd[1].revents = pfd[2].revents = 0;
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			log_warn("%s: ike relay: poll", __func__);
			break;
		}
		if (pfd[0].revents != 0)
			break;
		if (pfd[2].revents != 0)
			client_read();
		if (pfd[1].revents & POLLIN)
			client_accept();
	}
	return (NULL);
}

/* --------------------------------------------------------- start, stop */

/* Whether something answers on the socket at `path'. */
static bool
relay_alive(const struct sockaddr_un *sun)
{
	int fd;
	bool alive;

	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		fatal("%s: socket", __func__);
	alive = connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0;
	close(fd);
	return (alive);
}

void
relay_start(const char *path, uint16_t port, int udp4, int udp6)
{
	struct sockaddr_un sun;
	struct stat st;
	sigset_t all, old;
	mode_t omask;
	int rc, k;

	rl.configured = true;
	rl.port = port;
	rl.udp4 = udp4;
	rl.udp6 = udp6;
	rl.euid = geteuid();
	for (k = 0; k < R__MAX; k++)
		atomic_init(&rl.cnt[k], 0);
	atomic_init(&rl.cpid, -1);
	atomic_init(&rl.cuid, -1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(rl.path, path, sizeof(rl.path)) >= sizeof(rl.path))
		fatalx("%s: ike relay socket path too long: %s", __func__,
		    path);
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			fatalx("%s: %s exists and is not a socket", __func__,
			    path);
		if (relay_alive(&sun))
			fatalx("%s: another daemon answers on %s", __func__,
			    path);
		if (unlink(path) == -1)
			fatal("%s: unlink %s", __func__, path);
		log_info("%s: replaced the stale socket %s", __func__, path);
	}
	if ((rl.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1)
		fatal("%s: socket", __func__);
	/* Mode 0600 from the start: nobody else connects in between. */
	omask = umask(0177);
	if (bind(rl.lfd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fatal("%s: bind %s", __func__, path);
	(void)umask(omask);
	rl.unlink_path = true;
	if (chmod(path, 0600) == -1)
		fatal("%s: chmod %s", __func__, path);
	if (listen(rl.lfd, 8) == -1)
		fatal("%s: listen", __func__);
	if ((rl.rbuf = malloc(IKE_RELAY_MAXREC)) == NULL)
		fatal("%s: malloc", __func__);
	if (pipe2(rl.stop, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("%s: pipe", __func__);
	if (pthread_rwlock_init(&rl.lock, NULL) != 0)
		fatalx("%s: pthread_rwlock_init", __func__);
	/* Before the workers start: they read it unlocked. */
	rl.on = true;

	/* Signals are for the event loop. */
	sigfillset(&all);
	(void)pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&rl.thr, NULL, relay_main, NULL);
	(void)pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		fatal("%s: pthread_create", __func__);
	}
	log_info("%s: ike relay on %s for UDP port %u", __func__, path,
	    (unsigned)port);
}

void
relay_stop(void)
{
	char c = 0;

	if (!rl.on)
		return;
	if (write(rl.stop[1], &c, 1) == -1)
		log_warn("%s: write", __func__);
	(void)pthread_join(rl.thr, NULL);
	client_close("closed: sadbd stops");
	rl.on = false;
	close(rl.lfd);
	rl.lfd = -1;
	close(rl.stop[0]);
	close(rl.stop[1]);
	rl.stop[0] = rl.stop[1] = -1;
	if (rl.unlink_path && unlink(rl.path) == -1 && errno != ENOENT)
		log_warn("%s: unlink %s", __func__, rl.path);
	rl.unlink_path = false;
	free(rl.rbuf);
	rl.rbuf = NULL;
	(void)pthread_rwlock_destroy(&rl.lock);
}

void
relay_log_stats(void)
{
	char line[512];
	size_t used;
	int k, r;

	if (!rl.configured)
		return;
	r = snprintf(line, sizeof(line), "ike_relay=%s client_pid=%ld",
	    rl.path, rl.on ? atomic_load(&rl.cpid) : -1L);
	used = r < 0 ? 0 : (size_t)r < sizeof(line) ? (size_t)r :
	    sizeof(line) - 1;
	for (k = 0; k < R__MAX; k++) {
		r = snprintf(line + used, sizeof(line) - used, " %s=%llu",
		    relay_cnt_names[k], (unsigned long long)atomic_load(
		    &rl.cnt[k]));
		if (r < 0 || (size_t)r >= sizeof(line) - used)
			break;
		used += (size_t)r;
	}
	log_info("dataplane: %s", line);
}

#else /* !__linux__ */

/* The data plane needs Linux; so does its relay. */

bool
relay_deliver(const struct sad_addr *src, uint16_t sport,
    const struct sad_addr *dst, const uint8_t *p, size_t len)
{
	return (false);
}

void
relay_start(const char *path, uint16_t port, int udp4, int udp6)
{
	fatalx("%s: the IKE relay (-K) needs the data plane (Linux)",
	    __func__);
}

void
relay_stop(void)
{
}

void
relay_log_stats(void)
{
}

#endif /* __linux__ */
