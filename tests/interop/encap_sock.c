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
 * encap_sock: what an IKE daemon does so that Linux decapsulates ESP in
 * UDP (RFC 3948) arriving on a port: a UDP socket bound to the port with
 * UDP_ENCAP_ESPINUDP, carrying per-socket "allow" policies in both
 * directions (without them the global policies apply to the socket's own
 * traffic, and XFRM drops the packets as a template mismatch).
 *
 *	encap_sock PORT
 *
 * opens one IPv4 and one IPv6 (v6-only) socket on PORT, prints "ready"
 * and sleeps until a signal ends it.  Linux only.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <linux/xfrm.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void
usage(void)
{
	fprintf(stderr, "usage: encap_sock PORT\n");
	exit(2);
}

/* A per-socket policy that lets the socket's packets bypass the SPD. */
static int
bypass(int s, int af)
{
	struct xfrm_userpolicy_info pol;
	int level = af == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;
	int opt = af == AF_INET ? IP_XFRM_POLICY : IPV6_XFRM_POLICY;
	int dirs[] = { XFRM_POLICY_IN, XFRM_POLICY_OUT };
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		memset(&pol, 0, sizeof(pol));
		pol.action = XFRM_POLICY_ALLOW;
		pol.sel.family = (uint16_t)af;
		pol.dir = (uint8_t)dirs[i];
		pol.lft.soft_byte_limit = XFRM_INF;
		pol.lft.hard_byte_limit = XFRM_INF;
		pol.lft.soft_packet_limit = XFRM_INF;
		pol.lft.hard_packet_limit = XFRM_INF;
		if (setsockopt(s, level, opt, &pol, sizeof(pol)) == -1)
			return (-1);
	}
	return (0);
}

static int
open_encap(int af, unsigned short port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	int s, on = 1, type = UDP_ENCAP_ESPINUDP;

	if ((s = socket(af, SOCK_DGRAM, 0)) == -1) {
		perror("encap_sock: socket");
		return (-1);
	}
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		if (bind(s, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			perror("encap_sock: bind (IPv4)");
			return (-1);
		}
	} else {
		if (setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &on,
		    sizeof(on)) == -1) {
			perror("encap_sock: IPV6_V6ONLY");
			return (-1);
		}
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		if (bind(s, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
			perror("encap_sock: bind (IPv6)");
			return (-1);
		}
	}
	if (bypass(s, af) == -1) {
		perror("encap_sock: XFRM_POLICY");
		return (-1);
	}
	if (setsockopt(s, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) == -1) {
		perror("encap_sock: UDP_ENCAP");
		return (-1);
	}
	return (s);
}

int
main(int argc, char *argv[])
{
	char *end;
	unsigned long port;

	if (argc != 2)
		usage();
	errno = 0;
	port = strtoul(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[1] || port == 0 ||
	    port > 65535)
		usage();
	if (open_encap(AF_INET, (unsigned short)port) == -1 ||
	    open_encap(AF_INET6, (unsigned short)port) == -1)
		return (1);
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
