/* SPDX-License-Identifier: BSD-2-Clause
 * The conformance suite against the real SoftHSMv2: green with its expectation file, red
 * (naming the check) with a wrong one, and a broken target recorded, not crashed on. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_test.h"
#include "hsmlab/bench/conformance.h"

static const hl_cell_t *cell(const hl_matrix_t *m, const char *id)
{
	for (size_t r = 0; r < hl_matrix_rows(m); r++)
		if (strcmp(hl_matrix_row_id(m, r), id) == 0)
			return hl_matrix_cell(m, r, 0);
	cr_assert_fail("no row %s", id);
	return NULL;
}

TestSuite(conformance, .init = hl_test_setup, .timeout = 60);

Test(conformance, softhsm2_matches_its_expectations)
{
	hl_bench_target_t *t = hl_test_softhsm2(0);
	hl_matrix_t *m = hl_matrix_new("c");
	char err[512] = "";
	int col = hl_matrix_column(m, "softhsm2");

	cr_assert_eq(hl_conformance_run(t, hl_test_dir, m, col, NULL, err, sizeof err), 0, "%s",
		     err);
	for (size_t r = 0; r < hl_matrix_rows(m); r++) {
		const hl_cell_t *c = hl_matrix_cell(m, r, 0);

		cr_expect_eq(c->status, HL_CELL_MATCH, "%s: observed %s, expected %s",
			     hl_matrix_row_id(m, r), c->observed, c->expected);
	}
	cr_assert_str_eq(cell(m, "suite.completed")->observed, "yes");
	/* The rows the issue names are there and observed, not just "passed". */
	cr_assert_str_eq(cell(m, "attr.unknown_type")->observed,
			 "CKR_ATTRIBUTE_TYPE_INVALID,len=unavailable");
	cr_assert_str_eq(cell(m, "mech.CKM_SHA256_RSA_PKCS")->observed, "ok");
	cr_assert(hl_matrix_rows(m) > 80, "%zu rows", hl_matrix_rows(m));
	hl_matrix_free(m);
	hl_bench_target_free(t);
}

Test(conformance, a_wrong_expectation_fails_and_names_the_check)
{
	hl_bench_target_t *t = hl_test_softhsm2(0);
	hl_matrix_t *m = hl_matrix_new("c");
	char err[512] = "", exp[128];
	FILE *f;

	snprintf(exp, sizeof exp, "%s/wrong.expect", hl_test_dir);
	f = fopen(exp, "w");
	cr_assert_not_null(f);
	fputs("login.wrong_pin = CKR_OK\nmech.* = any\n", f);
	fclose(f);
	cr_assert_eq(hl_bench_target_set(t, "expect", exp, err, sizeof err), 0);
	cr_assert_eq(
	    hl_conformance_run(t, hl_test_dir, m, hl_matrix_column(m, "s"), NULL, err, sizeof err),
	    0, "%s", err);
	cr_assert_eq(hl_matrix_count(m, 0, HL_CELL_DIFF), 1);
	cr_assert_eq(cell(m, "login.wrong_pin")->status, HL_CELL_DIFF);
	cr_assert_str_eq(cell(m, "login.wrong_pin")->observed, "CKR_PIN_INCORRECT");
	cr_assert_eq(cell(m, "mech.CKM_RSA_PKCS")->status, HL_CELL_MATCH, "glob expectation");
	cr_assert_eq(cell(m, "init.twice")->status, HL_CELL_NEW, "no expectation: shown only");
	hl_matrix_free(m);
	hl_bench_target_free(t);
}

Test(conformance, a_broken_target_is_recorded)
{
	hl_bench_target_t *t = hl_bench_target_new("broken");
	hl_matrix_t *m = hl_matrix_new("c");
	char err[512] = "";

	cr_assert_eq(
	    hl_bench_target_set(t, "module", "/nonexistent/libnothing.so", err, sizeof err), 0);
	cr_assert_eq(
	    hl_conformance_run(t, hl_test_dir, m, hl_matrix_column(m, "b"), NULL, err, sizeof err),
	    0, "%s", err);
	cr_assert_str_eq(cell(m, "suite.completed")->observed, "setup-failed");
	cr_assert(strstr(cell(m, "suite.completed")->detail, "/nonexistent/libnothing.so") != NULL);
	hl_matrix_free(m);
	hl_bench_target_free(t);
}
