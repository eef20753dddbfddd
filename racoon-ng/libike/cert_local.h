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

/* cert_local.h: what the cert*.c files share; not for other modules. */

#ifndef RACOON_NG_CERT_LOCAL_H
#define RACOON_NG_CERT_LOCAL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cert.h"

/* One X.509 certificate with its DER kept for the wire. */
struct cert_one {
	X509		*x;
	uint8_t		*der;
	size_t		 derlen;
};

/* The end-entity certificate is c[0]; the others are its chain. */
struct cert {
	struct cert_one	 c[CERT_CHAIN_MAX];
	size_t		 n;
	uint8_t		*subj;		/* DER of c[0]'s subject */
	size_t		 subjlen;
	uint8_t		*iss;		/* and issuer */
	size_t		 isslen;
};

/* Format a message into err; returns -1. */
int	 cert_fail(char *err, size_t errlen, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/*
 * Read a regular file of at most CERT_FILE_MAX bytes into a new buffer
 * of *cap bytes (NUL-terminated after *len); release it with
 * freezero(buf, cap).  0, or -1 with "PATH: reason".
 */
int	 cert_read_file(const char *path, uint8_t **buf, size_t *len,
	    size_t *cap, char *err, size_t errlen);
/* Whether a buffer looks like PEM (a "-----BEGIN " line). */
bool	 cert_is_pem(const void *buf, size_t len);
/* Whether PEM text holds a block whose label ends in "PRIVATE KEY". */
bool	 cert_pem_has_key(const void *buf, size_t len);
/* The first queued libcrypto reason (and clear the queue). */
const char *cert_ossl_reason(char *buf, size_t len);
/* Name and time as text. */
void	 cert_name_text(const X509_NAME *, char *, size_t);
void	 cert_time_text(const ASN1_TIME *, char *, size_t);
/* Key type of a public or private key. */
enum cert_keytype cert_pkey_keytype(const EVP_PKEY *);
/* Why a key is not one of cert_pkey_keytype()'s, for messages. */
void	 cert_pkey_why(const EVP_PKEY *, char *, size_t);
/* cert_check_time() of one X509. */
int	 cert_x509_check_time(const X509 *, time_t now, char *reason,
	    size_t len);
/* The signature method a key type goes with, and back. */
int	 cert_keytype_method(enum cert_keytype);
/* Append an X509 (owned from now on) to a cert; -1 when full/no memory. */
int	 cert_push(struct cert *, X509 *);
/* Allocate, and fill the name caches once c[0] is final. */
struct cert *cert_alloc(void);
int	 cert_finish(struct cert *);
/*
 * Decode X.509 certificates from PEM (all CERTIFICATE blocks) or one DER
 * certificate into `c'; `name' names them in messages.
 */
int	 cert_decode_x509s(const char *name, const void *buf, size_t len,
	    struct cert *c, char *err, size_t errlen);

#endif /* RACOON_NG_CERT_LOCAL_H */
