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
 * pfkey_policy_parse() and pfkey_policy_format(): the ipsec_set_policy(3)
 * language and the ipsec_dump_policy(3) output of ipsec-tools 0.8.2
 * (Linux dialect) and FreeBSD libipsec (FreeBSD dialect).  Expected
 * strings are written out by hand from the reference printers' rules, so
 * a change of the output format makes these tests fail.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "pfkey.h"

#define LX	PFKEY_DIALECT_LINUX
#define FB	PFKEY_DIALECT_FREEBSD
#define D_LX	0x1
#define D_FB	0x2
#define D_BOTH	(D_LX | D_FB)

#define PF_WP	PFKEY_PF_WITHPORTS
#define PF_NL	PFKEY_PF_NEWLINES

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

static const char *
dname(enum pfkey_dialect d)
{
	return (d == LX ? "linux" : "freebsd");
}

static int
parse(const char *s, enum pfkey_dialect d, struct pfkey_policy *pol,
    struct pfkey_policy_err *err)
{
	return (pfkey_policy_parse(s, strlen(s), d, pol, err));
}

/* Format into buf (size bufsz); require success and a consistent length. */
static void
format_ok(const struct pfkey_policy *pol, enum pfkey_dialect d, int flags,
    char *buf, size_t bufsz)
{
	int n;

	n = pfkey_policy_format(pol, d, flags, buf, bufsz);
	ATF_REQUIRE_MSG(n >= 0, "format failed: %d (%s)", n,
	    pfkey_strerror(n));
	ATF_REQUIRE_MSG((size_t)n < bufsz, "format needs %d bytes", n);
	ATF_REQUIRE_EQ((size_t)n, strlen(buf));
}

static void
sin_make(struct sockaddr_storage *ss, const char *addr, uint16_t port)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)(void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		ATF_REQUIRE(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		ATF_REQUIRE(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
	}
}

/* -------------------------------------------- ipsec-tools test-policy.c */

/*
 * The 24 cases of src/libipsec/test-policy.c (ipsec-tools; the same table
 * is in FreeBSD lib/libipsec).  There the expected result also covers
 * the kernel's setsockopt(IP_IPSEC_POLICY); here only the language
 * counts, so two cases change sides: "out discard" and "out none" parse
 * (only per-socket policies refuse them), and the nine-request policy is
 * refused because PFKEY_POLICY_MAXREQ is 8 (kernels take 6 or 4).
 */
struct accept_case {
	const char	*in;
	const char	*lx;	/* format(parse(in)), Linux, flags 0 */
	const char	*fb;	/* the same, FreeBSD */
};

static const struct accept_case refpolicy_accept_cases[] = {
	{ "out ipsec", "out prio def ipsec", "out ipsec" },
	{ "out discard", "out prio def discard", "out discard" },
	{ "out none", "out prio def none", "out none" },
	{ "in entrust", "in prio def entrust", "in entrust" },
	{ "out entrust", "out prio def entrust", "out entrust" },
	{ "in ipsec ah/transport",
	    "in prio def ipsec ah/transport//default",
	    "in ipsec ah/transport//default" },
	{ "out ipsec ah/transport/",
	    "out prio def ipsec ah/transport//default",
	    "out ipsec ah/transport//default" },
	{ "in ipsec esp / transport / 10.0.0.1-10.0.0.2",
	    "in prio def ipsec esp/transport/10.0.0.1-10.0.0.2/default",
	    "in ipsec esp/transport/10.0.0.1-10.0.0.2/default" },
	{ "in ipsec esp/tunnel/::1-::2",
	    "in prio def ipsec esp/tunnel/::1-::2/default",
	    "in ipsec esp/tunnel/::1-::2/default" },
	{ "in ipsec esp/tunnel/::1-::2/require",
	    "in prio def ipsec esp/tunnel/::1-::2/require",
	    "in ipsec esp/tunnel/::1-::2/require" },
	{ "out ipsec ah/transport//use",
	    "out prio def ipsec ah/transport//use",
	    "out ipsec ah/transport//use" },
	{ "in ipsec ah/transport esp/tunnel/::1-::1",
	    "in prio def ipsec ah/transport//default "
	    "esp/tunnel/::1-::1/default",
	    "in ipsec ah/transport//default esp/tunnel/::1-::1/default" },
	{ "in ipsec\n\tah / transport\n\tesp / tunnel / ::1-::2",
	    "in prio def ipsec ah/transport//default "
	    "esp/tunnel/::1-::2/default",
	    "in ipsec ah/transport//default esp/tunnel/::1-::2/default" },
	{ "out ipsec esp/transport/fec0::10-fec0::11/use",
	    "out prio def ipsec esp/transport/fec0::10-fec0::11/use",
	    "out ipsec esp/transport/fec0::10-fec0::11/use" },
	/* Case 23 cut to two lines (six requests) so that it fits. */
	{ "out ipsec\n"
	    "\tah/transport/::1-::2 esp/tunnel/::3-::4/use "
	    "ah/transport/::5-::6/require\n"
	    "\tah/transport/::1-::2 esp/tunnel/::3-::4/use "
	    "ah/transport/::5-::6/require\n\t",
	    "out prio def ipsec ah/transport/::1-::2/default "
	    "esp/tunnel/::3-::4/use ah/transport/::5-::6/require "
	    "ah/transport/::1-::2/default esp/tunnel/::3-::4/use "
	    "ah/transport/::5-::6/require",
	    "out ipsec ah/transport/::1-::2/default "
	    "esp/tunnel/::3-::4/use ah/transport/::5-::6/require "
	    "ah/transport/::1-::2/default esp/tunnel/::3-::4/use "
	    "ah/transport/::5-::6/require" },
};

struct reject_case {
	int		 dialects;
	const char	*in;
	int		 code;
	size_t		 off;
	size_t		 toklen;
	const char	*msg;
};

static const struct reject_case refpolicy_reject_cases[] = {
	{ D_BOTH, "must_error", PFKEY_ERR_SYNTAX, 0, 10,
	    "unknown direction \"must_error\"" },
	{ D_BOTH, "in ipsec must_error", PFKEY_ERR_SYNTAX, 9, 10,
	    "unknown protocol \"must_error\"" },
	{ D_BOTH, "out ipsec esp/must_error", PFKEY_ERR_SYNTAX, 14, 10,
	    "unknown mode \"must_error\"" },
	{ D_BOTH, "out ipsec esp", PFKEY_ERR_SYNTAX, 13, 0,
	    "policy ends early: expected \"/\" and a mode after \"esp\"" },
	{ D_BOTH, "in ipsec ah/tunnel", PFKEY_ERR_SYNTAX, 12, 6,
	    "tunnel mode needs \"src-dst\" endpoints" },
	{ D_BOTH, "out ipsec ah/tunnel/", PFKEY_ERR_SYNTAX, 13, 6,
	    "tunnel mode needs \"src-dst\" endpoints" },
	{ D_BOTH, "in ipsec esp/tunnel/10.0.0.1-::2", PFKEY_ERR_ADDRFAMILY,
	    29, 3, "address families of \"10.0.0.1\" and \"::2\" differ" },
	{ D_BOTH, "out ipsec ah/transport esp/use", PFKEY_ERR_SYNTAX, 27, 3,
	    "unknown mode \"use\"" },
	{ D_BOTH, "in ipsec ah/transport esp/tunnel", PFKEY_ERR_SYNTAX, 26, 6,
	    "tunnel mode needs \"src-dst\" endpoints" },
};

static void
check_accept(const struct accept_case *c, size_t n)
{
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	char buf[2048];
	size_t i;
	int rc, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 2; k++) {
			enum pfkey_dialect d = k == 0 ? LX : FB;
			const char *want = k == 0 ? c[i].lx : c[i].fb;

			if (want == NULL)
				continue;
			rc = parse(c[i].in, d, &pol, &err);
			ATF_CHECK_EQ_MSG(rc, 0, "%s: [%s]: %d %s", dname(d),
			    c[i].in, rc, err.msg);
			if (rc != 0)
				continue;
			format_ok(&pol, d, 0, buf, sizeof(buf));
			ATF_CHECK_STREQ_MSG(buf, want, "%s: [%s]", dname(d),
			    c[i].in);
		}
	}
}

static void
check_reject(const struct reject_case *c, size_t n)
{
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	size_t i;
	int rc, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 2; k++) {
			enum pfkey_dialect d = k == 0 ? LX : FB;

			if ((c[i].dialects & (k == 0 ? D_LX : D_FB)) == 0)
				continue;
			memset(&err, 0xa5, sizeof(err));
			rc = parse(c[i].in, d, &pol, &err);
			ATF_CHECK_EQ_MSG(rc, c[i].code, "%s: [%s]: got %d (%s)",
			    dname(d), c[i].in, rc, rc == 0 ? "" : err.msg);
			if (rc == 0)
				continue;
			ATF_CHECK_EQ_MSG(err.offset, c[i].off,
			    "%s: [%s]: offset", dname(d), c[i].in);
			ATF_CHECK_EQ_MSG(err.toklen, c[i].toklen,
			    "%s: [%s]: toklen", dname(d), c[i].in);
			ATF_CHECK_MSG(memchr(err.msg, '\0', sizeof(err.msg)) !=
			    NULL, "%s: [%s]: message not terminated",
			    dname(d), c[i].in);
			ATF_CHECK_STREQ_MSG(err.msg, c[i].msg, "%s: [%s]",
			    dname(d), c[i].in);
		}
	}
}

ATF_TC_WITHOUT_HEAD(refpolicy_accept);
ATF_TC_BODY(refpolicy_accept, tc)
{
	check_accept(refpolicy_accept_cases, NITEMS(refpolicy_accept_cases));
}

ATF_TC_WITHOUT_HEAD(refpolicy_reject);
ATF_TC_BODY(refpolicy_reject, tc)
{
	static const char line[] = "\tah/transport/::1-::2 "
	    "esp/tunnel/::3-::4/use ah/transport/::5-::6/require\n";
	static const char head[] = "out ipsec\n";
	static const char before9[] = "\tah/transport/::1-::2 "
	    "esp/tunnel/::3-::4/use ";
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	char nine[1024];
	int k, rc;

	check_reject(refpolicy_reject_cases, NITEMS(refpolicy_reject_cases));

	/* Case 23: three lines of three requests; the ninth is one too many. */
	snprintf(nine, sizeof(nine), "%s%s%s%s\t", head, line, line, line);
	for (k = 0; k < 2; k++) {
		rc = parse(nine, k == 0 ? LX : FB, &pol, &err);
		ATF_CHECK_EQ(rc, PFKEY_ERR_SYNTAX);
		ATF_CHECK_EQ(err.offset, strlen(head) + 2 * strlen(line) +
		    strlen(before9));
		ATF_CHECK_EQ(err.toklen, 2);
		ATF_CHECK_STREQ(err.msg, "too many requests at \"ah\": at most 8");
	}
}

/* ------------------------------------------------------ more grammar */

static const struct accept_case accept_cases[] = {
	/* a bare direction (setkey spddelete -P out) */
	{ "out", "out prio def discard", "out discard" },
	{ "in", "in prio def discard", "in discard" },
	{ "in bypass", "in prio def bypass", "in bypass" },
	/* whitespace anywhere between tokens, none needed around - and / */
	{ "  out\tipsec  esp/tunnel/ 10.0.0.1 - 10.0.0.2 /require \n",
	    "out prio def ipsec esp/tunnel/10.0.0.1-10.0.0.2/require",
	    "out ipsec esp/tunnel/10.0.0.1-10.0.0.2/require" },
	{ "out ipsec esp/transport//require\r\n",
	    "out prio def ipsec esp/transport//require",
	    "out ipsec esp/transport//require" },
	/* the six request shapes of policy_parse.y */
	{ "out ipsec esp/tunnel/1.1.1.1-2.2.2.2/use",
	    "out prio def ipsec esp/tunnel/1.1.1.1-2.2.2.2/use",
	    "out ipsec esp/tunnel/1.1.1.1-2.2.2.2/use" },
	{ "out ipsec esp/tunnel/1.1.1.1-2.2.2.2/ ah/transport",
	    "out prio def ipsec esp/tunnel/1.1.1.1-2.2.2.2/default "
	    "ah/transport//default",
	    "out ipsec esp/tunnel/1.1.1.1-2.2.2.2/default "
	    "ah/transport//default" },
	{ "out ipsec esp/tunnel/1.1.1.1-2.2.2.2 ipcomp/transport/",
	    "out prio def ipsec esp/tunnel/1.1.1.1-2.2.2.2/default "
	    "ipcomp/transport//default",
	    "out ipsec esp/tunnel/1.1.1.1-2.2.2.2/default "
	    "ipcomp/transport//default" },
	{ "out ipsec ipcomp/transport/ esp/transport//unique",
	    "out prio def ipsec ipcomp/transport//default "
	    "esp/transport//unique",
	    "out ipsec ipcomp/transport//default esp/transport//unique" },
	/* reqids: ':' up to 16383, '#' (the printers' form) above */
	{ "out ipsec esp/transport//unique:1",
	    "out prio def ipsec esp/transport//unique:1",
	    "out ipsec esp/transport//unique:1" },
	{ "out ipsec esp/transport//unique:16383",
	    "out prio def ipsec esp/transport//unique:16383",
	    "out ipsec esp/transport//unique:16383" },
	{ "out ipsec esp/transport//unique#16384",
	    "out prio def ipsec esp/transport//unique#16384",
	    "out ipsec esp/transport//unique#16384" },
	{ "out ipsec esp/transport//unique#65535",
	    "out prio def ipsec esp/transport//unique#65535",
	    "out ipsec esp/transport//unique#65535" },
	{ "out ipsec esp/transport//unique#4294967295",
	    "out prio def ipsec esp/transport//unique#4294967295", NULL },
	{ "out ipsec esp/transport//unique#7",
	    "out prio def ipsec esp/transport//unique:7",
	    "out ipsec esp/transport//unique:7" },
	{ "out ipsec esp/transport//unique:0007",
	    "out prio def ipsec esp/transport//unique:7",
	    "out ipsec esp/transport//unique:7" },
	{ "in ipsec ipcomp/tunnel/10.0.0.1-10.0.0.2/use:3",
	    "in prio def ipsec ipcomp/tunnel/10.0.0.1-10.0.0.2/use:3",
	    "in ipsec ipcomp/tunnel/10.0.0.1-10.0.0.2/use:3" },
	/* me-any / any-me: no endpoints, direction checked */
	{ "out ipsec esp/transport/me-any/require",
	    "out prio def ipsec esp/transport//require",
	    "out ipsec esp/transport//require" },
	{ "in ipsec ah/transport/any - me",
	    "in prio def ipsec ah/transport//default",
	    "in ipsec ah/transport//default" },
	/* ports are parsed, printed only with PFKEY_PF_WITHPORTS */
	{ "out ipsec esp/tunnel/192.0.2.1[4500]-192.0.2.2 [4500]/require",
	    "out prio def ipsec esp/tunnel/192.0.2.1-192.0.2.2/require",
	    "out ipsec esp/tunnel/192.0.2.1-192.0.2.2/require" },
	/* IPv6 canonical form, IPv4-mapped */
	{ "out ipsec esp/tunnel/2001:DB8:0:0::1-2001:db8::0:2/require",
	    "out prio def ipsec esp/tunnel/2001:db8::1-2001:db8::2/require",
	    "out ipsec esp/tunnel/2001:db8::1-2001:db8::2/require" },
	{ "out ipsec esp/tunnel/::ffff:192.0.2.1-::ffff:192.0.2.2/use",
	    "out prio def ipsec esp/tunnel/::ffff:192.0.2.1-"
	    "::ffff:192.0.2.2/use",
	    "out ipsec esp/tunnel/::ffff:192.0.2.1-::ffff:192.0.2.2/use" },
	/* dialect words */
	{ "fwd ipsec esp/tunnel/10.0.0.1-10.0.0.2/require",
	    "fwd prio def ipsec esp/tunnel/10.0.0.1-10.0.0.2/require", NULL },
	{ "out ipsec esp/beet//require",
	    "out prio def ipsec esp/beet//require", NULL },
	{ "out ipsec esp/iptfs/10.0.0.1-10.0.0.2/require",
	    "out prio def ipsec esp/iptfs/10.0.0.1-10.0.0.2/require", NULL },
	{ "out ipsec tcp/transport//require", NULL,
	    "out ipsec tcp/transport//require" },
	/* eight requests is the maximum */
	{ "out ipsec ah/transport ah/transport ah/transport ah/transport "
	    "ah/transport ah/transport ah/transport esp/transport",
	    "out prio def ipsec ah/transport//default ah/transport//default "
	    "ah/transport//default ah/transport//default "
	    "ah/transport//default ah/transport//default "
	    "ah/transport//default esp/transport//default",
	    "out ipsec ah/transport//default ah/transport//default "
	    "ah/transport//default ah/transport//default "
	    "ah/transport//default ah/transport//default "
	    "ah/transport//default esp/transport//default" },
};

ATF_TC_WITHOUT_HEAD(accept_table);
ATF_TC_BODY(accept_table, tc)
{
	check_accept(accept_cases, NITEMS(accept_cases));
}

static const struct reject_case reject_cases[] = {
	{ D_BOTH, "", PFKEY_ERR_SYNTAX, 0, 0,
	    "policy ends early: expected a direction (in or out)" },
	{ D_BOTH, "   \n", PFKEY_ERR_SYNTAX, 4, 0,
	    "policy ends early: expected a direction (in or out)" },
	{ D_BOTH, "OUT ipsec", PFKEY_ERR_SYNTAX, 0, 3,
	    "unknown direction \"OUT\"" },
	{ D_BOTH, "outipsec", PFKEY_ERR_SYNTAX, 0, 8,
	    "unknown direction \"outipsec\"" },
	{ D_BOTH, "any ipsec", PFKEY_ERR_SYNTAX, 0, 3,
	    "unknown direction \"any\"" },
	{ D_BOTH, "out permit", PFKEY_ERR_SYNTAX, 4, 6,
	    "unknown action \"permit\"" },
	{ D_BOTH, "out ipsec\x01", PFKEY_ERR_SYNTAX, 9, 1,
	    "unexpected character \"\\x01\": expected a request "
	    "(esp, ah or ipcomp)" },
	{ D_BOTH, "out discard esp/transport//require", PFKEY_ERR_SYNTAX,
	    12, 3, "unexpected \"esp\": expected the end: only \"ipsec\" "
	    "takes requests" },
	{ D_BOTH, "out ipsec esp/tunnel/1.2.3.4-5.6.7.8/requir",
	    PFKEY_ERR_SYNTAX, 37, 6, "unknown level \"requir\"" },
	{ D_BOTH, "out ipsec esp/transport//required", PFKEY_ERR_SYNTAX,
	    25, 8, "unknown level \"required\"" },
	{ D_BOTH, "out ipsec ah/transport//", PFKEY_ERR_SYNTAX, 24, 0,
	    "policy ends early: expected a level after \"//\"" },
	{ D_BOTH, "out ipsec ah/transport// esp/transport", PFKEY_ERR_SYNTAX,
	    25, 3, "unknown level \"esp\"" },
	{ D_BOTH, "out ipsec esp/transport/require", PFKEY_ERR_SYNTAX, 24, 7,
	    "unexpected \"require\": expected \"src-dst\" endpoints or \"/\" "
	    "before the level" },
	{ D_BOTH, "out ipsec esp/", PFKEY_ERR_SYNTAX, 14, 0,
	    "policy ends early: expected a mode (transport or tunnel)" },
	{ D_BOTH, "out ipsec esp/any//require", PFKEY_ERR_SYNTAX, 14, 3,
	    "mode \"any\" cannot be requested: use transport or tunnel" },
	{ D_BOTH, "out ipsec esp/tunnel/1.2.3.4", PFKEY_ERR_SYNTAX, 28, 0,
	    "policy ends early: expected \"-\" and a destination after "
	    "\"1.2.3.4\"" },
	{ D_BOTH, "out ipsec esp/tunnel/1.2.3.4-/require", PFKEY_ERR_SYNTAX,
	    29, 1, "unexpected \"/\": expected a destination address "
	    "after \"-\"" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.256-10.0.0.2",
	    PFKEY_ERR_SYNTAX, 21, 10, "invalid address \"10.0.0.256\"" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.1-10.1", PFKEY_ERR_SYNTAX,
	    30, 4, "invalid address \"10.1\"" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.1%1-10.0.0.2",
	    PFKEY_ERR_SYNTAX, 21, 10, "invalid address \"10.0.0.1%1\"" },
	{ D_BOTH, "out ipsec esp/tunnel/fe80::1%no_such_if-fe80::2",
	    PFKEY_ERR_SYNTAX, 21, 18,
	    "unknown scope in address \"fe80::1%no_such_if\"" },
	{ D_BOTH, "out ipsec esp/tunnel/1::2::3-::1", PFKEY_ERR_SYNTAX,
	    21, 7, "invalid address \"1::2::3\"" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.1[500]-10.0.0.2/require",
	    PFKEY_ERR_SYNTAX, 29, 5,
	    "both endpoints need a [port], or neither" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.1-10.0.0.2[500]/require",
	    PFKEY_ERR_SYNTAX, 38, 5,
	    "both endpoints need a [port], or neither" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.1[65536]-10.0.0.2[1]",
	    PFKEY_ERR_SYNTAX, 29, 7,
	    "port \"[65536]\" is not a number in 0-65535" },
	{ D_BOTH, "out ipsec esp/tunnel/10.0.0.1[x]-10.0.0.2[1]",
	    PFKEY_ERR_SYNTAX, 29, 1,
	    "unexpected character \"[\": expected \"-\" and a destination "
	    "after \"10.0.0.1\"" },
	{ D_BOTH, "in ipsec esp/transport/me-any", PFKEY_ERR_SYNTAX, 23, 2,
	    "\"me-any\" is only valid in \"out\" policies" },
	{ D_BOTH, "out ipsec esp/transport/any-me", PFKEY_ERR_SYNTAX, 24, 3,
	    "\"any-me\" is only valid in \"in\" policies" },
	{ D_BOTH, "out ipsec esp/tunnel/me-any", PFKEY_ERR_SYNTAX, 14, 6,
	    "tunnel mode needs \"src-dst\" endpoints" },
	{ D_BOTH, "out ipsec esp/transport//require@", PFKEY_ERR_SYNTAX,
	    32, 1, "unexpected character \"@\": expected a request "
	    "(esp, ah or ipcomp)" },
	/* reqid ranges */
	{ D_BOTH, "out ipsec esp/transport//unique:16384", PFKEY_ERR_SYNTAX,
	    25, 12, "reqid in \"unique:16384\" is not a number in 1-16383" },
	{ D_BOTH, "out ipsec esp/transport//unique:0", PFKEY_ERR_SYNTAX,
	    25, 8, "reqid in \"unique:0\" is not a number in 1-16383" },
	{ D_BOTH, "out ipsec esp/transport//unique:", PFKEY_ERR_SYNTAX,
	    25, 7, "reqid in \"unique:\" is not a number in 1-16383" },
	{ D_BOTH, "out ipsec esp/transport//unique:1x", PFKEY_ERR_SYNTAX,
	    25, 9, "reqid in \"unique:1x\" is not a number in 1-16383" },
	{ D_BOTH, "out ipsec esp/transport//unique#4294967296",
	    PFKEY_ERR_SYNTAX, 25, 17, "reqid in \"unique#4294967296\" is "
	    "not a number in 1-4294967295" },
	{ D_FB, "out ipsec esp/transport//unique#65536", PFKEY_ERR_DIALECT,
	    25, 12, "reqid in \"unique#65536\" does not fit the freebsd "
	    "dialect (at most 65535)" },
	/* priorities (Linux) */
	{ D_LX, "out prio ipsec", PFKEY_ERR_SYNTAX, 9, 5,
	    "unknown priority \"ipsec\": expected low, def, high or a number" },
	{ D_LX, "out prio def", PFKEY_ERR_SYNTAX, 12, 0,
	    "policy ends early: expected an action after the priority" },
	{ D_LX, "out prio", PFKEY_ERR_SYNTAX, 8, 0,
	    "policy ends early: expected a priority offset or low, def, "
	    "high" },
	{ D_LX, "out prio +5 ipsec", PFKEY_ERR_SYNTAX, 9, 1,
	    "unexpected \"+\": expected a priority offset or low, def, high" },
	{ D_LX, "out prio def + ipsec", PFKEY_ERR_SYNTAX, 15, 5,
	    "priority offset \"ipsec\" is not a number in 0-1073741824" },
	{ D_LX, "out prio def + 1073741825 ipsec", PFKEY_ERR_SYNTAX, 15, 10,
	    "priority offset \"1073741825\" is not a number in 0-1073741824" },
	{ D_LX, "out prio low - 1073741824 ipsec", PFKEY_ERR_SYNTAX, 15, 10,
	    "priority offset \"1073741824\" is not a number in 0-1073741823" },
	/* high + 2^30 would be kernel priority 0, printed as no priority */
	{ D_LX, "out prio high + 1073741824 ipsec", PFKEY_ERR_SYNTAX, 16, 10,
	    "priority offset \"1073741824\" is not a number in 0-1073741823" },
	{ D_LX, "out prio 2147483648 ipsec", PFKEY_ERR_SYNTAX, 9, 10,
	    "priority offset \"2147483648\" is not a number in 0-2147483647" },
	{ D_LX, "out prio -2147483648 ipsec", PFKEY_ERR_SYNTAX, 10, 10,
	    "priority offset \"2147483648\" is not a number in 0-2147483647" },
	{ D_LX, "out prio 99999999999999999999999 ipsec", PFKEY_ERR_SYNTAX,
	    9, 23, "priority offset \"99999999999999999999999\" is not a "
	    "number in 0-2147483647" },
	{ D_LX, "out prio def ipsec esp/transport//require prio",
	    PFKEY_ERR_SYNTAX, 42, 4, "unknown protocol \"prio\"" },
};

ATF_TC_WITHOUT_HEAD(reject_table);
ATF_TC_BODY(reject_table, tc)
{
	check_reject(reject_cases, NITEMS(reject_cases));
}

/* Long and odd tokens are quoted bounded and escaped. */
ATF_TC_WITHOUT_HEAD(error_quoting);
ATF_TC_BODY(error_quoting, tc)
{
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	char word[101];
	int rc;

	memset(word, 'x', 100);
	word[100] = '\0';
	rc = parse(word, LX, &pol, &err);
	ATF_CHECK_EQ(rc, PFKEY_ERR_SYNTAX);
	ATF_CHECK_EQ(err.offset, 0);
	ATF_CHECK_EQ(err.toklen, 100);
	ATF_CHECK_STREQ(err.msg, "unknown direction "
	    "\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...\"");

	rc = pfkey_policy_parse("out ipsec \"esp\"", 15, FB, &pol, &err);
	ATF_CHECK_EQ(rc, PFKEY_ERR_SYNTAX);
	ATF_CHECK_EQ(err.offset, 10);
	ATF_CHECK_STREQ(err.msg, "unexpected character \"\\x22\": expected "
	    "a request (esp, ah or ipcomp)");

	/* An embedded NUL is a character like any other. */
	rc = pfkey_policy_parse("out\0ipsec", 9, FB, &pol, &err);
	ATF_CHECK_EQ(rc, PFKEY_ERR_SYNTAX);
	ATF_CHECK_EQ(err.offset, 3);
	ATF_CHECK_EQ(err.toklen, 1);
	ATF_CHECK_STREQ(err.msg, "unexpected character \"\\x00\": expected "
	    "an action (ipsec, discard, none, entrust or bypass)");

	/* err may be NULL; bad arguments */
	ATF_CHECK_EQ(parse("in ipsec esp", LX, &pol, NULL), PFKEY_ERR_SYNTAX);
	ATF_CHECK_EQ(pfkey_policy_parse(NULL, 3, LX, &pol, &err),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_policy_parse("out", 3, LX, NULL, &err),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_policy_parse(NULL, 0, LX, &pol, &err),
	    PFKEY_ERR_SYNTAX);
	ATF_CHECK_EQ(err.offset, 0);

	/* A success clears a stale error. */
	memset(&err, 0x55, sizeof(err));
	ATF_CHECK_EQ(parse("out ipsec", FB, &pol, &err), 0);
	ATF_CHECK_EQ(err.offset, 0);
	ATF_CHECK_EQ(err.toklen, 0);
	ATF_CHECK_STREQ(err.msg, "");
}

/* Exactly `len' bytes are read: the string need not end in a NUL. */
ATF_TC_WITHOUT_HEAD(not_nul_terminated);
ATF_TC_BODY(not_nul_terminated, tc)
{
	static const char text[] = "out ipsec esp/tunnel/10.0.0.1-10.0.0.2/"
	    "unique:12";
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	size_t len = strlen(text);
	char *heap, out[256];

	/* In a heap block of exactly len bytes, ASan catches any overread. */
	ATF_REQUIRE((heap = malloc(len)) != NULL);
	memcpy(heap, text, len);
	ATF_REQUIRE_EQ(pfkey_policy_parse(heap, len, FB, &pol, &err), 0);
	ATF_CHECK_EQ(pol.req[0].reqid, 12);
	format_ok(&pol, FB, 0, out, sizeof(out));
	ATF_CHECK_STREQ(out, text);

	/* Cut inside the reqid: "unique:1" */
	ATF_REQUIRE_EQ(pfkey_policy_parse(heap, len - 1, FB, &pol, &err), 0);
	ATF_CHECK_EQ(pol.req[0].reqid, 1);

	/* Cut inside the level word: "uniq" */
	ATF_CHECK_EQ(pfkey_policy_parse(heap, len - 5, FB, &pol, &err),
	    PFKEY_ERR_SYNTAX);
	ATF_CHECK_STREQ(err.msg, "unknown level \"uniq\"");
	ATF_CHECK_EQ(err.offset, 39);
	ATF_CHECK_EQ(err.toklen, 4);

	/* Cut after a priority number (digits run to the end) */
	memcpy(heap, "out prio 12", 11);
	ATF_CHECK_EQ(pfkey_policy_parse(heap, 11, LX, &pol, &err),
	    PFKEY_ERR_SYNTAX);
	ATF_CHECK_STREQ(err.msg,
	    "policy ends early: expected an action after the priority");
	/* ... and after an address */
	memcpy(heap, "in ipsec esp/tunnel/::1-::2", 27);
	ATF_CHECK_EQ(pfkey_policy_parse(heap, 27, LX, &pol, &err), 0);
	free(heap);
}

/* --------------------------------------------------------- priorities */

ATF_TC_WITHOUT_HEAD(priority_values);
ATF_TC_BODY(priority_values, tc)
{
	static const struct {
		const char	*in;
		uint32_t	 prio;
	} cases[] = {
		/* kernel value = 0x80000000 - offset (ipsec-tools) */
		{ "out ipsec", 0x80000000u },
		{ "out", 0x80000000u },
		{ "out prio 0 ipsec", 0x80000000u },
		{ "out prio 100 ipsec", 0x7fffff9cu },
		{ "out prio -100 ipsec", 0x80000064u },
		{ "out priority - 100 ipsec", 0x80000064u },
		{ "out priority 2147483647 ipsec", 1 },
		{ "out prio -2147483647 ipsec", 0xffffffffu },
		{ "out prio high ipsec", 0x40000000u },
		{ "out prio def ipsec", 0x80000000u },
		{ "out prio low ipsec", 0xc0000000u },
		{ "out prio def + 100 ipsec", 0x7fffff9cu },
		{ "out prio def+100 ipsec", 0x7fffff9cu },
		{ "out prio def - 100 ipsec", 0x80000064u },
		{ "out prio high - 5 ipsec", 0x40000005u },
		{ "out prio high + 1073741823 ipsec", 1 },
		{ "out prio def + 1073741824 ipsec", 0x40000000u },
		{ "out prio low + 1073741824 ipsec", 0x80000000u },
		{ "out prio low - 1073741823 ipsec", 0xffffffffu },
		{ "fwd prio low-0 discard", 0xc0000000u },
	};
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	size_t i;
	int rc;

	for (i = 0; i < NITEMS(cases); i++) {
		rc = parse(cases[i].in, LX, &pol, &err);
		ATF_CHECK_EQ_MSG(rc, 0, "[%s]: %s", cases[i].in, err.msg);
		ATF_CHECK_EQ_MSG(pol.priority, cases[i].prio,
		    "[%s]: %#x", cases[i].in, (unsigned)pol.priority);
	}
	/* FreeBSD has no priority (the field is an ifindex there). */
	ATF_REQUIRE_EQ(parse("out ipsec", FB, &pol, &err), 0);
	ATF_CHECK_EQ(pol.priority, 0);
	ATF_REQUIRE_EQ(parse("in", FB, &pol, &err), 0);
	ATF_CHECK_EQ(pol.priority, 0);
	ATF_CHECK_EQ(pol.type, PFKEY_POLICY_DISCARD);
	ATF_CHECK_EQ(pol.dir, PFKEY_DIR_INBOUND);
}

/* ipsec_dump_policy(): nearest anchor, the distance signed as typed. */
ATF_TC_WITHOUT_HEAD(priority_format);
ATF_TC_BODY(priority_format, tc)
{
	static const struct {
		uint32_t	 prio;
		const char	*out;
	} cases[] = {
		{ 0, "out ipsec" },
		{ 1, "out prio high + 1073741823 ipsec" },
		{ 0x3fffffffu, "out prio high + 1 ipsec" },
		{ 0x40000000u, "out prio high ipsec" },
		{ 0x40000001u, "out prio high - 1 ipsec" },
		{ 0x5fffffffu, "out prio high - 536870911 ipsec" },
		{ 0x60000000u, "out prio def + 536870912 ipsec" },
		{ 0x7fffff9cu, "out prio def + 100 ipsec" },
		{ 0x80000000u, "out prio def ipsec" },
		{ 0x80000064u, "out prio def - 100 ipsec" },
		{ 0x9fffffffu, "out prio def - 536870911 ipsec" },
		{ 0xa0000000u, "out prio low + 536870912 ipsec" },
		{ 0xbfffffffu, "out prio low + 1 ipsec" },
		{ 0xc0000000u, "out prio low ipsec" },
		{ 0xffffffffu, "out prio low - 1073741823 ipsec" },
	};
	struct pfkey_policy pol;
	char buf[128];
	size_t i;

	memset(&pol, 0, sizeof(pol));
	pol.type = PFKEY_POLICY_IPSEC;
	pol.dir = PFKEY_DIR_OUTBOUND;
	for (i = 0; i < NITEMS(cases); i++) {
		pol.priority = cases[i].prio;
		format_ok(&pol, LX, 0, buf, sizeof(buf));
		ATF_CHECK_STREQ_MSG(buf, cases[i].out, "%#x",
		    (unsigned)cases[i].prio);
		/* FreeBSD ignores the field. */
		format_ok(&pol, FB, 0, buf, sizeof(buf));
		ATF_CHECK_STREQ(buf, "out ipsec");
	}
}

/* ---------------------------------------------------- fixed points */

struct fixed_case {
	enum pfkey_dialect	 d;
	int			 flags;
	const char		*s;
};

static const struct fixed_case fixed_cases[] = {
	{ LX, 0, "out prio def ipsec esp/transport//require" },
	{ LX, 0, "in prio def + 100 ipsec esp/tunnel/10.0.0.1-10.0.0.2/"
	    "unique:5" },
	{ LX, 0, "fwd prio high - 5 ipsec esp/tunnel/2001:db8::1-2001:db8::2/"
	    "require ah/transport//use" },
	{ LX, 0, "out prio low discard" },
	{ LX, 0, "in prio def none" },
	{ LX, 0, "in prio def entrust" },
	{ LX, 0, "out prio def bypass" },
	{ LX, 0, "out prio high + 1073741823 ipsec ipcomp/tunnel/::1-::2/use:1 "
	    "esp/tunnel/::1-::2/unique#20000" },
	{ LX, 0, "out prio low - 1073741823 ipsec esp/beet//require" },
	{ LX, 0, "out prio def - 536870911 ipsec" },
	{ LX, 0, "out prio low + 536870912 ipsec" },
	{ LX, 0, "out prio def + 536870912 ipsec" },
	{ LX, 0, "out prio high - 536870911 ipsec" },
	{ LX, 0, "in prio def ipsec esp/iptfs/192.0.2.1-192.0.2.2/"
	    "require#4294967295" },
	{ LX, 0, "out prio def ipsec esp/transport/192.0.2.1-192.0.2.2/"
	    "default:9" },
	{ LX, PF_WP, "out prio def ipsec esp/tunnel/192.0.2.1[4500]-"
	    "198.51.100.2[4500]/unique:3" },
	{ LX, PF_WP, "out prio def ipsec esp/transport/10.0.0.1[0]-"
	    "10.0.0.2[0]/require esp/transport//require" },
	{ LX, PF_WP, "in prio low ipsec esp/tunnel/2001:db8::1[500]-"
	    "2001:db8::2[65535]/use" },
	{ LX, PF_NL, "out prio def ipsec\n\tesp/tunnel/192.0.2.1-192.0.2.2/"
	    "require\n\tah/transport//use" },
	{ LX, PF_NL, "in prio def discard" },
	{ LX, PF_WP | PF_NL, "fwd prio def + 1 ipsec\n\tesp/tunnel/"
	    "192.0.2.1[4500]-192.0.2.2[4500]/unique#16384" },
	{ FB, 0, "out ipsec esp/transport//require" },
	{ FB, 0, "in ipsec esp/tunnel/10.0.0.1-10.0.0.2/unique:16383" },
	{ FB, 0, "out ipsec tcp/transport//require" },
	{ FB, 0, "out ipsec esp/tunnel/::1-::2/unique#65535" },
	{ FB, 0, "in none" },
	{ FB, 0, "out discard" },
	{ FB, 0, "in bypass" },
	{ FB, 0, "out entrust" },
	{ FB, 0, "in ipsec esp/transport/10.0.0.1-10.0.0.2/use:4 "
	    "ah/tunnel/fec0::1-fec0::2/default" },
	{ FB, PF_WP, "out ipsec esp/tunnel/192.0.2.1[4500]-192.0.2.2[4500]/"
	    "require" },
	{ FB, PF_NL, "out ipsec\n\tesp/tunnel/192.0.2.1-192.0.2.2/require\n\t"
	    "ipcomp/tunnel/192.0.2.1-192.0.2.2/use" },
	{ FB, PF_WP | PF_NL, "in ipsec\n\tah/transport//require\n\t"
	    "esp/tunnel/fec0::1[1]-fec0::2[2]/unique:1" },
};

ATF_TC_WITHOUT_HEAD(fixed_point);
ATF_TC_BODY(fixed_point, tc)
{
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	char buf[1024];
	size_t i;
	int rc;

	for (i = 0; i < NITEMS(fixed_cases); i++) {
		const struct fixed_case *c = &fixed_cases[i];

		rc = parse(c->s, c->d, &pol, &err);
		ATF_CHECK_EQ_MSG(rc, 0, "%s: [%s]: %s", dname(c->d), c->s,
		    err.msg);
		if (rc != 0)
			continue;
		format_ok(&pol, c->d, c->flags, buf, sizeof(buf));
		ATF_CHECK_STREQ_MSG(buf, c->s, "%s flags %d", dname(c->d),
		    c->flags);
	}
}

/* Flags change only the delimiter and the ports. */
ATF_TC_WITHOUT_HEAD(format_flags);
ATF_TC_BODY(format_flags, tc)
{
	static const char in[] = "out ipsec esp/tunnel/192.0.2.1[4500]-"
	    "192.0.2.2[500]/unique:2 ah/transport//use";
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	char buf[256];

	ATF_REQUIRE_EQ(parse(in, LX, &pol, &err), 0);
	format_ok(&pol, LX, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out prio def ipsec esp/tunnel/192.0.2.1-"
	    "192.0.2.2/unique:2 ah/transport//use");
	format_ok(&pol, LX, PF_WP, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out prio def ipsec esp/tunnel/192.0.2.1[4500]-"
	    "192.0.2.2[500]/unique:2 ah/transport//use");
	format_ok(&pol, LX, PF_NL, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out prio def ipsec\n\tesp/tunnel/192.0.2.1-"
	    "192.0.2.2/unique:2\n\tah/transport//use");
	format_ok(&pol, LX, PF_NL | PF_WP, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out prio def ipsec\n\tesp/tunnel/"
	    "192.0.2.1[4500]-192.0.2.2[500]/unique:2\n\tah/transport//use");
	format_ok(&pol, FB, PF_NL | PF_WP, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out ipsec\n\tesp/tunnel/192.0.2.1[4500]-"
	    "192.0.2.2[500]/unique:2\n\tah/transport//use");
	/* No requests, no delimiter. */
	ATF_REQUIRE_EQ(parse("in ipsec", FB, &pol, &err), 0);
	format_ok(&pol, FB, PF_NL, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "in ipsec");
}

/* snprintf(3) semantics: the needed length, never an overrun. */
ATF_TC_WITHOUT_HEAD(format_snprintf);
ATF_TC_BODY(format_snprintf, tc)
{
	static const char want[] = "out prio def ipsec esp/transport//require";
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	char buf[64];
	size_t sz;
	int n;

	ATF_REQUIRE_EQ(parse("out ipsec esp/transport//require", LX, &pol,
	    &err), 0);
	ATF_CHECK_EQ(pfkey_policy_format(&pol, LX, 0, NULL, 0),
	    (int)strlen(want));
	for (sz = 1; sz <= sizeof(want) + 1; sz++) {
		memset(buf, '#', sizeof(buf));
		n = pfkey_policy_format(&pol, LX, 0, buf, sz);
		ATF_CHECK_EQ_MSG(n, (int)strlen(want), "bufsz %zu", sz);
		ATF_CHECK_EQ_MSG(strlen(buf), sz - 1 < strlen(want) ?
		    sz - 1 : strlen(want), "bufsz %zu", sz);
		ATF_CHECK_MSG(strncmp(buf, want, strlen(buf)) == 0,
		    "bufsz %zu: [%s]", sz, buf);
		ATF_CHECK_EQ_MSG(buf[sz], '#', "bufsz %zu: overrun", sz);
	}
	ATF_CHECK_EQ(pfkey_policy_format(&pol, LX, 0, NULL, 5),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_policy_format(NULL, LX, 0, buf, sizeof(buf)),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_EQ(pfkey_policy_format(&pol, LX, 0x10, buf, sizeof(buf)),
	    PFKEY_ERR_INVAL);
	ATF_CHECK_STREQ(buf, "");
}

/* Values that cannot be printed in a dialect, or at all. */
ATF_TC_WITHOUT_HEAD(format_invalid);
ATF_TC_BODY(format_invalid, tc)
{
	struct pfkey_policy pol, base;
	char buf[256];

	memset(&base, 0, sizeof(base));
	base.type = PFKEY_POLICY_IPSEC;
	base.dir = PFKEY_DIR_OUTBOUND;
	base.nreq = 1;
	base.req[0].proto = PFKEY_IPPROTO_ESP;
	base.req[0].mode = PFKEY_MODE_TRANSPORT;
	base.req[0].level = PFKEY_LEVEL_REQUIRE;
	format_ok(&base, FB, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out ipsec esp/transport//require");

#define BAD(field, value, d, code) do {					\
	pol = base;							\
	pol.field = (value);						\
	strlcpy(buf, "junk", sizeof(buf));				\
	ATF_CHECK_EQ_MSG(pfkey_policy_format(&pol, (d), 0, buf,		\
	    sizeof(buf)), (code), "%s = %ld", #field, (long)(value));	\
	ATF_CHECK_STREQ(buf, "");					\
} while (0)
	BAD(type, 5, LX, PFKEY_ERR_FIELD);
	BAD(dir, 4, LX, PFKEY_ERR_FIELD);
	BAD(dir, PFKEY_DIR_FWD, FB, PFKEY_ERR_DIALECT);
	BAD(nreq, PFKEY_POLICY_MAXREQ + 1, LX, PFKEY_ERR_INVAL);
	BAD(req[0].proto, 17, LX, PFKEY_ERR_FIELD);
	BAD(req[0].proto, PFKEY_IPPROTO_TCP, LX, PFKEY_ERR_DIALECT);
	BAD(req[0].mode, 5, LX, PFKEY_ERR_FIELD);
	BAD(req[0].mode, PFKEY_MODE_BEET, FB, PFKEY_ERR_DIALECT);
	BAD(req[0].mode, PFKEY_MODE_IPTFS, FB, PFKEY_ERR_DIALECT);
	BAD(req[0].level, 4, FB, PFKEY_ERR_FIELD);
	BAD(req[0].reqid, 0x10000, FB, PFKEY_ERR_DIALECT);
	BAD(req[0].src.ss_family, AF_INET, FB, PFKEY_ERR_ADDRFAMILY);
	BAD(req[0].dst.ss_family, AF_INET6, LX, PFKEY_ERR_ADDRFAMILY);
#undef BAD
	pol = base;
	pol.req[0].src.ss_family = AF_UNIX;
	pol.req[0].dst.ss_family = AF_UNIX;
	ATF_CHECK_EQ(pfkey_policy_format(&pol, LX, 0, buf, sizeof(buf)),
	    PFKEY_ERR_FAMILY);

	/* The printers name "any" (parse refuses it, kernels never hold it). */
	pol = base;
	pol.dir = PFKEY_DIR_ANY;
	pol.req[0].mode = PFKEY_MODE_ANY;
	format_ok(&pol, FB, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "any ipsec esp/any//require");
	/* Other actions print no requests, as ipsec_dump_policy() does. */
	pol = base;
	pol.type = PFKEY_POLICY_NONE;
	format_ok(&pol, FB, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out none");
	/* A reqid of 0x10000 is fine on Linux, and printed with '#'. */
	pol = base;
	pol.req[0].reqid = 0x10000;
	format_ok(&pol, LX, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out ipsec esp/transport//require#65536");
	pol.req[0].reqid = PFKEY_REQID_MAX;
	format_ok(&pol, LX, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out ipsec esp/transport//require:16383");
}

/* ------------------------------------------------ dialect rejections */

ATF_TC_WITHOUT_HEAD(dialect_rejections);
ATF_TC_BODY(dialect_rejections, tc)
{
	static const struct reject_case cases[] = {
		{ D_FB, "fwd ipsec esp/tunnel/10.0.0.1-10.0.0.2/require",
		    PFKEY_ERR_DIALECT, 0, 3,
		    "\"fwd\" is not supported by the freebsd dialect" },
		{ D_FB, "out prio def ipsec", PFKEY_ERR_DIALECT, 4, 4,
		    "\"prio\" is not supported by the freebsd dialect" },
		{ D_FB, "in priority 10 discard", PFKEY_ERR_DIALECT, 3, 8,
		    "\"priority\" is not supported by the freebsd dialect" },
		{ D_FB, "out ipsec esp/beet//require", PFKEY_ERR_DIALECT,
		    14, 4, "\"beet\" is not supported by the freebsd dialect" },
		{ D_FB, "out ipsec esp/iptfs/10.0.0.1-10.0.0.2",
		    PFKEY_ERR_DIALECT, 14, 5,
		    "\"iptfs\" is not supported by the freebsd dialect" },
		{ D_LX, "out ipsec tcp/transport//require", PFKEY_ERR_DIALECT,
		    10, 3, "\"tcp\" is not supported by the linux dialect" },
		{ D_LX, "in ipsec esp/transport//use tcp/transport//use",
		    PFKEY_ERR_DIALECT, 28, 3,
		    "\"tcp\" is not supported by the linux dialect" },
		/* a FreeBSD reqid is a u16; unique:N stops at 0x3fff anyway */
		{ D_FB, "out ipsec esp/transport//unique#65536",
		    PFKEY_ERR_DIALECT, 25, 12, "reqid in \"unique#65536\" does "
		    "not fit the freebsd dialect (at most 65535)" },
		{ D_FB, "out ipsec esp/transport//use#4294967295",
		    PFKEY_ERR_DIALECT, 25, 14, "reqid in \"use#4294967295\" "
		    "does not fit the freebsd dialect (at most 65535)" },
		{ D_BOTH, "out ipsec esp/transport//unique:65535",
		    PFKEY_ERR_SYNTAX, 25, 12,
		    "reqid in \"unique:65535\" is not a number in 1-16383" },
		{ D_BOTH, "out ipsec esp/transport//unique:16384",
		    PFKEY_ERR_SYNTAX, 25, 12,
		    "reqid in \"unique:16384\" is not a number in 1-16383" },
	};
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	unsigned i;

	check_reject(cases, NITEMS(cases));

	/* The same strings are fine in the other dialect. */
	ATF_CHECK_EQ(parse(cases[0].in, LX, &pol, &err), 0);
	ATF_CHECK_EQ(pol.dir, PFKEY_DIR_FWD);
	ATF_CHECK_EQ(parse(cases[3].in, LX, &pol, &err), 0);
	ATF_CHECK_EQ(pol.req[0].mode, PFKEY_MODE_BEET);
	ATF_CHECK_EQ(parse(cases[5].in, FB, &pol, &err), 0);
	ATF_CHECK_EQ(pol.req[0].proto, PFKEY_IPPROTO_TCP);
	ATF_CHECK_EQ(parse(cases[7].in, LX, &pol, &err), 0);
	ATF_CHECK_EQ(pol.req[0].reqid, 65536);

	/* No reqid from a FreeBSD parse ever exceeds a u16. */
	for (i = 65530; i <= 65540; i++) {
		char s[64];
		int rc;

		snprintf(s, sizeof(s), "out ipsec esp/transport//unique#%u", i);
		rc = parse(s, FB, &pol, &err);
		ATF_CHECK_EQ_MSG(rc, i <= 65535 ? 0 : PFKEY_ERR_DIALECT,
		    "%u", i);
		if (rc == 0)
			ATF_CHECK_EQ(pol.req[0].reqid, i);
	}
}

/* ----------------------------------------------------- parsed fields */

ATF_TC_WITHOUT_HEAD(parsed_fields);
ATF_TC_BODY(parsed_fields, tc)
{
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	const struct sockaddr_in *s4;
	const struct sockaddr_in6 *s6;
	char a[INET6_ADDRSTRLEN];

	ATF_REQUIRE_EQ(parse("out prio def + 7 ipsec "
	    "esp/tunnel/192.0.2.1[4500]-198.51.100.9[4501]/unique:42 "
	    "ah/transport//use ipcomp/tunnel/2001:db8::1-2001:db8::2/require#99999",
	    LX, &pol, &err), 0);
	ATF_CHECK_EQ(pol.type, PFKEY_POLICY_IPSEC);
	ATF_CHECK_EQ(pol.dir, PFKEY_DIR_OUTBOUND);
	ATF_CHECK_EQ(pol.scope, 0);
	ATF_CHECK_EQ(pol.id, 0);
	ATF_CHECK_EQ(pol.priority, 0x80000000u - 7);
	ATF_REQUIRE_EQ(pol.nreq, 3);

	ATF_CHECK_EQ(pol.req[0].proto, 50);
	ATF_CHECK_EQ(pol.req[0].mode, PFKEY_MODE_TUNNEL);
	ATF_CHECK_EQ(pol.req[0].level, PFKEY_LEVEL_UNIQUE);
	ATF_CHECK_EQ(pol.req[0].reqid, 42);
	ATF_REQUIRE_EQ(pol.req[0].src.ss_family, AF_INET);
	ATF_REQUIRE_EQ(pol.req[0].dst.ss_family, AF_INET);
	s4 = (const struct sockaddr_in *)(const void *)&pol.req[0].src;
	ATF_CHECK_EQ(ntohs(s4->sin_port), 4500);
	ATF_CHECK_STREQ(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a)),
	    "192.0.2.1");
	s4 = (const struct sockaddr_in *)(const void *)&pol.req[0].dst;
	ATF_CHECK_EQ(ntohs(s4->sin_port), 4501);
	ATF_CHECK_STREQ(inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a)),
	    "198.51.100.9");

	ATF_CHECK_EQ(pol.req[1].proto, 51);
	ATF_CHECK_EQ(pol.req[1].mode, PFKEY_MODE_TRANSPORT);
	ATF_CHECK_EQ(pol.req[1].level, PFKEY_LEVEL_USE);
	ATF_CHECK_EQ(pol.req[1].reqid, 0);
	ATF_CHECK_EQ(pol.req[1].src.ss_family, AF_UNSPEC);
	ATF_CHECK_EQ(pol.req[1].dst.ss_family, AF_UNSPEC);

	ATF_CHECK_EQ(pol.req[2].proto, 108);
	ATF_CHECK_EQ(pol.req[2].level, PFKEY_LEVEL_REQUIRE);
	ATF_CHECK_EQ(pol.req[2].reqid, 99999);
	ATF_REQUIRE_EQ(pol.req[2].dst.ss_family, AF_INET6);
	s6 = (const struct sockaddr_in6 *)(const void *)&pol.req[2].dst;
	ATF_CHECK_EQ(s6->sin6_port, 0);
	ATF_CHECK_EQ(s6->sin6_scope_id, 0);
	ATF_CHECK_STREQ(inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a)),
	    "2001:db8::2");
}

/* IPv6 scopes: a number or an interface name, printed as getnameinfo(3). */
ATF_TC_WITHOUT_HEAD(ipv6_scope);
ATF_TC_BODY(ipv6_scope, tc)
{
	struct pfkey_policy pol;
	struct pfkey_policy_err err;
	const struct sockaddr_in6 *s6;
	char buf[256], in[256];
	const char *lo;
	unsigned idx;

	ATF_REQUIRE_EQ(parse("out ipsec esp/tunnel/2001:db8::1%7-2001:db8::2"
	    "%0/require", FB, &pol, &err), 0);
	s6 = (const struct sockaddr_in6 *)(const void *)&pol.req[0].src;
	ATF_CHECK_EQ(s6->sin6_scope_id, 7);
	s6 = (const struct sockaddr_in6 *)(const void *)&pol.req[0].dst;
	ATF_CHECK_EQ(s6->sin6_scope_id, 0);
	format_ok(&pol, FB, 0, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, "out ipsec esp/tunnel/2001:db8::1%7-2001:db8::2/"
	    "require");

	lo = "lo";
	if ((idx = if_nametoindex(lo)) == 0) {
		lo = "lo0";
		idx = if_nametoindex(lo);
	}
	if (idx == 0)
		atf_tc_skip("no loopback interface to name a scope");
	snprintf(in, sizeof(in), "in ipsec esp/tunnel/fe80::1%%%s-fe80::2%%%u/"
	    "use", lo, idx);
	ATF_REQUIRE_EQ(parse(in, LX, &pol, &err), 0);
	s6 = (const struct sockaddr_in6 *)(const void *)&pol.req[0].src;
	ATF_CHECK_EQ(s6->sin6_scope_id, idx);
	format_ok(&pol, LX, 0, buf, sizeof(buf));
	/* link-local: getnameinfo names the interface */
	snprintf(in, sizeof(in), "in prio def ipsec esp/tunnel/fe80::1%%%s-"
	    "fe80::2%%%s/use", lo, lo);
	ATF_CHECK_STREQ(buf, in);
}

/* -------------------------------------------------- wire round trip */

/*
 * parse -> pfkey_put_policy() in a whole X_SPDADD -> pfkey_decode() ->
 * pfkey_get_policy() -> format: the same string, and the same fields.
 */
struct wire_case {
	enum pfkey_dialect	 d;
	int			 flags;
	const char		*s;
	size_t			 extlen;	/* X_POLICY bytes on the wire */
};

static const struct wire_case wire_cases[] = {
	/* Linux: 16-byte policy, 16-byte requests, 16/28-byte sockaddrs */
	{ LX, PF_WP, "out prio def + 100 ipsec esp/tunnel/192.0.2.1[4500]-"
	    "198.51.100.7[4500]/unique:42 ah/transport//require#70000",
	    16 + (16 + 32) + 16 },
	{ LX, PF_WP | PF_NL, "fwd prio low - 7 ipsec\n\tesp/tunnel/"
	    "2001:db8::1[500]-2001:db8::2[4500]/unique#16384\n\t"
	    "ipcomp/tunnel/2001:db8::1[0]-2001:db8::2[0]/use",
	    16 + (16 + 56) + (16 + 56) },
	{ LX, 0, "in prio high ipsec esp/beet//unique:1", 16 + 16 },
	{ LX, PF_NL, "out prio def discard", 16 },
	/* FreeBSD: 8-byte requests with a u16 reqid, BSD sockaddrs */
	{ FB, PF_WP, "out ipsec esp/tunnel/192.0.2.1[4500]-198.51.100.7[4500]/"
	    "unique:42 tcp/transport//require", 16 + (8 + 32) + 8 },
	{ FB, PF_NL, "in ipsec\n\tesp/tunnel/2001:db8::1-2001:db8::2/"
	    "unique#65535\n\tah/transport/fec0::1-fec0::2/use",
	    16 + (8 + 56) + (8 + 56) },
	{ FB, 0, "out none", 16 },
};

static void
wire_one(const struct wire_case *c)
{
	uint64_t mem[512];
	struct pfkey_buf b;
	struct pfkey_msg m;
	struct pfkey_policy pol, back, ext;
	struct pfkey_policy_err err;
	struct sockaddr_storage sel;
	const uint8_t *x;
	const void *msg;
	size_t len;
	char buf[1024];
	uint16_t extunits;
	unsigned i;
	int rc;

	rc = parse(c->s, c->d, &pol, &err);
	ATF_REQUIRE_EQ_MSG(rc, 0, "[%s]: %s", c->s, err.msg);
	ATF_REQUIRE_EQ(pfkey_buf_init(&b, mem, sizeof(mem), c->d,
	    PFKEY_MSG_X_SPDADD, PFKEY_SATYPE_UNSPEC, 7, 4242), 0);
	sin_make(&sel, "10.1.0.0", 0);
	ATF_REQUIRE_EQ(pfkey_put_address(&b, PFKEY_EXT_ADDRESS_SRC,
	    (struct sockaddr *)&sel, 16, 255), 0);
	sin_make(&sel, "10.2.0.0", 0);
	ATF_REQUIRE_EQ(pfkey_put_address(&b, PFKEY_EXT_ADDRESS_DST,
	    (struct sockaddr *)&sel, 16, 255), 0);
	rc = pfkey_put_policy(&b, &pol);
	ATF_REQUIRE_EQ_MSG(rc, 0, "put_policy: %s", pfkey_strerror(rc));
	ATF_REQUIRE_EQ(pfkey_buf_finish(&b, &msg, &len), 0);

	rc = pfkey_decode(msg, len, c->d, 0, &m);
	ATF_REQUIRE_EQ_MSG(rc, 0, "decode: %s", pfkey_strerror(rc));
	ATF_REQUIRE(m.ext[PFKEY_EXT_X_POLICY] != NULL);
	x = (const uint8_t *)m.ext[PFKEY_EXT_X_POLICY];
	memcpy(&extunits, x, sizeof(extunits));	/* sadb_x_policy_len */
	ATF_CHECK_EQ_MSG((size_t)extunits * 8, c->extlen,
	    "[%s]: policy extension length", c->s);
	ATF_REQUIRE_EQ(pfkey_get_policy(&m, &back), 0);

	format_ok(&back, c->d, c->flags, buf, sizeof(buf));
	ATF_CHECK_STREQ_MSG(buf, c->s, "%s", dname(c->d));

	/* The raw-extension decoder agrees. */
	ATF_REQUIRE_EQ(pfkey_policy_decode(x, c->extlen, c->d, &ext), 0);
	format_ok(&ext, c->d, c->flags, buf, sizeof(buf));
	ATF_CHECK_STREQ(buf, c->s);

	ATF_CHECK_EQ(back.type, pol.type);
	ATF_CHECK_EQ(back.dir, pol.dir);
	ATF_CHECK_EQ(back.priority, pol.priority);
	ATF_REQUIRE_EQ(back.nreq, pol.nreq);
	for (i = 0; i < pol.nreq; i++) {
		ATF_CHECK_EQ(back.req[i].proto, pol.req[i].proto);
		ATF_CHECK_EQ(back.req[i].mode, pol.req[i].mode);
		ATF_CHECK_EQ(back.req[i].level, pol.req[i].level);
		ATF_CHECK_EQ(back.req[i].reqid, pol.req[i].reqid);
		ATF_CHECK_EQ(back.req[i].src.ss_family,
		    pol.req[i].src.ss_family);
		ATF_CHECK_EQ(back.req[i].dst.ss_family,
		    pol.req[i].dst.ss_family);
	}
}

ATF_TC_WITHOUT_HEAD(wire_roundtrip);
ATF_TC_BODY(wire_roundtrip, tc)
{
	size_t i;

	for (i = 0; i < NITEMS(wire_cases); i++)
		wire_one(&wire_cases[i]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, refpolicy_accept);
	ATF_TP_ADD_TC(tp, refpolicy_reject);
	ATF_TP_ADD_TC(tp, accept_table);
	ATF_TP_ADD_TC(tp, reject_table);
	ATF_TP_ADD_TC(tp, error_quoting);
	ATF_TP_ADD_TC(tp, not_nul_terminated);
	ATF_TP_ADD_TC(tp, priority_values);
	ATF_TP_ADD_TC(tp, priority_format);
	ATF_TP_ADD_TC(tp, fixed_point);
	ATF_TP_ADD_TC(tp, format_flags);
	ATF_TP_ADD_TC(tp, format_snprintf);
	ATF_TP_ADD_TC(tp, format_invalid);
	ATF_TP_ADD_TC(tp, dialect_rejections);
	ATF_TP_ADD_TC(tp, parsed_fields);
	ATF_TP_ADD_TC(tp, ipv6_scope);
	ATF_TP_ADD_TC(tp, wire_roundtrip);
	return (atf_no_error());
}
