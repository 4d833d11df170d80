/* SPDX-License-Identifier: BSD-2-Clause
 * Randomised API misuse against the three built modules (strict, Luna, Keyper): NULL and
 * wrong-size pValues, bad lengths, bad handles, operations out of order, for
 * HSMLAB_MISUSE_SECONDS (default 2) per module from a logged seed
 * (HSMLAB_MISUSE_SEED repeats a run). Run under the ASan build it finds memory errors; in
 * every build a crash fails it, and the module must still sign correctly afterwards.
 * SoftHSMv2 2.6 is not run: it dies on the first NULL pValue of this kind (QUIRKS-style
 * deviations of the reference are listed in tests/emulator/module/test_module_softhsm.c). */
#include <stdint.h>
#include <time.h>

#include "famlab.h"

static testlab_t lab;
static void setup(void)
{
	testlab_make(&lab);
}
static void teardown(void)
{
	testlab_remove(&lab);
}
TestSuite(misuse, .init = setup, .fini = teardown);

/* -- the generator (xorshift64*: small, seedable, the same on every platform) -- */

static uint64_t rng;
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}
static CK_ULONG pick(CK_ULONG n)
{
	return (CK_ULONG)(next() % n);
}

/* A buffer every pointer handed out points into; lengths given with it never exceed it. */
#define BUF 512
static CK_BYTE buf[BUF], out[BUF];

/* A length: mostly small, sometimes absurd (only ever paired with a NULL pointer). */
static CK_ULONG any_len(bool with_ptr)
{
	static const CK_ULONG odd[] = { 0, 1, 4, 8, 16, 32, 256, BUF };
	static const CK_ULONG absurd[] = { (CK_ULONG)-1, (CK_ULONG)1 << 31, (CK_ULONG)1 << 40 };
	if (!with_ptr && pick(4) == 0)
		return absurd[pick(3)];
	return pick(2) ? odd[pick(8)] : pick(BUF + 1);
}

static void *any_ptr(CK_ULONG *len)
{
	bool p = pick(3) != 0;
	*len = any_len(p);
	return p ? buf + pick(2) * (BUF - *len) : NULL;
}

static const CK_ATTRIBUTE_TYPE types[] = {
	CKA_CLASS,
	CKA_TOKEN,
	CKA_PRIVATE,
	CKA_LABEL,
	CKA_ID,
	CKA_VALUE,
	CKA_KEY_TYPE,
	CKA_SENSITIVE,
	CKA_SIGN,
	CKA_EC_PARAMS,
	CKA_MODULUS_BITS,
	CKA_VALUE_LEN,
	CKA_ALLOWED_MECHANISMS,
	CKA_ENCRYPT,
	0x80000001UL,
};

static CK_ULONG any_template(CK_ATTRIBUTE *t, CK_ULONG max)
{
	CK_ULONG n = pick(max + 1);
	for (CK_ULONG i = 0; i < n; i++) {
		t[i].type = types[pick(sizeof(types) / sizeof(types[0]))];
		t[i].pValue = any_ptr(&t[i].ulValueLen);
	}
	return n;
}

static const CK_MECHANISM_TYPE mechs[] = {
	CKM_RSA_PKCS,     CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS_PSS, CKM_RSA_PKCS_OAEP,   CKM_ECDSA,
	CKM_ECDSA_SHA256, CKM_SHA256,          CKM_AES_CBC_PAD,  CKM_AES_GCM,         CKM_AES_CTR,
	CKM_AES_ECB,      CKM_SHA256_HMAC,     CKM_DES3_CBC,     CKM_EC_KEY_PAIR_GEN, 0x8000ffffUL,
};

static CK_MECHANISM any_mech(void)
{
	CK_MECHANISM m = { mechs[pick(sizeof(mechs) / sizeof(mechs[0]))], NULL, 0 };
	m.pParameter = any_ptr(&m.ulParameterLen);
	return m;
}

/* -- one random call -- */

typedef struct {
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h[4]; /* real objects, then made-up handles */
} target_t;

static CK_OBJECT_HANDLE any_handle(const target_t *t)
{
	static const CK_OBJECT_HANDLE bad[] = { 0, 1, 0xffffffffUL, (CK_ULONG)-1, 12345 };
	return pick(3) ? t->h[pick(4)] : bad[pick(5)];
}

static CK_SESSION_HANDLE any_session(const target_t *t)
{
	return pick(10) ? t->s : (CK_SESSION_HANDLE)pick(100000);
}

/* Output: NULL, or out with a length up to its size (or a NULL length pointer). */
static CK_RV crypt_call(CK_RV (*f)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR,
				   CK_ULONG_PTR),
			CK_SESSION_HANDLE s)
{
	CK_ULONG in_len, ol = pick(BUF + 1);
	void *in = any_ptr(&in_len);
	return f(s, in, in_len, pick(4) ? out : NULL, pick(8) ? &ol : NULL);
}

static void one_call(target_t *t)
{
	CK_FUNCTION_LIST_PTR fn = t->fn;
	CK_SESSION_HANDLE s = any_session(t);
	CK_ATTRIBUTE tmpl[6];
	CK_MECHANISM m = any_mech();
	CK_ULONG n, ol = pick(BUF + 1), l;
	CK_OBJECT_HANDLE found[8], h;
	void *p;
	switch (pick(22)) {
	case 0:
		n = any_template(tmpl, 6);
		fn->C_FindObjectsInit(s, pick(8) ? tmpl : NULL, n);
		break;
	case 1:
		fn->C_FindObjects(s, pick(8) ? found : NULL, pick(9), pick(8) ? &n : NULL);
		break;
	case 2:
		fn->C_FindObjectsFinal(s);
		break;
	case 3:
		n = any_template(tmpl, 6);
		fn->C_GetAttributeValue(s, any_handle(t), pick(8) ? tmpl : NULL, n);
		break;
	case 4:
		n = any_template(tmpl, 3);
		fn->C_SetAttributeValue(s, any_handle(t), pick(8) ? tmpl : NULL, n);
		break;
	case 5:
		n = any_template(tmpl, 6);
		if (fn->C_CreateObject(s, pick(8) ? tmpl : NULL, n, &h) == CKR_OK)
			fn->C_DestroyObject(s, h);
		break;
	case 6:
		fn->C_SignInit(s, pick(8) ? &m : NULL, any_handle(t));
		break;
	case 7:
		crypt_call(fn->C_Sign, s);
		break;
	case 8:
		p = any_ptr(&l);
		fn->C_SignUpdate(s, p, l);
		break;
	case 9:
		fn->C_SignFinal(s, pick(4) ? out : NULL, pick(8) ? &ol : NULL);
		break;
	case 10:
		fn->C_VerifyInit(s, pick(8) ? &m : NULL, any_handle(t));
		break;
	case 11:
		p = any_ptr(&l);
		fn->C_Verify(s, buf, pick(64), p, l);
		break;
	case 12:
		fn->C_EncryptInit(s, pick(8) ? &m : NULL, any_handle(t));
		break;
	case 13:
		crypt_call(pick(2) ? fn->C_Encrypt : fn->C_EncryptUpdate, s);
		break;
	case 14:
		fn->C_DecryptInit(s, pick(8) ? &m : NULL, any_handle(t));
		break;
	case 15:
		crypt_call(pick(2) ? fn->C_Decrypt : fn->C_DecryptUpdate, s);
		break;
	case 16:
		(pick(2) ? fn->C_EncryptFinal : fn->C_DecryptFinal)(s, pick(4) ? out : NULL,
								    pick(8) ? &ol : NULL);
		break;
	case 17:
		fn->C_DigestInit(s, pick(8) ? &m : NULL);
		break;
	case 18:
		crypt_call(fn->C_Digest, s);
		p = any_ptr(&l);
		fn->C_DigestUpdate(s, p, l);
		break;
	case 19:
		fn->C_DigestFinal(s, pick(4) ? out : NULL, pick(8) ? &ol : NULL);
		break;
	case 20:
		p = any_ptr(&l);
		fn->C_GenerateRandom(s, p, l > 256 ? 256 : l);
		break;
	default:
		fn->C_GetMechanismInfo(t->slot, m.mechanism,
				       pick(8) ? (CK_MECHANISM_INFO *)out : NULL);
		break;
	}
}

/* -- the run -- */

static void keys(target_t *t)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL yes = CK_TRUE;
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pub[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) }, { CKA_VERIFY, &yes, 1 } };
	CK_ATTRIBUTE priv[] = { { CKA_SIGN, &yes, 1 } };
	cr_assert_eq(t->fn->C_GenerateKeyPair(t->s, &m, pub, 2, priv, 1, &t->h[0], &t->h[1]),
		     CKR_OK);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BYTE v[16] = { 7 };
	CK_ATTRIBUTE sec[] = { { CKA_CLASS, &cls, sizeof(cls) },
			       { CKA_KEY_TYPE, &kt, sizeof(kt) },
			       { CKA_VALUE, v, sizeof(v) },
			       { CKA_ENCRYPT, &yes, 1 },
			       { CKA_DECRYPT, &yes, 1 } };
	if (t->fn->C_CreateObject(t->s, sec, 5, &t->h[2]) != CKR_OK)
		t->h[2] = t->h[1]; /* a profile without AES keys: another real handle */
	t->h[3] = 0x7fffffff;
}

static void run(target_t *t, const char *name)
{
	const char *sd = getenv("HSMLAB_MISUSE_SEED"), *sec = getenv("HSMLAB_MISUSE_SECONDS");
	uint64_t seed = sd ? strtoull(sd, NULL, 0) : (uint64_t)time(NULL) * 2654435761u + 1;
	double seconds = sec ? atof(sec) : 2.0;
	rng = seed ? seed : 1;
	cr_log_info("%s: seed %llu (HSMLAB_MISUSE_SEED repeats it)", name,
		    (unsigned long long)seed);
	keys(t);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	unsigned long calls = 0;
	do {
		for (int i = 0; i < 200; i++, calls++)
			one_call(t);
		clock_gettime(CLOCK_MONOTONIC, &b);
	} while ((double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9 < seconds);
	cr_log_info("%s: %lu calls", name, calls);
	/* Still a working module: end whatever is active, then sign and verify with a new key
	 * (the misuse may legitimately have turned CKA_SIGN off on the first). */
	CK_FUNCTION_LIST_PTR fn = t->fn;
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	keys(t);
	CK_BYTE sig[256];
	CK_ULONG sl = sizeof(sig);
	fn->C_FindObjectsFinal(t->s);
	fn->C_SignFinal(t->s, NULL, NULL);
	fn->C_VerifyFinal(t->s, NULL, 0);
	CK_RV rv = fn->C_SignInit(t->s, &m, t->h[1]);
	if (rv == CKR_OPERATION_ACTIVE) { /* one may still be active: end it with an error */
		fn->C_Sign(t->s, NULL, 1, NULL, NULL);
		rv = fn->C_SignInit(t->s, &m, t->h[1]);
	}
	cr_assert_eq(rv, CKR_OK, "%s after the misuse (seed %llu): C_SignInit %s", name,
		     (unsigned long long)seed, hl_ckr_name(rv));
	cr_assert_eq(fn->C_Sign(t->s, (CK_BYTE_PTR) "ok", 2, sig, &sl), CKR_OK);
	cr_assert_eq(fn->C_VerifyInit(t->s, &m, t->h[0]), CKR_OK);
	cr_assert_eq(fn->C_Verify(t->s, (CK_BYTE_PTR) "ok", 2, sig, sl), CKR_OK);
}

static void hsmlab_family(const char *family)
{
	fam_module_t m;
	target_t t = { 0 };
	fam_load(&m, family);
	t.fn = m.fn;
	t.slot = fam_device(&m, "misuse");
	t.s = fam_login(&m, t.slot);
	run(&t, family[0] ? family : "strict");
	m.fn->C_Finalize(NULL);
	hl_p11_module_free(m.mod);
}

Test(misuse, strict)
{
	hsmlab_family("");
}
Test(misuse, luna)
{
	hsmlab_family("luna");
}
Test(misuse, keyper)
{
	hsmlab_family("keyper");
}
