/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family's hooks. */
#include "common/hl_fam.h"
#include "keyper/hl_keyper.h"
#include "keyper/keyper_int.h"

static const hl_status_desc_t statuses[HL_KEYPER_ST_COUNT] = {
	[HL_KEYPER_ST_STATE] = { "HL_ERR_KEYPER_STATE", CKR_OPERATION_NOT_INITIALIZED,
				 "the Keyper is not in the lifecycle state this step needs" },
};

hl_status_t hl_keyper_status(hl_keyper_status_id_t id)
{
	return hl_status_of(statuses, HL_KEYPER_ST_COUNT, (size_t)id);
}

const hl_family_t hl_keyper_family = {
	.name = "keyper",
	.model = "Keyper",
	.init_token = hl_keyper_init_token,
	.ext_interface_name = HSMLAB_FAMILY_INTERFACE_NAME,
	.ext_version = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR },
	.ext_functions = (void *)&hl_fam_ext_functions,
	.on_event = hl_fam_on_event,
	.device_free = hl_fam_device_free,
	.device_loaded = hl_fam_clone_resolve,
	.vendor_interface_name = HSMLAB_KEYPER_INTERFACE_NAME,
	.vendor_version = { HSMLAB_KEYPER_VERSION_MAJOR, HSMLAB_KEYPER_VERSION_MINOR },
	.vendor_functions = (void *)&hl_keyper_functions,
	.login_gate = hl_keyper_login_gate,
	/* K6: the profile's library_path_env switch documents it; test_k6_library_path checks
	 * that the two agree (the lab is found before any profile is read). */
	.library_path_env = "KEYPER_LIBRARY_PATH",
	.backup_format = &hl_keyper_backup_format,
	.backup_domain_card = KY_CARD_SMK,
	.quirks = hl_keyper_quirks,
	.quirk_size = sizeof(ky_switches_t),
};
