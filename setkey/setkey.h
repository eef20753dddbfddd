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
 * setkey: private header, grouped by file.  The parser turns text into a
 * queue of setkey_cmd (the sadb model plus what the statement was), the
 * executor sends them, the printers print the model.  Nothing here builds
 * PF_KEY messages by hand: the sadb bridge does.
 */

#ifndef SETKEY_H
#define SETKEY_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pfkey.h"
#include "sadb.h"

/* ------------------------------------------------------------ parse.y */

enum setkey_op {
	SK_ADD,
	SK_UPDATE,
	SK_GET,
	SK_DELETE,
	SK_DELETEALL,
	SK_GETSPI,
	SK_FLUSH,
	SK_DUMP,
	SK_SPDADD,
	SK_SPDUPDATE,
	SK_SPDDELETE,
	SK_SPDFLUSH,
	SK_SPDDUMP,
	SK_EXIT
};

/* Where a statement (or a token) is: for FILE:LINE:COL messages. */
struct setkey_loc {
	const char	*file;		/* owned by the parse (shared) */
	int		 line;
	int		 col;
};

/* How the statement wrote its SA protocol (for printing it back). */
enum setkey_proto {
	SKP_NONE,
	SKP_ESP,
	SKP_ESP_OLD,		/* old format: X_EXT_OLD flag */
	SKP_ESP_UDP,		/* ipsec-tools esp-udp: NAT-T from ports */
	SKP_AH,
	SKP_AH_OLD,
	SKP_IPCOMP,
	SKP_TCP			/* TCP-MD5 */
};

struct setkey_cmd {
	TAILQ_ENTRY(setkey_cmd)	 entry;
	enum setkey_op		 op;
	struct setkey_loc	 loc;		/* start of the statement */
	enum setkey_proto	 proto;
	/* SA statements (add ... dump): satype, spi, keys...  For flush and
	 * dump satype 0 means all; for getspi spi_min/spi_max. */
	struct sad_entry	 sa;
	uint32_t		 spi_min;
	uint32_t		 spi_max;
	/* SPD statements (spdadd, spdupdate, spddelete). */
	struct spd_entry	 sp;
	/* The address flags given (-4, -6, -n): kept for printing. */
	unsigned		 aflags;
#define SK_AF_4		0x1
#define SK_AF_6		0x2
#define SK_AF_N		0x4
};
TAILQ_HEAD(setkey_cmdq, setkey_cmd);

struct setkey_parse_opts {
	enum pfkey_dialect	 dialect;	/* what the grammar allows */
	bool			 numeric;	/* never resolve names */
};

/*
 * Parse a whole input; every statement is appended to `q' and nothing is
 * executed.  Errors are printed to stderr as "FILE:LINE:COL: message"
 * naming the token; parsing continues after a bad statement (at the next
 * ';') so that every error of a file is reported.  Returns the number of
 * errors (0: the whole input is good).
 */
int	parse_file(FILE *, const char *name, const struct setkey_parse_opts *,
	    struct setkey_cmdq *q);
int	parse_buffer(const char *buf, size_t len, const char *name,
	    const struct setkey_parse_opts *, struct setkey_cmdq *q);
void	setkey_cmd_free(struct setkey_cmd *);
void	setkey_cmdq_free(struct setkey_cmdq *);

/* The keyword table, shared with the console's completion and help. */
struct setkey_keyword {
	const char	*word;
	int		 token;
	unsigned	 where;		/* SK_KW_* : where it may appear */
#define SK_KW_COMMAND	0x01
#define SK_KW_PROTO	0x02
#define SK_KW_OPTION	0x04
#define SK_KW_EALG	0x08
#define SK_KW_AALG	0x10
#define SK_KW_CALG	0x20
#define SK_KW_UPPER	0x40
#define SK_KW_OTHER	0x80
};
/* The n-th keyword (sorted), NULL past the end. */
const struct setkey_keyword *setkey_keyword_nth(size_t n);

/* ------------------------------------------------------- print_cmd.c */

/* Print a statement in normalised setkey syntax (-n); a fixed point. */
void	print_cmd(FILE *, const struct setkey_cmd *, enum pfkey_dialect);

/* ------------------------------------------------------------ print.c */

enum setkey_style {
	SK_STYLE_IPSEC_TOOLS,	/* ipsec-tools 0.8.2 pfkey_dump.c (default) */
	SK_STYLE_FREEBSD	/* FreeBSD libipsec pfkey_dump.c */
};

struct setkey_print_opts {
	enum setkey_style	 style;
	enum pfkey_dialect	 dialect;	/* of the transport */
	bool			 withports;	/* -p */
	bool			 json;		/* -o json */
	uint8_t			 scope;		/* -g/-t: FreeBSD scopes to show */
	time_t			 now;		/* for "current:" and "diff:" */
	uint32_t		 now_usec;	/* -x timestamps: usec of now */
};

/* What a dump message carried besides the model (sadb_msg fields). */
struct setkey_msgmeta {
	uint32_t	seq;
	uint32_t	pid;
	uint16_t	reserved;	/* KAME puts refcnt here */
	uint8_t		type;
	uint8_t		errno_;
};

/* setkey -D: one SA, in the chosen style or as one JSON object. */
void	print_sa(FILE *, const struct sad_entry *,
	    const struct setkey_msgmeta *, const struct setkey_print_opts *);
/* setkey -DP: one policy. */
void	print_sp(FILE *, const struct spd_entry *,
	    const struct setkey_msgmeta *, const struct setkey_print_opts *);
/* setkey -x: one PF_KEY message as the monitor shows it. */
void	print_monitor(FILE *, const struct pfkey_msg *,
	    const struct setkey_print_opts *, bool rawtime, bool hexdump);

/* Print the header line of the -l (loop) short dump. */
void	print_sa_short_header(FILE *);
/* setkey -D -l: one SA in the short form. */
void	print_sa_short(FILE *, const struct sad_entry *,
	    const struct setkey_print_opts *);

/* ------------------------------------------------------------- exec.c */

struct setkey_exec_opts {
	bool	verbose;	/* -v: print every message sent and received */
	bool	rfc_fwd;	/* -r (Linux default): add fwd with each in */
	int	window;		/* requests in flight (0: per transport) */
};

/*
 * Send every statement, pipelined, matching each reply to its statement;
 * kernel errors are reported as "FILE:LINE: message".  Returns the number
 * of failed statements.  Dumps print through print_sa / print_sp.
 */
int	exec_cmds(struct pfkey_xport *, struct setkey_cmdq *,
	    const struct setkey_exec_opts *, const struct setkey_print_opts *);
/*
 * -D / -DP (all: also dead SAs; loop: -l, short form every second until
 * interrupted), -F / -FP; 0 or 1 (a failure is reported).
 */
int	exec_dump(struct pfkey_xport *, bool policy, bool all, bool loop,
	    const struct setkey_exec_opts *, const struct setkey_print_opts *);
int	exec_flush(struct pfkey_xport *, bool policy,
	    const struct setkey_exec_opts *);
/* -x / -xx: monitor every PF_KEY message until interrupted. */
int	exec_monitor(struct pfkey_xport *, bool rawtime, bool hexdump,
	    const struct setkey_print_opts *);

/* ---------------------------------------------------------- console.c */

/* The interactive console (setkey -c on a terminal). */
int	console_run(struct pfkey_xport *, const struct setkey_parse_opts *,
	    const struct setkey_exec_opts *, const struct setkey_print_opts *);

#endif /* SETKEY_H */
