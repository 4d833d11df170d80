/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the bench's results matrix, expectation files and report writers. */
#include <criterion/criterion.h>

#include "hsmlab/paths.h"
#include <libxml/parser.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/bench/expect.h"
#include "hsmlab/bench/matrix.h"
#include "hsmlab/bench/report.h"

Test(matrix, value_matching)
{
	cr_assert(hl_matrix_value_matches("any", "whatever"));
	cr_assert(hl_matrix_value_matches("CKR_OK", "CKR_OK"));
	cr_assert(hl_matrix_value_matches("CKR_OK|CKR_ARGUMENTS_BAD", "CKR_ARGUMENTS_BAD"));
	cr_assert_not(hl_matrix_value_matches("CKR_OK|CKR_ARGUMENTS_BAD", "CKR_ARGUMENTS"));
	cr_assert_not(hl_matrix_value_matches("CKR_OK", "CKR_OK_NOT"));
	cr_assert_not(hl_matrix_value_matches("", "x"));
}

static hl_matrix_t *sample(void)
{
	hl_matrix_t *m = hl_matrix_new("demo <&>");
	int a = hl_matrix_column(m, "alpha"), b = hl_matrix_column(m, "beta");
	int r1 = hl_matrix_row(m, "login.wrong_pin", "wrong PIN", "spec");
	int r2 = hl_matrix_row(m, "mech.X", NULL, NULL);

	cr_assert(a == 0 && b == 1 && r1 == 0 && r2 == 1);
	cr_assert_eq(hl_matrix_column(m, "beta"), 1, "columns are found again by name");
	cr_assert_eq(hl_matrix_row(m, "mech.X", "ignored", NULL), 1);
	cr_assert_eq(hl_matrix_set(m, r1, a, "CKR_PIN_INCORRECT", "CKR_PIN_INCORRECT", NULL), 0);
	cr_assert_eq(hl_matrix_set(m, r1, b, "CKR_OK", "CKR_PIN_INCORRECT", "a|b \"q\""), 0);
	cr_assert_eq(hl_matrix_set(m, r2, a, "ok", NULL, NULL), 0);
	cr_assert_eq(hl_matrix_set(m, 7, a, "x", NULL, NULL), -1, "unknown rows are refused");
	return m;
}

Test(matrix, statuses_and_counts)
{
	hl_matrix_t *m = sample();

	cr_assert_eq(hl_matrix_cell(m, 0, 0)->status, HL_CELL_MATCH);
	cr_assert_eq(hl_matrix_cell(m, 0, 1)->status, HL_CELL_DIFF);
	cr_assert_eq(hl_matrix_cell(m, 1, 0)->status, HL_CELL_NEW);
	cr_assert_eq(hl_matrix_cell(m, 1, 1)->status, HL_CELL_NONE);
	cr_assert_eq(hl_matrix_count(m, (size_t)-1, HL_CELL_DIFF), 1);
	cr_assert_eq(hl_matrix_count(m, 0, HL_CELL_DIFF), 0);
	cr_assert(hl_matrix_row_varies(m, 0));
	cr_assert_not(hl_matrix_row_varies(m, 1));
	cr_assert_null(hl_matrix_row_title(m, 1), "titles are kept from the first add");
	hl_matrix_free(m);
	hl_matrix_free(NULL);
}

/* Writes a report into memory. */
static char *render(const hl_matrix_t *m, int kind)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	cr_assert_eq(kind == 0   ? hl_report_markdown(m, f)
		     : kind == 1 ? hl_report_html(m, f, 0)
				 : hl_report_junit(m, f, 0),
		     0);
	fclose(f);
	return buf;
}

Test(report, markdown_marks_differences)
{
	hl_matrix_t *m = sample();
	char *md = render(m, 0);

	cr_assert(strstr(md, "| check | alpha | beta | ref |") != NULL, "%s", md);
	cr_assert(strstr(md, "**❌ CKR_OK** (expected CKR_PIN_INCORRECT)") != NULL, "%s", md);
	cr_assert(strstr(md, "◆ `login.wrong_pin`") != NULL, "%s", md);
	cr_assert(strstr(md, "ok (no expectation)") != NULL, "%s", md);
	cr_assert(strstr(md, "**1 unexpected difference(s)**") != NULL, "%s", md);
	free(md);
	hl_matrix_free(m);
}

static void assert_well_formed(const char *doc)
{
	xmlDocPtr d = xmlReadMemory(doc, (int)strlen(doc), "report.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	cr_assert_not_null(d, "not well-formed XML:\n%s", doc);
	xmlFreeDoc(d);
}

Test(report, html_and_junit_are_well_formed)
{
	hl_matrix_t *m = sample();
	char *html = render(m, 1), *junit = render(m, 2);

	assert_well_formed(html);
	assert_well_formed(junit);
	cr_assert(strstr(html, "demo &lt;&amp;&gt;") != NULL, "titles are escaped");
	cr_assert(strstr(html, "title=\"a|b &quot;q&quot;\"") != NULL, "%s", html);
	cr_assert(strstr(junit, "tests=\"4\" failures=\"1\"") != NULL, "%s", junit);
	cr_assert(
	    strstr(junit, "<failure message=\"expected CKR_PIN_INCORRECT, observed CKR_OK\"") !=
		NULL,
	    "%s", junit);
	cr_assert(strstr(junit, "<skipped") != NULL, "the cell beta/mech.X was not run");
	free(html);
	free(junit);
	hl_matrix_free(m);
}

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof path, "/tmp/hsmlab-expect-XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static char *ref_text(const char *ref, int html)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_not_null(f);
	hl_report_ref(f, ref, html);
	fclose(f);
	return buf;
}

/* Catalogue ids become links into the repository's own docs; other words stay text. */
Test(report, ref_links_to_the_docs)
{
	/* The build's HSMLAB_DOC_BASE when one is set, else the docs found at run time. */
	const char *base = getenv("HSMLAB_DOC_BASE");
	char want[1200], *md, *html;

	if (!base || !*base)
		base = hl_paths_get()->docs;
	cr_assert(*base, "no docs base: neither HSMLAB_DOC_BASE nor a docs tree found");
	md = ref_text("K1 G16; baseline | spec 3.0 SKR-SIG-VERIFY K0 Kx", 0);
	snprintf(want, sizeof want,
		 "[K1](%s/emulator/doc/quirks.md#k1) [G16](%s/emulator/doc/quirks.md#g16); "
		 "[baseline](%s/emulator/doc/quirks.md#baseline) \\| spec 3.0 "
		 "[SKR-SIG-VERIFY](%s/signer/doc/checks.md#skr-sig-verify) K0 Kx",
		 base, base, base, base);
	cr_assert_str_eq(md, want);
	html = ref_text("L13 <x>", 1);
	snprintf(want, sizeof want, "<a href=\"%s%s/emulator/doc/quirks.md#l13\">L13</a> &lt;x&gt;",
		 base[0] == '/' ? "file://" : "", base);
	cr_assert_str_eq(html, want);
	free(md);
	free(html);
	md = ref_text(NULL, 0);
	cr_assert_str_eq(md, "");
	free(md);
}

Test(expect, exact_ids_win_over_globs)
{
	char err[256] = "",
	     *p = write_tmp("# comment\n\nmech.* = any\n"
			    "mech.CKM_RSA_PKCS = ok  \n  login.x=CKR_OK|CKR_PIN_LOCKED\n");
	hl_expect_t *e = hl_expect_load(p, err, sizeof err);

	cr_assert_not_null(e, "%s", err);
	cr_assert_str_eq(hl_expect_get(e, "mech.CKM_RSA_PKCS"), "ok");
	cr_assert_str_eq(hl_expect_get(e, "mech.CKM_AES_ECB"), "any");
	cr_assert_str_eq(hl_expect_get(e, "login.x"), "CKR_OK|CKR_PIN_LOCKED");
	cr_assert_null(hl_expect_get(e, "login.y"));
	hl_expect_free(e);
	hl_expect_free(NULL);
	unlink(p);
}

Test(expect, errors_name_file_and_line)
{
	char err[256] = "", *p = write_tmp("a = 1\nno equals sign here\n");

	cr_assert_null(hl_expect_load(p, err, sizeof err));
	cr_assert(strstr(err, p) != NULL && strstr(err, ":2:") != NULL, "%s", err);
	unlink(p);
	p = write_tmp("a = \n");
	cr_assert_null(hl_expect_load(p, err, sizeof err));
	cr_assert(strstr(err, ":1: empty value") != NULL, "%s", err);
	unlink(p);
	cr_assert_null(hl_expect_load("/nonexistent/x.expect", err, sizeof err));
	cr_assert(strstr(err, "/nonexistent/x.expect") != NULL, "%s", err);
}

/* The summary's sentence per differing row names its reference, and a row without one gets
 * no dangling ", " (the replay's rows once had "(`id`, )"). */
Test(report, summary_row_without_ref)
{
	hl_matrix_t *m = hl_matrix_new("t");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int a = hl_matrix_column(m, "a"), b = hl_matrix_column(m, "b");
	int r1 = hl_matrix_row(m, "x.with_ref", "with a ref", "K1");
	int r2 = hl_matrix_row(m, "x.no_ref", "without a ref", NULL);

	hl_matrix_set(m, r1, a, "1", NULL, NULL);
	hl_matrix_set(m, r1, b, "2", NULL, NULL);
	hl_matrix_set(m, r2, a, "1", NULL, NULL);
	hl_matrix_set(m, r2, b, "2", NULL, NULL);
	cr_assert_eq(hl_report_summary(m, f, 0), 0);
	fclose(f);
	cr_assert_not_null(strstr(text, "**without a ref** (`x.no_ref`): "), "%s", text);
	cr_assert_not_null(strstr(text, "**with a ref** (`x.with_ref`, [K1]("), "%s", text);
	free(text);
	hl_matrix_free(m);
}
