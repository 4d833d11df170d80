/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-quirk-table: the switch table of emulator/doc/quirks.md, generated from the two
 * sources of truth, the quirk registry (the core's rows and each family's) and the profiles
 * as the loader reads them (issue 16: the catalogue cannot drift from the code). One line per
 * registry row: its catalogue id, type, who reads it, and per profile whether it is on, its
 * value and where that comes from (doc, field, guess). The check that the checked-in table
 * equals this output is tests/emulator/families/quirk_table.sh; --write DOC regenerates it
 * between the markers. Exit codes: 0 done, 1 a profile or the doc cannot be used, 2 usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/hl_family.h"
#include "device/hl_profile.h"
#include "device/hl_quirk.h"
#include "keyper/hl_keyper.h"
#include "luna/hl_luna.h"
#include "p11/hl_p11.h"

/* The p11 layer the families link asks which module it is; this tool is none (it loads
 * profiles, never serves a device), so it answers as the generic module does. */
const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

#define MAX_PROFILES 8
#define BEGIN "<!-- BEGIN hsmlab-quirk-table"
#define END "<!-- END hsmlab-quirk-table -->"

static void usage(FILE *f)
{
	fputs("usage: hsmlab-quirk-table [--write DOC] PROFILE.conf...\n"
	      "\n"
	      "Prints the switch table of emulator/doc/quirks.md: every quirk registry row (the\n"
	      "core's, then each family's) with each profile's setting and its source. --write\n"
	      "DOC replaces the table between the doc's \"" BEGIN "\" and \"" END "\"\n"
	      "lines instead.\n",
	      f);
}

static const char *reader_name(hl_quirk_reader_t r)
{
	switch (r) {
	case HL_QUIRK_READ_DATA:
		return "data (no code)";
	case HL_QUIRK_READ_CORE:
		return "core";
	case HL_QUIRK_READ_VENDOR:
		return "vendor filter";
	case HL_QUIRK_READ_GENERAL:
		return "general filter";
	case HL_QUIRK_READ_FAMILY:
		return "family";
	}
	return "?";
}

static const char *type_name(hl_quirk_type_t t)
{
	static const char *const names[] = { "bool", "number", "CKR",   "string",
					     "list", "m of n", "words", "data" };
	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

/* Markdown table text: a '|' would end the cell, a newline the row, '*' start emphasis. */
static void put_cell(FILE *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|' || *s == '*')
			fprintf(out, "\\%c", *s);
		else
			fputc(*s == '\n' ? ' ' : *s, out);
	}
}

/* A profile's setting of switch name: "—" when the profile does not name it. */
static void put_setting(FILE *out, const hl_profile_t *p, const char *name)
{
	for (size_t i = 0; i < p->n_quirks; i++) {
		const hl_profile_switch_t *q = &p->quirks[i];
		if (strcmp(q->name, name) != 0)
			continue;
		fputs(q->on ? "on" : "off", out);
		if (q->on && q->value && q->value[0]) {
			fputs(": `", out);
			put_cell(out, q->value);
			fputc('`', out);
		}
		fprintf(out, " (%s)", q->source);
		return;
	}
	fputs("—", out);
}

static void put_rows(FILE *out, const hl_quirk_row_t *rows, size_t n, const char *owner,
		     hl_profile_t *const *p, size_t np)
{
	for (size_t i = 0; i < n && rows[i].name; i++) {
		const hl_quirk_row_t *r = &rows[i];
		fprintf(out, "| `%s` | %s | %s | %s | %s: ", r->name, r->id, owner,
			type_name(r->type), reader_name(r->reader));
		put_cell(out, r->reads);
		for (size_t j = 0; j < np; j++) {
			fputs(" | ", out);
			/* A family's row is a switch of that family's profiles only (two
			 * families may name a switch alike: card_format). */
			if (strcmp(owner, "core") && strcmp(owner, p[j]->family))
				fputs("—", out);
			else
				put_setting(out, p[j], r->name);
		}
		fputs(" |\n", out);
	}
}

static void put_table(FILE *out, hl_profile_t *const *p, size_t np)
{
	static const hl_family_t *const fams[] = { &hl_keyper_family, &hl_luna_family };
	fputs("| switch | row | declared by | type | read by | ", out);
	for (size_t j = 0; j < np; j++)
		fprintf(out, "%s%s", p[j]->name, j + 1 < np ? " | " : " |\n");
	fputs("|---|---|---|---|---|", out);
	for (size_t j = 0; j < np; j++)
		fputs("---|", out);
	fputc('\n', out);
	put_rows(out, hl_quirk_core_rows, hl_quirk_core_count, "core", p, np);
	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++)
		put_rows(out, fams[f]->quirks, SIZE_MAX, fams[f]->name, p, np);
}

/* The doc with the text between its markers replaced by the table (the marker lines kept). */
static int write_doc(const char *path, hl_profile_t *const *p, size_t np)
{
	FILE *in = fopen(path, "r");
	char tmp[4096], line[8192];
	int state = 0; /* 0 before the table, 1 inside, 2 after */
	if (!in) {
		fprintf(stderr, "hsmlab-quirk-table: %s: cannot read\n", path);
		return 1;
	}
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *out = fopen(tmp, "w");
	while (out && fgets(line, sizeof(line), in)) {
		if (state == 1 && !strncmp(line, END, strlen(END)))
			state = 2;
		if (state != 1)
			fputs(line, out);
		if (state == 0 && !strncmp(line, BEGIN, strlen(BEGIN))) {
			put_table(out, p, np);
			state = 1;
		}
	}
	fclose(in);
	if (!out || fclose(out) != 0 || state != 2) {
		fprintf(stderr, "hsmlab-quirk-table: %s: %s\n", path,
			!out || state == 2 ? "cannot write the new doc"
					   : "no \"" BEGIN "\" ... \"" END "\" lines");
		remove(tmp);
		return 1;
	}
	return rename(tmp, path) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	hl_profile_t *p[MAX_PROFILES];
	size_t np = 0;
	const char *doc = NULL;
	char err[512];
	int i = 1, rc = 0;
	if (argc > 2 && !strcmp(argv[1], "--write")) {
		doc = argv[2];
		i = 3;
	}
	if (i >= argc || argc - i > MAX_PROFILES || argv[i][0] == '-') {
		usage(i < argc && !strcmp(argv[i], "--help") ? stdout : stderr);
		return i < argc && !strcmp(argv[i], "--help") ? 0 : 2;
	}
	/* The families' rows must be known for the loader to check and keep their switches. */
	if (hl_family_register(&hl_keyper_family) != HL_OK ||
	    hl_family_register(&hl_luna_family) != HL_OK) {
		fputs("hsmlab-quirk-table: cannot register the families\n", stderr);
		return 1;
	}
	for (; i < argc && rc == 0; i++) {
		if (hl_profile_load(argv[i], &p[np], err, sizeof(err)) != HL_OK) {
			fprintf(stderr, "hsmlab-quirk-table: %s\n", err);
			rc = 1;
		} else {
			np++;
		}
	}
	if (rc == 0 && doc)
		rc = write_doc(doc, p, np);
	else if (rc == 0)
		put_table(stdout, p, np);
	for (size_t j = 0; j < np; j++)
		hl_profile_free(p[j]);
	return rc;
}
