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
 * libFuzzer target: what a peer's CERT, CR and ID payloads reach in
 * racoon-ng/libike/cert*.c (X.509 and PKCS #7 decoding, chain and CRL
 * verification, identities against the certificate and against
 * peers_identifier, CR matching, names as text, signature checks).
 *
 * Input: one flags byte, then records of a tag byte, a 2-byte length
 * (big-endian) and that many bytes (the last record takes what is left).
 * The tag's top two bits say what the record is, the low six bits
 * qualify it:
 *
 *	00 eeeeee	CERT payload of encoding e (4 X.509, 1 PKCS #7, ...)
 *	01 eeeeee	CR payload of encoding e, the body a DER DN
 *	10 tttttt	ID payload of type t (IPSEC_ID_*)
 *	11 000000	a peers_identifier: a byte RCN_ID_*, then the value
 *			(ADDRESS: 4 or 16 address bytes, else the peer)
 *	11 000001	HASH_I/HASH_R for cert_verify_sig()
 *	11 000010	a SIG payload's data for cert_verify_sig()
 *
 * Flags: bits 0-1 the verification time (CRLs fresh, CRLs expired,
 * `notyet' valid and CRLs expired, `expired' valid); bit 2
 * CERT_VF_CRL_LAX; bit 3 match_empty for CRs; bits 4-6 the method given
 * to cert_verify_sig() (the certificate's own, RSA, ECDSA P-256, P-384,
 * P-521, two invalid ones); bit 7 an IPv6 peer address.
 *
 * The trust store is the test PKI's root and intermediate CAs with their
 * CRLs and the other CA without one (cert_fuzz_pki.h), built once.  Invariants: refusals carry a
 * reason and one of the notifies the API names; a decoded certificate
 * answers the ID of its own subject and a CR for its own issuer;
 * cert_choose_for_crs() agrees with cert_matches_cr(); cert_check_peers_id()
 * agrees with cert_match_peers_id(); names as text always fit, NUL
 * included, in the buffer given (exactly sized heap buffers, so that the
 * address sanitizer sees a byte too many); a signature never verifies
 * with a method that is not the key's, nor a junk one with a certificate
 * that chains to the store.
 *
 * Built with -DCERT_FUZZ_CORPUS (plain cc, libcrypto only) the file is
 * instead the program that writes the seed corpus (corpus/cert) from a
 * PKI made by tests/racoon-ng/cert/mkpki.sh:
 *	sh ../tests/racoon-ng/cert/mkpki.sh /tmp/pki
 *	cc -DCERT_FUZZ_CORPUS -D_GNU_SOURCE -I../racoon-ng/libike \
 *	    -I../sadb -I../libpfkey -I../compat cert_fuzz.c -lcrypto &&
 *	    ./a.out /tmp/pki corpus/cert
 * The seeds must come from the PKI of cert_fuzz_pki.h to chain to it.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cert.h"

#define CF_MAXCERT	10	/* more than CERT_CHAIN_MAX */
#define CF_MAXCR	8
#define CF_MAXID	8
#define CF_MAXPID	4

#define CF_KIND_CERT	0x00
#define CF_KIND_CR	0x40
#define CF_KIND_ID	0x80
#define CF_KIND_MISC	0xc0
#define CF_MISC_PID	0
#define CF_MISC_HASH	1
#define CF_MISC_SIG	2

#define CF_F_TIME	0x03
#define CF_F_CRL_LAX	0x04
#define CF_F_EMPTY_CR	0x08
#define CF_F_METHOD(f)	(((f) >> 4) & 0x07)
#define CF_F_PEER6	0x80

#ifndef CERT_FUZZ_CORPUS

#include "cert_fuzz_pki.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct cert_store *store;

static void
need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "cert_fuzz: %s\n", what);
		abort();
	}
}

static void
add(bool ca, const char *name, const char *pem)
{
	char err[CERT_ERR_MAX];
	int rc;

	rc = ca ? cert_store_add_ca(store, name, pem, strlen(pem), err,
	    sizeof(err)) : cert_store_add_crl(store, name, pem, strlen(pem),
	    err, sizeof(err));
	if (rc == -1) {
		fprintf(stderr, "cert_fuzz: %s\n", err);
		abort();
	}
}

static void
ignore_warning(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	need((store = cert_store_new()) != NULL, "cert_store_new");
	cert_store_set_warn(store, ignore_warning, NULL);
	add(true, "root.crt", pki_root_crt);
	add(true, "inter.crt", pki_inter_crt);
	add(true, "other.crt", pki_other_crt);
	add(false, "root.crl", pki_root_crl);
	add(false, "inter.crl", pki_inter_crl);
	need(cert_store_ncas(store) == 3 && cert_store_ncrls(store) == 2,
	    "the store of the test PKI");
	return (0);
}

/* A string written into a buffer of `size' bytes ends inside it. */
static void
check_text(const char *buf, size_t size, const char *what)
{
	if (size > 0)
		need(memchr(buf, '\0', size) != NULL, what);
}

static const size_t text_sizes[] = { 0, 1, 2, 5, 17, 64, 200 };

/* cert_dn_text() into exactly sized buffers; true if it decoded. */
static bool
dn_text(const uint8_t *der, size_t len)
{
	char *buf;
	size_t i, sz;
	bool ok = false;

	for (i = 0; i < sizeof(text_sizes) / sizeof(text_sizes[0]); i++) {
		sz = text_sizes[i];
		need((buf = malloc(sz > 0 ? sz : 1)) != NULL, "malloc");
		cert_dn_text(der, len, buf, sz);
		check_text(buf, sz, "cert_dn_text overran its buffer");
		if (sz == 200)
			ok = strcmp(buf, "?") != 0;
		free(buf);
	}
	return (ok);
}

static void
subject_text(const struct cert *c)
{
	char *buf;
	size_t i, sz;

	for (i = 0; i < sizeof(text_sizes) / sizeof(text_sizes[0]); i++) {
		sz = text_sizes[i];
		need((buf = malloc(sz > 0 ? sz : 1)) != NULL, "malloc");
		cert_subject_text(c, buf, sz);
		check_text(buf, sz, "cert_subject_text overran its buffer");
		free(buf);
	}
}

static bool
is_refusal(int notify)
{
	return (notify == ISAKMP_NTYPE_INVALID_CERTIFICATE ||
	    notify == ISAKMP_NTYPE_INVALID_CERT_AUTHORITY);
}

static time_t
verify_time(uint8_t flags)
{
	switch (flags & CF_F_TIME) {
	case 0:		/* a day after the CRLs were issued */
		return ((time_t)CERT_FUZZ_PKI_TIME + 86400);
	case 1:		/* the CRLs have expired */
		return ((time_t)CERT_FUZZ_PKI_TIME + 45 * 86400);
	case 2:		/* `notyet' is valid */
		return ((time_t)CERT_FUZZ_PKI_TIME + 1100 * 86400);
	default:	/* 2020-06-01: `expired' is valid */
		return ((time_t)1590969600);
	}
}

static int
sig_method(uint8_t flags, const struct cert *c)
{
	static const int m[] = { 0, CERT_AUTH_RSASIG, CERT_AUTH_ECDSA_256,
	    CERT_AUTH_ECDSA_384, CERT_AUTH_ECDSA_521, 0, 1, 0 };
	unsigned i = CF_F_METHOD(flags);

	if (i == 0 || i == 7)
		return (cert_auth_method(c));
	return (m[i]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t dflhash[32] = { 0x5a, 0x5a, 0x5a, 0x5a };
	static const uint8_t dflsig[256] = { 0x00, 0x01, 0xff, 0xff };
	struct isakmp_cert certs[CF_MAXCERT], crs[CF_MAXCR], mycr;
	struct {
		uint8_t		 type;
		const uint8_t	*data;
		size_t		 len;
	} ids[CF_MAXID];
	static const uint8_t idtypes[] = { IPSEC_ID_IPV4_ADDR,
	    IPSEC_ID_FQDN, IPSEC_ID_USER_FQDN, IPSEC_ID_IPV6_ADDR,
	    IPSEC_ID_DER_ASN1_DN, IPSEC_ID_KEY_ID };
	struct isakmp_cert storecrs[4];
	struct rcn_id pids[CF_MAXPID];
	struct rcn_remote remote;
	struct sad_addr peer;
	struct cert_verdict v;
	struct cert *c = NULL;
	const struct cert *mine[3];
	const uint8_t *hash = dflhash, *sig = dflsig, *p, *der;
	char err[CERT_ERR_MAX], reason[CERT_ERR_MAX];
	size_t ncerts = 0, ncrs = 0, nids = 0, npids = 0, nstorecrs;
	size_t hashlen = sizeof(dflhash), siglen = sizeof(dflsig);
	size_t left, len, i, k, n, derlen;
	uint8_t flags, tag;
	bool verified = false, any;
	int notify, rc, method, first;

	if (size < 1)
		return (0);
	flags = data[0];
	p = data + 1;
	left = size - 1;
	memset(pids, 0, sizeof(pids));
	while (left > 0) {
		tag = p[0];
		if (left >= 3) {
			len = (size_t)p[1] << 8 | p[2];
			p += 3;
			left -= 3;
		} else {
			len = left - 1;
			p++;
			left--;
		}
		if (len > left)
			len = left;
		switch (tag & 0xc0) {
		case CF_KIND_CERT:
			if (ncerts < CF_MAXCERT) {
				certs[ncerts].encoding = tag & 0x3f;
				certs[ncerts].data = p;
				certs[ncerts++].len = len;
			}
			break;
		case CF_KIND_CR:
			if (ncrs < CF_MAXCR) {
				crs[ncrs].encoding = tag & 0x3f;
				crs[ncrs].data = p;
				crs[ncrs++].len = len;
			}
			break;
		case CF_KIND_ID:
			if (nids < CF_MAXID) {
				ids[nids].type = tag & 0x3f;
				ids[nids].data = p;
				ids[nids++].len = len;
			}
			break;
		default:
			switch (tag & 0x3f) {
			case CF_MISC_PID:
				if (len == 0 || npids == CF_MAXPID)
					break;
				pids[npids].type = p[0] % 5;
				if (pids[npids].type == RCN_ID_ADDRESS) {
					if (len == 5) {
						pids[npids].has_addr = true;
						pids[npids].addr.af = AF_INET;
						memcpy(&pids[npids].addr.a.v4,
						    p + 1, 4);
					} else if (len == 17) {
						pids[npids].has_addr = true;
						pids[npids].addr.af = AF_INET6;
						memcpy(&pids[npids].addr.a.v6,
						    p + 1, 16);
					}
				} else if (len > 1)
					need((pids[npids].value = strndup(
					    (const char *)p + 1, len - 1)) !=
					    NULL, "strndup");
				npids++;
				break;
			case CF_MISC_HASH:
				hash = p;
				hashlen = len;
				break;
			case CF_MISC_SIG:
				sig = p;
				siglen = len;
				break;
			default:
				break;
			}
			break;
		}
		p += len;
		left -= len;
	}

	/* Names of the CRs and IDs as text, whatever else happens. */
	for (i = 0; i < ncrs; i++)
		(void)dn_text(crs[i].data, crs[i].len);
	for (i = 0; i < nids; i++)
		(void)dn_text(ids[i].data, ids[i].len);

	/* peers_identifier against every ID (no certificate needed). */
	memset(&remote, 0, sizeof(remote));
	remote.name = "fuzz";
	remote.peers_ids = pids;
	remote.npeers_ids = (unsigned)npids;
	memset(&peer, 0, sizeof(peer));
	if (flags & CF_F_PEER6) {
		peer.af = AF_INET6;
		need(inet_pton(AF_INET6, "2001:db8::1", &peer.a.v6) == 1,
		    "inet_pton");
	} else {
		peer.af = AF_INET;
		need(inet_pton(AF_INET, "192.0.2.1", &peer.a.v4) == 1,
		    "inet_pton");
	}
	for (i = 0; i < nids; i++) {
		any = false;
		for (k = 0; k < npids; k++)
			if (cert_match_peers_id(&pids[k], &peer, ids[i].type,
			    ids[i].data, ids[i].len))
				any = true;
		reason[0] = '\0';
		rc = cert_check_peers_id(&remote, &peer, ids[i].type,
		    ids[i].data, ids[i].len, reason, sizeof(reason));
		need(rc == ((npids == 0 || any) ? 0 : -1),
		    "cert_check_peers_id disagrees with cert_match_peers_id");
		need(rc == 0 || reason[0] != '\0',
		    "cert_check_peers_id refused without a reason");
		check_text(reason, sizeof(reason), "peers_id reason");
	}

	err[0] = '\0';
	notify = -1;
	rc = cert_from_payloads(certs, ncerts, &c, &notify, err,
	    sizeof(err));
	if (rc == -1) {
		need(c == NULL, "a failed cert_from_payloads left a cert");
		need(err[0] != '\0', "cert_from_payloads failed without a "
		    "reason");
		need(notify == ISAKMP_NTYPE_INVALID_CERT_ENCODING ||
		    notify == ISAKMP_NTYPE_CERT_TYPE_UNSUPPORTED,
		    "cert_from_payloads failed with an unexpected notify");
		goto out;
	}
	need(rc == 0 && c != NULL && notify == 0, "cert_from_payloads");

	/* The certificates and names it hands out. */
	n = cert_count(c);
	need(n >= 1 && n <= CERT_CHAIN_MAX, "cert_count");
	for (i = 0; i < n; i++)
		need(cert_der(c, i, &derlen) != NULL && derlen > 0,
		    "cert_der inside the chain");
	need(cert_der(c, n, &derlen) == NULL && derlen == 0,
	    "cert_der past the chain");
	subject_text(c);
	(void)cert_check_time(c, verify_time(flags), reason, sizeof(reason));
	need(cert_keytype_name(cert_keytype(c)) != NULL, "cert_keytype_name");

	/* Its own subject as a DER_ASN1_DN ID. */
	need((der = cert_subject_der(c, &derlen)) != NULL, "subject DER");
	if (dn_text(der, derlen))
		need(cert_check_id(c, IPSEC_ID_DER_ASN1_DN, der, derlen,
		    reason, sizeof(reason)) == 0,
		    "the certificate is not its own subject's");
	/* A CR for its own issuer. */
	need((der = cert_issuer_der(c, &derlen)) != NULL, "issuer DER");
	mycr.encoding = ISAKMP_CERT_X509_SIGN;
	mycr.data = der;
	mycr.len = derlen;
	if (dn_text(der, derlen))
		need(cert_matches_cr(c, &mycr, false),
		    "the certificate does not answer a CR for its issuer");

	/* Chain verification against the test PKI. */
	memset(&v, 0xa5, sizeof(v));
	rc = cert_verify(store, c, verify_time(flags),
	    (flags & CF_F_CRL_LAX) ? CERT_VF_CRL_LAX : 0, &v);
	check_text(v.reason, sizeof(v.reason), "verdict reason");
	check_text(v.warning, sizeof(v.warning), "verdict warning");
	if (rc == 0) {
		need(v.notify == 0, "accepted with a notify");
		verified = true;
	} else {
		need(rc == -1 && v.reason[0] != '\0',
		    "refused without a reason");
		need(is_refusal(v.notify), "refused with an unexpected notify");
	}

	/* Every ID the peer sent, and its bytes as every checkable type. */
	for (i = 0; i < nids; i++) {
		reason[0] = '\0';
		rc = cert_check_id(c, ids[i].type, ids[i].data, ids[i].len,
		    reason, sizeof(reason));
		need(rc == 0 || (rc == -1 && reason[0] != '\0'),
		    "cert_check_id refused without a reason");
		check_text(reason, sizeof(reason), "cert_check_id reason");
		for (k = 0; k < sizeof(idtypes); k++) {
			reason[0] = '\0';
			rc = cert_check_id(c, idtypes[k], ids[i].data,
			    ids[i].len, reason, sizeof(reason));
			need(rc == 0 || (rc == -1 && reason[0] != '\0'),
			    "cert_check_id refused without a reason");
		}
	}

	/* CRs: one by one, then the choice among certificates. */
	first = -1;
	for (k = 0; k < ncrs && first == -1; k++)
		if (cert_matches_cr(c, &crs[k], (flags & CF_F_EMPTY_CR) != 0))
			first = 1;
	mine[0] = NULL;
	mine[1] = c;
	mine[2] = c;
	need(cert_choose_for_crs(mine, 3, crs, ncrs,
	    (flags & CF_F_EMPTY_CR) != 0) == first,
	    "cert_choose_for_crs disagrees with cert_matches_cr");
	nstorecrs = cert_store_crs(store, storecrs, 4);
	need(nstorecrs == 3, "cert_store_crs");
	(void)cert_choose_for_crs(mine, 2, storecrs, nstorecrs, false);

	/* A junk signature never verifies, a wrong method even less. */
	method = sig_method(flags, c);
	rc = cert_verify_sig(c, method, hash, hashlen, sig, siglen);
	if (method != cert_auth_method(c) || cert_auth_method(c) == 0)
		need(rc == -1, "a signature verified with a wrong method");
	if (verified)
		need(rc == -1, "a junk signature verified");
out:
	cert_free(c);
	for (k = 0; k < npids; k++)
		free(pids[k].value);
	return (0);
}

#else /* CERT_FUZZ_CORPUS */

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

static uint8_t	seed[16384];
static size_t	seedlen;
static const char *pkidir, *outdir;

static void
die(const char *what, const char *arg)
{
	fprintf(stderr, "cert_fuzz corpus: %s %s\n", what, arg);
	exit(1);
}

static void
put(uint8_t tag, const void *data, size_t len)
{
	if (len > 0xffff || seedlen + 3 + len > sizeof(seed))
		die("seed too large at", "a record");
	seed[seedlen++] = tag;
	seed[seedlen++] = (uint8_t)(len >> 8);
	seed[seedlen++] = (uint8_t)len;
	memcpy(seed + seedlen, data, len);
	seedlen += len;
}

static void
begin(uint8_t flags)
{
	seed[0] = flags;
	seedlen = 1;
}

static void
save(const char *name)
{
	char path[1024];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL ||
	    fwrite(seed, 1, seedlen, f) != seedlen || fclose(f) != 0)
		die("cannot write", path);
}

static X509 *
pem_cert(const char *name)
{
	char path[1024];
	FILE *f;
	X509 *x;

	(void)snprintf(path, sizeof(path), "%s/%s.crt", pkidir, name);
	if ((f = fopen(path, "r")) == NULL)
		die("cannot open", path);
	if ((x = PEM_read_X509(f, NULL, NULL, NULL)) == NULL)
		die("not a PEM certificate:", path);
	fclose(f);
	return (x);
}

/* A CERT payload of encoding 4 with the named certificate. */
static X509 *
put_cert(const char *name)
{
	unsigned char *der = NULL;
	X509 *x = pem_cert(name);
	int len;

	if ((len = i2d_X509(x, &der)) <= 0)
		die("cannot encode", name);
	put(CF_KIND_CERT | ISAKMP_CERT_X509_SIGN, der, (size_t)len);
	OPENSSL_free(der);
	return (x);
}

static void
put_name(uint8_t tag, const X509_NAME *n)
{
	unsigned char *der = NULL;
	int len;

	if ((len = i2d_X509_NAME(n, &der)) <= 0)
		die("cannot encode", "a name");
	put(tag, der, (size_t)len);
	OPENSSL_free(der);
}

static void
put_file(uint8_t tag, const char *file)
{
	uint8_t buf[8192];
	char path[1024];
	size_t len;
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", pkidir, file);
	if ((f = fopen(path, "rb")) == NULL)
		die("cannot open", path);
	len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	put(tag, buf, len);
}

static void
put_str(uint8_t tag, const char *s)
{
	put(tag, s, strlen(s));
}

static void
put_addr(uint8_t tag, int af, const char *s)
{
	uint8_t a[16];

	if (inet_pton(af, s, a) != 1)
		die("bad address", s);
	put(tag, a, af == AF_INET ? 4 : 16);
}

static void
put_pid(int type, const char *value)
{
	uint8_t buf[256];
	size_t len = strlen(value);

	if (len + 1 > sizeof(buf))
		die("value too long", value);
	buf[0] = (uint8_t)type;
	memcpy(buf + 1, value, len);
	put(CF_KIND_MISC | CF_MISC_PID, buf, len + 1);
}

static void
put_junk(uint8_t tag, size_t len, uint8_t fill)
{
	uint8_t buf[512];

	memset(buf, fill, len);
	buf[0] = 0;
	buf[1] = 1;
	put(tag, buf, len);
}

/* One end entity with the usual IDs, a CR for its issuer, a junk SIG. */
static void
host(const char *seedname, const char *name, uint8_t flags, size_t siglen)
{
	X509 *x;

	begin(flags);
	x = put_cert(name);
	put_name(CF_KIND_ID | IPSEC_ID_DER_ASN1_DN, X509_get_subject_name(x));
	put_name(CF_KIND_CR | ISAKMP_CERT_X509_SIGN, X509_get_issuer_name(x));
	put_junk(CF_KIND_MISC | CF_MISC_HASH, 20, 0x11);
	put_junk(CF_KIND_MISC | CF_MISC_SIG, siglen, 0xee);
	X509_free(x);
	save(seedname);
}

int
main(int argc, char *argv[])
{
	X509 *x, *y;
	int i;

	if (argc != 3)
		die("usage:", "cert_fuzz PKIDIR OUTDIR");
	pkidir = argv[1];
	outdir = argv[2];

	/* host1: every kind of ID and peers_identifier. */
	begin(0);
	x = put_cert("host1");
	put_addr(CF_KIND_ID | IPSEC_ID_IPV4_ADDR, AF_INET, "192.0.2.1");
	put_addr(CF_KIND_ID | IPSEC_ID_IPV6_ADDR, AF_INET6, "2001:db8::1");
	put_str(CF_KIND_ID | IPSEC_ID_FQDN, "GW1.example.org.");
	put_str(CF_KIND_ID | IPSEC_ID_FQDN, "host.wild.example.org");
	put_str(CF_KIND_ID | IPSEC_ID_USER_FQDN, "admin@EXAMPLE.org");
	put_name(CF_KIND_ID | IPSEC_ID_DER_ASN1_DN, X509_get_subject_name(x));
	put_str(CF_KIND_ID | IPSEC_ID_KEY_ID, "keyid");
	put_name(CF_KIND_CR | ISAKMP_CERT_X509_SIGN, X509_get_issuer_name(x));
	put_pid(4, "C=DE, O=pfkeykit test, OU=*, CN=gw1.example.org");
	put_pid(2, "gw1.example.org");
	put_pid(3, "admin@example.org");
	put_pid(1, "");
	put_junk(CF_KIND_MISC | CF_MISC_HASH, 20, 0x11);
	put_junk(CF_KIND_MISC | CF_MISC_SIG, 256, 0xee);
	X509_free(x);
	save("host1");

	/* host2 with its intermediate, the CA first; CRs of both CAs. */
	begin(CF_F_EMPTY_CR);
	y = put_cert("inter");
	x = put_cert("host2");
	put_str(CF_KIND_ID | IPSEC_ID_FQDN, "gw2.example.org");
	put_addr(CF_KIND_ID | IPSEC_ID_IPV4_ADDR, AF_INET, "192.0.2.2");
	put_name(CF_KIND_CR | ISAKMP_CERT_X509_SIGN, X509_get_issuer_name(y));
	put_name(CF_KIND_CR | ISAKMP_CERT_X509_SIGN, X509_get_issuer_name(x));
	put(CF_KIND_CR | ISAKMP_CERT_X509_SIGN, "", 0);
	put_pid(4, "/C=DE/O=pfkeykit test/OU=gateways/CN=*");
	X509_free(x);
	X509_free(y);
	save("host2_chain");

	/* The same chain as PKCS #7, with a CRL payload beside. */
	begin(0x10);
	put_file(CF_KIND_CERT | ISAKMP_CERT_PKCS7, "host2-chain.p7b");
	put_file(CF_KIND_CERT | ISAKMP_CERT_CRL, "root.crl.der");
	put_str(CF_KIND_ID | IPSEC_ID_FQDN, "gw2.example.org");
	put_junk(CF_KIND_MISC | CF_MISC_SIG, 256, 0x00);
	save("host2_pkcs7");

	/* Nothing usable: unsupported encodings only. */
	begin(0);
	put_str(CF_KIND_CERT | ISAKMP_CERT_PLAINRSA, "rsa");
	put_str(CF_KIND_CERT | ISAKMP_CERT_X509_KE, "ke");
	save("unsupported");

	/* Nothing usable: a CRL only. */
	begin(0);
	put_file(CF_KIND_CERT | ISAKMP_CERT_CRL, "root.crl.der");
	save("crl_only");

	/* One certificate more than a chain may have. */
	begin(0);
	for (i = 0; i < CERT_CHAIN_MAX; i++)
		X509_free(put_cert("hosted"));
	put_str(CF_KIND_CERT | ISAKMP_CERT_X509_SIGN, "9");
	save("too_many");

	/* One of each key type and verification outcome. */
	host("hostec", "hostec", 0x20, 64);
	host("hostec384", "hostec384", 0x30, 96);
	host("hostec521", "hostec521", 0x40, 132);
	host("revoked", "revoked", 0x00, 256);
	host("expired", "expired", 0x00, 256);
	host("notyet", "notyet", 0x00, 256);
	host("notyet_valid", "notyet", 0x02 | CF_F_CRL_LAX, 256);
	host("badku", "badku", 0x00, 256);
	host("hostnoku", "hostnoku", 0x01 | CF_F_CRL_LAX, 256);
	host("hosted", "hosted", 0x00, 64);
	host("otherhost", "otherhost", 0x80, 256);
	host("crl_expired", "host1", 0x01, 256);

	/* A certificate "issued" by an end entity, with that one. */
	begin(0);
	x = put_cert("fakeca");
	X509_free(put_cert("host1"));
	put_name(CF_KIND_CR | ISAKMP_CERT_X509_SIGN, X509_get_issuer_name(x));
	X509_free(x);
	save("fakeca");
	return (0);
}

#endif /* CERT_FUZZ_CORPUS */
