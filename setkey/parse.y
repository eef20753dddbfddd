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
 * The setkey language: the superset of ipsec-tools 0.8.2 and FreeBSD
 * setkey(8), plus NetBSD's getspi and update, AEAD and ESN.  The lexer
 * lives here too, as in iked and ipsecctl.  Grammar actions only fill a
 * statement under construction; when a statement is complete and valid,
 * one struct setkey_cmd per address pair goes on the caller's queue.
 * Nothing here builds PF_KEY messages.
 *
 * Errors are "FILE:LINE:COL: message" naming the offending token (never
 * key material).  After an error the rest of the statement is skipped up
 * to its ';' and parsing goes on, so every bad statement of a file is
 * reported, once.
 *
 * Departures from the reference lexers, each deliberate:
 *  - quoted strings end at the line: a missing quote is reported where
 *    it is instead of swallowing the rest of the file;
 *  - hexadecimal keys need an even number of digits (the references pad
 *    an odd one with a leading zero nibble);
 *  - '#' comments may appear inside a -P policy (blanked, so that error
 *    columns in the policy stay right);
 *  - SA extensions may also follow the algorithms;
 *  - names that resolve to several addresses give one statement per
 *    pair of the same family (as ipsec-tools sends one message per
 *    pair), in a stable order: IPv4 before IPv6, then by address.
 */

%{
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "setkey.h"

#define TOKBUF_MAX	8192	/* longest token (a policy, a key) */
#define ADDR_MAX	16	/* addresses one name may give */
#define QTEXT_MAX	96	/* a token quoted in a message */
#define NATT_PORT	4500	/* esp-udp without a port (RFC 3948) */

/*
 * Every token and every grammar value: its text (an arena copy), a
 * number, where it starts, and what it is.
 */
typedef struct {
	char		*s;
	size_t		 len;
	uint64_t	 num;
	int		 line;
	int		 col;
	int		 kind;		/* token number; 0 for "nothing" */
} YYSTYPE;
#define YYSTYPE_IS_DECLARED	1

/* An address as written: resolved when the statement is complete. */
struct addrspec {
	YYSTYPE		 host;
	YYSTYPE		 plen;		/* kind 0: not given */
	YYSTYPE		 port;		/* kind 0: not given */
};

/* Options seen in the statement (duplicates are errors). */
#define SEEN_MODE	0x0001
#define SEEN_REQID	0x0002
#define SEEN_REPLAY	0x0004
#define SEEN_LH		0x0008
#define SEEN_LS		0x0010
#define SEEN_BH		0x0020
#define SEEN_BS		0x0040
#define SEEN_CTX	0x0080
#define SEEN_NATT	0x0100
#define SEEN_NATTMTU	0x0200
#define SEEN_PAD	0x0400
#define SEEN_NOCYC	0x0800
#define SEEN_ESN	0x1000

/* The statement under construction. */
struct stmt {
	enum setkey_op		 op;
	struct setkey_loc	 loc;
	unsigned		 aflags;
	enum setkey_proto	 proto;
	YYSTYPE			 protok;	/* where the protocol was */
	int			 naddr;
	struct addrspec		 addr[2];	/* src, dst */
	struct addrspec		 oa;		/* esp-udp OA (host kind) */
	struct addrspec		 natt[2];	/* -natt OAI, OAR */
	YYSTYPE			 nattmtu;
	uint32_t		 seen;
	struct sad_entry	 sa;		/* copied for every pair */
	YYSTYPE			 upper;		/* SPD */
	YYSTYPE			 umisc;
	struct spd_entry	 sp;
};

/* Allocations of the statement being parsed; wiped when released. */
struct chunk {
	struct chunk		*next;
	uint64_t		 seq;		/* the token it belongs to */
	size_t			 len;
	char			 data[];
};

struct parse {
	const struct setkey_parse_opts	*opts;
	enum pfkey_dialect	 dialect;	/* resolved */
	struct setkey_cmdq	*q;
	struct setkey_cmdq	 pending;	/* of the statement, until ';' */
	const char		*name;		/* interned */
	FILE			*fp;
	const char		*buf;
	size_t			 len;
	size_t			 pos;
	int			 line;		/* of the next character */
	int			 col;
	int			 pline;		/* before the last character */
	int			 pcol;
	int			 unget;
	bool			 has_unget;
	bool			 policy_next;	/* -P seen: raw text follows */
	bool			 stmt_err;	/* statement already reported */
	int			 errors;
	uint64_t		 tokseq;
	struct chunk		*arena;
	YYSTYPE			 last;		/* the last token read */
	int			 endline;	/* end of the token before it */
	int			 endcol;
	int			 tokendline;	/* end of the last token */
	int			 tokendcol;
	struct stmt		 st;
	size_t			 toklen;
	char			 tokbuf[TOKBUF_MAX];
};

static struct parse	*ps;

int	 yyparse(void);
int	 yylex(void);
void	 yyerror(const char *);

static void	 serror(const YYSTYPE *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static void	 lerror(int, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static const char *qtext(const char *, size_t, char *, size_t);
static const char *qtok(const YYSTYPE *, char *, size_t);
static void	 stmt_begin(enum setkey_op, const YYSTYPE *);
static void	 stmt_commit(void);
static void	 stmt_done(void);
static int	 set_aflags(const YYSTYPE *);
static int	 set_addr(int, const YYSTYPE *, const YYSTYPE *,
		    const YYSTYPE *);
static int	 set_proto(enum setkey_proto, const YYSTYPE *,
		    const YYSTYPE *);
static int	 set_spi(const YYSTYPE *);
static int	 ext_mode(const YYSTYPE *, const YYSTYPE *);
static int	 ext_num(const YYSTYPE *, const YYSTYPE *);
static int	 ext_flag(const YYSTYPE *, const YYSTYPE *);
static int	 ext_esn(const YYSTYPE *);
static int	 ext_ctx(const YYSTYPE *, const YYSTYPE *, const YYSTYPE *,
		    const YYSTYPE *);
static int	 ext_natt(const YYSTYPE *, const YYSTYPE *, const YYSTYPE *,
		    const YYSTYPE *, const YYSTYPE *);
static int	 alg_enc(const YYSTYPE *, const YYSTYPE *, const YYSTYPE *);
static int	 alg_auth(const YYSTYPE *, const YYSTYPE *, const YYSTYPE *,
		    const YYSTYPE *);
static int	 alg_comp(const YYSTYPE *, const YYSTYPE *, const YYSTYPE *);
static int	 finish_sa(bool);
static int	 finish_flush(const YYSTYPE *);
static int	 finish_spd(const YYSTYPE *);
static int	 finish_tagged(const YYSTYPE *);
static int	 finish_plain(enum setkey_op, const YYSTYPE *);
%}

%token	ADD UPDATE GET DELETE DELETEALL GETSPI FLUSH DUMP
%token	SPDADD SPDUPDATE SPDDELETE SPDFLUSH SPDDUMP EXIT TAGGED
%token	PR_ESP PR_ESPOLD PR_ESPUDP PR_AH PR_AHOLD PR_IPCOMP PR_TCP
%token	O_ENC O_AUTH O_COMP O_RAWCPI O_MODE O_REQID O_REPLAY O_FLAG O_ESN
%token	O_LH O_LS O_BH O_BS O_CTX O_NATT O_NATTMTU O_POLICY
%token	AFLAGS STRING QSTRING HEX NUMBER POLICY LEXERR

%%

grammar		: /* empty */
		| grammar ';'
		| grammar command ';'	{ stmt_commit(); stmt_done(); }
		| grammar EXIT ';'	{
			if (finish_plain(SK_EXIT, &$2) == -1)
				YYERROR;
			stmt_commit();
			stmt_done();
			/* As the references: nothing after exit is read. */
			YYACCEPT;
		}
		| grammar error ';'	{ yyerrok; stmt_done(); }
		;

command		: addcmd
		| getcmd
		| getspicmd
		| deleteallcmd
		| flushcmd
		| spdcmd
		| tagcmd
		| SPDFLUSH		{
			if (finish_plain(SK_SPDFLUSH, &$1) == -1)
				YYERROR;
		}
		| SPDDUMP		{
			if (finish_plain(SK_SPDDUMP, &$1) == -1)
				YYERROR;
		}
		;

addcmd		: addop aflags saaddr saaddr proto spi exts algs exts {
			if (finish_sa(true) == -1)
				YYERROR;
		}
		;

addop		: ADD			{ stmt_begin(SK_ADD, &$1); }
		| UPDATE		{ stmt_begin(SK_UPDATE, &$1); }
		;

getcmd		: getop aflags saaddr saaddr proto spi exts {
			if (finish_sa(false) == -1)
				YYERROR;
		}
		;

getop		: GET			{ stmt_begin(SK_GET, &$1); }
		| DELETE		{ stmt_begin(SK_DELETE, &$1); }
		;

getspicmd	: getspiop aflags saaddr saaddr proto spi exts {
			if (finish_sa(false) == -1)
				YYERROR;
		}
		;

getspiop	: GETSPI		{ stmt_begin(SK_GETSPI, &$1); }
		;

deleteallcmd	: deleteallop aflags saaddr saaddr protoopt {
			if (finish_sa(false) == -1)
				YYERROR;
		}
		;

deleteallop	: DELETEALL		{ stmt_begin(SK_DELETEALL, &$1); }
		;

flushcmd	: FLUSH	{ stmt_begin(SK_FLUSH, &$1); } protoopt {
			if (finish_flush(&$1) == -1)
				YYERROR;
		}
		| DUMP { stmt_begin(SK_DUMP, &$1); } protoopt {
			if (finish_flush(&$1) == -1)
				YYERROR;
		}
		;

aflags		: /* empty */
		| aflags AFLAGS		{
			if (set_aflags(&$2) == -1)
				YYERROR;
		}
		;

saaddr		: STRING portspec	{
			if (set_addr(ps->st.naddr++, &$1, NULL, &$2) == -1)
				YYERROR;
		}
		;

portspec	: /* empty */		{ memset(&$$, 0, sizeof($$)); }
		| '[' NUMBER ']'	{ $$ = $2; }
		| '[' STRING ']'	{ $$ = $2; }
		;

prefix		: /* empty */		{ memset(&$$, 0, sizeof($$)); }
		| '/' NUMBER		{ $$ = $2; }
		;

protoopt	: /* empty */
		| proto
		;

proto		: PR_ESP		{
			if (set_proto(SKP_ESP, &$1, NULL) == -1)
				YYERROR;
		}
		| PR_ESPOLD		{
			if (set_proto(SKP_ESP_OLD, &$1, NULL) == -1)
				YYERROR;
		}
		| PR_ESPUDP		{
			if (set_proto(SKP_ESP_UDP, &$1, NULL) == -1)
				YYERROR;
		}
		| PR_ESPUDP STRING	{
			if (set_proto(SKP_ESP_UDP, &$1, &$2) == -1)
				YYERROR;
		}
		| PR_AH			{
			if (set_proto(SKP_AH, &$1, NULL) == -1)
				YYERROR;
		}
		| PR_AHOLD		{
			if (set_proto(SKP_AH_OLD, &$1, NULL) == -1)
				YYERROR;
		}
		| PR_IPCOMP		{
			if (set_proto(SKP_IPCOMP, &$1, NULL) == -1)
				YYERROR;
		}
		| PR_TCP		{
			if (set_proto(SKP_TCP, &$1, NULL) == -1)
				YYERROR;
		}
		;

spi		: NUMBER		{
			if (set_spi(&$1) == -1)
				YYERROR;
		}
		| HEX			{
			if (set_spi(&$1) == -1)
				YYERROR;
		}
		;

exts		: /* empty */
		| exts ext
		;

ext		: O_MODE STRING		{
			if (ext_mode(&$1, &$2) == -1)
				YYERROR;
		}
		| O_REQID NUMBER	{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_REPLAY NUMBER	{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_LH NUMBER		{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_LS NUMBER		{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_BH NUMBER		{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_BS NUMBER		{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_NATTMTU NUMBER	{
			if (ext_num(&$1, &$2) == -1)
				YYERROR;
		}
		| O_FLAG STRING		{
			if (ext_flag(&$1, &$2) == -1)
				YYERROR;
		}
		| O_ESN			{
			if (ext_esn(&$1) == -1)
				YYERROR;
		}
		| O_CTX NUMBER NUMBER QSTRING {
			if (ext_ctx(&$1, &$2, &$3, &$4) == -1)
				YYERROR;
		}
		| O_NATT STRING '[' NUMBER ']' STRING '[' NUMBER ']' {
			if (ext_natt(&$1, &$2, &$4, &$6, &$8) == -1)
				YYERROR;
		}
		;

algs		: O_ENC STRING keyopt	{
			if (alg_enc(&$1, &$2, &$3) == -1)
				YYERROR;
		}
		| O_ENC STRING keyopt O_AUTH STRING keyopt {
			if (alg_enc(&$1, &$2, &$3) == -1 ||
			    alg_auth(&$4, &$5, &$6, &$2) == -1)
				YYERROR;
		}
		| O_AUTH STRING keyopt	{
			if (alg_auth(&$1, &$2, &$3, NULL) == -1)
				YYERROR;
		}
		| O_COMP STRING		{
			if (alg_comp(&$1, &$2, NULL) == -1)
				YYERROR;
		}
		| O_COMP STRING O_RAWCPI {
			if (alg_comp(&$1, &$2, &$3) == -1)
				YYERROR;
		}
		;

keyopt		: /* empty */		{ memset(&$$, 0, sizeof($$)); }
		| QSTRING
		| HEX
		;

spdcmd		: spdop aflags spdaddr spdaddr upper umisc spdctx O_POLICY
		    POLICY		{
			if (finish_spd(&$9) == -1)
				YYERROR;
		}
		;

spdop		: SPDADD		{ stmt_begin(SK_SPDADD, &$1); }
		| SPDUPDATE		{ stmt_begin(SK_SPDUPDATE, &$1); }
		| SPDDELETE		{ stmt_begin(SK_SPDDELETE, &$1); }
		;

tagcmd		: SPDADD TAGGED QSTRING O_POLICY POLICY {
			stmt_begin(SK_SPDADD, &$1);
			if (finish_tagged(&$2) == -1)
				YYERROR;
		}
		| SPDUPDATE TAGGED QSTRING O_POLICY POLICY {
			stmt_begin(SK_SPDUPDATE, &$1);
			if (finish_tagged(&$2) == -1)
				YYERROR;
		}
		;

spdaddr		: STRING prefix portspec {
			if (set_addr(ps->st.naddr++, &$1, &$2, &$3) == -1)
				YYERROR;
		}
		;

upper		: NUMBER		{ ps->st.upper = $1; }
		| STRING		{ ps->st.upper = $1; }
		| PR_TCP		{ ps->st.upper = $1; }
		| PR_ESP		{ ps->st.upper = $1; }
		| PR_AH			{ ps->st.upper = $1; }
		| PR_IPCOMP		{ ps->st.upper = $1; }
		;

umisc		: /* empty */
		| NUMBER		{ ps->st.umisc = $1; }
		| STRING		{ ps->st.umisc = $1; }
		;

spdctx		: /* empty */
		| O_CTX NUMBER NUMBER QSTRING {
			if (ext_ctx(&$1, &$2, &$3, &$4) == -1)
				YYERROR;
		}
		;

%%

/* ------------------------------------------------------------ keywords */

/*
 * Every word the language knows, sorted for bsearch(3).  Words whose
 * token is STRING are not grammar tokens (modes, flags, algorithms,
 * upper-layer names): the actions check them, and the table lists them
 * for the console's completion and help.
 */
static const struct setkey_keyword keywords[] = {
	{ "-4",			AFLAGS,		SK_KW_OPTION },
	{ "-6",			AFLAGS,		SK_KW_OPTION },
	{ "-A",			O_AUTH,		SK_KW_OPTION },
	{ "-C",			O_COMP,		SK_KW_OPTION },
	{ "-E",			O_ENC,		SK_KW_OPTION },
	{ "-P",			O_POLICY,	SK_KW_OPTION },
	{ "-R",			O_RAWCPI,	SK_KW_OPTION },
	{ "-bh",		O_BH,		SK_KW_OPTION },
	{ "-bs",		O_BS,		SK_KW_OPTION },
	{ "-ctx",		O_CTX,		SK_KW_OPTION },
	{ "-esn",		O_ESN,		SK_KW_OPTION },
	{ "-f",			O_FLAG,		SK_KW_OPTION },
	{ "-lh",		O_LH,		SK_KW_OPTION },
	{ "-ls",		O_LS,		SK_KW_OPTION },
	{ "-m",			O_MODE,		SK_KW_OPTION },
	{ "-n",			AFLAGS,		SK_KW_OPTION },
	{ "-natt",		O_NATT,		SK_KW_OPTION },
	{ "-natt_mtu",		O_NATTMTU,	SK_KW_OPTION },
	{ "-r",			O_REPLAY,	SK_KW_OPTION },
	{ "-u",			O_REQID,	SK_KW_OPTION },
	{ "3des-cbc",		STRING,		SK_KW_EALG },
	{ "add",		ADD,		SK_KW_COMMAND },
	{ "aes-cbc",		STRING,		SK_KW_EALG },
	{ "aes-ccm-12",		STRING,		SK_KW_EALG },
	{ "aes-ccm-16",		STRING,		SK_KW_EALG },
	{ "aes-ccm-8",		STRING,		SK_KW_EALG },
	{ "aes-ctr",		STRING,		SK_KW_EALG },
	{ "aes-gcm-12",		STRING,		SK_KW_EALG },
	{ "aes-gcm-16",		STRING,		SK_KW_EALG },
	{ "aes-gcm-8",		STRING,		SK_KW_EALG },
	{ "aes-gmac",		STRING,		SK_KW_EALG },
	{ "aes-xcbc-mac",	STRING,		SK_KW_AALG },
	{ "aes128-gmac",	STRING,		SK_KW_AALG },
	{ "aes192-gmac",	STRING,		SK_KW_AALG },
	{ "aes256-gmac",	STRING,		SK_KW_AALG },
	{ "ah",			PR_AH,		SK_KW_PROTO | SK_KW_UPPER },
	{ "ah-old",		PR_AHOLD,	SK_KW_PROTO },
	{ "any",		STRING,		SK_KW_UPPER | SK_KW_OTHER },
	{ "beet",		STRING,		SK_KW_OTHER },
	{ "blowfish-cbc",	STRING,		SK_KW_EALG },
	{ "bye",		EXIT,		SK_KW_COMMAND },
	{ "camellia-cbc",	STRING,		SK_KW_EALG },
	{ "cast128-cbc",	STRING,		SK_KW_EALG },
	{ "chacha20-poly1305",	STRING,		SK_KW_EALG | SK_KW_AALG },
	{ "deflate",		STRING,		SK_KW_CALG },
	{ "delete",		DELETE,		SK_KW_COMMAND },
	{ "deleteall",		DELETEALL,	SK_KW_COMMAND },
	{ "des-32iv",		STRING,		SK_KW_EALG },
	{ "des-cbc",		STRING,		SK_KW_EALG },
	{ "des-deriv",		STRING,		SK_KW_EALG },
	{ "dump",		DUMP,		SK_KW_COMMAND },
	{ "esn",		STRING,		SK_KW_OTHER },
	{ "esp",		PR_ESP,		SK_KW_PROTO | SK_KW_UPPER },
	{ "esp-old",		PR_ESPOLD,	SK_KW_PROTO },
	{ "esp-udp",		PR_ESPUDP,	SK_KW_PROTO },
	{ "exit",		EXIT,		SK_KW_COMMAND },
	{ "flush",		FLUSH,		SK_KW_COMMAND },
	{ "get",		GET,		SK_KW_COMMAND },
	{ "getspi",		GETSPI,		SK_KW_COMMAND },
	{ "gre",		STRING,		SK_KW_UPPER },
	{ "hmac-md5",		STRING,		SK_KW_AALG },
	{ "hmac-ripemd160",	STRING,		SK_KW_AALG },
	{ "hmac-sha1",		STRING,		SK_KW_AALG },
	{ "hmac-sha2-256",	STRING,		SK_KW_AALG },
	{ "hmac-sha2-384",	STRING,		SK_KW_AALG },
	{ "hmac-sha2-512",	STRING,		SK_KW_AALG },
	{ "hmac-sha256",	STRING,		SK_KW_AALG },
	{ "hmac-sha384",	STRING,		SK_KW_AALG },
	{ "hmac-sha512",	STRING,		SK_KW_AALG },
	{ "hmac-sm3",		STRING,		SK_KW_AALG },
	{ "icmp",		STRING,		SK_KW_UPPER },
	{ "icmp6",		STRING,		SK_KW_UPPER },
	{ "igmp",		STRING,		SK_KW_UPPER },
	{ "ip4",		STRING,		SK_KW_UPPER },
	{ "ipcomp",		PR_IPCOMP,	SK_KW_PROTO | SK_KW_UPPER },
	{ "iptfs",		STRING,		SK_KW_OTHER },
	{ "ipv6",		STRING,		SK_KW_UPPER },
	{ "ipv6-icmp",		STRING,		SK_KW_UPPER },
	{ "keyed-md5",		STRING,		SK_KW_AALG },
	{ "keyed-sha1",		STRING,		SK_KW_AALG },
	{ "lzjh",		STRING,		SK_KW_CALG },
	{ "lzs",		STRING,		SK_KW_CALG },
	{ "mh",			STRING,		SK_KW_UPPER },
	{ "nocyclic-seq",	STRING,		SK_KW_OTHER },
	{ "null",		STRING,		SK_KW_EALG | SK_KW_AALG },
	{ "null-aes-gmac",	STRING,		SK_KW_EALG },
	{ "oui",		STRING,		SK_KW_CALG },
	{ "quit",		EXIT,		SK_KW_COMMAND },
	{ "random-pad",		STRING,		SK_KW_OTHER },
	{ "rijndael-cbc",	STRING,		SK_KW_EALG },
	{ "sctp",		STRING,		SK_KW_UPPER },
	{ "seq-pad",		STRING,		SK_KW_OTHER },
	{ "serpent-cbc",	STRING,		SK_KW_EALG },
	{ "simple",		STRING,		SK_KW_EALG },
	{ "sm4-cbc",		STRING,		SK_KW_EALG },
	{ "spdadd",		SPDADD,		SK_KW_COMMAND },
	{ "spddelete",		SPDDELETE,	SK_KW_COMMAND },
	{ "spddump",		SPDDUMP,	SK_KW_COMMAND },
	{ "spdflush",		SPDFLUSH,	SK_KW_COMMAND },
	{ "spdupdate",		SPDUPDATE,	SK_KW_COMMAND },
	{ "tagged",		TAGGED,		SK_KW_OTHER },
	{ "tcp",		PR_TCP,		SK_KW_PROTO | SK_KW_UPPER },
	{ "tcp-md5",		STRING,		SK_KW_AALG },
	{ "transport",		STRING,		SK_KW_OTHER },
	{ "tunnel",		STRING,		SK_KW_OTHER },
	{ "twofish-cbc",	STRING,		SK_KW_EALG },
	{ "udp",		STRING,		SK_KW_UPPER },
	{ "update",		UPDATE,		SK_KW_COMMAND },
	{ "zero-pad",		STRING,		SK_KW_OTHER },
};


static int
kw_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct setkey_keyword *)e)->word));
}

static const struct setkey_keyword *
lookup(const char *s)
{
	return (bsearch(s, keywords, nitems(keywords), sizeof(keywords[0]),
	    kw_cmp));
}

const struct setkey_keyword *
setkey_keyword_nth(size_t n)
{
	return (n < nitems(keywords) ? &keywords[n] : NULL);
}

/* The word a grammar token stands for, for messages. */
static const char *
tokname(int tok)
{
	size_t i;

	for (i = 0; i < nitems(keywords); i++)
		if (keywords[i].token == tok && tok != STRING)
			return (keywords[i].word);
	return ("?");
}

/*
 * Upper-layer protocols known by name whatever /etc/protocols says: the
 * references' own (icmp6, ip4) and what print_cmd() prints.
 */
static const struct {
	const char	*name;
	uint8_t		 proto;
} uppers[] = {
	{ "icmp",	1 },
	{ "igmp",	2 },
	{ "ip4",	4 },
	{ "tcp",	6 },
	{ "udp",	17 },
	{ "ipv6",	41 },
	{ "gre",	47 },
	{ "esp",	50 },
	{ "ah",		51 },
	{ "icmp6",	58 },
	{ "ipv6-icmp",	58 },
	{ "ipcomp",	108 },
	{ "sctp",	132 },
	{ "mh",		135 },
};

/* ------------------------------------------------------------- errors */

/*
 * Quote text for a message: printable ASCII as is, the rest as \xNN,
 * cut with "..." so one token cannot flood the terminal.
 */
static const char *
qtext(const char *s, size_t len, char *buf, size_t sz)
{
	size_t i, o = 0;
	unsigned char c;

	buf[o++] = '"';
	for (i = 0; i < len && o + 8 < sz; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(buf + o, sz - o, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, sz - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	if (i < len)
		o += (size_t)snprintf(buf + o, sz - o, "...");
	buf[o++] = '"';
	buf[o] = '\0';
	return (buf);
}

static const char *
qtok(const YYSTYPE *t, char *buf, size_t sz)
{
	return (qtext(t->s != NULL ? t->s : "", t->len, buf, sz));
}

static void
vreport(int line, int col, const char *fmt, va_list ap)
{
	/* One message per statement: the rest is skipped anyway. */
	if (ps->stmt_err)
		return;
	ps->stmt_err = true;
	ps->errors++;
	fprintf(stderr, "%s:%d:%d: ", ps->name, line, col);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* A semantic error at a token. */
static void
serror(const YYSTYPE *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(t->line, t->col, fmt, ap);
	va_end(ap);
}

/* A lexical error at a position. */
static void
lerror(int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(line, col, fmt, ap);
	va_end(ap);
}

static bool
is_command(int tok)
{
	switch (tok) {
	case ADD: case UPDATE: case GET: case DELETE: case DELETEALL:
	case GETSPI: case FLUSH: case DUMP: case SPDADD: case SPDUPDATE:
	case SPDDELETE: case SPDFLUSH: case SPDDUMP: case EXIT:
		return (true);
	}
	return (false);
}

/*
 * byacc's "syntax error": name the lookahead.  Keys are never echoed: a
 * quoted string or a hexadecimal number out of place may be one.
 */
void
yyerror(const char *msg)
{
	const YYSTYPE *t = &ps->last;
	char q[QTEXT_MAX];

	if (t->kind == LEXERR)
		return;		/* the lexer has said what is wrong */
	switch (t->kind) {
	case 0:
		lerror(ps->endline, ps->endcol, "%s: unexpected end of input "
		    "(missing \";\"?)", msg);
		break;
	case QSTRING:
		serror(t, "%s: unexpected quoted string", msg);
		break;
	case HEX:
		serror(t, "%s: unexpected hexadecimal number", msg);
		break;
	case POLICY:
		serror(t, "%s: unexpected policy", msg);
		break;
	default:
		if (is_command(t->kind))
			serror(t, "%s: unexpected %s (missing \";\" before "
			    "it?)", msg, qtok(t, q, sizeof(q)));
		else
			serror(t, "%s: unexpected %s", msg,
			    qtok(t, q, sizeof(q)));
		break;
	}
}

/* -------------------------------------------------------------- arena */

/*
 * Copy `len' bytes into the statement's arena (NUL added); with p NULL
 * the bytes are zeroes, for the caller to fill.
 */
static char *
arena_copy(const void *p, size_t len)
{
	struct chunk *c;

	if ((c = malloc(sizeof(*c) + len + 1)) == NULL)
		return (NULL);
	c->seq = ps->tokseq;
	c->len = len;
	if (p != NULL && len > 0)
		memcpy(c->data, p, len);
	else
		memset(c->data, 0, len);
	c->data[len] = '\0';
	c->next = ps->arena;
	ps->arena = c;
	return (c->data);
}

/*
 * Release (wiping: keys live here) everything older than token `keep';
 * the lookahead, if one was read, belongs to the next statement.
 */
static void
arena_release(uint64_t keep)
{
	struct chunk *c, **cp = &ps->arena;

	while ((c = *cp) != NULL) {
		if (c->seq >= keep) {
			cp = &c->next;
			continue;
		}
		*cp = c->next;
		freezero(c, sizeof(*c) + c->len + 1);
	}
}

/* -------------------------------------------------------------- lexer */

static int
lgetc(void)
{
	int c;

	if (ps->has_unget) {
		ps->has_unget = false;
		c = ps->unget;
	} else if (ps->fp != NULL)
		c = getc(ps->fp);
	else
		c = ps->pos < ps->len ? (unsigned char)ps->buf[ps->pos++] : EOF;
	ps->pline = ps->line;
	ps->pcol = ps->col;
	if (c == '\n') {
		ps->line++;
		ps->col = 1;
	} else if (c != EOF)
		ps->col++;
	return (c);
}

static void
lungetc(int c)
{
	ps->has_unget = true;
	ps->unget = c;
	ps->line = ps->pline;
	ps->col = ps->pcol;
}

/* Skip a comment up to the end of the line (kept for the caller). */
static void
findeol(void)
{
	int c;

	while ((c = lgetc()) != '\n' && c != EOF)
		;
	lungetc(c);
}

static bool
isword(int c)
{
	return (c != EOF && (isalnum(c) || strchr(":._%,-", c) != NULL) &&
	    c != '\0');
}

/* Append to the token buffer; false when it is full (reported). */
static bool
tokput(int c, int line, int col)
{
	if (ps->toklen >= sizeof(ps->tokbuf) - 1) {
		lerror(line, col, "token too long (more than %zu bytes)",
		    sizeof(ps->tokbuf) - 1);
		return (false);
	}
	ps->tokbuf[ps->toklen++] = (char)c;
	return (true);
}

/* Hand the token buffer to the parser and wipe it: it may hold a key. */
static int
tokdone(int kind)
{
	yylval.s = arena_copy(ps->tokbuf, ps->toklen);
	yylval.len = ps->toklen;
	explicit_bzero(ps->tokbuf, ps->toklen);
	ps->toklen = 0;
	if (yylval.s == NULL) {
		lerror(yylval.line, yylval.col, "out of memory");
		return (LEXERR);
	}
	return (kind);
}

/* A "quoted string": no escapes (as the references), not over lines. */
static int
lex_quoted(void)
{
	int c;

	for (;;) {
		c = lgetc();
		if (c == '"')
			break;
		if (c == EOF || c == '\n') {
			lungetc(c);
			lerror(yylval.line, yylval.col, "unterminated quoted "
			    "string");
			explicit_bzero(ps->tokbuf, ps->toklen);
			ps->toklen = 0;
			return (LEXERR);
		}
		if (c == '\0') {
			lerror(ps->pline, ps->pcol, "NUL byte in a quoted "
			    "string");
			explicit_bzero(ps->tokbuf, ps->toklen);
			ps->toklen = 0;
			return (LEXERR);
		}
		if (!tokput(c, yylval.line, yylval.col)) {
			explicit_bzero(ps->tokbuf, ps->toklen);
			ps->toklen = 0;
			return (LEXERR);
		}
	}
	return (tokdone(QSTRING));
}

/*
 * The policy after -P: everything up to ';', handed over raw to
 * pfkey_policy_parse().  Comments become blanks of the same length, so
 * that an offset into the text is still a place in the file.
 */
static int
lex_policy(void)
{
	int c;
	bool comment = false;

	yylval.line = ps->line;
	yylval.col = ps->col;
	ps->tokendline = ps->line;
	ps->tokendcol = ps->col;
	for (;;) {
		c = lgetc();
		if (c == EOF || (c == ';' && !comment)) {
			lungetc(c);
			break;
		}
		if (c == '\n')
			comment = false;
		else if (c == '#')
			comment = true;
		if (!tokput(comment ? ' ' : c, yylval.line, yylval.col)) {
			ps->toklen = 0;
			return (LEXERR);
		}
		/* A missing ';' is reported after the policy's last word. */
		if (!comment && !isspace(c)) {
			ps->tokendline = ps->line;
			ps->tokendcol = ps->col;
		}
	}
	return (tokdone(POLICY));
}

/* "-word": an option, or address flags like -4, -6, -n, -46n. */
static int
lex_option(void)
{
	const struct setkey_keyword *kw;
	char q[QTEXT_MAX];
	int c;

	tokput('-', yylval.line, yylval.col);
	while ((c = lgetc()) != EOF && (isalnum(c) || c == '_'))
		if (!tokput(c, yylval.line, yylval.col)) {
			ps->toklen = 0;
			return (LEXERR);
		}
	lungetc(c);
	ps->tokbuf[ps->toklen] = '\0';
	if (ps->toklen == 1) {
		ps->toklen = 0;
		lerror(yylval.line, yylval.col, "unexpected character \"-\"");
		return (LEXERR);
	}
	if (strspn(ps->tokbuf + 1, "n46") == ps->toklen - 1)
		return (tokdone(AFLAGS));
	if ((kw = lookup(ps->tokbuf)) == NULL || kw->token == AFLAGS) {
		lerror(yylval.line, yylval.col, "unknown option %s",
		    qtext(ps->tokbuf, ps->toklen, q, sizeof(q)));
		ps->toklen = 0;
		return (LEXERR);
	}
	if (kw->token == O_POLICY)
		ps->policy_next = true;
	return (tokdone(kw->token));
}

static int
lex_word(int c)
{
	const struct setkey_keyword *kw;
	char q[QTEXT_MAX], *ep;
	size_t i;

	do {
		if (!tokput(c, yylval.line, yylval.col)) {
			ps->toklen = 0;
			return (LEXERR);
		}
	} while (isword(c = lgetc()));
	lungetc(c);
	ps->tokbuf[ps->toklen] = '\0';

	/* 0x...: an SPI or a key.  Never echoed: it may be a key. */
	if (ps->toklen >= 2 && ps->tokbuf[0] == '0' &&
	    (ps->tokbuf[1] == 'x' || ps->tokbuf[1] == 'X')) {
		for (i = 2; i < ps->toklen; i++)
			if (!isxdigit((unsigned char)ps->tokbuf[i]))
				break;
		if (ps->toklen == 2 || i < ps->toklen) {
			explicit_bzero(ps->tokbuf, ps->toklen);
			ps->toklen = 0;
			lerror(yylval.line, yylval.col, "malformed "
			    "hexadecimal number");
			return (LEXERR);
		}
		/* Drop the 0x: the value is what follows. */
		memmove(ps->tokbuf, ps->tokbuf + 2, ps->toklen - 2);
		explicit_bzero(ps->tokbuf + ps->toklen - 2, 2);
		ps->toklen -= 2;
		return (tokdone(HEX));
	}
	if (strspn(ps->tokbuf, "0123456789") == ps->toklen) {
		errno = 0;
		yylval.num = strtoull(ps->tokbuf, &ep, 10);
		if (errno == ERANGE) {
			lerror(yylval.line, yylval.col, "number %s is too "
			    "large", qtext(ps->tokbuf, ps->toklen, q,
			    sizeof(q)));
			ps->toklen = 0;
			return (LEXERR);
		}
		return (tokdone(NUMBER));
	}
	if ((kw = lookup(ps->tokbuf)) != NULL)
		return (tokdone(kw->token));
	return (tokdone(STRING));
}

static int
lex(void)
{
	char q[QTEXT_MAX], ch;
	int c;

	if (ps->policy_next) {
		ps->policy_next = false;
		return (lex_policy());
	}
	for (;;) {
		while ((c = lgetc()) == ' ' || c == '\t' || c == '\n' ||
		    c == '\r' || c == '\f' || c == '\v')
			;
		if (c != '#')
			break;
		findeol();
	}
	yylval.line = ps->pline;
	yylval.col = ps->pcol;
	switch (c) {
	case EOF:
		return (0);
	case ';':
	case '[':
	case ']':
	case '/':
		ch = (char)c;
		ps->tokbuf[0] = ch;
		ps->toklen = 1;
		return (tokdone(c));
	case '"':
		return (lex_quoted());
	case '-':
		return (lex_option());
	}
	if (c != '\0' && (isalnum(c) || c == ':'))
		return (lex_word(c));
	ch = (char)c;
	lerror(yylval.line, yylval.col, "unexpected character %s",
	    qtext(&ch, 1, q, sizeof(q)));
	return (LEXERR);
}

int
yylex(void)
{
	int kind;

	memset(&yylval, 0, sizeof(yylval));
	ps->tokseq++;
	/* Where the previous token ended: a missing ';' belongs there. */
	ps->endline = ps->tokendline;
	ps->endcol = ps->tokendcol;
	kind = lex();
	if (kind != POLICY) {
		ps->tokendline = ps->line;
		ps->tokendcol = ps->col;
	}
	yylval.kind = kind;
	ps->last = yylval;
	return (kind);
}

/* ---------------------------------------------------------- statements */

static void
stmt_reset(void)
{
	sad_entry_clear(&ps->st.sa);
	spd_entry_clear(&ps->st.sp);
	memset(&ps->st, 0, sizeof(ps->st));
	sad_entry_init(&ps->st.sa);
	spd_entry_init(&ps->st.sp);
	/* Both references set CYCSEQ unless -f nocyclic-seq says not to. */
	ps->st.sa.flags = PFKEY_SAFLAG_CYCSEQ;
}

static void
stmt_begin(enum setkey_op op, const YYSTYPE *t)
{
	ps->st.op = op;
	ps->st.loc.file = ps->name;
	ps->st.loc.line = t->line;
	ps->st.loc.col = t->col;
}

/*
 * The statement's ';' is there: its commands join the queue.  Until then
 * they wait aside, because byacc may run a statement's last action
 * before it sees that the statement does not end where it should.
 */
static void
stmt_commit(void)
{
	struct setkey_cmd *c;

	while ((c = TAILQ_FIRST(&ps->pending)) != NULL) {
		TAILQ_REMOVE(&ps->pending, c, entry);
		TAILQ_INSERT_TAIL(ps->q, c, entry);
	}
}

/* A statement ended (well or not): forget it, wipe its tokens. */
static void
stmt_done(void)
{
	setkey_cmdq_free(&ps->pending);
	stmt_reset();
	ps->stmt_err = false;
	arena_release(yychar >= 0 ? ps->tokseq : UINT64_MAX);
}

static bool
is_linux(void)
{
	return (ps->dialect == PFKEY_DIALECT_LINUX);
}

static const char *
dname(void)
{
	return (pfkey_dialect_name(ps->dialect));
}

static int
set_aflags(const YYSTYPE *t)
{
	const char *p;

	for (p = t->s + 1; *p != '\0'; p++) {
		switch (*p) {
		case '4':
			ps->st.aflags |= SK_AF_4;
			break;
		case '6':
			ps->st.aflags |= SK_AF_6;
			break;
		case 'n':
			ps->st.aflags |= SK_AF_N;
			break;
		}
	}
	if ((ps->st.aflags & (SK_AF_4 | SK_AF_6)) == (SK_AF_4 | SK_AF_6)) {
		serror(t, "-4 and -6 cannot be combined");
		return (-1);
	}
	return (0);
}

static int
set_addr(int n, const YYSTYPE *host, const YYSTYPE *plen,
    const YYSTYPE *port)
{
	struct addrspec *a;

	if (n < 0 || n > 1)
		return (-1);	/* the grammar allows two */
	a = &ps->st.addr[n];
	a->host = *host;
	if (plen != NULL)
		a->plen = *plen;
	a->port = *port;
	return (0);
}

static uint8_t
proto_satype(enum setkey_proto p)
{
	switch (p) {
	case SKP_ESP:
	case SKP_ESP_OLD:
	case SKP_ESP_UDP:
		return (PFKEY_SATYPE_ESP);
	case SKP_AH:
	case SKP_AH_OLD:
		return (PFKEY_SATYPE_AH);
	case SKP_IPCOMP:
		return (PFKEY_SATYPE_IPCOMP);
	case SKP_TCP:
		return (PFKEY_SATYPE_TCPSIGNATURE);
	case SKP_NONE:
		break;
	}
	return (PFKEY_SATYPE_UNSPEC);
}

static int
set_proto(enum setkey_proto p, const YYSTYPE *t, const YYSTYPE *oa)
{
	struct stmt *st = &ps->st;

	st->proto = p;
	st->protok = *t;
	st->sa.satype = proto_satype(p);
	if (!pfkey_satype_valid(ps->dialect, st->sa.satype)) {
		serror(t, "%s SAs are not supported by the %s dialect",
		    p == SKP_TCP ? "tcp (TCP-MD5)" : tokname(t->kind),
		    dname());
		return (-1);
	}
	if (p == SKP_ESP_OLD || p == SKP_AH_OLD)
		st->sa.flags |= PFKEY_SAFLAG_OLD;
	if (oa != NULL)
		st->oa.host = *oa;
	return (0);
}

/* A decimal or 0x number of at most `max'; -1 (reported) otherwise. */
static int
tok_number(const YYSTYPE *t, uint64_t max, const char *what, uint64_t *v)
{
	char q[QTEXT_MAX];
	size_t i;

	if (t->kind == HEX) {
		*v = 0;
		for (i = 0; i < t->len; i++) {
			if (*v > (UINT64_MAX >> 4))
				goto big;
			*v = (*v << 4) | (uint64_t)(isdigit((unsigned char)
			    t->s[i]) ? t->s[i] - '0' :
			    (tolower((unsigned char)t->s[i]) - 'a' + 10));
		}
	} else
		*v = t->num;
	if (*v <= max)
		return (0);
 big:
	if (t->kind == HEX)
		serror(t, "%s 0x%s is too large (at most %llu)", what,
		    t->len > 16 ? "..." : t->s, (unsigned long long)max);
	else
		serror(t, "%s %s is too large (at most %llu)", what,
		    qtok(t, q, sizeof(q)), (unsigned long long)max);
	return (-1);
}

static int
set_spi(const YYSTYPE *t)
{
	struct stmt *st = &ps->st;
	uint64_t v;

	if (tok_number(t, UINT32_MAX, "SPI", &v) == -1)
		return (-1);
	/* getspi 0: no range, the kernel picks (NetBSD's setkey). */
	if (v == 0 && st->op == SK_GETSPI)
		return (0);
	if (v <= 255) {
		serror(t, "SPI %s%s is reserved (0 to 255 are)",
		    t->kind == HEX ? "0x" : "", t->s);
		return (-1);
	}
	if (st->proto == SKP_IPCOMP && v > UINT16_MAX) {
		serror(t, "CPI %s%s is too large: IPComp CPIs have 16 bits",
		    t->kind == HEX ? "0x" : "", t->s);
		return (-1);
	}
	st->sa.spi = (uint32_t)v;
	st->sa.has |= SAD_HAS_SPI;
	return (0);
}

/* A duplicate option: name it where it appears the second time. */
static int
once(const YYSTYPE *opt, uint32_t bit)
{
	if (ps->st.seen & bit) {
		serror(opt, "%s given twice", opt->s);
		return (-1);
	}
	ps->st.seen |= bit;
	return (0);
}

static int
ext_mode(const YYSTYPE *opt, const YYSTYPE *w)
{
	struct stmt *st = &ps->st;
	char q[QTEXT_MAX];
	int m;

	if (once(opt, SEEN_MODE) == -1)
		return (-1);
	if ((m = pfkey_mode_lookup(w->s)) < 0) {
		serror(w, "unknown mode %s (transport, tunnel or any)",
		    qtok(w, q, sizeof(q)));
		return (-1);
	}
	if ((m == PFKEY_MODE_BEET || m == PFKEY_MODE_IPTFS) && !is_linux()) {
		serror(w, "mode %s is not supported by the %s dialect",
		    qtok(w, q, sizeof(q)), dname());
		return (-1);
	}
	st->sa.mode = (uint8_t)m;
	st->sa.has |= SAD_HAS_MODE;
	return (0);
}

/* -u, -r, -lh, -ls, -bh, -bs, -natt_mtu: one number each. */
static int
ext_num(const YYSTYPE *opt, const YYSTYPE *n)
{
	struct stmt *st = &ps->st;
	uint64_t v;

	switch (opt->kind) {
	case O_REQID:
		if (once(opt, SEEN_REQID) == -1 ||
		    tok_number(n, UINT32_MAX, "reqid", &v) == -1)
			return (-1);
		st->sa.reqid = (uint32_t)v;
		st->sa.has |= SAD_HAS_REQID;
		break;
	case O_REPLAY:
		if (once(opt, SEEN_REPLAY) == -1)
			return (-1);
		if (st->proto == SKP_ESP_OLD || st->proto == SKP_AH_OLD) {
			serror(opt, "-r cannot be used with esp-old or "
			    "ah-old");
			return (-1);
		}
		/*
		 * The model counts packets.  ipsec-tools (Linux) takes
		 * packets; FreeBSD's -r is bytes of bitmap, 8 packets each,
		 * and its kernel keeps packets in a u32 with 32 to spare.
		 */
		if (is_linux()) {
			if (tok_number(n, UINT32_MAX, "replay window",
			    &v) == -1)
				return (-1);
		} else {
			if (tok_number(n, (UINT32_MAX - 32) >> 3,
			    "replay window (bytes)", &v) == -1)
				return (-1);
			v *= 8;
		}
		st->sa.replay = (uint32_t)v;
		st->sa.has |= SAD_HAS_REPLAY;
		break;
	case O_LH:
	case O_BH:
		if (once(opt, opt->kind == O_LH ? SEEN_LH : SEEN_BH) == -1)
			return (-1);
		if (opt->kind == O_LH)
			st->sa.hard.addtime = n->num;
		else
			st->sa.hard.bytes = n->num;
		st->sa.has |= SAD_HAS_LT_HARD;
		break;
	case O_LS:
	case O_BS:
		if (once(opt, opt->kind == O_LS ? SEEN_LS : SEEN_BS) == -1)
			return (-1);
		if (opt->kind == O_LS)
			st->sa.soft.addtime = n->num;
		else
			st->sa.soft.bytes = n->num;
		st->sa.has |= SAD_HAS_LT_SOFT;
		break;
	case O_NATTMTU:
		if (once(opt, SEEN_NATTMTU) == -1)
			return (-1);
		if (pfkey_ext_to_wire(ps->dialect,
		    PFKEY_EXT_X_NAT_T_FRAG) < 0) {
			serror(opt, "-natt_mtu is not supported by the %s "
			    "dialect", dname());
			return (-1);
		}
		if (tok_number(n, UINT16_MAX, "NAT-T fragment size",
		    &v) == -1)
			return (-1);
		st->nattmtu = *opt;
		if (sad_entry_extra(&st->sa) == NULL) {
			serror(opt, "out of memory");
			return (-1);
		}
		st->sa.x->natt_frag = (uint16_t)v;
		st->sa.has |= SAD_HAS_NATT_FRAG;
		break;
	default:
		return (-1);
	}
	return (0);
}

static int
ext_flag(const YYSTYPE *opt, const YYSTYPE *w)
{
	struct stmt *st = &ps->st;
	char q[QTEXT_MAX];
	uint32_t pad;

	if (strcmp(w->s, "esn") == 0)
		return (ext_esn(w));
	if (strcmp(w->s, "nocyclic-seq") == 0) {
		if (st->seen & SEEN_NOCYC) {
			serror(w, "-f nocyclic-seq given twice");
			return (-1);
		}
		st->seen |= SEEN_NOCYC;
		st->sa.flags &= ~PFKEY_SAFLAG_CYCSEQ;
		st->sa.has |= SAD_HAS_FLAGS;
		return (0);
	}
	if (strcmp(w->s, "zero-pad") == 0)
		pad = PFKEY_SAFLAG_PZERO;
	else if (strcmp(w->s, "random-pad") == 0)
		pad = PFKEY_SAFLAG_PRAND;
	else if (strcmp(w->s, "seq-pad") == 0)
		pad = PFKEY_SAFLAG_PSEQ;
	else {
		serror(w, "unknown flag %s (zero-pad, random-pad, seq-pad, "
		    "nocyclic-seq or esn)", qtok(w, q, sizeof(q)));
		return (-1);
	}
	if (st->seen & SEEN_PAD) {
		serror(w, "only one padding flag may be given");
		return (-1);
	}
	st->seen |= SEEN_PAD;
	st->sa.flags = (st->sa.flags & ~PFKEY_SAFLAG_PMASK) | pad;
	st->sa.has |= SAD_HAS_FLAGS;
	return (0);
}

/* -f esn (pfkeykit) or -esn (FreeBSD's newest setkey). */
static int
ext_esn(const YYSTYPE *t)
{
	struct stmt *st = &ps->st;

	if (st->seen & SEEN_ESN) {
		serror(t, "esn given twice");
		return (-1);
	}
	st->seen |= SEEN_ESN;
	st->sa.flags |= SAD_F_ESN;
	st->sa.has |= SAD_HAS_FLAGS;
	return (0);
}

/* -ctx DOI ALG "context" (Linux LSM labels), on SAs and policies. */
static int
ext_ctx(const YYSTYPE *opt, const YYSTYPE *doi, const YYSTYPE *alg,
    const YYSTYPE *str)
{
	struct stmt *st = &ps->st;
	uint64_t d, a;
	char *ctx;
	size_t i;

	if (once(opt, SEEN_CTX) == -1)
		return (-1);
	if (pfkey_ext_to_wire(ps->dialect, PFKEY_EXT_X_SEC_CTX) < 0) {
		serror(opt, "-ctx is not supported by the %s dialect",
		    dname());
		return (-1);
	}
	if (tok_number(doi, UINT8_MAX, "context DOI", &d) == -1 ||
	    tok_number(alg, UINT8_MAX, "context algorithm", &a) == -1)
		return (-1);
	for (i = 0; i < str->len; i++)
		if ((unsigned char)str->s[i] < 0x20 ||
		    (unsigned char)str->s[i] == 0x7f) {
			serror(str, "control character in the security "
			    "context");
			return (-1);
		}
	if (str->len + 1 > UINT16_MAX) {
		serror(str, "security context too long");
		return (-1);
	}
	/* ipsec-tools sends the terminating NUL as part of the context. */
	if ((ctx = malloc(str->len + 1)) == NULL) {
		serror(str, "out of memory");
		return (-1);
	}
	memcpy(ctx, str->s, str->len + 1);
	if (st->op == SK_SPDADD || st->op == SK_SPDUPDATE ||
	    st->op == SK_SPDDELETE) {
		free(st->sp.ctx);
		st->sp.ctx = ctx;
		st->sp.ctx_doi = (uint8_t)d;
		st->sp.ctx_alg = (uint8_t)a;
		st->sp.ctx_len = (uint16_t)(str->len + 1);
		st->sp.has |= SPD_HAS_CTX;
		return (0);
	}
	if (sad_entry_extra(&st->sa) == NULL) {
		free(ctx);
		serror(opt, "out of memory");
		return (-1);
	}
	free(st->sa.x->ctx);
	st->sa.x->ctx = ctx;
	st->sa.x->ctx_doi = (uint8_t)d;
	st->sa.x->ctx_alg = (uint8_t)a;
	st->sa.x->ctx_len = (uint16_t)(str->len + 1);
	st->sa.has |= SAD_HAS_CTX;
	return (0);
}

/* -natt OAI[sport] OAR[dport] (FreeBSD). */
static int
ext_natt(const YYSTYPE *opt, const YYSTYPE *oai, const YYSTYPE *sport,
    const YYSTYPE *oar, const YYSTYPE *dport)
{
	struct stmt *st = &ps->st;

	if (once(opt, SEEN_NATT) == -1)
		return (-1);
	if (pfkey_ext_to_wire(ps->dialect, PFKEY_EXT_X_NAT_T_OAR) < 0) {
		serror(opt, "-natt is not supported by the %s dialect (use "
		    "esp-udp)", dname());
		return (-1);
	}
	if (st->proto == SKP_ESP_UDP) {
		serror(opt, "-natt cannot be combined with esp-udp");
		return (-1);
	}
	st->natt[0].host = *oai;
	st->natt[0].port = *sport;
	st->natt[1].host = *oar;
	st->natt[1].port = *dport;
	return (0);
}

/* "must be 128, 192 or 256 bits" and the like. */
static void
keylen_expect(const struct pfkey_alg_info *a, char *buf, size_t sz)
{
	size_t i, n, o = 0;

	for (n = 0; n < nitems(a->keybits) && a->keybits[n] != 0; n++)
		;
	if (n == 0)
		o = (size_t)snprintf(buf, sz, "%u to %u bits", a->minbits,
		    a->maxbits);
	else
		for (i = 0; i < n && o < sz; i++)
			o += (size_t)snprintf(buf + o, sz - o, "%s%u%s",
			    i == 0 ? "" : (i == n - 1 ? " or " : ", "),
			    a->keybits[i], i == n - 1 ? " bits" : "");
	if (a->saltbits != 0 && o < sz)
		(void)snprintf(buf + o, sz - o, " (key and %u-bit salt)",
		    a->saltbits);
}

static int
hexval(int c)
{
	return (isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
}

/*
 * A key token into `k' (wiped with the entry).  The message names the
 * algorithm and the length, never the bytes.
 */
static int
set_key(const YYSTYPE *t, const struct pfkey_alg_info *a,
    struct sad_key *k)
{
	char want[96];
	uint8_t *b;
	size_t len, i;
	int rc;

	if (t->kind == 0) {
		if (!pfkey_alg_keybits_ok(a, 0))
			return (1);	/* the caller names the algorithm */
		return (0);
	}
	if (t->kind == HEX) {
		if (t->len % 2 != 0) {
			serror(t, "hexadecimal key for %s has an odd number "
			    "of digits", a->name);
			return (-1);
		}
		len = t->len / 2;
		if ((b = (uint8_t *)arena_copy(NULL, len)) == NULL) {
			serror(t, "out of memory");
			return (-1);
		}
		for (i = 0; i < len; i++)
			b[i] = (uint8_t)(hexval((unsigned char)t->s[2 * i]) << 4 |
			    hexval((unsigned char)t->s[2 * i + 1]));
	} else {
		b = (uint8_t *)t->s;
		len = t->len;
	}
	if (len > UINT16_MAX / 8 || !pfkey_alg_keybits_ok(a, len * 8)) {
		keylen_expect(a, want, sizeof(want));
		serror(t, "key for %s must be %s, not %zu", a->name, want,
		    len * 8);
		return (-1);
	}
	if ((rc = sad_key_set(k, b, (unsigned)(len * 8))) != 0) {
		serror(t, "%s", sad_strerror(rc));
		return (-1);
	}
	return (0);
}

/* The dialect must have a number for the algorithm. */
static int
alg_dialect(const YYSTYPE *w, const struct pfkey_alg_info *a)
{
	if (pfkey_alg_to_wire(ps->dialect, a->kind, a->id) < 0) {
		serror(w, "%s is not supported by the %s dialect", a->name,
		    dname());
		return (-1);
	}
	return (0);
}

static int
alg_enc(const YYSTYPE *opt, const YYSTYPE *w, const YYSTYPE *key)
{
	struct stmt *st = &ps->st;
	const struct pfkey_alg_info *a;
	char q[QTEXT_MAX];
	uint32_t flag = 0;
	int rc;

	if (st->sa.satype != PFKEY_SATYPE_ESP) {
		serror(opt, "-E is only for esp SAs");
		return (-1);
	}
	/* The old-format names: flags on DES-CBC and NULL (KAME). */
	if (strcmp(w->s, "simple") == 0) {
		if (key->kind != 0) {
			serror(key, "simple takes no key");
			return (-1);
		}
		a = pfkey_alg_info(PFKEY_ALG_ENCRYPT, PFKEY_EALG_NULL);
	} else if (strcmp(w->s, "des-deriv") == 0) {
		if (st->proto == SKP_ESP_OLD) {
			serror(w, "des-deriv cannot be used with esp-old");
			return (-1);
		}
		flag = PFKEY_SAFLAG_DERIV;
		a = pfkey_alg_info(PFKEY_ALG_ENCRYPT, PFKEY_EALG_DESCBC);
	} else if (strcmp(w->s, "des-32iv") == 0) {
		if (st->proto != SKP_ESP_OLD) {
			serror(w, "des-32iv needs esp-old");
			return (-1);
		}
		flag = PFKEY_SAFLAG_IV4B;
		a = pfkey_alg_info(PFKEY_ALG_ENCRYPT, PFKEY_EALG_DESCBC);
	} else
		a = pfkey_alg_lookup(PFKEY_ALG_ENCRYPT, w->s);
	if (a == NULL) {
		serror(w, "unknown encryption algorithm %s",
		    qtok(w, q, sizeof(q)));
		return (-1);
	}
	if (alg_dialect(w, a) == -1)
		return (-1);
	if ((rc = set_key(key, a, &st->sa.ekey)) != 0) {
		if (rc == 1)
			serror(w, "%s needs a key", a->name);
		return (-1);
	}
	if (key->kind != 0)
		st->sa.has |= SAD_HAS_EKEY;
	st->sa.ealg = (uint16_t)a->id;
	st->sa.flags |= flag;
	st->sa.has |= SAD_HAS_EALG;
	return (0);
}

static int
alg_auth(const YYSTYPE *opt, const YYSTYPE *w, const YYSTYPE *key,
    const YYSTYPE *enc)
{
	struct stmt *st = &ps->st;
	const struct pfkey_alg_info *a, *e;
	char q[QTEXT_MAX];
	int rc;

	if (enc != NULL && (e = pfkey_alg_info(PFKEY_ALG_ENCRYPT,
	    st->sa.ealg)) != NULL && e->aead) {
		serror(opt, "%s is an AEAD algorithm: it takes no -A",
		    e->name);
		return (-1);
	}
	if (st->sa.satype == PFKEY_SATYPE_IPCOMP) {
		serror(opt, "-A is not for ipcomp SAs");
		return (-1);
	}
	if ((a = pfkey_alg_lookup(PFKEY_ALG_AUTH, w->s)) == NULL) {
		serror(w, "unknown authentication algorithm %s",
		    qtok(w, q, sizeof(q)));
		return (-1);
	}
	if (alg_dialect(w, a) == -1)
		return (-1);
	if ((a->id == PFKEY_AALG_TCP_MD5) !=
	    (st->sa.satype == PFKEY_SATYPE_TCPSIGNATURE)) {
		if (a->id == PFKEY_AALG_TCP_MD5)
			serror(w, "tcp-md5 is only for tcp SAs");
		else
			serror(w, "tcp SAs take -A tcp-md5, not %s",
			    a->name);
		return (-1);
	}
	if ((rc = set_key(key, a, &st->sa.akey)) != 0) {
		if (rc == 1)
			serror(w, "%s needs a key", a->name);
		return (-1);
	}
	if (key->kind != 0)
		st->sa.has |= SAD_HAS_AKEY;
	st->sa.aalg = (uint16_t)a->id;
	st->sa.has |= SAD_HAS_AALG;
	return (0);
}

static int
alg_comp(const YYSTYPE *opt, const YYSTYPE *w, const YYSTYPE *raw)
{
	struct stmt *st = &ps->st;
	const struct pfkey_alg_info *a;
	char q[QTEXT_MAX];

	if (st->sa.satype != PFKEY_SATYPE_IPCOMP) {
		serror(opt, "-C is only for ipcomp SAs");
		return (-1);
	}
	if ((a = pfkey_alg_lookup(PFKEY_ALG_COMP, w->s)) == NULL) {
		serror(w, "unknown compression algorithm %s",
		    qtok(w, q, sizeof(q)));
		return (-1);
	}
	if (alg_dialect(w, a) == -1)
		return (-1);
	st->sa.ealg = (uint16_t)a->id;
	st->sa.has |= SAD_HAS_EALG;
	if (raw != NULL)
		st->sa.flags |= PFKEY_SAFLAG_RAWCPI;
	return (0);
}

/* --------------------------------------------------------- addresses */

static int
sad_addr_order(const void *x, const void *y)
{
	const struct sad_addr *a = x, *b = y;
	int c;

	if (a->af != b->af)
		return (a->af == AF_INET ? -1 : 1);
	if ((c = sad_addr_cmp(a, b)) != 0)
		return (c);
	return (a->scope < b->scope ? -1 : a->scope > b->scope);
}

/*
 * The addresses of a host as written: numeric first (checked against
 * -4/-6), else getaddrinfo(3) unless -n or the caller forbids names.
 * Sorted and without duplicates; *n of them.
 */
static int
resolve(const YYSTYPE *h, struct sad_addr *out, size_t *n)
{
	struct addrinfo hints, *res, *ai;
	struct sad_addr a;
	unsigned af = ps->st.aflags;
	char q[QTEXT_MAX];
	size_t i, k = 0;
	int rc, family;

	family = (af & SK_AF_4) ? AF_INET : (af & SK_AF_6) ? AF_INET6 :
	    AF_UNSPEC;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST;
	if ((rc = getaddrinfo(h->s, NULL, &hints, &res)) == 0) {
		if (family != AF_UNSPEC && res->ai_family != family) {
			freeaddrinfo(res);
			serror(h, "%s is not an IPv%c address (%s given)",
			    qtok(h, q, sizeof(q)), family == AF_INET ? '4' :
			    '6', family == AF_INET ? "-4" : "-6");
			return (-1);
		}
	} else {
		if (ps->opts->numeric || (af & SK_AF_N)) {
			serror(h, "%s is not a numeric address%s",
			    qtok(h, q, sizeof(q)), (af & SK_AF_N) ?
			    " (-n given)" : "");
			return (-1);
		}
		hints.ai_family = family;
		hints.ai_flags = 0;
		if ((rc = getaddrinfo(h->s, NULL, &hints, &res)) != 0) {
			serror(h, "cannot resolve %s: %s",
			    qtok(h, q, sizeof(q)), gai_strerror(rc));
			return (-1);
		}
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (sad_addr_from_sockaddr(&a, ai->ai_addr,
		    ai->ai_family == AF_INET ? 32 : 128) != 0)
			continue;
		for (i = 0; i < k; i++)
			if (sad_addr_order(&a, &out[i]) == 0)
				break;
		if (i < k)
			continue;
		if (k == ADDR_MAX) {
			freeaddrinfo(res);
			serror(h, "%s has more than %d addresses",
			    qtok(h, q, sizeof(q)), ADDR_MAX);
			return (-1);
		}
		out[k++] = a;
	}
	freeaddrinfo(res);
	if (k == 0) {
		serror(h, "%s has no IPv4 or IPv6 address",
		    qtok(h, q, sizeof(q)));
		return (-1);
	}
	qsort(out, k, sizeof(out[0]), sad_addr_order);
	*n = k;
	return (0);
}

/* A host that must be one address (policies, NAT-T, OA). */
static int
resolve_one(const YYSTYPE *h, struct sad_addr *a)
{
	struct sad_addr all[ADDR_MAX];
	char q[QTEXT_MAX];
	size_t n;

	if (resolve(h, all, &n) == -1)
		return (-1);
	if (n > 1) {
		serror(h, "%s resolves to more than one address (use -4, -6 "
		    "or a numeric address)", qtok(h, q, sizeof(q)));
		return (-1);
	}
	*a = all[0];
	return (0);
}

/* A port as written: a number, "any" or a service of `proto'. */
static int
resolve_port(const YYSTYPE *t, const char *proto, uint16_t *port)
{
	struct servent *se;
	char q[QTEXT_MAX];
	uint64_t v;

	*port = 0;
	if (t->kind == 0)
		return (0);
	if (t->kind == NUMBER) {
		if (tok_number(t, UINT16_MAX, "port", &v) == -1)
			return (-1);
		*port = (uint16_t)v;
		return (0);
	}
	if (strcmp(t->s, "any") == 0)
		return (0);
	if ((se = getservbyname(t->s, proto)) == NULL) {
		serror(t, "unknown service %s", qtok(t, q, sizeof(q)));
		return (-1);
	}
	*port = ntohs((uint16_t)se->s_port);
	return (0);
}

/* ------------------------------------------------------ finishing */

static struct setkey_cmd *
cmd_new(void)
{
	struct setkey_cmd *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->op = ps->st.op;
	c->loc = ps->st.loc;
	c->proto = ps->st.proto;
	c->aflags = ps->st.aflags;
	sad_entry_init(&c->sa);
	spd_entry_init(&c->sp);
	return (c);
}

static void
cmdq_move(struct setkey_cmdq *from)
{
	struct setkey_cmd *c;

	while ((c = TAILQ_FIRST(from)) != NULL) {
		TAILQ_REMOVE(from, c, entry);
		TAILQ_INSERT_TAIL(&ps->pending, c, entry);
	}
}

/* Checks that need the whole SA statement. */
static int
check_sa(bool algs)
{
	struct stmt *st = &ps->st;
	const YYSTYPE *at = &st->protok;

	if (!algs)
		return (0);
	switch (st->sa.satype) {
	case PFKEY_SATYPE_ESP:
		if ((st->sa.has & SAD_HAS_EALG) == 0) {
			serror(at, "esp SAs need an encryption algorithm "
			    "(-E)");
			return (-1);
		}
		break;
	case PFKEY_SATYPE_AH:
		if ((st->sa.has & SAD_HAS_AALG) == 0) {
			serror(at, "ah SAs need an authentication algorithm "
			    "(-A)");
			return (-1);
		}
		break;
	case PFKEY_SATYPE_IPCOMP:
		if ((st->sa.has & SAD_HAS_EALG) == 0) {
			serror(at, "ipcomp SAs need a compression algorithm "
			    "(-C)");
			return (-1);
		}
		break;
	case PFKEY_SATYPE_TCPSIGNATURE:
		if ((st->sa.has & SAD_HAS_AALG) == 0) {
			serror(at, "tcp SAs need -A tcp-md5");
			return (-1);
		}
		break;
	}
	return (0);
}

/* add, update, get, delete, getspi, deleteall: one command per pair. */
static int
finish_sa(bool algs)
{
	struct stmt *st = &ps->st;
	struct sad_addr src[ADDR_MAX], dst[ADDR_MAX], oa, oai, oar;
	struct setkey_cmdq tmp;
	struct setkey_cmd *c;
	struct sad_extra *x;
	uint16_t sport, dport, nsport = 0, ndport = 0;
	char q[QTEXT_MAX], q2[QTEXT_MAX];
	size_t ns, nd, i, j;
	int rc;

	if (check_sa(algs) == -1)
		return (-1);
	if ((st->seen & SEEN_NATTMTU) && !(st->seen & SEEN_NATT)) {
		serror(&st->nattmtu, "-natt_mtu needs -natt");
		return (-1);
	}
	if (st->op == SK_DELETEALL &&
	    (st->addr[0].port.kind != 0 || st->addr[1].port.kind != 0)) {
		serror(st->addr[0].port.kind != 0 ? &st->addr[0].port :
		    &st->addr[1].port, "deleteall takes addresses without "
		    "ports");
		return (-1);
	}
	if (resolve(&st->addr[0].host, src, &ns) == -1 ||
	    resolve(&st->addr[1].host, dst, &nd) == -1 ||
	    resolve_port(&st->addr[0].port, "udp", &sport) == -1 ||
	    resolve_port(&st->addr[1].port, "udp", &dport) == -1)
		return (-1);
	if (st->oa.host.kind != 0 && resolve_one(&st->oa.host, &oa) == -1)
		return (-1);
	if (st->seen & SEEN_NATT) {
		if (resolve_one(&st->natt[0].host, &oai) == -1 ||
		    resolve_one(&st->natt[1].host, &oar) == -1 ||
		    resolve_port(&st->natt[0].port, NULL, &nsport) == -1 ||
		    resolve_port(&st->natt[1].port, NULL, &ndport) == -1)
			return (-1);
	}

	TAILQ_INIT(&tmp);
	for (i = 0; i < ns; i++) {
		for (j = 0; j < nd; j++) {
			if (src[i].af != dst[j].af)
				continue;
			if ((c = cmd_new()) == NULL)
				goto nomem;
			TAILQ_INSERT_TAIL(&tmp, c, entry);
			if ((rc = sad_entry_copy(&c->sa, &st->sa)) != 0)
				goto nomem;
			c->sa.src = src[i];
			c->sa.dst = dst[j];
			c->sa.src.port = sport;
			c->sa.dst.port = dport;
			if (st->op == SK_GETSPI)
				c->spi_min = c->spi_max = st->sa.spi;
			/* As the references, only SAs made carry NAT-T. */
			if ((st->proto != SKP_ESP_UDP &&
			    !(st->seen & SEEN_NATT)) || (st->op != SK_ADD &&
			    st->op != SK_UPDATE && st->op != SK_GETSPI))
				continue;
			if ((x = sad_entry_extra(&c->sa)) == NULL)
				goto nomem;
			x->natt_type = PFKEY_NATT_ESPINUDP;
			c->sa.has |= SAD_HAS_NATT;
			if (st->proto == SKP_ESP_UDP) {
				/* ipsec-tools: the ports of the addresses. */
				x->natt_sport = sport != 0 ? sport : NATT_PORT;
				x->natt_dport = dport != 0 ? dport : NATT_PORT;
				if (st->oa.host.kind != 0) {
					x->natt_oa = oa;
					c->sa.has |= SAD_HAS_NATT_OA;
				}
			} else {
				x->natt_sport = nsport;
				x->natt_dport = ndport;
				x->natt_oa = oai;
				x->natt_oar = oar;
				c->sa.has |= SAD_HAS_NATT_OA |
				    SAD_HAS_NATT_OAR;
			}
		}
	}
	if (TAILQ_EMPTY(&tmp)) {
		serror(&st->addr[1].host, "%s and %s have no addresses of the "
		    "same family", qtok(&st->addr[0].host, q, sizeof(q)),
		    qtok(&st->addr[1].host, q2, sizeof(q2)));
		return (-1);
	}
	if (st->op == SK_DELETE && (ns > 1 || nd > 1)) {
		/* As the references: delete names exactly one SA. */
		setkey_cmdq_free(&tmp);
		serror(ns > 1 ? &st->addr[0].host : &st->addr[1].host,
		    "%s resolves to more than one address (use -4, -6 or a "
		    "numeric address)", qtok(ns > 1 ? &st->addr[0].host :
		    &st->addr[1].host, q, sizeof(q)));
		return (-1);
	}
	cmdq_move(&tmp);
	return (0);
 nomem:
	setkey_cmdq_free(&tmp);
	serror(&st->protok, "out of memory");
	return (-1);
}

static int
finish_flush(const YYSTYPE *t)
{
	struct setkey_cmd *c;

	(void)t;
	/* esp-old, esp-udp: the SA type is all that flush and dump send. */
	switch (ps->st.proto) {
	case SKP_ESP_OLD:
	case SKP_ESP_UDP:
		ps->st.proto = SKP_ESP;
		break;
	case SKP_AH_OLD:
		ps->st.proto = SKP_AH;
		break;
	default:
		break;
	}
	if ((c = cmd_new()) == NULL) {
		serror(t, "out of memory");
		return (-1);
	}
	c->sa.satype = ps->st.sa.satype;
	TAILQ_INSERT_TAIL(&ps->pending, c, entry);
	return (0);
}

static int
finish_plain(enum setkey_op op, const YYSTYPE *t)
{
	struct setkey_cmd *c;

	stmt_begin(op, t);
	if ((c = cmd_new()) == NULL) {
		serror(t, "out of memory");
		return (-1);
	}
	TAILQ_INSERT_TAIL(&ps->pending, c, entry);
	return (0);
}

static int
finish_tagged(const YYSTYPE *t)
{
	serror(t, "%s tagged is not supported (PF tags are not in the "
	    "linux or freebsd PF_KEY)", ps->st.op == SK_SPDADD ? "spdadd" :
	    "spdupdate");
	return (-1);
}

/* A byte offset into the policy text as a place in the file. */
static void
policy_where(const YYSTYPE *pol, size_t off, YYSTYPE *at)
{
	size_t i;

	*at = *pol;
	for (i = 0; i < off && i < pol->len; i++) {
		if (pol->s[i] == '\n') {
			at->line++;
			at->col = 1;
		} else
			at->col++;
	}
}

/* Upper-layer protocol by name or number; 255 is any. */
static int
upper_proto(const YYSTYPE *t, uint8_t *p)
{
	struct protoent *pe;
	char q[QTEXT_MAX];
	uint64_t v;
	size_t i;

	if (t->kind == NUMBER) {
		if (tok_number(t, UINT8_MAX, "upper-layer protocol",
		    &v) == -1)
			return (-1);
		*p = (uint8_t)v;
		return (0);
	}
	if (strcmp(t->s, "any") == 0) {
		*p = SPD_PROTO_ANY;
		return (0);
	}
	for (i = 0; i < nitems(uppers); i++)
		if (strcmp(uppers[i].name, t->s) == 0) {
			*p = uppers[i].proto;
			return (0);
		}
	if ((pe = getprotobyname(t->s)) != NULL) {
		*p = (uint8_t)pe->p_proto;
		return (0);
	}
	serror(t, "unknown upper-layer protocol %s", qtok(t, q, sizeof(q)));
	return (-1);
}

/* 0-255 as text; false otherwise. */
static bool
small_num(const char *s, size_t len, uint16_t *v)
{
	size_t i;

	if (len == 0 || len > 3)
		return (false);
	*v = 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (false);
		*v = (uint16_t)(*v * 10 + (s[i] - '0'));
	}
	return (*v <= 255);
}

/*
 * ICMP type[,code] (and MH type) travel as the selector's ports, a GRE
 * key as its two halves (ipsec-tools): "a.b.c.d" or a 32-bit number.
 */
static int
upper_misc(const YYSTYPE *t, uint8_t proto, uint16_t *sport,
    uint16_t *dport)
{
	char q[QTEXT_MAX];
	const char *comma, *p, *dot;
	uint16_t v[4];
	uint64_t n;
	size_t i;

	switch (proto) {
	case 1:
	case 58:
	case 135:
		comma = memchr(t->s, ',', t->len);
		if (!small_num(t->s, comma != NULL ? (size_t)(comma - t->s) :
		    t->len, &v[0]) || (comma != NULL && !small_num(comma + 1,
		    t->len - (size_t)(comma - t->s) - 1, &v[1]))) {
			serror(t, "%s is not a type or type,code (0 to 255)",
			    qtok(t, q, sizeof(q)));
			return (-1);
		}
		*sport = v[0];
		*dport = comma != NULL ? v[1] : 0;
		return (0);
	case 47:
		if (t->kind == NUMBER) {
			if (tok_number(t, UINT32_MAX, "GRE key", &n) == -1)
				return (-1);
			*sport = (uint16_t)(n >> 16);
			*dport = (uint16_t)(n & 0xffff);
			return (0);
		}
		for (i = 0, p = t->s; i < 4; i++) {
			dot = memchr(p, '.', t->len - (size_t)(p - t->s));
			if ((i < 3) != (dot != NULL) || !small_num(p,
			    dot != NULL ? (size_t)(dot - p) :
			    t->len - (size_t)(p - t->s), &v[i]))
				break;
			if (dot != NULL)
				p = dot + 1;
		}
		if (i < 4) {
			serror(t, "%s is not a GRE key (a number or "
			    "a.b.c.d)", qtok(t, q, sizeof(q)));
			return (-1);
		}
		*sport = (uint16_t)(v[0] << 8 | v[1]);
		*dport = (uint16_t)(v[2] << 8 | v[3]);
		return (0);
	}
	serror(t, "%s is only valid after icmp, icmp6, mh or gre",
	    qtok(t, q, sizeof(q)));
	return (-1);
}

/* spdadd, spdupdate, spddelete. */
static int
finish_spd(const YYSTYPE *pol)
{
	struct stmt *st = &ps->st;
	struct spd_entry *sp = &st->sp;
	struct pfkey_policy p;
	struct pfkey_policy_err perr;
	struct setkey_cmd *c;
	struct addrspec *as;
	YYSTYPE at;
	const char *sproto;
	char q[QTEXT_MAX], q2[QTEXT_MAX];
	uint16_t port;
	unsigned bits, i;
	uint64_t v;
	int rc;

	if (upper_proto(&st->upper, &sp->sel.proto) == -1)
		return (-1);
	switch (sp->sel.proto) {
	case 6:
		sproto = "tcp";
		break;
	case 17:
		sproto = "udp";
		break;
	case 132:
		sproto = "sctp";
		break;
	default:
		sproto = NULL;
		break;
	}
	for (i = 0; i < 2; i++) {
		as = &st->addr[i];
		if (resolve_one(&as->host, i == 0 ? &sp->sel.src :
		    &sp->sel.dst) == -1)
			return (-1);
		bits = sad_addr_bits(i == 0 ? &sp->sel.src : &sp->sel.dst);
		if (as->plen.kind != 0) {
			if (tok_number(&as->plen, bits, "prefix length",
			    &v) == -1)
				return (-1);
			(i == 0 ? &sp->sel.src : &sp->sel.dst)->plen =
			    (uint8_t)v;
		}
		if (resolve_port(&as->port, sproto, &port) == -1)
			return (-1);
		(i == 0 ? &sp->sel.src : &sp->sel.dst)->port = port;
	}
	if (sp->sel.src.af != sp->sel.dst.af) {
		serror(&st->addr[1].host, "%s is not of the family of %s",
		    qtok(&st->addr[1].host, q, sizeof(q)),
		    qtok(&st->addr[0].host, q2, sizeof(q2)));
		return (-1);
	}
	if (st->umisc.kind != 0) {
		if (sp->sel.src.port != 0 || sp->sel.dst.port != 0) {
			serror(&st->umisc, "give %s either as [ports] or after "
			    "the protocol, not both", sp->sel.proto == 47 ?
			    "a GRE key" : "a type and code");
			return (-1);
		}
		if (upper_misc(&st->umisc, sp->sel.proto, &sp->sel.src.port,
		    &sp->sel.dst.port) == -1)
			return (-1);
	}

	if ((rc = pfkey_policy_parse(pol->s, pol->len, ps->dialect, &p,
	    &perr)) != 0) {
		policy_where(pol, perr.offset, &at);
		serror(&at, "%s", perr.msg[0] != '\0' ? perr.msg :
		    pfkey_strerror(rc));
		return (-1);
	}
	sp->dir = p.dir;
	sp->action = (uint8_t)p.type;
	sp->scope = p.scope;
	sp->priority = p.priority;
	if (sp->priority != 0)
		sp->has |= SPD_HAS_PRIORITY;
	if (sp->scope != 0)
		sp->has |= SPD_HAS_SCOPE;
	sp->nreq = p.nreq;
	for (i = 0; i < p.nreq && i < SPD_MAXREQ; i++) {
		struct spd_request *r = &sp->req[i];

		r->proto = (uint8_t)p.req[i].proto;
		r->mode = p.req[i].mode;
		r->level = p.req[i].level;
		r->reqid = p.req[i].reqid;
		if (p.req[i].src.ss_family == AF_UNSPEC)
			continue;
		/* Tunnel endpoints are hosts: the full prefix. */
		if (sad_addr_from_sockaddr(&r->src,
		    (const struct sockaddr *)&p.req[i].src, 0) != 0 ||
		    sad_addr_from_sockaddr(&r->dst,
		    (const struct sockaddr *)&p.req[i].dst, 0) != 0) {
			serror(pol, "bad tunnel endpoints in the policy");
			return (-1);
		}
		r->src.plen = (uint8_t)sad_addr_bits(&r->src);
		r->dst.plen = (uint8_t)sad_addr_bits(&r->dst);
	}

	if ((c = cmd_new()) == NULL) {
		serror(pol, "out of memory");
		return (-1);
	}
	if (spd_entry_copy(&c->sp, sp) != 0) {
		setkey_cmd_free(c);
		serror(pol, "out of memory");
		return (-1);
	}
	TAILQ_INSERT_TAIL(&ps->pending, c, entry);
	return (0);
}

/* ----------------------------------------------------------- entries */

/*
 * File names live as long as the program: commands point to them after
 * the parse is over (kept in a list, so they stay reachable).
 */
struct fname {
	struct fname	*next;
	char		 name[];
};
static struct fname	*fnames;

static const char *
intern(const char *name)
{
	struct fname *f;
	size_t len;

	if (name == NULL)
		name = "(input)";
	for (f = fnames; f != NULL; f = f->next)
		if (strcmp(f->name, name) == 0)
			return (f->name);
	len = strlen(name);
	if ((f = malloc(sizeof(*f) + len + 1)) == NULL)
		return ("(input)");
	memcpy(f->name, name, len + 1);
	f->next = fnames;
	fnames = f;
	return (f->name);
}

static int
run(struct parse *p)
{
	int rc;

	ps = p;
	p->dialect = pfkey_dialect_resolve(p->opts->dialect);
	p->name = intern(p->name);
	TAILQ_INIT(&p->pending);
	p->line = 1;
	p->col = 1;
	p->endline = p->tokendline = 1;
	p->endcol = p->tokendcol = 1;
	sad_entry_init(&p->st.sa);
	spd_entry_init(&p->st.sp);
	stmt_reset();
	rc = yyparse();
	if (rc != 0 && p->errors == 0) {
		/* Cannot happen: every failure is reported on its way. */
		lerror(p->line, p->col, "parse failed");
	}
	setkey_cmdq_free(&p->pending);
	sad_entry_clear(&p->st.sa);
	spd_entry_clear(&p->st.sp);
	arena_release(UINT64_MAX);
	explicit_bzero(p->tokbuf, sizeof(p->tokbuf));
	explicit_bzero(&yylval, sizeof(yylval));
	explicit_bzero(&p->last, sizeof(p->last));
	ps = NULL;
	return (p->errors);
}

int
parse_file(FILE *fp, const char *name, const struct setkey_parse_opts *opts,
    struct setkey_cmdq *q)
{
	struct parse *p;
	int errors;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", name);
		return (1);
	}
	p->opts = opts;
	p->q = q;
	p->name = name;
	p->fp = fp;
	errors = run(p);
	freezero(p, sizeof(*p));
	return (errors);
}

int
parse_buffer(const char *buf, size_t len, const char *name,
    const struct setkey_parse_opts *opts, struct setkey_cmdq *q)
{
	struct parse *p;
	int errors;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		fprintf(stderr, "%s: out of memory\n", name);
		return (1);
	}
	p->opts = opts;
	p->q = q;
	p->name = name;
	p->buf = buf;
	p->len = len;
	errors = run(p);
	freezero(p, sizeof(*p));
	return (errors);
}

void
setkey_cmd_free(struct setkey_cmd *c)
{
	if (c == NULL)
		return;
	sad_entry_clear(&c->sa);
	spd_entry_clear(&c->sp);
	freezero(c, sizeof(*c));
}

void
setkey_cmdq_free(struct setkey_cmdq *q)
{
	struct setkey_cmd *c;

	while ((c = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, c, entry);
		setkey_cmd_free(c);
	}
}
