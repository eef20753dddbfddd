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
 * cert_key.c: private keys and the signatures of HASH_I/HASH_R.  Only
 * the process that holds the keys calls this.  A key lives in an EVP_PKEY
 * (whose free clears the private numbers); the file it came from is
 * wiped; so is every DER or signature buffer that held key material.
 */

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cert_local.h"

struct cert_key {
	EVP_PKEY	*pk;
	enum cert_keytype type;
};

/* No passphrase prompts, ever: a daemon has no terminal. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	return (-1);
}

int
cert_key_load(const char *name, const void *buf, size_t len,
    struct cert_key **kp, char *err, size_t errlen)
{
	struct cert_key *k;
	const unsigned char *p;
	EVP_PKEY *pk = NULL;
	char why[160];
	BIO *bio;

	*kp = NULL;
	if (len == 0)
		return (cert_fail(err, errlen, "%s: empty", name));
	if (len > CERT_FILE_MAX || len > INT32_MAX)
		return (cert_fail(err, errlen, "%s: too large (%zu bytes, at "
		    "most %d)", name, len, CERT_FILE_MAX));
	if (cert_is_pem(buf, len)) {
		if (memmem(buf, len, "BEGIN ENCRYPTED", 15) != NULL ||
		    memmem(buf, len, "4,ENCRYPTED", 11) != NULL)
			return (cert_fail(err, errlen, "%s: the private key "
			    "has a passphrase, which racoon-ng cannot give "
			    "(openssl pkey -in KEY -out NEWKEY removes it)",
			    name));
		if (!cert_pem_has_key(buf, len))
			return (cert_fail(err, errlen, "%s: not a private key "
			    "(no PEM PRIVATE KEY block%s)", name,
			    memmem(buf, len, "CERTIFICATE-----", 16) != NULL ?
			    "; it holds a certificate" : ""));
		if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL)
			return (cert_fail(err, errlen, "%s: out of memory",
			    name));
		pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
		if (pk == NULL)
			return (cert_fail(err, errlen, "%s: not a usable "
			    "private key: %s", name, cert_ossl_reason(why,
			    sizeof(why))));
	} else {
		p = buf;
		pk = d2i_AutoPrivateKey(NULL, &p, (long)len);
		if (pk == NULL || p != (const unsigned char *)buf + len) {
			EVP_PKEY_free(pk);
			ERR_clear_error();
			return (cert_fail(err, errlen, "%s: not a private key "
			    "(neither PEM nor DER, or with a passphrase)",
			    name));
		}
	}
	ERR_clear_error();
	if (!EVP_PKEY_is_a(pk, "RSA") && !EVP_PKEY_is_a(pk, "EC")) {
		cert_pkey_why(pk, why, sizeof(why));
		EVP_PKEY_free(pk);
		return (cert_fail(err, errlen, "%s: unsupported key type: %s",
		    name, why));
	}
	if (cert_pkey_keytype(pk) == CERT_KEY_NONE) {
		cert_pkey_why(pk, why, sizeof(why));
		EVP_PKEY_free(pk);
		return (cert_fail(err, errlen, "%s: unsupported key: %s", name,
		    why));
	}
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		EVP_PKEY_free(pk);
		return (cert_fail(err, errlen, "%s: out of memory", name));
	}
	k->pk = pk;
	k->type = cert_pkey_keytype(pk);
	*kp = k;
	return (0);
}

int
cert_key_load_file(const char *path, struct cert_key **kp, char *err,
    size_t errlen)
{
	uint8_t *buf;
	size_t len, cap;
	int rc;

	*kp = NULL;
	if (cert_read_file(path, &buf, &len, &cap, err, errlen) == -1)
		return (-1);
	rc = cert_key_load(path, buf, len, kp, err, errlen);
	freezero(buf, cap);
	return (rc);
}

void
cert_key_free(struct cert_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	freezero(k, sizeof(*k));
}

enum cert_keytype
cert_key_keytype(const struct cert_key *k)
{
	return (k->type);
}

int
cert_key_matches(const struct cert_key *k, const struct cert *c, char *err,
    size_t errlen)
{
	char subj[128];
	int r;

	r = EVP_PKEY_eq(k->pk, X509_get0_pubkey(c->c[0].x));
	ERR_clear_error();
	if (r == 1)
		return (0);
	cert_subject_text(c, subj, sizeof(subj));
	return (cert_fail(err, errlen, "the private key does not match the "
	    "certificate \"%s\"", subj));
}

size_t
cert_key_sig_len(const struct cert_key *k)
{
	switch (k->type) {
	case CERT_KEY_RSA:
		return ((size_t)EVP_PKEY_get_size(k->pk));
	case CERT_KEY_ECDSA_P256:
		return (64);
	case CERT_KEY_ECDSA_P384:
		return (96);
	case CERT_KEY_ECDSA_P521:
		return (132);
	default:
		return (0);
	}
}

ssize_t
cert_key_sign(const struct cert_key *k, int method, const uint8_t *hash,
    size_t hashlen, uint8_t *sig, size_t sigsize)
{
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char der[160];
	const unsigned char *p;
	const BIGNUM *r, *s;
	ECDSA_SIG *es = NULL;
	size_t want = cert_key_sig_len(k), len, flen;
	ssize_t rc = -1;

	if (cert_keytype_method(k->type) != method || hashlen == 0 ||
	    hashlen > 64 || want == 0 || sigsize < want)
		return (-1);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k->pk, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) <= 0)
		goto out;
	if (k->type == CERT_KEY_RSA) {
		/* RFC 2409 5.1 as racoon and strongSwan: PKCS#1 v1.5 type 1
		 * padding of the bare hash, no DigestInfo, no digest. */
		if (hashlen + 11 > want ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) <= 0)
			goto out;
		len = sigsize;
		if (EVP_PKEY_sign(ctx, sig, &len, hash, hashlen) <= 0 ||
		    len != want)
			goto out;
		rc = (ssize_t)len;
		goto out;
	}
	/* ECDSA over the hash as the digest; r | s on the wire. */
	len = sizeof(der);
	if (EVP_PKEY_sign(ctx, der, &len, hash, hashlen) <= 0)
		goto out;
	p = der;
	if ((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &r, &s);
	flen = want / 2;
	if (BN_bn2binpad(r, sig, (int)flen) != (int)flen ||
	    BN_bn2binpad(s, sig + flen, (int)flen) != (int)flen)
		goto out;
	rc = (ssize_t)want;
out:
	if (rc == -1)
		explicit_bzero(sig, sigsize);
	explicit_bzero(der, sizeof(der));
	ECDSA_SIG_free(es);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return (rc);
}
