/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: AES key wrap with padding (RFC 5649, CKM_AES_KEY_WRAP_PAD) and
 * without (RFC 3394, CKM_AES_KEY_WRAP), and key wrapping by mechanism (the block ciphers of
 * symm.c for DES3 and AES). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* -- wrap and unwrap -- */

/* RFC 3394 by kek length (16, 24, 32), or NULL. */
static const EVP_CIPHER *kw_cipher(size_t kek_len)
{
	if (kek_len != 16 && kek_len != 24 && kek_len != 32)
		return NULL;
	return hl_crypto_block_cipher((hl_block_id_t)(HL_BLOCK_AES128_WRAP + (kek_len - 16) / 8));
}

/* One pass of a key-wrap cipher (c, or the wrap-pad one when NULL); *out_len gets the bytes
 * written. */
static bool wrap_run_with(const EVP_CIPHER *c, const uint8_t *kek, size_t kek_len, int enc,
			  const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	if (c == NULL)
		c = hl_crypto_wrap_cipher(kek_len);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	bool ok = c != NULL && ctx != NULL && in_len <= INT_MAX &&
		  EVP_CipherInit_ex2(ctx, c, kek, NULL, enc, NULL) == 1 &&
		  EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) == 1 && n >= 0 &&
		  EVP_CipherFinal_ex(ctx, out + n, &f) == 1;

	EVP_CIPHER_CTX_free(ctx);
	if (ok)
		*out_len = (size_t)n + (size_t)f;
	return ok;
}

static bool wrap_run(const uint8_t *kek, size_t kek_len, int enc, const uint8_t *in, size_t in_len,
		     uint8_t *out, size_t *out_len)
{
	return wrap_run_with(NULL, kek, kek_len, enc, in, in_len, out, out_len);
}

/* RFC 3394: whole semiblocks in (two at least), one more out; a value of another length is
 * the caller's key-size error (HL_ERR_DATA_LEN_RANGE). */
static hl_status_t kw_wrap(const uint8_t *kek, size_t kek_len, const uint8_t *in, size_t in_len,
			   uint8_t *out, size_t *out_len)
{
	size_t n = 0;
	if (in_len < 16 || in_len % 8 != 0 || in_len > INT_MAX - 16)
		return HL_ERR_DATA_LEN_RANGE;
	if (out == NULL || *out_len < in_len + 8) {
		*out_len = in_len + 8;
		return out ? HL_ERR_BUFFER_TOO_SMALL : HL_OK;
	}
	if (!wrap_run_with(kw_cipher(kek_len), kek, kek_len, 1, in, in_len, out, &n) ||
	    n != in_len + 8)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	*out_len = n;
	return HL_OK;
}

static hl_status_t kw_unwrap(const uint8_t *kek, size_t kek_len, const uint8_t *in, size_t in_len,
			     uint8_t *out, size_t *out_len)
{
	size_t n = 0;
	if (in_len < 24 || in_len % 8 != 0 || in_len > INT_MAX)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	if (!wrap_run_with(kw_cipher(kek_len), kek, kek_len, 0, in, in_len, out, &n)) {
		OPENSSL_cleanse(out, in_len - 8);
		return hl_crypto_fail(HL_ERR_WRAPPED_KEY_INVALID);
	}
	*out_len = n;
	return HL_OK;
}

hl_status_t hl_crypto_aes_wrap_pad(const uint8_t *kek, size_t kek_len, const uint8_t *in,
				   size_t in_len, uint8_t *out, size_t *out_len)
{
	size_t need = (in_len + 7) / 8 * 8 + 8, n = 0;

	if (kek == NULL || in == NULL || out_len == NULL || in_len == 0 || in_len > INT_MAX - 16)
		return HL_ERR_ARGS;
	if (hl_crypto_wrap_cipher(kek_len) == NULL)
		return HL_ERR_KEY_SIZE_RANGE;
	if (out == NULL) {
		*out_len = need;
		return HL_OK;
	}
	if (*out_len < need) {
		*out_len = need;
		return HL_ERR_BUFFER_TOO_SMALL;
	}
	if (!wrap_run(kek, kek_len, 1, in, in_len, out, &n) || n != need)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	*out_len = n;
	return HL_OK;
}

hl_status_t hl_crypto_aes_unwrap_pad(const uint8_t *kek, size_t kek_len, const uint8_t *in,
				     size_t in_len, uint8_t *out, size_t *out_len)
{
	hl_status_t st = HL_OK;
	uint8_t *buf = NULL;
	size_t n = 0;

	if (kek == NULL || (in == NULL && in_len > 0) || out_len == NULL || in_len > INT_MAX)
		return HL_ERR_ARGS;
	if (hl_crypto_wrap_cipher(kek_len) == NULL)
		return HL_ERR_KEY_SIZE_RANGE;
	if (in_len < 16 || in_len % 8 != 0)
		return HL_ERR_WRAPPED_KEY_INVALID;
	if (out == NULL) {
		*out_len = in_len - 8;
		return HL_OK;
	}
	/* The unpadded length is known only after the integrity check. */
	if ((buf = calloc(1, in_len)) == NULL)
		return HL_ERR_NOMEM;
	if (!wrap_run(kek, kek_len, 0, in, in_len, buf, &n)) {
		st = hl_crypto_fail(HL_ERR_WRAPPED_KEY_INVALID);
	} else if (*out_len < n) {
		*out_len = n;
		st = HL_ERR_BUFFER_TOO_SMALL;
	} else {
		memcpy(out, buf, n);
		*out_len = n;
	}
	OPENSSL_cleanse(buf, in_len);
	free(buf);
	return st;
}

/* -- wrapping by mechanism -- */

/* ECB and CBC without padding: PKCS#11 pads the wrapped value with zero bytes up to a whole
 * block; the unwrapping side trims by key type, CKA_VALUE_LEN or the DER length. */
static hl_status_t wrap_zero_padded(const CK_MECHANISM *mech, const uint8_t *kek, size_t kek_len,
				    const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	size_t b = hl_crypto_sym_block(mech->mechanism), padded = (in_len + b - 1) / b * b;
	uint8_t *buf = NULL;
	hl_status_t st;

	if (out == NULL) {
		*out_len = padded;
		return HL_OK;
	}
	if (*out_len < padded) {
		*out_len = padded;
		return HL_ERR_BUFFER_TOO_SMALL;
	}
	if ((buf = calloc(1, padded)) == NULL)
		return HL_ERR_NOMEM;
	memcpy(buf, in, in_len);
	st = hl_crypto_sym_run(mech, kek, kek_len, true, buf, padded, out, out_len);
	OPENSSL_cleanse(buf, padded);
	free(buf);
	return st;
}

static hl_status_t wrap_check(const CK_MECHANISM *mech, CK_KEY_TYPE kek_type, size_t kek_len)
{
	bool kw = mech->mechanism == CKM_AES_KEY_WRAP;
	if (mech->mechanism != CKM_AES_KEY_WRAP_PAD && !kw)
		return hl_crypto_sym_check(mech, kek_type, kek_len);
	if (mech->ulParameterLen != 0) /* the default IVs of RFC 3394 / 5649 only */
		return HL_ERR_MECHANISM_PARAM_INVALID;
	if (kek_type != CKK_AES)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	return (kw ? kw_cipher(kek_len) : hl_crypto_wrap_cipher(kek_len)) ? HL_OK
									  : HL_ERR_KEY_SIZE_RANGE;
}

hl_status_t hl_crypto_wrap(const CK_MECHANISM *mech, CK_KEY_TYPE kek_type, const uint8_t *kek,
			   size_t kek_len, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t *out_len)
{
	hl_status_t st;

	if (mech == NULL || kek == NULL || in == NULL || in_len == 0 || out_len == NULL)
		return HL_ERR_ARGS;
	if ((st = wrap_check(mech, kek_type, kek_len)) != HL_OK)
		return st;
	if (mech->mechanism == CKM_AES_KEY_WRAP_PAD)
		return hl_crypto_aes_wrap_pad(kek, kek_len, in, in_len, out, out_len);
	if (mech->mechanism == CKM_AES_KEY_WRAP)
		return kw_wrap(kek, kek_len, in, in_len, out, out_len);
	if (!hl_crypto_sym_padded(mech->mechanism))
		return wrap_zero_padded(mech, kek, kek_len, in, in_len, out, out_len);
	return hl_crypto_sym_run(mech, kek, kek_len, true, in, in_len, out, out_len);
}

hl_status_t hl_crypto_unwrap(const CK_MECHANISM *mech, CK_KEY_TYPE kek_type, const uint8_t *kek,
			     size_t kek_len, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t *out_len)
{
	hl_status_t st;

	if (mech == NULL || kek == NULL || (in == NULL && in_len > 0) || out == NULL ||
	    out_len == NULL || *out_len < in_len)
		return HL_ERR_ARGS;
	if ((st = wrap_check(mech, kek_type, kek_len)) != HL_OK)
		return st;
	/* RFC 5649 blobs are whole 8-byte semiblocks, two at least. */
	if (mech->mechanism == CKM_AES_KEY_WRAP_PAD)
		return in_len < 16 || in_len % 8 != 0
			   ? HL_ERR_ENCRYPTED_DATA_LEN_RANGE
			   : hl_crypto_aes_unwrap_pad(kek, kek_len, in, in_len, out, out_len);
	if (mech->mechanism == CKM_AES_KEY_WRAP)
		return kw_unwrap(kek, kek_len, in, in_len, out, out_len);
	if (in_len == 0)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	st = hl_crypto_sym_run(mech, kek, kek_len, false, in, in_len, out, out_len);
	return st == HL_ERR_ENCRYPTED_DATA_INVALID ? HL_ERR_WRAPPED_KEY_INVALID : st;
}

/* -- RSA-OAEP: the encryption operation, with a secret key's value as the data -- */

hl_status_t hl_crypto_wrap_rsa(const CK_MECHANISM *mech, hl_key_t *key, bool wrap,
			       const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len)
{
	hl_op_t *op = NULL;
	if (mech == NULL || key == NULL || (in == NULL && in_len) || out_len == NULL)
		return HL_ERR_ARGS;
	if (mech->mechanism != CKM_RSA_PKCS_OAEP)
		return HL_ERR_MECHANISM_INVALID;
	hl_status_t st = hl_op_new(wrap ? HL_OP_ENCRYPT : HL_OP_DECRYPT, mech, key, &op);
	if (st == HL_OK)
		st = hl_op_oneshot(op, in, in_len, out, out_len);
	hl_op_free(op);
	return !wrap && st == HL_ERR_ENCRYPTED_DATA_INVALID ? HL_ERR_WRAPPED_KEY_INVALID : st;
}
