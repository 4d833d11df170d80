/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: reading a trace, the shape of a recorded result (what replay
 * compares: the return code, lengths, counts and which attributes came back, never the
 * bytes), and the per-target report of the first divergence with its context. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay_int.h"

/* -- reading -- */

static int add_line(hl_replay_trace_t *tr, const char *line, size_t lineno, const char *path,
		    char *err, size_t errlen)
{
	char jerr[256];
	hl_json_t *j = hl_json_parse(line, jerr, sizeof jerr), **v;

	if (j == NULL || j->kind != HL_JSON_OBJ || hl_json_str(hl_json_get(j, "fn")) == NULL) {
		snprintf(err, errlen, "%s:%zu: not a trace record%s%s", path, lineno,
			 j == NULL ? ": " : " (no \"fn\")", j == NULL ? jerr : "");
		hl_json_free(j);
		return -1;
	}
	v = reallocarray(tr->calls, tr->n + 1, sizeof *v);
	if (v == NULL) {
		hl_json_free(j);
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	tr->calls = v;
	tr->calls[tr->n++] = j;
	return 0;
}

hl_replay_trace_t *hl_replay_load(const char *path, char *err, size_t errlen)
{
	hl_replay_trace_t *tr = calloc(1, sizeof *tr);
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;

	if (tr == NULL || f == NULL) {
		snprintf(err, errlen, "%s: %s", path,
			 f == NULL ? strerror(errno) : "out of memory");
		goto fail;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len <= 1 || line[0] == '#') /* blank lines and comments are allowed */
			continue;
		if (add_line(tr, line, lineno, path, err, errlen) != 0)
			goto fail;
	}
	if (tr->n == 0) {
		snprintf(err, errlen, "%s: no calls in the trace", path);
		goto fail;
	}
	free(line);
	fclose(f);
	return tr;
fail:
	free(line);
	if (f != NULL)
		fclose(f);
	hl_replay_free(tr);
	return NULL;
}

void hl_replay_free(hl_replay_trace_t *tr)
{
	if (tr == NULL)
		return;
	for (size_t i = 0; i < tr->n; i++)
		hl_json_free(tr->calls[i]);
	free(tr->calls);
	free(tr);
}

size_t hl_replay_count(const hl_replay_trace_t *tr)
{
	return tr->n;
}

CK_ULONG hl_replay_num(const hl_json_t *obj, const char *key, CK_ULONG def)
{
	const hl_json_t *v = hl_json_get(obj, key);

	if (v == NULL || (v->kind != HL_JSON_NUM && v->kind != HL_JSON_BOOL))
		return def;
	if (v->num < 0)
		return CK_UNAVAILABLE_INFORMATION;
	return (CK_ULONG)v->num;
}

/* -- shapes -- */

static void shape_put(hl_replay_shape_t *s, const char *fmt, const char *a, long long v)
{
	int w;

	if (s->len >= s->n)
		return;
	w = snprintf(s->buf + s->len, s->n - s->len, fmt, a, v);
	if (w > 0)
		s->len = s->len + (size_t)w < s->n ? s->len + (size_t)w : s->n - 1;
}

void hl_replay_shape_rv(hl_replay_shape_t *s, CK_RV rv)
{
	shape_put(s, "%s", hl_ckr_name(rv), 0);
}

void hl_replay_shape_kv(hl_replay_shape_t *s, const char *key, long long v)
{
	shape_put(s, " %s=%lld", key, v);
}

void hl_replay_shape_attr(hl_replay_shape_t *s, int first, CK_ATTRIBUTE_TYPE type, long long len)
{
	shape_put(s, first ? " attrs=%s:%lld" : ",%s:%lld", hl_cka_name(type), len);
}

static long long signed_num(const hl_json_t *obj, const char *key)
{
	const hl_json_t *v = hl_json_get(obj, key);

	return v != NULL && v->kind == HL_JSON_NUM ? (long long)v->num : 0;
}

/* Mirrors what replay_call.c writes for each function (see there). The mechanism list is
 * not compared: it is each profile's own (the conformance suite compares it). */
void hl_replay_recorded_shape(const hl_json_t *rec, char *buf, size_t n)
{
	const char *fn = hl_json_str(hl_json_get(rec, "fn"));
	const hl_json_t *out = hl_json_get(rec, "out"), *v;
	hl_replay_shape_t s = { buf, n, 0 };

	buf[0] = '\0';
	hl_replay_shape_rv(&s, hl_replay_num(rec, "rv", CKR_GENERAL_ERROR));
	if (strcmp(fn, "C_GetSlotList") == 0 && hl_json_get(out, "count") != NULL)
		hl_replay_shape_kv(&s, "count", signed_num(out, "count"));
	if ((v = hl_json_get(out, "objects")) != NULL && v->kind == HL_JSON_ARR)
		hl_replay_shape_kv(&s, "objects", (long long)v->n);
	if (hl_json_get(out, "len") != NULL && strcmp(fn, "C_GenerateRandom") != 0)
		hl_replay_shape_kv(&s, "len", signed_num(out, "len"));
	if (strcmp(fn, "C_GetSessionInfo") == 0 && hl_json_get(out, "state") != NULL)
		hl_replay_shape_kv(&s, "state", signed_num(out, "state"));
	if ((v = hl_json_get(out, "template")) != NULL && v->kind == HL_JSON_ARR)
		for (size_t i = 0; i < v->n; i++)
			hl_replay_shape_attr(&s, i == 0, hl_replay_num(v->items[i], "type", 0),
					     signed_num(v->items[i], "len"));
}

/* -- rows -- */

void hl_replay_row_id(const hl_json_t *rec, size_t i, char *buf, size_t n)
{
	snprintf(buf, n, "%04zu %s", i + 1, hl_json_str(hl_json_get(rec, "fn")));
}

static void title_put(char *buf, size_t n, const char *s)
{
	size_t len = strlen(buf);

	if (len + 1 < n)
		snprintf(buf + len, n - len, "%s", s);
}

void hl_replay_row_title(const hl_json_t *rec, char *buf, size_t n)
{
	const hl_json_t *args = hl_json_get(rec, "args"), *mech = hl_json_get(args, "mechanism");
	const hl_json_t *tmpl = hl_json_get(args, "template");
	char tmp[96];

	snprintf(buf, n, "%s", hl_json_str(hl_json_get(rec, "fn")));
	if (hl_json_str(hl_json_get(mech, "name")) != NULL) {
		title_put(buf, n, " ");
		title_put(buf, n, hl_json_str(hl_json_get(mech, "name")));
	}
	if (hl_json_get(args, "user_type") != NULL) {
		CK_ULONG u = hl_replay_num(args, "user_type", 0);

		snprintf(tmp, sizeof tmp, " %s",
			 u == CKU_SO     ? "CKU_SO"
			 : u == CKU_USER ? "CKU_USER"
					 : "vendor user");
		title_put(buf, n, tmp);
	}
	if (hl_json_get(args, "flags") != NULL && hl_json_get(args, "slot") != NULL) {
		CK_ULONG f = hl_replay_num(args, "flags", 0);

		title_put(buf, n, f & CKF_RW_SESSION ? " rw" : " ro");
	}
	for (size_t i = 0; tmpl != NULL && tmpl->kind == HL_JSON_ARR && i < tmpl->n; i++) {
		const char *name = hl_json_str(hl_json_get(tmpl->items[i], "name"));

		title_put(buf, n, i == 0 ? " " : ",");
		title_put(buf, n, name ? name : "?");
	}
}

int hl_replay_matrix_init(const hl_replay_trace_t *tr, hl_matrix_t *m)
{
	char id[64], title[512], shape[1024];
	int col = hl_matrix_column(m, "recorded");

	if (col < 0)
		return -1;
	for (size_t i = 0; i < tr->n; i++) {
		int row;

		hl_replay_row_id(tr->calls[i], i, id, sizeof id);
		hl_replay_row_title(tr->calls[i], title, sizeof title);
		hl_replay_recorded_shape(tr->calls[i], shape, sizeof shape);
		row = hl_matrix_row(m, id, title,
				    "spec"); /* a PKCS#11 call: the spec is its reference */
		if (row < 0 || hl_matrix_set(m, row, col, shape, shape, NULL) != 0)
			return -1;
	}
	return 0;
}

/* -- the divergence report -- */

long hl_replay_first_divergence(const hl_matrix_t *m, size_t col)
{
	for (size_t r = 0; r < hl_matrix_rows(m); r++)
		if (strcmp(hl_matrix_row_id(m, r), "replay.setup") == 0 &&
		    hl_matrix_cell(m, r, col)->status == HL_CELL_DIFF)
			return (long)r;
	for (size_t r = 0; r < hl_matrix_rows(m); r++)
		if (hl_matrix_cell(m, r, col)->status == HL_CELL_DIFF)
			return (long)r;
	return -1;
}

/* What the recording did: the "recorded" column (a cell's expectation is "any" where the
 * replay only shows a value). */
static const char *recorded(const hl_matrix_t *m, size_t r)
{
	for (size_t c = 0; c < hl_matrix_columns(m); c++)
		if (strcmp(hl_matrix_column_name(m, c), "recorded") == 0)
			return hl_matrix_cell(m, r, c)->observed;
	return hl_matrix_cell(m, r, 0)->expected;
}

static void json_row(const hl_matrix_t *m, size_t r, size_t col, FILE *out)
{
	const hl_cell_t *c = hl_matrix_cell(m, r, col);

	fputs("{\"call\":", out);
	hl_json_write_str(out, hl_matrix_row_id(m, r));
	fputs(",\"title\":", out);
	hl_json_write_str(out, hl_matrix_row_title(m, r));
	fputs(",\"recorded\":", out);
	hl_json_write_str(out, recorded(m, r));
	fputs(",\"observed\":", out);
	hl_json_write_str(out, c->observed);
	fputs(",\"detail\":", out);
	hl_json_write_str(out, c->detail);
	fputs("}", out);
}

static void md_row(const hl_matrix_t *m, size_t r, size_t col, FILE *out, int mark)
{
	const hl_cell_t *c = hl_matrix_cell(m, r, col);

	fprintf(out, "| %s%s%s | %s | %s | %s | %s |\n", mark ? "**" : "", hl_matrix_row_id(m, r),
		mark ? "**" : "", hl_matrix_row_title(m, r), recorded(m, r) ? recorded(m, r) : "",
		c->observed ? c->observed : "(not replayed)", c->detail ? c->detail : "");
}

/* Later divergences of a kind not met before (the call, what was recorded and what came
 * back): a first divergence early in a trace (a slot count, say) hides the rest otherwise. */
static int same_kind(const hl_matrix_t *m, size_t a, size_t b, size_t col)
{
	const hl_cell_t *x = hl_matrix_cell(m, a, col), *y = hl_matrix_cell(m, b, col);

	return strcmp(hl_matrix_row_title(m, a), hl_matrix_row_title(m, b)) == 0 &&
	       strcmp(x->expected, y->expected) == 0 && strcmp(x->observed, y->observed) == 0;
}

static size_t later_kinds(const hl_matrix_t *m, size_t col, long first, size_t *rows, size_t max)
{
	size_t n = 0;

	for (size_t r = (size_t)first + 1; r < hl_matrix_rows(m) && n < max; r++) {
		int seen;

		if (hl_matrix_cell(m, r, col)->status != HL_CELL_DIFF)
			continue;
		seen = same_kind(m, (size_t)first, r, col);
		for (size_t k = 0; k < n && !seen; k++)
			seen = same_kind(m, rows[k], r, col);
		if (!seen)
			rows[n++] = r;
	}
	return n;
}

enum { MAX_LATER = 12 };

static void write_json(const hl_matrix_t *m, size_t col, long first, size_t from, FILE *out)
{
	size_t later[MAX_LATER], nlater;

	fputs("{\"target\":", out);
	hl_json_write_str(out, hl_matrix_column_name(m, col));
	if (first < 0) {
		fputs(",\"first\":null}", out);
		return;
	}
	fputs(",\"first\":", out);
	json_row(m, (size_t)first, col, out);
	fputs(",\"context\":[", out);
	for (size_t r = from; r < (size_t)first; r++) {
		json_row(m, r, col, out);
		fputs(r + 1 < (size_t)first ? "," : "", out);
	}
	fputs("],\"later\":[", out);
	nlater = later_kinds(m, col, first, later, MAX_LATER);
	for (size_t k = 0; k < nlater; k++) {
		json_row(m, later[k], col, out);
		fputs(k + 1 < nlater ? "," : "", out);
	}
	fputs("]}", out);
}

static void write_target(const hl_matrix_t *m, size_t col, size_t context, FILE *out, int json)
{
	long first = hl_replay_first_divergence(m, col);
	size_t from = first > (long)context ? (size_t)first - context : 0, later[MAX_LATER], n;

	if (json) {
		write_json(m, col, first, from, out);
		return;
	}
	fprintf(out, "## %s\n\n", hl_matrix_column_name(m, col));
	if (first < 0) {
		fputs("No divergence: every call gave the recorded code and output shape.\n\n",
		      out);
		return;
	}
	fprintf(out, "First divergence at call %s.\n\n", hl_matrix_row_id(m, (size_t)first));
	fputs("| call | what | recorded | observed | note |\n|---|---|---|---|---|\n", out);
	for (size_t r = from; r <= (size_t)first; r++)
		md_row(m, r, col, out, r == (size_t)first);
	n = later_kinds(m, col, first, later, MAX_LATER);
	if (n > 0) {
		fputs("\nLater divergences, the first of each kind (a call can fail because an "
		      "earlier one did):\n\n| call | what | recorded | observed | note |\n"
		      "|---|---|---|---|---|\n",
		      out);
		for (size_t k = 0; k < n; k++)
			md_row(m, later[k], col, out, 0);
	}
	fputs("\n", out);
}

int hl_replay_write_divergences(const hl_matrix_t *m, size_t context, FILE *out, int json)
{
	int any = 0;

	fputs(json ? "{\"format\":\"hsmlab-replay-divergences-1\",\"targets\":["
		   : "# Replay: first divergence per target\n\n",
	      out);
	for (size_t c = 0; c < hl_matrix_columns(m); c++) {
		if (strcmp(hl_matrix_column_name(m, c), "recorded") == 0)
			continue;
		if (json && any)
			fputs(",", out);
		write_target(m, c, context, out, json);
		any = 1;
	}
	if (json)
		fputs("]}\n", out);
	return ferror(out) ? -1 : 0;
}
