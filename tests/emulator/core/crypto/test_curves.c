/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the curves added for issue 11: EdDSA (Ed25519, Ed448) and P-521 ECDSA/ECDH, each
 * checked against OpenSSL doing the same thing with its own keys, and RFC 8032's known
 * answer. */
#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const uint8_t oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const uint8_t oid_ed448[] = { 0x06, 0x03, 0x2b, 0x65, 0x71 };
static const uint8_t name_ed25519[] = "\x13\x0c"
				      "edwards25519";
static const uint8_t name_ed448[] = "\x13\x0a"
				    "edwards448";
static const uint8_t oid_p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };

/* -- EdDSA -- */

/* A generated key pair as operation keys; the parts are checked for their PKCS#11 shape. */
static void gen_ed(const uint8_t *params, size_t params_len, size_t n, hl_ec_parts_t *parts,
		   hl_key_t **priv, hl_key_t **pub)
{
	TU_ST(hl_crypto_ed_generate(params, params_len, parts), HL_OK);
	cr_assert_eq(parts->params.len, params_len);
	cr_assert_arr_eq(parts->params.data, params, params_len, "params kept as given");
	cr_assert_eq(parts->point.len, n + 2);
	cr_assert_eq(parts->point.data[0], 0x04, "CKA_EC_POINT is a DER OCTET STRING");
	cr_assert_eq(parts->point.data[1], n);
	cr_assert_eq(parts->d.len, n);
	TU_ST(hl_key_ed_private(params, params_len, parts->d.data, parts->d.len, priv), HL_OK);
	TU_ST(hl_key_ed_public(params, params_len, parts->point.data, parts->point.len, pub),
	      HL_OK);
	cr_assert_eq(hl_key_kind(*pub), HL_KEY_EDWARDS);
	cr_assert(hl_key_is_private(*priv) && !hl_key_is_private(*pub));
}

/* The module signs, OpenSSL verifies with the public key from CKA_EC_POINT; OpenSSL signs
 * with the private key from CKA_VALUE, the module verifies. */
static void ed_against_openssl(const uint8_t *params, size_t params_len, const char *type, size_t n)
{
	static const uint8_t msg[] = "example. 3600 IN DNSKEY 257 3 15";
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	hl_ec_parts_t parts;
	hl_key_t *priv, *pub;
	uint8_t osig[114];
	size_t sl, ol = sizeof osig;

	gen_ed(params, params_len, n, &parts, &priv, &pub);
	uint8_t *sig = tu_sign(&m, priv, msg, sizeof msg, &sl);
	cr_assert_eq(sl, 2 * n);
	EVP_PKEY *opub = EVP_PKEY_new_raw_public_key_ex(NULL, type, NULL, parts.point.data + 2, n);
	EVP_PKEY *opriv = EVP_PKEY_new_raw_private_key_ex(NULL, type, NULL, parts.d.data, n);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cr_assert(opub && opriv && ctx);
	cr_assert_eq(EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, opub, NULL), 1);
	cr_assert_eq(EVP_DigestVerify(ctx, sig, sl, msg, sizeof msg), 1, "OpenSSL verifies");
	EVP_MD_CTX_reset(ctx);
	cr_assert_eq(EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, opriv, NULL), 1);
	cr_assert_eq(EVP_DigestSign(ctx, osig, &ol, msg, sizeof msg), 1);
	cr_assert_eq(ol, 2 * n);
	/* EdDSA is deterministic: the same signature. */
	cr_assert_arr_eq(osig, sig, ol);
	TU_ST(tu_verify(&m, pub, msg, sizeof msg, osig, ol), HL_OK);
	osig[3] ^= 0x10;
	TU_ST(tu_verify(&m, pub, msg, sizeof msg, osig, ol), HL_ERR_SIGNATURE_INVALID);
	TU_ST(tu_verify(&m, pub, msg, sizeof msg, osig, ol - 1), HL_ERR_SIGNATURE_LEN_RANGE);
	/* The empty message is a message too. */
	free(sig);
	sig = tu_sign(&m, priv, NULL, 0, &sl);
	TU_ST(tu_verify(&m, pub, NULL, 0, sig, sl), HL_OK);
	free(sig);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(opub);
	EVP_PKEY_free(opriv);
	hl_key_free(priv);
	hl_key_free(pub);
	hl_ec_parts_clear(&parts);
}

Test(eddsa, ed25519_matches_openssl_with_name_and_oid)
{
	ed_against_openssl(name_ed25519, sizeof name_ed25519 - 1, "ED25519", 32);
	ed_against_openssl(oid_ed25519, sizeof oid_ed25519, "ED25519", 32);
	cr_assert_eq(hl_crypto_ed_curve_bits(name_ed25519, sizeof name_ed25519 - 1), 255);
	/* Key-size ranges in the curve's bits (ours) or the encoded key's (SoftHSMv2's). */
	cr_assert(hl_crypto_ed_size_in(255, 255, 448));
	cr_assert(hl_crypto_ed_size_in(255, 256, 456));
	cr_assert(hl_crypto_ed_size_in(448, 256, 456));
	cr_assert_not(hl_crypto_ed_size_in(448, 255, 300));
	cr_assert_not(hl_crypto_ed_size_in(255, 300, 456));
}

Test(eddsa, ed448_matches_openssl_with_name_and_oid)
{
	ed_against_openssl(name_ed448, sizeof name_ed448 - 1, "ED448", 57);
	ed_against_openssl(oid_ed448, sizeof oid_ed448, "ED448", 57);
	cr_assert_eq(hl_crypto_ed_curve_bits(oid_ed448, sizeof oid_ed448), 448);
}

/* RFC 8032 section 7.1, TEST 1 (the empty message) and TEST 2 (one byte, 0x72). */
Test(eddsa, rfc8032_known_answers)
{
	static const struct {
		const char *sk, *pk, *msg, *sig;
	} v[] = {
		{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
		{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	};
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		size_t skl, pkl, ml, wl, sl;
		uint8_t *sk = tu_unhex(v[i].sk, &skl), *pk = tu_unhex(v[i].pk, &pkl);
		uint8_t *msg = tu_unhex(v[i].msg, &ml), *want = tu_unhex(v[i].sig, &wl);
		hl_key_t *priv, *pub;
		TU_ST(hl_key_ed_private(oid_ed25519, sizeof oid_ed25519, sk, skl, &priv), HL_OK);
		/* A bare public key (no OCTET STRING), as lenient clients send it. */
		TU_ST(hl_key_ed_public(oid_ed25519, sizeof oid_ed25519, pk, pkl, &pub), HL_OK);
		uint8_t *sig = tu_sign(&m, priv, msg, ml, &sl);
		cr_assert_eq(sl, wl);
		cr_assert_arr_eq(sig, want, wl, "RFC 8032 TEST %zu", i + 1);
		TU_ST(tu_verify(&m, pub, msg, ml, want, wl), HL_OK);
		free(sig);
		free(sk);
		free(pk);
		free(msg);
		free(want);
		hl_key_free(priv);
		hl_key_free(pub);
	}
}

Test(eddsa, rules_and_errors)
{
	static const uint8_t utf8_name[] = "\x0c\x0c"
					   "edwards25519";
	static const uint8_t msg[] = "abc";
	hl_ec_parts_t parts, bad;
	hl_key_t *priv, *pub, *ec_priv, *ec_pub, *k = NULL;
	hl_op_t *op = NULL;
	CK_EDDSA_PARAMS ep = { CK_FALSE, 0, NULL };
	CK_MECHANISM m = { CKM_EDDSA, &ep, sizeof ep };
	uint8_t ctx[4] = { 1, 2, 3, 4 };

	gen_ed(oid_ed25519, sizeof oid_ed25519, 32, &parts, &priv, &pub);
	/* Pure EdDSA through the parameter form works; prehash and contexts do not. */
	size_t sl;
	free(tu_sign(&m, priv, msg, 3, &sl));
	ep.phFlag = CK_TRUE;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, priv, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	ep.phFlag = CK_FALSE;
	ep.ulContextDataLen = sizeof ctx;
	ep.pContextData = ctx;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, priv, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = 3;
	TU_ST(hl_op_new(HL_OP_SIGN, &m, priv, &op), HL_ERR_MECHANISM_PARAM_INVALID);
	m = (CK_MECHANISM){ CKM_EDDSA, NULL, 0 };
	/* Single-part only: OpenSSL has no streaming EdDSA (PureEdDSA hashes the message
	 * twice). */
	TU_ST(hl_op_new(HL_OP_SIGN, &m, priv, &op), HL_OK);
	cr_assert_not(hl_op_multipart(op));
	TU_ST(hl_op_update(op, msg, 3), HL_ERR_NOT_SUPPORTED);
	hl_op_free(op);
	/* Keys and mechanisms that do not fit. */
	TU_ST(hl_op_new(HL_OP_SIGN, &m, pub, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	TU_ST(hl_op_new(HL_OP_ENCRYPT, &m, pub, &op), HL_ERR_MECHANISM_INVALID);
	tu_gen_ec(256, &ec_priv, &ec_pub);
	TU_ST(hl_op_new(HL_OP_SIGN, &m, ec_priv, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	TU_ST(hl_op_new(HL_OP_SIGN, &ecdsa, priv, &op), HL_ERR_KEY_TYPE_INCONSISTENT);
	/* Curve names: the spec's PrintableString or the OID, nothing else. */
	TU_ST(hl_crypto_ed_generate(utf8_name, sizeof utf8_name - 1, &bad),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_crypto_ed_generate(tu_oid_p256, sizeof tu_oid_p256, &bad),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_crypto_ec_generate(oid_ed25519, sizeof oid_ed25519, &bad),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_ed_private(oid_ed448, sizeof oid_ed448, parts.d.data, 32, &k),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	TU_ST(hl_key_ed_public(oid_ed25519, sizeof oid_ed25519, parts.point.data, 33, &k),
	      HL_ERR_ATTRIBUTE_VALUE_INVALID);
	cr_assert_null(k);
	hl_key_free(ec_priv);
	hl_key_free(ec_pub);
	hl_key_free(priv);
	hl_key_free(pub);
	hl_ec_parts_clear(&parts);
}

/* -- P-521 -- */

/* OpenSSL's own P-521 key (by the key type's OID: never an ENGINE's, see KEYMGMT_EC). */
static EVP_PKEY *p521_gen(void)
{
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("group", (char *)"P-521", 0),
			   OSSL_PARAM_construct_end() };
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "1.2.840.10045.2.1", NULL);
	EVP_PKEY *k = NULL;
	cr_assert(ctx && EVP_PKEY_keygen_init(ctx) == 1 && EVP_PKEY_CTX_set_params(ctx, p) == 1 &&
		  EVP_PKEY_generate(ctx, &k) == 1);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

Test(p521, ecdsa_and_ecdh_match_openssl)
{
	static const uint8_t msg[] = "P-521 message";
	CK_MECHANISM m = { CKM_ECDSA_SHA512, NULL, 0 };
	hl_ec_parts_t parts;
	hl_key_t *priv, *pub;
	uint8_t der[160], rs[132], dgst[64];
	size_t sl, dl = sizeof der;

	TU_ST(hl_crypto_ec_generate(oid_p521, sizeof oid_p521, &parts), HL_OK);
	cr_assert_eq(hl_crypto_ec_curve_bits(oid_p521, sizeof oid_p521), 521);
	/* 133 bytes of point: the OCTET STRING takes the long length form. */
	cr_assert_eq(parts.point.len, 136);
	cr_assert(parts.point.data[0] == 0x04 && parts.point.data[1] == 0x81 &&
		  parts.point.data[2] == 133 && parts.point.data[3] == 0x04);
	cr_assert_eq(parts.d.len, 66);
	TU_ST(hl_key_ec_private(oid_p521, sizeof oid_p521, parts.d.data, parts.d.len, &priv),
	      HL_OK);
	TU_ST(hl_key_ec_public(oid_p521, sizeof oid_p521, parts.point.data, parts.point.len, &pub),
	      HL_OK);
	cr_assert_eq(hl_key_bits(pub), 521);
	/* The module signs; OpenSSL verifies with the point read back. */
	uint8_t *sig = tu_sign(&m, priv, msg, sizeof msg, &sl);
	cr_assert_eq(sl, 132);
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("group", (char *)"P-521", 0),
			   OSSL_PARAM_construct_octet_string("pub", parts.point.data + 3, 133),
			   OSSL_PARAM_construct_end() };
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "1.2.840.10045.2.1", NULL);
	EVP_PKEY *opub = NULL, *peer = p521_gen();
	cr_assert(pc && EVP_PKEY_fromdata_init(pc) == 1 &&
		  EVP_PKEY_fromdata(pc, &opub, EVP_PKEY_PUBLIC_KEY, p) == 1);
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	cr_assert_eq(EVP_DigestSignInit_ex(mc, NULL, "SHA512", NULL, NULL, peer, NULL), 1);
	cr_assert_eq(EVP_DigestSign(mc, der, &dl, msg, sizeof msg), 1);
	EVP_MD_CTX_free(mc);
	/* OpenSSL verifies the module's r||s, as the DER it wants. */
	ECDSA_SIG *es = ECDSA_SIG_new();
	cr_assert(es &&
		  ECDSA_SIG_set0(es, BN_bin2bn(sig, 66, NULL), BN_bin2bn(sig + 66, 66, NULL)));
	uint8_t *mder = NULL;
	int ml = i2d_ECDSA_SIG(es, &mder);
	cr_assert_gt(ml, 0);
	mc = EVP_MD_CTX_new();
	cr_assert_eq(EVP_DigestVerifyInit_ex(mc, NULL, "SHA512", NULL, NULL, opub, NULL), 1);
	cr_assert_eq(EVP_DigestVerify(mc, mder, (size_t)ml, msg, sizeof msg), 1);
	EVP_MD_CTX_free(mc);
	OPENSSL_free(mder);
	ECDSA_SIG_free(es);
	/* CKM_ECDSA over OpenSSL's hash: the same check without the module hashing. */
	CK_MECHANISM raw = { CKM_ECDSA, NULL, 0 };
	size_t hl = tu_hash("SHA512", msg, sizeof msg, dgst);
	TU_ST(tu_verify(&raw, pub, dgst, hl, sig, sl), HL_OK);
	/* OpenSSL's signature by the peer key verifies through the module's verify. */
	uint8_t ppt[133];
	size_t ppl = 0;
	cr_assert_eq(EVP_PKEY_get_octet_string_param(peer, "pub", ppt, sizeof ppt, &ppl), 1);
	hl_key_t *peer_pub;
	TU_ST(hl_key_ec_public(oid_p521, sizeof oid_p521, ppt, ppl, &peer_pub), HL_OK);
	tu_ecdsa_der_to_rs(der, dl, 66, rs);
	TU_ST(tu_verify(&m, peer_pub, msg, sizeof msg, rs, 132), HL_OK);
	rs[100] ^= 1;
	TU_ST(tu_verify(&m, peer_pub, msg, sizeof msg, rs, 132), HL_ERR_SIGNATURE_INVALID);
	TU_ST(tu_verify(&m, pub, msg, sizeof msg, sig, sl), HL_OK);
	/* ECDH: the module's secret equals OpenSSL's. */
	uint8_t z[72], want[72];
	size_t zl = sizeof z, wl = sizeof want;
	TU_ST(hl_crypto_ecdh(priv, ppt, ppl, z, &zl), HL_OK);
	cr_assert_eq(zl, 66);
	pc = EVP_PKEY_CTX_new(peer, NULL);
	cr_assert(pc && EVP_PKEY_derive_init(pc) == 1 && EVP_PKEY_derive_set_peer(pc, opub) == 1 &&
		  EVP_PKEY_derive(pc, want, &wl) == 1);
	cr_assert_eq(wl, 66);
	cr_assert_arr_eq(z, want, 66);
	/* A point off the curve is refused (also when an ENGINE is the EC default), and so is
	 * one of the wrong length. */
	ppt[70] ^= 1;
	zl = sizeof z;
	TU_ST(hl_crypto_ecdh(priv, ppt, ppl, z, &zl), HL_ERR_MECHANISM_PARAM_INVALID);
	TU_ST(hl_crypto_ecdh(priv, ppt, ppl - 1, z, &zl), HL_ERR_MECHANISM_PARAM_INVALID);
	ppt[70] ^= 1;
	EVP_PKEY_CTX_free(pc);
	free(sig);
	EVP_PKEY_free(opub);
	EVP_PKEY_free(peer);
	hl_key_free(peer_pub);
	hl_key_free(priv);
	hl_key_free(pub);
	hl_ec_parts_clear(&parts);
}

Test(setup, engine_default_only_in_engine_runs)
{
	tu_check_engine_mode();
}
