/* SPDX-License-Identifier: BSD-2-Clause
 * ksk-inventory: every key on every module of a signer config, with its device, algorithm,
 * size, key tag and DS as a KSK, compared with the config; --export DIR writes the lab's
 * trust anchors (root-anchors.xml as RFC 7958, root.key, root.ds) for skr-verify -t.
 * Exit codes: 0 ok; 1 a key differs from the config or a configured KSK is missing; 2 usage
 * or config error; 3 HSM or I/O error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/inventory.h"

static void usage(FILE *f)
{
	fputs("usage: ksk-inventory --config FILE [--export DIR]\n"
	      "  -c, --config FILE  the signer config (modules and ksks)\n"
	      "  -e, --export DIR   write DIR/root-anchors.xml (RFC 7958), DIR/root.key and\n"
	      "                     DIR/root.ds for the configured KSKs instead of listing\n"
	      "  -h, --help, -V, --version\n"
	      "columns: module token serial label algorithm bits key_tag flags ds_sha256 config\n"
	      "exit: 0 ok, 1 a key differs from the config, 2 usage/config, 3 HSM or I/O error\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "config", required_argument, NULL, 'c' },
					      { "export", required_argument, NULL, 'e' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      { NULL, 0, NULL, 0 } };
	const char *config = NULL, *dir = NULL;
	hl_err_t err = { { 0 }, { 0 } };
	hl_config_t *cfg;
	int c, rc;

	while ((c = getopt_long(argc, argv, "c:e:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'e':
			dir = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("ksk-inventory (hsmlab) 0.1.0");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		return 3;
	rc = hl_config_load(config, cfg, &err);
	if (rc == 0)
		rc =
		    dir ? hl_inventory_export(cfg, dir, &err) : hl_inventory_run(cfg, stdout, &err);
	if (rc != 0) {
		fflush(stdout);
		fprintf(stderr, "ksk-inventory: %s: %s\n", err.check, err.msg);
		rc = strcmp(err.check, "CONFIG") == 0                                ? 2
		     : strcmp(err.check, "HSM") == 0 || strcmp(err.check, "IO") == 0 ? 3
										     : 1;
	} else if (dir != NULL) {
		printf("ksk-inventory: wrote %s/root-anchors.xml, root.key, root.ds\n", dir);
	}
	free(cfg);
	return rc;
}
