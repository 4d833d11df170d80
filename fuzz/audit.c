/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: audit exports, through the verifier (what hsmlab-audit-verify runs): with no
 * key, with the seeds' key, and with that key beside another. */
#include <stdlib.h>
#include <string.h>

#include "audit/hl_audit.h"
#include "fuzz_common.h"

static uint8_t keys[2][HL_AUDIT_KEY_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	if (hl_audit_key_derive((const uint8_t *)HL_FUZZ_AUDIT_SECRET, strlen(HL_FUZZ_AUDIT_SECRET),
				keys[0]) != HL_OK)
		abort();
	memset(keys[1], 0x5a, sizeof(keys[1]));
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static hl_audit_report_t report;

	hl_audit_verify_buf((const char *)data, size, NULL, &report);
	hl_audit_verify_buf((const char *)data, size, keys[0], &report);
	hl_audit_verify_buf_keys((const char *)data, size, (const uint8_t(*)[HL_AUDIT_KEY_LEN])keys,
				 2, &report);
	return 0;
}
