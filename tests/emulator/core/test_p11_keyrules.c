/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the rules a key carries for what uses it, on the strict module: CKA_WRAP_TEMPLATE,
 * CKA_UNWRAP_TEMPLATE and CKA_DERIVE_TEMPLATE (PKCS#11 3.0), CKA_ALLOWED_MECHANISMS at every
 * start (sign, encrypt, wrap, unwrap, derive), CKA_ALWAYS_AUTHENTICATE with
 * C_Login(CKU_CONTEXT_SPECIFIC), and C_LoginUser. */
#include "p11ready.h"

TestSuite(keyrules, .init = setup, .fini = teardown);

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
static CK_KEY_TYPE aes = CKK_AES, generic = CKK_GENERIC_SECRET;
static const CK_BYTE v16[16] = { 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
				 0xa8, 0xa9, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf };

/* A kek (AES, 32 bytes) with extra attributes. */
static CK_OBJECT_HANDLE kek(CK_SESSION_HANDLE s, const CK_ATTRIBUTE *extra, CK_ULONG n)
{
	static const CK_BYTE k[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 };
	CK_ATTRIBUTE t[5] = { { CKA_WRAP, &yes, 1 }, { CKA_UNWRAP, &yes, 1 } };
	for (CK_ULONG i = 0; i < n && i < 3; i++)
		t[2 + i] = extra[i];
	return secret_key(s, CKK_AES, k, sizeof(k), t, 2 + n);
}

static CK_OBJECT_HANDLE extractable(CK_SESSION_HANDLE s, CK_KEY_TYPE kt)
{
	CK_ATTRIBUTE x = { CKA_EXTRACTABLE, &yes, 1 };
	return secret_key(s, kt, v16, sizeof(v16), &x, 1);
}

Test(keyrules, wrap_template_decides_what_may_be_wrapped)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_ATTRIBUTE only_aes[] = { { CKA_KEY_TYPE, &aes, sizeof(aes) } };
	CK_ATTRIBUTE wt = { CKA_WRAP_TEMPLATE, only_aes, sizeof(only_aes) };
	CK_OBJECT_HANDLE k = kek(s, &wt, 1);
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_BYTE blob[64];
	CK_ULONG bl = sizeof(blob);
	cr_assert_eq(C_WrapKey(s, &m, k, extractable(s, CKK_AES), blob, &bl), CKR_OK);
	bl = sizeof(blob);
	cr_assert_eq(C_WrapKey(s, &m, k, extractable(s, CKK_GENERIC_SECRET), blob, &bl),
		     CKR_KEY_NOT_WRAPPABLE);
	/* The template reads back as the spec's array: length, then each element. */
	CK_ATTRIBUTE inner[1] = { { 0, NULL, 0 } };
	CK_ATTRIBUTE get = { CKA_WRAP_TEMPLATE, NULL, 0 };
	cr_assert_eq(C_GetAttributeValue(s, k, &get, 1), CKR_OK);
	cr_assert_eq(get.ulValueLen, sizeof(CK_ATTRIBUTE));
	get.pValue = inner;
	cr_assert_eq(C_GetAttributeValue(s, k, &get, 1), CKR_OK);
	cr_assert_eq(inner[0].type, CKA_KEY_TYPE);
	cr_assert_eq(inner[0].ulValueLen, sizeof(CK_KEY_TYPE));
	CK_KEY_TYPE back = 0;
	inner[0].pValue = &back;
	cr_assert_eq(C_GetAttributeValue(s, k, &get, 1), CKR_OK);
	cr_assert_eq(back, CKK_AES);
	/* Fixed at creation; malformed arrays are refused. */
	cr_assert_eq(C_SetAttributeValue(s, k, &wt, 1), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE torn = { CKA_WRAP_TEMPLATE, only_aes, sizeof(only_aes) - 1 };
	CK_ATTRIBUTE null_inner[] = { { CKA_SENSITIVE, NULL, 1 } };
	CK_ATTRIBUTE bad = { CKA_WRAP_TEMPLATE, null_inner, sizeof(null_inner) };
	CK_ATTRIBUTE w = { CKA_WRAP, &yes, 1 };
	CK_ATTRIBUTE t1[] = { w, torn }, t2[] = { w, bad };
	CK_OBJECT_HANDLE h;
	CK_ATTRIBUTE base[] = { { CKA_CLASS, &secret, sizeof(secret) },
				{ CKA_KEY_TYPE, &aes, sizeof(aes) },
				{ CKA_VALUE, (void *)v16, 16 },
				t1[0],
				t1[1] };
	cr_assert_eq(C_CreateObject(s, base, 5, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	base[4] = t2[1];
	cr_assert_eq(C_CreateObject(s, base, 5, &h), CKR_ATTRIBUTE_VALUE_INVALID);
}

Test(keyrules, templates_persist_with_token_keys)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_ATTRIBUTE only_aes[] = { { CKA_KEY_TYPE, &aes, sizeof(aes) } };
	CK_ATTRIBUTE extra[] = { { CKA_WRAP_TEMPLATE, only_aes, sizeof(only_aes) },
				 { CKA_TOKEN, &yes, 1 },
				 { CKA_LABEL, "kek", 3 } };
	kek(s, extra, 3);
	/* A new process view of the store: the template comes back from it, and still rules. */
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	cr_assert_eq(C_Initialize(NULL), CKR_OK);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
	CK_ATTRIBUTE find = { CKA_LABEL, "kek", 3 };
	CK_OBJECT_HANDLE k;
	CK_ULONG n = 0;
	cr_assert_eq(C_FindObjectsInit(s, &find, 1), CKR_OK);
	cr_assert_eq(C_FindObjects(s, &k, 1, &n), CKR_OK);
	cr_assert_eq(n, 1);
	CK_KEY_TYPE back = 0;
	CK_ATTRIBUTE inner = { 0, &back, sizeof(back) };
	CK_ATTRIBUTE get = { CKA_WRAP_TEMPLATE, &inner, sizeof(inner) };
	cr_assert_eq(C_GetAttributeValue(s, k, &get, 1), CKR_OK);
	cr_assert_eq(inner.type, CKA_KEY_TYPE);
	cr_assert_eq(back, CKK_AES);
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_BYTE blob[64];
	CK_ULONG bl = sizeof(blob);
	cr_assert_eq(C_WrapKey(s, &m, k, extractable(s, CKK_GENERIC_SECRET), blob, &bl),
		     CKR_KEY_NOT_WRAPPABLE);
}

Test(keyrules, unwrap_template_applies_and_refuses_contradictions)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_ATTRIBUTE rules[] = { { CKA_SENSITIVE, &yes, 1 }, { CKA_ENCRYPT, &no, 1 } };
	CK_ATTRIBUTE ut = { CKA_UNWRAP_TEMPLATE, rules, sizeof(rules) };
	CK_OBJECT_HANDLE k = kek(s, &ut, 1), got;
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_BYTE blob[64];
	CK_ULONG bl = sizeof(blob);
	cr_assert_eq(C_WrapKey(s, &m, k, extractable(s, CKK_AES), blob, &bl), CKR_OK);
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &secret, sizeof(secret) },
			     { CKA_KEY_TYPE, &aes, sizeof(aes) },
			     { CKA_SENSITIVE, &yes, 1 } };
	cr_assert_eq(C_UnwrapKey(s, &m, k, blob, bl, t, 2, &got), CKR_OK);
	CK_BBOOL sens = CK_FALSE, enc = CK_TRUE;
	CK_ATTRIBUTE get[] = { { CKA_SENSITIVE, &sens, 1 }, { CKA_ENCRYPT, &enc, 1 } };
	cr_assert_eq(C_GetAttributeValue(s, got, get, 2), CKR_OK);
	cr_assert_eq(sens, CK_TRUE, "the key's template made it sensitive");
	cr_assert_eq(enc, CK_FALSE);
	/* Repeating the template's value is fine; contradicting it is not. */
	cr_assert_eq(C_UnwrapKey(s, &m, k, blob, bl, t, 3, &got), CKR_OK);
	t[2].pValue = &no;
	cr_assert_eq(C_UnwrapKey(s, &m, k, blob, bl, t, 3, &got), CKR_TEMPLATE_INCONSISTENT);
}

/* An EC P-256 key pair whose private half derives, with extra private attributes. */
static CK_OBJECT_HANDLE ec_base(CK_SESSION_HANDLE s, const CK_ATTRIBUTE *extra, CK_ULONG n,
				CK_BYTE point[67])
{
	static const CK_BYTE p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_ATTRIBUTE priv[3] = { { CKA_DERIVE, &yes, 1 } };
	for (CK_ULONG i = 0; i < n && i < 2; i++)
		priv[1 + i] = extra[i];
	CK_OBJECT_HANDLE hp, hk;
	cr_assert_eq(C_GenerateKeyPair(s, &gen, pub, 1, priv, 1 + n, &hp, &hk), CKR_OK);
	CK_ATTRIBUTE pt = { CKA_EC_POINT, point, 67 };
	cr_assert_eq(C_GetAttributeValue(s, hp, &pt, 1), CKR_OK);
	return hk;
}

Test(keyrules, derive_template_and_allowed_mechanisms)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_ATTRIBUTE rules[] = { { CKA_ENCRYPT, &no, 1 } };
	CK_MECHANISM_TYPE only_cofactor = CKM_ECDH1_COFACTOR_DERIVE;
	CK_ATTRIBUTE extra[] = { { CKA_DERIVE_TEMPLATE, rules, sizeof(rules) },
				 { CKA_ALLOWED_MECHANISMS, &only_cofactor,
				   sizeof(only_cofactor) } };
	CK_BYTE point[67];
	CK_OBJECT_HANDLE base = ec_base(s, extra, 2, point), got;
	/* The peer's point: the key's own public point (raw, after the DER header). */
	CK_ECDH1_DERIVE_PARAMS ep = { CKD_NULL, 0, NULL, 65, point + 2 };
	CK_MECHANISM plain = { CKM_ECDH1_DERIVE, &ep, sizeof(ep) },
		     cof = { CKM_ECDH1_COFACTOR_DERIVE, &ep, sizeof(ep) };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &secret, sizeof(secret) },
			     { CKA_KEY_TYPE, &generic, sizeof(generic) },
			     { CKA_ENCRYPT, &yes, 1 } };
	cr_assert_eq(C_DeriveKey(s, &plain, base, t, 2, &got), CKR_MECHANISM_INVALID);
	cr_assert_eq(C_DeriveKey(s, &cof, base, t, 2, &got), CKR_OK);
	CK_BBOOL enc = CK_TRUE;
	CK_ATTRIBUTE get = { CKA_ENCRYPT, &enc, 1 };
	cr_assert_eq(C_GetAttributeValue(s, got, &get, 1), CKR_OK);
	cr_assert_eq(enc, CK_FALSE, "the base key's derive template applies");
	cr_assert_eq(C_DeriveKey(s, &cof, base, t, 3, &got), CKR_TEMPLATE_INCONSISTENT);
}

Test(keyrules, allowed_mechanisms_at_every_start)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_MECHANISM_TYPE only_kw = CKM_AES_KEY_WRAP;
	CK_ATTRIBUTE am = { CKA_ALLOWED_MECHANISMS, &only_kw, sizeof(only_kw) };
	CK_OBJECT_HANDLE k = kek(s, &am, 1), key = extractable(s, CKK_AES), got;
	CK_MECHANISM pad = { CKM_AES_KEY_WRAP_PAD, NULL, 0 }, kw = { CKM_AES_KEY_WRAP, NULL, 0 },
		     ecb = { CKM_AES_ECB, NULL, 0 };
	CK_BYTE blob[64], out[32];
	CK_ULONG bl = sizeof(blob), ol = sizeof(out);
	cr_assert_eq(C_WrapKey(s, &pad, k, key, blob, &bl), CKR_MECHANISM_INVALID);
	cr_assert_eq(C_WrapKey(s, &kw, k, key, blob, &bl), CKR_OK);
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &secret, sizeof(secret) },
			     { CKA_KEY_TYPE, &aes, sizeof(aes) } };
	cr_assert_eq(C_UnwrapKey(s, &kw, k, blob, bl, t, 2, &got), CKR_OK);
	cr_assert_eq(C_UnwrapKey(s, &pad, k, blob, bl, t, 2, &got), CKR_MECHANISM_INVALID);
	cr_assert_eq(C_EncryptInit(s, &ecb, k), CKR_MECHANISM_INVALID);
	cr_assert_eq(C_DecryptInit(s, &ecb, k), CKR_MECHANISM_INVALID);
	/* Without the list every mechanism the key fits is allowed. */
	cr_assert_eq(C_EncryptInit(s, &ecb, key), CKR_OK);
	cr_assert_eq(C_Encrypt(s, (CK_BYTE_PTR)v16, 16, out, &ol), CKR_OK);
}

/* An RSA key pair whose private half has CKA_ALWAYS_AUTHENTICATE. */
static CK_OBJECT_HANDLE always_auth_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub)
{
	CK_ULONG bits = 1024;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	CK_ATTRIBUTE kt[] = { { CKA_ALWAYS_AUTHENTICATE, &yes, 1 } };
	CK_OBJECT_HANDLE k;
	cr_assert_eq(C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, pub, &k), CKR_OK);
	return k;
}

static CK_FLAGS token_flags(void)
{
	CK_TOKEN_INFO ti;
	cr_assert_eq(C_GetTokenInfo(slot, &ti), CKR_OK);
	return ti.flags;
}

Test(keyrules, always_authenticate_needs_a_context_login_per_operation)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE pub, k = always_auth_key(s, &pub);
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE msg[] = "root zone KSK", sig[128];
	CK_ULONG sl = sizeof(sig);
	/* No operation to authorise yet. */
	cr_assert_eq(C_Login(s, CKU_CONTEXT_SPECIFIC, pin, 6), CKR_OPERATION_NOT_INITIALIZED);
	/* Without the context login: refused, and the operation is over. */
	cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_Sign(s, msg, sizeof(msg), sig, &sl), CKR_USER_NOT_LOGGED_IN);
	cr_assert_eq(C_Sign(s, msg, sizeof(msg), sig, &sl), CKR_OPERATION_NOT_INITIALIZED);
	/* A wrong PIN counts as a failed login and leaves the operation waiting. */
	cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR) "654321", 6),
		     CKR_PIN_INCORRECT);
	cr_assert(token_flags() & CKF_USER_PIN_COUNT_LOW);
	cr_assert_eq(C_Login(s, CKU_CONTEXT_SPECIFIC, pin, 6), CKR_OK);
	cr_assert(!(token_flags() & CKF_USER_PIN_COUNT_LOW), "a good PIN resets the count");
	cr_assert_eq(C_Sign(s, msg, sizeof(msg), sig, &sl), CKR_OK);
	cr_assert_eq(C_VerifyInit(s, &m, pub), CKR_OK);
	cr_assert_eq(C_Verify(s, msg, sizeof(msg), sig, sl), CKR_OK);
	/* The login was for that operation only; multi-part is held the same way. */
	cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_SignUpdate(s, msg, 4), CKR_USER_NOT_LOGGED_IN);
	cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_CONTEXT_SPECIFIC, pin, 6), CKR_OK);
	cr_assert_eq(C_SignUpdate(s, msg, sizeof(msg)), CKR_OK);
	sl = sizeof(sig);
	cr_assert_eq(C_SignFinal(s, sig, &sl), CKR_OK);
	/* Decrypt with the key: the same rule. */
	CK_MECHANISM pk = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE ct[128], pt[128];
	CK_ULONG cl = sizeof(ct), pl = sizeof(pt);
	cr_assert_eq(C_EncryptInit(s, &pk, pub), CKR_OK);
	cr_assert_eq(C_Encrypt(s, msg, sizeof(msg), ct, &cl), CKR_OK);
	cr_assert_eq(C_DecryptInit(s, &pk, k), CKR_OK);
	cr_assert_eq(C_Decrypt(s, ct, cl, pt, &pl), CKR_USER_NOT_LOGGED_IN);
	cr_assert_eq(C_DecryptInit(s, &pk, k), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_CONTEXT_SPECIFIC, pin, 6), CKR_OK);
	cr_assert_eq(C_Decrypt(s, ct, cl, pt, &pl), CKR_OK);
	cr_assert_arr_eq(pt, msg, sizeof(msg));
	/* A key without the attribute has nothing to authorise. */
	cr_assert_eq(C_VerifyInit(s, &m, pub), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_CONTEXT_SPECIFIC, pin, 6), CKR_OPERATION_NOT_INITIALIZED);
}

Test(keyrules, login_user_without_a_name_is_login)
{
	CK_SESSION_HANDLE s = ready(false);
	CK_INTERFACE_PTR itf = NULL;
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &itf, 0), CKR_OK);
	CK_FUNCTION_LIST_3_0 *f = itf->pFunctionList;
	cr_assert_eq(f->version.major, 3);
	cr_assert_not_null(f->C_LoginUser);
	/* A name the token cannot map: refused before the PIN is tried (nothing counted). */
	cr_assert_eq(f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR) "000000", 6,
				    (CK_UTF8CHAR_PTR) "alice", 5),
		     CKR_USER_TYPE_INVALID);
	cr_assert(!(token_flags() & CKF_USER_PIN_COUNT_LOW));
	cr_assert_eq(f->C_LoginUser(s, CKU_USER, pin, 6, NULL, 5), CKR_ARGUMENTS_BAD);
	cr_assert_eq(f->C_LoginUser(s, CKU_USER, pin, 6, NULL, 0), CKR_OK);
	CK_SESSION_INFO si;
	cr_assert_eq(C_GetSessionInfo(s, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RW_USER_FUNCTIONS);
	cr_assert_eq(C_Logout(s), CKR_OK);
	/* An empty name, and the SO. */
	cr_assert_eq(f->C_LoginUser(s, CKU_SO, so_pin, 8, (CK_UTF8CHAR_PTR) "", 0), CKR_OK);
	cr_assert_eq(C_GetSessionInfo(s, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RW_SO_FUNCTIONS);
	cr_assert_eq(f->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR) "000000", 6, NULL, 0),
		     CKR_USER_ANOTHER_ALREADY_LOGGED_IN);
}
