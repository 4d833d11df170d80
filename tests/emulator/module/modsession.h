/* SPDX-License-Identifier: BSD-2-Clause
 * What the module tests (fork, threads) share beyond testlab.h: a token set up and a user
 * session on it, through a loaded module's function list. */
#pragma once

#include <criterion/criterion.h>
#include <string.h>

#include "hsmlab/pkcs11.h"

/* The token of slot initialised (SO PIN 12345678, label), user PIN 123456 set, and a
 * read-write session logged in as the user: the set-up the module tests share. */
static inline CK_SESSION_HANDLE testlab_user_session(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot,
						     const char *label)
{
	CK_UTF8CHAR padded[32];
	CK_SESSION_HANDLE s;
	size_t n = strlen(label);
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, n > 32 ? 32 : n);
	cr_assert_eq(fn->C_InitToken(slot, (CK_UTF8CHAR_PTR) "12345678", 8, padded), CKR_OK);
	cr_assert_eq(fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR) "12345678", 8), CKR_OK);
	cr_assert_eq(fn->C_InitPIN(s, (CK_UTF8CHAR_PTR) "123456", 6), CKR_OK);
	cr_assert_eq(fn->C_Logout(s), CKR_OK);
	cr_assert_eq(fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "123456", 6), CKR_OK);
	return s;
}
