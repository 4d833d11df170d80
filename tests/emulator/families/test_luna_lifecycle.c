/* SPDX-License-Identifier: BSD-2-Clause
 * The Luna lifecycle (quirks.md L2, L3, L12) through libhsmlab-luna.so's "hsmlab luna" table
 * and PKCS#11: every step and its refusals out of order, Secure Transport Mode, multifactor
 * activation and the challenge secret, power and tamper, the failed-login consequences;
 * and their absence on the generic module's strict profile. */
#include <sys/stat.h>

#include "device/hl_device.h"
#include "famlab.h"

static testlab_t lab;
static char ikeys_dir[160];

static void setup(void)
{
	testlab_make(&lab);
	snprintf(ikeys_dir, sizeof(ikeys_dir), "%s/ikeys", lab.dir);
	cr_assert_eq(mkdir(ikeys_dir, 0700), 0);
}

static void teardown(void)
{
	testlab_remove(&lab);
}

TestSuite(luna_lifecycle, .init = setup, .fini = teardown);

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

static hsmlab_luna_auth_t pw(const char *p)
{
	return (hsmlab_luna_auth_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = p };
}

static hsmlab_luna_cred_t new_pw(const char *p)
{
	return (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = p };
}

/* M of N iKeys of a new credential, written to the lab's ikeys dir. */
static hsmlab_luna_cred_t new_ikeys(CK_ULONG m, CK_ULONG n, const char *challenge)
{
	return (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_MULTIFACTOR,
				     .password = "dom",
				     .dir = ikeys_dir,
				     .m = m,
				     .n = n,
				     .challenge = challenge };
}

/* iKeys <dir>/luna-<kind>-<i>.card for the indices given (paths kept in buf). */
static hsmlab_luna_auth_t ikeys(const char *kind, const int *idx, int n, char buf[][256],
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

static void open_luna(luna_t *t)
{
	fam_load(&t->m, "luna");
	t->l = fam_luna(&t->m);
	t->f = fam_ext(&t->m);
	cr_assert_not_null(t->l);
	cr_assert_eq(t->l->version.major, 1);
	cr_assert_eq(t->m.ext->device_create(NULL, &t->slot, NULL), CKR_OK);
}

static hsmlab_luna_status_t status(luna_t *t)
{
	hsmlab_luna_status_t s;
	cr_assert_eq(t->l->hsmlab_CA_GetStatus(t->slot, &s), CKR_OK, "%s", t->f->last_error());
	return s;
}

static void recover(luna_t *t)
{
	hsmlab_luna_status_t s = status(t);
	hsmlab_luna_auth_t f = pw(HSMLAB_LUNA_FACTORY_SO_PASSWORD);
	cr_assert_eq(t->l->hsmlab_CA_RecoverSTM(t->slot, s.user_string, s.fingerprint, &f), CKR_OK,
		     "%s", t->f->last_error());
}

/* STM recovered, hard init, partition, CO (password). */
static void password_partition(luna_t *t)
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

static CK_SESSION_HANDLE session(luna_t *t)
{
	CK_SESSION_HANDLE s;
	cr_assert_eq(
	    t->m.fn->C_OpenSession(t->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	return s;
}

static CK_RV login(luna_t *t, CK_SESSION_HANDLE s, CK_USER_TYPE u, const char *pin)
{
	return t->m.fn->C_Login(s, u, (CK_UTF8CHAR_PTR)pin, pin ? (CK_ULONG)strlen(pin) : 0);
}

static CK_FLAGS token_flags(luna_t *t)
{
	CK_TOKEN_INFO ti;
	cr_assert_eq(t->m.fn->C_GetTokenInfo(t->slot, &ti), CKR_OK);
	return ti.flags;
}

/* L12: each step refuses to run out of order and changes nothing; STM needs the string. */
Test(luna_lifecycle, steps_in_order_only)
{
	luna_t t;
	CK_UTF8CHAR label[32];
	open_luna(&t);
	hsmlab_luna_cred_t hso = new_pw(HSO_PW), pso = new_pw(PSO_PW), co = new_pw(CO_PW),
			   cu = new_pw(CU_PW);
	hsmlab_luna_auth_t by_hso = pw(HSO_PW), by_pso = pw(PSO_PW), by_co = pw(CO_PW);
	hsmlab_luna_auth_t factory = pw(HSMLAB_LUNA_FACTORY_SO_PASSWORD);
	hsmlab_luna_status_t s = status(&t);
	cr_assert_str_eq(s.state, "transport");
	cr_assert_eq(strlen(s.user_string), 19);
	memset(label, ' ', sizeof(label));
	cr_assert_eq(t.m.fn->C_InitToken(t.slot, (CK_UTF8CHAR_PTR)PSO_PW, 10, label),
		     CKR_OPERATION_NOT_INITIALIZED, "C_InitToken before hard init");
	/* L12: the console's steps in transport get the vendor's STM code (stm_refused_code). */
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &hso, NULL, &hso), STM_CMD_NON_TRANSPORT,
		     "hard init in STM");
	cr_assert_eq(t.l->hsmlab_CA_CreatePartition(t.slot, "p", &by_hso, &pso, &pso),
		     STM_CMD_NON_TRANSPORT, "partition in STM");
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &by_hso), STM_CMD_NON_TRANSPORT,
		     "HSM SO login in STM");
	/* A wrong user string or fingerprint fails and changes nothing. */
	cr_assert_eq(
	    t.l->hsmlab_CA_RecoverSTM(t.slot, "AAAA-AAAA-AAAA-AAAA", s.fingerprint, &factory),
	    CKR_DATA_INVALID);
	cr_assert_eq(
	    t.l->hsmlab_CA_RecoverSTM(t.slot, s.user_string, "0000-0000-0000-0000", &factory),
	    CKR_DATA_INVALID);
	hsmlab_luna_status_t after = status(&t);
	cr_assert_str_eq(after.state, "transport");
	cr_assert_str_eq(after.fingerprint, s.fingerprint);
	cr_assert_eq(after.hso_failed, 0);
	recover(&t);
	cr_assert_str_eq(status(&t).state, "uninitialized");
	cr_assert_eq(t.l->hsmlab_CA_CreatePartition(t.slot, "p", &by_hso, &pso, &pso),
		     CKR_OPERATION_NOT_INITIALIZED, "partition before hard init");
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &hso, NULL, &hso), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_InitRole(t.slot, HSMLAB_LUNA_ROLE_CO, &by_pso, &co),
		     CKR_OPERATION_NOT_INITIALIZED, "CO before the partition");
	cr_assert_eq(t.l->hsmlab_CA_CreatePartition(t.slot, "part", &by_hso, &pso, &pso), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_CreatePartition(t.slot, "part", &by_hso, &pso, &pso),
		     CKR_OPERATION_NOT_INITIALIZED, "a second partition");
	cr_assert_eq(t.l->hsmlab_CA_InitRole(t.slot, HSMLAB_LUNA_ROLE_CU, &by_co, &cu),
		     CKR_OPERATION_NOT_INITIALIZED, "CU before CO");
	cr_assert_eq(t.l->hsmlab_CA_InitRole(t.slot, HSMLAB_LUNA_ROLE_CO, &by_pso, &co), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_InitRole(t.slot, HSMLAB_LUNA_ROLE_CU, &by_co, &cu), CKR_OK);
	s = status(&t);
	cr_assert(s.partition && s.co && s.cu);
	cr_assert_eq(s.method, HSMLAB_LUNA_AUTH_PASSWORD);
	/* The method is fixed until zeroized: a multifactor re-init is refused. */
	hsmlab_luna_cred_t mf = new_ikeys(1, 1, NULL);
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &mf, &by_hso, &mf), CKR_FUNCTION_FAILED);
	cr_assert(status(&t).partition, "the refused re-init changed nothing");
	/* A re-init with the same method and the HSM SO: the partition goes. */
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm2", &hso, &by_hso, &hso), CKR_OK);
	s = status(&t);
	cr_assert(!s.partition && !s.co && !s.cu);
	cr_assert_str_eq(s.hsm_label, "hsm2");
	cr_assert_eq(t.l->hsmlab_CA_Zeroize(t.slot), CKR_OK);
	cr_assert_str_eq(status(&t).state, "zeroized");
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm3", &mf, NULL, &mf), CKR_OK,
		     "after zeroize the other method is fine: %s", t.f->last_error());
	cr_assert_eq(status(&t).method, HSMLAB_LUNA_AUTH_MULTIFACTOR);
	hl_p11_module_free(t.m.mod);
}

/* A multifactor device up to an activated partition: HSM SO and domain 2 of 3, Partition SO
 * 2 of 3, CO 2 of 3 with challenge secret "challenge-1". */
static void multifactor_partition(luna_t *t)
{
	char b1[2][256], b2[2][256];
	const char *p1[2], *p2[2];
	const int two[] = { 1, 3 };
	hsmlab_luna_cred_t hso = new_ikeys(2, 3, NULL), pso = new_ikeys(2, 3, NULL),
			   co = new_ikeys(2, 3, "challenge-1"), dom = new_pw("pdom");
	recover(t);
	cr_assert_eq(t->l->hsmlab_CA_InitHSM(t->slot, "hsm", &hso, NULL, &hso), CKR_OK, "%s",
		     t->f->last_error());
	hsmlab_luna_auth_t by_hso = ikeys("hsm-so", two, 2, b1, p1);
	cr_assert_eq(t->l->hsmlab_CA_CreatePartition(t->slot, "part", &by_hso, &pso, &dom), CKR_OK,
		     "%s", t->f->last_error());
	hsmlab_luna_auth_t by_pso = ikeys("partition-so", two, 2, b2, p2);
	cr_assert_eq(t->l->hsmlab_CA_InitRole(t->slot, HSMLAB_LUNA_ROLE_CO, &by_pso, &co), CKR_OK,
		     "%s", t->f->last_error());
}

/* L2: the CO's iKeys activate; C_Login then takes the challenge secret; wrong iKeys each
 * get their own refusal and are no failed login; deactivation ends it. */
Test(luna_lifecycle, multifactor_activation_and_challenge)
{
	luna_t t;
	char b[3][256];
	const char *p[3];
	const int one[] = { 2 }, dup[] = { 2, 2 }, pso_keys[] = { 1, 2 }, co_keys[] = { 3, 1 };
	open_luna(&t);
	multifactor_partition(&t);
	cr_assert(token_flags(&t) & CKF_PROTECTED_AUTHENTICATION_PATH);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_FUNCTION_FAILED,
		     "not activated yet");
	cr_assert_eq(login(&t, s, CKU_SO, "anything-1"), CKR_FUNCTION_NOT_SUPPORTED,
		     "the Partition SO uses its iKeys on the console");
	hsmlab_luna_auth_t a = ikeys("co", one, 1, b, p);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_PIN_INCORRECT, "too few");
	cr_assert(strstr(t.f->last_error(), "too few"), "%s", t.f->last_error());
	a = ikeys("co", dup, 2, b, p);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_PIN_INCORRECT, "duplicate");
	cr_assert(strstr(t.f->last_error(), "twice"), "%s", t.f->last_error());
	a = ikeys("partition-so", pso_keys, 2, b, p);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_PIN_INCORRECT, "wrong colour");
	cr_assert(strstr(t.f->last_error(), "wrong kind"), "%s", t.f->last_error());
	hsmlab_luna_status_t st = status(&t);
	cr_assert(!st.activated);
	cr_assert_eq(st.co_failed + st.pso_failed + st.hso_failed, 0, "a wrong iKey is no failure");
	a = ikeys("co", co_keys, 2, b, p);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_OK, "%s", t.f->last_error());
	cr_assert_eq(login(&t, s, CKU_USER, NULL), CKR_PIN_INCORRECT, "no PED for a NULL PIN");
	cr_assert_eq(status(&t).co_failed, 0, "a NULL PIN is not counted");
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_OK);
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Deactivate(t.slot), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_FUNCTION_FAILED, "deactivated");
	/* Activating again sets a new challenge secret. */
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, "challenge-2"), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-2"), CKR_OK);
	hl_p11_module_free(t.m.mod);
}

/* L2: activation survives an outage up to the policy's 2 h on the device clock, not a
 * longer one, and not a tamper. */
Test(luna_lifecycle, power_outage_and_tamper)
{
	luna_t t;
	char b[2][256];
	const char *p[2];
	const int co_keys[] = { 1, 2 };
	long long now = 0, off = 0;
	open_luna(&t);
	multifactor_partition(&t);
	hsmlab_luna_auth_t a = ikeys("co", co_keys, 2, b, p);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_OK, "%s", t.f->last_error());
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(t.f->clock_get(t.slot, &now, &off), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_FALSE), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_DEVICE_REMOVED, "powered off");
	cr_assert_eq(t.f->clock_set(t.slot, now + 3600), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_TRUE), CKR_OK);
	cr_assert(status(&t).activated, "kept through 1 h off");
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_FALSE), CKR_OK);
	cr_assert_eq(t.f->clock_set(t.slot, now + 3600 + 3 * 3600), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_TRUE), CKR_OK);
	cr_assert(!status(&t).activated, "cleared after 3 h off");
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_FUNCTION_FAILED);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Tamper(t.slot), CKR_OK);
	cr_assert(!status(&t).activated, "tamper clears the activation");
	/* L14: the tamper halts the HSM: the login ended, logins and steps get the vendor's
	 * tamper code until a reset (power off/on); the HSM SO still logs in. */
	CK_SESSION_INFO si;
	cr_assert_eq(t.m.fn->C_GetSessionInfo(s, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RW_PUBLIC_SESSION, "the halt ended the login");
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), HSM_TAMPERED);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), HSM_TAMPERED);
	cr_assert_eq(t.l->hsmlab_CA_Deactivate(t.slot), HSM_TAMPERED);
	cr_assert_str_eq(status(&t).state, "initialized", "status still answers");
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_FALSE), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_Power(t.slot, CK_TRUE), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_FUNCTION_FAILED,
		     "after the reset: not activated");
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_OK, "%s", t.f->last_error());
	cr_assert_eq(login(&t, s, CKU_USER, "challenge-1"), CKR_OK);
	hl_p11_module_free(t.m.mod);
}

/* L2: a password partition has no protected authentication path and needs no activation
 * (it may activate with the CO's password). */
Test(luna_lifecycle, password_partition_flags)
{
	luna_t t;
	const char *none[1] = { NULL };
	open_luna(&t);
	password_partition(&t);
	cr_assert_not(token_flags(&t) & CKF_PROTECTED_AUTHENTICATION_PATH);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK, "no activation needed");
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	hsmlab_luna_auth_t a = { .method = HSMLAB_LUNA_AUTH_MULTIFACTOR, .ikeys = none };
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &a, NULL), CKR_FUNCTION_FAILED, "iKeys");
	hsmlab_luna_auth_t wrong = pw("wrong-pass"), co = pw(CO_PW);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &wrong, NULL), CKR_PIN_INCORRECT);
	cr_assert_eq(t.l->hsmlab_CA_Activate(t.slot, &co, NULL), CKR_OK, "%s", t.f->last_error());
	cr_assert(status(&t).activated);
	hl_p11_module_free(t.m.mod);
}

/* A password partition whose CO made the Crypto User (CU_PW); a session on it. */
static CK_SESSION_HANDLE with_crypto_user(luna_t *t)
{
	open_luna(t);
	password_partition(t);
	hsmlab_luna_auth_t by_co = pw(CO_PW);
	hsmlab_luna_cred_t cu = new_pw(CU_PW);
	cr_assert_eq(t->l->hsmlab_CA_InitRole(t->slot, HSMLAB_LUNA_ROLE_CU, &by_co, &cu), CKR_OK);
	return session(t);
}

/* L1: the Crypto User logs in with its own password, signs, and makes no objects. */
Test(luna_lifecycle, crypto_user_signs_only)
{
	luna_t t;
	CK_OBJECT_HANDLE pub, priv, k2, k3;
	CK_BYTE sig[512];
	CK_SESSION_HANDLE s = with_crypto_user(&t);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK);
	fam_rsa_keygen(&t.m, s, "KSK", &pub, &priv);
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(login(&t, s, CU_TYPE, CO_PW), CKR_PIN_INCORRECT, "the CO's password");
	cr_assert_eq(login(&t, s, CU_TYPE, CU_PW), CKR_OK);
	/* L5/G5: handles change across a re-login: find the key again. */
	CK_OBJECT_CLASS pk = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE kt[] = { { CKA_CLASS, &pk, sizeof(pk) } };
	CK_ULONG n = 0;
	cr_assert_eq(t.m.fn->C_FindObjectsInit(s, kt, 1), CKR_OK);
	cr_assert_eq(t.m.fn->C_FindObjects(s, &priv, 1, &n), CKR_OK);
	cr_assert_eq(t.m.fn->C_FindObjectsFinal(s), CKR_OK);
	cr_assert_eq(n, 1, "the CU sees the CO's key");
	cr_assert_gt(fam_sign(&t.m, s, priv, CKM_SHA256_RSA_PKCS, "x", 1, sig), 0);
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	cr_assert_eq(t.m.fn->C_GenerateKeyPair(s, &mech, pt, 1, NULL, 0, &k2, &k3),
		     CKR_USER_NOT_LOGGED_IN, "the CU makes no keys");
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_ATTRIBUTE dt[] = { { CKA_CLASS, &cls, sizeof(cls) } };
	cr_assert_eq(t.m.fn->C_CreateObject(s, dt, 1, &k2), CKR_USER_NOT_LOGGED_IN);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_USER_ALREADY_LOGGED_IN);
	cr_assert_eq(t.m.fn->C_CreateObject(s, dt, 1, &k2), CKR_USER_NOT_LOGGED_IN, "still the CU");
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK);
	cr_assert_eq(t.m.fn->C_CreateObject(s, dt, 1, &k2), CKR_OK, "the CO does");
	hl_p11_module_free(t.m.mod);
}

/* L3: 3 wrong HSM SO passwords zeroize the whole device (the audit log stays and says so). */
Test(luna_lifecycle, hsm_so_three_failures_zeroize)
{
	luna_t t;
	CK_OBJECT_HANDLE pub, priv;
	unsigned long long before = 0, after = 0;
	char path[256], line[512];
	open_luna(&t);
	password_partition(&t);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK);
	fam_rsa_keygen(&t.m, s, "KSK", &pub, &priv);
	t.m.fn->C_CloseSession(s);
	hsmlab_luna_auth_t bad = pw("wrong-pass"), good = pw(HSO_PW);
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &good), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &bad), CKR_PIN_INCORRECT);
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &bad), CKR_PIN_INCORRECT);
	hsmlab_luna_status_t st = status(&t);
	cr_assert_eq(st.hso_failed, 2);
	cr_assert(st.partition, "2 failures change nothing else");
	cr_assert_eq(t.f->audit_count(t.slot, &before), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &bad), SO_LOGIN_FAILURE_THRESHOLD,
		     "the failure that zeroizes gets the vendor's threshold code");
	st = status(&t);
	cr_assert_str_eq(st.state, "zeroized");
	cr_assert(!st.partition && !st.co && st.method == 0);
	cr_assert_not(token_flags(&t) & CKF_TOKEN_INITIALIZED);
	cr_assert_eq(t.f->audit_count(t.slot, &after), CKR_OK);
	cr_assert_gt(after, before, "the audit log survives and grows");
	snprintf(path, sizeof(path), "%s/audit.txt", lab.dir);
	cr_assert_eq(t.f->audit_export(t.slot, path), CKR_OK);
	FILE *f = fopen(path, "r");
	bool seen = false;
	while (f && fgets(line, sizeof(line), f))
		seen = seen || (strstr(line, " zeroize device ") && strstr(line, "HSM%20SO"));
	if (f)
		fclose(f);
	cr_assert(seen, "the zeroization is in the log");
	hl_p11_module_free(t.m.mod);
}

/* L3 absent on strict: wrong SO logins lock the PIN, nothing is erased. */
Test(luna_lifecycle, strict_no_zeroize)
{
	fam_module_t g;
	CK_OBJECT_HANDLE pub, priv;
	fam_load(&g, "");
	cr_assert_null(fam_luna(&g), "no Luna table on the generic module");
	CK_SLOT_ID slot = fam_device(&g, "strict");
	CK_SESSION_HANDLE s = fam_login(&g, slot);
	fam_rsa_keygen(&g, s, "KSK", &pub, &priv);
	g.fn->C_Logout(s);
	for (int i = 0; i < 12; i++)
		g.fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR) "wrong-pin", 9);
	CK_TOKEN_INFO ti;
	cr_assert_eq(g.fn->C_GetTokenInfo(slot, &ti), CKR_OK);
	cr_assert(ti.flags & CKF_TOKEN_INITIALIZED);
	cr_assert(ti.flags & CKF_SO_PIN_LOCKED);
	cr_assert_eq(g.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE ft[] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_OBJECT_HANDLE found[4];
	CK_ULONG n = 0;
	cr_assert_eq(g.fn->C_FindObjectsInit(s, ft, 1), CKR_OK);
	cr_assert_eq(g.fn->C_FindObjects(s, found, 4, &n), CKR_OK);
	cr_assert_eq(n, 1, "the key is still there");
	hl_p11_module_free(g.mod);
}

/* L3: 10 wrong Partition SO logins zeroize the partition (the HSM stays initialized). */
Test(luna_lifecycle, partition_so_ten_failures_zeroize_partition)
{
	luna_t t;
	open_luna(&t);
	password_partition(&t);
	CK_SESSION_HANDLE s = session(&t);
	for (int i = 0; i < 9; i++)
		cr_assert_eq(login(&t, s, CKU_SO, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert(status(&t).partition, "9 failures leave it");
	cr_assert_eq(login(&t, s, CKU_SO, "wrong-pass"), CKR_PIN_INCORRECT);
	hsmlab_luna_status_t st = status(&t);
	cr_assert(!st.partition && !st.co);
	cr_assert_str_eq(st.state, "initialized", "the HSM keeps its hard init");
	t.m.fn->C_CloseSession(s);
	hsmlab_luna_auth_t by_hso = pw(HSO_PW);
	hsmlab_luna_cred_t pso = new_pw(PSO_PW);
	cr_assert_eq(t.l->hsmlab_CA_CreatePartition(t.slot, "again", &by_hso, &pso, &pso), CKR_OK,
		     "%s", t.f->last_error());
	hl_p11_module_free(t.m.mod);
}

/* L3 (partition_login.htm): 10 wrong CO logins lock the CO and the CU together. */
Test(luna_lifecycle, crypto_officer_lockout)
{
	luna_t t;
	CK_SESSION_HANDLE s = with_crypto_user(&t);
	for (int i = 0; i < 9; i++)
		cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CU_TYPE, CU_PW), CKR_OK, "9 CO failures leave the CU in");
	cr_assert_eq(t.m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), USER_LOCKED_OUT);
	cr_assert(token_flags(&t) & CKF_TOKEN_INITIALIZED, "a lockout erases nothing");
	cr_assert_eq(login(&t, s, CU_TYPE, CU_PW), USER_LOCKED_OUT, "the CU is locked with the CO");
	hsmlab_luna_auth_t by_co = pw(CO_PW);
	hsmlab_luna_cred_t cu2 = new_pw("cu-pass-2");
	cr_assert_eq(t.l->hsmlab_CA_InitRole(t.slot, HSMLAB_LUNA_ROLE_CU, &by_co, &cu2),
		     USER_LOCKED_OUT, "the console's CO authentication too");
	hl_p11_module_free(t.m.mod);
}

/* L3: the CU's own 10 failures lock the CU only; the CO still logs in. */
Test(luna_lifecycle, crypto_user_lockout_leaves_the_co)
{
	luna_t t;
	CK_SESSION_HANDLE s = with_crypto_user(&t);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(login(&t, s, CU_TYPE, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CU_TYPE, CU_PW), USER_LOCKED_OUT);
	cr_assert_eq(status(&t).cu_failed, 10);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK);
	hl_p11_module_free(t.m.mod);
}

/* The family's password verifier of key in the device's store checks pw with the core's PIN
 * verifier check (one format for the core's PINs and Luna's own credentials). */
static hl_status_t core_check(luna_t *t, const char *key, const char *pw)
{
	hsmlab_device_info_t d;
	char path[512], err[256] = "";
	hl_store_t *store = NULL;
	uint8_t *rec = NULL;
	size_t n = 0;
	cr_assert_eq(t->m.ext->device_info(t->slot, &d), CKR_OK);
	snprintf(path, sizeof(path), "%s/devices/%s.db", lab.lab, d.serial);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDONLY, &store, err, sizeof(err)), HL_OK, "%s",
		     err);
	cr_assert_eq(hl_store_meta_get(store, key, &rec, &n), HL_OK, "no %s in the store", key);
	hl_status_t st = hl_device_pin_verifier_check(rec, n, (const uint8_t *)pw, strlen(pw));
	free(rec);
	hl_store_close(store);
	return st;
}

Test(luna_lifecycle, credentials_are_the_core_pin_verifiers)
{
	luna_t t;
	CK_SESSION_HANDLE s = with_crypto_user(&t);
	cr_assert_eq(core_check(&t, "luna_hso", HSO_PW), HL_OK);
	cr_assert_eq(core_check(&t, "luna_pdom", PSO_PW), HL_OK, "the partition's domain");
	cr_assert_eq(core_check(&t, "luna_cu", CU_PW), HL_OK);
	cr_assert_eq(core_check(&t, "so_pin", PSO_PW), HL_OK, "the core's own");
	cr_assert_eq(core_check(&t, "user_pin", CO_PW), HL_OK, "the core's own");
	cr_assert_eq(core_check(&t, "luna_hso", PSO_PW), HL_ERR_PIN_INCORRECT);
	cr_assert_eq(core_check(&t, "luna_cu", CO_PW), HL_ERR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CU_TYPE, CU_PW), CKR_OK, "and the family still checks it");
	hl_p11_module_free(t.m.mod);
}

/* Whether the device's store holds meta key (read beside the module, read-only). */
static bool has_meta(luna_t *t, const char *key)
{
	hsmlab_device_info_t d;
	char path[512], err[256] = "";
	hl_store_t *store = NULL;
	uint8_t *rec = NULL;
	size_t n = 0;
	cr_assert_eq(t->m.ext->device_info(t->slot, &d), CKR_OK);
	snprintf(path, sizeof(path), "%s/devices/%s.db", lab.lab, d.serial);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDONLY, &store, err, sizeof(err)), HL_OK, "%s",
		     err);
	bool has = hl_store_meta_get(store, key, &rec, &n) == HL_OK;
	free(rec);
	hl_store_close(store);
	return has;
}

static unsigned long long records(luna_t *t)
{
	unsigned long long n = 0;
	cr_assert_eq(t->f->audit_count(t->slot, &n), CKR_OK);
	return n;
}

/* Issue 13: the steps of a token init check their inputs (the password rules of the
 * profile) before their first change: a short HSM SO or Partition SO password is refused
 * with the rule named, no HSM SO attempt spent, no record written, nothing changed. */
Test(luna_lifecycle, short_passwords_refused_before_any_change)
{
	luna_t t;
	open_luna(&t);
	recover(&t);
	hsmlab_luna_cred_t shorty = new_pw("six666"), hso = new_pw(HSO_PW);
	unsigned long long n = records(&t);
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &shorty, NULL, &shorty),
		     CKR_PIN_LEN_RANGE);
	cr_assert_not_null(strstr(t.f->last_error(), "has 6 characters"), "%s", t.f->last_error());
	cr_assert_not_null(strstr(t.f->last_error(), "nothing changed"), "%s", t.f->last_error());
	cr_assert_str_eq(status(&t).state, "uninitialized");
	cr_assert_eq(records(&t), n);
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &hso, NULL, &hso), CKR_OK);
	hsmlab_luna_auth_t by_hso = pw(HSO_PW);
	n = records(&t);
	cr_assert_eq(t.l->hsmlab_CA_CreatePartition(t.slot, "part", &by_hso, &shorty, &shorty),
		     CKR_PIN_LEN_RANGE);
	cr_assert_not_null(strstr(t.f->last_error(), "Partition SO password has 6"), "%s",
			   t.f->last_error());
	hsmlab_luna_status_t st = status(&t);
	cr_assert(!st.partition && st.hso_failed == 0);
	cr_assert_eq(records(&t), n, "a refused partition wrote a record (the HSM SO's login)");
	cr_assert_not(has_meta(&t, "luna_pdom"));
	hl_p11_module_free(t.m.mod);
}

/* Issue 13: the vendor table's token init (the console's) checks every input before its
 * first change and writes all of it in one transaction: a short CO password or a wrong
 * factory password leaves the device in Secure Transport Mode with no record beyond the
 * counted attempt; then the whole sequence succeeds, the CO logs in with its password. */
Test(luna_lifecycle, token_init_is_all_or_nothing)
{
	luna_t t;
	open_luna(&t);
	hsmlab_luna_auth_t factory = pw(HSMLAB_LUNA_FACTORY_SO_PASSWORD), bad = pw("not-it-1");
	unsigned long long n = records(&t);
	cr_assert_eq(t.l->hsmlab_CA_InitToken(t.slot, "ksk", &factory, HSO_PW, "co-1"),
		     CKR_PIN_LEN_RANGE);
	cr_assert_not_null(strstr(t.f->last_error(), "Crypto Officer password has 4"), "%s",
			   t.f->last_error());
	cr_assert_str_eq(status(&t).state, "transport");
	cr_assert_eq(records(&t), n);
	cr_assert_eq(t.l->hsmlab_CA_InitToken(t.slot, "ksk", &bad, HSO_PW, CO_PW),
		     CKR_PIN_INCORRECT);
	hsmlab_luna_status_t st = status(&t);
	cr_assert(!strcmp(st.state, "transport") && st.hso_failed == 1 && !st.partition);
	cr_assert_eq(records(&t), n + 1, "only the failed login is recorded");
	cr_assert_eq(t.l->hsmlab_CA_InitToken(t.slot, "ksk", &factory, HSO_PW, CO_PW), CKR_OK, "%s",
		     t.f->last_error());
	st = status(&t);
	cr_assert(!strcmp(st.state, "initialized") && st.partition && st.co && !st.cu &&
		  st.hso_failed == 0);
	cr_assert(has_meta(&t, "luna_pdom"));
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK, "%s", t.f->last_error());
	t.m.fn->C_CloseSession(s);
	hl_p11_module_free(t.m.mod);
}

/* Issue 13: a mistyped factory password at STM recover counts (L3) and says what is left,
 * but the fingerprint the operator compares stays the same, so the retry with the same
 * strings works. */
Test(luna_lifecycle, wrong_stm_password_keeps_the_fingerprint)
{
	luna_t t;
	open_luna(&t);
	hsmlab_luna_status_t s = status(&t);
	hsmlab_luna_auth_t bad = pw("not-the-factory-one"),
			   good = pw(HSMLAB_LUNA_FACTORY_SO_PASSWORD);
	cr_assert_eq(t.l->hsmlab_CA_RecoverSTM(t.slot, s.user_string, s.fingerprint, &bad),
		     CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(t.f->last_error(), "2 more and the device zeroizes"), "%s",
			   t.f->last_error());
	hsmlab_luna_status_t after = status(&t);
	cr_assert_eq(after.hso_failed, 1);
	cr_assert_str_eq(after.fingerprint, s.fingerprint, "the failure changed the fingerprint");
	cr_assert_eq(t.l->hsmlab_CA_RecoverSTM(t.slot, s.user_string, s.fingerprint, &good), CKR_OK,
		     "%s", t.f->last_error());
	hl_p11_module_free(t.m.mod);
}

/* Issue 14: re-initialising a password partition through C_InitToken leaves no Crypto User
 * of the old token (its verifier and failure count go in the same transaction); a wrong
 * login says what is left before the lockout or the partition's zeroize (L3). */
Test(luna_lifecycle, init_token_drops_the_old_crypto_user)
{
	luna_t t;
	CK_UTF8CHAR label[32];
	CK_SESSION_HANDLE s = with_crypto_user(&t);
	cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(t.f->last_error(), "9 more and it locks"), "%s",
			   t.f->last_error());
	cr_assert_eq(login(&t, s, CU_TYPE, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(t.f->last_error(), "Crypto User: wrong password (1 of"), "%s",
			   t.f->last_error());
	cr_assert_eq(login(&t, s, CKU_SO, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_not_null(strstr(t.f->last_error(), "9 more and the partition zeroizes"), "%s",
			   t.f->last_error());
	cr_assert(has_meta(&t, "luna_cu") && has_meta(&t, "luna_cu_failed"));
	t.m.fn->C_CloseSession(s);
	memset(label, ' ', sizeof(label));
	memcpy(label, "again", 5);
	cr_assert_eq(t.m.fn->C_InitToken(t.slot, (CK_UTF8CHAR_PTR)PSO_PW, strlen(PSO_PW), label),
		     CKR_OK, "%s", t.f->last_error());
	cr_assert_not(status(&t).cu, "the old token's Crypto User survived C_InitToken");
	cr_assert_not(has_meta(&t, "luna_cu"));
	cr_assert_not(has_meta(&t, "luna_cu_failed"));
	hl_p11_module_free(t.m.mod);
}

/* The four codes are profile values: with them off, the spec's codes (CKR_PIN_LOCKED,
 * CKR_PIN_INCORRECT, CKR_OPERATION_NOT_INITIALIZED, CKR_DEVICE_ERROR). */
Test(luna_lifecycle, vendor_codes_off_give_the_spec_codes)
{
	luna_t t;
	char dir[256];
	fam_user_profile(lab.dir, "luna", "luna-spec",
			 "-e '/^ *\\(locked_out\\|so_threshold\\|stm_refused\\|tampered\\)_code/"
			 "s/on = true/on = false/'",
			 dir, sizeof(dir));
	fam_load(&t.m, "luna");
	t.l = fam_luna(&t.m);
	t.f = fam_ext(&t.m);
	cr_assert_eq(t.m.ext->device_create("luna-spec", &t.slot, NULL), CKR_OK, "%s",
		     t.m.ext->last_error());
	hsmlab_luna_cred_t hso = new_pw(HSO_PW);
	hsmlab_luna_auth_t by_hso = pw(HSO_PW), bad = pw("wrong-pass");
	cr_assert_eq(t.l->hsmlab_CA_InitHSM(t.slot, "hsm", &hso, NULL, &hso),
		     CKR_OPERATION_NOT_INITIALIZED, "in STM");
	password_partition(&t);
	CK_SESSION_HANDLE s = session(&t);
	for (int i = 0; i < 10; i++)
		cr_assert_eq(login(&t, s, CKU_USER, "wrong-pass"), CKR_PIN_INCORRECT);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_PIN_LOCKED);
	cr_assert_eq(t.l->hsmlab_CA_Tamper(t.slot), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &by_hso), CKR_OK, "the HSM SO logs in");
	cr_assert_eq(t.l->hsmlab_CA_Deactivate(t.slot), CKR_DEVICE_ERROR);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(t.l->hsmlab_CA_LoginHSM(t.slot, &bad), CKR_PIN_INCORRECT);
	cr_assert_str_eq(status(&t).state, "zeroized");
	hl_p11_module_free(t.m.mod);
}

/* L12: the HSM SO puts an initialized device back into STM (stm transport): every login
 * ends, the partition refuses everything (the STM code), a new user string is shown; only the
 * HSM SO's own credential (not the factory one) recovers it, keys and roles intact. */
Test(luna_lifecycle, stm_transport_and_back)
{
	luna_t t;
	CK_OBJECT_HANDLE pub, priv;
	open_luna(&t);
	hsmlab_luna_status_t factory = status(&t);
	password_partition(&t);
	CK_SESSION_HANDLE s = session(&t);
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK);
	fam_rsa_keygen(&t.m, s, "KSK", &pub, &priv);
	hsmlab_luna_auth_t bad = pw("wrong-pass"), hso = pw(HSO_PW), pso = pw(PSO_PW);
	hsmlab_luna_auth_t f = pw(HSMLAB_LUNA_FACTORY_SO_PASSWORD);
	hsmlab_luna_cred_t co = new_pw(CO_PW);
	cr_assert_geq(t.l->version.minor, 1, "1.1 has hsmlab_CA_TransportSTM");
	cr_assert_eq(t.l->hsmlab_CA_TransportSTM(t.slot, NULL), CKR_ARGUMENTS_BAD);
	cr_assert_eq(t.l->hsmlab_CA_TransportSTM(t.slot, &bad), CKR_PIN_INCORRECT);
	cr_assert_str_eq(status(&t).state, "initialized", "a wrong HSM SO changes nothing");
	cr_assert_eq(t.l->hsmlab_CA_TransportSTM(t.slot, &hso), CKR_OK, "%s", t.f->last_error());
	hsmlab_luna_status_t st = status(&t);
	cr_assert_str_eq(st.state, "transport");
	cr_assert(st.partition && st.co, "keys and roles stay");
	cr_assert_str_neq(st.user_string, factory.user_string, "a new user string");
	CK_SESSION_INFO si;
	cr_assert_eq(t.m.fn->C_GetSessionInfo(s, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RW_PUBLIC_SESSION, "the login ended");
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), STM_CMD_NON_TRANSPORT);
	cr_assert_eq(t.l->hsmlab_CA_InitRole(t.slot, HSMLAB_LUNA_ROLE_CO, &pso, &co),
		     STM_CMD_NON_TRANSPORT);
	cr_assert_eq(t.l->hsmlab_CA_TransportSTM(t.slot, &hso), CKR_OPERATION_NOT_INITIALIZED,
		     "already in STM");
	cr_assert_eq(t.l->hsmlab_CA_RecoverSTM(t.slot, st.user_string, st.fingerprint, &f),
		     CKR_PIN_INCORRECT, "the factory password is not this HSM SO's");
	cr_assert_eq(t.l->hsmlab_CA_RecoverSTM(t.slot, st.user_string, st.fingerprint, &hso),
		     CKR_OK, "%s", t.f->last_error());
	st = status(&t);
	cr_assert_str_eq(st.state, "initialized", "back to the state it left");
	cr_assert_eq(st.hso_failed, 0, "the HSM SO's login resets the count");
	cr_assert_eq(login(&t, s, CKU_USER, CO_PW), CKR_OK);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE ft[] = { { CKA_CLASS, &cls, sizeof(cls) } };
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0;
	cr_assert_eq(t.m.fn->C_FindObjectsInit(s, ft, 1), CKR_OK);
	cr_assert_eq(t.m.fn->C_FindObjects(s, found, 2, &n), CKR_OK);
	cr_assert_eq(n, 1, "the key came through");
	t.m.fn->C_FindObjectsFinal(s);
	/* A zeroized device goes into STM and out of it without any login. */
	cr_assert_eq(t.l->hsmlab_CA_Zeroize(t.slot), CKR_OK);
	cr_assert_eq(t.l->hsmlab_CA_TransportSTM(t.slot, NULL), CKR_OK, "%s", t.f->last_error());
	st = status(&t);
	cr_assert_eq(t.l->hsmlab_CA_RecoverSTM(t.slot, st.user_string, st.fingerprint, &bad),
		     CKR_OK, "%s", t.f->last_error());
	cr_assert_str_eq(status(&t).state, "zeroized");
	hl_p11_module_free(t.m.mod);
}
