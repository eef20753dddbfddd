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
 * pfkey_listen: stand in for an IKE daemon on Linux af_key.  Linux makes
 * an ACQUIRE only when some key manager is alive; for af_key that is a
 * socket that sent SADB_REGISTER (pfkey_is_alive() in net/key/af_key.c),
 * and a promiscuous socket (setkey -x) is not one.  So the kernel tests
 * run this next to `setkey -B pfkey -x'.  It uses only the kernel's
 * <linux/pfkeyv2.h>, so what it prints is a witness independent of
 * libpfkey, one line per message:
 *
 *	registered esp
 *	ACQUIRE 10.0.0.1 10.0.0.2 spid 1
 *	EXPIRE 0x00004001 soft|hard
 *	msg TYPE
 *
 * usage: pfkey_listen		(until killed)
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/pfkeyv2.h>

static uint64_t	buf[65536 / 8];

static const char *
addr(const struct sadb_ext *e, char *out, size_t len)
{
	const struct sadb_address *a = (const struct sadb_address *)e;
	const struct sockaddr *sa = (const struct sockaddr *)(a + 1);
	size_t elen = (size_t)e->sadb_ext_len * 8;

	if (sa->sa_family == AF_INET &&
	    elen >= sizeof(*a) + sizeof(struct sockaddr_in))
		return (inet_ntop(AF_INET,
		    &((const struct sockaddr_in *)(const void *)sa)->sin_addr,
		    out, len));
	if (sa->sa_family == AF_INET6 &&
	    elen >= sizeof(*a) + sizeof(struct sockaddr_in6))
		return (inet_ntop(AF_INET6,
		    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
		    out, len));
	return ("?");
}

static void
show(const struct sadb_msg *m, size_t n)
{
	const struct sadb_ext *ext[SADB_EXT_MAX + 1];
	const uint8_t *p = (const uint8_t *)(m + 1);
	const uint8_t *end = (const uint8_t *)m + n;
	const struct sadb_ext *e;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	size_t elen;

	memset(ext, 0, sizeof(ext));
	while ((size_t)(end - p) >= sizeof(*e)) {
		e = (const struct sadb_ext *)p;
		elen = (size_t)e->sadb_ext_len * 8;
		if (elen < sizeof(*e) || elen > (size_t)(end - p))
			return;
		if (e->sadb_ext_type <= SADB_EXT_MAX)
			ext[e->sadb_ext_type] = e;
		p += elen;
	}
	switch (m->sadb_msg_type) {
	case SADB_ACQUIRE:
		if (ext[SADB_EXT_ADDRESS_SRC] == NULL ||
		    ext[SADB_EXT_ADDRESS_DST] == NULL ||
		    ext[SADB_X_EXT_POLICY] == NULL)
			break;
		printf("ACQUIRE %s %s spid %u\n",
		    addr(ext[SADB_EXT_ADDRESS_SRC], s, sizeof(s)),
		    addr(ext[SADB_EXT_ADDRESS_DST], d, sizeof(d)),
		    ((const struct sadb_x_policy *)(const void *)
		    ext[SADB_X_EXT_POLICY])->sadb_x_policy_id);
		return;
	case SADB_EXPIRE:
		if (ext[SADB_EXT_SA] == NULL)
			break;
		printf("EXPIRE 0x%08x %s\n",
		    ntohl(((const struct sadb_sa *)(const void *)
		    ext[SADB_EXT_SA])->sadb_sa_spi),
		    ext[SADB_EXT_LIFETIME_HARD] != NULL ? "hard" : "soft");
		return;
	}
	printf("msg %u\n", m->sadb_msg_type);
}

int
main(void)
{
	struct sadb_msg req, *m = (struct sadb_msg *)buf;
	ssize_t n;
	int s, registered = 0;

	if ((s = socket(PF_KEY, SOCK_RAW, PF_KEY_V2)) == -1) {
		fprintf(stderr, "pfkey_listen: socket(PF_KEY): %s\n",
		    strerror(errno));
		return (1);
	}
	memset(&req, 0, sizeof(req));
	req.sadb_msg_version = PF_KEY_V2;
	req.sadb_msg_type = SADB_REGISTER;
	req.sadb_msg_satype = SADB_SATYPE_ESP;
	req.sadb_msg_len = sizeof(req) / 8;
	req.sadb_msg_seq = 1;
	req.sadb_msg_pid = (uint32_t)getpid();
	if (write(s, &req, sizeof(req)) != (ssize_t)sizeof(req)) {
		fprintf(stderr, "pfkey_listen: write: %s\n", strerror(errno));
		return (1);
	}
	for (;;) {
		if ((n = read(s, buf, sizeof(buf))) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "pfkey_listen: read: %s\n",
			    strerror(errno));
			return (1);
		}
		if ((size_t)n < sizeof(*m) || (size_t)m->sadb_msg_len * 8 !=
		    (size_t)n)
			continue;
		if (!registered && m->sadb_msg_type == SADB_REGISTER &&
		    m->sadb_msg_pid == (uint32_t)getpid()) {
			if (m->sadb_msg_errno != 0) {
				fprintf(stderr, "pfkey_listen: REGISTER: "
				    "%s\n", strerror(m->sadb_msg_errno));
				return (1);
			}
			registered = 1;
			printf("registered esp\n");
		} else
			show(m, (size_t)n);
		fflush(stdout);
	}
}
