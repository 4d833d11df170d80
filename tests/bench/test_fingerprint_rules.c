/* SPDX-License-Identifier: BSD-2-Clause
 * The fingerprint's switch table (kept in the bench, which must not read emulator internals)
 * against the emulator's quirk registry and the conformance suite: every switch it writes is
 * a registry row with the same catalogue id, and every check it reads is a check the suite
 * runs, so neither side can drift without this test failing. */
#include <criterion/criterion.h>
#include <string.h>

#include "device/hl_family.h"
#include "device/hl_quirk.h"
#include "hsmlab/bench/conformance.h"
#include "hsmlab/bench/fingerprint.h"

/* the core library wants its module's family; the generic module's */
const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

Test(fingerprint_rules, every_switch_is_a_registry_row_with_its_catalogue_id)
{
	size_t n = 0;

	for (const hl_fp_rule_t *r = hl_fp_rules(); r->name != NULL; r++, n++) {
		const hl_quirk_row_t *row =
		    hl_quirk_find(hl_quirk_core_rows, hl_quirk_core_count, r->name);

		cr_assert_not_null(row, "%s: not a core registry row", r->name);
		cr_assert_str_eq(row->id, r->row, "%s: catalogue row %s in the registry, %s here",
				 r->name, row->id, r->row);
	}
	cr_assert_gt(n, 5, "the table lost its rows");
}

Test(fingerprint_rules, every_check_is_one_the_suite_runs)
{
	for (const hl_fp_rule_t *r = hl_fp_rules(); r->name != NULL; r++) {
		const hl_conformance_check_t *c = hl_conformance_checks();
		/* the probe's own rows, and the per-mechanism rows the suite makes for every
		 * mechanism a module announces */
		if (strcmp(r->check, HL_FP_PROBE_TOKEN_AFTER_LIST) == 0 ||
		    strncmp(r->check, "mech.CKM_", 9) == 0)
			continue;

		while (c->id != NULL && strcmp(c->id, r->check) != 0)
			c++;
		cr_assert_not_null(c->id, "%s: no conformance check %s", r->name, r->check);
	}
}
