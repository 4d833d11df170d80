/* SPDX-License-Identifier: BSD-2-Clause
 * Test helper for clock_faketime.sh: prints the device time for an offset (argv[1], seconds)
 * and whether the Keyper's end of support (its profile's K5 date) has passed. */
#include <stdio.h>
#include <stdlib.h>

#include "clock/hl_clock.h"

int main(int argc, char **argv)
{
	hl_clock_t c = { .offset = argc > 1 ? strtoll(argv[1], NULL, 10) : 0 };
	char iso[HL_CLOCK_ISO_LEN];
	int64_t now = hl_clock_now(&c);
	if (hl_clock_format(now, iso, sizeof(iso)) != HL_OK)
		return 1;
	char w[160];
	if (hl_clock_support_warning(now, "2025-01-01", "Keyper", w, sizeof(w)) != HL_OK)
		return 1;
	printf("%s %s\n", iso, w[0] ? "keyper-unsupported" : "keyper-supported");
	return 0;
}
