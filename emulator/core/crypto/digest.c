/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: algorithm objects fetched once per process, and the fixed
 * primitives for storage protection (SHA-256, HMAC-SHA256, PBKDF2-HMAC-SHA256). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>

#include "crypto_int.h"

/* -- the fetch cache -- */

/* Fetching walks the provider store under its lock; doing it once here keeps it off the hot
 * path. C_Finalize releases them (hl_crypto_release), so a client that finalizes and unloads
 * the module leaks nothing; a later C_Initialize fetches them again on first use. */
static const char *const md_names[HL_MD_COUNT] = { "SHA1", "SHA224", "SHA256", "SHA384", "SHA512" };
static const size_t md_sizes[HL_MD_COUNT] = { 20, 28, 32, 48, 64 };

static struct {
	EVP_MD *md[HL_MD_COUNT];
	EVP_CIPHER *wrap[3]; /* AES-128/192/256-WRAP-PAD */
	EVP_CIPHER *gcm;
	EVP_CIPHER *block[HL_BLOCK_COUNT];
	EVP_MAC *hmac, *cmac;
	EVP_KDF *pbkdf2;
} algs;
static pthread_mutex_t algs_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_bool algs_ready;

static void algs_fetch_locked(void)
{
	static const char *const wrap_names[3] = { "AES-128-WRAP-PAD", "AES-192-WRAP-PAD",
						   "AES-256-WRAP-PAD" };
	/* DES-EDE3 (ECB) and DES-EDE3-CBC are in OpenSSL 3's default provider, not legacy. */
	static const char *const block_names[HL_BLOCK_COUNT] = {
		"DES-EDE3",     "DES-EDE3-CBC", "AES-128-CBC", "AES-192-CBC", "AES-256-CBC",
		"AES-128-ECB",  "AES-192-ECB",  "AES-256-ECB", "AES-128-CTR", "AES-192-CTR",
		"AES-256-CTR",  "AES-128-GCM",  "AES-192-GCM", "AES-256-GCM", "AES-128-WRAP",
		"AES-192-WRAP", "AES-256-WRAP"
	};

	for (int i = 0; i < HL_MD_COUNT; i++)
		algs.md[i] = EVP_MD_fetch(NULL, md_names[i], NULL);
	for (int i = 0; i < 3; i++)
		algs.wrap[i] = EVP_CIPHER_fetch(NULL, wrap_names[i], NULL);
	algs.gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	for (int i = 0; i < HL_BLOCK_COUNT; i++)
		algs.block[i] = EVP_CIPHER_fetch(NULL, block_names[i], NULL);
	algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	algs.cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	algs.pbkdf2 = EVP_KDF_fetch(NULL, "PBKDF2", NULL);
}

/* One acquire load on the hot path once the cache is filled. */
static void algs_ensure(void)
{
	if (atomic_load_explicit(&algs_ready, memory_order_acquire))
		return;
	pthread_mutex_lock(&algs_lock);
	if (!atomic_load_explicit(&algs_ready, memory_order_relaxed)) {
		algs_fetch_locked();
		atomic_store_explicit(&algs_ready, true, memory_order_release);
	}
	pthread_mutex_unlock(&algs_lock);
}

void hl_crypto_release(void)
{
	pthread_mutex_lock(&algs_lock);
	for (int i = 0; i < HL_MD_COUNT; i++)
		EVP_MD_free(algs.md[i]);
	for (int i = 0; i < 3; i++)
		EVP_CIPHER_free(algs.wrap[i]);
	EVP_CIPHER_free(algs.gcm);
	for (int i = 0; i < HL_BLOCK_COUNT; i++)
		EVP_CIPHER_free(algs.block[i]);
	EVP_MAC_free(algs.hmac);
	EVP_MAC_free(algs.cmac);
	EVP_KDF_free(algs.pbkdf2);
	memset(&algs, 0, sizeof algs);
	atomic_store_explicit(&algs_ready, false, memory_order_release);
	pthread_mutex_unlock(&algs_lock);
}

const EVP_MD *hl_crypto_md(hl_md_id_t id)
{
	if (id < 0 || id >= HL_MD_COUNT)
		return NULL;
	algs_ensure();
	return algs.md[id];
}

const char *hl_crypto_md_name(hl_md_id_t id)
{
	return id >= 0 && id < HL_MD_COUNT ? md_names[id] : NULL;
}

size_t hl_crypto_md_size(hl_md_id_t id)
{
	return id >= 0 && id < HL_MD_COUNT ? md_sizes[id] : 0;
}

const EVP_CIPHER *hl_crypto_wrap_cipher(size_t kek_len)
{
	algs_ensure();
	switch (kek_len) {
	case 16:
		return algs.wrap[0];
	case 24:
		return algs.wrap[1];
	case 32:
		return algs.wrap[2];
	default:
		return NULL;
	}
}

const EVP_MAC *hl_crypto_hmac_alg(void)
{
	algs_ensure();
	return algs.hmac;
}

const EVP_MAC *hl_crypto_cmac_alg(void)
{
	algs_ensure();
	return algs.cmac;
}

const EVP_CIPHER *hl_crypto_gcm_cipher(void)
{
	algs_ensure();
	return algs.gcm;
}

const EVP_CIPHER *hl_crypto_block_cipher(hl_block_id_t id)
{
	if (id < 0 || id >= HL_BLOCK_COUNT)
		return NULL;
	algs_ensure();
	return algs.block[id];
}

hl_md_id_t hl_crypto_md_from_ckm(CK_MECHANISM_TYPE mech)
{
	switch (mech) {
	case CKM_SHA_1:
		return HL_MD_SHA1;
	case CKM_SHA224:
		return HL_MD_SHA224;
	case CKM_SHA256:
		return HL_MD_SHA256;
	case CKM_SHA384:
		return HL_MD_SHA384;
	case CKM_SHA512:
		return HL_MD_SHA512;
	default:
		return HL_MD_NONE;
	}
}

hl_md_id_t hl_crypto_md_from_mgf(CK_RSA_PKCS_MGF_TYPE mgf)
{
	switch (mgf) {
	case CKG_MGF1_SHA1:
		return HL_MD_SHA1;
	case CKG_MGF1_SHA224:
		return HL_MD_SHA224;
	case CKG_MGF1_SHA256:
		return HL_MD_SHA256;
	case CKG_MGF1_SHA384:
		return HL_MD_SHA384;
	case CKG_MGF1_SHA512:
		return HL_MD_SHA512;
	default:
		return HL_MD_NONE;
	}
}

/* -- fixed primitives -- */

hl_status_t hl_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[32])
{
	const EVP_MD *md = hl_crypto_md(HL_MD_SHA256);

	if ((data == NULL && len > 0) || out == NULL)
		return HL_ERR_ARGS;
	if (md == NULL ||
	    EVP_Digest(len ? data : (const uint8_t *)"", len, out, NULL, md, NULL) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

hl_status_t hl_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data,
				  size_t len, uint8_t out[32])
{
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	static const uint8_t empty[1];
	hl_status_t st = HL_ERR_CRYPTO;
	EVP_MAC_CTX *ctx = NULL;
	size_t outl = 0;

	if ((key == NULL && key_len > 0) || (data == NULL && len > 0) || out == NULL)
		return HL_ERR_ARGS;
	algs_ensure();
	if (algs.hmac == NULL || (ctx = EVP_MAC_CTX_new(algs.hmac)) == NULL)
		goto out;
	if (EVP_MAC_init(ctx, key_len ? key : empty, key_len, params) != 1 ||
	    EVP_MAC_update(ctx, len ? data : empty, len) != 1 ||
	    EVP_MAC_final(ctx, out, &outl, 32) != 1 || outl != 32)
		goto out;
	st = HL_OK;
out:
	EVP_MAC_CTX_free(ctx);
	return st == HL_OK ? st : hl_crypto_fail(st);
}

hl_status_t hl_crypto_pbkdf2(const uint8_t *pin, size_t pin_len, const uint8_t *salt,
			     size_t salt_len, unsigned iterations, uint8_t out[32])
{
	static const uint8_t empty[1];
	unsigned int iter = iterations;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
						  (void *)(pin_len ? pin : empty), pin_len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						  (void *)(salt_len ? salt : empty), salt_len),
		OSSL_PARAM_construct_uint(OSSL_KDF_PARAM_ITER, &iter),
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_end(),
	};
	hl_status_t st = HL_ERR_CRYPTO;
	EVP_KDF_CTX *ctx = NULL;
	uint8_t buf[32];

	if ((pin == NULL && pin_len > 0) || (salt == NULL && salt_len > 0) || out == NULL ||
	    iterations == 0)
		return HL_ERR_ARGS;
	algs_ensure();
	if (algs.pbkdf2 == NULL || (ctx = EVP_KDF_CTX_new(algs.pbkdf2)) == NULL)
		goto out;
	if (EVP_KDF_derive(ctx, buf, sizeof buf, params) != 1)
		goto out;
	memcpy(out, buf, sizeof buf);
	st = HL_OK;
out:
	OPENSSL_cleanse(buf, sizeof buf);
	EVP_KDF_CTX_free(ctx);
	return st == HL_OK ? st : hl_crypto_fail(st);
}
