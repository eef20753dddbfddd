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
 * The ca process: the keeper of secrets.  It holds the pre-shared keys of
 * psk.txt and the private keys of the remotes' certificate_type lines,
 * and answers the ike process with what they compute, never with
 * themselves: prf(psk, data), which for Ni_b | Nr_b is SKEYID (RFC 2409
 * 5), and RSA or ECDSA signatures of hashes (RFC 2409 5.1, RFC 4754,
 * made by cert.h from the certificate_type key).  It is chrooted with
 * nothing in reach; the parent opens the files (and checks the PSK file's
 * owner and mode) and passes their descriptors.  A reload prepares the
 * new keys aside and swaps them in only when the parent commits, so a
 * reload that fails anywhere leaves the keys in use alone.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "racoon-ng.h"
#include "cert.h"
#include "ike_crypto.h"
#include "psk.h"

#define CA_KEYFILE_MAX	(256 * 1024)

struct ca_key {
	TAILQ_ENTRY(ca_key)	 entry;
	char			 remote[PS_NAME_MAX];
	struct cert_key		*key;
};
TAILQ_HEAD(ca_keys, ca_key);

static struct {
	struct ipc_chan		 parent;
	struct ipc_chan		 ike;
	struct psk_file		*psk;		/* in force */
	struct ca_keys		 keys;
	uint32_t		 pgen;		/* being prepared */
	bool			 pending;
	struct psk_file		*ppsk;
	struct ca_keys		 pkeys;
	struct ike_prf		*prf[7];	/* by IKEv1 hash value */
} ca;

static void
keys_free(struct ca_keys *k)
{
	struct ca_key *c;

	while ((c = TAILQ_FIRST(k)) != NULL) {
		TAILQ_REMOVE(k, c, entry);
		cert_key_free(c->key);
		free(c);
	}
}

/* Read a whole descriptor (at most max bytes) into a wiped buffer. */
static uint8_t *
read_fd(int fd, size_t max, size_t *len, char *err, size_t errsz)
{
	uint8_t *buf;
	size_t n = 0;
	ssize_t r;

	if ((buf = malloc(max + 1)) == NULL) {
		(void)snprintf(err, errsz, "%s", strerror(errno));
		return (NULL);
	}
	for (;;) {
		r = read(fd, buf + n, max + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			(void)snprintf(err, errsz, "read: %s",
			    strerror(errno));
			freezero(buf, max + 1);
			return (NULL);
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			(void)snprintf(err, errsz, "larger than %zu bytes",
			    max);
			freezero(buf, max + 1);
			return (NULL);
		}
	}
	*len = n;
	return (buf);
}

static void
reply_parent(uint32_t type, uint32_t gen, int error, uint32_t count,
    const char *why)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, gen);
	ipc_put_u32(&w, (uint32_t)error);
	if (type == CP_PSK_RESULT)
		ipc_put_u32(&w, count);
	ipc_put_str(&w, why);
	if (ipc_compose_wr(&ca.parent, type, 0, -1, &w) == 0)
		(void)ipc_flush(&ca.parent);
	ipc_wr_free(&w);
}

static void
prepare(uint32_t gen)
{
	if (ca.pending && ca.pgen == gen)
		return;
	psk_free(ca.ppsk);
	ca.ppsk = NULL;
	keys_free(&ca.pkeys);
	ca.pgen = gen;
	ca.pending = true;
}

static void
psk_load_fd(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct psk_file *pf = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t gen;
	char err[PS_TEXT_MAX] = "";

	ipc_rd_init(&r, m);
	gen = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0 || (m->hdr.type == PC_PSK_LOAD) !=
	    (m->fd != -1)) {
		if (m->fd != -1)
			close(m->fd);
		reply_parent(CP_PSK_RESULT, gen, EINVAL, 0, "malformed");
		return;
	}
	prepare(gen);
	if (m->hdr.type == PC_PSK_NONE) {
		reply_parent(CP_PSK_RESULT, gen, 0, 0, "");
		return;
	}
	buf = read_fd(m->fd, PSK_FILE_MAX, &len, err, sizeof(err));
	close(m->fd);
	if (buf == NULL) {
		reply_parent(CP_PSK_RESULT, gen, EIO, 0, err);
		return;
	}
	if (psk_parse((const char *)buf, len, "psk", &pf, err,
	    sizeof(err)) != 0) {
		freezero(buf, PSK_FILE_MAX + 1);
		reply_parent(CP_PSK_RESULT, gen, EINVAL, 0, err);
		return;
	}
	freezero(buf, PSK_FILE_MAX + 1);
	ca.ppsk = pf;
	reply_parent(CP_PSK_RESULT, gen, 0, (uint32_t)pf->nentries, "");
}

static void
key_load_fd(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct ca_key *k;
	struct cert_key *key = NULL;
	uint8_t *buf;
	size_t len;
	uint32_t gen;
	char name[PS_NAME_MAX], err[PS_TEXT_MAX] = "";

	ipc_rd_init(&r, m);
	gen = ipc_get_u32(&r);
	ipc_get_str(&r, name, sizeof(name));
	if (ipc_rd_end(&r) != 0 || m->fd == -1) {
		if (m->fd != -1)
			close(m->fd);
		reply_parent(CP_KEY_RESULT, gen, EINVAL, 0, "malformed");
		return;
	}
	prepare(gen);
	buf = read_fd(m->fd, CA_KEYFILE_MAX, &len, err, sizeof(err));
	close(m->fd);
	if (buf == NULL) {
		reply_parent(CP_KEY_RESULT, gen, EIO, 0, err);
		return;
	}
	/* RSA or ECDSA, PEM or DER, no passphrase (cert.h). */
	if (cert_key_load("key", buf, len, &key, err, sizeof(err)) != 0) {
		freezero(buf, CA_KEYFILE_MAX + 1);
		reply_parent(CP_KEY_RESULT, gen, EINVAL, 0, err);
		return;
	}
	freezero(buf, CA_KEYFILE_MAX + 1);
	if ((k = calloc(1, sizeof(*k))) == NULL) {
		cert_key_free(key);
		reply_parent(CP_KEY_RESULT, gen, ENOMEM, 0, "no memory");
		return;
	}
	(void)strlcpy(k->remote, name, sizeof(k->remote));
	k->key = key;
	TAILQ_INSERT_TAIL(&ca.pkeys, k, entry);
	reply_parent(CP_KEY_RESULT, gen, 0, 0, "");
}

static void
commit(const struct ipc_msg *m)
{
	struct ipc_rd r;
	uint32_t gen;
	struct ca_key *k;

	ipc_rd_init(&r, m);
	gen = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0 || !ca.pending || gen != ca.pgen) {
		log_warnx("%s: no generation %u prepared", __func__, gen);
		return;
	}
	if (m->hdr.type == PC_COMMIT) {
		psk_free(ca.psk);
		ca.psk = ca.ppsk;
		ca.ppsk = NULL;
		keys_free(&ca.keys);
		while ((k = TAILQ_FIRST(&ca.pkeys)) != NULL) {
			TAILQ_REMOVE(&ca.pkeys, k, entry);
			TAILQ_INSERT_TAIL(&ca.keys, k, entry);
		}
		log_debug("keys of generation %u in force: %zu PSKs", gen,
		    ca.psk != NULL ? ca.psk->nentries : 0);
	} else {
		psk_free(ca.ppsk);
		ca.ppsk = NULL;
		keys_free(&ca.pkeys);
	}
	ca.pending = false;
}

static void
parent_cb(int fd, short ev, void *arg)
{
	struct ipc_msg m;
	int rc, n;

	for (n = 0; n < 64; n++) {
		rc = ipc_read(&ca.parent, &m);
		if (rc == 0)
			return;
		if (rc == IPC_EOF) {
			log_debug("the parent is gone: exiting");
			exit(0);
		}
		if (rc < 0) {
			log_warnx("%s: %s", __func__, ipc_strerror(rc));
			continue;
		}
		switch (m.hdr.type) {
		case PC_PSK_LOAD:
		case PC_PSK_NONE:
			psk_load_fd(&m);
			break;
		case PC_KEY_LOAD:
			key_load_fd(&m);
			break;
		case PC_COMMIT:
		case PC_ABORT:
			if (m.fd != -1)
				close(m.fd);
			else
				commit(&m);
			break;
		case PC_LOG_LEVEL:
			if (m.fd != -1)
				close(m.fd);
			else
				log_setlevel_msg(&m);
			break;
		default:
			if (m.fd != -1)
				close(m.fd);
			log_warnx("%s: unknown message type %u", __func__,
			    m.hdr.type);
			break;
		}
	}
}

/* -------------------------------------------------- the ike process */

static void
reply_ike(uint32_t type, uint32_t id, int error, const uint8_t *out,
    size_t len)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, (uint32_t)error);
	ipc_put_blob(&w, out, error == 0 ? len : 0);
	if (ipc_compose_wr(&ca.ike, type, id, -1, &w) == 0)
		(void)ipc_flush(&ca.ike);
	/* The result may be SKEYID: the builder is wiped. */
	ipc_wr_free(&w);
}

static void
do_prf(const struct ipc_msg *m)
{
	const struct psk_entry *e;
	struct ipc_rd r;
	const uint8_t *data;
	uint8_t out[IKE_HASH_MAXLEN], prf, idtype;
	size_t len;
	int n;
	char id[PS_IDENT_MAX];

	ipc_rd_init(&r, m);
	prf = ipc_get_u8(&r);
	idtype = ipc_get_u8(&r);
	ipc_get_str(&r, id, sizeof(id));
	data = ipc_get_blob(&r, PS_PRF_DATA_MAX, &len);
	if (ipc_rd_end(&r) != 0 || idtype < PS_ID_ADDR ||
	    idtype > PS_ID_KEYID) {
		reply_ike(CI_PRF_R, m->hdr.peerid, EINVAL, NULL, 0);
		return;
	}
	if (prf >= nitems(ca.prf) || ike_hash_len(prf) == 0) {
		reply_ike(CI_PRF_R, m->hdr.peerid, EOPNOTSUPP, NULL, 0);
		return;
	}
	if (ca.psk == NULL || (e = psk_lookup(ca.psk, id)) == NULL) {
		log_info("no pre-shared key for %s", id);
		reply_ike(CI_PRF_R, m->hdr.peerid, ENOENT, NULL, 0);
		return;
	}
	if (ca.prf[prf] == NULL && (ca.prf[prf] = ike_prf_new(prf)) == NULL) {
		reply_ike(CI_PRF_R, m->hdr.peerid, EIO, NULL, 0);
		return;
	}
	n = ike_prf(ca.prf[prf], e->key, e->keylen, data, len, out,
	    sizeof(out));
	if (n <= 0) {
		reply_ike(CI_PRF_R, m->hdr.peerid, EIO, NULL, 0);
		return;
	}
	reply_ike(CI_PRF_R, m->hdr.peerid, 0, out, (size_t)n);
	explicit_bzero(out, sizeof(out));
}

/* The IKEv1 authentication method a key signs with (RFC 2409, 4754). */
static int
key_method(const struct cert_key *key)
{
	switch (cert_key_keytype(key)) {
	case CERT_KEY_RSA:
		return (CERT_AUTH_RSASIG);
	case CERT_KEY_ECDSA_P256:
		return (CERT_AUTH_ECDSA_256);
	case CERT_KEY_ECDSA_P384:
		return (CERT_AUTH_ECDSA_384);
	case CERT_KEY_ECDSA_P521:
		return (CERT_AUTH_ECDSA_521);
	default:
		return (0);
	}
}

static void
do_sign(const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct ca_key *k;
	const uint8_t *hash;
	uint8_t sig[PS_SIG_MAX];
	size_t len;
	ssize_t n;
	char name[PS_NAME_MAX];

	ipc_rd_init(&r, m);
	ipc_get_str(&r, name, sizeof(name));
	hash = ipc_get_blob(&r, PS_HASH_MAX, &len);
	if (ipc_rd_end(&r) != 0 || len == 0) {
		reply_ike(CI_SIGN_R, m->hdr.peerid, EINVAL, NULL, 0);
		return;
	}
	TAILQ_FOREACH(k, &ca.keys, entry)
		if (strcmp(k->remote, name) == 0)
			break;
	if (k == NULL) {
		log_info("no private key for remote %s", name);
		reply_ike(CI_SIGN_R, m->hdr.peerid, ENOENT, NULL, 0);
		return;
	}
	/*
	 * RFC 2409 5.1: RSA is PKCS#1 v1.5 type 1 padding of the bare
	 * hash; ECDSA (RFC 4754) is r | s over the hash as the digest.
	 */
	n = cert_key_sign(k->key, key_method(k->key), hash, len, sig,
	    sizeof(sig));
	if (n <= 0) {
		log_warnx("remote %s: cannot sign with its key", name);
		reply_ike(CI_SIGN_R, m->hdr.peerid, EIO, NULL, 0);
		return;
	}
	reply_ike(CI_SIGN_R, m->hdr.peerid, 0, sig, (size_t)n);
}

static void
ike_cb(int fd, short ev, void *arg)
{
	struct ipc_msg m;
	int rc, n;

	for (n = 0; n < 256; n++) {
		rc = ipc_read(&ca.ike, &m);
		if (rc == 0)
			return;
		if (rc == IPC_EOF)
			fatalx("the ike process is gone");
		if (rc < 0) {
			log_warnx("%s: %s", __func__, ipc_strerror(rc));
			continue;
		}
		/* The ike process is not trusted: no descriptors from it. */
		if (m.fd != -1) {
			close(m.fd);
			log_warnx("%s: a descriptor from the ike process",
			    __func__);
			continue;
		}
		switch (m.hdr.type) {
		case IC_PRF:
			do_prf(&m);
			break;
		case IC_SIGN:
			do_sign(&m);
			break;
		default:
			log_warnx("%s: unknown message type %u", __func__,
			    m.hdr.type);
			break;
		}
	}
}

__dead void
ca_main(int parentfd, int ikefd, const struct privdrop *pd)
{
	log_procname("ca");
	setproctitle("ca");
	TAILQ_INIT(&ca.keys);
	TAILQ_INIT(&ca.pkeys);
	/* OpenSSL reads its configuration and providers before the chroot. */
	if (ike_crypto_init() != 0)
		fatalx("%s: cannot initialise OpenSSL", __func__);
	proc_sandbox(pd, "ca");
	if (ipc_chan_init(&ca.parent, parentfd, "parent") != 0 ||
	    ipc_chan_init(&ca.ike, ikefd, "ike") != 0)
		fatal("%s: channels", __func__);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGINT, SIG_IGN);
	(void)signal(SIGHUP, SIG_IGN);
	if (loop_add(ca.parent.fd, &ca.parent, parent_cb, NULL) == -1 ||
	    loop_add(ca.ike.fd, &ca.ike, ike_cb, NULL) == -1)
		fatal("%s: loop", __func__);
	for (;;)
		if (loop_once() == -1)
			fatal("%s: poll", __func__);
}
