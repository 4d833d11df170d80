/* SPDX-License-Identifier: BSD-2-Clause
 * Test helper for clock_faketime.sh: appends one audit record in a fresh device store in the
 * directory argv[1], exports the log there and prints the record's line, so the script can
 * show audit stamps follow libfaketime and the device clock offset (argv[2]). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "audit/hl_audit.h"

int main(int argc, char **argv)
{
	static const uint8_t key[HL_AUDIT_KEY_LEN] = { 1 };
	hl_clock_t clk = { .offset = argc > 2 ? strtoll(argv[2], NULL, 10) : 0 };
	hl_store_t *store = NULL;
	hl_audit_t *a = NULL;
	char path[4096], db[4096], line[1024], err[4200] = "";
	int rc = 1;
	if (argc < 2 ||
	    snprintf(path, sizeof(path), "%s/stamp.txt", argv[1]) >= (int)sizeof(path) ||
	    snprintf(db, sizeof(db), "%s/stamp.db", argv[1]) >= (int)sizeof(db))
		return 2;
	unlink(db); /* a fresh store on every run */
	if (hl_store_open(db, HL_STORE_CREATE, &store, err, sizeof(err)) != HL_OK ||
	    hl_audit_open(store, "K0001", key, &clk, &a) != HL_OK ||
	    hl_audit_append(a, HL_AUDIT_CLOCK_CHANGE, "device", "stamp", NULL) != HL_OK ||
	    hl_audit_export(a, path, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "audit_stamp: %s\n", err[0] ? err : "cannot append or export");
		goto out;
	}
	FILE *f = fopen(path, "r");
	if (f && fgets(line, sizeof(line), f) && fgets(line, sizeof(line), f)) {
		fputs(line, stdout);
		rc = 0;
	}
	if (f)
		fclose(f);
out:
	hl_audit_free(a);
	hl_store_close(store);
	return rc;
}
