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
 * The Intel IPsec-MB crypto backend (esp_crypto.h), x86-64 only, built
 * when HAVE_IPSECMB.
 *
 * Two ways into the library:
 *  - AES-GCM uses its direct API (aes_gcm_enc_128 and friends through the
 *    manager's function pointers) with the key schedule and GHASH tables
 *    precomputed per SA (struct gcm_key_data).  Those functions keep no
 *    state outside the caller's gcm_context_data (on our stack), so any
 *    number of threads may use one SA and the one shared manager at
 *    once.  This is where IPsec-MB pays most: no per-call set-up, unlike
 *    OpenSSL's EVP, and VAES/AVX-512 code where the CPU has it.
 *  - AES-CBC, AES-CTR, HMAC-SHA-1/2 and ChaCha20-Poly1305 go through the
 *    job API (IMB_GET_NEXT_JOB / IMB_SUBMIT_JOB / IMB_FLUSH_JOB), one
 *    packet per submit.  A manager's job queue is not thread safe, so
 *    every thread gets its own managers (thread-local, made on the
 *    thread's first job, freed by a pthread key destructor when the
 *    thread exits; see struct imb_thread for which kinds); with them
 *    comes a scratch buffer for gathering MAC input that arrives in
 *    several pieces (the library hashes one contiguous range).  Those
 *    are the only allocations after sa_init(), once per thread, never
 *    per packet.
 * Key material is expanded once per SA (AES key schedules, the HMAC
 * inner and outer states after one block of key ^ ipad/opad, GCM hash key
 * powers) and wiped with explicit_bzero() in sa_free().
 *
 * IPsec-MB computes tags and never compares them: aead_open() hands the
 * computed tag back and the engine compares it with the received ICV in
 * constant time (esp_ct_equal()), as it does for mac().
 *
 * Which SAs ESP_BACKEND_AUTO gives to this backend is preferred()'s
 * business (esp_crypto.h).  Measured through the engine, one packet per
 * call, IPsec-MB backend over OpenSSL 3.0 backend, packets per second
 * (bench/esp_bench and a run of every cipher/HMAC pair; AMD EPYC with
 * VAES, AVX-512 and the SHA extensions; IPsec-MB 1.3), for 64, 512 and
 * 1400-byte packets, output-input:
 *	AES-128-GCM			3.2-3.6x, 3.4-4.0x, 3.7-4.3x
 *	ChaCha20-Poly1305		2.9-3.0x, 2.9-3.1x, 2.3x
 *	AES-CBC/CTR + HMAC-SHA-1/256	1.4-1.8x, 1.1-1.4x, 1.0-1.2x
 *	AES-CBC/CTR + HMAC-SHA-384/512	0.6-0.9x, 0.7x, 0.65-0.7x
 * preferred() says yes to the first three where the CPU features that
 * make them fast are there, no to the rest.
 */

#ifdef HAVE_IPSECMB

#include <sys/types.h>

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* IPsec-MB's pre-0.53 names (SHA1, CBC, ...) clash with OpenSSL's. */
#define NO_COMPAT_IMB_API_053
#include <intel-ipsec-mb.h>

#include "esp.h"
#include "esp_crypto.h"

/* imb_wipe_gcm() clears two 16-byte fields as 64-bit words. */
_Static_assert(offsetof(struct gcm_context_data, aad_hash) % 8 == 0 &&
    offsetof(struct gcm_context_data, partial_block_enc_key) % 8 == 0 &&
    sizeof(((struct gcm_context_data *)0)->aad_hash) == 16 &&
    sizeof(((struct gcm_context_data *)0)->partial_block_enc_key) == 16,
    "gcm_context_data layout");

/*
 * The largest MAC input gathered from segments: an IP packet (64 KiB)
 * plus the ESN high bits and AH's copies of headers.
 */
#define IMB_SCRATCH_LEN		(65536 + 1024)

/* An all-zero block (for one-block AES through CFB). */
static const uint8_t imb_zero[16];

/* AES key schedules: up to 15 round keys of 16 bytes. */
#define IMB_AES_SCHED_WORDS	(15 * 4)

/* Which of a thread's job managers an SA uses (see struct imb_thread). */
enum imb_sel {
	IMB_SEL_WIDE = 0,
	IMB_SEL_SHA,
};

struct imb_sa {
	/* First: it wants 64-byte alignment (AVX-512 loads). */
	struct gcm_key_data	 gkey;
	uint32_t		 enckey[IMB_AES_SCHED_WORDS];
	uint32_t		 deckey[IMB_AES_SCHED_WORDS];
	uint8_t			 ipad[64];	/* inner hash state */
	uint8_t			 opad[64];	/* outer hash state */
	uint8_t			 ckey[32];	/* ChaCha20 key */
	uint8_t			 salt[4];
	IMB_MGR			*mgr;		/* shared (direct API) */
	aes_gcm_enc_dec_t	 gcm_enc;	/* its AES-GCM for the key size */
	aes_gcm_enc_dec_t	 gcm_dec;
	enum imb_sel		 sel;		/* job manager kind */
	enum esp_cipher		 cipher;
	size_t			 ckeylen;
	size_t			 icvlen;
	enum esp_mac		 mac;
	IMB_HASH_ALG		 hash;
	size_t			 digestlen;	/* full HMAC output */
	size_t			 maclen;	/* on the wire */
};

/*
 * Per thread: managers for the job API and the gather buffer.  One
 * packet per submit favours different code than the library's widest.
 * Its AVX2 and AVX-512 managers run HMAC-SHA-1 (and AVX-512 also
 * HMAC-SHA-256) as 8- or 16-lane multi-buffer code, which for a single
 * job (submit, then flush) costs nearly as much as a full set of lanes;
 * its SSE manager hashes SHA-1 and SHA-256 with the CPU's SHA extensions
 * one message at a time, 2.5 to 5 times faster for one job here (AMD
 * EPYC, IPsec-MB 1.3, 1424-byte HMACs).  SHA-384/512 have no such
 * instructions and ChaCha20-Poly1305 is fastest through the widest
 * manager.  So an SA with HMAC-SHA-1/256 on a CPU with the SHA
 * extensions uses `sha' (init_mb_mgr_sse()), every other job-API SA
 * uses `wide' (init_mb_mgr_auto()).  Each is made on the thread's first
 * job that needs it.
 */
struct imb_thread {
	IMB_MGR		*mgr[2];	/* by enum imb_sel */
	uint8_t		*scratch;	/* IMB_SCRATCH_LEN, on first use */
};

/*
 * The shared manager: key expansion and the direct GCM API, whose
 * functions only read the manager's function table.
 */
static pthread_once_t	 imb_once = PTHREAD_ONCE_INIT;
static IMB_MGR		*imb_shared;
static IMB_ARCH		 imb_arch;
static pthread_key_t	 imb_tkey;
static __thread struct imb_thread *imb_self;

static void
imb_thread_free(void *arg)
{
	struct imb_thread *t = arg;

	if (t == NULL)
		return;
	if (t->mgr[IMB_SEL_WIDE] != NULL)
		free_mb_mgr(t->mgr[IMB_SEL_WIDE]);
	if (t->mgr[IMB_SEL_SHA] != NULL)
		free_mb_mgr(t->mgr[IMB_SEL_SHA]);
	if (t->scratch != NULL)
		freezero(t->scratch, IMB_SCRATCH_LEN);
	free(t);
	/*
	 * The exiting thread's own pointer: should another key's
	 * destructor still use the backend, it starts afresh (and is
	 * freed again, PTHREAD_DESTRUCTOR_ITERATIONS allowing).
	 */
	imb_self = NULL;
}

/* A manager for the best architecture, or the SSE one when `sse'. */
static IMB_MGR *
imb_mgr_new(bool sse, IMB_ARCH *arch)
{
	IMB_MGR *m;

	if ((m = alloc_mb_mgr(0)) == NULL)
		return (NULL);
	if (sse) {
		init_mb_mgr_sse(m);
		*arch = IMB_ARCH_SSE;
	} else
		init_mb_mgr_auto(m, arch);
	if (imb_get_errno(m) != 0) {
		free_mb_mgr(m);
		return (NULL);
	}
	return (m);
}

static void
imb_init_once(void)
{
	IMB_ARCH arch = IMB_ARCH_NONE;

	if (pthread_key_create(&imb_tkey, imb_thread_free) != 0)
		return;
	if ((imb_shared = imb_mgr_new(false, &arch)) != NULL)
		imb_arch = arch;
}

/* The shared manager, or NULL when the library cannot run here. */
static IMB_MGR *
imb_shared_mgr(void)
{
	if (pthread_once(&imb_once, imb_init_once) != 0)
		return (NULL);
	return (imb_shared);
}

/* This thread's state, made on the thread's first job. */
static struct imb_thread *
imb_thread(void)
{
	struct imb_thread *t;

	if ((t = imb_self) != NULL)
		return (t);
	if (imb_shared_mgr() == NULL)
		return (NULL);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (NULL);
	if (pthread_setspecific(imb_tkey, t) != 0) {
		free(t);
		return (NULL);
	}
	imb_self = t;
	return (t);
}

/* This thread's manager of kind `sel', made on first use. */
static IMB_MGR *
imb_mgr(enum imb_sel sel)
{
	struct imb_thread *t;
	IMB_ARCH arch;

	if ((t = imb_thread()) == NULL)
		return (NULL);
	if (t->mgr[sel] == NULL)
		t->mgr[sel] = imb_mgr_new(sel == IMB_SEL_SHA, &arch);
	return (t->mgr[sel]);
}

/* Whether the CPU has the SHA extensions (IPsec-MB's SSE code uses them). */
static bool
imb_shani(void)
{
	return (imb_shared != NULL &&
	    (imb_shared->features & IMB_FEATURE_SHANI) != 0);
}

/* ---------------------------------------------------------------- setup */

static bool
imb_cipher_ok(const struct esp_crypto_params *p)
{
	switch (p->cipher) {
	case ESP_CIPHER_NONE:
	case ESP_CIPHER_NULL:
		return (true);
	case ESP_CIPHER_AES_CBC:
	case ESP_CIPHER_AES_CTR:
		return (p->ckeylen == 16 || p->ckeylen == 24 ||
		    p->ckeylen == 32);
	case ESP_CIPHER_AES_GCM:
		return ((p->ckeylen == 16 || p->ckeylen == 24 ||
		    p->ckeylen == 32) && (p->icvlen == 8 || p->icvlen == 12 ||
		    p->icvlen == 16) && p->mac == ESP_MAC_NONE);
	case ESP_CIPHER_CHACHA20_POLY1305:
		return (p->ckeylen == 32 && p->icvlen == 16 &&
		    p->mac == ESP_MAC_NONE);
	}
	return (false);
}

/* Hash parameters of a MAC: job algorithm, block and digest sizes. */
static bool
imb_mac_info(enum esp_mac mac, IMB_HASH_ALG *hash, size_t *block,
    size_t *digest)
{
	switch (mac) {
	case ESP_MAC_HMAC_SHA1:
		*hash = IMB_AUTH_HMAC_SHA_1;
		*block = 64;
		*digest = 20;
		return (true);
	case ESP_MAC_HMAC_SHA256:
		*hash = IMB_AUTH_HMAC_SHA_256;
		*block = 64;
		*digest = 32;
		return (true);
	case ESP_MAC_HMAC_SHA384:
		*hash = IMB_AUTH_HMAC_SHA_384;
		*block = 128;
		*digest = 48;
		return (true);
	case ESP_MAC_HMAC_SHA512:
		*hash = IMB_AUTH_HMAC_SHA_512;
		*block = 128;
		*digest = 64;
		return (true);
	case ESP_MAC_NONE:
		break;
	}
	return (false);
}

static bool
imb_supports(const struct esp_crypto_params *p)
{
	IMB_HASH_ALG hash;
	size_t block, digest;

	if (imb_shared_mgr() == NULL || !imb_cipher_ok(p))
		return (false);
	if (p->mac == ESP_MAC_NONE)
		/* Nothing at all (AH without a MAC) is not an SA. */
		return (p->cipher != ESP_CIPHER_NONE &&
		    p->cipher != ESP_CIPHER_NULL);
	if (ESP_CIPHER_IS_AEAD(p->cipher) ||
	    !imb_mac_info(p->mac, &hash, &block, &digest))
		return (false);
	return (p->maclen > 0 && p->maclen <= digest && p->mkeylen > 0);
}

/*
 * ESP_BACKEND_AUTO: this backend where it is measurably faster than
 * OpenSSL 3.0 through the engine, one packet at a time (bench/esp_bench
 * and the figures in the file's header comment):
 *  - AES-GCM, through the direct API, wherever the library has AES-NI
 *    code (IMB_ARCH_NOAESNI is a slow software fallback);
 *  - ChaCha20-Poly1305 when the widest manager is AVX-512 (its AVX2 code
 *    is no faster than OpenSSL's);
 *  - AES-CBC and AES-CTR with HMAC-SHA-1 or HMAC-SHA-256 when the CPU
 *    has the SHA extensions (one job on the SSE manager; without them,
 *    or for SHA-384/512, the library's multi-buffer hashing loses).
 * ESP NULL and AH stay with OpenSSL: AH's MAC input comes in pieces,
 * which this backend has to gather.
 */
static bool
imb_preferred(const struct esp_crypto_params *p)
{
	if (!imb_supports(p) || imb_arch < IMB_ARCH_SSE)
		return (false);
	switch (p->cipher) {
	case ESP_CIPHER_AES_GCM:
		return (true);
	case ESP_CIPHER_CHACHA20_POLY1305:
		return (imb_arch >= IMB_ARCH_AVX512);
	case ESP_CIPHER_AES_CBC:
	case ESP_CIPHER_AES_CTR:
		return ((p->mac == ESP_MAC_HMAC_SHA1 ||
		    p->mac == ESP_MAC_HMAC_SHA256) && imb_shani());
	default:
		return (false);
	}
}

/* The hash state after one block (no padding, no finalisation). */
static void
imb_one_block(IMB_MGR *m, enum esp_mac mac, const uint8_t *block,
    uint8_t *state)
{
	switch (mac) {
	case ESP_MAC_HMAC_SHA1:
		IMB_SHA1_ONE_BLOCK(m, block, state);
		break;
	case ESP_MAC_HMAC_SHA256:
		IMB_SHA256_ONE_BLOCK(m, block, state);
		break;
	case ESP_MAC_HMAC_SHA384:
		IMB_SHA384_ONE_BLOCK(m, block, state);
		break;
	default:
		IMB_SHA512_ONE_BLOCK(m, block, state);
		break;
	}
}

/* HMAC inner/outer states: one block of (key ^ ipad) and (key ^ opad). */
static void
imb_hmac_init(IMB_MGR *m, struct imb_sa *s, const uint8_t *key,
    size_t keylen, size_t block)
{
	uint8_t k[128], buf[128];
	size_t i;

	memset(k, 0, sizeof(k));
	if (keylen > block) {
		/* RFC 2104: a key longer than a block is hashed first. */
		switch (s->mac) {
		case ESP_MAC_HMAC_SHA1:
			IMB_SHA1(m, key, keylen, k);
			break;
		case ESP_MAC_HMAC_SHA256:
			IMB_SHA256(m, key, keylen, k);
			break;
		case ESP_MAC_HMAC_SHA384:
			IMB_SHA384(m, key, keylen, k);
			break;
		default:
			IMB_SHA512(m, key, keylen, k);
			break;
		}
	} else
		memcpy(k, key, keylen);
	for (i = 0; i < block; i++)
		buf[i] = k[i] ^ 0x36;
	imb_one_block(m, s->mac, buf, s->ipad);
	for (i = 0; i < block; i++)
		buf[i] = k[i] ^ 0x5c;
	imb_one_block(m, s->mac, buf, s->opad);
	explicit_bzero(k, sizeof(k));
	explicit_bzero(buf, sizeof(buf));
}

static void
imb_sa_free(void *ctx)
{
	if (ctx == NULL)
		return;
	explicit_bzero(ctx, sizeof(struct imb_sa));
	free(ctx);
}

static int
imb_sa_init(const struct esp_crypto_params *p, void **ctxp)
{
	struct imb_sa *s;
	IMB_MGR *m;
	size_t block;

	*ctxp = NULL;
	if (!imb_supports(p) || (m = imb_shared_mgr()) == NULL)
		return (ESP_E_ALG);
	if ((s = aligned_alloc(64, (sizeof(*s) + 63) & ~(size_t)63)) == NULL)
		return (ESP_E_NOMEM);
	memset(s, 0, sizeof(*s));
	s->mgr = m;
	s->cipher = p->cipher;
	s->ckeylen = p->ckeylen;
	s->icvlen = p->icvlen;
	s->mac = p->mac;
	s->maclen = p->maclen;
	memcpy(s->salt, p->salt, sizeof(s->salt));

	switch (p->cipher) {
	case ESP_CIPHER_AES_GCM:
		/*
		 * The functions the IMB_AES*_GCM_ENC/DEC macros call,
		 * chosen once rather than per packet.
		 */
		if (p->ckeylen == 16) {
			IMB_AES128_GCM_PRE(m, p->ckey, &s->gkey);
			s->gcm_enc = m->gcm128_enc;
			s->gcm_dec = m->gcm128_dec;
		} else if (p->ckeylen == 24) {
			IMB_AES192_GCM_PRE(m, p->ckey, &s->gkey);
			s->gcm_enc = m->gcm192_enc;
			s->gcm_dec = m->gcm192_dec;
		} else {
			IMB_AES256_GCM_PRE(m, p->ckey, &s->gkey);
			s->gcm_enc = m->gcm256_enc;
			s->gcm_dec = m->gcm256_dec;
		}
		break;
	case ESP_CIPHER_AES_CBC:
	case ESP_CIPHER_AES_CTR:
		if (p->ckeylen == 16)
			IMB_AES_KEYEXP_128(m, p->ckey, s->enckey, s->deckey);
		else if (p->ckeylen == 24)
			IMB_AES_KEYEXP_192(m, p->ckey, s->enckey, s->deckey);
		else
			IMB_AES_KEYEXP_256(m, p->ckey, s->enckey, s->deckey);
		break;
	case ESP_CIPHER_CHACHA20_POLY1305:
		memcpy(s->ckey, p->ckey, 32);
		break;
	case ESP_CIPHER_NONE:
	case ESP_CIPHER_NULL:
		break;
	}
	s->sel = (p->mac == ESP_MAC_HMAC_SHA1 ||
	    p->mac == ESP_MAC_HMAC_SHA256) && imb_shani() ? IMB_SEL_SHA :
	    IMB_SEL_WIDE;
	if (p->mac != ESP_MAC_NONE) {
		if (!imb_mac_info(p->mac, &s->hash, &block, &s->digestlen)) {
			imb_sa_free(s);
			return (ESP_E_ALG);
		}
		imb_hmac_init(m, s, p->mkey, p->mkeylen, block);
	}
	*ctxp = s;
	return (0);
}

/* ------------------------------------------------------------ job API */

/* A blank job: nothing to cipher, nothing to hash. */
static void
imb_job_clear(IMB_JOB *j)
{
	j->cipher_mode = IMB_CIPHER_NULL;
	j->hash_alg = IMB_AUTH_NULL;
	j->chain_order = IMB_ORDER_CIPHER_HASH;
	j->cipher_direction = IMB_DIR_ENCRYPT;
	j->src = NULL;
	j->dst = NULL;
	j->enc_keys = NULL;
	j->dec_keys = NULL;
	j->key_len_in_bytes = 0;
	j->iv = NULL;
	j->iv_len_in_bytes = 0;
	j->cipher_start_src_offset_in_bytes = 0;
	j->msg_len_to_cipher_in_bytes = 0;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = 0;
	j->auth_tag_output = NULL;
	j->auth_tag_output_len_in_bytes = 0;
	j->user_data = NULL;
	j->user_data2 = NULL;
}

/*
 * Run the one job just filled in and wait for it: a single outstanding
 * job comes back from submit (synchronous modes) or from one flush.
 * Anything else left in the queue (nothing, by construction) is drained
 * so that a failed call never leaves work behind for the next one.
 */
static int
imb_job_run(IMB_MGR *m)
{
	IMB_JOB *j;
	int r = 0;

	if ((j = IMB_SUBMIT_JOB(m)) == NULL)
		j = IMB_FLUSH_JOB(m);
	if (j == NULL || j->status != IMB_STATUS_COMPLETED)
		r = ESP_E_CRYPTO;
	while ((j = IMB_FLUSH_JOB(m)) != NULL)
		r = ESP_E_CRYPTO;
	return (r);
}

/* CBC or CTR part of a job: src..dst as set by the caller. */
static void
imb_job_cipher(const struct imb_sa *s, IMB_JOB *j, bool enc,
    const uint8_t *iv, uint8_t *ctrblk)
{
	j->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->key_len_in_bytes = s->ckeylen;
	if (s->cipher == ESP_CIPHER_AES_CBC) {
		j->cipher_mode = IMB_CIPHER_CBC;
		j->enc_keys = s->enckey;
		j->dec_keys = s->deckey;
		j->iv = iv;
		j->iv_len_in_bytes = 16;
		return;
	}
	/* RFC 3686: nonce | IV | 32-bit block counter starting at 1. */
	memcpy(ctrblk, s->salt, 4);
	memcpy(ctrblk + 4, iv, 8);
	ctrblk[12] = ctrblk[13] = ctrblk[14] = 0;
	ctrblk[15] = 1;
	j->cipher_mode = IMB_CIPHER_CNTR;
	j->enc_keys = s->enckey;
	j->dec_keys = s->enckey;
	j->iv = ctrblk;
	j->iv_len_in_bytes = 16;
}

static void
imb_job_hmac(const struct imb_sa *s, IMB_JOB *j, uint8_t *digest)
{
	j->hash_alg = s->hash;
	j->auth_tag_output = digest;
	/* The whole HMAC: every truncation the engine asks for is a prefix. */
	j->auth_tag_output_len_in_bytes = s->digestlen;
	j->u.HMAC._hashed_auth_key_xor_ipad = s->ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = s->opad;
}

/* HMAC of one contiguous range into digest (s->digestlen bytes). */
static int
imb_hmac_range(IMB_MGR *m, const struct imb_sa *s, const uint8_t *p,
    size_t len, uint8_t *digest)
{
	IMB_JOB *j;

	j = IMB_GET_NEXT_JOB(m);
	imb_job_clear(j);
	imb_job_hmac(s, j, digest);
	j->chain_order = IMB_ORDER_HASH_CIPHER;
	j->src = p;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = len;
	return (imb_job_run(m));
}

static int
imb_mac(void *ctx, const struct esp_seg *seg, unsigned nseg, uint8_t *icv)
{
	const struct imb_sa *s = ctx;
	struct imb_thread *t;
	uint8_t digest[64];
	const uint8_t *p = NULL;
	IMB_MGR *m;
	size_t len, off;
	unsigned i, n;
	int r;

	if (s->mac == ESP_MAC_NONE || nseg == 0)
		return (ESP_E_CRYPTO);
	if ((m = imb_mgr(s->sel)) == NULL)
		return (ESP_E_CRYPTO);
	t = imb_self;
	/* One non-empty segment (ESP without ESN): hash it where it is. */
	for (i = 0, n = 0, len = 0; i < nseg; i++)
		if (seg[i].len != 0) {
			n++;
			p = seg[i].p;
			len = seg[i].len;
		}
	if (n > 1) {
		/* The library hashes one range: gather the pieces. */
		if (t->scratch == NULL &&
		    (t->scratch = malloc(IMB_SCRATCH_LEN)) == NULL)
			return (ESP_E_CRYPTO);
		for (i = 0, off = 0; i < nseg; i++) {
			if (seg[i].len > IMB_SCRATCH_LEN - off)
				return (ESP_E_CRYPTO);
			if (seg[i].len != 0)
				memcpy(t->scratch + off, seg[i].p, seg[i].len);
			off += seg[i].len;
		}
		p = t->scratch;
		len = off;
	}
	/* The library refuses an empty message; ESP and AH never MAC one. */
	if (len == 0)
		return (ESP_E_CRYPTO);
	r = imb_hmac_range(m, s, p, len, digest);
	if (r == 0)
		memcpy(icv, digest, s->maclen);
	explicit_bzero(digest, sizeof(digest));
	return (r);
}

static int
imb_cipher(void *ctx, bool enc, const uint8_t *iv, const uint8_t *in,
    size_t len, uint8_t *out)
{
	const struct imb_sa *s = ctx;
	uint8_t ctrblk[16], blk[16];
	IMB_MGR *m;
	IMB_JOB *j;
	size_t i;

	if (s->cipher == ESP_CIPHER_NULL) {
		if (in != out && len != 0)
			memmove(out, in, len);
		return (0);
	}
	if (s->cipher != ESP_CIPHER_AES_CBC && s->cipher != ESP_CIPHER_AES_CTR)
		return (ESP_E_CRYPTO);
	if (s->cipher == ESP_CIPHER_AES_CBC && len % 16 != 0)
		return (ESP_E_CRYPTO);
	if (len == 0)
		return (0);
	if (s->cipher == ESP_CIPHER_AES_CBC && enc && len == 16 &&
	    s->ckeylen == 16) {
		/*
		 * One block (the engine makes CBC IVs so, one per packet):
		 * E_K(iv ^ in) without a job, as CFB's first block, which
		 * is in ^ E_K(iv), fed with in = 0 and iv = iv ^ in.
		 */
		for (i = 0; i < 16; i++)
			blk[i] = iv[i] ^ in[i];
		IMB_AES128_CFB_ONE(s->mgr, out, imb_zero, blk, s->enckey, 16);
		explicit_bzero(blk, sizeof(blk));
		return (0);
	}
	if ((m = imb_mgr(s->sel)) == NULL)
		return (ESP_E_CRYPTO);
	j = IMB_GET_NEXT_JOB(m);
	imb_job_clear(j);
	imb_job_cipher(s, j, enc, iv, ctrblk);
	j->src = in;
	j->dst = out;
	j->cipher_start_src_offset_in_bytes = 0;
	j->msg_len_to_cipher_in_bytes = len;
	return (imb_job_run(m));
}

/*
 * Encrypt then MAC in one job.  The library hashes its source buffer, so
 * the cipher runs in place on the output: the plaintext is moved there
 * first when it is elsewhere (the engine builds the trailer in the output
 * anyway), then one chained job encrypts out and hashes auth..authlen,
 * which contains it.  With ESN the high bits follow the range, which the
 * library cannot hash without a copy: cipher first, then mac() gathers.
 */
static int
imb_cipher_mac(void *ctx, const uint8_t *iv, const uint8_t *in, size_t len,
    uint8_t *out, const uint8_t *auth, size_t authlen, const uint8_t *esnhi,
    uint8_t *icv)
{
	const struct imb_sa *s = ctx;
	struct esp_seg seg[2];
	uint8_t ctrblk[16], digest[64];
	IMB_MGR *m;
	IMB_JOB *j;
	int r;

	if (s->mac == ESP_MAC_NONE || out < auth ||
	    (size_t)(out - auth) > authlen ||
	    len != authlen - (size_t)(out - auth))
		return (ESP_E_CRYPTO);
	if (esnhi != NULL || s->cipher == ESP_CIPHER_NULL) {
		if ((r = imb_cipher(ctx, true, iv, in, len, out)) != 0)
			return (r);
		seg[0].p = auth;
		seg[0].len = authlen;
		seg[1].p = esnhi;
		seg[1].len = 4;
		return (imb_mac(ctx, seg, esnhi != NULL ? 2 : 1, icv));
	}
	if (s->cipher != ESP_CIPHER_AES_CBC && s->cipher != ESP_CIPHER_AES_CTR)
		return (ESP_E_CRYPTO);
	if (s->cipher == ESP_CIPHER_AES_CBC && len % 16 != 0)
		return (ESP_E_CRYPTO);
	if ((m = imb_mgr(s->sel)) == NULL)
		return (ESP_E_CRYPTO);
	if (in != out && len != 0)
		memmove(out, in, len);
	j = IMB_GET_NEXT_JOB(m);
	imb_job_clear(j);
	imb_job_cipher(s, j, true, iv, ctrblk);
	imb_job_hmac(s, j, digest);
	j->chain_order = IMB_ORDER_CIPHER_HASH;
	/* auth is the caller's output buffer: writable, as out is. */
	j->src = auth;
	j->dst = out;
	j->cipher_start_src_offset_in_bytes = (uint64_t)(out - auth);
	j->msg_len_to_cipher_in_bytes = len;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = authlen;
	if (len == 0) {
		/* Nothing to encrypt (not for CBC/CTR ESP): hash only. */
		j->cipher_mode = IMB_CIPHER_NULL;
	}
	r = imb_job_run(m);
	if (r == 0)
		memcpy(icv, digest, s->maclen);
	explicit_bzero(digest, sizeof(digest));
	return (r);
}

/* ------------------------------------------------------------------ AEAD */

/*
 * Clear what a GCM context left on the stack holds of the key after a
 * packet: the GHASH accumulator (a polynomial in the hash key over data
 * the wire shows, from which that key could be solved) and the keystream
 * of the last partial block.  The rest (lengths, the initial and current
 * counter blocks) is on the wire anyway.  explicit_bzero() would be a
 * library call per packet, and memset() of the whole context compiles to
 * `rep stos', whose start-up alone costs more: four volatile 64-bit
 * stores, which the compiler must keep.
 */
static inline void
imb_wipe_gcm(struct gcm_context_data *c)
{
	volatile uint64_t *h = (volatile uint64_t *)(void *)c->aad_hash;
	volatile uint64_t *k =
	    (volatile uint64_t *)(void *)c->partial_block_enc_key;

	h[0] = 0;
	h[1] = 0;
	k[0] = 0;
	k[1] = 0;
}

static void
imb_nonce(const struct imb_sa *s, const uint8_t *iv, uint8_t nonce[12])
{
	memcpy(nonce, s->salt, 4);
	memcpy(nonce + 4, iv, 8);
}

/* ChaCha20-Poly1305 through the job API; tag computed, never compared. */
static int
imb_chacha(const struct imb_sa *s, bool enc, const uint8_t *iv,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
    uint8_t *out, uint8_t *tag)
{
	uint8_t nonce[12];
	IMB_MGR *m;
	IMB_JOB *j;

	if ((m = imb_mgr(IMB_SEL_WIDE)) == NULL)
		return (ESP_E_CRYPTO);
	imb_nonce(s, iv, nonce);
	j = IMB_GET_NEXT_JOB(m);
	imb_job_clear(j);
	j->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
	j->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
	j->cipher_direction = enc ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
	j->chain_order = enc ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
	j->enc_keys = s->ckey;
	j->dec_keys = s->ckey;
	j->key_len_in_bytes = 32;
	j->src = in;
	j->dst = out;
	j->msg_len_to_cipher_in_bytes = len;
	j->msg_len_to_hash_in_bytes = len;
	j->iv = nonce;
	j->iv_len_in_bytes = 12;
	j->u.CHACHA20_POLY1305.aad = aad;
	j->u.CHACHA20_POLY1305.aad_len_in_bytes = aadlen;
	j->auth_tag_output = tag;
	j->auth_tag_output_len_in_bytes = 16;
	return (imb_job_run(m));
}

static int
imb_aead_seal(void *ctx, const uint8_t *iv, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	const struct imb_sa *s = ctx;
	struct gcm_context_data gctx;
	uint8_t nonce[12];

	switch (s->cipher) {
	case ESP_CIPHER_AES_GCM:
		imb_nonce(s, iv, nonce);
		/* No shared state: gctx lives on this thread's stack. */
		s->gcm_enc(&s->gkey, &gctx, out, in, len, nonce, aad, aadlen,
		    tag, s->icvlen);
		imb_wipe_gcm(&gctx);
		return (0);
	case ESP_CIPHER_CHACHA20_POLY1305:
		return (imb_chacha(s, true, iv, aad, aadlen, in, len, out,
		    tag));
	default:
		return (ESP_E_CRYPTO);
	}
}

/*
 * Decrypt and compute the tag into `tag': the engine compares it with
 * icv in constant time and wipes out[] when they differ.
 */
static int
imb_aead_open(void *ctx, const uint8_t *iv, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    const uint8_t *icv, uint8_t *tag)
{
	const struct imb_sa *s = ctx;
	struct gcm_context_data gctx;
	uint8_t nonce[12];

	switch (s->cipher) {
	case ESP_CIPHER_AES_GCM:
		imb_nonce(s, iv, nonce);
		s->gcm_dec(&s->gkey, &gctx, out, in, len, nonce, aad, aadlen,
		    tag, s->icvlen);
		imb_wipe_gcm(&gctx);
		return (0);
	case ESP_CIPHER_CHACHA20_POLY1305:
		return (imb_chacha(s, false, iv, aad, aadlen, in, len, out,
		    tag));
	default:
		return (ESP_E_CRYPTO);
	}
}

static const struct esp_crypto_ops imb_ops = {
	.name = "ipsec-mb",
	.id = ESP_BACKEND_IPSECMB,
	.supports = imb_supports,
	.preferred = imb_preferred,
	.sa_init = imb_sa_init,
	.sa_free = imb_sa_free,
	.mac = imb_mac,
	.cipher = imb_cipher,
	.aead_seal = imb_aead_seal,
	.aead_open = imb_aead_open,
	.cipher_mac = imb_cipher_mac,
	.seal_burst = NULL,
};

const struct esp_crypto_ops *const esp_ipsecmb_backend = &imb_ops;

#endif /* HAVE_IPSECMB */
