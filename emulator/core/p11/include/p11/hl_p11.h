/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the PKCS#11 ABI layer's shared internals (argument checks, handle tables,
 * locking, CK_RV mapping). Not a public header. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "device/hl_device.h"
#include "hsmlab/pkcs11.h"

/* The core's implementations of the PKCS#11 functions, named hl_p11_C_*. The exported C_*
 * symbols (p11_entry.c) forward to the function list, whose entries are these behind the
 * profile's filters, so a client using dlsym meets the same vendor behaviour as one using
 * C_GetFunctionList. Each has the type the spec's header gives its C_* namesake. */
__typeof__(C_Initialize) hl_p11_C_Initialize;
__typeof__(C_Finalize) hl_p11_C_Finalize;
__typeof__(C_GetInfo) hl_p11_C_GetInfo;
__typeof__(C_GetFunctionList) hl_p11_C_GetFunctionList;
__typeof__(C_GetSlotList) hl_p11_C_GetSlotList;
__typeof__(C_GetSlotInfo) hl_p11_C_GetSlotInfo;
__typeof__(C_GetTokenInfo) hl_p11_C_GetTokenInfo;
__typeof__(C_WaitForSlotEvent) hl_p11_C_WaitForSlotEvent;
__typeof__(C_GetMechanismList) hl_p11_C_GetMechanismList;
__typeof__(C_GetMechanismInfo) hl_p11_C_GetMechanismInfo;
__typeof__(C_InitToken) hl_p11_C_InitToken;
__typeof__(C_InitPIN) hl_p11_C_InitPIN;
__typeof__(C_SetPIN) hl_p11_C_SetPIN;
__typeof__(C_OpenSession) hl_p11_C_OpenSession;
__typeof__(C_CloseSession) hl_p11_C_CloseSession;
__typeof__(C_CloseAllSessions) hl_p11_C_CloseAllSessions;
__typeof__(C_GetSessionInfo) hl_p11_C_GetSessionInfo;
__typeof__(C_GetOperationState) hl_p11_C_GetOperationState;
__typeof__(C_SetOperationState) hl_p11_C_SetOperationState;
__typeof__(C_Login) hl_p11_C_Login;
__typeof__(C_Logout) hl_p11_C_Logout;
__typeof__(C_CreateObject) hl_p11_C_CreateObject;
__typeof__(C_CopyObject) hl_p11_C_CopyObject;
__typeof__(C_DestroyObject) hl_p11_C_DestroyObject;
__typeof__(C_GetObjectSize) hl_p11_C_GetObjectSize;
__typeof__(C_GetAttributeValue) hl_p11_C_GetAttributeValue;
__typeof__(C_SetAttributeValue) hl_p11_C_SetAttributeValue;
__typeof__(C_FindObjectsInit) hl_p11_C_FindObjectsInit;
__typeof__(C_FindObjects) hl_p11_C_FindObjects;
__typeof__(C_FindObjectsFinal) hl_p11_C_FindObjectsFinal;
__typeof__(C_EncryptInit) hl_p11_C_EncryptInit;
__typeof__(C_Encrypt) hl_p11_C_Encrypt;
__typeof__(C_EncryptUpdate) hl_p11_C_EncryptUpdate;
__typeof__(C_EncryptFinal) hl_p11_C_EncryptFinal;
__typeof__(C_DecryptInit) hl_p11_C_DecryptInit;
__typeof__(C_Decrypt) hl_p11_C_Decrypt;
__typeof__(C_DecryptUpdate) hl_p11_C_DecryptUpdate;
__typeof__(C_DecryptFinal) hl_p11_C_DecryptFinal;
__typeof__(C_DigestInit) hl_p11_C_DigestInit;
__typeof__(C_Digest) hl_p11_C_Digest;
__typeof__(C_DigestUpdate) hl_p11_C_DigestUpdate;
__typeof__(C_DigestKey) hl_p11_C_DigestKey;
__typeof__(C_DigestFinal) hl_p11_C_DigestFinal;
__typeof__(C_SignInit) hl_p11_C_SignInit;
__typeof__(C_Sign) hl_p11_C_Sign;
__typeof__(C_SignUpdate) hl_p11_C_SignUpdate;
__typeof__(C_SignFinal) hl_p11_C_SignFinal;
__typeof__(C_SignRecoverInit) hl_p11_C_SignRecoverInit;
__typeof__(C_SignRecover) hl_p11_C_SignRecover;
__typeof__(C_VerifyInit) hl_p11_C_VerifyInit;
__typeof__(C_Verify) hl_p11_C_Verify;
__typeof__(C_VerifyUpdate) hl_p11_C_VerifyUpdate;
__typeof__(C_VerifyFinal) hl_p11_C_VerifyFinal;
__typeof__(C_VerifyRecoverInit) hl_p11_C_VerifyRecoverInit;
__typeof__(C_VerifyRecover) hl_p11_C_VerifyRecover;
__typeof__(C_DigestEncryptUpdate) hl_p11_C_DigestEncryptUpdate;
__typeof__(C_DecryptDigestUpdate) hl_p11_C_DecryptDigestUpdate;
__typeof__(C_SignEncryptUpdate) hl_p11_C_SignEncryptUpdate;
__typeof__(C_DecryptVerifyUpdate) hl_p11_C_DecryptVerifyUpdate;
__typeof__(C_GenerateKey) hl_p11_C_GenerateKey;
__typeof__(C_GenerateKeyPair) hl_p11_C_GenerateKeyPair;
__typeof__(C_WrapKey) hl_p11_C_WrapKey;
__typeof__(C_UnwrapKey) hl_p11_C_UnwrapKey;
__typeof__(C_DeriveKey) hl_p11_C_DeriveKey;
__typeof__(C_SeedRandom) hl_p11_C_SeedRandom;
__typeof__(C_GenerateRandom) hl_p11_C_GenerateRandom;
__typeof__(C_GetFunctionStatus) hl_p11_C_GetFunctionStatus;
__typeof__(C_CancelFunction) hl_p11_C_CancelFunction;
/* The v3.0 entry points. */
__typeof__(C_GetInterfaceList) hl_p11_C_GetInterfaceList;
__typeof__(C_GetInterface) hl_p11_C_GetInterface;
__typeof__(C_LoginUser) hl_p11_C_LoginUser;
__typeof__(C_SessionCancel) hl_p11_C_SessionCancel;
/* Message-based encryption and decryption (p11_message.c). */
__typeof__(*(CK_C_MessageXInit)0) hl_p11_C_MessageEncryptInit, hl_p11_C_MessageDecryptInit;
__typeof__(*(CK_C_XMessage)0) hl_p11_C_EncryptMessage, hl_p11_C_DecryptMessage;
__typeof__(*(CK_C_XMessageBegin)0) hl_p11_C_EncryptMessageBegin, hl_p11_C_DecryptMessageBegin;
__typeof__(*(CK_C_XMessageNext)0) hl_p11_C_EncryptMessageNext, hl_p11_C_DecryptMessageNext;
__typeof__(*(CK_C_MessageXFinal)0) hl_p11_C_MessageEncryptFinal, hl_p11_C_MessageDecryptFinal;
/* The v3.0 function list (for tests asserting every entry is set). */
const CK_FUNCTION_LIST_3_0 *hl_p11_function_list_3_0(void);

/* The family compiled into the module (its default profile); defined by each module. */
extern const char hl_module_family[];
/* The family's hook table a vendor module carries (registered at C_Initialize), or NULL
 * (the generic module); defined by each module, like hl_module_family. Not a weak default
 * in the core: GCC folds a weak const NULL at -O2, which left vendor modules without hooks. */
extern const hl_family_t *const hl_module_family_hooks;
/* Whether this module serves devices of that profile: those of its own family only (the
 * generic module: "strict", and user profiles naming that family). */
bool hl_p11_serves(const hl_profile_t *p);

typedef struct {
	hl_device_t *dev;
	CK_ULONG n_sessions, n_rw; /* atomic */
	/* The slot id clients see: the device's stored id, or (L5 virtual_slot_ids) a virtual
	 * one that is never small. Fixed while the slot lives (G16 moves a device's stored id;
	 * the move shows after the next C_Initialize). */
	CK_SLOT_ID id;
	bool new_handles_on_relogin; /* G5 handles_change_on_relogin */
	/* L6: a session limit the token info does not report (0: none), and the code a session
	 * over any limit gets (CKR_SESSION_COUNT, or the profile's max_sessions_code). */
	CK_ULONG session_limit;
	CK_RV session_count_rv;
} hl_slot_t;

enum {
	HL_P11_SIGN,
	HL_P11_VERIFY,
	HL_P11_ENCRYPT,
	HL_P11_DECRYPT,
	HL_P11_DIGEST,
	HL_P11_SIGN_RECOVER,
	HL_P11_VERIFY_RECOVER,
	HL_P11_NOPS
};

typedef struct {
	CK_SESSION_HANDLE handle;
	hl_slot_t *slot;
	CK_FLAGS flags;
	pthread_mutex_t lock; /* guards ops and find state */
	hl_op_t *op[HL_P11_NOPS];
	bool op_update[HL_P11_NOPS]; /* a multi-part operation has started */
	bool op_single[HL_P11_NOPS]; /* a single-part call kept it (length query, short buffer) */
	bool recover_pkcs1;          /* the verify-recover op strips PKCS#1 v1.5 padding */
	/* CKA_ALWAYS_AUTHENTICATE: the op's key waits for C_Login(CKU_CONTEXT_SPECIFIC). */
	bool op_reauth[HL_P11_NOPS];
	/* Message-based encryption [0] and decryption [1] (p11_message.c), or NULL. */
	struct hl_p11_msg *msg[2];
	CK_OBJECT_HANDLE *found;
	size_t n_found, pos;
	bool finding;
	char sign_key[64]; /* label of the key of the sign operation (audit subject) */
	uint64_t sign_ns;  /* timing model: one signature of that operation takes this long */
} hl_session_t;

/* -- global state and locking (p11_general.c) -- */
bool hl_p11_initialized(void);
void hl_p11_rdlock(void);
void hl_p11_wrlock(void);
void hl_p11_unlock(void);
/* Slots: count and access under the lock. */
hl_slot_t *hl_p11_slot(CK_SLOT_ID id);
size_t hl_p11_slot_count(void);
hl_slot_t *hl_p11_slot_at(size_t i);
/* Rescans the lab for devices (write lock held). */
CK_RV hl_p11_rescan(void);
/* Logs a message to stderr once per distinct text (clear errors for bad labs). */
void hl_p11_log(const char *fmt, ...);
const char *hl_p11_last_error(void);
hl_lab_t *hl_p11_lab(void);

/* The longest attribute value a template may give (a defensive bound: the store binds
 * lengths as int, and no PKCS#11 value comes near it). */
#define HL_P11_ATTR_MAX ((CK_ULONG)1 << 24)

/* -- handles (p11_object.c) -- */
/* Enter a session call: initialized check, read lock, session lookup. On CKR_OK the caller
 * must hl_p11_unlock(). */
CK_RV hl_p11_enter(CK_SESSION_HANDLE h, hl_session_t **out);
hl_session_t *hl_p11_session_get(CK_SESSION_HANDLE h);
/* One past the highest session handle given out so far. */
CK_ULONG hl_p11_session_end(void);
CK_RV hl_p11_session_add(hl_session_t *s);
void hl_p11_session_remove(hl_session_t *s); /* write lock held; frees it */
/* The object behind a handle visible to session s (borrowed; valid while the lock is held). */
CK_RV hl_p11_object_get(hl_session_t *s, CK_OBJECT_HANDLE h, hl_object_t **out);
/* Gives obj a handle (once) and keeps a reference in the table. */
CK_RV hl_p11_object_register(hl_object_t *obj, hl_device_t *dev, CK_OBJECT_HANDLE *out);
/* Adds a new object (session object or, if CKA_TOKEN, a token object) for session s. */
CK_RV hl_p11_object_add(hl_session_t *s, hl_object_t *obj, CK_OBJECT_HANDLE *out);
void hl_p11_handles_clear(void);
/* A new handle epoch (C_Initialize): devices whose profile switches L5 virtual_handles on get
 * object handles that are never small and differ from the previous epoch's. */
void hl_p11_handles_epoch(void);
/* Logs the slot's device out (write lock held); with G5 on, the device's token objects lose
 * their handles, so finding them again gives new ones. */
void hl_p11_slot_logout(hl_slot_t *slot);
/* Whether private objects are visible (the user is logged in). */
bool hl_p11_user_logged_in(const hl_session_t *s);
/* Templates asking for a private or token object need login / a R/W session. */
CK_RV hl_p11_check_new_object(hl_session_t *s, const hl_attrs_t *attrs);
/* Ops cleanup on session close. */
void hl_p11_session_ops_free(hl_session_t *s);
/* Ends operation k of the session (s->lock held). */
void hl_p11_op_end(hl_session_t *s, int k);
/* Ends the message-based encryption (0) or decryption (1) of the session (s->lock held). */
void hl_p11_msg_end(hl_session_t *s, int which);

/* -- key use (p11_crypto.c) -- */
/* CKA_ALLOWED_MECHANISMS: CKR_MECHANISM_INVALID unless the object's list is empty or names m
 * (obj->lock held). */
CK_RV hl_p11_allowed_mech(const hl_object_t *obj, CK_MECHANISM_TYPE m);
/* The operation key behind handle h after the usage checks of an init: a key
 * (CKR_KEY_TYPE_INCONSISTENT), usage set (CKR_KEY_FUNCTION_NOT_PERMITTED), m allowed;
 * *always_auth: a private key with CKA_ALWAYS_AUTHENTICATE. */
CK_RV hl_p11_use_key(hl_session_t *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE usage,
		     CK_MECHANISM_TYPE m, hl_key_t **out, bool *always_auth);

/* -- key building shared by generation, unwrapping and derivation (p11_keygen.c) -- */
/* A new key's attributes from an unwrap/derive template (policy checks, defaults, class). */
CK_RV hl_p11_key_attrs(hl_session_t *s, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls,
		       CK_KEY_TYPE kt, hl_attrs_t *a);
/* The profile's mechanism if it has flag (CKR_MECHANISM_INVALID otherwise). */
CK_RV hl_p11_key_mech(hl_session_t *s, const CK_MECHANISM *m, CK_FLAGS flag,
		      const hl_profile_mech_t **out);
/* Builds the key of a, makes the object and gives it a handle for the session. */
CK_RV hl_p11_key_add(hl_session_t *s, hl_attrs_t *a, CK_OBJECT_HANDLE *out);
/* A private key's attributes from its parts: RSA when r, else EC. */
CK_RV hl_p11_key_set_private(hl_attrs_t *a, const hl_rsa_parts_t *r, const hl_ec_parts_t *e);

static inline CK_RV hl_p11_rv(hl_status_t st)
{
	return hl_status_to_ckr(st);
}
