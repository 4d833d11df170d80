/* SPDX-License-Identifier: BSD-2-Clause
 * ksr-gen: the ZSK operator's side. Makes the KSR for a quarter from ZSKs in any PKCS#11
 * module. Exit codes: 0 written; 1 a check refused (e.g. the KSR would not chain to
 * --previous); 2 usage or config error; 3 HSM or I/O error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/signer.h"

static void usage(FILE *f)
{
	fputs("usage: ksr-gen --config FILE --quarter 2025Q1 [--previous SKR] -o KSR\n"
	      "  -c, --config FILE     modules and ksr_gen settings (libconfig)\n"
	      "  -q, --quarter YYYYQn  the quarter: bundles from its first day, 10 days apart\n"
	      "  -p, --previous SKR    check the new KSR chains to this SKR; serial = its + 1\n"
	      "  -o, --output KSR      where to write the KSR\n"
	      "  -k, --keys OLD,CUR,NEXT  ZSK labels (default: ksr_gen.keys)\n"
	      "      --create          generate missing ZSKs on the first module\n"
	      "      --id ID, --serial N  the KSR's id and serial\n"
	      "  -P, --policy NAME=DUR  override a ksr_gen value: publish_safety, retire_safety,\n"
	      "                        max_/min_validity, max_/min_overlap, interval, validity\n"
	      "  -h, --help, -V, --version\n"
	      "exit: 0 ok, 1 a named check refused, 2 usage/config, 3 HSM or I/O error\n",
	      f);
}

static int split_keys(char *arg, hl_gen_opts_t *o)
{
	char *save = NULL, *t = strtok_r(arg, ",", &save);

	for (int i = 0; i < 3; i++, t = strtok_r(NULL, ",", &save)) {
		if (t == NULL)
			return -1;
		o->keys[i] = t;
	}
	return t == NULL ? 0 : -1;
}

static const char *policy[16];
static size_t npolicy;

/* Fills o and *config from argv; returns -1 to exit with *code. */
static int parse_args(int argc, char **argv, hl_gen_opts_t *o, const char **config, int *code)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "quarter", required_argument, NULL, 'q' },
					      { "previous", required_argument, NULL, 'p' },
					      { "output", required_argument, NULL, 'o' },
					      { "keys", required_argument, NULL, 'k' },
					      { "create", no_argument, NULL, 'C' },
					      { "id", required_argument, NULL, 'I' },
					      { "serial", required_argument, NULL, 'S' },
					      { "policy", required_argument, NULL, 'P' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      { NULL, 0, NULL, 0 } };
	int c;

	*code = 2;
	while ((c = getopt_long(argc, argv, "c:q:p:o:k:P:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'q':
			o->quarter = optarg;
			break;
		case 'p':
			o->prev_path = optarg;
			break;
		case 'o':
			o->out_path = optarg;
			break;
		case 'k':
			if (split_keys(optarg, o) != 0) {
				fputs("ksr-gen: --keys wants OLD,CURRENT,NEXT\n", stderr);
				return -1;
			}
			break;
		case 'C':
			o->create = 1;
			break;
		case 'I':
			o->id = optarg;
			break;
		case 'S':
			if (!hl_serial_valid(optarg)) {
				fprintf(stderr,
					"ksr-gen: --serial \"%s\": want a non-negative integer "
					"(0..4294967295)\n",
					optarg);
				return -1;
			}
			o->serial = optarg;
			break;
		case 'P':
			if (npolicy == 16) {
				fputs("ksr-gen: at most 16 --policy options\n", stderr);
				return -1;
			}
			policy[npolicy++] = optarg;
			break;
		case 'h':
			usage(stdout);
			*code = 0;
			return -1;
		case 'V':
			puts("ksr-gen (hsmlab) 0.1.0");
			*code = 0;
			return -1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (*config == NULL || o->quarter == NULL || o->out_path == NULL || optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	hl_gen_opts_t o = { .now = time(NULL) };
	const char *config = NULL;
	hl_config_t *cfg;
	hl_err_t err = { { 0 }, { 0 } };
	int rc = 2;

	if (parse_args(argc, argv, &o, &config, &rc) != 0)
		return rc;
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return 3;
	rc = hl_config_load(config, cfg, &err);
	for (size_t i = 0; rc == 0 && i < npolicy; i++)
		rc = hl_config_gen_set(cfg, policy[i], &err);
	if (rc == 0)
		rc = hl_gen_run(cfg, &o, &err);
	if (rc != 0) {
		fflush(stdout); /* the refusal comes last, also where both streams are merged */
		fprintf(stderr, "ksr-gen: %s: %s\n", err.check, err.msg);
		rc = strcmp(err.check, "CONFIG") == 0                                ? 2
		     : strcmp(err.check, "HSM") == 0 || strcmp(err.check, "IO") == 0 ? 3
										     : 1;
	} else {
		printf("ksr-gen: wrote %s (%s)\n", o.out_path, o.quarter);
	}
	free(cfg);
	return rc;
}
