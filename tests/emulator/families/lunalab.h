/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab family tests: the Luna helpers the Luna tests share (the "hsmlab luna" table, the
 * roles' passwords and iKeys, a password partition with its Crypto Officer, a throw-away lab
 * with an iKeys directory per test). Header only: each test file has its own lab. */
#pragma once

#include "famlab.h"

static testlab_t lab;
static char ikeys_dir[160];

/* The suite's .init and .fini: a fresh lab and its iKeys directory per test. */
static void luna_lab_setup(void)
{
	testlab_make(&lab);
	snprintf(ikeys_dir, sizeof(ikeys_dir), "%s/ikeys", lab.dir);
	cr_assert_eq(mkdir(ikeys_dir, 0700), 0);
}

static void luna_lab_teardown(void)
{
	testlab_remove(&lab);
}

#define CU_TYPE HSMLAB_LUNA_CKU_CRYPTO_USER
#define HSO_PW "hso-pass-1"
#define PSO_PW "pso-pass-1"
#define CO_PW "co-pass-1"
#define CU_PW "cu-pass-1"
/* The vendor codes the luna profile returns (L3, L12, L14; quirks.md L6). */
#define USER_LOCKED_OUT 0x80000007UL
#define SO_LOGIN_FAILURE_THRESHOLD 0x8000001CUL
#define STM_CMD_NON_TRANSPORT 0x8000006EUL
#define HSM_TAMPERED 0x80000076UL

typedef struct {
	fam_module_t m;
	const HSMLAB_LUNA_FUNCTION_LIST *l;
	HSMLAB_FAMILY_FUNCTION_LIST *f;
	CK_SLOT_ID slot;
} luna_t;

static inline hsmlab_luna_auth_t pw(const char *p)
{
	return (hsmlab_luna_auth_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = p };
}

static inline hsmlab_luna_cred_t new_pw(const char *p)
{
	return (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = p };
}

/* M of N iKeys of a new credential, written to the lab's ikeys dir. */
static inline hsmlab_luna_cred_t new_ikeys(CK_ULONG m, CK_ULONG n, const char *challenge)
{
	return (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				     .password = "dom",
				     .dir = ikeys_dir,
				     .m = m,
				     .n = n,
				     .challenge = challenge };
}

/* iKeys <dir>/luna-<kind>-<i>.card for the indices given (paths kept in buf). */
static inline hsmlab_luna_auth_t ikeys(const char *kind, const int *idx, int n, char buf[][256],
				       const char **paths)
{
	for (int i = 0; i < n; i++) {
		snprintf(buf[i], 256, "%s/luna-%s-%d.card", ikeys_dir, kind, idx[i]);
		paths[i] = buf[i];
	}
	return (hsmlab_luna_auth_t){ .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				     .ikeys = paths,
				     .n_ikeys = (CK_ULONG)n };
}

static inline void open_luna(luna_t *t)
{
	fam_load(&t->m, "luna");
	t->l = fam_luna(&t->m);
	t->f = fam_ext(&t->m);
	cr_assert_not_null(t->l);
	cr_assert_eq(t->l->version.major, 1);
	cr_assert_eq(t->m.ext->device_create(NULL, &t->slot, NULL), CKR_OK);
}

static inline hsmlab_luna_status_t status(luna_t *t)
{
	hsmlab_luna_status_t s;
	cr_assert_eq(t->l->hsmlab_CA_GetStatus(t->slot, &s), CKR_OK, "%s", t->f->last_error());
	return s;
}

static inline hsmlab_luna_roles_t roles(luna_t *t)
{
	hsmlab_luna_roles_t r;
	cr_assert_eq(t->l->hsmlab_CA_GetRoles(t->slot, &r), CKR_OK, "%s", t->f->last_error());
	return r;
}

static inline void recover(luna_t *t)
{
	hsmlab_luna_status_t s = status(t);
	hsmlab_luna_auth_t f = pw(HSMLAB_LUNA_FACTORY_SO_PASSWORD);
	cr_assert_eq(t->l->hsmlab_CA_RecoverSTM(t->slot, s.user_string, s.fingerprint, &f), CKR_OK,
		     "%s", t->f->last_error());
}

/* STM recovered, hard init, partition, CO (password). */
static inline void password_partition(luna_t *t)
{
	hsmlab_luna_cred_t hso = new_pw(HSO_PW), pso = new_pw(PSO_PW), co = new_pw(CO_PW);
	hsmlab_luna_auth_t by_hso = pw(HSO_PW), by_pso = pw(PSO_PW);
	recover(t);
	cr_assert_eq(t->l->hsmlab_CA_InitHSM(t->slot, "hsm", &hso, NULL, &hso), CKR_OK);
	cr_assert_eq(t->l->hsmlab_CA_CreatePartition(t->slot, "part", &by_hso, &pso, &pso), CKR_OK,
		     "%s", t->f->last_error());
	cr_assert_eq(t->l->hsmlab_CA_InitRole(t->slot, HSMLAB_LUNA_ROLE_CO, &by_pso, &co), CKR_OK,
		     "%s", t->f->last_error());
}

static inline CK_SESSION_HANDLE session(luna_t *t)
{
	CK_SESSION_HANDLE s;
	cr_assert_eq(
	    t->m.fn->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	return s;
}

static inline CK_RV login(luna_t *t, CK_SESSION_HANDLE s, CK_USER_TYPE u, const char *pin)
{
	return t->m.fn->C_Login(s, u, (CK_UTF8CHAR_PTR)pin, pin ? (CK_ULONG)strlen(pin) : 0);
}

static inline CK_FLAGS token_flags(luna_t *t)
{
	CK_TOKEN_INFO ti;
	cr_assert_eq(t->m.fn->C_GetTokenInfo(t->slot, &ti), CKR_OK);
	return ti.flags;
}
