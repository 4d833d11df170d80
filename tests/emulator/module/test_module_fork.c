/* SPDX-License-Identifier: BSD-2-Clause
 * fork() against the built module: the child can C_Initialize again and use the token;
 * the parent's sessions are untouched. */
#include <criterion/criterion.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsmlab/p11client.h"
#include "modsession.h"
#include "testlab.h"

static testlab_t lab;

static void setup(void)
{
	testlab_make(&lab);
}
static void teardown(void)
{
	testlab_remove(&lab);
}
TestSuite(fork, .init = setup, .fini = teardown);

static CK_RV sign_once(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	CK_MECHANISM m = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[256];
	CK_ULONG sl = sizeof(sig);
	CK_RV rv = fn->C_SignInit(s, &m, key);
	return rv == CKR_OK ? fn->C_Sign(s, (CK_BYTE_PTR) "f", 1, sig, &sl) : rv;
}

/* The child's whole life: exit code 0 when everything worked, else the step number. */
static int child(CK_FUNCTION_LIST_PTR fn)
{
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE key;
	CK_ULONG n = 0;
	if (fn->C_Initialize(NULL) != CKR_OK)
		return 1;
	if (hl_p11_find_slot(fn, "forked", &slot) != CKR_OK)
		return 2;
	if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK)
		return 3;
	if (fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "123456", 6) != CKR_OK)
		return 4;
	if (hl_p11_find_by_label(fn, s, CKO_PRIVATE_KEY, "fk", &key, 1, &n) != CKR_OK || n != 1)
		return 5;
	if (sign_once(fn, s, key) != CKR_OK)
		return 6;
	return fn->C_Finalize(NULL) == CKR_OK ? 0 : 7;
}

Test(fork, child_initializes_again)
{
	char err[512];
	hl_p11_module_t *mod = hl_p11_module_load(getenv("HSMLAB_MODULE"), 0, err, sizeof(err));
	cr_assert_not_null(mod, "%s", err);
	CK_FUNCTION_LIST_PTR fn = hl_p11_module_fn(mod);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE pub, priv;
	CK_ULONG n = 1, bits = 1024;
	CK_BBOOL yes = CK_TRUE;
	cr_assert_eq(fn->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	s = testlab_user_session(fn, slot, "forked");
	CK_MECHANISM m = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) }, { CKA_TOKEN, &yes, 1 } };
	CK_ATTRIBUTE vt[] = { { CKA_TOKEN, &yes, 1 }, { CKA_LABEL, "fk", 2 } };
	cr_assert_eq(fn->C_GenerateKeyPair(s, &m, pt, 2, vt, 2, &pub, &priv), CKR_OK);

	/* No Criterion call in the child: it would talk on the parent's report socket. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(child(fn));
	cr_assert_geq(pid, 0);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child crashed");
	cr_assert_eq(WEXITSTATUS(status), 0, "child failed at step %d", WEXITSTATUS(status));
	cr_assert_eq(sign_once(fn, s, priv), CKR_OK, "the parent's session still works");
	hl_p11_module_free(mod);
}

/* The child's part of the next test: relabels the parent's token object through its own
 * C_Initialize. */
static int child_relabels(CK_FUNCTION_LIST_PTR fn)
{
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE h;
	CK_ULONG n = 0;
	CK_ATTRIBUTE to = { CKA_LABEL, "after", 5 };
	if (fn->C_Initialize(NULL) != CKR_OK)
		return 1;
	if (hl_p11_find_slot(fn, "shared", &slot) != CKR_OK)
		return 2;
	if (fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
		return 3;
	if (hl_p11_find_by_label(fn, s, CKO_DATA, "before", &h, 1, &n) != CKR_OK || n != 1)
		return 4;
	if (fn->C_SetAttributeValue(s, h, &to, 1) != CKR_OK)
		return 5;
	return fn->C_Finalize(NULL) == CKR_OK ? 0 : 6;
}

/* The store's change check skips SQLite while the WAL index counter stands still: a change
 * another process commits must still show after the parent's next search. */
Test(fork, change_from_another_process_is_seen)
{
	char err[512];
	hl_p11_module_t *mod = hl_p11_module_load(getenv("HSMLAB_MODULE"), 0, err, sizeof(err));
	cr_assert_not_null(mod, "%s", err);
	CK_FUNCTION_LIST_PTR fn = hl_p11_module_fn(mod);
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	cr_assert_eq(fn->C_GetSlotList(CK_TRUE, &slot, &n), CKR_OK);
	CK_SESSION_HANDLE s = testlab_user_session(fn, slot, "shared");
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_TOKEN, &yes, 1 },
			     { CKA_LABEL, "before", 6 } };
	CK_OBJECT_HANDLE h, found[2];
	cr_assert_eq(fn->C_CreateObject(s, t, 3, &h), CKR_OK);
	cr_assert_eq(fn->C_FindObjectsInit(s, t, 1), CKR_OK); /* the counter seen once */
	cr_assert_eq(fn->C_FindObjects(s, found, 2, &n), CKR_OK);
	cr_assert_eq(fn->C_FindObjectsFinal(s), CKR_OK);
	pid_t pid = fork();
	if (pid == 0)
		_exit(child_relabels(fn));
	cr_assert_geq(pid, 0);
	int status = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed at step %d",
		  WEXITSTATUS(status));
	cr_assert_eq(fn->C_FindObjectsInit(s, t, 1), CKR_OK);
	cr_assert_eq(fn->C_FindObjects(s, found, 2, &n), CKR_OK);
	cr_assert_eq(fn->C_FindObjectsFinal(s), CKR_OK);
	cr_assert_eq(n, 1);
	char label[16] = { 0 };
	CK_ATTRIBUTE get = { CKA_LABEL, label, sizeof(label) };
	cr_assert_eq(fn->C_GetAttributeValue(s, h, &get, 1), CKR_OK);
	cr_assert_str_eq(label, "after", "the other process's change is seen");
	hl_p11_module_free(mod);
}
