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
 * Logging, as in iked: syslog (daemon facility) for a daemon, stderr in
 * the foreground, or a file (-l).  Every line names the process that
 * wrote it ("ike: ...").  The descriptors (syslog's socket, the file) are
 * opened before the children chroot, so a chrooted process logs through
 * what it inherited.  Nothing secret reaches here: callers log addresses,
 * SPIs, lengths and reasons, never keys, PSKs or message contents.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "racoon-ng.h"

static int	 log_level;		/* -d count */
static int	 log_to_stderr = 1;
static int	 log_fd = -1;		/* -l file */
static const char *log_proc = "parent";

void
log_init(int level, int foreground, const char *file)
{
	log_level = level;
	log_to_stderr = foreground && file == NULL;
	if (file != NULL) {
		log_fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
		if (log_fd == -1) {
			fprintf(stderr, "%s: cannot open log file %s: %s\n",
			    getprogname(), file, strerror(errno));
			exit(1);
		}
	} else if (!log_to_stderr)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
	/* syslog(3) and localtime(3) would load the zone after a chroot. */
	tzset();
}

void
log_procname(const char *name)
{
	log_proc = name;
}

int
log_getfd(void)
{
	return (log_fd);
}

void
log_setfd(int fd)
{
	log_fd = fd;
}

void
log_reopen(void)
{
	if (log_fd == -1 && !log_to_stderr) {
		closelog();
		openlog(getprogname(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_getlevel(void)
{
	return (log_level);
}

void
log_setlevel_msg(const struct ipc_msg *m)
{
	struct ipc_rd r;
	uint32_t level;

	ipc_rd_init(&r, m);
	level = ipc_get_u32(&r);
	if (ipc_rd_end(&r) != 0 || level > 2) {
		log_warnx("%s: malformed log level message", __func__);
		return;
	}
	if ((int)level != log_level)
		log_debug("log level %u", level);
	log_level = (int)level;
}

static void
vlog(int pri, const char *err, const char *fmt, va_list ap)
{
	char buf[1024], line[1200], ts[32];
	struct tm tm;
	time_t now;
	int n;

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_fd != -1) {
		now = time(NULL);
		(void)localtime_r(&now, &tm);
		(void)strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
		n = snprintf(line, sizeof(line), "%s %s[%ld]: %s: %s%s%s\n",
		    ts, getprogname(), (long)getpid(), log_proc, buf,
		    err != NULL ? ": " : "", err != NULL ? err : "");
		if (n > 0)
			(void)write(log_fd, line, (size_t)n < sizeof(line) ?
			    (size_t)n : sizeof(line) - 1);
		return;
	}
	if (log_to_stderr) {
		/* One write, so lines of the three processes do not mix. */
		n = snprintf(line, sizeof(line), "%s: %s%s%s\n", log_proc,
		    buf, err != NULL ? ": " : "", err != NULL ? err : "");
		if (n > 0)
			(void)write(STDERR_FILENO, line,
			    (size_t)n < sizeof(line) ? (size_t)n :
			    sizeof(line) - 1);
		return;
	}
	syslog(pri, "%s: %s%s%s", log_proc, buf, err != NULL ? ": " : "",
	    err != NULL ? err : "");
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 1)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug2(const char *fmt, ...)
{
	va_list ap;

	if (log_level < 2)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog(LOG_CRIT, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

const char *
log_addr(const struct sad_addr *a, char *buf, size_t sz)
{
	char h[INET6_ADDRSTRLEN + 16];

	if (a->af == AF_UNSPEC) {
		if (a->port != 0)
			(void)snprintf(buf, sz, "*[%u]", a->port);
		else
			(void)snprintf(buf, sz, "*");
		return (buf);
	}
	(void)sad_addr_ntop(a, h, sizeof(h));
	if (a->port != 0)
		(void)snprintf(buf, sz, "%s[%u]", h, a->port);
	else
		(void)snprintf(buf, sz, "%s", h);
	return (buf);
}
