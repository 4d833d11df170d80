/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the PKCS#11 layer linked directly (function tables, sessions and handles, login
 * and PIN rules, lab errors). The loaded module runs the shared body in tests/emulator/module. */
#include "romount.h"

#include <sys/stat.h>

#include "p11ready.h"

TestSuite(p11, .init = setup, .fini = teardown);

Test(p11, function_tables_have_no_null_entry)
{
	const CK_FUNCTION_LIST_3_0 *f3 = hl_p11_function_list_3_0();
	/* Every entry after the version is a function pointer. */
	const void *const *p = (const void *const *)&f3->C_Initialize;
	size_t n = (sizeof(*f3) - offsetof(CK_FUNCTION_LIST_3_0, C_Initialize)) / sizeof(void *);
	for (size_t i = 0; i < n; i++)
		cr_assert_not_null(p[i], "3.0 entry %zu is NULL", i);
	CK_FUNCTION_LIST_PTR f2 = NULL;
	cr_assert_eq(C_GetFunctionList(&f2), CKR_OK);
	p = (const void *const *)&f2->C_Initialize;
	n = (sizeof(*f2) - offsetof(CK_FUNCTION_LIST, C_Initialize)) / sizeof(void *);
	for (size_t i = 0; i < n; i++)
		cr_assert_not_null(p[i], "2.40 entry %zu is NULL", i);
	cr_assert_eq(f2->version.major, 2);
	cr_assert_eq(f3->version.major, 3);
}

Test(p11, interfaces)
{
	CK_ULONG n = 0;
	CK_INTERFACE list[4], *iface = NULL;
	CK_VERSION v30 = { 3, 0 }, v240 = { 2, 40 }, v1 = { 1, 0 };
	cr_assert_eq(C_GetInterfaceList(NULL, &n), CKR_OK);
	cr_assert_eq(n, 3);
	cr_assert_eq(C_GetInterfaceList(list, &n), CKR_OK);
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v30, &iface, 0), CKR_OK);
	cr_assert_eq(((CK_VERSION *)iface->pFunctionList)->major, 3);
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &iface, 0), CKR_OK);
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "hsmlab admin", &v1, &iface, 0), CKR_OK);
	cr_assert_neq(C_GetInterface((CK_UTF8CHAR_PTR) "nope", NULL, &iface, 0), CKR_OK);
	/* PKCS#11 itself: the exact version only. The hsmlab tables grow at their end, so an
	 * older minor version asked for gets the table (a newer or another major does not). */
	CK_VERSION v31 = { 3, 1 }, v20 = { 2, 0 };
	cr_assert_neq(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v31, &iface, 0), CKR_OK);
	cr_assert_neq(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", &v20, &iface, 0), CKR_OK);
	CK_VERSION have = { 0, 0 };
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "hsmlab admin", NULL, &iface, 0), CKR_OK);
	have = *(CK_VERSION *)iface->pFunctionList;
	CK_VERSION older = { have.major, 0 }, newer = { have.major, (CK_BYTE)(have.minor + 1) },
		   next = { (CK_BYTE)(have.major + 1), 0 };
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "hsmlab admin", &older, &iface, 0), CKR_OK);
	cr_assert_neq(C_GetInterface((CK_UTF8CHAR_PTR) "hsmlab admin", &newer, &iface, 0), CKR_OK);
	cr_assert_neq(C_GetInterface((CK_UTF8CHAR_PTR) "hsmlab admin", &next, &iface, 0), CKR_OK);
}

Test(p11, initialize_twice_and_finalize)
{
	cr_assert_eq(C_GetInfo(&(CK_INFO){ 0 }), CKR_CRYPTOKI_NOT_INITIALIZED);
	cr_assert_eq(C_Initialize(NULL), CKR_OK);
	cr_assert_eq(C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);
	CK_INFO info;
	cr_assert_eq(C_GetInfo(&info), CKR_OK);
	cr_assert_eq(info.cryptokiVersion.major, 3);
	cr_assert_eq(C_Finalize((void *)1), CKR_ARGUMENTS_BAD);
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	cr_assert_eq(C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);
	CK_C_INITIALIZE_ARGS bad = { .CreateMutex = (CK_CREATEMUTEX)1 };
	cr_assert_eq(C_Initialize(&bad), CKR_ARGUMENTS_BAD);
}

Test(p11, free_token_then_a_new_free_one)
{
	CK_SLOT_ID slots[4];
	CK_ULONG n = 4;
	ready(false);
	cr_assert_eq(C_GetSlotList(CK_TRUE, NULL, &n), CKR_OK);
	cr_assert_eq(n, 2, "the initialized device plus a new free one");
	cr_assert_eq(C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	CK_TOKEN_INFO ti;
	cr_assert_eq(C_GetTokenInfo(slots[0], &ti), CKR_OK);
	cr_assert(ti.flags & CKF_TOKEN_INITIALIZED);
	cr_assert(ti.flags & CKF_USER_PIN_INITIALIZED);
	cr_assert_eq(C_GetTokenInfo(slots[1], &ti), CKR_OK);
	cr_assert_not(ti.flags & CKF_TOKEN_INITIALIZED);
	CK_SESSION_HANDLE s;
	cr_assert_eq(C_OpenSession(slots[1], CKF_SERIAL_SESSION, NULL, NULL, &s),
		     CKR_TOKEN_NOT_RECOGNIZED);
}

Test(p11, session_handles_invalidated)
{
	CK_SESSION_HANDLE s = ready(false), ro;
	CK_SESSION_INFO si;
	cr_assert_eq(C_OpenSession(slot, 0, NULL, NULL, &ro), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	cr_assert_eq(C_GetSessionInfo(ro, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RO_PUBLIC_SESSION);
	cr_assert_eq(C_Login(s, CKU_SO, so_pin, 8), CKR_SESSION_READ_ONLY_EXISTS);
	cr_assert_eq(C_Login(ro, CKU_USER, pin, 6), CKR_OK);
	cr_assert_eq(C_GetSessionInfo(s, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RW_USER_FUNCTIONS, "login is per token");
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_USER_ALREADY_LOGGED_IN);
	cr_assert_eq(C_CloseSession(ro), CKR_OK);
	cr_assert_eq(C_GetSessionInfo(ro, &si), CKR_SESSION_HANDLE_INVALID);
	cr_assert_eq(C_CloseAllSessions(slot), CKR_OK);
	cr_assert_eq(C_GetSessionInfo(s, &si), CKR_SESSION_HANDLE_INVALID);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	cr_assert_eq(C_GetSessionInfo(ro, &si), CKR_OK);
	cr_assert_eq(si.state, CKS_RO_PUBLIC_SESSION, "closing every session logs out");
	cr_assert_neq(ro, s, "handles are not reused");
}

Test(p11, object_handles_and_private_objects)
{
	CK_SESSION_HANDLE s = ready(false);
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_OBJECT_HANDLE h, found[4];
	CK_ULONG n;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_TOKEN, &yes, 1 },
			     { CKA_PRIVATE, &yes, 1 },
			     { CKA_LABEL, "secret", 6 } };
	cr_assert_eq(C_CreateObject(s, t, 4, &h), CKR_USER_NOT_LOGGED_IN);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
	cr_assert_eq(C_CreateObject(s, t, 4, &h), CKR_OK);
	cr_assert_eq(C_FindObjectsInit(s, t + 3, 1), CKR_OK);
	cr_assert_eq(C_FindObjects(s, found, 4, &n), CKR_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(found[0], h);
	cr_assert_eq(C_FindObjectsFinal(s), CKR_OK);
	cr_assert_eq(C_Logout(s), CKR_OK);
	CK_ATTRIBUTE get = { CKA_LABEL, NULL, 0 };
	cr_assert_eq(C_GetAttributeValue(s, h, &get, 1), CKR_OBJECT_HANDLE_INVALID,
		     "private objects are hidden before login");
	cr_assert_eq(C_FindObjectsInit(s, t + 3, 1), CKR_OK);
	cr_assert_eq(C_FindObjects(s, found, 4, &n), CKR_OK);
	cr_assert_eq(n, 0);
	cr_assert_eq(C_FindObjectsFinal(s), CKR_OK);
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	cr_assert_eq(C_Initialize(NULL), CKR_OK);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	cr_assert_eq(C_GetAttributeValue(s, h, &get, 1), CKR_OBJECT_HANDLE_INVALID,
		     "finalize invalidates object handles");
}

Test(p11, failed_logins_lock_the_pin)
{
	CK_SESSION_HANDLE s = ready(false);
	CK_TOKEN_INFO ti;
	for (int i = 0; i < 10; i++)
		cr_assert_eq(C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "wrong!", 6),
			     CKR_PIN_INCORRECT);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_PIN_LOCKED);
	cr_assert_eq(C_GetTokenInfo(slot, &ti), CKR_OK);
	cr_assert(ti.flags & CKF_USER_PIN_LOCKED);
	/* The SO resets it with C_InitPIN. */
	cr_assert_eq(C_Login(s, CKU_SO, so_pin, 8), CKR_OK);
	cr_assert_eq(C_InitPIN(s, pin, 6), CKR_OK);
	cr_assert_eq(C_Logout(s), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
}

Test(p11, pin_rules)
{
	CK_SESSION_HANDLE s = ready(false);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
	cr_assert_eq(C_SetPIN(s, pin, 6, (CK_UTF8CHAR_PTR) "123", 3), CKR_PIN_LEN_RANGE);
	cr_assert_eq(C_SetPIN(s, (CK_UTF8CHAR_PTR) "999999", 6, (CK_UTF8CHAR_PTR) "654321", 6),
		     CKR_PIN_INCORRECT);
	cr_assert_eq(C_SetPIN(s, pin, 6, (CK_UTF8CHAR_PTR) "654321", 6), CKR_OK);
	cr_assert_eq(C_Logout(s), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_PIN_INCORRECT);
	cr_assert_eq(C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "654321", 6), CKR_OK);
	cr_assert_eq(C_Login(s, 77, pin, 6), CKR_USER_TYPE_INVALID);
}

Test(p11, missing_lab_directory_fails_initialize)
{
	rmdir(lab.lab);
	cr_assert_eq(C_Initialize(NULL), CKR_GENERAL_ERROR);
	cr_assert(strstr(hl_p11_last_error(), lab.lab) != NULL, "%s", hl_p11_last_error());
}

Test(p11, group_writable_lab_fails_initialize)
{
	cr_assert_eq(chmod(lab.lab, 0770), 0);
	cr_assert_eq(C_Initialize(NULL), CKR_GENERAL_ERROR);
	cr_assert(strstr(hl_p11_last_error(), "0700") != NULL, "%s", hl_p11_last_error());
}

Test(p11, corrupt_device_store_fails_open_session_untouched)
{
	char cmd[300];
	ready(false);
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	snprintf(cmd, sizeof(cmd), "for f in %s/devices/*.db; do printf garbage > $f; done",
		 lab.lab);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(C_Initialize(NULL), CKR_OK, "the lab itself is fine");
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slots[4];
	CK_ULONG n = 4;
	cr_assert_eq(C_GetSlotList(CK_TRUE, slots, &n), CKR_OK);
	bool refused = false;
	for (CK_ULONG i = 0; i < n; i++)
		refused |=
		    C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL, NULL, &s) == CKR_DEVICE_ERROR;
	cr_assert(refused);
	cr_assert(strstr(hl_p11_last_error(), "devices/") != NULL, "%s", hl_p11_last_error());
}

/* The bytes of the lab's one device store. */
static void store_bytes(char *out, size_t len)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "cat %s/devices/*.db | sha256sum", lab.lab);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	cr_assert_not_null(fgets(out, (int)len, p));
	pclose(p);
}

/* A lab on a read-only mount: the token shows CKF_WRITE_PROTECTED, read-only sessions log in
 * (a wrong PIN too: counted in this process only), find and sign; a read-write session and
 * C_InitToken are refused with CKR_TOKEN_WRITE_PROTECTED; the store is not changed. */
static void ro_teardown(void)
{
	C_Finalize(NULL);
	romount_undo(lab.dir);
	teardown();
}

Test(p11, read_only_mount_token_is_write_protected, .fini = ro_teardown)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 }, sig = { CKM_ECDSA, NULL, 0 };
	CK_BYTE p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, p256, sizeof(p256) },
			       { CKA_TOKEN, &yes, sizeof(yes) } };
	CK_ATTRIBUTE priv[] = { { CKA_TOKEN, &yes, sizeof(yes) },
				{ CKA_SIGN, &yes, sizeof(yes) },
				{ CKA_LABEL, "ro", 2 } };
	CK_OBJECT_HANDLE hpub, hpriv;
	cr_assert_eq(C_GenerateKeyPair(s, &gen, pub, 2, priv, 3, &hpub, &hpriv), CKR_OK);
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	char before[100], after[100];
	store_bytes(before, sizeof(before));
	romount(lab.dir);

	CK_TOKEN_INFO ti;
	cr_assert_eq(C_Initialize(NULL), CKR_OK, "%s", hl_p11_last_error());
	cr_assert_eq(C_GetTokenInfo(slot, &ti), CKR_OK);
	cr_assert(ti.flags & CKF_WRITE_PROTECTED);
	cr_assert(ti.flags & CKF_TOKEN_INITIALIZED);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
		     CKR_TOKEN_WRITE_PROTECTED);
	cr_assert_eq(C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s), CKR_OK);
	cr_assert_eq(C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "654321", 6), CKR_PIN_INCORRECT);
	cr_assert_eq(C_Login(s, CKU_USER, pin, 6), CKR_OK);
	CK_ATTRIBUTE find[] = { { CKA_LABEL, "ro", 2 } };
	CK_ULONG n = 0;
	cr_assert_eq(C_FindObjectsInit(s, find, 1), CKR_OK);
	cr_assert_eq(C_FindObjects(s, &hpriv, 1, &n), CKR_OK);
	cr_assert_eq(C_FindObjectsFinal(s), CKR_OK);
	cr_assert_eq(n, 1);
	CK_BYTE digest[32] = { 1 }, out[64];
	CK_ULONG out_len = sizeof(out);
	cr_assert_eq(C_SignInit(s, &sig, hpriv), CKR_OK);
	cr_assert_eq(C_Sign(s, digest, sizeof(digest), out, &out_len), CKR_OK);
	cr_assert_eq(out_len, 64);
	cr_assert_eq(C_CloseAllSessions(slot), CKR_OK);
	CK_UTF8CHAR label[32];
	memset(label, ' ', sizeof(label));
	cr_assert_eq(C_InitToken(slot, so_pin, 8, label), CKR_TOKEN_WRITE_PROTECTED);
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
	store_bytes(after, sizeof(after));
	cr_assert_str_eq(before, after, "the store is unchanged");
}
