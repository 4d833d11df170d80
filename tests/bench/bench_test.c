/* SPDX-License-Identifier: BSD-2-Clause
 * Shared setup of the bench's Criterion tests. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_test.h"

char hl_test_dir[64];

void hl_test_setup(void)
{
	cr_assert(getenv("HSMLAB_SOFTHSM2_MODULE") && *getenv("HSMLAB_SOFTHSM2_MODULE"),
		  "HSMLAB_SOFTHSM2_MODULE not set (is softhsm2 installed?)");
	snprintf(hl_test_dir, sizeof hl_test_dir, "/tmp/hsmlab-bench-test-XXXXXX");
	cr_assert_not_null(mkdtemp(hl_test_dir));
}

hl_bench_target_t *hl_test_softhsm2(int prepare)
{
	char path[4096], err[512] = "";
	hl_bench_target_t *t;

	snprintf(path, sizeof path, "%s/softhsm2.conf", getenv("HSMLAB_BENCH_FIXTURES"));
	t = hl_bench_target_load(path, err, sizeof err);
	cr_assert_not_null(t, "%s", err);
	if (prepare)
		cr_assert_eq(hl_bench_target_prepare(t, hl_test_dir, err, sizeof err), 0, "%s",
			     err);
	return t;
}
