/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: bench scenario files (hl_scenario_load). */
#include "fuzz_common.h"
#include "hsmlab/bench/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	hl_scenario_t *s =
	    hl_scenario_load(hl_fuzz_file("fuzz.conf", data, size), err, sizeof(err));

	hl_scenario_free(s);
	return 0;
}
