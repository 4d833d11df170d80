/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: report writers over a results matrix (Markdown, self-contained HTML, JUnit
 * XML). Each returns 0, or -1 when writing failed (errno set). */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "hsmlab/bench/matrix.h"

/* A side-by-side table, differing rows marked; a legend and a summary line first. */
int hl_report_markdown(const hl_matrix_t *m, FILE *out);
/* One HTML page (inline CSS, no scripts or external files); the <body> content only when
 * `fragment` is set, so a larger page can embed several matrices. */
int hl_report_html(const hl_matrix_t *m, FILE *out, int fragment);
/* "What differs": one sentence per row where the targets' observations disagree, naming
 * which targets give which value (HTML list when html is set, else Markdown). */
int hl_report_summary(const hl_matrix_t *m, FILE *out, int html);
/* A page holding only that summary, linking to the matrix page (when matrix_href is set). */
int hl_report_html_summary_page(const hl_matrix_t *m, FILE *out, const char *matrix_href);
/* The column the others are coloured against: the one named "*strict*", else the first. */
size_t hl_report_reference_column(const hl_matrix_t *m);
/* HTML page wrapper for fragments: head (with the shared stylesheet) and tail. */
int hl_report_html_begin(FILE *out, const char *title);
int hl_report_html_end(FILE *out);
/* One <testsuite> per column, one <testcase> per row; HL_CELL_DIFF is a <failure>,
 * HL_CELL_NONE a <skipped>. Writes the <testsuites> root unless `fragment` is set. */
int hl_report_junit(const hl_matrix_t *m, FILE *out, int fragment);

/* Writes a row's "ref" text (Markdown when html is 0), each catalogue id in it a link to its
 * row in the repository's docs: K1, L13, G16 and "baseline" to emulator/doc/quirks.md, a
 * signer check (SKR-SIG-VERIFY) to signer/doc/checks.md. The links start with the build's
 * HSMLAB_DOC_BASE (the repository's URL) or, left empty, the docs found at run time. */
void hl_report_ref(FILE *out, const char *ref, int html);
/* Escapes text for XML/HTML (&, <, >, ", ') into out. */
void hl_report_xml_escape(FILE *out, const char *s);
