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
 * privsep.h: the messages between racoon-ng's three processes.
 *
 *            parent (root)
 *           /            \
 *     "ike" channel    "ca" channel
 *         /                \
 *   ike process ---------- ca process
 *    (network,   "ikeca"   (PSKs, private
 *     chrooted)   channel   keys)
 *
 * Every channel is an ipc.h channel (SOCK_SEQPACKET, framed).  The
 * parent is the only process that speaks PF_KEY and binds sockets; the
 * ike process parses everything that comes from the network and asks the
 * parent for SADB changes, which the parent checks against the
 * configuration and against what the ike process asked for before
 * (pv.c); the ca process holds the secrets and answers prf(psk, data)
 * and signing requests, so a PSK never leaves it.
 *
 * Payloads are sequences of fixed-size host-order numbers, addresses
 * (ipc_put_addr: 24 bytes), strings (u16 length + characters) and blobs
 * (u32 length + bytes), written by ipc_put_* and read by ipc_get_*; each
 * type below lists its fields in order.  A receiver reads exactly those
 * fields and refuses a message with anything left over or missing
 * (ipc_rd_end()), an unknown type, or a descriptor where none belongs.
 * The peer id of a request is its request id, echoed in the reply.
 */

#ifndef RACOON_NG_PRIVSEP_H
#define RACOON_NG_PRIVSEP_H

#include <stdint.h>

/* Limits every receiver enforces. */
#define PS_NAME_MAX		64	/* remote names, identities ... */
#define PS_IDENT_MAX		256	/* an identity (FQDN, user@FQDN) */
#define PS_PRF_DATA_MAX		1024	/* prf(psk, data): data bytes */
#define PS_PRF_OUT_MAX		64	/* SHA-512 */
#define PS_HASH_MAX		64	/* a hash to sign */
#define PS_SIG_MAX		1024	/* a signature */
#define PS_KEY_MAX		64	/* an SA key, bytes (512 bits) */
#define PS_CONF_CHUNK		32768	/* configuration text per message */
#define PS_CONF_MAX		(4 * 1024 * 1024)
#define PS_TEXT_MAX		1024	/* an error message */
#define PS_CERT_DER_MAX		65536	/* a certificate or CRL (DER) */

/* ---------------------------------------------- parent -> ike ("ike") */

enum ps_parent_ike {
	/*
	 * A socket (with its descriptor).  u32 sock id, u8 kind (PS_SOCK_*),
	 * u8 role (PS_ROLE_*), u8 flags (PS_SOCKF_*), addr local (port set;
	 * the unspecified address for a wildcard socket).
	 */
	PI_SOCKET = 1,
	/* Forget a socket.  u32 sock id. */
	PI_SOCKET_CLOSE,
	/*
	 * A configuration, as the text conf_print() writes: PI_CONF_BEGIN
	 * u32 generation, u32 total length; PI_CONF_DATA blob (at most
	 * PS_CONF_CHUNK); PI_CONF_END u32 generation.  Answered by
	 * IP_CONF_RESULT.
	 */
	PI_CONF_BEGIN,
	PI_CONF_DATA,
	PI_CONF_END,
	/*
	 * The kernel wants an SA (SADB_ACQUIRE).  u32 seq, u8 satype,
	 * addr src, addr dst (the SA's endpoints), u32 spid, u8 dir,
	 * addr sel_src, addr sel_dst (prefix and port), u8 ulproto,
	 * u32 reqid, u8 mode, u8 level.
	 */
	PI_ACQUIRE,
	/*
	 * An SA reached a lifetime (SADB_EXPIRE).  u8 satype, u32 spi,
	 * addr src, addr dst, u8 hard, u64 bytes used, u64 addtime.
	 */
	PI_EXPIRE,
	/* Someone deleted an SA (a DELETE broadcast).  u8 satype, u32 spi,
	 * addr src, addr dst. */
	PI_SA_GONE,
	/* Reply to IP_GETSPI.  i32 error (errno), u32 spi. */
	PI_GETSPI_R,
	/* Reply to IP_SA_ADD, IP_SA_DELETE, IP_DELETE_PEER, IP_SPD_ADD,
	 * IP_SPD_DELETE.  i32 error (errno), u32 count, str why. */
	PI_RESULT,
	/*
	 * A control request for the ike process (peer id: the control
	 * client).  u16 what (PS_CTL_*), then by what:
	 *   SHOW_ISAKMP, FLUSH_ISAKMP, SHOW_SCHED: nothing;
	 *   DELETE_ISAKMP: addr local, addr remote;
	 *   ESTABLISH: u8 satype (0: isakmp), u8 ulproto, addr src,
	 *     addr dst, str remote name.
	 * Answered by IP_CTL_DATA records and one IP_CTL_END.
	 */
	PI_CTL,
	/*
	 * The public certificate material of the remotes (racoon-ng.conf
	 * certificate_type, ca_type, crl_file, peers_certfile, path
	 * certificate), read and checked by the parent with cert.h, as DER:
	 * PI_CERTS_BEGIN u32 generation; PI_CERT u32 generation, str remote
	 * name, u8 what (PS_CERT_*), blob DER (at most PS_CERT_DER_MAX);
	 * PI_CERTS_END u32 generation, which puts the set in force in
	 * place of the last one.  The private keys go to the ca process.
	 */
	PI_CERTS_BEGIN,
	PI_CERT,
	PI_CERTS_END,
	/* The log level after a reload: u32 level (0 info, 1 debug,
	 * 2 debug2).  PC_LOG_LEVEL says the same to the ca process. */
	PI_LOG_LEVEL,
	PI_MAX
};

/* ---------------------------------------------- ike -> parent ("ike") */

enum ps_ike_parent {
	/* Reply to PI_CONF_END.  u32 generation, i32 error, str why. */
	IP_CONF_RESULT = 101,
	/*
	 * An SPI for an inbound SA.  u8 satype, addr src (the peer),
	 * addr dst (ours), u32 min, u32 max, u32 reqid, u32 acquire seq
	 * (0: we are the responder).  Answered by PI_GETSPI_R.
	 */
	IP_GETSPI,
	/*
	 * Install a negotiated SA.  u8 op (PS_SA_UPDATE: inbound, on an SPI
	 * from IP_GETSPI; PS_SA_ADD: outbound), u8 satype, u32 spi,
	 * addr src, addr dst, u8 mode, u32 reqid, u16 ealg, u16 aalg
	 * (libpfkey logical numbers), blob ekey, blob akey (at most
	 * PS_KEY_MAX), u64 hard seconds, u64 hard bytes, u32 replay
	 * (packets), u32 flags (PS_SAF_*), u8 natt type (0: none),
	 * u16 natt sport, u16 natt dport, u32 inbound spi (for ADD: the
	 * SPI of the inbound SA of the same negotiation; 0 for UPDATE),
	 * addr NAT-OA of the peer, addr NAT-OA of ours (transport mode
	 * with NAT-T only; unspecified: none).
	 * Answered by PI_RESULT.
	 */
	IP_SA_ADD,
	/* Delete an SA.  u8 satype, u32 spi, addr src, addr dst. */
	IP_SA_DELETE,
	/* INITIAL-CONTACT: delete every ESP and AH SA between two
	 * addresses, both directions.  addr local, addr peer. */
	IP_DELETE_PEER,
	/*
	 * A policy implied by the peer's IDs (generate_policy).  u8 op
	 * (PS_SPD_ADD, PS_SPD_UPDATE), u8 dir, addr sel_src, addr sel_dst,
	 * u8 ulproto, u8 proto (IPPROTO_ESP/AH), u8 mode, u8 level,
	 * u32 reqid, addr tunnel src, addr tunnel dst (AF_UNSPEC for
	 * transport mode), addr local, addr peer (the IKE endpoints).
	 */
	IP_SPD_ADD,
	/* Remove a policy IP_SPD_ADD made.  u8 dir, addr sel_src,
	 * addr sel_dst, u8 ulproto. */
	IP_SPD_DELETE,
	/* Negotiation for an ACQUIRE failed (RFC 2367 3.1.6).  u32 seq,
	 * u8 satype, i32 error. */
	IP_ACQUIRE_FAIL,
	/* An event for show-event.  u16 type (PS_EVT_*), addr local,
	 * addr remote, u8 satype, u32 spi, str text. */
	IP_EVENT,
	/* A record for a control client (peer id).  u16 what, then:
	 *   SHOW_ISAKMP: addr local, addr remote, 8 bytes icookie,
	 *     8 bytes rcookie, u8 status, u8 side, u8 version, u8 etype,
	 *     u64 created, u32 phase 2 count;
	 *   SHOW_SCHED: u32 id, u64 due (ms from now), u64 created,
	 *     str what. */
	IP_CTL_DATA,
	/* The end of a control answer.  i32 error, str why. */
	IP_CTL_END,
	IP_MAX
};

/* ----------------------------------------------- parent -> ca ("ca") */

enum ps_parent_ca {
	/*
	 * Load a PSK file (its descriptor comes with the message, opened and
	 * checked by the parent).  u32 generation.  The keys are kept
	 * aside until PC_COMMIT of the same generation, dropped on
	 * PC_ABORT.  Answered by CP_PSK_RESULT.
	 */
	PC_PSK_LOAD = 201,
	/* u32 generation. */
	PC_COMMIT,
	PC_ABORT,
	/* No PSK file in the configuration: forget the keys.  u32 gen. */
	PC_PSK_NONE,
	/* A private key file (descriptor with it) for a remote: u32
	 * generation, str remote name.  Kept aside like PC_PSK_LOAD. */
	PC_KEY_LOAD,
	/* u32 level, as PI_LOG_LEVEL. */
	PC_LOG_LEVEL,
	PC_MAX
};

/* ----------------------------------------------- ca -> parent ("ca") */

enum ps_ca_parent {
	/* u32 generation, i32 error, u32 keys loaded, str why. */
	CP_PSK_RESULT = 301,
	/* u32 generation, i32 error, str why. */
	CP_KEY_RESULT,
	CP_MAX
};

/* -------------------------------------------- ike <-> ca ("ikeca") */

enum ps_ike_ca {
	/*
	 * prf(psk, data), the PSK chosen by the peer's identity (RFC 2409
	 * 5.4: SKEYID for pre-shared key authentication).  u8 prf
	 * (PS_PRF_*), u8 idtype (PS_ID_*), str identity (an address in
	 * numeric form, an FQDN or user@FQDN, or a key id), blob data
	 * (at most PS_PRF_DATA_MAX).  Answered by CI_PRF_R.
	 */
	IC_PRF = 401,
	/* Sign a hash with the private key of a remote, as cert.h's
	 * cert_key_sign() does for the key's method (RSA: PKCS#1 v1.5
	 * padding of the bare hash, RFC 2409 5.1; ECDSA: r | s, RFC 4754).
	 * str remote name, blob hash (at most PS_HASH_MAX).  Answered by
	 * CI_SIGN_R. */
	IC_SIGN,
	IC_MAX
};

enum ps_ca_ike {
	/* i32 error, blob result (at most PS_PRF_OUT_MAX). */
	CI_PRF_R = 501,
	/* i32 error, blob signature (at most PS_SIG_MAX). */
	CI_SIGN_R,
	CI_MAX
};

/* ------------------------------------------------------------ values */

#define PS_SOCK_UDP		1	/* our own UDP socket */
#define PS_SOCK_RELAY		2	/* sadbd's IKE relay (SEQPACKET) */

#define PS_ROLE_IKE		1	/* port 500 */
#define PS_ROLE_NATT		2	/* port 4500: non-ESP marker */

#define PS_SOCKF_ENCAP		0x01	/* UDP_ENCAP_ESPINUDP is set */
#define PS_SOCKF_PKTINFO	0x02	/* wildcard: local address per packet */

#define PS_SA_UPDATE		1
#define PS_SA_ADD		2

#define PS_SAF_ESN		0x0001

#define PS_SPD_ADD		1
#define PS_SPD_UPDATE		2

/* IKEv1 hash algorithm attribute values (RFC 2409 App. A, RFC 4868). */
#define PS_PRF_MD5		1
#define PS_PRF_SHA1		2
#define PS_PRF_SHA2_256		4
#define PS_PRF_SHA2_384		5
#define PS_PRF_SHA2_512		6

/* PI_CERT: what the DER is (MINE and PEER in chain order, end entity
 * first). */
#define PS_CERT_MINE		1	/* our certificate and its chain */
#define PS_CERT_CA		2	/* a CA certificate of the store */
#define PS_CERT_CRL		3	/* a CRL of the store */
#define PS_CERT_PEER		4	/* the peer's (peers_certfile) */

/* Identity kinds for PSK lookup (the psk.txt key column). */
#define PS_ID_ADDR		1
#define PS_ID_FQDN		2
#define PS_ID_USERFQDN		3
#define PS_ID_KEYID		4

/* Control requests the ike process answers. */
#define PS_CTL_SHOW_ISAKMP	1
#define PS_CTL_FLUSH_ISAKMP	2
#define PS_CTL_DELETE_ISAKMP	3
#define PS_CTL_ESTABLISH	4
#define PS_CTL_SHOW_SCHED	5

/*
 * Events (show-event).  1-14 are racoon's (evt.h) with its wording in
 * racoonctl; the rest are racoon-ng's.
 */
#define PS_EVT_RACOON_QUIT		1
#define PS_EVT_PHASE1_UP		2
#define PS_EVT_PHASE1_DOWN		3
#define PS_EVT_PHASE1_NO_RESPONSE	4
#define PS_EVT_PHASE1_NO_PROPOSAL	5
#define PS_EVT_PHASE1_AUTH_FAILED	6
#define PS_EVT_PHASE1_DPD_TIMEOUT	7
#define PS_EVT_PHASE1_MODE_CFG		8
#define PS_EVT_PHASE1_XAUTH_SUCCESS	9
#define PS_EVT_PHASE1_XAUTH_FAILED	10
#define PS_EVT_PHASE2_NO_PHASE1		11
#define PS_EVT_PHASE2_UP		12
#define PS_EVT_PHASE2_DOWN		13
#define PS_EVT_PHASE2_NO_RESPONSE	14
#define PS_EVT_ACQUIRE			32
#define PS_EVT_EXPIRE_SOFT		33
#define PS_EVT_EXPIRE_HARD		34
#define PS_EVT_SA_ADDED			35
#define PS_EVT_SA_DELETED		36
#define PS_EVT_CONFIG_RELOADED		37
#define PS_EVT_CONFIG_FAILED		38
#define PS_EVT_SADB_FLUSHED		39
#define PS_EVT_MAX			40

#endif /* RACOON_NG_PRIVSEP_H */
