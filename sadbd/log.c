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
 * the foreground.  Callers prefix messages with __func__.  Nothing that
 * reaches here may contain key material: the server logs decode errors
 * and counters, never message contents.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "sadbd.h"

static int	log_debugging;
static int	log_stderr = 1;
/* A daemon not yet detached: errors go to the terminal as well. */
static int	log_errors_stderr;

static void	vlog(int, const char *, va_list)
		    __attribute__((__format__(printf, 2, 0)));

void
log_init(int debug, int foreground)
{
	log_debugging = debug;
	log_stderr = debug || foreground;
	log_errors_stderr = !log_stderr;
	if (!log_stderr)
		openlog(getprogname(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
	/* syslog(3) would otherwise load the time zone after a chroot. */
	tzset();
}

void
log_detach(void)
{
	log_errors_stderr = 0;
}

void
log_reopen(void)
{
	/* SIGHUP: syslogd may have been restarted; stderr needs nothing. */
	if (!log_stderr) {
		closelog();
		openlog(getprogname(), LOG_PID | LOG_NDELAY, LOG_DAEMON);
	}
}

int
log_getdebug(void)
{
	return (log_debugging);
}

static void
vlog(int pri, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_stderr || (log_errors_stderr && pri <= LOG_ERR)) {
		/* One write, so lines of a daemon and its child do not mix. */
		(void)fprintf(stderr, "%s%s%s\n", log_stderr ? "" :
		    getprogname(), log_stderr ? "" : ": ", buf);
		(void)fflush(stderr);
	}
	if (!log_stderr)
		syslog(pri, "%s", buf);
}

static void
vlog_errno(int pri, int saved, const char *fmt, va_list ap)
{
	char buf[1024];

	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	if (log_stderr || (log_errors_stderr && pri <= LOG_ERR)) {
		(void)fprintf(stderr, "%s%s%s: %s\n", log_stderr ? "" :
		    getprogname(), log_stderr ? "" : ": ", buf,
		    strerror(saved));
		(void)fflush(stderr);
	}
	if (!log_stderr)
		syslog(pri, "%s: %s", buf, strerror(saved));
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (!log_debugging)
		return;
	va_start(ap, fmt);
	vlog(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vlog_errno(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
