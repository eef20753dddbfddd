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
 * racoon-ng: the IKE daemon's parent process.
 *
 * It reads the configuration, opens the SADB transport, binds the IKE
 * sockets and the control socket, and forks the ca and ike processes
 * (proc.c makes them unprivileged).  Afterwards it only serves: PF_KEY
 * events go to the ike process, the ike process's SADB requests come
 * back and are granted only after pv.c's checks, the control socket is
 * answered, and SIGHUP (or racoonctl reload-config) loads the
 * configuration again: a new one is checked by the parent, its keys by
 * the ca process, and only when both accept it is it put in force in all
 * three processes; otherwise the old one stays and the reason is logged
 * and told to racoonctl.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__FreeBSD__)
#include <libutil.h>
#else
#include <bsd/libutil.h>
#endif

#include "racoon-ng.h"
#include "cert.h"
#include "conf.h"
#include "psk.h"

#define CHAN_BUFSZ	(512 * 1024)
#define CA_WAIT_MS	10000

static struct {
	struct rc_opts		 opts;
	const char		*transport;	/* -B */
	const char		*relay;		/* -K */
	struct rconf		 rc;
	uint32_t		 generation;
	struct privdrop		 pd;
	struct pv		*pv;
	struct psockq		 socks;
	struct ipc_chan		 ike;
	struct ipc_chan		 ca;
	pid_t			 ike_pid;
	pid_t			 ca_pid;
	struct pidfh		*pfh;
	uint32_t		 reload_client;	/* waiting for IP_CONF_RESULT */
	uint32_t		 reload_gen;
	bool			 quit;
	int			 status;	/* exit status */
	int			 debug;		/* -d count */
} env;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-46dFntVv] [-B transport] [-f file] "
	    "[-K relay-socket]\n\t[-l logfile] [-P natt-port] [-p port]\n",
	    getprogname());
	exit(1);
}

static uint64_t
now_s(void)
{
	return (mono_ms() / 1000);
}

/* ------------------------------------------------------------ to ike */

static int
to_ike(uint32_t type, uint32_t peerid, int fd, const struct ipc_wr *w)
{
	int rc;

	if ((rc = ipc_compose_wr(&env.ike, type, peerid, fd, w)) != 0) {
		log_warnx("%s: type %u: %s", __func__, type, ipc_strerror(rc));
		return (-1);
	}
	(void)ipc_flush(&env.ike);
	return (0);
}

static void
pass_socket(const struct psock *s, int fd)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, s->id);
	ipc_put_u8(&w, s->kind);
	ipc_put_u8(&w, s->role);
	ipc_put_u8(&w, s->flags);
	ipc_put_addr(&w, &s->local);
	(void)to_ike(PI_SOCKET, 0, fd, &w);
	ipc_wr_free(&w);
}

static void
send_conf_text(const struct rconf *rc)
{
	struct ipc_wr w;
	size_t off, n;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, rc->generation);
	ipc_put_u32(&w, (uint32_t)rc->textlen);
	(void)to_ike(PI_CONF_BEGIN, 0, -1, &w);
	for (off = 0; off < rc->textlen; off += n) {
		n = rc->textlen - off;
		if (n > PS_CONF_CHUNK)
			n = PS_CONF_CHUNK;
		ipc_wr_reset(&w);
		ipc_put_blob(&w, rc->text + off, n);
		(void)to_ike(PI_CONF_DATA, 0, -1, &w);
	}
	ipc_wr_reset(&w);
	ipc_put_u32(&w, rc->generation);
	(void)to_ike(PI_CONF_END, 0, -1, &w);
	ipc_wr_free(&w);
}

/* ------------------------------------------------------- certificates */

/*
 * The public certificate material of the remotes, read and checked here
 * (the ike process cannot open files in its chroot) and handed over as
 * DER; the private keys go to the ca process (ca_prepare()).
 */
struct pcert {
	TAILQ_ENTRY(pcert)	 entry;
	char			 remote[PS_NAME_MAX];
	uint8_t			 what;		/* PS_CERT_* */
	uint8_t			*der;
	size_t			 len;
};
TAILQ_HEAD(pcertq, pcert);

static void
pcerts_free(struct pcertq *q)
{
	struct pcert *c;

	while ((c = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, c, entry);
		free(c->der);
		free(c);
	}
}

/* Queue one DER (taken over: freed on failure too). */
static int
pcert_add(struct pcertq *q, const char *remote, uint8_t what, uint8_t *der,
    size_t len, const char *file, char *err, size_t errsz)
{
	struct pcert *c;

	if (len == 0 || len > PS_CERT_DER_MAX) {
		free(der);
		(void)snprintf(err, errsz, "%s: a certificate or CRL of %zu "
		    "bytes (at most %d)", file, len, PS_CERT_DER_MAX);
		return (-1);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		free(der);
		(void)snprintf(err, errsz, "no memory");
		return (-1);
	}
	(void)strlcpy(c->remote, remote, sizeof(c->remote));
	c->what = what;
	c->der = der;
	c->len = len;
	TAILQ_INSERT_TAIL(q, c, entry);
	return (0);
}

/* The DERs of a certificate file (end entity first). */
static int
pcert_file(struct pcertq *q, const char *remote, uint8_t what,
    const char *path, char *err, size_t errsz)
{
	struct cert *c;
	const uint8_t *d;
	uint8_t *copy;
	size_t i, len;

	if (cert_load_file(path, 0, &c, err, errsz) != 0)
		return (-1);
	for (i = 0; (d = cert_der(c, i, &len)) != NULL; i++) {
		if ((copy = malloc(len > 0 ? len : 1)) == NULL) {
			cert_free(c);
			(void)snprintf(err, errsz, "no memory");
			return (-1);
		}
		memcpy(copy, d, len);
		if (pcert_add(q, remote, what, copy, len, path, err,
		    errsz) != 0) {
			cert_free(c);
			return (-1);
		}
	}
	cert_free(c);
	return (0);
}

static void
pcert_warn(void *arg, const char *msg)
{
	log_warnx("remote %s: %s", (const char *)arg, msg);
}

/*
 * Read the certificates, CAs and CRLs of every remote that has any
 * (certificate_type, ca_type, crl_file, peers_certfile): 0, or -1 with
 * err (nothing queued).
 */
static int
pcerts_load(const struct rconf *rc, struct pcertq *q, char *err,
    size_t errsz)
{
	const struct rcn_remote *r;
	struct cert_store *st;
	uint8_t *der;
	ssize_t n;
	size_t i;
	char e2[CERT_ERR_MAX];

	TAILQ_INIT(q);
	TAILQ_FOREACH(r, &rc->conf->remotes, entry) {
		if (r->cert_file == NULL && r->ca_file == NULL &&
		    r->crl_file == NULL && r->peers_certfile == NULL)
			continue;
		if (r->cert_file != NULL && pcert_file(q, r->name,
		    PS_CERT_MINE, r->cert_file, err, errsz) != 0)
			goto fail;
		if (r->peers_certfile != NULL && pcert_file(q, r->name,
		    PS_CERT_PEER, r->peers_certfile, err, errsz) != 0)
			goto fail;
		if (cert_store_load_remote(rc->conf, r, pcert_warn,
		    (void *)(uintptr_t)r->name, &st, e2, sizeof(e2)) != 0) {
			(void)snprintf(err, errsz, "%s", e2);
			goto fail;
		}
		/* The store's warnings are given: none later. */
		cert_store_set_warn(st, NULL, NULL);
		for (i = 0; (n = cert_store_ca_der(st, i, &der)) != -1; i++)
			if (pcert_add(q, r->name, PS_CERT_CA, der, (size_t)n,
			    "CA", err, errsz) != 0) {
				cert_store_free(st);
				goto fail;
			}
		for (i = 0; (n = cert_store_crl_der(st, i, &der)) != -1; i++)
			if (pcert_add(q, r->name, PS_CERT_CRL, der, (size_t)n,
			    "CRL", err, errsz) != 0) {
				cert_store_free(st);
				goto fail;
			}
		cert_store_free(st);
	}
	return (0);
fail:
	pcerts_free(q);
	return (-1);
}

static void
send_certs(uint32_t gen, const struct pcertq *q)
{
	const struct pcert *c;
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, gen);
	(void)to_ike(PI_CERTS_BEGIN, 0, -1, &w);
	TAILQ_FOREACH(c, q, entry) {
		ipc_wr_reset(&w);
		ipc_put_u32(&w, gen);
		ipc_put_str(&w, c->remote);
		ipc_put_u8(&w, c->what);
		ipc_put_blob(&w, c->der, c->len);
		(void)to_ike(PI_CERT, 0, -1, &w);
	}
	ipc_wr_reset(&w);
	ipc_put_u32(&w, gen);
	(void)to_ike(PI_CERTS_END, 0, -1, &w);
	ipc_wr_free(&w);
}

int
parent_ctl_to_ike(uint32_t client, uint16_t what, const struct ipc_wr *args)
{
	struct ipc_wr w;
	int rc;

	if (ipc_wr_init(&w) != 0)
		return (-1);
	ipc_put_u16(&w, what);
	if (args != NULL)
		ipc_put_bytes(&w, args->buf, args->len);
	rc = to_ike(PI_CTL, client, -1, &w);
	ipc_wr_free(&w);
	return (rc);
}

/* --------------------------------------------------- kernel events */

void
parent_acquire(const struct kern_acquire *a)
{
	struct ipc_wr w;

	pv_acquire_note(env.pv, a->satype, a->reqid, a->mode, now_s());
	control_event(PS_EVT_ACQUIRE, &a->src, &a->dst, a->satype, 0,
	    "ACQUIRE");
	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, a->seq);
	ipc_put_u8(&w, a->satype);
	ipc_put_addr(&w, &a->src);
	ipc_put_addr(&w, &a->dst);
	ipc_put_u32(&w, a->spid);
	ipc_put_u8(&w, a->dir);
	ipc_put_addr(&w, &a->sel_src);
	ipc_put_addr(&w, &a->sel_dst);
	ipc_put_u8(&w, a->ulproto);
	ipc_put_u32(&w, a->reqid);
	ipc_put_u8(&w, a->mode);
	ipc_put_u8(&w, a->level);
	(void)to_ike(PI_ACQUIRE, 0, -1, &w);
	ipc_wr_free(&w);
}

void
parent_expire(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst, bool hard, uint64_t bytes, uint64_t addtime)
{
	struct ipc_wr w;

	control_event(hard ? PS_EVT_EXPIRE_HARD : PS_EVT_EXPIRE_SOFT, src,
	    dst, satype, spi, hard ? "hard EXPIRE" : "soft EXPIRE");
	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u8(&w, satype);
	ipc_put_u32(&w, spi);
	ipc_put_addr(&w, src);
	ipc_put_addr(&w, dst);
	ipc_put_u8(&w, hard ? 1 : 0);
	ipc_put_u64(&w, bytes);
	ipc_put_u64(&w, addtime);
	(void)to_ike(PI_EXPIRE, 0, -1, &w);
	ipc_wr_free(&w);
}

void
parent_sa_event(int type, uint8_t satype, uint32_t spi,
    const struct sad_addr *src, const struct sad_addr *dst, bool ours)
{
	control_event((uint16_t)type, src, dst, satype, spi,
	    type == PS_EVT_SA_ADDED ? "SA added" :
	    type == PS_EVT_SA_DELETED ? "SA deleted" : "SAD flushed");
	if (type == PS_EVT_SA_DELETED && !ours)
		parent_sa_gone(satype, spi, src, dst);
}

void
parent_sa_gone(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u8(&w, satype);
	ipc_put_u32(&w, spi);
	ipc_put_addr(&w, src);
	ipc_put_addr(&w, dst);
	(void)to_ike(PI_SA_GONE, 0, -1, &w);
	ipc_wr_free(&w);
}

/* ------------------------------------------ requests of the ike process */

static void
result(uint32_t id, int error, uint32_t count, const char *why)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, (uint32_t)error);
	ipc_put_u32(&w, count);
	ipc_put_str(&w, why != NULL ? why : "");
	(void)to_ike(PI_RESULT, id, -1, &w);
	ipc_wr_free(&w);
}

static void
refused(const char *what, const char *why)
{
	log_warnx("refused %s from the ike process: %s", what, why);
}

static void
req_getspi(const struct ipc_msg *m)
{
	struct pv_getspi g;
	struct ipc_rd r;
	struct ipc_wr w;
	uint32_t spi = 0;
	int error;
	char why[PV_WHY_MAX] = "";

	memset(&g, 0, sizeof(g));
	ipc_rd_init(&r, m);
	g.satype = ipc_get_u8(&r);
	ipc_get_addr(&r, &g.src);
	ipc_get_addr(&r, &g.dst);
	g.min = ipc_get_u32(&r);
	g.max = ipc_get_u32(&r);
	g.reqid = ipc_get_u32(&r);
	g.seq = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0) {
		error = EINVAL;
		(void)strlcpy(why, "malformed", sizeof(why));
	} else
		error = pv_getspi_check(env.pv, &g, now_s(), why, sizeof(why));
	if (error == 0) {
		error = kern_getspi(g.satype, &g.src, &g.dst, g.min, g.max,
		    g.reqid, &spi, why, sizeof(why));
		if (error == 0)
			(void)pv_getspi_done(env.pv, &g, spi, now_s());
	} else
		refused("GETSPI", why);
	if (error != 0)
		log_debug("GETSPI: %s", why);
	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, (uint32_t)error);
	ipc_put_u32(&w, error == 0 ? spi : 0);
	(void)to_ike(PI_GETSPI_R, m->hdr.peerid, -1, &w);
	ipc_wr_free(&w);
}

/*
 * The soft lifetime: 80-90% of the hard one, with jitter, so that the two
 * ends (and many SAs made at once) do not rekey in the same second; as
 * racoon did.
 */
static uint64_t
soft_of(uint64_t hard)
{
	uint64_t pct = 80 + arc4random_uniform(11);

	if (hard == 0)
		return (0);
	return (hard * pct / 100 > 0 ? hard * pct / 100 : 1);
}

/*
 * NAT-OA (RFC 3947 5.2): only for transport mode with UDP encapsulation,
 * both of the SA's family, or neither.
 */
static const char *
sa_natoa_check(const struct pv_sa *s, const struct sad_addr *peer,
    const struct sad_addr *local)
{
	if (peer->af == AF_UNSPEC && local->af == AF_UNSPEC)
		return (NULL);
	if (s->natt_type == 0)
		return ("NAT-OA without NAT-T");
	if (s->mode != PFKEY_MODE_TRANSPORT)
		return ("NAT-OA for a mode other than transport");
	if (peer->af != s->src.af || local->af != s->src.af)
		return ("NAT-OA of another family");
	return (NULL);
}

/*
 * NAT-OA into the SA: Linux's one X_NAT_T_OA is the peer's original
 * address; FreeBSD's OAI and OAR are the original addresses of the SA's
 * source and destination.
 */
static void
sa_natoa(struct sad_entry *e, struct sad_extra *x, bool inbound,
    const struct sad_addr *peer, const struct sad_addr *local)
{
	if (peer->af == AF_UNSPEC)
		return;
	if (pfkey_dialect_resolve(kern_dialect()) == PFKEY_DIALECT_LINUX) {
		x->natt_oa = *peer;
		e->has |= SAD_HAS_NATT_OA;
	} else {
		x->natt_oa = inbound ? *peer : *local;
		x->natt_oar = inbound ? *local : *peer;
		e->has |= SAD_HAS_NATT_OA | SAD_HAS_NATT_OAR;
	}
	x->natt_oa.port = x->natt_oar.port = 0;
}

static void
req_sa_add(const struct ipc_msg *m)
{
	struct sad_addr oa_peer, oa_local;
	const char *oawhy;
	struct pv_sa s;
	struct sad_entry e;
	struct ipc_rd r;
	const uint8_t *ekey, *akey;
	size_t ekeylen, akeylen;
	const char *ewhy;
	int error;
	char why[PV_WHY_MAX] = "", a[80], b[80];

	memset(&s, 0, sizeof(s));
	ipc_rd_init(&r, m);
	s.op = ipc_get_u8(&r);
	s.satype = ipc_get_u8(&r);
	s.spi = ipc_get_u32(&r);
	ipc_get_addr(&r, &s.src);
	ipc_get_addr(&r, &s.dst);
	s.mode = ipc_get_u8(&r);
	s.reqid = ipc_get_u32(&r);
	s.ealg = ipc_get_u16(&r);
	s.aalg = ipc_get_u16(&r);
	ekey = ipc_get_blob(&r, PS_KEY_MAX, &ekeylen);
	akey = ipc_get_blob(&r, PS_KEY_MAX, &akeylen);
	s.hard_time = ipc_get_u64(&r);
	s.hard_bytes = ipc_get_u64(&r);
	s.replay = ipc_get_u32(&r);
	s.flags = ipc_get_u32(&r);
	s.natt_type = ipc_get_u8(&r);
	s.natt_sport = ipc_get_u16(&r);
	s.natt_dport = ipc_get_u16(&r);
	s.inbound_spi = ipc_get_u32(&r);
	ipc_get_addr(&r, &oa_peer);
	ipc_get_addr(&r, &oa_local);
	s.ekeybits = (unsigned)ekeylen * 8;
	s.akeybits = (unsigned)akeylen * 8;
	if (ipc_rd_end(&r) != 0) {
		error = EINVAL;
		(void)strlcpy(why, "malformed", sizeof(why));
		refused("SA", why);
		goto out;
	}
	if ((oawhy = sa_natoa_check(&s, &oa_peer, &oa_local)) != NULL) {
		error = EINVAL;
		(void)strlcpy(why, oawhy, sizeof(why));
		refused("SA", why);
		goto out;
	}
	if ((error = pv_sa_check(env.pv, &s, now_s(), why,
	    sizeof(why))) != 0) {
		refused(s.op == PV_SA_UPDATE ? "UPDATE" : "ADD", why);
		goto out;
	}
	sad_entry_init(&e);
	e.has = SAD_HAS_SA_FIELDS | SAD_HAS_SA2_FIELDS | SAD_HAS_LT_HARD |
	    SAD_HAS_LT_SOFT;
	e.satype = s.satype;
	e.state = PFKEY_SASTATE_MATURE;
	e.spi = s.spi;
	e.mode = s.mode;
	e.reqid = s.reqid;
	e.replay = s.replay;
	e.flags = (s.flags & PS_SAF_ESN) ? SAD_F_ESN : 0;
	e.aalg = s.aalg;
	e.ealg = s.ealg;
	e.src = s.src;
	e.dst = s.dst;
	e.src.port = e.dst.port = 0;
	e.src.plen = (uint8_t)sad_addr_bits(&e.src);
	e.dst.plen = (uint8_t)sad_addr_bits(&e.dst);
	e.hard.addtime = s.hard_time;
	e.hard.bytes = s.hard_bytes;
	e.soft.addtime = soft_of(s.hard_time);
	e.soft.bytes = soft_of(s.hard_bytes);
	if ((ekeylen > 0 && (sad_key_set(&e.ekey, ekey,
	    (unsigned)ekeylen * 8) != 0 || !(e.has |= SAD_HAS_EKEY))) ||
	    (akeylen > 0 && (sad_key_set(&e.akey, akey,
	    (unsigned)akeylen * 8) != 0 || !(e.has |= SAD_HAS_AKEY)))) {
		error = ENOMEM;
		(void)strlcpy(why, "no memory", sizeof(why));
		sad_entry_clear(&e);
		goto out;
	}
	if (s.natt_type != 0) {
		struct sad_extra *x;

		if ((x = sad_entry_extra(&e)) == NULL) {
			error = ENOMEM;
			sad_entry_clear(&e);
			goto out;
		}
		x->natt_type = s.natt_type;
		x->natt_sport = s.natt_sport;
		x->natt_dport = s.natt_dport;
		e.has |= SAD_HAS_NATT;
		sa_natoa(&e, x, s.op == PV_SA_UPDATE, &oa_peer, &oa_local);
	}
	if (sad_entry_check(&e, &ewhy) != 0) {
		error = EINVAL;
		(void)strlcpy(why, ewhy, sizeof(why));
		refused("SA", why);
		sad_entry_clear(&e);
		goto out;
	}
	error = kern_sa_add(&e, s.op == PV_SA_UPDATE, why, sizeof(why));
	sad_entry_clear(&e);
	if (error == 0) {
		pv_sa_done(env.pv, &s, now_s());
		log_info("%s %s SA 0x%08x %s -> %s reqid %u",
		    s.op == PV_SA_UPDATE ? "UPDATE" : "ADD",
		    pfkey_satype_name(s.satype), s.spi,
		    log_addr(&s.src, a, sizeof(a)),
		    log_addr(&s.dst, b, sizeof(b)), s.reqid);
	} else
		log_warnx("%s", why);
out:
	/* The keys were in the channel's buffer: gone now. */
	explicit_bzero((void *)(uintptr_t)m->data, m->len);
	result(m->hdr.peerid, error, 0, why);
}

static void
req_sa_delete(const struct ipc_msg *m)
{
	struct sad_addr src, dst;
	struct ipc_rd r;
	uint32_t spi;
	uint8_t satype;
	int error;
	char why[PV_WHY_MAX] = "";

	ipc_rd_init(&r, m);
	satype = ipc_get_u8(&r);
	spi = ipc_get_u32(&r);
	ipc_get_addr(&r, &src);
	ipc_get_addr(&r, &dst);
	if (ipc_rd_end(&r) != 0) {
		error = EINVAL;
		(void)strlcpy(why, "malformed", sizeof(why));
	} else
		error = pv_delete_check(env.pv, satype, spi, &src, &dst, why,
		    sizeof(why));
	if (error != 0)
		refused("DELETE", why);
	else
		error = kern_sa_delete(satype, spi, &src, &dst, why,
		    sizeof(why));
	result(m->hdr.peerid, error, error == 0 ? 1 : 0, why);
}

static void
req_delete_peer(const struct ipc_msg *m)
{
	struct sad_addr local, peer;
	struct ipc_rd r;
	uint32_t count = 0;
	int error;
	char why[PV_WHY_MAX] = "", a[80];

	ipc_rd_init(&r, m);
	ipc_get_addr(&r, &local);
	ipc_get_addr(&r, &peer);
	if (ipc_rd_end(&r) != 0) {
		error = EINVAL;
		(void)strlcpy(why, "malformed", sizeof(why));
	} else
		error = pv_peer_check(env.pv, &local, &peer, why, sizeof(why));
	if (error != 0)
		refused("INITIAL-CONTACT", why);
	else {
		error = kern_delete_between(0, &local, &peer, false, &count,
		    why, sizeof(why));
		log_info("INITIAL-CONTACT from %s: %u SAs deleted",
		    log_addr(&peer, a, sizeof(a)), count);
	}
	result(m->hdr.peerid, error, count, why);
}

static void
spd_of(struct spd_entry *e, uint8_t dir, const struct sad_addr *ss,
    const struct sad_addr *sd, uint8_t ulproto)
{
	spd_entry_init(e);
	e->dir = dir;
	e->action = PFKEY_POLICY_IPSEC;
	e->sel.src = *ss;
	e->sel.dst = *sd;
	e->sel.proto = ulproto;
}

static void
req_spd_add(const struct ipc_msg *m)
{
	struct pv_spd p;
	struct spd_entry e;
	struct ipc_rd r;
	int error;
	char why[PV_WHY_MAX] = "";

	memset(&p, 0, sizeof(p));
	ipc_rd_init(&r, m);
	p.op = ipc_get_u8(&r);
	p.dir = ipc_get_u8(&r);
	ipc_get_addr(&r, &p.sel_src);
	ipc_get_addr(&r, &p.sel_dst);
	p.ulproto = ipc_get_u8(&r);
	p.proto = ipc_get_u8(&r);
	p.mode = ipc_get_u8(&r);
	p.level = ipc_get_u8(&r);
	p.reqid = ipc_get_u32(&r);
	ipc_get_addr(&r, &p.tun_src);
	ipc_get_addr(&r, &p.tun_dst);
	ipc_get_addr(&r, &p.local);
	ipc_get_addr(&r, &p.peer);
	if (ipc_rd_end(&r) != 0) {
		error = EINVAL;
		(void)strlcpy(why, "malformed", sizeof(why));
	} else
		error = pv_spd_check(env.pv, &p, why, sizeof(why));
	if (error != 0) {
		refused("policy", why);
		result(m->hdr.peerid, error, 0, why);
		return;
	}
	spd_of(&e, p.dir, &p.sel_src, &p.sel_dst, p.ulproto);
	e.nreq = 1;
	e.req[0].proto = p.proto;
	e.req[0].mode = p.mode;
	e.req[0].level = p.level;
	e.req[0].reqid = p.reqid;
	e.req[0].src = p.tun_src;
	e.req[0].dst = p.tun_dst;
	e.req[0].src.port = e.req[0].dst.port = 0;
	error = kern_spd_add(&e, p.op == PS_SPD_UPDATE, why, sizeof(why));
	spd_entry_clear(&e);
	if (error == 0)
		(void)pv_spd_done(env.pv, &p);
	result(m->hdr.peerid, error, error == 0 ? 1 : 0, why);
}

static void
req_spd_delete(const struct ipc_msg *m)
{
	struct sad_addr ss, sd;
	struct spd_entry e;
	struct ipc_rd r;
	uint8_t dir, ulproto;
	int error;
	char why[PV_WHY_MAX] = "";

	ipc_rd_init(&r, m);
	dir = ipc_get_u8(&r);
	ipc_get_addr(&r, &ss);
	ipc_get_addr(&r, &sd);
	ulproto = ipc_get_u8(&r);
	if (ipc_rd_end(&r) != 0) {
		error = EINVAL;
		(void)strlcpy(why, "malformed", sizeof(why));
	} else
		error = pv_spd_delete_check(env.pv, dir, &ss, &sd, ulproto,
		    why, sizeof(why));
	if (error != 0) {
		refused("policy deletion", why);
		result(m->hdr.peerid, error, 0, why);
		return;
	}
	/*
	 * A deletion names the selector and direction only; the kernels
	 * and sadbd take a policy without requests for it (as setkey's
	 * spddelete sends it).
	 */
	spd_of(&e, dir, &ss, &sd, ulproto);
	e.action = PFKEY_POLICY_NONE;
	error = kern_spd_delete(&e, why, sizeof(why));
	spd_entry_clear(&e);
	if (error == 0 || error == ENOENT)
		pv_spd_delete_done(env.pv, dir, &ss, &sd, ulproto);
	result(m->hdr.peerid, error, error == 0 ? 1 : 0, why);
}

static void
req_acquire_fail(const struct ipc_msg *m)
{
	struct ipc_rd r;
	uint32_t seq, error;
	uint8_t satype;

	ipc_rd_init(&r, m);
	seq = ipc_get_u32(&r);
	satype = ipc_get_u8(&r);
	error = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0 || (satype != PFKEY_SATYPE_ESP &&
	    satype != PFKEY_SATYPE_AH) || seq == 0) {
		refused("ACQUIRE failure", "malformed");
		return;
	}
	kern_acquire_fail(seq, satype, (int)error);
}

static void
req_event(const struct ipc_msg *m)
{
	struct sad_addr l, rm;
	struct ipc_rd r;
	uint32_t spi;
	uint16_t type;
	uint8_t satype;
	char text[256];

	ipc_rd_init(&r, m);
	type = ipc_get_u16(&r);
	ipc_get_addr(&r, &l);
	ipc_get_addr(&r, &rm);
	satype = ipc_get_u8(&r);
	spi = ipc_get_u32(&r);
	ipc_get_str(&r, text, sizeof(text));
	if (ipc_rd_end(&r) != 0 || type == 0 || type >= PS_EVT_MAX) {
		refused("event", "malformed");
		return;
	}
	control_event(type, &l, &rm, satype, spi, text);
}

static void
conf_result(const struct ipc_msg *m)
{
	struct ipc_rd r;
	uint32_t gen, error;
	char why[PS_TEXT_MAX] = "", msg[PS_TEXT_MAX + 64];

	ipc_rd_init(&r, m);
	gen = ipc_get_u32(&r);
	error = ipc_get_u32(&r);
	ipc_get_str(&r, why, sizeof(why));
	if (ipc_rd_end(&r) != 0) {
		refused("configuration result", "malformed");
		return;
	}
	if (error != 0) {
		/* The parent took it: the ike process must too. */
		log_warnx("the ike process refused configuration %u: %s",
		    gen, why);
		(void)snprintf(msg, sizeof(msg), "the ike process refused "
		    "it: %s", why);
	} else {
		log_info("configuration %u in force", gen);
		(void)snprintf(msg, sizeof(msg), "configuration %u in force",
		    gen);
		control_event(PS_EVT_CONFIG_RELOADED, NULL, NULL, 0, 0, msg);
	}
	if (env.reload_client != 0 && gen == env.reload_gen) {
		control_end(env.reload_client, (int)error, msg);
		env.reload_client = 0;
	}
}

static void
ike_dispatch(const struct ipc_msg *m)
{
	struct ipc_rd r;
	int32_t error;
	char why[PS_TEXT_MAX];

	/* Nothing from the ike process carries a descriptor. */
	if (m->fd != -1) {
		close(m->fd);
		refused("a descriptor", "the ike process sends none");
		return;
	}
	switch (m->hdr.type) {
	case IP_CONF_RESULT:
		conf_result(m);
		break;
	case IP_GETSPI:
		req_getspi(m);
		break;
	case IP_SA_ADD:
		req_sa_add(m);
		break;
	case IP_SA_DELETE:
		req_sa_delete(m);
		break;
	case IP_DELETE_PEER:
		req_delete_peer(m);
		break;
	case IP_SPD_ADD:
		req_spd_add(m);
		break;
	case IP_SPD_DELETE:
		req_spd_delete(m);
		break;
	case IP_ACQUIRE_FAIL:
		req_acquire_fail(m);
		break;
	case IP_EVENT:
		req_event(m);
		break;
	case IP_CTL_DATA:
		ipc_rd_init(&r, m);
		control_ike_data(m->hdr.peerid, &r);
		break;
	case IP_CTL_END:
		ipc_rd_init(&r, m);
		error = (int32_t)ipc_get_u32(&r);
		ipc_get_str(&r, why, sizeof(why));
		if (ipc_rd_end(&r) != 0) {
			refused("control answer", "malformed");
			control_end(m->hdr.peerid, EIO, "malformed answer");
		} else
			control_end(m->hdr.peerid, error, why);
		break;
	default:
		refused("a message", "unknown type");
		break;
	}
}

static void
ike_cb(int fd, short ev, void *arg)
{
	struct ipc_msg m;
	int rc, n;

	for (n = 0; n < 256; n++) {
		rc = ipc_read(&env.ike, &m);
		if (rc == 0)
			return;
		if (rc == IPC_EOF || rc == IPC_ESYS) {
			loop_del(fd);
			parent_lost("the ike process is gone");
			return;
		}
		if (rc < 0) {
			refused("a frame", ipc_strerror(rc));
			continue;
		}
		ike_dispatch(&m);
	}
}

static void
ca_cb(int fd, short ev, void *arg)
{
	struct ipc_msg m;
	int rc;

	/* The ca process speaks only when asked (reload, synchronous). */
	rc = ipc_read(&env.ca, &m);
	if (rc == IPC_EOF || rc == IPC_ESYS) {
		loop_del(fd);
		parent_lost("the ca process is gone");
		return;
	}
	if (rc == 1) {
		if (m.fd != -1)
			close(m.fd);
		log_warnx("%s: unexpected message %u", __func__, m.hdr.type);
	}
}

static void
kern_cb(int fd, short ev, void *arg)
{
	kern_dispatch();
}

/* ------------------------------------------------------- the ca's keys */

/* "a: b" into dst, cut to fit. */
static void
join(char *dst, size_t sz, const char *a, const char *b)
{
	(void)strlcpy(dst, a, sz);
	(void)strlcat(dst, ": ", sz);
	(void)strlcat(dst, b, sz);
}

/* Open a file for the ca process; -1 with err. */
static int
open_secret(const char *path, bool psk, char *err, size_t errsz)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		(void)snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (psk && psk_check_perm(fd, path, geteuid(), err, errsz) != 0) {
		close(fd);
		return (-1);
	}
	return (fd);
}

static int
ca_wait(uint32_t type, uint32_t gen, char *err, size_t errsz)
{
	struct ipc_msg m;
	struct ipc_rd r;
	uint32_t g, error;
	char why[PS_TEXT_MAX] = "";
	int rc;

	rc = ipc_read_wait(&env.ca, &m, CA_WAIT_MS);
	if (rc != 1) {
		(void)snprintf(err, errsz, "the ca process did not answer (%s)",
		    rc == 0 ? "timeout" : ipc_strerror(rc));
		return (-1);
	}
	if (m.fd != -1)
		close(m.fd);
	ipc_rd_init(&r, &m);
	g = ipc_get_u32(&r);
	error = ipc_get_u32(&r);
	if (m.hdr.type == CP_PSK_RESULT)
		(void)ipc_get_u32(&r);
	ipc_get_str(&r, why, sizeof(why));
	if (ipc_rd_end(&r) != 0 || m.hdr.type != type || g != gen) {
		(void)snprintf(err, errsz, "the ca process answered out of "
		    "turn");
		return (-1);
	}
	if (error != 0) {
		(void)snprintf(err, errsz, "%s", why);
		return (-1);
	}
	return (0);
}

/*
 * Give the ca process the keys of `rc' (generation gen), aside; 0 when it
 * took them all (then PC_COMMIT puts them in force), -1 with err (and
 * PC_ABORT sent).
 */
static int
ca_prepare(const struct rconf *rc, uint32_t gen, char *err, size_t errsz)
{
	const struct rcn_remote *r;
	struct ipc_wr w;
	char e2[PS_TEXT_MAX];
	int fd = -1, ret = -1;

	if (ipc_wr_init(&w) != 0) {
		(void)snprintf(err, errsz, "no memory");
		return (-1);
	}
	if (rc->psk_path[0] != '\0' &&
	    (fd = open_secret(rc->psk_path, true, err, errsz)) == -1)
		goto out;
	ipc_put_u32(&w, gen);
	if (ipc_compose_wr(&env.ca, fd != -1 ? PC_PSK_LOAD : PC_PSK_NONE, 0,
	    fd, &w) != 0 || ipc_flush(&env.ca) != 0) {
		(void)snprintf(err, errsz, "the ca process is not reachable");
		goto out;
	}
	if (fd != -1)
		close(fd);
	fd = -1;
	if (ca_wait(CP_PSK_RESULT, gen, e2, sizeof(e2)) != 0) {
		join(err, errsz, rc->psk_path, e2);
		goto out;
	}
	TAILQ_FOREACH(r, &rc->conf->remotes, entry) {
		if (r->key_file == NULL)
			continue;
		if ((fd = open_secret(r->key_file, false, err, errsz)) == -1)
			goto out;
		ipc_wr_reset(&w);
		ipc_put_u32(&w, gen);
		ipc_put_str(&w, r->name);
		if (ipc_compose_wr(&env.ca, PC_KEY_LOAD, 0, fd, &w) != 0 ||
		    ipc_flush(&env.ca) != 0) {
			(void)snprintf(err, errsz, "the ca process is not "
			    "reachable");
			goto out;
		}
		close(fd);
		fd = -1;
		if (ca_wait(CP_KEY_RESULT, gen, e2, sizeof(e2)) != 0) {
			join(err, errsz, r->key_file, e2);
			goto out;
		}
	}
	ret = 0;
out:
	if (fd != -1)
		close(fd);
	ipc_wr_reset(&w);
	ipc_put_u32(&w, gen);
	(void)ipc_compose_wr(&env.ca, ret == 0 ? PC_COMMIT : PC_ABORT, 0, -1,
	    &w);
	(void)ipc_flush(&env.ca);
	ipc_wr_free(&w);
	return (ret);
}

/* ------------------------------------------------------------ sockets */

/*
 * An address that is not (yet) ours: without strict_address, racoon
 * went on without it, and so does racoon-ng, saying so.
 */
static bool
unbound_ok(const struct rconf *rc, const char *err)
{
	if (rc->strict || errno != EADDRNOTAVAIL)
		return (false);
	log_warnx("%s: skipped (strict_address is off)", err);
	return (true);
}

static int
open_sockets(const struct rconf *rc, struct psockq *q, char *err,
    size_t errsz)
{
	struct psock *s;
	size_t i;

	for (i = 0; i < rc->nlistens; i++) {
		/* With sadbd's relay, NAT-T comes through it. */
		if (env.relay != NULL && rc->listens[i].role == PS_ROLE_NATT)
			continue;
		if ((s = sock_open_udp(&rc->listens[i], kern_kind(), err,
		    errsz)) == NULL) {
			if (unbound_ok(rc, err))
				continue;
			return (-1);
		}
		TAILQ_INSERT_TAIL(q, s, entry);
	}
	if (env.relay != NULL) {
		if ((s = sock_open_relay(env.relay, rc->natt_port, err,
		    errsz)) == NULL)
			return (-1);
		TAILQ_INSERT_TAIL(q, s, entry);
	}
	return (0);
}

/* Hand the sockets over; the parent keeps their records only. */
static void
pass_sockets(struct psockq *q)
{
	struct psock *s;
	char a[80];

	TAILQ_FOREACH(s, q, entry) {
		if (s->fd == -1)
			continue;
		pass_socket(s, s->fd);
		log_info("listening on %s%s%s", s->kind == PS_SOCK_RELAY ?
		    "sadbd's IKE relay for " : "",
		    log_addr(&s->local, a, sizeof(a)),
		    (s->flags & PS_SOCKF_ENCAP) ? " (ESP-in-UDP)" : "");
		close(s->fd);
		s->fd = -1;
	}
}

/*
 * A reload's listen addresses, in two steps so that a failure changes
 * nothing: open the new ones aside (sockets_open_new), then, once the
 * reload is sure, pass them and drop the gone ones (sockets_apply).
 */
static void	sockets_discard(struct psockq *);

static int
sockets_open_new(const struct rconf *rc, struct psockq *add, char *err,
    size_t errsz)
{
	struct psock *s;
	size_t i;
	bool keep;

	TAILQ_INIT(add);
	for (i = 0; i < rc->nlistens; i++) {
		if (env.relay != NULL && rc->listens[i].role == PS_ROLE_NATT)
			continue;
		keep = false;
		TAILQ_FOREACH(s, &env.socks, entry)
			if (sock_same(s, &rc->listens[i]))
				keep = true;
		if (keep)
			continue;
		if ((s = sock_open_udp(&rc->listens[i], kern_kind(), err,
		    errsz)) == NULL) {
			if (unbound_ok(rc, err))
				continue;
			sockets_discard(add);
			return (-1);
		}
		TAILQ_INSERT_TAIL(add, s, entry);
	}
	return (0);
}

static void
sockets_discard(struct psockq *q)
{
	struct psock *s;

	while ((s = TAILQ_FIRST(q)) != NULL) {
		TAILQ_REMOVE(q, s, entry);
		sock_close(s);
	}
}

static void
sockets_apply(const struct rconf *rc, struct psockq *add)
{
	struct psock *s, *n;
	struct ipc_wr w;
	size_t i;
	bool keep;

	TAILQ_FOREACH_SAFE(s, &env.socks, entry, n) {
		if (s->kind == PS_SOCK_RELAY)
			continue;
		keep = false;
		for (i = 0; i < rc->nlistens; i++)
			if (sock_same(s, &rc->listens[i]))
				keep = true;
		if (keep || ipc_wr_init(&w) != 0)
			continue;
		ipc_put_u32(&w, s->id);
		(void)to_ike(PI_SOCKET_CLOSE, 0, -1, &w);
		ipc_wr_free(&w);
		TAILQ_REMOVE(&env.socks, s, entry);
		sock_close(s);
	}
	pass_sockets(add);
	TAILQ_CONCAT(&env.socks, add, entry);
}

/* ------------------------------------------------------------- reload */

/* The children log at the parent's level (reload changes it). */
static void
send_log_level(void)
{
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, (uint32_t)log_getlevel());
	(void)to_ike(PI_LOG_LEVEL, 0, -1, &w);
	if (ipc_compose_wr(&env.ca, PC_LOG_LEVEL, 0, -1, &w) == 0)
		(void)ipc_flush(&env.ca);
	ipc_wr_free(&w);
}

int
parent_reload(uint32_t client, char *why, size_t whysz)
{
	struct psockq add;
	struct pcertq certs;
	struct rconf n;
	uint32_t gen;
	char err[4096];

	log_info("reloading %s", env.opts.file);
	if (rc_load(&env.opts, &n, err, sizeof(err)) != 0)
		goto fail;
	if (kern_conf_check(n.conf, err, sizeof(err)) != 0) {
		rc_free(&n);
		goto fail;
	}
	if (pcerts_load(&n, &certs, err, sizeof(err)) != 0) {
		rc_free(&n);
		goto fail;
	}
	if (sockets_open_new(&n, &add, err, sizeof(err)) != 0) {
		pcerts_free(&certs);
		rc_free(&n);
		goto fail;
	}
	if (pv_set_rules(env.pv, &n.rules) != 0) {
		(void)snprintf(err, sizeof(err), "no memory");
		sockets_discard(&add);
		pcerts_free(&certs);
		rc_free(&n);
		goto fail;
	}
	/* The last step that can fail: the keys; it commits them. */
	gen = ++env.generation;
	n.generation = gen;
	if (ca_prepare(&n, gen, err, sizeof(err)) != 0) {
		(void)pv_set_rules(env.pv, &env.rc.rules);
		sockets_discard(&add);
		pcerts_free(&certs);
		rc_free(&n);
		goto fail;
	}
	/* The certificates first: the new remotes find theirs. */
	send_certs(gen, &certs);
	pcerts_free(&certs);
	sockets_apply(&n, &add);
	if (strcmp(n.transport, env.rc.transport) != 0 &&
	    env.transport == NULL)
		log_warnx("the SADB transport changes at restart only");
	if (strcmp(n.adminsock, env.rc.adminsock) != 0)
		log_warnx("the control socket moves at restart only");
	rc_free(&env.rc);
	env.rc = n;
	/* The file's log level, never below the command line's. */
	log_setlevel(env.debug > env.rc.loglevel ? env.debug :
	    env.rc.loglevel);
	send_log_level();
	send_conf_text(&env.rc);
	env.reload_client = client;
	env.reload_gen = gen;
	return (0);
fail:
	log_warnx("reload failed, the configuration in force stays: %s", err);
	control_event(PS_EVT_CONFIG_FAILED, NULL, NULL, 0, 0, err);
	(void)strlcpy(why, err, whysz);
	return (-1);
}

/* ------------------------------------------------------------ children */

/* Move the descriptors a child keeps to 3, 4 (5: the log) and close
 * everything else. */
static void
child_fds(int a, int b)
{
	int keep[3], lfd = log_getfd(), n = 2;

	if ((a = fcntl(a, F_DUPFD, 10)) == -1 ||
	    (b = fcntl(b, F_DUPFD, 10)) == -1 ||
	    (lfd != -1 && (lfd = fcntl(lfd, F_DUPFD, 10)) == -1))
		_exit(1);
	if (dup2(a, 3) == -1 || dup2(b, 4) == -1 ||
	    (lfd != -1 && dup2(lfd, 5) == -1))
		_exit(1);
	keep[0] = 3;
	keep[1] = 4;
	if (lfd != -1) {
		keep[n++] = 5;
		log_setfd(5);
	}
	proc_closefrom_except(keep, (size_t)n);
	log_reopen();
}

static pid_t
spawn(const char *name, int a, int b, int close1, int close2)
{
	pid_t pid;

	switch (pid = fork()) {
	case -1:
		fatal("fork %s", name);
	case 0:
		(void)close1;
		(void)close2;
		child_fds(a, b);
		if (strcmp(name, "ca") == 0)
			ca_main(3, 4, &env.pd);
		ike_main(3, 4, &env.pd, env.rc.text, env.rc.textlen);
	default:
		return (pid);
	}
}

static void
pair(int sv[2])
{
	int bufsz = CHAN_BUFSZ, i;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == -1)
		fatal("socketpair");
	for (i = 0; i < 2; i++) {
		(void)setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &bufsz,
		    sizeof(bufsz));
		(void)setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &bufsz,
		    sizeof(bufsz));
	}
}

static void
reap_children(void)
{
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == env.ike_pid || pid == env.ca_pid) {
			log_warnx("the %s process (pid %ld) %s %d: exiting",
			    pid == env.ike_pid ? "ike" : "ca", (long)pid,
			    WIFSIGNALED(st) ? "died of signal" : "exited with",
			    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
			if (pid == env.ike_pid)
				env.ike_pid = 0;
			else
				env.ca_pid = 0;
			parent_lost(NULL);
		}
	}
}

void
parent_lost(const char *what)
{
	if (what != NULL)
		log_warnx("%s: exiting", what);
	env.quit = true;
	env.status = 1;
}

static void
shutdown_children(void)
{
	int i, st;

	/* Closing the channels is the children's signal to exit. */
	ipc_chan_close(&env.ike);
	ipc_chan_close(&env.ca);
	for (i = 0; i < 300 && (env.ike_pid != 0 || env.ca_pid != 0); i++) {
		if (env.ike_pid != 0 && waitpid(env.ike_pid, &st,
		    WNOHANG) != 0)
			env.ike_pid = 0;
		if (env.ca_pid != 0 && waitpid(env.ca_pid, &st, WNOHANG) != 0)
			env.ca_pid = 0;
		if (env.ike_pid != 0 || env.ca_pid != 0)
			usleep(10000);
	}
	if (env.ike_pid != 0) {
		(void)kill(env.ike_pid, SIGKILL);
		(void)waitpid(env.ike_pid, &st, 0);
	}
	if (env.ca_pid != 0) {
		(void)kill(env.ca_pid, SIGKILL);
		(void)waitpid(env.ca_pid, &st, 0);
	}
}

/* ------------------------------------------------------------------ main */

static uint16_t
port_arg(const char *s, const char *opt)
{
	const char *es;
	long long v;

	v = strtonum(s, 1, 65535, &es);
	if (es != NULL) {
		fprintf(stderr, "%s: %s %s: %s (1 to 65535)\n", getprogname(),
		    opt, s, es);
		exit(1);
	}
	return ((uint16_t)v);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct psock *s;
	const char *logfile = NULL, *spec;
	struct pcertq certs;
	char err[4096];
	int ch, debug = 0, check = 0, sv_ike[2], sv_ca[2], sv_ikeca[2];
	bool foreground = false;
	pid_t other;

#if !defined(__FreeBSD__)
	setproctitle_init(argc, argv, envp);
#endif
	env.opts.file = RACOON_NG_CONF;
	TAILQ_INIT(&env.socks);
	while ((ch = getopt(argc, argv, "46B:dFf:K:l:nP:p:tVv")) != -1) {
		switch (ch) {
		case '4':
			env.opts.only4 = true;
			env.opts.only6 = false;
			break;
		case '6':
			env.opts.only6 = true;
			env.opts.only4 = false;
			break;
		case 'B':
			env.transport = optarg;
			break;
		case 'd':
		case 'v':
			debug++;
			break;
		case 'F':
			foreground = true;
			break;
		case 'f':
			env.opts.file = optarg;
			break;
		case 'K':
			env.relay = optarg;
			break;
		case 'l':
			logfile = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'P':
			env.opts.natt_port = port_arg(optarg, "-P");
			break;
		case 'p':
			env.opts.port = port_arg(optarg, "-p");
			break;
		case 't':
			check = 2;
			break;
		case 'V':
			printf("racoon-ng %s\n", PFKEYKIT_VERSION_STRING);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (rc_load(&env.opts, &env.rc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return (1);
	}
	if (check == 1)
		return (0);
	if (check == 2) {
		if (rc_print(&env.rc, stdout) != 0 || fflush(stdout) != 0) {
			fprintf(stderr, "%s: writing: %s\n", getprogname(),
			    strerror(errno));
			return (1);
		}
		return (0);
	}

	env.debug = debug;
	log_init(debug > env.rc.loglevel ? debug : env.rc.loglevel,
	    foreground, logfile);
	spec = env.transport != NULL ? env.transport :
	    env.rc.transport[0] != '\0' ? env.rc.transport : NULL;
	if (kern_open(spec, err, sizeof(err)) != 0 ||
	    kern_conf_check(env.rc.conf, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", getprogname(), err);
		return (1);
	}
	if ((env.pv = pv_new(kern_spd())) == NULL ||
	    pv_set_rules(env.pv, &env.rc.rules) != 0)
		fatal("%s", __func__);
	if (proc_privdrop_setup(&env.rc, &env.pd, err, sizeof(err)) != 0 ||
	    open_sockets(&env.rc, &env.socks, err, sizeof(err)) != 0 ||
	    control_init(&env.rc, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", getprogname(), err);
		return (1);
	}
	/* The PSK file is checked now, so a bad one stops the start. */
	if (env.rc.psk_path[0] != '\0') {
		if ((ch = open_secret(env.rc.psk_path, true, err,
		    sizeof(err))) == -1) {
			fprintf(stderr, "%s: %s\n", getprogname(), err);
			control_close();
			return (1);
		}
		close(ch);
	}
	/* So are the certificates, CAs and CRLs (sent after the fork). */
	if (pcerts_load(&env.rc, &certs, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", getprogname(), err);
		control_close();
		return (1);
	}
	if (env.rc.pidfile[0] != '\0') {
		env.pfh = pidfile_open(env.rc.pidfile, 0644, &other);
		if (env.pfh == NULL && errno == EEXIST) {
			fprintf(stderr, "%s: already running as pid %ld "
			    "(%s)\n", getprogname(), (long)other,
			    env.rc.pidfile);
			pcerts_free(&certs);
			control_close();
			return (1);
		}
		if (env.pfh == NULL)
			log_warn("pid file %s", env.rc.pidfile);
	}
	if (!foreground && daemon(0, 0) == -1)
		fatal("daemon");
	if (env.pfh != NULL)
		(void)pidfile_write(env.pfh);

	/* The channels; the children get their ends and nothing else. */
	pair(sv_ike);
	pair(sv_ca);
	pair(sv_ikeca);
	env.generation = 1;
	env.rc.generation = 1;
	env.ca_pid = spawn("ca", sv_ca[1], sv_ikeca[1], -1, -1);
	env.ike_pid = spawn("ike", sv_ike[1], sv_ikeca[0], -1, -1);
	close(sv_ca[1]);
	close(sv_ike[1]);
	close(sv_ikeca[0]);
	close(sv_ikeca[1]);
	if (ipc_chan_init(&env.ike, sv_ike[0], "ike") != 0 ||
	    ipc_chan_init(&env.ca, sv_ca[0], "ca") != 0)
		fatal("%s: channels", __func__);
	setproctitle("parent");
	log_info("racoon-ng %s started: ike pid %ld, ca pid %ld, %s transport",
	    PFKEYKIT_VERSION_STRING, (long)env.ike_pid, (long)env.ca_pid,
	    kern_name());

	(void)signal(SIGPIPE, SIG_IGN);
	if (loop_signal(SIGHUP) == -1 || loop_signal(SIGTERM) == -1 ||
	    loop_signal(SIGINT) == -1 || loop_signal(SIGCHLD) == -1 ||
	    loop_signal(SIGUSR1) == -1)
		fatal("signals");
	if (ca_prepare(&env.rc, 1, err, sizeof(err)) != 0)
		fatalx("%s", err);
	send_certs(1, &certs);
	pcerts_free(&certs);
	pass_sockets(&env.socks);
	if (loop_add(env.ike.fd, &env.ike, ike_cb, NULL) == -1 ||
	    loop_add(env.ca.fd, &env.ca, ca_cb, NULL) == -1 ||
	    loop_add(kern_fd(), NULL, kern_cb, NULL) == -1 ||
	    control_listen() == -1)
		fatal("loop");
	/* What the start-up's requests queued. */
	if (kern_pending())
		kern_dispatch();

	while (!env.quit) {
		if (loop_once() == -1)
			fatal("poll");
		if (kern_pending())
			kern_dispatch();
		control_reap();
		if (loop_sigtake(SIGCHLD))
			reap_children();
		if (loop_sigtake(SIGHUP))
			(void)parent_reload(0, err, sizeof(err));
		if (loop_sigtake(SIGUSR1))
			log_info("transport %s, %zu SPIs pending, control %s",
			    kern_name(), pv_pending(env.pv), control_path());
		if (loop_sigtake(SIGTERM) || loop_sigtake(SIGINT))
			env.quit = true;
	}

	/*
	 * No SA is flushed: they expire on their lifetimes, and a restart
	 * finds them (racoon flushed the whole SAD, other daemons' SAs too).
	 */
	log_info("exiting%s", env.status != 0 ? " on an error" : "");
	control_event(PS_EVT_RACOON_QUIT, NULL, NULL, 0, 0, "racoon-ng "
	    "terminated");
	control_close();
	shutdown_children();
	kern_close();
	while ((s = TAILQ_FIRST(&env.socks)) != NULL) {
		TAILQ_REMOVE(&env.socks, s, entry);
		sock_close(s);
	}
	pv_free(env.pv);
	rc_free(&env.rc);
	if (env.pfh != NULL)
		(void)pidfile_remove(env.pfh);
	return (env.status);
}
