/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the conformance suite. One set of PKCS#11 checks run against any module
 * through its function list; each check records what the module does (a CK_RV name, a flag
 * set, a count, a short string), and the run compares that with the target's expectations. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "hsmlab/bench/matrix.h"
#include "hsmlab/bench/target.h"

typedef struct {
	const char *id;    /* stable, e.g. "login.state_per_token" */
	const char *title; /* what is checked, one line */
	const char *ref;   /* where the expectation comes from: "G2" (a quirk row), "spec" */
} hl_conformance_check_t;

/* The static checks, in run order, terminated by an entry with id NULL. Besides these the run
 * adds one row "mech.<CKM name>" per mechanism the module announces. */
const hl_conformance_check_t *hl_conformance_checks(void);

/* Runs the suite against one target in a child process (so a crash or a module's global
 * state cannot spoil the other targets): prepares the target under rundir, loads its module,
 * runs every check and stores the observations in column `col` of m, compared with the
 * target's expectation file (if any). A crash is recorded as row "suite.completed".
 * Progress lines go to `log` (NULL: quiet). Returns 0, or -1 with err set when the target
 * could not be run at all (bad expectation file, fork failure). */
int hl_conformance_run(hl_bench_target_t *t, const char *rundir, hl_matrix_t *m, int col, FILE *log,
		       char *err, size_t errlen);

/* Checks whose id matches one of these globs are not run (their cells stay empty, JUnit
 * "skipped"): for a module that crashes on one. The array is borrowed until the last run. */
void hl_conformance_skip(const char *const *globs, size_t n);

/* Writes the observations of column `col` as an expectation file (for a new target). */
int hl_conformance_write_expect(const hl_matrix_t *m, int col, FILE *out);
