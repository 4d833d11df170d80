/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: block ciphers for secret keys — DES3 and AES in ECB, CBC, CBC with
 * PKCS#7 padding, and AES-CTR and AES-GCM (their parts: symm_stream.c) — the mechanism table,
 * single-part ECB/CBC with the PKCS#11 length rules, and DES3 key generation (odd parity). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* -- mechanisms -- */

static const hl_sym_row_t syms[] = {
	{ CKM_DES3_ECB, CKK_DES3, 8, 0, false, HL_SYM_ECB },
	{ CKM_DES3_CBC, CKK_DES3, 8, 8, false, HL_SYM_CBC },
	{ CKM_DES3_CBC_PAD, CKK_DES3, 8, 8, true, HL_SYM_CBC },
	{ CKM_AES_ECB, CKK_AES, 16, 0, false, HL_SYM_ECB },
	{ CKM_AES_CBC, CKK_AES, 16, 16, false, HL_SYM_CBC },
	{ CKM_AES_CBC_PAD, CKK_AES, 16, 16, true, HL_SYM_CBC },
	/* Stream modes: no block rule on lengths. */
	{ CKM_AES_CTR, CKK_AES, 1, sizeof(CK_AES_CTR_PARAMS), false, HL_SYM_CTR },
	{ CKM_AES_GCM, CKK_AES, 1, sizeof(CK_GCM_PARAMS), false, HL_SYM_GCM },
};

typedef hl_sym_row_t sym_t;

const hl_sym_row_t *hl_crypto_sym_row(CK_MECHANISM_TYPE mech)
{
	for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++)
		if (syms[i].mech == mech)
			return &syms[i];
	return NULL;
}

static const sym_t *sym_find(CK_MECHANISM_TYPE mech)
{
	return hl_crypto_sym_row(mech);
}

const EVP_CIPHER *hl_crypto_sym_cipher(const hl_sym_row_t *m, size_t key_len)
{
	static const hl_block_id_t aes_first[] = { [HL_SYM_ECB] = HL_BLOCK_AES128_ECB,
						   [HL_SYM_CBC] = HL_BLOCK_AES128_CBC,
						   [HL_SYM_CTR] = HL_BLOCK_AES128_CTR,
						   [HL_SYM_GCM] = HL_BLOCK_AES128_GCM };

	if (m->kt == CKK_DES3)
		return key_len == 24
			   ? hl_crypto_block_cipher(m->mode == HL_SYM_CBC ? HL_BLOCK_DES3_CBC
									  : HL_BLOCK_DES3_ECB)
			   : NULL;
	if (key_len != 16 && key_len != 24 && key_len != 32)
		return NULL;
	return hl_crypto_block_cipher((hl_block_id_t)(aes_first[m->mode] + (key_len - 16) / 8));
}

static const EVP_CIPHER *sym_cipher(const sym_t *m, size_t key_len)
{
	return hl_crypto_sym_cipher(m, key_len);
}

bool hl_crypto_sym_mech(CK_MECHANISM_TYPE mech)
{
	return sym_find(mech) != NULL;
}

size_t hl_crypto_sym_block(CK_MECHANISM_TYPE mech)
{
	const sym_t *m = sym_find(mech);

	return m ? m->block : 0;
}

bool hl_crypto_sym_padded(CK_MECHANISM_TYPE mech)
{
	const sym_t *m = sym_find(mech);

	return m != NULL && m->pad;
}

hl_status_t hl_crypto_sym_check(const CK_MECHANISM *mech, CK_KEY_TYPE kt, size_t key_len)
{
	const sym_t *m = mech ? sym_find(mech->mechanism) : NULL;

	if (m == NULL)
		return HL_ERR_MECHANISM_INVALID;
	if (mech->ulParameterLen != m->iv || (m->iv && mech->pParameter == NULL))
		return HL_ERR_MECHANISM_PARAM_INVALID;
	if (m->mode == HL_SYM_GCM) {
		CK_GCM_PARAMS g;
		memcpy(&g, mech->pParameter, sizeof g);
		/* OpenSSL takes tags of 4..16 bytes and any IV of 1 byte or more. */
		if (!g.pIv || g.ulIvLen == 0 || g.ulIvLen > 256 || (!g.pAAD && g.ulAADLen) ||
		    g.ulAADLen > HL_SYM_AAD_MAX || g.ulTagBits % 8 || g.ulTagBits < 32 ||
		    g.ulTagBits > 128)
			return HL_ERR_MECHANISM_PARAM_INVALID;
	} else if (m->mode == HL_SYM_CTR) {
		CK_AES_CTR_PARAMS c;
		memcpy(&c, mech->pParameter, sizeof c);
		if (c.ulCounterBits == 0 || c.ulCounterBits > 128)
			return HL_ERR_MECHANISM_PARAM_INVALID;
	}
	if (kt != m->kt)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	if (sym_cipher(m, key_len) == NULL)
		return HL_ERR_KEY_SIZE_RANGE;
	return HL_OK;
}

size_t hl_crypto_sym_out_len(CK_MECHANISM_TYPE mech, bool enc, size_t in_len)
{
	const sym_t *m = sym_find(mech);

	if (m == NULL)
		return 0;
	if (m->mode == HL_SYM_GCM) /* the tag: at most 16 bytes (the exact size is the op's) */
		return enc ? in_len + 16 : in_len;
	return enc && m->pad ? (in_len / m->block + 1) * m->block : in_len;
}

/* -- single-part encrypt and decrypt -- */

static bool run(const EVP_CIPHER *c, const sym_t *m, const uint8_t *key, const uint8_t *iv, int enc,
		const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	bool ok = ctx != NULL && in_len <= INT_MAX - 32 &&
		  EVP_CipherInit_ex2(ctx, c, key, iv, enc, NULL) == 1 &&
		  EVP_CIPHER_CTX_set_padding(ctx, m->pad ? 1 : 0) == 1 &&
		  EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) == 1 && n >= 0 &&
		  EVP_CipherFinal_ex(ctx, out + n, &f) == 1 && f >= 0;

	EVP_CIPHER_CTX_free(ctx);
	if (ok)
		*out_len = (size_t)n + (size_t)f;
	return ok;
}

hl_status_t hl_crypto_sym_run(const CK_MECHANISM *mech, const uint8_t *key, size_t key_len,
			      bool enc, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t *out_len)
{
	const sym_t *m = mech ? sym_find(mech->mechanism) : NULL;
	const EVP_CIPHER *c = m ? sym_cipher(m, key_len) : NULL;
	hl_status_t st = HL_OK;
	uint8_t *buf = NULL;
	size_t need, n = 0;

	if (m == NULL || key == NULL || out_len == NULL || (in == NULL && in_len > 0))
		return HL_ERR_ARGS;
	if (m->mode == HL_SYM_CTR || m->mode == HL_SYM_GCM)
		return HL_ERR_MECHANISM_INVALID; /* an op of its own: hl_crypto_sym_stream_oneshot
						  */
	if (c == NULL)
		return HL_ERR_KEY_SIZE_RANGE;
	if ((!m->pad || !enc) && in_len % m->block != 0)
		return enc ? HL_ERR_DATA_LEN_RANGE : HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	if (!enc && m->pad && in_len == 0)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	need = hl_crypto_sym_out_len(m->mech, enc, in_len);
	if (out == NULL) {
		*out_len = need;
		return HL_OK;
	}
	if (enc || !m->pad) {
		if (*out_len < need) {
			*out_len = need;
			return HL_ERR_BUFFER_TOO_SMALL;
		}
		if (need == 0) {
			*out_len = 0;
			return HL_OK;
		}
		if (!run(c, m, key, mech->pParameter, enc, in, in_len, out, &n) || n != need)
			return hl_crypto_fail(HL_ERR_CRYPTO);
		*out_len = n;
		return HL_OK;
	}
	/* Unpadding: the plaintext length is known only after decrypting. */
	if ((buf = calloc(1, in_len + m->block)) == NULL)
		return HL_ERR_NOMEM;
	if (!run(c, m, key, mech->pParameter, 0, in, in_len, buf, &n)) {
		st = hl_crypto_fail(HL_ERR_ENCRYPTED_DATA_INVALID);
	} else if (*out_len < n) {
		*out_len = n;
		st = HL_ERR_BUFFER_TOO_SMALL;
	} else {
		memcpy(out, buf, n);
		*out_len = n;
	}
	OPENSSL_cleanse(buf, in_len + m->block);
	free(buf);
	return st;
}

/* -- DES3 keys -- */

static uint8_t odd_parity(uint8_t b)
{
	uint8_t v = b & 0xfe, ones = 0;

	for (uint8_t x = v; x; x &= (uint8_t)(x - 1))
		ones++;
	return (uint8_t)(v | ((ones & 1) ? 0 : 1));
}

hl_status_t hl_crypto_des3_generate(uint8_t out[24])
{
	uint8_t k[24];
	hl_status_t st;

	if (out == NULL)
		return HL_ERR_ARGS;
	/* K1 = K2 or K2 = K3 would make it single DES; at 2^-56 a retry never loops. */
	do {
		if ((st = hl_crypto_random(k, sizeof k)) != HL_OK)
			goto out;
		for (size_t i = 0; i < sizeof k; i++)
			k[i] = odd_parity(k[i]);
	} while (memcmp(k, k + 8, 8) == 0 || memcmp(k + 8, k + 16, 8) == 0);
	memcpy(out, k, sizeof k);
out:
	OPENSSL_cleanse(k, sizeof k);
	return st;
}

bool hl_crypto_des_parity_ok(const uint8_t *key, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (odd_parity(key[i]) != key[i])
			return false;
	return len > 0;
}
