/* SPDX-License-Identifier: BSD-2-Clause
 * The general G-row switches (quirks.md G1-G17) through PKCS#11: each row on a user profile
 * built from strict.conf with its switches on (emulator/doc/general-quirks.md), and its
 * absence on strict, both served by the generic module in one throw-away lab. Also G2 and
 * G8 (strict behaviour of the core) and the shipped example profiles. */
#include <unistd.h>

#include "famlab.h"

static testlab_t lab;
static char profile_dir[160];

static void setup(void)
{
	char cmd[1024];
	testlab_make(&lab);
	snprintf(profile_dir, sizeof(profile_dir), "%s/profiles", lab.dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && cp %s/*.conf %s/", profile_dir,
		 getenv("HSMLAB_PROFILE_DIR"), profile_dir);
	cr_assert_eq(system(cmd), 0);
	setenv("HSMLAB_PROFILE_DIR", profile_dir, 1);
}

static void teardown(void)
{
	testlab_remove(&lab);
}

TestSuite(general, .init = setup, .fini = teardown);

/* Whether line sets one of the switches in lines ("name = { ... };" one per line). */
static bool replaced(const char *line, const char *lines)
{
	for (const char *l = lines; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		const char *w = l + strspn(l, " "), *p = line + strspn(line, " ");
		size_t n = strcspn(w, " =");
		if (n && strncmp(p, w, n) == 0 && strncmp(p + n, " =", 2) == 0)
			return true;
	}
	return false;
}

/* <lab>/profiles/<name>.conf: strict.conf renamed, with lines (switches, one a line)
 * replacing strict's switches of the same names: how a user builds a profile. */
static void user_profile(const char *name, const char *lines)
{
	char path[256], line[512];
	snprintf(path, sizeof(path), "%s/strict.conf", profile_dir);
	FILE *in = fopen(path, "r");
	snprintf(path, sizeof(path), "%s/%s.conf", profile_dir, name);
	FILE *out = fopen(path, "w");
	cr_assert(in && out);
	bool in_quirks = false;
	while (fgets(line, sizeof(line), in)) {
		if (strstr(line, "name = \"strict\";"))
			fprintf(out, "  name = \"%s\";\n", name);
		else if (!(in_quirks && replaced(line, lines)))
			fputs(line, out);
		if (strncmp(line, "  quirks:", 9) == 0)
			in_quirks = true;
		if (in_quirks && strncmp(line, "  {", 3) == 0)
			fprintf(out, "%s\n", lines);
	}
	fclose(in);
	fclose(out);
}

static fam_module_t m;

/* A device of profile on the generic module, token and user PIN set (FAM_SO_PIN, FAM_PIN). */
static CK_SLOT_ID device(const char *profile)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_UTF8CHAR lab32[32];
	cr_assert_eq(m.ext->device_create(profile, &slot, NULL), CKR_OK, "%s: %s", profile,
		     m.ext->last_error());
	memset(lab32, ' ', sizeof(lab32));
	memcpy(lab32, profile, strlen(profile) < 32 ? strlen(profile) : 32);
	CK_RV rv = m.fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, lab32);
	cr_assert_eq(rv, CKR_OK, "C_InitToken: %s", hl_ckr_name(rv));
	cr_assert_eq(m.fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_OK);
	cr_assert_eq(m.fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8), CKR_OK);
	cr_assert_eq(m.fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	m.fn->C_CloseSession(s);
	return slot;
}

/* The user profile name (switches: lines) and a strict device, each with a user session. */
typedef struct {
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
} dev_t_;

static void pair(const char *name, const char *lines, dev_t_ *u, dev_t_ *g)
{
	user_profile(name, lines);
	fam_load(&m, "");
	u->slot = device(name);
	g->slot = device("strict");
	u->s = fam_login(&m, u->slot);
	g->s = fam_login(&m, g->slot);
}

static CK_SESSION_HANDLE open_rw(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = m.fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	cr_assert_eq(rv, CKR_OK, "C_OpenSession: %s", hl_ckr_name(rv));
	return s;
}

/* An AES-256 token key labelled label, with CKA_ID id (idlen bytes; none when 0). */
static CK_RV aes_key(CK_SESSION_HANDLE s, const char *label, const void *id, CK_ULONG idlen,
		     CK_OBJECT_HANDLE *out)
{
	CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32;
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE a[] = { { CKA_TOKEN, &t, 1 },
			     { CKA_VALUE_LEN, &len, sizeof(len) },
			     { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
			     { CKA_ID, (void *)id, idlen } };
	return m.fn->C_GenerateKey(s, &mech, a, idlen ? 4 : 3, out);
}

/* How many objects labelled label session s finds (in batches of one). */
static CK_ULONG count_label(CK_SESSION_HANDLE s, const char *label)
{
	CK_ATTRIBUTE a = { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) };
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0, got = 0;
	cr_assert_eq(m.fn->C_FindObjectsInit(s, &a, 1), CKR_OK);
	while (m.fn->C_FindObjects(s, &h, 1, &got) == CKR_OK && got)
		n++;
	cr_assert_eq(m.fn->C_FindObjectsFinal(s), CKR_OK);
	return n;
}

static CK_STATE state(CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO info;
	cr_assert_eq(m.fn->C_GetSessionInfo(s, &info), CKR_OK);
	return info.state;
}

static CK_RV sign_with(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key, CK_MECHANISM_TYPE mech)
{
	CK_MECHANISM mm = { mech, NULL, 0 };
	CK_BYTE sig[512];
	CK_ULONG n = sizeof(sig);
	CK_RV rv = m.fn->C_SignInit(s, &mm, key);
	return rv == CKR_OK ? m.fn->C_Sign(s, (CK_BYTE_PTR) "data", 4, sig, &n) : rv;
}

/* -- G1 -- */

Test(general, g1_hash_and_sign_refused)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE pub, up, gp;
	pair("g1", "    host_hash_only = { id = \"G1\"; on = true; source = \"doc\"; };", &u, &g);
	fam_rsa_keygen(&m, u.s, "k", &pub, &up);
	fam_rsa_keygen(&m, g.s, "k", &pub, &gp);
	cr_assert_eq(sign_with(u.s, up, CKM_SHA256_RSA_PKCS), CKR_MECHANISM_INVALID);
	cr_assert_eq(sign_with(u.s, up, CKM_RSA_PKCS), CKR_OK, "host hashing still works");
	cr_assert_eq(sign_with(g.s, gp, CKM_SHA256_RSA_PKCS), CKR_OK);
	hl_p11_module_free(m.mod);
}

/* -- G2, G8: strict behaviour of the core -- */

Test(general, g2_login_is_per_token_on_strict)
{
	fam_load(&m, "");
	CK_SLOT_ID slot = device("strict");
	CK_SESSION_HANDLE a = fam_login(&m, slot), b = open_rw(slot);
	cr_assert_eq(m.fn->C_Login(b, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8),
		     CKR_USER_ALREADY_LOGGED_IN);
	cr_assert_eq(state(b), CKS_RW_USER_FUNCTIONS, "the login of session a holds for b");
	cr_assert_eq(m.fn->C_Logout(b), CKR_OK);
	cr_assert_eq(state(a), CKS_RW_PUBLIC_SESSION);
	hl_p11_module_free(m.mod);
}

Test(general, g8_unknown_attribute_on_strict)
{
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE buf[8];
	fam_load(&m, "");
	CK_SESSION_HANDLE s = fam_login(&m, device("strict"));
	fam_rsa_keygen(&m, s, "k", &pub, &priv);
	CK_ATTRIBUTE a[] = { { 0x7ffff00UL, buf, sizeof(buf) }, { CKA_KEY_TYPE, buf, 8 } };
	cr_assert_eq(m.fn->C_GetAttributeValue(s, priv, a, 2), CKR_ATTRIBUTE_TYPE_INVALID);
	cr_assert_eq(a[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
	cr_assert_eq(a[1].ulValueLen, sizeof(CK_KEY_TYPE), "the known one is still filled in");
	hl_p11_module_free(m.mod);
}

/* -- G3 -- */

Test(general, g3_silent_logout_after_signatures)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE pub, up, gp;
	pair("g3", "    silent_logout = { id = \"G3\"; on = true; source = \"doc\"; value = 3; };",
	     &u, &g);
	fam_rsa_keygen(&m, u.s, "k", &pub, &up);
	fam_rsa_keygen(&m, g.s, "k", &pub, &gp);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(sign_with(u.s, up, CKM_RSA_PKCS), CKR_OK, "signature %d", i + 1);
		cr_assert_eq(sign_with(g.s, gp, CKM_RSA_PKCS), CKR_OK);
	}
	cr_assert_eq(state(u.s), CKS_RW_PUBLIC_SESSION, "logged out after 3 signatures");
	cr_assert_neq(sign_with(u.s, up, CKM_RSA_PKCS), CKR_OK, "the key is out of reach");
	cr_assert_eq(state(g.s), CKS_RW_USER_FUNCTIONS);
	cr_assert_eq(m.fn->C_Login(u.s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	cr_assert_eq(sign_with(u.s, up, CKM_RSA_PKCS), CKR_OK, "a new login counts afresh");
	hl_p11_module_free(m.mod);
}

Test(general, g3_silent_logout_after_seconds)
{
	dev_t_ u, g;
	pair(
	    "g3s",
	    "    silent_logout_after_s = { id = \"G3\"; on = true; source = \"doc\"; value = 3; };",
	    &u, &g);
	/* A fresh login right before the first look: setting the lab up may take seconds. */
	cr_assert_eq(m.fn->C_Logout(u.s), CKR_OK);
	cr_assert_eq(m.fn->C_Login(u.s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	cr_assert_eq(state(u.s), CKS_RW_USER_FUNCTIONS);
	sleep(4);
	cr_assert_eq(state(u.s), CKS_RW_PUBLIC_SESSION);
	cr_assert_eq(state(g.s), CKS_RW_USER_FUNCTIONS);
	hl_p11_module_free(m.mod);
}

/* -- G4 -- */

Test(general, g4_search_lost_on_open_or_login)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE k, h;
	CK_ULONG got = 9;
	pair("g4", "    find_misses_on_login = { id = \"G4\"; on = true; source = \"doc\"; };", &u,
	     &g);
	dev_t_ *d[] = { &u, &g };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(aes_key(d[i]->s, "g4", NULL, 0, &k), CKR_OK);
		CK_ATTRIBUTE a = { CKA_LABEL, "g4", 2 };
		cr_assert_eq(m.fn->C_FindObjectsInit(d[i]->s, &a, 1), CKR_OK);
		m.fn->C_CloseSession(open_rw(d[i]->slot)); /* another thread opens a session */
		cr_assert_eq(m.fn->C_FindObjects(d[i]->s, &h, 1, &got), CKR_OK);
		cr_assert_eq(got, i == 0 ? 0 : 1, "%s", i == 0 ? "G4: key missing" : "strict");
		cr_assert_eq(m.fn->C_FindObjectsFinal(d[i]->s), CKR_OK);
		cr_assert_eq(count_label(d[i]->s, "g4"), 1, "a new search finds it again");
	}
	hl_p11_module_free(m.mod);
}

/* -- G6 -- */

Test(general, g6_nothing_public_before_login)
{
	dev_t_ u, g;
	CK_BBOOL t = CK_TRUE, f = CK_FALSE;
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_OBJECT_HANDLE h;
	CK_BYTE rnd[8];
	CK_ATTRIBUTE a[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_TOKEN, &t, 1 },
			     { CKA_PRIVATE, &f, 1 },
			     { CKA_LABEL, "pub", 3 } };
	pair("g6", "    no_public_before_login = { id = \"G6\"; on = true; source = \"doc\"; };",
	     &u, &g);
	dev_t_ *d[] = { &u, &g };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(m.fn->C_CreateObject(d[i]->s, a, 4, &h), CKR_OK);
		cr_assert_eq(m.fn->C_Logout(d[i]->s), CKR_OK);
		cr_assert_eq(count_label(d[i]->s, "pub"), i == 0 ? 0 : 1);
		cr_assert_eq(m.fn->C_GenerateRandom(d[i]->s, rnd, sizeof(rnd)),
			     i == 0 ? CKR_USER_NOT_LOGGED_IN : CKR_OK);
		cr_assert_eq(m.fn->C_Login(d[i]->s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
		cr_assert_eq(count_label(d[i]->s, "pub"), 1, "after login");
		cr_assert_eq(m.fn->C_GenerateRandom(d[i]->s, rnd, sizeof(rnd)), CKR_OK);
	}
	hl_p11_module_free(m.mod);
}

/* -- G7 -- */

Test(general, g7_no_callbacks_no_allowed_mechanisms)
{
	dev_t_ u, g;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_MECHANISM_TYPE mechs[1] = { CKM_AES_KEY_WRAP_PAD }, got[4];
	CK_MECHANISM mech = { CKM_AES_KEY_GEN, NULL, 0 };
	CK_ULONG len = 32, stlen = 0;
	CK_ATTRIBUTE a[] = { { CKA_VALUE_LEN, &len, sizeof(len) },
			     { CKA_ALLOWED_MECHANISMS, mechs, sizeof(mechs) } };
	pair("g7",
	     "    session_callbacks_refused = { id = \"G7\"; on = true; source = \"doc\"; };\n"
	     "    no_allowed_mechanisms = { id = \"G7\"; on = true; source = \"doc\"; };",
	     &u, &g);
	dev_t_ *d[] = { &u, &g };
	for (int i = 0; i < 2; i++) {
		CK_RV rv = m.fn->C_OpenSession(d[i]->slot, CKF_SERIAL_SESSION, &len, NULL, &s);
		cr_assert_eq(rv, i == 0 ? CKR_ARGUMENTS_BAD : CKR_OK, "%s", hl_ckr_name(rv));
		cr_assert_eq(m.fn->C_GenerateKey(d[i]->s, &mech, a, 2, &k),
			     i == 0 ? CKR_ATTRIBUTE_TYPE_INVALID : CKR_OK);
		cr_assert_eq(m.fn->C_GenerateKey(d[i]->s, &mech, a, 1, &k), CKR_OK);
		CK_ATTRIBUTE q = { CKA_ALLOWED_MECHANISMS, got, sizeof(got) };
		cr_assert_eq(m.fn->C_GetAttributeValue(d[i]->s, k, &q, 1),
			     i == 0 ? CKR_ATTRIBUTE_TYPE_INVALID : CKR_OK);
		if (i == 0)
			cr_assert_eq(q.ulValueLen, CK_UNAVAILABLE_INFORMATION);
		/* No operation state: the core keeps none on any profile (strict included). */
		cr_assert_eq(m.fn->C_GetOperationState(d[i]->s, NULL, &stlen),
			     CKR_FUNCTION_NOT_SUPPORTED);
	}
	hl_p11_module_free(m.mod);
}

/* -- G10 -- */

Test(general, g10_cka_id_required_and_no_device_digest)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE k;
	CK_MECHANISM sha = { CKM_SHA256, NULL, 0 };
	pair("g10",
	     "    cka_id_required = { id = \"G10\"; on = true; source = \"doc\"; };\n"
	     "    device_digest_fails = { id = \"G10\"; on = true; source = \"doc\"; };",
	     &u, &g);
	cr_assert_eq(aes_key(u.s, "noid", NULL, 0, &k), CKR_TEMPLATE_INCOMPLETE);
	cr_assert_eq(aes_key(u.s, "id", "\x01", 1, &k), CKR_OK);
	cr_assert_eq(m.fn->C_DigestInit(u.s, &sha), CKR_FUNCTION_FAILED);
	cr_assert_eq(aes_key(g.s, "noid", NULL, 0, &k), CKR_OK);
	cr_assert_eq(m.fn->C_DigestInit(g.s, &sha), CKR_OK);
	hl_p11_module_free(m.mod);
}

/* -- G12 -- */

/* G12's other process: this program run again (a fresh exec, not a fork of the Criterion
 * worker, whose locks a fork could inherit held) with HSMLAB_TEST_OTHER=<slot>:<label>
 * makes the token key and exits before Criterion starts. */
__attribute__((constructor)) static void other_process_main(void)
{
	const char *v = getenv("HSMLAB_TEST_OTHER");
	char path[512], err[256];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	if (!v || !strchr(v, ':'))
		return;
	snprintf(path, sizeof(path), "%s/emulator/module/libhsmlab.so", getenv("HSMLAB_BUILD_DIR"));
	m.mod = hl_p11_module_load(path, 0, err, sizeof(err));
	m.fn = m.mod ? hl_p11_module_fn(m.mod) : NULL;
	int ok = m.fn &&
		 m.fn->C_OpenSession(strtoul(v, NULL, 10), CKF_SERIAL_SESSION | CKF_RW_SESSION,
				     NULL, NULL, &s) == CKR_OK &&
		 m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8) == CKR_OK &&
		 aes_key(s, strchr(v, ':') + 1, NULL, 0, &k) == CKR_OK;
	hl_p11_module_free(m.mod);
	_exit(ok ? 0 : 1);
}

static void other_process_makes(CK_SLOT_ID slot, const char *label)
{
	char self[512] = "", cmd[1024];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	cr_assert_gt(n, 0);
	self[n] = 0;
	snprintf(cmd, sizeof(cmd), "HSMLAB_TEST_OTHER=%lu:%s '%s'", slot, label, self);
	cr_assert_eq(system(cmd), 0, "the other process failed: %s", cmd);
}

Test(general, g12_other_process_objects_invisible_until_restart)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE k;
	pair(
	    "g12",
	    "    other_process_objects_invisible = { id = \"G12\"; on = true; source = \"doc\"; };",
	    &u, &g);
	other_process_makes(u.slot, "theirs");
	other_process_makes(g.slot, "theirs");
	cr_assert_eq(count_label(u.s, "theirs"), 0, "G12: not until a restart");
	cr_assert_eq(count_label(g.s, "theirs"), 1, "strict: the store refresh shows it");
	cr_assert_eq(aes_key(u.s, "mine", NULL, 0, &k), CKR_OK);
	cr_assert_eq(count_label(u.s, "mine"), 1, "what this process makes stays visible");
	cr_assert_eq(m.fn->C_Finalize(NULL), CKR_OK);
	cr_assert_eq(m.fn->C_Initialize(NULL), CKR_OK);
	u.s = fam_login(&m, u.slot);
	cr_assert_eq(count_label(u.s, "theirs"), 1, "visible after the restart");
	hl_p11_module_free(m.mod);
}

/* -- G13 -- */

Test(general, g13_no_multipart_and_call_order)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE pub, up, gp;
	CK_MECHANISM mm = { CKM_SHA256_RSA_PKCS, NULL, 0 }, sha = { CKM_SHA256, NULL, 0 };
	CK_BYTE sig[512];
	CK_ULONG n = sizeof(sig);
	pair("g13",
	     "    no_multipart = { id = \"G13\"; on = true; source = \"doc\"; };\n"
	     "    call_order_device_error = { id = \"G13\"; on = true; source = \"doc\"; };",
	     &u, &g);
	fam_rsa_keygen(&m, u.s, "k", &pub, &up);
	fam_rsa_keygen(&m, g.s, "k", &pub, &gp);
	CK_SESSION_HANDLE s[] = { u.s, g.s };
	CK_OBJECT_HANDLE key[] = { up, gp };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(m.fn->C_SignInit(s[i], &mm, key[i]), CKR_OK);
		cr_assert_eq(m.fn->C_SignUpdate(s[i], (CK_BYTE_PTR) "ab", 2),
			     i == 0 ? CKR_FUNCTION_NOT_SUPPORTED : CKR_OK);
		cr_assert_eq(m.fn->C_SignFinal(s[i], sig, &n),
			     i == 0 ? CKR_FUNCTION_NOT_SUPPORTED : CKR_OK);
		n = sizeof(sig);
		cr_assert_eq(m.fn->C_DigestInit(s[i], &sha), CKR_OK);
		cr_assert_eq(m.fn->C_DigestUpdate(s[i], (CK_BYTE_PTR) "ab", 2),
			     i == 0 ? CKR_FUNCTION_NOT_SUPPORTED : CKR_OK);
		m.fn->C_DigestFinal(s[i], sig, &n);
		n = sizeof(sig);
		/* wrong order: no C_SignInit before C_Sign */
		cr_assert_eq(m.fn->C_Sign(s[i], (CK_BYTE_PTR) "ab", 2, sig, &n),
			     i == 0 ? CKR_DEVICE_ERROR : CKR_OPERATION_NOT_INITIALIZED);
	}
	hl_p11_module_free(m.mod);
}

Test(general, g13_throttling)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE pub, up, gp;
	int refused = 0;
	pair("g13t",
	     "    throttle_per_second = { id = \"G13\"; on = true; source = \"doc\"; value = 1; };",
	     &u, &g);
	fam_rsa_keygen(&m, u.s, "k", &pub, &up);
	fam_rsa_keygen(&m, g.s, "k", &pub, &gp);
	/* Six signatures right after each other: at least two fall in one second of the
	 * device unless each took a second or more. */
	for (int i = 0; i < 6; i++) {
		CK_RV rv = sign_with(u.s, up, CKM_RSA_PKCS);
		cr_assert(rv == CKR_OK || rv == CKR_DEVICE_ERROR, "%s", hl_ckr_name(rv));
		refused += rv == CKR_DEVICE_ERROR;
		cr_assert_eq(sign_with(g.s, gp, CKM_RSA_PKCS), CKR_OK);
	}
	cr_assert_gt(refused, 0, "throttled");
	hl_p11_module_free(m.mod);
}

/* -- G14 -- */

Test(general, g14_unique_labels_unique_immutable_ids)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE k1, k2;
	CK_ATTRIBUTE id = { CKA_ID, "\x09", 1 }, label = { CKA_LABEL, "one", 3 };
	pair("g14",
	     "    unique_labels = { id = \"G14\"; on = true; source = \"field\"; };\n"
	     "    unique_immutable_id = { id = \"G14\"; on = true; source = \"field\"; };",
	     &u, &g);
	dev_t_ *d[] = { &u, &g };
	for (int i = 0; i < 2; i++) {
		CK_RV bad = i == 0 ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_OK;
		cr_assert_eq(aes_key(d[i]->s, "one", "\x01", 1, &k1), CKR_OK);
		cr_assert_eq(aes_key(d[i]->s, "one", "\x02", 1, &k2), bad, "same label");
		cr_assert_eq(aes_key(d[i]->s, "two", "\x01", 1, &k2), bad, "same id");
		cr_assert_eq(aes_key(d[i]->s, "three", "\x03", 1, &k2), CKR_OK);
		cr_assert_eq(m.fn->C_SetAttributeValue(d[i]->s, k2, &label, 1), bad);
		cr_assert_eq(m.fn->C_SetAttributeValue(d[i]->s, k2, &id, 1),
			     i == 0 ? CKR_ATTRIBUTE_READ_ONLY : CKR_OK);
	}
	hl_p11_module_free(m.mod);
}

/* -- G15 -- */

Test(general, g15_two_byte_ids)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE k;
	CK_BYTE buf[8];
	pair("g15", "    cka_id_len = { id = \"G15\"; on = true; source = \"field\"; value = 2; };",
	     &u, &g);
	dev_t_ *d[] = { &u, &g };
	for (int i = 0; i < 2; i++) {
		cr_assert_eq(aes_key(d[i]->s, "long", "\x01\x02\x03", 3, &k),
			     i == 0 ? CKR_ATTRIBUTE_VALUE_INVALID : CKR_OK);
		cr_assert_eq(aes_key(d[i]->s, "given", "\x01\x02", 2, &k), CKR_OK);
		cr_assert_eq(aes_key(d[i]->s, "none", NULL, 0, &k), CKR_OK);
		CK_ATTRIBUTE a = { CKA_ID, buf, sizeof(buf) };
		cr_assert_eq(m.fn->C_GetAttributeValue(d[i]->s, k, &a, 1), CKR_OK);
		cr_assert_eq(a.ulValueLen, i == 0 ? 2 : 0, "G15 assigns a 2-byte id; strict none");
	}
	hl_p11_module_free(m.mod);
}

/* -- G17 -- */

Test(general, g17_modulus_leading_zero)
{
	dev_t_ u, g;
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE mod[300];
	pair("g17", "    modulus_leading_zero = { id = \"G17\"; on = true; source = \"doc\"; };",
	     &u, &g);
	dev_t_ *d[] = { &u, &g };
	for (int i = 0; i < 2; i++) {
		fam_rsa_keygen(&m, d[i]->s, "k", &pub, &priv);
		CK_ATTRIBUTE a = { CKA_MODULUS, NULL, 0 };
		cr_assert_eq(m.fn->C_GetAttributeValue(d[i]->s, priv, &a, 1), CKR_OK);
		cr_assert_eq(a.ulValueLen, i == 0 ? 257 : 256);
		a.pValue = mod;
		cr_assert_eq(m.fn->C_GetAttributeValue(d[i]->s, pub, &a, 1), CKR_OK);
		cr_assert_eq(a.ulValueLen, i == 0 ? 257 : 256);
		if (i == 0)
			cr_assert_eq(mod[0], 0, "the leading zero");
		cr_assert_geq(mod[i == 0 ? 1 : 0], 0x80, "the modulus itself follows");
		a = (CK_ATTRIBUTE){ CKA_MODULUS, mod, 256 };
		cr_assert_eq(m.fn->C_GetAttributeValue(d[i]->s, pub, &a, 1),
			     i == 0 ? CKR_BUFFER_TOO_SMALL : CKR_OK);
		if (i == 0)
			cr_assert_eq(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
		a = (CK_ATTRIBUTE){ CKA_MODULUS, mod, 300 };
		cr_assert_eq(m.fn->C_GetAttributeValue(d[i]->s, 0xdead, &a, 1),
			     CKR_OBJECT_HANDLE_INVALID);
		cr_assert(a.pValue == mod && a.ulValueLen == 300, "a refused call changes nothing");
	}
	hl_p11_module_free(m.mod);
}

/* -- profiles -- */

Test(general, switch_without_its_value_is_refused)
{
	user_profile("bad", "    silent_logout = { id = \"G3\"; on = true; source = \"doc\"; };");
	fam_load(&m, "");
	CK_SLOT_ID slot;
	cr_assert_neq(m.ext->device_create("bad", &slot, NULL), CKR_OK);
	cr_assert(strstr(m.ext->last_error(), "bad.conf:") &&
		      strstr(m.ext->last_error(), "silent_logout: needs a value"),
		  "%s", m.ext->last_error());
	hl_p11_module_free(m.mod);
}

/* The examples load from their own folder, as general-quirks.md tells a lab to use them. */
Test(general, example_profiles_load)
{
	const char *names[] = { "cloudhsm-like", "opendnssec-pain", "powerdns-like" };
	FILE *f = fopen(lab.conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s\";\nprofile_dir = \"%s/fixtures/profiles/examples\";\n", lab.lab,
		getenv("HSMLAB_SOURCE_DIR"));
	fprintf(f, "default_profile = \"cloudhsm-like\";\n");
	fclose(f);
	unsetenv("HSMLAB_PROFILE_DIR"); /* it would override the lab's profile_dir */
	fam_load(&m, "");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		CK_SLOT_ID slot = device(names[i]);
		CK_SESSION_HANDLE s = fam_login(&m, slot);
		CK_OBJECT_HANDLE k;
		/* Every example demands or assigns ids the way its row says, and keeps keys. */
		cr_assert_eq(aes_key(s, names[i], "\x01\x02", 2, &k), CKR_OK, "%s", names[i]);
	}
	hl_p11_module_free(m.mod);
}
