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
 * The userspace ESP/AH engine (libesp): RFC 4303 ESP and RFC 4302 AH on
 * whole IP packets, for sadbd's data plane and for anything else that
 * carries IPsec where the kernel cannot.  An engine SA (struct esp_sa) is
 * made from a SAD entry of the shared model (sadb.h) and holds everything
 * per packet work needs, set up once: the crypto contexts, the outbound
 * sequence number, the inbound replay window, the counters.  Per packet
 * nothing is allocated.
 *
 * Packets are whole IP packets in caller buffers:
 *   output	inner packet (what the TUN device gave) -> the packet to send:
 *		outer IPv4/IPv6 header [+ UDP 4500 header for NAT-T] + ESP or
 *		AH; transport mode rewrites the packet's own IP header.
 *   input	the received packet, outer IP header first [+ UDP] + ESP/AH
 *		-> the inner packet (tunnel) or the restored packet
 *		(transport), ready for the TUN device.
 * A transport that receives ESP without the IP header (a UDP socket)
 * puts a header in front (esp_fake_outer()) rather than the engine
 * growing a second input path.
 *
 * Both directions also work in place (esp_output_inplace(),
 * esp_input_inplace()): the packet is protected or opened inside the
 * caller's buffer, growing into headroom and tailroom the SA names
 * (esp_sa_headroom(), esp_sa_tailroom()), without copying it.
 *
 * Threads: esp_output() may run on several threads for one SA (the
 * sequence number is taken atomically), unless the SA was made for a
 * single writer (esp_sa_opts.single_writer: the caller serialises its
 * output, which then takes the number without an atomic read-modify-
 * write); esp_input() for one SA is serialised by the caller or uses the
 * SA's internal lock (see esp_sa_opts.locked).  Counters are per SA and
 * read with esp_sa_counters() at any time, from any thread; lifetimes
 * may be changed at any time too (esp_sa_set_lifetimes()).
 *
 * Secrets: keys are copied into the SA and wiped (explicit_bzero) with the
 * crypto contexts when it is freed; no function logs.
 */

#ifndef PFKEYKIT_ESP_H
#define PFKEYKIT_ESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sadb.h"

/* Results of the packet functions: 0 or one of these (negative). */
#define ESP_OK			  0
#define ESP_E_NOMEM		 -1
#define ESP_E_INVAL		 -2	/* unusable SA or arguments */
#define ESP_E_ALG		 -3	/* algorithm not in this engine */
#define ESP_E_KEYLEN		 -4	/* key length wrong for algorithm */
#define ESP_E_SPACE		 -5	/* output buffer too small */
#define ESP_E_TRUNC		 -6	/* packet shorter than its headers */
#define ESP_E_PROTO		 -7	/* not ESP/AH, or headers malformed */
#define ESP_E_SPI		 -8	/* SPI does not match the SA */
#define ESP_E_REPLAY		 -9	/* replayed or too old */
#define ESP_E_AUTH		-10	/* ICV check failed */
#define ESP_E_PAD		-11	/* padding or pad length bad */
#define ESP_E_NEXTHDR		-12	/* inner protocol wrong for the mode */
#define ESP_E_SEQOVF		-13	/* sequence numbers used up */
#define ESP_E_EXPIRED		-14	/* hard lifetime reached */
#define ESP_E_CRYPTO		-15	/* the crypto library failed */
#define ESP_E_MAX		-16

const char	*esp_strerror(int);

/* Crypto backends. */
enum esp_backend {
	ESP_BACKEND_AUTO = 0,	/* the faster one per algorithm */
	ESP_BACKEND_OPENSSL,
	ESP_BACKEND_IPSECMB,	/* Intel IPsec-MB, when built with it */
};

/* Whether a backend was built in (OpenSSL always is). */
bool		 esp_backend_available(enum esp_backend);
const char	*esp_backend_name(enum esp_backend);

struct esp_sa_opts {
	enum esp_backend backend;	/* ESP_BACKEND_AUTO by default */
	bool		 locked;	/* esp_input() takes the SA's lock */
	/*
	 * Output on this SA is serialised by the caller: at most one
	 * esp_output() or esp_output_inplace() at a time, each call
	 * ordered after the previous one (the same thread, or threads
	 * that hand the SA over through a lock or another
	 * synchronising operation).  The sequence number and the output
	 * counters are then kept with plain loads and stores rather than
	 * an atomic read-modify-write per packet, which on a busy SA is
	 * a measurable part of the per-packet cost.  Two threads sending
	 * at once on such an SA would send a sequence number twice:
	 * leave it false (the default) unless the caller guarantees the
	 * order.  Input, counters, events and lifetimes are unaffected.
	 */
	bool		 single_writer;
	uint16_t	 tfc_pad;	/* output: pad the inner packet (tunnel
					 * mode) up to this many bytes; 0 off */
	uint8_t		 outer_ttl;	/* tunnel mode outer TTL/hop limit;
					 * 0: 64 */
	/*
	 * Packet lifetimes (0: none), counted like the byte lifetimes of
	 * the SAD entry (both directions); sad_entry has no packet count
	 * (its `allocations' are something else).
	 */
	uint64_t	 soft_packets;
	uint64_t	 hard_packets;
	/*
	 * AES-CBC IVs are E_K(S xor sequence number) with a secret S of 16
	 * bytes drawn at random per SA; iv_seed (16 bytes, copied) fixes S
	 * instead, for reproducible output (tests, backend comparisons).
	 * NULL in normal use.
	 */
	const uint8_t	*iv_seed;
};

/* Per-SA counters (monotonic; read with esp_sa_counters()). */
struct esp_counters {
	uint64_t	out_packets;
	uint64_t	out_bytes;	/* inner bytes, as lifetimes count */
	uint64_t	in_packets;
	uint64_t	in_bytes;
	uint64_t	drop_trunc;	/* ESP_E_TRUNC */
	uint64_t	drop_proto;	/* ESP_E_PROTO, ESP_E_SPI */
	uint64_t	drop_replay;	/* ESP_E_REPLAY */
	uint64_t	drop_auth;	/* ESP_E_AUTH */
	uint64_t	drop_pad;	/* ESP_E_PAD */
	uint64_t	drop_nexthdr;	/* ESP_E_NEXTHDR */
	uint64_t	drop_seqovf;	/* ESP_E_SEQOVF (output refused) */
	uint64_t	drop_expired;	/* ESP_E_EXPIRED */
	uint64_t	drop_other;	/* ESP_E_SPACE, ESP_E_CRYPTO */
};

struct esp_sa;

/*
 * An engine SA from a SAD entry: satype ESP or AH, mode transport or
 * tunnel (PFKEY_MODE_ANY means transport), src/dst the outer addresses,
 * the algorithms and keys (AEAD keys carry the salt at the end, as
 * setkey and the kernels take them), replay window (0 = no anti-replay,
 * at most ESP_REPLAY_MAX), SAD_F_ESN, NAT-T type/ports (UDP encapsulation
 * when natt_type is set), and the hard/soft byte lifetimes.  Returns 0 or
 * ESP_E_*.
 *
 * Algorithms: ESP with AES-CBC, AES-CTR or NULL encryption and
 * HMAC-SHA1 (96-bit ICV), HMAC-SHA2-256/384/512 (128/192/256-bit ICVs,
 * RFC 4868) or, for CBC/CTR, no integrity; AES-GCM with 8/12/16-byte
 * ICVs and ChaCha20-Poly1305 (aalg none, null, or FreeBSD's matching
 * integrity half); AH with the HMACs.  Keys must have the algorithm's
 * exact length (HMAC keys the digest length).  Anything else is
 * ESP_E_ALG or ESP_E_KEYLEN, as is asking for a backend that is not
 * built in.  Only UDP_ENCAP_ESPINUDP (2) NAT-T is taken.
 */
#define ESP_REPLAY_MAX		4096
int	esp_sa_new(const struct sad_entry *, const struct esp_sa_opts *,
	    struct esp_sa **);
void	esp_sa_free(struct esp_sa *);	/* wipes keys and contexts */

uint32_t esp_sa_spi(const struct esp_sa *);	/* host order */
enum esp_backend esp_sa_backend(const struct esp_sa *); /* the one used */
void	esp_sa_counters(const struct esp_sa *, struct esp_counters *);

/*
 * Sequence number state, for carrying an SA over a restart and for tests:
 * the last number sent (the next packet gets one more), and the top of
 * the replay window (esp_sa_set_replay_top() marks every number up to
 * `top' as received).  64-bit; without ESN only the low 32 bits exist on
 * the wire.  The setters are for a quiet SA: not concurrently with
 * esp_output() / esp_input() on it.
 */
void	esp_sa_set_oseq(struct esp_sa *, uint64_t last_sent);
void	esp_sa_set_replay_top(struct esp_sa *, uint64_t top);
void	esp_sa_seq(struct esp_sa *, uint64_t *last_sent, uint64_t *top);

/*
 * The most an output packet can grow by (outer IP header, UDP, ESP
 * header, IV, padding, ICV, TFC padding), for sizing buffers.
 */
size_t	esp_sa_overhead(const struct esp_sa *);

/*
 * For esp_output_inplace(): the bytes the packet grows by in front of
 * the inner packet (tunnel: outer IP header [+ UDP] + ESP header + IV,
 * or + AH; transport: [UDP +] ESP header + IV, or AH, by which the IP
 * header moves forward) and at most behind its end (TFC padding,
 * padding, trailer, ICV; 0 for AH).  Their sum is at most
 * esp_sa_overhead().
 */
size_t	esp_sa_headroom(const struct esp_sa *);
size_t	esp_sa_tailroom(const struct esp_sa *);

/*
 * Lifetimes of a live SA: the byte limits (taken from the SAD entry by
 * esp_sa_new()) and the packet limits (esp_sa_opts); 0 is no limit.
 * esp_sa_set_lifetimes() replaces all four, for a key manager's UPDATE
 * of a mature SA; it may run while other threads send and receive on
 * the SA (a packet counted during the change is checked against the old
 * or the new value of each limit), and calls to it are serialised by the
 * SA's lock.  The counts so far stay.  From then on the events below
 * come at the new limits: a soft event already reported is reported
 * again when the counts reach a new soft limit they had not reached
 * (and is taken back if it was still pending); limits the counts
 * already reach are raised at once (esp_sa_events() then reports them).
 * An SA that went past its hard limit stays refused (ESP_E_EXPIRED)
 * whatever the new limits say.  Returns 0, or ESP_E_INVAL for a NULL
 * argument.
 */
struct esp_lifetimes {
	uint64_t	soft_bytes;
	uint64_t	hard_bytes;
	uint64_t	soft_packets;
	uint64_t	hard_packets;
};
int	esp_sa_set_lifetimes(struct esp_sa *, const struct esp_lifetimes *);
void	esp_sa_lifetimes(const struct esp_sa *, struct esp_lifetimes *);

/*
 * Lifetime state after a packet: the byte/packet counts crossed the soft
 * or the hard limit.  Reported once each (the data plane turns them into
 * EXPIRE through sadbd); the hard limit also makes further packets fail
 * with ESP_E_EXPIRED, as does sequence number exhaustion (no wrap without
 * ESN, RFC 4303 3.3.3).
 */
#define ESP_EV_SOFT		0x1
#define ESP_EV_HARD		0x2
unsigned esp_sa_events(struct esp_sa *);	/* returns and clears */

/*
 * Output: protect the IP packet in[0..inlen) into out (room outcap),
 * giving its length.  *esp_off (may be NULL) is where the ESP/AH header
 * (with UDP encapsulation: the UDP header) starts in out, for
 * transports that send without the IP header.
 */
int	esp_output(struct esp_sa *, const uint8_t *in, size_t inlen,
	    uint8_t *out, size_t outcap, size_t *outlen, size_t *esp_off);

/*
 * Output without a copy: the inner packet lies at buf + off, len bytes
 * (bufcap the size of buf), with at least esp_sa_headroom() bytes before
 * it and esp_sa_tailroom() after its end (the length its IP header
 * gives) inside buf.  The packet is protected where it lies: headers
 * written in front, trailer and ICV behind, encrypted in place; in
 * transport mode the IP header moves forward to make room for ESP/AH.
 * On success *pkt_off and *pkt_len give the packet to send (it starts in
 * front of off) and *esp_off (may be NULL) where in buf its ESP/AH
 * header (with UDP encapsulation: the UDP header) starts.  The bytes are
 * those esp_output() would give for the same sequence number.  Returns
 * 0 or an error as esp_output(), ESP_E_SPACE when the room is short; on
 * error *pkt_len is 0 and the inner packet is left as it was, except
 * after ESP_E_CRYPTO (the packet's bytes are wiped).  Threads as
 * esp_output().
 */
int	esp_output_inplace(struct esp_sa *, uint8_t *buf, size_t bufcap,
	    size_t off, size_t len, size_t *pkt_off, size_t *pkt_len,
	    size_t *esp_off);

/*
 * Input: check and decrypt the received IP packet in[0..inlen) (outer
 * header first) into out.  The SPI must be the SA's (the caller found
 * the SA by it: esp_packet_spi()).  Anti-replay is updated only after
 * the ICV checks.  A dummy packet (next header 59, RFC 4303 2.6) returns
 * 0 with *outlen 0: valid, nothing to deliver.  On any error *outlen is
 * 0 and out holds no decrypted data.  in and out must not overlap.
 */
int	esp_input(struct esp_sa *, const uint8_t *in, size_t inlen,
	    uint8_t *out, size_t outcap, size_t *outlen);

/*
 * Input without a second buffer: as esp_input(), but the packet
 * buf[0..len) is decrypted where it lies.  On success the delivered
 * packet is buf[*inner_off .. *inner_off + *inner_len) (tunnel: the
 * inner packet where its ciphertext was; transport: the IP header moves
 * to just in front of the decrypted payload); a dummy packet gives
 * *inner_len 0.  On error both are 0 and buf may have been overwritten
 * (by zeros where plaintext was: none is left), so it is not the packet
 * received any more.  Threads as esp_input().
 */
int	esp_input_inplace(struct esp_sa *, uint8_t *buf, size_t len,
	    size_t *inner_off, size_t *inner_len);

/*
 * What a received IP packet is, for finding its SA: protocol (ESP, AH or
 * UDP-encapsulated ESP, reported as IPPROTO_ESP with *udp set), SPI (host
 * order), outer addresses.  Returns 0, or ESP_E_TRUNC / ESP_E_PROTO (e.g.
 * an IKE packet on port 4500: non-ESP marker, or a NAT-T keepalive).
 */
struct esp_pkt_id {
	uint8_t		proto;		/* IPPROTO_ESP or IPPROTO_AH */
	bool		udp;		/* UDP-encapsulated */
	uint16_t	sport;		/* UDP ports, host order, when udp */
	uint16_t	dport;
	uint32_t	spi;
	struct sad_addr	src;
	struct sad_addr	dst;
};
int	esp_packet_spi(const uint8_t *pkt, size_t len, struct esp_pkt_id *);

/*
 * Put an outer IPv4/IPv6 header (and a UDP header when sport/dport are
 * not 0) in front of an ESP payload received without one: the payload is
 * at buf + headroom, plen bytes; the header is written just before it.
 * Returns the packet's start offset in buf, or -1 when headroom is short.
 */
#define ESP_FAKE_HEADROOM	48	/* IPv6 + UDP */
long	esp_fake_outer(uint8_t *buf, size_t headroom, size_t plen,
	    const struct sad_addr *src, const struct sad_addr *dst,
	    uint16_t sport, uint16_t dport);

/* An RFC 3948 NAT-keepalive payload (one 0xff byte). */
#define ESP_NATT_KEEPALIVE	0xff

#endif /* PFKEYKIT_ESP_H */
