/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: AES key wrap with padding (RFC 5649, CKM_AES_KEY_WRAP_PAD), and key
 * wrapping by mechanism (the block ciphers of symm.c for DES3 and AES-CBC-PAD). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* -- wrap and unwrap -- */

/* One pass of the wrap-pad cipher; *out_len gets the bytes written. */
static bool wrap_run(const uint8_t *kek, size_t kek_len, int enc, const uint8_t *in, size_t in_len,
		     uint8_t *out, size_t *out_len)
{
	const EVP_CIPHER *c = hl_crypto_wrap_cipher(kek_len);
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
	if (mech->mechanism != CKM_AES_KEY_WRAP_PAD)
		return hl_crypto_sym_check(mech, kek_type, kek_len);
	if (mech->ulParameterLen != 0)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	if (kek_type != CKK_AES)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	return hl_crypto_wrap_cipher(kek_len) ? HL_OK : HL_ERR_KEY_SIZE_RANGE;
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
	if (in_len == 0)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	st = hl_crypto_sym_run(mech, kek, kek_len, false, in, in_len, out, out_len);
	return st == HL_ERR_ENCRYPTED_DATA_INVALID ? HL_ERR_WRAPPED_KEY_INVALID : st;
}
