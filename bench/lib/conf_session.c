/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: conformance checks of the function list, initialisation, info calls,
 * slots, tokens, sessions and login. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conf_int.h"

static const char *const v2_names[] = {
	"C_Initialize",
	"C_Finalize",
	"C_GetInfo",
	"C_GetFunctionList",
	"C_GetSlotList",
	"C_GetSlotInfo",
	"C_GetTokenInfo",
	"C_GetMechanismList",
	"C_GetMechanismInfo",
	"C_InitToken",
	"C_InitPIN",
	"C_SetPIN",
	"C_OpenSession",
	"C_CloseSession",
	"C_CloseAllSessions",
	"C_GetSessionInfo",
	"C_GetOperationState",
	"C_SetOperationState",
	"C_Login",
	"C_Logout",
	"C_CreateObject",
	"C_CopyObject",
	"C_DestroyObject",
	"C_GetObjectSize",
	"C_GetAttributeValue",
	"C_SetAttributeValue",
	"C_FindObjectsInit",
	"C_FindObjects",
	"C_FindObjectsFinal",
	"C_EncryptInit",
	"C_Encrypt",
	"C_EncryptUpdate",
	"C_EncryptFinal",
	"C_DecryptInit",
	"C_Decrypt",
	"C_DecryptUpdate",
	"C_DecryptFinal",
	"C_DigestInit",
	"C_Digest",
	"C_DigestUpdate",
	"C_DigestKey",
	"C_DigestFinal",
	"C_SignInit",
	"C_Sign",
	"C_SignUpdate",
	"C_SignFinal",
	"C_SignRecoverInit",
	"C_SignRecover",
	"C_VerifyInit",
	"C_Verify",
	"C_VerifyUpdate",
	"C_VerifyFinal",
	"C_VerifyRecoverInit",
	"C_VerifyRecover",
	"C_DigestEncryptUpdate",
	"C_DecryptDigestUpdate",
	"C_SignEncryptUpdate",
	"C_DecryptVerifyUpdate",
	"C_GenerateKey",
	"C_GenerateKeyPair",
	"C_WrapKey",
	"C_UnwrapKey",
	"C_DeriveKey",
	"C_SeedRandom",
	"C_GenerateRandom",
	"C_GetFunctionStatus",
	"C_CancelFunction",
	"C_WaitForSlotEvent",
};
static const char *const v3_names[] = {
	"C_GetInterfaceList",    "C_GetInterface",        "C_LoginUser",
	"C_SessionCancel",       "C_MessageEncryptInit",  "C_EncryptMessage",
	"C_EncryptMessageBegin", "C_EncryptMessageNext",  "C_MessageEncryptFinal",
	"C_MessageDecryptInit",  "C_DecryptMessage",      "C_DecryptMessageBegin",
	"C_DecryptMessageNext",  "C_MessageDecryptFinal", "C_MessageSignInit",
	"C_SignMessage",         "C_SignMessageBegin",    "C_SignMessageNext",
	"C_MessageSignFinal",    "C_MessageVerifyInit",   "C_VerifyMessage",
	"C_VerifyMessageBegin",  "C_VerifyMessageNext",   "C_MessageVerifyFinal",
};
enum { NV2 = sizeof v2_names / sizeof v2_names[0], NV3 = sizeof v3_names / sizeof v3_names[0] };

_Static_assert(sizeof(CK_FUNCTION_LIST) ==
		   offsetof(CK_FUNCTION_LIST, C_Initialize) + NV2 * sizeof(void (*)(void)),
	       "the v2.40 name table matches CK_FUNCTION_LIST");
_Static_assert(sizeof(CK_FUNCTION_LIST_3_0) == offsetof(CK_FUNCTION_LIST_3_0, C_Initialize) +
						   (NV2 + NV3) * sizeof(void (*)(void)),
	       "the v3.0 name table matches CK_FUNCTION_LIST_3_0");

/* Lists the NULL entries of a function table ("complete" when there are none). */
static void null_entries(hl_conf_out_t *o, const void *first, size_t n, const char *const *names)
{
	size_t len = 0;
	int nulls = 0;

	for (size_t i = 0; i < n; i++) {
		void (*f)(void);

		memcpy(&f, (const char *)first + i * sizeof f, sizeof f);
		if (f != NULL)
			continue;
		nulls++;
		if (len < sizeof o->value - 1)
			len += (size_t)snprintf(o->value + len, sizeof o->value - len, "%s%s",
						nulls == 1 ? "null:" : ",", names[i]);
	}
	if (nulls == 0)
		hl_conf_val(o, "complete");
}

static const char *state_name(CK_STATE st)
{
	static const char *const n[] = { "RO_PUBLIC", "RO_USER", "RW_PUBLIC", "RW_USER", "RW_SO" };

	return st < 5 ? n[st] : "vendor-state";
}

static const char *session_state(hl_conf_ctx_t *c, CK_SESSION_HANDLE s)
{
	CK_SESSION_INFO si;
	CK_RV rv = c->fn->C_GetSessionInfo(s, &si);

	return rv == CKR_OK ? state_name(si.state) : hl_ckr_name(rv);
}

/* -- before C_Initialize -- */

static void fn_list_complete(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	null_entries(o, &c->fn->C_Initialize, NV2, v2_names);
}

static void fn_list_version(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	hl_conf_val(o, "%u.%u", c->fn->version.major, c->fn->version.minor);
}

static void fn_interface_3_0(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	if (c->fn3 == NULL) {
		hl_conf_val(o, "absent");
		return;
	}
	null_entries(o, &c->fn3->C_Initialize, NV2, v2_names);
	if (strcmp(o->value, "complete") == 0)
		null_entries(o, &c->fn3->C_GetInterfaceList, NV3, v3_names);
	if (strcmp(o->value, "complete") == 0)
		hl_conf_detail(o, "version %u.%u", c->fn3->version.major, c->fn3->version.minor);
}

static void fn_interface_list(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_INTERFACE ifs[8];
	CK_ULONG n = 8;
	CK_RV rv;
	size_t len = 0;

	if (c->fn3 == NULL || c->fn3->C_GetInterfaceList == NULL) {
		hl_conf_val(o, "absent");
		return;
	}
	rv = c->fn3->C_GetInterfaceList(NULL, &n);
	if (rv == CKR_OK && n <= 8)
		rv = c->fn3->C_GetInterfaceList(ifs, &n);
	if (rv != CKR_OK || n > 8) {
		hl_conf_val(o, "%s", rv != CKR_OK ? hl_ckr_name(rv) : "too-many");
		return;
	}
	for (CK_ULONG i = 0; i < n && len < sizeof o->value; i++) {
		const CK_VERSION *v = ifs[i].pFunctionList;

		len += (size_t)snprintf(o->value + len, sizeof o->value - len, "%s%s %u.%u",
					i ? "," : "", (const char *)ifs[i].pInterfaceName, v->major,
					v->minor);
	}
}

static void init_before(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_INFO info;

	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_GetInfo(&info)));
}

/* -- initialisation and info -- */

static void init_twice(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };

	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_Initialize(&args)));
}

static void init_finalize_reserved(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	static int reserved;
	CK_RV rv = c->fn->C_Finalize(&reserved);

	hl_conf_val(o, "%s", hl_ckr_name(rv));
	if (rv == CKR_OK) {
		/* It did finalise: bring it back for the rest of the suite. */
		CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };

		c->fn->C_Initialize(&args);
		hl_conf_detail(o, "module finalised on a non-NULL pReserved");
	}
}

static void info_version(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_INFO i;
	CK_RV rv = c->fn->C_GetInfo(&i);

	if (rv != CKR_OK) {
		hl_conf_val(o, "%s", hl_ckr_name(rv));
		return;
	}
	hl_conf_val(o, "%u.%u", i.cryptokiVersion.major, i.cryptokiVersion.minor);
	hl_conf_detail(o, "library %u.%u", i.libraryVersion.major, i.libraryVersion.minor);
}

static void info_manufacturer(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_INFO i;
	char m[33], d[33];
	CK_RV rv = c->fn->C_GetInfo(&i);

	if (rv != CKR_OK) {
		hl_conf_val(o, "%s", hl_ckr_name(rv));
		return;
	}
	hl_p11_unpad(m, i.manufacturerID, sizeof i.manufacturerID);
	hl_p11_unpad(d, i.libraryDescription, sizeof i.libraryDescription);
	hl_conf_val(o, "%s", m);
	hl_conf_detail(o, "%s", d);
}

static void slot_buffer_small(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SLOT_ID one;
	CK_ULONG n = 0;
	CK_RV rv = c->fn->C_GetSlotList(CK_TRUE, &one, &n);

	hl_conf_val(o, "%s", hl_ckr_name(rv));
	hl_conf_detail(o, "count written back: %lu", n);
}

static void slot_invalid(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SLOT_INFO si;

	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_GetSlotInfo(0x7ffffff0UL, &si)));
}

static void flag_names(hl_conf_out_t *o, CK_FLAGS f, const CK_FLAGS *bits, const char *const *names,
		       size_t n)
{
	size_t len = 0;

	hl_conf_val(o, "none");
	for (size_t i = 0; i < n; i++)
		if ((f & bits[i]) && len < sizeof o->value)
			len += (size_t)snprintf(o->value + len, sizeof o->value - len, "%s%s",
						len ? "," : "", names[i]);
}

/* L5: a library that translates slot ids gives large ones (never 0, 1, ...). */
static void slot_id_size(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	hl_conf_val(o, "%s", c->slot < 0x10000 ? "small" : "large");
	hl_conf_detail(o, "slot id %lu", c->slot);
}

static void slot_flags(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	static const CK_FLAGS bits[] = { CKF_TOKEN_PRESENT, CKF_REMOVABLE_DEVICE, CKF_HW_SLOT };
	static const char *const names[] = { "TOKEN_PRESENT", "REMOVABLE", "HW_SLOT" };
	CK_SLOT_INFO si;
	CK_RV rv = c->fn->C_GetSlotInfo(c->slot, &si);

	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		flag_names(o, si.flags, bits, names, 3);
}

static void token_flags(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	static const CK_FLAGS bits[] = { CKF_RNG,
					 CKF_WRITE_PROTECTED,
					 CKF_LOGIN_REQUIRED,
					 CKF_USER_PIN_INITIALIZED,
					 CKF_RESTORE_KEY_NOT_NEEDED,
					 CKF_CLOCK_ON_TOKEN,
					 CKF_PROTECTED_AUTHENTICATION_PATH,
					 CKF_DUAL_CRYPTO_OPERATIONS,
					 CKF_TOKEN_INITIALIZED,
					 CKF_SECONDARY_AUTHENTICATION };
	static const char *const names[] = { "RNG",
					     "WRITE_PROTECTED",
					     "LOGIN_REQUIRED",
					     "USER_PIN_INITIALIZED",
					     "RESTORE_KEY_NOT_NEEDED",
					     "CLOCK_ON_TOKEN",
					     "PROTECTED_AUTH_PATH",
					     "DUAL_CRYPTO",
					     "TOKEN_INITIALIZED",
					     "SECONDARY_AUTH" };
	CK_TOKEN_INFO ti;
	CK_RV rv = c->fn->C_GetTokenInfo(c->slot, &ti);

	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		flag_names(o, ti.flags, bits, names, sizeof bits / sizeof bits[0]);
}

static const char *count_name(CK_ULONG v, char *buf, size_t n)
{
	if (v == CK_UNAVAILABLE_INFORMATION)
		return "unavailable";
	if (v == CK_EFFECTIVELY_INFINITE)
		return "0(infinite)";
	snprintf(buf, n, "%lu", v);
	return buf;
}

static void token_limits(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	char a[24], b[24];
	CK_TOKEN_INFO ti;
	CK_RV rv = c->fn->C_GetTokenInfo(c->slot, &ti);

	if (rv != CKR_OK) {
		hl_conf_val(o, "%s", hl_ckr_name(rv));
		return;
	}
	hl_conf_val(
	    o, "sessions=%s rw=%s pin=%lu-%lu", count_name(ti.ulMaxSessionCount, a, sizeof a),
	    count_name(ti.ulMaxRwSessionCount, b, sizeof b), ti.ulMinPinLen, ti.ulMaxPinLen);
}

static void token_serial(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	char before[17], after[17];
	CK_TOKEN_INFO ti;
	CK_SESSION_HANDLE s;
	CK_RV rv;

	c->fn->C_CloseAllSessions(c->slot);
	rv = c->fn->C_GetTokenInfo(c->slot, &ti);
	hl_p11_unpad(before, ti.serialNumber, sizeof ti.serialNumber);
	if (rv == CKR_OK)
		rv = hl_conf_session(c, 0, 1, &s);
	if (rv == CKR_OK) {
		rv = c->fn->C_GetTokenInfo(c->slot, &ti);
		hl_p11_unpad(after, ti.serialNumber, sizeof ti.serialNumber);
		c->fn->C_Logout(s);
		c->fn->C_CloseSession(s);
	}
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else if (strcmp(before, after) == 0)
		hl_conf_val(o, "same-before-login");
	else
		hl_conf_val(o, "before-login:'%s'", before);
}

/* Some modules give an initialised token a new slot id, seen after re-initialising. */
static void token_slot_moved(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	const char *label = hl_bench_target_token(c->t);
	CK_SLOT_ID again = c->slot;
	CK_RV rv;

	if (label == NULL) {
		hl_conf_val(o, "no-token-label");
		return;
	}
	c->fn->C_Finalize(NULL);
	rv = c->fn->C_Initialize(&args);
	if (rv == CKR_OK)
		rv = hl_p11_find_slot(c->fn, label, &again);
	if (rv != CKR_OK) {
		hl_conf_val(o, "reinit:%s", hl_ckr_name(rv));
		return;
	}
	hl_conf_val(o, "%s", again == c->slot ? "same" : "moved");
	hl_conf_detail(o, "slot %lu -> %lu; moved during C_InitToken: %s", c->slot, again,
		       hl_bench_target_slot_moved(c->t) ? "yes" : "no");
	c->slot = again;
}

/* -- sessions -- */

static void session_no_serial(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_RV rv = c->fn->C_OpenSession(c->slot, 0, NULL, NULL, &s);

	hl_conf_val(o, "%s", hl_ckr_name(rv));
	if (rv == CKR_OK)
		c->fn->C_CloseSession(s);
}

static void session_invalid(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_INFO si;

	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_GetSessionInfo(0x7ffff00dUL, &si)));
}

static void session_states(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE ro, rw;
	char before[64];

	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_session(c, 0, 0, &ro) != CKR_OK || hl_conf_session(c, 1, 0, &rw) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	snprintf(before, sizeof before, "%s,%s", session_state(c, ro), session_state(c, rw));
	if (hl_conf_session(c, 1, 1, &rw) == CKR_OK)
		hl_conf_val(o, "%s -> %s,%s", before, session_state(c, ro), session_state(c, rw));
	else
		hl_conf_val(o, "%s -> login-failed", before);
	c->fn->C_Logout(rw);
	c->fn->C_CloseAllSessions(c->slot);
}

static void session_ro_create(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_OBJECT_CLASS cls = CKO_DATA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof cls },
			     { CKA_TOKEN, &yes, 1 },
			     { CKA_LABEL, "hsmlab-conf-ro", 14 } };
	CK_OBJECT_HANDLE h;
	CK_SESSION_HANDLE s;
	CK_RV rv = hl_conf_session(c, 0, 1, &s);

	if (rv == CKR_OK) {
		rv = c->fn->C_CreateObject(s, t, 3, &h);
		if (rv == CKR_OK)
			c->fn->C_DestroyObject(s, h);
		c->fn->C_CloseSession(s);
	}
	hl_conf_val(o, "%s", hl_ckr_name(rv));
}

static void session_so_with_ro(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	const char *so = hl_bench_target_so_pin(c->t);
	CK_SESSION_HANDLE ro, rw;
	CK_RV rv;

	if (so == NULL) {
		hl_conf_val(o, "no-so-pin");
		return;
	}
	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_session(c, 0, 0, &ro) != CKR_OK || hl_conf_session(c, 1, 0, &rw) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	rv = c->fn->C_Login(rw, CKU_SO, (CK_UTF8CHAR_PTR)so, strlen(so));
	hl_conf_val(o, "%s", hl_ckr_name(rv));
	if (rv == CKR_OK)
		c->fn->C_Logout(rw);
	c->fn->C_CloseAllSessions(c->slot);
}

static CK_RV notify_cb(CK_SESSION_HANDLE s, CK_NOTIFICATION event, void *app)
{
	return CKR_OK;
}

static void session_notify(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	static int app;
	CK_SESSION_HANDLE s;
	CK_RV rv = c->fn->C_OpenSession(c->slot, CKF_SERIAL_SESSION, &app, notify_cb, &s);

	hl_conf_val(o, "%s", hl_ckr_name(rv));
	if (rv == CKR_OK)
		c->fn->C_CloseSession(s);
}

static void session_close_all(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_SESSION_INFO si;

	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	c->fn->C_CloseAllSessions(c->slot);
	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_GetSessionInfo(s, &si)));
}

static void session_op_state(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_ULONG len = 0;
	CK_BYTE in[32] = { 0 };
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };

	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	/* With a digest in progress, so "nothing to save" is not the answer. */
	if (c->fn->C_DigestInit(s, &m) == CKR_OK)
		c->fn->C_DigestUpdate(s, in, sizeof in);
	hl_conf_val(o, "%s", hl_ckr_name(c->fn->C_GetOperationState(s, NULL, &len)));
	c->fn->C_CloseSession(s);
}

/* -- login -- */

static void login_wrong_pin(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;
	CK_RV rv;

	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	rv = c->fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR) "00000000-wrong", 14);
	hl_conf_val(o, "%s", hl_ckr_name(rv));
	/* A good login resets the failure counter, so the run never locks the token. */
	c->fn->C_CloseSession(s);
	if (hl_conf_session(c, 0, 1, &s) == CKR_OK) {
		c->fn->C_Logout(s);
		c->fn->C_CloseSession(s);
	}
}

static void login_user_type(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	const char *pin = hl_bench_target_user_pin(c->t);
	CK_SESSION_HANDLE s;

	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	hl_conf_val(
	    o, "%s",
	    hl_ckr_name(c->fn->C_Login(s, 0x7777UL, (CK_UTF8CHAR_PTR)pin, pin ? strlen(pin) : 0)));
	c->fn->C_CloseSession(s);
}

static void login_per_token(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	const char *pin = hl_bench_target_user_pin(c->t);
	CK_SESSION_HANDLE a, b;
	CK_RV rv;

	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_session(c, 0, 1, &a) != CKR_OK || hl_conf_session(c, 0, 0, &b) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	rv = c->fn->C_Login(b, CKU_USER, (CK_UTF8CHAR_PTR)pin, pin ? strlen(pin) : 0);
	hl_conf_val(o, "%s,other-session=%s", hl_ckr_name(rv), session_state(c, b));
	c->fn->C_Logout(a);
	c->fn->C_CloseAllSessions(c->slot);
}

static void login_context_specific(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	const char *pin = hl_bench_target_user_pin(c->t);
	CK_SESSION_HANDLE s;

	if (hl_conf_session(c, 0, 1, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	hl_conf_val(o, "%s",
		    hl_ckr_name(c->fn->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)pin,
					       pin ? strlen(pin) : 0)));
	c->fn->C_Logout(s);
	c->fn->C_CloseSession(s);
}

static void login_logout_twice(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE s;

	if (hl_conf_session(c, 0, 1, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	c->fn->C_Logout(s);
	hl_conf_val(o, "%s,state=%s", hl_ckr_name(c->fn->C_Logout(s)), session_state(c, s));
	c->fn->C_CloseSession(s);
}

static void login_survives_close(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_SESSION_HANDLE a, b;

	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_session(c, 0, 1, &a) != CKR_OK || hl_conf_session(c, 0, 0, &b) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	c->fn->C_CloseSession(a);
	hl_conf_val(o, "%s", session_state(c, b));
	c->fn->C_Logout(b);
	c->fn->C_CloseSession(b);
}

static void rng_public(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_BYTE buf[16], seed[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	CK_SESSION_HANDLE s;

	c->fn->C_CloseAllSessions(c->slot);
	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	hl_conf_val(o, "random=%s", hl_ckr_name(c->fn->C_GenerateRandom(s, buf, sizeof buf)));
	hl_conf_detail(o, "C_SeedRandom: %s",
		       hl_ckr_name(c->fn->C_SeedRandom(s, seed, sizeof seed)));
	c->fn->C_CloseSession(s);
}

static void fork_child_init(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	int fds[2], status;
	CK_RV rv = 0;
	pid_t pid;

	if (pipe(fds) != 0 || (pid = fork()) < 0) {
		hl_conf_val(o, "fork-failed");
		return;
	}
	if (pid == 0) {
		CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };

		rv = c->fn->C_Initialize(&args);
		if (write(fds[1], &rv, sizeof rv) != (ssize_t)sizeof rv)
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &rv, sizeof rv) == (ssize_t)sizeof rv)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		hl_conf_val(o, "child-died");
	close(fds[0]);
	waitpid(pid, &status, 0);
}

const hl_conf_entry_t hl_conf_session_checks[] = {
	{ { "fn.list_complete", "C_GetFunctionList: no NULL entry", "spec" }, fn_list_complete, 1 },
	{ { "fn.list_version", "version of the CK_FUNCTION_LIST", "spec" }, fn_list_version, 1 },
	{ { "fn.interface_3_0", "C_GetInterface(\"PKCS 11\", 3.0): offered and complete",
	    "spec 3.0" },
	  fn_interface_3_0,
	  1 },
	{ { "fn.interface_list", "C_GetInterfaceList: the interfaces offered", "spec 3.0" },
	  fn_interface_list,
	  1 },
	{ { "init.call_before", "C_GetInfo before C_Initialize", "spec" }, init_before, 1 },
	{ { "init.twice", "a second C_Initialize", "baseline" }, init_twice, 0 },
	{ { "init.finalize_reserved", "C_Finalize with non-NULL pReserved", "spec" },
	  init_finalize_reserved,
	  0 },
	{ { "info.cryptoki_version", "C_GetInfo cryptokiVersion", "K5" }, info_version, 0 },
	{ { "info.manufacturer", "C_GetInfo manufacturerID", "K5" }, info_manufacturer, 0 },
	{ { "slot.list_buffer_small", "C_GetSlotList with a too small buffer", "spec" },
	  slot_buffer_small,
	  0 },
	{ { "slot.invalid_id", "C_GetSlotInfo on an unknown slot", "spec" }, slot_invalid, 0 },
	{ { "slot.flags", "the test slot's flags", "spec" }, slot_flags, 0 },
	{ { "slot.id_size", "the test slot's id: small (below 65536) or large", "L5" },
	  slot_id_size,
	  0 },
	{ { "token.flags", "the test token's flags", "spec" }, token_flags, 0 },
	{ { "token.limits", "max sessions and PIN length in C_GetTokenInfo", "L10" },
	  token_limits,
	  0 },
	{ { "token.serial_before_login", "serialNumber before vs after login", "K4" },
	  token_serial,
	  0 },
	{ { "token.init_moves_slot", "the token's slot id after C_Finalize + C_Initialize", "G16" },
	  token_slot_moved,
	  0 },
	{ { "session.no_serial_flag", "C_OpenSession without CKF_SERIAL_SESSION", "spec" },
	  session_no_serial,
	  0 },
	{ { "session.invalid_handle", "C_GetSessionInfo on an unknown handle", "spec" },
	  session_invalid,
	  0 },
	{ { "session.states", "R/O,R/W session states before -> after user login", "spec" },
	  session_states,
	  0 },
	{ { "session.ro_create_token_object", "token object created in a R/O session", "spec" },
	  session_ro_create,
	  0 },
	{ { "session.so_login_with_ro", "SO login while a R/O session exists", "spec" },
	  session_so_with_ro,
	  0 },
	{ { "session.notify_callback", "C_OpenSession with pApplication and Notify", "G7" },
	  session_notify,
	  0 },
	{ { "session.close_all", "a handle after C_CloseAllSessions", "spec" },
	  session_close_all,
	  0 },
	{ { "session.operation_state", "C_GetOperationState during a digest", "G7" },
	  session_op_state,
	  0 },
	{ { "login.wrong_pin", "C_Login with a wrong user PIN", "spec" }, login_wrong_pin, 0 },
	{ { "login.user_type_invalid", "C_Login with an unknown user type", "spec" },
	  login_user_type,
	  0 },
	{ { "login.state_per_token", "second C_Login in another session; that session's state",
	    "G2" },
	  login_per_token,
	  0 },
	{ { "login.context_specific", "C_Login(CKU_CONTEXT_SPECIFIC) with no operation", "L1" },
	  login_context_specific,
	  0 },
	{ { "login.logout_twice", "C_Logout when already logged out", "spec" },
	  login_logout_twice,
	  0 },
	{ { "login.survives_session_close", "login state after closing the session that logged in",
	    "G3" },
	  login_survives_close,
	  0 },
	{ { "rng.public_session", "C_GenerateRandom before login", "G6" }, rng_public, 0 },
	{ { "fork.child_initialize", "C_Initialize in a fork()ed child", "G11" },
	  fork_child_init,
	  0 },
	{ { NULL, NULL, NULL }, NULL, 0 },
};
