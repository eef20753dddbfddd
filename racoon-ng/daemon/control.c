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
 * The control socket (racoonctl(8)), served by the parent: who may use it
 * is decided by the socket file's owner, group and mode (racoon.conf
 * `adminsock'), as racoon did, and then by the credentials the kernel
 * gives for the connecting process (SO_PEERCRED, getpeereid(3)): root,
 * the socket's owner, or a member of its group (primary or, where the
 * kernel tells, supplementary); anybody else is refused even when the
 * mode lets everybody connect.  Requests are small fixed records (see
 * control.h) read with the bounded reader; SADB questions are answered
 * here from the transport (keys never leave: the dumps are stripped),
 * ISAKMP questions are passed to the ike process, which answers through
 * the parent.  A show-event client stays connected and gets every event.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "racoon-ng.h"

#define CTL_CLIENTS_MAX	64

struct cclient {
	TAILQ_ENTRY(cclient)	 entry;
	uint32_t		 id;
	struct ipc_chan		 chan;
	bool			 events;	/* show-event */
	bool			 busy;		/* an answer is coming */
	uint16_t		 wait_evt;	/* establish-sa -w */
	struct sad_addr		 wait_a;
	struct sad_addr		 wait_b;
	bool			 wait_seen;	/* the event came */
	bool			 wait_ended;	/* the ike process said ok */
	bool			 dead;
};

static struct {
	int			 fd;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	TAILQ_HEAD(, cclient)	 clients;
	size_t			 nclients;
	uint32_t		 lastid;
	uid_t			 uid;		/* the socket's owner */
	gid_t			 gid;		/* and group */
} ctl = { .fd = -1 };

static void	client_cb(int, short, void *);

static struct cclient *
client_find(uint32_t id)
{
	struct cclient *c;

	TAILQ_FOREACH(c, &ctl.clients, entry)
		if (c->id == id && !c->dead)
			return (c);
	return (NULL);
}

/* Closed now, freed by control_reap(): callers may still hold `c'. */
static void
client_close(struct cclient *c)
{
	if (c->dead)
		return;
	c->dead = true;
	loop_del(c->chan.fd);
	ipc_chan_close(&c->chan);
}

void
control_reap(void)
{
	struct cclient *c, *n;

	TAILQ_FOREACH_SAFE(c, &ctl.clients, entry, n)
		if (c->dead) {
			TAILQ_REMOVE(&ctl.clients, c, entry);
			ctl.nclients--;
			free(c);
		}
}

static void
client_send(struct cclient *c, uint32_t type, const struct ipc_wr *w)
{
	int rc;

	if ((rc = ipc_compose_wr(&c->chan, type, 0, -1, w)) != 0 ||
	    (rc = ipc_flush(&c->chan)) != 0) {
		log_debug("%s: client %u: %s", __func__, c->id,
		    ipc_strerror(rc));
		client_close(c);
	}
}

static void
client_end(struct cclient *c, int error, const char *why)
{
	struct ipc_wr w;

	c->busy = false;
	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u32(&w, (uint32_t)error);
	ipc_put_str(&w, why != NULL ? why : "");
	client_send(c, CTL_R_END, &w);
	ipc_wr_free(&w);
}

void
control_end(uint32_t id, int error, const char *why)
{
	struct cclient *c;

	if ((c = client_find(id)) == NULL)
		return;
	/*
	 * establish-sa -w: the answer is the ike process's end and the
	 * event, in either order (the event may come first).
	 */
	if (error == 0 && c->wait_evt != 0 && !c->wait_seen) {
		c->wait_ended = true;
		return;
	}
	c->wait_evt = 0;
	c->events = false;
	client_end(c, error, why);
}

/* ---------------------------------------------------------- init */

int
control_init(const struct rconf *rc, char *err, size_t errsz)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t old;
	int fd;

	TAILQ_INIT(&ctl.clients);
	if (rc->adminsock[0] == '\0')
		return (0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, rc->adminsock, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path)) {
		(void)snprintf(err, errsz, "adminsock %s: path too long",
		    rc->adminsock);
		return (-1);
	}
	/* Replace a stale socket, never anything else. */
	if (lstat(rc->adminsock, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			(void)snprintf(err, errsz, "adminsock %s exists and is "
			    "not a socket", rc->adminsock);
			return (-1);
		}
		if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) != -1) {
			if (connect(fd, (struct sockaddr *)&sun,
			    sizeof(sun)) == 0) {
				close(fd);
				(void)snprintf(err, errsz, "adminsock %s is in "
				    "use: is racoon-ng running?",
				    rc->adminsock);
				return (-1);
			}
			close(fd);
		}
		(void)unlink(rc->adminsock);
	}
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1) {
		(void)snprintf(err, errsz, "adminsock: %s", strerror(errno));
		return (-1);
	}
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		(void)snprintf(err, errsz, "adminsock %s: %s", rc->adminsock,
		    strerror(errno));
		close(fd);
		return (-1);
	}
	umask(old);
	if ((geteuid() == 0 && chown(rc->adminsock, rc->admin_uid,
	    rc->admin_gid) == -1) ||
	    chmod(rc->adminsock, rc->admin_mode & 0777) == -1) {
		(void)snprintf(err, errsz, "adminsock %s: %s", rc->adminsock,
		    strerror(errno));
		(void)unlink(rc->adminsock);
		close(fd);
		return (-1);
	}
	if (listen(fd, 16) == -1) {
		(void)snprintf(err, errsz, "adminsock %s: listen: %s",
		    rc->adminsock, strerror(errno));
		(void)unlink(rc->adminsock);
		close(fd);
		return (-1);
	}
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	ctl.fd = fd;
	(void)strlcpy(ctl.path, rc->adminsock, sizeof(ctl.path));
	/* Not root: chown was not done, the socket is ours. */
	ctl.uid = geteuid() == 0 ? rc->admin_uid : geteuid();
	ctl.gid = geteuid() == 0 ? rc->admin_gid : getegid();
	return (0);
}

/*
 * Whether the process at the other end of `s' may use the socket: root,
 * the socket's owner, or in its group.  The kernel's word, not the
 * client's; a socket whose credentials cannot be had is refused.
 */
static bool
peer_allowed(int s, uid_t *uidp, gid_t *gidp)
{
	uid_t uid;
	gid_t gid;
#if defined(SO_PEERCRED) && defined(__linux__)
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(s, SOL_SOCKET, SO_PEERCRED, &uc, &len) == -1 ||
	    len != sizeof(uc)) {
		log_warn("control: SO_PEERCRED");
		return (false);
	}
	uid = uc.uid;
	gid = uc.gid;
#else
	if (getpeereid(s, &uid, &gid) == -1) {
		log_warn("control: getpeereid");
		return (false);
	}
#endif
	*uidp = uid;
	*gidp = gid;
	if (uid == 0 || uid == ctl.uid || gid == ctl.gid)
		return (true);
#if defined(SO_PEERGROUPS)
	{
		gid_t groups[NGROUPS_MAX];
		socklen_t glen = sizeof(groups);
		size_t i;

		/* Linux 4.13: the supplementary groups. */
		if (getsockopt(s, SOL_SOCKET, SO_PEERGROUPS, groups,
		    &glen) == 0)
			for (i = 0; i < glen / sizeof(groups[0]); i++)
				if (groups[i] == ctl.gid)
					return (true);
	}
#endif
	return (false);
}

static void
accept_cb(int fd, short ev, void *arg)
{
	struct cclient *c;
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	int s;

	if ((s = accept(fd, NULL, NULL)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			log_warn("%s: accept", __func__);
		return;
	}
	if (!peer_allowed(s, &uid, &gid)) {
		log_warnx("control: uid %ld gid %ld refused: not root, the "
		    "owner (uid %ld) or in the group (gid %ld) of %s",
		    (long)uid, (long)gid, (long)ctl.uid, (long)ctl.gid,
		    ctl.path);
		close(s);
		return;
	}
	if (ctl.nclients >= CTL_CLIENTS_MAX) {
		log_warnx("%s: %d control clients already", __func__,
		    CTL_CLIENTS_MAX);
		close(s);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		close(s);
		return;
	}
	if (ipc_chan_init(&c->chan, s, "control") != 0) {
		close(s);
		free(c);
		return;
	}
	/* An event client that stops reading is dropped, not buffered. */
	c->chan.maxq = 1024 * 1024;
	if (++ctl.lastid == 0)
		ctl.lastid = 1;
	c->id = ctl.lastid;
	if (loop_add(s, &c->chan, client_cb, c) == -1) {
		ipc_chan_close(&c->chan);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&ctl.clients, c, entry);
	ctl.nclients++;
}

int
control_listen(void)
{
	if (ctl.fd == -1)
		return (0);
	return (loop_add(ctl.fd, NULL, accept_cb, NULL));
}

void
control_close(void)
{
	struct cclient *c;

	TAILQ_FOREACH(c, &ctl.clients, entry)
		client_close(c);
	control_reap();
	if (ctl.fd != -1) {
		loop_del(ctl.fd);
		close(ctl.fd);
		(void)unlink(ctl.path);
	}
	ctl.fd = -1;
}

const char *
control_path(void)
{
	return (ctl.fd != -1 ? ctl.path : "");
}

/* ---------------------------------------------------------- events */

static bool
wait_matches(const struct cclient *c, uint16_t type,
    const struct sad_addr *local, const struct sad_addr *remote)
{
	if (type != c->wait_evt)
		return (false);
	return ((sad_addr_cmp(local, &c->wait_a) == 0 &&
	    sad_addr_cmp(remote, &c->wait_b) == 0) ||
	    (sad_addr_cmp(local, &c->wait_b) == 0 &&
	    sad_addr_cmp(remote, &c->wait_a) == 0));
}

void
control_event(uint16_t type, const struct sad_addr *local,
    const struct sad_addr *remote, uint8_t satype, uint32_t spi,
    const char *text)
{
	static const struct sad_addr none;
	struct cclient *c, *n;
	struct ipc_wr w;

	if (ipc_wr_init(&w) != 0)
		return;
	ipc_put_u16(&w, type);
	ipc_put_u64(&w, (uint64_t)time(NULL));
	ipc_put_addr(&w, local != NULL ? local : &none);
	ipc_put_addr(&w, remote != NULL ? remote : &none);
	ipc_put_u8(&w, satype);
	ipc_put_u32(&w, spi);
	ipc_put_str(&w, text != NULL ? text : "");
	TAILQ_FOREACH_SAFE(c, &ctl.clients, entry, n) {
		if (!c->events || c->dead)
			continue;
		if (c->wait_evt != 0) {
			if (c->wait_seen || !wait_matches(c, type,
			    local != NULL ? local : &none,
			    remote != NULL ? remote : &none))
				continue;
			client_send(c, CTL_R_EVENT, &w);
			c->wait_seen = true;
			if (!c->dead && c->wait_ended) {
				c->events = false;
				c->wait_evt = 0;
				client_end(c, 0, "");
			}
			continue;
		}
		client_send(c, CTL_R_EVENT, &w);
	}
	ipc_wr_free(&w);
}

/* ---------------------------------------------------------- requests */

struct dump_ctx {
	struct cclient	*c;
	unsigned	 n;
};

static void
dump_one(const void *msg, size_t len, void *arg)
{
	struct dump_ctx *d = arg;
	struct ipc_wr w;

	if (d->c->dead || ipc_wr_init(&w) != 0)
		return;
	ipc_put_u8(&w, (uint8_t)kern_dialect());
	ipc_put_blob(&w, msg, len);
	client_send(d->c, CTL_R_SA_PFKEY, &w);
	ipc_wr_free(&w);
	d->n++;
}

static const uint8_t *
proto_satypes(uint8_t proto, size_t *n)
{
	static const uint8_t esp[] = { PFKEY_SATYPE_ESP };
	static const uint8_t ah[] = { PFKEY_SATYPE_AH };
	static const uint8_t both[] = { PFKEY_SATYPE_ESP, PFKEY_SATYPE_AH };

	switch (proto) {
	case CTL_PROTO_ESP:
		*n = 1;
		return (esp);
	case CTL_PROTO_AH:
		*n = 1;
		return (ah);
	case CTL_PROTO_IPSEC:
		*n = 2;
		return (both);
	default:
		*n = 0;
		return (NULL);
	}
}

static void
show_sa(struct cclient *c, uint8_t proto)
{
	struct dump_ctx d;
	const uint8_t *t;
	size_t n, i;
	int rc;
	char why[PS_TEXT_MAX] = "";

	if (proto == CTL_PROTO_ISAKMP) {
		if (parent_ctl_to_ike(c->id, PS_CTL_SHOW_ISAKMP, NULL) != 0)
			client_end(c, EIO, "the ike process is not reachable");
		return;
	}
	t = proto_satypes(proto, &n);
	d.c = c;
	d.n = 0;
	for (i = 0; i < n; i++) {
		rc = kern_dump(t[i], dump_one, &d, why, sizeof(why));
		if (c->dead)
			return;
		if (rc != 0 && rc != ENOENT) {
			client_end(c, rc, why);
			return;
		}
	}
	client_end(c, 0, "");
}

static void
flush_sa(struct cclient *c, uint8_t proto)
{
	const uint8_t *t;
	size_t n, i;
	int rc;
	char why[PS_TEXT_MAX] = "";

	if (proto == CTL_PROTO_ISAKMP) {
		if (parent_ctl_to_ike(c->id, PS_CTL_FLUSH_ISAKMP, NULL) != 0)
			client_end(c, EIO, "the ike process is not reachable");
		return;
	}
	t = proto_satypes(proto, &n);
	for (i = 0; i < n; i++)
		if ((rc = kern_flush(t[i], why, sizeof(why))) != 0) {
			client_end(c, rc, why);
			return;
		}
	log_info("control: flush-sa %s", proto == CTL_PROTO_ESP ? "esp" :
	    proto == CTL_PROTO_AH ? "ah" : "ipsec");
	client_end(c, 0, "");
}

static bool
addr_ok(const struct sad_addr *a)
{
	return (a->af == AF_INET || a->af == AF_INET6);
}

static void
handle(struct cclient *c, const struct ipc_msg *m)
{
	struct ipc_rd r;
	struct ipc_wr w;
	struct sad_addr src, dst;
	uint32_t count;
	uint16_t version;
	uint8_t proto = 0, flags = 0, ulproto = 0;
	char why[PS_TEXT_MAX] = "", remote[PS_NAME_MAX] = "";
	char a[80], b[80];
	int rc;

	ipc_rd_init(&r, m);
	version = ipc_get_u16(&r);
	switch (m->hdr.type) {
	case CTL_SHOW_SA:
	case CTL_FLUSH_SA:
		proto = ipc_get_u8(&r);
		break;
	case CTL_DELETE_SA:
		proto = ipc_get_u8(&r);
		ipc_get_addr(&r, &src);
		ipc_get_addr(&r, &dst);
		ulproto = ipc_get_u8(&r);
		break;
	case CTL_ESTABLISH_SA:
		proto = ipc_get_u8(&r);
		flags = ipc_get_u8(&r);
		ipc_get_addr(&r, &src);
		ipc_get_addr(&r, &dst);
		ulproto = ipc_get_u8(&r);
		ipc_get_str(&r, remote, sizeof(remote));
		break;
	case CTL_RELOAD:
	case CTL_SHOW_EVENT:
	case CTL_SHOW_SCHED:
		break;
	default:
		client_end(c, EINVAL, "unknown request");
		return;
	}
	if (ipc_rd_end(&r) != 0 || version != CTL_VERSION) {
		client_end(c, EINVAL, version != CTL_VERSION ?
		    "racoonctl and racoon-ng differ in version" :
		    "malformed request");
		return;
	}
	if ((m->hdr.type == CTL_SHOW_SA || m->hdr.type == CTL_FLUSH_SA) &&
	    (proto < CTL_PROTO_ISAKMP || proto > CTL_PROTO_IPSEC)) {
		client_end(c, EINVAL, "unknown protocol");
		return;
	}
	if ((m->hdr.type == CTL_DELETE_SA ||
	    m->hdr.type == CTL_ESTABLISH_SA) &&
	    (proto < CTL_PROTO_ISAKMP || proto > CTL_PROTO_AH ||
	    !addr_ok(&src) || src.af != dst.af)) {
		client_end(c, EINVAL, "bad protocol or addresses");
		return;
	}
	c->busy = true;
	switch (m->hdr.type) {
	case CTL_SHOW_SA:
		show_sa(c, proto);
		break;
	case CTL_FLUSH_SA:
		flush_sa(c, proto);
		break;
	case CTL_DELETE_SA:
		if (proto == CTL_PROTO_ISAKMP) {
			if (ipc_wr_init(&w) != 0) {
				client_end(c, ENOMEM, "no memory");
				break;
			}
			ipc_put_addr(&w, &src);
			ipc_put_addr(&w, &dst);
			if (parent_ctl_to_ike(c->id, PS_CTL_DELETE_ISAKMP,
			    &w) != 0)
				client_end(c, EIO, "the ike process is not "
				    "reachable");
			ipc_wr_free(&w);
			break;
		}
		/* The ike process tells the peer (DELETE), as racoon's
		 * purge does. */
		rc = kern_delete_between(proto == CTL_PROTO_ESP ?
		    PFKEY_SATYPE_ESP : PFKEY_SATYPE_AH, &src, &dst, true,
		    &count, why, sizeof(why));
		if (rc == 0 && count == 0) {
			rc = ESRCH;
			(void)snprintf(why, sizeof(why), "no %s SA between %s "
			    "and %s", proto == CTL_PROTO_ESP ? "ESP" : "AH",
			    log_addr(&src, a, sizeof(a)),
			    log_addr(&dst, b, sizeof(b)));
		} else if (rc == 0)
			(void)snprintf(why, sizeof(why), "%u SA%s deleted",
			    count, count == 1 ? "" : "s");
		log_info("control: delete-sa: %s", why);
		client_end(c, rc, why);
		break;
	case CTL_ESTABLISH_SA:
		if (ipc_wr_init(&w) != 0) {
			client_end(c, ENOMEM, "no memory");
			break;
		}
		ipc_put_u8(&w, proto == CTL_PROTO_ESP ? PFKEY_SATYPE_ESP :
		    proto == CTL_PROTO_AH ? PFKEY_SATYPE_AH : 0);
		ipc_put_u8(&w, ulproto);
		ipc_put_addr(&w, &src);
		ipc_put_addr(&w, &dst);
		ipc_put_str(&w, remote);
		if (flags & CTL_F_WAIT) {
			c->wait_evt = proto == CTL_PROTO_ISAKMP ?
			    PS_EVT_PHASE1_UP : PS_EVT_PHASE2_UP;
			c->wait_a = src;
			c->wait_b = dst;
			c->wait_a.port = c->wait_b.port = 0;
			c->events = true;
		}
		if (parent_ctl_to_ike(c->id, PS_CTL_ESTABLISH, &w) != 0)
			client_end(c, EIO, "the ike process is not reachable");
		ipc_wr_free(&w);
		break;
	case CTL_RELOAD:
		if (parent_reload(c->id, why, sizeof(why)) != 0)
			client_end(c, EINVAL, why);
		/* else answered when the ike process took it */
		break;
	case CTL_SHOW_EVENT:
		c->busy = false;
		c->events = true;
		log_debug("control: client %u streams events", c->id);
		break;
	case CTL_SHOW_SCHED:
		if (parent_ctl_to_ike(c->id, PS_CTL_SHOW_SCHED, NULL) != 0)
			client_end(c, EIO, "the ike process is not reachable");
		break;
	}
}

static void
client_cb(int fd, short ev, void *arg)
{
	struct cclient *c = arg;
	struct ipc_msg m;
	int rc;

	rc = ipc_read(&c->chan, &m);
	if (rc == 0)
		return;
	if (rc < 0) {
		if (rc != IPC_EOF)
			log_debug("%s: client %u: %s", __func__, c->id,
			    ipc_strerror(rc));
		client_close(c);
		return;
	}
	if (m.fd != -1) {
		close(m.fd);
		client_close(c);
		return;
	}
	/* One request at a time; an event stream takes none. */
	if (c->busy || c->events) {
		client_close(c);
		return;
	}
	handle(c, &m);
}

/* Records the ike process sends for a client. */
void
control_ike_data(uint32_t id, struct ipc_rd *r)
{
	struct cclient *c;
	struct sad_addr l, rm;
	struct ipc_wr w;
	uint8_t ic[8], rc[8], st, side, ver, et;
	uint64_t created, due;
	uint32_t n2, tid;
	uint16_t what;
	char text[64];

	what = ipc_get_u16(r);
	if (ipc_wr_init(&w) != 0)
		return;
	switch (what) {
	case PS_CTL_SHOW_ISAKMP:
		ipc_get_addr(r, &l);
		ipc_get_addr(r, &rm);
		ipc_get_bytes(r, ic, sizeof(ic));
		ipc_get_bytes(r, rc, sizeof(rc));
		st = ipc_get_u8(r);
		side = ipc_get_u8(r);
		ver = ipc_get_u8(r);
		et = ipc_get_u8(r);
		created = ipc_get_u64(r);
		n2 = ipc_get_u32(r);
		if (ipc_rd_end(r) != 0)
			break;
		ipc_put_addr(&w, &l);
		ipc_put_addr(&w, &rm);
		ipc_put_bytes(&w, ic, sizeof(ic));
		ipc_put_bytes(&w, rc, sizeof(rc));
		ipc_put_u8(&w, st);
		ipc_put_u8(&w, side);
		ipc_put_u8(&w, ver);
		ipc_put_u8(&w, et);
		ipc_put_u64(&w, created);
		ipc_put_u32(&w, n2);
		if ((c = client_find(id)) != NULL)
			client_send(c, CTL_R_SA_ISAKMP, &w);
		break;
	case PS_CTL_SHOW_SCHED:
		tid = ipc_get_u32(r);
		due = ipc_get_u64(r);
		created = ipc_get_u64(r);
		ipc_get_str(r, text, sizeof(text));
		if (ipc_rd_end(r) != 0)
			break;
		ipc_put_u32(&w, tid);
		ipc_put_u64(&w, due);
		ipc_put_u64(&w, created);
		ipc_put_str(&w, text);
		if ((c = client_find(id)) != NULL)
			client_send(c, CTL_R_SCHED, &w);
		break;
	default:
		break;
	}
	if (ipc_rd_end(r) != 0)
		log_warnx("%s: malformed IP_CTL_DATA", __func__);
	ipc_wr_free(&w);
}
