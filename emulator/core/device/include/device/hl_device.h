/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a device (token) of the lab: its store, profile, PIN verifiers, login
 * state and token-object cache. All functions lock the device internally; objects returned
 * are new references (hl_object_free). */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "device/hl_family.h"
#include "device/hl_lab.h"
#include "device/hl_profile.h"
#include "object/hl_object.h"
#include "store/hl_store.h"

typedef enum {
	HL_DEV_FREE,        /* offered by the lab, no store yet (C_InitToken creates it) */
	HL_DEV_FACTORY,     /* store exists, token not initialized */
	HL_DEV_INITIALIZED, /* token initialized (SO PIN, label) */
} hl_dev_state_t;

#define HL_NOT_LOGGED_IN ((CK_USER_TYPE)-1)
/* The slot of a broken device whose store does not say its own: a high id no stored one
 * reaches, and no new slot id is counted from it. */
#define HL_DEVICE_SLOT_UNKNOWN ((CK_SLOT_ID)0x10000)

typedef struct hl_objmap hl_objmap_t;

typedef struct hl_device {
	hl_lab_t *lab; /* borrowed */
	const hl_profile_t *profile;
	const hl_family_t *family;
	char serial[17];
	CK_SLOT_ID slot_id;
	char *path;
	hl_dev_state_t state;
	char label[33]; /* blank padded to 32 */
	bool user_pin_set;
	uint64_t so_failed, user_failed;
	hl_status_t broken; /* HL_OK, or why the store cannot be used (err says more) */
	char err[320];
	pthread_mutex_t lock;
	hl_store_t *store;
	hl_seal_ctx_t seal;
	CK_USER_TYPE login; /* per process, as PKCS#11 has it */
	unsigned gen;       /* bumped when another connection changed the store */
	hl_objmap_t *objs;  /* id → cached token object */
	void *family_state; /* the family's own per-device state (family->device_free) */
} hl_device_t;

/* A device of the lab from its store (opened read-write; a broken store gives a device with
 * ->broken set, so the slot still shows and the error surfaces on use). */
hl_status_t hl_device_load(hl_lab_t *lab, const char *serial, hl_device_t **out);
/* The lab's free device (no store yet) of profile, with a fresh serial. */
hl_status_t hl_device_new_free(hl_lab_t *lab, const hl_profile_t *profile, CK_SLOT_ID slot_id,
			       hl_device_t **out);
/* Creates a factory-state device store (admin console, or C_InitToken on the free device). */
hl_status_t hl_device_create(hl_lab_t *lab, const hl_profile_t *profile, CK_SLOT_ID slot_id,
			     const char *serial, hl_device_t **out, char *err, size_t errlen);
void hl_device_free(hl_device_t *dev);

/* Reports a security-relevant operation to the device's family (no-op without a hook). */
void hl_device_event(hl_device_t *dev, hl_family_event_t ev, const char *subject);
/* The family's verdict on a login before the PIN is checked (CKR_OK without a hook). */
CK_RV hl_device_login_gate(hl_device_t *dev, CK_USER_TYPE user);

/* Re-reads state when another connection committed (PRAGMA data_version). */
void hl_device_refresh(hl_device_t *dev);
/* Re-reads state after the caller's own commit to the store (device lock held), e.g. a
 * family's init or zeroize transaction; cached objects are re-read on next use. */
hl_status_t hl_device_reread_locked(hl_device_t *dev);
/* Fills the device-owned parts of CK_TOKEN_INFO (the ABI layer adds session counts). */
hl_status_t hl_device_token_info(hl_device_t *dev, CK_TOKEN_INFO *info);

/* -- PINs and login -- */
/* A stored PIN verifier: salt(16) || PBKDF2-HMAC-SHA256(pin, salt, 10000), the format of the
 * store's so_pin and user_pin; families keep their own credentials with the same pair. */
#define HL_DEVICE_PIN_VERIFIER_LEN 48
/* A fresh verifier of pin (random salt). */
hl_status_t hl_device_pin_verifier_make(const uint8_t *pin, size_t len,
					uint8_t out[HL_DEVICE_PIN_VERIFIER_LEN]);
/* HL_OK when pin matches rec (constant-time compare), HL_ERR_PIN_INCORRECT when not,
 * HL_ERR_STORE_CORRUPT when rec is not a verifier. */
hl_status_t hl_device_pin_verifier_check(const uint8_t *rec, size_t rec_len, const uint8_t *pin,
					 size_t len);
hl_status_t hl_device_check_pin(const hl_device_t *dev, const CK_UTF8CHAR *pin, CK_ULONG len);
/* Inside the caller's open store transaction its writes join it (the caller commits). */
hl_status_t hl_device_init_token(hl_device_t *dev, const CK_UTF8CHAR *so_pin, CK_ULONG len,
				 const CK_UTF8CHAR label[32]);
hl_status_t hl_device_login(hl_device_t *dev, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
			    CK_ULONG len);
void hl_device_logout(hl_device_t *dev);
hl_status_t hl_device_init_pin(hl_device_t *dev, const CK_UTF8CHAR *pin, CK_ULONG len);
/* Changes the PIN of who (CKU_SO or CKU_USER; not logged in: the user). */
hl_status_t hl_device_set_pin(hl_device_t *dev, CK_USER_TYPE who, const CK_UTF8CHAR *old_pin,
			      CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len);

/* -- token objects -- */
/* Persists a new token object in one transaction and caches it (obj gets its id). */
hl_status_t hl_device_add_object(hl_device_t *dev, hl_object_t *obj);
/* The same, running also(dev, arg) in the same transaction (device lock held) after the row
 * is written: its failure rolls the object back (e.g. a restore and its audit record). */
hl_status_t hl_device_add_object_with(hl_device_t *dev, hl_object_t *obj,
				      hl_status_t (*also)(hl_device_t *dev, void *arg), void *arg);
/* Persists n new token objects and also's writes in one transaction: all of them or none,
 * through a crash too (a key pair's two halves). */
hl_status_t hl_device_add_objects_with(hl_device_t *dev, hl_object_t *const *objs, size_t n,
				       hl_status_t (*also)(hl_device_t *dev, void *arg), void *arg);
/* Applies a checked template to a token object (persisted in one transaction). */
hl_status_t hl_device_update_object(hl_device_t *dev, hl_object_t *obj, const CK_ATTRIBUTE *t,
				    CK_ULONG n);
hl_status_t hl_device_destroy_object(hl_device_t *dev, hl_object_t *obj);
/* HL_ERR_OBJECT_HANDLE_INVALID when the object went away (another process destroyed it);
 * re-reads its attributes when the store changed. Cheap when nothing changed. */
hl_status_t hl_device_object_fresh(hl_device_t *dev, hl_object_t *obj);
/* Token objects matching the template (indexed columns narrow the search in SQLite first).
 * *out is a malloc'd array of new references (caller frees each and the array). */
hl_status_t hl_device_find(hl_device_t *dev, const CK_ATTRIBUTE *t, CK_ULONG n, bool with_private,
			   hl_object_t ***out, size_t *n_out);

/* For families that change a device under its lock (dev->lock held by the caller): rereads
 * the store when another process changed it, and deletes every object (inside the caller's
 * transaction) dropping the cache. */
void hl_device_refresh_locked(hl_device_t *dev);
hl_status_t hl_device_delete_all_locked(hl_device_t *dev);
