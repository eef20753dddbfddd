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
 * setkey: manually manipulate the SAD and the SPD through any pfkeykit
 * transport.  Runs ipsec-tools and FreeBSD setkey scripts unchanged.
 */

#include <sys/types.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "setkey.h"

enum mode {
	MODE_SCRIPT,		/* -f, -c, file arguments */
	MODE_DUMP,		/* -D */
	MODE_FLUSH,		/* -F */
	MODE_MONITOR		/* -x */
};

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr,
	    "usage: setkey [-dknrv] [-B transport] file ...\n"
	    "       setkey [-dknrv] [-B transport] -f file\n"
	    "       setkey [-dknrv] [-B transport] -c\n"
	    "       setkey [-aglPptv] [-B transport] [-O style] [-o json] "
	    "-D\n"
	    "       setkey [-Pv] [-B transport] -F\n"
	    "       setkey [-Hh] [-B transport] [-o json] -x | -xx\n"
	    "       setkey -V\n"
	    "transport: pfkey | xfrm | sadbd[:PATH]; "
	    "style: ipsec-tools | freebsd\n");
	exit(1);
}

/* The statements of one input, parsed completely before any is sent. */
static int
parse_input(FILE *fp, const char *name, const struct setkey_parse_opts *po,
    struct setkey_cmdq *q)
{
	int errors;

	errors = parse_file(fp, name, po, q);
	if (errors > 0)
		warnx("%s: %d error%s; nothing was applied", name, errors,
		    errors == 1 ? "" : "s");
	return (errors);
}

/* Where the transport came from, for messages: "-B pfkey". */
struct xport_choice {
	enum pfkey_xport_kind	 kind;
	char			 path[256];
	const char		*spec;		/* as written */
	const char		*from;		/* "-B" or "PFKEYKIT_BACKEND=" */
};

/* What to use instead, when a kernel transport is missing. */
#if defined(__linux__)
#define NO_PFKEY	"the kernel has no PF_KEY socket (no af_key module)"
#define USE_INSTEAD	"use -B xfrm for Linux XFRM or -B sadbd[:PATH] " \
			"for the userspace SADB"
#else
#define NO_PFKEY	"the kernel has no PF_KEY socket (no IPsec in it)"
#define USE_INSTEAD	"use -B sadbd[:PATH] for the userspace SADB"
#endif

/*
 * -B, else PFKEYKIT_BACKEND (when `useenv': only a transport being opened
 * looks at it, so that -n does not), else the default.  "auto" in either
 * means the default too (and -B auto does not look at the environment).
 */
static void
choose_transport(struct xport_choice *ch, const char *spec, bool useenv)
{
	const char *env;

	ch->kind = PFKEY_XPORT_AUTO;
	ch->path[0] = '\0';
	ch->spec = spec;
	ch->from = "-B ";
	if (spec == NULL && useenv &&
	    (env = getenv("PFKEYKIT_BACKEND")) != NULL && *env != '\0') {
		ch->spec = env;
		ch->from = "PFKEYKIT_BACKEND=";
	}
	if (ch->spec == NULL)
		return;
	if (pfkey_xport_parse(ch->spec, &ch->kind, ch->path,
	    sizeof(ch->path)) != 0)
		errx(1, "%s%s: use pfkey, xfrm or sadbd[:PATH]", ch->from,
		    ch->spec);
}

/* A transport that did not open: say which, why, and what else works. */
static void __attribute__((__noreturn__))
open_failed(const struct xport_choice *ch, enum pfkey_xport_kind kind,
    int rc)
{
	const char *sock;
	char who[300];

	if (ch->kind == PFKEY_XPORT_AUTO)
		snprintf(who, sizeof(who), "%s",
		    kind == PFKEY_XPORT_XFRM ? "XFRM netlink" :
		    "the kernel's PF_KEY socket");
	else
		snprintf(who, sizeof(who), "%s%s", ch->from, ch->spec);
	if (rc == PFKEY_ERR_NOTSUP) {
		switch (kind) {
		case PFKEY_XPORT_KERNEL:
			errx(1, "%s: %s; %s", who, NO_PFKEY, USE_INSTEAD);
		case PFKEY_XPORT_XFRM:
#if defined(__linux__)
			errx(1, "%s: the kernel has no XFRM netlink "
			    "(NETLINK_XFRM); use -B sadbd[:PATH] for the "
			    "userspace SADB", who);
#else
			errx(1, "%s: XFRM is Linux only; use -B pfkey or "
			    "-B sadbd[:PATH]", who);
#endif
		default:
			errx(1, "%s: not available on this system", who);
		}
	}
	if (rc != PFKEY_ERR_SYSTEM)
		errx(1, "%s: %s", who, pfkey_strerror(rc));
	if (kind == PFKEY_XPORT_SADBD) {
		sock = ch->path[0] != '\0' ? ch->path :
		    getenv("SADBD_SOCKET") != NULL ? getenv("SADBD_SOCKET") :
		    PFKEY_SADBD_SOCKET;
		err(1, "cannot reach sadbd at %s", sock);
	}
	if (errno == EPERM || errno == EACCES)
		errx(1, "%s: %s; the kernel's transports need root, "
		    "-B sadbd[:PATH] does not", who, strerror(errno));
	err(1, "%s", who);
}

/*
 * Open the chosen transport.  The default (no -B, no PFKEYKIT_BACKEND)
 * is DESIGN.md's order, taken step by step here rather than through
 * libpfkey's AUTO so that a failure names the step that failed: the
 * kernel's PF_KEY where socket(PF_KEY) works; else, on Linux, XFRM
 * (where an unprivileged user is told so, not that XFRM is missing);
 * else an error that names -B sadbd.
 */
static struct pfkey_xport *
open_transport(struct xport_choice *ch, bool verbose)
{
	struct pfkey_xport *x;
	enum pfkey_xport_kind kind;
	int rc;

	if (ch->spec == NULL)
		choose_transport(ch, NULL, true);
	if ((kind = ch->kind) == PFKEY_XPORT_AUTO) {
		kind = PFKEY_XPORT_KERNEL;
		x = pfkey_xport_open(kind, NULL, NULL, &rc);
#if defined(__linux__)
		if (x == NULL && rc == PFKEY_ERR_NOTSUP) {
			kind = PFKEY_XPORT_XFRM;
			x = pfkey_xport_open(kind, NULL, NULL, &rc);
			if (x == NULL && rc == PFKEY_ERR_NOTSUP)
				errx(1, "no kernel transport on this system: "
				    "%s and no XFRM netlink; use "
				    "-B sadbd[:PATH] for the userspace SADB",
				    NO_PFKEY);
		}
#else
		if (x == NULL && rc == PFKEY_ERR_NOTSUP)
			errx(1, "no kernel transport on this system: %s; "
			    "use -B sadbd[:PATH] for the userspace SADB",
			    NO_PFKEY);
#endif
	} else
		x = pfkey_xport_open(kind, ch->path[0] != '\0' ? ch->path :
		    NULL, NULL, &rc);
	if (x == NULL)
		open_failed(ch, kind, rc);
	if (verbose)
		fprintf(stderr, "transport: %s (%s dialect)%s\n",
		    pfkey_xport_kind_name(pfkey_xport_kind(x)),
		    pfkey_dialect_name(pfkey_xport_dialect(x)),
		    ch->kind == PFKEY_XPORT_AUTO ? ", the default" : "");
	return (x);
}

/* stdout's buffer for dumps (static: it outlives main's return). */
static char dumpbuf[64 * 1024];

int
main(int argc, char *argv[])
{
	struct setkey_parse_opts po;
	struct setkey_exec_opts eo;
	struct setkey_print_opts pr;
	struct setkey_cmdq q;
	struct setkey_cmd *c;
	struct xport_choice xc;
	enum mode mode = MODE_SCRIPT;
	struct pfkey_xport *x = NULL;
	const char *file = NULL, *env, *bspec = NULL;
	bool policy = false, all = false, noact = false, console = false;
	bool rawtime = false, hexdump = false, loop = false;
	int ch, nx = 0, errors = 0, failed = 0, i;
	FILE *fp;

	memset(&po, 0, sizeof(po));
	memset(&eo, 0, sizeof(eo));
	memset(&pr, 0, sizeof(pr));
	po.dialect = pfkey_host_dialect();
	/* The grammar and printers of a dialect may be chosen for offline
	 * work (setkey -n) on any system. */
	if ((env = getenv("PFKEYKIT_DIALECT")) != NULL &&
	    pfkey_dialect_parse(env, &po.dialect) != 0)
		errx(1, "PFKEYKIT_DIALECT: unknown dialect %s", env);
	pr.style = SK_STYLE_IPSEC_TOOLS;
#if defined(__linux__)
	eo.rfc_fwd = true;
#endif
	eo.window = 0;		/* exec.c picks one for the transport */

	while ((ch = getopt(argc, argv, "aB:cdf:gHhklnO:o:prtvxDFPV")) != -1) {
		switch (ch) {
		case 'a':
			all = true;
			break;
		case 'B':
			bspec = optarg;
			break;
		case 'c':
			console = true;
			break;
		case 'd':	/* ipsec-tools: parser debugging, no action */
		case 'n':
			noact = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'g':	/* FreeBSD: global-scope policies only */
			pr.scope |= PFKEY_SCOPE_GLOBAL;
			break;
		case 't':	/* FreeBSD: ifnet-scope policies only */
			pr.scope |= PFKEY_SCOPE_IFNET;
			break;
		case 'H':	/* ipsec-tools spelling */
		case 'h':	/* FreeBSD and NetBSD spelling */
			hexdump = true;
			break;
		case 'k':	/* Linux: kernel semantics, no automatic fwd */
			eo.rfc_fwd = false;
			break;
		case 'r':	/* Linux: RFC semantics (the default) */
			eo.rfc_fwd = true;
			break;
		case 'l':
			loop = true;
			break;
		case 'O':
			if (strcmp(optarg, "ipsec-tools") == 0 ||
			    strcmp(optarg, "linux") == 0)
				pr.style = SK_STYLE_IPSEC_TOOLS;
			else if (strcmp(optarg, "freebsd") == 0)
				pr.style = SK_STYLE_FREEBSD;
			else
				errx(1, "-O %s: use ipsec-tools or freebsd",
				    optarg);
			break;
		case 'o':
			if (strcmp(optarg, "json") == 0)
				pr.json = true;
			else if (strcmp(optarg, "text") == 0)
				pr.json = false;
			else
				errx(1, "-o %s: use json or text", optarg);
			break;
		case 'p':
			pr.withports = true;
			break;
		case 'v':
			eo.verbose = true;
			break;
		case 'x':
			mode = MODE_MONITOR;
			if (++nx > 1)
				rawtime = true;
			break;
		case 'D':
			mode = MODE_DUMP;
			break;
		case 'F':
			mode = MODE_FLUSH;
			break;
		case 'P':
			policy = true;
			break;
		case 'V':
			printf("setkey (pfkeykit) %s\n", PFKEYKIT_VERSION_STRING);
			return (0);
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	pr.now = time(NULL);
	/* A bad -B is an error even where no transport is opened (-n). */
	choose_transport(&xc, bspec, false);

	if (mode != MODE_SCRIPT) {
		if (file != NULL || console || argc > 0 || noact)
			usage();
		x = open_transport(&xc, eo.verbose);
		pr.dialect = pfkey_xport_dialect(x);
		switch (mode) {
		case MODE_DUMP:
			/*
			 * A dump into a file or a pipe is written in big
			 * chunks; a terminal keeps its line buffering.
			 */
			if (!isatty(STDOUT_FILENO))
				(void)setvbuf(stdout, dumpbuf, _IOFBF,
				    sizeof(dumpbuf));
			failed = exec_dump(x, policy, all, loop, &eo, &pr);
			break;
		case MODE_FLUSH:
			failed = exec_flush(x, policy, &eo);
			break;
		case MODE_MONITOR:
			failed = exec_monitor(x, rawtime, hexdump, &pr);
			break;
		default:
			break;
		}
		pfkey_xport_close(x);
		return (failed ? 1 : 0);
	}

	/* Scripts: parse everything first; a syntax error applies nothing. */
	TAILQ_INIT(&q);
	if (file == NULL && !console && argc == 0)
		usage();
	if (console && isatty(STDIN_FILENO) && !noact) {
		x = open_transport(&xc, eo.verbose);
		pr.dialect = po.dialect = pfkey_xport_dialect(x);
		failed = console_run(x, &po, &eo, &pr);
		pfkey_xport_close(x);
		return (failed ? 1 : 0);
	}
	if (console)
		errors += parse_input(stdin, "(stdin)", &po, &q);
	if (file != NULL) {
		if (strcmp(file, "-") == 0)
			errors += parse_input(stdin, "(stdin)", &po, &q);
		else if ((fp = fopen(file, "r")) == NULL)
			err(1, "%s", file);
		else {
			errors += parse_input(fp, file, &po, &q);
			fclose(fp);
		}
	}
	for (i = 0; i < argc; i++) {
		if ((fp = fopen(argv[i], "r")) == NULL)
			err(1, "%s", argv[i]);
		errors += parse_input(fp, argv[i], &po, &q);
		fclose(fp);
	}
	if (errors > 0) {
		setkey_cmdq_free(&q);
		return (1);
	}
	if (noact) {
		TAILQ_FOREACH(c, &q, entry)
			print_cmd(stdout, c, po.dialect);
		setkey_cmdq_free(&q);
		return (0);
	}
	x = open_transport(&xc, eo.verbose);
	pr.dialect = pfkey_xport_dialect(x);
	if (pr.dialect != po.dialect)
		warnx("the input was parsed for the %s dialect, the transport "
		    "speaks %s", pfkey_dialect_name(po.dialect),
		    pfkey_dialect_name(pr.dialect));
	failed = exec_cmds(x, &q, &eo, &pr);
	pfkey_xport_close(x);
	setkey_cmdq_free(&q);
	return (failed ? 1 : 0);
}
