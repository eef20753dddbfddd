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
 * The XFRM transport: a userspace af_key.  It takes PF_KEY v2 messages in
 * the Linux dialect, issues XFRM netlink (NETLINK_XFRM) requests, and turns
 * the kernel's answers and multicast events back into PF_KEY messages, so
 * that a program sees what Linux's af_key would show it, plus what af_key
 * cannot carry: AEAD, ESN, replay windows beyond 255 packets (X_SA_REPLAY,
 * extension 27 in pfkeykit's Linux dialect), full-length HMAC-SHA2 ICVs.
 *
 * How it works:
 * - A request is handled inside send: translated, sent with a sequence
 *   number of our own, and the socket read until the kernel's ACK (or
 *   error, with its extended-ACK text kept).  The kernel handles netlink
 *   requests synchronously inside sendmsg, so waiting costs no latency.
 *   The PF_KEY reply is queued for recv.
 * - The socket is in the SA and policy multicast groups from the start:
 *   the kernel's notification of our own change (it carries our port id
 *   and sequence number and comes before the ACK) is the reply, so an
 *   X_SPDADD reply carries the policy id the kernel chose, as af_key's
 *   does, without a second round trip.  If the notification was lost, the
 *   reply is built from the request (or a GET).
 * - DUMP and X_SPDDUMP are read on demand by recv, so nothing is ever
 *   truncated or held in memory however many entries come.  One
 *   translated entry is held back so that the last can carry seq 0; the
 *   others count down from the kernel's count (KAME's and sadbd's way).
 * - REGISTER and X_PROMISC join the acquire and expire groups too.  Other
 *   processes' changes and the kernel's events are delivered as af_key
 *   delivers them: ACQUIRE and EXPIRE to sockets registered for the SA
 *   type, everything to promiscuous ones; ADD, DELETE, X_SPDADD... (af_key
 *   sends those to every socket) only to registered and promiscuous ones,
 *   since a socket that registered for nothing only wants its replies.
 * - Nothing from the kernel is trusted: every netlink length, attribute
 *   length and embedded structure is checked before use, and structures
 *   are copied out of the receive buffer rather than read in place.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pfkey_priv.h"

#if defined(__linux__)

#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <linux/if_alg.h>

#ifndef AF_ALG
#define AF_ALG			38
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK		270
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK		10
#endif
#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK		11
#endif
#ifndef NLM_F_CAPPED
#define NLM_F_CAPPED		0x100
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS		0x200
#endif
#define XF_NLMSGERR_ATTR_MSG	1	/* enum nlmsgerr_attrs */
#define XF_MODE_IPTFS		5	/* XFRM_MODE_IPTFS (Linux 6.14) */

#define XF_RBUFSZ		(256 * 1024)
#define XF_WBUFSZ		(160 * 1024)	/* a 64 KiB context fits */
#define XF_EXTACK_MAX		256
#define XF_OUTQ_MAX		65536	/* events (replies are never lost) */
#define XF_SPARE_LEN		512	/* a dump part kept for reuse... */
#define XF_SPARE_MAX		256	/* ...and at most this many of them */
#define XF_TIMEOUT_MS		5000
#define XF_PROTO_ANY		255	/* IPSEC_PROTO_ANY */
#define XF_SPI_MIN		0x100	/* af_key's GETSPI range */
#define XF_SPI_MAX		0x0fffffff
#define XF_CPI_MAX		0xffff
#define XF_SATYPE_MAX		9	/* SADB_SATYPE_MAX */
#define XF_AALG_MAX		251	/* Linux SADB_AALG_MAX */
#define XF_EALG_MAX		253	/* Linux SADB_EALG_MAX */
#define XF_CALG_MAX		4	/* Linux SADB_X_CALG_MAX */
#define XF_PROP_REPLAY		32	/* af_key's ACQUIRE proposal */
#define XF_COMB_HARD_ADDTIME	(24 * 60 * 60)
#define XF_COMB_SOFT_ADDTIME	(20 * 60 * 60)
#define XF_COMB_HARD_USETIME	(8 * 60 * 60)
#define XF_COMB_SOFT_USETIME	(7 * 60 * 60)
#define XF_MAXCOMBS		256
#define XF_MAX_DEPTH		6	/* XFRM_MAX_DEPTH (net/xfrm.h) */
#define XF_ALGNAME		64	/* xfrm_algo's alg_name */

/* Which algorithm attribute an XFRM name goes in. */
enum xf_attrkind {
	XA_AUTH,		/* XFRMA_ALG_AUTH_TRUNC */
	XA_CRYPT,		/* XFRMA_ALG_CRYPT */
	XA_AEAD,		/* XFRMA_ALG_AEAD */
	XA_COMP			/* XFRMA_ALG_COMP */
};

/*
 * PF_KEY algorithms and the names Linux's XFRM (net/xfrm/xfrm_algo.c)
 * and crypto API know them by.  ICV and truncation lengths come from
 * libpfkey's table: the full RFC lengths (96 bits for MD5, SHA-1,
 * RIPEMD-160 and XCBC; 128/192/256 for SHA-256/384/512), which is what
 * af_key cannot set.  `probe' is the AF_ALG socket type that instantiates
 * the name; compression has none (see probe_one()).
 */
struct xalg {
	enum pfkey_alg_kind	 kind;
	int			 logical;
	const char		*name;
	enum xf_attrkind	 attr;
	const char		*probe;
};

static const struct xalg xalgs[] = {
	{ PFKEY_ALG_AUTH, PFKEY_AALG_MD5HMAC, "hmac(md5)", XA_AUTH, "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_SHA1HMAC, "hmac(sha1)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_SHA2_256HMAC, "hmac(sha256)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_SHA2_384HMAC, "hmac(sha384)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_SHA2_512HMAC, "hmac(sha512)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_RIPEMD160HMAC, "hmac(rmd160)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_AES_XCBC_MAC, "xcbc(aes)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_SM3_256HMAC, "hmac(sm3)", XA_AUTH,
	    "hash" },
	{ PFKEY_ALG_AUTH, PFKEY_AALG_NULL, "digest_null", XA_AUTH, "hash" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_DESCBC, "cbc(des)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_3DESCBC, "cbc(des3_ede)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_CAST128CBC, "cbc(cast5)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_BLOWFISHCBC, "cbc(blowfish)",
	    XA_CRYPT, "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_NULL, "ecb(cipher_null)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AESCBC, "cbc(aes)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AESCTR, "rfc3686(ctr(aes))", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_CCM_ICV8, "rfc4309(ccm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_CCM_ICV12, "rfc4309(ccm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_CCM_ICV16, "rfc4309(ccm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_GCM_ICV8, "rfc4106(gcm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_GCM_ICV12, "rfc4106(gcm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_GCM_ICV16, "rfc4106(gcm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_CAMELLIACBC, "cbc(camellia)",
	    XA_CRYPT, "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_NULL_AES_GMAC, "rfc4543(gcm(aes))",
	    XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_SM4CBC, "cbc(sm4)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_CHACHA20POLY1305,
	    "rfc7539esp(chacha20,poly1305)", XA_AEAD, "aead" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_SERPENTCBC, "cbc(serpent)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_ENCRYPT, PFKEY_EALG_TWOFISHCBC, "cbc(twofish)", XA_CRYPT,
	    "skcipher" },
	{ PFKEY_ALG_COMP, PFKEY_CALG_DEFLATE, "deflate", XA_COMP, NULL },
	{ PFKEY_ALG_COMP, PFKEY_CALG_LZS, "lzs", XA_COMP, NULL },
	{ PFKEY_ALG_COMP, PFKEY_CALG_LZJH, "lzjh", XA_COMP, NULL },
};

/* af_key's SA flags (Linux pfkeyv2.h) and ESN, against XFRM's. */
static const struct {
	uint32_t	pfkey;
	uint8_t		xfrm;
} saflags[] = {
	{ PFKEY_SAFLAG_LX_NOECN, XFRM_STATE_NOECN },
	{ PFKEY_SAFLAG_LX_DECAP_DSCP, XFRM_STATE_DECAP_DSCP },
	{ PFKEY_SAFLAG_LX_NOPMTUDISC, XFRM_STATE_NOPMTUDISC },
	{ PFKEY_SAFLAG_ESN, XFRM_STATE_ESN },
};

struct xmsg {
	TAILQ_ENTRY(xmsg)	 entry;
	size_t			 len;
	size_t			 cap;		/* bytes of data[] */
	char			*errmsg;	/* the kernel's words */
	uint64_t		 data[];	/* 8-byte aligned message */
};
TAILQ_HEAD(xmsgq, xmsg);

struct xstate;
typedef void (*xf_entry_fn)(struct xstate *, const struct nlmsghdr *,
    const uint8_t *, size_t, void *);

/* The netlink request being waited for (one at a time). */
struct xreq {
	bool		 active;
	bool		 done;
	bool		 dump;
	uint32_t	 seq;
	uint16_t	 want;		/* type of the answer */
	int		 error;		/* the kernel's errno (positive) */
	uint8_t		*resp;		/* a copy of that message */
	size_t		 resplen;
	size_t		 respcap;
	xf_entry_fn	 entry;		/* each part of a dump */
	void		*arg;
};

/* A DUMP or X_SPDDUMP that recv reads part by part. */
struct xdump {
	bool		 active;
	uint32_t	 seq;
	uint8_t		 hdr[PFKEY_HDRLEN];	/* of the request */
	uint32_t	 left;		/* the countdown's next value */
	struct xmsg	*held;		/* the newest part, held back */
};

struct xstate {
	int		 fd;
	uint32_t	 portid;
	uint32_t	 nlseq;
	int		 timeout_ms;
	uint8_t		*rbuf;		/* netlink input */
	uint8_t		*wbuf;		/* netlink requests */
	uint64_t	*ibuf;		/* the PF_KEY request, aligned */
	uint64_t	*obuf;		/* PF_KEY messages under construction */
	/* The most each buffer has held (what close wipes once more). */
	size_t		 rbuf_used;
	size_t		 wbuf_used;
	size_t		 ibuf_used;
	size_t		 obuf_used;
	struct xmsgq	 outq;
	size_t		 nout;
	struct xmsgq	 spare;		/* dump parts handed out, for reuse */
	size_t		 nspare;
	uint64_t	 lost;		/* events dropped or overrun */
	uint32_t	 registered;	/* bit per SA type */
	bool		 promisc;
	bool		 km_joined;
	struct xreq	 req;
	struct xdump	 dump;
	uint32_t	 reqid_next;
	char		 extack[XF_EXTACK_MAX];	/* the current request's */
	char		 lasterr[XF_EXTACK_MAX];	/* the last recv's */
};

static int	xf_read(struct xstate *, int);

/* ------------------------------------------------------------ helpers */

static int64_t
xf_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static int
xf_left(int64_t deadline)
{
	int64_t left = deadline - xf_now_ms();

	return (left < 0 ? 0 : (int)(left > 0x7fffffff ? 0x7fffffff : left));
}

static const struct xalg *
xalg_by_logical(enum pfkey_alg_kind kind, int logical)
{
	size_t i;

	for (i = 0; i < nitems(xalgs); i++)
		if (xalgs[i].kind == kind && xalgs[i].logical == logical)
			return (&xalgs[i]);
	return (NULL);
}

/* An XFRM name (and ICV for AEAD) back to a PF_KEY algorithm. */
static const struct xalg *
xalg_by_name(enum xf_attrkind attr, const char *name, unsigned icvbits)
{
	const struct pfkey_alg_info *ai;
	size_t i;

	for (i = 0; i < nitems(xalgs); i++) {
		if (xalgs[i].attr != attr || strcmp(xalgs[i].name, name) != 0)
			continue;
		if (attr != XA_AEAD)
			return (&xalgs[i]);
		ai = pfkey_alg_info(xalgs[i].kind, xalgs[i].logical);
		if (ai != NULL && ai->icvbits == icvbits)
			return (&xalgs[i]);
	}
	return (NULL);
}

static unsigned
xalg_icvbits(const struct xalg *a)
{
	const struct pfkey_alg_info *ai = pfkey_alg_info(a->kind, a->logical);

	return (ai != NULL ? ai->icvbits : 0);
}

/*
 * The XFRM protocol of an SA type and back: libpfkey's mapping, less
 * TCP-MD5 (an SA type XFRM has no state for); SA type 0 is "any" to
 * XFRM's flush and dump.  0 when none.
 */
static int
satype_proto(uint8_t satype)
{
	int p;

	if (satype == PFKEY_SATYPE_UNSPEC)
		return (XF_PROTO_ANY);
	if (satype == PFKEY_SATYPE_TCPSIGNATURE ||
	    (p = pfkey_satype_to_ipproto(satype)) < 0)
		return (0);
	return (p);
}

static uint8_t
proto_satype(uint8_t proto)
{
	int t;

	if (proto == IPPROTO_TCP || (t = pfkey_ipproto_to_satype(proto)) < 0)
		return (0);
	return ((uint8_t)t);
}

/* PF_KEY mode to XFRM mode (af_key: "any" is transport); -1 if none. */
static int
mode_to_xfrm(uint8_t mode)
{
	switch (mode) {
	case PFKEY_MODE_ANY:
	case PFKEY_MODE_TRANSPORT:
		return (XFRM_MODE_TRANSPORT);
	case PFKEY_MODE_TUNNEL:
		return (XFRM_MODE_TUNNEL);
	case PFKEY_MODE_BEET:
		return (XFRM_MODE_BEET);
	case PFKEY_MODE_IPTFS:
		return (XF_MODE_IPTFS);
	}
	return (-1);
}

static uint8_t
mode_from_xfrm(uint8_t mode)
{
	switch (mode) {
	case XFRM_MODE_TRANSPORT:
		return (PFKEY_MODE_TRANSPORT);
	case XFRM_MODE_TUNNEL:
		return (PFKEY_MODE_TUNNEL);
	case XFRM_MODE_BEET:
		return (PFKEY_MODE_BEET);
	case XF_MODE_IPTFS:
		return (PFKEY_MODE_IPTFS);
	}
	return (PFKEY_MODE_ANY);
}

/* XFRM's "no limit" is ~0; PF_KEY's is 0 (af_key's _KEY2X/_X2KEY). */
static uint64_t
key2x(uint64_t v)
{
	return (v == 0 ? XFRM_INF : v);
}

static uint64_t
x2key(uint64_t v)
{
	return (v == XFRM_INF ? 0 : v);
}

/*
 * A host sockaddr from an XFRM address.  Only the family's sockaddr is
 * written (what libpfkey reads of it); the rest of the storage is not
 * cleared, which a dump would do for every address.
 */
static int
xaddr_sa(uint16_t family, const xfrm_address_t *a, uint16_t port,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	switch (family) {
	case AF_INET:
		memset(sin, 0, sizeof(*sin));
		sin->sin_family = AF_INET;
		sin->sin_port = port;
		memcpy(&sin->sin_addr, &a->a4, sizeof(sin->sin_addr));
		return (0);
	case AF_INET6:
		memset(sin6, 0, sizeof(*sin6));
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = port;
		memcpy(&sin6->sin6_addr, a->a6, sizeof(sin6->sin6_addr));
		return (0);
	}
	ss->ss_family = AF_UNSPEC;
	return (-1);
}

/* An XFRM address and port from a host sockaddr; the family or 0. */
static int
sa_xaddr(const struct sockaddr_storage *ss, xfrm_address_t *a,
    uint16_t *port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	memset(a, 0, sizeof(*a));
	switch (ss->ss_family) {
	case AF_INET:
		memcpy(&a->a4, &sin->sin_addr, sizeof(a->a4));
		if (port != NULL)
			*port = sin->sin_port;
		return (AF_INET);
	case AF_INET6:
		memcpy(a->a6, &sin6->sin6_addr, sizeof(a->a6));
		if (port != NULL)
			*port = sin6->sin6_port;
		return (AF_INET6);
	}
	return (0);
}

static bool
xaddr_zero(const xfrm_address_t *a)
{
	static const xfrm_address_t zero;

	return (memcmp(a, &zero, sizeof(zero)) == 0);
}

static bool
xaddr_eq(uint16_t family, const xfrm_address_t *a, const xfrm_address_t *b)
{
	return (family == AF_INET ? a->a4 == b->a4 :
	    memcmp(a->a6, b->a6, sizeof(a->a6)) == 0);
}

/* --------------------------------------------------- algorithm probe */

/*
 * What the running kernel's crypto API has, probed once per process.
 * bind(2) of an AF_ALG socket to a name loads the modules and
 * instantiates the templates it needs, exactly as XFRM will when an SA
 * uses it, so a successful bind is a true answer.  Without AF_ALG (or for
 * compression, which AF_ALG does not offer) /proc/crypto is read: it only
 * lists what was instantiated already, so it may under-report.
 */
static struct {
	bool	done;
	bool	ok[nitems(xalgs)];
} probe;

static bool
proc_crypto_has(const char *name)
{
	char line[256], *v, *e;
	bool found = false;
	FILE *f;

	if ((f = fopen("/proc/crypto", "re")) == NULL)
		return (false);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "name", 4) != 0 ||
		    (v = strchr(line, ':')) == NULL)
			continue;
		for (v++; *v == ' ' || *v == '\t'; v++)
			continue;
		if ((e = strchr(v, '\n')) != NULL)
			*e = '\0';
		found = strcmp(v, name) == 0;
	}
	fclose(f);
	return (found);
}

/* 1: available, 0: not, -1: AF_ALG itself is missing. */
static int
alg_bind(const char *type, const char *name)
{
	struct sockaddr_alg sa;
	int fd, rc;

	if ((fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sa, 0, sizeof(sa));
	sa.salg_family = AF_ALG;
	(void)strlcpy((char *)sa.salg_type, type, sizeof(sa.salg_type));
	(void)strlcpy((char *)sa.salg_name, name, sizeof(sa.salg_name));
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return (rc == 0 ? 1 : 0);
}

static void
probe_algs(void)
{
	size_t i, j;
	int r;

	if (probe.done)
		return;
	for (i = 0; i < nitems(xalgs); i++) {
		/* Same name (the AEAD ICV variants): same answer. */
		for (j = 0; j < i; j++)
			if (strcmp(xalgs[j].name, xalgs[i].name) == 0)
				break;
		if (j < i) {
			probe.ok[i] = probe.ok[j];
			continue;
		}
		if (xalgs[i].probe == NULL) {
			/*
			 * Binding a compressor as a cipher fails, but the
			 * lookup loads its module first, so /proc/crypto
			 * then lists it.
			 */
			(void)alg_bind("skcipher", xalgs[i].name);
			probe.ok[i] = proc_crypto_has(xalgs[i].name);
			continue;
		}
		r = alg_bind(xalgs[i].probe, xalgs[i].name);
		probe.ok[i] = r > 0 || (r < 0 &&
		    proc_crypto_has(xalgs[i].name));
	}
	probe.done = true;
}

static bool
alg_available(const struct xalg *a)
{
	probe_algs();
	return (probe.ok[a - xalgs]);
}

/* ---------------------------------------------------- netlink output */

struct nlb {
	uint8_t		*buf;
	size_t		 cap;
	size_t		 len;
	bool		 overflow;
};

/* Start a request of `type' whose fixed part is `body' (may be NULL). */
static void
nlb_start(struct nlb *nb, uint8_t *buf, size_t cap, uint16_t type,
    uint16_t flags, const void *body, size_t bodylen)
{
	struct nlmsghdr nh;

	nb->buf = buf;
	nb->cap = cap;
	nb->overflow = false;
	nb->len = NLMSG_HDRLEN + NLMSG_ALIGN(bodylen);
	memset(buf, 0, nb->len);
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	nh.nlmsg_flags = flags | NLM_F_REQUEST;
	memcpy(buf, &nh, sizeof(nh));
	if (bodylen > 0)
		memcpy(buf + NLMSG_HDRLEN, body, bodylen);
}

/*
 * One attribute made of two pieces (a header and, say, key bytes); a
 * NULL piece is zeros.
 */
static void
nlb_attr2(struct nlb *nb, uint16_t type, const void *d1, size_t l1,
    const void *d2, size_t l2)
{
	struct nlattr na;
	size_t total = NLA_HDRLEN + l1 + l2;

	if (nb->overflow || total > UINT16_MAX ||
	    NLA_ALIGN(total) > nb->cap - nb->len) {
		nb->overflow = true;
		return;
	}
	na.nla_len = (uint16_t)total;
	na.nla_type = type;
	memset(nb->buf + nb->len, 0, NLA_ALIGN(total));
	memcpy(nb->buf + nb->len, &na, sizeof(na));
	if (l1 > 0 && d1 != NULL)
		memcpy(nb->buf + nb->len + NLA_HDRLEN, d1, l1);
	if (l2 > 0 && d2 != NULL)
		memcpy(nb->buf + nb->len + NLA_HDRLEN + l1, d2, l2);
	nb->len += NLA_ALIGN(total);
}

static void
nlb_attr(struct nlb *nb, uint16_t type, const void *data, size_t len)
{
	nlb_attr2(nb, type, data, len, NULL, 0);
}

/* ----------------------------------------------------- netlink input */

/* Attributes of one message: payload pointers and lengths by type. */
struct xattrs {
	const uint8_t	*p[XFRMA_MAX + 1];
	size_t		 len[XFRMA_MAX + 1];
};

/*
 * Index the attributes in `len' bytes.  A malformed one ends the walk
 * (what came before stays usable, as the kernel's own parser would not
 * accept it either).  Types we do not know are skipped.
 */
static void
xf_attrs(const uint8_t *p, size_t len, struct xattrs *a)
{
	struct nlattr na;
	size_t step;
	uint16_t type;

	memset(a, 0, sizeof(*a));
	while (len >= NLA_HDRLEN) {
		memcpy(&na, p, sizeof(na));
		if (na.nla_len < NLA_HDRLEN || na.nla_len > len)
			return;
		type = na.nla_type & NLA_TYPE_MASK;
		if (type <= XFRMA_MAX) {
			a->p[type] = p + NLA_HDRLEN;
			a->len[type] = na.nla_len - NLA_HDRLEN;
		}
		step = NLA_ALIGN(na.nla_len);
		if (step >= len)
			return;
		p += step;
		len -= step;
	}
}

/* The attributes that follow a message's fixed part of `hdr' bytes. */
static void
xf_body_attrs(const uint8_t *body, size_t blen, size_t hdr, struct xattrs *a)
{
	hdr = NLMSG_ALIGN(hdr);
	xf_attrs(body + (hdr < blen ? hdr : blen), hdr < blen ? blen - hdr : 0,
	    a);
}

/* Copy a fixed-size attribute out; false if absent or too short. */
static bool
xa_get(const struct xattrs *a, int type, void *dst, size_t size)
{
	if (a->p[type] == NULL || a->len[type] < size)
		return (false);
	memcpy(dst, a->p[type], size);
	return (true);
}

/*
 * An algorithm attribute: its NUL-terminated name, key bits, key bytes
 * and, for AEAD and truncated auth, the ICV/truncation bits.  The key
 * must fit in the attribute.
 */
struct xkey {
	char		 name[XF_ALGNAME + 1];
	unsigned	 bits;
	unsigned	 icv;
	const uint8_t	*key;
};

static bool
xa_alg(const struct xattrs *a, int type, struct xkey *k)
{
	size_t hdr;
	union {
		struct xfrm_algo	plain;
		struct xfrm_algo_auth	auth;
		struct xfrm_algo_aead	aead;
	} u;

	switch (type) {
	case XFRMA_ALG_AUTH_TRUNC:
		hdr = sizeof(u.auth);
		break;
	case XFRMA_ALG_AEAD:
		hdr = sizeof(u.aead);
		break;
	default:
		hdr = sizeof(u.plain);
		break;
	}
	if (a->p[type] == NULL || a->len[type] < hdr)
		return (false);
	memcpy(&u, a->p[type], hdr);
	memset(k, 0, sizeof(*k));
	memcpy(k->name, u.plain.alg_name, sizeof(u.plain.alg_name));
	k->name[sizeof(k->name) - 1] = '\0';
	k->bits = u.plain.alg_key_len;
	if (type == XFRMA_ALG_AUTH_TRUNC)
		k->icv = u.auth.alg_trunc_len;
	else if (type == XFRMA_ALG_AEAD)
		k->icv = u.aead.alg_icv_len;
	/* Compression carries no key, whatever alg_key_len says. */
	if (type == XFRMA_ALG_COMP) {
		k->bits = 0;
		return (true);
	}
	if (k->bits > UINT16_MAX ||
	    ((size_t)k->bits + 7) / 8 > a->len[type] - hdr)
		return (false);
	k->key = a->p[type] + hdr;
	return (true);
}

/* ----------------------------------------------------- output queue */

static struct xmsg *
xmsg_new(const void *msg, size_t len, const char *errmsg)
{
	struct xmsg *q;

	if ((q = malloc(sizeof(*q) + len)) == NULL)
		return (NULL);
	q->len = len;
	q->cap = len;
	memcpy(q->data, msg, len);
	q->errmsg = errmsg != NULL && *errmsg != '\0' ? strdup(errmsg) :
	    NULL;
	return (q);
}

static void
xmsg_free(struct xmsg *q)
{
	if (q == NULL)
		return;
	/* Messages carry keys. */
	explicit_bzero(q->data, q->len);
	free(q->errmsg);
	free(q);
}

/*
 * A dump part.  A dump hands out thousands of small messages one by one,
 * so those of up to XF_SPARE_LEN bytes come from (and go back to) the
 * spares instead of malloc(3) and free(3) each.
 */
static struct xmsg *
xmsg_get(struct xstate *xs, const void *msg, size_t len)
{
	struct xmsg *q;
	size_t cap = len <= XF_SPARE_LEN ? XF_SPARE_LEN : len;

	if (len <= XF_SPARE_LEN && (q = TAILQ_FIRST(&xs->spare)) != NULL) {
		TAILQ_REMOVE(&xs->spare, q, entry);
		xs->nspare--;
	} else if ((q = malloc(sizeof(*q) + cap)) == NULL)
		return (NULL);
	else
		q->cap = cap;
	q->len = len;
	q->errmsg = NULL;
	memcpy(q->data, msg, len);
	return (q);
}

/* Done with a message: wiped, then kept as a spare or freed. */
static void
xmsg_put(struct xstate *xs, struct xmsg *q)
{
	if (q->cap != XF_SPARE_LEN || q->errmsg != NULL ||
	    xs->nspare >= XF_SPARE_MAX) {
		xmsg_free(q);
		return;
	}
	/* Messages carry keys. */
	explicit_bzero(q->data, q->len);
	q->len = 0;
	TAILQ_INSERT_HEAD(&xs->spare, q, entry);
	xs->nspare++;
}

static void
xf_queue(struct xstate *xs, struct xmsg *q)
{
	TAILQ_INSERT_TAIL(&xs->outq, q, entry);
	xs->nout++;
}

/*
 * Queue a finished message for recv.  Events beyond the bound are lost
 * (as a kernel socket's full buffer loses them); replies are not.
 */
static void
xf_push(struct xstate *xs, struct pfkey_buf *b, bool reply,
    const char *errmsg)
{
	const void *msg;
	struct xmsg *q;
	size_t len;

	if (b->len > xs->obuf_used)
		xs->obuf_used = b->len;
	if (pfkey_buf_finish(b, &msg, &len) != 0 ||
	    (!reply && xs->nout >= XF_OUTQ_MAX) ||
	    (q = xmsg_new(msg, len, errmsg)) == NULL) {
		xs->lost++;
		pfkey_buf_free(b);
		return;
	}
	pfkey_buf_free(b);
	xf_queue(xs, q);
}

static void
xf_start(struct xstate *xs, struct pfkey_buf *b, uint8_t type,
    uint8_t satype, uint32_t seq, uint32_t pid)
{
	(void)pfkey_buf_init(b, xs->obuf, PFKEY_MSG_MAXLEN,
	    PFKEY_DIALECT_LINUX, type, satype, seq, pid);
}

/* A reply that is the request's header (FLUSH, X_SPDFLUSH...). */
static void
xf_reply_hdr(struct xstate *xs, const struct sadb_msg *h)
{
	struct pfkey_buf b;

	xf_start(xs, &b, h->sadb_msg_type, h->sadb_msg_satype,
	    h->sadb_msg_seq, h->sadb_msg_pid);
	xf_push(xs, &b, true, NULL);
}

/*
 * af_key's pfkey_error(): the request's header with sadb_msg_errno set,
 * 1-255 (anything else becomes EINVAL, as there).
 */
static void
xf_reply_errno(struct xstate *xs, const void *hdr, int err, const char *why)
{
	struct pfkey_buf b;
	const uint8_t *h = hdr;
	uint32_t seq, pid;

	if (err <= 0 || err > 255)
		err = EINVAL;
	memcpy(&seq, h + 8, sizeof(seq));
	memcpy(&pid, h + 12, sizeof(pid));
	xf_start(xs, &b, h[1], h[3], seq, pid);
	(void)pfkey_buf_set_errno(&b, (uint8_t)err);
	xf_push(xs, &b, true, why);
}

/* Echo the request's extensions (without keys) as its reply. */
static void
xf_reply_echo(struct xstate *xs, const struct pfkey_msg *m, uint32_t only)
{
	const struct sadb_msg *h = m->hdr;
	const uint8_t *e;
	struct pfkey_buf b;
	int i;

	xf_start(xs, &b, h->sadb_msg_type, h->sadb_msg_satype,
	    h->sadb_msg_seq, h->sadb_msg_pid);
	for (i = 1; i < PFKEY_EXT_COUNT; i++) {
		if (m->ext[i] == NULL || i == PFKEY_EXT_KEY_AUTH ||
		    i == PFKEY_EXT_KEY_ENCRYPT ||
		    (only != 0 && (only & PFKEY_EXTBIT(i)) == 0))
			continue;
		e = (const uint8_t *)m->ext[i];
		(void)pfkey_put_raw(&b, e, (size_t)rd16(e) * PFKEY_UNIT);
	}
	xf_push(xs, &b, true, NULL);
}

/* ------------------------------------------- XFRM state to PF_KEY */

#define XS_KEYS		0x01	/* KEY_AUTH / KEY_ENCRYPT */
#define XS_HARD		0x02	/* LIFETIME_HARD */
#define XS_SOFT		0x04	/* LIFETIME_SOFT */
#define XS_ALL		(XS_HARD | XS_SOFT)
#define XS_DYING	0x08	/* state: soft expired (af_key: km.dying) */
#define XS_DEAD		0x10	/* state: deleted or hard expired */

static void
put_lifetime(struct pfkey_buf *b, int ext, uint64_t packets, uint64_t bytes,
    uint64_t add, uint64_t use)
{
	struct pfkey_lifetime_args lt;

	memset(&lt, 0, sizeof(lt));
	lt.allocations = packets > UINT32_MAX ? UINT32_MAX : (uint32_t)packets;
	lt.bytes = bytes;
	lt.addtime = add;
	lt.usetime = use;
	(void)pfkey_put_lifetime(b, ext, &lt);
}

static void
put_xaddr(struct pfkey_buf *b, int ext, uint16_t family,
    const xfrm_address_t *a, uint16_t port, uint8_t plen, uint8_t proto)
{
	struct sockaddr_storage ss;

	/* An unknown family fails the message (sticky), never drops a part. */
	(void)pfkey_put_address(b, ext, xaddr_sa(family, a, port, &ss) == 0 ?
	    (struct sockaddr *)&ss : NULL, plen, proto);
}

static void
put_sec_ctx(struct pfkey_buf *b, const struct xattrs *a, int type)
{
	struct xfrm_user_sec_ctx uc;

	if (!xa_get(a, type, &uc, sizeof(uc)) ||
	    (size_t)uc.ctx_len > a->len[type] - sizeof(uc))
		return;
	(void)pfkey_put_sec_ctx(b, uc.ctx_doi, uc.ctx_alg,
	    a->p[type] + sizeof(uc), uc.ctx_len);
}

/*
 * The SA's state, which XFRM does not report: larval (ACQ, from GETSPI or
 * an ACQUIRE) states have no algorithm; a state past a soft limit is
 * dying (af_key: km.dying); the rest are mature.
 */
static uint8_t
sa_state(const struct xfrm_usersa_info *p, bool has_alg)
{
	const struct xfrm_lifetime_cfg *l = &p->lft;
	const struct xfrm_lifetime_cur *c = &p->curlft;
	uint64_t now = (uint64_t)time(NULL);

	if (!has_alg)
		return (PFKEY_SASTATE_LARVAL);
	if ((l->soft_add_expires_seconds != 0 && c->add_time != 0 &&
	    now >= c->add_time + l->soft_add_expires_seconds) ||
	    (l->soft_use_expires_seconds != 0 && c->use_time != 0 &&
	    now >= c->use_time + l->soft_use_expires_seconds) ||
	    (l->soft_byte_limit != XFRM_INF &&
	    c->bytes >= l->soft_byte_limit) ||
	    (l->soft_packet_limit != XFRM_INF &&
	    c->packets >= l->soft_packet_limit))
		return (PFKEY_SASTATE_DYING);
	return (PFKEY_SASTATE_MATURE);
}

/*
 * An XFRM state as PF_KEY extensions into `b' (whose header is set), as
 * af_key's __pfkey_xfrm_state2msg() lays it out, plus AEAD algorithms,
 * ESN, X_SA_REPLAY and NAT-T's original address.  `a' may be NULL (an
 * EXPIRE carries the bare state).  Returns 0 or -1 when the state cannot
 * be said in PF_KEY.
 */
static int
xf_state_exts(struct pfkey_buf *b, const struct xfrm_usersa_info *p,
    const struct xattrs *a, int flags)
{
	static const struct xattrs none;
	struct pfkey_sa_args sa;
	struct xfrm_replay_state_esn esn;
	struct xfrm_encap_tmpl encap;
	struct xkey auth, enc, comp;
	const struct xalg *xa;
	bool has_auth, has_enc, has_comp, aead;
	uint32_t window;
	size_t i;
	int w;

	if (a == NULL)
		a = &none;
	if ((p->family != AF_INET && p->family != AF_INET6) ||
	    proto_satype(p->id.proto) == 0)
		return (-1);
	has_auth = xa_alg(a, XFRMA_ALG_AUTH_TRUNC, &auth) ||
	    xa_alg(a, XFRMA_ALG_AUTH, &auth);
	aead = xa_alg(a, XFRMA_ALG_AEAD, &enc);
	has_enc = aead || xa_alg(a, XFRMA_ALG_CRYPT, &enc);
	has_comp = xa_alg(a, XFRMA_ALG_COMP, &comp);

	memset(&sa, 0, sizeof(sa));
	sa.spi = p->id.spi;
	if (flags & XS_DEAD)
		sa.state = PFKEY_SASTATE_DEAD;
	else if (flags & XS_DYING)
		sa.state = PFKEY_SASTATE_DYING;
	else
		sa.state = sa_state(p, has_auth || has_enc || has_comp);
	if (has_auth && (xa = xalg_by_name(XA_AUTH, auth.name, 0)) != NULL &&
	    (w = pfkey_alg_to_wire(PFKEY_DIALECT_LINUX, xa->kind,
	    xa->logical)) > 0 && w <= 255)
		sa.auth = (uint8_t)w;
	if (has_enc && (xa = xalg_by_name(aead ? XA_AEAD : XA_CRYPT,
	    enc.name, enc.icv)) != NULL && (w = pfkey_alg_to_wire(
	    PFKEY_DIALECT_LINUX, xa->kind, xa->logical)) > 0 && w <= 255)
		sa.encrypt = (uint8_t)w;
	/* KAME: sadb_sa_encrypt is the compression algorithm of IPComp. */
	if (has_comp && (xa = xalg_by_name(XA_COMP, comp.name, 0)) != NULL &&
	    (w = pfkey_alg_to_wire(PFKEY_DIALECT_LINUX, xa->kind,
	    xa->logical)) > 0 && w <= 255)
		sa.encrypt = (uint8_t)w;
	for (i = 0; i < nitems(saflags); i++)
		if (p->flags & saflags[i].xfrm)
			sa.flags |= saflags[i].pfkey;
	window = p->replay_window;
	if (xa_get(a, XFRMA_REPLAY_ESN_VAL, &esn, sizeof(esn)))
		window = esn.replay_window;
	sa.replay = window > 255 ? 255 : (uint8_t)window;
	(void)pfkey_put_sa(b, &sa);
	if (window > 255)
		(void)pfkey_put_sa_replay(b, window);

	if (flags & XS_HARD)
		put_lifetime(b, PFKEY_EXT_LIFETIME_HARD,
		    x2key(p->lft.hard_packet_limit),
		    x2key(p->lft.hard_byte_limit),
		    p->lft.hard_add_expires_seconds,
		    p->lft.hard_use_expires_seconds);
	if (flags & XS_SOFT)
		put_lifetime(b, PFKEY_EXT_LIFETIME_SOFT,
		    x2key(p->lft.soft_packet_limit),
		    x2key(p->lft.soft_byte_limit),
		    p->lft.soft_add_expires_seconds,
		    p->lft.soft_use_expires_seconds);
	put_lifetime(b, PFKEY_EXT_LIFETIME_CURRENT, p->curlft.packets,
	    p->curlft.bytes, p->curlft.add_time, p->curlft.use_time);

	put_xaddr(b, PFKEY_EXT_ADDRESS_SRC, p->family, &p->saddr, 0, 0xff,
	    XF_PROTO_ANY);
	put_xaddr(b, PFKEY_EXT_ADDRESS_DST, p->family, &p->id.daddr, 0, 0xff,
	    XF_PROTO_ANY);
	/*
	 * af_key shows the selector's source as a proxy when it differs
	 * from the SA's; an empty selector (the usual case) is no proxy.
	 */
	if (p->sel.family == p->family && p->sel.prefixlen_s > 0 &&
	    !xaddr_eq(p->family, &p->sel.saddr, &p->saddr))
		put_xaddr(b, PFKEY_EXT_ADDRESS_PROXY, p->family,
		    &p->sel.saddr, p->sel.sport, p->sel.prefixlen_s,
		    p->sel.proto != 0 ? p->sel.proto : XF_PROTO_ANY);

	if (flags & XS_KEYS) {
		if (has_auth && auth.bits > 0)
			(void)pfkey_put_key(b, PFKEY_EXT_KEY_AUTH, auth.key,
			    auth.bits);
		if (has_enc && enc.bits > 0)
			(void)pfkey_put_key(b, PFKEY_EXT_KEY_ENCRYPT, enc.key,
			    enc.bits);
	}
	(void)pfkey_put_sa2(b, mode_from_xfrm(p->mode), p->seq, p->reqid);

	if (xa_get(a, XFRMA_ENCAP, &encap, sizeof(encap)) &&
	    encap.encap_type != 0) {
		(void)pfkey_put_nat_t_type(b, (uint8_t)encap.encap_type);
		(void)pfkey_put_nat_t_port(b, PFKEY_EXT_X_NAT_T_SPORT,
		    encap.encap_sport);
		(void)pfkey_put_nat_t_port(b, PFKEY_EXT_X_NAT_T_DPORT,
		    encap.encap_dport);
		if (!xaddr_zero(&encap.encap_oa))
			put_xaddr(b, PFKEY_EXT_X_NAT_T_OA, p->family,
			    &encap.encap_oa, 0, 0xff, XF_PROTO_ANY);
	}
	put_sec_ctx(b, a, XFRMA_SEC_CTX);
	return (0);
}

/* A state message (NEWSA body) into a PF_KEY message of `type'. */
static int
xf_state_msg(struct xstate *xs, struct pfkey_buf *b, uint8_t type,
    uint32_t seq, uint32_t pid, const uint8_t *body, size_t blen, int flags)
{
	struct xfrm_usersa_info p;
	struct xattrs a;

	if (blen < sizeof(p))
		return (-1);
	memcpy(&p, body, sizeof(p));
	xf_body_attrs(body, blen, sizeof(p), &a);
	xf_start(xs, b, type, proto_satype(p.id.proto), seq, pid);
	if (xf_state_exts(b, &p, &a, flags) != 0) {
		pfkey_buf_free(b);
		return (-1);
	}
	return (0);
}

/* A DELSA notification: the id, then the whole state as XFRMA_SA. */
static int
xf_delsa_msg(struct xstate *xs, struct pfkey_buf *b, uint32_t seq,
    uint32_t pid, const uint8_t *body, size_t blen)
{
	struct xfrm_usersa_id id;
	struct xfrm_usersa_info p;
	struct xattrs a;

	if (blen < sizeof(id))
		return (-1);
	memcpy(&id, body, sizeof(id));
	xf_body_attrs(body, blen, sizeof(id), &a);
	if (!xa_get(&a, XFRMA_SA, &p, sizeof(p)))
		return (-1);
	xf_start(xs, b, PFKEY_MSG_DELETE, proto_satype(p.id.proto), seq, pid);
	if (xf_state_exts(b, &p, &a, XS_ALL | XS_DEAD) != 0) {
		pfkey_buf_free(b);
		return (-1);
	}
	return (0);
}

/* ------------------------------------------ XFRM policy to PF_KEY */

/* af_key's level of a template: unique with a reqid, use if optional. */
static uint8_t
tmpl_level(const struct xfrm_user_tmpl *t)
{
	if (t->optional)
		return (PFKEY_LEVEL_USE);
	if (t->reqid != 0)
		return (PFKEY_LEVEL_UNIQUE);
	return (PFKEY_LEVEL_REQUIRE);
}

/*
 * A policy (selector, templates) as PF_KEY extensions, as af_key's
 * pfkey_xfrm_policy2msg() lays it out.  -1 if it cannot be said: not a
 * main policy, a socket policy's direction, an unknown family.
 */
static int
xf_policy_exts(struct pfkey_buf *b, const struct xfrm_userpolicy_info *p,
    const struct xattrs *a)
{
	struct xfrm_userpolicy_type pt;
	struct xfrm_user_tmpl t;
	struct pfkey_policy pol;
	struct pfkey_ipsecreq *r;
	uint16_t family = p->sel.family;
	size_t i, n;

	if ((family != AF_INET && family != AF_INET6) ||
	    p->dir > XFRM_POLICY_FWD)
		return (-1);
	if (xa_get(a, XFRMA_POLICY_TYPE, &pt, sizeof(pt)) &&
	    pt.type != XFRM_POLICY_TYPE_MAIN)
		return (-1);
	put_xaddr(b, PFKEY_EXT_ADDRESS_SRC, family, &p->sel.saddr,
	    p->sel.sport, p->sel.prefixlen_s,
	    p->sel.proto != 0 ? p->sel.proto : XF_PROTO_ANY);
	put_xaddr(b, PFKEY_EXT_ADDRESS_DST, family, &p->sel.daddr,
	    p->sel.dport, p->sel.prefixlen_d,
	    p->sel.proto != 0 ? p->sel.proto : XF_PROTO_ANY);
	put_lifetime(b, PFKEY_EXT_LIFETIME_HARD,
	    x2key(p->lft.hard_packet_limit), x2key(p->lft.hard_byte_limit),
	    p->lft.hard_add_expires_seconds, p->lft.hard_use_expires_seconds);
	put_lifetime(b, PFKEY_EXT_LIFETIME_SOFT,
	    x2key(p->lft.soft_packet_limit), x2key(p->lft.soft_byte_limit),
	    p->lft.soft_add_expires_seconds, p->lft.soft_use_expires_seconds);
	put_lifetime(b, PFKEY_EXT_LIFETIME_CURRENT, p->curlft.packets,
	    p->curlft.bytes, p->curlft.add_time, p->curlft.use_time);

	/*
	 * Every field the encoder reads is set (the requests as they are
	 * filled), not the whole structure: a dump makes one per policy.
	 */
	pol.dir = p->dir + 1;
	pol.scope = 0;
	pol.id = p->index;
	pol.priority = p->priority;
	pol.nreq = 0;
	n = a->p[XFRMA_TMPL] != NULL ? a->len[XFRMA_TMPL] / sizeof(t) : 0;
	if (p->action == XFRM_POLICY_BLOCK)
		pol.type = PFKEY_POLICY_DISCARD;
	else
		pol.type = n > 0 ? PFKEY_POLICY_IPSEC : PFKEY_POLICY_NONE;
	if (n > PFKEY_POLICY_MAXREQ)
		return (-1);
	for (i = 0; pol.type == PFKEY_POLICY_IPSEC && i < n; i++) {
		memcpy(&t, a->p[XFRMA_TMPL] + i * sizeof(t), sizeof(t));
		r = &pol.req[pol.nreq++];
		r->src.ss_family = r->dst.ss_family = AF_UNSPEC;
		r->proto = t.id.proto;
		r->mode = mode_from_xfrm(t.mode);
		r->level = tmpl_level(&t);
		r->reqid = t.reqid;
		/* Endpoints belong to tunnels (and BEET when given). */
		if (t.mode == XFRM_MODE_TUNNEL || (t.mode == XFRM_MODE_BEET &&
		    !xaddr_zero(&t.id.daddr))) {
			if (xaddr_sa(t.family != 0 ? t.family : family,
			    &t.saddr, 0, &r->src) != 0 ||
			    xaddr_sa(t.family != 0 ? t.family : family,
			    &t.id.daddr, 0, &r->dst) != 0)
				return (-1);
		}
	}
	(void)pfkey_put_policy(b, &pol);
	put_sec_ctx(b, a, XFRMA_SEC_CTX);
	return (0);
}

/* A NEWPOLICY/UPDPOLICY body (userpolicy_info + attributes). */
static int
xf_policy_msg(struct xstate *xs, struct pfkey_buf *b, uint8_t type,
    uint32_t seq, uint32_t pid, const uint8_t *body, size_t blen)
{
	struct xfrm_userpolicy_info p;
	struct xattrs a;

	if (blen < sizeof(p))
		return (-1);
	memcpy(&p, body, sizeof(p));
	xf_body_attrs(body, blen, sizeof(p), &a);
	xf_start(xs, b, type, PFKEY_SATYPE_UNSPEC, seq, pid);
	if (xf_policy_exts(b, &p, &a) != 0) {
		pfkey_buf_free(b);
		return (-1);
	}
	return (0);
}

/*
 * A DELPOLICY notification: the policy id, then the whole policy as
 * XFRMA_POLICY.  Deleted by index, it is af_key's X_SPDDELETE2.
 */
static int
xf_delpolicy_msg(struct xstate *xs, struct pfkey_buf *b, int type,
    uint32_t seq, uint32_t pid, const uint8_t *body, size_t blen)
{
	struct xfrm_userpolicy_id id;
	struct xfrm_userpolicy_info p;
	struct xattrs a;

	if (blen < sizeof(id))
		return (-1);
	memcpy(&id, body, sizeof(id));
	xf_body_attrs(body, blen, sizeof(id), &a);
	if (!xa_get(&a, XFRMA_POLICY, &p, sizeof(p)))
		return (-1);
	if (type < 0)
		type = id.index != 0 ? PFKEY_MSG_X_SPDDELETE2 :
		    PFKEY_MSG_X_SPDDELETE;
	xf_start(xs, b, (uint8_t)type, PFKEY_SATYPE_UNSPEC, seq, pid);
	if (xf_policy_exts(b, &p, &a) != 0) {
		pfkey_buf_free(b);
		return (-1);
	}
	return (0);
}

/* ---------------------------------------------------------- events */

static bool
xf_wants_all(const struct xstate *xs)
{
	return (xs->promisc || xs->registered != 0);
}

static bool
xf_wants_satype(const struct xstate *xs, uint8_t satype)
{
	return (xs->promisc || (satype != 0 && satype <= XF_SATYPE_MAX &&
	    (xs->registered & (1u << satype)) != 0));
}

/* Whether a template's algorithm mask (bits by SADB id) allows `w'. */
static bool
mask_allows(uint32_t mask, int w)
{
	if (w >= 32)
		return (mask == ~0u);
	return (((mask >> w) & 1) != 0);
}

/* Add one sadb_comb of an authentication and an encryption algorithm. */
static void
comb_add(struct sadb_comb *c, size_t *n, size_t max, const struct xalg *a,
    uint32_t amask, const struct xalg *e, uint32_t emask)
{
	const struct pfkey_alg_info *ai = NULL, *ei = NULL;
	int aw = 0, ew = 0;

	if (*n >= max)
		return;
	if (a != NULL && ((aw = pfkey_alg_to_wire(PFKEY_DIALECT_LINUX,
	    a->kind, a->logical)) <= 0 || aw > 255 ||
	    !mask_allows(amask, aw) ||
	    (ai = pfkey_alg_info(a->kind, a->logical)) == NULL))
		return;
	if (e != NULL && ((ew = pfkey_alg_to_wire(PFKEY_DIALECT_LINUX,
	    e->kind, e->logical)) <= 0 || ew > 255 ||
	    !mask_allows(emask, ew) ||
	    (ei = pfkey_alg_info(e->kind, e->logical)) == NULL))
		return;
	memset(&c[*n], 0, sizeof(c[*n]));
	if (ai != NULL) {
		c[*n].sadb_comb_auth = (uint8_t)aw;
		c[*n].sadb_comb_auth_minbits = ai->minbits;
		c[*n].sadb_comb_auth_maxbits = ai->maxbits;
	}
	if (ei != NULL) {
		c[*n].sadb_comb_encrypt = (uint8_t)ew;
		c[*n].sadb_comb_encrypt_minbits = ei->minbits;
		c[*n].sadb_comb_encrypt_maxbits = ei->maxbits;
	}
	c[*n].sadb_comb_hard_addtime = XF_COMB_HARD_ADDTIME;
	c[*n].sadb_comb_soft_addtime = XF_COMB_SOFT_ADDTIME;
	c[*n].sadb_comb_hard_usetime = XF_COMB_HARD_USETIME;
	c[*n].sadb_comb_soft_usetime = XF_COMB_SOFT_USETIME;
	(*n)++;
}

/*
 * The PROPOSAL of an ACQUIRE, as af_key's dump_esp_combs() and
 * dump_ah_combs(): every available algorithm the template allows, for
 * ESP each cipher with each authenticator (AEAD alone), null auth left
 * out.
 */
static size_t
acquire_combs(uint8_t satype, uint32_t amask, uint32_t emask, uint32_t cmask,
    struct sadb_comb *c, size_t max)
{
	const struct xalg *e, *a;
	size_t n = 0, i, j;

	for (i = 0; i < nitems(xalgs); i++) {
		e = &xalgs[i];
		if (!alg_available(e))
			continue;
		switch (satype) {
		case PFKEY_SATYPE_AH:
			if (e->kind == PFKEY_ALG_AUTH &&
			    e->logical != PFKEY_AALG_NULL)
				comb_add(c, &n, max, e, amask, NULL, 0);
			break;
		case PFKEY_SATYPE_IPCOMP:
			if (e->kind == PFKEY_ALG_COMP)
				comb_add(c, &n, max, NULL, 0, e, cmask);
			break;
		case PFKEY_SATYPE_ESP:
			if (e->kind != PFKEY_ALG_ENCRYPT)
				break;
			if (e->attr == XA_AEAD) {
				comb_add(c, &n, max, NULL, 0, e, emask);
				break;
			}
			for (j = 0; j < nitems(xalgs); j++) {
				a = &xalgs[j];
				if (a->kind == PFKEY_ALG_AUTH &&
				    a->logical != PFKEY_AALG_NULL &&
				    alg_available(a))
					comb_add(c, &n, max, a, amask, e,
					    emask);
			}
			break;
		}
	}
	return (n);
}

/*
 * XFRM_MSG_ACQUIRE as af_key's pfkey_send_acquire(): the SA's addresses,
 * an outbound X_POLICY with the policy's id, a PROPOSAL, the context.
 */
static void
ev_acquire(struct xstate *xs, const uint8_t *body, size_t blen)
{
	struct xfrm_user_acquire ua;
	struct xfrm_user_tmpl t;
	struct sadb_comb *combs;
	struct pfkey_policy pol;
	struct pfkey_buf b;
	struct xattrs a;
	uint16_t family;
	uint8_t satype;
	size_t i, n;

	if (blen < sizeof(ua))
		return;
	memcpy(&ua, body, sizeof(ua));
	satype = proto_satype(ua.id.proto);
	if (satype == 0 || !xf_wants_satype(xs, satype))
		return;
	xf_body_attrs(body, blen, sizeof(ua), &a);
	/* The SA's family is its template's (6in4 tunnels differ). */
	family = ua.policy.sel.family;
	n = a.p[XFRMA_TMPL] != NULL ? a.len[XFRMA_TMPL] / sizeof(t) : 0;
	for (i = 0; i < n; i++) {
		memcpy(&t, a.p[XFRMA_TMPL] + i * sizeof(t), sizeof(t));
		if (t.id.proto == ua.id.proto && t.family != 0) {
			family = t.family;
			break;
		}
	}
	if ((combs = calloc(XF_MAXCOMBS, sizeof(*combs))) == NULL) {
		xs->lost++;
		return;
	}
	xf_start(xs, &b, PFKEY_MSG_ACQUIRE, satype, ua.seq, 0);
	put_xaddr(&b, PFKEY_EXT_ADDRESS_SRC, family, &ua.saddr, 0, 0xff, 0);
	put_xaddr(&b, PFKEY_EXT_ADDRESS_DST, family, &ua.id.daddr, 0, 0xff, 0);
	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.id = ua.policy.index;
	pol.priority = ua.policy.priority;
	(void)pfkey_put_policy(&b, &pol);
	n = acquire_combs(satype, ua.aalgos, ua.ealgos, ua.calgos, combs,
	    XF_MAXCOMBS);
	(void)pfkey_put_proposal(&b, XF_PROP_REPLAY, combs, n);
	free(combs);
	put_sec_ctx(&b, &a, XFRMA_SEC_CTX);
	xf_push(xs, &b, false, NULL);
}

/* XFRM_MSG_EXPIRE as af_key's key_notify_sa_expire(): no keys. */
static void
ev_expire(struct xstate *xs, const uint8_t *body, size_t blen)
{
	struct xfrm_user_expire ue;
	struct pfkey_buf b;
	uint8_t satype;

	if (blen < sizeof(ue))
		return;
	memcpy(&ue, body, sizeof(ue));
	satype = proto_satype(ue.state.id.proto);
	if (satype == 0 || !xf_wants_satype(xs, satype))
		return;
	xf_start(xs, &b, PFKEY_MSG_EXPIRE, satype, 0, 0);
	if (xf_state_exts(&b, &ue.state, NULL,
	    ue.hard ? XS_HARD | XS_DEAD : XS_SOFT | XS_DYING) != 0) {
		pfkey_buf_free(&b);
		return;
	}
	xf_push(xs, &b, false, NULL);
}

/*
 * XFRM_MSG_POLEXPIRE as KAME's key_spdexpire() (af_key sends nothing):
 * the policy with its current and hard lifetimes, and the soft one for
 * a soft expiry.
 */
static void
ev_polexpire(struct xstate *xs, const uint8_t *body, size_t blen)
{
	struct xfrm_user_polexpire pe;
	struct pfkey_buf b;
	struct xattrs a;

	if (blen < sizeof(pe) || !xf_wants_all(xs))
		return;
	memcpy(&pe, body, sizeof(pe));
	xf_body_attrs(body, blen, sizeof(pe), &a);
	xf_start(xs, &b, PFKEY_MSG_X_SPDEXPIRE, PFKEY_SATYPE_UNSPEC, 0, 0);
	if (xf_policy_exts(&b, &pe.pol, &a) != 0) {
		pfkey_buf_free(&b);
		return;
	}
	xf_push(xs, &b, false, NULL);
}

/* XFRM_MSG_MAPPING as af_key's pfkey_send_new_mapping(). */
static void
ev_mapping(struct xstate *xs, const uint8_t *body, size_t blen)
{
	struct xfrm_user_mapping um;
	struct pfkey_sa_args sa;
	struct pfkey_buf b;

	if (blen < sizeof(um))
		return;
	memcpy(&um, body, sizeof(um));
	if (um.id.proto != IPPROTO_ESP ||
	    !xf_wants_satype(xs, PFKEY_SATYPE_ESP) ||
	    (um.id.family != AF_INET && um.id.family != AF_INET6))
		return;
	xf_start(xs, &b, PFKEY_MSG_X_NAT_T_NEW_MAPPING, PFKEY_SATYPE_ESP, 0,
	    0);
	memset(&sa, 0, sizeof(sa));
	sa.spi = um.id.spi;
	(void)pfkey_put_sa(&b, &sa);
	put_xaddr(&b, PFKEY_EXT_ADDRESS_SRC, um.id.family, &um.old_saddr, 0,
	    0xff, 0);
	(void)pfkey_put_nat_t_port(&b, PFKEY_EXT_X_NAT_T_SPORT, um.old_sport);
	put_xaddr(&b, PFKEY_EXT_ADDRESS_DST, um.id.family, &um.new_saddr, 0,
	    0xff, 0);
	(void)pfkey_put_nat_t_port(&b, PFKEY_EXT_X_NAT_T_DPORT, um.new_sport);
	xf_push(xs, &b, false, NULL);
}

/* A multicast message that is not the answer to a request of ours. */
static void
xf_event(struct xstate *xs, const struct nlmsghdr *nh, const uint8_t *body,
    size_t blen)
{
	struct xfrm_usersa_flush fl;
	struct xfrm_userpolicy_type pt;
	struct pfkey_buf b;
	struct xattrs a;
	uint32_t seq = nh->nlmsg_seq, pid = nh->nlmsg_pid;
	int rc;

	switch (nh->nlmsg_type) {
	case XFRM_MSG_NEWSA:
	case XFRM_MSG_UPDSA:
		if (!xf_wants_all(xs))
			return;
		rc = xf_state_msg(xs, &b, nh->nlmsg_type == XFRM_MSG_NEWSA ?
		    PFKEY_MSG_ADD : PFKEY_MSG_UPDATE, seq, pid, body, blen,
		    XS_ALL);
		break;
	case XFRM_MSG_DELSA:
		if (!xf_wants_all(xs))
			return;
		rc = xf_delsa_msg(xs, &b, seq, pid, body, blen);
		break;
	case XFRM_MSG_FLUSHSA:
		if (!xf_wants_all(xs) || blen < sizeof(fl))
			return;
		memcpy(&fl, body, sizeof(fl));
		xf_start(xs, &b, PFKEY_MSG_FLUSH, proto_satype(fl.proto), seq,
		    pid);
		rc = 0;
		break;
	case XFRM_MSG_NEWPOLICY:
	case XFRM_MSG_UPDPOLICY:
		if (!xf_wants_all(xs))
			return;
		rc = xf_policy_msg(xs, &b, nh->nlmsg_type ==
		    XFRM_MSG_NEWPOLICY ? PFKEY_MSG_X_SPDADD :
		    PFKEY_MSG_X_SPDUPDATE, seq, pid, body, blen);
		break;
	case XFRM_MSG_DELPOLICY:
		if (!xf_wants_all(xs))
			return;
		rc = xf_delpolicy_msg(xs, &b, -1, seq, pid, body, blen);
		break;
	case XFRM_MSG_FLUSHPOLICY:
		if (!xf_wants_all(xs))
			return;
		xf_attrs(body, blen, &a);
		if (xa_get(&a, XFRMA_POLICY_TYPE, &pt, sizeof(pt)) &&
		    pt.type != XFRM_POLICY_TYPE_MAIN)
			return;
		xf_start(xs, &b, PFKEY_MSG_X_SPDFLUSH, PFKEY_SATYPE_UNSPEC,
		    seq, pid);
		rc = 0;
		break;
	case XFRM_MSG_ACQUIRE:
		ev_acquire(xs, body, blen);
		return;
	case XFRM_MSG_EXPIRE:
		ev_expire(xs, body, blen);
		return;
	case XFRM_MSG_POLEXPIRE:
		ev_polexpire(xs, body, blen);
		return;
	case XFRM_MSG_MAPPING:
		ev_mapping(xs, body, blen);
		return;
	default:
		return;
	}
	if (rc == 0)
		xf_push(xs, &b, false, NULL);
}

/* ------------------------------------------------- streamed dumps */

/*
 * The errno of a netlink error or DONE: 0, or a negative errno.  Anything
 * else (positive, or beyond any errno) is the kernel talking nonsense.
 */
static int
nl_errno(int32_t v)
{
	if (v == 0)
		return (0);
	if (v < 0 && v > -4096)
		return ((int)-v);
	return (EINVAL);
}

static void
xf_dump_end(struct xstate *xs, int err)
{
	struct xdump *d = &xs->dump;
	uint8_t *p;

	if (d->held != NULL) {
		/* The last part says seq 0 (and the walk's error, if any). */
		p = (uint8_t *)d->held->data;
		memset(p + 8, 0, 4);
		p[2] = err > 0 && err <= 255 ? (uint8_t)err : 0;
		xf_queue(xs, d->held);
		d->held = NULL;
	} else
		/* An empty walk is ENOENT in af_key (xfrm_state_walk). */
		xf_reply_errno(xs, d->hdr, err != 0 ? err : ENOENT, NULL);
	d->active = false;
}

static void
xf_dump_input(struct xstate *xs, const struct nlmsghdr *nh,
    const uint8_t *body, size_t blen)
{
	struct xdump *d = &xs->dump;
	struct pfkey_buf b;
	const void *msg;
	struct xmsg *q;
	size_t len;
	uint32_t pid;
	int32_t err;
	int rc;

	switch (nh->nlmsg_type) {
	case NLMSG_DONE:
		err = 0;
		if (blen >= sizeof(err))
			memcpy(&err, body, sizeof(err));
		xf_dump_end(xs, nl_errno(err));
		return;
	case NLMSG_ERROR:
		err = 0;
		if (blen >= sizeof(err))
			memcpy(&err, body, sizeof(err));
		xf_dump_end(xs, err != 0 ? nl_errno(err) : EINVAL);
		return;
	case XFRM_MSG_NEWSA:
		if (d->hdr[1] != PFKEY_MSG_DUMP)
			return;
		memcpy(&pid, d->hdr + 12, sizeof(pid));
		rc = xf_state_msg(xs, &b, PFKEY_MSG_DUMP, d->left, pid,
		    body, blen, XS_KEYS | XS_ALL);
		break;
	case XFRM_MSG_NEWPOLICY:
		if (d->hdr[1] != PFKEY_MSG_X_SPDDUMP)
			return;
		memcpy(&pid, d->hdr + 12, sizeof(pid));
		rc = xf_policy_msg(xs, &b, PFKEY_MSG_X_SPDDUMP, d->left,
		    pid, body, blen);
		break;
	default:
		return;
	}
	/* What PF_KEY cannot say (MIPv6 states, sub-policies) is left out. */
	if (rc != 0)
		return;
	if (b.len > xs->obuf_used)
		xs->obuf_used = b.len;
	if (pfkey_buf_finish(&b, &msg, &len) != 0 ||
	    (q = xmsg_get(xs, msg, len)) == NULL) {
		pfkey_buf_free(&b);
		xs->lost++;
		return;
	}
	pfkey_buf_free(&b);
	if (d->left > 1)
		d->left--;
	if (d->held != NULL)
		xf_queue(xs, d->held);
	d->held = q;
}

/* ----------------------------------------------- request plumbing */

/* The kernel's extended-ACK message of an NLMSG_ERROR, if it has one. */
static void
xf_extack(struct xstate *xs, const struct nlmsghdr *nh, const uint8_t *body,
    size_t blen, const struct nlmsgerr *e)
{
	struct nlattr na;
	const uint8_t *p;
	size_t off, len, n;

	if ((nh->nlmsg_flags & NLM_F_ACK_TLVS) == 0)
		return;
	off = sizeof(e->error);
	if (nh->nlmsg_flags & NLM_F_CAPPED)
		off += NLMSG_HDRLEN;
	else
		off += NLMSG_ALIGN(e->msg.nlmsg_len);
	if (off >= blen)
		return;
	p = body + off;
	len = blen - off;
	while (len >= NLA_HDRLEN) {
		memcpy(&na, p, sizeof(na));
		if (na.nla_len < NLA_HDRLEN || na.nla_len > len)
			return;
		if ((na.nla_type & NLA_TYPE_MASK) == XF_NLMSGERR_ATTR_MSG) {
			n = na.nla_len - NLA_HDRLEN;
			if (n >= sizeof(xs->extack))
				n = sizeof(xs->extack) - 1;
			memcpy(xs->extack, p + NLA_HDRLEN, n);
			xs->extack[n] = '\0';
			/* Keep it one printable line. */
			n = strcspn(xs->extack, "\n");
			xs->extack[n] = '\0';
			return;
		}
		if ((size_t)NLA_ALIGN(na.nla_len) >= len)
			return;
		len -= (size_t)NLA_ALIGN(na.nla_len);
		p += NLA_ALIGN(na.nla_len);
	}
}

static void
xf_req_input(struct xstate *xs, const struct nlmsghdr *nh,
    const uint8_t *body, size_t blen)
{
	struct xreq *r = &xs->req;
	struct nlmsgerr e;
	int32_t err;
	uint8_t *np;
	size_t need;

	switch (nh->nlmsg_type) {
	case NLMSG_NOOP:
		return;
	case NLMSG_ERROR:
		if (blen < sizeof(e)) {
			r->error = EINVAL;
			r->done = true;
			return;
		}
		memcpy(&e, body, sizeof(e));
		r->error = nl_errno(e.error);
		if (r->error != 0)
			xf_extack(xs, nh, body, blen, &e);
		r->done = true;
		return;
	case NLMSG_DONE:
		err = 0;
		if (blen >= sizeof(err))
			memcpy(&err, body, sizeof(err));
		r->error = nl_errno(err);
		r->done = true;
		return;
	}
	if (r->dump) {
		if (r->entry != NULL)
			r->entry(xs, nh, body, blen, r->arg);
		return;
	}
	if (nh->nlmsg_type != r->want)
		return;
	need = NLMSG_HDRLEN + blen;
	if (need > r->respcap) {
		if ((np = malloc(need)) == NULL) {
			xs->lost++;
			return;
		}
		if (r->resp != NULL) {
			explicit_bzero(r->resp, r->respcap);
			free(r->resp);
		}
		r->resp = np;
		r->respcap = need;
	}
	memcpy(r->resp, nh, NLMSG_HDRLEN);
	memcpy(r->resp + NLMSG_HDRLEN, body, blen);
	r->resplen = need;
}

static void
xf_dispatch(struct xstate *xs, const struct nlmsghdr *nh,
    const uint8_t *body, size_t blen)
{
	if (nh->nlmsg_pid == xs->portid) {
		if (xs->req.active && nh->nlmsg_seq == xs->req.seq)
			xf_req_input(xs, nh, body, blen);
		else if (xs->dump.active && nh->nlmsg_seq == xs->dump.seq)
			xf_dump_input(xs, nh, body, blen);
		/*
		 * Otherwise a notification of an earlier request of ours
		 * (its reply went out already) or a late answer.
		 */
		return;
	}
	xf_event(xs, nh, body, blen);
}

/* Every message of one datagram; a bad length ends it. */
static void
xf_input(struct xstate *xs, const uint8_t *p, size_t n)
{
	struct nlmsghdr nh;
	size_t step;

	while (n >= NLMSG_HDRLEN) {
		memcpy(&nh, p, sizeof(nh));
		if (nh.nlmsg_len < NLMSG_HDRLEN || nh.nlmsg_len > n)
			return;
		xf_dispatch(xs, &nh, p + NLMSG_HDRLEN,
		    nh.nlmsg_len - NLMSG_HDRLEN);
		step = NLMSG_ALIGN(nh.nlmsg_len);
		if (step >= n)
			return;
		p += step;
		n -= step;
	}
}

/*
 * Read and handle one datagram, waiting up to timeout_ms (< 0: forever).
 * 0 (something was read, perhaps nothing for us), PFKEY_ERR_TIMEOUT, or
 * PFKEY_ERR_SYSTEM.  The socket is tried first and polled only when it
 * has nothing: a dump's datagrams are usually there already.
 */
static int
xf_read(struct xstate *xs, int timeout_ms)
{
	struct sockaddr_nl from;
	struct msghdr mh;
	struct iovec iov;
	ssize_t n;
	bool waited = false;
	int rc;

	for (;;) {
		memset(&mh, 0, sizeof(mh));
		memset(&from, 0, sizeof(from));
		iov.iov_base = xs->rbuf;
		iov.iov_len = XF_RBUFSZ;
		mh.msg_name = &from;
		mh.msg_namelen = sizeof(from);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		do {
			n = recvmsg(xs->fd, &mh, MSG_DONTWAIT);
		} while (n == -1 && errno == EINTR);
		if (n != -1)
			break;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			/*
			 * Multicast overrun: events were lost, the socket
			 * is fine.
			 */
			if (errno == ENOBUFS) {
				xs->lost++;
				return (0);
			}
			return (PFKEY_ERR_SYSTEM);
		}
		/* Readable, and then nothing there: let the caller see. */
		if (waited)
			return (0);
		/* Nothing there is what poll(2) would say without waiting. */
		if (timeout_ms == 0)
			return (PFKEY_ERR_TIMEOUT);
		if ((rc = pfkey_wait_readable(xs->fd, timeout_ms)) != 0)
			return (rc);
		waited = true;
	}
	/* Only the kernel speaks here; nothing cut short is trusted. */
	if ((mh.msg_flags & MSG_TRUNC) || from.nl_family != AF_NETLINK ||
	    from.nl_pid != 0) {
		xs->lost++;
		return (0);
	}
	if ((size_t)n > xs->rbuf_used)
		xs->rbuf_used = (size_t)n;
	xf_input(xs, xs->rbuf, (size_t)n);
	explicit_bzero(xs->rbuf, (size_t)n);
	return (0);
}

/* Handle whatever is queued on the socket now, without waiting. */
static int
xf_drain(struct xstate *xs)
{
	int rc, i;

	/* Bounded: a flood of events must not starve the request. */
	for (i = 0; i < 4096; i++) {
		if ((rc = xf_read(xs, 0)) == PFKEY_ERR_TIMEOUT)
			return (0);
		if (rc != 0)
			return (rc);
	}
	return (0);
}

/* Read the streamed dump to its end (before another dump may start). */
static int
xf_dump_finish(struct xstate *xs)
{
	int64_t deadline = xf_now_ms() + xs->timeout_ms;
	int rc;

	while (xs->dump.active) {
		if ((rc = xf_read(xs, xf_left(deadline))) != 0) {
			xmsg_free(xs->dump.held);
			xs->dump.held = NULL;
			xs->dump.active = false;
			return (rc);
		}
	}
	return (0);
}

static int
xf_sendnl(struct xstate *xs, struct nlb *nb, uint32_t seq)
{
	struct sockaddr_nl to;
	struct nlmsghdr nh;
	ssize_t n;

	if (nb->len > xs->wbuf_used)
		xs->wbuf_used = nb->len;
	memcpy(&nh, nb->buf, sizeof(nh));
	nh.nlmsg_len = (uint32_t)nb->len;
	nh.nlmsg_seq = seq;
	nh.nlmsg_pid = xs->portid;
	memcpy(nb->buf, &nh, sizeof(nh));
	memset(&to, 0, sizeof(to));
	to.nl_family = AF_NETLINK;
	do {
		n = sendto(xs->fd, nb->buf, nb->len, 0, (struct sockaddr *)&to,
		    sizeof(to));
	} while (n == -1 && errno == EINTR);
	/* The request held keys. */
	explicit_bzero(nb->buf, nb->len);
	if (n == -1)
		return (PFKEY_ERR_SYSTEM);
	if ((size_t)n != nb->len) {
		errno = EMSGSIZE;
		return (PFKEY_ERR_SYSTEM);
	}
	return (0);
}

static uint32_t
xf_nextseq(struct xstate *xs)
{
	if (++xs->nlseq == 0)
		xs->nlseq = 1;
	return (xs->nlseq);
}

/*
 * Send a request and wait for the kernel's ACK (or, for a dump, DONE),
 * collecting the message of type `want' that answers it (a GET's answer,
 * or the notification of our own change), or giving each dump entry to
 * `entry'.  *kerr gets the kernel's errno (0: done).  Returns 0 or a
 * transport error (PFKEY_ERR_TIMEOUT, _SYSTEM).
 */
static int
xf_transact(struct xstate *xs, struct nlb *nb, uint16_t want,
    xf_entry_fn entry, void *arg, int *kerr)
{
	struct xreq *r = &xs->req;
	int64_t deadline;
	bool dump = entry != NULL;
	int rc;

	*kerr = 0;
	if (nb->overflow) {
		explicit_bzero(nb->buf, nb->cap);
		*kerr = EMSGSIZE;
		return (0);
	}
	if (dump && xs->dump.active && (rc = xf_dump_finish(xs)) != 0)
		return (rc);
	/* Make room, so that the answer cannot be lost to a full buffer. */
	if (!xs->dump.active && (rc = xf_drain(xs)) != 0)
		return (rc);
	r->active = true;
	r->done = false;
	r->dump = dump;
	r->seq = xf_nextseq(xs);
	r->want = want;
	r->error = 0;
	r->resplen = 0;
	r->entry = entry;
	r->arg = arg;
	if (!dump) {
		struct nlmsghdr nh;

		memcpy(&nh, nb->buf, sizeof(nh));
		nh.nlmsg_flags |= NLM_F_ACK;
		memcpy(nb->buf, &nh, sizeof(nh));
	}
	if ((rc = xf_sendnl(xs, nb, r->seq)) != 0) {
		r->active = false;
		return (rc);
	}
	deadline = xf_now_ms() + xs->timeout_ms;
	while (!r->done) {
		if ((rc = xf_read(xs, xf_left(deadline))) != 0) {
			r->active = false;
			return (rc);
		}
	}
	r->active = false;
	*kerr = r->error;
	return (0);
}

/* --------------------------------------------- PF_KEY to XFRM: SAs */

static void
lft_defaults(struct xfrm_lifetime_cfg *l)
{
	memset(l, 0, sizeof(*l));
	l->soft_byte_limit = XFRM_INF;
	l->hard_byte_limit = XFRM_INF;
	l->soft_packet_limit = XFRM_INF;
	l->hard_packet_limit = XFRM_INF;
}

static void
lft_from(struct xfrm_lifetime_cfg *l, const struct pfkey_msg *m)
{
	const struct sadb_lifetime *h = PFKEY_EXT(m, PFKEY_EXT_LIFETIME_HARD,
	    sadb_lifetime);
	const struct sadb_lifetime *s = PFKEY_EXT(m, PFKEY_EXT_LIFETIME_SOFT,
	    sadb_lifetime);

	lft_defaults(l);
	if (h != NULL) {
		l->hard_packet_limit = key2x(h->sadb_lifetime_allocations);
		l->hard_byte_limit = key2x(h->sadb_lifetime_bytes);
		l->hard_add_expires_seconds = h->sadb_lifetime_addtime;
		l->hard_use_expires_seconds = h->sadb_lifetime_usetime;
	}
	if (s != NULL) {
		l->soft_packet_limit = key2x(s->sadb_lifetime_allocations);
		l->soft_byte_limit = key2x(s->sadb_lifetime_bytes);
		l->soft_add_expires_seconds = s->sadb_lifetime_addtime;
		l->soft_use_expires_seconds = s->sadb_lifetime_usetime;
	}
}

/* The SA's two addresses; 0 or EINVAL. */
static int
sa_addrs(const struct pfkey_msg *m, xfrm_address_t *src,
    xfrm_address_t *dst, uint16_t *family)
{
	struct sockaddr_storage s, d;

	if (pfkey_get_address(m, PFKEY_EXT_ADDRESS_SRC, &s, NULL, NULL) != 0 ||
	    pfkey_get_address(m, PFKEY_EXT_ADDRESS_DST, &d, NULL, NULL) != 0 ||
	    s.ss_family != d.ss_family)
		return (EINVAL);
	*family = (uint16_t)sa_xaddr(&s, src, NULL);
	(void)sa_xaddr(&d, dst, NULL);
	return (*family != 0 ? 0 : EINVAL);
}

static void
put_nl_sec_ctx(struct nlb *nb, const struct pfkey_msg *m)
{
	const struct pfkey_x_sec_ctx *c = PFKEY_EXT(m, PFKEY_EXT_X_SEC_CTX,
	    pfkey_x_sec_ctx);
	struct xfrm_user_sec_ctx uc;

	if (c == NULL)
		return;
	memset(&uc, 0, sizeof(uc));
	uc.len = (uint16_t)(sizeof(uc) + c->ctx_len);
	uc.exttype = XFRMA_SEC_CTX;
	uc.ctx_alg = c->alg;
	uc.ctx_doi = c->doi;
	uc.ctx_len = c->ctx_len;
	/* The decoder made sure ctx_len bytes follow. */
	nlb_attr2(nb, XFRMA_SEC_CTX, &uc, sizeof(uc), c + 1, c->ctx_len);
}

/*
 * The algorithm attributes of an SA.  As af_key: a number past the
 * dialect's last is EINVAL, one nobody implements ENOSYS.
 */
static int
put_nl_algs(struct nlb *nb, const struct pfkey_msg *m, uint8_t satype)
{
	const struct sadb_sa *sa = PFKEY_EXT(m, PFKEY_EXT_SA, sadb_sa);
	const struct pfkey_alg_info *ai;
	const struct xalg *xa;
	const uint8_t *key = NULL;
	unsigned bits = 0;
	int l;
	union {
		struct xfrm_algo	plain;
		struct xfrm_algo_auth	auth;
		struct xfrm_algo_aead	aead;
	} u;

	if (sa->sadb_sa_auth != 0) {
		if (sa->sadb_sa_auth > XF_AALG_MAX)
			return (EINVAL);
		if ((l = pfkey_alg_from_wire(PFKEY_DIALECT_LINUX,
		    PFKEY_ALG_AUTH, sa->sadb_sa_auth)) < 0 ||
		    (xa = xalg_by_logical(PFKEY_ALG_AUTH, l)) == NULL)
			return (ENOSYS);
		(void)pfkey_get_key(m, PFKEY_EXT_KEY_AUTH, &key, &bits);
		if (l != PFKEY_AALG_NULL &&
		    m->ext[PFKEY_EXT_KEY_AUTH] != NULL && bits == 0)
			return (EINVAL);
		memset(&u, 0, sizeof(u));
		(void)strlcpy(u.auth.alg_name, xa->name,
		    sizeof(u.auth.alg_name));
		u.auth.alg_key_len = bits;
		u.auth.alg_trunc_len = xalg_icvbits(xa);
		nlb_attr2(nb, XFRMA_ALG_AUTH_TRUNC, &u.auth, sizeof(u.auth),
		    key, (bits + 7) / 8);
	}
	if (sa->sadb_sa_encrypt == 0)
		return (0);
	bits = 0;
	key = NULL;
	if (satype == PFKEY_SATYPE_IPCOMP) {
		if (sa->sadb_sa_encrypt > XF_CALG_MAX)
			return (EINVAL);
		if ((l = pfkey_alg_from_wire(PFKEY_DIALECT_LINUX,
		    PFKEY_ALG_COMP, sa->sadb_sa_encrypt)) < 0 ||
		    (xa = xalg_by_logical(PFKEY_ALG_COMP, l)) == NULL)
			return (ENOSYS);
		memset(&u, 0, sizeof(u));
		(void)strlcpy(u.plain.alg_name, xa->name,
		    sizeof(u.plain.alg_name));
		nlb_attr(nb, XFRMA_ALG_COMP, &u.plain, sizeof(u.plain));
		return (0);
	}
	if (sa->sadb_sa_encrypt > XF_EALG_MAX)
		return (EINVAL);
	if ((l = pfkey_alg_from_wire(PFKEY_DIALECT_LINUX, PFKEY_ALG_ENCRYPT,
	    sa->sadb_sa_encrypt)) < 0 ||
	    (xa = xalg_by_logical(PFKEY_ALG_ENCRYPT, l)) == NULL ||
	    (ai = pfkey_alg_info(PFKEY_ALG_ENCRYPT, l)) == NULL)
		return (ENOSYS);
	(void)pfkey_get_key(m, PFKEY_EXT_KEY_ENCRYPT, &key, &bits);
	if (l != PFKEY_EALG_NULL && m->ext[PFKEY_EXT_KEY_ENCRYPT] != NULL &&
	    bits == 0)
		return (EINVAL);
	memset(&u, 0, sizeof(u));
	if (xa->attr == XA_AEAD) {
		(void)strlcpy(u.aead.alg_name, xa->name,
		    sizeof(u.aead.alg_name));
		u.aead.alg_key_len = bits;
		u.aead.alg_icv_len = ai->icvbits;
		nlb_attr2(nb, XFRMA_ALG_AEAD, &u.aead, sizeof(u.aead), key,
		    (bits + 7) / 8);
	} else {
		(void)strlcpy(u.plain.alg_name, xa->name,
		    sizeof(u.plain.alg_name));
		u.plain.alg_key_len = bits;
		nlb_attr2(nb, XFRMA_ALG_CRYPT, &u.plain, sizeof(u.plain), key,
		    (bits + 7) / 8);
	}
	return (0);
}

/*
 * ADD (XFRM_MSG_NEWSA) and UPDATE (XFRM_MSG_UPDSA), as af_key's
 * pfkey_msg2xfrm_state() fills an xfrm_state.  Both kernels end in
 * xfrm_state_add()/xfrm_state_update(), so the semantics (EEXIST, ESRCH,
 * a larval SA completed, a mature one only getting new lifetimes) are
 * the kernel's own.
 */
static int
h_add(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	const struct sadb_sa *sa = PFKEY_EXT(m, PFKEY_EXT_SA, sadb_sa);
	const struct sadb_x_sa2 *sa2 = PFKEY_EXT(m, PFKEY_EXT_X_SA2,
	    sadb_x_sa2);
	const struct pfkey_x_sa_replay *rp = PFKEY_EXT(m,
	    PFKEY_EXT_X_SA_REPLAY, pfkey_x_sa_replay);
	const struct sadb_x_nat_t_type *nt;
	const struct sadb_x_nat_t_port *np;
	struct xfrm_usersa_info p;
	struct xfrm_replay_state_esn esn;
	struct xfrm_encap_tmpl encap;
	struct sockaddr_storage ss;
	struct pfkey_buf b;
	struct nlb nb;
	uint16_t type;
	uint32_t window;
	uint8_t plen;
	size_t i;
	int proto, mode, err, rc;

	type = h->sadb_msg_type == PFKEY_MSG_UPDATE ? XFRM_MSG_UPDSA :
	    XFRM_MSG_NEWSA;
	if ((proto = satype_proto(h->sadb_msg_satype)) == 0 ||
	    proto == XF_PROTO_ANY || sa == NULL)
		return (EINVAL);
	memset(&p, 0, sizeof(p));
	if ((err = sa_addrs(m, &p.saddr, &p.id.daddr, &p.family)) != 0)
		return (err);
	p.id.spi = sa->sadb_sa_spi;
	p.id.proto = (uint8_t)proto;
	p.sel.family = p.family;
	/* "Nobody uses this, but we try." (af_key) */
	if (pfkey_get_address(m, PFKEY_EXT_ADDRESS_PROXY, &ss, &plen,
	    NULL) == 0) {
		if (sa_xaddr(&ss, &p.sel.saddr, NULL) != p.family)
			return (EINVAL);
		p.sel.prefixlen_s = plen;
	}
	if (sa2 != NULL) {
		if ((mode = mode_to_xfrm(sa2->sadb_x_sa2_mode)) < 0)
			return (EINVAL);
		p.mode = (uint8_t)mode;
		p.reqid = sa2->sadb_x_sa2_reqid;
	}
	/* The ACQUIRE this SA answers: af_key takes the message's seq. */
	p.seq = sa2 != NULL && sa2->sadb_x_sa2_sequence != 0 ?
	    sa2->sadb_x_sa2_sequence : h->sadb_msg_seq;
	lft_from(&p.lft, m);
	memset(&esn, 0, sizeof(esn));
	for (i = 0; i < nitems(saflags); i++)
		if (sa->sadb_sa_flags & saflags[i].pfkey)
			p.flags |= saflags[i].xfrm;

	/*
	 * Replay window in packets.  The legacy u8 holds 32 at most (the
	 * kernel clamps silently), so anything larger, and ESN, go in an
	 * XFRMA_REPLAY_ESN_VAL bitmap sized for the window.
	 */
	window = rp != NULL ? rp->replay : sa->sadb_sa_replay;
	if ((p.flags & XFRM_STATE_ESN) || window > 32) {
		esn.replay_window = window;
		esn.bmp_len = (window + 31) / 32;
		if ((size_t)esn.bmp_len * 4 > XFRMA_REPLAY_ESN_MAX)
			return (EINVAL);
	} else
		p.replay_window = (uint8_t)window;

	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, type, 0, &p, sizeof(p));
	if ((err = put_nl_algs(&nb, m, h->sadb_msg_satype)) != 0) {
		explicit_bzero(nb.buf, nb.len);
		return (err);
	}
	if ((p.flags & XFRM_STATE_ESN) || window > 32)
		nlb_attr2(&nb, XFRMA_REPLAY_ESN_VAL, &esn, sizeof(esn), NULL,
		    (size_t)esn.bmp_len * 4);
	if ((nt = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_TYPE, sadb_x_nat_t_type)) !=
	    NULL) {
		memset(&encap, 0, sizeof(encap));
		encap.encap_type = nt->sadb_x_nat_t_type_type;
		if ((np = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_SPORT,
		    sadb_x_nat_t_port)) != NULL)
			encap.encap_sport = np->sadb_x_nat_t_port_port;
		if ((np = PFKEY_EXT(m, PFKEY_EXT_X_NAT_T_DPORT,
		    sadb_x_nat_t_port)) != NULL)
			encap.encap_dport = np->sadb_x_nat_t_port_port;
		if (pfkey_get_address(m, PFKEY_EXT_X_NAT_T_OA, &ss, NULL,
		    NULL) == 0 && sa_xaddr(&ss, &encap.encap_oa, NULL) == 0) {
			explicit_bzero(nb.buf, nb.len);
			return (EINVAL);
		}
		nlb_attr(&nb, XFRMA_ENCAP, &encap, sizeof(encap));
	}
	put_nl_sec_ctx(&nb, m);
	if ((rc = xf_transact(xs, &nb, type, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	/* The kernel's notification of it, without keys (RFC 2367 3.1.3). */
	if (xs->req.resplen > 0 && xf_state_msg(xs, &b, h->sadb_msg_type,
	    h->sadb_msg_seq, h->sadb_msg_pid, xs->req.resp + NLMSG_HDRLEN,
	    xs->req.resplen - NLMSG_HDRLEN, XS_ALL) == 0)
		xf_push(xs, &b, true, NULL);
	else
		xf_reply_echo(xs, m, 0);
	return (0);
}

static void
usersa_id(struct xfrm_usersa_id *id, const struct xfrm_usersa_info *p)
{
	memset(id, 0, sizeof(*id));
	id->daddr = p->id.daddr;
	id->spi = p->id.spi;
	id->family = p->family;
	id->proto = p->id.proto;
}

/* One SA of a DELETE without SA extension: what is needed to delete it. */
struct delall {
	struct xfrm_usersa_id	*ids;
	size_t			 n;
	size_t			 cap;
	xfrm_address_t		 src;
	xfrm_address_t		 dst;
	uint16_t		 family;
	bool			 nomem;
};

static void
delall_entry(struct xstate *xs, const struct nlmsghdr *nh,
    const uint8_t *body, size_t blen, void *arg)
{
	struct delall *d = arg;
	struct xfrm_usersa_info p;
	struct xfrm_usersa_id *nids;

	if (nh->nlmsg_type != XFRM_MSG_NEWSA || blen < sizeof(p))
		return;
	memcpy(&p, body, sizeof(p));
	if (p.family != d->family || !xaddr_eq(p.family, &p.saddr, &d->src) ||
	    !xaddr_eq(p.family, &p.id.daddr, &d->dst))
		return;
	if (d->n == d->cap) {
		if ((nids = reallocarray(d->ids, d->cap > 0 ? d->cap * 2 : 64,
		    sizeof(*nids))) == NULL) {
			d->nomem = true;
			return;
		}
		d->ids = nids;
		d->cap = d->cap > 0 ? d->cap * 2 : 64;
	}
	usersa_id(&d->ids[d->n++], &p);
}

/*
 * DELETE without an SA extension is KAME's "delete every SA between these
 * two addresses of this type" (af_key refuses it).  XFRM_MSG_FLUSHSA
 * cannot filter by address, so: a filtered dump, then one DELSA each.
 */
static int
h_delete_all(struct xstate *xs, const struct pfkey_msg *m, int proto)
{
	struct xfrm_address_filter f;
	struct delall d;
	struct nlb nb;
	uint8_t p8 = (uint8_t)proto;
	size_t i;
	int err, rc, first = 0;

	memset(&d, 0, sizeof(d));
	if ((err = sa_addrs(m, &d.src, &d.dst, &d.family)) != 0)
		return (err);
	memset(&f, 0, sizeof(f));
	f.saddr = d.src;
	f.daddr = d.dst;
	f.family = d.family;
	f.splen = f.dplen = d.family == AF_INET ? 32 : 128;
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_GETSA, NLM_F_DUMP, NULL,
	    0);
	nlb_attr(&nb, XFRMA_PROTO, &p8, sizeof(p8));
	nlb_attr(&nb, XFRMA_ADDRESS_FILTER, &f, sizeof(f));
	if ((rc = xf_transact(xs, &nb, 0, delall_entry, &d, &err)) != 0) {
		free(d.ids);
		return (rc);
	}
	if (err == 0 && d.nomem)
		err = ENOMEM;
	for (i = 0; err == 0 && i < d.n; i++) {
		nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_DELSA, 0,
		    &d.ids[i], sizeof(d.ids[i]));
		if ((rc = xf_transact(xs, &nb, 0, NULL, NULL, &err)) != 0) {
			free(d.ids);
			return (rc);
		}
		/* Gone meanwhile (expired, deleted by another) is fine. */
		if (err == ESRCH)
			err = 0;
		if (err != 0 && first == 0)
			first = err;
	}
	free(d.ids);
	if (err == 0)
		err = first;
	if (err != 0)
		return (err);
	/* KAME's key_delete_all() answers with the two addresses. */
	xf_reply_echo(xs, m, PFKEY_EXTBIT(PFKEY_EXT_ADDRESS_SRC) |
	    PFKEY_EXTBIT(PFKEY_EXT_ADDRESS_DST));
	return (0);
}

/* The SA's id (proto, destination, SPI) of DELETE and GET. */
static int
sa_id(const struct pfkey_msg *m, int proto, struct xfrm_usersa_id *id)
{
	const struct sadb_sa *sa = PFKEY_EXT(m, PFKEY_EXT_SA, sadb_sa);
	xfrm_address_t src;
	int err;

	memset(id, 0, sizeof(*id));
	if ((err = sa_addrs(m, &src, &id->daddr, &id->family)) != 0)
		return (err);
	id->spi = sa->sadb_sa_spi;
	id->proto = (uint8_t)proto;
	return (0);
}

static int
h_delete(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct xfrm_usersa_id id;
	struct pfkey_buf b;
	struct nlb nb;
	int proto, err, rc;

	if ((proto = satype_proto(h->sadb_msg_satype)) == 0 ||
	    proto == XF_PROTO_ANY)
		return (EINVAL);
	if (m->ext[PFKEY_EXT_SA] == NULL)
		return (h_delete_all(xs, m, proto));
	if ((err = sa_id(m, proto, &id)) != 0)
		return (err);
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_DELSA, 0, &id,
	    sizeof(id));
	if ((rc = xf_transact(xs, &nb, XFRM_MSG_DELSA, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	if (xs->req.resplen > 0 && xf_delsa_msg(xs, &b, h->sadb_msg_seq,
	    h->sadb_msg_pid, xs->req.resp + NLMSG_HDRLEN,
	    xs->req.resplen - NLMSG_HDRLEN) == 0)
		xf_push(xs, &b, true, NULL);
	else
		xf_reply_echo(xs, m, PFKEY_EXTBIT(PFKEY_EXT_SA) |
		    PFKEY_EXTBIT(PFKEY_EXT_ADDRESS_SRC) |
		    PFKEY_EXTBIT(PFKEY_EXT_ADDRESS_DST));
	return (0);
}

/* GET: the SA with its keys (af_key's pfkey_get()). */
static int
h_get(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct xfrm_usersa_id id;
	struct pfkey_buf b;
	struct nlb nb;
	int proto, err, rc;

	if ((proto = satype_proto(h->sadb_msg_satype)) == 0 ||
	    proto == XF_PROTO_ANY || m->ext[PFKEY_EXT_SA] == NULL)
		return (EINVAL);
	if ((err = sa_id(m, proto, &id)) != 0)
		return (err);
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_GETSA, 0, &id,
	    sizeof(id));
	if ((rc = xf_transact(xs, &nb, XFRM_MSG_NEWSA, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	if (xs->req.resplen == 0 || xf_state_msg(xs, &b, PFKEY_MSG_GET,
	    h->sadb_msg_seq, h->sadb_msg_pid, xs->req.resp + NLMSG_HDRLEN,
	    xs->req.resplen - NLMSG_HDRLEN, XS_KEYS | XS_ALL) != 0)
		return (EINVAL);
	xf_push(xs, &b, true, NULL);
	return (0);
}

/*
 * GETSPI: XFRM_MSG_ALLOCSPI, which finds the larval SA of an ACQUIRE by
 * the message's seq or makes one, exactly as af_key's pfkey_getspi().
 */
static int
h_getspi(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	const struct sadb_x_sa2 *sa2 = PFKEY_EXT(m, PFKEY_EXT_X_SA2,
	    sadb_x_sa2);
	const struct sadb_spirange *range = PFKEY_EXT(m, PFKEY_EXT_SPIRANGE,
	    sadb_spirange);
	struct xfrm_userspi_info u;
	struct pfkey_buf b;
	struct nlb nb;
	int proto, mode, err, rc;

	if ((proto = satype_proto(h->sadb_msg_satype)) == 0 ||
	    proto == XF_PROTO_ANY)
		return (EINVAL);
	memset(&u, 0, sizeof(u));
	if ((err = sa_addrs(m, &u.info.saddr, &u.info.id.daddr,
	    &u.info.family)) != 0)
		return (err);
	u.info.id.proto = (uint8_t)proto;
	if (sa2 != NULL) {
		if ((mode = mode_to_xfrm(sa2->sadb_x_sa2_mode)) < 0)
			return (EINVAL);
		u.info.mode = (uint8_t)mode;
		u.info.reqid = sa2->sadb_x_sa2_reqid;
	}
	u.info.seq = h->sadb_msg_seq;
	lft_defaults(&u.info.lft);
	if (range != NULL) {
		u.min = range->sadb_spirange_min;
		u.max = range->sadb_spirange_max;
	} else {
		/* IPComp CPIs are 16 bits. */
		u.min = XF_SPI_MIN;
		u.max = proto == IPPROTO_COMP ? XF_CPI_MAX : XF_SPI_MAX;
	}
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_ALLOCSPI, 0, &u,
	    sizeof(u));
	if ((rc = xf_transact(xs, &nb, XFRM_MSG_NEWSA, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	if (xs->req.resplen == 0 || xf_state_msg(xs, &b, PFKEY_MSG_GETSPI,
	    h->sadb_msg_seq, h->sadb_msg_pid, xs->req.resp + NLMSG_HDRLEN,
	    xs->req.resplen - NLMSG_HDRLEN, XS_ALL) != 0)
		return (EINVAL);
	xf_push(xs, &b, true, NULL);
	return (0);
}

/* FLUSH: XFRM_MSG_FLUSHSA; an empty table is no error (both kernels). */
static int
h_flush(struct xstate *xs, const struct pfkey_msg *m)
{
	struct xfrm_usersa_flush f;
	struct nlb nb;
	int proto, err, rc;

	if ((proto = satype_proto(m->hdr->sadb_msg_satype)) == 0)
		return (EINVAL);
	memset(&f, 0, sizeof(f));
	f.proto = (uint8_t)proto;
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_FLUSHSA, 0, &f,
	    sizeof(f));
	if ((rc = xf_transact(xs, &nb, 0, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0 && err != ESRCH)
		return (err);
	xf_reply_hdr(xs, m->hdr);
	return (0);
}

/*
 * How many SAs or policies there are now (XFRM_MSG_GETSADINFO or
 * GETSPDINFO), for the countdown of a dump; 0 if the kernel will not say.
 */
static uint32_t
xf_count(struct xstate *xs, bool policies)
{
	struct xfrmu_spdinfo si;
	struct xattrs a;
	struct nlb nb;
	uint32_t flags = 0, n = 0;
	int err;

	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, policies ? XFRM_MSG_GETSPDINFO :
	    XFRM_MSG_GETSADINFO, 0, &flags, sizeof(flags));
	if (xf_transact(xs, &nb, policies ? XFRM_MSG_NEWSPDINFO :
	    XFRM_MSG_NEWSADINFO, NULL, NULL, &err) != 0 || err != 0 ||
	    xs->req.resplen == 0)
		return (0);
	/* Both answers are a u32 and attributes of their own numbering. */
	xf_body_attrs(xs->req.resp + NLMSG_HDRLEN,
	    xs->req.resplen - NLMSG_HDRLEN, sizeof(flags), &a);
	if (policies) {
		if (xa_get(&a, XFRMA_SPD_INFO, &si, sizeof(si)))
			n = si.incnt + si.outcnt + si.fwdcnt;
	} else
		(void)xa_get(&a, XFRMA_SAD_CNT, &n, sizeof(n));
	return (n);
}

/*
 * Start a dump that recv reads on demand.  Its parts count down to 0, as
 * KAME's key_dump() and sadbd number them, from the number of entries
 * the kernel has when it starts (what the filter leaves out, or what is
 * added meanwhile, only makes the count stop at 1 or jump to 0).
 */
static int
xf_dump_count(struct xstate *xs, bool policies, uint32_t *n)
{
	int rc;

	if (xs->dump.active && (rc = xf_dump_finish(xs)) != 0)
		return (rc);
	*n = xf_count(xs, policies);
	return (0);
}

/* Send the dump request (built after xf_dump_count()). */
static int
xf_dump_start(struct xstate *xs, const struct pfkey_msg *m, struct nlb *nb,
    uint32_t n)
{
	struct xdump *d = &xs->dump;
	int rc;

	if ((rc = xf_drain(xs)) != 0)
		return (rc);
	memset(d, 0, sizeof(*d));
	memcpy(d->hdr, m->hdr, PFKEY_HDRLEN);
	d->hdr[2] = 0;
	d->left = n > 1 ? n - 1 : 1;
	d->seq = xf_nextseq(xs);
	if ((rc = xf_sendnl(xs, nb, d->seq)) != 0)
		return (rc);
	d->active = true;
	return (0);
}

static int
h_dump(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct pfkey_x_filter *xf = PFKEY_EXT(m, PFKEY_EXT_X_FILTER,
	    pfkey_x_filter);
	struct xfrm_address_filter f;
	struct nlb nb;
	uint32_t n;
	uint8_t p8;
	int proto, rc;

	if ((proto = satype_proto(m->hdr->sadb_msg_satype)) == 0)
		return (EINVAL);
	if ((rc = xf_dump_count(xs, false, &n)) != 0)
		return (rc);
	p8 = (uint8_t)proto;
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_GETSA, NLM_F_DUMP, NULL,
	    0);
	nlb_attr(&nb, XFRMA_PROTO, &p8, sizeof(p8));
	if (xf != NULL) {
		memset(&f, 0, sizeof(f));
		memcpy(&f.saddr, xf->saddr, sizeof(f.saddr));
		memcpy(&f.daddr, xf->daddr, sizeof(f.daddr));
		f.family = xf->family == PFKEY_LX_AF_INET ? AF_INET : AF_INET6;
		f.splen = xf->splen;
		f.dplen = xf->dplen;
		nlb_attr(&nb, XFRMA_ADDRESS_FILTER, &f, sizeof(f));
	}
	return (xf_dump_start(xs, m, &nb, n));
}

/* ------------------------------------------ PF_KEY to XFRM: policies */

static void
reqid_entry(struct xstate *xs, const struct nlmsghdr *nh,
    const uint8_t *body, size_t blen, void *arg)
{
	struct xfrm_user_tmpl t;
	struct xattrs a;
	uint8_t *used = arg;
	size_t i, n;

	if (nh->nlmsg_type != XFRM_MSG_NEWPOLICY ||
	    blen < sizeof(struct xfrm_userpolicy_info))
		return;
	xf_body_attrs(body, blen, sizeof(struct xfrm_userpolicy_info), &a);
	n = a.p[XFRMA_TMPL] != NULL ? a.len[XFRMA_TMPL] / sizeof(t) : 0;
	for (i = 0; i < n; i++) {
		memcpy(&t, a.p[XFRMA_TMPL] + i * sizeof(t), sizeof(t));
		/* Only the window we hand out from matters. */
		if (t.reqid > PFKEY_REQID_MAX &&
		    t.reqid - PFKEY_REQID_MAX <= 65536)
			used[t.reqid - PFKEY_REQID_MAX - 1] = 1;
	}
}

/*
 * A reqid for a "unique" request without one, as af_key's gen_reqid():
 * the next number above the manual range that no policy uses.
 */
static int
gen_reqids(struct xstate *xs, uint32_t *out, unsigned n)
{
	uint8_t *used;
	struct nlb nb;
	unsigned k = 0, tries;
	uint32_t r;
	int err, rc;

	if ((used = calloc(65536, 1)) == NULL)
		return (ENOMEM);
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_GETPOLICY, NLM_F_DUMP,
	    NULL, 0);
	if ((rc = xf_transact(xs, &nb, 0, reqid_entry, used, &err)) != 0) {
		free(used);
		return (rc);
	}
	if (err != 0 && err != ENOENT) {
		free(used);
		return (err);
	}
	for (tries = 0; k < n && tries < 65536; tries++) {
		r = xs->reqid_next++;
		if (xs->reqid_next > 65536)
			xs->reqid_next = 1;
		if (!used[r - 1]) {
			used[r - 1] = 1;
			out[k++] = PFKEY_REQID_MAX + r;
		}
	}
	free(used);
	return (k == n ? 0 : ENOBUFS);
}

/* A selector from the two address extensions (af_key's way). */
static int
sel_from(const struct pfkey_msg *m, struct xfrm_selector *sel)
{
	struct sockaddr_storage s, d;
	uint8_t splen, dplen, sproto, dproto;

	memset(sel, 0, sizeof(*sel));
	if (pfkey_get_address(m, PFKEY_EXT_ADDRESS_SRC, &s, &splen,
	    &sproto) != 0 ||
	    pfkey_get_address(m, PFKEY_EXT_ADDRESS_DST, &d, &dplen,
	    &dproto) != 0 || s.ss_family != d.ss_family)
		return (EINVAL);
	sel->family = (uint16_t)sa_xaddr(&s, &sel->saddr, &sel->sport);
	(void)sa_xaddr(&d, &sel->daddr, &sel->dport);
	sel->prefixlen_s = splen;
	sel->prefixlen_d = dplen;
	/* Both carry it; af_key lets the destination's win. */
	sel->proto = dproto == XF_PROTO_ANY ? 0 : dproto;
	if (sel->sport != 0)
		sel->sport_mask = 0xffff;
	if (sel->dport != 0)
		sel->dport_mask = 0xffff;
	return (sel->family != 0 ? 0 : EINVAL);
}

/*
 * X_SPDADD / X_SPDUPDATE / X_SPDSETIDX: XFRM_MSG_NEWPOLICY or UPDPOLICY,
 * as af_key's pfkey_spdadd() and parse_ipsecrequest() build the policy.
 */
static int
h_spdadd(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct xfrm_userpolicy_info p;
	struct xfrm_userpolicy_id pid;
	struct xfrm_user_tmpl t[PFKEY_POLICY_MAXREQ];
	const struct pfkey_ipsecreq *r;
	struct pfkey_policy pol;
	struct pfkey_buf b;
	struct nlb nb;
	uint32_t gen[PFKEY_POLICY_MAXREQ];
	unsigned i, ngen = 0, k = 0;
	uint16_t type, want;
	int mode, err, rc;

	if (pfkey_get_policy(m, &pol) != 0)
		return (EINVAL);
	if (pol.type > PFKEY_POLICY_IPSEC || pol.dir < PFKEY_DIR_INBOUND ||
	    pol.dir > PFKEY_DIR_FWD)
		return (EINVAL);
	memset(&p, 0, sizeof(p));
	if ((err = sel_from(m, &p.sel)) != 0)
		return (err);
	lft_from(&p.lft, m);
	p.priority = pol.priority;
	p.dir = pol.dir - 1;
	p.action = pol.type == PFKEY_POLICY_DISCARD ? XFRM_POLICY_BLOCK :
	    XFRM_POLICY_ALLOW;
	p.share = XFRM_SHARE_ANY;
	if (pol.type != PFKEY_POLICY_IPSEC)
		pol.nreq = 0;
	if (pol.nreq > XF_MAX_DEPTH)
		return (ELOOP);
	memset(t, 0, sizeof(t));
	for (i = 0; i < pol.nreq; i++) {
		r = &pol.req[i];
		if (r->mode == PFKEY_MODE_ANY ||
		    (mode = mode_to_xfrm(r->mode)) < 0 ||
		    (r->proto != IPPROTO_ESP && r->proto != IPPROTO_AH &&
		    r->proto != IPPROTO_COMP))
			return (EINVAL);
		t[i].id.proto = (uint8_t)r->proto;
		t[i].mode = (uint8_t)mode;
		t[i].reqid = r->reqid;
		if (r->level == PFKEY_LEVEL_USE) {
			/* An optional outbound tunnel means nothing. */
			if ((mode == XFRM_MODE_TUNNEL ||
			    mode == XFRM_MODE_BEET) &&
			    pol.dir == PFKEY_DIR_OUTBOUND) {
				(void)strlcpy(xs->extack, "XFRM cannot take "
				    "an optional (use) tunnel template on an "
				    "outbound policy", sizeof(xs->extack));
				return (EINVAL);
			}
			t[i].optional = 1;
		} else if (r->level == PFKEY_LEVEL_UNIQUE && r->reqid == 0)
			ngen++;
		if (r->src.ss_family != AF_UNSPEC && (mode ==
		    XFRM_MODE_TUNNEL || mode == XFRM_MODE_BEET)) {
			t[i].family = (uint16_t)sa_xaddr(&r->src, &t[i].saddr,
			    NULL);
			(void)sa_xaddr(&r->dst, &t[i].id.daddr, NULL);
		} else if (mode == XFRM_MODE_TUNNEL) {
			(void)strlcpy(xs->extack, "a tunnel template needs "
			    "its endpoint addresses", sizeof(xs->extack));
			return (EINVAL);
		}
		else
			t[i].family = p.sel.family;
		t[i].aalgos = t[i].ealgos = t[i].calgos = ~0u;
	}
	if (ngen > 0 && (err = gen_reqids(xs, gen, ngen)) != 0)
		return (err);
	for (i = 0; i < pol.nreq; i++)
		if (pol.req[i].level == PFKEY_LEVEL_UNIQUE &&
		    pol.req[i].reqid == 0)
			t[i].reqid = gen[k++];

	type = h->sadb_msg_type == PFKEY_MSG_X_SPDUPDATE ?
	    XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY;
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, type, 0, &p, sizeof(p));
	if (pol.nreq > 0)
		nlb_attr(&nb, XFRMA_TMPL, t, pol.nreq * sizeof(t[0]));
	put_nl_sec_ctx(&nb, m);
	if ((rc = xf_transact(xs, &nb, type, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	if (xs->req.resplen == 0) {
		/* The notification was lost: ask for the policy. */
		memset(&pid, 0, sizeof(pid));
		pid.sel = p.sel;
		pid.dir = p.dir;
		nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_GETPOLICY, 0,
		    &pid, sizeof(pid));
		put_nl_sec_ctx(&nb, m);
		want = XFRM_MSG_NEWPOLICY;
		if ((rc = xf_transact(xs, &nb, want, NULL, NULL, &err)) != 0)
			return (rc);
		if (err != 0)
			xs->req.resplen = 0;
	}
	if (xs->req.resplen > 0 && xf_policy_msg(xs, &b, h->sadb_msg_type,
	    h->sadb_msg_seq, h->sadb_msg_pid, xs->req.resp + NLMSG_HDRLEN,
	    xs->req.resplen - NLMSG_HDRLEN) == 0)
		xf_push(xs, &b, true, NULL);
	else
		xf_reply_echo(xs, m, 0);
	return (0);
}

/* X_SPDDELETE: by selector and direction (XFRM_MSG_DELPOLICY). */
static int
h_spddelete(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct xfrm_userpolicy_id id;
	struct pfkey_policy pol;
	struct pfkey_buf b;
	struct nlb nb;
	int err, rc;

	if (pfkey_get_policy(m, &pol) != 0 || pol.dir < PFKEY_DIR_INBOUND ||
	    pol.dir > PFKEY_DIR_FWD)
		return (EINVAL);
	memset(&id, 0, sizeof(id));
	if ((err = sel_from(m, &id.sel)) != 0)
		return (err);
	id.dir = pol.dir - 1;
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_DELPOLICY, 0, &id,
	    sizeof(id));
	put_nl_sec_ctx(&nb, m);
	if ((rc = xf_transact(xs, &nb, XFRM_MSG_DELPOLICY, NULL, NULL,
	    &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	if (xs->req.resplen > 0 && xf_delpolicy_msg(xs, &b,
	    PFKEY_MSG_X_SPDDELETE, h->sadb_msg_seq, h->sadb_msg_pid,
	    xs->req.resp + NLMSG_HDRLEN, xs->req.resplen - NLMSG_HDRLEN) == 0)
		xf_push(xs, &b, true, NULL);
	else
		xf_reply_echo(xs, m, 0);
	return (0);
}

/*
 * X_SPDGET and X_SPDDELETE2: by id.  The id is XFRM's index, whose low
 * three bits are the direction (xfrm_policy_id2dir()).
 */
static int
h_spdget(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct xfrm_userpolicy_id id;
	struct pfkey_policy pol;
	struct pfkey_buf b;
	struct nlb nb;
	bool del = h->sadb_msg_type == PFKEY_MSG_X_SPDDELETE2;
	uint16_t type, want;
	int err, rc;

	if (pfkey_get_policy(m, &pol) != 0)
		return (EINVAL);
	memset(&id, 0, sizeof(id));
	id.index = pol.id;
	id.dir = pol.id & 7;
	if (id.dir > XFRM_POLICY_FWD)
		return (EINVAL);
	/* Index 0 would make the kernel match by (empty) selector. */
	if (pol.id == 0)
		return (ENOENT);
	type = del ? XFRM_MSG_DELPOLICY : XFRM_MSG_GETPOLICY;
	want = del ? XFRM_MSG_DELPOLICY : XFRM_MSG_NEWPOLICY;
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, type, 0, &id, sizeof(id));
	if ((rc = xf_transact(xs, &nb, want, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0)
		return (err);
	if (del) {
		if (xs->req.resplen > 0 && xf_delpolicy_msg(xs, &b,
		    PFKEY_MSG_X_SPDDELETE2, h->sadb_msg_seq, h->sadb_msg_pid,
		    xs->req.resp + NLMSG_HDRLEN,
		    xs->req.resplen - NLMSG_HDRLEN) == 0)
			xf_push(xs, &b, true, NULL);
		else
			xf_reply_echo(xs, m, 0);
		return (0);
	}
	if (xs->req.resplen == 0 || xf_policy_msg(xs, &b,
	    PFKEY_MSG_X_SPDGET, h->sadb_msg_seq, h->sadb_msg_pid,
	    xs->req.resp + NLMSG_HDRLEN, xs->req.resplen - NLMSG_HDRLEN) != 0)
		return (ENOENT);
	xf_push(xs, &b, true, NULL);
	return (0);
}

static int
h_spddump(struct xstate *xs, const struct pfkey_msg *m)
{
	struct nlb nb;
	uint32_t n;
	int rc;

	if ((rc = xf_dump_count(xs, true, &n)) != 0)
		return (rc);
	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_GETPOLICY, NLM_F_DUMP,
	    NULL, 0);
	return (xf_dump_start(xs, m, &nb, n));
}

static int
h_spdflush(struct xstate *xs, const struct pfkey_msg *m)
{
	struct nlb nb;
	int err, rc;

	nlb_start(&nb, xs->wbuf, XF_WBUFSZ, XFRM_MSG_FLUSHPOLICY, 0, NULL, 0);
	if ((rc = xf_transact(xs, &nb, 0, NULL, NULL, &err)) != 0)
		return (rc);
	if (err != 0 && err != ESRCH)
		return (err);
	xf_reply_hdr(xs, m->hdr);
	return (0);
}

/* -------------------------------------------- REGISTER and PROMISC */

/* Join the groups of the kernel's key management events. */
static int
xf_join_km(struct xstate *xs)
{
	static const int groups[] = {
		XFRMNLGRP_ACQUIRE, XFRMNLGRP_EXPIRE, XFRMNLGRP_MAPPING
	};
	size_t i;

	if (xs->km_joined)
		return (0);
	for (i = 0; i < nitems(groups); i++)
		if (setsockopt(xs->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) == -1)
			return (errno != 0 ? errno : EINVAL);
	xs->km_joined = true;
	return (0);
}

static void
put_supported(struct pfkey_buf *b, int ext, enum pfkey_alg_kind kind)
{
	struct sadb_alg algs[nitems(xalgs)];
	const struct pfkey_alg_info *ai;
	struct sadb_alg t;
	size_t i, j, n = 0;
	int w;

	for (i = 0; i < nitems(xalgs); i++) {
		if (xalgs[i].kind != kind || !alg_available(&xalgs[i]) ||
		    (ai = pfkey_alg_info(kind, xalgs[i].logical)) == NULL ||
		    (w = pfkey_alg_to_wire(PFKEY_DIALECT_LINUX, kind,
		    xalgs[i].logical)) <= 0 || w > 255)
			continue;
		memset(&algs[n], 0, sizeof(algs[n]));
		algs[n].sadb_alg_id = (uint8_t)w;
		algs[n].sadb_alg_ivlen = (uint8_t)ai->ivbytes;
		algs[n].sadb_alg_minbits = ai->minbits;
		algs[n].sadb_alg_maxbits = ai->maxbits;
		n++;
	}
	/* By number, as kernels list them. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && algs[j - 1].sadb_alg_id >
		    algs[j].sadb_alg_id; j--) {
			t = algs[j];
			algs[j] = algs[j - 1];
			algs[j - 1] = t;
		}
	if (n > 0)
		(void)pfkey_put_supported(b, ext, algs, n);
}

/*
 * REGISTER: af_key's pfkey_register() (EINVAL past the last SA type,
 * EEXIST for a second registration of a type, type 0 only asks), with
 * the algorithms the running kernel really has.  Like sadbd, AH lists
 * authentication only and IPComp its compressors.
 */
static int
h_register(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	uint8_t satype = h->sadb_msg_satype;
	struct pfkey_buf b;
	int err;

	if (satype > XF_SATYPE_MAX)
		return (EINVAL);
	if (satype != PFKEY_SATYPE_UNSPEC) {
		if (xs->registered & (1u << satype))
			return (EEXIST);
		if ((err = xf_join_km(xs)) != 0)
			return (err);
		xs->registered |= 1u << satype;
	}
	xf_start(xs, &b, h->sadb_msg_type, satype, h->sadb_msg_seq,
	    h->sadb_msg_pid);
	switch (satype) {
	case PFKEY_SATYPE_AH:
		put_supported(&b, PFKEY_EXT_SUPPORTED_AUTH, PFKEY_ALG_AUTH);
		break;
	case PFKEY_SATYPE_IPCOMP:
		put_supported(&b, PFKEY_EXT_SUPPORTED_ENCRYPT, PFKEY_ALG_COMP);
		break;
	default:
		put_supported(&b, PFKEY_EXT_SUPPORTED_AUTH, PFKEY_ALG_AUTH);
		put_supported(&b, PFKEY_EXT_SUPPORTED_ENCRYPT,
		    PFKEY_ALG_ENCRYPT);
		break;
	}
	xf_push(xs, &b, true, NULL);
	return (0);
}

/*
 * X_PROMISC: a bare header with SA type 1 or 0 turns promiscuous mode on
 * or off (af_key's pfkey_promisc()); the message comes back.  A longer
 * one is a message for the promiscuous listeners, which in af_key are in
 * the kernel: here there are none to reach, so only the echo remains.
 */
static int
h_promisc(struct xstate *xs, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	struct xmsg *q;
	int err;

	if (m->len == PFKEY_HDRLEN) {
		if (h->sadb_msg_satype > 1)
			return (EINVAL);
		if (h->sadb_msg_satype == 1 && (err = xf_join_km(xs)) != 0)
			return (err);
		xs->promisc = h->sadb_msg_satype == 1;
		xf_reply_hdr(xs, h);
		return (0);
	}
	if ((q = xmsg_new(h, m->len, NULL)) == NULL)
		return (ENOBUFS);
	xf_queue(xs, q);
	return (0);
}

/*
 * ACQUIRE from a key manager reports a failed negotiation (af_key marks
 * the larval SA as failed and answers nothing).  XFRM has no way to say
 * it, and the larval SA times out by itself: nothing to do either.
 */
static int
h_acquire(struct xstate *xs, const struct pfkey_msg *m)
{
	if (m->len != PFKEY_HDRLEN)
		return (EOPNOTSUPP);
	return (0);
}

typedef int (*xf_handler)(struct xstate *, const struct pfkey_msg *);

/* Message types without a handler get EOPNOTSUPP, as in af_key. */
static const xf_handler handlers[PFKEY_MSG_COUNT] = {
	[PFKEY_MSG_GETSPI] = h_getspi,
	[PFKEY_MSG_UPDATE] = h_add,
	[PFKEY_MSG_ADD] = h_add,
	[PFKEY_MSG_DELETE] = h_delete,
	[PFKEY_MSG_GET] = h_get,
	[PFKEY_MSG_ACQUIRE] = h_acquire,
	[PFKEY_MSG_REGISTER] = h_register,
	[PFKEY_MSG_FLUSH] = h_flush,
	[PFKEY_MSG_DUMP] = h_dump,
	[PFKEY_MSG_X_PROMISC] = h_promisc,
	[PFKEY_MSG_X_SPDUPDATE] = h_spdadd,
	[PFKEY_MSG_X_SPDADD] = h_spdadd,
	[PFKEY_MSG_X_SPDDELETE] = h_spddelete,
	[PFKEY_MSG_X_SPDGET] = h_spdget,
	[PFKEY_MSG_X_SPDDUMP] = h_spddump,
	[PFKEY_MSG_X_SPDFLUSH] = h_spdflush,
	[PFKEY_MSG_X_SPDSETIDX] = h_spdadd,
	[PFKEY_MSG_X_SPDDELETE2] = h_spdget,
};

/* --------------------------------------------------- the transport */

static void
xfrm_close(void *state)
{
	struct xstate *xs = state;
	struct xmsg *q;

	if (xs == NULL)
		return;
	if (xs->fd != -1)
		close(xs->fd);
	while ((q = TAILQ_FIRST(&xs->outq)) != NULL) {
		TAILQ_REMOVE(&xs->outq, q, entry);
		xmsg_free(q);
	}
	while ((q = TAILQ_FIRST(&xs->spare)) != NULL) {
		TAILQ_REMOVE(&xs->spare, q, entry);
		xmsg_free(q);
	}
	xmsg_free(xs->dump.held);
	if (xs->req.resp != NULL) {
		explicit_bzero(xs->req.resp, xs->req.respcap);
		free(xs->req.resp);
	}
	/*
	 * Buffers that have held keys.  Each use wipes what it wrote; this
	 * is once more, over what they ever held (not the whole buffers:
	 * that would touch pages never used).  A request cut short by an
	 * overflow wipes all of wbuf itself.
	 */
	if (xs->rbuf != NULL)
		explicit_bzero(xs->rbuf, xs->rbuf_used);
	if (xs->wbuf != NULL)
		explicit_bzero(xs->wbuf, xs->wbuf_used);
	if (xs->ibuf != NULL)
		explicit_bzero(xs->ibuf, xs->ibuf_used);
	if (xs->obuf != NULL)
		explicit_bzero(xs->obuf, xs->obuf_used);
	free(xs->rbuf);
	free(xs->wbuf);
	free(xs->ibuf);
	free(xs->obuf);
	free(xs);
}

static int
xfrm_open(const char *path, const struct pfkey_xport_opts *opts,
    void **state, int *fdp, uint32_t *pid, enum pfkey_dialect *dialect)
{
	static const int groups[] = { XFRMNLGRP_SA, XFRMNLGRP_POLICY };
	struct sockaddr_nl sn;
	struct xstate *xs;
	socklen_t sl;
	size_t i;
	int one = 1, saved;

	(void)path;
	if ((xs = calloc(1, sizeof(*xs))) == NULL)
		return (PFKEY_ERR_NOMEM);
	TAILQ_INIT(&xs->outq);
	TAILQ_INIT(&xs->spare);
	xs->fd = -1;
	xs->reqid_next = 1;
	xs->nlseq = (uint32_t)time(NULL);
	xs->timeout_ms = opts != NULL && opts->timeout_ms > 0 ?
	    opts->timeout_ms : XF_TIMEOUT_MS;
	if ((xs->rbuf = malloc(XF_RBUFSZ)) == NULL ||
	    (xs->wbuf = malloc(XF_WBUFSZ)) == NULL ||
	    (xs->ibuf = malloc(PFKEY_MSG_MAXLEN)) == NULL ||
	    (xs->obuf = malloc(PFKEY_MSG_MAXLEN)) == NULL) {
		xfrm_close(xs);
		return (PFKEY_ERR_NOMEM);
	}
	if ((xs->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_XFRM)) == -1) {
		saved = errno;
		xfrm_close(xs);
		errno = saved;
		return (saved == EAFNOSUPPORT || saved == EPROTONOSUPPORT ?
		    PFKEY_ERR_NOTSUP : PFKEY_ERR_SYSTEM);
	}
	pfkey_sock_bufsizes(xs->fd, opts);
	/* The kernel's explanation of errors, without our request in it. */
	(void)setsockopt(xs->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one,
	    sizeof(one));
	(void)setsockopt(xs->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one,
	    sizeof(one));
	memset(&sn, 0, sizeof(sn));
	sn.nl_family = AF_NETLINK;
	sl = sizeof(sn);
	if (bind(xs->fd, (struct sockaddr *)&sn, sizeof(sn)) == -1 ||
	    getsockname(xs->fd, (struct sockaddr *)&sn, &sl) == -1)
		goto fail;
	xs->portid = sn.nl_pid;
	/*
	 * The groups of SA and policy changes carry the kernel's view of our
	 * own changes, which becomes the reply (see the top of the file).
	 * Joining needs CAP_NET_ADMIN, as every XFRM request does.
	 */
	for (i = 0; i < nitems(groups); i++)
		if (setsockopt(xs->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
		    &groups[i], sizeof(groups[i])) == -1)
			goto fail;
	*state = xs;
	*fdp = xs->fd;
	*pid = (uint32_t)getpid();
	*dialect = PFKEY_DIALECT_LINUX;
	return (0);
fail:
	saved = errno;
	xfrm_close(xs);
	errno = saved;
	return (PFKEY_ERR_SYSTEM);
}

/*
 * af_key's pfkey_get_base_msg(): a header it cannot read makes the send
 * itself fail (EMSGSIZE, EINVAL); anything wrong past the header is an
 * error reply (EINVAL) to a send that succeeded.
 */
static int
base_check(const uint8_t *p, size_t len)
{
	uint16_t units;

	if (len < PFKEY_HDRLEN)
		return (EMSGSIZE);
	memcpy(&units, p + 4, sizeof(units));
	if (p[0] != PFKEY_V2 || p[1] == PFKEY_MSG_RESERVED ||
	    p[1] >= PFKEY_MSG_COUNT || rd16(p + 6) != 0)
		return (EINVAL);
	if ((size_t)units * PFKEY_UNIT != len)
		return (EMSGSIZE);
	return (0);
}

static int
xfrm_send(void *state, const void *msg, size_t len)
{
	struct xstate *xs = state;
	struct pfkey_msg m;
	xf_handler h;
	int err, rc;

	if ((err = base_check(msg, len)) != 0) {
		errno = err;
		return (PFKEY_ERR_SYSTEM);
	}
	/* The decoder wants it 8-byte aligned; keep the caller's intact. */
	if (len > xs->ibuf_used)
		xs->ibuf_used = len;
	memcpy(xs->ibuf, msg, len);
	xs->extack[0] = '\0';
	rc = pfkey_decode(xs->ibuf, len, PFKEY_DIALECT_LINUX,
	    PFKEY_DEC_SKIP_UNKNOWN, &m);
	if (rc != 0)
		err = EINVAL;
	else if ((h = handlers[m.hdr->sadb_msg_type]) == NULL)
		err = EOPNOTSUPP;
	else if ((err = h(xs, &m)) < 0) {
		/* The transport failed; no reply is coming. */
		explicit_bzero(xs->ibuf, len);
		return (err);
	}
	if (err > 0)
		xf_reply_errno(xs, xs->ibuf, err, xs->extack);
	explicit_bzero(xs->ibuf, len);
	return (0);
}

static int
xfrm_recv(void *state, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	struct xstate *xs = state;
	struct xmsg *q;
	int64_t deadline = -1;
	int rc;

	for (;;) {
		if ((q = TAILQ_FIRST(&xs->outq)) != NULL) {
			TAILQ_REMOVE(&xs->outq, q, entry);
			xs->nout--;
			if (q->len > cap) {
				xmsg_put(xs, q);
				return (PFKEY_ERR_TRUNCATED);
			}
			memcpy(buf, q->data, q->len);
			*len = q->len;
			if (q->errmsg != NULL)
				(void)strlcpy(xs->lasterr, q->errmsg,
				    sizeof(xs->lasterr));
			else
				xs->lasterr[0] = '\0';
			xmsg_put(xs, q);
			return (0);
		}
		/*
		 * The clock is read only when the queue is empty: a dump's
		 * datagram queues many messages, handed out without it.
		 */
		if (timeout_ms >= 0 && deadline < 0)
			deadline = xf_now_ms() + timeout_ms;
		rc = xf_read(xs, deadline < 0 ? -1 : xf_left(deadline));
		if (rc != 0)
			return (rc);
		if (deadline >= 0 && xf_left(deadline) == 0 &&
		    TAILQ_EMPTY(&xs->outq))
			return (PFKEY_ERR_TIMEOUT);
	}
}

static size_t
xfrm_pending(void *state)
{
	return (((struct xstate *)state)->nout);
}

static const char *
xfrm_errmsg(void *state)
{
	struct xstate *xs = state;

	return (xs->lasterr[0] != '\0' ? xs->lasterr : NULL);
}

const struct pfkey_xport_ops pfkey_xfrm_ops = {
	.name = "xfrm",
	.kind = PFKEY_XPORT_XFRM,
	.open = xfrm_open,
	.close = xfrm_close,
	.send = xfrm_send,
	.recv = xfrm_recv,
	.pending = xfrm_pending,
	.errmsg = xfrm_errmsg,
};

#else /* !__linux__ */

/* XFRM is Linux's: elsewhere the transport exists but never opens. */
static int
xfrm_open(const char *path, const struct pfkey_xport_opts *opts,
    void **state, int *fdp, uint32_t *pid, enum pfkey_dialect *dialect)
{
	(void)path;
	(void)opts;
	(void)state;
	(void)fdp;
	(void)pid;
	(void)dialect;
	return (PFKEY_ERR_NOTSUP);
}

static void
xfrm_close(void *state)
{
	(void)state;
}

static int
xfrm_send(void *state, const void *msg, size_t len)
{
	(void)state;
	(void)msg;
	(void)len;
	return (PFKEY_ERR_NOTSUP);
}

static int
xfrm_recv(void *state, void *buf, size_t cap, size_t *len, int timeout_ms)
{
	(void)state;
	(void)buf;
	(void)cap;
	(void)len;
	(void)timeout_ms;
	return (PFKEY_ERR_NOTSUP);
}

const struct pfkey_xport_ops pfkey_xfrm_ops = {
	.name = "xfrm",
	.kind = PFKEY_XPORT_XFRM,
	.open = xfrm_open,
	.close = xfrm_close,
	.send = xfrm_send,
	.recv = xfrm_recv,
};

#endif /* __linux__ */
