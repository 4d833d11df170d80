/* SPDX-License-Identifier: BSD-2-Clause
 * The quirk switches (quirks.md rows) through PKCS#11: each shows on its vendor's module
 * with the shipped profile and is absent on the generic module's strict profile. */
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

TestSuite(quirks, .init = setup, .fini = teardown);

typedef struct {
	fam_module_t m;
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
} dev_t_;

/* A module of family ("" = generic/strict), a device, a user session and an RSA key pair. */
static void open_dev(dev_t_ *d, const char *family)
{
	fam_load(&d->m, family);
	d->slot = fam_device(&d->m, "quirks");
	d->s = fam_login(&d->m, d->slot);
	fam_rsa_keygen(&d->m, d->s, "Klajeyz", &d->pub, &d->priv);
}

static void close_dev(dev_t_ *d)
{
	hl_p11_module_free(d->m.mod);
}

/* The vendor's device v and a strict one g (generic module) to show the quirk's absence. */
static void open_pair(dev_t_ *v, dev_t_ *g, const char *family)
{
	open_dev(v, family);
	open_dev(g, "");
}

static void close_pair(dev_t_ *v, dev_t_ *g)
{
	close_dev(g);
	close_dev(v);
}

static CK_RV set_label(dev_t_ *d, const char *label)
{
	CK_ATTRIBUTE a = { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) };
	return d->m.fn->C_SetAttributeValue(d->s, d->priv, &a, 1);
}

/* K1: no hash-and-sign on the Keyper; the host hashes. */
Test(quirks, k1_no_hash_and_sign)
{
	dev_t_ k, g;
	open_pair(&k, &g, "keyper");
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_MECHANISM_INFO info;
	cr_assert_eq(k.m.fn->C_GetMechanismInfo(k.slot, CKM_SHA256_RSA_PKCS, &info),
		     CKR_MECHANISM_INVALID);
	cr_assert_eq(k.m.fn->C_SignInit(k.s, &m, k.priv), CKR_MECHANISM_INVALID);
	cr_assert_eq(g.m.fn->C_SignInit(g.s, &m, g.priv), CKR_OK);
	close_pair(&k, &g);
}

/* K2: labels are immutable once set. */
Test(quirks, k2_labels_immutable)
{
	dev_t_ k, g;
	open_pair(&k, &g, "keyper");
	cr_assert_eq(set_label(&k, "Kmyv6jo"), CKR_ATTRIBUTE_READ_ONLY);
	cr_assert_eq(set_label(&g, "Kmyv6jo"), CKR_OK);
	close_pair(&k, &g);
}

static void serial(dev_t_ *d, char out[17])
{
	CK_TOKEN_INFO ti;
	cr_assert_eq(d->m.fn->C_GetTokenInfo(d->slot, &ti), CKR_OK);
	hl_p11_unpad(out, ti.serialNumber, 16);
}

/* K4: the serial number reads "No slot selected" until login. */
Test(quirks, k4_serial_hidden_until_login)
{
	dev_t_ k, g;
	char a[17], b[17];
	open_dev(&k, "keyper");
	open_dev(&g, "");
	serial(&k, a); /* logged in */
	cr_assert_str_neq(a, "No slot selected");
	cr_assert_eq(k.m.fn->C_Logout(k.s), CKR_OK);
	serial(&k, b);
	cr_assert_str_eq(b, "No slot selected");
	cr_assert_eq(g.m.fn->C_Logout(g.s), CKR_OK);
	serial(&g, b);
	cr_assert_str_neq(b, "No slot selected");
	close_pair(&k, &g);
}

/* K8: functions the vendor library lacks answer CKR_FUNCTION_NOT_SUPPORTED. */
Test(quirks, k8_missing_functions)
{
	dev_t_ k, g;
	open_pair(&k, &g, "keyper");
	CK_OBJECT_HANDLE c;
	CK_ULONG n = 0;
	cr_assert_eq(k.m.fn->C_CopyObject(k.s, k.pub, NULL, 0, &c), CKR_FUNCTION_NOT_SUPPORTED);
	cr_assert_eq(k.m.fn->C_GetOperationState(k.s, NULL, &n), CKR_FUNCTION_NOT_SUPPORTED);
	cr_assert_neq(g.m.fn->C_CopyObject(g.s, g.pub, NULL, 0, &c), CKR_FUNCTION_NOT_SUPPORTED);
	close_pair(&k, &g);
}

/* L1: the Crypto User is vendor user type 0x80000001; CKU_CONTEXT_SPECIFIC is refused. */
Test(quirks, l1_crypto_user_and_no_context_specific)
{
	dev_t_ l, g;
	open_pair(&l, &g, "luna");
	const CK_USER_TYPE cu = 0x80000001;
	cr_assert_eq(l.m.fn->C_Login(l.s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)FAM_PIN, 8),
		     CKR_USER_TYPE_INVALID);
	cr_assert_neq(g.m.fn->C_Login(g.s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)FAM_PIN, 8),
		      CKR_USER_TYPE_INVALID);
	/* C_LoginUser without a name is C_Login through the same vendor filters. */
	CK_FUNCTION_LIST_3_0_PTR l3 = hl_p11_module_fn3(l.m.mod);
	cr_assert_eq(
	    l3->C_LoginUser(l.s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)FAM_PIN, 8, NULL, 0),
	    CKR_USER_TYPE_INVALID);
	cr_assert_eq(l.m.fn->C_Logout(l.s), CKR_OK);
	cr_assert_eq(g.m.fn->C_Logout(g.s), CKR_OK);
	/* L12: the CO creates the Crypto User, who has a credential of its own. */
	hsmlab_luna_auth_t co = { .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = FAM_PIN };
	hsmlab_luna_cred_t cred = { .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = "cu-pass-1" };
	cr_assert_eq(fam_luna(&l.m)->hsmlab_CA_InitRole(l.slot, HSMLAB_LUNA_ROLE_CU, &co, &cred),
		     CKR_OK);
	cr_assert_eq(l.m.fn->C_Login(l.s, cu, (CK_UTF8CHAR_PTR) "cu-pass-1", 9), CKR_OK);
	cr_assert_eq(g.m.fn->C_Login(g.s, cu, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_USER_TYPE_INVALID);
	close_pair(&l, &g);
}

static CK_RV aes_keygen(dev_t_ *d, CK_ATTRIBUTE_TYPE extra, CK_BBOOL v)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	CK_OBJECT_HANDLE k;
	CK_ATTRIBUTE t[] = { { CKA_VALUE_LEN, &len, sizeof(len) }, { extra, &v, 1 } };
	return d->m.fn->C_GenerateKey(d->s, &m, t, 2, &k);
}

/* A 2048-bit RSA pair whose private template carries CKA_ALWAYS_AUTHENTICATE. */
static CK_RV rsa_keygen_always_auth(dev_t_ *d)
{
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BBOOL f = CK_FALSE, t = CK_TRUE;
	CK_OBJECT_HANDLE pub, priv;
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	CK_ATTRIBUTE kt[] = { { CKA_SIGN, &t, 1 }, { CKA_ALWAYS_AUTHENTICATE, &f, 1 } };
	return d->m.fn->C_GenerateKeyPair(d->s, &m, pt, 1, kt, 2, &pub, &priv);
}

/* L8: older client libraries know no CKA_ALWAYS_AUTHENTICATE. */
Test(quirks, l8_no_always_authenticate)
{
	dev_t_ l, g;
	open_pair(&l, &g, "luna");
	cr_assert_eq(rsa_keygen_always_auth(&l), CKR_ATTRIBUTE_TYPE_INVALID);
	cr_assert_eq(rsa_keygen_always_auth(&g), CKR_OK);
	CK_BBOOL aa = CK_TRUE;
	CK_ATTRIBUTE la = { CKA_ALWAYS_AUTHENTICATE, &aa, 1 }, ga = la;
	cr_assert_eq(l.m.fn->C_GetAttributeValue(l.s, l.priv, &la, 1), CKR_ATTRIBUTE_TYPE_INVALID);
	cr_assert_eq(la.ulValueLen, CK_UNAVAILABLE_INFORMATION);
	cr_assert_eq(g.m.fn->C_GetAttributeValue(g.s, g.priv, &ga, 1), CKR_OK);
	cr_assert_eq(ga.ulValueLen, 1);
	close_pair(&l, &g);
}

/* L9: a secret key template with CKA_SENSITIVE=false is refused. */
Test(quirks, l9_refuse_nonsensitive_secret)
{
	dev_t_ l, g;
	open_pair(&l, &g, "luna");
	cr_assert_eq(aes_keygen(&l, CKA_SENSITIVE, CK_FALSE), CKR_ATTRIBUTE_VALUE_INVALID);
	cr_assert_eq(aes_keygen(&l, CKA_SENSITIVE, CK_TRUE), CKR_OK);
	cr_assert_eq(aes_keygen(&g, CKA_SENSITIVE, CK_FALSE), CKR_OK);
	close_pair(&l, &g);
}

/* CKA_SENSITIVE of a new AES key whose template does not name it (generated, or created
 * from a value). */
static CK_BBOOL default_sensitive(dev_t_ *d, bool create)
{
	CK_MECHANISM m = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BYTE value[32] = { 7 };
	CK_OBJECT_HANDLE k;
	CK_ATTRIBUTE gen[] = { { CKA_VALUE_LEN, &len, sizeof(len) } };
	CK_ATTRIBUTE made[] = { { CKA_CLASS, &cls, sizeof(cls) },
				{ CKA_KEY_TYPE, &kt, sizeof(kt) },
				{ CKA_VALUE, value, sizeof(value) } };
	if (create)
		cr_assert_eq(d->m.fn->C_CreateObject(d->s, made, 3, &k), CKR_OK);
	else
		cr_assert_eq(d->m.fn->C_GenerateKey(d->s, &m, gen, 1, &k), CKR_OK);
	CK_BBOOL b = 2;
	CK_ATTRIBUTE a = { CKA_SENSITIVE, &b, 1 };
	cr_assert_eq(d->m.fn->C_GetAttributeValue(d->s, k, &a, 1), CKR_OK);
	return b;
}

/* CKA_SENSITIVE of an AES key unwrapped (CKM_AES_KEY_WRAP_PAD) with a template that does
 * not name it. */
static CK_BBOOL unwrapped_sensitive(dev_t_ *d)
{
	CK_MECHANISM gen = { CKM_AES_KEY_GEN, NULL, 0 }, m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_ULONG len = 32, bl = 64;
	CK_BBOOL t = CK_TRUE, b = 2;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE kek_t[] = { { CKA_VALUE_LEN, &len, sizeof(len) },
				 { CKA_WRAP, &t, 1 },
				 { CKA_UNWRAP, &t, 1 } };
	CK_ATTRIBUTE key_t[] = { { CKA_VALUE_LEN, &len, sizeof(len) }, { CKA_EXTRACTABLE, &t, 1 } };
	CK_ATTRIBUTE ut[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) } };
	CK_ATTRIBUTE a = { CKA_SENSITIVE, &b, 1 };
	CK_OBJECT_HANDLE kek, k, back;
	CK_BYTE blob[64];
	cr_assert_eq(d->m.fn->C_GenerateKey(d->s, &gen, kek_t, 3, &kek), CKR_OK);
	cr_assert_eq(d->m.fn->C_GenerateKey(d->s, &gen, key_t, 2, &k), CKR_OK);
	cr_assert_eq(d->m.fn->C_WrapKey(d->s, &m, kek, k, blob, &bl), CKR_OK);
	cr_assert_eq(d->m.fn->C_UnwrapKey(d->s, &m, kek, blob, bl, ut, 2, &back), CKR_OK);
	cr_assert_eq(d->m.fn->C_GetAttributeValue(d->s, back, &a, 1), CKR_OK);
	return b;
}

/* L9 with the spec's default (CK_FALSE, issue 11 defect 6) on strict: a Luna secret key that
 * does not name CKA_SENSITIVE is still sensitive, as every secret key on the device is. */
Test(quirks, l9_secret_keys_default_sensitive)
{
	dev_t_ l, g;
	open_pair(&l, &g, "luna");
	cr_assert_eq(default_sensitive(&l, false), CK_TRUE);
	cr_assert_eq(default_sensitive(&l, true), CK_TRUE);
	cr_assert_eq(default_sensitive(&g, false), CK_FALSE);
	cr_assert_eq(default_sensitive(&g, true), CK_FALSE);
	cr_assert_eq(unwrapped_sensitive(&l), CK_TRUE);
	cr_assert_eq(unwrapped_sensitive(&g), CK_FALSE);
	close_pair(&l, &g);
}

/* The module's slot ids (at most 4) into ids; returns how many. */
static CK_ULONG slot_ids(fam_module_t *m, CK_SLOT_ID ids[4])
{
	CK_ULONG n = 4;
	cr_assert_eq(m->fn->C_GetSlotList(CK_FALSE, ids, &n), CKR_OK);
	return n;
}

/* K5 (aep-keyper-test.md: "1 slots found ... between 0 and 0"): the Keyper module shows one
 * slot, id 0, before and after its token is made; strict adds a free slot beside a device. */
Test(quirks, k5_single_slot_zero)
{
	fam_module_t k, g;
	CK_SLOT_ID ids[4];
	fam_load(&k, "keyper");
	cr_assert_eq(slot_ids(&k, ids), 1);
	cr_assert_eq(ids[0], 0);
	cr_assert(fam_keyper_token(&k, 0, "k5"), "the vendor init on slot 0");
	hl_p11_module_free(k.mod);
	fam_load(&k, "keyper");
	cr_assert_eq(slot_ids(&k, ids), 1, "no free slot beside the Keyper");
	cr_assert_eq(ids[0], 0);
	CK_TOKEN_INFO ti;
	cr_assert_eq(k.fn->C_GetTokenInfo(0, &ti), CKR_OK);
	cr_assert(ti.flags & CKF_TOKEN_INITIALIZED, "slot 0 is the Keyper itself");
	hl_p11_module_free(k.mod);
	fam_load(&g, "");
	fam_device(&g, "strict");
	cr_assert_eq(slot_ids(&g, ids), 2, "strict: the device and the lab's free slot");
	hl_p11_module_free(g.mod);
}

/* L4 (rsa-mechanism-remap.htm): the remap lists CKM_RSA_X9_31_KEY_PAIR_GEN and generates
 * with it as with the PKCS generator; strict lists no X9.31 generator. */
Test(quirks, l4_x9_31_keygen_remapped)
{
	dev_t_ l, g;
	CK_MECHANISM_INFO info;
	open_pair(&l, &g, "luna");
	cr_assert_eq(l.m.fn->C_GetMechanismInfo(l.slot, CKM_RSA_X9_31_KEY_PAIR_GEN, &info), CKR_OK);
	cr_assert(info.flags & CKF_GENERATE_KEY_PAIR);
	cr_assert_eq(g.m.fn->C_GetMechanismInfo(g.slot, CKM_RSA_X9_31_KEY_PAIR_GEN, &info),
		     CKR_MECHANISM_INVALID);
	CK_MECHANISM mech = { CKM_RSA_X9_31_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE e[] = { 1, 0, 1 };
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &t, 1 },
			      { CKA_MODULUS_BITS, &bits, sizeof(bits) },
			      { CKA_PUBLIC_EXPONENT, e, 3 } };
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &t, 1 }, { CKA_SIGN, &t, 1 }, { CKA_SENSITIVE, &t, 1 } };
	CK_OBJECT_HANDLE pub, priv;
	CK_RV rv = l.m.fn->C_GenerateKeyPair(l.s, &mech, pt, 3, kt, 3, &pub, &priv);
	cr_assert_eq(rv, CKR_OK, "%s", hl_ckr_name(rv));
	CK_BYTE sig[512];
	CK_BYTE data[] = "remapped";
	cr_assert_eq(fam_sign(&l.m, l.s, priv, CKM_SHA256_RSA_PKCS, data, 8, sig), 256);
	close_pair(&l, &g);
}

/* L10: the USB HSM 7 takes PINs of 8 to 255 characters (naming_reqs.htm; strict takes 4): a
 * 7-character one, which the network models would take, is refused. */
Test(quirks, l10_pin_length)
{
	dev_t_ l, g;
	open_pair(&l, &g, "luna");
	CK_TOKEN_INFO ti;
	cr_assert_eq(l.m.fn->C_GetTokenInfo(l.slot, &ti), CKR_OK);
	cr_assert_eq(ti.ulMinPinLen, 8);
	cr_assert_eq(ti.ulMaxSessionCount, 0);
	cr_assert_eq(
	    l.m.fn->C_SetPIN(l.s, (CK_UTF8CHAR_PTR)FAM_PIN, 8, (CK_UTF8CHAR_PTR) "1234567", 7),
	    CKR_PIN_LEN_RANGE);
	cr_assert_eq(
	    g.m.fn->C_SetPIN(g.s, (CK_UTF8CHAR_PTR)FAM_PIN, 8, (CK_UTF8CHAR_PTR) "123456", 6),
	    CKR_OK);
	close_pair(&l, &g);
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

/* K8 "probably slower than your CPU": with timing emulation on (HSMLAB_TIMING=1, read at
 * C_Initialize, so set before the module loads) a Keyper login takes the profile's login_ms
 * (300 ms) and each RSA-2048 signature 1/50 s (guesses; keyper.conf's timing group). The key
 * is made with timing off (an emulated Keyper keygen takes seconds). Lower bounds only. */
Test(quirks, k8_timing_emulation)
{
	static const CK_BYTE di[51] = { 0x30, 0x31 };
	CK_BYTE sig[512];
	CK_OBJECT_HANDLE priv;
	CK_ULONG n = 0;
	CK_SLOT_ID slot;
	struct timespec t;
	dev_t_ k;
	unsetenv("HSMLAB_TIMING");
	open_dev(&k, "keyper");
	close_dev(&k);
	setenv("HSMLAB_TIMING", "1", 1);
	fam_load(&k.m, "keyper");
	unsetenv("HSMLAB_TIMING");
	cr_assert_eq(hl_p11_find_slot(k.m.fn, "quirks", &slot), CKR_OK);
	clock_gettime(CLOCK_MONOTONIC, &t);
	CK_SESSION_HANDLE s = fam_login(&k.m, slot);
	double login = ms_since(&t);
	cr_assert_eq(hl_p11_find_by_label(k.m.fn, s, CKO_PRIVATE_KEY, "Klajeyz", &priv, 1, &n),
		     CKR_OK);
	cr_assert_eq(n, 1);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (int i = 0; i < 10; i++)
		fam_sign(&k.m, s, priv, CKM_RSA_PKCS, di, sizeof(di), sig);
	double signs = ms_since(&t);
	cr_assert_geq(login, 300.0, "login took %.1f ms with timing on", login);
	cr_assert_geq(signs, 200.0, "10 signatures took %.1f ms with timing on", signs);
	close_dev(&k);
}

/* A user's own profile combining switches: strict plus G9 (the token shows in
 * C_GetSlotList(CK_TRUE) only after a C_GetSlotList(CK_FALSE)), served by the generic
 * module since it keeps family "strict". */
Test(quirks, g9_user_profile_token_after_slotlist_false)
{
	char dir[160];
	fam_user_profile(lab.dir, "strict", "strict-g9",
			 "-e '/token_after_slotlist_false/s/on = false/on = true/'", dir,
			 sizeof(dir));
	fam_module_t m;
	fam_load(&m, "");
	CK_SLOT_ID slot = 0;
	cr_assert_eq(m.ext->device_create("strict-g9", &slot, NULL), CKR_OK, "%s",
		     m.ext->last_error());
	hl_p11_module_free(m.mod);

	fam_load(&m, ""); /* a fresh process view: no CK_FALSE call yet */
	CK_SLOT_ID ids[8];
	CK_ULONG n = 8, all = 8;
	cr_assert_eq(m.fn->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++)
		cr_assert_neq(ids[i], slot, "G9 device listed before C_GetSlotList(CK_FALSE)");
	cr_assert_eq(m.fn->C_GetSlotList(CK_FALSE, ids, &all), CKR_OK);
	cr_assert_eq(all, n + 1);
	n = 8;
	cr_assert_eq(m.fn->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	cr_assert_eq(n, all, "listed once C_GetSlotList(CK_FALSE) was called");
	hl_p11_module_free(m.mod);
}
