/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: MAC sign and verify, single- and multi-part: HMAC (CKM_SHA_1_HMAC ..
 * CKM_SHA512_HMAC) with generic secret keys and AES-CMAC (CKM_AES_CMAC) with AES keys, each
 * with its _GENERAL form. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "crypto_int.h"

/* The _GENERAL forms: the output length is the parameter (a CK_MAC_GENERAL_PARAMS). */
static bool general(CK_MECHANISM_TYPE m)
{
	return m == CKM_SHA_1_HMAC_GENERAL || m == CKM_SHA224_HMAC_GENERAL ||
	       m == CKM_SHA256_HMAC_GENERAL || m == CKM_SHA384_HMAC_GENERAL ||
	       m == CKM_SHA512_HMAC_GENERAL || m == CKM_AES_CMAC_GENERAL;
}

/* CMAC over AES-128/192/256-CBC by key length. */
static hl_status_t cmac_init(hl_op_t *op)
{
	static const char *const names[] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
	size_t kl = op->key->len;
	if (op->key->secret_type != CKK_AES)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	if (kl != 16 && kl != 24 && kl != 32)
		return HL_ERR_KEY_SIZE_RANGE;
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
							    (char *)names[(kl - 16) / 8], 0),
			   OSSL_PARAM_construct_end() };
	if (!(op->mac = hl_crypto_key_mac(op->key, HL_MD_COUNT, hl_crypto_cmac_alg(), p)))
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

hl_status_t hl_crypto_mac_setup(hl_op_t *op, const CK_MECHANISM *mech)
{
	bool cmac = op->m->md == HL_MD_NONE; /* the AES-CMAC rows */
	size_t full = cmac ? 16 : hl_crypto_md_size(op->m->md);
	if (general(op->m->type)) {
		CK_ULONG len;
		if (!mech->pParameter || mech->ulParameterLen != sizeof len)
			return HL_ERR_MECHANISM_PARAM_INVALID;
		memcpy(&len, mech->pParameter, sizeof len);
		if (len == 0 || len > full)
			return HL_ERR_MECHANISM_PARAM_INVALID;
		op->mac_len = len;
	} else if (mech->ulParameterLen) {
		return HL_ERR_MECHANISM_PARAM_INVALID;
	} else {
		op->mac_len = full;
	}
	if (cmac)
		return cmac_init(op);
	/* The key type names the hash it is for, or is generic. */
	static const CK_KEY_TYPE typed[HL_MD_COUNT] = { CKK_SHA_1_HMAC, CKK_SHA224_HMAC,
							CKK_SHA256_HMAC, CKK_SHA384_HMAC,
							CKK_SHA512_HMAC };
	if (op->key->secret_type != CKK_GENERIC_SECRET && op->key->secret_type != typed[op->m->md])
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(
			       OSSL_MAC_PARAM_DIGEST, (char *)hl_crypto_md_name(op->m->md), 0),
			   OSSL_PARAM_construct_end() };
	/* A copy of the key's keyed HMAC for this hash (prep.c). */
	if (!(op->mac = hl_crypto_key_mac(op->key, (unsigned)op->m->md, hl_crypto_hmac_alg(), p)))
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

hl_status_t hl_crypto_mac_update(hl_op_t *op, const uint8_t *in, size_t in_len)
{
	if (in_len && EVP_MAC_update(op->mac, in, in_len) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

/* The (truncated) MAC of in, or of the parts so far when in is NULL; out holds mac_len. */
hl_status_t hl_crypto_mac_out(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out)
{
	uint8_t full[EVP_MAX_MD_SIZE];
	size_t n = 0;
	if (in && hl_crypto_mac_update(op, in, in_len) != HL_OK)
		return HL_ERR_CRYPTO;
	if (EVP_MAC_final(op->mac, full, &n, sizeof full) != 1 || n < op->mac_len)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	memcpy(out, full, op->mac_len);
	OPENSSL_cleanse(full, sizeof full);
	return HL_OK;
}

hl_status_t hl_crypto_mac_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
				 size_t sig_len)
{
	uint8_t mac[EVP_MAX_MD_SIZE];
	if (sig_len != op->mac_len)
		return HL_ERR_SIGNATURE_LEN_RANGE;
	hl_status_t st = hl_crypto_mac_out(op, in, in_len, mac);
	if (st == HL_OK && !hl_crypto_memeq(mac, sig, sig_len))
		st = HL_ERR_SIGNATURE_INVALID;
	OPENSSL_cleanse(mac, sizeof mac);
	return st;
}
