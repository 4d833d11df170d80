/* SPDX-License-Identifier: BSD-2-Clause
 * The Luna policies as gates (emulator/doc/luna.md "Roles and policies"): HSM 12 and 15,
 * partition 20, 22, 23 and 43, set by the right role only, stored (a restart keeps them),
 * recorded, and enforced by the login, activation, power and C_InitPIN paths; and C_InitToken
 * in Secure Transport Mode answering the profile's vendor code (L12); the roles of vendor
 * table 1.2, the Limited Crypto Officer and the Audit role, each made by its officer only. */
#include <sys/stat.h>

#include "lunalab.h"

TestSuite(luna_policies, .init = luna_lab_setup, .fini = luna_lab_teardown);

#define HSM HSMLAB_LUNA_POLICY_HSM
#define PART HSMLAB_LUNA_POLICY_PARTITION

static CK_ULONG policy(luna_t *t, CK_ULONG scope, CK_ULONG n)
{
	CK_ULONG v = 99;
	cr_assert_eq(t->l->hsmlab_CA_GetPolicy(t->slot, scope, n, &v), CKR_OK, "%s",
		     t->f->last_error());
	return v;
}

static CK_RV set(luna_t *t, CK_ULONG scope, CK_ULONG n, CK_ULONG v, const char *by)
{
	hsmlab_luna_auth_t a = pw(by);
	return t->l->hsmlab_CA_SetPolicy(t->slot, scope, n, v, &a);
}

/* The partition and its CO again after a destructive policy change. */
static void new_partition(luna_t *t)
{
	hsmlab_luna_cred_t pso = new_pw(PSO_PW), co = new_pw(CO_PW);
	hsmlab_luna_auth_t by_hso = pw(HSO_PW), by_pso = pw(PSO_PW);
	cr_assert_eq(t->l->hsmlab_CA_CreatePartition(t->slot, "part", &by_hso, &pso, &pso), CKR_OK,
		     "%s", t->f->last_error());
	cr_assert_eq(t->l->hsmlab_CA_InitRole(t->slot, HSMLAB_LUNA_ROLE_CO, &by_pso, &co), CKR_OK,
		     "%s", t->f->last_error());
}

/* L12: C_InitToken in transport answers CKR_STM_CMD_NON_TRANSPORT (stm_refused_code), after
 * STM recovery (no hard init yet) the spec's code for a step out of order. */
Test(luna_policies, init_token_in_stm_gives_the_vendor_code)
{
	luna_t t;
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	open_luna(&t);
	cr_assert_eq(t.m.fn->C_InitToken(t.slot, (CK_UTF8CHAR_PTR)PSO_PW, strlen(PSO_PW), label),
		     STM_CMD_NON_TRANSPORT);
	recover(&t);
	cr_assert_eq(t.m.fn->C_InitToken(t.slot, (CK_UTF8CHAR_PTR)PSO_PW, strlen(PSO_PW), label),
		     CKR_OPERATION_NOT_INITIALIZED);
	hl_p11_module_free(t.m.mod);
}

/* The profile's defaults; only the right role sets a policy, and a restart keeps it. */
Test(luna_policies, defaults_roles_and_persistence)
{
	luna_t t;
	open_luna(&t);
	password_partition(&t);
	cr_assert_eq(policy(&t, HSM, 12), 0, "FIPS mode (L4)");
	cr_assert_eq(policy(&t, HSM, 15), 0, "Thales' default");
	cr_assert_eq(policy(&t, PART, 20), 10, "pin.user_max_failed");
	cr_assert_eq(policy(&t, PART, 22), 1);
	cr_assert_eq(policy(&t, PART, 23), 1);
	cr_assert_eq(policy(&t, PART, 43), 0);
	CK_ULONG v;
	cr_assert_eq(t.l->hsmlab_CA_GetPolicy(t.slot, PART, 7, &v), CKR_ARGUMENTS_BAD);
	cr_assert_eq(set(&t, PART, 20, 3, CO_PW), CKR_PIN_INCORRECT, "the CO is not the PSO");
	cr_assert_eq(set(&t, PART, 20, 3, HSO_PW), CKR_PIN_INCORRECT, "nor the HSM SO");
	cr_assert_eq(set(&t, HSM, 15, 1, PSO_PW), CKR_PIN_INCORRECT, "HSM policies: HSM SO");
	cr_assert_eq(policy(&t, PART, 20), 10, "nothing changed");
	cr_assert_eq(set(&t, PART, 20, 11, PSO_PW), CKR_ARGUMENTS_BAD, "above the capability");
	cr_assert_eq(set(&t, PART, 20, 0, PSO_PW), CKR_ARGUMENTS_BAD);
	cr_assert_eq(set(&t, PART, 22, 2, PSO_PW), CKR_ARGUMENTS_BAD);
	cr_assert_eq(set(&t, PART, 99, 1, PSO_PW), CKR_ARGUMENTS_BAD);
	cr_assert_eq(set(&t, PART, 20, 3, PSO_PW), CKR_OK, "%s", t.f->last_error());
	CK_SLOT_ID slot = t.slot;
	hl_p11_module_free(t.m.mod);
	fam_load(&t.m, "luna");
	t.l = fam_luna(&t.m);
	t.f = fam_ext(&t.m);
	t.slot = slot;
	cr_assert_eq(policy(&t, PART, 20), 3, "stored: a restart keeps it");
	/* Partition policy 20 is the lockout count: 3 failures lock the CO. */
	CK_SESSION_HANDLE s = session(&t);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), USER_LOCKED_OUT);
	hl_p11_module_free(t.m.mod);
}

/* HSM policy 15: off, the Partition SO cannot reset a locked-out CO; switching it on is
 * destructive (the partition goes); on, the reset works. */
Test(luna_policies, so_reset_needs_policy_15)
{
	luna_t t;
	open_luna(&t);
	password_partition(&t);
	cr_assert_eq(set(&t, PART, 20, 1, PSO_PW), CKR_OK);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), USER_LOCKED_OUT);
	cr_assert_eq(login(&t, s, CKU_SO, PSO_PW), CKR_OK);
	cr_assert_eq(t.m.fn->C_InitPIN(s, (CK_UTF8CHAR_PTR) "co-pass-2", 9), CKR_ACTION_PROHIBITED,
		     "policy 15 off: locked out for good");
	cr_assert_eq(t.m.fn->C_CloseSession(s), CKR_OK);
	cr_assert_eq(set(&t, HSM, 15, 1, HSO_PW), CKR_OK, "%s", t.f->last_error());
	cr_assert_not(status(&t).partition, "destructive: the partition is zeroized");
	cr_assert_eq(policy(&t, HSM, 15), 1, "HSM policies outlive the partition");
	cr_assert_eq(policy(&t, PART, 20), 10, "partition policies go with it");
	new_partition(&t);
	cr_assert_eq(set(&t, PART, 20, 1, PSO_PW), CKR_OK);
	s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), USER_LOCKED_OUT);
	cr_assert_eq(login(&t, s, CKU_SO, PSO_PW), CKR_OK);
	cr_assert_eq(t.m.fn->C_InitPIN(s, (CK_UTF8CHAR_PTR) "co-pass-2", 9), CKR_OK,
		     "policy 15 on: the Partition SO resets the CO");
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "co-pass-2"), CKR_OK);
	hl_p11_module_free(t.m.mod);
}

/* Partition policies 22 and 23 gate activation and its survival of an outage (L2). */
Test(luna_policies, activation_policies_22_and_23)
{
	luna_t t;
	hsmlab_luna_auth_t co = pw(CO_PW);
	open_luna(&t);
	password_partition(&t);
	cr_assert_eq(set(&t, PART, 22, 0, PSO_PW), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &co, NULL), CKR_OPERATION_NOT_INITIALIZED,
		     "policy 22 off: no activation");
	cr_assert_eq(set(&t, PART, 22, 1, PSO_PW), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &co, NULL), CKR_OK, "%s", t.f->last_error());
	cr_assert_eq(set(&t, PART, 23, 0, PSO_PW), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_FALSE), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_TRUE), CKR_OK);
	cr_assert_not(status(&t).activated, "policy 23 off: a power cycle ends the activation");
	cr_assert_eq(set(&t, PART, 23, 1, PSO_PW), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &co, NULL), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_FALSE), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_TRUE), CKR_OK);
	cr_assert(status(&t).activated, "policy 23 on: kept through a short outage");
	cr_assert_eq(set(&t, PART, 22, 0, PSO_PW), CKR_OK);
	cr_assert_not(status(&t).activated, "activation off ends the activation");
	hl_p11_module_free(t.m.mod);
}

static bool logged(luna_t *t, const char *what)
{
	char path[320], line[1024];
	snprintf(path, sizeof(path), "%s/audit.txt", lab.dir);
	cr_assert_eq(t->f->audit_export(t->slot, path), CKR_OK);
	FILE *f = fopen(path, "r");
	bool seen = false;
	while (f && fgets(line, sizeof(line), f))
		seen = seen || (strstr(line, " state-change policy ") && strstr(line, what));
	if (f)
		fclose(f);
	return seen;
}

/* Partition policy 43 never allows more than HSM policy 12; changing 12 is destructive; each
 * change is in the audit log. */
Test(luna_policies, non_fips_policies_12_and_43)
{
	luna_t t;
	open_luna(&t);
	password_partition(&t);
	cr_assert_eq(set(&t, PART, 43, 1, PSO_PW), CKR_ARGUMENTS_BAD, "12 off forbids it");
	cr_assert_eq(set(&t, PART, 43, 0, PSO_PW), CKR_OK);
	cr_assert_eq(set(&t, HSM, 12, 1, HSO_PW), CKR_OK, "%s", t.f->last_error());
	cr_assert_not(status(&t).partition, "destructive: the partition is zeroized");
	new_partition(&t);
	cr_assert_eq(set(&t, PART, 43, 1, PSO_PW), CKR_OK, "%s", t.f->last_error());
	cr_assert_eq(policy(&t, PART, 43), 1);
	cr_assert(logged(&t, "hsm%2012%20(Allow%20non-FIPS%20algorithms)%200%20->%201:%20partition"
			     "%20zeroized"),
		  "recorded, with its consequence");
	cr_assert(logged(&t, "partition%2043%20(Allow%20non-FIPS%20algorithms)%200%20->%201"));
	hl_p11_module_free(t.m.mod);
}

/* -- the vendor table 1.2 roles -- */

#define LCO_TYPE HSMLAB_LUNA_CKU_LIMITED_USER
#define LCO_PW "lco-pass-1"
#define AU_PW "au-pass-1"

static CK_RV init_role(luna_t *t, CK_ULONG role, const char *by, const char *pw_new)
{
	hsmlab_luna_auth_t a = pw(by);
	hsmlab_luna_cred_t c = new_pw(pw_new);
	return t->l->hsmlab_CA_InitRole(t->slot, role, &a, &c);
}

/* The Limited Crypto Officer: made by the CO only, logs in with its own password and count,
 * makes and uses keys; its password is no CO's (no CU, no policy); a new CO drops it. */
Test(luna_policies, limited_crypto_officer)
{
	luna_t t;
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[512];
	open_luna(&t);
	password_partition(&t);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, LCO_TYPE, LCO_PW), CKR_USER_PIN_NOT_INITIALIZED, "none yet");
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_LCO, PSO_PW, LCO_PW), CKR_PIN_INCORRECT,
		     "the Partition SO does not make the LCO");
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_LCO, CO_PW, LCO_PW), CKR_OK, "%s",
		     t.f->last_error());
	cr_assert(roles(&t).lco);
	CK_ULONG co_failed = status(&t).co_failed;
	cr_assert_eq(login(&t, s, LCO_TYPE, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(roles(&t).lco_failed, 1);
	cr_assert_eq(status(&t).co_failed, co_failed, "its own count, not the CO's");
	cr_assert_eq(login(&t, s, LCO_TYPE, CO_PW), CKR_PIN_INCORRECT, "its own password");
	cr_assert_eq(login(&t, s, LCO_TYPE, LCO_PW), CKR_OK, "%s", t.f->last_error());
	cr_assert_eq(roles(&t).lco_failed, 0, "a login resets the count");
	fam_rsa_keygen(&t.m, s, "KSK", &pub, &priv);
	CK_ULONG n = fam_sign(&t.m, s, priv, CKM_SHA256_RSA_PKCS, "abc", 3, sig);
	cr_assert_eq(fam_verify(&t.m, s, pub, CKM_SHA256_RSA_PKCS, "abc", 3, sig, n), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_USER_ALREADY_LOGGED_IN);
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_CU, LCO_PW, CU_PW), CKR_PIN_INCORRECT,
		     "the LCO does not make the CU");
	cr_assert_eq(set(&t, PART, 22, 0, LCO_PW), CKR_PIN_INCORRECT, "nor sets policies");
	cr_assert_eq(set(&t, PART, 20, 2, PSO_PW), CKR_OK);
	for (int i = 0; i < 2; i++)
		cr_assert_eq(login(&t, s, LCO_TYPE, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, LCO_TYPE, LCO_PW), USER_LOCKED_OUT, "policy 20's count");
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK, "the LCO's lockout leaves the CO");
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_CO, PSO_PW, "co-pass-2"), CKR_OK);
	cr_assert_not(roles(&t).lco, "a new CO starts a new chain of roles");
	hl_p11_module_free(t.m.mod);
}

/* The CO's lockout (partition policy 20) locks the LCO with it, as it does the CU (L3). */
Test(luna_policies, co_lockout_locks_the_lco)
{
	luna_t t;
	open_luna(&t);
	password_partition(&t);
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_LCO, CO_PW, LCO_PW), CKR_OK);
	cr_assert_eq(set(&t, PART, 20, 1, PSO_PW), CKR_OK);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, LCO_TYPE, LCO_PW), USER_LOCKED_OUT, "locked with the CO");
	cr_assert_eq(roles(&t).lco_failed, 0, "refused before its password was checked");
	hl_p11_module_free(t.m.mod);
}

/* The Audit role: made by the HSM SO only, outlives the partition, and the partition's slot
 * has no such user. */
Test(luna_policies, audit_role)
{
	luna_t t;
	open_luna(&t);
	password_partition(&t);
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_AUDIT, PSO_PW, AU_PW), CKR_PIN_INCORRECT,
		     "the Partition SO does not make the Audit role");
	cr_assert_eq(status(&t).hso_failed, 1, "a wrong HSM SO password counts (L3)");
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_AUDIT, HSO_PW, "short"), CKR_PIN_LEN_RANGE);
	cr_assert_eq(init_role(&t, HSMLAB_LUNA_ROLE_AUDIT, HSO_PW, AU_PW), CKR_OK, "%s",
		     t.f->last_error());
	cr_assert(roles(&t).audit);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, HSMLAB_LUNA_CKU_AUDIT, AU_PW), CKR_USER_TYPE_INVALID,
		     "the Audit role logs in on the admin slot only");
	cr_assert_eq(t.m.fn->C_CloseSession(s), CKR_OK);
	cr_assert_eq(set(&t, HSM, 15, 1, HSO_PW), CKR_OK, "destructive: the partition goes");
	cr_assert_not(status(&t).partition);
	cr_assert(roles(&t).audit, "the Audit role lives on the admin partition");
	hl_p11_module_free(t.m.mod);
}
