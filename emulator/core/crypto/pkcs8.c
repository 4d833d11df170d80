/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: private keys as PKCS#8 PrivateKeyInfo DER (what C_WrapKey encrypts
 * for a private key, as PKCS#11 wraps private keys), through the provider encoders and
 * decoders, which never consult an ENGINE (see KEYMGMT_RSA in crypto_int.h). */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>

#include "crypto_int.h"

/* -- encoding -- */

hl_status_t hl_crypto_pkcs8_encode(const hl_key_t *key, hl_buf_t *out)
{
	OSSL_ENCODER_CTX *ctx = NULL;
	unsigned char *der = NULL;
	uint8_t *copy = NULL;
	size_t len = 0;
	hl_status_t st = HL_ERR_CRYPTO;

	if (key == NULL || out == NULL)
		return HL_ERR_ARGS;
	if (!key->priv || key->pkey == NULL || (key->kind != HL_KEY_RSA && key->kind != HL_KEY_EC))
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	ctx = OSSL_ENCODER_CTX_new_for_pkey(key->pkey, EVP_PKEY_KEYPAIR, "DER", "PrivateKeyInfo",
					    NULL);
	if (ctx == NULL || OSSL_ENCODER_CTX_get_num_encoders(ctx) == 0 ||
	    OSSL_ENCODER_to_data(ctx, &der, &len) != 1 || der == NULL || len == 0)
		goto out;
	/* hl_buf_t is malloc'd (hl_buf_clear frees it); OpenSSL's allocator may be another. */
	st = HL_ERR_NOMEM;
	if ((copy = malloc(len)) == NULL)
		goto out;
	memcpy(copy, der, len);
	out->data = copy;
	out->len = len;
	st = HL_OK;
out:
	OSSL_ENCODER_CTX_free(ctx);
	if (der != NULL)
		OPENSSL_clear_free(der, len);
	return st == HL_OK ? st : hl_crypto_fail(st);
}

/* -- decoding -- */

size_t hl_crypto_der_len(const uint8_t *p, size_t len)
{
	size_t n = 0, hdr = 2;

	if (p == NULL || len < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		n = p[1];
	} else {
		size_t k = p[1] & 0x7f;
		/* DER: the shortest length form; nothing near 2^32 bytes is a key. */
		if (k == 0 || k > 4 || len < 2 + k || p[2] == 0)
			return 0;
		for (size_t i = 0; i < k; i++)
			n = n << 8 | p[2 + i];
		if (n < 0x80)
			return 0;
		hdr += k;
	}
	return n <= len - hdr ? hdr + n : 0;
}

static hl_status_t ec_parts_of(EVP_PKEY *pkey, hl_ec_parts_t *ec)
{
	char group[64] = "";
	const hl_curve_t *c = NULL;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
					   NULL) != 1 ||
	    (c = hl_crypto_curve_by_name(group)) == NULL)
		return HL_ERR_WRAPPED_KEY_INVALID;
	/* CKA_EC_POINT holds the uncompressed point, whatever the blob carried. */
	if (EVP_PKEY_set_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
					   "uncompressed") != 1)
		return HL_ERR_CRYPTO;
	return hl_crypto_ec_export(pkey, c, ec);
}

hl_status_t hl_crypto_pkcs8_decode(const uint8_t *der, size_t len, CK_KEY_TYPE *kt_out,
				   hl_rsa_parts_t *rsa, hl_ec_parts_t *ec)
{
	OSSL_DECODER_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = der;
	size_t left = len;
	hl_status_t st = HL_ERR_WRAPPED_KEY_INVALID;

	if (der == NULL || kt_out == NULL || rsa == NULL || ec == NULL)
		return HL_ERR_ARGS;
	if (hl_crypto_der_len(der, len) != len)
		return st;
	ctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", "PrivateKeyInfo", NULL, EVP_PKEY_KEYPAIR,
					    NULL, NULL);
	if (ctx == NULL || OSSL_DECODER_from_data(ctx, &p, &left) != 1 || pkey == NULL || left != 0)
		goto out;
	if (EVP_PKEY_is_a(pkey, "RSA")) {
		st = hl_crypto_rsa_export(pkey, false, rsa);
		if (st == HL_OK)
			*kt_out = CKK_RSA;
	} else if (EVP_PKEY_is_a(pkey, "EC")) {
		st = ec_parts_of(pkey, ec);
		if (st == HL_OK)
			*kt_out = CKK_EC;
	}
out:
	EVP_PKEY_free(pkey);
	OSSL_DECODER_CTX_free(ctx);
	return st == HL_OK ? st : hl_crypto_fail(st);
}
