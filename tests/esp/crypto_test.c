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
 * The crypto backends of libesp (esp_crypto.h) against published
 * vectors: RFC 2202 (HMAC-SHA-1), RFC 4868 2.7 (HMAC-SHA-256/384/512,
 * PRF and truncated ICVs), RFC 3602 4 (AES-CBC), RFC 3686 6 (AES-CTR),
 * draft-mcgrew-gcm-test-01 (AES-GCM as RFC 4106 uses it), RFC 7634
 * appendix A (ChaCha20-Poly1305).  Every test runs over every backend
 * esp_crypto_backend() knows, so a second backend is checked against
 * the same facts; each has a negative control (a wrong key or a
 * flipped bit must change the result).
 */

#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "esp_crypto.h"
#include "util.h"

static const enum esp_backend backends[] = {
	ESP_BACKEND_OPENSSL, ESP_BACKEND_IPSECMB
};

#define FOREACH_BACKEND(ops)						\
	for (size_t bi_ = 0; bi_ < sizeof(backends) / sizeof(backends[0]); \
	    bi_++)							\
		if (((ops) = esp_crypto_backend(backends[bi_])) != NULL)

/* ---------------------------------------------------------------- HMAC */

struct mac_vec {
	enum esp_mac	 mac;
	const char	*key;
	const char	*data;		/* hex */
	const char	*out;		/* hex, maclen bytes */
};

/* "Hi There", "what do ya want for nothing?" and friends, in hex. */
#define HI_THERE	"4869205468657265"
#define WHAT_DO_YA	"7768617420646f2079612077616e7420" \
			"666f72206e6f7468696e673f"
#define JEFE		"4a656665"
#define AA20		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DD50		"dddddddddddddddddddddddddddddddddddddddddddddddddddd" \
			"dddddddddddddddddddddddddddddddddddddddddddddddd"
#define CD50		"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd" \
			"cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
#define K0102_25	"0102030405060708090a0b0c0d0e0f10111213141516171819"
#define AA80		AA20 AA20 AA20 AA20
#define AA131		AA80 AA20 AA20 "aaaaaaaaaaaaaaaaaaaaaa"
#define LARGER_KEY	"54657374205573696e67204c6172676572205468616e20426c" \
			"6f636b2d53697a65204b6579202d2048617368204b657920" \
			"4669727374"

static const struct mac_vec mac_vecs[] = {
	/* RFC 2202 section 3, HMAC-SHA-1 (full and 96-bit). */
	{ ESP_MAC_HMAC_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "b617318655057264e28bc0b6fb378c8ef146be00" },
	{ ESP_MAC_HMAC_SHA1, JEFE, WHAT_DO_YA,
	    "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
	{ ESP_MAC_HMAC_SHA1, AA20, DD50,
	    "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
	{ ESP_MAC_HMAC_SHA1, K0102_25, CD50,
	    "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
	{ ESP_MAC_HMAC_SHA1, AA80, LARGER_KEY,
	    "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
	{ ESP_MAC_HMAC_SHA1, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "b617318655057264e28bc0b6" },
	/* RFC 4868 2.7.1: the PRF cases (full output). */
	{ ESP_MAC_HMAC_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7" },
	{ ESP_MAC_HMAC_SHA384, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "afd03944d84895626b0825f4ab46907f"
	    "15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
	{ ESP_MAC_HMAC_SHA512, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b305"
	    "45e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a"
	    "126854" },
	{ ESP_MAC_HMAC_SHA256, JEFE, WHAT_DO_YA,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ ESP_MAC_HMAC_SHA384, JEFE, WHAT_DO_YA,
	    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	    "8e2240ca5e69e2c78b3239ecfab21649" },
	{ ESP_MAC_HMAC_SHA512, JEFE, WHAT_DO_YA,
	    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
	{ ESP_MAC_HMAC_SHA256, AA20, DD50,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ ESP_MAC_HMAC_SHA512, K0102_25, CD50,
	    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	    "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd" },
	{ ESP_MAC_HMAC_SHA256, AA131, LARGER_KEY,
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ ESP_MAC_HMAC_SHA384, AA131, LARGER_KEY,
	    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	    "0c2ef6ab4030fe8296248df163f44952" },
	/* RFC 4868 2.7.2: full-length keys, truncated ICVs. */
	{ ESP_MAC_HMAC_SHA256,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "198a607eb44bfbc69903a0f1cf2bbdc5" },
	{ ESP_MAC_HMAC_SHA256, JEFE JEFE JEFE JEFE JEFE JEFE JEFE JEFE,
	    WHAT_DO_YA, "167f928588c5cc2eef8e3093caa0e87c" },
	{ ESP_MAC_HMAC_SHA256,
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
	    CD50, "372efcf9b40b35c2115b1346903d2ef4" },
	{ ESP_MAC_HMAC_SHA384,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE, "b6a8d5636f5c6a7224f9977dcf7ee6c7fb6d0c48cbdee973" },
	{ ESP_MAC_HMAC_SHA384, JEFE JEFE JEFE JEFE JEFE JEFE JEFE JEFE
	    JEFE JEFE JEFE JEFE, WHAT_DO_YA,
	    "2c7353974f1842fd66d53c452ca42122b28c0b594cfb184d" },
	{ ESP_MAC_HMAC_SHA384, AA20 AA20 "aaaaaaaaaaaaaaaa", DD50,
	    "809f439be00274321d4a538652164b53554a508184a0c316" },
	{ ESP_MAC_HMAC_SHA512,
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"
	    "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	    HI_THERE,
	    "637edc6e01dce7e6742a99451aae82df23da3e92439e590e43e761b33e910fb8" },
	{ ESP_MAC_HMAC_SHA512, JEFE JEFE JEFE JEFE JEFE JEFE JEFE JEFE
	    JEFE JEFE JEFE JEFE JEFE JEFE JEFE JEFE, WHAT_DO_YA,
	    "cb370917ae8a7ce28cfd1d8f4705d6141c173b2a9362c15df235dfb251b15454" },
	{ ESP_MAC_HMAC_SHA512,
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"
	    "2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40",
	    CD50,
	    "5e6688e5a3daec826ca32eaea224eff5e700628947470e13ad01302561bab108" },
};

/* Compute a MAC, the data split into n pieces to test the segments. */
static void
run_mac(const struct esp_crypto_ops *ops, enum esp_mac m, const uint8_t *key,
    size_t klen, const uint8_t *data, size_t dlen, size_t maclen,
    unsigned split, uint8_t *out)
{
	struct esp_crypto_params p;
	struct esp_seg seg[4];
	void *ctx;
	unsigned i, n;

	memset(&p, 0, sizeof(p));
	p.cipher = ESP_CIPHER_NONE;
	p.mac = m;
	p.mkey = key;
	p.mkeylen = klen;
	p.maclen = maclen;
	ATF_REQUIRE(ops->supports(&p));
	ATF_REQUIRE_EQ(ops->sa_init(&p, &ctx), 0);
	n = split < 1 ? 1 : split > 4 ? 4 : split;
	for (i = 0; i < n; i++) {
		seg[i].p = data + dlen * i / n;
		seg[i].len = dlen * (i + 1) / n - dlen * i / n;
	}
	ATF_REQUIRE_EQ(ops->mac(ctx, seg, n, out), 0);
	ops->sa_free(ctx);
}

ATF_TC_WITHOUT_HEAD(hmac_vectors);
ATF_TC_BODY(hmac_vectors, tc)
{
	const struct esp_crypto_ops *ops;
	uint8_t key[256], data[256], want[64], got[64];
	size_t i, kl, dl, wl;
	unsigned split;

	FOREACH_BACKEND(ops) {
		for (i = 0; i < nitems(mac_vecs); i++) {
			kl = unhex(mac_vecs[i].key, key, sizeof(key));
			dl = unhex(mac_vecs[i].data, data, sizeof(data));
			wl = unhex(mac_vecs[i].out, want, sizeof(want));
			for (split = 1; split <= 3; split++) {
				memset(got, 0, sizeof(got));
				run_mac(ops, mac_vecs[i].mac, key, kl, data,
				    dl, wl, split, got);
				ATF_CHECK_MSG(memcmp(got, want, wl) == 0,
				    "%s: MAC vector %zu (split %u) differs",
				    ops->name, i, split);
			}
			/* Negative control: one key bit off. */
			key[0] ^= 1;
			run_mac(ops, mac_vecs[i].mac, key, kl, data, dl, wl,
			    1, got);
			ATF_CHECK_MSG(memcmp(got, want, wl) != 0,
			    "%s: vector %zu matches with a wrong key",
			    ops->name, i);
		}
	}
}

/* ----------------------------------------------------------- CBC / CTR */

struct cipher_vec {
	enum esp_cipher	 cipher;
	const char	*key;
	const char	*salt;		/* CTR nonce */
	const char	*iv;
	const char	*pt;
	const char	*ct;
};

static const struct cipher_vec cipher_vecs[] = {
	/* RFC 3602 section 4, cases 1-4. */
	{ ESP_CIPHER_AES_CBC, "06a9214036b8a15b512e03d534120006", NULL,
	    "3dafba429d9eb430b422da802c9fac41",
	    "53696e676c6520626c6f636b206d7367",
	    "e353779c1079aeb82708942dbe77181a" },
	{ ESP_CIPHER_AES_CBC, "c286696d887c9aa0611bbb3e2025a45a", NULL,
	    "562e17996d093d28ddb3ba695a2e6f58",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "d296cd94c2cccf8a3a863028b5e1dc0a7586602d253cfff91b8266bea6d61ab1" },
	{ ESP_CIPHER_AES_CBC, "6c3ea0477630ce21a2ce334aa746c2cd", NULL,
	    "c782dc4c098c66cbd9cd27d825682c81",
	    NULL, NULL },	/* the ASCII message and case3_ct, below */
	{ ESP_CIPHER_AES_CBC, "56e47a38c5598974bc46903dba290349", NULL,
	    "8ce82eefbea0da3c44699ed7db51b7d9",
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
	    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
	    "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207eb0ef8e4e"
	    "35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d49a53e87f4c3da55" },
	/* RFC 3686 section 6, test vectors 1-4 and 7. */
	{ ESP_CIPHER_AES_CTR, "ae6852f8121067cc4bf7a5765577f39e", "00000030",
	    "0000000000000000", "53696e676c6520626c6f636b206d7367",
	    "e4095d4fb7a7b3792d6175a3261311b8" },
	{ ESP_CIPHER_AES_CTR, "7e24067817fae0d743d6ce1f32539163", "006cb6db",
	    "c0543b59da48d90b",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28" },
	{ ESP_CIPHER_AES_CTR, "7691be035e5020a8ac6e618529f9a0dc", "00e0017b",
	    "27777f3f4a1786f0",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "20212223",
	    "c1cf48a89f2ffdd9cf4652e9efdb72d74540a42bde6d7836d59a5ceaaef31053"
	    "25b2072f" },
	{ ESP_CIPHER_AES_CTR,
	    "16af5b145fc9f579c175f93e3bfb0eed863d06ccfdb78515", "00000048",
	    "36733c147d6d93cb", "53696e676c6520626c6f636b206d7367",
	    "4b55384fe259c9c84e7935a003cbe928" },
	{ ESP_CIPHER_AES_CTR,
	    "776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104",
	    "00000060", "db5672c97aa8f0b2", "53696e676c6520626c6f636b206d7367",
	    "145ad01dbf824ec7560863dc71e3e0c0" },
};

ATF_TC_WITHOUT_HEAD(cipher_vectors);
ATF_TC_BODY(cipher_vectors, tc)
{
	static const char *case3_ct =
	    "d0a02b3836451753d493665d33f0e8862dea54cdb293abc7506939276772f8d5"
	    "021c19216bad525c8579695d83ba2684";
	const struct esp_crypto_ops *ops;
	struct esp_crypto_params p;
	uint8_t key[32], iv[16], pt[128], ct[128], buf[128];
	size_t i, kl, pl, cl;
	void *ctx;

	FOREACH_BACKEND(ops) {
		for (i = 0; i < nitems(cipher_vecs); i++) {
			const struct cipher_vec *v = &cipher_vecs[i];

			memset(&p, 0, sizeof(p));
			kl = unhex(v->key, key, sizeof(key));
			(void)unhex(v->iv, iv, sizeof(iv));
			if (i == 2)	/* the ASCII message, typed as text */
				pl = strlen(memcpy(pt, "This is a 48-byte "
				    "message (exactly 3 AES blocks)", 49));
			else
				pl = unhex(v->pt, pt, sizeof(pt));
			cl = unhex(v->ct != NULL ? v->ct : case3_ct, ct,
			    sizeof(ct));
			ATF_REQUIRE_EQ(pl, cl);
			p.cipher = v->cipher;
			p.ckey = key;
			p.ckeylen = kl;
			if (v->salt != NULL)
				(void)unhex(v->salt, p.salt, sizeof(p.salt));
			ATF_REQUIRE(ops->supports(&p));
			ATF_REQUIRE_EQ(ops->sa_init(&p, &ctx), 0);
			/* Out of place, then in place, both directions. */
			ATF_REQUIRE_EQ(ops->cipher(ctx, true, iv, pt, pl, buf),
			    0);
			ATF_CHECK_MSG(memcmp(buf, ct, cl) == 0,
			    "%s: cipher vector %zu encrypts wrong", ops->name,
			    i);
			ATF_REQUIRE_EQ(ops->cipher(ctx, false, iv, buf, cl,
			    buf), 0);
			ATF_CHECK_MSG(memcmp(buf, pt, pl) == 0,
			    "%s: cipher vector %zu decrypts wrong", ops->name,
			    i);
			ops->sa_free(ctx);
			/* Negative control: another key. */
			key[kl - 1] ^= 0x80;
			ATF_REQUIRE_EQ(ops->sa_init(&p, &ctx), 0);
			ATF_REQUIRE_EQ(ops->cipher(ctx, true, iv, pt, pl, buf),
			    0);
			ATF_CHECK(memcmp(buf, ct, cl) != 0);
			ops->sa_free(ctx);
		}
	}
}

/* ---------------------------------------------------------------- AEAD */

struct aead_vec {
	enum esp_cipher	 cipher;
	const char	*key;
	const char	*nonce;		/* salt | iv */
	const char	*aad;
	const char	*pt;
	const char	*ct_tag;
};

/* draft-mcgrew-gcm-test-01 section 4 and RFC 7634 appendix A. */
static const struct aead_vec aead_vecs[] = {
	{ ESP_CIPHER_AES_GCM, "4c80cdefbb5d10da906ac73c3613a634",
	    "2e443b684956ed7e3b244cfe", "000043218765432100000000",
	    "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	    "00000000045f736970045f756470037369700963796265726369747902646b00"
	    "0021000101020201",
	    "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	    "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	    "61bc17d768fd9732459018148f6cbe722fd04796562dfdb4" },
	{ ESP_CIPHER_AES_GCM, "feffe9928665731c6d6a8f9467308308",
	    "cafebabefacedbaddecaf888", "0000a5f80000000a",
	    "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	    "0001000000000000037369700963796265726369747902646b00000100010001",
	    "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	    "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1"
	    "83b70d3aa8bc6ee4c309e9d85a41ad4a" },
	{ ESP_CIPHER_AES_GCM,
	    "abbccddef00112233445566778899aababbccddef00112233445566778899aab",
	    "112233440102030405060708", "4a2cbfe300000002",
	    "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	    "7002400020bf0000020405b40101040201020201",
	    "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	    "748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49"
	    "15956c96" },
	{ ESP_CIPHER_AES_GCM,
	    "feffe9928665731c6d6a8f9467308308feffe9928665731c",
	    "cafebabefacedbaddecaf888", "0000a5f80000000a",
	    "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e"
	    "501016d075680001",
	    "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0"
	    "315b27452144cc7795457b9652037f5318027b5b4cd7a636" },
	{ ESP_CIPHER_AES_GCM, "7d773d00c144c525ac619d18c84a3f47",
	    "d966426743457e9182443bc6", "335467aeffffffff", "01020201",
	    "437f866bcb3f699fe9b0822bac961c4504bef270" },
	{ ESP_CIPHER_AES_GCM,
	    "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961",
	    "7475726e333021696765746d", "796b6963ffffffffffffffff",
	    "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	    "65666768696a6b6c6d6e6f707172737401020201",
	    "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a86"
	    "4cd3d78ca4ae68a32b42458fb57dbe821dcc63b9d0937ba2945f669368661a32"
	    "9fb4c053" },
	{ ESP_CIPHER_CHACHA20_POLY1305,
	    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	    "a0a1a2a31011121314151617", "0102030400000005",
	    "45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10"
	    "0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
	    "2425262728292a2b2c2d2e2f303132333435363701020204",
	    "24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6"
	    "14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3"
	    "cbec163fac469b502773f6fb94e664da9165b82829f641e0"
	    "76aaa8266b7fb0f7b11b369907e1ad43" },
};

/* Open through the backend; true when authentic (either result style). */
static bool
aead_open_ok(const struct esp_crypto_ops *ops, void *ctx, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t len,
    uint8_t *out, const uint8_t *icv, size_t icvlen)
{
	uint8_t tag[16];
	int rc;

	rc = ops->aead_open(ctx, iv, aad, aadlen, ct, len, out, icv, tag);
	if (rc == 0)
		return (esp_ct_equal(tag, icv, icvlen));
	return (rc == ESP_CRYPTO_VERIFIED);
}

ATF_TC_WITHOUT_HEAD(aead_vectors);
ATF_TC_BODY(aead_vectors, tc)
{
	const struct esp_crypto_ops *ops;
	struct esp_crypto_params p;
	uint8_t key[32], nonce[12], aad[16], pt[128], ct[160], buf[160];
	uint8_t tag[16];
	size_t i, kl, al, pl, cl;
	void *ctx;

	FOREACH_BACKEND(ops) {
		for (i = 0; i < nitems(aead_vecs); i++) {
			const struct aead_vec *v = &aead_vecs[i];

			memset(&p, 0, sizeof(p));
			kl = unhex(v->key, key, sizeof(key));
			ATF_REQUIRE_EQ(unhex(v->nonce, nonce, sizeof(nonce)),
			    12);
			al = unhex(v->aad, aad, sizeof(aad));
			pl = unhex(v->pt, pt, sizeof(pt));
			cl = unhex(v->ct_tag, ct, sizeof(ct));
			ATF_REQUIRE_EQ(cl, pl + 16);
			p.cipher = v->cipher;
			p.ckey = key;
			p.ckeylen = kl;
			memcpy(p.salt, nonce, 4);
			p.icvlen = 16;
			ATF_REQUIRE(ops->supports(&p));
			ATF_REQUIRE_EQ(ops->sa_init(&p, &ctx), 0);
			ATF_REQUIRE_EQ(ops->aead_seal(ctx, nonce + 4, aad, al,
			    pt, pl, buf, tag), 0);
			ATF_CHECK_MSG(memcmp(buf, ct, pl) == 0 &&
			    memcmp(tag, ct + pl, 16) == 0,
			    "%s: AEAD vector %zu seals wrong", ops->name, i);
			memset(buf, 0, sizeof(buf));
			ATF_CHECK_MSG(aead_open_ok(ops, ctx, nonce + 4, aad,
			    al, ct, pl, buf, ct + pl, 16),
			    "%s: AEAD vector %zu does not open", ops->name, i);
			ATF_CHECK(memcmp(buf, pt, pl) == 0);
			/* In place. */
			memcpy(buf, pt, pl);
			ATF_REQUIRE_EQ(ops->aead_seal(ctx, nonce + 4, aad, al,
			    buf, pl, buf, tag), 0);
			ATF_CHECK(memcmp(buf, ct, pl) == 0);
			/* Negative controls: a flipped ciphertext, AAD, tag. */
			ct[0] ^= 1;
			ATF_CHECK(!aead_open_ok(ops, ctx, nonce + 4, aad, al,
			    ct, pl, buf, ct + pl, 16));
			ct[0] ^= 1;
			aad[al - 1] ^= 1;
			ATF_CHECK(!aead_open_ok(ops, ctx, nonce + 4, aad, al,
			    ct, pl, buf, ct + pl, 16));
			aad[al - 1] ^= 1;
			ct[pl + 15] ^= 0x40;
			ATF_CHECK(!aead_open_ok(ops, ctx, nonce + 4, aad, al,
			    ct, pl, buf, ct + pl, 16));
			ops->sa_free(ctx);
			/* Truncated ICVs (RFC 4106 ICV 8) are prefixes. */
			if (v->cipher == ESP_CIPHER_AES_GCM) {
				p.icvlen = 8;
				ATF_REQUIRE_EQ(ops->sa_init(&p, &ctx), 0);
				memset(tag, 0, sizeof(tag));
				ATF_REQUIRE_EQ(ops->aead_seal(ctx, nonce + 4,
				    aad, al, pt, pl, buf, tag), 0);
				ATF_CHECK(memcmp(tag, ct + pl, 8) == 0);
				ATF_CHECK(aead_open_ok(ops, ctx, nonce + 4, aad,
				    al, ct, pl, buf, ct + pl, 8));
				ops->sa_free(ctx);
			}
			/* A wrong key does not open. */
			p.icvlen = 16;
			key[0] ^= 1;
			ATF_REQUIRE_EQ(ops->sa_init(&p, &ctx), 0);
			ATF_CHECK(!aead_open_ok(ops, ctx, nonce + 4, aad, al,
			    ct, pl, buf, ct + pl, 16));
			ops->sa_free(ctx);
		}
	}
}

/* What the backends refuse. */
ATF_TC_WITHOUT_HEAD(supports);
ATF_TC_BODY(supports, tc)
{
	const struct esp_crypto_ops *ops;
	struct esp_crypto_params p;
	static const uint8_t k[64];

	FOREACH_BACKEND(ops) {
		memset(&p, 0, sizeof(p));
		p.cipher = ESP_CIPHER_AES_GCM;
		p.ckey = k;
		p.ckeylen = 20;		/* salt not split off */
		p.icvlen = 16;
		ATF_CHECK(!ops->supports(&p));
		p.ckeylen = 16;
		ATF_CHECK(ops->supports(&p));
		p.icvlen = 10;
		ATF_CHECK(!ops->supports(&p));
		p.icvlen = 16;
		p.mac = ESP_MAC_HMAC_SHA256;	/* AEAD with a MAC */
		ATF_CHECK(!ops->supports(&p));
		p.cipher = ESP_CIPHER_CHACHA20_POLY1305;
		p.mac = ESP_MAC_NONE;
		p.ckeylen = 16;
		ATF_CHECK(!ops->supports(&p));
		p.ckeylen = 32;
		ATF_CHECK(ops->supports(&p));
		p.cipher = ESP_CIPHER_NONE;	/* AH without a MAC */
		p.ckeylen = 0;
		ATF_CHECK(!ops->supports(&p));
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, hmac_vectors);
	ATF_TP_ADD_TC(tp, cipher_vectors);
	ATF_TP_ADD_TC(tp, aead_vectors);
	ATF_TP_ADD_TC(tp, supports);
	return (atf_no_error());
}
