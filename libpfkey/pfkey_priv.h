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

/* libpfkey internals: not installed. */

#ifndef PFKEYKIT_PFKEY_PRIV_H
#define PFKEYKIT_PFKEY_PRIV_H

#include <string.h>

#include "compat.h"
#include "pfkey.h"

/* Wire sockaddr layouts of the dialects (pfkey_dialect.c). */
#define PFKEY_LX_AF_INET	2
#define PFKEY_LX_AF_INET6	10
#define PFKEY_FB_AF_INET	2
#define PFKEY_FB_AF_INET6	28
#define PFKEY_SIN_LEN		16	/* sockaddr_in, both dialects */
#define PFKEY_SIN6_LEN		28	/* sockaddr_in6, both dialects */

/* Wire size of a host-family sockaddr in the dialect (0: unsupported). */
size_t	pfkey_d_salen(enum pfkey_dialect, int hostfamily);
/* Write a host sockaddr in the dialect's layout; returns bytes or error. */
int	pfkey_d_sa_write(enum pfkey_dialect, const struct sockaddr *,
	    uint8_t *out, size_t cap);
/*
 * Read a dialect sockaddr from `avail' bytes into a host sockaddr; *used
 * gets the wire size.  PFKEY_ERR_SOCKADDR when it does not fit (or its
 * FreeBSD sa_len is wrong), PFKEY_ERR_FAMILY for an unknown family.
 */
int	pfkey_d_sa_read(enum pfkey_dialect, const uint8_t *in, size_t avail,
	    struct sockaddr_storage *, size_t *used);
/* Address bits of a host family (32, 128; 0 otherwise). */
unsigned pfkey_af_bits(int hostfamily);
/* Highest mode / direction value the dialect knows. */
int	pfkey_d_mode_max(enum pfkey_dialect);
int	pfkey_d_dir_max(enum pfkey_dialect);
/* Wire size of an ipsec request header in the dialect (16 or 8). */
size_t	pfkey_d_isr_len(enum pfkey_dialect);
/* Whether the dialect accepts proto in an ipsec request. */
bool	pfkey_d_isr_proto_ok(enum pfkey_dialect, int proto);

/* Unaligned host-order access to wire bytes. */
static inline uint16_t
rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static inline uint64_t
rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

static inline void
wr16(uint8_t *p, uint16_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
wr32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

static inline void
wr64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Whether a logical extension is a sadb_address (ADDRESS_*, NAT-T OA...). */
bool	pfkey_ext_is_address(int ext);

/* Bit helpers for sets of logical extensions. */
#define PFKEY_EXTBIT(e)		(1u << (e))

/* Transport plug-in interface (pfkey_xport.c does queueing and matching). */
struct pfkey_xport_ops {
	const char		*name;
	enum pfkey_xport_kind	 kind;
	/* Fill *state, *fd, *pid and *dialect; 0 or PFKEY_ERR_*. */
	int	(*open)(const char *path, const struct pfkey_xport_opts *,
		    void **state, int *fd, uint32_t *pid,
		    enum pfkey_dialect *dialect);
	void	(*close)(void *state);
	int	(*send)(void *state, const void *msg, size_t len);
	/*
	 * One message into buf (cap bytes): 0 and *len; PFKEY_ERR_TIMEOUT
	 * when nothing arrives within timeout_ms (< 0: forever);
	 * PFKEY_ERR_TRUNCATED when it did not fit (it is dropped).
	 */
	int	(*recv)(void *state, void *buf, size_t cap, size_t *len,
		    int timeout_ms);
	/*
	 * Optional.  Messages the transport holds ready for recv without
	 * reading its descriptor (poll(2) cannot see them).
	 */
	size_t	(*pending)(void *state);
	/*
	 * Optional.  The kernel's explanation (netlink extended ACK) of the
	 * error carried by the message the last recv returned; NULL if none.
	 */
	const char *(*errmsg)(void *state);
};

extern const struct pfkey_xport_ops pfkey_kernel_ops;
extern const struct pfkey_xport_ops pfkey_user_ops;
extern const struct pfkey_xport_ops pfkey_xfrm_ops;

/* Socket helpers shared by the socket transports (pfkey_kernel.c). */
void	pfkey_sock_bufsizes(int fd, const struct pfkey_xport_opts *);
int	pfkey_sock_send(int fd, const void *msg, size_t len);
int	pfkey_sock_recv(int fd, void *buf, size_t cap, size_t *len,
	    int timeout_ms);

/* Wait for fd to become readable; 0, PFKEY_ERR_TIMEOUT or _SYSTEM. */
int	pfkey_wait_readable(int fd, int timeout_ms);

#endif /* PFKEYKIT_PFKEY_PRIV_H */
