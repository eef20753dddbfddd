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
 * pfkey_probe: open socket(PF_KEY) and ask the kernel, with SADB_REGISTER,
 * which algorithms it has for each SA type named on the command line
 * (esp, ah, ipcomp).  It uses only the kernel's <linux/pfkeyv2.h>, not
 * libpfkey, so the VM harness can prove the guest kernel works without
 * trusting the code under test.  Output, one line per algorithm:
 *
 *	esp encrypt 12 128-256
 *	esp auth 5 256-256
 *
 * Exit 0 on success, 1 if the socket or the exchange fails.
 * usage: pfkey_probe satype...
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/pfkeyv2.h>

static const struct {
	const char	*name;
	uint8_t		 satype;
} satypes[] = {
	{ "esp",	SADB_SATYPE_ESP },
	{ "ah",		SADB_SATYPE_AH },
	{ "ipcomp",	SADB_X_SATYPE_IPCOMP },
};

static int
probe(int s, const char *name, uint8_t satype, uint32_t seq)
{
	struct sadb_msg req;
	uint64_t buf[8192];
	const uint8_t *p, *end;
	const struct sadb_msg *m;
	const struct sadb_ext *e;
	const struct sadb_supported *sup;
	const struct sadb_alg *a;
	ssize_t n;
	size_t elen, i, nalg;

	memset(&req, 0, sizeof(req));
	req.sadb_msg_version = PF_KEY_V2;
	req.sadb_msg_type = SADB_REGISTER;
	req.sadb_msg_satype = satype;
	req.sadb_msg_len = sizeof(req) / 8;
	req.sadb_msg_seq = seq;
	req.sadb_msg_pid = (uint32_t)getpid();
	if (write(s, &req, sizeof(req)) != (ssize_t)sizeof(req)) {
		fprintf(stderr, "pfkey_probe: write: %s\n", strerror(errno));
		return (-1);
	}
	/* Skip broadcasts and other replies: match type, seq and pid. */
	for (;;) {
		if ((n = read(s, buf, sizeof(buf))) < 0) {
			fprintf(stderr, "pfkey_probe: read: %s\n",
			    errno == EAGAIN ? "no reply" : strerror(errno));
			return (-1);
		}
		m = (const struct sadb_msg *)buf;
		if ((size_t)n < sizeof(*m) || (size_t)m->sadb_msg_len * 8 !=
		    (size_t)n)
			continue;
		if (m->sadb_msg_type == SADB_REGISTER &&
		    m->sadb_msg_seq == seq &&
		    m->sadb_msg_pid == (uint32_t)getpid())
			break;
	}
	if (m->sadb_msg_errno != 0) {
		fprintf(stderr, "pfkey_probe: REGISTER %s: %s\n", name,
		    strerror(m->sadb_msg_errno));
		return (-1);
	}
	p = (const uint8_t *)buf + sizeof(*m);
	end = (const uint8_t *)buf + n;
	while ((size_t)(end - p) >= sizeof(*e)) {
		e = (const struct sadb_ext *)p;
		elen = (size_t)e->sadb_ext_len * 8;
		if (elen < sizeof(*e) || elen > (size_t)(end - p))
			break;
		if ((e->sadb_ext_type == SADB_EXT_SUPPORTED_AUTH ||
		    e->sadb_ext_type == SADB_EXT_SUPPORTED_ENCRYPT) &&
		    elen >= sizeof(*sup)) {
			sup = (const struct sadb_supported *)p;
			nalg = (elen - sizeof(*sup)) / sizeof(*a);
			a = (const struct sadb_alg *)(sup + 1);
			for (i = 0; i < nalg; i++)
				printf("%s %s %u %u-%u\n", name,
				    e->sadb_ext_type == SADB_EXT_SUPPORTED_AUTH ?
				    "auth" : "encrypt", a[i].sadb_alg_id,
				    a[i].sadb_alg_minbits,
				    a[i].sadb_alg_maxbits);
		}
		p += elen;
	}
	return (0);
}

int
main(int argc, char *argv[])
{
	struct timeval tv = { 5, 0 };
	size_t j;
	int i, s, rc = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: pfkey_probe esp|ah|ipcomp ...\n");
		return (2);
	}
	if ((s = socket(PF_KEY, SOCK_RAW, PF_KEY_V2)) == -1) {
		fprintf(stderr, "pfkey_probe: socket(PF_KEY): %s\n",
		    strerror(errno));
		return (1);
	}
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (i = 1; i < argc; i++) {
		for (j = 0; j < sizeof(satypes) / sizeof(satypes[0]); j++)
			if (strcmp(argv[i], satypes[j].name) == 0)
				break;
		if (j == sizeof(satypes) / sizeof(satypes[0])) {
			fprintf(stderr, "pfkey_probe: unknown %s\n", argv[i]);
			return (2);
		}
		if (probe(s, satypes[j].name, satypes[j].satype,
		    (uint32_t)i) != 0)
			rc = 1;
	}
	close(s);
	return (rc);
}
