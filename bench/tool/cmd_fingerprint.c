/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench fingerprint: turn a module (a vendor library, SoftHSMv2, an hsmlab module) into
 * an emulator profile, through PKCS#11 only. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsmlab/bench/conformance.h"
#include "hsmlab/bench/fingerprint.h"
#include "tool.h"

int hl_tool_fingerprint(int argc, char **argv);

typedef struct {
	const char *out, *name, *family, *base;
	int destructive, keep;
} fp_opts_t;

static void usage(FILE *out)
{
	fputs(
	    "usage: hsmlab-bench fingerprint [options] -o PROFILE.conf (TARGET | -m LIB ...)\n"
	    "Runs the conformance suite and a read-only identity probe on one module and writes\n"
	    "an emulator profile: identity, flags, limits, mechanisms and the quirk switches the\n"
	    "observations support (source \"field\"); what it cannot see is listed as unknown.\n"
	    "\n" HL_TOOL_TARGET_HELP "  -o, --out FILE          the profile to write (required)\n"
	    "      --profile-name N    the profile's name (default: FILE's base name)\n"
	    "      --family F          the family module that loads it (default: strict)\n"
	    "      --destructive       also run the probes that count PIN failures (a scratch\n"
	    "                          token only)\n"
	    "      --keep              keep the run directory\n",
	    out);
}

/* The profile's name from its file name: base name without ".conf". */
static char *name_from_path(const char *path)
{
	const char *b = strrchr(path, '/');
	char *n = strdup(b ? b + 1 : path);
	size_t l = n ? strlen(n) : 0;

	if (l > 5 && strcmp(n + l - 5, ".conf") == 0)
		n[l - 5] = '\0';
	return n;
}

static int fingerprint(hl_bench_target_t *t, const fp_opts_t *o, const char *rundir)
{
	/* a wrong PIN counts towards a lockout: only on a scratch token */
	static const char *const careful[] = { "login.wrong_pin" };
	hl_matrix_t *m = hl_matrix_new("fingerprint");
	char err[1024], unknown[4096] = "", probedir[4096], tmp[4096];
	char *name = o->name ? strdup(o->name) : name_from_path(o->out);
	FILE *f = NULL;
	int code = HL_EXIT_TARGET, on;

	snprintf(probedir, sizeof probedir, "%s/probe", rundir);
	snprintf(tmp, sizeof tmp, "%s.tmp", o->out); /* no half-written profile on failure */
	if (m == NULL || name == NULL || hl_matrix_column(m, hl_bench_target_name(t)) != 0)
		goto out;
	hl_conformance_skip(careful, o->destructive ? 0 : 1);
	if (hl_conformance_run(t, rundir, m, 0, NULL, err, sizeof err) != 0) {
		fprintf(stderr, "hsmlab-bench: %s\n", err);
		goto out;
	}
	if (mkdir(probedir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "hsmlab-bench: %s: %s\n", probedir, strerror(errno));
		goto out;
	}
	f = fopen(tmp, "w");
	if (f == NULL) {
		fprintf(stderr, "hsmlab-bench: %s: cannot write\n", o->out);
		goto out;
	}
	fputs("# SPDX-License-Identifier: BSD-2-Clause\n# Written by hsmlab-bench fingerprint.\n",
	      f);
	/* the probe prepares the target afresh: the suite's run may have used its token up */
	if (hl_fp_probe(t, probedir, name, o->family, m, 0, f, unknown, sizeof unknown, err,
			sizeof err) != 0) {
		fprintf(stderr, "hsmlab-bench: %s\n", err);
		goto out;
	}
	on = hl_fp_write_quirks(m, 0, f, unknown, sizeof unknown);
	if (on >= 0 && o->base && hl_fp_copy_base(o->base, f, err, sizeof err) < 0) {
		fprintf(stderr, "hsmlab-bench: %s\n", err);
		goto out;
	}
	if (on < 0 || hl_fp_finish(f, unknown) != 0 || fclose(f) != 0 || rename(tmp, o->out) != 0) {
		f = NULL;
		fprintf(stderr, "hsmlab-bench: %s: write error\n", o->out);
		goto out;
	}
	f = NULL;
	printf("fingerprint: %s -> %s (profile \"%s\", family %s): %d quirk switch%s on\n",
	       hl_bench_target_name(t), o->out, name, o->family, on, on == 1 ? "" : "es");
	printf("unknown (strict default kept): %s\n", unknown);
	code = HL_EXIT_OK;
out:
	if (f)
		fclose(f);
	if (code != HL_EXIT_OK)
		remove(tmp);
	free(name);
	hl_matrix_free(m);
	return code;
}

static int parse(int argc, char **argv, hl_tool_targets_t *ts, fp_opts_t *o)
{
	static const struct option longopts[] = {
		HL_TOOL_TARGET_OPTIONS,
		{ "out", required_argument, NULL, 'o' },
		{ "profile-name", required_argument, NULL, 3001 },
		{ "family", required_argument, NULL, 3002 },
		{ "destructive", no_argument, NULL, 3003 },
		{ "keep", no_argument, NULL, 3004 },
		{ "base", required_argument, NULL, 3005 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "-t:m:o:h", longopts, NULL)) != -1) {
		int r = hl_tool_target_option(ts, opt, optarg);

		if (r < 0)
			return HL_EXIT_USAGE;
		if (r == 0)
			continue;
		if (opt == 1 && hl_tool_target_add(ts, optarg) != 0)
			return HL_EXIT_USAGE;
		else if (opt == 'o')
			o->out = optarg;
		else if (opt == 3001)
			o->name = optarg;
		else if (opt == 3002)
			o->family = optarg;
		else if (opt == 3003)
			o->destructive = 1;
		else if (opt == 3004)
			o->keep = 1;
		else if (opt == 3005)
			o->base = optarg;
		else if (opt == 'h') {
			usage(stdout);
			return HL_EXIT_OK;
		} else if (opt != 1) {
			usage(stderr);
			return HL_EXIT_USAGE;
		}
	}
	if (ts->n != 1 || o->out == NULL) {
		fprintf(stderr, "hsmlab-bench fingerprint: needs exactly one target and -o FILE\n");
		return HL_EXIT_USAGE;
	}
	return -1;
}

int hl_tool_fingerprint(int argc, char **argv)
{
	hl_tool_targets_t ts = { 0 };
	fp_opts_t o = { .family = "strict" };
	int code = parse(argc, argv, &ts, &o);
	char *rundir;

	if (code >= 0)
		goto out;
	rundir = hl_tool_rundir_new();
	code = rundir ? fingerprint(ts.v[0], &o, rundir) : HL_EXIT_TARGET;
	if (o.keep && rundir) {
		fprintf(stderr, "fingerprint: run directory kept: %s\n", rundir);
		free(rundir);
	} else {
		hl_tool_rundir_remove(rundir);
	}
out:
	hl_tool_targets_free(&ts);
	return code;
}
