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
 * The children's system call filter (Linux seccomp-bpf), the last step of
 * their sandbox, in the manner of OpenSSH's sandbox-seccomp-filter.  Once
 * set up, the ike and ca processes only move bytes: descriptors they
 * already hold or are passed (read, write, sendmsg, recvmsg, poll), memory,
 * time, randomness, signals and exit.  Attempts to open a file or make a
 * socket (a library probing for its configuration, syslog reconnecting)
 * fail with EACCES; any other system call stops the process with a log
 * line naming its number, and the parent then exits (a child died).
 * Elsewhere (FreeBSD, unknown architectures) proc_seccomp() says it has
 * nothing to install.
 */

#include <sys/types.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#endif

#include "racoon-ng.h"

#if defined(__linux__)
#if defined(__x86_64__)
#define SC_ARCH		AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define SC_ARCH		AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define SC_ARCH		AUDIT_ARCH_I386
#elif defined(__arm__) && defined(__ARMEL__)
#define SC_ARCH		AUDIT_ARCH_ARM
#elif defined(__riscv) && __riscv_xlen == 64
#define SC_ARCH		AUDIT_ARCH_RISCV64
#endif
#endif

#if defined(SC_ARCH)

#define SC_LOAD(f)	BPF_STMT(BPF_LD | BPF_W | BPF_ABS, \
			    offsetof(struct seccomp_data, f))
#define SC_RET(v)	BPF_STMT(BPF_RET | BPF_K, (v))
/* nr == n: return v, else go on. */
#define SC_IS(n, v)	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1), \
			SC_RET(v)
#define SC_ALLOW(n)	SC_IS(__NR_##n, SECCOMP_RET_ALLOW)
#define SC_DENY(n)	SC_IS(__NR_##n, SECCOMP_RET_ERRNO | EACCES)

static const struct sock_filter sc_insns[] = {
	SC_LOAD(arch),
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SC_ARCH, 1, 0),
	SC_RET(SECCOMP_RET_KILL),
	SC_LOAD(nr),
#if defined(__x86_64__)
	/* The x32 calls have their own numbers: none of them. */
	BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000, 0, 1),
	SC_RET(SECCOMP_RET_KILL),
#endif
	/* Bytes on descriptors already held or passed. */
	SC_ALLOW(read),
	SC_ALLOW(readv),
	SC_ALLOW(write),
	SC_ALLOW(writev),
	SC_ALLOW(recvmsg),
	SC_ALLOW(recvfrom),
	SC_ALLOW(sendmsg),
	SC_ALLOW(sendto),
	SC_ALLOW(close),
	SC_ALLOW(fcntl),
	SC_ALLOW(lseek),
	SC_ALLOW(fstat),
#if defined(__NR_newfstatat)
	SC_ALLOW(newfstatat),
#endif
#if defined(__NR_poll)
	SC_ALLOW(poll),
#endif
	SC_ALLOW(ppoll),
#if defined(__NR_pipe)
	SC_ALLOW(pipe),
#endif
	SC_ALLOW(pipe2),
	/* Memory (malloc, OpenSSL). */
	SC_ALLOW(brk),
	SC_ALLOW(mmap),
	SC_ALLOW(munmap),
	SC_ALLOW(mremap),
	SC_ALLOW(mprotect),
	SC_ALLOW(madvise),
	SC_ALLOW(futex),
	/* Time, randomness, identity. */
	SC_ALLOW(clock_gettime),
	SC_ALLOW(gettimeofday),
#if defined(__NR_time)
	SC_ALLOW(time),
#endif
	SC_ALLOW(nanosleep),
	SC_ALLOW(clock_nanosleep),
	SC_ALLOW(getrandom),
	SC_ALLOW(getpid),
	SC_ALLOW(gettid),
	SC_ALLOW(getuid),
	SC_ALLOW(geteuid),
	SC_ALLOW(getgid),
	SC_ALLOW(getegid),
	SC_ALLOW(getppid),
	SC_ALLOW(sched_yield),
	/* Signals and the way out (abort() included). */
	SC_ALLOW(rt_sigaction),
	SC_ALLOW(rt_sigprocmask),
	SC_ALLOW(rt_sigreturn),
	SC_ALLOW(sigaltstack),
	SC_ALLOW(restart_syscall),
	SC_ALLOW(tgkill),
	SC_ALLOW(exit),
	SC_ALLOW(exit_group),
	/* Files and sockets: refused, not fatal. */
#if defined(__NR_open)
	SC_DENY(open),
#endif
	SC_DENY(openat),
#if defined(__NR_stat)
	SC_DENY(stat),
#endif
#if defined(__NR_lstat)
	SC_DENY(lstat),
#endif
#if defined(__NR_access)
	SC_DENY(access),
#endif
	SC_DENY(faccessat),
#if defined(__NR_readlink)
	SC_DENY(readlink),
#endif
	SC_DENY(readlinkat),
	SC_DENY(socket),
	SC_DENY(connect),
	SC_RET(SECCOMP_RET_TRAP),
};

static const char *sc_proc = "child";

/* Async-signal-safe: the number in decimal, one write per stream. */
static void
sc_sigsys(int sig, siginfo_t *si, void *ctx)
{
	char line[128], num[16];
	size_t n = 0, k = 0;
	unsigned int nr;
	const char *p;
	int fd;

	(void)sig;
	(void)ctx;
	nr = (unsigned int)si->si_syscall;
	do {
		num[k++] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr != 0 && k < sizeof(num));
	for (p = sc_proc; *p != '\0' && n < 40; p++)
		line[n++] = *p;
	for (p = ": sandbox: system call "; *p != '\0'; p++)
		line[n++] = *p;
	while (k > 0)
		line[n++] = num[--k];
	for (p = " not allowed: exiting\n"; *p != '\0'; p++)
		line[n++] = *p;
	(void)write(STDERR_FILENO, line, n);
	if ((fd = log_getfd()) != -1 && fd != STDERR_FILENO)
		(void)write(fd, line, n);
	_exit(1);
}

int
proc_seccomp(const char *procname)
{
	struct sock_fprog prog;
	struct sigaction sa;

	sc_proc = procname;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sc_sigsys;
	sa.sa_flags = SA_SIGINFO;
	(void)sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1)
		return (-1);
	memset(&prog, 0, sizeof(prog));
	prog.len = (unsigned short)(sizeof(sc_insns) / sizeof(sc_insns[0]));
	prog.filter = (struct sock_filter *)(uintptr_t)sc_insns;
	/* PR_SET_NO_NEW_PRIVS is set already (proc_sandbox). */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == -1)
		return (-1);
	return (1);
}

#else	/* !SC_ARCH */

int
proc_seccomp(const char *procname)
{
	(void)procname;
	errno = ENOSYS;
	return (0);
}

#endif
