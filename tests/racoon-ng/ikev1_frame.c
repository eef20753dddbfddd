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
 * The in-memory frame of ikev1_frame.h.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ikev1_frame.h"
#include "cert.h"

struct tf_node tf_nodes[TF_NODES];

enum op_kind { OP_SPI, OP_RESULT, OP_PRF, OP_SIGN };

struct op {
	TAILQ_ENTRY(op)	 entry;
	int		 node;
	enum op_kind	 kind;
	void		*arg;
	union {
		frame_spi_cb	 spi;
		frame_result_cb	 result;
		frame_prf_cb	 prf;
		frame_sign_cb	 sign;
	} cb;
	int		 error;
	uint32_t	 value;
	uint8_t		 out[CERT_SIG_MAX];
	size_t		 outlen;
};

struct qd {
	TAILQ_ENTRY(qd)	 entry;
	int		 to;
	struct ike_endpoint ep;		/* as the receiver sees it */
	size_t		 len;
	uint8_t		*data;
};

static struct {
	int		 cur;
	uint64_t	 now;
	TAILQ_HEAD(, op) ops;
	TAILQ_HEAD(, qd) net;
	TAILQ_HEAD(, timer) timers;
	struct tf_dgram	*dg;
	size_t		 ndg;
	tf_tamper_fn	 tamper;
	void		*targ;
	bool		 inited;
	bool		 verbose;
} tf;

/* ---------------------------------------------------------- the frame */

void
tf_use(int idx)
{
	tf.cur = idx;
	ikev1_engine_set(tf_nodes[idx].eng);
}

static struct tf_node *
cur(void)
{
	return (&tf_nodes[tf.cur]);
}

void
tf_reset(void)
{
	if (!tf.inited) {
		TAILQ_INIT(&tf.ops);
		TAILQ_INIT(&tf.net);
		TAILQ_INIT(&tf.timers);
		tf.inited = true;
		tf.verbose = getenv("IKEV1_TEST_VERBOSE") != NULL;
	}
	tf_teardown();
	tf.now = 1000000;
	tf.tamper = NULL;
	free(tf.dg);
	tf.dg = NULL;
	tf.ndg = 0;
}

static void
cert_warn(void *arg, const char *msg)
{
	if (tf.verbose)
		fprintf(stderr, "%s: %s\n", (const char *)arg, msg);
}

/* The certificate material of the node's remotes (see tf_rcert). */
static int
load_certs(struct tf_node *n)
{
	const struct rcn_remote *r;
	struct tf_rcert *c;
	char err[CERT_ERR_MAX];

	TAILQ_FOREACH(r, &n->cfg->remotes, entry) {
		if (r->cert_file == NULL && r->ca_file == NULL &&
		    r->crl_file == NULL && r->peers_certfile == NULL)
			continue;
		if (n->nrcerts == TF_MAXRCERTS) {
			fprintf(stderr, "%s: too many remotes with "
			    "certificates\n", n->name);
			return (-1);
		}
		c = &n->rcerts[n->nrcerts++];
		(void)strlcpy(c->name, r->name, sizeof(c->name));
		err[0] = '\0';
		if ((r->cert_file != NULL && (cert_load_file(r->cert_file, 0,
		    &c->fc.mine, err, sizeof(err)) != 0 ||
		    cert_key_load_file(r->key_file, &c->key, err,
		    sizeof(err)) != 0)) ||
		    (r->peers_certfile != NULL &&
		    cert_load_file(r->peers_certfile, 0, &c->fc.peer, err,
		    sizeof(err)) != 0) ||
		    cert_store_load_remote(n->cfg, r, cert_warn,
		    (void *)(uintptr_t)n->name, &c->fc.store, err,
		    sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", n->name, err);
			return (-1);
		}
		/* The ike process has no store without CAs and CRLs. */
		if (cert_store_ncas(c->fc.store) == 0 &&
		    cert_store_ncrls(c->fc.store) == 0) {
			cert_store_free(c->fc.store);
			c->fc.store = NULL;
		}
	}
	return (0);
}

static void
free_certs(struct tf_node *n)
{
	size_t i;

	for (i = 0; i < n->nrcerts; i++) {
		cert_free(n->rcerts[i].fc.mine);
		cert_free(n->rcerts[i].fc.peer);
		cert_store_free(n->rcerts[i].fc.store);
		cert_key_free(n->rcerts[i].key);
	}
	n->nrcerts = 0;
}

int
tf_node(int idx, const char *name, const char *addr, const char *text)
{
	struct tf_node *n = &tf_nodes[idx];
	struct conf_msgs msgs;
	struct conf_msg *cm;
	int rc;

	memset(n, 0, sizeof(*n));
	n->idx = idx;
	n->name = name;
	n->next_spi = 0x1000 * (uint32_t)(idx + 1) + 0x100000;
	if (sad_addr_parse(&n->addr, addr) != 0)
		return (-1);
	n->addr.plen = (uint8_t)sad_addr_bits(&n->addr);
	TAILQ_INIT(&msgs);
	rc = conf_load_buffer(text, strlen(text), "test.conf", NULL, &n->cfg,
	    &msgs);
	TAILQ_FOREACH(cm, &msgs, entry)
		if (!cm->warning || tf.verbose)
			fprintf(stderr, "%s: %s\n", name, cm->text);
	conf_msgs_free(&msgs);
	if (rc != 0 || load_certs(n) != 0)
		return (-1);
	tf.cur = idx;
	ikev1_engine_set(NULL);
	ike_init();
	n->eng = ikev1_engine_get();
	ike_config(n->cfg, NULL);
	return (0);
}

void
tf_psk(int idx, const char *id, const char *key)
{
	struct tf_node *n = &tf_nodes[idx];

	(void)strlcpy(n->psk[n->npsk].id, id, sizeof(n->psk[0].id));
	n->psk[n->npsk].keylen = strlen(key);
	memcpy(n->psk[n->npsk].key, key, strlen(key));
	n->npsk++;
}

static void
drain(void)
{
	struct op *o;
	struct qd *q;
	struct timer *t;

	while ((o = TAILQ_FIRST(&tf.ops)) != NULL) {
		TAILQ_REMOVE(&tf.ops, o, entry);
		free(o);
	}
	while ((q = TAILQ_FIRST(&tf.net)) != NULL) {
		TAILQ_REMOVE(&tf.net, q, entry);
		free(q->data);
		free(q);
	}
	while ((t = TAILQ_FIRST(&tf.timers)) != NULL) {
		TAILQ_REMOVE(&tf.timers, t, entry);
		t->armed = false;
	}
}

void
tf_teardown(void)
{
	size_t i, j;

	for (i = 0; i < TF_NODES; i++) {
		struct tf_node *n = &tf_nodes[i];

		if (n->eng != NULL) {
			tf_use((int)i);
			ike_shutdown();
			n->eng = NULL;
		}
		drain();
		free_certs(n);
		if (n->cfg != NULL)
			conf_free(n->cfg);
		for (j = 0; j < n->nlog; j++)
			free(n->log[j]);
		explicit_bzero(n, sizeof(*n));
	}
	drain();
	ikev1_engine_set(NULL);
}

const struct rcn_config *
frame_conf(void)
{
	return (cur()->cfg);
}

static struct op *
op_new(enum op_kind kind, void *arg)
{
	struct op *o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		abort();
	o->node = tf.cur;
	o->kind = kind;
	o->arg = arg;
	TAILQ_INSERT_TAIL(&tf.ops, o, entry);
	return (o);
}

void
frame_cancel(void *arg)
{
	struct op *o, *n;

	TAILQ_FOREACH_SAFE(o, &tf.ops, entry, n)
		if (o->node == tf.cur && o->arg == arg) {
			TAILQ_REMOVE(&tf.ops, o, entry);
			free(o);
		}
}

/* ------------------------------------------------------------ network */

static int
node_of(const struct sad_addr *a, bool *via_nat)
{
	int i;

	for (i = 0; i < TF_NODES; i++) {
		if (tf_nodes[i].eng == NULL)
			continue;
		if (tf_nodes[i].natted &&
		    sad_addr_cmp(&tf_nodes[i].nat_addr, a) == 0) {
			*via_nat = true;
			return (i);
		}
		if (sad_addr_cmp(&tf_nodes[i].addr, a) == 0) {
			*via_nat = false;
			return (i);
		}
	}
	return (-1);
}

static void
deliver(int from, const struct ike_endpoint *sep, const uint8_t *data,
    size_t len)
{
	struct tf_dgram *d;
	struct qd *q;
	bool vianat = false;
	int to, act = TF_DELIVER, k;

	if ((to = node_of(&sep->remote, &vianat)) < 0)
		return;
	if (tf.ndg % 64 == 0 &&
	    (tf.dg = reallocarray(tf.dg, tf.ndg + 64, sizeof(*d))) == NULL)
		abort();
	d = &tf.dg[tf.ndg++];
	memset(d, 0, sizeof(*d));
	d->from = from;
	d->to = to;
	d->natt = sep->natt;
	d->len = len < TF_MAXDGRAM ? len : TF_MAXDGRAM;
	memcpy(d->data, data, d->len);
	if (tf.tamper != NULL)
		act = tf.tamper(d, tf.targ);
	if (act == TF_DROP)
		return;
	for (k = 0; k < (act == TF_TWICE ? 2 : 1); k++) {
		if ((q = calloc(1, sizeof(*q))) == NULL ||
		    (q->data = malloc(d->len)) == NULL)
			abort();
		q->to = to;
		q->len = d->len;
		memcpy(q->data, d->data, d->len);
		q->ep.sock = sep->natt ? 2 : 1;
		q->ep.natt = sep->natt;
		q->ep.local = tf_nodes[to].addr;
		q->ep.local.port = vianat ? (uint16_t)(sep->remote.port -
		    40000) : sep->remote.port;
		q->ep.remote = sep->local;
		if (tf_nodes[from].natted) {
			q->ep.remote = tf_nodes[from].nat_addr;
			q->ep.remote.port = (uint16_t)(sep->local.port + 40000);
		}
		TAILQ_INSERT_TAIL(&tf.net, q, entry);
	}
}

int
frame_send(const struct ike_endpoint *ep, const void *msg, size_t len)
{
	if (len > TF_MAXDGRAM)
		return (EMSGSIZE);
	deliver(tf.cur, ep, msg, len);
	return (0);
}

void
tf_inject(int from, int to, const uint8_t *data, size_t len, bool natt)
{
	struct ike_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.natt = natt;
	ep.local = tf_nodes[from].addr;
	ep.local.port = natt ? 4500 : 500;
	ep.remote = tf_nodes[to].addr;
	ep.remote.port = natt ? 4500 : 500;
	deliver(from, &ep, data, len);
}

uint16_t
frame_natt_port(void)
{
	return (4500);
}

/*
 * A NAT-keepalive is recorded (one byte, natt) but not delivered: the
 * real frame drops them before the engine (RFC 3948 2.3).
 */
int
frame_send_keepalive(const struct ike_endpoint *ep)
{
	struct tf_dgram *d;
	bool vianat;
	int to;

	if (!ep->natt)
		return (EINVAL);
	if ((to = node_of(&ep->remote, &vianat)) < 0)
		return (EHOSTUNREACH);
	if (tf.ndg % 64 == 0 &&
	    (tf.dg = reallocarray(tf.dg, tf.ndg + 64, sizeof(*d))) == NULL)
		abort();
	d = &tf.dg[tf.ndg++];
	memset(d, 0, sizeof(*d));
	d->from = tf.cur;
	d->to = to;
	d->natt = true;
	d->len = 1;
	d->data[0] = 0xff;
	return (0);
}

int
frame_endpoint(const struct sad_addr *local, const struct sad_addr *remote,
    bool natt, struct ike_endpoint *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->sock = natt ? 2 : 1;
	ep->natt = natt;
	ep->local = local->af != AF_UNSPEC ? *local : cur()->addr;
	ep->local.port = natt ? 4500 : 500;
	ep->remote = *remote;
	return (0);
}

void
tf_set_tamper(tf_tamper_fn fn, void *arg)
{
	tf.tamper = fn;
	tf.targ = arg;
}

size_t
tf_ndgrams(void)
{
	return (tf.ndg);
}

const struct tf_dgram *
tf_dgram(size_t i)
{
	return (i < tf.ndg ? &tf.dg[i] : NULL);
}

/* ----------------------------------------------------------- services */

int
frame_getspi(const struct frame_getspi *g, frame_spi_cb cb, void *arg)
{
	struct op *o = op_new(OP_SPI, arg);

	o->cb.spi = cb;
	o->error = cur()->getspi_error;
	o->value = cur()->next_spi++;
	return (0);
}

int
frame_sa_install(const struct frame_sa *s, frame_result_cb cb, void *arg)
{
	struct tf_node *n = cur();
	struct tf_sa *t;
	struct op *o;

	if (n->nsas >= TF_MAXSA || s->ekeylen > PS_KEY_MAX ||
	    s->akeylen > PS_KEY_MAX)
		return (ENOBUFS);
	t = &n->sas[n->nsas++];
	memset(t, 0, sizeof(*t));
	t->s = *s;
	memcpy(t->ekey, s->ekey, s->ekeylen);
	memcpy(t->akey, s->akey, s->akeylen);
	t->s.ekey = t->ekey;
	t->s.akey = t->akey;
	o = op_new(OP_RESULT, arg);
	o->cb.result = cb;
	return (0);
}

int
frame_sa_delete(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst, frame_result_cb cb, void *arg)
{
	struct tf_node *n = cur();
	struct op *o;
	size_t i;

	n->sa_deletes++;
	for (i = 0; i < n->nsas; i++)
		if (n->sas[i].s.spi == spi && n->sas[i].s.satype == satype &&
		    sad_addr_cmp(&n->sas[i].s.dst, dst) == 0)
			n->sas[i].deleted = true;
	o = op_new(OP_RESULT, arg);
	o->cb.result = cb;
	return (0);
}

int
frame_delete_peer(const struct sad_addr *local, const struct sad_addr *peer,
    frame_result_cb cb, void *arg)
{
	struct tf_node *n = cur();
	struct op *o;
	size_t i;

	n->delete_peer++;
	for (i = 0; i < n->nsas; i++)
		if (sad_addr_cmp(&n->sas[i].s.dst, peer) == 0 ||
		    sad_addr_cmp(&n->sas[i].s.src, peer) == 0)
			n->sas[i].deleted = true;
	o = op_new(OP_RESULT, arg);
	o->cb.result = cb;
	return (0);
}

int
frame_spd_add(const struct frame_spd *p, frame_result_cb cb, void *arg)
{
	struct tf_node *n = cur();
	struct op *o;

	if (n->nspds < TF_MAXSPD)
		n->spds[n->nspds++] = *p;
	o = op_new(OP_RESULT, arg);
	o->cb.result = cb;
	return (0);
}

int
frame_spd_delete(uint8_t dir, const struct sad_addr *sel_src,
    const struct sad_addr *sel_dst, uint8_t ulproto, frame_result_cb cb,
    void *arg)
{
	struct tf_node *n = cur();
	struct op *o;

	if (n->spd_deletes < TF_MAXSPD)
		n->spd_del_dir[n->spd_deletes] = dir;
	n->spd_deletes++;
	o = op_new(OP_RESULT, arg);
	o->cb.result = cb;
	return (0);
}

void
frame_acquire_failed(uint32_t seq, uint8_t satype, int error)
{
	cur()->acquire_failed++;
	cur()->last_failed_seq = seq;
}

void
frame_event(uint16_t type, const struct sad_addr *local,
    const struct sad_addr *remote, uint8_t satype, uint32_t spi,
    const char *text)
{
	struct tf_node *n = cur();

	if (n->nevents < TF_MAXEVT)
		n->events[n->nevents++] = type;
}

int
frame_psk_prf(uint8_t prf, uint8_t idtype, const char *identity,
    const void *data, size_t len, frame_prf_cb cb, void *arg)
{
	struct tf_node *n = cur();
	struct ike_prf *p;
	struct op *o = op_new(OP_PRF, arg);
	size_t i;
	int r;

	o->cb.prf = cb;
	for (i = 0; i < n->npsk; i++)
		if (strcasecmp(n->psk[i].id, identity) == 0)
			break;
	if (i == n->npsk) {
		o->error = ENOENT;
		return (0);
	}
	if ((p = ike_prf_new(prf)) == NULL) {
		o->error = EOPNOTSUPP;
		return (0);
	}
	r = ike_prf(p, n->psk[i].key, n->psk[i].keylen, data, len, o->out,
	    sizeof(o->out));
	ike_prf_free(p);
	if (r <= 0)
		o->error = EIO;
	else
		o->outlen = (size_t)r;
	return (0);
}

static struct tf_rcert *
rcert(const char *remote)
{
	struct tf_node *n = cur();
	size_t i;

	for (i = 0; i < n->nrcerts; i++)
		if (strcmp(n->rcerts[i].name, remote) == 0)
			return (&n->rcerts[i]);
	return (NULL);
}

const struct frame_certs *
frame_certs(const char *remote)
{
	struct tf_rcert *c = rcert(remote);

	return (c != NULL ? &c->fc : NULL);
}

/* As the ca process signs (ca.c): the method of the key's type. */
int
frame_sign(const char *remote, const void *hash, size_t len,
    frame_sign_cb cb, void *arg)
{
	struct tf_node *n = cur();
	struct tf_rcert *c = rcert(remote);
	struct op *o;
	ssize_t r;
	int method;

	n->signs++;
	o = op_new(OP_SIGN, arg);
	o->cb.sign = cb;
	if (n->sign_error != 0) {
		o->error = n->sign_error;
		return (0);
	}
	if (c == NULL || c->key == NULL) {
		o->error = ENOENT;
		return (0);
	}
	switch (cert_key_keytype(c->key)) {
	case CERT_KEY_RSA:
		method = CERT_AUTH_RSASIG;
		break;
	case CERT_KEY_ECDSA_P256:
		method = CERT_AUTH_ECDSA_256;
		break;
	case CERT_KEY_ECDSA_P384:
		method = CERT_AUTH_ECDSA_384;
		break;
	default:
		method = CERT_AUTH_ECDSA_521;
		break;
	}
	r = cert_key_sign(c->key, method, hash, len, o->out, sizeof(o->out));
	if (r <= 0) {
		o->error = EIO;
		return (0);
	}
	o->outlen = (size_t)r;
	if (n->sign_corrupt)
		o->out[o->outlen / 2] ^= 0x01;
	return (0);
}

/* -------------------------------------------------------------- timers */

uint64_t
mono_ms(void)
{
	return (tf.now);
}

uint64_t
tf_now(void)
{
	return (tf.now);
}

void
timer_init(struct timer *t, timer_cb cb, void *arg, const char *what)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
	(void)strlcpy(t->what, what, sizeof(t->what));
}

void
timer_set(struct timer *t, uint64_t ms)
{
	struct timer *o;

	if (t->armed)
		TAILQ_REMOVE(&tf.timers, t, entry);
	t->due = tf.now + ms;
	t->id = (uint32_t)tf.cur;
	t->armed = true;
	TAILQ_FOREACH(o, &tf.timers, entry)
		if (o->due > t->due) {
			TAILQ_INSERT_BEFORE(o, t, entry);
			return;
		}
	TAILQ_INSERT_TAIL(&tf.timers, t, entry);
}

void
timer_del(struct timer *t)
{
	if (t->armed)
		TAILQ_REMOVE(&tf.timers, t, entry);
	t->armed = false;
}

bool
timer_pending(const struct timer *t)
{
	return (t->armed);
}

/* ---------------------------------------------------------------- pump */

void
tf_run(void)
{
	struct ike_packet p;
	struct op *o;
	struct qd *q;
	int guard = 0;

	for (;;) {
		if (++guard > 100000)
			abort();
		if ((o = TAILQ_FIRST(&tf.ops)) != NULL) {
			TAILQ_REMOVE(&tf.ops, o, entry);
			tf_use(o->node);
			switch (o->kind) {
			case OP_SPI:
				o->cb.spi(o->arg, o->error, o->value);
				break;
			case OP_RESULT:
				o->cb.result(o->arg, o->error, 0, "");
				break;
			case OP_PRF:
				o->cb.prf(o->arg, o->error, o->error == 0 ?
				    o->out : NULL, o->outlen);
				break;
			case OP_SIGN:
				o->cb.sign(o->arg, o->error, o->error == 0 ?
				    o->out : NULL, o->outlen);
				break;
			}
			explicit_bzero(o, sizeof(*o));
			free(o);
			continue;
		}
		if ((q = TAILQ_FIRST(&tf.net)) != NULL) {
			TAILQ_REMOVE(&tf.net, q, entry);
			if (tf_nodes[q->to].eng != NULL) {
				tf_use(q->to);
				memset(&p, 0, sizeof(p));
				p.data = q->data;
				p.len = q->len;
				p.ep = q->ep;
				ike_recv(&p);
			}
			free(q->data);
			free(q);
			continue;
		}
		break;
	}
}

void
tf_advance(uint64_t ms)
{
	uint64_t end = tf.now + ms;
	struct timer *t;

	tf_run();
	while ((t = TAILQ_FIRST(&tf.timers)) != NULL && t->due <= end) {
		TAILQ_REMOVE(&tf.timers, t, entry);
		t->armed = false;
		if (t->due > tf.now)
			tf.now = t->due;
		tf_use((int)t->id);
		t->cb(t->arg);
		tf_run();
	}
	tf.now = end;
}

/* ----------------------------------------------------------- queries */

bool
tf_logged(int idx, const char *s)
{
	size_t i;

	for (i = 0; i < tf_nodes[idx].nlog; i++)
		if (strstr(tf_nodes[idx].log[i], s) != NULL)
			return (true);
	return (false);
}

size_t
tf_live_sas(int idx)
{
	size_t i, n = 0;

	for (i = 0; i < tf_nodes[idx].nsas; i++)
		if (!tf_nodes[idx].sas[i].deleted)
			n++;
	return (n);
}

const struct tf_sa *
tf_sa_find(int idx, uint32_t spi)
{
	size_t i;

	for (i = 0; i < tf_nodes[idx].nsas; i++)
		if (tf_nodes[idx].sas[i].s.spi == spi)
			return (&tf_nodes[idx].sas[i]);
	return (NULL);
}

bool
tf_event_seen(int idx, uint16_t type)
{
	size_t i;

	for (i = 0; i < tf_nodes[idx].nevents; i++)
		if (tf_nodes[idx].events[i] == type)
			return (true);
	return (false);
}

const struct ikev1_stats *
tf_stats(int idx)
{
	return (&tf_nodes[idx].eng->x);
}

size_t
tf_p1_count(int idx, enum p1_state st)
{
	struct p1 *p1;
	size_t n = 0;

	TAILQ_FOREACH(p1, &tf_nodes[idx].eng->p1s, entry)
		if (p1->state == st)
			n++;
	return (n);
}

/* ---------------------------------------------------------------- logs */

static void
vlog(const char *lvl, const char *fmt, va_list ap)
{
	struct tf_node *n = cur();
	char buf[512];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (tf.verbose)
		fprintf(stderr, "[%llu %s] %s: %s\n",
		    (unsigned long long)tf.now, n->name != NULL ? n->name :
		    "?", lvl, buf);
	if (n->nlog < TF_LOGLINES)
		n->log[n->nlog++] = strdup(buf);
}

#define LOGFN(name, lvl)						\
void									\
name(const char *fmt, ...)						\
{									\
	va_list ap;							\
									\
	va_start(ap, fmt);						\
	vlog(lvl, fmt, ap);						\
	va_end(ap);							\
}

LOGFN(log_warn, "warn")
LOGFN(log_warnx, "warn")
LOGFN(log_info, "info")
LOGFN(log_debug, "debug")
LOGFN(log_debug2, "debug2")

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	abort();
}

const char *
log_addr(const struct sad_addr *a, char *buf, size_t sz)
{
	char t[64];

	if (sad_addr_ntop(a, t, sizeof(t)) == NULL)
		(void)strlcpy(t, "?", sizeof(t));
	if (a->port != 0)
		(void)snprintf(buf, sz, "%s[%u]", t, a->port);
	else
		(void)snprintf(buf, sz, "%s", t);
	return (buf);
}
