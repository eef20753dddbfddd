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
 * ike_bench: the crypto cost of IKEv1 negotiations in libike, one core.
 *
 *   ike_bench [-t ms] [-r rounds] [-c cpu] [-g group[,group...]] [-B]
 *
 * For each DH group (default 14, 2, 5, 15, 19, 20, 21, 31):
 *   keygen+derive/s	a fresh keypair, its public value, and the shared
 *			secret with a peer value: what one side of one
 *			negotiation does (ike_dh_generate, ike_dh_public,
 *			ike_dh_derive);
 *   keygen/s, derive/s	the two halves.
 * Then, for 2048-bit MODP, a baseline in plain OpenSSL EVP as a naive
 * implementation would write it, unless -B: a keygen context made from the
 * group name per call and the peer key handed to EVP_PKEY_derive_set_peer(),
 * which validates it fully (y^q mod p, a second full-length
 * exponentiation that RFC 6989 2.2 does not ask for with these safe-prime
 * groups).
 * Then the non-DH work of one main mode + one quick mode negotiation
 * (SKEYID, SKEYID_d/a/e, AES-256 key, HASH_I and HASH_R, phase 1 IV, four
 * CBC messages, phase 2 IV, the three quick mode hashes, KEYMAT for two
 * ESP SAs), per second, SHA-1 and SHA2-256.  And the sum: negotiations/s
 * one core's crypto allows, with modp2048.
 *
 * Each figure is the best of -r rounds (default 3) of -t milliseconds
 * (default 1000); -c pins to a CPU (Linux; default: the current one).
 * bench/ike_bench.sh adds `openssl speed ffdh2048` on the same machine.
 */

#ifdef __linux__
#include <sched.h>
#endif

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike_crypto.h"

static double	 opt_ms = 1000;
static int	 opt_rounds = 3;

static double
now_sec(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(1, "clock_gettime");
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

typedef void (*bench_fn)(void *);

/* Calls of fn per second: the best of opt_rounds rounds. */
static double
rate(bench_fn fn, void *arg)
{
	double	 best = 0, t0, t;
	long	 n;
	int	 r;

	fn(arg);	/* warm up */
	for (r = 0; r < opt_rounds; r++) {
		n = 0;
		t0 = now_sec();
		do {
			fn(arg);
			n++;
		} while ((t = now_sec() - t0) * 1000 < opt_ms);
		if (n / t > best)
			best = n / t;
	}
	return (best);
}

/* ------------------------------------------------------------------ DH */

struct dh_arg {
	struct ike_dh	*me;
	uint8_t		 peer[IKE_DH_MAXLEN];
	uint8_t		 pub[IKE_DH_MAXLEN];
	uint8_t		 z[IKE_DH_MAXLEN];
	size_t		 publen;
};

static void
dh_full(void *p)
{
	struct dh_arg	*a = p;

	if (ike_dh_generate(a->me) == -1 ||
	    ike_dh_public(a->me, a->pub, a->publen) == -1 ||
	    ike_dh_derive(a->me, a->peer, a->publen, a->z, sizeof(a->z)) == -1)
		err(1, "dh");
}

static void
dh_keygen(void *p)
{
	struct dh_arg	*a = p;

	if (ike_dh_generate(a->me) == -1 ||
	    ike_dh_public(a->me, a->pub, a->publen) == -1)
		err(1, "dh keygen");
}

static void
dh_derive(void *p)
{
	struct dh_arg	*a = p;

	if (ike_dh_derive(a->me, a->peer, a->publen, a->z, sizeof(a->z)) == -1)
		err(1, "dh derive");
}

static double
bench_group(int group)
{
	struct dh_arg	 a;
	struct ike_dh	*peer;
	double		 full, gen, der;

	memset(&a, 0, sizeof(a));
	a.publen = ike_dh_publen(group);
	if ((a.me = ike_dh_new(group)) == NULL ||
	    (peer = ike_dh_new(group)) == NULL)
		err(1, "group %d", group);
	if (ike_dh_public(peer, a.peer, a.publen) == -1)
		err(1, "group %d public", group);
	full = rate(dh_full, &a);
	gen = rate(dh_keygen, &a);
	der = rate(dh_derive, &a);
	printf("%-12s %10.0f %10.0f %10.0f   %4d\n", ike_dh_name(group), full,
	    gen, der, ike_dh_privbits(group));
	ike_dh_free(a.me);
	ike_dh_free(peer);
	explicit_bzero(a.z, sizeof(a.z));
	return (full);
}

/*
 * The naive way: a keygen context from the group name on every keygen,
 * OpenSSL's default private length, the peer key validated by
 * EVP_PKEY_derive_set_peer().
 */
struct naive_arg {
	EVP_PKEY	*peer;
};

static EVP_PKEY *
naive_keygen(void)
{
	EVP_PKEY_CTX	*ctx;
	EVP_PKEY	*key = NULL;
	OSSL_PARAM	 params[2];

	params[0] = OSSL_PARAM_construct_utf8_string(
	    OSSL_PKEY_PARAM_GROUP_NAME, (char *)(uintptr_t)"modp_2048", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "DH", NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) <= 0 ||
	    !EVP_PKEY_CTX_set_params(ctx, params) ||
	    EVP_PKEY_keygen(ctx, &key) <= 0)
		errx(1, "naive keygen");
	EVP_PKEY_CTX_free(ctx);
	return (key);
}

static void
naive_full(void *p)
{
	struct naive_arg	*a = p;
	EVP_PKEY		*key;
	EVP_PKEY_CTX		*ctx;
	uint8_t			 z[256];
	size_t			 zlen = sizeof(z);

	key = naive_keygen();
	if ((ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) <= 0 ||
	    EVP_PKEY_derive_set_peer(ctx, a->peer) <= 0 ||
	    EVP_PKEY_derive(ctx, z, &zlen) <= 0)
		errx(1, "naive derive");
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(key);
}

/* ------------------------------------------------ the rest of IKEv1 */

struct neg_arg {
	struct ike_prf	*prf;
	struct ike_cbc	*cbc;
	int		 hash;
	uint8_t		 ni[32], nr[32], gxy[256], gxi[256], gxr[256];
	uint8_t		 cky_i[8], cky_r[8], sa[80], id[12], body[256];
	uint8_t		 msg[512];
};

/* Everything but DH in a main mode + quick mode exchange, one side. */
static void
negotiation(void *p)
{
	static const char	 psk[] = "a pre-shared key of some length";
	struct neg_arg		*a = p;
	struct ike_p1keys	 k;
	struct ike_keymat_in	 km;
	struct ike_ipsec_alg	 alg = { IKE_PROTO_ESP, IKE_ESP_AES_CBC,
				    128, IKE_AUTH_HMAC_SHA2_256 };
	struct ike_ipsec_keys	 ik;
	uint8_t			 out[IKE_HASH_MAXLEN], iv[16], p2iv[16];
	int			 i, n;

	if (ike_skeyid_psk(a->prf, &k, (const uint8_t *)psk, sizeof(psk) - 1,
	    a->ni, sizeof(a->ni), a->nr, sizeof(a->nr)) == -1 ||
	    ike_skeyid_dae(a->prf, &k, a->gxy, sizeof(a->gxy), a->cky_i,
	    a->cky_r) == -1 ||
	    ike_p1_enckey(a->prf, &k, 32) == -1 ||
	    ike_p1_iv(a->prf, a->gxi, sizeof(a->gxi), a->gxr, sizeof(a->gxr),
	    iv, 16) == -1 ||
	    ike_p1_hash_i(a->prf, &k, a->gxi, sizeof(a->gxi), a->gxr,
	    sizeof(a->gxr), a->cky_i, a->cky_r, a->sa, sizeof(a->sa), a->id,
	    sizeof(a->id), out, sizeof(out)) == -1 ||
	    ike_p1_hash_r(a->prf, &k, a->gxi, sizeof(a->gxi), a->gxr,
	    sizeof(a->gxr), a->cky_i, a->cky_r, a->sa, sizeof(a->sa), a->id,
	    sizeof(a->id), out, sizeof(out)) == -1)
		err(1, "phase 1");
	/* The SA's cipher is keyed once per negotiation. */
	if ((a->cbc = ike_cbc_new(IKE_ENCR_AES_CBC, k.k_enckey, 32)) == NULL)
		err(1, "cbc");
	/* MM5, MM6, QM1, QM2 (QM3 is small); each side encrypts two and
	 * decrypts two, so two of each. */
	for (i = 0; i < 2; i++) {
		if ((n = ike_cbc_encrypt(a->cbc, iv, a->body, 200, a->msg,
		    sizeof(a->msg))) == -1 ||
		    ike_cbc_decrypt(a->cbc, iv, a->msg, (size_t)n,
		    a->msg) == -1)
			err(1, "cbc");
	}
	if (ike_p2_iv(a->prf, iv, 16, 0x11223344, p2iv) == -1 ||
	    ike_qm_hash1(a->prf, &k, 0x11223344, a->body, 200, out,
	    sizeof(out)) == -1 ||
	    ike_qm_hash2(a->prf, &k, 0x11223344, a->ni, sizeof(a->ni),
	    a->body, 200, out, sizeof(out)) == -1 ||
	    ike_qm_hash3(a->prf, &k, 0x11223344, a->ni, sizeof(a->ni), a->nr,
	    sizeof(a->nr), out, sizeof(out)) == -1)
		err(1, "quick mode");
	memset(&km, 0, sizeof(km));
	km.km_proto = IKE_PROTO_ESP;
	km.km_ni = a->ni;
	km.km_nilen = sizeof(a->ni);
	km.km_nr = a->nr;
	km.km_nrlen = sizeof(a->nr);
	for (i = 0; i < 2; i++) {	/* inbound and outbound SA */
		km.km_spi[3] = (uint8_t)i;
		if (ike_ipsec_keys(a->prf, &k, &km, &alg, &ik) == -1)
			err(1, "keymat");
	}
	ike_cbc_free(a->cbc);
	ike_ipsec_keys_clear(&ik);
	ike_p1keys_clear(&k);
}

static double
bench_negotiation(int hash, const char *name)
{
	struct neg_arg	*a;
	double		 r;

	if ((a = calloc(1, sizeof(*a))) == NULL)
		err(1, NULL);
	memset(a->gxy, 0x5a, sizeof(a->gxy));
	memset(a->gxi, 0x11, sizeof(a->gxi));
	memset(a->gxr, 0x22, sizeof(a->gxr));
	memset(a->ni, 0x33, sizeof(a->ni));
	memset(a->nr, 0x44, sizeof(a->nr));
	a->hash = hash;
	if ((a->prf = ike_prf_new(hash)) == NULL)
		err(1, "prf %s", name);
	r = rate(negotiation, a);
	printf("non-DH crypto of one MM+QM negotiation, %s: %.0f/s "
	    "(%.1f us)\n", name, r, 1e6 / r);
	ike_prf_free(a->prf);
	free(a);
	return (r);
}

static void
usage(void)
{
	fprintf(stderr, "usage: ike_bench [-B] [-c cpu] [-g group[,group...]] "
	    "[-r rounds] [-t ms]\n");
	exit(1);
}

int
main(int argc, char *argv[])
{
	int		 groups[32] = { 14, 2, 5, 15, 19, 20, 21, 31 };
	int		 ngroups = 8, ch, cpu = -1, baseline = 1, i;
	char		*s, *tok;
	double		 modp2048 = 0, naive, other;
	struct naive_arg na;

	while ((ch = getopt(argc, argv, "Bc:g:r:t:")) != -1) {
		switch (ch) {
		case 'B':
			baseline = 0;
			break;
		case 'c':
			cpu = atoi(optarg);
			break;
		case 'g':
			ngroups = 0;
			for (s = optarg; (tok = strsep(&s, ",")) != NULL &&
			    ngroups < 32; )
				groups[ngroups++] = atoi(tok);
			break;
		case 'r':
			if ((opt_rounds = atoi(optarg)) < 1)
				usage();
			break;
		case 't':
			if ((opt_ms = atof(optarg)) <= 0)
				usage();
			break;
		default:
			usage();
		}
	}
#ifdef __linux__
	{
		cpu_set_t	 set;

		if (cpu < 0)
			cpu = sched_getcpu();
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (cpu >= 0 && sched_setaffinity(0, sizeof(set), &set) != 0)
			warn("sched_setaffinity %d", cpu);
	}
#endif
	if (ike_crypto_init() == -1)
		errx(1, "ike_crypto_init failed");

	printf("# best of %d rounds of %.0f ms, CPU %d\n", opt_rounds, opt_ms,
	    cpu);
	printf("%-12s %10s %10s %10s   %s\n", "group", "kg+derive/s",
	    "keygen/s", "derive/s", "privbits");
	for (i = 0; i < ngroups; i++) {
		if (!ike_dh_supported(groups[i])) {
			printf("%-12d unsupported\n", groups[i]);
			continue;
		}
		other = bench_group(groups[i]);
		if (groups[i] == IKE_DH_MODP2048)
			modp2048 = other;
	}
	if (baseline) {
		na.peer = naive_keygen();
		naive = rate(naive_full, &na);
		printf("naive EVP modp2048 keygen+derive: %.0f/s\n", naive);
		EVP_PKEY_free(na.peer);
	}
	other = bench_negotiation(IKE_HASH_SHA1, "SHA-1");
	other = bench_negotiation(IKE_HASH_SHA2_256, "SHA2-256");
	if (modp2048 > 0)
		printf("negotiations/s one core's crypto allows (modp2048, "
		    "SHA2-256, one side): %.0f\n",
		    1 / (1 / modp2048 + 1 / other));
	return (0);
}
