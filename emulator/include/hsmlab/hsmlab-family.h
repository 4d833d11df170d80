/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: the vendor families' extension interface, offered by the vendor modules
 * (libhsmlab-keyper.so, libhsmlab-luna.so) the way the vendors' own libraries offer their
 * CA_*-style tables. C_GetInterface(HSMLAB_FAMILY_INTERFACE_NAME, 1.1) gives a
 * HSMLAB_FAMILY_FUNCTION_LIST; hsmlab-admin drives the device audit log and clock through it.
 * Versions: 1.0 ends at key_restore; 1.1 adds key_clone at the end (a 1.0 caller reads a 1.1
 * table as its 1.0 prefix). New entries only ever go at the end.
 * Same conventions as hsmlab-ext.h: borrowed arguments, caller-owned buffers, C_Initialize
 * first, thread safe. Slots are the module's slot ids. */
#pragma once

#include <stddef.h>

#include "hsmlab/pkcs11.h"

#define HSMLAB_FAMILY_INTERFACE_NAME "hsmlab family"
#define HSMLAB_FAMILY_VERSION_MAJOR 1
#define HSMLAB_FAMILY_VERSION_MINOR 1

typedef struct {
	unsigned long long records; /* records read */
	CK_BBOOL intact;            /* chain, hashes and every HMAC verified */
	char problems[1024];        /* "line N (seq S): kind: message" lines, or empty */
} hsmlab_audit_check_t;

typedef struct HSMLAB_FAMILY_FUNCTION_LIST {
	CK_VERSION version; /* 1.1 */
	/* Writes the device's whole audit log to path (atomically: temp file + rename). */
	CK_RV (*audit_export)(CK_SLOT_ID slot, const char *path);
	/* Verifies an export with the audit keys the device holds (its own, and its domain's
	 * where the profile keys the log by the domain: L13), so a device verifies its own
	 * exports and those of any device of its domain: CKR_OK and intact when sound and
	 * authenticated, CKR_SIGNATURE_INVALID with the problems located when not, and
	 * CKR_KEY_NEEDED (not intact, nothing tampered) when the export is intact but keyed by
	 * a key the device does not hold (another domain; another device's own key): the
	 * problems text says which. */
	CK_RV (*audit_verify)(CK_SLOT_ID slot, const char *path, hsmlab_audit_check_t *out);
	/* Number of records in the device's audit log. */
	CK_RV (*audit_count)(CK_SLOT_ID slot, unsigned long long *count);
	/* Sets the device clock to `when` (seconds since the epoch, UTC) by storing its offset
	 * from host time; audited as a clock change. */
	CK_RV (*clock_set)(CK_SLOT_ID slot, long long when);
	/* The device time now and its offset from host time. */
	CK_RV (*clock_get)(CK_SLOT_ID slot, long long *now, long long *offset);
	/* The family's warning about the device at device time (Keyper: out of support from
	 * 2025-01-01), or "" when none. */
	CK_RV (*device_warning)(CK_SLOT_ID slot, char *buf, size_t len);
	/* The last error message of this thread (static, never NULL). */
	const char *(*last_error)(void);

	/* -- backup domain (Keyper: the storage master key, SMK; Luna: the cloning domain) -- */
	/* Makes a new domain secret for the device and splits it m of n over card files
	 * <dir>/<kind>-<i>.card (kind "keyper-smk" or "luna-domain"), owner naming the domain,
	 * pin protecting the cards (NULL: none). Replaces the device's domain; audited. */
	CK_RV(*domain_create)
	(CK_SLOT_ID slot, const char *owner, const char *dir, CK_ULONG m, CK_ULONG n,
	 const char *pin);
	/* Sets up the device's domain from n of its cards (another device of the same SMK or
	 * cloning domain). Wrong kind, other owner, other set, duplicate, too few, forged or
	 * wrong-PIN cards each fail with their own message (last_error). Audited. */
	CK_RV(*domain_load)
	(CK_SLOT_ID slot, const char *owner, const char *const *paths, CK_ULONG n, const char *pin);
	/* Writes the private key labelled label as a backup blob (HLKYPR / HLLUNA v1, sealed
	 * under the domain) to path. Audited. Needs the device's Crypto Officer logged in
	 * (C_Login CKU_USER in this process; not Luna's Crypto User) and the family's login
	 * gate passing (Keyper: the operator quorum's activation), else CKR_USER_NOT_LOGGED_IN
	 * (or the gate's code) and nothing is written. */
	CK_RV (*key_backup)(CK_SLOT_ID slot, const char *label, const char *path);
	/* Restores a blob as a token object, in one store transaction with its audit record.
	 * Other vendor, other domain, truncated, tampered or too new blobs fail with
	 * CKR_WRAPPED_KEY_INVALID and their own message; the device is unchanged. Needs the
	 * Crypto Officer as key_backup does. */
	CK_RV (*key_restore)(CK_SLOT_ID slot, const char *path);

	/* -- 1.1 -- */
	/* Clones the private key labelled label from slot src onto slot dst of this module
	 * (L13 / CA_CloneObject-style; K11), given each side's Crypto Officer (user) PIN: the
	 * key moves as the domain-sealed backup blob in memory. Refused, with its own message
	 * (last_error) and neither device changed: the same slot (CKR_ARGUMENTS_BAD), devices
	 * of different vendors or different SMKs / cloning domains, or without one
	 * (CKR_WRAPPED_KEY_INVALID), a wrong PIN on either side (CKR_PIN_INCORRECT, counted and
	 * audited as a failed login), the family's login gate (its own code), a profile whose
	 * policy forbids cloning (no_private_key_cloning: CKR_ACTION_PROHIBITED), no such key on
	 * the source, an object with that label on the target (CKR_ARGUMENTS_BAD). Audited on
	 * both devices ("clone"); the target's copy and its record commit together. */
	CK_RV(*key_clone)
	(CK_SLOT_ID src, const char *src_pin, const char *label, CK_SLOT_ID dst,
	 const char *dst_pin);
} HSMLAB_FAMILY_FUNCTION_LIST;
