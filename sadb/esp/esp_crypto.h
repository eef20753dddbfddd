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
 * libesp's INTERNAL crypto backend interface (not installed, not used
 * outside sadb/esp).  The engine (esp.c) owns every packet format: it
 * parses and builds headers, chooses IVs, lays out the AAD, appends the
 * ESN high bits, truncates nothing itself and compares every ICV (in
 * constant time, esp_ct_equal()).  A backend only runs primitives on
 * byte ranges the engine hands it.
 *
 * What a backend must do:
 *
 *  - Provide a `const struct esp_crypto_ops'.  The OpenSSL backend
 *    (esp_openssl.c) is always built.  The Intel IPsec-MB backend lives
 *    in esp_ipsecmb.c, compiled only when HAVE_IPSECMB; that file defines
 *    `esp_ipsecmb_backend' (below) as a pointer to its ops, or NULL while
 *    it is a placeholder, in which case the backend reports itself as not
 *    available.
 *
 *  - supports(p): say whether it can run this cipher/MAC/key-length/ICV
 *    combination.  The engine asks before sa_init(); when the backend
 *    was asked for by name and cannot, esp_sa_new() fails with
 *    ESP_E_ALG.  ESP_BACKEND_AUTO takes a backend other than OpenSSL
 *    only when its preferred(p) says so.
 *
 *  - sa_init(p, &ctx): copy the keys it needs and set up every context
 *    once (key schedules, GHASH tables, HMAC inner/outer states).  The
 *    engine wipes its own copy of `p' afterwards.  Return 0 or ESP_E_*.
 *    sa_free(ctx): wipe (explicit_bzero) and free everything, NULL ok.
 *
 *  - Per packet, nothing may be allocated (no malloc in the primitives).
 *
 *  - Threads: the primitives may be called on one ctx from several
 *    threads at once (esp_output() runs concurrently on one SA, and
 *    input may run while output runs); the backend makes that safe (the
 *    OpenSSL backend keeps a small pool of contexts per SA).  sa_free()
 *    is never concurrent with anything else on the ctx.
 *
 *  - In place: `in' and `out' may be the same pointer (never partially
 *    overlapping).  Lengths of CBC data are multiples of 16 (the engine
 *    pads); CTR, GCM and ChaCha20-Poly1305 take any length (>= 0).
 *
 *  - Return 0 on success, ESP_E_CRYPTO when the library fails (the engine
 *    counts it and drops the packet), or the documented AEAD results.
 *
 * Algorithm conventions (the engine passes keys already split):
 *   AES-GCM (RFC 4106): key 16/24/32 bytes, salt 4 bytes; nonce =
 *	salt | iv8; ICV 8, 12 or 16 bytes (p->icvlen).
 *   ChaCha20-Poly1305 (RFC 7634): key 32, salt 4; nonce = salt | iv8;
 *	ICV 16.
 *   AES-CTR (RFC 3686): key 16/24/32, nonce 4 (the "salt"); counter
 *	block = nonce | iv8 | 00 00 00 01 (big-endian block counter from 1).
 *   AES-CBC (RFC 3602): key 16/24/32; iv 16 bytes.
 *   NULL (RFC 2410): cipher() copies in to out (memmove when they differ).
 *   HMAC-SHA1/SHA2-256/384/512 (RFC 2104, 2404, 4868): mac() writes the
 *	first p->maclen bytes of the HMAC (12, 16, 24, 32) over the
 *	concatenation of the segments.
 */

#ifndef PFKEYKIT_ESP_CRYPTO_H
#define PFKEYKIT_ESP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp.h"

enum esp_cipher {
	ESP_CIPHER_NONE = 0,		/* AH: no cipher at all */
	ESP_CIPHER_NULL,		/* ESP NULL encryption */
	ESP_CIPHER_AES_CBC,
	ESP_CIPHER_AES_CTR,
	ESP_CIPHER_AES_GCM,		/* AEAD */
	ESP_CIPHER_CHACHA20_POLY1305,	/* AEAD */
};

enum esp_mac {
	ESP_MAC_NONE = 0,		/* AEAD */
	ESP_MAC_HMAC_SHA1,		/* 20-byte key, ICV 12 */
	ESP_MAC_HMAC_SHA256,		/* 32-byte key, ICV 16 */
	ESP_MAC_HMAC_SHA384,		/* 48-byte key, ICV 24 */
	ESP_MAC_HMAC_SHA512,		/* 64-byte key, ICV 32 */
};

#define ESP_CIPHER_IS_AEAD(c) \
	((c) == ESP_CIPHER_AES_GCM || (c) == ESP_CIPHER_CHACHA20_POLY1305)

/* What sa_init() gets; pointers are valid only during the call. */
struct esp_crypto_params {
	enum esp_cipher	 cipher;
	const uint8_t	*ckey;		/* cipher key without salt/nonce */
	size_t		 ckeylen;	/* 16, 24, 32 (0 for NULL/NONE) */
	uint8_t		 salt[4];	/* GCM/ChaCha salt, CTR nonce */
	size_t		 icvlen;	/* AEAD tag bytes on the wire */
	enum esp_mac	 mac;
	const uint8_t	*mkey;		/* HMAC key (any length the SA has) */
	size_t		 mkeylen;
	size_t		 maclen;	/* truncated HMAC bytes on the wire */
};

/* A piece of the data to authenticate. */
struct esp_seg {
	const uint8_t	*p;
	size_t		 len;
};

/* aead_open() results beyond 0 (see below). */
#define ESP_CRYPTO_VERIFIED	1

/* One AEAD packet of a burst (optional interface, see seal_burst). */
struct esp_aead_job {
	const uint8_t	*iv;		/* 8 bytes */
	const uint8_t	*aad;
	size_t		 aadlen;	/* 8 or 12 */
	const uint8_t	*in;
	uint8_t		*out;
	size_t		 len;
	uint8_t		*tag;		/* icvlen bytes written */
	int		 status;	/* 0 or ESP_E_CRYPTO, per job */
};

struct esp_crypto_ops {
	const char	*name;		/* "openssl", "ipsec-mb" */
	enum esp_backend id;

	bool	(*supports)(const struct esp_crypto_params *);
	/*
	 * Optional (NULL: never): whether ESP_BACKEND_AUTO should pick this
	 * backend over OpenSSL for these parameters (it is measurably
	 * faster).  Only asked of backends other than OpenSSL.
	 */
	bool	(*preferred)(const struct esp_crypto_params *);
	int	(*sa_init)(const struct esp_crypto_params *, void **ctx);
	void	(*sa_free)(void *ctx);

	/* HMAC over seg[0..nseg) (nseg <= 4), p->maclen bytes to icv. */
	int	(*mac)(void *ctx, const struct esp_seg *seg, unsigned nseg,
		    uint8_t *icv);

	/*
	 * NULL/CBC/CTR: encrypt (enc) or decrypt in[0..len) to out.  iv:
	 * 16 bytes for CBC, 8 for CTR (the wire IV), ignored for NULL.
	 */
	int	(*cipher)(void *ctx, bool enc, const uint8_t *iv,
		    const uint8_t *in, size_t len, uint8_t *out);

	/*
	 * AEAD seal: encrypt in[0..len) to out, tag (p->icvlen bytes) to
	 * tag; aad is SPI|seq (8 bytes) or SPI|seq_hi|seq_lo (12, ESN).
	 */
	int	(*aead_seal)(void *ctx, const uint8_t *iv, const uint8_t *aad,
		    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
		    uint8_t *tag);

	/*
	 * AEAD open: decrypt in[0..len) to out and authenticate against
	 * icv (p->icvlen bytes, as received).  A backend that can compute
	 * the tag writes it to `tag' and returns 0: the ENGINE compares it
	 * with icv in constant time (the preferred way).  A backend whose
	 * library verifies internally and cannot expose the tag (OpenSSL's
	 * EVP does not return the computed GCM/Poly1305 tag on decryption;
	 * it compares with CRYPTO_memcmp) returns ESP_CRYPTO_VERIFIED when
	 * it matched or ESP_E_AUTH when not.  Either way the engine wipes
	 * out[0..len) when authentication fails.
	 */
	int	(*aead_open)(void *ctx, const uint8_t *iv, const uint8_t *aad,
		    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
		    const uint8_t *icv, uint8_t *tag);

	/*
	 * Optional (NULL: the engine calls cipher() then mac()): encrypt
	 * in[0..len) to out with iv, then MAC auth[0..authlen) followed by
	 * esnhi[0..4) when esnhi is not NULL, into icv.  out lies inside
	 * the authenticated range and ends at auth + authlen.  A backend
	 * that chains cipher and hash in one pass implements it.
	 */
	int	(*cipher_mac)(void *ctx, const uint8_t *iv, const uint8_t *in,
		    size_t len, uint8_t *out, const uint8_t *auth,
		    size_t authlen, const uint8_t *esnhi, uint8_t *icv);

	/*
	 * Optional (NULL: the engine loops over aead_seal()): seal n jobs
	 * of one SA at once (a burst); each job's status says how it went.
	 * Returns 0 when every job succeeded.
	 */
	int	(*seal_burst)(void *ctx, struct esp_aead_job *jobs, size_t n);
};

/* The backends (esp_openssl.c, esp_ipsecmb.c). */
extern const struct esp_crypto_ops esp_openssl_ops;
#ifdef HAVE_IPSECMB
/* NULL while esp_ipsecmb.c is a placeholder. */
extern const struct esp_crypto_ops *const esp_ipsecmb_backend;
#endif

/*
 * esp.c: the ops of a backend (NULL when not built in or a placeholder);
 * ESP_BACKEND_AUTO gives NULL.  Tests use it to run the primitives of
 * every backend against the same vectors.
 */
const struct esp_crypto_ops *esp_crypto_backend(enum esp_backend);

/* esp.c: constant-time equality of two ICVs (CRYPTO_memcmp). */
bool	esp_ct_equal(const uint8_t *, const uint8_t *, size_t);

#endif /* PFKEYKIT_ESP_CRYPTO_H */
