/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of RSA encryption: OAEP with a label against an openssl-CLI-made ciphertext
 * (data/make-data.sh), round trips, the PKCS#11 length rules and error paths. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* -- helpers -- */

static uint8_t *encrypt(CK_MECHANISM *m, hl_key_t *key, const uint8_t *in, size_t in_len,
			size_t *out_len)
{
	return tu_oneshot(HL_OP_ENCRYPT, m, key, in, in_len, out_len);
}

static hl_status_t decrypt(CK_MECHANISM *m, hl_key_t *key, const uint8_t *in, size_t in_len,
			   uint8_t *out, size_t *out_len)
{
	hl_op_t *op = NULL;
	hl_status_t st;

	TU_ST(hl_op_new(HL_OP_DECRYPT, m, key, &op), HL_OK);
	st = hl_op_oneshot(op, in, in_len, out, out_len);
	hl_op_free(op);
	return st;
}

/* -- OAEP -- */

Test(oaep, openssl_ciphertext_with_label)
{
	static const char label[] = "hl-label";
	hl_key_t *key = tu_corpus_rsa();
	size_t ct_len, want_len, len = 256;
	char *hex = tu_data("rsa-2048-1.oaep-sha256-label.ct.hex", NULL);
	char *want = tu_data("oaep-plain.txt", &want_len);
	uint8_t *ct = tu_unhex(hex, &ct_len), out[256];
	CK_RSA_PKCS_OAEP_PARAMS p = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED,
				      (void *)label, 8 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof p };

	TU_ST(decrypt(&m, key, ct, ct_len, out, &len), HL_OK);
	cr_assert_eq(len, want_len);
	cr_assert_arr_eq(out, want, want_len);
	p.ulSourceDataLen = 7; /* another label */
	len = sizeof out;
	TU_ST(decrypt(&m, key, ct, ct_len, out, &len), HL_ERR_ENCRYPTED_DATA_INVALID);
	p.ulSourceDataLen = 8;
	p.mgf = CKG_MGF1_SHA1;
	TU_ST(decrypt(&m, key, ct, ct_len, out, &len), HL_ERR_ENCRYPTED_DATA_INVALID);
	p.mgf = CKG_MGF1_SHA256;
	ct[17] ^= 1;
	TU_ST(decrypt(&m, key, ct, ct_len, out, &len), HL_ERR_ENCRYPTED_DATA_INVALID);
	TU_ST(decrypt(&m, key, ct, ct_len - 1, out, &len), HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
	free(hex);
	free(want);
	free(ct);
	hl_key_free(key);
}

Test(oaep, round_trips_and_limits)
{
	static const struct {
		CK_MECHANISM_TYPE hash;
		CK_RSA_PKCS_MGF_TYPE mgf;
		size_t h_len, label_len;
	} v[] = {
		{ CKM_SHA_1, CKG_MGF1_SHA1, 20, 0 },
		{ CKM_SHA256, CKG_MGF1_SHA256, 32, 5 },
		{ CKM_SHA384, CKG_MGF1_SHA1, 48, 100 },
		{ CKM_SHA512, CKG_MGF1_SHA512, 64, 1 },
	};
	hl_key_t *priv = tu_corpus_rsa();
	uint8_t in[256], out[256], label[100], *ct;
	size_t ct_len, len;

	TU_ST(hl_crypto_random(in, sizeof in), HL_OK);
	TU_ST(hl_crypto_random(label, sizeof label), HL_OK);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		CK_RSA_PKCS_OAEP_PARAMS p = { v[i].hash, v[i].mgf, CKZ_DATA_SPECIFIED,
					      v[i].label_len ? label : NULL, v[i].label_len };
		CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof p };
		size_t max = 256 - 2 * v[i].h_len - 2;
		hl_op_t *op = NULL;

		ct = encrypt(&m, priv, in, max, &ct_len);
		cr_assert_eq(ct_len, 256);
		len = sizeof out;
		TU_ST(decrypt(&m, priv, ct, ct_len, out, &len), HL_OK);
		cr_assert_eq(len, max);
		cr_assert_arr_eq(out, in, max);
		free(ct);
		TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, priv, &op), HL_OK);
		len = sizeof out;
		TU_ST(hl_op_oneshot(op, in, max + 1, out, &len), HL_ERR_DATA_LEN_RANGE);
		hl_op_free(op);
	}
	hl_key_free(priv);
}

Test(oaep, bad_parameters)
{
	hl_key_t *key = tu_corpus_rsa();
	CK_RSA_PKCS_OAEP_PARAMS p = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof p };
	hl_op_t *op = NULL;

	TU_ST(hl_op_new(HL_OP_DECRYPT, &m, key, &op), HL_OK);
	hl_op_free(op);
	op = NULL;
	m.pParameter = NULL;
	TU_ST(hl_op_new(HL_OP_DECRYPT, &m, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	m.pParameter = &p;
	m.ulParameterLen = 8;
	TU_ST(hl_op_new(HL_OP_DECRYPT, &m, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof p;
	p.hashAlg = CKM_MD5;
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	p.hashAlg = CKM_SHA256;
	p.mgf = 0;
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	p.mgf = CKG_MGF1_SHA256;
	p.source = 2;
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	p.source = CKZ_DATA_SPECIFIED;
	p.ulSourceDataLen = 4; /* with no data */
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, key, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	cr_assert_null(op);
	hl_key_free(key);
}

/* -- PKCS#1 v1.5 and raw -- */

Test(rsa, pkcs1_and_raw_round_trips)
{
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 }, raw = { CKM_RSA_X_509, NULL, 0 };
	hl_key_t *priv = NULL, *pub = NULL;
	uint8_t in[256], out[256], *ct;
	size_t ct_len, len = sizeof out;
	hl_op_t *op = NULL;

	tu_gen_rsa(2048, &priv, &pub);
	TU_ST(hl_crypto_random(in, sizeof in), HL_OK);
	ct = encrypt(&pkcs, pub, in, 245, &ct_len);
	TU_ST(decrypt(&pkcs, priv, ct, ct_len, out, &len), HL_OK);
	cr_assert_eq(len, 245);
	cr_assert_arr_eq(out, in, 245);
	free(ct);
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &pkcs, pub, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, in, 246, out, &len), HL_ERR_DATA_LEN_RANGE);
	hl_op_free(op);

	/* raw: short input left-padded; the output is always the modulus length */
	ct = encrypt(&raw, pub, in, 3, &ct_len);
	cr_assert_eq(ct_len, 256);
	len = sizeof out;
	TU_ST(decrypt(&raw, priv, ct, ct_len, out, &len), HL_OK);
	cr_assert_eq(len, 256);
	for (size_t i = 0; i < 253; i++)
		cr_assert_eq(out[i], 0);
	cr_assert_arr_eq(out + 253, in, 3);
	free(ct);
	memset(out, 0xff, sizeof out);
	op = NULL;
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &raw, pub, &op), HL_OK);
	len = sizeof out;
	TU_ST(hl_op_oneshot(op, out, 256, out, &len), HL_ERR_DATA_INVALID);
	hl_op_free(op);
	len = sizeof out;
	TU_ST(decrypt(&raw, priv, out, 256, out, &len), HL_ERR_ENCRYPTED_DATA_INVALID);
	hl_key_free(priv);
	hl_key_free(pub);
}

Test(rsa, short_buffer_and_length_query)
{
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 };
	hl_key_t *key = tu_corpus_rsa();
	uint8_t out[256], *ct;
	size_t ct_len, len = 0;
	hl_op_t *op = NULL;

	ct = encrypt(&pkcs, key, (const uint8_t *)"0123456789", 10, &ct_len);
	TU_ST(hl_op_new(HL_OP_DECRYPT, &pkcs, key, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, ct, ct_len, NULL, &len), HL_OK);
	cr_assert_eq(len, 245); /* the most a 2048-bit block can carry */
	len = 9;
	TU_ST(hl_op_oneshot(op, ct, ct_len, out, &len), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(len, 10);
	TU_ST(hl_op_oneshot(op, ct, ct_len, out, &len), HL_OK);
	cr_assert_eq(len, 10);
	cr_assert_arr_eq(out, "0123456789", 10);
	TU_ST(hl_op_oneshot(op, ct, ct_len, out, &len), HL_ERR_ARGS); /* finished */
	hl_op_free(op);
	op = NULL;
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &pkcs, key, &op), HL_OK);
	len = 255;
	TU_ST(hl_op_oneshot(op, ct, 10, out, &len), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(len, 256);
	TU_ST(hl_op_oneshot(op, ct, 10, out, &len), HL_OK);
	TU_ST(hl_op_update(op, ct, 1), HL_ERR_ARGS);
	hl_op_free(op);
	free(ct);
	hl_key_free(key);
}

Test(rsa, wrong_keys)
{
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 };
	hl_key_t *priv = NULL, *pub = NULL, *ec = tu_corpus_ec();
	hl_op_t *op = NULL;

	tu_gen_rsa(1024, &priv, &pub);
	TU_ST(hl_op_new(HL_OP_DECRYPT, &pkcs, pub, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &pkcs, ec, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &pkcs, priv, &op), HL_OK);
	cr_assert_not(hl_op_multipart(op));
	uint8_t out[256];
	size_t ol = sizeof out;
	TU_ST(hl_op_update_out(op, (const uint8_t *)"x", 1, out, &ol), HL_ERR_NOT_SUPPORTED);
	TU_ST(hl_op_update(op, (const uint8_t *)"x", 1), HL_ERR_ARGS); /* no output: not for it */
	hl_op_free(op);
	hl_key_free(priv);
	hl_key_free(pub);
	hl_key_free(ec);
}

Test(setup, engine_default_only_in_engine_runs)
{
	tu_check_engine_mode();
}
