/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of signatures: known answers from the openssl CLI over the corpus keys
 * (data/make-data.sh says how each file was made), round trips of every mechanism, the
 * PKCS#11 input rules and error paths, reference counting and concurrent use of one key. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* -- PKCS#1 v1.5 known answers -- */

struct kat {
	CK_MECHANISM_TYPE mech;
	char md[8];
	char file[48];
	char prefix[64]; /* the DigestInfo DER prefix from RFC 8017 section 9.2 note 1 */
};

ParameterizedTestParameters(corpus_rsa, pkcs1_known_answers)
{
	static struct kat v[] = {
		{ CKM_SHA1_RSA_PKCS, "SHA1", "rsa-2048-1.sha1.pkcs1.sig.hex",
		  "3021300906052b0e03021a05000414" },
		{ CKM_SHA256_RSA_PKCS, "SHA256", "rsa-2048-1.sha256.pkcs1.sig.hex",
		  "3031300d060960864801650304020105000420" },
		{ CKM_SHA384_RSA_PKCS, "SHA384", "rsa-2048-1.sha384.pkcs1.sig.hex",
		  "3041300d060960864801650304020205000430" },
		{ CKM_SHA512_RSA_PKCS, "SHA512", "rsa-2048-1.sha512.pkcs1.sig.hex",
		  "3051300d060960864801650304020305000440" },
	};
	return cr_make_param_array(struct kat, v, sizeof v / sizeof v[0]);
}

ParameterizedTest(struct kat *v, corpus_rsa, pkcs1_known_answers)
{
	hl_key_t *key = tu_corpus_rsa();
	size_t msg_len, want_len, pl, sl, hl;
	uint8_t *msg = (uint8_t *)tu_data("message.txt", &msg_len);
	char *hex = tu_data(v->file, NULL);
	uint8_t *want = tu_unhex(hex, &want_len), *prefix = tu_unhex(v->prefix, &pl), *sig;
	uint8_t di[128], em[256];
	CK_MECHANISM hashed = { v->mech, NULL, 0 }, pkcs = { CKM_RSA_PKCS, NULL, 0 };
	CK_MECHANISM raw = { CKM_RSA_X_509, NULL, 0 };
	hl_op_t *op = NULL;

	cr_assert_eq(want_len, 256);
	/* hash-and-sign, single part */
	sig = tu_sign(&hashed, key, msg, msg_len, &sl);
	cr_assert_eq(sl, 256);
	cr_assert_arr_eq(sig, want, 256);
	free(sig);
	TU_ST(tu_verify(&hashed, key, msg, msg_len, want, want_len), HL_OK);
	/* the same in three parts */
	TU_ST(hl_op_new(HL_OP_SIGN, &hashed, key, &op), HL_OK);
	cr_assert(hl_op_multipart(op));
	TU_ST(hl_op_update(op, msg, 5), HL_OK);
	TU_ST(hl_op_update(op, msg + 5, 0), HL_OK);
	TU_ST(hl_op_update(op, msg + 5, msg_len - 5), HL_OK);
	sl = sizeof em;
	TU_ST(hl_op_final(op, em, &sl), HL_OK);
	cr_assert_arr_eq(em, want, 256);
	hl_op_free(op);
	/* CKM_RSA_PKCS over a caller-made DigestInfo */
	memcpy(di, prefix, pl);
	hl = tu_hash(v->md, msg, msg_len, di + pl);
	sig = tu_sign(&pkcs, key, di, pl + hl, &sl);
	cr_assert_arr_eq(sig, want, 256);
	free(sig);
	TU_ST(tu_verify(&pkcs, key, di, pl + hl, want, want_len), HL_OK);
	/* CKM_RSA_X_509 over the whole EMSA-PKCS1-v1_5 block */
	memset(em, 0xff, sizeof em);
	em[0] = 0x00;
	em[1] = 0x01;
	em[256 - pl - hl - 1] = 0x00;
	memcpy(em + 256 - pl - hl, di, pl + hl);
	sig = tu_sign(&raw, key, em, sizeof em, &sl);
	cr_assert_arr_eq(sig, want, 256);
	free(sig);
	TU_ST(tu_verify(&raw, key, em, sizeof em, want, want_len), HL_OK);
	/* a changed message fails */
	msg[0] ^= 1;
	TU_ST(tu_verify(&hashed, key, msg, msg_len, want, want_len), HL_ERR_SIGNATURE_INVALID);
	di[pl] ^= 1;
	TU_ST(tu_verify(&pkcs, key, di, pl + hl, want, want_len), HL_ERR_SIGNATURE_INVALID);
	free(msg);
	free(hex);
	free(want);
	free(prefix);
	hl_key_free(key);
}

Test(corpus_rsa, pss_made_by_openssl_verifies)
{
	hl_key_t *key = tu_corpus_rsa();
	size_t msg_len, sig_len;
	uint8_t *msg = (uint8_t *)tu_data("message.txt", &msg_len), h[32];
	char *hex = tu_data("rsa-2048-1.sha256.pss32.sig.hex", NULL);
	uint8_t *sig = tu_unhex(hex, &sig_len);
	CK_RSA_PKCS_PSS_PARAMS pp = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM hashed = { CKM_SHA256_RSA_PKCS_PSS, &pp, sizeof pp };
	CK_MECHANISM bare = { CKM_RSA_PKCS_PSS, &pp, sizeof pp };

	TU_ST(tu_verify(&hashed, key, msg, msg_len, sig, sig_len), HL_OK);
	tu_hash("SHA256", msg, msg_len, h);
	TU_ST(tu_verify(&bare, key, h, sizeof h, sig, sig_len), HL_OK);
	pp.sLen = 20; /* the salt length is checked exactly */
	TU_ST(tu_verify(&hashed, key, msg, msg_len, sig, sig_len), HL_ERR_SIGNATURE_INVALID);
	pp.sLen = 32;
	pp.mgf = CKG_MGF1_SHA1;
	TU_ST(tu_verify(&hashed, key, msg, msg_len, sig, sig_len), HL_ERR_SIGNATURE_INVALID);
	pp.mgf = CKG_MGF1_SHA256;
	sig[100] ^= 4;
	TU_ST(tu_verify(&hashed, key, msg, msg_len, sig, sig_len), HL_ERR_SIGNATURE_INVALID);
	free(msg);
	free(hex);
	free(sig);
	hl_key_free(key);
}

/* -- ECDSA known answer -- */

Test(corpus_ec, ecdsa_made_by_openssl_verifies)
{
	hl_key_t *key = tu_corpus_ec(), *pub = NULL;
	hl_ec_parts_t parts;
	size_t msg_len, der_len;
	uint8_t *msg = (uint8_t *)tu_data("message.txt", &msg_len), h[32], rs[64];
	char *hex = tu_data("ec-prime256v1-1.sha256.der.hex", NULL);
	uint8_t *der = tu_unhex(hex, &der_len);
	CK_MECHANISM hashed = { CKM_ECDSA_SHA256, NULL, 0 }, bare = { CKM_ECDSA, NULL, 0 };

	tu_ecdsa_der_to_rs(der, der_len, 32, rs);
	tu_ec_parts_from_pem(tu_corpus("iana-kskm/ec-prime256v1-1.key"), &parts);
	TU_ST(hl_key_ec_public(parts.params.data, parts.params.len, parts.point.data,
			       parts.point.len, &pub),
	      HL_OK);
	TU_ST(tu_verify(&hashed, key, msg, msg_len, rs, 64), HL_OK);
	TU_ST(tu_verify(&hashed, pub, msg, msg_len, rs, 64), HL_OK);
	tu_hash("SHA256", msg, msg_len, h);
	TU_ST(tu_verify(&bare, pub, h, 32, rs, 64), HL_OK);
	TU_ST(tu_verify(&bare, pub, h, 32, der, der_len), HL_ERR_SIGNATURE_LEN_RANGE);
	TU_ST(tu_verify(&bare, pub, h, 32, rs, 63), HL_ERR_SIGNATURE_LEN_RANGE);
	rs[40] ^= 1;
	TU_ST(tu_verify(&bare, pub, h, 32, rs, 64), HL_ERR_SIGNATURE_INVALID);
	hl_ec_parts_clear(&parts);
	free(msg);
	free(hex);
	free(der);
	hl_key_free(pub);
	hl_key_free(key);
}

/* -- round trips of every signature mechanism -- */

static void round_trip(CK_MECHANISM *mech, hl_key_t *priv, hl_key_t *pub, size_t in_len)
{
	uint8_t in[128], *sig;
	size_t sl;

	TU_ST(hl_crypto_random(in, in_len), HL_OK);
	sig = tu_sign(mech, priv, in, in_len, &sl);
	TU_ST(tu_verify(mech, pub, in, in_len, sig, sl), HL_OK);
	TU_ST(tu_verify(mech, priv, in, in_len, sig, sl), HL_OK);
	if (in_len > 0) {
		in[in_len - 1] ^= 0x10;
		TU_ST(tu_verify(mech, pub, in, in_len, sig, sl), HL_ERR_SIGNATURE_INVALID);
		in[in_len - 1] ^= 0x10;
	}
	sig[sl / 2] ^= 1;
	TU_ST(tu_verify(mech, pub, in, in_len, sig, sl), HL_ERR_SIGNATURE_INVALID);
	free(sig);
}

Test(round_trip, rsa_mechanisms)
{
	static const struct {
		CK_MECHANISM_TYPE mech, hash;
		CK_RSA_PKCS_MGF_TYPE mgf;
		unsigned long slen;
		size_t in_len;
	} v[] = {
		{ CKM_RSA_PKCS, 0, 0, 0, 51 },
		{ CKM_RSA_PKCS, 0, 0, 0, 0 },
		{ CKM_RSA_X_509, 0, 0, 0, 100 },
		{ CKM_SHA1_RSA_PKCS, 0, 0, 0, 77 },
		{ CKM_SHA256_RSA_PKCS, 0, 0, 0, 0 },
		{ CKM_SHA384_RSA_PKCS, 0, 0, 0, 128 },
		{ CKM_SHA512_RSA_PKCS, 0, 0, 0, 3 },
		{ CKM_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, 32 },
		{ CKM_RSA_PKCS_PSS, CKM_SHA224, CKG_MGF1_SHA1, 0, 28 },
		{ CKM_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA384, 64, 64 },
		{ CKM_SHA1_RSA_PKCS_PSS, CKM_SHA_1, CKG_MGF1_SHA1, 20, 10 },
		{ CKM_SHA256_RSA_PKCS_PSS, CKM_SHA256, CKG_MGF1_SHA256, 32, 100 },
		{ CKM_SHA384_RSA_PKCS_PSS, CKM_SHA384, CKG_MGF1_SHA512, 0, 100 },
		{ CKM_SHA512_RSA_PKCS_PSS, CKM_SHA512, CKG_MGF1_SHA512, 190, 1 },
	};
	hl_key_t *priv = NULL, *pub = NULL;

	tu_gen_rsa(2048, &priv, &pub);
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		CK_RSA_PKCS_PSS_PARAMS pp = { v[i].hash, v[i].mgf, v[i].slen };
		CK_MECHANISM m = { v[i].mech, NULL, 0 };

		if (v[i].hash) {
			m.pParameter = &pp;
			m.ulParameterLen = sizeof pp;
		}
		round_trip(&m, priv, pub, v[i].in_len);
	}
	hl_key_free(priv);
	hl_key_free(pub);
}

Test(round_trip, ecdsa_mechanisms)
{
	static const CK_MECHANISM_TYPE mechs[] = { CKM_ECDSA, CKM_ECDSA_SHA1, CKM_ECDSA_SHA256,
						   CKM_ECDSA_SHA384, CKM_ECDSA_SHA512 };
	static const size_t lens[] = { 32, 20, 0, 100, 128 };

	for (unsigned bits = 256; bits <= 384; bits += 128) {
		hl_key_t *priv = NULL, *pub = NULL;

		tu_gen_ec(bits, &priv, &pub);
		for (size_t i = 0; i < 5; i++) {
			CK_MECHANISM m = { mechs[i], NULL, 0 };
			hl_op_t *op = NULL;

			round_trip(&m, priv, pub, lens[i]);
			TU_ST(hl_op_new(HL_OP_SIGN, &m, priv, &op), HL_OK);
			cr_assert_eq(hl_op_output_len(op, 0), bits / 4);
			hl_op_free(op);
		}
		hl_key_free(priv);
		hl_key_free(pub);
	}
}

/* r||s keeps its width when r or s is short, and CKM_ECDSA truncates a long hash. */
Test(round_trip, ecdsa_fixed_width_and_truncation)
{
	CK_MECHANISM bare = { CKM_ECDSA, NULL, 0 };
	hl_key_t *priv = NULL, *pub = NULL;
	uint8_t h[64], *sig;
	size_t sl;
	int short_seen = 0;

	tu_gen_ec(256, &priv, &pub);
	for (int i = 0; i < 300; i++) {
		TU_ST(hl_crypto_random(h, sizeof h), HL_OK);
		sig = tu_sign(&bare, priv, h, 32, &sl);
		cr_assert_eq(sl, 64);
		short_seen += sig[0] == 0 || sig[32] == 0;
		TU_ST(tu_verify(&bare, pub, h, 32, sig, sl), HL_OK);
		free(sig);
	}
	cr_log_info("signatures with a short r or s: %d of 300", short_seen);
	/* a 64-byte hash is cut to its leftmost 256 bits (SEC 1, 4.1.3 step 5) */
	sig = tu_sign(&bare, priv, h, sizeof h, &sl);
	TU_ST(tu_verify(&bare, pub, h, 32, sig, sl), HL_OK);
	TU_ST(tu_verify(&bare, pub, h, sizeof h, sig, sl), HL_OK);
	free(sig);
	hl_key_free(priv);
	hl_key_free(pub);
}

/* -- PKCS#11 input rules -- */

Test(rules, rsa_input_lengths)
{
	CK_MECHANISM pkcs = { CKM_RSA_PKCS, NULL, 0 }, raw = { CKM_RSA_X_509, NULL, 0 };
	CK_RSA_PKCS_PSS_PARAMS pp = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM pss = { CKM_RSA_PKCS_PSS, &pp, sizeof pp };
	hl_key_t *key = tu_corpus_rsa(), *pub = NULL;
	hl_rsa_parts_t parts;
	uint8_t in[300] = { 0 }, sig[256], *s1, *s2, big[256];
	size_t sl = sizeof sig, l1, l2;
	hl_op_t *op = NULL;

	TU_ST(hl_op_new(HL_OP_SIGN, &pkcs, key, &op), HL_OK);
	cr_assert_not(hl_op_multipart(op));
	TU_ST(hl_op_update(op, in, 1), HL_ERR_NOT_SUPPORTED);
	TU_ST(hl_op_oneshot(op, in, 256 - 10, sig, &sl), HL_ERR_DATA_LEN_RANGE);
	hl_op_free(op);
	free(tu_sign(&pkcs, key, in, 256 - 11, &sl));

	/* raw: shorter input is left-padded with zeros */
	in[0] = 0x42;
	s1 = tu_sign(&raw, key, in, 1, &l1);
	memset(big, 0, sizeof big);
	big[255] = 0x42;
	s2 = tu_sign(&raw, key, big, sizeof big, &l2);
	cr_assert_eq(l1, 256);
	cr_assert_arr_eq(s1, s2, 256);
	TU_ST(tu_verify(&raw, key, in, 1, s1, l1), HL_OK);
	free(s1);
	free(s2);
	/* raw: longer than the modulus, or not below it */
	op = NULL;
	TU_ST(hl_op_new(HL_OP_SIGN, &raw, key, &op), HL_OK);
	sl = sizeof sig;
	TU_ST(hl_op_oneshot(op, in, 257, sig, &sl), HL_ERR_DATA_LEN_RANGE);
	hl_op_free(op);
	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &parts);
	TU_ST(hl_key_rsa_public(parts.n.data, parts.n.len, parts.e.data, parts.e.len, &pub), HL_OK);
	op = NULL;
	TU_ST(hl_op_new(HL_OP_SIGN, &raw, key, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, parts.n.data, parts.n.len, sig, &sl), HL_ERR_DATA_INVALID);
	hl_op_free(op);
	memset(big, 0xff, sizeof big);
	op = NULL;
	TU_ST(hl_op_new(HL_OP_SIGN, &raw, key, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, big, sizeof big, sig, &sl), HL_ERR_DATA_INVALID);
	hl_op_free(op);
	/* PSS without hashing: the input must be exactly one hash long */
	op = NULL;
	TU_ST(hl_op_new(HL_OP_SIGN, &pss, key, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, in, 31, sig, &sl), HL_ERR_DATA_LEN_RANGE);
	hl_op_free(op);
	hl_rsa_parts_clear(&parts);
	hl_key_free(pub);
	hl_key_free(key);
}

Test(rules, short_buffer_keeps_the_op_usable)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 }, e = { CKM_ECDSA_SHA256, NULL, 0 };
	hl_key_t *key = tu_corpus_rsa(), *ec = tu_corpus_ec();
	uint8_t sig[256];
	size_t sl = 255;
	hl_op_t *op = NULL;

	TU_ST(hl_op_new(HL_OP_SIGN, &m, key, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, (const uint8_t *)"abc", 3, sig, &sl), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(sl, 256);
	TU_ST(hl_op_oneshot(op, (const uint8_t *)"abc", 3, NULL, &sl), HL_OK);
	TU_ST(hl_op_oneshot(op, (const uint8_t *)"abc", 3, sig, &sl), HL_OK);
	TU_ST(tu_verify(&m, key, (const uint8_t *)"abc", 3, sig, sl), HL_OK);
	TU_ST(hl_op_oneshot(op, (const uint8_t *)"abc", 3, sig, &sl), HL_ERR_ARGS);
	hl_op_free(op);
	/* the same for a multi-part ECDSA final */
	op = NULL;
	sl = 10;
	TU_ST(hl_op_new(HL_OP_SIGN, &e, ec, &op), HL_OK);
	TU_ST(hl_op_update(op, (const uint8_t *)"abc", 3), HL_OK);
	TU_ST(hl_op_final(op, sig, &sl), HL_ERR_BUFFER_TOO_SMALL);
	cr_assert_eq(sl, 64);
	TU_ST(hl_op_final(op, sig, &sl), HL_OK);
	TU_ST(tu_verify(&e, ec, (const uint8_t *)"abc", 3, sig, sl), HL_OK);
	hl_op_free(op);
	hl_key_free(key);
	hl_key_free(ec);
}

Test(rules, multipart_verify)
{
	CK_MECHANISM m = { CKM_SHA384_RSA_PKCS, NULL, 0 };
	hl_key_t *key = tu_corpus_rsa();
	uint8_t *sig;
	size_t sl;
	hl_op_t *op = NULL;

	sig = tu_sign(&m, key, (const uint8_t *)"hello world", 11, &sl);
	TU_ST(hl_op_new(HL_OP_VERIFY, &m, key, &op), HL_OK);
	TU_ST(hl_op_update(op, (const uint8_t *)"hello ", 6), HL_OK);
	TU_ST(hl_op_update(op, (const uint8_t *)"world", 5), HL_OK);
	TU_ST(hl_op_verify(op, (const uint8_t *)"x", 1, sig, sl), HL_ERR_ARGS);
	TU_ST(hl_op_verify(op, NULL, 0, sig, sl), HL_OK);
	hl_op_free(op);
	op = NULL;
	TU_ST(hl_op_new(HL_OP_VERIFY, &m, key, &op), HL_OK);
	TU_ST(hl_op_update(op, (const uint8_t *)"hello", 5), HL_OK);
	TU_ST(hl_op_verify(op, NULL, 0, sig, sl), HL_ERR_SIGNATURE_INVALID);
	hl_op_free(op);
	free(sig);
	hl_key_free(key);
}

/* -- errors at hl_op_new -- */

Test(errors, key_and_mechanism_mismatches)
{
	hl_key_t *rsa = tu_corpus_rsa(), *ec = tu_corpus_ec(), *rsa_pub = NULL, *aes = NULL;
	hl_ec_parts_t parts;
	hl_rsa_parts_t rp;
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	hl_op_t *op = NULL;
	uint8_t v[16] = { 0 };

	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &rp);
	TU_ST(hl_key_rsa_public(rp.n.data, rp.n.len, rp.e.data, rp.e.len, &rsa_pub), HL_OK);
	TU_ST(hl_key_secret(CKK_AES, v, sizeof v, &aes), HL_OK);
	TU_ST(hl_op_new(HL_OP_SIGN, &m, ec, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_SIGN, &m, aes, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa_pub, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	m.mechanism = CKM_ECDSA;
	TU_ST(hl_op_new(HL_OP_VERIFY, &m, rsa, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	m.mechanism = CKM_RSA_PKCS_OAEP; /* no signing with OAEP */
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_INVALID);
	m.mechanism = CKM_SHA256_RSA_PKCS; /* no encrypting with a signature mechanism */
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, rsa, &op), HL_ERR_MECHANISM_INVALID);
	m.mechanism = CKM_SHA256;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_INVALID);
	m.mechanism = CKM_RSA_PKCS_KEY_PAIR_GEN;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_INVALID);
	m.mechanism = CKM_MD5_RSA_PKCS;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_INVALID);
	m.mechanism = CKM_ECDSA;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, NULL, &op), HL_ERR_ARGS);
	cr_assert_null(op);
	tu_ec_parts_from_pem(tu_corpus("iana-kskm/ec-prime256v1-1.key"), &parts);
	hl_ec_parts_clear(&parts);
	hl_rsa_parts_clear(&rp);
	hl_key_free(rsa);
	hl_key_free(rsa_pub);
	hl_key_free(ec);
	hl_key_free(aes);
}

Test(errors, bad_mechanism_parameters)
{
	hl_key_t *rsa = tu_corpus_rsa();
	CK_RSA_PKCS_PSS_PARAMS pp = { CKM_SHA256, CKG_MGF1_SHA256, 32 };
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS_PSS, &pp, sizeof pp };
	hl_op_t *op = NULL;

	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_OK);
	hl_op_free(op);
	op = NULL;
	m.ulParameterLen = sizeof pp - 1;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof pp;
	m.pParameter = NULL;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	m.pParameter = &pp;
	pp.hashAlg = CKM_SHA384; /* must match the mechanism's hash */
	TU_ST(hl_op_new(HL_OP_VERIFY, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	pp.hashAlg = CKM_MD5;
	m.mechanism = CKM_RSA_PKCS_PSS;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	pp.hashAlg = CKM_SHA256;
	pp.mgf = 0x99;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	pp.mgf = CKG_MGF1_SHA256;
	pp.sLen = 256 - 32 - 2 + 1; /* one more than emLen - hLen - 2 */
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	pp.sLen = 256 - 32 - 2;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_OK);
	hl_op_free(op);
	op = NULL;
	/* parameters on a mechanism that takes none */
	m.mechanism = CKM_SHA256_RSA_PKCS;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, rsa, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	cr_assert_null(op);
	hl_key_free(rsa);
}

/* -- reference counting and threads -- */

Test(refs, op_keeps_its_key)
{
	CK_MECHANISM m = { CKM_ECDSA_SHA256, NULL, 0 };
	hl_key_t *priv = NULL, *pub = NULL;
	hl_op_t *sign = NULL, *verify = NULL;
	uint8_t sig[64];
	size_t sl = sizeof sig;

	tu_gen_ec(256, &priv, &pub);
	TU_ST(hl_op_new(HL_OP_SIGN, &m, priv, &sign), HL_OK);
	TU_ST(hl_op_new(HL_OP_VERIFY, &m, hl_key_ref(pub), &verify), HL_OK);
	hl_key_free(pub);
	hl_key_free(pub);
	hl_key_free(priv);
	TU_ST(hl_op_oneshot(sign, (const uint8_t *)"m", 1, sig, &sl), HL_OK);
	TU_ST(hl_op_verify(verify, (const uint8_t *)"m", 1, sig, sl), HL_OK);
	hl_op_free(sign);
	hl_op_free(verify);
}

struct worker {
	hl_key_t *key;
	CK_MECHANISM_TYPE mech;
	int rounds, ok;
};

static void *sign_loop(void *arg)
{
	struct worker *w = arg;
	CK_MECHANISM m = { w->mech, NULL, 0 };
	uint8_t msg[8], sig[256];

	for (int i = 0; i < w->rounds; i++) {
		hl_op_t *op = NULL;
		size_t sl = sizeof sig;

		memcpy(msg, &i, sizeof i);
		memcpy(msg + 4, &w, 4);
		if (hl_op_new(HL_OP_SIGN, &m, w->key, &op) == HL_OK &&
		    hl_op_oneshot(op, msg, sizeof msg, sig, &sl) == HL_OK)
			w->ok += hl_crypto_memeq(sig, sig, sl) &&
				 tu_verify(&m, w->key, msg, sizeof msg, sig, sl) == HL_OK;
		hl_op_free(op);
	}
	return NULL;
}

Test(threads, two_threads_sign_with_one_key)
{
	hl_key_t *rsa = tu_corpus_rsa(), *ec = tu_corpus_ec();
	struct worker w[4] = {
		{ rsa, CKM_SHA256_RSA_PKCS, 50, 0 },
		{ rsa, CKM_SHA256_RSA_PKCS, 50, 0 },
		{ ec, CKM_ECDSA_SHA256, 300, 0 },
		{ ec, CKM_ECDSA_SHA256, 300, 0 },
	};
	pthread_t t[4];

	for (int i = 0; i < 4; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, sign_loop, &w[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		cr_assert_eq(w[i].ok, w[i].rounds, "thread %d: %d of %d good", i, w[i].ok,
			     w[i].rounds);
	}
	hl_key_free(rsa);
	hl_key_free(ec);
}

Test(setup, engine_default_only_in_engine_runs)
{
	tu_check_engine_mode();
}
