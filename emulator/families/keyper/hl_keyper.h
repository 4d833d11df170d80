/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family (the old KSK HSM, quirks.md K1-K12). */
#pragma once

#include "device/hl_device.h"
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
