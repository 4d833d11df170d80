/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: AES-256-GCM for key material at rest (nonce || ct || tag). */
#include <limits.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "crypto_int.h"

#define NONCE_LEN 12
#define TAG_LEN 16

/* -- seal and open -- */

static EVP_CIPHER_CTX *gcm_ctx(const uint8_t *key, const uint8_t *nonce, int enc,
			       const uint8_t *aad, size_t aad_len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0;

	if (ctx == NULL || aad_len > INT_MAX ||
	    EVP_CipherInit_ex2(ctx, hl_crypto_gcm_cipher(), key, nonce, enc, NULL) != 1 ||
	    (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)) {
		EVP_CIPHER_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

hl_status_t hl_crypto_aead_seal(const uint8_t key[HL_AEAD_KEY_LEN], const uint8_t *aad,
				size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	hl_status_t st = HL_ERR_CRYPTO;
	int n = 0, f = 0;

	if (key == NULL || out == NULL || (aad == NULL && aad_len > 0) ||
	    (pt == NULL && pt_len > 0) || pt_len > INT_MAX - HL_AEAD_OVERHEAD)
		return HL_ERR_ARGS;
	if (hl_crypto_gcm_cipher() == NULL || RAND_bytes(out, NONCE_LEN) != 1 ||
	    (ctx = gcm_ctx(key, out, 1, aad, aad_len)) == NULL)
		goto out;
	if ((pt_len > 0 && EVP_CipherUpdate(ctx, out + NONCE_LEN, &n, pt, (int)pt_len) != 1) ||
	    EVP_CipherFinal_ex(ctx, out + NONCE_LEN + n, &f) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + NONCE_LEN + pt_len) != 1)
		goto out;
	st = HL_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	return st == HL_OK ? st : hl_crypto_fail(st);
}

hl_status_t hl_crypto_aead_open(const uint8_t key[HL_AEAD_KEY_LEN], const uint8_t *aad,
				size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out)
{
	EVP_CIPHER_CTX *ctx = NULL;
	hl_status_t st = HL_ERR_INTEGRITY;
	uint8_t none[16]; /* GCM writes nothing at the end; out may be NULL when empty */
	size_t pt_len;
	int n = 0, f = 0;

	if (key == NULL || (aad == NULL && aad_len > 0) || ct == NULL || ct_len > INT_MAX ||
	    (out == NULL && ct_len > HL_AEAD_OVERHEAD))
		return HL_ERR_ARGS;
	if (ct_len < HL_AEAD_OVERHEAD)
		return HL_ERR_INTEGRITY; /* truncated: as altered as data can be */
	pt_len = ct_len - HL_AEAD_OVERHEAD;
	if (hl_crypto_gcm_cipher() == NULL || (ctx = gcm_ctx(key, ct, 0, aad, aad_len)) == NULL) {
		st = HL_ERR_CRYPTO;
		goto out;
	}
	if ((pt_len > 0 && EVP_CipherUpdate(ctx, out, &n, ct + NONCE_LEN, (int)pt_len) != 1) ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LEN,
				(void *)(ct + NONCE_LEN + pt_len)) != 1 ||
	    EVP_CipherFinal_ex(ctx, out ? out + n : none, &f) != 1)
		goto out;
	st = HL_OK;
out:
	EVP_CIPHER_CTX_free(ctx);
	if (st != HL_OK && out != NULL)
		OPENSSL_cleanse(out, pt_len);
	return st == HL_OK ? st : hl_crypto_fail(st);
}
