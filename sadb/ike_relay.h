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
 * The IKE relay's record: one UDP datagram of IKE carried between sadbd's
 * data plane, which owns the NAT-T port (RFC 3948), and an IKE daemon
 * connected to sadbd's relay socket (sadbd -K, a SOCK_SEQPACKET socket:
 * one record per socket record).  Both directions use the same record.
 *
 * Wire format (every number in network byte order):
 *
 *   offset  size  field
 *        0     1  version: IKE_RELAY_VERSION
 *        1     1  family: IKE_RELAY_INET (4) or IKE_RELAY_INET6 (6)
 *        2     2  flags: 0 (reserved)
 *        4     4  payload length: the bytes after the header, exactly
 *        8     2  local port
 *       10     2  remote port
 *       12    16  local address (IPv4: 4 bytes, then 12 zero bytes)
 *       28    16  remote address (likewise)
 *       44     -  payload
 *
 * From sadbd: a datagram that arrived on the data plane's port, "local"
 * being the address and port it was sent to and "remote" the sender.
 * To sadbd: a datagram to send from the data plane's port, from the local
 * address (the unspecified address: the one the routing picks) to the
 * remote one.
 *
 * The payload is the UDP payload exactly as an IKE daemon reads it from a
 * port-4500 socket of its own: an IKE message after the four-byte non-ESP
 * marker (RFC 3948 section 2.2), the marker included; or, towards sadbd
 * only in practice, a NAT-keepalive (RFC 3948 section 2.3: the one byte
 * 0xff).  Nothing else is a valid payload: ESP never crosses the relay.
 *
 * Decoding is strict: the length comes from the caller, every field is
 * checked, reserved bits and address padding must be zero, and encoding a
 * decoded record gives the very same bytes.  Functions return 0 (or a
 * length) or a negative IKE_RELAY_E* code (ike_relay_strerror()).
 */

#ifndef PFKEYKIT_IKE_RELAY_H
#define PFKEYKIT_IKE_RELAY_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "sadb.h"

#define IKE_RELAY_VERSION	1
#define IKE_RELAY_HDRLEN	44

/* The family byte (not AF_*, whose values differ between systems). */
#define IKE_RELAY_INET		4
#define IKE_RELAY_INET6		6

/*
 * The largest UDP payload of the family: 65535 less the IPv4 header (20)
 * and the UDP header (8); for IPv6 the payload length field counts no IP
 * header (65535 - 8).  A record is at most IKE_RELAY_HDRLEN + that.
 */
#define IKE_RELAY_MAX4		65507
#define IKE_RELAY_MAX6		65527
#define IKE_RELAY_MAXREC	(IKE_RELAY_HDRLEN + IKE_RELAY_MAX6)

/* RFC 3948: the non-ESP marker and the NAT-keepalive. */
#define IKE_RELAY_MARKER_LEN	4
#define IKE_RELAY_KEEPALIVE	0xff

/* What a payload is (ike_relay_payload()). */
#define IKE_RELAY_IKE		1	/* non-ESP marker, then IKE */
#define IKE_RELAY_NATKA		2	/* a NAT-keepalive */

#define IKE_RELAY_OK		  0
#define IKE_RELAY_ESHORT	 -1	/* shorter than the header */
#define IKE_RELAY_EVERSION	 -2	/* unknown version */
#define IKE_RELAY_EFAMILY	 -3	/* unknown family, or two families */
#define IKE_RELAY_ERESERVED	 -4	/* flags or address padding not 0 */
#define IKE_RELAY_ELENGTH	 -5	/* payload length != what follows */
#define IKE_RELAY_ETOOBIG	 -6	/* more than a datagram can carry */
#define IKE_RELAY_EPORT		 -7	/* port 0 */
#define IKE_RELAY_ELOCAL	 -8	/* local address not unicast */
#define IKE_RELAY_EREMOTE	 -9	/* remote address not unicast */
#define IKE_RELAY_EPAYLOAD	-10	/* neither IKE nor a keepalive */
#define IKE_RELAY_ENOSPC	-11	/* encode: the buffer is too small */
#define IKE_RELAY_EMAX		-12

/*
 * A record.  Addresses carry their port in sad_addr.port (host order);
 * af is AF_INET or AF_INET6, plen the full length, scope 0.  `payload'
 * points into the decoded buffer (decode) or the caller's data (encode).
 */
struct ike_relay_rec {
	struct sad_addr	 local;
	struct sad_addr	 remote;
	const uint8_t	*payload;
	size_t		 len;
};

/*
 * Decode the record of `len' bytes at `buf' (the whole socket record).
 * Refused: anything shorter than the header; another version or family;
 * flags or IPv4 address padding not zero; a payload length other than
 * len - IKE_RELAY_HDRLEN or beyond the family's maximum; a port 0; a
 * remote address that is unspecified, multicast, broadcast, IPv4 0/8 or
 * 240/4, IPv6 link-local (no scope travels) or IPv4-mapped; a local
 * address of those kinds other than the unspecified address; a payload
 * that is not a marker-prefixed IKE message or a keepalive.  On success
 * `rec' is filled (payload points into buf) and 0 returned; on failure
 * `rec' is zeroed.
 */
int	ike_relay_decode(const void *buf, size_t len,
	    struct ike_relay_rec *rec);

/*
 * Check `rec' as ike_relay_decode() would and write its header into
 * hdr[IKE_RELAY_HDRLEN] (the payload is sent after it, e.g. by writev).
 * Returns 0 or an IKE_RELAY_E* code, hdr untouched then.
 */
int	ike_relay_encode_hdr(const struct ike_relay_rec *rec, uint8_t *hdr);

/*
 * The whole record into `buf' of `cap' bytes: its length, or an
 * IKE_RELAY_E* code (IKE_RELAY_ENOSPC when cap is too small).  The
 * payload may lie inside buf (it is moved before the header is written).
 */
long	ike_relay_encode(const struct ike_relay_rec *rec, void *buf,
	    size_t cap);

/*
 * What the payload is: IKE_RELAY_IKE, IKE_RELAY_NATKA, or
 * IKE_RELAY_EPAYLOAD.
 */
int	ike_relay_payload(const uint8_t *p, size_t len);

/* A sentence for an IKE_RELAY_E* code (never NULL). */
const char *ike_relay_strerror(int code);

#endif /* PFKEYKIT_IKE_RELAY_H */
