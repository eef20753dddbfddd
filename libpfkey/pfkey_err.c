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

#include <stddef.h>

#include "pfkey.h"

static const char *const errtab[] = {
	[0] = "success",
	[-PFKEY_ERR_INTERNAL] = "internal error",
	[-PFKEY_ERR_NOMEM] = "out of memory",
	[-PFKEY_ERR_NOSPACE] = "message does not fit the buffer",
	[-PFKEY_ERR_INVAL] = "invalid argument",
	[-PFKEY_ERR_SHORT] = "message shorter than the base header",
	[-PFKEY_ERR_VERSION] = "not a PF_KEY version 2 message",
	[-PFKEY_ERR_LENGTH] = "length field disagrees with message length",
	[-PFKEY_ERR_MSGTYPE] = "unknown message type",
	[-PFKEY_ERR_SATYPE] = "unknown SA type",
	[-PFKEY_ERR_EXT_SHORT] = "extension truncated or of zero length",
	[-PFKEY_ERR_EXT_OVERRUN] = "extension runs past the end of the message",
	[-PFKEY_ERR_EXT_TYPE] = "extension type out of range",
	[-PFKEY_ERR_EXT_DUP] = "duplicate extension",
	[-PFKEY_ERR_EXT_SIZE] = "extension has the wrong size for its type",
	[-PFKEY_ERR_SOCKADDR] = "socket address does not fit its extension",
	[-PFKEY_ERR_FAMILY] = "unknown address family",
	[-PFKEY_ERR_PREFIXLEN] = "prefix length larger than the address",
	[-PFKEY_ERR_KEYBITS] = "key bits exceed the key extension",
	[-PFKEY_ERR_EXT_MISSING] = "a required extension is missing",
	[-PFKEY_ERR_POLICY] = "malformed policy or ipsec request",
	[-PFKEY_ERR_FIELD] = "field holds an invalid value",
	[-PFKEY_ERR_DIALECT] = "not supported by this PF_KEY dialect",
	[-PFKEY_ERR_SYSTEM] = "system error",
	[-PFKEY_ERR_TIMEOUT] = "no reply in time",
	[-PFKEY_ERR_NOTSUP] = "transport not available on this system",
	[-PFKEY_ERR_TRUNCATED] = "message truncated on receive",
	[-PFKEY_ERR_EOF] = "transport closed by the peer",
	[-PFKEY_ERR_SYNTAX] = "syntax error",
	[-PFKEY_ERR_ADDRFAMILY] = "address families do not match",
	[-PFKEY_ERR_REPLY] = "request refused",
	[-PFKEY_ERR_NOENT] = "no such entry",
};

const char *
pfkey_strerror(int code)
{
	if (code > 0 || code <= PFKEY_ERR_MAX)
		return ("unknown error");
	if (errtab[-code] == NULL)
		return ("unknown error");
	return (errtab[-code]);
}
