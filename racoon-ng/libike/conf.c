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
 * conf.c: the racoon.conf parser, a recursive descent over the tokens of
 * conf_lex.c that fills a struct rcn_config.
 *
 * Errors.  Every message is "FILE:LINE:COL: text" and names the token.
 * A bad statement is skipped (up to its ";" or the end of its block) and
 * parsing goes on, so one run reports every problem; a lexical error, or
 * CONF_MAX_ERRORS of them, stops it.  Any error makes conf_load() fail
 * and free everything: a configuration is used whole or not at all.
 *
 * Racoon statements racoon-ng does not implement fall in two groups (the
 * list is in racoon-ng.conf(5)): those whose absence would change what
 * is negotiated or who may connect are errors ("... is not supported by
 * racoon-ng"); those that are safe to ignore are warnings.  In lists of
 * alternatives (exchange_mode, the sainfo algorithms) an unsupported
 * entry is dropped with a warning, since that only narrows what is
 * accepted; a list left empty is an error.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "conf_priv.h"

#define CONF_FILE_MAX	(16 * 1024 * 1024)
#define MSG_MAX		1024

struct incl {
	dev_t		 dev;
	ino_t		 ino;
};

struct parser {
	struct rcn_config *cfg;
	struct conf_msgs *msgs;
	unsigned	 flags;
	unsigned	 nerrors;
	bool		 stop;		/* no more parsing */
	bool		 nomem;
	struct conf_lexer *lx;
	const char	*file;		/* current file, cfg-owned */
	char		*topdir;	/* directory of the main file */
	unsigned	 depth;		/* include nesting */
	struct incl	 stack[CONF_MAX_INCLUDE + 1];
	unsigned	 nstack;

	/* Checks made once the whole file is read. */
	bool		 psk_used;
	struct conf_where psk_where;
	char		 psk_remote[128];
	bool		 socket_set;
	struct conf_where socket_where;
	bool		 privsep_seen;
};

/* ------------------------------------------------------------ messages */

static void
quote_into(const char *s, size_t n, char *buf, size_t len)
{
	size_t o = 0, i;
	unsigned char c;

	if (len < 8) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	buf[o++] = '"';
	for (i = 0; i < n; i++) {
		if (o + 8 >= len || i >= 64) {
			buf[o++] = '.';
			buf[o++] = '.';
			buf[o++] = '.';
			break;
		}
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c > 0x7e) {
			(void)snprintf(buf + o, len - o, "\\x%02x", c);
			o += 4;
		} else
			buf[o++] = (char)c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

static void
tokstr(const struct conf_token *t, char *buf, size_t len)
{
	switch (t->type) {
	case CT_EOF:
		(void)strlcpy(buf, "end of file", len);
		break;
	case CT_ERROR:
		(void)strlcpy(buf, "an invalid token", len);
		break;
	default:
		quote_into(t->text, t->len, buf, len);
		break;
	}
}

/* Append a message; takes `text' (NULL: out of memory). */
static void
add_msg(struct parser *p, bool warning, char *text)
{
	struct conf_msg *m;

	if (text == NULL || (m = calloc(1, sizeof(*m))) == NULL) {
		free(text);
		p->nomem = true;
		p->stop = true;
		return;
	}
	m->warning = warning;
	m->text = text;
	TAILQ_INSERT_TAIL(p->msgs, m, entry);
}

static void __attribute__((format(printf, 6, 0)))
vmsg(struct parser *p, bool warning, const char *file, unsigned line,
    unsigned col, const char *fmt, va_list ap)
{
	char body[MSG_MAX], *text;
	int rc;

	if (!warning) {
		if (p->nerrors >= CONF_MAX_ERRORS)
			return;
		p->nerrors++;
	}
	(void)vsnprintf(body, sizeof(body), fmt, ap);
	if (line > 0)
		rc = asprintf(&text, "%s:%u:%u: %s%s", file, line, col,
		    warning ? "warning: " : "", body);
	else
		rc = asprintf(&text, "%s: %s%s", file,
		    warning ? "warning: " : "", body);
	add_msg(p, warning, rc == -1 ? NULL : text);
	if (!warning && p->nerrors >= CONF_MAX_ERRORS) {
		if (asprintf(&text, "%s:%u:%u: too many errors, stopping",
		    file, line, col) == -1)
			text = NULL;
		add_msg(p, false, text);
		p->stop = true;
	}
}

static void __attribute__((format(printf, 3, 4)))
perr(struct parser *p, const struct conf_token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, false, p->file, t->line, t->col, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 3, 4)))
pwarn(struct parser *p, const struct conf_token *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, true, p->file, t->line, t->col, fmt, ap);
	va_end(ap);
}

static void __attribute__((format(printf, 4, 5)))
perr_at(struct parser *p, bool warning, const struct conf_where *w,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, warning, w->file, w->line, w->col, fmt, ap);
	va_end(ap);
}

/* A message about a whole file ("FILE: text"). */
static void __attribute__((format(printf, 3, 4)))
perr_file(struct parser *p, const char *file, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(p, false, file, 0, 0, fmt, ap);
	va_end(ap);
}

static void
oom(struct parser *p)
{
	if (!p->nomem) {
		perr_file(p, p->file != NULL ? p->file : "racoon-ng.conf",
		    "out of memory");
		p->nomem = true;
	}
	p->stop = true;
}

static char *
pstrdup(struct parser *p, const char *s)
{
	char *d;

	if ((d = strdup(s)) == NULL)
		oom(p);
	return (d);
}

static void
where_of(const struct parser *p, const struct conf_token *t,
    struct conf_where *w)
{
	w->file = p->file;
	w->line = t->line;
	w->col = t->col;
}

/* -------------------------------------------------------------- tokens */

static const struct conf_token *
peek(struct parser *p, unsigned n)
{
	return (conf_lex_peek(p->lx, n));
}

static const struct conf_token *
next(struct parser *p)
{
	const struct conf_token *t;

	t = conf_lex_next(p->lx);
	if (t->type == CT_ERROR && !p->stop) {
		perr(p, t, "%s", t->text);
		p->stop = true;
	}
	return (t);
}

static bool
is_word(const struct conf_token *t, const char *w)
{
	return (t->type == CT_WORD && strcmp(t->text, w) == 0);
}

/*
 * Skip what is left of a bad statement: up to and including its ";" or
 * the "}" closing a block it opened, but not the "}" of the block the
 * statement is in.
 */
static void
skip_stmt(struct parser *p)
{
	const struct conf_token *t;
	unsigned depth = 0;

	while (!p->stop) {
		t = peek(p, 0);
		switch (t->type) {
		case CT_EOF:
			return;
		case CT_ERROR:
			(void)next(p);
			return;
		case CT_SEMI:
			(void)next(p);
			if (depth == 0)
				return;
			break;
		case CT_LBRACE:
			depth++;
			(void)next(p);
			break;
		case CT_RBRACE:
			if (depth == 0)
				return;
			(void)next(p);
			if (--depth == 0) {
				if (peek(p, 0)->type == CT_SEMI)
					(void)next(p);
				return;
			}
			break;
		default:
			(void)next(p);
			break;
		}
	}
}

/* Consume a token of the given type, or report what was found instead. */
static int
expect(struct parser *p, enum conf_tok type, const char *what)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];

	if (t->type == type) {
		(void)next(p);
		return (0);
	}
	if (t->type == CT_ERROR) {
		(void)next(p);
		return (-1);
	}
	tokstr(t, buf, sizeof(buf));
	perr(p, t, "expected %s, found %s", what, buf);
	return (-1);
}

/*
 * The ";" that ends a statement.  When it is missing and what follows
 * looks like the next statement (a word, or the "}" of the block), the
 * error is reported and -2 returned so that the caller does not skip
 * that next statement as the rest of this one.
 */
static int
end_stmt(struct parser *p)
{
	enum conf_tok next_type = peek(p, 0)->type;

	if (expect(p, CT_SEMI, "\";\"") == 0)
		return (0);
	return (next_type == CT_WORD || next_type == CT_RBRACE ? -2 : -1);
}

/* A number (decimal, or hex with 0x) within [min, max]. */
static int
parse_num(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	unsigned d;
	bool hex = false;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		hex = true;
		s += 2;
	}
	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (hex && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (hex && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return (-1);
		if (v > (UINT64_MAX - d) / (hex ? 16 : 10))
			return (-2);
		v = v * (hex ? 16 : 10) + d;
	}
	*out = v;
	return (0);
}

static int
get_num(struct parser *p, const char *what, uint64_t min, uint64_t max,
    uint64_t *out)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];
	uint64_t v;
	int rc;

	tokstr(t, buf, sizeof(buf));
	if (t->type != CT_WORD) {
		if (t->type == CT_ERROR)
			(void)next(p);
		else
			perr(p, t, "expected %s (a number), found %s", what,
			    buf);
		return (-1);
	}
	if ((rc = parse_num(t->text, &v)) == -1) {
		perr(p, t, "%s is not a number (%s)", buf, what);
		return (-1);
	}
	if (rc == 0 && v == 0 && min == 1) {
		perr(p, t, "%s must be greater than 0 (found %s)", what, buf);
		return (-1);
	}
	if (rc == -2 || v < min || v > max) {
		perr(p, t, "%s is out of range for %s (%llu to %llu)", buf,
		    what, (unsigned long long)min, (unsigned long long)max);
		return (-1);
	}
	(void)next(p);
	*out = v;
	return (0);
}

static int
get_u32(struct parser *p, const char *what, uint32_t min, uint32_t max,
    uint32_t *out)
{
	uint64_t v;

	if (get_num(p, what, min, max, &v) == -1)
		return (-1);
	*out = (uint32_t)v;
	return (0);
}

static int
get_unsigned(struct parser *p, const char *what, unsigned min, unsigned max,
    unsigned *out)
{
	uint64_t v;

	if (get_num(p, what, min, max, &v) == -1)
		return (-1);
	*out = (unsigned)v;
	return (0);
}

/* One of the words of a table (NULL-terminated); returns its index. */
static int
get_choice(struct parser *p, const char *what, const char *const *words,
    const char *list)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];
	int i;

	if (t->type == CT_WORD)
		for (i = 0; words[i] != NULL; i++)
			if (strcmp(t->text, words[i]) == 0) {
				(void)next(p);
				return (i);
			}
	if (t->type == CT_ERROR) {
		(void)next(p);
		return (-1);
	}
	tokstr(t, buf, sizeof(buf));
	perr(p, t, "expected %s (%s), found %s", what, list, buf);
	return (-1);
}

static int
get_switch(struct parser *p, const char *what, bool *out)
{
	static const char *const w[] = { "off", "on", NULL };
	int i;

	if ((i = get_choice(p, what, w, "on or off")) == -1)
		return (-1);
	*out = i == 1;
	return (0);
}

static int
get_string(struct parser *p, const char *what, char **out)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];

	if (t->type != CT_STRING) {
		if (t->type == CT_ERROR)
			(void)next(p);
		else {
			tokstr(t, buf, sizeof(buf));
			perr(p, t, "expected %s (a quoted string), found %s",
			    what, buf);
		}
		return (-1);
	}
	if (t->len == 0) {
		perr(p, t, "%s must not be empty", what);
		return (-1);
	}
	if ((*out = pstrdup(p, t->text)) == NULL)
		return (-1);
	(void)next(p);
	return (0);
}

static int
set_string(struct parser *p, const char *what, char **field)
{
	char *s;

	if (get_string(p, what, &s) == -1)
		return (-1);
	free(*field);
	*field = s;
	return (0);
}

/* time: NUMBER UNIT; the unit is required, as in racoon. */
static int
get_time(struct parser *p, const char *what, bool zero_ok, bool unit_opt,
    uint32_t *out)
{
	static const char *const units[] = {
		"sec", "secs", "second", "seconds",
		"min", "mins", "minute", "minutes",
		"hour", "hours", NULL
	};
	static const uint32_t mult[] = { 1, 1, 1, 1, 60, 60, 60, 60, 3600,
	    3600 };
	const struct conf_token *t;
	uint64_t v;
	int u;

	t = peek(p, 0);
	if (get_num(p, what, zero_ok ? 0 : 1, UINT32_MAX, &v) == -1)
		return (-1);
	if (unit_opt && peek(p, 0)->type == CT_SEMI) {
		*out = (uint32_t)v;
		return (0);
	}
	if ((u = get_choice(p, "a time unit", units,
	    "sec, min or hour")) == -1)
		return (-1);
	if (v > UINT32_MAX / mult[u]) {
		perr(p, t, "%s is too long (at most %u seconds)", what,
		    UINT32_MAX);
		return (-1);
	}
	*out = (uint32_t)v * mult[u];
	return (0);
}

static int
get_bytes(struct parser *p, const char *what, uint64_t *out)
{
	static const char *const units[] = {
		"B", "byte", "bytes", "KB", "MB", "GB", "TB", NULL
	};
	static const unsigned shift[] = { 0, 0, 0, 10, 20, 30, 40 };
	const struct conf_token *t;
	uint64_t v;
	int u;

	t = peek(p, 0);
	if (get_num(p, what, 1, UINT64_MAX, &v) == -1)
		return (-1);
	if ((u = get_choice(p, "a byte unit", units,
	    "B, KB, MB, GB or TB")) == -1)
		return (-1);
	if (v > (UINT64_MAX >> shift[u])) {
		perr(p, t, "%s is too large", what);
		return (-1);
	}
	*out = v << shift[u];
	return (0);
}

/* lifetime (time N UNIT | byte N UNIT) */
static int
get_lifetime(struct parser *p, struct rcn_lifetime *life, bool *sec_set,
    bool *byte_set)
{
	static const char *const w[] = { "time", "byte", "bytes", NULL };
	int i;

	if ((i = get_choice(p, "the lifetime type", w, "time or byte")) == -1)
		return (-1);
	if (i == 0) {
		if (get_time(p, "lifetime", false, false,
		    &life->seconds) == -1)
			return (-1);
		if (sec_set != NULL)
			*sec_set = true;
	} else {
		if (get_bytes(p, "lifetime", &life->bytes) == -1)
			return (-1);
		if (byte_set != NULL)
			*byte_set = true;
	}
	return (end_stmt(p));
}

/* An IP address (bare as racoon writes it, or quoted). */
static int
get_addr(struct parser *p, const char *what, struct sad_addr *a)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];

	tokstr(t, buf, sizeof(buf));
	if (t->type != CT_WORD && t->type != CT_STRING) {
		if (t->type == CT_ERROR)
			(void)next(p);
		else
			perr(p, t, "expected %s (an IP address), found %s",
			    what, buf);
		return (-1);
	}
	if (strchr(t->text, '%') != NULL) {
		perr(p, t, "%s: scoped IPv6 addresses are not supported by "
		    "racoon-ng", buf);
		return (-1);
	}
	if (sad_addr_parse(a, t->text) != 0) {
		if (strchr(t->text, '-') != NULL && t->type == CT_WORD)
			perr(p, t, "%s: address ranges are not supported by "
			    "racoon-ng", buf);
		else
			perr(p, t, "%s is not an IPv4 or IPv6 address (%s)",
			    buf, what);
		return (-1);
	}
	(void)next(p);
	return (0);
}

/* An optional [PORT]; [any] only where any_ok. */
static int
get_port(struct parser *p, bool any_ok, uint16_t def, uint16_t *port)
{
	const struct conf_token *t = peek(p, 0);

	*port = def;
	if (t->type != CT_PORT)
		return (0);
	if (t->any) {
		if (!any_ok) {
			perr(p, t, "\"[any]\" is not allowed here");
			return (-1);
		}
		*port = 0;
	} else {
		if (t->num > 65535 || (t->num == 0 && !any_ok)) {
			perr(p, t, "port %lu is out of range (1 to 65535)",
			    t->num);
			return (-1);
		}
		*port = (uint16_t)t->num;
	}
	(void)next(p);
	return (0);
}

/* -------------------------------------------------------------- names */

struct alg {
	const char	*name;
	int		 id;
	unsigned	 defkeylen;	/* 0: no key length may be given */
};

static const struct alg dh_groups[] = {
	{ "modp768", 1, 0 }, { "modp1024", 2, 0 }, { "modp1536", 5, 0 },
	{ "modp2048", 14, 0 }, { "modp3072", 15, 0 }, { "modp4096", 16, 0 },
	{ "modp6144", 17, 0 }, { "modp8192", 18, 0 }, { "ecp256", 19, 0 },
	{ "ecp384", 20, 0 }, { "curve25519", 31, 0 },
	{ NULL, 0, 0 }
};
/* Groups racoon or IKE know that racoon-ng does not do. */
static const char *const dh_unsupported[] = {
	"ec2n155", "ec2n185", "ecp521", "ecp192", "ecp224", "curve448",
	NULL
};

static const struct alg p1_encs[] = {
	{ "aes", RCN_P1_ENC_AES, 128 },
	{ "rijndael", RCN_P1_ENC_AES, 128 },
	{ "3des", RCN_P1_ENC_3DES, 0 },
	{ NULL, 0, 0 }
};
static const char *const p1_enc_unsupported[] = {
	"des", "idea", "blowfish", "rc5", "cast128", "camellia", NULL
};

static const struct alg p1_hashes[] = {
	{ "sha1", RCN_P1_HASH_SHA1, 0 },
	{ "sha256", RCN_P1_HASH_SHA256, 0 },
	{ "sha2_256", RCN_P1_HASH_SHA256, 0 },
	{ "sha384", RCN_P1_HASH_SHA384, 0 },
	{ "sha2_384", RCN_P1_HASH_SHA384, 0 },
	{ "sha512", RCN_P1_HASH_SHA512, 0 },
	{ "sha2_512", RCN_P1_HASH_SHA512, 0 },
	{ NULL, 0, 0 }
};
static const char *const p1_hash_unsupported[] = { "md5", "tiger", NULL };

static const struct alg auth_methods[] = {
	{ "pre_shared_key", RCN_AUTH_PSK, 0 },
	{ "rsasig", RCN_AUTH_RSASIG, 0 },
	{ NULL, 0, 0 }
};
static const char *const auth_unsupported[] = {
	"dsssig", "rsaenc", "rsarev", "gssapi_krb",
	"hybrid_rsa_server", "hybrid_rsa_client",
	"hybrid_dss_server", "hybrid_dss_client",
	"xauth_psk_server", "xauth_psk_client",
	"xauth_rsa_server", "xauth_rsa_client", NULL
};

static const struct alg p2_encs[] = {
	{ "aes", RCN_ESP_AES, 128 },
	{ "rijndael", RCN_ESP_AES, 128 },
	{ "3des", RCN_ESP_3DES, 0 },
	{ "null_enc", RCN_ESP_NULL, 0 },
	{ "null", RCN_ESP_NULL, 0 },
	{ "aes_gcm_16", RCN_ESP_AES_GCM_16, 128 },
	{ "aes_gcm_12", RCN_ESP_AES_GCM_12, 128 },
	{ "aes_gcm_8", RCN_ESP_AES_GCM_8, 128 },
	{ NULL, 0, 0 }
};
static const char *const p2_enc_unsupported[] = {
	"des", "des_iv64", "des_iv32", "rc5", "rc4", "idea", "3idea",
	"cast128", "blowfish", "twofish", "camellia", NULL
};

static const struct alg p2_auths[] = {
	{ "hmac_sha1", RCN_P2_AUTH_HMAC_SHA1, 0 },
	{ "hmac_sha256", RCN_P2_AUTH_HMAC_SHA256, 0 },
	{ "hmac_sha2_256", RCN_P2_AUTH_HMAC_SHA256, 0 },
	{ "hmac_sha384", RCN_P2_AUTH_HMAC_SHA384, 0 },
	{ "hmac_sha2_384", RCN_P2_AUTH_HMAC_SHA384, 0 },
	{ "hmac_sha512", RCN_P2_AUTH_HMAC_SHA512, 0 },
	{ "hmac_sha2_512", RCN_P2_AUTH_HMAC_SHA512, 0 },
	{ NULL, 0, 0 }
};
static const char *const p2_auth_unsupported[] = {
	"hmac_md5", "non_auth", "des_mac", "kpdk", NULL
};

static const char *const compressions[] = { "deflate", "lzs", "oui", NULL };

static const struct alg *
alg_find(const struct alg *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return (tab);
	return (NULL);
}

static const char *
alg_name(const struct alg *tab, int id)
{
	for (; tab->name != NULL; tab++)
		if (tab->id == id)
			return (tab->name);
	return ("?");
}

static bool
in_list(const char *const *list, const char *w)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, w) == 0)
			return (true);
	return (false);
}

const char *
conf_dh_name(int group)
{
	return (alg_name(dh_groups, group));
}

const char *
conf_p1_enc_name(int enc)
{
	return (alg_name(p1_encs, enc));
}

const char *
conf_p1_hash_name(int hash)
{
	return (alg_name(p1_hashes, hash));
}

const char *
conf_auth_name(int auth)
{
	return (alg_name(auth_methods, auth));
}

const char *
conf_p2_enc_name(int id)
{
	return (alg_name(p2_encs, id));
}

const char *
conf_p2_auth_name(int auth)
{
	return (alg_name(p2_auths, auth));
}

bool
conf_p2_enc_is_aead(int id)
{
	return (id == RCN_ESP_AES_GCM_8 || id == RCN_ESP_AES_GCM_12 ||
	    id == RCN_ESP_AES_GCM_16);
}

const char *
conf_xmode_name(int xmode)
{
	switch (xmode) {
	case RCN_XMODE_MAIN:
		return ("main");
	case RCN_XMODE_AGGRESSIVE:
		return ("aggressive");
	default:
		return ("?");
	}
}

static const char *const transport_names[] = {
	"auto", "pfkey", "xfrm", "sadbd", NULL
};

const char *
conf_transport_name(enum rcn_transport t)
{
	if ((unsigned)t >= nitems(transport_names) - 1)
		return ("?");
	return (transport_names[t]);
}

static const char *const log_names[] = {
	"error", "warning", "notify", "info", "debug", "debug2", NULL
};

const char *
conf_log_name(enum rcn_log l)
{
	if ((unsigned)l >= nitems(log_names) - 1)
		return ("?");
	return (log_names[l]);
}

/*
 * An algorithm name with an optional key length.  Returns 1 with *ap set
 * for a supported one, 0 for one racoon knows and racoon-ng does not
 * (reported as `kind' says by the caller), -1 on error (reported).
 */
static int
get_alg(struct parser *p, const char *what, const struct alg *tab,
    const char *const *unsupported, const char *const *elsewhere,
    const struct alg **ap, unsigned *keylen, struct conf_token *tcopy)
{
	const struct conf_token *t = peek(p, 0);
	const struct alg *a;
	char buf[96], kb[96];
	uint64_t v;
	bool known;

	tokstr(t, buf, sizeof(buf));
	if (t->type != CT_WORD) {
		if (t->type == CT_ERROR)
			(void)next(p);
		else
			perr(p, t, "expected %s, found %s", what, buf);
		return (-1);
	}
	memcpy(tcopy, t, offsetof(struct conf_token, text));
	(void)strlcpy(tcopy->text, t->text, sizeof(tcopy->text));
	tcopy->len = t->len;
	a = alg_find(tab, t->text);
	known = a != NULL || in_list(unsupported, t->text);
	if (!known) {
		if (elsewhere != NULL && in_list(elsewhere, t->text))
			perr(p, t, "%s is not %s", buf, what);
		else
			perr(p, t, "unknown %s %s", what, buf);
		return (-1);
	}
	(void)next(p);
	*keylen = 0;
	t = peek(p, 0);
	if (t->type == CT_WORD && parse_num(t->text, &v) == 0) {
		tokstr(t, kb, sizeof(kb));
		if (a != NULL && a->defkeylen == 0) {
			perr(p, t, "%s takes no key length (found %s)", buf,
			    kb);
			return (-1);
		}
		if (a != NULL && v != 128 && v != 192 && v != 256) {
			perr(p, t, "key length %s is not valid for %s (128, "
			    "192 or 256)", kb, buf);
			return (-1);
		}
		(void)next(p);
		*keylen = (unsigned)v;
	} else if (a != NULL)
		*keylen = a->defkeylen;
	*ap = a;
	return (a != NULL ? 1 : 0);
}

/* A DH group, by name or IKE number. */
static int
get_dh(struct parser *p, const char *what, int *group)
{
	const struct conf_token *t = peek(p, 0);
	const struct alg *a;
	char buf[96];
	uint64_t v;

	tokstr(t, buf, sizeof(buf));
	if (t->type != CT_WORD) {
		if (t->type == CT_ERROR)
			(void)next(p);
		else
			perr(p, t, "expected %s (a DH group), found %s", what,
			    buf);
		return (-1);
	}
	if (parse_num(t->text, &v) == 0) {
		for (a = dh_groups; a->name != NULL; a++)
			if ((uint64_t)a->id == v)
				break;
		if (a->name == NULL) {
			if (v == 3 || v == 4 || v == 21 || v == 32)
				perr(p, t, "DH group %s is not supported by "
				    "racoon-ng", buf);
			else
				perr(p, t, "%s is not a DH group (1, 2, 5, "
				    "14 to 20, 31)", buf);
			return (-1);
		}
	} else if ((a = alg_find(dh_groups, t->text)) == NULL) {
		if (in_list(dh_unsupported, t->text))
			perr(p, t, "DH group %s is not supported by "
			    "racoon-ng", buf);
		else
			perr(p, t, "unknown DH group %s", buf);
		return (-1);
	}
	(void)next(p);
	*group = a->id;
	return (0);
}

/* ------------------------------------------------------------ keywords */

struct kw;
typedef int (*kw_fn)(struct parser *, void *, const struct kw *,
    const struct conf_token *);

struct kw {
	const char	*name;
	kw_fn		 fn;
	const char	*why;		/* for the message */
};

static const struct kw *
kw_find(const struct kw *tab, const char *name)
{
	for (; tab->name != NULL; tab++)
		if (strcmp(tab->name, name) == 0)
			return (tab);
	return (NULL);
}

static int
kw_unsupported(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	perr(p, kt, "\"%s\" is not supported by racoon-ng (%s)", k->name,
	    k->why);
	return (-1);
}

static int
kw_ignored(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	pwarn(p, kt, "\"%s\" is ignored: %s", k->name, k->why);
	skip_stmt(p);
	return (0);
}

/*
 * The statements of a block, up to its "}".  `kt' is the token that
 * opened it, for the message when the file ends first.
 */
static int
parse_block(struct parser *p, const struct kw *tab, void *ctx,
    const char *block, const struct conf_token *kt)
{
	const struct conf_token *t;
	const struct kw *k;
	struct conf_token key;
	unsigned line = kt->line;
	char buf[96];

	if (expect(p, CT_LBRACE, "\"{\"") == -1)
		return (-1);
	while (!p->stop) {
		t = peek(p, 0);
		switch (t->type) {
		case CT_RBRACE:
			(void)next(p);
			return (0);
		case CT_EOF:
			perr(p, t, "end of file in the %s block opened at "
			    "line %u (missing \"}\")", block, line);
			return (-1);
		case CT_SEMI:
			(void)next(p);
			continue;
		case CT_ERROR:
			(void)next(p);
			return (-1);
		case CT_WORD:
			break;
		default:
			tokstr(t, buf, sizeof(buf));
			perr(p, t, "expected a %s statement, found %s", block,
			    buf);
			skip_stmt(p);
			continue;
		}
		if ((k = kw_find(tab, t->text)) == NULL) {
			tokstr(t, buf, sizeof(buf));
			perr(p, t, "unknown statement %s in %s", buf, block);
			skip_stmt(p);
			continue;
		}
		key = *t;
		(void)next(p);
		if (k->fn(p, ctx, k, &key) == -1)
			skip_stmt(p);
	}
	return (-1);
}

/* ------------------------------------------------------------- privsep */

static int
get_user_or_id(struct parser *p, const char *what, char **name, bool *isnum,
    unsigned long *id)
{
	const struct conf_token *t = peek(p, 0);
	uint64_t v;
	char *s;

	if (t->type == CT_WORD) {
		if (get_num(p, what, 0, UINT32_MAX - 1, &v) == -1)
			return (-1);
		free(*name);
		*name = NULL;
		*isnum = true;
		*id = (unsigned long)v;
		return (0);
	}
	if (get_string(p, what, &s) == -1)
		return (-1);
	free(*name);
	*name = s;
	*isnum = false;
	return (0);
}

static int
ps_user(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	unsigned long id = 0;
	bool isnum;

	if (get_user_or_id(p, "the user", &c->privsep_user, &isnum,
	    &id) == -1)
		return (-1);
	if (isnum)
		c->privsep_uid = (uid_t)id;
	return (end_stmt(p));
}

static int
ps_group(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	unsigned long id = 0;
	bool isnum;

	if (get_user_or_id(p, "the group", &c->privsep_group, &isnum,
	    &id) == -1)
		return (-1);
	c->privsep_has_gid = isnum;
	if (isnum)
		c->privsep_gid = (gid_t)id;
	return (end_stmt(p));
}

static int
ps_chroot(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];

	if (t->type == CT_STRING && t->text[0] != '/') {
		tokstr(t, buf, sizeof(buf));
		perr(p, t, "chroot directory %s is not an absolute path", buf);
		return (-1);
	}
	if (set_string(p, "the chroot directory", &p->cfg->privsep_chroot) ==
	    -1)
		return (-1);
	return (end_stmt(p));
}

static const struct kw privsep_kw[] = {
	{ "user", ps_user, NULL },
	{ "group", ps_group, NULL },
	{ "chroot", ps_chroot, NULL },
	{ NULL, NULL, NULL }
};

static int
top_privsep(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	p->privsep_seen = true;
	return (parse_block(p, privsep_kw, NULL, "privsep", kt));
}

/* ---------------------------------------------------------------- path */

/* dir/file, or file alone when dir is "." (the file's own directory). */
static char *
path_join(struct parser *p, const char *dir, const char *file)
{
	char *s;
	size_t n;

	if (file[0] == '/' || dir == NULL || strcmp(dir, ".") == 0)
		return (pstrdup(p, file));
	n = strlen(dir);
	if (asprintf(&s, "%s%s%s", dir, n > 0 && dir[n - 1] == '/' ? "" :
	    "/", file) == -1) {
		oom(p);
		return (NULL);
	}
	return (s);
}

/*
 * A relative name against a `path' setting, else against the main
 * file's directory; one that starts with "./" or "../" is always
 * relative to the main file's directory (that is how conf_print()
 * writes names it has resolved, so they parse back to themselves).
 */
static char *
resolve(struct parser *p, const char *setting, const char *file)
{
	if (file[0] == '/')
		return (pstrdup(p, file));
	if (setting != NULL && strncmp(file, "./", 2) != 0 &&
	    strncmp(file, "../", 3) != 0)
		return (path_join(p, setting, file));
	return (path_join(p, p->topdir, file));
}

static int
top_path(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const types[] = {
		"include", "pre_shared_key", "certificate", "script",
		"pidfile", "backupsa", NULL
	};
	struct rcn_config *c = p->cfg;
	const struct conf_token *t;
	char *s, *r, **field;
	int i;

	t = peek(p, 0);
	if ((i = get_choice(p, "a path type", types,
	    "include, pre_shared_key, certificate, script, pidfile")) == -1)
		return (-1);
	t = peek(p, 0);
	if (get_string(p, "the path", &s) == -1)
		return (-1);
	if (i == 5) {
		pwarn(p, t, "\"path backupsa\" is ignored: racoon-ng does "
		    "not reinstall SAs from a file (-B selects the SA "
		    "transport)");
		free(s);
		return (end_stmt(p));
	}
	if (i == 4) {
		/* racoon: a relative pidfile is under the run directory */
		r = s[0] == '/' ? pstrdup(p, s) : path_join(p, "/var/run", s);
	} else
		r = resolve(p, NULL, s);
	free(s);
	if (r == NULL)
		return (-1);
	switch (i) {
	case 0:
		field = &c->path_include;
		break;
	case 1:
		field = &c->path_psk;
		break;
	case 2:
		field = &c->path_certificate;
		break;
	case 3:
		field = &c->path_script;
		break;
	default:
		field = &c->path_pidfile;
		break;
	}
	free(*field);
	*field = r;
	return (end_stmt(p));
}

/* ------------------------------------------------------------- include */

static int parse_file(struct parser *, const char *name,
    const struct conf_token *from);
static void parse_top(struct parser *);

static bool
has_glob_magic(const char *s)
{
	return (strpbrk(s, "*?[") != NULL);
}

static int
top_include(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	const struct conf_token *t;
	struct conf_token at;
	char *s, *path, buf[96];
	glob_t g;
	size_t i;
	int rc;

	t = peek(p, 0);
	at = *t;
	if (get_string(p, "the file to include", &s) == -1)
		return (-1);
	if (end_stmt(p) == -1) {
		free(s);
		return (-1);
	}
	quote_into(s, strlen(s), buf, sizeof(buf));
	if (p->flags & CONF_F_NOINCLUDE) {
		perr(p, &at, "include %s: include is disabled here", buf);
		free(s);
		return (0);
	}
	path = resolve(p, p->cfg->path_include, s);
	free(s);
	if (path == NULL)
		return (-1);
	memset(&g, 0, sizeof(g));
	rc = glob(path, 0, NULL, &g);
	if (rc == GLOB_NOMATCH) {
		quote_into(path, strlen(path), buf, sizeof(buf));
		if (has_glob_magic(path))
			pwarn(p, &at, "include %s matches no file", buf);
		else
			perr(p, &at, "include %s: %s", buf,
			    strerror(ENOENT));
	} else if (rc != 0) {
		quote_into(path, strlen(path), buf, sizeof(buf));
		perr(p, &at, "include %s: cannot expand the pattern", buf);
	} else {
		for (i = 0; i < g.gl_pathc && !p->stop; i++)
			(void)parse_file(p, g.gl_pathv[i], &at);
	}
	globfree(&g);
	free(path);
	return (0);
}

/* ----------------------------------------------------------------- log */

static int
top_log(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	int i;

	if ((i = get_choice(p, "a log level", log_names,
	    "error, warning, notify, info, debug, debug2")) == -1)
		return (-1);
	p->cfg->log = (enum rcn_log)i;
	return (end_stmt(p));
}

/* ------------------------------------------------------------- padding */

static int
pad_switch(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	bool v;

	if (get_switch(p, k->name, &v) == -1)
		return (-1);
	if (strcmp(k->name, "randomize") == 0)
		c->pad_randomize = v;
	else if (strcmp(k->name, "randomize_length") == 0)
		c->pad_randomize_length = v;
	else if (strcmp(k->name, "exclusive_tail") == 0)
		c->pad_exclusive_tail = v;
	else
		c->pad_strict_check = v;
	return (end_stmt(p));
}

static int
pad_maxlen(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	if (get_unsigned(p, "maximum_length", 0, 255,
	    &p->cfg->pad_maximum_length) == -1)
		return (-1);
	return (end_stmt(p));
}

static const struct kw padding_kw[] = {
	{ "randomize", pad_switch, NULL },
	{ "randomize_length", pad_switch, NULL },
	{ "maximum_length", pad_maxlen, NULL },
	{ "exclusive_tail", pad_switch, NULL },
	{ "strict_check", pad_switch, NULL },
	{ NULL, NULL, NULL }
};

static int
top_padding(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	return (parse_block(p, padding_kw, NULL, "padding", kt));
}

/* -------------------------------------------------------------- listen */

static int
li_isakmp(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	struct rcn_listen *l;
	struct sad_addr a;
	uint16_t port;
	bool natt = strcmp(k->name, "isakmp_natt") == 0;

	if (get_addr(p, k->name, &a) == -1)
		return (-1);
	if (get_port(p, false, natt ? CONF_PORT_NATT : CONF_PORT_ISAKMP,
	    &port) == -1)
		return (-1);
	if (end_stmt(p) == -1)
		return (-1);
	if (c->nlisten >= 64) {
		perr(p, kt, "too many listen addresses (at most 64)");
		return (0);
	}
	l = reallocarray(c->listen, c->nlisten + 1, sizeof(*l));
	if (l == NULL) {
		oom(p);
		return (-1);
	}
	c->listen = l;
	a.port = port;
	c->listen[c->nlisten].addr = a;
	c->listen[c->nlisten].natt = natt;
	c->nlisten++;
	return (0);
}

/* An octal access mode as racoon wrote it (0600 or 600). */
static int
get_mode(struct parser *p, mode_t *mode)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];
	unsigned long v = 0;
	size_t i;

	tokstr(t, buf, sizeof(buf));
	if (t->type != CT_WORD || t->len == 0 || t->len > 4) {
		perr(p, t, "expected the socket mode (octal, as 0600), found "
		    "%s", buf);
		return (-1);
	}
	for (i = 0; i < t->len; i++) {
		if (t->text[i] < '0' || t->text[i] > '7') {
			perr(p, t, "%s is not an octal mode", buf);
			return (-1);
		}
		v = v * 8 + (unsigned long)(t->text[i] - '0');
	}
	if (v > 0777) {
		perr(p, t, "%s is not a file mode (0 to 0777)", buf);
		return (-1);
	}
	(void)next(p);
	*mode = (mode_t)v;
	return (0);
}

static int
li_adminsock(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	const struct conf_token *t = peek(p, 0);
	char *path = NULL, *owner = NULL, *group = NULL, buf[96];
	const char *s;
	mode_t mode = 0600;

	if (is_word(t, "disabled")) {
		(void)next(p);
		if (end_stmt(p) == -1)
			return (-1);
		c->adminsock_disabled = true;
		return (0);
	}
	if (t->type == CT_STRING) {
		tokstr(t, buf, sizeof(buf));
		if (t->text[0] != '/') {
			perr(p, t, "admin socket %s is not an absolute path",
			    buf);
			return (-1);
		}
		for (s = t->text; (s = strstr(s, "..")) != NULL; s += 2)
			if ((s[-1] == '/') && (s[2] == '/' || s[2] == '\0')) {
				perr(p, t, "admin socket %s has a \"..\" "
				    "component", buf);
				return (-1);
			}
	}
	if (get_string(p, "the admin socket path or \"disabled\"", &path) ==
	    -1)
		return (-1);
	if (peek(p, 0)->type == CT_STRING) {
		if (get_string(p, "the socket owner", &owner) == -1 ||
		    get_string(p, "the socket group", &group) == -1 ||
		    get_mode(p, &mode) == -1)
			goto fail;
	}
	if (end_stmt(p) == -1)
		goto fail;
	free(c->adminsock_path);
	c->adminsock_path = path;
	if (owner != NULL) {
		free(c->adminsock_owner);
		free(c->adminsock_group);
		c->adminsock_owner = owner;
		c->adminsock_group = group;
		c->adminsock_mode = mode;
	}
	c->adminsock_disabled = false;
	return (0);
 fail:
	free(path);
	free(owner);
	free(group);
	return (-1);
}

static int
li_strict(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	p->cfg->strict_address = true;
	return (end_stmt(p));
}

static const struct kw listen_kw[] = {
	{ "isakmp", li_isakmp, NULL },
	{ "isakmp_natt", li_isakmp, NULL },
	{ "adminsock", li_adminsock, NULL },
	{ "strict_address", li_strict, NULL },
	{ "admin", kw_unsupported, "the racoonctl TCP port; use adminsock" },
	{ NULL, NULL, NULL }
};

static int
top_listen(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	return (parse_block(p, listen_kw, NULL, "listen", kt));
}

/* --------------------------------------------------------------- timer */

static int
ti_stmt(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	const char *n = k->name;

	if (strcmp(n, "counter") == 0) {
		if (get_unsigned(p, n, 1, 1000, &c->retry_counter) == -1)
			return (-1);
	} else if (strcmp(n, "persend") == 0) {
		if (get_unsigned(p, n, 1, 100, &c->retry_persend) == -1)
			return (-1);
	} else if (strcmp(n, "interval") == 0) {
		if (get_time(p, n, false, false, &c->retry_interval) == -1)
			return (-1);
	} else if (strcmp(n, "phase1") == 0) {
		if (get_time(p, n, false, false, &c->phase1_timeout) == -1)
			return (-1);
	} else if (strcmp(n, "phase2") == 0) {
		if (get_time(p, n, false, false, &c->phase2_timeout) == -1)
			return (-1);
	} else {
		if (get_time(p, n, true, false, &c->natt_keepalive) == -1)
			return (-1);
	}
	return (end_stmt(p));
}

static const struct kw timer_kw[] = {
	{ "counter", ti_stmt, NULL },
	{ "interval", ti_stmt, NULL },
	{ "persend", ti_stmt, NULL },
	{ "phase1", ti_stmt, NULL },
	{ "phase2", ti_stmt, NULL },
	{ "natt_keepalive", ti_stmt, NULL },
	{ NULL, NULL, NULL }
};

static int
top_timer(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	return (parse_block(p, timer_kw, NULL, "timer", kt));
}

/* ---------------------------------------------------------------- sadb */

static int
sa_transport(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	int i;

	if ((i = get_choice(p, "a transport", transport_names,
	    "auto, pfkey, xfrm or sadbd")) == -1)
		return (-1);
	p->cfg->transport = (enum rcn_transport)i;
	return (end_stmt(p));
}

static int
sa_socket(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	const struct conf_token *t = peek(p, 0);
	char buf[96];

	if (t->type == CT_STRING && t->text[0] != '/') {
		tokstr(t, buf, sizeof(buf));
		perr(p, t, "sadbd socket %s is not an absolute path", buf);
		return (-1);
	}
	if (set_string(p, "the sadbd socket", &p->cfg->sadbd_socket) == -1)
		return (-1);
	p->socket_set = true;
	where_of(p, kt, &p->socket_where);
	return (end_stmt(p));
}

static const struct kw sadb_kw[] = {
	{ "transport", sa_transport, NULL },
	{ "socket", sa_socket, NULL },
	{ NULL, NULL, NULL }
};

static int
top_sadb(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	return (parse_block(p, sadb_kw, NULL, "sadb", kt));
}

/* ---------------------------------------------------------- top, misc */

static int
top_complex_bundle(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	const struct conf_token *t = peek(p, 0);
	struct conf_token at = *t;
	bool v;

	if (get_switch(p, "complex_bundle", &v) == -1)
		return (-1);
	if (v) {
		perr(p, &at, "\"complex_bundle on\" is not supported by "
		    "racoon-ng (AH+ESP bundles are proposed as with racoon's "
		    "default, off)");
		return (-1);
	}
	return (end_stmt(p));
}

/* --------------------------------------------------------- identities */

static void
id_clear(struct rcn_id *id)
{
	free(id->value);
	memset(id, 0, sizeof(*id));
}

/*
 * IDTYPE [VALUE]: address [ADDR], fqdn "S", user_fqdn "S", asn1dn ["DN"].
 * keyid is racoon's and not racoon-ng's.
 */
static int
get_id(struct parser *p, const char *what, struct rcn_id *id)
{
	static const char *const types[] = {
		"address", "fqdn", "user_fqdn", "asn1dn", "keyid", NULL
	};
	const struct conf_token *t;
	struct conf_token at;
	char buf[96];
	int i;

	memset(id, 0, sizeof(*id));
	at = *peek(p, 0);
	if ((i = get_choice(p, what, types,
	    "address, fqdn, user_fqdn or asn1dn")) == -1)
		return (-1);
	t = peek(p, 0);
	switch (i) {
	case 0:
		id->type = RCN_ID_ADDRESS;
		if (t->type == CT_WORD || t->type == CT_STRING) {
			if (get_addr(p, what, &id->addr) == -1)
				return (-1);
			id->has_addr = true;
		}
		return (0);
	case 1:
	case 2:
		id->type = i == 1 ? RCN_ID_FQDN : RCN_ID_USER_FQDN;
		if (t->type == CT_WORD && t->len > 0) {
			/* racoon took the bare address-like words too */
			if ((id->value = pstrdup(p, t->text)) == NULL)
				return (-1);
			(void)next(p);
			return (0);
		}
		if (get_string(p, types[i], &id->value) == -1)
			return (-1);
		if (i == 2 && strchr(id->value, '@') == NULL) {
			quote_into(id->value, strlen(id->value), buf,
			    sizeof(buf));
			pwarn(p, t, "user_fqdn %s has no \"@\"", buf);
		}
		return (0);
	case 3:
		id->type = RCN_ID_ASN1DN;
		if (t->type == CT_STRING)
			return (get_string(p, "the distinguished name",
			    &id->value));
		return (0);
	default:
		perr(p, &at, "\"keyid\" identifiers are not supported by "
		    "racoon-ng (address, fqdn, user_fqdn, asn1dn)");
		return (-1);
	}
}

static int
id_copy(struct parser *p, struct rcn_id *dst, const struct rcn_id *src)
{
	*dst = *src;
	dst->value = NULL;
	if (src->value != NULL && (dst->value = pstrdup(p,
	    src->value)) == NULL)
		return (-1);
	return (0);
}

static bool
id_equal(const struct rcn_id *a, const struct rcn_id *b)
{
	if (a->type != b->type || a->has_addr != b->has_addr)
		return (false);
	if (a->has_addr && (sad_addr_cmp(&a->addr, &b->addr) != 0))
		return (false);
	if ((a->value == NULL) != (b->value == NULL))
		return (false);
	return (a->value == NULL || strcmp(a->value, b->value) == 0);
}

/* -------------------------------------------------------------- remote */

struct rctx {
	struct rcn_remote *r;
	bool		 oldform;	/* the header gave the address */
	bool		 seen_addr;
	bool		 seen_cert;
	bool		 seen_ca;
	bool		 seen_crl;
	bool		 seen_peerscert;
	bool		 own_proposals;
	bool		 own_peers;
	unsigned	 errors;	/* p->nerrors at the start */
};

static void
proposal_free(struct rcn_proposal *pr)
{
	free(pr);
}

static void
remote_free(struct rcn_remote *r)
{
	struct rcn_proposal *pr;
	unsigned i;

	if (r == NULL)
		return;
	free(r->name);
	free(r->inherited);
	id_clear(&r->my_id);
	for (i = 0; i < r->npeers_ids; i++)
		id_clear(&r->peers_ids[i]);
	free(r->peers_ids);
	free(r->cert_file);
	free(r->key_file);
	free(r->ca_file);
	free(r->crl_file);
	free(r->peers_certfile);
	for (i = 0; i < RCN_SCRIPT_MAX; i++)
		free(r->script[i]);
	while ((pr = TAILQ_FIRST(&r->proposals)) != NULL) {
		TAILQ_REMOVE(&r->proposals, pr, entry);
		proposal_free(pr);
	}
	free(r);
}

static struct rcn_remote *
remote_new(struct parser *p)
{
	struct rcn_remote *r;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		oom(p);
		return (NULL);
	}
	TAILQ_INIT(&r->proposals);
	r->anonymous = true;
	r->addr.port = CONF_PORT_ISAKMP;
	r->my_id.type = RCN_ID_ADDRESS;
	r->send_cert = true;
	r->send_cr = true;
	r->verify_cert = true;
	r->match_empty_cr = false;
	r->life.seconds = CONF_DEFAULT_P1_LIFE;
	r->nonce_size = 16;
	r->proposal_check = RCN_PCHECK_STRICT;
	r->nat_traversal = RCN_OFF;
	r->dpd_delay = 0;
	r->dpd_retry = 5;
	r->dpd_maxfail = 5;
	r->ike_frag = RCN_OFF;
	r->generate_policy = RCN_GENPOLICY_OFF;
	r->initial_contact = true;
	r->rekey = RCN_ON;
	return (r);
}

/* A deep copy of a parent for `inherit'. */
static struct rcn_remote *
remote_dup(struct parser *p, const struct rcn_remote *src)
{
	struct rcn_remote *r;
	struct rcn_proposal *pr, *npr;
	unsigned i;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		oom(p);
		return (NULL);
	}
	*r = *src;
	TAILQ_INIT(&r->proposals);
	r->nproposals = 0;
	r->name = r->inherited = NULL;
	r->my_id.value = NULL;
	r->peers_ids = NULL;
	r->npeers_ids = 0;
	r->cert_file = r->key_file = r->ca_file = r->crl_file = NULL;
	r->peers_certfile = NULL;
	for (i = 0; i < RCN_SCRIPT_MAX; i++)
		r->script[i] = NULL;
	if (id_copy(p, &r->my_id, &src->my_id) == -1)
		goto fail;
	if (src->npeers_ids > 0) {
		if ((r->peers_ids = calloc(src->npeers_ids,
		    sizeof(*r->peers_ids))) == NULL) {
			oom(p);
			goto fail;
		}
		for (i = 0; i < src->npeers_ids; i++) {
			if (id_copy(p, &r->peers_ids[i],
			    &src->peers_ids[i]) == -1)
				goto fail;
			r->npeers_ids++;
		}
	}
#define DUPS(f) do {							\
	if (src->f != NULL && (r->f = pstrdup(p, src->f)) == NULL)	\
		goto fail;						\
} while (0)
	DUPS(cert_file);
	DUPS(key_file);
	DUPS(ca_file);
	DUPS(crl_file);
	DUPS(peers_certfile);
	for (i = 0; i < RCN_SCRIPT_MAX; i++)
		DUPS(script[i]);
#undef DUPS
	TAILQ_FOREACH(pr, &src->proposals, entry) {
		if ((npr = malloc(sizeof(*npr))) == NULL) {
			oom(p);
			goto fail;
		}
		*npr = *pr;
		TAILQ_INSERT_TAIL(&r->proposals, npr, entry);
		r->nproposals++;
	}
	return (r);
 fail:
	remote_free(r);
	return (NULL);
}

/* The name of an old-style remote: "anonymous", ADDR or ADDR[PORT]. */
static char *
remote_oldname(struct parser *p, bool anon, const struct sad_addr *a)
{
	char abuf[INET6_ADDRSTRLEN], *s;
	int rc;

	if (anon)
		return (pstrdup(p, "anonymous"));
	(void)sad_addr_ntop(a, abuf, sizeof(abuf));
	if (a->port == CONF_PORT_ISAKMP)
		return (pstrdup(p, abuf));
	if ((rc = asprintf(&s, "%s[%u]", abuf, a->port)) == -1) {
		oom(p);
		return (NULL);
	}
	return (s);
}

static struct rcn_remote *
remote_find_name(struct rcn_config *c, const char *name)
{
	struct rcn_remote *r;

	TAILQ_FOREACH(r, &c->remotes, entry)
		if (strcmp(r->name, name) == 0)
			return (r);
	return (NULL);
}

const struct rcn_remote *
conf_remote_by_name(const struct rcn_config *c, const char *name)
{
	return (remote_find_name((struct rcn_config *)(uintptr_t)c, name));
}

static struct rcn_remote *
remote_find_addr(struct rcn_config *c, const struct sad_addr *a)
{
	struct rcn_remote *r;

	TAILQ_FOREACH(r, &c->remotes, entry)
		if (!r->anonymous && sad_addr_cmp(&r->addr, a) == 0 &&
		    r->addr.port == a->port)
			return (r);
	return (NULL);
}

static int
rm_remote_address(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	struct sad_addr a;
	uint16_t port;

	if (get_addr(p, "remote_address", &a) == -1 ||
	    get_port(p, false, CONF_PORT_ISAKMP, &port) == -1)
		return (-1);
	if (x->oldform || x->seen_addr) {
		perr(p, kt, "remote_address is already given for remote "
		    "\"%s\"", x->r->name);
		return (-1);
	}
	x->seen_addr = true;
	a.port = port;
	x->r->addr = a;
	x->r->anonymous = false;
	return (end_stmt(p));
}

static int
rm_exchange_mode(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const modes[] = {
		"main", "aggressive", "base", NULL
	};
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;
	const struct conf_token *t;
	int xm[CONF_MAX_XMODES], m, v;
	unsigned n = 0, i;

	for (;;) {
		t = peek(p, 0);
		if ((m = get_choice(p, "an exchange mode", modes,
		    "main or aggressive")) == -1)
			return (-1);
		if (m == 2) {
			pwarn(p, t, "\"base\" exchange mode is not supported "
			    "by racoon-ng; dropped from the list");
		} else {
			v = m == 0 ? RCN_XMODE_MAIN : RCN_XMODE_AGGRESSIVE;
			for (i = 0; i < n; i++)
				if (xm[i] == v)
					break;
			if (i == n)
				xm[n++] = v;
		}
		t = peek(p, 0);
		if (t->type == CT_COMMA) {
			(void)next(p);
			continue;
		}
		if (is_word(t, "main") || is_word(t, "aggressive") ||
		    is_word(t, "base"))
			continue;	/* racoon ignored the commas */
		break;
	}
	if (end_stmt(p) == -1)
		return (-1);
	if (n == 0) {
		perr(p, kt, "no exchange mode racoon-ng supports is left "
		    "(main, aggressive)");
		return (0);
	}
	memcpy(r->xmodes, xm, n * sizeof(xm[0]));
	r->nxmodes = n;
	return (0);
}

static int
rm_doi(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = { "ipsec_doi", NULL };

	if (get_choice(p, "the DOI", w, "ipsec_doi") == -1)
		return (-1);
	return (end_stmt(p));
}

static int
rm_situation(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = {
		"identity_only", "secrecy", "integrity", NULL
	};
	const struct conf_token *t = peek(p, 0);
	struct conf_token at = *t;
	int i;

	if ((i = get_choice(p, "the situation", w,
	    "identity_only")) == -1)
		return (-1);
	if (i != 0) {
		perr(p, &at, "situation \"%s\" is not supported by racoon-ng "
		    "(identity_only)", w[i]);
		return (-1);
	}
	return (end_stmt(p));
}

static int
rm_my_identifier(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	struct rcn_id id;

	if (get_id(p, "an identifier type", &id) == -1) {
		id_clear(&id);
		return (-1);
	}
	if (end_stmt(p) == -1) {
		id_clear(&id);
		return (-1);
	}
	id_clear(&x->r->my_id);
	x->r->my_id = id;
	return (0);
}

static int
rm_peers_identifier(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;
	struct rcn_id id, *n;
	unsigned i;

	if (get_id(p, "an identifier type", &id) == -1) {
		id_clear(&id);
		return (-1);
	}
	if (end_stmt(p) == -1) {
		id_clear(&id);
		return (-1);
	}
	if (!x->own_peers) {
		/* the first one of this block replaces inherited ones */
		for (i = 0; i < r->npeers_ids; i++)
			id_clear(&r->peers_ids[i]);
		r->npeers_ids = 0;
		x->own_peers = true;
	}
	for (i = 0; i < r->npeers_ids; i++)
		if (id_equal(&r->peers_ids[i], &id)) {
			id_clear(&id);
			return (0);
		}
	if (r->npeers_ids >= 64) {
		perr(p, kt, "too many peers_identifier (at most 64)");
		id_clear(&id);
		return (0);
	}
	if ((n = reallocarray(r->peers_ids, r->npeers_ids + 1,
	    sizeof(*n))) == NULL) {
		id_clear(&id);
		oom(p);
		return (-1);
	}
	r->peers_ids = n;
	r->peers_ids[r->npeers_ids++] = id;
	return (0);
}

static int
rm_switch(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;
	const char *n = k->name;
	bool v;

	if (get_switch(p, n, &v) == -1)
		return (-1);
	if (strcmp(n, "verify_identifier") == 0)
		r->verify_identifier = v;
	else if (strcmp(n, "send_cert") == 0)
		r->send_cert = v;
	else if (strcmp(n, "send_cr") == 0)
		r->send_cr = v;
	else if (strcmp(n, "verify_cert") == 0)
		r->verify_cert = v;
	else if (strcmp(n, "match_empty_cr") == 0)
		r->match_empty_cr = v;
	else if (strcmp(n, "passive") == 0)
		r->passive = v;
	else if (strcmp(n, "support_proxy") == 0)
		r->support_proxy = v;
	else if (strcmp(n, "initial_contact") == 0)
		r->initial_contact = v;
	else if (strcmp(n, "weak_phase1_check") == 0)
		r->weak_phase1_check = v;
	return (end_stmt(p));
}

static int
rm_tri(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = { "off", "on", "force", NULL };
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;
	int i;

	if ((i = get_choice(p, k->name, w, "on, off or force")) == -1)
		return (-1);
	if (strcmp(k->name, "nat_traversal") == 0)
		r->nat_traversal = (enum rcn_tri)i;
	else if (strcmp(k->name, "ike_frag") == 0)
		r->ike_frag = (enum rcn_tri)i;
	else
		r->rekey = (enum rcn_tri)i;
	return (end_stmt(p));
}

static int
rm_certificate_type(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = { "x509", "plain_rsa", NULL };
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;
	struct conf_token at = *peek(p, 0);
	char *cert = NULL, *key = NULL;
	int i;

	if ((i = get_choice(p, "the certificate type", w, "x509")) == -1)
		return (-1);
	if (i == 1) {
		perr(p, &at, "\"plain_rsa\" keys are not supported by "
		    "racoon-ng (use X.509 certificates)");
		return (-1);
	}
	if (get_string(p, "the certificate file", &cert) == -1 ||
	    get_string(p, "the private key file", &key) == -1 ||
	    end_stmt(p) == -1) {
		free(cert);
		free(key);
		return (-1);
	}
	if (x->seen_cert) {
		perr(p, kt, "certificate_type is already given for remote "
		    "\"%s\"", r->name);
		free(cert);
		free(key);
		return (0);
	}
	x->seen_cert = true;
	free(r->cert_file);
	free(r->key_file);
	r->cert_file = cert;
	r->key_file = key;
	return (0);
}

static int
rm_ca_type(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = { "x509", NULL };
	struct rctx *x = ctx;
	char *ca;

	if (get_choice(p, "the CA type", w, "x509") == -1 ||
	    get_string(p, "the CA certificate file", &ca) == -1)
		return (-1);
	if (end_stmt(p) == -1) {
		free(ca);
		return (-1);
	}
	if (x->seen_ca) {
		perr(p, kt, "ca_type is already given for remote \"%s\"",
		    x->r->name);
		free(ca);
		return (0);
	}
	x->seen_ca = true;
	free(x->r->ca_file);
	x->r->ca_file = ca;
	return (0);
}

static int
rm_crl_file(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	char *crl;

	if (get_string(p, "the CRL file", &crl) == -1)
		return (-1);
	if (end_stmt(p) == -1) {
		free(crl);
		return (-1);
	}
	if (x->seen_crl) {
		perr(p, kt, "crl_file is already given for remote \"%s\"",
		    x->r->name);
		free(crl);
		return (0);
	}
	x->seen_crl = true;
	free(x->r->crl_file);
	x->r->crl_file = crl;
	return (0);
}

static int
rm_peers_certfile(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	const struct conf_token *t = peek(p, 0);
	struct conf_token at = *t;
	char *f;

	if (is_word(t, "dnssec") || is_word(t, "plain_rsa")) {
		perr(p, &at, "peers_certfile \"%s\" is not supported by "
		    "racoon-ng (x509 \"file\")", t->text);
		return (-1);
	}
	if (is_word(t, "x509"))
		(void)next(p);
	else if (t->type == CT_STRING)
		pwarn(p, &at, "peers_certfile without a type is racoon's "
		    "deprecated form; write peers_certfile x509 \"file\"");
	if (get_string(p, "the peer's certificate file", &f) == -1)
		return (-1);
	if (end_stmt(p) == -1) {
		free(f);
		return (-1);
	}
	if (x->seen_peerscert) {
		perr(p, kt, "peers_certfile is already given for remote "
		    "\"%s\"", x->r->name);
		free(f);
		return (0);
	}
	x->seen_peerscert = true;
	free(x->r->peers_certfile);
	x->r->peers_certfile = f;
	return (0);
}

/*
 * A phase 1 byte lifetime is proposed and negotiated (a peer may want
 * one) but never counted: the IKE traffic of an ISAKMP SA is a handful
 * of quick mode and informational messages, so a limit meant for bulk
 * traffic could not be reached before the time lifetime (racoon did not
 * count it either).  Said at the statement, once.
 */
static void
p1_bytes_warn(struct parser *p, const struct conf_token *kt, uint64_t bytes)
{
	if (bytes != 0)
		pwarn(p, kt, "\"lifetime byte\" of phase 1 is proposed but "
		    "not enforced (the ISAKMP SA carries only IKE messages): "
		    "it ends with its time lifetime");
}

static int
rm_lifetime(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	uint64_t before = x->r->life.bytes;

	if (get_lifetime(p, &x->r->life, NULL, NULL) == -1)
		return (-1);
	if (x->r->life.bytes != before)
		p1_bytes_warn(p, kt, x->r->life.bytes);
	return (0);
}

static int
rm_nonce_size(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;

	/* RFC 2409 5: nonces are 8 to 256 bytes */
	if (get_unsigned(p, "nonce_size", 8, 256, &x->r->nonce_size) == -1)
		return (-1);
	return (end_stmt(p));
}

static int
rm_proposal_check(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = {
		"obey", "strict", "claim", "exact", NULL
	};
	struct rctx *x = ctx;
	int i;

	if ((i = get_choice(p, "the proposal_check level", w,
	    "obey, strict, claim or exact")) == -1)
		return (-1);
	x->r->proposal_check = (enum rcn_pcheck)i;
	return (end_stmt(p));
}

static int
rm_dpd(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;

	if (strcmp(k->name, "dpd_delay") == 0) {
		if (get_time(p, k->name, true, true, &r->dpd_delay) == -1)
			return (-1);
	} else if (strcmp(k->name, "dpd_retry") == 0) {
		if (get_time(p, k->name, false, true, &r->dpd_retry) == -1)
			return (-1);
	} else {
		if (get_u32(p, k->name, 1, 1000, &r->dpd_maxfail) == -1)
			return (-1);
	}
	return (end_stmt(p));
}

static int
rm_generate_policy(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = {
		"off", "on", "require", "unique", NULL
	};
	struct rctx *x = ctx;
	int i;

	if ((i = get_choice(p, "generate_policy", w,
	    "on, off, require or unique")) == -1)
		return (-1);
	x->r->generate_policy = i == 0 ? RCN_GENPOLICY_OFF :
	    i == 3 ? RCN_GENPOLICY_UNIQUE : RCN_GENPOLICY_ON;
	return (end_stmt(p));
}

static int
rm_script(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = {
		"phase1_up", "phase1_down", "phase1_dead", NULL
	};
	struct rctx *x = ctx;
	char *s;
	int i;

	if (get_string(p, "the script", &s) == -1)
		return (-1);
	if ((i = get_choice(p, "the script event", w,
	    "phase1_up, phase1_down or phase1_dead")) == -1 ||
	    end_stmt(p) == -1) {
		free(s);
		return (-1);
	}
	free(x->r->script[i]);
	x->r->script[i] = s;
	return (0);
}

static int
rm_mode_cfg(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	bool v;

	if (get_switch(p, "mode_cfg", &v) == -1)
		return (-1);
	if (v) {
		perr(p, kt, "\"mode_cfg on\" is not supported by racoon-ng "
		    "(ISAKMP mode configuration)");
		return (-1);
	}
	return (end_stmt(p));
}

static int
rm_ph1id(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;

	if (get_u32(p, "ph1id", 0, UINT32_MAX, &x->r->ph1id) == -1)
		return (-1);
	return (end_stmt(p));
}

static int
rm_dh_group(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	perr(p, kt, "dh_group is not valid here: it belongs in a proposal "
	    "block");
	return (-1);
}

static int
rm_esp_frag(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	uint32_t v;

	if (get_u32(p, "esp_frag", 1, 65535, &v) == -1 ||
	    end_stmt(p) == -1)
		return (-1);
	pwarn(p, kt, "\"esp_frag\" is ignored: racoon-ng does not fragment "
	    "before ESP-in-UDP encapsulation");
	return (0);
}

/* proposal { ... } */

struct pctx {
	struct rcn_proposal *pr;
	bool		 seen_enc, seen_hash, seen_auth, seen_dh;
};

static int
pr_enc(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const elsewhere[] = {
		"des_iv64", "des_iv32", "rc4", "3idea", "null_enc", "null",
		"twofish", "aes_gcm_16", "aes_gcm_12", "aes_gcm_8", NULL
	};
	struct pctx *y = ctx;
	const struct alg *a;
	struct conf_token at;
	unsigned keylen;
	char buf[96];
	int rc;

	rc = get_alg(p, "a phase 1 encryption algorithm", p1_encs,
	    p1_enc_unsupported, elsewhere, &a, &keylen, &at);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		tokstr(&at, buf, sizeof(buf));
		perr(p, &at, "%s encryption is not supported by racoon-ng "
		    "(phase 1: aes, 3des)", buf);
		return (-1);
	}
	y->pr->enc = a->id;
	y->pr->keylen = keylen;
	y->seen_enc = true;
	return (end_stmt(p));
}

static int
pr_hash(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct pctx *y = ctx;
	const struct alg *a;
	struct conf_token at;
	unsigned keylen;
	char buf[96];
	int rc;

	rc = get_alg(p, "a hash algorithm", p1_hashes, p1_hash_unsupported,
	    NULL, &a, &keylen, &at);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		tokstr(&at, buf, sizeof(buf));
		perr(p, &at, "%s hash is not supported by racoon-ng (sha1, "
		    "sha256, sha384, sha512)", buf);
		return (-1);
	}
	if (keylen != 0) {
		perr(p, &at, "a hash algorithm takes no key length");
		return (-1);
	}
	y->pr->hash = a->id;
	y->seen_hash = true;
	return (end_stmt(p));
}

static int
pr_auth(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct pctx *y = ctx;
	const struct alg *a;
	struct conf_token at;
	unsigned keylen;
	char buf[96];
	int rc;

	rc = get_alg(p, "an authentication method", auth_methods,
	    auth_unsupported, NULL, &a, &keylen, &at);
	if (rc == -1)
		return (-1);
	if (rc == 0) {
		tokstr(&at, buf, sizeof(buf));
		perr(p, &at, "%s authentication is not supported by "
		    "racoon-ng (pre_shared_key, rsasig)", buf);
		return (-1);
	}
	y->pr->auth = a->id;
	y->seen_auth = true;
	return (end_stmt(p));
}

static int
pr_dh(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct pctx *y = ctx;

	if (get_dh(p, "dh_group", &y->pr->dh_group) == -1)
		return (-1);
	y->seen_dh = true;
	return (end_stmt(p));
}

static int
pr_lifetime(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct pctx *y = ctx;
	uint64_t before = y->pr->life.bytes;

	if (get_lifetime(p, &y->pr->life, &y->pr->own_seconds,
	    &y->pr->own_bytes) == -1)
		return (-1);
	if (y->pr->life.bytes != before)
		p1_bytes_warn(p, kt, y->pr->life.bytes);
	return (0);
}

static const struct kw proposal_kw[] = {
	{ "encryption_algorithm", pr_enc, NULL },
	{ "hash_algorithm", pr_hash, NULL },
	{ "authentication_method", pr_auth, NULL },
	{ "dh_group", pr_dh, NULL },
	{ "lifetime", pr_lifetime, NULL },
	{ "gss_id", kw_unsupported, "GSS-API authentication" },
	{ "gssapi_id", kw_unsupported, "GSS-API authentication" },
	{ NULL, NULL, NULL }
};

static int
rm_proposal(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rctx *x = ctx;
	struct rcn_remote *r = x->r;
	struct rcn_proposal *pr;
	struct pctx y;
	unsigned errs = p->nerrors;
	char missing[128];

	if ((pr = calloc(1, sizeof(*pr))) == NULL) {
		oom(p);
		return (-1);
	}
	where_of(p, kt, &pr->where);
	memset(&y, 0, sizeof(y));
	y.pr = pr;
	if (parse_block(p, proposal_kw, &y, "proposal", kt) == -1) {
		free(pr);
		return (-1);
	}
	if (p->nerrors != errs) {
		free(pr);
		return (0);
	}
	missing[0] = '\0';
	if (!y.seen_enc)
		(void)strlcat(missing, ", encryption_algorithm",
		    sizeof(missing));
	if (!y.seen_hash)
		(void)strlcat(missing, ", hash_algorithm", sizeof(missing));
	if (!y.seen_auth)
		(void)strlcat(missing, ", authentication_method",
		    sizeof(missing));
	if (!y.seen_dh)
		(void)strlcat(missing, ", dh_group", sizeof(missing));
	if (missing[0] != '\0') {
		perr(p, kt, "proposal of remote \"%s\" lacks %s", r->name,
		    missing + 2);
		free(pr);
		return (0);
	}
	if (!x->own_proposals) {
		/* the first proposal of this block replaces inherited ones */
		struct rcn_proposal *o;

		while ((o = TAILQ_FIRST(&r->proposals)) != NULL) {
			TAILQ_REMOVE(&r->proposals, o, entry);
			proposal_free(o);
		}
		r->nproposals = 0;
		x->own_proposals = true;
	}
	if (r->nproposals >= 64) {
		perr(p, kt, "too many proposals in remote \"%s\" (at most 64)",
		    r->name);
		free(pr);
		return (0);
	}
	TAILQ_INSERT_TAIL(&r->proposals, pr, entry);
	r->nproposals++;
	return (0);
}

static const struct kw remote_kw[] = {
	{ "remote_address", rm_remote_address, NULL },
	{ "exchange_mode", rm_exchange_mode, NULL },
	{ "doi", rm_doi, NULL },
	{ "situation", rm_situation, NULL },
	{ "my_identifier", rm_my_identifier, NULL },
	{ "peers_identifier", rm_peers_identifier, NULL },
	{ "verify_identifier", rm_switch, NULL },
	{ "certificate_type", rm_certificate_type, NULL },
	{ "ca_type", rm_ca_type, NULL },
	{ "crl_file", rm_crl_file, NULL },
	{ "peers_certfile", rm_peers_certfile, NULL },
	{ "send_cert", rm_switch, NULL },
	{ "send_cr", rm_switch, NULL },
	{ "verify_cert", rm_switch, NULL },
	{ "match_empty_cr", rm_switch, NULL },
	{ "lifetime", rm_lifetime, NULL },
	{ "nonce_size", rm_nonce_size, NULL },
	{ "proposal_check", rm_proposal_check, NULL },
	{ "nat_traversal", rm_tri, NULL },
	{ "dpd", kw_ignored, "DPD support is always announced; dpd_delay "
	    "turns the checks on" },
	{ "dpd_delay", rm_dpd, NULL },
	{ "dpd_retry", rm_dpd, NULL },
	{ "dpd_maxfail", rm_dpd, NULL },
	{ "ike_frag", rm_tri, NULL },
	{ "esp_frag", rm_esp_frag, NULL },
	{ "generate_policy", rm_generate_policy, NULL },
	{ "passive", rm_switch, NULL },
	{ "support_proxy", rm_switch, NULL },
	{ "initial_contact", rm_switch, NULL },
	{ "rekey", rm_tri, NULL },
	{ "weak_phase1_check", rm_switch, NULL },
	{ "script", rm_script, NULL },
	{ "mode_cfg", rm_mode_cfg, NULL },
	{ "xauth_login", kw_unsupported, "XAuth" },
	{ "ph1id", rm_ph1id, NULL },
	{ "proposal", rm_proposal, NULL },
	{ "dh_group", rm_dh_group, NULL },
	{ NULL, NULL, NULL }
};

/* The header's peer: "NAME", anonymous [PORT] or ADDR [PORT]. */
struct rspec {
	bool		 named;
	char		*name;		/* named */
	bool		 anon;
	struct sad_addr	 addr;
	struct conf_token tok;
};

static int
get_rspec(struct parser *p, struct rspec *s)
{
	const struct conf_token *t = peek(p, 0);
	uint16_t port;
	char buf[96];

	memset(s, 0, sizeof(*s));
	s->tok = *t;
	if (t->type == CT_STRING) {
		s->named = true;
		return (get_string(p, "the remote name", &s->name));
	}
	if (is_word(t, "anonymous")) {
		(void)next(p);
		s->anon = true;
		t = peek(p, 0);
		if (t->type == CT_PORT) {
			perr(p, t, "\"anonymous %s\": racoon-ng does not "
			    "restrict an anonymous remote to a port", t->text);
			return (-1);
		}
	} else {
		if (t->type == CT_WORD && strpbrk(t->text, "%-") == NULL &&
		    sad_addr_parse(&s->addr, t->text) != 0) {
			tokstr(t, buf, sizeof(buf));
			perr(p, t, "%s is not an IP address: a remote is an "
			    "address, anonymous, or a \"name\" with a "
			    "remote_address", buf);
			return (-1);
		}
		if (get_addr(p, "the remote", &s->addr) == -1)
			return (-1);
	}
	if (get_port(p, false, CONF_PORT_ISAKMP, &port) == -1)
		return (-1);
	s->addr.port = port;
	return (0);
}

static void
remote_check(struct parser *p, struct rcn_remote *r)
{
	struct rcn_proposal *pr;
	int dh = 0;
	unsigned i, n;
	bool aggr = false;

	if (r->nxmodes == 0)
		perr_at(p, false, &r->where, "remote \"%s\" has no "
		    "exchange_mode", r->name);
	if (r->nproposals == 0)
		perr_at(p, false, &r->where, "remote \"%s\" has no proposal",
		    r->name);
	for (i = 0; i < r->nxmodes; i++)
		if (r->xmodes[i] == RCN_XMODE_AGGRESSIVE)
			aggr = true;
	n = 0;
	TAILQ_FOREACH(pr, &r->proposals, entry) {
		n++;
		if (!pr->own_seconds)
			pr->life.seconds = r->life.seconds;
		if (!pr->own_bytes)
			pr->life.bytes = r->life.bytes;
		if (aggr && dh != 0 && pr->dh_group != dh)
			perr_at(p, false, &pr->where, "remote \"%s\" uses "
			    "aggressive mode: every proposal needs the same "
			    "dh_group (%s, not %s)", r->name, conf_dh_name(dh),
			    conf_dh_name(pr->dh_group));
		dh = pr->dh_group;
		if (pr->auth == RCN_AUTH_RSASIG && r->cert_file == NULL)
			perr_at(p, false, &pr->where, "proposal %u of remote "
			    "\"%s\": rsasig authentication needs "
			    "\"certificate_type x509\"", n, r->name);
		if (pr->auth == RCN_AUTH_PSK && !p->psk_used) {
			p->psk_used = true;
			p->psk_where = pr->where;
			(void)strlcpy(p->psk_remote, r->name,
			    sizeof(p->psk_remote));
		}
	}
	if (r->my_id.type == RCN_ID_ASN1DN && r->my_id.value == NULL &&
	    r->cert_file == NULL)
		perr_at(p, false, &r->where, "remote \"%s\": \"my_identifier "
		    "asn1dn\" without a DN needs \"certificate_type x509\"",
		    r->name);
	if (r->verify_identifier && r->npeers_ids == 0)
		perr_at(p, true, &r->where, "remote \"%s\": verify_identifier "
		    "is on but no peers_identifier is given", r->name);
}

static int
top_remote(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	struct rspec me, parent;
	struct rcn_remote *r = NULL, *from = NULL, *o;
	struct rctx x;
	const struct conf_token *t;
	char *pname = NULL, buf[96];
	bool inherit = false;
	int rc = -1;

	memset(&parent, 0, sizeof(parent));
	if (get_rspec(p, &me) == -1)
		goto out;
	if (is_word(peek(p, 0), "inherit")) {
		(void)next(p);
		inherit = true;
		if (get_rspec(p, &parent) == -1)
			goto out;
		if (parent.named)
			pname = pstrdup(p, parent.name);
		else
			pname = remote_oldname(p, parent.anon, &parent.addr);
		if (pname == NULL)
			goto out;
		from = remote_find_name(c, pname);
		if (from == NULL && !parent.named && !parent.anon)
			from = remote_find_addr(c, &parent.addr);
		if (from == NULL) {
			quote_into(pname, strlen(pname), buf, sizeof(buf));
			perr(p, &parent.tok, "inherit: unknown remote %s (the "
			    "parent must be defined before)", buf);
			goto out;
		}
		r = remote_dup(p, from);
		if (r != NULL)
			r->inherited = pstrdup(p, from->name);
	} else
		r = remote_new(p);
	if (r == NULL)
		goto out;
	memset(&x, 0, sizeof(x));
	x.r = r;
	x.errors = p->nerrors;
	where_of(p, kt, &r->where);
	if (me.named)
		r->name = me.name, me.name = NULL;
	else {
		r->name = remote_oldname(p, me.anon, &me.addr);
		x.oldform = true;
		if (me.anon) {
			r->anonymous = true;
			memset(&r->addr, 0, sizeof(r->addr));
		} else
			r->anonymous = false;
		r->addr.port = me.addr.port;
		if (!me.anon)
			r->addr = me.addr;
	}
	if (r->name == NULL)
		goto out;
	t = peek(p, 0);
	if (t->type == CT_SEMI && inherit)
		(void)next(p);
	else if (t->type == CT_SEMI) {
		perr(p, t, "remote \"%s\" needs a { block } (\";\" alone is "
		    "only for inherit)", r->name);
		goto out;
	} else if (parse_block(p, remote_kw, &x, "remote", kt) == -1)
		goto out;
	rc = 0;
	if (p->nerrors != x.errors)
		goto out;	/* checks would only repeat the problem */
	if ((o = remote_find_name(c, r->name)) != NULL) {
		perr(p, kt, "remote \"%s\" is defined twice (first at %s:%u)",
		    r->name, o->where.file, o->where.line);
		goto out;
	}
	if (!r->anonymous && (o = remote_find_addr(c, &r->addr)) != NULL) {
		perr(p, kt, "remote \"%s\" has the address of remote \"%s\" "
		    "(%s:%u)", r->name, o->name, o->where.file, o->where.line);
		goto out;
	}
	remote_check(p, r);
	TAILQ_INSERT_TAIL(&c->remotes, r, entry);
	c->nremotes++;
	r = NULL;
 out:
	remote_free(r);
	free(me.name);
	free(parent.name);
	free(pname);
	return (rc);
}

/* -------------------------------------------------------------- sainfo */

static const struct {
	const char	*name;
	uint8_t		 proto;
} ulprotos[] = {
	{ "any", RCN_PROTO_ANY }, { "icmp", 1 }, { "tcp", 6 },
	{ "udp", 17 }, { "gre", 47 }, { "esp", 50 }, { "ah", 51 },
	{ "icmp6", 58 }, { "ipcomp", 108 },
};

const char *
conf_ulproto_name(uint8_t proto)
{
	size_t i;

	for (i = 0; i < nitems(ulprotos); i++)
		if (ulprotos[i].proto == proto)
			return (ulprotos[i].name);
	return (NULL);
}

static bool
host_bits_set(const struct sad_addr *a, unsigned plen)
{
	unsigned j, lo, nbytes = sad_addr_bits(a) / 8;
	uint8_t m;

	for (j = 0; j < nbytes; j++) {
		lo = j * 8;
		if (plen >= lo + 8)
			continue;
		m = plen <= lo ? 0xff : (uint8_t)(0xff >> (plen - lo));
		if (a->a.b[j] & m)
			return (true);
	}
	return (false);
}

/* address|subnet ADDR [/PLEN] [PORT] ULPROTO */
static int
get_said(struct parser *p, struct rcn_said *s)
{
	static const char *const types[] = {
		"address", "subnet", "fqdn", "user_fqdn", "asn1dn", "keyid",
		NULL
	};
	const struct conf_token *t;
	struct conf_token at, pt;
	char buf[96];
	uint64_t v;
	uint16_t port;
	unsigned bits, plen, i;
	bool subnet;
	int ty;

	memset(s, 0, sizeof(*s));
	at = *peek(p, 0);
	if ((ty = get_choice(p, "a phase 2 ID", types,
	    "anonymous, address or subnet")) == -1)
		return (-1);
	if (ty >= 2) {
		perr(p, &at, "\"%s\" phase 2 IDs are not supported by "
		    "racoon-ng (address, subnet)", types[ty]);
		return (-1);
	}
	subnet = ty == 1;
	if (get_addr(p, types[ty], &s->addr) == -1)
		return (-1);
	bits = sad_addr_bits(&s->addr);
	plen = bits;
	t = peek(p, 0);
	if (t->type == CT_PREFIX) {
		if (t->num > bits) {
			perr(p, t, "prefix length /%lu is too long for the "
			    "address (at most %u)", t->num, bits);
			return (-1);
		}
		plen = (unsigned)t->num;
		(void)next(p);
	}
	s->addr.plen = (uint8_t)plen;
	if (get_port(p, true, 0, &port) == -1)
		return (-1);
	s->addr.port = port;
	t = peek(p, 0);
	pt = *t;
	tokstr(t, buf, sizeof(buf));
	if (t->type != CT_WORD) {
		if (t->type == CT_ERROR)
			(void)next(p);
		else
			perr(p, t, "expected the upper layer protocol (any, "
			    "tcp, udp, icmp, icmp6, ... or a number), found "
			    "%s", buf);
		return (-1);
	}
	for (i = 0; i < nitems(ulprotos); i++)
		if (strcmp(t->text, ulprotos[i].name) == 0)
			break;
	if (i < nitems(ulprotos))
		s->proto = ulprotos[i].proto;
	else if (parse_num(t->text, &v) == 0 && v <= 255)
		s->proto = (uint8_t)v;
	else {
		perr(p, t, "%s is not an upper layer protocol (any, tcp, "
		    "udp, icmp, icmp6, ... or 0 to 255)", buf);
		return (-1);
	}
	(void)next(p);
	if ((s->proto == 1 || s->proto == 58) && s->addr.port != 0) {
		perr(p, &pt, "the port of an %s ID must be \"any\"",
		    s->proto == 1 ? "icmp" : "icmp6");
		return (-1);
	}
	if ((s->proto == 1 && s->addr.af == AF_INET6) ||
	    (s->proto == 58 && s->addr.af == AF_INET)) {
		perr(p, &pt, "%s does not go with an IPv%c address", buf,
		    s->addr.af == AF_INET ? '4' : '6');
		return (-1);
	}
	if (plen == bits && !subnet)
		s->kind = RCN_SAID_ADDRESS;
	else {
		s->kind = RCN_SAID_SUBNET;
		/* racoon sent such an ID as written; so does racoon-ng */
		if (host_bits_set(&s->addr, plen))
			pwarn(p, &at, "the %s ID has host bits set beyond "
			    "/%u; it is sent as written", types[ty], plen);
	}
	return (0);
}

static bool
said_equal(const struct rcn_said *a, const struct rcn_said *b)
{
	if (a->kind != b->kind)
		return (false);
	if (a->kind == RCN_SAID_ANONYMOUS || a->kind == RCN_SAID_CLIENTADDR)
		return (true);
	return (sad_addr_cmp(&a->addr, &b->addr) == 0 &&
	    a->addr.plen == b->addr.plen && a->addr.port == b->addr.port &&
	    a->proto == b->proto);
}

struct sctx {
	struct rcn_sainfo *s;
	bool		 enc_dropped;	/* an unsupported one was dropped */
	bool		 auth_dropped;
};

static int
sa_pfs_group(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct sctx *y = ctx;

	if (get_dh(p, "pfs_group", &y->s->pfs_group) == -1)
		return (-1);
	return (end_stmt(p));
}

static int
sa_esn(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const w[] = { "off", "on", NULL };
	struct sctx *y = ctx;
	int i;

	if ((i = get_choice(p, k->name, w, "on or off")) == -1)
		return (-1);
	y->s->esn = i == 1;
	return (end_stmt(p));
}

static int
sa_lifetime(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct sctx *y = ctx;

	return (get_lifetime(p, &y->s->life, NULL, NULL));
}

static int
sa_remoteid(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct sctx *y = ctx;

	if (get_u32(p, "remoteid", 0, UINT32_MAX, &y->s->remoteid) == -1)
		return (-1);
	return (end_stmt(p));
}

/* A comma-separated algorithm list. */
static int
sa_algs(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	static const char *const enc_elsewhere[] = { "cast", NULL };
	static const char *const auth_elsewhere[] = {
		"md5", "sha1", "sha256", "sha384", "sha512", NULL
	};
	struct sctx *y = ctx;
	struct rcn_sainfo *s = y->s;
	const struct alg *a;
	struct conf_token at;
	struct rcn_p2enc enc[CONF_MAX_ALGS];
	int auth[CONF_MAX_ALGS];
	unsigned n = 0, i, keylen;
	char buf[96];
	bool is_enc = strcmp(k->name, "encryption_algorithm") == 0;
	bool is_auth = strcmp(k->name, "authentication_algorithm") == 0;
	bool dropped = false;
	int rc;

	for (;;) {
		if (is_enc)
			rc = get_alg(p, "a phase 2 encryption algorithm",
			    p2_encs, p2_enc_unsupported, enc_elsewhere, &a,
			    &keylen, &at);
		else if (is_auth)
			rc = get_alg(p, "a phase 2 authentication algorithm",
			    p2_auths, p2_auth_unsupported, auth_elsewhere, &a,
			    &keylen, &at);
		else {
			static const struct alg none[] = { { NULL, 0, 0 } };

			rc = get_alg(p, "a compression algorithm", none,
			    compressions, NULL, &a, &keylen, &at);
		}
		if (rc == -1)
			return (-1);
		tokstr(&at, buf, sizeof(buf));
		if (rc == 0 && (is_enc || is_auth)) {
			pwarn(p, &at, "%s is not supported by racoon-ng; "
			    "dropped from %s", buf, k->name);
			dropped = true;
		} else if (is_enc) {
			for (i = 0; i < n; i++)
				if (enc[i].id == a->id &&
				    enc[i].keylen == keylen)
					break;
			if (i == n) {
				if (n >= CONF_MAX_ALGS) {
					perr(p, &at, "too many algorithms "
					    "(at most %d)", CONF_MAX_ALGS);
					return (-1);
				}
				enc[n].id = a->id;
				enc[n].keylen = keylen;
				n++;
			}
		} else if (is_auth) {
			if (keylen != 0) {
				perr(p, &at, "%s takes no key length", buf);
				return (-1);
			}
			for (i = 0; i < n; i++)
				if (auth[i] == a->id)
					break;
			if (i == n) {
				if (n >= CONF_MAX_ALGS) {
					perr(p, &at, "too many algorithms "
					    "(at most %d)", CONF_MAX_ALGS);
					return (-1);
				}
				auth[n++] = a->id;
			}
		}
		if (peek(p, 0)->type != CT_COMMA)
			break;
		(void)next(p);
	}
	if (end_stmt(p) == -1)
		return (-1);
	if (is_enc) {
		memcpy(s->enc, enc, n * sizeof(enc[0]));
		s->nenc = n;
		y->enc_dropped = dropped;
	} else if (is_auth) {
		memcpy(s->auth, auth, n * sizeof(auth[0]));
		s->nauth = n;
		y->auth_dropped = dropped;
	} else
		pwarn(p, kt, "\"compression_algorithm\" is ignored: "
		    "racoon-ng does not do IPComp");
	return (0);
}

static int
sa_my_identifier(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	perr(p, kt, "my_identifier is not valid in sainfo (racoon rejects "
	    "it too): the local identity goes in the remote block");
	return (-1);
}

static const struct kw sainfo_kw[] = {
	{ "pfs_group", sa_pfs_group, NULL },
	{ "esn", sa_esn, NULL },
	{ "lifetime", sa_lifetime, NULL },
	{ "encryption_algorithm", sa_algs, NULL },
	{ "authentication_algorithm", sa_algs, NULL },
	{ "compression_algorithm", sa_algs, NULL },
	{ "remoteid", sa_remoteid, NULL },
	{ "my_identifier", sa_my_identifier, NULL },
	{ NULL, NULL, NULL }
};

static void
sainfo_free(struct rcn_sainfo *s)
{
	if (s == NULL)
		return;
	id_clear(&s->from);
	free(s);
}

static void
sainfo_name(const struct rcn_sainfo *s, char *buf, size_t len)
{
	char l[160], r[160];

	if (s->local.kind == RCN_SAID_ANONYMOUS &&
	    s->remote.kind == RCN_SAID_ANONYMOUS) {
		(void)strlcpy(buf, "sainfo anonymous", len);
		return;
	}
	conf_said_str(&s->local, l, sizeof(l));
	conf_said_str(&s->remote, r, sizeof(r));
	(void)snprintf(buf, len, "sainfo %s %s", l, r);
}

static int
top_sainfo(struct parser *p, void *ctx, const struct kw *k,
    const struct conf_token *kt)
{
	struct rcn_config *c = p->cfg;
	struct rcn_sainfo *s, *o;
	struct sctx y;
	const struct conf_token *t;
	char name[400];
	unsigned errs = p->nerrors, i;
	bool anycbc = false;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		oom(p);
		return (-1);
	}
	where_of(p, kt, &s->where);
	s->life.seconds = CONF_DEFAULT_P2_LIFE;
	/* local */
	if (is_word(peek(p, 0), "anonymous")) {
		(void)next(p);
		s->local.kind = RCN_SAID_ANONYMOUS;
		t = peek(p, 0);
		if (t->type == CT_LBRACE || is_word(t, "from") ||
		    is_word(t, "group")) {
			/* "sainfo anonymous": both sides */
			s->remote.kind = RCN_SAID_ANONYMOUS;
			goto params;
		}
	} else if (get_said(p, &s->local) == -1)
		goto fail;
	/* remote */
	t = peek(p, 0);
	if (is_word(t, "anonymous")) {
		(void)next(p);
		s->remote.kind = RCN_SAID_ANONYMOUS;
	} else if (is_word(t, "clientaddr")) {
		(void)next(p);
		s->remote.kind = RCN_SAID_CLIENTADDR;
	} else if (get_said(p, &s->remote) == -1)
		goto fail;
	if (s->local.kind >= RCN_SAID_ADDRESS &&
	    s->remote.kind >= RCN_SAID_ADDRESS &&
	    s->local.addr.af != s->remote.addr.af) {
		perr(p, kt, "the two IDs of an sainfo must be of the same "
		    "address family");
		goto fail;
	}
 params:
	t = peek(p, 0);
	if (is_word(t, "from")) {
		(void)next(p);
		if (get_id(p, "the phase 1 identifier type", &s->from) == -1)
			goto fail;
		t = peek(p, 0);
	}
	if (is_word(t, "group")) {
		perr(p, t, "\"group\" is not supported by racoon-ng (XAuth "
		    "groups)");
		goto fail;
	}
	memset(&y, 0, sizeof(y));
	y.s = s;
	if (parse_block(p, sainfo_kw, &y, "sainfo", kt) == -1)
		goto fail;
	if (p->nerrors != errs) {
		sainfo_free(s);
		return (0);
	}
	sainfo_name(s, name, sizeof(name));
	if (s->nenc == 0) {
		if (y.enc_dropped)
			perr(p, kt, "%s: no encryption algorithm racoon-ng "
			    "supports is left (aes, 3des, null_enc, "
			    "aes_gcm_16, aes_gcm_12, aes_gcm_8)", name);
		else
			perr(p, kt, "%s has no encryption_algorithm", name);
		sainfo_free(s);
		return (0);
	}
	for (i = 0; i < s->nenc; i++)
		if (!conf_p2_enc_is_aead(s->enc[i].id))
			anycbc = true;
	if (s->nauth == 0 && anycbc) {
		if (y.auth_dropped)
			perr(p, kt, "%s: no authentication algorithm "
			    "racoon-ng supports is left (hmac_sha1, "
			    "hmac_sha256, hmac_sha384, hmac_sha512)", name);
		else
			perr(p, kt, "%s has no authentication_algorithm "
			    "(needed by %s)", name, conf_p2_enc_name(
			    s->enc[0].id));
		sainfo_free(s);
		return (0);
	}
	TAILQ_FOREACH(o, &c->sainfos, entry) {
		if (said_equal(&o->local, &s->local) &&
		    said_equal(&o->remote, &s->remote) &&
		    id_equal(&o->from, &s->from) &&
		    o->remoteid == s->remoteid) {
			perr(p, kt, "%s is defined twice (first at %s:%u)",
			    name, o->where.file, o->where.line);
			sainfo_free(s);
			return (0);
		}
	}
	TAILQ_INSERT_TAIL(&c->sainfos, s, entry);
	c->nsainfos++;
	return (0);
 fail:
	sainfo_free(s);
	return (-1);
}

/* ----------------------------------------------------------- top level */

static const struct kw top_kw[] = {
	{ "privsep", top_privsep, NULL },
	{ "path", top_path, NULL },
	{ "include", top_include, NULL },
	{ "log", top_log, NULL },
	{ "padding", top_padding, NULL },
	{ "listen", top_listen, NULL },
	{ "timer", top_timer, NULL },
	{ "remote", top_remote, NULL },
	{ "sainfo", top_sainfo, NULL },
	{ "sadb", top_sadb, NULL },
	{ "complex_bundle", top_complex_bundle, NULL },
	{ "pfkey_buffer", kw_ignored, "racoon-ng sizes its PF_KEY socket "
	    "buffer itself" },
	{ "gss_id_enc", kw_ignored, "GSS-API authentication is not "
	    "supported" },
	{ "mode_cfg", kw_unsupported, "ISAKMP mode configuration and "
	    "XAuth" },
	{ "ldapcfg", kw_unsupported, "XAuth with LDAP" },
	{ "radiuscfg", kw_unsupported, "XAuth with RADIUS" },
	{ NULL, NULL, NULL }
};

static void
parse_top(struct parser *p)
{
	const struct conf_token *t;
	const struct kw *k;
	struct conf_token key;
	char buf[96];

	while (!p->stop) {
		t = peek(p, 0);
		switch (t->type) {
		case CT_EOF:
			return;
		case CT_ERROR:
			(void)next(p);
			return;
		case CT_SEMI:
			(void)next(p);
			continue;
		case CT_RBRACE:
			perr(p, t, "\"}\" without a block to close");
			(void)next(p);
			continue;
		case CT_WORD:
			break;
		default:
			tokstr(t, buf, sizeof(buf));
			perr(p, t, "expected a directive, found %s", buf);
			skip_stmt(p);
			continue;
		}
		if ((k = kw_find(top_kw, t->text)) == NULL) {
			tokstr(t, buf, sizeof(buf));
			perr(p, t, "unknown directive %s", buf);
			skip_stmt(p);
			continue;
		}
		key = *t;
		(void)next(p);
		if (k->fn(p, NULL, k, &key) == -1)
			skip_stmt(p);
	}
}

/* Keep a file name for the life of the configuration. */
static const char *
add_file(struct parser *p, const char *name)
{
	struct rcn_config *c = p->cfg;
	char **f, *s;

	if ((f = reallocarray(c->files, c->nfiles + 1, sizeof(*f))) == NULL) {
		oom(p);
		return (NULL);
	}
	c->files = f;
	if ((s = strdup(name)) == NULL) {
		oom(p);
		return (NULL);
	}
	c->files[c->nfiles++] = s;
	return (s);
}

static int
parse_buf(struct parser *p, const char *buf, size_t len, const char *name)
{
	struct conf_lexer *lx, *olx = p->lx;
	const char *ofile = p->file, *f;

	if ((f = add_file(p, name)) == NULL)
		return (-1);
	if ((lx = malloc(sizeof(*lx))) == NULL) {
		oom(p);
		return (-1);
	}
	conf_lex_init(lx, buf, len);
	p->lx = lx;
	p->file = f;
	parse_top(p);
	p->lx = olx;
	p->file = ofile;
	free(lx);
	return (0);
}

/* Read a whole regular file; `from' is the include statement, if any. */
static int
read_file(struct parser *p, const char *name, const struct conf_token *from,
    char **bufp, size_t *lenp, struct stat *st)
{
	const char *why;
	char qn[96], *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	quote_into(name, strlen(name), qn, sizeof(qn));
	if ((fd = open(name, O_RDONLY | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    fstat(fd, st) == -1) {
		why = strerror(errno);
		goto fail;
	}
	if (!S_ISREG(st->st_mode)) {
		why = "not a regular file";
		goto fail;
	}
	if (st->st_size > CONF_FILE_MAX) {
		why = "file too large";
		goto fail;
	}
	if ((buf = malloc((size_t)st->st_size + 1)) == NULL) {
		(void)close(fd);
		oom(p);
		return (-1);
	}
	while (len < (size_t)st->st_size) {
		n = read(fd, buf + len, (size_t)st->st_size - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			why = strerror(errno);
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	(void)close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return (0);
 fail:
	if (fd != -1)
		(void)close(fd);
	free(buf);
	if (from != NULL)
		perr(p, from, "include %s: %s", qn, why);
	else
		perr_file(p, name, "%s", why);
	return (-1);
}

static int
parse_file(struct parser *p, const char *name, const struct conf_token *from)
{
	struct stat st;
	char *buf, qn[96];
	size_t len;
	unsigned i;
	int rc;

	quote_into(name, strlen(name), qn, sizeof(qn));
	if (p->depth >= CONF_MAX_INCLUDE) {
		perr(p, from, "include %s: includes nested too deeply (more "
		    "than %d)", qn, CONF_MAX_INCLUDE);
		return (-1);
	}
	if (read_file(p, name, from, &buf, &len, &st) == -1)
		return (-1);
	for (i = 0; i < p->nstack; i++)
		if (p->stack[i].dev == st.st_dev &&
		    p->stack[i].ino == st.st_ino) {
			perr(p, from, "include %s: an include loop (the file "
			    "is already being read)", qn);
			free(buf);
			return (-1);
		}
	p->stack[p->nstack].dev = st.st_dev;
	p->stack[p->nstack].ino = st.st_ino;
	p->nstack++;
	p->depth++;
	rc = parse_buf(p, buf, len, name);
	p->depth--;
	p->nstack--;
	free(buf);
	return (rc);
}

/* ------------------------------------------------------------ finishing */

static struct rcn_config *
cfg_new(void)
{
	struct rcn_config *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	TAILQ_INIT(&c->remotes);
	TAILQ_INIT(&c->sainfos);
	c->log = RCN_LOG_INFO;
	c->transport = RCN_TRANSPORT_AUTO;
	c->adminsock_mode = 0600;
	/* racoon's timer defaults (racoon.conf(5), localconf.h) */
	c->retry_counter = 5;
	c->retry_interval = 10;
	c->retry_persend = 1;
	c->phase1_timeout = 15;
	c->phase2_timeout = 10;
	c->natt_keepalive = 20;
	/* and its padding defaults */
	c->pad_randomize = true;
	c->pad_randomize_length = false;
	c->pad_maximum_length = 20;
	c->pad_exclusive_tail = true;
	c->pad_strict_check = false;
	if ((c->path_pidfile = strdup(CONF_DEFAULT_PIDFILE)) == NULL ||
	    (c->privsep_user = strdup(CONF_DEFAULT_USER)) == NULL ||
	    (c->privsep_chroot = strdup(CONF_DEFAULT_CHROOT)) == NULL ||
	    (c->adminsock_path = strdup(CONF_DEFAULT_ADMINSOCK)) == NULL ||
	    (c->adminsock_owner = strdup("0")) == NULL ||
	    (c->adminsock_group = strdup("0")) == NULL) {
		conf_free(c);
		return (NULL);
	}
	return (c);
}

static int
resolve_field(struct parser *p, const char *setting, char **field)
{
	char *r;

	if (*field == NULL || (*field)[0] == '/')
		return (0);
	if ((r = resolve(p, setting, *field)) == NULL)
		return (-1);
	free(*field);
	*field = r;
	return (0);
}

/* The checks and resolutions that need the whole file. */
static void
finalize(struct parser *p)
{
	struct rcn_config *c = p->cfg;
	struct rcn_remote *r;
	const char *cd = c->path_certificate;
	unsigned i;
	bool natt_listen = false, warned = false;

	TAILQ_FOREACH(r, &c->remotes, entry) {
		if (resolve_field(p, cd, &r->cert_file) == -1 ||
		    resolve_field(p, cd, &r->key_file) == -1 ||
		    resolve_field(p, cd, &r->ca_file) == -1 ||
		    resolve_field(p, cd, &r->crl_file) == -1 ||
		    resolve_field(p, cd, &r->peers_certfile) == -1)
			return;
		for (i = 0; i < RCN_SCRIPT_MAX; i++)
			if (resolve_field(p, c->path_script,
			    &r->script[i]) == -1)
				return;
	}
	if (p->psk_used && c->path_psk == NULL)
		perr_at(p, false, &p->psk_where, "remote \"%s\" uses "
		    "pre_shared_key authentication but no \"path "
		    "pre_shared_key\" is given", p->psk_remote);
	if (p->socket_set && c->transport != RCN_TRANSPORT_SADBD)
		perr_at(p, false, &p->socket_where, "\"socket\" is only used "
		    "with \"transport sadbd\" (the transport is %s)",
		    conf_transport_name(c->transport));
	for (i = 0; i < c->nlisten; i++)
		if (c->listen[i].natt)
			natt_listen = true;
	if (c->nlisten > 0 && !natt_listen)
		TAILQ_FOREACH(r, &c->remotes, entry)
			if (r->nat_traversal != RCN_OFF && !warned) {
				perr_at(p, true, &r->where, "remote \"%s\" "
				    "uses NAT-T but listen has no isakmp_natt "
				    "address (port %d)", r->name,
				    CONF_PORT_NATT);
				warned = true;
			}
}

static int
parser_init(struct parser *p, const char *name, const struct conf_opts *opts,
    struct conf_msgs *msgs)
{
	const char *slash;

	memset(p, 0, sizeof(*p));
	p->msgs = msgs;
	p->flags = opts != NULL ? opts->flags : 0;
	p->file = name;
	if ((slash = strrchr(name, '/')) == NULL)
		p->topdir = strdup(".");
	else if (slash == name)
		p->topdir = strdup("/");
	else
		p->topdir = strndup(name, (size_t)(slash - name));
	if (p->topdir == NULL || (p->cfg = cfg_new()) == NULL) {
		oom(p);
		free(p->topdir);
		return (-1);
	}
	return (0);
}

static int
parser_finish(struct parser *p, struct rcn_config **cfgp)
{
	if (!p->stop && p->nerrors == 0)
		finalize(p);
	free(p->topdir);
	if (p->nerrors > 0 || p->nomem) {
		conf_free(p->cfg);
		*cfgp = NULL;
		return (-1);
	}
	*cfgp = p->cfg;
	return (0);
}

int
conf_load(const char *path, const struct conf_opts *opts,
    struct rcn_config **cfgp, struct conf_msgs *msgs)
{
	struct parser p;

	*cfgp = NULL;
	if (parser_init(&p, path, opts, msgs) == -1)
		return (-1);
	(void)parse_file(&p, path, NULL);
	return (parser_finish(&p, cfgp));
}

int
conf_load_buffer(const char *buf, size_t len, const char *name,
    const struct conf_opts *opts, struct rcn_config **cfgp,
    struct conf_msgs *msgs)
{
	struct parser p;

	*cfgp = NULL;
	if (parser_init(&p, name, opts, msgs) == -1)
		return (-1);
	(void)parse_buf(&p, buf, len, name);
	return (parser_finish(&p, cfgp));
}

void
conf_free(struct rcn_config *c)
{
	struct rcn_remote *r;
	struct rcn_sainfo *s;
	unsigned i;

	if (c == NULL)
		return;
	free(c->path_include);
	free(c->path_psk);
	free(c->path_certificate);
	free(c->path_script);
	free(c->path_pidfile);
	free(c->privsep_user);
	free(c->privsep_group);
	free(c->privsep_chroot);
	free(c->sadbd_socket);
	free(c->listen);
	free(c->adminsock_path);
	free(c->adminsock_owner);
	free(c->adminsock_group);
	while ((r = TAILQ_FIRST(&c->remotes)) != NULL) {
		TAILQ_REMOVE(&c->remotes, r, entry);
		remote_free(r);
	}
	while ((s = TAILQ_FIRST(&c->sainfos)) != NULL) {
		TAILQ_REMOVE(&c->sainfos, s, entry);
		sainfo_free(s);
	}
	for (i = 0; i < c->nfiles; i++)
		free(c->files[i]);
	free(c->files);
	free(c);
}

void
conf_msgs_free(struct conf_msgs *msgs)
{
	struct conf_msg *m;

	while ((m = TAILQ_FIRST(msgs)) != NULL) {
		TAILQ_REMOVE(msgs, m, entry);
		free(m->text);
		free(m);
	}
}

unsigned
conf_msgs_errors(const struct conf_msgs *msgs)
{
	const struct conf_msg *m;
	unsigned n = 0;

	TAILQ_FOREACH(m, msgs, entry)
		if (!m->warning)
			n++;
	return (n);
}
