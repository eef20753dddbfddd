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
 * The libesp packet engine: known-answer packets (draft-mcgrew-gcm-test-01
 * ESP packets, RFC 7634 appendix A, RFC 3602 cases 5-8), output checked
 * against an independent computation with libcrypto, round trips of every
 * algorithm, mode and address family mix, AH, NAT-T, TFC, ESN, malformed
 * packets, lifetimes, counters, threads and backend identity.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atf-c.h>

#include "esp_crypto.h"
#include "util.h"

#define BUFSZ		70000

static uint8_t pkt[BUFSZ], enc[BUFSZ], dec[BUFSZ], tmp[BUFSZ];

static const enum esp_backend all_backends[] = {
	ESP_BACKEND_OPENSSL, ESP_BACKEND_IPSECMB
};

static uint32_t
be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* An ESP payload received without its IP header, given one. */
static size_t
wrap4(uint8_t *dst, const uint8_t *esp, size_t len)
{
	struct sad_addr s, d;
	long off;

	ATF_REQUIRE(sad_addr_parse(&s, "192.0.2.1") == 0);
	ATF_REQUIRE(sad_addr_parse(&d, "198.51.100.2") == 0);
	memcpy(tmp + ESP_FAKE_HEADROOM, esp, len);
	off = esp_fake_outer(tmp, ESP_FAKE_HEADROOM, len, &s, &d, 0, 0);
	ATF_REQUIRE(off >= 0);
	memcpy(dst, tmp + off, ESP_FAKE_HEADROOM - (size_t)off + len);
	return (ESP_FAKE_HEADROOM - (size_t)off + len);
}

/* ------------------------------------------------- known-answer input */

struct kat {
	const char	*key;		/* with the salt */
	uint32_t	 spi;
	uint64_t	 seq;
	bool		 esn;
	const char	*esp;		/* the ESP packet */
	const char	*pt;		/* plaintext with the trailer */
};

/* draft-mcgrew-gcm-test-01 section 4, the AES-GCM (ICV 16) packets. */
static const struct kat gcm_kats[] = {
	{ "4c80cdefbb5d10da906ac73c3613a634" "2e443b68", 0x4321,
	    0x8765432100000000ULL, true,
	    "00004321000000004956ed7e3b244cfe"
	    "fecf537e729d5b07dc30df528dd22b768d1b98736696a6fd348509fa13ceac34"
	    "cfa2436f14a3f3cf65925bf1f4a13c5d15b21e1884f5ff6247aeabb786b93bce"
	    "61bc17d768fd9732459018148f6cbe722fd04796562dfdb4",
	    "45000048699a000080114db7c0a80102c0a801010a9bf15638d3010000010000"
	    "00000000045f736970045f756470037369700963796265726369747902646b00"
	    "0021000101020201" },
	{ "feffe9928665731c6d6a8f9467308308" "cafebabe", 0xa5f8, 0x0a, false,
	    "0000a5f80000000afacedbaddecaf888"
	    "deb22cd9b07c72c16e3a65beeb8df304a5a5897d33ae530f1ba76d5d114d2a5c"
	    "3de81827c10e9a4f51330d0eec416642cfbb85a5b47e48a4ec3b9ba95d918bd1"
	    "83b70d3aa8bc6ee4c309e9d85a41ad4a",
	    "4500003e698f000080114dccc0a80102c0a801010a980035002a2343b2d00100"
	    "0001000000000000037369700963796265726369747902646b00000100010001" },
	{ "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	    "11223344", 0x4a2cbfe3, 2, false,
	    "4a2cbfe3000000020102030405060708"
	    "ff425c9b724599df7a3bcd510194e00d6a78107f1b0b1cbf06efae9d65a5d763"
	    "748a637985771d347f0545659f14e99def842d8eb335f4eecfdbf831824b4c49"
	    "15956c96",
	    "4500003069a6400080062690c0a801029389155e0a9e008b2dc57ee000000000"
	    "7002400020bf0000020405b40101040201020201" },
	{ "00000000000000000000000000000000" "00000000", 0, 1, false,
	    "00000000000000010000000000000000"
	    "4688daf2f973a392732909c331d56d60f694abaa414b5e7ff5fdcdfff5e9a284"
	    "456476492719ffb64de7d9dca1e1d894bc3bd57873ed4d181d19d4d5c8c18af3"
	    "f821d496eeb096e98ad2b69e4799c71d",
	    "4500003c99c500008001cb7a40679318010101010800075c0200440061626364"
	    "65666768696a6b6c6d6e6f7071727374757677616263646566676869"
	    "01020201" },
	{ "3de09874b388e6491988d0c3607eae1f" "57690e43", 0x42f67e3f,
	    0x1010101010101010ULL, true,
	    "42f67e3f101010104e280000a2fca1a3"
	    "fba2caa4853cf9f0f22cb10d86dd83b0fec75691cf1a04b00d1138ec9c357917"
	    "65acbd8701ad79845bf9fe3fba487bc91755e6662b4c8d0d1f5e22739530320a"
	    "e0d731cc978ecafaeae88f00e80d6e48",
	    "4500003c99c300008001cb7c40679318010101010800085c0200430061626364"
	    "65666768696a6b6c6d6e6f7071727374757677616263646566676869"
	    "01020201" },
	{ "3de09874b388e6491988d0c3607eae1f" "57690e43", 0x42f67e3f,
	    0x1010101010101010ULL, true,
	    "42f67e3f101010104e280000a2fca1a3"
	    "fba2ca845e5df9f0f22c3e6e86dd831e1fc65792cd1af9130e1379ed369f071f"
	    "35e034be95f112e4e7d05d35",
	    "4500001c42a200008001441f406793b6e00000020a00f5ff01020201" },
	{ "feffe9928665731c6d6a8f9467308308feffe9928665731c" "cafebabe",
	    0xa5f8, 0x0a, false,
	    "0000a5f80000000afacedbaddecaf888"
	    "a5b1f8066029aea40e598b8122de02420938b3ab33f828e687b8858b5bfbdbd0"
	    "315b27452144cc7795457b9652037f5318027b5b4cd7a636",
	    "45000028a4ad4000400678800a01038f0a010612802306b8cb712602dd6bb03e"
	    "501016d075680001" },
	{ "abbccddef00112233445566778899aab" "decaf888", 0x100, 1, true,
	    "0000010000000001cafedebaceface74"
	    "18a6fd42f72cbf4ab2a2ea901f73d814e3e7f243d95412e1c349c1d2fbec168f"
	    "9190feebaf2cb01984e65863965d7472b79da345e0e780191f0d2f0e0f496c22"
	    "6f2127b27db35724e7845d68651f57e65f354f75ff17015769623436",
	    "4500004933ba00007f119106c3fb1d10c2b1d326c02831ce0035dd7b800302d5"
	    "00004e20001e8c18d75b81dc91baa0476b91b924b280389d92c963bac046ec95"
	    "9b6266c04722b14923010101" },
	{ "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	    "73616c74", 0x17405e67, 0x156f3126dd0db99bULL, true,
	    "17405e67dd0db99b616e640169766563"
	    "f2d69ecdbd5a0d5b8d5ef38bad4da58d1f278fde98ef67549d524a3018d9a57f"
	    "f4d3a31ce673119e451626c2415771e3b7eebca614c89b35",
	    "45080028732c00004006e9f90a0106120a01038f06b88023dd6bafbecb712602"
	    "50101f646d540001" },
	{ "3de09874b388e6491988d0c3607eae1f" "57690e43", 0x42f67e3f,
	    0x1010101010101010ULL, true,
	    "42f67e3f101010104e280000a2fca1a3"
	    "fba2cad12fc1f9f00d3cebf305410db83d7784b607323d220f24b0a97d541828"
	    "00cadb0f68d99ef0e0c0c89ae9bea8884e52d65bc1afd0740f742444747b5b39"
	    "ab533163aad4550ee5160975cdb608c5769189609763b8e18caa81e2",
	    "45000049333e00007f119182c3fb1d10c2b1d326c02831ce0035cb458003025b"
	    "000001e0001e8c18d65759d52284a0352c71475c8880391c764d6e5ee0496b32"
	    "5ae270c03899493915010101" },
	{ "abbccddef00112233445566778899aababbccddef00112233445566778899aab"
	    "73616c74", 0x17405e67, 0x156f3126dd0db99bULL, true,
	    "17405e67dd0db99b616e640169766563"
	    "d4b7ed86a1777f2ea13d6973d324c69e7b43f826fb56831226508bebd2dceb18"
	    "d0a6df10e5487df074113e14c641024e3e6773d91a62ee429b043a10e3efe6b0"
	    "12a49363412364f8c0cac587f249e56b11e24f30e44ccc76",
	    "636973636f0172756c65730174686501" "6e6574776501646566696e6501746865"
	    "746563686e6f6c6f6769657301746861" "7477696c6c01646566696e65746f6d6f"
	    "72726f7701020201" },
	{ "7d773d00c144c525ac619d18c84a3f47" "d9664267", 0x335467ae,
	    0xffffffffULL, false,
	    "335467aeffffffff43457e9182443bc6"
	    "437f866bcb3f699fe9b0822bac961c4504bef270",
	    "01020201" },
	{ "abbccddef00112233445566778899aab" "decaf888", 0x100, 1, true,
	    "0000010000000001cafedebaceface74"
	    "29c9fc69a197d038ccdd14e2ddfcaa0543332164412503524303ed3c6c5f2838"
	    "43af8c3e",
	    "746f016265016f72016e6f7401746f0162650001" },
	{ "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961"
	    "7475726e", 0x796b6963, 0xffffffffffffffffULL, true,
	    "796b6963ffffffff333021696765746d"
	    "f97ab2aa356d8edce17644ac8c78e25dd24dedbb29ebf1b64a274b39b49c3a86"
	    "4cd3d78ca4ae68a32b42458fb57dbe821dcc63b9d0937ba2945f669368661a32"
	    "9fb4c053",
	    "45000030da3a00008001df3bc0a80005c0a800010800c6cd0200070061626364"
	    "65666768696a6b6c6d6e6f707172737401020201" },
};

/* Decrypt a KAT packet (transport mode) and check what comes out. */
static void
kat_input(const struct tsa *t, uint64_t seq, const char *esphex,
    const char *pthex, int mode_tunnel)
{
	struct esp_sa *sa;
	struct esp_counters c;
	uint8_t esp[512], pt[512];
	size_t elen, plen, len, outlen, datalen;
	uint8_t padlen, nh;
	int rc;

	elen = unhex(esphex, esp, sizeof(esp));
	plen = unhex(pthex, pt, sizeof(pt));
	padlen = pt[plen - 2];
	nh = pt[plen - 1];
	datalen = plen - 2 - padlen;
	len = wrap4(pkt, esp, elen);

	ATF_REQUIRE_EQ(tsa_new(t, NULL, &sa), 0);
	if (t->esn && seq > 1)
		esp_sa_set_replay_top(sa, seq - 1);
	rc = esp_input(sa, pkt, len, dec, sizeof(dec), &outlen);
	ATF_REQUIRE_MSG(rc == 0, "SPI %08x: %s", t->spi, esp_strerror(rc));
	if (mode_tunnel) {
		ATF_REQUIRE_EQ(outlen, datalen);
		ATF_CHECK(memcmp(dec, pt, datalen) == 0);
	} else {
		ATF_REQUIRE_EQ(outlen, 20 + datalen);
		ATF_CHECK_EQ(dec[9], nh);
		ATF_CHECK_EQ((size_t)(dec[2] << 8 | dec[3]), outlen);
		ATF_CHECK(ip4_csum_ok(dec));
		ATF_CHECK(memcmp(dec + 12, pkt + 12, 8) == 0);
		ATF_CHECK(memcmp(dec + 20, pt, datalen) == 0);
	}
	/* The same packet again is a replay (when the window is on). */
	if (t->replay != 0) {
		rc = esp_input(sa, pkt, len, dec, sizeof(dec), &outlen);
		ATF_CHECK_EQ(rc, ESP_E_REPLAY);
		ATF_CHECK_EQ(outlen, 0);
	}
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.in_packets, 1);
	ATF_CHECK_EQ(c.drop_replay, t->replay != 0 ? 1 : 0);
	esp_sa_free(sa);

	/* Negative control: the last ICV bit flipped. */
	ATF_REQUIRE_EQ(tsa_new(t, NULL, &sa), 0);
	if (t->esn && seq > 1)
		esp_sa_set_replay_top(sa, seq - 1);
	pkt[len - 1] ^= 1;
	rc = esp_input(sa, pkt, len, dec, sizeof(dec), &outlen);
	ATF_CHECK_EQ(rc, ESP_E_AUTH);
	ATF_CHECK_EQ(outlen, 0);
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.drop_auth, 1);
	ATF_CHECK_EQ(c.in_packets, 0);
	esp_sa_free(sa);
}

ATF_TC_WITHOUT_HEAD(kat_gcm_draft);
ATF_TC_BODY(kat_gcm_draft, tc)
{
	struct tsa t;
	size_t i;

	for (i = 0; i < nitems(gcm_kats); i++) {
		memset(&t, 0, sizeof(t));
		t.ealg = PFKEY_EALG_AES_GCM_ICV16;
		t.ekey = gcm_kats[i].key;
		t.spi = gcm_kats[i].spi;
		t.esn = gcm_kats[i].esn;
		t.replay = 64;
		kat_input(&t, gcm_kats[i].seq, gcm_kats[i].esp, gcm_kats[i].pt,
		    0);
	}
}

/* RFC 7634 appendix A: ChaCha20-Poly1305 ESP, tunnel mode (next hdr 4). */
#define RFC7634_KEY	"808182838485868788898a8b8c8d8e8f" \
			"909192939495969798999a9b9c9d9e9f" "a0a1a2a3"
#define RFC7634_ESP	"0102030400000005" "1011121314151617"		\
	"24039428b97f417e3c13753a4f05087b67c352e6a7fab1b982d466ef407ae5c6" \
	"14ee8099d52844eb61aa95dfab4c02f72aa71e7c4c4f64c9befe2facc638e8f3" \
	"cbec163fac469b502773f6fb94e664da9165b82829f641e0"		\
	"76aaa8266b7fb0f7b11b369907e1ad43"
#define RFC7634_PT							\
	"45000054a6f200004001e778c6336405c000020508005b7a3a080000553bec10" \
	"0007362708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223" \
	"2425262728292a2b2c2d2e2f303132333435363701020204"

ATF_TC_WITHOUT_HEAD(kat_chacha_rfc7634);
ATF_TC_BODY(kat_chacha_rfc7634, tc)
{
	struct tsa t;

	memset(&t, 0, sizeof(t));
	t.ealg = PFKEY_EALG_CHACHA20POLY1305;
	t.ekey = RFC7634_KEY;
	t.spi = 0x01020304;
	t.replay = 32;
	t.mode = PFKEY_MODE_TUNNEL;
	kat_input(&t, 5, RFC7634_ESP, RFC7634_PT, 1);
	t.mode = PFKEY_MODE_TRANSPORT;
	kat_input(&t, 5, RFC7634_ESP, RFC7634_PT, 0);
}

/* RFC 3602 section 4 cases 5-8: AES-CBC ESP without integrity. */
ATF_TC_WITHOUT_HEAD(kat_cbc_rfc3602);
ATF_TC_BODY(kat_cbc_rfc3602, tc)
{
	static const struct {
		const char *key;
		uint32_t spi;
		uint32_t seq;
		bool tunnel;
		const char *esp;
		const char *data;
	} v[] = {
		{ "90d382b410eeba7ad938c46cec1a82bf", 0x4321, 1, false,
		    "0000432100000001e96e8c08ab465763fd098d45dd3ff893f663c25d"
		    "325c18c6a9453e194e120849a4870b66cc6b9965330013b4898dc856"
		    "a4699e523a55db080b59ec3a8e4b7e52775b07d1db34ed9c538ab50c"
		    "551b874aa269add047ad2d5913ac19b7cfbad4a6",
		    "08000ebda70a00008e9c083db95b070008090a0b0c0d0e0f10111213"
		    "1415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f"
		    "3031323334353637" },
		{ "90d382b410eeba7ad938c46cec1a82bf", 0x4321, 8, false,
		    "000043210000000869d08df7d203329db093fc4924e5bd80f5199588"
		    "1ec4e0c4488987ce742e8109689bb379d2d750c0d915dca346a89f75",
		    "0800b5e8a80a0500a69c083d0b660e00777777777777777777777777" },
		{ "0123456789abcdef0123456789abcdef", 0x8765, 2, true,
		    "0000876500000002f4e765244f6407adf13dc1380f673f37773b5241"
		    "a4c449225e4f3ce5ed611b0c237ca96cf74a93013c1b0ea1a0cf70f8"
		    "e4ecaec78ac53aad7a0f022b859243c647752e94a859352b8a4d4d2d"
		    "ecd136e5c177f132ad3fbfb2201ac9904c74ee0a109e0ca1e4dfe9d5"
		    "a100b842f1c22f0d",
		    "45000054090400004001f988c0a87b03c0a87bc808009f76a90a0100"
		    "b49c083d02a2040008090a0b0c0d0e0f101112131415161718191a1b"
		    "1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637" },
		{ "0123456789abcdef0123456789abcdef", 0x8765, 5, true,
		    "000087650000000585d47224b5f3dd5d2101d4ea8dffab2215b92683"
		    "819596a8047232cc00f7048fe45318e11f8a0f62ede3c3fc61203bb5"
		    "0f980a08c9843fd3a1b06d5c07ff9639b7eb7dfb3512e5de435e7207"
		    "ed971ef3d2726d9b5ef6affc6d17a0decbb13892",
		    "45000044090c00004001f990c0a87b03c0a87bc80800d63caa0a0200"
		    "c69c083da3de0300ffffffffffffffffffffffffffffffffffffffff"
		    "ffffffffffffffffffffffff" },
	};
	struct esp_sa *sa;
	struct tsa t;
	uint8_t esp[256], data[256];
	size_t i, elen, dlen, len, outlen;
	int rc;

	for (i = 0; i < nitems(v); i++) {
		memset(&t, 0, sizeof(t));
		t.ealg = PFKEY_EALG_AESCBC;
		t.ekey = v[i].key;
		t.spi = v[i].spi;
		t.replay = 32;
		t.mode = v[i].tunnel ? PFKEY_MODE_TUNNEL :
		    PFKEY_MODE_TRANSPORT;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa), 0);
		elen = unhex(v[i].esp, esp, sizeof(esp));
		dlen = unhex(v[i].data, data, sizeof(data));
		len = wrap4(pkt, esp, elen);
		rc = esp_input(sa, pkt, len, dec, sizeof(dec), &outlen);
		ATF_REQUIRE_MSG(rc == 0, "case %zu: %s", i + 5,
		    esp_strerror(rc));
		if (v[i].tunnel) {
			ATF_CHECK_EQ(outlen, dlen);
			ATF_CHECK(memcmp(dec, data, dlen) == 0);
		} else {
			ATF_CHECK_EQ(outlen, 20 + dlen);
			ATF_CHECK_EQ(dec[9], 1);	/* ICMP */
			ATF_CHECK(memcmp(dec + 20, data, dlen) == 0);
		}
		esp_sa_free(sa);
		/* Negative control: another key garbles the trailer. */
		t.ekey = "00112233445566778899aabbccddeeff";
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa), 0);
		rc = esp_input(sa, pkt, len, dec, sizeof(dec), &outlen);
		ATF_CHECK(rc != 0 || memcmp(dec + (v[i].tunnel ? 0 : 20),
		    data, dlen) != 0);
		esp_sa_free(sa);
	}
}

/* -------------------------------------------- output against an oracle */

/* GCM/ChaCha decryption with libcrypto directly; true when authentic. */
static bool
oracle_aead_open(const EVP_CIPHER *ciph, const uint8_t *key,
    const uint8_t *salt, const uint8_t *iv, const uint8_t *aad,
    size_t aadlen, const uint8_t *ct, size_t len, const uint8_t *tag,
    size_t taglen, uint8_t *pt)
{
	EVP_CIPHER_CTX *x;
	uint8_t nonce[12], t[16];
	int l, ok;

	memcpy(nonce, salt, 4);
	memcpy(nonce + 4, iv, 8);
	memcpy(t, tag, taglen);
	ATF_REQUIRE((x = EVP_CIPHER_CTX_new()) != NULL);
	ATF_REQUIRE(EVP_DecryptInit_ex(x, ciph, NULL, key, nonce) == 1);
	ATF_REQUIRE(EVP_DecryptUpdate(x, NULL, &l, aad, (int)aadlen) == 1);
	ATF_REQUIRE(EVP_DecryptUpdate(x, pt, &l, ct, (int)len) == 1);
	ATF_REQUIRE(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_SET_TAG, (int)taglen,
	    t) == 1);
	ok = EVP_DecryptFinal_ex(x, pt + len, &l);
	EVP_CIPHER_CTX_free(x);
	return (ok == 1);
}

static void
check_trailer(const uint8_t *pt, size_t ctlen, const uint8_t *inner,
    size_t ilen, uint8_t nh, size_t blk)
{
	size_t padlen = pt[ctlen - 2], i;

	ATF_CHECK_EQ(ctlen % blk, 0);
	ATF_CHECK(padlen < blk);
	ATF_CHECK_EQ(ilen + padlen + 2, ctlen);
	ATF_CHECK_EQ(pt[ctlen - 1], nh);
	for (i = 0; i < padlen; i++)
		ATF_CHECK_EQ(pt[ilen + i], i + 1);
	ATF_CHECK(memcmp(pt, inner, ilen) == 0);
}

ATF_TC_WITHOUT_HEAD(output_gcm_oracle);
ATF_TC_BODY(output_gcm_oracle, tc)
{
	static const char *keyhex =
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	    "a0a1a2a3";
	struct esp_sa *sa;
	struct tsa t;
	uint8_t key[36], aad[12], pt[2048];
	size_t n, outlen, off, ctlen;
	int esn;

	(void)unhex(keyhex, key, sizeof(key));
	for (esn = 0; esn <= 1; esn++) {
		memset(&t, 0, sizeof(t));
		t.ealg = PFKEY_EALG_AES_GCM_ICV16;
		t.ekey = keyhex;
		t.spi = 0x11223344;
		t.mode = PFKEY_MODE_TUNNEL;
		t.esn = esn;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa), 0);
		esp_sa_set_oseq(sa, esn ? 0x500000029ULL : 41);
		n = mk_pkt(pkt, "10.0.0.1", "10.0.1.1", IPPROTO_UDP, 100, 1,
		    0xba);
		ATF_REQUIRE_EQ(esp_output(sa, pkt, n, enc, sizeof(enc), &outlen,
		    &off), 0);
		/* Outer header: IPv4 from the SA, DSCP/ECN and DF copied. */
		ATF_CHECK_EQ(off, 20);
		ATF_CHECK_EQ(enc[0], 0x45);
		ATF_CHECK_EQ(enc[1], 0xba);
		ATF_CHECK_EQ(enc[6] & 0x40, 0x40);
		ATF_CHECK_EQ(enc[8], 64);
		ATF_CHECK_EQ(enc[9], IPPROTO_ESP);
		ATF_CHECK_EQ((size_t)(enc[2] << 8 | enc[3]), outlen);
		ATF_CHECK(ip4_csum_ok(enc));
		ATF_CHECK(memcmp(enc + 12, "\xc0\x00\x02\x01", 4) == 0);
		ATF_CHECK(memcmp(enc + 16, "\xc6\x33\x64\x02", 4) == 0);
		/* ESP header, IV = the 64-bit sequence number. */
		ATF_CHECK(memcmp(enc + off, "\x11\x22\x33\x44", 4) == 0);
		ATF_CHECK(memcmp(enc + off + 4, "\x00\x00\x00\x2a", 4) == 0);
		ATF_CHECK(memcmp(enc + off + 8, esn ?
		    "\x00\x00\x00\x05\x00\x00\x00\x2a" :
		    "\x00\x00\x00\x00\x00\x00\x00\x2a", 8) == 0);
		ctlen = outlen - off - 16 - 16;
		memcpy(aad, enc + off, 4);
		if (esn) {
			memcpy(aad + 4, "\x00\x00\x00\x05", 4);
			memcpy(aad + 8, enc + off + 4, 4);
		} else
			memcpy(aad + 4, enc + off + 4, 4);
		ATF_CHECK(oracle_aead_open(EVP_aes_256_gcm(), key, key + 32,
		    enc + off + 8, aad, esn ? 12 : 8, enc + off + 16, ctlen,
		    enc + outlen - 16, 16, pt));
		check_trailer(pt, ctlen, pkt, n, 4, 4);
		/* Negative control: the oracle rejects a changed AAD. */
		aad[0] ^= 1;
		ATF_CHECK(!oracle_aead_open(EVP_aes_256_gcm(), key, key + 32,
		    enc + off + 8, aad, esn ? 12 : 8, enc + off + 16, ctlen,
		    enc + outlen - 16, 16, pt));
		esp_sa_free(sa);
	}
}

ATF_TC_WITHOUT_HEAD(output_cbc_hmac_oracle);
ATF_TC_BODY(output_cbc_hmac_oracle, tc)
{
	static const uint8_t seed[16] = "0123456789abcdef";
	static const char *ekhex = "101112131415161718191a1b1c1d1e1f";
	static const char *akhex =
	    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f";
	struct esp_sa_opts o;
	struct esp_sa *sa;
	struct tsa t;
	EVP_CIPHER_CTX *x;
	uint8_t ek[16], ak[32], blk[16], iv[16], mac[64], pt[2048], *esp;
	unsigned int maclen;
	size_t n, outlen, off, ctlen, i, mlen;
	uint64_t seq = 0x700000006ULL;
	int l, esn;

	(void)unhex(ekhex, ek, sizeof(ek));
	(void)unhex(akhex, ak, sizeof(ak));
	for (esn = 0; esn <= 1; esn++) {
		memset(&t, 0, sizeof(t));
		t.ealg = PFKEY_EALG_AESCBC;
		t.ekey = ekhex;
		t.aalg = PFKEY_AALG_SHA2_256HMAC;
		t.akey = akhex;
		t.spi = 0xcafe;
		t.esn = esn;
		memset(&o, 0, sizeof(o));
		o.iv_seed = seed;
		ATF_REQUIRE_EQ(tsa_new(&t, &o, &sa), 0);
		esp_sa_set_oseq(sa, esn ? seq - 1 : (uint32_t)seq - 1);
		n = mk_pkt(pkt, "2001:db8::1", "2001:db8::2", IPPROTO_TCP, 77,
		    2, 0);
		ATF_REQUIRE_EQ(esp_output(sa, pkt, n, enc, sizeof(enc), &outlen,
		    &off), 0);
		/* Transport over IPv6: ESP right after the base header. */
		ATF_CHECK_EQ(off, 40);
		ATF_CHECK_EQ(enc[6], IPPROTO_ESP);
		ATF_CHECK_EQ((size_t)(enc[4] << 8 | enc[5]) + 40, outlen);
		ATF_CHECK(memcmp(enc + 8, pkt + 8, 32) == 0);
		esp = enc + off;
		ctlen = outlen - off - 8 - 16 - 16;
		/* IV = AES_K(seed ^ (0^64 | seq)). */
		memcpy(blk, seed, 16);
		for (i = 0; i < 8; i++)
			blk[8 + i] ^= (uint8_t)((esn ? seq : (uint32_t)seq) >>
			    (56 - 8 * i));
		ATF_REQUIRE((x = EVP_CIPHER_CTX_new()) != NULL);
		ATF_REQUIRE(EVP_EncryptInit_ex(x, EVP_aes_128_ecb(), NULL, ek,
		    NULL) == 1);
		EVP_CIPHER_CTX_set_padding(x, 0);
		ATF_REQUIRE(EVP_EncryptUpdate(x, iv, &l, blk, 16) == 1);
		EVP_CIPHER_CTX_free(x);
		ATF_CHECK(memcmp(esp + 8, iv, 16) == 0);
		/* ICV = HMAC-SHA-256 over ESP header..ciphertext [+ seq hi]. */
		mlen = 8 + 16 + ctlen;
		memcpy(tmp, esp, mlen);
		if (esn)
			memcpy(tmp + mlen, "\x00\x00\x00\x07", 4);
		ATF_REQUIRE(HMAC(EVP_sha256(), ak, 32, tmp,
		    mlen + (esn ? 4 : 0), mac, &maclen) != NULL);
		ATF_CHECK(memcmp(esp + mlen, mac, 16) == 0);
		/* Decrypt independently. */
		ATF_REQUIRE((x = EVP_CIPHER_CTX_new()) != NULL);
		ATF_REQUIRE(EVP_DecryptInit_ex(x, EVP_aes_128_cbc(), NULL, ek,
		    esp + 8) == 1);
		EVP_CIPHER_CTX_set_padding(x, 0);
		ATF_REQUIRE(EVP_DecryptUpdate(x, pt, &l, esp + 24,
		    (int)ctlen) == 1);
		EVP_CIPHER_CTX_free(x);
		check_trailer(pt, ctlen, pkt + 40, n - 40, IPPROTO_TCP, 16);
		esp_sa_free(sa);
	}
}

/* --------------------------------------------------------- round trips */

struct combo {
	uint8_t		satype;
	uint16_t	ealg;
	uint16_t	aalg;
	uint8_t		variant;	/* key size: 0 128, 1 192, 2 256 */
	const char	*name;
};

static const struct combo combos[] = {
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_NULL, PFKEY_AALG_SHA1HMAC, 0,
	    "null/sha1" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_NULL, PFKEY_AALG_SHA2_512HMAC, 0,
	    "null/sha512" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA1HMAC, 0,
	    "cbc128/sha1" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 0,
	    "cbc128/sha256" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_384HMAC, 1,
	    "cbc192/sha384" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_512HMAC, 2,
	    "cbc256/sha512" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_SHA2_256HMAC, 2,
	    "cbc256/sha256" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCBC, PFKEY_AALG_NONE, 0,
	    "cbc128/none" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCTR, PFKEY_AALG_SHA2_256HMAC, 0,
	    "ctr128/sha256" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCTR, PFKEY_AALG_SHA1HMAC, 1,
	    "ctr192/sha1" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AESCTR, PFKEY_AALG_SHA2_512HMAC, 2,
	    "ctr256/sha512" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV8, PFKEY_AALG_NONE, 0,
	    "gcm8-128" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV12, PFKEY_AALG_NONE, 1,
	    "gcm12-192" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE, 0,
	    "gcm16-128" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE, 1,
	    "gcm16-192" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE, 2,
	    "gcm16-256" },
	{ PFKEY_SATYPE_ESP, PFKEY_EALG_CHACHA20POLY1305, PFKEY_AALG_NONE, 0,
	    "chacha20-poly1305" },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA1HMAC, 0,
	    "ah/sha1" },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA2_256HMAC, 0,
	    "ah/sha256" },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA2_384HMAC, 0,
	    "ah/sha384" },
	{ PFKEY_SATYPE_AH, PFKEY_EALG_NONE, PFKEY_AALG_SHA2_512HMAC, 0,
	    "ah/sha512" },
};

/* Family mixes: transport (outer = the packet's) and tunnels. */
struct mix {
	uint8_t		 mode;
	const char	*osrc, *odst;	/* tunnel endpoints */
	const char	*isrc, *idst;	/* the packet */
	const char	*name;
};

static const struct mix mixes[] = {
	{ PFKEY_MODE_TRANSPORT, NULL, NULL, "192.0.2.1", "198.51.100.2",
	    "transport4" },
	{ PFKEY_MODE_TRANSPORT, NULL, NULL, "2001:db8::1", "2001:db8:1::2",
	    "transport6" },
	{ PFKEY_MODE_TUNNEL, "192.0.2.1", "198.51.100.2", "10.0.0.1",
	    "10.9.0.1", "tunnel 4 in 4" },
	{ PFKEY_MODE_TUNNEL, "192.0.2.1", "198.51.100.2", "fd00::1",
	    "fd00:9::1", "tunnel 6 in 4" },
	{ PFKEY_MODE_TUNNEL, "2001:db8::1", "2001:db8:1::2", "10.0.0.1",
	    "10.9.0.1", "tunnel 4 in 6" },
	{ PFKEY_MODE_TUNNEL, "2001:db8::1", "2001:db8:1::2", "fd00::1",
	    "fd00:9::1", "tunnel 6 in 6" },
};

static void
combo_tsa(const struct combo *c, const struct mix *m, struct tsa *t)
{
	memset(t, 0, sizeof(*t));
	t->satype = c->satype;
	t->ealg = c->ealg;
	t->aalg = c->aalg;
	t->keyseed = c->variant;
	t->mode = m->mode;
	t->spi = 0x1000 + c->variant;
	t->src = m->osrc;
	t->dst = m->odst;
	t->replay = 64;
}

/* One packet through tx and rx; checks the result. */
static void
one_trip(struct esp_sa *tx, struct esp_sa *rx, const struct combo *c,
    const struct mix *m, const uint8_t *p, size_t n, size_t hl)
{
	struct esp_pkt_id id;
	size_t outlen, off, declen;
	int rc;

	rc = esp_output(tx, p, n, enc, sizeof(enc), &outlen, &off);
	ATF_REQUIRE_MSG(rc == 0, "%s %s len %zu: output %s", c->name, m->name,
	    n, esp_strerror(rc));
	ATF_CHECK(outlen > n);
	ATF_CHECK_MSG(outlen - n <= esp_sa_overhead(tx),
	    "%s %s: grew by %zu > %zu", c->name, m->name, outlen - n,
	    esp_sa_overhead(tx));
	ATF_REQUIRE_EQ(esp_packet_spi(enc, outlen, &id), 0);
	ATF_CHECK_EQ(id.spi, esp_sa_spi(tx));
	ATF_CHECK_EQ(id.proto, c->satype == PFKEY_SATYPE_AH ? IPPROTO_AH :
	    IPPROTO_ESP);
	ATF_CHECK(!id.udp);
	if (m->mode == PFKEY_MODE_TUNNEL)
		ATF_CHECK_EQ(enc[0] >> 4, strchr(m->odst, ':') ? 6 : 4);
	else
		ATF_CHECK_EQ(off, hl);
	/* The payload must not be visible (unless NULL or AH). */
	if (c->satype == PFKEY_SATYPE_ESP && c->ealg != PFKEY_EALG_NULL &&
	    n - hl >= 24)
		ATF_CHECK_MSG(!contains(enc, outlen, p + hl + 8, 16),
		    "%s %s: plaintext on the wire", c->name, m->name);
	rc = esp_input(rx, enc, outlen, dec, sizeof(dec), &declen);
	ATF_REQUIRE_MSG(rc == 0, "%s %s len %zu: input %s", c->name, m->name,
	    n, esp_strerror(rc));
	ATF_CHECK_EQ(declen, n);
	ATF_CHECK_MSG(memcmp(dec, p, n) == 0, "%s %s len %zu: differs",
	    c->name, m->name, n);
	/* Replayed: refused, nothing written. */
	ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec), &declen),
	    ESP_E_REPLAY);
	ATF_CHECK_EQ(declen, 0);
}

ATF_TC_WITHOUT_HEAD(roundtrip_all);
ATF_TC_BODY(roundtrip_all, tc)
{
	static const size_t sizes[] = { 0, 1, 2, 3, 13, 14, 15, 16, 17, 31,
	    100, 1400 };
	struct esp_sa *tx, *rx;
	struct esp_counters cnt;
	struct tsa t;
	size_t ci, mi, si, n, hl, trips;
	uint64_t bytes;

	for (ci = 0; ci < nitems(combos); ci++) {
		for (mi = 0; mi < nitems(mixes); mi++) {
			combo_tsa(&combos[ci], &mixes[mi], &t);
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
			trips = 0;
			bytes = 0;
			for (si = 0; si < nitems(sizes); si++) {
				n = mk_pkt(pkt, mixes[mi].isrc, mixes[mi].idst,
				    si & 1 ? IPPROTO_TCP : IPPROTO_UDP,
				    sizes[si], (uint8_t)si, 0);
				hl = pkt[0] >> 4 == 4 ? 20 : 40;
				one_trip(tx, rx, &combos[ci], &mixes[mi], pkt,
				    n, hl);
				trips++;
				bytes += n;
			}
			if (mixes[mi].mode == PFKEY_MODE_TRANSPORT &&
			    strchr(mixes[mi].isrc, ':') != NULL) {
				/* Extension headers stay in front of ESP/AH. */
				n = mk_pkt6_ext(pkt, 50, 9);
				one_trip(tx, rx, &combos[ci], &mixes[mi], pkt,
				    n, 80);
				ATF_CHECK_EQ(enc[56],
				    combos[ci].satype == PFKEY_SATYPE_AH ?
				    IPPROTO_AH : IPPROTO_ESP);
				ATF_CHECK_EQ(enc[40], 60);
				ATF_CHECK_EQ(enc[48], 43);
				trips++;
				bytes += n;
			}
			esp_sa_counters(tx, &cnt);
			ATF_CHECK_EQ(cnt.out_packets, trips);
			ATF_CHECK_EQ(cnt.out_bytes, bytes);
			esp_sa_counters(rx, &cnt);
			ATF_CHECK_EQ(cnt.in_packets, trips);
			ATF_CHECK_EQ(cnt.in_bytes, bytes);
			ATF_CHECK_EQ(cnt.drop_replay, trips);
			esp_sa_free(tx);
			esp_sa_free(rx);
		}
	}
}

/* IPv4 options stay in front of ESP/AH; AH covers the immutable ones. */
ATF_TC_WITHOUT_HEAD(ipv4_options);
ATF_TC_BODY(ipv4_options, tc)
{
	struct esp_sa *tx, *rx;
	struct tsa t;
	size_t n, outlen, off, declen;
	int ah;

	for (ah = 0; ah <= 1; ah++) {
		n = mk_pkt(tmp, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 40,
		    3, 0);
		/* Insert a record-route option (mutable) and an end. */
		memcpy(pkt, tmp, 20);
		pkt[0] = 0x47;
		memcpy(pkt + 20, "\x07\x07\x04\x00\x00\x00\x00\x00", 8);
		memcpy(pkt + 28, tmp + 20, n - 20);
		n += 8;
		pkt[2] = (uint8_t)(n >> 8);
		pkt[3] = (uint8_t)n;
		pkt[10] = pkt[11] = 0;
		{
			uint32_t s = 0;
			size_t i;

			for (i = 0; i < 28; i += 2)
				s += (uint32_t)(pkt[i] << 8 | pkt[i + 1]);
			while (s >> 16)
				s = (s & 0xffff) + (s >> 16);
			pkt[10] = (uint8_t)(~s >> 8);
			pkt[11] = (uint8_t)~s;
		}
		ATF_REQUIRE(ip4_csum_ok(pkt));
		memset(&t, 0, sizeof(t));
		t.satype = ah ? PFKEY_SATYPE_AH : PFKEY_SATYPE_ESP;
		t.ealg = ah ? PFKEY_EALG_NONE : PFKEY_EALG_AES_GCM_ICV16;
		t.aalg = ah ? PFKEY_AALG_SHA2_256HMAC : PFKEY_AALG_NONE;
		t.spi = 77;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
		    &off), 0);
		ATF_CHECK_EQ(off, 28);
		ATF_CHECK_EQ(enc[0], 0x47);
		ATF_CHECK(memcmp(enc + 20, pkt + 20, 8) == 0);
		ATF_CHECK(ip4_csum_ok(enc));
		if (ah) {
			/* A router records its address, decrements TTL. */
			enc[23] = 192;
			enc[24] = 0;
			enc[25] = 2;
			enc[26] = 254;
			enc[22] = 8;
			enc[8]--;
			enc[1] = 0x20;
		}
		ATF_REQUIRE_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec),
		    &declen), 0);
		ATF_CHECK_EQ(declen, n);
		ATF_CHECK(memcmp(dec + 28, pkt + 28, n - 28) == 0);
		if (!ah)
			ATF_CHECK(memcmp(dec, pkt, n) == 0);
		ATF_CHECK(ip4_csum_ok(dec));
		if (ah) {
			/* The source address is covered. */
			ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
			    &outlen, &off), 0);
			enc[15] ^= 1;
			ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec,
			    sizeof(dec), &declen), ESP_E_AUTH);
		}
		esp_sa_free(tx);
		esp_sa_free(rx);
	}
}

/* ---------------------------------------------------------------- NAT-T */

ATF_TC_WITHOUT_HEAD(natt);
ATF_TC_BODY(natt, tc)
{
	struct esp_sa *tx, *rx, *plain;
	struct esp_pkt_id id;
	struct tsa t;
	size_t n, outlen, off, declen, hl;
	int v6, tunnel;

	for (v6 = 0; v6 <= 1; v6++) {
		for (tunnel = 0; tunnel <= 1; tunnel++) {
			memset(&t, 0, sizeof(t));
			t.ealg = PFKEY_EALG_AES_GCM_ICV16;
			t.spi = 0x4500;
			t.natt = true;
			t.sport = 4500;
			t.dport = 31337;
			t.replay = 64;
			t.mode = tunnel ? PFKEY_MODE_TUNNEL :
			    PFKEY_MODE_TRANSPORT;
			t.src = v6 ? "2001:db8::1" : "192.0.2.1";
			t.dst = v6 ? "2001:db8::2" : "198.51.100.2";
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
			n = mk_pkt(pkt, v6 ? "2001:db8::1" : "192.0.2.1",
			    v6 ? "2001:db8::2" : "198.51.100.2",
			    IPPROTO_TCP, 200, 4, 0);
			hl = v6 ? 40 : 20;
			ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
			    &outlen, &off), 0);
			ATF_CHECK_EQ(off, hl);
			ATF_CHECK_EQ(enc[v6 ? 6 : 9], IPPROTO_UDP);
			ATF_CHECK(memcmp(enc + off, "\x11\x94\x7a\x69",
			    4) == 0);
			ATF_CHECK_EQ((size_t)(enc[off + 4] << 8 |
			    enc[off + 5]), outlen - hl);
			if (v6)	/* RFC 3948 leaves v4 at 0; v6 needs one */
				ATF_CHECK(l4_csum_ok(enc, outlen));
			else
				ATF_CHECK(enc[off + 6] == 0 &&
				    enc[off + 7] == 0);
			ATF_REQUIRE_EQ(esp_packet_spi(enc, outlen, &id), 0);
			ATF_CHECK(id.udp);
			ATF_CHECK_EQ(id.proto, IPPROTO_ESP);
			ATF_CHECK_EQ(id.spi, 0x4500);
			ATF_CHECK_EQ(id.sport, 4500);
			ATF_CHECK_EQ(id.dport, 31337);
			if (!tunnel) {
				/* A NAT rewrote the source address. */
				enc[v6 ? 23 : 15] ^= 0x40;
			}
			ATF_REQUIRE_EQ(esp_input(rx, enc, outlen, dec,
			    sizeof(dec), &declen), 0);
			ATF_CHECK_EQ(declen, n);
			if (tunnel)
				ATF_CHECK(memcmp(dec, pkt, n) == 0);
			else {
				/* TCP checksum repaired for the new address. */
				ATF_CHECK(memcmp(dec + hl, pkt + hl,
				    16) == 0);
				ATF_CHECK(l4_csum_ok(dec, declen));
				ATF_CHECK(!l4_csum_ok(pkt, n) ||
				    memcmp(dec + hl + 16, pkt + hl + 16,
				    2) != 0);
			}
			/* A plain ESP packet is not for a NAT-T SA. */
			t.natt = false;
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &plain), 0);
			ATF_REQUIRE_EQ(esp_output(plain, pkt, n, tmp,
			    sizeof(tmp), &outlen, &off), 0);
			ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec,
			    sizeof(dec), &declen), ESP_E_PROTO);
			esp_sa_free(plain);
			esp_sa_free(tx);
			esp_sa_free(rx);
		}
	}
	/* Transport UDP over IPv4: the inner checksum becomes 0. */
	memset(&t, 0, sizeof(t));
	t.ealg = PFKEY_EALG_AES_GCM_ICV16;
	t.natt = true;
	t.spi = 9;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	n = mk_pkt(pkt, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 30, 5, 0);
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
	    &off), 0);
	ATF_CHECK_EQ(outlen, n + 8 + 8 + 8 + 2 + 16);	/* 30+8 pads to 40 */
	ATF_REQUIRE_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec), &declen),
	    0);
	ATF_CHECK_EQ(declen, n);
	ATF_CHECK(dec[26] == 0 && dec[27] == 0);
	ATF_CHECK(memcmp(dec + 28, pkt + 28, n - 28) == 0);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

ATF_TC_WITHOUT_HEAD(packet_spi);
ATF_TC_BODY(packet_spi, tc)
{
	struct esp_pkt_id id;
	struct sad_addr s, d;
	uint8_t b[128];
	long off;

	ATF_REQUIRE(sad_addr_parse(&s, "2001:db8::1") == 0);
	ATF_REQUIRE(sad_addr_parse(&d, "2001:db8::2") == 0);
	/* NAT-T keepalive: one 0xff byte. */
	b[ESP_FAKE_HEADROOM] = ESP_NATT_KEEPALIVE;
	off = esp_fake_outer(b, ESP_FAKE_HEADROOM, 1, &s, &d, 4500, 4500);
	ATF_REQUIRE(off >= 0);
	ATF_CHECK_EQ(esp_packet_spi(b + off, ESP_FAKE_HEADROOM - off + 1,
	    &id), ESP_E_PROTO);
	/* IKE: non-ESP marker. */
	memset(b + ESP_FAKE_HEADROOM, 0, 40);
	b[ESP_FAKE_HEADROOM + 4] = 0x2f;
	off = esp_fake_outer(b, ESP_FAKE_HEADROOM, 40, &s, &d, 4500, 4500);
	ATF_CHECK_EQ(esp_packet_spi(b + off, ESP_FAKE_HEADROOM - off + 40,
	    &id), ESP_E_PROTO);
	/* UDP-encapsulated ESP. */
	memcpy(b + ESP_FAKE_HEADROOM, "\xde\xad\xbe\xef\x00\x00\x00\x01", 8);
	off = esp_fake_outer(b, ESP_FAKE_HEADROOM, 40, &s, &d, 4500, 1234);
	ATF_CHECK_EQ(off, ESP_FAKE_HEADROOM - 48);
	ATF_REQUIRE_EQ(esp_packet_spi(b + off, 88, &id), 0);
	ATF_CHECK(id.udp);
	ATF_CHECK_EQ(id.spi, 0xdeadbeef);
	ATF_CHECK_EQ(id.sport, 4500);
	ATF_CHECK_EQ(id.dport, 1234);
	ATF_CHECK_EQ(id.src.af, AF_INET6);
	ATF_CHECK(sad_addr_cmp(&id.src, &s) == 0);
	ATF_CHECK(sad_addr_cmp(&id.dst, &d) == 0);
	/* Truncated: the ESP header cut. */
	ATF_CHECK_EQ(esp_packet_spi(b + off, 48 + 5, &id), ESP_E_TRUNC);
	/* Plain ESP over IPv4. */
	ATF_REQUIRE(sad_addr_parse(&s, "192.0.2.1") == 0);
	ATF_REQUIRE(sad_addr_parse(&d, "192.0.2.2") == 0);
	off = esp_fake_outer(b, ESP_FAKE_HEADROOM, 40, &s, &d, 0, 0);
	ATF_CHECK_EQ(off, ESP_FAKE_HEADROOM - 20);
	ATF_REQUIRE_EQ(esp_packet_spi(b + off, 60, &id), 0);
	ATF_CHECK(!id.udp);
	ATF_CHECK_EQ(id.proto, IPPROTO_ESP);
	ATF_CHECK_EQ(id.spi, 0xdeadbeef);
	ATF_CHECK(ip4_csum_ok(b + off));
	/* The IP header says more than there is. */
	ATF_CHECK_EQ(esp_packet_spi(b + off, 59, &id), ESP_E_TRUNC);
	ATF_CHECK_EQ(esp_packet_spi(b + off, 10, &id), ESP_E_TRUNC);
	ATF_CHECK_EQ(esp_packet_spi(b + off, 0, &id), ESP_E_TRUNC);
	/* A fragment must be reassembled first. */
	b[off + 6] = 0x20;
	ATF_CHECK_EQ(esp_packet_spi(b + off, 60, &id), ESP_E_PROTO);
	b[off + 6] = 0;
	/* Not ESP. */
	b[off + 9] = IPPROTO_TCP;
	ATF_CHECK_EQ(esp_packet_spi(b + off, 60, &id), ESP_E_PROTO);
	b[off] = 0x55;
	ATF_CHECK_EQ(esp_packet_spi(b + off, 60, &id), ESP_E_PROTO);
	/* Headroom and family checks of esp_fake_outer(). */
	ATF_CHECK_EQ(esp_fake_outer(b, 27, 10, &s, &d, 1, 1), -1);
	ATF_CHECK_EQ(esp_fake_outer(b, 28, 10, &s, &d, 1, 1), 0);
	ATF_REQUIRE(sad_addr_parse(&d, "2001:db8::2") == 0);
	ATF_CHECK_EQ(esp_fake_outer(b, 48, 10, &s, &d, 0, 0), -1);
}

/* ------------------------------------------------------------------ TFC */

ATF_TC_WITHOUT_HEAD(tfc_padding);
ATF_TC_BODY(tfc_padding, tc)
{
	struct esp_sa_opts o;
	struct esp_sa *tx, *rx;
	struct tsa t;
	size_t n, outlen, off, declen;
	int v6;

	for (v6 = 0; v6 <= 1; v6++) {
		memset(&t, 0, sizeof(t));
		t.ealg = PFKEY_EALG_CHACHA20POLY1305;
		t.mode = PFKEY_MODE_TUNNEL;
		t.spi = 0x7fc;
		t.replay = 32;
		memset(&o, 0, sizeof(o));
		o.tfc_pad = 1000;
		ATF_REQUIRE_EQ(tsa_new(&t, &o, &tx), 0);
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
		n = mk_pkt(pkt, v6 ? "fd00::1" : "10.0.0.1",
		    v6 ? "fd00::2" : "10.0.0.2", IPPROTO_UDP, 60, 6, 0);
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
		    &off), 0);
		/* 1000 bytes of payload, padded to 4 with the trailer. */
		ATF_CHECK_EQ(outlen, 20 + 8 + 8 + 1000 + 2 + 2 + 16);
		ATF_CHECK(outlen - n <= esp_sa_overhead(tx));
		ATF_REQUIRE_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec),
		    &declen), 0);
		ATF_CHECK_EQ(declen, n);
		ATF_CHECK(memcmp(dec, pkt, n) == 0);
		/* A packet longer than tfc_pad is not padded further. */
		n = mk_pkt(pkt, v6 ? "fd00::1" : "10.0.0.1",
		    v6 ? "fd00::2" : "10.0.0.2", IPPROTO_UDP, 1200, 6, 0);
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
		    &off), 0);
		ATF_CHECK(outlen < n + 20 + 8 + 8 + 4 + 16 + 1);
		ATF_REQUIRE_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec),
		    &declen), 0);
		ATF_CHECK_EQ(declen, n);
		esp_sa_free(tx);
		esp_sa_free(rx);
	}
}

/* ------------------------------------------------------------------ ESN */

ATF_TC_WITHOUT_HEAD(esn_wrap);
ATF_TC_BODY(esn_wrap, tc)
{
	static const struct combo *cs[] = { &combos[3], &combos[13],
	    &combos[18] };	/* cbc/sha256, gcm16, ah/sha256 */
	static uint8_t saved[40][256];
	static size_t savedlen[40];
	struct esp_sa *tx, *rx, *fresh;
	struct tsa t;
	size_t n, outlen, off, declen, i, k;
	uint64_t top, last;

	for (k = 0; k < nitems(cs); k++) {
		combo_tsa(cs[k], &mixes[0], &t);
		t.esn = true;
		t.replay = 64;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
		esp_sa_set_oseq(tx, 0xfffffff0ULL);
		esp_sa_set_replay_top(rx, 0xfffffff0ULL);
		n = mk_pkt(pkt, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 50,
		    7, 0);
		for (i = 0; i < 40; i++) {
			ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
			    &outlen, &off), 0);
			ATF_REQUIRE(outlen <= sizeof(saved[i]));
			memcpy(saved[i], enc, outlen);
			savedlen[i] = outlen;
			/* Only the low 32 bits are on the wire. */
			ATF_CHECK_EQ(be32(enc + off +
			    (cs[k]->satype == PFKEY_SATYPE_AH ? 8 : 4)),
			    (uint32_t)(0xfffffff1ULL + i));
		}
		/* Delivered out of order around the wrap. */
		for (i = 0; i < 40; i += 2) {
			ATF_CHECK_EQ(esp_input(rx, saved[i + 1],
			    savedlen[i + 1], dec, sizeof(dec), &declen), 0);
			ATF_CHECK_EQ(esp_input(rx, saved[i], savedlen[i], dec,
			    sizeof(dec), &declen), 0);
			ATF_CHECK_EQ(declen, n);
		}
		esp_sa_seq(tx, &last, NULL);
		esp_sa_seq(rx, NULL, &top);
		ATF_CHECK_EQ(last, 0x100000018ULL);
		ATF_CHECK_EQ(top, 0x100000018ULL);
		ATF_CHECK_EQ(esp_input(rx, saved[5], savedlen[5], dec,
		    sizeof(dec), &declen), ESP_E_REPLAY);
		ATF_CHECK_EQ(esp_input(rx, saved[30], savedlen[30], dec,
		    sizeof(dec), &declen), ESP_E_REPLAY);
		/*
		 * The high bits are in the ICV: a receiver that infers 0
		 * (fresh, window at 0) fails the packet with seq 2^32 + 8.
		 */
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &fresh), 0);
		ATF_CHECK_EQ(esp_input(fresh, saved[23], savedlen[23], dec,
		    sizeof(dec), &declen), ESP_E_AUTH);
		ATF_CHECK_EQ(declen, 0);
		esp_sa_free(fresh);
		esp_sa_free(tx);
		esp_sa_free(rx);
	}
}

ATF_TC_WITHOUT_HEAD(seq_overflow);
ATF_TC_BODY(seq_overflow, tc)
{
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct tsa t;
	size_t n, outlen, off, declen;

	combo_tsa(&combos[13], &mixes[0], &t);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	esp_sa_set_oseq(tx, 0xfffffffeULL);
	n = mk_pkt(pkt, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 10, 8, 0);
	/* 2^32 - 1 is the last number sent... */
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
	    &off), 0);
	ATF_CHECK(memcmp(enc + off + 4, "\xff\xff\xff\xff", 4) == 0);
	ATF_CHECK_EQ(esp_sa_events(tx), 0);
	ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec), &declen),
	    0);
	/* ...then the SA refuses, raising the hard event once. */
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_SEQOVF);
	ATF_CHECK_EQ(outlen, 0);
	ATF_CHECK_EQ(esp_sa_events(tx), ESP_EV_HARD);
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_SEQOVF);
	ATF_CHECK_EQ(esp_sa_events(tx), 0);
	esp_sa_counters(tx, &c);
	ATF_CHECK_EQ(c.out_packets, 1);
	ATF_CHECK_EQ(c.drop_seqovf, 2);
	esp_sa_free(tx);
	esp_sa_free(rx);

	/* With ESN the same point is just another number. */
	t.esn = true;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	esp_sa_set_oseq(tx, 0xfffffffeULL);
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    0);
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    0);
	ATF_CHECK(memcmp(enc + off + 4, "\x00\x00\x00\x00", 4) == 0);
	ATF_CHECK_EQ(esp_sa_events(tx), 0);
	esp_sa_free(tx);
}

/* ---------------------------------------------------- malformed packets */

#define HB_GCMKEY	"000102030405060708090a0b0c0d0e0f" "a0a1a2a3"
#define HB_CBCKEY	"101112131415161718191a1b1c1d1e1f"
#define HB_MACKEY	"202122232425262728292a2b2c2d2e2f" \
			"303132333435363738393a3b3c3d3e3f"

/*
 * Build by hand (libcrypto directly) an ESP packet over IPv4 whose
 * plaintext, trailer included, is pt: AES-GCM-128/16 (gcm) or
 * AES-CBC-128 with HMAC-SHA-256-128, the keys above, SPI 0x99.
 */
static size_t
hand_esp(uint8_t *out, bool gcm, uint32_t seq, const uint8_t *pt,
    size_t ptlen)
{
	uint8_t key[20], mk[32], esp[2048], nonce[12];
	unsigned int ml;
	uint8_t mac[64];
	EVP_CIPHER_CTX *x;
	size_t off;
	int l;

	memcpy(esp, "\x00\x00\x00\x99", 4);
	esp[4] = (uint8_t)(seq >> 24);
	esp[5] = (uint8_t)(seq >> 16);
	esp[6] = (uint8_t)(seq >> 8);
	esp[7] = (uint8_t)seq;
	ATF_REQUIRE((x = EVP_CIPHER_CTX_new()) != NULL);
	if (gcm) {
		(void)unhex(HB_GCMKEY, key, sizeof(key));
		memset(esp + 8, 0, 8);
		memcpy(esp + 12, esp + 4, 4);
		memcpy(nonce, key + 16, 4);
		memcpy(nonce + 4, esp + 8, 8);
		ATF_REQUIRE(EVP_EncryptInit_ex(x, EVP_aes_128_gcm(), NULL, key,
		    nonce) == 1);
		ATF_REQUIRE(EVP_EncryptUpdate(x, NULL, &l, esp, 8) == 1);
		ATF_REQUIRE(EVP_EncryptUpdate(x, esp + 16, &l, pt,
		    (int)ptlen) == 1);
		ATF_REQUIRE(EVP_EncryptFinal_ex(x, esp + 16 + ptlen, &l) == 1);
		ATF_REQUIRE(EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_AEAD_GET_TAG, 16,
		    esp + 16 + ptlen) == 1);
		off = 16 + ptlen + 16;
	} else {
		(void)unhex(HB_CBCKEY, key, sizeof(key));
		(void)unhex(HB_MACKEY, mk, sizeof(mk));
		memset(esp + 8, 0x5a, 16);
		ATF_REQUIRE(EVP_EncryptInit_ex(x, EVP_aes_128_cbc(), NULL, key,
		    esp + 8) == 1);
		EVP_CIPHER_CTX_set_padding(x, 0);
		ATF_REQUIRE(EVP_EncryptUpdate(x, esp + 24, &l, pt,
		    (int)ptlen) == 1);
		ATF_REQUIRE((size_t)l == ptlen);
		ATF_REQUIRE(HMAC(EVP_sha256(), mk, 32, esp, 24 + ptlen, mac,
		    &ml) != NULL);
		memcpy(esp + 24 + ptlen, mac, 16);
		off = 24 + ptlen + 16;
	}
	EVP_CIPHER_CTX_free(x);
	return (wrap4(out, esp, off));
}

static struct esp_sa *
hand_sa(bool gcm, uint8_t mode)
{
	struct esp_sa *sa;
	struct tsa t;

	memset(&t, 0, sizeof(t));
	t.ealg = gcm ? PFKEY_EALG_AES_GCM_ICV16 : PFKEY_EALG_AESCBC;
	t.ekey = gcm ? HB_GCMKEY : HB_CBCKEY;
	t.aalg = gcm ? PFKEY_AALG_NONE : PFKEY_AALG_SHA2_256HMAC;
	t.akey = gcm ? NULL : HB_MACKEY;
	t.spi = 0x99;
	t.replay = 64;
	t.mode = mode;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa), 0);
	return (sa);
}

/* Input of a hand-made packet: the result, with the no-output rule. */
static int
hand_in(bool gcm, uint8_t mode, const uint8_t *pt, size_t ptlen,
    size_t *declen)
{
	struct esp_sa *sa;
	size_t n;
	int rc;

	n = hand_esp(pkt, gcm, 1, pt, ptlen);
	sa = hand_sa(gcm, mode);
	memset(dec, 0xee, 4096);
	rc = esp_input(sa, pkt, n, dec, sizeof(dec), declen);
	if (rc != 0) {
		size_t i, bad = 0;

		ATF_CHECK_EQ(*declen, 0);
		/* Nothing decrypted is left behind in out. */
		for (i = 0; i < 4096; i++)
			if (dec[i] != 0xee && dec[i] != 0)
				bad++;
		ATF_CHECK_MSG(bad == 0, "%zu decrypted bytes left in out",
		    bad);
	}
	esp_sa_free(sa);
	return (rc);
}

ATF_TC_WITHOUT_HEAD(bad_padding);
ATF_TC_BODY(bad_padding, tc)
{
	uint8_t pt[256], orig[256];
	size_t declen, i, n;
	int gcm;

	for (gcm = 0; gcm <= 1; gcm++) {
		size_t blk = gcm ? 4 : 16;

		/* Control: a well-formed payload of 26 bytes + pad. */
		n = mk_pkt(tmp, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 18,
		    1, 0) - 20;		/* 26 bytes of UDP */
		memcpy(pt, tmp + 20, n);
		memcpy(orig, tmp + 20, n);
		for (i = 0; (n + i + 2) % blk != 0; i++)
			pt[n + i] = (uint8_t)(i + 1);
		pt[n + i] = (uint8_t)i;
		pt[n + i + 1] = IPPROTO_UDP;
		ATF_REQUIRE_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt, n + i + 2,
		    &declen), 0);
		ATF_CHECK_EQ(declen, 20 + n);
		ATF_CHECK(memcmp(dec + 20, orig, n) == 0);
		/* A pad byte out of the 1, 2, 3 ... sequence. */
		if (i >= 2) {
			pt[n + 1] = 7;
			ATF_CHECK_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt,
			    n + i + 2, &declen), ESP_E_PAD);
			pt[n + 1] = 2;
		}
		/* Pad length claiming more than the payload. */
		pt[n + i] = (uint8_t)(n + i + 1);
		ATF_CHECK_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt, n + i + 2,
		    &declen), ESP_E_PAD);
		pt[n + i] = (uint8_t)(n + i);	/* all but the trailer */
		ATF_CHECK_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt, n + i + 2,
		    &declen), ESP_E_PAD);
		/*
		 * A correct pad of a block or more (RFC 4303 2.4 allows up
		 * to 255 bytes, to hide the length): accepted.
		 */
		for (i = 0; i < (gcm ? 16u : 20u) + 160u; i++)
			pt[n + i] = (uint8_t)(i + 1);
		pt[n + i] = (uint8_t)i;
		pt[n + i + 1] = IPPROTO_UDP;
		ATF_REQUIRE_EQ((n + i + 2) % blk, 0);
		ATF_CHECK_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt, n + i + 2,
		    &declen), 0);
		ATF_CHECK_EQ(declen, 20 + n);
		/* ... but one wrong byte in it is not. */
		pt[n + 100] ^= 0x01;
		ATF_CHECK_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt, n + i + 2,
		    &declen), ESP_E_PAD);
		/* Pad 15 is still fine (below a block). */
		if (!gcm) {
			n = 15;		/* 15 + 15 + 2 = 32 */
			memset(pt, 0x42, n);
			for (i = 0; i < 15; i++)
				pt[n + i] = (uint8_t)(i + 1);
			pt[n + 15] = 15;
			pt[n + 16] = 253;	/* experimental protocol */
			ATF_CHECK_EQ(hand_in(gcm, PFKEY_MODE_TRANSPORT, pt, 32,
			    &declen), 0);
			ATF_CHECK_EQ(declen, 20 + 15);
			ATF_CHECK_EQ(dec[9], 253);
		}
	}
}

ATF_TC_WITHOUT_HEAD(bad_next_header);
ATF_TC_BODY(bad_next_header, tc)
{
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct tsa t;
	uint8_t pt[512];
	size_t n, declen, outlen, off;

	/* Tunnel mode wants IPv4 (4) or IPv6 (41). */
	n = mk_pkt(pt, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 30, 2, 0);
	pt[n] = 1;
	pt[n + 1] = 2;
	pt[n + 2] = 2;
	pt[n + 3] = IPPROTO_UDP;
	ATF_CHECK_EQ(hand_in(true, PFKEY_MODE_TUNNEL, pt, n + 4, &declen),
	    ESP_E_NEXTHDR);
	/* 41 with an IPv4 packet inside. */
	pt[n + 3] = 41;
	ATF_CHECK_EQ(hand_in(true, PFKEY_MODE_TUNNEL, pt, n + 4, &declen),
	    ESP_E_NEXTHDR);
	/* 4 and an inner header claiming more than there is. */
	pt[n + 3] = 4;
	ATF_REQUIRE_EQ(hand_in(true, PFKEY_MODE_TUNNEL, pt, n + 4, &declen),
	    0);
	ATF_CHECK_EQ(declen, n);
	pt[3] += 8;
	ATF_CHECK_EQ(hand_in(true, PFKEY_MODE_TUNNEL, pt, n + 4, &declen),
	    ESP_E_PROTO);
	pt[3] -= 8;
	/* TFC padding after the inner packet is fine (RFC 4303 2.7). */
	memmove(pt + n + 20, pt + n, 4);
	memset(pt + n, 0, 20);
	ATF_CHECK_EQ(hand_in(true, PFKEY_MODE_TUNNEL, pt, n + 24, &declen),
	    0);
	ATF_CHECK_EQ(declen, n);
	/* Dummy packet (59): accepted, nothing delivered. */
	memset(pt, 0x33, 30);
	pt[30] = 0;
	pt[31] = 59;
	ATF_CHECK_EQ(hand_in(true, PFKEY_MODE_TUNNEL, pt, 32, &declen), 0);
	ATF_CHECK_EQ(declen, 0);
	ATF_CHECK_EQ(hand_in(false, PFKEY_MODE_TRANSPORT, pt, 32, &declen), 0);
	ATF_CHECK_EQ(declen, 0);

	/* A transport sender towards a tunnel receiver (same keys). */
	combo_tsa(&combos[13], &mixes[0], &t);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	t.mode = PFKEY_MODE_TUNNEL;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	n = mk_pkt(pkt, "192.0.2.1", "198.51.100.2", IPPROTO_TCP, 10, 3, 0);
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
	    &off), 0);
	ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec), &declen),
	    ESP_E_NEXTHDR);
	esp_sa_counters(rx, &c);
	ATF_CHECK_EQ(c.drop_nexthdr, 1);
	ATF_CHECK_EQ(c.in_packets, 0);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

ATF_TC_WITHOUT_HEAD(wrong_spi_and_key);
ATF_TC_BODY(wrong_spi_and_key, tc)
{
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct tsa t;
	size_t n, outlen, off, declen, ci;

	for (ci = 0; ci < nitems(combos); ci++) {
		combo_tsa(&combos[ci], &mixes[2], &t);
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		n = mk_pkt(pkt, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 64, 3, 0);
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
		    &off), 0);
		/* Another SPI. */
		t.spi++;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
		ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec),
		    &declen), ESP_E_SPI);
		esp_sa_counters(rx, &c);
		ATF_CHECK_EQ(c.drop_proto, 1);
		esp_sa_free(rx);
		/* The right SPI, another key: the negative control. */
		t.spi--;
		t.keyseed += 3;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
		if (combos[ci].aalg == PFKEY_AALG_NONE &&
		    combos[ci].ealg == PFKEY_EALG_AESCBC) {
			/* No integrity: garbage, caught (almost surely) by
			 * the padding or next header checks. */
			int rc = esp_input(rx, enc, outlen, dec, sizeof(dec),
			    &declen);

			ATF_CHECK(rc == ESP_E_PAD || rc == ESP_E_NEXTHDR ||
			    rc == ESP_E_PROTO);
		} else {
			ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec,
			    sizeof(dec), &declen), ESP_E_AUTH);
			esp_sa_counters(rx, &c);
			ATF_CHECK_EQ(c.drop_auth, 1);
		}
		ATF_CHECK_EQ(declen, 0);
		esp_sa_free(rx);
		esp_sa_free(tx);
	}
}

/* A defined result code. */
static bool
defined_rc(int rc)
{
	return (rc <= 0 && rc > ESP_E_MAX);
}

/* Set the IP length fields of pkt to its buffer length. */
static void
fix_len(uint8_t *p, size_t len)
{
	uint32_t s = 0;
	size_t i;

	if (p[0] >> 4 == 4 && len >= 20) {
		p[2] = (uint8_t)(len >> 8);
		p[3] = (uint8_t)len;
		p[10] = p[11] = 0;
		for (i = 0; i < 20; i += 2)
			s += (uint32_t)(p[i] << 8 | p[i + 1]);
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		p[10] = (uint8_t)(~s >> 8);
		p[11] = (uint8_t)~s;
	} else if (p[0] >> 4 == 6 && len >= 40) {
		p[4] = (uint8_t)((len - 40) >> 8);
		p[5] = (uint8_t)(len - 40);
	}
}

ATF_TC_WITHOUT_HEAD(truncation_and_bitflips);
ATF_TC_BODY(truncation_and_bitflips, tc)
{
	static const size_t pick[] = { 0, 3, 8, 11, 13, 16, 18 };
	static const size_t mix[] = { 2, 1, 5 };
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct tsa t;
	uint8_t cp[2048];
	size_t n, outlen, off, declen, k, mi, i, fails;
	int rc;

	for (k = 0; k < nitems(pick); k++) {
		for (mi = 0; mi < nitems(mix); mi++) {
			const struct combo *co = &combos[pick[k]];
			const struct mix *m = &mixes[mix[mi]];

			combo_tsa(co, m, &t);
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
			t.replay = 0;	/* independent attempts */
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
			n = mk_pkt(pkt, m->isrc, m->idst, IPPROTO_UDP, 45, 4,
			    0);
			ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
			    &outlen, &off), 0);
			/* Every truncation, raw and with the lengths fixed. */
			fails = 0;
			for (i = 0; i < outlen; i++) {
				memcpy(cp, enc, i);
				rc = esp_input(rx, cp, i, dec, sizeof(dec),
				    &declen);
				ATF_CHECK(rc != 0 && defined_rc(rc));
				ATF_CHECK_EQ(declen, 0);
				fix_len(cp, i);
				rc = esp_input(rx, cp, i, dec, sizeof(dec),
				    &declen);
				if (rc != 0)
					fails++;
				ATF_CHECK_MSG(rc != 0 && defined_rc(rc),
				    "%s %s: cut at %zu gives %d", co->name,
				    m->name, i, rc);
				ATF_CHECK_EQ(declen, 0);
			}
			ATF_CHECK_EQ(fails, outlen);
			/* Every byte, one bit flipped. */
			for (i = 0; i < outlen; i++) {
				memcpy(cp, enc, outlen);
				cp[i] ^= (uint8_t)(1 << (i % 8));
				rc = esp_input(rx, cp, outlen, dec,
				    sizeof(dec), &declen);
				ATF_CHECK(defined_rc(rc));
				if (i >= off) {
					/* ESP/AH itself: all covered. */
					ATF_CHECK_MSG(rc != 0,
					    "%s %s: flip at %zu accepted",
					    co->name, m->name, i);
				}
				if (rc != 0)
					ATF_CHECK_EQ(declen, 0);
				else
					ATF_CHECK(declen > 0);
			}
			/* The real packet still goes through. */
			ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec,
			    sizeof(dec), &declen), 0);
			ATF_CHECK_EQ(declen, n);
			esp_sa_counters(rx, &c);
			ATF_CHECK(c.drop_trunc > 0);
			ATF_CHECK(c.drop_auth > 0 || co->aalg ==
			    PFKEY_AALG_NONE);
			esp_sa_free(tx);
			esp_sa_free(rx);
		}
	}
}

/* Output refuses what it cannot protect. */
ATF_TC_WITHOUT_HEAD(output_errors);
ATF_TC_BODY(output_errors, tc)
{
	struct esp_sa *sa;
	struct esp_counters c;
	struct tsa t;
	size_t n, outlen, off;

	combo_tsa(&combos[3], &mixes[0], &t);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa), 0);
	n = mk_pkt(pkt, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 100, 1, 0);
	/* Too small an output buffer: nothing consumed. */
	ATF_CHECK_EQ(esp_output(sa, pkt, n, enc, n + 20, &outlen, &off),
	    ESP_E_SPACE);
	ATF_CHECK_EQ(outlen, 0);
	/* Truncated or malformed input. */
	ATF_CHECK_EQ(esp_output(sa, pkt, n - 1, enc, sizeof(enc), &outlen,
	    &off), ESP_E_TRUNC);
	ATF_CHECK_EQ(esp_output(sa, pkt, 10, enc, sizeof(enc), &outlen, &off),
	    ESP_E_TRUNC);
	pkt[0] = 0x35;
	ATF_CHECK_EQ(esp_output(sa, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_PROTO);
	pkt[0] = 0x45;
	/* A fragment in transport mode. */
	pkt[6] = 0x20;
	ATF_CHECK_EQ(esp_output(sa, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_PROTO);
	pkt[6] = 0x40;
	ATF_CHECK_EQ(esp_output(sa, pkt, n, enc, sizeof(enc), &outlen, &off),
	    0);
	ATF_CHECK(memcmp(enc + off + 4, "\x00\x00\x00\x01", 4) == 0);
	esp_sa_counters(sa, &c);
	ATF_CHECK_EQ(c.out_packets, 1);
	ATF_CHECK_EQ(c.drop_other, 1);
	ATF_CHECK_EQ(c.drop_trunc, 2);
	ATF_CHECK_EQ(c.drop_proto, 2);
	ATF_CHECK_EQ(esp_output(NULL, pkt, n, enc, sizeof(enc), &outlen,
	    &off), ESP_E_INVAL);
	esp_sa_free(sa);
}

/* ------------------------------------------------------------ lifetimes */

ATF_TC_WITHOUT_HEAD(lifetimes_bytes);
ATF_TC_BODY(lifetimes_bytes, tc)
{
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct tsa t;
	size_t n, outlen, off, declen, i;

	combo_tsa(&combos[13], &mixes[2], &t);
	t.soft_bytes = 1000;
	t.hard_bytes = 3000;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	n = mk_pkt(pkt, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 372, 1, 0);
	ATF_REQUIRE_EQ(n, 400);
	for (i = 1; i <= 8; i++) {
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		/* Soft at 1200 bytes (3rd), hard at 3200 (8th), once each. */
		ATF_CHECK_EQ_MSG(esp_sa_events(tx), i == 3 ? ESP_EV_SOFT :
		    i == 8 ? ESP_EV_HARD : 0, "packet %zu", i);
	}
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_EXPIRED);
	ATF_CHECK_EQ(outlen, 0);
	ATF_CHECK_EQ(esp_sa_events(tx), 0);
	esp_sa_counters(tx, &c);
	ATF_CHECK_EQ(c.out_packets, 8);
	ATF_CHECK_EQ(c.out_bytes, 3200);
	ATF_CHECK_EQ(c.drop_expired, 1);
	esp_sa_free(tx);

	/* Input counts the same way; a jump past both raises both. */
	t.soft_bytes = 100;
	t.hard_bytes = 300;
	t.replay = 64;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	t.hard_bytes = 0;
	t.soft_bytes = 0;
	t.soft_bytes = 300;
	t.hard_bytes = 1000;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    0);
	ATF_CHECK_EQ(esp_sa_events(tx), ESP_EV_SOFT | ESP_EV_HARD);
	ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec), &declen),
	    0);
	ATF_CHECK_EQ(esp_sa_events(rx), ESP_EV_SOFT);
	esp_sa_free(tx);
	t.hard_bytes = 0;
	t.soft_bytes = 0;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	esp_sa_set_oseq(tx, 1);
	for (i = 0; i < 3; i++) {
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		ATF_CHECK_EQ(esp_input(rx, enc, outlen, dec, sizeof(dec),
		    &declen), i < 2 ? 0 : ESP_E_EXPIRED);
	}
	ATF_CHECK_EQ(esp_sa_events(rx), ESP_EV_HARD);
	esp_sa_counters(rx, &c);
	ATF_CHECK_EQ(c.in_packets, 3);
	ATF_CHECK_EQ(c.in_bytes, 1200);
	ATF_CHECK_EQ(c.drop_expired, 1);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

ATF_TC_WITHOUT_HEAD(lifetimes_packets);
ATF_TC_BODY(lifetimes_packets, tc)
{
	struct esp_sa_opts o;
	struct esp_sa *tx;
	struct tsa t;
	size_t n, outlen, off, i;

	combo_tsa(&combos[16], &mixes[3], &t);
	memset(&o, 0, sizeof(o));
	o.soft_packets = 2;
	o.hard_packets = 4;
	ATF_REQUIRE_EQ(tsa_new(&t, &o, &tx), 0);
	n = mk_pkt(pkt, "fd00::1", "fd00::2", IPPROTO_UDP, 10, 1, 0);
	for (i = 1; i <= 4; i++) {
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		ATF_CHECK_EQ(esp_sa_events(tx), i == 2 ? ESP_EV_SOFT :
		    i == 4 ? ESP_EV_HARD : 0);
	}
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_EXPIRED);
	esp_sa_free(tx);
}

/* ---------------------------------------------------------------- ECN */

ATF_TC_WITHOUT_HEAD(tunnel_ecn_dscp_df);
ATF_TC_BODY(tunnel_ecn_dscp_df, tc)
{
	static const struct {
		uint8_t inner, outer_set, want;	/* ECN codepoints */
		int rc;
	} ecn[] = {
		{ 2, 3, 3, 0 },		/* ECT(0) + CE -> CE */
		{ 1, 3, 3, 0 },		/* ECT(1) + CE -> CE */
		{ 2, 1, 1, 0 },		/* ECT(0) + ECT(1) -> ECT(1) */
		{ 1, 2, 1, 0 },		/* ECT(1) + ECT(0) -> unchanged */
		{ 3, 0, 3, 0 },		/* CE stays */
		{ 0, 0, 0, 0 },
		{ 0, 3, 0, ESP_E_PROTO },	/* CE over Not-ECT: drop */
	};
	struct esp_sa_opts o;
	struct esp_sa *tx, *rx;
	struct tsa t;
	size_t n, outlen, off, declen, i;
	int v6in, v6out, rc;
	uint8_t got;

	for (v6out = 0; v6out <= 1; v6out++) {
		for (v6in = 0; v6in <= 1; v6in++) {
			combo_tsa(&combos[13], &mixes[v6out ? 4 : 2], &t);
			t.replay = 0;
			memset(&o, 0, sizeof(o));
			o.outer_ttl = 17;
			ATF_REQUIRE_EQ(tsa_new(&t, &o, &tx), 0);
			ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
			for (i = 0; i < nitems(ecn); i++) {
				n = mk_pkt(pkt, v6in ? "fd00::1" : "10.0.0.1",
				    v6in ? "fd00::2" : "10.0.0.2", IPPROTO_UDP,
				    20, 1, (uint8_t)(0xb8 | ecn[i].inner));
				ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc,
				    sizeof(enc), &outlen, &off), 0);
				if (v6out) {
					ATF_CHECK_EQ(enc[7], 17);
					got = (uint8_t)((enc[0] & 15) << 4 |
					    enc[1] >> 4);
					ATF_CHECK_EQ(got, 0xb8 | ecn[i].inner);
					ATF_CHECK_EQ(enc[1] & 15, 0);
					enc[1] = (uint8_t)((enc[1] & ~0x30) |
					    ecn[i].outer_set << 4);
				} else {
					ATF_CHECK_EQ(enc[8], 17);
					ATF_CHECK_EQ(enc[1], 0xb8 |
					    ecn[i].inner);
					/* DF from an IPv4 inner packet. */
					ATF_CHECK_EQ(enc[6] & 0x40,
					    v6in ? 0 : 0x40);
					enc[1] = (uint8_t)((enc[1] & ~3) |
					    ecn[i].outer_set);
				}
				rc = esp_input(rx, enc, outlen, dec,
				    sizeof(dec), &declen);
				ATF_CHECK_EQ_MSG(rc, ecn[i].rc, "case %zu", i);
				if (rc != 0)
					continue;
				ATF_CHECK_EQ(declen, n);
				got = v6in ? (uint8_t)((dec[0] & 15) << 4 |
				    dec[1] >> 4) : dec[1];
				ATF_CHECK_EQ_MSG(got, 0xb8 | ecn[i].want,
				    "case %zu: tos %02x", i, got);
				if (!v6in)
					ATF_CHECK(ip4_csum_ok(dec));
				ATF_CHECK(memcmp(dec + (v6in ? 2 : 2),
				    pkt + 2, v6in ? 6 : 8) == 0);
			}
			esp_sa_free(tx);
			esp_sa_free(rx);
		}
	}
}

/* ---------------------------------------------------------------- AH */

ATF_TC_WITHOUT_HEAD(ah_mutable_fields);
ATF_TC_BODY(ah_mutable_fields, tc)
{
	struct esp_sa *tx, *rx;
	struct tsa t;
	size_t n, outlen, off, declen;

	/* IPv6 transport with extension headers. */
	combo_tsa(&combos[18], &mixes[1], &t);
	t.replay = 0;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	n = mk_pkt6_ext(pkt, 33, 1);
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
	    &off), 0);
	ATF_CHECK_EQ(off, 80);
	/* AH with HMAC-SHA-256-128 over IPv6: 12 + 16 padded to 32. */
	ATF_CHECK_EQ(enc[81], 32 / 4 - 2);
	ATF_CHECK_EQ(outlen, n + 32);
	memcpy(tmp, enc, outlen);
	/* In transit: hop limit, class, flow label, a may-change option. */
	tmp[7] = 1;
	tmp[1] ^= 0xf3;
	tmp[3] ^= 0x55;
	tmp[52] = 0x12;
	ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec, sizeof(dec), &declen), 0);
	ATF_CHECK_EQ(declen, n);
	ATF_CHECK(memcmp(dec + 80, pkt + 80, n - 80) == 0);
	/* Not mutable: the router alert value, the routing header. */
	memcpy(tmp, enc, outlen);
	tmp[45] ^= 1;
	ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec, sizeof(dec), &declen),
	    ESP_E_AUTH);
	memcpy(tmp, enc, outlen);
	tmp[70] ^= 1;
	ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec, sizeof(dec), &declen),
	    ESP_E_AUTH);
	/* The ICV padding is covered too. */
	memcpy(tmp, enc, outlen);
	tmp[80 + 31] ^= 1;
	ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec, sizeof(dec), &declen),
	    ESP_E_AUTH);
	/* Segments left in a routing header: not predictable, refused. */
	pkt[59] = 1;
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_PROTO);
	esp_sa_free(tx);
	esp_sa_free(rx);

	/* IPv4 tunnel: TTL, TOS, flags, checksum may change; ID may not. */
	combo_tsa(&combos[20], &mixes[2], &t);
	t.replay = 0;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	n = mk_pkt(pkt, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 33, 1, 0);
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen,
	    &off), 0);
	ATF_CHECK_EQ(enc[9], IPPROTO_AH);
	ATF_CHECK_EQ(enc[21], (12 + 32) / 4 - 2);
	memcpy(tmp, enc, outlen);
	tmp[8] = 3;
	tmp[1] = 0x10;
	tmp[6] = 0x00;
	tmp[10] ^= 0xff;
	ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec, sizeof(dec), &declen), 0);
	ATF_CHECK(memcmp(dec, pkt, n) == 0);
	memcpy(tmp, enc, outlen);
	tmp[5] ^= 1;
	ATF_CHECK_EQ(esp_input(rx, tmp, outlen, dec, sizeof(dec), &declen),
	    ESP_E_AUTH);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

/* ------------------------------------------------------------ backends */

/*
 * Backend identity: every backend built in (esp_backend_available() and
 * a real ops table) must produce byte-identical packets for the same SA,
 * packet and sequence number, and read each other's packets.  With only
 * OpenSSL it compares two OpenSSL SAs; the Intel IPsec-MB backend is
 * covered as soon as it is built.
 */
ATF_TC_WITHOUT_HEAD(backend_identity);
ATF_TC_BODY(backend_identity, tc)
{
	static const uint8_t seed[16] = "fixed IV secret!";
	struct esp_sa_opts o;
	struct esp_sa *ref, *sa, *rx;
	struct tsa t;
	size_t ci, mi, bi, n, rlen, len, roff, off, declen, sizes, compared;
	size_t cmplen;
	static const size_t psz[] = { 0, 1, 64, 333, 1400 };

	compared = 0;
	for (ci = 0; ci < nitems(combos); ci++) {
		for (mi = 0; mi < nitems(mixes); mi++) {
			combo_tsa(&combos[ci], &mixes[mi], &t);
			t.replay = 0;
			memset(&o, 0, sizeof(o));
			o.iv_seed = seed;
			o.backend = ESP_BACKEND_OPENSSL;
			ATF_REQUIRE_EQ(tsa_new(&t, &o, &ref), 0);
			ATF_CHECK_EQ(esp_sa_backend(ref), ESP_BACKEND_OPENSSL);
			for (bi = 0; bi < nitems(all_backends); bi++) {
				if (!esp_backend_available(all_backends[bi]))
					continue;
				o.backend = all_backends[bi];
				if (tsa_new(&t, &o, &sa) != 0)
					continue;	/* not this algorithm */
				ATF_CHECK_EQ(esp_sa_backend(sa),
				    all_backends[bi]);
				ATF_REQUIRE_EQ(tsa_new(&t, &o, &rx), 0);
				for (sizes = 0; sizes < nitems(psz); sizes++) {
					n = mk_pkt(pkt, mixes[mi].isrc,
					    mixes[mi].idst, IPPROTO_UDP,
					    psz[sizes], 5, 0x02);
					esp_sa_set_oseq(ref, 99 + sizes);
					esp_sa_set_oseq(sa, 99 + sizes);
					ATF_REQUIRE_EQ(esp_output(ref, pkt, n,
					    enc, sizeof(enc), &rlen, &roff), 0);
					ATF_REQUIRE_EQ(esp_output(sa, pkt, n,
					    tmp, sizeof(tmp), &len, &off), 0);
					/* From ESP/AH on (the outer IPv4 ID
					 * differs per SA). */
					ATF_CHECK_EQ(len, rlen);
					ATF_CHECK_EQ(off, roff);
					/* AH covers the outer IPv4 ID: only
					 * up to the ICV there. */
					cmplen = len - off;
					if (combos[ci].satype ==
					    PFKEY_SATYPE_AH && enc[0] == 0x45)
						cmplen = 12;
					ATF_CHECK_MSG(len == rlen &&
					    memcmp(enc + roff, tmp + off,
					    cmplen) == 0, "%s %s %s: "
					    "differs from openssl",
					    esp_backend_name(all_backends[bi]),
					    combos[ci].name, mixes[mi].name);
					compared++;
					/* Cross: each reads the other's. */
					ATF_CHECK_EQ(esp_input(rx, enc, rlen,
					    dec, sizeof(dec), &declen), 0);
					ATF_CHECK(declen == n &&
					    memcmp(dec, pkt, n) == 0);
					ATF_CHECK_EQ(esp_input(ref, tmp, len,
					    dec, sizeof(dec), &declen), 0);
					ATF_CHECK(declen == n &&
					    memcmp(dec, pkt, n) == 0);
				}
				esp_sa_free(rx);
				esp_sa_free(sa);
			}
			esp_sa_free(ref);
		}
	}
	ATF_CHECK(compared >= nitems(combos) * nitems(mixes) * nitems(psz));
	/* Without iv_seed two CBC SAs draw different IV secrets. */
	combo_tsa(&combos[3], &mixes[0], &t);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &ref), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa), 0);
	n = mk_pkt(pkt, "192.0.2.1", "198.51.100.2", IPPROTO_UDP, 20, 1, 0);
	ATF_REQUIRE_EQ(esp_output(ref, pkt, n, enc, sizeof(enc), &rlen,
	    &roff), 0);
	ATF_REQUIRE_EQ(esp_output(sa, pkt, n, tmp, sizeof(tmp), &len, &off),
	    0);
	ATF_CHECK(memcmp(enc + roff + 8, tmp + off + 8, 16) != 0);
	esp_sa_free(ref);
	esp_sa_free(sa);
}

ATF_TC_WITHOUT_HEAD(backend_selection);
ATF_TC_BODY(backend_selection, tc)
{
	struct esp_sa_opts o;
	struct esp_sa *sa;
	struct tsa t;
	enum esp_backend b;

	ATF_CHECK(esp_backend_available(ESP_BACKEND_OPENSSL));
	ATF_CHECK(esp_backend_available(ESP_BACKEND_AUTO));
	ATF_CHECK_STREQ(esp_backend_name(ESP_BACKEND_OPENSSL), "openssl");
	ATF_CHECK_STREQ(esp_backend_name(ESP_BACKEND_IPSECMB), "ipsec-mb");
	ATF_CHECK_EQ(esp_backend_available(ESP_BACKEND_IPSECMB),
	    esp_crypto_backend(ESP_BACKEND_IPSECMB) != NULL);
	combo_tsa(&combos[13], &mixes[0], &t);
	memset(&o, 0, sizeof(o));
	ATF_REQUIRE_EQ(tsa_new(&t, &o, &sa), 0);
	b = esp_sa_backend(sa);
	ATF_CHECK(b == ESP_BACKEND_OPENSSL || b == ESP_BACKEND_IPSECMB);
	ATF_CHECK(esp_backend_available(b));
	esp_sa_free(sa);
	o.backend = ESP_BACKEND_IPSECMB;
	if (!esp_backend_available(ESP_BACKEND_IPSECMB))
		ATF_CHECK_EQ(tsa_new(&t, &o, &sa), ESP_E_ALG);
	o.backend = (enum esp_backend)7;
	ATF_CHECK_EQ(tsa_new(&t, &o, &sa), ESP_E_INVAL);
}

/* --------------------------------------------------------------- threads */

#define NTHREADS	4
#define PER_THREAD	1500

struct thr {
	struct esp_sa	*sa;
	uint8_t		(*pkts)[256];
	size_t		*lens;
	const size_t	*order;		/* input: packet indexes in seq order */
	size_t		 base;
	size_t		 count;
	size_t		 ok;
	size_t		 replays;
	size_t		 other;
};

static void *
out_thread(void *arg)
{
	struct thr *th = arg;
	uint8_t p[128];
	size_t n, i, off;

	n = mk_pkt(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 60, 1, 0);
	for (i = 0; i < th->count; i++) {
		if (esp_output(th->sa, p, n, th->pkts[th->base + i], 256,
		    &th->lens[th->base + i], &off) == 0)
			th->ok++;
		else
			th->other++;
	}
	return (NULL);
}

static void *
in_thread(void *arg)
{
	struct thr *th = arg;
	uint8_t d[256];
	size_t i, dl;
	int rc;

	for (i = 0; i < th->count; i++) {
		rc = esp_input(th->sa, th->pkts[th->order[i]],
		    th->lens[th->order[i]], d, sizeof(d), &dl);
		if (rc == 0)
			th->ok++;
		else if (rc == ESP_E_REPLAY)
			th->replays++;
		else
			th->other++;
	}
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(threads);
ATF_TC_BODY(threads, tc)
{
	static const size_t cs[] = { 13, 3 };	/* gcm16, cbc/sha256 */
	static uint8_t pkts[NTHREADS * PER_THREAD][256];
	static size_t lens[NTHREADS * PER_THREAD];
	static uint8_t seen[NTHREADS * PER_THREAD + 1];
	static size_t order[NTHREADS * PER_THREAD];
	struct esp_sa_opts o;
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct thr th[NTHREADS];
	pthread_t tid[NTHREADS];
	struct tsa t;
	size_t i, k, total, seq, dl;

	for (k = 0; k < nitems(cs); k++) {
		combo_tsa(&combos[cs[k]], &mixes[2], &t);
		t.replay = 4096;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		memset(th, 0, sizeof(th));
		for (i = 0; i < NTHREADS; i++) {
			th[i].sa = tx;
			th[i].pkts = pkts;
			th[i].lens = lens;
			th[i].base = i * PER_THREAD;
			th[i].count = PER_THREAD;
			ATF_REQUIRE(pthread_create(&tid[i], NULL, out_thread,
			    &th[i]) == 0);
		}
		for (i = 0; i < NTHREADS; i++)
			ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
		/* Every sequence number used exactly once. */
		memset(seen, 0, sizeof(seen));
		total = NTHREADS * PER_THREAD;
		for (i = 0; i < total; i++) {
			ATF_REQUIRE(th[i / PER_THREAD].ok == PER_THREAD);
			seq = be32(pkts[i] + 24);
			ATF_REQUIRE(seq >= 1 && seq <= total);
			ATF_CHECK_MSG(seen[seq] == 0, "seq %zu twice", seq);
			seen[seq] = 1;
			order[seq - 1] = i;
		}
		/* Two threads feed the same packets to a locked SA: each is
		 * delivered once, the copies are replays. */
		memset(&o, 0, sizeof(o));
		o.locked = true;
		ATF_REQUIRE_EQ(tsa_new(&t, &o, &rx), 0);
		memset(th, 0, sizeof(th));
		for (i = 0; i < 2; i++) {
			th[i].sa = rx;
			th[i].pkts = pkts;
			th[i].lens = lens;
			th[i].order = order;
			th[i].count = total;
			ATF_REQUIRE(pthread_create(&tid[i], NULL, in_thread,
			    &th[i]) == 0);
		}
		for (i = 0; i < 2; i++)
			ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
		ATF_CHECK_EQ(th[0].other + th[1].other, 0);
		ATF_CHECK_EQ(th[0].ok + th[1].ok, total);
		ATF_CHECK_EQ(th[0].replays + th[1].replays, total);
		/* Counted under the lock: none lost to the two writers. */
		esp_sa_counters(rx, &c);
		ATF_CHECK_EQ(c.in_packets, total);
		ATF_CHECK_EQ(c.in_bytes, total * 88);	/* 20 + 8 + 60 */
		ATF_CHECK_EQ(c.drop_replay, total);
		esp_sa_counters(tx, &c);
		ATF_CHECK_EQ(c.out_packets, total);
		ATF_CHECK_EQ(c.out_bytes, total * 88);
		/* And in order, a fresh SA takes every one. */
		esp_sa_free(rx);
		t.replay = 0;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
		for (i = 0; i < total; i++)
			ATF_CHECK_EQ(esp_input(rx, pkts[i], lens[i], dec,
			    sizeof(dec), &dl), 0);
		esp_sa_free(rx);
		esp_sa_free(tx);
	}
}


/* ------------------------------------------------------------- in place */

static uint8_t ibuf[BUFSZ];

#define CANARY		0xa5

/*
 * The packet p (n bytes) through esp_output() and then, at the same
 * sequence number, esp_output_inplace() with the inner packet behind
 * `extra' bytes more than the SA's headroom and as much beyond its
 * tailroom: the same bytes, nothing written outside the packet.  Leaves
 * esp_output()'s packet in enc; returns its length.
 */
static size_t
inplace_out(struct esp_sa *tx, const char *what, const uint8_t *p,
    size_t n, size_t extra)
{
	size_t outlen, off, hr, tr, cap, at, po, pl, eo, i, bad;
	uint64_t last, again;
	int rc;

	esp_sa_seq(tx, &last, NULL);
	rc = esp_output(tx, p, n, enc, sizeof(enc), &outlen, &off);
	ATF_REQUIRE_MSG(rc == 0, "%s len %zu: esp_output: %s", what, n,
	    esp_strerror(rc));
	esp_sa_set_oseq(tx, last);
	hr = esp_sa_headroom(tx);
	tr = esp_sa_tailroom(tx);
	ATF_CHECK_MSG(hr + tr <= esp_sa_overhead(tx), "%s: room %zu + %zu "
	    "> overhead %zu", what, hr, tr, esp_sa_overhead(tx));
	at = extra + hr;
	cap = at + n + tr + extra;
	ATF_REQUIRE(cap + 64 <= sizeof(ibuf));
	memset(ibuf, CANARY, cap + 64);
	memcpy(ibuf + at, p, n);
	rc = esp_output_inplace(tx, ibuf, cap, at, n, &po, &pl, &eo);
	ATF_REQUIRE_MSG(rc == 0, "%s len %zu: esp_output_inplace: %s", what,
	    n, esp_strerror(rc));
	esp_sa_seq(tx, &again, NULL);
	ATF_CHECK_EQ_MSG(again, last + 1, "%s: sequence number", what);
	ATF_CHECK_EQ_MSG(pl, outlen, "%s len %zu: %zu bytes, not %zu", what,
	    n, pl, outlen);
	ATF_REQUIRE(po <= at && po + pl <= cap);
	ATF_CHECK_MSG(memcmp(ibuf + po, enc, outlen) == 0,
	    "%s len %zu: other bytes than esp_output()'s", what, n);
	ATF_CHECK_EQ_MSG(eo, po + off, "%s: ESP offset", what);
	for (i = 0, bad = 0; i < po; i++)
		if (ibuf[i] != CANARY)
			bad++;
	for (i = po + pl; i < cap + 64; i++)
		if (ibuf[i] != CANARY)
			bad++;
	ATF_CHECK_MSG(bad == 0, "%s len %zu: %zu bytes written outside the "
	    "packet", what, n, bad);
	return (outlen);
}

/*
 * enc (len bytes, made from p, n bytes) through esp_input() on rx and
 * esp_input_inplace() on rxip: the same packet, p; and through
 * esp_input_inplace() on `wrong' (the same SA with another key):
 * refused, or at least not p, and no plaintext left in the buffer.
 */
static void
inplace_in(struct esp_sa *rx, struct esp_sa *rxip, struct esp_sa *wrong,
    const char *what, size_t len, const uint8_t *p, size_t n, size_t hl,
    bool secret, bool exact)
{
	size_t declen, io, il;
	int rc;

	rc = esp_input(rx, enc, len, dec, sizeof(dec), &declen);
	ATF_REQUIRE_MSG(rc == 0, "%s len %zu: esp_input: %s", what, n,
	    esp_strerror(rc));
	ATF_CHECK_EQ(declen, n);
	/* Transport over NAT-T repairs the checksum (0 for UDP over v4). */
	ATF_CHECK_MSG(exact ? memcmp(dec, p, n) == 0 :
	    memcmp(dec, p, hl + 6) == 0 && memcmp(dec + hl + 8, p + hl + 8,
	    n - hl - 8) == 0, "%s len %zu: esp_input differs", what, n);
	memcpy(ibuf, enc, len);
	io = il = 12345;
	rc = esp_input_inplace(rxip, ibuf, len, &io, &il);
	ATF_REQUIRE_MSG(rc == 0, "%s len %zu: esp_input_inplace: %s", what,
	    n, esp_strerror(rc));
	ATF_CHECK_EQ_MSG(il, declen, "%s len %zu: length", what, n);
	ATF_REQUIRE(io + il <= len);
	ATF_CHECK_MSG(memcmp(ibuf + io, dec, declen) == 0,
	    "%s len %zu: esp_input_inplace differs", what, n);
	/* Negative control: another key. */
	memcpy(ibuf, enc, len);
	io = il = 12345;
	rc = esp_input_inplace(wrong, ibuf, len, &io, &il);
	ATF_CHECK_MSG(rc != 0 || memcmp(ibuf + io, p, n) != 0,
	    "%s len %zu: opened with another key", what, n);
	if (rc != 0) {
		ATF_CHECK(io == 0 && il == 0);
		if (secret && n - hl >= 24)
			ATF_CHECK_MSG(!contains(ibuf, len, p + hl + 8, 16),
			    "%s len %zu: plaintext left after %s", what, n,
			    esp_strerror(rc));
	}
}

/* One SA set-up through both paths on one backend, a few packet sizes. */
static void
inplace_sa_backend(const struct tsa *t0, const struct esp_sa_opts *o,
    const char *what, const char *isrc, const char *idst)
{
	static const size_t sizes[] = { 0, 1, 17, 100, 1400 };
	struct esp_sa *tx, *rx, *rxip, *wrong;
	struct tsa t = *t0;
	size_t si, n, hl, len, extra;
	bool secret, exact;
	int rc;

	if ((rc = tsa_new(&t, o, &tx)) == ESP_E_ALG)
		return;		/* not on this backend */
	ATF_REQUIRE_EQ_MSG(rc, 0, "%s: %s", what, esp_strerror(rc));
	ATF_REQUIRE_EQ(tsa_new(&t, o, &rx), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, o, &rxip), 0);
	t.keyseed += 3;		/* same key sizes, other bytes */
	ATF_REQUIRE_EQ(tsa_new(&t, o, &wrong), 0);
	secret = t.satype != PFKEY_SATYPE_AH && t.ealg != PFKEY_EALG_NULL;
	exact = !(t.natt && t.mode != PFKEY_MODE_TUNNEL);
	for (si = 0; si < nitems(sizes); si++) {
		n = mk_pkt(pkt, isrc, idst, si & 1 ? IPPROTO_TCP :
		    IPPROTO_UDP, sizes[si], (uint8_t)(si + 40), 0);
		hl = pkt[0] >> 4 == 4 ? 20 : 40;
		for (extra = 0; extra <= 5; extra += 5) {
			len = inplace_out(tx, what, pkt, n, extra);
			inplace_in(rx, rxip, wrong, what, len, pkt, n, hl,
			    secret, exact);
		}
	}
	if (t.mode == PFKEY_MODE_TRANSPORT && strchr(isrc, ':') != NULL) {
		/* Extension headers in front of ESP/AH move too. */
		n = mk_pkt6_ext(pkt, 50, 9);
		len = inplace_out(tx, what, pkt, n, 3);
		inplace_in(rx, rxip, wrong, what, len, pkt, n, 80, secret,
		    exact);
	}
	esp_sa_free(tx);
	esp_sa_free(rx);
	esp_sa_free(rxip);
	esp_sa_free(wrong);
}

/* The same on each backend that takes the SA. */
static void
inplace_sa(const struct tsa *t0, const struct esp_sa_opts *o0,
    const char *what0, const char *isrc, const char *idst)
{
	struct esp_sa_opts o;
	char what[128];
	size_t b;

	for (b = 0; b < nitems(all_backends); b++) {
		if (!esp_backend_available(all_backends[b]))
			continue;
		if (o0 != NULL)
			o = *o0;
		else
			memset(&o, 0, sizeof(o));
		o.backend = all_backends[b];
		snprintf(what, sizeof(what), "%s (%s)", what0,
		    esp_backend_name(all_backends[b]));
		inplace_sa_backend(t0, &o, what, isrc, idst);
	}
}

ATF_TC_WITHOUT_HEAD(inplace_same_bytes);
ATF_TC_BODY(inplace_same_bytes, tc)
{
	static const size_t esns[] = { 3, 13, 16, 18 };
	struct esp_sa_opts o;
	struct tsa t;
	char what[96];
	size_t ci, mi, i;
	int v6, tunnel;

	/* Every algorithm, every mode and family mix. */
	for (ci = 0; ci < nitems(combos); ci++)
		for (mi = 0; mi < nitems(mixes); mi++) {
			combo_tsa(&combos[ci], &mixes[mi], &t);
			snprintf(what, sizeof(what), "%s %s", combos[ci].name,
			    mixes[mi].name);
			inplace_sa(&t, NULL, what, mixes[mi].isrc,
			    mixes[mi].idst);
		}
	/* ESN, around the 2^32 boundary. */
	for (i = 0; i < nitems(esns); i++) {
		combo_tsa(&combos[esns[i]], &mixes[5], &t);
		t.esn = true;
		snprintf(what, sizeof(what), "%s esn", combos[esns[i]].name);
		inplace_sa(&t, NULL, what, mixes[5].isrc, mixes[5].idst);
	}
	/* NAT-T: the UDP header (and its checksum over IPv6). */
	for (v6 = 0; v6 <= 1; v6++)
		for (tunnel = 0; tunnel <= 1; tunnel++) {
			combo_tsa(&combos[tunnel ? 13 : 6], &mixes[v6 ? 1 : 0],
			    &t);
			t.natt = true;
			t.sport = 4500;
			t.dport = 4501;
			t.mode = tunnel ? PFKEY_MODE_TUNNEL :
			    PFKEY_MODE_TRANSPORT;
			t.src = v6 ? "2001:db8::1" : "192.0.2.1";
			t.dst = v6 ? "2001:db8::2" : "198.51.100.2";
			snprintf(what, sizeof(what), "natt v%d %s", v6 ? 6 : 4,
			    tunnel ? "tunnel" : "transport");
			inplace_sa(&t, NULL, what, v6 ? "2001:db8::1" :
			    "192.0.2.1", v6 ? "2001:db8::2" : "198.51.100.2");
		}
	/* TFC padding: the tailroom includes it. */
	memset(&o, 0, sizeof(o));
	o.tfc_pad = 300;
	for (i = 0; i < 2; i++) {
		combo_tsa(&combos[i == 0 ? 16 : 3], &mixes[3], &t);
		snprintf(what, sizeof(what), "%s tfc",
		    combos[i == 0 ? 16 : 3].name);
		inplace_sa(&t, &o, what, mixes[3].isrc, mixes[3].idst);
	}
}

/* The room in-place output needs, and its argument checks. */
ATF_TC_WITHOUT_HEAD(inplace_room);
ATF_TC_BODY(inplace_room, tc)
{
	static const struct {
		size_t combo, mix;
	} cases[] = {
		{ 13, 2 }, { 13, 5 }, { 3, 1 }, { 16, 3 }, { 18, 0 },
		{ 20, 4 }, { 7, 0 },
	};
	struct esp_sa *tx;
	struct tsa t;
	size_t k, n, hr, tr, at, cap, po, pl, outlen, off, front, tail;
	uint64_t last, again;
	int rc;

	for (k = 0; k < nitems(cases); k++) {
		combo_tsa(&combos[cases[k].combo], &mixes[cases[k].mix], &t);
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		n = mk_pkt(pkt, mixes[cases[k].mix].isrc,
		    mixes[cases[k].mix].idst, IPPROTO_UDP, 33, 3, 0);
		esp_sa_seq(tx, &last, NULL);
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		esp_sa_set_oseq(tx, last);
		hr = esp_sa_headroom(tx);
		tr = esp_sa_tailroom(tx);
		/* What this packet needs, in front and behind. */
		at = hr;
		cap = hr + n + tr;
		memcpy(ibuf + at, pkt, n);
		ATF_REQUIRE_EQ(esp_output_inplace(tx, ibuf, cap, at, n, &po,
		    &pl, NULL), 0);
		front = at - po;
		tail = po + pl - (at + n);
		ATF_CHECK(front <= hr && tail <= tr);
		ATF_CHECK_EQ(pl, outlen);
		esp_sa_set_oseq(tx, last);
		/* Exactly that much room is enough... */
		memcpy(ibuf + front, pkt, n);
		ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, front + n + tail,
		    front, n, &po, &pl, NULL), 0);
		ATF_CHECK_EQ(po, 0);
		ATF_CHECK(memcmp(ibuf, enc, outlen) == 0);
		esp_sa_set_oseq(tx, last);
		/* ...one byte less on either side is not, and changes
		 * nothing: same buffer, no sequence number taken. */
		memcpy(ibuf + front - 1, pkt, n);
		memcpy(tmp, ibuf, front - 1 + n + tail);
		rc = esp_output_inplace(tx, ibuf, front - 1 + n + tail,
		    front - 1, n, &po, &pl, NULL);
		ATF_CHECK_EQ(rc, ESP_E_SPACE);
		ATF_CHECK_EQ(pl, 0);
		memcpy(ibuf + front, pkt, n);
		memcpy(tmp, ibuf, front + n + tail - 1);
		rc = esp_output_inplace(tx, ibuf, front + n + tail - 1, front,
		    n, &po, &pl, NULL);
		/* AH adds nothing behind: then the packet itself is cut. */
		ATF_CHECK_EQ_MSG(rc, tail > 0 ? ESP_E_SPACE : ESP_E_INVAL,
		    "case %zu: %s", k, esp_strerror(rc));
		ATF_CHECK_EQ(pl, 0);
		ATF_CHECK(memcmp(tmp, ibuf, front + n + tail - 1) == 0);
		esp_sa_seq(tx, &again, NULL);
		ATF_CHECK_EQ(again, last);
		/* Arguments. */
		ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, 10, 11, 0, &po, &pl,
		    NULL), ESP_E_INVAL);
		ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, cap, at, cap - at +
		    1, &po, &pl, NULL), ESP_E_INVAL);
		ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, cap, at, n, NULL,
		    &pl, NULL), ESP_E_INVAL);
		ATF_CHECK_EQ(esp_output_inplace(NULL, ibuf, cap, at, n, &po,
		    &pl, NULL), ESP_E_INVAL);
		/* A packet shorter than its header says. */
		memcpy(ibuf + at, pkt, n);
		ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, cap, at, n - 1, &po,
		    &pl, NULL), ESP_E_TRUNC);
		/* In-place input's arguments. */
		ATF_CHECK_EQ(esp_input_inplace(tx, NULL, 10, &po, &pl),
		    ESP_E_INVAL);
		ATF_CHECK_EQ(esp_input_inplace(tx, ibuf, 10, NULL, &pl),
		    ESP_E_INVAL);
		ATF_CHECK_EQ(esp_input_inplace(tx, ibuf, 10, &po, NULL),
		    ESP_E_INVAL);
		esp_sa_free(tx);
	}
	ATF_CHECK_EQ(esp_input_inplace(NULL, ibuf, 10, &po, &pl),
	    ESP_E_INVAL);

	/*
	 * AH over IPv4 with a malformed option (a source route too short
	 * to hold an address): refused before anything is touched.
	 */
	combo_tsa(&combos[18], &mixes[0], &t);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	n = mk_pkt(tmp, mixes[0].isrc, mixes[0].idst, IPPROTO_UDP, 40, 3, 0);
	memcpy(pkt, tmp, 20);
	memcpy(pkt + 20, "\x83\x03\x00\x00", 4);
	memcpy(pkt + 24, tmp + 20, n - 20);
	pkt[0] = 0x46;
	n += 4;
	pkt[2] = (uint8_t)(n >> 8);
	pkt[3] = (uint8_t)n;
	hr = esp_sa_headroom(tx);
	cap = hr + n + esp_sa_tailroom(tx);
	memcpy(ibuf + hr, pkt, n);
	memcpy(tmp, ibuf, cap);
	esp_sa_seq(tx, &last, NULL);
	ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, cap, hr, n, &po, &pl, NULL),
	    ESP_E_PROTO);
	ATF_CHECK(memcmp(tmp, ibuf, cap) == 0);
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_PROTO);
	esp_sa_seq(tx, &again, NULL);
	ATF_CHECK_EQ(again, last);
	/* Negative control: the option made well-formed (no-ops). */
	memcpy(pkt + 20, "\x01\x01\x01\x00", 4);
	memcpy(ibuf + hr, pkt, n);
	ATF_CHECK_EQ(esp_output_inplace(tx, ibuf, cap, hr, n, &po, &pl, NULL),
	    0);
	esp_sa_free(tx);
}

/* In-place input of malformed packets: refused, nothing delivered. */
ATF_TC_WITHOUT_HEAD(inplace_malformed);
ATF_TC_BODY(inplace_malformed, tc)
{
	struct esp_sa *tx, *rx;
	struct esp_counters c;
	struct tsa t;
	size_t n, len, off, io, il, cut, drops;
	int rc;

	combo_tsa(&combos[13], &mixes[0], &t);
	t.replay = 0;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &rx), 0);
	n = mk_pkt(pkt, mixes[0].isrc, mixes[0].idst, IPPROTO_UDP, 64, 2, 0);
	ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &len, &off),
	    0);
	drops = 0;
	for (cut = 0; cut < len; cut++) {
		memcpy(ibuf, enc, len);
		/* The IP length field follows the cut: ESP itself short. */
		ibuf[2] = (uint8_t)(cut >> 8);
		ibuf[3] = (uint8_t)cut;
		io = il = 99;
		rc = esp_input_inplace(rx, ibuf, cut, &io, &il);
		ATF_CHECK_MSG(rc != 0, "cut at %zu taken", cut);
		ATF_CHECK(io == 0 && il == 0);
		drops++;
	}
	/* Every bit of the ESP part flipped in turn. */
	for (cut = off; cut < len; cut++) {
		memcpy(ibuf, enc, len);
		ibuf[cut] ^= 0x10;
		rc = esp_input_inplace(rx, ibuf, len, &io, &il);
		ATF_CHECK_MSG(rc == ESP_E_AUTH || rc == ESP_E_SPI,
		    "byte %zu flipped: %s", cut, esp_strerror(rc));
		ATF_CHECK(il == 0);
		drops++;
	}
	memcpy(ibuf, enc, len);
	ATF_CHECK_EQ(esp_input_inplace(rx, ibuf, len, &io, &il), 0);
	ATF_CHECK_EQ(il, n);
	esp_sa_counters(rx, &c);
	ATF_CHECK_EQ(c.in_packets, 1);
	ATF_CHECK_EQ(c.drop_trunc + c.drop_proto + c.drop_auth, drops);
	esp_sa_free(tx);
	esp_sa_free(rx);
}

/* ------------------------------------------------- counters and threads */

struct lthr {
	struct esp_sa	*sa;
	size_t		 size;		/* inner payload bytes */
	size_t		 max;		/* packets at most, 0: until refused */
	size_t		 ok;
	uint64_t	 bytes;
	size_t		 expired;
	size_t		 seqovf;
	size_t		 other;
	unsigned	 soft, hard;	/* events seen */
	uint64_t	*seqs;		/* ESN: from the IV, else the wire */
};

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

/* n packets of growing size through sa on this thread, counted. */
static void
n_out(struct esp_sa *sa, size_t count, size_t *ok, uint64_t *bytes)
{
	size_t i, n, outlen, off;

	for (i = 0; i < count; i++) {
		n = mk_pkt(pkt, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, i, 1, 0);
		ATF_REQUIRE_EQ(esp_output(sa, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		(*ok)++;
		*bytes += n;
	}
}

/* Output until the SA refuses (or max packets); collect the events. */
#define LT_CAP		20000
static void *
lt_thread(void *arg)
{
	struct lthr *th = arg;
	uint8_t p[2048], o[2200];
	size_t n, len, off;
	unsigned ev;
	int rc;

	n = mk_pkt(p, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, th->size, 5, 0);
	for (;;) {
		rc = esp_output(th->sa, p, n, o, sizeof(o), &len, &off);
		if (rc == 0) {
			if (th->seqs != NULL)
				th->seqs[th->ok] = (uint64_t)be32(o + off +
				    8) << 32 | be32(o + off + 12);
			th->ok++;
			th->bytes += n;
		} else if (rc == ESP_E_EXPIRED)
			th->expired++;
		else if (rc == ESP_E_SEQOVF)
			th->seqovf++;
		else
			th->other++;
		ev = esp_sa_events(th->sa);
		th->soft += (ev & ESP_EV_SOFT) != 0;
		th->hard += (ev & ESP_EV_HARD) != 0;
		if (rc != 0 || (th->max != 0 && th->ok == th->max))
			break;
		if (th->ok == LT_CAP) {
			/* Never refused: the lifetime went unnoticed. */
			th->other++;
			break;
		}
	}
	return (NULL);
}

/*
 * Byte lifetimes with several threads sending on one SA: the soft and
 * the hard event once each, the hard limit stopping every thread within
 * a packet or two of it, the counters exact.  More threads than the
 * engine has counter slots share its last one.
 */
ATF_TC_WITHOUT_HEAD(lifetimes_threads);
ATF_TC_BODY(lifetimes_threads, tc)
{
	static const size_t nthr[] = { 1, 3, 24 };
	struct lthr th[24];
	pthread_t tid[24];
	struct esp_counters c;
	struct esp_sa *tx;
	struct tsa t;
	size_t k, i, ok, expired, soft, hard, size = 1372, n, outlen, off;
	uint64_t bytes;
	unsigned ev;

	for (k = 0; k < nitems(nthr); k++) {
		combo_tsa(&combos[13], &mixes[2], &t);
		/* Past what the per-thread counts may hold unpublished. */
		t.soft_bytes = 3000000;
		t.hard_bytes = 7000000;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		memset(th, 0, sizeof(th));
		for (i = 0; i < nthr[k]; i++) {
			th[i].sa = tx;
			th[i].size = size;
			ATF_REQUIRE(pthread_create(&tid[i], NULL, lt_thread,
			    &th[i]) == 0);
		}
		ok = expired = soft = hard = 0;
		bytes = 0;
		for (i = 0; i < nthr[k]; i++) {
			ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
			ok += th[i].ok;
			bytes += th[i].bytes;
			expired += th[i].expired;
			soft += th[i].soft;
			hard += th[i].hard;
			ATF_CHECK_EQ(th[i].other + th[i].seqovf, 0);
		}
		soft += (esp_sa_events(tx) & ESP_EV_SOFT) != 0;
		ATF_CHECK_EQ_MSG(soft, 1, "%zu threads: soft event %zu times",
		    nthr[k], soft);
		ATF_CHECK_EQ_MSG(hard, 1, "%zu threads: hard event %zu times",
		    nthr[k], hard);
		ATF_CHECK_EQ(expired, nthr[k]);
		ATF_CHECK_MSG(bytes >= t.hard_bytes, "%zu threads: stopped at "
		    "%ju bytes", nthr[k], (uintmax_t)bytes);
		/* Each thread has at most one packet in flight past it. */
		ATF_CHECK_MSG(bytes < t.hard_bytes + 2 * nthr[k] * (size + 28),
		    "%zu threads: %ju bytes went out past %ju", nthr[k],
		    (uintmax_t)bytes, (uintmax_t)t.hard_bytes);
		esp_sa_counters(tx, &c);
		ATF_CHECK_EQ(c.out_packets, ok);
		ATF_CHECK_EQ(c.out_bytes, bytes);
		ATF_CHECK_EQ(c.drop_expired, expired);
		esp_sa_free(tx);
	}

	/*
	 * One thread: the events come with exactly the packet that
	 * crosses each limit, the far one as the near one.
	 */
	combo_tsa(&combos[13], &mixes[2], &t);
	t.soft_bytes = 2500000;
	t.hard_bytes = 5000000;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
	n = mk_pkt(pkt, "10.0.0.1", "10.0.0.2", IPPROTO_UDP, 972, 5, 0);
	ATF_REQUIRE_EQ(n, 1000);
	for (i = 1; i <= 5000; i++) {
		ATF_REQUIRE_EQ(esp_output(tx, pkt, n, enc, sizeof(enc),
		    &outlen, &off), 0);
		ev = esp_sa_events(tx);
		if (ev != (i == 2500 ? ESP_EV_SOFT : i == 5000 ?
		    ESP_EV_HARD : 0U))
			ATF_CHECK_MSG(false, "packet %zu: events %#x", i, ev);
	}
	ATF_CHECK_EQ(esp_output(tx, pkt, n, enc, sizeof(enc), &outlen, &off),
	    ESP_E_EXPIRED);
	esp_sa_counters(tx, &c);
	ATF_CHECK_EQ(c.out_bytes, 5000000);
	esp_sa_free(tx);
}

/*
 * Threads come and go: each owns a counter slot while it lives and
 * gives it back when it ends; the counts carry over to the next owner,
 * none lost, on SAs with and without lifetimes.
 */
ATF_TC_WITHOUT_HEAD(counter_slots);
ATF_TC_BODY(counter_slots, tc)
{
	struct lthr th[20];
	pthread_t tid[20];
	struct esp_counters c;
	struct esp_sa *sa[2];
	struct tsa t;
	size_t round, i, k, ok[2];
	uint64_t bytes[2];

	combo_tsa(&combos[13], &mixes[2], &t);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa[0]), 0);
	t.soft_bytes = 1ULL << 40;	/* far: published in quanta */
	t.hard_bytes = 1ULL << 41;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &sa[1]), 0);
	ok[0] = ok[1] = 0;
	bytes[0] = bytes[1] = 0;
	for (round = 0; round < 6; round++) {
		memset(th, 0, sizeof(th));
		for (i = 0; i < nitems(th); i++) {
			th[i].sa = sa[i & 1];
			th[i].size = 100 + 37 * i + round;
			th[i].max = 40 + i;
			ATF_REQUIRE(pthread_create(&tid[i], NULL, lt_thread,
			    &th[i]) == 0);
		}
		for (i = 0; i < nitems(th); i++) {
			ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
			ATF_CHECK_EQ(th[i].ok, th[i].max);
			ok[i & 1] += th[i].ok;
			bytes[i & 1] += th[i].bytes;
		}
		/* And this thread, which keeps its slot throughout. */
		n_out(sa[round & 1], 500, &ok[round & 1], &bytes[round & 1]);
		for (k = 0; k < 2; k++) {
			esp_sa_counters(sa[k], &c);
			ATF_CHECK_EQ(c.out_packets, ok[k]);
			ATF_CHECK_EQ(c.out_bytes, bytes[k]);
		}
	}
	ATF_CHECK_EQ(esp_sa_events(sa[1]), 0);
	esp_sa_free(sa[0]);
	esp_sa_free(sa[1]);
}

/*
 * Threads racing for the last sequence numbers: each number sent once,
 * none beyond the last, the hard event once; with ESN also across the
 * point where the engine changes from fetch-and-add to compare-and-swap,
 * and at the very top of the 64-bit space (no wrap).
 */
ATF_TC_WITHOUT_HEAD(seq_race);
ATF_TC_BODY(seq_race, tc)
{
	static const struct {
		bool		 esn;
		uint64_t	 start;		/* last sent before */
		size_t		 room;		/* numbers left */
		size_t		 max;		/* per thread, 0: to the end */
	} cases[] = {
		{ false, 0xffffffffULL - 3000, 3000, 0 },
		{ true, 0xffffffffffffffffULL - 3000, 3000, 0 },
		{ true, (1ULL << 63) - 1500, 4000, 1000 },
	};
	static uint64_t seqs[4][4000];
	struct lthr th[4];
	pthread_t tid[4];
	struct esp_counters c;
	struct esp_sa *tx;
	struct tsa t;
	uint64_t last, *all;
	size_t k, i, j, ok, n, hard, seqovf, plen, outlen, off;

	for (k = 0; k < nitems(cases); k++) {
		combo_tsa(&combos[13], &mixes[2], &t);
		t.esn = cases[k].esn;
		ATF_REQUIRE_EQ(tsa_new(&t, NULL, &tx), 0);
		esp_sa_set_oseq(tx, cases[k].start);
		memset(th, 0, sizeof(th));
		for (i = 0; i < nitems(th); i++) {
			th[i].sa = tx;
			th[i].size = 20;
			th[i].max = cases[k].max;
			th[i].seqs = seqs[i];
			ATF_REQUIRE(pthread_create(&tid[i], NULL, lt_thread,
			    &th[i]) == 0);
		}
		ok = hard = seqovf = 0;
		for (i = 0; i < nitems(th); i++) {
			ATF_REQUIRE(pthread_join(tid[i], NULL) == 0);
			ok += th[i].ok;
			hard += th[i].hard;
			seqovf += th[i].seqovf;
			ATF_CHECK_EQ(th[i].other + th[i].expired, 0);
		}
		n = cases[k].max != 0 ? nitems(th) * cases[k].max :
		    cases[k].room;
		ATF_CHECK_EQ_MSG(ok, n, "case %zu: %zu sent", k, ok);
		ATF_CHECK_EQ(hard, cases[k].max != 0 ? 0 : 1);
		ATF_CHECK_EQ(seqovf, cases[k].max != 0 ? 0 : nitems(th));
		/* Each number in start+1 .. start+n exactly once. */
		ATF_REQUIRE((all = calloc(n, sizeof(*all))) != NULL);
		for (i = 0, j = 0; i < nitems(th); i++) {
			ATF_REQUIRE(j + th[i].ok <= n);
			memcpy(all + j, th[i].seqs, th[i].ok * sizeof(*all));
			j += th[i].ok;
		}
		qsort(all, j, sizeof(*all), cmp_u64);
		for (i = 0; i < j; i++)
			if (all[i] != cases[k].start + 1 + i) {
				ATF_CHECK_MSG(false, "case %zu: number %zu is "
				    "%#jx", k, i, (uintmax_t)all[i]);
				break;
			}
		free(all);
		esp_sa_seq(tx, &last, NULL);
		ATF_CHECK_EQ(last, cases[k].start + n);
		esp_sa_counters(tx, &c);
		ATF_CHECK_EQ(c.out_packets, n);
		ATF_CHECK_EQ(c.drop_seqovf, seqovf);
		if (cases[k].max == 0) {
			/* Refused from now on, the counter unmoved. */
			plen = mk_pkt(pkt, "10.0.0.1", "10.0.0.2",
			    IPPROTO_UDP, 20, 5, 0);
			ATF_CHECK_EQ(esp_output(tx, pkt, plen, enc,
			    sizeof(enc), &outlen, &off), ESP_E_SEQOVF);
			esp_sa_seq(tx, &last, NULL);
			ATF_CHECK_EQ(last, cases[k].start + cases[k].room);
		}
		esp_sa_free(tx);
	}
}

/* ----------------------------------------------------------- SA checks */

ATF_TC_WITHOUT_HEAD(sa_new_checks);
ATF_TC_BODY(sa_new_checks, tc)
{
	struct sad_entry e;
	struct esp_sa *sa;
	struct tsa t;

	combo_tsa(&combos[13], &mixes[2], &t);
#define TRY(expect, stmt) do {						\
	tsa_entry(&t, &e);						\
	stmt;								\
	ATF_CHECK_EQ_MSG(esp_sa_new(&e, NULL, &sa), (expect), "%s", #stmt); \
	if (sa != NULL)							\
		esp_sa_free(sa);					\
	sad_entry_clear(&e);						\
} while (0)
	TRY(0, (void)0);
	TRY(ESP_E_INVAL, e.satype = PFKEY_SATYPE_IPCOMP);
	TRY(ESP_E_INVAL, e.mode = PFKEY_MODE_BEET);
	TRY(ESP_E_INVAL, e.replay = ESP_REPLAY_MAX + 1);
	TRY(0, e.replay = ESP_REPLAY_MAX);
	TRY(ESP_E_INVAL, sad_addr_parse(&e.dst, "2001:db8::1"));
	TRY(ESP_E_KEYLEN, e.ekey.len = 16; e.ekey.bits = 128);
	TRY(ESP_E_KEYLEN, e.ekey.bits = 152);
	TRY(ESP_E_ALG, e.ealg = PFKEY_EALG_3DESCBC);
	TRY(ESP_E_ALG, e.ealg = SAD_ALG_RAW(99));
	TRY(ESP_E_ALG, e.aalg = PFKEY_AALG_SHA1HMAC);
	TRY(0, e.aalg = PFKEY_AALG_NULL);
	TRY(ESP_E_ALG, e.ealg = PFKEY_EALG_NULL; sad_key_clear(&e.ekey);
	    e.aalg = PFKEY_AALG_NONE);
	TRY(ESP_E_KEYLEN, e.ealg = PFKEY_EALG_NULL;
	    e.aalg = PFKEY_AALG_SHA1HMAC;
	    (void)sad_key_set(&e.akey, "01234567890123456789", 160));
	TRY(0, e.ealg = PFKEY_EALG_NULL; sad_key_clear(&e.ekey);
	    e.aalg = PFKEY_AALG_SHA1HMAC;
	    (void)sad_key_set(&e.akey, "01234567890123456789", 160));
	TRY(ESP_E_INVAL, (void)sad_entry_extra(&e); e.x->natt_type = 1);
	t.ealg = PFKEY_EALG_AESCBC;
	t.aalg = PFKEY_AALG_SHA2_256HMAC;
	TRY(0, (void)0);
	TRY(ESP_E_KEYLEN, e.akey.len = 20; e.akey.bits = 160);
	TRY(ESP_E_ALG, e.aalg = PFKEY_AALG_MD5HMAC);
	t.satype = PFKEY_SATYPE_AH;
	t.ealg = PFKEY_EALG_NONE;
	TRY(0, (void)0);
	TRY(ESP_E_ALG, e.ealg = PFKEY_EALG_AESCBC);
	TRY(ESP_E_ALG, e.aalg = PFKEY_AALG_NONE);
	TRY(ESP_E_INVAL, (void)sad_entry_extra(&e); e.x->natt_type = 2);
#undef TRY
	ATF_CHECK_EQ(esp_sa_new(NULL, NULL, &sa), ESP_E_INVAL);
	ATF_CHECK(sa == NULL);
	esp_sa_free(NULL);
}

ATF_TC_WITHOUT_HEAD(strerror_codes);
ATF_TC_BODY(strerror_codes, tc)
{
	int i, j;

	for (i = 0; i > ESP_E_MAX; i--) {
		ATF_CHECK(esp_strerror(i) != NULL);
		ATF_CHECK(strcmp(esp_strerror(i), "unknown error") != 0);
		for (j = 0; j > i; j--)
			ATF_CHECK(strcmp(esp_strerror(i),
			    esp_strerror(j)) != 0);
	}
	ATF_CHECK_STREQ(esp_strerror(ESP_E_MAX), "unknown error");
	ATF_CHECK_STREQ(esp_strerror(1), "unknown error");
}

/*
 * AH over IPv4 never sends an ID of 0: a raw socket with IP_HDRINCL
 * would replace it after the ICV was made.  Transport mode gives a
 * packet with ID 0 one of its own (covered by the ICV: the peer
 * accepts it); a packet with an ID keeps it.
 */
ATF_TC_WITHOUT_HEAD(ah_ipv4_id);
ATF_TC_BODY(ah_ipv4_id, tc)
{
	struct tsa t;
	struct esp_sa *out, *in;
	uint8_t ipk[256], aenc[512], adec[512];
	size_t n, elen, dlen;
	int i;

	memset(&t, 0, sizeof(t));
	t.satype = PFKEY_SATYPE_AH;
	t.ealg = PFKEY_EALG_NONE;
	t.aalg = PFKEY_AALG_SHA2_256HMAC;
	t.spi = 0x4242;
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &out), 0);
	ATF_REQUIRE_EQ(tsa_new(&t, NULL, &in), 0);
	for (i = 0; i < 2; i++) {
		n = mk_pkt(ipk, "10.0.0.1", "10.0.0.2", IPPROTO_TCP, 40, 7, 0);
		ipk[4] = 0;
		ipk[5] = i == 0 ? 0 : 0x77;
		ipk[10] = ipk[11] = 0;
		ATF_REQUIRE(n > 20);
		{
			uint32_t sum = 0;
			int k;

			for (k = 0; k < 20; k += 2)
				sum += (uint32_t)(ipk[k] << 8 | ipk[k + 1]);
			while (sum >> 16)
				sum = (sum & 0xffff) + (sum >> 16);
			ipk[10] = (uint8_t)(~sum >> 8);
			ipk[11] = (uint8_t)~sum;
		}
		ATF_REQUIRE_EQ(esp_output(out, ipk, n, aenc, sizeof(aenc), &elen,
		    NULL), 0);
		ATF_CHECK(aenc[4] != 0 || aenc[5] != 0);
		if (i == 1)
			ATF_CHECK(aenc[4] == 0 && aenc[5] == 0x77);
		ATF_CHECK(ip4_csum_ok(aenc));
		ATF_CHECK_EQ(esp_input(in, aenc, elen, adec, sizeof(adec), &dlen),
		    0);
		ATF_CHECK_EQ(dlen, n);
		ATF_CHECK(memcmp(adec + 20, ipk + 20, n - 20) == 0);
		/* Negative control: the ID is covered by the ICV. */
		aenc[5] ^= 0x01;
		ATF_CHECK_EQ(esp_input(in, aenc, elen, adec, sizeof(adec), &dlen),
		    ESP_E_AUTH);
	}
	esp_sa_free(out);
	esp_sa_free(in);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, kat_gcm_draft);
	ATF_TP_ADD_TC(tp, kat_chacha_rfc7634);
	ATF_TP_ADD_TC(tp, kat_cbc_rfc3602);
	ATF_TP_ADD_TC(tp, output_gcm_oracle);
	ATF_TP_ADD_TC(tp, output_cbc_hmac_oracle);
	ATF_TP_ADD_TC(tp, roundtrip_all);
	ATF_TP_ADD_TC(tp, ipv4_options);
	ATF_TP_ADD_TC(tp, natt);
	ATF_TP_ADD_TC(tp, packet_spi);
	ATF_TP_ADD_TC(tp, tfc_padding);
	ATF_TP_ADD_TC(tp, esn_wrap);
	ATF_TP_ADD_TC(tp, seq_overflow);
	ATF_TP_ADD_TC(tp, bad_padding);
	ATF_TP_ADD_TC(tp, bad_next_header);
	ATF_TP_ADD_TC(tp, wrong_spi_and_key);
	ATF_TP_ADD_TC(tp, truncation_and_bitflips);
	ATF_TP_ADD_TC(tp, output_errors);
	ATF_TP_ADD_TC(tp, lifetimes_bytes);
	ATF_TP_ADD_TC(tp, lifetimes_packets);
	ATF_TP_ADD_TC(tp, tunnel_ecn_dscp_df);
	ATF_TP_ADD_TC(tp, ah_mutable_fields);
	ATF_TP_ADD_TC(tp, backend_identity);
	ATF_TP_ADD_TC(tp, backend_selection);
	ATF_TP_ADD_TC(tp, threads);
	ATF_TP_ADD_TC(tp, inplace_same_bytes);
	ATF_TP_ADD_TC(tp, inplace_room);
	ATF_TP_ADD_TC(tp, inplace_malformed);
	ATF_TP_ADD_TC(tp, lifetimes_threads);
	ATF_TP_ADD_TC(tp, counter_slots);
	ATF_TP_ADD_TC(tp, seq_race);
	ATF_TP_ADD_TC(tp, sa_new_checks);
	ATF_TP_ADD_TC(tp, strerror_codes);
	ATF_TP_ADD_TC(tp, ah_ipv4_id);
	return (atf_no_error());
}
