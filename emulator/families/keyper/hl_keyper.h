/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family (the old KSK HSM, quirks.md K1-K12). */
#pragma once

#include "device/hl_device.h"
#include "backup/hl_backup.h"
#include "device/hl_family.h"
#include "hsmlab/hsmlab-keyper.h"

/* The family's hook table; libhsmlab-keyper.so registers it at C_Initialize. */
extern const hl_family_t hl_keyper_family;
/* The vendor's own table ("hsmlab keyper" 1.0, hsmlab/hsmlab-keyper.h). */
extern const HSMLAB_KEYPER_FUNCTION_LIST hl_keyper_functions;

/* K10: C_Login only while a quorum of operator cards has the device activated (profile
 * switch login_needs_activation; its value names the code, a guess). Device lock held. */
CK_RV hl_keyper_login_gate(hl_device_t *dev, CK_USER_TYPE user);
/* K7: C_InitToken refused (switch init_token_vendor_only): only the vendor's init step. */
hl_status_t hl_keyper_init_token(hl_device_t *dev, const CK_UTF8CHAR *so_pin, CK_ULONG len,
				 const CK_UTF8CHAR label[32]);

/* The Keyper's own statuses, registered with the core (hl_status_register) on first use so
 * that hl_strerror and the CK_RV mapping know them. */
typedef enum {
	HL_KEYPER_ST_STATE, /* not in the lifecycle state this step needs */
	HL_KEYPER_ST_COUNT
} hl_keyper_status_id_t;
/* The status code of id (HL_ERR_INTERNAL if the core's status table is full). */
hl_status_t hl_keyper_status(hl_keyper_status_id_t id);
#define HL_ERR_KEYPER_STATE hl_keyper_status(HL_KEYPER_ST_STATE)

/* The family's key backup blob format ("HLKYPR", format byte 1, version 1; the domain is
 * its storage master key (SMK), split over the SMK cards): formats.md §3. */
extern const hl_backup_format_t hl_keyper_backup_format;
