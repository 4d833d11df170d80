/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna family's hooks. */
#include "common/hl_fam.h"
#include "luna/hl_luna.h"

const hl_family_t hl_luna_family = {
	.name = "luna",
	.ext_interface_name = HSMLAB_FAMILY_INTERFACE_NAME,
	.ext_version = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR },
	.ext_functions = (void *)&hl_fam_ext_functions,
	.on_event = hl_fam_on_event,
	.device_free = hl_fam_device_free,
};
