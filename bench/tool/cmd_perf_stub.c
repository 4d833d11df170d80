/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench: subcommands still being built. */
#include <stdio.h>

#include "tool.h"

static int not_yet(const char *what)
{
	fprintf(stderr, "hsmlab-bench: %s: not built yet\n", what);
	return HL_EXIT_USAGE;
}

int hl_tool_perf(int argc, char **argv)
{
	return not_yet("perf");
}

int hl_tool_perf_child(int argc, char **argv)
{
	return not_yet("perf-child");
}

int hl_tool_run(int argc, char **argv)
{
	return not_yet("run");
}
