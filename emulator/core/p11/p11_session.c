/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: sessions, login state and PIN management. */
#include <stdlib.h>
#include <string.h>

#include "p11/hl_p11.h"

#ifndef CKF_FIND_OBJECTS
#define CKF_FIND_OBJECTS 0x00000040UL /* PKCS#11 3.0 C_SessionCancel */
#endif

void hl_p11_session_ops_free(hl_session_t *s)
{
	for (int i = 0; i < HL_P11_NOPS; i++)
		hl_p11_op_end(s, i);
	hl_p11_msg_end(s, 0);
	hl_p11_msg_end(s, 1);
	free(s->found);
	s->found = NULL;
	s->finding = false;
}

/* A device usable for sessions: present, readable and initialized. */
static CK_RV usable(hl_slot_t *slot)
{
	if (!slot)
		return CKR_SLOT_ID_INVALID;
	if (slot->dev->broken) {
		hl_p11_log("%s", slot->dev->err);
		return hl_p11_rv(slot->dev->broken);
	}
	if (slot->dev->state != HL_DEV_INITIALIZED)
		return CKR_TOKEN_NOT_RECOGNIZED;
	return CKR_OK;
}

CK_RV hl_p11_C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication,
			   CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!phSession)
		return CKR_ARGUMENTS_BAD;
	if (!(flags & CKF_SERIAL_SESSION))
		return CKR_SESSION_PARALLEL_NOT_SUPPORTED;
	hl_p11_rdlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = usable(slot);
	hl_session_t *s = NULL;
	if (rv != CKR_OK)
		goto out;
	hl_device_refresh(slot->dev);
	const hl_profile_t *p = slot->dev->profile;
	/* A write-protected token opens read-only sessions only (PKCS#11 C_OpenSession). */
	if ((flags & CKF_RW_SESSION) && hl_store_write_protected(slot->dev->store)) {
		rv = CKR_TOKEN_WRITE_PROTECTED;
		goto out;
	}
	if (!(flags & CKF_RW_SESSION) && slot->dev->login == CKU_SO) {
		rv = CKR_SESSION_READ_WRITE_SO_EXISTS;
		goto out;
	}
	/* L6: a device over its session limit may answer with its vendor's code. */
	CK_ULONG n = __atomic_load_n(&slot->n_sessions, __ATOMIC_RELAXED);
	if ((p->max_sessions && n >= p->max_sessions) ||
	    (slot->session_limit && n >= slot->session_limit)) {
		rv = slot->session_count_rv;
		goto out;
	}
	if ((flags & CKF_RW_SESSION) && p->max_rw_sessions && slot->n_rw >= p->max_rw_sessions) {
		rv = slot->session_count_rv;
		goto out;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		rv = CKR_HOST_MEMORY;
		goto out;
	}
	s->slot = slot;
	s->flags = flags & (CKF_RW_SESSION | CKF_SERIAL_SESSION);
	pthread_mutex_init(&s->lock, NULL);
	rv = hl_p11_session_add(s);
	if (rv != CKR_OK) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		goto out;
	}
	__atomic_add_fetch(&slot->n_sessions, 1, __ATOMIC_RELAXED);
	if (flags & CKF_RW_SESSION)
		__atomic_add_fetch(&slot->n_rw, 1, __ATOMIC_RELAXED);
	*phSession = s->handle;
out:
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_CloseSession(CK_SESSION_HANDLE hSession)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock();
	hl_session_t *s = hl_p11_session_get(hSession);
	if (s)
		hl_p11_session_remove(s);
	hl_p11_unlock();
	return s ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
}

CK_RV hl_p11_C_CloseAllSessions(CK_SLOT_ID slotID)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = slot ? CKR_OK : CKR_SLOT_ID_INVALID;
	/* Session handles are dense counters: walk them. */
	CK_ULONG end = hl_p11_session_end();
	for (CK_SESSION_HANDLE h = 1; slot && slot->n_sessions && h < end; h++) {
		hl_session_t *s = hl_p11_session_get(h);
		if (s && s->slot == slot)
			hl_p11_session_remove(s);
	}
	if (slot)
		hl_p11_slot_logout(slot);
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pInfo) {
		hl_p11_unlock();
		return CKR_ARGUMENTS_BAD;
	}
	bool rw = s->flags & CKF_RW_SESSION;
	CK_USER_TYPE who = s->slot->dev->login;
	pInfo->slotID = s->slot->id;
	pInfo->flags = s->flags;
	pInfo->ulDeviceError = 0;
	if (who == CKU_SO)
		pInfo->state = CKS_RW_SO_FUNCTIONS;
	else if (who == CKU_USER)
		pInfo->state = rw ? CKS_RW_USER_FUNCTIONS : CKS_RO_USER_FUNCTIONS;
	else
		pInfo->state = rw ? CKS_RW_PUBLIC_SESSION : CKS_RO_PUBLIC_SESSION;
	hl_p11_unlock();
	return CKR_OK;
}

CK_RV hl_p11_C_GetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
				 CK_ULONG_PTR pulOperationStateLen)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv == CKR_OK)
		hl_p11_unlock();
	return rv == CKR_OK ? CKR_FUNCTION_NOT_SUPPORTED : rv;
}

CK_RV hl_p11_C_SetOperationState(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState,
				 CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey,
				 CK_OBJECT_HANDLE hAuthenticationKey)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv == CKR_OK)
		hl_p11_unlock();
	return rv == CKR_OK ? CKR_FUNCTION_NOT_SUPPORTED : rv;
}

/* Whether an operation waits for a context-specific login (its key has
 * CKA_ALWAYS_AUTHENTICATE); with done, the login succeeded and they stop waiting. */
static bool reauth_pending(hl_session_t *s, bool done)
{
	bool pending = false;

	pthread_mutex_lock(&s->lock);
	for (int k = 0; k < HL_P11_NOPS; k++) {
		pending = pending || (s->op[k] != NULL && s->op_reauth[k]);
		if (done)
			s->op_reauth[k] = false;
	}
	pthread_mutex_unlock(&s->lock);
	return pending;
}

static bool protected_path(hl_device_t *dev)
{
	CK_TOKEN_INFO ti;
	return hl_device_token_info(dev, &ti) == HL_OK &&
	       (ti.flags & CKF_PROTECTED_AUTHENTICATION_PATH);
}

CK_RV hl_p11_C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		     CK_ULONG ulPinLen)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	hl_device_t *dev = s->slot->dev;
	/* No PIN is only for a protected authentication path; elsewhere it is a bad call and
	 * must never count as a failed login (ten of them would lock the user out). */
	if (!pPin && (ulPinLen || !protected_path(dev)))
		rv = CKR_ARGUMENTS_BAD;
	else if (userType != CKU_SO && userType != CKU_USER && userType != CKU_CONTEXT_SPECIFIC)
		rv = CKR_USER_TYPE_INVALID;
	else if (userType == CKU_CONTEXT_SPECIFIC && dev->login == HL_NOT_LOGGED_IN)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (userType == CKU_CONTEXT_SPECIFIC && !reauth_pending(s, false))
		rv = CKR_OPERATION_NOT_INITIALIZED; /* it authorises one operation's key */
	else if (userType != CKU_CONTEXT_SPECIFIC && dev->login == userType)
		rv = CKR_USER_ALREADY_LOGGED_IN;
	else if (userType != CKU_CONTEXT_SPECIFIC && dev->login != HL_NOT_LOGGED_IN)
		rv = CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	else if (userType == CKU_SO && s->slot->n_sessions != s->slot->n_rw)
		rv = CKR_SESSION_READ_ONLY_EXISTS;
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_device_login(dev, userType, pPin, ulPinLen));
	/* A wrong PIN is counted (hl_device_login) and leaves the operation waiting. */
	if (rv == CKR_OK && userType == CKU_CONTEXT_SPECIFIC)
		reauth_pending(s, true);
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
			 CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	/* These tokens have no named users: no name (NULL or empty) is the one user of the type,
	 * as C_Login; a name cannot be mapped to anyone, so it is refused before the PIN is
	 * looked at (no attempt counted), with the code the spec gives an unusable user. */
	if (!pUsername && ulUsernameLen)
		return hl_p11_initialized() ? CKR_ARGUMENTS_BAD : CKR_CRYPTOKI_NOT_INITIALIZED;
	if (ulUsernameLen) {
		hl_session_t *s;
		CK_RV rv = hl_p11_enter(hSession, &s);
		if (rv != CKR_OK)
			return rv;
		hl_p11_unlock();
		return CKR_USER_TYPE_INVALID;
	}
	/* Through the top of the filter stack: the vendor's login gates, audit and timing apply
	 * as they do to C_Login. */
	return hl_p11_function_list_3_0()->C_Login(hSession, userType, pPin, ulPinLen);
}

CK_RV hl_p11_C_Logout(CK_SESSION_HANDLE hSession)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock(); /* G5 may drop handles: no reader may hold one */
	hl_session_t *s = hl_p11_session_get(hSession);
	CK_RV rv = s ? CKR_OK : CKR_SESSION_HANDLE_INVALID;
	if (s && s->slot->dev->login == HL_NOT_LOGGED_IN)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (s)
		hl_p11_slot_logout(s->slot);
	hl_p11_unlock();
	return rv;
}

/* G16 (slot_id_changes_on_init, SoftHSMv2): an initialised token gets a new stored slot id,
 * one past the highest in use, so after the next C_Initialize it shows in another slot (this
 * process keeps the slot as it is: its clients hold the id). Write lock held. */
static CK_RV move_slot(hl_slot_t *slot)
{
	hl_device_t *dev = slot->dev;
	CK_SLOT_ID next = 0;
	for (size_t i = 0; i < hl_p11_slot_count(); i++) {
		const hl_device_t *d = hl_p11_slot_at(i)->dev;
		if (d->slot_id != HL_DEVICE_SLOT_UNKNOWN && d->slot_id >= next)
			next = d->slot_id + 1;
	}
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_store_meta_set_u64(dev->store, "slot_id", next);
	if (st == HL_OK)
		dev->slot_id = next;
	pthread_mutex_unlock(&dev->lock);
	return hl_p11_rv(st);
}

CK_RV hl_p11_C_InitToken(CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
			 CK_UTF8CHAR_PTR pLabel)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if ((!pPin && ulPinLen) || !pLabel)
		return CKR_ARGUMENTS_BAD;
	hl_p11_wrlock();
	hl_slot_t *slot = hl_p11_slot(slotID);
	CK_RV rv = slot ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK && slot->dev->broken) {
		hl_p11_log("%s", slot->dev->err);
		rv = hl_p11_rv(slot->dev->broken);
	}
	if (rv == CKR_OK && slot->n_sessions)
		rv = CKR_SESSION_EXISTS;
	if (rv == CKR_OK) {
		hl_status_t st = hl_device_init_token(slot->dev, pPin, ulPinLen, pLabel);
		if (st != HL_OK && slot->dev->err[0] && st != HL_ERR_PIN_INCORRECT)
			hl_p11_log("%s", slot->dev->err);
		rv = slot->dev->family->status_rv ? slot->dev->family->status_rv(slot->dev, st)
						  : hl_p11_rv(st);
	}
	if (rv == CKR_OK && slot->dev->profile->core.slot_id_changes_on_init)
		rv = move_slot(slot);
	if (rv == CKR_OK)
		rv = hl_p11_rescan(); /* the lab offers a new free device */
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_InitPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pPin && ulPinLen)
		rv = CKR_ARGUMENTS_BAD;
	else if (s->slot->dev->login != CKU_SO)
		rv = CKR_USER_NOT_LOGGED_IN;
	else if (!(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	if (rv == CKR_OK && s->slot->dev->family->init_pin_gate)
		rv = s->slot->dev->family->init_pin_gate(s->slot->dev);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_device_init_pin(s->slot->dev, pPin, ulPinLen));
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_SetPIN(CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen,
		      CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if ((!pOldPin && ulOldLen) || (!pNewPin && ulNewLen))
		rv = CKR_ARGUMENTS_BAD;
	else if (!(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	if (rv == CKR_OK) {
		CK_USER_TYPE who = s->slot->dev->login == CKU_SO ? CKU_SO : CKU_USER;
		rv = hl_p11_rv(
		    hl_device_set_pin(s->slot->dev, who, pOldPin, ulOldLen, pNewPin, ulNewLen));
	}
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	const CK_FLAGS kinds[HL_P11_NOPS] = { CKF_SIGN,          CKF_VERIFY, CKF_ENCRYPT,
					      CKF_DECRYPT,       CKF_DIGEST, CKF_SIGN_RECOVER,
					      CKF_VERIFY_RECOVER };
	for (int i = 0; i < HL_P11_NOPS; i++)
		if (flags & kinds[i])
			hl_p11_op_end(s, i);
	if (flags & CKF_MESSAGE_ENCRYPT)
		hl_p11_msg_end(s, 0);
	if (flags & CKF_MESSAGE_DECRYPT)
		hl_p11_msg_end(s, 1);
	if (flags & CKF_FIND_OBJECTS) {
		free(s->found);
		s->found = NULL;
		s->finding = false;
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return CKR_OK;
}
