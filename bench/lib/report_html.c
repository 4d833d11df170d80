/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the HTML matrix — one self-contained page (inline CSS, no scripts), written
 * as well-formed XHTML so that CI can check it with xmllint --noout. */
#include <stdio.h>

#include "hsmlab/bench/report.h"

static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "table{border-collapse:collapse;font-size:13px}"
    "th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee;position:sticky;top:0}"
    "td.match{background:#f4fbf4}td.diff{background:#fdd;font-weight:bold}"
    "td.new{background:#fff6d5}td.none{color:#999}"
    "tr.varies td.id{border-left:4px solid #c60}"
    "small{color:#666}.legend span{padding:2px 6px;margin-right:6px}";

void hl_report_xml_escape(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&apos;", out);
			break;
		default:
			/* XML 1.0 forbids most control characters, even escaped. */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				fputc('?', out);
			else
				fputc(*s, out);
		}
	}
}

int hl_report_html_begin(FILE *out, const char *title)
{
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" "
	      "lang=\"en\"><head><meta charset=\"utf-8\"/><title>",
	      out);
	hl_report_xml_escape(out, title);
	fprintf(out, "</title><style>%s</style></head>\n<body>\n", css);
	return ferror(out) ? -1 : 0;
}

int hl_report_html_end(FILE *out)
{
	fputs("</body></html>\n", out);
	return ferror(out) ? -1 : 0;
}

static void html_cell(FILE *out, const hl_cell_t *c)
{
	static const char *const cls[] = { "none", "match", "diff", "new" };

	fprintf(out, "<td class=\"%s\"", cls[c->status]);
	if (c->detail != NULL) {
		fputs(" title=\"", out);
		hl_report_xml_escape(out, c->detail);
		fputc('"', out);
	}
	fputc('>', out);
	if (c->status == HL_CELL_NONE)
		fputs("&#8211;", out);
	else
		hl_report_xml_escape(out, c->observed);
	if (c->status == HL_CELL_DIFF) {
		fputs("<br/><small>expected ", out);
		hl_report_xml_escape(out, c->expected);
		fputs("</small>", out);
	}
	fputs("</td>", out);
}

int hl_report_html(const hl_matrix_t *m, FILE *out, int fragment)
{
	size_t rows = hl_matrix_rows(m), cols = hl_matrix_columns(m);

	if (!fragment && hl_report_html_begin(out, hl_matrix_title(m)) != 0)
		return -1;
	fputs("<h2>", out);
	hl_report_xml_escape(out, hl_matrix_title(m));
	fprintf(out,
		"</h2>\n<p>%zu rows &#215; %zu targets: <b>%zu unexpected difference(s)</b>, "
		"%zu observation(s) without an expectation.</p>\n",
		rows, cols, hl_matrix_count(m, (size_t)-1, HL_CELL_DIFF),
		hl_matrix_count(m, (size_t)-1, HL_CELL_NEW));
	fputs("<p class=\"legend\"><span class=\"diff\" style=\"background:#fdd\">differs from "
	      "expectation</span><span style=\"background:#fff6d5\">no expectation</span>"
	      "<span style=\"border-left:4px solid #c60\">targets behave differently</span></p>\n"
	      "<table>\n<thead><tr><th>check</th>",
	      out);
	for (size_t c = 0; c < cols; c++) {
		fputs("<th>", out);
		hl_report_xml_escape(out, hl_matrix_column_name(m, c));
		fputs("</th>", out);
	}
	fputs("<th>ref</th></tr></thead>\n<tbody>\n", out);
	for (size_t r = 0; r < rows; r++) {
		fprintf(out, "<tr%s><td class=\"id\"><code>",
			hl_matrix_row_varies(m, r) ? " class=\"varies\"" : "");
		hl_report_xml_escape(out, hl_matrix_row_id(m, r));
		fputs("</code>", out);
		if (hl_matrix_row_title(m, r) != NULL) {
			fputs("<br/><small>", out);
			hl_report_xml_escape(out, hl_matrix_row_title(m, r));
			fputs("</small>", out);
		}
		fputs("</td>", out);
		for (size_t c = 0; c < cols; c++)
			html_cell(out, hl_matrix_cell(m, r, c));
		fputs("<td><small>", out);
		hl_report_ref(out, hl_matrix_row_ref(m, r), 1);
		fputs("</small></td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
	if (!fragment)
		return hl_report_html_end(out);
	return ferror(out) ? -1 : 0;
}
