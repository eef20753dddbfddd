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
 * libFuzzer target: the ESP/AH engine (sadb/esp) on untrusted packets.
 *
 * A set of SAs covering the engine's paths (AES-GCM tunnel, AES-CBC with
 * HMAC-SHA-256 transport, ChaCha20-Poly1305 over IPv6, AH, NAT-T, ESN
 * with a 4096-packet window near the 2^32 wrap, NULL encryption with TFC
 * padding, AES-CTR) is made afresh for every input, so a run depends on
 * its input alone; every other one is a single-writer SA
 * (esp_sa_opts.single_writer), whose output must behave the same.  The
 * input is used twice:
 *
 *  - as a received packet: esp_packet_spi() finds the SA by SPI (or one
 *    is picked by the input's length), esp_input() decrypts.  Invariants:
 *    a defined result; on error *outlen is 0; on success the result fits
 *    the buffer and is an IP packet of the length its header says.
 *    esp_input_inplace() on a copy, with a twin SA (same keys, same
 *    state), must give the same result and the same packet.
 *  - as an inner packet: esp_output() on one SA (picked by the last
 *    byte), then esp_input() on a
 *    twin SA with the same keys must give the packet back (byte for byte
 *    up to the length its IP header gives; transport mode over IPv4 may
 *    differ only in the header checksum, which input recomputes).
 *    esp_output_inplace() of a copy, with the SA's headroom and tailroom
 *    around it, at the same sequence number, must give the same result
 *    and the same bytes, and write nothing outside the packet.
 *
 * Built with -DESP_FUZZ_CORPUS (plain cc, linked with libesp) the file is
 * instead the program that wrote the seed corpus (corpus/esp/): valid
 * packets of every SA, their inner packets and a NAT-T keepalive.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sadb.h"
#include "esp.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define NSA		8
#define BUFSZ		(65535 + 512)

struct fsa {
	uint8_t		 satype;
	uint8_t		 mode;
	uint32_t	 spi;
	uint16_t	 ealg;
	uint8_t		 eklen;
	uint16_t	 aalg;
	uint8_t		 aklen;
	const char	*src, *dst;
	uint32_t	 replay;
	bool		 esn;
	bool		 natt;
	uint16_t	 tfc;
	uint64_t	 seq;		/* output and replay start */
};

static const struct fsa fsas[NSA] = {
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TUNNEL, 0x100,
	    PFKEY_EALG_AES_GCM_ICV16, 20, PFKEY_AALG_NONE, 0,
	    "192.0.2.1", "198.51.100.2", 64, false, false, 0, 0 },
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TRANSPORT, 0x200,
	    PFKEY_EALG_AESCBC, 32, PFKEY_AALG_SHA2_256HMAC, 32,
	    "192.0.2.1", "198.51.100.2", 32, false, false, 0, 0 },
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TUNNEL, 0x300,
	    PFKEY_EALG_CHACHA20POLY1305, 36, PFKEY_AALG_NONE, 0,
	    "2001:db8::1", "2001:db8::2", 1024, false, false, 0, 0 },
	{ PFKEY_SATYPE_AH, PFKEY_MODE_TRANSPORT, 0x400,
	    PFKEY_EALG_NONE, 0, PFKEY_AALG_SHA1HMAC, 20,
	    "192.0.2.1", "198.51.100.2", 64, false, false, 0, 0 },
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TUNNEL, 0x500,
	    PFKEY_EALG_AES_GCM_ICV16, 36, PFKEY_AALG_NONE, 0,
	    "192.0.2.1", "198.51.100.2", 64, false, true, 0, 0 },
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TRANSPORT, 0x600,
	    PFKEY_EALG_AES_GCM_ICV12, 28, PFKEY_AALG_NONE, 0,
	    "192.0.2.1", "198.51.100.2", 4096, true, false, 0, 0xfffffff0ULL },
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TUNNEL, 0x700,
	    PFKEY_EALG_NULL, 0, PFKEY_AALG_SHA2_512HMAC, 64,
	    "2001:db8::1", "2001:db8::2", 32, false, false, 300, 0 },
	{ PFKEY_SATYPE_ESP, PFKEY_MODE_TUNNEL, 0x800,
	    PFKEY_EALG_AESCTR, 28, PFKEY_AALG_SHA2_384HMAC, 48,
	    "192.0.2.1", "198.51.100.2", 64, false, false, 0, 0 },
};

static uint8_t	outbuf[BUFSZ];

static void
need(bool ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "esp_fuzz: %s\n", what);
		abort();
	}
}

static struct esp_sa *
mk_sa(const struct fsa *f, bool sw)
{
	static const uint8_t seed[16] = "esp_fuzz IV seed";
	struct sad_entry e;
	struct sad_extra *x;
	struct esp_sa_opts o;
	struct esp_sa *sa;
	uint8_t k[65];
	size_t i;

	sad_entry_init(&e);
	e.satype = f->satype;
	e.mode = f->mode;
	e.spi = f->spi;
	e.replay = f->replay;
	e.flags = f->esn ? SAD_F_ESN : 0;
	e.ealg = f->ealg;
	e.aalg = f->aalg;
	for (i = 0; i < sizeof(k); i++)
		k[i] = (uint8_t)(f->spi >> 8) * 17 + (uint8_t)i;
	need(f->eklen == 0 || sad_key_set(&e.ekey, k, f->eklen * 8u) == 0,
	    "key");
	need(f->aklen == 0 || sad_key_set(&e.akey, k + 1, f->aklen * 8u) ==
	    0, "key");
	need(sad_addr_parse(&e.src, f->src) == 0 &&
	    sad_addr_parse(&e.dst, f->dst) == 0, "address");
	if (f->natt) {
		need((x = sad_entry_extra(&e)) != NULL, "extra");
		x->natt_type = PFKEY_NATT_ESPINUDP;
		x->natt_sport = 4500;
		x->natt_dport = 4500;
	}
	memset(&o, 0, sizeof(o));
	o.backend = ESP_BACKEND_OPENSSL;
	o.tfc_pad = f->tfc;
	o.iv_seed = seed;
	o.single_writer = sw;
	need(esp_sa_new(&e, &o, &sa) == 0, "esp_sa_new");
	sad_entry_clear(&e);
	if (f->seq != 0) {
		esp_sa_set_oseq(sa, f->seq);
		esp_sa_set_replay_top(sa, f->seq);
	}
	return (sa);
}

#ifndef ESP_FUZZ_CORPUS

static uint8_t	decbuf[BUFSZ];
/* In place: a copy of the input with room around it, and a margin. */
#define IP_MARGIN	64
static uint8_t	ipbuf[BUFSZ + 256 + 2 * IP_MARGIN];

/* The length an IP packet's header gives, or 0. */
static size_t
ip_len(const uint8_t *p, size_t len)
{
	if (len >= 20 && p[0] >> 4 == 4)
		return ((size_t)(p[2] << 8 | p[3]));
	if (len >= 40 && p[0] >> 4 == 6)
		return ((size_t)(p[4] << 8 | p[5]) + 40);
	return (0);
}

static bool
defined(int rc)
{
	return (rc <= 0 && rc > ESP_E_MAX && esp_strerror(rc) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct esp_sa *sa[NSA], *tw;
	struct esp_pkt_id id;
	struct esp_counters c;
	size_t i, k, outlen, declen, off, il, hr, tr, cap, po, pl, eo;
	uint64_t last;
	bool idnew;
	int rc, rc2;

	for (i = 0; i < NSA; i++)
		sa[i] = mk_sa(&fsas[i], (i & 1) != 0);

	/* 1. A received packet. */
	k = size % NSA;
	rc = esp_packet_spi(data, size, &id);
	need(defined(rc), "esp_packet_spi: undefined result");
	if (rc == 0)
		for (i = 0; i < NSA; i++)
			if (fsas[i].spi == id.spi)
				k = i;
	declen = 12345;
	rc = esp_input(sa[k], data, size, decbuf, sizeof(decbuf), &declen);
	need(defined(rc), "esp_input: undefined result");
	if (rc != 0)
		need(declen == 0, "esp_input: output length on error");
	else if (declen > 0) {
		need(declen <= sizeof(decbuf), "esp_input: overrun");
		need(ip_len(decbuf, declen) == declen,
		    "esp_input: not an IP packet of its length");
	}
	esp_sa_counters(sa[k], &c);
	need(c.in_packets + c.drop_trunc + c.drop_proto + c.drop_replay +
	    c.drop_auth + c.drop_pad + c.drop_nexthdr + c.drop_expired +
	    c.drop_other == 1, "esp_input: not counted once");
	/* The same packet in place, on a twin in the same state. */
	if (size <= BUFSZ) {
		tw = mk_sa(&fsas[k], (k & 1) != 0);
		memcpy(ipbuf, data, size);
		po = pl = 12345;
		rc2 = esp_input_inplace(tw, ipbuf, size, &po, &pl);
		need(rc2 == rc, "esp_input_inplace: another result");
		if (rc2 != 0)
			need(po == 0 && pl == 0,
			    "esp_input_inplace: output on error");
		else {
			need(pl == declen && po + pl <= size,
			    "esp_input_inplace: another length");
			need(memcmp(ipbuf + po, decbuf, pl) == 0,
			    "esp_input_inplace: another packet");
		}
		esp_sa_free(tw);
	}

	/*
	 * 2. An inner packet, through an SA and back through its twin; the
	 * last byte (payload, or trailing bytes) picks the SA.
	 */
	k = size > 0 ? data[size - 1] % NSA : 0;
	esp_sa_seq(sa[k], &last, NULL);
	rc = esp_output(sa[k], data, size, outbuf, sizeof(outbuf), &outlen,
	    &off);
	need(defined(rc), "esp_output: undefined result");
	/* In place at the same sequence number: the same bytes. */
	hr = esp_sa_headroom(sa[k]);
	tr = esp_sa_tailroom(sa[k]);
	need(hr + tr <= esp_sa_overhead(sa[k]), "headroom + tailroom");
	if (hr + size + tr <= sizeof(ipbuf) - 2 * IP_MARGIN) {
		if (rc == 0)
			esp_sa_set_oseq(sa[k], last);
		cap = IP_MARGIN + hr + size + tr;
		memset(ipbuf, 0x5a, sizeof(ipbuf));
		memcpy(ipbuf + IP_MARGIN + hr, data, size);
		rc2 = esp_output_inplace(sa[k], ipbuf, cap, IP_MARGIN + hr,
		    size, &po, &pl, &eo);
		need(rc2 == rc, "esp_output_inplace: another result");
		if (rc2 == 0) {
			need(pl == outlen && po >= IP_MARGIN &&
			    po + pl <= cap && eo == po + off,
			    "esp_output_inplace: another layout");
			need(memcmp(ipbuf + po, outbuf, outlen) == 0,
			    "esp_output_inplace: other bytes");
			for (i = 0; i < IP_MARGIN; i++)
				need(ipbuf[i] == 0x5a && ipbuf[cap + i] ==
				    0x5a, "esp_output_inplace: wrote outside");
		} else
			need(pl == 0, "esp_output_inplace: length on error");
	}
	if (rc == 0) {
		need(outlen <= sizeof(outbuf) && off < outlen,
		    "esp_output: bad lengths");
		il = ip_len(data, size);
		need(il > 0 && il <= size, "esp_output: took a non-packet");
		need(outlen - il <= esp_sa_overhead(sa[k]),
		    "esp_output: grew beyond esp_sa_overhead()");
		tw = mk_sa(&fsas[k], (k & 1) != 0);
		rc = esp_input(tw, outbuf, outlen, decbuf, sizeof(decbuf),
		    &declen);
		need(rc == 0, "round trip: input refused output");
		/*
		 * Transport mode keeps the upper-layer protocol: "no next
		 * header" (59) comes out as a dummy packet, dropped.
		 */
		if (declen == 0 && fsas[k].mode == PFKEY_MODE_TRANSPORT) {
			esp_sa_free(tw);
			goto done;
		}
		need(declen == il, "round trip: length");
		/*
		 * Transport mode over IPv4: the header checksum is redone,
		 * and AH gives a packet with IPv4 ID 0 one of its own (a raw
		 * socket would rewrite 0 under the ICV).
		 */
		idnew = fsas[k].mode == PFKEY_MODE_TRANSPORT &&
		    fsas[k].satype == PFKEY_SATYPE_AH && data[0] >> 4 == 4 &&
		    data[4] == 0 && data[5] == 0;
		if (idnew)
			need(decbuf[4] != 0 || decbuf[5] != 0,
			    "round trip: AH kept IPv4 ID 0");
		for (i = 0; i < il; i++) {
			if (fsas[k].mode == PFKEY_MODE_TRANSPORT &&
			    data[0] >> 4 == 4 && (i == 10 || i == 11))
				continue;
			if (idnew && (i == 4 || i == 5))
				continue;
			need(decbuf[i] == data[i], "round trip: differs");
		}
		esp_sa_free(tw);
	} else
		need(outlen == 0, "esp_output: output length on error");
 done:
	for (i = 0; i < NSA; i++)
		esp_sa_free(sa[i]);
	return (0);
}

#else /* ESP_FUZZ_CORPUS */

static void
put(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	need((f = fopen(path, "wb")) != NULL, path);
	need(fwrite(p, 1, len, f) == len && fclose(f) == 0, path);
}

/* An inner UDP packet (checksum 0 over IPv4, none computed over v6). */
static size_t
inner(uint8_t *b, bool v6, size_t plen)
{
	size_t i, hl = v6 ? 40 : 20;

	memset(b, 0, hl + 8);
	if (v6) {
		b[0] = 0x60;
		b[4] = (uint8_t)((8 + plen) >> 8);
		b[5] = (uint8_t)(8 + plen);
		b[6] = IPPROTO_UDP;
		b[7] = 64;
		b[8] = 0x20;
		b[9] = 0x01;
		b[23] = 1;
		b[24] = 0x20;
		b[25] = 0x01;
		b[39] = 2;
	} else {
		uint32_t s = 0;

		b[0] = 0x45;
		b[2] = (uint8_t)((28 + plen) >> 8);
		b[3] = (uint8_t)(28 + plen);
		b[8] = 64;
		b[9] = IPPROTO_UDP;
		memcpy(b + 12, "\xc0\x00\x02\x01\xc6\x33\x64\x02", 8);
		for (i = 0; i < 20; i += 2)
			s += (uint32_t)(b[i] << 8 | b[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		b[10] = (uint8_t)(~s >> 8);
		b[11] = (uint8_t)~s;
	}
	b[hl] = 0x13;
	b[hl + 1] = 0x88;
	b[hl + 3] = 53;
	b[hl + 4] = (uint8_t)((8 + plen) >> 8);
	b[hl + 5] = (uint8_t)(8 + plen);
	for (i = 0; i < plen; i++)
		b[hl + 8 + i] = (uint8_t)i;
	return (hl + 8 + plen);
}

int
main(int argc, char **argv)
{
	static uint8_t in[2048];
	struct esp_sa *sa;
	struct sad_addr s, d;
	char name[64];
	size_t i, n, outlen, off;
	int v6;

	need(argc == 2, "usage: esp_fuzz_corpus DIR");
	for (i = 0; i < NSA; i++) {
		sa = mk_sa(&fsas[i], false);
		for (v6 = 0; v6 <= 1; v6++) {
			if (fsas[i].mode == PFKEY_MODE_TRANSPORT &&
			    (v6 != 0) != (strchr(fsas[i].dst, ':') != NULL))
				continue;
			/* The payload's last byte picks SA i for output. */
			n = inner(in, v6, 41 + 9 * i);
			need(in[n - 1] % NSA == i, "inner packet");
			need(esp_output(sa, in, n, outbuf, sizeof(outbuf),
			    &outlen, &off) == 0, "esp_output");
			snprintf(name, sizeof(name), "spi%03zx_v%d", 0x100 *
			    (i + 1), v6 ? 6 : 4);
			put(argv[1], name, outbuf, outlen);
			snprintf(name, sizeof(name), "inner%zu_v%d", i,
			    v6 ? 6 : 4);
			put(argv[1], name, in, n);
		}
		esp_sa_free(sa);
	}
	/* A NAT-T keepalive and an IKE packet on port 4500. */
	need(sad_addr_parse(&s, "198.51.100.2") == 0 &&
	    sad_addr_parse(&d, "192.0.2.1") == 0, "address");
	in[ESP_FAKE_HEADROOM] = ESP_NATT_KEEPALIVE;
	n = (size_t)esp_fake_outer(in, ESP_FAKE_HEADROOM, 1, &s, &d, 4500,
	    4500);
	put(argv[1], "natt_keepalive", in + n, ESP_FAKE_HEADROOM - n + 1);
	memset(in + ESP_FAKE_HEADROOM, 0, 36);
	n = (size_t)esp_fake_outer(in, ESP_FAKE_HEADROOM, 36, &s, &d, 4500,
	    4500);
	put(argv[1], "natt_ike", in + n, ESP_FAKE_HEADROOM - n + 36);
	return (0);
}

#endif /* ESP_FUZZ_CORPUS */
