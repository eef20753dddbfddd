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
 * The ike process: unprivileged, chrooted, the only one that reads what
 * peers send.  This file is its frame: the sockets the parent passes
 * (UDP of our own, or sadbd's IKE relay for the NAT-T port, both made to
 * look alike: a datagram, where it came from, where it went), the
 * channels to the parent and the ca process, configuration updates,
 * control queries, and the asynchronous services of exchange.h.  The
 * protocol work is the exchange layer's (exchange.h).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "racoon-ng.h"
#include "cert.h"
#include "exchange.h"
#include "ike_relay.h"
#include "conf.h"

#define IKE_BATCH	64		/* datagrams per socket per wakeup */
#define NATT_MARKER	4		/* RFC 3948 non-ESP marker */
#define IKE_SEND_MAX	IKE_RELAY_MAX4	/* a UDP payload over IPv4 */

struct isock {
	TAILQ_ENTRY(isock)	 entry;
	uint32_t		 id;
	int			 fd;
	uint8_t			 kind;
	uint8_t			 role;
	uint8_t			 flags;
	struct sad_addr		 local;
};

enum preq_kind { PREQ_SPI, PREQ_RESULT, PREQ_PRF, PREQ_SIGN };

struct preq {
	TAILQ_ENTRY(preq)	 entry;
	uint32_t		 id;
	enum preq_kind		 kind;
	union {
		frame_spi_cb	 spi;
		frame_result_cb	 result;
		frame_prf_cb	 prf;
		frame_sign_cb	 sign;
	} cb;
	void			*arg;
};

static struct {
	struct ipc_chan		 parent;
	struct ipc_chan		 ca;
	struct rcn_config	*cfg;
	char			*ctext;		/* configuration being sent */
	size_t			 ctextlen;
	size_t			 ctextcap;
	uint32_t		 cgen;
	TAILQ_HEAD(, isock)	 socks;
	TAILQ_HEAD(, preq)	 preqs;
	uint32_t		 lastid;
	uint64_t		 keepalives;
	uint64_t		 keepalives_sent;
	uint64_t		 non_ike;
	uint8_t			 pkt[IKE_RELAY_MAXREC + 64];	/* received */
	uint8_t			 out[IKE_RELAY_MAXREC + 64];	/* records */
	uint8_t			 snd[IKE_RELAY_MAXREC + 64];	/* to send */
} ike;

/* A remote's certificate material (PI_CERT). */
struct icert {
	TAILQ_ENTRY(icert)	 entry;
	char			 name[PS_NAME_MAX];
	struct frame_certs	 fc;
	/* DERs of `mine' and `peer' until PI_CERTS_END builds them. */
	struct isakmp_cert	 der[2][CERT_CHAIN_MAX];
	size_t			 nder[2];
};
TAILQ_HEAD(icertq, icert);

static struct {
	struct icertq		 cur;		/* in force */
	struct icertq		 pend;		/* being received */
	uint32_t		 gen;
	bool			 receiving;
} icerts = {
	TAILQ_HEAD_INITIALIZER(icerts.cur),
	TAILQ_HEAD_INITIALIZER(icerts.pend),
	0, false
};

static void	parent_cb(int, short, void *);
static void	ca_cb(int, short, void *);

/* ------------------------------------------------------------- helpers */

static void
send_parent(uint32_t type, uint32_t peerid, const struct ipc_wr *w)
{
	int rc;

	if ((rc = ipc_compose_wr(&ike.parent, type, peerid, -1, w)) != 0)
		log_warnx("%s: type %u: %s", __func__, type,
		    ipc_strerror(rc));
	(void)ipc_flush(&ike.parent);
}

static uint32_t
next_id(void)
{
	if (++ike.lastid == 0)
		ike.lastid = 1;
	return (ike.lastid);
}

static struct preq *
preq_new(enum preq_kind kind, void *arg)
{
	struct preq *p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->id = next_id();
	p->kind = kind;
	p->arg = arg;
	TAILQ_INSERT_TAIL(&ike.preqs, p, entry);
	return (p);
}

static struct preq *
preq_take(uint32_t id, enum preq_kind kind)
{
	struct preq *p;

	TAILQ_FOREACH(p, &ike.preqs, entry)
		if (p->id == id && p->kind == kind) {
			TAILQ_REMOVE(&ike.preqs, p, entry);
			return (p);
		}
	return (NULL);
}

static void
preq_drop(struct preq *p)
{
	TAILQ_REMOVE(&ike.preqs, p, entry);
	free(p);
}

void
frame_cancel(void *arg)
{
	struct preq *p, *n;

	TAILQ_FOREACH_SAFE(p, &ike.preqs, entry, n)
		if (p->arg == arg)
			preq_drop(p);
}

const struct rcn_config *
frame_conf(void)
{
	return (ike.cfg);
}

/* ------------------------------------------------------------- sockets */

static struct isock *
sock_find(uint32_t id)
{
	struct isock *s;

	TAILQ_FOREACH(s, &ike.socks, entry)
		if (s->id == id)
			return (s);
	return (NULL);
}

/* The local address a datagram was sent to (IP_PKTINFO and friends). */
static void
pktinfo_local(struct msghdr *mh, struct sad_addr *to)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
#if defined(IP_PKTINFO)
		if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			to->af = AF_INET;
			to->a.v4 = pi.ipi_addr;
			to->plen = 32;
		}
#elif defined(IP_RECVDSTADDR)
		if (c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_RECVDSTADDR &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in_addr))) {
			to->af = AF_INET;
			memcpy(&to->a.v4, CMSG_DATA(c), sizeof(to->a.v4));
			to->plen = 32;
		}
#endif
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			to->af = AF_INET6;
			to->a.v6 = pi6.ipi6_addr;
			to->plen = 128;
			to->scope = IN6_IS_ADDR_LINKLOCAL(&pi6.ipi6_addr) ?
			    pi6.ipi6_ifindex : 0;
		}
	}
}

/*
 * Read one datagram: 1 with the payload in ike.pkt, 0 when none waits,
 * -1 on an error (logged).
 */
static int
sock_read(struct isock *s, size_t *len, struct sad_addr *from,
    struct sad_addr *to)
{
	union {
		struct cmsghdr	hdr;
		char		buf[256];
	} cm;
	struct ike_relay_rec rec;
	struct sockaddr_storage ss;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	int rc;

	memset(from, 0, sizeof(*from));
	*to = s->local;
	if (s->kind == PS_SOCK_RELAY) {
		n = recv(s->fd, ike.out, sizeof(ike.out), 0);
		if (n == -1)
			return (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1);
		if (n == 0) {
			log_warnx("%s: sadbd's IKE relay closed", __func__);
			return (-1);
		}
		if ((rc = ike_relay_decode(ike.out, (size_t)n, &rec)) != 0) {
			log_debug("%s: relay record dropped: %s", __func__,
			    ike_relay_strerror(rc));
			*len = 0;
			return (1);
		}
		*from = rec.remote;
		*to = rec.local;
		memcpy(ike.pkt, rec.payload, rec.len);
		*len = rec.len;
		return (1);
	}
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = ike.pkt;
	iov.iov_len = sizeof(ike.pkt);
	mh.msg_name = &ss;
	mh.msg_namelen = sizeof(ss);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cm.buf;
	mh.msg_controllen = sizeof(cm.buf);
	if ((n = recvmsg(s->fd, &mh, 0)) == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR ? 0 : -1);
	if (mh.msg_flags & MSG_TRUNC) {
		log_debug("%s: a truncated datagram was dropped", __func__);
		*len = 0;
		return (1);
	}
	if (sad_addr_from_sockaddr(from, (struct sockaddr *)&ss, 0) != 0) {
		*len = 0;
		return (1);
	}
	from->plen = (uint8_t)sad_addr_bits(from);
	if (s->flags & PS_SOCKF_PKTINFO)
		pktinfo_local(&mh, to);
	to->port = s->local.port;
	*len = (size_t)n;
	return (1);
}

static void
sock_cb(int fd, short ev, void *arg)
{
	struct isock *s = arg;
	struct ike_packet pkt;
	size_t len;
	int i, rc;

	for (i = 0; i < IKE_BATCH; i++) {
		memset(&pkt, 0, sizeof(pkt));
		rc = sock_read(s, &len, &pkt.ep.remote, &pkt.ep.local);
		if (rc == 0)
			return;
		if (rc == -1) {
			log_warn("%s: socket %u", __func__, s->id);
			if (s->kind == PS_SOCK_RELAY) {
				/* A closed relay reads as EOF for ever. */
				loop_del(s->fd);
			}
			return;
		}
		if (len == 0)
			continue;
		pkt.ep.sock = s->id;
		pkt.ep.natt = s->role == PS_ROLE_NATT;
		pkt.data = ike.pkt;
		pkt.len = len;
		if (pkt.ep.natt) {
			/* RFC 3948: a keepalive is one 0xff byte; IKE comes
			 * after four zero bytes; anything else is ESP that
			 * the kernel did not take. */
			if (len == 1 && ike.pkt[0] == 0xff) {
				ike.keepalives++;
				continue;
			}
			if (len < NATT_MARKER || ike.pkt[0] != 0 ||
			    ike.pkt[1] != 0 || ike.pkt[2] != 0 ||
			    ike.pkt[3] != 0) {
				ike.non_ike++;
				continue;
			}
			pkt.data += NATT_MARKER;
			pkt.len -= NATT_MARKER;
		}
		ike_recv(&pkt);
	}
}

int
frame_send_keepalive(const struct ike_endpoint *ep)
{
	static const uint8_t ka = 0xff;
	struct sockaddr_storage ss;
	struct isock *s;
	socklen_t sslen;

	if (!ep->natt)
		return (EINVAL);
	if ((s = sock_find(ep->sock)) == NULL)
		return (ENOENT);
	if (s->kind == PS_SOCK_RELAY)
		return (0);
	if ((sslen = sad_addr_to_sockaddr(&ep->remote, &ss)) == 0)
		return (EAFNOSUPPORT);
	if (sendto(s->fd, &ka, sizeof(ka), 0, (struct sockaddr *)&ss,
	    sslen) != (ssize_t)sizeof(ka))
		return (errno != 0 ? errno : EIO);
	ike.keepalives_sent++;
	return (0);
}

uint16_t
frame_natt_port(void)
{
	struct isock *s;

	TAILQ_FOREACH(s, &ike.socks, entry)
		if (s->role == PS_ROLE_NATT)
			return (s->local.port);
	return (0);
}

int
frame_endpoint(const struct sad_addr *local, const struct sad_addr *remote,
    bool natt, struct ike_endpoint *ep)
{
	struct isock *s, *best = NULL;
	uint8_t role = natt ? PS_ROLE_NATT : PS_ROLE_IKE;
	int af = remote->af;

	memset(ep, 0, sizeof(*ep));
	if (af != AF_INET && af != AF_INET6)
		return (ENOENT);
	if (local->af != AF_UNSPEC && local->af != af)
		return (ENOENT);
	TAILQ_FOREACH(s, &ike.socks, entry) {
		if (s->role != role)
			continue;
		/* Bound to the very address: the best there is. */
		if (s->local.af == af && local->af != AF_UNSPEC &&
		    !(s->flags & PS_SOCKF_PKTINFO) &&
		    sad_addr_cmp(&s->local, local) == 0) {
			best = s;
			break;
		}
		if (best != NULL)
			continue;
		if ((s->flags & PS_SOCKF_PKTINFO) && s->local.af == af)
			best = s;
		else if (s->kind == PS_SOCK_RELAY)
			best = s;
		else if (local->af == AF_UNSPEC && s->local.af == af)
			best = s;
	}
	if (best == NULL)
		return (ENOENT);
	ep->sock = best->id;
	ep->natt = natt;
	ep->remote = *remote;
	if (local->af != AF_UNSPEC)
		ep->local = *local;
	else if (!(best->flags & PS_SOCKF_PKTINFO) &&
	    best->kind == PS_SOCK_UDP)
		ep->local = best->local;
	else {
		memset(&ep->local, 0, sizeof(ep->local));
		ep->local.af = (sa_family_t)af;
	}
	ep->local.port = best->local.port;
	return (0);
}

int
frame_send(const struct ike_endpoint *ep, const void *msg, size_t len)
{
	union {
		struct cmsghdr	hdr;
		char		buf[128];
	} cm;
	struct ike_relay_rec rec;
	struct sockaddr_storage ss;
	struct isock *s;
	struct msghdr mh;
	struct iovec iov[2];
	static const uint8_t marker[NATT_MARKER];
	socklen_t sslen;
	long n;
	ssize_t w;

	if ((s = sock_find(ep->sock)) == NULL)
		return (ENOENT);
	if (len > IKE_SEND_MAX - NATT_MARKER)
		return (EMSGSIZE);
	if (s->kind == PS_SOCK_RELAY) {
		memcpy(ike.snd, marker, NATT_MARKER);
		memcpy(ike.snd + NATT_MARKER, msg, len);
		memset(&rec, 0, sizeof(rec));
		rec.local = ep->local;
		rec.remote = ep->remote;
		rec.payload = ike.snd;
		rec.len = len + NATT_MARKER;
		if ((n = ike_relay_encode(&rec, ike.out, sizeof(ike.out))) < 0)
			return (EINVAL);
		w = send(s->fd, ike.out, (size_t)n, MSG_NOSIGNAL);
		return (w == n ? 0 : errno != 0 ? errno : EIO);
	}
	if ((sslen = sad_addr_to_sockaddr(&ep->remote, &ss)) == 0)
		return (EAFNOSUPPORT);
	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &ss;
	mh.msg_namelen = sslen;
	n = 0;
	if (s->role == PS_ROLE_NATT) {
		iov[n].iov_base = (void *)(uintptr_t)marker;
		iov[n++].iov_len = NATT_MARKER;
	}
	iov[n].iov_base = (void *)(uintptr_t)msg;
	iov[n++].iov_len = len;
	mh.msg_iov = iov;
	mh.msg_iovlen = (size_t)n;
	/* A wildcard socket answers from the address it was asked on. */
	if ((s->flags & PS_SOCKF_PKTINFO) && ep->local.af == AF_INET6) {
		struct in6_pktinfo pi6;

		memset(&cm, 0, sizeof(cm));
		memset(&pi6, 0, sizeof(pi6));
		pi6.ipi6_addr = ep->local.a.v6;
		pi6.ipi6_ifindex = ep->local.scope;
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi6));
		cm.hdr.cmsg_level = IPPROTO_IPV6;
		cm.hdr.cmsg_type = IPV6_PKTINFO;
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(pi6));
		memcpy(CMSG_DATA(&cm.hdr), &pi6, sizeof(pi6));
	}
#if defined(IP_PKTINFO)
	else if ((s->flags & PS_SOCKF_PKTINFO) && ep->local.af == AF_INET) {
		struct in_pktinfo pi;

		memset(&cm, 0, sizeof(cm));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst = ep->local.a.v4;
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(pi));
		cm.hdr.cmsg_level = IPPROTO_IP;
		cm.hdr.cmsg_type = IP_PKTINFO;
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(&cm.hdr), &pi, sizeof(pi));
	}
#elif defined(IP_SENDSRCADDR)
	else if ((s->flags & PS_SOCKF_PKTINFO) && ep->local.af == AF_INET) {
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(struct in_addr));
		cm.hdr.cmsg_level = IPPROTO_IP;
		cm.hdr.cmsg_type = IP_SENDSRCADDR;
		cm.hdr.cmsg_len = CMSG_LEN(sizeof(struct in_addr));
		memcpy(CMSG_DATA(&cm.hdr), &ep->local.a.v4,
		    sizeof(struct in_addr));
	}
#endif
	w = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
	if (w == -1)
		return (errno);
	return ((size_t)w == len + (s->role == PS_ROLE_NATT ? NATT_MARKER :
	    0) ? 0 : EIO);
}

static void
got_socket(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct isock *s;
	char a[80];

	if (m->fd == -1) {
		log_warnx("%s: PI_SOCKET without a descriptor", __func__);
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(m->fd);
		log_warn("%s", __func__);
		return;
	}
	ipc_rd_init(&r, m);
	s->id = ipc_get_u32(&r);
	s->kind = ipc_get_u8(&r);
	s->role = ipc_get_u8(&r);
	s->flags = ipc_get_u8(&r);
	ipc_get_addr(&r, &s->local);
	s->fd = m->fd;
	if (ipc_rd_end(&r) != 0 || s->id == 0 || sock_find(s->id) != NULL ||
	    (s->kind != PS_SOCK_UDP && s->kind != PS_SOCK_RELAY) ||
	    (s->role != PS_ROLE_IKE && s->role != PS_ROLE_NATT) ||
	    (s->kind == PS_SOCK_RELAY && s->role != PS_ROLE_NATT)) {
		log_warnx("%s: malformed PI_SOCKET", __func__);
		close(s->fd);
		free(s);
		return;
	}
	if (loop_add(s->fd, NULL, sock_cb, s) == -1) {
		log_warn("%s: socket %u", __func__, s->id);
		close(s->fd);
		free(s);
		return;
	}
	TAILQ_INSERT_TAIL(&ike.socks, s, entry);
	log_debug("socket %u: %s %s %s%s", s->id,
	    s->kind == PS_SOCK_RELAY ? "sadbd relay" : "udp",
	    s->role == PS_ROLE_NATT ? "nat-t" : "ike",
	    log_addr(&s->local, a, sizeof(a)),
	    (s->flags & PS_SOCKF_ENCAP) ? " (esp-in-udp)" : "");
}

static void
drop_socket(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct isock *s;
	uint32_t id;

	ipc_rd_init(&r, m);
	id = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0 || (s = sock_find(id)) == NULL) {
		log_warnx("%s: malformed PI_SOCKET_CLOSE", __func__);
		return;
	}
	loop_del(s->fd);
	close(s->fd);
	TAILQ_REMOVE(&ike.socks, s, entry);
	free(s);
}

/* ------------------------------------------------------- configuration */

static void
conf_result(uint32_t gen, int error, const char *why)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, gen);
	ipc_put_u32(&w, (uint32_t)error);
	ipc_put_str(&w, why);
	send_parent(IP_CONF_RESULT, 0, &w);
	ipc_wr_free(&w);
}

static void
got_conf(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct rcn_config *n, *old;
	const uint8_t *p;
	size_t len;
	uint32_t gen, total;
	char err[PS_TEXT_MAX];

	ipc_rd_init(&r, m);
	switch (m->hdr.type) {
	case PI_CONF_BEGIN:
		gen = ipc_get_u32(&r);
		total = ipc_get_u32(&r);
		if (ipc_rd_end(&r) != 0 || total > PS_CONF_MAX) {
			log_warnx("%s: malformed PI_CONF_BEGIN", __func__);
			return;
		}
		free(ike.ctext);
		if ((ike.ctext = malloc((size_t)total + 1)) == NULL) {
			ike.ctextcap = 0;
			return;
		}
		ike.ctextcap = total;
		ike.ctextlen = 0;
		ike.cgen = gen;
		return;
	case PI_CONF_DATA:
		p = ipc_get_blob(&r, PS_CONF_CHUNK, &len);
		if (ipc_rd_end(&r) != 0 || ike.ctext == NULL ||
		    len > ike.ctextcap - ike.ctextlen) {
			log_warnx("%s: malformed PI_CONF_DATA", __func__);
			return;
		}
		memcpy(ike.ctext + ike.ctextlen, p, len);
		ike.ctextlen += len;
		return;
	default:
		gen = ipc_get_u32(&r);
		if (ipc_rd_end(&r) != 0 || gen != ike.cgen ||
		    ike.ctext == NULL || ike.ctextlen != ike.ctextcap) {
			conf_result(gen, EINVAL, "configuration incomplete");
			return;
		}
		ike.ctext[ike.ctextlen] = '\0';
		if (rc_parse_text(ike.ctext, ike.ctextlen, &n, err,
		    sizeof(err)) != 0) {
			log_warnx("configuration %u refused: %s", gen, err);
			conf_result(gen, EINVAL, err);
		} else {
			old = ike.cfg;
			ike.cfg = n;
			ike_config(ike.cfg, old);
			if (old != NULL)
				rc_conf_free(old);
			log_debug("configuration %u in force", gen);
			conf_result(gen, 0, "");
		}
		free(ike.ctext);
		ike.ctext = NULL;
		ike.ctextlen = ike.ctextcap = 0;
		return;
	}
}

/* -------------------------------------------------------- certificates */

static void
icert_ders_free(struct icert *c)
{
	size_t k, i;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < c->nder[k]; i++)
			free((void *)(uintptr_t)c->der[k][i].data);
		c->nder[k] = 0;
	}
}

static void
icerts_free(struct icertq *q)
{
	struct icert *c;

	while ((c = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, c, entry);
		icert_ders_free(c);
		cert_free(c->fc.mine);
		cert_free(c->fc.peer);
		cert_store_free(c->fc.store);
		free(c);
	}
}

static struct icert *
icert_find(struct icertq *q, const char *name)
{
	struct icert *c;

	TAILQ_FOREACH(c, q, entry)
		if (strcmp(c->name, name) == 0)
			return (c);
	return (NULL);
}

static void
icert_warn(void *arg, const char *msg)
{
	log_warnx("remote %s: %s", (const char *)arg, msg);
}

const struct frame_certs *
frame_certs(const char *remote)
{
	const struct icert *c;

	if ((c = icert_find(&icerts.cur, remote)) == NULL)
		return (NULL);
	return (&c->fc);
}

/* One DER of PI_CERT into the pending set; -1 if it cannot be used. */
static int
icert_add(const char *name, uint8_t what, const uint8_t *der, size_t len,
    char *err, size_t errsz)
{
	struct icert *c;
	uint8_t *copy;
	size_t k;

	if ((c = icert_find(&icerts.pend, name)) == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			(void)snprintf(err, errsz, "no memory");
			return (-1);
		}
		(void)strlcpy(c->name, name, sizeof(c->name));
		TAILQ_INSERT_TAIL(&icerts.pend, c, entry);
	}
	switch (what) {
	case PS_CERT_CA:
	case PS_CERT_CRL:
		if (c->fc.store == NULL) {
			if ((c->fc.store = cert_store_new()) == NULL) {
				(void)snprintf(err, errsz, "no memory");
				return (-1);
			}
			cert_store_set_warn(c->fc.store, icert_warn, c->name);
		}
		if (what == PS_CERT_CA)
			return (cert_store_add_ca(c->fc.store, "CA", der, len,
			    err, errsz));
		return (cert_store_add_crl(c->fc.store, "CRL", der, len, err,
		    errsz));
	case PS_CERT_MINE:
	case PS_CERT_PEER:
		k = what == PS_CERT_MINE ? 0 : 1;
		if (c->nder[k] == CERT_CHAIN_MAX) {
			(void)snprintf(err, errsz, "more than %d "
			    "certificates", CERT_CHAIN_MAX);
			return (-1);
		}
		if ((copy = malloc(len)) == NULL) {
			(void)snprintf(err, errsz, "no memory");
			return (-1);
		}
		memcpy(copy, der, len);
		c->der[k][c->nder[k]].encoding = ISAKMP_CERT_X509_SIGN;
		c->der[k][c->nder[k]].data = copy;
		c->der[k][c->nder[k]].len = len;
		c->nder[k]++;
		return (0);
	default:
		(void)snprintf(err, errsz, "unknown kind %u", what);
		return (-1);
	}
}

/* PI_CERTS_END: the certificates from their DERs, then in force. */
static void
icerts_commit(void)
{
	struct icert *c;
	struct cert **cp;
	size_t k;
	int notify;
	char err[CERT_ERR_MAX];

	TAILQ_FOREACH(c, &icerts.pend, entry) {
		for (k = 0; k < 2; k++) {
			if (c->nder[k] == 0)
				continue;
			cp = k == 0 ? &c->fc.mine : &c->fc.peer;
			if (cert_from_payloads(c->der[k], c->nder[k], cp,
			    &notify, err, sizeof(err)) != 0)
				log_warnx("remote %s: %s certificate: %s",
				    c->name, k == 0 ? "our" : "the peer's",
				    err);
		}
		icert_ders_free(c);
	}
	icerts_free(&icerts.cur);
	while ((c = TAILQ_FIRST(&icerts.pend)) != NULL) {
		TAILQ_REMOVE(&icerts.pend, c, entry);
		TAILQ_INSERT_TAIL(&icerts.cur, c, entry);
		log_debug("remote %s: %s%s%zu CAs, %zu CRLs", c->name,
		    c->fc.mine != NULL ? "our certificate, " : "",
		    c->fc.peer != NULL ? "the peer's certificate, " : "",
		    c->fc.store != NULL ? cert_store_ncas(c->fc.store) : 0,
		    c->fc.store != NULL ? cert_store_ncrls(c->fc.store) : 0);
	}
}

static void
got_certs(const struct ipc_msg *m)
{
	struct ipc_rd r;
	const uint8_t *der;
	size_t len;
	uint32_t gen;
	uint8_t what;
	char name[PS_NAME_MAX], err[CERT_ERR_MAX];

	ipc_rd_init(&r, m);
	gen = ipc_get_u32(&r);
	switch (m->hdr.type) {
	case PI_CERTS_BEGIN:
		if (ipc_rd_end(&r) != 0) {
			log_warnx("%s: malformed PI_CERTS_BEGIN", __func__);
			return;
		}
		icerts_free(&icerts.pend);
		icerts.gen = gen;
		icerts.receiving = true;
		return;
	case PI_CERT:
		ipc_get_str(&r, name, sizeof(name));
		what = ipc_get_u8(&r);
		der = ipc_get_blob(&r, PS_CERT_DER_MAX, &len);
		if (ipc_rd_end(&r) != 0 || len == 0 || !icerts.receiving ||
		    gen != icerts.gen) {
			log_warnx("%s: malformed PI_CERT", __func__);
			return;
		}
		if (icert_add(name, what, der, len, err, sizeof(err)) != 0)
			log_warnx("remote %s: %s", name, err);
		return;
	default:
		if (ipc_rd_end(&r) != 0 || !icerts.receiving ||
		    gen != icerts.gen) {
			log_warnx("%s: malformed PI_CERTS_END", __func__);
			return;
		}
		icerts.receiving = false;
		icerts_commit();
		return;
	}
}

/* ------------------------------------------------------ parent messages */

static void
got_acquire(const struct ipc_msg *m)
{
	struct ike_acquire a;
	struct ipc_rd r;

	memset(&a, 0, sizeof(a));
	ipc_rd_init(&r, m);
	a.seq = ipc_get_u32(&r);
	a.satype = ipc_get_u8(&r);
	ipc_get_addr(&r, &a.src);
	ipc_get_addr(&r, &a.dst);
	a.spid = ipc_get_u32(&r);
	a.dir = ipc_get_u8(&r);
	ipc_get_addr(&r, &a.sel_src);
	ipc_get_addr(&r, &a.sel_dst);
	a.ulproto = ipc_get_u8(&r);
	a.reqid = ipc_get_u32(&r);
	a.mode = ipc_get_u8(&r);
	a.level = ipc_get_u8(&r);
	if (ipc_rd_end(&r) != 0) {
		log_warnx("%s: malformed PI_ACQUIRE", __func__);
		return;
	}
	ike_acquire(&a);
}

static void
got_expire(const struct ipc_msg *m)
{
	struct ike_expire e;
	struct ipc_rd r;

	memset(&e, 0, sizeof(e));
	ipc_rd_init(&r, m);
	e.satype = ipc_get_u8(&r);
	e.spi = ipc_get_u32(&r);
	ipc_get_addr(&r, &e.src);
	ipc_get_addr(&r, &e.dst);
	e.hard = ipc_get_u8(&r) != 0;
	e.bytes = ipc_get_u64(&r);
	e.addtime = ipc_get_u64(&r);
	if (ipc_rd_end(&r) != 0) {
		log_warnx("%s: malformed PI_EXPIRE", __func__);
		return;
	}
	ike_expire(&e);
}

static void
got_sa_gone(const struct ipc_msg *m)
{
	struct sad_addr src, dst;
	struct ipc_rd r;
	uint32_t spi;
	uint8_t satype;

	ipc_rd_init(&r, m);
	satype = ipc_get_u8(&r);
	spi = ipc_get_u32(&r);
	ipc_get_addr(&r, &src);
	ipc_get_addr(&r, &dst);
	if (ipc_rd_end(&r) != 0) {
		log_warnx("%s: malformed PI_SA_GONE", __func__);
		return;
	}
	ike_sa_gone(satype, spi, &src, &dst);
}

static void
got_reply(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct preq *p;
	uint32_t spi = 0, count = 0;
	int32_t error;
	char why[PS_TEXT_MAX] = "";

	ipc_rd_init(&r, m);
	error = (int32_t)ipc_get_u32(&r);
	if (m->hdr.type == PI_GETSPI_R)
		spi = ipc_get_u32(&r);
	else {
		count = ipc_get_u32(&r);
		ipc_get_str(&r, why, sizeof(why));
	}
	if (ipc_rd_end(&r) != 0) {
		log_warnx("%s: malformed reply %u", __func__, m->hdr.type);
		return;
	}
	p = preq_take(m->hdr.peerid, m->hdr.type == PI_GETSPI_R ? PREQ_SPI :
	    PREQ_RESULT);
	if (p == NULL)
		return;		/* cancelled */
	if (p->kind == PREQ_SPI)
		p->cb.spi(p->arg, error, spi);
	else
		p->cb.result(p->arg, error, count, why);
	free(p);
}

/* A control record for the parent to pass on. */
static void
ctl_ph1(void *arg, const struct ike_ph1_info *i)
{
	uint32_t client = *(uint32_t *)arg;
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u16(&w, PS_CTL_SHOW_ISAKMP);
	ipc_put_addr(&w, &i->local);
	ipc_put_addr(&w, &i->remote);
	ipc_put_bytes(&w, i->icookie, 8);
	ipc_put_bytes(&w, i->rcookie, 8);
	ipc_put_u8(&w, i->status);
	ipc_put_u8(&w, i->side);
	ipc_put_u8(&w, i->version);
	ipc_put_u8(&w, i->etype);
	ipc_put_u64(&w, i->created);
	ipc_put_u32(&w, i->ph2count);
	send_parent(IP_CTL_DATA, client, &w);
	ipc_wr_free(&w);
}

static void
ctl_end(uint32_t client, int error, const char *why)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, (uint32_t)error);
	ipc_put_str(&w, why);
	send_parent(IP_CTL_END, client, &w);
	ipc_wr_free(&w);
}

static void
ctl_sched(uint32_t client)
{
	struct ipc_wr w;
	struct timer *t;
	uint64_t now = mono_ms();

	if (ipc_wr_init(&w) != 0)
		return;
	for (t = timer_first(); t != NULL; t = timer_next(t)) {
		ipc_wr_reset(&w);
		ipc_put_u16(&w, PS_CTL_SHOW_SCHED);
		ipc_put_u32(&w, t->id);
		ipc_put_u64(&w, t->due > now ? t->due - now : 0);
		ipc_put_u64(&w, t->created);
		ipc_put_str(&w, t->what);
		send_parent(IP_CTL_DATA, client, &w);
	}
	ipc_wr_free(&w);
}

static void
got_ctl(const struct ipc_msg *m)
{
	struct ike_establish es;
	struct sad_addr l, rm;
	struct ipc_rd r;
	uint32_t client = m->hdr.peerid;
	uint16_t what;
	unsigned n;
	int rc = 0;
	char why[PS_TEXT_MAX] = "";

	ipc_rd_init(&r, m);
	what = ipc_get_u16(&r);
	switch (what) {
	case PS_CTL_SHOW_ISAKMP:
	case PS_CTL_FLUSH_ISAKMP:
	case PS_CTL_SHOW_SCHED:
		break;
	case PS_CTL_DELETE_ISAKMP:
		ipc_get_addr(&r, &l);
		ipc_get_addr(&r, &rm);
		break;
	case PS_CTL_ESTABLISH:
		memset(&es, 0, sizeof(es));
		es.satype = ipc_get_u8(&r);
		es.ulproto = ipc_get_u8(&r);
		ipc_get_addr(&r, &es.src);
		ipc_get_addr(&r, &es.dst);
		ipc_get_str(&r, es.remote, sizeof(es.remote));
		break;
	default:
		r.bad = true;
		break;
	}
	if (ipc_rd_end(&r) != 0) {
		ctl_end(client, EINVAL, "malformed control request");
		return;
	}
	switch (what) {
	case PS_CTL_SHOW_ISAKMP:
		ike_ctl_phase1s(ctl_ph1, &client);
		break;
	case PS_CTL_FLUSH_ISAKMP:
		n = ike_ctl_flush();
		(void)snprintf(why, sizeof(why), "%u ISAKMP SA%s deleted", n,
		    n == 1 ? "" : "s");
		break;
	case PS_CTL_SHOW_SCHED:
		ctl_sched(client);
		break;
	case PS_CTL_DELETE_ISAKMP:
		rc = ike_ctl_delete(&l, &rm, why, sizeof(why));
		break;
	case PS_CTL_ESTABLISH:
		rc = ike_ctl_establish(&es, why, sizeof(why));
		break;
	}
	ctl_end(client, rc, why);
}

static void
parent_dispatch(const struct ipc_msg *m)
{
	/* Only PI_SOCKET carries a descriptor. */
	if (m->fd != -1 && m->hdr.type != PI_SOCKET) {
		log_warnx("%s: unexpected descriptor with type %u", __func__,
		    m->hdr.type);
		close(m->fd);
		return;
	}
	switch (m->hdr.type) {
	case PI_SOCKET:
		got_socket(m);
		break;
	case PI_SOCKET_CLOSE:
		drop_socket(m);
		break;
	case PI_CONF_BEGIN:
	case PI_CONF_DATA:
	case PI_CONF_END:
		got_conf(m);
		break;
	case PI_CERTS_BEGIN:
	case PI_CERT:
	case PI_CERTS_END:
		got_certs(m);
		break;
	case PI_LOG_LEVEL:
		log_setlevel_msg(m);
		break;
	case PI_ACQUIRE:
		got_acquire(m);
		break;
	case PI_EXPIRE:
		got_expire(m);
		break;
	case PI_SA_GONE:
		got_sa_gone(m);
		break;
	case PI_GETSPI_R:
	case PI_RESULT:
		got_reply(m);
		break;
	case PI_CTL:
		got_ctl(m);
		break;
	default:
		log_warnx("%s: unknown message type %u", __func__,
		    m->hdr.type);
		break;
	}
}

static void
parent_cb(int fd, short ev, void *arg)
{
	struct ipc_msg m;
	int rc, n;

	for (n = 0; n < 256; n++) {
		rc = ipc_read(&ike.parent, &m);
		if (rc == 0)
			return;
		if (rc == IPC_EOF) {
			log_debug("the parent is gone: exiting");
			ike_shutdown();
			exit(0);
		}
		if (rc < 0) {
			log_warnx("%s: %s", __func__, ipc_strerror(rc));
			if (rc == IPC_ESYS)
				exit(1);
			continue;
		}
		parent_dispatch(&m);
	}
}

/* ------------------------------------------------------- ca messages */

static void
ca_cb(int fd, short ev, void *arg)
{
	struct ipc_msg m;
	struct ipc_rd r;
	struct preq *p;
	const uint8_t *out;
	size_t len;
	int32_t error;
	int rc, n;

	for (n = 0; n < 256; n++) {
		rc = ipc_read(&ike.ca, &m);
		if (rc == 0)
			return;
		if (rc == IPC_EOF)
			fatalx("the ca process is gone");
		if (rc < 0) {
			log_warnx("%s: %s", __func__, ipc_strerror(rc));
			continue;
		}
		if (m.fd != -1) {
			close(m.fd);
			log_warnx("%s: unexpected descriptor", __func__);
			continue;
		}
		if (m.hdr.type != CI_PRF_R && m.hdr.type != CI_SIGN_R) {
			log_warnx("%s: unknown message type %u", __func__,
			    m.hdr.type);
			continue;
		}
		ipc_rd_init(&r, &m);
		error = (int32_t)ipc_get_u32(&r);
		out = ipc_get_blob(&r, m.hdr.type == CI_PRF_R ?
		    PS_PRF_OUT_MAX : PS_SIG_MAX, &len);
		if (ipc_rd_end(&r) != 0) {
			log_warnx("%s: malformed reply %u", __func__,
			    m.hdr.type);
			continue;
		}
		p = preq_take(m.hdr.peerid, m.hdr.type == CI_PRF_R ? PREQ_PRF :
		    PREQ_SIGN);
		if (p == NULL)
			continue;
		if (p->kind == PREQ_PRF)
			p->cb.prf(p->arg, error, error == 0 ? out : NULL,
			    error == 0 ? len : 0);
		else
			p->cb.sign(p->arg, error, error == 0 ? out : NULL,
			    error == 0 ? len : 0);
		free(p);
	}
}

/* -------------------------------------------------------------- services */

/*
 * Send request p (its id in the header) on ch with the body w, which is
 * freed.  0, or EIO with p dropped.
 */
static int
send_preq(struct ipc_chan *ch, uint32_t type, struct preq *p,
    struct ipc_wr *w)
{
	int rc;

	rc = ipc_compose_wr(ch, type, p->id, -1, w);
	ipc_wr_free(w);
	if (rc != 0) {
		preq_drop(p);
		return (EIO);
	}
	(void)ipc_flush(ch);
	return (0);
}

int
frame_getspi(const struct frame_getspi *g, frame_spi_cb cb, void *arg)
{
	struct ipc_wr w;
	struct preq *p;

	if ((p = preq_new(PREQ_SPI, arg)) == NULL)
		return (ENOMEM);
	p->cb.spi = cb;
	if (ipc_wr_init(&w) != 0) {
		preq_drop(p);
		return (ENOMEM);
	}
	ipc_put_u8(&w, g->satype);
	ipc_put_addr(&w, &g->src);
	ipc_put_addr(&w, &g->dst);
	ipc_put_u32(&w, g->min);
	ipc_put_u32(&w, g->max);
	ipc_put_u32(&w, g->reqid);
	ipc_put_u32(&w, g->seq);
	return (send_preq(&ike.parent, IP_GETSPI, p, &w));
}

static int
send_result_req(uint32_t type, struct ipc_wr *w, frame_result_cb cb,
    void *arg)
{
	struct preq *p;

	if ((p = preq_new(PREQ_RESULT, arg)) == NULL) {
		ipc_wr_free(w);
		return (ENOMEM);
	}
	p->cb.result = cb;
	return (send_preq(&ike.parent, type, p, w));
}

int
frame_sa_install(const struct frame_sa *s, frame_result_cb cb, void *arg)
{
	struct ipc_wr w;

	if (s->ekeylen > PS_KEY_MAX || s->akeylen > PS_KEY_MAX)
		return (EINVAL);
	if (ipc_wr_init(&w) != 0)
		return (ENOMEM);
	ipc_put_u8(&w, s->op);
	ipc_put_u8(&w, s->satype);
	ipc_put_u32(&w, s->spi);
	ipc_put_addr(&w, &s->src);
	ipc_put_addr(&w, &s->dst);
	ipc_put_u8(&w, s->mode);
	ipc_put_u32(&w, s->reqid);
	ipc_put_u16(&w, s->ealg);
	ipc_put_u16(&w, s->aalg);
	ipc_put_blob(&w, s->ekey, s->ekeylen);
	ipc_put_blob(&w, s->akey, s->akeylen);
	ipc_put_u64(&w, s->hard_seconds);
	ipc_put_u64(&w, s->hard_bytes);
	ipc_put_u32(&w, s->replay);
	ipc_put_u32(&w, s->flags);
	ipc_put_u8(&w, s->natt_type);
	ipc_put_u16(&w, s->natt_sport);
	ipc_put_u16(&w, s->natt_dport);
	ipc_put_u32(&w, s->inbound_spi);
	ipc_put_addr(&w, &s->natt_oa_peer);
	ipc_put_addr(&w, &s->natt_oa_local);
	/* The builder and the queued record are wiped when freed. */
	return (send_result_req(IP_SA_ADD, &w, cb, arg));
}

int
frame_sa_delete(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst, frame_result_cb cb, void *arg)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return (ENOMEM);
	ipc_put_u8(&w, satype);
	ipc_put_u32(&w, spi);
	ipc_put_addr(&w, src);
	ipc_put_addr(&w, dst);
	return (send_result_req(IP_SA_DELETE, &w, cb, arg));
}

int
frame_delete_peer(const struct sad_addr *local, const struct sad_addr *peer,
    frame_result_cb cb, void *arg)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return (ENOMEM);
	ipc_put_addr(&w, local);
	ipc_put_addr(&w, peer);
	return (send_result_req(IP_DELETE_PEER, &w, cb, arg));
}

int
frame_spd_add(const struct frame_spd *p, frame_result_cb cb, void *arg)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return (ENOMEM);
	ipc_put_u8(&w, p->op);
	ipc_put_u8(&w, p->dir);
	ipc_put_addr(&w, &p->sel_src);
	ipc_put_addr(&w, &p->sel_dst);
	ipc_put_u8(&w, p->ulproto);
	ipc_put_u8(&w, p->proto);
	ipc_put_u8(&w, p->mode);
	ipc_put_u8(&w, p->level);
	ipc_put_u32(&w, p->reqid);
	ipc_put_addr(&w, &p->tun_src);
	ipc_put_addr(&w, &p->tun_dst);
	ipc_put_addr(&w, &p->local);
	ipc_put_addr(&w, &p->peer);
	return (send_result_req(IP_SPD_ADD, &w, cb, arg));
}

int
frame_spd_delete(uint8_t dir, const struct sad_addr *sel_src,
    const struct sad_addr *sel_dst, uint8_t ulproto, frame_result_cb cb,
    void *arg)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return (ENOMEM);
	ipc_put_u8(&w, dir);
	ipc_put_addr(&w, sel_src);
	ipc_put_addr(&w, sel_dst);
	ipc_put_u8(&w, ulproto);
	return (send_result_req(IP_SPD_DELETE, &w, cb, arg));
}

void
frame_acquire_failed(uint32_t seq, uint8_t satype, int error)
{
	struct ipc_wr w;

	if (seq == 0 || ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, seq);
	ipc_put_u8(&w, satype);
	ipc_put_u32(&w, (uint32_t)error);
	send_parent(IP_ACQUIRE_FAIL, 0, &w);
	ipc_wr_free(&w);
}

void
frame_event(uint16_t type, const struct sad_addr *local,
    const struct sad_addr *remote, uint8_t satype, uint32_t spi,
    const char *text)
{
	static const struct sad_addr none;
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u16(&w, type);
	ipc_put_addr(&w, local != NULL ? local : &none);
	ipc_put_addr(&w, remote != NULL ? remote : &none);
	ipc_put_u8(&w, satype);
	ipc_put_u32(&w, spi);
	ipc_put_str(&w, text != NULL ? text : "");
	send_parent(IP_EVENT, 0, &w);
	ipc_wr_free(&w);
}

int
frame_psk_prf(uint8_t prf, uint8_t idtype, const char *identity,
    const void *data, size_t len, frame_prf_cb cb, void *arg)
{
	struct ipc_wr w;
	struct preq *p;

	if (len > PS_PRF_DATA_MAX || strlen(identity) >= PS_IDENT_MAX)
		return (EINVAL);
	if ((p = preq_new(PREQ_PRF, arg)) == NULL)
		return (ENOMEM);
	p->cb.prf = cb;
	if (ipc_wr_init(&w) != 0) {
		preq_drop(p);
		return (ENOMEM);
	}
	ipc_put_u8(&w, prf);
	ipc_put_u8(&w, idtype);
	ipc_put_str(&w, identity);
	ipc_put_blob(&w, data, len);
	return (send_preq(&ike.ca, IC_PRF, p, &w));
}

int
frame_sign(const char *remote, const void *hash, size_t len,
    frame_sign_cb cb, void *arg)
{
	struct ipc_wr w;
	struct preq *p;

	if (len > PS_HASH_MAX || strlen(remote) >= PS_NAME_MAX)
		return (EINVAL);
	if ((p = preq_new(PREQ_SIGN, arg)) == NULL)
		return (ENOMEM);
	p->cb.sign = cb;
	if (ipc_wr_init(&w) != 0) {
		preq_drop(p);
		return (ENOMEM);
	}
	ipc_put_str(&w, remote);
	ipc_put_blob(&w, hash, len);
	return (send_preq(&ike.ca, IC_SIGN, p, &w));
}

/* ------------------------------------------------------------------ main */

__dead void
ike_main(int parentfd, int cafd, const struct privdrop *pd,
    const char *conftext, size_t conflen)
{
	char err[PS_TEXT_MAX];

	log_procname("ike");
	setproctitle("ike");
	TAILQ_INIT(&ike.socks);
	TAILQ_INIT(&ike.preqs);
	if (rc_parse_text(conftext, conflen, &ike.cfg, err,
	    sizeof(err)) != 0)
		fatalx("the configuration does not parse here: %s", err);
	proc_sandbox(pd, "ike");
	if (ipc_chan_init(&ike.parent, parentfd, "parent") != 0 ||
	    ipc_chan_init(&ike.ca, cafd, "ca") != 0)
		fatal("%s: channels", __func__);
	(void)signal(SIGPIPE, SIG_IGN);
	/* The terminal's ^C and the parent's SIGHUP are the parent's. */
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	if (loop_add(ike.parent.fd, &ike.parent, parent_cb, NULL) == -1 ||
	    loop_add(ike.ca.fd, &ike.ca, ca_cb, NULL) == -1)
		fatal("%s: loop", __func__);
	ike_init();
	ike_config(ike.cfg, NULL);
	for (;;)
		if (loop_once() == -1)
			fatal("%s: poll", __func__);
}
