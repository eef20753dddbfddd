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
 * cert.c: certificates (files, CERT payloads), their names, validity
 * times, key types, and the check of a peer's SIG payload.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert_local.h"

#define CERT_HASH_MAX	64	/* SHA2-512, the longest HASH_I */

/* ------------------------------------------------------------ helpers */

int
cert_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

int
cert_read_file(const char *path, uint8_t **bufp, size_t *lenp, size_t *capp,
    char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	size_t cap, got = 0;
	ssize_t n;
	int fd, save;

	*bufp = NULL;
	*lenp = *capp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return (cert_fail(err, errlen, "%s: %s", path,
		    strerror(errno)));
	if (fstat(fd, &st) == -1) {
		save = errno;
		(void)close(fd);
		return (cert_fail(err, errlen, "%s: %s", path,
		    strerror(save)));
	}
	if (!S_ISREG(st.st_mode)) {
		(void)close(fd);
		return (cert_fail(err, errlen, "%s: not a regular file", path));
	}
	if (st.st_size > CERT_FILE_MAX) {
		(void)close(fd);
		return (cert_fail(err, errlen, "%s: too large (%lld bytes, at "
		    "most %d)", path, (long long)st.st_size, CERT_FILE_MAX));
	}
	if (st.st_size == 0) {
		(void)close(fd);
		return (cert_fail(err, errlen, "%s: empty file", path));
	}
	cap = (size_t)st.st_size + 1;
	if ((buf = malloc(cap)) == NULL) {
		(void)close(fd);
		return (cert_fail(err, errlen, "%s: out of memory", path));
	}
	/* Read what fstat saw; a file that grows meanwhile is cut there. */
	while (got < cap - 1) {
		n = read(fd, buf + got, cap - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			save = errno;
			(void)close(fd);
			freezero(buf, cap);
			return (cert_fail(err, errlen, "%s: %s", path,
			    strerror(save)));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	(void)close(fd);
	if (got == 0) {
		freezero(buf, cap);
		return (cert_fail(err, errlen, "%s: empty file", path));
	}
	buf[got] = '\0';
	*bufp = buf;
	*lenp = got;
	*capp = cap;
	return (0);
}

bool
cert_is_pem(const void *buf, size_t len)
{
	return (memmem(buf, len, "-----BEGIN ", 11) != NULL);
}

bool
cert_pem_has_key(const void *buf, size_t len)
{
	return (memmem(buf, len, "PRIVATE KEY-----", 16) != NULL);
}

const char *
cert_ossl_reason(char *buf, size_t len)
{
	unsigned long e;
	const char *r;

	e = ERR_get_error();
	r = e != 0 ? ERR_reason_error_string(e) : NULL;
	(void)snprintf(buf, len, "%s", r != NULL ? r : "libcrypto error");
	ERR_clear_error();
	return (buf);
}

/* Copy a memory BIO's text into buf (NUL-terminated, maybe cut). */
static void
bio_text(BIO *b, char *buf, size_t len, const char *empty)
{
	int n;

	if (len == 0)
		return;
	n = b != NULL ? BIO_read(b, buf, (int)(len - 1 < 4096 ? len - 1 :
	    4096)) : -1;
	if (n <= 0)
		(void)snprintf(buf, len, "%s", empty);
	else
		buf[n] = '\0';
}

void
cert_name_text(const X509_NAME *name, char *buf, size_t len)
{
	BIO *b;

	/* DER order (C first, as racoon.conf writes DNs), RFC 4514 escapes. */
	b = BIO_new(BIO_s_mem());
	if (b != NULL && name != NULL && X509_NAME_entry_count(name) > 0 &&
	    X509_NAME_print_ex(b, name, 0, XN_FLAG_SEP_CPLUS_SPC |
	    XN_FLAG_FN_SN | ASN1_STRFLGS_RFC2253) >= 0)
		bio_text(b, buf, len, "(empty)");
	else if (len > 0)
		(void)snprintf(buf, len, "(empty)");
	BIO_free(b);
	ERR_clear_error();
}

void
cert_time_text(const ASN1_TIME *t, char *buf, size_t len)
{
	BIO *b;

	b = BIO_new(BIO_s_mem());
	if (b != NULL && t != NULL &&
	    ASN1_TIME_print_ex(b, t, ASN1_DTFLGS_ISO8601) == 1)
		bio_text(b, buf, len, "?");
	else if (len > 0)
		(void)snprintf(buf, len, "?");
	BIO_free(b);
	ERR_clear_error();
}

enum cert_keytype
cert_pkey_keytype(const EVP_PKEY *pk)
{
	char g[64];
	size_t glen = 0;
	int bits, nid;

	if (pk == NULL)
		return (CERT_KEY_NONE);
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(pk);
		if (bits < CERT_RSA_MIN || EVP_PKEY_get_size(pk) > CERT_SIG_MAX)
			return (CERT_KEY_NONE);
		return (CERT_KEY_RSA);
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, g, sizeof(g), &glen) != 1) {
			ERR_clear_error();
			return (CERT_KEY_NONE);
		}
		nid = OBJ_sn2nid(g);
		if (nid == NID_X9_62_prime256v1)
			return (CERT_KEY_ECDSA_P256);
		if (nid == NID_secp384r1)
			return (CERT_KEY_ECDSA_P384);
		if (nid == NID_secp521r1)
			return (CERT_KEY_ECDSA_P521);
		return (CERT_KEY_NONE);
	default:
		return (CERT_KEY_NONE);
	}
}

void
cert_pkey_why(const EVP_PKEY *pk, char *buf, size_t len)
{
	char g[64];
	size_t glen = 0;

	if (pk == NULL) {
		(void)snprintf(buf, len, "no public key");
		return;
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		(void)snprintf(buf, len, "an RSA key of %d bits (%d to %d "
		    "are supported)", EVP_PKEY_get_bits(pk), CERT_RSA_MIN,
		    CERT_SIG_MAX * 8);
		break;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, g, sizeof(g), &glen) != 1)
			(void)snprintf(g, sizeof(g), "?");
		(void)snprintf(buf, len, "an EC key on curve %s (P-256, "
		    "P-384 and P-521 are supported)", g);
		break;
	default:
		(void)snprintf(buf, len, "an unsupported key type (%s); RSA "
		    "and ECDSA are supported", OBJ_nid2sn(
		    EVP_PKEY_get_base_id(pk)));
		break;
	}
	ERR_clear_error();
}

int
cert_keytype_method(enum cert_keytype t)
{
	switch (t) {
	case CERT_KEY_RSA:
		return (CERT_AUTH_RSASIG);
	case CERT_KEY_ECDSA_P256:
		return (CERT_AUTH_ECDSA_256);
	case CERT_KEY_ECDSA_P384:
		return (CERT_AUTH_ECDSA_384);
	case CERT_KEY_ECDSA_P521:
		return (CERT_AUTH_ECDSA_521);
	default:
		return (0);
	}
}

const char *
cert_keytype_name(enum cert_keytype t)
{
	switch (t) {
	case CERT_KEY_RSA:
		return ("RSA");
	case CERT_KEY_ECDSA_P256:
		return ("ECDSA P-256");
	case CERT_KEY_ECDSA_P384:
		return ("ECDSA P-384");
	case CERT_KEY_ECDSA_P521:
		return ("ECDSA P-521");
	default:
		return ("unsupported");
	}
}

/* Bytes of one coordinate (r or s) of the curve's signatures. */
static size_t
ecdsa_field_len(enum cert_keytype t)
{
	switch (t) {
	case CERT_KEY_ECDSA_P256:
		return (32);
	case CERT_KEY_ECDSA_P384:
		return (48);
	case CERT_KEY_ECDSA_P521:
		return (66);
	default:
		return (0);
	}
}

/* ------------------------------------------------- struct cert itself */

struct cert *
cert_alloc(void)
{
	return (calloc(1, sizeof(struct cert)));
}

int
cert_push(struct cert *c, X509 *x)
{
	uint8_t *der, *p;
	int len;

	if (c->n >= CERT_CHAIN_MAX)
		return (-1);
	if ((len = i2d_X509(x, NULL)) <= 0)
		return (-1);
	if ((der = malloc((size_t)len)) == NULL)
		return (-1);
	p = der;
	if (i2d_X509(x, &p) != len) {
		free(der);
		return (-1);
	}
	c->c[c->n].x = x;
	c->c[c->n].der = der;
	c->c[c->n].derlen = (size_t)len;
	c->n++;
	return (0);
}

static int
name_der(const X509_NAME *name, uint8_t **out, size_t *outlen)
{
	uint8_t *der = NULL;
	int len;

	if ((len = i2d_X509_NAME(name, &der)) <= 0)
		return (-1);
	*out = der;
	*outlen = (size_t)len;
	return (0);
}

int
cert_finish(struct cert *c)
{
	if (c->n == 0)
		return (-1);
	if (name_der(X509_get_subject_name(c->c[0].x), &c->subj,
	    &c->subjlen) == -1 || name_der(X509_get_issuer_name(c->c[0].x),
	    &c->iss, &c->isslen) == -1)
		return (-1);
	return (0);
}

void
cert_free(struct cert *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->n; i++) {
		X509_free(c->c[i].x);
		free(c->c[i].der);
	}
	OPENSSL_free(c->subj);
	OPENSSL_free(c->iss);
	free(c);
}

int
cert_decode_x509s(const char *name, const void *buf, size_t len,
    struct cert *c, char *err, size_t errlen)
{
	const unsigned char *p;
	unsigned long e;
	char why[128];
	BIO *bio;
	X509 *x;

	if (len == 0)
		return (cert_fail(err, errlen, "%s: empty", name));
	if (len > CERT_FILE_MAX || len > INT32_MAX)
		return (cert_fail(err, errlen, "%s: too large (%zu bytes, at "
		    "most %d)", name, len, CERT_FILE_MAX));
	if (!cert_is_pem(buf, len)) {
		p = buf;
		if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
			ERR_clear_error();
			return (cert_fail(err, errlen, "%s: not a certificate "
			    "(neither PEM nor DER X.509)", name));
		}
		if (p != (const unsigned char *)buf + len) {
			X509_free(x);
			return (cert_fail(err, errlen, "%s: %zu bytes after "
			    "the DER certificate", name,
			    len - (size_t)(p - (const unsigned char *)buf)));
		}
		if (cert_push(c, x) == -1) {
			X509_free(x);
			return (cert_fail(err, errlen, "%s: out of memory",
			    name));
		}
		return (0);
	}
	/*
	 * The IKE process never holds key material: a key that came along
	 * would be decoded and freed here without being wiped.
	 */
	if (cert_pem_has_key(buf, len))
		return (cert_fail(err, errlen, "%s: holds a private key, not "
		    "only certificates (keep the key in a file of its own)",
		    name));
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
		return (cert_fail(err, errlen, "%s: out of memory", name));
	for (;;) {
		ERR_clear_error();
		if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
			e = ERR_peek_last_error();
			if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
			    ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
				ERR_clear_error();
				break;
			}
			BIO_free(bio);
			return (cert_fail(err, errlen, "%s: certificate %zu: "
			    "%s", name, c->n + 1, cert_ossl_reason(why,
			    sizeof(why))));
		}
		if (c->n == CERT_CHAIN_MAX) {
			X509_free(x);
			BIO_free(bio);
			return (cert_fail(err, errlen, "%s: more than %d "
			    "certificates", name, CERT_CHAIN_MAX));
		}
		if (cert_push(c, x) == -1) {
			X509_free(x);
			BIO_free(bio);
			return (cert_fail(err, errlen, "%s: out of memory",
			    name));
		}
	}
	BIO_free(bio);
	if (c->n == 0)
		return (cert_fail(err, errlen, "%s: no certificate in it (no "
		    "PEM CERTIFICATE block)", name));
	return (0);
}

int
cert_load(const char *name, const void *buf, size_t len, unsigned flags,
    struct cert **cp, char *err, size_t errlen)
{
	struct cert *c;
	char subj[128], why[128];

	*cp = NULL;
	if ((c = cert_alloc()) == NULL)
		return (cert_fail(err, errlen, "%s: out of memory", name));
	if (cert_decode_x509s(name, buf, len, c, err, errlen) == -1) {
		cert_free(c);
		return (-1);
	}
	if (cert_finish(c) == -1) {
		cert_free(c);
		return (cert_fail(err, errlen, "%s: cannot encode the "
		    "certificate's names", name));
	}
	if ((flags & CERT_F_VALID_NOW) &&
	    cert_check_time(c, 0, why, sizeof(why)) == -1) {
		cert_subject_text(c, subj, sizeof(subj));
		cert_free(c);
		return (cert_fail(err, errlen, "%s: certificate \"%s\" %s",
		    name, subj, why));
	}
	*cp = c;
	return (0);
}

int
cert_load_file(const char *path, unsigned flags, struct cert **cp,
    char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len, cap;
	int rc;

	*cp = NULL;
	if (cert_read_file(path, &buf, &len, &cap, err, errlen) == -1)
		return (-1);
	rc = cert_load(path, buf, len, flags, cp, err, errlen);
	freezero(buf, cap);
	return (rc);
}

/* Add the certificates of a PKCS #7 signed-data bundle to xs[]. */
static int
pkcs7_certs(const uint8_t *data, size_t len, X509 **xs, size_t *nx,
    size_t max)
{
	const unsigned char *p = data;
	STACK_OF(X509) *sk = NULL;
	PKCS7 *p7;
	X509 *x;
	int i, rc = -1;

	if ((p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return (-1);
	}
	if (p != data + len || !PKCS7_type_is_signed(p7) ||
	    p7->d.sign == NULL)
		goto out;
	sk = p7->d.sign->cert;
	if (sk == NULL || sk_X509_num(sk) == 0)
		goto out;
	for (i = 0; i < sk_X509_num(sk); i++) {
		if (*nx == max)
			goto out;
		if ((x = X509_dup(sk_X509_value(sk, i))) == NULL)
			goto out;
		xs[(*nx)++] = x;
	}
	rc = 0;
out:
	PKCS7_free(p7);
	ERR_clear_error();
	return (rc);
}

int
cert_from_payloads(const struct isakmp_cert *pl, size_t n, struct cert **cp,
    int *notify, char *err, size_t errlen)
{
	X509 *xs[CERT_CHAIN_MAX + 1];
	const unsigned char *p;
	struct cert *c = NULL;
	size_t nx = 0, i, j, leaf;
	bool unsupported = false;
	int rc = -1;

	*cp = NULL;
	*notify = ISAKMP_NTYPE_INVALID_CERT_ENCODING;
	for (i = 0; i < n; i++) {
		if (pl[i].len == 0 || pl[i].len > CERT_FILE_MAX) {
			cert_fail(err, errlen, "CERT payload %zu: %zu bytes of "
			    "data", i + 1, pl[i].len);
			goto out;
		}
		switch (pl[i].encoding) {
		case ISAKMP_CERT_X509_SIGN:
			if (nx == CERT_CHAIN_MAX) {
				cert_fail(err, errlen, "more than %d "
				    "certificates from the peer",
				    CERT_CHAIN_MAX);
				goto out;
			}
			p = pl[i].data;
			xs[nx] = d2i_X509(NULL, &p, (long)pl[i].len);
			if (xs[nx] == NULL || p != pl[i].data + pl[i].len) {
				X509_free(xs[nx]);
				ERR_clear_error();
				cert_fail(err, errlen, "CERT payload %zu: not "
				    "one DER X.509 certificate", i + 1);
				goto out;
			}
			nx++;
			break;
		case ISAKMP_CERT_PKCS7:
			if (pkcs7_certs(pl[i].data, pl[i].len, xs, &nx,
			    CERT_CHAIN_MAX) == -1) {
				cert_fail(err, errlen, "CERT payload %zu: not "
				    "a PKCS #7 bundle of at most %d "
				    "certificates", i + 1, CERT_CHAIN_MAX);
				goto out;
			}
			break;
		case ISAKMP_CERT_CRL:
			/* CRLs come from the configuration only. */
			break;
		default:
			unsupported = true;
			break;
		}
	}
	if (nx == 0) {
		if (unsupported)
			*notify = ISAKMP_NTYPE_CERT_TYPE_UNSUPPORTED;
		cert_fail(err, errlen, "%s", n == 0 ? "no CERT payload" :
		    unsupported ? "no CERT payload of a supported encoding "
		    "(X.509 signature, PKCS #7)" : "no certificate in the "
		    "CERT payloads");
		goto out;
	}
	/*
	 * The end entity: the first certificate whose subject is no other's
	 * issuer.  Names only: whether the issuer may issue (basic
	 * constraints, key usage) is for cert_verify() to say, not a
	 * reason to take a CA's certificate for the peer's.
	 */
	leaf = 0;
	for (i = 0; i < nx; i++) {
		for (j = 0; j < nx; j++)
			if (j != i && X509_NAME_cmp(X509_get_subject_name(
			    xs[i]), X509_get_issuer_name(xs[j])) == 0)
				break;
		if (j == nx) {
			leaf = i;
			break;
		}
	}
	if ((c = cert_alloc()) == NULL) {
		cert_fail(err, errlen, "out of memory");
		goto out;
	}
	if (cert_push(c, xs[leaf]) == -1) {
		cert_fail(err, errlen, "out of memory");
		goto out;
	}
	xs[leaf] = NULL;
	for (i = 0; i < nx; i++) {
		if (xs[i] == NULL)
			continue;
		if (cert_push(c, xs[i]) == -1) {
			cert_fail(err, errlen, "out of memory");
			goto out;
		}
		xs[i] = NULL;
	}
	if (cert_finish(c) == -1) {
		cert_fail(err, errlen, "cannot encode the certificate's names");
		goto out;
	}
	*cp = c;
	c = NULL;
	*notify = 0;
	rc = 0;
out:
	for (i = 0; i < nx; i++)
		X509_free(xs[i]);
	cert_free(c);
	return (rc);
}

size_t
cert_count(const struct cert *c)
{
	return (c->n);
}

const uint8_t *
cert_der(const struct cert *c, size_t i, size_t *len)
{
	if (i >= c->n) {
		*len = 0;
		return (NULL);
	}
	*len = c->c[i].derlen;
	return (c->c[i].der);
}

const uint8_t *
cert_subject_der(const struct cert *c, size_t *len)
{
	*len = c->subjlen;
	return (c->subj);
}

const uint8_t *
cert_issuer_der(const struct cert *c, size_t *len)
{
	*len = c->isslen;
	return (c->iss);
}

void
cert_subject_text(const struct cert *c, char *buf, size_t len)
{
	cert_name_text(X509_get_subject_name(c->c[0].x), buf, len);
}

int
cert_x509_check_time(const X509 *x, time_t now, char *reason, size_t len)
{
	const ASN1_TIME *nb, *na;
	char when[64];
	time_t t = now != 0 ? now : time(NULL);

	nb = X509_get0_notBefore(x);
	na = X509_get0_notAfter(x);
	if (nb == NULL || na == NULL || X509_cmp_time(nb, &t) == 0 ||
	    X509_cmp_time(na, &t) == 0) {
		ERR_clear_error();
		return (cert_fail(reason, len, "has malformed validity times"));
	}
	if (X509_cmp_time(nb, &t) > 0) {
		cert_time_text(nb, when, sizeof(when));
		return (cert_fail(reason, len, "is not valid before %s", when));
	}
	if (X509_cmp_time(na, &t) < 0) {
		cert_time_text(na, when, sizeof(when));
		return (cert_fail(reason, len, "expired on %s", when));
	}
	return (0);
}

int
cert_check_time(const struct cert *c, time_t now, char *reason, size_t len)
{
	return (cert_x509_check_time(c->c[0].x, now, reason, len));
}

enum cert_keytype
cert_keytype(const struct cert *c)
{
	return (cert_pkey_keytype(X509_get0_pubkey(c->c[0].x)));
}

int
cert_auth_method(const struct cert *c)
{
	return (cert_keytype_method(cert_keytype(c)));
}

/* r | s (each `flen' bytes) as the DER ECDSA-Sig-Value OpenSSL takes. */
static int
ecdsa_rs_to_der(const uint8_t *sig, size_t flen, unsigned char **der)
{
	ECDSA_SIG *es;
	BIGNUM *r, *s;
	int len;

	r = BN_bin2bn(sig, (int)flen, NULL);
	s = BN_bin2bn(sig + flen, (int)flen, NULL);
	if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL) {
		BN_free(r);
		BN_free(s);
		return (-1);
	}
	if (ECDSA_SIG_set0(es, r, s) != 1) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		return (-1);
	}
	*der = NULL;
	len = i2d_ECDSA_SIG(es, der);
	ECDSA_SIG_free(es);
	return (len > 0 ? len : -1);
}

int
cert_verify_sig(const struct cert *c, int method, const uint8_t *hash,
    size_t hashlen, const uint8_t *sig, size_t siglen)
{
	EVP_PKEY *pk = X509_get0_pubkey(c->c[0].x);
	enum cert_keytype t = cert_pkey_keytype(pk);
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char *der = NULL;
	size_t flen;
	int derlen, ok = 0;

	if (t == CERT_KEY_NONE || cert_keytype_method(t) != method ||
	    hashlen == 0 || hashlen > CERT_HASH_MAX || siglen == 0 ||
	    siglen > CERT_SIG_MAX)
		return (-1);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pk, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) <= 0)
		goto out;
	if (t == CERT_KEY_RSA) {
		/* PKCS#1 v1.5 type 1 of the bare hash: no signature digest. */
		if (siglen > (size_t)EVP_PKEY_get_size(pk) ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
			goto out;
		ok = EVP_PKEY_verify(ctx, sig, siglen, hash, hashlen) == 1;
	} else {
		flen = ecdsa_field_len(t);
		if (siglen != 2 * flen ||
		    (derlen = ecdsa_rs_to_der(sig, flen, &der)) == -1)
			goto out;
		ok = EVP_PKEY_verify(ctx, der, (size_t)derlen, hash,
		    hashlen) == 1;
	}
out:
	OPENSSL_free(der);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return (ok ? 0 : -1);
}
