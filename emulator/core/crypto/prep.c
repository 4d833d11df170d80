/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: per-key prepared contexts of secret keys. Keying an HMAC (two hash
 * blocks and a digest fetch by name) or a cipher (the key schedule, GCM's hash key) costs more
 * than the operation on a short message, so it is done once per key and each operation
 * starts from a copy, as hl_crypto_key_ctx does for EVP_PKEY_CTX. The prepared contexts are
 * only ever read (copied) after they are published, so concurrent operations on one key are
 * safe; they go with the key (hl_key_free). A finished operation hands its context back as
 * the slot's spare (one per slot, taken and given by atomic exchange, so one thread owns it at
 * a time): a steady loop on one key then allocates nothing. A spare belongs to its hl_key_t,
 * so new key material (a new hl_key_t) never meets an old spare. */
#include <openssl/crypto.h>

#include "crypto_int.h"

#define N_MAC (sizeof((hl_key_t *)0)->mac_prep / sizeof((hl_key_t *)0)->mac_prep[0])
#define N_SYM (sizeof((hl_key_t *)0)->sym_prep / sizeof((hl_key_t *)0)->sym_prep[0])

EVP_MAC_CTX *hl_crypto_key_mac(hl_key_t *key, unsigned slot, const EVP_MAC *alg,
			       const OSSL_PARAM *params)
{
	EVP_MAC_CTX *p, *expected = NULL;

	if (slot >= N_MAC || alg == NULL)
		return NULL;
	p = atomic_load_explicit(&key->mac_prep[slot], memory_order_acquire);
	if (p == NULL) {
		p = EVP_MAC_CTX_new((EVP_MAC *)alg);
		if (p == NULL || EVP_MAC_init(p, key->num, key->len, params) != 1) {
			EVP_MAC_CTX_free(p);
			return NULL;
		}
		/* Lock-free first use: whoever loses the race frees its copy. */
		if (!atomic_compare_exchange_strong_explicit(&key->mac_prep[slot], &expected, p,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			EVP_MAC_CTX_free(p);
			p = expected;
		}
	}
	/* A spare is re-keyed in place (HMAC and CMAC keep their key); that works from OpenSSL
	 * 3.0.3 on (openssl#18100), before it the spares are never kept. */
	EVP_MAC_CTX *spare =
	    atomic_exchange_explicit(&key->mac_spare[slot], NULL, memory_order_acq_rel);
	if (spare != NULL && EVP_MAC_init(spare, NULL, 0, NULL) == 1)
		return spare;
	EVP_MAC_CTX_free(spare);
	return EVP_MAC_CTX_dup(p);
}

static bool mac_reinit_works(void)
{
	return OpenSSL_version_num() >= 0x30000030UL;
}

void hl_crypto_key_mac_put(hl_key_t *key, unsigned slot, EVP_MAC_CTX *ctx)
{
	EVP_MAC_CTX *expected = NULL;

	if (ctx == NULL)
		return;
	if (slot >= N_MAC || !mac_reinit_works() ||
	    !atomic_compare_exchange_strong_explicit(&key->mac_spare[slot], &expected, ctx,
						     memory_order_acq_rel, memory_order_acquire))
		EVP_MAC_CTX_free(ctx);
}

EVP_CIPHER_CTX *hl_crypto_key_cipher(hl_key_t *key, unsigned slot, const EVP_CIPHER *c, int enc)
{
	EVP_CIPHER_CTX *p, *expected = NULL, *copy;

	if (slot >= N_SYM || c == NULL)
		return NULL;
	p = atomic_load_explicit(&key->sym_prep[slot], memory_order_acquire);
	if (p == NULL) {
		p = EVP_CIPHER_CTX_new();
		if (p == NULL || EVP_CipherInit_ex2(p, c, key->num, NULL, enc, NULL) != 1) {
			EVP_CIPHER_CTX_free(p);
			return NULL;
		}
		if (!atomic_compare_exchange_strong_explicit(&key->sym_prep[slot], &expected, p,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			EVP_CIPHER_CTX_free(p);
			p = expected;
		}
	}
	/* A spare is keyed already; the caller sets its IV (which also resets its state). */
	copy = atomic_exchange_explicit(&key->sym_spare[slot], NULL, memory_order_acq_rel);
	if (copy != NULL)
		return copy;
	if ((copy = EVP_CIPHER_CTX_new()) == NULL || EVP_CIPHER_CTX_copy(copy, p) != 1) {
		EVP_CIPHER_CTX_free(copy);
		return NULL;
	}
	return copy;
}

void hl_crypto_key_cipher_put(hl_key_t *key, unsigned slot, EVP_CIPHER_CTX *ctx)
{
	EVP_CIPHER_CTX *expected = NULL;

	if (ctx == NULL)
		return;
	if (slot >= N_SYM ||
	    !atomic_compare_exchange_strong_explicit(&key->sym_spare[slot], &expected, ctx,
						     memory_order_acq_rel, memory_order_acquire))
		EVP_CIPHER_CTX_free(ctx);
}

void hl_crypto_prep_release(hl_key_t *key)
{
	/* EVP_*_free cleanse the key material the contexts hold. */
	for (size_t i = 0; i < N_MAC; i++) {
		EVP_MAC_CTX_free(atomic_load_explicit(&key->mac_prep[i], memory_order_relaxed));
		EVP_MAC_CTX_free(atomic_load_explicit(&key->mac_spare[i], memory_order_relaxed));
	}
	for (size_t i = 0; i < N_SYM; i++) {
		EVP_CIPHER_CTX_free(atomic_load_explicit(&key->sym_prep[i], memory_order_relaxed));
		EVP_CIPHER_CTX_free(atomic_load_explicit(&key->sym_spare[i], memory_order_relaxed));
	}
}
