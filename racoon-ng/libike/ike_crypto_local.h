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

/* Private to ike_crypto.c, ike_dh.c and ike_kdf.c. */

#ifndef PFKEYKIT_IKE_CRYPTO_LOCAL_H
#define PFKEYKIT_IKE_CRYPTO_LOCAL_H

#include <openssl/evp.h>

/* ike_crypto.c: the fetched algorithms, valid after ike_crypto_init(). */
const EVP_MD	*ike_crypto_md(int hash);

/* ike_dh.c: builds the cached domain parameters; called once by
 * ike_crypto_init(). */
void		 ike_dh_setup(void);

#endif /* PFKEYKIT_IKE_CRYPTO_LOCAL_H */
