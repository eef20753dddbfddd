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
 * The parent's sockets (the ike process gets them by descriptor passing
 * and never binds anything itself).
 *
 * On a kernel transport (PF_KEY or XFRM) the kernel applies its IPsec
 * policies to every packet, IKE's own included: a policy covering the
 * peer would otherwise demand ESP for the very IKE packets that are to
 * negotiate it.  So each socket carries per-socket bypass policies in
 * both directions (Linux: IP_XFRM_POLICY / IPV6_XFRM_POLICY with action
 * allow; FreeBSD: IP_IPSEC_POLICY / IPV6_IPSEC_POLICY with a bypass
 * sadb_x_policy), and the NAT-T socket is made a UDP_ENCAP_ESPINUDP
 * socket, without which the kernel does not decapsulate ESP-in-UDP (and
 * Linux drops every packet as XfrmInTmplMismatch without the bypass).
 * On the sadbd transport the host kernel carries no SAs of ours, so
 * neither is set; there sadbd's data plane may own the NAT-T port, and
 * its IKE relay (sadbd -K) carries the IKE half of that port's traffic.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <linux/xfrm.h>
#elif defined(__FreeBSD__)
#include <netipsec/ipsec.h>
#endif

#include "racoon-ng.h"

static uint32_t sock_ids;

/* Socket buffers: IKE bursts (fragments, many peers) must not drop. */
#define SOCK_BUFSZ	(512 * 1024)

#if defined(__linux__)
static int
bypass(int fd, int af)
{
	struct xfrm_userpolicy_info pol;
	int level = af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = af == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;

	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = (uint16_t)af;
	pol.lft.soft_byte_limit = XFRM_INF;
	pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = XFRM_INF;
	pol.lft.hard_packet_limit = XFRM_INF;
	pol.dir = XFRM_POLICY_OUT;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) == -1)
		return (-1);
	pol.dir = XFRM_POLICY_IN;
	return (setsockopt(fd, level, opt, &pol, sizeof(pol)));
}
#elif defined(__FreeBSD__)
static int
bypass(int fd, int af)
{
	struct sadb_x_policy pol;
	int level = af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = af == AF_INET ? IP_IPSEC_POLICY : IPV6_IPSEC_POLICY;

	memset(&pol, 0, sizeof(pol));
	pol.sadb_x_policy_len = sizeof(pol) / PFKEY_UNIT;
	pol.sadb_x_policy_exttype = SADB_X_EXT_POLICY;
	pol.sadb_x_policy_type = IPSEC_POLICY_BYPASS;
	pol.sadb_x_policy_dir = IPSEC_DIR_OUTBOUND;
	if (setsockopt(fd, level, opt, &pol, sizeof(pol)) == -1)
		return (-1);
	pol.sadb_x_policy_dir = IPSEC_DIR_INBOUND;
	return (setsockopt(fd, level, opt, &pol, sizeof(pol)));
}
#else
static int
bypass(int fd, int af)
{
	errno = EOPNOTSUPP;
	return (-1);
}
#endif

static int
encap(int fd)
{
#if defined(UDP_ENCAP) && defined(UDP_ENCAP_ESPINUDP)
	int v = UDP_ENCAP_ESPINUDP;

	return (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &v, sizeof(v)));
#else
	errno = EOPNOTSUPP;
	return (-1);
#endif
}

/* Ask for the local address of every packet (a wildcard socket). */
static int
pktinfo(int fd, int af)
{
	int on = 1;

	if (af == AF_INET6)
		return (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
		    sizeof(on)));
#if defined(IP_PKTINFO)
	return (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)));
#elif defined(IP_RECVDSTADDR)
	return (setsockopt(fd, IPPROTO_IP, IP_RECVDSTADDR, &on, sizeof(on)));
#else
	errno = EOPNOTSUPP;
	return (-1);
#endif
}

static bool
is_kernel(enum pfkey_xport_kind k)
{
	return (k == PFKEY_XPORT_KERNEL || k == PFKEY_XPORT_XFRM);
}

struct psock *
sock_open_udp(const struct rc_listen *l, enum pfkey_xport_kind kernel,
    char *err, size_t errsz)
{
	struct sockaddr_storage ss;
	struct psock *s;
	socklen_t sslen;
	char a[80];
	int fd, on = 1, bufsz = SOCK_BUFSZ, saved;
	bool wild;

	(void)log_addr(&l->addr, a, sizeof(a));
	if ((sslen = sad_addr_to_sockaddr(&l->addr, &ss)) == 0) {
		(void)snprintf(err, errsz, "%s: not an address", a);
		return (NULL);
	}
	wild = l->addr.af == AF_INET ? l->addr.a.v4.s_addr == INADDR_ANY :
	    IN6_IS_ADDR_UNSPECIFIED(&l->addr.a.v6);
	if ((fd = socket(l->addr.af, SOCK_DGRAM, IPPROTO_UDP)) == -1) {
		(void)snprintf(err, errsz, "socket for %s: %s", a,
		    strerror(errno));
		return (NULL);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		(void)snprintf(err, errsz, "%s", strerror(ENOMEM));
		return (NULL);
	}
	s->fd = fd;
	s->kind = PS_SOCK_UDP;
	s->role = l->role;
	s->local = l->addr;
	s->id = ++sock_ids;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (l->addr.af == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1) {
		(void)snprintf(err, errsz, "IPV6_V6ONLY on %s: %s", a,
		    strerror(errno));
		goto fail;
	}
	if (wild) {
		if (pktinfo(fd, l->addr.af) == -1) {
			(void)snprintf(err, errsz, "packet info on %s: %s", a,
			    strerror(errno));
			goto fail;
		}
		s->flags |= PS_SOCKF_PKTINFO;
	}
	if (is_kernel(kernel)) {
		if (bypass(fd, l->addr.af) == -1) {
			(void)snprintf(err, errsz, "IPsec bypass policy on %s: "
			    "%s", a, strerror(errno));
			goto fail;
		}
		if (l->role == PS_ROLE_NATT) {
			if (encap(fd) == -1) {
				(void)snprintf(err, errsz, "UDP_ENCAP_ESPINUDP "
				    "on %s: %s", a, strerror(errno));
				goto fail;
			}
			s->flags |= PS_SOCKF_ENCAP;
		}
	}
	if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
		if (errno == EADDRINUSE && l->role == PS_ROLE_NATT)
			(void)snprintf(err, errsz, "bind %s: %s (sadbd's data "
			    "plane?  -K relays through it; -P picks another "
			    "port)", a, strerror(errno));
		else
			(void)snprintf(err, errsz, "bind %s: %s", a,
			    strerror(errno));
		goto fail;
	}
	return (s);
fail:
	saved = errno;
	sock_close(s);
	errno = saved;
	return (NULL);
}

struct psock *
sock_open_relay(const char *path, uint16_t natt_port, char *err,
    size_t errsz)
{
	struct sockaddr_un sun;
	struct psock *s;
	int fd, bufsz = SOCK_BUFSZ;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		(void)snprintf(err, errsz, "relay socket path %s is too long",
		    path);
		return (NULL);
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1) {
		(void)snprintf(err, errsz, "socket: %s", strerror(errno));
		return (NULL);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)snprintf(err, errsz, "sadbd's IKE relay at %s: %s", path,
		    strerror(errno));
		close(fd);
		return (NULL);
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		(void)snprintf(err, errsz, "%s", strerror(ENOMEM));
		return (NULL);
	}
	s->fd = fd;
	s->kind = PS_SOCK_RELAY;
	s->role = PS_ROLE_NATT;
	s->local.af = AF_UNSPEC;
	s->local.port = natt_port;
	s->id = ++sock_ids;
	return (s);
}

void
sock_close(struct psock *s)
{
	if (s == NULL)
		return;
	if (s->fd != -1)
		close(s->fd);
	free(s);
}

bool
sock_same(const struct psock *s, const struct rc_listen *l)
{
	return (s->kind == PS_SOCK_UDP && s->role == l->role &&
	    s->local.af == l->addr.af && s->local.port == l->addr.port &&
	    sad_addr_cmp(&s->local, &l->addr) == 0);
}
