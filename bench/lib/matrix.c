/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the results matrix shared by the conformance suite and the report writers. */
#include <stdlib.h>
#include <string.h>

#include "hsmlab/bench/matrix.h"

typedef struct {
	char *id, *title, *ref;
	hl_cell_t *cells; /* ncols_alloc entries */
	size_t ncells;
} row_t;

struct hl_matrix {
	char *title;
	char **cols;
	size_t ncols, cols_cap;
	row_t *rows;
	size_t nrows, rows_cap;
};

static const hl_cell_t empty_cell;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Grows *arr (of elem bytes each) so that one more fits; 0 or -1. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	void *p;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = reallocarray(*arr, ncap, elem);
	if (p == NULL)
		return -1;
	memset((char *)p + *cap * elem, 0, (ncap - *cap) * elem);
	*arr = p;
	*cap = ncap;
	return 0;
}

static void cell_clear(hl_cell_t *c)
{
	free(c->observed);
	free(c->expected);
	free(c->detail);
	memset(c, 0, sizeof *c);
}

/* -- public API -- */

hl_matrix_t *hl_matrix_new(const char *title)
{
	hl_matrix_t *m = calloc(1, sizeof *m);

	if (m == NULL)
		return NULL;
	m->title = strdup(title ? title : "");
	if (m->title == NULL) {
		free(m);
		return NULL;
	}
	return m;
}

void hl_matrix_free(hl_matrix_t *m)
{
	if (m == NULL)
		return;
	for (size_t r = 0; r < m->nrows; r++) {
		for (size_t c = 0; c < m->rows[r].ncells; c++)
			cell_clear(&m->rows[r].cells[c]);
		free(m->rows[r].cells);
		free(m->rows[r].id);
		free(m->rows[r].title);
		free(m->rows[r].ref);
	}
	for (size_t c = 0; c < m->ncols; c++)
		free(m->cols[c]);
	free(m->rows);
	free(m->cols);
	free(m->title);
	free(m);
}

int hl_matrix_column(hl_matrix_t *m, const char *name)
{
	char *copy;

	for (size_t c = 0; c < m->ncols; c++)
		if (strcmp(m->cols[c], name) == 0)
			return (int)c;
	if (grow((void **)&m->cols, &m->cols_cap, m->ncols, sizeof *m->cols) != 0)
		return -1;
	copy = strdup(name);
	if (copy == NULL)
		return -1;
	m->cols[m->ncols] = copy;
	return (int)m->ncols++;
}

int hl_matrix_row(hl_matrix_t *m, const char *id, const char *title, const char *ref)
{
	row_t *r;

	for (size_t i = 0; i < m->nrows; i++)
		if (strcmp(m->rows[i].id, id) == 0)
			return (int)i;
	if (grow((void **)&m->rows, &m->rows_cap, m->nrows, sizeof *m->rows) != 0)
		return -1;
	r = &m->rows[m->nrows];
	r->id = strdup(id);
	r->title = dup_or_null(title);
	r->ref = dup_or_null(ref);
	if (r->id == NULL || (title && !r->title) || (ref && !r->ref)) {
		free(r->id);
		free(r->title);
		free(r->ref);
		memset(r, 0, sizeof *r);
		return -1;
	}
	return (int)m->nrows++;
}

int hl_matrix_value_matches(const char *expected, const char *observed)
{
	size_t olen = strlen(observed);
	const char *p = expected;

	if (strcmp(expected, "any") == 0)
		return 1;
	for (;;) {
		const char *bar = strchr(p, '|');
		size_t len = bar ? (size_t)(bar - p) : strlen(p);

		if (len == olen && strncmp(p, observed, len) == 0)
			return 1;
		if (bar == NULL)
			return 0;
		p = bar + 1;
	}
}

int hl_matrix_set(hl_matrix_t *m, int row, int col, const char *observed, const char *expected,
		  const char *detail)
{
	row_t *r;
	hl_cell_t *c;

	if (row < 0 || col < 0 || (size_t)row >= m->nrows || (size_t)col >= m->ncols)
		return -1;
	r = &m->rows[row];
	if ((size_t)col >= r->ncells) {
		hl_cell_t *cells = reallocarray(r->cells, m->ncols, sizeof *cells);

		if (cells == NULL)
			return -1;
		memset(cells + r->ncells, 0, (m->ncols - r->ncells) * sizeof *cells);
		r->cells = cells;
		r->ncells = m->ncols;
	}
	c = &r->cells[col];
	cell_clear(c);
	c->observed = dup_or_null(observed);
	c->expected = dup_or_null(expected);
	c->detail = dup_or_null(detail);
	if ((observed && !c->observed) || (expected && !c->expected) || (detail && !c->detail)) {
		cell_clear(c);
		return -1;
	}
	if (observed == NULL)
		c->status = HL_CELL_NONE;
	else if (expected == NULL)
		c->status = HL_CELL_NEW;
	else
		c->status =
		    hl_matrix_value_matches(expected, observed) ? HL_CELL_MATCH : HL_CELL_DIFF;
	return 0;
}

size_t hl_matrix_rows(const hl_matrix_t *m)
{
	return m->nrows;
}

size_t hl_matrix_columns(const hl_matrix_t *m)
{
	return m->ncols;
}

const char *hl_matrix_title(const hl_matrix_t *m)
{
	return m->title;
}

const char *hl_matrix_column_name(const hl_matrix_t *m, size_t col)
{
	return col < m->ncols ? m->cols[col] : NULL;
}

const char *hl_matrix_row_id(const hl_matrix_t *m, size_t row)
{
	return row < m->nrows ? m->rows[row].id : NULL;
}

const char *hl_matrix_row_title(const hl_matrix_t *m, size_t row)
{
	return row < m->nrows ? m->rows[row].title : NULL;
}

const char *hl_matrix_row_ref(const hl_matrix_t *m, size_t row)
{
	return row < m->nrows ? m->rows[row].ref : NULL;
}

const hl_cell_t *hl_matrix_cell(const hl_matrix_t *m, size_t row, size_t col)
{
	if (row >= m->nrows || col >= m->rows[row].ncells)
		return &empty_cell;
	return &m->rows[row].cells[col];
}

int hl_matrix_row_varies(const hl_matrix_t *m, size_t row)
{
	const char *first = NULL;

	for (size_t c = 0; c < m->ncols; c++) {
		const hl_cell_t *cell = hl_matrix_cell(m, row, c);

		if (cell->observed == NULL)
			continue;
		if (first == NULL)
			first = cell->observed;
		else if (strcmp(first, cell->observed) != 0)
			return 1;
	}
	return 0;
}

size_t hl_matrix_count(const hl_matrix_t *m, size_t col, hl_cell_status_t status)
{
	size_t n = 0;

	for (size_t r = 0; r < m->nrows; r++)
		for (size_t c = 0; c < m->ncols; c++)
			if ((col == (size_t)-1 || col == c) &&
			    hl_matrix_cell(m, r, c)->status == status)
				n++;
	return n;
}
