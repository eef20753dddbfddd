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
 * libFuzzer target: the IKE relay's record decoder (sadb/ike_relay.c) on
 * untrusted bytes, as sadbd reads them from its relay client and an IKE
 * daemon from sadbd.  A refused record must come with a known code and a
 * zeroed result; an accepted one must describe exactly the input (the
 * payload inside it, one family, ports set) and encode back to the very
 * same bytes.  The same bytes are also read as the fields of a record to
 * encode: whatever the encoder accepts, the decoder must accept and give
 * back unchanged.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sadb.h"
#include "ike_relay.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static uint8_t	out[IKE_RELAY_MAXREC];

static void
check_refused(int rc, const struct ike_relay_rec *r)
{
	static const struct ike_relay_rec zero;

	if (rc >= 0 || rc <= IKE_RELAY_EMAX)
		abort();
	if (memcmp(r, &zero, sizeof(zero)) != 0)
		abort();
	if (strcmp(ike_relay_strerror(rc), "unknown error") == 0)
		abort();
}

static void
decode_side(const uint8_t *data, size_t size)
{
	struct ike_relay_rec r, again;
	uint8_t hdr[IKE_RELAY_HDRLEN];
	long n;
	int rc;

	rc = ike_relay_decode(data, size, &r);
	if (rc != IKE_RELAY_OK) {
		check_refused(rc, &r);
		return;
	}
	if (size < IKE_RELAY_HDRLEN || r.payload != data + IKE_RELAY_HDRLEN ||
	    r.len != size - IKE_RELAY_HDRLEN)
		abort();
	if (r.local.af != r.remote.af || (r.local.af != AF_INET &&
	    r.local.af != AF_INET6) || r.local.port == 0 ||
	    r.remote.port == 0 || r.local.scope != 0 || r.remote.scope != 0)
		abort();
	if (r.len > (r.local.af == AF_INET ? IKE_RELAY_MAX4 :
	    IKE_RELAY_MAX6))
		abort();
	if (ike_relay_payload(r.payload, r.len) < 0)
		abort();
	if (ike_relay_encode_hdr(&r, hdr) != IKE_RELAY_OK ||
	    memcmp(hdr, data, sizeof(hdr)) != 0)
		abort();
	n = ike_relay_encode(&r, out, sizeof(out));
	if (n != (long)size || memcmp(out, data, size) != 0)
		abort();
	if (ike_relay_decode(out, (size_t)n, &again) != IKE_RELAY_OK ||
	    sad_addr_cmp(&again.local, &r.local) != 0 ||
	    sad_addr_cmp(&again.remote, &r.remote) != 0 ||
	    again.local.port != r.local.port ||
	    again.remote.port != r.remote.port || again.len != r.len)
		abort();
}

/*
 * The input as fields: family byte, ports, two addresses, then the
 * payload (whose length is what is left).
 */
static void
encode_side(const uint8_t *data, size_t size)
{
	struct ike_relay_rec r, d;
	long n;
	int rc;

	if (size < 1 + 4 + 32)
		return;
	memset(&r, 0, sizeof(r));
	r.local.af = r.remote.af = (data[0] & 1) ? AF_INET6 : AF_INET;
	if (data[0] & 2)
		r.remote.af = r.local.af == AF_INET ? AF_INET6 : AF_INET;
	r.local.port = (uint16_t)(data[1] << 8 | data[2]);
	r.remote.port = (uint16_t)(data[3] << 8 | data[4]);
	memcpy(r.local.a.b, data + 5, 16);
	memcpy(r.remote.a.b, data + 21, 16);
	r.payload = data + 37;
	r.len = size - 37;
	n = ike_relay_encode(&r, out, sizeof(out));
	if (n < 0) {
		if (n <= IKE_RELAY_EMAX)
			abort();
		return;
	}
	rc = ike_relay_decode(out, (size_t)n, &d);
	if (rc != IKE_RELAY_OK || d.len != r.len ||
	    memcmp(d.payload, r.payload, r.len) != 0 ||
	    d.local.port != r.local.port || d.remote.port != r.remote.port ||
	    sad_addr_cmp(&d.local, &r.local) != 0 ||
	    sad_addr_cmp(&d.remote, &r.remote) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* libFuzzer hands over a heap copy of exactly `size' bytes. */
	decode_side(data, size);
	encode_side(data, size);
	return (0);
}
