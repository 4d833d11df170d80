/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: the lab configuration (HSMLAB_CONF), through hl_lab_config_load. */
#include <stdlib.h>

#include "device/hl_lab.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Only the file under test decides the profile directory, not the environment of
	 * whoever runs the fuzzer. */
	unsetenv("HSMLAB_PROFILE_DIR");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_lab_config_t cfg = { 0 };
	char err[512];

	setenv("HSMLAB_CONF", hl_fuzz_file("hsmlab.conf", data, size), 1);
	if (hl_lab_config_load("/nonexistent/profiles", "strict", &cfg, err, sizeof(err)) == HL_OK)
		hl_lab_config_clear(&cfg);
	return 0;
}
