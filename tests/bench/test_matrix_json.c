/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the bench's JSON reader and of shard merging: a matrix split over shards and
 * joined again equals the matrix one run builds, row order included. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/bench/matrix.h"
#include "json.h"

Test(json, parses_values_and_escapes)
{
	char err[128];
	hl_json_t *j = hl_json_parse("{\"a\": [1, -2.5e1, true, null], \"s\": \"x\\\"\\u00e9\\n\"}",
				     err, sizeof err);

	cr_assert_not_null(j, "%s", err);
	cr_assert_eq(hl_json_get(j, "a")->n, 4);
	cr_assert_float_eq(hl_json_get(j, "a")->items[1]->num, -25.0, 1e-9);
	cr_assert_eq(hl_json_get(j, "a")->items[2]->kind, HL_JSON_BOOL);
	cr_assert_str_eq(hl_json_str(hl_json_get(j, "s")), "x\"\xc3\xa9\n");
	cr_assert_null(hl_json_get(j, "missing"));
	hl_json_free(j);
}

Test(json, errors_name_the_line)
{
	char err[128];

	cr_assert_null(hl_json_parse("{\n\"a\" 1}", err, sizeof err));
	cr_assert_str_eq(err, "line 2: expected ':'");
	cr_assert_null(hl_json_parse("[1, 2", err, sizeof err));
	cr_assert_null(hl_json_parse("\"open", err, sizeof err));
	cr_assert(strstr(err, "unterminated string") != NULL, "%s", err);
	cr_assert_null(hl_json_parse("\"\\u12", err, sizeof err), "a cut-off escape");
	cr_assert_null(hl_json_parse("{\"a\"", err, sizeof err));
	cr_assert_null(hl_json_parse("{} x", err, sizeof err));
	cr_assert(strstr(err, "trailing data") != NULL, "%s", err);
}

Test(json, writes_what_it_reads)
{
	const char *s = "tab\there \"quoted\" back\\slash \x01";
	char *buf = NULL, err[64];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	hl_json_t *j;

	hl_json_write_str(f, s);
	fclose(f);
	j = hl_json_parse(buf, err, sizeof err);
	cr_assert_not_null(j, "%s", err);
	cr_assert_str_eq(hl_json_str(j), s);
	hl_json_free(j);
	free(buf);
}

Test(shard, spec_and_picks)
{
	unsigned k, n;

	cr_assert_eq(hl_matrix_shard_parse("2/3", &k, &n), 0);
	cr_assert(k == 2 && n == 3);
	cr_assert_eq(hl_matrix_shard_parse("0/3", &k, &n), -1);
	cr_assert_eq(hl_matrix_shard_parse("4/3", &k, &n), -1);
	cr_assert_eq(hl_matrix_shard_parse("1/", &k, &n), -1);
	cr_assert_eq(hl_matrix_shard_parse("1/2x", &k, &n), -1);
	cr_assert(hl_matrix_shard_picks(1, 2, 3) && hl_matrix_shard_picks(4, 2, 3));
	cr_assert_not(hl_matrix_shard_picks(2, 2, 3));
}

/* Column c of a run with four targets; each meets some rows of its own, in its own order. */
static void fill(hl_matrix_t *m, int c)
{
	static const char *const rows[4][4] = {
		{ "common", "a.only", "ab", NULL },
		{ "b.first", "ab", "common", "b.only" },
		{ "common", "c.only", NULL, NULL },
		{ "d.only", "common", "b.only", NULL },
	};
	char val[32];

	for (int i = 0; i < 4 && rows[c][i]; i++) {
		int r = hl_matrix_row(m, rows[c][i], "title", "spec");

		snprintf(val, sizeof val, "v%d", c == 2 ? 0 : c);
		cr_assert_eq(
		    hl_matrix_set(m, r,
				  hl_matrix_column(m, (const char *[]){ "A", "B", "C", "D" }[c]),
				  val, i == 1 ? "v1" : NULL, NULL),
		    0);
	}
}

static char *to_json(const hl_matrix_t *m, unsigned k, unsigned n, const char *path)
{
	static const char *const all[] = { "A", "B", "C", "D" };
	hl_matrix_run_t run = { "conformance", k, n, all, 4, 0 };
	FILE *f = fopen(path, "w");
	char *buf = NULL;
	size_t len = 0;

	cr_assert_not_null(f);
	cr_assert_eq(hl_matrix_write_json(m, f, &run), 0);
	fclose(f);
	f = fopen(path, "r");
	cr_assert(getdelim(&buf, &len, '\0', f) > 0);
	fclose(f);
	return buf;
}

Test(shard, merge_equals_one_run)
{
	char dir[] = "/tmp/hsmlab-mjson-XXXXXX", p1[64], p2[64], pw[64], err[256];
	hl_matrix_t *whole = hl_matrix_new("t"), *s1 = hl_matrix_new("t"), *s2 = hl_matrix_new("t");
	char *a, *b;
	hl_matrix_t *merged;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(p1, sizeof p1, "%s/1.json", dir);
	snprintf(p2, sizeof p2, "%s/2.json", dir);
	snprintf(pw, sizeof pw, "%s/w.json", dir);
	for (int c = 0; c < 4; c++) {
		fill(whole, c);
		fill(c % 2 == 0 ? s1 : s2, c); /* shard 1: A and C, shard 2: B and D */
	}
	free(to_json(s1, 1, 2, p1));
	free(to_json(s2, 2, 2, p2));
	merged = hl_matrix_merge_json((const char *[]){ p2, p1 }, 2, err, sizeof err);
	cr_assert_not_null(merged, "%s", err);
	a = to_json(whole, 1, 1, pw);
	b = to_json(merged, 1, 1, pw);
	cr_assert_str_eq(a, b, "the merged matrix differs from one run's");
	cr_assert_null(hl_matrix_merge_json((const char *[]){ p1 }, 1, err, sizeof err));
	cr_assert(strstr(err, "needs 2 files") != NULL, "%s", err);
	cr_assert_null(hl_matrix_merge_json((const char *[]){ p1, p1 }, 2, err, sizeof err));
	cr_assert(strstr(err, "repeated") != NULL, "%s", err);
	free(a);
	free(b);
	hl_matrix_free(whole);
	hl_matrix_free(s1);
	hl_matrix_free(s2);
	hl_matrix_free(merged);
	unlink(p1);
	unlink(p2);
	unlink(pw);
	rmdir(dir);
}
