/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the per-key spare contexts (prep.c, keys.c): a finished or abandoned operation
 * hands its OpenSSL context back to the key and the next operation on that key starts from
 * it. Every answer is checked against OpenSSL run fresh, after operations left half-done
 * (a MAC with data in it, a cipher mid-stream, a GCM decrypt with a bad tag), after a GCM IV
 * of another length, and after PSS set its parameters on an RSA context. */
#include <criterion/criterion.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const uint8_t msg[] = "hsmlab spare contexts: the same answer every time";
static const uint8_t k32[32] = "0123456789abcdef0123456789abcdef";

static void want_mac(const char *mac, const char *sub, const char *sub_value, size_t kl,
		     uint8_t *out, size_t *out_len)
{
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(sub, (char *)sub_value, 0),
			   OSSL_PARAM_construct_end() };
	cr_assert_not_null(
	    EVP_Q_mac(NULL, mac, NULL, NULL, p, k32, kl, msg, sizeof msg, out, 64, out_len));
}

/* A MAC op left with data in it, then complete ones: each equals OpenSSL's. */
static void mac_rounds(CK_KEY_TYPE kt, size_t kl, CK_MECHANISM_TYPE mech, const uint8_t *want,
		       size_t want_len)
{
	hl_key_t *key = NULL;
	hl_op_t *op = NULL;
	CK_MECHANISM m = { mech, NULL, 0 };

	TU_ST(hl_key_secret(kt, k32, kl, &key), HL_OK);
	for (int round = 0; round < 4; round++) {
		TU_ST(hl_op_new(HL_OP_SIGN, &m, key, &op), HL_OK);
		TU_ST(hl_op_update(op, (const uint8_t *)"abandoned", 9), HL_OK);
		hl_op_free(op); /* back to the key with "abandoned" in it */
		size_t n = 0;
		uint8_t *mac = tu_sign(&m, key, msg, sizeof msg, &n);
		cr_assert_eq(n, want_len, "round %d", round);
		cr_assert_arr_eq(mac, want, want_len, "round %d: a reused MAC context", round);
		free(mac);
		TU_ST(tu_verify(&m, key, msg, sizeof msg, want, want_len), HL_OK);
	}
	hl_key_free(key);
}

Test(spare, hmac_and_cmac_after_abandoned_parts)
{
	uint8_t want[64];
	size_t wl = 0;

	want_mac("HMAC", OSSL_MAC_PARAM_DIGEST, "SHA256", 32, want, &wl);
	mac_rounds(CKK_GENERIC_SECRET, 32, CKM_SHA256_HMAC, want, wl);
	want_mac("CMAC", OSSL_MAC_PARAM_CIPHER, "AES-128-CBC", 16, want, &wl);
	mac_rounds(CKK_AES, 16, CKM_AES_CMAC, want, wl);
}

/* OpenSSL's AES-128-GCM of msg (ciphertext then tag) under iv. */
static size_t want_gcm(const uint8_t *iv, size_t iv_len, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;

	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, (int)iv_len, NULL) == 1 &&
		  EVP_EncryptInit_ex(c, NULL, NULL, k32, iv) == 1 &&
		  EVP_EncryptUpdate(c, out, &n, msg, sizeof msg) == 1 &&
		  EVP_EncryptFinal_ex(c, out + n, &f) == 1 &&
		  EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out + sizeof msg) == 1);
	EVP_CIPHER_CTX_free(c);
	return sizeof msg + 16;
}

static void gcm_round(hl_key_t *key, const uint8_t *iv, size_t iv_len)
{
	CK_GCM_PARAMS g = { (CK_BYTE_PTR)iv, iv_len, iv_len * 8, NULL, 0, 128 };
	CK_MECHANISM m = { CKM_AES_GCM, &g, sizeof g };
	uint8_t want[sizeof msg + 16], half[sizeof msg];
	size_t wl = want_gcm(iv, iv_len, want), n = 0, hn = sizeof half, bl = 0;
	hl_op_t *op = NULL;

	/* Mid-stream encrypt, abandoned. */
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_OK);
	TU_ST(hl_op_update_out(op, msg, 20, half, &hn), HL_OK);
	hl_op_free(op);
	uint8_t *ct = tu_oneshot(HL_OP_ENCRYPT, &m, key, msg, sizeof msg, &n);
	cr_assert_eq(n, wl);
	cr_assert_arr_eq(ct, want, wl, "GCM with a %zu-byte IV on a reused context", iv_len);
	/* A decrypt with a bad tag, then a good one. */
	ct[n - 1] ^= 1;
	TU_ST(hl_op_new(HL_OP_DECRYPT, &m, key, &op), HL_OK);
	bl = sizeof half;
	TU_ST(hl_op_oneshot(op, ct, n, half, &bl), HL_ERR_ENCRYPTED_DATA_INVALID);
	hl_op_free(op);
	ct[n - 1] ^= 1;
	uint8_t *back = tu_oneshot(HL_OP_DECRYPT, &m, key, ct, n, &bl);
	cr_assert_eq(bl, sizeof msg);
	cr_assert_arr_eq(back, msg, bl);
	free(ct);
	free(back);
}

Test(spare, gcm_ivs_and_failed_tags)
{
	static const uint8_t iv1[12] = "first nonce.", iv2[12] = "other nonce.";
	static const uint8_t iv16[16] = "sixteen-byte iv!", iv8[8] = "8-byteIV";
	hl_key_t *key = NULL;

	TU_ST(hl_key_secret(CKK_AES, k32, 16, &key), HL_OK);
	gcm_round(key, iv1, sizeof iv1);
	gcm_round(key, iv2, sizeof iv2);
	gcm_round(key, iv16, sizeof iv16); /* another IV length, then the default again */
	gcm_round(key, iv1, sizeof iv1);
	gcm_round(key, iv8, sizeof iv8);
	gcm_round(key, iv2, sizeof iv2);
	hl_key_free(key);
}

Test(spare, cbc_pad_after_abandoned_parts)
{
	uint8_t iv[16] = "cbc iv 16 bytes", out[sizeof msg + 16], want[sizeof msg + 16];
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof iv };
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int wn = 0, wf = 0;
	hl_key_t *key = NULL;
	hl_op_t *op = NULL;

	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, k32, iv) == 1 &&
		  EVP_EncryptUpdate(c, want, &wn, msg, sizeof msg) == 1 &&
		  EVP_EncryptFinal_ex(c, want + wn, &wf) == 1);
	EVP_CIPHER_CTX_free(c);
	TU_ST(hl_key_secret(CKK_AES, k32, 16, &key), HL_OK);
	for (int round = 0; round < 3; round++) {
		size_t n = sizeof out;
		TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_OK);
		TU_ST(hl_op_update_out(op, msg, 21, out, &n), HL_OK); /* a partial block held */
		hl_op_free(op);
		size_t a = sizeof out, b = 0;
		TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_OK);
		TU_ST(hl_op_update_out(op, msg, sizeof msg, out, &a), HL_OK);
		b = sizeof out - a;
		TU_ST(hl_op_final(op, out + a, &b), HL_OK);
		hl_op_free(op);
		cr_assert_eq(a + b, (size_t)(wn + wf));
		cr_assert_arr_eq(out, want, a + b, "round %d", round);
	}
	hl_key_free(key);
}

/* CTR: a stream left mid-block (its keystream position inside the context), then whole
 * messages, each equal to OpenSSL's. */
Test(spare, ctr_after_abandoned_stream)
{
	CK_AES_CTR_PARAMS cp = { 128, "counter block 16" };
	CK_MECHANISM m = { CKM_AES_CTR, &cp, sizeof cp };
	uint8_t want[sizeof msg], out[sizeof msg];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int wn = 0;
	hl_key_t *key = NULL;
	hl_op_t *op = NULL;

	cr_assert(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, k32, cp.cb) == 1 &&
		  EVP_EncryptUpdate(c, want, &wn, msg, sizeof msg) == 1);
	EVP_CIPHER_CTX_free(c);
	TU_ST(hl_key_secret(CKK_AES, k32, 16, &key), HL_OK);
	for (int round = 0; round < 3; round++) {
		size_t n = sizeof out;
		TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_OK);
		TU_ST(hl_op_update_out(op, msg, 7, out, &n), HL_OK);
		hl_op_free(op);
		uint8_t *ct = tu_oneshot(HL_OP_ENCRYPT, &m, key, msg, sizeof msg, &n);
		cr_assert_eq(n, (size_t)wn);
		cr_assert_arr_eq(ct, want, n, "round %d", round);
		free(ct);
	}
	hl_key_free(key);
}

/* RSA: PKCS#1 v1.5 signatures are deterministic, so each must equal the first, with PSS
 * (which sets its parameters on a context of the same key) in between. */
Test(spare, rsa_pkcs1_between_pss)
{
	hl_key_t *priv = NULL, *pub = NULL;
	CK_RSA_PKCS_PSS_PARAMS pp = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM pss = { CKM_SHA256_RSA_PKCS_PSS, &pp, sizeof pp };
	CK_MECHANISM v15 = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	size_t first_len = 0, n = 0;

	tu_gen_rsa(2048, &priv, &pub);
	uint8_t *first = tu_sign(&v15, priv, msg, sizeof msg, &first_len);
	for (int round = 0; round < 3; round++) {
		uint8_t *s = tu_sign(&pss, priv, msg, sizeof msg, &n);
		TU_ST(tu_verify(&pss, pub, msg, sizeof msg, s, n), HL_OK);
		TU_ST(tu_verify(&v15, pub, msg, sizeof msg, s, n), HL_ERR_SIGNATURE_INVALID);
		free(s);
		s = tu_sign(&v15, priv, msg, sizeof msg, &n);
		cr_assert_eq(n, first_len);
		cr_assert_arr_eq(s, first, n, "round %d: PKCS#1 v1.5 after PSS", round);
		TU_ST(tu_verify(&v15, pub, msg, sizeof msg, s, n), HL_OK);
		free(s);
	}
	free(first);
	hl_key_free(priv);
	hl_key_free(pub);
}

/* ECDSA on reused sign and verify contexts: every signature verifies, a changed one does
 * not. */
Test(spare, ecdsa_rounds)
{
	hl_key_t *priv = NULL, *pub = NULL;
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	size_t n = 0;

	tu_gen_ec(256, &priv, &pub);
	for (int round = 0; round < 4; round++) {
		uint8_t *s = tu_sign(&m, priv, msg, sizeof msg, &n);
		cr_assert_eq(n, 64);
		TU_ST(tu_verify(&m, pub, msg, sizeof msg, s, n), HL_OK);
		s[5] ^= 1;
		TU_ST(tu_verify(&m, pub, msg, sizeof msg, s, n), HL_ERR_SIGNATURE_INVALID);
		free(s);
	}
	hl_key_free(priv);
	hl_key_free(pub);
}
