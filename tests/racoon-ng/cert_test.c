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
 * libike certificates (cert.h) against a PKI that openssl(1) makes at
 * test time (cert/mkpki.sh, cached for the day in /tmp, or the directory
 * in $CERT_TEST_PKI): loading and its errors, chain verification with
 * every refusal next to an accepted control, CRL policy, identities of
 * every ID type with their mismatches, DN strings, CRs, and signatures
 * checked both ways with openssl pkeyutl as the independent side.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "cert.h"
#include "conf.h"
#include "isakmp.h"
#include "pki_testutil.h"

/* --------------------------------------------------------- the PKI */

/* The path of a PKI file (a few rotating buffers). */
static const char *
P(const char *name)
{
	static char bufs[8][640];
	static int i;
	char *b = bufs[i++ % 8];

	(void)snprintf(b, sizeof(bufs[0]), "%s/%s", pki_dir, name);
	return (b);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd;

	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		atf_tc_fail("%s: %s", path, strerror(errno));
	ATF_REQUIRE((buf = malloc((size_t)st.st_size + 1)) != NULL);
	ATF_REQUIRE(read(fd, buf, (size_t)st.st_size) == st.st_size);
	(void)close(fd);
	*len = (size_t)st.st_size;
	return (buf);
}

static void
spit(const char *path, const void *buf, size_t len)
{
	int fd;

	ATF_REQUIRE((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) !=
	    -1);
	ATF_REQUIRE(write(fd, buf, len) == (ssize_t)len);
	(void)close(fd);
}

/* Run a shell command; its exit status (output goes to cmd.log). */
static int __attribute__((format(printf, 1, 2)))
sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int st;

	va_start(ap, fmt);
	(void)vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	(void)strlcat(cmd, " >>cmd.log 2>&1", sizeof(cmd));
	st = system(cmd);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 255);
}

static struct cert *
load(const char *name)
{
	struct cert *c;
	char err[CERT_ERR_MAX];

	if (cert_load_file(P(name), 0, &c, err, sizeof(err)) == -1)
		atf_tc_fail("%s", err);
	return (c);
}

static struct cert_key *
loadkey(const char *name)
{
	struct cert_key *k;
	char err[CERT_ERR_MAX];

	if (cert_key_load_file(P(name), &k, err, sizeof(err)) == -1)
		atf_tc_fail("%s", err);
	return (k);
}

/* Warnings the store reports, kept for the checks. */
struct warns {
	char	 text[2048];
	int	 n;
};

static void
collect(void *arg, const char *msg)
{
	struct warns *w = arg;

	w->n++;
	(void)strlcat(w->text, msg, sizeof(w->text));
	(void)strlcat(w->text, "\n", sizeof(w->text));
}

/* A store of CA files and CRL files (NULL-terminated lists). */
static struct cert_store *
store(const char *const *cas, const char *const *crls, struct warns *w)
{
	struct cert_store *s;
	char err[CERT_ERR_MAX];

	ATF_REQUIRE((s = cert_store_new()) != NULL);
	if (w != NULL)
		cert_store_set_warn(s, collect, w);
	for (; cas != NULL && *cas != NULL; cas++)
		if (cert_store_add_ca_file(s, P(*cas), err, sizeof(err)) == -1)
			atf_tc_fail("%s", err);
	for (; crls != NULL && *crls != NULL; crls++)
		if (cert_store_add_crl_file(s, P(*crls), err,
		    sizeof(err)) == -1)
			atf_tc_fail("%s", err);
	return (s);
}

#define INTER_NO_CRL	"no CRL from \"C=DE, O=pfkeykit test, CN=Test " \
			"Intermediate CA\": revocation of \"C=DE, O=pfkeykit " \
			"test, OU=gateways, CN=gw2.example.org\" not checked"

#define LIST(...)	((const char *const []){ __VA_ARGS__, NULL })

/* Verify and require acceptance (with or without a warning). */
static void
accept_(const struct cert_store *s, const struct cert *c, time_t now,
    unsigned flags, const char *warning, int line)
{
	struct cert_verdict v;

	if (cert_verify(s, c, now, flags, &v) != 0)
		atf_tc_fail("line %d: refused: %s", line, v.reason);
	ATF_CHECK_EQ_MSG(v.notify, 0, "line %d", line);
	if (warning == NULL)
		ATF_CHECK_MSG(v.warning[0] == '\0', "line %d: warning \"%s\"",
		    line, v.warning);
	else
		ATF_CHECK_MSG(strstr(v.warning, warning) != NULL,
		    "line %d: warning \"%s\" lacks \"%s\"", line, v.warning,
		    warning);
}
#define ACCEPT(s, c, now, flags, w) accept_(s, c, now, flags, w, __LINE__)

/* Verify and require refusal with a notify, an X509_V_ERR and a text. */
static void
refuse_(const struct cert_store *s, const struct cert *c, time_t now,
    unsigned flags, int notify, int xerr, const char *why, int line)
{
	struct cert_verdict v;

	if (cert_verify(s, c, now, flags, &v) == 0)
		atf_tc_fail("line %d: accepted, expected \"%s\"", line, why);
	ATF_CHECK_EQ_MSG(v.notify, notify, "line %d: notify %d", line,
	    v.notify);
	if (xerr != -1)
		ATF_CHECK_EQ_MSG(v.x509_error, xerr, "line %d: X509 error %d "
		    "(%s)", line, v.x509_error, v.reason);
	ATF_CHECK_MSG(strstr(v.reason, why) != NULL, "line %d: reason \"%s\" "
	    "lacks \"%s\"", line, v.reason, why);
}
#define REFUSE(s, c, now, flags, notify, xerr, why) \
	refuse_(s, c, now, flags, notify, xerr, why, __LINE__)

static time_t
utc(int y, int mo, int d)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	return (timegm(&tm));
}

/* DER of a certificate's subject, by OpenSSL straight from the file. */
static uint8_t *
oracle_subject(const char *name, size_t *len)
{
	FILE *f;
	X509 *x;
	uint8_t *der = NULL;
	int n;

	ATF_REQUIRE((f = fopen(P(name), "r")) != NULL);
	ATF_REQUIRE((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
	(void)fclose(f);
	ATF_REQUIRE((n = i2d_X509_NAME(X509_get_subject_name(x), &der)) > 0);
	X509_free(x);
	*len = (size_t)n;
	return (der);
}

static bool
mem_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	return (alen == blen && memcmp(a, b, alen) == 0);
}

/* --------------------------------------------------------- loading */

ATF_TC_WITHOUT_HEAD(load_formats);
ATF_TC_BODY(load_formats, tc)
{
	struct cert *pem, *der, *chain, *ec;
	struct cert_key *k, *kd, *kec;
	const uint8_t *d;
	uint8_t *file, *subj;
	size_t len, flen, slen;
	char text[256], err[CERT_ERR_MAX];

	pki_testdir(tc);
	pem = load("host1.crt");
	der = load("host1.der");
	ATF_CHECK_EQ(cert_count(pem), 1);
	/* The DER we would send is openssl's DER of the file. */
	file = slurp(P("host1.der"), &flen);
	d = cert_der(pem, 0, &len);
	ATF_CHECK(mem_eq(d, len, file, flen));
	d = cert_der(der, 0, &len);
	ATF_CHECK(mem_eq(d, len, file, flen));
	ATF_CHECK(cert_der(pem, 1, &len) == NULL && len == 0);
	free(file);
	subj = oracle_subject("host1.crt", &slen);
	d = cert_subject_der(pem, &len);
	ATF_CHECK(mem_eq(d, len, subj, slen));
	OPENSSL_free(subj);
	subj = oracle_subject("root.crt", &slen);
	d = cert_issuer_der(pem, &len);
	ATF_CHECK(mem_eq(d, len, subj, slen));
	OPENSSL_free(subj);
	cert_subject_text(pem, text, sizeof(text));
	ATF_CHECK_STREQ(text, "C=DE, O=pfkeykit test, OU=gateways, "
	    "CN=gw1.example.org");
	ATF_CHECK_EQ(cert_keytype(pem), CERT_KEY_RSA);
	ATF_CHECK_EQ(cert_auth_method(pem), CERT_AUTH_RSASIG);
	ATF_CHECK_EQ(cert_check_time(pem, 0, err, sizeof(err)), 0);

	/* A certificate file with its chain: the end entity first. */
	chain = load("host2-chain.pem");
	ATF_CHECK_EQ(cert_count(chain), 2);
	file = slurp(P("inter.der"), &flen);
	d = cert_der(chain, 1, &len);
	ATF_CHECK(mem_eq(d, len, file, flen));
	free(file);
	file = slurp(P("host2.der"), &flen);
	d = cert_der(chain, 0, &len);
	ATF_CHECK(mem_eq(d, len, file, flen));
	free(file);

	/* Keys, PEM and DER, and whose they are. */
	k = loadkey("host1.key");
	kd = loadkey("host1.key.der");
	ATF_CHECK_EQ(cert_key_keytype(k), CERT_KEY_RSA);
	ATF_CHECK_EQ(cert_key_sig_len(k), 256);
	ATF_CHECK_EQ(cert_key_matches(k, pem, err, sizeof(err)), 0);
	ATF_CHECK_EQ(cert_key_matches(kd, der, err, sizeof(err)), 0);
	ATF_CHECK_EQ(cert_key_matches(k, chain, err, sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "does not match the certificate "
	    "\"C=DE, O=pfkeykit test, OU=gateways, CN=gw2.example.org\"") !=
	    NULL, "%s", err);

	ec = load("hostec.crt");
	kec = loadkey("hostec.key");
	ATF_CHECK_EQ(cert_keytype(ec), CERT_KEY_ECDSA_P256);
	ATF_CHECK_EQ(cert_auth_method(ec), CERT_AUTH_ECDSA_256);
	ATF_CHECK_EQ(cert_key_keytype(kec), CERT_KEY_ECDSA_P256);
	ATF_CHECK_EQ(cert_key_sig_len(kec), 64);
	ATF_CHECK_EQ(cert_key_matches(kec, ec, err, sizeof(err)), 0);
	ATF_CHECK_EQ(cert_key_matches(kec, pem, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(cert_keytype_name(CERT_KEY_ECDSA_P256), "ECDSA P-256");

	cert_free(pem);
	cert_free(der);
	cert_free(chain);
	cert_free(ec);
	cert_key_free(k);
	cert_key_free(kd);
	cert_key_free(kec);
}

/* cert_load_file() must fail with a message naming the file. */
static void
cert_bad_(const char *name, unsigned flags, const char *why, int line)
{
	struct cert *c = (struct cert *)1;
	char err[CERT_ERR_MAX];

	err[0] = '\0';
	ATF_CHECK_EQ_MSG(cert_load_file(P(name), flags, &c, err,
	    sizeof(err)), -1, "line %d: %s loaded", line, name);
	ATF_CHECK_MSG(c == NULL, "line %d", line);
	ATF_CHECK_MSG(strncmp(err, P(name), strlen(P(name))) == 0 &&
	    strstr(err, why) != NULL, "line %d: \"%s\" lacks the file or "
	    "\"%s\"", line, err, why);
}
#define CERT_BAD(n, f, w) cert_bad_(n, f, w, __LINE__)

static void
key_bad_(const char *name, const char *why, int line)
{
	struct cert_key *k = (struct cert_key *)1;
	char err[CERT_ERR_MAX];

	err[0] = '\0';
	ATF_CHECK_EQ_MSG(cert_key_load_file(P(name), &k, err, sizeof(err)),
	    -1, "line %d: %s loaded", line, name);
	ATF_CHECK_MSG(k == NULL, "line %d", line);
	ATF_CHECK_MSG(strncmp(err, P(name), strlen(P(name))) == 0 &&
	    strstr(err, why) != NULL, "line %d: \"%s\" lacks the file or "
	    "\"%s\"", line, err, why);
}
#define KEY_BAD(n, w) key_bad_(n, w, __LINE__)

ATF_TC_WITHOUT_HEAD(load_errors);
ATF_TC_BODY(load_errors, tc)
{
	struct cert *c;
	char err[CERT_ERR_MAX];
	uint8_t *buf, *big;
	size_t len, i;

	pki_testdir(tc);
	/* Not certificates. */
	CERT_BAD("host1.key", 0, "holds a private key");
	CERT_BAD("host1-with-key.pem", 0, "holds a private key");
	CERT_BAD("host1.key.der", 0, "not a certificate");
	CERT_BAD("root.crl", 0, "no certificate in it");
	CERT_BAD("no-such-file", 0, "No such file");
	CERT_BAD("capath", 0, "not a regular file");
	spit("empty", "", 0);
	ATF_CHECK_EQ(cert_load_file("empty", 0, &c, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "empty: empty file");
	ATF_CHECK_EQ(cert_load("buf", "hello", 5, 0, &c, err, sizeof(err)),
	    -1);
	ATF_CHECK_STREQ(err, "buf: not a certificate (neither PEM nor DER "
	    "X.509)");
	/* DER with a byte after it; the same without is fine. */
	buf = slurp(P("host1.der"), &len);
	buf = realloc(buf, len + 1);
	buf[len] = 0;
	ATF_CHECK_EQ(cert_load("x.der", buf, len + 1, 0, &c, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "x.der: 1 bytes after the DER certificate");
	ATF_REQUIRE_EQ(cert_load("x.der", buf, len, 0, &c, err,
	    sizeof(err)), 0);
	cert_free(c);
	/* A cut certificate. */
	ATF_CHECK_EQ(cert_load("x.der", buf, len - 1, 0, &c, err,
	    sizeof(err)), -1);
	free(buf);
	/* Nine PEM certificates are one too many. */
	buf = slurp(P("host1.crt"), &len);
	ATF_REQUIRE((big = malloc(len * 9)) != NULL);
	for (i = 0; i < 9; i++)
		memcpy(big + i * len, buf, len);
	ATF_CHECK_EQ(cert_load("nine", big, len * 9, 0, &c, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "nine: more than 8 certificates");
	ATF_CHECK_EQ(cert_load("eight", big, len * 8, 0, &c, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(cert_count(c), 8);
	cert_free(c);
	free(big);
	free(buf);

	/* Validity now, only when asked; the control loads without it. */
	CERT_BAD("expired.crt", CERT_F_VALID_NOW, "certificate \"C=DE, "
	    "O=pfkeykit test, CN=expired.example.org\" expired on "
	    "2021-01-01 00:00:00Z");
	CERT_BAD("notyet.crt", CERT_F_VALID_NOW, "is not valid before");
	c = load("expired.crt");
	ATF_CHECK_EQ(cert_check_time(c, 0, err, sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "expired on 2021-01-01 00:00:00Z");
	ATF_CHECK_EQ(cert_check_time(c, utc(2020, 6, 1), err, sizeof(err)),
	    0);
	ATF_CHECK_EQ(cert_check_time(c, utc(2019, 6, 1), err, sizeof(err)),
	    -1);
	ATF_CHECK_STREQ(err, "is not valid before 2020-01-01 00:00:00Z");
	cert_free(c);
	c = load("host1.crt");
	ATF_CHECK_EQ(cert_check_time(c, 0, err, sizeof(err)), 0);
	cert_free(c);

	/* Keys. */
	KEY_BAD("hosted.key", "unsupported key type: an unsupported key "
	    "type (ED25519)");
	KEY_BAD("rsa512.key", "an RSA key of 512 bits (1024 to 8192 are "
	    "supported)");
	KEY_BAD("host1-enc.key", "has a passphrase");
	KEY_BAD("host1.crt", "not a private key (no PEM PRIVATE KEY block; "
	    "it holds a certificate)");
	KEY_BAD("host1.pub", "not a private key");
	KEY_BAD("host1.der", "not a private key");
	KEY_BAD("no-such-key", "No such file");
}

/* ------------------------------------------------------- verifying */

ATF_TC_WITHOUT_HEAD(verify_chain);
ATF_TC_BODY(verify_chain, tc)
{
	struct cert_store *root, *both, *inter, *two;
	struct cert *host1, *host2, *chain, *other, *fake, *c;
	struct isakmp_cert pl[2];
	uint8_t *a, *b;
	size_t alen, blen;
	int notify;
	char err[CERT_ERR_MAX], text[256];

	pki_testdir(tc);
	root = store(LIST("root.crt"), NULL, NULL);
	ATF_CHECK_EQ(cert_store_ncas(root), 1);
	ATF_CHECK_EQ(cert_store_ncrls(root), 0);
	host1 = load("host1.crt");
	host2 = load("host2.crt");
	chain = load("host2-chain.pem");
	other = load("otherhost.crt");

	ACCEPT(root, host1, 0, 0, NULL);
	/* Without its intermediate host2 does not chain; with it, it does. */
	REFUSE(root, host2, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY,
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	    "unable to get local issuer certificate");
	ACCEPT(root, chain, 0, 0, NULL);
	/* Another CA's certificate. */
	REFUSE(root, other, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY,
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	    "certificate \"C=DE, O=Other, CN=gw.other.example\" refused");

	/* The intermediate in the CA file is enough too. */
	both = store(LIST("cas.pem"), NULL, NULL);
	ATF_CHECK_EQ(cert_store_ncas(both), 2);
	ACCEPT(both, host2, 0, 0, NULL);
	ACCEPT(both, host1, 0, 0, NULL);
	REFUSE(both, other, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY, -1,
	    "unable to get local issuer");
	/* An intermediate alone is no anchor (no partial chains). */
	inter = store(LIST("inter.crt"), NULL, NULL);
	REFUSE(inter, chain, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY,
	    X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, "unable to get issuer");
	/* Two unrelated CAs: each chains to its own. */
	two = store(LIST("root.crt", "other.crt"), NULL, NULL);
	ACCEPT(two, host1, 0, 0, NULL);
	ACCEPT(two, other, 0, 0, NULL);

	/* An end entity used as a CA: basicConstraints refuse the chain. */
	fake = load("fakeca.crt");
	REFUSE(root, fake, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY, -1,
	    "unable to get local issuer");
	cert_free(fake);
	a = slurp(P("host1.der"), &alen);
	ATF_REQUIRE(sh("openssl x509 -in %s -outform DER -out fake.der",
	    P("fakeca.crt")) == 0);
	b = slurp("fake.der", &blen);
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, a, alen };
	pl[1] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, b, blen };
	ATF_REQUIRE_EQ(cert_from_payloads(pl, 2, &c, &notify, err,
	    sizeof(err)), 0);
	cert_subject_text(c, text, sizeof(text));
	ATF_CHECK_STREQ(text, "C=DE, O=pfkeykit test, CN=fake.example.org");
	REFUSE(root, c, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY,
	    X509_V_ERR_INVALID_CA, "invalid CA certificate");
	cert_free(c);
	free(a);
	free(b);

	cert_free(host1);
	cert_free(host2);
	cert_free(chain);
	cert_free(other);
	cert_store_free(root);
	cert_store_free(both);
	cert_store_free(inter);
	cert_store_free(two);
}

ATF_TC_WITHOUT_HEAD(verify_time_usage);
ATF_TC_BODY(verify_time_usage, tc)
{
	struct cert_store *root;
	struct cert *c;

	pki_testdir(tc);
	root = store(LIST("root.crt"), NULL, NULL);
	c = load("expired.crt");
	REFUSE(root, c, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CERT_HAS_EXPIRED, "\"C=DE, O=pfkeykit test, "
	    "CN=expired.example.org\" expired on 2021-01-01 00:00:00Z");
	/* The control: the same certificate within its lifetime. */
	ACCEPT(root, c, utc(2020, 6, 1), 0, NULL);
	cert_free(c);

	c = load("notyet.crt");
	REFUSE(root, c, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CERT_NOT_YET_VALID, "is not valid before");
	ACCEPT(root, c, time(NULL) + 3 * 365 * 86400 + 180 * 86400, 0, NULL);
	cert_free(c);

	/* RFC 4945 5.1.3.2: key usage without a signature bit. */
	c = load("badku.crt");
	REFUSE(root, c, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE, 0,
	    "keyUsage has neither digitalSignature nor nonRepudiation");
	cert_free(c);
	/* No keyUsage at all is fine (and no SAN either). */
	c = load("hostnoku.crt");
	ACCEPT(root, c, 0, 0, NULL);
	cert_free(c);
	/* A key IKEv1 cannot sign with. */
	c = load("hosted.crt");
	REFUSE(root, c, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE, 0,
	    "it has an unsupported key type (ED25519)");
	ATF_CHECK_EQ(cert_keytype(c), CERT_KEY_NONE);
	ATF_CHECK_EQ(cert_auth_method(c), 0);
	cert_free(c);
	/* ECDSA certificates are accepted. */
	c = load("hostec.crt");
	ACCEPT(root, c, 0, 0, NULL);
	cert_free(c);
	cert_store_free(root);
}

ATF_TC_WITHOUT_HEAD(verify_crl);
ATF_TC_BODY(verify_crl, tc)
{
	struct cert_store *nocrl, *s, *der, *both, *stale;
	struct cert *revoked, *host1, *chain, *c;
	struct warns w;
	char err[CERT_ERR_MAX];
	uint8_t *buf;
	size_t len;

	pki_testdir(tc);
	revoked = load("revoked.crt");
	host1 = load("host1.crt");
	chain = load("host2-chain.pem");

	/* The control: without a CRL nobody knows it is revoked. */
	nocrl = store(LIST("root.crt"), NULL, NULL);
	ACCEPT(nocrl, revoked, 0, 0, NULL);

	s = store(LIST("root.crt"), LIST("root.crl"), NULL);
	ATF_CHECK_EQ(cert_store_ncrls(s), 1);
	REFUSE(s, revoked, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CERT_REVOKED, "\"C=DE, O=pfkeykit test, "
	    "CN=revoked.example.org\" is revoked");
	ACCEPT(s, host1, 0, 0, NULL);
	/* The intermediate has no CRL: accepted, with a note. */
	ACCEPT(s, chain, 0, 0, INTER_NO_CRL);
	/* The CRL is good for 30 days; past that it refuses everyone. */
	REFUSE(s, host1, time(NULL) + 60 * 86400, 0,
	    ISAKMP_NTYPE_INVALID_CERTIFICATE, X509_V_ERR_CRL_HAS_EXPIRED,
	    "the CRL of \"C=DE, O=pfkeykit test, CN=Test Root CA\" expired");

	/* The same CRL in DER. */
	buf = slurp(P("root.crl.der"), &len);
	der = store(LIST("root.crt"), NULL, NULL);
	ATF_REQUIRE_EQ(cert_store_add_crl(der, "root.crl.der", buf, len, err,
	    sizeof(err)), 0);
	REFUSE(der, revoked, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CERT_REVOKED, "is revoked");
	ATF_CHECK_EQ(cert_store_add_crl(der, "cut", buf, len - 1, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "cut: not a CRL (neither PEM nor DER X.509 CRL)");
	free(buf);
	ATF_CHECK_EQ(cert_store_add_crl_file(der, P("root.crt"), err,
	    sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "no CRL in it") != NULL, "%s", err);

	/* With the intermediate's CRL too, no note. */
	both = store(LIST("root.crt"), LIST("root.crl", "inter.crl"), NULL);
	ACCEPT(both, chain, 0, 0, NULL);

	/* An expired CRL: a warning at load, refusal at verification... */
	memset(&w, 0, sizeof(w));
	stale = store(LIST("root.crt"), LIST("root-expired.crl"), &w);
	ATF_CHECK_EQ(w.n, 1);
	ATF_CHECK_MSG(strstr(w.text, "the CRL of \"C=DE, O=pfkeykit test, "
	    "CN=Test Root CA\" expired on 2020-02-01 00:00:00Z") != NULL, "%s",
	    w.text);
	REFUSE(stale, host1, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CRL_HAS_EXPIRED, "expired on 2020-02-01 00:00:00Z");
	/* ...unless lax, which notes it; revoked stays revoked. */
	ACCEPT(stale, host1, 0, CERT_VF_CRL_LAX, "expired on 2020-02-01");
	REFUSE(stale, revoked, 0, CERT_VF_CRL_LAX,
	    ISAKMP_NTYPE_INVALID_CERTIFICATE, X509_V_ERR_CERT_REVOKED,
	    "is revoked");
	/* While it was current, it was good (for a certificate of then). */
	c = load("expired.crt");
	ACCEPT(stale, c, utc(2020, 1, 15), 0, NULL);
	REFUSE(stale, c, utc(2020, 6, 1), 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CRL_HAS_EXPIRED, "expired on 2020-02-01");
	cert_free(c);

	cert_free(revoked);
	cert_free(host1);
	cert_free(chain);
	cert_store_free(nocrl);
	cert_store_free(s);
	cert_store_free(der);
	cert_store_free(both);
	cert_store_free(stale);
}

/*
 * A store handed to another process as DER (cert_store_ca_der(),
 * cert_store_crl_der()) and rebuilt there verifies as the original.
 */
ATF_TC_WITHOUT_HEAD(store_export);
ATF_TC_BODY(store_export, tc)
{
	struct cert_store *orig, *copy, *nocrl;
	struct cert *revoked, *host2, *other;
	char err[CERT_ERR_MAX];
	uint8_t *der;
	ssize_t n;
	size_t i;

	pki_testdir(tc);
	revoked = load("revoked.crt");
	host2 = load("host2.crt");
	other = load("otherhost.crt");
	orig = store(LIST("cas.pem"), LIST("root.crl", "inter.crl"), NULL);
	ATF_REQUIRE_EQ(cert_store_ncas(orig), 2);
	ATF_REQUIRE_EQ(cert_store_ncrls(orig), 2);
	ATF_REQUIRE((copy = cert_store_new()) != NULL);
	ATF_REQUIRE((nocrl = cert_store_new()) != NULL);
	for (i = 0; (n = cert_store_ca_der(orig, i, &der)) != -1; i++) {
		ATF_REQUIRE(n > 0 && der != NULL && der[0] == 0x30);
		ATF_REQUIRE_EQ_MSG(cert_store_add_ca(copy, "ca", der,
		    (size_t)n, err, sizeof(err)), 0, "%s", err);
		ATF_REQUIRE_EQ_MSG(cert_store_add_ca(nocrl, "ca", der,
		    (size_t)n, err, sizeof(err)), 0, "%s", err);
		free(der);
	}
	ATF_CHECK_EQ(i, 2);
	ATF_CHECK(der == NULL);
	for (i = 0; (n = cert_store_crl_der(orig, i, &der)) != -1; i++) {
		ATF_REQUIRE(n > 0 && der != NULL && der[0] == 0x30);
		ATF_REQUIRE_EQ_MSG(cert_store_add_crl(copy, "crl", der,
		    (size_t)n, err, sizeof(err)), 0, "%s", err);
		free(der);
	}
	ATF_CHECK_EQ(i, 2);
	ATF_CHECK_EQ(cert_store_ncas(copy), 2);
	ATF_CHECK_EQ(cert_store_ncrls(copy), 2);

	/* The same verdicts: the intermediate's CRL is there (no note). */
	ACCEPT(copy, host2, 0, 0, NULL);
	REFUSE(copy, revoked, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CERT_REVOKED, "is revoked");
	REFUSE(copy, other, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY, -1,
	    "unable to get local issuer");
	/* The control: the CAs alone do not know the revocation. */
	ACCEPT(nocrl, revoked, 0, 0, NULL);
	/* An empty store has nothing to give. */
	cert_store_free(nocrl);
	ATF_REQUIRE((nocrl = cert_store_new()) != NULL);
	ATF_CHECK_EQ(cert_store_ca_der(nocrl, 0, &der), -1);
	ATF_CHECK_EQ(cert_store_crl_der(nocrl, 0, &der), -1);

	cert_free(revoked);
	cert_free(host2);
	cert_free(other);
	cert_store_free(orig);
	cert_store_free(copy);
	cert_store_free(nocrl);
}

ATF_TC_WITHOUT_HEAD(store_errors);
ATF_TC_BODY(store_errors, tc)
{
	struct cert_store *s;
	char err[CERT_ERR_MAX];
	uint8_t *a, *b, *ab;
	size_t alen, blen;

	pki_testdir(tc);
	ATF_REQUIRE((s = cert_store_new()) != NULL);
	/* End entities are no CAs; expired CAs are refused. */
	ATF_CHECK_EQ(cert_store_add_ca_file(s, P("host1.crt"), err,
	    sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "certificate 1 (\"C=DE, O=pfkeykit test, "
	    "OU=gateways, CN=gw1.example.org\") is not a CA certificate") !=
	    NULL, "%s", err);
	ATF_CHECK_EQ(cert_store_add_ca_file(s, P("host1.key"), err,
	    sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "holds a private key") != NULL, "%s", err);
	/* All or nothing: root then a host adds neither. */
	a = slurp(P("root.crt"), &alen);
	b = slurp(P("host1.crt"), &blen);
	ATF_REQUIRE((ab = malloc(alen + blen)) != NULL);
	memcpy(ab, a, alen);
	memcpy(ab + alen, b, blen);
	ATF_CHECK_EQ(cert_store_add_ca(s, "mixed", ab, alen + blen, err,
	    sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "mixed: certificate 2") != NULL, "%s", err);
	ATF_CHECK_EQ(cert_store_ncas(s), 0);
	/* DER CA; the same CA twice counts once. */
	free(a);
	a = slurp(P("root.der"), &alen);
	ATF_CHECK_EQ(cert_store_add_ca(s, "root.der", a, alen, err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(cert_store_add_ca_file(s, P("root.crt"), err,
	    sizeof(err)), 0);
	ATF_CHECK_EQ(cert_store_ncas(s), 1);
	free(a);
	free(b);
	free(ab);
	cert_store_free(s);
}

ATF_TC_WITHOUT_HEAD(store_dir);
ATF_TC_BODY(store_dir, tc)
{
	struct cert_store *s;
	struct cert *host2, *revoked;
	struct warns w;
	struct isakmp_cert cr[4];
	struct conf_msgs msgs;
	struct rcn_config *cfg;
	const struct rcn_remote *r;
	uint8_t *inter, *root;
	size_t ilen, rlen;
	char err[CERT_ERR_MAX], conf[2048];
	int n;

	pki_testdir(tc);
	memset(&w, 0, sizeof(w));
	ATF_REQUIRE((s = cert_store_new()) != NULL);
	cert_store_set_warn(s, collect, &w);
	n = cert_store_add_dir(s, P("capath"), CERT_DIR_CAS | CERT_DIR_CRLS,
	    err, sizeof(err));
	ATF_CHECK_EQ_MSG(n, 3, "%d: %s", n, err);
	ATF_CHECK_EQ(cert_store_ncas(s), 2);
	ATF_CHECK_EQ(cert_store_ncrls(s), 1);
	/* host1's link is skipped (an end entity); its key is never read. */
	ATF_CHECK_EQ(w.n, 1);
	ATF_CHECK_MSG(strstr(w.text, "CN=gw1.example.org\" is not a CA "
	    "certificate") != NULL && strstr(w.text, "(skipped)") != NULL,
	    "%s", w.text);
	host2 = load("host2.crt");
	revoked = load("revoked.crt");
	ACCEPT(s, host2, 0, 0, INTER_NO_CRL);
	REFUSE(s, revoked, 0, 0, ISAKMP_NTYPE_INVALID_CERTIFICATE,
	    X509_V_ERR_CERT_REVOKED, "is revoked");
	/* CRs in the order of the hashed names (09625acf: inter first). */
	inter = oracle_subject("inter.crt", &ilen);
	root = oracle_subject("root.crt", &rlen);
	ATF_REQUIRE_EQ(cert_store_crs(s, cr, 4), 2);
	ATF_CHECK(mem_eq(cr[0].data, cr[0].len, inter, ilen));
	ATF_CHECK(mem_eq(cr[1].data, cr[1].len, root, rlen));
	cert_store_free(s);

	/* Only CRLs: the CA certificates stay out. */
	ATF_REQUIRE((s = cert_store_new()) != NULL);
	ATF_CHECK_EQ(cert_store_add_dir(s, P("capath"), CERT_DIR_CRLS, err,
	    sizeof(err)), 1);
	ATF_CHECK_EQ(cert_store_ncas(s), 0);
	ATF_CHECK_EQ(cert_store_add_dir(s, P("nowhere"), CERT_DIR_CAS, err,
	    sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "nowhere: No such file") != NULL, "%s", err);
	cert_store_free(s);

	/* From racoon-ng.conf: ca_type wins over the directory's CAs. */
	(void)snprintf(conf, sizeof(conf),
	    "path certificate \"%s\";\n"
	    "remote \"a\" {\n\tremote_address 192.0.2.1;\n"
	    "\texchange_mode main;\n\tca_type x509 \"%s\";\n"
	    "\tcrl_file \"%s\";\n"
	    "\tcertificate_type x509 \"%s\" \"%s\";\n"
	    "\tproposal {\n\t\tencryption_algorithm aes;\n"
	    "\t\thash_algorithm sha256;\n"
	    "\t\tauthentication_method rsasig;\n\t\tdh_group 14;\n\t}\n}\n"
	    "remote \"b\" {\n\tremote_address 192.0.2.2;\n"
	    "\texchange_mode main;\n"
	    "\tcertificate_type x509 \"host1.crt\" \"host1.key\";\n"
	    "\tproposal {\n\t\tencryption_algorithm aes;\n"
	    "\t\thash_algorithm sha256;\n"
	    "\t\tauthentication_method rsasig;\n\t\tdh_group 14;\n\t}\n}\n",
	    P("capath"), P("other.crt"), P("inter.crl"), P("host1.crt"),
	    P("host1.key"));
	TAILQ_INIT(&msgs);
	if (conf_load_buffer(conf, strlen(conf), "/nonexistent/t.conf", NULL,
	    &cfg, &msgs) == -1)
		atf_tc_fail("config: %s", TAILQ_FIRST(&msgs)->text);
	conf_msgs_free(&msgs);
	r = conf_remote_by_name(cfg, "a");
	ATF_REQUIRE(r != NULL);
	memset(&w, 0, sizeof(w));
	ATF_REQUIRE_EQ_MSG(cert_store_load_remote(cfg, r, collect, &w, &s,
	    err, sizeof(err)), 0, "%s", err);
	/* The directory's CA links are not read: no word about host1. */
	ATF_CHECK_EQ_MSG(w.n, 0, "%s", w.text);
	ATF_CHECK_EQ(cert_store_ncas(s), 1);
	ATF_CHECK_EQ(cert_store_ncrls(s), 2);
	REFUSE(s, host2, 0, 0, ISAKMP_NTYPE_INVALID_CERT_AUTHORITY, -1,
	    "unable to get local issuer");
	cert_store_free(s);
	r = conf_remote_by_name(cfg, "b");
	ATF_REQUIRE(r != NULL);
	memset(&w, 0, sizeof(w));
	ATF_REQUIRE_EQ_MSG(cert_store_load_remote(cfg, r, collect, &w, &s,
	    err, sizeof(err)), 0, "%s", err);
	ATF_CHECK_EQ_MSG(w.n, 1, "%s", w.text);
	ATF_CHECK_EQ(cert_store_ncas(s), 2);
	ATF_CHECK_EQ(cert_store_ncrls(s), 1);
	ACCEPT(s, host2, 0, 0, INTER_NO_CRL);
	cert_store_free(s);
	conf_free(cfg);

	OPENSSL_free(inter);
	OPENSSL_free(root);
	cert_free(host2);
	cert_free(revoked);
}

ATF_TC_WITHOUT_HEAD(payloads);
ATF_TC_BODY(payloads, tc)
{
	struct isakmp_cert pl[10];
	struct cert *c;
	struct cert_store *root;
	uint8_t *h2, *in, *p7, *h1;
	size_t h2len, inlen, p7len, h1len, len, i;
	const uint8_t *d;
	int notify;
	char err[CERT_ERR_MAX], text[256];

	pki_testdir(tc);
	root = store(LIST("root.crt"), NULL, NULL);
	h2 = slurp(P("host2.der"), &h2len);
	in = slurp(P("inter.der"), &inlen);
	h1 = slurp(P("host1.der"), &h1len);
	p7 = slurp(P("host2-chain.p7b"), &p7len);

	/* The end entity is found whatever the order. */
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, in, inlen };
	pl[1] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, h2, h2len };
	ATF_REQUIRE_EQ_MSG(cert_from_payloads(pl, 2, &c, &notify, err,
	    sizeof(err)), 0, "%s", err);
	ATF_CHECK_EQ(cert_count(c), 2);
	d = cert_der(c, 0, &len);
	ATF_CHECK(mem_eq(d, len, h2, h2len));
	d = cert_der(c, 1, &len);
	ATF_CHECK(mem_eq(d, len, in, inlen));
	ACCEPT(root, c, 0, 0, NULL);
	cert_free(c);
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, h2, h2len };
	pl[1] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, in, inlen };
	ATF_REQUIRE_EQ(cert_from_payloads(pl, 2, &c, &notify, err,
	    sizeof(err)), 0);
	cert_subject_text(c, text, sizeof(text));
	ATF_CHECK_STREQ(text, "C=DE, O=pfkeykit test, OU=gateways, "
	    "CN=gw2.example.org");
	cert_free(c);

	/* PKCS #7 bundle (openssl crl2pkcs7), and a CRL payload ignored. */
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_CRL, in, inlen };
	pl[1] = (struct isakmp_cert){ ISAKMP_CERT_PKCS7, p7, p7len };
	ATF_REQUIRE_EQ_MSG(cert_from_payloads(pl, 2, &c, &notify, err,
	    sizeof(err)), 0, "%s", err);
	ATF_CHECK_EQ(cert_count(c), 2);
	d = cert_der(c, 0, &len);
	ATF_CHECK(mem_eq(d, len, h2, h2len));
	ACCEPT(root, c, 0, 0, NULL);
	cert_free(c);

	/* Refusals, each with its notify. */
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_PGP, h1, h1len };
	ATF_CHECK_EQ(cert_from_payloads(pl, 1, &c, &notify, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(notify, ISAKMP_NTYPE_CERT_TYPE_UNSUPPORTED);
	ATF_CHECK(c == NULL);
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, h1, h1len - 1 };
	ATF_CHECK_EQ(cert_from_payloads(pl, 1, &c, &notify, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(notify, ISAKMP_NTYPE_INVALID_CERT_ENCODING);
	ATF_CHECK_STREQ(err, "CERT payload 1: not one DER X.509 certificate");
	pl[0] = (struct isakmp_cert){ ISAKMP_CERT_PKCS7, h1, h1len };
	ATF_CHECK_EQ(cert_from_payloads(pl, 1, &c, &notify, err,
	    sizeof(err)), -1);
	ATF_CHECK_EQ(notify, ISAKMP_NTYPE_INVALID_CERT_ENCODING);
	ATF_CHECK_EQ(cert_from_payloads(pl, 0, &c, &notify, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "no CERT payload");
	for (i = 0; i < 9; i++)
		pl[i] = (struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, h1,
		    h1len };
	ATF_CHECK_EQ(cert_from_payloads(pl, 9, &c, &notify, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "more than 8 certificates from the peer");
	ATF_CHECK_EQ(cert_from_payloads(pl, 8, &c, &notify, err,
	    sizeof(err)), 0);
	cert_free(c);

	free(h1);
	free(h2);
	free(in);
	free(p7);
	cert_store_free(root);
}

/* -------------------------------------------------------------- CRs */

static struct isakmp_cert
cr_of(const uint8_t *dn, size_t len)
{
	return ((struct isakmp_cert){ ISAKMP_CERT_X509_SIGN, dn, len });
}

ATF_TC_WITHOUT_HEAD(cert_requests);
ATF_TC_BODY(cert_requests, tc)
{
	struct cert_store *s;
	struct isakmp_cert cr[4], two[2];
	struct cert *host1, *host2, *chain;
	const struct cert *mine[2];
	uint8_t *root, *inter, *other, junk[3] = { 0x30, 0x01, 0x00 };
	size_t rlen, ilen, olen;

	pki_testdir(tc);
	root = oracle_subject("root.crt", &rlen);
	inter = oracle_subject("inter.crt", &ilen);
	other = oracle_subject("other.crt", &olen);

	/* One CR a CA, its DER subject, duplicates once. */
	s = store(LIST("cas.pem", "root.crt", "inter.crt"), NULL, NULL);
	ATF_REQUIRE_EQ(cert_store_crs(s, cr, 4), 2);
	ATF_CHECK_EQ(cr[0].encoding, ISAKMP_CERT_X509_SIGN);
	ATF_CHECK(mem_eq(cr[0].data, cr[0].len, root, rlen));
	ATF_CHECK_EQ(cr[1].encoding, ISAKMP_CERT_X509_SIGN);
	ATF_CHECK(mem_eq(cr[1].data, cr[1].len, inter, ilen));
	memset(cr, 0, sizeof(cr));
	ATF_CHECK_EQ(cert_store_crs(s, cr, 1), 2);
	ATF_CHECK(cr[1].data == NULL);
	cert_store_free(s);

	host1 = load("host1.crt");
	host2 = load("host2.crt");
	chain = load("host2-chain.pem");
	ATF_CHECK(cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, root, rlen }, false));
	ATF_CHECK(!cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, inter, ilen }, false));
	ATF_CHECK(!cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, other, olen }, true));
	/* host2 is issued by inter; with inter in hand, root asks for it. */
	ATF_CHECK(cert_matches_cr(host2, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, inter, ilen }, false));
	ATF_CHECK(!cert_matches_cr(host2, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, root, rlen }, false));
	ATF_CHECK(cert_matches_cr(chain, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, root, rlen }, false));
	ATF_CHECK(cert_matches_cr(chain, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, inter, ilen }, false));
	/* An empty CR, another encoding, a DN that does not decode. */
	ATF_CHECK(cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, NULL, 0 }, true));
	ATF_CHECK(!cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, NULL, 0 }, false));
	ATF_CHECK(!cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_CRL, root, rlen }, true));
	ATF_CHECK(!cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, junk, sizeof(junk) }, true));
	ATF_CHECK(!cert_matches_cr(host1, &(struct isakmp_cert){
	    ISAKMP_CERT_X509_SIGN, root, rlen - 1 }, true));

	/* Which of our certificates to send. */
	mine[0] = host1;
	mine[1] = chain;
	two[0] = cr_of(inter, ilen);
	ATF_CHECK_EQ(cert_choose_for_crs(mine, 2, two, 1, false), 1);
	two[0] = cr_of(other, olen);
	ATF_CHECK_EQ(cert_choose_for_crs(mine, 2, two, 1, false), -1);
	two[1] = cr_of(root, rlen);
	ATF_CHECK_EQ(cert_choose_for_crs(mine, 2, two, 2, false), 0);
	ATF_CHECK_EQ(cert_choose_for_crs(mine, 2, two, 0, true), -1);

	cert_free(host1);
	cert_free(host2);
	cert_free(chain);
	OPENSSL_free(root);
	OPENSSL_free(inter);
	OPENSSL_free(other);
}

/* -------------------------------------------------------- identities */

static void
id_ok_(const struct cert *c, uint8_t type, const void *id, size_t len,
    int line)
{
	char reason[CERT_ERR_MAX];

	if (cert_check_id(c, type, id, len, reason, sizeof(reason)) != 0)
		atf_tc_fail_nonfatal("line %d: refused: %s", line, reason);
}

static void
id_bad_(const struct cert *c, uint8_t type, const void *id, size_t len,
    const char *why, int line)
{
	char reason[CERT_ERR_MAX];

	reason[0] = '\0';
	if (cert_check_id(c, type, id, len, reason, sizeof(reason)) == 0)
		atf_tc_fail_nonfatal("line %d: accepted", line);
	else if (strstr(reason, why) == NULL)
		atf_tc_fail_nonfatal("line %d: \"%s\" lacks \"%s\"", line,
		    reason, why);
}
/* Variadic, so that S("...") gives two arguments. */
#define ID_OK(c, t, ...)	id_ok_(c, t, __VA_ARGS__, __LINE__)
#define ID_BAD(c, t, ...)	id_bad_(c, t, __VA_ARGS__, __LINE__)
#define S(s)			(const uint8_t *)(s), (sizeof(s) - 1)

static void
addr(int af, const char *s, uint8_t *out)
{
	ATF_REQUIRE(inet_pton(af, s, out) == 1);
}

ATF_TC_WITHOUT_HEAD(id_against_cert);
ATF_TC_BODY(id_against_cert, tc)
{
	struct cert *h1, *h2, *noku;
	uint8_t a4[4], a6[16], big[20], *subj, *d;
	const uint8_t *der;
	X509_NAME *n;
	size_t slen, len;
	int dlen;

	pki_testdir(tc);
	h1 = load("host1.crt");
	h2 = load("host2.crt");
	noku = load("hostnoku.crt");

	/* IPV4_ADDR against iPAddress. */
	addr(AF_INET, "192.0.2.1", a4);
	ID_OK(h1, IPSEC_ID_IPV4_ADDR, a4, 4);
	ID_BAD(h2, IPSEC_ID_IPV4_ADDR, a4, 4, "ID 192.0.2.1 is not an "
	    "iPAddress subjectAltName of \"C=DE, O=pfkeykit test, "
	    "OU=gateways, CN=gw2.example.org\"");
	addr(AF_INET, "192.0.2.9", a4);
	ID_BAD(h1, IPSEC_ID_IPV4_ADDR, a4, 4, "ID 192.0.2.9 is not");
	ID_BAD(h1, IPSEC_ID_IPV4_ADDR, a4, 3, "malformed IPV4_ADDR ID");
	/* IPV6_ADDR. */
	addr(AF_INET6, "2001:db8::1", a6);
	ID_OK(h1, IPSEC_ID_IPV6_ADDR, a6, 16);
	/* The v6 address's first 4 bytes are no v4 address. */
	ID_BAD(h1, IPSEC_ID_IPV4_ADDR, a6, 4, "is not an iPAddress");
	ID_BAD(h1, IPSEC_ID_IPV6_ADDR, a6, 15, "malformed");
	addr(AF_INET6, "2001:db8::2", a6);
	ID_BAD(h1, IPSEC_ID_IPV6_ADDR, a6, 16, "ID 2001:db8::2 is not");
	/* FQDN against dNSName: no case, one final dot. */
	ID_OK(h1, IPSEC_ID_FQDN, S("gw1.example.org"));
	ID_OK(h1, IPSEC_ID_FQDN, S("GW1.Example.ORG"));
	ID_OK(h1, IPSEC_ID_FQDN, S("gw1.example.org."));
	ID_BAD(h1, IPSEC_ID_FQDN, S("gw1.example.org.."), "not a dNSName");
	ID_BAD(h1, IPSEC_ID_FQDN, S("gw9.example.org"), "ID \"gw9.example.org"
	    "\" is not a dNSName subjectAltName");
	ID_BAD(h1, IPSEC_ID_FQDN, S("gw1.example.or"), "not a dNSName");
	ID_BAD(h1, IPSEC_ID_FQDN, S("gw1.example.org\0.evil"),
	    "\"gw1.example.org\\x00.evil\"");
	/* The certificate's wildcard name is not expanded... */
	ID_BAD(h1, IPSEC_ID_FQDN, S("host.wild.example.org"), "not a dNSName");
	/* ...only its literal text matches. */
	ID_OK(h1, IPSEC_ID_FQDN, S("*.wild.example.org"));
	/* An address is not a name. */
	ID_BAD(h1, IPSEC_ID_FQDN, S("192.0.2.1"), "not a dNSName");
	ID_BAD(noku, IPSEC_ID_FQDN, S("noku.example.org"), "not a dNSName");
	/* USER_FQDN against rfc822Name: the domain without case. */
	ID_OK(h1, IPSEC_ID_USER_FQDN, S("admin@example.org"));
	ID_OK(h1, IPSEC_ID_USER_FQDN, S("admin@EXAMPLE.Org"));
	ID_BAD(h1, IPSEC_ID_USER_FQDN, S("Admin@example.org"),
	    "is not an rfc822Name");
	ID_BAD(h1, IPSEC_ID_USER_FQDN, S("admin@example.net"),
	    "is not an rfc822Name");
	ID_BAD(h1, IPSEC_ID_USER_FQDN, S("gw1.example.org"),
	    "is not an rfc822Name");
	ID_BAD(h1, IPSEC_ID_FQDN, S("admin@example.org"), "not a dNSName");

	/* DER_ASN1_DN against the subject. */
	subj = oracle_subject("host1.crt", &slen);
	ID_OK(h1, IPSEC_ID_DER_ASN1_DN, subj, slen);
	ID_BAD(h2, IPSEC_ID_DER_ASN1_DN, subj, slen, "ID \"C=DE, O=pfkeykit "
	    "test, OU=gateways, CN=gw1.example.org\" is not the subject "
	    "\"C=DE, O=pfkeykit test, OU=gateways, CN=gw2.example.org\"");
	ID_BAD(h1, IPSEC_ID_DER_ASN1_DN, subj, slen - 1, "malformed "
	    "DER_ASN1_DN");
	ATF_REQUIRE((d = malloc(slen + 1)) != NULL);
	memcpy(d, subj, slen);
	d[slen] = 0;
	ID_BAD(h1, IPSEC_ID_DER_ASN1_DN, d, slen + 1, "malformed");
	free(d);
	/* The same name in other string types and case is the same name. */
	ATF_REQUIRE((n = X509_NAME_new()) != NULL);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(n, "C", V_ASN1_PRINTABLESTRING,
	    (const unsigned char *)"de", -1, -1, 0) == 1);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(n, "O", V_ASN1_PRINTABLESTRING,
	    (const unsigned char *)"PFKEYKIT  Test", -1, -1, 0) == 1);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(n, "OU", V_ASN1_T61STRING,
	    (const unsigned char *)"Gateways", -1, -1, 0) == 1);
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(n, "CN", V_ASN1_IA5STRING,
	    (const unsigned char *)"GW1.example.org", -1, -1, 0) == 1);
	d = NULL;
	ATF_REQUIRE((dlen = i2d_X509_NAME(n, &d)) > 0);
	ATF_CHECK(!mem_eq(d, (size_t)dlen, subj, slen));
	ID_OK(h1, IPSEC_ID_DER_ASN1_DN, d, (size_t)dlen);
	OPENSSL_free(d);
	/* An attribute more is another name. */
	ATF_REQUIRE(X509_NAME_add_entry_by_txt(n, "L", MBSTRING_UTF8,
	    (const unsigned char *)"Berlin", -1, -1, 0) == 1);
	d = NULL;
	ATF_REQUIRE((dlen = i2d_X509_NAME(n, &d)) > 0);
	ID_BAD(h1, IPSEC_ID_DER_ASN1_DN, d, (size_t)dlen, "is not the subject");
	OPENSSL_free(d);
	X509_NAME_free(n);
	/* An empty DN is never anyone's. */
	ATF_REQUIRE((n = X509_NAME_new()) != NULL);
	d = NULL;
	ATF_REQUIRE((dlen = i2d_X509_NAME(n, &d)) > 0);
	ID_BAD(h1, IPSEC_ID_DER_ASN1_DN, d, (size_t)dlen, "malformed");
	OPENSSL_free(d);
	X509_NAME_free(n);
	der = cert_subject_der(h1, &len);
	ID_BAD(h1, IPSEC_ID_FQDN, der, len, "not a dNSName");

	/* Types that say nothing a certificate could confirm. */
	memset(big, 0, sizeof(big));
	ID_BAD(h1, IPSEC_ID_IPV4_ADDR_SUBNET, big, 8, "an ID of type "
	    "IPV4_ADDR_SUBNET cannot be checked against a certificate");
	ID_BAD(h1, IPSEC_ID_KEY_ID, S("gw1"), "cannot be checked");
	ID_BAD(h1, IPSEC_ID_DER_ASN1_GN, big, 4, "cannot be checked");

	OPENSSL_free(subj);
	cert_free(h1);
	cert_free(h2);
	cert_free(noku);
}

static struct cert_dn *
dn_ok(const char *s)
{
	struct cert_dn *dn;
	char err[CERT_ERR_MAX];

	if (cert_dn_parse(s, &dn, err, sizeof(err)) == -1)
		atf_tc_fail("\"%s\": %s", s, err);
	return (dn);
}

static void
dn_bad_(const char *s, const char *why, int line)
{
	struct cert_dn *dn = (struct cert_dn *)1;
	char err[CERT_ERR_MAX];

	err[0] = '\0';
	ATF_CHECK_EQ_MSG(cert_dn_parse(s, &dn, err, sizeof(err)), -1,
	    "line %d: \"%s\" parsed", line, s);
	ATF_CHECK_MSG(dn == NULL, "line %d", line);
	ATF_CHECK_MSG(strstr(err, why) != NULL, "line %d: \"%s\" lacks \"%s\"",
	    line, err, why);
}
#define DN_BAD(s, w)	dn_bad_(s, w, __LINE__)

/* Whether the pattern matches the subject of a PKI certificate. */
static bool
dn_matches(const char *pattern, const char *certname)
{
	struct cert_dn *dn = dn_ok(pattern);
	uint8_t *subj;
	size_t len;
	bool m;

	subj = oracle_subject(certname, &len);
	m = cert_dn_match(dn, subj, len);
	OPENSSL_free(subj);
	cert_dn_free(dn);
	return (m);
}

/* The value of the one attribute of a parsed DN. */
static void
dn_value(const char *s, int nid, const void *want, size_t wantlen)
{
	struct cert_dn *dn = dn_ok(s);
	const unsigned char *p;
	const ASN1_STRING *v;
	X509_NAME *n;
	size_t len;

	p = cert_dn_der(dn, &len);
	ATF_REQUIRE((n = d2i_X509_NAME(NULL, &p, (long)len)) != NULL);
	ATF_REQUIRE_EQ(X509_NAME_entry_count(n), 1);
	ATF_CHECK_EQ(OBJ_obj2nid(X509_NAME_ENTRY_get_object(
	    X509_NAME_get_entry(n, 0))), nid);
	v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, 0));
	ATF_CHECK_MSG(mem_eq(ASN1_STRING_get0_data(v),
	    (size_t)ASN1_STRING_length(v), want, wantlen), "\"%s\"", s);
	X509_NAME_free(n);
	cert_dn_free(dn);
}

ATF_TC_WITHOUT_HEAD(dn_strings);
ATF_TC_BODY(dn_strings, tc)
{
	struct cert_dn *dn, *dn2;
	const uint8_t *der, *der2;
	const unsigned char *p;
	uint8_t *subj;
	size_t len, len2, slen;
	X509_NAME *n;
	char text[256];

	pki_testdir(tc);
	subj = oracle_subject("host1.crt", &slen);
	/* The string form gives the very DER openssl req -subj gave. */
	dn = dn_ok("C=DE, O=pfkeykit test, OU=gateways, CN=gw1.example.org");
	der = cert_dn_der(dn, &len);
	ATF_CHECK(mem_eq(der, len, subj, slen));
	ATF_CHECK(!cert_dn_has_wildcard(dn));
	ATF_CHECK(cert_dn_match(dn, subj, slen));
	ATF_CHECK(!cert_dn_match(dn, subj, slen - 1));
	dn2 = dn_ok("/C=DE/O=pfkeykit test/OU=gateways/CN=gw1.example.org");
	der2 = cert_dn_der(dn2, &len2);
	ATF_CHECK(mem_eq(der, len, der2, len2));
	cert_dn_free(dn2);
	dn2 = dn_ok("  C = DE ;O=pfkeykit test;  OU=gateways ,CN=gw1.example."
	    "org  ");
	der2 = cert_dn_der(dn2, &len2);
	ATF_CHECK(mem_eq(der, len, der2, len2));
	cert_dn_free(dn2);
	cert_dn_free(dn);
	/* Text and back. */
	cert_dn_text(subj, slen, text, sizeof(text));
	ATF_CHECK_STREQ(text, "C=DE, O=pfkeykit test, OU=gateways, "
	    "CN=gw1.example.org");
	ATF_CHECK(dn_matches(text, "host1.crt"));
	cert_dn_text(subj, slen - 1, text, sizeof(text));
	ATF_CHECK_STREQ(text, "?");

	/* Matching: canonical, wildcards, order and count. */
	ATF_CHECK(dn_matches("c=de, o=PFKEYKIT  test, ou=Gateways, "
	    "cn=GW1.example.org", "host1.crt"));
	ATF_CHECK(!dn_matches("C=DE, O=pfkeykit test, OU=gateways, "
	    "CN=gw2.example.org", "host1.crt"));
	ATF_CHECK(dn_matches("C=DE, O=pfkeykit test, OU=*, CN=gw1.example.org",
	    "host1.crt"));
	ATF_CHECK(dn_matches("C=DE, O=pfkeykit test, OU=*, CN=*",
	    "host2.crt"));
	ATF_CHECK(dn_matches("C=*, O=*, OU=*, CN=*", "host1.crt"));
	ATF_CHECK(!dn_matches("C=*, O=*, CN=*", "host1.crt"));
	ATF_CHECK(!dn_matches("C=DE, O=*, CN=gw1.example.org", "host1.crt"));
	ATF_CHECK(!dn_matches("C=DE, O=pfkeykit test, CN=*, OU=gateways",
	    "host1.crt"));
	ATF_CHECK(!dn_matches("C=DE, O=pfkeykit test, L=*, CN=gw1.example.org",
	    "host1.crt"));
	ATF_CHECK(!dn_matches("C=DE, O=pfkeykit test, OU=*, CN=gw1.example.net",
	    "host1.crt"));
	ATF_CHECK(dn_matches("C=DE, O=pfkeykit test, CN=Test Root CA",
	    "root.crt"));
	ATF_CHECK(!dn_matches("C=DE, O=pfkeykit test, CN=Test Root CA, CN=*",
	    "root.crt"));
	/* "\*" is an asterisk, not a wildcard. */
	dn = dn_ok("C=DE, O=pfkeykit test, OU=\\*, CN=gw1.example.org");
	ATF_CHECK(!cert_dn_has_wildcard(dn));
	ATF_CHECK(!cert_dn_match(dn, subj, slen));
	cert_dn_free(dn);
	dn = dn_ok("C=DE, O=pfkeykit test, OU=*, CN=gw1.example.org");
	ATF_CHECK(cert_dn_has_wildcard(dn));
	cert_dn_free(dn);

	/* Escapes, names, multi-valued RDNs. */
	dn_value("CN=a\\, b", NID_commonName, S("a, b"));
	dn_value("CN=\\41BC\\2b", NID_commonName, S("ABC+"));
	dn_value("CN=\\ x\\ ", NID_commonName, S(" x "));
	dn_value("CN=x\\\\y", NID_commonName, S("x\\y"));
	dn_value("O=a/b", NID_organizationName, S("a/b"));
	dn_value("/O=a,b", NID_organizationName, S("a,b"));
	dn_value("E=ipsec@example.org", NID_pkcs9_emailAddress,
	    S("ipsec@example.org"));
	dn_value("emailAddress=ipsec@example.org", NID_pkcs9_emailAddress,
	    S("ipsec@example.org"));
	dn_value("2.5.4.3=by oid", NID_commonName, S("by oid"));
	dn_value("commonName=long", NID_commonName, S("long"));
	dn_value("cn=gr\xc3\xbc\xc3\x9f", NID_commonName,
	    S("gr\xc3\xbc\xc3\x9f"));
	dn = dn_ok("O=x, CN=a+UID=b");
	p = cert_dn_der(dn, &len);
	ATF_REQUIRE((n = d2i_X509_NAME(NULL, &p, (long)len)) != NULL);
	ATF_REQUIRE_EQ(X509_NAME_entry_count(n), 3);
	ATF_CHECK(X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 0)) !=
	    X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 1)));
	ATF_CHECK_EQ(X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 1)),
	    X509_NAME_ENTRY_set(X509_NAME_get_entry(n, 2)));
	X509_NAME_free(n);
	cert_dn_free(dn);

	/* Refusals. */
	DN_BAD("", "empty distinguished name");
	DN_BAD("  ", "empty distinguished name");
	DN_BAD("/", "empty distinguished name");
	DN_BAD("CN", "no \"=\" after \"CN\"");
	DN_BAD("=x", "no attribute name");
	DN_BAD("CN=", "empty value for CN");
	DN_BAD("CN=  ", "empty value for CN");
	DN_BAD("C=DE, ", "nothing after the last separator");
	DN_BAD("C=DE,, O=x", "no \"=\" after \"\"");
	DN_BAD("/C=DE/", "nothing after the last separator");
	DN_BAD("XYZ=1", "unknown attribute \"XYZ\"");
	DN_BAD("CN=x\\", "bad escape");
	DN_BAD("CN=x\\q", "bad escape \"\\q\"");
	DN_BAD("C=Germany", "invalid value for C");
	DN_BAD("CN=\\ff", "invalid value for CN");
	DN_BAD("O=a, CN+UID=b", "no \"=\" after \"CN\"");

	OPENSSL_free(subj);
}

/* A configuration with one remote whose body is `body'. */
static struct rcn_config *
conf_with(const char *body)
{
	struct conf_msgs msgs;
	struct conf_msg *m;
	struct rcn_config *cfg;
	char text[4096];

	(void)snprintf(text, sizeof(text),
	    "remote \"gw\" {\n\tremote_address 192.0.2.1;\n"
	    "\texchange_mode main;\n%s"
	    "\tproposal {\n\t\tencryption_algorithm aes;\n"
	    "\t\thash_algorithm sha256;\n"
	    "\t\tauthentication_method rsasig;\n\t\tdh_group 14;\n\t}\n}\n",
	    body);
	TAILQ_INIT(&msgs);
	if (conf_load_buffer(text, strlen(text), "/nonexistent/t.conf", NULL,
	    &cfg, &msgs) == -1) {
		m = TAILQ_FIRST(&msgs);
		atf_tc_fail("config: %s", m != NULL ? m->text : "?");
	}
	conf_msgs_free(&msgs);
	return (cfg);
}

ATF_TC_WITHOUT_HEAD(id_against_conf);
ATF_TC_BODY(id_against_conf, tc)
{
	struct rcn_config *cfg;
	const struct rcn_remote *r;
	struct rcn_id id;
	struct sad_addr peer;
	uint8_t a4[4], a6[16], *s1, *s2, *so;
	size_t l1, l2, lo;
	char body[1024], reason[CERT_ERR_MAX];

	pki_testdir(tc);
	s1 = oracle_subject("host1.crt", &l1);
	s2 = oracle_subject("host2.crt", &l2);
	so = oracle_subject("otherhost.crt", &lo);
	addr(AF_INET, "192.0.2.1", a4);
	addr(AF_INET6, "2001:db8::1", a6);
	memset(&peer, 0, sizeof(peer));
	ATF_REQUIRE(sad_addr_parse(&peer, "192.0.2.1") == 0);

	/* address: the one written, else the peer's. */
	memset(&id, 0, sizeof(id));
	id.type = RCN_ID_ADDRESS;
	ATF_CHECK(cert_match_peers_id(&id, &peer, IPSEC_ID_IPV4_ADDR, a4, 4));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_IPV4_ADDR, a4, 4));
	ATF_CHECK(!cert_match_peers_id(&id, &peer, IPSEC_ID_IPV6_ADDR, a6,
	    16));
	ATF_CHECK(!cert_match_peers_id(&id, &peer, IPSEC_ID_FQDN,
	    S("192.0.2.1")));
	id.has_addr = true;
	ATF_REQUIRE(sad_addr_parse(&id.addr, "2001:db8::1") == 0);
	ATF_CHECK(cert_match_peers_id(&id, &peer, IPSEC_ID_IPV6_ADDR, a6, 16));
	ATF_CHECK(!cert_match_peers_id(&id, &peer, IPSEC_ID_IPV4_ADDR, a4, 4));
	a6[15] ^= 1;
	ATF_CHECK(!cert_match_peers_id(&id, &peer, IPSEC_ID_IPV6_ADDR, a6,
	    16));
	/* fqdn, user_fqdn. */
	memset(&id, 0, sizeof(id));
	id.type = RCN_ID_FQDN;
	id.value = (char *)(uintptr_t)"gw1.example.org";
	ATF_CHECK(cert_match_peers_id(&id, NULL, IPSEC_ID_FQDN,
	    S("GW1.example.org")));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_FQDN,
	    S("gw2.example.org")));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_USER_FQDN,
	    S("gw1.example.org")));
	id.type = RCN_ID_USER_FQDN;
	id.value = (char *)(uintptr_t)"ike@example.org";
	ATF_CHECK(cert_match_peers_id(&id, NULL, IPSEC_ID_USER_FQDN,
	    S("ike@Example.ORG")));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_USER_FQDN,
	    S("IKE@example.org")));
	/* asn1dn: any DN, or the pattern. */
	id.type = RCN_ID_ASN1DN;
	id.value = NULL;
	ATF_CHECK(cert_match_peers_id(&id, NULL, IPSEC_ID_DER_ASN1_DN, s1,
	    l1));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_DER_ASN1_DN, s1,
	    l1 - 1));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_FQDN, s1, l1));
	id.value = (char *)(uintptr_t)"C=DE, O=pfkeykit test, OU=*, CN=*";
	ATF_CHECK(cert_match_peers_id(&id, NULL, IPSEC_ID_DER_ASN1_DN, s1,
	    l1));
	ATF_CHECK(cert_match_peers_id(&id, NULL, IPSEC_ID_DER_ASN1_DN, s2,
	    l2));
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_DER_ASN1_DN, so,
	    lo));
	id.value = (char *)(uintptr_t)"CN";
	ATF_CHECK(!cert_match_peers_id(&id, NULL, IPSEC_ID_DER_ASN1_DN, s1,
	    l1));
	id.type = RCN_ID_NONE;
	ATF_CHECK(!cert_match_peers_id(&id, &peer, IPSEC_ID_IPV4_ADDR, a4, 4));

	/* A remote's list, as racoon-ng.conf writes it. */
	(void)snprintf(body, sizeof(body),
	    "\tpeers_identifier asn1dn \"C=DE, O=pfkeykit test, OU=*, "
	    "CN=gw1.example.org\";\n"
	    "\tpeers_identifier fqdn \"gw2.example.org\";\n"
	    "\tpeers_identifier address;\n"
	    "\tverify_identifier on;\n"
	    "\tcertificate_type x509 \"%s\" \"%s\";\n", P("host2.crt"),
	    P("host2.key"));
	cfg = conf_with(body);
	ATF_REQUIRE((r = conf_remote_by_name(cfg, "gw")) != NULL);
	ATF_CHECK_EQ(cert_check_peers_id(r, &peer, IPSEC_ID_DER_ASN1_DN, s1,
	    l1, reason, sizeof(reason)), 0);
	ATF_CHECK_EQ(cert_check_peers_id(r, &peer, IPSEC_ID_FQDN,
	    S("gw2.example.org"), reason, sizeof(reason)), 0);
	addr(AF_INET, "192.0.2.1", a4);
	ATF_CHECK_EQ(cert_check_peers_id(r, &peer, IPSEC_ID_IPV4_ADDR, a4, 4,
	    reason, sizeof(reason)), 0);
	a4[3] = 7;
	ATF_CHECK_EQ(cert_check_peers_id(r, &peer, IPSEC_ID_IPV4_ADDR, a4, 4,
	    reason, sizeof(reason)), -1);
	ATF_CHECK_STREQ(reason, "IPV4_ADDR ID 192.0.2.7 matches no "
	    "peers_identifier of remote \"gw\"");
	ATF_CHECK_EQ(cert_check_peers_id(r, &peer, IPSEC_ID_DER_ASN1_DN, s2,
	    l2, reason, sizeof(reason)), -1);
	ATF_CHECK_STREQ(reason, "DER_ASN1_DN ID \"C=DE, O=pfkeykit test, "
	    "OU=gateways, CN=gw2.example.org\" matches no peers_identifier "
	    "of remote \"gw\"");
	conf_free(cfg);
	/* No peers_identifier: nothing to check, as racoon. */
	(void)snprintf(body, sizeof(body), "\tcertificate_type x509 \"%s\" "
	    "\"%s\";\n", P("host2.crt"), P("host2.key"));
	cfg = conf_with(body);
	ATF_REQUIRE((r = conf_remote_by_name(cfg, "gw")) != NULL);
	ATF_CHECK_EQ(cert_check_peers_id(r, &peer, IPSEC_ID_FQDN,
	    S("anything"), reason, sizeof(reason)), 0);
	conf_free(cfg);

	OPENSSL_free(s1);
	OPENSSL_free(s2);
	OPENSSL_free(so);
}

ATF_TC_WITHOUT_HEAD(my_id);
ATF_TC_BODY(my_id, tc)
{
	struct rcn_id id;
	struct sad_addr local;
	struct cert *h1;
	struct cert_dn *dn;
	const uint8_t *der;
	uint8_t buf[512], type, a[16], *subj;
	size_t slen, len;
	ssize_t n;
	char err[CERT_ERR_MAX];

	pki_testdir(tc);
	h1 = load("host1.crt");
	subj = oracle_subject("host1.crt", &slen);
	memset(&id, 0, sizeof(id));
	memset(&local, 0, sizeof(local));

	id.type = RCN_ID_ADDRESS;
	ATF_REQUIRE(sad_addr_parse(&local, "198.51.100.7") == 0);
	n = cert_my_id(&id, NULL, &local, &type, buf, sizeof(buf), err,
	    sizeof(err));
	ATF_REQUIRE_EQ(n, 4);
	ATF_CHECK_EQ(type, IPSEC_ID_IPV4_ADDR);
	addr(AF_INET, "198.51.100.7", a);
	ATF_CHECK(memcmp(buf, a, 4) == 0);
	ATF_CHECK_STREQ(err, "");
	id.has_addr = true;
	ATF_REQUIRE(sad_addr_parse(&id.addr, "2001:db8::7") == 0);
	n = cert_my_id(&id, NULL, &local, &type, buf, sizeof(buf), err,
	    sizeof(err));
	ATF_REQUIRE_EQ(n, 16);
	ATF_CHECK_EQ(type, IPSEC_ID_IPV6_ADDR);
	addr(AF_INET6, "2001:db8::7", a);
	ATF_CHECK(memcmp(buf, a, 16) == 0);
	ATF_CHECK_EQ(cert_my_id(&id, NULL, &local, &type, buf, 15, err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "my_identifier: an ID of 16 bytes does not fit "
	    "in 15");
	id.has_addr = false;
	ATF_CHECK_EQ(cert_my_id(&id, NULL, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "my_identifier address: no local address to "
	    "send");

	id.type = RCN_ID_FQDN;
	id.value = (char *)(uintptr_t)"gw1.example.org";
	n = cert_my_id(&id, NULL, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err));
	ATF_CHECK_EQ(type, IPSEC_ID_FQDN);
	ATF_CHECK(n == 15 && memcmp(buf, "gw1.example.org", 15) == 0);
	/* What we send passes the peer's check against our certificate. */
	ATF_CHECK_EQ(cert_check_id(h1, type, buf, (size_t)n, err,
	    sizeof(err)), 0);
	id.type = RCN_ID_USER_FQDN;
	id.value = (char *)(uintptr_t)"admin@example.org";
	n = cert_my_id(&id, NULL, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err));
	ATF_CHECK_EQ(type, IPSEC_ID_USER_FQDN);
	ATF_CHECK(n == 17 && memcmp(buf, "admin@example.org", 17) == 0);
	id.value = (char *)(uintptr_t)"";
	ATF_CHECK_EQ(cert_my_id(&id, NULL, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err)), -1);

	/* asn1dn: our subject byte for byte. */
	id.type = RCN_ID_ASN1DN;
	id.value = NULL;
	n = cert_my_id(&id, h1, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err));
	ATF_CHECK_EQ(type, IPSEC_ID_DER_ASN1_DN);
	ATF_CHECK(n > 0 && mem_eq(buf, (size_t)n, subj, slen));
	ATF_CHECK_EQ(cert_my_id(&id, NULL, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	ATF_CHECK_STREQ(err, "my_identifier asn1dn: no certificate to take "
	    "the subject from");
	/* The subject in another spelling: the certificate's bytes. */
	id.value = (char *)(uintptr_t)"c=de, o=PFKEYKIT test, ou=gateways, "
	    "cn=GW1.example.org";
	n = cert_my_id(&id, h1, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err));
	ATF_CHECK(n > 0 && mem_eq(buf, (size_t)n, subj, slen));
	ATF_CHECK_STREQ(err, "");
	/* Another DN: sent as written, with a warning. */
	id.value = (char *)(uintptr_t)"C=DE, CN=someone else";
	n = cert_my_id(&id, h1, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err));
	dn = dn_ok(id.value);
	der = cert_dn_der(dn, &len);
	ATF_CHECK(n > 0 && mem_eq(buf, (size_t)n, der, len));
	cert_dn_free(dn);
	ATF_CHECK_MSG(strstr(err, "is not the subject \"C=DE, O=pfkeykit "
	    "test, OU=gateways, CN=gw1.example.org\" of our certificate") !=
	    NULL, "%s", err);
	id.value = (char *)(uintptr_t)"C=DE, CN=*";
	ATF_CHECK_EQ(cert_my_id(&id, h1, NULL, &type, buf, sizeof(buf), err,
	    sizeof(err)), -1);
	ATF_CHECK_MSG(strstr(err, "only matches in peers_identifier") != NULL,
	    "%s", err);
	id.value = NULL;
	ATF_CHECK_EQ(cert_my_id(&id, h1, NULL, &type, buf, 10, err,
	    sizeof(err)), -1);
	id.type = RCN_ID_NONE;
	ATF_CHECK_EQ(cert_my_id(&id, h1, &local, &type, buf, sizeof(buf), err,
	    sizeof(err)), -1);

	OPENSSL_free(subj);
	cert_free(h1);
}

/* ------------------------------------------------------- signatures */

static void
fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

ATF_TC_WITHOUT_HEAD(sign_rsa);
ATF_TC_BODY(sign_rsa, tc)
{
	static const size_t lens[] = { 16, 20, 32, 48, 64 };
	struct cert_key *k;
	struct cert *c1, *c2;
	uint8_t hash[64], sig[CERT_SIG_MAX], *o, *rec;
	size_t i, olen, rlen, hl;
	ssize_t n;

	pki_testdir(tc);
	k = loadkey("host1.key");
	c1 = load("host1.crt");
	c2 = load("host2.crt");
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hl = lens[i];
		fill(hash, hl, (uint8_t)i);
		spit("hash", hash, hl);
		n = cert_key_sign(k, CERT_AUTH_RSASIG, hash, hl, sig,
		    sizeof(sig));
		ATF_REQUIRE_EQ_MSG(n, 256, "hash of %zu bytes", hl);
		spit("sig", sig, (size_t)n);
		/* openssl verifies it, PKCS#1 v1.5 with no digest... */
		ATF_CHECK_EQ_MSG(sh("openssl pkeyutl -verify -pubin -inkey %s "
		    "-pkeyopt rsa_padding_mode:pkcs1 -in hash -sigfile sig",
		    P("host1.pub")), 0, "%zu", hl);
		/* ...and recovers the bare hash: no DigestInfo around it. */
		ATF_REQUIRE_EQ(sh("openssl pkeyutl -verifyrecover -pubin "
		    "-inkey %s -pkeyopt rsa_padding_mode:pkcs1 -in sig "
		    "-out rec", P("host1.pub")), 0);
		rec = slurp("rec", &rlen);
		ATF_CHECK(mem_eq(rec, rlen, hash, hl));
		free(rec);
		/* PKCS#1 v1.5 is deterministic: openssl's is the same. */
		ATF_REQUIRE_EQ(sh("openssl pkeyutl -sign -inkey %s -pkeyopt "
		    "rsa_padding_mode:pkcs1 -in hash -out osig",
		    P("host1.key")), 0);
		o = slurp("osig", &olen);
		ATF_CHECK(mem_eq(o, olen, sig, (size_t)n));
		/* Theirs verifies with ours; not with another key. */
		ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, hl, o,
		    olen), 0);
		ATF_CHECK_EQ(cert_verify_sig(c2, CERT_AUTH_RSASIG, hash, hl, o,
		    olen), -1);
		free(o);
		/* Negative controls: another hash fails for openssl too. */
		hash[0] ^= 0x80;
		spit("hash", hash, hl);
		ATF_CHECK(sh("openssl pkeyutl -verify -pubin -inkey %s "
		    "-pkeyopt "
		    "rsa_padding_mode:pkcs1 -in hash -sigfile sig",
		    P("host1.pub")) != 0);
		ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, hl,
		    sig, (size_t)n), -1);
		hash[0] ^= 0x80;
		spit("hash", hash, hl);
		ATF_CHECK(sh("openssl pkeyutl -verify -certin -inkey %s "
		    "-pkeyopt rsa_padding_mode:pkcs1 -in hash -sigfile sig",
		    P("host2.crt")) != 0);
	}
	/* A DigestInfo-wrapped signature of the same bytes is refused. */
	fill(hash, 32, 9);
	spit("hash", hash, 32);
	ATF_REQUIRE_EQ(sh("openssl pkeyutl -sign -inkey %s -pkeyopt "
	    "rsa_padding_mode:pkcs1 -pkeyopt digest:sha256 -in hash -out dsig",
	    P("host1.key")), 0);
	o = slurp("dsig", &olen);
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, 32, o, olen),
	    -1);
	free(o);
	/* Flipped, cut, empty, wrong method. */
	n = cert_key_sign(k, CERT_AUTH_RSASIG, hash, 32, sig, sizeof(sig));
	ATF_REQUIRE_EQ(n, 256);
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, 32, sig, 256),
	    0);
	sig[100] ^= 1;
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, 32, sig, 256),
	    -1);
	sig[100] ^= 1;
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, 32, sig, 255),
	    -1);
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, 32, sig, 0),
	    -1);
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_RSASIG, hash, 31, sig, 256),
	    -1);
	ATF_CHECK_EQ(cert_verify_sig(c1, CERT_AUTH_ECDSA_256, hash, 32, sig,
	    256), -1);
	/* Sign refusals. */
	ATF_CHECK_EQ(cert_key_sign(k, CERT_AUTH_ECDSA_256, hash, 32, sig,
	    sizeof(sig)), -1);
	ATF_CHECK_EQ(cert_key_sign(k, CERT_AUTH_RSASIG, hash, 32, sig, 255),
	    -1);
	ATF_CHECK_EQ(cert_key_sign(k, CERT_AUTH_RSASIG, hash, 0, sig,
	    sizeof(sig)), -1);
	ATF_CHECK_EQ(cert_key_sign(k, CERT_AUTH_RSASIG, sig, 65, sig,
	    sizeof(sig)), -1);
	cert_key_free(k);
	cert_free(c1);
	cert_free(c2);
}

/* r | s to DER and back, on the test's side (the oracle's format). */
static size_t
rs_to_der(const uint8_t *sig, size_t flen, uint8_t *out)
{
	ECDSA_SIG *es;
	unsigned char *p = out;
	int n;

	ATF_REQUIRE((es = ECDSA_SIG_new()) != NULL);
	ATF_REQUIRE(ECDSA_SIG_set0(es, BN_bin2bn(sig, (int)flen, NULL),
	    BN_bin2bn(sig + flen, (int)flen, NULL)) == 1);
	ATF_REQUIRE((n = i2d_ECDSA_SIG(es, &p)) > 0);
	ECDSA_SIG_free(es);
	return ((size_t)n);
}

static void
der_to_rs(const uint8_t *der, size_t len, size_t flen, uint8_t *out)
{
	const unsigned char *p = der;
	const BIGNUM *r, *s;
	ECDSA_SIG *es;

	ATF_REQUIRE((es = d2i_ECDSA_SIG(NULL, &p, (long)len)) != NULL);
	ECDSA_SIG_get0(es, &r, &s);
	ATF_REQUIRE(BN_bn2binpad(r, out, (int)flen) == (int)flen);
	ATF_REQUIRE(BN_bn2binpad(s, out + flen, (int)flen) == (int)flen);
	ECDSA_SIG_free(es);
}

/* Sign and verify both ways on one curve; flen: bytes of r (and s). */
static void
ecdsa_roundtrip(const char *name, int method, int other, size_t flen)
{
	static const size_t lens[] = { 20, 32, 48, 64 };
	char keyf[64], crtf[64], pubf[64];
	struct cert_key *k;
	struct cert *c, *rsa;
	uint8_t hash[64], sig[CERT_SIG_MAX], der[256], rs[200], *o;
	size_t i, hl, olen, dlen;
	ssize_t n;

	(void)snprintf(keyf, sizeof(keyf), "%s.key", name);
	(void)snprintf(crtf, sizeof(crtf), "%s.crt", name);
	(void)snprintf(pubf, sizeof(pubf), "%s.pub", name);
	k = loadkey(keyf);
	c = load(crtf);
	rsa = load("host1.crt");
	ATF_CHECK_EQ(cert_auth_method(c), method);
	ATF_CHECK_EQ(cert_key_sig_len(k), 2 * flen);
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		hl = lens[i];
		fill(hash, hl, (uint8_t)(i + 40));
		spit("hash", hash, hl);
		n = cert_key_sign(k, method, hash, hl, sig, sizeof(sig));
		ATF_REQUIRE_EQ_MSG(n, (ssize_t)(2 * flen), "%s", name);
		ATF_CHECK_EQ(cert_verify_sig(c, method, hash, hl, sig,
		    2 * flen), 0);
		/* openssl checks ours (the hash is the digest)... */
		dlen = rs_to_der(sig, flen, der);
		spit("sig", der, dlen);
		ATF_CHECK_EQ_MSG(sh("openssl pkeyutl -verify -pubin -inkey %s "
		    "-in hash -sigfile sig", P(pubf)), 0, "%s %zu", name, hl);
		/* ...and we check openssl's. */
		ATF_REQUIRE_EQ(sh("openssl pkeyutl -sign -inkey %s -in hash "
		    "-out osig", P(keyf)), 0);
		o = slurp("osig", &olen);
		der_to_rs(o, olen, flen, rs);
		free(o);
		ATF_CHECK_EQ_MSG(cert_verify_sig(c, method, hash, hl, rs,
		    2 * flen), 0, "%s %zu", name, hl);
		/* Negative controls: key, method, length. */
		ATF_CHECK_EQ(cert_verify_sig(rsa, method, hash, hl, rs,
		    2 * flen), -1);
		ATF_CHECK_EQ(cert_verify_sig(c, other, hash, hl, rs, 2 * flen),
		    -1);
		ATF_CHECK_EQ(cert_verify_sig(c, method, hash, hl, rs,
		    2 * flen - 1), -1);
		memcpy(sig, rs, 2 * flen);
		sig[2 * flen] = 0;
		ATF_CHECK_EQ(cert_verify_sig(c, method, hash, hl, sig,
		    2 * flen + 1), -1);
		rs[10] ^= 4;
		ATF_CHECK_EQ(cert_verify_sig(c, method, hash, hl, rs,
		    2 * flen), -1);
		/*
		 * Another hash.  ECDSA signs only the leftmost bits of a
		 * digest longer than the curve's order (32 bytes for P-256):
		 * change the first byte.
		 */
		hash[0] ^= 1;
		spit("hash", hash, hl);
		ATF_CHECK(sh("openssl pkeyutl -verify -pubin -inkey %s "
		    "-in hash "
		    "-sigfile sig", P(pubf)) != 0);
		ATF_CHECK_EQ(cert_verify_sig(c, method, hash, hl, sig,
		    2 * flen), -1);
	}
	/* The method must be the curve's. */
	ATF_CHECK_EQ(cert_key_sign(k, other, hash, 32, sig, sizeof(sig)), -1);
	ATF_CHECK_EQ(cert_key_sign(k, CERT_AUTH_RSASIG, hash, 32, sig,
	    sizeof(sig)), -1);
	ATF_CHECK_EQ(cert_key_sign(k, method, hash, 32, sig, 2 * flen - 1),
	    -1);
	cert_key_free(k);
	cert_free(c);
	cert_free(rsa);
}

ATF_TC_WITHOUT_HEAD(sign_ecdsa);
ATF_TC_BODY(sign_ecdsa, tc)
{
	pki_testdir(tc);
	ecdsa_roundtrip("hostec", CERT_AUTH_ECDSA_256, CERT_AUTH_ECDSA_384,
	    32);
	ecdsa_roundtrip("hostec384", CERT_AUTH_ECDSA_384, CERT_AUTH_ECDSA_521,
	    48);
	ecdsa_roundtrip("hostec521", CERT_AUTH_ECDSA_521, CERT_AUTH_ECDSA_256,
	    66);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, load_formats);
	ATF_TP_ADD_TC(tp, load_errors);
	ATF_TP_ADD_TC(tp, verify_chain);
	ATF_TP_ADD_TC(tp, verify_time_usage);
	ATF_TP_ADD_TC(tp, verify_crl);
	ATF_TP_ADD_TC(tp, store_export);
	ATF_TP_ADD_TC(tp, store_errors);
	ATF_TP_ADD_TC(tp, store_dir);
	ATF_TP_ADD_TC(tp, payloads);
	ATF_TP_ADD_TC(tp, cert_requests);
	ATF_TP_ADD_TC(tp, id_against_cert);
	ATF_TP_ADD_TC(tp, dn_strings);
	ATF_TP_ADD_TC(tp, id_against_conf);
	ATF_TP_ADD_TC(tp, my_id);
	ATF_TP_ADD_TC(tp, sign_rsa);
	ATF_TP_ADD_TC(tp, sign_ecdsa);
	return (atf_no_error());
}
