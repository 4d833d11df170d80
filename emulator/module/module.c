/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a module's identity. The entry points live in the static core
 * (hsmlab-emu-p11); each module only names its family, whose profile is the default. */
#include "p11/hl_p11.h"

const char hl_module_family[] = HL_MODULE_FAMILY;
