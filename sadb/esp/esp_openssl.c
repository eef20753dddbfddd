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
 * The OpenSSL (libcrypto EVP) crypto backend of libesp; see esp_crypto.h
 * for the contract.
 *
 * An EVP context is not safe for concurrent use, and esp_output() may run
 * on several threads for one SA, so each SA keeps a small pool of
 * "slots" (cipher contexts with the key schedule set, an HMAC work
 * context).  A packet takes a free slot with an atomic exchange and gives
 * it back after; slot 0 is made with the SA, the others only when every
 * existing slot is busy, i.e. once per level of concurrency and never per
 * packet.  Per packet only the IV is set on a context
 * (EVP_CipherInit_ex() with no cipher and no key keeps the key schedule
 * and, for GCM, the GHASH key).  HMAC keeps the inner and outer hash
 * states of the key (RFC 2104's K^ipad and K^opad blocks already
 * absorbed) and copies them into the slot's work context per packet.
 */

#include <sys/types.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "compat.h"
#include "esp_crypto.h"

#define OSSL_MAXSLOTS	16
#define HMAC_MAXBLOCK	128		/* SHA-384/512 block */

struct ossl_slot {
	atomic_bool	 busy;
	EVP_CIPHER_CTX	*enc;		/* NULL for NULL/NONE */
	EVP_CIPHER_CTX	*dec;		/* CBC only; else enc does both */
	EVP_MD_CTX	*md;		/* HMAC work context */
};

struct ossl_ctx {
	enum esp_cipher	 cipher;
	enum esp_mac	 mac;
	const EVP_CIPHER *evp_cipher;
	const EVP_MD	*evp_md;
	uint8_t		 ckey[32];
	size_t		 ckeylen;
	uint8_t		 salt[4];
	size_t		 icvlen;
	size_t		 maclen;
	size_t		 mdlen;
	EVP_MD_CTX	*ipad;		/* HMAC state after K ^ ipad */
	EVP_MD_CTX	*opad;		/* HMAC state after K ^ opad */
	pthread_mutex_t	 grow;
	atomic_uint	 nslots;
	struct ossl_slot slots[OSSL_MAXSLOTS];
};

static const EVP_CIPHER *
ossl_evp_cipher(enum esp_cipher c, size_t keylen)
{
	switch (c) {
	case ESP_CIPHER_AES_CBC:
		return (keylen == 16 ? EVP_aes_128_cbc() :
		    keylen == 24 ? EVP_aes_192_cbc() :
		    keylen == 32 ? EVP_aes_256_cbc() : NULL);
	case ESP_CIPHER_AES_CTR:
		return (keylen == 16 ? EVP_aes_128_ctr() :
		    keylen == 24 ? EVP_aes_192_ctr() :
		    keylen == 32 ? EVP_aes_256_ctr() : NULL);
	case ESP_CIPHER_AES_GCM:
		return (keylen == 16 ? EVP_aes_128_gcm() :
		    keylen == 24 ? EVP_aes_192_gcm() :
		    keylen == 32 ? EVP_aes_256_gcm() : NULL);
	case ESP_CIPHER_CHACHA20_POLY1305:
		return (keylen == 32 ? EVP_chacha20_poly1305() : NULL);
	default:
		return (NULL);
	}
}

static const EVP_MD *
ossl_evp_md(enum esp_mac m)
{
	switch (m) {
	case ESP_MAC_HMAC_SHA1:
		return (EVP_sha1());
	case ESP_MAC_HMAC_SHA256:
		return (EVP_sha256());
	case ESP_MAC_HMAC_SHA384:
		return (EVP_sha384());
	case ESP_MAC_HMAC_SHA512:
		return (EVP_sha512());
	default:
		return (NULL);
	}
}

static bool
ossl_supports(const struct esp_crypto_params *p)
{
	size_t mdlen;

	switch (p->cipher) {
	case ESP_CIPHER_NONE:
	case ESP_CIPHER_NULL:
		if (p->ckeylen != 0)
			return (false);
		break;
	case ESP_CIPHER_AES_GCM:
		if (p->icvlen != 8 && p->icvlen != 12 && p->icvlen != 16)
			return (false);
		/* FALLTHROUGH */
	case ESP_CIPHER_CHACHA20_POLY1305:
		if (p->cipher == ESP_CIPHER_CHACHA20_POLY1305 &&
		    p->icvlen != 16)
			return (false);
		/* FALLTHROUGH */
	case ESP_CIPHER_AES_CBC:
	case ESP_CIPHER_AES_CTR:
		if (ossl_evp_cipher(p->cipher, p->ckeylen) == NULL)
			return (false);
		break;
	default:
		return (false);
	}
	if (ESP_CIPHER_IS_AEAD(p->cipher))
		return (p->mac == ESP_MAC_NONE);
	if (p->mac == ESP_MAC_NONE)
		return (p->cipher != ESP_CIPHER_NONE);
	if (ossl_evp_md(p->mac) == NULL)
		return (false);
	mdlen = (size_t)EVP_MD_get_size(ossl_evp_md(p->mac));
	return (p->maclen > 0 && p->maclen <= mdlen);
}

/* Make slot i's contexts (the slot is not visible to others yet). */
static int
ossl_slot_init(struct ossl_ctx *c, struct ossl_slot *s)
{
	if (c->evp_cipher != NULL) {
		if ((s->enc = EVP_CIPHER_CTX_new()) == NULL)
			return (ESP_E_NOMEM);
		if (EVP_CipherInit_ex(s->enc, c->evp_cipher, NULL, c->ckey,
		    NULL, 1) != 1)
			return (ESP_E_CRYPTO);
		/*
		 * Only CBC pads (and the engine pads it already); setting
		 * the flag elsewhere costs a parameter round trip on every
		 * EVP_CipherInit_ex() in OpenSSL 3.
		 */
		if (c->cipher == ESP_CIPHER_AES_CBC &&
		    EVP_CIPHER_CTX_set_padding(s->enc, 0) != 1)
			return (ESP_E_CRYPTO);
		if (c->cipher == ESP_CIPHER_AES_CBC) {
			if ((s->dec = EVP_CIPHER_CTX_new()) == NULL)
				return (ESP_E_NOMEM);
			if (EVP_CipherInit_ex(s->dec, c->evp_cipher, NULL,
			    c->ckey, NULL, 0) != 1 ||
			    EVP_CIPHER_CTX_set_padding(s->dec, 0) != 1)
				return (ESP_E_CRYPTO);
		}
	}
	if (c->evp_md != NULL) {
		if ((s->md = EVP_MD_CTX_new()) == NULL)
			return (ESP_E_NOMEM);
		/* A first copy sets the digest up; later ones reuse it. */
		if (EVP_MD_CTX_copy_ex(s->md, c->ipad) != 1)
			return (ESP_E_CRYPTO);
	}
	return (0);
}

static void
ossl_slot_free(struct ossl_slot *s)
{
	/* EVP_*_free() cleanse the key schedules and hash states. */
	EVP_CIPHER_CTX_free(s->enc);
	EVP_CIPHER_CTX_free(s->dec);
	EVP_MD_CTX_free(s->md);
	s->enc = s->dec = NULL;
	s->md = NULL;
}

static void
ossl_sa_free(void *vctx)
{
	struct ossl_ctx *c = vctx;
	unsigned i;

	if (c == NULL)
		return;
	for (i = 0; i < OSSL_MAXSLOTS; i++)
		ossl_slot_free(&c->slots[i]);
	EVP_MD_CTX_free(c->ipad);
	EVP_MD_CTX_free(c->opad);
	pthread_mutex_destroy(&c->grow);
	freezero(c, sizeof(*c));
}

static int
ossl_hmac_setup(struct ossl_ctx *c, const uint8_t *key, size_t keylen)
{
	uint8_t k[HMAC_MAXBLOCK], pad[HMAC_MAXBLOCK];
	unsigned int klen;
	size_t bs, i;
	int rc = ESP_E_CRYPTO;

	bs = (size_t)EVP_MD_get_block_size(c->evp_md);
	if (bs > sizeof(k))
		return (ESP_E_CRYPTO);
	memset(k, 0, sizeof(k));
	if (keylen > bs) {
		/* RFC 2104: a key longer than the block is hashed first. */
		if (EVP_Digest(key, keylen, k, &klen, c->evp_md, NULL) != 1)
			goto out;
	} else if (keylen > 0)
		memcpy(k, key, keylen);
	if ((c->ipad = EVP_MD_CTX_new()) == NULL ||
	    (c->opad = EVP_MD_CTX_new()) == NULL) {
		rc = ESP_E_NOMEM;
		goto out;
	}
	for (i = 0; i < bs; i++)
		pad[i] = k[i] ^ 0x36;
	if (EVP_DigestInit_ex(c->ipad, c->evp_md, NULL) != 1 ||
	    EVP_DigestUpdate(c->ipad, pad, bs) != 1)
		goto out;
	for (i = 0; i < bs; i++)
		pad[i] = k[i] ^ 0x5c;
	if (EVP_DigestInit_ex(c->opad, c->evp_md, NULL) != 1 ||
	    EVP_DigestUpdate(c->opad, pad, bs) != 1)
		goto out;
	rc = 0;
 out:
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	return (rc);
}

static int
ossl_sa_init(const struct esp_crypto_params *p, void **ctxp)
{
	struct ossl_ctx *c;
	int rc;

	*ctxp = NULL;
	if (!ossl_supports(p))
		return (ESP_E_ALG);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (ESP_E_NOMEM);
	if (pthread_mutex_init(&c->grow, NULL) != 0) {
		free(c);
		return (ESP_E_NOMEM);
	}
	c->cipher = p->cipher;
	c->mac = p->mac;
	c->icvlen = p->icvlen;
	c->maclen = p->maclen;
	memcpy(c->salt, p->salt, sizeof(c->salt));
	if (p->cipher != ESP_CIPHER_NONE && p->cipher != ESP_CIPHER_NULL) {
		c->evp_cipher = ossl_evp_cipher(p->cipher, p->ckeylen);
		memcpy(c->ckey, p->ckey, p->ckeylen);
		c->ckeylen = p->ckeylen;
	}
	if (p->mac != ESP_MAC_NONE) {
		c->evp_md = ossl_evp_md(p->mac);
		c->mdlen = (size_t)EVP_MD_get_size(c->evp_md);
		if ((rc = ossl_hmac_setup(c, p->mkey, p->mkeylen)) != 0)
			goto fail;
	}
	if ((rc = ossl_slot_init(c, &c->slots[0])) != 0)
		goto fail;
	atomic_store(&c->nslots, 1);
	*ctxp = c;
	return (0);
 fail:
	ossl_sa_free(c);
	return (rc);
}

/* Take a free slot; makes a new one when all are busy. */
static struct ossl_slot *
ossl_slot_get(struct ossl_ctx *c)
{
	struct ossl_slot *s;
	unsigned i, n;

	for (;;) {
		n = atomic_load_explicit(&c->nslots, memory_order_acquire);
		for (i = 0; i < n; i++) {
			s = &c->slots[i];
			if (!atomic_exchange_explicit(&s->busy, true,
			    memory_order_acquire))
				return (s);
		}
		if (n < OSSL_MAXSLOTS) {
			pthread_mutex_lock(&c->grow);
			if (atomic_load(&c->nslots) == n) {
				s = &c->slots[n];
				if (ossl_slot_init(c, s) != 0) {
					ossl_slot_free(s);
					pthread_mutex_unlock(&c->grow);
					sched_yield();
					continue;
				}
				atomic_store_explicit(&s->busy, true,
				    memory_order_relaxed);
				atomic_store_explicit(&c->nslots, n + 1,
				    memory_order_release);
				pthread_mutex_unlock(&c->grow);
				return (s);
			}
			pthread_mutex_unlock(&c->grow);
			continue;
		}
		sched_yield();
	}
}

static void
ossl_slot_put(struct ossl_slot *s)
{
	atomic_store_explicit(&s->busy, false, memory_order_release);
}

static int
ossl_mac(void *vctx, const struct esp_seg *seg, unsigned nseg, uint8_t *icv)
{
	struct ossl_ctx *c = vctx;
	struct ossl_slot *s;
	uint8_t inner[EVP_MAX_MD_SIZE], full[EVP_MAX_MD_SIZE];
	unsigned int len;
	unsigned i;
	int rc = ESP_E_CRYPTO;

	if (c->evp_md == NULL)
		return (ESP_E_CRYPTO);
	s = ossl_slot_get(c);
	if (EVP_MD_CTX_copy_ex(s->md, c->ipad) != 1)
		goto out;
	for (i = 0; i < nseg; i++)
		if (seg[i].len > 0 &&
		    EVP_DigestUpdate(s->md, seg[i].p, seg[i].len) != 1)
			goto out;
	if (EVP_DigestFinal_ex(s->md, inner, &len) != 1)
		goto out;
	if (EVP_MD_CTX_copy_ex(s->md, c->opad) != 1 ||
	    EVP_DigestUpdate(s->md, inner, len) != 1 ||
	    EVP_DigestFinal_ex(s->md, full, &len) != 1)
		goto out;
	memcpy(icv, full, c->maclen);
	rc = 0;
 out:
	ossl_slot_put(s);
	explicit_bzero(inner, sizeof(inner));
	explicit_bzero(full, sizeof(full));
	return (rc);
}

static int
ossl_cipher(void *vctx, bool enc, const uint8_t *iv, const uint8_t *in,
    size_t len, uint8_t *out)
{
	struct ossl_ctx *c = vctx;
	struct ossl_slot *s;
	EVP_CIPHER_CTX *x;
	uint8_t ctrblk[16];
	const uint8_t *ivp;
	int outl, rc = ESP_E_CRYPTO;

	switch (c->cipher) {
	case ESP_CIPHER_NULL:
		if (in != out && len > 0)
			memmove(out, in, len);
		return (0);
	case ESP_CIPHER_AES_CBC:
		if (len % 16 != 0)
			return (ESP_E_CRYPTO);
		ivp = iv;
		break;
	case ESP_CIPHER_AES_CTR:
		/* RFC 3686 4: nonce | IV | block counter starting at 1. */
		memcpy(ctrblk, c->salt, 4);
		memcpy(ctrblk + 4, iv, 8);
		ctrblk[12] = ctrblk[13] = ctrblk[14] = 0;
		ctrblk[15] = 1;
		ivp = ctrblk;
		break;
	default:
		return (ESP_E_CRYPTO);
	}
	if (len > INT32_MAX)
		return (ESP_E_CRYPTO);
	s = ossl_slot_get(c);
	x = (c->cipher == ESP_CIPHER_AES_CBC && !enc) ? s->dec : s->enc;
	if (EVP_CipherInit_ex(x, NULL, NULL, NULL, ivp,
	    x == s->dec ? 0 : 1) != 1)
		goto out;
	if (len > 0 && EVP_CipherUpdate(x, out, &outl, in, (int)len) != 1)
		goto out;
	rc = 0;
 out:
	ossl_slot_put(s);
	return (rc);
}

static int
ossl_aead(struct ossl_ctx *c, bool enc, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, const uint8_t *icv, uint8_t *tag)
{
	struct ossl_slot *s;
	uint8_t nonce[12], rtag[16];
	int outl, rc = ESP_E_CRYPTO;

	if (len > INT32_MAX || aadlen > 16)
		return (ESP_E_CRYPTO);
	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	s = ossl_slot_get(c);
	if (EVP_CipherInit_ex(s->enc, NULL, NULL, NULL, nonce,
	    enc ? 1 : 0) != 1)
		goto out;
	if (EVP_CipherUpdate(s->enc, NULL, &outl, aad, (int)aadlen) != 1)
		goto out;
	if (len > 0 &&
	    EVP_CipherUpdate(s->enc, out, &outl, in, (int)len) != 1)
		goto out;
	if (enc) {
		if (EVP_CipherFinal_ex(s->enc, out + len, &outl) != 1 ||
		    EVP_CIPHER_CTX_ctrl(s->enc, EVP_CTRL_AEAD_GET_TAG,
		    (int)c->icvlen, tag) != 1)
			goto out;
		rc = 0;
	} else {
		memcpy(rtag, icv, c->icvlen);
		if (EVP_CIPHER_CTX_ctrl(s->enc, EVP_CTRL_AEAD_SET_TAG,
		    (int)c->icvlen, rtag) != 1)
			goto out;
		/* Compares with CRYPTO_memcmp (constant time). */
		rc = EVP_CipherFinal_ex(s->enc, out + len, &outl) == 1 ?
		    ESP_CRYPTO_VERIFIED : ESP_E_AUTH;
	}
 out:
	ossl_slot_put(s);
	return (rc);
}

static int
ossl_aead_seal(void *vctx, const uint8_t *iv, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	struct ossl_ctx *c = vctx;

	if (!ESP_CIPHER_IS_AEAD(c->cipher))
		return (ESP_E_CRYPTO);
	return (ossl_aead(c, true, iv, aad, aadlen, in, len, out, NULL, tag));
}

static int
ossl_aead_open(void *vctx, const uint8_t *iv, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    const uint8_t *icv, uint8_t *tag)
{
	struct ossl_ctx *c = vctx;

	if (!ESP_CIPHER_IS_AEAD(c->cipher))
		return (ESP_E_CRYPTO);
	return (ossl_aead(c, false, iv, aad, aadlen, in, len, out, icv,
	    tag));
}

const struct esp_crypto_ops esp_openssl_ops = {
	.name = "openssl",
	.id = ESP_BACKEND_OPENSSL,
	.supports = ossl_supports,
	.preferred = NULL,
	.sa_init = ossl_sa_init,
	.sa_free = ossl_sa_free,
	.mac = ossl_mac,
	.cipher = ossl_cipher,
	.aead_seal = ossl_aead_seal,
	.aead_open = ossl_aead_open,
	.cipher_mac = NULL,
	.seal_burst = NULL,
};
