/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the secret-key block ciphers (symm.c): DES3 ECB against the NIST SP 800-67
 * example, DES3-CBC-PAD and AES-CBC-PAD against answers of the openssl CLI, the PKCS#11
 * length rules, parameter and key checks, DES3 key generation (odd parity) and the
 * operation layer's encrypt/decrypt with secret keys. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* SP 800-67 Rev. 1 appendix B: three keys, "The qufck brown fox jump". */
#define SP_KEY "0123456789ABCDEF23456789ABCDEF01456789ABCDEF0123"
#define SP_PT "The qufck brown fox jump"
#define SP_CT "a826fd8ce53b855fcce21c8112256fe668d5c05dd9b6b900"
/* printf SP_PT | openssl enc -des-ede3-cbc -K SP_KEY -iv 0001020304050607 | xxd -p */
#define CBC_PAD_CT "f368d06f3bbd614e60f2d0245cad3f818d5c69f2cb3fd5c7efa5066e2c4e03b9"
/* printf SP_PT | openssl enc -aes-128-cbc -K 00..0f -iv 0f..00 | xxd -p */
#define AES_KEY "000102030405060708090a0b0c0d0e0f"
#define AES_IV "0f0e0d0c0b0a09080706050403020100"
#define AES_CT "f17e6746686ac167b6f25ea8d7e62393ca9643af07feecf5ee6fbb1237026ae2"

static const uint8_t des_iv[8] = { 0, 1, 2, 3, 4, 5, 6, 7 };

/* Encrypts SP_PT and checks the answer, the length query and a short buffer; decrypts it
 * back with the same rules. */
static void known_answer(CK_MECHANISM *m, const char *key_hex, const char *ct_hex)
{
	size_t kl, cl, n = 0;
	uint8_t *key = tu_unhex(key_hex, &kl), *ct = tu_unhex(ct_hex, &cl), out[64], back[64];
	const size_t pl = strlen(SP_PT);

	TU_ST(hl_crypto_sym_run(m, key, kl, true, (const uint8_t *)SP_PT, pl, NULL, &n), HL_OK);
	cr_assert_eq(n, cl);
	n = cl - 1;
	TU_ST(hl_crypto_sym_run(m, key, kl, true, (const uint8_t *)SP_PT, pl, out, &n),
	      HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(n, cl);
	TU_ST(hl_crypto_sym_run(m, key, kl, true, (const uint8_t *)SP_PT, pl, out, &n), HL_OK);
	cr_assert_eq(n, cl);
	cr_assert_arr_eq(out, ct, cl);

	n = 0;
	TU_ST(hl_crypto_sym_run(m, key, kl, false, ct, cl, NULL, &n), HL_OK);
	cr_assert_geq(n, pl);
	n = pl - 1;
	TU_ST(hl_crypto_sym_run(m, key, kl, false, ct, cl, back, &n), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(n, pl, "a short buffer learns the exact plaintext length");
	TU_ST(hl_crypto_sym_run(m, key, kl, false, ct, cl, back, &n), HL_OK);
	cr_assert_eq(n, pl);
	cr_assert_arr_eq(back, SP_PT, pl);
	free(key);
	free(ct);
}

Test(symm, des3_ecb_sp800_67)
{
	CK_MECHANISM m = { CKM_DES3_ECB, NULL, 0 };
	known_answer(&m, SP_KEY, SP_CT);
}

Test(symm, des3_cbc_pad_openssl_cli)
{
	CK_MECHANISM m = { CKM_DES3_CBC_PAD, (void *)des_iv, sizeof des_iv };
	known_answer(&m, SP_KEY, CBC_PAD_CT);
}

Test(symm, aes_cbc_pad_openssl_cli)
{
	size_t il;
	uint8_t *iv = tu_unhex(AES_IV, &il);
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, (CK_ULONG)il };
	known_answer(&m, AES_KEY, AES_CT);
	free(iv);
}

Test(symm, length_rules)
{
	size_t kl, n = 64;
	uint8_t *key = tu_unhex(SP_KEY, &kl), buf[64] = { 0 }, out[64];
	CK_MECHANISM ecb = { CKM_DES3_ECB, NULL, 0 };
	CK_MECHANISM cbc = { CKM_DES3_CBC, (void *)des_iv, 8 };
	CK_MECHANISM pad = { CKM_DES3_CBC_PAD, (void *)des_iv, 8 };

	TU_ST(hl_crypto_sym_run(&ecb, key, kl, true, buf, 23, out, &n), HL_ERR_DATA_LEN_RANGE);
	TU_ST(hl_crypto_sym_run(&ecb, key, kl, false, buf, 23, out, &n),
	      HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
	TU_ST(hl_crypto_sym_run(&pad, key, kl, false, buf, 0, out, &n),
	      HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
	TU_ST(hl_crypto_sym_run(&pad, key, kl, false, buf, 12, out, &n),
	      HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
	/* Padding: an empty message is one whole block. */
	TU_ST(hl_crypto_sym_run(&pad, key, kl, true, NULL, 0, NULL, &n), HL_OK);
	cr_assert_eq(n, 8);
	cr_assert_eq(hl_crypto_sym_out_len(CKM_DES3_CBC_PAD, true, 16), 24);
	cr_assert_eq(hl_crypto_sym_out_len(CKM_DES3_ECB, true, 16), 16);
	/* A last block that decrypts to a 0x00 pad byte is bad padding, whatever the key. */
	n = sizeof out;
	TU_ST(hl_crypto_sym_run(&cbc, key, kl, true, buf, 16, out, &n), HL_OK);
	size_t m = sizeof buf;
	TU_ST(hl_crypto_sym_run(&pad, key, kl, false, out, 16, buf, &m),
	      HL_ERR_ENCRYPTED_DATA_INVALID);
	free(key);
}

Test(symm, parameter_and_key_checks)
{
	uint8_t iv[16] = { 0 };
	CK_MECHANISM ecb_iv = { CKM_DES3_ECB, iv, 8 };
	CK_MECHANISM cbc_no_iv = { CKM_DES3_CBC, NULL, 0 };
	CK_MECHANISM cbc_short = { CKM_DES3_CBC_PAD, iv, 7 };
	CK_MECHANISM aes_ok = { CKM_AES_CBC_PAD, iv, 16 };
	CK_MECHANISM ecb = { CKM_DES3_ECB, NULL, 0 };
	CK_MECHANISM rsa = { CKM_RSA_PKCS, NULL, 0 };

	TU_ST(hl_crypto_sym_check(&ecb_iv, CKK_DES3, 24), HL_ERR_MECHANISM_PARAM_INVALID);
	TU_ST(hl_crypto_sym_check(&cbc_no_iv, CKK_DES3, 24), HL_ERR_MECHANISM_PARAM_INVALID);
	TU_ST(hl_crypto_sym_check(&cbc_short, CKK_DES3, 24), HL_ERR_MECHANISM_PARAM_INVALID);
	TU_ST(hl_crypto_sym_check(&ecb, CKK_AES, 24), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_crypto_sym_check(&ecb, CKK_DES3, 16), HL_ERR_KEY_SIZE_RANGE);
	TU_ST(hl_crypto_sym_check(&aes_ok, CKK_DES3, 24), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_crypto_sym_check(&aes_ok, CKK_AES, 20), HL_ERR_KEY_SIZE_RANGE);
	TU_ST(hl_crypto_sym_check(&aes_ok, CKK_AES, 32), HL_OK);
	TU_ST(hl_crypto_sym_check(&ecb, CKK_DES3, 24), HL_OK);
	TU_ST(hl_crypto_sym_check(&rsa, CKK_DES3, 24), HL_ERR_MECHANISM_INVALID);
	cr_assert_not(hl_crypto_sym_mech(CKM_AES_KEY_WRAP_PAD));
}

Test(symm, des3_keygen_odd_parity)
{
	uint8_t k[24], prev[24] = { 0 };

	for (int i = 0; i < 64; i++) {
		TU_ST(hl_crypto_des3_generate(k), HL_OK);
		for (size_t j = 0; j < sizeof k; j++)
			cr_assert(__builtin_popcount(k[j]) % 2 == 1, "byte %zu of key %d: %02x", j,
				  i, k[j]);
		cr_assert(hl_crypto_des_parity_ok(k, sizeof k));
		cr_assert_neq(memcmp(k, k + 8, 8), 0);
		cr_assert_neq(memcmp(k + 8, k + 16, 8), 0);
		cr_assert_neq(memcmp(k, prev, sizeof k), 0);
		memcpy(prev, k, sizeof k);
	}
	k[5] ^= 1;
	cr_assert_not(hl_crypto_des_parity_ok(k, sizeof k));
	cr_assert_not(hl_crypto_des_parity_ok(k, 0));
}

/* The operation layer: a DES3 secret key through hl_op_new; the IV is the op's own copy. */
Test(symm, op_layer_secret_keys)
{
	size_t kl, n = 0;
	uint8_t *v = tu_unhex(SP_KEY, &kl), iv[8];
	hl_key_t *key = NULL, *rsa = NULL, *pub = NULL;
	hl_op_t *op = NULL;
	CK_MECHANISM m = { CKM_DES3_CBC_PAD, iv, sizeof iv };

	TU_ST(hl_key_secret(CKK_DES3, v, kl, &key), HL_OK);
	memcpy(iv, des_iv, sizeof iv);
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_OK);
	memset(iv, 0xee, sizeof iv); /* the caller's parameter is gone after the Init */
	cr_assert_eq(hl_op_output_len(op, 24), 32);
	cr_assert(hl_op_multipart(op), "block ciphers run in parts too");
	uint8_t out[64];
	n = sizeof out;
	TU_ST(hl_op_oneshot(op, (const uint8_t *)SP_PT, strlen(SP_PT), out, &n), HL_OK);
	hl_op_free(op);
	op = NULL;
	size_t cl;
	uint8_t *want = tu_unhex(CBC_PAD_CT, &cl);
	cr_assert_eq(n, cl);
	cr_assert_arr_eq(out, want, cl);

	memcpy(iv, des_iv, sizeof iv);
	size_t bl = 0;
	uint8_t *back = tu_oneshot(HL_OP_DECRYPT, &m, key, out, n, &bl);
	cr_assert_eq(bl, strlen(SP_PT));
	cr_assert_arr_eq(back, SP_PT, bl);

	CK_MECHANISM ecb = { CKM_DES3_ECB, NULL, 0 };
	tu_gen_rsa(2048, &rsa, &pub);
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &ecb, rsa, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM rsa_m = { CKM_RSA_PKCS, NULL, 0 };
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &rsa_m, key, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_SIGN, &ecb, key, &op), HL_ERR_MECHANISM_INVALID);
	uint8_t iv16[16] = { 0 };
	CK_MECHANISM aes = { CKM_AES_CBC_PAD, iv16, 16 }, short_iv = { CKM_DES3_CBC, iv16, 7 };
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &aes, key, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_DECRYPT, &short_iv, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	cr_assert_null(op);
	free(back);
	free(want);
	free(v);
	hl_key_free(key);
	hl_key_free(rsa);
	hl_key_free(pub);
}
