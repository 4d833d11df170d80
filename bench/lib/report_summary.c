/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the summary a reader sees first: one sentence per row where the targets
 * disagree, naming which targets give which value, the reference column first. */
#include <stdlib.h>
#include <string.h>

#include "hsmlab/bench/report.h"

/* Text or HTML: escaped when html is set. */
static void text(FILE *out, const char *s, int html)
{
	if (html)
		hl_report_xml_escape(out, s);
	else
		fputs(s, out);
}

/* "a", "a and b", "a, b and c": the columns in `cols` giving the same value. */
static void name_list(FILE *out, const hl_matrix_t *m, const size_t *cols, size_t n, int html)
{
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			fputs(i + 1 == n ? " and " : ", ", out);
		text(out, hl_matrix_column_name(m, cols[i]), html);
	}
}

/* The clauses "strict gives X; keyper and luna give Y" in reference-first order. */
static int groups(FILE *out, const hl_matrix_t *m, size_t r, size_t ref, int html)
{
	size_t ncols = hl_matrix_columns(m), *same = calloc(ncols ? ncols : 1, sizeof *same);
	unsigned char *done = calloc(ncols ? ncols : 1, 1);
	int first = 1;

	if (same == NULL || done == NULL) {
		free(same);
		free(done);
		return -1;
	}
	for (size_t k = 0; k < ncols; k++) {
		size_t c = k == 0 ? ref : (k <= ref ? k - 1 : k), n = 0;
		const char *v = hl_matrix_cell(m, r, c)->observed;

		if (done[c] || v == NULL)
			continue;
		for (size_t d = 0; d < ncols; d++) {
			const char *w = hl_matrix_cell(m, r, d)->observed;

			if (!done[d] && w != NULL && strcmp(v, w) == 0) {
				same[n++] = d;
				done[d] = 1;
			}
		}
		fputs(first ? "" : "; ", out);
		name_list(out, m, same, n, html);
		fputs(n > 1 ? " give " : " gives ", out);
		fputs(html ? "<code>" : "`", out);
		text(out, v, html);
		fputs(html ? "</code>" : "`", out);
		first = 0;
	}
	free(same);
	free(done);
	return 0;
}

int hl_report_summary(const hl_matrix_t *m, FILE *out, int html)
{
	size_t ref = hl_report_reference_column(m), n = 0;

	for (size_t r = 0; r < hl_matrix_rows(m); r++)
		n += (size_t)hl_matrix_row_varies(m, r);
	if (html) {
		fputs("<section class=\"summary\"><h2>What differs between the targets</h2>\n",
		      out);
		fprintf(out, "<p>%zu of %zu checks differ; the reference is ", n,
			hl_matrix_rows(m));
	} else {
		fprintf(out,
			"## What differs between the targets\n\n%zu of %zu checks differ; the "
			"reference is ",
			n, hl_matrix_rows(m));
	}
	text(out, hl_matrix_columns(m) ? hl_matrix_column_name(m, ref) : "none", html);
	fputs(html ? ".</p>\n<ul class=\"summary\">\n" : ".\n\n", out);
	for (size_t r = 0; r < hl_matrix_rows(m); r++) {
		const char *title = hl_matrix_row_title(m, r);

		if (!hl_matrix_row_varies(m, r))
			continue;
		fputs(html ? "<li><b>" : "- **", out);
		text(out, title ? title : hl_matrix_row_id(m, r), html);
		fputs(html ? "</b> (<code>" : "** (`", out);
		text(out, hl_matrix_row_id(m, r), html);
		fputs(html ? "</code>" : "`", out);
		if (hl_matrix_row_ref(m, r) != NULL && *hl_matrix_row_ref(m, r) != '\0') {
			fputs(", ", out); /* a row without a reference gets no dangling comma */
			hl_report_ref(out, hl_matrix_row_ref(m, r), html);
		}
		fputs("): ", out);
		if (groups(out, m, r, ref, html) != 0)
			return -1;
		fputs(html ? ".</li>\n" : ".\n", out);
	}
	fputs(html ? "</ul></section>\n" : "\n", out);
	return ferror(out) ? -1 : 0;
}
