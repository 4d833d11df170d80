/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: the Keyper vendor's own function table ("hsmlab keyper" 1.0), offered by
 * libhsmlab-keyper.so through C_GetInterface the way vendors offer their CA_*-style tables.
 * It drives the device lifecycle (quirks.md K7, K10, K12; emulator/doc/keyper.md):
 *
 *   factory → so-cards → smk → op-cards → online (vendor init step) → tampered
 *
 * the SMK step being the "hsmlab family" table's domain_create/domain_load. Conventions of
 * hsmlab-family.h: C_Initialize first, borrowed arguments, caller-owned buffers, thread
 * safe, slots are the module's slot ids; the message of a failure is the family table's
 * last_error(). Card files are written as <dir>/<kind>-<i>.card (kind keyper-so, keyper-op,
 * keyper-rksh); pin protects every card of a call (NULL: none). Wrong kind, another
 * device's, another set, duplicate, too few, forged and wrong-PIN cards each fail with their
 * own message (CKR_PIN_INCORRECT); a step out of order fails with
 * CKR_OPERATION_NOT_INITIALIZED and names the state the device is in. */
#pragma once

#include <stddef.h>

#include "hsmlab/pkcs11.h"

#define HSMLAB_KEYPER_INTERFACE_NAME "hsmlab keyper"
#define HSMLAB_KEYPER_VERSION_MAJOR 1
#define HSMLAB_KEYPER_VERSION_MINOR 0

typedef struct {
	char state[16];          /* factory, so-cards, smk, op-cards, online, tampered */
	CK_BBOOL has_smk;        /* a storage master key is loaded */
	CK_BBOOL activated;      /* an operator quorum activated it and the time is not up */
	long long activated_at;  /* device time of the activation (0: none) */
	long long active_until;  /* device time it ends (0: none) */
	CK_ULONG so_m, so_n;     /* the profile's quorums: SO cards, */
	CK_ULONG op_m, op_n;     /* operator cards, */
	CK_ULONG rksh_m, rksh_n; /* recovery shares */
} hsmlab_keyper_state_t;

typedef struct HSMLAB_KEYPER_FUNCTION_LIST {
	CK_VERSION version; /* 1.0 */
	/* The device's lifecycle state (a free device reads "factory"). */
	CK_RV (*state)(CK_SLOT_ID slot, hsmlab_keyper_state_t *out);
	/* factory → so-cards: makes the SO credential and writes its cards (so_quorum of the
	 * profile) to dir. A free device gets its store here. */
	CK_RV (*so_cards)(CK_SLOT_ID slot, const char *dir, const char *pin);
	/* smk → op-cards: with a quorum of SO cards, makes the operator credential and writes
	 * its cards (operator_quorum: 3 of 7) to dir. Also from op-cards or online: new OP
	 * cards (the old ones stop working), the device is deactivated. */
	CK_RV(*op_cards)
	(CK_SLOT_ID slot, const char *const *so_cards, CK_ULONG n_so, const char *dir,
	 const char *pin);
	/* op-cards or online → online, the vendor's init step (K7): with a quorum of SO cards,
	 * erases every key of the token and sets label (≤ 32 bytes), SO PIN and user PIN
	 * (4-32 digits each) in one transaction; the device is not activated afterwards. */
	CK_RV(*init)
	(CK_SLOT_ID slot, const char *const *so_cards, CK_ULONG n_so, const char *label,
	 const char *so_pin, const char *user_pin, const char *pin);
	/* online: a quorum of operator cards activates the device (K10) until deactivate,
	 * tamper or the profile's activation_timeout in device time. */
	CK_RV(*activate)
	(CK_SLOT_ID slot, const char *const *op_cards, CK_ULONG n, const char *pin);
	CK_RV (*deactivate)(CK_SLOT_ID slot);
	/* The SMK, re-assembled from a quorum of its SMK cards (owner: the SMK's name), split
	 * again as recovery shares (recovery_quorum: 5 of 7) written to dir. */
	CK_RV(*recovery_cards)
	(CK_SLOT_ID slot, const char *owner, const char *const *smk_cards, CK_ULONG n,
	 const char *dir, const char *pin);
	/* The SMK re-assembled from a quorum of recovery shares onto this device (a new or a
	 * tampered one): like domain_load, from the other card kind. */
	CK_RV(*recover)
	(CK_SLOT_ID slot, const char *owner, const char *const *rksh_cards, CK_ULONG n,
	 const char *pin);
	/* K12: the tamper envelope trips: keys, token, SMK and activation are zeroized, the
	 * audit log survives and records it; the device needs its SMK cards again. */
	CK_RV (*tamper)(CK_SLOT_ID slot);
} HSMLAB_KEYPER_FUNCTION_LIST;
