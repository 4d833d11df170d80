/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: RSA encryption and decryption (PKCS#1 v1.5, raw, OAEP) with the
 * PKCS#11 length rules. */
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "crypto_int.h"

/* -- OAEP parameters -- */

hl_status_t hl_crypto_oaep_setup(hl_op_t *op, const CK_MECHANISM *mech)
{
	CK_RSA_PKCS_OAEP_PARAMS p;
	hl_md_id_t h, mgf;
	size_t h_len;

	if (mech->pParameter == NULL || mech->ulParameterLen != sizeof p)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	memcpy(&p, mech->pParameter, sizeof p);
	h = hl_crypto_md_from_ckm(p.hashAlg);
	mgf = hl_crypto_md_from_mgf(p.mgf);
	if (h == HL_MD_NONE || mgf == HL_MD_NONE)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	/* The spec allows only CKZ_DATA_SPECIFIED; clients that send 0 with no label are
	 * common enough to accept. */
	if (p.source != CKZ_DATA_SPECIFIED && (p.source != 0 || p.ulSourceDataLen != 0))
		return HL_ERR_MECHANISM_PARAM_INVALID;
	if (p.pSourceData == NULL && p.ulSourceDataLen != 0)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	h_len = hl_crypto_md_size(h);
	if (op->key->len < 2 * h_len + 2)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	op->max_in = op->key->len - 2 * h_len - 2;
	op->in_md = h;
	/* Typed setters for the same reason as in hl_crypto_pss_setup. */
	if (EVP_PKEY_CTX_set_rsa_oaep_md(op->pctx, hl_crypto_md(h)) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(op->pctx, hl_crypto_md(mgf)) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	if (p.ulSourceDataLen > 0) {
		/* set0 takes the copy only when it succeeds */
		void *label = OPENSSL_memdup(p.pSourceData, p.ulSourceDataLen);

		if (label == NULL)
			return HL_ERR_NOMEM;
		if (p.ulSourceDataLen > INT_MAX ||
		    EVP_PKEY_CTX_set0_rsa_oaep_label(op->pctx, label, (int)p.ulSourceDataLen) !=
			1) {
			OPENSSL_free(label);
			return hl_crypto_fail(HL_ERR_CRYPTO);
		}
	}
	return HL_OK;
}

/* -- encrypt -- */

hl_status_t hl_crypto_encrypt(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t *out_len)
{
	uint8_t buf[HL_RSA_MAX_BYTES];
	size_t k = op->key->len, ol = k;
	hl_status_t st = HL_OK;

	if (op->m->family == HL_FAM_RSA_RAW) {
		if ((st = hl_crypto_rsa_raw_input(op->key, in, in_len, buf, HL_ERR_DATA_INVALID)) !=
		    HL_OK)
			return st;
		in = buf;
		in_len = k;
	} else if (in_len > op->max_in) {
		return HL_ERR_DATA_LEN_RANGE;
	}
	if (out == NULL) {
		*out_len = k;
		return HL_OK;
	}
	if (*out_len < k) {
		*out_len = k;
		return HL_ERR_BUFFER_TOO_SMALL;
	}
	if (EVP_PKEY_encrypt(op->pctx, out, &ol, in_len ? in : buf, in_len) != 1)
		st = hl_crypto_fail(HL_ERR_CRYPTO);
	else
		*out_len = ol;
	OPENSSL_cleanse(buf, k);
	return st;
}

/* -- decrypt -- */

hl_status_t hl_crypto_decrypt(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t *out_len)
{
	uint8_t buf[HL_RSA_MAX_BYTES];
	size_t k = op->key->len, bl = k;
	hl_status_t st = HL_OK;

	if (in_len != k)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	if (op->m->family == HL_FAM_RSA_RAW &&
	    (st = hl_crypto_rsa_raw_input(op->key, in, in_len, buf,
					  HL_ERR_ENCRYPTED_DATA_INVALID)) != HL_OK)
		return st;
	if (out == NULL) {
		*out_len = op->max_in;
		return HL_OK;
	}
	/* The plaintext length is known only after decrypting: go through buf so that a short
	 * out can be reported with the exact length and the operation stays usable. */
	if (EVP_PKEY_decrypt(op->pctx, buf, &bl, in, k) != 1) {
		st = hl_crypto_fail(HL_ERR_ENCRYPTED_DATA_INVALID);
	} else if (*out_len < bl) {
		*out_len = bl;
		st = HL_ERR_BUFFER_TOO_SMALL;
	} else {
		memcpy(out, buf, bl);
		*out_len = bl;
	}
	OPENSSL_cleanse(buf, k);
	return st;
}
