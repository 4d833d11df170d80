/* SPDX-License-Identifier: BSD-2-Clause
 * Randomised API misuse against the three built modules (strict, Luna, Keyper): NULL and
 * wrong-size pValues, bad lengths, bad handles, operations out of order, nested templates
 * (CKA_WRAP/UNWRAP/DERIVE_TEMPLATE) of every size, mechanism parameter structures with
 * out-of-range lengths, key management (wrap, unwrap, derive, generate), recover and the
 * 3.0 message functions, for
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
	CKA_WRAP_TEMPLATE,
	CKA_UNWRAP_TEMPLATE,
	CKA_DERIVE_TEMPLATE,
	CKA_ALWAYS_AUTHENTICATE,
	CKA_MODULUS,
	CKA_PUBLIC_EXPONENT,
	CKA_EC_POINT,
	CKA_WRAP,
	CKA_UNWRAP,
	CKA_DERIVE,
	CKA_EXTRACTABLE,
	0x80000001UL,
};

static bool is_nested(CK_ATTRIBUTE_TYPE t)
{
	return t == CKA_WRAP_TEMPLATE || t == CKA_UNWRAP_TEMPLATE || t == CKA_DERIVE_TEMPLATE;
}

/* A nested template is an array of CK_ATTRIBUTE whose pointers the module follows: they
 * point into buf (a caller may not hand out wild pointers), while the outer length may be
 * any size, a multiple of the element or not. */
static CK_ATTRIBUTE inner[4];
static void *nested_ptr(CK_ULONG *len)
{
	for (size_t i = 0; i < 4; i++) {
		inner[i].type = pick(2) ? CKA_SIGN : pick(2) ? CKA_LABEL : CKA_KEY_TYPE;
		inner[i].pValue = any_ptr(&inner[i].ulValueLen);
	}
	*len = pick(3) ? pick(5) * sizeof(CK_ATTRIBUTE) : pick(5 * sizeof(CK_ATTRIBUTE));
	return pick(8) ? inner : NULL;
}

static CK_ULONG any_template(CK_ATTRIBUTE *t, CK_ULONG max)
{
	CK_ULONG n = pick(max + 1);
	for (CK_ULONG i = 0; i < n; i++) {
		t[i].type = types[pick(sizeof(types) / sizeof(types[0]))];
		t[i].pValue =
		    is_nested(t[i].type) ? nested_ptr(&t[i].ulValueLen) : any_ptr(&t[i].ulValueLen);
	}
	return n;
}

static const CK_MECHANISM_TYPE mechs[] = {
	CKM_RSA_PKCS,
	CKM_SHA256_RSA_PKCS,
	CKM_RSA_PKCS_PSS,
	CKM_RSA_PKCS_OAEP,
	CKM_ECDSA,
	CKM_ECDSA_SHA256,
	CKM_SHA256,
	CKM_AES_CBC_PAD,
	CKM_AES_GCM,
	CKM_AES_CTR,
	CKM_AES_ECB,
	CKM_SHA256_HMAC,
	CKM_DES3_CBC,
	CKM_EC_KEY_PAIR_GEN,
	CKM_RSA_X_509,
	CKM_AES_KEY_WRAP,
	CKM_AES_KEY_WRAP_PAD,
	CKM_ECDH1_DERIVE,
	CKM_GENERIC_SECRET_KEY_GEN,
	CKM_AES_KEY_GEN,
	CKM_EDDSA,
	CKM_AES_CMAC,
	0x8000ffffUL,
};

/* Parameters with pointers inside are built as structures whose pointers point into buf
 * (a wild pointer there would be the caller's fault, not the module's) with any lengths;
 * raw bytes of exactly the structure's size are never handed out for them. */
static CK_GCM_PARAMS gcm;
static CK_ECDH1_DERIVE_PARAMS ecdh;
static CK_RSA_PKCS_OAEP_PARAMS oaep;
static void any_param(CK_MECHANISM *m)
{
	void *st = NULL;
	CK_ULONG size = 0;

	if (m->mechanism == CKM_AES_GCM) {
		gcm.pIv = any_ptr(&gcm.ulIvLen);
		gcm.ulIvBits = pick(2) ? gcm.ulIvLen * 8 : any_len(true);
		gcm.pAAD = any_ptr(&gcm.ulAADLen);
		gcm.ulTagBits = pick(2) ? 128 : pick(200);
		st = &gcm, size = sizeof(gcm);
	} else if (m->mechanism == CKM_ECDH1_DERIVE) {
		ecdh.kdf = pick(4) ? CKD_NULL : pick(8);
		ecdh.pSharedData = any_ptr(&ecdh.ulSharedDataLen);
		ecdh.pPublicData = any_ptr(&ecdh.ulPublicDataLen);
		st = &ecdh, size = sizeof(ecdh);
	} else if (m->mechanism == CKM_RSA_PKCS_OAEP) {
		oaep.hashAlg = pick(2) ? CKM_SHA256 : CKM_SHA_1 + pick(0x300);
		oaep.mgf = pick(2) ? CKG_MGF1_SHA256 : pick(8);
		oaep.source = pick(2) ? CKZ_DATA_SPECIFIED : pick(4);
		oaep.pSourceData = any_ptr(&oaep.ulSourceDataLen);
		st = &oaep, size = sizeof(oaep);
	}
	if (st != NULL && pick(4) != 0) {
		m->pParameter = pick(8) ? st : NULL;
		m->ulParameterLen = pick(4) ? size : pick(2 * size);
		return;
	}
	m->pParameter = any_ptr(&m->ulParameterLen);
	if (st != NULL && m->ulParameterLen == size)
		m->ulParameterLen = size - 1;
}

static CK_MECHANISM any_mech(void)
{
	CK_MECHANISM m = { mechs[pick(sizeof(mechs) / sizeof(mechs[0]))], NULL, 0 };
	any_param(&m);
	return m;
}

/* -- one random call -- */

typedef struct {
	CK_FUNCTION_LIST_PTR fn;
	CK_FUNCTION_LIST_3_0_PTR fn3; /* NULL: the module offers no 3.0 interface */
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

/* Calls of the newer kinds that got through every check (logged: a run that never gets
 * one through tests only the first checks). */
static unsigned long made_keys, message_oks;

/* Key management and recovery: whatever they make is destroyed again. */
/* Half of the key calls are plausible (a real mechanism, the AES key, a template that
 * could be right, the last wrapped key) so that they reach past the first checks into
 * template merging, key making and storing; their attributes stay random. */
static CK_BYTE wrapped[BUF];
static CK_ULONG wrapped_len;
static CK_ULONG plausible(CK_ATTRIBUTE *t, CK_MECHANISM *m, CK_MECHANISM_TYPE mech)
{
	static CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	static CK_KEY_TYPE kt = CKK_AES;
	static CK_ULONG len;
	CK_ULONG n = any_template(t + 3, 3);

	len = pick(4) ? 16 : pick(64);
	t[0] = (CK_ATTRIBUTE){ CKA_CLASS, &cls, sizeof(cls) };
	t[1] = (CK_ATTRIBUTE){ CKA_KEY_TYPE, &kt, sizeof(kt) };
	t[2] = (CK_ATTRIBUTE){ CKA_VALUE_LEN, &len, sizeof(len) };
	*m = (CK_MECHANISM){ mech, NULL, 0 };
	return 3 + n;
}

static void key_call(target_t *t, CK_SESSION_HANDLE s, CK_MECHANISM *m)
{
	CK_FUNCTION_LIST_PTR fn = t->fn;
	CK_ATTRIBUTE tmpl[6];
	CK_ULONG n = any_template(tmpl, 6), ol = pick(BUF + 1), l;
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE, aes = t->h[2];
	CK_MECHANISM wrap = { 0 };
	bool real = pick(2);
	CK_MECHANISM_PTR mp = pick(8) ? m : NULL;
	CK_ATTRIBUTE_PTR tp = pick(8) ? tmpl : NULL;
	CK_OBJECT_HANDLE_PTR hp = pick(8) ? &h : NULL;
	void *p;
	CK_RV rv = CKR_GENERAL_ERROR;

	if (real) { /* the AES key wraps itself; the bytes come back in the next unwrap */
		n = plausible(tmpl, &wrap, pick(2) ? CKM_AES_KEY_GEN : CKM_GENERIC_SECRET_KEY_GEN);
		if (pick(4) != 0)
			mp = &wrap, tp = tmpl, hp = &h;
	}
	switch (pick(8)) {
	case 0:
		wrap.mechanism = pick(2) ? CKM_AES_KEY_WRAP_PAD : CKM_AES_KEY_WRAP;
		ol = sizeof(wrapped);
		if (real && fn->C_WrapKey(s, &wrap, aes, aes, wrapped, &ol) == CKR_OK)
			wrapped_len = ol;
		else if (!real)
			fn->C_WrapKey(s, mp, any_handle(t), any_handle(t), pick(4) ? out : NULL,
				      pick(8) ? &ol : NULL);
		break;
	case 1:
		wrap.mechanism = pick(2) ? CKM_AES_KEY_WRAP_PAD : CKM_AES_KEY_WRAP;
		p = real ? wrapped : any_ptr(&l);
		if (real)
			l = pick(4) ? wrapped_len : pick(wrapped_len + 1);
		rv = fn->C_UnwrapKey(s, mp, real ? aes : any_handle(t), p, l, tp, n, hp);
		break;
	case 2:
		rv = fn->C_DeriveKey(s, mp, any_handle(t), tp, n, hp);
		break;
	case 3:
		rv = fn->C_GenerateKey(s, mp, tp, n, hp);
		break;
	case 4:
		(pick(2) ? fn->C_SignRecoverInit : fn->C_VerifyRecoverInit)(s, mp, any_handle(t));
		break;
	case 5:
		crypt_call(pick(2) ? fn->C_SignRecover : fn->C_VerifyRecover, s);
		break;
	case 6:
		crypt_call(fn->C_DigestEncryptUpdate, s);
		break;
	default:
		fn->C_DigestKey(s, any_handle(t));
		break;
	}
	if (rv == CKR_OK && hp != NULL && fn->C_DestroyObject(s, h) == CKR_OK)
		made_keys++;
}

/* The 3.0 message functions (AES-GCM on strict; the rest answer that they are not there).
 * Their parameter is a CK_GCM_MESSAGE_PARAMS, whose pTag the module writes: it points to a
 * 16-byte tag, so a module that took a longer tag would be caught writing past it. */
static CK_GCM_MESSAGE_PARAMS gmp;
static CK_BYTE tag[16];
static void any_message_param(void **param, CK_ULONG *len)
{
	if (pick(4) == 0) {
		*param = any_ptr(len);
		if (*len == sizeof(gmp))
			(*len)--; /* raw bytes never pose as the structure (see any_param) */
		return;
	}
	gmp.pIv = any_ptr(&gmp.ulIvLen);
	if (pick(2))
		gmp.pIv = buf, gmp.ulIvLen = 12;
	gmp.ulIvFixedBits = pick(2) ? 0 : pick(128);
	gmp.ivGenerator = pick(2) ? CKG_NO_GENERATE : pick(5);
	gmp.pTag = pick(8) ? tag : NULL;
	gmp.ulTagBits = pick(2) ? 128 : pick(256);
	*param = pick(8) ? &gmp : NULL;
	*len = pick(4) ? sizeof(gmp) : pick(2 * sizeof(gmp));
}

static void message_call(target_t *t, CK_SESSION_HANDLE s, CK_MECHANISM *m)
{
	CK_FUNCTION_LIST_3_0_PTR f = t->fn3;
	CK_MECHANISM gcm_mech = { CKM_AES_GCM, NULL, 0 };
	CK_ULONG pl, al, dl, ol = pick(BUF + 1);
	void *param, *aad = any_ptr(&al), *d = any_ptr(&dl);
	CK_ULONG_PTR olp = pick(8) ? &ol : NULL;
	CK_BYTE_PTR o = pick(4) ? out : NULL;
	CK_OBJECT_HANDLE key = any_handle(t);

	any_message_param(&param, &pl);
	if (pick(2)) /* plausible: the one mechanism there is, on the AES key */
		m = &gcm_mech, key = t->h[2];
	switch (pick(10)) {
	case 0:
		(pick(2) ? f->C_MessageEncryptInit : f->C_MessageDecryptInit)(s, pick(8) ? m : NULL,
									      key);
		break;
	case 1:
		message_oks += f->C_EncryptMessage(s, param, pl, aad, al, d, dl, o, olp) == CKR_OK;
		break;
	case 2:
		message_oks += f->C_DecryptMessage(s, param, pl, aad, al, d, dl, o, olp) == CKR_OK;
		break;
	case 3:
		(pick(2) ? f->C_EncryptMessageBegin : f->C_DecryptMessageBegin)(s, param, pl, aad,
										al);
		break;
	case 4:
		f->C_EncryptMessageNext(s, param, pl, d, dl, o, olp,
					pick(2) ? CKF_END_OF_MESSAGE : pick(4));
		break;
	case 5:
		f->C_DecryptMessageNext(s, param, pl, d, dl, o, olp,
					pick(2) ? CKF_END_OF_MESSAGE : pick(4));
		break;
	case 6:
		(pick(2) ? f->C_MessageEncryptFinal : f->C_MessageDecryptFinal)(s);
		break;
	case 7:
		(pick(2) ? f->C_MessageSignInit : f->C_MessageVerifyInit)(s, pick(8) ? m : NULL,
									  any_handle(t));
		break;
	case 8:
		f->C_SignMessage(s, param, pl, d, dl, o, olp);
		break;
	default:
		(pick(2) ? f->C_MessageSignFinal : f->C_MessageVerifyFinal)(s);
		break;
	}
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
	switch (pick(t->fn3 != NULL ? 26 : 24)) {
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
	case 21:
	case 22:
		key_call(t, s, &m);
		break;
	case 24:
	case 25:
		message_call(t, s, &m);
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
	CK_ATTRIBUTE sec[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
			       { CKA_VALUE, v, sizeof(v) },      { CKA_ENCRYPT, &yes, 1 },
			       { CKA_DECRYPT, &yes, 1 },         { CKA_WRAP, &yes, 1 },
			       { CKA_UNWRAP, &yes, 1 },          { CKA_EXTRACTABLE, &yes, 1 } };
	if (t->fn->C_CreateObject(t->s, sec, 8, &t->h[2]) != CKR_OK &&
	    t->fn->C_CreateObject(t->s, sec, 5, &t->h[2]) != CKR_OK)
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
	cr_log_info("%s: %lu calls; keys made by generate/derive/unwrap %lu, messages %lu", name,
		    calls, made_keys, message_oks);
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
	t.fn3 = hl_p11_module_fn3(m.mod);
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
