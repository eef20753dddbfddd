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
 * libFuzzer target for the ipsec_set_policy(3) language.  Every input is
 * parsed in both dialects.  A refusal must be well formed (a known code,
 * an offset inside the input, a terminated message).  An accepted policy
 * must print with every flag set, the printout must parse again and print
 * the same (print(parse(x)) is a fixed point), truncated printing must
 * agree with the full one, and the policy must survive pfkey_put_policy()
 * and both decoders unchanged.
 *
 *   clang -g -fsanitize=fuzzer,address,undefined -I libpfkey \
 *       -DLIBBSD_OVERLAY -isystem /usr/include/bsd fuzz/policy_fuzz.c \
 *       libpfkey/[a-z]*.c -lbsd -o /tmp/pf && /tmp/pf fuzz/corpus/policy
 */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfkey.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
need(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* Print a policy into a fresh buffer; a parsed policy must always print. */
static char *
format_alloc(const struct pfkey_policy *pol, enum pfkey_dialect d, int flags,
    size_t *lenp)
{
	char *buf, small[16];
	int n, m;

	n = pfkey_policy_format(pol, d, flags, NULL, 0);
	need(n >= 0, "format failed: %d (%s)", n, pfkey_strerror(n));
	need((buf = malloc((size_t)n + 1)) != NULL, "out of memory");
	m = pfkey_policy_format(pol, d, flags, buf, (size_t)n + 1);
	need(m == n && strlen(buf) == (size_t)n, "format length %d != %d",
	    m, n);
	/* snprintf semantics: same length, a prefix, always terminated. */
	m = pfkey_policy_format(pol, d, flags, small, sizeof(small));
	need(m == n, "truncated format returned %d, not %d", m, n);
	need(strlen(small) == ((size_t)n < sizeof(small) ? (size_t)n :
	    sizeof(small) - 1) && strncmp(small, buf, strlen(small)) == 0,
	    "truncated format is not a prefix");
	*lenp = (size_t)n;
	return (buf);
}

static void
check_wire(const struct pfkey_policy *pol, enum pfkey_dialect d,
    const char *want)
{
	uint64_t mem[256];
	struct pfkey_buf b;
	struct pfkey_msg m;
	struct pfkey_policy back;
	const void *msg;
	const uint8_t *ext;
	size_t len, n;
	char *got;
	int rc;

	rc = pfkey_buf_init(&b, mem, sizeof(mem), d, PFKEY_MSG_X_SPDADD,
	    PFKEY_SATYPE_UNSPEC, 1, 1);
	need(rc == 0, "buf_init: %d", rc);
	rc = pfkey_put_policy(&b, pol);
	need(rc == 0, "put_policy refused a parsed policy: %s",
	    pfkey_strerror(rc));
	need(pfkey_buf_finish(&b, &msg, &len) == 0, "buf_finish");

	/* The raw extension decoder... */
	ext = (const uint8_t *)msg + PFKEY_HDRLEN;
	rc = pfkey_policy_decode(ext, len - PFKEY_HDRLEN, d, &back);
	need(rc == 0, "policy_decode: %s", pfkey_strerror(rc));
	got = format_alloc(&back, d, PFKEY_PF_WITHPORTS | PFKEY_PF_NEWLINES,
	    &n);
	need(strcmp(got, want) == 0, "wire changed the policy:\n[%s]\n[%s]",
	    want, got);
	free(got);

	/* ... and the whole-message decoder (no selectors here). */
	rc = pfkey_decode(msg, len, d, PFKEY_DEC_NOREQ, &m);
	need(rc == 0, "decode: %s", pfkey_strerror(rc));
	need(pfkey_get_policy(&m, &back) == 0, "get_policy");
	got = format_alloc(&back, d, PFKEY_PF_WITHPORTS | PFKEY_PF_NEWLINES,
	    &n);
	need(strcmp(got, want) == 0, "message changed the policy:\n[%s]\n[%s]",
	    want, got);
	free(got);
}

static void
one(const char *s, size_t len, enum pfkey_dialect d)
{
	struct pfkey_policy p1, p2;
	struct pfkey_policy_err err;
	char *f1, *f2;
	size_t n1, n2;
	int rc, flags;

	rc = pfkey_policy_parse(s, len, d, &p1, &err);
	if (rc != 0) {
		need(rc == PFKEY_ERR_SYNTAX || rc == PFKEY_ERR_DIALECT ||
		    rc == PFKEY_ERR_FAMILY || rc == PFKEY_ERR_ADDRFAMILY,
		    "unexpected error code %d", rc);
		need(err.offset <= len && err.toklen <= len - err.offset,
		    "error at %zu+%zu outside %zu bytes", err.offset,
		    err.toklen, len);
		need(memchr(err.msg, '\0', sizeof(err.msg)) != NULL &&
		    err.msg[0] != '\0', "bad error message");
		return;
	}
	need(p1.nreq <= PFKEY_POLICY_MAXREQ, "nreq %u", p1.nreq);
	need(p1.type == PFKEY_POLICY_IPSEC || p1.nreq == 0,
	    "requests on a non-ipsec policy");

	for (flags = 0; flags < 4; flags++) {
		f1 = format_alloc(&p1, d, flags, &n1);
		rc = pfkey_policy_parse(f1, n1, d, &p2, &err);
		need(rc == 0, "printout does not parse (%s): [%s] at %zu: %s",
		    pfkey_dialect_name(d), f1, err.offset, err.msg);
		f2 = format_alloc(&p2, d, flags, &n2);
		need(strcmp(f1, f2) == 0, "not a fixed point (%s, flags %d):"
		    "\n[%s]\n[%s]", pfkey_dialect_name(d), flags, f1, f2);
		if (flags == (PFKEY_PF_WITHPORTS | PFKEY_PF_NEWLINES))
			check_wire(&p1, d, f1);
		free(f1);
		free(f2);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one((const char *)data, size, PFKEY_DIALECT_LINUX);
	one((const char *)data, size, PFKEY_DIALECT_FREEBSD);
	return (0);
}
