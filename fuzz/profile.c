/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: device profile files, through the public loader (hl_profile_load). */
#include "device/hl_profile.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_profile_t *p = NULL;
	char err[512];

	if (hl_profile_load(hl_fuzz_file("fuzz.conf", data, size), &p, err, sizeof(err)) == HL_OK) {
		/* The lookups a device makes on a loaded profile. */
		hl_profile_mech(p, CKM_RSA_PKCS);
		hl_profile_sign_ns(p, CKM_SHA256_RSA_PKCS, 2048);
		hl_profile_free(p);
	}
	return 0;
}
