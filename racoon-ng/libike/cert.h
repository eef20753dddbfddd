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
 * cert.h: X.509 certificates for IKEv1 signature authentication
 * (RFC 2409 5.1, RFC 4945), over OpenSSL 3.
 *
 *  - Certificates (cert.c): our certificate_type file, a peers_certfile,
 *    or what a peer sent in CERT payloads; PEM (one or more) or DER.  The
 *    first certificate is the end-entity one, the others are CA
 *    certificates that go with it (its chain).
 *  - Trust (cert_store.c): the CA certificates of `ca_type x509' (or the
 *    hashed files of `path certificate'), the CRLs of `crl_file' and of
 *    `path certificate'; chain verification of a peer's certificate; the
 *    CR payloads we send and the choice of our certificate for a CR.
 *  - Identities (cert_id.c): an ID payload against the certificate
 *    (verify_cert), against peers_identifier (verify_identifier), the DN
 *    strings of racoon.conf, and the ID payload made from my_identifier.
 *  - Private keys and signatures (cert_key.c): only the process that
 *    holds the keys (the CA process) loads a key; signatures of HASH_I /
 *    HASH_R as racoon and strongSwan make them.
 *
 * Signatures.  RFC 2409 5.1 signs HASH_I/HASH_R "with the negotiated
 * signature algorithm".  For RSA, racoon (RSA_private_encrypt, later
 * EVP_PKEY_sign without a digest) and strongSwan (SIGN_RSA_EMSA_PKCS1_NULL)
 * both apply PKCS#1 v1.5 type 1 padding to the bare hash, with no
 * DigestInfo around it: that is what cert_key_sign() makes and
 * cert_verify_sig() accepts.  ECDSA (RFC 4754 auth methods 9, 10, 11)
 * signs the hash bytes as the digest and sends r | s, each left-padded to
 * the size of the curve (strongSwan's SIGN_ECDSA_WITH_NULL); the curve
 * must be the one of the method.
 *
 * Conventions.  Functions return 0 (or a count) on success and -1 on
 * failure with a message in the caller's buffer (err/reason, errlen
 * bytes, CERT_ERR_MAX is enough): "NAME: what is wrong" for files and
 * buffers, where NAME is the path or the name the caller gave.  Nothing
 * is printed, nothing exits.  Objects are opaque; the pointers handed out
 * (DER bytes) stay valid until the object is freed.
 */

#ifndef RACOON_NG_CERT_H
#define RACOON_NG_CERT_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "conf.h"		/* struct rcn_id, struct rcn_remote */
#include "isakmp.h"		/* struct isakmp_cert, IPSEC_ID_* */

/*
 * Limits: bytes of a certificate, key or CRL file; certificates in a
 * file or from a peer; files read from `path certificate'; bytes of a
 * signature (RSA 8192); bits of an RSA key at least; a message buffer
 * that never truncates; bytes of a DER DN.
 */
#define CERT_FILE_MAX	(1024 * 1024)
#define CERT_CHAIN_MAX	8
#define CERT_DIR_MAX	1024
#define CERT_SIG_MAX	1024
#define CERT_RSA_MIN	1024
#define CERT_ERR_MAX	320
#define CERT_DN_MAX	4096

/* The key types racoon-ng signs and verifies with. */
enum cert_keytype {
	CERT_KEY_NONE,			/* unsupported */
	CERT_KEY_RSA,
	CERT_KEY_ECDSA_P256,
	CERT_KEY_ECDSA_P384,
	CERT_KEY_ECDSA_P521
};

/* IKEv1 authentication methods (RFC 2409 appendix A, RFC 4754). */
#define CERT_AUTH_RSASIG	3
#define CERT_AUTH_ECDSA_256	9
#define CERT_AUTH_ECDSA_384	10
#define CERT_AUTH_ECDSA_521	11

/* ------------------------------------------------------- certificates */

struct cert;

/* cert_load() flags: the end-entity certificate must be valid now. */
#define CERT_F_VALID_NOW	0x01

/*
 * A certificate and its chain from a buffer: PEM (every CERTIFICATE
 * block, at most CERT_CHAIN_MAX) or one DER certificate with nothing
 * after it.  PEM that also holds a private key is refused: keys live in
 * their own file, read only by the process that signs.  `name' is used in
 * messages (the file's path).
 */
int	 cert_load(const char *name, const void *buf, size_t len,
	    unsigned flags, struct cert **, char *err, size_t errlen);
/* The same from a file (a regular file of at most CERT_FILE_MAX). */
int	 cert_load_file(const char *path, unsigned flags, struct cert **,
	    char *err, size_t errlen);
/*
 * A peer's certificate from its CERT payloads (RFC 2408 3.9): encoding
 * X.509 signature (4, one DER certificate each) or PKCS #7 (1, a
 * signed-data bundle); CRL payloads (7) are ignored.  The end-entity
 * certificate is the one that issued none of the others (the first such
 * in payload order); the others are its untrusted chain.  On failure
 * *notify is the ISAKMP notify to send (INVALID-CERT-ENCODING,
 * CERT-TYPE-UNSUPPORTED).
 */
int	 cert_from_payloads(const struct isakmp_cert *, size_t n,
	    struct cert **, int *notify, char *err, size_t errlen);
void	 cert_free(struct cert *);

/* Certificates held: 1 (end entity) + its chain. */
size_t	 cert_count(const struct cert *);
/* DER of certificate i (0: the end-entity one); NULL past the end. */
const uint8_t *cert_der(const struct cert *, size_t i, size_t *len);
/* DER of the end-entity certificate's subject and issuer names. */
const uint8_t *cert_subject_der(const struct cert *, size_t *len);
const uint8_t *cert_issuer_der(const struct cert *, size_t *len);
/* The subject as text ("C=DE, O=Example, CN=gw"), for messages. */
void	 cert_subject_text(const struct cert *, char *, size_t);
/*
 * Whether the end-entity certificate is valid at `now' (0: the current
 * time): 0, or -1 with "expired on DATE" / "not valid before DATE".
 */
int	 cert_check_time(const struct cert *, time_t now, char *reason,
	    size_t);
/* The key type of the end-entity certificate, and the method it signs
 * with (0 if none). */
enum cert_keytype cert_keytype(const struct cert *);
int	 cert_auth_method(const struct cert *);
/*
 * Check a SIG payload's data against HASH_I/HASH_R with the end-entity
 * certificate's public key and the negotiated method (see above): 0 if
 * the signature is right, -1 if not (or the method does not fit the
 * key).
 */
int	 cert_verify_sig(const struct cert *, int auth_method,
	    const uint8_t *hash, size_t hashlen, const uint8_t *sig,
	    size_t siglen);

/* ------------------------------------------------------------- trust */

struct cert_store;

/* Called for what is worth a log line but does not stop loading. */
typedef void cert_warn_fn(void *arg, const char *msg);

struct cert_store *cert_store_new(void);
void	 cert_store_free(struct cert_store *);
void	 cert_store_set_warn(struct cert_store *, cert_warn_fn *, void *);
/*
 * Trusted CA certificates from a buffer or file (ca_type x509): PEM (one
 * or more) or one DER certificate.  Each must be a CA certificate
 * (basicConstraints CA, or a v1 self-signed root) and valid now.  The
 * chain of a peer must end at a self-signed one of them; an intermediate
 * CA given here helps build the chain but is not an anchor by itself.
 */
int	 cert_store_add_ca(struct cert_store *, const char *name,
	    const void *buf, size_t len, char *err, size_t errlen);
int	 cert_store_add_ca_file(struct cert_store *, const char *path,
	    char *err, size_t errlen);
/*
 * CRLs from a buffer or file (crl_file): PEM (one or more) or one DER
 * CRL.  With at least one CRL in the store, every certificate of a
 * peer's chain is checked against the CRL of its issuer when there is
 * one (see cert_verify()).  An expired CRL is loaded with a warning.
 */
int	 cert_store_add_crl(struct cert_store *, const char *name,
	    const void *buf, size_t len, char *err, size_t errlen);
int	 cert_store_add_crl_file(struct cert_store *, const char *path,
	    char *err, size_t errlen);
/*
 * `path certificate' as racoon and OpenSSL's hashed directories have it:
 * files named HHHHHHHH.N are CA certificates and HHHHHHHH.rN are CRLs
 * (openssl rehash, c_rehash); other files are not read, so keys and our
 * own certificate may sit beside them.  `what' says which to load.  A
 * file that cannot be used (not a CA, expired, unreadable) is skipped
 * with a warning.  Returns the number of certificates and CRLs added, or
 * -1 if the directory cannot be read.
 */
#define CERT_DIR_CAS	0x01
#define CERT_DIR_CRLS	0x02
int	 cert_store_add_dir(struct cert_store *, const char *path,
	    unsigned what, char *err, size_t errlen);
/*
 * The store of a remote as racoon-ng.conf(5) describes it: ca_file, or
 * the CA certificates of path_certificate without one; crl_file and the
 * CRLs of path_certificate.  The files are read here (before chroot, or
 * in the process the parent gives them to).  Warnings go to warn (which
 * may be NULL) and stay set on the new store.
 */
int	 cert_store_load_remote(const struct rcn_config *,
	    const struct rcn_remote *, cert_warn_fn *warn, void *warnarg,
	    struct cert_store **, char *err, size_t errlen);

size_t	 cert_store_ncas(const struct cert_store *);
size_t	 cert_store_ncrls(const struct cert_store *);
/*
 * The DER of CA certificate i (in load order) and of CRL i, to hand the
 * store's public content to another process, which rebuilds it with
 * cert_store_add_ca() and cert_store_add_crl().  Returns the length and
 * a malloc'd copy in *der, or -1 past the end (or out of memory).
 */
ssize_t	 cert_store_ca_der(const struct cert_store *, size_t i,
	    uint8_t **der);
ssize_t	 cert_store_crl_der(const struct cert_store *, size_t i,
	    uint8_t **der);

/* cert_verify() flags: accept an expired CRL (with a warning). */
#define CERT_VF_CRL_LAX	0x01

struct cert_verdict {
	int	 notify;		/* ISAKMP_NTYPE_* when refused */
	int	 x509_error;		/* X509_V_ERR_*, or 0 */
	int	 depth;			/* 0: the peer's own */
	char	 reason[CERT_ERR_MAX];	/* why it was refused */
	char	 warning[CERT_ERR_MAX];	/* accepted, but note this */
};

/*
 * Verify a peer's certificate at `now' (0: the current time): a chain to
 * a CA of the store through the certificates that came with it, every
 * certificate in its validity period, issuers that are CAs, any purpose,
 * key usage as RFC 4945 5.1.3.2 asks (digitalSignature or
 * nonRepudiation if the extension is there), a key type racoon-ng can
 * verify.  CRLs, when the store has any: a revoked certificate is
 * refused; an issuer without a CRL is accepted with a warning (as racoon
 * did); an expired CRL refuses the certificates it covers unless
 * CERT_VF_CRL_LAX (racoon refused them too).  Returns 0 (accepted;
 * v->warning may hold a note) or -1 (v->reason says why, v->notify is the
 * notify to send).
 */
int	 cert_verify(const struct cert_store *, const struct cert *peer,
	    time_t now, unsigned flags, struct cert_verdict *v);

/*
 * CR payloads for the store's CAs (RFC 2408 3.10, as racoon and
 * strongSwan send them): encoding 4 and the DER subject of each distinct
 * CA, in load order.  Fills at most `max' entries pointing into the
 * store; returns the number of CAs (which may be more than max).
 */
size_t	 cert_store_crs(const struct cert_store *, struct isakmp_cert *,
	    size_t max);

/*
 * Whether our certificate (with its chain) answers a CR: encoding 4 and a
 * DN that is the issuer of one of its certificates (so a CR for a root
 * CA finds an end entity issued by an intermediate when the chain holds
 * the intermediate); a CR with no DN asks for any certificate and
 * matches when match_empty.
 */
bool	 cert_matches_cr(const struct cert *mine,
	    const struct isakmp_cert *, bool match_empty);
/* The first of n certificates that answers one of the CRs, or -1. */
int	 cert_choose_for_crs(const struct cert *const *mine, size_t n,
	    const struct isakmp_cert *crs, size_t ncrs, bool match_empty);

/* -------------------------------------------------------- identities */

/*
 * A distinguished name written as racoon.conf has it: "C=DE, O=Example,
 * OU=*, CN=gw.example.org", in the order of the DER encoding (the first
 * written is the first RDN, as racoon, strongSwan and openssl req -subj
 * read it), RDNs separated by "," (or ";"), several values of one RDN
 * joined by "+"; or OpenSSL's "/C=DE/O=Example/CN=gw" when the string
 * starts with "/".  Blanks around separators are dropped.  Escapes as in
 * RFC 4514: "\," and the other specials, "\XX" for a byte.  Attribute
 * names: C ST L O OU CN DC UID SN GN T serialNumber E/email/emailAddress
 * (any case), or another OpenSSL name or a dotted OID.  A value that is
 * just "*" (not "\*") matches any value of that attribute in a pattern.
 */
struct cert_dn;
int	 cert_dn_parse(const char *, struct cert_dn **, char *err,
	    size_t errlen);
void	 cert_dn_free(struct cert_dn *);
/* The DER of the parsed DN (a wildcard is the string "*"). */
const uint8_t *cert_dn_der(const struct cert_dn *, size_t *len);
bool	 cert_dn_has_wildcard(const struct cert_dn *);
/*
 * Whether a DER DN matches the pattern: the same attributes in the same
 * RDNs in the same order, values equal after OpenSSL's canonical form
 * (case and blanks folded, string types ignored), "*" values anything.
 */
bool	 cert_dn_match(const struct cert_dn *, const uint8_t *der,
	    size_t len);
/* A DER DN as text for messages ("?" when it does not decode). */
void	 cert_dn_text(const uint8_t *der, size_t len, char *, size_t);

/*
 * verify_cert: whether an ID payload (type and data as in struct
 * isakmp_id) is the identity the certificate vouches for.
 * IPV4_ADDR/IPV6_ADDR: an iPAddress subjectAltName with those bytes.
 * FQDN: a dNSName, without regard to case or one final dot; wildcard
 * names ("*.example.org") are not expanded, since a certificate for a
 * whole domain would let each of its hosts claim to be any other.
 * USER_FQDN: an rfc822Name, the domain without regard to case.
 * DER_ASN1_DN: the subject, compared in canonical form.  Other types
 * cannot be checked against a certificate.  0, or -1 with the reason (the
 * notify is INVALID-ID-INFORMATION).
 */
int	 cert_check_id(const struct cert *, uint8_t idtype,
	    const uint8_t *id, size_t idlen, char *reason, size_t);

/*
 * verify_identifier: whether an ID payload is one peers_identifier
 * allows.  address: that address (the peer's IKE address `peer' when
 * none is written; NULL matches nothing); fqdn, user_fqdn: as
 * cert_check_id() compares them; asn1dn: the DN pattern, or any DN when
 * none is written.
 */
bool	 cert_match_peers_id(const struct rcn_id *,
	    const struct sad_addr *peer, uint8_t idtype, const uint8_t *id,
	    size_t idlen);
/*
 * 0 if any of the remote's peers_identifier allows the ID, or if it has
 * none (racoon checks nothing then); -1 with the reason otherwise.
 */
int	 cert_check_peers_id(const struct rcn_remote *,
	    const struct sad_addr *peer, uint8_t idtype, const uint8_t *id,
	    size_t idlen, char *reason, size_t);

/*
 * The ID payload for my_identifier: address (the one written, else
 * `local'), fqdn, user_fqdn, asn1dn (the DN written, else the subject of
 * `mine' byte for byte).  A DN written that is our certificate's subject
 * in another spelling is sent as the certificate has it, so peers that
 * compare bytes agree.  Writes *type and the data (at most bufsize
 * bytes) and returns its length, or -1 with the reason.  On success err
 * holds a warning or is empty (a written DN that is not our subject).
 */
ssize_t	 cert_my_id(const struct rcn_id *, const struct cert *mine,
	    const struct sad_addr *local, uint8_t *type, uint8_t *buf,
	    size_t bufsize, char *err, size_t errlen);

/* ------------------------------------------------ private keys (CA) */

struct cert_key;

/*
 * A private key from a buffer or file: PEM (PKCS #8 or the traditional
 * RSA/EC forms) or DER, without a passphrase; RSA of CERT_RSA_MIN to 8192
 * bits or ECDSA on P-256, P-384, P-521.  The file buffer is wiped before
 * it is freed, and so is the key by cert_key_free().
 */
int	 cert_key_load(const char *name, const void *buf, size_t len,
	    struct cert_key **, char *err, size_t errlen);
int	 cert_key_load_file(const char *path, struct cert_key **, char *err,
	    size_t errlen);
void	 cert_key_free(struct cert_key *);
enum cert_keytype cert_key_keytype(const struct cert_key *);
/* 0 if the key is the private half of the certificate's public key. */
int	 cert_key_matches(const struct cert_key *, const struct cert *,
	    char *err, size_t errlen);
/* The length of this key's signatures. */
size_t	 cert_key_sig_len(const struct cert_key *);
/*
 * Sign HASH_I/HASH_R for the negotiated method (see above): writes the
 * signature (at most sigsize bytes) and returns its length, or -1 (the
 * method does not fit the key, the hash is too long for it, sigsize too
 * small, or libcrypto failed).
 */
ssize_t	 cert_key_sign(const struct cert_key *, int auth_method,
	    const uint8_t *hash, size_t hashlen, uint8_t *sig, size_t sigsize);

/* Names for messages. */
const char *cert_keytype_name(enum cert_keytype);

#endif /* RACOON_NG_CERT_H */
