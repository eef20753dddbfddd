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
 * conf_lex.c: the racoon.conf tokenizer.  It works on a buffer with its
 * length (the file may hold anything, NUL bytes included), keeps line and
 * column of each token for messages, and never reads past the end.
 */

#include <stdio.h>
#include <string.h>

#include "conf_priv.h"

void
conf_lex_init(struct conf_lexer *lx, const char *buf, size_t len)
{
	memset(lx, 0, sizeof(*lx));
	lx->buf = buf;
	lx->len = len;
	lx->line = 1;
	lx->col = 1;
}

static int
cur_ch(const struct conf_lexer *lx)
{
	if (lx->off >= lx->len)
		return (-1);
	return ((unsigned char)lx->buf[lx->off]);
}

static void
advance(struct conf_lexer *lx)
{
	if (lx->off >= lx->len)
		return;
	if (lx->buf[lx->off] == '\n') {
		lx->line++;
		lx->col = 1;
	} else
		lx->col++;
	lx->off++;
}

/* A character that may appear in a bare word. */
static bool
word_ch(int c)
{
	if (c < 0x21 || c > 0x7e)
		return (false);
	return (strchr("{};,\"#[]/", c) == NULL);
}

static void
lex_error(struct conf_token *t, const char *msg)
{
	t->type = CT_ERROR;
	if (msg != t->text)
		(void)strlcpy(t->text, msg, sizeof(t->text));
	t->len = strlen(t->text);
}

static void
lex_one(struct conf_lexer *lx, struct conf_token *t)
{
	int c;
	size_t n;

	memset(t, 0, offsetof(struct conf_token, text));
	t->text[0] = '\0';
	if (lx->failed) {
		lex_error(t, "earlier error");
		return;
	}
	for (;;) {
		c = cur_ch(lx);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
		    c == '\f' || c == '\v') {
			advance(lx);
			continue;
		}
		if (c == '#') {
			while ((c = cur_ch(lx)) != -1 && c != '\n')
				advance(lx);
			continue;
		}
		break;
	}
	t->line = lx->line;
	t->col = lx->col;
	if (c == -1) {
		t->type = CT_EOF;
		return;
	}
	switch (c) {
	case '{':
		t->type = CT_LBRACE;
		t->text[0] = '{';
		t->text[1] = '\0';
		t->len = 1;
		advance(lx);
		return;
	case '}':
		t->type = CT_RBRACE;
		t->text[0] = '}';
		t->text[1] = '\0';
		t->len = 1;
		advance(lx);
		return;
	case ';':
		t->type = CT_SEMI;
		t->text[0] = ';';
		t->text[1] = '\0';
		t->len = 1;
		advance(lx);
		return;
	case ',':
		t->type = CT_COMMA;
		t->text[0] = ',';
		t->text[1] = '\0';
		t->len = 1;
		advance(lx);
		return;
	case '"':
		advance(lx);
		n = 0;
		for (;;) {
			c = cur_ch(lx);
			if (c == -1 || c == '\n') {
				lex_error(t, "unterminated string");
				lx->failed = true;
				return;
			}
			if (c == '"')
				break;
			if (c == 0 || (c < 0x20 && c != '\t') || c == 0x7f) {
				(void)snprintf(t->text, sizeof(t->text),
				    "control character \\x%02x in a string", c);
				lex_error(t, t->text);
				lx->failed = true;
				return;
			}
			if (n >= CONF_TOKEN_MAX) {
				lex_error(t, "string too long");
				lx->failed = true;
				return;
			}
			t->text[n++] = (char)c;
			advance(lx);
		}
		advance(lx);
		t->text[n] = '\0';
		t->len = n;
		t->type = CT_STRING;
		return;
	case '/':
		advance(lx);
		n = 0;
		t->num = 0;
		while ((c = cur_ch(lx)) >= '0' && c <= '9') {
			if (n++ >= 3) {
				lex_error(t, "prefix length too long");
				lx->failed = true;
				return;
			}
			t->num = t->num * 10 + (unsigned long)(c - '0');
			advance(lx);
		}
		if (n == 0) {
			lex_error(t, "\"/\" not followed by a prefix length");
			lx->failed = true;
			return;
		}
		(void)snprintf(t->text, sizeof(t->text), "/%lu", t->num);
		t->len = strlen(t->text);
		t->type = CT_PREFIX;
		return;
	case '[':
		advance(lx);
		while ((c = cur_ch(lx)) == ' ' || c == '\t')
			advance(lx);
		n = 0;
		t->num = 0;
		if (c == 'a' && lx->len - lx->off >= 3 &&
		    memcmp(lx->buf + lx->off, "any", 3) == 0) {
			advance(lx);
			advance(lx);
			advance(lx);
			t->any = true;
			n = 1;
		} else {
			while ((c = cur_ch(lx)) >= '0' && c <= '9') {
				if (n++ >= 5) {
					lex_error(t, "port number too long");
					lx->failed = true;
					return;
				}
				t->num = t->num * 10 + (unsigned long)(c - '0');
				advance(lx);
			}
		}
		while ((c = cur_ch(lx)) == ' ' || c == '\t')
			advance(lx);
		if (n == 0 || c != ']') {
			lex_error(t, "a port is written [NUMBER] or [any]");
			lx->failed = true;
			return;
		}
		advance(lx);
		if (t->any)
			(void)strlcpy(t->text, "[any]", sizeof(t->text));
		else
			(void)snprintf(t->text, sizeof(t->text), "[%lu]",
			    t->num);
		t->len = strlen(t->text);
		t->type = CT_PORT;
		return;
	default:
		break;
	}
	if (!word_ch(c)) {
		if (c == 0)
			lex_error(t, "NUL byte in the file");
		else if (c == ']')
			lex_error(t, "\"]\" without \"[\"");
		else {
			(void)snprintf(t->text, sizeof(t->text),
			    "unexpected byte \\x%02x (not printable ASCII)", c);
			lex_error(t, t->text);
		}
		lx->failed = true;
		return;
	}
	n = 0;
	while (word_ch(c = cur_ch(lx))) {
		if (n >= CONF_TOKEN_MAX) {
			lex_error(t, "word too long");
			lx->failed = true;
			return;
		}
		t->text[n++] = (char)c;
		advance(lx);
	}
	t->text[n] = '\0';
	t->len = n;
	t->type = CT_WORD;
}

const struct conf_token *
conf_lex_peek(struct conf_lexer *lx, unsigned n)
{
	if (n > 1)
		n = 1;
	while (lx->npeek <= n) {
		lex_one(lx, &lx->peek[lx->npeek]);
		lx->npeek++;
	}
	return (&lx->peek[n]);
}

const struct conf_token *
conf_lex_next(struct conf_lexer *lx)
{
	if (lx->npeek == 0)
		lex_one(lx, &lx->cur);
	else {
		lx->cur = lx->peek[0];
		if (lx->npeek == 2)
			lx->peek[0] = lx->peek[1];
		lx->npeek--;
	}
	return (&lx->cur);
}
