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
 * IKEv1 key derivation (RFC 2409 sections 5, 5.5 and appendix B): every
 * formula is one ike_prf_v() over a list of pieces, so nothing is copied
 * into a concatenation buffer except where a formula uses a concatenation
 * as the key (Ni_b | Nr_b for signature SKEYID).  Intermediate secrets
 * live on the stack and are wiped before return.
 */

#include <errno.h>
#include <string.h>

#include "ike_crypto.h"

#define NONCE_MAXLEN	256	/* RFC 2409 5: nonces have 8-256 bytes */
/* Appendix B expansion: the key plus one PRF block of overshoot. */
#define ENCKEY_BUFLEN	(IKE_ENCKEY_MAXLEN + IKE_HASH_MAXLEN)

void
ike_p1keys_clear(struct ike_p1keys *k)
{
	if (k != NULL)
		explicit_bzero(k, sizeof(*k));
}

void
ike_ipsec_keys_clear(struct ike_ipsec_keys *k)
{
	if (k != NULL)
		explicit_bzero(k, sizeof(*k));
}

/* Start a key set for prf's algorithm. */
static int
keys_start(struct ike_prf *prf, struct ike_p1keys *k)
{
	if (prf == NULL || k == NULL) {
		errno = EINVAL;
		return (-1);
	}
	ike_p1keys_clear(k);
	k->k_hash = ike_prf_hash(prf);
	k->k_prflen = ike_prf_len(prf);
	return (0);
}

/* k was started by an SKEYID function with prf's algorithm. */
static int
keys_match(struct ike_prf *prf, const struct ike_p1keys *k)
{
	if (prf == NULL || k == NULL || k->k_prflen == 0 ||
	    k->k_hash != ike_prf_hash(prf) ||
	    k->k_prflen != ike_prf_len(prf)) {
		errno = EINVAL;
		return (-1);
	}
	return (0);
}

int
ike_skeyid_psk(struct ike_prf *prf, struct ike_p1keys *k,
    const uint8_t *psk, size_t psklen, const uint8_t *ni_b, size_t nilen,
    const uint8_t *nr_b, size_t nrlen)
{
	struct ike_iov	 iov[2] = { { ni_b, nilen }, { nr_b, nrlen } };

	if (keys_start(prf, k) == -1)
		return (-1);
	if (ike_prf_v(prf, psk, psklen, iov, 2, k->k_skeyid,
	    sizeof(k->k_skeyid)) == -1) {
		ike_p1keys_clear(k);
		return (-1);
	}
	return (0);
}

int
ike_skeyid_sig(struct ike_prf *prf, struct ike_p1keys *k,
    const uint8_t *ni_b, size_t nilen, const uint8_t *nr_b, size_t nrlen,
    const uint8_t *gxy, size_t gxylen)
{
	uint8_t		 key[2 * NONCE_MAXLEN];
	struct ike_iov	 iov = { gxy, gxylen };
	int		 rv;

	if (keys_start(prf, k) == -1)
		return (-1);
	if (nilen > NONCE_MAXLEN || nrlen > NONCE_MAXLEN ||
	    (ni_b == NULL && nilen != 0) || (nr_b == NULL && nrlen != 0) ||
	    gxy == NULL || gxylen == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (nilen != 0)
		memcpy(key, ni_b, nilen);
	if (nrlen != 0)
		memcpy(key + nilen, nr_b, nrlen);
	rv = ike_prf_v(prf, key, nilen + nrlen, &iov, 1, k->k_skeyid,
	    sizeof(k->k_skeyid));
	explicit_bzero(key, nilen + nrlen);
	if (rv == -1) {
		ike_p1keys_clear(k);
		return (-1);
	}
	return (0);
}

int
ike_skeyid_dae(struct ike_prf *prf, struct ike_p1keys *k,
    const uint8_t *gxy, size_t gxylen, const uint8_t cky_i[IKE_COOKIE_LEN],
    const uint8_t cky_r[IKE_COOKIE_LEN])
{
	static const uint8_t	 n0 = 0, n1 = 1, n2 = 2;
	struct ike_iov		 iov[5];
	size_t			 len;

	if (keys_match(prf, k) == -1)
		return (-1);
	if (gxy == NULL || gxylen == 0 || cky_i == NULL || cky_r == NULL) {
		errno = EINVAL;
		return (-1);
	}
	len = k->k_prflen;

	/* SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0) */
	iov[0] = (struct ike_iov){ gxy, gxylen };
	iov[1] = (struct ike_iov){ cky_i, IKE_COOKIE_LEN };
	iov[2] = (struct ike_iov){ cky_r, IKE_COOKIE_LEN };
	iov[3] = (struct ike_iov){ &n0, 1 };
	if (ike_prf_v(prf, k->k_skeyid, len, iov, 4, k->k_skeyid_d,
	    sizeof(k->k_skeyid_d)) == -1)
		goto fail;

	/* SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1) */
	iov[0] = (struct ike_iov){ k->k_skeyid_d, len };
	iov[1] = (struct ike_iov){ gxy, gxylen };
	iov[2] = (struct ike_iov){ cky_i, IKE_COOKIE_LEN };
	iov[3] = (struct ike_iov){ cky_r, IKE_COOKIE_LEN };
	iov[4] = (struct ike_iov){ &n1, 1 };
	if (ike_prf_v(prf, k->k_skeyid, len, iov, 5, k->k_skeyid_a,
	    sizeof(k->k_skeyid_a)) == -1)
		goto fail;

	/* SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2) */
	iov[0] = (struct ike_iov){ k->k_skeyid_a, len };
	iov[4] = (struct ike_iov){ &n2, 1 };
	if (ike_prf_v(prf, k->k_skeyid, len, iov, 5, k->k_skeyid_e,
	    sizeof(k->k_skeyid_e)) == -1)
		goto fail;
	return (0);
 fail:
	explicit_bzero(k->k_skeyid_d, sizeof(k->k_skeyid_d));
	explicit_bzero(k->k_skeyid_a, sizeof(k->k_skeyid_a));
	explicit_bzero(k->k_skeyid_e, sizeof(k->k_skeyid_e));
	return (-1);
}

int
ike_p1_enckey(struct ike_prf *prf, struct ike_p1keys *k, size_t enckeylen)
{
	static const uint8_t	 zero = 0;
	uint8_t			 buf[ENCKEY_BUFLEN];
	size_t			 have, plen;
	int			 rv = -1;

	if (keys_match(prf, k) == -1)
		return (-1);
	if (enckeylen == 0 || enckeylen > IKE_ENCKEY_MAXLEN) {
		errno = EINVAL;
		return (-1);
	}
	plen = k->k_prflen;
	if (plen >= enckeylen) {
		/* Long enough: the first bytes of SKEYID_e. */
		memcpy(k->k_enckey, k->k_skeyid_e, enckeylen);
		k->k_enckeylen = enckeylen;
		return (0);
	}
	/* K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1): the "0" is one
	 * zero octet. */
	if (ike_prf(prf, k->k_skeyid_e, plen, &zero, 1, buf,
	    sizeof(buf)) == -1)
		goto out;
	for (have = plen; have < enckeylen; have += plen)
		if (ike_prf(prf, k->k_skeyid_e, plen, buf + have - plen, plen,
		    buf + have, sizeof(buf) - have) == -1)
			goto out;
	memcpy(k->k_enckey, buf, enckeylen);
	k->k_enckeylen = enckeylen;
	rv = 0;
 out:
	explicit_bzero(buf, sizeof(buf));
	return (rv);
}

static int
p1_hash(struct ike_prf *prf, const struct ike_p1keys *k,
    const uint8_t *gxa, size_t gxalen, const uint8_t *gxb, size_t gxblen,
    const uint8_t *cky_a, const uint8_t *cky_b, const uint8_t *sai_b,
    size_t sailen, const uint8_t *id_b, size_t idlen, uint8_t *out,
    size_t outsize)
{
	struct ike_iov	 iov[6];

	if (keys_match(prf, k) == -1)
		return (-1);
	if (gxa == NULL || gxb == NULL || cky_a == NULL || cky_b == NULL ||
	    sai_b == NULL || id_b == NULL) {
		errno = EINVAL;
		return (-1);
	}
	iov[0] = (struct ike_iov){ gxa, gxalen };
	iov[1] = (struct ike_iov){ gxb, gxblen };
	iov[2] = (struct ike_iov){ cky_a, IKE_COOKIE_LEN };
	iov[3] = (struct ike_iov){ cky_b, IKE_COOKIE_LEN };
	iov[4] = (struct ike_iov){ sai_b, sailen };
	iov[5] = (struct ike_iov){ id_b, idlen };
	return (ike_prf_v(prf, k->k_skeyid, k->k_prflen, iov, 6, out,
	    outsize));
}

int
ike_p1_hash_i(struct ike_prf *prf, const struct ike_p1keys *k,
    const uint8_t *gxi, size_t gxilen, const uint8_t *gxr, size_t gxrlen,
    const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN],
    const uint8_t *sai_b, size_t sailen, const uint8_t *id_b, size_t idlen,
    uint8_t *out, size_t outsize)
{
	return (p1_hash(prf, k, gxi, gxilen, gxr, gxrlen, cky_i, cky_r,
	    sai_b, sailen, id_b, idlen, out, outsize));
}

int
ike_p1_hash_r(struct ike_prf *prf, const struct ike_p1keys *k,
    const uint8_t *gxi, size_t gxilen, const uint8_t *gxr, size_t gxrlen,
    const uint8_t cky_i[IKE_COOKIE_LEN], const uint8_t cky_r[IKE_COOKIE_LEN],
    const uint8_t *sai_b, size_t sailen, const uint8_t *id_b, size_t idlen,
    uint8_t *out, size_t outsize)
{
	return (p1_hash(prf, k, gxr, gxrlen, gxi, gxilen, cky_r, cky_i,
	    sai_b, sailen, id_b, idlen, out, outsize));
}

/* iv = first blocklen bytes of hash(iov...). */
static int
hash_iv(struct ike_prf *prf, const struct ike_iov *iov, size_t n,
    uint8_t *iv, size_t blocklen)
{
	uint8_t	 md[IKE_HASH_MAXLEN];

	if (prf == NULL || iv == NULL || blocklen == 0 ||
	    blocklen > IKE_BLOCK_MAXLEN || blocklen > ike_prf_len(prf)) {
		errno = EINVAL;
		return (-1);
	}
	if (ike_prf_digest_v(prf, iov, n, md, sizeof(md)) == -1)
		return (-1);
	memcpy(iv, md, blocklen);
	return (0);
}

int
ike_p1_iv(struct ike_prf *prf, const uint8_t *gxi, size_t gxilen,
    const uint8_t *gxr, size_t gxrlen, uint8_t *iv, size_t blocklen)
{
	struct ike_iov	 iov[2] = { { gxi, gxilen }, { gxr, gxrlen } };

	if (gxi == NULL || gxr == NULL || gxilen == 0 || gxrlen == 0) {
		errno = EINVAL;
		return (-1);
	}
	return (hash_iv(prf, iov, 2, iv, blocklen));
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
ike_p2_iv(struct ike_prf *prf, const uint8_t *p1_last, size_t blocklen,
    uint32_t mid, uint8_t *iv)
{
	uint8_t		 m[4];
	struct ike_iov	 iov[2] = { { p1_last, blocklen },
			    { m, sizeof(m) } };

	if (p1_last == NULL) {
		errno = EINVAL;
		return (-1);
	}
	put32(m, mid);
	return (hash_iv(prf, iov, 2, iv, blocklen));
}

int
ike_qm_hash1(struct ike_prf *prf, const struct ike_p1keys *k, uint32_t mid,
    const uint8_t *rest, size_t restlen, uint8_t *out, size_t outsize)
{
	uint8_t		 m[4];
	struct ike_iov	 iov[2] = { { m, sizeof(m) }, { rest, restlen } };

	if (keys_match(prf, k) == -1)
		return (-1);
	put32(m, mid);
	return (ike_prf_v(prf, k->k_skeyid_a, k->k_prflen, iov, 2, out,
	    outsize));
}

int
ike_qm_hash2(struct ike_prf *prf, const struct ike_p1keys *k, uint32_t mid,
    const uint8_t *ni_b, size_t nilen, const uint8_t *rest, size_t restlen,
    uint8_t *out, size_t outsize)
{
	uint8_t		 m[4];
	struct ike_iov	 iov[3] = { { m, sizeof(m) }, { ni_b, nilen },
			    { rest, restlen } };

	if (keys_match(prf, k) == -1)
		return (-1);
	if (ni_b == NULL || nilen == 0) {
		errno = EINVAL;
		return (-1);
	}
	put32(m, mid);
	return (ike_prf_v(prf, k->k_skeyid_a, k->k_prflen, iov, 3, out,
	    outsize));
}

int
ike_qm_hash3(struct ike_prf *prf, const struct ike_p1keys *k, uint32_t mid,
    const uint8_t *ni_b, size_t nilen, const uint8_t *nr_b, size_t nrlen,
    uint8_t *out, size_t outsize)
{
	static const uint8_t	 zero = 0;
	uint8_t			 m[4];
	struct ike_iov		 iov[4] = { { &zero, 1 },
				    { m, sizeof(m) }, { ni_b, nilen },
				    { nr_b, nrlen } };

	if (keys_match(prf, k) == -1)
		return (-1);
	if (ni_b == NULL || nilen == 0 || nr_b == NULL || nrlen == 0) {
		errno = EINVAL;
		return (-1);
	}
	put32(m, mid);
	return (ike_prf_v(prf, k->k_skeyid_a, k->k_prflen, iov, 4, out,
	    outsize));
}

int
ike_keymat(struct ike_prf *prf, const struct ike_p1keys *k,
    const struct ike_keymat_in *in, uint8_t *out, size_t outlen)
{
	uint8_t		 buf[IKE_KEYMAT_MAXLEN + IKE_HASH_MAXLEN];
	uint8_t		 proto;
	struct ike_iov	 iov[6];
	size_t		 have, plen, n, first;
	int		 rv = -1;

	if (keys_match(prf, k) == -1)
		return (-1);
	if (in == NULL || out == NULL || outlen == 0 ||
	    outlen > IKE_KEYMAT_MAXLEN ||
	    (in->km_gqm == NULL && in->km_gqmlen != 0) ||
	    in->km_proto < 0 || in->km_proto > 255 ||
	    in->km_ni == NULL || in->km_nilen == 0 ||
	    in->km_nr == NULL || in->km_nrlen == 0) {
		errno = EINVAL;
		return (-1);
	}
	plen = k->k_prflen;
	proto = (uint8_t)in->km_proto;
	/* Slot 0 carries Kn-1 from the second block on. */
	n = 1;
	if (in->km_gqmlen != 0)
		iov[n++] = (struct ike_iov){ in->km_gqm, in->km_gqmlen };
	iov[n++] = (struct ike_iov){ &proto, 1 };
	iov[n++] = (struct ike_iov){ in->km_spi, IKE_SPI_LEN };
	iov[n++] = (struct ike_iov){ in->km_ni, in->km_nilen };
	iov[n++] = (struct ike_iov){ in->km_nr, in->km_nrlen };
	for (have = 0; have < outlen; have += plen) {
		first = have == 0;
		if (!first)
			iov[0] = (struct ike_iov){ buf + have - plen, plen };
		if (ike_prf_v(prf, k->k_skeyid_d, plen, iov + first,
		    n - first, buf + have, sizeof(buf) - have) == -1)
			goto out;
	}
	memcpy(out, buf, outlen);
	rv = 0;
 out:
	explicit_bzero(buf, sizeof(buf));
	return (rv);
}

static size_t
auth_keylen(int auth)
{
	switch (auth) {
	case IKE_AUTH_HMAC_MD5:
		return (16);
	case IKE_AUTH_HMAC_SHA1:
		return (20);
	case IKE_AUTH_HMAC_SHA2_256:
		return (32);
	case IKE_AUTH_HMAC_SHA2_384:
		return (48);
	case IKE_AUTH_HMAC_SHA2_512:
		return (64);
	default:
		return (0);
	}
}

/* The authentication algorithm an AH transform implies. */
static int
ah_auth(int transform)
{
	switch (transform) {
	case IKE_AH_MD5:
		return (IKE_AUTH_HMAC_MD5);
	case IKE_AH_SHA1:
		return (IKE_AUTH_HMAC_SHA1);
	case IKE_AH_SHA2_256:
		return (IKE_AUTH_HMAC_SHA2_256);
	case IKE_AH_SHA2_384:
		return (IKE_AUTH_HMAC_SHA2_384);
	case IKE_AH_SHA2_512:
		return (IKE_AUTH_HMAC_SHA2_512);
	default:
		return (IKE_AUTH_NONE);
	}
}

static int
aes_keylen(int keybits, size_t *len)
{
	if (keybits != 128 && keybits != 192 && keybits != 256)
		return (-1);
	*len = (size_t)keybits / 8;
	return (0);
}

int
ike_ipsec_keysizes(const struct ike_ipsec_alg *alg, size_t *enclen,
    size_t *saltlen, size_t *authlen)
{
	size_t	 enc = 0, salt = 0, auth = 0;
	int	 a;

	if (alg == NULL || enclen == NULL || saltlen == NULL ||
	    authlen == NULL)
		goto bad;
	switch (alg->ia_proto) {
	case IKE_PROTO_AH:
		/* RFC 2407 4.5: the attribute must name the transform's
		 * algorithm; absent, the transform says it. */
		if ((a = ah_auth(alg->ia_transform)) == IKE_AUTH_NONE ||
		    alg->ia_keybits != 0 ||
		    (alg->ia_auth != IKE_AUTH_NONE && alg->ia_auth != a))
			goto bad;
		auth = auth_keylen(a);
		break;
	case IKE_PROTO_ESP:
		if (alg->ia_auth != IKE_AUTH_NONE &&
		    (auth = auth_keylen(alg->ia_auth)) == 0)
			goto bad;
		switch (alg->ia_transform) {
		case IKE_ESP_3DES:
			if (alg->ia_keybits != 0 && alg->ia_keybits != 192)
				goto bad;
			enc = 24;
			break;
		case IKE_ESP_AES_CBC:
			if (aes_keylen(alg->ia_keybits, &enc) == -1)
				goto bad;
			break;
		case IKE_ESP_AES_GCM_8:
		case IKE_ESP_AES_GCM_12:
		case IKE_ESP_AES_GCM_16:
			/* RFC 4106 8.1: key, then a 4-byte salt; the AEAD
			 * authenticates by itself. */
			if (aes_keylen(alg->ia_keybits, &enc) == -1 ||
			    alg->ia_auth != IKE_AUTH_NONE)
				goto bad;
			salt = 4;
			break;
		case IKE_ESP_NULL:
			if (alg->ia_keybits != 0 || auth == 0)
				goto bad;
			break;
		default:
			errno = EOPNOTSUPP;
			return (-1);
		}
		break;
	default:
		goto bad;
	}
	*enclen = enc;
	*saltlen = salt;
	*authlen = auth;
	return (0);
 bad:
	errno = EINVAL;
	return (-1);
}

int
ike_ipsec_keys(struct ike_prf *prf, const struct ike_p1keys *k,
    const struct ike_keymat_in *in, const struct ike_ipsec_alg *alg,
    struct ike_ipsec_keys *out)
{
	uint8_t	 km[IKE_KEYMAT_MAXLEN];
	size_t	 enc, salt, auth;

	if (out == NULL) {
		errno = EINVAL;
		return (-1);
	}
	ike_ipsec_keys_clear(out);
	if (ike_ipsec_keysizes(alg, &enc, &salt, &auth) == -1)
		return (-1);
	if (in == NULL || in->km_proto != alg->ia_proto) {
		errno = EINVAL;
		return (-1);
	}
	/* ESP: the encryption key (and salt) first, then the
	 * authentication key (RFC 2409 5.5). */
	if (ike_keymat(prf, k, in, km, enc + salt + auth) == -1)
		return (-1);
	memcpy(out->ik_enc, km, enc + salt);
	out->ik_enclen = enc + salt;
	out->ik_saltlen = salt;
	memcpy(out->ik_auth, km + enc + salt, auth);
	out->ik_authlen = auth;
	explicit_bzero(km, sizeof(km));
	return (0);
}
