/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the linked PKCS#11 layer (strict profile) share this set-up: a throw-away lab, an
 * initialized token with a user PIN, and an AES key made from a fixed value. */
#pragma once

#include <criterion/criterion.h>
#include <string.h>

#include "p11/hl_p11.h"
#include "testlab.h"

const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

static testlab_t lab;
static CK_SLOT_ID slot;
static CK_UTF8CHAR so_pin[] = "12345678", pin[] = "123456";

static void setup(void)
{
	testlab_make(&lab);
}
static void teardown(void)
{
	C_Finalize(NULL);
	testlab_remove(&lab);
}

/* An initialized token with a user PIN; a R/W session, logged in as the user when login. */
static inline CK_SESSION_HANDLE ready(bool login)
{
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s;
	CK_ULONG n = 1;
	memset(label, ' ', 32);
	memcpy(label, "unit", 4);
	cr_assert_eq(C_Initialize(NULL), CKR_OK);
	cr_assert_eq(C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	cr_assert_eq(C_InitToken(slot, so_pin, 8, label), CKR_OK);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(C_Login(s, CKU_SO, so_pin, 8), CKR_OK);
	cr_assert_eq(C_InitPIN(s, pin, 6), CKR_OK);
	cr_assert_eq(C_Logout(s), CKR_OK);
	if (login)
		cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
	return s;
}

/* A session secret key of type kt with the given value, plus extra attributes (up to 5). */
static inline CK_OBJECT_HANDLE secret_key(CK_SESSION_HANDLE s, CK_KEY_TYPE kt, const void *value,
					  CK_ULONG len, const CK_ATTRIBUTE *extra, CK_ULONG n_extra)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[8] = { { CKA_CLASS, &cls, sizeof(cls) },
			      { CKA_KEY_TYPE, &kt, sizeof(kt) },
			      { CKA_VALUE, (void *)value, len } };
	for (CK_ULONG i = 0; i < n_extra && i < 5; i++)
		t[3 + i] = extra[i];
	CK_OBJECT_HANDLE h;
	cr_assert_eq(C_CreateObject(s, t, 3 + n_extra, &h), CKR_OK);
	return h;
}

static const CK_BYTE aes_value[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static inline CK_OBJECT_HANDLE aes_key(CK_SESSION_HANDLE s, const CK_ATTRIBUTE *extra,
				       CK_ULONG n_extra)
{
	return secret_key(s, CKK_AES, aes_value, sizeof(aes_value), extra, n_extra);
}
