/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the benchmark's writers — terminal table, JSON, README Markdown. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "perf_int.h"

static double min_of(const hl_perf_row_t *r)
{
	double m = r->n ? r->v[0] : 0;

	for (int i = 1; i < r->n; i++)
		m = r->v[i] < m ? r->v[i] : m;
	return m;
}

static double max_of(const hl_perf_row_t *r)
{
	double m = r->n ? r->v[0] : 0;

	for (int i = 1; i < r->n; i++)
		m = r->v[i] > m ? r->v[i] : m;
	return m;
}

static const hl_perf_row_t *find_row(const hl_perf_t *p, const char *target, const char *workload,
				     size_t size)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->rows[i].target, target) == 0 &&
		    strcmp(p->rows[i].workload, workload) == 0 && p->rows[i].size == size &&
		    p->rows[i].n > 0)
			return &p->rows[i];
	return NULL;
}

/* The SoftHSMv2 target of this run, if any (named by its module's manufacturer). */
static const char *softhsm_target(const hl_perf_t *p, char *buf, size_t n)
{
	for (size_t i = 0; i < p->nmodules; i++) {
		const char *colon = strchr(p->modules[i], ':');

		if (colon != NULL && strncmp(colon + 2, "SoftHSM", 7) == 0) {
			snprintf(buf, n, "%.*s", (int)(colon - p->modules[i]), p->modules[i]);
			return buf;
		}
	}
	return NULL;
}

/* Median ratio of a row to the same workload on another target; NAN when not comparable. */
static double ratio(const hl_perf_t *p, const hl_perf_row_t *r, const char *other)
{
	const hl_perf_row_t *o;
	hl_perf_row_t q = { .n = 0 };

	/* Ratios say how a module compares; the reference rows themselves get none. */
	if (other == NULL || strcmp(r->target, other) == 0 || strcmp(r->target, "openssl") == 0 ||
	    r->n == 0)
		return NAN;
	/* Against raw OpenSSL: the median of the paired per-run ratios when measured so. */
	if (strcmp(other, "openssl") == 0 && r->nraw == r->n) {
		for (int i = 0; i < r->n; i++)
			q.v[q.n++] = r->v[i] / r->raw[i];
		return hl_perf_median(&q);
	}
	o = find_row(p, other, r->workload, r->size);
	return o != NULL && hl_perf_median(o) > 0 ? hl_perf_median(r) / hl_perf_median(o) : NAN;
}

static void fmt_ratio(char *buf, size_t n, double v)
{
	if (isnan(v))
		snprintf(buf, n, "–");
	else
		snprintf(buf, n, "%.2f×", v);
}

static void fmt_size(char *buf, size_t n, size_t size)
{
	if (size == 0)
		buf[0] = '\0';
	else if (size >= 1000 && size % 1000 == 0)
		snprintf(buf, n, " @%zuk", size / 1000);
	else
		snprintf(buf, n, " @%zu", size);
}

/* The note, plus for a multi-thread row its speed-up over the same workload on 1 thread. */
static void scaling(const hl_perf_t *p, const hl_perf_row_t *r, char *note, size_t n)
{
	const char *suffix = strstr(r->workload, ", 2 threads");
	const hl_perf_row_t *one;
	char base[48];

	snprintf(note, n, "%s", r->note);
	if (suffix == NULL || r->n == 0)
		return;
	snprintf(base, sizeof base, "%.*s", (int)(suffix - r->workload), r->workload);
	one = find_row(p, r->target, base, r->size);
	if (one != NULL && hl_perf_median(one) > 0)
		snprintf(note, n, "%.2f× the 1-thread figure%s%s",
			 hl_perf_median(r) / hl_perf_median(one), r->note[0] ? "; " : "", r->note);
}

/* -- terminal table and Markdown share one row layout -- */

static void write_rows(const hl_perf_t *p, FILE *out, int md)
{
	char sh[64], *softhsm = (char *)softhsm_target(p, sh, sizeof sh);

	for (size_t i = 0; i < p->n; i++) {
		const hl_perf_row_t *r = &p->rows[i];
		char size[24], rr[16], rs[16], lat[48] = "", wl[80], note[200];

		fmt_size(size, sizeof size, r->size);
		snprintf(wl, sizeof wl, "%s%s", r->workload, size);
		fmt_ratio(rr, sizeof rr, ratio(p, r, "openssl"));
		fmt_ratio(rs, sizeof rs, ratio(p, r, softhsm));
		if (r->p50 > 0)
			snprintf(lat, sizeof lat, "%.1f / %.1f / %.1f", r->p50, r->p90, r->p99);
		scaling(p, r, note, sizeof note);
		if (md)
			fprintf(out, "| %s%s | %s | ", r->workload, size, r->target);
		else
			fprintf(out, "%-52s %-10s ", wl, r->target);
		if (r->n == 0)
			fprintf(out, md ? "– | – | – | – | – | %s |\n" : "%s\n", note);
		else if (md)
			fprintf(out, "%.1f %s | %.1f – %.1f | %s | %s | %s | %s |\n",
				hl_perf_median(r), r->unit, min_of(r), max_of(r), lat, rr, rs,
				note);
		else
			fprintf(out, "%12.1f %-9s [%10.1f %10.1f] %-26s %8s %8s %s\n",
				hl_perf_median(r), r->unit, min_of(r), max_of(r), lat, rr, rs,
				note);
	}
}

int hl_perf_write_table(const hl_perf_t *p, FILE *out)
{
	fprintf(out, "%-52s %-10s %12s %-9s [%10s %10s] %-26s %8s %8s\n", "workload", "target",
		"median", "unit", "min", "max", "p50 / p90 / p99 µs", "×raw", "×softhsm");
	write_rows(p, out, 0);
	return ferror(out) ? -1 : 0;
}

int hl_perf_write_markdown(const hl_perf_t *p, FILE *out)
{
	fprintf(out,
		"Measured %s on %s; %s; %d run(s) of %.2f s per figure, medians quoted "
		"with min – max. × raw OpenSSL is the median of per-run ratios: each module "
		"run follows a raw EVP run of the same work on the same key.\n\n",
		p->date, p->machine, p->openssl, p->o.runs, p->o.seconds);
	for (size_t i = 0; i < p->nmodules; i++)
		fprintf(out, "- %s\n", p->modules[i]);
	fputs("\n| workload | target | median | min – max | p50 / p90 / p99 µs | × raw OpenSSL | "
	      "× SoftHSMv2 | note |\n|---|---|---|---|---|---|---|---|\n",
	      out);
	write_rows(p, out, 1);
	return ferror(out) ? -1 : 0;
}

/* -- JSON -- */

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\u%04x", *s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

static void json_num(FILE *out, double v)
{
	if (isnan(v))
		fputs("null", out);
	else
		fprintf(out, "%.3f", v);
}

int hl_perf_write_json(const hl_perf_t *p, FILE *out)
{
	char sh[64];
	const char *softhsm = softhsm_target(p, sh, sizeof sh);

	fputs("{\n  \"date\": ", out);
	json_str(out, p->date);
	fputs(",\n  \"machine\": ", out);
	json_str(out, p->machine);
	fputs(",\n  \"openssl\": ", out);
	json_str(out, p->openssl);
	fprintf(out, ",\n  \"runs\": %d,\n  \"seconds_per_run\": %.3f,\n  \"modules\": [",
		p->o.runs, p->o.seconds);
	for (size_t i = 0; i < p->nmodules; i++) {
		fputs(i ? ", " : "", out);
		json_str(out, p->modules[i]);
	}
	fputs("],\n  \"results\": [\n", out);
	for (size_t i = 0; i < p->n; i++) {
		const hl_perf_row_t *r = &p->rows[i];

		fputs("    {\"target\": ", out);
		json_str(out, r->target);
		fputs(", \"workload\": ", out);
		json_str(out, r->workload);
		fprintf(out, ", \"objects\": %zu, \"unit\": ", r->size);
		json_str(out, r->unit);
		fputs(", \"runs\": [", out);
		for (int k = 0; k < r->n; k++)
			fprintf(out, "%s%.3f", k ? ", " : "", r->v[k]);
		fputs("], \"raw_paired\": [", out);
		for (int k = 0; k < r->nraw; k++)
			fprintf(out, "%s%.3f", k ? ", " : "", r->raw[k]);
		fputs("], \"min\": ", out);
		json_num(out, r->n ? min_of(r) : NAN);
		fputs(", \"median\": ", out);
		json_num(out, r->n ? hl_perf_median(r) : NAN);
		fputs(", \"max\": ", out);
		json_num(out, r->n ? max_of(r) : NAN);
		fputs(", \"p50_us\": ", out);
		json_num(out, r->p50 > 0 ? r->p50 : NAN);
		fputs(", \"p90_us\": ", out);
		json_num(out, r->p90 > 0 ? r->p90 : NAN);
		fputs(", \"p99_us\": ", out);
		json_num(out, r->p99 > 0 ? r->p99 : NAN);
		fputs(", \"ratio_raw\": ", out);
		json_num(out, ratio(p, r, "openssl"));
		fputs(", \"ratio_softhsm2\": ", out);
		json_num(out, ratio(p, r, softhsm));
		fputs(", \"note\": ", out);
		json_str(out, r->note);
		fprintf(out, "}%s\n", i + 1 < p->n ? "," : "");
	}
	fputs("  ]\n}\n", out);
	return ferror(out) ? -1 : 0;
}
