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
 * libike crypto: algorithm tables, the hash/HMAC context and the phase 1
 * CBC cipher (ike_crypto.h).
 *
 * Algorithms are fetched once (EVP_MD_fetch, EVP_MAC_fetch,
 * EVP_CIPHER_fetch) and kept: OpenSSL 3 looks an algorithm up by name on
 * every init that gets a legacy EVP_sha256()-style pointer, and that
 * lookup takes a lock.  Contexts are made once per negotiation and rekeyed
 * per call (EVP_MAC_init, EVP_CipherInit_ex2 with a NULL key to change
 * only the IV), so the per-message path does not allocate.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike_crypto.h"
#include "ike_crypto_local.h"

struct ike_hash_alg {
	int		 h_id;
	const char	*h_name;	/* racoon.conf spelling */
	const char	*h_ossl;	/* OpenSSL fetch name */
	size_t		 h_len;
	EVP_MD		*h_md;		/* NULL: not in libcrypto */
};

static struct ike_hash_alg hash_algs[] = {
	{ IKE_HASH_MD5, "md5", "MD5", 16, NULL },
	{ IKE_HASH_SHA1, "sha1", "SHA1", 20, NULL },
	{ IKE_HASH_SHA2_256, "sha2_256", "SHA2-256", 32, NULL },
	{ IKE_HASH_SHA2_384, "sha2_384", "SHA2-384", 48, NULL },
	{ IKE_HASH_SHA2_512, "sha2_512", "SHA2-512", 64, NULL },
};
#define NHASH	(sizeof(hash_algs) / sizeof(hash_algs[0]))

struct ike_cbc_alg {
	int		 c_id;
	size_t		 c_keylen;
	size_t		 c_block;
	const char	*c_ossl;
	EVP_CIPHER	*c_cipher;
};

static struct ike_cbc_alg cbc_algs[] = {
	{ IKE_ENCR_AES_CBC,	16, 16, "AES-128-CBC",	NULL },
	{ IKE_ENCR_AES_CBC,	24, 16, "AES-192-CBC",	NULL },
	{ IKE_ENCR_AES_CBC,	32, 16, "AES-256-CBC",	NULL },
	{ IKE_ENCR_3DES_CBC,	24, 8,	"DES-EDE3-CBC",	NULL },
};
#define NCBC	(sizeof(cbc_algs) / sizeof(cbc_algs[0]))

static EVP_MAC		*hmac_alg;
static int		 init_ok;
static CRYPTO_ONCE	 init_once = CRYPTO_ONCE_STATIC_INIT;

static void
crypto_setup(void)
{
	size_t	 i;

	for (i = 0; i < NHASH; i++)
		hash_algs[i].h_md = EVP_MD_fetch(NULL, hash_algs[i].h_ossl,
		    NULL);
	for (i = 0; i < NCBC; i++)
		cbc_algs[i].c_cipher = EVP_CIPHER_fetch(NULL,
		    cbc_algs[i].c_ossl, NULL);
	hmac_alg = EVP_MAC_fetch(NULL, "HMAC", NULL);
	ike_dh_setup();
	init_ok = hmac_alg != NULL;
}

int
ike_crypto_init(void)
{
	if (!CRYPTO_THREAD_run_once(&init_once, crypto_setup) || !init_ok) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/* ------------------------------------------------------------ hashes */

static const struct ike_hash_alg *
hash_lookup(int hash)
{
	size_t	 i;

	if (ike_crypto_init() == -1)
		return (NULL);
	for (i = 0; i < NHASH; i++)
		if (hash_algs[i].h_id == hash)
			return (hash_algs[i].h_md != NULL ? &hash_algs[i] :
			    NULL);
	return (NULL);
}

const EVP_MD *
ike_crypto_md(int hash)
{
	const struct ike_hash_alg	*h;

	if ((h = hash_lookup(hash)) == NULL)
		return (NULL);
	return (h->h_md);
}

size_t
ike_hash_len(int hash)
{
	const struct ike_hash_alg	*h;

	if ((h = hash_lookup(hash)) == NULL)
		return (0);
	return (h->h_len);
}

const char *
ike_hash_name(int hash)
{
	size_t	 i;

	for (i = 0; i < NHASH; i++)
		if (hash_algs[i].h_id == hash)
			return (hash_algs[i].h_name);
	return (NULL);
}

/* --------------------------------------------------------------- PRF */

struct ike_prf {
	int			 p_hash;
	size_t			 p_len;
	const EVP_MD		*p_md;
	EVP_MAC_CTX		*p_mac;
	EVP_MD_CTX		*p_mdctx;
};

struct ike_prf *
ike_prf_new(int hash)
{
	const struct ike_hash_alg	*h;
	struct ike_prf			*prf;
	OSSL_PARAM			 params[2];

	if ((h = hash_lookup(hash)) == NULL) {
		errno = EOPNOTSUPP;
		return (NULL);
	}
	if ((prf = calloc(1, sizeof(*prf))) == NULL)
		return (NULL);
	prf->p_hash = hash;
	prf->p_len = h->h_len;
	prf->p_md = h->h_md;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)h->h_ossl, 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((prf->p_mac = EVP_MAC_CTX_new(hmac_alg)) == NULL ||
	    !EVP_MAC_CTX_set_params(prf->p_mac, params) ||
	    (prf->p_mdctx = EVP_MD_CTX_new()) == NULL) {
		ike_prf_free(prf);
		errno = EIO;
		return (NULL);
	}
	return (prf);
}

void
ike_prf_free(struct ike_prf *prf)
{
	if (prf == NULL)
		return;
	/* Both free functions cleanse the key-dependent state. */
	EVP_MAC_CTX_free(prf->p_mac);
	EVP_MD_CTX_free(prf->p_mdctx);
	freezero(prf, sizeof(*prf));
}

int
ike_prf_hash(const struct ike_prf *prf)
{
	return (prf->p_hash);
}

size_t
ike_prf_len(const struct ike_prf *prf)
{
	return (prf->p_len);
}

int
ike_prf_v(struct ike_prf *prf, const uint8_t *key, size_t keylen,
    const struct ike_iov *iov, size_t n, uint8_t *out, size_t outsize)
{
	static const uint8_t	 zero = 0;
	size_t			 i, outl = 0;

	if (prf == NULL || out == NULL || outsize < prf->p_len ||
	    (key == NULL && keylen != 0)) {
		errno = EINVAL;
		return (-1);
	}
	/*
	 * EVP_MAC_init() with no key reuses the previous one.  HMAC pads
	 * its key with zeros to the block size, so an empty key is the
	 * same key as a single zero byte: use that.
	 */
	if (keylen == 0) {
		key = &zero;
		keylen = 1;
	}
	if (!EVP_MAC_init(prf->p_mac, key, keylen, NULL))
		goto fail;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (iov[i].iov_base == NULL) {
			errno = EINVAL;
			return (-1);
		}
		if (!EVP_MAC_update(prf->p_mac, iov[i].iov_base,
		    iov[i].iov_len))
			goto fail;
	}
	if (!EVP_MAC_final(prf->p_mac, out, &outl, outsize) ||
	    outl != prf->p_len)
		goto fail;
	return ((int)outl);
 fail:
	explicit_bzero(out, outsize < prf->p_len ? outsize : prf->p_len);
	errno = EIO;
	return (-1);
}

int
ike_prf(struct ike_prf *prf, const uint8_t *key, size_t keylen,
    const uint8_t *data, size_t datalen, uint8_t *out, size_t outsize)
{
	struct ike_iov	 iov = { data, datalen };

	return (ike_prf_v(prf, key, keylen, &iov, 1, out, outsize));
}

int
ike_prf_digest_v(struct ike_prf *prf, const struct ike_iov *iov, size_t n,
    uint8_t *out, size_t outsize)
{
	size_t		 i;
	unsigned int	 outl = 0;

	if (prf == NULL || out == NULL || outsize < prf->p_len) {
		errno = EINVAL;
		return (-1);
	}
	if (!EVP_DigestInit_ex2(prf->p_mdctx, prf->p_md, NULL))
		goto fail;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len == 0)
			continue;
		if (iov[i].iov_base == NULL) {
			errno = EINVAL;
			return (-1);
		}
		if (!EVP_DigestUpdate(prf->p_mdctx, iov[i].iov_base,
		    iov[i].iov_len))
			goto fail;
	}
	if (!EVP_DigestFinal_ex(prf->p_mdctx, out, &outl) ||
	    outl != prf->p_len)
		goto fail;
	return ((int)outl);
 fail:
	errno = EIO;
	return (-1);
}

/* ------------------------------------------------- phase 1 encryption */

/* The cipher for alg and keylen, or NULL with errno set: EINVAL for a
 * key length alg does not have, EOPNOTSUPP for an algorithm this build
 * lacks. */
static const struct ike_cbc_alg *
cbc_lookup(int alg, size_t keylen)
{
	size_t	 i;

	if (ike_crypto_init() == -1)
		return (NULL);
	for (i = 0; i < NCBC; i++) {
		if (cbc_algs[i].c_id != alg || cbc_algs[i].c_keylen != keylen)
			continue;
		if (cbc_algs[i].c_cipher == NULL) {
			errno = EOPNOTSUPP;
			return (NULL);
		}
		return (&cbc_algs[i]);
	}
	errno = ike_cbc_blocklen(alg) == 0 ? EOPNOTSUPP : EINVAL;
	return (NULL);
}

size_t
ike_cbc_keylen(int alg, int keybits)
{
	switch (alg) {
	case IKE_ENCR_AES_CBC:
		if (keybits == 128 || keybits == 192 || keybits == 256)
			return ((size_t)keybits / 8);
		return (0);
	case IKE_ENCR_3DES_CBC:
		if (keybits == 0 || keybits == 192)
			return (24);
		return (0);
	default:
		return (0);
	}
}

size_t
ike_cbc_blocklen(int alg)
{
	switch (alg) {
	case IKE_ENCR_AES_CBC:
		return (16);
	case IKE_ENCR_3DES_CBC:
		return (8);
	default:
		return (0);
	}
}

size_t
ike_cbc_padlen(size_t len, size_t blocklen)
{
	if (blocklen == 0)
		return (0);
	return (blocklen - len % blocklen);
}

struct ike_cbc {
	size_t			 c_block;
	EVP_CIPHER_CTX		*c_enc;
	EVP_CIPHER_CTX		*c_dec;
};

struct ike_cbc *
ike_cbc_new(int alg, const uint8_t *key, size_t keylen)
{
	const struct ike_cbc_alg	*a;
	struct ike_cbc			*c;

	if (key == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if ((a = cbc_lookup(alg, keylen)) == NULL)
		return (NULL);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->c_block = a->c_block;
	/* One context per direction: AES decrypts with its own schedule. */
	if ((c->c_enc = EVP_CIPHER_CTX_new()) == NULL ||
	    (c->c_dec = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_EncryptInit_ex2(c->c_enc, a->c_cipher, key, NULL, NULL) ||
	    !EVP_DecryptInit_ex2(c->c_dec, a->c_cipher, key, NULL, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(c->c_enc, 0) ||
	    !EVP_CIPHER_CTX_set_padding(c->c_dec, 0)) {
		ike_cbc_free(c);
		errno = EIO;
		return (NULL);
	}
	return (c);
}

void
ike_cbc_free(struct ike_cbc *c)
{
	if (c == NULL)
		return;
	/* EVP_CIPHER_CTX_free() cleanses the key schedules. */
	EVP_CIPHER_CTX_free(c->c_enc);
	EVP_CIPHER_CTX_free(c->c_dec);
	freezero(c, sizeof(*c));
}

size_t
ike_cbc_block(const struct ike_cbc *c)
{
	return (c->c_block);
}

int
ike_cbc_encrypt(struct ike_cbc *c, uint8_t *iv, const uint8_t *in,
    size_t inlen, uint8_t *out, size_t outsize)
{
	size_t	 padlen, total;
	int	 n = 0, fin = 0;

	if (c == NULL || iv == NULL || out == NULL ||
	    (in == NULL && inlen != 0)) {
		errno = EINVAL;
		return (-1);
	}
	padlen = ike_cbc_padlen(inlen, c->c_block);
	if (inlen > (size_t)INT32_MAX - padlen || outsize < inlen + padlen) {
		errno = EINVAL;
		return (-1);
	}
	total = inlen + padlen;
	if (inlen != 0 && out != in)
		memmove(out, in, inlen);
	memset(out + inlen, 0, padlen);
	out[total - 1] = (uint8_t)(padlen - 1);
	if (!EVP_EncryptInit_ex2(c->c_enc, NULL, NULL, iv, NULL) ||
	    !EVP_EncryptUpdate(c->c_enc, out, &n, out, (int)total) ||
	    (size_t)n != total ||
	    !EVP_EncryptFinal_ex(c->c_enc, out + n, &fin) || fin != 0) {
		explicit_bzero(out, total);
		errno = EIO;
		return (-1);
	}
	memcpy(iv, out + total - c->c_block, c->c_block);
	return ((int)total);
}

int
ike_cbc_decrypt(struct ike_cbc *c, uint8_t *iv, const uint8_t *in,
    size_t inlen, uint8_t *out)
{
	uint8_t	 next[IKE_BLOCK_MAXLEN];
	int	 n = 0, fin = 0;

	if (c == NULL || iv == NULL || in == NULL || out == NULL ||
	    inlen == 0 || inlen % c->c_block != 0 ||
	    inlen > (size_t)INT32_MAX) {
		errno = EINVAL;
		return (-1);
	}
	/* The next IV is the last cipher block: save it before an in-place
	 * decryption overwrites it. */
	memcpy(next, in + inlen - c->c_block, c->c_block);
	if (!EVP_DecryptInit_ex2(c->c_dec, NULL, NULL, iv, NULL) ||
	    !EVP_DecryptUpdate(c->c_dec, out, &n, in, (int)inlen) ||
	    (size_t)n != inlen ||
	    !EVP_DecryptFinal_ex(c->c_dec, out + n, &fin) || fin != 0) {
		explicit_bzero(out, inlen);
		errno = EIO;
		return (-1);
	}
	memcpy(iv, next, c->c_block);
	return ((int)inlen);
}
