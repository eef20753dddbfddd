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
 * control.h: the protocol of racoon-ng's control socket, spoken by
 * racoonctl(8).  A UNIX SOCK_SEQPACKET socket carrying ipc.h frames (no
 * descriptors).  The client sends one request; the daemon answers with
 * zero or more data records and one CTL_R_END; a show-event request
 * instead turns the connection into a stream of CTL_R_EVENT records that
 * ends when either side closes it.  Payload fields as in privsep.h.
 */

#ifndef RACOON_NG_CONTROL_H
#define RACOON_NG_CONTROL_H

#define CTL_VERSION		1

/* Requests.  Each starts with u16 version (CTL_VERSION). */
enum ctl_request {
	/* u8 proto (CTL_PROTO_*). */
	CTL_SHOW_SA = 1,
	/* u8 proto. */
	CTL_FLUSH_SA,
	/* u8 proto, addr src, addr dst, u8 ulproto (255 for isakmp).  For
	 * ESP and AH, prefix, port and ulproto are not used: every SA of the
	 * type between the two hosts goes, both directions. */
	CTL_DELETE_SA,
	/* u8 proto, u8 flags (CTL_F_WAIT), addr src, addr dst (with prefix
	 * and port for ESP/AH), u8 ulproto, str remote name (may be ""). */
	CTL_ESTABLISH_SA,
	/* nothing */
	CTL_RELOAD,
	CTL_SHOW_EVENT,
	CTL_SHOW_SCHED,
	CTL_REQ_MAX
};

/* Answers. */
enum ctl_answer {
	/* An SA from the SADB: u8 dialect (PFKEY_DIALECT_*), blob the
	 * PF_KEY message of the SA as a DUMP gives it, keys removed. */
	CTL_R_SA_PFKEY = 101,
	/* An ISAKMP SA: the SHOW_ISAKMP record of privsep.h. */
	CTL_R_SA_ISAKMP,
	/* A timer: the SHOW_SCHED record of privsep.h. */
	CTL_R_SCHED,
	/* An event: u16 type (PS_EVT_*), u64 time (seconds since the
	 * epoch), addr local, addr remote, u8 satype, u32 spi, str text. */
	CTL_R_EVENT,
	/* The end of an answer: i32 error (errno, 0: success), str why. */
	CTL_R_END,
	CTL_ANS_MAX
};

#define CTL_PROTO_ISAKMP	1
#define CTL_PROTO_ESP		2
#define CTL_PROTO_AH		3
#define CTL_PROTO_IPSEC		4	/* ESP and AH */

#define CTL_F_WAIT		0x01	/* establish-sa -w */

#define CTL_SOCKET_DEFAULT	"/var/run/racoon-ng.sock"

#endif /* RACOON_NG_CONTROL_H */
