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
 * seccomp_test: the children's system call filter (racoon-ng/daemon/
 * seccomp.c).  Each case forks; the child installs the filter and tries
 * what the ike and ca processes do (allowed), what libraries probe for
 * (files and sockets: EACCES) and what they never need (kill, fork,
 * execve: the process ends with exit status 1 and a line naming the
 * call).  The same calls without the filter succeed: the control.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <atf-c.h>

#include "racoon-ng.h"

#define FILTER_ON	1
#define FILTER_OFF	0

static void
require_filter(void)
{
#if !defined(__linux__)
	atf_tc_skip("the system call filter is Linux seccomp only");
#endif
}

/*
 * Run fn in a child (with the filter when `on'); its stderr is captured
 * into err.  Returns the wait status.
 */
static int
in_child(int on, int (*fn)(void), char *err, size_t errsz)
{
	int p[2], st;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	ATF_REQUIRE(pipe(p) == 0);
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		close(p[0]);
		if (dup2(p[1], STDERR_FILENO) == -1)
			_exit(90);
		if (on && proc_seccomp("seccomp_test") != 1)
			_exit(91);
		_exit(fn());
	}
	close(p[1]);
	while (got + 1 < errsz &&
	    (n = read(p[0], err + got, errsz - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	close(p[0]);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	return (st);
}

/* What the children do all day. */
static int
daily_work(void)
{
	struct timespec ts;
	char buf[64], *big;
	int sv[2], fl;
	uint8_t rnd[16];

	if (pipe(sv) == -1)
		return (2);
	if (write(sv[1], "ping", 4) != 4 || read(sv[0], buf, 4) != 4 ||
	    memcmp(buf, "ping", 4) != 0)
		return (3);
	if ((fl = fcntl(sv[0], F_GETFL)) == -1 ||
	    fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) == -1)
		return (4);
	if (read(sv[0], buf, 1) != -1 || errno != EAGAIN)
		return (5);
	/* malloc from both brk and mmap. */
	if ((big = malloc(8 << 20)) == NULL)
		return (6);
	memset(big, 1, 8 << 20);
	free(big);
	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1 || time(NULL) == -1)
		return (7);
	if (getentropy(rnd, sizeof(rnd)) == -1)
		return (8);
	if (getpid() <= 0 || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return (9);
	close(sv[0]);
	close(sv[1]);
	return (0);
}

/* Files and sockets are refused, not fatal. */
static int
probe_files(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		close(fd);
		return (2);
	}
	if (errno != EACCES)
		return (3);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) != -1) {
		close(fd);
		return (4);
	}
	if (errno != EACCES)
		return (5);
	return (0);
}

static int
try_kill(void)
{
	return (syscall(SYS_kill, getpid(), 0) == 0 ? 0 : 2);
}

static int
try_fork(void)
{
	pid_t pid;

	if ((pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0)) == 0)
		_exit(0);
	if (pid == -1)
		return (2);
	return (0);
}

static int
try_exec(void)
{
	char *const argv[] = { "true", NULL };

	(void)execve("/bin/true", argv, NULL);
	return (2);
}

static void
check_trapped(int (*fn)(void), long nr)
{
	char err[512], want[128];
	int st;

	st = in_child(FILTER_ON, fn, err, sizeof(err));
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1,
	    "status %#x, stderr: %s", st, err);
	(void)snprintf(want, sizeof(want),
	    "seccomp_test: sandbox: system call %ld not allowed", nr);
	ATF_CHECK_MSG(strstr(err, want) != NULL, "stderr: %s", err);
	/* The control: without the filter the call goes through. */
	st = in_child(FILTER_OFF, fn, err, sizeof(err));
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "unfiltered: status %#x, stderr: %s", st, err);
}

ATF_TC_WITHOUT_HEAD(allowed);
ATF_TC_BODY(allowed, tc)
{
	char err[512];
	int st;

	require_filter();
	st = in_child(FILTER_ON, daily_work, err, sizeof(err));
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "status %#x, stderr: %s", st, err);
}

ATF_TC_WITHOUT_HEAD(files_refused);
ATF_TC_BODY(files_refused, tc)
{
	char err[512];
	int st;

	require_filter();
	st = in_child(FILTER_ON, probe_files, err, sizeof(err));
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "status %#x, stderr: %s", st, err);
	/* The control: unfiltered, /dev/null opens (exit 2). */
	st = in_child(FILTER_OFF, probe_files, err, sizeof(err));
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 2,
	    "unfiltered: status %#x", st);
}

ATF_TC_WITHOUT_HEAD(kill_trapped);
ATF_TC_BODY(kill_trapped, tc)
{
	require_filter();
	check_trapped(try_kill, (long)SYS_kill);
}

ATF_TC_WITHOUT_HEAD(fork_trapped);
ATF_TC_BODY(fork_trapped, tc)
{
	require_filter();
	check_trapped(try_fork, (long)SYS_clone);
}

ATF_TC_WITHOUT_HEAD(exec_trapped);
ATF_TC_BODY(exec_trapped, tc)
{
	require_filter();
	check_trapped(try_exec, (long)SYS_execve);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, allowed);
	ATF_TP_ADD_TC(tp, files_refused);
	ATF_TP_ADD_TC(tp, kill_trapped);
	ATF_TP_ADD_TC(tp, fork_trapped);
	ATF_TP_ADD_TC(tp, exec_trapped);
	return (atf_no_error());
}
