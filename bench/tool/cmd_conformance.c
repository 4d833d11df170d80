/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench conformance: the suite over several targets, side by side. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsmlab/bench/conformance.h"
#include "hsmlab/bench/report.h"
#include "tool.h"

typedef struct {
	const char *outdir, *markdown, *html, *junit, *json, *write_expect;
	const char *skip[32];
	size_t nskip;
	unsigned shard_k, shard_n; /* 1/1 when not sharded */
	const char **all;          /* every target's name, for the JSON of a shard */
	size_t nall;
	const char *report; /* merge: the reports' base name ("conformance", "scenario") */
	int fixed_rows;
	int quiet, verbose, keep;
} opts_t;

static void usage(FILE *out)
{
	fputs("usage: hsmlab-bench conformance [options] [TARGET...]\n"
	      "Runs the conformance checks against each target (in a child process each) and\n"
	      "compares what each module does with the target's expectation "
	      "file.\n\n" HL_TOOL_TARGET_HELP
	      "  -o, --out DIR           write conformance.md, conformance.html and\n"
	      "                          conformance-junit.xml into DIR\n"
	      "                          conformance.json (what `merge` joins) and summary.html\n"
	      "                          (a sentence per difference between the targets)\n"
	      "      --markdown FILE, --html FILE, --junit FILE, --json FILE   write one report\n"
	      "      --shard K/N         run only targets K, K+N, K+2N... of the list (1-based),\n"
	      "                          for a CI job matrix; join the JSON with `merge`\n"
	      "      --write-expect DIR  write DIR/<target>.expect from what was observed\n"
	      "      --list              list the checks and exit\n"
	      "      --skip GLOB         do not run the checks matching GLOB (repeatable; for a\n"
	      "                          module that crashes on one)\n"
	      "      --keep              keep the run directory (token stores) and print it\n"
	      "  -v, --verbose           print every observation\n"
	      "  -q, --quiet             print nothing but errors\n"
	      "exit codes: 0 as expected, 1 unexpected differences, 2 usage or input error,\n"
	      "            3 a target could not be prepared or run\n",
	      out);
}

typedef struct {
	const hl_matrix_t *m;
	const opts_t *o;
} writer_arg_t;

static int matrix_writer(const void *obj, int kind, FILE *f)
{
	const writer_arg_t *a = obj;

	switch (kind) {
	case 0:
		return hl_report_markdown(a->m, f);
	case 1:
		return hl_report_html(a->m, f, 0);
	case 2:
		return hl_report_junit(a->m, f, 0);
	case 4:
		return hl_report_html_summary_page(a->m, f, "conformance.html");
	default: {
		hl_matrix_run_t run = { a->o->report, a->o->shard_k, a->o->shard_n,
					a->o->all,    a->o->nall,    a->o->fixed_rows };

		return hl_matrix_write_json(a->m, f, &run);
	}
	}
}

static int write_reports(const hl_matrix_t *m, const opts_t *o)
{
	static const char *const suffix[] = { ".md", ".html", "-junit.xml", ".json", NULL };
	const char *single[] = { o->markdown, o->html, o->junit, o->json, NULL };
	writer_arg_t arg = { m, o };
	char path[4096];
	int rc = 0;

	if (o->outdir != NULL && mkdir(o->outdir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "hsmlab-bench: %s: %s\n", o->outdir, strerror(errno));
		return -1;
	}
	for (int k = 0; k < 5; k++) {
		if (o->outdir != NULL) {
			if (suffix[k] == NULL)
				snprintf(path, sizeof path, "%s/summary.html", o->outdir);
			else
				snprintf(path, sizeof path, "%s/%s%s", o->outdir,
					 o->report ? o->report : "conformance", suffix[k]);
			rc |= hl_tool_write_file(path, matrix_writer, &arg, k);
		}
		if (single[k] != NULL)
			rc |= hl_tool_write_file(single[k], matrix_writer, &arg, k);
	}
	return rc;
}

static int write_expects(const hl_matrix_t *m, const char *dir)
{
	char path[4096];

	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "hsmlab-bench: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (size_t c = 0; c < hl_matrix_columns(m); c++) {
		FILE *f;

		snprintf(path, sizeof path, "%s/%s.expect", dir, hl_matrix_column_name(m, c));
		f = fopen(path, "w");
		if (f == NULL || hl_conformance_write_expect(m, (int)c, f) != 0 || fclose(f) != 0) {
			fprintf(stderr, "hsmlab-bench: %s: cannot write\n", path);
			return -1;
		}
	}
	return 0;
}

/* Prints the per-target summary and every unexpected difference; returns the exit code. */
static int summarise(const hl_matrix_t *m, int quiet)
{
	int code = HL_EXIT_OK;

	for (size_t c = 0; c < hl_matrix_columns(m); c++) {
		size_t diff = hl_matrix_count(m, c, HL_CELL_DIFF);

		if (!quiet)
			printf(
			    "%-16s %3zu as expected, %3zu unexpected, %3zu without expectation\n",
			    hl_matrix_column_name(m, c), hl_matrix_count(m, c, HL_CELL_MATCH), diff,
			    hl_matrix_count(m, c, HL_CELL_NEW));
		if (diff > 0)
			code = HL_EXIT_DIFF;
		for (size_t r = 0; r < hl_matrix_rows(m); r++) {
			const hl_cell_t *cell = hl_matrix_cell(m, r, c);

			if (strcmp(hl_matrix_row_id(m, r), "suite.completed") == 0 &&
			    cell->observed && strcmp(cell->observed, "yes") != 0) {
				fprintf(stderr,
					"hsmlab-bench: %s: suite did not complete: %s%s%s\n",
					hl_matrix_column_name(m, c), cell->observed,
					cell->detail ? ": " : "", cell->detail ? cell->detail : "");
				code = HL_EXIT_TARGET;
			}
			if (cell->status == HL_CELL_DIFF)
				fprintf(stderr, "UNEXPECTED %s: %s: expected %s, observed %s\n",
					hl_matrix_column_name(m, c), hl_matrix_row_id(m, r),
					cell->expected, cell->observed);
		}
	}
	return code;
}

static int run_all(hl_tool_targets_t *ts, const opts_t *o)
{
	hl_matrix_t *m = hl_matrix_new("PKCS#11 conformance");
	char *rundir = hl_tool_rundir_new(), err[1024];
	int code = HL_EXIT_OK;

	if (m == NULL || rundir == NULL) {
		code = HL_EXIT_TARGET;
		goto out;
	}
	for (size_t i = 0; i < ts->n; i++) {
		int col;

		if (!hl_matrix_shard_picks(i, o->shard_k, o->shard_n))
			continue;
		col = hl_matrix_column(m, hl_bench_target_name(ts->v[i]));
		if (!o->quiet)
			fprintf(stderr, "conformance: %s ...\n", hl_bench_target_name(ts->v[i]));
		if (col < 0 ||
		    hl_conformance_run(ts->v[i], rundir, m, col, o->verbose ? stderr : NULL, err,
				       sizeof err) != 0) {
			fprintf(stderr, "hsmlab-bench: %s\n", col < 0 ? "out of memory" : err);
			code = HL_EXIT_USAGE;
			goto out;
		}
	}
	code = summarise(m, o->quiet);
	if (write_reports(m, o) != 0 || (o->write_expect && write_expects(m, o->write_expect)))
		code = HL_EXIT_USAGE;
out:
	if (o->keep && rundir != NULL) {
		fprintf(stderr, "conformance: run directory kept: %s\n", rundir);
		free(rundir);
	} else {
		hl_tool_rundir_remove(rundir);
	}
	hl_matrix_free(m);
	return code;
}

static void list_checks(void)
{
	for (const hl_conformance_check_t *c = hl_conformance_checks(); c->id != NULL; c++)
		printf("%-34s %-14s %s\n", c->id, c->ref, c->title);
	printf("%-34s %-14s %s\n", "mech.<CKM name>", "spec",
	       "one row per announced mechanism: keygen or round trip");
}

int hl_tool_conformance(int argc, char **argv)
{
	static const struct option longopts[] = {
		HL_TOOL_TARGET_OPTIONS,
		{ "out", required_argument, NULL, 'o' },
		{ "markdown", required_argument, NULL, 2001 },
		{ "html", required_argument, NULL, 2002 },
		{ "junit", required_argument, NULL, 2003 },
		{ "write-expect", required_argument, NULL, 2004 },
		{ "list", no_argument, NULL, 2005 },
		{ "keep", no_argument, NULL, 2006 },
		{ "skip", required_argument, NULL, 2007 },
		{ "json", required_argument, NULL, 2008 },
		{ "shard", required_argument, NULL, 2009 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	hl_tool_targets_t ts = { 0 };
	opts_t o = { .shard_k = 1, .shard_n = 1 };
	int opt, code = HL_EXIT_USAGE;

	while ((opt = getopt_long(argc, argv, "-t:m:o:vqh", longopts, NULL)) != -1) {
		int r = hl_tool_target_option(&ts, opt, optarg);

		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		switch (opt) {
		case 1: /* a bare target name, kept in command-line order ("-" in optstring) */
			if (hl_tool_target_add(&ts, optarg) != 0)
				goto out;
			break;
		case 'o':
			o.outdir = optarg;
			break;
		case 2001:
			o.markdown = optarg;
			break;
		case 2002:
			o.html = optarg;
			break;
		case 2003:
			o.junit = optarg;
			break;
		case 2004:
			o.write_expect = optarg;
			break;
		case 2005:
			list_checks();
			code = HL_EXIT_OK;
			goto out;
		case 2006:
			o.keep = 1;
			break;
		case 2007:
			if (o.nskip == sizeof o.skip / sizeof o.skip[0]) {
				fprintf(stderr, "hsmlab-bench: too many --skip\n");
				goto out;
			}
			o.skip[o.nskip++] = optarg;
			break;
		case 2008:
			o.json = optarg;
			break;
		case 2009:
			if (hl_matrix_shard_parse(optarg, &o.shard_k, &o.shard_n) != 0) {
				fprintf(stderr, "hsmlab-bench: --shard %s: want K/N, 1 <= K <= N\n",
					optarg);
				goto out;
			}
			break;
		case 'v':
			o.verbose = 1;
			break;
		case 'q':
			o.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			code = HL_EXIT_OK;
			goto out;
		default:
			usage(stderr);
			goto out;
		}
	}
	for (; optind < argc; optind++)
		if (hl_tool_target_add(&ts, argv[optind]) != 0)
			goto out;
	if (ts.n == 0) {
		fprintf(stderr, "hsmlab-bench conformance: no target (try: softhsm2)\n");
		goto out;
	}
	hl_conformance_skip(o.skip, o.nskip);
	if ((o.all = calloc(ts.n, sizeof *o.all)) == NULL) {
		fprintf(stderr, "hsmlab-bench: out of memory\n");
		goto out;
	}
	for (o.nall = 0; o.nall < ts.n; o.nall++)
		o.all[o.nall] = hl_bench_target_name(ts.v[o.nall]);
	code = run_all(&ts, &o);
out:
	free(o.all);
	hl_tool_targets_free(&ts);
	return code;
}

static void merge_usage(FILE *out)
{
	fputs("usage: hsmlab-bench merge [options] SHARD.json...\n"
	      "Joins the JSON results of `conformance --shard K/N` runs (every K of one N) into\n"
	      "the reports one unsharded run writes, and exits as that run would have.\n"
	      "  -o, --out DIR           write conformance.md, .html, -junit.xml, .json and\n"
	      "                          summary.html\n"
	      "      --markdown FILE, --html FILE, --junit FILE, --json FILE   write one report\n"
	      "  -q, --quiet             print nothing but errors\n"
	      "exit codes: 0 as expected, 1 unexpected differences, 2 usage or input error,\n"
	      "            3 a shard's target could not be run\n",
	      out);
}

int hl_tool_merge(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' }, { "markdown", required_argument, NULL, 1 },
		{ "html", required_argument, NULL, 2 },  { "junit", required_argument, NULL, 3 },
		{ "json", required_argument, NULL, 4 },  { "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },      { NULL, 0, NULL, 0 },
	};
	opts_t o = { .shard_k = 1, .shard_n = 1 };
	const char **single[] = { &o.markdown, &o.html, &o.junit, &o.json };
	char err[1024], report[64];
	hl_matrix_t *m;
	int opt, code;

	while ((opt = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		if (opt >= 1 && opt <= 4)
			*single[opt - 1] = optarg;
		else if (opt == 'o')
			o.outdir = optarg;
		else if (opt == 'q')
			o.quiet = 1;
		else {
			merge_usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? HL_EXIT_OK : HL_EXIT_USAGE;
		}
	}
	if (optind < argc &&
	    hl_matrix_json_info(argv[optind], report, sizeof report, &o.fixed_rows) == 0)
		o.report = report; /* the shards' own kind: conformance.* or scenario.* */
	m = hl_matrix_merge_json((const char *const *)argv + optind, (size_t)(argc - optind), err,
				 sizeof err);
	if (m == NULL) {
		fprintf(stderr, "hsmlab-bench merge: %s\n", err);
		return HL_EXIT_USAGE;
	}
	code = summarise(m, o.quiet);
	if (write_reports(m, &o) != 0)
		code = HL_EXIT_USAGE;
	hl_matrix_free(m);
	return code;
}
