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
 * Privilege separation of the children (the ike and ca processes), in
 * OpenSSH's and iked's order: resolve the user and the directory while
 * the password and group files are still reachable, then in the child
 * chroot to a directory that holds nothing, drop the supplementary
 * groups, the group and the user ids (real, effective and saved), limit
 * resources (no core dumps that could hold keys, few descriptors, no
 * processes forked), and on Linux forbid new privileges for good
 * (PR_SET_NO_NEW_PRIVS) and empty the capability sets, the bounding set
 * included, which matters when no unprivileged user exists and the child
 * stays uid 0.  A child needs no file at all: its sockets, its
 * configuration and the PSK file come from the parent as descriptors.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#endif

#include "racoon-ng.h"

/*
 * A sanitizer build (the test suite's ASan pass) keeps the children out of
 * the chroot, dumpable and able to make threads: LeakSanitizer reads /proc
 * and ptraces the process from a task of its own at exit, and without
 * that it could not check the children for leaks.  Everything else of the
 * sandbox stays.  Never a release build.
 */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_LEAK__)
#define SANITIZER_BUILD	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define SANITIZER_BUILD	1
#endif
#endif

/* Used when the default /var/empty does not exist (Debian has none). */
#define FALLBACK_EMPTY	"/var/run/racoon-ng.empty"

/* A directory fit to chroot into: root's, writable by nobody else. */
static int
check_dir(const char *dir, char *err, size_t errsz)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		(void)snprintf(err, errsz, "chroot directory %s: %s", dir,
		    strerror(errno));
		return (-1);
	}
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		(void)snprintf(err, errsz, "chroot directory %s must be a "
		    "directory owned by root and not writable by group or "
		    "others", dir);
		return (-1);
	}
	return (0);
}

static int
dir_empty(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return (0);
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return (n == 0);
}

int
proc_privdrop_setup(const struct rconf *rc, struct privdrop *pd, char *err,
    size_t errsz)
{
	struct passwd *pw = NULL;
	struct group *gr;
	const char *es;
	long long v;

	memset(pd, 0, sizeof(*pd));
	pd->root = geteuid() == 0;
	if (!pd->root) {
		/* Nothing to drop, nowhere to chroot: say so once. */
		log_info("not running as root: the ike and ca processes keep "
		    "uid %lu and the file system", (unsigned long)geteuid());
		return (0);
	}
	if (rc->user[0] != '\0') {
		pw = getpwnam(rc->user);
		if (pw == NULL && strcmp(rc->user, RACOON_NG_USER) == 0)
			pw = getpwnam("nobody");
		if (pw == NULL) {
			v = strtonum(rc->user, 1, UINT32_MAX - 1, &es);
			if (es != NULL) {
				if (strcmp(rc->user, RACOON_NG_USER) != 0) {
					(void)snprintf(err, errsz, "privsep "
					    "user %s: no such user", rc->user);
					return (-1);
				}
			} else {
				pd->have_user = true;
				pd->uid = (uid_t)v;
				pd->gid = (gid_t)v;
				(void)strlcpy(pd->user, rc->user,
				    sizeof(pd->user));
			}
		} else if (pw->pw_uid != 0) {
			pd->have_user = true;
			pd->uid = pw->pw_uid;
			pd->gid = pw->pw_gid;
			(void)strlcpy(pd->user, pw->pw_name, sizeof(pd->user));
		}
	}
	if (rc->group[0] != '\0') {
		if ((gr = getgrnam(rc->group)) != NULL)
			pd->gid = gr->gr_gid;
		else {
			v = strtonum(rc->group, 0, UINT32_MAX - 1, &es);
			if (es != NULL) {
				(void)snprintf(err, errsz, "privsep group %s: "
				    "no such group", rc->group);
				return (-1);
			}
			pd->gid = (gid_t)v;
		}
	}
	if (!pd->have_user)
		log_warnx("no unprivileged user (%s, nobody) exists: the ike "
		    "and ca processes stay uid 0, chrooted and without "
		    "capabilities", rc->user);
	(void)strlcpy(pd->chroot, rc->chroot, sizeof(pd->chroot));
	if (access(pd->chroot, F_OK) == -1 &&
	    strcmp(pd->chroot, RACOON_NG_EMPTY) == 0) {
		(void)strlcpy(pd->chroot, FALLBACK_EMPTY, sizeof(pd->chroot));
		if (mkdir(pd->chroot, 0755) == -1 && errno != EEXIST) {
			(void)snprintf(err, errsz, "%s: %s", pd->chroot,
			    strerror(errno));
			return (-1);
		}
		if (!dir_empty(pd->chroot)) {
			(void)snprintf(err, errsz, "%s is not empty",
			    pd->chroot);
			return (-1);
		}
	}
	return (check_dir(pd->chroot, err, errsz));
}

#if defined(__linux__)
/*
 * Empty the capability sets.  A process that changed to a user other
 * than root lost them with the change (unless it asked to keep them,
 * which we do not); one that stays uid 0 drops them here, the bounding
 * set first (that needs CAP_SETPCAP, which goes last).  Either way the
 * sets are read back and must be empty.
 */
static void
drop_caps(bool still_root)
{
	struct __user_cap_header_struct h;
	struct __user_cap_data_struct d[2];
	int cap;

	memset(&h, 0, sizeof(h));
	memset(d, 0, sizeof(d));
	h.version = _LINUX_CAPABILITY_VERSION_3;
	h.pid = 0;
	if (still_root) {
		for (cap = 0; cap < 64; cap++)
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == -1 &&
			    errno != EINVAL)
				fatal("%s: PR_CAPBSET_DROP %d", __func__, cap);
		if (syscall(SYS_capset, &h, d) == -1)
			fatal("%s: capset", __func__);
	}
	if (syscall(SYS_capget, &h, d) == -1)
		fatal("%s: capget", __func__);
	if (d[0].effective != 0 || d[0].permitted != 0 ||
	    d[1].effective != 0 || d[1].permitted != 0)
		fatalx("%s: capabilities remain", __func__);
}
#endif

static void
limit(int res, rlim_t v, const char *what)
{
	struct rlimit rl;

	rl.rlim_cur = rl.rlim_max = v;
	if (setrlimit(res, &rl) == -1)
		fatal("%s: setrlimit %s", __func__, what);
}

void
proc_sandbox(const struct privdrop *pd, const char *procname)
{
	gid_t gid;

	if (pd->root) {
#if defined(SANITIZER_BUILD)
		log_info("%s: a sanitizer build: no chroot", procname);
#else
		if (chroot(pd->chroot) == -1)
			fatal("%s: chroot %s", procname, pd->chroot);
		if (chdir("/") == -1)
			fatal("%s: chdir /", procname);
#endif
#if defined(__linux__)
		/* Before the uid change, while CAP_SETPCAP is still held. */
		if (pd->have_user)
			for (int cap = 0; cap < 64; cap++)
				(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
#endif
		if (pd->have_user) {
			gid = pd->gid;
			if (setgroups(1, &gid) == -1)
				fatal("%s: setgroups", procname);
			if (setresgid(gid, gid, gid) == -1)
				fatal("%s: setresgid %lu", procname,
				    (unsigned long)gid);
			if (setresuid(pd->uid, pd->uid, pd->uid) == -1)
				fatal("%s: setresuid %lu", procname,
				    (unsigned long)pd->uid);
			/* Make sure there is no way back. */
			if (setuid(0) != -1 || seteuid(0) != -1)
				fatalx("%s: could regain uid 0", procname);
		} else if (setgroups(0, NULL) == -1)
			fatal("%s: setgroups", procname);
	}
	/*
	 * No core dumps (they would hold keys).  RLIMIT_FSIZE stays: a
	 * log file or stderr redirected to a file is written to; the chroot
	 * and the uid keep files from being made.
	 */
	limit(RLIMIT_CORE, 0, "core");
	limit(RLIMIT_NOFILE, 256, "nofile");
#if !defined(SANITIZER_BUILD)
	if (pd->have_user)
		limit(RLIMIT_NPROC, 0, "nproc");
#endif
#if defined(__linux__)
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		fatal("%s: PR_SET_NO_NEW_PRIVS", procname);
	if (pd->root)
		drop_caps(!pd->have_user);
#if !defined(SANITIZER_BUILD)
	/* Not even root can read this process's memory through ptrace. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
#else
	/* The uid change made the process undumpable: LSan ptraces it. */
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#endif
#endif
	log_debug("sandboxed (%s%s%s, uid %lu)",
	    pd->root ? "chroot " : "not root: no chroot",
	    pd->root ? pd->chroot : "",
	    !pd->root || pd->have_user ? "" : ", no unprivileged user",
	    (unsigned long)getuid());
	/* Last: the system call filter (seccomp.c). */
#if defined(SANITIZER_BUILD)
	log_info("%s: a sanitizer build: no system call filter", procname);
#else
	switch (proc_seccomp(procname)) {
	case -1:
		fatal("%s: system call filter", procname);
	case 0:
		log_debug("%s: no system call filter on this system",
		    procname);
		break;
	default:
		log_debug("%s: system call filter in place", procname);
		break;
	}
#endif
}

void
proc_closefrom_except(const int *keep, size_t n)
{
	long max = sysconf(_SC_OPEN_MAX), fd;
	size_t i;
	bool k;

	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++) {
		for (k = false, i = 0; i < n; i++)
			if (keep[i] == fd)
				k = true;
		if (!k)
			(void)close((int)fd);
	}
}
