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
 * pfkey_print(): a debugging and monitor printer for any message that
 * pfkey_decode() accepted, in either dialect (in the spirit of KAME's
 * kdebug_sadb(), not its format).  It only reads what the decoder
 * validated: the view's extensions, each bounded by its own length.
 *
 * The format is stable (tests/libpfkey/print_test.c holds golden text).
 * Every line ends in '\n'.  The base header comes first, then one line per
 * present extension in logical order (enum pfkey_ext), each starting with
 * two spaces and pfkey_ext_name().  Sub-lines (proposal combs, supported
 * algorithms, policy requests) are indented by four spaces.
 *
 *   ADD satype=esp errno=0 seq=1 pid=4242 len=136 dialect=linux
 *     SA: spi=0x00001000(4096) replay=4 state=mature auth=hmac-sha1(3)
 *         enc=aes-cbc(12) flags=0x00000040(cycseq)
 *     LIFETIME_HARD: allocations=0 bytes=0 addtime=3600 usetime=0
 *     ADDRESS_SRC: 10.0.0.1/32 port=0 proto=255
 *     KEY_AUTH: bits=160 <hidden>
 *     KEY_ENCRYPT: bits=128 0x00112233445566778899aabbccddeeff
 *     IDENTITY_SRC: type=fqdn(2) id=0 "vpn.example.com"
 *     SENSITIVITY: dpd=1 sens_level=2 sens_len=1 integ_level=3
 *         integ_len=1 sens=0x0000000000000001 integ=0x0000000000000003
 *     PROPOSAL: replay=4 combs=1
 *       comb#0: auth=hmac-sha1(3) auth_bits=160-160 enc=aes-cbc(12)
 *         enc_bits=128-256 flags=0x0000 allocations=0/0 bytes=0/0
 *         addtime=2400/3600 usetime=0/0
 *     SUPPORTED_AUTH: algs=1
 *       alg#0: hmac-sha1(3) ivlen=0 bits=160-160
 *     SPIRANGE: min=0x00000100(256) max=0x0fffffff(268435455)
 *     X_KMPRIVATE:
 *     X_POLICY: type=ipsec dir=out id=0 priority=0 reqs=1
 *       req#0: proto=esp mode=tunnel level=require reqid=0
 *         src=10.0.0.1 dst=10.0.0.2
 *     X_SA2: mode=tunnel sequence=0 reqid=16384
 *     X_NAT_T_TYPE: type=esp-in-udp(2)
 *     X_NAT_T_SPORT: port=4500
 *     X_SEC_CTX: doi=1 alg=1 len=22 "system_u:object_r:foo"
 *     X_KMADDRESS: local=10.0.0.1[500] remote=10.0.0.2[500]
 *     X_NAT_T_FRAG: fraglen=1400
 *     X_FILTER: src=10.0.0.0/8 dst=0.0.0.0/0
 *     X_SA_REPLAY: replay=1024
 *
 * (Lines are wrapped here; each is one line in the output.)
 *
 * Conventions:
 * - Algorithms, identity types and NAT-T types print as name(number) when
 *   the dialect knows the number, else as the bare number; algorithm 0 is
 *   "none(0)".  The SA type decides the algorithm kind: IPComp SAs print
 *   sadb_sa_encrypt (and combs, SUPPORTED_ENCRYPT) as "comp=" compression
 *   algorithms.
 * - errno prints as "errno=N(ENAME)" when the name is known, else "errno=N".
 * - SA flags print in hex with the names of the known bits in parentheses.
 * - Addresses: "addr/plen port=N proto=N"; IPv6 scope ids as "addr%N",
 *   flowinfo only when not zero.  Endpoints inside X_POLICY requests and
 *   X_KMADDRESS print as "addr" or "addr[port]" when the port is not zero.
 * - Reserved fields print as " reserved=0x<bytes in wire order>" only when
 *   they are not zero.
 * - Keys print their bits and "<hidden>" unless PFKEY_PR_KEYS, then the key
 *   bytes as one hex string; a 0-bit key prints its bits only.
 * - Identity and security-context strings print in double quotes with '"',
 *   '\' and every byte outside printable ASCII escaped (\" \\ \xNN);
 *   trailing NUL bytes (the terminator and padding) are left out.
 * - Lifetime pairs in combs are soft/hard.
 * - X_PROMISC with an embedded message adds a line "  EMBEDDED: len=N",
 *   then the embedded message printed the same way, indented four more
 *   spaces, or " error: <pfkey_decode_error text>" on that line (also
 *   " error: nested too deep, not decoded" past PR_MAXDEPTH levels).
 * - PFKEY_PR_HEX appends the whole message as lines "  0010: 02 00 ...",
 *   16 bytes each after the offset (hex, at least four digits), key bytes
 *   shown as "xx" unless PFKEY_PR_KEYS.
 *
 * Returns what snprintf would: the length of the whole text, however much
 * of it fit.  PFKEY_ERR_INVAL for a NULL or undecoded view, flags other
 * than PFKEY_PR_*, or a NULL buf with a non-zero bufsz.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey_priv.h"


/*
 * X_PROMISC nests: a promiscuous copy of a promiscuous copy is possible.
 * Each level costs a stack frame and a walk of the rest of the message, so
 * stop decoding after a few.
 */
#define PR_MAXDEPTH	4

#define PR_FLAGS	(PFKEY_PR_KEYS | PFKEY_PR_HEX)

/* The output: what fits goes to buf, len counts what the whole needs. */
struct out {
	char	*buf;
	size_t	 size;
	size_t	 len;
	int	 error;
};

/* One message being printed. */
struct pr {
	struct out		*o;
	const struct pfkey_msg	*m;
	enum pfkey_dialect	 d;
	int			 flags;
	unsigned		 indent;	/* spaces before every line */
	unsigned		 depth;		/* X_PROMISC nesting */
};

typedef void (*ext_print_fn)(struct pr *, int ext, const uint8_t *p,
    size_t len);

static void	out_printf(struct out *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	pr_msg(struct pr *);

/* --------------------------------------------------------------- output */

static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	char *dst = NULL;
	size_t room = 0;
	int n;

	if (o->len < o->size) {
		dst = o->buf + o->len;
		room = o->size - o->len;
	}
	va_start(ap, fmt);
	n = vsnprintf(dst, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->error = PFKEY_ERR_INTERNAL;
		return;
	}
	o->len += (size_t)n;
}

/* Characters are stored below size - 1 so the final NUL always fits. */
static void
out_putc(struct out *o, char ch)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = ch;
	o->len++;
}

static void
out_puts(struct out *o, const char *s)
{
	while (*s != '\0')
		out_putc(o, *s++);
}

/* Start a line: the message's indent plus `extra' spaces. */
static void
pr_line(struct pr *c, unsigned extra)
{
	unsigned i;

	for (i = 0; i < c->indent + extra; i++)
		out_putc(c->o, ' ');
}

static void
pr_name(struct pr *c, const char *name, unsigned v)
{
	if (name != NULL)
		out_puts(c->o, name);
	else
		out_printf(c->o, "%u", v);
}

/* name(number) when known, else the bare number. */
static void
pr_named_num(struct pr *c, const char *name, unsigned v)
{
	if (name != NULL)
		out_printf(c->o, "%s(%u)", name, v);
	else
		out_printf(c->o, "%u", v);
}

/* Reserved bytes are printed only when someone put something there. */
static void
pr_reserved(struct pr *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			break;
	if (i == n)
		return;
	out_puts(c->o, " reserved=0x");
	for (i = 0; i < n; i++)
		out_printf(c->o, "%02x", p[i]);
}

static void
pr_hex(struct pr *c, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out_printf(c->o, "%02x", p[i]);
}

/*
 * A peer-supplied string, quoted.  Identities and LSM contexts come from
 * IKE peers and other programs: escape everything a terminal or a log
 * parser could misread.
 */
static void
pr_quoted(struct pr *c, const uint8_t *p, size_t n)
{
	size_t i;

	while (n > 0 && p[n - 1] == '\0')
		n--;
	out_putc(c->o, '"');
	for (i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			out_putc(c->o, '\\');
			out_putc(c->o, (char)p[i]);
		} else if (p[i] >= 0x20 && p[i] < 0x7f)
			out_putc(c->o, (char)p[i]);
		else
			out_printf(c->o, "\\x%02x", p[i]);
	}
	out_putc(c->o, '"');
}

/* ------------------------------------------------------------ addresses */

static unsigned
ss_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohs(((const struct sockaddr_in *)
		    (const void *)ss)->sin_port));
	if (ss->ss_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)
		    (const void *)ss)->sin6_port));
	return (0);
}

/* The address alone; an IPv6 scope id as "%N" (numeric: names are local). */
static void
pr_ss(struct pr *c, const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *sin = (const void *)ss;
	const struct sockaddr_in6 *sin6 = (const void *)ss;
	char a[INET6_ADDRSTRLEN];

	switch (ss->ss_family) {
	case AF_INET:
		if (inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a)) == NULL)
			break;
		out_puts(c->o, a);
		return;
	case AF_INET6:
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a)) ==
		    NULL)
			break;
		out_puts(c->o, a);
		if (sin6->sin6_scope_id != 0)
			out_printf(c->o, "%%%u", (unsigned)sin6->sin6_scope_id);
		return;
	}
	out_printf(c->o, "<family %u>", (unsigned)ss->ss_family);
}

/* An endpoint: address and, when one is set, [port]. */
static void
pr_endpoint(struct pr *c, const struct sockaddr_storage *ss)
{
	pr_ss(c, ss);
	if (ss_port(ss) != 0)
		out_printf(c->o, "[%u]", ss_port(ss));
}

/* ------------------------------------------------------------ algorithms */

/* The kind of sadb_sa_encrypt (and friends): the SA type decides. */
static enum pfkey_alg_kind
enc_kind(const struct pr *c)
{
	if (((const uint8_t *)c->m->hdr)[offsetof(struct sadb_msg,
	    sadb_msg_satype)] == PFKEY_SATYPE_IPCOMP)
		return (PFKEY_ALG_COMP);
	return (PFKEY_ALG_ENCRYPT);
}

static const char *
enc_label(const struct pr *c)
{
	return (enc_kind(c) == PFKEY_ALG_COMP ? "comp" : "enc");
}

static void
pr_alg(struct pr *c, enum pfkey_alg_kind kind, unsigned wire)
{
	const struct pfkey_alg_info *ai;
	int logical;

	if (wire == 0) {
		out_puts(c->o, "none(0)");
		return;
	}
	logical = pfkey_alg_from_wire(c->d, kind, (int)wire);
	ai = logical > 0 ? pfkey_alg_info(kind, logical) : NULL;
	pr_named_num(c, ai != NULL ? ai->name : NULL, wire);
}

/* ----------------------------------------------------------- small tables */

struct flagname {
	uint32_t		 bit;
	const char		*name;
	enum pfkey_dialect	 dialect;	/* HOST (0): both dialects */
};

static const struct flagname saflags[] = {
	{ PFKEY_SAFLAG_PFS, "pfs", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_IV4B, "iv4b", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_DERIV, "deriv", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_CYCSEQ, "cycseq", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_RAWCPI, "rawcpi", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_PRAND, "prand", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_PZERO, "pzero", PFKEY_DIALECT_HOST },
	{ PFKEY_SAFLAG_ESN, "esn", PFKEY_DIALECT_FREEBSD },
	{ PFKEY_SAFLAG_LX_NOPMTUDISC, "nopmtudisc", PFKEY_DIALECT_LINUX },
	{ PFKEY_SAFLAG_LX_DECAP_DSCP, "decap_dscp", PFKEY_DIALECT_LINUX },
	{ PFKEY_SAFLAG_LX_NOECN, "noecn", PFKEY_DIALECT_LINUX },
};

static void
pr_saflags(struct pr *c, uint32_t flags)
{
	size_t i;
	bool first = true;

	out_printf(c->o, "0x%08x", flags);
	for (i = 0; i < nitems(saflags); i++) {
		if ((flags & saflags[i].bit) == 0 ||
		    (saflags[i].dialect != PFKEY_DIALECT_HOST &&
		    saflags[i].dialect != c->d))
			continue;
		out_puts(c->o, first ? "(" : ",");
		out_puts(c->o, saflags[i].name);
		first = false;
	}
	if (!first)
		out_putc(c->o, ')');
}

static const char *
identtype_name(enum pfkey_dialect d, unsigned t)
{
	switch (t) {
	case PFKEY_IDENT_PREFIX:
		return ("prefix");
	case PFKEY_IDENT_FQDN:
		return ("fqdn");
	case PFKEY_IDENT_USERFQDN:
		return ("user_fqdn");
	case PFKEY_IDENT_ADDR:	/* FreeBSD X_IDENTTYPE_ADDR only */
		return (d == PFKEY_DIALECT_FREEBSD ? "addr" : NULL);
	}
	return (NULL);
}

static const char *
scope_name(unsigned s)
{
	switch (s) {
	case PFKEY_SCOPE_ANY:
		return ("any");
	case PFKEY_SCOPE_GLOBAL:
		return ("global");
	case PFKEY_SCOPE_IFNET:
		return ("ifnet");
	case PFKEY_SCOPE_PCB:
		return ("pcb");
	}
	return (NULL);
}

#define ERRNAME(e)	{ e, #e }
static const struct {
	int		 num;
	const char	*name;
} errnames[] = {
	/* Aliases (EWOULDBLOCK, ENOTSUP, EDEADLOCK) left out: first wins. */
	ERRNAME(EPERM), ERRNAME(ENOENT), ERRNAME(ESRCH), ERRNAME(EINTR),
	ERRNAME(EIO), ERRNAME(ENXIO), ERRNAME(E2BIG), ERRNAME(ENOEXEC),
	ERRNAME(EBADF), ERRNAME(ECHILD), ERRNAME(EAGAIN), ERRNAME(ENOMEM),
	ERRNAME(EACCES), ERRNAME(EFAULT), ERRNAME(EBUSY), ERRNAME(EEXIST),
	ERRNAME(EXDEV), ERRNAME(ENODEV), ERRNAME(ENOTDIR), ERRNAME(EISDIR),
	ERRNAME(EINVAL), ERRNAME(ENFILE), ERRNAME(EMFILE), ERRNAME(ENOTTY),
	ERRNAME(EFBIG), ERRNAME(ENOSPC), ERRNAME(ESPIPE), ERRNAME(EROFS),
	ERRNAME(EMLINK), ERRNAME(EPIPE), ERRNAME(EDOM), ERRNAME(ERANGE),
	ERRNAME(EDEADLK), ERRNAME(ENAMETOOLONG), ERRNAME(ENOLCK),
	ERRNAME(ENOSYS), ERRNAME(ENOTEMPTY), ERRNAME(ELOOP), ERRNAME(ENOMSG),
	ERRNAME(EOVERFLOW), ERRNAME(ENOTSOCK), ERRNAME(EMSGSIZE),
	ERRNAME(EPROTONOSUPPORT), ERRNAME(EOPNOTSUPP), ERRNAME(EAFNOSUPPORT),
	ERRNAME(EADDRINUSE), ERRNAME(EADDRNOTAVAIL), ERRNAME(ENETDOWN),
	ERRNAME(ENETUNREACH), ERRNAME(ECONNABORTED), ERRNAME(ECONNRESET),
	ERRNAME(ENOBUFS), ERRNAME(EISCONN), ERRNAME(ENOTCONN),
	ERRNAME(ETIMEDOUT), ERRNAME(ECONNREFUSED), ERRNAME(EHOSTUNREACH),
	ERRNAME(EALREADY), ERRNAME(EINPROGRESS), ERRNAME(ECANCELED),
	ERRNAME(EPROTO),
};
#undef ERRNAME

/*
 * sadb_msg_errno is in the numbering of the kernel that sent it.  The
 * table above is the host's; for the other dialect only 1-10 and 12-34
 * are safe, the V7 numbers Linux and the BSDs still share (11 is EAGAIN
 * on Linux but EDEADLK on the BSDs).
 */
static const char *
errno_name(enum pfkey_dialect d, unsigned e)
{
	size_t i;

	if (e == 0)
		return (NULL);
	if (d != pfkey_host_dialect() && (e == 11 || e > 34))
		return (NULL);
	for (i = 0; i < nitems(errnames); i++)
		if ((unsigned)errnames[i].num == e)
			return (errnames[i].name);
	return (NULL);
}

/* ------------------------------------------------------------ extensions */

static void
pr_sa(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_sa sa;
	uint32_t spi;

	memcpy(&sa, p, sizeof(sa));
	spi = ntohl(sa.sadb_sa_spi);
	out_printf(c->o, " spi=0x%08x(%u) replay=%u state=", spi, spi,
	    sa.sadb_sa_replay);
	pr_name(c, pfkey_sastate_name(sa.sadb_sa_state), sa.sadb_sa_state);
	out_puts(c->o, " auth=");
	pr_alg(c, PFKEY_ALG_AUTH, sa.sadb_sa_auth);
	out_printf(c->o, " %s=", enc_label(c));
	pr_alg(c, enc_kind(c), sa.sadb_sa_encrypt);
	out_puts(c->o, " flags=");
	pr_saflags(c, sa.sadb_sa_flags);
}

static void
pr_lifetime(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_lifetime lt;

	memcpy(&lt, p, sizeof(lt));
	out_printf(c->o, " allocations=%u bytes=%" PRIu64 " addtime=%" PRIu64
	    " usetime=%" PRIu64, (unsigned)lt.sadb_lifetime_allocations,
	    (uint64_t)lt.sadb_lifetime_bytes,
	    (uint64_t)lt.sadb_lifetime_addtime,
	    (uint64_t)lt.sadb_lifetime_usetime);
}

/* Every sadb_address-shaped extension: ADDRESS_*, NAT_T_OA*, NEW_*. */
static void
pr_address(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *sin6 = (const void *)&ss;
	uint8_t plen, proto;
	int rc;

	if ((rc = pfkey_get_address(c->m, ext, &ss, &plen, &proto)) != 0) {
		out_printf(c->o, " <%s>", pfkey_strerror(rc));
		return;
	}
	out_putc(c->o, ' ');
	pr_ss(c, &ss);
	out_printf(c->o, "/%u port=%u proto=%u", plen, ss_port(&ss), proto);
	if (ss.ss_family == AF_INET6 && sin6->sin6_flowinfo != 0)
		out_printf(c->o, " flowinfo=0x%08x",
		    (unsigned)ntohl(sin6->sin6_flowinfo));
	pr_reserved(c, p + offsetof(struct sadb_address,
	    sadb_address_reserved), 2);
}

static void
pr_key(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	const uint8_t *key;
	unsigned bits;
	int rc;

	if ((rc = pfkey_get_key(c->m, ext, &key, &bits)) != 0) {
		out_printf(c->o, " <%s>", pfkey_strerror(rc));
		return;
	}
	out_printf(c->o, " bits=%u", bits);
	pr_reserved(c, p + offsetof(struct sadb_key, sadb_key_reserved), 2);
	if (bits == 0)
		return;
	/* Secrets reach a log only when the caller asked for them. */
	if ((c->flags & PFKEY_PR_KEYS) == 0) {
		out_puts(c->o, " <hidden>");
		return;
	}
	/* The decoder checked that bits fit the extension. */
	out_puts(c->o, " 0x");
	pr_hex(c, key, ((size_t)bits + 7) / 8);
}

static void
pr_identity(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_ident id;

	memcpy(&id, p, sizeof(id));
	out_puts(c->o, " type=");
	pr_named_num(c, identtype_name(c->d, id.sadb_ident_type),
	    id.sadb_ident_type);
	out_printf(c->o, " id=%" PRIu64, (uint64_t)id.sadb_ident_id);
	pr_reserved(c, p + offsetof(struct sadb_ident, sadb_ident_reserved),
	    2);
	out_putc(c->o, ' ');
	pr_quoted(c, p + sizeof(id), len - sizeof(id));
}

static void
pr_bitmap(struct pr *c, const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	if (n == 0)
		return;
	out_printf(c->o, " %s=", label);
	for (i = 0; i < n; i++)
		out_printf(c->o, "%s0x%016" PRIx64, i > 0 ? "," : "",
		    rd64(p + i * 8));
}

static void
pr_sensitivity(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_sens s;

	memcpy(&s, p, sizeof(s));
	out_printf(c->o, " dpd=%u sens_level=%u sens_len=%u integ_level=%u "
	    "integ_len=%u", (unsigned)s.sadb_sens_dpd, s.sadb_sens_sens_level,
	    s.sadb_sens_sens_len, s.sadb_sens_integ_level,
	    s.sadb_sens_integ_len);
	pr_reserved(c, p + offsetof(struct sadb_sens, sadb_sens_reserved), 4);
	/* The decoder checked that both bitmaps fit. */
	pr_bitmap(c, "sens", p + sizeof(s), s.sadb_sens_sens_len);
	pr_bitmap(c, "integ", p + sizeof(s) + (size_t)s.sadb_sens_sens_len * 8,
	    s.sadb_sens_integ_len);
}

static void
pr_proposal(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_prop prop;
	struct sadb_comb cb;
	size_t i, n;
	const uint8_t *q;

	memcpy(&prop, p, sizeof(prop));
	/* The decoder checked that the combs fill the extension exactly. */
	n = (len - sizeof(prop)) / sizeof(cb);
	out_printf(c->o, " replay=%u combs=%zu", prop.sadb_prop_replay, n);
	pr_reserved(c, p + offsetof(struct sadb_prop, sadb_prop_reserved), 3);
	for (i = 0; i < n; i++) {
		q = p + sizeof(prop) + i * sizeof(cb);
		memcpy(&cb, q, sizeof(cb));
		out_putc(c->o, '\n');
		pr_line(c, 4);
		out_printf(c->o, "comb#%zu: auth=", i);
		pr_alg(c, PFKEY_ALG_AUTH, cb.sadb_comb_auth);
		out_printf(c->o, " auth_bits=%u-%u %s=",
		    cb.sadb_comb_auth_minbits, cb.sadb_comb_auth_maxbits,
		    enc_label(c));
		pr_alg(c, enc_kind(c), cb.sadb_comb_encrypt);
		out_printf(c->o, " %s_bits=%u-%u flags=0x%04x", enc_label(c),
		    cb.sadb_comb_encrypt_minbits, cb.sadb_comb_encrypt_maxbits,
		    cb.sadb_comb_flags);
		out_printf(c->o, " allocations=%u/%u bytes=%" PRIu64 "/%" PRIu64
		    " addtime=%" PRIu64 "/%" PRIu64 " usetime=%" PRIu64 "/%"
		    PRIu64, (unsigned)cb.sadb_comb_soft_allocations,
		    (unsigned)cb.sadb_comb_hard_allocations,
		    (uint64_t)cb.sadb_comb_soft_bytes,
		    (uint64_t)cb.sadb_comb_hard_bytes,
		    (uint64_t)cb.sadb_comb_soft_addtime,
		    (uint64_t)cb.sadb_comb_hard_addtime,
		    (uint64_t)cb.sadb_comb_soft_usetime,
		    (uint64_t)cb.sadb_comb_hard_usetime);
		pr_reserved(c, q + offsetof(struct sadb_comb,
		    sadb_comb_reserved), 4);
	}
}

static void
pr_supported(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_alg a;
	enum pfkey_alg_kind kind;
	size_t i, n;
	const uint8_t *q;

	kind = ext == PFKEY_EXT_SUPPORTED_AUTH ? PFKEY_ALG_AUTH : enc_kind(c);
	/* Extension lengths are multiples of 8 = sizeof(struct sadb_alg). */
	n = (len - sizeof(struct sadb_supported)) / sizeof(a);
	out_printf(c->o, " algs=%zu", n);
	pr_reserved(c, p + offsetof(struct sadb_supported,
	    sadb_supported_reserved), 4);
	for (i = 0; i < n; i++) {
		q = p + sizeof(struct sadb_supported) + i * sizeof(a);
		memcpy(&a, q, sizeof(a));
		out_putc(c->o, '\n');
		pr_line(c, 4);
		out_printf(c->o, "alg#%zu: ", i);
		pr_alg(c, kind, a.sadb_alg_id);
		out_printf(c->o, " ivlen=%u bits=%u-%u", a.sadb_alg_ivlen,
		    a.sadb_alg_minbits, a.sadb_alg_maxbits);
		pr_reserved(c, q + offsetof(struct sadb_alg,
		    sadb_alg_reserved), 2);
	}
}

static void
pr_spirange(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_spirange r;

	memcpy(&r, p, sizeof(r));
	/* Host order on the wire, unlike sadb_sa_spi. */
	out_printf(c->o, " min=0x%08x(%u) max=0x%08x(%u)",
	    (unsigned)r.sadb_spirange_min, (unsigned)r.sadb_spirange_min,
	    (unsigned)r.sadb_spirange_max, (unsigned)r.sadb_spirange_max);
	pr_reserved(c, p + offsetof(struct sadb_spirange,
	    sadb_spirange_reserved), 4);
}

static void
pr_kmprivate(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	pr_reserved(c, p + offsetof(struct sadb_x_kmprivate,
	    sadb_x_kmprivate_reserved), 4);
}

static void
pr_policy(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct pfkey_policy pol;
	const struct pfkey_ipsecreq *r;
	unsigned i;
	int rc;

	if ((rc = pfkey_get_policy(c->m, &pol)) != 0) {
		out_printf(c->o, " <%s>", pfkey_strerror(rc));
		return;
	}
	out_puts(c->o, " type=");
	pr_name(c, pfkey_policy_type_name(pol.type), pol.type);
	out_puts(c->o, " dir=");
	pr_name(c, pfkey_dir_name(pol.dir), pol.dir);
	if (c->d == PFKEY_DIALECT_FREEBSD) {
		out_puts(c->o, " scope=");
		pr_name(c, scope_name(pol.scope), pol.scope);
	}
	out_printf(c->o, " id=%u", (unsigned)pol.id);
	/* FreeBSD reuses the priority word as the ifindex of ifnet scope. */
	if (c->d == PFKEY_DIALECT_FREEBSD && pol.scope == PFKEY_SCOPE_IFNET)
		out_printf(c->o, " ifindex=%u", (unsigned)pol.priority);
	else
		out_printf(c->o, " priority=%u", (unsigned)pol.priority);
	out_printf(c->o, " reqs=%u", pol.nreq);
	/* Linux's scope byte is reserved; pfkey_get_policy() drops it. */
	if (c->d == PFKEY_DIALECT_LINUX)
		pr_reserved(c, p + offsetof(struct pfkey_x_policy, scope), 1);
	for (i = 0; i < pol.nreq; i++) {
		r = &pol.req[i];
		out_putc(c->o, '\n');
		pr_line(c, 4);
		out_printf(c->o, "req#%u: proto=", i);
		pr_name(c, pfkey_ipproto_name(r->proto), r->proto);
		out_puts(c->o, " mode=");
		pr_name(c, pfkey_mode_name(r->mode), r->mode);
		out_puts(c->o, " level=");
		pr_name(c, pfkey_level_name(r->level), r->level);
		out_printf(c->o, " reqid=%u", (unsigned)r->reqid);
		if (r->src.ss_family != AF_UNSPEC) {
			out_puts(c->o, " src=");
			pr_endpoint(c, &r->src);
			out_puts(c->o, " dst=");
			pr_endpoint(c, &r->dst);
		}
	}
}

static void
pr_sa2(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_x_sa2 s;

	memcpy(&s, p, sizeof(s));
	out_puts(c->o, " mode=");
	pr_name(c, pfkey_mode_name(s.sadb_x_sa2_mode), s.sadb_x_sa2_mode);
	out_printf(c->o, " sequence=%u reqid=%u",
	    (unsigned)s.sadb_x_sa2_sequence, (unsigned)s.sadb_x_sa2_reqid);
	pr_reserved(c, p + offsetof(struct sadb_x_sa2, sadb_x_sa2_reserved1),
	    3);
}

static void
pr_nat_t_type(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_x_nat_t_type t;
	const char *name = NULL;

	memcpy(&t, p, sizeof(t));
	if (t.sadb_x_nat_t_type_type == PFKEY_NATT_ESPINUDP_NON_IKE)
		name = "esp-in-udp-non-ike";
	else if (t.sadb_x_nat_t_type_type == PFKEY_NATT_ESPINUDP)
		name = "esp-in-udp";
	out_puts(c->o, " type=");
	pr_named_num(c, name, t.sadb_x_nat_t_type_type);
	pr_reserved(c, p + offsetof(struct sadb_x_nat_t_type,
	    sadb_x_nat_t_type_reserved), 3);
}

static void
pr_nat_t_port(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sadb_x_nat_t_port pt;

	memcpy(&pt, p, sizeof(pt));
	out_printf(c->o, " port=%u", ntohs(pt.sadb_x_nat_t_port_port));
	pr_reserved(c, p + offsetof(struct sadb_x_nat_t_port,
	    sadb_x_nat_t_port_reserved), 2);
}

static void
pr_sec_ctx(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct pfkey_x_sec_ctx s;

	memcpy(&s, p, sizeof(s));
	out_printf(c->o, " doi=%u alg=%u len=%u ", s.doi, s.alg, s.ctx_len);
	/* The decoder checked that ctx_len bytes fit. */
	pr_quoted(c, p + sizeof(s), s.ctx_len);
}

static void
pr_kmaddress(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct sockaddr_storage a, b;
	size_t used;

	/* The decoder read both sockaddrs the same way. */
	if (pfkey_d_sa_read(c->d, p + 8, len - 8, &a, &used) != 0 ||
	    pfkey_d_sa_read(c->d, p + 8 + used, len - 8 - used, &b,
	    NULL) != 0) {
		out_printf(c->o, " <%s>", pfkey_strerror(PFKEY_ERR_SOCKADDR));
		return;
	}
	out_puts(c->o, " local=");
	pr_endpoint(c, &a);
	out_puts(c->o, " remote=");
	pr_endpoint(c, &b);
	pr_reserved(c, p + offsetof(struct pfkey_x_kmaddress, reserved), 4);
}

static void
pr_filter(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct pfkey_x_filter f;
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (void *)&ss;
	struct sockaddr_in6 *sin6 = (void *)&ss;
	int i;

	memcpy(&f, p, sizeof(f));
	for (i = 0; i < 2; i++) {
		memset(&ss, 0, sizeof(ss));
		/* The decoder allows only the two Linux families. */
		if (f.family == PFKEY_LX_AF_INET) {
			ss.ss_family = AF_INET;
			memcpy(&sin->sin_addr, i == 0 ? f.saddr : f.daddr, 4);
		} else {
			ss.ss_family = AF_INET6;
			memcpy(&sin6->sin6_addr, i == 0 ? f.saddr : f.daddr,
			    16);
		}
		out_puts(c->o, i == 0 ? " src=" : " dst=");
		pr_ss(c, &ss);
		out_printf(c->o, "/%u", i == 0 ? f.splen : f.dplen);
	}
}

static void
pr_nat_t_frag(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct pfkey_x_nat_t_frag f;

	memcpy(&f, p, sizeof(f));
	out_printf(c->o, " fraglen=%u", f.fraglen);
	pr_reserved(c, p + offsetof(struct pfkey_x_nat_t_frag, reserved), 2);
}

static void
pr_sa_replay(struct pr *c, int ext, const uint8_t *p, size_t len)
{
	struct pfkey_x_sa_replay r;

	memcpy(&r, p, sizeof(r));
	out_printf(c->o, " replay=%u", (unsigned)r.replay);
}

/* One row per logical extension, in logical (= printing) order. */
static const struct {
	int		ext;
	ext_print_fn	print;
} ext_rows[] = {
	{ PFKEY_EXT_SA, pr_sa },
	{ PFKEY_EXT_LIFETIME_CURRENT, pr_lifetime },
	{ PFKEY_EXT_LIFETIME_HARD, pr_lifetime },
	{ PFKEY_EXT_LIFETIME_SOFT, pr_lifetime },
	{ PFKEY_EXT_ADDRESS_SRC, pr_address },
	{ PFKEY_EXT_ADDRESS_DST, pr_address },
	{ PFKEY_EXT_ADDRESS_PROXY, pr_address },
	{ PFKEY_EXT_KEY_AUTH, pr_key },
	{ PFKEY_EXT_KEY_ENCRYPT, pr_key },
	{ PFKEY_EXT_IDENTITY_SRC, pr_identity },
	{ PFKEY_EXT_IDENTITY_DST, pr_identity },
	{ PFKEY_EXT_SENSITIVITY, pr_sensitivity },
	{ PFKEY_EXT_PROPOSAL, pr_proposal },
	{ PFKEY_EXT_SUPPORTED_AUTH, pr_supported },
	{ PFKEY_EXT_SUPPORTED_ENCRYPT, pr_supported },
	{ PFKEY_EXT_SPIRANGE, pr_spirange },
	{ PFKEY_EXT_X_KMPRIVATE, pr_kmprivate },
	{ PFKEY_EXT_X_POLICY, pr_policy },
	{ PFKEY_EXT_X_SA2, pr_sa2 },
	{ PFKEY_EXT_X_NAT_T_TYPE, pr_nat_t_type },
	{ PFKEY_EXT_X_NAT_T_SPORT, pr_nat_t_port },
	{ PFKEY_EXT_X_NAT_T_DPORT, pr_nat_t_port },
	{ PFKEY_EXT_X_NAT_T_OA, pr_address },
	{ PFKEY_EXT_X_NAT_T_OAR, pr_address },
	{ PFKEY_EXT_X_SEC_CTX, pr_sec_ctx },
	{ PFKEY_EXT_X_KMADDRESS, pr_kmaddress },
	{ PFKEY_EXT_X_NAT_T_FRAG, pr_nat_t_frag },
	{ PFKEY_EXT_X_FILTER, pr_filter },
	{ PFKEY_EXT_X_SA_REPLAY, pr_sa_replay },
	{ PFKEY_EXT_X_NEW_ADDRESS_SRC, pr_address },
	{ PFKEY_EXT_X_NEW_ADDRESS_DST, pr_address },
};

_Static_assert(nitems(ext_rows) == PFKEY_EXT_COUNT - 1,
    "pfkey_print: one row per logical extension");
_Static_assert(sizeof(struct sadb_comb) == 72, "sadb_comb layout");
_Static_assert(sizeof(struct sadb_alg) == 8, "sadb_alg layout");

/* ---------------------------------------------------------------- hexdump */

/*
 * Key bytes to mask in the hex dump, found by a lenient walk of the raw
 * bytes rather than from the view: an X_PROMISC message carries another
 * message the outer view does not describe, and that one may not even
 * decode.  Where the walk loses its footing, everything after is masked,
 * since it might be key material.
 */
struct secrets {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;		/* next extension header */
	int		 wauth;		/* wire numbers of the key exts */
	int		 wenc;
};

static void
secrets_init(struct secrets *s, const uint8_t *p, size_t len,
    enum pfkey_dialect d)
{
	size_t o = 0;

	/* Step over X_PROMISC headers to the innermost message's. */
	while (len - o > PFKEY_HDRLEN && p[o + 1] == PFKEY_MSG_X_PROMISC)
		o += PFKEY_HDRLEN;
	o = len - o >= PFKEY_HDRLEN ? o + PFKEY_HDRLEN : len;
	s->p = p;
	s->len = len;
	s->off = o;
	s->wauth = pfkey_ext_to_wire(d, PFKEY_EXT_KEY_AUTH);
	s->wenc = pfkey_ext_to_wire(d, PFKEY_EXT_KEY_ENCRYPT);
}

/* The next secret byte range [*start, *end), in increasing order. */
static bool
secrets_next(struct secrets *s, size_t *start, size_t *end)
{
	size_t o, elen;
	int type;

	while (s->off < s->len) {
		o = s->off;
		if (s->len - o < sizeof(struct sadb_ext)) {
			/* Too short to be an extension, let alone a key. */
			s->off = s->len;
			return (false);
		}
		elen = (size_t)rd16(s->p + o) * PFKEY_UNIT;
		type = rd16(s->p + o + 2);
		if (elen == 0 || elen > s->len - o) {
			*start = o + sizeof(struct sadb_ext);
			*end = s->len;
			s->off = s->len;
			return (true);
		}
		s->off = o + elen;
		if ((type == s->wauth || type == s->wenc) &&
		    elen > sizeof(struct sadb_key)) {
			*start = o + sizeof(struct sadb_key);
			*end = o + elen;
			return (true);
		}
	}
	return (false);
}

static void
pr_hexdump(struct pr *c)
{
	const uint8_t *p = (const uint8_t *)c->m->hdr;
	struct secrets s;
	size_t i, start = 0, end = 0;
	bool mask, more = false;

	if ((c->flags & PFKEY_PR_KEYS) == 0) {
		secrets_init(&s, p, c->m->len, c->d);
		more = secrets_next(&s, &start, &end);
	}
	for (i = 0; i < c->m->len; i++) {
		if (i % 16 == 0) {
			if (i > 0)
				out_putc(c->o, '\n');
			pr_line(c, 2);
			out_printf(c->o, "%04zx:", i);
		}
		while (more && i >= end)
			more = secrets_next(&s, &start, &end);
		mask = more && i >= start;
		if (mask)
			out_puts(c->o, " xx");
		else
			out_printf(c->o, " %02x", p[i]);
	}
	out_putc(c->o, '\n');
}

/* ---------------------------------------------------------------- message */

static void
pr_header(struct pr *c)
{
	struct sadb_msg h;
	const char *en;

	memcpy(&h, c->m->hdr, sizeof(h));
	pr_line(c, 0);
	pr_name(c, pfkey_msgtype_name(h.sadb_msg_type), h.sadb_msg_type);
	out_puts(c->o, " satype=");
	pr_name(c, pfkey_satype_name(h.sadb_msg_satype), h.sadb_msg_satype);
	out_printf(c->o, " errno=%u", h.sadb_msg_errno);
	if ((en = errno_name(c->d, h.sadb_msg_errno)) != NULL)
		out_printf(c->o, "(%s)", en);
	out_printf(c->o, " seq=%u pid=%u len=%zu dialect=%s",
	    (unsigned)h.sadb_msg_seq, (unsigned)h.sadb_msg_pid, c->m->len,
	    pfkey_dialect_name(c->d));
	pr_reserved(c, (const uint8_t *)c->m->hdr + offsetof(struct sadb_msg,
	    sadb_msg_reserved), 2);
	out_putc(c->o, '\n');
}

/*
 * An X_PROMISC message carries either nothing (the on/off toggle) or a
 * whole message after its header: decode that one as what the kernel
 * broadcast and print it one level in.
 */
static void
pr_promisc(struct pr *c)
{
	const uint8_t *inner;
	uint8_t *copy = NULL;
	size_t ilen = c->m->len - PFKEY_HDRLEN;
	struct pfkey_msg em;
	struct pr sub;
	char err[256];
	int rc;

	if (ilen == 0)
		return;
	pr_line(c, 2);
	out_printf(c->o, "EMBEDDED: len=%zu", ilen);
	if (c->depth >= PR_MAXDEPTH) {
		out_puts(c->o, " error: nested too deep, not decoded\n");
		return;
	}
	inner = (const uint8_t *)c->m->hdr + PFKEY_HDRLEN;
	/*
	 * pfkey_decode() wants 8-byte alignment.  A decoded view's header is
	 * aligned, so the inner message is too; copy only for a view whose
	 * buffer is not (and wipe the copy: it may hold keys).
	 */
	if (((uintptr_t)inner & 7) != 0) {
		if ((copy = malloc(ilen)) == NULL) {
			c->o->error = PFKEY_ERR_NOMEM;
			return;
		}
		memcpy(copy, inner, ilen);
		inner = copy;
	}
	rc = pfkey_decode(inner, ilen, c->d,
	    PFKEY_DEC_FROM_KERNEL | PFKEY_DEC_NOREQ, &em);
	if (rc != 0) {
		(void)pfkey_decode_error(&em, rc, err, sizeof(err));
		out_printf(c->o, " error: %s\n", err);
	} else {
		out_putc(c->o, '\n');
		sub = *c;
		sub.m = &em;
		sub.indent = c->indent + 4;
		sub.depth = c->depth + 1;
		/* The outer dump already shows these bytes. */
		sub.flags = c->flags & ~PFKEY_PR_HEX;
		pr_msg(&sub);
	}
	if (copy != NULL) {
		explicit_bzero(copy, ilen);
		free(copy);
	}
}

static void
pr_msg(struct pr *c)
{
	const uint8_t *p;
	size_t i, len;
	int e;

	pr_header(c);
	if (((const uint8_t *)c->m->hdr)[offsetof(struct sadb_msg,
	    sadb_msg_type)] == PFKEY_MSG_X_PROMISC)
		pr_promisc(c);
	else {
		for (i = 0; i < nitems(ext_rows); i++) {
			e = ext_rows[i].ext;
			if ((p = (const uint8_t *)c->m->ext[e]) == NULL)
				continue;
			len = (size_t)rd16(p) * PFKEY_UNIT;
			pr_line(c, 2);
			out_printf(c->o, "%s:", pfkey_ext_name(e));
			ext_rows[i].print(c, e, p, len);
			out_putc(c->o, '\n');
		}
	}
	if (c->flags & PFKEY_PR_HEX)
		pr_hexdump(c);
}

int
pfkey_print(const struct pfkey_msg *m, int flags, char *buf, size_t bufsz)
{
	struct out o;
	struct pr c;
	const uint8_t *h;

	if (m == NULL || m->hdr == NULL || (flags & ~PR_FLAGS) != 0 ||
	    (buf == NULL && bufsz > 0))
		return (PFKEY_ERR_INVAL);
	/* A view pfkey_decode() filled: a header whose length is the view's. */
	h = (const uint8_t *)m->hdr;
	if (m->len < PFKEY_HDRLEN || m->len > PFKEY_MSG_MAXLEN ||
	    (size_t)rd16(h + 4) * PFKEY_UNIT != m->len || h[0] != PFKEY_V2)
		return (PFKEY_ERR_INVAL);

	memset(&o, 0, sizeof(o));
	o.buf = buf;
	o.size = bufsz;
	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.m = m;
	c.d = pfkey_dialect_resolve(m->dialect);
	c.flags = flags;
	pr_msg(&c);

	if (bufsz > 0)
		buf[o.len < bufsz ? o.len : bufsz - 1] = '\0';
	if (o.error != 0)
		return (o.error);
	if (o.len > INT_MAX)
		return (PFKEY_ERR_NOSPACE);
	return ((int)o.len);
}
