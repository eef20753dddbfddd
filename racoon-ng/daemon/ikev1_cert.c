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
 * Phase 1 authenticated with signatures (RFC 2409 5.1): the CERT, CR and
 * SIG payloads and the checks of the peer, for ikev1_ph1.c.
 *
 * The public material of a remote (our certificate and its chain, the CA
 * certificates and CRLs, peers_certfile) comes from the parent through
 * frame_certs(); signatures are made by the ca process (frame_sign()),
 * which alone holds the private keys.  The peer is checked in this order,
 * each failure with its notification:
 *
 *  1. its certificate: peers_certfile, else the CERT payloads it sent
 *     (none: CERTIFICATE-UNAVAILABLE; undecodable: INVALID-CERT-ENCODING
 *     or CERT-TYPE-UNSUPPORTED);
 *  2. with verify_cert: the chain to a CA of ca_type, validity, key usage
 *     and CRLs (cert_verify(): INVALID-CERTIFICATE, INVALID-CERT-
 *     AUTHORITY, CERTIFICATE-UNAVAILABLE), then that the ID payload is
 *     an identity of the certificate (INVALID-ID-INFORMATION); a
 *     peers_certfile is trusted as configured, only its validity time
 *     is checked;
 *  3. with verify_identifier: that the ID payload is one of
 *     peers_identifier (INVALID-ID-INFORMATION);
 *  4. the SIG payload over HASH_I / HASH_R with the certificate's key
 *     (INVALID-SIGNATURE).
 */

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ikev1.h"
#include "cert.h"

/* CR payloads we send at most (one per CA of the store). */
#define P1CERT_CRS_MAX	16

struct p1cert {
	struct cert	*peer;		/* from the peer's CERT payloads */
	uint8_t		 psig[CERT_SIG_MAX];	/* the peer's SIG */
	size_t		 psiglen;
	uint8_t		 sig[CERT_SIG_MAX];	/* ours */
	size_t		 siglen;
	int		(*cont)(struct p1 *);
	bool		 crs_rcvd;	/* the peer sent CR payloads */
	bool		 cr_match;	/* ... and one names a CA of ours */
};

bool
ph1_sig_auth(int auth)
{
	switch (auth) {
	case OAKLEY_AUTH_RSA_SIG:
	case OAKLEY_AUTH_ECDSA_256:
	case OAKLEY_AUTH_ECDSA_384:
	case OAKLEY_AUTH_ECDSA_521:
		return (true);
	default:
		return (false);
	}
}

static struct p1cert *
pc(struct p1 *p1)
{
	if (p1->cert == NULL)
		p1->cert = calloc(1, sizeof(*p1->cert));
	return (p1->cert);
}

void
ph1_cert_free(struct p1 *p1)
{
	if (p1->cert == NULL)
		return;
	cert_free(p1->cert->peer);
	freezero(p1->cert, sizeof(*p1->cert));
	p1->cert = NULL;
}

static const struct frame_certs *
certs_of(const struct p1 *p1)
{
	return (frame_certs(p1->rname));
}

/*
 * Whether we send CR payloads: send_cr with a signature method (chosen,
 * or, before the choice in AM1, offered by any proposal).
 */
bool
ph1_cert_want_cr(const struct p1 *p1, bool any_proposal)
{
	const struct rcn_proposal *pr;

	if (p1->rm == NULL || !p1->rm->send_cr)
		return (false);
	if (!any_proposal)
		return (ph1_sig_auth(p1->sel.auth));
	TAILQ_FOREACH(pr, &p1->rm->proposals, entry)
		if (ph1_sig_auth(pr->auth))
			return (true);
	return (false);
}

/* CR payloads for the CAs of the remote's store (RFC 2408 3.10). */
void
ph1_cert_put_crs(struct p1 *p1, struct isakmp_buf *b)
{
	const struct frame_certs *fc = certs_of(p1);
	struct isakmp_cert crs[P1CERT_CRS_MAX];
	size_t n, i;

	if (fc == NULL || fc->store == NULL)
		return;
	n = cert_store_crs(fc->store, crs, nitems(crs));
	if (n > nitems(crs))
		n = nitems(crs);
	for (i = 0; i < n; i++)
		(void)isakmp_put_cert(b, ISAKMP_NPTYPE_CR, &crs[i]);
}

/* The peer's CR payloads: noted, and whether our certificate fits. */
void
ph1_cert_take_crs(struct p1 *p1, const struct isakmp_msg *m)
{
	const struct frame_certs *fc = certs_of(p1);
	const struct isakmp_payload *pl;
	struct isakmp_cert cr;
	struct isakmp_error e;
	struct p1cert *c;
	size_t i;
	char nm[128];

	if ((c = pc(p1)) == NULL)
		return;
	for (i = 0; (pl = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_CR, i)) !=
	    NULL; i++) {
		if (isakmp_decode_cr(pl, &cr, &e) != 0)
			continue;
		c->crs_rcvd = true;
		if (fc != NULL && fc->mine != NULL &&
		    cert_matches_cr(fc->mine, &cr, p1->rm->match_empty_cr))
			c->cr_match = true;
	}
	if (c->crs_rcvd && !c->cr_match)
		log_info("%s: the peer asks for certificates of CAs that did "
		    "not issue ours: it may not accept it",
		    ikev1_p1name(p1, nm, sizeof(nm)));
}

/* CERT payloads: our certificate, then its chain (send_cert). */
int
ph1_cert_put_mine(struct p1 *p1, struct isakmp_buf *b)
{
	const struct frame_certs *fc = certs_of(p1);
	struct isakmp_cert c;
	size_t i;

	if (!p1->rm->send_cert)
		return (0);
	if (fc == NULL || fc->mine == NULL)
		return (-1);
	for (i = 0; (c.data = cert_der(fc->mine, i, &c.len)) != NULL; i++) {
		c.encoding = ISAKMP_CERT_X509_SIGN;
		if (isakmp_put_cert(b, ISAKMP_NPTYPE_CERT, &c) != 0)
			return (-1);
	}
	return (0);
}

/*
 * The ID payload body for my_identifier asn1dn (the subject of our
 * certificate, or the DN written): type, protocol 0, port 0, the DER.
 */
int
ph1_cert_my_id(struct p1 *p1, uint8_t *out, size_t outsz, size_t *len)
{
	const struct frame_certs *fc = certs_of(p1);
	uint8_t type;
	ssize_t n;
	char err[CERT_ERR_MAX], nm[128];

	if (outsz < 4)
		return (-1);
	err[0] = '\0';
	n = cert_my_id(&p1->rm->my_id, fc != NULL ? fc->mine : NULL,
	    &p1->ep.local, &type, out + 4, outsz - 4, err, sizeof(err));
	if (n < 0) {
		log_warnx("%s: my_identifier: %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), err);
		return (-1);
	}
	if (err[0] != '\0')
		log_info("%s: my_identifier: %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), err);
	out[0] = type;
	out[1] = 0;
	out[2] = out[3] = 0;
	*len = 4 + (size_t)n;
	return (0);
}

/*
 * The peer's CERT payloads (unless peers_certfile stands for them) and
 * its SIG payload, kept for ph1_cert_verify().  0, or -1 with the notify
 * and why.
 */
int
ph1_cert_take_peer(struct p1 *p1, const struct isakmp_msg *m,
    uint16_t *notify, char *why, size_t whysz)
{
	const struct isakmp_payload *pl;
	struct isakmp_cert certs[CERT_CHAIN_MAX];
	struct isakmp_error e;
	struct p1cert *c;
	size_t n = 0, i;
	int ntf = 0;
	char err[CERT_ERR_MAX];

	if ((c = pc(p1)) == NULL) {
		*notify = ISAKMP_NTYPE_AUTHENTICATION_FAILED;
		(void)snprintf(why, whysz, "no memory");
		return (-1);
	}
	if ((pl = isakmp_msg_find(m, ISAKMP_NPTYPE_SIG)) == NULL ||
	    pl->len == 0 || pl->len > sizeof(c->psig)) {
		*notify = ISAKMP_NTYPE_PAYLOAD_MALFORMED;
		(void)snprintf(why, whysz, pl == NULL ? "no SIG payload" :
		    "a SIG payload of %zu bytes", pl->len);
		return (-1);
	}
	memcpy(c->psig, pl->body, pl->len);
	c->psiglen = pl->len;
	if (p1->rm->peers_certfile != NULL)
		return (0);
	for (i = 0; (pl = isakmp_msg_find_nth(m, ISAKMP_NPTYPE_CERT, i)) !=
	    NULL; i++) {
		if (n == nitems(certs)) {
			*notify = ISAKMP_NTYPE_INVALID_CERT_ENCODING;
			(void)snprintf(why, whysz, "more than %d CERT payloads",
			    CERT_CHAIN_MAX);
			return (-1);
		}
		if (isakmp_decode_cert(pl, &certs[n], &e) != 0) {
			*notify = ISAKMP_NTYPE_INVALID_CERT_ENCODING;
			(void)snprintf(why, whysz, "a malformed CERT payload");
			return (-1);
		}
		n++;
	}
	if (n == 0) {
		/* ph1_cert_verify() says so with the right notify. */
		return (0);
	}
	cert_free(c->peer);
	c->peer = NULL;
	if (cert_from_payloads(certs, n, &c->peer, &ntf, err,
	    sizeof(err)) != 0) {
		*notify = (uint16_t)(ntf != 0 ? ntf :
		    ISAKMP_NTYPE_INVALID_CERT_ENCODING);
		(void)snprintf(why, whysz, "the peer's certificate: %s", err);
		return (-1);
	}
	return (0);
}

/*
 * Check the peer as the top of this file says: the ID payload body
 * (idb, idlen) and HASH_I / HASH_R recomputed.  0, or -1 with the notify
 * and why (-2: only the signature is wrong).
 */
int
ph1_cert_verify(struct p1 *p1, const uint8_t *idb, size_t idlen,
    const uint8_t *hash, size_t hashlen, uint16_t *notify, char *why,
    size_t whysz)
{
	const struct frame_certs *fc = certs_of(p1);
	const struct rcn_remote *rm = p1->rm;
	const struct cert *peer;
	struct cert_verdict v;
	struct p1cert *c = p1->cert;
	char subj[256], reason[CERT_ERR_MAX], nm[128];
	bool local;

	*notify = ISAKMP_NTYPE_AUTHENTICATION_FAILED;
	if (c == NULL || idlen < 4) {
		(void)snprintf(why, whysz, "no ID or SIG payload");
		return (-1);
	}
	local = rm->peers_certfile != NULL;
	peer = local ? (fc != NULL ? fc->peer : NULL) : c->peer;
	if (peer == NULL) {
		*notify = ISAKMP_NTYPE_CERTIFICATE_UNAVAILABLE;
		(void)snprintf(why, whysz, local ? "peers_certfile is not "
		    "loaded" : "the peer sent no certificate");
		return (-1);
	}
	cert_subject_text(peer, subj, sizeof(subj));
	if (rm->verify_cert) {
		if (local) {
			if (cert_check_time(peer, 0, reason,
			    sizeof(reason)) != 0) {
				*notify = ISAKMP_NTYPE_INVALID_CERTIFICATE;
				(void)snprintf(why, whysz, "peers_certfile "
				    "\"%s\": %s", subj, reason);
				return (-1);
			}
		} else {
			if (fc == NULL || fc->store == NULL) {
				*notify = ISAKMP_NTYPE_INVALID_CERT_AUTHORITY;
				(void)snprintf(why, whysz, "certificate "
				    "\"%s\": no CA (ca_type x509) to verify "
				    "it with", subj);
				return (-1);
			}
			memset(&v, 0, sizeof(v));
			if (cert_verify(fc->store, peer, 0, 0, &v) != 0) {
				*notify = (uint16_t)(v.notify != 0 ? v.notify :
				    ISAKMP_NTYPE_INVALID_CERTIFICATE);
				(void)snprintf(why, whysz, "certificate "
				    "\"%s\" refused: %s", subj, v.reason);
				return (-1);
			}
			if (v.warning[0] != '\0')
				log_info("%s: certificate \"%s\": %s",
				    ikev1_p1name(p1, nm, sizeof(nm)), subj,
				    v.warning);
		}
		if (cert_check_id(peer, idb[0], idb + 4, idlen - 4, reason,
		    sizeof(reason)) != 0) {
			*notify = ISAKMP_NTYPE_INVALID_ID_INFORMATION;
			(void)snprintf(why, whysz, "the ID payload does not "
			    "match certificate \"%s\": %s", subj, reason);
			return (-1);
		}
	}
	if (rm->verify_identifier && cert_check_peers_id(rm, &p1->ep.remote,
	    idb[0], idb + 4, idlen - 4, reason, sizeof(reason)) != 0) {
		*notify = ISAKMP_NTYPE_INVALID_ID_INFORMATION;
		(void)snprintf(why, whysz, "peers_identifier: %s", reason);
		return (-1);
	}
	if (c->psiglen == 0 || cert_verify_sig(peer, p1->sel.auth, hash,
	    hashlen, c->psig, c->psiglen) != 0) {
		*notify = ISAKMP_NTYPE_INVALID_SIGNATURE;
		(void)snprintf(why, whysz, "the signature does not verify "
		    "with the key of certificate \"%s\"", subj);
		return (-2);
	}
	log_info("%s: authenticated by certificate \"%s\"",
	    ikev1_p1name(p1, nm, sizeof(nm)), subj);
	return (0);
}

/* ------------------------------------------------------------ signing */

static void
sign_cb(void *arg, int error, const uint8_t *sig, size_t len)
{
	struct p1 *p1 = arg;
	struct p1cert *c = p1->cert;
	int (*cont)(struct p1 *);
	char nm[128];

	p1->busy = false;
	if (error != 0 || c == NULL || sig == NULL || len == 0 ||
	    len > sizeof(c->sig)) {
		log_warnx("%s: the ca process cannot sign for remote %s (%s)",
		    ikev1_p1name(p1, nm, sizeof(nm)), p1->rname,
		    error != 0 ? strerror(error) : "bad answer");
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "no signature");
		return;
	}
	memcpy(c->sig, sig, len);
	c->siglen = len;
	cont = c->cont;
	c->cont = NULL;
	/* cont: 0 done, -1 failed (the handle is still there), 1 gone. */
	if (cont != NULL && cont(p1) < 0)
		p1_fail(p1, PS_EVT_PHASE1_AUTH_FAILED, "cannot go on");
}

/*
 * Have the ca process sign HASH_I / HASH_R with the remote's key; cont
 * runs with the signature in place (ph1_my_sig()).  0, or -1.
 */
int
ph1_sign(struct p1 *p1, const uint8_t *hash, size_t len,
    int (*cont)(struct p1 *))
{
	struct p1cert *c;
	char nm[128];
	int rc;

	if ((c = pc(p1)) == NULL)
		return (-1);
	c->cont = cont;
	c->siglen = 0;
	if ((rc = frame_sign(p1->rname, hash, len, sign_cb, p1)) != 0) {
		log_warnx("%s: cannot ask for a signature: %s",
		    ikev1_p1name(p1, nm, sizeof(nm)), strerror(rc));
		return (-1);
	}
	p1->busy = true;
	return (0);
}

const uint8_t *
ph1_my_sig(const struct p1 *p1, size_t *len)
{
	if (p1->cert == NULL || p1->cert->siglen == 0)
		return (NULL);
	*len = p1->cert->siglen;
	return (p1->cert->sig);
}
