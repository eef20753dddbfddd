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
 * The event loop every process runs: poll(2) over the registered
 * descriptors, timers on the monotonic clock, and signals turned into
 * flags by a self-pipe so that the loop wakes for them.  A descriptor
 * tied to an ipc channel is polled for writing while its channel has
 * records queued, and those are written before its callback runs.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "racoon-ng.h"

#define LOOP_MAXFD	1024

struct loop_fd {
	TAILQ_ENTRY(loop_fd)	 entry;
	int			 fd;
	struct ipc_chan		*chan;
	loop_cb			 cb;
	void			*arg;
	bool			 dead;
};

static TAILQ_HEAD(, loop_fd)	 fds = TAILQ_HEAD_INITIALIZER(fds);
static TAILQ_HEAD(, timer)	 timers = TAILQ_HEAD_INITIALIZER(timers);
static size_t			 nfds;
static uint32_t			 timer_ids;
static int			 sigpipe[2] = { -1, -1 };
static volatile sig_atomic_t	 sigflags[NSIG];

uint64_t
mono_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000);
}

int
loop_add(int fd, struct ipc_chan *chan, loop_cb cb, void *arg)
{
	struct loop_fd *l;

	if (nfds >= LOOP_MAXFD) {
		errno = EMFILE;
		return (-1);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (-1);
	l->fd = fd;
	l->chan = chan;
	l->cb = cb;
	l->arg = arg;
	TAILQ_INSERT_TAIL(&fds, l, entry);
	nfds++;
	return (0);
}

void
loop_del(int fd)
{
	struct loop_fd *l;

	TAILQ_FOREACH(l, &fds, entry)
		if (l->fd == fd && !l->dead) {
			/* Freed by the loop: a callback may be running. */
			l->dead = true;
			return;
		}
}

static void
reap(void)
{
	struct loop_fd *l, *n;

	TAILQ_FOREACH_SAFE(l, &fds, entry, n)
		if (l->dead) {
			TAILQ_REMOVE(&fds, l, entry);
			nfds--;
			free(l);
		}
}

/* ------------------------------------------------------------- timers */

void
timer_init(struct timer *t, timer_cb cb, void *arg, const char *what)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
	t->id = ++timer_ids;
	(void)strlcpy(t->what, what, sizeof(t->what));
}

void
timer_set(struct timer *t, uint64_t ms)
{
	struct timer *o;

	if (t->armed)
		TAILQ_REMOVE(&timers, t, entry);
	t->due = mono_ms() + ms;
	t->created = (uint64_t)time(NULL);
	t->armed = true;
	TAILQ_FOREACH(o, &timers, entry)
		if (o->due > t->due) {
			TAILQ_INSERT_BEFORE(o, t, entry);
			return;
		}
	TAILQ_INSERT_TAIL(&timers, t, entry);
}

void
timer_del(struct timer *t)
{
	if (t->armed)
		TAILQ_REMOVE(&timers, t, entry);
	t->armed = false;
}

bool
timer_pending(const struct timer *t)
{
	return (t->armed);
}

struct timer *
timer_first(void)
{
	return (TAILQ_FIRST(&timers));
}

struct timer *
timer_next(struct timer *t)
{
	return (TAILQ_NEXT(t, entry));
}

static void
run_timers(void)
{
	struct timer *t;
	uint64_t now = mono_ms();

	while ((t = TAILQ_FIRST(&timers)) != NULL && t->due <= now) {
		TAILQ_REMOVE(&timers, t, entry);
		t->armed = false;
		t->cb(t->arg);
	}
}

static int
poll_timeout(void)
{
	struct timer *t;
	uint64_t now;

	if ((t = TAILQ_FIRST(&timers)) == NULL)
		return (-1);
	now = mono_ms();
	if (t->due <= now)
		return (0);
	return (t->due - now > 60000 ? 60000 : (int)(t->due - now));
}

/* ------------------------------------------------------------- signals */

static void
sighandler(int sig)
{
	int saved = errno;
	char c = (char)sig;

	if (sig > 0 && sig < NSIG)
		sigflags[sig] = 1;
	if (sigpipe[1] != -1)
		(void)write(sigpipe[1], &c, 1);
	errno = saved;
}

int
loop_signal(int sig)
{
	struct sigaction sa;
	int i;

	if (sigpipe[0] == -1) {
		if (pipe(sigpipe) == -1)
			return (-1);
		for (i = 0; i < 2; i++)
			if (fcntl(sigpipe[i], F_SETFL, O_NONBLOCK) == -1 ||
			    fcntl(sigpipe[i], F_SETFD, FD_CLOEXEC) == -1)
				return (-1);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sighandler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	return (sigaction(sig, &sa, NULL));
}

bool
loop_sigtake(int sig)
{
	if (sig <= 0 || sig >= NSIG || !sigflags[sig])
		return (false);
	sigflags[sig] = 0;
	return (true);
}

/* --------------------------------------------------------------- loop */

/*
 * One pass: wait for descriptors or the next timer, run what is ready.
 * Returns 0, or -1 when poll(2) failed for another reason than a signal.
 */
int
loop_once(void)
{
	struct pollfd *pfd;
	struct loop_fd *l, **map;
	size_t n = 0, i;
	char drain[64];
	int rc, saved;

	reap();
	pfd = calloc(nfds + 1, sizeof(*pfd));
	map = calloc(nfds + 1, sizeof(*map));
	if (pfd == NULL || map == NULL) {
		free(pfd);
		free(map);
		return (-1);
	}
	if (sigpipe[0] != -1) {
		pfd[n].fd = sigpipe[0];
		pfd[n].events = POLLIN;
		map[n++] = NULL;
	}
	TAILQ_FOREACH(l, &fds, entry) {
		pfd[n].fd = l->fd;
		pfd[n].events = POLLIN;
		if (l->chan != NULL && ipc_chan_pending(l->chan))
			pfd[n].events |= POLLOUT;
		map[n++] = l;
	}
	rc = poll(pfd, n, poll_timeout());
	saved = errno;
	if (rc == -1 && saved != EINTR) {
		free(pfd);
		free(map);
		errno = saved;
		return (-1);
	}
	for (i = 0; rc > 0 && i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if ((l = map[i]) == NULL) {
			while (read(sigpipe[0], drain, sizeof(drain)) > 0)
				;
			continue;
		}
		if (l->dead)
			continue;
		if ((pfd[i].revents & POLLOUT) && l->chan != NULL)
			(void)ipc_flush(l->chan);
		if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
			l->cb(l->fd, pfd[i].revents, l->arg);
	}
	free(pfd);
	free(map);
	run_timers();
	return (0);
}
