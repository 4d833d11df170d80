/* SPDX-License-Identifier: BSD-2-Clause
 * What the bench's Criterion tests share: a throw-away directory and the SoftHSMv2 target
 * from fixtures/conformance (real module, real token, nothing mocked). */
#pragma once

#include "hsmlab/bench/target.h"

/* The test's temporary directory, made by hl_test_setup (a Criterion .init). */
extern char hl_test_dir[64];
void hl_test_setup(void);
/* fixtures/conformance/softhsm2.conf, loaded; prepared under hl_test_dir when asked. */
hl_bench_target_t *hl_test_softhsm2(int prepare);
