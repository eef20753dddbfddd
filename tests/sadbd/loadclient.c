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
 * loadclient: pipelined PF_KEY load against sadbd, for crash_test.
 *
 *   loadclient -s SOCK [-n N] [-b BASE] [-w WINDOW] add ACKFILE
 *	N ADDs of ESP SAs (aes-cbc + hmac-sha1, SPIs BASE...), WINDOW of
 *	them in flight; the SPI of every ADD acknowledged without error
 *	is appended to ACKFILE as it arrives (one write(2) per line, so the
 *	file holds whole lines whenever either side dies).
 *   loadclient -s SOCK [-w WINDOW] check ACKFILE
 *	GET every SPI listed; print the missing ones; exit 1 if any is.
 *   loadclient -s SOCK absent SPI...
 *	exit 0 if no SA has any of these SPIs, 1 otherwise.
 *
 * Exit 2 on usage or set-up errors, 3 when the connection is lost.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"

#define SRC		"192.0.2.1"
#define DST		"192.0.2.2"
#define REPLY_MS	10000

struct run {
	struct pfkey_xport	*x;
	enum pfkey_dialect	 d;
	uint32_t		 pid;
	uint8_t			 type;		/* ADD or GET */
	const uint32_t		*spis;
	size_t			 n;
	size_t			 window;
	int			 ackfd;		/* ADD: where SPIs go */
	size_t			 ok;
	size_t			 absent;	/* GET: ESRCH */
	size_t			 failed;
	uint8_t			*done;		/* per request */
};

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: loadclient -s socket [-n count] [-b base] "
	    "[-w window] add ackfile\n"
	    "       loadclient -s socket [-w window] check ackfile\n"
	    "       loadclient -s socket absent spi ...\n");
	exit(2);
}

static struct sockaddr_storage
addr(const char *s)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	sin->sin_family = AF_INET;
	if (inet_pton(AF_INET, s, &sin->sin_addr) != 1)
		abort();
	return (ss);
}

/* The ADD or GET of request i. */
static int
build(struct run *r, size_t i, void *mem, size_t cap, const void **msg,
    size_t *len)
{
	struct pfkey_buf b;
	struct pfkey_sa_args sa;
	struct sockaddr_storage src = addr(SRC), dst = addr(DST);
	uint8_t akey[20], ekey[16];
	uint32_t spi = r->spis[i];
	size_t k;

	(void)pfkey_buf_init(&b, mem, cap, r->d, r->type, PFKEY_SATYPE_ESP,
	    (uint32_t)(i + 1), r->pid);
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(spi);
	if (r->type == PFKEY_MSG_ADD) {
		sa.replay = 32;
		sa.state = PFKEY_SASTATE_MATURE;
		sa.auth = (uint8_t)pfkey_alg_to_wire(r->d, PFKEY_ALG_AUTH,
		    PFKEY_AALG_SHA1HMAC);
		sa.encrypt = (uint8_t)pfkey_alg_to_wire(r->d,
		    PFKEY_ALG_ENCRYPT, PFKEY_EALG_AESCBC);
	}
	(void)pfkey_put_sa(&b, &sa);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&src, 0xff, 0xff);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&dst, 0xff, 0xff);
	if (r->type == PFKEY_MSG_ADD) {
		for (k = 0; k < sizeof(akey); k++)
			akey[k] = (uint8_t)(spi >> (k % 4 * 8)) ^ (uint8_t)k;
		for (k = 0; k < sizeof(ekey); k++)
			ekey[k] = (uint8_t)(spi >> (k % 4 * 8)) + (uint8_t)k;
		(void)pfkey_put_key(&b, PFKEY_EXT_KEY_AUTH, akey, 160);
		(void)pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, ekey, 128);
	}
	return (pfkey_buf_finish(&b, msg, len));
}

static int
record_ack(struct run *r, uint32_t spi)
{
	char line[32];
	int n;

	n = snprintf(line, sizeof(line), "0x%08x\n", spi);
	/* One write per line: a killed client leaves whole lines only. */
	if (write(r->ackfd, line, (size_t)n) != n) {
		perror("loadclient: ackfile");
		return (-1);
	}
	return (0);
}

/* Handle one reply; -1 on a fatal error. */
static int
reply(struct run *r, const void *msg, size_t len)
{
	const struct sadb_msg *h = msg;
	size_t i;

	if (len < sizeof(*h) || h->sadb_msg_pid != r->pid ||
	    h->sadb_msg_type != r->type)
		return (0);		/* a broadcast or someone else's */
	if (h->sadb_msg_seq == 0 || h->sadb_msg_seq > r->n)
		return (0);
	i = h->sadb_msg_seq - 1;
	if (r->done[i])
		return (0);
	r->done[i] = 1;
	if (h->sadb_msg_errno == 0) {
		r->ok++;
		if (r->ackfd != -1 && record_ack(r, r->spis[i]) == -1)
			return (-1);
	} else if (h->sadb_msg_errno == ESRCH && r->type == PFKEY_MSG_GET) {
		r->absent++;
		if (r->ackfd == -1)
			printf("missing 0x%08x\n", r->spis[i]);
	} else {
		if (r->failed++ < 5)
			fprintf(stderr, "loadclient: %s of 0x%08x: %s\n",
			    pfkey_msgtype_name(r->type), r->spis[i],
			    strerror(h->sadb_msg_errno));
	}
	return (0);
}

/* Keep `window' requests in flight until every one is answered. */
static int
run(struct run *r)
{
	static uint64_t mem[PFKEY_MSG_MAXLEN / 8];
	const void *msg;
	size_t sent = 0, len, answered;
	int rc;

	if ((r->done = calloc(r->n > 0 ? r->n : 1, 1)) == NULL)
		return (2);
	for (;;) {
		answered = r->ok + r->absent + r->failed;
		if (answered == r->n)
			break;
		while (sent < r->n && sent - answered < r->window) {
			if (build(r, sent, mem, sizeof(mem), &msg, &len) != 0) {
				fprintf(stderr, "loadclient: cannot build\n");
				return (2);
			}
			if ((rc = pfkey_send(r->x, msg, len)) != 0) {
				fprintf(stderr, "loadclient: send: %s (%s)\n",
				    pfkey_strerror(rc), strerror(errno));
				return (3);
			}
			sent++;
		}
		rc = pfkey_recv(r->x, &msg, &len, REPLY_MS);
		if (rc == PFKEY_ERR_TIMEOUT) {
			fprintf(stderr, "loadclient: no reply in %d ms\n",
			    REPLY_MS);
			return (3);
		}
		if (rc != 0) {
			fprintf(stderr, "loadclient: receive: %s\n",
			    pfkey_strerror(rc));
			return (3);
		}
		if (reply(r, msg, len) == -1)
			return (2);
	}
	return (0);
}

/* Connect, retrying while a (re)starting sadbd is not listening yet. */
static struct pfkey_xport *
connect_sadbd(const char *sock)
{
	struct pfkey_xport *x;
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int err, i;

	for (i = 0; i < 200; i++) {
		if ((x = pfkey_xport_open(PFKEY_XPORT_SADBD, sock, NULL,
		    &err)) != NULL)
			return (x);
		(void)nanosleep(&ts, NULL);
	}
	fprintf(stderr, "loadclient: %s: %s (%s)\n", sock,
	    pfkey_strerror(err), strerror(errno));
	return (NULL);
}

static uint32_t *
read_spis(const char *path, size_t *n)
{
	FILE *f;
	uint32_t *v = NULL, *nv;
	size_t cap = 0;
	unsigned long x;
	char line[64];

	*n = 0;
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		exit(2);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx", &x) != 1)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL)
				exit(2);
			v = nv;
		}
		v[(*n)++] = (uint32_t)x;
	}
	(void)fclose(f);
	return (v);
}

int
main(int argc, char *argv[])
{
	struct run r;
	const char *sock = NULL, *errstr;
	uint32_t *spis, base = 0x10000;
	size_t n = 10000, i;
	int ch, rc;

	memset(&r, 0, sizeof(r));
	r.window = 256;
	r.ackfd = -1;
	while ((ch = getopt(argc, argv, "b:n:s:w:")) != -1) {
		switch (ch) {
		case 'b':
			base = (uint32_t)strtonum(optarg, 256, UINT32_MAX / 2,
			    &errstr);
			if (errstr != NULL)
				usage();
			break;
		case 'n':
			n = (size_t)strtonum(optarg, 1, 50000000, &errstr);
			if (errstr != NULL)
				usage();
			break;
		case 's':
			sock = optarg;
			break;
		case 'w':
			r.window = (size_t)strtonum(optarg, 1, 65536, &errstr);
			if (errstr != NULL)
				usage();
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (sock == NULL || argc < 2)
		usage();
	/* A dying sadbd must give an error, not kill us. */
	(void)signal(SIGPIPE, SIG_IGN);

	if (strcmp(argv[0], "add") == 0 && argc == 2) {
		r.type = PFKEY_MSG_ADD;
		if ((spis = calloc(n, sizeof(*spis))) == NULL)
			return (2);
		for (i = 0; i < n; i++)
			spis[i] = base + (uint32_t)i;
		r.ackfd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (r.ackfd == -1) {
			perror(argv[1]);
			return (2);
		}
	} else if (strcmp(argv[0], "check") == 0 && argc == 2) {
		r.type = PFKEY_MSG_GET;
		spis = read_spis(argv[1], &n);
	} else if (strcmp(argv[0], "absent") == 0) {
		r.type = PFKEY_MSG_GET;
		n = (size_t)argc - 1;
		if ((spis = calloc(n, sizeof(*spis))) == NULL)
			return (2);
		for (i = 0; i < n; i++)
			spis[i] = (uint32_t)strtoul(argv[i + 1], NULL, 0);
		r.window = 1;
	} else
		usage();
	r.spis = spis;
	r.n = n;
	if (n == 0) {
		free(spis);
		return (0);
	}
	if ((r.x = connect_sadbd(sock)) == NULL) {
		free(spis);
		return (2);
	}
	r.d = pfkey_xport_dialect(r.x);
	r.pid = pfkey_xport_pid(r.x);
	rc = run(&r);
	fprintf(stderr, "loadclient %s: %zu requests, %zu ok, %zu absent, "
	    "%zu failed\n", argv[0], n, r.ok, r.absent, r.failed);
	pfkey_xport_close(r.x);
	free(r.done);
	free(spis);
	if (r.ackfd != -1)
		(void)close(r.ackfd);
	if (rc != 0)
		return (rc);
	if (strcmp(argv[0], "absent") == 0)
		return (r.ok == 0 && r.failed == 0 ? 0 : 1);
	return (r.ok == n ? 0 : 1);
}
