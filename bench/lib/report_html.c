/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the HTML matrix — one self-contained page (inline CSS, no scripts), written
 * as well-formed XHTML so that CI can check it with xmllint --noout. */
#include <stdio.h>
#include <string.h>

#include "hsmlab/bench/report.h"

/* Laid out for a 1400 px laptop screen: fixed table layout so the targets share the width,
 * the check column sticky while scrolling sideways, long values wrapping. The "differences
 * only" view needs no script: rows where every target agrees carry class "same" and are hidden
 * until the section's "all rows" box is ticked (:has, Chromium 105+, Firefox 121+). */
static const char css[] =
    "body{font-family:system-ui,sans-serif;margin:1em;color:#222;max-width:1360px}"
    "table{border-collapse:collapse;font-size:12px;width:100%;table-layout:fixed}"
    "th,td{border:1px solid #ccc;padding:2px 4px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}"
    "th{background:#eee;position:sticky;top:0;z-index:2}"
    "th.id,td.id{position:sticky;left:0;background:#fafafa;z-index:1;width:22em}"
    "th.id{z-index:3}th.ref,td.ref{width:6em}"
    ".scroll{overflow-x:auto;max-width:100%}"
    "td.ref-col{background:#fff}td.agree{background:#e8f5e9}td.other{background:#e3ecfa}"
    "td.diff{outline:2px solid #c62828;outline-offset:-2px;font-weight:bold}"
    "td.new{font-style:italic}td.none{color:#999;background:#f6f6f6}"
    "td.v-warning{background:#ffe9a8}td.v-refused{background:#e4d7f5}"
    "td.v-error{background:#f8c4c4}"
    "tr.varies td.id{border-left:4px solid #c60}"
    ".matrix tr.same{display:none}.matrix:has(input.all:checked) tr.same{display:table-row}"
    "small{color:#666}.legend span{padding:1px 6px;margin-right:6px;border:1px solid #ccc;"
    "display:inline-block}.toggle{font-size:13px;cursor:pointer}"
    "ul.summary li{margin:2px 0}";

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

/* The column the others are compared with: the strict reference profile when it is there
 * (the column named "strict" or "hsmlab-strict"), else the first one. */
size_t hl_report_reference_column(const hl_matrix_t *m)
{
	for (size_t c = 0; c < hl_matrix_columns(m); c++)
		if (strstr(hl_matrix_column_name(m, c), "strict") != NULL)
			return c;
	return 0;
}

static const char *outcome_class(const char *observed)
{
	static const char *const outs[] = { "warning", "refused", "error" };

	for (size_t i = 0; observed && i < sizeof outs / sizeof outs[0]; i++)
		if (strcmp(observed, outs[i]) == 0)
			return outs[i];
	return NULL;
}

static void html_cell(FILE *out, const hl_cell_t *c, const hl_cell_t *ref, int is_ref)
{
	static const char *const st[] = { "none", "match", "diff", "new" };
	const char *agree = "ref-col", *oc = outcome_class(c->observed);

	if (c->status == HL_CELL_NONE)
		agree = "";
	else if (!is_ref)
		agree =
		    ref->observed && strcmp(ref->observed, c->observed) == 0 ? "agree" : "other";
	fprintf(out, "<td class=\"%s %s%s%s\"", st[c->status], agree, oc ? " v-" : "",
		oc ? oc : "");
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

/* A row is shown in the "differences only" view when the targets disagree or one of them
 * did not do what its expectation says. */
static int row_differs(const hl_matrix_t *m, size_t r)
{
	for (size_t c = 0; c < hl_matrix_columns(m); c++)
		if (hl_matrix_cell(m, r, c)->status == HL_CELL_DIFF)
			return 1;
	return hl_matrix_row_varies(m, r);
}

static void html_legend(FILE *out, const hl_matrix_t *m, size_t ref)
{
	fputs("<p class=\"legend\">colours: <span style=\"background:#e8f5e9\">same as ", out);
	hl_report_xml_escape(out, hl_matrix_column_name(m, ref));
	fputs("</span><span style=\"background:#e3ecfa\">differs from ", out);
	hl_report_xml_escape(out, hl_matrix_column_name(m, ref));
	fputs("</span><span style=\"outline:2px solid #c62828;outline-offset:-2px\"><b>not what "
	      "the target's expectation says</b></span><span><i>no expectation</i></span>"
	      "<span style=\"background:#ffe9a8\">warning</span><span style=\"background:"
	      "#e4d7f5\">refused (as a rule expected)</span><span style=\"background:#f8c4c4\">"
	      "error</span><span style=\"border-left:4px solid #c60\">targets disagree</span>"
	      "</p>\n",
	      out);
}

static void html_row(FILE *out, const hl_matrix_t *m, size_t r, size_t ref)
{
	fprintf(out, "<tr class=\"%s%s\"><td class=\"id\"><code>",
		row_differs(m, r) ? "differs" : "same",
		hl_matrix_row_varies(m, r) ? " varies" : "");
	hl_report_xml_escape(out, hl_matrix_row_id(m, r));
	fputs("</code>", out);
	if (hl_matrix_row_title(m, r) != NULL) {
		fputs("<br/><small>", out);
		hl_report_xml_escape(out, hl_matrix_row_title(m, r));
		fputs("</small>", out);
	}
	fputs("</td>", out);
	for (size_t c = 0; c < hl_matrix_columns(m); c++)
		html_cell(out, hl_matrix_cell(m, r, c), hl_matrix_cell(m, r, ref), c == ref);
	fputs("<td class=\"ref\"><small>", out);
	hl_report_ref(out, hl_matrix_row_ref(m, r), 1);
	fputs("</small></td></tr>\n", out);
}

int hl_report_html(const hl_matrix_t *m, FILE *out, int fragment)
{
	size_t rows = hl_matrix_rows(m), cols = hl_matrix_columns(m), ref = 0, ndiff = 0;

	if (!fragment && hl_report_html_begin(out, hl_matrix_title(m)) != 0)
		return -1;
	ref = hl_report_reference_column(m);
	for (size_t r = 0; r < rows; r++)
		ndiff += (size_t)row_differs(m, r);
	fputs("<section class=\"matrix\"><h2>", out);
	hl_report_xml_escape(out, hl_matrix_title(m));
	fprintf(out,
		"</h2>\n<p>%zu rows &#215; %zu targets, %zu where they differ: <b>%zu unexpected "
		"difference(s)</b>, %zu observation(s) without an expectation.</p>\n",
		rows, cols, ndiff, hl_matrix_count(m, (size_t)-1, HL_CELL_DIFF),
		hl_matrix_count(m, (size_t)-1, HL_CELL_NEW));
	html_legend(out, m, ref);
	fprintf(out,
		"<label class=\"toggle\"><input type=\"checkbox\" class=\"all\"/> show all %zu "
		"rows (now: the %zu that differ)</label>\n<div class=\"scroll\"><table>\n<thead>"
		"<tr><th class=\"id\">check</th>",
		rows, ndiff);
	for (size_t c = 0; c < cols; c++) {
		fputs(c == ref ? "<th>reference: " : "<th>", out);
		hl_report_xml_escape(out, hl_matrix_column_name(m, c));
		fputs("</th>", out);
	}
	fputs("<th class=\"ref\">ref</th></tr></thead>\n<tbody>\n", out);
	for (size_t r = 0; r < rows; r++)
		html_row(out, m, r, ref);
	fputs("</tbody></table></div></section>\n", out);
	if (!fragment)
		return hl_report_html_end(out);
	return ferror(out) ? -1 : 0;
}

int hl_report_html_summary_page(const hl_matrix_t *m, FILE *out, const char *matrix_href)
{
	if (hl_report_html_begin(out, hl_matrix_title(m)) != 0 || hl_report_summary(m, out, 1) != 0)
		return -1;
	if (matrix_href != NULL) {
		fputs("<p>Every check, side by side: <a href=\"", out);
		hl_report_xml_escape(out, matrix_href);
		fputs("\">the matrix</a>.</p>\n", out);
	}
	return hl_report_html_end(out);
}
