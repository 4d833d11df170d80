/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: key wrapping through the PKCS#11 layer (wrap_body.h) on the linked core with the
 * strict profile, and the same body against SoftHSMv2 (the reference), whose differences
 * are listed as data below. */
#include <criterion/criterion.h>
#include <string.h>

#include "p11/hl_p11.h"
#include "testlab.h"
#include "wrap_body.h"

const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

static testlab_t lab;
static wt_t t;
static hl_p11_module_t *softhsm;
static CK_UTF8CHAR so_pin[] = "12345678", pin[] = "123456";

/* Initializes the first uninitialized token of fn and logs the user in on a R/W session. */
static void token_ready(CK_FUNCTION_LIST_PTR fn)
{
	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	WT_OK(fn->C_GetSlotList(CK_TRUE, slots, &n));
	cr_assert_gt(n, 0);
	memset(label, ' ', sizeof(label));
	memcpy(label, "wrap", 4);
	WT_OK(fn->C_InitToken(slots[0], so_pin, 8, label));
	/* SoftHSMv2 moves a token to a new slot id on init (G16): find it by label. */
	WT_OK(hl_p11_find_slot(fn, "wrap", &t.slot));
	WT_OK(fn->C_OpenSession(t.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s));
	WT_OK(fn->C_Login(s, CKU_SO, so_pin, 8));
	WT_OK(fn->C_InitPIN(s, pin, 6));
	WT_OK(fn->C_Logout(s));
	WT_OK(fn->C_Login(s, CKU_USER, pin, 6));
	t.fn = fn;
	t.s = s;
}

/* -- the linked core, strict profile -- */

static void strict_setup(void)
{
	CK_FUNCTION_LIST_PTR fn = NULL;
	testlab_make(&lab);
	WT_OK(C_GetFunctionList(&fn));
	WT_OK(fn->C_Initialize(NULL));
	token_ready(fn);
}

static void strict_teardown(void)
{
	C_Finalize(NULL);
	testlab_remove(&lab);
}

TestSuite(wrap_strict, .init = strict_setup, .fini = strict_teardown);

static const CK_BYTE *const des3_a = wt_des3_sp800_67;
static const CK_BYTE des3_b[24] = { 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
				    0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67,
				    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };
static CK_BYTE iv[16] = { 0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe };

/* An RSA and (unless rsa_only) an EC key round-tripped under mechanism mt and a fresh kek. */
static void round_trips(CK_MECHANISM_TYPE mt, bool rsa_only)
{
	bool des3 = mt == CKM_DES3_ECB || mt == CKM_DES3_CBC_PAD;
	CK_ULONG plen = mt == CKM_DES3_CBC_PAD ? 8 : mt == CKM_AES_CBC_PAD ? 16 : 0;
	CK_MECHANISM m = { mt, plen ? iv : NULL, plen };
	CK_OBJECT_HANDLE kek =
	    des3 ? wt_des3_gen(&t, false, true) : wt_aes_gen(&t, mt == CKM_AES_CBC_PAD ? 16 : 32);
	wt_case_round_trip(&t, &m, kek, false);
	if (!rsa_only)
		wt_case_round_trip(&t, &m, kek, true);
}

Test(wrap_strict, des3_keygen)
{
	wt_case_des3_keygen(&t);
}

Test(wrap_strict, des3_known_answer)
{
	wt_case_des3_known_answer(&t);
}

Test(wrap_strict, rsa_des3_ecb)
{
	round_trips(CKM_DES3_ECB, true);
}

Test(wrap_strict, rsa_and_ec_des3_cbc_pad)
{
	round_trips(CKM_DES3_CBC_PAD, false);
}

Test(wrap_strict, rsa_and_ec_aes_key_wrap_pad)
{
	round_trips(CKM_AES_KEY_WRAP_PAD, false);
}

Test(wrap_strict, rsa_and_ec_aes_cbc_pad)
{
	round_trips(CKM_AES_CBC_PAD, false);
}

Test(wrap_strict, refusals)
{
	CK_MECHANISM m = { CKM_DES3_ECB, NULL, 0 };
	wt_case_refusals(&t, &m, wt_des3_gen(&t, false, true), wt_aes_gen(&t, 16));
}

Test(wrap_strict, bad_blobs_des3_ecb)
{
	CK_MECHANISM m = { CKM_DES3_ECB, NULL, 0 };
	wt_case_bad_blobs(&t, &m, wt_secret_import(&t, CKK_DES3, des3_a, 24),
			  wt_secret_import(&t, CKK_DES3, des3_b, 24));
}

Test(wrap_strict, bad_blobs_padded)
{
	CK_MECHANISM cbc = { CKM_DES3_CBC_PAD, iv, 8 }, kwp = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	wt_case_bad_blobs(&t, &cbc, wt_secret_import(&t, CKK_DES3, des3_a, 24),
			  wt_secret_import(&t, CKK_DES3, des3_b, 24));
	wt_case_bad_blobs(&t, &kwp, wt_aes_gen(&t, 32), wt_aes_gen(&t, 32));
}

/* Secret keys by value under DES3-ECB: zero padded, trimmed on unwrap by the key type or
 * the template's CKA_VALUE_LEN. */
Test(wrap_strict, secret_keys_des3_ecb)
{
	CK_MECHANISM m = { CKM_DES3_ECB, NULL, 0 };
	CK_OBJECT_HANDLE kek = wt_des3_gen(&t, false, true);
	CK_OBJECT_HANDLE k = wt_des3_gen(&t, true, false), back = 0;
	CK_ULONG len = 0, vl = 20, got_len = 0;
	CK_BYTE *blob = wt_wrap(&t, &m, kek, k, &len);
	cr_assert_eq(len, 24);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_DES3, gen = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE a[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_SENSITIVE, &wt_no, 1 },
			     { CKA_EXTRACTABLE, &wt_yes, 1 },
			     { CKA_VALUE_LEN, &vl, sizeof(vl) } };
	WT_OK(t.fn->C_UnwrapKey(t.s, &m, kek, blob, len, a, 4, &back));
	wt_same_attr(&t, k, &t, back, CKA_VALUE);
	/* DES3 has no CKA_VALUE_LEN to give. */
	WT_RV(t.fn->C_UnwrapKey(t.s, &m, kek, blob, len, a, 5, &back), CKR_ATTRIBUTE_READ_ONLY);
	/* 24 key bytes are no 20-byte value followed by zero padding. */
	a[1].pValue = &gen;
	WT_RV(t.fn->C_UnwrapKey(t.s, &m, kek, blob, len, a, 5, &back), CKR_TEMPLATE_INCONSISTENT);
	free(blob);
	/* A 20-byte generic secret: wrapped as 24 bytes, trimmed back by CKA_VALUE_LEN. */
	CK_ATTRIBUTE g[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &gen, sizeof(gen) },
			     { CKA_VALUE, (void *)des3_b, 20 },
			     { CKA_SENSITIVE, &wt_no, 1 },
			     { CKA_EXTRACTABLE, &wt_yes, 1 } };
	WT_OK(t.fn->C_CreateObject(t.s, g, 5, &k));
	blob = wt_wrap(&t, &m, kek, k, &len);
	cr_assert_eq(len, 24);
	WT_OK(t.fn->C_UnwrapKey(t.s, &m, kek, blob, len, a, 5, &back));
	wt_same_attr(&t, k, &t, back, CKA_VALUE);
	CK_ATTRIBUTE vla = { CKA_VALUE_LEN, &got_len, sizeof(got_len) };
	WT_OK(t.fn->C_GetAttributeValue(t.s, back, &vla, 1));
	cr_assert_eq(got_len, 20);
	free(blob);
}

Test(wrap_strict, des3_import_and_attributes)
{
	CK_OBJECT_HANDLE h = wt_secret_import(&t, CKK_DES3, des3_a, 24);
	CK_ULONG len = 0;
	CK_ATTRIBUTE a = { CKA_VALUE_LEN, &len, sizeof(len) };
	WT_OK(t.fn->C_GetAttributeValue(t.s, h, &a, 1));
	cr_assert_eq(len, 24);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_DES3;
	CK_ATTRIBUTE bad[] = { { CKA_CLASS, &cls, sizeof(cls) },
			       { CKA_KEY_TYPE, &kt, sizeof(kt) },
			       { CKA_VALUE, (void *)des3_a, 16 } };
	WT_RV(t.fn->C_CreateObject(t.s, bad, 3, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	/* A key generation may name the only length there is (pkcs11-tool does). */
	CK_MECHANISM gen = { CKM_DES3_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE with_len[] = { { CKA_VALUE_LEN, &len, sizeof(len) } };
	WT_OK(t.fn->C_GenerateKey(t.s, &gen, with_len, 1, &h));
	len = 16;
	WT_RV(t.fn->C_GenerateKey(t.s, &gen, with_len, 1, &h), CKR_ATTRIBUTE_VALUE_INVALID);
	WT_RV(t.fn->C_CreateObject(t.s, bad, 2, &h), CKR_TEMPLATE_INCOMPLETE);
}

/* -- SoftHSMv2, the reference -- */

/* SoftHSMv2 2.6.1's differences from the spec and from the core, as the body meets them. */
static CK_RV softhsm_deviation(const char *name)
{
	static const struct {
		const char *name;
		CK_RV rv;
	} known[] = {
		/* CKA_EC_POINT only on the public key (C_GetAttributeValue: type invalid). */
		{ "no_ec_point_on_private", 1 },
		/* Private keys do not wrap with DES3 or AES-CBC-PAD (AES key wrap does). */
		{ "wrap_private_CKM_DES3_ECB", CKR_MECHANISM_INVALID },
		{ "wrap_private_CKM_DES3_CBC_PAD", CKR_MECHANISM_INVALID },
		{ "wrap_private_CKM_AES_CBC_PAD", CKR_MECHANISM_INVALID },
		/* CKA_WRAP_WITH_TRUSTED cannot go from false to true (the spec allows it). */
		{ "set_wrap_with_trusted", CKR_ATTRIBUTE_READ_ONLY },
		/* A failed RFC 5649 integrity check, instead of CKR_WRAPPED_KEY_INVALID. */
		{ "unwrap_wrong_key", CKR_GENERAL_ERROR },
		{ "unwrap_truncated_block", CKR_GENERAL_ERROR },
		{ "unwrap_corrupt", CKR_GENERAL_ERROR },
		/* A public key: refused as unextractable, not as unwrappable. */
		{ "wrap_public_key", CKR_KEY_UNEXTRACTABLE },
		/* An RSA blob under an EC template. */
		{ "unwrap_other_key_type", CKR_FUNCTION_FAILED },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].rv;
	return 0;
}

static void softhsm_setup(void)
{
	char err[512];
	testlab_make(&lab);
	const char *path = getenv("HSMLAB_SOFTHSM2_MODULE");
	cr_assert(path && *path, "HSMLAB_SOFTHSM2_MODULE unset");
	testlab_softhsm(&lab);
	softhsm = hl_p11_module_load(path, 0, err, sizeof(err));
	cr_assert_not_null(softhsm, "%s", err);
	token_ready(hl_p11_module_fn(softhsm));
	t.deviation = softhsm_deviation;
}

static void softhsm_teardown(void)
{
	hl_p11_module_free(softhsm);
	testlab_remove(&lab);
}

TestSuite(wrap_softhsm, .init = softhsm_setup, .fini = softhsm_teardown);

Test(wrap_softhsm, des3_keygen)
{
	wt_case_des3_keygen(&t);
}

Test(wrap_softhsm, des3_known_answer)
{
	wt_case_des3_known_answer(&t);
}

Test(wrap_softhsm, rsa_des3_ecb)
{
	round_trips(CKM_DES3_ECB, true);
}

Test(wrap_softhsm, rsa_and_ec_des3_cbc_pad)
{
	round_trips(CKM_DES3_CBC_PAD, false);
}

Test(wrap_softhsm, rsa_and_ec_aes_key_wrap_pad)
{
	round_trips(CKM_AES_KEY_WRAP_PAD, false);
}

Test(wrap_softhsm, rsa_and_ec_aes_cbc_pad)
{
	round_trips(CKM_AES_CBC_PAD, false);
}

Test(wrap_softhsm, refusals)
{
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	wt_case_refusals(&t, &m, wt_aes_gen(&t, 32), wt_des3_gen(&t, false, true));
}

Test(wrap_softhsm, bad_blobs_aes_key_wrap_pad)
{
	CK_MECHANISM kwp = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	wt_case_bad_blobs(&t, &kwp, wt_aes_gen(&t, 32), wt_aes_gen(&t, 32));
}
