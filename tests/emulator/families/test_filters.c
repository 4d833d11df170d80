/* SPDX-License-Identifier: BSD-2-Clause
 * The filter layer's Luna rows L5 (virtual slot ids and object handles) and L6 (vendor
 * return codes), the general rows G5 (new handles after re-login) and G16 (a token's slot id
 * moves at init, on a user profile), and the exported C_* symbols found by dlsym going
 * through the same filters as the function list. Each shows on its profile and not on strict. */
#include <dlfcn.h>

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

TestSuite(filters, .init = setup, .fini = teardown);

#define SMALL 0x10000UL /* below this a slot id or handle counts as small */

static CK_OBJECT_HANDLE find_one(fam_module_t *m, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
				 const char *label)
{
	CK_OBJECT_HANDLE h = 0;
	CK_ULONG n = 0;
	CK_RV rv = hl_p11_find_by_label(m->fn, s, cls, label, &h, 1, &n);
	cr_assert_eq(rv, CKR_OK, "find %s: %s", label, hl_ckr_name(rv));
	cr_assert_eq(n, 1, "find %s: %lu found", label, n);
	return h;
}

/* The token's slot (its label) after a fresh C_Initialize of the module. */
static CK_SLOT_ID reload(fam_module_t *m, const char *family, const char *token)
{
	CK_SLOT_ID slot = 0;
	hl_p11_module_free(m->mod);
	fam_load(m, family);
	CK_RV rv = hl_p11_find_slot(m->fn, token, &slot);
	cr_assert_eq(rv, CKR_OK, "token %s after C_Initialize: %s", token, hl_ckr_name(rv));
	return slot;
}

/* -- L5: slot ids -- */

static void check_slot_ids(const char *family, bool virt)
{
	fam_module_t m;
	CK_SLOT_INFO si;
	CK_SLOT_ID ids[16];
	CK_ULONG n = 16;
	long long now = 0, off = 0;
	fam_load(&m, family);
	CK_SLOT_ID slot = fam_device(&m, "l5");
	cr_assert_eq(slot >= SMALL, virt, "%s: slot id %lu", family, slot);
	cr_assert_eq(m.fn->C_GetSlotList(CK_TRUE, ids, &n), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++)
		cr_assert_eq(ids[i] >= SMALL, virt, "%s lists slot %lu", family, ids[i]);
	cr_assert_eq(m.fn->C_GetSlotInfo(slot, &si), CKR_OK);
	/* Every call taking a slot id takes the one listed: the family table too. */
	HSMLAB_FAMILY_FUNCTION_LIST *f = fam_ext(&m);
	if (f)
		cr_assert_eq(f->clock_get(slot, &now, &off), CKR_OK, "%s", f->last_error());
	CK_SESSION_HANDLE s = fam_login(&m, slot);
	CK_SESSION_INFO info;
	cr_assert_eq(m.fn->C_GetSessionInfo(s, &info), CKR_OK);
	cr_assert_eq(info.slotID, slot);
	m.fn->C_CloseSession(s);
	/* Stable across C_Initialize (a client's configuration names slots; G16 is off). */
	cr_assert_eq(reload(&m, family, "l5"), slot);
	hl_p11_module_free(m.mod);
}

Test(filters, l5_slot_ids_never_small_on_luna)
{
	check_slot_ids("luna", true);
}

Test(filters, l5_slot_ids_small_on_strict)
{
	check_slot_ids("", false);
}

/* -- L5 and G5: object handles -- */

typedef struct {
	CK_OBJECT_HANDLE key, relogin, reopen; /* the private key's handle at each stage */
} handles_t;

/* A key made, found again after a logout and login, and after a new C_Initialize; each
 * handle is used (a signature, a copy, an attribute read) so every call translates. */
static void key_handles(const char *family, handles_t *out)
{
	fam_module_t m;
	CK_OBJECT_HANDLE pub, priv, copy;
	CK_BYTE sig[512];
	CK_BBOOL no = CK_FALSE;
	CK_ATTRIBUTE tmpl = { CKA_TOKEN, &no, 1 };
	fam_load(&m, family);
	CK_SLOT_ID slot = fam_device(&m, "l5");
	CK_SESSION_HANDLE s = fam_login(&m, slot);
	fam_rsa_keygen(&m, s, "KSK-l5", &pub, &priv);
	out->key = priv;
	cr_assert_eq(find_one(&m, s, CKO_PRIVATE_KEY, "KSK-l5"), priv);
	CK_ULONG n = fam_sign(&m, s, priv, CKM_SHA256_RSA_PKCS, "abc", 3, sig);
	cr_assert_eq(fam_verify(&m, s, pub, CKM_SHA256_RSA_PKCS, "abc", 3, sig, n), CKR_OK);
	CK_RV rv = m.fn->C_CopyObject(s, pub, &tmpl, 1, &copy);
	cr_assert_eq(rv, CKR_OK, "C_CopyObject: %s", hl_ckr_name(rv));
	cr_assert_eq(m.fn->C_DestroyObject(s, copy), CKR_OK);
	cr_assert_eq(m.fn->C_DestroyObject(s, copy), CKR_OBJECT_HANDLE_INVALID);

	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	cr_assert_eq(m.fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	out->relogin = find_one(&m, s, CKO_PRIVATE_KEY, "KSK-l5");
	if (out->relogin != priv) { /* G5: the old handle is gone, not someone else's */
		CK_ATTRIBUTE a = { CKA_LABEL, NULL, 0 };
		cr_assert_eq(m.fn->C_GetAttributeValue(s, priv, &a, 1), CKR_OBJECT_HANDLE_INVALID);
	}
	fam_sign(&m, s, out->relogin, CKM_SHA256_RSA_PKCS, "abc", 3, sig);
	m.fn->C_CloseSession(s);

	slot = reload(&m, family, "l5");
	s = fam_login(&m, slot);
	out->reopen = find_one(&m, s, CKO_PRIVATE_KEY, "KSK-l5");
	fam_sign(&m, s, out->reopen, CKM_SHA256_RSA_PKCS, "abc", 3, sig);
	m.fn->C_CloseSession(s);
	hl_p11_module_free(m.mod);
}

Test(filters, l5_g5_handles_never_small_and_new_on_luna)
{
	handles_t h;
	key_handles("luna", &h);
	cr_assert_geq(h.key, SMALL);
	cr_assert_geq(h.relogin, SMALL);
	cr_assert_geq(h.reopen, SMALL);
	cr_assert_neq(h.relogin, h.key, "G5: same handle after re-login");
	cr_assert_neq(h.reopen, h.key, "L5: same handle after C_Initialize");
	cr_assert_neq(h.reopen, h.relogin, "L5: same handle after C_Initialize");
}

Test(filters, l5_g5_handles_small_and_stable_on_strict)
{
	handles_t h;
	key_handles("", &h);
	cr_assert_lt(h.key, SMALL);
	cr_assert_lt(h.reopen, SMALL);
	cr_assert_eq(h.relogin, h.key, "strict changed a handle at re-login");
}

/* -- G16: a user profile that moves the slot at token init -- */

/* The lab's profile dir: the shipped profiles and the example user profile strict-g16. */
static void user_profiles(void)
{
	char dir[160], cmd[2048];
	snprintf(dir, sizeof(dir), "%s/profiles", lab.dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && cp %s/*.conf %s/tests/emulator/families/profiles/*.conf %s/", dir,
		 getenv("HSMLAB_PROFILE_DIR"), getenv("HSMLAB_SOURCE_DIR"), dir);
	cr_assert_eq(system(cmd), 0);
	setenv("HSMLAB_PROFILE_DIR", dir, 1);
}

static void check_init_moves(const char *profile, bool moves)
{
	fam_module_t m;
	CK_SLOT_ID slot = 0;
	CK_UTF8CHAR label[32];
	user_profiles();
	fam_load(&m, "");
	cr_assert_eq(m.ext->device_create(profile, &slot, NULL), CKR_OK, "%s", m.ext->last_error());
	memset(label, ' ', sizeof(label));
	memcpy(label, "g16", 3);
	cr_assert_eq(m.fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, label), CKR_OK);
	CK_SLOT_INFO si;
	cr_assert_eq(m.fn->C_GetSlotInfo(slot, &si), CKR_OK, "this process keeps the slot");
	CK_SLOT_ID again = reload(&m, "", "g16");
	cr_assert_eq(again != slot, moves, "%s: slot %lu -> %lu", profile, slot, again);
	hl_p11_module_free(m.mod);
}

Test(filters, g16_user_profile_moves_slot_at_init)
{
	check_init_moves("strict-g16", true);
}

Test(filters, g16_absent_on_strict)
{
	check_init_moves("strict", false);
}

/* -- L6: vendor return codes -- */

/* Opens sessions until one fails (at most limit + 1); returns that call's code. */
static CK_RV open_until_refused(fam_module_t *m, CK_SLOT_ID slot, CK_ULONG limit, CK_ULONG *n)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = CKR_OK;
	for (*n = 0; *n <= limit; ++*n)
		if ((rv = m->fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s)) != CKR_OK)
			break;
	return rv;
}

Test(filters, l6_max_sessions_vendor_code_on_luna)
{
	fam_module_t m;
	CK_ULONG n = 0;
	fam_load(&m, "luna");
	CK_SLOT_ID slot = fam_device(&m, "l6");
	CK_RV rv = open_until_refused(&m, slot, 1024, &n);
	cr_assert_eq(rv, 0x80001601UL, "session %lu: %s", n + 1, hl_ckr_name(rv));
	cr_assert_eq(n, 1024, "the profile's session_limit");
	cr_assert_str_eq(hl_ckr_name(rv), "CKR_LUNA_MAX_SESSIONS");
	cr_assert_eq(m.fn->C_CloseAllSessions(slot), CKR_OK);
	hl_p11_module_free(m.mod);
}

Test(filters, l6_standard_session_count_on_strict)
{
	char dir[160];
	fam_module_t m;
	CK_SLOT_ID slot = 0;
	CK_ULONG n = 0;
	fam_user_profile(lab.dir, "strict", "strict-s2",
			 "-e 's/max_sessions = 0;/max_sessions = 2;/'", dir, sizeof(dir));
	fam_load(&m, "");
	CK_RV rv = open_until_refused(&m, fam_device(&m, "l6"), 1024, &n);
	cr_assert_eq(rv, CKR_OK, "strict has no hidden session limit: %s", hl_ckr_name(rv));
	cr_assert_eq(m.ext->device_create("strict-s2", &slot, NULL), CKR_OK);
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	cr_assert_eq(m.fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, label), CKR_OK);
	rv = open_until_refused(&m, slot, 2, &n);
	cr_assert_eq(rv, CKR_SESSION_COUNT, "%s", hl_ckr_name(rv));
	cr_assert_eq(n, 2);
	hl_p11_module_free(m.mod);
}

/* -- the exported symbols (dlsym) go through the filters -- */

typedef CK_RV (*login_fn)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR_PTR, CK_ULONG);
typedef CK_RV (*set_attr_fn)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE_PTR, CK_ULONG);
typedef CK_RV (*slot_list_fn)(CK_BBOOL, CK_SLOT_ID_PTR, CK_ULONG_PTR);

/* The module's own symbol (the module is loaded already: RTLD_NOLOAD). */
static void *sym(const char *family, const char *name)
{
	char path[512];
	fam_module_path(family, path, sizeof(path));
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
	cr_assert_not_null(lib, "%s: %s", path, dlerror());
	void *f = dlsym(lib, name);
	cr_assert_not_null(f, "%s: %s", name, dlerror());
	dlclose(lib);
	return f;
}

/* L1 through dlsym: C_Login(CKU_CONTEXT_SPECIFIC) as the function list answers it. */
static CK_RV context_login(const char *family, bool exported)
{
	fam_module_t m;
	fam_load(&m, family);
	CK_SESSION_HANDLE s = fam_login(&m, fam_device(&m, "dl"));
	login_fn login = exported ? (login_fn)sym(family, "C_Login") : m.fn->C_Login;
	CK_RV rv = login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)FAM_PIN, 8);
	/* L5 through dlsym: the exported C_GetSlotList lists the same virtual ids. */
	CK_SLOT_ID a[8], b[8];
	CK_ULONG na = 8, nb = 8;
	cr_assert_eq(((slot_list_fn)sym(family, "C_GetSlotList"))(CK_TRUE, a, &na), CKR_OK);
	cr_assert_eq(m.fn->C_GetSlotList(CK_TRUE, b, &nb), CKR_OK);
	cr_assert_eq(na, nb);
	cr_assert_arr_eq(a, b, na * sizeof(a[0]));
	hl_p11_module_free(m.mod);
	return rv;
}

Test(filters, dlsym_login_context_specific_l1)
{
	cr_assert_eq(context_login("luna", true), CKR_USER_TYPE_INVALID);
	cr_assert_eq(context_login("luna", false), CKR_USER_TYPE_INVALID);
	cr_assert_neq(context_login("", true), CKR_USER_TYPE_INVALID, "strict: no L1");
}

/* K2 through dlsym: a Keyper key's label does not change. */
static CK_RV relabel(const char *family, bool exported)
{
	fam_module_t m;
	CK_OBJECT_HANDLE pub, priv;
	fam_load(&m, family);
	CK_SESSION_HANDLE s = fam_login(&m, fam_device(&m, "dl"));
	fam_rsa_keygen(&m, s, "Klajeyz", &pub, &priv);
	set_attr_fn set =
	    exported ? (set_attr_fn)sym(family, "C_SetAttributeValue") : m.fn->C_SetAttributeValue;
	CK_ATTRIBUTE a = { CKA_LABEL, "Kother1", 7 };
	CK_RV rv = set(s, priv, &a, 1);
	hl_p11_module_free(m.mod);
	return rv;
}

Test(filters, dlsym_set_label_k2)
{
	CK_RV via_list = relabel("keyper", false);
	cr_assert_neq(via_list, CKR_OK, "K2 off on the keyper profile?");
	cr_assert_eq(relabel("keyper", true), via_list, "dlsym'd C_SetAttributeValue bypassed K2");
	cr_assert_eq(relabel("", true), CKR_OK, "strict: labels change");
}
