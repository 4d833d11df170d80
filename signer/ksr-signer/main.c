/* SPDX-License-Identifier: BSD-2-Clause
 * ksr-signer: the root KSK operator's side. Checks a KSR against the policy, signs it with
 * the KSKs in one or more PKCS#11 modules and writes the SKR.
 * Exit codes: 0 signed (or, without SKR_OUT, all checks passed); 1 a check refused the KSR
 * (its name is printed); 2 usage or config error; 3 HSM or I/O error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/signer.h"

static void usage(FILE *f)
{
	fputs("usage: ksr-signer --config FILE [--previous SKR] [--schema NAME] [--force]\n"
	      "                  [--log FILE] [--syslog] KSR [SKR_OUT]\n"
	      "  -c, --config FILE    modules, KSKs, schemas and policy (libconfig)\n"
	      "  -p, --previous SKR   the previous quarter's SKR (chain checks)\n"
	      "  -s, --schema NAME    normal, pre-publish, publish+, rollover, rollover+,\n"
	      "                       revoke, revoke+, or one of the config's schemas\n"
	      "  -f, --force          do not ask the operator to confirm the KSR hash\n"
	      "  -l, --log FILE       append the ceremony record (hashes, every check, devices)\n"
	      "      --syslog         send the same record to syslog\n"
	      "  -h, --help, -V, --version\n"
	      "exit: 0 ok, 1 a named check refused, 2 usage/config, 3 HSM or I/O error\n",
	      f);
}

static int exit_code(const hl_err_t *e)
{
	if (strcmp(e->check, "CONFIG") == 0)
		return 2;
	if (strcmp(e->check, "HSM") == 0 || strcmp(e->check, "IO") == 0 ||
	    strcmp(e->check, "SIGN") == 0)
		return 3;
	return 1;
}

static const char *log_path;
static int use_syslog;

/* Fills o and *config from argv; returns -1 to exit with *code. */
static int parse_args(int argc, char **argv, hl_sign_opts_t *o, const char **config, int *code)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "previous", required_argument, NULL, 'p' },
					      { "schema", required_argument, NULL, 's' },
					      { "force", no_argument, NULL, 'f' },
					      { "log", required_argument, NULL, 'l' },
					      { "syslog", no_argument, NULL, 'S' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      { NULL, 0, NULL, 0 } };
	int c;

	*code = 2;
	while ((c = getopt_long(argc, argv, "c:p:s:fl:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			*config = optarg;
			break;
		case 'p':
			o->prev_path = optarg;
			break;
		case 's':
			o->schema = optarg;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'S':
			use_syslog = 1;
			break;
		case 'h':
			usage(stdout);
			*code = 0;
			return -1;
		case 'V':
			puts("ksr-signer (hsmlab) 0.1.0");
			*code = 0;
			return -1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (*config == NULL || optind >= argc || argc - optind > 2) {
		usage(stderr);
		return -1;
	}
	o->ksr_path = argv[optind];
	o->out_path = optind + 1 < argc ? argv[optind + 1] : NULL;
	return 0;
}

int main(int argc, char **argv)
{
	hl_sign_opts_t o = { .in = stdin, .out = stdout };
	const char *config = NULL;
	hl_config_t *cfg = NULL;
	hl_err_t err = { { 0 }, { 0 } };
	hl_log_t log;
	int rc = 2;

	if (parse_args(argc, argv, &o, &config, &rc) != 0)
		return rc;
	o.now = time(NULL); /* the real clock: libfaketime moves it to the ceremony date */
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return 3;
	if (hl_log_open(&log, log_path, use_syslog, &err) != 0) {
		fprintf(stderr, "ksr-signer: %s: %s\n", err.check, err.msg);
		free(cfg);
		return 3;
	}
	o.log = &log;
	if (hl_config_load(config, cfg, &err) != 0)
		hl_log(&log, "ksr-signer: config %s refused: %s", config, err.msg);
	if (err.check[0] != '\0' || hl_signer_run(cfg, &o, &err) != 0) {
		fflush(stdout); /* the refusal comes last, also where both streams are merged */
		fprintf(stderr, "ksr-signer: %s: %s\n", err.check, err.msg);
		rc = exit_code(&err);
	} else {
		if (o.out_path)
			printf("ksr-signer: wrote %s\n", o.out_path);
		else
			printf(
			    "ksr-signer: all checks passed (no SKR_OUT given, nothing written)\n");
		rc = 0;
	}
	hl_log_close(&log);
	free(cfg);
	return rc;
}
