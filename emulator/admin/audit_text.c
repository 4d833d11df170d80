/* SPDX-License-Identifier: BSD-2-Clause
 * Audit exports for people: see audit_text.h. Only the text is read here; whether the chain
 * holds is the verifier's (hl_audit_verify_file_keys, the family's audit_verify). */
#include "audit_text.h"

#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 12

/* Splits line (modified) at single spaces; returns the number of fields. */
static int split(char *line, char **f)
{
	int n = 0;
	line[strcspn(line, "\r\n")] = 0;
	for (char *s = strtok(line, " "); s && n < MAX_FIELDS; s = strtok(NULL, " "))
		f[n++] = s;
	return n;
}

/* The field's text: "-" is empty, %XX a byte (formats.md §1.3); bytes below 0x20 as '.'. */
static void decode(const char *in, char *out, size_t n)
{
	size_t o = 0;
	if (!strcmp(in, "-"))
		in = "";
	for (; *in && o + 1 < n; in++) {
		unsigned v;
		if (in[0] == '%' && in[1] && in[2] && sscanf(in + 1, "%2x", &v) == 1) {
			out[o++] = v < 0x20 || v == 0x7f ? '.' : (char)v;
			in += 2;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

/* Opens the export and checks its header; NULL with err set when it is none. */
static FILE *open_export(const char *path, int *version, char *serial, char *err, size_t errlen)
{
	char line[256];
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: cannot open the export", path);
		return NULL;
	}
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "hsmlab-audit %d %63s", version, serial) != 2 ||
	    (*version != 1 && *version != 2)) {
		snprintf(err, errlen, "%s:1: not an hsmlab audit export (no \"hsmlab-audit 1|2\")",
			 path);
		fclose(f);
		return NULL;
	}
	return f;
}

int hl_audit_text_show(const char *path, FILE *out, char *err, size_t errlen)
{
	char line[8192], serial[64], subject[512], details[4096], *f[MAX_FIELDS];
	int version = 0, lineno = 1;
	FILE *in = open_export(path, &version, serial, err, errlen);
	if (!in)
		return -1;
	fprintf(out, "audit log of device %s (export version %d)\n", serial, version);
	fprintf(out, "%5s  %-20s  %-12s  %-18s  %-24s  %s\n", "SEQ", "DEVICE TIME (UTC)", "EVENT",
		"SUBJECT", "KEY", "DETAILS");
	while (fgets(line, sizeof(line), in)) {
		int n = split(line, f);
		lineno++;
		if (n >= 4 && !strcmp(f[0], "end")) {
			fprintf(out, "end: %s records\n", f[1]);
			continue;
		}
		if (n != (version == 2 ? 10 : 9)) {
			snprintf(err, errlen, "%s:%d: a record has %d fields, not %d", path, lineno,
				 n, version == 2 ? 10 : 9);
			fclose(in);
			return -1;
		}
		decode(f[4], subject, sizeof(subject));
		decode(f[5], details, sizeof(details));
		fprintf(out, "%5s  %-20s  %-12s  %-18s  %-24.24s  %s\n", f[0], f[2], f[3], subject,
			version == 2 ? f[8] : "device", details);
	}
	fclose(in);
	return 0;
}

int hl_audit_text_backwards(const char *path, const char *prog, FILE *out)
{
	char line[8192], serial[64], err[512], *f[MAX_FIELDS], last_iso[32] = "";
	int version = 0, lineno = 1, warned = 0;
	long long last = 0;
	unsigned long long last_seq = 0;
	FILE *in = open_export(path, &version, serial, err, sizeof(err));
	if (!in)
		return -1;
	while (fgets(line, sizeof(line), in)) {
		int n = split(line, f);
		lineno++;
		if (n < 9 || !strcmp(f[0], "end"))
			continue;
		long long t = strtoll(f[1], NULL, 10);
		if (last_iso[0] && t < last) {
			fprintf(out,
				"%s: warning: %s:%d: device time runs backwards: seq %s at %s, "
				"after seq %llu at %s (%lld s earlier)\n",
				prog, path, lineno, f[0], f[2], last_seq, last_iso, last - t);
			warned++;
		}
		last = t;
		last_seq = strtoull(f[0], NULL, 10);
		snprintf(last_iso, sizeof(last_iso), "%s", f[2]);
	}
	fclose(in);
	return warned;
}
