/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: a results matrix (rows = checks or steps, columns = targets or profiles),
 * each cell an observed value compared with an expected one. The report writers take it,
 * so the conformance suite and the scenario runner share them. */
#pragma once

#include <stddef.h>
#include <stdio.h>

typedef enum {
	HL_CELL_NONE = 0, /* the target did not produce this row */
	HL_CELL_MATCH,    /* observed equals the expectation (or the expectation is "any") */
	HL_CELL_DIFF,     /* observed differs from the expectation: a failure */
	HL_CELL_NEW,      /* no expectation for this row: shown, not a failure */
} hl_cell_status_t;

typedef struct {
	char *observed; /* NULL when status is HL_CELL_NONE */
	char *expected; /* NULL when there is no expectation */
	char *detail;   /* optional note from the check (e.g. the failing step) */
	hl_cell_status_t status;
} hl_cell_t;

typedef struct hl_matrix hl_matrix_t;

/* An empty matrix with a title (copied). Free with hl_matrix_free (NULL is a no-op). */
hl_matrix_t *hl_matrix_new(const char *title);
void hl_matrix_free(hl_matrix_t *m);

/* Returns the index of the column or row, adding it when new; -1 when out of memory.
 * Row titles and refs (e.g. "K4", a quirk row) are optional and kept from the first add. */
int hl_matrix_column(hl_matrix_t *m, const char *name);
int hl_matrix_row(hl_matrix_t *m, const char *id, const char *title, const char *ref);
/* Stores a cell (strings copied; expected/detail may be NULL) and computes its status:
 * MATCH when expected is "any" or one of its "|"-separated alternatives equals observed. */
int hl_matrix_set(hl_matrix_t *m, int row, int col, const char *observed, const char *expected,
		  const char *detail);

size_t hl_matrix_rows(const hl_matrix_t *m);
size_t hl_matrix_columns(const hl_matrix_t *m);
const char *hl_matrix_title(const hl_matrix_t *m);
const char *hl_matrix_column_name(const hl_matrix_t *m, size_t col);
const char *hl_matrix_row_id(const hl_matrix_t *m, size_t row);
const char *hl_matrix_row_title(const hl_matrix_t *m, size_t row);
const char *hl_matrix_row_ref(const hl_matrix_t *m, size_t row);
/* Borrowed; never NULL (an empty HL_CELL_NONE cell for unset ones). */
const hl_cell_t *hl_matrix_cell(const hl_matrix_t *m, size_t row, size_t col);
/* 1 when the row's observed values are not all equal across the columns that have one. */
int hl_matrix_row_varies(const hl_matrix_t *m, size_t row);
/* Number of HL_CELL_DIFF cells (in one column, or all when col is (size_t)-1). */
size_t hl_matrix_count(const hl_matrix_t *m, size_t col, hl_cell_status_t status);

/* 1 when `observed` satisfies `expected` ("any", or "a|b|c" alternatives). */
int hl_matrix_value_matches(const char *expected, const char *observed);

/* Sharding for CI job matrices: "K/N" (1 <= K <= N) into k and n; 0, or -1 when malformed. */
int hl_matrix_shard_parse(const char *spec, unsigned *k, unsigned *n);
/* 1 when shard k of n runs the item at `index` (0-based, in command-line order). */
int hl_matrix_shard_picks(size_t index, unsigned k, unsigned n);
/* What a JSON result says about its run besides the matrix. */
typedef struct {
	const char *report;     /* "conformance" or "scenario": merge names its files so */
	unsigned k, n;          /* the shard (1/1 when unsharded) */
	const char *const *all; /* every column of the whole run (NULL: the matrix's own) */
	size_t nall;
	int fixed_rows; /* rows made up front (scenario steps) rather than as met */
} hl_matrix_run_t;

/* The matrix as JSON (format "hsmlab-matrix-1"): the run's description, then rows and cells. */
int hl_matrix_write_json(const hl_matrix_t *m, FILE *out, const hl_matrix_run_t *run);
/* Joins the JSON files of shards 1..N of one run into the matrix the unsharded run gives;
 * NULL with err naming the file when one is missing, repeated, from another run or bad. */
hl_matrix_t *hl_matrix_merge_json(const char *const *paths, size_t n, char *err, size_t errlen);
/* A JSON result's "report" (its files' base name; "conformance" when absent or not plain
 * letters) and whether its rows are fixed; -1 when the file cannot be read. */
int hl_matrix_json_info(const char *path, char *report, size_t len, int *fixed_rows);
