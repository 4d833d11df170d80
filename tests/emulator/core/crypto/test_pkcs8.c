/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of private keys as PKCS#8 PrivateKeyInfo (pkcs8.c), checked against OpenSSL's own
 * parse of the corpus keys and of the encoding, and of key wrapping by mechanism (wrap.c):
 * DES3-ECB's zero padding, the padded modes, and what a wrong key, a truncated or a corrupt
 * blob gets. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "testutil.h"

static void buf_eq(const hl_buf_t *a, const hl_buf_t *b, const char *what)
{
	cr_assert_eq(a->len, b->len, "%s: %zu bytes, want %zu", what, a->len, b->len);
	cr_assert_arr_eq(a->data, b->data, a->len, "%s differs", what);
}

Test(pkcs8, rsa_round_trip_matches_openssl)
{
	hl_key_t *key = tu_corpus_rsa();
	hl_buf_t der = { 0 };
	hl_rsa_parts_t want, got = { 0 };
	hl_ec_parts_t ec = { 0 };
	CK_KEY_TYPE kt = 0;

	TU_ST(hl_crypto_pkcs8_encode(key, &der), HL_OK);
	cr_assert_eq(hl_crypto_der_len(der.data, der.len), der.len);
	/* OpenSSL reads it as PKCS#8 on its own. */
	const unsigned char *p = der.data;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)der.len);
	cr_assert_not_null(p8);
	EVP_PKEY *pk = EVP_PKCS82PKEY(p8);
	cr_assert_not_null(pk);
	cr_assert(EVP_PKEY_is_a(pk, "RSA"));
	EVP_PKEY_free(pk);
	PKCS8_PRIV_KEY_INFO_free(p8);

	TU_ST(hl_crypto_pkcs8_decode(der.data, der.len, &kt, &got, &ec), HL_OK);
	cr_assert_eq(kt, CKK_RSA);
	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &want);
	buf_eq(&got.n, &want.n, "n");
	buf_eq(&got.e, &want.e, "e");
	buf_eq(&got.d, &want.d, "d");
	buf_eq(&got.p, &want.p, "p");
	buf_eq(&got.q, &want.q, "q");
	buf_eq(&got.qinv, &want.qinv, "qinv");
	cr_assert_null(ec.d.data);
	hl_rsa_parts_clear(&want);
	hl_rsa_parts_clear(&got);
	hl_buf_clear(&der);
	hl_key_free(key);
}

Test(pkcs8, ec_round_trip)
{
	hl_key_t *key = tu_corpus_ec();
	hl_buf_t der = { 0 };
	hl_rsa_parts_t rsa = { 0 };
	hl_ec_parts_t want, got = { 0 };
	CK_KEY_TYPE kt = 0;

	TU_ST(hl_crypto_pkcs8_encode(key, &der), HL_OK);
	TU_ST(hl_crypto_pkcs8_decode(der.data, der.len, &kt, &rsa, &got), HL_OK);
	cr_assert_eq(kt, CKK_EC);
	tu_ec_parts_from_pem(tu_corpus("iana-kskm/ec-prime256v1-1.key"), &want);
	buf_eq(&got.params, &want.params, "CKA_EC_PARAMS");
	buf_eq(&got.d, &want.d, "CKA_VALUE");
	buf_eq(&got.point, &want.point, "CKA_EC_POINT");
	hl_ec_parts_clear(&want);
	hl_ec_parts_clear(&got);
	hl_buf_clear(&der);
	hl_key_free(key);
}

Test(pkcs8, p384_and_public_keys)
{
	hl_key_t *priv = NULL, *pub = NULL;
	hl_buf_t der = { 0 };
	hl_rsa_parts_t rsa = { 0 };
	hl_ec_parts_t got = { 0 };
	CK_KEY_TYPE kt = 0;

	tu_gen_ec(384, &priv, &pub);
	TU_ST(hl_crypto_pkcs8_encode(pub, &der), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_crypto_pkcs8_encode(priv, &der), HL_OK);
	TU_ST(hl_crypto_pkcs8_decode(der.data, der.len, &kt, &rsa, &got), HL_OK);
	cr_assert_eq(got.d.len, 48);
	cr_assert_eq(got.point.len, 2 + 97);
	hl_key_t *back = NULL;
	TU_ST(hl_key_ec_private(got.params.data, got.params.len, got.d.data, got.d.len, &back),
	      HL_OK);
	cr_assert_eq(hl_key_bits(back), 384);
	uint8_t secret[16] = { 1 };
	hl_key_t *sk = NULL;
	TU_ST(hl_key_secret(CKK_AES, secret, 16, &sk), HL_OK);
	TU_ST(hl_crypto_pkcs8_encode(sk, &der), HL_ERR_KEY_TYPE_INCONSISTENT);
	hl_key_free(sk);
	hl_key_free(back);
	hl_ec_parts_clear(&got);
	hl_buf_clear(&der);
	hl_key_free(priv);
	hl_key_free(pub);
}

#define SPKI_P256                                                                                \
	"3059301306072a8648ce3d020106082a8648ce3d03010703420004fb0365fae8eb2a76bf76d8eb55e1b6b7" \
	"43a12f8a8b0392476a7b940567347bd17471dd0e57aa61873ac70dd56434da4ff0d5ef5e51722300eda5"   \
	"554c75fe7c2d"

Test(pkcs8, bad_blobs_refused)
{
	hl_key_t *key = tu_corpus_rsa();
	hl_buf_t der = { 0 };
	hl_rsa_parts_t rsa = { 0 };
	hl_ec_parts_t ec = { 0 };
	CK_KEY_TYPE kt = 0;
	static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };

	TU_ST(hl_crypto_pkcs8_encode(key, &der), HL_OK);
	TU_ST(hl_crypto_pkcs8_decode(der.data, der.len - 1, &kt, &rsa, &ec),
	      HL_ERR_WRAPPED_KEY_INVALID);
	uint8_t *longer = calloc(1, der.len + 1);
	memcpy(longer, der.data, der.len);
	TU_ST(hl_crypto_pkcs8_decode(longer, der.len + 1, &kt, &rsa, &ec),
	      HL_ERR_WRAPPED_KEY_INVALID);
	cr_assert_eq(hl_crypto_der_len(longer, der.len + 1), der.len, "the padding is no part");
	TU_ST(hl_crypto_pkcs8_decode(junk, sizeof junk, &kt, &rsa, &ec),
	      HL_ERR_WRAPPED_KEY_INVALID);
	/* A SubjectPublicKeyInfo (openssl pkey -pubout -outform DER) is DER, no private key. */
	size_t sl;
	uint8_t *spki = tu_unhex(SPKI_P256, &sl);
	cr_assert_eq(hl_crypto_der_len(spki, sl), sl);
	TU_ST(hl_crypto_pkcs8_decode(spki, sl, &kt, &rsa, &ec), HL_ERR_WRAPPED_KEY_INVALID);
	free(spki);
	cr_assert_null(rsa.n.data);
	cr_assert_eq(kt, 0, "nothing written on failure");
	cr_assert_eq(hl_crypto_der_len(junk, 2), 0);
	cr_assert_eq(hl_crypto_der_len((const uint8_t *)"\x30\x81\x05", 3), 0, "not minimal");
	cr_assert_eq(hl_crypto_der_len((const uint8_t *)"\x31\x00", 2), 0, "not a SEQUENCE");
	free(longer);
	hl_buf_clear(&der);
	hl_key_free(key);
}

/* -- wrapping by mechanism -- */

static const uint8_t des3_kek[24] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
				      0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01,
				      0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23 };

Test(wrapmech, des3_ecb_pkcs8_zero_padded)
{
	hl_key_t *key = tu_corpus_rsa();
	hl_buf_t der = { 0 };
	CK_MECHANISM m = { CKM_DES3_ECB, NULL, 0 };
	size_t n = 0;

	TU_ST(hl_crypto_pkcs8_encode(key, &der), HL_OK);
	TU_ST(hl_crypto_wrap(&m, CKK_DES3, des3_kek, 24, der.data, der.len, NULL, &n), HL_OK);
	cr_assert_eq(n, (der.len + 7) / 8 * 8);
	uint8_t *w = calloc(1, n), *back = calloc(1, n);
	size_t wl = n - 1;
	TU_ST(hl_crypto_wrap(&m, CKK_DES3, des3_kek, 24, der.data, der.len, w, &wl),
	      HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(wl, n);
	TU_ST(hl_crypto_wrap(&m, CKK_DES3, des3_kek, 24, der.data, der.len, w, &wl), HL_OK);
	/* Each 8-byte block alone: ECB, so the first block is the first DER block's cipher. */
	size_t one = 8;
	uint8_t first[8];
	TU_ST(hl_crypto_sym_run(&m, des3_kek, 24, true, der.data, 8, first, &one), HL_OK);
	cr_assert_arr_eq(w, first, 8);

	size_t bl = n;
	TU_ST(hl_crypto_unwrap(&m, CKK_DES3, des3_kek, 24, w, wl, back, &bl), HL_OK);
	cr_assert_eq(bl, n);
	cr_assert_arr_eq(back, der.data, der.len);
	for (size_t i = der.len; i < bl; i++)
		cr_assert_eq(back[i], 0, "padding byte %zu", i);
	cr_assert_eq(hl_crypto_der_len(back, bl), der.len);

	bl = n;
	TU_ST(hl_crypto_unwrap(&m, CKK_DES3, des3_kek, 24, w, wl - 3, back, &bl),
	      HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
	TU_ST(hl_crypto_unwrap(&m, CKK_AES, des3_kek, 24, w, wl, back, &bl),
	      HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_crypto_unwrap(&m, CKK_DES3, des3_kek, 16, w, wl, back, &bl),
	      HL_ERR_KEY_SIZE_RANGE);
	free(w);
	free(back);
	hl_buf_clear(&der);
	hl_key_free(key);
}

Test(wrapmech, padded_modes_round_trip)
{
	static const uint8_t aes_kek[32] = { 7 };
	uint8_t iv[16] = { 9 }, value[24] = { 1, 2, 3 }, w[64], back[64];
	const struct {
		CK_MECHANISM m;
		CK_KEY_TYPE kt;
		const uint8_t *kek;
		size_t kek_len, wrapped;
	} c[] = {
		{ { CKM_DES3_CBC_PAD, iv, 8 }, CKK_DES3, des3_kek, 24, 32 },
		{ { CKM_AES_CBC_PAD, iv, 16 }, CKK_AES, aes_kek, 32, 32 },
		{ { CKM_AES_KEY_WRAP_PAD, NULL, 0 }, CKK_AES, aes_kek, 32, 32 },
		{ { CKM_DES3_CBC, iv, 8 }, CKK_DES3, des3_kek, 24, 24 },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
		size_t wl = sizeof w, bl = sizeof back;
		TU_ST(hl_crypto_wrap(&c[i].m, c[i].kt, c[i].kek, c[i].kek_len, value, 24, w, &wl),
		      HL_OK);
		cr_assert_eq(wl, c[i].wrapped, "case %zu", i);
		TU_ST(hl_crypto_unwrap(&c[i].m, c[i].kt, c[i].kek, c[i].kek_len, w, wl, back, &bl),
		      HL_OK);
		cr_assert_eq(bl, 24, "case %zu", i);
		cr_assert_arr_eq(back, value, 24);
	}
	/* The mechanism's own parameter rules. */
	CK_MECHANISM kwp_iv = { CKM_AES_KEY_WRAP_PAD, iv, 4 };
	size_t wl = sizeof w;
	TU_ST(hl_crypto_wrap(&kwp_iv, CKK_AES, aes_kek, 32, value, 24, w, &wl),
	      HL_ERR_MECHANISM_PARAM_INVALID);
	CK_MECHANISM kwp = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	TU_ST(hl_crypto_wrap(&kwp, CKK_DES3, des3_kek, 24, value, 24, w, &wl),
	      HL_ERR_KEY_TYPE_INCONSISTENT);
	size_t bl = sizeof back;
	TU_ST(hl_crypto_unwrap(&kwp, CKK_AES, aes_kek, 32, w, 29, back, &bl),
	      HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
	TU_ST(hl_crypto_unwrap(&kwp, CKK_AES, aes_kek, 32, w, 8, back, &bl),
	      HL_ERR_ENCRYPTED_DATA_LEN_RANGE);
}

/* A padded blob whose last block decrypts to a 0x00 pad byte: wrong padding, whatever key
 * the attacker or the accident chose. */
Test(wrapmech, bad_padding_is_wrapped_key_invalid)
{
	uint8_t iv[8] = { 0 }, zeros[16] = { 0 }, w[16], back[32];
	CK_MECHANISM cbc = { CKM_DES3_CBC, iv, 8 }, pad = { CKM_DES3_CBC_PAD, iv, 8 };
	size_t wl = sizeof w, bl = sizeof back;

	TU_ST(hl_crypto_sym_run(&cbc, des3_kek, 24, true, zeros, 16, w, &wl), HL_OK);
	TU_ST(hl_crypto_unwrap(&pad, CKK_DES3, des3_kek, 24, w, wl, back, &bl),
	      HL_ERR_WRAPPED_KEY_INVALID);
}

Test(setup, engine_default_only_in_engine_runs)
{
	tu_check_engine_mode();
}
