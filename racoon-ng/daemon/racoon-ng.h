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
 * racoon-ng.h: the daemon's private header, grouped by file.  The wire
 * between the processes is in privsep.h, the control protocol in
 * control.h, the framing in ipc.h, the parent's checks in pv.h and the
 * interface to the IKEv1 exchange layer in exchange.h.
 */

#ifndef RACOON_NG_H
#define RACOON_NG_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "compat.h"
#include "pfkey.h"
#include "sadb.h"
#include "ipc.h"
#include "privsep.h"
#include "control.h"
#include "pv.h"

#define RACOON_NG_CONF		"/etc/racoon-ng/racoon-ng.conf"
#define RACOON_NG_PIDFILE	"/var/run/racoon-ng.pid"
#define RACOON_NG_USER		"_racoon"
#define RACOON_NG_EMPTY		"/var/empty"
#define RACOON_NG_PORT		500
#define RACOON_NG_NATT_PORT	4500

/* ------------------------------------------------------------ log.c */

void	log_init(int level, int foreground, const char *file);
void	log_procname(const char *);
void	log_setlevel(int);
/* The -l file's descriptor (-1 if none); a child moves it with setfd. */
int	log_getfd(void);
void	log_setfd(int);
/* Reconnect to syslog (a child after closing its descriptors). */
void	log_reopen(void);
int	log_getlevel(void);
/* PI_LOG_LEVEL / PC_LOG_LEVEL from the parent: u32 level (0-2). */
void	log_setlevel_msg(const struct ipc_msg *);
void	log_warn(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_debug2(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__dead void fatal(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
__dead void fatalx(const char *, ...)
	    __attribute__((__format__(printf, 1, 2)));
/* "192.0.2.1[500]" (the port when not 0). */
const char *log_addr(const struct sad_addr *, char *, size_t);

/* ----------------------------------------------------------- loop.c */

typedef void (*loop_cb)(int fd, short revents, void *arg);
typedef void (*timer_cb)(void *arg);

struct timer {
	TAILQ_ENTRY(timer)	 entry;
	uint64_t		 due;		/* mono_ms() */
	uint64_t		 created;	/* time(3) */
	uint32_t		 id;
	bool			 armed;
	timer_cb		 cb;
	void			*arg;
	char			 what[48];	/* for show-schedule */
};

uint64_t mono_ms(void);
/* Watch `fd' for reading; with `chan', also write its queue. */
int	loop_add(int fd, struct ipc_chan *chan, loop_cb, void *arg);
void	loop_del(int fd);
int	loop_once(void);
/* Catch a signal; loop_sigtake() says (once) whether it came. */
int	loop_signal(int sig);
bool	loop_sigtake(int sig);
void	timer_init(struct timer *, timer_cb, void *arg, const char *what);
void	timer_set(struct timer *, uint64_t ms);
void	timer_del(struct timer *);
bool	timer_pending(const struct timer *);
/* The armed timers in due order (show-schedule). */
struct timer *timer_first(void);
struct timer *timer_next(struct timer *);

/* --------------------------------------------------------- config.c */

/* Where the daemon listens. */
struct rc_listen {
	struct sad_addr	 addr;		/* port set */
	uint8_t		 role;		/* PS_ROLE_IKE / PS_ROLE_NATT */
};

/* What the command line says, overriding the file. */
struct rc_opts {
	const char	*file;		/* -f */
	bool		 only4;		/* -4 */
	bool		 only6;		/* -6 */
	uint16_t	 port;		/* -p (0: the file's, else 500) */
	uint16_t	 natt_port;	/* -P (0: the file's, else 4500) */
};

/*
 * A loaded configuration: the parsed tree (libike's struct conf), its
 * canonical text (conf_print(), which the children parse), and what the
 * parent itself uses.
 */
struct rcn_config;

struct rconf {
	struct rcn_config	*conf;
	char			*text;
	size_t			 textlen;
	uint32_t		 generation;
	struct rc_listen	*listens;
	size_t			 nlistens;
	bool			 wildcard;	/* no listen addresses given */
	bool			 strict;	/* strict_address */
	uint16_t		 port;
	uint16_t		 natt_port;
	bool			 natt;		/* some remote uses NAT-T */
	char			 adminsock[PATH_MAX];	/* "" = disabled */
	uid_t			 admin_uid;
	gid_t			 admin_gid;
	mode_t			 admin_mode;
	char			 psk_path[PATH_MAX];	/* "" = none */
	char			 pidfile[PATH_MAX];
	char			 user[64];	/* privsep */
	char			 group[64];
	char			 chroot[PATH_MAX];
	int			 loglevel;	/* 0, 1 (debug), 2 (debug2) */
	char			 transport[PATH_MAX + 8];	/* "" = auto */
	struct pv_rules		 rules;
};

/*
 * Load and check a configuration file: 0, or -1 with the reason (the
 * parser's "file:line: message" lines) in err.
 */
int	rc_load(const struct rc_opts *, struct rconf *, char *err,
	    size_t errsz);
/* Parse the canonical text in a child (no file access). */
int	rc_parse_text(const char *text, size_t len, struct rcn_config **,
	    char *err, size_t errsz);
void	rc_conf_free(struct rcn_config *);
void	rc_free(struct rconf *);
/* Print what was parsed (-t) to `fp'. */
int	rc_print(const struct rconf *, FILE *fp);

/* ------------------------------------------------------------ sock.c */

/*
 * The parent's sockets: UDP on the IKE and NAT-T ports of every listen
 * address (or the wildcard with per-packet addresses), with per-socket
 * IPsec bypass and, on the NAT-T port, ESP-in-UDP decapsulation when the
 * transport is a kernel's; or sadbd's IKE relay instead of a NAT-T socket.
 */
struct psock {
	TAILQ_ENTRY(psock)	 entry;
	uint32_t		 id;
	int			 fd;
	uint8_t			 kind;		/* PS_SOCK_* */
	uint8_t			 role;		/* PS_ROLE_* */
	uint8_t			 flags;		/* PS_SOCKF_* */
	struct sad_addr		 local;
};
TAILQ_HEAD(psockq, psock);

/*
 * Open a UDP socket for `l'; NULL with the reason in err (and errno of
 * the failing call kept, so EADDRNOTAVAIL can be told apart).
 */
struct psock *sock_open_udp(const struct rc_listen *l,
	    enum pfkey_xport_kind kernel, char *err, size_t errsz);
/* Connect to sadbd's IKE relay socket at `path'. */
struct psock *sock_open_relay(const char *path, uint16_t natt_port,
	    char *err, size_t errsz);
void	sock_close(struct psock *);
/* Whether two sockets are the same binding (reload keeps those). */
bool	sock_same(const struct psock *, const struct rc_listen *);

/* ---------------------------------------------------------- kernel.c */

/* What the parent's PF_KEY glue reports (handled in racoon-ng.c). */
struct kern_acquire {
	uint32_t	 seq;
	uint8_t		 satype;
	struct sad_addr	 src;
	struct sad_addr	 dst;
	uint32_t	 spid;
	uint8_t		 dir;
	struct sad_addr	 sel_src;
	struct sad_addr	 sel_dst;
	uint8_t		 ulproto;
	uint32_t	 reqid;
	uint8_t		 mode;
	uint8_t		 level;
};

/*
 * Open the transport: -B (or the environment's PFKEYKIT_BACKEND, or the
 * default: PF_KEY, else XFRM on Linux).  Registers for ESP and AH and
 * mirrors the SPD.  0, or -1 with a sentence in err.
 */
int	kern_open(const char *spec, char *err, size_t errsz);
void	kern_close(void);
/* What the open transport cannot carry in cfg: 0, or EINVAL with why. */
struct rcn_config;
int	kern_conf_check(const struct rcn_config *cfg, char *why,
	    size_t whysz);
int	kern_fd(void);
enum pfkey_xport_kind kern_kind(void);
enum pfkey_dialect kern_dialect(void);
const char *kern_name(void);
const struct spd *kern_spd(void);
/* Handle what the kernel sent (and what requests queued). */
void	kern_dispatch(void);
bool	kern_pending(void);

/* Requests; each returns 0 or an errno value, with `why' filled. */
int	kern_getspi(uint8_t satype, const struct sad_addr *src,
	    const struct sad_addr *dst, uint32_t min, uint32_t max,
	    uint32_t reqid, uint32_t *spi, char *why, size_t whysz);
int	kern_sa_add(const struct sad_entry *, bool update, char *why,
	    size_t whysz);
int	kern_sa_delete(uint8_t satype, uint32_t spi,
	    const struct sad_addr *src, const struct sad_addr *dst,
	    char *why, size_t whysz);
/* Delete every SA of satype (0: ESP and AH) between two hosts, both
 * directions; *count of deleted.  With `tell_ike', the ike process hears
 * of each (PI_SA_GONE: it deletes the pair and tells the peer), as for an
 * SA deleted by someone else. */
int	kern_delete_between(uint8_t satype, const struct sad_addr *a,
	    const struct sad_addr *b, bool tell_ike, uint32_t *count,
	    char *why, size_t whysz);
int	kern_spd_add(const struct spd_entry *, bool update, char *why,
	    size_t whysz);
int	kern_spd_delete(const struct spd_entry *, char *why, size_t whysz);
int	kern_flush(uint8_t satype, char *why, size_t whysz);
/* Tell the kernel an ACQUIRE failed (RFC 2367 3.1.6). */
void	kern_acquire_fail(uint32_t seq, uint8_t satype, int error);
/*
 * Dump the SAs of satype; `cb' gets each DUMP message with its keys
 * removed.  0, ENOENT for none, or an errno value.
 */
typedef void (*kern_dump_cb)(const void *msg, size_t len, void *arg);
int	kern_dump(uint8_t satype, kern_dump_cb, void *arg, char *why,
	    size_t whysz);
/* Remove KEY_AUTH / KEY_ENCRYPT from a message; the new length or 0. */
size_t	kern_strip_keys(const void *msg, size_t len, enum pfkey_dialect,
	    void *out, size_t outsz);

/* --------------------------------------------------- racoon-ng.c (parent) */

/* Called by kernel.c. */
void	parent_acquire(const struct kern_acquire *);
void	parent_expire(uint8_t satype, uint32_t spi, const struct sad_addr *src,
	    const struct sad_addr *dst, bool hard, uint64_t bytes,
	    uint64_t addtime);
/* PI_SA_GONE: an SA the ike process did not delete is gone. */
void	parent_sa_gone(uint8_t satype, uint32_t spi,
	    const struct sad_addr *src, const struct sad_addr *dst);
void	parent_sa_event(int type, uint8_t satype, uint32_t spi,
	    const struct sad_addr *src, const struct sad_addr *dst,
	    bool ours);
/* A child or the transport is gone: clean up and exit 1. */
void	parent_lost(const char *what);
/* Called by control.c. */
int	parent_reload(uint32_t client, char *why, size_t whysz);
int	parent_ctl_to_ike(uint32_t client, uint16_t what,
	    const struct ipc_wr *args);

/* -------------------------------------------------------- control.c */

int	control_init(const struct rconf *, char *err, size_t errsz);
/* Start accepting (after the fork: the children never see the socket). */
int	control_listen(void);
void	control_close(void);
/* The socket's path ("" when none). */
const char *control_path(void);
/* Free what closed clients left. */
void	control_reap(void);
/* Send an event to every show-event client. */
void	control_event(uint16_t type, const struct sad_addr *local,
	    const struct sad_addr *remote, uint8_t satype, uint32_t spi,
	    const char *text);
/* Answers coming back from the ike process or a reload. */
void	control_ike_data(uint32_t client, struct ipc_rd *);
void	control_end(uint32_t client, int error, const char *why);

/* ----------------------------------------------------------- proc.c */

/* Who the children run as and where. */
struct privdrop {
	bool		 root;		/* the parent runs as root */
	bool		 have_user;
	uid_t		 uid;
	gid_t		 gid;
	char		 user[64];
	char		 chroot[PATH_MAX];
};

/* Resolve the user (configured, else _racoon, else nobody) and the
 * chroot directory (configured, else /var/empty, else none). */
int	proc_privdrop_setup(const struct rconf *, struct privdrop *,
	    char *err, size_t errsz);
/*
 * In a child: chroot, drop groups and ids, set rlimits, forbid new
 * privileges and drop capabilities (Linux).  Fatal when anything that
 * should work fails.
 */
void	proc_sandbox(const struct privdrop *, const char *procname);
/* seccomp.c: 1 filter installed, 0 none on this system, -1 failed. */
int	proc_seccomp(const char *procname);
/* Close every descriptor but the ones listed (-1 ends the list). */
void	proc_closefrom_except(const int *keep, size_t n);

/* ------------------------------------------------------------ ike.c */

/* The ike process: never returns. */
__dead void ike_main(int parentfd, int cafd, const struct privdrop *,
	    const char *conftext, size_t conflen);

/* ------------------------------------------------------------- ca.c */

__dead void ca_main(int parentfd, int ikefd, const struct privdrop *);

#endif /* RACOON_NG_H */
