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
 * Phase 1 encryption (libike ike_crypto.c: ike_cbc_*):
 *  - known answers: RFC 3602 section 4 cases 1-4 (AES-128-CBC), NIST
 *    SP 800-38A F.2.3 and F.2.5 (AES-192/256-CBC), the NIST TDES MMT
 *    examples with three distinct keys and the NBS variable-plaintext
 *    DES answers (3DES-CBC);
 *  - RFC 2409 5.3 padding (1..block bytes, zeros, the pad length minus
 *    one last), IV chaining across messages, in-place operation;
 *  - a phase 1 flow: key and IV derived from a NIST CAVS key set, one
 *    side encrypts, the other decrypts.
 * Controls: a wrong key or IV must change the output.
 */

#include <errno.h>
#include <string.h>

#include <atf-c.h>

#include "ike_crypto.h"
#include "crypto_testutil.h"

struct cbc_kat {
	int		 alg;
	const char	*key, *iv, *pt, *ct;
};

/* Plaintexts given as text in RFC 3602, here in hex. */
#define SINGLE_BLOCK	"53696e676c6520626c6f636b206d7367"
#define MSG_48		"5468697320697320612034382d627974" \
			"65206d65737361676520286578616374" \
			"6c7920332041455320626c6f636b7329"

static const struct cbc_kat kats[] = {
	/* RFC 3602 4, case #1 */
	{ IKE_ENCR_AES_CBC, "06a9214036b8a15b512e03d534120006",
	    "3dafba429d9eb430b422da802c9fac41", SINGLE_BLOCK,
	    "e353779c1079aeb82708942dbe77181a" },
	/* case #2 */
	{ IKE_ENCR_AES_CBC, "c286696d887c9aa0611bbb3e2025a45a",
	    "562e17996d093d28ddb3ba695a2e6f58",
	    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	    "d296cd94c2cccf8a3a863028b5e1dc0a"
	    "7586602d253cfff91b8266bea6d61ab1" },
	/* case #3 */
	{ IKE_ENCR_AES_CBC, "6c3ea0477630ce21a2ce334aa746c2cd",
	    "c782dc4c098c66cbd9cd27d825682c81", MSG_48,
	    "d0a02b3836451753d493665d33f0e8862dea54cdb293abc750693927"
	    "6772f8d5021c19216bad525c8579695d83ba2684" },
	/* case #4 */
	{ IKE_ENCR_AES_CBC, "56e47a38c5598974bc46903dba290349",
	    "8ce82eefbea0da3c44699ed7db51b7d9",
	    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babb"
	    "bcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7"
	    "d8d9dadbdcdddedf",
	    "c30e32ffedc0774e6aff6af0869f71aa0f3af07a9a31a9c684db207e"
	    "b0ef8e4e35907aa632c3ffdf868bb7b29d3d46ad83ce9f9a102ee99d"
	    "49a53e87f4c3da55" },
	/* SP 800-38A F.2.3, CBC-AES192.Encrypt, blocks 1-2 */
	{ IKE_ENCR_AES_CBC,
	    "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b",
	    "000102030405060708090a0b0c0d0e0f",
	    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
	    "4f021db243bc633d7178183a9fa071e8"
	    "b4d9ada9ad7dedf4e5e738763f69145a" },
	/* SP 800-38A F.2.5, CBC-AES256.Encrypt, blocks 1-2 */
	{ IKE_ENCR_AES_CBC,
	    "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
	    "000102030405060708090a0b0c0d0e0f",
	    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51",
	    "f58c4c04d6e5f1ba779eabfb5f7bfbd6"
	    "9cfc4e967edb808d679f777bc6702c7d" },
	/* NIST TDES MMT (three keys), examples 1 and 2 */
	{ IKE_ENCR_3DES_CBC,
	    "627f460e08104a1043cd265d5840eaf1313edf97df2a8a8c",
	    "8e29f75ea77e5475", "326a494cd33fe756", "b22b8d66de970692" },
	{ IKE_ENCR_3DES_CBC,
	    "37ae5ebf46dff2dc0754b94f31cbb3855e7fd36dc870bfae",
	    "3d1de3cc132e3b65", "84401f78fe6c10876d8ea23094ea5309",
	    "7b1f7c7e3b1c948ebd04a75ffba7d2f5" },
	/* NBS SP 500-20 variable plaintext, K1 = K2 = K3 */
	{ IKE_ENCR_3DES_CBC,
	    "010101010101010101010101010101010101010101010101",
	    "0000000000000000", "8000000000000000", "95f8a5e5dd31d900" },
	{ IKE_ENCR_3DES_CBC,
	    "010101010101010101010101010101010101010101010101",
	    "0000000000000000", "4000000000000000", "dd7f121ca5015619" },
};

ATF_TC(known_answers);
ATF_TC_HEAD(known_answers, tc)
{
	atf_tc_set_md_var(tc, "descr", "RFC 3602, SP 800-38A and NIST TDES "
	    "vectors through ike_cbc_*");
}
ATF_TC_BODY(known_answers, tc)
{
	struct ike_cbc	*c;
	uint8_t		 key[32], iv[16], iv2[16], pt[64], ct[64];
	uint8_t		 buf[128];
	size_t		 i, klen, ivlen, ptlen, ctlen, bl;
	int		 n;

	for (i = 0; i < sizeof(kats) / sizeof(kats[0]); i++) {
		klen = unhex(kats[i].key, key, sizeof(key));
		ivlen = unhex(kats[i].iv, iv, sizeof(iv));
		ptlen = unhex(kats[i].pt, pt, sizeof(pt));
		ctlen = unhex(kats[i].ct, ct, sizeof(ct));
		ATF_REQUIRE_EQ(ptlen, ctlen);
		ATF_REQUIRE((c = ike_cbc_new(kats[i].alg, key, klen)) != NULL);
		bl = ike_cbc_block(c);
		ATF_REQUIRE_EQ(bl, ivlen);
		ATF_CHECK_EQ(bl, ike_cbc_blocklen(kats[i].alg));

		/* Decrypt: exactly the plaintext, IV = last cipher
		 * block. */
		memcpy(iv2, iv, bl);
		ATF_REQUIRE_EQ(ike_cbc_decrypt(c, iv2, ct, ctlen, buf),
		    (int)ctlen);
		ATF_CHECK_MSG(memcmp(buf, pt, ptlen) == 0, "kat %zu decrypt",
		    i);
		ATF_CHECK(memcmp(iv2, ct + ctlen - bl, bl) == 0);

		/* Encrypt: the known blocks, then a whole padding block
		 * (the input is aligned, and there is always padding). */
		memcpy(iv2, iv, bl);
		n = ike_cbc_encrypt(c, iv2, pt, ptlen, buf, sizeof(buf));
		ATF_REQUIRE_EQ(n, (int)(ptlen + bl));
		ATF_CHECK_MSG(memcmp(buf, ct, ctlen) == 0, "kat %zu encrypt",
		    i);
		ATF_CHECK(memcmp(iv2, buf + n - bl, bl) == 0);
		memcpy(iv2, iv, bl);
		ATF_REQUIRE_EQ(ike_cbc_decrypt(c, iv2, buf, (size_t)n, buf),
		    n);
		ATF_CHECK(memcmp(buf, pt, ptlen) == 0);
		ATF_CHECK_EQ(buf[n - 1], bl - 1);

		/* Control: a changed IV changes only the first block. */
		memcpy(iv2, iv, bl);
		iv2[0] ^= 0x01;
		ATF_REQUIRE_EQ(ike_cbc_decrypt(c, iv2, ct, ctlen, buf),
		    (int)ctlen);
		ATF_CHECK(memcmp(buf, pt, bl) != 0);
		ATF_CHECK(memcmp(buf + bl, pt + bl, ptlen - bl) == 0);
		ike_cbc_free(c);

		/* Control: a changed key changes everything. */
		key[klen - 1] ^= 0x40;	/* not a DES parity bit */
		ATF_REQUIRE((c = ike_cbc_new(kats[i].alg, key, klen)) != NULL);
		memcpy(iv2, iv, bl);
		ATF_REQUIRE_EQ(ike_cbc_decrypt(c, iv2, ct, ctlen, buf),
		    (int)ctlen);
		ATF_CHECK(memcmp(buf, pt, bl) != 0);
		ike_cbc_free(c);
	}
}

static const struct {
	int	 alg;
	size_t	 keylen;
} ciphers[] = {
	{ IKE_ENCR_AES_CBC, 16 }, { IKE_ENCR_AES_CBC, 24 },
	{ IKE_ENCR_AES_CBC, 32 }, { IKE_ENCR_3DES_CBC, 24 },
};

ATF_TC(round_trip);
ATF_TC_HEAD(round_trip, tc)
{
	atf_tc_set_md_var(tc, "descr", "padding, IV chaining and in-place "
	    "use for every cipher and lengths 0-80");
}
ATF_TC_BODY(round_trip, tc)
{
	struct ike_cbc	*c;
	uint8_t		 key[32], iv0[16], ive[16], ivd[16], iv[16];
	uint8_t		 pt[96], ct[2 * 96 + 32], out[2 * 96 + 32];
	size_t		 i, len, bl, pad, j, k;
	int		 n, n2;

	for (i = 0; i < sizeof(ciphers) / sizeof(ciphers[0]); i++) {
		fill(key, sizeof(key), (unsigned)(0x30 + i));
		ATF_REQUIRE((c = ike_cbc_new(ciphers[i].alg, key,
		    ciphers[i].keylen)) != NULL);
		bl = ike_cbc_block(c);
		fill(iv0, sizeof(iv0), 0x55);
		for (len = 0; len <= 80; len++) {
			fill(pt, len, (unsigned)len);
			pad = ike_cbc_padlen(len, bl);
			ATF_REQUIRE(pad >= 1 && pad <= bl);
			ATF_REQUIRE((len + pad) % bl == 0);

			/* Too small an output buffer is refused. */
			memcpy(ive, iv0, bl);
			errno = 0;
			ATF_CHECK_EQ(ike_cbc_encrypt(c, ive, pt, len, ct,
			    len + pad - 1), -1);
			ATF_CHECK_EQ(errno, EINVAL);

			/* Two messages in a chain ... */
			memcpy(ive, iv0, bl);
			n = ike_cbc_encrypt(c, ive, pt, len, ct, sizeof(ct));
			ATF_REQUIRE_EQ(n, (int)(len + pad));
			n2 = ike_cbc_encrypt(c, ive, pt, len, ct + n,
			    sizeof(ct) - (size_t)n);
			ATF_REQUIRE_EQ(n2, n);
			/* ... the second under the first's last block. */
			ATF_CHECK(memcmp(ct, ct + n, (size_t)n) != 0 ||
			    n == 0);
			/* ... decrypt as one CBC stream. */
			memcpy(ivd, iv0, bl);
			ATF_REQUIRE_EQ(ike_cbc_decrypt(c, ivd, ct,
			    (size_t)(2 * n), out), 2 * n);
			ATF_CHECK(memcmp(ivd, ive, bl) == 0);
			for (j = 0; j < 2; j++) {
				uint8_t	*m = out + j * (size_t)n;

				ATF_CHECK(memcmp(m, pt, len) == 0);
				for (k = 0; k + 1 < pad; k++)
					ATF_CHECK_EQ(m[len + k], 0);
				ATF_CHECK_EQ(m[n - 1], pad - 1);
			}

			/* In place, both ways. */
			memcpy(out, pt, len);
			memcpy(iv, iv0, bl);
			ATF_REQUIRE_EQ(ike_cbc_encrypt(c, iv, out, len, out,
			    sizeof(out)), n);
			ATF_CHECK(memcmp(out, ct, (size_t)n) == 0);
			memcpy(iv, iv0, bl);
			ATF_REQUIRE_EQ(ike_cbc_decrypt(c, iv, out, (size_t)n,
			    out), n);
			ATF_CHECK(memcmp(out, pt, len) == 0);
			ATF_CHECK(memcmp(iv, ct + n - bl, bl) == 0);
		}
		ike_cbc_free(c);
	}
}

ATF_TC_WITHOUT_HEAD(sizes_and_errors);
ATF_TC_BODY(sizes_and_errors, tc)
{
	struct ike_cbc	*c;
	uint8_t		 key[32], iv[16], buf[64];

	ATF_CHECK_EQ(ike_cbc_padlen(0, 16), 16);
	ATF_CHECK_EQ(ike_cbc_padlen(1, 16), 15);
	ATF_CHECK_EQ(ike_cbc_padlen(15, 16), 1);
	ATF_CHECK_EQ(ike_cbc_padlen(16, 16), 16);
	ATF_CHECK_EQ(ike_cbc_padlen(7, 8), 1);
	ATF_CHECK_EQ(ike_cbc_padlen(8, 8), 8);
	ATF_CHECK_EQ(ike_cbc_padlen(5, 0), 0);

	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_AES_CBC, 128), 16);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_AES_CBC, 192), 24);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_AES_CBC, 256), 32);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_AES_CBC, 0), 0);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_AES_CBC, 64), 0);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_3DES_CBC, 0), 24);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_3DES_CBC, 192), 24);
	ATF_CHECK_EQ(ike_cbc_keylen(IKE_ENCR_3DES_CBC, 128), 0);
	ATF_CHECK_EQ(ike_cbc_keylen(1, 64), 0);		/* DES */
	ATF_CHECK_EQ(ike_cbc_blocklen(IKE_ENCR_AES_CBC), 16);
	ATF_CHECK_EQ(ike_cbc_blocklen(IKE_ENCR_3DES_CBC), 8);
	ATF_CHECK_EQ(ike_cbc_blocklen(1), 0);

	fill(key, sizeof(key), 1);
	errno = 0;
	ATF_CHECK(ike_cbc_new(IKE_ENCR_AES_CBC, key, 20) == NULL);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK(ike_cbc_new(IKE_ENCR_3DES_CBC, key, 16) == NULL);
	errno = 0;
	ATF_CHECK(ike_cbc_new(1, key, 8) == NULL);
	ATF_CHECK_EQ(errno, EOPNOTSUPP);
	ATF_CHECK(ike_cbc_new(IKE_ENCR_AES_CBC, NULL, 16) == NULL);

	ATF_REQUIRE((c = ike_cbc_new(IKE_ENCR_AES_CBC, key, 16)) != NULL);
	memset(iv, 0, sizeof(iv));
	memset(buf, 0, sizeof(buf));
	/* Ciphertext must be whole blocks, and not empty. */
	errno = 0;
	ATF_CHECK_EQ(ike_cbc_decrypt(c, iv, buf, 0, buf), -1);
	ATF_CHECK_EQ(errno, EINVAL);
	ATF_CHECK_EQ(ike_cbc_decrypt(c, iv, buf, 17, buf), -1);
	ATF_CHECK_EQ(ike_cbc_decrypt(c, iv, buf, 8, buf), -1);
	ATF_CHECK_EQ(ike_cbc_decrypt(c, iv, buf, 32, buf), 32);
	ATF_CHECK_EQ(ike_cbc_encrypt(c, NULL, buf, 4, buf, sizeof(buf)), -1);
	ike_cbc_free(c);
	ike_cbc_free(NULL);
}

/*
 * A phase 1 flow: NIST CAVS IKEv1 DSA SHA-1 COUNT 0 (kdf_ikev1_dsa.rsp)
 * gives the key set; the encryption key for 3DES (24 bytes, so the
 * appendix B expansion of a 20-byte SKEYID_e) and for AES-256; the IV
 * from two public values; the initiator encrypts, the responder, deriving
 * everything on its own, decrypts; phase 2 IVs follow from the last
 * block.
 */
ATF_TC_WITHOUT_HEAD(phase1_flow);
ATF_TC_BODY(phase1_flow, tc)
{
	static const struct {
		int	 alg;
		int	 keybits;
	} algs[] = { { IKE_ENCR_3DES_CBC, 0 }, { IKE_ENCR_AES_CBC, 256 },
	    { IKE_ENCR_AES_CBC, 128 } };
	struct ike_prf		*prf;
	struct ike_p1keys	 ki, kr;
	struct ike_cbc		*ci, *cr;
	uint8_t			 cky_i[8], cky_r[8], ni[8], nr[8];
	uint8_t			 gxy[28];
	uint8_t			 gxi[256], gxr[256], body[100], msg[160];
	uint8_t			 ivi[16], ivr[16], p2i[16], p2r[16];
	size_t			 a, klen, bl;
	int			 n;

	unhex("aae2e3d00272567f", cky_i, sizeof(cky_i));
	unhex("4960bd49cb00b876", cky_r, sizeof(cky_r));
	unhex("3e2504047ed6ff9f", ni, sizeof(ni));
	unhex("6fc4d53c3a8dd703", nr, sizeof(nr));
	unhex("63e2f01eb9b2ff8b26c20bb1652972a0df94c1601fde641156e124f1",
	    gxy, sizeof(gxy));
	fill(gxi, sizeof(gxi), 0x21);
	fill(gxr, sizeof(gxr), 0x22);
	fill(body, sizeof(body), 0x23);

	ATF_REQUIRE((prf = ike_prf_new(IKE_HASH_SHA1)) != NULL);
	ATF_REQUIRE_EQ(ike_skeyid_sig(prf, &ki, ni, 8, nr, 8, gxy, 28), 0);
	ATF_REQUIRE_EQ(ike_skeyid_dae(prf, &ki, gxy, 28, cky_i, cky_r), 0);
	/* The CAVS answer, as a check that this is the right key set. */
	ATF_CHECK(hexeq(ki.k_skeyid_e, 20,
	    "ad778121098629828f95012f0c102a8968d5e286"));
	kr = ki;

	for (a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		klen = ike_cbc_keylen(algs[a].alg, algs[a].keybits);
		bl = ike_cbc_blocklen(algs[a].alg);
		ATF_REQUIRE_EQ(ike_p1_enckey(prf, &ki, klen), 0);
		ATF_REQUIRE_EQ(ike_p1_enckey(prf, &kr, klen), 0);
		ATF_REQUIRE((ci = ike_cbc_new(algs[a].alg, ki.k_enckey,
		    klen)) != NULL);
		ATF_REQUIRE((cr = ike_cbc_new(algs[a].alg, kr.k_enckey,
		    klen)) != NULL);
		ATF_REQUIRE_EQ(ike_p1_iv(prf, gxi, sizeof(gxi), gxr,
		    sizeof(gxr), ivi, bl), 0);
		ATF_REQUIRE_EQ(ike_p1_iv(prf, gxi, sizeof(gxi), gxr,
		    sizeof(gxr), ivr, bl), 0);

		/* Main mode messages 5 and 6, each way once. */
		n = ike_cbc_encrypt(ci, ivi, body, sizeof(body), msg,
		    sizeof(msg));
		ATF_REQUIRE(n > (int)sizeof(body));
		ATF_CHECK(memcmp(msg, body, sizeof(body)) != 0);
		ATF_REQUIRE_EQ(ike_cbc_decrypt(cr, ivr, msg, (size_t)n, msg),
		    n);
		ATF_CHECK(memcmp(msg, body, sizeof(body)) == 0);
		n = ike_cbc_encrypt(cr, ivr, body, 37, msg, sizeof(msg));
		ATF_REQUIRE_EQ(ike_cbc_decrypt(ci, ivi, msg, (size_t)n, msg),
		    n);
		ATF_CHECK(memcmp(msg, body, 37) == 0);
		ATF_CHECK(memcmp(ivi, ivr, bl) == 0);

		/* Quick mode IVs agree on both sides, and differ per
		 * message id. */
		ATF_REQUIRE_EQ(ike_p2_iv(prf, ivi, bl, 0x01020304, p2i), 0);
		ATF_REQUIRE_EQ(ike_p2_iv(prf, ivr, bl, 0x01020304, p2r), 0);
		ATF_CHECK(memcmp(p2i, p2r, bl) == 0);
		ATF_REQUIRE_EQ(ike_p2_iv(prf, ivr, bl, 0x01020305, p2r), 0);
		ATF_CHECK(memcmp(p2i, p2r, bl) != 0);

		/* Control: the other side with a different key set fails
		 * to recover the body. */
		ike_cbc_free(cr);
		kr.k_enckey[0] ^= 0x40;
		ATF_REQUIRE((cr = ike_cbc_new(algs[a].alg, kr.k_enckey,
		    klen)) != NULL);
		memcpy(ivr, ivi, bl);
		n = ike_cbc_encrypt(ci, ivi, body, sizeof(body), msg,
		    sizeof(msg));
		ATF_REQUIRE_EQ(ike_cbc_decrypt(cr, ivr, msg, (size_t)n, msg),
		    n);
		ATF_CHECK(memcmp(msg, body, sizeof(body)) != 0);
		kr.k_enckey[0] ^= 0x40;

		ike_cbc_free(ci);
		ike_cbc_free(cr);
	}
	ike_p1keys_clear(&ki);
	ike_p1keys_clear(&kr);
	ike_prf_free(prf);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, known_answers);
	ATF_TP_ADD_TC(tp, round_trip);
	ATF_TP_ADD_TC(tp, sizes_and_errors);
	ATF_TP_ADD_TC(tp, phase1_flow);
	return (atf_no_error());
}
