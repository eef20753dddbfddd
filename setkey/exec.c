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
 * Executing parsed statements: each becomes one PF_KEY request (two for
 * an inbound policy in Linux's RFC mode), sent through the transport with
 * a bounded window of requests in flight, so a large script loads as fast
 * as the other end answers.  Every reply is matched to its statement by
 * type, seq and pid, so an error still names the statement's FILE:LINE.
 * Statements that print (get, getspi, dump, spddump) and deleteall wait
 * for the requests before them, so that output keeps the script's order.
 * A transport that fails or hangs ends the run: the statements it did not
 * answer, and those not sent, count as failed.
 *
 * Before anything is sent, what the kernel cannot take is said plainly
 * rather than left to an errno: Linux af_key's limits (no AEAD, no ESN,
 * 32-packet replay windows, 96-bit HMAC-SHA2-256), and algorithms and key
 * lengths the kernel's REGISTER reply does not list, as ipsec-tools
 * checks them.  A refused statement is reported and counted as failed;
 * the rest of the script still runs.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "setkey.h"

#define REQ_MAXWINDOW		4096
#define REQ_WINDOW_KERNEL	256
#define REQ_WINDOW_SADBD	1024
/*
 * How long to wait for the next reply.  A kernel answers at once; sadbd
 * answers a window of changes after one journal commit, which on a slow
 * disk may take a while, so this is generous: it only bounds a hang.
 */
#define REPLY_TIMEOUT_MS	10000

/*
 * Linux af_key (net/key/af_key.c, pfkey_msg2xfrm_state()) keeps
 * min(sadb_sa_replay, 32) packets: its bitmap is one u32.  A window beyond
 * the u8 field travels in pfkeykit's X_SA_REPLAY (extension 27), which
 * af_key skips as it skips every type above its SADB_EXT_MAX.
 */
#define AFKEY_REPLAY_KEPT	32
#define AFKEY_REPLAY_FIELD	255

/*
 * Test hook, not an interface (and not in the manual): with
 * PFKEYKIT_TEST_AFKEY=1 in the environment any transport is treated as
 * Linux af_key, for the limit checks and for a REGISTER check that
 * refuses unlisted algorithms, so that the tests can drive both through
 * sadbd or a fake peer on a host without af_key.
 */
#define TEST_AFKEY_ENV		"PFKEYKIT_TEST_AFKEY"

/* Warnings said in full once, then counted (a script may repeat them). */
enum warn_kind {
	WARN_SHA256_96,
	WARN_REPLAY_32,
	WARN_COUNT
};

/* What one algorithm of a REGISTER reply allows. */
struct kalg {
	bool		listed;
	uint16_t	minbits;
	uint16_t	maxbits;
};

/* A request in flight. */
struct pending {
	const struct setkey_cmd	*cmd;
	uint32_t		 seq;
	uint8_t			 type;
	bool			 twin;	/* the fwd copy of an inbound policy */
	bool			 used;
};

struct exec {
	struct pfkey_xport		*x;
	const struct setkey_exec_opts	*eo;
	const struct setkey_print_opts	*pr;	/* = &pro */
	struct setkey_print_opts	 pro;	/* "now" kept current */
	enum pfkey_dialect		 d;
	uint32_t			 pid;
	struct pending			*win;	/* direct-mapped by seq */
	size_t				 winsz;
	size_t				 inflight;
	size_t				 window;	/* in flight at most */
	int				 failed;
	bool				 dead;	/* the transport failed */
	bool				 afkey;	/* Linux af_key's limits apply */
	bool				 regcheck; /* check against REGISTER */
	bool				 regstrict; /* refuse unlisted algs */
	bool				 reghave;  /* the lists below are set */
	struct kalg			 kauth[256];	/* by wire number */
	struct kalg			 kenc[256];
	int				 warned[WARN_COUNT];
};

static volatile sig_atomic_t	 interrupted;

static void
on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static const char *
op_name(enum setkey_op op)
{
	static const char *const names[] = {
		[SK_ADD] = "add", [SK_UPDATE] = "update", [SK_GET] = "get",
		[SK_DELETE] = "delete", [SK_DELETEALL] = "deleteall",
		[SK_GETSPI] = "getspi", [SK_FLUSH] = "flush",
		[SK_DUMP] = "dump", [SK_SPDADD] = "spdadd",
		[SK_SPDUPDATE] = "spdupdate", [SK_SPDDELETE] = "spddelete",
		[SK_SPDFLUSH] = "spdflush", [SK_SPDDUMP] = "spddump",
		[SK_EXIT] = "exit",
	};

	return (names[op]);
}

/* "FILE:LINE: op: what" on stderr; counts a failed statement. */
static void
report(struct exec *ex, const struct setkey_cmd *c, const char *what)
{
	if (c != NULL)
		fprintf(stderr, "%s:%d: %s: %s\n", c->loc.file, c->loc.line,
		    op_name(c->op), what);
	else
		fprintf(stderr, "setkey: %s\n", what);
	ex->failed++;
}

/* The text of a transport error (errno for PFKEY_ERR_SYSTEM). */
static const char *
xport_error(int rc)
{
	if (rc == PFKEY_ERR_SYSTEM)
		return (strerror(errno));
	if (rc == PFKEY_ERR_TIMEOUT)
		return ("no reply from the transport in time");
	if (rc == PFKEY_ERR_EOF)
		return ("the transport closed the connection");
	return (pfkey_strerror(rc));
}

/*
 * The text for an error a reply carries.  ESRCH ("No such process") is
 * what both kernels answer for a missing SA; say what it means, as the
 * references' "No entry" does for ENOENT.
 */
static const char *
reply_error(const struct setkey_cmd *c, int err)
{
	if (c != NULL && (err == ESRCH || err == ENOENT)) {
		switch (c->op) {
		case SK_GET:
		case SK_DELETE:
		case SK_UPDATE:
		case SK_SPDDELETE:
			return ("No entry");
		default:
			break;
		}
	}
	return (strerror(err));
}

/*
 * The text for an error in the reply just received, with the kernel's own
 * words when the transport kept them (XFRM's extended ACK), e.g. "Function
 * not implemented (kernel: Requested AEAD algorithm not found)".  The
 * words are the kernel's: only printable ASCII of them is shown.
 */
static const char *
reply_text(struct exec *ex, const struct setkey_cmd *c, int err, char *buf,
    size_t bufsz)
{
	const char *em;
	char *p;

	if ((em = pfkey_xport_errmsg(ex->x)) == NULL || *em == '\0')
		return (reply_error(c, err));
	snprintf(buf, bufsz, "%s (kernel: %s)", reply_error(c, err), em);
	for (p = buf; *p != '\0'; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
	return (buf);
}

static void
verbose_msg(struct exec *ex, const char *dir, const void *msg, size_t len)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	struct pfkey_msg m;
	char *out;
	int need;

	if (!ex->eo->verbose)
		return;
	memcpy(copy, msg, len);
	if (pfkey_decode(copy, len, ex->d, PFKEY_DEC_NOREQ |
	    PFKEY_DEC_SKIP_UNKNOWN, &m) != 0) {
		fprintf(stderr, "%s: (undecodable message, %zu bytes)\n", dir,
		    len);
		explicit_bzero(copy, len);
		return;
	}
	/* -v shows what goes over the wire, keys included, as KAME does */
	need = pfkey_print(&m, PFKEY_PR_KEYS, NULL, 0);
	if (need >= 0 && (out = malloc((size_t)need + 1)) != NULL) {
		pfkey_print(&m, PFKEY_PR_KEYS, out, (size_t)need + 1);
		fprintf(stderr, "%s: %s", dir, out);
		freezero(out, (size_t)need + 1);
	}
	explicit_bzero(copy, len);
}

/* What a message header says besides the model, for the printers. */
static void
meta_of(struct setkey_msgmeta *meta, const struct sadb_msg *h)
{
	memset(meta, 0, sizeof(*meta));
	meta->seq = h->sadb_msg_seq;
	meta->pid = h->sadb_msg_pid;
	meta->reserved = h->sadb_msg_reserved;
	meta->type = h->sadb_msg_type;
	meta->errno_ = h->sadb_msg_errno;
}

/* The text for a failed sad_to_pfkey()/spd_to_pfkey(). */
static const char *
sa_error(int rc, const struct pfkey_buf *b)
{
	if (rc == SAD_ERR_PFKEY)
		return (pfkey_strerror(b->error));
	if (rc == SAD_ERR_DIALECT)
		return ("not expressible in the transport's PF_KEY dialect");
	return (sad_strerror(rc));
}

/* --------------------------------------------------------- the window */

/*
 * The requests in flight, direct-mapped by seq.  Sequence numbers are
 * handed out one after the other, so a window's worth of them falls into
 * distinct slots; should an old request still hold the slot a new one
 * needs (replies out of order), submit() waits for it.  Lookup and
 * removal are O(1): a reply per statement must cost next to nothing when
 * 100000 statements are in a script.
 */
static struct pending *
win_at(struct exec *ex, uint32_t seq)
{
	return (&ex->win[seq % ex->winsz]);
}

static struct pending *
win_find(struct exec *ex, uint32_t seq)
{
	struct pending *p = win_at(ex, seq);

	return (p->used && p->seq == seq ? p : NULL);
}

/* Handle one reply to a request of ours. */
static void
on_reply(struct exec *ex, const struct pending *p, const struct sadb_msg *h,
    const void *msg, size_t len)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	const struct setkey_cmd *c = p->cmd;
	struct setkey_msgmeta meta;
	struct sad_entry e;
	struct pfkey_msg m;
	const char *text;
	char why[512], kwhy[384];
	int rc;

	if (h->sadb_msg_errno != 0) {
		text = reply_text(ex, c, h->sadb_msg_errno, kwhy,
		    sizeof(kwhy));
		if (p->twin) {
			snprintf(why, sizeof(why), "%s (the fwd policy of "
			    "RFC mode; -k turns it off)", text);
			report(ex, c, why);
		} else
			report(ex, c, text);
		return;
	}
	/* get and getspi print what came back */
	if (c == NULL || (c->op != SK_GET && c->op != SK_GETSPI))
		return;
	memcpy(copy, msg, len);
	if ((rc = pfkey_decode(copy, len, ex->d, PFKEY_DEC_FROM_KERNEL |
	    PFKEY_DEC_SKIP_UNKNOWN, &m)) != 0) {
		pfkey_decode_error(&m, rc, why, sizeof(why));
		snprintf(why + strlen(why), sizeof(why) - strlen(why),
		    " (in the reply)");
		report(ex, c, why);
		explicit_bzero(copy, len);
		return;
	}
	rc = sad_from_pfkey(&m, &e);
	explicit_bzero(copy, len);
	if (rc != 0) {
		report(ex, c, sad_strerror(rc));
		return;
	}
	meta_of(&meta, h);
	/* "current:" and "diff:" are for now, not when setkey started */
	ex->pro.now = time(NULL);
	print_sa(stdout, &e, &meta, ex->pr);
	sad_entry_clear(&e);
}

/*
 * The transport is gone or hung: every request in flight is lost.  Say
 * so once, naming the oldest statement that got no answer, and stop
 * sending (the caller sees ex->dead).
 */
static void
lose_window(struct exec *ex, int rc)
{
	const struct setkey_cmd *first = NULL;
	char why[256];
	size_t i;

	for (i = 0; i < ex->winsz; i++) {
		if (!ex->win[i].used || ex->win[i].cmd == NULL)
			continue;
		if (first == NULL || ex->win[i].cmd->loc.line <
		    first->loc.line)
			first = ex->win[i].cmd;
	}
	if (first != NULL && ex->inflight > 1)
		snprintf(why, sizeof(why), "%s; no reply to this statement "
		    "nor to %zu more requests", xport_error(rc),
		    ex->inflight - 1);
	else
		snprintf(why, sizeof(why), "%s", xport_error(rc));
	report(ex, first, why);
	ex->failed += ex->inflight > 1 ? (int)ex->inflight - 1 : 0;
	memset(ex->win, 0, ex->winsz * sizeof(*ex->win));
	ex->inflight = 0;
	ex->dead = true;
}

/* Read one message and settle the request it answers; 0 or an error. */
static int
collect_one(struct exec *ex)
{
	const struct sadb_msg *h;
	struct pending *p, done;
	const void *msg;
	size_t len;
	int rc;

	rc = pfkey_recv(ex->x, &msg, &len, REPLY_TIMEOUT_MS);
	if (rc == PFKEY_ERR_TRUNCATED)
		return (0);	/* cannot be a reply of ours: ours fit */
	if (rc != 0)
		return (rc);
	if (len < PFKEY_HDRLEN)
		return (0);
	h = msg;
	verbose_msg(ex, "recv", msg, len);
	if (h->sadb_msg_pid != ex->pid ||
	    (p = win_find(ex, h->sadb_msg_seq)) == NULL ||
	    p->type != h->sadb_msg_type)
		return (0);	/* a broadcast, or a second copy */
	done = *p;
	p->used = false;
	ex->inflight--;
	on_reply(ex, &done, h, msg, len);
	return (0);
}

/* Wait for every request in flight; 0, or the transport failed. */
static int
drain(struct exec *ex)
{
	int rc;

	if (ex->dead)
		return (-1);
	while (ex->inflight > 0) {
		if ((rc = collect_one(ex)) != 0) {
			lose_window(ex, rc);
			return (rc);
		}
	}
	return (0);
}

/*
 * Send a finished message for `c', keeping at most `window' in flight.
 * `twin' marks the fwd copy of an inbound policy (RFC mode).
 */
static int
submit(struct exec *ex, const struct setkey_cmd *c, struct pfkey_buf *b,
    bool twin)
{
	const struct sadb_msg *h;
	struct pending *p;
	const void *msg;
	size_t len;
	int rc;

	if (ex->dead)
		return (-1);
	if ((rc = pfkey_buf_finish(b, &msg, &len)) != 0) {
		report(ex, c, pfkey_strerror(rc));
		return (rc);
	}
	h = msg;
	while (ex->inflight >= ex->window ||
	    win_at(ex, h->sadb_msg_seq)->used) {
		if ((rc = collect_one(ex)) != 0) {
			lose_window(ex, rc);
			report(ex, c, "not sent: the transport failed");
			return (rc);
		}
	}
	verbose_msg(ex, "send", msg, len);
	if ((rc = pfkey_send(ex->x, msg, len)) != 0) {
		if (rc == PFKEY_ERR_SYSTEM && errno == EMSGSIZE) {
			/* this message only: the transport is fine */
			report(ex, c, strerror(errno));
			return (rc);
		}
		report(ex, c, xport_error(rc));
		if (ex->inflight > 0)
			lose_window(ex, rc);
		ex->dead = true;
		return (rc);
	}
	p = win_at(ex, h->sadb_msg_seq);
	p->cmd = c;
	p->seq = h->sadb_msg_seq;
	p->type = h->sadb_msg_type;
	p->twin = twin;
	p->used = true;
	ex->inflight++;
	return (0);
}

static int
start(struct exec *ex, struct pfkey_buf *b, uint8_t type, uint8_t satype)
{
	return (pfkey_buf_alloc(b, ex->d, type, satype,
	    pfkey_xport_seq(ex->x), ex->pid));
}

/* ---------------------------------------------------------- the dumps */

/*
 * A DUMP or X_SPDDUMP: every part until the one with seq 0.  ENOENT on
 * the first part means an empty database, which the references report as
 * "No SAD entries." / "No SPD entries." (on stdout: it is an answer, not
 * a failure).  Returns 0 or 1.
 */
static int
run_dump(struct exec *ex, const struct setkey_cmd *c, bool policy,
    uint8_t satype, bool all, bool shortform)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	struct setkey_msgmeta meta;
	const struct sadb_msg *h;
	struct sad_entry e;
	struct spd_entry p;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg, *reply;
	size_t len, rlen;
	uint8_t type = policy ? PFKEY_MSG_X_SPDDUMP : PFKEY_MSG_DUMP;
	char why[384];
	int rc, n = 0;

	if (drain(ex) != 0)
		return (1);
	ex->pro.now = time(NULL);
	if ((rc = start(ex, &b, type, policy ? 0 : satype)) != 0 ||
	    (rc = pfkey_buf_finish(&b, &msg, &len)) != 0) {
		report(ex, c, pfkey_strerror(rc));
		pfkey_buf_free(&b);
		return (1);
	}
	verbose_msg(ex, "send", msg, len);
	rc = pfkey_request(ex->x, msg, len, &reply, &rlen, REPLY_TIMEOUT_MS);
	pfkey_buf_free(&b);
	for (;;) {
		if (rc != 0) {
			report(ex, c, xport_error(rc));
			ex->dead = true;
			return (1);
		}
		verbose_msg(ex, "recv", reply, rlen);
		h = reply;
		if (h->sadb_msg_errno != 0) {
			if (h->sadb_msg_errno == ENOENT && n == 0) {
				if (!ex->pr->json && !shortform)
					printf(policy ? "No SPD entries.\n" :
					    "No SAD entries.\n");
				return (0);
			}
			report(ex, c, reply_text(ex, c, h->sadb_msg_errno,
			    why, sizeof(why)));
			return (1);
		}
		n++;
		memcpy(copy, reply, rlen);
		meta_of(&meta, h);
		rc = pfkey_decode(copy, rlen, ex->d, PFKEY_DEC_FROM_KERNEL |
		    PFKEY_DEC_SKIP_UNKNOWN, &m);
		if (rc != 0) {
			pfkey_decode_error(&m, rc, why, sizeof(why));
			fprintf(stderr, "setkey: skipping a dump message: %s\n",
			    why);
		} else if (policy) {
			if ((rc = spd_from_pfkey(&m, &p)) == 0) {
				print_sp(stdout, &p, &meta, ex->pr);
				spd_entry_clear(&p);
			}
		} else if ((rc = sad_from_pfkey(&m, &e)) == 0) {
			if (all || e.state != PFKEY_SASTATE_DEAD) {
				if (shortform)
					print_sa_short(stdout, &e, ex->pr);
				else
					print_sa(stdout, &e, &meta, ex->pr);
			}
			sad_entry_clear(&e);
		}
		explicit_bzero(copy, rlen);
		if (h->sadb_msg_seq == 0)
			break;
		rc = pfkey_request_next(ex->x, type, &reply, &rlen,
		    REPLY_TIMEOUT_MS);
	}
	fflush(stdout);
	return (0);
}

/*
 * deleteall as KAME does it, a DELETE without an SA extension; a kernel
 * that refuses that with EINVAL (Linux af_key: RFC 2367 wants an SA)
 * gets what ipsec-tools does there: a DUMP of the SA type, and one DELETE
 * per SA of the address pair.
 */
static void
run_deleteall(struct exec *ex, const struct setkey_cmd *c)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	struct sad_entry *list = NULL, *nl, e;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const struct sadb_msg *h;
	const void *msg, *reply;
	size_t len, rlen, n = 0, i;
	char why[384];
	int rc;

	if (drain(ex) != 0)
		return;
	memset(&b, 0, sizeof(b));
	if ((rc = start(ex, &b, PFKEY_MSG_DELETE, c->sa.satype)) != 0 ||
	    (rc = sad_to_pfkey(&c->sa, &b, SAD_PK_NO_LIFETIMES)) != 0 ||
	    (rc = pfkey_buf_finish(&b, &msg, &len)) != 0) {
		report(ex, c, sa_error(rc, &b));
		pfkey_buf_free(&b);
		return;
	}
	verbose_msg(ex, "send", msg, len);
	rc = pfkey_request(ex->x, msg, len, &reply, &rlen, REPLY_TIMEOUT_MS);
	pfkey_buf_free(&b);
	if (rc != 0) {
		report(ex, c, xport_error(rc));
		ex->dead = true;
		return;
	}
	verbose_msg(ex, "recv", reply, rlen);
	h = reply;
	/* nothing to delete is no failure, as in both references */
	if (h->sadb_msg_errno == 0 || h->sadb_msg_errno == ESRCH ||
	    h->sadb_msg_errno == ENOENT)
		return;
	if (h->sadb_msg_errno != EINVAL) {
		report(ex, c, reply_text(ex, c, h->sadb_msg_errno, why,
		    sizeof(why)));
		return;
	}
	/* The kernel wants an SPI: collect the SAs of the pair. */
	if ((rc = start(ex, &b, PFKEY_MSG_DUMP, c->sa.satype)) != 0 ||
	    (rc = pfkey_buf_finish(&b, &msg, &len)) != 0 ||
	    (rc = pfkey_request(ex->x, msg, len, &reply, &rlen,
	    REPLY_TIMEOUT_MS)) != 0) {
		pfkey_buf_free(&b);
		report(ex, c, xport_error(rc));
		return;
	}
	pfkey_buf_free(&b);
	for (;;) {
		h = reply;
		if (h->sadb_msg_errno != 0)
			break;		/* ENOENT: no SA at all */
		memcpy(copy, reply, rlen);
		if (pfkey_decode(copy, rlen, ex->d, PFKEY_DEC_FROM_KERNEL |
		    PFKEY_DEC_SKIP_UNKNOWN, &m) == 0 &&
		    sad_from_pfkey(&m, &e) == 0) {
			if (e.satype == c->sa.satype &&
			    sad_addr_cmp(&e.src, &c->sa.src) == 0 &&
			    sad_addr_cmp(&e.dst, &c->sa.dst) == 0 &&
			    (nl = reallocarray(list, n + 1,
			    sizeof(*list))) != NULL) {
				list = nl;
				list[n++] = e;
			} else
				sad_entry_clear(&e);
		}
		explicit_bzero(copy, rlen);
		if (h->sadb_msg_seq == 0)
			break;
		if ((rc = pfkey_request_next(ex->x, PFKEY_MSG_DUMP, &reply,
		    &rlen, REPLY_TIMEOUT_MS)) != 0) {
			report(ex, c, xport_error(rc));
			ex->dead = true;
			break;
		}
	}
	for (i = 0; i < n; i++) {
		e = list[i];
		/* the SA by its SPI and addresses; no keys, no lifetimes */
		e.has &= SAD_HAS_SA_FIELDS;
		if (!ex->dead && start(ex, &b, PFKEY_MSG_DELETE,
		    e.satype) == 0 && sad_to_pfkey(&e, &b,
		    SAD_PK_NO_LIFETIMES) == 0)
			(void)submit(ex, c, &b, false);
		pfkey_buf_free(&b);
		sad_entry_clear(&list[i]);
	}
	free(list);
	(void)drain(ex);
}

/* ------------------------------------------- what the kernel can take */

/* "FILE:LINE: op: warning: what", in full once per kind, then counted. */
static void
warn_once(struct exec *ex, const struct setkey_cmd *c, enum warn_kind k,
    const char *what)
{
	if (ex->warned[k]++ == 0)
		fprintf(stderr, "%s:%d: %s: warning: %s\n", c->loc.file,
		    c->loc.line, op_name(c->op), what);
}

/* The warnings of a run beyond the first of each kind, as one line each. */
static void
warn_summary(const struct exec *ex)
{
	static const char *const more[WARN_COUNT] = {
		[WARN_SHA256_96] = "with hmac-sha2-256, which af_key "
		    "truncates to 96 bits",
		[WARN_REPLAY_32] = "with a replay window that af_key cuts to "
		    "32 packets",
	};
	int k;

	for (k = 0; k < WARN_COUNT; k++)
		if (ex->warned[k] > 1)
			fprintf(stderr, "setkey: warning: %d more statement%s "
			    "%s\n", ex->warned[k] - 1,
			    ex->warned[k] == 2 ? "" : "s", more[k]);
}

/*
 * Linux af_key's limits, checked before sending: what it would refuse
 * with a bare errno (AEAD: ENOSYS; IP-TFS: EINVAL) or, worse, take and
 * silently change (ESN: the flag is dropped; a replay window beyond 255:
 * X_SA_REPLAY is skipped).  Those are refused here, naming the feature
 * and the transport that has it.  What works but differs from what was
 * asked (a window cut to 32 packets, a 96-bit HMAC-SHA2-256 ICV that an
 * old peer may want) is a warning.  Returns -1 when the statement is
 * refused (reported and counted).
 */
static int
afkey_sa(struct exec *ex, const struct setkey_cmd *c)
{
	const struct sad_entry *e = &c->sa;
	const struct pfkey_alg_info *ai;
	char why[256];

	if ((e->has & SAD_HAS_MODE) && e->mode == PFKEY_MODE_IPTFS) {
		report(ex, c, "Linux af_key cannot carry IP-TFS mode "
		    "(-m iptfs); use -B xfrm");
		return (-1);
	}
	if (c->op != SK_ADD && c->op != SK_UPDATE)
		return (0);
	if ((e->has & SAD_HAS_EALG) && e->satype != PFKEY_SATYPE_IPCOMP &&
	    !SAD_ALG_IS_RAW(e->ealg) &&
	    (ai = pfkey_alg_info(PFKEY_ALG_ENCRYPT, e->ealg)) != NULL &&
	    ai->aead) {
		snprintf(why, sizeof(why), "Linux af_key cannot carry AEAD "
		    "(%s); use -B xfrm", ai->name);
		report(ex, c, why);
		return (-1);
	}
	if ((e->has & SAD_HAS_FLAGS) && (e->flags & SAD_F_ESN)) {
		report(ex, c, "Linux af_key cannot carry extended sequence "
		    "numbers (-f esn); use -B xfrm");
		return (-1);
	}
	if ((e->has & SAD_HAS_REPLAY) && e->replay > AFKEY_REPLAY_FIELD) {
		snprintf(why, sizeof(why), "Linux af_key cannot carry a "
		    "replay window of %u packets (its field holds %d, and it "
		    "keeps %d); use -B xfrm", e->replay, AFKEY_REPLAY_FIELD,
		    AFKEY_REPLAY_KEPT);
		report(ex, c, why);
		return (-1);
	}
	if ((e->has & SAD_HAS_REPLAY) && e->replay > AFKEY_REPLAY_KEPT) {
		snprintf(why, sizeof(why), "Linux af_key keeps a replay "
		    "window of %d packets, not %u; use -B xfrm for %u",
		    AFKEY_REPLAY_KEPT, e->replay, e->replay);
		warn_once(ex, c, WARN_REPLAY_32, why);
	}
	if ((e->has & SAD_HAS_AALG) && e->aalg == PFKEY_AALG_SHA2_256HMAC)
		warn_once(ex, c, WARN_SHA256_96, "Linux af_key truncates "
		    "hmac-sha2-256 to a 96-bit ICV; peers that use RFC 4868's "
		    "128 bits drop every packet; use -B xfrm for 128");
	return (0);
}

/* IP-TFS in a policy's transforms: af_key's template parser says EINVAL. */
static int
afkey_sp(struct exec *ex, const struct setkey_cmd *c)
{
	unsigned i;

	for (i = 0; i < c->sp.nreq; i++) {
		if (c->sp.req[i].mode == PFKEY_MODE_IPTFS) {
			report(ex, c, "Linux af_key cannot carry IP-TFS mode "
			    "(iptfs); use -B xfrm");
			return (-1);
		}
	}
	return (0);
}

/* The statements whose algorithms the REGISTER lists can judge. */
static bool
reg_wants(const struct setkey_cmd *c)
{
	return ((c->op == SK_ADD || c->op == SK_UPDATE) &&
	    (c->sa.satype == PFKEY_SATYPE_ESP ||
	    c->sa.satype == PFKEY_SATYPE_AH) &&
	    (c->sa.has & (SAD_HAS_AALG | SAD_HAS_EALG)) != 0);
}

/* One SUPPORTED_AUTH or SUPPORTED_ENCRYPT extension into a table. */
static void
reg_table(struct kalg *t, const struct sadb_ext *ext)
{
	const uint8_t *p = (const uint8_t *)ext;
	struct sadb_alg a;
	size_t len, off;
	uint16_t units;

	memcpy(&units, p, sizeof(units));
	len = (size_t)units * PFKEY_UNIT;
	for (off = sizeof(struct sadb_supported); off + sizeof(a) <= len;
	    off += sizeof(a)) {
		memcpy(&a, p + off, sizeof(a));
		t[a.sadb_alg_id].listed = true;
		t[a.sadb_alg_id].minbits = a.sadb_alg_minbits;
		t[a.sadb_alg_id].maxbits = a.sadb_alg_maxbits;
	}
}

/*
 * Ask the kernel which algorithms and key lengths it takes, as
 * ipsec-tools does before sending SAs.  One REGISTER with SA type 0: it
 * only asks.  af_key (pfkey_register()), KAME (key_register()), the XFRM
 * transport and sadbd all answer it with both lists and register the
 * socket for nothing, so no ACQUIRE and no other broadcast for registered
 * sockets comes to setkey afterwards, and asking again on the same socket
 * (the console runs each line by itself) is no EEXIST.  Every kernel lists
 * the same algorithms for ESP and AH, so the one answer serves both.
 */
static void
reg_fetch(struct exec *ex)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	const struct sadb_msg *h;
	struct pfkey_buf b;
	struct pfkey_msg m;
	const void *msg, *reply;
	size_t len, rlen;
	char why[384];
	int rc;

	if (start(ex, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_UNSPEC) != 0 ||
	    pfkey_buf_finish(&b, &msg, &len) != 0) {
		pfkey_buf_free(&b);
		return;
	}
	verbose_msg(ex, "send", msg, len);
	rc = pfkey_request(ex->x, msg, len, &reply, &rlen, REPLY_TIMEOUT_MS);
	pfkey_buf_free(&b);
	if (rc != 0) {
		fprintf(stderr, "setkey: warning: algorithms not checked "
		    "against the kernel's: REGISTER: %s\n", xport_error(rc));
		return;
	}
	verbose_msg(ex, "recv", reply, rlen);
	h = reply;
	if (h->sadb_msg_errno != 0) {
		/* a kernel that registers type 0 after all, a second time */
		if (h->sadb_msg_errno != EEXIST)
			fprintf(stderr, "setkey: warning: algorithms not "
			    "checked against the kernel's: REGISTER: %s\n",
			    reply_text(ex, NULL, h->sadb_msg_errno, why,
			    sizeof(why)));
		return;
	}
	memcpy(copy, reply, rlen);
	if ((rc = pfkey_decode(copy, rlen, ex->d, PFKEY_DEC_FROM_KERNEL |
	    PFKEY_DEC_NOREQ | PFKEY_DEC_SKIP_UNKNOWN, &m)) != 0) {
		pfkey_decode_error(&m, rc, why, sizeof(why));
		fprintf(stderr, "setkey: warning: algorithms not checked "
		    "against the kernel's: REGISTER reply: %s\n", why);
		return;
	}
	if (m.ext[PFKEY_EXT_SUPPORTED_AUTH] != NULL)
		reg_table(ex->kauth, m.ext[PFKEY_EXT_SUPPORTED_AUTH]);
	if (m.ext[PFKEY_EXT_SUPPORTED_ENCRYPT] != NULL)
		reg_table(ex->kenc, m.ext[PFKEY_EXT_SUPPORTED_ENCRYPT]);
	ex->reghave = true;
}

/* An algorithm's name for a message: setkey's, else its wire number. */
static void
alg_text(char *buf, size_t bufsz, enum pfkey_dialect d,
    enum pfkey_alg_kind kind, int wire)
{
	const struct pfkey_alg_info *ai;
	int l;

	if ((l = pfkey_alg_from_wire(d, kind, wire)) >= 0 &&
	    (ai = pfkey_alg_info(kind, l)) != NULL)
		snprintf(buf, bufsz, "%s", ai->name);
	else
		snprintf(buf, bufsz, "#%d", wire);
}

/*
 * One algorithm of a statement against the REGISTER list: listed, and
 * the key within the kernel's minimum and maximum bits.  A refusal says
 * what the kernel has instead.  Returns -1 when refused.
 */
static int
reg_alg(struct exec *ex, const struct setkey_cmd *c, enum pfkey_alg_kind kind,
    uint16_t alg, unsigned bits)
{
	const struct kalg *t = kind == PFKEY_ALG_AUTH ? ex->kauth : ex->kenc;
	const char *what = kind == PFKEY_ALG_AUTH ? "authentication" :
	    "encryption";
	const struct pfkey_alg_info *ai;
	char why[1024], name[48], other[48];
	unsigned salt;
	size_t n;
	int w, i, listed = 0;

	w = SAD_ALG_IS_RAW(alg) ? SAD_ALG_RAW_WIRE(alg) :
	    pfkey_alg_to_wire(ex->d, kind, alg);
	if (w <= 0 || w > 255)
		return (0);	/* no number: the bridge says so */
	alg_text(name, sizeof(name), ex->d, kind, w);
	if (!t[w].listed) {
		/*
		 * The XFRM transport's list is its probe of the kernel's
		 * crypto API, which can miss what XFRM has: there the
		 * kernel's own answer decides.
		 */
		if (!ex->regstrict)
			return (0);
		n = (size_t)snprintf(why, sizeof(why), "the kernel has no %s "
		    "algorithm %s (its REGISTER lists:", what, name);
		for (i = 1; i < 256 && n < sizeof(why); i++) {
			if (!t[i].listed)
				continue;
			alg_text(other, sizeof(other), ex->d, kind, i);
			n += (size_t)snprintf(why + n, sizeof(why) - n, "%s %s",
			    listed++ > 0 ? "," : "", other);
		}
		if (n < sizeof(why))
			snprintf(why + n, sizeof(why) - n, "%s)",
			    listed == 0 ? " none" : "");
		report(ex, c, why);
		return (-1);
	}
	/*
	 * The salt of CTR, GCM, GMAC and ChaCha20-Poly1305 keys (RFC 3686,
	 * 4106, 4543, 7634) is counted in the bits by Linux's REGISTER but
	 * not by FreeBSD's, whose esp_init() takes the 4 bytes off before
	 * comparing with its transform's sizes: a key that fits either way
	 * is taken.
	 */
	salt = (ai = SAD_ALG_IS_RAW(alg) ? NULL : pfkey_alg_info(kind,
	    alg)) != NULL ? ai->saltbits : 0;
	if ((bits >= t[w].minbits && bits <= t[w].maxbits) ||
	    (salt > 0 && bits >= salt && bits - salt >= t[w].minbits &&
	    bits - salt <= t[w].maxbits))
		return (0);
	n = (size_t)snprintf(why, sizeof(why), "the kernel takes a key of ");
	if (t[w].minbits == t[w].maxbits)
		n += (size_t)snprintf(why + n, sizeof(why) - n, "%u",
		    t[w].minbits);
	else
		n += (size_t)snprintf(why + n, sizeof(why) - n, "%u to %u",
		    t[w].minbits, t[w].maxbits);
	if (salt > 0)
		snprintf(why + n, sizeof(why) - n, " bits for %s, with or "
		    "without its %u-bit salt, not %u (its REGISTER reply)",
		    name, salt, bits);
	else
		snprintf(why + n, sizeof(why) - n, " bits for %s, not %u (its "
		    "REGISTER reply)", name, bits);
	report(ex, c, why);
	return (-1);
}

/* An SA statement's algorithms against the kernel's REGISTER lists. */
static int
reg_sa(struct exec *ex, const struct setkey_cmd *c)
{
	const struct sad_entry *e = &c->sa;

	if (!ex->reghave || !reg_wants(c))
		return (0);
	if ((e->has & SAD_HAS_EALG) && e->ealg != PFKEY_EALG_NONE &&
	    reg_alg(ex, c, PFKEY_ALG_ENCRYPT, e->ealg,
	    (e->has & SAD_HAS_EKEY) ? e->ekey.bits : 0) != 0)
		return (-1);
	if ((e->has & SAD_HAS_AALG) && e->aalg != PFKEY_AALG_NONE &&
	    reg_alg(ex, c, PFKEY_ALG_AUTH, e->aalg,
	    (e->has & SAD_HAS_AKEY) ? e->akey.bits : 0) != 0)
		return (-1);
	return (0);
}

/* ---------------------------------------------------------- statements */

/*
 * The fwd twin of an inbound policy in RFC mode, as ipsec-tools builds
 * it: the same selector and transforms with direction fwd and, where a
 * transform's level is unique, level require and no reqid (a reqid may
 * be unique to one policy).  ipsec-tools changes only the first
 * transform (its comment says the rest should follow); we change them
 * all.
 */
static int
fwd_twin(struct spd_entry *sp, const struct spd_entry *in)
{
	unsigned i;

	if (spd_entry_copy(sp, in) != 0)
		return (-1);
	sp->dir = PFKEY_DIR_FWD;
	sp->has &= ~SPD_HAS_ID;
	sp->id = 0;
	for (i = 0; i < sp->nreq; i++) {
		if (sp->req[i].level == PFKEY_LEVEL_UNIQUE) {
			sp->req[i].level = PFKEY_LEVEL_REQUIRE;
			sp->req[i].reqid = 0;
		}
	}
	return (0);
}

/* A policy statement: the request, and its fwd twin in RFC mode. */
static void
run_spd(struct exec *ex, const struct setkey_cmd *c, uint8_t type)
{
	struct spd_entry sp;
	struct pfkey_buf b;
	int rc;

	if (ex->afkey && type != PFKEY_MSG_X_SPDDELETE && afkey_sp(ex, c) != 0)
		return;
	memset(&b, 0, sizeof(b));
	if ((rc = start(ex, &b, type, 0)) == 0)
		rc = spd_to_pfkey(&c->sp, &b, 0);
	if (rc == 0)
		(void)submit(ex, c, &b, false);
	else
		report(ex, c, sa_error(rc, &b));
	pfkey_buf_free(&b);
	/*
	 * RFC mode (Linux): forwarded traffic is checked against fwd
	 * policies, so every inbound policy gets a fwd twin; spdupdate and
	 * spddelete act on the twin too, as in ipsec-tools, whose one
	 * function builds all three messages.
	 */
	if (!ex->eo->rfc_fwd || c->sp.dir != PFKEY_DIR_INBOUND ||
	    pfkey_dialect_resolve(ex->d) != PFKEY_DIALECT_LINUX)
		return;
	if (fwd_twin(&sp, &c->sp) != 0) {
		report(ex, c, "out of memory");
		return;
	}
	if ((rc = start(ex, &b, type, 0)) == 0)
		rc = spd_to_pfkey(&sp, &b, 0);
	if (rc == 0)
		(void)submit(ex, c, &b, true);
	else
		report(ex, c, sa_error(rc, &b));
	pfkey_buf_free(&b);
	spd_entry_clear(&sp);
}

/* Build and send the request(s) of one statement. */
static void
run_cmd(struct exec *ex, const struct setkey_cmd *c)
{
	struct sad_entry sa;
	struct pfkey_buf b;
	uint8_t type = 0;
	int rc = 0, flags = 0;

	memset(&b, 0, sizeof(b));
	switch (c->op) {
	case SK_ADD:
		type = PFKEY_MSG_ADD;
		flags = SAD_PK_KEYS;
		break;
	case SK_UPDATE:
		type = PFKEY_MSG_UPDATE;
		flags = SAD_PK_KEYS;
		break;
	case SK_GET:
		type = PFKEY_MSG_GET;
		break;
	case SK_DELETE:
		type = PFKEY_MSG_DELETE;
		break;
	case SK_GETSPI:
		type = PFKEY_MSG_GETSPI;
		break;
	case SK_DELETEALL:
		run_deleteall(ex, c);
		return;
	case SK_FLUSH:
	case SK_SPDFLUSH:
		if ((rc = start(ex, &b, c->op == SK_FLUSH ? PFKEY_MSG_FLUSH :
		    PFKEY_MSG_X_SPDFLUSH, c->op == SK_FLUSH ? c->sa.satype :
		    0)) == 0)
			(void)submit(ex, c, &b, false);
		else
			report(ex, c, pfkey_strerror(rc));
		pfkey_buf_free(&b);
		return;
	case SK_DUMP:
		(void)run_dump(ex, c, false, c->sa.satype, false, false);
		return;
	case SK_SPDDUMP:
		(void)run_dump(ex, c, true, 0, false, false);
		return;
	case SK_SPDADD:
		run_spd(ex, c, PFKEY_MSG_X_SPDADD);
		return;
	case SK_SPDUPDATE:
		run_spd(ex, c, PFKEY_MSG_X_SPDUPDATE);
		return;
	case SK_SPDDELETE:
		run_spd(ex, c, PFKEY_MSG_X_SPDDELETE);
		return;
	case SK_EXIT:
		return;
	}

	/* Said before sending: what the kernel cannot take. */
	if (ex->afkey && c->op != SK_GET && c->op != SK_DELETE &&
	    afkey_sa(ex, c) != 0)
		return;
	if (reg_sa(ex, c) != 0)
		return;

	/* SA statements: only what the request needs goes out. */
	if (sad_entry_copy(&sa, &c->sa) != 0) {
		report(ex, c, "out of memory");
		return;
	}
	if (c->op == SK_GET || c->op == SK_DELETE) {
		sa.has &= SAD_HAS_SA_FIELDS;
		flags = SAD_PK_NO_LIFETIMES;
	}
	if (c->op == SK_GETSPI)
		sa.has &= ~SAD_HAS_SA_FIELDS;
	/*
	 * X_SA2 always goes with add, update and getspi, mode "any" and
	 * reqid 0 unless given, as both references send it: kernels keep
	 * a mode for every SA and the printers expect it back.
	 */
	if (c->op == SK_ADD || c->op == SK_UPDATE || c->op == SK_GETSPI)
		sa.has |= SAD_HAS_SA2_FIELDS;
	/*
	 * ESP always carries KEY_ENCRYPT, if only with 0 bits for the null
	 * cipher: Linux af_key refuses the SA without it, as ipsec-tools
	 * knows.
	 */
	if ((c->op == SK_ADD || c->op == SK_UPDATE) &&
	    sa.satype == PFKEY_SATYPE_ESP && (sa.has & SAD_HAS_EKEY) == 0)
		sa.has |= SAD_HAS_EKEY;
	/* getspi without an SPI: no SPIRANGE, the kernel picks (RFC 2367) */
	if ((rc = start(ex, &b, type, c->sa.satype)) != 0 ||
	    (c->op == SK_GETSPI && c->spi_max != 0 &&
	    (rc = pfkey_put_spirange(&b, c->spi_min, c->spi_max)) != 0))
		report(ex, c, pfkey_strerror(rc));
	else if ((rc = sad_to_pfkey(&sa, &b, flags)) != 0)
		report(ex, c, sa_error(rc, &b));
	else
		(void)submit(ex, c, &b, false);
	pfkey_buf_free(&b);
	sad_entry_clear(&sa);
}

static int
exec_init(struct exec *ex, struct pfkey_xport *x,
    const struct setkey_exec_opts *eo, const struct setkey_print_opts *pr)
{
	const char *env;
	int w = eo->window;

	memset(ex, 0, sizeof(*ex));
	ex->x = x;
	ex->eo = eo;
	ex->pro = *pr;
	ex->pr = &ex->pro;
	ex->d = pfkey_xport_dialect(x);
	ex->pid = pfkey_xport_pid(x);
	/*
	 * The default window.  A kernel drops replies its socket buffer
	 * cannot take (2 MiB at best, a few hundred bytes a reply plus
	 * overhead), so a kernel gets 256 at a time; sadbd queues replies
	 * itself and never drops one, and a larger window lets each of its
	 * journal commits cover more requests.
	 */
	if (w <= 0)
		w = pfkey_xport_kind(x) == PFKEY_XPORT_SADBD ?
		    REQ_WINDOW_SADBD : REQ_WINDOW_KERNEL;
	if (w > REQ_MAXWINDOW)
		w = REQ_MAXWINDOW;
	ex->window = (size_t)w;
	/*
	 * What the kernel can take is checked on kernel transports: af_key's
	 * limits where the kernel's PF_KEY is Linux's, and the algorithms of
	 * REGISTER on both kernels.  On PF_KEY the lists are the kernel's
	 * own, so an algorithm missing from them is refused; on XFRM only
	 * key lengths are (see reg_alg()).  sadbd's lists are libpfkey's
	 * table, which the parser has already applied.
	 */
	switch (pfkey_xport_kind(x)) {
	case PFKEY_XPORT_KERNEL:
		ex->afkey = pfkey_dialect_resolve(ex->d) ==
		    PFKEY_DIALECT_LINUX;
		ex->regcheck = ex->regstrict = true;
		break;
	case PFKEY_XPORT_XFRM:
		ex->regcheck = true;
		break;
	default:
		break;
	}
	if ((env = getenv(TEST_AFKEY_ENV)) != NULL && strcmp(env, "1") == 0)
		ex->afkey = ex->regcheck = ex->regstrict = true;
	/* room for a window of seqs and then some: rarely a wait */
	ex->winsz = (size_t)w * 2;
	if ((ex->win = calloc(ex->winsz, sizeof(*ex->win))) == NULL)
		return (-1);
	return (0);
}

int
exec_cmds(struct pfkey_xport *x, struct setkey_cmdq *q,
    const struct setkey_exec_opts *eo, const struct setkey_print_opts *pr)
{
	struct setkey_cmd *c;
	struct exec ex;
	int left = 0;

	if (exec_init(&ex, x, eo, pr) != 0)
		err(1, NULL);
	/* One REGISTER before the first SA statement, if there is one. */
	if (ex.regcheck) {
		TAILQ_FOREACH(c, q, entry) {
			if (c->op == SK_EXIT)
				break;
			if (reg_wants(c)) {
				reg_fetch(&ex);
				break;
			}
		}
	}
	TAILQ_FOREACH(c, q, entry) {
		if (c->op == SK_EXIT)
			break;
		if (ex.dead) {
			left++;
			continue;
		}
		run_cmd(&ex, c);
	}
	(void)drain(&ex);
	if (left > 0) {
		fprintf(stderr, "setkey: %d statement%s after the failure "
		    "%s not sent\n", left, left == 1 ? "" : "s",
		    left == 1 ? "was" : "were");
		ex.failed += left;
	}
	warn_summary(&ex);
	free(ex.win);
	fflush(stdout);
	return (ex.failed);
}

int
exec_dump(struct pfkey_xport *x, bool policy, bool all, bool loop,
    const struct setkey_exec_opts *eo, const struct setkey_print_opts *pr)
{
	struct exec ex;
	int rc = 0;

	if (exec_init(&ex, x, eo, pr) != 0)
		err(1, NULL);
	if (!loop) {
		rc = run_dump(&ex, NULL, policy, 0, all, false);
		free(ex.win);
		return (rc != 0 || ex.failed != 0);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (!pr->json)
		print_sa_short_header(stdout);
	while (!interrupted) {
		if ((rc = run_dump(&ex, NULL, policy, 0, all, !policy)) != 0)
			break;
		sleep(1);
	}
	free(ex.win);
	return (rc != 0 || ex.failed != 0);
}

int
exec_flush(struct pfkey_xport *x, bool policy,
    const struct setkey_exec_opts *eo)
{
	struct setkey_print_opts pr;
	struct pfkey_buf b;
	struct exec ex;
	int rc;

	memset(&pr, 0, sizeof(pr));
	memset(&b, 0, sizeof(b));
	if (exec_init(&ex, x, eo, &pr) != 0)
		err(1, NULL);
	if ((rc = start(&ex, &b, policy ? PFKEY_MSG_X_SPDFLUSH :
	    PFKEY_MSG_FLUSH, PFKEY_SATYPE_UNSPEC)) == 0)
		(void)submit(&ex, NULL, &b, false);
	else
		report(&ex, NULL, pfkey_strerror(rc));
	pfkey_buf_free(&b);
	(void)drain(&ex);
	free(ex.win);
	return (ex.failed != 0);
}

/* A monitored message that does not decode, as a JSON Lines object. */
static void
json_error(const char *why)
{
	const unsigned char *s;

	printf("{\"type\":\"msg\",\"error\":\"");
	for (s = (const unsigned char *)why; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if (*s < 0x20 || *s >= 0x7f)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	printf("\"}\n");
}

/* Print one monitored message (its bytes are copied: the decoder's view). */
static void
monitor_one(const void *msg, size_t len, enum pfkey_dialect d,
    struct setkey_print_opts *p, bool rawtime, bool hexdump)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	struct pfkey_msg m;
	struct timeval tv;
	char why[256];
	int rc;

	memcpy(copy, msg, len);
	rc = pfkey_decode(copy, len, d, PFKEY_DEC_FROM_KERNEL |
	    PFKEY_DEC_NOREQ | PFKEY_DEC_SKIP_UNKNOWN, &m);
	gettimeofday(&tv, NULL);
	p->now = tv.tv_sec;
	p->now_usec = (uint32_t)tv.tv_usec;
	if (rc != 0) {
		pfkey_decode_error(&m, rc, why, sizeof(why));
		if (p->json)
			json_error(why);
		else
			printf("(a message that does not decode: %s)\n", why);
	} else
		print_monitor(stdout, &m, p, rawtime, hexdump);
	explicit_bzero(copy, len);
	fflush(stdout);
}

int
exec_monitor(struct pfkey_xport *x, bool rawtime, bool hexdump,
    const struct setkey_print_opts *pr)
{
	struct setkey_print_opts p = *pr;
	enum pfkey_dialect d = pfkey_xport_dialect(x);
	const struct sadb_msg *h;
	struct pfkey_buf b;
	const void *msg, *reply;
	size_t len, rlen;
	int rc;

	/* A monitor is read through a pipe more often than not. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/*
	 * X_PROMISC with satype 1 turns promiscuous mode on.  Its answer
	 * says whether we may (sadbd refuses an unprivileged client), and
	 * is the first message shown, as in the references.
	 */
	if (pfkey_buf_alloc(&b, d, PFKEY_MSG_X_PROMISC, 1,
	    pfkey_xport_seq(x), pfkey_xport_pid(x)) != 0 ||
	    pfkey_buf_finish(&b, &msg, &len) != 0)
		errx(1, "cannot build X_PROMISC");
	rc = pfkey_request(x, msg, len, &reply, &rlen, REPLY_TIMEOUT_MS);
	pfkey_buf_free(&b);
	if (rc != 0)
		errx(1, "cannot enter promiscuous mode: %s", xport_error(rc));
	h = reply;
	if (h->sadb_msg_errno != 0)
		errx(1, "cannot enter promiscuous mode: %s",
		    strerror(h->sadb_msg_errno));
	monitor_one(reply, rlen, d, &p, rawtime, hexdump);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!interrupted) {
		rc = pfkey_recv(x, &msg, &len, 500);
		if (rc == PFKEY_ERR_TIMEOUT)
			continue;
		if (rc == PFKEY_ERR_TRUNCATED) {
			printf("(a message too long to receive was "
			    "dropped)\n");
			continue;
		}
		if (rc != 0) {
			if (interrupted)
				break;
			warnx("receive: %s", xport_error(rc));
			return (1);
		}
		monitor_one(msg, len, d, &p, rawtime, hexdump);
	}
	return (0);
}
