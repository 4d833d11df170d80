/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna family (the new KSK HSM, quirks.md L1-L14). */
#pragma once

#include "device/hl_family.h"

/* The family's hook table; libhsmlab-luna.so registers it at C_Initialize. */
extern const hl_family_t hl_luna_family;
