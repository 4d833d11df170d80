/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: EdDSA (Ed25519, Ed448) and P-521 through the strict module's linked PKCS#11 layer,
 * each signature checked by OpenSSL and each OpenSSL signature by the module; Edwards token
 * keys survive a store reload. */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "p11ready.h"

TestSuite(curves, .init = setup, .fini = teardown);

static const CK_BYTE ed25519_name[] = "\x13\x0c"
				      "edwards25519";
static const CK_BYTE ed448_oid[] = { 0x06, 0x03, 0x2b, 0x65, 0x71 };
static const CK_BYTE p521_oid[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };

/* A key pair on the token (token = CK_TRUE) or in the session, labelled label. */
static void gen_pair(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, const CK_BYTE *params,
		     CK_ULONG params_len, bool token, const char *label, CK_OBJECT_HANDLE *pub,
		     CK_OBJECT_HANDLE *priv)
{
	CK_BBOOL yes = CK_TRUE, tok = token ? CK_TRUE : CK_FALSE;
	CK_MECHANISM m = { mech, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_EC_PARAMS, (void *)params, params_len },
			      { CKA_TOKEN, &tok, 1 },
			      { CKA_VERIFY, &yes, 1 },
			      { CKA_LABEL, (void *)label, strlen(label) } };
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &tok, 1 },
			      { CKA_SIGN, &yes, 1 },
			      { CKA_DERIVE, &yes, 1 },
			      { CKA_LABEL, (void *)label, strlen(label) } };
	cr_assert_eq(C_GenerateKeyPair(s, &m, pt, 4, kt, 4, pub, priv), CKR_OK);
}

static CK_ULONG get_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type,
			 CK_BYTE *buf, CK_ULONG cap)
{
	CK_ATTRIBUTE a = { type, buf, cap };
	cr_assert_eq(C_GetAttributeValue(s, h, &a, 1), CKR_OK);
	return a.ulValueLen;
}

/* The module signs msg with priv; OpenSSL verifies with the key in pub's CKA_EC_POINT. */
static void ed_check(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv,
		     const char *type, CK_ULONG n)
{
	static CK_BYTE msg[] = "example. 3600 IN DNSKEY 257 3 15";
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	CK_BYTE point[64], sig[114];
	CK_ULONG sl = 0;
	cr_assert_eq(get_attr(s, pub, CKA_EC_POINT, point, sizeof(point)), n + 2);
	cr_assert(point[0] == 0x04 && point[1] == n, "a DER OCTET STRING");
	cr_assert_eq(C_SignInit(s, &m, priv), CKR_OK);
	cr_assert_eq(C_Sign(s, msg, sizeof(msg), NULL, &sl), CKR_OK);
	cr_assert_eq(sl, 2 * n);
	cr_assert_eq(C_Sign(s, msg, sizeof(msg), sig, &sl), CKR_OK);
	EVP_PKEY *k = EVP_PKEY_new_raw_public_key_ex(NULL, type, NULL, point + 2, n);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cr_assert(k && ctx);
	cr_assert_eq(EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, k, NULL), 1);
	cr_assert_eq(EVP_DigestVerify(ctx, sig, sl, msg, sizeof(msg)), 1, "OpenSSL verifies");
	cr_assert_eq(C_VerifyInit(s, &m, pub), CKR_OK);
	cr_assert_eq(C_Verify(s, msg, sizeof(msg), sig, sl), CKR_OK);
	sig[0] ^= 1;
	cr_assert_eq(C_VerifyInit(s, &m, pub), CKR_OK);
	cr_assert_eq(C_Verify(s, msg, sizeof(msg), sig, sl), CKR_SIGNATURE_INVALID);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
}

Test(curves, eddsa_keygen_sign_verify_and_reload)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE pub, priv, found[2];
	CK_MECHANISM_INFO info;
	CK_ULONG n = 0;
	cr_assert_eq(C_GetMechanismInfo(slot, CKM_EDDSA, &info), CKR_OK);
	cr_assert(info.ulMinKeySize == 255 && info.ulMaxKeySize == 448);
	cr_assert(info.flags & CKF_SIGN && info.flags & CKF_VERIFY);
	gen_pair(s, CKM_EC_EDWARDS_KEY_PAIR_GEN, ed25519_name, sizeof(ed25519_name) - 1, true,
		 "ed25519", &pub, &priv);
	CK_BYTE params[16];
	cr_assert_eq(get_attr(s, priv, CKA_EC_PARAMS, params, sizeof(params)), 14);
	cr_assert_arr_eq(params, ed25519_name, 14, "the curve name as given");
	CK_KEY_TYPE kt = 0;
	get_attr(s, priv, CKA_KEY_TYPE, (CK_BYTE *)&kt, sizeof(kt));
	cr_assert_eq(kt, CKK_EC_EDWARDS);
	ed_check(s, pub, priv, "ED25519", 32);
	/* Single-part only: C_SignUpdate is refused and ends the operation. */
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	cr_assert_eq(C_SignInit(s, &m, priv), CKR_OK);
	cr_assert_eq(C_SignUpdate(s, (CK_BYTE_PTR) "ab", 2), CKR_FUNCTION_NOT_SUPPORTED);
	CK_ULONG sl = 0;
	cr_assert_eq(C_Sign(s, (CK_BYTE_PTR) "ab", 2, NULL, &sl), CKR_OPERATION_NOT_INITIALIZED);
	/* ECDSA and ECDH refuse an Edwards key. */
	CK_MECHANISM ecdsa = { CKM_ECDSA, NULL, 0 };
	cr_assert_eq(C_SignInit(s, &ecdsa, priv), CKR_KEY_TYPE_INCONSISTENT);
	/* A reload of the store: the token keys come back and still sign. */
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	cr_assert_eq(C_Initialize(NULL), CKR_OK);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, "ed25519", 7 }, { CKA_CLASS, &cls, sizeof(cls) } };
	cr_assert_eq(C_FindObjectsInit(s, t, 2), CKR_OK);
	cr_assert_eq(C_FindObjects(s, found, 2, &n), CKR_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(C_FindObjectsFinal(s), CKR_OK);
	priv = found[0];
	cls = CKO_PUBLIC_KEY;
	cr_assert_eq(C_FindObjectsInit(s, t, 2), CKR_OK);
	cr_assert_eq(C_FindObjects(s, found, 2, &n), CKR_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(C_FindObjectsFinal(s), CKR_OK);
	ed_check(s, found[0], priv, "ED25519", 32);
}

Test(curves, ed448_by_oid_and_imported_keys)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE pub, priv;
	gen_pair(s, CKM_EC_EDWARDS_KEY_PAIR_GEN, ed448_oid, sizeof(ed448_oid), false, "ed448", &pub,
		 &priv);
	ed_check(s, pub, priv, "ED448", 57);
	/* OpenSSL's key imported by C_CreateObject: the module verifies OpenSSL's signature. */
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	CK_BYTE raw[34] = { 0x04, 32 }, sig[64], msg[] = "imported";
	size_t rl = 32, sl = sizeof(sig);
	cr_assert_eq(EVP_PKEY_get_raw_public_key(k, raw + 2, &rl), 1);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cr_assert_eq(EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, k, NULL), 1);
	cr_assert_eq(EVP_DigestSign(ctx, sig, &sl, msg, sizeof(msg)), 1);
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_EC_EDWARDS;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_EC_PARAMS, (void *)ed25519_name, sizeof(ed25519_name) - 1 },
			     { CKA_EC_POINT, raw, sizeof(raw) } };
	CK_OBJECT_HANDLE h;
	cr_assert_eq(C_CreateObject(s, t, 4, &h), CKR_OK);
	CK_MECHANISM m = { CKM_EDDSA, NULL, 0 };
	cr_assert_eq(C_VerifyInit(s, &m, h), CKR_OK);
	cr_assert_eq(C_Verify(s, msg, sizeof(msg), sig, sl), CKR_OK);
	/* A point of the other curve's length: no key. */
	t[2].pValue = (void *)ed448_oid;
	t[2].ulValueLen = sizeof(ed448_oid);
	cr_assert_eq(C_CreateObject(s, t, 4, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
}

/* OpenSSL's P-521 public key from an uncompressed point (by the key type's OID). */
static EVP_PKEY *p521_public(const CK_BYTE *point)
{
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("group", (char *)"P-521", 0),
			   OSSL_PARAM_construct_octet_string("pub", (void *)point, 133),
			   OSSL_PARAM_construct_end() };
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "1.2.840.10045.2.1", NULL);
	EVP_PKEY *k = NULL;
	cr_assert(ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p) == 1);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

Test(curves, p521_ecdsa_and_ecdh_match_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE pub, priv, hs;
	CK_BYTE point[140], sig[132], msg[] = "P-521";
	gen_pair(s, CKM_EC_KEY_PAIR_GEN, p521_oid, sizeof(p521_oid), false, "p521", &pub, &priv);
	cr_assert_eq(get_attr(s, pub, CKA_EC_POINT, point, sizeof(point)), 136);
	cr_assert(point[0] == 0x04 && point[1] == 0x81 && point[2] == 133, "long-form length");
	CK_MECHANISM m = { CKM_ECDSA_SHA384, NULL, 0 };
	CK_ULONG sl = sizeof(sig);
	cr_assert_eq(C_SignInit(s, &m, priv), CKR_OK);
	cr_assert_eq(C_Sign(s, msg, sizeof(msg), sig, &sl), CKR_OK);
	cr_assert_eq(sl, 132);
	ECDSA_SIG *es = ECDSA_SIG_new();
	cr_assert(ECDSA_SIG_set0(es, BN_bin2bn(sig, 66, NULL), BN_bin2bn(sig + 66, 66, NULL)));
	unsigned char *der = NULL;
	int dl = i2d_ECDSA_SIG(es, &der);
	EVP_PKEY *mine = p521_public(point + 3);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	cr_assert_eq(EVP_DigestVerifyInit_ex(ctx, NULL, "SHA384", NULL, NULL, mine, NULL), 1);
	cr_assert_eq(EVP_DigestVerify(ctx, der, (size_t)dl, msg, sizeof(msg)), 1);
	cr_assert_eq(C_VerifyInit(s, &m, pub), CKR_OK);
	cr_assert_eq(C_Verify(s, msg, sizeof(msg), sig, sl), CKR_OK);
	/* ECDH with an OpenSSL peer: the same 66-byte secret on both sides. */
	EVP_PKEY *peer = EVP_EC_gen("P-521");
	CK_BYTE theirs[133], z[80], want[80];
	size_t tl = 0, wl = sizeof(want);
	cr_assert_eq(EVP_PKEY_get_octet_string_param(peer, "pub", theirs, sizeof(theirs), &tl), 1);
	CK_ECDH1_DERIVE_PARAMS ep = { CKD_NULL, 0, NULL, (CK_ULONG)tl, theirs };
	CK_MECHANISM dm = { CKM_ECDH1_DERIVE, &ep, sizeof(ep) };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_SENSITIVE, &no, 1 },
			     { CKA_EXTRACTABLE, &yes, 1 } };
	cr_assert_eq(C_DeriveKey(s, &dm, priv, t, 4, &hs), CKR_OK);
	cr_assert_eq(get_attr(s, hs, CKA_VALUE, z, sizeof(z)), 66);
	EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(peer, NULL);
	cr_assert(dc && EVP_PKEY_derive_init(dc) == 1 && EVP_PKEY_derive_set_peer(dc, mine) == 1 &&
		  EVP_PKEY_derive(dc, want, &wl) == 1);
	cr_assert_eq(wl, 66);
	cr_assert_arr_eq(z, want, 66);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(peer);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(mine);
	OPENSSL_free(der);
	ECDSA_SIG_free(es);
}
