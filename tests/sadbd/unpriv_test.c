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
 * Peer credentials: a client run as nobody (setpriv(1), util-linux) is
 * refused changes with EPERM and never sees keys; as a member of the
 * socket's group (-g) it may do everything.  Needs root to switch users.
 */

#include <grp.h>
#include <pwd.h>

#include "sadbd_test.h"

static const char *
find_setpriv(void)
{
	static const char *const paths[] = { "/usr/bin/setpriv",
	    "/bin/setpriv", "/usr/sbin/setpriv", NULL };
	int i;

	for (i = 0; paths[i] != NULL; i++)
		if (access(paths[i], X_OK) == 0)
			return (paths[i]);
	return (NULL);
}

static const char *
prereq(void)
{
	const char *sp;

	if (getuid() != 0)
		atf_tc_skip("switching to nobody needs root (running as uid "
		    "%d)", (int)getuid());
	if ((sp = find_setpriv()) == NULL)
		atf_tc_skip("setpriv(1) (util-linux) is not installed");
	if (getpwnam("nobody") == NULL || getgrnam("nogroup") == NULL)
		atf_tc_skip("no user nobody / group nogroup");
	return (sp);
}

/* A directory nobody can reach (the work directory may be 0700). */
static void
pubdir(char *dir, size_t sz)
{
	strlcpy(dir, "/tmp/sadbd-unpriv.XXXXXX", sz);
	ATF_REQUIRE(mkdtemp(dir) != NULL);
	ATF_REQUIRE(chmod(dir, 0755) == 0);
}

static void
rmdir_r(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	(void)system(cmd);
}

/* Run unpriv_helper as nobody; returns its exit status. */
static int
run_as_nobody(const atf_tc_t *tc, const char *setpriv, const char *sock,
    const char *mode, uint32_t spi)
{
	char client[PATH_MAX], spis[32], out[PATH_MAX];
	const char *argv[12];
	pid_t pid;
	int status, fd;

	snprintf(client, sizeof(client), "%s/unpriv_helper",
	    atf_tc_get_config_var(tc, "srcdir"));
	ATF_REQUIRE_MSG(access(client, X_OK) == 0, "no %s", client);
	snprintf(spis, sizeof(spis), "%#x", spi);
	argv[0] = setpriv;
	argv[1] = "--reuid=nobody";
	argv[2] = "--regid=nogroup";
	argv[3] = "--clear-groups";
	argv[4] = client;
	argv[5] = sock;
	argv[6] = mode;
	argv[7] = spis;
	argv[8] = NULL;
	ATF_REQUIRE(getcwd(out, sizeof(out)) != NULL);
	strlcat(out, "/client.out", sizeof(out));
	pid = fork();
	ATF_REQUIRE(pid != -1);
	if (pid == 0) {
		if ((fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644)) !=
		    -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execv(argv[0], (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	{
		FILE *f = fopen(out, "r");
		char line[256];

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			printf("client: %s", line);
		if (f != NULL)
			fclose(f);
	}
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128);
}

ATF_TC(nobody_refused);
ATF_TC_HEAD(nobody_refused, tc)
{
	atf_tc_set_md_var(tc, "descr", "a client running as nobody gets "
	    "EPERM for changes and no keys in GET and DUMP");
}
ATF_TC_BODY(nobody_refused, tc)
{
	struct td d;
	struct pfkey_xport *x;
	struct tmsg *t = tm_new();
	struct stat st;
	const char *setpriv = prereq();
	char dir[PATH_MAX];

	pubdir(dir, sizeof(dir));
	td_start_in(tc, &d, dir, NULL);
	/* 0660 by default; opened up so that nobody may connect at all. */
	ATF_REQUIRE(stat(d.sock, &st) == 0);
	ATF_CHECK_EQ(st.st_mode & 0777, 0660);
	ATF_CHECK_EQ(st.st_gid, getegid());
	ATF_REQUIRE(chmod(d.sock, 0666) == 0);

	x = td_open(&d);
	ATF_REQUIRE_EQ(td_add(x, t, 0x4444, "10.77.0.1", "10.77.0.2"), 0);
	ATF_CHECK_EQ(run_as_nobody(tc, setpriv, d.sock, "unpriv", 0x4444),
	    0);
	/* Nothing nobody tried got through. */
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x7001, "10.77.0.1",
	    "10.77.0.3"), ESRCH);
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x4444, "10.77.0.1",
	    "10.77.0.2"), 0);
	pfkey_xport_close(x);
	td_stop(&d);
	rmdir_r(dir);
	free(t);
}

ATF_TC(group_member);
ATF_TC_HEAD(group_member, tc)
{
	atf_tc_set_md_var(tc, "descr", "with -g nogroup the socket is "
	    "group nogroup, mode 0660, and nobody may change and see keys");
}
ATF_TC_BODY(group_member, tc)
{
	struct td d;
	struct pfkey_xport *x;
	struct tmsg *t = tm_new();
	struct stat st;
	struct group *gr;
	const char *setpriv = prereq();
	const char *extra[] = { "-g", "nogroup", NULL };
	char dir[PATH_MAX];

	pubdir(dir, sizeof(dir));
	td_start_in(tc, &d, dir, extra);
	ATF_REQUIRE((gr = getgrnam("nogroup")) != NULL);
	ATF_REQUIRE(stat(d.sock, &st) == 0);
	ATF_CHECK_EQ(st.st_mode & 0777, 0660);
	ATF_CHECK_EQ(st.st_gid, gr->gr_gid);

	x = td_open(&d);
	ATF_REQUIRE_EQ(td_add(x, t, 0x4445, "10.77.0.1", "10.77.0.2"), 0);
	/* No chmod: group access is what lets nobody in. */
	ATF_CHECK_EQ(run_as_nobody(tc, setpriv, d.sock, "group", 0x4445), 0);
	ATF_CHECK_EQ(td_sareq(x, t, PFKEY_MSG_GET, 0x7001, "10.77.0.1",
	    "10.77.0.3"), 0);
	pfkey_xport_close(x);
	td_stop(&d);
	rmdir_r(dir);
	free(t);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, nobody_refused);
	ATF_TP_ADD_TC(tp, group_member);
	return (atf_no_error());
}
