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
 * The IKE relay's record codec (see ike_relay.h for the format).  Both
 * directions go through one validator, so an encoder never produces what
 * the decoder refuses and a decoded record encodes to the same bytes.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <string.h>

#include "ike_relay.h"

/* Header offsets. */
#define OFF_VERSION	0
#define OFF_FAMILY	1
#define OFF_FLAGS	2
#define OFF_PLEN	4
#define OFF_LPORT	8
#define OFF_RPORT	10
#define OFF_LADDR	12
#define OFF_RADDR	28

static const char *const errtab[] = {
	[-IKE_RELAY_OK] = "success",
	[-IKE_RELAY_ESHORT] = "record shorter than its header",
	[-IKE_RELAY_EVERSION] = "unknown record version",
	[-IKE_RELAY_EFAMILY] = "unknown address family, or two families",
	[-IKE_RELAY_ERESERVED] = "reserved flags or address padding not zero",
	[-IKE_RELAY_ELENGTH] = "payload length does not match the record",
	[-IKE_RELAY_ETOOBIG] = "payload larger than a UDP datagram can carry",
	[-IKE_RELAY_EPORT] = "port 0",
	[-IKE_RELAY_ELOCAL] = "local address not a unicast address",
	[-IKE_RELAY_EREMOTE] = "remote address not a unicast address",
	[-IKE_RELAY_EPAYLOAD] = ("payload neither an IKE message after the "
	    "non-ESP marker nor a NAT-keepalive"),
	[-IKE_RELAY_ENOSPC] = "buffer too small for the record",
};

const char *
ike_relay_strerror(int code)
{
	if (code > 0 || code <= IKE_RELAY_EMAX || errtab[-code] == NULL)
		return ("unknown error");
	return (errtab[-code]);
}

static uint16_t
get16(const uint8_t *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
get32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int
ike_relay_payload(const uint8_t *p, size_t len)
{
	if (len == 1 && p[0] == IKE_RELAY_KEEPALIVE)
		return (IKE_RELAY_NATKA);
	if (len >= IKE_RELAY_MARKER_LEN && get32(p) == 0)
		return (IKE_RELAY_IKE);
	return (IKE_RELAY_EPAYLOAD);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return (false);
	return (true);
}

/*
 * Whether a 16-byte address field of the family may be a peer of IKE:
 * unicast and globally meaningful without a scope.  The unspecified
 * address is refused here; the caller allows it for the local end.
 */
static bool
addr_usable(uint8_t family, const uint8_t *a)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (family == IKE_RELAY_INET) {
		/*
		 * 0/8 "this network" (RFC 1122 3.2.1.3), 224/4 multicast,
		 * 240/4 reserved and the limited broadcast.
		 */
		if (a[0] == 0 || a[0] >= 224)
			return (false);
		return (true);
	}
	if (all_zero(a, 16))
		return (false);
	/* ff00::/8 multicast, fe80::/10 link-local, ::ffff:0:0/96. */
	if (a[0] == 0xff || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		return (false);
	if (memcmp(a, mapped, sizeof(mapped)) == 0)
		return (false);
	return (true);
}

/* The header's fields after version and length, checked. */
static int
check_fields(uint8_t family, uint16_t flags, uint16_t lport, uint16_t rport,
    const uint8_t *laddr, const uint8_t *raddr, size_t plen)
{
	size_t alen;

	if (family != IKE_RELAY_INET && family != IKE_RELAY_INET6)
		return (IKE_RELAY_EFAMILY);
	alen = family == IKE_RELAY_INET ? 4 : 16;
	if (flags != 0 || !all_zero(laddr + alen, 16 - alen) ||
	    !all_zero(raddr + alen, 16 - alen))
		return (IKE_RELAY_ERESERVED);
	if (plen > (family == IKE_RELAY_INET ? IKE_RELAY_MAX4 :
	    IKE_RELAY_MAX6))
		return (IKE_RELAY_ETOOBIG);
	if (lport == 0 || rport == 0)
		return (IKE_RELAY_EPORT);
	if (!all_zero(laddr, alen) && !addr_usable(family, laddr))
		return (IKE_RELAY_ELOCAL);
	if (!addr_usable(family, raddr))
		return (IKE_RELAY_EREMOTE);
	return (IKE_RELAY_OK);
}

int
ike_relay_decode(const void *buf, size_t len, struct ike_relay_rec *rec)
{
	const uint8_t *p = buf;
	uint8_t family;
	uint32_t plen;
	size_t alen;
	int rc;

	memset(rec, 0, sizeof(*rec));
	if (buf == NULL || len < IKE_RELAY_HDRLEN)
		return (IKE_RELAY_ESHORT);
	if (p[OFF_VERSION] != IKE_RELAY_VERSION)
		return (IKE_RELAY_EVERSION);
	family = p[OFF_FAMILY];
	if (family != IKE_RELAY_INET && family != IKE_RELAY_INET6)
		return (IKE_RELAY_EFAMILY);
	plen = get32(p + OFF_PLEN);
	if ((size_t)plen != len - IKE_RELAY_HDRLEN)
		return (IKE_RELAY_ELENGTH);
	if ((rc = check_fields(family, get16(p + OFF_FLAGS),
	    get16(p + OFF_LPORT), get16(p + OFF_RPORT), p + OFF_LADDR,
	    p + OFF_RADDR, plen)) != IKE_RELAY_OK)
		return (rc);
	if (ike_relay_payload(p + IKE_RELAY_HDRLEN, plen) < 0)
		return (IKE_RELAY_EPAYLOAD);

	alen = family == IKE_RELAY_INET ? 4 : 16;
	rec->local.af = rec->remote.af = family == IKE_RELAY_INET ?
	    AF_INET : AF_INET6;
	rec->local.plen = rec->remote.plen = (uint8_t)(alen * 8);
	memcpy(rec->local.a.b, p + OFF_LADDR, alen);
	memcpy(rec->remote.a.b, p + OFF_RADDR, alen);
	rec->local.port = get16(p + OFF_LPORT);
	rec->remote.port = get16(p + OFF_RPORT);
	rec->payload = p + IKE_RELAY_HDRLEN;
	rec->len = plen;
	return (IKE_RELAY_OK);
}

int
ike_relay_encode_hdr(const struct ike_relay_rec *rec, uint8_t *hdr)
{
	uint8_t h[IKE_RELAY_HDRLEN], family;
	size_t alen;
	int rc;

	if (rec->local.af != rec->remote.af)
		return (IKE_RELAY_EFAMILY);
	if (rec->remote.af == AF_INET) {
		family = IKE_RELAY_INET;
		alen = 4;
	} else if (rec->remote.af == AF_INET6) {
		family = IKE_RELAY_INET6;
		alen = 16;
	} else
		return (IKE_RELAY_EFAMILY);
	memset(h, 0, sizeof(h));
	h[OFF_VERSION] = IKE_RELAY_VERSION;
	h[OFF_FAMILY] = family;
	put16(h + OFF_LPORT, rec->local.port);
	put16(h + OFF_RPORT, rec->remote.port);
	memcpy(h + OFF_LADDR, rec->local.a.b, alen);
	memcpy(h + OFF_RADDR, rec->remote.a.b, alen);
	if (rec->len > IKE_RELAY_MAX6)
		return (IKE_RELAY_ETOOBIG);
	put32(h + OFF_PLEN, (uint32_t)rec->len);
	if ((rc = check_fields(family, 0, rec->local.port, rec->remote.port,
	    h + OFF_LADDR, h + OFF_RADDR, rec->len)) != IKE_RELAY_OK)
		return (rc);
	if (rec->payload == NULL ||
	    ike_relay_payload(rec->payload, rec->len) < 0)
		return (IKE_RELAY_EPAYLOAD);
	memcpy(hdr, h, sizeof(h));
	return (IKE_RELAY_OK);
}

long
ike_relay_encode(const struct ike_relay_rec *rec, void *buf, size_t cap)
{
	uint8_t h[IKE_RELAY_HDRLEN], *p = buf;
	int rc;

	if ((rc = ike_relay_encode_hdr(rec, h)) != IKE_RELAY_OK)
		return (rc);
	if (cap < IKE_RELAY_HDRLEN || cap - IKE_RELAY_HDRLEN < rec->len)
		return (IKE_RELAY_ENOSPC);
	/* The payload first: it may overlap buf (memmove). */
	memmove(p + IKE_RELAY_HDRLEN, rec->payload, rec->len);
	memcpy(p, h, sizeof(h));
	return ((long)(IKE_RELAY_HDRLEN + rec->len));
}
