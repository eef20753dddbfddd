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
 * Diffie-Hellman for IKE (libike ike_dh.c):
 *  - ECP groups 19-21 against RFC 5903 section 8, in IKE's x | y format;
 *  - Curve25519 against RFC 7748 section 6.1, and its low-order points
 *    (all-zero results, refused as RFC 8031 2 asks);
 *  - MODP groups 1, 2, 5 and 14 against ike_oracle.py, which rebuilds the
 *    primes from pi (RFC 2409 6, RFC 3526) and exponentiates in Python:
 *    group 14's case has a public value and a shared secret that start
 *    with a zero byte, so the fixed-length encoding is checked;
 *  - every group: two fresh keypairs agree;
 *  - refused peer values: MODP 0, 1, p - 1, p, p + 1, 2^n - 1, wrong
 *    lengths (2 and p - 2 are accepted); ECP points off the curve,
 *    coordinates >= p, (0, 0), wrong lengths.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "ike_crypto.h"
#include "crypto_testutil.h"

static const int all_groups[] = {
	IKE_DH_MODP768, IKE_DH_MODP1024, IKE_DH_MODP1536, IKE_DH_MODP2048,
	IKE_DH_MODP3072, IKE_DH_MODP4096, IKE_DH_MODP6144, IKE_DH_MODP8192,
	IKE_DH_ECP256, IKE_DH_ECP384, IKE_DH_ECP521, IKE_DH_CURVE25519,
};
#define NALL	(sizeof(all_groups) / sizeof(all_groups[0]))

/* Load priv into a new context of group; check our public value. */
static struct ike_dh *
load(int group, const char *priv, const char *pub)
{
	struct ike_dh	*dh;
	uint8_t		 k[IKE_DH_MAXLEN], p[IKE_DH_MAXLEN];
	size_t		 klen, publen = ike_dh_publen(group);

	ATF_REQUIRE((dh = ike_dh_new(group)) != NULL);
	klen = unhex(priv, k, sizeof(k));
	ATF_REQUIRE_EQ(ike_dh_load_private(dh, k, klen), 0);
	ATF_REQUIRE_EQ(ike_dh_public(dh, p, publen), 0);
	ATF_CHECK_MSG(hexeq(p, publen, pub), "group %d: public value", group);
	explicit_bzero(k, sizeof(k));
	return (dh);
}

/* derive(peer) must give want. */
static void
derive_ok(struct ike_dh *dh, const char *peer, const char *want)
{
	uint8_t	 y[IKE_DH_MAXLEN], z[IKE_DH_MAXLEN];
	size_t	 ylen;
	int	 g = ike_dh_group(dh);

	ylen = unhex(peer, y, sizeof(y));
	ATF_REQUIRE_EQ_MSG(ike_dh_derive(dh, y, ylen, z, sizeof(z)),
	    (int)ike_dh_secretlen(g), "group %d: derive failed", g);
	ATF_CHECK_MSG(hexeq(z, ike_dh_secretlen(g), want),
	    "group %d: shared secret", g);
}

/* derive(peer, peerlen) must be refused with EINVAL. */
static void
derive_bad(struct ike_dh *dh, const uint8_t *peer, size_t peerlen,
    const char *what)
{
	uint8_t	 z[IKE_DH_MAXLEN];

	memset(z, 0x5a, sizeof(z));
	errno = 0;
	ATF_CHECK_EQ_MSG(ike_dh_derive(dh, peer, peerlen, z, sizeof(z)), -1,
	    "group %d: %s accepted", ike_dh_group(dh), what);
	ATF_CHECK_EQ_MSG(errno, EINVAL, "group %d: %s: errno %d",
	    ike_dh_group(dh), what, errno);
}

/* ---------------------------------------------------- RFC 5903 ECP */

static const struct {
	int		 group;
	const char	*i, *gi, *r, *gr, *girx;
} rfc5903[] = {
	/* 8.1: 256-bit random ECP group */
	{ IKE_DH_ECP256,
	    "c88f01f510d9ac3f70a292daa2316de544e9aab8afe84049c62a9c57862d1433",
	    "dad0b65394221cf9b051e1feca5787d098dfe637fc90b9ef945d0c3772581180"
	    "5271a0461cdb8252d61f1c456fa3e59ab1f45b33accf5f58389e0577b8990bb3",
	    "c6ef9c5d78ae012a011164acb397ce2088685d8f06bf9be0b283ab46476bee53",
	    "d12dfb5289c8d4f81208b70270398c342296970a0bccb74c736fc7554494bf63"
	    "56fbf3ca366cc23e8157854c13c58d6aac23f046ada30f8353e74f33039872ab",
	    "d6840f6b42f6edafd13116e0e12565202fef8e9ece7dce03812464d04b9442de"
	},
	/* 8.2: 384-bit random ECP group */
	{ IKE_DH_ECP384,
	    "099f3c7034d4a2c699884d73a375a67f7624ef7c6b3c0f16"
	    "0647b67414dce655e35b538041e649ee3faef896783ab194",
	    "667842d7d180ac2cde6f74f37551f55755c7645c20ef73e3"
	    "1634fe72b4c55ee6de3ac808acb4bdb4c88732aee95f41aa"
	    "9482ed1fc0eeb9cafc4984625ccfc23f65032149e0e144ad"
	    "a024181535a0f38eeb9fcff3c2c947dae69b4c634573a81c",
	    "41cb0779b4bdb85d47846725fbec3c9430fab46cc8dc5060"
	    "855cc9bda0aa2942e0308312916b8ed2960e4bd55a7448fc",
	    "e558dbef53eecde3d3fccfc1aea08a89a987475d12fd950d"
	    "83cfa41732bc509d0d1ac43a0336def96fda41d0774a3571"
	    "dcfbec7aacf3196472169e838430367f66eebe3c6e70c416"
	    "dd5f0c68759dd1fff83fa40142209dff5eaad96db9e6386c",
	    "11187331c279962d93d604243fd592cb9d0a926f422e4718"
	    "7521287e7156c5c4d603135569b9e9d09cf5d4a270f59746"
	},
	/* 8.3: 521-bit random ECP group */
	{ IKE_DH_ECP521,
	    "0037ade9319a89f4dabdb3ef411aaccca5123c61acab57b5393dce47608172a0"
	    "95aa85a30fe1c2952c6771d937ba9777f5957b2639bab072462f68c27a57382d"
	    "4a52",
	    "0015417e84dbf28c0ad3c278713349dc7df153c897a1891bd98bab4357c9ecbe"
	    "e1e3bf42e00b8e380aeae57c2d107564941885942af5a7f4601723c4195d176c"
	    "ed3e"
	    "017cae20b6641d2eeb695786d8c946146239d099e18e1d5a514c739d7cb4a10a"
	    "d8a788015ac405d7799dc75e7b7d5b6cf2261a6a7f1507438bf01beb6ca3926f"
	    "9582",
	    "0145ba99a847af43793fdd0e872e7cdfa16be30fdc780f97bccc3f078380201e"
	    "9c677d600b343757a3bdbf2a3163e4c2f869cca7458aa4a4effc311f5cb15168"
	    "5eb9",
	    "00d0b3975ac4b799f5bea16d5e13e9af971d5e9b984c9f39728b5e5739735a21"
	    "9b97c356436adc6e95bb0352f6be64a6c2912d4ef2d0433ced2b6171640012d9"
	    "460f"
	    "015c68226383956e3bd066e797b623c27ce0eac2f551a10c2c724d9852077b87"
	    "220b6536c5c408a1d2aebb8e86d678ae49cb57091f4732296579ab44fcd17f0f"
	    "c56a",
	    "01144c7d79ae6956bc8edb8e7c787c4521cb086fa64407f97894e5e6b2d79b04"
	    "d1427e73ca4baa240a34786859810c06b3c715a3a8cc3151f2bee417996d19f3"
	    "ddea"
	},
};

ATF_TC_WITHOUT_HEAD(ecp_rfc5903);
ATF_TC_BODY(ecp_rfc5903, tc)
{
	struct ike_dh	*ini, *res;
	uint8_t		 y[IKE_DH_MAXLEN], z[IKE_DH_MAXLEN];
	size_t		 i, ylen;

	for (i = 0; i < sizeof(rfc5903) / sizeof(rfc5903[0]); i++) {
		ini = load(rfc5903[i].group, rfc5903[i].i, rfc5903[i].gi);
		res = load(rfc5903[i].group, rfc5903[i].r, rfc5903[i].gr);
		derive_ok(ini, rfc5903[i].gr, rfc5903[i].girx);
		derive_ok(res, rfc5903[i].gi, rfc5903[i].girx);
		/* Control: another valid point (our own) gives another
		 * secret. */
		ylen = unhex(rfc5903[i].gi, y, sizeof(y));
		ATF_REQUIRE(ike_dh_derive(ini, y, ylen, z, sizeof(z)) > 0);
		ATF_CHECK(!hexeq(z, ike_dh_secretlen(rfc5903[i].group),
		    rfc5903[i].girx));
		ike_dh_free(ini);
		ike_dh_free(res);
	}
}

ATF_TC_WITHOUT_HEAD(ecp_invalid);
ATF_TC_BODY(ecp_invalid, tc)
{
	/* The P-256 field prime. */
	const char	*p256 = "ffffffff00000001000000000000000000000000"
			    "ffffffffffffffffffffffff";
	struct ike_dh	*dh;
	uint8_t		 y[2 * 66 + 1];
	size_t		 ylen, i;

	dh = load(IKE_DH_ECP256, rfc5903[0].i, rfc5903[0].gi);
	ylen = unhex(rfc5903[0].gr, y, sizeof(y));
	ATF_REQUIRE_EQ(ylen, 64);

	y[63] ^= 0x01;			/* y no longer on the curve */
	derive_bad(dh, y, ylen, "point off the curve");
	y[63] ^= 0x01;
	y[5] ^= 0x10;			/* nor with x changed */
	derive_bad(dh, y, ylen, "x changed");
	y[5] ^= 0x10;
	memset(y, 0, 64);		/* (0, 0): no point, not infinity */
	derive_bad(dh, y, ylen, "(0, 0)");
	memset(y, 0xff, 64);
	derive_bad(dh, y, ylen, "all ones");
	/* x = p with the real y: x must be reduced, so refused. */
	ylen = unhex(rfc5903[0].gr, y, sizeof(y));
	unhex(p256, y, 32);
	derive_bad(dh, y, ylen, "x = p");
	/* Lengths: short, long, SEC1 uncompressed with its 04. */
	ylen = unhex(rfc5903[0].gr, y + 1, sizeof(y) - 1);
	y[0] = 0x04;
	derive_bad(dh, y, 65, "04 | x | y");
	derive_bad(dh, y + 1, 63, "63 bytes");
	derive_bad(dh, y + 1, 33, "x alone");
	/* The keypair still works after all this. */
	derive_ok(dh, rfc5903[0].gr, rfc5903[0].girx);
	ike_dh_free(dh);

	/* P-384 and P-521 refuse a changed y as well. */
	for (i = 1; i < 3; i++) {
		dh = load(rfc5903[i].group, rfc5903[i].i, rfc5903[i].gi);
		ylen = unhex(rfc5903[i].gr, y, sizeof(y));
		y[ylen - 1] ^= 0x02;
		derive_bad(dh, y, ylen, "point off the curve");
		ike_dh_free(dh);
	}
}

/* ---------------------------------------------------- Curve25519 */

#define X_ALICE_PRIV	"77076d0a7318a57d3c16c17251b26645" \
			"df4c2f87ebc0992ab177fba51db92c2a"
#define X_ALICE_PUB	"8520f0098930a754748b7ddcb43ef75a" \
			"0dbf3a0d26381af4eba4a98eaa9b4e6a"
#define X_BOB_PRIV	"5dab087e624a8a4b79e17f8b83800ee6" \
			"6f3bb1292618b6fd1c2f8b27ff88e0eb"
#define X_BOB_PUB	"de9edb7d7b7dc1b4d35b61c2ece43537" \
			"3f8343c85b78674dadfc7e146f882b4f"
#define X_SHARED	"4a5d9d5ba4ce2de1728e3bf480350f25" \
			"e07e21c947d19e3376f09b3c1e161742"

ATF_TC_WITHOUT_HEAD(x25519_rfc7748);
ATF_TC_BODY(x25519_rfc7748, tc)
{
	struct ike_dh	*alice, *bob;
	uint8_t		 y[32], z[32];

	alice = load(IKE_DH_CURVE25519, X_ALICE_PRIV, X_ALICE_PUB);
	bob = load(IKE_DH_CURVE25519, X_BOB_PRIV, X_BOB_PUB);
	derive_ok(alice, X_BOB_PUB, X_SHARED);
	derive_ok(bob, X_ALICE_PUB, X_SHARED);
	/* Control: one changed bit of Bob's value changes the secret. */
	unhex(X_BOB_PUB, y, sizeof(y));
	y[0] ^= 0x02;
	ATF_REQUIRE_EQ(ike_dh_derive(alice, y, sizeof(y), z, sizeof(z)), 32);
	ATF_CHECK(!hexeq(z, 32, X_SHARED));
	ike_dh_free(alice);
	ike_dh_free(bob);
}

ATF_TC_WITHOUT_HEAD(x25519_low_order);
ATF_TC_BODY(x25519_low_order, tc)
{
	/* u-coordinates whose X25519 result is all zero for any key:
	 * 0, 1, the two points of order 8 and p - 1 (order 2). */
	static const char *low[] = {
		"00000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"01000000000000000000000000000000"
		    "00000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46a"
		    "da098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b"
		    "04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffff"
		    "ffffffffffffffffffffffffffffff7f",
	};
	struct ike_dh	*dh;
	uint8_t		 y[33];
	size_t		 i;

	dh = load(IKE_DH_CURVE25519, X_ALICE_PRIV, X_ALICE_PUB);
	for (i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
		unhex(low[i], y, sizeof(y));
		derive_bad(dh, y, 32, low[i]);
	}
	unhex(X_BOB_PUB, y, sizeof(y));
	derive_bad(dh, y, 31, "31 bytes");
	derive_bad(dh, y, 33, "33 bytes");
	derive_ok(dh, X_BOB_PUB, X_SHARED);
	ike_dh_free(dh);

	/* Fresh keys refuse them too. */
	ATF_REQUIRE((dh = ike_dh_new(IKE_DH_CURVE25519)) != NULL);
	unhex(low[2], y, sizeof(y));
	derive_bad(dh, y, 32, "order 8 point, random key");
	ike_dh_free(dh);
}

/* ------------------------------------------------------------ MODP */

enum { M_P, M_X1, M_Y1, M_Y2, M_Z, M_N };

/* Generated by `python3 ike_oracle.py modp`. */
static const struct {
	int		 group;
	const char	*v[M_N];
} modp_kat[] = {
	{ 1, {
	    /* p */
	    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e08"
	    "8a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b"
	    "302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9"
	    "a63a3620ffffffffffffffff"
	    ,
	    /* x1 */
	    "c1607f9ebddcfb1a3a597897b6d5f41333527190afceed0c2c4b6a89"
	    ,
	    /* y1 */
	    "e49488ea68a847a1c34723290696f4dc9e7a8fbd93f02cf29abf2126"
	    "b66d3c302ba3533247a0c3b87bcec8d8fe187f11d446d63803bd2748"
	    "c6810a95d2bab7c9248ad53804c0742b44e528a1ceda95725f9baa75"
	    "2f7053470cec221821cf5a4c"
	    ,
	    /* y2 */
	    "ef302a573abac385272ac091a14eb276b0c0f0758065406174ea0a56"
	    "bbc980ff0765c6082b70d18a41a453cc3989f9a54f4eaf197c0869ad"
	    "a73dbab791a93c7abf2bbbc81a4ad7656ace497b02301f35ba4e861b"
	    "393ea111d8eddd491ff16770"
	    ,
	    /* z */
	    "97ac58327675ed3890039273060b300166ad4de64d96ff461460e30f"
	    "a59228b3ac8300e8404155072fcc6841e0fa6ff6046bafe7b2226808"
	    "67fb89207fb06fb894bb3a5425cd5ed09e5f938e67971104e4c07280"
	    "57a250db1ccda5daf579eb92"
	    ,
	} },
	{ 2, {
	    /* p */
	    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e08"
	    "8a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b"
	    "302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9"
	    "a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe6"
	    "49286651ece65381ffffffffffffffff"
	    ,
	    /* x1 */
	    "c261809fbeddfc1b3b5a7998b7d6f51434537291b0cfee0d2d4c6b8a"
	    ,
	    /* y1 */
	    "a6fa15c91d3a1b1b131faa604613263b60387b5d938d0680d91f2a3c"
	    "65d31ac5555e223644d0c924221e51e001e57465108cc2e64d118446"
	    "4228655e3300ffad19ef4c9af6d8764ed6b75cc85a932cd3442b2868"
	    "16329dbc7f8dec3493e83330413d8efc865c830178e8bebfea18693a"
	    "6c7171c680e8f08bd25a946bb4aedc83"
	    ,
	    /* y2 */
	    "5c1a84f900ecdce1a3d4cbe2e3990f0d170f9e896d9928f1a3f2f408"
	    "555ca18c29ec794d60e7f27b8e36ed82cdc4685bfdc01140b1eb3538"
	    "c2dd3b8876c42ad19e484ebe2c4fd2ada8fd7c8735157b64e6da9e20"
	    "bed8ebf50e7870ce613bf49a6ea24d710382e7c451fdfb5a5cbae701"
	    "431a26b3f5eab1d24ec366c74947c761"
	    ,
	    /* z */
	    "ea9286290c668b981c335f090977ff843eab2afdc524f77b703e8eac"
	    "9b28a0689b8cd68a079c49ba8cbb28efa9a63f1243d0c6e664b1cb2d"
	    "64ff08eadc73102447698ebe85766fa3508e56b1e6a8d89fa34102ea"
	    "2a5f41a344b9fa50403ccc0b80905574629801986c37fab9e1779070"
	    "de000049508afeea9d4bbd9409fd934d"
	    ,
	} },
	{ 5, {
	    /* p */
	    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e08"
	    "8a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b"
	    "302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9"
	    "a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe6"
	    "49286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8"
	    "fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d"
	    "670c354e4abc9804f1746c08ca237327ffffffffffffffff"
	    ,
	    /* x1 */
	    "c56483a2c1e0ff1e3e5d7c9bbad9f81737567594b3d2f110304f6e8d"
	    ,
	    /* y1 */
	    "73dad1ebe17d0ddd99bfd4f08e5a0c0067df0fe3dac79d60f3f4174e"
	    "98c890e281ee544e16551bd0a682ce3ff5f25860f5fc631fb0610c48"
	    "794697a39f0b88ce0769eda865ed003dd86ac989dd4b97115cdddd0e"
	    "b4678e6c262c90547c3d0e204518bed6f87658488249b2b7f8488c00"
	    "6ea1e32e96ad020499c934b60b1e4d74f981ec414b892b3790bf35ff"
	    "2a0a494efcb1e4dac2411007a36830670d14cc2c4b1518e66d39b364"
	    "3d1197ec78bc6efbc7f44cf08d68d5090509847dfc2080a6"
	    ,
	    /* y2 */
	    "ecb28bff621a570c30843e90f5cbd3ad1755166edd41ca39be7c9296"
	    "8c83a3a64e7962fd93e739b4e9d9f4227941d7a5a60450ac0e27d921"
	    "9240065748c7295151f248bbd033f3177f311324a1aa49a9b9317f1e"
	    "1d9afdb3596d6438c6cd809e005bd05e4525a654b2c9628856d09b42"
	    "a5337bad419b60d0cc31732d21dd9c17ae18dd7dbc8091bfceba3527"
	    "e4c157a0058f902b71a8c63b5b1511ac3500fdc9e50b04dd6c06af21"
	    "39b5fea96b43241f4e5f42ee0eabd2ab925960b8c26fc298"
	    ,
	    /* z */
	    "da540225833455bf509876956b99c99c2e18f387bf26d347dc82e462"
	    "ad49d60586735492f452175a3237bc93513b5d3502e36d749c7dd68c"
	    "05925c3aa3dbd474d8b10e2dad07acde8fa4727f5701935a3b325243"
	    "4d0ba96455f9800f5f62625493ab88afe89716a7feb6f7ffc9db2d56"
	    "f16f5a3d4c53390aeca8fca6f8383c483aaa7b9db8c73fbc51d95f94"
	    "4a6ee596e5d001fe9a229289da978861d9292efd0906f5a3722e3c9e"
	    "3efe445cc838a91afff7470412d6405e6005c754efce1e9b"
	    ,
	} },
	{ 14, {
	    /* p */
	    "ffffffffffffffffc90fdaa22168c234c4c6628b80dc1cd129024e08"
	    "8a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b"
	    "302b0a6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9"
	    "a637ed6b0bff5cb6f406b7edee386bfb5a899fa5ae9f24117c4b1fe6"
	    "49286651ece45b3dc2007cb8a163bf0598da48361c55d39a69163fa8"
	    "fd24cf5f83655d23dca3ad961c62f356208552bb9ed529077096966d"
	    "670c354e4abc9804f1746c08ca18217c32905e462e36ce3be39e772c"
	    "180e86039b2783a2ec07a28fb5c55df06f4c52c9de2bcbf695581718"
	    "3995497cea956ae515d2261898fa051015728e5a8aacaa68ffffffff"
	    "ffffffff"
	    ,
	    /* x1 */
	    "ce6d8cabcae90827476685a4c3e20120405f7e9dbcdbfa19395878e8"
	    ,
	    /* y1 */
	    "006accdb1d063cb109a43f4d23b8290c1ec45e451b6d78555dd2f4c6"
	    "8a11ffb2503e9183168c7f0ebeb864462680c7143d5e30c713214aa8"
	    "0298ae17298080bfac7878992ed5ff0242389048cd0245d3f35d933b"
	    "21b4ef7ef4a03a16f499624ea9bd7c96c36e20bfa5ef5014e0d177b7"
	    "81c2a17618bc498c41d0001f9ab17962abbc8357850ee52577c0f9dc"
	    "4a1ab6d21c3374901d4f9fdecbed1183e36cfe7f15cddaa11a8657a1"
	    "f135156af3b6c95ceda1c97a31b688506f5412a7daa18757dd8ab6a3"
	    "25fc7a8ed9ebe6c0b7d9c1a56054086fcaf1074f0db77df93a76059f"
	    "e10628050c6b69e0a44c34b02c456dfd41480ffe231f87fba206b550"
	    "a765c761"
	    ,
	    /* y2 */
	    "294b2529d09f73d775e6f696f276ee1dd5bd7213f9712727a52b37b3"
	    "bed1dfb4d9257e8a3b9aef33d64da537f96c3c28d61ccbb32c98b079"
	    "3063c1d71dbb30e7fea1fedaa122b1965c9161f320e6b80d5aa386c6"
	    "8141eb04109d4cdc59c82a1d568b1b778e5abe419f9687564c8c0465"
	    "defea73d72ff61ecc3f80d1d1d9a3862e64cef70efea5da58a9b1c1f"
	    "a2abca989038c61bd080901e27fab053b3c0234bcd05f4f5bdf8e3b3"
	    "e2950dc4a82aab2961b6ecc9c587bde6c5ed340793e38039818cd876"
	    "51996496c93918e8b26ed4a7b4426ebc8b4b0ae52da53210115740d2"
	    "1a07d106ce2f3a37027d7087751ffa1a82949b0a1f42dabb09bdd4bf"
	    "cdcd1d6d"
	    ,
	    /* z */
	    "0019294163fd9272af910e10a939a639f6c5f1a91fadc82791ed58ec"
	    "f5ff1cd5d5f596aadfdf5d582ecf82e6e340472fec5d3796cc3a25d0"
	    "428420433e196660ff2c465d5da5e490f3f04c7a787ab6ad9a549c65"
	    "8b6da632135cd18ac1d20e0f2b66901a19f8c177182cdee5a35a5bbd"
	    "743afbb9ef0c57f953159b9b1853d622361c03bf704616f2ea353564"
	    "1b870e0df86898d1f3f79745753b956b5f1f8ace2bf8a763e36b87c3"
	    "c3939d0c2e80a5d6bacb2b86d776e2d10c36d6a635827c0c8156b07a"
	    "1dd7f825e424e121073597120b809a44f5d9375ffd90852bac056560"
	    "90b79e664e06bb02e6ba8f7df32bbc59a3ebe4fe3ae903c67ad10a52"
	    "4a3bbe17"
	    ,
	} },
};

ATF_TC(modp_kat);
ATF_TC_HEAD(modp_kat, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "MODP groups 1, 2, 5, 14 against ike_oracle.py");
}
ATF_TC_BODY(modp_kat, tc)
{
	struct ike_dh	*dh;
	uint8_t		 y[IKE_DH_MAXLEN], z[IKE_DH_MAXLEN];
	size_t		 i, ylen;
	int		 zero_pub = 0, zero_secret = 0;

	for (i = 0; i < sizeof(modp_kat) / sizeof(modp_kat[0]); i++) {
		dh = load(modp_kat[i].group, modp_kat[i].v[M_X1],
		    modp_kat[i].v[M_Y1]);
		derive_ok(dh, modp_kat[i].v[M_Y2], modp_kat[i].v[M_Z]);
		if (strncmp(modp_kat[i].v[M_Y1], "00", 2) == 0)
			zero_pub++;
		if (strncmp(modp_kat[i].v[M_Z], "00", 2) == 0)
			zero_secret++;
		/* Control: y2 + 1 (still valid) gives another secret. */
		ylen = unhex(modp_kat[i].v[M_Y2], y, sizeof(y));
		y[ylen - 1] ^= 0x01;
		ATF_REQUIRE_EQ(ike_dh_derive(dh, y, ylen, z, sizeof(z)),
		    (int)ylen);
		ATF_CHECK(!hexeq(z, ylen, modp_kat[i].v[M_Z]));
		ike_dh_free(dh);
	}
	/* The oracle picked group 14's case for its leading zero bytes. */
	ATF_CHECK_EQ(zero_pub, 1);
	ATF_CHECK_EQ(zero_secret, 1);
}

/* Big-endian n-byte a + d, d small and signed; returns the carry out. */
static int
add_small(uint8_t *a, size_t n, int d)
{
	int	 v;

	while (n-- > 0 && d != 0) {
		v = a[n] + d;
		a[n] = (uint8_t)(v & 0xff);
		d = v >> 8;	/* arithmetic shift: -1 for a borrow */
	}
	return (d);
}

ATF_TC_WITHOUT_HEAD(modp_invalid);
ATF_TC_BODY(modp_invalid, tc)
{
	struct ike_dh	*dh;
	uint8_t		 y[IKE_DH_MAXLEN + 1], z[IKE_DH_MAXLEN];
	size_t		 i, plen;

	for (i = 0; i < sizeof(modp_kat) / sizeof(modp_kat[0]); i++) {
		dh = load(modp_kat[i].group, modp_kat[i].v[M_X1],
		    modp_kat[i].v[M_Y1]);
		plen = ike_dh_publen(modp_kat[i].group);

		memset(y, 0, plen);
		derive_bad(dh, y, plen, "0");
		y[plen - 1] = 1;
		derive_bad(dh, y, plen, "1");
		y[plen - 1] = 2;	/* 2 is a valid value */
		ATF_CHECK_EQ(ike_dh_derive(dh, y, plen, z, sizeof(z)),
		    (int)plen);
		ATF_REQUIRE_EQ(unhex(modp_kat[i].v[M_P], y, sizeof(y)), plen);
		derive_bad(dh, y, plen, "p");
		ATF_REQUIRE_EQ(add_small(y, plen, -1), 0);
		derive_bad(dh, y, plen, "p - 1");
		ATF_REQUIRE_EQ(add_small(y, plen, -1), 0);
		ATF_CHECK_EQ_MSG(ike_dh_derive(dh, y, plen, z, sizeof(z)),
		    (int)plen, "group %d: p - 2 refused", modp_kat[i].group);
		ATF_REQUIRE_EQ(add_small(y, plen, 3), 0);
		derive_bad(dh, y, plen, "p + 1");
		memset(y, 0xff, plen);
		derive_bad(dh, y, plen, "2^n - 1");
		/* Lengths: the right value with a byte more or less. */
		memset(y, 0, sizeof(y));
		unhex(modp_kat[i].v[M_Y2], y + 1, sizeof(y) - 1);
		derive_bad(dh, y, plen + 1, "a leading zero too many");
		derive_bad(dh, y + 1, plen - 1, "one byte short");
		/* The secret buffer must hold len(p). */
		errno = 0;
		ATF_CHECK_EQ(ike_dh_derive(dh, y + 1, plen, z, plen - 1), -1);
		ATF_CHECK_EQ(errno, EINVAL);
		/* Still usable. */
		derive_ok(dh, modp_kat[i].v[M_Y2], modp_kat[i].v[M_Z]);
		ike_dh_free(dh);
	}
}

/* ------------------------------------------------------ every group */

ATF_TC(agree);
ATF_TC_HEAD(agree, tc)
{
	atf_tc_set_md_var(tc, "descr",
	    "two fresh keypairs agree, for every group");
}
ATF_TC_BODY(agree, tc)
{
	struct ike_dh	*a, *b;
	uint8_t		 pa[IKE_DH_MAXLEN], pb[IKE_DH_MAXLEN];
	uint8_t		 za[IKE_DH_MAXLEN], zb[IKE_DH_MAXLEN];
	uint8_t		 old[IKE_DH_MAXLEN];
	size_t		 i, publen, slen;
	int		 g, round;

	for (i = 0; i < NALL; i++) {
		g = all_groups[i];
		ATF_REQUIRE_MSG(ike_dh_supported(g), "group %d", g);
		publen = ike_dh_publen(g);
		slen = ike_dh_secretlen(g);
		ATF_REQUIRE_MSG((a = ike_dh_new(g)) != NULL, "group %d", g);
		ATF_REQUIRE((b = ike_dh_new(g)) != NULL);
		ATF_CHECK_EQ(ike_dh_group(a), g);
		for (round = 0; round < 2; round++) {
			ATF_REQUIRE_EQ(ike_dh_public(a, pa, publen), 0);
			ATF_REQUIRE_EQ(ike_dh_public(b, pb, publen), 0);
			ATF_CHECK(memcmp(pa, pb, publen) != 0);
			ATF_REQUIRE_EQ_MSG(ike_dh_derive(a, pb, publen, za,
			    sizeof(za)), (int)slen, "group %d", g);
			ATF_REQUIRE_EQ(ike_dh_derive(b, pa, publen, zb,
			    sizeof(zb)), (int)slen);
			ATF_CHECK_MSG(memcmp(za, zb, slen) == 0,
			    "group %d: the two sides disagree", g);
			/* A new keypair from the same context: another
			 * public value, and again agreement. */
			memcpy(old, pa, publen);
			ATF_REQUIRE_EQ(ike_dh_generate(a), 0);
			ATF_REQUIRE_EQ(ike_dh_public(a, pa, publen), 0);
			ATF_CHECK(memcmp(old, pa, publen) != 0);
		}
		/* Our public value is exactly publen bytes. */
		errno = 0;
		ATF_CHECK_EQ(ike_dh_public(a, pa, publen + 1), -1);
		ATF_CHECK_EQ(errno, EINVAL);
		ike_dh_free(a);
		ike_dh_free(b);
	}
}

ATF_TC_WITHOUT_HEAD(modp_many);
ATF_TC_BODY(modp_many, tc)
{
	struct ike_dh	*a, *b;
	uint8_t		 pa[256], pb[256], za[256], zb[256];
	int		 i, lead = 0;

	/* 300 group 14 exchanges: about one in 256 secrets (and public
	 * values) starts with a zero byte, which must survive. */
	ATF_REQUIRE((a = ike_dh_new(IKE_DH_MODP2048)) != NULL);
	ATF_REQUIRE((b = ike_dh_new(IKE_DH_MODP2048)) != NULL);
	for (i = 0; i < 300; i++) {
		ATF_REQUIRE_EQ(ike_dh_generate(a), 0);
		ATF_REQUIRE_EQ(ike_dh_public(a, pa, sizeof(pa)), 0);
		ATF_REQUIRE_EQ(ike_dh_public(b, pb, sizeof(pb)), 0);
		ATF_REQUIRE_EQ(ike_dh_derive(a, pb, sizeof(pb), za,
		    sizeof(za)), 256);
		ATF_REQUIRE_EQ(ike_dh_derive(b, pa, sizeof(pa), zb,
		    sizeof(zb)), 256);
		ATF_REQUIRE(memcmp(za, zb, sizeof(za)) == 0);
		lead += za[0] == 0;
	}
	ike_dh_free(a);
	ike_dh_free(b);
	(void)lead;	/* informative: the KAT covers the case for sure */
}

ATF_TC_WITHOUT_HEAD(sizes);
ATF_TC_BODY(sizes, tc)
{
	static const struct {
		int		 g;
		const char	*name;
		size_t		 publen, secretlen;
		int		 privbits;
	} s[] = {
		{ 1, "modp768", 96, 96, 160 },
		{ 2, "modp1024", 128, 128, 160 },
		{ 5, "modp1536", 192, 192, 200 },
		{ 14, "modp2048", 256, 256, 225 },
		{ 15, "modp3072", 384, 384, 275 },
		{ 16, "modp4096", 512, 512, 325 },
		{ 17, "modp6144", 768, 768, 375 },
		{ 18, "modp8192", 1024, 1024, 400 },
		{ 19, "ecp256", 64, 32, 0 },
		{ 20, "ecp384", 96, 48, 0 },
		{ 21, "ecp521", 132, 66, 0 },
		{ 31, "curve25519", 32, 32, 0 },
	};
	size_t	 i;

	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++) {
		ATF_CHECK_STREQ(ike_dh_name(s[i].g), s[i].name);
		ATF_CHECK_EQ(ike_dh_publen(s[i].g), s[i].publen);
		ATF_CHECK_EQ(ike_dh_secretlen(s[i].g), s[i].secretlen);
		ATF_CHECK_EQ(ike_dh_privbits(s[i].g), s[i].privbits);
	}
	/* EC2N groups 3 and 4, RFC 5114 groups, nothing. */
	ATF_CHECK(!ike_dh_supported(3));
	ATF_CHECK(!ike_dh_supported(22));
	ATF_CHECK(!ike_dh_supported(0));
	ATF_CHECK(ike_dh_name(4) == NULL);
	ATF_CHECK_EQ(ike_dh_publen(24), 0);
	errno = 0;
	ATF_CHECK(ike_dh_new(26) == NULL);
	ATF_CHECK_EQ(errno, EINVAL);
}

ATF_TC_WITHOUT_HEAD(load_bad);
ATF_TC_BODY(load_bad, tc)
{
	struct ike_dh	*dh;
	uint8_t		 k[IKE_DH_MAXLEN + 1];

	memset(k, 0, sizeof(k));
	ATF_REQUIRE((dh = ike_dh_new(IKE_DH_MODP1024)) != NULL);
	ATF_CHECK_EQ(ike_dh_load_private(dh, k, 16), -1);	/* zero */
	memset(k, 0xff, sizeof(k));
	ATF_CHECK_EQ(ike_dh_load_private(dh, k, 129), -1);	/* > p */
	ATF_CHECK_EQ(ike_dh_load_private(dh, k, 0), -1);
	ike_dh_free(dh);
	ATF_REQUIRE((dh = ike_dh_new(IKE_DH_CURVE25519)) != NULL);
	ATF_CHECK_EQ(ike_dh_load_private(dh, k, 31), -1);
	ike_dh_free(dh);
	ATF_REQUIRE((dh = ike_dh_new(IKE_DH_ECP256)) != NULL);
	ATF_CHECK_EQ(ike_dh_load_private(dh, k, 33), -1);
	ike_dh_free(dh);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, ecp_rfc5903);
	ATF_TP_ADD_TC(tp, ecp_invalid);
	ATF_TP_ADD_TC(tp, x25519_rfc7748);
	ATF_TP_ADD_TC(tp, x25519_low_order);
	ATF_TP_ADD_TC(tp, modp_kat);
	ATF_TP_ADD_TC(tp, modp_invalid);
	ATF_TP_ADD_TC(tp, agree);
	ATF_TP_ADD_TC(tp, modp_many);
	ATF_TP_ADD_TC(tp, sizes);
	ATF_TP_ADD_TC(tp, load_bad);
	return (atf_no_error());
}
