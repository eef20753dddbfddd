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
 * conf_priv.h: private to conf*.c: the racoon.conf tokenizer and the
 * helpers the parser and the printer share.
 *
 * Tokens as racoon's cftoken.l cuts them: bare words (keywords, numbers,
 * addresses), "quoted strings" (no escapes, one line), { } ; , and the
 * two glued forms /PREFIX and [PORT] (or [any]).  `#' starts a comment
 * to the end of the line anywhere outside a string.
 */

#ifndef RACOON_NG_CONF_PRIV_H
#define RACOON_NG_CONF_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONF_TOKEN_MAX	4096		/* longest word or string */

enum conf_tok {
	CT_EOF,
	CT_WORD,
	CT_STRING,
	CT_LBRACE,
	CT_RBRACE,
	CT_SEMI,
	CT_COMMA,
	CT_PORT,			/* [N] or [any] */
	CT_PREFIX,			/* /N */
	CT_ERROR			/* lexer error; text is the message */
};

struct conf_token {
	enum conf_tok	 type;
	unsigned	 line;
	unsigned	 col;
	unsigned long	 num;		/* PORT, PREFIX */
	bool		 any;		/* PORT: [any] */
	size_t		 len;		/* of text */
	char		 text[CONF_TOKEN_MAX + 1];
};

struct conf_lexer {
	const char	*buf;
	size_t		 len;
	size_t		 off;
	unsigned	 line;
	unsigned	 col;
	struct conf_token cur;		/* conf_lex_next()'s */
	struct conf_token peek[2];
	unsigned	 npeek;
	bool		 failed;	/* an error token was returned */
};

void	conf_lex_init(struct conf_lexer *, const char *buf, size_t len);
/*
 * The next token, consumed; stays CT_EOF or CT_ERROR at the end.  The
 * pointer is valid until the next conf_lex_next() (peeking keeps it).
 */
const struct conf_token *conf_lex_next(struct conf_lexer *);
/* Look ahead n (0 or 1) tokens without consuming. */
const struct conf_token *conf_lex_peek(struct conf_lexer *, unsigned n);

/* conf_print.c: text of a phase 2 ID ("address 10.0.0.1 [500] udp"). */
struct rcn_said;
struct rcn_id;
void	conf_said_str(const struct rcn_said *, char *, size_t);
/* conf.c: the name of an upper layer protocol, or NULL. */
const char *conf_ulproto_name(uint8_t);
/* Text of a phase 1 identity ("fqdn \"vpn.example.org\""). */
void	conf_id_str(const struct rcn_id *, char *, size_t);

#endif /* RACOON_NG_CONF_PRIV_H */
