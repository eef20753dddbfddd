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
 * esp_bench: the userspace ESP engine against the raw crypto it is built
 * on, in one process, on one core, on the same buffers.
 *
 *   esp_bench [-nvw] [-d out|in|both] [-m engine|raw|both] [-t ms]
 *	 [-r rounds] [-c cpu] [-b backend[,...]] [-a alg[,...]]
 *	 [-s size[,...]]
 *
 * For each algorithm and inner packet size it measures, one after the
 * other and warm:
 *   engine out	esp_output_inplace() of an IPv4 packet in tunnel mode
 *		(IPv4 outer), so header building, padding, sequence
 *		numbers, the crypto and the counters; the inner packet
 *		lies in the buffer with the SA's headroom in front, and
 *		its 20-byte IP header is put back before each call (the
 *		rest is encrypted over and over, as the raw figures do).
 *		The SA is a single-writer one (esp_sa_opts.single_writer,
 *		as sadbd makes them with one worker): one thread sends,
 *		as the raw figures' one thread with no synchronisation;
 *   multi-writer
 *		the same with a default SA, which any number of threads
 *		may send on at once and which therefore takes each
 *		sequence number with an atomic read-modify-write (column
 *		o.mw, its ratio to raw out; sadbd's SAs with several
 *		workers);
 *   engine in	esp_input() of the packet esp_output() made (an inbound
 *		SA without anti-replay, so the one packet can be taken
 *		again and again: the window check is a few instructions),
 *		decrypting into another buffer as the raw figures do;
 *   copying	esp_output() on the single-writer SA: the inner packet
 *		copied behind the headers (column o.cp, its ratio to raw
 *		out);
 *   in place	esp_input_inplace() on a fresh copy of the packet each
 *		time (decryption overwrites it), against the raw opening
 *		in place of a fresh copy (column i.ip: both pay the copy);
 *   raw out/in	the crypto alone on the bytes ESP encrypts and
 *		authenticates (ESP header as AAD or under the HMAC, IV or
 *		nonce, the padded payload, a 16-byte ICV checked in
 *		constant time on input), with per-SA setup done once, as a
 *		hand-written data plane would do it.  Every raw
 *		implementation at hand is measured (OpenSSL EVP; IPsec-MB's
 *		direct GCM and ChaCha20-Poly1305 API, its job API with one
 *		packet per submit on its widest manager and, for HMAC-SHA,
 *		on its SSE one) and the fastest is the reference; -v lists
 *		them all, plus the IPsec-MB job API fed with bursts of 32
 *		packets (CBC+HMAC), for information only: esp_output()
 *		takes one packet.
 * Each figure is the best of `rounds' runs of -t milliseconds each
 * (default 3 x 250), timed by this thread's CPU time so that time given
 * to other processes does not count (-w: the wall clock); rounds are
 * interleaved so that a noisy neighbour hits all columns alike.  The
 * raw ESP header sits 20 bytes into its buffer, where the engine's
 * follows the outer IPv4 header: same alignment for both.
 * MB/s counts inner packet bytes (10^6 bytes per second), as a tunnel's
 * users see them.  ratio = engine / raw packets per second: r.out and
 * r.in for the engine columns, o.mw, o.cp and i.ip as above.
 *
 * Options: -a algorithms and -s inner packet sizes (default: all, and
 * 64,512,1400), -b backends of the engine (auto, the default; openssl;
 * ipsecmb; or a list: one table row per algorithm, size and backend),
 * -t and -r as above, -c the CPU to pin to (default: the one it starts
 * on), -d out or in only, -m engine or raw only (e.g. under perf), -n
 * without the o.cp and i.ip figures (the headline ones and o.mw only),
 * -v every raw implementation too.  A column not measured shows "-".
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#ifdef HAVE_IPSECMB
#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>
#endif

#include "pfkey.h"
#include "sadb.h"
#include "esp.h"

#define ICV_LEN		16
#define ESP_HDR_LEN	8
#define MAX_PKT		2048
#define MAX_ROOM	(MAX_PKT + 256)
#define BURST		32		/* -v burst figures */
#define MAX_SIZES	16
#define MAX_BACKENDS	3
/*
 * Where the raw ESP header sits in its buffer: after an outer IPv4
 * header's worth of bytes, as in the engine's packets, so that both work
 * on data of the same alignment.
 */
#define RAW_LEAD	20

enum alg_kind {
	KIND_GCM,
	KIND_CHACHA,
	KIND_CBC_HMAC,
};

struct bench_alg {
	const char	*name;
	enum alg_kind	 kind;
	uint16_t	 ealg;
	uint16_t	 aalg;
	size_t		 ekeylen;	/* AEAD: with the salt */
	size_t		 akeylen;
	size_t		 ivlen;		/* on the wire */
	size_t		 align;		/* padding multiple */
};

static const struct bench_alg algs[] = {
	{ "aes128-gcm", KIND_GCM, PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE,
	    20, 0, 8, 4 },
	{ "aes256-gcm", KIND_GCM, PFKEY_EALG_AES_GCM_ICV16, PFKEY_AALG_NONE,
	    36, 0, 8, 4 },
	{ "chacha20-poly1305", KIND_CHACHA, PFKEY_EALG_CHACHA20POLY1305,
	    PFKEY_AALG_NONE, 36, 0, 8, 4 },
	{ "aes128-cbc-hmac-sha256", KIND_CBC_HMAC, PFKEY_EALG_AESCBC,
	    PFKEY_AALG_SHA2_256HMAC, 16, 32, 16, 16 },
};
#define NALGS	(sizeof(algs) / sizeof(algs[0]))

/* ------------------------------------------------------------ utilities */

/*
 * The clock of the measurements: this thread's CPU time by default, so
 * that time the scheduler gives to other processes (a shared machine)
 * does not count; -w takes the wall clock instead.
 */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static double
now_sec(void)
{
	struct timespec ts;

	if (clock_gettime(bench_clock, &ts) != 0)
		err(1, "clock_gettime");
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	rng_state = x;
	return (x);
}

static void
rnd_fill(uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(rnd() >> 24);
}

static void *
xalloc(size_t n)
{
	void *p;

	/* 64: cache lines, and IPsec-MB's AVX-512 key structures. */
	if ((p = aligned_alloc(64, (n + 63) & ~(size_t)63)) == NULL)
		err(1, "aligned_alloc");
	memset(p, 0, n);
	return (p);
}

static void
xfree(void *p, size_t n)
{
	if (p != NULL) {
		explicit_bzero(p, n);
		free(p);
	}
}

/*
 * Time `op' for `secs': the number of calls per second.  The clock is read
 * every MEASURE_BATCH calls (reading the CPU-time clock is a system
 * call: a fraction of a percent at this spacing); a call that fails ends
 * the run with an error.
 */
#define MEASURE_BATCH	1024

typedef int (*bench_op)(void *);

static double
measure(bench_op op, void *arg, double secs)
{
	double t0, t, end;
	uint64_t n = 0;
	int i;

	/* Warm: caches, branch predictors, lazily set up state. */
	for (i = 0; i < 256; i++)
		if (op(arg) != 0)
			errx(1, "operation failed while warming up");
	t0 = now_sec();
	end = t0 + secs;
	do {
		for (i = 0; i < MEASURE_BATCH; i++)
			if (op(arg) != 0)
				errx(1, "operation failed while measured");
		n += MEASURE_BATCH;
	} while ((t = now_sec()) < end);
	return ((double)n / (t - t0));
}

/* An IPv4/UDP packet of `len' bytes (len >= 28) with random payload. */
static void
make_inner(uint8_t *p, size_t len)
{
	uint32_t sum = 0;
	size_t i;

	rnd_fill(p, len);
	p[0] = 0x45;
	p[1] = 0;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[4] = 0x12;
	p[5] = 0x34;
	p[6] = 0x40;			/* DF */
	p[7] = 0;
	p[8] = 64;
	p[9] = IPPROTO_UDP;
	p[10] = p[11] = 0;
	memcpy(p + 12, "\x0a\x00\x00\x01\x0a\x00\x01\x01", 8);
	for (i = 0; i < 20; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	sum = ~sum & 0xffff;
	p[10] = (uint8_t)(sum >> 8);
	p[11] = (uint8_t)sum;
	p[20] = 0x30;			/* UDP 12345 -> 5201 */
	p[21] = 0x39;
	p[22] = 0x14;
	p[23] = 0x51;
	p[24] = (uint8_t)((len - 20) >> 8);
	p[25] = (uint8_t)(len - 20);
	p[26] = p[27] = 0;		/* no UDP checksum */
}

/* ------------------------------------------------------------ raw crypto */

/*
 * One raw implementation: per-SA state set up once, then seal and open of
 * an ESP payload.  hdr is the 8-byte ESP header (AAD or HMAC input), iv
 * the wire IV; clen the encrypted length; tag ICV_LEN bytes.
 */
struct raw_ctx {
	const struct bench_alg	*alg;
	uint8_t			 salt[4];
	EVP_CIPHER_CTX		*ectx;	/* OpenSSL, encrypting */
	EVP_CIPHER_CTX		*dctx;	/* OpenSSL, decrypting */
	EVP_MAC_CTX		*mac;	/* OpenSSL HMAC, keyed */
#ifdef HAVE_IPSECMB
	IMB_MGR			*mgr;
	struct gcm_key_data	*gkey;	/* GCM keys, hash keys */
	uint32_t		*enckey;	/* CBC: 240 bytes */
	uint32_t		*deckey;
	uint8_t			*ipad;	/* HMAC inner state */
	uint8_t			*opad;	/* HMAC outer state */
	uint8_t			*ckey;	/* ChaCha20 key */
	uint8_t			*slots;	/* burst: packets 1.. */
#endif
};

struct raw_impl {
	const char	*name;
	bool		 burst;		/* several packets per call (-v) */
	bool		 (*supports)(const struct bench_alg *);
	void		 (*setup)(struct raw_ctx *, const uint8_t *ekey,
			    const uint8_t *akey);
	int		 (*seal)(struct raw_ctx *, const uint8_t *hdr,
			    const uint8_t *iv, uint8_t *buf, size_t clen,
			    uint8_t *tag);
	int		 (*open)(struct raw_ctx *, const uint8_t *hdr,
			    const uint8_t *iv, const uint8_t *in, size_t clen,
			    uint8_t *out, const uint8_t *tag);
	void		 (*cleanup)(struct raw_ctx *);
};

static const EVP_CIPHER *
ossl_cipher(const struct bench_alg *a)
{
	switch (a->kind) {
	case KIND_GCM:
		return (a->ekeylen == 20 ? EVP_aes_128_gcm() :
		    EVP_aes_256_gcm());
	case KIND_CHACHA:
		return (EVP_chacha20_poly1305());
	case KIND_CBC_HMAC:
		return (a->ekeylen == 16 ? EVP_aes_128_cbc() :
		    EVP_aes_256_cbc());
	}
	return (NULL);
}

static bool
ossl_supports(const struct bench_alg *a)
{
	return (true);
}

static void
ossl_setup(struct raw_ctx *c, const uint8_t *ekey, const uint8_t *akey)
{
	const struct bench_alg *a = c->alg;
	OSSL_PARAM params[2];
	EVP_MAC *m;
	size_t klen = a->ekeylen;

	if ((c->ectx = EVP_CIPHER_CTX_new()) == NULL ||
	    (c->dctx = EVP_CIPHER_CTX_new()) == NULL)
		errx(1, "EVP_CIPHER_CTX_new");
	if (a->kind != KIND_CBC_HMAC) {
		klen -= 4;
		memcpy(c->salt, ekey + klen, 4);
	}
	if (EVP_EncryptInit_ex(c->ectx, ossl_cipher(a), NULL, ekey,
	    NULL) != 1 ||
	    EVP_DecryptInit_ex(c->dctx, ossl_cipher(a), NULL, ekey,
	    NULL) != 1)
		errx(1, "EVP cipher init");
	if (a->kind == KIND_CBC_HMAC) {
		EVP_CIPHER_CTX_set_padding(c->ectx, 0);
		EVP_CIPHER_CTX_set_padding(c->dctx, 0);
		if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
		    (c->mac = EVP_MAC_CTX_new(m)) == NULL)
			errx(1, "EVP_MAC HMAC");
		EVP_MAC_free(m);
		params[0] = OSSL_PARAM_construct_utf8_string(
		    OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t)"SHA256", 0);
		params[1] = OSSL_PARAM_construct_end();
		if (EVP_MAC_init(c->mac, akey, a->akeylen, params) != 1)
			errx(1, "EVP_MAC_init");
	}
}

static void
ossl_cleanup(struct raw_ctx *c)
{
	EVP_CIPHER_CTX_free(c->ectx);
	EVP_CIPHER_CTX_free(c->dctx);
	EVP_MAC_CTX_free(c->mac);
	c->ectx = c->dctx = NULL;
	c->mac = NULL;
}

static int
ossl_hmac(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    const uint8_t *ct, size_t clen, uint8_t *md)
{
	size_t mdlen;

	/* A NULL key re-initialises from the kept inner/outer states. */
	if (EVP_MAC_init(c->mac, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(c->mac, hdr, ESP_HDR_LEN) != 1 ||
	    EVP_MAC_update(c->mac, iv, c->alg->ivlen) != 1 ||
	    EVP_MAC_update(c->mac, ct, clen) != 1 ||
	    EVP_MAC_final(c->mac, md, &mdlen, 64) != 1)
		return (-1);
	return (0);
}

static int
ossl_seal(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    uint8_t *buf, size_t clen, uint8_t *tag)
{
	uint8_t nonce[16], md[64];
	int l, fl;

	if (c->alg->kind == KIND_CBC_HMAC) {
		if (EVP_EncryptInit_ex(c->ectx, NULL, NULL, NULL, iv) != 1 ||
		    EVP_EncryptUpdate(c->ectx, buf, &l, buf, (int)clen) != 1 ||
		    (size_t)l != clen)
			return (-1);
		if (ossl_hmac(c, hdr, iv, buf, clen, md) != 0)
			return (-1);
		memcpy(tag, md, ICV_LEN);
		return (0);
	}
	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	if (EVP_EncryptInit_ex(c->ectx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_EncryptUpdate(c->ectx, NULL, &l, hdr, ESP_HDR_LEN) != 1 ||
	    EVP_EncryptUpdate(c->ectx, buf, &l, buf, (int)clen) != 1 ||
	    EVP_EncryptFinal_ex(c->ectx, buf + l, &fl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->ectx, EVP_CTRL_AEAD_GET_TAG, ICV_LEN,
	    tag) != 1)
		return (-1);
	return (0);
}

static int
ossl_open(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    const uint8_t *in, size_t clen, uint8_t *out, const uint8_t *tag)
{
	uint8_t nonce[16], md[64];
	int l, fl;

	if (c->alg->kind == KIND_CBC_HMAC) {
		if (ossl_hmac(c, hdr, iv, in, clen, md) != 0 ||
		    CRYPTO_memcmp(md, tag, ICV_LEN) != 0)
			return (-1);
		if (EVP_DecryptInit_ex(c->dctx, NULL, NULL, NULL, iv) != 1 ||
		    EVP_DecryptUpdate(c->dctx, out, &l, in, (int)clen) != 1)
			return (-1);
		return (0);
	}
	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	/* OpenSSL compares the tag itself, in constant time, in Final. */
	if (EVP_DecryptInit_ex(c->dctx, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_DecryptUpdate(c->dctx, NULL, &l, hdr, ESP_HDR_LEN) != 1 ||
	    EVP_DecryptUpdate(c->dctx, out, &l, in, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c->dctx, EVP_CTRL_AEAD_SET_TAG, ICV_LEN,
	    (void *)(uintptr_t)tag) != 1 ||
	    EVP_DecryptFinal_ex(c->dctx, out + l, &fl) != 1)
		return (-1);
	return (0);
}

static const struct raw_impl raw_openssl = {
	"openssl", false, ossl_supports, ossl_setup, ossl_seal, ossl_open,
	ossl_cleanup
};

#ifdef HAVE_IPSECMB
static IMB_MGR *imb, *imb_sse;

/* The manager for the best architecture here (AVX-512 where there is). */
static IMB_MGR *
imb_mgr(void)
{
	IMB_ARCH arch;

	if (imb == NULL) {
		if ((imb = alloc_mb_mgr(0)) == NULL)
			errx(1, "alloc_mb_mgr");
		init_mb_mgr_auto(imb, &arch);
		if (imb_get_errno(imb) != 0)
			errx(1, "init_mb_mgr_auto: %s",
			    imb_get_strerror(imb_get_errno(imb)));
	}
	return (imb);
}

/*
 * The SSE manager: its HMAC-SHA-1/256 code hashes one message at a time
 * with the SHA extensions, where the AVX2/AVX-512 managers run 8- or
 * 16-lane code that costs nearly as much for one job as for a full set
 * (the engine's IPsec-MB backend uses it for those); NULL when the CPU
 * lacks the SHA extensions.
 */
static IMB_MGR *
imb_mgr_sse(void)
{
	if (imb_sse == NULL &&
	    (imb_mgr()->features & IMB_FEATURE_SHANI) != 0) {
		if ((imb_sse = alloc_mb_mgr(0)) == NULL)
			errx(1, "alloc_mb_mgr");
		init_mb_mgr_sse(imb_sse);
		if (imb_get_errno(imb_sse) != 0)
			errx(1, "init_mb_mgr_sse: %s",
			    imb_get_strerror(imb_get_errno(imb_sse)));
	}
	return (imb_sse);
}

static bool
imb_supports_direct(const struct bench_alg *a)
{
	return (a->kind == KIND_GCM || a->kind == KIND_CHACHA);
}

static bool
imb_supports_job(const struct bench_alg *a)
{
	return (a->kind == KIND_CHACHA || a->kind == KIND_CBC_HMAC);
}

static bool
imb_supports_job_sse(const struct bench_alg *a)
{
	return (a->kind == KIND_CBC_HMAC && imb_mgr_sse() != NULL);
}

static bool
imb_supports_burst(const struct bench_alg *a)
{
	return (a->kind == KIND_CBC_HMAC);
}

static void
imb_setup(struct raw_ctx *c, const uint8_t *ekey, const uint8_t *akey)
{
	const struct bench_alg *a = c->alg;
	uint8_t block[64];
	size_t i;

	c->mgr = imb_mgr();
	switch (a->kind) {
	case KIND_GCM:
		memcpy(c->salt, ekey + a->ekeylen - 4, 4);
		c->gkey = xalloc(sizeof(*c->gkey));
		if (a->ekeylen == 20)
			IMB_AES128_GCM_PRE(c->mgr, ekey, c->gkey);
		else
			IMB_AES256_GCM_PRE(c->mgr, ekey, c->gkey);
		break;
	case KIND_CHACHA:
		memcpy(c->salt, ekey + 32, 4);
		c->ckey = xalloc(32);
		memcpy(c->ckey, ekey, 32);
		break;
	case KIND_CBC_HMAC:
		c->enckey = xalloc(16 * 15);
		c->deckey = xalloc(16 * 15);
		if (a->ekeylen == 16)
			IMB_AES_KEYEXP_128(c->mgr, ekey, c->enckey, c->deckey);
		else
			IMB_AES_KEYEXP_256(c->mgr, ekey, c->enckey, c->deckey);
		c->ipad = xalloc(32);
		c->opad = xalloc(32);
		/* The key (<= one block) padded, xor ipad/opad, one block. */
		memset(block, 0x36, sizeof(block));
		for (i = 0; i < a->akeylen; i++)
			block[i] ^= akey[i];
		IMB_SHA256_ONE_BLOCK(c->mgr, block, c->ipad);
		memset(block, 0x5c, sizeof(block));
		for (i = 0; i < a->akeylen; i++)
			block[i] ^= akey[i];
		IMB_SHA256_ONE_BLOCK(c->mgr, block, c->opad);
		explicit_bzero(block, sizeof(block));
		break;
	}
}

static void
imb_cleanup(struct raw_ctx *c)
{
	xfree(c->gkey, sizeof(*c->gkey));
	xfree(c->enckey, 16 * 15);
	xfree(c->deckey, 16 * 15);
	xfree(c->ipad, 32);
	xfree(c->opad, 32);
	xfree(c->ckey, 32);
	c->gkey = NULL;
	c->enckey = c->deckey = NULL;
	c->ipad = c->opad = c->ckey = NULL;
}

static int
imb_direct_seal(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    uint8_t *buf, size_t clen, uint8_t *tag)
{
	struct gcm_context_data ctx;
	struct chacha20_poly1305_context_data cctx;
	uint8_t nonce[12];

	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	if (c->alg->kind == KIND_CHACHA) {
		IMB_CHACHA20_POLY1305_INIT(c->mgr, c->ckey, &cctx, nonce, hdr,
		    ESP_HDR_LEN);
		IMB_CHACHA20_POLY1305_ENC_UPDATE(c->mgr, c->ckey, &cctx, buf,
		    buf, clen);
		IMB_CHACHA20_POLY1305_ENC_FINALIZE(c->mgr, &cctx, tag,
		    ICV_LEN);
	} else if (c->alg->ekeylen == 20)
		IMB_AES128_GCM_ENC(c->mgr, c->gkey, &ctx, buf, buf, clen,
		    nonce, hdr, ESP_HDR_LEN, tag, ICV_LEN);
	else
		IMB_AES256_GCM_ENC(c->mgr, c->gkey, &ctx, buf, buf, clen,
		    nonce, hdr, ESP_HDR_LEN, tag, ICV_LEN);
	return (0);
}

static int
imb_direct_open(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    const uint8_t *in, size_t clen, uint8_t *out, const uint8_t *tag)
{
	struct gcm_context_data ctx;
	struct chacha20_poly1305_context_data cctx;
	uint8_t nonce[12], calc[ICV_LEN];

	memcpy(nonce, c->salt, 4);
	memcpy(nonce + 4, iv, 8);
	if (c->alg->kind == KIND_CHACHA) {
		IMB_CHACHA20_POLY1305_INIT(c->mgr, c->ckey, &cctx, nonce, hdr,
		    ESP_HDR_LEN);
		IMB_CHACHA20_POLY1305_DEC_UPDATE(c->mgr, c->ckey, &cctx, out,
		    in, clen);
		IMB_CHACHA20_POLY1305_DEC_FINALIZE(c->mgr, &cctx, calc,
		    ICV_LEN);
	} else if (c->alg->ekeylen == 20)
		IMB_AES128_GCM_DEC(c->mgr, c->gkey, &ctx, out, in, clen,
		    nonce, hdr, ESP_HDR_LEN, calc, ICV_LEN);
	else
		IMB_AES256_GCM_DEC(c->mgr, c->gkey, &ctx, out, in, clen,
		    nonce, hdr, ESP_HDR_LEN, calc, ICV_LEN);
	/* IPsec-MB only computes the tag; the comparison is ours. */
	return (CRYPTO_memcmp(calc, tag, ICV_LEN) == 0 ? 0 : -1);
}

static const struct raw_impl raw_imb_direct = {
	"ipsecmb", false, imb_supports_direct, imb_setup, imb_direct_seal,
	imb_direct_open, imb_cleanup
};

/*
 * A job for one ESP payload.  For CBC+HMAC the buffer holds the ESP header
 * and IV in front of the payload (buf - hdroff): IPsec-MB hashes the
 * source, so encryption is in place (hash after cipher) and decryption
 * hashes the received bytes first.
 */
static void
imb_job_fill(struct raw_ctx *c, IMB_JOB *j, bool enc, const uint8_t *hdr,
    const uint8_t *iv, const uint8_t *src, uint8_t *dst, size_t clen,
    uint8_t *tag, uint8_t *nonce)
{
	const struct bench_alg *a = c->alg;
	size_t hdroff = ESP_HDR_LEN + a->ivlen;

	j->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->auth_tag_output = tag;
	j->auth_tag_output_len_in_bytes = ICV_LEN;
	if (a->kind == KIND_CHACHA) {
		memcpy(nonce, c->salt, 4);
		memcpy(nonce + 4, iv, 8);
		j->chain_order = enc ? IMB_ORDER_CIPHER_HASH :
		    IMB_ORDER_HASH_CIPHER;
		j->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
		j->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
		j->enc_keys = c->ckey;
		j->dec_keys = c->ckey;
		j->key_len_in_bytes = 32;
		j->src = src;
		j->dst = dst;
		j->cipher_start_src_offset_in_bytes = 0;
		j->msg_len_to_cipher_in_bytes = clen;
		j->hash_start_src_offset_in_bytes = 0;
		j->msg_len_to_hash_in_bytes = clen;
		j->iv = nonce;
		j->iv_len_in_bytes = 12;
		j->u.CHACHA20_POLY1305.aad = hdr;
		j->u.CHACHA20_POLY1305.aad_len_in_bytes = ESP_HDR_LEN;
		return;
	}
	j->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->cipher_mode = IMB_CIPHER_CBC;
	j->hash_alg = IMB_AUTH_HMAC_SHA_256;
	j->enc_keys = c->enckey;
	j->dec_keys = c->deckey;
	j->key_len_in_bytes = a->ekeylen;
	j->src = src - hdroff;
	j->dst = dst;
	j->cipher_start_src_offset_in_bytes = hdroff;
	j->msg_len_to_cipher_in_bytes = clen;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = hdroff + clen;
	j->iv = iv;
	j->iv_len_in_bytes = 16;
	j->u.HMAC._hashed_auth_key_xor_ipad = c->ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = c->opad;
}

/* Submit one job and take it back (flushing), as one packet would. */
static int
imb_job_one(IMB_MGR *m)
{
	IMB_JOB *j;

	if ((j = IMB_SUBMIT_JOB(m)) == NULL)
		j = IMB_FLUSH_JOB(m);
	if (j == NULL || j->status != IMB_STATUS_COMPLETED)
		return (-1);
	/* A single outstanding job: nothing else can come back. */
	return (IMB_FLUSH_JOB(m) == NULL ? 0 : -1);
}

static int
imb_job_seal(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    uint8_t *buf, size_t clen, uint8_t *tag)
{
	uint8_t nonce[12];

	imb_job_fill(c, IMB_GET_NEXT_JOB(c->mgr), true, hdr, iv, buf, buf,
	    clen, tag, nonce);
	return (imb_job_one(c->mgr));
}

static int
imb_job_open(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    const uint8_t *in, size_t clen, uint8_t *out, const uint8_t *tag)
{
	uint8_t nonce[12], calc[ICV_LEN];

	imb_job_fill(c, IMB_GET_NEXT_JOB(c->mgr), false, hdr, iv, in, out,
	    clen, calc, nonce);
	if (imb_job_one(c->mgr) != 0)
		return (-1);
	return (CRYPTO_memcmp(calc, tag, ICV_LEN) == 0 ? 0 : -1);
}

static void
imb_setup_sse(struct raw_ctx *c, const uint8_t *ekey, const uint8_t *akey)
{
	imb_setup(c, ekey, akey);
	c->mgr = imb_mgr_sse();
}

static const struct raw_impl raw_imb_job = {
	"ipsecmb-job", false, imb_supports_job, imb_setup, imb_job_seal,
	imb_job_open, imb_cleanup
};

static const struct raw_impl raw_imb_job_sse = {
	"ipsecmb-job-sse", false, imb_supports_job_sse, imb_setup_sse,
	imb_job_seal, imb_job_open, imb_cleanup
};

/*
 * BURST packets per call: the caller's packet and BURST - 1 more in
 * buffers of their own (c->slots), as a data plane would hand over a
 * burst of different packets.  The timing loop counts a call as BURST
 * packets.
 */
#define SLOT_LEN	MAX_ROOM

static void
imb_burst_setup(struct raw_ctx *c, const uint8_t *ekey, const uint8_t *akey)
{
	imb_setup(c, ekey, akey);
	c->slots = xalloc((size_t)BURST * SLOT_LEN);
}

static void
imb_burst_cleanup(struct raw_ctx *c)
{
	imb_cleanup(c);
	xfree(c->slots, (size_t)BURST * SLOT_LEN);
	c->slots = NULL;
}

/*
 * Count the jobs the manager hands back, and the good ones: every job is
 * taken back before returning, even after a failure, since the manager
 * writes to the jobs' buffers (some on our stack) until then.
 */
static void
imb_burst_take(IMB_JOB *j, const uint8_t *want, int *done, int *good)
{
	(*done)++;
	if (j->status != IMB_STATUS_COMPLETED)
		return;
	if (want != NULL &&
	    CRYPTO_memcmp(j->auth_tag_output, want, ICV_LEN) != 0)
		return;
	(*good)++;
}

static int
imb_burst_seal(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    uint8_t *buf, size_t clen, uint8_t *tag)
{
	uint8_t tags[BURST][ICV_LEN], *slot;
	size_t hdroff = ESP_HDR_LEN + c->alg->ivlen;
	IMB_JOB *j;
	int i, done = 0, good = 0;

	for (i = 0; i < BURST; i++) {
		j = IMB_GET_NEXT_JOB(c->mgr);
		if (i == 0)
			imb_job_fill(c, j, true, hdr, iv, buf, buf, clen, tag,
			    NULL);
		else {
			slot = c->slots + (size_t)i * SLOT_LEN + RAW_LEAD;
			imb_job_fill(c, j, true, slot, slot + ESP_HDR_LEN,
			    slot + hdroff, slot + hdroff, clen, tags[i], NULL);
		}
		for (j = IMB_SUBMIT_JOB(c->mgr); j != NULL;
		    j = IMB_GET_COMPLETED_JOB(c->mgr))
			imb_burst_take(j, NULL, &done, &good);
	}
	while ((j = IMB_FLUSH_JOB(c->mgr)) != NULL)
		imb_burst_take(j, NULL, &done, &good);
	if (done != BURST)
		errx(1, "IPsec-MB burst: %d jobs of %d came back", done,
		    BURST);
	return (good == BURST ? 0 : -1);
}

/* Every job opens the same received packet, into its own buffer. */
static int
imb_burst_open(struct raw_ctx *c, const uint8_t *hdr, const uint8_t *iv,
    const uint8_t *in, size_t clen, uint8_t *out, const uint8_t *tag)
{
	uint8_t calc[BURST][ICV_LEN];
	IMB_JOB *j;
	int i, done = 0, good = 0;

	for (i = 0; i < BURST; i++) {
		imb_job_fill(c, IMB_GET_NEXT_JOB(c->mgr), false, hdr, iv, in,
		    i == 0 ? out : c->slots + (size_t)i * SLOT_LEN, clen,
		    calc[i], NULL);
		for (j = IMB_SUBMIT_JOB(c->mgr); j != NULL;
		    j = IMB_GET_COMPLETED_JOB(c->mgr))
			imb_burst_take(j, tag, &done, &good);
	}
	while ((j = IMB_FLUSH_JOB(c->mgr)) != NULL)
		imb_burst_take(j, tag, &done, &good);
	if (done != BURST)
		errx(1, "IPsec-MB burst: %d jobs of %d came back", done,
		    BURST);
	return (good == BURST ? 0 : -1);
}

static const struct raw_impl raw_imb_burst = {
	"ipsecmb-job-burst", true, imb_supports_burst, imb_burst_setup,
	imb_burst_seal, imb_burst_open, imb_burst_cleanup
};
#endif /* HAVE_IPSECMB */

static const struct raw_impl *raw_impls[] = {
	&raw_openssl,
#ifdef HAVE_IPSECMB
	&raw_imb_direct,
	&raw_imb_job,
	&raw_imb_job_sse,
	&raw_imb_burst,
#endif
};
#define NRAW	(sizeof(raw_impls) / sizeof(raw_impls[0]))

/* -------------------------------------------------------- one test case */

/* Everything one algorithm and size needs, shared by all columns. */
struct bcase {
	const struct bench_alg	*alg;
	size_t			 size;		/* inner packet */
	size_t			 clen;		/* encrypted length */
	uint8_t			 ekey[64];
	uint8_t			 akey[64];
	uint8_t			*inner;		/* packet to protect */
	uint8_t			*out;		/* esp_output()'s */
	size_t			 outlen;
	uint8_t			*dec;		/* esp_input()'s */
	uint8_t			*ipbuf;		/* esp_output_inplace()'s */
	size_t			 ipoff;		/* the inner packet in it */
	uint8_t			*ipin;		/* esp_input_inplace()'s */
	uint8_t			*rawip;		/* raw, opened in place */
	/* raw: ESP header, IV and payload contiguous, tag after it */
	uint8_t			*rawbuf;	/* sealed, in place */
	uint8_t			*rawct;		/* sealed once, opened */
	uint8_t			 rawtag[ICV_LEN];
	struct esp_sa		*sa_out;	/* single writer */
	struct esp_sa		*sa_mw;		/* default: multi-writer */
	struct esp_sa		*sa_in;
	struct raw_ctx		 raw;
	const struct raw_impl	*impl;
};

#define RAW_HDROFF(bc)	(ESP_HDR_LEN + (bc)->alg->ivlen)

static int
op_engine_out(void *arg)
{
	struct bcase *bc = arg;
	size_t len;

	return (esp_output(bc->sa_out, bc->inner, bc->size, bc->out,
	    MAX_ROOM, &len, NULL));
}

static int
op_engine_out_inplace(void *arg)
{
	struct bcase *bc = arg;
	size_t off, len;

	/* The inner IP header, encrypted by the previous call. */
	memcpy(bc->ipbuf + bc->ipoff, bc->inner, 20);
	return (esp_output_inplace(bc->sa_out, bc->ipbuf, MAX_ROOM +
	    bc->ipoff, bc->ipoff, bc->size, &off, &len, NULL));
}

/* As op_engine_out_inplace(), on the multi-writer SA. */
static int
op_engine_out_mw(void *arg)
{
	struct bcase *bc = arg;
	size_t off, len;

	memcpy(bc->ipbuf + bc->ipoff, bc->inner, 20);
	return (esp_output_inplace(bc->sa_mw, bc->ipbuf, MAX_ROOM +
	    bc->ipoff, bc->ipoff, bc->size, &off, &len, NULL));
}

static int
op_engine_in(void *arg)
{
	struct bcase *bc = arg;
	size_t len;

	return (esp_input(bc->sa_in, bc->out, bc->outlen, bc->dec, MAX_ROOM,
	    &len));
}

static int
op_engine_in_inplace(void *arg)
{
	struct bcase *bc = arg;
	size_t off, len;

	memcpy(bc->ipin, bc->out, bc->outlen);
	return (esp_input_inplace(bc->sa_in, bc->ipin, bc->outlen, &off,
	    &len));
}

static int
op_raw_out(void *arg)
{
	struct bcase *bc = arg;
	uint8_t *p = bc->rawbuf + RAW_LEAD;
	uint8_t tag[ICV_LEN];

	return (bc->impl->seal(&bc->raw, p, p + ESP_HDR_LEN,
	    p + RAW_HDROFF(bc), bc->clen, tag));
}

static int
op_raw_in(void *arg)
{
	struct bcase *bc = arg;
	uint8_t *p = bc->rawct + RAW_LEAD;

	return (bc->impl->open(&bc->raw, p, p + ESP_HDR_LEN,
	    p + RAW_HDROFF(bc), bc->clen, bc->dec, bc->rawtag));
}

/* As op_engine_in_inplace(): a fresh copy, opened where it lies. */
static int
op_raw_in_inplace(void *arg)
{
	struct bcase *bc = arg;
	uint8_t *p = bc->rawip + RAW_LEAD;

	memcpy(p, bc->rawct + RAW_LEAD, RAW_HDROFF(bc) + bc->clen);
	return (bc->impl->open(&bc->raw, p, p + ESP_HDR_LEN,
	    p + RAW_HDROFF(bc), bc->clen, p + RAW_HDROFF(bc), bc->rawtag));
}

static void
key_set(struct sad_key *k, const uint8_t *data, size_t len)
{
	if (sad_key_set(k, data, (unsigned)(len * 8)) != 0)
		errx(1, "sad_key_set");
}

/*
 * An engine SA: inbound (no anti-replay), or outbound for a single
 * writer or for any number of them.
 */
static int
engine_sa(struct bcase *bc, enum esp_backend be, bool inbound, bool sw,
    struct esp_sa **sap)
{
	const struct bench_alg *a = bc->alg;
	struct esp_sa_opts o;
	struct sad_entry e;
	int r;

	sad_entry_init(&e);
	e.has = SAD_HAS_SA_FIELDS | SAD_HAS_SA2_FIELDS | SAD_HAS_EKEY;
	e.satype = PFKEY_SATYPE_ESP;
	e.state = PFKEY_SASTATE_MATURE;
	e.mode = PFKEY_MODE_TUNNEL;
	e.spi = 0x1000;
	e.reqid = 1;
	/* Inbound without anti-replay: the same packet is taken again. */
	e.replay = inbound ? 0 : 64;
	e.ealg = a->ealg;
	e.aalg = a->aalg;
	key_set(&e.ekey, bc->ekey, a->ekeylen);
	if (a->akeylen != 0) {
		e.has |= SAD_HAS_AKEY;
		key_set(&e.akey, bc->akey, a->akeylen);
	}
	if (sad_addr_parse(&e.src, "192.0.2.1") != 0 ||
	    sad_addr_parse(&e.dst, "192.0.2.2") != 0)
		errx(1, "sad_addr_parse");
	memset(&o, 0, sizeof(o));
	o.backend = be;
	o.single_writer = sw;
	r = esp_sa_new(&e, &o, sap);
	sad_entry_clear(&e);
	return (r);
}

static void
bcase_init(struct bcase *bc, const struct bench_alg *a, size_t size)
{
	memset(bc, 0, sizeof(*bc));
	bc->alg = a;
	bc->size = size;
	bc->clen = (size + 2 + a->align - 1) / a->align * a->align;
	rnd_fill(bc->ekey, sizeof(bc->ekey));
	rnd_fill(bc->akey, sizeof(bc->akey));
	bc->inner = xalloc(MAX_ROOM);
	bc->out = xalloc(MAX_ROOM);
	bc->dec = xalloc(MAX_ROOM);
	bc->ipin = xalloc(MAX_ROOM);
	bc->rawip = xalloc(MAX_ROOM);
	bc->rawbuf = xalloc(MAX_ROOM);
	bc->rawct = xalloc(MAX_ROOM);
	make_inner(bc->inner, size);
}

static void
bcase_free(struct bcase *bc)
{
	xfree(bc->inner, MAX_ROOM);
	xfree(bc->out, MAX_ROOM);
	xfree(bc->dec, MAX_ROOM);
	xfree(bc->ipin, MAX_ROOM);
	xfree(bc->rawip, MAX_ROOM);
	xfree(bc->rawbuf, MAX_ROOM);
	xfree(bc->rawct, MAX_ROOM);
	explicit_bzero(bc, sizeof(*bc));
}

/* Set up a raw implementation and check it works both ways. */
static void
raw_start(struct bcase *bc, const struct raw_impl *impl)
{
	uint8_t *p;
	size_t off = RAW_HDROFF(bc);

	bc->impl = impl;
	memset(&bc->raw, 0, sizeof(bc->raw));
	bc->raw.alg = bc->alg;
	impl->setup(&bc->raw, bc->ekey, bc->akey);
	/* rawct: header, IV, payload (inner + trailer); sealed once. */
	p = bc->rawct + RAW_LEAD;
	rnd_fill(p, off);
	memset(p + off, 0, bc->clen);
	memcpy(p + off, bc->inner, bc->size);
	memcpy(bc->rawbuf + RAW_LEAD, p, off + bc->clen);
	if (impl->seal(&bc->raw, p, p + ESP_HDR_LEN, p + off, bc->clen,
	    bc->rawtag) != 0)
		errx(1, "%s %s: seal failed", impl->name, bc->alg->name);
	if (impl->open(&bc->raw, p, p + ESP_HDR_LEN, p + off, bc->clen,
	    bc->dec, bc->rawtag) != 0 ||
	    memcmp(bc->dec, bc->inner, bc->size) != 0)
		errx(1, "%s %s: open failed", impl->name, bc->alg->name);
	if (op_raw_in_inplace(bc) != 0 || memcmp(bc->rawip + RAW_LEAD + off,
	    bc->inner, bc->size) != 0)
		errx(1, "%s %s: open in place failed", impl->name,
		    bc->alg->name);
	/* Negative control: a flipped tag bit must be refused. */
	bc->rawtag[0] ^= 1;
	if (impl->open(&bc->raw, p, p + ESP_HDR_LEN, p + off, bc->clen,
	    bc->dec, bc->rawtag) == 0)
		errx(1, "%s %s: bad tag accepted", impl->name, bc->alg->name);
	bc->rawtag[0] ^= 1;
}

static void
raw_stop(struct bcase *bc)
{
	bc->impl->cleanup(&bc->raw);
	bc->impl = NULL;
}

/* Make both engine SAs and one packet; check the round trip. */
static int
engine_start(struct bcase *bc, enum esp_backend be)
{
	size_t len, off;
	int r;

	if ((r = engine_sa(bc, be, false, true, &bc->sa_out)) != 0)
		return (r);
	if ((r = engine_sa(bc, be, false, false, &bc->sa_mw)) != 0 ||
	    (r = engine_sa(bc, be, true, false, &bc->sa_in)) != 0) {
		esp_sa_free(bc->sa_out);
		esp_sa_free(bc->sa_mw);
		bc->sa_out = bc->sa_mw = NULL;
		return (r);
	}
	if ((r = esp_output(bc->sa_out, bc->inner, bc->size, bc->out,
	    MAX_ROOM, &bc->outlen, NULL)) != 0)
		errx(1, "%s: esp_output: %s", bc->alg->name, esp_strerror(r));
	if ((r = esp_input(bc->sa_in, bc->out, bc->outlen, bc->dec,
	    MAX_ROOM, &len)) != 0)
		errx(1, "%s: esp_input: %s", bc->alg->name, esp_strerror(r));
	if (len != bc->size || memcmp(bc->dec, bc->inner, len) != 0)
		errx(1, "%s: esp_input gave back another packet",
		    bc->alg->name);
	/* Negative control: a flipped ICV bit must be refused. */
	bc->out[bc->outlen - 1] ^= 1;
	if (esp_input(bc->sa_in, bc->out, bc->outlen, bc->dec, MAX_ROOM,
	    &len) != ESP_E_AUTH)
		errx(1, "%s: esp_input took a bad ICV", bc->alg->name);
	bc->out[bc->outlen - 1] ^= 1;

	/*
	 * In place: the inner packet behind the SA's headroom, so that the
	 * packet starts at ipbuf[0] (the alignment of esp_output()'s).
	 */
	bc->ipoff = esp_sa_headroom(bc->sa_out);
	bc->ipbuf = xalloc(MAX_ROOM + bc->ipoff);
	memcpy(bc->ipbuf + bc->ipoff, bc->inner, bc->size);
	if ((r = esp_output_inplace(bc->sa_out, bc->ipbuf, MAX_ROOM +
	    bc->ipoff, bc->ipoff, bc->size, &off, &len, NULL)) != 0)
		errx(1, "%s: esp_output_inplace: %s", bc->alg->name,
		    esp_strerror(r));
	if (off != 0)
		errx(1, "%s: esp_output_inplace: packet at %zu, not 0",
		    bc->alg->name, off);
	if ((r = esp_input(bc->sa_in, bc->ipbuf, len, bc->dec, MAX_ROOM,
	    &len)) != 0 || len != bc->size ||
	    memcmp(bc->dec, bc->inner, len) != 0)
		errx(1, "%s: esp_output_inplace made another packet",
		    bc->alg->name);
	/* The multi-writer SA's packets open the same way. */
	memcpy(bc->ipbuf + bc->ipoff, bc->inner, bc->size);
	if ((r = esp_output_inplace(bc->sa_mw, bc->ipbuf, MAX_ROOM +
	    bc->ipoff, bc->ipoff, bc->size, &off, &len, NULL)) != 0 ||
	    off != 0)
		errx(1, "%s: esp_output_inplace (multi-writer SA) failed",
		    bc->alg->name);
	if ((r = esp_input(bc->sa_in, bc->ipbuf, len, bc->dec, MAX_ROOM,
	    &len)) != 0 || len != bc->size ||
	    memcmp(bc->dec, bc->inner, len) != 0)
		errx(1, "%s: the multi-writer SA made another packet",
		    bc->alg->name);
	memcpy(bc->ipbuf + bc->ipoff, bc->inner, bc->size);
	if ((r = op_engine_in_inplace(bc)) != 0)
		errx(1, "%s: esp_input_inplace: %s", bc->alg->name,
		    esp_strerror(r));
	if (esp_input_inplace(bc->sa_in, bc->ipin, bc->outlen, &off,
	    &len) != ESP_E_AUTH)
		errx(1, "%s: esp_input_inplace opened a packet twice",
		    bc->alg->name);
	memcpy(bc->ipin, bc->out, bc->outlen);
	if (esp_input_inplace(bc->sa_in, bc->ipin, bc->outlen, &off,
	    &len) != 0 || len != bc->size ||
	    memcmp(bc->ipin + off, bc->inner, len) != 0)
		errx(1, "%s: esp_input_inplace gave back another packet",
		    bc->alg->name);
	return (0);
}

static void
engine_stop(struct bcase *bc)
{
	esp_sa_free(bc->sa_out);
	esp_sa_free(bc->sa_mw);
	esp_sa_free(bc->sa_in);
	bc->sa_out = bc->sa_mw = bc->sa_in = NULL;
	xfree(bc->ipbuf, MAX_ROOM + bc->ipoff);
	bc->ipbuf = NULL;
}

/* ------------------------------------------------------------- the run */

struct opts {
	bool		 engine;	/* measure the engine */
	bool		 raw;		/* measure the raw crypto */
	bool		 out;		/* measure output (sealing) */
	bool		 in;		/* measure input (opening) */
	double		 secs;
	int		 rounds;
	bool		 verbose;
	bool		 more;		/* the o.cp and i.ip columns */
	enum esp_backend backends[MAX_BACKENDS];
	size_t		 nbackends;
	bool		 algon[NALGS];
	size_t		 sizes[MAX_SIZES];
	size_t		 nsizes;
};

struct rate {
	double	out;		/* calls per second */
	double	in;
	double	mw;		/* engine: the multi-writer SA's output */
	double	cp;		/* engine: esp_output() */
	double	ip;		/* esp_input_inplace(), raw opening in place */
};

static void
best(double *r, double v)
{
	if (v > *r)
		*r = v;
}

/* Calls per second of op when `on', else 0 (not measured). */
static double
maybe(bool on, bench_op op, void *arg, double secs, double mult)
{
	return (on ? mult * measure(op, arg, secs) : 0);
}

/* A column of the table; 0 is a figure not measured. */
static void
pr_num(double v, int width, int prec)
{
	if (v > 0)
		printf(" %*.*f", width, prec, v);
	else
		printf(" %*s", width, "-");
}

static double
mbs(double pps, size_t size)
{
	return (pps * (double)size / 1e6);
}

static void
run_case(const struct opts *o, const struct bench_alg *a, size_t size)
{
	struct bcase bc;
	struct rate eng[MAX_BACKENDS], raw[NRAW];
	bool engok[MAX_BACKENDS], rawok[NRAW];
	enum esp_backend used[MAX_BACKENDS];
	char refname[64];
	int round, r;
	size_t i, rout, rin, rip;
	double mult;

	bcase_init(&bc, a, size);
	memset(eng, 0, sizeof(eng));
	memset(raw, 0, sizeof(raw));
	for (i = 0; i < NRAW; i++)
		rawok[i] = raw_impls[i]->supports(a);
	for (i = 0; i < o->nbackends; i++) {
		engok[i] = false;
		if ((r = engine_start(&bc, o->backends[i])) != 0) {
			printf("%-22s %5zu %-8s engine: %s\n", a->name, size,
			    esp_backend_name(o->backends[i]),
			    esp_strerror(r));
			continue;
		}
		used[i] = esp_sa_backend(bc.sa_out);
		engine_stop(&bc);
		engok[i] = true;
	}
	for (round = 0; round < o->rounds; round++) {
		for (i = 0; i < o->nbackends; i++) {
			if (!engok[i] || !o->engine)
				continue;
			if (engine_start(&bc, o->backends[i]) != 0)
				errx(1, "engine SA failed");
			best(&eng[i].out, maybe(o->out, op_engine_out_inplace,
			    &bc, o->secs, 1));
			best(&eng[i].in, maybe(o->in, op_engine_in, &bc,
			    o->secs, 1));
			best(&eng[i].mw, maybe(o->out, op_engine_out_mw, &bc,
			    o->secs, 1));
			best(&eng[i].cp, maybe(o->out && o->more,
			    op_engine_out, &bc, o->secs, 1));
			best(&eng[i].ip, maybe(o->in && o->more,
			    op_engine_in_inplace, &bc, o->secs, 1));
			engine_stop(&bc);
		}
		for (i = 0; i < NRAW; i++) {
			if (!rawok[i] || !o->raw ||
			    (raw_impls[i]->burst && !o->verbose))
				continue;
			raw_start(&bc, raw_impls[i]);
			mult = raw_impls[i]->burst ? BURST : 1;
			best(&raw[i].out, maybe(o->out, op_raw_out, &bc,
			    o->secs, mult));
			best(&raw[i].in, maybe(o->in, op_raw_in, &bc, o->secs,
			    mult));
			/* A burst opens into its own slots: not in place. */
			best(&raw[i].ip, maybe(o->in && o->more &&
			    !raw_impls[i]->burst, op_raw_in_inplace, &bc,
			    o->secs, 1));
			raw_stop(&bc);
		}
	}
	/*
	 * The reference: the fastest one-packet-per-call implementation,
	 * for each direction.
	 */
	rout = rin = rip = 0;
	for (i = 0; i < NRAW; i++) {
		if (!rawok[i] || raw_impls[i]->burst)
			continue;
		if (raw[i].out > raw[rout].out)
			rout = i;
		if (raw[i].in > raw[rin].in)
			rin = i;
		if (raw[i].ip > raw[rip].ip)
			rip = i;
	}
	if (rout == rin)
		snprintf(refname, sizeof(refname), "%s",
		    raw_impls[rout]->name);
	else
		snprintf(refname, sizeof(refname), "%s/%s",
		    raw_impls[rout]->name, raw_impls[rin]->name);
	for (i = 0; i < o->nbackends && o->engine; i++) {
		if (!engok[i])
			continue;
		printf("%-22s %5zu %-8s", a->name, size,
		    esp_backend_name(used[i]));
		pr_num(mbs(eng[i].out, size), 8, 1);
		pr_num(eng[i].out / 1e3, 8, 0);
		pr_num(mbs(eng[i].in, size), 8, 1);
		pr_num(eng[i].in / 1e3, 8, 0);
		if (o->raw) {
			printf(" ");
			pr_num(mbs(raw[rout].out, size), 8, 1);
			pr_num(mbs(raw[rin].in, size), 8, 1);
			pr_num(raw[rout].out > 0 ?
			    eng[i].out / raw[rout].out : 0, 5, 2);
			pr_num(raw[rin].in > 0 ? eng[i].in / raw[rin].in : 0,
			    5, 2);
			pr_num(raw[rout].out > 0 ?
			    eng[i].mw / raw[rout].out : 0, 5, 2);
			pr_num(raw[rout].out > 0 ?
			    eng[i].cp / raw[rout].out : 0, 5, 2);
			pr_num(raw[rip].ip > 0 ? eng[i].ip / raw[rip].ip : 0,
			    5, 2);
			printf(" %s", refname);
		}
		printf("\n");
	}
	if (o->verbose || !o->engine)
		for (i = 0; i < NRAW; i++) {
			if (!rawok[i] || (raw_impls[i]->burst && !o->verbose))
				continue;
			printf("%-22s %5zu   raw %-17s out", a->name, size,
			    raw_impls[i]->name);
			pr_num(mbs(raw[i].out, size), 8, 1);
			printf(" MB/s");
			pr_num(raw[i].out / 1e3, 8, 0);
			printf(" kpps  in");
			pr_num(mbs(raw[i].in, size), 8, 1);
			printf(" MB/s");
			pr_num(raw[i].in / 1e3, 8, 0);
			printf(" kpps  in place");
			pr_num(raw[i].ip / 1e3, 8, 0);
			printf(" kpps\n");
		}
	fflush(stdout);
	bcase_free(&bc);
}

static void
usage(void)
{
	fprintf(stderr, "usage: esp_bench [-nvw] [-d out|in|both] "
	    "[-m engine|raw|both] [-t ms]\n\t[-r rounds] [-c cpu]"
	    " [-b backend[,...]] [-a alg[,...]] [-s size[,...]]\n"
	    "backends: auto openssl ipsecmb; algorithms:");
	for (size_t i = 0; i < NALGS; i++)
		fprintf(stderr, " %s", algs[i].name);
	fprintf(stderr, "\n");
	exit(1);
}

static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		errx(1, "bad number: %s", s);
	return (v);
}

/* Split a comma-separated list in place; calls fn on each word. */
static void
each_word(char *list, void (*fn)(struct opts *, const char *),
    struct opts *o)
{
	char *w;

	while ((w = strsep(&list, ",")) != NULL)
		if (*w != '\0')
			fn(o, w);
}

static void
add_backend(struct opts *o, const char *w)
{
	enum esp_backend b;

	if (strcmp(w, "auto") == 0)
		b = ESP_BACKEND_AUTO;
	else if (strcmp(w, "openssl") == 0)
		b = ESP_BACKEND_OPENSSL;
	else if (strcmp(w, "ipsecmb") == 0)
		b = ESP_BACKEND_IPSECMB;
	else
		errx(1, "unknown backend: %s", w);
	if (!esp_backend_available(b))
		errx(1, "backend not in this build: %s", w);
	if (o->nbackends == MAX_BACKENDS)
		errx(1, "too many backends");
	o->backends[o->nbackends++] = b;
}

static void
add_alg(struct opts *o, const char *w)
{
	size_t i;

	for (i = 0; i < NALGS; i++)
		if (strcmp(w, algs[i].name) == 0) {
			o->algon[i] = true;
			return;
		}
	errx(1, "unknown algorithm: %s", w);
}

static void
add_size(struct opts *o, const char *w)
{
	if (o->nsizes == MAX_SIZES)
		errx(1, "too many sizes");
	o->sizes[o->nsizes++] = (size_t)num(w, 28, MAX_PKT);
}

int
main(int argc, char *argv[])
{
	struct opts o;
	cpu_set_t set;
	int ch, cpu = -1;
	bool anyalg = false;
	size_t i, j;

	memset(&o, 0, sizeof(o));
	o.engine = o.raw = true;
	o.out = o.in = true;
	o.secs = 0.25;
	o.rounds = 3;
	o.more = true;
	while ((ch = getopt(argc, argv, "a:b:c:d:m:nr:s:t:vw")) != -1) {
		switch (ch) {
		case 'a':
			each_word(optarg, add_alg, &o);
			anyalg = true;
			break;
		case 'b':
			each_word(optarg, add_backend, &o);
			break;
		case 'c':
			cpu = (int)num(optarg, 0, CPU_SETSIZE - 1);
			break;
		case 'd':
			if (strcmp(optarg, "out") == 0)
				o.in = false;
			else if (strcmp(optarg, "in") == 0)
				o.out = false;
			else if (strcmp(optarg, "both") != 0)
				usage();
			break;
		case 'm':
			if (strcmp(optarg, "engine") == 0)
				o.raw = false;
			else if (strcmp(optarg, "raw") == 0)
				o.engine = false;
			else if (strcmp(optarg, "both") != 0)
				usage();
			break;
		case 'n':
			o.more = false;
			break;
		case 'r':
			o.rounds = (int)num(optarg, 1, 1000);
			break;
		case 's':
			each_word(optarg, add_size, &o);
			break;
		case 't':
			o.secs = (double)num(optarg, 1, 600000) / 1000.0;
			break;
		case 'v':
			o.verbose = true;
			break;
		case 'w':
			bench_clock = CLOCK_MONOTONIC;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (o.nbackends == 0)
		o.backends[o.nbackends++] = ESP_BACKEND_AUTO;
	if (!anyalg)
		for (i = 0; i < NALGS; i++)
			o.algon[i] = true;
	if (o.nsizes == 0) {
		o.sizes[o.nsizes++] = 64;
		o.sizes[o.nsizes++] = 512;
		o.sizes[o.nsizes++] = 1400;
	}
	/* One core for every measurement: the one we start on by default. */
	if (cpu < 0 && (cpu = sched_getcpu()) < 0)
		err(1, "sched_getcpu");
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		err(1, "sched_setaffinity %d", cpu);

	printf("# esp_bench: cpu %d, best of %d x %.3f s of %s time, MB/s = "
	    "10^6 inner bytes/s, tunnel mode IPv4\n", cpu, o.rounds, o.secs,
	    bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU");
	printf("# out: single-writer SA; o.mw: multi-writer SA (the default)"
	    "\n");
	printf("%-22s %5s %-8s %8s %8s %8s %8s  %8s %8s %5s %5s %5s %5s "
	    "%5s %s\n", "algorithm", "size", "backend", "out MB/s",
	    "out kpps", "in MB/s", "in kpps", "raw out", "raw in", "r.out",
	    "r.in", "o.mw", "o.cp", "i.ip", "raw lib (out/in)");
	for (i = 0; i < NALGS; i++) {
		if (!o.algon[i])
			continue;
		for (j = 0; j < o.nsizes; j++)
			run_case(&o, &algs[i], o.sizes[j]);
	}
	return (0);
}
