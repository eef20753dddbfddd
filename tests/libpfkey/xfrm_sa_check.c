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
 * xfrm_sa_check: the SA half of the XFRM transport's tests, for a kernel
 * with ESP, AH and IPComp (the qemu guest; the build host has none).  Not
 * a Kyua test program: the VM harness runs it and reads its lines.
 *
 * Every algorithm class goes in through the transport with ADD (and
 * GETSPI + UPDATE), comes back with GET and DUMP and is compared field by
 * field, keys included; then the kernel itself is asked over plain XFRM
 * netlink (an oracle independent of the transport) what it holds: the
 * algorithm names, the ICV and truncation lengths (the full RFC ones, not
 * af_key's 96 bits), the ESN bitmap, the NAT-T encapsulation.  Events
 * (EXPIRE soft and hard) and the errors af_key gives close the run.
 *
 * Output: one "PASS name" or "FAIL name: why" line per check, then a
 * summary line; the exit status is 0 only when nothing failed.
 *
 * usage: xfrm_sa_check [-N] [-v]
 *   -N  stay in the current network namespace (default: a fresh one)
 *   -v  print every reply
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <linux/if_alg.h>

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey.h"

#ifndef AF_ALG
#define AF_ALG	38
#endif

#define D		PFKEY_DIALECT_LINUX
#define MSGMAX		PFKEY_MSG_MAXLEN

struct natt {
	uint8_t		 type;
	uint16_t	 sport;
	uint16_t	 dport;
	const char	*oa;
};

struct lt {
	uint32_t	 allocations;
	uint64_t	 bytes;
	uint64_t	 addtime;
	uint64_t	 usetime;
};

/* One SA and what the kernel must hold for it. */
struct sacase {
	const char	*name;
	uint8_t		 satype;
	const char	*src;
	const char	*dst;
	uint32_t	 spi;
	uint8_t		 mode;
	uint32_t	 reqid;
	uint8_t		 auth;		/* Linux wire numbers */
	unsigned	 abits;
	uint8_t		 enc;
	unsigned	 ebits;
	uint32_t	 flags;
	uint32_t	 replay;	/* packets */
	struct natt	 natt;
	bool		 lifetimes;
	struct lt	 hard;
	struct lt	 soft;
	/* the oracle: XFRM's view */
	const char	*xauth;		/* XFRMA_ALG_AUTH_TRUNC name */
	unsigned	 xtrunc;
	const char	*xenc;		/* _ALG_CRYPT or _ALG_AEAD name */
	bool		 xaead;
	unsigned	 xicv;
	const char	*xcomp;
};

#define V4S	"192.0.2.1"
#define V4D	"192.0.2.2"
#define V6S	"2001:db8::1"
#define V6D	"2001:db8::2"
#define TP	PFKEY_MODE_TRANSPORT
#define TU	PFKEY_MODE_TUNNEL
#define ESP	PFKEY_SATYPE_ESP

static const struct sacase cases[] = {
	{ "cbc128-sha256-v4-transport", ESP, V4S, V4D, 0x1001, TP, 1,
	    5, 256, 12, 128, 0, 32, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha256)", 128, "cbc(aes)", false, 0, NULL },
	{ "cbc256-sha384-v4-tunnel", ESP, V4S, V4D, 0x1002, TU, 2,
	    6, 384, 12, 256, 0, 64, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha384)", 192, "cbc(aes)", false, 0, NULL },
	{ "cbc192-sha512-v6-tunnel", ESP, V6S, V6D, 0x1003, TU, 3,
	    7, 512, 12, 192, 0, 32, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha512)", 256, "cbc(aes)", false, 0, NULL },
	{ "3des-sha1-v4", ESP, V4S, V4D, 0x1004, TP, 0,
	    3, 160, 3, 192, 0, 0, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha1)", 96, "cbc(des3_ede)", false, 0, NULL },
	{ "cbc-md5-v6-transport", ESP, V6S, V6D, 0x1005, TP, 0,
	    2, 128, 12, 128, 0, 0, { 0 }, false, { 0 }, { 0 },
	    "hmac(md5)", 96, "cbc(aes)", false, 0, NULL },
	{ "ctr-xcbc-v4", ESP, V4S, V4D, 0x1006, TP, 0,
	    9, 128, 13, 160, 0, 0, { 0 }, false, { 0 }, { 0 },
	    "xcbc(aes)", 96, "rfc3686(ctr(aes))", false, 0, NULL },
	{ "null-sha1-v4", ESP, V4S, V4D, 0x1007, TP, 0,
	    3, 160, 11, 0, 0, 0, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha1)", 96, "ecb(cipher_null)", false, 0, NULL },
	{ "gcm8-v4", ESP, V4S, V4D, 0x1008, TP, 0,
	    0, 0, 18, 160, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4106(gcm(aes))", true, 64, NULL },
	{ "gcm12-v6", ESP, V6S, V6D, 0x1009, TP, 0,
	    0, 0, 19, 224, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4106(gcm(aes))", true, 96, NULL },
	{ "gcm16-v4-tunnel", ESP, V4S, V4D, 0x100a, TU, 10,
	    0, 0, 20, 288, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4106(gcm(aes))", true, 128, NULL },
	{ "chacha20-poly1305-v4", ESP, V4S, V4D, 0x100b, TP, 0,
	    0, 0, 28, 288, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc7539esp(chacha20,poly1305)", true, 128, NULL },
	{ "chacha20-poly1305-v6-tunnel", ESP, V6S, V6D, 0x100c, TU, 12,
	    0, 0, 28, 288, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc7539esp(chacha20,poly1305)", true, 128, NULL },
	{ "ccm16-v4", ESP, V4S, V4D, 0x100d, TP, 0,
	    0, 0, 16, 152, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4309(ccm(aes))", true, 128, NULL },
	{ "null-aes-gmac-v4", ESP, V4S, V4D, 0x100e, TP, 0,
	    0, 0, 23, 160, 0, 32, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4543(gcm(aes))", true, 128, NULL },
	{ "esn-window-1024", ESP, V4S, V4D, 0x100f, TU, 15,
	    0, 0, 20, 288, PFKEY_SAFLAG_ESN, 1024, { 0 }, false, { 0 },
	    { 0 }, NULL, 0, "rfc4106(gcm(aes))", true, 128, NULL },
	{ "esn-sha256-window-64", ESP, V6S, V6D, 0x1010, TP, 0,
	    5, 256, 12, 128, PFKEY_SAFLAG_ESN, 64, { 0 }, false, { 0 },
	    { 0 }, "hmac(sha256)", 128, "cbc(aes)", false, 0, NULL },
	{ "window-200", ESP, V4S, V4D, 0x1011, TP, 0,
	    5, 256, 12, 128, 0, 200, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha256)", 128, "cbc(aes)", false, 0, NULL },
	{ "window-4096", ESP, V4S, V4D, 0x1012, TP, 0,
	    0, 0, 20, 288, 0, 4096, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4106(gcm(aes))", true, 128, NULL },
	{ "natt-espinudp-4500", ESP, V4S, V4D, 0x1013, TU, 19,
	    0, 0, 20, 288, 0, 32, { PFKEY_NATT_ESPINUDP, 4500, 4500,
	    "198.51.100.7" }, false, { 0 }, { 0 },
	    NULL, 0, "rfc4106(gcm(aes))", true, 128, NULL },
	{ "natt-cbc-sha256-ports", ESP, V4S, V4D, 0x1014, TP, 0,
	    5, 256, 12, 128, 0, 32, { PFKEY_NATT_ESPINUDP, 4500, 61234,
	    NULL }, false, { 0 }, { 0 },
	    "hmac(sha256)", 128, "cbc(aes)", false, 0, NULL },
	{ "lifetimes", ESP, V4S, V4D, 0x1015, TP, 0,
	    5, 256, 12, 128, 0, 32, { 0 }, true,
	    { 100000, 1000000000ull, 3600, 1800 },
	    { 90000, 900000000ull, 3000, 1500 },
	    "hmac(sha256)", 128, "cbc(aes)", false, 0, NULL },
	{ "ipcomp-deflate-v4", PFKEY_SATYPE_IPCOMP, V4S, V4D, 0x2001, TU, 0,
	    0, 0, 2, 0, 0, 0, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, NULL, false, 0, "deflate" },
	{ "ipcomp-deflate-v6", PFKEY_SATYPE_IPCOMP, V6S, V6D, 0x2002, TP, 0,
	    0, 0, 2, 0, 0, 0, { 0 }, false, { 0 }, { 0 },
	    NULL, 0, NULL, false, 0, "deflate" },
	{ "ah-sha256-v4", PFKEY_SATYPE_AH, V4S, V4D, 0x3001, TP, 0,
	    5, 256, 0, 0, 0, 32, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha256)", 128, NULL, false, 0, NULL },
	{ "ah-sha512-v6-tunnel", PFKEY_SATYPE_AH, V6S, V6D, 0x3002, TU, 0,
	    7, 512, 0, 0, 0, 32, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha512)", 256, NULL, false, 0, NULL },
	{ "beet-cbc-sha1-v4", ESP, V4S, V4D, 0x1016, PFKEY_MODE_BEET, 0,
	    3, 160, 12, 128, 0, 32, { 0 }, false, { 0 }, { 0 },
	    "hmac(sha1)", 96, "cbc(aes)", false, 0, NULL },
};

static bool verbose;
static int npass, nfail;
static size_t nadded;		/* cases the kernel took */
static struct pfkey_xport *x;

static void
result(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS %s\n", name);
		npass++;
	} else {
		printf("FAIL %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
		nfail++;
	}
	fflush(stdout);
}

/* First problem found by a comparison, or "" (the check passes). */
static char why[512];

static void
problem(const char *fmt, ...)
{
	va_list ap;

	if (why[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
}

static void
keybytes(const struct sacase *c, bool auth, uint8_t *k, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		k[i] = (uint8_t)((c->spi * 7 + (auth ? 101 : 3)) + i * 13);
}

static struct sockaddr_storage
addr(const char *s, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
	} else if (inet_pton(AF_INET6, s, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
	}
	return (ss);
}

static bool
same_addr(const struct sockaddr_storage *a, const char *s)
{
	struct sockaddr_storage b = addr(s, 0);

	if (a->ss_family != b.ss_family)
		return (false);
	if (a->ss_family == AF_INET)
		return (memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((struct sockaddr_in *)&b)->sin_addr, 4) == 0);
	return (memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((struct sockaddr_in6 *)&b)->sin6_addr, 16) == 0);
}

/* ------------------------------------------------- PF_KEY messages */

static uint64_t *replybuf;

static int
start(struct pfkey_buf *b, uint8_t type, uint8_t satype)
{
	return (pfkey_buf_alloc(b, D, type, satype, pfkey_xport_seq(x),
	    pfkey_xport_pid(x)));
}

/* Send and decode the reply; the reply's errno, or -1 (transport). */
static int
request(struct pfkey_buf *b, struct pfkey_msg *m)
{
	const void *msg, *reply;
	size_t len, rlen;
	char text[8192];
	int rc;

	if ((rc = pfkey_buf_finish(b, &msg, &len)) != 0) {
		problem("building: %s", pfkey_strerror(rc));
		pfkey_buf_free(b);
		return (-1);
	}
	rc = pfkey_request(x, msg, len, &reply, &rlen, 10000);
	pfkey_buf_free(b);
	if (rc != 0) {
		problem("transport: %s", pfkey_strerror(rc));
		return (-1);
	}
	memcpy(replybuf, reply, rlen);
	if ((rc = pfkey_decode(replybuf, rlen, D, PFKEY_DEC_FROM_KERNEL,
	    m)) != 0) {
		problem("reply does not decode: %s", pfkey_strerror(rc));
		return (-1);
	}
	if (verbose) {
		pfkey_print(m, PFKEY_PR_KEYS, text, sizeof(text));
		fputs(text, stdout);
		if (pfkey_xport_errmsg(x) != NULL)
			printf("  kernel: %s\n", pfkey_xport_errmsg(x));
	}
	return (m->hdr->sadb_msg_errno);
}

static void
put_lt(struct pfkey_buf *b, int ext, const struct lt *l)
{
	struct pfkey_lifetime_args a;

	memset(&a, 0, sizeof(a));
	a.allocations = l->allocations;
	a.bytes = l->bytes;
	a.addtime = l->addtime;
	a.usetime = l->usetime;
	(void)pfkey_put_lifetime(b, ext, &a);
}

static void
put_addrs(struct pfkey_buf *b, const struct sacase *c)
{
	struct sockaddr_storage s = addr(c->src, 0), d = addr(c->dst, 0);

	(void)pfkey_put_address(b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, 0xff, 255);
	(void)pfkey_put_address(b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, 0xff, 255);
}

/* An ADD or UPDATE of the case, with keys. */
static void
build_sa(struct pfkey_buf *b, uint8_t type, const struct sacase *c)
{
	struct pfkey_sa_args sa;
	struct sockaddr_storage oa;
	uint8_t k[64];

	(void)start(b, type, c->satype);
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(c->spi);
	sa.auth = c->auth;
	sa.encrypt = c->enc;
	sa.flags = c->flags;
	sa.replay = c->replay > 255 ? 255 : (uint8_t)c->replay;
	(void)pfkey_put_sa(b, &sa);
	if (c->replay > 255)
		(void)pfkey_put_sa_replay(b, c->replay);
	(void)pfkey_put_sa2(b, c->mode, 0, c->reqid);
	put_addrs(b, c);
	if (c->auth != 0) {
		keybytes(c, true, k, sizeof(k));
		(void)pfkey_put_key(b, PFKEY_EXT_KEY_AUTH, k, c->abits);
	}
	if (c->satype == PFKEY_SATYPE_ESP) {
		keybytes(c, false, k, sizeof(k));
		(void)pfkey_put_key(b, PFKEY_EXT_KEY_ENCRYPT, k, c->ebits);
	}
	if (c->natt.type != 0) {
		(void)pfkey_put_nat_t_type(b, c->natt.type);
		(void)pfkey_put_nat_t_port(b, PFKEY_EXT_X_NAT_T_SPORT,
		    htons(c->natt.sport));
		(void)pfkey_put_nat_t_port(b, PFKEY_EXT_X_NAT_T_DPORT,
		    htons(c->natt.dport));
		if (c->natt.oa != NULL) {
			oa = addr(c->natt.oa, 0);
			(void)pfkey_put_address(b, PFKEY_EXT_X_NAT_T_OA,
			    (struct sockaddr *)&oa, 0xff, 255);
		}
	}
	if (c->lifetimes) {
		put_lt(b, PFKEY_EXT_LIFETIME_HARD, &c->hard);
		put_lt(b, PFKEY_EXT_LIFETIME_SOFT, &c->soft);
	}
}

static void
check_lt(const struct pfkey_msg *m, int ext, const struct lt *l)
{
	const struct sadb_lifetime *g = PFKEY_EXT(m, ext, sadb_lifetime);

	if (g == NULL) {
		problem("no %s", pfkey_ext_name(ext));
		return;
	}
	if (g->sadb_lifetime_allocations != l->allocations ||
	    g->sadb_lifetime_bytes != l->bytes ||
	    g->sadb_lifetime_addtime != l->addtime ||
	    g->sadb_lifetime_usetime != l->usetime)
		problem("%s %u/%llu/%llu/%llu, want %u/%llu/%llu/%llu",
		    pfkey_ext_name(ext), g->sadb_lifetime_allocations,
		    (unsigned long long)g->sadb_lifetime_bytes,
		    (unsigned long long)g->sadb_lifetime_addtime,
		    (unsigned long long)g->sadb_lifetime_usetime,
		    l->allocations, (unsigned long long)l->bytes,
		    (unsigned long long)l->addtime,
		    (unsigned long long)l->usetime);
}

static void
check_key(const struct pfkey_msg *m, int ext, const struct sacase *c,
    bool auth, unsigned bits)
{
	const uint8_t *key;
	unsigned got;
	uint8_t want[64];

	if (bits == 0) {
		if (m->ext[ext] != NULL && pfkey_get_key(m, ext, &key,
		    &got) == 0 && got != 0)
			problem("%s of %u bits, want none", pfkey_ext_name(ext),
			    got);
		return;
	}
	if (pfkey_get_key(m, ext, &key, &got) != 0) {
		problem("no %s", pfkey_ext_name(ext));
		return;
	}
	keybytes(c, auth, want, sizeof(want));
	if (got != bits || memcmp(key, want, (bits + 7) / 8) != 0)
		problem("%s differs (%u bits, want %u)", pfkey_ext_name(ext),
		    got, bits);
}

/* A GET or DUMP reply against the case, field by field, keys included. */
static void
compare(const struct pfkey_msg *m, const struct sacase *c, bool keys)
{
	const struct sadb_sa *sa = PFKEY_EXT(m, PFKEY_EXT_SA, sadb_sa);
	const struct sadb_x_sa2 *sa2 = PFKEY_EXT(m, PFKEY_EXT_X_SA2,
	    sadb_x_sa2);
	const struct pfkey_x_sa_replay *rp = PFKEY_EXT(m,
	    PFKEY_EXT_X_SA_REPLAY, pfkey_x_sa_replay);
	const struct sadb_x_nat_t_type *nt = PFKEY_EXT(m,
	    PFKEY_EXT_X_NAT_T_TYPE, sadb_x_nat_t_type);
	const struct sadb_x_nat_t_port *sp = PFKEY_EXT(m,
	    PFKEY_EXT_X_NAT_T_SPORT, sadb_x_nat_t_port);
	const struct sadb_x_nat_t_port *dp = PFKEY_EXT(m,
	    PFKEY_EXT_X_NAT_T_DPORT, sadb_x_nat_t_port);
	struct sockaddr_storage ss;
	uint32_t window;

	if (sa == NULL) {
		problem("no SA extension");
		return;
	}
	if (m->hdr->sadb_msg_satype != c->satype)
		problem("satype %u", m->hdr->sadb_msg_satype);
	if (ntohl(sa->sadb_sa_spi) != c->spi)
		problem("spi %#x", ntohl(sa->sadb_sa_spi));
	if (sa->sadb_sa_state != PFKEY_SASTATE_MATURE)
		problem("state %u, want mature", sa->sadb_sa_state);
	if (sa->sadb_sa_auth != c->auth)
		problem("auth %u, want %u", sa->sadb_sa_auth, c->auth);
	if (sa->sadb_sa_encrypt != c->enc)
		problem("encrypt %u, want %u", sa->sadb_sa_encrypt, c->enc);
	if (sa->sadb_sa_flags != c->flags)
		problem("flags %#x, want %#x", sa->sadb_sa_flags, c->flags);
	window = rp != NULL ? rp->replay : sa->sadb_sa_replay;
	if (window != c->replay)
		problem("replay window %u, want %u", window, c->replay);
	if ((c->replay > 255) != (rp != NULL))
		problem("X_SA_REPLAY %s", rp != NULL ? "present" : "missing");
	if (sa2 == NULL)
		problem("no X_SA2");
	else if (sa2->sadb_x_sa2_mode != c->mode ||
	    sa2->sadb_x_sa2_reqid != c->reqid)
		problem("mode %u reqid %u, want %u %u", sa2->sadb_x_sa2_mode,
		    sa2->sadb_x_sa2_reqid, c->mode, c->reqid);
	if (pfkey_get_address(m, PFKEY_EXT_ADDRESS_SRC, &ss, NULL, NULL) !=
	    0 || !same_addr(&ss, c->src))
		problem("source address");
	if (pfkey_get_address(m, PFKEY_EXT_ADDRESS_DST, &ss, NULL, NULL) !=
	    0 || !same_addr(&ss, c->dst))
		problem("destination address");
	if (keys) {
		check_key(m, PFKEY_EXT_KEY_AUTH, c, true, c->abits);
		check_key(m, PFKEY_EXT_KEY_ENCRYPT, c, false,
		    c->satype == PFKEY_SATYPE_ESP ? c->ebits : 0);
	} else if (m->ext[PFKEY_EXT_KEY_AUTH] != NULL ||
	    m->ext[PFKEY_EXT_KEY_ENCRYPT] != NULL)
		problem("keys in a reply that must not carry them");
	if (c->natt.type != 0) {
		if (nt == NULL || sp == NULL || dp == NULL)
			problem("NAT-T extensions missing");
		else if (nt->sadb_x_nat_t_type_type != c->natt.type ||
		    ntohs(sp->sadb_x_nat_t_port_port) != c->natt.sport ||
		    ntohs(dp->sadb_x_nat_t_port_port) != c->natt.dport)
			problem("NAT-T %u %u %u", nt->sadb_x_nat_t_type_type,
			    ntohs(sp->sadb_x_nat_t_port_port),
			    ntohs(dp->sadb_x_nat_t_port_port));
		if (c->natt.oa != NULL && (pfkey_get_address(m,
		    PFKEY_EXT_X_NAT_T_OA, &ss, NULL, NULL) != 0 ||
		    !same_addr(&ss, c->natt.oa)))
			problem("NAT-T original address");
	} else if (nt != NULL)
		problem("NAT-T where there is none");
	if (c->lifetimes) {
		check_lt(m, PFKEY_EXT_LIFETIME_HARD, &c->hard);
		check_lt(m, PFKEY_EXT_LIFETIME_SOFT, &c->soft);
	}
	if (m->ext[PFKEY_EXT_LIFETIME_CURRENT] == NULL)
		problem("no LIFETIME_CURRENT");
}

/* ------------------------------------------ the oracle: plain XFRM */

static int oracle_fd = -1;

static bool
oracle_open(void)
{
	struct sockaddr_nl sn;

	if ((oracle_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_XFRM)) == -1)
		return (false);
	memset(&sn, 0, sizeof(sn));
	sn.nl_family = AF_NETLINK;
	return (bind(oracle_fd, (struct sockaddr *)&sn, sizeof(sn)) == 0);
}

/* The kernel's state for (dst, spi, proto): the raw NEWSA message. */
static ssize_t
oracle_get(const struct sacase *c, uint8_t *buf, size_t cap)
{
	struct {
		struct nlmsghdr		n;
		struct xfrm_usersa_id	id;
	} req;
	struct sockaddr_storage d = addr(c->dst, 0);
	struct sockaddr_nl to;
	struct pollfd pfd;
	struct nlmsghdr nh;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	req.n.nlmsg_len = sizeof(req);
	req.n.nlmsg_type = XFRM_MSG_GETSA;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.n.nlmsg_seq = c->spi;
	req.id.family = d.ss_family;
	if (d.ss_family == AF_INET)
		memcpy(&req.id.daddr.a4,
		    &((struct sockaddr_in *)&d)->sin_addr, 4);
	else
		memcpy(req.id.daddr.a6,
		    &((struct sockaddr_in6 *)&d)->sin6_addr, 16);
	req.id.spi = htonl(c->spi);
	req.id.proto = (uint8_t)pfkey_satype_to_ipproto(c->satype);
	memset(&to, 0, sizeof(to));
	to.nl_family = AF_NETLINK;
	if (sendto(oracle_fd, &req, sizeof(req), 0, (struct sockaddr *)&to,
	    sizeof(to)) != sizeof(req))
		return (-1);
	pfd.fd = oracle_fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, 5000) != 1 ||
	    (n = recv(oracle_fd, buf, cap, 0)) < (ssize_t)sizeof(nh))
		return (-1);
	memcpy(&nh, buf, sizeof(nh));
	if (nh.nlmsg_type != XFRM_MSG_NEWSA || nh.nlmsg_len > (size_t)n)
		return (-1);
	return ((ssize_t)nh.nlmsg_len);
}

/* An attribute of a NEWSA message: payload and its length. */
static const uint8_t *
oracle_attr(const uint8_t *msg, size_t len, int type, size_t *alen)
{
	size_t off = NLMSG_HDRLEN +
	    NLMSG_ALIGN(sizeof(struct xfrm_usersa_info));
	struct nlattr na;

	while (off + NLA_HDRLEN <= len) {
		memcpy(&na, msg + off, sizeof(na));
		if (na.nla_len < NLA_HDRLEN || off + na.nla_len > len)
			return (NULL);
		if ((na.nla_type & NLA_TYPE_MASK) == type) {
			*alen = na.nla_len - NLA_HDRLEN;
			return (msg + off + NLA_HDRLEN);
		}
		off += NLA_ALIGN(na.nla_len);
	}
	return (NULL);
}

/* What the kernel holds, against the case. */
static void
oracle_check(const struct sacase *c)
{
	static uint8_t buf[65536];
	struct xfrm_usersa_info info;
	struct xfrm_algo_auth aa;
	struct xfrm_algo_aead ad;
	struct xfrm_algo al;
	struct xfrm_replay_state_esn esn;
	struct xfrm_encap_tmpl en;
	const uint8_t *p;
	uint8_t k[64];
	size_t alen;
	ssize_t len;

	if ((len = oracle_get(c, buf, sizeof(buf))) < 0) {
		problem("the kernel has no such SA");
		return;
	}
	if ((size_t)len < NLMSG_HDRLEN + sizeof(info)) {
		problem("short NEWSA");
		return;
	}
	memcpy(&info, buf + NLMSG_HDRLEN, sizeof(info));
	if (c->xauth != NULL) {
		if ((p = oracle_attr(buf, (size_t)len, XFRMA_ALG_AUTH_TRUNC,
		    &alen)) == NULL || alen < sizeof(aa)) {
			problem("kernel: no truncated auth");
			return;
		}
		memcpy(&aa, p, sizeof(aa));
		keybytes(c, true, k, sizeof(k));
		if (strcmp(aa.alg_name, c->xauth) != 0 ||
		    aa.alg_trunc_len != c->xtrunc ||
		    aa.alg_key_len != c->abits ||
		    alen < sizeof(aa) + c->abits / 8 ||
		    memcmp(p + sizeof(aa), k, c->abits / 8) != 0)
			problem("kernel auth %s/%u bits/ICV %u, want %s/%u/%u",
			    aa.alg_name, aa.alg_key_len, aa.alg_trunc_len,
			    c->xauth, c->abits, c->xtrunc);
	}
	if (c->xenc != NULL && c->xaead) {
		if ((p = oracle_attr(buf, (size_t)len, XFRMA_ALG_AEAD,
		    &alen)) == NULL || alen < sizeof(ad)) {
			problem("kernel: no AEAD");
			return;
		}
		memcpy(&ad, p, sizeof(ad));
		keybytes(c, false, k, sizeof(k));
		if (strcmp(ad.alg_name, c->xenc) != 0 ||
		    ad.alg_icv_len != c->xicv || ad.alg_key_len != c->ebits ||
		    alen < sizeof(ad) + c->ebits / 8 ||
		    memcmp(p + sizeof(ad), k, c->ebits / 8) != 0)
			problem("kernel AEAD %s/%u bits/ICV %u, want %s/%u/%u",
			    ad.alg_name, ad.alg_key_len, ad.alg_icv_len,
			    c->xenc, c->ebits, c->xicv);
	} else if (c->xenc != NULL) {
		if ((p = oracle_attr(buf, (size_t)len, XFRMA_ALG_CRYPT,
		    &alen)) == NULL || alen < sizeof(al)) {
			problem("kernel: no cipher");
			return;
		}
		memcpy(&al, p, sizeof(al));
		keybytes(c, false, k, sizeof(k));
		if (strcmp(al.alg_name, c->xenc) != 0 ||
		    al.alg_key_len != c->ebits ||
		    alen < sizeof(al) + c->ebits / 8 ||
		    memcmp(p + sizeof(al), k, c->ebits / 8) != 0)
			problem("kernel cipher %s/%u bits, want %s/%u",
			    al.alg_name, al.alg_key_len, c->xenc, c->ebits);
	}
	if (c->xcomp != NULL) {
		if ((p = oracle_attr(buf, (size_t)len, XFRMA_ALG_COMP,
		    &alen)) == NULL || alen < sizeof(al)) {
			problem("kernel: no compression");
			return;
		}
		memcpy(&al, p, sizeof(al));
		if (strcmp(al.alg_name, c->xcomp) != 0)
			problem("kernel compression %s, want %s", al.alg_name,
			    c->xcomp);
	}
	/* Windows over 32 and ESN need the bitmap attribute. */
	if ((c->flags & PFKEY_SAFLAG_ESN) || c->replay > 32) {
		if ((p = oracle_attr(buf, (size_t)len, XFRMA_REPLAY_ESN_VAL,
		    &alen)) == NULL || alen < sizeof(esn)) {
			problem("kernel: no replay bitmap");
			return;
		}
		memcpy(&esn, p, sizeof(esn));
		if (esn.replay_window != c->replay ||
		    esn.bmp_len * 32 < c->replay)
			problem("kernel window %u (bitmap %u words), want %u",
			    esn.replay_window, esn.bmp_len, c->replay);
	} else if (info.replay_window != c->replay)
		problem("kernel window %u, want %u", info.replay_window,
		    c->replay);
	if (((info.flags & XFRM_STATE_ESN) != 0) !=
	    ((c->flags & PFKEY_SAFLAG_ESN) != 0))
		problem("kernel ESN flag %s", (info.flags & XFRM_STATE_ESN) ?
		    "set" : "clear");
	if (c->natt.type != 0) {
		if ((p = oracle_attr(buf, (size_t)len, XFRMA_ENCAP,
		    &alen)) == NULL || alen < sizeof(en)) {
			problem("kernel: no encapsulation");
			return;
		}
		memcpy(&en, p, sizeof(en));
		if (en.encap_type != c->natt.type ||
		    ntohs(en.encap_sport) != c->natt.sport ||
		    ntohs(en.encap_dport) != c->natt.dport)
			problem("kernel encap %u %u %u", en.encap_type,
			    ntohs(en.encap_sport), ntohs(en.encap_dport));
	}
	if (c->lifetimes && (info.lft.hard_add_expires_seconds !=
	    c->hard.addtime || info.lft.soft_byte_limit != c->soft.bytes ||
	    info.lft.hard_packet_limit != c->hard.allocations))
		problem("kernel lifetimes differ");
	if (!c->lifetimes && (info.lft.hard_byte_limit != XFRM_INF ||
	    info.lft.soft_packet_limit != XFRM_INF))
		problem("kernel limits are not infinite");
}

/* --------------------------------------------------------- the run */

static const struct sacase *
case_by_spi(uint32_t spi)
{
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (cases[i].spi == spi)
			return (&cases[i]);
	return (NULL);
}

static int
sa_op(uint8_t type, const struct sacase *c, struct pfkey_msg *m)
{
	struct pfkey_sa_args sa;
	struct pfkey_buf b;

	(void)start(&b, type, c->satype);
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(c->spi);
	(void)pfkey_put_sa(&b, &sa);
	put_addrs(&b, c);
	return (request(&b, m));
}

static void
check_register(void)
{
	static const struct {
		const char	*type;
		const char	*name;
		uint8_t		 id;
		bool		 auth;
	} probes[] = {
		{ "aead", "rfc4106(gcm(aes))", 20, false },
		{ "aead", "rfc7539esp(chacha20,poly1305)", 28, false },
		{ "aead", "rfc4309(ccm(aes))", 16, false },
		{ "skcipher", "cbc(aes)", 12, false },
		{ "hash", "hmac(sha512)", 7, true },
	};
	struct sockaddr_alg sa;
	struct pfkey_msg m;
	struct pfkey_buf b;
	const uint8_t *p;
	struct sadb_alg a;
	size_t i, o, len;
	bool listed, has;
	int fd, e;

	why[0] = '\0';
	(void)start(&b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP);
	if ((e = request(&b, &m)) != 0)
		problem("REGISTER: errno %d", e);
	for (i = 0; e == 0 && i < sizeof(probes) / sizeof(probes[0]); i++) {
		p = (const uint8_t *)m.ext[probes[i].auth ?
		    PFKEY_EXT_SUPPORTED_AUTH : PFKEY_EXT_SUPPORTED_ENCRYPT];
		listed = false;
		len = p != NULL ? (size_t)(p[0] | p[1] << 8) * 8 : 0;
		for (o = 8; o + sizeof(a) <= len; o += sizeof(a)) {
			memcpy(&a, p + o, sizeof(a));
			if (a.sadb_alg_id == probes[i].id)
				listed = true;
		}
		/* Without AF_ALG there is no independent answer. */
		if ((fd = socket(AF_ALG, SOCK_SEQPACKET, 0)) == -1)
			continue;
		memset(&sa, 0, sizeof(sa));
		sa.salg_family = AF_ALG;
		snprintf((char *)sa.salg_type, sizeof(sa.salg_type), "%s",
		    probes[i].type);
		snprintf((char *)sa.salg_name, sizeof(sa.salg_name), "%s",
		    probes[i].name);
		has = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
		close(fd);
		if (listed != has)
			problem("%s %s listed but the kernel %s it",
			    probes[i].name, listed ? "is" : "is not",
			    has ? "has" : "lacks");
	}
	result(why[0] == '\0', "register-lists-kernel-algorithms", "%s", why);
}

static void
check_cases(void)
{
	const struct sacase *c;
	struct pfkey_msg m;
	struct pfkey_buf b;
	char name[128];
	size_t i;
	int e;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		why[0] = '\0';
		build_sa(&b, PFKEY_MSG_ADD, c);
		if ((e = request(&b, &m)) != 0)
			problem("ADD: errno %d (%s)%s%s", e, strerror(e),
			    pfkey_xport_errmsg(x) != NULL ? ": " : "",
			    pfkey_xport_errmsg(x) != NULL ?
			    pfkey_xport_errmsg(x) : "");
		else
			compare(&m, c, false);
		snprintf(name, sizeof(name), "add-%s", c->name);
		result(why[0] == '\0', name, "%s", why);
		if (e != 0)
			continue;
		nadded++;

		why[0] = '\0';
		if ((e = sa_op(PFKEY_MSG_GET, c, &m)) != 0)
			problem("GET: errno %d", e);
		else
			compare(&m, c, true);
		snprintf(name, sizeof(name), "get-%s", c->name);
		result(why[0] == '\0', name, "%s", why);

		why[0] = '\0';
		oracle_check(c);
		snprintf(name, sizeof(name), "kernel-holds-%s", c->name);
		result(why[0] == '\0', name, "%s", why);
	}
}

static void
check_dump(void)
{
	const struct sacase *c;
	const struct sadb_sa *sa;
	struct pfkey_msg m;
	struct pfkey_buf b;
	const void *reply;
	size_t rlen, seen = 0, parts = 0;
	uint32_t prevseq = 0;
	int e, rc;

	why[0] = '\0';
	(void)start(&b, PFKEY_MSG_DUMP, PFKEY_SATYPE_UNSPEC);
	if ((e = request(&b, &m)) != 0) {
		problem("DUMP: errno %d", e);
		goto out;
	}
	for (;;) {
		parts++;
		if (parts > 1 && m.hdr->sadb_msg_seq >= prevseq &&
		    m.hdr->sadb_msg_seq != 0)
			problem("seq %u after %u: no countdown",
			    m.hdr->sadb_msg_seq, prevseq);
		prevseq = m.hdr->sadb_msg_seq;
		if ((sa = PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa)) != NULL &&
		    (c = case_by_spi(ntohl(sa->sadb_sa_spi))) != NULL) {
			seen++;
			compare(&m, c, true);
		}
		if (m.hdr->sadb_msg_seq == 0)
			break;
		rc = pfkey_request_next(x, PFKEY_MSG_DUMP, &reply, &rlen,
		    10000);
		if (rc != 0) {
			problem("dump part: %s", pfkey_strerror(rc));
			break;
		}
		memcpy(replybuf, reply, rlen);
		if (pfkey_decode(replybuf, rlen, D, PFKEY_DEC_FROM_KERNEL,
		    &m) != 0) {
			problem("a dump part does not decode");
			break;
		}
	}
	if (seen != nadded)
		problem("%zu of the %zu SAs in the dump", seen, nadded);
out:
	result(why[0] == '\0', "dump-matches-every-sa", "%s", why);
}

/* GETSPI, then UPDATE makes the larval SA mature; UPDATE again: lifetimes. */
static void
check_getspi_update(void)
{
	static const struct sacase base = { "getspi-update", ESP, V4S,
	    "192.0.2.9", 0, TU, 77, 0, 0, 20, 288, 0, 32, { 0 }, false,
	    { 0 }, { 0 }, NULL, 0, "rfc4106(gcm(aes))", true, 128, NULL };
	struct sacase c = base;
	const struct sadb_sa *sa;
	struct pfkey_msg m;
	struct pfkey_buf b;
	struct sockaddr_storage s = addr(V4S, 0), d = addr("192.0.2.9", 0);
	int e;

	why[0] = '\0';
	(void)start(&b, PFKEY_MSG_GETSPI, ESP);
	(void)pfkey_put_sa2(&b, TU, 0, 77);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, 0xff, 255);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, 0xff, 255);
	(void)pfkey_put_spirange(&b, 0x5000, 0x5fff);
	if ((e = request(&b, &m)) != 0 ||
	    (sa = PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa)) == NULL) {
		problem("GETSPI: errno %d", e);
		goto out;
	}
	c.spi = ntohl(sa->sadb_sa_spi);
	if (c.spi < 0x5000 || c.spi > 0x5fff ||
	    sa->sadb_sa_state != PFKEY_SASTATE_LARVAL)
		problem("GETSPI gave spi %#x state %u", c.spi,
		    sa->sadb_sa_state);
	build_sa(&b, PFKEY_MSG_UPDATE, &c);
	if ((e = request(&b, &m)) != 0) {
		problem("UPDATE of the larval SA: errno %d", e);
		goto out;
	}
	compare(&m, &c, false);
	if ((e = sa_op(PFKEY_MSG_GET, &c, &m)) != 0)
		problem("GET: errno %d", e);
	else
		compare(&m, &c, true);
	oracle_check(&c);
	/* A mature SA: UPDATE changes its lifetimes only. */
	c.lifetimes = true;
	c.hard.addtime = 7200;
	c.soft.addtime = 6000;
	build_sa(&b, PFKEY_MSG_UPDATE, &c);
	if ((e = request(&b, &m)) != 0)
		problem("UPDATE of the mature SA: errno %d", e);
	else if ((e = sa_op(PFKEY_MSG_GET, &c, &m)) != 0)
		problem("GET: errno %d", e);
	else
		compare(&m, &c, true);
	(void)sa_op(PFKEY_MSG_DELETE, &c, &m);
out:
	result(why[0] == '\0', "getspi-update-gcm", "%s", why);
}

/* The errors af_key gives for the same requests. */
static void
check_errors(void)
{
	const struct sacase *c = &cases[0];
	struct sacase gone = cases[0];
	struct pfkey_msg m;
	struct pfkey_buf b;
	int e;

	why[0] = '\0';
	build_sa(&b, PFKEY_MSG_ADD, c);
	if ((e = request(&b, &m)) != EEXIST)
		problem("ADD of an existing SA: errno %d, want EEXIST", e);
	gone.spi = 0x7777;
	build_sa(&b, PFKEY_MSG_UPDATE, &gone);
	if ((e = request(&b, &m)) != ESRCH)
		problem("UPDATE of a missing SA: errno %d, want ESRCH", e);
	if ((e = sa_op(PFKEY_MSG_GET, &gone, &m)) != ESRCH)
		problem("GET of a missing SA: errno %d, want ESRCH", e);
	if ((e = sa_op(PFKEY_MSG_DELETE, &gone, &m)) != ESRCH)
		problem("DELETE of a missing SA: errno %d, want ESRCH", e);
	result(why[0] == '\0', "errors-as-af_key", "%s", why);
}

/* A soft then a hard EXPIRE reach a registered listener. */
static void
check_expire(void)
{
	static const struct sacase base = { "expire", ESP, V4S, "192.0.2.8",
	    0x6001, TP, 0, 5, 256, 12, 128, 0, 32, { 0 }, true,
	    { 0, 0, 3, 0 }, { 0, 0, 1, 0 }, "hmac(sha256)", 128, "cbc(aes)",
	    false, 0, NULL };
	struct pfkey_xport *km;
	struct pfkey_msg m;
	struct pfkey_buf b;
	const struct sadb_sa *sa;
	const void *msg;
	size_t len;
	time_t end;
	bool soft = false, hard = false;
	int err, e;

	why[0] = '\0';
	if ((km = pfkey_xport_open(PFKEY_XPORT_XFRM, NULL, NULL,
	    &err)) == NULL) {
		problem("second transport: %s", pfkey_strerror(err));
		goto out;
	}
	(void)pfkey_buf_alloc(&b, D, PFKEY_MSG_REGISTER, ESP,
	    pfkey_xport_seq(km), pfkey_xport_pid(km));
	{
		const void *r;
		size_t rl;

		(void)pfkey_buf_finish(&b, &msg, &len);
		if (pfkey_request(km, msg, len, &r, &rl, 5000) != 0)
			problem("REGISTER of the listener");
		pfkey_buf_free(&b);
	}
	build_sa(&b, PFKEY_MSG_ADD, &base);
	if ((e = request(&b, &m)) != 0) {
		problem("ADD: errno %d", e);
		goto close;
	}
	for (end = time(NULL) + 15; time(NULL) < end && !hard;) {
		if (pfkey_recv(km, &msg, &len, 1000) != 0)
			continue;
		memcpy(replybuf, msg, len);
		if (pfkey_decode(replybuf, len, D, PFKEY_DEC_FROM_KERNEL,
		    &m) != 0 || m.hdr->sadb_msg_type != PFKEY_MSG_EXPIRE)
			continue;
		sa = PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa);
		if (sa == NULL || ntohl(sa->sadb_sa_spi) != base.spi)
			continue;
		if (m.ext[PFKEY_EXT_LIFETIME_CURRENT] == NULL)
			problem("EXPIRE without LIFETIME_CURRENT");
		if (m.ext[PFKEY_EXT_LIFETIME_SOFT] != NULL) {
			soft = true;
			if (sa->sadb_sa_state != PFKEY_SASTATE_DYING)
				problem("soft EXPIRE in state %u",
				    sa->sadb_sa_state);
		}
		if (m.ext[PFKEY_EXT_LIFETIME_HARD] != NULL) {
			hard = true;
			if (sa->sadb_sa_state != PFKEY_SASTATE_DEAD)
				problem("hard EXPIRE in state %u",
				    sa->sadb_sa_state);
		}
		if (m.ext[PFKEY_EXT_KEY_AUTH] != NULL ||
		    m.ext[PFKEY_EXT_KEY_ENCRYPT] != NULL)
			problem("EXPIRE with keys");
	}
	if (!soft || !hard)
		problem("soft EXPIRE %s, hard EXPIRE %s", soft ? "seen" :
		    "missing", hard ? "seen" : "missing");
close:
	pfkey_xport_close(km);
out:
	result(why[0] == '\0', "expire-soft-and-hard", "%s", why);
}

/* DELETE without SA extension, then FLUSH: the SAD ends empty. */
static void
check_delete_flush(void)
{
	struct pfkey_msg m;
	struct pfkey_buf b;
	struct sockaddr_storage s = addr(V4S, 0), d = addr(V4D, 0);
	size_t i;
	int e;

	why[0] = '\0';
	(void)start(&b, PFKEY_MSG_DELETE, ESP);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, 0xff, 255);
	(void)pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, 0xff, 255);
	if ((e = request(&b, &m)) != 0)
		problem("DELETE all: errno %d", e);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].satype != ESP || strcmp(cases[i].src, V4S) != 0)
			continue;
		if ((e = sa_op(PFKEY_MSG_GET, &cases[i], &m)) != ESRCH)
			problem("%s still there after DELETE all (%d)",
			    cases[i].name, e);
	}
	(void)start(&b, PFKEY_MSG_FLUSH, PFKEY_SATYPE_UNSPEC);
	if ((e = request(&b, &m)) != 0)
		problem("FLUSH: errno %d", e);
	(void)start(&b, PFKEY_MSG_DUMP, PFKEY_SATYPE_UNSPEC);
	if ((e = request(&b, &m)) != ENOENT)
		problem("DUMP after FLUSH: errno %d, want ENOENT", e);
	result(why[0] == '\0', "delete-all-and-flush", "%s", why);
}

int
main(int argc, char *argv[])
{
	bool newns = true;
	int ch, err;

	while ((ch = getopt(argc, argv, "Nv")) != -1) {
		switch (ch) {
		case 'N':
			newns = false;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			fprintf(stderr, "usage: xfrm_sa_check [-N] [-v]\n");
			return (2);
		}
	}
	if ((replybuf = malloc(MSGMAX)) == NULL)
		return (2);
	if (newns && unshare(CLONE_NEWNET) == -1) {
		fprintf(stderr, "xfrm_sa_check: unshare: %s (use -N)\n",
		    strerror(errno));
		return (2);
	}
	if ((x = pfkey_xport_open(PFKEY_XPORT_XFRM, NULL, NULL,
	    &err)) == NULL) {
		printf("FAIL open: %s (%s)\n", pfkey_strerror(err),
		    strerror(errno));
		return (1);
	}
	if (!oracle_open()) {
		printf("FAIL oracle socket: %s\n", strerror(errno));
		return (1);
	}
	check_register();
	check_cases();
	check_dump();
	check_getspi_update();
	check_errors();
	check_expire();
	check_delete_flush();
	pfkey_xport_close(x);
	printf("%s: %d passed, %d failed\n", nfail == 0 ? "PASS" : "FAIL",
	    npass, nfail);
	return (nfail == 0 ? 0 : 1);
}
