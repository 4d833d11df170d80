/* SPDX-License-Identifier: BSD-2-Clause
 * Test helper for clock_faketime.sh: appends one audit record in an in-memory device
 * database, exports the log into the directory argv[1] and prints the record's line, so the
 * script can show audit stamps follow libfaketime and the device clock offset (argv[2]). */
#include <stdio.h>
#include <stdlib.h>

#include "audit/hl_audit.h"

int main(int argc, char **argv)
{
	static const uint8_t key[HL_AUDIT_KEY_LEN] = { 1 };
	hl_clock_t clk = { .offset = argc > 2 ? strtoll(argv[2], NULL, 10) : 0 };
	sqlite3 *db = NULL;
	hl_audit_t *a = NULL;
	char path[4096], line[1024];
	int rc = 1;
	if (argc < 2 || snprintf(path, sizeof(path), "%s/stamp.txt", argv[1]) >= (int)sizeof(path))
		return 2;
	if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
	    hl_audit_open(db, "K0001", key, &clk, &a) != HL_OK ||
	    hl_audit_append(a, HL_AUDIT_CLOCK_CHANGE, "device", "stamp", NULL) != HL_OK ||
	    hl_audit_export(a, path) != HL_OK)
		goto out;
	FILE *f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		rc = 0;
	}
	if (f)
		fclose(f);
out:
	hl_audit_free(a);
	sqlite3_close(db);
	return rc;
}
