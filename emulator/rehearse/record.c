/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: the record. Each step, contingency and exception is one JSON line
 * (records.jsonl, for machines) and one HTML fragment (body.html), appended and fsync'ed
 * before the state that counts them is committed; a resume cuts both back to the committed
 * size. The transcript (transcript.html) is the fragments inside a printable page, with the
 * audit section and the participants' sign-off table of the published ceremony scripts. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmlab/ksr.h"
#include "rehearse.h"

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static FILE *open_in(const hl_rh_run_t *r, const char *name, const char *mode)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	return fopen(path, mode);
}

long hl_rh_record_size(const hl_rh_run_t *r, const char *name)
{
	char path[700];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Cuts a file back to size (0: removes it); a record past the state was never counted. */
static int cut(const hl_rh_run_t *r, const char *name, long size)
{
	char path[700];
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	if (!size) {
		unlink(path);
		return 0;
	}
	return truncate(path, size);
}

int hl_rh_record_truncate(const hl_rh_run_t *r, long records, long body)
{
	return cut(r, "records.jsonl", records) | cut(r, "body.html", body);
}

static int sync_close(FILE *f)
{
	bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

/* ,"key":"value" */
static void json_field(FILE *f, const char *key, const char *value)
{
	fprintf(f, ",\"%s\":", key);
	json_str(f, value);
}

static void json_line(FILE *f, const hl_rh_run_t *r, const hl_rh_entry_t *e, const char *iso)
{
	const hl_rh_step_t *st = e->st;
	fputs("{\"kind\":", f);
	json_str(f, e->kind);
	if (st) {
		json_field(f, "step", st->id);
		json_field(f, "act", r->s->acts[st->act]);
		json_field(f, "role", st->role);
		json_field(f, "says", st->say);
		json_field(f, "script", st->run);
	}
	json_field(f, "device_time", iso);
	json_field(f, "command", e->command);
	fprintf(f, ",\"exit\":%d", e->exit_code);
	json_field(f, "output", e->output);
	json_field(f, "initials", e->initials);
	json_field(f, "note", e->note);
	fputs("}\n", f);
}

static void html_row(FILE *f, const hl_rh_run_t *r, const hl_rh_entry_t *e, const char *iso)
{
	const hl_rh_step_t *st = e->st;
	const char *dot = st ? strchr(st->id, '.') : NULL;
	if (st && !strcmp(e->kind, "step") && dot && !strcmp(dot, ".1")) {
		fprintf(f, "<tr class=act><th colspan=5>Act %d: ", st->act + 1);
		hl_xml_put_escaped(f, r->s->acts[st->act]);
		fputs("</th></tr>\n", f);
	}
	fprintf(f, "<tr class=\"%s\"><td>%s</td><td>", e->kind, st ? st->id : "");
	hl_xml_put_escaped(f, st ? st->role : "");
	fputs("</td><td>", f);
	hl_xml_put_escaped(f, iso);
	fputs("</td><td>", f);
	if (!strcmp(e->kind, "exception"))
		fputs("<b>EXCEPTION</b> ", f);
	if (st && st->say && strcmp(e->kind, "exception")) {
		hl_xml_put_escaped(f, st->say);
		fputs("<br>", f);
	}
	if (e->note) {
		hl_xml_put_escaped(f, e->note);
		fputs("<br>", f);
	}
	if (e->command) {
		fputs("<code>$ ", f);
		hl_xml_put_escaped(f, e->command);
		fputs("</code>", f);
	}
	if (e->output && e->output[0]) {
		fputs("<pre>", f);
		hl_xml_put_escaped(f, e->output);
		fputs("</pre>", f);
	}
	fputs("</td><td>", f);
	hl_xml_put_escaped(f, e->initials);
	fputs("</td></tr>\n", f);
}

int hl_rh_record(hl_rh_run_t *r, const hl_rh_entry_t *e)
{
	char iso[32];
	hl_rh_iso(e->time, iso);
	FILE *j = open_in(r, "records.jsonl", "a");
	FILE *h = open_in(r, "body.html", "a");
	if (!j || !h) {
		if (j)
			fclose(j);
		if (h)
			fclose(h);
		return -1;
	}
	json_line(j, r, e, iso);
	html_row(h, r, e, iso);
	return sync_close(j) | sync_close(h);
}

static const char style[] =
    "body{font-family:serif;margin:2em;font-size:11pt}"
    "h1{font-size:16pt}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #444;padding:3px 6px;vertical-align:top;text-align:left}"
    "table.steps{table-layout:fixed}table.steps th:nth-child(1),table.steps th:nth-child(2)"
    "{width:3.6em}table.steps th:nth-child(3){width:12.5em}table.steps th:nth-child(5)"
    "{width:4.5em}td:nth-child(3){white-space:nowrap}pre,code{overflow-wrap:anywhere}"
    "tr.act th{background:#ddd}tr.exception td{background:#fde2e2}"
    "tr.contingency td{background:#fff6d5}pre{margin:2px 0;white-space:pre-wrap;"
    "font-size:8.5pt}code{font-size:9pt}table.signoff td{height:2.2em}"
    "@media print{tr{page-break-inside:avoid}}";

static void copy_body(const hl_rh_run_t *r, FILE *out)
{
	char buf[8192];
	size_t n;
	FILE *b = open_in(r, "body.html", "r");
	while (b && (n = fread(buf, 1, sizeof(buf), b)) > 0)
		fwrite(buf, 1, n, out);
	if (b)
		fclose(b);
}

static void signoff(const hl_rh_run_t *r, FILE *f)
{
	fputs("<h2>Participants' sign-off</h2>\n<p>By signing, each participant confirms the "
	      "steps above were performed as recorded, exceptions included.</p>\n"
	      "<table class=signoff><tr><th>Role</th><th>Printed name</th><th>Signature</th>"
	      "<th>Date</th><th>Time</th></tr>\n",
	      f);
	for (int i = 0; i < r->s->n_roles; i++) {
		fputs("<tr><td>", f);
		hl_xml_put_escaped(f, r->s->roles[i].title);
		fputs(" (", f);
		hl_xml_put_escaped(f, r->s->roles[i].id);
		fputs(")</td><td>", f);
		hl_xml_put_escaped(f, hl_rh_ui_name(r, r->s->roles[i].id));
		fputs("</td><td></td><td></td><td></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

int hl_rh_transcript(hl_rh_run_t *r, const char *audit_html, int audit_failures)
{
	char start[32], end[32];
	hl_rh_iso(r->at ? r->at : hl_rh_now(r) - r->elapsed, start);
	hl_rh_iso(hl_rh_now(r), end);
	FILE *f = open_in(r, "transcript.html.tmp", "w");
	if (!f)
		return -1;
	fputs("<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>", f);
	hl_xml_put_escaped(f, r->s->title);
	fprintf(f, "</title><style>%s</style></head><body>\n<h1>", style);
	hl_xml_put_escaped(f, r->s->title);
	fputs("</h1>\n<p>Rehearsal transcript (hsmlab-rehearse) of ", f);
	hl_xml_put_escaped(f, r->s->path);
	fputs(r->s->place ? ", " : "", f);
	hl_xml_put_escaped(f, r->s->place);
	fprintf(f, ". Device time %s to %s. Exceptions: %d.</p>\n", start, end, r->exceptions);
	fputs("<table class=steps><tr><th>Step</th><th>Role</th><th>Device time</th><th>Said and "
	      "done</th>"
	      "<th>Witness</th></tr>\n",
	      f);
	copy_body(r, f);
	fprintf(f, "</table>\n<h2>Audit logs</h2>\n<p>%s</p>\n%s\n",
		audit_failures ? "<b>Some audit logs did NOT verify.</b>"
			       : "Every device's audit log was exported and verified.",
		audit_html);
	signoff(r, f);
	fputs("</body></html>\n", f);
	if (sync_close(f) != 0)
		return -1;
	char a[700], b[700];
	snprintf(a, sizeof(a), "%s/transcript.html.tmp", r->dir);
	snprintf(b, sizeof(b), "%s/transcript.html", r->dir);
	return rename(a, b);
}
