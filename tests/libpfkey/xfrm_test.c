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
 * The XFRM transport against the running kernel.  Each case first moves
 * into a network namespace of its own (XFRM state is per namespace), so
 * nothing here touches the host's policies and the cases cannot see each
 * other.  That needs root; without it the cases skip, saying so.
 *
 * What a kernel without ESP can hold (this build host: policies and the
 * larval SAs of GETSPI) is checked field by field; SAs with keys need a
 * kernel with ESP and are left to xfrm_sa_check, except for the errors a
 * kernel without ESP must give.
 */

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <linux/if_alg.h>
#include <linux/if_tun.h>

#include <atf-c.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfkey.h"
#include "testutil.h"

/*
 * The transport's own code, compiled in here (under another name for its
 * ops, the library has the real one) so that kernel_input_untrusted can
 * hand its netlink parser what a broken or hostile peer might send.
 */
#define pfkey_xfrm_ops	xfrm_test_ops
#include "../../libpfkey/pfkey_xfrm.c"
#undef pfkey_xfrm_ops

#ifndef AF_ALG
#define AF_ALG	38
#endif

#define D	PFKEY_DIALECT_LINUX

static int	kernel_has(const char *, const char *);

/* A decoded reply, kept in its own aligned copy. */
struct rep {
	union tu_msgbuf	 mb;
	struct pfkey_msg m;
	size_t		 len;
	char		 errmsg[256];
};

static struct rep *
rep_new(void)
{
	struct rep *r = calloc(1, sizeof(*r));

	ATF_REQUIRE(r != NULL);
	return (r);
}

/* Root, a fresh network namespace, and an XFRM transport in it. */
static struct pfkey_xport *
setup(void)
{
	struct pfkey_xport *x;
	int err;

	if (geteuid() != 0)
		atf_tc_skip("XFRM needs root (CAP_NET_ADMIN) and a network "
		    "namespace of its own; run as root");
	ATF_REQUIRE_MSG(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): "
	    "%s", strerror(errno));
	x = pfkey_xport_open(PFKEY_XPORT_XFRM, NULL, NULL, &err);
	ATF_REQUIRE_MSG(x != NULL, "open xfrm: %s (%s)", pfkey_strerror(err),
	    strerror(errno));
	ATF_REQUIRE_EQ(pfkey_xport_kind(x), PFKEY_XPORT_XFRM);
	ATF_REQUIRE_EQ(pfkey_xport_dialect(x), D);
	return (x);
}

static struct pfkey_xport *
another(void)
{
	struct pfkey_xport *x;
	int err;

	x = pfkey_xport_open(PFKEY_XPORT_XFRM, NULL, NULL, &err);
	ATF_REQUIRE_MSG(x != NULL, "open xfrm: %s", pfkey_strerror(err));
	return (x);
}

static void
start(struct pfkey_xport *x, struct pfkey_buf *b, uint8_t type,
    uint8_t satype)
{
	ATF_REQUIRE_EQ(pfkey_buf_alloc(b, D, type, satype,
	    pfkey_xport_seq(x), pfkey_xport_pid(x)), 0);
}

/* Send `b' and decode the reply into `r'; the reply's errno is returned. */
static int
request(struct pfkey_xport *x, struct pfkey_buf *b, struct rep *r)
{
	const void *msg, *reply;
	const char *em;
	size_t len, rlen;
	uint32_t seq, pid;
	uint8_t type;
	int rc;

	ATF_REQUIRE_EQ(pfkey_buf_finish(b, &msg, &len), 0);
	type = ((const uint8_t *)msg)[1];
	memcpy(&seq, (const uint8_t *)msg + 8, 4);
	memcpy(&pid, (const uint8_t *)msg + 12, 4);
	rc = pfkey_request(x, msg, len, &reply, &rlen, 3000);
	pfkey_buf_free(b);
	ATF_REQUIRE_EQ_MSG(rc, 0, "request %s: %s", pfkey_msgtype_name(type),
	    pfkey_strerror(rc));
	memcpy(r->mb.b, reply, rlen);
	r->len = rlen;
	em = pfkey_xport_errmsg(x);
	(void)strlcpy(r->errmsg, em != NULL ? em : "", sizeof(r->errmsg));
	rc = pfkey_decode(r->mb.b, rlen, D, PFKEY_DEC_FROM_KERNEL, &r->m);
	ATF_REQUIRE_EQ_MSG(rc, 0, "reply to %s does not decode: %s",
	    pfkey_msgtype_name(type), pfkey_strerror(rc));
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_type, type);
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_pid, pid);
	if (type != PFKEY_MSG_DUMP && type != PFKEY_MSG_X_SPDDUMP)
		ATF_CHECK_EQ(r->m.hdr->sadb_msg_seq, seq);
	return (r->m.hdr->sadb_msg_errno);
}

/* The next part of a dump, decoded; false after the part with seq 0. */
static void
next_part(struct pfkey_xport *x, uint8_t type, struct rep *r)
{
	const void *reply;
	size_t rlen;
	int rc;

	rc = pfkey_request_next(x, type, &reply, &rlen, 3000);
	ATF_REQUIRE_EQ_MSG(rc, 0, "dump part: %s", pfkey_strerror(rc));
	memcpy(r->mb.b, reply, rlen);
	r->len = rlen;
	ATF_REQUIRE_EQ(pfkey_decode(r->mb.b, rlen, D, PFKEY_DEC_FROM_KERNEL,
	    &r->m), 0);
}

static void
put_addr(struct pfkey_buf *b, int ext, const char *a, uint16_t port,
    uint8_t plen, uint8_t proto)
{
	struct sockaddr_storage ss = tu_addr(a, port);

	ATF_REQUIRE(ss.ss_family != AF_UNSPEC);
	ATF_REQUIRE_EQ(pfkey_put_address(b, ext, (struct sockaddr *)&ss,
	    plen, proto), 0);
}

/* Compare an address extension with what was sent. */
static void
check_addr(const struct pfkey_msg *m, int ext, const char *a, uint16_t port,
    uint8_t plen, uint8_t proto)
{
	struct sockaddr_storage got, want = tu_addr(a, port);
	uint8_t gplen, gproto;

	ATF_REQUIRE_MSG(pfkey_get_address(m, ext, &got, &gplen, &gproto) == 0,
	    "no %s", pfkey_ext_name(ext));
	ATF_CHECK_EQ(got.ss_family, want.ss_family);
	if (want.ss_family == AF_INET)
		ATF_CHECK(memcmp(&((struct sockaddr_in *)&got)->sin_addr,
		    &((struct sockaddr_in *)&want)->sin_addr, 4) == 0 &&
		    ((struct sockaddr_in *)&got)->sin_port == htons(port));
	else
		ATF_CHECK(memcmp(&((struct sockaddr_in6 *)&got)->sin6_addr,
		    &((struct sockaddr_in6 *)&want)->sin6_addr, 16) == 0 &&
		    ((struct sockaddr_in6 *)&got)->sin6_port == htons(port));
	ATF_CHECK_EQ_MSG(gplen, plen, "%s prefix %u, want %u",
	    pfkey_ext_name(ext), gplen, plen);
	ATF_CHECK_EQ_MSG(gproto, proto, "%s proto %u, want %u",
	    pfkey_ext_name(ext), gproto, proto);
}

static bool
same_sa(const struct sockaddr_storage *a, const char *s)
{
	struct sockaddr_storage w = tu_addr(s, 0);

	if (a->ss_family != w.ss_family)
		return (false);
	if (a->ss_family == AF_INET)
		return (memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((struct sockaddr_in *)&w)->sin_addr, 4) == 0);
	return (memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
	    &((struct sockaddr_in6 *)&w)->sin6_addr, 16) == 0);
}

/* ------------------------------------------------------------ policies */

/* The policy of spd_roundtrip: two requests, a tunnel and a transport. */
static void
pol_sample(struct pfkey_policy *pol, uint32_t prio)
{
	memset(pol, 0, sizeof(*pol));
	pol->type = PFKEY_POLICY_IPSEC;
	pol->dir = PFKEY_DIR_OUTBOUND;
	pol->priority = prio;
	pol->nreq = 2;
	pol->req[0].proto = PFKEY_IPPROTO_ESP;
	pol->req[0].mode = PFKEY_MODE_TUNNEL;
	pol->req[0].level = PFKEY_LEVEL_REQUIRE;
	pol->req[0].src = tu_addr("192.0.2.1", 0);
	pol->req[0].dst = tu_addr("192.0.2.2", 0);
	pol->req[1].proto = PFKEY_IPPROTO_AH;
	pol->req[1].mode = PFKEY_MODE_TRANSPORT;
	pol->req[1].level = PFKEY_LEVEL_UNIQUE;
	pol->req[1].reqid = 7;
}

static void
put_sample_sel(struct pfkey_buf *b)
{
	put_addr(b, PFKEY_EXT_ADDRESS_SRC, "10.1.0.0", 0, 16,
	    PFKEY_IPPROTO_TCP);
	put_addr(b, PFKEY_EXT_ADDRESS_DST, "10.2.0.0", 443, 16,
	    PFKEY_IPPROTO_TCP);
}

static void
check_sample_sel(const struct pfkey_msg *m)
{
	check_addr(m, PFKEY_EXT_ADDRESS_SRC, "10.1.0.0", 0, 16,
	    PFKEY_IPPROTO_TCP);
	check_addr(m, PFKEY_EXT_ADDRESS_DST, "10.2.0.0", 443, 16,
	    PFKEY_IPPROTO_TCP);
}

/* Every field of a decoded X_POLICY against what was sent. */
static void
check_policy(const struct pfkey_msg *m, const struct pfkey_policy *want,
    uint32_t *idp)
{
	struct pfkey_policy got;
	unsigned i;

	ATF_REQUIRE_EQ(pfkey_get_policy(m, &got), 0);
	ATF_CHECK_EQ(got.type, want->type);
	ATF_CHECK_EQ(got.dir, want->dir);
	ATF_CHECK_EQ_MSG(got.priority, want->priority, "priority %#x, want %#x",
	    got.priority, want->priority);
	ATF_CHECK_MSG(got.id != 0, "no policy id");
	/* Linux: the low three bits of the index are the direction. */
	ATF_CHECK_EQ_MSG(got.id & 7, (uint32_t)want->dir - 1,
	    "id %#x has not the direction %u", got.id, want->dir);
	if (want->id != 0)
		ATF_CHECK_EQ(got.id, want->id);
	ATF_REQUIRE_EQ(got.nreq, want->nreq);
	for (i = 0; i < got.nreq; i++) {
		ATF_CHECK_EQ(got.req[i].proto, want->req[i].proto);
		ATF_CHECK_EQ(got.req[i].mode, want->req[i].mode);
		ATF_CHECK_EQ_MSG(got.req[i].level, want->req[i].level,
		    "request %u level %u, want %u", i, got.req[i].level,
		    want->req[i].level);
		if (want->req[i].reqid != 0)
			ATF_CHECK_EQ(got.req[i].reqid, want->req[i].reqid);
		ATF_CHECK_EQ(got.req[i].src.ss_family,
		    want->req[i].src.ss_family);
		if (want->req[i].src.ss_family != AF_UNSPEC) {
			ATF_CHECK(memcmp(&got.req[i].src, &want->req[i].src,
			    sizeof(struct sockaddr_in)) == 0 ||
			    want->req[i].src.ss_family == AF_INET6);
			ATF_CHECK(memcmp(&got.req[i].dst, &want->req[i].dst,
			    sizeof(struct sockaddr_in)) == 0 ||
			    want->req[i].dst.ss_family == AF_INET6);
		}
	}
	if (idp != NULL)
		*idp = got.id;
}

static int
spd(struct pfkey_xport *x, uint8_t type, const struct pfkey_policy *pol,
    void (*sel)(struct pfkey_buf *), struct rep *r)
{
	struct pfkey_buf b;

	start(x, &b, type, PFKEY_SATYPE_UNSPEC);
	if (sel != NULL)
		sel(&b);
	ATF_REQUIRE_EQ(pfkey_put_policy(&b, pol), 0);
	return (request(x, &b, r));
}

static int
spd_simple(struct pfkey_xport *x, uint8_t type, struct rep *r)
{
	struct pfkey_buf b;

	start(x, &b, type, PFKEY_SATYPE_UNSPEC);
	return (request(x, &b, r));
}

ATF_TC_WITHOUT_HEAD(spd_roundtrip);
ATF_TC_BODY(spd_roundtrip, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_policy pol, byid;
	uint32_t id, id2;

	pol_sample(&pol, 0x7fff0000);
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r), 0);
	check_sample_sel(&r->m);
	check_policy(&r->m, &pol, &id);
	ATF_CHECK(r->m.ext[PFKEY_EXT_LIFETIME_CURRENT] != NULL);

	/* X_SPDGET by the id the reply gave. */
	memset(&byid, 0, sizeof(byid));
	byid.type = PFKEY_POLICY_IPSEC;
	byid.dir = PFKEY_DIR_OUTBOUND;
	byid.id = id;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDGET, &byid, NULL, r), 0);
	check_sample_sel(&r->m);
	pol.id = id;
	check_policy(&r->m, &pol, NULL);

	/* Same selector again: EEXIST; X_SPDUPDATE replaces it, same id. */
	pol.id = 0;
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r),
	    EEXIST);
	pol.priority = 0x10;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDUPDATE, &pol, put_sample_sel, r),
	    0);
	check_policy(&r->m, &pol, &id2);
	ATF_CHECK_EQ(id2, id);

	/* X_SPDDUMP: the one policy, the last part says seq 0. */
	ATF_REQUIRE_EQ(spd_simple(x, PFKEY_MSG_X_SPDDUMP, r), 0);
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_seq, 0);
	check_sample_sel(&r->m);
	pol.id = id;
	check_policy(&r->m, &pol, NULL);

	/* X_SPDDELETE by selector and direction: the reply is the policy. */
	pol.id = 0;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDDELETE, &pol, put_sample_sel, r),
	    0);
	check_sample_sel(&r->m);
	check_policy(&r->m, &pol, &id2);
	ATF_CHECK_EQ(id2, id);
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDDELETE, &pol, put_sample_sel, r),
	    ENOENT);
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDGET, &byid, NULL, r), ENOENT);
	/* An empty SPD dumps as ENOENT, as af_key's does. */
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDDUMP, r), ENOENT);
	free(r);
	pfkey_xport_close(x);
}

static void
sel6(struct pfkey_buf *b)
{
	put_addr(b, PFKEY_EXT_ADDRESS_SRC, "2001:db8:1::", 0, 48, 255);
	put_addr(b, PFKEY_EXT_ADDRESS_DST, "2001:db8:2::", 0, 48, 255);
}

ATF_TC_WITHOUT_HEAD(spd_dirs_delete2);
ATF_TC_BODY(spd_dirs_delete2, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_policy in, out, fwd, byid;
	uint32_t idin, idout, idfwd;

	memset(&in, 0, sizeof(in));
	in.type = PFKEY_POLICY_IPSEC;
	in.dir = PFKEY_DIR_INBOUND;
	in.priority = PFKEY_PRIORITY_DEFAULT;
	in.nreq = 1;
	in.req[0].proto = PFKEY_IPPROTO_ESP;
	in.req[0].mode = PFKEY_MODE_TUNNEL;
	in.req[0].level = PFKEY_LEVEL_USE;
	in.req[0].src = tu_addr("2001:db8::2", 0);
	in.req[0].dst = tu_addr("2001:db8::1", 0);
	out = in;
	out.dir = PFKEY_DIR_OUTBOUND;
	out.type = PFKEY_POLICY_NONE;
	out.nreq = 0;
	fwd = in;
	fwd.dir = PFKEY_DIR_FWD;
	fwd.type = PFKEY_POLICY_DISCARD;
	fwd.nreq = 0;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &in, sel6, r), 0);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_SRC, "2001:db8:1::", 0, 48, 255);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_DST, "2001:db8:2::", 0, 48, 255);
	check_policy(&r->m, &in, &idin);
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &out, sel6, r), 0);
	check_policy(&r->m, &out, &idout);
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &fwd, sel6, r), 0);
	check_policy(&r->m, &fwd, &idfwd);
	ATF_CHECK(idin != idout && idout != idfwd && idin != idfwd);

	/* X_SPDDELETE2 by id: the reply is the deleted policy. */
	memset(&byid, 0, sizeof(byid));
	byid.type = PFKEY_POLICY_DISCARD;
	byid.dir = PFKEY_DIR_FWD;
	byid.id = idfwd;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDDELETE2, &byid, NULL, r), 0);
	fwd.id = idfwd;
	check_policy(&r->m, &fwd, NULL);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_SRC, "2001:db8:1::", 0, 48, 255);
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDDELETE2, &byid, NULL, r), ENOENT);
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDGET, &byid, NULL, r), ENOENT);
	/* Direction bits 7 name no direction. */
	byid.id = (idfwd & ~7u) | 7;
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDGET, &byid, NULL, r), EINVAL);
	/* The inbound one is still there, its id intact. */
	byid.id = idin;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDGET, &byid, NULL, r), 0);
	in.id = idin;
	check_policy(&r->m, &in, NULL);

	ATF_REQUIRE_EQ(spd_simple(x, PFKEY_MSG_X_SPDFLUSH, r), 0);
	ATF_CHECK_EQ(r->len, (size_t)PFKEY_HDRLEN);
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDDUMP, r), ENOENT);
	/* Flushing an empty SPD is no error. */
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDFLUSH, r), 0);
	free(r);
	pfkey_xport_close(x);
}

static void
sel_unique(struct pfkey_buf *b)
{
	put_addr(b, PFKEY_EXT_ADDRESS_SRC, "10.9.0.1", 0, 32, 255);
	put_addr(b, PFKEY_EXT_ADDRESS_DST, "10.9.0.2", 0, 32, 255);
}

static void
sel_unique2(struct pfkey_buf *b)
{
	put_addr(b, PFKEY_EXT_ADDRESS_SRC, "10.9.0.3", 0, 32, 255);
	put_addr(b, PFKEY_EXT_ADDRESS_DST, "10.9.0.4", 0, 32, 255);
}

/* "unique" without a number gets one above the manual range (af_key). */
ATF_TC_WITHOUT_HEAD(spd_unique_reqid);
ATF_TC_BODY(spd_unique_reqid, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_policy pol, got;
	uint32_t first;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.nreq = 1;
	pol.req[0].proto = PFKEY_IPPROTO_ESP;
	pol.req[0].mode = PFKEY_MODE_TRANSPORT;
	pol.req[0].level = PFKEY_LEVEL_UNIQUE;
	/* The first number it would hand out is taken by another policy. */
	pol.req[0].reqid = PFKEY_REQID_MAX + 1;
	pol.dir = PFKEY_DIR_INBOUND;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, sel_unique, r), 0);
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.req[0].reqid = 0;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, sel_unique, r), 0);
	ATF_REQUIRE_EQ(pfkey_get_policy(&r->m, &got), 0);
	ATF_REQUIRE_EQ(got.nreq, 1);
	ATF_CHECK_EQ(got.req[0].level, PFKEY_LEVEL_UNIQUE);
	ATF_CHECK_MSG(got.req[0].reqid > PFKEY_REQID_MAX + 1, "reqid %u",
	    got.req[0].reqid);
	first = got.req[0].reqid;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, sel_unique2, r), 0);
	ATF_REQUIRE_EQ(pfkey_get_policy(&r->m, &got), 0);
	ATF_CHECK_MSG(got.req[0].reqid > PFKEY_REQID_MAX &&
	    got.req[0].reqid != first, "reqid %u after %u", got.req[0].reqid,
	    first);
	free(r);
	pfkey_xport_close(x);
}

/* The errors af_key gives for policies it refuses. */
ATF_TC_WITHOUT_HEAD(spd_errors);
ATF_TC_BODY(spd_errors, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_policy pol;

	pol_sample(&pol, 0);
	/* An optional outbound tunnel. */
	pol.req[0].level = PFKEY_LEVEL_USE;
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r),
	    EINVAL);
	/* A tunnel without endpoints. */
	pol_sample(&pol, 0);
	pol.req[0].src.ss_family = pol.req[0].dst.ss_family = AF_UNSPEC;
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r),
	    EINVAL);
	/* Types af_key does not take. */
	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_ENTRUST;
	pol.dir = PFKEY_DIR_OUTBOUND;
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r),
	    EINVAL);
	pol.type = PFKEY_POLICY_NONE;
	pol.dir = PFKEY_DIR_ANY;
	ATF_CHECK_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r),
	    EINVAL);
	/* Nothing was added by any of them. */
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDDUMP, r), ENOENT);
	free(r);
	pfkey_xport_close(x);
}

static void
add_numbered(struct pfkey_xport *x, struct rep *r, unsigned i)
{
	struct pfkey_policy pol;
	struct pfkey_buf b;
	char a[32];

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_DISCARD;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.priority = i;
	snprintf(a, sizeof(a), "10.%u.%u.0", (i >> 8) & 0xff, i & 0xff);
	start(x, &b, PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, "172.16.0.0", 0, 12, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, a, 0, 24, 255);
	ATF_REQUIRE_EQ(pfkey_put_policy(&b, &pol), 0);
	ATF_REQUIRE_EQ_MSG(request(x, &b, r), 0, "policy %u", i);
}

/*
 * Thousands of policies dump completely, counting down to 0 on the last
 * part, however many the receive buffer could hold at once.
 */
ATF_TC_WITHOUT_HEAD(spd_dump_many);
ATF_TC_BODY(spd_dump_many, tc)
{
	const unsigned n = 3000;
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_policy pol;
	uint8_t *seen = calloc(n, 1);
	unsigned i, parts = 0, zeroseq = 0;

	ATF_REQUIRE(seen != NULL);
	for (i = 0; i < n; i++)
		add_numbered(x, r, i);
	ATF_REQUIRE_EQ(spd_simple(x, PFKEY_MSG_X_SPDDUMP, r), 0);
	for (;;) {
		ATF_REQUIRE_EQ(r->m.hdr->sadb_msg_errno, 0);
		ATF_REQUIRE_EQ(pfkey_get_policy(&r->m, &pol), 0);
		ATF_REQUIRE_MSG(pol.priority < n && !seen[pol.priority],
		    "policy %u twice or unknown", pol.priority);
		seen[pol.priority] = 1;
		parts++;
		/* KAME's countdown: n - 1, ..., 1, then 0. */
		ATF_CHECK_EQ_MSG(r->m.hdr->sadb_msg_seq, n - parts,
		    "part %u has seq %u", parts, r->m.hdr->sadb_msg_seq);
		if (r->m.hdr->sadb_msg_seq == 0) {
			zeroseq++;
			break;
		}
		next_part(x, PFKEY_MSG_X_SPDDUMP, r);
	}
	ATF_CHECK_EQ_MSG(parts, n, "%u parts, want %u", parts, n);
	ATF_CHECK_EQ(zeroseq, 1);
	/* Nothing is left over after the last part. */
	ATF_CHECK_EQ(pfkey_xport_pending(x), 0);
	/* And the transport goes on working. */
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDFLUSH, r), 0);
	free(seen);
	free(r);
	pfkey_xport_close(x);
}

/* ------------------------------------------------------------------ SAs */

static int
getspi(struct pfkey_xport *x, uint8_t satype, const char *src,
    const char *dst, uint32_t min, uint32_t max, uint32_t reqid,
    struct rep *r)
{
	struct pfkey_buf b;

	start(x, &b, PFKEY_MSG_GETSPI, satype);
	ATF_REQUIRE_EQ(pfkey_put_sa2(&b, PFKEY_MODE_TUNNEL, 0, reqid), 0);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, src, 0, 0xff, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, dst, 0, 0xff, 255);
	if (max != 0)
		ATF_REQUIRE_EQ(pfkey_put_spirange(&b, min, max), 0);
	return (request(x, &b, r));
}

static int
sa_by_spi(struct pfkey_xport *x, uint8_t type, uint8_t satype,
    uint32_t spi, const char *src, const char *dst, struct rep *r)
{
	struct pfkey_sa_args sa;
	struct pfkey_buf b;

	start(x, &b, type, satype);
	memset(&sa, 0, sizeof(sa));
	sa.spi = spi;
	ATF_REQUIRE_EQ(pfkey_put_sa(&b, &sa), 0);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, src, 0, 0xff, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, dst, 0, 0xff, 255);
	return (request(x, &b, r));
}

ATF_TC_WITHOUT_HEAD(getspi_larval);
ATF_TC_BODY(getspi_larval, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	const struct sadb_sa *sa;
	const struct sadb_x_sa2 *sa2;
	uint32_t spi;

	ATF_REQUIRE_EQ(getspi(x, PFKEY_SATYPE_ESP, "192.0.2.1", "192.0.2.2",
	    0x1000, 0x1fff, 42, r), 0);
	ATF_REQUIRE((sa = PFKEY_EXT(&r->m, PFKEY_EXT_SA, sadb_sa)) != NULL);
	spi = ntohl(sa->sadb_sa_spi);
	ATF_CHECK_MSG(spi >= 0x1000 && spi <= 0x1fff, "spi %#x", spi);
	ATF_CHECK_EQ(sa->sadb_sa_state, PFKEY_SASTATE_LARVAL);
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_satype, PFKEY_SATYPE_ESP);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 32, 255);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 32, 255);
	ATF_REQUIRE((sa2 = PFKEY_EXT(&r->m, PFKEY_EXT_X_SA2, sadb_x_sa2)) !=
	    NULL);
	ATF_CHECK_EQ(sa2->sadb_x_sa2_mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(sa2->sadb_x_sa2_reqid, 42);
	ATF_CHECK(PFKEY_EXT(&r->m, PFKEY_EXT_LIFETIME_HARD, sadb_lifetime) !=
	    NULL);

	/* GET finds the larval SA; DUMP lists it alone, with seq 0. */
	ATF_REQUIRE_EQ(sa_by_spi(x, PFKEY_MSG_GET, PFKEY_SATYPE_ESP,
	    htonl(spi), "192.0.2.1", "192.0.2.2", r), 0);
	ATF_REQUIRE((sa = PFKEY_EXT(&r->m, PFKEY_EXT_SA, sadb_sa)) != NULL);
	ATF_CHECK_EQ(ntohl(sa->sadb_sa_spi), spi);
	ATF_CHECK_EQ(sa->sadb_sa_state, PFKEY_SASTATE_LARVAL);
	ATF_CHECK(r->m.ext[PFKEY_EXT_KEY_ENCRYPT] == NULL);
	{
		struct pfkey_buf b;

		start(x, &b, PFKEY_MSG_DUMP, PFKEY_SATYPE_ESP);
		ATF_REQUIRE_EQ(request(x, &b, r), 0);
	}
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_seq, 0);
	ATF_REQUIRE((sa = PFKEY_EXT(&r->m, PFKEY_EXT_SA, sadb_sa)) != NULL);
	ATF_CHECK_EQ(ntohl(sa->sadb_sa_spi), spi);
	/* An AH dump does not list the ESP SA. */
	{
		struct pfkey_buf b;

		start(x, &b, PFKEY_MSG_DUMP, PFKEY_SATYPE_AH);
		ATF_CHECK_EQ(request(x, &b, r), ENOENT);
	}

	/* IPComp CPIs are 16 bits. */
	ATF_REQUIRE_EQ(getspi(x, PFKEY_SATYPE_IPCOMP, "192.0.2.1",
	    "192.0.2.2", 0, 0, 0, r), 0);
	ATF_REQUIRE((sa = PFKEY_EXT(&r->m, PFKEY_EXT_SA, sadb_sa)) != NULL);
	ATF_CHECK(ntohl(sa->sadb_sa_spi) <= 0xffff);

	/* DELETE: gone, then ESRCH as af_key says. */
	ATF_REQUIRE_EQ(sa_by_spi(x, PFKEY_MSG_DELETE, PFKEY_SATYPE_ESP,
	    htonl(spi), "192.0.2.1", "192.0.2.2", r), 0);
	ATF_REQUIRE((sa = PFKEY_EXT(&r->m, PFKEY_EXT_SA, sadb_sa)) != NULL);
	ATF_CHECK_EQ(ntohl(sa->sadb_sa_spi), spi);
	ATF_CHECK_EQ(sa->sadb_sa_state, PFKEY_SASTATE_DEAD);
	ATF_CHECK_EQ(sa_by_spi(x, PFKEY_MSG_DELETE, PFKEY_SATYPE_ESP,
	    htonl(spi), "192.0.2.1", "192.0.2.2", r), ESRCH);
	ATF_CHECK_EQ(sa_by_spi(x, PFKEY_MSG_GET, PFKEY_SATYPE_ESP,
	    htonl(spi), "192.0.2.1", "192.0.2.2", r), ESRCH);
	free(r);
	pfkey_xport_close(x);
}

/* DELETE without SA, FLUSH, and a dump of many larval SAs. */
ATF_TC_WITHOUT_HEAD(sa_delete_all_flush);
ATF_TC_BODY(sa_delete_all_flush, tc)
{
	const unsigned n = 500;
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_buf b;
	struct sockaddr_storage dst;
	unsigned i, parts, toc = 0;
	char a[32];

	for (i = 0; i < 3; i++)
		ATF_REQUIRE_EQ(getspi(x, PFKEY_SATYPE_ESP, "192.0.2.1",
		    "192.0.2.2", 0, 0, i, r), 0);
	for (i = 0; i < n; i++) {
		snprintf(a, sizeof(a), "198.51.%u.%u", i / 250, i % 250 + 1);
		ATF_REQUIRE_EQ(getspi(x, PFKEY_SATYPE_ESP, "192.0.2.1", a,
		    0, 0, 0, r), 0);
	}
	/* Every SA of 192.0.2.1 -> 192.0.2.2, and those only. */
	start(x, &b, PFKEY_MSG_DELETE, PFKEY_SATYPE_ESP);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(request(x, &b, r), 0);
	ATF_CHECK(r->m.ext[PFKEY_EXT_SA] == NULL);

	start(x, &b, PFKEY_MSG_DUMP, PFKEY_SATYPE_UNSPEC);
	ATF_REQUIRE_EQ(request(x, &b, r), 0);
	for (parts = 1;; parts++) {
		ATF_REQUIRE_EQ(pfkey_get_address(&r->m, PFKEY_EXT_ADDRESS_DST,
		    &dst, NULL, NULL), 0);
		if (same_sa(&dst, "192.0.2.2"))
			toc++;
		if (r->m.hdr->sadb_msg_seq == 0)
			break;
		ATF_CHECK_EQ(r->m.hdr->sadb_msg_seq, n - parts);
		next_part(x, PFKEY_MSG_DUMP, r);
	}
	ATF_CHECK_EQ_MSG(parts, n, "%u parts, want %u", parts, n);
	ATF_CHECK_EQ(toc, 0);

	start(x, &b, PFKEY_MSG_FLUSH, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(request(x, &b, r), 0);
	start(x, &b, PFKEY_MSG_DUMP, PFKEY_SATYPE_UNSPEC);
	ATF_CHECK_EQ(request(x, &b, r), ENOENT);
	/* Flushing nothing is no error; an SA type af_key has not: EINVAL. */
	start(x, &b, PFKEY_MSG_FLUSH, PFKEY_SATYPE_UNSPEC);
	ATF_CHECK_EQ(request(x, &b, r), 0);
	start(x, &b, PFKEY_MSG_FLUSH, PFKEY_SATYPE_RSVP);
	ATF_CHECK_EQ(request(x, &b, r), EINVAL);
	free(r);
	pfkey_xport_close(x);
}

/*
 * Whether the kernel's crypto has an algorithm: 1 or 0.  AF_ALG's bind(2)
 * instantiates it; without AF_ALG, /proc/crypto says what is loaded.
 */
static int
kernel_has(const char *type, const char *name)
{
	struct sockaddr_alg sa;
	char line[256], *v;
	FILE *f;
	int fd, rc;

	if ((fd = socket(AF_ALG, SOCK_SEQPACKET, 0)) == -1) {
		if ((f = fopen("/proc/crypto", "r")) == NULL)
			return (-1);
		rc = 0;
		while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "name", 4) != 0 ||
			    (v = strstr(line, ": ")) == NULL)
				continue;
			v[2 + strcspn(v + 2, "\n")] = '\0';
			rc = strcmp(v + 2, name) == 0;
		}
		fclose(f);
		return (rc);
	}
	memset(&sa, 0, sizeof(sa));
	sa.salg_family = AF_ALG;
	strlcpy((char *)sa.salg_type, type, sizeof(sa.salg_type));
	strlcpy((char *)sa.salg_name, name, sizeof(sa.salg_name));
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	return (rc == 0);
}

static int
add_esp(struct pfkey_xport *x, uint8_t ealg, unsigned ebits, uint8_t aalg,
    unsigned abits, struct rep *r)
{
	static const uint8_t key[64] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	struct pfkey_sa_args sa;
	struct pfkey_buf b;

	start(x, &b, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP);
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(0x1234);
	sa.encrypt = ealg;
	sa.auth = aalg;
	ATF_REQUIRE_EQ(pfkey_put_sa(&b, &sa), 0);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(pfkey_put_key(&b, PFKEY_EXT_KEY_ENCRYPT, key, ebits),
	    0);
	if (aalg != 0)
		ATF_REQUIRE_EQ(pfkey_put_key(&b, PFKEY_EXT_KEY_AUTH, key,
		    abits), 0);
	return (request(x, &b, r));
}

/*
 * An SA this kernel cannot hold fails with the errno af_key gives for it
 * (both end in the same xfrm_init_state()), and the kernel's own words
 * come with it.  A kernel that holds them is xfrm_sa_check's business.
 */
ATF_TC_WITHOUT_HEAD(sa_add_error);
ATF_TC_BODY(sa_add_error, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	int e;

	/*
	 * Algorithm numbers as af_key judges them: one nobody implements is
	 * ENOSYS, one past SADB_EALG_MAX (253) EINVAL.
	 */
	ATF_CHECK_EQ(add_esp(x, 200, 128, 0, 0, r), ENOSYS);
	ATF_CHECK_EQ(add_esp(x, 254, 128, 0, 0, r), EINVAL);
	ATF_CHECK_EQ(add_esp(x, 12, 128, 252, 128, r), EINVAL);
	/* A key of 0 bits for a real cipher: EINVAL (af_key). */
	ATF_CHECK_EQ(add_esp(x, 12, 0, 0, 0, r), EINVAL);

	/* AES-GCM-16 (Linux wire 20), 160-bit key with salt. */
	e = add_esp(x, 20, 160, 0, 0, r);
	if (e == 0)
		atf_tc_skip("this kernel holds AES-GCM ESP SAs; "
		    "xfrm_sa_check tests them");
	if (kernel_has("aead", "rfc4106(gcm(aes))") == 1) {
		/* The crypto is there: what is missing is ESP itself. */
		ATF_CHECK_EQ_MSG(e, EPROTONOSUPPORT, "errno %d (%s)", e,
		    strerror(e));
	} else {
		ATF_CHECK_EQ_MSG(e, ENOSYS, "errno %d (%s)", e, strerror(e));
		ATF_CHECK_MSG(strstr(r->errmsg,
		    "Requested AEAD algorithm not found") != NULL,
		    "kernel's message: \"%s\"", r->errmsg);
	}
	/* The text belongs to that reply only. */
	ATF_CHECK_EQ(sa_by_spi(x, PFKEY_MSG_GET, PFKEY_SATYPE_ESP,
	    htonl(0x1234), "192.0.2.1", "192.0.2.2", r), ESRCH);
	ATF_CHECK_STREQ(r->errmsg, "");

	/* AES-CBC with full-length HMAC-SHA2-256. */
	e = add_esp(x, 12, 128, 5, 256, r);
	if (e == 0)
		atf_tc_skip("this kernel holds ESP SAs; xfrm_sa_check tests "
		    "them");
	ATF_CHECK_EQ_MSG(e, EPROTONOSUPPORT, "errno %d (%s)", e, strerror(e));
	ATF_CHECK_MSG(strstr(r->errmsg, "not found") != NULL,
	    "kernel's message: \"%s\"", r->errmsg);
	free(r);
	pfkey_xport_close(x);
}

/* Whether a SUPPORTED extension lists `id'. */
static bool
supported_has(const struct pfkey_msg *m, int ext, uint8_t id)
{
	const uint8_t *p = (const uint8_t *)m->ext[ext];
	struct sadb_alg a;
	size_t len, o;

	if (p == NULL)
		return (false);
	len = (size_t)(p[0] | p[1] << 8) * 8;
	for (o = 8; o + sizeof(a) <= len; o += sizeof(a)) {
		memcpy(&a, p + o, sizeof(a));
		if (a.sadb_alg_id == id)
			return (true);
	}
	return (false);
}

static void
check_supported(const struct pfkey_msg *m, int ext, enum pfkey_alg_kind k)
{
	const uint8_t *p = (const uint8_t *)m->ext[ext];
	const struct pfkey_alg_info *ai;
	struct sadb_alg a;
	size_t len, o;
	int l, prev = -1;

	if (p == NULL)
		return;
	len = (size_t)(p[0] | p[1] << 8) * 8;
	ATF_CHECK_EQ((len - 8) % sizeof(a), 0);
	for (o = 8; o + sizeof(a) <= len; o += sizeof(a)) {
		memcpy(&a, p + o, sizeof(a));
		l = pfkey_alg_from_wire(D, k, a.sadb_alg_id);
		ATF_CHECK_MSG(l > 0, "unknown algorithm %u", a.sadb_alg_id);
		ATF_CHECK_MSG(a.sadb_alg_id > prev, "not sorted");
		prev = a.sadb_alg_id;
		if (l <= 0 || (ai = pfkey_alg_info(k, l)) == NULL)
			continue;
		ATF_CHECK_EQ(a.sadb_alg_minbits, ai->minbits);
		ATF_CHECK_EQ(a.sadb_alg_maxbits, ai->maxbits);
	}
}

ATF_TC_WITHOUT_HEAD(register_supported);
ATF_TC_BODY(register_supported, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_buf b;
	int has;

	start(x, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(request(x, &b, r), 0);
	check_supported(&r->m, PFKEY_EXT_SUPPORTED_AUTH, PFKEY_ALG_AUTH);
	check_supported(&r->m, PFKEY_EXT_SUPPORTED_ENCRYPT, PFKEY_ALG_ENCRYPT);
	/* What the transport lists is what the kernel's crypto binds. */
	if ((has = kernel_has("hash", "hmac(sha256)")) >= 0)
		ATF_CHECK_EQ(supported_has(&r->m, PFKEY_EXT_SUPPORTED_AUTH, 5),
		    has == 1);
	if ((has = kernel_has("skcipher", "cbc(aes)")) >= 0)
		ATF_CHECK_EQ(supported_has(&r->m,
		    PFKEY_EXT_SUPPORTED_ENCRYPT, 12), has == 1);
	if ((has = kernel_has("aead", "rfc4106(gcm(aes))")) >= 0) {
		ATF_CHECK_EQ(supported_has(&r->m,
		    PFKEY_EXT_SUPPORTED_ENCRYPT, 18), has == 1);
		ATF_CHECK_EQ(supported_has(&r->m,
		    PFKEY_EXT_SUPPORTED_ENCRYPT, 20), has == 1);
	}
	if ((has = kernel_has("aead", "rfc7539esp(chacha20,poly1305)")) >= 0)
		ATF_CHECK_EQ(supported_has(&r->m,
		    PFKEY_EXT_SUPPORTED_ENCRYPT, 28), has == 1);

	/* Twice for one type: EEXIST; type 0 only asks, any number of times. */
	start(x, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP);
	ATF_CHECK_EQ(request(x, &b, r), EEXIST);
	start(x, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_UNSPEC);
	ATF_CHECK_EQ(request(x, &b, r), 0);
	start(x, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_UNSPEC);
	ATF_CHECK_EQ(request(x, &b, r), 0);
	/* AH lists authentication only. */
	start(x, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_AH);
	ATF_REQUIRE_EQ(request(x, &b, r), 0);
	ATF_CHECK(r->m.ext[PFKEY_EXT_SUPPORTED_ENCRYPT] == NULL);
	check_supported(&r->m, PFKEY_EXT_SUPPORTED_AUTH, PFKEY_ALG_AUTH);
	free(r);
	pfkey_xport_close(x);
}

/* Read messages until one of `type' (or none within 2 s). */
static bool
wait_for(struct pfkey_xport *x, uint8_t type, struct rep *r)
{
	const void *msg;
	size_t len;

	while (pfkey_recv(x, &msg, &len, 2000) == 0) {
		memcpy(r->mb.b, msg, len);
		r->len = len;
		if (pfkey_decode(r->mb.b, len, D, PFKEY_DEC_FROM_KERNEL,
		    &r->m) != 0)
			continue;
		if (r->m.hdr->sadb_msg_type == type)
			return (true);
	}
	return (false);
}

/*
 * Another process's changes reach registered and promiscuous listeners
 * (through the kernel's multicast), not plain sockets; the process that
 * made them gets its reply once.
 */
ATF_TC_WITHOUT_HEAD(listeners);
ATF_TC_BODY(listeners, tc)
{
	struct pfkey_xport *x = setup(), *reg, *prom, *plain;
	struct rep *r = rep_new();
	struct pfkey_policy pol;
	struct pfkey_buf b;
	const void *msg;
	size_t len;
	uint32_t id;

	reg = another();
	prom = another();
	plain = another();
	start(reg, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(request(reg, &b, r), 0);
	start(prom, &b, PFKEY_MSG_X_PROMISC, 1);
	ATF_REQUIRE_EQ(request(prom, &b, r), 0);

	pol_sample(&pol, 100);
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r), 0);
	check_policy(&r->m, &pol, &id);
	/* One reply, no second copy. */
	ATF_CHECK_EQ(pfkey_recv(x, &msg, &len, 300), PFKEY_ERR_TIMEOUT);

	ATF_REQUIRE_MSG(wait_for(reg, PFKEY_MSG_X_SPDADD, r),
	    "registered listener saw no X_SPDADD");
	check_sample_sel(&r->m);
	pol.id = id;
	check_policy(&r->m, &pol, NULL);
	ATF_REQUIRE_MSG(wait_for(prom, PFKEY_MSG_X_SPDADD, r),
	    "promiscuous listener saw no X_SPDADD");
	check_policy(&r->m, &pol, NULL);

	pol.id = 0;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDDELETE, &pol, put_sample_sel, r),
	    0);
	ATF_REQUIRE_MSG(wait_for(reg, PFKEY_MSG_X_SPDDELETE, r),
	    "registered listener saw no X_SPDDELETE");
	check_sample_sel(&r->m);
	pol.id = id;
	check_policy(&r->m, &pol, NULL);
	ATF_REQUIRE_MSG(wait_for(prom, PFKEY_MSG_X_SPDDELETE, r),
	    "promiscuous listener saw no X_SPDDELETE");

	/* SA changes too: a larval SA appears, then a FLUSH. */
	ATF_REQUIRE_EQ(getspi(x, PFKEY_SATYPE_ESP, "192.0.2.1", "192.0.2.2",
	    0, 0, 0, r), 0);
	start(x, &b, PFKEY_MSG_FLUSH, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(request(x, &b, r), 0);
	ATF_CHECK_MSG(wait_for(reg, PFKEY_MSG_FLUSH, r),
	    "registered listener saw no FLUSH");
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_satype, PFKEY_SATYPE_ESP);

	/* Turned off, the promiscuous one hears nothing more. */
	start(prom, &b, PFKEY_MSG_X_PROMISC, 0);
	ATF_REQUIRE_EQ(request(prom, &b, r), 0);
	pol.id = 0;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, put_sample_sel, r), 0);
	ATF_CHECK(wait_for(reg, PFKEY_MSG_X_SPDADD, r));
	ATF_CHECK_EQ(pfkey_recv(prom, &msg, &len, 300), PFKEY_ERR_TIMEOUT);
	/* A plain socket only ever gets its replies. */
	ATF_CHECK_EQ(pfkey_recv(plain, &msg, &len, 300), PFKEY_ERR_TIMEOUT);
	ATF_CHECK_EQ(pfkey_xport_pending(plain), 0);
	pfkey_xport_close(plain);
	pfkey_xport_close(prom);
	pfkey_xport_close(reg);
	free(r);
	pfkey_xport_close(x);
}

/*
 * A TUN interface 10.7.0.1/24, up: traffic to 10.7.0.2 leaves through it
 * and meets the output policies (loopback traffic does not).
 */
static int
tun_up(void)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int fd, s;

	if ((fd = open("/dev/net/tun", O_RDWR)) == -1)
		atf_tc_skip("no /dev/net/tun: %s", strerror(errno));
	memset(&ifr, 0, sizeof(ifr));
	strlcpy(ifr.ifr_name, "xt0", sizeof(ifr.ifr_name));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	ATF_REQUIRE_MSG(ioctl(fd, TUNSETIFF, &ifr) == 0, "TUNSETIFF: %s",
	    strerror(errno));
	ATF_REQUIRE((s = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a070001);
	ATF_REQUIRE(ioctl(s, SIOCSIFADDR, &ifr) == 0);
	sin->sin_addr.s_addr = htonl(0xffffff00);
	ATF_REQUIRE(ioctl(s, SIOCSIFNETMASK, &ifr) == 0);
	ATF_REQUIRE(ioctl(s, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	ATF_REQUIRE(ioctl(s, SIOCSIFFLAGS, &ifr) == 0);
	close(s);
	return (fd);
}

static void
sel_tun(struct pfkey_buf *b)
{
	put_addr(b, PFKEY_EXT_ADDRESS_SRC, "10.7.0.1", 0, 32, 17);
	put_addr(b, PFKEY_EXT_ADDRESS_DST, "10.7.0.2", 9, 32, 17);
}

/*
 * Traffic that a "require" policy covers and no SA serves makes the
 * kernel ask the key managers: a registered listener gets ACQUIRE with
 * the SA's addresses, the policy's id and a proposal, and GETSPI with the
 * ACQUIRE's seq fills in the larval SA the kernel made for it.  Policies
 * and larval SAs are all this needs, so it runs on a kernel without ESP.
 */
ATF_TC_WITHOUT_HEAD(acquire_event);
ATF_TC_BODY(acquire_event, tc)
{
	struct pfkey_xport *x = setup(), *km;
	struct rep *r = rep_new();
	struct pfkey_policy pol, got;
	struct sockaddr_in to;
	struct pfkey_buf b;
	const struct sadb_sa *sa;
	const struct sadb_prop *prop;
	uint32_t id, acqseq;
	int s, tun;

	tun = tun_up();
	km = another();
	start(km, &b, PFKEY_MSG_REGISTER, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(request(km, &b, r), 0);

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	pol.priority = 77;
	pol.nreq = 1;
	pol.req[0].proto = PFKEY_IPPROTO_ESP;
	pol.req[0].mode = PFKEY_MODE_TRANSPORT;
	pol.req[0].level = PFKEY_LEVEL_REQUIRE;
	ATF_REQUIRE_EQ(spd(x, PFKEY_MSG_X_SPDADD, &pol, sel_tun, r), 0);
	check_policy(&r->m, &pol, &id);

	ATF_REQUIRE((s = socket(AF_INET, SOCK_DGRAM, 0)) != -1);
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	to.sin_addr.s_addr = htonl(0x0a070002);
	/* It fails (no SA yet); the kernel asks for one meanwhile. */
	(void)sendto(s, "x", 1, 0, (struct sockaddr *)&to, sizeof(to));
	close(s);

	ATF_REQUIRE_MSG(wait_for(km, PFKEY_MSG_ACQUIRE, r),
	    "the registered key manager got no ACQUIRE");
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_satype, PFKEY_SATYPE_ESP);
	ATF_CHECK_EQ(r->m.hdr->sadb_msg_pid, 0);
	acqseq = r->m.hdr->sadb_msg_seq;
	ATF_CHECK(acqseq != 0);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_SRC, "10.7.0.1", 0, 32, 0);
	check_addr(&r->m, PFKEY_EXT_ADDRESS_DST, "10.7.0.2", 0, 32, 0);
	ATF_REQUIRE_EQ(pfkey_get_policy(&r->m, &got), 0);
	ATF_CHECK_EQ(got.id, id);
	ATF_CHECK_EQ(got.dir, PFKEY_DIR_OUTBOUND);
	ATF_CHECK_EQ(got.priority, 77);
	ATF_REQUIRE((prop = PFKEY_EXT(&r->m, PFKEY_EXT_PROPOSAL, sadb_prop)) !=
	    NULL);
	/* The proposal offers what the kernel has, e.g. AES-CBC+SHA-256. */
	if (kernel_has("skcipher", "cbc(aes)") == 1 &&
	    kernel_has("hash", "hmac(sha256)") == 1) {
		const uint8_t *p = (const uint8_t *)prop;
		size_t plen = (size_t)prop->sadb_prop_len * 8, o;
		struct sadb_comb c;
		bool found = false;

		for (o = sizeof(*prop); o + sizeof(c) <= plen; o += sizeof(c)) {
			memcpy(&c, p + o, sizeof(c));
			if (c.sadb_comb_encrypt == 12 && c.sadb_comb_auth == 5)
				found = true;
			ATF_CHECK(c.sadb_comb_hard_addtime != 0);
		}
		ATF_CHECK_MSG(found, "no aes-cbc/sha2-256 in the proposal");
	}
	/* Not registered, the other socket heard nothing of it. */
	{
		const void *msg;
		size_t len;

		while (pfkey_recv(x, &msg, &len, 200) == 0)
			ATF_CHECK(((const uint8_t *)msg)[1] !=
			    PFKEY_MSG_ACQUIRE);
	}

	/* GETSPI with the ACQUIRE's seq completes the kernel's larval SA. */
	start(km, &b, PFKEY_MSG_GETSPI, PFKEY_SATYPE_ESP);
	memcpy(b.base + 8, &acqseq, 4);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, "10.7.0.1", 0, 0xff, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, "10.7.0.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(request(km, &b, r), 0);
	ATF_REQUIRE((sa = PFKEY_EXT(&r->m, PFKEY_EXT_SA, sadb_sa)) != NULL);
	ATF_CHECK(sa->sadb_sa_spi != 0);
	ATF_CHECK_EQ(sa->sadb_sa_state, PFKEY_SASTATE_LARVAL);
	{
		const struct sadb_x_sa2 *sa2 = PFKEY_EXT(&r->m,
		    PFKEY_EXT_X_SA2, sadb_x_sa2);

		ATF_REQUIRE(sa2 != NULL);
		ATF_CHECK_EQ(sa2->sadb_x_sa2_sequence, acqseq);
	}
	pfkey_xport_close(km);
	close(tun);
	free(r);
	pfkey_xport_close(x);
}

/* ------------------------------------------------------ malformed input */

static void
bytes_send(struct pfkey_xport *x, uint8_t *m, size_t len, int want_errno)
{
	int rc;

	errno = 0;
	rc = pfkey_send(x, m, len);
	ATF_CHECK_EQ_MSG(rc, PFKEY_ERR_SYSTEM, "send: %s", pfkey_strerror(rc));
	ATF_CHECK_EQ_MSG(errno, want_errno, "errno %d", errno);
}

/* The reply to raw bytes, or the send's error. */
static int
bytes_request(struct pfkey_xport *x, const void *m, size_t len,
    struct rep *r)
{
	const void *reply;
	size_t rlen;
	int rc;

	rc = pfkey_request(x, m, len, &reply, &rlen, 2000);
	if (rc != 0)
		return (-1);
	memcpy(r->mb.b, reply, rlen);
	r->len = rlen;
	ATF_REQUIRE(rlen >= PFKEY_HDRLEN);
	return (r->mb.b[2]);
}

ATF_TC_WITHOUT_HEAD(malformed);
ATF_TC_BODY(malformed, tc)
{
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	union tu_msgbuf *mb = malloc(sizeof(*mb)), *fz = malloc(sizeof(*fz));
	struct pfkey_policy pol;
	struct pfkey_buf b;
	const void *msg;
	size_t len, i, off;
	uint32_t seq;
	int e;

	ATF_REQUIRE(mb != NULL && fz != NULL);
	/* A header af_key cannot read: the send itself fails. */
	start(x, &b, PFKEY_MSG_X_SPDFLUSH, 0);
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	memcpy(mb->b, msg, len);
	pfkey_buf_free(&b);
	mb->b[0] = 3;				/* version */
	bytes_send(x, mb->b, len, EINVAL);
	mb->b[0] = PFKEY_V2;
	mb->b[6] = 1;				/* sadb_msg_reserved */
	bytes_send(x, mb->b, len, EINVAL);
	mb->b[6] = 0;
	mb->b[1] = 0;				/* type RESERVED */
	bytes_send(x, mb->b, len, EINVAL);
	mb->b[1] = 99;
	bytes_send(x, mb->b, len, EINVAL);

	/* Past the header: an error reply, EINVAL. */
	pol_sample(&pol, 1);
	start(x, &b, PFKEY_MSG_X_SPDADD, 0);
	put_sample_sel(&b);
	ATF_REQUIRE_EQ(pfkey_put_policy(&b, &pol), 0);
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);
	memcpy(mb->b, msg, len);
	pfkey_buf_free(&b);
	memcpy(fz->b, mb->b, len);
	fz->b[16] = 0xff;		/* the first ext runs past the end */
	ATF_CHECK_EQ(bytes_request(x, fz->b, len, r), EINVAL);
	memcpy(fz->b, mb->b, len);
	fz->b[len - 5] = 0x77;			/* garbage in a request */
	fz->b[16 + 2] = 0;			/* ext type 0 */
	ATF_CHECK_EQ(bytes_request(x, fz->b, len, r), EINVAL);
	/* Without its addresses. */
	start(x, &b, PFKEY_MSG_X_SPDADD, 0);
	ATF_REQUIRE_EQ(pfkey_put_policy(&b, &pol), 0);
	ATF_CHECK_EQ(request(x, &b, r), EINVAL);
	/* Messages the kernel only sends. */
	start(x, &b, PFKEY_MSG_EXPIRE, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(pfkey_put_sa(&b, &(struct pfkey_sa_args){ 0 }), 0);
	put_addr(&b, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	put_addr(&b, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_CHECK_EQ(request(x, &b, r), EOPNOTSUPP);

	/*
	 * Random damage past the header: every message gets an answer or a
	 * clean send error, and nothing crashes (run under ASan in CI).
	 */
	srandom(7);
	for (i = 0; i < 3000; i++) {
		memcpy(fz->b, mb->b, len);
		off = PFKEY_HDRLEN + (size_t)random() % (len - PFKEY_HDRLEN);
		fz->b[off] ^= (uint8_t)(1u << (random() % 8));
		if (i % 3 == 0)
			fz->b[PFKEY_HDRLEN + (size_t)random() %
			    (len - PFKEY_HDRLEN)] = (uint8_t)random();
		seq = (uint32_t)i + 1000;
		memcpy(fz->b + 8, &seq, 4);
		e = bytes_request(x, fz->b, len, r);
		ATF_REQUIRE_MSG(e >= 0, "message %zu got no answer", i);
	}
	/* The transport still works. */
	start(x, &b, PFKEY_MSG_X_SPDFLUSH, 0);
	ATF_CHECK_EQ(request(x, &b, r), 0);
	free(fz);
	free(mb);
	free(r);
	pfkey_xport_close(x);
}

/* ------------------------------------------- untrusted kernel input */

struct nlgen {
	uint8_t		 buf[8192];
	size_t		 len;
	size_t		 start;
};

static void
ng_msg(struct nlgen *g, uint16_t type, uint32_t seq, uint32_t pid,
    const void *body, size_t blen)
{
	struct nlmsghdr nh;

	g->len = NLMSG_ALIGN(g->len);
	g->start = g->len;
	memset(&nh, 0, sizeof(nh));
	nh.nlmsg_type = type;
	nh.nlmsg_seq = seq;
	nh.nlmsg_pid = pid;
	if (blen > 0)
		memcpy(g->buf + g->len + NLMSG_HDRLEN, body, blen);
	g->len += NLMSG_HDRLEN + NLMSG_ALIGN(blen);
	nh.nlmsg_len = (uint32_t)(g->len - g->start);
	memcpy(g->buf + g->start, &nh, sizeof(nh));
}

static void
ng_attr(struct nlgen *g, uint16_t type, const void *d, size_t l,
    const void *d2, size_t l2)
{
	struct nlattr na;
	struct nlmsghdr nh;

	na.nla_len = (uint16_t)(NLA_HDRLEN + l + l2);
	na.nla_type = type;
	memset(g->buf + g->len, 0, NLA_ALIGN(na.nla_len));
	memcpy(g->buf + g->len, &na, sizeof(na));
	if (l > 0)
		memcpy(g->buf + g->len + NLA_HDRLEN, d, l);
	if (l2 > 0)
		memcpy(g->buf + g->len + NLA_HDRLEN + l, d2, l2);
	g->len += NLA_ALIGN(na.nla_len);
	memcpy(&nh, g->buf + g->start, sizeof(nh));
	nh.nlmsg_len = (uint32_t)(g->len - g->start);
	memcpy(g->buf + g->start, &nh, sizeof(nh));
}

static void
seed_sa(struct xfrm_usersa_info *p, uint16_t family)
{
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->sel.family = family;
	p->id.proto = IPPROTO_ESP;
	p->id.spi = htonl(0x4242);
	p->saddr.a4 = htonl(0xc0000201);
	p->id.daddr.a4 = htonl(0xc0000202);
	p->flags = XFRM_STATE_ESN | XFRM_STATE_NOECN;
	p->mode = XFRM_MODE_TUNNEL;
	p->reqid = 9;
	p->lft.soft_byte_limit = p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = p->lft.hard_packet_limit = XFRM_INF;
}

static void
seed_sa_attrs(struct nlgen *g)
{
	static const uint8_t key[64];
	struct xfrm_algo_aead ad;
	struct xfrm_algo_auth au;
	struct xfrm_replay_state_esn esn;
	struct xfrm_encap_tmpl en;
	struct xfrm_user_sec_ctx uc;

	memset(&ad, 0, sizeof(ad));
	strlcpy(ad.alg_name, "rfc4106(gcm(aes))", sizeof(ad.alg_name));
	ad.alg_key_len = 288;
	ad.alg_icv_len = 128;
	ng_attr(g, XFRMA_ALG_AEAD, &ad, sizeof(ad), key, 36);
	memset(&au, 0, sizeof(au));
	strlcpy(au.alg_name, "hmac(sha256)", sizeof(au.alg_name));
	au.alg_key_len = 256;
	au.alg_trunc_len = 128;
	ng_attr(g, XFRMA_ALG_AUTH_TRUNC, &au, sizeof(au), key, 32);
	memset(&esn, 0, sizeof(esn));
	esn.bmp_len = 32;
	esn.replay_window = 1024;
	ng_attr(g, XFRMA_REPLAY_ESN_VAL, &esn, sizeof(esn), key, 64);
	memset(&en, 0, sizeof(en));
	en.encap_type = 2;
	en.encap_sport = en.encap_dport = htons(4500);
	en.encap_oa.a4 = htonl(0x0a000001);
	ng_attr(g, XFRMA_ENCAP, &en, sizeof(en), NULL, 0);
	memset(&uc, 0, sizeof(uc));
	uc.ctx_len = 10;
	uc.len = sizeof(uc) + 10;
	ng_attr(g, XFRMA_SEC_CTX, &uc, sizeof(uc), "system_u:x", 10);
}

static void
seed_policy(struct xfrm_userpolicy_info *p)
{
	memset(p, 0, sizeof(*p));
	p->sel.family = AF_INET6;
	p->sel.prefixlen_s = p->sel.prefixlen_d = 64;
	p->sel.proto = IPPROTO_TCP;
	p->sel.dport = htons(443);
	p->dir = XFRM_POLICY_OUT;
	p->index = 0x109;
	p->priority = 5;
	p->lft.soft_byte_limit = p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = p->lft.hard_packet_limit = XFRM_INF;
}

static void
seed_tmpls(struct nlgen *g)
{
	struct xfrm_user_tmpl t[2];

	memset(t, 0, sizeof(t));
	t[0].id.proto = IPPROTO_ESP;
	t[0].mode = XFRM_MODE_TUNNEL;
	t[0].family = AF_INET;
	t[0].saddr.a4 = htonl(0xc0000201);
	t[0].id.daddr.a4 = htonl(0xc0000202);
	t[0].aalgos = t[0].ealgos = t[0].calgos = ~0u;
	t[1].id.proto = IPPROTO_AH;
	t[1].reqid = 20000;
	t[1].optional = 1;
	ng_attr(g, XFRMA_TMPL, t, sizeof(t), NULL, 0);
}

/* One datagram of every kind of message the transport reads. */
static void
seed_all(struct nlgen *g, uint32_t portid, uint32_t reqseq, uint32_t dumpseq)
{
	struct xfrm_usersa_info sa;
	struct xfrm_usersa_id id;
	struct xfrm_userpolicy_info pol;
	struct xfrm_userpolicy_id pid;
	struct xfrm_user_acquire ua;
	struct xfrm_user_expire ue;
	struct xfrm_user_polexpire pe;
	struct xfrm_user_mapping um;
	struct xfrm_usersa_flush fl;
	struct {
		int32_t		error;
		struct nlmsghdr	msg;
	} er;
	int32_t done = 0;

	memset(g, 0, sizeof(*g));
	seed_sa(&sa, AF_INET);
	ng_msg(g, XFRM_MSG_NEWSA, 1, 777, &sa, sizeof(sa));
	seed_sa_attrs(g);
	memset(&id, 0, sizeof(id));
	id.family = AF_INET;
	id.proto = IPPROTO_ESP;
	ng_msg(g, XFRM_MSG_DELSA, 2, 777, &id, sizeof(id));
	ng_attr(g, XFRMA_SA, &sa, sizeof(sa), NULL, 0);
	seed_sa_attrs(g);
	seed_policy(&pol);
	ng_msg(g, XFRM_MSG_NEWPOLICY, 3, 777, &pol, sizeof(pol));
	seed_tmpls(g);
	memset(&pid, 0, sizeof(pid));
	pid.index = pol.index;
	pid.dir = pol.dir;
	ng_msg(g, XFRM_MSG_DELPOLICY, 4, 777, &pid, sizeof(pid));
	ng_attr(g, XFRMA_POLICY, &pol, sizeof(pol), NULL, 0);
	seed_tmpls(g);
	memset(&ua, 0, sizeof(ua));
	ua.id = sa.id;
	ua.saddr = sa.saddr;
	ua.policy = pol;
	ua.policy.sel.family = AF_INET;
	ua.aalgos = ua.ealgos = ua.calgos = ~0u;
	ua.seq = 5;
	ng_msg(g, XFRM_MSG_ACQUIRE, 0, 0, &ua, sizeof(ua));
	seed_tmpls(g);
	memset(&ue, 0, sizeof(ue));
	ue.state = sa;
	ue.hard = 1;
	ng_msg(g, XFRM_MSG_EXPIRE, 0, 0, &ue, sizeof(ue));
	memset(&pe, 0, sizeof(pe));
	pe.pol = pol;
	ng_msg(g, XFRM_MSG_POLEXPIRE, 0, 0, &pe, sizeof(pe));
	seed_tmpls(g);
	memset(&um, 0, sizeof(um));
	um.id = id;
	um.new_sport = htons(4501);
	ng_msg(g, XFRM_MSG_MAPPING, 0, 0, &um, sizeof(um));
	memset(&fl, 0, sizeof(fl));
	fl.proto = IPPROTO_ESP;
	ng_msg(g, XFRM_MSG_FLUSHSA, 6, 777, &fl, sizeof(fl));
	ng_msg(g, XFRM_MSG_FLUSHPOLICY, 7, 777, NULL, 0);
	/* Our request's answer and its error with the kernel's words. */
	ng_msg(g, XFRM_MSG_NEWSA, reqseq, portid, &sa, sizeof(sa));
	seed_sa_attrs(g);
	memset(&er, 0, sizeof(er));
	er.error = -ENOSYS;
	er.msg.nlmsg_len = 40;
	ng_msg(g, NLMSG_ERROR, reqseq, portid, &er, sizeof(er));
	ng_attr(g, XF_NLMSGERR_ATTR_MSG, "Requested AEAD algorithm not found",
	    35, NULL, 0);
	{
		struct nlmsghdr nh;

		memcpy(&nh, g->buf + g->start, sizeof(nh));
		nh.nlmsg_flags |= NLM_F_ACK_TLVS | NLM_F_CAPPED;
		memcpy(g->buf + g->start, &nh, sizeof(nh));
	}
	/* A dump's parts and its end. */
	ng_msg(g, XFRM_MSG_NEWSA, dumpseq, portid, &sa, sizeof(sa));
	seed_sa_attrs(g);
	ng_msg(g, XFRM_MSG_NEWSA, dumpseq, portid, &sa, sizeof(sa));
	ng_msg(g, NLMSG_DONE, dumpseq, portid, &done, sizeof(done));
}

/*
 * Whatever the kernel side sends, the parser reads nothing outside the
 * datagram (ASan watches), and every PF_KEY message it makes of it is
 * valid and complete: what cannot be said is dropped.
 */
ATF_TC_WITHOUT_HEAD(kernel_input_untrusted);
ATF_TC_BODY(kernel_input_untrusted, tc)
{
	struct xstate *xs = calloc(1, sizeof(*xs));
	struct nlgen *seed = malloc(sizeof(*seed)), *g = malloc(sizeof(*g));
	union tu_msgbuf *mb = malloc(sizeof(*mb));
	struct pfkey_msg m;
	struct xmsg *q;
	uint8_t *dgram;
	size_t i, n, made = 0, events = 0;
	unsigned k;
	int rc;

	ATF_REQUIRE(xs != NULL && seed != NULL && g != NULL && mb != NULL);
	TAILQ_INIT(&xs->outq);
	xs->fd = -1;
	xs->portid = 4711;
	xs->registered = ~0u;
	xs->promisc = true;
	xs->obuf = malloc(PFKEY_MSG_MAXLEN);
	ATF_REQUIRE(xs->obuf != NULL);
	seed_all(seed, xs->portid, 100, 200);
	srandom(11);
	for (i = 0; i < 20000; i++) {
		*g = *seed;
		n = g->len;
		if (i > 0) {
			for (k = 0; k < 1 + (unsigned)random() % 4; k++)
				g->buf[(size_t)random() % n] ^=
				    (uint8_t)(1u << (random() % 8));
			if (i % 5 == 0)
				n = (size_t)random() % n;
		}
		/* Exactly the datagram's bytes: ASan sees any overrun. */
		dgram = malloc(n > 0 ? n : 1);
		ATF_REQUIRE(dgram != NULL);
		memcpy(dgram, g->buf, n);
		xs->req.active = true;
		xs->req.done = false;
		xs->req.seq = 100;
		xs->req.want = XFRM_MSG_NEWSA;
		xs->dump.active = true;
		xs->dump.seq = 200;
		xs->dump.left = 5;
		memset(xs->dump.hdr, 0, sizeof(xs->dump.hdr));
		xs->dump.hdr[0] = PFKEY_V2;
		xs->dump.hdr[1] = PFKEY_MSG_DUMP;
		xs->dump.hdr[4] = 2;
		xf_input(xs, dgram, n);
		free(dgram);
		if (i == 0) {
			ATF_CHECK(xs->req.done);
			ATF_CHECK_EQ(xs->req.error, ENOSYS);
			ATF_CHECK_STREQ(xs->extack,
			    "Requested AEAD algorithm not found");
			ATF_CHECK(xs->req.resplen > 0);
			ATF_CHECK(!xs->dump.active);
		}
		while ((q = TAILQ_FIRST(&xs->outq)) != NULL) {
			TAILQ_REMOVE(&xs->outq, q, entry);
			xs->nout--;
			memcpy(mb->b, q->data, q->len);
			rc = pfkey_decode(mb->b, q->len, D,
			    PFKEY_DEC_FROM_KERNEL, &m);
			ATF_REQUIRE_MSG(rc == 0, "round %zu: a %s that does "
			    "not decode: %s", i, pfkey_msgtype_name(mb->b[1]),
			    pfkey_strerror(rc));
			made++;
			if (i == 0)
				events++;
			xmsg_free(q);
		}
		xmsg_free(xs->dump.held);
		xs->dump.held = NULL;
		xs->extack[0] = '\0';
	}
	/* The unharmed datagram: 10 events and the two dump parts. */
	ATF_CHECK_EQ_MSG(events, 12, "%zu messages from the seed", events);
	ATF_CHECK(made > 20000);
	free(xs->req.resp);
	free(xs->obuf);
	free(xs);
	free(mb);
	free(g);
	free(seed);
}

/*
 * pfkey_xport_errmsg(): nothing after a success, and with requests
 * pipelined (as setkey sends them) each reply keeps its own words.
 */
ATF_TC_WITHOUT_HEAD(errmsg_api);
ATF_TC_BODY(errmsg_api, tc)
{
	static const uint8_t key[36];
	struct pfkey_xport *x = setup();
	struct rep *r = rep_new();
	struct pfkey_sa_args sa;
	struct pfkey_buf b1, b2;
	const void *msg;
	size_t len;
	const char *em;

	ATF_CHECK(pfkey_xport_errmsg(NULL) == NULL);
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDFLUSH, r), 0);
	ATF_CHECK(pfkey_xport_errmsg(x) == NULL);

	if (kernel_has("aead", "rfc4106(gcm(aes))") != 0)
		atf_tc_skip("the kernel has AES-GCM: no error to explain");
	start(x, &b1, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP);
	memset(&sa, 0, sizeof(sa));
	sa.spi = htonl(0x99);
	sa.encrypt = 20;
	ATF_REQUIRE_EQ(pfkey_put_sa(&b1, &sa), 0);
	put_addr(&b1, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	put_addr(&b1, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(pfkey_put_key(&b1, PFKEY_EXT_KEY_ENCRYPT, key, 288), 0);
	start(x, &b2, PFKEY_MSG_GET, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(pfkey_put_sa(&b2, &sa), 0);
	put_addr(&b2, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	put_addr(&b2, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(pfkey_send_buf(x, &b1), 0);
	ATF_REQUIRE_EQ(pfkey_send_buf(x, &b2), 0);
	pfkey_buf_free(&b1);
	pfkey_buf_free(&b2);

	ATF_REQUIRE_EQ(pfkey_recv(x, &msg, &len, 2000), 0);
	ATF_CHECK_EQ(((const uint8_t *)msg)[1], PFKEY_MSG_ADD);
	ATF_CHECK_EQ(((const uint8_t *)msg)[2], ENOSYS);
	em = pfkey_xport_errmsg(x);
	ATF_CHECK_MSG(em != NULL && strstr(em, "AEAD") != NULL,
	    "ADD's words: %s", em != NULL ? em : "(none)");
	ATF_REQUIRE_EQ(pfkey_recv(x, &msg, &len, 2000), 0);
	ATF_CHECK_EQ(((const uint8_t *)msg)[1], PFKEY_MSG_GET);
	ATF_CHECK_EQ(((const uint8_t *)msg)[2], ESRCH);
	ATF_CHECK_MSG(pfkey_xport_errmsg(x) == NULL, "GET's words: %s",
	    pfkey_xport_errmsg(x));

	/* Queued while a request waits, a reply keeps its words too. */
	start(x, &b1, PFKEY_MSG_ADD, PFKEY_SATYPE_ESP);
	ATF_REQUIRE_EQ(pfkey_put_sa(&b1, &sa), 0);
	put_addr(&b1, PFKEY_EXT_ADDRESS_SRC, "192.0.2.1", 0, 0xff, 255);
	put_addr(&b1, PFKEY_EXT_ADDRESS_DST, "192.0.2.2", 0, 0xff, 255);
	ATF_REQUIRE_EQ(pfkey_put_key(&b1, PFKEY_EXT_KEY_ENCRYPT, key, 288), 0);
	ATF_REQUIRE_EQ(pfkey_send_buf(x, &b1), 0);
	pfkey_buf_free(&b1);
	ATF_CHECK_EQ(spd_simple(x, PFKEY_MSG_X_SPDFLUSH, r), 0);
	ATF_CHECK(pfkey_xport_errmsg(x) == NULL);
	ATF_CHECK_EQ(pfkey_xport_pending(x), 1);
	ATF_REQUIRE_EQ(pfkey_recv(x, &msg, &len, 0), 0);
	ATF_CHECK_EQ(((const uint8_t *)msg)[2], ENOSYS);
	em = pfkey_xport_errmsg(x);
	ATF_CHECK_MSG(em != NULL && strstr(em, "AEAD") != NULL,
	    "queued ADD's words: %s", em != NULL ? em : "(none)");
	free(r);
	pfkey_xport_close(x);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, spd_roundtrip);
	ATF_TP_ADD_TC(tp, spd_dirs_delete2);
	ATF_TP_ADD_TC(tp, spd_unique_reqid);
	ATF_TP_ADD_TC(tp, spd_errors);
	ATF_TP_ADD_TC(tp, spd_dump_many);
	ATF_TP_ADD_TC(tp, getspi_larval);
	ATF_TP_ADD_TC(tp, sa_delete_all_flush);
	ATF_TP_ADD_TC(tp, sa_add_error);
	ATF_TP_ADD_TC(tp, register_supported);
	ATF_TP_ADD_TC(tp, listeners);
	ATF_TP_ADD_TC(tp, acquire_event);
	ATF_TP_ADD_TC(tp, malformed);
	ATF_TP_ADD_TC(tp, errmsg_api);
	ATF_TP_ADD_TC(tp, kernel_input_untrusted);
	return (atf_no_error());
}
