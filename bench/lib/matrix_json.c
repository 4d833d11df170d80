/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: a results matrix as JSON, and `merge`, which joins shard files back into the
 * matrix one unsharded run would have produced (same columns, same row order, same cells), so
 * a CI job matrix can spread the targets over machines without changing the report. */
#include <stdlib.h>
#include <string.h>

#include "hsmlab/bench/matrix.h"
#include "json.h"

#define FORMAT "hsmlab-matrix-1"

int hl_matrix_shard_parse(const char *spec, unsigned *k, unsigned *n)
{
	char *end;
	unsigned long kk = strtoul(spec, &end, 10), nn;

	if (end == spec || *end != '/')
		return -1;
	spec = end + 1;
	nn = strtoul(spec, &end, 10);
	if (end == spec || *end != '\0' || kk < 1 || nn < 1 || kk > nn || nn > 1000)
		return -1;
	*k = (unsigned)kk;
	*n = (unsigned)nn;
	return 0;
}

int hl_matrix_shard_picks(size_t index, unsigned k, unsigned n)
{
	/* Round robin rather than blocks: the slow targets (emulator families, SoftHSMv2) are
	 * usually named together, and interleaving spreads them over the shards. */
	return n == 0 || index % n == k - 1;
}

static void write_cell(FILE *out, const hl_cell_t *c)
{
	if (c->observed == NULL && c->expected == NULL && c->detail == NULL) {
		fputs("null", out);
		return;
	}
	fputs("{\"observed\":", out);
	hl_json_write_str(out, c->observed);
	fputs(",\"expected\":", out);
	hl_json_write_str(out, c->expected);
	fputs(",\"detail\":", out);
	hl_json_write_str(out, c->detail);
	fputc('}', out);
}

static void write_names(FILE *out, const char *const *v, size_t n)
{
	fputc('[', out);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputc(',', out);
		hl_json_write_str(out, v[i]);
	}
	fputc(']', out);
}

int hl_matrix_write_json(const hl_matrix_t *m, FILE *out, const hl_matrix_run_t *run)
{
	size_t cols = hl_matrix_columns(m);
	const char **names = calloc(cols ? cols : 1, sizeof *names);

	if (names == NULL)
		return -1;
	for (size_t c = 0; c < cols; c++)
		names[c] = hl_matrix_column_name(m, c);
	fputs("{\"format\":\"" FORMAT "\",\"report\":", out);
	hl_json_write_str(out, run->report ? run->report : "conformance");
	fputs(",\"title\":", out);
	hl_json_write_str(out, hl_matrix_title(m));
	fprintf(out,
		",\n\"shard\":{\"k\":%u,\"n\":%u},\"fixed_rows\":%s,\n\"all_columns\":", run->k,
		run->n, run->fixed_rows ? "true" : "false");
	write_names(out, run->all ? run->all : names, run->all ? run->nall : cols);
	fputs(",\n\"columns\":", out);
	write_names(out, names, cols);
	fputs(",\n\"rows\":[", out);
	for (size_t r = 0; r < hl_matrix_rows(m); r++) {
		fputs(r ? ",\n{\"id\":" : "\n{\"id\":", out);
		hl_json_write_str(out, hl_matrix_row_id(m, r));
		fputs(",\"title\":", out);
		hl_json_write_str(out, hl_matrix_row_title(m, r));
		fputs(",\"ref\":", out);
		hl_json_write_str(out, hl_matrix_row_ref(m, r));
		fputs(",\"cells\":[", out);
		for (size_t c = 0; c < cols; c++) {
			if (c > 0)
				fputc(',', out);
			write_cell(out, hl_matrix_cell(m, r, c));
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
	free(names);
	return ferror(out) ? -1 : 0;
}

/* Checks one shard file's shape; returns its "columns" array or NULL with err set. */
static const hl_json_t *check_shard(const hl_json_t *j, const char *path, char *err, size_t errlen)
{
	const hl_json_t *cols = hl_json_get(j, "columns"), *rows = hl_json_get(j, "rows");
	const char *fmt = hl_json_str(hl_json_get(j, "format"));

	if (fmt == NULL || strcmp(fmt, FORMAT) != 0) {
		snprintf(err, errlen, "%s: not an hsmlab-bench JSON result (format %s)", path,
			 fmt ? fmt : "missing");
		return NULL;
	}
	if (cols == NULL || cols->kind != HL_JSON_ARR || rows == NULL ||
	    rows->kind != HL_JSON_ARR || hl_json_get(j, "all_columns") == NULL) {
		snprintf(err, errlen, "%s: \"columns\", \"all_columns\" or \"rows\" missing", path);
		return NULL;
	}
	for (size_t i = 0; i < rows->n; i++) {
		const hl_json_t *cells = hl_json_get(rows->items[i], "cells");

		if (hl_json_str(hl_json_get(rows->items[i], "id")) == NULL || cells == NULL ||
		    cells->kind != HL_JSON_ARR || cells->n != cols->n) {
			snprintf(err, errlen, "%s: row %zu: no id, or not one cell per column",
				 path, i + 1);
			return NULL;
		}
	}
	return cols;
}

static int same_names(const hl_json_t *a, const hl_json_t *b)
{
	if (a == NULL || b == NULL || a->kind != HL_JSON_ARR || a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (hl_json_str(a->items[i]) == NULL || hl_json_str(b->items[i]) == NULL ||
		    strcmp(hl_json_str(a->items[i]), hl_json_str(b->items[i])) != 0)
			return 0;
	return 1;
}

/* Adds column `ci` of shard `j` to m as column `col`, rows in the shard's order: that order
 * is the order the unsharded run would have met them, restricted to rows not seen before. */
static int add_column(hl_matrix_t *m, int col, const hl_json_t *j, size_t ci, int first)
{
	const hl_json_t *rows = hl_json_get(j, "rows");

	for (size_t i = 0; i < rows->n; i++) {
		const hl_json_t *row = rows->items[i], *cells = hl_json_get(row, "cells");
		const hl_json_t *cell = cells->items[ci];
		int any = 0, r;

		for (size_t c = 0; c < cells->n; c++)
			any |= cells->items[c]->kind != HL_JSON_NULL;
		if (cell->kind == HL_JSON_NULL && (any || !first))
			continue;
		r = hl_matrix_row(m, hl_json_str(hl_json_get(row, "id")),
				  hl_json_str(hl_json_get(row, "title")),
				  hl_json_str(hl_json_get(row, "ref")));
		if (r < 0)
			return -1;
		if (cell->kind != HL_JSON_NULL &&
		    hl_matrix_set(m, r, col, hl_json_str(hl_json_get(cell, "observed")),
				  hl_json_str(hl_json_get(cell, "expected")),
				  hl_json_str(hl_json_get(cell, "detail"))) != 0)
			return -1;
	}
	return 0;
}

/* Finds the shard holding column `name`; its index in that shard's columns in *ci. */
static int find_column(hl_json_t *const *v, size_t n, const char *name, size_t *ci)
{
	for (size_t s = 0; s < n; s++) {
		const hl_json_t *cols = hl_json_get(v[s], "columns");

		for (size_t c = 0; c < cols->n; c++)
			if (hl_json_str(cols->items[c]) &&
			    strcmp(hl_json_str(cols->items[c]), name) == 0) {
				*ci = c;
				return (int)s;
			}
	}
	return -1;
}

static hl_matrix_t *join(hl_json_t *const *v, size_t n, char *err, size_t errlen)
{
	const hl_json_t *all = hl_json_get(v[0], "all_columns");
	hl_matrix_t *m = hl_matrix_new(hl_json_str(hl_json_get(v[0], "title")));
	unsigned char *started = calloc(n, 1);
	const hl_json_t *fixed = hl_json_get(v[0], "fixed_rows"), *rows = hl_json_get(v[0], "rows");

	/* Rows made up front (scenario steps) come in the run's order, cells or not. */
	for (size_t i = 0;
	     m != NULL && fixed && fixed->kind == HL_JSON_BOOL && fixed->num != 0 && i < rows->n;
	     i++)
		if (hl_matrix_row(m, hl_json_str(hl_json_get(rows->items[i], "id")),
				  hl_json_str(hl_json_get(rows->items[i], "title")),
				  hl_json_str(hl_json_get(rows->items[i], "ref"))) < 0)
			started = (free(started), NULL);
	for (size_t i = 0; m != NULL && started != NULL && i < all->n; i++) {
		const char *name = hl_json_str(all->items[i]);
		size_t ci = 0;
		int s = name ? find_column(v, n, name, &ci) : -1, col;

		if (s < 0) {
			snprintf(err, errlen, "no shard has column \"%s\" (a shard file missing?)",
				 name ? name : "?");
			goto fail;
		}
		col = hl_matrix_column(m, name);
		if (col < 0 || add_column(m, col, v[s], ci, !started[s]) != 0)
			break;
		started[s] = 1;
		if (i + 1 == all->n) {
			free(started);
			return m;
		}
	}
	if (all->n == 0 && m != NULL && started != NULL) {
		free(started);
		return m;
	}
	snprintf(err, errlen, "out of memory");
fail:
	free(started);
	hl_matrix_free(m);
	return NULL;
}

/* Every shard K of N exactly once, all from the same run (same title and all_columns). */
static int check_set(hl_json_t *const *v, const char *const *paths, size_t n, char *err,
		     size_t errlen)
{
	const hl_json_t *shard0 = hl_json_get(v[0], "shard");
	const hl_json_t *n0 = hl_json_get(shard0, "n");
	unsigned char seen[1001] = { 0 };

	if (n0 == NULL || n0->kind != HL_JSON_NUM || n0->num < 1 || n0->num > 1000 ||
	    (size_t)n0->num != n) {
		snprintf(err, errlen, "%s: a run in %g shards needs %g files, got %zu", paths[0],
			 n0 ? n0->num : 0.0, n0 ? n0->num : 0.0, n);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const hl_json_t *sh = hl_json_get(v[i], "shard"), *k = hl_json_get(sh, "k");
		const char *t0 = hl_json_str(hl_json_get(v[0], "title"));
		const char *ti = hl_json_str(hl_json_get(v[i], "title"));

		if (!same_names(hl_json_get(v[0], "all_columns"),
				hl_json_get(v[i], "all_columns")) ||
		    !t0 || !ti || strcmp(t0, ti) != 0) {
			snprintf(err, errlen,
				 "%s: not from the same run as %s (title or targets differ)",
				 paths[i], paths[0]);
			return -1;
		}
		if (k == NULL || k->kind != HL_JSON_NUM || k->num < 1 || k->num > n0->num ||
		    seen[(size_t)k->num]++) {
			snprintf(err, errlen, "%s: shard number missing, out of range or repeated",
				 paths[i]);
			return -1;
		}
	}
	return 0;
}

hl_matrix_t *hl_matrix_merge_json(const char *const *paths, size_t n, char *err, size_t errlen)
{
	hl_json_t **v = calloc(n ? n : 1, sizeof *v);
	hl_matrix_t *m = NULL;
	size_t i;

	if (v == NULL || n == 0) {
		snprintf(err, errlen, n == 0 ? "no shard file given" : "out of memory");
		free(v);
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((v[i] = hl_json_load(paths[i], err, errlen)) == NULL ||
		    check_shard(v[i], paths[i], err, errlen) == NULL)
			break;
	if (i == n && check_set(v, paths, n, err, errlen) == 0)
		m = join(v, n, err, errlen);
	for (i = 0; i < n; i++)
		hl_json_free(v[i]);
	free(v);
	return m;
}

int hl_matrix_json_info(const char *path, char *report, size_t len, int *fixed_rows)
{
	char err[256];
	hl_json_t *j = hl_json_load(path, err, sizeof err);
	const char *r = hl_json_str(hl_json_get(j, "report"));
	const hl_json_t *fixed = hl_json_get(j, "fixed_rows");

	if (j == NULL)
		return -1;
	snprintf(report, len, "%s",
		 r && strspn(r, "abcdefghijklmnopqrstuvwxyz") == strlen(r) && *r
		     ? r
		     : "conformance"); /* a file name part: letters only */
	*fixed_rows = fixed != NULL && fixed->kind == HL_JSON_BOOL && fixed->num != 0;
	hl_json_free(j);
	return 0;
}
