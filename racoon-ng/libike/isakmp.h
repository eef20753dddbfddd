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
 * The ISAKMP message codec of racoon-ng (libike): IKEv1 constants (RFC
 * 2407, 2408, 2409, 3706, 3947 and the IANA registries), a strict
 * decoder, a bounded encoder and IKE fragmentation (payload 132).
 *
 * Layers, bottom up:
 *
 *  - isakmp_hdr_decode() and isakmp_chain_walk(): the 28-byte header and
 *    the generic payload chain.  Neither knows IKEv1 semantics beyond the
 *    table of payload types it is given, so an IKEv2 codec can use them
 *    too (IKEv2 has the same header layout and generic payload header; it
 *    passes ISAKMP_WALK_CRITICAL for its critical bit).
 *  - isakmp_decode() / isakmp_decode_body(): an IKEv1 message as a view
 *    (struct isakmp_msg): the header and each payload's type, position and
 *    body, in order.  Nothing is copied; the view points into the caller's
 *    buffer, which must outlive it.
 *  - isakmp_decode_<payload>(): one decoder per payload type, on a payload
 *    of the view.  Variable parts are pointers into the message again.
 *    The SA payload is validated whole by isakmp_decode_sa() (proposals,
 *    transforms, attributes) and then walked with cursors, so no list is
 *    allocated however many transforms a peer sends.
 *  - struct isakmp_buf and isakmp_put_*(): the encoder.  A buffer that is
 *    either the caller's fixed memory or a heap buffer that grows up to a
 *    hard cap; errors are sticky, nothing is written past the capacity,
 *    next-payload fields and lengths are filled in by the builder.
 *  - isakmp_frag_*() and isakmp_reasm_*() (isakmp_frag.c): splitting a
 *    message into fragment messages and the bounded reassembly.
 *
 * Decoding never trusts a length: every length is checked against what
 * encloses it before anything is read, and every failure fills a struct
 * isakmp_error: the notify type the exchange layer can answer with, the
 * payload being decoded, the byte offset in the message and a short
 * static reason.
 *
 * Nothing here logs or keeps global state (the reassembly pool is the
 * caller's), and nothing allocates except where a function says so.
 */

#ifndef PFKEYKIT_ISAKMP_H
#define PFKEYKIT_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ wire sizes */

#define ISAKMP_HDR_LEN		28	/* RFC 2408 3.1 */
#define ISAKMP_GEN_LEN		4	/* generic payload header, 3.2 */
#define ISAKMP_COOKIE_LEN	8
#define ISAKMP_MSG_MAX		65535	/* what one UDP datagram can carry */

/* Version byte: major in the high nibble, minor in the low one. */
#define ISAKMP_VERSION(maj, min)	((uint8_t)((maj) << 4 | ((min) & 0x0f)))
#define ISAKMP_VERSION_MAJOR(v)		((uint8_t)(v) >> 4)
#define ISAKMP_VERSION_MINOR(v)		((uint8_t)(v) & 0x0f)
#define ISAKMP_VERSION_IKEV1		ISAKMP_VERSION(1, 0)
#define ISAKMP_VERSION_IKEV2		ISAKMP_VERSION(2, 0)

/* Header flags (RFC 2408 3.1). */
#define ISAKMP_FLAG_E		0x01	/* encryption */
#define ISAKMP_FLAG_C		0x02	/* commit */
#define ISAKMP_FLAG_A		0x04	/* authentication only */
#define ISAKMP_FLAGS_IKEV1	(ISAKMP_FLAG_E | ISAKMP_FLAG_C | ISAKMP_FLAG_A)

/* ---------------------------------------------------------- exchange types */

#define ISAKMP_ETYPE_NONE	0
#define ISAKMP_ETYPE_BASE	1
#define ISAKMP_ETYPE_IDPROT	2	/* main mode (RFC 2409 5) */
#define ISAKMP_ETYPE_AUTHONLY	3
#define ISAKMP_ETYPE_AGGRESSIVE	4	/* RFC 2409 5 */
#define ISAKMP_ETYPE_INFO	5	/* informational */
#define ISAKMP_ETYPE_TRANSACTION 6	/* Mode Config / XAuth (draft) */
#define ISAKMP_ETYPE_QUICK	32	/* RFC 2409 5.5 */
#define ISAKMP_ETYPE_NEWGROUP	33	/* RFC 2409 5.6 */

/* ----------------------------------------------------------- payload types */

#define ISAKMP_NPTYPE_NONE	0
#define ISAKMP_NPTYPE_SA	1
#define ISAKMP_NPTYPE_P		2	/* only inside SA */
#define ISAKMP_NPTYPE_T		3	/* only inside a proposal */
#define ISAKMP_NPTYPE_KE	4
#define ISAKMP_NPTYPE_ID	5
#define ISAKMP_NPTYPE_CERT	6
#define ISAKMP_NPTYPE_CR	7
#define ISAKMP_NPTYPE_HASH	8
#define ISAKMP_NPTYPE_SIG	9
#define ISAKMP_NPTYPE_NONCE	10
#define ISAKMP_NPTYPE_N		11
#define ISAKMP_NPTYPE_D		12
#define ISAKMP_NPTYPE_VID	13
#define ISAKMP_NPTYPE_ATTR	14	/* Mode Config attributes (draft) */
#define ISAKMP_NPTYPE_SAK	15	/* GDOI (RFC 6407), 15-19 and 22 */
#define ISAKMP_NPTYPE_SAT	16
#define ISAKMP_NPTYPE_KD	17
#define ISAKMP_NPTYPE_SEQ	18
#define ISAKMP_NPTYPE_POP	19
#define ISAKMP_NPTYPE_NATD	20	/* RFC 3947 */
#define ISAKMP_NPTYPE_NATOA	21	/* RFC 3947 */
#define ISAKMP_NPTYPE_GAP	22
#define ISAKMP_NPTYPE_NATD_DRAFT  130	/* draft-ietf-ipsec-nat-t-ike-02/03 */
#define ISAKMP_NPTYPE_NATOA_DRAFT 131
#define ISAKMP_NPTYPE_FRAG	132	/* IKE fragmentation (Cisco/racoon) */

/* ------------------------------------------------------------ notify types */

/* Errors (RFC 2408 3.14.1). */
#define ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE	1
#define ISAKMP_NTYPE_DOI_NOT_SUPPORTED		2
#define ISAKMP_NTYPE_SITUATION_NOT_SUPPORTED	3
#define ISAKMP_NTYPE_INVALID_COOKIE		4
#define ISAKMP_NTYPE_INVALID_MAJOR_VERSION	5
#define ISAKMP_NTYPE_INVALID_MINOR_VERSION	6
#define ISAKMP_NTYPE_INVALID_EXCHANGE_TYPE	7
#define ISAKMP_NTYPE_INVALID_FLAGS		8
#define ISAKMP_NTYPE_INVALID_MESSAGE_ID		9
#define ISAKMP_NTYPE_INVALID_PROTOCOL_ID	10
#define ISAKMP_NTYPE_INVALID_SPI		11
#define ISAKMP_NTYPE_INVALID_TRANSFORM_ID	12
#define ISAKMP_NTYPE_ATTRIBUTES_NOT_SUPPORTED	13
#define ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN		14
#define ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX	15
#define ISAKMP_NTYPE_PAYLOAD_MALFORMED		16
#define ISAKMP_NTYPE_INVALID_KEY_INFORMATION	17
#define ISAKMP_NTYPE_INVALID_ID_INFORMATION	18
#define ISAKMP_NTYPE_INVALID_CERT_ENCODING	19
#define ISAKMP_NTYPE_INVALID_CERTIFICATE	20
#define ISAKMP_NTYPE_CERT_TYPE_UNSUPPORTED	21
#define ISAKMP_NTYPE_INVALID_CERT_AUTHORITY	22
#define ISAKMP_NTYPE_INVALID_HASH_INFORMATION	23
#define ISAKMP_NTYPE_AUTHENTICATION_FAILED	24
#define ISAKMP_NTYPE_INVALID_SIGNATURE		25
#define ISAKMP_NTYPE_ADDRESS_NOTIFICATION	26
#define ISAKMP_NTYPE_NOTIFY_SA_LIFETIME		27
#define ISAKMP_NTYPE_CERTIFICATE_UNAVAILABLE	28
#define ISAKMP_NTYPE_UNSUPPORTED_EXCHANGE_TYPE	29
#define ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS	30
/* Status (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706). */
#define ISAKMP_NTYPE_CONNECTED			16384
#define ISAKMP_NTYPE_RESPONDER_LIFETIME		24576
#define ISAKMP_NTYPE_REPLAY_STATUS		24577
#define ISAKMP_NTYPE_INITIAL_CONTACT		24578
#define ISAKMP_NTYPE_R_U_THERE			36136
#define ISAKMP_NTYPE_R_U_THERE_ACK		36137

/* ---------------------------------------------------------- DOI, situation */

#define ISAKMP_DOI_ISAKMP	0
#define ISAKMP_DOI_IPSEC	1	/* RFC 2407 */

#define IPSEC_SIT_IDENTITY_ONLY	0x01	/* RFC 2407 4.2 */
#define IPSEC_SIT_SECRECY	0x02
#define IPSEC_SIT_INTEGRITY	0x04

/* ---------------------------------------------- protocol and transform ids */

/* Protocol identifiers (RFC 2407 4.4.1). */
#define ISAKMP_PROTO_ISAKMP	1
#define ISAKMP_PROTO_AH		2
#define ISAKMP_PROTO_ESP	3
#define ISAKMP_PROTO_IPCOMP	4

/* ISAKMP transform identifiers (RFC 2407 4.4.2). */
#define ISAKMP_XFORM_KEY_IKE	1

/* AH transform identifiers (RFC 2407 4.4.3, IANA). */
#define IPSEC_AH_MD5		2
#define IPSEC_AH_SHA		3
#define IPSEC_AH_DES		4
#define IPSEC_AH_SHA2_256	5
#define IPSEC_AH_SHA2_384	6
#define IPSEC_AH_SHA2_512	7
#define IPSEC_AH_RIPEMD		8
#define IPSEC_AH_AES_XCBC_MAC	9
#define IPSEC_AH_RSA		10
#define IPSEC_AH_AES_128_GMAC	11
#define IPSEC_AH_AES_192_GMAC	12
#define IPSEC_AH_AES_256_GMAC	13

/* ESP transform identifiers (RFC 2407 4.4.4, IANA). */
#define IPSEC_ESP_DES_IV64	1
#define IPSEC_ESP_DES		2
#define IPSEC_ESP_3DES		3
#define IPSEC_ESP_RC5		4
#define IPSEC_ESP_IDEA		5
#define IPSEC_ESP_CAST		6
#define IPSEC_ESP_BLOWFISH	7
#define IPSEC_ESP_3IDEA		8
#define IPSEC_ESP_DES_IV32	9
#define IPSEC_ESP_RC4		10
#define IPSEC_ESP_NULL		11
#define IPSEC_ESP_AES		12	/* AES-CBC, RFC 3602 */
#define IPSEC_ESP_AES_CTR	13	/* RFC 3686 */
#define IPSEC_ESP_AES_CCM_8	14	/* RFC 4309 */
#define IPSEC_ESP_AES_CCM_12	15
#define IPSEC_ESP_AES_CCM_16	16
#define IPSEC_ESP_AES_GCM_8	18	/* RFC 4106 */
#define IPSEC_ESP_AES_GCM_12	19
#define IPSEC_ESP_AES_GCM_16	20
#define IPSEC_ESP_SEED_CBC	21
#define IPSEC_ESP_CAMELLIA	22
#define IPSEC_ESP_NULL_AUTH_AES_GMAC 23	/* RFC 4543 */

/* IPCOMP transform identifiers (RFC 2407 4.4.5). */
#define IPSEC_IPCOMP_OUI	1
#define IPSEC_IPCOMP_DEFLATE	2
#define IPSEC_IPCOMP_LZS	3
#define IPSEC_IPCOMP_LZJH	4

/* ------------------------------------------- phase 1 attributes (RFC 2409) */

#define OAKLEY_ATTR_ENC_ALG		1	/* B */
#define OAKLEY_ATTR_HASH_ALG		2	/* B */
#define OAKLEY_ATTR_AUTH_METHOD		3	/* B */
#define OAKLEY_ATTR_GRP_DESC		4	/* B */
#define OAKLEY_ATTR_GRP_TYPE		5	/* B */
#define OAKLEY_ATTR_GRP_PI		6	/* V */
#define OAKLEY_ATTR_GRP_GEN_ONE		7	/* V */
#define OAKLEY_ATTR_GRP_GEN_TWO		8	/* V */
#define OAKLEY_ATTR_GRP_CURVE_A		9	/* V */
#define OAKLEY_ATTR_GRP_CURVE_B		10	/* V */
#define OAKLEY_ATTR_SA_LD_TYPE		11	/* B */
#define OAKLEY_ATTR_SA_LD		12	/* V */
#define OAKLEY_ATTR_PRF			13	/* B */
#define OAKLEY_ATTR_KEY_LEN		14	/* B */
#define OAKLEY_ATTR_FIELD_SIZE		15	/* B */
#define OAKLEY_ATTR_GRP_ORDER		16	/* V */

#define OAKLEY_ENC_DES		1
#define OAKLEY_ENC_IDEA		2
#define OAKLEY_ENC_BLOWFISH	3
#define OAKLEY_ENC_RC5		4
#define OAKLEY_ENC_3DES		5
#define OAKLEY_ENC_CAST		6
#define OAKLEY_ENC_AES		7	/* RFC 3602 */
#define OAKLEY_ENC_CAMELLIA	8	/* RFC 4312 */

#define OAKLEY_HASH_MD5		1
#define OAKLEY_HASH_SHA		2
#define OAKLEY_HASH_TIGER	3
#define OAKLEY_HASH_SHA2_256	4	/* RFC 4868 */
#define OAKLEY_HASH_SHA2_384	5
#define OAKLEY_HASH_SHA2_512	6

#define OAKLEY_AUTH_PSK			1
#define OAKLEY_AUTH_DSS			2
#define OAKLEY_AUTH_RSA_SIG		3
#define OAKLEY_AUTH_RSA_ENC		4
#define OAKLEY_AUTH_RSA_REV_ENC		5
#define OAKLEY_AUTH_ECDSA_256		9	/* RFC 4754 */
#define OAKLEY_AUTH_ECDSA_384		10
#define OAKLEY_AUTH_ECDSA_521		11
/* Hybrid and XAuth (draft-ietf-ipsec-isakmp-hybrid-auth, -xauth). */
#define OAKLEY_AUTH_HYBRID_RSA_I	64221
#define OAKLEY_AUTH_HYBRID_RSA_R	64222
#define OAKLEY_AUTH_HYBRID_DSS_I	64223
#define OAKLEY_AUTH_HYBRID_DSS_R	64224
#define OAKLEY_AUTH_XAUTH_PSK_I		65001
#define OAKLEY_AUTH_XAUTH_PSK_R		65002
#define OAKLEY_AUTH_XAUTH_DSS_I		65003
#define OAKLEY_AUTH_XAUTH_DSS_R		65004
#define OAKLEY_AUTH_XAUTH_RSA_I		65005
#define OAKLEY_AUTH_XAUTH_RSA_R		65006
#define OAKLEY_AUTH_XAUTH_RSA_ENC_I	65007
#define OAKLEY_AUTH_XAUTH_RSA_ENC_R	65008
#define OAKLEY_AUTH_XAUTH_RSA_REV_I	65009
#define OAKLEY_AUTH_XAUTH_RSA_REV_R	65010

/* Group descriptions (RFC 2409 6, RFC 3526, RFC 5114, RFC 5903, IANA). */
#define OAKLEY_GROUP_MODP768	1
#define OAKLEY_GROUP_MODP1024	2
#define OAKLEY_GROUP_EC2N155	3
#define OAKLEY_GROUP_EC2N185	4
#define OAKLEY_GROUP_MODP1536	5
#define OAKLEY_GROUP_MODP2048	14
#define OAKLEY_GROUP_MODP3072	15
#define OAKLEY_GROUP_MODP4096	16
#define OAKLEY_GROUP_MODP6144	17
#define OAKLEY_GROUP_MODP8192	18
#define OAKLEY_GROUP_ECP256	19
#define OAKLEY_GROUP_ECP384	20
#define OAKLEY_GROUP_ECP521	21
#define OAKLEY_GROUP_MODP1024S160 22
#define OAKLEY_GROUP_MODP2048S224 23
#define OAKLEY_GROUP_MODP2048S256 24
#define OAKLEY_GROUP_ECP192	25
#define OAKLEY_GROUP_ECP224	26
#define OAKLEY_GROUP_BP224	27
#define OAKLEY_GROUP_BP256	28
#define OAKLEY_GROUP_BP384	29
#define OAKLEY_GROUP_BP512	30
#define OAKLEY_GROUP_CURVE25519	31
#define OAKLEY_GROUP_CURVE448	32

#define OAKLEY_GRP_TYPE_MODP	1
#define OAKLEY_GRP_TYPE_ECP	2
#define OAKLEY_GRP_TYPE_EC2N	3

#define OAKLEY_LIFE_SECONDS	1
#define OAKLEY_LIFE_KILOBYTES	2

/* --------------------------------------- phase 2 attributes (RFC 2407 4.5) */

#define IPSEC_ATTR_SA_LD_TYPE		1	/* B */
#define IPSEC_ATTR_SA_LD		2	/* V */
#define IPSEC_ATTR_GRP_DESC		3	/* B */
#define IPSEC_ATTR_ENC_MODE		4	/* B */
#define IPSEC_ATTR_AUTH			5	/* B */
#define IPSEC_ATTR_KEY_LENGTH		6	/* B */
#define IPSEC_ATTR_KEY_ROUNDS		7	/* B */
#define IPSEC_ATTR_COMP_DICT_SIZE	8	/* B */
#define IPSEC_ATTR_COMP_PRIVALG		9	/* V */
#define IPSEC_ATTR_ECN_TUNNEL		10	/* B, RFC 3168 */
#define IPSEC_ATTR_ESN			11	/* B, RFC 4304 */

#define IPSEC_LIFE_SECONDS	1
#define IPSEC_LIFE_KILOBYTES	2

#define IPSEC_ENCMODE_TUNNEL		1
#define IPSEC_ENCMODE_TRANSPORT		2
#define IPSEC_ENCMODE_UDP_TUNNEL	3	/* RFC 3947 */
#define IPSEC_ENCMODE_UDP_TRANSPORT	4
#define IPSEC_ENCMODE_UDP_TUNNEL_DRAFT	61443	/* nat-t drafts */
#define IPSEC_ENCMODE_UDP_TRANSPORT_DRAFT 61444

#define IPSEC_AUTH_HMAC_MD5		1
#define IPSEC_AUTH_HMAC_SHA1		2
#define IPSEC_AUTH_DES_MAC		3
#define IPSEC_AUTH_KPDK			4
#define IPSEC_AUTH_HMAC_SHA2_256	5
#define IPSEC_AUTH_HMAC_SHA2_384	6
#define IPSEC_AUTH_HMAC_SHA2_512	7
#define IPSEC_AUTH_HMAC_RIPEMD		8
#define IPSEC_AUTH_AES_XCBC_MAC		9
#define IPSEC_AUTH_SIG_RSA		10
#define IPSEC_AUTH_AES_128_GMAC		11
#define IPSEC_AUTH_AES_192_GMAC		12
#define IPSEC_AUTH_AES_256_GMAC		13

#define IPSEC_ESN_USE			1	/* 64-bit sequence numbers */

/* --------------------------------------------------- ID types, certificates */

/* Identification types (RFC 2407 4.6.2.1). */
#define IPSEC_ID_IPV4_ADDR		1
#define IPSEC_ID_FQDN			2
#define IPSEC_ID_USER_FQDN		3
#define IPSEC_ID_IPV4_ADDR_SUBNET	4
#define IPSEC_ID_IPV6_ADDR		5
#define IPSEC_ID_IPV6_ADDR_SUBNET	6
#define IPSEC_ID_IPV4_ADDR_RANGE	7
#define IPSEC_ID_IPV6_ADDR_RANGE	8
#define IPSEC_ID_DER_ASN1_DN		9
#define IPSEC_ID_DER_ASN1_GN		10
#define IPSEC_ID_KEY_ID			11

/* Certificate encodings (RFC 2408 3.9). */
#define ISAKMP_CERT_NONE		0
#define ISAKMP_CERT_PKCS7		1
#define ISAKMP_CERT_PGP			2
#define ISAKMP_CERT_DNS			3
#define ISAKMP_CERT_X509_SIGN		4
#define ISAKMP_CERT_X509_KE		5
#define ISAKMP_CERT_KERBEROS		6
#define ISAKMP_CERT_CRL			7
#define ISAKMP_CERT_ARL			8
#define ISAKMP_CERT_SPKI		9
#define ISAKMP_CERT_X509_ATTR		10
#define ISAKMP_CERT_PLAINRSA		11	/* racoon's raw RSA key */

/* ------------------------------------------- Mode Config attribute payload */

/* Attribute payload types (draft-ietf-ipsec-isakmp-mode-cfg-05 3.2). */
#define ISAKMP_CFG_REQUEST	1
#define ISAKMP_CFG_REPLY	2
#define ISAKMP_CFG_SET		3
#define ISAKMP_CFG_ACK		4

/* ------------------------------------------------------ IKE fragmentation */

/*
 * The fragment payload (type 132) as Cisco, racoon and strongSwan send
 * it: the generic header, a 2-byte fragment id, a 1-byte fragment number
 * (1, 2, ...) and a 1-byte flags field whose bit ISAKMP_FRAG_LAST marks
 * the last fragment, then the fragment's share of the original message
 * (header included).  Each fragment travels as a message of its own: the
 * original header fields with next payload 132 and the one fragment
 * payload.
 */
#define ISAKMP_FRAG_HDR_LEN	8
#define ISAKMP_FRAG_LAST	0x01

/* ----------------------------------------------------------------- errors */

/*
 * What went wrong in a decode.  notify is the ISAKMP_NTYPE_* an answer
 * would carry; payload the payload type being decoded (0 for the header);
 * offset the byte offset, from the start of the message, where the bad
 * field (or the payload holding it) starts; what a static string.
 */
struct isakmp_error {
	uint16_t	 notify;
	uint8_t		 payload;
	size_t		 offset;
	const char	*what;
};

/* ----------------------------------------------------- header and chain */

struct isakmp_hdr {
	uint8_t		 icookie[ISAKMP_COOKIE_LEN];
	uint8_t		 rcookie[ISAKMP_COOKIE_LEN];
	uint8_t		 np;		/* first payload */
	uint8_t		 version;	/* ISAKMP_VERSION(major, minor) */
	uint8_t		 etype;
	uint8_t		 flags;
	uint32_t	 msgid;
	uint32_t	 len;		/* total length, header included */
};

/*
 * Decodes the 28-byte header of a datagram of len bytes and checks only
 * what every ISAKMP version shares: len >= 28 and the length field equal
 * to len.  Version, flags and exchange type are left to the caller.
 * Returns 0, or -1 with *err filled (err may be NULL).
 */
int	isakmp_hdr_decode(struct isakmp_hdr *, const uint8_t *, size_t,
	    struct isakmp_error *);
/* Writes the 28 bytes of a header (out must hold ISAKMP_HDR_LEN). */
void	isakmp_hdr_encode(const struct isakmp_hdr *, uint8_t *);

/*
 * One payload of a message: its type and its body after the generic
 * header.  offset is where its generic header starts in the message.
 */
struct isakmp_payload {
	uint8_t		 type;
	uint8_t		 flags;		/* the generic header's reserved byte */
	const uint8_t	*body;
	size_t		 len;		/* body length: payload length - 4 */
	size_t		 offset;
};

#define ISAKMP_MAX_PAYLOADS	64	/* payloads per message */

/* A decoded message: a view into the caller's buffer. */
struct isakmp_msg {
	struct isakmp_hdr	 hdr;
	const uint8_t		*buf;		/* the whole message */
	size_t			 buflen;
	/*
	 * Set when the E flag is on and the payloads are encrypted: the body
	 * after the header (enclen > 0).  npl is 0 until the caller decrypts
	 * the body and runs isakmp_decode_body() on the plaintext.
	 */
	const uint8_t		*enc;
	size_t			 enclen;
	/* Bytes after the last payload of a decrypted body (cipher padding). */
	size_t			 padlen;
	size_t			 npl;
	struct isakmp_payload	 pl[ISAKMP_MAX_PAYLOADS];
	uint8_t			 count[256];	/* payloads per type */
};

/*
 * The chain walker.  Starting with payload type np at buf[off], walks the
 * generic headers up to buf[end]: every payload length is at least 4 and
 * within end, every type is in the 256-bit table accept (bit t of
 * accept[t / 8]), reserved bytes are zero (with ISAKMP_WALK_CRITICAL the
 * top bit, IKEv2's critical flag, may be set), and the chain ends
 * (next payload 0) exactly at end, or, with ISAKMP_WALK_PADDING, at most
 * ISAKMP_PAD_MAX bytes before it.  Payloads are appended to msg->pl with
 * offsets shifted by base (so offsets in a decrypted body count from the
 * start of the message).  Returns 0 or -1 with *err filled.
 */
#define ISAKMP_WALK_CRITICAL	0x01
#define ISAKMP_WALK_PADDING	0x02
#define ISAKMP_PAD_MAX		256
int	isakmp_chain_walk(struct isakmp_msg *, uint8_t np, const uint8_t *buf,
	    size_t off, size_t end, size_t base, const uint8_t accept[32],
	    int flags, struct isakmp_error *);

/* The payload types an IKEv1 message may carry at its top level. */
extern const uint8_t isakmp_ikev1_payloads[32];

/*
 * Decodes an IKEv1 datagram strictly: header (length equal to len,
 * version 1.0, only the E, C and A flags, an exchange type that is not
 * NONE or ISAKMP-reserved (7-31)), then, unless the payloads are
 * encrypted, the payload chain, which must end exactly at the end of the
 * message.  A message whose first payload is a fragment (132) is parsed
 * in the clear even with the E flag (racoon sets it on fragments of an
 * encrypted message); it must hold that one payload only.  Returns 0 or
 * -1 with *err filled.  msg points into buf afterwards.
 */
int	isakmp_decode(struct isakmp_msg *, const uint8_t *buf, size_t len,
	    struct isakmp_error *);

/*
 * Parses the decrypted body of an encrypted message decoded by
 * isakmp_decode(): the same checks as a clear message, except that
 * trailing bytes after the last payload are accepted as the cipher's
 * padding (RFC 2409 leaves their content free), up to ISAKMP_PAD_MAX of
 * them; their number is left in msg->padlen.  plain (plainlen bytes) is
 * the caller's plaintext and must outlive the view: payload bodies point
 * into it, and a payload's offset less ISAKMP_HDR_LEN is its position in
 * it (offsets count as if the body were in place, so errors and hashes
 * over "the message after HASH" use one numbering).  Returns 0 or -1.
 */
int	isakmp_decode_body(struct isakmp_msg *, const uint8_t *plain,
	    size_t plainlen, struct isakmp_error *);

/* The first payload of the given type, or NULL; n-th with _nth (0-based). */
const struct isakmp_payload *isakmp_msg_find(const struct isakmp_msg *,
	    uint8_t type);
const struct isakmp_payload *isakmp_msg_find_nth(const struct isakmp_msg *,
	    uint8_t type, size_t n);

/* ---------------------------------------------------------- SA payloads */

/*
 * A data attribute (RFC 2408 3.3): TV (AF bit set, a 2-byte value in the
 * header) or TLV.  val points at the value bytes in the message (for TV,
 * the 2 bytes of the header), len is their count.
 */
struct isakmp_attr {
	uint16_t	 type;		/* without the AF bit */
	bool		 tv;
	const uint8_t	*val;
	size_t		 len;
	size_t		 offset;
};

/*
 * An attribute's value as an integer: 0, or -1 if longer than 8 bytes
 * or empty.
 */
int	isakmp_attr_uint(const struct isakmp_attr *, uint64_t *);

/* Attribute classes: which attributes are basic (must be TV). */
#define ISAKMP_ATTRS_NONE	0	/* no rules (Mode Config) */
#define ISAKMP_ATTRS_PHASE1	1	/* RFC 2409 appendix A */
#define ISAKMP_ATTRS_PHASE2	2	/* RFC 2407 4.5 */

#define ISAKMP_MAX_ATTRS	32	/* attributes per transform */

struct isakmp_transform {
	uint8_t		 num;
	uint8_t		 id;
	const uint8_t	*attrs;
	size_t		 attrslen;
	size_t		 nattrs;
	size_t		 offset;	/* of the transform payload */
	size_t		 attroff;	/* of the first attribute */
};

struct isakmp_proposal {
	uint8_t		 num;
	uint8_t		 proto;
	uint8_t		 spisize;
	uint8_t		 ntransforms;
	const uint8_t	*spi;
	const uint8_t	*xforms;	/* the transform payloads */
	size_t		 xformslen;
	size_t		 offset;	/* of the proposal payload */
};

struct isakmp_sa {
	uint32_t	 doi;
	uint32_t	 sit;
	const uint8_t	*props;		/* the proposal payloads */
	size_t		 propslen;
	size_t		 nprops;
	size_t		 offset;	/* of the first proposal */
};

/*
 * Decodes an SA payload and validates all of it: DOI IPsec
 * (DOI-NOT-SUPPORTED otherwise), situation IDENTITY_ONLY (the labeled
 * secrecy/integrity situations are refused, SITUATION-NOT-SUPPORTED),
 * then the proposal chain (next payload 2 or 0, lengths exact, numbers
 * never decreasing, protocol 1-4, SPI size right for the protocol, the
 * transform count equal to the transforms present) and in each proposal
 * the transform chain (next payload 3 or 0, lengths exact, reserved
 * zero, numbers distinct) and each transform's attributes: every TLV
 * within its transform, at most ISAKMP_MAX_ATTRS, basic attributes of
 * the phase's class in TV form, no attribute type twice except the life
 * type/duration pairs (each life type once, directly followed by its
 * duration).  Unknown attribute types are kept.  Returns 0 or -1.
 */
int	isakmp_decode_sa(const struct isakmp_payload *, struct isakmp_sa *,
	    struct isakmp_error *);

/*
 * Cursors over a decoded SA: *cursor starts at 0; each call gives the
 * next item and returns 1, 0 at the end, -1 if the bytes do not walk
 * (only possible on a struct not filled by the decoder).
 */
int	isakmp_sa_next_proposal(const struct isakmp_sa *, size_t *cursor,
	    struct isakmp_proposal *);
int	isakmp_proposal_next_transform(const struct isakmp_proposal *,
	    size_t *cursor, struct isakmp_transform *);
int	isakmp_transform_next_attr(const struct isakmp_transform *,
	    size_t *cursor, struct isakmp_attr *);
/* The first attribute of a type: 1 found, 0 absent. */
int	isakmp_transform_find_attr(const struct isakmp_transform *,
	    uint16_t type, struct isakmp_attr *);

/*
 * Validates a run of attributes (len bytes at p, offset base in the
 * message) under a class's rules; *nattrs gets their count.  dups allows
 * repeated types (Mode Config).  Returns 0 or -1.
 */
int	isakmp_attrs_check(const uint8_t *p, size_t len, size_t base,
	    int cls, bool dups, uint8_t payload, size_t *nattrs,
	    struct isakmp_error *);
/* Cursor over a validated run of attributes (as above). */
int	isakmp_attrs_next(const uint8_t *p, size_t len, size_t base,
	    size_t *cursor, struct isakmp_attr *);

/* ---------------------------------------------------- the other payloads */

/* KE, HASH, SIG, NAT-D: opaque data of at least one byte. */
struct isakmp_data {
	const uint8_t	*data;
	size_t		 len;
};
int	isakmp_decode_data(const struct isakmp_payload *, struct isakmp_data *,
	    struct isakmp_error *);

#define ISAKMP_NONCE_MIN	8	/* RFC 2409 5 */
#define ISAKMP_NONCE_MAX	256
/* NONCE: 8 to 256 bytes (PAYLOAD-MALFORMED otherwise). */
int	isakmp_decode_nonce(const struct isakmp_payload *,
	    struct isakmp_data *, struct isakmp_error *);

/*
 * ID (RFC 2407 4.6.2).  FQDN, USER_FQDN, DER_ASN1_DN, DER_ASN1_GN and
 * KEY_ID data are the bytes themselves (no terminating NUL): to send one,
 * point data at them; the address types convert with the helpers below.
 */
struct isakmp_id {
	uint8_t		 type;
	uint8_t		 proto;
	uint16_t	 port;
	const uint8_t	*data;
	size_t		 len;
};
/*
 * Types 1-11; the address types must have their exact length (4, 8, 16,
 * 32 bytes), the others at least one byte (INVALID-ID-INFORMATION).
 */
int	isakmp_decode_id(const struct isakmp_payload *, struct isakmp_id *,
	    struct isakmp_error *);

/*
 * An ID as addresses, for the address types: af is 4 or 6; kind is
 * ISAKMP_IDA_ADDR (addr), _SUBNET (addr with host bits cleared, and
 * plen, from a contiguous mask) or _RANGE (addr .. end, addr <= end).
 */
#define ISAKMP_IDA_ADDR		1
#define ISAKMP_IDA_SUBNET	2
#define ISAKMP_IDA_RANGE	3
struct isakmp_idaddr {
	int		 af;		/* 4 or 6 */
	int		 kind;
	uint8_t		 addr[16];
	uint8_t		 end[16];	/* range end */
	unsigned int	 plen;		/* subnet prefix length */
};
/*
 * 0, or -1 (INVALID-ID-INFORMATION: not an address type, a mask that is
 * not contiguous, a range that runs backwards).
 */
int	isakmp_id_to_addr(const struct isakmp_id *, struct isakmp_idaddr *,
	    struct isakmp_error *);
/*
 * The ID data of an address (out must hold 32 bytes): returns its length
 * and sets *type, or 0 for an impossible input (af, kind or plen out of
 * range, a range end below its start).
 */
size_t	isakmp_id_from_addr(const struct isakmp_idaddr *, uint8_t *type,
	    uint8_t out[32]);
/*
 * FQDN, USER_FQDN (and KEY_ID when it is text) as a NUL-terminated
 * string: 0, or -1 for other types, an embedded NUL (which would let
 * "a\0.example" pass for "a") or a string that does not fit size.
 */
int	isakmp_id_to_string(const struct isakmp_id *, char *, size_t);

/*
 * CERT and CR (RFC 2408 3.9, 3.10): the encoding and the data (a CR's
 * data, the CA, may be empty; a CERT's may not).
 */
struct isakmp_cert {
	uint8_t		 encoding;
	const uint8_t	*data;
	size_t		 len;
};
int	isakmp_decode_cert(const struct isakmp_payload *, struct isakmp_cert *,
	    struct isakmp_error *);
int	isakmp_decode_cr(const struct isakmp_payload *, struct isakmp_cert *,
	    struct isakmp_error *);

/* N (RFC 2408 3.14): DOI 0 or 1, the SPI within the payload. */
struct isakmp_notify {
	uint32_t	 doi;
	uint8_t		 proto;
	uint8_t		 spisize;
	uint16_t	 type;
	const uint8_t	*spi;
	const uint8_t	*data;
	size_t		 len;		/* of data */
};
int	isakmp_decode_notify(const struct isakmp_payload *,
	    struct isakmp_notify *, struct isakmp_error *);

/*
 * D (RFC 2408 3.15): DOI 0 or 1, a known protocol, an SPI size that fits
 * it (16 for ISAKMP, 4 for AH and ESP, 2 or 4 for IPCOMP), at least one
 * SPI, and count * size exactly the rest of the payload.
 */
struct isakmp_delete {
	uint32_t	 doi;
	uint8_t		 proto;
	uint8_t		 spisize;
	uint16_t	 count;
	const uint8_t	*spis;		/* count * spisize bytes */
};
int	isakmp_decode_delete(const struct isakmp_payload *,
	    struct isakmp_delete *, struct isakmp_error *);
/* The i-th SPI of a delete payload, or NULL past the end. */
const uint8_t *isakmp_delete_spi(const struct isakmp_delete *, size_t);

/* NAT-OA (RFC 3947 5.2; also the draft type 131): IPv4 or IPv6 address. */
struct isakmp_natoa {
	uint8_t		 idtype;	/* IPSEC_ID_IPV4_ADDR or _IPV6_ADDR */
	int		 af;		/* 4 or 6 */
	uint8_t		 addr[16];
};
int	isakmp_decode_natoa(const struct isakmp_payload *,
	    struct isakmp_natoa *, struct isakmp_error *);

/* Mode Config attribute payload (type 14). */
struct isakmp_cfg {
	uint8_t		 type;		/* ISAKMP_CFG_* */
	uint16_t	 id;
	const uint8_t	*attrs;
	size_t		 attrslen;
	size_t		 nattrs;
	size_t		 attroff;
};
int	isakmp_decode_cfg(const struct isakmp_payload *, struct isakmp_cfg *,
	    struct isakmp_error *);

/* Fragment payload (type 132): at least one byte of data, number >= 1. */
struct isakmp_fragment {
	uint16_t	 id;
	uint8_t		 num;
	uint8_t		 flags;
	const uint8_t	*data;
	size_t		 len;
};
int	isakmp_decode_fragment(const struct isakmp_payload *,
	    struct isakmp_fragment *, struct isakmp_error *);

/* ---------------------------------------------------------- vendor IDs */

enum isakmp_vendor {
	ISAKMP_VID_UNKNOWN = 0,
	ISAKMP_VID_NATT_RFC3947,	/* MD5("RFC 3947") */
	ISAKMP_VID_NATT_DRAFT_02,	/* MD5 of the draft's name */
	ISAKMP_VID_NATT_DRAFT_02N,	/* the same with "\n" (as the draft) */
	ISAKMP_VID_NATT_DRAFT_03,
	ISAKMP_VID_NATT_DRAFT_04,
	ISAKMP_VID_NATT_DRAFT_05,
	ISAKMP_VID_NATT_DRAFT_06,
	ISAKMP_VID_NATT_DRAFT_07,
	ISAKMP_VID_NATT_DRAFT_08,
	ISAKMP_VID_DPD,			/* RFC 3706; version in *extra */
	ISAKMP_VID_FRAG,		/* MD5("FRAGMENTATION") [+ 4 bytes] */
	ISAKMP_VID_XAUTH,		/* 8 bytes of MD5(xauth-06 draft) */
	ISAKMP_VID_UNITY,		/* Cisco Unity; version in *extra */
	ISAKMP_VID_STRONGSWAN,		/* MD5("strongSwan") */
	ISAKMP_VID_RACOON,		/* MD5("KAME/racoon") */
	ISAKMP_VID_MS_NT5,		/* Windows; version in *extra */
	ISAKMP_VID_MAX
};

/* IKE fragmentation capabilities carried after the FRAGMENTATION VID. */
#define ISAKMP_FRAG_CAP_IKE	0x80000000U	/* main/aggressive mode */
#define ISAKMP_FRAG_CAP_BASE	0x40000000U	/* base mode */

/*
 * Recognises a vendor ID.  extra (may be NULL) gets the variable part:
 * the version bytes of DPD and Unity (major << 8 | minor), the
 * capability word of FRAGMENTATION (0 when the 16-byte form is sent), the
 * version word of MS NT5; 0 for the others.
 */
enum isakmp_vendor isakmp_vid_match(const uint8_t *, size_t, uint32_t *extra);
/*
 * The bytes this implementation sends for a vendor ID (DPD 1.0, FRAG
 * with ISAKMP_FRAG_CAP_IKE, Unity 1.0); *len gets their count; NULL for
 * UNKNOWN and MS_NT5.
 */
const uint8_t *isakmp_vid_bytes(enum isakmp_vendor, size_t *len);
const char *isakmp_vid_name(enum isakmp_vendor);

/* ------------------------------------------------------------ the encoder */

struct isakmp_frame {
	uint8_t		 type;		/* of the open payload */
	size_t		 start;		/* of the open payload (or 0) */
	size_t		 prevnp;	/* next payload byte, last child */
	size_t		 count;		/* children so far */
	bool		 haveprev;
};

#define ISAKMP_BUF_DEPTH	4	/* message, SA, proposal, transform */

/*
 * A message under construction.  Either fixed (the caller's memory, never
 * grown) or heap (grows by doubling up to max, freed and wiped by
 * isakmp_buf_free()).  Once a write fails, error stays set and every
 * further call fails: callers check once, at isakmp_buf_finish().
 */
struct isakmp_buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
	size_t		 max;
	bool		 heap;
	int		 error;		/* 0 or ISAKMP_BUF_E* */
	bool		 header;	/* a header was written */
	uint8_t		 firstnp;	/* first payload (body-only messages) */
	int		 depth;
	struct isakmp_frame fr[ISAKMP_BUF_DEPTH];
};

#define ISAKMP_BUF_ENOSPACE	1	/* cap or max reached */
#define ISAKMP_BUF_ENOMEM	2
#define ISAKMP_BUF_EINVAL	3	/* misuse: unbalanced, too long, ... */

/* Fixed buffer: nothing is ever allocated. */
void	isakmp_buf_init(struct isakmp_buf *, void *mem, size_t cap);
/* Heap buffer growing up to max (at most ISAKMP_MSG_MAX when 0). */
void	isakmp_buf_alloc(struct isakmp_buf *, size_t max);
/* Wipes what was written and frees a heap buffer. */
void	isakmp_buf_free(struct isakmp_buf *);
/* Forgets the contents (keeps the memory) to build another message. */
void	isakmp_buf_reset(struct isakmp_buf *);

/* Raw writes, for payload bodies the typed writers do not cover. */
int	isakmp_put_bytes(struct isakmp_buf *, const void *, size_t);
int	isakmp_put_u8(struct isakmp_buf *, uint8_t);
int	isakmp_put_u16(struct isakmp_buf *, uint16_t);
int	isakmp_put_u32(struct isakmp_buf *, uint32_t);

/*
 * The header: its next payload and length are filled in by the builder
 * (the values in hdr are ignored).  Must come first if at all; without it
 * the buffer builds a bare payload chain (an encrypted message's body),
 * whose first payload type is in b->firstnp.
 */
int	isakmp_put_header(struct isakmp_buf *, const struct isakmp_hdr *);

/*
 * Opens a payload of the given type at the current level (the previous
 * sibling's next payload is set to it) and writes its generic header;
 * isakmp_put_end() closes the innermost open payload and fills in its
 * length.  Payload bodies are written in between.
 */
int	isakmp_put_begin(struct isakmp_buf *, uint8_t type);
int	isakmp_put_end(struct isakmp_buf *);
/*
 * Sets the reserved byte of the innermost open payload's generic header
 * (zero in IKEv1; IKEv2 keeps its critical bit there).
 */
int	isakmp_put_payload_flags(struct isakmp_buf *, uint8_t flags);

/*
 * Closes the message: no payload may be open; with a header, the total
 * length is filled in.  *msg and *len (may be NULL) get the result, which
 * stays in the buffer.  Returns 0 or -1 (error set before or now).
 */
int	isakmp_buf_finish(struct isakmp_buf *, const uint8_t **msg,
	    size_t *len);

/*
 * Whole payloads from the decoded structs (the round trip of the
 * decoders).
 */
int	isakmp_put_data(struct isakmp_buf *, uint8_t type, const void *,
	    size_t);
int	isakmp_put_id(struct isakmp_buf *, const struct isakmp_id *);
int	isakmp_put_cert(struct isakmp_buf *, uint8_t type,
	    const struct isakmp_cert *);
int	isakmp_put_notify(struct isakmp_buf *, const struct isakmp_notify *);
int	isakmp_put_delete(struct isakmp_buf *, const struct isakmp_delete *);
int	isakmp_put_natoa(struct isakmp_buf *, uint8_t type,
	    const struct isakmp_natoa *);
int	isakmp_put_fragment(struct isakmp_buf *,
	    const struct isakmp_fragment *);

/*
 * SA payloads, as a nest: isakmp_put_sa_begin(), then per proposal
 * isakmp_put_proposal_begin(), per transform isakmp_put_transform_begin()
 * and its attributes, each closed with isakmp_put_end() (transform, then
 * proposal, then SA).  The proposal's transform count is filled in when
 * it is closed.
 */
int	isakmp_put_sa_begin(struct isakmp_buf *, uint32_t doi, uint32_t sit);
int	isakmp_put_proposal_begin(struct isakmp_buf *, uint8_t num,
	    uint8_t proto, const uint8_t *spi, uint8_t spisize);
int	isakmp_put_transform_begin(struct isakmp_buf *, uint8_t num,
	    uint8_t id);
/*
 * A numeric attribute: TV when the value fits 16 bits, else TLV in the
 * fewest bytes (at least 4, as RFC 2409 encodes life durations).
 */
int	isakmp_put_attr(struct isakmp_buf *, uint16_t type, uint64_t value);
/* A TLV attribute with these bytes. */
int	isakmp_put_attr_tlv(struct isakmp_buf *, uint16_t type, const void *,
	    size_t);
/* An attribute in exactly the form it was decoded. */
int	isakmp_put_attr_raw(struct isakmp_buf *, const struct isakmp_attr *);
/* Mode Config attribute payload: begin, attributes, isakmp_put_end(). */
int	isakmp_put_cfg_begin(struct isakmp_buf *, uint8_t type, uint16_t id);

/*
 * Re-encodes one decoded payload through its decoder and the matching
 * writer (types without a decoder are copied), so that for every payload
 * the decoder accepts, the bytes come out the same.  Returns 0 or -1
 * (the payload does not decode; *err says why).
 */
int	isakmp_put_payload(struct isakmp_buf *, const struct isakmp_payload *,
	    struct isakmp_error *);

/* ------------------------------------------------------ fragmentation */

#define ISAKMP_FRAG_MAXNUM	255	/* the number field is one byte */

/*
 * Splitting.  maxlen is the largest fragment message to send (the UDP
 * payload: the path MTU minus IP and UDP headers, and minus the 4-byte
 * non-ESP marker on port 4500); each fragment carries up to
 * maxlen - 28 - 8 bytes of the message.  isakmp_frag_count() gives the
 * number of fragments (0 if maxlen leaves no room or more than
 * ISAKMP_FRAG_MAXNUM would be needed).  isakmp_frag_build() writes
 * fragment n (1-based) of msg into out (outsize bytes), a whole message:
 * the original header (cookies, version, exchange type, message id; the
 * E flag cleared, since the fragment payload itself is not encrypted)
 * with next payload 132.  Returns its length, or 0 on bad arguments.
 */
size_t	isakmp_frag_count(size_t msglen, size_t maxlen);
size_t	isakmp_frag_build(const uint8_t *msg, size_t msglen, size_t maxlen,
	    uint16_t fragid, size_t n, uint8_t *out, size_t outsize);

/*
 * A memory pool shared by reassembly contexts: the daemon sets one cap on
 * the bytes all incomplete reassemblies may hold.  Not locked: use it
 * from one thread.
 */
struct isakmp_frag_pool {
	size_t		 limit;
	size_t		 used;
};
void	isakmp_frag_pool_init(struct isakmp_frag_pool *, size_t limit);

/* Per-set limits; zeros take the defaults. */
#define ISAKMP_REASM_SLOTS	64	/* hard maximum of maxfrags */
#define ISAKMP_REASM_MAXFRAGS	16
#define ISAKMP_REASM_MAXBYTES	65536
#define ISAKMP_REASM_TIMEOUT	30000	/* ms */
#define ISAKMP_REASM_OVERHEAD	32	/* bytes charged per fragment held */
struct isakmp_frag_limits {
	unsigned int	 maxfrags;	/* 1..ISAKMP_REASM_SLOTS */
	size_t		 maxbytes;	/* data bytes of one set */
	uint64_t	 timeout;	/* ms from the first fragment */
};

struct isakmp_reasm_slot {
	uint8_t		*data;
	size_t		 len;
	bool		 last;
};

struct isakmp_reasm_stats {
	uint64_t	 accepted;	/* fragments stored */
	uint64_t	 duplicates;	/* identical copies ignored */
	uint64_t	 stale;		/* older fragment ids ignored */
	uint64_t	 restarts;	/* sets dropped by a conflict/new id */
	uint64_t	 dropped;	/* sets dropped by limits or timeout */
	uint64_t	 refused;	/* fragments refused */
	uint64_t	 completed;
	uint64_t	 ops;		/* work units: slots touched, copies */
};

/*
 * One reassembly context per exchange (phase 1 handle).  All storage is
 * the slot array and one heap buffer per fragment held, charged to the
 * pool; the work for each fragment is constant except for the final
 * copy, which is linear in the message (no list walks).
 */
struct isakmp_reasm {
	struct isakmp_frag_pool	*pool;
	unsigned int		 maxfrags;
	size_t			 maxbytes;
	uint64_t		 timeout;
	bool			 active;
	uint16_t		 id;
	uint8_t			 last;		/* 0 until LAST is seen */
	uint8_t			 highest;
	unsigned int		 nheld;
	size_t			 bytes;
	uint64_t		 started;
	struct isakmp_hdr	 hdr;		/* of the first fragment */
	struct isakmp_reasm_slot slot[ISAKMP_REASM_SLOTS + 1];
	uint8_t			 held[ISAKMP_REASM_SLOTS];	/* numbers */
	struct isakmp_reasm_stats stats;
};

void	isakmp_reasm_init(struct isakmp_reasm *, struct isakmp_frag_pool *,
	    const struct isakmp_frag_limits *);
/* Drops the set in progress (frees its fragments). */
void	isakmp_reasm_clear(struct isakmp_reasm *);

#define ISAKMP_REASM_ERROR	-1	/* refused: *err says why */
#define ISAKMP_REASM_MORE	0	/* stored; the set is incomplete */
#define ISAKMP_REASM_DONE	1	/* complete: *out holds the message */
#define ISAKMP_REASM_IGNORED	2	/* duplicate or stale: no change */

/*
 * Feeds one received fragment message (the whole datagram, decoded here)
 * at time now (ms, any monotonic origin).  The rules:
 *  - a set is one fragment id; its fragments share cookies, exchange
 *    type and message id;
 *  - numbers run from 1 to maxfrags; a number beyond maxfrags, or data
 *    beyond maxbytes, drops the set (it could never complete);
 *  - the LAST flag fixes the count; a LAST below a number already held,
 *    a second LAST elsewhere, or a number above the LAST are conflicts;
 *  - an identical copy of a held fragment is ignored (IGNORED); a
 *    different one with the same number, or a fragment whose header
 *    fields differ from the set's, is a conflict: the set is dropped and
 *    the conflicting fragment starts a new one (the newest data wins, so
 *    a retransmission always gets through and a forged fragment costs
 *    at most one);
 *  - a greater fragment id starts a new set; a smaller one is ignored
 *    (a late copy of an older message);
 *  - a set older than the timeout is dropped before the fragment is
 *    looked at;
 *  - a fragment the pool has no room for is refused; the set stays.
 * On DONE, *out (allocated with malloc(); the caller frees it) holds
 * the reassembled message of *outlen bytes, whose own header length
 * matches and whose cookies are the fragments'; the context is then
 * empty.  With out or outlen NULL the message is wiped and freed.
 */
int	isakmp_reasm_add(struct isakmp_reasm *, const uint8_t *dgram,
	    size_t len, uint64_t now, uint8_t **out, size_t *outlen,
	    struct isakmp_error *);
/* Drops the set if it has timed out at now: 1 dropped, 0 not. */
int	isakmp_reasm_expire(struct isakmp_reasm *, uint64_t now);
/* When the set in progress times out (ms), or 0 with none. */
uint64_t isakmp_reasm_deadline(const struct isakmp_reasm *);

/* ------------------------------------------------------------ names */

/* Names for logs, or NULL for values without one. */
const char *isakmp_etype_name(uint8_t);
const char *isakmp_payload_name(uint8_t);
const char *isakmp_notify_name(uint16_t);
const char *isakmp_proto_name(uint8_t);
const char *isakmp_xform_name(uint8_t proto, uint8_t id);
const char *isakmp_idtype_name(uint8_t);
const char *isakmp_cert_name(uint8_t);
/* Attribute type names per class (ISAKMP_ATTRS_PHASE1/2). */
const char *isakmp_attr_name(int cls, uint16_t type);
/* Names of attribute values (encryption, hash, groups, modes ...). */
const char *isakmp_attr_value_name(int cls, uint16_t type, uint64_t value);

#ifdef __cplusplus
}
#endif

#endif /* PFKEYKIT_ISAKMP_H */
