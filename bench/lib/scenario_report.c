/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's reports. The step matrix goes through the shared writers
 * (Markdown, HTML, JUnit); this file adds what only a replay has: the SVG timeline (nine
 * slots per quarter, the KSK(s) that signed each, validity windows, ceremony dates and
 * milestones, and a lane naming the device and backend that signed each quarter), the
 * timeline table and the notes on pending steps. */
#define _GNU_SOURCE /* timegm */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/bench/report.h"
#include "hsmlab/bench/scenario.h"
#include "scenario_lanes.h"

#define W 1400
#define LEFT 120
#define RIGHT 60
#define TOP 160
#define LANE 22
#define KEYS_MAX 8
#define SIGNER_LANE 9 /* under the nine slot lanes: who signed the quarter */

static const char *const palette[KEYS_MAX] = { "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd",
					       "#8c564b", "#e377c2", "#17becf", "#7f7f7f" };

typedef struct {
	time_t t0, t1;
} span_t;

static double xpos(const span_t *sp, time_t t)
{
	return LEFT + (double)(t - sp->t0) * (W - LEFT - RIGHT) / (double)(sp->t1 - sp->t0);
}

static const char *key_colour(const hl_scenario_t *s, const char *label)
{
	for (size_t i = 0; i < s->nkeys && i < KEYS_MAX; i++)
		if (strcmp(s->keys[i].label, label) == 0)
			return palette[i];
	return "#444";
}

static time_t day(const char *ymd)
{
	struct tm tm = { 0 };

	if (strptime(ymd, "%Y-%m-%d", &tm) == NULL)
		return 0;
	return timegm(&tm);
}

static span_t span_of(const hl_scenario_t *s, const hl_scn_quarter_t *q, size_t n)
{
	span_t sp = { s->ceremonies[0].date, s->ceremonies[s->nceremonies - 1].date };

	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < q[i].nslots; j++) {
			sp.t0 = q[i].slots[j].inception < sp.t0 ? q[i].slots[j].inception : sp.t0;
			sp.t1 = q[i].slots[j].expiration > sp.t1 ? q[i].slots[j].expiration : sp.t1;
		}
	sp.t0 -= 86400 * 10;
	sp.t1 += 86400 * 10;
	return sp;
}

static void svg_axis(FILE *out, const span_t *sp, int bottom)
{
	struct tm tm;

	gmtime_r(&sp->t0, &tm);
	tm.tm_mday = 1;
	tm.tm_mon = tm.tm_mon / 3 * 3;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	for (time_t t = timegm(&tm); t <= sp->t1; tm.tm_mon += 3, t = timegm(&tm)) {
		double x = xpos(sp, t);
		struct tm q;

		if (t < sp->t0)
			continue;
		gmtime_r(&t, &q);
		fprintf(out,
			"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>"
			"<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">"
			"%dQ%d</text>\n",
			x, TOP - 6, x, bottom, x + 50, bottom + 14, q.tm_year + 1900,
			q.tm_mon / 3 + 1);
	}
}

static void svg_slot(FILE *out, const hl_scenario_t *s, const span_t *sp, const hl_scn_quarter_t *q,
		     int j)
{
	const hl_scn_slot_t *sl = &q->slots[j];
	double x0 = xpos(sp, sl->inception), x1 = xpos(sp, sl->expiration);
	double y = TOP + j * LANE + 3, h = (LANE - 6) / (double)(sl->nsigners ? sl->nsigners : 1);
	char from[32], to[32];

	strftime(from, sizeof from, "%Y-%m-%d", gmtime(&sl->inception));
	strftime(to, sizeof to, "%Y-%m-%d", gmtime(&sl->expiration));
	fprintf(out, "<g><title>%s slot %d: %s .. %s, signed by", q->quarter, j + 1, from, to);
	for (int k = 0; k < sl->nsigners; k++) {
		fputs(k ? " + " : " ", out);
		hl_report_xml_escape(out, sl->signers[k]);
	}
	if (sl->revoked[0]) {
		fputs("; revoked: ", out);
		hl_report_xml_escape(out, sl->revoked);
	}
	fputs("</title>\n", out);
	for (int k = 0; k < sl->nsigners; k++)
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
			"fill-opacity=\"0.85\"/>\n",
			x0, y + k * h, x1 - x0, h, key_colour(s, sl->signers[k]));
	for (int k = 0, m = 0; k < sl->npublished; k++) { /* published, not signing: a tick */
		int signs = 0;

		for (int i = 0; i < sl->nsigners; i++)
			signs |= strcmp(sl->signers[i], sl->published[k]) == 0;
		if (!signs)
			fprintf(out,
				"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"3\" "
				"fill=\"%s\"/>\n",
				x0, y + LANE - 5 + 3 * m++, x1 - x0,
				key_colour(s, sl->published[k]));
	}
	if (sl->revoked[0])
		fprintf(out,
			"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"none\" "
			"stroke=\"#d62728\" stroke-width=\"2\" stroke-dasharray=\"4 2\"/>\n",
			x0, y, x1 - x0, LANE - 6);
	fputs("</g>\n", out);
}

static void svg_vline(FILE *out, double x, int y0, int y1, const char *colour, const char *dash,
		      const char *label, int ty, int angle)
{
	fprintf(out,
		"<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
		"stroke-dasharray=\"%s\"/>\n<text x=\"%.1f\" y=\"%d\" font-size=\"10\" "
		"fill=\"%s\" transform=\"rotate(%d %.1f %d)\">",
		x, y0, x, y1, colour, dash, x + 2, ty, colour, angle, x + 2, ty);
	hl_report_xml_escape(out, label);
	fputs("</text>\n", out);
}

static void svg_legend(FILE *out, const hl_scenario_t *s, int y)
{
	int x = LEFT;

	for (size_t i = 0; i < s->nkeys && i < KEYS_MAX; i++) {
		fprintf(out,
			"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\" font-size=\"11\">",
			x, y - 9, palette[i], x + 18, y);
		hl_report_xml_escape(out, s->keys[i].name);
		fputs(" (", out);
		hl_report_xml_escape(out, s->keys[i].label);
		fputs(s->keys[i].stand_in ? ", stand-in" : "", out);
		fputs(") signs</text>\n", out);
		x += 260;
	}
	fprintf(
	    out,
	    "<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"none\" stroke=\"#d62728\" "
	    "stroke-dasharray=\"4 2\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">a key published "
	    "revoked</text>\n<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555\">ceremony "
	    "dates: grey; milestones: red; two stripes: two KSKs sign; a thin line under a bar: "
	    "published, not signing.</text>\n",
	    x, y - 9, x + 18, y, LEFT, y + 18);
}

/* One box per quarter under the slots, from its first inception to its last expiration,
 * coloured by the backend that signed it and labelled with the device. */
static void svg_signers(FILE *out, const hl_scenario_t *s, const span_t *sp, const char *profile,
			const hl_scn_quarter_t *q, size_t n)
{
	double y = TOP + SIGNER_LANE * LANE + 3;

	for (size_t i = 0; i < n; i++) {
		hl_scn_lane_t who;
		double x0, x1;

		if (q[i].nslots == 0 || hl_scn_signed_by(s, profile, &q[i], &who) != 0)
			continue;
		x0 = xpos(sp, q[i].slots[0].inception);
		x1 = xpos(sp, q[i].slots[q[i].nslots - 1].expiration);
		fprintf(out, "<g><title>%s signed at %s on ", q[i].quarter, q[i].ceremony);
		hl_report_xml_escape(out, who.device);
		fputs(" (vendor ", out);
		hl_report_xml_escape(out, who.vendor);
		fputs(", backend ", out);
		hl_report_xml_escape(out, who.backend);
		fprintf(out,
			")</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" "
			"fill=\"%s\" stroke=\"white\"/><text x=\"%.1f\" y=\"%.1f\" "
			"font-size=\"10\" fill=\"white\">",
			x0, y, x1 - x0, LANE - 6, hl_scn_backend_colour(who.backend), x0 + 3,
			y + LANE - 10);
		hl_report_xml_escape(out, who.device);
		fputs("</text></g>\n", out);
	}
}

/* The backends that signed a quarter in this profile, each with its colour. */
static void svg_backend_legend(FILE *out, const hl_scenario_t *s, const char *profile,
			       const hl_scn_quarter_t *q, size_t n, int y)
{
	const char *seen[8];
	size_t nseen = 0;
	int x = LEFT;

	fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\">signed on:</text>\n", x, y);
	x += 70;
	for (size_t i = 0; i < n && nseen < 8; i++) {
		hl_scn_lane_t who;
		size_t k;

		if (hl_scn_signed_by(s, profile, &q[i], &who) != 0)
			continue;
		for (k = 0; k < nseen && strcmp(seen[k], who.backend) != 0; k++)
			;
		if (k < nseen)
			continue;
		seen[nseen++] = who.backend;
		fprintf(out,
			"<rect x=\"%d\" y=\"%d\" width=\"14\" height=\"10\" fill=\"%s\"/>"
			"<text x=\"%d\" y=\"%d\" font-size=\"11\">",
			x, y - 9, hl_scn_backend_colour(who.backend), x + 18, y);
		hl_report_xml_escape(out, who.backend);
		fputs(" (", out);
		hl_report_xml_escape(out, who.vendor);
		fputs(" devices)</text>\n", out);
		x += 200;
	}
}

int hl_scenario_svg(const hl_scenario_t *s, const hl_scn_result_t *r, size_t profile, FILE *out)
{
	const hl_scn_quarter_t *q = r->quarters[profile];
	size_t n = r->nquarters[profile];
	span_t sp = span_of(s, q, n);
	int bottom = TOP + (SIGNER_LANE + 1) * LANE, h = bottom + 170;

	fprintf(
	    out,
	    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
	    "width=\"100%%\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
	    "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n<text x=\"%d\" y=\"18\" "
	    "font-size=\"15\" font-weight=\"bold\">",
	    W, h, LEFT);
	hl_report_xml_escape(out, s->name);
	fputs(" — profile ", out);
	hl_report_xml_escape(out, r->profiles[profile]);
	fputs("</text>\n", out);
	svg_legend(out, s, 38);
	svg_backend_legend(out, s, r->profiles[profile], q, n, 76);
	svg_axis(out, &sp, bottom);
	for (int j = 0; j < 9; j++)
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">slot %d"
			"</text>\n",
			LEFT - 8, TOP + j * LANE + LANE - 7, j + 1);
	fprintf(out,
		"<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">signed on</text>\n",
		LEFT - 8, TOP + SIGNER_LANE * LANE + LANE - 7);
	svg_signers(out, s, &sp, r->profiles[profile], q, n);
	for (size_t i = 0; i < n; i++)
		for (int j = 0; j < q[i].nslots; j++)
			svg_slot(out, s, &sp, &q[i], j);
	for (size_t i = 0; i < s->nceremonies; i++) { /* "id → quarter": what it signs */
		char quarters[64], label[128];

		hl_scn_ceremony_quarters(q, n, s->ceremonies[i].id, quarters, sizeof quarters);
		snprintf(label, sizeof label, "%s%s%s", s->ceremonies[i].id,
			 quarters[0] ? " \xe2\x86\x92 " : "", quarters);
		svg_vline(out, xpos(&sp, s->ceremonies[i].date), TOP - 8, bottom, "#888", "2 3",
			  label, TOP - 10, -35);
	}
	for (size_t i = 0; i < s->nmilestones; i++) { /* labels staggered: dates can be close */
		int drop = (int)(i % 2) * 40;

		svg_vline(out, xpos(&sp, day(s->milestone_dates[i])), TOP - 8, bottom + 24 + drop,
			  "#d62728", "6 3", s->milestone_labels[i], bottom + 30 + drop, 30);
	}
	fputs("</svg>\n", out);
	return ferror(out) ? -1 : 0;
}
