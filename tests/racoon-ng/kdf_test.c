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
 * IKEv1 key derivation (libike ike_kdf.c, ike_crypto.c) against:
 *
 *  - NIST CAVS 21.4 SP 800-135 IKEv1 KDF vectors: 12 pre-shared key and
 *    13 digital signature cases, three or more for each of SHA-1 and
 *    SHA2-256/384/512, copied unchanged from NIST's ikev1_psk.fax and
 *    ikev1_dsa.fax (CAVS 21.4, 13 Dec 2017; taken from the copy of
 *    NIST's ACVP-Server sources in the public repository
 *    lightship-duck/ACVP-Demo-Server, under
 *    gen-val/src/generation/LegacyCavsFiles/kdf-components/IKEv1/) into
 *    kdf_ikev1_psk.rsp and kdf_ikev1_dsa.rsp beside this file.  They
 *    cover SKEYID, SKEYID_d, SKEYID_a and SKEYID_e;
 *  - the appendix B key expansion vectors of NSS (gtests/common/
 *    testvectors/ike-sha1-vectors.h and ike-sha256-vectors.h, which NSS
 *    generated itself): an independent implementation;
 *  - for what neither covers (HASH_I/HASH_R, phase 1 and 2 IVs, quick
 *    mode HASH(1)/(2)/(3), KEYMAT with and without PFS, the ESP/AH key
 *    split), ike_oracle.py: the RFC 2409 formulas in Python's hmac and
 *    hashlib, sharing no code with libike or OpenSSL;
 *  - RFC 2202 and RFC 4231 for the HMAC PRF itself.
 * Every known answer has a negative control: a changed input byte must
 * change the result.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "ike_crypto.h"
#include "crypto_testutil.h"

/* ------------------------------------------------------------ CAVS */

struct cavs_case {
	int		 hash;
	int		 count;
	unsigned	 have;
	uint8_t		 cky_i[IKE_COOKIE_LEN], cky_r[IKE_COOKIE_LEN];
	uint8_t		 ni[256], nr[256], gxy[1024], psk[1024];
	size_t		 nilen, nrlen, gxylen, psklen;
	uint8_t		 skeyid[IKE_HASH_MAXLEN], d[IKE_HASH_MAXLEN];
	uint8_t		 a[IKE_HASH_MAXLEN], e[IKE_HASH_MAXLEN];
	size_t		 skeyidlen, dlen, alen, elen;
};

#define F_CKYI	0x001
#define F_CKYR	0x002
#define F_NI	0x004
#define F_NR	0x008
#define F_GXY	0x010
#define F_PSK	0x020
#define F_SK	0x040
#define F_D	0x080
#define F_A	0x100
#define F_E	0x200
#define F_ALL	(F_CKYI | F_CKYR | F_NI | F_NR | F_GXY | F_SK | F_D | \
		 F_A | F_E)

struct cavs_run {
	int	 psk;
	int	 total;
	int	 per_hash[8];
};

static const struct {
	const char	*name;
	int		 hash;
} cavs_hashes[] = {
	{ "SHA-1", IKE_HASH_SHA1 },
	{ "SHA2-256", IKE_HASH_SHA2_256 },
	{ "SHA2-384", IKE_HASH_SHA2_384 },
	{ "SHA2-512", IKE_HASH_SHA2_512 },
};

static int
hash_slot(int hash)
{
	return (hash & 7);
}

/* Derive one case both ways round and compare; then the controls. */
static void
cavs_check(struct cavs_run *run, struct cavs_case *c)
{
	struct ike_prf		*prf;
	struct ike_p1keys	 k, k2;
	size_t			 plen;

	if (c->have == 0)
		return;
	ATF_REQUIRE_MSG((c->have & F_ALL) == F_ALL &&
	    (!run->psk || (c->have & F_PSK)),
	    "COUNT %d: incomplete case (fields %#x)", c->count, c->have);
	ATF_REQUIRE((prf = ike_prf_new(c->hash)) != NULL);
	plen = ike_prf_len(prf);
	ATF_REQUIRE_EQ(c->skeyidlen, plen);
	ATF_REQUIRE_EQ(c->dlen, plen);
	ATF_REQUIRE_EQ(c->alen, plen);
	ATF_REQUIRE_EQ(c->elen, plen);

	if (run->psk)
		ATF_REQUIRE_EQ(ike_skeyid_psk(prf, &k, c->psk, c->psklen,
		    c->ni, c->nilen, c->nr, c->nrlen), 0);
	else
		ATF_REQUIRE_EQ(ike_skeyid_sig(prf, &k, c->ni, c->nilen,
		    c->nr, c->nrlen, c->gxy, c->gxylen), 0);
	ATF_REQUIRE_EQ(ike_skeyid_dae(prf, &k, c->gxy, c->gxylen, c->cky_i,
	    c->cky_r), 0);
	ATF_CHECK_MSG(memcmp(k.k_skeyid, c->skeyid, plen) == 0,
	    "hash %d COUNT %d: SKEYID", c->hash, c->count);
	ATF_CHECK_MSG(memcmp(k.k_skeyid_d, c->d, plen) == 0,
	    "hash %d COUNT %d: SKEYID_d", c->hash, c->count);
	ATF_CHECK_MSG(memcmp(k.k_skeyid_a, c->a, plen) == 0,
	    "hash %d COUNT %d: SKEYID_a", c->hash, c->count);
	ATF_CHECK_MSG(memcmp(k.k_skeyid_e, c->e, plen) == 0,
	    "hash %d COUNT %d: SKEYID_e", c->hash, c->count);

	/* Controls: one changed byte of each input changes the output. */
	c->nr[c->nrlen - 1] ^= 0x01;
	if (run->psk)
		ATF_REQUIRE_EQ(ike_skeyid_psk(prf, &k2, c->psk, c->psklen,
		    c->ni, c->nilen, c->nr, c->nrlen), 0);
	else
		ATF_REQUIRE_EQ(ike_skeyid_sig(prf, &k2, c->ni, c->nilen,
		    c->nr, c->nrlen, c->gxy, c->gxylen), 0);
	ATF_CHECK(memcmp(k2.k_skeyid, c->skeyid, plen) != 0);
	c->nr[c->nrlen - 1] ^= 0x01;
	if (run->psk) {
		c->psk[0] ^= 0x80;
		ATF_REQUIRE_EQ(ike_skeyid_psk(prf, &k2, c->psk, c->psklen,
		    c->ni, c->nilen, c->nr, c->nrlen), 0);
		ATF_CHECK(memcmp(k2.k_skeyid, c->skeyid, plen) != 0);
		c->psk[0] ^= 0x80;
	}
	k2 = k;
	c->cky_r[7] ^= 0x01;
	ATF_REQUIRE_EQ(ike_skeyid_dae(prf, &k2, c->gxy, c->gxylen, c->cky_i,
	    c->cky_r), 0);
	ATF_CHECK(memcmp(k2.k_skeyid_d, c->d, plen) != 0);
	ATF_CHECK(memcmp(k2.k_skeyid_e, c->e, plen) != 0);
	c->cky_r[7] ^= 0x01;
	k2 = k;
	c->gxy[0] ^= 0x01;
	ATF_REQUIRE_EQ(ike_skeyid_dae(prf, &k2, c->gxy, c->gxylen, c->cky_i,
	    c->cky_r), 0);
	ATF_CHECK(memcmp(k2.k_skeyid_a, c->a, plen) != 0);
	c->gxy[0] ^= 0x01;

	ike_p1keys_clear(&k);
	ike_p1keys_clear(&k2);
	ike_prf_free(prf);
	run->total++;
	run->per_hash[hash_slot(c->hash)]++;
}

static void
cavs_field(struct cavs_case *c, const char *key, const char *val)
{
	if (strcmp(key, "COUNT") == 0)
		c->count = atoi(val);
	else if (strcmp(key, "CKY_I") == 0) {
		ATF_REQUIRE_EQ(unhex(val, c->cky_i, sizeof(c->cky_i)), 8);
		c->have |= F_CKYI;
	} else if (strcmp(key, "CKY_R") == 0) {
		ATF_REQUIRE_EQ(unhex(val, c->cky_r, sizeof(c->cky_r)), 8);
		c->have |= F_CKYR;
	} else if (strcmp(key, "Ni") == 0) {
		c->nilen = unhex(val, c->ni, sizeof(c->ni));
		c->have |= F_NI;
	} else if (strcmp(key, "Nr") == 0) {
		c->nrlen = unhex(val, c->nr, sizeof(c->nr));
		c->have |= F_NR;
	} else if (strcmp(key, "g^xy") == 0) {
		c->gxylen = unhex(val, c->gxy, sizeof(c->gxy));
		c->have |= F_GXY;
	} else if (strcmp(key, "pre-shared-key") == 0) {
		c->psklen = unhex(val, c->psk, sizeof(c->psk));
		c->have |= F_PSK;
	} else if (strcmp(key, "SKEYID") == 0) {
		c->skeyidlen = unhex(val, c->skeyid, sizeof(c->skeyid));
		c->have |= F_SK;
	} else if (strcmp(key, "SKEYID_d") == 0) {
		c->dlen = unhex(val, c->d, sizeof(c->d));
		c->have |= F_D;
	} else if (strcmp(key, "SKEYID_a") == 0) {
		c->alen = unhex(val, c->a, sizeof(c->a));
		c->have |= F_A;
	} else if (strcmp(key, "SKEYID_e") == 0) {
		c->elen = unhex(val, c->e, sizeof(c->e));
		c->have |= F_E;
	} else
		atf_tc_fail("unknown field %s", key);
}

/* Run every case of a CAVS response file from the source directory. */
static void
cavs_file(const atf_tc_t *tc, const char *name, struct cavs_run *run)
{
	char			 path[1024], *line = NULL, *eq;
	size_t			 cap = 0, i, len;
	FILE			*fp;
	struct cavs_case	*c;
	int			 hash = 0;

	snprintf(path, sizeof(path), "%s/%s",
	    atf_tc_get_config_var(tc, "srcdir"), name);
	ATF_REQUIRE_MSG((fp = fopen(path, "r")) != NULL, "%s: %s", path,
	    strerror(errno));
	ATF_REQUIRE((c = calloc(1, sizeof(*c))) != NULL);
	while (getline(&line, &cap, fp) != -1) {
		len = strcspn(line, "\r\n");
		line[len] = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (line[0] == '[') {
			for (i = 0; i < sizeof(cavs_hashes) /
			    sizeof(cavs_hashes[0]); i++) {
				if (len == strlen(cavs_hashes[i].name) + 2 &&
				    strncmp(line + 1, cavs_hashes[i].name,
				    len - 2) == 0) {
					cavs_check(run, c);
					memset(c, 0, sizeof(*c));
					hash = cavs_hashes[i].hash;
				}
			}
			continue;
		}
		ATF_REQUIRE_MSG((eq = strstr(line, " = ")) != NULL,
		    "%s: bad line %s", name, line);
		*eq = '\0';
		if (strcmp(line, "COUNT") == 0) {
			cavs_check(run, c);
			memset(c, 0, sizeof(*c));
		}
		ATF_REQUIRE_MSG(hash != 0, "%s: case before a hash", name);
		c->hash = hash;
		cavs_field(c, line, eq + 3);
	}
	cavs_check(run, c);
	free(c);
	free(line);
	fclose(fp);
}

ATF_TC(cavs_psk);
ATF_TC_HEAD(cavs_psk, tc)
{
	atf_tc_set_md_var(tc, "descr", "NIST CAVS IKEv1 pre-shared key KDF");
}
ATF_TC_BODY(cavs_psk, tc)
{
	struct cavs_run	 run = { .psk = 1 };

	cavs_file(tc, "kdf_ikev1_psk.rsp", &run);
	ATF_CHECK_EQ(run.total, 12);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA1)] >= 3);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA2_256)] >= 3);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA2_384)] >= 3);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA2_512)] >= 3);
}

ATF_TC(cavs_dsa);
ATF_TC_HEAD(cavs_dsa, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "NIST CAVS IKEv1 digital signature KDF");
}
ATF_TC_BODY(cavs_dsa, tc)
{
	struct cavs_run	 run = { .psk = 0 };

	cavs_file(tc, "kdf_ikev1_dsa.rsp", &run);
	ATF_CHECK_EQ(run.total, 13);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA1)] >= 3);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA2_256)] >= 3);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA2_384)] >= 3);
	ATF_CHECK(run.per_hash[hash_slot(IKE_HASH_SHA2_512)] >= 3);
}

/* ---------------------------------------------- appendix B (NSS) */

/* Set a key set's SKEYID_e directly. */
static void
set_skeyid_e(struct ike_p1keys *k, int hash, const char *hex)
{
	memset(k, 0, sizeof(*k));
	k->k_hash = hash;
	k->k_prflen = unhex(hex, k->k_skeyid_e, sizeof(k->k_skeyid_e));
	ATF_REQUIRE_EQ(k->k_prflen, ike_hash_len(hash));
}

ATF_TC_WITHOUT_HEAD(appendix_b);
ATF_TC_BODY(appendix_b, tc)
{
	struct ike_prf		*sha1, *sha256;
	struct ike_p1keys	 k;
	/* NSS ike-sha1-vectors.h #11-13: SKEYID_e and its expansion. */
	const char		*e1 = "63e81194946ebd05df7df5eb"
				    "f5d8750056bf1f1d";
	const char		*x1 = "933347a07de5782247dd36d1562ffe0e"
				    "ecade1eb4134165257e3af1000af8ae3";
	/* NSS ike-sha256-vectors.h #12: long enough, no expansion. */
	const char		*e256 = "5f00d1bd2c58ec224b1e6b71fa0f19a1"
				    "faa7a193952c444411b47c1a9d8ba6fe";

	ATF_REQUIRE((sha1 = ike_prf_new(IKE_HASH_SHA1)) != NULL);
	ATF_REQUIRE((sha256 = ike_prf_new(IKE_HASH_SHA2_256)) != NULL);

	/* SHA-1 and AES-256 or 3DES: K1 | K2, cut. */
	set_skeyid_e(&k, IKE_HASH_SHA1, e1);
	ATF_REQUIRE_EQ(ike_p1_enckey(sha1, &k, 32), 0);
	ATF_CHECK_EQ(k.k_enckeylen, 32);
	ATF_CHECK(hexeq(k.k_enckey, 32, x1));
	ATF_REQUIRE_EQ(ike_p1_enckey(sha1, &k, 24), 0);
	{
		uint8_t	 x[32];

		unhex(x1, x, sizeof(x));
		ATF_CHECK(memcmp(k.k_enckey, x, 24) == 0);
	}
	/* SHA-1 and AES-128: the first 16 bytes of SKEYID_e itself. */
	ATF_REQUIRE_EQ(ike_p1_enckey(sha1, &k, 16), 0);
	ATF_CHECK(hexeq(k.k_enckey, 16, "63e81194946ebd05df7df5ebf5d87500"));
	/* Control: another SKEYID_e, another key. */
	k.k_skeyid_e[19] ^= 1;
	ATF_REQUIRE_EQ(ike_p1_enckey(sha1, &k, 32), 0);
	ATF_CHECK(!hexeq(k.k_enckey, 32, x1));

	set_skeyid_e(&k, IKE_HASH_SHA2_256, e256);
	ATF_REQUIRE_EQ(ike_p1_enckey(sha256, &k, 32), 0);
	ATF_CHECK(hexeq(k.k_enckey, 32, e256));

	/* The PRF must match the key set, and keys have bounds. */
	errno = 0;
	ATF_CHECK_EQ(ike_p1_enckey(sha1, &k, 32), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK_EQ(ike_p1_enckey(sha256, &k, 0), -1);
	ATF_CHECK_EQ(ike_p1_enckey(sha256, &k, IKE_ENCKEY_MAXLEN + 1), -1);

	ike_p1keys_clear(&k);
	ike_prf_free(sha1);
	ike_prf_free(sha256);
}

/* ------------------------------------------ oracle (ike_oracle.py) */

enum {
	O_SKEYID, O_D, O_A, O_E, O_EK16, O_EK24, O_EK32, O_HASH_I, O_HASH_R,
	O_P1IV16, O_P1IV8, O_P2IV16, O_P2IV8, O_QM1, O_QM2, O_QM3,
	O_KM_ESP, O_KM_ESP_PFS, O_KM_AH, O_N
};

struct oracle {
	int		 hash;
	const char	*v[O_N];
};

/* Generated by `python3 ike_oracle.py kdf`. */
static const struct oracle oracles[] = {
	{ 1, {	/* MD5 */
	    /* skeyid */
	    "e6602ed6743e504fdd6df28450b62936"
	    ,
	    /* skeyid_d */
	    "54d262d1e6df63e1b86d7d9b6a70d839"
	    ,
	    /* skeyid_a */
	    "5d09e77deedd2c6bf50c403237f5ea58"
	    ,
	    /* skeyid_e */
	    "16c133f7a1bfa9b73c4a3eb2f538a88d"
	    ,
	    /* enckey16 */
	    "16c133f7a1bfa9b73c4a3eb2f538a88d"
	    ,
	    /* enckey24 */
	    "09bd9666ee515a8c746ba92d21e8c812ac4174de3274bf4f"
	    ,
	    /* enckey32 */
	    "09bd9666ee515a8c746ba92d21e8c812ac4174de3274bf4f6df710fc"
	    "438e0f2b"
	    ,
	    /* hash_i */
	    "b0ac8831cad2ecc62bb77e17212e336c"
	    ,
	    /* hash_r */
	    "a6abf6ccb86fa285be223733d4c8479a"
	    ,
	    /* p1iv16 */
	    "c7f62b298ff89fda31ef77b2be143aaf"
	    ,
	    /* p1iv8 */
	    "c7f62b298ff89fda"
	    ,
	    /* p2iv16 */
	    "34d073e276159b7408085d9e20209bf9"
	    ,
	    /* p2iv8 */
	    "252fcec74ff25ca1"
	    ,
	    /* qm1 */
	    "979a2518541030d40c2f7f3eeb2e3bbd"
	    ,
	    /* qm2 */
	    "59834c4aad34cc6d1bb530f4fd67c940"
	    ,
	    /* qm3 */
	    "605c867f0f82835ecca998e971033fa2"
	    ,
	    /* km_esp96 */
	    "86ee558dc364363bc8fdbb5559000d59e4d1596fcc083ad6beb20d07"
	    "6a1c6f570b2930288299eee58fa317b9dfe1605816a67465c234cdba"
	    "7f62db033c2239a8d5070259499a726a07c52b3398db527dc3d008c2"
	    "65c581ff47fcdd4a6f6ffd6c"
	    ,
	    /* km_esp96_pfs */
	    "848ce957933eaea168901ce2d0f8bc346340102a08ed57f4e9c55766"
	    "9da4d8a3dbbf56fc802dfdacb538d007e7726e78ef3e8743774be9e2"
	    "0b8e1657031494ab6e9a65dc7aa52e1b0fabdcd9af500470be01f934"
	    "49c017bc2c874f82d96bc4c4"
	    ,
	    /* km_ah32 */
	    "8e8b7730bc3b3b0d4e2523f2e80a632daf23c7b744035bcff21d6df8"
	    "24441b81"
	    ,
	} },
	{ 2, {	/* SHA1 */
	    /* skeyid */
	    "b790b0338218eac3d56d7909efb9897d5bfea53a"
	    ,
	    /* skeyid_d */
	    "0c708f77e585d8ed8a6575e649a2589575c6b616"
	    ,
	    /* skeyid_a */
	    "4b83e0bb87d984ac74b74d7b0ce5f514fb3942c1"
	    ,
	    /* skeyid_e */
	    "f420cb857600b54f3f1b409f5bf73025d5ac34e5"
	    ,
	    /* enckey16 */
	    "f420cb857600b54f3f1b409f5bf73025"
	    ,
	    /* enckey24 */
	    "79115111837998c92dcc4170264719b8f05a086591f87223"
	    ,
	    /* enckey32 */
	    "79115111837998c92dcc4170264719b8f05a086591f87223c5a55f8f"
	    "d4f41272"
	    ,
	    /* hash_i */
	    "b6c5bc40a546c62b0e64869298e1fb9ad4d92741"
	    ,
	    /* hash_r */
	    "3618124acd2d93752b4449825962c83b121c6906"
	    ,
	    /* p1iv16 */
	    "f4f352a05aafb7fbf65543561280dad4"
	    ,
	    /* p1iv8 */
	    "f4f352a05aafb7fb"
	    ,
	    /* p2iv16 */
	    "5ed8236c5e2d593bb2eee4728e6f0515"
	    ,
	    /* p2iv8 */
	    "fdf6c388fed392b9"
	    ,
	    /* qm1 */
	    "107509d774c780fb2bbe419a52c5ee28ba8a8d31"
	    ,
	    /* qm2 */
	    "c40a0a48ea15264911d34affc5cbc04e46d88d81"
	    ,
	    /* qm3 */
	    "fe5e6e4062a303145715fc8f14fa4dac2ce0187b"
	    ,
	    /* km_esp96 */
	    "da1cad025fbb36274943f89e2741aba492b9e5b6862e0b5cbc4daea6"
	    "0386212634c8233f46fb1ea605e4d6cc10c75e21f7781cd44268c843"
	    "6d6c7cb75eb1152bfff69f724701c12505d2ad667db2d14d656bdf23"
	    "6f52512fbd8dbac5f30b6a88"
	    ,
	    /* km_esp96_pfs */
	    "033c300c4d0defd8830285304324cd65e66b3de408a06944e5ed897e"
	    "0ada585863b21621693beb6b0dce0873eb04beaa0f28dfe832723739"
	    "8add402e6d893793add674f6881ff812beb880dd9e4d379e397a90b0"
	    "72e95beda27dae0e49f4ef59"
	    ,
	    /* km_ah32 */
	    "6d35b2e116bec9cf2ebe2e2631733aba154f3b3ba70dfe9423116070"
	    "787d90a9"
	    ,
	} },
	{ 4, {	/* SHA2_256 */
	    /* skeyid */
	    "0694559be00acb2944894a128a2882d5df0cb9241ae389c3bc3c24a7"
	    "d7aff771"
	    ,
	    /* skeyid_d */
	    "df52474d476ca8dfca20726122949f87c224020b67428bd6998a49c0"
	    "56a81b62"
	    ,
	    /* skeyid_a */
	    "efb6f56f0f5e26300803e98902e4a53e9ea244da76da8f9b8da40319"
	    "f2359c30"
	    ,
	    /* skeyid_e */
	    "2ef6a0e06426a9205ff0a8cd2d24a05c66171747bf731192f35b0556"
	    "ea7e9e1f"
	    ,
	    /* enckey16 */
	    "2ef6a0e06426a9205ff0a8cd2d24a05c"
	    ,
	    /* enckey24 */
	    "2ef6a0e06426a9205ff0a8cd2d24a05c66171747bf731192"
	    ,
	    /* enckey32 */
	    "2ef6a0e06426a9205ff0a8cd2d24a05c66171747bf731192f35b0556"
	    "ea7e9e1f"
	    ,
	    /* hash_i */
	    "a8e697a664c0cc3a4539976582d62e947043f0dda222b7447e600aab"
	    "99134c8e"
	    ,
	    /* hash_r */
	    "591fbdf0d0fe3b8daa3b0543cb2b280448e8e81982387ba6ef1e0610"
	    "cf3f7cef"
	    ,
	    /* p1iv16 */
	    "8c62c5739ea775b96d3e57893692ade8"
	    ,
	    /* p1iv8 */
	    "8c62c5739ea775b9"
	    ,
	    /* p2iv16 */
	    "b6c2c3dce94c47a49b610451db125850"
	    ,
	    /* p2iv8 */
	    "bd901ff01d68d641"
	    ,
	    /* qm1 */
	    "409e6da2e9a3c3288adb5915ad7ad9ad3ff370700096a790aee24502"
	    "15895520"
	    ,
	    /* qm2 */
	    "f919e4a342d31b8c40778523e26262b72a45479d3b3858fd6c1a1f92"
	    "d37616a7"
	    ,
	    /* qm3 */
	    "df29d4cd3f1a084510da1826bbe7c9c83393d2162ee3602108a13492"
	    "2eb2a6a2"
	    ,
	    /* km_esp96 */
	    "102b1b37961a941f9cd61ee560b9085a47b11abe3febfa87509a3cca"
	    "3c6fd1c27e208e2c47bf3d6854de6902fe37e557824bd148374723f7"
	    "fa54653ee20d8a0f12b433821f527801b752bbacfe62359b5f29830c"
	    "1f3ecc0d9088bd0c4df055a4"
	    ,
	    /* km_esp96_pfs */
	    "e89abc77a59933cb5e8e0163b9ca6e7aeceb3e6cc7e5cf7f34b5375a"
	    "940bc2a4461d3c467b016935c6da96bc5b440ffc4bb9e666d2718c04"
	    "e1b3cda198ba27d948ac7715ab38288a8ea6f7ef43a1aee5a0762a44"
	    "399435dc72b55bd1f9329bc9"
	    ,
	    /* km_ah32 */
	    "6d6c11197a40c5ed1b3442040610c23c2ca80f050fdf3d24a535b4a0"
	    "e0a3b090"
	    ,
	} },
	{ 6, {	/* SHA2_512 */
	    /* skeyid */
	    "804be1df6a32ba98280f914443e9317b0dec51e87a271d01644677ea"
	    "cd99483069a27d09e11e34379f6f0b424eacc847c28dce5014eaba97"
	    "8be9623523294ba6"
	    ,
	    /* skeyid_d */
	    "c06b0cf48621645e72f9af4707f96c48637d91c5a65cde7efc3013b7"
	    "6dfe31c9d3821f31e095e91f2e3ed2db5de693287b0f00f549ccc4d0"
	    "0905a6c1167ef2f6"
	    ,
	    /* skeyid_a */
	    "3edc6af46d855d9f08a43eb02c8ee9fa76b941d500d03e09f421a5bb"
	    "bbbec25e14e496481e63537a56e2a9da146a3caeb98cf475497f5a17"
	    "484fea14e12225ae"
	    ,
	    /* skeyid_e */
	    "3bb5765014ade9ca16f7ad1a39115cad3c15f1b04e2df57ae2fcdc5f"
	    "0ee6c3ea2c5635c3fcdca85c4424f614c6850340fc10c7b221912a37"
	    "cf4ca264eacf8316"
	    ,
	    /* enckey16 */
	    "3bb5765014ade9ca16f7ad1a39115cad"
	    ,
	    /* enckey24 */
	    "3bb5765014ade9ca16f7ad1a39115cad3c15f1b04e2df57a"
	    ,
	    /* enckey32 */
	    "3bb5765014ade9ca16f7ad1a39115cad3c15f1b04e2df57ae2fcdc5f"
	    "0ee6c3ea"
	    ,
	    /* hash_i */
	    "2d8dd905c84cd12fd851ec2c7fb4c7daf0ef34d47f3c66da9b93710e"
	    "726d5e8be1a7f2e1bcacc2c1217ea0ebfa1d664a4e140de6f4048a63"
	    "506efea0fc4b9ea8"
	    ,
	    /* hash_r */
	    "2f1db8df0dd47a06b1938d2415f4c5f10b499aa0a497e6676ffbb77b"
	    "655d444ca6832ea84bada17592b534ee8c6b2ce3a05ba8164752151d"
	    "0c809a3d6facc6db"
	    ,
	    /* p1iv16 */
	    "fe56b61df149026207e6aef5a4cccaf9"
	    ,
	    /* p1iv8 */
	    "fe56b61df1490262"
	    ,
	    /* p2iv16 */
	    "b12504e16a6fdb5a5f0ae891ba14b2c1"
	    ,
	    /* p2iv8 */
	    "e2378f2d5d7b5435"
	    ,
	    /* qm1 */
	    "4148aea9bd98d3e6689bfb6f1ad42f14346cf48da041bf78510235ac"
	    "1dfe2247b89d5bb2fb0808c3489ada1a552a22e7ed7ad2ad37eaacc3"
	    "844be8e13f75d370"
	    ,
	    /* qm2 */
	    "1546b713b8d31be3a8862a7aaec7b3c92762784b147024bf02c0a83a"
	    "352e630bbeb3e3b26d097f4b57794c76f82da259d2a31b2fda7eae50"
	    "5c893807fadea018"
	    ,
	    /* qm3 */
	    "2c817d7f19e048b980d302d07fa943f2c31913ab4c8f84e9c7075a4d"
	    "1c18a987ecd2d5c377c3957c435f97c156d4d0e7b78d94e2638c5f65"
	    "2129ed3779e478f4"
	    ,
	    /* km_esp96 */
	    "b765b2ab97f3eb1cc068f883aa03d921a142e0703e42e9c253878f40"
	    "b192653af323d4b4b6682f868c1f033295a62aee6aaede2ef06d21cc"
	    "3a854c5b323d27d3697a8c774948ee27881cccdb4beeee2fce3866b9"
	    "19c269143dbc6dd255b4a9e5"
	    ,
	    /* km_esp96_pfs */
	    "16769f8314eedcf14148ef13078a17c023adcef76b1e975d7fd1184e"
	    "6fad5bb3b2f8827e1117c51c41b4c32015edb562e40db4fb892d031b"
	    "e4e7e56e7e8ad76b93f006ba871f68a5b8e314c8df565a4e52dea5f2"
	    "4402d0b90b0ea71c2397d263"
	    ,
	    /* km_ah32 */
	    "d2dc0712f2f2189d0c71118778486436e67a3129cecc7996303e8e0e"
	    "406e32ce"
	    ,
	} },
};

/* The inputs, as ike_oracle.py builds them. */
struct scen {
	uint8_t		 ni[16], nr[32], gxy[256], gxi[256], gxr[256];
	uint8_t		 cky_i[8], cky_r[8], sai[52], idii[12], idir[12];
	uint8_t		 p1last[16], rest1[120], rest2[136], spi[4];
	uint8_t		 gqm[256];
};
static const char	 scen_psk[] = "racoon-ng oracle psk";
#define SCEN_MID	0x9a3c5e01U

static void
scen_fill(struct scen *s)
{
	fill(s->ni, sizeof(s->ni), 0x01);
	fill(s->nr, sizeof(s->nr), 0x02);
	fill(s->gxy, sizeof(s->gxy), 0x03);
	fill(s->gxi, sizeof(s->gxi), 0x04);
	fill(s->gxr, sizeof(s->gxr), 0x05);
	fill(s->cky_i, sizeof(s->cky_i), 0x06);
	fill(s->cky_r, sizeof(s->cky_r), 0x07);
	fill(s->sai, sizeof(s->sai), 0x08);
	fill(s->idii, sizeof(s->idii), 0x09);
	fill(s->idir, sizeof(s->idir), 0x0a);
	fill(s->p1last, sizeof(s->p1last), 0x0b);
	fill(s->rest1, sizeof(s->rest1), 0x0c);
	fill(s->rest2, sizeof(s->rest2), 0x0d);
	fill(s->spi, sizeof(s->spi), 0x0e);
	fill(s->gqm, sizeof(s->gqm), 0x0f);
}

static void
oracle_one(const struct oracle *o)
{
	struct scen		 s;
	struct ike_prf		*prf;
	struct ike_p1keys	 k;
	struct ike_keymat_in	 km;
	struct ike_ipsec_alg	 alg;
	struct ike_ipsec_keys	 ik;
	uint8_t			 out[IKE_KEYMAT_MAXLEN], iv[16], x[128];
	size_t			 plen;
	int			 h = o->hash;

	scen_fill(&s);
	ATF_REQUIRE((prf = ike_prf_new(h)) != NULL);
	plen = ike_prf_len(prf);

	ATF_REQUIRE_EQ(ike_skeyid_psk(prf, &k, (const uint8_t *)scen_psk,
	    strlen(scen_psk), s.ni, sizeof(s.ni), s.nr, sizeof(s.nr)), 0);
	ATF_REQUIRE_EQ(ike_skeyid_dae(prf, &k, s.gxy, sizeof(s.gxy),
	    s.cky_i, s.cky_r), 0);
	ATF_CHECK_MSG(hexeq(k.k_skeyid, plen, o->v[O_SKEYID]), "%d skeyid", h);
	ATF_CHECK_MSG(hexeq(k.k_skeyid_d, plen, o->v[O_D]), "%d d", h);
	ATF_CHECK_MSG(hexeq(k.k_skeyid_a, plen, o->v[O_A]), "%d a", h);
	ATF_CHECK_MSG(hexeq(k.k_skeyid_e, plen, o->v[O_E]), "%d e", h);

	ATF_REQUIRE_EQ(ike_p1_enckey(prf, &k, 16), 0);
	ATF_CHECK_MSG(hexeq(k.k_enckey, 16, o->v[O_EK16]), "%d ek16", h);
	ATF_REQUIRE_EQ(ike_p1_enckey(prf, &k, 24), 0);
	ATF_CHECK_MSG(hexeq(k.k_enckey, 24, o->v[O_EK24]), "%d ek24", h);
	ATF_REQUIRE_EQ(ike_p1_enckey(prf, &k, 32), 0);
	ATF_CHECK_MSG(hexeq(k.k_enckey, 32, o->v[O_EK32]), "%d ek32", h);

	ATF_REQUIRE_EQ(ike_p1_hash_i(prf, &k, s.gxi, sizeof(s.gxi), s.gxr,
	    sizeof(s.gxr), s.cky_i, s.cky_r, s.sai, sizeof(s.sai), s.idii,
	    sizeof(s.idii), out, sizeof(out)), (int)plen);
	ATF_CHECK_MSG(hexeq(out, plen, o->v[O_HASH_I]), "%d hash_i", h);
	ATF_REQUIRE_EQ(ike_p1_hash_r(prf, &k, s.gxi, sizeof(s.gxi), s.gxr,
	    sizeof(s.gxr), s.cky_i, s.cky_r, s.sai, sizeof(s.sai), s.idir,
	    sizeof(s.idir), out, sizeof(out)), (int)plen);
	ATF_CHECK_MSG(hexeq(out, plen, o->v[O_HASH_R]), "%d hash_r", h);
	/* Control: HASH_R with IDii is not HASH_I (the order matters). */
	ATF_REQUIRE_EQ(ike_p1_hash_r(prf, &k, s.gxi, sizeof(s.gxi), s.gxr,
	    sizeof(s.gxr), s.cky_i, s.cky_r, s.sai, sizeof(s.sai), s.idii,
	    sizeof(s.idii), out, sizeof(out)), (int)plen);
	ATF_CHECK(!hexeq(out, plen, o->v[O_HASH_I]));

	ATF_REQUIRE_EQ(ike_p1_iv(prf, s.gxi, sizeof(s.gxi), s.gxr,
	    sizeof(s.gxr), iv, 16), 0);
	ATF_CHECK_MSG(hexeq(iv, 16, o->v[O_P1IV16]), "%d p1iv16", h);
	ATF_REQUIRE_EQ(ike_p1_iv(prf, s.gxi, sizeof(s.gxi), s.gxr,
	    sizeof(s.gxr), iv, 8), 0);
	ATF_CHECK_MSG(hexeq(iv, 8, o->v[O_P1IV8]), "%d p1iv8", h);
	ATF_REQUIRE_EQ(ike_p2_iv(prf, s.p1last, 16, SCEN_MID, iv), 0);
	ATF_CHECK_MSG(hexeq(iv, 16, o->v[O_P2IV16]), "%d p2iv16", h);
	ATF_REQUIRE_EQ(ike_p2_iv(prf, s.p1last, 8, SCEN_MID, iv), 0);
	ATF_CHECK_MSG(hexeq(iv, 8, o->v[O_P2IV8]), "%d p2iv8", h);
	ATF_REQUIRE_EQ(ike_p2_iv(prf, s.p1last, 16, SCEN_MID + 1, iv), 0);
	ATF_CHECK(!hexeq(iv, 16, o->v[O_P2IV16]));

	ATF_REQUIRE_EQ(ike_qm_hash1(prf, &k, SCEN_MID, s.rest1,
	    sizeof(s.rest1), out, sizeof(out)), (int)plen);
	ATF_CHECK_MSG(hexeq(out, plen, o->v[O_QM1]), "%d qm1", h);
	ATF_REQUIRE_EQ(ike_qm_hash1(prf, &k, SCEN_MID ^ 0x100, s.rest1,
	    sizeof(s.rest1), out, sizeof(out)), (int)plen);
	ATF_CHECK(!hexeq(out, plen, o->v[O_QM1]));
	ATF_REQUIRE_EQ(ike_qm_hash2(prf, &k, SCEN_MID, s.ni, sizeof(s.ni),
	    s.rest2, sizeof(s.rest2), out, sizeof(out)), (int)plen);
	ATF_CHECK_MSG(hexeq(out, plen, o->v[O_QM2]), "%d qm2", h);
	ATF_REQUIRE_EQ(ike_qm_hash3(prf, &k, SCEN_MID, s.ni, sizeof(s.ni),
	    s.nr, sizeof(s.nr), out, sizeof(out)), (int)plen);
	ATF_CHECK_MSG(hexeq(out, plen, o->v[O_QM3]), "%d qm3", h);

	/* KEYMAT: ESP without and with PFS, AH. */
	memset(&km, 0, sizeof(km));
	km.km_proto = IKE_PROTO_ESP;
	memcpy(km.km_spi, s.spi, sizeof(km.km_spi));
	km.km_ni = s.ni;
	km.km_nilen = sizeof(s.ni);
	km.km_nr = s.nr;
	km.km_nrlen = sizeof(s.nr);
	ATF_REQUIRE_EQ(ike_keymat(prf, &k, &km, out, 96), 0);
	ATF_CHECK_MSG(hexeq(out, 96, o->v[O_KM_ESP]), "%d km esp", h);
	km.km_gqm = s.gqm;
	km.km_gqmlen = sizeof(s.gqm);
	ATF_REQUIRE_EQ(ike_keymat(prf, &k, &km, out, 96), 0);
	ATF_CHECK_MSG(hexeq(out, 96, o->v[O_KM_ESP_PFS]), "%d km pfs", h);
	km.km_spi[3] ^= 1;
	ATF_REQUIRE_EQ(ike_keymat(prf, &k, &km, out, 96), 0);
	ATF_CHECK(!hexeq(out, 96, o->v[O_KM_ESP_PFS]));
	km.km_spi[3] ^= 1;
	km.km_gqm = NULL;
	km.km_gqmlen = 0;

	/* ESP AES-256-CBC + HMAC-SHA2-512: key 0-31, auth 32-95. */
	unhex(o->v[O_KM_ESP], x, sizeof(x));
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_AES_CBC, 256,
	    IKE_AUTH_HMAC_SHA2_512 };
	ATF_REQUIRE_EQ(ike_ipsec_keys(prf, &k, &km, &alg, &ik), 0);
	ATF_CHECK_EQ(ik.ik_enclen, 32);
	ATF_CHECK_EQ(ik.ik_saltlen, 0);
	ATF_CHECK_EQ(ik.ik_authlen, 64);
	ATF_CHECK(memcmp(ik.ik_enc, x, 32) == 0);
	ATF_CHECK(memcmp(ik.ik_auth, x + 32, 64) == 0);
	/* ESP AES-128-CBC + HMAC-SHA1: key 0-15, auth 16-35. */
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_AES_CBC, 128,
	    IKE_AUTH_HMAC_SHA1 };
	ATF_REQUIRE_EQ(ike_ipsec_keys(prf, &k, &km, &alg, &ik), 0);
	ATF_CHECK(ik.ik_enclen == 16 && ik.ik_authlen == 20);
	ATF_CHECK(memcmp(ik.ik_enc, x, 16) == 0);
	ATF_CHECK(memcmp(ik.ik_auth, x + 16, 20) == 0);
	/* ESP AES-GCM-16 256: key 0-31 and salt 32-35 (RFC 4106 8.1). */
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_AES_GCM_16, 256,
	    IKE_AUTH_NONE };
	ATF_REQUIRE_EQ(ike_ipsec_keys(prf, &k, &km, &alg, &ik), 0);
	ATF_CHECK(ik.ik_enclen == 36 && ik.ik_saltlen == 4 &&
	    ik.ik_authlen == 0);
	ATF_CHECK(memcmp(ik.ik_enc, x, 36) == 0);
	/* 3DES + HMAC-MD5: 24 + 16. */
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_3DES, 0,
	    IKE_AUTH_HMAC_MD5 };
	ATF_REQUIRE_EQ(ike_ipsec_keys(prf, &k, &km, &alg, &ik), 0);
	ATF_CHECK(ik.ik_enclen == 24 && ik.ik_authlen == 16);
	ATF_CHECK(memcmp(ik.ik_auth, x + 24, 16) == 0);
	/* AH HMAC-SHA2-256: protocol 2 in the seed. */
	km.km_proto = IKE_PROTO_AH;
	alg = (struct ike_ipsec_alg){ IKE_PROTO_AH, IKE_AH_SHA2_256, 0,
	    IKE_AUTH_HMAC_SHA2_256 };
	ATF_REQUIRE_EQ(ike_ipsec_keys(prf, &k, &km, &alg, &ik), 0);
	ATF_CHECK(ik.ik_enclen == 0 && ik.ik_authlen == 32);
	ATF_CHECK_MSG(hexeq(ik.ik_auth, 32, o->v[O_KM_AH]), "%d km ah", h);
	/* Control: the same SPI under ESP gives other keys. */
	ATF_CHECK(memcmp(ik.ik_auth, x, 32) != 0);
	/* The SA's protocol and the KEYMAT's must agree. */
	km.km_proto = IKE_PROTO_ESP;
	errno = 0;
	ATF_CHECK_EQ(ike_ipsec_keys(prf, &k, &km, &alg, &ik), -1);
	ATF_CHECK_EQ(errno, EINVAL);

	ike_ipsec_keys_clear(&ik);
	ike_p1keys_clear(&k);
	ike_prf_free(prf);
}

ATF_TC(oracle);
ATF_TC_HEAD(oracle, tc)
{
	atf_tc_set_md_var(tc, "descr", "RFC 2409 derivations against "
	    "ike_oracle.py (MD5, SHA-1, SHA2-256, SHA2-512)");
}
ATF_TC_BODY(oracle, tc)
{
	size_t	 i;

	for (i = 0; i < sizeof(oracles) / sizeof(oracles[0]); i++)
		oracle_one(&oracles[i]);
}

/* ------------------------------------------------------- HMAC, hash */

ATF_TC_WITHOUT_HEAD(prf_vectors);
ATF_TC_BODY(prf_vectors, tc)
{
	/* RFC 2202 test case 2 (MD5, SHA-1), RFC 4231 test case 2. */
	static const struct {
		int		 hash;
		const char	*mac;
	} v[] = {
		{ IKE_HASH_MD5, "750c783e6ab0b503eaa86e310a5db738" },
		{ IKE_HASH_SHA1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ IKE_HASH_SHA2_256, "5bdcc146bf60754e6a042426089575c7"
		    "5a003f089d2739839dec58b964ec3843" },
		{ IKE_HASH_SHA2_384, "af45d2e376484031617f78d2b58a6b1b"
		    "9c7ef464f5a01b47e42ec3736322445e"
		    "8e2240ca5e69e2c78b3239ecfab21649" },
		{ IKE_HASH_SHA2_512, "164b7a7bfcf819e2e395fbe73b56e0a3"
		    "87bd64222e831fd610270cd7ea250554"
		    "9758bf75c05a994a6d034f65f8f0e6fd"
		    "caeab1a34d4a6b4b636e070a38bce737" },
	};
	const char	*key = "Jefe", *data = "what do ya want for nothing?";
	struct ike_prf	*prf;
	struct ike_iov	 iov[3];
	uint8_t		 out[IKE_HASH_MAXLEN], out2[IKE_HASH_MAXLEN];
	size_t		 i, len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ATF_REQUIRE((prf = ike_prf_new(v[i].hash)) != NULL);
		len = ike_hash_len(v[i].hash);
		ATF_CHECK_EQ(ike_prf_len(prf), len);
		ATF_REQUIRE_EQ(ike_prf(prf, (const uint8_t *)key, 4,
		    (const uint8_t *)data, strlen(data), out, sizeof(out)),
		    (int)len);
		ATF_CHECK_MSG(hexeq(out, len, v[i].mac), "hash %d", v[i].hash);
		/* The same through pieces, one of them empty. */
		iov[0] = (struct ike_iov){ data, 5 };
		iov[1] = (struct ike_iov){ NULL, 0 };
		iov[2] = (struct ike_iov){ data + 5, strlen(data) - 5 };
		ATF_REQUIRE_EQ(ike_prf_v(prf, (const uint8_t *)key, 4, iov, 3,
		    out2, sizeof(out2)), (int)len);
		ATF_CHECK(memcmp(out, out2, len) == 0);
		/* Control: a different key. */
		ATF_REQUIRE_EQ(ike_prf(prf, (const uint8_t *)"jefe", 4,
		    (const uint8_t *)data, strlen(data), out2, sizeof(out2)),
		    (int)len);
		ATF_CHECK(memcmp(out, out2, len) != 0);
		/* The output buffer must hold the whole PRF output. */
		errno = 0;
		ATF_CHECK_EQ(ike_prf(prf, (const uint8_t *)key, 4,
		    (const uint8_t *)data, strlen(data), out, len - 1), -1);
		ATF_CHECK_EQ(errno, EINVAL);
		ike_prf_free(prf);
	}

	ATF_REQUIRE((prf = ike_prf_new(IKE_HASH_SHA1)) != NULL);
	/* An empty key (Python: hmac.new(b"", b"data", sha1)). */
	ATF_REQUIRE_EQ(ike_prf(prf, NULL, 0, (const uint8_t *)"data", 4, out,
	    sizeof(out)), 20);
	ATF_CHECK(hexeq(out, 20, "257d2c35443af1e2fe590bcf71d7cfc2e7253310"));
	/* Rekeying between calls really rekeys (no key carried over). */
	ATF_REQUIRE_EQ(ike_prf(prf, (const uint8_t *)key, 4,
	    (const uint8_t *)data, strlen(data), out, sizeof(out)), 20);
	ATF_REQUIRE_EQ(ike_prf(prf, NULL, 0, (const uint8_t *)"data", 4, out,
	    sizeof(out)), 20);
	ATF_CHECK(hexeq(out, 20, "257d2c35443af1e2fe590bcf71d7cfc2e7253310"));
	ike_prf_free(prf);

	/* The plain hash: SHA2-256("abc") (FIPS 180-2 B.1). */
	ATF_REQUIRE((prf = ike_prf_new(IKE_HASH_SHA2_256)) != NULL);
	iov[0] = (struct ike_iov){ "ab", 2 };
	iov[1] = (struct ike_iov){ "c", 1 };
	ATF_REQUIRE_EQ(ike_prf_digest_v(prf, iov, 2, out, sizeof(out)), 32);
	ATF_CHECK(hexeq(out, 32, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad"));
	ike_prf_free(prf);
}

/* ------------------------------------------------------ bad input */

ATF_TC_WITHOUT_HEAD(bad_input);
ATF_TC_BODY(bad_input, tc)
{
	struct ike_prf		*sha1, *sha256;
	struct ike_p1keys	 k;
	struct ike_keymat_in	 km;
	struct ike_ipsec_alg	 alg;
	size_t			 e, s, a;
	uint8_t			 n[16], g[32], cky[8];
	uint8_t			 out[IKE_KEYMAT_MAXLEN];

	ATF_CHECK_EQ(ike_hash_len(IKE_HASH_SHA2_384), 48);
	ATF_CHECK_EQ(ike_hash_len(3), 0);	/* Tiger */
	ATF_CHECK_STREQ(ike_hash_name(IKE_HASH_SHA2_512), "sha2_512");
	ATF_CHECK(ike_hash_name(99) == NULL);
	errno = 0;
	ATF_CHECK(ike_prf_new(3) == NULL);
	ATF_CHECK_EQ(errno, EOPNOTSUPP);

	ATF_REQUIRE((sha1 = ike_prf_new(IKE_HASH_SHA1)) != NULL);
	ATF_REQUIRE((sha256 = ike_prf_new(IKE_HASH_SHA2_256)) != NULL);
	fill(n, sizeof(n), 1);
	fill(g, sizeof(g), 2);
	fill(cky, sizeof(cky), 3);

	/* SKEYID_* before SKEYID, or with another algorithm's PRF. */
	memset(&k, 0, sizeof(k));
	ATF_CHECK_EQ(ike_skeyid_dae(sha1, &k, g, sizeof(g), cky, cky), -1);
	ATF_REQUIRE_EQ(ike_skeyid_sig(sha1, &k, n, sizeof(n), n, sizeof(n),
	    g, sizeof(g)), 0);
	errno = 0;
	ATF_CHECK_EQ(ike_skeyid_dae(sha256, &k, g, sizeof(g), cky, cky), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_REQUIRE_EQ(ike_skeyid_dae(sha1, &k, g, sizeof(g), cky, cky), 0);
	/* No g^xy; nonces over 256 bytes (RFC 2409 5). */
	ATF_CHECK_EQ(ike_skeyid_dae(sha1, &k, NULL, 0, cky, cky), -1);
	ATF_CHECK_EQ(ike_skeyid_sig(sha1, &k, out, 257, n, sizeof(n), g,
	    sizeof(g)), -1);

	/* KEYMAT bounds and inputs. */
	ATF_REQUIRE_EQ(ike_skeyid_sig(sha1, &k, n, sizeof(n), n, sizeof(n),
	    g, sizeof(g)), 0);
	ATF_REQUIRE_EQ(ike_skeyid_dae(sha1, &k, g, sizeof(g), cky, cky), 0);
	memset(&km, 0, sizeof(km));
	km.km_proto = IKE_PROTO_ESP;
	km.km_ni = n;
	km.km_nilen = sizeof(n);
	km.km_nr = n;
	km.km_nrlen = sizeof(n);
	ATF_CHECK_EQ(ike_keymat(sha1, &k, &km, out, IKE_KEYMAT_MAXLEN), 0);
	ATF_CHECK_EQ(ike_keymat(sha1, &k, &km, out, IKE_KEYMAT_MAXLEN + 1),
	    -1);
	ATF_CHECK_EQ(ike_keymat(sha1, &k, &km, out, 0), -1);
	km.km_nrlen = 0;
	ATF_CHECK_EQ(ike_keymat(sha1, &k, &km, out, 16), -1);
	km.km_nrlen = sizeof(n);
	km.km_gqmlen = 5;	/* with no pointer */
	ATF_CHECK_EQ(ike_keymat(sha1, &k, &km, out, 16), -1);

	/* IV sizes: a block longer than the hash (MD5 is 16). */
	ATF_CHECK_EQ(ike_p2_iv(sha1, g, 17, 1, out), -1);
	ATF_CHECK_EQ(ike_p1_iv(sha1, g, sizeof(g), g, 0, out, 16), -1);

	/* Algorithm combinations IPsec does not have. */
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_AES_CBC, 0,
	    IKE_AUTH_HMAC_SHA1 };
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg.ia_keybits = 100;
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg.ia_keybits = 192;
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), 0);
	ATF_CHECK(e == 24 && s == 0 && a == 20);
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_AES_GCM_8, 128,
	    IKE_AUTH_HMAC_SHA1 };
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg.ia_auth = IKE_AUTH_NONE;
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), 0);
	ATF_CHECK(e == 16 && s == 4 && a == 0);
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_NULL, 0,
	    IKE_AUTH_NONE };
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg.ia_auth = IKE_AUTH_HMAC_SHA2_384;
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), 0);
	ATF_CHECK(e == 0 && s == 0 && a == 48);
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, IKE_ESP_3DES, 128,
	    IKE_AUTH_HMAC_SHA1 };
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg = (struct ike_ipsec_alg){ IKE_PROTO_AH, IKE_AH_SHA1, 0,
	    IKE_AUTH_HMAC_SHA2_256 };
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg.ia_auth = IKE_AUTH_NONE;
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), 0);
	ATF_CHECK(e == 0 && a == 20);
	alg = (struct ike_ipsec_alg){ IKE_PROTO_AH, IKE_AH_SHA2_512, 256,
	    IKE_AUTH_NONE };
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg = (struct ike_ipsec_alg){ 4, 2, 0, 0 };	/* IPComp */
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	alg = (struct ike_ipsec_alg){ IKE_PROTO_ESP, 7, 128, 0 };
	errno = 0;
	ATF_CHECK_EQ(ike_ipsec_keysizes(&alg, &e, &s, &a), -1);
	ATF_CHECK_EQ(errno, EOPNOTSUPP);

	ike_p1keys_clear(&k);
	ike_prf_free(sha1);
	ike_prf_free(sha256);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cavs_psk);
	ATF_TP_ADD_TC(tp, cavs_dsa);
	ATF_TP_ADD_TC(tp, appendix_b);
	ATF_TP_ADD_TC(tp, oracle);
	ATF_TP_ADD_TC(tp, prf_vectors);
	ATF_TP_ADD_TC(tp, bad_input);
	return (atf_no_error());
}
