/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench run: the default lab in one command — the conformance matrix over every
 * target whose module is present, and a short benchmark, written into a report folder.
 * Then the scenario runner's full replay (fixtures/scenarios/), into the same folder,
 * unless --no-scenario (the replay has its own tests and takes most of the time). */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmlab/paths.h"
#include "tool.h"

int hl_tool_scenario(int argc, char **argv); /* cmd_scenario.c */

static void usage(FILE *out)
{
	fputs("usage: hsmlab-bench run [-o DIR] [--full] [--no-scenario] [--fixtures DIR]\n"
	      "Runs the conformance suite against every target in the fixtures folder whose\n"
	      "module is present (others are listed as skipped), then the benchmark in smoke\n"
	      "mode (--full: the whole benchmark), and writes DIR (default: reports/latest):\n"
	      "conformance.md/.html/-junit.xml, perf.json, perf.md, then the ceremony replay\n"
	      "(hsmlab-bench scenario: scenario.md/.html/-junit.xml, timeline-*.svg; the\n"
	      "conformance matrix embedded in scenario.html) and summary.md.\n"
	      "--no-scenario leaves the replay out (a module check in seconds, not a minute).\n"
	      "exit codes: as for conformance (0, 1 unexpected differences, 2, 3)\n",
	      out);
}

/* Target names (fixtures/<name>.conf) whose module file exists; the rest are reported. */
static int available(const char *fixtures, char names[][64], int max)
{
	DIR *d = opendir(fixtures);
	struct dirent *e;
	int n = 0;

	if (d == NULL) {
		fprintf(stderr, "hsmlab-bench: %s: %s\n", fixtures, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		hl_tool_targets_t one = { 0 };
		char *rundir, err[512];

		if (len < 6 || len > 60 || strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(names[n], 64, "%.*s", (int)(len - 5), e->d_name);
		rundir = hl_tool_rundir_new();
		if (rundir != NULL && hl_tool_target_add(&one, names[n]) == 0 &&
		    hl_bench_target_resolve(one.v[0], rundir, err, sizeof err) == 0 &&
		    access(hl_bench_target_module(one.v[0]), R_OK) == 0)
			n++;
		else
			fprintf(stderr, "run: target %s skipped: its module is not there\n",
				names[n]);
		hl_tool_targets_free(&one);
		hl_tool_rundir_remove(rundir);
	}
	closedir(d);
	return n;
}

static int cat_into(FILE *out, const char *path)
{
	char buf[4096];
	size_t n;
	FILE *in = fopen(path, "r");

	if (in == NULL)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	return 0;
}

int hl_tool_run(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },    { "full", no_argument, NULL, 1 },
		{ "fixtures", required_argument, NULL, 2 }, { "no-scenario", no_argument, NULL, 3 },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	const char *out = "reports/latest", *fixtures = getenv("HSMLAB_BENCH_FIXTURES");
	char names[16][64], json[4096], md[4096], path[4096];
	char *cargv[24], *pargv[32];
	char chtml[4096], *sargv[8], dflt[4096];
	int opt, full = 0, replay = 1, n, cn = 0, pn = 0, code, pcode, scode = HL_EXIT_OK;
	FILE *f;

	while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 1:
			full = 1;
			break;
		case 2:
			fixtures = optarg;
			break;
		case 3:
			replay = 0;
			break;
		case 'h':
			usage(stdout);
			return HL_EXIT_OK;
		default:
			usage(stderr);
			return HL_EXIT_USAGE;
		}
	}
	if (fixtures == NULL) {
		snprintf(dflt, sizeof dflt, "%s/conformance", hl_paths_get()->data);
		fixtures = dflt;
	}
	setenv("HSMLAB_BENCH_FIXTURES", fixtures, 1);
	if ((n = available(fixtures, names, 16)) <= 0) {
		fprintf(stderr, "hsmlab-bench run: no target with its module present in %s\n",
			fixtures);
		return HL_EXIT_TARGET;
	}
	if (strcmp(out, "reports/latest") == 0)
		mkdir("reports", 0755); /* the default's parent; -o DIR's parent must exist */
	snprintf(json, sizeof json, "%s/perf.json", out);
	snprintf(md, sizeof md, "%s/perf.md", out);
	cargv[cn++] = "conformance";
	cargv[cn++] = "-o";
	cargv[cn++] = (char *)out;
	pargv[pn++] = "perf";
	pargv[pn++] = full ? "--runs=3" : "--smoke";
	pargv[pn++] = "--json";
	pargv[pn++] = json;
	pargv[pn++] = "--markdown";
	pargv[pn++] = md;
	for (int i = 0; i < n; i++)
		cargv[cn++] = pargv[pn++] = names[i];
	cargv[cn] = pargv[pn] = NULL;
	optind = 0; /* the subcommands parse their own argument lists */
	code = hl_tool_conformance(cn, cargv);
	optind = 0;
	pcode = hl_tool_perf(pn, pargv);
	snprintf(chtml, sizeof chtml, "%s/conformance.html", out);
	sargv[0] = "scenario";
	sargv[1] = "-o";
	sargv[2] = (char *)out;
	sargv[3] = "--conformance-html";
	sargv[4] = chtml;
	sargv[5] = NULL;
	optind = 0;
	if (replay)
		scode = hl_tool_scenario(5, sargv);
	snprintf(path, sizeof path, "%s/summary.md", out);
	f = fopen(path, "w");
	if (f != NULL) {
		char conf[4096];

		snprintf(conf, sizeof conf, "%s/conformance.md", out);
		fputs("# hsmlab bench report\n\n", f);
		cat_into(f, conf);
		fputs("\n## Performance\n\n", f);
		cat_into(f, md);
		if (replay) {
			snprintf(conf, sizeof conf, "%s/scenario.md", out);
			fputs("\n", f);
			cat_into(f, conf);
		}
		fclose(f);
		fprintf(stderr, "run: report written to %s/\n", out);
	}
	return code != HL_EXIT_OK ? code : pcode != HL_EXIT_OK ? pcode : scode;
}
