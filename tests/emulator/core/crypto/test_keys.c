/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of key generation, key import with consistency checks, secret keys, reference
 * counting and the mechanism table. */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testutil.h"

/* -- mechanism table -- */

Test(mechs, list)
{
	static const CK_MECHANISM_TYPE want[] = {
		CKM_RSA_PKCS_KEY_PAIR_GEN,
		CKM_RSA_PKCS,
		CKM_RSA_X_509,
		CKM_RSA_PKCS_OAEP,
		CKM_SHA1_RSA_PKCS,
		CKM_SHA256_RSA_PKCS,
		CKM_SHA384_RSA_PKCS,
		CKM_SHA512_RSA_PKCS,
		CKM_RSA_PKCS_PSS,
		CKM_SHA1_RSA_PKCS_PSS,
		CKM_SHA256_RSA_PKCS_PSS,
		CKM_SHA384_RSA_PKCS_PSS,
		CKM_SHA512_RSA_PKCS_PSS,
		CKM_EC_KEY_PAIR_GEN,
		CKM_ECDSA,
		CKM_ECDSA_SHA1,
		CKM_ECDSA_SHA256,
		CKM_ECDSA_SHA384,
		CKM_ECDSA_SHA512,
		CKM_SHA_1,
		CKM_SHA256,
		CKM_SHA384,
		CKM_SHA512,
		CKM_AES_KEY_GEN,
		CKM_AES_KEY_WRAP_PAD,
		CKM_AES_KEY_WRAP,
		CKM_AES_CMAC,
		CKM_AES_CMAC_GENERAL,
		CKM_AES_CBC_PAD,
		CKM_AES_ECB,
		CKM_AES_CBC,
		CKM_AES_CTR,
		CKM_AES_GCM,
		CKM_SHA224,
		CKM_SHA224_RSA_PKCS,
		CKM_SHA224_RSA_PKCS_PSS,
		CKM_ECDSA_SHA224,
		CKM_GENERIC_SECRET_KEY_GEN,
		CKM_ECDH1_DERIVE,
		CKM_ECDH1_COFACTOR_DERIVE,
		CKM_SHA_1_HMAC,
		CKM_SHA_1_HMAC_GENERAL,
		CKM_SHA224_HMAC,
		CKM_SHA224_HMAC_GENERAL,
		CKM_SHA256_HMAC,
		CKM_SHA256_HMAC_GENERAL,
		CKM_SHA384_HMAC,
		CKM_SHA384_HMAC_GENERAL,
		CKM_SHA512_HMAC,
		CKM_SHA512_HMAC_GENERAL,
		CKM_DES3_KEY_GEN,
		CKM_DES3_ECB,
		CKM_DES3_CBC,
		CKM_DES3_CBC_PAD,
		CKM_EC_EDWARDS_KEY_PAIR_GEN,
		CKM_EDDSA,
	};
	CK_MECHANISM_TYPE list[64];
	CK_MECHANISM_INFO info;
	size_t n = hl_crypto_mech_list(list, 64);

	cr_assert_eq(n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < n; j++)
			found |= list[j] == want[i];
		cr_assert(found, "mechanism 0x%lx missing", want[i]);
		cr_assert(hl_crypto_mech_info(want[i], &info));
		cr_assert_eq(info.flags & CKF_HW, 0);
	}
	cr_assert_eq(hl_crypto_mech_list(list, 2), n);
	cr_assert_eq(hl_crypto_mech_list(NULL, 0), n);
	cr_assert_not(hl_crypto_mech_info(CKM_MD5, &info));
}

Test(mechs, info_limits_and_flags)
{
	CK_MECHANISM_INFO info;

	cr_assert(hl_crypto_mech_info(CKM_SHA256_RSA_PKCS, &info));
	cr_assert_eq(info.ulMinKeySize, 1024);
	cr_assert_eq(info.ulMaxKeySize, 16384);
	cr_assert_eq(info.flags, CKF_SIGN | CKF_VERIFY);
	cr_assert(hl_crypto_mech_info(CKM_RSA_PKCS, &info));
	cr_assert_eq(info.flags, CKF_SIGN | CKF_VERIFY | CKF_ENCRYPT | CKF_DECRYPT);
	cr_assert(hl_crypto_mech_info(CKM_ECDSA_SHA256, &info));
	cr_assert_eq(info.ulMinKeySize, 256);
	cr_assert_eq(info.ulMaxKeySize, 521);
	cr_assert_eq(info.flags,
		     CKF_SIGN | CKF_VERIFY | CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS);
	cr_assert(hl_crypto_mech_info(CKM_EC_KEY_PAIR_GEN, &info));
	cr_assert(info.flags & CKF_GENERATE_KEY_PAIR);
	cr_assert(hl_crypto_mech_info(CKM_AES_KEY_WRAP_PAD, &info));
	cr_assert_eq(info.flags, CKF_WRAP | CKF_UNWRAP);
	cr_assert_eq(info.ulMinKeySize, 16);
	cr_assert_eq(info.ulMaxKeySize, 32);
	cr_assert(hl_crypto_mech_info(CKM_AES_KEY_GEN, &info));
	cr_assert_eq(info.flags, CKF_GENERATE);
	cr_assert(hl_crypto_mech_info(CKM_SHA384, &info));
	cr_assert_eq(info.flags, CKF_DIGEST);
	cr_assert(hl_crypto_mech_info(CKM_RSA_PKCS_OAEP, &info)); /* wraps secret keys too */
	cr_assert_eq(info.flags, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
	/* DES3 in bytes, as keyper.conf declares it (K9). */
	cr_assert(hl_crypto_mech_info(CKM_DES3_KEY_GEN, &info));
	cr_assert_eq(info.flags, CKF_GENERATE);
	cr_assert_eq(info.ulMinKeySize, 24);
	cr_assert_eq(info.ulMaxKeySize, 24);
	cr_assert(hl_crypto_mech_info(CKM_DES3_ECB, &info));
	cr_assert_eq(info.flags, CKF_ENCRYPT | CKF_DECRYPT | CKF_WRAP | CKF_UNWRAP);
	cr_assert(hl_crypto_mech_info(CKM_AES_CBC_PAD, &info));
	cr_assert_eq(info.ulMinKeySize, 16);
	cr_assert_eq(info.ulMaxKeySize, 32);
}

/* -- generation -- */

Test(keygen, rsa)
{
	static const uint8_t e3[] = { 3 }, e_even[] = { 0x01, 0x00, 0x00 };
	hl_rsa_parts_t parts;
	hl_key_t *key = NULL;

	TU_ST(hl_crypto_rsa_generate(1024, e3, sizeof e3, &parts), HL_OK);
	cr_assert_eq(parts.n.len, 128);
	cr_assert(parts.n.data[0] & 0x80, "modulus not full length");
	cr_assert_eq(parts.e.len, 1);
	cr_assert_eq(parts.e.data[0], 3);
	cr_assert(parts.d.len && parts.p.len && parts.q.len && parts.dp.len && parts.dq.len &&
		  parts.qinv.len);
	TU_ST(hl_key_rsa_private(&parts, &key), HL_OK);
	cr_assert_eq(hl_key_kind(key), HL_KEY_RSA);
	cr_assert_eq(hl_key_bits(key), 1024);
	cr_assert(hl_key_is_private(key));
	hl_key_free(key);
	hl_rsa_parts_clear(&parts);
	cr_assert_null(parts.n.data);

	TU_ST(hl_crypto_rsa_generate(512, NULL, 0, &parts), HL_ERR_KEY_SIZE_RANGE);
	TU_ST(hl_crypto_rsa_generate(16385, NULL, 0, &parts), HL_ERR_KEY_SIZE_RANGE);
	TU_ST(hl_crypto_rsa_generate(1024, e_even, sizeof e_even, &parts),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_crypto_rsa_generate(1024, NULL, 0, NULL), HL_ERR_ARGS);
}

Test(keygen, ec)
{
	/* secp256k1: a curve OpenSSL has and the module does not take (P-521 is test_curves.c). */
	static const uint8_t k256[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a };
	hl_ec_parts_t parts;
	hl_key_t *priv = NULL, *pub = NULL;

	cr_assert_eq(hl_crypto_ec_curve_bits(tu_oid_p256, sizeof tu_oid_p256), 256);
	cr_assert_eq(hl_crypto_ec_curve_bits(tu_oid_p384, sizeof tu_oid_p384), 384);
	cr_assert_eq(hl_crypto_ec_curve_bits(k256, sizeof k256), 0);
	cr_assert_eq(hl_crypto_ec_curve_bits(tu_oid_p256, 9), 0);
	TU_ST(hl_crypto_ec_generate(k256, sizeof k256, &parts), HL_ERR_ATTRIBUTE_VALUE_INVALID);

	TU_ST(hl_crypto_ec_generate(tu_oid_p384, sizeof tu_oid_p384, &parts), HL_OK);
	cr_assert_eq(parts.params.len, sizeof tu_oid_p384);
	cr_assert_arr_eq(parts.params.data, tu_oid_p384, sizeof tu_oid_p384);
	cr_assert_eq(parts.point.len, 99);
	cr_assert_eq(parts.point.data[0], 0x04); /* OCTET STRING */
	cr_assert_eq(parts.point.data[1], 97);
	cr_assert_eq(parts.point.data[2], 0x04); /* uncompressed */
	cr_assert_eq(parts.d.len, 48);
	TU_ST(hl_key_ec_private(parts.params.data, parts.params.len, parts.d.data, parts.d.len,
				&priv),
	      HL_OK);
	/* a bare 04||X||Y is accepted as well */
	TU_ST(hl_key_ec_public(parts.params.data, parts.params.len, parts.point.data + 2, 97, &pub),
	      HL_OK);
	cr_assert_eq(hl_key_kind(pub), HL_KEY_EC);
	cr_assert_eq(hl_key_bits(pub), 384);
	cr_assert_not(hl_key_is_private(pub));
	cr_assert(hl_key_is_private(priv));
	hl_key_free(priv);
	hl_key_free(pub);
	hl_ec_parts_clear(&parts);
}

/* -- import checks -- */

/* Imports the corpus key with the part at offset off (NONE: none) cleared (flip 0) or with
 * byte at xored with flip. */
#define NONE ((size_t)-1)
#define FIELD(name) offsetof(hl_rsa_parts_t, name)

static hl_status_t import_with(size_t off, size_t at, uint8_t flip)
{
	hl_rsa_parts_t parts;
	hl_key_t *key = NULL;
	hl_status_t st;

	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &parts);
	if (off != NONE) {
		hl_buf_t *f = (hl_buf_t *)((char *)&parts + off);

		if (flip == 0) {
			hl_buf_clear(f);
		} else {
			cr_assert_lt(at, f->len);
			f->data[at] ^= flip;
		}
	}
	st = hl_key_rsa_private(&parts, &key);
	hl_key_free(key);
	hl_rsa_parts_clear(&parts);
	return st;
}

Test(import, rsa_consistency)
{
	TU_ST(import_with(NONE, 0, 0), HL_OK);
	TU_ST(import_with(FIELD(p), 10, 1), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(q), 127, 2), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(d), 100, 1), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(dp), 5, 1), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(dq), 5, 1), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(qinv), 5, 1), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(n), 200, 1), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(e), 0, 2), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(import_with(FIELD(d), 0, 0), HL_ERR_TEMPLATE_INCOMPLETE);
	TU_ST(import_with(FIELD(n), 0, 0), HL_ERR_TEMPLATE_INCOMPLETE);
	/* without all CRT parts the key is checked by a round trip instead */
	TU_ST(import_with(FIELD(qinv), 0, 0), HL_OK);
}

Test(import, rsa_without_crt_signs_the_same)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	hl_rsa_parts_t parts;
	hl_key_t *full = NULL, *bare = NULL;
	uint8_t *s1, *s2;
	size_t l1, l2;

	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &parts);
	TU_ST(hl_key_rsa_private(&parts, &full), HL_OK);
	hl_buf_clear(&parts.p);
	TU_ST(hl_key_rsa_private(&parts, &bare), HL_OK);
	s1 = tu_sign(&m, full, (const uint8_t *)"x", 1, &l1);
	s2 = tu_sign(&m, bare, (const uint8_t *)"x", 1, &l2);
	cr_assert_eq(l1, l2);
	cr_assert_arr_eq(s1, s2, l1);
	hl_key_free(bare);
	bare = NULL;
	parts.d.data[parts.d.len / 2] ^= 1;
	TU_ST(hl_key_rsa_private(&parts, &bare), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	cr_assert_null(bare);
	free(s1);
	free(s2);
	hl_key_free(full);
	hl_rsa_parts_clear(&parts);
}

static double sign_time(CK_MECHANISM *m, hl_key_t *key)
{
	struct timespec a, b;
	size_t sl;

	clock_gettime(CLOCK_MONOTONIC, &a);
	free(tu_sign(m, key, (const uint8_t *)"x", 1, &sl));
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* CRT parts recovered from n, e, d: the bare key signs about as fast as the full one (a
 * plain exponentiation with d is 3-4 times slower at 2048 bits). */
Test(import, rsa_without_crt_gets_crt_back)
{
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	hl_rsa_parts_t parts;
	hl_key_t *full = NULL, *bare = NULL;
	double t_full = 1e9, t_bare = 1e9, t;

	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &parts);
	TU_ST(hl_key_rsa_private(&parts, &full), HL_OK);
	hl_buf_clear(&parts.p);
	hl_buf_clear(&parts.q);
	hl_buf_clear(&parts.dp);
	hl_buf_clear(&parts.dq);
	hl_buf_clear(&parts.qinv);
	TU_ST(hl_key_rsa_private(&parts, &bare), HL_OK);
	/* the fastest of 40 each, so that a busy machine's preemptions do not count */
	for (int i = 0; i < 40; i++) {
		if ((t = sign_time(&m, full)) < t_full)
			t_full = t;
		if ((t = sign_time(&m, bare)) < t_bare)
			t_bare = t;
	}
	cr_log_info("fastest signature: with CRT %.0f us, recovered %.0f us", t_full * 1e6,
		    t_bare * 1e6);
	cr_assert_lt(t_bare, 2 * t_full, "recovered key signs slowly: %.0f us vs %.0f us",
		     t_bare * 1e6, t_full * 1e6);
	hl_key_free(full);
	hl_key_free(bare);
	hl_rsa_parts_clear(&parts);
}

Test(import, rsa_public_limits)
{
	static const uint8_t e[] = { 1, 0, 1 }, one[] = { 1 };
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	uint8_t n[2049], e_big[9];
	hl_key_t *key = NULL;
	hl_op_t *op = NULL;

	memset(n, 0xc5, sizeof n);
	TU_ST(hl_key_rsa_public(n, 256, e, sizeof e, &key), HL_OK);
	cr_assert_eq(hl_key_bits(key), 2048);
	cr_assert_not(hl_key_is_private(key));
	hl_key_free(key);
	key = NULL;
	/* a 512-bit key is an object, but no mechanism of this layer takes it */
	TU_ST(hl_key_rsa_public(n, 64, e, sizeof e, &key), HL_OK);
	TU_ST(hl_op_new(HL_OP_VERIFY, &m, key, &op), HL_ERR_KEY_SIZE_RANGE);
	cr_assert_null(op);
	hl_key_free(key);
	key = NULL;
	TU_ST(hl_key_rsa_public(n, 63, e, sizeof e, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_rsa_public(n, sizeof n, e, sizeof e, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_rsa_public(n, 256, one, sizeof one, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	/* a 65-bit exponent: fine at 2048 bits, refused above 3072 */
	memset(e_big, 0, sizeof e_big);
	e_big[0] = 1;
	e_big[8] = 1;
	TU_ST(hl_key_rsa_public(n, 256, e_big, sizeof e_big, &key), HL_OK);
	hl_key_free(key);
	key = NULL;
	TU_ST(hl_key_rsa_public(n, 512, e_big, sizeof e_big, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	n[255] = 0xc4; /* even modulus */
	TU_ST(hl_key_rsa_public(n, 256, e, sizeof e, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_rsa_public(NULL, 256, e, sizeof e, &key), HL_ERR_ARGS);
	cr_assert_null(key);
}

Test(import, ec_values)
{
	hl_ec_parts_t parts;
	hl_key_t *key = NULL;
	uint8_t d[32], order[32];
	size_t ol;
	uint8_t *ord =
	    tu_unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551", &ol);

	memcpy(order, ord, sizeof order);
	free(ord);
	tu_ec_parts_from_pem(tu_corpus("iana-kskm/ec-prime256v1-1.key"), &parts);
	TU_ST(hl_key_ec_public(parts.params.data, parts.params.len, parts.point.data,
			       parts.point.len, &key),
	      HL_OK);
	hl_key_free(key);
	key = NULL;
	/* a point off the curve */
	parts.point.data[40] ^= 1;
	TU_ST(hl_key_ec_public(parts.params.data, parts.params.len, parts.point.data,
			       parts.point.len, &key),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	/* a compressed or truncated point, or the wrong curve */
	TU_ST(hl_key_ec_public(parts.params.data, parts.params.len, parts.point.data, 35, &key),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_ec_public(tu_oid_p384, sizeof tu_oid_p384, parts.point.data, parts.point.len,
			       &key),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	/* d = 0, d = order, d short (left padding is optional) */
	memset(d, 0, sizeof d);
	TU_ST(hl_key_ec_private(tu_oid_p256, sizeof tu_oid_p256, d, sizeof d, &key),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_ec_private(tu_oid_p256, sizeof tu_oid_p256, order, sizeof order, &key),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	d[31] = 7;
	TU_ST(hl_key_ec_private(tu_oid_p256, sizeof tu_oid_p256, d + 31, 1, &key), HL_OK);
	cr_assert_eq(hl_key_bits(key), 256);
	hl_key_free(key);
	hl_ec_parts_clear(&parts);
}

/* -- secret keys and references -- */

Test(secret, sizes_and_types)
{
	uint8_t v[40] = { 1 };
	hl_key_t *key = NULL;

	for (size_t n = 16; n <= 32; n += 8) {
		TU_ST(hl_key_secret(CKK_AES, v, n, &key), HL_OK);
		cr_assert_eq(hl_key_kind(key), HL_KEY_SECRET);
		cr_assert_eq(hl_key_bits(key), n * 8);
		cr_assert(hl_key_is_private(key));
		hl_key_free(key);
		key = NULL;
	}
	TU_ST(hl_key_secret(CKK_AES, v, 20, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_secret(CKK_GENERIC_SECRET, v, 0, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_secret(CKK_DES3, v, 16, &key), HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_secret(CKK_DES, v, 8, &key), HL_ERR_KEY_TYPE_INCONSISTENT);
	cr_assert_null(key);
	TU_ST(hl_key_secret(CKK_DES3, v, 24, &key), HL_OK);
	cr_assert_eq(hl_key_bits(key), 192);
	hl_key_free(key);
	key = NULL;
	TU_ST(hl_key_secret(CKK_GENERIC_SECRET, v, 1, &key), HL_OK);
	cr_assert_eq(hl_key_bits(key), 8);
	hl_key_free(key);
}

Test(refs, counting)
{
	uint8_t v[16] = { 0 };
	hl_key_t *key = NULL;

	TU_ST(hl_key_secret(CKK_AES, v, sizeof v, &key), HL_OK);
	cr_assert_eq(hl_key_ref(key), key);
	cr_assert_eq(hl_key_ref(key), key);
	hl_key_free(key);
	hl_key_free(key);
	cr_assert_eq(hl_key_bits(key), 128); /* one reference left: still alive */
	hl_key_free(key);
	hl_key_free(NULL);
	cr_assert_null(hl_key_ref(NULL));
}

Test(setup, engine_default_only_in_engine_runs)
{
	tu_check_engine_mode();
}
