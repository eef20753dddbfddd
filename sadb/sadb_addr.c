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

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <string.h>

#include "sadb.h"

int
sad_addr_from_sockaddr(struct sad_addr *a, const struct sockaddr *sa,
    uint8_t plen)
{
	memset(a, 0, sizeof(*a));
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const void *)sa;

		if (plen > 32)
			return (SAD_ERR_INVAL);
		a->af = AF_INET;
		a->a.v4 = sin->sin_addr;
		a->port = ntohs(sin->sin_port);
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		if (plen > 128)
			return (SAD_ERR_INVAL);
		a->af = AF_INET6;
		a->a.v6 = sin6->sin6_addr;
		a->port = ntohs(sin6->sin6_port);
		a->scope = sin6->sin6_scope_id;
		break;
	}
	default:
		return (SAD_ERR_FAMILY);
	}
	a->plen = plen;
	return (0);
}

socklen_t
sad_addr_to_sockaddr(const struct sad_addr *a, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	switch (a->af) {
	case AF_INET: {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a->a.v4;
		sin->sin_port = htons(a->port);
#if defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
		sin->sin_len = sizeof(*sin);
#endif
		return (sizeof(*sin));
	}
	case AF_INET6: {
		struct sockaddr_in6 *sin6 = (void *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a->a.v6;
		sin6->sin6_port = htons(a->port);
		sin6->sin6_scope_id = a->scope;
#if defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
		sin6->sin6_len = sizeof(*sin6);
#endif
		return (sizeof(*sin6));
	}
	default:
		return (0);
	}
}

int
sad_addr_parse(struct sad_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->a.v4) == 1) {
		a->af = AF_INET;
		a->plen = 32;
		return (0);
	}
	if (inet_pton(AF_INET6, s, &a->a.v6) == 1) {
		a->af = AF_INET6;
		a->plen = 128;
		return (0);
	}
	return (SAD_ERR_INVAL);
}

const char *
sad_addr_ntop(const struct sad_addr *a, char *buf, size_t len)
{
	if (a->af != AF_INET && a->af != AF_INET6) {
		(void)strlcpy(buf, "(none)", len);
		return (buf);
	}
	if (inet_ntop(a->af, &a->a, buf, (socklen_t)len) == NULL)
		(void)strlcpy(buf, "?", len);
	return (buf);
}

unsigned
sad_addr_bits(const struct sad_addr *a)
{
	switch (a->af) {
	case AF_INET:
		return (32);
	case AF_INET6:
		return (128);
	default:
		return (0);
	}
}

int
sad_addr_cmp(const struct sad_addr *x, const struct sad_addr *y)
{
	if (x->af != y->af)
		return (x->af < y->af ? -1 : 1);
	return (memcmp(&x->a, &y->a, sad_addr_bits(x) / 8));
}

bool
sad_addr_in_prefix(const struct sad_addr *a, const struct sad_addr *net)
{
	unsigned bits = net->plen, full, i;
	uint8_t mask;

	if (a->af != net->af)
		return (false);
	if (bits > sad_addr_bits(net))
		bits = sad_addr_bits(net);
	full = bits / 8;
	if (memcmp(&a->a, &net->a, full) != 0)
		return (false);
	if ((i = bits % 8) == 0)
		return (true);
	mask = (uint8_t)(0xff << (8 - i));
	return ((a->a.b[full] & mask) == (net->a.b[full] & mask));
}
