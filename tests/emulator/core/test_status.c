/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for the status table (emulator/core/util): the core's own statuses, and statuses a
 * family registers at run time, which hl_strerror, hl_status_name and the one CK_RV mapping
 * then know like the core's. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "util/hl_status.h"

static const hl_status_desc_t acme[] = {
	{ "HL_ERR_ACME_STATE", CKR_OPERATION_NOT_INITIALIZED, "the Acme is not ready" },
	{ "HL_ERR_ACME_SEALED", CKR_FUNCTION_FAILED, "the Acme is sealed" },
};
static const hl_status_desc_t other[] = {
	{ "HL_ERR_OTHER_DOOR", CKR_DEVICE_ERROR, "the other family's door is open" },
};

Test(status, core_statuses_map_in_one_place)
{
	cr_assert_str_eq(hl_status_name(HL_ERR_INTEGRITY), "HL_ERR_INTEGRITY");
	cr_assert_eq(hl_status_to_ckr(HL_ERR_PIN_LOCKED), CKR_PIN_LOCKED);
	cr_assert_str_eq(hl_strerror(HL_OK), "success");
	cr_assert_str_eq(hl_strerror((hl_status_t)(HL_STATUS_COUNT + 1)), "unknown status");
	cr_assert_eq(hl_status_to_ckr((hl_status_t)HL_STATUS_COUNT), CKR_GENERAL_ERROR);
}

Test(status, a_family_registers_its_statuses)
{
	hl_status_t first = HL_OK, again = HL_OK, second = HL_OK;
	cr_assert_eq(hl_status_register(acme, 2, &first), HL_OK);
	cr_assert_geq(first, HL_STATUS_FAMILY_FIRST);
	cr_assert_str_eq(hl_strerror(first), "the Acme is not ready");
	cr_assert_str_eq(hl_status_name((hl_status_t)(first + 1)), "HL_ERR_ACME_SEALED");
	cr_assert_eq(hl_status_to_ckr(first), CKR_OPERATION_NOT_INITIALIZED);
	cr_assert_eq(hl_status_to_ckr((hl_status_t)(first + 1)), CKR_FUNCTION_FAILED);

	cr_assert_eq(hl_status_register(acme, 2, &again), HL_OK);
	cr_assert_eq(again, first, "registering again gives the same codes");
	cr_assert_eq(hl_status_register(other, 1, &second), HL_OK);
	cr_assert_eq(second, first + 2, "a second family gets codes of its own");
	cr_assert_str_eq(hl_strerror(second), "the other family's door is open");
	cr_assert_eq(hl_status_to_ckr(second), CKR_DEVICE_ERROR);
	/* A code past the registered ones is unknown, not another family's. */
	cr_assert_str_eq(hl_status_name((hl_status_t)(second + 1)), "HL_ERR_UNKNOWN");
	cr_assert_eq(hl_status_to_ckr((hl_status_t)(second + 1)), CKR_GENERAL_ERROR);
}

Test(status, a_family_accessor_registers_on_first_use)
{
	hl_status_t sealed = hl_status_of(acme, 2, 1);
	cr_assert_str_eq(hl_status_name(sealed), "HL_ERR_ACME_SEALED");
	cr_assert_eq(hl_status_of(acme, 2, 0), sealed - 1, "the rows keep their order");
	cr_assert_eq(hl_status_to_ckr(sealed), CKR_FUNCTION_FAILED);
	cr_assert_eq(hl_status_of(acme, 2, 2), HL_ERR_INTERNAL, "past the rows");
}

Test(status, bad_registrations_are_refused)
{
	static const hl_status_desc_t nameless[] = { { NULL, CKR_OK, "no name" } };
	static const hl_status_desc_t silent[] = { { "HL_ERR_SILENT", CKR_OK, NULL } };
	hl_status_t first = (hl_status_t)42;
	cr_assert_eq(hl_status_register(nameless, 1, &first), HL_ERR_ARGS);
	cr_assert_eq(hl_status_register(silent, 1, &first), HL_ERR_ARGS);
	cr_assert_eq(hl_status_register(acme, 0, &first), HL_ERR_ARGS);
	cr_assert_eq(hl_status_register(acme, 2, NULL), HL_ERR_ARGS);
	cr_assert_eq(first, 42, "out-param written on failure");
	cr_assert_eq(hl_status_register(acme, 1, &first), HL_OK);
	cr_assert_eq(hl_status_register(acme, 2, &first), HL_ERR_EXISTS,
		     "the same rows, grown since they were registered");
}

Test(status, the_family_codes_run_out_cleanly)
{
	static hl_status_desc_t one[300];
	hl_status_t first;
	size_t ok = 0;
	for (size_t i = 0; i < 300; i++) {
		one[i] = (hl_status_desc_t){ "HL_ERR_MANY", CKR_FUNCTION_FAILED, "one of many" };
		hl_status_t st = hl_status_register(&one[i], 1, &first);
		if (st == HL_OK) {
			ok++;
			cr_assert_leq(first, HL_STATUS_FAMILY_LAST);
		} else {
			cr_assert_eq(st, HL_ERR_DEVICE_MEMORY);
		}
	}
	cr_assert_eq(ok, 256, "every family code used once, then refused");
}
