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
 * The parent's PF_KEY glue: the only code of racoon-ng that speaks to the
 * SADB, through libpfkey's one transport API, so that the kernel's PF_KEY
 * (FreeBSD), Linux XFRM and sadbd behave the same to it.
 *
 * racoon's model: REGISTER for ESP and AH, so the kernel sends ACQUIRE
 * (a packet met an ipsec policy without an SA) and EXPIRE; answer an
 * ACQUIRE by negotiating, then GETSPI (a larval inbound SA) and UPDATE it
 * with the keys, and ADD the outbound SA, both with the policy's reqid
 * and mode.  The SPD is mirrored here (X_SPDDUMP at start, then the
 * X_SPD* broadcasts), so an ACQUIRE's policy is found by its id with its
 * selectors, and X_SPDGET asks the kernel when the mirror lacks it.
 *
 * Every message from the kernel is decoded (validated) before use; a bad
 * one is logged at debug level and dropped.  Requests wait for their
 * reply (libpfkey matches type, seq and pid and queues the rest), and
 * what the waiting queued is handled by kern_dispatch() afterwards.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "racoon-ng.h"
#include "conf.h"

#define KERN_DUMP_MAX	100000		/* SAs a dump is read for */

static struct {
	struct pfkey_xport	*x;
	enum pfkey_dialect	 dialect;
	enum pfkey_xport_kind	 kind;
	struct spd		*spd;		/* mirror of the kernel's */
	uint64_t		 msgbuf[PFKEY_MSG_MAXLEN / 8];
} kern;

static int
kwhy(char *buf, size_t sz, int err, const char *fmt, ...)
    __attribute__((__format__(printf, 4, 5)));

static int
kwhy(char *buf, size_t sz, int err, const char *fmt, ...)
{
	va_list ap;

	if (buf != NULL && sz > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(buf, sz, fmt, ap);
		va_end(ap);
	}
	return (err);
}

/* A transport error as an errno value. */
static int
perr(int rc)
{
	switch (rc) {
	case PFKEY_ERR_TIMEOUT:
		return (ETIMEDOUT);
	case PFKEY_ERR_NOMEM:
		return (ENOMEM);
	case PFKEY_ERR_SYSTEM:
		return (errno != 0 ? errno : EIO);
	case PFKEY_ERR_EOF:
		return (EPIPE);
	default:
		return (EINVAL);
	}
}

/* The reply's errno, with the kernel's words when it has some. */
static int
reply_errno(const void *reply, size_t len, char *why, size_t whysz,
    const char *what)
{
	const struct sadb_msg *h = reply;
	const char *em;

	if (len < PFKEY_HDRLEN)
		return (kwhy(why, whysz, EIO, "%s: short reply", what));
	if (h->sadb_msg_errno == 0)
		return (0);
	em = pfkey_xport_errmsg(kern.x);
	return (kwhy(why, whysz, h->sadb_msg_errno, "%s: %s%s%s%s", what,
	    strerror(h->sadb_msg_errno), em != NULL ? " (" : "",
	    em != NULL ? em : "", em != NULL ? ")" : ""));
}

/* Send a built message and wait for its reply. */
static int
request(struct pfkey_buf *b, const void **reply, size_t *rlen, char *why,
    size_t whysz, const char *what)
{
	const void *msg;
	size_t len;
	int rc;

	if ((rc = pfkey_buf_finish(b, &msg, &len)) != 0)
		return (kwhy(why, whysz, EINVAL, "%s: %s", what,
		    pfkey_strerror(rc)));
	if ((rc = pfkey_request(kern.x, msg, len, reply, rlen, 0)) != 0)
		return (kwhy(why, whysz, perr(rc), "%s: %s", what,
		    pfkey_strerror(rc)));
	return (reply_errno(*reply, *rlen, why, whysz, what));
}

/* A decoded copy of a received message in kern.msgbuf. */
static int
decode(const void *msg, size_t len, struct pfkey_msg *m)
{
	char e[256];
	int rc;

	if (len > sizeof(kern.msgbuf))
		return (-1);
	memcpy(kern.msgbuf, msg, len);
	rc = pfkey_decode(kern.msgbuf, len, kern.dialect,
	    PFKEY_DEC_FROM_KERNEL | PFKEY_DEC_SKIP_UNKNOWN, m);
	if (rc != 0) {
		(void)pfkey_decode_error(m, rc, e, sizeof(e));
		log_debug("%s: dropped a message from the kernel: %s",
		    __func__, e);
		return (-1);
	}
	return (0);
}

static int
addr_of(const struct pfkey_msg *m, int ext, struct sad_addr *a,
    uint8_t *proto)
{
	struct sockaddr_storage ss;
	uint8_t plen;

	memset(a, 0, sizeof(*a));
	if (pfkey_get_address(m, ext, &ss, &plen, proto) != 0)
		return (-1);
	return (sad_addr_from_sockaddr(a, (struct sockaddr *)&ss,
	    plen) == 0 ? 0 : -1);
}

/* ------------------------------------------------------------- open */

static int
spd_sync(char *why, size_t whysz)
{
	struct pfkey_buf b;
	struct pfkey_msg m;
	struct spd_entry e;
	const struct sadb_msg *h;
	const void *reply;
	size_t rlen;
	int rc, n = 0;

	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_X_SPDDUMP, 0,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "X_SPDDUMP: no memory"));
	rc = request(&b, &reply, &rlen, why, whysz, "X_SPDDUMP");
	pfkey_buf_free(&b);
	if (rc == ENOENT)
		return (0);
	if (rc != 0)
		return (rc);
	for (;;) {
		h = reply;
		if (h->sadb_msg_errno == 0 && decode(reply, rlen, &m) == 0 &&
		    spd_from_pfkey(&m, &e) == 0) {
			(void)spd_insert(kern.spd, &e, true, NULL);
			spd_entry_clear(&e);
			n++;
		}
		if (h->sadb_msg_seq == 0 || n > KERN_DUMP_MAX)
			break;
		if ((rc = pfkey_request_next(kern.x, PFKEY_MSG_X_SPDDUMP,
		    &reply, &rlen, 0)) != 0)
			return (kwhy(why, whysz, perr(rc), "X_SPDDUMP: %s",
			    pfkey_strerror(rc)));
	}
	log_debug("%s: %d policies in the SPD", __func__, n);
	return (0);
}

static int
do_register(uint8_t satype, char *why, size_t whysz)
{
	struct pfkey_buf b;
	const void *reply;
	size_t rlen;
	int rc;

	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_REGISTER, satype,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "REGISTER: no memory"));
	rc = request(&b, &reply, &rlen, why, whysz, "REGISTER");
	pfkey_buf_free(&b);
	return (rc);
}

int
kern_open(const char *spec, char *why, size_t whysz)
{
	enum pfkey_xport_kind kind = PFKEY_XPORT_AUTO;
	char path[256] = "";
	int rc;

	if (spec != NULL && pfkey_xport_parse(spec, &kind, path,
	    sizeof(path)) != 0)
		return (kwhy(why, whysz, EINVAL, "transport %s: use pfkey, "
		    "xfrm or sadbd[:PATH]", spec));
	kern.x = pfkey_xport_open(kind, path[0] != '\0' ? path : NULL, NULL,
	    &rc);
	if (kern.x == NULL) {
		if (rc == PFKEY_ERR_NOTSUP)
			return (kwhy(why, whysz, EAFNOSUPPORT, "transport %s: "
			    "not available on this system (no PF_KEY%s); "
			    "-B sadbd[:PATH] uses the userspace SADB",
			    spec != NULL ? spec : "auto",
#if defined(__linux__)
			    " socket and no XFRM netlink"
#else
			    " socket"
#endif
			    ));
		if (rc == PFKEY_ERR_SYSTEM && kind == PFKEY_XPORT_SADBD)
			return (kwhy(why, whysz, errno, "cannot reach sadbd at "
			    "%s: %s", path[0] != '\0' ? path :
			    getenv("SADBD_SOCKET") != NULL ?
			    getenv("SADBD_SOCKET") : PFKEY_SADBD_SOCKET,
			    strerror(errno)));
		return (kwhy(why, whysz, perr(rc), "transport %s: %s%s%s",
		    spec != NULL ? spec : "auto", pfkey_strerror(rc),
		    rc == PFKEY_ERR_SYSTEM ? ": " : "",
		    rc == PFKEY_ERR_SYSTEM ? strerror(errno) : ""));
	}
	kern.kind = pfkey_xport_kind(kern.x);
	kern.dialect = pfkey_xport_dialect(kern.x);
	if ((kern.spd = spd_new()) == NULL) {
		kern_close();
		return (kwhy(why, whysz, ENOMEM, "no memory"));
	}
	if ((rc = do_register(PFKEY_SATYPE_ESP, why, whysz)) != 0 ||
	    (rc = do_register(PFKEY_SATYPE_AH, why, whysz)) != 0 ||
	    (rc = spd_sync(why, whysz)) != 0) {
		kern_close();
		return (rc);
	}
	log_info("transport %s (%s dialect)", pfkey_xport_kind_name(kern.kind),
	    pfkey_dialect_name(kern.dialect));
	return (0);
}

/*
 * Linux af_key's limits, as setkey(8) states them: it cannot carry AEAD
 * (ENOSYS at the first ADD, after the peer installed its SAs) nor ESN
 * (the flag is dropped), and it truncates HMAC-SHA2-256 to 96 bits where
 * RFC 4868 and every current peer use 128 (each packet dropped on the
 * other side).  A configuration that asks for the first two is refused
 * with the sainfo's place; the third is warned about, for peers as old as
 * af_key itself.  PFKEYKIT_TEST_AFKEY=1 makes any transport count as
 * af_key, for the tests (setkey's hook; not an interface).
 */
int
kern_conf_check(const struct rcn_config *cfg, char *why, size_t whysz)
{
	const struct rcn_sainfo *si;
	const char *t;
	unsigned i;

	t = getenv("PFKEYKIT_TEST_AFKEY");
	if (!(t != NULL && strcmp(t, "1") == 0) &&
	    !(kern.kind == PFKEY_XPORT_KERNEL &&
	    pfkey_dialect_resolve(kern.dialect) == PFKEY_DIALECT_LINUX))
		return (0);
	TAILQ_FOREACH(si, &cfg->sainfos, entry) {
		for (i = 0; i < si->nenc; i++)
			if (conf_p2_enc_is_aead(si->enc[i].id))
				return (kwhy(why, whysz, EINVAL, "%s:%u:%u: "
				    "sainfo: Linux af_key cannot carry AEAD "
				    "(AES-GCM); use -B xfrm", si->where.file,
				    si->where.line, si->where.col));
		if (si->esn)
			return (kwhy(why, whysz, EINVAL, "%s:%u:%u: sainfo: "
			    "Linux af_key cannot carry extended sequence "
			    "numbers (esn on); use -B xfrm", si->where.file,
			    si->where.line, si->where.col));
		for (i = 0; i < si->nauth; i++)
			if (si->auth[i] == RCN_P2_AUTH_HMAC_SHA256) {
				log_warnx("%s:%u:%u: sainfo: Linux af_key "
				    "truncates hmac_sha256 to a 96-bit ICV; "
				    "peers that use RFC 4868's 128 bits drop "
				    "every packet; use -B xfrm for 128",
				    si->where.file, si->where.line,
				    si->where.col);
				break;
			}
	}
	return (0);
}

void
kern_close(void)
{
	if (kern.x != NULL)
		pfkey_xport_close(kern.x);
	kern.x = NULL;
	if (kern.spd != NULL)
		spd_free(kern.spd);
	kern.spd = NULL;
	explicit_bzero(kern.msgbuf, sizeof(kern.msgbuf));
}

int
kern_fd(void)
{
	return (kern.x != NULL ? pfkey_xport_fd(kern.x) : -1);
}

enum pfkey_xport_kind
kern_kind(void)
{
	return (kern.kind);
}

enum pfkey_dialect
kern_dialect(void)
{
	return (kern.dialect);
}

const char *
kern_name(void)
{
	return (pfkey_xport_kind_name(kern.kind));
}

const struct spd *
kern_spd(void)
{
	return (kern.spd);
}

bool
kern_pending(void)
{
	return (kern.x != NULL && pfkey_xport_pending(kern.x) > 0);
}

/* --------------------------------------------------------- policies */

/* Ask the kernel for policy `id' and keep it in the mirror. */
static struct spd_entry *
spd_get(uint32_t id)
{
	struct pfkey_buf b;
	struct pfkey_policy pol;
	struct pfkey_msg m;
	struct spd_entry e, *out = NULL;
	const void *reply;
	size_t rlen;
	char why[256];

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.id = id;
	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_X_SPDGET, 0,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (NULL);
	(void)pfkey_put_policy(&b, &pol);
	if (request(&b, &reply, &rlen, why, sizeof(why), "X_SPDGET") != 0) {
		log_debug("%s: policy %u: %s", __func__, id, why);
		pfkey_buf_free(&b);
		return (NULL);
	}
	pfkey_buf_free(&b);
	if (decode(reply, rlen, &m) != 0 || spd_from_pfkey(&m, &e) != 0)
		return (NULL);
	(void)spd_insert(kern.spd, &e, true, &out);
	spd_entry_clear(&e);
	return (out);
}

static void
spd_mirror(const struct pfkey_msg *m)
{
	struct spd_entry e, *old;
	uint8_t type = m->hdr->sadb_msg_type;

	if (m->hdr->sadb_msg_errno != 0)
		return;
	if (type == PFKEY_MSG_X_SPDFLUSH) {
		(void)spd_flush(kern.spd);
		return;
	}
	if (spd_from_pfkey(m, &e) != 0)
		return;
	switch (type) {
	case PFKEY_MSG_X_SPDADD:
	case PFKEY_MSG_X_SPDUPDATE:
	case PFKEY_MSG_X_SPDSETIDX:
		(void)spd_insert(kern.spd, &e, true, NULL);
		break;
	case PFKEY_MSG_X_SPDDELETE:
	case PFKEY_MSG_X_SPDDELETE2:
	case PFKEY_MSG_X_SPDEXPIRE:
		old = (e.has & SPD_HAS_ID) && e.id != 0 ?
		    spd_lookup_id(kern.spd, e.id) : NULL;
		if (old == NULL)
			old = spd_lookup_sel(kern.spd, e.dir, &e.sel);
		if (old != NULL)
			spd_delete(kern.spd, old);
		break;
	}
	spd_entry_clear(&e);
}

/* ---------------------------------------------------------- ACQUIRE */

static void
on_acquire(const struct pfkey_msg *m)
{
	struct kern_acquire a;
	struct pfkey_policy pol;
	struct spd_entry *sp = NULL;
	const struct spd_request *rq = NULL;
	int proto;
	unsigned i;
	char b1[80], b2[80];

	if (m->hdr->sadb_msg_errno != 0)
		return;
	memset(&a, 0, sizeof(a));
	a.seq = m->hdr->sadb_msg_seq;
	a.satype = m->hdr->sadb_msg_satype;
	if (addr_of(m, PFKEY_EXT_ADDRESS_SRC, &a.src, NULL) != 0 ||
	    addr_of(m, PFKEY_EXT_ADDRESS_DST, &a.dst, NULL) != 0) {
		log_debug("%s: ACQUIRE without addresses", __func__);
		return;
	}
	a.src.port = a.dst.port = 0;
	proto = pfkey_satype_to_ipproto(a.satype);
	if (pfkey_get_policy(m, &pol) == 0) {
		a.spid = pol.id;
		a.dir = pol.dir;
		for (i = 0; i < pol.nreq; i++)
			if (pol.req[i].proto == proto) {
				a.reqid = pol.req[i].reqid;
				a.mode = pol.req[i].mode;
				a.level = pol.req[i].level;
				break;
			}
	}
	/* The selectors are the policy's: from the mirror, else X_SPDGET. */
	if (a.spid != 0 && (sp = spd_lookup_id(kern.spd, a.spid)) == NULL)
		sp = spd_get(a.spid);
	if (sp != NULL) {
		a.dir = sp->dir;
		a.sel_src = sp->sel.src;
		a.sel_dst = sp->sel.dst;
		a.ulproto = sp->sel.proto;
		for (i = 0; i < sp->nreq && i < SPD_MAXREQ; i++)
			if (sp->req[i].proto == proto) {
				rq = &sp->req[i];
				break;
			}
		if (rq != NULL) {
			a.reqid = rq->reqid;
			a.mode = rq->mode;
			a.level = rq->level;
		}
	} else {
		/* No policy known: the SA's own hosts. */
		a.sel_src = a.src;
		a.sel_dst = a.dst;
		a.sel_src.plen = (uint8_t)sad_addr_bits(&a.src);
		a.sel_dst.plen = (uint8_t)sad_addr_bits(&a.dst);
		a.ulproto = SPD_PROTO_ANY;
		if (a.dir == 0)
			a.dir = PFKEY_DIR_OUTBOUND;
		if (a.mode == 0)
			a.mode = PFKEY_MODE_TRANSPORT;
	}
	log_info("ACQUIRE seq %u: %s %s -> %s, policy %u, reqid %u, %s",
	    a.seq, pfkey_satype_name(a.satype),
	    log_addr(&a.src, b1, sizeof(b1)), log_addr(&a.dst, b2, sizeof(b2)),
	    a.spid, a.reqid, pfkey_mode_name(a.mode) != NULL ?
	    pfkey_mode_name(a.mode) : "?");
	parent_acquire(&a);
}

static void
on_expire(const struct pfkey_msg *m)
{
	struct sad_entry e;
	bool hard;

	if (m->hdr->sadb_msg_errno != 0 || sad_from_pfkey(m, &e) != 0)
		return;
	hard = m->ext[PFKEY_EXT_LIFETIME_HARD] != NULL;
	if ((e.has & SAD_HAS_SPI) && e.src.af != AF_UNSPEC)
		parent_expire(e.satype, e.spi, &e.src, &e.dst, hard,
		    (e.has & SAD_HAS_LT_CUR) ? e.cur.bytes : 0,
		    (e.has & SAD_HAS_LT_CUR) ? e.cur.addtime : 0);
	sad_entry_clear(&e);
}

static void
on_sa_change(const struct pfkey_msg *m)
{
	struct sad_entry e;
	bool ours = m->hdr->sadb_msg_pid == pfkey_xport_pid(kern.x);
	int type;

	if (m->hdr->sadb_msg_errno != 0 || sad_from_pfkey(m, &e) != 0)
		return;
	switch (m->hdr->sadb_msg_type) {
	case PFKEY_MSG_ADD:
	case PFKEY_MSG_UPDATE:
		type = PS_EVT_SA_ADDED;
		break;
	default:
		type = PS_EVT_SA_DELETED;
		break;
	}
	/* Keys are wiped with the entry; only names and numbers go on. */
	if (e.has & SAD_HAS_SPI)
		parent_sa_event(type, e.satype, e.spi, &e.src, &e.dst, ours);
	sad_entry_clear(&e);
}

static void
handle(const void *msg, size_t len)
{
	struct pfkey_msg m;

	if (decode(msg, len, &m) != 0)
		return;
	switch (m.hdr->sadb_msg_type) {
	case PFKEY_MSG_ACQUIRE:
		on_acquire(&m);
		break;
	case PFKEY_MSG_EXPIRE:
		on_expire(&m);
		break;
	case PFKEY_MSG_ADD:
	case PFKEY_MSG_UPDATE:
	case PFKEY_MSG_DELETE:
		on_sa_change(&m);
		break;
	case PFKEY_MSG_FLUSH:
		if (m.hdr->sadb_msg_errno == 0)
			parent_sa_event(PS_EVT_SADB_FLUSHED,
			    m.hdr->sadb_msg_satype, 0, NULL, NULL,
			    m.hdr->sadb_msg_pid == pfkey_xport_pid(kern.x));
		break;
	case PFKEY_MSG_X_SPDADD:
	case PFKEY_MSG_X_SPDUPDATE:
	case PFKEY_MSG_X_SPDSETIDX:
	case PFKEY_MSG_X_SPDDELETE:
	case PFKEY_MSG_X_SPDDELETE2:
	case PFKEY_MSG_X_SPDEXPIRE:
	case PFKEY_MSG_X_SPDFLUSH:
		spd_mirror(&m);
		break;
	default:
		log_debug2("%s: %s ignored", __func__,
		    pfkey_msgtype_name(m.hdr->sadb_msg_type) != NULL ?
		    pfkey_msgtype_name(m.hdr->sadb_msg_type) : "?");
		break;
	}
	explicit_bzero(kern.msgbuf, len);
}

void
kern_dispatch(void)
{
	const void *msg;
	size_t len;
	int rc, n;

	/* A bounded batch, so the other descriptors get their turn. */
	for (n = 0; n < 256; n++) {
		rc = pfkey_recv(kern.x, &msg, &len, 0);
		if (rc == PFKEY_ERR_TIMEOUT)
			return;
		if (rc == PFKEY_ERR_TRUNCATED) {
			log_warnx("%s: a message larger than the receive "
			    "buffer was dropped", __func__);
			continue;
		}
		if (rc == PFKEY_ERR_EOF) {
			loop_del(pfkey_xport_fd(kern.x));
			parent_lost("the SADB transport closed");
			return;
		}
		if (rc != 0) {
			log_warnx("%s: %s", __func__, pfkey_strerror(rc));
			return;
		}
		handle(msg, len);
	}
}

/* --------------------------------------------------------- requests */

static int
put_addrs(struct pfkey_buf *b, const struct sad_addr *src,
    const struct sad_addr *dst)
{
	struct sockaddr_storage s, d;
	struct sad_addr a = *src, z = *dst;

	a.port = z.port = 0;
	if (sad_addr_to_sockaddr(&a, &s) == 0 ||
	    sad_addr_to_sockaddr(&z, &d) == 0)
		return (-1);
	(void)pfkey_put_address(b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&s, 0xff, 0);
	return (pfkey_put_address(b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&d, 0xff, 0));
}

int
kern_getspi(uint8_t satype, const struct sad_addr *src,
    const struct sad_addr *dst, uint32_t min, uint32_t max, uint32_t reqid,
    uint32_t *spi, char *why, size_t whysz)
{
	struct pfkey_buf b;
	struct pfkey_msg m;
	const struct sadb_sa *sa;
	const void *reply;
	size_t rlen;
	int rc;

	*spi = 0;
	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_GETSPI, satype,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "GETSPI: no memory"));
	(void)pfkey_put_sa2(&b, PFKEY_MODE_ANY, 0, reqid);
	(void)put_addrs(&b, src, dst);
	(void)pfkey_put_spirange(&b, min, max);
	rc = request(&b, &reply, &rlen, why, whysz, "GETSPI");
	pfkey_buf_free(&b);
	if (rc != 0)
		return (rc);
	if (decode(reply, rlen, &m) != 0 ||
	    (sa = PFKEY_EXT(&m, PFKEY_EXT_SA, sadb_sa)) == NULL)
		return (kwhy(why, whysz, EIO, "GETSPI: malformed reply"));
	*spi = ntohl(sa->sadb_sa_spi);
	if (*spi < min || *spi > max)
		return (kwhy(why, whysz, EIO, "GETSPI: the kernel's SPI 0x%x "
		    "is outside 0x%x-0x%x", *spi, min, max));
	return (0);
}

int
kern_sa_add(const struct sad_entry *e, bool update, char *why, size_t whysz)
{
	struct pfkey_buf b;
	const void *reply;
	size_t rlen;
	int rc;
	const char *what = update ? "UPDATE" : "ADD";

	if (pfkey_buf_alloc(&b, kern.dialect, update ? PFKEY_MSG_UPDATE :
	    PFKEY_MSG_ADD, e->satype, pfkey_xport_seq(kern.x),
	    pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "%s: no memory", what));
	if ((rc = sad_to_pfkey(e, &b, SAD_PK_KEYS)) != 0) {
		pfkey_buf_free(&b);
		return (kwhy(why, whysz, EINVAL, "%s: %s", what,
		    sad_strerror(rc)));
	}
	rc = request(&b, &reply, &rlen, why, whysz, what);
	/* The message held keys: wiped with the buffer. */
	pfkey_buf_free(&b);
	return (rc);
}

int
kern_sa_delete(uint8_t satype, uint32_t spi, const struct sad_addr *src,
    const struct sad_addr *dst, char *why, size_t whysz)
{
	struct pfkey_buf b;
	struct pfkey_sa_args sa;
	const void *reply;
	size_t rlen;
	int rc;

	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_DELETE, satype,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "DELETE: no memory"));
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(spi);
	(void)pfkey_put_sa(&b, &sa);
	(void)put_addrs(&b, src, dst);
	rc = request(&b, &reply, &rlen, why, whysz, "DELETE");
	pfkey_buf_free(&b);
	return (rc);
}

/* One SA of a dump, as far as a deletion needs it. */
struct sa_ref {
	uint8_t		satype;
	uint32_t	spi;
	struct sad_addr	src;
	struct sad_addr	dst;
};

struct between {
	const struct sad_addr	*a;
	const struct sad_addr	*b;
	struct sa_ref		*refs;
	size_t			 n;
	size_t			 cap;
};

static void
collect(const void *msg, size_t len, void *arg)
{
	struct between *bw = arg;
	struct pfkey_msg m;
	struct sad_entry e;
	struct sa_ref *r;
	bool hit;

	if (decode(msg, len, &m) != 0 || sad_from_pfkey(&m, &e) != 0)
		return;
	hit = (sad_addr_cmp(&e.src, bw->a) == 0 &&
	    sad_addr_cmp(&e.dst, bw->b) == 0) ||
	    (sad_addr_cmp(&e.src, bw->b) == 0 &&
	    sad_addr_cmp(&e.dst, bw->a) == 0);
	if (hit && (e.has & SAD_HAS_SPI) && bw->n < KERN_DUMP_MAX) {
		if (bw->n == bw->cap) {
			r = reallocarray(bw->refs, bw->cap ? bw->cap * 2 : 16,
			    sizeof(*r));
			if (r == NULL)
				goto out;
			bw->refs = r;
			bw->cap = bw->cap ? bw->cap * 2 : 16;
		}
		r = &bw->refs[bw->n++];
		r->satype = e.satype;
		r->spi = e.spi;
		r->src = e.src;
		r->dst = e.dst;
	}
out:
	sad_entry_clear(&e);
}

int
kern_delete_between(uint8_t satype, const struct sad_addr *a,
    const struct sad_addr *b, bool tell_ike, uint32_t *count, char *why,
    size_t whysz)
{
	static const uint8_t both[] = { PFKEY_SATYPE_ESP, PFKEY_SATYPE_AH };
	uint8_t types[2];
	size_t ntypes;
	struct between bw;
	size_t i, t;
	int rc, first = 0;
	char w[256];

	*count = 0;
	if (satype == 0) {
		memcpy(types, both, sizeof(types));
		ntypes = 2;
	} else {
		types[0] = satype;
		ntypes = 1;
	}
	memset(&bw, 0, sizeof(bw));
	bw.a = a;
	bw.b = b;
	for (t = 0; t < ntypes; t++) {
		rc = kern_dump(types[t], collect, &bw, why, whysz);
		if (rc != 0 && rc != ENOENT) {
			free(bw.refs);
			return (rc);
		}
	}
	for (i = 0; i < bw.n; i++) {
		rc = kern_sa_delete(bw.refs[i].satype, bw.refs[i].spi,
		    &bw.refs[i].src, &bw.refs[i].dst, w, sizeof(w));
		if (rc == 0 && tell_ike)
			parent_sa_gone(bw.refs[i].satype, bw.refs[i].spi,
			    &bw.refs[i].src, &bw.refs[i].dst);
		if (rc == 0)
			(*count)++;
		else if (rc != ESRCH && first == 0) {
			first = rc;
			(void)strlcpy(why, w, whysz);
		}
	}
	free(bw.refs);
	if (first == 0 && whysz > 0)
		why[0] = '\0';
	return (first);
}

/*
 * The fwd direction is Linux's (the kernels' PF_KEY and XFRM, and sadbd
 * in that dialect); elsewhere a fwd policy is left out: generated
 * policies then are in and out only, as racoon made them.
 */
static bool
fwd_skipped(const struct spd_entry *p, const char *what)
{
	if (p->dir != PFKEY_DIR_FWD ||
	    pfkey_dialect_resolve(kern.dialect) == PFKEY_DIALECT_LINUX)
		return (false);
	log_debug("%s: no fwd direction in the %s dialect: left out", what,
	    pfkey_dialect_name(kern.dialect));
	return (true);
}

int
kern_spd_add(const struct spd_entry *p, bool update, char *why, size_t whysz)
{
	struct pfkey_buf b;
	const void *reply;
	size_t rlen;
	int rc;
	const char *what = update ? "X_SPDUPDATE" : "X_SPDADD";

	if (fwd_skipped(p, what))
		return (0);

	if (pfkey_buf_alloc(&b, kern.dialect, update ?
	    PFKEY_MSG_X_SPDUPDATE : PFKEY_MSG_X_SPDADD, 0,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "%s: no memory", what));
	if ((rc = spd_to_pfkey(p, &b, 0)) != 0) {
		pfkey_buf_free(&b);
		return (kwhy(why, whysz, EINVAL, "%s: %s", what,
		    sad_strerror(rc)));
	}
	rc = request(&b, &reply, &rlen, why, whysz, what);
	pfkey_buf_free(&b);
	return (rc);
}

int
kern_spd_delete(const struct spd_entry *p, char *why, size_t whysz)
{
	struct pfkey_buf b;
	const void *reply;
	size_t rlen;
	int rc;

	if (fwd_skipped(p, "X_SPDDELETE"))
		return (0);
	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_X_SPDDELETE, 0,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "X_SPDDELETE: no memory"));
	if ((rc = spd_to_pfkey(p, &b, 0)) != 0) {
		pfkey_buf_free(&b);
		return (kwhy(why, whysz, EINVAL, "X_SPDDELETE: %s",
		    sad_strerror(rc)));
	}
	rc = request(&b, &reply, &rlen, why, whysz, "X_SPDDELETE");
	pfkey_buf_free(&b);
	return (rc);
}

int
kern_flush(uint8_t satype, char *why, size_t whysz)
{
	struct pfkey_buf b;
	const void *reply;
	size_t rlen;
	int rc;

	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_FLUSH, satype,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0)
		return (kwhy(why, whysz, ENOMEM, "FLUSH: no memory"));
	rc = request(&b, &reply, &rlen, why, whysz, "FLUSH");
	pfkey_buf_free(&b);
	return (rc);
}

void
kern_acquire_fail(uint32_t seq, uint8_t satype, int error)
{
	struct pfkey_buf b;
	const void *msg;
	size_t len;

	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_ACQUIRE, satype, seq,
	    pfkey_xport_pid(kern.x)) != 0)
		return;
	(void)pfkey_buf_set_errno(&b, (uint8_t)(error > 0 && error < 256 ?
	    error : EINVAL));
	/* No reply comes to this (RFC 2367 3.1.6). */
	if (pfkey_buf_finish(&b, &msg, &len) == 0)
		(void)pfkey_send(kern.x, msg, len);
	pfkey_buf_free(&b);
}

size_t
kern_strip_keys(const void *msg, size_t len, enum pfkey_dialect d,
    void *out, size_t outsz)
{
	struct pfkey_msg m;
	struct sadb_msg h;
	const uint8_t *p = msg;
	uint8_t *o = out;
	size_t off, n, elen;
	uint16_t etype, units;
	int logical;

	if (len > sizeof(kern.msgbuf) || outsz < len)
		return (0);
	memcpy(kern.msgbuf, msg, len);
	if (pfkey_decode(kern.msgbuf, len, d, PFKEY_DEC_FROM_KERNEL |
	    PFKEY_DEC_SKIP_UNKNOWN | PFKEY_DEC_NOREQ, &m) != 0) {
		explicit_bzero(kern.msgbuf, len);
		return (0);
	}
	explicit_bzero(kern.msgbuf, len);
	/* The decoder checked every extension's bounds. */
	memcpy(o, p, PFKEY_HDRLEN);
	n = PFKEY_HDRLEN;
	for (off = PFKEY_HDRLEN; off + 4 <= len; off += elen) {
		memcpy(&units, p + off, 2);
		memcpy(&etype, p + off + 2, 2);
		elen = (size_t)units * PFKEY_UNIT;
		if (elen == 0 || off + elen > len)
			return (0);
		logical = pfkey_ext_from_wire(d, etype);
		if (logical == PFKEY_EXT_KEY_AUTH ||
		    logical == PFKEY_EXT_KEY_ENCRYPT)
			continue;
		memcpy(o + n, p + off, elen);
		n += elen;
	}
	memcpy(&h, o, sizeof(h));
	h.sadb_msg_len = (uint16_t)(n / PFKEY_UNIT);
	memcpy(o, &h, sizeof(h));
	return (n);
}

int
kern_dump(uint8_t satype, kern_dump_cb cb, void *arg, char *why,
    size_t whysz)
{
	struct pfkey_buf b;
	const struct sadb_msg *h;
	const void *reply;
	uint8_t *clean;
	size_t rlen, clen;
	int rc, n = 0;

	if ((clean = malloc(PFKEY_MSG_MAXLEN)) == NULL)
		return (kwhy(why, whysz, ENOMEM, "DUMP: no memory"));
	if (pfkey_buf_alloc(&b, kern.dialect, PFKEY_MSG_DUMP, satype,
	    pfkey_xport_seq(kern.x), pfkey_xport_pid(kern.x)) != 0) {
		free(clean);
		return (kwhy(why, whysz, ENOMEM, "DUMP: no memory"));
	}
	rc = request(&b, &reply, &rlen, why, whysz, "DUMP");
	pfkey_buf_free(&b);
	while (rc == 0) {
		h = reply;
		clen = kern_strip_keys(reply, rlen, kern.dialect, clean,
		    PFKEY_MSG_MAXLEN);
		if (clen > 0)
			cb(clean, clen, arg);
		if (h->sadb_msg_seq == 0 || ++n > KERN_DUMP_MAX)
			break;
		if ((rc = pfkey_request_next(kern.x, PFKEY_MSG_DUMP, &reply,
		    &rlen, 0)) != 0)
			rc = kwhy(why, whysz, perr(rc), "DUMP: %s",
			    pfkey_strerror(rc));
		else
			rc = reply_errno(reply, rlen, why, whysz, "DUMP");
	}
	free(clean);
	return (rc);
}
