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
 * Dialect facts: extension numbering, limits and sockaddr layouts of the
 * Linux and FreeBSD PF_KEY v2 dialects.  The numbers come from the public
 * headers (Linux include/uapi/linux/pfkeyv2.h, FreeBSD sys/net/pfkeyv2.h)
 * as DESIGN.md section 3 lists them.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>
#include <strings.h>

#include "pfkey_priv.h"

struct dialect {
	const char	*name;
	int		 msg_max;
	int		 ext_max;
	int		 satype_mask;	/* bit per known SA type */
	int		 mode_max;
	int		 dir_max;
	size_t		 isr_len;
	/* wire number per logical extension; 0 = none */
	uint8_t		 ext_wire[PFKEY_EXT_COUNT];
};

#define SATYPES_COMMON	((1 << PFKEY_SATYPE_UNSPEC) | (1 << PFKEY_SATYPE_AH) | \
	(1 << PFKEY_SATYPE_ESP) | (1 << PFKEY_SATYPE_RSVP) | \
	(1 << PFKEY_SATYPE_OSPFV2) | (1 << PFKEY_SATYPE_RIPV2) | \
	(1 << PFKEY_SATYPE_MIP) | (1 << PFKEY_SATYPE_IPCOMP))

#define COMMON_EXT_WIRE \
	[PFKEY_EXT_SA] = 1, [PFKEY_EXT_LIFETIME_CURRENT] = 2, \
	[PFKEY_EXT_LIFETIME_HARD] = 3, [PFKEY_EXT_LIFETIME_SOFT] = 4, \
	[PFKEY_EXT_ADDRESS_SRC] = 5, [PFKEY_EXT_ADDRESS_DST] = 6, \
	[PFKEY_EXT_ADDRESS_PROXY] = 7, [PFKEY_EXT_KEY_AUTH] = 8, \
	[PFKEY_EXT_KEY_ENCRYPT] = 9, [PFKEY_EXT_IDENTITY_SRC] = 10, \
	[PFKEY_EXT_IDENTITY_DST] = 11, [PFKEY_EXT_SENSITIVITY] = 12, \
	[PFKEY_EXT_PROPOSAL] = 13, [PFKEY_EXT_SUPPORTED_AUTH] = 14, \
	[PFKEY_EXT_SUPPORTED_ENCRYPT] = 15, [PFKEY_EXT_SPIRANGE] = 16, \
	[PFKEY_EXT_X_KMPRIVATE] = 17, [PFKEY_EXT_X_POLICY] = 18, \
	[PFKEY_EXT_X_SA2] = 19, [PFKEY_EXT_X_NAT_T_TYPE] = 20, \
	[PFKEY_EXT_X_NAT_T_SPORT] = 21, [PFKEY_EXT_X_NAT_T_DPORT] = 22

static const struct dialect dialects[] = {
	[PFKEY_DIALECT_LINUX] = {
		.name = "linux",
		.msg_max = PFKEY_MSG_X_MIGRATE,			/* 24 */
		.ext_max = 27,
		.satype_mask = SATYPES_COMMON,
		.mode_max = PFKEY_MODE_IPTFS,
		.dir_max = PFKEY_DIR_FWD,
		.isr_len = sizeof(struct pfkey_x_ipsecrequest_linux),
		.ext_wire = {
			COMMON_EXT_WIRE,
			[PFKEY_EXT_X_NAT_T_OA] = 23,
			[PFKEY_EXT_X_SEC_CTX] = 24,
			[PFKEY_EXT_X_KMADDRESS] = 25,
			[PFKEY_EXT_X_FILTER] = 26,
			/*
			 * Not in Linux's header: pfkeykit's xfrm and sadbd
			 * transports carry replay windows beyond 255
			 * packets in FreeBSD's X_SA_REPLAY layout.
			 */
			[PFKEY_EXT_X_SA_REPLAY] = 27,
		},
	},
	[PFKEY_DIALECT_FREEBSD] = {
		.name = "freebsd",
		.msg_max = PFKEY_MSG_X_SPDDELETE2,		/* 22 */
		.ext_max = 28,
		.satype_mask = SATYPES_COMMON |
		    (1 << PFKEY_SATYPE_TCPSIGNATURE),
		.mode_max = PFKEY_MODE_TUNNEL,
		.dir_max = PFKEY_DIR_OUTBOUND,
		.isr_len = sizeof(struct pfkey_x_ipsecrequest_freebsd),
		.ext_wire = {
			COMMON_EXT_WIRE,
			[PFKEY_EXT_X_NAT_T_OA] = 23,
			[PFKEY_EXT_X_NAT_T_OAR] = 24,
			[PFKEY_EXT_X_NAT_T_FRAG] = 25,
			[PFKEY_EXT_X_SA_REPLAY] = 26,
			[PFKEY_EXT_X_NEW_ADDRESS_SRC] = 27,
			[PFKEY_EXT_X_NEW_ADDRESS_DST] = 28,
		},
	},
};

enum pfkey_dialect
pfkey_host_dialect(void)
{
#if defined(__linux__)
	return (PFKEY_DIALECT_LINUX);
#else
	return (PFKEY_DIALECT_FREEBSD);
#endif
}

enum pfkey_dialect
pfkey_dialect_resolve(enum pfkey_dialect d)
{
	if (d == PFKEY_DIALECT_LINUX || d == PFKEY_DIALECT_FREEBSD)
		return (d);
	return (pfkey_host_dialect());
}

static const struct dialect *
dialect(enum pfkey_dialect d)
{
	return (&dialects[pfkey_dialect_resolve(d)]);
}

const char *
pfkey_dialect_name(enum pfkey_dialect d)
{
	return (dialect(d)->name);
}

int
pfkey_dialect_parse(const char *s, enum pfkey_dialect *d)
{
	if (strcasecmp(s, "linux") == 0)
		*d = PFKEY_DIALECT_LINUX;
	else if (strcasecmp(s, "freebsd") == 0)
		*d = PFKEY_DIALECT_FREEBSD;
	else if (strcasecmp(s, "host") == 0)
		*d = pfkey_host_dialect();
	else
		return (PFKEY_ERR_NOENT);
	return (0);
}

int
pfkey_ext_to_wire(enum pfkey_dialect d, int logical)
{
	if (logical <= 0 || logical >= PFKEY_EXT_COUNT)
		return (-1);
	if (dialect(d)->ext_wire[logical] == 0)
		return (-1);
	return (dialect(d)->ext_wire[logical]);
}

int
pfkey_ext_from_wire(enum pfkey_dialect d, int wire)
{
	const struct dialect *dl = dialect(d);
	int i;

	if (wire <= 0 || wire > dl->ext_max)
		return (-1);
	if (wire <= PFKEY_EXT_X_NAT_T_DPORT)
		return (wire);
	for (i = PFKEY_EXT_X_NAT_T_OA; i < PFKEY_EXT_COUNT; i++)
		if (dl->ext_wire[i] == wire)
			return (i);
	return (-1);
}

int
pfkey_msg_max(enum pfkey_dialect d)
{
	return (dialect(d)->msg_max);
}

int
pfkey_ext_max(enum pfkey_dialect d)
{
	return (dialect(d)->ext_max);
}

bool
pfkey_satype_valid(enum pfkey_dialect d, int satype)
{
	if (satype < 0 || satype > 15)
		return (false);
	return ((dialect(d)->satype_mask & (1 << satype)) != 0);
}

int
pfkey_d_mode_max(enum pfkey_dialect d)
{
	return (dialect(d)->mode_max);
}

int
pfkey_d_dir_max(enum pfkey_dialect d)
{
	return (dialect(d)->dir_max);
}

size_t
pfkey_d_isr_len(enum pfkey_dialect d)
{
	return (dialect(d)->isr_len);
}

bool
pfkey_d_isr_proto_ok(enum pfkey_dialect d, int proto)
{
	switch (proto) {
	case PFKEY_IPPROTO_ESP:
	case PFKEY_IPPROTO_AH:
	case PFKEY_IPPROTO_IPCOMP:
		return (true);
	case PFKEY_IPPROTO_TCP:	/* TCP-MD5 policies: FreeBSD only */
		return (pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD);
	default:
		return (false);
	}
}

unsigned
pfkey_af_bits(int family)
{
	switch (family) {
	case AF_INET:
		return (32);
	case AF_INET6:
		return (128);
	default:
		return (0);
	}
}

size_t
pfkey_sockaddr_len(int family)
{
	switch (family) {
	case AF_INET:
		return (sizeof(struct sockaddr_in));
	case AF_INET6:
		return (sizeof(struct sockaddr_in6));
	default:
		return (0);
	}
}

size_t
pfkey_d_salen(enum pfkey_dialect d, int family)
{
	(void)d;	/* equal in both dialects */
	switch (family) {
	case AF_INET:
		return (PFKEY_SIN_LEN);
	case AF_INET6:
		return (PFKEY_SIN6_LEN);
	default:
		return (0);
	}
}

/*
 * Wire layouts.  Linux: u16 family (host order), then the family's fields.
 * FreeBSD (BSD 4.4): u8 sa_len, u8 family, then the same fields.  Both:
 * sockaddr_in = family, port, addr[4], zero[8] (16 bytes); sockaddr_in6 =
 * family, port, flowinfo[4], addr[16], scope_id[4] (28 bytes).  Ports and
 * addresses are in network order, flowinfo and scope_id as the host has them.
 */
int
pfkey_d_sa_write(enum pfkey_dialect d, const struct sockaddr *sa,
    uint8_t *out, size_t cap)
{
	size_t len = pfkey_d_salen(d, sa->sa_family);
	bool fb = pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD;
	uint16_t fam16;

	if (len == 0)
		return (PFKEY_ERR_FAMILY);
	if (cap < len)
		return (PFKEY_ERR_NOSPACE);
	memset(out, 0, len);
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		memcpy(out + 2, &sin->sin_port, 2);
		memcpy(out + 4, &sin->sin_addr, 4);
		if (fb) {
			out[0] = PFKEY_SIN_LEN;
			out[1] = PFKEY_FB_AF_INET;
		} else {
			fam16 = PFKEY_LX_AF_INET;
			memcpy(out, &fam16, 2);
		}
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		memcpy(out + 2, &sin6->sin6_port, 2);
		memcpy(out + 4, &sin6->sin6_flowinfo, 4);
		memcpy(out + 8, &sin6->sin6_addr, 16);
		memcpy(out + 24, &sin6->sin6_scope_id, 4);
		if (fb) {
			out[0] = PFKEY_SIN6_LEN;
			out[1] = PFKEY_FB_AF_INET6;
		} else {
			fam16 = PFKEY_LX_AF_INET6;
			memcpy(out, &fam16, 2);
		}
	}
	return ((int)len);
}

int
pfkey_d_sa_read(enum pfkey_dialect d, const uint8_t *in, size_t avail,
    struct sockaddr_storage *ss, size_t *used)
{
	bool fb = pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD;
	int family;
	size_t len;
	uint16_t fam16;

	if (avail < 2)
		return (PFKEY_ERR_SOCKADDR);
	if (fb) {
		switch (in[1]) {
		case PFKEY_FB_AF_INET:
			family = AF_INET;
			break;
		case PFKEY_FB_AF_INET6:
			family = AF_INET6;
			break;
		default:
			return (PFKEY_ERR_FAMILY);
		}
	} else {
		memcpy(&fam16, in, 2);
		switch (fam16) {
		case PFKEY_LX_AF_INET:
			family = AF_INET;
			break;
		case PFKEY_LX_AF_INET6:
			family = AF_INET6;
			break;
		default:
			return (PFKEY_ERR_FAMILY);
		}
	}
	len = pfkey_d_salen(d, family);
	if (avail < len)
		return (PFKEY_ERR_SOCKADDR);
	/* A BSD sockaddr carries its own length; it must be the real one. */
	if (fb && in[0] != len)
		return (PFKEY_ERR_SOCKADDR);
	if (ss != NULL) {
		memset(ss, 0, sizeof(*ss));
		if (family == AF_INET) {
			struct sockaddr_in *sin = (void *)ss;

			sin->sin_family = AF_INET;
			memcpy(&sin->sin_port, in + 2, 2);
			memcpy(&sin->sin_addr, in + 4, 4);
		} else {
			struct sockaddr_in6 *sin6 = (void *)ss;

			sin6->sin6_family = AF_INET6;
			memcpy(&sin6->sin6_port, in + 2, 2);
			memcpy(&sin6->sin6_flowinfo, in + 4, 4);
			memcpy(&sin6->sin6_addr, in + 8, 16);
			memcpy(&sin6->sin6_scope_id, in + 24, 4);
		}
#if defined(__FreeBSD__) || defined(__NetBSD__) || defined(__APPLE__)
		ss->ss_len = (uint8_t)pfkey_sockaddr_len(family);
#endif
	}
	if (used != NULL)
		*used = len;
	return (0);
}

bool
pfkey_ext_is_address(int ext)
{
	switch (ext) {
	case PFKEY_EXT_ADDRESS_SRC:
	case PFKEY_EXT_ADDRESS_DST:
	case PFKEY_EXT_ADDRESS_PROXY:
	case PFKEY_EXT_X_NAT_T_OA:
	case PFKEY_EXT_X_NAT_T_OAR:
	case PFKEY_EXT_X_NEW_ADDRESS_SRC:
	case PFKEY_EXT_X_NEW_ADDRESS_DST:
		return (true);
	default:
		return (false);
	}
}
