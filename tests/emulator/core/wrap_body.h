/* SPDX-License-Identifier: BSD-2-Clause
 * The ONE body of key-wrapping checks (DES3 keys, private keys wrapped as PKCS#8 and back),
 * run through a function list against several targets: the linked core (strict), SoftHSMv2
 * (tests/emulator/core/test_wrap.c) and the Keyper module (tests/emulator/families/test_k9.c).
 * Where a target knowingly differs from the spec, its deviation(case) gives the CK_RV it
 * returns instead (0: none), so the differences are data in the including program.
 * Header only. */
#pragma once

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/p11client.h"

typedef struct {
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_RV (*deviation)(const char *name); /* NULL: none */
} wt_t;

#define WT_RV(call, want)                                                             \
	do {                                                                          \
		CK_RV rv_ = (call);                                                   \
		cr_assert_eq(rv_, (want), "%s: %s, want %s", #call, hl_ckr_name(rv_), \
			     hl_ckr_name(want));                                      \
	} while (0)
#define WT_OK(call) WT_RV(call, CKR_OK)

static CK_BBOOL wt_yes = CK_TRUE, wt_no = CK_FALSE;
/* The DES3 key of NIST SP 800-67's example (K1, K2, K3; every byte of odd parity). */
static const CK_BYTE wt_des3_sp800_67[24] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
					      0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01,
					      0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23 };

/* A deviation meaning "returns CKR_OK" (0 means "no deviation"). */
#define WT_TAKES_IT ((CK_RV)0x7ffffff0UL)

/* The CK_RV the spec wants for a named case, or the target's known deviation. */
static inline CK_RV wt_expect(const wt_t *t, const char *name, CK_RV spec)
{
	CK_RV dev = t->deviation ? t->deviation(name) : 0;
	return dev == WT_TAKES_IT ? CKR_OK : dev ? dev : spec;
}

static inline bool wt_offers(const wt_t *t, CK_MECHANISM_TYPE m, CK_FLAGS flag)
{
	CK_MECHANISM_INFO info;
	return t->fn->C_GetMechanismInfo(t->slot, m, &info) == CKR_OK && (info.flags & flag);
}

/* -- keys -- */

/* A session DES3 key made by CKM_DES3_KEY_GEN (wrap, unwrap, encrypt, decrypt). */
static inline CK_OBJECT_HANDLE wt_des3_gen(const wt_t *t, bool extractable, bool sensitive)
{
	CK_MECHANISM m = { CKM_DES3_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE a[] = { { CKA_WRAP, &wt_yes, 1 },
			     { CKA_UNWRAP, &wt_yes, 1 },
			     { CKA_ENCRYPT, &wt_yes, 1 },
			     { CKA_DECRYPT, &wt_yes, 1 },
			     { CKA_EXTRACTABLE, extractable ? &wt_yes : &wt_no, 1 },
			     { CKA_SENSITIVE, sensitive ? &wt_yes : &wt_no, 1 } };
	CK_OBJECT_HANDLE h = 0;
	WT_OK(t->fn->C_GenerateKey(t->s, &m, a, 6, &h));
	return h;
}

/* A session secret key of type kt imported by value (wrap, unwrap, encrypt, decrypt). */
static inline CK_OBJECT_HANDLE wt_secret_import(const wt_t *t, CK_KEY_TYPE kt, const void *v,
						CK_ULONG len)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE a[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_VALUE, (void *)v, len },    { CKA_WRAP, &wt_yes, 1 },
			     { CKA_UNWRAP, &wt_yes, 1 },       { CKA_ENCRYPT, &wt_yes, 1 },
			     { CKA_DECRYPT, &wt_yes, 1 } };
	CK_OBJECT_HANDLE h = 0;
	WT_OK(t->fn->C_CreateObject(t->s, a, 7, &h));
	return h;
}

static inline CK_OBJECT_HANDLE wt_aes_gen(const wt_t *t, CK_ULONG len)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ATTRIBUTE a[] = { { CKA_VALUE_LEN, &len, sizeof(len) },
			     { CKA_WRAP, &wt_yes, 1 },
			     { CKA_UNWRAP, &wt_yes, 1 } };
	CK_OBJECT_HANDLE h = 0;
	WT_OK(t->fn->C_GenerateKey(t->s, &m, a, 3, &h));
	return h;
}

/* A session key pair: RSA-2048 (ec false) or P-256, the private key sensitive and, when
 * extractable, CKA_EXTRACTABLE. */
static inline void wt_pair(const wt_t *t, bool ec, bool extractable, CK_OBJECT_HANDLE *pub,
			   CK_OBJECT_HANDLE *priv)
{
	static const CK_BYTE p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_MECHANISM m = { ec ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE e[] = { 1, 0, 1 };
	CK_ATTRIBUTE rsa_pub[] = { { CKA_VERIFY, &wt_yes, 1 },
				   { CKA_MODULUS_BITS, &bits, sizeof(bits) },
				   { CKA_PUBLIC_EXPONENT, e, 3 } };
	CK_ATTRIBUTE ec_pub[] = { { CKA_VERIFY, &wt_yes, 1 },
				  { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_ATTRIBUTE pr[] = { { CKA_SIGN, &wt_yes, 1 },
			      { CKA_PRIVATE, &wt_yes, 1 },
			      { CKA_SENSITIVE, &wt_yes, 1 },
			      { CKA_EXTRACTABLE, extractable ? &wt_yes : &wt_no, 1 } };
	WT_OK(t->fn->C_GenerateKeyPair(t->s, &m, ec ? ec_pub : rsa_pub, ec ? 2 : 3, pr, 4, pub,
				       priv));
}

static inline CK_ULONG wt_count(const wt_t *t, CK_OBJECT_CLASS cls)
{
	CK_OBJECT_HANDLE h[64];
	CK_ULONG n = 0;
	WT_OK(hl_p11_find_by_label(t->fn, t->s, cls, NULL, h, 64, &n));
	return n;
}

/* Asserts that attribute type of objects a and b (possibly of two targets) is equal. */
static inline void wt_same_attr(const wt_t *ta, CK_OBJECT_HANDLE a, const wt_t *tb,
				CK_OBJECT_HANDLE b, CK_ATTRIBUTE_TYPE type)
{
	unsigned char *va = NULL, *vb = NULL;
	CK_ULONG la = 0, lb = 0;
	WT_OK(hl_p11_get_attr(ta->fn, ta->s, a, type, &va, &la));
	WT_OK(hl_p11_get_attr(tb->fn, tb->s, b, type, &vb, &lb));
	cr_assert_eq(la, lb, "%s: %lu bytes, want %lu", hl_cka_name(type), lb, la);
	cr_assert(la == 0 || memcmp(va, vb, la) == 0, "%s differs", hl_cka_name(type));
	free(va);
	free(vb);
}

static inline CK_BBOOL wt_bool(const wt_t *t, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE type)
{
	CK_BBOOL v = 2;
	CK_ATTRIBUTE a = { type, &v, 1 };
	WT_OK(t->fn->C_GetAttributeValue(t->s, h, &a, 1));
	return v;
}

/* -- wrap and unwrap -- */

/* C_WrapKey with the spec's length protocol checked on the way: a NULL buffer gives the
 * length, a short one CKR_BUFFER_TOO_SMALL and the length. Returns the malloc'd blob. */
static inline CK_BYTE *wt_wrap(const wt_t *t, CK_MECHANISM *m, CK_OBJECT_HANDLE kek,
			       CK_OBJECT_HANDLE key, CK_ULONG *len_out)
{
	CK_ULONG n = 0, short_len;
	WT_OK(t->fn->C_WrapKey(t->s, m, kek, key, NULL, &n));
	cr_assert_gt(n, 0);
	CK_BYTE *blob = calloc(1, n + 16);
	cr_assert_not_null(blob);
	short_len = n - 1;
	WT_RV(t->fn->C_WrapKey(t->s, m, kek, key, blob, &short_len), CKR_BUFFER_TOO_SMALL);
	cr_assert_eq(short_len, n);
	CK_ULONG room = n + 16;
	WT_OK(t->fn->C_WrapKey(t->s, m, kek, key, blob, &room));
	cr_assert_leq(room, n);
	*len_out = room;
	return blob;
}

/* C_UnwrapKey into a session private key of type kt (sign, sensitive). */
static inline CK_RV wt_unwrap(const wt_t *t, CK_MECHANISM *m, CK_OBJECT_HANDLE kek, CK_BYTE *blob,
			      CK_ULONG len, CK_KEY_TYPE kt, CK_OBJECT_HANDLE *out)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE a[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_SIGN, &wt_yes, 1 },
			     { CKA_PRIVATE, &wt_yes, 1 },
			     { CKA_SENSITIVE, &wt_yes, 1 } };
	return t->fn->C_UnwrapKey(t->s, m, kek, blob, len, a, 5, out);
}

/* A signature (CKM_RSA_PKCS over a DigestInfo, or CKM_ECDSA over a hash) into sig. */
static inline CK_ULONG wt_sign(const wt_t *t, CK_OBJECT_HANDLE key, bool ec, CK_BYTE sig[512])
{
	static const CK_BYTE di[51] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
					0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
					0x00, 0x04, 0x20, 0x4b, 0x39, 0x4b };
	CK_MECHANISM m = { ec ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0 };
	CK_ULONG n = 512;
	WT_OK(t->fn->C_SignInit(t->s, &m, key));
	WT_OK(t->fn->C_Sign(t->s, (CK_BYTE_PTR)(ec ? di + 19 : di), ec ? 32 : 51, sig, &n));
	return n;
}

static inline CK_RV wt_verify(const wt_t *t, CK_OBJECT_HANDLE key, bool ec, const CK_BYTE *sig,
			      CK_ULONG n)
{
	static const CK_BYTE di[51] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86,
					0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
					0x00, 0x04, 0x20, 0x4b, 0x39, 0x4b };
	CK_MECHANISM m = { ec ? CKM_ECDSA : CKM_RSA_PKCS, NULL, 0 };
	CK_RV rv = t->fn->C_VerifyInit(t->s, &m, key);
	return rv == CKR_OK ? t->fn->C_Verify(t->s, (CK_BYTE_PTR)(ec ? di + 19 : di), ec ? 32 : 51,
					      (CK_BYTE_PTR)sig, n)
			    : rv;
}

/* -- the cases -- */

/* CKM_DES3_KEY_GEN: 24 bytes of odd parity, local, the generating mechanism recorded. */
static inline void wt_case_des3_keygen(const wt_t *t)
{
	CK_OBJECT_HANDLE h = wt_des3_gen(t, true, false);
	unsigned char *v = NULL;
	CK_ULONG len = 0, kt = 0, mech = 0;
	CK_ATTRIBUTE a[] = { { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_KEY_GEN_MECHANISM, &mech, sizeof(mech) } };
	WT_OK(hl_p11_get_attr(t->fn, t->s, h, CKA_VALUE, &v, &len));
	cr_assert_eq(len, 24);
	for (CK_ULONG i = 0; i < len; i++)
		cr_assert(__builtin_popcount(v[i]) % 2 == 1, "byte %lu: %02x, not odd parity", i,
			  v[i]);
	WT_OK(t->fn->C_GetAttributeValue(t->s, h, a, 2));
	cr_assert_eq(kt, CKK_DES3);
	cr_assert_eq(mech, CKM_DES3_KEY_GEN);
	cr_assert_eq(wt_bool(t, h, CKA_LOCAL), CK_TRUE);
	free(v);
}

/* The NIST SP 800-67 DES3 example through C_CreateObject and C_Encrypt/C_Decrypt (ECB). */
static inline void wt_case_des3_known_answer(const wt_t *t)
{
	const CK_BYTE *key = wt_des3_sp800_67;
	static const CK_BYTE ct[24] = { 0xa8, 0x26, 0xfd, 0x8c, 0xe5, 0x3b, 0x85, 0x5f,
					0xcc, 0xe2, 0x1c, 0x81, 0x12, 0x25, 0x6f, 0xe6,
					0x68, 0xd5, 0xc0, 0x5d, 0xd9, 0xb6, 0xb9, 0x00 };
	const char *pt = "The qufck brown fox jump";
	CK_OBJECT_HANDLE h = wt_secret_import(t, CKK_DES3, key, 24);
	CK_MECHANISM m = { CKM_DES3_ECB, NULL, 0 };
	CK_BYTE out[32], back[32];
	CK_ULONG n = 0;
	WT_OK(t->fn->C_EncryptInit(t->s, &m, h));
	WT_OK(t->fn->C_Encrypt(t->s, (CK_BYTE_PTR)pt, 24, NULL, &n));
	cr_assert_eq(n, 24);
	WT_OK(t->fn->C_Encrypt(t->s, (CK_BYTE_PTR)pt, 24, out, &n));
	cr_assert_arr_eq(out, ct, 24);
	WT_OK(t->fn->C_DecryptInit(t->s, &m, h));
	n = sizeof(back);
	WT_OK(t->fn->C_Decrypt(t->s, out, 24, back, &n));
	cr_assert_eq(n, 24);
	cr_assert_arr_eq(back, pt, 24);
	WT_OK(t->fn->C_EncryptInit(t->s, &m, h));
	n = sizeof(out);
	WT_RV(t->fn->C_Encrypt(t->s, (CK_BYTE_PTR)pt, 23, out, &n), CKR_DATA_LEN_RANGE);
}

/* A private key (RSA or EC) wrapped with m under kek and unwrapped again: the public values
 * are set, the bookkeeping says "came from outside", and it signs as the original. */
static inline void wt_case_round_trip(const wt_t *t, CK_MECHANISM *m, CK_OBJECT_HANDLE kek, bool ec)
{
	CK_OBJECT_HANDLE pub, priv, back = 0;
	CK_ULONG len = 0;
	char name[64];
	wt_pair(t, ec, true, &pub, &priv);
	/* A target that does not wrap private keys with m says so, and that is all. */
	snprintf(name, sizeof(name), "wrap_private_%s", hl_ckm_name(m->mechanism));
	CK_RV want = wt_expect(t, name, CKR_OK);
	if (want != CKR_OK) {
		WT_RV(t->fn->C_WrapKey(t->s, m, kek, priv, NULL, &len), want);
		return;
	}
	CK_BYTE *blob = wt_wrap(t, m, kek, priv, &len);
	WT_OK(wt_unwrap(t, m, kek, blob, len, ec ? CKK_EC : CKK_RSA, &back));
	if (ec) {
		wt_same_attr(t, priv, t, back, CKA_EC_PARAMS);
		if (!wt_expect(t, "no_ec_point_on_private", 0))
			wt_same_attr(t, pub, t, back, CKA_EC_POINT);
	} else {
		wt_same_attr(t, priv, t, back, CKA_MODULUS);
		wt_same_attr(t, priv, t, back, CKA_PUBLIC_EXPONENT);
	}
	cr_assert_eq(wt_bool(t, back, CKA_LOCAL), CK_FALSE);
	cr_assert_eq(wt_bool(t, back, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	cr_assert_eq(wt_bool(t, back, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	CK_BYTE s1[512], s2[512];
	CK_ULONG n1 = wt_sign(t, priv, ec, s1), n2 = wt_sign(t, back, ec, s2);
	if (ec) /* ECDSA is randomised: the original's public key verifies the copy's */
		WT_OK(wt_verify(t, pub, true, s2, n2));
	else
		cr_assert(n1 == n2 && memcmp(s1, s2, n1) == 0,
			  "the unwrapped key signs differently");
	free(blob);
}

/* What must not wrap, and with which code. */
static inline void wt_case_refusals(const wt_t *t, CK_MECHANISM *m, CK_OBJECT_HANDLE kek,
				    CK_OBJECT_HANDLE wrong_kek)
{
	CK_OBJECT_HANDLE pub, priv;
	CK_ULONG n = 0;
	wt_pair(t, false, false, &pub, &priv);
	WT_RV(t->fn->C_WrapKey(t->s, m, kek, priv, NULL, &n), CKR_KEY_UNEXTRACTABLE);
	wt_pair(t, false, true, &pub, &priv);
	WT_RV(t->fn->C_WrapKey(t->s, m, wrong_kek, priv, NULL, &n),
	      wt_expect(t, "wrap_wrong_kek_type", CKR_WRAPPING_KEY_TYPE_INCONSISTENT));
	WT_RV(t->fn->C_WrapKey(t->s, m, pub, priv, NULL, &n), CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	/* A public key is no key material to wrap. */
	WT_RV(t->fn->C_WrapKey(t->s, m, kek, pub, NULL, &n),
	      wt_expect(t, "wrap_public_key", CKR_KEY_NOT_WRAPPABLE));
	/* A wrapping key without CKA_WRAP. */
	CK_ATTRIBUTE off = { CKA_WRAP, &wt_no, 1 };
	WT_OK(t->fn->C_SetAttributeValue(t->s, kek, &off, 1));
	WT_RV(t->fn->C_WrapKey(t->s, m, kek, priv, NULL, &n), CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_ATTRIBUTE on = { CKA_WRAP, &wt_yes, 1 };
	WT_OK(t->fn->C_SetAttributeValue(t->s, kek, &on, 1));
	/* CKA_WRAP_WITH_TRUSTED and a kek that is not CKA_TRUSTED. */
	CK_ATTRIBUTE wwt = { CKA_WRAP_WITH_TRUSTED, &wt_yes, 1 };
	CK_RV rv = t->fn->C_SetAttributeValue(t->s, priv, &wwt, 1);
	WT_RV(rv, wt_expect(t, "set_wrap_with_trusted", CKR_OK));
	if (rv != CKR_OK)
		return;
	WT_RV(t->fn->C_WrapKey(t->s, m, kek, priv, NULL, &n), CKR_KEY_NOT_WRAPPABLE);
}

/* A wrong key, a truncated and a corrupt blob, and a template of the other key type: the
 * spec's codes, and no object is made. */
static inline void wt_case_bad_blobs(const wt_t *t, CK_MECHANISM *m, CK_OBJECT_HANDLE kek,
				     CK_OBJECT_HANDLE other_kek)
{
	CK_OBJECT_HANDLE pub, priv, h = 0;
	CK_ULONG len = 0;
	wt_pair(t, false, true, &pub, &priv);
	CK_BYTE *blob = wt_wrap(t, m, kek, priv, &len);
	CK_ULONG before = wt_count(t, CKO_PRIVATE_KEY);
	WT_RV(wt_unwrap(t, m, other_kek, blob, len, CKK_RSA, &h),
	      wt_expect(t, "unwrap_wrong_key", CKR_WRAPPED_KEY_INVALID));
	WT_RV(wt_unwrap(t, m, kek, blob, len - 8, CKK_RSA, &h),
	      wt_expect(t, "unwrap_truncated_block", CKR_WRAPPED_KEY_INVALID));
	WT_RV(wt_unwrap(t, m, kek, blob, len - 3, CKK_RSA, &h),
	      wt_expect(t, "unwrap_truncated_bytes", CKR_WRAPPED_KEY_LEN_RANGE));
	blob[len / 2] ^= 0x40;
	WT_RV(wt_unwrap(t, m, kek, blob, len, CKK_RSA, &h),
	      wt_expect(t, "unwrap_corrupt", CKR_WRAPPED_KEY_INVALID));
	if (wt_expect(t, "unwrap_corrupt", CKR_WRAPPED_KEY_INVALID) == CKR_OK)
		WT_OK(t->fn->C_DestroyObject(t->s, h)); /* a target that takes it */
	blob[len / 2] ^= 0x40;
	WT_RV(wt_unwrap(t, m, kek, blob, len, CKK_EC, &h),
	      wt_expect(t, "unwrap_other_key_type", CKR_TEMPLATE_INCONSISTENT));
	cr_assert_eq(wt_count(t, CKO_PRIVATE_KEY), before, "a refused unwrap made an object");
	WT_OK(wt_unwrap(t, m, kek, blob, len, CKK_RSA, &h));
	cr_assert_eq(wt_count(t, CKO_PRIVATE_KEY), before + 1);
	free(blob);
}
