/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what the vendor families share: each device's audit log and clock (kept
 * as the family's per-device state), the event hook feeding the log, and the "hsmlab
 * family" extension table (hsmlab/hsmlab-family.h). */
#pragma once

#include <stdint.h>
#include <time.h>

#include "audit/hl_audit.h"
#include "clock/hl_clock.h"
#include "device/hl_device.h"
#include "hsmlab/hsmlab-family.h"

#define HL_FAM_DOMAIN_LEN 32 /* a backup domain secret (SMK / cloning domain) */
#define HL_FAM_SEALED_MAX 64 /* the secret sealed under the device master key */

/* Signatures of one key not yet written to the log. */
typedef struct {
	char key[64];
	uint64_t n;
} hl_fam_count_t;

typedef struct {
	hl_audit_t *audit;
	hl_clock_t clock;
	/* Sign counts kept in memory (a durable transaction per signature capped a vendor
	 * module at the disk's fsync rate); written as one record per key on logout, when a
	 * signing session closes, when the device goes (C_Finalize) and when the oldest has
	 * waited HL_FAM_COUNT_MAX_S seconds (checked on the next signature). */
	hl_fam_count_t *counts;
	size_t n_counts, cap_counts;
	uint64_t pending;      /* signatures counted, not written */
	struct timespec since; /* CLOCK_MONOTONIC of the oldest pending one */
	/* The sealed domain secret the log's domain key was derived from (len 0: none), so
	 * each append sees a domain another process set up since (fam_audit.c). */
	uint8_t dom_sealed[HL_FAM_SEALED_MAX];
	size_t dom_sealed_len;
} hl_fam_state_t;

#define HL_FAM_COUNT_MAX_S 3

/* The switches the shared family code reads. Each family's switch struct starts with it
 * and declares, among its quirk rows, those of these its profiles use (the others stay
 * off). */
typedef struct {
	bool audit_domain_key;       /* L13: logs keyed by the cloning domain (fam_audit.c) */
	bool no_private_key_cloning; /* L13: the partition policy refuses key clones */
	const char *end_of_support;  /* K5: the date, when the device warns it is past it */
} hl_fam_switches_t;

/* The shared switches of dev's profile (all off when its family's are unknown). */
const hl_fam_switches_t *hl_fam_switches(const hl_device_t *dev);

/* The device's family state, opened on first use (device lock held). NULL when the device
 * has no store yet or the log cannot be opened. */
hl_fam_state_t *hl_fam_state(hl_device_t *dev);
/* hl_family_t hooks: the audit record of an operation; frees the state (writing the pending
 * sign counts first). HL_FAMILY_EV_SESSION_CLOSED writes the pending counts. */
void hl_fam_on_event(hl_device_t *dev, hl_family_event_t ev, const char *subject);
void hl_fam_device_free(hl_device_t *dev);
/* Appends a record (device lock held); the family's own steps (clock, state changes). */
hl_status_t hl_fam_audit(hl_device_t *dev, hl_audit_event_t ev, const char *subject,
			 const char *details);
/* Brings the log's clock and key up to date with the store (device lock held): new records
 * and an export's end line are keyed by the domain once the device holds one and its profile
 * has audit_domain_key (L13), else by the device's own key. */
hl_status_t hl_fam_audit_sync(hl_device_t *dev);
/* The audit keys the device verifies exports with (device lock held): its own key, then its
 * domain's (when it holds one under audit_domain_key). *n_out: 1 or 2. Wipe keys after. */
hl_status_t hl_fam_audit_keys(hl_device_t *dev, uint8_t keys[2][HL_AUDIT_KEY_LEN], size_t *n_out);
/* Opens the device's sealed domain secret (the store's "domain_secret", fam_backup.c). */
hl_status_t hl_fam_domain_unseal(const hl_device_t *dev, const uint8_t *sealed, size_t len,
				 uint8_t secret[HL_FAM_DOMAIN_LEN]);

/* The device's backup domain (SMK / cloning domain, fam_backup.c), device lock held. set:
 * seals secret (HL_FAM_DOMAIN_LEN bytes) under the master key and stores it with its audit
 * record (details, owner), in the caller's store transaction when one is open, else in its
 * own; the secret never leaves the process. erase: removes it the same way (none: HL_OK).
 * held: whether the device has one. */
hl_status_t hl_fam_domain_set(hl_device_t *dev, const char *owner, const uint8_t *secret,
			      size_t len, const char *details);
hl_status_t hl_fam_domain_erase(hl_device_t *dev);
bool hl_fam_domain_held(hl_device_t *dev);

/* The message of HL_ERR_CARD_TOO_FEW from n card files: "too few cards for the quorum: N
 * given, M needed", M read from the first card (the set's threshold; "more" when none can
 * be read). */
void hl_fam_too_few(const char *const *paths, const char *pin, size_t n, char *buf, size_t len);

/* Backup domain and key backup/restore entries of the table (fam_backup.c). */
CK_RV hl_fam_domain_create(CK_SLOT_ID slot, const char *owner, const char *dir, CK_ULONG m,
			   CK_ULONG n, const char *pin);
CK_RV hl_fam_domain_load(CK_SLOT_ID slot, const char *owner, const char *const *paths, CK_ULONG n,
			 const char *pin);
CK_RV hl_fam_key_backup(CK_SLOT_ID slot, const char *label, const char *path);
CK_RV hl_fam_key_restore(CK_SLOT_ID slot, const char *path);
CK_RV hl_fam_key_clone(CK_SLOT_ID src, const char *src_pin, const char *label, CK_SLOT_ID dst,
		       const char *dst_pin);

/* A clone's two-phase record across its two stores (fam_clone.c). prepare: the source's
 * intent in its own transaction (device lock held), *id = "SRC:<n>". mark_in: the clone id
 * on the target, inside the target's transaction with the copy. finish: the intent goes and
 * the source's log records "to=DST <result> clone=ID", inside the source's open
 * transaction. resolve (hl_family_t.device_loaded, and before each clone from the device):
 * every intent left by a crash is finished "done" when the target holds its id, "aborted"
 * when it does not, and left pending, with one line saying so, when the target's store
 * cannot be read. */
#define HL_FAM_CLONE_ID_LEN 48
hl_status_t hl_fam_clone_prepare(hl_device_t *src, const char *dst_serial, const char *label,
				 char id[HL_FAM_CLONE_ID_LEN]);
hl_status_t hl_fam_clone_mark_in(hl_device_t *dst, const char *id, const char *label);
/* Inside the source's transaction: HL_OK while the intent of id is there, HL_ERR_NOT_FOUND
 * when another process's load resolved it (between its commit and this transaction). */
hl_status_t hl_fam_clone_held(hl_device_t *src, const char *id);
hl_status_t hl_fam_clone_finish(hl_device_t *src, const char *id, const char *dst_serial,
				const char *label, const char *result);
void hl_fam_clone_resolve(hl_device_t *src);

/* The "hsmlab family" extension table (the same for every family). */
extern const HSMLAB_FAMILY_FUNCTION_LIST hl_fam_ext_functions;
