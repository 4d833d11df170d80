/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-bench: the bench's front end. Subcommands: conformance, fingerprint, merge, perf, replay,
 * run, scenario. */
#include <stdio.h>
#include <string.h>

#include "tool.h"

int hl_tool_scenario(int argc, char **argv);    /* cmd_scenario.c */
int hl_tool_fingerprint(int argc, char **argv); /* cmd_fingerprint.c */
int hl_tool_replay(int argc, char **argv);      /* cmd_replay.c */

static void usage(FILE *out)
{
	fputs("usage: hsmlab-bench <command> [options]   (hsmlab-bench <command> --help)\n"
	      "\n"
	      "commands:\n"
	      "  conformance   run the PKCS#11 conformance suite against one or more targets and\n"
	      "                write the side-by-side matrix (Markdown, HTML, JUnit XML)\n"
	      "  fingerprint   turn a module into an emulator profile (identity, mechanisms,\n"
	      "                the quirk switches its conformance run shows)\n"
	      "  perf          benchmark modules against raw OpenSSL on the same keys\n"
	      "  replay        re-issue a trace recorded by libhsmlab-trace.so against targets\n"
	      "                and report each one's first divergence from the recording\n"
	      "  run           the default lab: conformance + a short benchmark into a report "
	      "folder\n"
	      "  merge         join the JSON of `conformance --shard K/N` runs into one report\n"
	      "  scenario      replay ceremony scenarios at their dates under libfaketime\n"
	      "                (default: the 2024Q2-2027Q1 KSK rollover) into a report folder\n"
	      "\n"
	      "exit codes: 0 as expected, 1 unexpected differences, 2 usage or input error,\n"
	      "            3 a target could not be prepared or run\n",
	      out);
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;

	if (cmd == NULL) {
		usage(stderr);
		return HL_EXIT_USAGE;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return HL_EXIT_OK;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("hsmlab-bench %s\n", HSMLAB_VERSION);
		return HL_EXIT_OK;
	}
	if (strcmp(cmd, "conformance") == 0)
		return hl_tool_conformance(argc - 1, argv + 1);
	if (strcmp(cmd, "fingerprint") == 0)
		return hl_tool_fingerprint(argc - 1, argv + 1);
	if (strcmp(cmd, "perf") == 0)
		return hl_tool_perf(argc - 1, argv + 1);
	if (strcmp(cmd, "perf-child") == 0) /* internal: the cold-start measurement */
		return hl_tool_perf_child(argc - 1, argv + 1);
	if (strcmp(cmd, "replay") == 0)
		return hl_tool_replay(argc - 1, argv + 1);
	if (strcmp(cmd, "run") == 0)
		return hl_tool_run(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0)
		return hl_tool_merge(argc - 1, argv + 1);
	if (strcmp(cmd, "scenario") == 0)
		return hl_tool_scenario(argc - 1, argv + 1);
	fprintf(stderr, "hsmlab-bench: unknown command \"%s\"\n", cmd);
	usage(stderr);
	return HL_EXIT_USAGE;
}
