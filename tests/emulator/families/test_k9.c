/* SPDX-License-Identifier: BSD-2-Clause
 * K9 on the Keyper module: the legacy key export of the IANA keybackup tool. A DES3 "backup
 * key" (CKM_DES3_KEY_GEN, extractable) wraps an extractable RSA-2048 KSK with CKM_DES3_ECB;
 * the backup key reaches a second Keyper, which unwraps the KSK, and the copy signs exactly
 * as the original. Devices are set up by the console (hsmlab-admin token init: the Keyper
 * init sequence and operator-card activation), as an operator does. The wrap body
 * (wrap_body.h) runs on the Keyper too; the profile offers DES3 and no AES wraps (strict
 * offers both). */
#include "famconsole.h"
#include "famlab.h"
#include "wrap_body.h"

static testlab_t lab;
static fam_module_t m;
static wt_t a, b;

static void open_device(wt_t *t, const char *serial)
{
	t->fn = m.fn;
	t->slot = fam_slot_of(&m, serial);
	t->s = fam_login(&m, t->slot);
	t->deviation = NULL;
}

/* Two Keyper devices, initialised and activated by the console (hsmlab-admin token init),
 * user sessions on both. */
static void setup(void)
{
	char sa[17], sb[17];
	testlab_make(&lab);
	fam_console_device("keyper", NULL, "keyper-a", sa);
	fam_console_device("keyper", NULL, "keyper-b", sb);
	fam_load(&m, "keyper");
	open_device(&a, sa);
	open_device(&b, sb);
}

static void teardown(void)
{
	hl_p11_module_free(m.mod);
	testlab_remove(&lab);
}

TestSuite(k9, .init = setup, .fini = teardown);

/* A token RSA-2048 pair labelled label; the private key sensitive, extractable as asked. */
static void ksk(const wt_t *t, const char *label, bool extractable, CK_OBJECT_HANDLE *pub,
		CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048, ll = (CK_ULONG)strlen(label);
	CK_BYTE e[] = { 1, 0, 1 };
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &wt_yes, 1 },
			      { CKA_VERIFY, &wt_yes, 1 },
			      { CKA_MODULUS_BITS, &bits, sizeof(bits) },
			      { CKA_PUBLIC_EXPONENT, e, 3 },
			      { CKA_LABEL, (void *)label, ll } };
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &wt_yes, 1 },
			      { CKA_SIGN, &wt_yes, 1 },
			      { CKA_PRIVATE, &wt_yes, 1 },
			      { CKA_SENSITIVE, &wt_yes, 1 },
			      { CKA_EXTRACTABLE, extractable ? &wt_yes : &wt_no, 1 },
			      { CKA_LABEL, (void *)label, ll } };
	WT_OK(t->fn->C_GenerateKeyPair(t->s, &mech, pt, 5, kt, 6, pub, priv));
}

/* The token DES3 backup key: generated, extractable and readable so it can be carried. */
static CK_OBJECT_HANDLE backup_key(const wt_t *t)
{
	CK_MECHANISM mech = { CKM_DES3_KEY_GEN, NULL, 0 };
	static const char label[] = "backup-key";
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &wt_yes, 1 },
			      { CKA_PRIVATE, &wt_yes, 1 },
			      { CKA_WRAP, &wt_yes, 1 },
			      { CKA_UNWRAP, &wt_yes, 1 },
			      { CKA_EXTRACTABLE, &wt_yes, 1 },
			      { CKA_SENSITIVE, &wt_no, 1 },
			      { CKA_LABEL, (void *)label, sizeof(label) - 1 } };
	CK_OBJECT_HANDLE h = 0;
	WT_OK(t->fn->C_GenerateKey(t->s, &mech, kt, 7, &h));
	return h;
}

/* The backup key's value taken to device t: stand-in for the vendor's backup procedure,
 * which for secret keys the emulator's backup blob does not carry (key backup takes private
 * keys only). */
static CK_OBJECT_HANDLE carry_backup_key(const wt_t *from, CK_OBJECT_HANDLE key, const wt_t *to)
{
	unsigned char *v = NULL;
	CK_ULONG len = 0;
	WT_OK(hl_p11_get_attr(from->fn, from->s, key, CKA_VALUE, &v, &len));
	cr_assert_eq(len, 24);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_DES3;
	static const char label[] = "backup-key";
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_VALUE, v, len },
			     { CKA_TOKEN, &wt_yes, 1 },
			     { CKA_PRIVATE, &wt_yes, 1 },
			     { CKA_UNWRAP, &wt_yes, 1 },
			     { CKA_LABEL, (void *)label, sizeof(label) - 1 } };
	CK_OBJECT_HANDLE h = 0;
	WT_OK(to->fn->C_CreateObject(to->s, t, 7, &h));
	for (CK_ULONG i = 0; i < len; i++) /* the test's copy of a secret */
		((volatile unsigned char *)v)[i] = 0;
	free(v);
	return h;
}

Test(k9, ksk_moves_under_the_des3_backup_key)
{
	CK_MECHANISM ecb = { CKM_DES3_ECB, NULL, 0 };
	CK_OBJECT_HANDLE pub, priv, locked_pub, locked, copy = 0;
	CK_OBJECT_HANDLE bk = backup_key(&a);
	ksk(&a, "Klajeyz", true, &pub, &priv);
	ksk(&a, "Kstays0", false, &locked_pub, &locked);
	CK_BYTE s1[512], s2[512];
	CK_ULONG n1 = wt_sign(&a, priv, false, s1), len = 0;

	CK_BYTE *blob = wt_wrap(&a, &ecb, bk, priv, &len);
	cr_assert_eq(len % 8, 0);
	WT_RV(a.fn->C_WrapKey(a.s, &ecb, bk, locked, NULL, &len), CKR_KEY_UNEXTRACTABLE);

	CK_OBJECT_HANDLE bk_b = carry_backup_key(&a, bk, &b);
	CK_ULONG before = wt_count(&b, CKO_PRIVATE_KEY);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_ATTRIBUTE ut[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) },
			      { CKA_TOKEN, &wt_yes, 1 },        { CKA_PRIVATE, &wt_yes, 1 },
			      { CKA_SIGN, &wt_yes, 1 },         { CKA_SENSITIVE, &wt_yes, 1 },
			      { CKA_LABEL, "Klajeyz", 7 } };
	/* Another device's own DES3 key is the wrong key: refused, nothing made. */
	CK_OBJECT_HANDLE other = backup_key(&b);
	WT_RV(b.fn->C_UnwrapKey(b.s, &ecb, other, blob, len, ut, 7, &copy),
	      CKR_WRAPPED_KEY_INVALID);
	cr_assert_eq(wt_count(&b, CKO_PRIVATE_KEY), before);
	WT_OK(b.fn->C_UnwrapKey(b.s, &ecb, bk_b, blob, len, ut, 7, &copy));
	cr_assert_eq(wt_count(&b, CKO_PRIVATE_KEY), before + 1);

	wt_same_attr(&a, priv, &b, copy, CKA_MODULUS);
	wt_same_attr(&a, priv, &b, copy, CKA_PUBLIC_EXPONENT);
	cr_assert_eq(wt_bool(&b, copy, CKA_LOCAL), CK_FALSE);
	cr_assert_eq(wt_bool(&b, copy, CKA_ALWAYS_SENSITIVE), CK_FALSE);
	cr_assert_eq(wt_bool(&b, copy, CKA_NEVER_EXTRACTABLE), CK_FALSE);
	CK_ULONG n2 = wt_sign(&b, copy, false, s2);
	cr_assert(n1 == n2 && memcmp(s1, s2, n1) == 0, "the unwrapped KSK signs differently");
	WT_OK(wt_verify(&a, pub, false, s2, n2));
	/* Found by label on the second device, as ceremony tooling finds a KSK (K3). */
	CK_OBJECT_HANDLE found[2];
	CK_ULONG nf = 0;
	WT_OK(hl_p11_find_by_label(b.fn, b.s, CKO_PRIVATE_KEY, "Klajeyz", found, 2, &nf));
	cr_assert_eq(nf, 1);
	free(blob);

	/* A token object: after the module is unloaded and loaded again (a new ceremony day),
	 * the second Keyper still holds the KSK and it still signs alike. */
	char serial[17] = "";
	hsmlab_device_info_t list[8];
	CK_ULONG count = 8;
	WT_OK(m.ext->device_list(list, &count));
	for (CK_ULONG i = 0; i < count; i++)
		if (list[i].slot_id == b.slot)
			snprintf(serial, sizeof(serial), "%s", list[i].serial);
	cr_assert(serial[0], "the second device is not listed");
	hl_p11_module_free(m.mod);
	fam_load(&m, "keyper");
	open_device(&b, serial);
	WT_OK(hl_p11_find_by_label(b.fn, b.s, CKO_PRIVATE_KEY, "Klajeyz", found, 2, &nf));
	cr_assert_eq(nf, 1);
	n2 = wt_sign(&b, found[0], false, s2);
	cr_assert(n1 == n2 && memcmp(s1, s2, n1) == 0, "the stored copy signs differently");
}

Test(k9, keyper_offers_des3_wraps_and_no_aes)
{
	CK_MECHANISM_INFO info;
	WT_OK(a.fn->C_GetMechanismInfo(a.slot, CKM_DES3_ECB, &info));
	cr_assert_eq(info.flags & (CKF_WRAP | CKF_UNWRAP), CKF_WRAP | CKF_UNWRAP);
	cr_assert(info.flags & CKF_HW);
	cr_assert_eq(info.ulMinKeySize, 24);
	WT_OK(a.fn->C_GetMechanismInfo(a.slot, CKM_DES3_KEY_GEN, &info));
	WT_RV(a.fn->C_GetMechanismInfo(a.slot, CKM_AES_KEY_WRAP_PAD, &info), CKR_MECHANISM_INVALID);
	WT_RV(a.fn->C_GetMechanismInfo(a.slot, CKM_AES_CBC_PAD, &info), CKR_MECHANISM_INVALID);
	CK_OBJECT_HANDLE pub, priv;
	CK_ULONG n = 0;
	wt_pair(&a, false, true, &pub, &priv);
	CK_MECHANISM kwp = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	static const CK_BYTE aes[16] = { 1 };
	WT_RV(a.fn->C_WrapKey(a.s, &kwp, wt_secret_import(&a, CKK_AES, aes, 16), priv, NULL, &n),
	      CKR_MECHANISM_INVALID);

	/* strict (the generic module) offers the AES wraps beside DES3. */
	fam_module_t g;
	fam_load(&g, "");
	CK_SLOT_ID slot = fam_device(&g, "strict");
	WT_OK(g.fn->C_GetMechanismInfo(slot, CKM_AES_KEY_WRAP_PAD, &info));
	cr_assert(info.flags & CKF_WRAP);
	WT_OK(g.fn->C_GetMechanismInfo(slot, CKM_DES3_ECB, &info));
	cr_assert_eq(info.flags & CKF_HW, 0);
	hl_p11_module_free(g.mod);
}

Test(k9, body_des3_keygen_and_known_answer)
{
	wt_case_des3_keygen(&a);
	wt_case_des3_known_answer(&a);
}

Test(k9, body_refusals_and_bad_blobs)
{
	CK_MECHANISM ecb = { CKM_DES3_ECB, NULL, 0 };
	static const CK_BYTE aes[16] = { 2 }, other[24] = { 0x13, 0x57, 0x9b, 0xdf };
	wt_case_refusals(&a, &ecb, wt_des3_gen(&a, false, true),
			 wt_secret_import(&a, CKK_AES, aes, 16));
	wt_case_bad_blobs(&a, &ecb, wt_secret_import(&a, CKK_DES3, wt_des3_sp800_67, 24),
			  wt_secret_import(&a, CKK_DES3, other, 24));
}
