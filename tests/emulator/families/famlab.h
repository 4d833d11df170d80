/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab family tests: load a built vendor module into a throw-away lab, make and initialize
 * a device through the "hsmlab admin" extension table, sign with a fresh RSA key. Header
 * only, shared by the family tests. */
#pragma once

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/hsmlab-ext.h"
#include "hsmlab/p11client.h"
#include "testlab.h"

#define FAM_SO_PIN "12345678"
#define FAM_PIN "87654321"

typedef struct {
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	HSMLAB_EXT_FUNCTION_LIST *ext;
} fam_module_t;

/* The built module of a family ("" for the generic libhsmlab.so). */
static inline void fam_module_path(const char *family, char *out, size_t n)
{
	const char *b = getenv("HSMLAB_BUILD_DIR");
	cr_assert_not_null(b, "HSMLAB_BUILD_DIR not set");
	snprintf(out, n, "%s/emulator/module/libhsmlab%s%s.so", b, family[0] ? "-" : "", family);
}

static inline void fam_load(fam_module_t *m, const char *family)
{
	char path[512], err[512] = "";
	fam_module_path(family, path, sizeof(path));
	m->mod = hl_p11_module_load(path, 0, err, sizeof(err));
	cr_assert_not_null(m->mod, "%s", err);
	m->fn = hl_p11_module_fn(m->mod);
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(m->mod);
	cr_assert_not_null(fn3);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_EXT_VERSION_MAJOR, HSMLAB_EXT_VERSION_MINOR };
	cr_assert_eq(fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_EXT_INTERFACE_NAME, &v, &itf, 0),
		     CKR_OK);
	m->ext = itf->pFunctionList;
}

/* A new device of the module's family, its token initialized with FAM_SO_PIN and FAM_PIN. */
static inline CK_SLOT_ID fam_device(fam_module_t *m, const char *label)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_UTF8CHAR lab[32];
	cr_assert_eq(m->ext->device_create(NULL, &slot, NULL), CKR_OK, "%s", m->ext->last_error());
	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, strlen(label));
	CK_RV rv = m->fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, lab);
	cr_assert_eq(rv, CKR_OK, "C_InitToken: %s", hl_ckr_name(rv));
	cr_assert_eq(
	    m->fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	cr_assert_eq(m->fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8), CKR_OK);
	cr_assert_eq(m->fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	m->fn->C_CloseSession(s);
	return slot;
}

/* A user session on slot. */
static inline CK_SESSION_HANDLE fam_login(fam_module_t *m, CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	cr_assert_eq(
	    m->fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	CK_RV rv = m->fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8);
	cr_assert_eq(rv, CKR_OK, "C_Login: %s", hl_ckr_name(rv));
	return s;
}

/* An RSA-2048 token key pair labelled label (private key handle in *priv). */
static inline void fam_rsa_keygen(fam_module_t *m, CK_SESSION_HANDLE s, const char *label,
				  CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE e[] = { 1, 0, 1 };
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &t, 1 },
			      { CKA_VERIFY, &t, 1 },
			      { CKA_MODULUS_BITS, &bits, sizeof(bits) },
			      { CKA_PUBLIC_EXPONENT, e, 3 },
			      { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &t, 1 },
			      { CKA_SIGN, &t, 1 },
			      { CKA_PRIVATE, &t, 1 },
			      { CKA_SENSITIVE, &t, 1 },
			      { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_RV rv = m->fn->C_GenerateKeyPair(s, &mech, pt, 5, kt, 5, pub, priv);
	cr_assert_eq(rv, CKR_OK, "C_GenerateKeyPair: %s", hl_ckr_name(rv));
}

/* Signs data with mechanism mech; returns the signature length (sig holds 512 bytes). */
static inline CK_ULONG fam_sign(fam_module_t *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
				CK_MECHANISM_TYPE mech, const void *data, CK_ULONG len,
				CK_BYTE sig[512])
{
	CK_MECHANISM mm = { mech, NULL, 0 };
	CK_ULONG n = 512;
	CK_RV rv = m->fn->C_SignInit(s, &mm, key);
	cr_assert_eq(rv, CKR_OK, "C_SignInit %s: %s", hl_ckm_name(mech), hl_ckr_name(rv));
	rv = m->fn->C_Sign(s, (CK_BYTE_PTR)data, len, sig, &n);
	cr_assert_eq(rv, CKR_OK, "C_Sign %s: %s", hl_ckm_name(mech), hl_ckr_name(rv));
	return n;
}

static inline CK_RV fam_verify(fam_module_t *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
			       CK_MECHANISM_TYPE mech, const void *data, CK_ULONG len,
			       const CK_BYTE *sig, CK_ULONG slen)
{
	CK_MECHANISM mm = { mech, NULL, 0 };
	CK_RV rv = m->fn->C_VerifyInit(s, &mm, key);
	return rv == CKR_OK ? m->fn->C_Verify(s, (CK_BYTE_PTR)data, len, (CK_BYTE_PTR)sig, slen)
			    : rv;
}

/* The families of the devices a module lists (comma separated, in slot order). */
static inline void fam_listed(fam_module_t *m, char *out, size_t n)
{
	hsmlab_device_info_t list[16];
	CK_ULONG count = 16;
	cr_assert_eq(m->ext->device_list(list, &count), CKR_OK);
	out[0] = 0;
	for (CK_ULONG i = 0; i < count; i++)
		snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", list[i].family);
}

#include "hsmlab/hsmlab-family.h"

/* The module's "hsmlab family" table, or NULL when it offers none. */
static inline HSMLAB_FAMILY_FUNCTION_LIST *fam_ext(fam_module_t *m)
{
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(m->mod);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR };
	if (fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_FAMILY_INTERFACE_NAME, &v, &itf, 0) !=
	    CKR_OK)
		return NULL;
	return itf->pFunctionList;
}
