/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: JUnit XML for CI — one testsuite per target, one testcase per row. */
#include <stdio.h>

#include "hsmlab/bench/report.h"

static void testcase(FILE *out, const hl_matrix_t *m, size_t r, size_t c)
{
	const hl_cell_t *cell = hl_matrix_cell(m, r, c);

	fputs("    <testcase classname=\"", out);
	hl_report_xml_escape(out, hl_matrix_column_name(m, c));
	fputs("\" name=\"", out);
	hl_report_xml_escape(out, hl_matrix_row_id(m, r));
	fputs("\">\n", out);
	if (cell->status == HL_CELL_DIFF) {
		fputs("      <failure message=\"expected ", out);
		hl_report_xml_escape(out, cell->expected);
		fputs(", observed ", out);
		hl_report_xml_escape(out, cell->observed);
		fputs("\" type=\"unexpected-difference\"/>\n", out);
	} else if (cell->status == HL_CELL_NONE) {
		fputs("      <skipped message=\"not run on this target\"/>\n", out);
	}
	if (cell->observed != NULL) {
		fputs("      <system-out>observed: ", out);
		hl_report_xml_escape(out, cell->observed);
		if (cell->detail != NULL) {
			fputs("\n", out);
			hl_report_xml_escape(out, cell->detail);
		}
		fputs("</system-out>\n", out);
	}
	fputs("    </testcase>\n", out);
}

int hl_report_junit(const hl_matrix_t *m, FILE *out, int fragment)
{
	size_t rows = hl_matrix_rows(m), cols = hl_matrix_columns(m);

	if (!fragment) {
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"", out);
		hl_report_xml_escape(out, hl_matrix_title(m));
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\">\n", rows * cols,
			hl_matrix_count(m, (size_t)-1, HL_CELL_DIFF));
	}
	for (size_t c = 0; c < cols; c++) {
		fputs("  <testsuite name=\"", out);
		hl_report_xml_escape(out, hl_matrix_title(m));
		fputs(": ", out);
		hl_report_xml_escape(out, hl_matrix_column_name(m, c));
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\" errors=\"0\">\n",
			rows, hl_matrix_count(m, c, HL_CELL_DIFF),
			hl_matrix_count(m, c, HL_CELL_NONE));
		for (size_t r = 0; r < rows; r++)
			testcase(out, m, r, c);
		fputs("  </testsuite>\n", out);
	}
	if (!fragment)
		fputs("</testsuites>\n", out);
	return ferror(out) ? -1 : 0;
}
