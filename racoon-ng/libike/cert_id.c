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
 * cert_id.c: identities.  DN strings of racoon.conf (with racoon's "*"
 * values in peers_identifier), an ID payload against a certificate and
 * against peers_identifier, our ID payload from my_identifier.
 *
 * racoon compared a DN ID with the certificate's subject byte for byte
 * and only the first subjectAltName of the wanted kind; here DNs compare
 * in OpenSSL's canonical form (so a PrintableString and a UTF8String of
 * the same text, or a different case, are the same name) and every
 * subjectAltName of the wanted kind is tried.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "cert_local.h"

#define DN_VALUE_MAX	1024	/* bytes of one attribute value */
#define DN_ENTRIES_MAX	64

struct cert_dn {
	X509_NAME	*name;
	uint8_t		*der;		/* OPENSSL_malloc'd */
	size_t		 len;
	bool		 wild[DN_ENTRIES_MAX];	/* per entry */
	bool		 anywild;
};

/* ----------------------------------------------------------- DN text */

/* The attributes racoon.conf users write, matched without case. */
static const struct {
	const char	*name;
	int		 nid;
} dn_attrs[] = {
	{ "C",			NID_countryName },
	{ "ST",			NID_stateOrProvinceName },
	{ "L",			NID_localityName },
	{ "O",			NID_organizationName },
	{ "OU",			NID_organizationalUnitName },
	{ "CN",			NID_commonName },
	{ "DC",			NID_domainComponent },
	{ "UID",		NID_userId },
	{ "GN",			NID_givenName },
	{ "T",			NID_title },
	{ "serialNumber",	NID_serialNumber },
	{ "E",			NID_pkcs9_emailAddress },
	{ "email",		NID_pkcs9_emailAddress },
	{ "emailAddress",	NID_pkcs9_emailAddress },
};

static ASN1_OBJECT *
dn_attr(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(dn_attrs) / sizeof(dn_attrs[0]); i++)
		if (strcasecmp(name, dn_attrs[i].name) == 0)
			return (OBJ_nid2obj(dn_attrs[i].nid));
	/* Other OpenSSL names ("SN" is surname there) and dotted OIDs. */
	return (OBJ_txt2obj(name, 0));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

void
cert_dn_free(struct cert_dn *dn)
{
	if (dn == NULL)
		return;
	X509_NAME_free(dn->name);
	OPENSSL_free(dn->der);
	free(dn);
}

int
cert_dn_parse(const char *str, struct cert_dn **dnp, char *err,
    size_t errlen)
{
	struct cert_dn *dn;
	const char *s = str, *seps;
	char attr[64], why[128];
	unsigned char *val;
	ASN1_OBJECT *obj;
	size_t alen, vlen, keep, n = 0;
	int set = 0, h1, h2, der;
	bool wild, escaped_any;

	*dnp = NULL;
	if ((dn = calloc(1, sizeof(*dn))) == NULL)
		return (cert_fail(err, errlen, "out of memory"));
	if ((val = malloc(DN_VALUE_MAX + 1)) == NULL ||
	    (dn->name = X509_NAME_new()) == NULL) {
		free(val);
		cert_dn_free(dn);
		return (cert_fail(err, errlen, "out of memory"));
	}
	while (*s == ' ' || *s == '\t')
		s++;
	seps = ",;";
	if (*s == '/') {
		seps = "/";
		s++;
	}
	if (*s == '\0') {
		cert_fail(err, errlen, "empty distinguished name");
		goto fail;
	}
	for (;;) {
		/* ATTR */
		while (*s == ' ' || *s == '\t')
			s++;
		alen = 0;
		while (*s != '=' && *s != '\0' && strchr(seps, *s) == NULL &&
		    *s != '+') {
			if (alen + 1 >= sizeof(attr)) {
				cert_fail(err, errlen, "attribute name too "
				    "long in \"%.40s\"", str);
				goto fail;
			}
			attr[alen++] = *s++;
		}
		while (alen > 0 && (attr[alen - 1] == ' ' ||
		    attr[alen - 1] == '\t'))
			alen--;
		attr[alen] = '\0';
		if (*s != '=') {
			cert_fail(err, errlen, "no \"=\" after \"%s\" in "
			    "\"%.60s\"", attr, str);
			goto fail;
		}
		if (alen == 0) {
			cert_fail(err, errlen, "no attribute name before "
			    "\"=\" in \"%.60s\"", str);
			goto fail;
		}
		s++;
		if ((obj = dn_attr(attr)) == NULL) {
			ERR_clear_error();
			cert_fail(err, errlen, "unknown attribute \"%s\"",
			    attr);
			goto fail;
		}
		/* VALUE */
		while (*s == ' ' || *s == '\t')
			s++;
		vlen = keep = 0;
		escaped_any = false;
		while (*s != '\0' && strchr(seps, *s) == NULL && *s != '+') {
			if (vlen == DN_VALUE_MAX) {
				ASN1_OBJECT_free(obj);
				cert_fail(err, errlen, "value of %s too long",
				    attr);
				goto fail;
			}
			if (*s != '\\') {
				val[vlen++] = (unsigned char)*s++;
				continue;
			}
			escaped_any = true;
			s++;
			if ((h1 = hexval(s[0])) != -1 &&
			    (h2 = hexval(s[1])) != -1) {
				val[vlen++] = (unsigned char)(h1 * 16 + h2);
				s += 2;
			} else if (*s != '\0' &&
			    strchr(",;=+<>#\\\"/* ", *s) != NULL) {
				val[vlen++] = (unsigned char)*s++;
			} else {
				ASN1_OBJECT_free(obj);
				cert_fail(err, errlen, "bad escape \"\\%.2s\" "
				    "in the value of %s", s, attr);
				goto fail;
			}
			keep = vlen;	/* escaped blanks are kept */
		}
		while (vlen > keep && (val[vlen - 1] == ' ' ||
		    val[vlen - 1] == '\t'))
			vlen--;
		if (vlen == 0) {
			ASN1_OBJECT_free(obj);
			cert_fail(err, errlen, "empty value for %s", attr);
			goto fail;
		}
		if (n == DN_ENTRIES_MAX) {
			ASN1_OBJECT_free(obj);
			cert_fail(err, errlen, "more than %d attributes",
			    DN_ENTRIES_MAX);
			goto fail;
		}
		wild = vlen == 1 && val[0] == '*' && !escaped_any;
		/* A wildcard is stored as is: "*" fits no string table. */
		ERR_clear_error();
		if (X509_NAME_add_entry_by_OBJ(dn->name, obj, wild ?
		    V_ASN1_UTF8STRING : MBSTRING_UTF8, val, (int)vlen, -1,
		    set) != 1) {
			ASN1_OBJECT_free(obj);
			cert_fail(err, errlen, "invalid value for %s: %s", attr,
			    cert_ossl_reason(why, sizeof(why)));
			goto fail;
		}
		ASN1_OBJECT_free(obj);
		dn->wild[n++] = wild;
		if (wild)
			dn->anywild = true;
		if (*s == '\0')
			break;
		set = *s == '+' ? -1 : 0;
		s++;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0') {
			cert_fail(err, errlen, "nothing after the last "
			    "separator in \"%.60s\"", str);
			goto fail;
		}
	}
	if ((der = i2d_X509_NAME(dn->name, &dn->der)) <= 0) {
		cert_fail(err, errlen, "cannot encode \"%.60s\"", str);
		goto fail;
	}
	dn->len = (size_t)der;
	free(val);
	*dnp = dn;
	return (0);
fail:
	free(val);
	cert_dn_free(dn);
	ERR_clear_error();
	return (-1);
}

const uint8_t *
cert_dn_der(const struct cert_dn *dn, size_t *len)
{
	*len = dn->len;
	return (dn->der);
}

bool
cert_dn_has_wildcard(const struct cert_dn *dn)
{
	return (dn->anywild);
}

/* A whole DER DN, nothing after it, at least one attribute; or NULL. */
static X509_NAME *
dn_decode(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	X509_NAME *n;

	if (len == 0 || len > CERT_DN_MAX)
		return (NULL);
	if ((n = d2i_X509_NAME(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return (NULL);
	}
	if (p != der + len || X509_NAME_entry_count(n) == 0) {
		X509_NAME_free(n);
		return (NULL);
	}
	return (n);
}

/* Two attribute values, compared as OpenSSL compares names. */
static bool
entry_value_eq(const X509_NAME_ENTRY *a, const X509_NAME_ENTRY *b)
{
	X509_NAME *na, *nb;
	bool eq = false;

	na = X509_NAME_new();
	nb = X509_NAME_new();
	if (na != NULL && nb != NULL &&
	    X509_NAME_add_entry(na, a, -1, 0) == 1 &&
	    X509_NAME_add_entry(nb, b, -1, 0) == 1)
		eq = X509_NAME_cmp(na, nb) == 0;
	X509_NAME_free(na);
	X509_NAME_free(nb);
	ERR_clear_error();
	return (eq);
}

static bool
dn_match_name(const struct cert_dn *pat, const X509_NAME *n)
{
	const X509_NAME_ENTRY *pe, *ne;
	int i, cnt;

	if (!pat->anywild)
		return (X509_NAME_cmp(pat->name, n) == 0);
	cnt = X509_NAME_entry_count(pat->name);
	if (cnt != X509_NAME_entry_count(n))
		return (false);
	for (i = 0; i < cnt; i++) {
		pe = X509_NAME_get_entry(pat->name, i);
		ne = X509_NAME_get_entry(n, i);
		if (OBJ_cmp(X509_NAME_ENTRY_get_object(pe),
		    X509_NAME_ENTRY_get_object(ne)) != 0 ||
		    X509_NAME_ENTRY_set(pe) != X509_NAME_ENTRY_set(ne))
			return (false);
		if (!pat->wild[i] && !entry_value_eq(pe, ne))
			return (false);
	}
	return (true);
}

bool
cert_dn_match(const struct cert_dn *pat, const uint8_t *der, size_t len)
{
	X509_NAME *n;
	bool m;

	if ((n = dn_decode(der, len)) == NULL)
		return (false);
	m = dn_match_name(pat, n);
	X509_NAME_free(n);
	ERR_clear_error();
	return (m);
}

void
cert_dn_text(const uint8_t *der, size_t len, char *buf, size_t size)
{
	X509_NAME *n;

	if ((n = dn_decode(der, len)) == NULL) {
		if (size > 0)
			(void)snprintf(buf, size, "?");
		return;
	}
	cert_name_text(n, buf, size);
	X509_NAME_free(n);
}

/* ------------------------------------------------------ comparisons */

static bool
ascii_caseeq(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) !=
		    tolower((unsigned char)b[i]))
			return (false);
	return (true);
}

/* DNS names: no case, one final dot ignored, no NUL anywhere. */
static bool
fqdn_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen == 0 || blen == 0 || memchr(a, '\0', alen) != NULL ||
	    memchr(b, '\0', blen) != NULL)
		return (false);
	if (alen > 1 && a[alen - 1] == '.')
		alen--;
	if (blen > 1 && b[blen - 1] == '.')
		blen--;
	return (alen == blen && ascii_caseeq(a, b, alen));
}

/*
 * Mailboxes: the local part as it is (RFC 5321 lets it have case), the
 * domain without case; no NUL anywhere.
 */
static bool
email_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	const uint8_t *ata, *atb;
	size_t la, lb;

	if (alen == 0 || blen == 0 || memchr(a, '\0', alen) != NULL ||
	    memchr(b, '\0', blen) != NULL)
		return (false);
	ata = memrchr(a, '@', alen);
	atb = memrchr(b, '@', blen);
	if (ata == NULL || atb == NULL)
		return (ata == NULL && atb == NULL && alen == blen &&
		    memcmp(a, b, alen) == 0);
	la = (size_t)(ata - a);
	lb = (size_t)(atb - b);
	if (la != lb || memcmp(a, b, la) != 0)
		return (false);
	return (fqdn_eq(ata + 1, alen - la - 1, atb + 1, blen - lb - 1));
}

/* An ID's value for a message: printable, quoted, shortened. */
static void
id_text(uint8_t type, const uint8_t *id, size_t len, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN], *p = buf;
	size_t i, left = size;
	int n;

	if (size == 0)
		return;
	buf[0] = '\0';
	switch (type) {
	case IPSEC_ID_IPV4_ADDR:
	case IPSEC_ID_IPV6_ADDR:
		if ((len == 4 || len == 16) && inet_ntop(len == 4 ? AF_INET :
		    AF_INET6, id, a, sizeof(a)) != NULL)
			(void)snprintf(buf, size, "%s", a);
		else
			(void)snprintf(buf, size, "(%zu bytes)", len);
		return;
	case IPSEC_ID_DER_ASN1_DN:
		if (left > 2) {
			*p++ = '"';
			left--;
			cert_dn_text(id, len, p, left - 1);
			(void)strlcat(buf, "\"", size);
		}
		return;
	case IPSEC_ID_FQDN:
	case IPSEC_ID_USER_FQDN:
		break;
	default:
		(void)snprintf(buf, size, "(%zu bytes)", len);
		return;
	}
	n = snprintf(p, left, "\"");
	p += n;
	left -= (size_t)n;
	for (i = 0; i < len && left > 6; i++) {
		if (id[i] >= 0x20 && id[i] < 0x7f && id[i] != '"' &&
		    id[i] != '\\')
			n = snprintf(p, left, "%c", id[i]);
		else
			n = snprintf(p, left, "\\x%02x", id[i]);
		p += n;
		left -= (size_t)n;
	}
	(void)snprintf(p, left, "%s\"", i < len ? "..." : "");
}

/* Whether one subjectAltName of kind `type' satisfies eq(). */
static bool
san_match(const struct cert *c, int type, const uint8_t *id, size_t idlen,
    bool (*eq)(const uint8_t *, size_t, const uint8_t *, size_t))
{
	GENERAL_NAMES *gens;
	const GENERAL_NAME *g;
	const ASN1_STRING *v;
	int i, crit = 0;
	bool m = false;

	gens = X509_get_ext_d2i(c->c[0].x, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL) {
		ERR_clear_error();
		return (false);
	}
	for (i = 0; i < sk_GENERAL_NAME_num(gens) && !m; i++) {
		g = sk_GENERAL_NAME_value(gens, i);
		if (g->type != type)
			continue;
		v = type == GEN_IPADD ? g->d.iPAddress : g->d.ia5;
		if (v == NULL)
			continue;
		m = eq(id, idlen, ASN1_STRING_get0_data(v),
		    (size_t)ASN1_STRING_length(v));
	}
	GENERAL_NAMES_free(gens);
	return (m);
}

static bool
bytes_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	return (alen == blen && memcmp(a, b, alen) == 0);
}

int
cert_check_id(const struct cert *c, uint8_t type, const uint8_t *id,
    size_t idlen, char *reason, size_t rlen)
{
	char it[160], subj[160];
	X509_NAME *n;
	int cmp;

	id_text(type, id, idlen, it, sizeof(it));
	cert_subject_text(c, subj, sizeof(subj));
	switch (type) {
	case IPSEC_ID_IPV4_ADDR:
	case IPSEC_ID_IPV6_ADDR:
		if (idlen != (type == IPSEC_ID_IPV4_ADDR ? 4U : 16U))
			return (cert_fail(reason, rlen, "malformed %s ID (%zu "
			    "bytes)", isakmp_idtype_name(type), idlen));
		if (san_match(c, GEN_IPADD, id, idlen, bytes_eq))
			return (0);
		return (cert_fail(reason, rlen, "ID %s is not an iPAddress "
		    "subjectAltName of \"%s\"", it, subj));
	case IPSEC_ID_FQDN:
		if (san_match(c, GEN_DNS, id, idlen, fqdn_eq))
			return (0);
		return (cert_fail(reason, rlen, "ID %s is not a dNSName "
		    "subjectAltName of \"%s\"", it, subj));
	case IPSEC_ID_USER_FQDN:
		if (san_match(c, GEN_EMAIL, id, idlen, email_eq))
			return (0);
		return (cert_fail(reason, rlen, "ID %s is not an rfc822Name "
		    "subjectAltName of \"%s\"", it, subj));
	case IPSEC_ID_DER_ASN1_DN:
		if ((n = dn_decode(id, idlen)) == NULL)
			return (cert_fail(reason, rlen, "malformed DER_ASN1_DN "
			    "ID (%zu bytes)", idlen));
		cmp = X509_NAME_cmp(n, X509_get_subject_name(c->c[0].x));
		X509_NAME_free(n);
		ERR_clear_error();
		if (cmp == 0)
			return (0);
		return (cert_fail(reason, rlen, "ID %s is not the subject "
		    "\"%s\" of the certificate", it, subj));
	default:
		return (cert_fail(reason, rlen, "an ID of type %s cannot be "
		    "checked against a certificate",
		    isakmp_idtype_name(type)));
	}
}

bool
cert_match_peers_id(const struct rcn_id *pid, const struct sad_addr *peer,
    uint8_t type, const uint8_t *id, size_t idlen)
{
	const struct sad_addr *a;
	struct cert_dn *pat;
	X509_NAME *n;
	bool m;

	switch (pid->type) {
	case RCN_ID_ADDRESS:
		a = pid->has_addr ? &pid->addr : peer;
		if (a == NULL)
			return (false);
		if (a->af == AF_INET)
			return (type == IPSEC_ID_IPV4_ADDR && idlen == 4 &&
			    memcmp(id, &a->a.v4, 4) == 0);
		if (a->af == AF_INET6)
			return (type == IPSEC_ID_IPV6_ADDR && idlen == 16 &&
			    memcmp(id, &a->a.v6, 16) == 0);
		return (false);
	case RCN_ID_FQDN:
		return (type == IPSEC_ID_FQDN && pid->value != NULL &&
		    fqdn_eq(id, idlen, (const uint8_t *)pid->value,
		    strlen(pid->value)));
	case RCN_ID_USER_FQDN:
		return (type == IPSEC_ID_USER_FQDN && pid->value != NULL &&
		    email_eq(id, idlen, (const uint8_t *)pid->value,
		    strlen(pid->value)));
	case RCN_ID_ASN1DN:
		if (type != IPSEC_ID_DER_ASN1_DN ||
		    (n = dn_decode(id, idlen)) == NULL)
			return (false);
		m = true;
		if (pid->value != NULL) {
			if (cert_dn_parse(pid->value, &pat, NULL, 0) == -1)
				m = false;
			else {
				m = dn_match_name(pat, n);
				cert_dn_free(pat);
			}
		}
		X509_NAME_free(n);
		ERR_clear_error();
		return (m);
	default:
		return (false);
	}
}

int
cert_check_peers_id(const struct rcn_remote *r, const struct sad_addr *peer,
    uint8_t type, const uint8_t *id, size_t idlen, char *reason, size_t rlen)
{
	char it[160];
	unsigned i;

	if (r->npeers_ids == 0)
		return (0);
	for (i = 0; i < r->npeers_ids; i++)
		if (cert_match_peers_id(&r->peers_ids[i], peer, type, id,
		    idlen))
			return (0);
	id_text(type, id, idlen, it, sizeof(it));
	return (cert_fail(reason, rlen, "%s ID %s matches no "
	    "peers_identifier of remote \"%s\"", isakmp_idtype_name(type), it,
	    r->name != NULL ? r->name : "?"));
}

static ssize_t
put_id(const void *data, size_t len, uint8_t *buf, size_t size, char *err,
    size_t errlen)
{
	if (len > size)
		return (cert_fail(err, errlen, "my_identifier: an ID of %zu "
		    "bytes does not fit in %zu", len, size));
	memcpy(buf, data, len);
	return ((ssize_t)len);
}

ssize_t
cert_my_id(const struct rcn_id *my, const struct cert *mine,
    const struct sad_addr *local, uint8_t *type, uint8_t *buf,
    size_t size, char *err, size_t errlen)
{
	const struct sad_addr *a;
	struct cert_dn *dn;
	char subj[128];
	ssize_t n;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	switch (my->type) {
	case RCN_ID_ADDRESS:
		a = my->has_addr ? &my->addr : local;
		if (a != NULL && a->af == AF_INET) {
			*type = IPSEC_ID_IPV4_ADDR;
			return (put_id(&a->a.v4, 4, buf, size, err, errlen));
		}
		if (a != NULL && a->af == AF_INET6) {
			*type = IPSEC_ID_IPV6_ADDR;
			return (put_id(&a->a.v6, 16, buf, size, err, errlen));
		}
		return (cert_fail(err, errlen, "my_identifier address: no "
		    "local address to send"));
	case RCN_ID_FQDN:
	case RCN_ID_USER_FQDN:
		if (my->value == NULL || my->value[0] == '\0')
			return (cert_fail(err, errlen, "my_identifier: empty "
			    "%s", my->type == RCN_ID_FQDN ? "fqdn" :
			    "user_fqdn"));
		*type = my->type == RCN_ID_FQDN ? IPSEC_ID_FQDN :
		    IPSEC_ID_USER_FQDN;
		return (put_id(my->value, strlen(my->value), buf, size, err,
		    errlen));
	case RCN_ID_ASN1DN:
		*type = IPSEC_ID_DER_ASN1_DN;
		if (my->value == NULL) {
			if (mine == NULL)
				return (cert_fail(err, errlen, "my_identifier "
				    "asn1dn: no certificate to take the "
				    "subject from"));
			return (put_id(mine->subj, mine->subjlen, buf, size,
			    err, errlen));
		}
		if (cert_dn_parse(my->value, &dn, err, errlen) == -1)
			return (-1);
		if (dn->anywild) {
			cert_dn_free(dn);
			return (cert_fail(err, errlen, "my_identifier asn1dn "
			    "\"%.60s\": \"*\" only matches in "
			    "peers_identifier", my->value));
		}
		if (mine != NULL && X509_NAME_cmp(dn->name,
		    X509_get_subject_name(mine->c[0].x)) == 0)
			n = put_id(mine->subj, mine->subjlen, buf, size, err,
			    errlen);
		else {
			n = put_id(dn->der, dn->len, buf, size, err, errlen);
			if (n != -1 && mine != NULL) {
				cert_subject_text(mine, subj, sizeof(subj));
				(void)cert_fail(err, errlen, "my_identifier "
				    "asn1dn \"%.60s\" is not the subject "
				    "\"%s\" of our certificate: peers that "
				    "check it will refuse us", my->value,
				    subj);
			}
		}
		cert_dn_free(dn);
		ERR_clear_error();
		return (n);
	default:
		return (cert_fail(err, errlen, "no my_identifier"));
	}
}
