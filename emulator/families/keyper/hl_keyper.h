/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family (the old KSK HSM, QUIRKS.md K1-K12). */
#pragma once

#include "device/hl_family.h"

/* The family's hook table; libhsmlab-keyper.so registers it at C_Initialize. */
extern const hl_family_t hl_keyper_family;
