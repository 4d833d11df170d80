/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the defects issue 11 lists, each through the PKCS#11 layer linked directly (strict
 * profile). Each case failed (or crashed) before its fix. */
#include "p11ready.h"

TestSuite(defects, .init = setup, .fini = teardown);

static CK_OBJECT_HANDLE ec_key(CK_SESSION_HANDLE s)
{
	static const CK_BYTE p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_MECHANISM m = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_OBJECT_HANDLE hp, hk;
	cr_assert_eq(C_GenerateKeyPair(s, &m, pub, 1, NULL, 0, &hp, &hk), CKR_OK);
	return hk;
}

/* 1: {CKA_TOKEN, NULL, 1} dereferenced NULL. */
Test(defects, find_token_null_value)
{
	CK_SESSION_HANDLE s = ready(false);
	CK_ATTRIBUTE t = { CKA_TOKEN, NULL, 1 };
	cr_assert_eq(C_FindObjectsInit(s, &t, 1), CKR_ARGUMENTS_BAD);
}

/* 2: NULL values with a length, and a length that would turn negative, were read. */
Test(defects, find_null_or_huge_values)
{
	CK_SESSION_HANDLE s = ready(false);
	CK_BYTE id[4] = { 1, 2, 3, 4 };
	CK_ATTRIBUTE cases[] = { { CKA_LABEL, NULL, 5 },
				 { CKA_ID, NULL, 4 },
				 { CKA_CLASS, NULL, sizeof(CK_ULONG) },
				 { CKA_ID, id, (CK_ULONG)-1 },
				 { CKA_LABEL, id, (CK_ULONG)1 << 31 } };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CK_RV rv = C_FindObjectsInit(s, &cases[i], 1);
		cr_assert(rv == CKR_ARGUMENTS_BAD || rv == CKR_ATTRIBUTE_VALUE_INVALID,
			  "case %zu: 0x%lx", i, rv);
		cr_assert_eq(C_FindObjectsFinal(s), CKR_OPERATION_NOT_INITIALIZED);
	}
}

/* 3: a NULL PIN counted as a wrong one (ten locked the user out). */
Test(defects, login_null_pin_counts_nothing)
{
	CK_SESSION_HANDLE s = ready(false);
	for (int i = 0; i < 12; i++)
		cr_assert_eq(C_Login(s, CKU_USER, NULL, 0), CKR_ARGUMENTS_BAD);
	CK_TOKEN_INFO ti;
	cr_assert_eq(C_GetTokenInfo(slot, &ti), CKR_OK);
	cr_assert_not(ti.flags & (CKF_USER_PIN_COUNT_LOW | CKF_USER_PIN_LOCKED));
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
}

/* 4: C_Digest / C_Sign during a multi-part operation answered OPERATION_ACTIVE but kept it. */
Test(defects, single_part_during_multi_part_ends_it)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_MECHANISM dm = { CKM_SHA256, NULL, 0 }, sm = { CKM_ECDSA_SHA256, NULL, 0 };
	CK_BYTE out[128];
	CK_ULONG ol = sizeof(out);
	cr_assert_eq(C_DigestInit(s, &dm), CKR_OK);
	cr_assert_eq(C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2), CKR_OK);
	cr_assert_eq(C_Digest(s, (CK_BYTE_PTR) "ab", 2, out, &ol), CKR_OPERATION_ACTIVE);
	cr_assert_eq(C_DigestUpdate(s, (CK_BYTE_PTR) "ab", 2), CKR_OPERATION_NOT_INITIALIZED);
	CK_OBJECT_HANDLE k = ec_key(s);
	cr_assert_eq(C_SignInit(s, &sm, k), CKR_OK);
	cr_assert_eq(C_SignUpdate(s, (CK_BYTE_PTR) "ab", 2), CKR_OK);
	ol = sizeof(out);
	cr_assert_eq(C_Sign(s, (CK_BYTE_PTR) "ab", 2, out, &ol), CKR_OPERATION_ACTIVE);
	cr_assert_eq(C_SignFinal(s, out, &ol), CKR_OPERATION_NOT_INITIALIZED);
}

/* 5: after C_Sign(data, NULL, &len), C_SignFinal signed the empty message. */
Test(defects, length_query_then_final_is_refused)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = ec_key(s);
	CK_MECHANISM sm = { CKM_ECDSA_SHA256, NULL, 0 }, dm = { CKM_SHA256, NULL, 0 };
	CK_BYTE out[128];
	CK_ULONG ol = 0;
	cr_assert_eq(C_SignInit(s, &sm, k), CKR_OK);
	cr_assert_eq(C_Sign(s, (CK_BYTE_PTR) "data", 4, NULL, &ol), CKR_OK);
	ol = sizeof(out);
	cr_assert_eq(C_SignFinal(s, out, &ol), CKR_OPERATION_ACTIVE);
	cr_assert_eq(C_Sign(s, (CK_BYTE_PTR) "data", 4, out, &ol), CKR_OPERATION_NOT_INITIALIZED);
	cr_assert_eq(C_DigestInit(s, &dm), CKR_OK);
	ol = 0;
	cr_assert_eq(C_Digest(s, (CK_BYTE_PTR) "data", 4, NULL, &ol), CKR_OK);
	cr_assert_eq(ol, 32);
	cr_assert_eq(C_DigestUpdate(s, (CK_BYTE_PTR) "x", 1), CKR_OPERATION_ACTIVE);
	/* And the other way: a kept final length query, then a single-part call. */
	cr_assert_eq(C_DigestInit(s, &dm), CKR_OK);
	ol = 0;
	cr_assert_eq(C_DigestFinal(s, NULL, &ol), CKR_OK);
	ol = sizeof(out);
	cr_assert_eq(C_Digest(s, (CK_BYTE_PTR) "data", 4, out, &ol), CKR_OPERATION_ACTIVE);
}

/* 6: secret keys defaulted to CKA_SENSITIVE = TRUE; the spec says CK_FALSE. */
Test(defects, secret_key_sensitive_default_false)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_BBOOL sens = CK_TRUE;
	CK_ATTRIBUTE a = { CKA_SENSITIVE, &sens, 1 };
	cr_assert_eq(C_GetAttributeValue(s, k, &a, 1), CKR_OK);
	cr_assert_eq(sens, CK_FALSE);
}

/* 8: C_EncryptUpdate/C_DecryptUpdate dropped their output (and refused after Init). */
Test(defects, encrypt_update_gives_its_output)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_BYTE iv[16] = { 0 }, msg[40], one[64], parts[64], back[64];
	memset(msg, 'm', sizeof(msg));
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_ULONG ol = sizeof(one), a, b, c;
	cr_assert_eq(C_EncryptInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_Encrypt(s, msg, sizeof(msg), one, &ol), CKR_OK);
	cr_assert_eq(ol, 48);
	cr_assert_eq(C_EncryptInit(s, &m, k), CKR_OK);
	a = 0;
	cr_assert_eq(C_EncryptUpdate(s, msg, 20, NULL, &a), CKR_OK);
	cr_assert_eq(a, 16, "20 bytes give one whole block now");
	a = 8;
	cr_assert_eq(C_EncryptUpdate(s, msg, 20, parts, &a), CKR_BUFFER_TOO_SMALL);
	cr_assert_eq(a, 16);
	cr_assert_eq(C_EncryptUpdate(s, msg, 20, parts, &a), CKR_OK);
	b = sizeof(parts) - a;
	cr_assert_eq(C_EncryptUpdate(s, msg + 20, 20, parts + a, &b), CKR_OK);
	cr_assert_eq(b, 16);
	c = sizeof(parts) - a - b;
	cr_assert_eq(C_EncryptFinal(s, parts + a + b, &c), CKR_OK);
	cr_assert_eq(a + b + c, 48);
	cr_assert_arr_eq(parts, one, 48);
	/* Decrypt in parts of 5: the padded block is held back until the end. */
	cr_assert_eq(C_DecryptInit(s, &m, k), CKR_OK);
	CK_ULONG got = 0;
	for (CK_ULONG off = 0; off < 48; off += 8) {
		CK_ULONG l = sizeof(back) - got;
		cr_assert_eq(C_DecryptUpdate(s, one + off, 8, back + got, &l), CKR_OK);
		got += l;
	}
	CK_ULONG l = 0;
	cr_assert_eq(C_DecryptFinal(s, NULL, &l), CKR_OK);
	cr_assert_eq(got + l, 40);
	cr_assert_eq(C_DecryptFinal(s, back + got, &l), CKR_OK);
	cr_assert_arr_eq(back, msg, 40);
}
