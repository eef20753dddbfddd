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
 * racoonctl: racoon-ng's control client, with racoon's commands, their
 * shortcuts and their text output, plus -o json (the schema is in
 * racoonctl.8).  SAs of the SADB come from the daemon as the PF_KEY
 * messages of a dump, without keys, and are printed by setkey's printer,
 * so show-sa esp looks exactly like setkey -D (as racoon's racoonctl
 * printed with libipsec's pfkey_sadump()).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc.h"
#include "privsep.h"
#include "control.h"
#include "setkey.h"

/* What a command sends and how its answer is printed. */
struct cmd {
	const char	*name;
	const char	*shortcut;
	int		(*fn)(int, char **);
};

static int	cmd_reload(int, char **);
static int	cmd_sched(int, char **);
static int	cmd_show_sa(int, char **);
static int	cmd_flush_sa(int, char **);
static int	cmd_delete_sa(int, char **);
static int	cmd_establish_sa(int, char **);
static int	cmd_event(int, char **);
static int	cmd_unsupported(int, char **);

static const struct cmd cmds[] = {
	{ "reload-config",	"rc",	cmd_reload },
	{ "show-schedule",	"sc",	cmd_sched },
	{ "show-sa",		"ss",	cmd_show_sa },
	{ "flush-sa",		"fs",	cmd_flush_sa },
	{ "delete-sa",		"ds",	cmd_delete_sa },
	{ "establish-sa",	"es",	cmd_establish_sa },
	{ "show-event",		"se",	cmd_event },
	/* racoon's, for Mode-Config, XAuth and certificates: not here. */
	{ "vpn-connect",	"vc",	cmd_unsupported },
	{ "vpn-disconnect",	"vd",	cmd_unsupported },
	{ "logout-user",	"lu",	cmd_unsupported },
	{ "get-cert",		"gc",	cmd_unsupported },
};

static const char	*sockpath = CTL_SOCKET_DEFAULT;
static int		 long_format;
static bool		 json;
static const char	*cmdname;
static struct ipc_chan	 chan;
static struct ipc_wr	 req;

static __dead void
usage(void)
{
	fprintf(stderr,
	    "usage: racoonctl [-dl] [-o json] [-s socket] command ...\n"
	    "commands:\n"
	    "  reload-config | rc\n"
	    "  show-schedule | sc\n"
	    "  show-sa | ss {isakmp | esp | ah | ipsec}\n"
	    "  flush-sa | fs {isakmp | esp | ah | ipsec}\n"
	    "  delete-sa | ds SAOPTS\n"
	    "  establish-sa | es [-w] [-n remote] SAOPTS\n"
	    "  show-event | se\n"
	    "SAOPTS: isakmp {inet | inet6} SRC DST\n"
	    "        {esp | ah} {inet | inet6} SRC/PLEN[PORT] DST/PLEN[PORT] "
	    "[icmp | tcp | udp | gre | any]\n");
	exit(1);
}

/* ---------------------------------------------------------------- JSON */

static void
jstr(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void
jaddr(const char *key, const struct sad_addr *a)
{
	char b[INET6_ADDRSTRLEN];

	printf("\"%s\":{\"address\":", key);
	if (a->af == AF_UNSPEC)
		fputs("null", stdout);
	else
		jstr(sad_addr_ntop(a, b, sizeof(b)));
	printf(",\"port\":%u}", a->port);
}

/* ------------------------------------------------------------ the wire */

static void
connect_daemon(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		errx(1, "%s: path too long", sockpath);
	if ((fd = socket(AF_UNIX, SOCK_SEQPACKET, 0)) == -1)
		err(1, "socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		err(1, "cannot reach racoon-ng at %s", sockpath);
	if (ipc_chan_init(&chan, fd, "racoon-ng") != 0)
		errx(1, "out of memory");
}

static void
send_req(uint32_t type)
{
	int rc;

	connect_daemon();
	if ((rc = ipc_compose_wr(&chan, type, 0, -1, &req)) != 0 ||
	    (rc = ipc_flush_wait(&chan)) != 0)
		errx(1, "sending the request: %s", ipc_strerror(rc));
}

/*
 * The next answer: 1 with `m', or 0 when the daemon closed.  A malformed
 * frame ends racoonctl.
 */
static int
next(struct ipc_msg *m)
{
	int rc;

	rc = ipc_read_wait(&chan, m, -1);
	if (rc == IPC_EOF)
		return (0);
	if (rc != 1)
		errx(1, "reading the answer: %s", ipc_strerror(rc));
	if (m->fd != -1)
		errx(1, "the daemon sent a descriptor");
	return (1);
}

/* The CTL_R_END: exit status 0 or 1, with the error on stderr. */
static int
end_of(const struct ipc_msg *m, const char *extra_json)
{
	struct ipc_rd r;
	uint32_t error;
	char why[PS_TEXT_MAX];

	ipc_rd_init(&r, m);
	error = ipc_get_u32(&r);
	ipc_get_str(&r, why, sizeof(why));
	if (ipc_rd_end(&r) != 0)
		errx(1, "malformed answer");
	if (json && extra_json != NULL) {
		printf("{\"command\":");
		jstr(cmdname);
		printf("%s,\"status\":%s,\"error\":%u,\"message\":",
		    extra_json, error == 0 ? "\"ok\"" : "\"error\"", error);
		jstr(why);
		printf("}\n");
	}
	if (error != 0) {
		if (why[0] != '\0')
			fprintf(stderr, "racoonctl: %s: %s\n", cmdname, why);
		else
			fprintf(stderr, "racoonctl: %s: %s\n", cmdname,
			    strerror((int)error));
		return (1);
	}
	return (0);
}

/* A request that answers with its end only. */
static int
simple(uint32_t type, const char *extra_json)
{
	struct ipc_msg m;

	send_req(type);
	while (next(&m)) {
		if (m.hdr.type == CTL_R_END)
			return (end_of(&m, extra_json));
		errx(1, "unexpected answer %u", m.hdr.type);
	}
	errx(1, "racoon-ng closed the connection");
}

/* ---------------------------------------------------------- arguments */

static int
proto_arg(const char *s, bool ipsec_ok)
{
	if (strcmp(s, "isakmp") == 0)
		return (CTL_PROTO_ISAKMP);
	if (strcmp(s, "esp") == 0)
		return (CTL_PROTO_ESP);
	if (strcmp(s, "ah") == 0)
		return (CTL_PROTO_AH);
	if (ipsec_ok && strcmp(s, "ipsec") == 0)
		return (CTL_PROTO_IPSEC);
	errx(1, "unknown protocol %s", s);
}

static const char *
proto_name(int p)
{
	switch (p) {
	case CTL_PROTO_ISAKMP:
		return ("isakmp");
	case CTL_PROTO_ESP:
		return ("esp");
	case CTL_PROTO_AH:
		return ("ah");
	default:
		return ("ipsec");
	}
}

/* ADDR[/PLEN][[PORT]] of family af. */
static void
addr_arg(const char *s, int af, struct sad_addr *a)
{
	char buf[128], *p, *q;
	const char *es;
	long long v;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		errx(1, "%s: too long", s);
	memset(a, 0, sizeof(*a));
	if ((p = strchr(buf, '[')) != NULL) {
		if ((q = strchr(p, ']')) == NULL || q[1] != '\0')
			errx(1, "%s: a port is written [PORT]", s);
		*q = '\0';
		*p++ = '\0';
		v = strtonum(p, 0, 65535, &es);
		if (es != NULL)
			errx(1, "%s: port %s: %s", s, p, es);
		a->port = (uint16_t)v;
	}
	p = strchr(buf, '/');
	if (p != NULL)
		*p++ = '\0';
	if (sad_addr_parse(a, buf) != 0 || a->af != af)
		errx(1, "%s: not an %s address", s, af == AF_INET ? "inet" :
		    "inet6");
	a->plen = (uint8_t)sad_addr_bits(a);
	if (p != NULL) {
		v = strtonum(p, 0, sad_addr_bits(a), &es);
		if (es != NULL)
			errx(1, "%s: prefix length %s: %s", s, p, es);
		a->plen = (uint8_t)v;
	}
}

static int
family_arg(const char *s)
{
	if (strcmp(s, "inet") == 0)
		return (AF_INET);
	if (strcmp(s, "inet6") == 0)
		return (AF_INET6);
	errx(1, "unknown address family %s (inet or inet6)", s);
}

static uint8_t
ulproto_arg(const char *s)
{
	static const struct {
		const char	*name;
		uint8_t		 proto;
	} t[] = {
		{ "any", 255 }, { "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP },
		{ "udp", IPPROTO_UDP }, { "gre", 47 },
	};
	size_t i;

	for (i = 0; i < nitems(t); i++)
		if (strcmp(s, t[i].name) == 0)
			return (t[i].proto);
	errx(1, "unknown upper-layer protocol %s", s);
}

/* SAOPTS into the request: proto, (flags), src, dst, ulproto. */
static int
saopts(int argc, char **argv, int flags, bool with_flags,
    struct sad_addr *src, struct sad_addr *dst)
{
	int proto, af;
	uint8_t ul = 255;

	if (argc < 1)
		usage();
	proto = proto_arg(argv[0], false);
	if (proto == CTL_PROTO_ISAKMP ? argc != 4 : argc != 4 && argc != 5)
		usage();
	af = family_arg(argv[1]);
	addr_arg(argv[2], af, src);
	addr_arg(argv[3], af, dst);
	if (argc == 5)
		ul = ulproto_arg(argv[4]);
	ipc_put_u8(&req, (uint8_t)proto);
	if (with_flags)
		ipc_put_u8(&req, (uint8_t)flags);
	ipc_put_addr(&req, src);
	ipc_put_addr(&req, dst);
	ipc_put_u8(&req, ul);
	return (proto);
}

/* ----------------------------------------------------------- commands */

static int
cmd_unsupported(int argc, char **argv)
{
	errx(1, "%s: racoon-ng has no Mode-Config, XAuth or certificate "
	    "retrieval", cmdname);
}

static int
cmd_reload(int argc, char **argv)
{
	if (argc != 0)
		usage();
	return (simple(CTL_RELOAD, ""));
}

static int
cmd_flush_sa(int argc, char **argv)
{
	char extra[64];
	int p;

	if (argc != 1)
		usage();
	p = proto_arg(argv[0], true);
	ipc_put_u8(&req, (uint8_t)p);
	(void)snprintf(extra, sizeof(extra), ",\"protocol\":\"%s\"",
	    proto_name(p));
	return (simple(CTL_FLUSH_SA, extra));
}

static int
cmd_delete_sa(int argc, char **argv)
{
	struct sad_addr s, d;
	char extra[64];
	int p;

	p = saopts(argc, argv, 0, false, &s, &d);
	(void)snprintf(extra, sizeof(extra), ",\"protocol\":\"%s\"",
	    proto_name(p));
	return (simple(CTL_DELETE_SA, extra));
}

static void
print_event(const struct ipc_msg *m)
{
	static const char *const racoon_msgs[] = {
		[PS_EVT_RACOON_QUIT] = "Racoon terminated",
		[PS_EVT_PHASE1_UP] = "Phase 1 established",
		[PS_EVT_PHASE1_DOWN] = "Phase 1 deleted",
		[PS_EVT_PHASE1_NO_RESPONSE] =
		    "Phase 1 error: peer not responding",
		[PS_EVT_PHASE1_NO_PROPOSAL] =
		    "Phase 1 error: no proposal chosen",
		[PS_EVT_PHASE1_AUTH_FAILED] =
		    "Phase 1 error: authentication failed (bad certificate?)",
		[PS_EVT_PHASE1_DPD_TIMEOUT] =
		    "Phase 1 error: dead peer detected",
		[PS_EVT_PHASE1_MODE_CFG] = "Phase 1 mode configuration done",
		[PS_EVT_PHASE1_XAUTH_SUCCESS] = "Phase 1 Xauth succeeded",
		[PS_EVT_PHASE1_XAUTH_FAILED] = "Phase 1 Xauth failed",
		[PS_EVT_PHASE2_NO_PHASE1] =
		    "Phase 2 error: no suitable phase 1",
		[PS_EVT_PHASE2_UP] = "Phase 2 established",
		[PS_EVT_PHASE2_DOWN] = "Phase 2 deleted",
		[PS_EVT_PHASE2_NO_RESPONSE] = "Phase 2 error: no response",
		[PS_EVT_ACQUIRE] = "ACQUIRE",
		[PS_EVT_EXPIRE_SOFT] = "SA soft expired",
		[PS_EVT_EXPIRE_HARD] = "SA hard expired",
		[PS_EVT_SA_ADDED] = "SA added",
		[PS_EVT_SA_DELETED] = "SA deleted",
		[PS_EVT_CONFIG_RELOADED] = "Configuration reloaded",
		[PS_EVT_CONFIG_FAILED] = "Configuration reload failed",
		[PS_EVT_SADB_FLUSHED] = "SAD flushed",
	};
	static const char *const names[] = {
		[PS_EVT_RACOON_QUIT] = "racoon_quit",
		[PS_EVT_PHASE1_UP] = "phase1_up",
		[PS_EVT_PHASE1_DOWN] = "phase1_down",
		[PS_EVT_PHASE1_NO_RESPONSE] = "phase1_no_response",
		[PS_EVT_PHASE1_NO_PROPOSAL] = "phase1_no_proposal",
		[PS_EVT_PHASE1_AUTH_FAILED] = "phase1_auth_failed",
		[PS_EVT_PHASE1_DPD_TIMEOUT] = "phase1_dpd_timeout",
		[PS_EVT_PHASE1_MODE_CFG] = "phase1_mode_cfg",
		[PS_EVT_PHASE1_XAUTH_SUCCESS] = "phase1_xauth_success",
		[PS_EVT_PHASE1_XAUTH_FAILED] = "phase1_xauth_failed",
		[PS_EVT_PHASE2_NO_PHASE1] = "phase2_no_phase1",
		[PS_EVT_PHASE2_UP] = "phase2_up",
		[PS_EVT_PHASE2_DOWN] = "phase2_down",
		[PS_EVT_PHASE2_NO_RESPONSE] = "phase2_no_response",
		[PS_EVT_ACQUIRE] = "acquire",
		[PS_EVT_EXPIRE_SOFT] = "expire_soft",
		[PS_EVT_EXPIRE_HARD] = "expire_hard",
		[PS_EVT_SA_ADDED] = "sa_added",
		[PS_EVT_SA_DELETED] = "sa_deleted",
		[PS_EVT_CONFIG_RELOADED] = "config_reloaded",
		[PS_EVT_CONFIG_FAILED] = "config_failed",
		[PS_EVT_SADB_FLUSHED] = "sadb_flushed",
	};
	struct sad_addr l, rm;
	struct ipc_rd r;
	uint64_t t;
	uint32_t spi;
	uint16_t type;
	uint8_t satype;
	char text[256], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	const char *msg, *sat;

	ipc_rd_init(&r, m);
	type = ipc_get_u16(&r);
	t = ipc_get_u64(&r);
	ipc_get_addr(&r, &l);
	ipc_get_addr(&r, &rm);
	satype = ipc_get_u8(&r);
	spi = ipc_get_u32(&r);
	ipc_get_str(&r, text, sizeof(text));
	if (ipc_rd_end(&r) != 0)
		errx(1, "malformed event");
	msg = type < nitems(racoon_msgs) ? racoon_msgs[type] : NULL;
	sat = satype != 0 ? pfkey_satype_name(satype) : NULL;
	if (json) {
		printf("{\"type\":\"event\",\"event\":");
		jstr(type < nitems(names) && names[type] != NULL ?
		    names[type] : "unknown");
		printf(",\"code\":%u,\"time\":%llu,", type,
		    (unsigned long long)t);
		jaddr("local", &l);
		putchar(',');
		jaddr("remote", &rm);
		if (sat != NULL) {
			printf(",\"satype\":");
			jstr(sat);
		}
		if (spi != 0)
			printf(",\"spi\":%u,\"spi_hex\":\"0x%08x\"", spi, spi);
		printf(",\"text\":");
		jstr(text);
		printf("}\n");
	} else {
		/* racoon: "MESSAGE : SRC -> DST", addresses as a[port]. */
		if (msg != NULL)
			printf("%s : ", msg);
		else
			printf("Event %u: ", type);
		if (l.af == AF_UNSPEC)
			printf("unknown");
		else if (l.port != 0)
			printf("%s[%u]", sad_addr_ntop(&l, a, sizeof(a)),
			    l.port);
		else
			printf("%s", sad_addr_ntop(&l, a, sizeof(a)));
		printf(" -> ");
		if (rm.af == AF_UNSPEC)
			printf("unknown");
		else if (rm.port != 0)
			printf("%s[%u]", sad_addr_ntop(&rm, b, sizeof(b)),
			    rm.port);
		else
			printf("%s", sad_addr_ntop(&rm, b, sizeof(b)));
		if (spi != 0)
			printf(" %s spi 0x%08x", sat != NULL ? sat : "", spi);
		if (type >= PS_EVT_ACQUIRE && text[0] != '\0' &&
		    (msg == NULL || strcmp(text, msg) != 0) &&
		    strcmp(text, "ACQUIRE") != 0)
			printf(" (%s)", text);
		printf("\n");
	}
	fflush(stdout);
}

static int
cmd_establish_sa(int argc, char **argv)
{
	struct sad_addr s, d;
	struct ipc_msg m;
	const char *remote = "";
	char extra[64];
	int p, flags = 0;

	while (argc > 0 && argv[0][0] == '-') {
		if (strcmp(argv[0], "-w") == 0) {
			flags |= CTL_F_WAIT;
			argc--;
			argv++;
		} else if (strcmp(argv[0], "-n") == 0 && argc > 1) {
			remote = argv[1];
			argc -= 2;
			argv += 2;
		} else if (strcmp(argv[0], "-u") == 0)
			errx(1, "establish-sa -u: racoon-ng has no XAuth");
		else
			usage();
	}
	if (strlen(remote) >= PS_NAME_MAX)
		errx(1, "-n %s: name too long", remote);
	p = saopts(argc, argv, flags, true, &s, &d);
	ipc_put_str(&req, remote);
	(void)snprintf(extra, sizeof(extra), ",\"protocol\":\"%s\"",
	    proto_name(p));
	send_req(CTL_ESTABLISH_SA);
	while (next(&m)) {
		if (m.hdr.type == CTL_R_EVENT) {
			print_event(&m);
			continue;
		}
		if (m.hdr.type == CTL_R_END)
			return (end_of(&m, extra));
		errx(1, "unexpected answer %u", m.hdr.type);
	}
	errx(1, "racoon-ng closed the connection");
}

static int
cmd_event(int argc, char **argv)
{
	struct ipc_msg m;

	if (argc != 0)
		usage();
	send_req(CTL_SHOW_EVENT);
	while (next(&m)) {
		if (m.hdr.type == CTL_R_EVENT) {
			print_event(&m);
			continue;
		}
		if (m.hdr.type == CTL_R_END)
			return (end_of(&m, NULL));
		errx(1, "unexpected answer %u", m.hdr.type);
	}
	return (0);
}

static int
cmd_sched(int argc, char **argv)
{
	struct ipc_msg m;
	struct ipc_rd r;
	struct tm tm;
	uint64_t due, created;
	uint32_t id;
	time_t now = time(NULL), ct;
	char what[64], tbuf[32];
	int n = 0;

	if (argc != 0)
		usage();
	send_req(CTL_SHOW_SCHED);
	if (json)
		printf("{\"command\":\"show-schedule\",\"timers\":[");
	else
		printf("index    tick     xtime    created\n");
	while (next(&m)) {
		if (m.hdr.type == CTL_R_END) {
			if (json)
				printf("]}\n");
			return (end_of(&m, NULL));
		}
		if (m.hdr.type != CTL_R_SCHED)
			errx(1, "unexpected answer %u", m.hdr.type);
		ipc_rd_init(&r, &m);
		id = ipc_get_u32(&r);
		due = ipc_get_u64(&r);
		created = ipc_get_u64(&r);
		ipc_get_str(&r, what, sizeof(what));
		if (ipc_rd_end(&r) != 0)
			errx(1, "malformed timer");
		if (json) {
			printf("%s{\"id\":%u,\"due_ms\":%llu,\"created\":%llu,"
			    "\"what\":", n++ > 0 ? "," : "", id,
			    (unsigned long long)due,
			    (unsigned long long)created);
			jstr(what);
			putchar('}');
			continue;
		}
		/* racoon: index, seconds to go, when (epoch), created. */
		ct = (time_t)created;
		(void)localtime_r(&ct, &tm);
		(void)strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %T", &tm);
		printf("%-8u %-8llu %-8llu %s %s\n", id,
		    (unsigned long long)(due / 1000),
		    (unsigned long long)(now + (time_t)(due / 1000)), tbuf,
		    what);
	}
	errx(1, "racoon-ng closed the connection");
}

/* racoon's address column: "addr.port" cut or padded to width. */
static void
fixed_addr(const struct sad_addr *a, int width)
{
	char h[INET6_ADDRSTRLEN], p[8], out[128];
	int plen, hl;

	(void)sad_addr_ntop(a, h, sizeof(h));
	plen = snprintf(p, sizeof(p), "%u", a->port);
	hl = width - plen - 1;
	if (hl < 0)
		hl = 0;
	(void)snprintf(out, sizeof(out), "%.*s.%s", hl, h, p);
	printf("%-*s ", width, out);
}

static void
print_isakmp(const struct ipc_msg *m, int n)
{
	struct sad_addr l, rm;
	struct ipc_rd r;
	struct tm tm;
	uint8_t ic[8], rc[8], st, side, ver, et;
	uint64_t created;
	uint32_t n2;
	time_t ct;
	char tbuf[32];
	int i;

	ipc_rd_init(&r, m);
	ipc_get_addr(&r, &l);
	ipc_get_addr(&r, &rm);
	ipc_get_bytes(&r, ic, sizeof(ic));
	ipc_get_bytes(&r, rc, sizeof(rc));
	st = ipc_get_u8(&r);
	side = ipc_get_u8(&r);
	ver = ipc_get_u8(&r);
	et = ipc_get_u8(&r);
	created = ipc_get_u64(&r);
	n2 = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0)
		errx(1, "malformed ISAKMP SA");
	if (json) {
		printf("%s{", n > 0 ? "," : "");
		jaddr("local", &l);
		putchar(',');
		jaddr("remote", &rm);
		printf(",\"cookies\":\"");
		for (i = 0; i < 8; i++)
			printf("%02x", ic[i]);
		putchar(':');
		for (i = 0; i < 8; i++)
			printf("%02x", rc[i]);
		printf("\",\"status\":%u,\"side\":\"%s\",\"version\":%u,"
		    "\"exchange\":%u,\"created\":%llu,\"phase2\":%u}", st,
		    side == 0 ? "initiator" : "responder", ver, et,
		    (unsigned long long)created, n2);
		return;
	}
	if (long_format >= 2)
		fixed_addr(&l, 45);
	fixed_addr(&rm, long_format >= 2 ? 45 : 22);
	for (i = 0; i < 8; i++)
		printf("%02x", ic[i]);
	putchar(':');
	for (i = 0; i < 8; i++)
		printf("%02x", rc[i]);
	putchar(' ');
	if (long_format >= 1) {
		static const char *const estr[] = { "", "B", "M", "U", "A",
		    "I" };
		printf("%2d %c %2x ", st, side == 0 ? 'I' : 'R', ver);
		/* racoon's letters of exchange types 1-5 (Base ...). */
		printf("%s ", et < nitems(estr) ? estr[et] : "");
	}
	if (created != 0) {
		ct = (time_t)created;
		(void)localtime_r(&ct, &tm);
		(void)strftime(tbuf, sizeof(tbuf), "%Y-%m-%d %T", &tm);
	} else
		(void)snprintf(tbuf, sizeof(tbuf), "%19s", "");
	printf("%s ", tbuf);
	if (long_format >= 1)
		printf("%6u ", n2);
	printf("\n");
}

/*
 * setkey's text form of an SA whose keys racoon-ng did not send: the
 * reference printers show an algorithm only on the line of its key, so
 * the "E:" and "A:" lines are put back with the key left out, before the
 * "seq=" line as there.
 */
static void
print_sa_nokeys(const struct sad_entry *e, const struct setkey_msgmeta *mm,
    const struct setkey_print_opts *o)
{
	const struct pfkey_alg_info *ai;
	FILE *fp;
	char *buf = NULL, *line, *nl;
	size_t len = 0;
	bool done = false;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		err(1, "open_memstream");
	print_sa(fp, e, mm, o);
	if (fclose(fp) != 0)
		err(1, "open_memstream");
	for (line = buf; *line != '\0'; line = nl) {
		nl = strchr(line, '\n');
		nl = nl != NULL ? nl + 1 : line + strlen(line);
		if (!done && strncmp(line, "\tseq=0x", 7) == 0) {
			done = true;
			if (e->satype == PFKEY_SATYPE_ESP &&
			    !SAD_ALG_IS_RAW(e->ealg) &&
			    e->ealg != PFKEY_EALG_NONE &&
			    (ai = pfkey_alg_info(PFKEY_ALG_ENCRYPT,
			    e->ealg)) != NULL)
				printf("\tE: %s (key not shown)\n", ai->name);
			if (!SAD_ALG_IS_RAW(e->aalg) &&
			    e->aalg != PFKEY_AALG_NONE &&
			    (ai = pfkey_alg_info(PFKEY_ALG_AUTH,
			    e->aalg)) != NULL)
				printf("\tA: %s (key not shown)\n", ai->name);
		}
		fwrite(line, 1, (size_t)(nl - line), stdout);
	}
	free(buf);
}

static void
print_pfkey(const struct ipc_msg *m, int n)
{
	static uint64_t copy[PFKEY_MSG_MAXLEN / 8];
	struct setkey_print_opts o;
	struct setkey_msgmeta meta;
	const struct sadb_msg *h;
	struct pfkey_msg pm;
	struct sad_entry e;
	struct ipc_rd r;
	const uint8_t *p;
	size_t len;
	uint8_t d;
	char why[256];
	int rc;

	ipc_rd_init(&r, m);
	d = ipc_get_u8(&r);
	p = ipc_get_blob(&r, PFKEY_MSG_MAXLEN, &len);
	if (ipc_rd_end(&r) != 0 || (d != PFKEY_DIALECT_LINUX &&
	    d != PFKEY_DIALECT_FREEBSD))
		errx(1, "malformed SA record");
	memcpy(copy, p, len);
	if ((rc = pfkey_decode(copy, len, (enum pfkey_dialect)d,
	    PFKEY_DEC_FROM_KERNEL | PFKEY_DEC_SKIP_UNKNOWN, &pm)) != 0) {
		(void)pfkey_decode_error(&pm, rc, why, sizeof(why));
		warnx("skipping an SA: %s", why);
		return;
	}
	if ((rc = sad_from_pfkey(&pm, &e)) != 0) {
		warnx("skipping an SA: %s", sad_strerror(rc));
		return;
	}
	h = pm.hdr;
	memset(&meta, 0, sizeof(meta));
	meta.seq = h->sadb_msg_seq;
	meta.pid = h->sadb_msg_pid;
	meta.reserved = h->sadb_msg_reserved;
	meta.type = h->sadb_msg_type;
	meta.errno_ = h->sadb_msg_errno;
	memset(&o, 0, sizeof(o));
	o.style = SK_STYLE_IPSEC_TOOLS;
	o.dialect = (enum pfkey_dialect)d;
	o.json = json;
	o.now = time(NULL);
	if (json) {
		if (n > 0)
			putchar(',');
		print_sa(stdout, &e, &meta, &o);
	} else
		print_sa_nokeys(&e, &meta, &o);
	sad_entry_clear(&e);
}

static int
cmd_show_sa(int argc, char **argv)
{
	struct ipc_msg m;
	int p, n = 0;
	static const char *const header[] = {
		"Destination            Cookies                           "
		    "Created",
		"Destination            Cookies                           "
		    "ST S  V E Created             Phase2",
		"Source                                        Destination"
		    "                                   Cookies                "
		    "           ST S  V E Created             Phase2",
	};

	if (argc != 1)
		usage();
	p = proto_arg(argv[0], true);
	ipc_put_u8(&req, (uint8_t)p);
	send_req(CTL_SHOW_SA);
	if (json)
		printf("{\"command\":\"show-sa\",\"protocol\":\"%s\","
		    "\"%s\":[", proto_name(p), p == CTL_PROTO_ISAKMP ?
		    "isakmp_sa" : "sa");
	else if (p == CTL_PROTO_ISAKMP)
		printf("%s\n", header[long_format > 2 ? 2 : long_format]);
	while (next(&m)) {
		switch (m.hdr.type) {
		case CTL_R_SA_PFKEY:
			if (p == CTL_PROTO_ISAKMP)
				errx(1, "unexpected answer");
			print_pfkey(&m, n++);
			break;
		case CTL_R_SA_ISAKMP:
			if (p != CTL_PROTO_ISAKMP)
				errx(1, "unexpected answer");
			print_isakmp(&m, n++);
			break;
		case CTL_R_END:
			if (json)
				printf("]}\n");
			else if (n == 0 && p != CTL_PROTO_ISAKMP)
				printf("No SAD entries.\n");
			return (end_of(&m, NULL));
		default:
			errx(1, "unexpected answer %u", m.hdr.type);
		}
	}
	errx(1, "racoon-ng closed the connection");
}

int
main(int argc, char *argv[])
{
	size_t i;
	int ch, rc;

	(void)signal(SIGPIPE, SIG_IGN);
	/* Options end at the command (GNU getopt would look further). */
#if defined(__GLIBC__)
	while ((ch = getopt(argc, argv, "+dlo:s:")) != -1) {
#else
	while ((ch = getopt(argc, argv, "dlo:s:")) != -1) {
#endif
		switch (ch) {
		case 'd':
			/* racoon: hex dumps of admin messages; accepted. */
			break;
		case 'l':
			long_format++;
			break;
		case 'o':
			if (strcmp(optarg, "json") != 0)
				errx(1, "-o %s: only json is known", optarg);
			json = true;
			break;
		case 's':
			sockpath = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage();
	for (i = 0; i < nitems(cmds); i++)
		if (strcmp(argv[0], cmds[i].name) == 0 ||
		    strcmp(argv[0], cmds[i].shortcut) == 0)
			break;
	if (i == nitems(cmds))
		errx(1, "unknown command %s", argv[0]);
	cmdname = cmds[i].name;
	if (ipc_wr_init(&req) != 0)
		errx(1, "out of memory");
	ipc_put_u16(&req, CTL_VERSION);
	rc = cmds[i].fn(argc - 1, argv + 1);
	ipc_wr_free(&req);
	ipc_chan_close(&chan);
	fflush(stdout);
	return (rc);
}
