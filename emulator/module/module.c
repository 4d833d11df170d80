/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a module's identity. The entry points live in the static core
 * (hsmlab-emu-p11); each module only names its family, whose profile is the default, and
 * (vendor modules) hands over the family's hook table. */
#include "p11/hl_p11.h"

const char hl_module_family[] = HL_MODULE_FAMILY;

#ifdef HL_MODULE_FAMILY_TABLE
extern const hl_family_t HL_MODULE_FAMILY_TABLE;
const hl_family_t *const hl_module_family_hooks = &HL_MODULE_FAMILY_TABLE;
#else
const hl_family_t *const hl_module_family_hooks = NULL;
#endif
