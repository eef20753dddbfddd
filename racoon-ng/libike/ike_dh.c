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
 * Diffie-Hellman for IKE (ike_crypto.h) over OpenSSL 3 EVP_PKEY.
 *
 * Speed.  A negotiation costs one keygen and one derive, and for MODP both
 * are modular exponentiations, so:
 *  - domain parameters are built once per group (ike_dh_setup()) and
 *    shared: OpenSSL knows RFC 3526 groups 5 and 14-18 by name
 *    ("modp_2048", ...); groups 1 and 2 are given by their RFC 2409 prime;
 *  - the private exponent is short, twice the group's strength (225 bits
 *    for 2048-bit MODP instead of 2047): cost is linear in it, and
 *    RFC 3526 section 8 allows it (220-320 bits for group 14);
 *  - the peer's value is range-checked here (1 < y < p - 1, which is
 *    enough for safe-prime groups, RFC 6989 2.2) and handed to OpenSSL
 *    without its own validation, which for groups with a known q would
 *    add a full-length exponentiation y^q;
 *  - the keygen context lives in struct ike_dh, so regenerating a keypair
 *    reuses it.
 * The remaining allocations (the key itself, the peer key, the derive
 * context) are inherent to EVP and cost microseconds against the
 * exponentiations' hundreds.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "ike_crypto.h"
#include "ike_crypto_local.h"

#define DH_MODP		1
#define DH_ECP		2
#define DH_X25519	3

#define X25519_LEN	32
#define ECP_MAXLEN	66	/* P-521 field */

struct dh_group {
	int		 g_id;
	int		 g_kind;
	const char	*g_name;
	const char	*g_ossl;	/* OpenSSL group/curve name or NULL */
	BIGNUM		*(*g_prime)(BIGNUM *);	/* if no g_ossl */
	size_t		 g_plen;	/* bytes of the prime / field */
	int		 g_privbits;	/* MODP private exponent bits */
	EVP_PKEY	*g_params;	/* domain parameters; NULL: none */
	BIGNUM		*g_p;		/* MODP prime */
	uint8_t		 g_pm1[IKE_DH_MAXLEN];	/* MODP: p - 1 */
	int		 g_ok;
};

/*
 * Private exponent lengths: 2 * the strength OpenSSL and NIST SP 800-57
 * give each modulus size, inside the ranges RFC 3526 section 8 suggests
 * (1536: 180-240, 2048: 220-320, 3072: 260-420, 4096: 300-480,
 * 6144: 340-540, 8192: 380-620).  Groups 1 and 2 get 160, above what a
 * 768- or 1024-bit modulus can protect anyway.
 */
static struct dh_group dh_groups[] = {
	{ IKE_DH_MODP768, DH_MODP, "modp768", NULL,
	    BN_get_rfc2409_prime_768, 96, 160, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP1024, DH_MODP, "modp1024", NULL,
	    BN_get_rfc2409_prime_1024, 128, 160, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP1536, DH_MODP, "modp1536", "modp_1536",
	    NULL, 192, 200, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP2048, DH_MODP, "modp2048", "modp_2048",
	    NULL, 256, 225, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP3072, DH_MODP, "modp3072", "modp_3072",
	    NULL, 384, 275, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP4096, DH_MODP, "modp4096", "modp_4096",
	    NULL, 512, 325, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP6144, DH_MODP, "modp6144", "modp_6144",
	    NULL, 768, 375, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_MODP8192, DH_MODP, "modp8192", "modp_8192",
	    NULL, 1024, 400, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_ECP256, DH_ECP, "ecp256", "P-256",
	    NULL, 32, 0, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_ECP384, DH_ECP, "ecp384", "P-384",
	    NULL, 48, 0, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_ECP521, DH_ECP, "ecp521", "P-521",
	    NULL, 66, 0, NULL, NULL, { 0 }, 0 },
	{ IKE_DH_CURVE25519, DH_X25519, "curve25519", "X25519",
	    NULL, 32, 0, NULL, NULL, { 0 }, 0 },
};
#define NGROUPS	(sizeof(dh_groups) / sizeof(dh_groups[0]))

struct ike_dh {
	struct dh_group		*d_grp;
	EVP_PKEY_CTX		*d_genctx;
	EVP_PKEY		*d_key;
};

/* Domain parameters from an OSSL_PARAM list, for key type "DH" or "EC". */
static EVP_PKEY *
params_fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		return (NULL);
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEY_PARAMETERS,
	    params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return (pkey);
}

static int
setup_modp(struct dh_group *g)
{
	OSSL_PARAM_BLD	*bld;
	OSSL_PARAM	*params = NULL;
	BIGNUM		*two = NULL;
	int		 ok = 0;

	if ((bld = OSSL_PARAM_BLD_new()) == NULL)
		return (0);
	if (g->g_ossl != NULL) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, g->g_ossl, 0))
			goto out;
	} else {
		/* RFC 2409 6.1 and 6.2: the Oakley primes, generator 2. */
		if ((g->g_p = g->g_prime(NULL)) == NULL ||
		    (two = BN_new()) == NULL || !BN_set_word(two, 2) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P,
		    g->g_p) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, two))
			goto out;
	}
	if ((params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (g->g_params = params_fromdata("DH", params)) == NULL)
		goto out;
	if (g->g_p == NULL && !EVP_PKEY_get_bn_param(g->g_params,
	    OSSL_PKEY_PARAM_FFC_P, &g->g_p))
		goto out;
	if ((size_t)BN_num_bytes(g->g_p) != g->g_plen ||
	    !BN_is_odd(g->g_p) ||
	    BN_bn2binpad(g->g_p, g->g_pm1, (int)g->g_plen) != (int)g->g_plen)
		goto out;
	g->g_pm1[g->g_plen - 1] -= 1;	/* p is odd: no borrow */
	ok = 1;
 out:
	BN_free(two);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return (ok);
}

static int
setup_ecp(struct dh_group *g)
{
	OSSL_PARAM	 params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)g->g_ossl, 0);
	params[1] = OSSL_PARAM_construct_end();
	g->g_params = params_fromdata("EC", params);
	return (g->g_params != NULL);
}

static int
setup_x25519(struct dh_group *g)
{
	EVP_PKEY_CTX	*ctx;

	/* No domain parameters: check that the algorithm is there. */
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, g->g_ossl, NULL)) == NULL)
		return (0);
	EVP_PKEY_CTX_free(ctx);
	return (1);
}

void
ike_dh_setup(void)
{
	struct dh_group	*g;
	size_t		 i;

	for (i = 0; i < NGROUPS; i++) {
		g = &dh_groups[i];
		switch (g->g_kind) {
		case DH_MODP:
			g->g_ok = setup_modp(g);
			break;
		case DH_ECP:
			g->g_ok = setup_ecp(g);
			break;
		case DH_X25519:
			g->g_ok = setup_x25519(g);
			break;
		}
	}
}

static struct dh_group *
group_find(int group)
{
	size_t	 i;

	for (i = 0; i < NGROUPS; i++)
		if (dh_groups[i].g_id == group)
			return (&dh_groups[i]);
	return (NULL);
}

/* A group this build can use, or NULL with errno set. */
static struct dh_group *
group_lookup(int group)
{
	struct dh_group	*g;

	if (ike_crypto_init() == -1)
		return (NULL);
	if ((g = group_find(group)) == NULL || !g->g_ok) {
		errno = g == NULL ? EINVAL : EOPNOTSUPP;
		return (NULL);
	}
	return (g);
}

int
ike_dh_supported(int group)
{
	return (group_lookup(group) != NULL);
}

const char *
ike_dh_name(int group)
{
	struct dh_group	*g;

	return ((g = group_find(group)) != NULL ? g->g_name : NULL);
}

size_t
ike_dh_publen(int group)
{
	struct dh_group	*g;

	if ((g = group_find(group)) == NULL)
		return (0);
	return (g->g_kind == DH_ECP ? 2 * g->g_plen : g->g_plen);
}

size_t
ike_dh_secretlen(int group)
{
	struct dh_group	*g;

	return ((g = group_find(group)) != NULL ? g->g_plen : 0);
}

int
ike_dh_privbits(int group)
{
	struct dh_group	*g;

	return ((g = group_find(group)) != NULL ? g->g_privbits : 0);
}

struct ike_dh *
ike_dh_new(int group)
{
	struct dh_group	*g;
	struct ike_dh	*dh;
	OSSL_PARAM	 params[2];
	int		 privbits;

	if ((g = group_lookup(group)) == NULL)
		return (NULL);
	if ((dh = calloc(1, sizeof(*dh))) == NULL)
		return (NULL);
	dh->d_grp = g;
	if (g->g_params != NULL)
		dh->d_genctx = EVP_PKEY_CTX_new_from_pkey(NULL, g->g_params,
		    NULL);
	else
		dh->d_genctx = EVP_PKEY_CTX_new_from_name(NULL, g->g_ossl,
		    NULL);
	if (dh->d_genctx == NULL || EVP_PKEY_keygen_init(dh->d_genctx) <= 0)
		goto fail;
	if (g->g_kind == DH_MODP) {
		privbits = g->g_privbits;
		params[0] = OSSL_PARAM_construct_int(
		    OSSL_PKEY_PARAM_DH_PRIV_LEN, &privbits);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_PKEY_CTX_set_params(dh->d_genctx, params))
			goto fail;
	}
	if (ike_dh_generate(dh) == -1)
		goto fail;
	return (dh);
 fail:
	ike_dh_free(dh);
	errno = EIO;
	return (NULL);
}

int
ike_dh_generate(struct ike_dh *dh)
{
	EVP_PKEY	*key = NULL;

	if (dh == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (EVP_PKEY_keygen(dh->d_genctx, &key) <= 0) {
		errno = EIO;
		return (-1);
	}
	EVP_PKEY_free(dh->d_key);	/* clears the old private key */
	dh->d_key = key;
	return (0);
}

void
ike_dh_free(struct ike_dh *dh)
{
	if (dh == NULL)
		return;
	EVP_PKEY_free(dh->d_key);
	EVP_PKEY_CTX_free(dh->d_genctx);
	freezero(dh, sizeof(*dh));
}

int
ike_dh_group(const struct ike_dh *dh)
{
	return (dh->d_grp->g_id);
}

int
ike_dh_public(const struct ike_dh *dh, uint8_t *pub, size_t publen)
{
	const struct dh_group	*g;
	BIGNUM			*y = NULL;
	uint8_t			 pt[1 + 2 * ECP_MAXLEN];
	size_t			 len = 0;
	int			 ok = 0;

	if (dh == NULL || pub == NULL || dh->d_key == NULL) {
		errno = EINVAL;
		return (-1);
	}
	g = dh->d_grp;
	if (publen != ike_dh_publen(g->g_id)) {
		errno = EINVAL;
		return (-1);
	}
	switch (g->g_kind) {
	case DH_MODP:
		/* Big-endian, left-padded to the length of p. */
		ok = EVP_PKEY_get_bn_param(dh->d_key, OSSL_PKEY_PARAM_PUB_KEY,
		    &y) && BN_bn2binpad(y, pub, (int)publen) == (int)publen;
		BN_free(y);
		break;
	case DH_ECP:
		/* Uncompressed point 04 | x | y; IKE sends x | y
		 * (RFC 5903 7). */
		ok = EVP_PKEY_get_octet_string_param(dh->d_key,
		    OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pt, sizeof(pt),
		    &len) && len == 1 + publen && pt[0] == 0x04;
		if (ok)
			memcpy(pub, pt + 1, publen);
		break;
	case DH_X25519:
		len = publen;
		ok = EVP_PKEY_get_raw_public_key(dh->d_key, pub, &len) &&
		    len == publen;
		break;
	}
	if (!ok) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/* 1 < y < p - 1 for a big-endian y of exactly g_plen bytes. */
static int
modp_peer_ok(const struct dh_group *g, const uint8_t *y)
{
	size_t	 i;
	uint8_t	 high = 0;

	/* y > 1: a non-zero byte before the last, or a last byte > 1. */
	for (i = 0; i + 1 < g->g_plen; i++)
		high |= y[i];
	if (high == 0 && y[g->g_plen - 1] <= 1)
		return (0);
	/* y < p - 1: public values, no need for a constant-time compare. */
	return (memcmp(y, g->g_pm1, g->g_plen) < 0);
}

/* An EVP_PKEY holding the peer's public value, or NULL (errno set). */
static EVP_PKEY *
peer_key(const struct dh_group *g, const uint8_t *peer, size_t peerlen)
{
	EVP_PKEY	*pk;
	uint8_t		 pt[1 + 2 * ECP_MAXLEN];
	const uint8_t	*enc = peer;
	size_t		 enclen = peerlen;

	if (g->g_kind == DH_X25519) {
		pk = EVP_PKEY_new_raw_public_key_ex(NULL, g->g_ossl, NULL,
		    peer, peerlen);
		if (pk == NULL)
			errno = EINVAL;
		return (pk);
	}
	if (g->g_kind == DH_MODP && !modp_peer_ok(g, peer)) {
		errno = EINVAL;
		return (NULL);
	}
	if (g->g_kind == DH_ECP) {
		pt[0] = 0x04;
		memcpy(pt + 1, peer, peerlen);
		enc = pt;
		enclen = 1 + peerlen;
	}
	if ((pk = EVP_PKEY_new()) == NULL ||
	    !EVP_PKEY_copy_parameters(pk, g->g_params)) {
		EVP_PKEY_free(pk);
		errno = EIO;
		return (NULL);
	}
	/* For ECP this decodes the point, which fails unless it is on the
	 * curve with both coordinates below p. */
	if (!EVP_PKEY_set1_encoded_public_key(pk, enc, enclen)) {
		EVP_PKEY_free(pk);
		errno = EINVAL;
		return (NULL);
	}
	return (pk);
}

int
ike_dh_derive(struct ike_dh *dh, const uint8_t *peer, size_t peerlen,
    uint8_t *secret, size_t secretsize)
{
	const struct dh_group	*g;
	EVP_PKEY		*pk = NULL;
	EVP_PKEY_CTX		*ctx = NULL;
	OSSL_PARAM		 params[2];
	unsigned int		 pad = 1;
	size_t			 len, i;
	uint8_t			 acc = 0;

	if (dh == NULL || peer == NULL || secret == NULL ||
	    dh->d_key == NULL) {
		errno = EINVAL;
		return (-1);
	}
	g = dh->d_grp;
	if (peerlen != ike_dh_publen(g->g_id) || secretsize < g->g_plen) {
		errno = EINVAL;
		return (-1);
	}
	if ((pk = peer_key(g, peer, peerlen)) == NULL)
		return (-1);
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->d_key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0)
		goto fail;
	if (g->g_kind == DH_MODP) {
		/* g^xy keeps its leading zero bytes: len(p) bytes always. */
		params[0] = OSSL_PARAM_construct_uint(OSSL_EXCHANGE_PARAM_PAD,
		    &pad);
		params[1] = OSSL_PARAM_construct_end();
		if (!EVP_PKEY_CTX_set_params(ctx, params))
			goto fail;
	}
	/* Validated above as RFC 6989 asks; no further OpenSSL check. */
	if (EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) <= 0)
		goto fail;
	len = secretsize;
	if (EVP_PKEY_derive(ctx, secret, &len) <= 0) {
		/* OpenSSL refuses an all-zero X25519 result itself. */
		if (g->g_kind == DH_X25519)
			goto bad;
		goto fail;
	}
	if (len != g->g_plen)
		goto fail;
	if (g->g_kind == DH_X25519) {
		/* RFC 8031 2: an all-zero result means a low-order point. */
		for (i = 0; i < len; i++)
			acc |= secret[i];
		if (acc == 0)
			goto bad;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return ((int)len);
 bad:
	explicit_bzero(secret, secretsize);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	errno = EINVAL;
	return (-1);
 fail:
	explicit_bzero(secret, secretsize);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	errno = EIO;
	return (-1);
}

/* ------------------------------------------------ known-answer loading */

static EVP_PKEY *
keypair_fromdata(const char *type, OSSL_PARAM *params)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*pkey = NULL;

	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL)) == NULL)
		return (NULL);
	if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return (pkey);
}

static EVP_PKEY *
load_modp(const struct dh_group *g, const BIGNUM *x)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	BN_CTX		*bnctx = NULL;
	BIGNUM		*y = NULL, *two = NULL, *xc = NULL;
	EVP_PKEY	*pkey = NULL;

	if ((bnctx = BN_CTX_new()) == NULL || (y = BN_new()) == NULL ||
	    (two = BN_new()) == NULL || !BN_set_word(two, 2) ||
	    (xc = BN_dup(x)) == NULL)
		goto out;
	BN_set_flags(xc, BN_FLG_CONSTTIME);
	if (!BN_mod_exp_mont_consttime(y, two, xc, g->g_p, bnctx, NULL) ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL)
		goto out;
	if (g->g_ossl != NULL) {
		if (!OSSL_PARAM_BLD_push_utf8_string(bld,
		    OSSL_PKEY_PARAM_GROUP_NAME, g->g_ossl, 0))
			goto out;
	} else if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P,
	    g->g_p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, two))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, xc) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	pkey = keypair_fromdata("DH", params);
 out:
	OSSL_PARAM_free(params);	/* OSSL_PARAM_clear_free in 3.1+ */
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bnctx);
	BN_free(y);
	BN_free(two);
	BN_clear_free(xc);
	return (pkey);
}

static EVP_PKEY *
load_ecp(const struct dh_group *g, const BIGNUM *d)
{
	OSSL_PARAM_BLD	*bld = NULL;
	OSSL_PARAM	*params = NULL;
	EC_GROUP	*grp = NULL;
	EC_POINT	*pt = NULL;
	BN_CTX		*bnctx = NULL;
	EVP_PKEY	*pkey = NULL;
	uint8_t		 enc[1 + 2 * ECP_MAXLEN];
	size_t		 enclen;
	int		 nid;

	if ((nid = EC_curve_nist2nid(g->g_ossl)) == NID_undef ||
	    (grp = EC_GROUP_new_by_curve_name(nid)) == NULL ||
	    (pt = EC_POINT_new(grp)) == NULL ||
	    (bnctx = BN_CTX_new()) == NULL ||
	    !EC_POINT_mul(grp, pt, d, NULL, NULL, bnctx))
		goto out;
	enclen = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED,
	    enc, sizeof(enc), bnctx);
	if (enclen != 1 + 2 * g->g_plen ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    g->g_ossl, 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY,
	    enc, enclen) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
		goto out;
	pkey = keypair_fromdata("EC", params);
 out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_CTX_free(bnctx);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return (pkey);
}

int
ike_dh_load_private(struct ike_dh *dh, const uint8_t *priv, size_t privlen)
{
	const struct dh_group	*g;
	EVP_PKEY		*pkey = NULL;
	BIGNUM			*x = NULL;

	if (dh == NULL || priv == NULL || privlen == 0 ||
	    privlen > IKE_DH_MAXLEN) {
		errno = EINVAL;
		return (-1);
	}
	g = dh->d_grp;
	if (g->g_kind == DH_X25519) {
		if (privlen != X25519_LEN) {
			errno = EINVAL;
			return (-1);
		}
		pkey = EVP_PKEY_new_raw_private_key_ex(NULL, g->g_ossl, NULL,
		    priv, privlen);
	} else {
		if ((x = BN_secure_new()) == NULL)
			return (-1);
		BN_set_flags(x, BN_FLG_CONSTTIME);
		if (BN_bin2bn(priv, (int)privlen, x) == NULL ||
		    BN_is_zero(x) || BN_num_bytes(x) > (int)g->g_plen) {
			BN_clear_free(x);
			errno = EINVAL;
			return (-1);
		}
		pkey = g->g_kind == DH_MODP ? load_modp(g, x) :
		    load_ecp(g, x);
		BN_clear_free(x);
	}
	if (pkey == NULL) {
		errno = EINVAL;
		return (-1);
	}
	EVP_PKEY_free(dh->d_key);
	dh->d_key = pkey;
	return (0);
}
