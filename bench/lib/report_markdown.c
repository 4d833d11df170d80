/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the Markdown matrix (for the summary a person reads and the closing note). */
#include <stdio.h>
#include <string.h>

#include "hsmlab/bench/report.h"

/* Table cells cannot hold '|' or newlines. */
static void md_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			fputs("\\|", out);
		else if (*s == '\n')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void md_cell(FILE *out, const hl_cell_t *c)
{
	fputs(" ", out);
	switch (c->status) {
	case HL_CELL_NONE:
		fputs("–", out);
		break;
	case HL_CELL_MATCH:
		md_text(out, c->observed);
		break;
	case HL_CELL_NEW:
		md_text(out, c->observed);
		fputs(" (no expectation)", out);
		break;
	case HL_CELL_DIFF:
		fputs("**❌ ", out);
		md_text(out, c->observed);
		fputs("** (expected ", out);
		md_text(out, c->expected);
		fputs(")", out);
		break;
	}
	fputs(" |", out);
}

int hl_report_markdown(const hl_matrix_t *m, FILE *out)
{
	size_t rows = hl_matrix_rows(m), cols = hl_matrix_columns(m);
	size_t varies = 0;

	for (size_t r = 0; r < rows; r++)
		varies += (size_t)hl_matrix_row_varies(m, r);
	fprintf(out, "## %s\n\n", hl_matrix_title(m));
	fprintf(out,
		"%zu rows × %zu targets: **%zu unexpected difference(s)**, %zu observation(s) "
		"without an expectation, %zu row(s) where the targets behave differently "
		"(marked ◆).\n\n",
		rows, cols, hl_matrix_count(m, (size_t)-1, HL_CELL_DIFF),
		hl_matrix_count(m, (size_t)-1, HL_CELL_NEW), varies);
	if (varies > 0 && cols > 1 && hl_report_summary(m, out, 0) != 0)
		return -1;
	fputs("| check |", out);
	for (size_t c = 0; c < cols; c++) {
		fputc(' ', out);
		md_text(out, hl_matrix_column_name(m, c));
		fputs(" |", out);
	}
	fputs(" ref |\n|---|", out);
	for (size_t c = 0; c < cols; c++)
		fputs("---|", out);
	fputs("---|\n", out);
	for (size_t r = 0; r < rows; r++) {
		const char *ref = hl_matrix_row_ref(m, r);

		fprintf(out, "| %s`%s` |", hl_matrix_row_varies(m, r) ? "◆ " : "",
			hl_matrix_row_id(m, r));
		for (size_t c = 0; c < cols; c++)
			md_cell(out, hl_matrix_cell(m, r, c));
		fputc(' ', out);
		hl_report_ref(out, ref, 0);
		fputs(" |\n", out);
	}
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}
