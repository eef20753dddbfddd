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
 * relay_client: a stand-in for an IKE daemon on sadbd's IKE relay (-K),
 * for the data plane tests.  It connects to the relay socket and runs
 * its commands in order; each prints a line on standard output, and a
 * failed one ends the program with status 1 (2: the connection itself).
 *
 *   relay_client [-t ms] [-u uid] PATH command ...
 *
 *   send LOCAL LPORT REMOTE RPORT HEX	a record with that payload
 *   fill LOCAL LPORT REMOTE RPORT N	a record: the marker, then N bytes
 *					i mod 251
 *   raw HEX				HEX as one socket record, unchecked
 *   rawlen N				a record of N bytes (up to one more
 *					than the largest): an IPv6 header for
 *					N - 44 bytes of payload, then zeros
 *   recv				wait for a record (at most -t ms,
 *					default 5000) and print it:
 *					"recv local=A lport=N remote=B
 *					rport=N len=N payload=HEX"
 *   reply HEX				answer the last record received: the
 *					same local and remote ends
 *   ready FILE				create FILE (connected by then)
 *   sleep MS				pause without reading
 *   eof				sadbd closes the connection (within -t)
 *   alive				it does not (for 300 ms)
 *
 * -u: setuid to that user (and group) before connecting.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sadb.h"
#include "ike_relay.h"

static uint8_t	rbuf[IKE_RELAY_MAXREC + 1];
static uint8_t	sbuf[IKE_RELAY_MAXREC + 1];
static uint8_t	pbuf[IKE_RELAY_MAXREC + 1];
static int	timeout_ms = 5000;
static struct ike_relay_rec last;
static bool	have_last;

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: relay_client [-t ms] [-u uid] path "
	    "command ...\n");
	exit(2);
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s), i;
	unsigned v;

	if (n % 2 != 0 || n / 2 > cap)
		errx(1, "bad hex: %.40s", s);
	for (i = 0; i < n / 2; i++) {
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			errx(1, "bad hex: %.40s", s);
		out[i] = (uint8_t)v;
	}
	return (n / 2);
}

static void
printhex(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		printf("%02x", p[i]);
}

static struct sad_addr
addr(const char *s, const char *port)
{
	struct sad_addr a;
	const char *errstr;

	if (sad_addr_parse(&a, s) != 0)
		errx(1, "bad address %s", s);
	a.port = (uint16_t)strtonum(port, 0, 65535, &errstr);
	if (errstr != NULL)
		errx(1, "bad port %s", port);
	return (a);
}

static void
send_rec(int fd, const struct ike_relay_rec *r)
{
	long n;

	n = ike_relay_encode(r, sbuf, sizeof(sbuf));
	if (n < 0)
		errx(1, "encode: %s", ike_relay_strerror((int)n));
	if (send(fd, sbuf, (size_t)n, 0) != n)
		err(1, "send");
	printf("sent len=%zu\n", r->len);
}

/* Wait for the socket to be readable; false on timeout. */
static bool
wait_in(int fd, int ms)
{
	struct pollfd p;

	p.fd = fd;
	p.events = POLLIN;
	return (poll(&p, 1, ms) == 1);
}

static void
do_recv(int fd)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	ssize_t n;
	int rc;

	if (!wait_in(fd, timeout_ms))
		errx(1, "recv: nothing within %d ms", timeout_ms);
	n = recv(fd, rbuf, sizeof(rbuf), 0);
	if (n == -1)
		err(1, "recv");
	if (n == 0)
		errx(1, "recv: connection closed");
	if ((rc = ike_relay_decode(rbuf, (size_t)n, &last)) != 0)
		errx(1, "recv: a record that does not decode: %s",
		    ike_relay_strerror(rc));
	have_last = true;
	printf("recv local=%s lport=%u remote=%s rport=%u len=%zu payload=",
	    sad_addr_ntop(&last.local, a, sizeof(a)),
	    (unsigned)last.local.port,
	    sad_addr_ntop(&last.remote, b, sizeof(b)),
	    (unsigned)last.remote.port, last.len);
	printhex(last.payload, last.len);
	printf("\n");
}

/* Whether the peer closed: recv 0 with the socket hung up. */
static bool
closed(int fd, int ms)
{
	struct pollfd p;
	ssize_t n;

	p.fd = fd;
	p.events = POLLIN | POLLRDHUP;
	if (poll(&p, 1, ms) != 1)
		return (false);
	if (!(p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
		return (false);
	n = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
	return (n == 0 || (n == -1 && errno == ECONNRESET));
}

int
main(int argc, char *argv[])
{
	struct sockaddr_un sun;
	struct ike_relay_rec r;
	const char *errstr;
	long long uid = -1;
	size_t n, i;
	int ch, fd, k;

	while ((ch = getopt(argc, argv, "t:u:")) != -1) {
		switch (ch) {
		case 't':
			timeout_ms = (int)strtonum(optarg, 1, 600000,
			    &errstr);
			if (errstr != NULL)
				usage();
			break;
		case 'u':
			uid = strtonum(optarg, 1, INT_MAX, &errstr);
			if (errstr != NULL)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (uid != -1 && (setgroups(0, NULL) == -1 ||
	    setgid((gid_t)uid) == -1 || setuid((uid_t)uid) == -1))
		err(2, "setuid %lld", uid);

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, argv[0], sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(2, "path too long");
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
		err(2, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(2, "connect %s", argv[0]);
	printf("connected\n");

	for (k = 1; k < argc; k++) {
		const char *c = argv[k];

		if (strcmp(c, "send") == 0 && k + 5 < argc) {
			memset(&r, 0, sizeof(r));
			r.local = addr(argv[k + 1], argv[k + 2]);
			r.remote = addr(argv[k + 3], argv[k + 4]);
			r.len = unhex(argv[k + 5], pbuf, sizeof(pbuf));
			r.payload = pbuf;
			send_rec(fd, &r);
			k += 5;
		} else if (strcmp(c, "fill") == 0 && k + 5 < argc) {
			memset(&r, 0, sizeof(r));
			r.local = addr(argv[k + 1], argv[k + 2]);
			r.remote = addr(argv[k + 3], argv[k + 4]);
			n = (size_t)strtonum(argv[k + 5], 0, IKE_RELAY_MAX6 - 4,
			    &errstr);
			if (errstr != NULL)
				errx(1, "fill: %s: %s", argv[k + 5], errstr);
			memset(pbuf, 0, 4);
			for (i = 0; i < n; i++)
				pbuf[4 + i] = (uint8_t)(i % 251);
			r.len = n + 4;
			r.payload = pbuf;
			send_rec(fd, &r);
			k += 5;
		} else if (strcmp(c, "raw") == 0 && k + 1 < argc) {
			n = unhex(argv[++k], sbuf, sizeof(sbuf));
			if (send(fd, sbuf, n, 0) != (ssize_t)n)
				err(1, "send");
			printf("sent raw len=%zu\n", n);
		} else if (strcmp(c, "rawlen") == 0 && k + 1 < argc) {
			n = (size_t)strtonum(argv[++k], IKE_RELAY_HDRLEN,
			    sizeof(sbuf), &errstr);
			if (errstr != NULL)
				errx(1, "rawlen: %s: %s", argv[k], errstr);
			memset(sbuf, 0, n);
			memcpy(sbuf, "\1\6\0\0", 4);
			sbuf[4] = (uint8_t)((n - IKE_RELAY_HDRLEN) >> 24);
			sbuf[5] = (uint8_t)((n - IKE_RELAY_HDRLEN) >> 16);
			sbuf[6] = (uint8_t)((n - IKE_RELAY_HDRLEN) >> 8);
			sbuf[7] = (uint8_t)(n - IKE_RELAY_HDRLEN);
			sbuf[8] = sbuf[10] = 0x11;
			sbuf[9] = sbuf[11] = 0x94;
			sbuf[12 + 15] = 1;	/* ::1 */
			sbuf[28 + 15] = 1;
			if (send(fd, sbuf, n, 0) != (ssize_t)n)
				err(1, "send");
			printf("sent raw len=%zu\n", n);
		} else if (strcmp(c, "recv") == 0) {
			do_recv(fd);
		} else if (strcmp(c, "reply") == 0 && k + 1 < argc) {
			if (!have_last)
				errx(1, "reply: nothing received");
			r = last;
			r.len = unhex(argv[++k], pbuf, sizeof(pbuf));
			r.payload = pbuf;
			send_rec(fd, &r);
		} else if (strcmp(c, "ready") == 0 && k + 1 < argc) {
			if ((ch = open(argv[++k], O_WRONLY | O_CREAT | O_TRUNC,
			    0644)) == -1)
				err(1, "%s", argv[k]);
			close(ch);
			printf("ready\n");
		} else if (strcmp(c, "sleep") == 0 && k + 1 < argc) {
			n = (size_t)strtonum(argv[++k], 0, 600000, &errstr);
			if (errstr != NULL)
				usage();
			(void)poll(NULL, 0, (int)n);
			printf("slept\n");
		} else if (strcmp(c, "eof") == 0) {
			if (!closed(fd, timeout_ms))
				errx(1, "eof: the connection stays open");
			printf("eof\n");
		} else if (strcmp(c, "alive") == 0) {
			if (closed(fd, 300))
				errx(1, "alive: the connection was closed");
			printf("alive\n");
		} else
			usage();
	}
	close(fd);
	return (0);
}
