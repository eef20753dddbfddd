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
 * libike crypto: the primitives of IKEv1 (RFC 2409) and of IKEv2 to come,
 * over OpenSSL 3 EVP.
 *
 *  - Diffie-Hellman (ike_dh.c): MODP groups 1, 2, 5, 14-18 (RFC 2409 6,
 *    RFC 3526), ECP groups 19-21 (RFC 5903), Curve25519 group 31
 *    (RFC 8031).  Public values travel as IKE sends them: fixed length,
 *    big-endian and left-padded for MODP, x | y for ECP, 32 bytes for
 *    Curve25519.
 *  - Hashes and the HMAC PRF (ike_crypto.c): MD5 (interoperability
 *    only), SHA-1, SHA2-256/384/512.
 *  - IKEv1 key derivation (ike_kdf.c): SKEYID for pre-shared keys and
 *    signatures, SKEYID_d/a/e, the phase 1 encryption key (appendix B),
 *    HASH_I/HASH_R, the phase 1 and phase 2 IVs, quick mode HASH(1),
 *    HASH(2), HASH(3), KEYMAT and its split into ESP/AH keys.
 *  - Phase 1 encryption (ike_crypto.c): AES-CBC 128/192/256 and
 *    3DES-CBC with IV chaining and RFC 2409 padding.
 *
 * Algorithm numbers are the IANA/IKEv1 attribute values (isakmp.h names
 * them OAKLEY_* and IPSEC_*): this header takes them as plain ints so it
 * needs nothing else.
 *
 * Conventions.  Functions return 0 (or a length) on success and -1 on
 * failure with errno set: EINVAL for bad arguments or a bad value from the
 * peer (an invalid DH public value is EINVAL, nothing else about it is
 * logged here), EOPNOTSUPP for an algorithm this build cannot do, ENOMEM,
 * and EIO when libcrypto itself fails.  Output buffers come with their
 * size; a function never writes past it.  Secrets handed back live in the
 * caller's buffers: wipe them with explicit_bzero() (ike_p1keys_clear()
 * and ike_ipsec_keys_clear() do it for the structures below); everything
 * this library holds internally is wiped before it is freed.
 *
 * Thread safety.  Algorithm tables and DH domain parameters are built once
 * (ike_crypto_init(), called implicitly) and then only read.  A context
 * object (struct ike_prf, struct ike_dh, struct ike_cbc) belongs to one
 * thread at a time; make one per negotiation or per worker and reuse it.
 */

#ifndef PFKEYKIT_IKE_CRYPTO_H
#define PFKEYKIT_IKE_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define IKE_HASH_MAXLEN		64	/* SHA2-512 */
#define IKE_DH_MAXLEN		1024	/* MODP 8192 */
#define IKE_BLOCK_MAXLEN	16	/* AES */
#define IKE_ENCKEY_MAXLEN	32	/* AES-256; 3DES is 24 */
#define IKE_COOKIE_LEN		8
#define IKE_SPI_LEN		4	/* AH/ESP SPI in a phase 2 SA */
#define IKE_KEYMAT_MAXLEN	256	/* more than an ESP/AH SA needs */

/* Call once, early (e.g. before chroot or privilege drop); idempotent.
 * Every other function calls it itself, so it is optional. */
int		 ike_crypto_init(void);

/* ------------------------------------------------------------ hashes */

/* IKEv1 hash algorithm values (RFC 2409 appendix A, RFC 4868). */
#define IKE_HASH_MD5		1
#define IKE_HASH_SHA1		2
#define IKE_HASH_SHA2_256	4
#define IKE_HASH_SHA2_384	5
#define IKE_HASH_SHA2_512	6

/* Output length in bytes of hash (and of its HMAC PRF); 0 if unknown. */
size_t		 ike_hash_len(int hash);
/* "md5", "sha1", "sha2_256", ... (racoon.conf spelling); NULL if unknown. */
const char	*ike_hash_name(int hash);

/* A piece of a concatenation: prf(K, a | b | c) takes three of these. */
struct ike_iov {
	const void	*iov_base;
	size_t		 iov_len;
};

/*
 * A reusable HMAC/hash context for one hash algorithm: a negotiation makes
 * one and runs all its PRF computations through it, so no PRF call
 * allocates.  Keys are given per call.
 */
struct ike_prf;

struct ike_prf	*ike_prf_new(int hash);
void		 ike_prf_free(struct ike_prf *);
int		 ike_prf_hash(const struct ike_prf *);
size_t		 ike_prf_len(const struct ike_prf *);
/* out = prf(key, iov[0] | ... | iov[n-1]); returns the output length. */
int		 ike_prf_v(struct ike_prf *, const uint8_t *key,
		    size_t keylen, const struct ike_iov *iov, size_t n,
		    uint8_t *out, size_t outsize);
int		 ike_prf(struct ike_prf *, const uint8_t *key, size_t keylen,
		    const uint8_t *data, size_t datalen, uint8_t *out,
		    size_t outsize);
/* out = hash(iov[0] | ... ), the plain digest of the same algorithm. */
int		 ike_prf_digest_v(struct ike_prf *,
		    const struct ike_iov *iov, size_t n, uint8_t *out,
		    size_t outsize);

/* ------------------------------------------------------ Diffie-Hellman */

/* Group numbers (IANA "Group Description"). */
#define IKE_DH_MODP768		1
#define IKE_DH_MODP1024		2
#define IKE_DH_MODP1536		5
#define IKE_DH_MODP2048		14
#define IKE_DH_MODP3072		15
#define IKE_DH_MODP4096		16
#define IKE_DH_MODP6144		17
#define IKE_DH_MODP8192		18
#define IKE_DH_ECP256		19
#define IKE_DH_ECP384		20
#define IKE_DH_ECP521		21
#define IKE_DH_CURVE25519	31

/* 1 if this build does the group (libcrypto may lack one), else 0. */
int		 ike_dh_supported(int group);
/* "modp2048", "ecp256", "curve25519", ...; NULL if unknown. */
const char	*ike_dh_name(int group);
/* Length of the public value (KE payload data) and of the shared secret
 * g^xy; 0 if unknown.  MODP: both len(p); ECP: 2 * len(p) and len(p);
 * Curve25519: 32 and 32. */
size_t		 ike_dh_publen(int group);
size_t		 ike_dh_secretlen(int group);
/* Bits of the private exponent a MODP keypair gets (0 for other groups):
 * twice the group's security strength, within RFC 3526 section 8's
 * ranges (2048: 225 bits, where RFC 3526 suggests 220-320). */
int		 ike_dh_privbits(int group);

/*
 * One keypair.  ike_dh_new() makes the context and a first keypair;
 * ike_dh_generate() replaces the keypair, reusing the context, so a worker
 * can keep one per group.  The private key never leaves the object.
 */
struct ike_dh;

struct ike_dh	*ike_dh_new(int group);
int		 ike_dh_generate(struct ike_dh *);
void		 ike_dh_free(struct ike_dh *);
int		 ike_dh_group(const struct ike_dh *);
/* Our public value; publen must be exactly ike_dh_publen(). */
int		 ike_dh_public(const struct ike_dh *, uint8_t *pub,
		    size_t publen);
/*
 * The shared secret g^xy from the peer's public value into secret
 * (secretsize >= ike_dh_secretlen()); returns its length,
 * ike_dh_secretlen(): left-padded for MODP, the x coordinate for ECP
 * (RFC 5903 7).  The peer's value is checked first and refused with
 * EINVAL: its length must be exact; MODP needs 1 < y < p - 1 (enough for
 * these safe-prime groups, RFC 6989 2.2); ECP needs a point on the curve
 * (which excludes infinity and coordinates >= p); Curve25519 refuses an
 * all-zero result (RFC 8031 2, RFC 7748 6.1).  The key pair stays usable.
 */
int		 ike_dh_derive(struct ike_dh *, const uint8_t *peer,
		    size_t peerlen, uint8_t *secret, size_t secretsize);
/*
 * Replace the keypair with a given private key (big-endian integer for
 * MODP and ECP, the 32-byte string for Curve25519); the public value is
 * computed.  For known-answer tests; IKE itself always generates.
 */
int		 ike_dh_load_private(struct ike_dh *, const uint8_t *priv,
		    size_t privlen);

/* --------------------------------------------- IKEv1 phase 1 keying */

/*
 * The phase 1 key set.  prflen bytes of each SKEYID are valid; enckey
 * holds enckeylen bytes once ike_p1_enckey() ran.
 */
struct ike_p1keys {
	int		 k_hash;
	size_t		 k_prflen;
	uint8_t		 k_skeyid[IKE_HASH_MAXLEN];
	uint8_t		 k_skeyid_d[IKE_HASH_MAXLEN];
	uint8_t		 k_skeyid_a[IKE_HASH_MAXLEN];
	uint8_t		 k_skeyid_e[IKE_HASH_MAXLEN];
	uint8_t		 k_enckey[IKE_ENCKEY_MAXLEN];
	size_t		 k_enckeylen;
};

void		 ike_p1keys_clear(struct ike_p1keys *);

/* SKEYID = prf(pre-shared-key, Ni_b | Nr_b)	(RFC 2409 5) */
int		 ike_skeyid_psk(struct ike_prf *, struct ike_p1keys *,
		    const uint8_t *psk, size_t psklen,
		    const uint8_t *ni_b, size_t nilen,
		    const uint8_t *nr_b, size_t nrlen);
/* SKEYID = prf(Ni_b | Nr_b, g^xy)		(signatures, RFC 2409 5) */
int		 ike_skeyid_sig(struct ike_prf *, struct ike_p1keys *,
		    const uint8_t *ni_b, size_t nilen,
		    const uint8_t *nr_b, size_t nrlen,
		    const uint8_t *gxy, size_t gxylen);
/*
 * SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0)
 * SKEYID_a = prf(SKEYID, SKEYID_d | g^xy | CKY-I | CKY-R | 1)
 * SKEYID_e = prf(SKEYID, SKEYID_a | g^xy | CKY-I | CKY-R | 2)
 */
int		 ike_skeyid_dae(struct ike_prf *, struct ike_p1keys *,
		    const uint8_t *gxy, size_t gxylen,
		    const uint8_t cky_i[IKE_COOKIE_LEN],
		    const uint8_t cky_r[IKE_COOKIE_LEN]);
/*
 * The phase 1 encryption key of enckeylen bytes (RFC 2409 appendix B):
 * the first bytes of SKEYID_e when it is long enough, else
 * K1 | K2 | ... with K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1).
 */
int		 ike_p1_enckey(struct ike_prf *, struct ike_p1keys *,
		    size_t enckeylen);
/*
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 * Both take the values in initiator/responder order; sai_b and id_b are
 * payload bodies (without the generic header); id_b is IDii_b for HASH_I
 * and IDir_b for HASH_R.  Returns the length written.
 */
int		 ike_p1_hash_i(struct ike_prf *, const struct ike_p1keys *,
		    const uint8_t *gxi, size_t gxilen,
		    const uint8_t *gxr, size_t gxrlen,
		    const uint8_t cky_i[IKE_COOKIE_LEN],
		    const uint8_t cky_r[IKE_COOKIE_LEN],
		    const uint8_t *sai_b, size_t sailen,
		    const uint8_t *id_b, size_t idlen,
		    uint8_t *out, size_t outsize);
int		 ike_p1_hash_r(struct ike_prf *, const struct ike_p1keys *,
		    const uint8_t *gxi, size_t gxilen,
		    const uint8_t *gxr, size_t gxrlen,
		    const uint8_t cky_i[IKE_COOKIE_LEN],
		    const uint8_t cky_r[IKE_COOKIE_LEN],
		    const uint8_t *sai_b, size_t sailen,
		    const uint8_t *id_b, size_t idlen,
		    uint8_t *out, size_t outsize);

/* Phase 1 IV = hash(g^xi | g^xr), first blocklen bytes (RFC 2409 B). */
int		 ike_p1_iv(struct ike_prf *, const uint8_t *gxi,
		    size_t gxilen, const uint8_t *gxr, size_t gxrlen,
		    uint8_t *iv, size_t blocklen);
/*
 * Phase 2 and informational IV = hash(last phase 1 CBC block | M-ID),
 * first blocklen bytes; mid in host order, hashed as the 4 bytes of the
 * ISAKMP header (big-endian).  p1_last is the IV the phase 1 chain ended
 * with (the last cipher block of the last phase 1 message).
 */
int		 ike_p2_iv(struct ike_prf *, const uint8_t *p1_last,
		    size_t blocklen, uint32_t mid, uint8_t *iv);

/* ------------------------------------------------- quick mode hashes */

/*
 * HASH(1) = prf(SKEYID_a, M-ID | rest), rest being the message after the
 * HASH payload (SA | Ni [| KE] [| IDci | IDcr], whole payloads with their
 * generic headers).  Informational exchanges use the same formula with
 * the N or D payload as rest (RFC 2409 5.7).
 * HASH(2) = prf(SKEYID_a, M-ID | Ni_b | rest)
 * HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
 * Each returns the length written (the PRF length).
 */
int		 ike_qm_hash1(struct ike_prf *, const struct ike_p1keys *,
		    uint32_t mid, const uint8_t *rest, size_t restlen,
		    uint8_t *out, size_t outsize);
int		 ike_qm_hash2(struct ike_prf *, const struct ike_p1keys *,
		    uint32_t mid, const uint8_t *ni_b, size_t nilen,
		    const uint8_t *rest, size_t restlen,
		    uint8_t *out, size_t outsize);
int		 ike_qm_hash3(struct ike_prf *, const struct ike_p1keys *,
		    uint32_t mid, const uint8_t *ni_b, size_t nilen,
		    const uint8_t *nr_b, size_t nrlen,
		    uint8_t *out, size_t outsize);

/* -------------------------------------------------- phase 2 keying */

/* IPsec protocol ids in a phase 2 proposal. */
#define IKE_PROTO_AH		2
#define IKE_PROTO_ESP		3

/* ESP transform ids and AH transform ids this library derives keys for. */
#define IKE_ESP_3DES		3
#define IKE_ESP_NULL		11
#define IKE_ESP_AES_CBC		12
#define IKE_ESP_AES_GCM_8	18	/* RFC 4106 */
#define IKE_ESP_AES_GCM_12	19
#define IKE_ESP_AES_GCM_16	20
#define IKE_AH_MD5		2
#define IKE_AH_SHA1		3
#define IKE_AH_SHA2_256		5
#define IKE_AH_SHA2_384		6
#define IKE_AH_SHA2_512		7

/* Authentication algorithm attribute values (RFC 2407 4.5, RFC 4868). */
#define IKE_AUTH_NONE		0
#define IKE_AUTH_HMAC_MD5	1
#define IKE_AUTH_HMAC_SHA1	2
#define IKE_AUTH_HMAC_SHA2_256	5
#define IKE_AUTH_HMAC_SHA2_384	6
#define IKE_AUTH_HMAC_SHA2_512	7

/* What one phase 2 SA negotiated. */
struct ike_ipsec_alg {
	int		 ia_proto;	/* IKE_PROTO_AH or IKE_PROTO_ESP */
	int		 ia_transform;	/* IKE_ESP_* or IKE_AH_* */
	int		 ia_keybits;	/* Key Length; 0 if absent */
	int		 ia_auth;	/* IKE_AUTH_*; ESP only */
};

/*
 * Key sizes in bytes for alg: the encryption key (without salt), the
 * AES-GCM salt (4, RFC 4106 8.1, else 0), the authentication key.
 * -1/EINVAL for combinations IPsec does not allow (GCM with an
 * authentication algorithm, AES without or with a bad key length, ESP
 * with neither encryption nor authentication, ...).
 */
int		 ike_ipsec_keysizes(const struct ike_ipsec_alg *,
		    size_t *enclen, size_t *saltlen, size_t *authlen);

/* The inputs of KEYMAT for one SA (one direction). */
struct ike_keymat_in {
	const uint8_t	*km_gqm;	/* g(qm)^xy with PFS, else NULL */
	size_t		 km_gqmlen;
	int		 km_proto;	/* IKE_PROTO_AH/ESP */
	uint8_t		 km_spi[IKE_SPI_LEN];	/* as on the wire */
	const uint8_t	*km_ni;		/* Ni_b */
	size_t		 km_nilen;
	const uint8_t	*km_nr;		/* Nr_b */
	size_t		 km_nrlen;
};

/*
 * KEYMAT = K1 | K2 | ..., first outlen bytes, where
 * K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b) and
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b)
 * (RFC 2409 5.5).  outlen <= IKE_KEYMAT_MAXLEN.
 */
int		 ike_keymat(struct ike_prf *, const struct ike_p1keys *,
		    const struct ike_keymat_in *, uint8_t *out, size_t outlen);

/* The keys of one SA, cut from KEYMAT: encryption key first (for AES-GCM
 * followed by its 4-byte salt, ik_enclen counting both), then the
 * authentication key. */
struct ike_ipsec_keys {
	uint8_t		 ik_enc[IKE_ENCKEY_MAXLEN + 4];
	size_t		 ik_enclen;
	size_t		 ik_saltlen;	/* of ik_enclen: 4 for GCM */
	uint8_t		 ik_auth[IKE_HASH_MAXLEN];
	size_t		 ik_authlen;
};

int		 ike_ipsec_keys(struct ike_prf *, const struct ike_p1keys *,
		    const struct ike_keymat_in *, const struct ike_ipsec_alg *,
		    struct ike_ipsec_keys *);
void		 ike_ipsec_keys_clear(struct ike_ipsec_keys *);

/* ------------------------------------------------ phase 1 encryption */

/* IKEv1 encryption algorithm values. */
#define IKE_ENCR_3DES_CBC	5
#define IKE_ENCR_AES_CBC	7

/* Key length in bytes for alg and keybits (AES: 128/192/256; 3DES: 0 or
 * 192); 0 if not allowed. */
size_t		 ike_cbc_keylen(int alg, int keybits);
/* Block length in bytes (16 AES, 8 3DES); 0 if unknown. */
size_t		 ike_cbc_blocklen(int alg);

/*
 * Padding added to a body of len bytes (RFC 2409 5.3): up to the next
 * block boundary and always at least one byte, so 1..blocklen bytes.
 */
size_t		 ike_cbc_padlen(size_t len, size_t blocklen);

/*
 * A keyed cipher for one phase 1 SA.  IVs are the caller's: each call
 * takes the IV of the message and leaves in it the last cipher block,
 * the IV of the next message in the chain (RFC 2409 appendix B).
 */
struct ike_cbc;

struct ike_cbc	*ike_cbc_new(int alg, const uint8_t *key, size_t keylen);
void		 ike_cbc_free(struct ike_cbc *);
size_t		 ike_cbc_block(const struct ike_cbc *);
/*
 * Pad in (inlen bytes) with ike_cbc_padlen() bytes: zeros and a last byte
 * holding the pad length minus one (RFC 2409 5.3; racoon's
 * "exclusive_tail"), then encrypt into out (outsize >= inlen + padlen;
 * out may equal in).  Returns the ciphertext length.
 */
int		 ike_cbc_encrypt(struct ike_cbc *, uint8_t *iv,
		    const uint8_t *in, size_t inlen, uint8_t *out,
		    size_t outsize);
/*
 * Decrypt inlen bytes (a non-zero multiple of the block) into out
 * (inlen bytes; out may equal in).  Padding is neither checked nor
 * removed: peers disagree on it (RFC 2409 5.3 has a pad-length byte,
 * appendix B plain zeros, racoon random bytes and optionally extra
 * blocks, some peers none when the body is aligned), and the payload
 * chain, not the padding, says where the message ends.  iv becomes the
 * last cipher block of in; pass a copy to keep the old IV until the
 * message is authenticated.  Returns inlen.
 */
int		 ike_cbc_decrypt(struct ike_cbc *, uint8_t *iv,
		    const uint8_t *in, size_t inlen, uint8_t *out);

#endif /* PFKEYKIT_IKE_CRYPTO_H */
