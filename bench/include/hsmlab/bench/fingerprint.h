/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: fingerprint a PKCS#11 module into an emulator profile. The bench stays an
 * honest PKCS#11 client: it runs the conformance suite and a read-only identity probe, then
 * maps what it saw onto the quirk switches it can infer (a table kept in the bench, checked
 * against the emulator's registry by a test), leaving everything else at the strict default. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "hsmlab/bench/matrix.h"
#include "hsmlab/bench/target.h"

/* One switch the bench can infer from one conformance row. */
typedef struct {
	const char *name;  /* the registry's switch name, e.g. "labels_immutable" */
	const char *row;   /* its catalogue row, e.g. "K2" */
	const char *check; /* the conformance check that shows it */
	const char *glob;  /* fnmatch pattern on the observed value that means "on" */
	int value;         /* how to derive the value: HL_FP_* */
} hl_fp_rule_t;

enum {
	HL_FP_NONE = 0,  /* an on/off switch */
	HL_FP_CKR,       /* the observed value's first CKR_ name */
	HL_FP_QUOTED,    /* the text between the first pair of single quotes */
	HL_FP_NUMBER,    /* the observed value's first decimal number */
	HL_FP_OVER_256,  /* that number less 256 (bytes beyond a 2048-bit modulus) */
	HL_FP_FUNCS_COPY /* adds C_CopyObject to the missing_functions list */
};

/* The checks the identity probe makes itself (in a fresh process, before anything else
 * touched the module), beside the conformance suite's: rules may name them too. */
#define HL_FP_PROBE_TOKEN_AFTER_LIST "probe.token_after_list_false"

/* The rules, terminated by an entry with name NULL. */
const hl_fp_rule_t *hl_fp_rules(void);

/* Probes identity, slot, token and mechanisms of the target in a child process (after
 * preparing it under rundir) and writes the profile's head (everything before the quirks
 * group) to out, with the profile named `name` and of family `family`. What the probe itself
 * observes goes into column col of m as its own rows (HL_FP_PROBE_*). Unobservable values
 * are written at the strict default and their names appended to unknown (comma separated).
 * Returns 0 or -1 with err set. */
int hl_fp_probe(hl_bench_target_t *t, const char *rundir, const char *name, const char *family,
		hl_matrix_t *m, int col, FILE *out, char *unknown, size_t unknown_len, char *err,
		size_t errlen);

/* Opens the quirks group and writes the switches inferred from column col of the conformance
 * matrix m; the caller may add a base's switches (hl_fp_copy_base) and then closes the profile
 * with hl_fp_finish. Switches whose check did not run are listed in unknown. Returns the
 * number of switches turned on, or -1 on a write error. */
int hl_fp_write_quirks(const hl_matrix_t *m, int col, FILE *out, char *unknown, size_t unknown_len);

/* Copies into the open quirks group every switch of the profile file `path` that no rule
 * infers (a family's hooks), with its own id, source and value. Returns how many, or -1
 * with err naming the file and line. */
int hl_fp_copy_base(const char *path, FILE *out, char *err, size_t errlen);

/* Closes the quirks group and the profile and writes the unknown list as a comment. */
int hl_fp_finish(FILE *out, const char *unknown);
