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
 * The policy language of ipsec_set_policy(3) and ipsec_dump_policy(3), as
 * ipsec-tools 0.8.2 (Linux) and FreeBSD libipsec speak it.
 *
 * The parser is a hand-written scanner plus recursive descent.  The
 * scanner cuts tokens the way the reference flex lexers do (a word is the
 * longest run of address characters, so "outipsec" is one unknown word and
 * "::1-::2" is two addresses around a hyphen), and whitespace may sit
 * between any two tokens ("esp / transport / ::1-::2" is valid).
 *
 * The printer follows the reference printers byte for byte because
 * `setkey -DP' output is compared with theirs.  Where the two languages
 * disagree the parser accepts what the printer writes, so that
 * print(parse(x)) is a fixed point:
 *  - "LEVEL:N" and "LEVEL#N" for every level (the printers append the
 *    reqid to any level, with '#' above PFKEY_REQID_MAX); the reference
 *    lexers know only "unique:N".
 *  - a bare direction ("out", for spddelete) gets the default priority on
 *    Linux, like "out ipsec", so it prints back the same way.
 *  - priorities that would come out as kernel priority 0 are refused: the
 *    Linux printer shows 0 as "no priority", which parses back as the
 *    default priority.
 * Mode and direction "any" are printed (the kernel structure can hold
 * them) but never parsed, as in the reference grammars; kernels refuse
 * them in SPD entries anyway.
 *
 * Beyond the references: "beet" and "iptfs" modes on Linux (the printer
 * names them instead of failing), "[port]" endpoints in the FreeBSD
 * dialect too, and numeric addresses only, read with inet_pton(3)
 * rather than getaddrinfo(3), so inet_aton shorthand like "10.1" is out.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pfkey_priv.h"


/* Which dialects know a keyword; KW_NOPARSE marks print-only words. */
#define KW_LINUX	0x01
#define KW_FREEBSD	0x02
#define KW_BOTH		(KW_LINUX | KW_FREEBSD)
#define KW_NOPARSE	0x04

struct kw {
	const char	*name;
	uint32_t	 value;
	int		 flags;
};

/* One table per position; the printer uses them too, so names agree. */
static const struct kw dir_kw[] = {
	{ "any", PFKEY_DIR_ANY, KW_BOTH | KW_NOPARSE },
	{ "in", PFKEY_DIR_INBOUND, KW_BOTH },
	{ "out", PFKEY_DIR_OUTBOUND, KW_BOTH },
	{ "fwd", PFKEY_DIR_FWD, KW_LINUX },
};

static const struct kw action_kw[] = {
	{ "discard", PFKEY_POLICY_DISCARD, KW_BOTH },
	{ "none", PFKEY_POLICY_NONE, KW_BOTH },
	{ "ipsec", PFKEY_POLICY_IPSEC, KW_BOTH },
	{ "entrust", PFKEY_POLICY_ENTRUST, KW_BOTH },
	{ "bypass", PFKEY_POLICY_BYPASS, KW_BOTH },
};

static const struct kw proto_kw[] = {
	{ "esp", PFKEY_IPPROTO_ESP, KW_BOTH },
	{ "ah", PFKEY_IPPROTO_AH, KW_BOTH },
	{ "ipcomp", PFKEY_IPPROTO_IPCOMP, KW_BOTH },
	{ "tcp", PFKEY_IPPROTO_TCP, KW_FREEBSD },	/* TCP-MD5 */
};

static const struct kw mode_kw[] = {
	{ "any", PFKEY_MODE_ANY, KW_BOTH | KW_NOPARSE },
	{ "transport", PFKEY_MODE_TRANSPORT, KW_BOTH },
	{ "tunnel", PFKEY_MODE_TUNNEL, KW_BOTH },
	{ "beet", PFKEY_MODE_BEET, KW_LINUX },
	{ "iptfs", PFKEY_MODE_IPTFS, KW_LINUX },
};

static const struct kw level_kw[] = {
	{ "default", PFKEY_LEVEL_DEFAULT, KW_BOTH },
	{ "use", PFKEY_LEVEL_USE, KW_BOTH },
	{ "require", PFKEY_LEVEL_REQUIRE, KW_BOTH },
	{ "unique", PFKEY_LEVEL_UNIQUE, KW_BOTH },
};

/* Priority anchors (ipsec-tools PRIORITY_*); Linux only. */
static const struct kw anchor_kw[] = {
	{ "high", PFKEY_PRIORITY_HIGH, KW_LINUX },
	{ "def", PFKEY_PRIORITY_DEFAULT, KW_LINUX },
	{ "low", PFKEY_PRIORITY_LOW, KW_LINUX },
};

/*
 * Offsets allowed after an anchor, as ipsec-tools checks them
 * (PRIORITY_OFFSET_NEGATIVE_MAX / _POSITIVE_MAX): "+ N" raises the
 * preference, i.e. lowers the kernel value.
 */
#define PRIO_PLUS_MAX	0x40000000u
#define PRIO_MINUS_MAX	0x3fffffffu
/* "prio N" / "prio -N": an offset from the default, kept off 0. */
#define PRIO_PLAIN_MAX	0x7fffffffu

/* ------------------------------------------------------------- scanner */

enum tok_type {
	TK_EOF,
	TK_WORD,	/* [A-Za-z0-9:._%#]+ */
	TK_SLASH,
	TK_HYPHEN,
	TK_PLUS,
	TK_PORT,	/* "[" digits "]" */
	TK_BAD		/* any other byte */
};

struct token {
	enum tok_type	 type;
	size_t		 off;
	size_t		 len;
};

struct parser {
	const char		*s;
	size_t			 len;
	size_t			 pos;
	bool			 lx;		/* Linux dialect */
	uint8_t			 dir;
	struct token		 tok;		/* the lookahead */
	struct pfkey_policy_err	*err;
};

/*
 * The reference lexers' address class plus '%' (scope) and '#' (the
 * printers' "unique#N"); everything else ends a word.
 */
static bool
isword(char ch)
{
	unsigned char c = (unsigned char)ch;

	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == ':' || c == '.' || c == '_' ||
	    c == '%' || c == '#');
}

static bool
isdigit_c(char c)
{
	return (c >= '0' && c <= '9');
}

static void
next(struct parser *p)
{
	struct token *t = &p->tok;
	size_t i;

	while (p->pos < p->len && (p->s[p->pos] == ' ' ||
	    p->s[p->pos] == '\t' || p->s[p->pos] == '\n' ||
	    p->s[p->pos] == '\r'))
		p->pos++;
	t->off = p->pos;
	t->len = 1;
	if (p->pos == p->len) {
		t->type = TK_EOF;
		t->len = 0;
		return;
	}
	switch (p->s[p->pos]) {
	case '/':
		t->type = TK_SLASH;
		break;
	case '-':
		t->type = TK_HYPHEN;
		break;
	case '+':
		t->type = TK_PLUS;
		break;
	case '[':
		/* Only "[digits]" is a port, as in policy_token.l. */
		for (i = p->pos + 1; i < p->len && isdigit_c(p->s[i]); i++)
			;
		if (i > p->pos + 1 && i < p->len && p->s[i] == ']') {
			t->type = TK_PORT;
			t->len = i + 1 - p->pos;
		} else
			t->type = TK_BAD;
		break;
	default:
		if (!isword(p->s[p->pos])) {
			t->type = TK_BAD;
			break;
		}
		for (i = p->pos; i < p->len && isword(p->s[i]); i++)
			;
		t->type = TK_WORD;
		t->len = i - p->pos;
		break;
	}
	p->pos += t->len;
}

static bool
tok_is(const struct parser *p, const struct token *t, const char *word)
{
	size_t n = strlen(word);

	return (t->type == TK_WORD && t->len == n &&
	    memcmp(p->s + t->off, word, n) == 0);
}

static const struct kw *
kw_find(const struct kw *tab, size_t n, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(tab[i].name) == len &&
		    memcmp(tab[i].name, s, len) == 0)
			return (&tab[i]);
	return (NULL);
}

static const struct kw *
kw_tok(const struct parser *p, const struct kw *tab, size_t n,
    const struct token *t)
{
	if (t->type != TK_WORD)
		return (NULL);
	return (kw_find(tab, n, p->s + t->off, t->len));
}

static const char *
kw_name(const struct kw *tab, size_t n, uint32_t value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i].value == value)
			return (tab[i].name);
	return (NULL);
}

/* The input need not be NUL-terminated: never use the str*() family. */
static bool
all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit_c(s[i]))
			return (false);
	return (len > 0);
}

/*
 * Decimal digits only, no sign, at most `max'; leading zeros are fine
 * (the reference uses atol()).
 */
static bool
parse_num(const char *s, size_t len, uint64_t max, uint64_t *v)
{
	uint64_t n = 0, d;
	size_t i;

	if (len == 0)
		return (false);
	for (i = 0; i < len; i++) {
		if (!isdigit_c(s[i]))
			return (false);
		d = (uint64_t)(s[i] - '0');
		if (n > (max - d) / 10)
			return (false);
		n = n * 10 + d;
	}
	*v = n;
	return (true);
}

/* ------------------------------------------------------------- errors */

/*
 * A token as it may appear in a message: at most 40 bytes, unprintable
 * bytes as \xNN, so that any input yields a readable, bounded message.
 */
static void
quote(const struct parser *p, size_t off, size_t len, char *buf, size_t sz)
{
	size_t i, o = 0, shown = len > 40 ? 40 : len;
	unsigned char c;

	for (i = 0; i < shown && o + 5 < sz; i++) {
		c = (unsigned char)p->s[off + i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, sz - o, "\\x%02x", c);
	}
	if (shown < len && o + 4 < sz) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

static void
tokquote(const struct parser *p, const struct token *t, char *buf, size_t sz)
{
	quote(p, t->off, t->len, buf, sz);
}

static int
perr(struct parser *p, int code, const struct token *t, const char *fmt, ...)
    __attribute__((__format__(__printf__, 4, 5)));

static int
perr(struct parser *p, int code, const struct token *t, const char *fmt, ...)
{
	va_list ap;

	if (p->err != NULL) {
		p->err->offset = t->off;
		p->err->toklen = t->len;
		va_start(ap, fmt);
		(void)vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
		va_end(ap);
	}
	return (code);
}

/*
 * The lookahead is not what the grammar needs: name it (or the end of
 * the string) together with what was expected.
 */
static int
unexpected(struct parser *p, const char *want)
{
	char q[176];

	/* `want' is at most a line; the message is cut at msg[] anyway. */
	switch (p->tok.type) {
	case TK_EOF:
		return (perr(p, PFKEY_ERR_SYNTAX, &p->tok,
		    "policy ends early: expected %s", want));
	case TK_BAD:
		tokquote(p, &p->tok, q, sizeof(q));
		return (perr(p, PFKEY_ERR_SYNTAX, &p->tok,
		    "unexpected character \"%s\": expected %s", q, want));
	default:
		tokquote(p, &p->tok, q, sizeof(q));
		return (perr(p, PFKEY_ERR_SYNTAX, &p->tok,
		    "unexpected \"%s\": expected %s", q, want));
	}
}

/* A keyword (at `t') that only the other dialect has. */
static int
dialect_err(struct parser *p, const struct token *t)
{
	char q[176];

	tokquote(p, t, q, sizeof(q));
	return (perr(p, PFKEY_ERR_DIALECT, t,
	    "\"%s\" is not supported by the %s dialect", q,
	    p->lx ? "linux" : "freebsd"));
}

static bool
kw_in_dialect(const struct parser *p, const struct kw *k)
{
	return ((k->flags & (p->lx ? KW_LINUX : KW_FREEBSD)) != 0);
}

/* ------------------------------------------------------------- parser */

/* "prio N", "prio -N", "prio ANCHOR [{+|-} N]"; the lookahead is "prio". */
static int
parse_priority(struct parser *p, uint32_t *prio)
{
	const struct kw *k;
	struct token num;
	uint64_t n, max;
	bool minus = false;
	char q[176];

	next(p);
	if ((k = kw_tok(p, anchor_kw, nitems(anchor_kw), &p->tok)) != NULL) {
		*prio = k->value;
		next(p);
		if (p->tok.type != TK_PLUS && p->tok.type != TK_HYPHEN)
			return (0);
		minus = p->tok.type == TK_HYPHEN;
		next(p);
		if (p->tok.type != TK_WORD)
			return (unexpected(p, "a priority offset"));
		num = p->tok;
		/* Never reach 0: the printer shows it as "no priority". */
		max = minus ? PRIO_MINUS_MAX : PRIO_PLUS_MAX;
		if (!minus && max >= k->value)
			max = k->value - 1;
		if (!parse_num(p->s + num.off, num.len, max, &n)) {
			tokquote(p, &num, q, sizeof(q));
			return (perr(p, PFKEY_ERR_SYNTAX, &num,
			    "priority offset \"%s\" is not a number in 0-%u",
			    q, (unsigned)max));
		}
		*prio = minus ? k->value + (uint32_t)n : k->value - (uint32_t)n;
		next(p);
		return (0);
	}
	if (p->tok.type == TK_HYPHEN) {
		minus = true;
		next(p);
	}
	if (p->tok.type != TK_WORD)
		return (unexpected(p, minus ? "a priority offset" :
		    "a priority offset or low, def, high"));
	num = p->tok;
	if (!parse_num(p->s + num.off, num.len, PRIO_PLAIN_MAX, &n)) {
		tokquote(p, &num, q, sizeof(q));
		if (minus || all_digits(p->s + num.off, num.len))
			return (perr(p, PFKEY_ERR_SYNTAX, &num,
			    "priority offset \"%s\" is not a number in 0-%u",
			    q, PRIO_PLAIN_MAX));
		return (perr(p, PFKEY_ERR_SYNTAX, &num,
		    "unknown priority \"%s\": expected low, def, high or "
		    "a number", q));
	}
	/* ipsec-tools: kernel value = PRIORITY_DEFAULT - offset. */
	*prio = minus ? PFKEY_PRIORITY_DEFAULT + (uint32_t)n :
	    PFKEY_PRIORITY_DEFAULT - (uint32_t)n;
	next(p);
	return (0);
}

/* A level word: "unique", "unique:N", "require#N" ... */
static int
parse_level(struct parser *p, const struct token *t,
    struct pfkey_ipsecreq *r)
{
	const char *s = p->s + t->off;
	const struct kw *k;
	uint64_t n, max;
	size_t sep;
	char q[176];

	for (sep = 0; sep < t->len && s[sep] != ':' && s[sep] != '#'; sep++)
		;
	tokquote(p, t, q, sizeof(q));
	if ((k = kw_find(level_kw, nitems(level_kw), s, sep)) == NULL)
		return (perr(p, PFKEY_ERR_SYNTAX, t, "unknown level \"%s\"",
		    q));
	r->level = (uint8_t)k->value;
	r->reqid = 0;
	if (sep == t->len)
		return (0);
	/*
	 * ':' is the manual range of ipsec_set_policy(3); '#' is what the
	 * printers write for larger (kernel-assigned) reqids, which fit a
	 * u16 on FreeBSD and a u32 on Linux.
	 */
	max = s[sep] == ':' ? PFKEY_REQID_MAX : UINT32_MAX;
	if (!parse_num(s + sep + 1, t->len - sep - 1, max, &n) || n == 0)
		return (perr(p, PFKEY_ERR_SYNTAX, t,
		    "reqid in \"%s\" is not a number in 1-%u", q,
		    (unsigned)max));
	if (!p->lx && n > UINT16_MAX)
		return (perr(p, PFKEY_ERR_DIALECT, t,
		    "reqid in \"%s\" does not fit the freebsd dialect "
		    "(at most 65535)", q));
	r->reqid = (uint32_t)n;
	return (0);
}

/*
 * One endpoint: a numeric IPv4 or IPv6 address (inet_pton, so no
 * shorthand like "10.1"), IPv6 with an optional %scope (a number or an
 * interface name, as getaddrinfo(3) takes it), and an optional [port].
 */
static int
parse_addr(struct parser *p, const struct token *t, const struct token *port,
    struct sockaddr_storage *ss)
{
	char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], q[176];
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;
	char *scope;
	uint64_t n = 0;
	unsigned idx;

	tokquote(p, t, q, sizeof(q));
	memset(ss, 0, sizeof(*ss));
	if (t->len >= sizeof(buf))
		goto bad;
	memcpy(buf, p->s + t->off, t->len);
	buf[t->len] = '\0';
	if ((scope = strchr(buf, '%')) != NULL)
		*scope++ = '\0';
	if (strchr(buf, ':') != NULL) {
		if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) != 1)
			goto bad;
		sin6->sin6_family = AF_INET6;
#if defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
		sin6->sin6_len = sizeof(*sin6);
#endif
		/*
		 * policy_token.l allows only [A-Za-z0-9] after '%', but
		 * getnameinfo() prints names like "eth0.100" there, so take
		 * whatever the word holds and let if_nametoindex() judge.
		 */
		if (scope != NULL && parse_num(scope, strlen(scope),
		    UINT32_MAX, &n))
			sin6->sin6_scope_id = (uint32_t)n;
		else if (scope != NULL) {
			if ((idx = if_nametoindex(scope)) == 0)
				return (perr(p, PFKEY_ERR_SYNTAX, t,
				    "unknown scope in address \"%s\"", q));
			sin6->sin6_scope_id = idx;
		}
	} else {
		if (scope != NULL || inet_pton(AF_INET, buf,
		    &sin->sin_addr) != 1)
			goto bad;
		sin->sin_family = AF_INET;
#if defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
		sin->sin_len = sizeof(*sin);
#endif
	}
	if (port != NULL) {
		if (!parse_num(p->s + port->off + 1, port->len - 2, UINT16_MAX,
		    &n)) {
			tokquote(p, port, q, sizeof(q));
			return (perr(p, PFKEY_ERR_SYNTAX, port,
			    "port \"%s\" is not a number in 0-65535", q));
		}
		if (ss->ss_family == AF_INET)
			sin->sin_port = htons((uint16_t)n);
		else
			sin6->sin6_port = htons((uint16_t)n);
	}
	return (0);
bad:
	return (perr(p, PFKEY_ERR_SYNTAX, t, "invalid address \"%s\"", q));
}

/*
 * "src[port]-dst[port]", or the reference's placeholders "me-any"
 * (outbound only) and "any-me" (inbound only), which give no endpoints.
 */
static int
parse_addresses(struct parser *p, struct pfkey_ipsecreq *r)
{
	struct token a1 = p->tok, a2, pt1 = p->tok, pt2 = p->tok;
	bool me = tok_is(p, &a1, "me"), any = tok_is(p, &a1, "any");
	bool hasport1 = false, hasport2 = false;
	char q1[176], q2[176], want[256];
	int rc;

	if (me || any) {
		next(p);
		if (p->tok.type != TK_HYPHEN)
			return (unexpected(p, me ? "\"-any\" after \"me\"" :
			    "\"-me\" after \"any\""));
		next(p);
		if (!tok_is(p, &p->tok, me ? "any" : "me"))
			return (unexpected(p, me ? "\"any\" after \"me-\"" :
			    "\"me\" after \"any-\""));
		if (p->dir != (me ? PFKEY_DIR_OUTBOUND : PFKEY_DIR_INBOUND))
			return (perr(p, PFKEY_ERR_SYNTAX, &a1,
			    "\"%s\" is only valid in \"%s\" policies",
			    me ? "me-any" : "any-me", me ? "out" : "in"));
		next(p);
		return (0);
	}
	next(p);
	if (p->tok.type == TK_PORT) {
		pt1 = p->tok;
		hasport1 = true;
		next(p);
	}
	if (p->tok.type != TK_HYPHEN) {
		tokquote(p, &a1, q1, sizeof(q1));
		snprintf(want, sizeof(want), "\"-\" and a destination after "
		    "\"%s\"", q1);
		return (unexpected(p, want));
	}
	next(p);
	if (p->tok.type != TK_WORD)
		return (unexpected(p, "a destination address after \"-\""));
	a2 = p->tok;
	next(p);
	if (p->tok.type == TK_PORT) {
		pt2 = p->tok;
		hasport2 = true;
		next(p);
	}
	if ((rc = parse_addr(p, &a1, hasport1 ? &pt1 : NULL, &r->src)) != 0 ||
	    (rc = parse_addr(p, &a2, hasport2 ? &pt2 : NULL, &r->dst)) != 0)
		return (rc);
	/* policy_parse.y has no rule for a port on one side only. */
	if (hasport1 != hasport2)
		return (perr(p, PFKEY_ERR_SYNTAX, hasport1 ? &pt1 : &pt2,
		    "both endpoints need a [port], or neither"));
	if (r->src.ss_family != r->dst.ss_family) {
		tokquote(p, &a1, q1, sizeof(q1));
		tokquote(p, &a2, q2, sizeof(q2));
		return (perr(p, PFKEY_ERR_ADDRFAMILY, &a2,
		    "address families of \"%.40s\" and \"%.40s\" differ",
		    q1, q2));
	}
	return (0);
}

/*
 * proto/mode[/[src-dst][/[level]]] in the six shapes policy_parse.y
 * accepts: p/m/a/l, p/m/a/, p/m/a, p/m/, p/m//l and p/m.  A request ends
 * where the next protocol word (or the end) begins.
 */
static int
parse_request(struct parser *p, struct pfkey_ipsecreq *r)
{
	struct token pt = p->tok, mt;
	const struct kw *k;
	char q[176], want[256];
	int rc;

	memset(r, 0, sizeof(*r));
	if (p->tok.type != TK_WORD)
		return (unexpected(p, "a request (esp, ah or ipcomp)"));
	tokquote(p, &pt, q, sizeof(q));
	if ((k = kw_tok(p, proto_kw, nitems(proto_kw), &pt)) == NULL)
		return (perr(p, PFKEY_ERR_SYNTAX, &pt,
		    "unknown protocol \"%s\"", q));
	if (!kw_in_dialect(p, k))
		return (dialect_err(p, &pt));
	r->proto = (uint16_t)k->value;
	next(p);
	if (p->tok.type != TK_SLASH) {
		snprintf(want, sizeof(want), "\"/\" and a mode after \"%s\"",
		    q);
		return (unexpected(p, want));
	}
	next(p);
	mt = p->tok;
	if ((k = kw_tok(p, mode_kw, nitems(mode_kw), &mt)) == NULL) {
		if (mt.type != TK_WORD)
			return (unexpected(p, "a mode (transport or tunnel)"));
		tokquote(p, &mt, q, sizeof(q));
		return (perr(p, PFKEY_ERR_SYNTAX, &mt, "unknown mode \"%s\"",
		    q));
	}
	if ((k->flags & KW_NOPARSE) != 0)
		return (perr(p, PFKEY_ERR_SYNTAX, &mt,
		    "mode \"%s\" cannot be requested: use transport or tunnel",
		    k->name));
	if (!kw_in_dialect(p, k))
		return (dialect_err(p, &mt));
	r->mode = (uint8_t)k->value;
	next(p);
	if (p->tok.type != TK_SLASH)
		goto done;				/* p/m */
	next(p);
	if (p->tok.type == TK_SLASH) {			/* p/m//l */
		next(p);
		if (p->tok.type != TK_WORD)
			return (unexpected(p, "a level after \"//\""));
		if ((rc = parse_level(p, &p->tok, r)) != 0)
			return (rc);
		next(p);
		goto done;
	}
	if (p->tok.type == TK_EOF ||
	    kw_tok(p, proto_kw, nitems(proto_kw), &p->tok) != NULL)
		goto done;				/* p/m/ */
	if (p->tok.type != TK_WORD)
		return (unexpected(p, "\"src-dst\" endpoints or \"/\""));
	/* "esp/transport/require": the level needs its own slash. */
	if (kw_tok(p, level_kw, nitems(level_kw), &p->tok) != NULL)
		return (unexpected(p, "\"src-dst\" endpoints or \"/\" "
		    "before the level"));
	if ((rc = parse_addresses(p, r)) != 0)
		return (rc);
	if (p->tok.type != TK_SLASH)
		goto done;				/* p/m/a */
	next(p);
	if (p->tok.type != TK_WORD ||
	    kw_tok(p, proto_kw, nitems(proto_kw), &p->tok) != NULL)
		goto done;				/* p/m/a/ */
	if ((rc = parse_level(p, &p->tok, r)) != 0)	/* p/m/a/l */
		return (rc);
	next(p);
done:
	/*
	 * rule_check() of policy_parse.y: tunnel mode needs its outer
	 * addresses; transport may carry them, and the printers show them.
	 * IP-TFS is a tunnel mode too; BEET takes them from the SA.
	 */
	if ((r->mode == PFKEY_MODE_TUNNEL || r->mode == PFKEY_MODE_IPTFS) &&
	    r->src.ss_family == AF_UNSPEC) {
		tokquote(p, &mt, q, sizeof(q));
		return (perr(p, PFKEY_ERR_SYNTAX, &mt,
		    "%s mode needs \"src-dst\" endpoints", q));
	}
	return (0);
}

int
pfkey_policy_parse(const char *s, size_t len, enum pfkey_dialect d,
    struct pfkey_policy *pol, struct pfkey_policy_err *err)
{
	struct parser p;
	const struct kw *k;
	bool prio = false;
	char q[176];
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (pol == NULL || (s == NULL && len != 0))
		return (PFKEY_ERR_INVAL);
	memset(pol, 0, sizeof(*pol));
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.len = len;
	p.lx = pfkey_dialect_resolve(d) == PFKEY_DIALECT_LINUX;
	p.err = err;

	next(&p);
	if (p.tok.type != TK_WORD)
		return (unexpected(&p, "a direction (in or out)"));
	tokquote(&p, &p.tok, q, sizeof(q));
	k = kw_tok(&p, dir_kw, nitems(dir_kw), &p.tok);
	if (k == NULL || (k->flags & KW_NOPARSE) != 0)
		return (perr(&p, PFKEY_ERR_SYNTAX, &p.tok,
		    "unknown direction \"%s\"", q));
	if (!kw_in_dialect(&p, k))
		return (dialect_err(&p, &p.tok));
	pol->dir = p.dir = (uint8_t)k->value;
	next(&p);

	/*
	 * ipsec-tools gives every Linux policy the default priority unless
	 * one is named.  A bare direction (spddelete's "-P out") is treated
	 * alike, although the reference leaves it 0: the kernel ignores it
	 * there and this way it prints back as it parses.
	 */
	pol->type = PFKEY_POLICY_DISCARD;
	pol->priority = p.lx ? PFKEY_PRIORITY_DEFAULT : 0;
	if (p.tok.type == TK_EOF)
		return (0);
	if (tok_is(&p, &p.tok, "priority") || tok_is(&p, &p.tok, "prio")) {
		if (!p.lx)
			return (dialect_err(&p, &p.tok));
		if ((rc = parse_priority(&p, &pol->priority)) != 0)
			return (rc);
		prio = true;
	}
	if ((k = kw_tok(&p, action_kw, nitems(action_kw), &p.tok)) == NULL) {
		if (p.tok.type != TK_WORD)
			return (unexpected(&p, prio ? "an action after the "
			    "priority" : "an action (ipsec, discard, none, "
			    "entrust or bypass)"));
		tokquote(&p, &p.tok, q, sizeof(q));
		return (perr(&p, PFKEY_ERR_SYNTAX, &p.tok,
		    "unknown action \"%s\"", q));
	}
	pol->type = (uint16_t)k->value;
	next(&p);
	if (pol->type != PFKEY_POLICY_IPSEC && p.tok.type != TK_EOF)
		return (unexpected(&p, "the end: only \"ipsec\" takes "
		    "requests"));
	while (p.tok.type != TK_EOF) {
		if (pol->nreq == PFKEY_POLICY_MAXREQ) {
			tokquote(&p, &p.tok, q, sizeof(q));
			return (perr(&p, PFKEY_ERR_SYNTAX, &p.tok,
			    "too many requests at \"%s\": at most %d", q,
			    PFKEY_POLICY_MAXREQ));
		}
		if ((rc = parse_request(&p, &pol->req[pol->nreq])) != 0)
			return (rc);
		pol->nreq++;
	}
	return (0);
}

/* ------------------------------------------------------------- printer */

/*
 * snprintf-style output: counts everything, stores what fits.  setkey -DP
 * formats every policy of a dump, so the pieces are appended as they are
 * (no printf per token).
 */
struct out {
	char	*buf;
	size_t	 sz;
	size_t	 len;
};

/* Room left for characters (the last byte is the NUL's). */
static size_t
out_room(const struct out *o)
{
	return (o->len + 1 < o->sz ? o->sz - 1 - o->len : 0);
}

static void
out_char(struct out *o, char c)
{
	if (out_room(o) > 0)
		o->buf[o->len] = c;
	o->len++;
}

/* Keywords and addresses: short, so copied here rather than measured. */
static void
out_str(struct out *o, const char *s)
{
	size_t room = out_room(o), n;
	char *d;

	if (room == 0) {
		o->len += strlen(s);
		return;
	}
	/* (a local pointer: a store through o->buf could change *o) */
	d = o->buf + o->len;
	for (n = 0; s[n] != '\0'; n++)
		if (n < room)
			d[n] = s[n];
	o->len += n;
}

static void
out_mem(struct out *o, const char *s, size_t n)
{
	size_t room = out_room(o), i;
	char *d;

	if (room > 0) {
		d = o->buf + o->len;
		for (i = 0; i < n && i < room; i++)
			d[i] = s[i];
	}
	o->len += n;
}

/* "%u" */
static void
out_uint(struct out *o, uint32_t v)
{
	char t[10], *p = t + sizeof(t);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	out_mem(o, p, (size_t)(t + sizeof(t) - p));
}

/* inet_ntop(AF_INET): "%u.%u.%u.%u" */
static void
out_inet4(struct out *o, const uint8_t *a)
{
	char t[16];
	size_t n = 0;
	unsigned v;
	int i;

	for (i = 0; i < 4; i++) {
		if (i != 0)
			t[n++] = '.';
		v = a[i];
		if (v >= 100) {
			t[n++] = (char)('0' + v / 100);
			v %= 100;
			t[n++] = (char)('0' + v / 10);
		} else if (v >= 10)
			t[n++] = (char)('0' + v / 10);
		t[n++] = (char)('0' + v % 10);
	}
	out_mem(o, t, n);
}

/*
 * An endpoint as the reference set_address() prints it: getnameinfo(3)
 * with NI_NUMERICHOST (the host's rules for a scope: "%ifname" for
 * link-local, else "%N"), then "[port]" with NI_NUMERICSERV when asked.
 * Without a scope that is inet_ntop(3), "%u.%u.%u.%u" for IPv4, which is
 * written here directly.
 */
static int
out_addr(struct out *o, const struct sockaddr_storage *ss, bool withport)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char host[NI_MAXHOST];
	uint16_t port;

	if (ss->ss_family == AF_INET) {
		memcpy(&sin, ss, sizeof(sin));
		out_inet4(o, (const uint8_t *)&sin.sin_addr);
		port = ntohs(sin.sin_port);
	} else if (ss->ss_family == AF_INET6) {
		memcpy(&sin6, ss, sizeof(sin6));
		port = ntohs(sin6.sin6_port);
#if defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
		sin6.sin6_len = (uint8_t)sizeof(sin6);
#endif
		if (sin6.sin6_scope_id == 0) {
			if (inet_ntop(AF_INET6, &sin6.sin6_addr, host,
			    sizeof(host)) == NULL)
				return (PFKEY_ERR_FIELD);
		} else if (getnameinfo((struct sockaddr *)(void *)&sin6,
		    sizeof(sin6), host, sizeof(host), NULL, 0,
		    NI_NUMERICHOST) != 0)
			return (PFKEY_ERR_FIELD);
		out_str(o, host);
	} else
		return (PFKEY_ERR_FAMILY);
	if (withport) {
		out_char(o, '[');
		out_uint(o, port);
		out_char(o, ']');
	}
	return (0);
}

/* Look a value up; PFKEY_ERR_DIALECT if only the other dialect has it. */
static int
name_of(const struct kw *tab, size_t n, uint32_t value, bool lx,
    const char **name)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (tab[i].value != value)
			continue;
		if ((tab[i].flags & (lx ? KW_LINUX : KW_FREEBSD)) == 0)
			return (PFKEY_ERR_DIALECT);
		*name = tab[i].name;
		return (0);
	}
	return (PFKEY_ERR_FIELD);
}

/*
 * ipsec_dump_policy() of ipsec-tools built with priority support: 0 is
 * "no priority"; otherwise the nearest anchor, with the kernel distance
 * turned round so that it reads as typed ("def + 100" is more preferred,
 * i.e. a smaller kernel value).
 */
static void
out_priority(struct out *o, uint32_t prio)
{
	const char *anchor;
	int64_t off;

	if (prio == 0)
		return;
	if (prio < PFKEY_PRIORITY_DEFAULT / 4 * 3) {
		anchor = kw_name(anchor_kw, nitems(anchor_kw),
		    PFKEY_PRIORITY_HIGH);
		off = (int64_t)PFKEY_PRIORITY_HIGH - prio;
	} else if (prio < PFKEY_PRIORITY_DEFAULT / 4 * 5) {
		anchor = kw_name(anchor_kw, nitems(anchor_kw),
		    PFKEY_PRIORITY_DEFAULT);
		off = (int64_t)PFKEY_PRIORITY_DEFAULT - prio;
	} else {
		anchor = kw_name(anchor_kw, nitems(anchor_kw),
		    PFKEY_PRIORITY_LOW);
		off = (int64_t)PFKEY_PRIORITY_LOW - prio;
	}
	/* " prio %s", then " %c %u" */
	out_str(o, " prio ");
	out_str(o, anchor);
	if (off != 0) {
		out_char(o, ' ');
		out_char(o, off < 0 ? '-' : '+');
		out_char(o, ' ');
		out_uint(o, (uint32_t)(off < 0 ? -off : off));
	}
}

static int
out_request(struct out *o, const struct pfkey_ipsecreq *r, bool lx,
    bool withports)
{
	const char *proto, *mode, *level;
	int rc;

	if ((rc = name_of(proto_kw, nitems(proto_kw), r->proto, lx,
	    &proto)) != 0 ||
	    (rc = name_of(mode_kw, nitems(mode_kw), r->mode, lx, &mode)) != 0 ||
	    (rc = name_of(level_kw, nitems(level_kw), r->level, lx,
	    &level)) != 0)
		return (rc);
	if (!lx && r->reqid > UINT16_MAX)
		return (PFKEY_ERR_DIALECT);
	/* "%s/%s/" */
	out_str(o, proto);
	out_char(o, '/');
	out_str(o, mode);
	out_char(o, '/');
	if (r->src.ss_family != AF_UNSPEC || r->dst.ss_family != AF_UNSPEC) {
		if (r->src.ss_family != r->dst.ss_family)
			return (PFKEY_ERR_ADDRFAMILY);
		if ((rc = out_addr(o, &r->src, withports)) != 0)
			return (rc);
		out_char(o, '-');
		if ((rc = out_addr(o, &r->dst, withports)) != 0)
			return (rc);
	}
	out_char(o, '/');
	out_str(o, level);
	/* Both printers: ':' in the manual range, '#' above it ("%c%u"). */
	if (r->reqid != 0) {
		out_char(o, r->reqid > PFKEY_REQID_MAX ? '#' : ':');
		out_uint(o, r->reqid);
	}
	return (0);
}

int
pfkey_policy_format(const struct pfkey_policy *pol, enum pfkey_dialect d,
    int flags, char *buf, size_t bufsz)
{
	struct out o = { buf, bufsz, 0 };
	const char *dir, *type;
	bool lx = pfkey_dialect_resolve(d) == PFKEY_DIALECT_LINUX;
	unsigned i;
	int rc;

	if (buf == NULL && bufsz != 0)
		return (PFKEY_ERR_INVAL);
	rc = PFKEY_ERR_INVAL;
	if (pol == NULL || (flags & ~(PFKEY_PF_WITHPORTS |
	    PFKEY_PF_NEWLINES)) != 0 || (pol->type == PFKEY_POLICY_IPSEC &&
	    pol->nreq > PFKEY_POLICY_MAXREQ))
		goto fail;
	if ((rc = name_of(dir_kw, nitems(dir_kw), pol->dir, lx, &dir)) != 0 ||
	    (rc = name_of(action_kw, nitems(action_kw), pol->type, lx,
	    &type)) != 0)
		goto fail;
	out_str(&o, dir);
	/* FreeBSD has no priority; its field holds an ifindex there. */
	if (lx)
		out_priority(&o, pol->priority);
	out_char(&o, ' ');
	out_str(&o, type);
	/* Like the reference, other actions print no requests. */
	for (i = 0; pol->type == PFKEY_POLICY_IPSEC && i < pol->nreq; i++) {
		/* setkey -DP passes "\n\t" as the delimiter. */
		out_str(&o, (flags & PFKEY_PF_NEWLINES) ? "\n\t" : " ");
		if ((rc = out_request(&o, &pol->req[i], lx,
		    (flags & PFKEY_PF_WITHPORTS) != 0)) != 0)
			goto fail;
	}
	rc = PFKEY_ERR_NOSPACE;
	if (o.len > INT32_MAX)
		goto fail;
	if (bufsz > 0)
		buf[o.len < bufsz ? o.len : bufsz - 1] = '\0';
	return ((int)o.len);
fail:
	/* Never leave half a policy behind. */
	if (bufsz > 0)
		buf[0] = '\0';
	return (rc);
}
