/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what the Keyper family's files share (not for other layers). The device
 * lifecycle (keyper_lifecycle.c) keeps its state in the device store's meta table, so every
 * process sees it; the card steps (keyper_cards.c) make and check the SO, OP and recovery
 * card sets with core/cards. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "cards/hl_cards.h"
#include "common/hl_fam.h"
#include "hsmlab/hsmlab-keyper.h"
#include "keyper/hl_keyper.h"

#define KY_SECRET_LEN 32

/* The Keyper's card kinds (K10), as its card files name them: SO, operator (OP), SMK and
 * recovery (RKSH) sets. */
#define KY_CARD_SO "keyper-so"
#define KY_CARD_OP "keyper-op"
#define KY_CARD_SMK "keyper-smk"
#define KY_CARD_RKSH "keyper-rksh"
/* K6: the variable naming the provider library's own file beside KEYPER_LIBRARY_PATH (the
 * profile's library_self_path_env documents it; test_k6_library_path checks they agree). */
#define KY_SELF_PATH_ENV "PKCS11_LIBRARY_PATH"
/* The family's switches (keyper_quirks.c), resolved once per profile. */
typedef struct {
	hl_fam_switches_t common; /* first: the shared family code reads it */
	bool init_token_vendor_only, tamper_zeroizes;
	hl_quirk_mofn_t operator_quorum, recovery_quorum, so_quorum; /* K10 */
	CK_ULONG login_needs_activation; /* K10: C_Login's code before activation (0: off) */
	CK_ULONG activation_timeout;     /* K10: device seconds (0: never ends) */
	const char *library_path_env;    /* K6 */
} ky_switches_t;

extern const hl_quirk_row_t hl_keyper_quirks[]; /* ends with a row without a name */
/* The switches of dev's profile (all off for another family's device). */
const ky_switches_t *ky_switches(const hl_device_t *dev);

/* The lifecycle, in order (emulator/doc/keyper.md). */
typedef enum {
	KY_FACTORY,
	KY_SO_CARDS,
	KY_SMK,
	KY_OP_CARDS,
	KY_ONLINE,
	KY_TAMPERED,
} ky_state_t;

/* One vendor step on a device: the p11 read lock and the device lock are held between
 * ky_enter and ky_leave; why gets the message of a failure (else hl_strerror). */
typedef struct {
	const char *what; /* "activate", ... for the message */
	hl_device_t *dev;
	char why[320];
} ky_step_t;

/* CKR_OK with the locks taken and step->dev set, else the error (nothing held). */
CK_RV ky_enter(ky_step_t *step, CK_SLOT_ID slot);
/* Drops the locks; logs "what: why" on failure; the CK_RV of st. */
CK_RV ky_leave(ky_step_t *step, hl_status_t st);
/* The reported state (stored state, and whether the SMK is loaded). */
ky_state_t ky_state(hl_device_t *dev);
const char *ky_state_name(ky_state_t s);
bool ky_has_smk(hl_device_t *dev);
/* The device time now (the offset another process may have set since is re-read). */
int64_t ky_now(hl_device_t *dev);
/* m of n from a quorum switch (ky_switches_t); false when it is off. */
bool ky_quorum(const hl_quirk_mofn_t *q, unsigned *m, unsigned *n);

/* Makes a random credential of kind, splits it by quorum (the switch called quirk) over card
 * files <dir>/<kind>-<i>.card (owner: the device serial) and gives its check value (for
 * the meta table). secret_out may be NULL. */
hl_status_t ky_cards_make(ky_step_t *step, const char *kind, const hl_quirk_mofn_t *quorum,
			  const char *quirk, const char *dir, const char *pin,
			  uint8_t check_out[32]);
/* Recombines cards of kind for this device and compares them with the stored check
 * (meta key); each wrong card gets its own status and message. */
hl_status_t ky_cards_check(ky_step_t *step, const char *kind, const char *meta,
			   const char *const *paths, CK_ULONG n, const char *pin);
/* The check value stored for a credential. */
hl_status_t ky_check_of(const char *kind, const uint8_t *secret, size_t len, uint8_t out[32]);
/* Writes the cards of an already made set (set->kind, owner, m, n filled in). */
hl_status_t ky_cards_write(ky_step_t *step, hl_card_set_t *set, const uint8_t *secret, size_t len,
			   const char *dir, const char *pin);

/* The vendor table's recovery entries (keyper_cards.c). */
CK_RV hl_keyper_recovery_cards(CK_SLOT_ID slot, const char *owner, const char *const *smk_cards,
			       CK_ULONG n, const char *dir, const char *pin);
CK_RV hl_keyper_recover(CK_SLOT_ID slot, const char *owner, const char *const *rksh_cards,
			CK_ULONG n, const char *pin);
