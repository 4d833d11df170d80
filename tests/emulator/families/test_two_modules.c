/* SPDX-License-Identifier: BSD-2-Clause
 * Both vendor modules in one process (a ceremony host during the 2024-2026 transition): each
 * sees only its own family's devices of the shared lab, and each signs with its own key. */
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

TestSuite(two_modules, .init = setup, .fini = teardown);

Test(two_modules, each_signs_with_its_own_key_and_sees_only_its_family)
{
	fam_module_t k, l, g;
	fam_load(&k, "keyper");
	fam_load(&l, "luna");
	CK_SLOT_ID ks = fam_device(&k, "old-ksk");
	CK_SLOT_ID ls = fam_device(&l, "new-ksk");
	CK_SESSION_HANDLE kss = fam_login(&k, ks), lss = fam_login(&l, ls);
	CK_OBJECT_HANDLE kpub, kpriv, lpub, lpriv;
	fam_rsa_keygen(&k, kss, "Klajeyz", &kpub, &kpriv);
	fam_rsa_keygen(&l, lss, "Kmyv6jo", &lpub, &lpriv);

	/* Keyper: the host hashes (K1), the device signs the PKCS#1 v1.5 DigestInfo. */
	static const CK_BYTE digest_info[] = { 0x30, 0x31, 0x30, 0x0d, 0x06,
					       0x09, 0x60, 0x86, 0x48, 0x01,
					       0x65, 0x03, 0x04, 0x02, 0x01,
					       0x05, 0x00, 0x04, 0x20, [19 ... 50] = 0xab };
	CK_BYTE ksig[512], lsig[512];
	CK_ULONG kn =
	    fam_sign(&k, kss, kpriv, CKM_RSA_PKCS, digest_info, sizeof(digest_info), ksig);
	cr_assert_eq(kn, 256);
	cr_assert_eq(
	    fam_verify(&k, kss, kpub, CKM_RSA_PKCS, digest_info, sizeof(digest_info), ksig, kn),
	    CKR_OK);
	/* Luna: hash-and-sign on the device (L11). */
	static const char msg[] = "root zone DNSKEY RRset";
	CK_ULONG ln = fam_sign(&l, lss, lpriv, CKM_SHA256_RSA_PKCS, msg, sizeof(msg) - 1, lsig);
	cr_assert_eq(ln, 256);
	cr_assert_eq(fam_verify(&l, lss, lpub, CKM_SHA256_RSA_PKCS, msg, sizeof(msg) - 1, lsig, ln),
		     CKR_OK);
	/* The other module's key is not reachable: its handle means nothing here. */
	cr_assert_neq(
	    fam_verify(&l, lss, kpub, CKM_RSA_PKCS, digest_info, sizeof(digest_info), ksig, kn),
	    CKR_OK);

	/* Each module lists only its own family (the initialized device and a free one). */
	char fams[256];
	fam_listed(&k, fams, sizeof(fams));
	cr_assert_str_eq(fams, "keyper,keyper");
	fam_listed(&l, fams, sizeof(fams));
	cr_assert_str_eq(fams, "luna,luna");
	/* The generic module, loaded third, serves neither vendor's device. */
	fam_load(&g, "");
	fam_listed(&g, fams, sizeof(fams));
	cr_assert_str_eq(fams, "strict");
	/* And a vendor module refuses to create the other vendor's device. */
	cr_assert_eq(k.ext->device_create("luna", NULL, NULL), CKR_ARGUMENTS_BAD);
	cr_assert(strstr(k.ext->last_error(), "family \"luna\"") != NULL);
	hl_p11_module_free(g.mod);
	hl_p11_module_free(l.mod);
	hl_p11_module_free(k.mod);
}

Test(two_modules, identity_comes_from_each_family_profile)
{
	fam_module_t k, l;
	fam_load(&k, "keyper");
	fam_load(&l, "luna");
	CK_INFO ki, li;
	cr_assert_eq(k.fn->C_GetInfo(&ki), CKR_OK);
	cr_assert_eq(l.fn->C_GetInfo(&li), CKR_OK);
	char a[33], b[33];
	hl_p11_unpad(a, ki.manufacturerID, 32);
	hl_p11_unpad(b, li.manufacturerID, 32);
	cr_assert_str_eq(a, "Ultra Electronics AEP Networks");
	cr_assert_str_eq(b, "SafeNet, Inc.");
	hl_p11_module_free(l.mod);
	hl_p11_module_free(k.mod);
}
