/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna family (the new KSK HSM, quirks.md L1-L14). */
#pragma once

#include "backup/hl_backup.h"
#include "device/hl_family.h"

/* The family's hook table; libhsmlab-luna.so registers it at C_Initialize. */
extern const hl_family_t hl_luna_family;

/* The Luna's own statuses, registered with the core (hl_status_register) on first use so
 * that hl_strerror and the CK_RV mapping know them. */
typedef enum {
	HL_LUNA_ST_STATE,        /* not in the lifecycle state this step needs */
	HL_LUNA_ST_METHOD,       /* the authentication method is fixed until zeroized */
	HL_LUNA_ST_LOCKED_OUT,   /* the Crypto Officer (and so the Crypto User) is locked out */
	HL_LUNA_ST_SO_THRESHOLD, /* the HSM SO's failures reached the limit: zeroized */
	HL_LUNA_ST_STM,          /* refused in Secure Transport Mode */
	HL_LUNA_ST_TAMPERED,     /* refused while a tamper event halts the HSM */
	HL_LUNA_ST_PED_TIMEOUT,  /* an iKey prompt not answered within the PED timeout */
	HL_LUNA_ST_PED_CANCELED, /* the PED cancelled an iKey prompt */
	HL_LUNA_ST_COUNT
} hl_luna_status_id_t;
/* The status code of id (HL_ERR_INTERNAL if the core's status table is full). */
hl_status_t hl_luna_status(hl_luna_status_id_t id);
#define HL_ERR_LUNA_STATE hl_luna_status(HL_LUNA_ST_STATE)
#define HL_ERR_LUNA_METHOD hl_luna_status(HL_LUNA_ST_METHOD)
#define HL_ERR_LUNA_LOCKED_OUT hl_luna_status(HL_LUNA_ST_LOCKED_OUT)
#define HL_ERR_LUNA_SO_THRESHOLD hl_luna_status(HL_LUNA_ST_SO_THRESHOLD)
#define HL_ERR_LUNA_STM hl_luna_status(HL_LUNA_ST_STM)
#define HL_ERR_LUNA_TAMPERED hl_luna_status(HL_LUNA_ST_TAMPERED)
#define HL_ERR_LUNA_PED_TIMEOUT hl_luna_status(HL_LUNA_ST_PED_TIMEOUT)
#define HL_ERR_LUNA_PED_CANCELED hl_luna_status(HL_LUNA_ST_PED_CANCELED)

/* The family's key backup blob format ("HLLUNA", format byte 2, version 1; the domain is
 * its cloning domain, split over the domain iKeys): formats.md §3. */
extern const hl_backup_format_t hl_luna_backup_format;
