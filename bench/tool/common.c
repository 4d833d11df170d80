/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench: target options and the run directory, shared by the subcommands. */
#define _GNU_SOURCE /* nftw */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/paths.h"
#include "tool.h"

static const char *fixtures_dir;

static int push(hl_tool_targets_t *ts, hl_bench_target_t *t)
{
	hl_bench_target_t **v = reallocarray(ts->v, ts->n + 1, sizeof *v);

	if (v == NULL) {
		hl_bench_target_free(t);
		fprintf(stderr, "hsmlab-bench: out of memory\n");
		return -1;
	}
	ts->v = v;
	ts->v[ts->n++] = t;
	return 0;
}

int hl_tool_target_add(hl_tool_targets_t *ts, const char *name_or_file)
{
	char path[4096], err[1024];
	hl_bench_target_t *t;

	if (strchr(name_or_file, '/') != NULL || strstr(name_or_file, ".conf") != NULL) {
		snprintf(path, sizeof path, "%s", name_or_file);
	} else {
		const char *dir = fixtures_dir ? fixtures_dir : getenv("HSMLAB_BENCH_FIXTURES");

		if (dir)
			snprintf(path, sizeof path, "%s/%s.conf", dir, name_or_file);
		else
			snprintf(path, sizeof path, "%s/conformance/%s.conf", hl_paths_get()->data,
				 name_or_file);
	}
	t = hl_bench_target_load(path, err, sizeof err);
	if (t == NULL) {
		fprintf(stderr, "hsmlab-bench: %s\n", err);
		return -1;
	}
	return push(ts, t);
}

int hl_tool_target_option(hl_tool_targets_t *ts, int opt, const char *arg)
{
	static const char *const keys[] = { "name",     "env",  "token", "so_pin",
					    "user_pin", "init", "slot",  "expect" };
	char err[512], name[32];

	if (opt == 't')
		return hl_tool_target_add(ts, arg);
	if (opt == 1009) {
		fixtures_dir = arg;
		return 0;
	}
	if (opt == 'm') {
		hl_bench_target_t *t;

		snprintf(name, sizeof name, "module%zu", ts->n + 1);
		t = hl_bench_target_new(name);
		if (t == NULL || hl_bench_target_set(t, "module", arg, err, sizeof err) != 0) {
			hl_bench_target_free(t);
			fprintf(stderr, "hsmlab-bench: --module: out of memory\n");
			return -1;
		}
		return push(ts, t);
	}
	if (opt < 1001 || opt > 1008)
		return 1;
	if (ts->n == 0) {
		fprintf(stderr, "hsmlab-bench: --%s needs a --module before it\n",
			keys[opt - 1001]);
		return -1;
	}
	if (hl_bench_target_set(ts->v[ts->n - 1], keys[opt - 1001], opt == 1006 ? "yes" : arg, err,
				sizeof err) != 0) {
		fprintf(stderr, "hsmlab-bench: %s\n", err);
		return -1;
	}
	return 0;
}

void hl_tool_targets_free(hl_tool_targets_t *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		hl_bench_target_free(ts->v[i]);
	free(ts->v);
	ts->v = NULL;
	ts->n = 0;
}

char *hl_tool_rundir_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char buf[4096];
	char *dir;

	snprintf(buf, sizeof buf, "%s/hsmlab-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(buf) == NULL) {
		perror("hsmlab-bench: mkdtemp");
		return NULL;
	}
	dir = strdup(buf);
	if (dir == NULL)
		fprintf(stderr, "hsmlab-bench: out of memory\n");
	return dir;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void hl_tool_rundir_remove(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

int hl_tool_write_file(const char *path, hl_tool_writer_t writer, const void *obj, int kind)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL) {
		fprintf(stderr, "hsmlab-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	rc = writer(obj, kind, f);
	if (fclose(f) != 0 || rc != 0) {
		fprintf(stderr, "hsmlab-bench: %s: write failed\n", path);
		return -1;
	}
	return 0;
}
