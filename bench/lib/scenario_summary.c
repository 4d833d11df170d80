/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's report folder — Markdown summary, one HTML page (conformance
 * matrix when given, the timeline inline, the step matrix), JUnit XML through the shared
 * writer, and one SVG timeline per profile. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/bench/report.h"
#include "hsmlab/bench/scenario.h"
#include "scenario_lanes.h"

/* "1: A; 2-8: A+B; 9: B": which keys signed which slots, runs of equal slots merged. */
static void signers_text(const hl_scn_quarter_t *q, char *out, size_t len)
{
	char prev[160] = "", cur[160];
	int start = 0;
	size_t o = 0;

	out[0] = '\0';
	for (int j = 0; j <= q->nslots; j++) {
		cur[0] = '\0';
		for (int k = 0; j < q->nslots && k < q->slots[j].nsigners; k++)
			snprintf(cur + strlen(cur), sizeof cur - strlen(cur), "%s%s", k ? "+" : "",
				 q->slots[j].signers[k]);
		if (j > 0 && (j == q->nslots || strcmp(cur, prev) != 0)) {
			if (start + 1 == j)
				o += (size_t)snprintf(out + o, len > o ? len - o : 0, "%s%d: %s",
						      o ? "; " : "", j, prev);
			else
				o += (size_t)snprintf(out + o, len > o ? len - o : 0, "%s%d-%d: %s",
						      o ? "; " : "", start + 1, j, prev);
			start = j;
		}
		snprintf(prev, sizeof prev, "%s", cur);
	}
}

static void md_row(const hl_scn_quarter_t *q, char *out, size_t len)
{
	char sig[600], date[16], pub[200] = "";
	const hl_scn_slot_t *last = &q->slots[q->nslots ? q->nslots - 1 : 0];

	signers_text(q, sig, sizeof sig);
	strftime(date, sizeof date, "%Y-%m-%d", gmtime(&q->ceremony_date));
	for (int k = 0; k < last->npublished; k++)
		snprintf(pub + strlen(pub), sizeof pub - strlen(pub), "%s%s", k ? ", " : "",
			 last->published[k]);
	snprintf(out, len, "| %s | %s | %s | %s | %s (slot 9) | %s |\n", q->quarter, q->ceremony,
		 date, sig, pub, q->slots[1].revoked[0] ? q->slots[1].revoked : "");
}

/* 1 when profile p signed the same quarters the same way as profile 0. */
static int same_as_first(const hl_scn_result_t *r, size_t p)
{
	char a[1200], b[1200];

	if (r->nquarters[p] != r->nquarters[0])
		return 0;
	for (size_t i = 0; i < r->nquarters[p]; i++) {
		md_row(&r->quarters[0][i], a, sizeof a);
		md_row(&r->quarters[p][i], b, sizeof b);
		if (strcmp(a, b) != 0)
			return 0;
	}
	return 1;
}

/* 1 when profile p's quarters were signed on the same backends as profile 0's (the
 * timeline's "signed on" lane): else the HTML page draws p's timeline too. */
static int same_signers(const hl_scenario_t *s, const hl_scn_result_t *r, size_t p)
{
	for (size_t i = 0; i < r->nquarters[p] && i < r->nquarters[0]; i++) {
		hl_scn_lane_t a, b;
		int ra = hl_scn_signed_by(s, r->profiles[0], &r->quarters[0][i], &a);
		int rb = hl_scn_signed_by(s, r->profiles[p], &r->quarters[p][i], &b);

		if (ra != rb || (ra == 0 && strcmp(a.backend, b.backend) != 0))
			return 0;
	}
	return 1;
}

static void md_timeline(const hl_scn_result_t *r, size_t p, FILE *out)
{
	char row[1200];

	if (p > 0 && same_as_first(r, p)) {
		fprintf(out,
			"\nProfile %s: the same timeline as %s (same KSKs in the same slots).\n",
			r->profiles[p], r->profiles[0]);
		return;
	}
	fprintf(out,
		"\n## Timeline (profile %s)\n\n| quarter | ceremony | date | signed by (slot: "
		"KSK) | published | revoked |\n|---|---|---|---|---|---|\n",
		r->profiles[p]);
	for (size_t i = 0; i < r->nquarters[p]; i++) {
		md_row(&r->quarters[p][i], row, sizeof row);
		fputs(row, out);
	}
}

int hl_scenario_markdown(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *out)
{
	fprintf(out, "# Scenario: %s\n\n", s->name);
	if (s->description)
		fprintf(out, "%s\n\n", s->description);
	fprintf(out,
		"`%s`: %zu ceremonies, %zu profile(s), %zu steps run: **%zu unexpected**, %zu "
		"pending (console commands not there yet), %zu warnings; %.1f s.\n",
		s->path, s->nceremonies, r->nprofiles, r->steps, r->unexpected, r->pending,
		r->warnings, r->seconds);
	for (size_t p = 0; p < r->nprofiles; p++)
		md_timeline(r, p, out);
	fputs("\n", out);
	hl_report_markdown(r->matrix, out); /* its heading: "## <scenario name>" */
	if (r->nnotes > 0) {
		fputs("\n\n## Notes: pending steps, fallbacks\n\n", out);
		for (size_t i = 0; i < r->nnotes; i++)
			fprintf(out, "- %s\n", r->notes[i]);
	}
	return ferror(out) ? -1 : 0;
}

/* The SVG inline: the same document without its XML declaration. */
static int inline_svg(const hl_scenario_t *s, const hl_scn_result_t *r, size_t p, FILE *out)
{
	char *buf = NULL, *start;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	int rc;

	if (mem == NULL)
		return -1;
	rc = hl_scenario_svg(s, r, p, mem);
	if (fclose(mem) != 0 || buf == NULL) {
		free(buf);
		return -1;
	}
	start = strstr(buf, "<svg");
	if (rc == 0 && start != NULL)
		fputs(start, out);
	free(buf);
	return rc;
}

/* The <body> content of an HTML page written by hl_report_html_begin/end. */
static void embed_body(const char *path, FILE *out)
{
	FILE *in = fopen(path, "r");
	char *buf, *b, *e;
	long len;

	if (in == NULL)
		return;
	if (fseek(in, 0, SEEK_END) == 0 && (len = ftell(in)) > 0 && fseek(in, 0, SEEK_SET) == 0 &&
	    (buf = calloc(1, (size_t)len + 1)) != NULL) {
		if (fread(buf, 1, (size_t)len, in) == (size_t)len &&
		    (b = strstr(buf, "<body>")) != NULL && (e = strstr(b, "</body>")) != NULL)
			fwrite(b + 6, 1, (size_t)(e - b - 6), out);
		free(buf);
	}
	fclose(in);
}

int hl_scenario_html(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *out,
		     const char *embed_html)
{
	fputs("<h1>Scenario: ", out);
	hl_report_xml_escape(out, s->name);
	fprintf(out,
		"</h1>\n<p>%zu ceremonies, %zu profile(s), %zu steps: <b>%zu unexpected</b>, %zu "
		"pending, %zu warnings; %.1f s.</p>\n",
		s->nceremonies, r->nprofiles, r->steps, r->unexpected, r->pending, r->warnings,
		r->seconds);
	if (r->nprofiles > 1 && hl_report_summary(r->matrix, out, 1) != 0) /* read first */
		return -1;
	for (size_t p = 0; p < r->nprofiles; p++) {
		if (p > 0 && same_as_first(r, p) && same_signers(s, r, p)) {
			fputs("<p>Profile ", out);
			hl_report_xml_escape(out, r->profiles[p]);
			fputs(": the same timeline as ", out);
			hl_report_xml_escape(out, r->profiles[0]);
			fputs(" (timeline-*.svg in this folder).</p>\n", out);
			continue;
		}
		fputs("<h2>Timeline: ", out);
		hl_report_xml_escape(out, r->profiles[p]);
		fputs("</h2>\n<div style=\"max-width:100%\">", out);
		inline_svg(s, r, p, out);
		fputs("</div>\n", out);
	}
	hl_report_html(r->matrix, out, 1);
	if (embed_html != NULL) /* e.g. the conformance matrix: after the ceremony steps */
		embed_body(embed_html, out);
	if (r->nnotes > 0) {
		fputs("<h2>Notes: pending steps, fallbacks</h2>\n<ul>\n", out);
		for (size_t i = 0; i < r->nnotes; i++) {
			fputs("<li>", out);
			hl_report_xml_escape(out, r->notes[i]);
			fputs("</li>\n", out);
		}
		fputs("</ul>\n", out);
	}
	return ferror(out) ? -1 : 0;
}

typedef int (*writer_t)(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *f, size_t p,
			const char *extra);

static int w_md(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *f, size_t p,
		const char *extra)
{
	return hl_scenario_markdown(s, r, f);
}

static int w_html(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *f, size_t p,
		  const char *extra)
{
	hl_report_html_begin(f, s->name);
	hl_scenario_html(s, r, f, extra);
	return hl_report_html_end(f);
}

static int w_junit(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *f, size_t p,
		   const char *extra)
{
	return hl_report_junit(r->matrix, f, 0);
}

static int w_svg(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *f, size_t p,
		 const char *extra)
{
	return hl_scenario_svg(s, r, p, f);
}

static int write_one(const char *path, writer_t w, const hl_scenario_t *s, const hl_scn_result_t *r,
		     size_t p, const char *extra, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = w(s, r, f, p, extra);
	if (fclose(f) != 0 || rc != 0) {
		snprintf(err, errlen, "%s: write failed", path);
		return -1;
	}
	return 0;
}

int hl_scenario_write_reports(const hl_scenario_t *s, const hl_scn_result_t *r, const char *dir,
			      const char *conformance_html, char *err, size_t errlen)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/scenario.md", dir);
	if (write_one(path, w_md, s, r, 0, NULL, err, errlen) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/scenario.html", dir);
	if (write_one(path, w_html, s, r, 0, conformance_html, err, errlen) != 0)
		return -1;
	snprintf(path, sizeof path, "%s/scenario-junit.xml", dir);
	if (write_one(path, w_junit, s, r, 0, NULL, err, errlen) != 0)
		return -1;
	for (size_t p = 0; p < r->nprofiles; p++) {
		snprintf(path, sizeof path, "%s/timeline-%s.svg", dir, r->profiles[p]);
		if (write_one(path, w_svg, s, r, p, NULL, err, errlen) != 0)
			return -1;
	}
	return 0;
}
