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
 * setkey printers: -D, -DP, -D -l, -x and -o json.
 *
 * Scripts parse `setkey -D' output, so the text forms reproduce the
 * reference printers byte for byte.  The references, read for their
 * format strings only (no code or text of theirs is here):
 *
 *   IT  ipsec-tools 0.8.2 as built on Linux: src/libipsec/pfkey_dump.c
 *       ($NetBSD 1.18; rdratlos/racoon-ipsec-tools @0f0bf18, same formats
 *       @51e412f), ipsec_hexdump() in src/libipsec/key_debug.c (@60b8c78),
 *       the -l and -x code of src/setkey/setkey.c ($NetBSD 1.12.20.1, the
 *       0.8.2 file; same formats in the fork's newest @1702337), and the
 *       algorithm numbers of src/include-glibc/net/pfkeyv2.h (@07b9525).
 *   FB  FreeBSD lib/libipsec/pfkey_dump.c @f083910b5a00 (the newest stored:
 *       chacha20-poly1305, offload lines) and sbin/setkey/setkey.c
 *       @d49d5fe275fe (-l, -x; -g/-t from the newer copy with f_scope).
 *
 * The rule for what to print: the model is what a kernel of
 * opts->dialect would have sent (sadb_pfkey.c builds exactly that
 * message), and the output is what the reference printer prints for
 * that message.  So the replay window is shown in the unit the reference
 * reads from the wire, an SA address carries the upper-layer protocol the
 * kernel puts there, and so on; each such place says so below.
 *
 * Deliberate differences, all for determinism or because the model has
 * nothing to print:
 * - "current:", "diff:" and the -l clock use opts->now, not time(3), and
 *   the -x timestamp opts->now/now_usec, not gettimeofday(2).
 * - Upper-layer protocol names come from a built-in copy of the IANA
 *   keywords that /etc/protocols carries on Debian (netbase) and FreeBSD,
 *   not from getprotobynumber(3), so output does not depend on NSS; only
 *   numbers missing from that table are looked up.
 * - Algorithms a reference had no name for print with libpfkey's name
 *   (AEAD in ipsec-tools, hmac-md5/des-cbc in FreeBSD 13+, which print as
 *   numbers there); wire numbers libpfkey does not know print as the bare
 *   number, as both references print every unknown number.
 * - FreeBSD's hardware-offload lines are not printed: the model has no
 *   offload data.
 * - -x: the references print kdebug_sadb(3)'s raw structure dump; we print
 *   a summary line and then the same SA/policy blocks as -D/-DP (the raw
 *   dump is pfkey_print(), setkey -v).  The timestamp line and the -h
 *   hex dump are the references'.
 *
 * JSON (-o json).  One JSON object per SA, policy or monitored message,
 * each on one line (JSON Lines).  This text is written to be pasted into
 * setkey.8:
 *
 *   Members the kernel did not send are left out.  Numbers are JSON
 *   numbers, unsigned and printed exactly up to 64 bits.  Names are
 *   setkey's (libpfkey's) names; a value without a name is given as its
 *   number instead.  Strings are UTF-8; bytes that are not valid UTF-8
 *   are escaped as \u00XX.
 *
 *   ADDR (an address):
 *     "address"     string, numeric (IPv6 link-local with "%scope")
 *     "prefixlen"   number
 *     "port"        number, 0 = any (selectors: ICMP type / code)
 *   LT (a lifetime):
 *     "allocations", "bytes", "addtime", "usetime"   numbers; in "current"
 *     the times are seconds since the epoch, in "hard"/"soft" durations.
 *
 *   An SA (setkey -D, -D -l, and "sa" in a message):
 *     "type"        "sa"
 *     "satype"      "esp", "ah", "ipcomp", "tcp", ... or a number
 *     "src", "dst"  ADDR
 *     "spi"         number;  "spi_hex"  string "0x%08x"
 *     "state"       "larval", "mature", "dying", "dead" or a number
 *     "mode"        "any", "transport", "tunnel", "beet", "iptfs" or a number
 *     "reqid"       number;  "sequence"  number (the X_SA2 sequence)
 *     "replay"      number, the replay window in packets
 *     "flags"       array of names: "old", "iv4b", "deriv", "cyclic-seq",
 *                   "rawcpi", "random-pad", "zero-pad", "esn",
 *                   "nopmtudisc", "decap-dscp", "noecn", or "0x%08x" for
 *                   a bit without a name;  "flags_raw"  number
 *     "esn"         true or false
 *     "auth"        algorithm name ("hmac-sha2-256", "none", ...) or number
 *     "enc"         algorithm name ("aes-gcm-16", ...) or number; IPComp
 *                   SAs have "comp" instead
 *     "auth_key", "enc_key"   lowercase hex, only when the kernel returned
 *                   the key;  "auth_key_bits", "enc_key_bits"  numbers
 *     "lifetime"    { "current": LT, "hard": LT, "soft": LT }
 *     "natt"        { "type": number, "sport": number, "dport": number,
 *                     "oa": string (Linux OA, FreeBSD OAI),
 *                     "oar": string, "frag": number }
 *     "ctx"         { "doi": number, "alg": number, "str": string }
 *     "proxy"       ADDR
 *     "ident_src", "ident_dst"  { "type": number, "id": number,
 *                   "str": string }
 *     "seq", "pid", "refcnt"   numbers: sadb_msg_seq, _pid and _reserved
 *                   of the dump message
 *
 *   A policy (setkey -DP, and "sp" in a message):
 *     "type"        "sp"
 *     "dir"         "in", "out", "fwd", "any" or a number
 *     "action"      "discard", "none", "ipsec", "entrust", "bypass" or a
 *                   number
 *     "id"          number (the spid)
 *     "priority"    number (Linux; the kernel value, lower wins)
 *     "scope"       "global", "ifnet", "pcb" or a number (FreeBSD);
 *     "ifindex"     number (FreeBSD ifnet scope)
 *     "per_socket"  true (Linux per-socket policies only)
 *     "selector"    { "src": ADDR, "dst": ADDR,
 *                     "proto": number, 255 = any }
 *     "policy"      string, the policy in ipsec_set_policy(3) syntax
 *     "requests"    array of { "proto": "esp"|"ah"|"ipcomp"|"tcp",
 *                     "mode": name, "level": "default"|"use"|"require"|
 *                     "unique", "reqid": number, "src": ADDR,
 *                     "dst": ADDR (tunnel endpoints) }
 *     "lifetime"    { "current": LT, "hard": LT, "soft": LT }
 *     "ctx"         { "doi": number, "alg": number, "str": string }
 *     "seq", "pid", "refcnt"   numbers, as for SAs
 *
 *   A monitored message (setkey -x):
 *     "type"        "msg"
 *     "timestamp"   number, seconds since the epoch with microseconds
 *     "msgtype"     "ADD", "DELETE", "EXPIRE", "X_SPDADD", ... or a number
 *     "satype"      as for SAs ("unspec" for 0)
 *     "errno", "seq", "pid", "len"   numbers (len in bytes)
 *     "promisc"     true when the kernel wrapped the message in X_PROMISC
 *     "sa"          the SA object, without "seq"/"pid"/"refcnt", when the
 *                   message carries an SA or addresses
 *     "sp"          the policy object, likewise, when it carries a policy
 *     "error"       string, when the message could not be decoded
 *     "raw"         lowercase hex of the message as received (-h only)
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <inttypes.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "setkey.h"

/* Upper-layer protocol numbers the printers treat specially. */
#define UP_ICMP		1
#define UP_IPV4		4
#define UP_GRE		47
#define UP_ICMPV6	58
#define UP_MH		135

/* The most bytes a key hex dump line holds before it wraps. */
#define HEX_WRAP	32

static bool
is_it(const struct setkey_print_opts *o)
{
	return (o->style != SK_STYLE_FREEBSD);
}

static bool
is_linux(const struct setkey_print_opts *o)
{
	return (pfkey_dialect_resolve(o->dialect) == PFKEY_DIALECT_LINUX);
}

/* ----------------------------------------------------------- names */

/*
 * GETMSGSTR/GETMSGV2S of the references: a table name with a trailing
 * space, or the number (with its space) past the end of the table or for
 * an empty slot.  The satype, mode, state and scope names print so.
 */
static void
table_name(FILE *f, const char *const *tab, size_t n, unsigned v)
{
	if (v < n && tab[v] != NULL && tab[v][0] != '\0')
		fprintf(f, "%s ", tab[v]);
	else
		fprintf(f, "%u ", v);
}

/* Index = sadb_msg_satype; both references have the same table. */
static const char *const satype_tab[] = {
	"unspec", "unknown", "ah", "esp", "unknown", "rsvp", "ospfv2",
	"ripv2", "mip", "ipcomp", "policy", "tcp"
};
static const char *const mode_tab[] = { "any", "transport", "tunnel" };
static const char *const state_tab[] = { "larval", "mature", "dying",
	"dead" };
static const char *const scope_tab[] = { NULL, "global", "ifnet", NULL,
	"pcb" };

/* The -l loop's own short tables (setkey.c, both references). */
static const char *const short_satype[] = { NULL, NULL, "ah", "esp" };
static const char *const short_state[] = { "L", "M", "D", "d" };

/*
 * An algorithm as the reference's name table has it.  ipsec-tools on
 * Linux names the SHA-2 HMACs and the keyed hashes its own way; every
 * other name either reference has equals libpfkey's canonical one, and
 * libpfkey also names what the references did not know.  Logical 0 is
 * "none" in all three tables.
 */
static const char *
alg_name(enum setkey_style st, enum pfkey_alg_kind kind, uint16_t alg,
    char *buf, size_t sz)
{
	const struct pfkey_alg_info *ai;

	if (SAD_ALG_IS_RAW(alg)) {
		snprintf(buf, sz, "%u", (unsigned)SAD_ALG_RAW_WIRE(alg));
		return (buf);
	}
	if (alg == 0)
		return ("none");
	if (st == SK_STYLE_IPSEC_TOOLS && kind == PFKEY_ALG_AUTH) {
		switch (alg) {
		case PFKEY_AALG_SHA2_256HMAC:
			return ("hmac-sha256");
		case PFKEY_AALG_SHA2_384HMAC:
			return ("hmac-sha384");
		case PFKEY_AALG_SHA2_512HMAC:
			return ("hmac-sha512");
		case PFKEY_AALG_KEYED_MD5:
			return ("md5");
		case PFKEY_AALG_KEYED_SHA1:
			return ("sha");
		default:
			break;
		}
	}
	if ((ai = pfkey_alg_info(kind, alg)) != NULL)
		return (ai->name);
	/* Not a number libpfkey hands out; show it rather than guess. */
	snprintf(buf, sz, "%u", (unsigned)alg);
	return (buf);
}

static enum pfkey_alg_kind
enc_kind(uint8_t satype)
{
	return (satype == PFKEY_SATYPE_IPCOMP ? PFKEY_ALG_COMP :
	    PFKEY_ALG_ENCRYPT);
}

/*
 * The IANA keywords /etc/protocols maps these numbers to (Debian netbase
 * 6.4), so that selectors print on every system, minimal containers
 * without the file included, the way getprotobynumber(3) in the
 * references prints them on a standard one.
 */
static const struct {
	uint8_t		 num;
	const char	*name;
} ipprotos[] = {
	{ 0, "ip" }, { 1, "icmp" }, { 2, "igmp" }, { 3, "ggp" },
	{ 4, "ipencap" }, { 5, "st" }, { 6, "tcp" }, { 8, "egp" },
	{ 9, "igp" }, { 12, "pup" }, { 17, "udp" }, { 20, "hmp" },
	{ 22, "xns-idp" }, { 27, "rdp" }, { 29, "iso-tp4" }, { 33, "dccp" },
	{ 36, "xtp" }, { 37, "ddp" }, { 38, "idpr-cmtp" }, { 41, "ipv6" },
	{ 43, "ipv6-route" }, { 44, "ipv6-frag" }, { 45, "idrp" },
	{ 46, "rsvp" }, { 47, "gre" }, { 50, "esp" }, { 51, "ah" },
	{ 57, "skip" }, { 58, "ipv6-icmp" }, { 59, "ipv6-nonxt" },
	{ 60, "ipv6-opts" }, { 73, "rspf" }, { 81, "vmtp" }, { 88, "eigrp" },
	{ 89, "ospf" }, { 93, "ax.25" }, { 94, "ipip" }, { 97, "etherip" },
	{ 98, "encap" }, { 103, "pim" }, { 108, "ipcomp" }, { 112, "vrrp" },
	{ 115, "l2tp" }, { 124, "isis" }, { 132, "sctp" }, { 133, "fc" },
	{ 135, "mobility-header" }, { 136, "udplite" },
	{ 137, "mpls-in-ip" }, { 138, "manet" }, { 139, "hip" },
	{ 140, "shim6" }, { 141, "wesp" }, { 142, "rohc" },
	{ 143, "ethernet" }
};

/* A protocol's name, or NULL where /etc/protocols would have none. */
static const char *
ipproto_name(unsigned p)
{
	struct protoent *pe;
	size_t i;

	for (i = 0; i < sizeof(ipprotos) / sizeof(ipprotos[0]); i++)
		if (ipprotos[i].num == p)
			return (ipprotos[i].name);
	/* 255 is "any" to both kernels, never a protocol in the file. */
	if (p == SPD_PROTO_ANY)
		return (NULL);
	pe = getprotobynumber((int)p);
	return (pe != NULL ? pe->p_name : NULL);
}

/* ------------------------------------------------------ addresses, time */

/* getnameinfo(NI_NUMERICHOST), as both references' str_ipaddr(). */
static const char *
host_str(const struct sad_addr *a, char *buf, size_t sz)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if ((len = sad_addr_to_sockaddr(a, &ss)) == 0 ||
	    getnameinfo((struct sockaddr *)&ss, len, buf, (socklen_t)sz,
	    NULL, 0, NI_NUMERICHOST) != 0)
		/* what printf("%s", NULL) of their failed lookup shows */
		snprintf(buf, sz, "(null)");
	return (buf);
}

/*
 * str_time() of both references: ctime(3) from the month on, 20
 * characters ("Jan  1 12:00:00 2024"), or 20 spaces for 0; ipsec-tools
 * prints 20 '?' when ctime fails.  ctime is not locale dependent, so
 * neither is this.
 */
static const char *
str_time(uint64_t t, char *buf)
{
	static const char *const mon[] = { "Jan", "Feb", "Mar", "Apr",
	    "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	char tmp[64];
	struct tm tm;
	time_t tt;

	if (t == 0) {
		memset(buf, ' ', 20);
	} else {
		tt = (time_t)t;
		if (t > INT64_MAX || (uint64_t)tt != t ||
		    localtime_r(&tt, &tm) == NULL || tm.tm_mon < 0 ||
		    tm.tm_mon > 11)
			memset(buf, '?', 20);
		else {
			/* ctime's layout, "\n" included: a 3-digit year
			 * shows it within the 20 characters, as theirs. */
			snprintf(tmp, sizeof(tmp), "%s %2d %02d:%02d:%02d %d\n",
			    mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min,
			    tm.tm_sec, tm.tm_year + 1900);
			memset(buf, ' ', 20);
			memcpy(buf, tmp, strnlen(tmp, 20));
		}
	}
	buf[20] = '\0';
	return (buf);
}

/*
 * ipsec_hexdump(): a space before every 4 bytes, a newline (and no
 * indent) before every 32nd byte.
 */
static void
hexdump_key(FILE *f, const struct sad_key *k)
{
	size_t i, n = k->bits / 8;

	if (n > k->len)
		n = k->len;
	for (i = 0; i < n; i++) {
		if (i != 0 && i % HEX_WRAP == 0)
			fputc('\n', f);
		if (i % 4 == 0)
			fputc(' ', f);
		fprintf(f, "%02x", k->data[i]);
	}
}

/*
 * str_lifetime_byte(): the bytes go through a double with no decimals;
 * an absent lifetime prints a literal 0.
 */
static void
lifetime_bytes(FILE *f, const char *what, const struct sad_lifetime *l)
{
	if (l == NULL)
		fprintf(f, "\t%s: 0(bytes)", what);
	else
		fprintf(f, "\t%s: %.0f(bytes)", what, (double)l->bytes);
}

/*
 * The replay window as the reference reads it off the message
 * sadb_pfkey.c builds: ipsec-tools prints sadb_sa_replay (packets on
 * Linux, bytes on FreeBSD; a u8 either way), FreeBSD's printer prints
 * bytes (sadb_sa_replay, or X_SA_REPLAY >> 3 when that is present, which
 * comes to the same floor(packets / 8)).
 */
static unsigned
replay_shown(const struct sad_entry *e, const struct setkey_print_opts *o)
{
	uint32_t v;

	if (!is_it(o))
		return (e->replay / 8);
	v = is_linux(o) ? e->replay : (uint32_t)(((uint64_t)e->replay +
	    7) / 8);
	return (v > 255 ? 255 : v);
}

/* ------------------------------------------------------------- JSON */

#define JW_MAXDEPTH	8

struct jw {
	FILE	*f;
	int	 depth;
	bool	 first[JW_MAXDEPTH];
};

static void
jw_init(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->first[0] = true;
}

/* The length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	uint32_t c;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return (0);
	if (len > n)
		return (0);
	c = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
		c = (c << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values past U+10FFFF */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    (c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff)
		return (0);
	return (len);
}

/* A JSON string of n bytes (stops at a NUL, which C strings end with). */
static void
jw_escape(FILE *f, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i, l;

	fputc('"', f);
	for (i = 0; i < n && p[i] != '\0'; i += l) {
		l = 1;
		switch (p[i]) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (p[i] < 0x20 || p[i] == 0x7f)
				fprintf(f, "\\u%04x", p[i]);
			else if (p[i] < 0x80)
				fputc(p[i], f);
			else if ((l = utf8_len(p + i, n - i)) != 0)
				fwrite(p + i, 1, l, f);
			else {
				/* not UTF-8: keep the byte, as Latin-1 */
				fprintf(f, "\\u%04x", p[i]);
				l = 1;
			}
			break;
		}
	}
	fputc('"', f);
}

/* A separator and the key (NULL inside arrays). */
static void
jw_key(struct jw *w, const char *key)
{
	if (!w->first[w->depth])
		fputc(',', w->f);
	w->first[w->depth] = false;
	if (key != NULL) {
		jw_escape(w->f, key, strlen(key));
		fputc(':', w->f);
	}
}

static void
jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	if (w->depth < JW_MAXDEPTH - 1)
		w->depth++;
	w->first[w->depth] = true;
}

static void
jw_close(struct jw *w, char c)
{
	fputc(c, w->f);
	if (w->depth > 0)
		w->depth--;
}

static void
jw_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	jw_escape(w->f, v, strlen(v));
}

static void
jw_strn(struct jw *w, const char *key, const char *v, size_t n)
{
	jw_key(w, key);
	jw_escape(w->f, v, n);
}

static void
jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
}

static void
jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
}

/* A name when there is one, else the number. */
static void
jw_name(struct jw *w, const char *key, const char *name, uint64_t v)
{
	if (name != NULL)
		jw_str(w, key, name);
	else
		jw_u64(w, key, v);
}

static void
jw_hex(struct jw *w, const char *key, const uint8_t *b, size_t n)
{
	size_t i;

	jw_key(w, key);
	fputc('"', w->f);
	for (i = 0; i < n; i++)
		fprintf(w->f, "%02x", b[i]);
	fputc('"', w->f);
}

static void
jw_addr(struct jw *w, const char *key, const struct sad_addr *a)
{
	char h[NI_MAXHOST];

	jw_open(w, key, '{');
	jw_str(w, "address", host_str(a, h, sizeof(h)));
	jw_u64(w, "prefixlen", a->plen);
	jw_u64(w, "port", a->port);
	jw_close(w, '}');
}

static void
jw_lifetime(struct jw *w, const char *key, const struct sad_lifetime *l)
{
	jw_open(w, key, '{');
	jw_u64(w, "allocations", l->allocations);
	jw_u64(w, "bytes", l->bytes);
	jw_u64(w, "addtime", l->addtime);
	jw_u64(w, "usetime", l->usetime);
	jw_close(w, '}');
}

static void
jw_lifetimes(struct jw *w, bool cur, bool hard, bool soft,
    const struct sad_lifetime *c, const struct sad_lifetime *h,
    const struct sad_lifetime *s)
{
	if (!cur && !hard && !soft)
		return;
	jw_open(w, "lifetime", '{');
	if (cur)
		jw_lifetime(w, "current", c);
	if (hard)
		jw_lifetime(w, "hard", h);
	if (soft)
		jw_lifetime(w, "soft", s);
	jw_close(w, '}');
}

static void
jw_ctx(struct jw *w, uint8_t doi, uint8_t alg, const char *ctx, size_t len)
{
	jw_open(w, "ctx", '{');
	jw_u64(w, "doi", doi);
	jw_u64(w, "alg", alg);
	jw_strn(w, "str", ctx != NULL ? ctx : "", ctx != NULL ? len : 0);
	jw_close(w, '}');
}

static void
jw_meta(struct jw *w, const struct setkey_msgmeta *mm)
{
	if (mm == NULL)
		return;
	jw_u64(w, "seq", mm->seq);
	jw_u64(w, "pid", mm->pid);
	jw_u64(w, "refcnt", mm->reserved);
}

/* sadb_sa_flags bits, named as setkey's -f options name them. */
static const struct {
	uint32_t	 bit;
	const char	*name;
} saflags[] = {
	{ PFKEY_SAFLAG_OLD, "old" },
	{ PFKEY_SAFLAG_IV4B, "iv4b" },
	{ PFKEY_SAFLAG_DERIV, "deriv" },
	{ PFKEY_SAFLAG_CYCSEQ, "cyclic-seq" },
	{ PFKEY_SAFLAG_RAWCPI, "rawcpi" },
	{ PFKEY_SAFLAG_PRAND, "random-pad" },
	{ PFKEY_SAFLAG_PZERO, "zero-pad" },
	{ PFKEY_SAFLAG_ESN, "esn" },
	{ PFKEY_SAFLAG_LX_NOPMTUDISC, "nopmtudisc" },
	{ PFKEY_SAFLAG_LX_DECAP_DSCP, "decap-dscp" },
	{ PFKEY_SAFLAG_LX_NOECN, "noecn" }
};

static void
jw_flags(struct jw *w, uint32_t flags)
{
	char buf[16];
	uint32_t left = flags, bit;
	size_t i;

	jw_open(w, "flags", '[');
	for (i = 0; i < sizeof(saflags) / sizeof(saflags[0]); i++) {
		if (flags & saflags[i].bit) {
			jw_str(w, NULL, saflags[i].name);
			left &= ~saflags[i].bit;
		}
	}
	for (bit = 1; left != 0; bit <<= 1) {
		if ((left & bit) == 0)
			continue;
		snprintf(buf, sizeof(buf), "0x%08x", bit);
		jw_str(w, NULL, buf);
		left &= ~bit;
	}
	jw_close(w, ']');
	jw_u64(w, "flags_raw", flags);
}

static void
jw_ident(struct jw *w, const char *key, const struct sad_ident *id)
{
	jw_open(w, key, '{');
	jw_u64(w, "type", id->type);
	jw_u64(w, "id", id->id);
	if (id->str != NULL)
		jw_str(w, "str", id->str);
	jw_close(w, '}');
}

/*
 * An algorithm: libpfkey's canonical name (JSON imitates neither
 * reference), or the wire number when libpfkey has no name for it.
 */
static void
jw_alg(struct jw *w, const char *key, enum pfkey_alg_kind kind,
    uint16_t alg)
{
	char buf[16];

	if (SAD_ALG_IS_RAW(alg))
		jw_u64(w, key, SAD_ALG_RAW_WIRE(alg));
	else
		jw_str(w, key, alg_name(SK_STYLE_FREEBSD, kind, alg, buf,
		    sizeof(buf)));
}

/* The members of an SA object (the caller opens and closes it). */
static void
sa_json_body(struct jw *w, const struct sad_entry *e,
    const struct setkey_msgmeta *mm)
{
	const struct sad_extra *x = e->x;
	enum pfkey_alg_kind ek = enc_kind(e->satype);
	char buf[16];

	jw_str(w, "type", "sa");
	jw_name(w, "satype", pfkey_satype_name(e->satype), e->satype);
	if (e->src.af != AF_UNSPEC)
		jw_addr(w, "src", &e->src);
	if (e->dst.af != AF_UNSPEC)
		jw_addr(w, "dst", &e->dst);
	if (e->has & SAD_HAS_SPI) {
		jw_u64(w, "spi", e->spi);
		snprintf(buf, sizeof(buf), "0x%08x", e->spi);
		jw_str(w, "spi_hex", buf);
	}
	if (e->has & SAD_HAS_STATE)
		jw_name(w, "state", pfkey_sastate_name(e->state), e->state);
	if (e->has & SAD_HAS_MODE)
		jw_name(w, "mode", pfkey_mode_name(e->mode), e->mode);
	if (e->has & SAD_HAS_REQID)
		jw_u64(w, "reqid", e->reqid);
	if (e->has & SAD_HAS_SEQ)
		jw_u64(w, "sequence", e->seq);
	if (e->has & SAD_HAS_REPLAY)
		jw_u64(w, "replay", e->replay);
	if (e->has & SAD_HAS_FLAGS) {
		jw_flags(w, e->flags);
		jw_bool(w, "esn", (e->flags & SAD_F_ESN) != 0);
	}
	if (e->has & SAD_HAS_AALG)
		jw_alg(w, "auth", PFKEY_ALG_AUTH, e->aalg);
	if (e->has & SAD_HAS_EALG)
		jw_alg(w, ek == PFKEY_ALG_COMP ? "comp" : "enc", ek, e->ealg);
	if ((e->has & SAD_HAS_AKEY) && e->akey.data != NULL) {
		jw_hex(w, "auth_key", e->akey.data, e->akey.len);
		jw_u64(w, "auth_key_bits", e->akey.bits);
	}
	if ((e->has & SAD_HAS_EKEY) && e->ekey.data != NULL) {
		jw_hex(w, "enc_key", e->ekey.data, e->ekey.len);
		jw_u64(w, "enc_key_bits", e->ekey.bits);
	}
	jw_lifetimes(w, e->has & SAD_HAS_LT_CUR, e->has & SAD_HAS_LT_HARD,
	    e->has & SAD_HAS_LT_SOFT, &e->cur, &e->hard, &e->soft);
	if (x != NULL && (e->has & (SAD_HAS_NATT | SAD_HAS_NATT_OA |
	    SAD_HAS_NATT_OAR | SAD_HAS_NATT_FRAG))) {
		char h[NI_MAXHOST];

		jw_open(w, "natt", '{');
		if (e->has & SAD_HAS_NATT) {
			jw_u64(w, "type", x->natt_type);
			jw_u64(w, "sport", x->natt_sport);
			jw_u64(w, "dport", x->natt_dport);
		}
		if (e->has & SAD_HAS_NATT_OA)
			jw_str(w, "oa", host_str(&x->natt_oa, h, sizeof(h)));
		if (e->has & SAD_HAS_NATT_OAR)
			jw_str(w, "oar", host_str(&x->natt_oar, h, sizeof(h)));
		if (e->has & SAD_HAS_NATT_FRAG)
			jw_u64(w, "frag", x->natt_frag);
		jw_close(w, '}');
	}
	if (x != NULL && (e->has & SAD_HAS_CTX))
		jw_ctx(w, x->ctx_doi, x->ctx_alg, x->ctx, x->ctx_len);
	if (x != NULL && (e->has & SAD_HAS_PROXY))
		jw_addr(w, "proxy", &x->proxy);
	if (x != NULL && (e->has & SAD_HAS_IDENT_SRC))
		jw_ident(w, "ident_src", &x->ident_src);
	if (x != NULL && (e->has & SAD_HAS_IDENT_DST))
		jw_ident(w, "ident_dst", &x->ident_dst);
	jw_meta(w, mm);
}

/* The policy of an entry in libpfkey's dialect-neutral form. */
static void
sp_policy(const struct spd_entry *p, struct pfkey_policy *pol)
{
	unsigned i;

	memset(pol, 0, sizeof(*pol));
	pol->type = p->action;
	pol->dir = p->dir;
	pol->scope = p->scope;
	pol->id = p->id;
	pol->priority = p->priority;
	pol->nreq = p->nreq > PFKEY_POLICY_MAXREQ ? PFKEY_POLICY_MAXREQ :
	    p->nreq;
	for (i = 0; i < pol->nreq; i++) {
		pol->req[i].proto = p->req[i].proto;
		pol->req[i].mode = p->req[i].mode;
		pol->req[i].level = p->req[i].level;
		pol->req[i].reqid = p->req[i].reqid;
		/* AF_UNSPEC endpoints come out zeroed: "not given" */
		(void)sad_addr_to_sockaddr(&p->req[i].src, &pol->req[i].src);
		(void)sad_addr_to_sockaddr(&p->req[i].dst, &pol->req[i].dst);
	}
}

/* The policy string, malloc'ed; NULL and *err set when it cannot be. */
static char *
sp_format(const struct spd_entry *p, const struct setkey_print_opts *o,
    int flags, int *err)
{
	struct pfkey_policy pol;
	char *s;
	int n;

	sp_policy(p, &pol);
	if ((n = pfkey_policy_format(&pol, o->dialect, flags, NULL, 0)) < 0) {
		*err = n;
		return (NULL);
	}
	if ((s = malloc((size_t)n + 1)) == NULL) {
		*err = PFKEY_ERR_NOMEM;
		return (NULL);
	}
	if ((n = pfkey_policy_format(&pol, o->dialect, flags, s,
	    (size_t)n + 1)) < 0) {
		free(s);
		*err = n;
		return (NULL);
	}
	return (s);
}

/* Linux per-socket policies: the kernel adds 3 to the dir in the id. */
static bool
sp_per_socket(const struct spd_entry *p, const struct setkey_print_opts *o)
{
	return (is_linux(o) && p->id % 8 >= 3);
}

static void
sp_json_body(struct jw *w, const struct spd_entry *p,
    const struct setkey_msgmeta *mm, const struct setkey_print_opts *o)
{
	const struct spd_request *r;
	unsigned i;
	char *s;
	int err, flags;

	jw_str(w, "type", "sp");
	jw_name(w, "dir", pfkey_dir_name(p->dir), p->dir);
	jw_name(w, "action", pfkey_policy_type_name(p->action), p->action);
	jw_u64(w, "id", p->id);
	if (is_linux(o)) {
		if (p->has & SPD_HAS_PRIORITY)
			jw_u64(w, "priority", p->priority);
		if (sp_per_socket(p, o))
			jw_bool(w, "per_socket", true);
	} else if (p->scope != 0) {
		jw_name(w, "scope", p->scope < sizeof(scope_tab) /
		    sizeof(scope_tab[0]) ? scope_tab[p->scope] : NULL,
		    p->scope);
		if (p->scope == PFKEY_SCOPE_IFNET)
			jw_u64(w, "ifindex", p->priority);
	}
	if (p->sel.src.af != AF_UNSPEC || p->sel.dst.af != AF_UNSPEC) {
		jw_open(w, "selector", '{');
		if (p->sel.src.af != AF_UNSPEC)
			jw_addr(w, "src", &p->sel.src);
		if (p->sel.dst.af != AF_UNSPEC)
			jw_addr(w, "dst", &p->sel.dst);
		jw_u64(w, "proto", p->sel.proto);
		jw_close(w, '}');
	}
	/* endpoint ports only when there are some (NAT-T): no "[0]" noise */
	flags = 0;
	for (i = 0; i < p->nreq && i < SPD_MAXREQ; i++)
		if (p->req[i].src.port != 0 || p->req[i].dst.port != 0)
			flags = PFKEY_PF_WITHPORTS;
	if ((s = sp_format(p, o, flags, &err)) != NULL) {
		jw_str(w, "policy", s);
		free(s);
	}
	if (p->action == PFKEY_POLICY_IPSEC) {
		jw_open(w, "requests", '[');
		for (i = 0; i < p->nreq && i < SPD_MAXREQ; i++) {
			r = &p->req[i];
			jw_open(w, NULL, '{');
			jw_name(w, "proto", pfkey_ipproto_name(r->proto),
			    r->proto);
			jw_name(w, "mode", pfkey_mode_name(r->mode), r->mode);
			jw_name(w, "level", pfkey_level_name(r->level),
			    r->level);
			jw_u64(w, "reqid", r->reqid);
			if (r->src.af != AF_UNSPEC)
				jw_addr(w, "src", &r->src);
			if (r->dst.af != AF_UNSPEC)
				jw_addr(w, "dst", &r->dst);
			jw_close(w, '}');
		}
		jw_close(w, ']');
	}
	jw_lifetimes(w, p->has & SPD_HAS_LT_CUR, p->has & SPD_HAS_LT_HARD,
	    p->has & SPD_HAS_LT_SOFT, &p->cur, &p->hard, &p->soft);
	if (p->has & SPD_HAS_CTX)
		jw_ctx(w, p->ctx_doi, p->ctx_alg, p->ctx, p->ctx_len);
	jw_meta(w, mm);
}

/* ---------------------------------------------------------- -D: SAs */

static void
sa_host(FILE *f, const struct sad_addr *a, const struct setkey_print_opts *o)
{
	char h[NI_MAXHOST];

	fputs(host_str(a, h, sizeof(h)), f);
	/* str_ipport(): NI_NUMERICSERV, so 0 shows as "0" */
	if (o->withports)
		fprintf(f, "[%u]", (unsigned)a->port);
}

/* pfkey_sadump{,_withports}() of the chosen reference. */
static void
sa_text(FILE *f, const struct sad_entry *e, const struct setkey_msgmeta *mm,
    const struct setkey_print_opts *o)
{
	const struct sad_extra *x = e->x;
	const struct sad_lifetime *hard, *soft;
	bool it = is_it(o), natt, use_natt;
	char buf[16], h[NI_MAXHOST], t[32];
	uint64_t now = (uint64_t)o->now;

	/*
	 * FreeBSD keys NAT-T on the NAT_T_TYPE extension being there,
	 * ipsec-tools on its type being non-zero; the bridge writes type
	 * and ports together.
	 */
	natt = x != NULL && (e->has & SAD_HAS_NATT);
	use_natt = natt && (!it || x->natt_type != 0);

	if (e->src.af == AF_UNSPEC) {
		fputs("no ADDRESS_SRC extension.\n", f);
		return;
	}
	sa_host(f, &e->src, o);
	if (use_natt)
		fprintf(f, "[%u]", (unsigned)x->natt_sport);
	/* ipsec-tools ends each address with a space, FreeBSD starts the
	 * second one with it: hence the trailing space of ipsec-tools. */
	if (it)
		fputc(' ', f);
	if (e->dst.af == AF_UNSPEC) {
		fputs(it ? " no ADDRESS_DST extension.\n" :
		    "\nno ADDRESS_DST extension.\n", f);
		return;
	}
	if (!it)
		fputc(' ', f);
	sa_host(f, &e->dst, o);
	if (use_natt)
		fprintf(f, "[%u]", (unsigned)x->natt_dport);
	if (it)
		fputc(' ', f);
	if (!(e->has & SAD_HAS_SPI)) {
		fputs(it ? "no SA extension.\n" : "\nno SA extension.\n", f);
		return;
	}
	if (!(e->has & SAD_HAS_MODE)) {
		fputs(it ? "no SA2 extension.\n" : "\nno SA2 extension.\n", f);
		return;
	}
	fputs("\n\t", f);

	if (use_natt && e->satype == PFKEY_SATYPE_ESP)
		fputs("esp-udp ", f);
	else {
		if (it && use_natt)
			fputs("natt+", f);
		table_name(f, satype_tab, sizeof(satype_tab) /
		    sizeof(satype_tab[0]), e->satype);
	}
	fputs("mode=", f);
	table_name(f, mode_tab, sizeof(mode_tab) / sizeof(mode_tab[0]),
	    e->mode);
	fprintf(f, "spi=%u(0x%08x) reqid=%u(0x%08x)\n", e->spi, e->spi,
	    e->reqid, e->reqid);

	if (it && use_natt && (e->has & SAD_HAS_NATT_OA))
		fprintf(f, "\tNAT OA=%s\n", host_str(&x->natt_oa, h,
		    sizeof(h)));
	if (!it && natt && (e->has & (SAD_HAS_NATT_OA | SAD_HAS_NATT_OAR))) {
		fputs("\tNAT:", f);
		if (e->has & SAD_HAS_NATT_OA)
			fprintf(f, " OAI=%s", host_str(&x->natt_oa, h,
			    sizeof(h)));
		if (e->has & SAD_HAS_NATT_OAR)
			fprintf(f, " OAR=%s", host_str(&x->natt_oar, h,
			    sizeof(h)));
		fputc('\n', f);
	}

	/* Both references leave the "C:" line open: "seq=" follows it. */
	if (e->satype == PFKEY_SATYPE_IPCOMP)
		fprintf(f, "\tC: %s ", alg_name(o->style, PFKEY_ALG_COMP,
		    e->ealg, buf, sizeof(buf)));
	else if (e->satype == PFKEY_SATYPE_ESP && (e->has & SAD_HAS_EKEY)) {
		fprintf(f, "\tE: %s ", alg_name(o->style, PFKEY_ALG_ENCRYPT,
		    e->ealg, buf, sizeof(buf)));
		hexdump_key(f, &e->ekey);
		fputc('\n', f);
	}
	if (e->has & SAD_HAS_AKEY) {
		fprintf(f, "\tA: %s ", alg_name(o->style, PFKEY_ALG_AUTH,
		    e->aalg, buf, sizeof(buf)));
		hexdump_key(f, &e->akey);
		fputc('\n', f);
	}

	fprintf(f, "\tseq=0x%08x replay=%u flags=0x%08x state=", e->seq,
	    replay_shown(e, o), e->flags);
	table_name(f, state_tab, sizeof(state_tab) / sizeof(state_tab[0]),
	    e->state);
	fputc('\n', f);

	if (e->has & SAD_HAS_LT_CUR) {
		hard = (e->has & SAD_HAS_LT_HARD) ? &e->hard : NULL;
		soft = (e->has & SAD_HAS_LT_SOFT) ? &e->soft : NULL;
		fprintf(f, "\tcreated: %s", str_time(e->cur.addtime, t));
		fprintf(f, "\tcurrent: %s\n", str_time(now, t));
		/* unsigned, as theirs: a future addtime wraps */
		fprintf(f, "\tdiff: %" PRIu64 "(s)", e->cur.addtime == 0 ? 0 :
		    now - e->cur.addtime);
		fprintf(f, "\thard: %" PRIu64 "(s)", hard ? hard->addtime : 0);
		fprintf(f, "\tsoft: %" PRIu64 "(s)\n",
		    soft ? soft->addtime : 0);
		fprintf(f, "\tlast: %s", str_time(e->cur.usetime, t));
		fprintf(f, "\thard: %" PRIu64 "(s)", hard ? hard->usetime : 0);
		fprintf(f, "\tsoft: %" PRIu64 "(s)\n",
		    soft ? soft->usetime : 0);
		lifetime_bytes(f, "current", &e->cur);
		lifetime_bytes(f, "hard", hard);
		lifetime_bytes(f, "soft", soft);
		fputc('\n', f);
		fprintf(f, "\tallocated: %u", e->cur.allocations);
		fprintf(f, "\thard: %u", hard ? hard->allocations : 0);
		fprintf(f, "\tsoft: %u\n", soft ? soft->allocations : 0);
	}

	/* Linux security contexts: ipsec-tools only. */
	if (it && x != NULL && (e->has & SAD_HAS_CTX)) {
		fprintf(f, "\tsecurity context doi: %u\n", x->ctx_doi);
		fprintf(f, "\tsecurity context algorithm: %u\n", x->ctx_alg);
		fprintf(f, "\tsecurity context length: %u\n", x->ctx_len);
		fprintf(f, "\tsecurity context: %.*s\n", (int)x->ctx_len,
		    x->ctx != NULL ? x->ctx : "");
	}

	fprintf(f, "\tsadb_seq=%u pid=%u refcnt=%u\n",
	    mm != NULL ? mm->seq : 0, mm != NULL ? mm->pid : e->pid,
	    mm != NULL ? mm->reserved : 0);
}

void
print_sa(FILE *f, const struct sad_entry *e, const struct setkey_msgmeta *mm,
    const struct setkey_print_opts *o)
{
	struct jw w;

	if (!o->json) {
		sa_text(f, e, mm, o);
		return;
	}
	jw_init(&w, f);
	jw_open(&w, NULL, '{');
	sa_json_body(&w, e, mm);
	jw_close(&w, '}');
	fputc('\n', f);
}

/* ------------------------------------------------------ -D -l: short */

/* STR_OR_ID() of the references: the table's name, else "#N". */
static const char *
short_name(const char *const *tab, size_t n, unsigned v, char *buf,
    size_t sz)
{
	if (v < n && tab[v] != NULL)
		return (tab[v]);
	snprintf(buf, sz, "#%u", v);
	return (buf);
}

void
print_sa_short_header(FILE *f)
{
	fprintf(f, "%-4s %-3s %-1s %-8s %-7s %s -> %s\n", "time", "p", "s",
	    "spi", "ltime", "src", "dst");
}

/*
 * An SA address in the -l line.  The references print the address's
 * upper-layer protocol when it is non-zero, from a table that ends at 60
 * ("#N" past it): Linux puts 0 in an SA's addresses, FreeBSD puts 255
 * (IPSEC_ULPROTO_ANY), hence "#255 " there.
 */
static void
short_addr(FILE *f, const struct sad_addr *a,
    const struct setkey_print_opts *o)
{
	char h[NI_MAXHOST];

	if (a->af == AF_UNSPEC) {
		fputc('?', f);
		return;
	}
	if (!is_linux(o))
		fputs("#255 ", f);
	fputs(host_str(a, h, sizeof(h)), f);
	if (a->port != 0)
		fprintf(f, "[%u]", (unsigned)a->port);
}

void
print_sa_short(FILE *f, const struct sad_entry *e,
    const struct setkey_print_opts *o)
{
	uint64_t cur = (uint64_t)o->now;
	unsigned t;
	struct jw w;
	char num[16];

	if (o->json) {
		jw_init(&w, f);
		jw_open(&w, NULL, '{');
		sa_json_body(&w, e, NULL);
		jw_close(&w, '}');
		fputc('\n', f);
		return;
	}
	/* minutes and seconds of the UTC clock, as theirs */
	fprintf(f, "%02u%02u", (unsigned)(cur % 3600 / 60),
	    (unsigned)(cur % 60));
	fprintf(f, " %-3s", short_name(short_satype, sizeof(short_satype) /
	    sizeof(short_satype[0]), e->satype, num, sizeof(num)));
	if (e->has & SAD_HAS_SPI) {
		fprintf(f, " %-1s", short_name(short_state,
		    sizeof(short_state) / sizeof(short_state[0]), e->state,
		    num, sizeof(num)));
		fprintf(f, " %08x", e->spi);
	} else
		/* no leading space here in theirs either */
		fprintf(f, "%-1s %-8s", "?", "?");
	if ((e->has & (SAD_HAS_LT_CUR | SAD_HAS_LT_HARD | SAD_HAS_LT_SOFT)) ==
	    (SAD_HAS_LT_CUR | SAD_HAS_LT_HARD | SAD_HAS_LT_SOFT)) {
		/* an u_int in theirs: the age and limit wrap at 32 bits */
		t = e->cur.addtime == 0 ? 0 : (unsigned)(cur - e->cur.addtime);
		if (t >= 1000)
			fputs(" big/", f);
		else
			fprintf(f, " %3u/", t);
		t = (unsigned)e->hard.addtime;
		if (t >= 1000)
			fputs("big", f);
		else
			fprintf(f, "%-3u", t);
	} else
		/* "?\?" keeps C11 from reading a trigraph */
		fputs(" ??\?/???", f);
	fputc(' ', f);
	short_addr(f, &e->src, o);
	fputs(" -> ", f);
	short_addr(f, &e->dst, o);
	fputc('\n', f);
}

/* --------------------------------------------------------- -DP: SPD */

/* str_prefport(): "/plen" unless a host, then "[port]" or "[any]". */
static void
sel_addr(FILE *f, const struct sad_addr *a, uint8_t proto, bool it)
{
	char h[NI_MAXHOST];
	bool noport;

	fputs(host_str(a, h, sizeof(h)), f);
	if (a->plen != sad_addr_bits(a))
		fprintf(f, "/%u", (unsigned)a->plen);
	/* ipsec-tools: no ports for ICMP, ICMPv6, MH, GRE; FreeBSD only
	 * leaves them out for ICMPv6 (so ICMP type/code show as ports). */
	if (it)
		noport = proto == UP_ICMP || proto == UP_ICMPV6 ||
		    proto == UP_MH || proto == UP_GRE;
	else
		noport = proto == UP_ICMPV6;
	if (noport)
		return;
	if (a->port == 0)
		fputs("[any]", f);
	else
		fprintf(f, "[%u]", (unsigned)a->port);
}

/* str_upperspec(): the protocol, then ICMP type,code or a GRE key. */
static void
sel_upper(FILE *f, uint8_t proto, unsigned p1, unsigned p2, bool it)
{
	const char *name;

	if (!it) {
		if (proto == SPD_PROTO_ANY)
			fputs("any", f);
		else if (proto == UP_ICMPV6) {
			fputs("icmp6", f);
			if (p1 != 0 || p2 != 0)
				fprintf(f, " %u,%u", p1, p2);
		} else if (proto == UP_IPV4)
			fputs("ip4", f);
		else if ((name = ipproto_name(proto)) != NULL)
			fputs(name, f);
		else
			fprintf(f, "%u", (unsigned)proto);
		return;
	}
	if ((name = ipproto_name(proto)) != NULL)
		fputs(name, f);
	else
		fprintf(f, "%u", (unsigned)proto);
	if (p1 == 0 && p2 == 0)
		return;
	switch (proto) {
	case UP_ICMP:
	case UP_ICMPV6:
	case UP_MH:
		fprintf(f, " %u,%u", p1, p2);
		break;
	case UP_GRE:
		fprintf(f, " %u", (p1 << 16) + p2);
		break;
	default:
		break;
	}
}

/* pfkey_spdump{,_withports}() of the chosen reference. */
static void
sp_text(FILE *f, const struct spd_entry *p, const struct setkey_msgmeta *mm,
    const struct setkey_print_opts *o)
{
	bool it = is_it(o);
	char ifname[IF_NAMESIZE], t[32];
	char *s;
	int err = 0;

	if (it && sp_per_socket(p, o))
		fputs("(per-socket policy) ", f);
	else if (p->sel.src.af != AF_UNSPEC && p->sel.dst.af != AF_UNSPEC) {
		sel_addr(f, &p->sel.src, p->sel.proto, it);
		fputc(' ', f);
		sel_addr(f, &p->sel.dst, p->sel.proto, it);
		fputc(' ', f);
		sel_upper(f, p->sel.proto, p->sel.src.port, p->sel.dst.port,
		    it);
	} else
		fputs("(no selector, probably per-socket policy) ", f);

	/* FreeBSD has no -p; we let it ask for the ports all the same. */
	s = sp_format(p, o, PFKEY_PF_NEWLINES | (o->withports ?
	    PFKEY_PF_WITHPORTS : 0), &err);
	if (s != NULL)
		fprintf(f, "\n\t%s\n", s);
	else if (it)
		fprintf(f, "\n\tPolicy:[%s]\n", pfkey_strerror(err));
	else
		fputs("\n\t(null)\n", f);
	free(s);

	if (p->has & SPD_HAS_LT_CUR) {
		fprintf(f, "\tcreated: %s  ", str_time(p->cur.addtime, t));
		fprintf(f, "lastused: %s\n", str_time(p->cur.usetime, t));
	}
	if (p->has & SPD_HAS_LT_HARD)
		fprintf(f, "\tlifetime: %" PRIu64 "(s) validtime: %" PRIu64
		    "(s)\n", p->hard.addtime, p->hard.usetime);

	if (it && (p->has & SPD_HAS_CTX)) {
		fprintf(f, "\tsecurity context doi: %u\n", p->ctx_doi);
		fprintf(f, "\tsecurity context algorithm: %u\n", p->ctx_alg);
		fprintf(f, "\tsecurity context length: %u\n", p->ctx_len);
		fprintf(f, "\tsecurity context: %.*s\n", (int)p->ctx_len,
		    p->ctx != NULL ? p->ctx : "");
	}

	fprintf(f, "\tspid=%u seq=%u pid=%u", p->id,
	    mm != NULL ? mm->seq : 0, mm != NULL ? mm->pid : p->pid);
	if (!it) {
		fputs(" scope=", f);
		table_name(f, scope_tab, sizeof(scope_tab) /
		    sizeof(scope_tab[0]), p->scope);
		if (p->scope == PFKEY_SCOPE_IFNET &&
		    if_indextoname(p->priority, ifname) != NULL)
			fprintf(f, "ifname=%s", ifname);
	}
	fputc('\n', f);
	fprintf(f, "\trefcnt=%u\n", mm != NULL ? mm->reserved : 0);
}

/*
 * -g/-t: FreeBSD asks its kernel for the scopes (the SPDDUMP satype);
 * here the filter is applied to what came back, so it works on every
 * transport.  A policy without a scope is global, as FreeBSD's kernel
 * reports every policy that is neither ifnet nor pcb.
 */
static bool
sp_in_scope(const struct spd_entry *p, const struct setkey_print_opts *o)
{
	uint8_t scope = p->scope != 0 ? p->scope : PFKEY_SCOPE_GLOBAL;

	return (o->scope == 0 || (scope & o->scope) != 0);
}

void
print_sp(FILE *f, const struct spd_entry *p, const struct setkey_msgmeta *mm,
    const struct setkey_print_opts *o)
{
	struct jw w;

	if (!sp_in_scope(p, o))
		return;
	if (!o->json) {
		sp_text(f, p, mm, o);
		return;
	}
	jw_init(&w, f);
	jw_open(&w, NULL, '{');
	sp_json_body(&w, p, mm, o);
	jw_close(&w, '}');
	fputc('\n', f);
}

/* --------------------------------------------------------- -x: monitor */

static bool
is_sp_msg(uint8_t type)
{
	switch (type) {
	case PFKEY_MSG_X_SPDUPDATE:
	case PFKEY_MSG_X_SPDADD:
	case PFKEY_MSG_X_SPDDELETE:
	case PFKEY_MSG_X_SPDGET:
	case PFKEY_MSG_X_SPDACQUIRE:
	case PFKEY_MSG_X_SPDDUMP:
	case PFKEY_MSG_X_SPDSETIDX:
	case PFKEY_MSG_X_SPDEXPIRE:
	case PFKEY_MSG_X_SPDDELETE2:
		return (true);
	default:
		return (false);
	}
}

/* What a message says, through the sadb bridge. */
struct mon {
	const struct pfkey_msg	*m;		/* the message printed */
	bool			 promisc;	/* X_PROMISC unwrapped */
	int			 derr;		/* its pfkey_decode() */
	struct pfkey_msg	 inner;
	struct sad_entry	 sa;
	struct spd_entry	 sp;
	bool			 has_sa;	/* sa filled */
	bool			 has_sp;	/* sp filled */
	int			 sa_err;	/* sad_from_pfkey() */
	int			 sp_err;	/* spd_from_pfkey() */
};

static void
mon_decode(struct mon *c, const struct pfkey_msg *m)
{
	const uint8_t *p = (const uint8_t *)m->hdr;
	const struct pfkey_msg *d;

	memset(c, 0, sizeof(*c));
	sad_entry_init(&c->sa);
	spd_entry_init(&c->sp);
	c->m = m;
	/*
	 * FreeBSD sends promiscuous sockets every message behind an
	 * X_PROMISC header; the references step over it (base++) and
	 * print what it carries.  A bare X_PROMISC is the on/off reply.
	 */
	if (m->hdr->sadb_msg_type == PFKEY_MSG_X_PROMISC &&
	    m->len > PFKEY_HDRLEN) {
		c->promisc = true;
		/* the inner header is 8-byte aligned: the outer one is */
		c->derr = pfkey_decode(p + PFKEY_HDRLEN, m->len - PFKEY_HDRLEN,
		    m->dialect, PFKEY_DEC_FROM_KERNEL | PFKEY_DEC_NOREQ |
		    PFKEY_DEC_SKIP_UNKNOWN, &c->inner);
		if (c->derr != 0)
			return;
		c->m = &c->inner;
	}
	d = c->m;
	if (d->ext[PFKEY_EXT_X_POLICY] != NULL) {
		if ((c->sp_err = spd_from_pfkey(d, &c->sp)) == 0)
			c->has_sp = true;
	}
	if (d->ext[PFKEY_EXT_SA] != NULL ||
	    d->ext[PFKEY_EXT_ADDRESS_SRC] != NULL ||
	    d->ext[PFKEY_EXT_ADDRESS_DST] != NULL) {
		/* policy messages carry the selector, not an SA */
		if (!(c->has_sp && is_sp_msg(d->hdr->sadb_msg_type))) {
			if ((c->sa_err = sad_from_pfkey(d, &c->sa)) == 0)
				c->has_sa = true;
		}
	}
}

static void
mon_free(struct mon *c)
{
	sad_entry_clear(&c->sa);
	spd_entry_clear(&c->sp);
}

static void
mon_meta(const struct pfkey_msg *m, struct setkey_msgmeta *mm)
{
	mm->seq = m->hdr->sadb_msg_seq;
	mm->pid = m->hdr->sadb_msg_pid;
	mm->reserved = m->hdr->sadb_msg_reserved;
	mm->type = m->hdr->sadb_msg_type;
	mm->errno_ = m->hdr->sadb_msg_errno;
}

/* The reference's -h dump: offset, 16 bytes, each with a space. */
static void
mon_hexdump(FILE *f, const struct pfkey_msg *m)
{
	const uint8_t *p = (const uint8_t *)m->hdr;
	size_t i;

	for (i = 0; i < m->len; i++) {
		if (i % 16 == 0)
			fprintf(f, "%08zx: ", i);
		fprintf(f, "%02x ", p[i]);
		if (i % 16 == 15)
			fputc('\n', f);
	}
	if (m->len % 16 != 0)
		fputc('\n', f);
}

/* printdate(): local time of day or, with -xx, the raw timeval. */
static void
mon_date(FILE *f, const struct setkey_print_opts *o, bool rawtime)
{
	struct tm tm;
	time_t now = o->now;

	if (rawtime)
		fprintf(f, "%u.%06u \n", (unsigned)o->now,
		    (unsigned)o->now_usec);
	else if (localtime_r(&now, &tm) != NULL)
		fprintf(f, "%02d:%02d:%02d.%06u \n", tm.tm_hour, tm.tm_min,
		    tm.tm_sec, (unsigned)o->now_usec);
	else
		fputc('\n', f);
}

/* The summary line every message gets. */
static void
mon_summary(FILE *f, const struct pfkey_msg *m)
{
	const struct sadb_msg *h = m->hdr;
	const char *name;

	if ((name = pfkey_msgtype_name(h->sadb_msg_type)) != NULL)
		fprintf(f, "msg=%s", name);
	else
		fprintf(f, "msg=%u", h->sadb_msg_type);
	if ((name = pfkey_satype_name(h->sadb_msg_satype)) != NULL)
		fprintf(f, " satype=%s", name);
	else
		fprintf(f, " satype=%u", h->sadb_msg_satype);
	fprintf(f, " errno=%u", h->sadb_msg_errno);
	if (h->sadb_msg_errno != 0)
		fprintf(f, " (%s)", strerror(h->sadb_msg_errno));
	fprintf(f, " seq=%u pid=%u\n", h->sadb_msg_seq, h->sadb_msg_pid);
}

/*
 * A message that names an SA or addresses without being a whole SA
 * (FreeBSD's DELETE has no X_SA2, ACQUIRE no SA): one line of what it
 * has, rather than the dump printer's "no SA2 extension.".
 */
static void
mon_brief(FILE *f, const struct mon *c)
{
	const struct sad_entry *e = &c->sa;
	char h[NI_MAXHOST];

	fputs("\t", f);
	if (e->src.af != AF_UNSPEC) {
		fputs(host_str(&e->src, h, sizeof(h)), f);
		if (e->src.port != 0)
			fprintf(f, "[%u]", (unsigned)e->src.port);
	} else
		fputc('?', f);
	fputc(' ', f);
	if (e->dst.af != AF_UNSPEC) {
		fputs(host_str(&e->dst, h, sizeof(h)), f);
		if (e->dst.port != 0)
			fprintf(f, "[%u]", (unsigned)e->dst.port);
	} else
		fputc('?', f);
	if (e->has & SAD_HAS_SPI)
		fprintf(f, " spi=%u(0x%08x)", e->spi, e->spi);
	if (e->x != NULL && (e->has & SAD_HAS_NATT))
		fprintf(f, " sport=%u dport=%u", (unsigned)e->x->natt_sport,
		    (unsigned)e->x->natt_dport);
	if (c->has_sp)
		fprintf(f, " spid=%u", c->sp.id);
	fputc('\n', f);
}

static void
mon_text(FILE *f, const struct mon *c, const struct setkey_print_opts *o)
{
	struct setkey_print_opts po = *o;
	struct setkey_msgmeta mm;
	const struct sad_entry *e = &c->sa;
	char why[256];

	if (c->promisc && c->derr != 0) {
		mon_summary(f, c->m);
		(void)pfkey_decode_error(&c->inner, c->derr, why, sizeof(why));
		fprintf(f, "\tembedded message does not decode: %s\n", why);
		return;
	}
	mon_summary(f, c->m);
	mon_meta(c->m, &mm);
	/* every policy is shown, whatever -g/-t say */
	po.scope = 0;
	po.json = false;
	if (c->has_sp && is_sp_msg(c->m->hdr->sadb_msg_type))
		sp_text(f, &c->sp, &mm, &po);
	else if (c->has_sa && (e->has & SAD_HAS_SPI) &&
	    (e->has & SAD_HAS_MODE) && e->src.af != AF_UNSPEC &&
	    e->dst.af != AF_UNSPEC)
		sa_text(f, e, &mm, &po);
	else if (c->has_sa)
		mon_brief(f, c);
	else if (c->sa_err != 0)
		fprintf(f, "\t(cannot read the SA: %s)\n",
		    sad_strerror(c->sa_err));
	else if (c->sp_err != 0)
		fprintf(f, "\t(cannot read the policy: %s)\n",
		    sad_strerror(c->sp_err));
}

static void
mon_json(FILE *f, const struct pfkey_msg *outer, const struct mon *c,
    const struct setkey_print_opts *o, bool hexdump)
{
	const struct sadb_msg *h = c->m->hdr;
	struct jw w;
	char why[256];

	jw_init(&w, f);
	jw_open(&w, NULL, '{');
	jw_str(&w, "type", "msg");
	jw_key(&w, "timestamp");
	fprintf(f, "%" PRIu64 ".%06u", (uint64_t)o->now,
	    (unsigned)(o->now_usec % 1000000));
	jw_name(&w, "msgtype", pfkey_msgtype_name(h->sadb_msg_type),
	    h->sadb_msg_type);
	jw_name(&w, "satype", pfkey_satype_name(h->sadb_msg_satype),
	    h->sadb_msg_satype);
	jw_u64(&w, "errno", h->sadb_msg_errno);
	jw_u64(&w, "seq", h->sadb_msg_seq);
	jw_u64(&w, "pid", h->sadb_msg_pid);
	jw_u64(&w, "len", c->m->len);
	jw_bool(&w, "promisc", c->promisc);
	if (c->promisc && c->derr != 0) {
		(void)pfkey_decode_error(&c->inner, c->derr, why, sizeof(why));
		jw_str(&w, "error", why);
	} else if (c->sa_err != 0)
		jw_str(&w, "error", sad_strerror(c->sa_err));
	else if (c->sp_err != 0)
		jw_str(&w, "error", sad_strerror(c->sp_err));
	if (c->has_sa) {
		jw_open(&w, "sa", '{');
		sa_json_body(&w, &c->sa, NULL);
		jw_close(&w, '}');
	}
	if (c->has_sp) {
		jw_open(&w, "sp", '{');
		sp_json_body(&w, &c->sp, NULL, o);
		jw_close(&w, '}');
	}
	if (hexdump)
		jw_hex(&w, "raw", (const uint8_t *)outer->hdr, outer->len);
	jw_close(&w, '}');
	fputc('\n', f);
}

void
print_monitor(FILE *f, const struct pfkey_msg *m,
    const struct setkey_print_opts *o, bool rawtime, bool hexdump)
{
	struct mon c;

	mon_decode(&c, m);
	if (o->json)
		mon_json(f, m, &c, o, hexdump);
	else {
		mon_date(f, o, rawtime);
		if (hexdump)
			mon_hexdump(f, m);
		mon_text(f, &c, o);
		/* the references end each message with an empty line */
		fputc('\n', f);
	}
	mon_free(&c);
}
