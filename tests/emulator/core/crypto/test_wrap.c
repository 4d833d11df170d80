/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of AES key wrap with padding (RFC 5649 section 6 vectors) and of the AES-256-GCM
 * record protection. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* -- RFC 5649 -- */

struct wrap_vec {
	/* arrays, not pointers: Criterion copies parameters into a fresh test process */
	char kek[80], key[80], wrapped[80];
};

ParameterizedTestParameters(wrap, rfc5649)
{
	static struct wrap_vec v[] = {
		{ "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8",
		  "c37b7e6492584340bed12207808941155068f738",
		  "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a" },
		{ "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", "466f7250617369",
		  "afbeb0f07dfbf5419200f2ccb50bb24f" },
	};
	return cr_make_param_array(struct wrap_vec, v, sizeof v / sizeof v[0]);
}

ParameterizedTest(struct wrap_vec *v, wrap, rfc5649)
{
	size_t kl, pl, wl, len = 0;
	uint8_t *kek = tu_unhex(v->kek, &kl), *key = tu_unhex(v->key, &pl);
	uint8_t *want = tu_unhex(v->wrapped, &wl), out[64], back[64];

	TU_ST(hl_crypto_aes_wrap_pad(kek, kl, key, pl, NULL, &len), HL_OK);
	cr_assert_eq(len, wl);
	len = wl - 1;
	TU_ST(hl_crypto_aes_wrap_pad(kek, kl, key, pl, out, &len), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(len, wl);
	TU_ST(hl_crypto_aes_wrap_pad(kek, kl, key, pl, out, &len), HL_OK);
	cr_assert_eq(len, wl);
	cr_assert_arr_eq(out, want, wl);

	len = 0;
	TU_ST(hl_crypto_aes_unwrap_pad(kek, kl, want, wl, NULL, &len), HL_OK);
	cr_assert_geq(len, pl);
	len = pl - 1;
	TU_ST(hl_crypto_aes_unwrap_pad(kek, kl, want, wl, back, &len), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(len, pl);
	TU_ST(hl_crypto_aes_unwrap_pad(kek, kl, want, wl, back, &len), HL_OK);
	cr_assert_eq(len, pl);
	cr_assert_arr_eq(back, key, pl);
	free(kek);
	free(key);
	free(want);
}

Test(wrap, all_kek_sizes_round_trip)
{
	uint8_t kek[32], key[45], out[64], back[64];

	TU_ST(hl_crypto_random(kek, sizeof kek), HL_OK);
	TU_ST(hl_crypto_random(key, sizeof key), HL_OK);
	for (size_t kl = 16; kl <= 32; kl += 8) {
		for (size_t n = 1; n <= sizeof key; n += 11) {
			size_t len = sizeof out, blen = sizeof back;

			TU_ST(hl_crypto_aes_wrap_pad(kek, kl, key, n, out, &len), HL_OK);
			cr_assert_eq(len, (n + 7) / 8 * 8 + 8);
			TU_ST(hl_crypto_aes_unwrap_pad(kek, kl, out, len, back, &blen), HL_OK);
			cr_assert_eq(blen, n);
			cr_assert_arr_eq(back, key, n);
		}
	}
}

Test(wrap, bad_wrapped_key)
{
	uint8_t kek[32], other[32], key[32], out[48], back[48];
	size_t len = sizeof out, blen = sizeof back;

	TU_ST(hl_crypto_random(kek, sizeof kek), HL_OK);
	memcpy(other, kek, sizeof other);
	other[0] ^= 0x80;
	TU_ST(hl_crypto_random(key, sizeof key), HL_OK);
	TU_ST(hl_crypto_aes_wrap_pad(kek, 32, key, 32, out, &len), HL_OK);
	TU_ST(hl_crypto_aes_unwrap_pad(other, 32, out, len, back, &blen),
	      HL_ERR_WRAPPED_KEY_INVALID);
	out[len - 1] ^= 1;
	TU_ST(hl_crypto_aes_unwrap_pad(kek, 32, out, len, back, &blen), HL_ERR_WRAPPED_KEY_INVALID);
	out[len - 1] ^= 1;
	TU_ST(hl_crypto_aes_unwrap_pad(kek, 32, out, len - 8, back, &blen),
	      HL_ERR_WRAPPED_KEY_INVALID);
	TU_ST(hl_crypto_aes_unwrap_pad(kek, 32, out, len - 3, back, &blen),
	      HL_ERR_WRAPPED_KEY_INVALID);
	TU_ST(hl_crypto_aes_unwrap_pad(kek, 32, out, 8, back, &blen), HL_ERR_WRAPPED_KEY_INVALID);
	TU_ST(hl_crypto_aes_wrap_pad(kek, 20, key, 32, out, &len), HL_ERR_KEY_SIZE_RANGE);
	TU_ST(hl_crypto_aes_unwrap_pad(kek, 20, out, 40, back, &blen), HL_ERR_KEY_SIZE_RANGE);
	TU_ST(hl_crypto_aes_wrap_pad(kek, 32, key, 0, out, &len), HL_ERR_ARGS);
	/* still intact: the good blob unwraps */
	blen = sizeof back;
	TU_ST(hl_crypto_aes_unwrap_pad(kek, 32, out, 40, back, &blen), HL_OK);
	cr_assert_arr_eq(back, key, 32);
}

/* -- AES-256-GCM -- */

Test(aead, round_trip_and_fresh_nonces)
{
	static const uint8_t aad[] = "serial=42;object=7";
	uint8_t key[HL_AEAD_KEY_LEN], pt[100], ct1[100 + HL_AEAD_OVERHEAD];
	uint8_t ct2[sizeof ct1], back[100];

	TU_ST(hl_crypto_random(key, sizeof key), HL_OK);
	TU_ST(hl_crypto_random(pt, sizeof pt), HL_OK);
	TU_ST(hl_crypto_aead_seal(key, aad, sizeof aad, pt, sizeof pt, ct1), HL_OK);
	TU_ST(hl_crypto_aead_seal(key, aad, sizeof aad, pt, sizeof pt, ct2), HL_OK);
	cr_assert_not(hl_crypto_memeq(ct1, ct2, 12), "nonce repeated");
	TU_ST(hl_crypto_aead_open(key, aad, sizeof aad, ct1, sizeof ct1, back), HL_OK);
	cr_assert_arr_eq(back, pt, sizeof pt);
	/* empty plaintext and no aad */
	TU_ST(hl_crypto_aead_seal(key, NULL, 0, NULL, 0, ct2), HL_OK);
	TU_ST(hl_crypto_aead_open(key, NULL, 0, ct2, HL_AEAD_OVERHEAD, back), HL_OK);
	TU_ST(hl_crypto_aead_open(key, NULL, 0, ct2, HL_AEAD_OVERHEAD, NULL), HL_OK);
}

Test(aead, tampering_is_detected)
{
	static const uint8_t aad[] = "serial=42;object=7", aad2[] = "serial=42;object=8";
	uint8_t key[HL_AEAD_KEY_LEN], key2[HL_AEAD_KEY_LEN], pt[40], ct[40 + HL_AEAD_OVERHEAD];
	uint8_t back[40], zero[40] = { 0 };

	TU_ST(hl_crypto_random(key, sizeof key), HL_OK);
	memcpy(key2, key, sizeof key);
	key2[31] ^= 1;
	memset(pt, 0x33, sizeof pt);
	TU_ST(hl_crypto_aead_seal(key, aad, sizeof aad, pt, sizeof pt, ct), HL_OK);
	TU_ST(hl_crypto_aead_open(key, aad2, sizeof aad2, ct, sizeof ct, back), HL_ERR_INTEGRITY);
	cr_assert_arr_eq(back, zero, sizeof back, "plaintext left behind after a failure");
	TU_ST(hl_crypto_aead_open(key2, aad, sizeof aad, ct, sizeof ct, back), HL_ERR_INTEGRITY);
	ct[sizeof ct - 1] ^= 1; /* the tag */
	TU_ST(hl_crypto_aead_open(key, aad, sizeof aad, ct, sizeof ct, back), HL_ERR_INTEGRITY);
	ct[sizeof ct - 1] ^= 1;
	ct[12] ^= 1; /* the ciphertext */
	TU_ST(hl_crypto_aead_open(key, aad, sizeof aad, ct, sizeof ct, back), HL_ERR_INTEGRITY);
	ct[12] ^= 1;
	ct[0] ^= 1; /* the nonce */
	TU_ST(hl_crypto_aead_open(key, aad, sizeof aad, ct, sizeof ct, back), HL_ERR_INTEGRITY);
	ct[0] ^= 1;
	TU_ST(hl_crypto_aead_open(key, aad, sizeof aad, ct, HL_AEAD_OVERHEAD - 1, back),
	      HL_ERR_INTEGRITY);
	TU_ST(hl_crypto_aead_open(key, aad, sizeof aad, ct, sizeof ct, back), HL_OK);
	cr_assert_arr_eq(back, pt, sizeof pt);
}
