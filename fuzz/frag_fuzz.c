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
 * libFuzzer target: sadbd's packet sizes (sadbd/dp_frag.c) on the
 * packets a TUN device hands over.  Input: one byte choosing a path MTU,
 * then packets as [2-byte length][bytes].  Each packet goes into a
 * reassembly table (what comes out must be a well-formed datagram of at
 * most 64 KiB), gets an ICMP too-big built about it (its checksum must
 * hold), and, when it is a whole packet, is fragmented to the MTU: every
 * fragment at most that long, and the fragments, fed to a fresh table
 * last first, must give back the packet (IPv6 byte for byte; IPv4 but
 * for the ID that replaced 0, the flags and the header checksum).
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sadbd.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAXPKT		65575
#define MAXFRAGS	128		/* what the reassembly table takes */

static uint8_t	 mem[MAXPKT + 64];
static uint8_t	 frags[MAXFRAGS][1600];
static uint8_t	 out[2048];

static void
roundtrip(const uint8_t *pkt, size_t len, size_t mtu)
{
	static uint8_t *bufs[MAXFRAGS];
	static size_t lens[MAXFRAGS + 1];
	struct dp_reasm *r;
	struct dp_reasm_out o;
	uint8_t *buf = mem + 16, *first = buf;
	size_t k, hl;
	int n, rc = DP_REASM_DROP;

	for (k = 0; k < MAXFRAGS; k++)
		bufs[k] = frags[k];
	memcpy(buf, pkt, len);
	/* Headers the table does not keep: cut, but not put together. */
	if ((pkt[0] >> 4) == 6 &&
	    dp_ip6_unfrag(pkt, len, NULL) > DP_REASM_HDRMAX)
		return;
	if ((pkt[0] >> 4) == 4)
		n = dp_frag4(buf, len, mtu, 0x5a5a, bufs, sizeof(frags[0]),
		    MAXFRAGS - 1, lens);
	else
		n = dp_frag6(buf, len, mtu, 0xa5a5a5a5, bufs,
		    sizeof(frags[0]), MAXFRAGS - 1, lens, &first);
	if (n < 0)
		return;
	if (n < 2 || (r = dp_reasm_new()) == NULL)
		abort();
	for (k = (size_t)n; k-- > 0;) {
		if (lens[k] > mtu)
			abort();
		if (!dp_is_fragment(k == 0 ? first : frags[k - 1], lens[k]))
			abort();
		rc = dp_reasm_add(r, k == 0 ? first : frags[k - 1], lens[k],
		    0, &o);
		if (rc != (k > 0 ? DP_REASM_HELD : DP_REASM_DONE))
			abort();
	}
	if (o.len != len)
		abort();
	if ((pkt[0] >> 4) == 6) {
		if (memcmp(o.buf + o.off, pkt, len) != 0)
			abort();
	} else {
		hl = (size_t)(pkt[0] & 15) * 4;
		if (memcmp(o.buf + o.off, pkt, 4) != 0 ||
		    memcmp(o.buf + o.off + 8, pkt + 8, 2) != 0 ||
		    memcmp(o.buf + o.off + 12, pkt + 12, len - 12) != 0)
			abort();
		/* The ID, or the one that replaced 0. */
		if ((pkt[4] | pkt[5]) != 0 ?
		    memcmp(o.buf + o.off + 4, pkt + 4, 2) != 0 :
		    o.buf[o.off + 4] != 0x5a || o.buf[o.off + 5] != 0x5a)
			abort();
		if (dp_csum_fold(dp_csum_add(0, o.buf + o.off, hl)) != 0xffff)
			abort();
	}
	dp_reasm_release(&o);
	dp_reasm_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[MAXPKT];
	struct dp_reasm *r;
	struct dp_reasm_out o;
	struct sad_addr src;
	struct spd_flow f;
	size_t mtu, len, n, l4;
	int64_t t = 0;
	int rc;

	if (size < 1 || (r = dp_reasm_new()) == NULL)
		return (0);
	mtu = 68 + (size_t)data[0] * 6;		/* 68 .. 1598 */
	data++;
	size--;
	while (size >= 2) {
		len = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (len > size)
			len = size;
		memcpy(pkt, data, len);
		data += len;
		size -= len;
		t += 1000;
		if (len == 0)
			continue;
		if (dp_is_fragment(pkt, len)) {
			rc = dp_reasm_add(r, pkt, len, t, &o);
			if (rc == DP_REASM_DONE) {
				if (o.len > 65535 + 40 || o.len < 20)
					abort();
				(void)dp_flow_parse(o.buf + o.off, o.len, &f,
				    &l4);
				dp_reasm_release(&o);
			}
			continue;
		}
		memset(&src, 0, sizeof(src));
		src.af = (pkt[0] >> 4) == 4 ? AF_INET : AF_INET6;
		src.a.b[0] = 10;
		n = dp_icmp_too_big(out, sizeof(out), pkt, len, &src,
		    (uint32_t)mtu);
		if (n > sizeof(out) || (n > 0 && src.af == AF_INET &&
		    dp_csum_fold(dp_csum_add(0, out + 20, n - 20)) != 0xffff))
			abort();
		if ((pkt[0] >> 4) == 4 && len >= 20 &&
		    (size_t)(pkt[2] << 8 | pkt[3]) == len)
			roundtrip(pkt, len, mtu);
		else if ((pkt[0] >> 4) == 6 && len >= 40 &&
		    40 + (size_t)(pkt[4] << 8 | pkt[5]) == len)
			roundtrip(pkt, len, mtu);
	}
	dp_reasm_free(r);
	return (0);
}
