/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: the general-purpose, slot, session and object functions. Each
 * wrapper records its arguments, forwards the call unchanged, records the outputs and
 * returns the wrapped module's code. PINs are recorded by length only. */
#include <string.h>

#include "hsmlab/p11client.h"
#include "trace_fns.h"

typedef hl_trace_rec_t rec_t;

void hl_trace_out_req(rec_t *r, const void *buf, const CK_ULONG *lenp)
{
	hl_trace_bool(r, "buf", buf != NULL);
	hl_trace_ulp(r, "buf_len", lenp);
}

void hl_trace_out_bytes(rec_t *r, CK_RV rv, const void *buf, const CK_ULONG *lenp, int secret)
{
	if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
		return;
	hl_trace_ulp(r, "len", lenp);
	if (rv != CKR_OK || buf == NULL || lenp == NULL)
		return;
	if (secret)
		hl_trace_redacted(r, "data", *lenp);
	else
		hl_trace_hex(r, "data", buf, *lenp);
}

static CK_RV t_Initialize(CK_VOID_PTR args)
{
	const CK_C_INITIALIZE_ARGS *a = args;
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_Initialize");
	hl_trace_bool(&r, "args", a != NULL);
	if (a != NULL) {
		hl_trace_num(&r, "flags", a->flags);
		hl_trace_bool(&r, "mutex_callbacks", a->CreateMutex != NULL);
	}
	rv = HL_TRACE_CALL(C_Initialize, args);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_Finalize(CK_VOID_PTR reserved)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_Finalize");
	hl_trace_bool(&r, "reserved", reserved != NULL);
	rv = HL_TRACE_CALL(C_Finalize, reserved);
	hl_trace_result(&r, rv);
	hl_trace_end(&r, rv);
	hl_trace_flush();
	return rv;
}

static CK_RV t_GetInfo(CK_INFO_PTR info)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetInfo");
	rv = HL_TRACE_CALL(C_GetInfo, info);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK && info != NULL) {
		hl_trace_version(&r, "cryptoki", info->cryptokiVersion);
		hl_trace_padded(&r, "manufacturer", info->manufacturerID, 32);
		hl_trace_padded(&r, "library", info->libraryDescription, 32);
		hl_trace_version(&r, "library_version", info->libraryVersion);
	}
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetSlotList");
	hl_trace_bool(&r, "token_present", present);
	hl_trace_out_req(&r, list, count);
	rv = HL_TRACE_CALL(C_GetSlotList, present, list, count);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		hl_trace_ulp(&r, "count", count);
	if (rv == CKR_OK && list != NULL && count != NULL)
		hl_trace_ulongs(&r, "slots", list, *count);
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetSlotInfo(CK_SLOT_ID slot, CK_SLOT_INFO_PTR info)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetSlotInfo");
	hl_trace_num(&r, "slot", slot);
	rv = HL_TRACE_CALL(C_GetSlotInfo, slot, info);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK && info != NULL) {
		hl_trace_padded(&r, "description", info->slotDescription, 64);
		hl_trace_padded(&r, "manufacturer", info->manufacturerID, 32);
		hl_trace_num(&r, "flags", info->flags);
	}
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetTokenInfo(CK_SLOT_ID slot, CK_TOKEN_INFO_PTR info)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetTokenInfo");
	hl_trace_num(&r, "slot", slot);
	rv = HL_TRACE_CALL(C_GetTokenInfo, slot, info);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK && info != NULL) {
		hl_trace_padded(&r, "label", info->label, 32);
		hl_trace_padded(&r, "manufacturer", info->manufacturerID, 32);
		hl_trace_padded(&r, "model", info->model, 16);
		hl_trace_padded(&r, "serial", info->serialNumber, 16);
		hl_trace_num(&r, "flags", info->flags);
		hl_trace_num(&r, "max_sessions", info->ulMaxSessionCount);
		hl_trace_num(&r, "min_pin", info->ulMinPinLen);
		hl_trace_num(&r, "max_pin", info->ulMaxPinLen);
	}
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetMechanismList(CK_SLOT_ID slot, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetMechanismList");
	hl_trace_num(&r, "slot", slot);
	hl_trace_out_req(&r, list, count);
	rv = HL_TRACE_CALL(C_GetMechanismList, slot, list, count);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		hl_trace_ulp(&r, "count", count);
	if (rv == CKR_OK && list != NULL && count != NULL)
		hl_trace_ulongs(&r, "mechanisms", list, *count);
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetMechanismInfo(CK_SLOT_ID slot, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetMechanismInfo");
	hl_trace_num(&r, "slot", slot);
	hl_trace_num(&r, "mechanism", type);
	hl_trace_str(&r, "mechanism_name", hl_ckm_name(type));
	rv = HL_TRACE_CALL(C_GetMechanismInfo, slot, type, info);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK && info != NULL) {
		hl_trace_num(&r, "min", info->ulMinKeySize);
		hl_trace_num(&r, "max", info->ulMaxKeySize);
		hl_trace_num(&r, "flags", info->flags);
	}
	return hl_trace_end(&r, rv);
}

static CK_RV t_InitToken(CK_SLOT_ID slot, CK_UTF8CHAR_PTR pin, CK_ULONG len, CK_UTF8CHAR_PTR label)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_InitToken");
	hl_trace_num(&r, "slot", slot);
	hl_trace_redacted(&r, "pin", len);
	if (label != NULL)
		hl_trace_padded(&r, "label", label, 32);
	rv = HL_TRACE_CALL(C_InitToken, slot, pin, len, label);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_InitPIN(CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_InitPIN");
	hl_trace_num(&r, "session", s);
	hl_trace_redacted(&r, "pin", len);
	rv = HL_TRACE_CALL(C_InitPIN, s, pin, len);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_SetPIN(CK_SESSION_HANDLE s, CK_UTF8CHAR_PTR old, CK_ULONG oldlen,
		      CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_SetPIN");
	hl_trace_num(&r, "session", s);
	hl_trace_redacted(&r, "old_pin", oldlen);
	hl_trace_redacted(&r, "pin", len);
	rv = HL_TRACE_CALL(C_SetPIN, s, old, oldlen, pin, len);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_OpenSession(CK_SLOT_ID slot, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
			   CK_SESSION_HANDLE_PTR ph)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_OpenSession");
	hl_trace_num(&r, "slot", slot);
	hl_trace_num(&r, "flags", flags);
	hl_trace_bool(&r, "application", app != NULL);
	hl_trace_bool(&r, "notify", notify != NULL);
	rv = HL_TRACE_CALL(C_OpenSession, slot, flags, app, notify, ph);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "session", ph);
	return hl_trace_end(&r, rv);
}

/* The functions that take a session (or a slot) and nothing else. */
static CK_RV session_only(const char *name, CK_RV (*f)(CK_SESSION_HANDLE), const char *what,
			  CK_ULONG h)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, name);
	hl_trace_num(&r, what, h);
	rv = f != NULL ? f(h) : CKR_FUNCTION_NOT_SUPPORTED;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_CloseSession(CK_SESSION_HANDLE s)
{
	return session_only("C_CloseSession", hl_trace_under()->C_CloseSession, "session", s);
}

static CK_RV t_CloseAllSessions(CK_SLOT_ID slot)
{
	return session_only("C_CloseAllSessions", hl_trace_under()->C_CloseAllSessions, "slot",
			    slot);
}

static CK_RV t_Logout(CK_SESSION_HANDLE s)
{
	return session_only("C_Logout", hl_trace_under()->C_Logout, "session", s);
}

static CK_RV t_FindObjectsFinal(CK_SESSION_HANDLE s)
{
	return session_only("C_FindObjectsFinal", hl_trace_under()->C_FindObjectsFinal, "session",
			    s);
}

static CK_RV t_GetFunctionStatus(CK_SESSION_HANDLE s)
{
	return session_only("C_GetFunctionStatus", hl_trace_under()->C_GetFunctionStatus, "session",
			    s);
}

static CK_RV t_CancelFunction(CK_SESSION_HANDLE s)
{
	return session_only("C_CancelFunction", hl_trace_under()->C_CancelFunction, "session", s);
}

static CK_RV t_GetSessionInfo(CK_SESSION_HANDLE s, CK_SESSION_INFO_PTR info)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetSessionInfo");
	hl_trace_num(&r, "session", s);
	rv = HL_TRACE_CALL(C_GetSessionInfo, s, info);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK && info != NULL) {
		hl_trace_num(&r, "slot", info->slotID);
		hl_trace_num(&r, "state", info->state);
		hl_trace_num(&r, "flags", info->flags);
		hl_trace_num(&r, "device_error", info->ulDeviceError);
	}
	return hl_trace_end(&r, rv);
}

/* The operation state may hold key material: its length only. */
static CK_RV t_GetOperationState(CK_SESSION_HANDLE s, CK_BYTE_PTR st, CK_ULONG_PTR len)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetOperationState");
	hl_trace_num(&r, "session", s);
	hl_trace_out_req(&r, st, len);
	rv = HL_TRACE_CALL(C_GetOperationState, s, st, len);
	hl_trace_result(&r, rv);
	hl_trace_out_bytes(&r, rv, st, len, 1);
	return hl_trace_end(&r, rv);
}

static CK_RV t_SetOperationState(CK_SESSION_HANDLE s, CK_BYTE_PTR st, CK_ULONG len,
				 CK_OBJECT_HANDLE enc, CK_OBJECT_HANDLE auth)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_SetOperationState");
	hl_trace_num(&r, "session", s);
	hl_trace_redacted(&r, "state", len);
	hl_trace_num(&r, "encryption_key", enc);
	hl_trace_num(&r, "authentication_key", auth);
	rv = HL_TRACE_CALL(C_SetOperationState, s, st, len, enc, auth);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_Login(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_Login");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "user_type", user);
	if (pin == NULL)
		hl_trace_str(&r, "pin", NULL); /* protected authentication path */
	else
		hl_trace_redacted(&r, "pin", len);
	rv = HL_TRACE_CALL(C_Login, s, user, pin, len);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_CreateObject(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			    CK_OBJECT_HANDLE_PTR ph)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_CreateObject");
	hl_trace_num(&r, "session", s);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = HL_TRACE_CALL(C_CreateObject, s, t, n, ph);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "object", ph);
	return hl_trace_end(&r, rv);
}

static CK_RV t_CopyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			  CK_OBJECT_HANDLE_PTR ph)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_CopyObject");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "object", o);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = HL_TRACE_CALL(C_CopyObject, s, o, t, n, ph);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "object", ph);
	return hl_trace_end(&r, rv);
}

static CK_RV t_DestroyObject(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_DestroyObject");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "object", o);
	rv = HL_TRACE_CALL(C_DestroyObject, s, o);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetObjectSize(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ULONG_PTR size)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetObjectSize");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "object", o);
	rv = HL_TRACE_CALL(C_GetObjectSize, s, o, size);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "size", size);
	return hl_trace_end(&r, rv);
}

static CK_RV t_GetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
				 CK_ULONG n)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GetAttributeValue");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "object", o);
	hl_trace_tmpl(&r, "template", t, n, 0);
	rv = HL_TRACE_CALL(C_GetAttributeValue, s, o, t, n);
	hl_trace_result(&r, rv);
	/* The three codes that still fill in the template (v2.40 section 5.7). */
	if (rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	    rv == CKR_BUFFER_TOO_SMALL)
		hl_trace_tmpl(&r, "template", t, n, 1);
	return hl_trace_end(&r, rv);
}

static CK_RV t_SetAttributeValue(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
				 CK_ULONG n)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_SetAttributeValue");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "object", o);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = HL_TRACE_CALL(C_SetAttributeValue, s, o, t, n);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_FindObjectsInit(CK_SESSION_HANDLE s, CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_FindObjectsInit");
	hl_trace_num(&r, "session", s);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = HL_TRACE_CALL(C_FindObjectsInit, s, t, n);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_FindObjects(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE_PTR ph, CK_ULONG max,
			   CK_ULONG_PTR count)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_FindObjects");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "max", max);
	rv = HL_TRACE_CALL(C_FindObjects, s, ph, max, count);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK && count != NULL && *count <= max)
		hl_trace_ulongs(&r, "objects", ph, *count);
	return hl_trace_end(&r, rv);
}

static CK_RV t_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_WaitForSlotEvent");
	hl_trace_num(&r, "flags", flags);
	rv = HL_TRACE_CALL(C_WaitForSlotEvent, flags, slot, reserved);
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "slot", slot);
	return hl_trace_end(&r, rv);
}

void hl_trace_fill(CK_FUNCTION_LIST_3_0 *l)
{
	memset(l, 0, sizeof *l);
	l->C_Initialize = t_Initialize;
	l->C_Finalize = t_Finalize;
	l->C_GetInfo = t_GetInfo;
	l->C_GetFunctionList = C_GetFunctionList;
	l->C_GetSlotList = t_GetSlotList;
	l->C_GetSlotInfo = t_GetSlotInfo;
	l->C_GetTokenInfo = t_GetTokenInfo;
	l->C_GetMechanismList = t_GetMechanismList;
	l->C_GetMechanismInfo = t_GetMechanismInfo;
	l->C_InitToken = t_InitToken;
	l->C_InitPIN = t_InitPIN;
	l->C_SetPIN = t_SetPIN;
	l->C_OpenSession = t_OpenSession;
	l->C_CloseSession = t_CloseSession;
	l->C_CloseAllSessions = t_CloseAllSessions;
	l->C_GetSessionInfo = t_GetSessionInfo;
	l->C_GetOperationState = t_GetOperationState;
	l->C_SetOperationState = t_SetOperationState;
	l->C_Login = t_Login;
	l->C_Logout = t_Logout;
	l->C_CreateObject = t_CreateObject;
	l->C_CopyObject = t_CopyObject;
	l->C_DestroyObject = t_DestroyObject;
	l->C_GetObjectSize = t_GetObjectSize;
	l->C_GetAttributeValue = t_GetAttributeValue;
	l->C_SetAttributeValue = t_SetAttributeValue;
	l->C_FindObjectsInit = t_FindObjectsInit;
	l->C_FindObjects = t_FindObjects;
	l->C_FindObjectsFinal = t_FindObjectsFinal;
	l->C_GetFunctionStatus = t_GetFunctionStatus;
	l->C_CancelFunction = t_CancelFunction;
	l->C_WaitForSlotEvent = t_WaitForSlotEvent;
	hl_trace_fill_crypto(l);
	hl_trace_fill3(l);
}
