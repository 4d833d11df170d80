/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench perf: modules side by side with raw OpenSSL. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/bench/perf.h"
#include "tool.h"

typedef struct {
	const char *json, *markdown;
	int quiet, keep, no_raw;
} popts_t;

static void usage(FILE *out)
{
	fputs("usage: hsmlab-bench perf [options] [TARGET...]\n"
	      "Measures each target's module beside raw OpenSSL EVP on the same keys (generated\n"
	      "with OpenSSL, imported as token objects): RSA-2048 sign (CKM_SHA256_RSA_PKCS,\n"
	      "CKM_RSA_PKCS, CKM_RSA_X_509), ECDSA P-256 sign, verify, 2 threads, AES-128-GCM\n"
	      "encrypt and HMAC-SHA256 of 256 bytes (session secret keys), ECDH P-256 derive\n"
	      "(CKM_ECDH1_DERIVE into a session secret), Ed25519 sign and verify (CKM_EDDSA),\n"
	      "find by label and cold start among N token objects, object creation rate, peak\n"
	      "memory.\n"
	      "No thresholds: figures are reported, never judged.\n\n" HL_TOOL_TARGET_HELP
	      "      --runs N            repetitions per figure (default 3; min/median/max)\n"
	      "      --seconds S         length of one throughput run (default 0.5)\n"
	      "      --sizes N,N,...     token object counts (default 10,1000,10000,100000)\n"
	      "      --softhsm-max-objects N  skip larger sizes on SoftHSMv2 (default 1000; it\n"
	      "                          keeps one file per object and populates slowly)\n"
	      "      --max-objects N     skip larger sizes on every target\n"
	      "      --smoke             tiny and quick (CI): 2 runs of 0.02 s, sizes 10,100\n"
	      "      --no-raw            leave raw OpenSSL out\n"
	      "      --json FILE         write the results as JSON\n"
	      "      --markdown FILE     write the README's Performance table (machine, date,\n"
	      "                          versions)\n"
	      "      --keep              keep the run directory\n"
	      "  -q, --quiet             no progress lines\n"
	      "exit codes: 0 measured, 2 usage or input error, 3 a target could not be run\n",
	      out);
}

static int parse_sizes(hl_perf_opts_t *o, const char *arg)
{
	char *end;

	o->nsizes = 0;
	while (*arg && o->nsizes < HL_PERF_MAX_SIZES) {
		unsigned long v = strtoul(arg, &end, 10);

		if (end == arg || v == 0 || (*end && *end != ','))
			return -1;
		o->sizes[o->nsizes++] = v;
		arg = *end ? end + 1 : end;
	}
	return *arg ? -1 : 0;
}

static int perf_writer(const void *obj, int md, FILE *f)
{
	return md ? hl_perf_write_markdown(obj, f) : hl_perf_write_json(obj, f);
}

static int run(hl_tool_targets_t *ts, hl_perf_opts_t *o, const popts_t *po)
{
	char err[1024], *rundir = hl_tool_rundir_new();
	hl_perf_t *p = rundir ? hl_perf_new(o, err, sizeof err) : NULL;
	int code = HL_EXIT_OK;

	if (p == NULL) {
		if (rundir != NULL)
			fprintf(stderr, "hsmlab-bench: %s\n", err);
		hl_tool_rundir_remove(rundir);
		return HL_EXIT_TARGET;
	}
	if (!po->no_raw && hl_perf_run_raw(p) != 0) {
		fprintf(stderr, "hsmlab-bench: raw OpenSSL measurement failed\n");
		code = HL_EXIT_TARGET;
	}
	for (size_t i = 0; i < ts->n; i++)
		if (hl_perf_run_target(p, ts->v[i], rundir, err, sizeof err) != 0) {
			fprintf(stderr, "hsmlab-bench: %s\n", err);
			code = HL_EXIT_TARGET;
		}
	if (!po->quiet || (!po->json && !po->markdown))
		hl_perf_write_table(p, stdout);
	if ((po->json && hl_tool_write_file(po->json, perf_writer, p, 0)) ||
	    (po->markdown && hl_tool_write_file(po->markdown, perf_writer, p, 1)))
		code = HL_EXIT_USAGE;
	hl_perf_free(p);
	if (po->keep) {
		fprintf(stderr, "perf: run directory kept: %s\n", rundir);
		free(rundir);
	} else {
		hl_tool_rundir_remove(rundir);
	}
	return code;
}

int hl_tool_perf(int argc, char **argv)
{
	static const struct option longopts[] = {
		HL_TOOL_TARGET_OPTIONS,
		{ "runs", required_argument, NULL, 3001 },
		{ "seconds", required_argument, NULL, 3002 },
		{ "sizes", required_argument, NULL, 3003 },
		{ "softhsm-max-objects", required_argument, NULL, 3004 },
		{ "max-objects", required_argument, NULL, 3005 },
		{ "smoke", no_argument, NULL, 3006 },
		{ "no-raw", no_argument, NULL, 3007 },
		{ "json", required_argument, NULL, 3008 },
		{ "markdown", required_argument, NULL, 3009 },
		{ "keep", no_argument, NULL, 3010 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	hl_perf_opts_t o = { .runs = 3,
			     .seconds = 0.5,
			     .sizes = { 10, 1000, 10000, 100000 },
			     .nsizes = 4,
			     .softhsm_max_objects = 1000,
			     .log = stderr };
	hl_tool_targets_t ts = { 0 };
	popts_t po = { 0 };
	int opt, code = HL_EXIT_USAGE;
	char *end;

	while ((opt = getopt_long(argc, argv, "-t:m:qh", longopts, NULL)) != -1) {
		int r = hl_tool_target_option(&ts, opt, optarg);

		if (r < 0)
			goto out;
		if (r == 0)
			continue;
		switch (opt) {
		case 1:
			if (hl_tool_target_add(&ts, optarg) != 0)
				goto out;
			break;
		case 3001:
			o.runs = (int)strtol(optarg, &end, 10);
			if (*end || o.runs < 1 || o.runs > HL_PERF_MAX_RUNS) {
				fprintf(stderr, "hsmlab-bench: --runs: 1 to %d\n",
					HL_PERF_MAX_RUNS);
				goto out;
			}
			break;
		case 3002:
			o.seconds = strtod(optarg, &end);
			if (*end || !(o.seconds > 0 && o.seconds <= 60)) {
				fprintf(stderr,
					"hsmlab-bench: --seconds: more than 0, at most 60\n");
				goto out;
			}
			break;
		case 3003:
			if (parse_sizes(&o, optarg) != 0) {
				fprintf(stderr,
					"hsmlab-bench: --sizes: \"%s\": up to %d positive "
					"counts, comma separated\n",
					optarg, HL_PERF_MAX_SIZES);
				goto out;
			}
			break;
		case 3004:
		case 3005:
			*(opt == 3004 ? &o.softhsm_max_objects : &o.max_objects) =
			    strtoul(optarg, &end, 10);
			if (*end) {
				fprintf(stderr, "hsmlab-bench: \"%s\" is not a count\n", optarg);
				goto out;
			}
			break;
		case 3006:
			o.runs = 2;
			o.seconds = 0.02;
			o.nsizes = 2;
			o.sizes[0] = 10;
			o.sizes[1] = 100;
			break;
		case 3007:
			po.no_raw = 1;
			break;
		case 3008:
			po.json = optarg;
			break;
		case 3009:
			po.markdown = optarg;
			break;
		case 3010:
			po.keep = 1;
			break;
		case 'q':
			po.quiet = 1;
			o.log = NULL;
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
	/* The cold-start child is this program again, run fresh. */
	o.self_exe = "/proc/self/exe";
	code = run(&ts, &o, &po);
out:
	hl_tool_targets_free(&ts);
	return code;
}

int hl_tool_perf_child(int argc, char **argv)
{
	const char *pin = getenv("HSMLAB_BENCH_PIN");
	char err[1024];

	if (argc != 4 || pin == NULL) {
		fprintf(stderr, "usage: HSMLAB_BENCH_PIN=PIN hsmlab-bench perf-child MODULE TOKEN "
				"KEY-LABEL\n");
		return HL_EXIT_USAGE;
	}
	if (hl_perf_cold_start(argv[1], argv[2], pin, argv[3], stdout, err, sizeof err) != 0) {
		fprintf(stderr, "hsmlab-bench perf-child: %s\n", err);
		return HL_EXIT_TARGET;
	}
	return HL_EXIT_OK;
}
