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
 * Names of ISAKMP/IKEv1 numbers for logs: one table per registry, in the
 * spelling of the RFCs and of racoon's logs.  Adding a value is adding a
 * row.
 */

#include <stddef.h>
#include <stdint.h>

#include "isakmp_local.h"

struct name {
	uint32_t	 v;
	const char	*s;
};

#define N(tab)	(sizeof(tab) / sizeof((tab)[0]))

static const char *
lookup(const struct name *tab, size_t n, uint32_t v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i].v == v)
			return (tab[i].s);
	return (NULL);
}

static const struct name etypes[] = {
	{ ISAKMP_ETYPE_NONE, "NONE" },
	{ ISAKMP_ETYPE_BASE, "Base" },
	{ ISAKMP_ETYPE_IDPROT, "Identity Protection (Main Mode)" },
	{ ISAKMP_ETYPE_AUTHONLY, "Authentication Only" },
	{ ISAKMP_ETYPE_AGGRESSIVE, "Aggressive" },
	{ ISAKMP_ETYPE_INFO, "Informational" },
	{ ISAKMP_ETYPE_TRANSACTION, "Transaction (Mode Config)" },
	{ ISAKMP_ETYPE_QUICK, "Quick Mode" },
	{ ISAKMP_ETYPE_NEWGROUP, "New Group Mode" },
};

static const struct name payloads[] = {
	{ ISAKMP_NPTYPE_NONE, "NONE" },
	{ ISAKMP_NPTYPE_SA, "SA" },
	{ ISAKMP_NPTYPE_P, "Proposal" },
	{ ISAKMP_NPTYPE_T, "Transform" },
	{ ISAKMP_NPTYPE_KE, "Key Exchange" },
	{ ISAKMP_NPTYPE_ID, "Identification" },
	{ ISAKMP_NPTYPE_CERT, "Certificate" },
	{ ISAKMP_NPTYPE_CR, "Certificate Request" },
	{ ISAKMP_NPTYPE_HASH, "Hash" },
	{ ISAKMP_NPTYPE_SIG, "Signature" },
	{ ISAKMP_NPTYPE_NONCE, "Nonce" },
	{ ISAKMP_NPTYPE_N, "Notification" },
	{ ISAKMP_NPTYPE_D, "Delete" },
	{ ISAKMP_NPTYPE_VID, "Vendor ID" },
	{ ISAKMP_NPTYPE_ATTR, "Attributes (Mode Config)" },
	{ ISAKMP_NPTYPE_SAK, "SA KEK" },
	{ ISAKMP_NPTYPE_SAT, "SA TEK" },
	{ ISAKMP_NPTYPE_KD, "Key Download" },
	{ ISAKMP_NPTYPE_SEQ, "Sequence Number" },
	{ ISAKMP_NPTYPE_POP, "Proof of Possession" },
	{ ISAKMP_NPTYPE_NATD, "NAT-D" },
	{ ISAKMP_NPTYPE_NATOA, "NAT-OA" },
	{ ISAKMP_NPTYPE_GAP, "Group Associated Policy" },
	{ ISAKMP_NPTYPE_NATD_DRAFT, "NAT-D (draft)" },
	{ ISAKMP_NPTYPE_NATOA_DRAFT, "NAT-OA (draft)" },
	{ ISAKMP_NPTYPE_FRAG, "Fragment" },
};

static const struct name notifies[] = {
	{ ISAKMP_NTYPE_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE" },
	{ ISAKMP_NTYPE_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED" },
	{ ISAKMP_NTYPE_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED" },
	{ ISAKMP_NTYPE_INVALID_COOKIE, "INVALID-COOKIE" },
	{ ISAKMP_NTYPE_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION" },
	{ ISAKMP_NTYPE_INVALID_MINOR_VERSION, "INVALID-MINOR-VERSION" },
	{ ISAKMP_NTYPE_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE" },
	{ ISAKMP_NTYPE_INVALID_FLAGS, "INVALID-FLAGS" },
	{ ISAKMP_NTYPE_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID" },
	{ ISAKMP_NTYPE_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID" },
	{ ISAKMP_NTYPE_INVALID_SPI, "INVALID-SPI" },
	{ ISAKMP_NTYPE_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID" },
	{ ISAKMP_NTYPE_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED" },
	{ ISAKMP_NTYPE_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN" },
	{ ISAKMP_NTYPE_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX" },
	{ ISAKMP_NTYPE_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED" },
	{ ISAKMP_NTYPE_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION" },
	{ ISAKMP_NTYPE_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION" },
	{ ISAKMP_NTYPE_INVALID_CERT_ENCODING, "INVALID-CERT-ENCODING" },
	{ ISAKMP_NTYPE_INVALID_CERTIFICATE, "INVALID-CERTIFICATE" },
	{ ISAKMP_NTYPE_CERT_TYPE_UNSUPPORTED, "CERT-TYPE-UNSUPPORTED" },
	{ ISAKMP_NTYPE_INVALID_CERT_AUTHORITY, "INVALID-CERT-AUTHORITY" },
	{ ISAKMP_NTYPE_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION" },
	{ ISAKMP_NTYPE_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED" },
	{ ISAKMP_NTYPE_INVALID_SIGNATURE, "INVALID-SIGNATURE" },
	{ ISAKMP_NTYPE_ADDRESS_NOTIFICATION, "ADDRESS-NOTIFICATION" },
	{ ISAKMP_NTYPE_NOTIFY_SA_LIFETIME, "NOTIFY-SA-LIFETIME" },
	{ ISAKMP_NTYPE_CERTIFICATE_UNAVAILABLE, "CERTIFICATE-UNAVAILABLE" },
	{ ISAKMP_NTYPE_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE" },
	{ ISAKMP_NTYPE_UNEQUAL_PAYLOAD_LENGTHS, "UNEQUAL-PAYLOAD-LENGTHS" },
	{ ISAKMP_NTYPE_CONNECTED, "CONNECTED" },
	{ ISAKMP_NTYPE_RESPONDER_LIFETIME, "RESPONDER-LIFETIME" },
	{ ISAKMP_NTYPE_REPLAY_STATUS, "REPLAY-STATUS" },
	{ ISAKMP_NTYPE_INITIAL_CONTACT, "INITIAL-CONTACT" },
	{ ISAKMP_NTYPE_R_U_THERE, "R-U-THERE" },
	{ ISAKMP_NTYPE_R_U_THERE_ACK, "R-U-THERE-ACK" },
};

static const struct name protos[] = {
	{ ISAKMP_PROTO_ISAKMP, "ISAKMP" },
	{ ISAKMP_PROTO_AH, "AH" },
	{ ISAKMP_PROTO_ESP, "ESP" },
	{ ISAKMP_PROTO_IPCOMP, "IPCOMP" },
};

static const struct name ah_xforms[] = {
	{ IPSEC_AH_MD5, "AH_MD5" },
	{ IPSEC_AH_SHA, "AH_SHA" },
	{ IPSEC_AH_DES, "AH_DES" },
	{ IPSEC_AH_SHA2_256, "AH_SHA2-256" },
	{ IPSEC_AH_SHA2_384, "AH_SHA2-384" },
	{ IPSEC_AH_SHA2_512, "AH_SHA2-512" },
	{ IPSEC_AH_RIPEMD, "AH_RIPEMD" },
	{ IPSEC_AH_AES_XCBC_MAC, "AH_AES-XCBC-MAC" },
	{ IPSEC_AH_RSA, "AH_RSA" },
	{ IPSEC_AH_AES_128_GMAC, "AH_AES-128-GMAC" },
	{ IPSEC_AH_AES_192_GMAC, "AH_AES-192-GMAC" },
	{ IPSEC_AH_AES_256_GMAC, "AH_AES-256-GMAC" },
};

static const struct name esp_xforms[] = {
	{ IPSEC_ESP_DES_IV64, "ESP_DES_IV64" },
	{ IPSEC_ESP_DES, "ESP_DES" },
	{ IPSEC_ESP_3DES, "ESP_3DES" },
	{ IPSEC_ESP_RC5, "ESP_RC5" },
	{ IPSEC_ESP_IDEA, "ESP_IDEA" },
	{ IPSEC_ESP_CAST, "ESP_CAST" },
	{ IPSEC_ESP_BLOWFISH, "ESP_BLOWFISH" },
	{ IPSEC_ESP_3IDEA, "ESP_3IDEA" },
	{ IPSEC_ESP_DES_IV32, "ESP_DES_IV32" },
	{ IPSEC_ESP_RC4, "ESP_RC4" },
	{ IPSEC_ESP_NULL, "ESP_NULL" },
	{ IPSEC_ESP_AES, "ESP_AES" },
	{ IPSEC_ESP_AES_CTR, "ESP_AES-CTR" },
	{ IPSEC_ESP_AES_CCM_8, "ESP_AES-CCM_8" },
	{ IPSEC_ESP_AES_CCM_12, "ESP_AES-CCM_12" },
	{ IPSEC_ESP_AES_CCM_16, "ESP_AES-CCM_16" },
	{ IPSEC_ESP_AES_GCM_8, "ESP_AES-GCM_8" },
	{ IPSEC_ESP_AES_GCM_12, "ESP_AES-GCM_12" },
	{ IPSEC_ESP_AES_GCM_16, "ESP_AES-GCM_16" },
	{ IPSEC_ESP_SEED_CBC, "ESP_SEED_CBC" },
	{ IPSEC_ESP_CAMELLIA, "ESP_CAMELLIA" },
	{ IPSEC_ESP_NULL_AUTH_AES_GMAC, "ESP_NULL_AUTH_AES-GMAC" },
};

static const struct name ipcomp_xforms[] = {
	{ IPSEC_IPCOMP_OUI, "IPCOMP_OUI" },
	{ IPSEC_IPCOMP_DEFLATE, "IPCOMP_DEFLATE" },
	{ IPSEC_IPCOMP_LZS, "IPCOMP_LZS" },
	{ IPSEC_IPCOMP_LZJH, "IPCOMP_LZJH" },
};

static const struct name idtypes[] = {
	{ IPSEC_ID_IPV4_ADDR, "IPV4_ADDR" },
	{ IPSEC_ID_FQDN, "FQDN" },
	{ IPSEC_ID_USER_FQDN, "USER_FQDN" },
	{ IPSEC_ID_IPV4_ADDR_SUBNET, "IPV4_ADDR_SUBNET" },
	{ IPSEC_ID_IPV6_ADDR, "IPV6_ADDR" },
	{ IPSEC_ID_IPV6_ADDR_SUBNET, "IPV6_ADDR_SUBNET" },
	{ IPSEC_ID_IPV4_ADDR_RANGE, "IPV4_ADDR_RANGE" },
	{ IPSEC_ID_IPV6_ADDR_RANGE, "IPV6_ADDR_RANGE" },
	{ IPSEC_ID_DER_ASN1_DN, "DER_ASN1_DN" },
	{ IPSEC_ID_DER_ASN1_GN, "DER_ASN1_GN" },
	{ IPSEC_ID_KEY_ID, "KEY_ID" },
};

static const struct name certs[] = {
	{ ISAKMP_CERT_NONE, "NONE" },
	{ ISAKMP_CERT_PKCS7, "PKCS #7 wrapped X.509" },
	{ ISAKMP_CERT_PGP, "PGP" },
	{ ISAKMP_CERT_DNS, "DNS Signed Key" },
	{ ISAKMP_CERT_X509_SIGN, "X.509 Certificate - Signature" },
	{ ISAKMP_CERT_X509_KE, "X.509 Certificate - Key Exchange" },
	{ ISAKMP_CERT_KERBEROS, "Kerberos Tokens" },
	{ ISAKMP_CERT_CRL, "Certificate Revocation List" },
	{ ISAKMP_CERT_ARL, "Authority Revocation List" },
	{ ISAKMP_CERT_SPKI, "SPKI Certificate" },
	{ ISAKMP_CERT_X509_ATTR, "X.509 Certificate - Attribute" },
	{ ISAKMP_CERT_PLAINRSA, "Raw RSA Key" },
};

static const struct name p1_attrs[] = {
	{ OAKLEY_ATTR_ENC_ALG, "Encryption Algorithm" },
	{ OAKLEY_ATTR_HASH_ALG, "Hash Algorithm" },
	{ OAKLEY_ATTR_AUTH_METHOD, "Authentication Method" },
	{ OAKLEY_ATTR_GRP_DESC, "Group Description" },
	{ OAKLEY_ATTR_GRP_TYPE, "Group Type" },
	{ OAKLEY_ATTR_GRP_PI, "Group Prime/Irreducible Polynomial" },
	{ OAKLEY_ATTR_GRP_GEN_ONE, "Group Generator One" },
	{ OAKLEY_ATTR_GRP_GEN_TWO, "Group Generator Two" },
	{ OAKLEY_ATTR_GRP_CURVE_A, "Group Curve A" },
	{ OAKLEY_ATTR_GRP_CURVE_B, "Group Curve B" },
	{ OAKLEY_ATTR_SA_LD_TYPE, "Life Type" },
	{ OAKLEY_ATTR_SA_LD, "Life Duration" },
	{ OAKLEY_ATTR_PRF, "PRF" },
	{ OAKLEY_ATTR_KEY_LEN, "Key Length" },
	{ OAKLEY_ATTR_FIELD_SIZE, "Field Size" },
	{ OAKLEY_ATTR_GRP_ORDER, "Group Order" },
};

static const struct name p2_attrs[] = {
	{ IPSEC_ATTR_SA_LD_TYPE, "SA Life Type" },
	{ IPSEC_ATTR_SA_LD, "SA Life Duration" },
	{ IPSEC_ATTR_GRP_DESC, "Group Description" },
	{ IPSEC_ATTR_ENC_MODE, "Encapsulation Mode" },
	{ IPSEC_ATTR_AUTH, "Authentication Algorithm" },
	{ IPSEC_ATTR_KEY_LENGTH, "Key Length" },
	{ IPSEC_ATTR_KEY_ROUNDS, "Key Rounds" },
	{ IPSEC_ATTR_COMP_DICT_SIZE, "Compress Dictionary Size" },
	{ IPSEC_ATTR_COMP_PRIVALG, "Compress Private Algorithm" },
	{ IPSEC_ATTR_ECN_TUNNEL, "ECN Tunnel" },
	{ IPSEC_ATTR_ESN, "Extended (64-bit) Sequence Number" },
};

static const struct name p1_enc[] = {
	{ OAKLEY_ENC_DES, "DES-CBC" },
	{ OAKLEY_ENC_IDEA, "IDEA-CBC" },
	{ OAKLEY_ENC_BLOWFISH, "Blowfish-CBC" },
	{ OAKLEY_ENC_RC5, "RC5-R16-B64-CBC" },
	{ OAKLEY_ENC_3DES, "3DES-CBC" },
	{ OAKLEY_ENC_CAST, "CAST-CBC" },
	{ OAKLEY_ENC_AES, "AES-CBC" },
	{ OAKLEY_ENC_CAMELLIA, "CAMELLIA-CBC" },
};

static const struct name p1_hash[] = {
	{ OAKLEY_HASH_MD5, "MD5" },
	{ OAKLEY_HASH_SHA, "SHA" },
	{ OAKLEY_HASH_TIGER, "Tiger" },
	{ OAKLEY_HASH_SHA2_256, "SHA2-256" },
	{ OAKLEY_HASH_SHA2_384, "SHA2-384" },
	{ OAKLEY_HASH_SHA2_512, "SHA2-512" },
};

static const struct name p1_auth[] = {
	{ OAKLEY_AUTH_PSK, "pre-shared key" },
	{ OAKLEY_AUTH_DSS, "DSS signatures" },
	{ OAKLEY_AUTH_RSA_SIG, "RSA signatures" },
	{ OAKLEY_AUTH_RSA_ENC, "Encryption with RSA" },
	{ OAKLEY_AUTH_RSA_REV_ENC, "Revised encryption with RSA" },
	{ OAKLEY_AUTH_ECDSA_256, "ECDSA with SHA-256 on P-256" },
	{ OAKLEY_AUTH_ECDSA_384, "ECDSA with SHA-384 on P-384" },
	{ OAKLEY_AUTH_ECDSA_521, "ECDSA with SHA-512 on P-521" },
	{ OAKLEY_AUTH_HYBRID_RSA_I, "Hybrid RSA (initiator)" },
	{ OAKLEY_AUTH_HYBRID_RSA_R, "Hybrid RSA (responder)" },
	{ OAKLEY_AUTH_HYBRID_DSS_I, "Hybrid DSS (initiator)" },
	{ OAKLEY_AUTH_HYBRID_DSS_R, "Hybrid DSS (responder)" },
	{ OAKLEY_AUTH_XAUTH_PSK_I, "XAuth pre-shared key (initiator)" },
	{ OAKLEY_AUTH_XAUTH_PSK_R, "XAuth pre-shared key (responder)" },
	{ OAKLEY_AUTH_XAUTH_DSS_I, "XAuth DSS (initiator)" },
	{ OAKLEY_AUTH_XAUTH_DSS_R, "XAuth DSS (responder)" },
	{ OAKLEY_AUTH_XAUTH_RSA_I, "XAuth RSA signatures (initiator)" },
	{ OAKLEY_AUTH_XAUTH_RSA_R, "XAuth RSA signatures (responder)" },
	{ OAKLEY_AUTH_XAUTH_RSA_ENC_I, "XAuth RSA encryption (initiator)" },
	{ OAKLEY_AUTH_XAUTH_RSA_ENC_R, "XAuth RSA encryption (responder)" },
	{ OAKLEY_AUTH_XAUTH_RSA_REV_I, "XAuth revised RSA (initiator)" },
	{ OAKLEY_AUTH_XAUTH_RSA_REV_R, "XAuth revised RSA (responder)" },
};

static const struct name groups[] = {
	{ OAKLEY_GROUP_MODP768, "modp768" },
	{ OAKLEY_GROUP_MODP1024, "modp1024" },
	{ OAKLEY_GROUP_EC2N155, "ec2n155" },
	{ OAKLEY_GROUP_EC2N185, "ec2n185" },
	{ OAKLEY_GROUP_MODP1536, "modp1536" },
	{ OAKLEY_GROUP_MODP2048, "modp2048" },
	{ OAKLEY_GROUP_MODP3072, "modp3072" },
	{ OAKLEY_GROUP_MODP4096, "modp4096" },
	{ OAKLEY_GROUP_MODP6144, "modp6144" },
	{ OAKLEY_GROUP_MODP8192, "modp8192" },
	{ OAKLEY_GROUP_ECP256, "ecp256" },
	{ OAKLEY_GROUP_ECP384, "ecp384" },
	{ OAKLEY_GROUP_ECP521, "ecp521" },
	{ OAKLEY_GROUP_MODP1024S160, "modp1024s160" },
	{ OAKLEY_GROUP_MODP2048S224, "modp2048s224" },
	{ OAKLEY_GROUP_MODP2048S256, "modp2048s256" },
	{ OAKLEY_GROUP_ECP192, "ecp192" },
	{ OAKLEY_GROUP_ECP224, "ecp224" },
	{ OAKLEY_GROUP_BP224, "brainpool224" },
	{ OAKLEY_GROUP_BP256, "brainpool256" },
	{ OAKLEY_GROUP_BP384, "brainpool384" },
	{ OAKLEY_GROUP_BP512, "brainpool512" },
	{ OAKLEY_GROUP_CURVE25519, "curve25519" },
	{ OAKLEY_GROUP_CURVE448, "curve448" },
};

static const struct name grptypes[] = {
	{ OAKLEY_GRP_TYPE_MODP, "MODP" },
	{ OAKLEY_GRP_TYPE_ECP, "ECP" },
	{ OAKLEY_GRP_TYPE_EC2N, "EC2N" },
};

static const struct name lifetypes[] = {
	{ OAKLEY_LIFE_SECONDS, "seconds" },
	{ OAKLEY_LIFE_KILOBYTES, "kilobytes" },
};

static const struct name encmodes[] = {
	{ IPSEC_ENCMODE_TUNNEL, "Tunnel" },
	{ IPSEC_ENCMODE_TRANSPORT, "Transport" },
	{ IPSEC_ENCMODE_UDP_TUNNEL, "UDP-Encapsulated-Tunnel" },
	{ IPSEC_ENCMODE_UDP_TRANSPORT, "UDP-Encapsulated-Transport" },
	{ IPSEC_ENCMODE_UDP_TUNNEL_DRAFT, "UDP-Encapsulated-Tunnel (draft)" },
	{ IPSEC_ENCMODE_UDP_TRANSPORT_DRAFT,
	  "UDP-Encapsulated-Transport (draft)" },
};

static const struct name p2_auth[] = {
	{ IPSEC_AUTH_HMAC_MD5, "HMAC-MD5" },
	{ IPSEC_AUTH_HMAC_SHA1, "HMAC-SHA" },
	{ IPSEC_AUTH_DES_MAC, "DES-MAC" },
	{ IPSEC_AUTH_KPDK, "KPDK" },
	{ IPSEC_AUTH_HMAC_SHA2_256, "HMAC-SHA2-256" },
	{ IPSEC_AUTH_HMAC_SHA2_384, "HMAC-SHA2-384" },
	{ IPSEC_AUTH_HMAC_SHA2_512, "HMAC-SHA2-512" },
	{ IPSEC_AUTH_HMAC_RIPEMD, "HMAC-RIPEMD" },
	{ IPSEC_AUTH_AES_XCBC_MAC, "AES-XCBC-MAC" },
	{ IPSEC_AUTH_SIG_RSA, "SIG-RSA" },
	{ IPSEC_AUTH_AES_128_GMAC, "AES-128-GMAC" },
	{ IPSEC_AUTH_AES_192_GMAC, "AES-192-GMAC" },
	{ IPSEC_AUTH_AES_256_GMAC, "AES-256-GMAC" },
};

const char *
isakmp_etype_name(uint8_t v)
{
	return (lookup(etypes, N(etypes), v));
}

const char *
isakmp_payload_name(uint8_t v)
{
	return (lookup(payloads, N(payloads), v));
}

const char *
isakmp_notify_name(uint16_t v)
{
	return (lookup(notifies, N(notifies), v));
}

const char *
isakmp_proto_name(uint8_t v)
{
	return (lookup(protos, N(protos), v));
}

const char *
isakmp_xform_name(uint8_t proto, uint8_t id)
{
	switch (proto) {
	case ISAKMP_PROTO_ISAKMP:
		return (id == ISAKMP_XFORM_KEY_IKE ? "KEY_IKE" : NULL);
	case ISAKMP_PROTO_AH:
		return (lookup(ah_xforms, N(ah_xforms), id));
	case ISAKMP_PROTO_ESP:
		return (lookup(esp_xforms, N(esp_xforms), id));
	case ISAKMP_PROTO_IPCOMP:
		return (lookup(ipcomp_xforms, N(ipcomp_xforms), id));
	}
	return (NULL);
}

const char *
isakmp_idtype_name(uint8_t v)
{
	return (lookup(idtypes, N(idtypes), v));
}

const char *
isakmp_cert_name(uint8_t v)
{
	return (lookup(certs, N(certs), v));
}

const char *
isakmp_attr_name(int cls, uint16_t type)
{
	if (cls == ISAKMP_ATTRS_PHASE1)
		return (lookup(p1_attrs, N(p1_attrs), type));
	if (cls == ISAKMP_ATTRS_PHASE2)
		return (lookup(p2_attrs, N(p2_attrs), type));
	return (NULL);
}

const char *
isakmp_attr_value_name(int cls, uint16_t type, uint64_t value)
{
	if (value > UINT32_MAX)
		return (NULL);
	if (cls == ISAKMP_ATTRS_PHASE1) {
		switch (type) {
		case OAKLEY_ATTR_ENC_ALG:
			return (lookup(p1_enc, N(p1_enc), (uint32_t)value));
		case OAKLEY_ATTR_HASH_ALG:
			return (lookup(p1_hash, N(p1_hash), (uint32_t)value));
		case OAKLEY_ATTR_AUTH_METHOD:
			return (lookup(p1_auth, N(p1_auth), (uint32_t)value));
		case OAKLEY_ATTR_GRP_DESC:
			return (lookup(groups, N(groups), (uint32_t)value));
		case OAKLEY_ATTR_GRP_TYPE:
			return (lookup(grptypes, N(grptypes), (uint32_t)value));
		case OAKLEY_ATTR_SA_LD_TYPE:
			return (lookup(lifetypes, N(lifetypes),
			    (uint32_t)value));
		}
	} else if (cls == ISAKMP_ATTRS_PHASE2) {
		switch (type) {
		case IPSEC_ATTR_SA_LD_TYPE:
			return (lookup(lifetypes, N(lifetypes),
			    (uint32_t)value));
		case IPSEC_ATTR_GRP_DESC:
			return (lookup(groups, N(groups), (uint32_t)value));
		case IPSEC_ATTR_ENC_MODE:
			return (lookup(encmodes, N(encmodes), (uint32_t)value));
		case IPSEC_ATTR_AUTH:
			return (lookup(p2_auth, N(p2_auth), (uint32_t)value));
		case IPSEC_ATTR_ESN:
			return (value == IPSEC_ESN_USE ? "64-bit" : NULL);
		}
	}
	return (NULL);
}
