/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family's hooks. */
#define _GNU_SOURCE /* dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/hl_fam.h"
#include "device/hl_lab.h"
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

/* K6 (field: the real set-up in IANA's dnssec-keytools docs/aep-keyper-test.md sets both
 * KEYPER_LIBRARY_PATH, the device's directory, and PKCS11_LIBRARY_PATH, the provider
 * library's own file): when the device is found through KEYPER_LIBRARY_PATH, the library
 * must also be named by PKCS11_LIBRARY_PATH, and be this one. What the real library does
 * without it is not public: refusing C_Initialize is a guess; HSMLAB_CONF needs neither. */
static hl_status_t keyper_client_config(struct hl_lab_config *c, const char *named_by, char *err,
					size_t errlen)
{
	Dl_info self;
	struct stat want, got;
	(void)c;
	if (!named_by || strcmp(named_by, hl_keyper_family.library_path_env) != 0)
		return HL_OK;
	const char *lib = getenv(KY_SELF_PATH_ENV);
	if (!lib || !lib[0]) {
		snprintf(err, errlen,
			 "%s is set but %s is not: the Keyper library needs both (%s: the "
			 "provider library's file)",
			 named_by, KY_SELF_PATH_ENV, KY_SELF_PATH_ENV);
		return HL_ERR_LAB_INVALID;
	}
	if (stat(lib, &got) != 0) {
		snprintf(err, errlen, "%s=%s: %s", KY_SELF_PATH_ENV, lib, strerror(errno));
		return HL_ERR_LAB_INVALID;
	}
	if (dladdr((void *)keyper_client_config, &self) && self.dli_fname &&
	    stat(self.dli_fname, &want) == 0 &&
	    (want.st_dev != got.st_dev || want.st_ino != got.st_ino)) {
		snprintf(err, errlen, "%s=%s: not the Keyper library loaded (%s)", KY_SELF_PATH_ENV,
			 lib, self.dli_fname);
		return HL_ERR_LAB_INVALID;
	}
	return HL_OK;
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
	.client_config = keyper_client_config,
	.backup_format = &hl_keyper_backup_format,
	.backup_domain_card = KY_CARD_SMK,
	.quirks = hl_keyper_quirks,
	.quirk_size = sizeof(ky_switches_t),
};
