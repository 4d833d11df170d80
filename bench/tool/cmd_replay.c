/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench replay: a trace recorded by libhsmlab-trace.so re-issued against targets,
 * side by side, with the first divergence of each. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsmlab/bench/replay.h"
#include "hsmlab/bench/report.h"
#include "tool.h"

typedef struct {
	const char *outdir, *markdown, *json, *divergences;
	unsigned shard_k, shard_n, context;
	const char **all;
	size_t nall;
	int fail_on_divergence, quiet, verbose, keep;
} opts_t;

static void usage(FILE *out)
{
	fputs(
	    "usage: hsmlab-bench replay [options] TRACE [TARGET...]\n"
	    "Re-issues the calls of TRACE (JSON Lines from libhsmlab-trace.so) against each\n"
	    "target (in a child process each): slot ids and handles are mapped, PINs come from\n"
	    "the target's setup, keys the trace generated are generated again. Compares each\n"
	    "call's return code and output shape (lengths, counts, which attributes came back;\n"
	    "never the bytes) with the recording and reports the first divergence per target\n"
	    "with the calls before it.\n\n"
	    "Targets: bare names or -t as for `conformance` (hsmlab-strict, hsmlab-keyper,\n"
	    "hsmlab-luna, softhsm2); -m takes those names too, and strict, keyper, "
	    "luna.\n\n" HL_TOOL_TARGET_HELP
	    "  -o, --out DIR           write replay.md, replay.html, "
	    "replay-junit.xml, replay.json\n"
	    "                          (what `merge` joins) and divergences.md, divergences.json\n"
	    "      --markdown FILE, --json FILE   write one matrix report\n"
	    "      --divergences FILE  the first divergence per target (Markdown; .json: JSON)\n"
	    "      --context N         calls shown before each first divergence (default 4)\n"
	    "      --shard K/N         replay only targets K, K+N, K+2N... (1-based)\n"
	    "      --fail-on-divergence  exit 1 when a target diverges\n"
	    "      --keep              keep the run directory and print it\n"
	    "  -v, --verbose           print every replayed call\n"
	    "  -q, --quiet             print nothing but errors\n"
	    "exit codes: 0 replayed (divergences are results, not errors), 1 a target diverged\n"
	    "            with --fail-on-divergence, 2 usage or input error, 3 a target could\n"
	    "            not be prepared or the replay crashed\n",
	    out);
}

/* --module takes a target name (short aliases too) where `conformance` takes a path. */
static int add_module(hl_tool_targets_t *ts, const char *arg)
{
	static const char *const alias[][2] = { { "strict", "hsmlab-strict" },
						{ "keyper", "hsmlab-keyper" },
						{ "luna", "hsmlab-luna" } };

	if (strchr(arg, '/') != NULL || strstr(arg, ".so") != NULL)
		return hl_tool_target_option(ts, 'm', arg);
	for (size_t i = 0; i < sizeof alias / sizeof alias[0]; i++)
		if (strcmp(arg, alias[i][0]) == 0)
			return hl_tool_target_add(ts, alias[i][1]);
	return hl_tool_target_add(ts, arg);
}

typedef struct {
	const hl_matrix_t *m;
	const opts_t *o;
} arg_t;

static int writer(const void *obj, int kind, FILE *f)
{
	const arg_t *a = obj;
	hl_matrix_run_t run = { "replay", a->o->shard_k, a->o->shard_n, a->o->all, a->o->nall, 1 };

	switch (kind) {
	case 0:
		return hl_report_markdown(a->m, f);
	case 1:
		return hl_report_html(a->m, f, 0);
	case 2:
		return hl_report_junit(a->m, f, 0);
	case 3:
		return hl_matrix_write_json(a->m, f, &run);
	default:
		return hl_replay_write_divergences(a->m, a->o->context, f, kind == 5);
	}
}

static int write_reports(const hl_matrix_t *m, const opts_t *o)
{
	static const char *const names[] = { "replay.md",   "replay.html",    "replay-junit.xml",
					     "replay.json", "divergences.md", "divergences.json" };
	arg_t a = { m, o };
	char path[4096];
	int rc = 0;

	if (o->outdir != NULL) {
		if (mkdir(o->outdir, 0755) != 0 && errno != EEXIST) {
			fprintf(stderr, "hsmlab-bench: %s: %s\n", o->outdir, strerror(errno));
			return -1;
		}
		for (int k = 0; k < 6; k++) {
			snprintf(path, sizeof path, "%s/%s", o->outdir, names[k]);
			rc |= hl_tool_write_file(path, writer, &a, k);
		}
	}
	if (o->markdown)
		rc |= hl_tool_write_file(o->markdown, writer, &a, 0);
	if (o->json)
		rc |= hl_tool_write_file(o->json, writer, &a, 3);
	if (o->divergences) {
		size_t len = strlen(o->divergences);
		int json = len > 5 && strcmp(o->divergences + len - 5, ".json") == 0;

		rc |= hl_tool_write_file(o->divergences, writer, &a, json ? 5 : 4);
	}
	return rc;
}

/* One line per target: its first divergence, or none. */
static int summarise(const hl_matrix_t *m, const opts_t *o)
{
	int diverged = 0;

	for (size_t c = 0; c < hl_matrix_columns(m); c++) {
		long r = hl_replay_first_divergence(m, c);
		const hl_cell_t *cell;

		if (strcmp(hl_matrix_column_name(m, c), "recorded") == 0)
			continue;
		if (r < 0) {
			if (!o->quiet)
				printf("%-16s no divergence\n", hl_matrix_column_name(m, c));
			continue;
		}
		diverged = 1;
		cell = hl_matrix_cell(m, (size_t)r, c);
		if (!o->quiet)
			printf("%-16s first divergence at %s: recorded %s, observed %s%s%s\n",
			       hl_matrix_column_name(m, c), hl_matrix_row_id(m, (size_t)r),
			       cell->expected, cell->observed, cell->detail ? " — " : "",
			       cell->detail ? cell->detail : "");
	}
	return diverged;
}

static int run_all(const char *trace, hl_tool_targets_t *ts, const opts_t *o)
{
	char err[1024], *rundir = NULL;
	hl_replay_trace_t *tr = hl_replay_load(trace, err, sizeof err);
	hl_matrix_t *m = hl_matrix_new("PKCS#11 replay");
	int code = HL_EXIT_OK;

	if (tr == NULL) {
		fprintf(stderr, "hsmlab-bench replay: %s\n", err);
		hl_matrix_free(m);
		return HL_EXIT_USAGE;
	}
	if (m == NULL || hl_replay_matrix_init(tr, m) != 0 ||
	    (rundir = hl_tool_rundir_new()) == NULL) {
		code = HL_EXIT_TARGET;
		goto out;
	}
	for (size_t i = 0; i < ts->n; i++) {
		int col;

		if (!hl_matrix_shard_picks(i, o->shard_k, o->shard_n))
			continue;
		col = hl_matrix_column(m, hl_bench_target_name(ts->v[i]));
		if (!o->quiet)
			fprintf(stderr, "replay: %s ...\n", hl_bench_target_name(ts->v[i]));
		if (col < 0 || hl_replay_run(tr, ts->v[i], rundir, m, col,
					     o->verbose ? stderr : NULL, err, sizeof err) != 0) {
			fprintf(stderr, "hsmlab-bench replay: %s\n",
				col < 0 ? "out of memory" : err);
			code = HL_EXIT_TARGET; /* the other targets still run */
		}
	}
	if (summarise(m, o) && o->fail_on_divergence && code == HL_EXIT_OK)
		code = HL_EXIT_DIFF;
	if (write_reports(m, o) != 0)
		code = HL_EXIT_USAGE;
out:
	if (o->keep && rundir != NULL) {
		fprintf(stderr, "replay: run directory kept: %s\n", rundir);
		free(rundir);
	} else {
		hl_tool_rundir_remove(rundir);
	}
	hl_matrix_free(m);
	hl_replay_free(tr);
	return code;
}

/* One of replay's own options: HL_EXIT_OK, HL_EXIT_USAGE, or -1 after --help. */
static int own_option(opts_t *o, int opt, const char *arg)
{
	const char **dst[] = { &o->markdown, &o->json, &o->divergences };

	if (opt >= 2001 && opt <= 2003) {
		*dst[opt - 2001] = arg;
		return HL_EXIT_OK;
	}
	switch (opt) {
	case 'o':
		o->outdir = arg;
		return HL_EXIT_OK;
	case 2004:
		o->context = (unsigned)strtoul(arg, NULL, 10);
		return HL_EXIT_OK;
	case 2005:
		if (hl_matrix_shard_parse(arg, &o->shard_k, &o->shard_n) == 0)
			return HL_EXIT_OK;
		fprintf(stderr, "hsmlab-bench: --shard %s: want K/N, 1 <= K <= N\n", arg);
		return HL_EXIT_USAGE;
	case 2006:
		o->fail_on_divergence = 1;
		return HL_EXIT_OK;
	case 2007:
		o->keep = 1;
		return HL_EXIT_OK;
	case 'v':
		o->verbose = 1;
		return HL_EXIT_OK;
	case 'q':
		o->quiet = 1;
		return HL_EXIT_OK;
	case 'h':
		usage(stdout);
		return -1;
	default:
		usage(stderr);
		return HL_EXIT_USAGE;
	}
}

static int parse(int argc, char **argv, hl_tool_targets_t *ts, opts_t *o, const char **trace)
{
	static const struct option longopts[] = {
		HL_TOOL_TARGET_OPTIONS,
		{ "out", required_argument, NULL, 'o' },
		{ "markdown", required_argument, NULL, 2001 },
		{ "json", required_argument, NULL, 2002 },
		{ "divergences", required_argument, NULL, 2003 },
		{ "context", required_argument, NULL, 2004 },
		{ "shard", required_argument, NULL, 2005 },
		{ "fail-on-divergence", no_argument, NULL, 2006 },
		{ "keep", no_argument, NULL, 2007 },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, r;

	while ((opt = getopt_long(argc, argv, "-t:m:o:vqh", longopts, NULL)) != -1) {
		if (opt == 'm')
			r = add_module(ts, optarg);
		else if (opt == 1 && *trace == NULL)
			r = (*trace = optarg, 0);
		else if (opt == 1)
			r = hl_tool_target_add(ts, optarg);
		else
			r = hl_tool_target_option(ts, opt, optarg);
		if (r < 0)
			return HL_EXIT_USAGE;
		if (r > 0 && (r = own_option(o, opt, optarg)) != HL_EXIT_OK)
			return r;
	}
	return HL_EXIT_OK;
}

int hl_tool_replay(int argc, char **argv)
{
	hl_tool_targets_t ts = { 0 };
	opts_t o = { .shard_k = 1, .shard_n = 1, .context = 4 };
	const char *trace = NULL;
	int code = parse(argc, argv, &ts, &o, &trace);

	if (code != HL_EXIT_OK)
		goto out;
	code = HL_EXIT_USAGE;
	if (trace == NULL || ts.n == 0) {
		fprintf(stderr, "hsmlab-bench replay: %s (try: replay TRACE --module strict)\n",
			trace == NULL ? "no trace" : "no target");
		goto out;
	}
	if ((o.all = calloc(ts.n + 1, sizeof *o.all)) == NULL) {
		fprintf(stderr, "hsmlab-bench: out of memory\n");
		goto out;
	}
	o.all[o.nall++] = "recorded";
	for (size_t i = 0; i < ts.n; i++)
		o.all[o.nall++] = hl_bench_target_name(ts.v[i]);
	code = run_all(trace, &ts, &o);
out:
	if (code < 0)
		code = HL_EXIT_OK; /* --help */
	free(o.all);
	hl_tool_targets_free(&ts);
	return code;
}
