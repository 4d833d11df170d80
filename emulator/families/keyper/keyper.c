/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family's hooks. */
#include "common/hl_fam.h"
#include "keyper/hl_keyper.h"

const hl_family_t hl_keyper_family = {
	.name = "keyper",
	.ext_interface_name = HSMLAB_FAMILY_INTERFACE_NAME,
	.ext_version = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR },
	.ext_functions = (void *)&hl_fam_ext_functions,
	.on_event = hl_fam_on_event,
	.device_free = hl_fam_device_free,
};
