/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench: what the subcommands share (target options, the run directory). */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "hsmlab/bench/target.h"

/* Exit codes of every subcommand (documented in --help). */
enum {
	HL_EXIT_OK = 0,     /* everything as expected */
	HL_EXIT_DIFF = 1,   /* unexpected differences (conformance) */
	HL_EXIT_USAGE = 2,  /* bad options or input files */
	HL_EXIT_TARGET = 3, /* a target could not be prepared or run */
};

/* The targets named on a command line: -t FILE / a bare name (fixtures/conformance/
 * <name>.conf), or --module PATH followed by the per-target options. */
typedef struct {
	hl_bench_target_t **v;
	size_t n;
} hl_tool_targets_t;

/* Long options shared by the subcommands that take targets; handled by
 * hl_tool_target_option (returns 0 handled, 1 not a target option, -1 error printed). */
#define HL_TOOL_TARGET_OPTIONS                                                                    \
	{ "target", required_argument, NULL, 't' }, { "module", required_argument, NULL, 'm' },   \
	    { "name", required_argument, NULL, 1001 }, { "env", required_argument, NULL, 1002 },  \
	    { "token", required_argument, NULL, 1003 },                                           \
	    { "so-pin", required_argument, NULL, 1004 },                                          \
	    { "user-pin", required_argument, NULL, 1005 },                                        \
	    { "init-token", no_argument, NULL, 1006 }, { "slot", required_argument, NULL, 1007 }, \
	    { "expect", required_argument, NULL, 1008 },                                          \
	{                                                                                         \
		"fixtures", required_argument, NULL, 1009                                         \
	}
#define HL_TOOL_TARGET_HELP                                                                     \
	"  -t, --target FILE|NAME  a target description (NAME: <fixtures>/NAME.conf)\n"         \
	"  -m, --module PATH       a module given on the command line; these apply to it:\n"    \
	"      --name N --env VAR=VALUE --token LABEL --so-pin PIN --user-pin PIN\n"            \
	"      --init-token (C_InitToken a free slot) --slot ID --expect FILE\n"                \
	"      --fixtures DIR      where target NAMEs live (default: $HSMLAB_BENCH_FIXTURES,\n" \
	"                          else <datadir>/hsmlab/conformance)\n"

int hl_tool_target_option(hl_tool_targets_t *ts, int opt, const char *arg);
/* Bare arguments are target names or files. */
int hl_tool_target_add(hl_tool_targets_t *ts, const char *name_or_file);
void hl_tool_targets_free(hl_tool_targets_t *ts);

/* A fresh run directory under $TMPDIR (or /tmp); the caller removes it with
 * hl_tool_rundir_remove unless the user asked to keep it. */
char *hl_tool_rundir_new(void);
void hl_tool_rundir_remove(char *dir);

/* Writes `obj` to path with writer(obj, kind, f); errors (naming the path) on stderr. */
typedef int (*hl_tool_writer_t)(const void *obj, int kind, FILE *f);
int hl_tool_write_file(const char *path, hl_tool_writer_t writer, const void *obj, int kind);

int hl_tool_conformance(int argc, char **argv);
int hl_tool_perf(int argc, char **argv);
int hl_tool_perf_child(int argc, char **argv);
int hl_tool_run(int argc, char **argv);
int hl_tool_merge(int argc, char **argv); /* cmd_conformance.c: joins shard JSON */
