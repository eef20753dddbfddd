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
 * sadbd: the userspace SADB.  Options, start-up, daemonising, signals and
 * the pid file; the work is in server.c.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libutil.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sadbd.h"
#include "esp.h"

#define SADBD_STATEDIR		"/var/db/sadbd"
#define SADBD_PIDFILE		"/var/run/sadbd.pid"

volatile sig_atomic_t sadbd_quit;
volatile sig_atomic_t sadbd_hup;
volatile sig_atomic_t sadbd_chld;
volatile sig_atomic_t sadbd_info;

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: %s [-dFORV] [-E backend] [-g group] "
	    "[-i tun] [-J full | none | off]\n\t[-K relay] [-M mark] "
	    "[-p pidfile] [-S statedir] [-s socket]\n\t[-T workers] "
	    "[-U port]\n",
	    getprogname());
	exit(1);
}

static void
sighandler(int sig)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		sadbd_quit = 1;
		break;
	case SIGHUP:
		sadbd_hup = 1;
		break;
	case SIGCHLD:
		sadbd_chld = 1;
		break;
	case SIGUSR1:
#ifdef SIGINFO
	case SIGINFO:
#endif
		sadbd_info = 1;
		break;
	}
}

/*
 * The daemon changes to / once detached, and unlinks its socket and pid
 * file at exit: keep every path absolute.
 */
static char *
abspath(const char *path)
{
	char cwd[PATH_MAX], *p;

	if (path == NULL)
		return (NULL);
	if (path[0] == '/') {
		if ((p = strdup(path)) == NULL)
			fatal("%s: strdup", __func__);
		return (p);
	}
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		fatal("%s: getcwd", __func__);
	if (asprintf(&p, "%s/%s", cwd, path) == -1)
		fatal("%s: asprintf", __func__);
	return (p);
}

static gid_t
group_id(const char *name)
{
	struct group *gr;
	const char *errstr;
	long long id;

	if ((gr = getgrnam(name)) != NULL)
		return (gr->gr_gid);
	id = strtonum(name, 0, INT_MAX, &errstr);
	if (errstr != NULL)
		fatalx("unknown group %s", name);
	return ((gid_t)id);
}

/*
 * pidfile(3) (FreeBSD libutil, libbsd): the file stays locked while we
 * run, so a second daemon with the same pid file is refused.
 */
static struct pidfh *
pidfile_create(const char *path)
{
	struct pidfh *pfh;
	pid_t other;

	if ((pfh = pidfile_open(path, 0644, &other)) == NULL) {
		if (errno == EEXIST)
			fatalx("already running as pid %ld (%s)", (long)other,
			    path);
		fatal("pid file %s", path);
	}
	return (pfh);
}

/*
 * Fork; the parent stays until the child reports that it serves (one
 * byte on the pipe) or dies, and exits accordingly, so "sadbd && setkey"
 * works and a start-up error is the parent's exit status.
 */
static int
daemon_start(void)
{
	int p[2];
	pid_t pid;
	char c;
	ssize_t n;

	if (pipe(p) == -1)
		fatal("%s: pipe", __func__);
	switch ((pid = fork())) {
	case -1:
		fatal("%s: fork", __func__);
	case 0:
		close(p[0]);
		if (setsid() == -1)
			fatal("%s: setsid", __func__);
		return (p[1]);
	default:
		close(p[1]);
		do {
			n = read(p[0], &c, 1);
		} while (n == -1 && errno == EINTR);
		_exit(n == 1 ? 0 : 1);
	}
}

static void
daemon_ready(int fd, int debug)
{
	int null;

	if (chdir("/") == -1)
		fatal("%s: chdir /", __func__);
	if ((null = open("/dev/null", O_RDWR)) == -1)
		fatal("%s: /dev/null", __func__);
	/* From now on only syslog hears us. */
	log_detach();
	(void)dup2(null, STDIN_FILENO);
	(void)dup2(null, STDOUT_FILENO);
	(void)dup2(null, STDERR_FILENO);
	if (null > STDERR_FILENO)
		close(null);
	if (write(fd, "", 1) != 1)
		log_warn("%s: write", __func__);
	close(fd);
}

int
main(int argc, char *argv[])
{
	struct server_conf conf;
	struct sigaction sa;
	sigset_t block, waitmask;
	struct pidfh *pfh = NULL;
	const char *sockpath = NULL, *statedir = SADBD_STATEDIR;
	const char *pidfile = NULL, *group = NULL, *env;
	char *sock_abs, *state_abs, *pid_abs, *relay_abs;
	enum journal_sync sync = JOURNAL_SYNC_FULL;
	struct dp_conf dpc;
	const char *errstr;
	int ch, debug = 0, foreground = 0, readyfd = -1;

	memset(&dpc, 0, sizeof(dpc));
	dpc.port = DP_DEFAULT_PORT;
	dpc.mark = DP_DEFAULT_MARK;
	dpc.offload = true;
	dpc.backend = ESP_BACKEND_AUTO;
	while ((ch = getopt(argc, argv, "dE:Fg:i:J:K:M:Op:RS:s:T:U:V")) != -1) {
		switch (ch) {
		case 'E':
			if (strcmp(optarg, "auto") == 0)
				dpc.backend = ESP_BACKEND_AUTO;
			else if (strcmp(optarg, "openssl") == 0)
				dpc.backend = ESP_BACKEND_OPENSSL;
			else if (strcmp(optarg, "ipsecmb") == 0)
				dpc.backend = ESP_BACKEND_IPSECMB;
			else
				usage();
			if (!esp_backend_available(
			    (enum esp_backend)dpc.backend) &&
			    dpc.backend != ESP_BACKEND_AUTO) {
				fprintf(stderr, "%s: crypto backend %s not "
				    "built in\n", getprogname(), optarg);
				exit(1);
			}
			break;
		case 'i':
			dpc.ifname = optarg;
			break;
		case 'K':
			dpc.relay = optarg;
			break;
		case 'M':
			errno = 0;
			{
				char *end;
				unsigned long v = strtoul(optarg, &end, 0);

				if (*optarg == '\0' || *end != '\0' ||
				    errno != 0 || v > UINT32_MAX) {
					fprintf(stderr, "%s: -M %s: not a "
					    "32-bit number\n", getprogname(),
					    optarg);
					exit(1);
				}
				dpc.mark = (uint32_t)v;
			}
			break;
		case 'O':
			dpc.offload = false;
			break;
		case 'R':
			dpc.raw = true;
			break;
		case 'T':
			dpc.workers = (unsigned)strtonum(optarg, 1, 64,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "%s: -T %s: %s (1 to 64)\n",
				    getprogname(), optarg, errstr);
				exit(1);
			}
			break;
		case 'U':
			dpc.port = (uint16_t)strtonum(optarg, 1, 65535,
			    &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "%s: -U %s: %s (1 to 65535)\n",
				    getprogname(), optarg, errstr);
				exit(1);
			}
			break;
		case 'd':
			debug = 1;
			foreground = 1;
			break;
		case 'F':
			foreground = 1;
			break;
		case 'g':
			group = optarg;
			break;
		case 'J':
			if (strcmp(optarg, "full") == 0)
				sync = JOURNAL_SYNC_FULL;
			else if (strcmp(optarg, "none") == 0)
				sync = JOURNAL_SYNC_NONE;
			else if (strcmp(optarg, "off") == 0)
				sync = JOURNAL_SYNC_OFF;
			else
				usage();
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'S':
			statedir = optarg;
			break;
		case 's':
			sockpath = optarg;
			break;
		case 'V':
			printf("sadbd %s\n", PFKEYKIT_VERSION_STRING);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	/* Until a daemon is detached, its errors go to the terminal too. */
	log_init(debug, foreground);
	if (sockpath == NULL) {
		env = getenv("SADBD_SOCKET");
		sockpath = env != NULL && *env != '\0' ? env :
		    PFKEY_SADBD_SOCKET;
	}
	/* A daemon has a pid file; the foreground only on request. */
	if (pidfile == NULL && !foreground)
		pidfile = SADBD_PIDFILE;
	sock_abs = abspath(sockpath);
	state_abs = abspath(sync == JOURNAL_SYNC_OFF ? NULL : statedir);
	pid_abs = abspath(pidfile);
	relay_abs = abspath(dpc.relay);
	dpc.relay = relay_abs;

	memset(&conf, 0, sizeof(conf));
	conf.sockpath = sock_abs;
	conf.statedir = state_abs;
	conf.sync = sync;
	conf.sockgid = group != NULL ? group_id(group) : getegid();
	if (dpc.ifname != NULL) {
		if (strlen(dpc.ifname) >= IFNAMSIZ || *dpc.ifname == '\0') {
			fprintf(stderr, "%s: -i %s: not an interface name\n",
			    getprogname(), dpc.ifname);
			exit(1);
		}
		conf.dp = &dpc;
	}
	if (dpc.relay != NULL && dpc.ifname == NULL) {
		fprintf(stderr, "%s: -K: the IKE relay needs the data plane "
		    "(-i)\n", getprogname());
		exit(1);
	}

	if (!foreground)
		readyfd = daemon_start();

	/*
	 * Signals are blocked except while the loop waits (ppoll), so the
	 * handlers only set flags the loop reads.
	 */
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = sighandler;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGHUP, &sa, NULL);
	(void)sigaction(SIGCHLD, &sa, NULL);
	(void)sigaction(SIGUSR1, &sa, NULL);
#ifdef SIGINFO
	(void)sigaction(SIGINFO, &sa, NULL);
#endif
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGUSR1);
#ifdef SIGINFO
	sigaddset(&block, SIGINFO);
#endif
	if (sigprocmask(SIG_BLOCK, &block, &waitmask) == -1)
		fatal("sigprocmask");
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGCHLD);
	sigdelset(&waitmask, SIGUSR1);
#ifdef SIGINFO
	sigdelset(&waitmask, SIGINFO);
#endif

	if (pid_abs != NULL)
		pfh = pidfile_create(pid_abs);
	server_init(&conf);
	if (pfh != NULL && pidfile_write(pfh) == -1)
		fatal("pid file %s", pid_abs);
	if (readyfd != -1)
		daemon_ready(readyfd, debug);
	log_info("sadbd %s started, journal %s", PFKEYKIT_VERSION_STRING,
	    sync == JOURNAL_SYNC_FULL ? "full" : sync == JOURNAL_SYNC_NONE ?
	    "none" : "off");

	(void)server_loop(&waitmask);

	log_info("sadbd stopping");
	server_shutdown();
	if (pfh != NULL && pidfile_remove(pfh) == -1)
		log_warn("unlink %s", pid_abs);
	free(sock_abs);
	free(state_abs);
	free(pid_abs);
	free(relay_abs);
	return (0);
}
