/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench scenario: replay ceremony scenarios (fixtures/scenarios/) at their dates under
 * libfaketime and write the report folder. A progress line per step on the terminal. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmlab/bench/scenario.h"
#include "hsmlab/paths.h"
#include "tool.h"

enum { SHOW_PLAIN, SHOW_TTY, SHOW_QUIET, SHOW_JSON };

static void usage(FILE *out)
{
	fputs(
	    "usage: hsmlab-bench scenario [options] [FILE]\n"
	    "Replays a ceremony scenario (default: the shipped 2024Q2-2027Q1 timeline,\n"
	    "fixtures/scenarios/ksk-rollover-2024-2027.conf): every ceremony at its date under\n"
	    "libfaketime, every step a child process (signer tools, hsmlab-admin, pkcs11-tool),\n"
	    "each outcome compared with the scenario's expectation, for each profile.\n"
	    "  -o, --out DIR       report folder (default: reports/scenario): scenario.md,\n"
	    "                      scenario.html, scenario-junit.xml, timeline-<profile>.svg,\n"
	    "                      scenario.json (the step matrix, what `merge` joins)\n"
	    "      --shard K/N     only profiles K, K+N, K+2N... (1-based), for a CI job\n"
	    "                      matrix; `hsmlab-bench merge` joins the scenario.json files\n"
	    "  -p, --profile NAME  only this profile of the scenario\n"
	    "  -M, --map VENDOR=BACKEND  override every profile's backend for a vendor's\n"
	    "                      devices: softhsm, or an emulator profile (keyper, luna,\n"
	    "                      strict); e.g. --map zsk=softhsm (repeatable, up to 8)\n"
	    "      --keep          keep the work directory (labs, tokens, KSRs, SKRs)\n"
	    "      --workdir DIR   use DIR (must not exist) as the work directory\n"
	    "  -q, --quiet         no progress display\n"
	    "      --json          one JSON object per step on stdout (machine-readable)\n"
	    "      --conformance-html FILE  embed this page's body in scenario.html\n"
	    "  -h, --help\n"
	    "exit codes: 0 every step as expected, 1 a step's outcome differed from its\n"
	    "            expectation, 2 usage or scenario file error, 3 setup error (libfaketime\n"
	    "            or a tool missing, the work directory)\n",
	    out);
}

static void json_str(const char *s)
{
	putchar('"');
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static void progress(const hl_step_event_t *ev, void *arg)
{
	int mode = *(const int *)arg;
	const char *mark = ev->as_expected ? "" : "  << UNEXPECTED";

	if (mode == SHOW_QUIET)
		return;
	if (mode == SHOW_JSON) {
		printf("{\"n\":%zu,\"total\":%zu,\"profile\":", ev->index, ev->total);
		json_str(ev->profile);
		fputs(",\"step\":", stdout);
		json_str(ev->step_id);
		fputs(",\"title\":", stdout);
		json_str(ev->title);
		printf(",\"outcome\":\"%s\",\"as_expected\":%s,\"detail\":",
		       hl_outcome_name(ev->outcome), ev->as_expected ? "true" : "false");
		json_str(ev->detail);
		puts("}");
		fflush(stdout);
		return;
	}
	if (mode == SHOW_TTY) {
		fprintf(stderr, "\r\033[K[%3zu/%zu] %s %s: %s", ev->index, ev->total, ev->profile,
			ev->step_id, hl_outcome_name(ev->outcome));
		if (!ev->as_expected || ev->index == ev->total)
			fprintf(stderr, "%s\n", mark);
		return;
	}
	fprintf(stderr, "[%3zu/%zu] %s %s: %s%s\n", ev->index, ev->total, ev->profile, ev->step_id,
		hl_outcome_name(ev->outcome), mark);
}

typedef struct {
	const char *file, *out, *workdir, *conf_html;
	int keep, show;
	hl_scn_opts_t o;
} args_t;

static int add_map(args_t *a, char *arg)
{
	char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg || eq[1] == '\0' || a->o.nmap == 8) {
		fprintf(stderr, "hsmlab-bench scenario: --map %s: want VENDOR=BACKEND (up to 8)\n",
			arg);
		return -1;
	}
	*eq = '\0';
	a->o.map_vendor[a->o.nmap] = arg;
	a->o.map_backend[a->o.nmap++] = eq + 1;
	return 0;
}

static int parse_args(int argc, char **argv, args_t *a)
{
	static const struct option longopts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "map", required_argument, NULL, 'M' },
		{ "profile", required_argument, NULL, 'p' },
		{ "keep", no_argument, NULL, 1 },
		{ "workdir", required_argument, NULL, 2 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "json", no_argument, NULL, 3 },
		{ "conformance-html", required_argument, NULL, 4 },
		{ "shard", required_argument, NULL, 5 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "o:p:M:qh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			a->out = optarg;
			break;
		case 'p':
			a->o.only_profile = optarg;
			break;
		case 'M':
			if (add_map(a, optarg) != 0)
				return -1;
			break;
		case 1:
			a->keep = 1;
			break;
		case 2:
			a->workdir = optarg;
			break;
		case 'q':
			a->show = SHOW_QUIET;
			break;
		case 3:
			a->show = SHOW_JSON;
			break;
		case 4:
			a->conf_html = optarg;
			break;
		case 5:
			if (hl_matrix_shard_parse(optarg, &a->o.shard_k, &a->o.shard_n) != 0) {
				fprintf(
				    stderr,
				    "hsmlab-bench scenario: --shard %s: want K/N, 1 <= K <= N\n",
				    optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind + 1 < argc) {
		usage(stderr);
		return -1;
	}
	if (optind < argc)
		a->file = argv[optind];
	return 0;
}

static char *make_workdir(const args_t *a)
{
	if (a->workdir == NULL)
		return hl_tool_rundir_new();
	if (mkdir(a->workdir, 0700) != 0) {
		fprintf(stderr, "hsmlab-bench scenario: --workdir %s: cannot create it\n",
			a->workdir);
		return NULL;
	}
	return strdup(a->workdir);
}

/* scenario.json: the step matrix with every profile the unsharded run would have, so that
 * `merge` can join the shards (rows are made up front, in scenario order). */
static int write_json(const args_t *a, const hl_scenario_t *s, const hl_scn_result_t *r)
{
	const char **all = calloc(s->nprofiles + 1, sizeof *all);
	hl_matrix_run_t run = { "scenario",
				a->o.shard_n ? a->o.shard_k : 1,
				a->o.shard_n ? a->o.shard_n : 1,
				all,
				0,
				1 };
	char path[4096];
	FILE *f;
	int rc;

	if (all == NULL)
		return -1;
	for (size_t i = 0; i < s->nprofiles; i++)
		if (!a->o.only_profile || strcmp(a->o.only_profile, s->profiles[i].name) == 0)
			all[run.nall++] = s->profiles[i].name;
	snprintf(path, sizeof path, "%s/scenario.json", a->out);
	f = fopen(path, "w");
	rc = f ? hl_matrix_write_json(r->matrix, f, &run) : -1;
	if (f == NULL || fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "hsmlab-bench scenario: %s: cannot write\n", path);
		rc = -1;
	}
	free(all);
	return rc;
}

static int replay(args_t *a, const hl_scenario_t *s)
{
	char err[1024], *work = make_workdir(a);
	hl_scn_result_t *r;
	int code;

	if (work == NULL)
		return HL_EXIT_TARGET;
	a->o.workdir = work;
	r = hl_scenario_run(s, &a->o, err, sizeof err);
	if (r == NULL) {
		fprintf(stderr, "hsmlab-bench scenario: %s\n", err);
		code = HL_EXIT_TARGET;
	} else if (mkdir(a->out, 0755) != 0 && access(a->out, W_OK) != 0) {
		fprintf(stderr, "hsmlab-bench scenario: -o %s: cannot create it\n", a->out);
		code = HL_EXIT_TARGET;
	} else if (hl_scenario_write_reports(s, r, a->out, a->conf_html, err, sizeof err) != 0) {
		fprintf(stderr, "hsmlab-bench scenario: %s\n", err);
		code = HL_EXIT_TARGET;
	} else if (write_json(a, s, r) != 0) {
		code = HL_EXIT_TARGET;
	} else {
		code = r->unexpected ? HL_EXIT_DIFF : HL_EXIT_OK;
		if (a->show != SHOW_QUIET && a->show != SHOW_JSON)
			fprintf(stderr,
				"scenario: %zu steps, %zu unexpected, %zu pending, %zu warnings in "
				"%.1f s; report in %s/\n",
				r->steps, r->unexpected, r->pending, r->warnings, r->seconds,
				a->out);
	}
	hl_scn_result_free(r);
	if (a->keep) {
		fprintf(stderr, "scenario: work directory kept: %s\n", work);
		free(work);
	} else {
		hl_tool_rundir_remove(work);
	}
	return code;
}

int hl_tool_scenario(int argc, char **argv)
{
	args_t a = { .out = "reports/scenario",
		     .show = isatty(STDERR_FILENO) ? SHOW_TTY : SHOW_PLAIN };
	char err[1024], dflt[4096];
	hl_scenario_t *s;
	int rc = parse_args(argc, argv, &a), code;

	if (rc != 0)
		return rc > 0 ? HL_EXIT_OK : HL_EXIT_USAGE;
	if (a.file == NULL) {
		const char *dir = getenv("HSMLAB_BENCH_SCENARIOS");

		if (dir)
			snprintf(dflt, sizeof dflt, "%s/ksk-rollover-2024-2027.conf", dir);
		else
			snprintf(dflt, sizeof dflt, "%s/scenarios/ksk-rollover-2024-2027.conf",
				 hl_paths_get()->data);
		a.file = dflt;
	}
	if ((s = hl_scenario_load(a.file, err, sizeof err)) == NULL) {
		fprintf(stderr, "hsmlab-bench scenario: %s\n", err);
		return HL_EXIT_USAGE;
	}
	if (hl_scenario_opts_defaults(&a.o, err, sizeof err) != 0) {
		fprintf(stderr, "hsmlab-bench scenario: %s\n", err);
		hl_scenario_free(s);
		return HL_EXIT_TARGET;
	}
	a.o.progress = progress;
	a.o.progress_arg = &a.show;
	code = replay(&a, s);
	hl_scenario_free(s);
	return code;
}
