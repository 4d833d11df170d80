/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna family's hooks. */
#include "luna/hl_luna.h"

const hl_family_t hl_luna_family = {
	.name = "luna",
};
