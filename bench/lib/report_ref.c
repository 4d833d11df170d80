/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the "ref" column, each catalogue id in it a link to where the repository's
 * own docs explain it (emulator/doc/quirks.md, signer/doc/checks.md). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "hsmlab/bench/report.h"
#include "hsmlab/paths.h"

#ifndef HSMLAB_BENCH_DOC_BASE
#error "HSMLAB_BENCH_DOC_BASE (the docs' base path or URL) must be defined by the build"
#endif

static int word_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '_';
}

/* The doc a word of a ref names, or NULL: a quirk row (K1, L13, G16), the baseline every
 * profile must meet, or a signer policy check (SKR-SIG-VERIFY: capitals and dashes). */
static const char *doc_for(const char *w, size_t n)
{
	size_t digits = 0, dashes = 0;

	if (n >= 2 && n <= 3 && strchr("KLG", w[0]) != NULL) {
		for (size_t i = 1; i < n; i++)
			digits += isdigit((unsigned char)w[i]) != 0;
		if (digits == n - 1 && w[1] != '0')
			return "emulator/doc/quirks.md";
	}
	if (n == 8 && strncmp(w, "baseline", n) == 0)
		return "emulator/doc/quirks.md";
	for (size_t i = 0; i < n; i++) {
		if (w[i] == '-')
			dashes++;
		else if (!isupper((unsigned char)w[i]) && !isdigit((unsigned char)w[i]))
			return NULL;
	}
	return dashes > 0 && isupper((unsigned char)w[0]) ? "signer/doc/checks.md" : NULL;
}

/* Text outside links: Markdown table cells cannot hold '|' or newlines; HTML is escaped. */
static void text(FILE *out, const char *s, size_t n, int html)
{
	char buf[2] = { 0, 0 };

	for (size_t i = 0; i < n; i++) {
		buf[0] = s[i];
		if (html)
			hl_report_xml_escape(out, buf);
		else if (s[i] == '|')
			fputs("\\|", out);
		else
			fputc(s[i] == '\n' ? ' ' : s[i], out);
	}
}

static void link(FILE *out, const char *doc, const char *w, size_t n, int html)
{
	/* The configured base (a URL for reports that travel), else the docs where this binary
	 * runs: the source tree, or the installed copy. */
	const char *base = HSMLAB_BENCH_DOC_BASE[0] ? HSMLAB_BENCH_DOC_BASE : hl_paths_get()->docs;

	if (html) {
		/* A local tree is a path: browsers need it as a file:// URL. */
		fputs(base[0] == '/' ? "<a href=\"file://" : "<a href=\"", out);
		hl_report_xml_escape(out, base);
		fprintf(out, "/%s#", doc);
	} else {
		fprintf(out, "[%.*s](%s/%s#", (int)n, w, base, doc);
	}
	for (size_t i = 0; i < n; i++)
		fputc(tolower((unsigned char)w[i]), out);
	if (html)
		fprintf(out, "\">%.*s</a>", (int)n, w);
	else
		fputc(')', out);
}

void hl_report_ref(FILE *out, const char *ref, int html)
{
	const char *s = ref ? ref : "";

	while (*s) {
		size_t skip = 0, n = 0;
		const char *doc;

		while (s[skip] && !word_char(s[skip]))
			skip++;
		text(out, s, skip, html);
		s += skip;
		while (word_char(s[n]))
			n++;
		doc = n ? doc_for(s, n) : NULL;
		if (doc)
			link(out, doc, s, n, html);
		else
			text(out, s, n, html);
		s += n;
	}
}
