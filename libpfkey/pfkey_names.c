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
 * Name tables and algorithm facts shared by every parser and printer.
 * Each algorithm row carries its logical number, the names setkey accepts,
 * its key, IV, block and ICV sizes, and its wire number in each dialect.
 */

#include <sys/types.h>

#include <string.h>
#include <strings.h>

#include "pfkey_priv.h"

#define NOWIRE	(-1)

struct alg {
	struct pfkey_alg_info	info;
	int16_t			wire_linux;
	int16_t			wire_freebsd;
};

#define KB(...)		{ __VA_ARGS__ }

/*
 * Authentication.  ICVs are the full RFC lengths (RFC 2404, RFC 4868,
 * RFC 3566, RFC 4543); Linux af_key's 96-bit HMAC-SHA2-256 is a transport
 * quirk, not an algorithm fact.
 */
static const struct alg aalgs[] = {
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_MD5HMAC, "hmac-md5", { NULL },
	    128, 128, KB(128), 0, 96, 0, 0, false, true }, 2, 2 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_SHA1HMAC, "hmac-sha1", { NULL },
	    160, 160, KB(160), 0, 96, 0, 0, false, false }, 3, 3 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_SHA2_256HMAC, "hmac-sha2-256",
	    { "hmac-sha256", NULL },
	    256, 256, KB(256), 0, 128, 0, 0, false, false }, 5, 5 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_SHA2_384HMAC, "hmac-sha2-384",
	    { "hmac-sha384", NULL },
	    384, 384, KB(384), 0, 192, 0, 0, false, false }, 6, 6 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_SHA2_512HMAC, "hmac-sha2-512",
	    { "hmac-sha512", NULL },
	    512, 512, KB(512), 0, 256, 0, 0, false, false }, 7, 7 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_RIPEMD160HMAC, "hmac-ripemd160",
	    { NULL }, 160, 160, KB(160), 0, 96, 0, 0, false, false }, 8, 8 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_AES_XCBC_MAC, "aes-xcbc-mac", { NULL },
	    128, 128, KB(128), 0, 96, 0, 0, false, false }, 9, 9 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_SM3_256HMAC, "hmac-sm3", { NULL },
	    256, 256, KB(256), 0, 256, 0, 0, false, false }, 10, NOWIRE },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_AES128GMAC, "aes128-gmac", { NULL },
	    160, 160, KB(160), 32, 128, 8, 0, true, false }, NOWIRE, 11 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_AES192GMAC, "aes192-gmac", { NULL },
	    224, 224, KB(224), 32, 128, 8, 0, true, false }, NOWIRE, 12 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_AES256GMAC, "aes256-gmac", { NULL },
	    288, 288, KB(288), 32, 128, 8, 0, true, false }, NOWIRE, 13 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_CHACHA20POLY1305, "chacha20-poly1305",
	    { NULL }, 288, 288, KB(288), 32, 128, 8, 0, true, false },
	    NOWIRE, 14 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_KEYED_MD5, "keyed-md5", { NULL },
	    128, 128, KB(128), 0, 96, 0, 0, false, true }, 249, 249 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_KEYED_SHA1, "keyed-sha1", { NULL },
	    160, 160, KB(160), 0, 96, 0, 0, false, true }, 250, 250 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_NULL, "null", { NULL },
	    0, 2048, KB(0), 0, 0, 0, 0, false, false }, 251, 251 },
	{ { PFKEY_ALG_AUTH, PFKEY_AALG_TCP_MD5, "tcp-md5", { NULL },
	    8, 640, KB(0), 0, 0, 0, 0, false, false }, NOWIRE, 252 },
};

/*
 * Encryption.  Salted modes (RFC 3686, 4106, 4309, 4543, 7634) count the
 * salt in the key, as PF_KEY carries it.  ChaCha20-Poly1305 has no number
 * in Linux's af_key; pfkeykit's Linux dialect uses 28 (its IKEv2 transform
 * id) on the transports that can carry it (xfrm, sadbd).
 */
static const struct alg ealgs[] = {
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_DESCBC, "des-cbc", { NULL },
	    64, 64, KB(64), 0, 0, 8, 8, false, true }, 2, 2 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_3DESCBC, "3des-cbc", { NULL },
	    192, 192, KB(192), 0, 0, 8, 8, false, true }, 3, 3 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_CAST128CBC, "cast128-cbc", { NULL },
	    40, 128, KB(0), 0, 0, 8, 8, false, true }, 6, 6 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_BLOWFISHCBC, "blowfish-cbc",
	    { NULL }, 40, 448, KB(0), 0, 0, 8, 8, false, true }, 7, 7 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_NULL, "null", { NULL },
	    0, 2048, KB(0), 0, 0, 0, 1, false, false }, 11, 11 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AESCBC, "aes-cbc",
	    { "rijndael-cbc", NULL },
	    128, 256, KB(128, 192, 256), 0, 0, 16, 16, false, false }, 12, 12 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AESCTR, "aes-ctr", { NULL },
	    160, 288, KB(160, 224, 288), 32, 0, 8, 1, false, false }, 13, 13 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_CCM_ICV8, "aes-ccm-8", { NULL },
	    152, 280, KB(152, 216, 280), 24, 64, 8, 1, true, false },
	    14, NOWIRE },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_CCM_ICV12, "aes-ccm-12",
	    { NULL }, 152, 280, KB(152, 216, 280), 24, 96, 8, 1, true, false },
	    15, NOWIRE },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_CCM_ICV16, "aes-ccm-16",
	    { NULL }, 152, 280, KB(152, 216, 280), 24, 128, 8, 1, true, false },
	    16, NOWIRE },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_GCM_ICV8, "aes-gcm-8", { NULL },
	    160, 288, KB(160, 224, 288), 32, 64, 8, 1, true, false }, 18, 18 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_GCM_ICV12, "aes-gcm-12",
	    { NULL }, 160, 288, KB(160, 224, 288), 32, 96, 8, 1, true, false },
	    19, 19 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_AES_GCM_ICV16, "aes-gcm-16",
	    { NULL }, 160, 288, KB(160, 224, 288), 32, 128, 8, 1, true, false },
	    20, 20 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_CAMELLIACBC, "camellia-cbc",
	    { NULL }, 128, 256, KB(128, 192, 256), 0, 0, 16, 16, false, false },
	    22, 22 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_NULL_AES_GMAC, "null-aes-gmac",
	    { "aes-gmac", NULL },
	    160, 288, KB(160, 224, 288), 32, 128, 8, 1, true, false }, 23, 23 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_SM4CBC, "sm4-cbc", { NULL },
	    128, 128, KB(128), 0, 0, 16, 16, false, false }, 24, NOWIRE },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_CHACHA20POLY1305, "chacha20-poly1305",
	    { NULL }, 288, 288, KB(288), 32, 128, 8, 1, true, false }, 28, 15 },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_SERPENTCBC, "serpent-cbc", { NULL },
	    128, 256, KB(128, 192, 256), 0, 0, 16, 16, false, false },
	    252, NOWIRE },
	{ { PFKEY_ALG_ENCRYPT, PFKEY_EALG_TWOFISHCBC, "twofish-cbc", { NULL },
	    128, 256, KB(128, 192, 256), 0, 0, 16, 16, false, false },
	    253, NOWIRE },
};

static const struct alg calgs[] = {
	{ { PFKEY_ALG_COMP, PFKEY_CALG_OUI, "oui", { NULL },
	    0, 0, KB(0), 0, 0, 0, 0, false, false }, 1, 1 },
	{ { PFKEY_ALG_COMP, PFKEY_CALG_DEFLATE, "deflate", { NULL },
	    0, 0, KB(0), 0, 0, 0, 0, false, false }, 2, 2 },
	{ { PFKEY_ALG_COMP, PFKEY_CALG_LZS, "lzs", { NULL },
	    0, 0, KB(0), 0, 0, 0, 0, false, false }, 3, 3 },
	{ { PFKEY_ALG_COMP, PFKEY_CALG_LZJH, "lzjh", { NULL },
	    0, 0, KB(0), 0, 0, 0, 0, false, false }, 4, NOWIRE },
};

static const struct alg *
alg_table(enum pfkey_alg_kind kind, size_t *n)
{
	switch (kind) {
	case PFKEY_ALG_AUTH:
		*n = nitems(aalgs);
		return (aalgs);
	case PFKEY_ALG_ENCRYPT:
		*n = nitems(ealgs);
		return (ealgs);
	case PFKEY_ALG_COMP:
		*n = nitems(calgs);
		return (calgs);
	}
	*n = 0;
	return (NULL);
}

static const struct alg *
alg_find(enum pfkey_alg_kind kind, int logical)
{
	const struct alg *t;
	size_t i, n;

	t = alg_table(kind, &n);
	for (i = 0; i < n; i++)
		if (t[i].info.id == logical)
			return (&t[i]);
	return (NULL);
}

int
pfkey_alg_to_wire(enum pfkey_dialect d, enum pfkey_alg_kind kind, int logical)
{
	const struct alg *a;

	if (logical == 0)
		return (0);	/* NONE is 0 everywhere */
	if ((a = alg_find(kind, logical)) == NULL)
		return (-1);
	if (pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD)
		return (a->wire_freebsd);
	return (a->wire_linux);
}

int
pfkey_alg_from_wire(enum pfkey_dialect d, enum pfkey_alg_kind kind, int wire)
{
	const struct alg *t;
	size_t i, n;
	bool fb = pfkey_dialect_resolve(d) == PFKEY_DIALECT_FREEBSD;

	if (wire == 0)
		return (0);
	if (wire < 0)
		return (-1);
	t = alg_table(kind, &n);
	for (i = 0; i < n; i++)
		if ((fb ? t[i].wire_freebsd : t[i].wire_linux) == wire)
			return (t[i].info.id);
	return (-1);
}

const struct pfkey_alg_info *
pfkey_alg_info(enum pfkey_alg_kind kind, int logical)
{
	const struct alg *a = alg_find(kind, logical);

	return (a != NULL ? &a->info : NULL);
}

const struct pfkey_alg_info *
pfkey_alg_lookup(enum pfkey_alg_kind kind, const char *name)
{
	const struct alg *t;
	size_t i, j, n;

	if (name == NULL)
		return (NULL);
	t = alg_table(kind, &n);
	for (i = 0; i < n; i++) {
		if (strcasecmp(t[i].info.name, name) == 0)
			return (&t[i].info);
		for (j = 0; j < nitems(t[i].info.aliases) &&
		    t[i].info.aliases[j] != NULL; j++)
			if (strcasecmp(t[i].info.aliases[j], name) == 0)
				return (&t[i].info);
	}
	return (NULL);
}

const struct pfkey_alg_info *
pfkey_alg_nth(enum pfkey_alg_kind kind, size_t k)
{
	const struct alg *t;
	size_t n;

	t = alg_table(kind, &n);
	return (k < n ? &t[k].info : NULL);
}

bool
pfkey_alg_keybits_ok(const struct pfkey_alg_info *a, unsigned bits)
{
	size_t i;

	if (a == NULL)
		return (false);
	if (a->kind == PFKEY_ALG_COMP)
		return (bits == 0);
	if (a->keybits[0] != 0) {
		for (i = 0; i < nitems(a->keybits) && a->keybits[i] != 0; i++)
			if (a->keybits[i] == bits)
				return (true);
		return (false);
	}
	if (bits % 8 != 0)
		return (false);
	return (bits >= a->minbits && bits <= a->maxbits);
}

/* ------------------------------------------------------------ id <-> name */

struct idname {
	int		 id;
	const char	*name;
};

static const char *
idname_name(const struct idname *t, size_t n, int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].id == id)
			return (t[i].name);
	return (NULL);
}

static int
idname_lookup(const struct idname *t, size_t n, const char *name)
{
	size_t i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < n; i++)
		if (strcasecmp(t[i].name, name) == 0)
			return (t[i].id);
	return (-1);
}

#define IDNAME_FUNCS(tab, fname)					\
const char *								\
pfkey_##fname##_name(int id)						\
{									\
	return (idname_name(tab, nitems(tab), id));			\
}									\
int									\
pfkey_##fname##_lookup(const char *name)				\
{									\
	return (idname_lookup(tab, nitems(tab), name));			\
}

static const struct idname msgtypes[] = {
	{ PFKEY_MSG_RESERVED, "RESERVED" },
	{ PFKEY_MSG_GETSPI, "GETSPI" },
	{ PFKEY_MSG_UPDATE, "UPDATE" },
	{ PFKEY_MSG_ADD, "ADD" },
	{ PFKEY_MSG_DELETE, "DELETE" },
	{ PFKEY_MSG_GET, "GET" },
	{ PFKEY_MSG_ACQUIRE, "ACQUIRE" },
	{ PFKEY_MSG_REGISTER, "REGISTER" },
	{ PFKEY_MSG_EXPIRE, "EXPIRE" },
	{ PFKEY_MSG_FLUSH, "FLUSH" },
	{ PFKEY_MSG_DUMP, "DUMP" },
	{ PFKEY_MSG_X_PROMISC, "X_PROMISC" },
	{ PFKEY_MSG_X_PCHANGE, "X_PCHANGE" },
	{ PFKEY_MSG_X_SPDUPDATE, "X_SPDUPDATE" },
	{ PFKEY_MSG_X_SPDADD, "X_SPDADD" },
	{ PFKEY_MSG_X_SPDDELETE, "X_SPDDELETE" },
	{ PFKEY_MSG_X_SPDGET, "X_SPDGET" },
	{ PFKEY_MSG_X_SPDACQUIRE, "X_SPDACQUIRE" },
	{ PFKEY_MSG_X_SPDDUMP, "X_SPDDUMP" },
	{ PFKEY_MSG_X_SPDFLUSH, "X_SPDFLUSH" },
	{ PFKEY_MSG_X_SPDSETIDX, "X_SPDSETIDX" },
	{ PFKEY_MSG_X_SPDEXPIRE, "X_SPDEXPIRE" },
	{ PFKEY_MSG_X_SPDDELETE2, "X_SPDDELETE2" },
	{ PFKEY_MSG_X_NAT_T_NEW_MAPPING, "X_NAT_T_NEW_MAPPING" },
	{ PFKEY_MSG_X_MIGRATE, "X_MIGRATE" },
};
IDNAME_FUNCS(msgtypes, msgtype)

static const struct idname satypes[] = {
	{ PFKEY_SATYPE_UNSPEC, "unspec" },
	{ PFKEY_SATYPE_AH, "ah" },
	{ PFKEY_SATYPE_ESP, "esp" },
	{ PFKEY_SATYPE_RSVP, "rsvp" },
	{ PFKEY_SATYPE_OSPFV2, "ospfv2" },
	{ PFKEY_SATYPE_RIPV2, "ripv2" },
	{ PFKEY_SATYPE_MIP, "mip" },
	{ PFKEY_SATYPE_IPCOMP, "ipcomp" },
	{ PFKEY_SATYPE_TCPSIGNATURE, "tcp" },
};
IDNAME_FUNCS(satypes, satype)

static const struct idname exts[] = {
	{ PFKEY_EXT_SA, "SA" },
	{ PFKEY_EXT_LIFETIME_CURRENT, "LIFETIME_CURRENT" },
	{ PFKEY_EXT_LIFETIME_HARD, "LIFETIME_HARD" },
	{ PFKEY_EXT_LIFETIME_SOFT, "LIFETIME_SOFT" },
	{ PFKEY_EXT_ADDRESS_SRC, "ADDRESS_SRC" },
	{ PFKEY_EXT_ADDRESS_DST, "ADDRESS_DST" },
	{ PFKEY_EXT_ADDRESS_PROXY, "ADDRESS_PROXY" },
	{ PFKEY_EXT_KEY_AUTH, "KEY_AUTH" },
	{ PFKEY_EXT_KEY_ENCRYPT, "KEY_ENCRYPT" },
	{ PFKEY_EXT_IDENTITY_SRC, "IDENTITY_SRC" },
	{ PFKEY_EXT_IDENTITY_DST, "IDENTITY_DST" },
	{ PFKEY_EXT_SENSITIVITY, "SENSITIVITY" },
	{ PFKEY_EXT_PROPOSAL, "PROPOSAL" },
	{ PFKEY_EXT_SUPPORTED_AUTH, "SUPPORTED_AUTH" },
	{ PFKEY_EXT_SUPPORTED_ENCRYPT, "SUPPORTED_ENCRYPT" },
	{ PFKEY_EXT_SPIRANGE, "SPIRANGE" },
	{ PFKEY_EXT_X_KMPRIVATE, "X_KMPRIVATE" },
	{ PFKEY_EXT_X_POLICY, "X_POLICY" },
	{ PFKEY_EXT_X_SA2, "X_SA2" },
	{ PFKEY_EXT_X_NAT_T_TYPE, "X_NAT_T_TYPE" },
	{ PFKEY_EXT_X_NAT_T_SPORT, "X_NAT_T_SPORT" },
	{ PFKEY_EXT_X_NAT_T_DPORT, "X_NAT_T_DPORT" },
	{ PFKEY_EXT_X_NAT_T_OA, "X_NAT_T_OA" },
	{ PFKEY_EXT_X_NAT_T_OAR, "X_NAT_T_OAR" },
	{ PFKEY_EXT_X_SEC_CTX, "X_SEC_CTX" },
	{ PFKEY_EXT_X_KMADDRESS, "X_KMADDRESS" },
	{ PFKEY_EXT_X_NAT_T_FRAG, "X_NAT_T_FRAG" },
	{ PFKEY_EXT_X_FILTER, "X_FILTER" },
	{ PFKEY_EXT_X_SA_REPLAY, "X_SA_REPLAY" },
	{ PFKEY_EXT_X_NEW_ADDRESS_SRC, "X_NEW_ADDRESS_SRC" },
	{ PFKEY_EXT_X_NEW_ADDRESS_DST, "X_NEW_ADDRESS_DST" },
};
IDNAME_FUNCS(exts, ext)

static const struct idname sastates[] = {
	{ PFKEY_SASTATE_LARVAL, "larval" },
	{ PFKEY_SASTATE_MATURE, "mature" },
	{ PFKEY_SASTATE_DYING, "dying" },
	{ PFKEY_SASTATE_DEAD, "dead" },
};
IDNAME_FUNCS(sastates, sastate)

static const struct idname modes[] = {
	{ PFKEY_MODE_ANY, "any" },
	{ PFKEY_MODE_TRANSPORT, "transport" },
	{ PFKEY_MODE_TUNNEL, "tunnel" },
	{ PFKEY_MODE_BEET, "beet" },
	{ PFKEY_MODE_IPTFS, "iptfs" },
};
IDNAME_FUNCS(modes, mode)

static const struct idname dirs[] = {
	{ PFKEY_DIR_ANY, "any" },
	{ PFKEY_DIR_INBOUND, "in" },
	{ PFKEY_DIR_OUTBOUND, "out" },
	{ PFKEY_DIR_FWD, "fwd" },
};
IDNAME_FUNCS(dirs, dir)

static const struct idname policy_types[] = {
	{ PFKEY_POLICY_DISCARD, "discard" },
	{ PFKEY_POLICY_NONE, "none" },
	{ PFKEY_POLICY_IPSEC, "ipsec" },
	{ PFKEY_POLICY_ENTRUST, "entrust" },
	{ PFKEY_POLICY_BYPASS, "bypass" },
};
IDNAME_FUNCS(policy_types, policy_type)

static const struct idname levels[] = {
	{ PFKEY_LEVEL_DEFAULT, "default" },
	{ PFKEY_LEVEL_USE, "use" },
	{ PFKEY_LEVEL_REQUIRE, "require" },
	{ PFKEY_LEVEL_UNIQUE, "unique" },
};
IDNAME_FUNCS(levels, level)

static const struct idname ipprotos[] = {
	{ PFKEY_IPPROTO_ESP, "esp" },
	{ PFKEY_IPPROTO_AH, "ah" },
	{ PFKEY_IPPROTO_IPCOMP, "ipcomp" },
	{ PFKEY_IPPROTO_TCP, "tcp" },
};
IDNAME_FUNCS(ipprotos, ipproto)

static const struct {
	int satype;
	int proto;
} satype_proto[] = {
	{ PFKEY_SATYPE_ESP, PFKEY_IPPROTO_ESP },
	{ PFKEY_SATYPE_AH, PFKEY_IPPROTO_AH },
	{ PFKEY_SATYPE_IPCOMP, PFKEY_IPPROTO_IPCOMP },
	{ PFKEY_SATYPE_TCPSIGNATURE, PFKEY_IPPROTO_TCP },
};

int
pfkey_satype_to_ipproto(int satype)
{
	size_t i;

	for (i = 0; i < nitems(satype_proto); i++)
		if (satype_proto[i].satype == satype)
			return (satype_proto[i].proto);
	return (-1);
}

int
pfkey_ipproto_to_satype(int proto)
{
	size_t i;

	for (i = 0; i < nitems(satype_proto); i++)
		if (satype_proto[i].proto == proto)
			return (satype_proto[i].satype);
	return (-1);
}
