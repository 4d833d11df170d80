/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family's hooks. */
#include "keyper/hl_keyper.h"

const hl_family_t hl_keyper_family = {
	.name = "keyper",
};
