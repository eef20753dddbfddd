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
 * The console: setkey -c on a terminal.  libedit reads lines; they are
 * collected until a ';' outside quotes and comments ends a statement,
 * which then goes through parse_buffer() and exec_cmds() exactly as a
 * file would (as sftp feeds batch and interactive input to one
 * dispatcher).  An error is printed and the console goes on.
 *
 * Completion draws on the parser's own keyword table (setkey_keyword_nth)
 * so that it cannot offer a word the grammar does not take.  help and
 * quit/exit (without ';') are the console's own; "exit;" is the grammar's.
 *
 * History and key material.  A history file outlives the session and is
 * easily copied or backed up, so no key ever goes into it, nor into the
 * in-memory history it is saved from: before a statement is entered, each
 * key is replaced by "<key>" (the token after -E ALG or -A ALG when it is
 * a quoted string or a hexadecimal number), and so is every quoted string
 * other than a -ctx label and every hexadecimal number too long to be an
 * SPI, which catches keys in statements the parser refused.  Comments are
 * dropped for the same reason.  Recalling such a statement gives a
 * template to complete; sent as it is, it fails to parse instead of
 * adding an SA with a wrong key.  The file is created with mode 0600 and
 * set to 0600 when rewritten.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <histedit.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "setkey.h"

#define CONSOLE_NAME	"(console)"
#define PROMPT		"setkey> "
#define PROMPT_MORE	"      > "
#define HISTORY_SIZE	1000
#define HISTORY_FILE	".setkey_history"
#define STMT_MAX	(256 * 1024)	/* longest statement we collect */
#define REDACTED	"<key>"
#define SPI_HEX_MAX	8		/* hex digits of the longest SPI */

/* Help: what each command looks like and does. */
struct help {
	const char	*cmd;
	const char	*syntax;
	const char	*what;
	const char	*more;		/* options, one per line */
};

#define SA_EXTS \
	"  -m any|transport|tunnel  mode (Linux also beet, iptfs)\n" \
	"  -r N                     replay window (packets on Linux,\n" \
	"                           bytes of bitmap on FreeBSD)\n" \
	"  -u N                     reqid\n" \
	"  -f zero-pad|random-pad|seq-pad|nocyclic-seq  padding, sequence\n" \
	"  -lh N / -ls N            hard / soft lifetime in seconds\n" \
	"  -bh N / -bs N            hard / soft lifetime in bytes\n" \
	"  -esn                     extended sequence numbers\n" \
	"  -ctx DOI ALG \"label\"     security context (Linux)\n" \
	"  -natt OA[PORT] OA[PORT]  NAT-T (FreeBSD)\n" \
	"  -natt_mtu N              NAT-T fragment size (FreeBSD)\n"

#define SA_ALGS \
	"  -E ALG KEY [-A ALG KEY]  ESP: encryption (AEAD alone) and\n" \
	"                           authentication; KEY is 0xHEX or \"text\"\n" \
	"  -A ALG KEY               AH, TCP-MD5: authentication\n" \
	"  -C ALG [-R]              IPComp: compression, -R raw CPI\n"

#define SA_ADDRS \
	"  -4 / -6 / -n             address family, numeric only\n" \
	"  SRC[PORT] DST[PORT]      addresses (names are resolved)\n" \
	"  PROTO                    esp, esp-old, esp-udp [OA], ah, ah-old,\n" \
	"                           ipcomp, tcp\n"

static const struct help helps[] = {
	{ "add", "add [-46n] SRC DST PROTO SPI [EXT ...] ALGS;",
	    "add an SA", SA_ADDRS SA_EXTS SA_ALGS },
	{ "update", "update [-46n] SRC DST PROTO SPI [EXT ...] ALGS;",
	    "complete a larval SA (from getspi) or change lifetimes",
	    SA_ADDRS SA_EXTS SA_ALGS },
	{ "get", "get [-46n] SRC DST PROTO SPI;",
	    "show an SA", SA_ADDRS },
	{ "delete", "delete [-46n] SRC DST PROTO SPI;",
	    "delete an SA", SA_ADDRS },
	{ "deleteall", "deleteall [-46n] SRC DST PROTO;",
	    "delete every SA between two addresses", SA_ADDRS },
	{ "getspi", "getspi [-46n] SRC DST PROTO SPI [EXT ...];",
	    "reserve an SPI (0: any) in a larval SA",
	    SA_ADDRS "  -m MODE, -u N           mode and reqid of the SA\n" },
	{ "flush", "flush [PROTO];", "delete every SA (of PROTO)",
	    "  PROTO                    esp, ah, ipcomp, tcp\n" },
	{ "dump", "dump [PROTO];", "show every SA (of PROTO)",
	    "  PROTO                    esp, ah, ipcomp, tcp\n" },
	{ "spdadd", "spdadd [-46n] SRC[/PLEN][PORT] DST[/PLEN][PORT] UPPER "
	    "-P POLICY;", "add a policy",
	    "  -4 / -6 / -n             address family, numeric only\n"
	    "  UPPER                    any, tcp, udp, icmp, icmp6 TYPE,CODE,\n"
	    "                           a protocol name or number\n"
	    "  -ctx DOI ALG \"label\"     security context (Linux)\n"
	    "  POLICY                   DIR [prio N] discard|none|ipsec "
	    "REQ ...\n"
	    "  DIR                      in, out (Linux also fwd)\n"
	    "  REQ                      PROTO/MODE/[SRC-DST]/[LEVEL]\n"
	    "                           esp|ah|ipcomp / transport|tunnel /\n"
	    "                           default|use|require|unique[:N]\n" },
	{ "spdupdate", "spdupdate [-46n] SRC[/PLEN][PORT] DST[/PLEN][PORT] "
	    "UPPER -P POLICY;", "add or replace a policy",
	    "  as spdadd\n" },
	{ "spddelete", "spddelete [-46n] SRC[/PLEN][PORT] DST[/PLEN][PORT] "
	    "UPPER -P DIR;", "delete a policy",
	    "  as spdadd; only the direction of the policy counts\n" },
	{ "spdflush", "spdflush;", "delete every policy", NULL },
	{ "spddump", "spddump;", "show every policy", NULL },
	{ "exit", "exit;", "leave (also quit; and bye;)", NULL },
	{ "quit", "quit;", "leave", NULL },
	{ "bye", "bye;", "leave", NULL },
};


/* The console's own words (no ';' needed), for help and completion. */
static const char *const console_words[] = { "help", "quit", "exit" };

struct console {
	EditLine		*el;
	History			*hist;
	char			*histfile;	/* NULL: not saved */
	char			*buf;		/* the statement so far */
	size_t			 len;
	size_t			 cap;
	struct pfkey_xport		*x;
	const struct setkey_parse_opts	*po;
	const struct setkey_exec_opts	*eo;
	const struct setkey_print_opts	*pr;
	int			 failed;
	bool			 quit;
};

/* libedit's callbacks take the EditLine only; there is one console. */
static struct console	*con;
static volatile sig_atomic_t	 got_sigint;

static void
on_sigint(int sig)
{
	(void)sig;
	got_sigint = 1;
}

/* ------------------------------------------------------------ scanning */

/*
 * Where the first statement in s[0..len) ends: the offset just past its
 * ';', or 0 while it is not complete.  Quoted strings end at their quote
 * or at the line (as the lexer's); '#' comments run to the line's end.
 */
static size_t
stmt_end(const char *s, size_t len)
{
	bool quoted = false, comment = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n') {
			quoted = comment = false;
			continue;
		}
		if (comment)
			continue;
		if (quoted) {
			if (s[i] == '"')
				quoted = false;
			continue;
		}
		if (s[i] == '"')
			quoted = true;
		else if (s[i] == '#')
			comment = true;
		else if (s[i] == ';')
			return (i + 1);
	}
	return (0);
}

/* Whether s holds nothing but blanks and comments. */
static bool
is_blank(const char *s, size_t len)
{
	bool comment = false;
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			comment = false;
		else if (s[i] == '#')
			comment = true;
		else if (!comment && !isspace((unsigned char)s[i]))
			return (false);
	}
	return (true);
}

/*
 * The next token of s at *pos: a "quoted string" (quotes kept) or a run
 * of non-blank characters; comments are skipped.  Returns its length (0
 * at the end) and its start in *start.
 */
static size_t
next_token(const char *s, size_t len, size_t *pos, size_t *start)
{
	size_t i = *pos, b;

	for (;;) {
		while (i < len && isspace((unsigned char)s[i]))
			i++;
		if (i < len && s[i] == '#') {
			while (i < len && s[i] != '\n')
				i++;
			continue;
		}
		break;
	}
	if (i >= len) {
		*pos = i;
		return (0);
	}
	b = i;
	if (s[i] == '"') {
		for (i++; i < len && s[i] != '"' && s[i] != '\n'; i++)
			;
		if (i < len && s[i] == '"')
			i++;
	} else {
		/* ';' stands alone so that "key;" is two tokens */
		if (s[i] == ';')
			i++;
		else
			while (i < len && !isspace((unsigned char)s[i]) &&
			    s[i] != ';' && s[i] != '#')
				i++;
	}
	*start = b;
	*pos = i;
	return (i - b);
}

static bool
tok_is(const char *t, size_t n, const char *word)
{
	return (strlen(word) == n && strncmp(t, word, n) == 0);
}

static bool
tok_is_hex(const char *t, size_t n)
{
	return (n > 2 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X'));
}

/*
 * The statement as history keeps it: its tokens joined by one blank,
 * comments dropped and keys replaced (see the comment at the top).
 * Returns a new string, NULL when out of memory.
 */
static char *
redact(const char *s, size_t len)
{
	const char *t;
	char *out;
	size_t pos = 0, start, n, o = 0, ntok = 0;
	size_t key_at = (size_t)-1, ctx_at = (size_t)-1;
	bool is_key;

	/* a token never grows: REDACTED is shorter than any it replaces */
	if ((out = malloc(len + sizeof(REDACTED) + 1)) == NULL)
		return (NULL);
	while ((n = next_token(s, len, &pos, &start)) > 0) {
		t = s + start;
		is_key = false;
		if (ntok == key_at && (t[0] == '"' || tok_is_hex(t, n)))
			is_key = true;
		else if (t[0] == '"' && ntok != ctx_at)
			is_key = true;
		else if (tok_is_hex(t, n) && n - 2 > SPI_HEX_MAX)
			is_key = true;
		if (tok_is(t, n, "-E") || tok_is(t, n, "-A"))
			key_at = ntok + 2;
		if (tok_is(t, n, "-ctx"))
			ctx_at = ntok + 3;
		if (o > 0 && !tok_is(t, n, ";"))
			out[o++] = ' ';
		if (is_key) {
			memcpy(out + o, REDACTED, sizeof(REDACTED) - 1);
			o += sizeof(REDACTED) - 1;
		} else {
			memcpy(out + o, t, n);
			o += n;
		}
		ntok++;
	}
	out[o] = '\0';
	return (out);
}

/* ------------------------------------------------------------- history */

static char *
history_path(void)
{
	const char *env, *home;
	struct passwd *pw;
	char *p;

	/* SETKEY_HISTORY names the file; set but empty, none is kept. */
	if ((env = getenv("SETKEY_HISTORY")) != NULL)
		return (*env != '\0' ? strdup(env) : NULL);
	if ((home = getenv("HOME")) == NULL || *home == '\0') {
		if ((pw = getpwuid(getuid())) == NULL)
			return (NULL);
		home = pw->pw_dir;
	}
	if (asprintf(&p, "%s/%s", home, HISTORY_FILE) == -1)
		return (NULL);
	return (p);
}

/*
 * Write the history file.  libedit's H_SAVE would create it with the
 * umask's mode; we open it ourselves, 0600, and never follow a link.
 */
static void
history_write(struct console *c)
{
	HistEvent ev;
	FILE *fp;
	int fd;

	if (c->histfile == NULL)
		return;
	fd = open(c->histfile, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (fd == -1) {
		fprintf(stderr, "setkey: %s: %s; history is not saved\n",
		    c->histfile, strerror(errno));
		free(c->histfile);
		c->histfile = NULL;
		return;
	}
	/* an older file may have had a wider mode */
	(void)fchmod(fd, 0600);
	if ((fp = fdopen(fd, "w")) == NULL) {
		close(fd);
		return;
	}
	if (history(c->hist, &ev, H_SAVE_FP, fp) == -1)
		fprintf(stderr, "setkey: %s: cannot save the history\n",
		    c->histfile);
	fclose(fp);
}

static void
history_add(struct console *c, const char *s, size_t len)
{
	HistEvent ev;
	char *h;

	if ((h = redact(s, len)) == NULL)
		return;
	/* leaving is not worth recalling */
	if (*h != '\0' && strcmp(h, "quit") != 0 && strcmp(h, "exit") != 0 &&
	    strcmp(h, "quit;") != 0 && strcmp(h, "exit;") != 0)
		history(c->hist, &ev, H_ENTER, h);
	free(h);
	history_write(c);
}

/* ---------------------------------------------------------------- help */

static const struct help *
help_find(const char *cmd)
{
	size_t i;

	for (i = 0; i < nitems(helps); i++)
		if (strcmp(helps[i].cmd, cmd) == 0)
			return (&helps[i]);
	return (NULL);
}

static void
help_all(void)
{
	size_t i;

	printf("Statements end with ';' and may span lines:\n");
	for (i = 0; i < nitems(helps); i++) {
		if (strcmp(helps[i].cmd, "quit") == 0 ||
		    strcmp(helps[i].cmd, "bye") == 0)
			continue;
		printf("  %s\n", helps[i].syntax);
	}
	printf("Console commands (no ';'):\n"
	    "  help [COMMAND]    this list, or one command's syntax and "
	    "options\n"
	    "  quit, exit        leave the console (also Control-D)\n"
	    "Tab completes commands, options, protocols and algorithms.\n");
}

static void
help_one(const char *cmd)
{
	const struct setkey_keyword *kw;
	const struct help *h;
	unsigned where = 0;
	size_t i, col;

	if (strcmp(cmd, "help") == 0) {
		printf("help [COMMAND]: the list of commands, or the syntax "
		    "and options of one\n");
		return;
	}
	if ((h = help_find(cmd)) == NULL) {
		printf("help: no command \"%s\"; \"help\" lists them\n", cmd);
		return;
	}
	printf("%s\n  %s\n", h->syntax, h->what);
	if (h->more != NULL)
		printf("%s", h->more);
	if (strcmp(cmd, "add") == 0 || strcmp(cmd, "update") == 0)
		where = SK_KW_EALG | SK_KW_AALG | SK_KW_CALG;
	if (where == 0)
		return;
	/* the algorithms, from the parser's table */
	for (i = 0; i < 3; i++) {
		unsigned w = i == 0 ? SK_KW_EALG : i == 1 ? SK_KW_AALG :
		    SK_KW_CALG;
		size_t n;

		printf("%s", i == 0 ? "Encryption (-E):" : i == 1 ?
		    "Authentication (-A):" : "Compression (-C):");
		col = 80;
		for (n = 0; (kw = setkey_keyword_nth(n)) != NULL; n++) {
			if ((kw->where & w) == 0)
				continue;
			if (col + strlen(kw->word) + 1 > 76) {
				printf("\n   ");
				col = 3;
			}
			printf(" %s", kw->word);
			col += strlen(kw->word) + 1;
		}
		printf("\n");
	}
}

/* "help", "help CMD", "quit", "exit" alone on a line (';' optional). */
static bool
console_command(struct console *c, const char *s, size_t len)
{
	char w1[32], w2[32], extra[2];
	char line[128];
	int k;

	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len > 0 && s[len - 1] == ';')
		len--;
	if (len >= sizeof(line))
		return (false);
	memcpy(line, s, len);
	line[len] = '\0';
	k = sscanf(line, "%31s %31s %1s", w1, w2, extra);
	if (k < 1 || k > 2)
		return (false);
	if (strcmp(w1, "help") == 0 || strcmp(w1, "?") == 0) {
		if (k == 1)
			help_all();
		else
			help_one(w2);
		return (true);
	}
	if (k == 1 && (strcmp(w1, "quit") == 0 || strcmp(w1, "exit") == 0)) {
		/* with ';' this is the grammar's exit, which means the same */
		c->quit = true;
		return (true);
	}
	return (false);
}

/* ---------------------------------------------------------- completion */

/* The context of the word being completed. */
enum compl_what {
	CW_NONE,
	CW_COMMAND,
	CW_OPTION,
	CW_EALG,
	CW_AALG,
	CW_CALG,
	CW_PROTO,
	CW_UPPER,
	CW_MODE,
	CW_FLAG,
	CW_DIR,
	CW_ACTION
};

static const char *const modes[] = { "any", "transport", "tunnel", "beet",
    "iptfs" };
static const char *const padflags[] = { "nocyclic-seq", "random-pad",
    "seq-pad", "zero-pad" };
static const char *const dirs[] = { "fwd", "in", "out" };
static const char *const actions[] = { "discard", "ipsec", "none",
    "prio", "priority" };

/* Whether an SA command takes addresses and then a protocol. */
static bool
is_sa_cmd(const char *t, size_t n)
{
	return (tok_is(t, n, "add") || tok_is(t, n, "update") ||
	    tok_is(t, n, "get") || tok_is(t, n, "delete") ||
	    tok_is(t, n, "deleteall") || tok_is(t, n, "getspi"));
}

static bool
is_spd_cmd(const char *t, size_t n)
{
	return (tok_is(t, n, "spdadd") || tok_is(t, n, "spdupdate") ||
	    tok_is(t, n, "spddelete"));
}

/*
 * What may stand at the end of `s' (the statement so far, up to the
 * word being completed), from the tokens before it.
 */
static enum compl_what
compl_context(const char *s, size_t len, const char *word)
{
	const char *t, *cmd = NULL, *prev = NULL;
	size_t pos = 0, start, n, cmdn = 0, prevn = 0;
	size_t nargs = 0, ntok = 0;
	bool policy = false;
	int ptoks = 0;

	/* only the statement being written counts */
	for (;;) {
		size_t e = stmt_end(s, len);

		if (e == 0)
			break;
		s += e;
		len -= e;
	}
	while ((n = next_token(s, len, &pos, &start)) > 0) {
		t = s + start;
		if (ntok == 0) {
			cmd = t;
			cmdn = n;
		} else if (policy)
			ptoks++;
		else if (tok_is(t, n, "-P"))
			policy = true;
		else if (t[0] != '-' && (prevn == 0 || prev[0] != '-' ||
		    tok_is(prev, prevn, "-4") || tok_is(prev, prevn, "-6") ||
		    tok_is(prev, prevn, "-n")))
			nargs++;	/* not an option's value */
		prev = t;
		prevn = n;
		ntok++;
	}
	if (ntok == 0)
		return (CW_COMMAND);
	if (tok_is(cmd, cmdn, "help") || tok_is(cmd, cmdn, "?"))
		return (ntok == 1 ? CW_COMMAND : CW_NONE);
	if (policy)
		return (ptoks == 0 ? CW_DIR : ptoks == 1 ? CW_ACTION :
		    CW_NONE);
	if (word[0] == '-')
		return (CW_OPTION);
	if (tok_is(prev, prevn, "-E"))
		return (CW_EALG);
	if (tok_is(prev, prevn, "-A"))
		return (CW_AALG);
	if (tok_is(prev, prevn, "-C"))
		return (CW_CALG);
	if (tok_is(prev, prevn, "-m"))
		return (CW_MODE);
	if (tok_is(prev, prevn, "-f"))
		return (CW_FLAG);
	if ((tok_is(cmd, cmdn, "flush") || tok_is(cmd, cmdn, "dump")) &&
	    ntok == 1)
		return (CW_PROTO);
	if (is_sa_cmd(cmd, cmdn) && nargs == 2)
		return (CW_PROTO);
	if (is_spd_cmd(cmd, cmdn) && nargs == 2)
		return (CW_UPPER);
	return (CW_NONE);
}

/* The candidates for a context, one at a time; NULL past the end. */
static const char *
compl_nth(enum compl_what w, size_t n)
{
	const struct setkey_keyword *kw;
	unsigned mask = 0;
	size_t i, k = 0;

	switch (w) {
	case CW_MODE:
		return (n < nitems(modes) ? modes[n] : NULL);
	case CW_FLAG:
		return (n < nitems(padflags) ? padflags[n] : NULL);
	case CW_DIR:
		return (n < nitems(dirs) ? dirs[n] : NULL);
	case CW_ACTION:
		return (n < nitems(actions) ? actions[n] : NULL);
	case CW_COMMAND:
		if (n < nitems(console_words))
			return (console_words[n]);
		n -= nitems(console_words);
		mask = SK_KW_COMMAND;
		break;
	case CW_OPTION:
		mask = SK_KW_OPTION;
		break;
	case CW_EALG:
		mask = SK_KW_EALG;
		break;
	case CW_AALG:
		mask = SK_KW_AALG;
		break;
	case CW_CALG:
		mask = SK_KW_CALG;
		break;
	case CW_PROTO:
		mask = SK_KW_PROTO;
		break;
	case CW_UPPER:
		mask = SK_KW_UPPER;
		break;
	case CW_NONE:
		return (NULL);
	}
	for (i = 0; (kw = setkey_keyword_nth(i)) != NULL; i++) {
		if ((kw->where & mask) == 0)
			continue;
		/* "exit" is also a console word: offer it once */
		if (w == CW_COMMAND && strcmp(kw->word, "exit") == 0)
			continue;
		if (k++ == n)
			return (kw->word);
	}
	return (NULL);
}

/* Print the candidates in columns under the line. */
static void
compl_list(const char **list, size_t n)
{
	struct winsize ws;
	size_t i, w = 0, cols, width = 80;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		width = ws.ws_col;
	for (i = 0; i < n; i++)
		if (strlen(list[i]) > w)
			w = strlen(list[i]);
	w += 2;
	cols = width / w > 0 ? width / w : 1;
	printf("\n");
	for (i = 0; i < n; i++) {
		printf("%-*s", (int)w, list[i]);
		if ((i + 1) % cols == 0 || i + 1 == n)
			printf("\n");
	}
}

static unsigned char
complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	struct console *c = con;
	const char *list[256], *cand, *word;
	char *ctx = NULL, ins[128], w0[128];
	size_t wlen, n = 0, i, common, plen;
	enum compl_what what;
	unsigned char rv = CC_ERROR;

	(void)ch;
	/* the word before the cursor */
	word = li->cursor;
	while (word > li->buffer && !isspace((unsigned char)word[-1]) &&
	    word[-1] != ';')
		word--;
	wlen = (size_t)(li->cursor - word);
	/* the statement so far: collected lines, then this line's start */
	plen = (size_t)(word - li->buffer);
	if ((ctx = malloc(c->len + 1 + plen + 1)) == NULL)
		return (CC_ERROR);
	if (c->len > 0)
		memcpy(ctx, c->buf, c->len);
	memcpy(ctx + c->len, li->buffer, plen);
	ctx[c->len + plen] = '\0';
	snprintf(w0, sizeof(w0), "%.*s", (int)(wlen < sizeof(w0) - 1 ? wlen :
	    sizeof(w0) - 1), word);
	what = compl_context(ctx, c->len + plen, w0);
	freezero(ctx, c->len + plen + 1);
	for (i = 0; (cand = compl_nth(what, i)) != NULL; i++)
		if (strncmp(cand, word, wlen) == 0 && n < nitems(list))
			list[n++] = cand;
	if (n == 0)
		return (CC_ERROR);
	if (n == 1) {
		if (snprintf(ins, sizeof(ins), "%s ", list[0] + wlen) >=
		    (int)sizeof(ins))
			return (CC_ERROR);
		if (el_insertstr(el, ins) == -1)
			return (CC_ERROR);
		return (CC_REFRESH);
	}
	/* the longest common prefix of the candidates */
	common = strlen(list[0]);
	for (i = 1; i < n; i++) {
		size_t k = 0;

		while (k < common && list[i][k] == list[0][k])
			k++;
		common = k;
	}
	if (common > wlen && common - wlen < sizeof(ins)) {
		memcpy(ins, list[0] + wlen, common - wlen);
		ins[common - wlen] = '\0';
		if (el_insertstr(el, ins) != -1)
			rv = CC_REFRESH;
	} else {
		compl_list(list, n);
		rv = CC_REDISPLAY;
	}
	return (rv);
}

/* -------------------------------------------------------------- prompt */

static char *
prompt(EditLine *el)
{
	(void)el;
	return (con != NULL && con->len > 0 ? PROMPT_MORE : PROMPT);
}

/* ------------------------------------------------------------ the loop */

/* Parse and run one complete statement (with its ';'). */
static void
run_statement(struct console *c, const char *s, size_t len)
{
	struct setkey_cmdq q;
	struct setkey_cmd *cmd;
	int errors;

	history_add(c, s, len);
	if (console_command(c, s, len))
		return;
	TAILQ_INIT(&q);
	errors = parse_buffer(s, len, CONSOLE_NAME, c->po, &q);
	if (errors > 0) {
		/* the parser said what is wrong; nothing was sent */
		setkey_cmdq_free(&q);
		c->failed++;
		return;
	}
	TAILQ_FOREACH(cmd, &q, entry)
		if (cmd->op == SK_EXIT)
			c->quit = true;
	if (exec_cmds(c->x, &q, c->eo, c->pr) > 0)
		c->failed++;
	setkey_cmdq_free(&q);
	fflush(stdout);
}

/* Append a line (and its newline) to the statement being collected. */
static int
collect(struct console *c, const char *line, int n)
{
	size_t need = c->len + (size_t)n + 2;
	char *nb;

	if (need > STMT_MAX) {
		fprintf(stderr, "setkey: statement longer than %d bytes; "
		    "discarded\n", STMT_MAX);
		freezero(c->buf, c->cap);
		c->buf = NULL;
		c->len = c->cap = 0;
		return (-1);
	}
	if (need > c->cap) {
		/* grown by hand so that no copy of a key is left behind */
		if ((nb = malloc(need * 2)) == NULL)
			return (-1);
		if (c->len > 0)
			memcpy(nb, c->buf, c->len);
		freezero(c->buf, c->cap);
		c->buf = nb;
		c->cap = need * 2;
	}
	memcpy(c->buf + c->len, line, (size_t)n);
	c->len += (size_t)n;
	if (c->len == 0 || c->buf[c->len - 1] != '\n')
		c->buf[c->len++] = '\n';
	c->buf[c->len] = '\0';
	return (0);
}

/* Run every complete statement collected; keep the rest. */
static void
dispatch(struct console *c)
{
	size_t e;

	/* a console word alone on the first line needs no ';' */
	if (stmt_end(c->buf, c->len) == 0 && console_command(c, c->buf,
	    c->len)) {
		history_add(c, c->buf, c->len);
		explicit_bzero(c->buf, c->len);
		c->len = 0;
		return;
	}
	while (!c->quit && (e = stmt_end(c->buf, c->len)) > 0) {
		if (!is_blank(c->buf, e))
			run_statement(c, c->buf, e);
		/* the bytes may be a key: wipe what moves away */
		memmove(c->buf, c->buf + e, c->len - e);
		explicit_bzero(c->buf + c->len - e, e);
		c->len -= e;
	}
	if (is_blank(c->buf, c->len)) {
		explicit_bzero(c->buf, c->len);
		c->len = 0;
	}
}

int
console_run(struct pfkey_xport *x, const struct setkey_parse_opts *po,
    const struct setkey_exec_opts *eo, const struct setkey_print_opts *pr)
{
	struct sigaction sa, osa;
	struct console c;
	HistEvent ev;
	const char *line;
	int n;

	memset(&c, 0, sizeof(c));
	/*
	 * ^C at the prompt drops the line and the statement being typed, as
	 * in a shell; libedit (EL_SIGNAL) restores the terminal and passes
	 * the signal on to this handler, and el_gets() returns.  No
	 * SA_RESTART: the read must end.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &osa);
	c.x = x;
	c.po = po;
	c.eo = eo;
	c.pr = pr;
	con = &c;
	if ((c.el = el_init(getprogname(), stdin, stdout, stderr)) == NULL ||
	    (c.hist = history_init()) == NULL) {
		fprintf(stderr, "setkey: cannot start the line editor\n");
		return (1);
	}
	history(c.hist, &ev, H_SETSIZE, HISTORY_SIZE);
	history(c.hist, &ev, H_SETUNIQUE, 1);
	c.histfile = history_path();
	if (c.histfile != NULL)
		(void)history(c.hist, &ev, H_LOAD, c.histfile);
	el_set(c.el, EL_HIST, history, c.hist);
	el_set(c.el, EL_PROMPT, prompt);
	el_set(c.el, EL_EDITOR, "emacs");
	el_set(c.el, EL_SIGNAL, 1);
	/* el_wset: el_set's narrow EL_ADDFN copies the strings and leaks */
	el_wset(c.el, EL_ADDFN, L"setkey-complete",
	    L"complete a setkey word", complete);
	el_set(c.el, EL_BIND, "^I", "setkey-complete", NULL);
	/* ~/.editrc, as other libedit programs */
	el_source(c.el, NULL);

	printf("setkey console (pfkeykit %s), %s transport. \"help\" lists "
	    "the commands.\n", PFKEYKIT_VERSION_STRING,
	    pfkey_xport_kind_name(pfkey_xport_kind(x)));
	while (!c.quit) {
		got_sigint = 0;
		line = el_gets(c.el, &n);
		if (got_sigint) {
			/* the bytes may be a key: wipe them */
			explicit_bzero(c.buf, c.len);
			c.len = 0;
			printf("\n");
			fflush(stdout);
			continue;
		}
		if (line == NULL || n <= 0) {
			if (c.len > 0 && !is_blank(c.buf, c.len))
				fprintf(stderr, "\nsetkey: the statement "
				    "without ';' was not sent\n");
			else
				printf("\n");
			break;
		}
		if (collect(&c, line, n) != 0)
			continue;
		dispatch(&c);
		fflush(stdout);
	}
	history_write(&c);
	freezero(c.buf, c.cap);
	free(c.histfile);
	history_end(c.hist);
	el_end(c.el);
	sigaction(SIGINT, &osa, NULL);
	con = NULL;
	return (c.failed);
}
