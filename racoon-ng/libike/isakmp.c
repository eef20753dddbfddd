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
 * The ISAKMP header and the generic payload chain (RFC 2408 3.1, 3.2),
 * and the IKEv1 message view built on them.
 *
 * What the decoder accepts, and why:
 *
 *  - The datagram is exactly the message: the header's length equals the
 *    datagram's (RFC 2408 5.1 rejects a message whose length disagrees).
 *  - Version 1.0 only; flags E, C and A only; an exchange type other than
 *    NONE and the ISAKMP-reserved 7-31 (6 is Mode Config's transaction
 *    exchange).  Whether an exchange type is supported is the exchange
 *    layer's call (UNSUPPORTED-EXCHANGE-TYPE), not the codec's.
 *  - Every payload length is at least 4 and within what is left; the
 *    reserved byte is zero; the chain ends exactly at the end of the
 *    message, or, in a decrypted body, up to ISAKMP_PAD_MAX bytes before
 *    it (the cipher padding, whose content RFC 2409 leaves free: racoon
 *    pads with zeros or random bytes, with or without a pad-length byte).
 *  - Top-level payload types: those IKEv1 exchanges use (SA, KE, ID,
 *    CERT, CR, HASH, SIG, NONCE, N, D, VID, Mode Config ATTR, NAT-D,
 *    NAT-OA and the draft NAT-D/NAT-OA numbers 130/131).  Proposal and
 *    transform payloads only occur inside an SA; the GDOI types are not
 *    IKEv1's; a fragment (132) is only ever alone in its message.
 *  - At most ISAKMP_MAX_PAYLOADS payloads: a bound on the work one
 *    datagram can cause (a 64 KB datagram could otherwise hold 16384
 *    empty payloads).
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "isakmp_local.h"

/* Bit tables of payload types: bit t of byte t / 8. */
#define BIT(t)	((uint8_t)(1U << ((t) & 7)))

const uint8_t isakmp_ikev1_payloads[32] = {
	/* 0-7: SA, KE, ID, CERT, CR (not NONE, P, T) */
	[0] = BIT(ISAKMP_NPTYPE_SA) | BIT(ISAKMP_NPTYPE_KE) |
	    BIT(ISAKMP_NPTYPE_ID) | BIT(ISAKMP_NPTYPE_CERT) |
	    BIT(ISAKMP_NPTYPE_CR),
	/* 8-15: HASH, SIG, NONCE, N, D, VID, ATTR */
	[1] = BIT(ISAKMP_NPTYPE_HASH) | BIT(ISAKMP_NPTYPE_SIG) |
	    BIT(ISAKMP_NPTYPE_NONCE) | BIT(ISAKMP_NPTYPE_N) |
	    BIT(ISAKMP_NPTYPE_D) | BIT(ISAKMP_NPTYPE_VID) |
	    BIT(ISAKMP_NPTYPE_ATTR),
	/* 16-23: NAT-D, NAT-OA */
	[2] = BIT(ISAKMP_NPTYPE_NATD) | BIT(ISAKMP_NPTYPE_NATOA),
	/* 128-135: the draft NAT-D and NAT-OA */
	[16] = BIT(ISAKMP_NPTYPE_NATD_DRAFT) | BIT(ISAKMP_NPTYPE_NATOA_DRAFT),
};

/* A fragment message holds one fragment payload and nothing else. */
static const uint8_t frag_payloads[32] = {
	[16] = BIT(ISAKMP_NPTYPE_FRAG),
};

int
isakmp_hdr_decode(struct isakmp_hdr *h, const uint8_t *buf, size_t len,
    struct isakmp_error *err)
{
	memset(h, 0, sizeof(*h));
	if (buf == NULL || len < ISAKMP_HDR_LEN)
		return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 0, 0,
		    "shorter than the ISAKMP header"));
	memcpy(h->icookie, buf, ISAKMP_COOKIE_LEN);
	memcpy(h->rcookie, buf + 8, ISAKMP_COOKIE_LEN);
	h->np = buf[16];
	h->version = buf[17];
	h->etype = buf[18];
	h->flags = buf[19];
	h->msgid = get32(buf + 20);
	h->len = get32(buf + 24);
	if (h->len != len)
		return (isakmp_err(err, ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 0,
		    24, "header length is not the datagram's length"));
	return (0);
}

void
isakmp_hdr_encode(const struct isakmp_hdr *h, uint8_t *out)
{
	memcpy(out, h->icookie, ISAKMP_COOKIE_LEN);
	memcpy(out + 8, h->rcookie, ISAKMP_COOKIE_LEN);
	out[16] = h->np;
	out[17] = h->version;
	out[18] = h->etype;
	out[19] = h->flags;
	set32(out + 20, h->msgid);
	set32(out + 24, h->len);
}

int
isakmp_chain_walk(struct isakmp_msg *msg, uint8_t np, const uint8_t *buf,
    size_t off, size_t end, size_t base, const uint8_t accept[32], int flags,
    struct isakmp_error *err)
{
	struct isakmp_payload *pl;
	size_t pos = off, plen;
	uint8_t resv, resvmask;

	resvmask = (flags & ISAKMP_WALK_CRITICAL) ? 0x7f : 0xff;
	if (off > end)
		return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED, np,
		    base + off, "payload chain starts past its end"));
	while (np != ISAKMP_NPTYPE_NONE) {
		if (!isakmp_type_in(accept, np))
			return (isakmp_err(err,
			    ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE, np, base + pos,
			    "payload type not allowed here"));
		if (end - pos < ISAKMP_GEN_LEN)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    np, base + pos, "payload header cut short"));
		plen = get16(buf + pos + 2);
		if (plen < ISAKMP_GEN_LEN)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    np, base + pos, "payload length below 4"));
		if (plen > end - pos)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    np, base + pos, "payload runs past the message"));
		resv = buf[pos + 1];
		if ((resv & resvmask) != 0)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    np, base + pos + 1, "reserved byte is not zero"));
		if (msg->npl >= ISAKMP_MAX_PAYLOADS)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    np, base + pos, "too many payloads"));
		pl = &msg->pl[msg->npl++];
		pl->type = np;
		pl->flags = resv;
		pl->body = buf + pos + ISAKMP_GEN_LEN;
		pl->len = plen - ISAKMP_GEN_LEN;
		pl->offset = base + pos;
		msg->count[np]++;
		np = buf[pos];
		pos += plen;
	}
	if (pos != end) {
		if ((flags & ISAKMP_WALK_PADDING) == 0)
			return (isakmp_err(err,
			    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 0, base + pos,
			    "bytes after the last payload"));
		if (end - pos > ISAKMP_PAD_MAX)
			return (isakmp_err(err,
			    ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, 0, base + pos,
			    "too much padding after the last payload"));
		msg->padlen = end - pos;
	}
	return (0);
}

int
isakmp_decode(struct isakmp_msg *msg, const uint8_t *buf, size_t len,
    struct isakmp_error *err)
{
	struct isakmp_hdr *h = &msg->hdr;

	memset(msg, 0, sizeof(*msg));
	if (isakmp_hdr_decode(h, buf, len, err) == -1)
		return (-1);
	if (ISAKMP_VERSION_MAJOR(h->version) != 1)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_MAJOR_VERSION, 0,
		    17, "major version is not 1"));
	if (ISAKMP_VERSION_MINOR(h->version) != 0)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_MINOR_VERSION, 0,
		    17, "minor version is not 0"));
	if (h->etype == ISAKMP_ETYPE_NONE ||
	    (h->etype > ISAKMP_ETYPE_TRANSACTION && h->etype < 32))
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_EXCHANGE_TYPE, 0,
		    18, "exchange type NONE or reserved"));
	if ((h->flags & ~ISAKMP_FLAGS_IKEV1) != 0)
		return (isakmp_err(err, ISAKMP_NTYPE_INVALID_FLAGS, 0, 19,
		    "undefined header flags set"));
	msg->buf = buf;
	msg->buflen = len;

	if (h->np == ISAKMP_NPTYPE_FRAG) {
		/*
		 * Fragments are parsed in the clear whatever the E flag says:
		 * racoon copies its phase 1 flags, E included, into the
		 * header of every fragment.
		 */
		if (isakmp_chain_walk(msg, h->np, buf, ISAKMP_HDR_LEN, len, 0,
		    frag_payloads, 0, err) == -1)
			return (-1);
		if (msg->npl != 1)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    ISAKMP_NPTYPE_FRAG, msg->pl[1].offset,
			    "a fragment message with more than one payload"));
		return (0);
	}
	if (h->flags & ISAKMP_FLAG_E) {
		if (len == ISAKMP_HDR_LEN)
			return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED,
			    h->np, ISAKMP_HDR_LEN,
			    "encrypted message without a body"));
		msg->enc = buf + ISAKMP_HDR_LEN;
		msg->enclen = len - ISAKMP_HDR_LEN;
		return (0);
	}
	return (isakmp_chain_walk(msg, h->np, buf, ISAKMP_HDR_LEN, len, 0,
	    isakmp_ikev1_payloads, 0, err));
}

int
isakmp_decode_body(struct isakmp_msg *msg, const uint8_t *plain,
    size_t plainlen, struct isakmp_error *err)
{
	if (msg->enc == NULL || plain == NULL)
		return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 0, 0,
		    "not an encrypted message"));
	msg->npl = 0;
	msg->padlen = 0;
	memset(msg->count, 0, sizeof(msg->count));
	if (msg->hdr.np == ISAKMP_NPTYPE_NONE)
		return (isakmp_err(err, ISAKMP_NTYPE_PAYLOAD_MALFORMED, 0,
		    16, "encrypted message without payloads"));
	return (isakmp_chain_walk(msg, msg->hdr.np, plain, 0, plainlen,
	    ISAKMP_HDR_LEN, isakmp_ikev1_payloads, ISAKMP_WALK_PADDING, err));
}

const struct isakmp_payload *
isakmp_msg_find_nth(const struct isakmp_msg *msg, uint8_t type, size_t n)
{
	size_t i;

	if (msg->count[type] <= n)
		return (NULL);
	for (i = 0; i < msg->npl; i++)
		if (msg->pl[i].type == type && n-- == 0)
			return (&msg->pl[i]);
	return (NULL);
}

const struct isakmp_payload *
isakmp_msg_find(const struct isakmp_msg *msg, uint8_t type)
{
	return (isakmp_msg_find_nth(msg, type, 0));
}
