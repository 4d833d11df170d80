/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the crypto layer's digests and fixed primitives against published vectors:
 * FIPS 180-2 appendix examples, RFC 4231 (HMAC-SHA256), RFC 7914 section 11 (PBKDF2). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* -- digests through hl_op -- */

struct sha_vec {
	CK_MECHANISM_TYPE mech;
	/* arrays, not pointers: Criterion copies parameters into a fresh test process */
	char msg[128];
	size_t repeat; /* msg repeated this many times */
	char hex[160];
};

#define ABC448 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define ABC896                                                                                   \
	"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnop" \
	"qrlmnopqrsmnopqrstnopqrstu"

ParameterizedTestParameters(digest, fips180)
{
	static struct sha_vec v[] = {
		{ CKM_SHA_1, "abc", 1, "a9993e364706816aba3e25717850c26c9cd0d89d" },
		{ CKM_SHA_1, ABC448, 1, "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
		{ CKM_SHA_1, "", 1, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
		{ CKM_SHA256, "abc", 1,
		  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ CKM_SHA256, ABC448, 1,
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
		{ CKM_SHA256, "a", 1000000,
		  "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
		{ CKM_SHA256, "", 1,
		  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ CKM_SHA384, "abc", 1,
		  "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc23"
		  "58baeca134c825a7" },
		{ CKM_SHA384, ABC896, 1,
		  "09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712fcc7c71a557e2db9"
		  "66c3e9fa91746039" },
		{ CKM_SHA512, "abc", 1,
		  "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a8"
		  "36ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f" },
		{ CKM_SHA512, ABC896, 1,
		  "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4"
		  "331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909" },
	};
	return cr_make_param_array(struct sha_vec, v, sizeof v / sizeof v[0]);
}

static uint8_t *repeat_msg(const struct sha_vec *v, size_t *len)
{
	size_t ml = strlen(v->msg);
	uint8_t *buf = malloc(ml * v->repeat + 1);

	cr_assert_not_null(buf);
	for (size_t i = 0; i < v->repeat; i++)
		memcpy(buf + i * ml, v->msg, ml);
	*len = ml * v->repeat;
	return buf;
}

ParameterizedTest(struct sha_vec *v, digest, fips180)
{
	CK_MECHANISM mech = { v->mech, NULL, 0 };
	size_t want_len, len, out_len = 0;
	uint8_t *want = tu_unhex(v->hex, &want_len), *msg = repeat_msg(v, &len);
	uint8_t out[64];
	hl_op_t *op = NULL;

	/* single part, with a length query first */
	TU_ST(hl_op_new(HL_OP_DIGEST, &mech, NULL, &op), HL_OK);
	cr_assert(hl_op_multipart(op));
	cr_assert_eq(hl_op_output_len(op, len), want_len);
	TU_ST(hl_op_oneshot(op, msg, len, NULL, &out_len), HL_OK);
	cr_assert_eq(out_len, want_len);
	TU_ST(hl_op_oneshot(op, msg, len, out, &out_len), HL_OK);
	cr_assert_arr_eq(out, want, want_len);
	hl_op_free(op);

	/* multi-part in uneven pieces */
	op = NULL;
	TU_ST(hl_op_new(HL_OP_DIGEST, &mech, NULL, &op), HL_OK);
	for (size_t off = 0, step = 1; off < len; off += step, step = step * 3 + 1)
		TU_ST(hl_op_update(op, msg + off, step < len - off ? step : len - off), HL_OK);
	out_len = sizeof out;
	TU_ST(hl_op_final(op, out, &out_len), HL_OK);
	cr_assert_eq(out_len, want_len);
	cr_assert_arr_eq(out, want, want_len);
	hl_op_free(op);

	if (v->mech == CKM_SHA256) {
		TU_ST(hl_crypto_sha256(msg, len, out), HL_OK);
		cr_assert_arr_eq(out, want, 32);
	}
	free(msg);
	free(want);
}

Test(digest, short_buffer_keeps_the_op_usable)
{
	CK_MECHANISM mech = { CKM_SHA256, NULL, 0 };
	uint8_t out[32], want[32];
	size_t len = 31;
	hl_op_t *op = NULL;

	TU_ST(hl_op_new(HL_OP_DIGEST, &mech, NULL, &op), HL_OK);
	TU_ST(hl_op_update(op, (const uint8_t *)"ab", 2), HL_OK);
	TU_ST(hl_op_final(op, out, &len), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(len, 32);
	TU_ST(hl_op_update(op, (const uint8_t *)"c", 1), HL_OK);
	TU_ST(hl_op_final(op, out, &len), HL_OK);
	TU_ST(hl_crypto_sha256((const uint8_t *)"abc", 3, want), HL_OK);
	cr_assert_arr_eq(out, want, 32);
	/* the operation is finished now */
	TU_ST(hl_op_update(op, (const uint8_t *)"c", 1), HL_ERR_ARGS);
	TU_ST(hl_op_final(op, out, &len), HL_ERR_ARGS);
	hl_op_free(op);
}

Test(digest, errors)
{
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 }, md5 = { CKM_MD5, NULL, 0 };
	CK_MECHANISM with_param = { CKM_SHA256, &sha, sizeof sha };
	hl_op_t *op = NULL;
	uint8_t out[32];
	size_t len = sizeof out;

	TU_ST(hl_op_new(HL_OP_DIGEST, &md5, NULL, &op), HL_ERR_MECHANISM_INVALID);
	TU_ST(hl_op_new(HL_OP_DIGEST, &with_param, NULL, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	TU_ST(hl_op_new(HL_OP_SIGN, &sha, NULL, &op), HL_ERR_ARGS);
	TU_ST(hl_op_new(HL_OP_DIGEST, NULL, NULL, &op), HL_ERR_ARGS);
	cr_assert_null(op);
	TU_ST(hl_op_new(HL_OP_DIGEST, &sha, NULL, &op), HL_OK);
	TU_ST(hl_op_update(op, (const uint8_t *)"x", 1), HL_OK);
	/* single part after multi-part has begun is refused */
	TU_ST(hl_op_oneshot(op, (const uint8_t *)"x", 1, out, &len), HL_ERR_ARGS);
	hl_op_free(op);
	hl_op_free(NULL);
}

/* -- HMAC, PBKDF2 -- */

Test(hmac, rfc4231)
{
	static const char key2[] = "Jefe", data2[] = "what do ya want for nothing?";
	uint8_t key1[20], key6[131], out[32], *want;
	size_t wl;

	/* test case 1 */
	memset(key1, 0x0b, sizeof key1);
	TU_ST(hl_crypto_hmac_sha256(key1, sizeof key1, (const uint8_t *)"Hi There", 8, out), HL_OK);
	want = tu_unhex("b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", &wl);
	cr_assert_arr_eq(out, want, 32);
	free(want);
	/* test case 2 */
	TU_ST(hl_crypto_hmac_sha256((const uint8_t *)key2, 4, (const uint8_t *)data2, strlen(data2),
				    out),
	      HL_OK);
	want = tu_unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", &wl);
	cr_assert_arr_eq(out, want, 32);
	free(want);
	/* test case 6: a key longer than the block */
	memset(key6, 0xaa, sizeof key6);
	TU_ST(hl_crypto_hmac_sha256(key6, sizeof key6,
				    (const uint8_t *)"Test Using Larger Than Block-Size Key - "
						     "Hash Key First",
				    54, out),
	      HL_OK);
	want = tu_unhex("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", &wl);
	cr_assert_arr_eq(out, want, 32);
	free(want);
	TU_ST(hl_crypto_hmac_sha256(NULL, 1, key1, 1, out), HL_ERR_ARGS);
}

Test(pbkdf2, rfc7914)
{
	uint8_t out[32], *want;
	size_t wl;

	TU_ST(hl_crypto_pbkdf2((const uint8_t *)"passwd", 6, (const uint8_t *)"salt", 4, 1, out),
	      HL_OK);
	want = tu_unhex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc", &wl);
	cr_assert_arr_eq(out, want, 32);
	free(want);
	TU_ST(hl_crypto_pbkdf2((const uint8_t *)"Password", 8, (const uint8_t *)"NaCl", 4, 80000,
			       out),
	      HL_OK);
	want = tu_unhex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56", &wl);
	cr_assert_arr_eq(out, want, 32);
	free(want);
	TU_ST(hl_crypto_pbkdf2((const uint8_t *)"x", 1, (const uint8_t *)"salt", 4, 0, out),
	      HL_ERR_ARGS);
}

/* -- small primitives -- */

Test(primitives, memeq_wipe_random)
{
	uint8_t a[64], b[64], z[64] = { 0 };

	memset(a, 0x5a, sizeof a);
	memcpy(b, a, sizeof b);
	cr_assert(hl_crypto_memeq(a, b, sizeof a));
	b[63] ^= 1;
	cr_assert_not(hl_crypto_memeq(a, b, sizeof a));
	cr_assert(hl_crypto_memeq(a, b, 63));
	hl_crypto_wipe(a, sizeof a);
	cr_assert_arr_eq(a, z, sizeof a);
	TU_ST(hl_crypto_random(a, sizeof a), HL_OK);
	TU_ST(hl_crypto_random(b, sizeof b), HL_OK);
	cr_assert_not(hl_crypto_memeq(a, b, sizeof a));
	cr_assert_not(hl_crypto_memeq(a, z, sizeof a));
	TU_ST(hl_crypto_random(NULL, 1), HL_ERR_ARGS);
}

Test(primitives, buffers_clear)
{
	hl_rsa_parts_t r = { 0 };
	hl_buf_t b = { malloc(8), 8 };

	cr_assert_not_null(b.data);
	hl_buf_clear(&b);
	cr_assert_null(b.data);
	cr_assert_eq(b.len, 0);
	hl_buf_clear(&b); /* clearing an empty buffer is a no-op */
	r.n.data = malloc(4);
	r.n.len = 4;
	hl_rsa_parts_clear(&r);
	cr_assert_null(r.n.data);
	hl_rsa_parts_clear(NULL);
	hl_ec_parts_clear(NULL);
}
