/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the shared PKCS#11 client helper, run against SoftHSMv2 (the reference module). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/p11client.h"

Test(names, known_and_unknown_values)
{
	CK_ULONG v = 0;

	cr_assert_str_eq(hl_ckr_name(CKR_PIN_INCORRECT), "CKR_PIN_INCORRECT");
	cr_assert_str_eq(hl_ckr_name(CKR_OK), "CKR_OK");
	cr_assert_str_eq(hl_ckm_name(CKM_SHA256_RSA_PKCS), "CKM_SHA256_RSA_PKCS");
	cr_assert_str_eq(hl_cka_name(CKA_CLASS), "CKA_CLASS");
	cr_assert_str_eq(hl_ckr_name(0x80000123UL), "CKR_VENDOR_DEFINED+0x123");
	cr_assert_str_eq(hl_ckr_name(0x80001601UL), "CKR_LUNA_MAX_SESSIONS"); /* L6 */
	cr_assert_str_eq(hl_ckr_name(0x8000008DUL), "CKR_LUNA_RESTART_REQUIRED");
	/* Thales' bindings: CKR_BUSY = CKR_VENDOR_DEFINED + 0x1604, and the lockout codes. */
	cr_assert_str_eq(hl_ckr_name(0x80001604UL), "CKR_LUNA_BUSY");
	cr_assert_str_eq(hl_ckr_name(0x80001602UL), "CKR_VENDOR_DEFINED+0x1602");
	cr_assert_str_eq(hl_ckr_name(0x80000007UL), "CKR_LUNA_USER_LOCKED_OUT");
	cr_assert_str_eq(hl_ckr_name(0x8000001CUL), "CKR_LUNA_SO_LOGIN_FAILURE_THRESHOLD");
	cr_assert_str_eq(hl_ckr_name(0x8000006EUL), "CKR_LUNA_STM_CMD_NON_TRANSPORT");
	cr_assert_str_eq(hl_ckr_name(0x80000076UL), "CKR_LUNA_HSM_TAMPERED");
	cr_assert_eq(hl_ck_value("CKR_LUNA_MAX_SESSIONS", &v), 0);
	cr_assert_eq(v, 0x80001601UL);
	cr_assert_eq(hl_ck_value("CKM_RSA_X_509", &v), 0);
	cr_assert_eq(v, CKM_RSA_X_509);
	cr_assert_eq(hl_ck_value("CKM_NO_SUCH_THING", &v), -1);
}

Test(module, load_errors_name_the_path)
{
	char err[512] = "";

	cr_assert_null(hl_p11_module_load("/nonexistent/module.so", 0, err, sizeof err));
	cr_assert(strstr(err, "/nonexistent/module.so") != NULL, "%s", err);
	cr_assert_null(hl_p11_module_load("libc.so.6", 0, err, sizeof err));
	cr_assert(strstr(err, "no C_GetFunctionList") != NULL, "%s", err);
}

Test(module, softhsm_loads_and_finds_a_slot)
{
	const char *path = getenv("HSMLAB_SOFTHSM2_MODULE");
	char err[512] = "", dir[] = "/tmp/hsmlab-test-XXXXXX", conf[600];
	hl_p11_module_t *mod;
	CK_SLOT_ID slot;
	FILE *f;

	cr_assert(path && *path, "HSMLAB_SOFTHSM2_MODULE not set (is softhsm2 installed?)");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(conf, sizeof conf, "%s/softhsm2.conf", dir);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\n", dir);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);

	mod = hl_p11_module_load(path, 0, err, sizeof err);
	cr_assert_not_null(mod, "%s", err);
	/* SoftHSMv2 always offers one uninitialized token whose label is empty. */
	cr_assert_eq(hl_p11_find_slot(hl_p11_module_fn(mod), NULL, &slot), CKR_OK);
	cr_assert_eq(hl_p11_find_slot(hl_p11_module_fn(mod), "no-such-token", &slot),
		     CKR_TOKEN_NOT_PRESENT);
	hl_p11_module_free(mod);
}
