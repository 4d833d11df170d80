/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: the Luna client's config file, Chrystoki.conf, through the Luna family's own
 * parser (hl_luna_client_config, luna_conf.c), found the way the module finds it: the
 * directory in ChrystokiConfigurationPath. */
#include <stdlib.h>

#include "device/hl_lab.h"
#include "fuzz_common.h"
#include "luna/luna_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	setenv("ChrystokiConfigurationPath", hl_fuzz_dir(), 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hl_lab_config_t cfg = { 0 };
	char err[512];

	hl_fuzz_file("Chrystoki.conf", data, size);
	/* Once with the lab unnamed (the hsmlab section applies), once named (it is skipped). */
	hl_luna_client_config(&cfg, NULL, err, sizeof(err));
	hl_lab_config_clear(&cfg);
	hl_luna_client_config(&cfg, "HSMLAB_CONF", err, sizeof(err));
	hl_lab_config_clear(&cfg);
	return 0;
}
