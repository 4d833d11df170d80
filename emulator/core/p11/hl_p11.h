/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the PKCS#11 ABI layer's shared internals (argument checks, handle tables,
 * locking, CK_RV mapping). Not a public header. */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "device/hl_device.h"
#include "hsmlab/pkcs11.h"

/* The v3.0 entry points (not declared by p11-kit's v2.40 header). */
CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount);
CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags);
CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen);
CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags);
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

enum { HL_P11_SIGN, HL_P11_VERIFY, HL_P11_ENCRYPT, HL_P11_DECRYPT, HL_P11_DIGEST, HL_P11_NOPS };

typedef struct {
	CK_SESSION_HANDLE handle;
	hl_slot_t *slot;
	CK_FLAGS flags;
	pthread_mutex_t lock; /* guards ops and find state */
	hl_op_t *op[HL_P11_NOPS];
	bool op_update[HL_P11_NOPS]; /* a multi-part operation has started */
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
/* The value of switch name as a number ("0x8000...", a decimal or a CK name such as
 * "CKR_ATTRIBUTE_READ_ONLY"); dflt when the switch is off, has no value or not a number. */
CK_ULONG hl_p11_quirk_number(const hl_profile_t *p, const char *name, CK_ULONG dflt);
/* Rescans the lab for devices (write lock held). */
CK_RV hl_p11_rescan(void);
/* Logs a message to stderr once per distinct text (clear errors for bad labs). */
void hl_p11_log(const char *fmt, ...);
const char *hl_p11_last_error(void);
hl_lab_t *hl_p11_lab(void);

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

static inline CK_RV hl_p11_rv(hl_status_t st)
{
	return hl_status_to_ckr(st);
}
