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
 * cert_store.c: trusted CAs and CRLs, the verification of a peer's
 * certificate chain, certificate requests.
 *
 * The store is an X509_STORE filled once (at configuration load) and
 * then only read: cert_verify() builds a fresh X509_STORE_CTX for each
 * peer.  Verification is OpenSSL's (X509_verify_cert: signatures, chain
 * building through the peer's other certificates, validity times,
 * basicConstraints and keyCertSign of every issuer, path lengths, CRLs);
 * a callback keeps the first error for the message and applies the CRL
 * policy written in cert.h.
 */

#include <sys/types.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cert_local.h"

#define CRLS_PER_FILE	64

struct store_dn {
	uint8_t		*der;		/* OPENSSL_malloc'd */
	size_t		 len;
	X509_NAME	*name;
};

struct cert_store {
	X509_STORE	*st;
	X509		**cas;		/* distinct CA certificates */
	size_t		 ncas;
	struct store_dn	*dns;		/* distinct CA subjects */
	size_t		 ndns;
	size_t		 ncrls;
	cert_warn_fn	*warn;
	void		*warnarg;
};

static void __attribute__((format(printf, 2, 3)))
warn(const struct cert_store *s, const char *fmt, ...)
{
	char msg[CERT_ERR_MAX];
	va_list ap;

	if (s->warn == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	s->warn(s->warnarg, msg);
}

struct cert_store *
cert_store_new(void)
{
	struct cert_store *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	if ((s->st = X509_STORE_new()) == NULL) {
		free(s);
		return (NULL);
	}
	return (s);
}

void
cert_store_free(struct cert_store *s)
{
	size_t i;

	if (s == NULL)
		return;
	X509_STORE_free(s->st);
	for (i = 0; i < s->ncas; i++)
		X509_free(s->cas[i]);
	free(s->cas);
	for (i = 0; i < s->ndns; i++) {
		OPENSSL_free(s->dns[i].der);
		X509_NAME_free(s->dns[i].name);
	}
	free(s->dns);
	free(s);
}

void
cert_store_set_warn(struct cert_store *s, cert_warn_fn *fn, void *arg)
{
	s->warn = fn;
	s->warnarg = arg;
}

size_t
cert_store_ncas(const struct cert_store *s)
{
	return (s->ncas);
}

size_t
cert_store_ncrls(const struct cert_store *s)
{
	return (s->ncrls);
}

/* A malloc'd DER copy of what i2d writes; its length or -1. */
static ssize_t
der_copy(int (*i2d)(const void *, unsigned char **), const void *obj,
    uint8_t **der)
{
	unsigned char *p;
	int n;

	*der = NULL;
	if ((n = i2d(obj, NULL)) <= 0 || (*der = malloc((size_t)n)) == NULL)
		return (-1);
	p = *der;
	if (i2d(obj, &p) != n) {
		free(*der);
		*der = NULL;
		return (-1);
	}
	return (n);
}

static int
i2d_x509(const void *x, unsigned char **p)
{
	return (i2d_X509(x, p));
}

static int
i2d_crl(const void *x, unsigned char **p)
{
	return (i2d_X509_CRL(x, p));
}

ssize_t
cert_store_ca_der(const struct cert_store *s, size_t i, uint8_t **der)
{
	*der = NULL;
	if (i >= s->ncas)
		return (-1);
	return (der_copy(i2d_x509, s->cas[i], der));
}

ssize_t
cert_store_crl_der(const struct cert_store *s, size_t i, uint8_t **der)
{
	STACK_OF(X509_OBJECT) *objs;
	X509_OBJECT *o;
	size_t k = 0;
	int j;

	*der = NULL;
	if ((objs = X509_STORE_get0_objects(s->st)) == NULL)
		return (-1);
	for (j = 0; j < sk_X509_OBJECT_num(objs); j++) {
		o = sk_X509_OBJECT_value(objs, j);
		if (X509_OBJECT_get_type(o) != X509_LU_CRL)
			continue;
		if (k++ == i)
			return (der_copy(i2d_crl,
			    X509_OBJECT_get0_X509_CRL(o), der));
	}
	return (-1);
}

/* Why x cannot be a trust anchor or chain CA, or NULL if it can. */
static const char *
ca_unusable(const X509 *x, char *why, size_t len)
{
	/* X509_check_ca() caches extensions in the object: not const. */
	if (X509_check_ca((X509 *)(uintptr_t)x) == 0) {
		(void)snprintf(why, len, "is not a CA certificate (no "
		    "basicConstraints CA, or no keyCertSign)");
		return (why);
	}
	if (cert_x509_check_time(x, 0, why, len) == -1)
		return (why);
	return (NULL);
}

/* Add a checked CA certificate (a new reference is taken). */
static int
add_ca(struct cert_store *s, X509 *x)
{
	X509 **cas;
	struct store_dn *dns, *d;
	X509_NAME *subj = X509_get_subject_name(x);
	uint8_t *der = NULL;
	size_t i;
	int len;

	for (i = 0; i < s->ncas; i++)
		if (X509_cmp(s->cas[i], x) == 0)
			return (0);
	if (X509_STORE_add_cert(s->st, x) != 1) {
		ERR_clear_error();
		return (-1);
	}
	if ((cas = reallocarray(s->cas, s->ncas + 1, sizeof(*cas))) == NULL)
		return (-1);
	s->cas = cas;
	if (X509_up_ref(x) != 1)
		return (-1);
	s->cas[s->ncas++] = x;
	for (i = 0; i < s->ndns; i++)
		if (X509_NAME_cmp(s->dns[i].name, subj) == 0)
			return (0);
	if ((dns = reallocarray(s->dns, s->ndns + 1, sizeof(*dns))) == NULL)
		return (-1);
	s->dns = dns;
	d = &s->dns[s->ndns];
	if ((len = i2d_X509_NAME(subj, &der)) <= 0)
		return (-1);
	if ((d->name = X509_NAME_dup(subj)) == NULL) {
		OPENSSL_free(der);
		return (-1);
	}
	d->der = der;
	d->len = (size_t)len;
	s->ndns++;
	return (0);
}

int
cert_store_add_ca(struct cert_store *s, const char *name, const void *buf,
    size_t len, char *err, size_t errlen)
{
	struct cert *c;
	char subj[128], why[128];
	size_t i;
	int rc = -1;

	if ((c = cert_alloc()) == NULL)
		return (cert_fail(err, errlen, "%s: out of memory", name));
	if (cert_decode_x509s(name, buf, len, c, err, errlen) == -1)
		goto out;
	/* All or nothing: check every certificate before adding one. */
	for (i = 0; i < c->n; i++) {
		if (ca_unusable(c->c[i].x, why, sizeof(why)) != NULL) {
			cert_name_text(X509_get_subject_name(c->c[i].x), subj,
			    sizeof(subj));
			cert_fail(err, errlen, "%s: certificate %zu (\"%s\") "
			    "%s", name, i + 1, subj, why);
			goto out;
		}
	}
	for (i = 0; i < c->n; i++)
		if (add_ca(s, c->c[i].x) == -1) {
			cert_fail(err, errlen, "%s: out of memory", name);
			goto out;
		}
	rc = 0;
out:
	cert_free(c);
	return (rc);
}

int
cert_store_add_ca_file(struct cert_store *s, const char *path, char *err,
    size_t errlen)
{
	uint8_t *buf;
	size_t len, cap;
	int rc;

	if (cert_read_file(path, &buf, &len, &cap, err, errlen) == -1)
		return (-1);
	rc = cert_store_add_ca(s, path, buf, len, err, errlen);
	freezero(buf, cap);
	return (rc);
}

static void
crls_free(X509_CRL **crls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		X509_CRL_free(crls[i]);
}

int
cert_store_add_crl(struct cert_store *s, const char *name, const void *buf,
    size_t len, char *err, size_t errlen)
{
	X509_CRL *crls[CRLS_PER_FILE];
	const unsigned char *p;
	const ASN1_TIME *next, *last;
	unsigned long e;
	char iss[128], when[64], why[128];
	size_t n = 0, i;
	time_t now = time(NULL);
	BIO *bio;

	if (len == 0)
		return (cert_fail(err, errlen, "%s: empty", name));
	if (len > CERT_FILE_MAX)
		return (cert_fail(err, errlen, "%s: too large (%zu bytes, at "
		    "most %d)", name, len, CERT_FILE_MAX));
	if (!cert_is_pem(buf, len)) {
		p = buf;
		if ((crls[0] = d2i_X509_CRL(NULL, &p, (long)len)) == NULL) {
			ERR_clear_error();
			return (cert_fail(err, errlen, "%s: not a CRL "
			    "(neither PEM nor DER X.509 CRL)", name));
		}
		n = 1;
		if (p != (const unsigned char *)buf + len) {
			crls_free(crls, n);
			return (cert_fail(err, errlen, "%s: bytes after the "
			    "DER CRL", name));
		}
	} else {
		if (cert_pem_has_key(buf, len))
			return (cert_fail(err, errlen, "%s: holds a private "
			    "key, not only CRLs", name));
		if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return (cert_fail(err, errlen, "%s: out of memory",
			    name));
		for (;;) {
			ERR_clear_error();
			crls[n] = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);
			if (crls[n] == NULL) {
				e = ERR_peek_last_error();
				if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
				    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
					ERR_clear_error();
					break;
				}
				BIO_free(bio);
				crls_free(crls, n);
				return (cert_fail(err, errlen, "%s: CRL "
				    "%zu: %s", name, n + 1,
				    cert_ossl_reason(why, sizeof(why))));
			}
			if (++n == CRLS_PER_FILE) {
				BIO_free(bio);
				crls_free(crls, n);
				return (cert_fail(err, errlen, "%s: more than "
				    "%d CRLs", name, CRLS_PER_FILE - 1));
			}
		}
		BIO_free(bio);
		if (n == 0)
			return (cert_fail(err, errlen, "%s: no CRL in it (no "
			    "PEM X509 CRL block)", name));
	}
	for (i = 0; i < n; i++) {
		cert_name_text(X509_CRL_get_issuer(crls[i]), iss, sizeof(iss));
		next = X509_CRL_get0_nextUpdate(crls[i]);
		last = X509_CRL_get0_lastUpdate(crls[i]);
		if (next != NULL && X509_cmp_time(next, &now) < 0) {
			cert_time_text(next, when, sizeof(when));
			warn(s, "%s: the CRL of \"%s\" expired on %s",
			    name, iss, when);
		} else if (last != NULL && X509_cmp_time(last, &now) > 0) {
			cert_time_text(last, when, sizeof(when));
			warn(s, "%s: the CRL of \"%s\" is not valid before %s",
			    name, iss, when);
		}
		ERR_clear_error();
		if (X509_STORE_add_crl(s->st, crls[i]) != 1) {
			crls_free(crls, n);
			ERR_clear_error();
			return (cert_fail(err, errlen, "%s: cannot add CRL %zu",
			    name, i + 1));
		}
		s->ncrls++;
	}
	crls_free(crls, n);
	return (0);
}

int
cert_store_add_crl_file(struct cert_store *s, const char *path, char *err,
    size_t errlen)
{
	uint8_t *buf;
	size_t len, cap;
	int rc;

	if (cert_read_file(path, &buf, &len, &cap, err, errlen) == -1)
		return (-1);
	rc = cert_store_add_crl(s, path, buf, len, err, errlen);
	freezero(buf, cap);
	return (rc);
}

/*
 * OpenSSL's hashed names: 8 hex digits, ".", then N (certificate) or
 * "r" N (CRL).  1 for a certificate, 2 for a CRL, 0 for anything else.
 */
static int
hashed_name(const char *n)
{
	int i, kind = 1;

	for (i = 0; i < 8; i++)
		if (!isxdigit((unsigned char)n[i]))
			return (0);
	if (n[8] != '.')
		return (0);
	n += 9;
	if (*n == 'r') {
		kind = 2;
		n++;
	}
	if (*n == '\0')
		return (0);
	for (; *n != '\0'; n++)
		if (!isdigit((unsigned char)*n))
			return (0);
	return (kind);
}

static int
name_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* The CA certificates of one hashed file, each checked on its own. */
static int
dir_cas(struct cert_store *s, const char *path)
{
	struct cert *c;
	char err[CERT_ERR_MAX], subj[128], why[128];
	uint8_t *buf;
	size_t len, cap, i;
	int added = 0;

	if (cert_read_file(path, &buf, &len, &cap, err, sizeof(err)) == -1) {
		warn(s, "%s (skipped)", err);
		return (0);
	}
	if ((c = cert_alloc()) == NULL) {
		freezero(buf, cap);
		return (-1);
	}
	if (cert_decode_x509s(path, buf, len, c, err, sizeof(err)) == -1)
		warn(s, "%s (skipped)", err);
	freezero(buf, cap);
	for (i = 0; i < c->n; i++) {
		if (ca_unusable(c->c[i].x, why, sizeof(why)) != NULL) {
			cert_name_text(X509_get_subject_name(c->c[i].x), subj,
			    sizeof(subj));
			warn(s, "%s: certificate \"%s\" %s (skipped)", path,
			    subj, why);
			continue;
		}
		if (add_ca(s, c->c[i].x) == -1) {
			cert_free(c);
			return (-1);
		}
		added++;
	}
	cert_free(c);
	return (added);
}

int
cert_store_add_dir(struct cert_store *s, const char *path, unsigned what,
    char *err, size_t errlen)
{
	DIR *d;
	struct dirent *de;
	char **names = NULL, **nn, full[1024], e[CERT_ERR_MAX];
	size_t n = 0, i;
	int kind, added = 0, k, rc = -1;
	bool capped = false;

	if ((d = opendir(path)) == NULL)
		return (cert_fail(err, errlen, "%s: %s", path,
		    strerror(errno)));
	while ((de = readdir(d)) != NULL) {
		if ((kind = hashed_name(de->d_name)) == 0 ||
		    (kind == 1 && !(what & CERT_DIR_CAS)) ||
		    (kind == 2 && !(what & CERT_DIR_CRLS)))
			continue;
		if (n == CERT_DIR_MAX) {
			capped = true;
			break;
		}
		if ((nn = reallocarray(names, n + 1, sizeof(*names))) == NULL)
			goto nomem;
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto nomem;
		n++;
	}
	(void)closedir(d);
	d = NULL;
	if (capped)
		warn(s, "%s: more than %d hashed files; only the first %d are "
		    "read", path, CERT_DIR_MAX, CERT_DIR_MAX);
	/* The order of the CRs we send does not depend on readdir(). */
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	for (i = 0; i < n; i++) {
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path,
		    names[i]) >= sizeof(full)) {
			warn(s, "%s/%s: path too long (skipped)", path,
			    names[i]);
			continue;
		}
		if (hashed_name(names[i]) == 1) {
			if ((k = dir_cas(s, full)) == -1)
				goto nomem;
			added += k;
		} else if (cert_store_add_crl_file(s, full, e,
		    sizeof(e)) == -1)
			warn(s, "%s (skipped)", e);
		else
			added++;
	}
	rc = added;
	goto out;
nomem:
	cert_fail(err, errlen, "%s: out of memory", path);
out:
	if (d != NULL)
		(void)closedir(d);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (rc);
}

int
cert_store_load_remote(const struct rcn_config *cfg,
    const struct rcn_remote *r, cert_warn_fn *warnfn, void *warnarg,
    struct cert_store **sp, char *err, size_t errlen)
{
	struct cert_store *s;
	unsigned what = CERT_DIR_CRLS;

	*sp = NULL;
	if ((s = cert_store_new()) == NULL)
		return (cert_fail(err, errlen, "out of memory"));
	cert_store_set_warn(s, warnfn, warnarg);
	if (r->ca_file != NULL) {
		if (cert_store_add_ca_file(s, r->ca_file, err, errlen) == -1)
			goto fail;
	} else
		what |= CERT_DIR_CAS;
	if (r->crl_file != NULL &&
	    cert_store_add_crl_file(s, r->crl_file, err, errlen) == -1)
		goto fail;
	if (cfg->path_certificate != NULL &&
	    cert_store_add_dir(s, cfg->path_certificate, what, err,
	    errlen) == -1)
		goto fail;
	*sp = s;
	return (0);
fail:
	cert_store_free(s);
	return (-1);
}

/* ---------------------------------------------------------- verifying */

struct vctx {
	unsigned		 flags;
	struct cert_verdict	*v;
	int			 error;	/* the first refusal */
	int			 depth;
	char			 what[CERT_ERR_MAX];
};

static void
note(struct vctx *vc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void
note(struct vctx *vc, const char *fmt, ...)
{
	va_list ap;

	if (vc->v->warning[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(vc->v->warning, sizeof(vc->v->warning), fmt, ap);
	va_end(ap);
}

static int
verify_cb(int ok, X509_STORE_CTX *ctx)
{
	struct vctx *vc = X509_STORE_CTX_get_app_data(ctx);
	const X509_CRL *crl;
	X509 *cur;
	char subj[128], iss[128], when[64];
	int e;

	if (ok)
		return (1);
	e = X509_STORE_CTX_get_error(ctx);
	cur = X509_STORE_CTX_get_current_cert(ctx);
	cert_name_text(cur != NULL ? X509_get_subject_name(cur) : NULL, subj,
	    sizeof(subj));
	crl = X509_STORE_CTX_get0_current_crl(ctx);
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_CRL:
		/* racoon's policy: an issuer without a CRL is not fatal. */
		cert_name_text(cur != NULL ? X509_get_issuer_name(cur) : NULL,
		    iss, sizeof(iss));
		note(vc, "no CRL from \"%s\": revocation of \"%s\" not "
		    "checked", iss, subj);
		return (1);
	case X509_V_ERR_CRL_HAS_EXPIRED:
		cert_name_text(crl != NULL ? X509_CRL_get_issuer(crl) : NULL,
		    iss, sizeof(iss));
		cert_time_text(crl != NULL ? X509_CRL_get0_nextUpdate(crl) :
		    NULL, when, sizeof(when));
		if (vc->flags & CERT_VF_CRL_LAX) {
			note(vc, "the CRL of \"%s\" expired on %s (used all "
			    "the same)", iss, when);
			return (1);
		}
		if (vc->error == 0)
			(void)snprintf(vc->what, sizeof(vc->what), "the CRL "
			    "of \"%s\" expired on %s", iss, when);
		break;
	case X509_V_ERR_CERT_HAS_EXPIRED:
		if (vc->error == 0 && cur != NULL) {
			cert_time_text(X509_get0_notAfter(cur), when,
			    sizeof(when));
			(void)snprintf(vc->what, sizeof(vc->what), "\"%s\" "
			    "expired on %s", subj, when);
		}
		break;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		if (vc->error == 0 && cur != NULL) {
			cert_time_text(X509_get0_notBefore(cur), when,
			    sizeof(when));
			(void)snprintf(vc->what, sizeof(vc->what), "\"%s\" "
			    "is not valid before %s", subj, when);
		}
		break;
	case X509_V_ERR_CERT_REVOKED:
		if (vc->error == 0)
			(void)snprintf(vc->what, sizeof(vc->what), "\"%s\" "
			    "is revoked", subj);
		break;
	default:
		break;
	}
	if (vc->error == 0) {
		vc->error = e;
		vc->depth = X509_STORE_CTX_get_error_depth(ctx);
		if (vc->what[0] == '\0')
			(void)snprintf(vc->what, sizeof(vc->what),
			    "%s (\"%s\")", X509_verify_cert_error_string(e),
			    subj);
	}
	return (0);
}

/* Failures about who issued what, as racoon reported them. */
static int
error_notify(int e)
{
	switch (e) {
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
		return (ISAKMP_NTYPE_INVALID_CERT_AUTHORITY);
	default:
		return (ISAKMP_NTYPE_INVALID_CERTIFICATE);
	}
}

int
cert_verify(const struct cert_store *s, const struct cert *peer, time_t now,
    unsigned flags, struct cert_verdict *v)
{
	X509_STORE_CTX *ctx = NULL;
	STACK_OF(X509) *untrusted = NULL;
	X509_VERIFY_PARAM *param;
	X509 *leaf = peer->c[0].x;
	struct vctx vc;
	char subj[128], why[128];
	size_t i;
	uint32_t ku;
	int r;

	memset(v, 0, sizeof(*v));
	memset(&vc, 0, sizeof(vc));
	vc.flags = flags;
	vc.v = v;
	v->notify = ISAKMP_NTYPE_INVALID_CERTIFICATE;
	cert_subject_text(peer, subj, sizeof(subj));
	if ((ctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_new_null()) == NULL)
		goto nomem;
	for (i = 1; i < peer->n; i++)
		if (sk_X509_push(untrusted, peer->c[i].x) <= 0)
			goto nomem;
	if (X509_STORE_CTX_init(ctx, s->st, leaf, untrusted) != 1)
		goto nomem;
	param = X509_STORE_CTX_get0_param(ctx);
	(void)X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_ANY);
	X509_VERIFY_PARAM_set_depth(param, CERT_CHAIN_MAX);
	if (now != 0)
		X509_VERIFY_PARAM_set_time(param, now);
	if (s->ncrls > 0)
		(void)X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK |
		    X509_V_FLAG_CRL_CHECK_ALL);
	(void)X509_STORE_CTX_set_app_data(ctx, &vc);
	X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
	r = X509_verify_cert(ctx);
	if (r != 1) {
		if (vc.error == 0) {
			/* Refused without the callback (an internal error). */
			vc.error = X509_STORE_CTX_get_error(ctx);
			vc.depth = X509_STORE_CTX_get_error_depth(ctx);
			(void)snprintf(vc.what, sizeof(vc.what), "%s",
			    X509_verify_cert_error_string(vc.error));
		}
		v->x509_error = vc.error;
		v->depth = vc.depth;
		v->notify = error_notify(vc.error);
		cert_fail(v->reason, sizeof(v->reason), "certificate \"%s\" "
		    "refused: %s", subj, vc.what);
		goto fail;
	}
	/* RFC 4945 5.1.3.2: a key usage that does not allow signing. */
	ku = X509_get_key_usage(leaf);
	if ((X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) &&
	    !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION))) {
		cert_fail(v->reason, sizeof(v->reason), "certificate \"%s\" "
		    "refused: its keyUsage has neither digitalSignature nor "
		    "nonRepudiation", subj);
		goto fail;
	}
	if (cert_keytype(peer) == CERT_KEY_NONE) {
		cert_pkey_why(X509_get0_pubkey(leaf), why, sizeof(why));
		cert_fail(v->reason, sizeof(v->reason), "certificate \"%s\" "
		    "refused: it has %s", subj, why);
		goto fail;
	}
	v->notify = 0;
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return (0);
nomem:
	cert_fail(v->reason, sizeof(v->reason), "certificate \"%s\" not "
	    "verified: out of memory", subj);
fail:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return (-1);
}

/* -------------------------------------------------------------- CRs */

size_t
cert_store_crs(const struct cert_store *s, struct isakmp_cert *out,
    size_t max)
{
	size_t i;

	for (i = 0; i < s->ndns && i < max; i++) {
		out[i].encoding = ISAKMP_CERT_X509_SIGN;
		out[i].data = s->dns[i].der;
		out[i].len = s->dns[i].len;
	}
	return (s->ndns);
}

bool
cert_matches_cr(const struct cert *mine, const struct isakmp_cert *cr,
    bool match_empty)
{
	const unsigned char *p;
	X509_NAME *dn;
	size_t i;
	bool match = false;

	if (cr->encoding != ISAKMP_CERT_X509_SIGN)
		return (false);
	if (cr->len == 0)
		return (match_empty);
	if (cr->len > CERT_DN_MAX)
		return (false);
	p = cr->data;
	if ((dn = d2i_X509_NAME(NULL, &p, (long)cr->len)) == NULL) {
		ERR_clear_error();
		return (false);
	}
	/* The issuer of any of them: the CA of the end entity or above. */
	if (p == cr->data + cr->len && X509_NAME_entry_count(dn) > 0)
		for (i = 0; i < mine->n && !match; i++)
			match = X509_NAME_cmp(X509_get_issuer_name(
			    mine->c[i].x), dn) == 0;
	X509_NAME_free(dn);
	ERR_clear_error();
	return (match);
}

int
cert_choose_for_crs(const struct cert *const *mine, size_t n,
    const struct isakmp_cert *crs, size_t ncrs, bool match_empty)
{
	size_t i, k;

	for (i = 0; i < n; i++)
		for (k = 0; k < ncrs; k++)
			if (mine[i] != NULL &&
			    cert_matches_cr(mine[i], &crs[k], match_empty))
				return ((int)i);
	return (-1);
}
