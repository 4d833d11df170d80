/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: the emulator's vendor extension interface, the way vendor tools drive their HSMs.
 * A client (hsmlab-admin, the bench) loads the module, calls C_GetInterface with the name
 * HSMLAB_EXT_INTERFACE_NAME and version 1.0, and gets a HSMLAB_EXT_FUNCTION_LIST. Vendor
 * families add their own lists (Luna CA_*, Keyper) through the same mechanism.
 *
 * Ownership: every pointer argument is borrowed for the duration of the call; every output
 * buffer belongs to the caller. Nothing returned needs freeing. The functions are thread
 * safe like the rest of the module. All but lab_create need C_Initialize first. */
#pragma once

#include <stddef.h>

#include "hsmlab/pkcs11.h"

#define HSMLAB_EXT_INTERFACE_NAME "hsmlab admin"
#define HSMLAB_EXT_VERSION_MAJOR 1
#define HSMLAB_EXT_VERSION_MINOR 0

typedef struct {
	CK_SLOT_ID slot_id;
	char serial[17];
	char profile[64];
	char family[32];
	char label[33];   /* blank padded as in CK_TOKEN_INFO, NUL terminated */
	char state[16];   /* "free", "factory", "initialized" or "broken" */
	char path[512];   /* the device store; empty for the free device */
	CK_ULONG objects; /* token objects in the store */
	char error[320];  /* why a broken device is broken */
} hsmlab_device_info_t;

typedef struct {
	CK_ULONG id; /* store row id (stable, never reused) */
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type; /* CK_UNAVAILABLE_INFORMATION for non-keys */
	CK_BBOOL is_private;
	char label[256]; /* CKA_LABEL, NUL terminated (truncated if longer) */
	unsigned char id_attr[64];
	CK_ULONG id_attr_len; /* CKA_ID (truncated to 64 bytes) */
} hsmlab_object_info_t;

typedef struct HSMLAB_EXT_FUNCTION_LIST {
	CK_VERSION version; /* 1.0 */
	/* Creates a lab directory (0700) with its secret (0600); no C_Initialize needed.
	 * CKR_OK also when it exists and is sound. */
	CK_RV (*lab_create)(const char *lab_dir);
	/* The lab in use: directory, config file read (may be empty), profile dir. */
	CK_RV(*lab_info)
	(char *lab_dir, size_t lab_len, char *conf, size_t conf_len, char *profile_dir,
	 size_t profile_len);
	/* Creates a factory-state device of profile (NULL: the module's default). */
	CK_RV (*device_create)(const char *profile, CK_SLOT_ID *slot_out, char serial_out[17]);
	/* Two-call protocol like C_GetSlotList: list NULL gives the count. */
	CK_RV (*device_list)(hsmlab_device_info_t *list, CK_ULONG *count);
	CK_RV (*device_info)(CK_SLOT_ID slot, hsmlab_device_info_t *info);
	/* Every token object of the device (metadata only, no login: an operator's view;
	 * key material is never shown). Two-call protocol. */
	CK_RV (*object_list)(CK_SLOT_ID slot, hsmlab_object_info_t *list, CK_ULONG *count);
	/* The last error message of this thread (static, never NULL). */
	const char *(*last_error)(void);
} HSMLAB_EXT_FUNCTION_LIST;
