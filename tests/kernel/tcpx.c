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
 * tcpx: a TCP echo pair for the kernel tests (busybox nc cannot half-close,
 * so it cannot tell "all data came back" from "the peer went away").
 *
 *	tcpx -l ADDR PORT	accept one connection, echo what it sends
 *				until it half-closes, close, exit; prints
 *				"listening" once it listens
 *	tcpx ADDR PORT SIZE	send SIZE pseudo-random bytes, half-close,
 *				read the echo and compare; prints
 *				"tcpx: SIZE bytes echoed intact" and exits 0,
 *				or says what differs and exits 1
 *
 * ADDR is numeric, IPv4 or IPv6.  Both sides give up after 60 s.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TCPX_TIMEOUT	60
#define TCPX_CHUNK	8192

static void
usage(void)
{
	fprintf(stderr, "usage: tcpx -l ADDR PORT | tcpx ADDR PORT SIZE\n");
	exit(2);
}

static struct addrinfo *
resolve(const char *host, const char *port, int passive)
{
	struct addrinfo hints, *res;
	int e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
	    (passive ? AI_PASSIVE : 0);
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "tcpx: %s %s: %s\n", host, port,
		    gai_strerror(e));
		exit(2);
	}
	return (res);
}

/* The byte at offset i of the stream: xorshift32 of a counter. */
static uint8_t
pattern(size_t i)
{
	uint32_t x = (uint32_t)(i / 4) * 2654435761u + 1;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return ((uint8_t)(x >> (8 * (i % 4))));
}

static int
server(const char *host, const char *port)
{
	struct addrinfo *ai = resolve(host, port, 1);
	char buf[TCPX_CHUNK];
	ssize_t n, w, off;
	int s, c, on = 1;

	if ((s = socket(ai->ai_family, SOCK_STREAM, 0)) == -1) {
		perror("tcpx: socket");
		return (1);
	}
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(s, ai->ai_addr, ai->ai_addrlen) == -1 ||
	    listen(s, 1) == -1) {
		perror("tcpx: bind/listen");
		return (1);
	}
	printf("listening\n");
	fflush(stdout);
	if ((c = accept(s, NULL, NULL)) == -1) {
		perror("tcpx: accept");
		return (1);
	}
	for (;;) {
		if ((n = read(c, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			perror("tcpx: read");
			return (1);
		}
		if (n == 0)
			break;
		for (off = 0; off < n; off += w) {
			if ((w = write(c, buf + off, n - off)) == -1) {
				perror("tcpx: write");
				return (1);
			}
		}
	}
	close(c);
	close(s);
	freeaddrinfo(ai);
	return (0);
}

static int
client(const char *host, const char *port, size_t size)
{
	struct addrinfo *ai = resolve(host, port, 0);
	uint8_t buf[TCPX_CHUNK];
	struct pollfd pfd;
	size_t sent = 0, got = 0, i, n;
	ssize_t r;
	int s, wdone = 0;

	if ((s = socket(ai->ai_family, SOCK_STREAM, 0)) == -1) {
		perror("tcpx: socket");
		return (1);
	}
	if (connect(s, ai->ai_addr, ai->ai_addrlen) == -1) {
		perror("tcpx: connect");
		return (1);
	}
	if (size == 0) {
		shutdown(s, SHUT_WR);
		wdone = 1;
	}
	/* Write and read at once: the echo would fill the buffers. */
	for (;;) {
		pfd.fd = s;
		pfd.events = POLLIN | (wdone ? 0 : POLLOUT);
		if (poll(&pfd, 1, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("tcpx: poll");
			return (1);
		}
		if (!wdone && (pfd.revents & POLLOUT)) {
			n = size - sent < sizeof(buf) ? size - sent :
			    sizeof(buf);
			for (i = 0; i < n; i++)
				buf[i] = pattern(sent + i);
			if ((r = write(s, buf, n)) == -1) {
				perror("tcpx: write");
				return (1);
			}
			sent += (size_t)r;
			if (sent == size) {
				shutdown(s, SHUT_WR);
				wdone = 1;
			}
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			if ((r = read(s, buf, sizeof(buf))) == -1) {
				perror("tcpx: read");
				return (1);
			}
			if (r == 0)
				break;
			for (i = 0; i < (size_t)r; i++) {
				if (got + i >= size ||
				    buf[i] != pattern(got + i)) {
					fprintf(stderr, "tcpx: byte %zu of "
					    "the echo differs\n", got + i);
					return (1);
				}
			}
			got += (size_t)r;
		}
	}
	close(s);
	freeaddrinfo(ai);
	if (got != size) {
		fprintf(stderr, "tcpx: %zu bytes sent, %zu echoed\n", size,
		    got);
		return (1);
	}
	printf("tcpx: %zu bytes echoed intact\n", size);
	return (0);
}

int
main(int argc, char *argv[])
{
	char *end;
	unsigned long long size;

	alarm(TCPX_TIMEOUT);
	if (argc == 4 && strcmp(argv[1], "-l") == 0)
		return (server(argv[2], argv[3]));
	if (argc != 4)
		usage();
	errno = 0;
	size = strtoull(argv[3], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[3])
		usage();
	return (client(argv[1], argv[2], (size_t)size));
}
