/* SPDX-License-Identifier: BSD-2-Clause
 * skr-verify: validates an SKR (signatures, key tags, continuity, chain, trust, coverage) or
 * a KSR (proof-of-possession signatures).
 * Exit codes: 0 valid; 1 a named check failed; 2 usage error; 3 I/O error. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/signer.h"

static void usage(FILE *f)
{
	fputs("usage: skr-verify [--previous SKR] [--trust-anchor FILE]... [--from TIME --to TIME] "
	      "FILE\n"
	      "  -p, --previous SKR       check that FILE chains to it\n"
	      "  -t, --trust-anchor FILE  root.key / root.ds style DNSKEY or DS lines (up to 8);\n"
	      "                           \"; valid-from=T valid-until=T\" limits a line in time\n"
	      "  -f, --from TIME, -u, --to TIME  every instant must be covered by a (trusted)\n"
	      "                           bundle; TIME is YYYY-MM-DDTHH:MM:SS (UTC)\n"
	      "  -H, --hold-down DUR      how long a revoked KSK must stay published before it\n"
	      "                           leaves (SKR-KSK-CONTINUITY; default P30D, RFC 5011)\n"
	      "  -h, --help, -V, --version\n"
	      "exit: 0 valid, 1 a named check failed, 2 usage or a bad anchor file, 3 I/O error\n",
	      f);
}

static int parse_time(const char *s, time_t *out)
{
	char buf[40];

	if (strlen(s) == 10) { /* a bare date means its midnight */
		snprintf(buf, sizeof(buf), "%sT00:00:00", s);
		s = buf;
	}
	return hl_time_parse(s, out);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = { { "previous", required_argument, NULL, 'p' },
					      { "trust-anchor", required_argument, NULL, 't' },
					      { "from", required_argument, NULL, 'f' },
					      { "to", required_argument, NULL, 'u' },
					      { "hold-down", required_argument, NULL, 'H' },
					      { "help", no_argument, NULL, 'h' },
					      { "version", no_argument, NULL, 'V' },
					      { NULL, 0, NULL, 0 } };
	hl_verify_opts_t o = { .out = stdout };
	hl_err_t err = { { 0 }, { 0 } };
	int c;

	while ((c = getopt_long(argc, argv, "p:t:f:u:H:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			o.prev_path = optarg;
			break;
		case 't':
			if (o.nanchors == 8) {
				fputs("skr-verify: at most 8 --trust-anchor files\n", stderr);
				return 2;
			}
			o.anchors[o.nanchors++] = optarg;
			break;
		case 'f':
		case 'u':
			if (parse_time(optarg, c == 'f' ? &o.from : &o.to) != 0) {
				fprintf(stderr, "skr-verify: bad time %s\n", optarg);
				return 2;
			}
			break;
		case 'H':
			if (hl_duration_parse(optarg, &o.hold_down) != 0 || o.hold_down <= 0) {
				fprintf(stderr, "skr-verify: bad --hold-down %s (want e.g. P30D)\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("skr-verify (hsmlab) 0.1.0");
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind + 1 != argc || (o.from == 0) != (o.to == 0) || o.from > o.to) {
		usage(stderr);
		return 2;
	}
	o.path = argv[optind];
	if (hl_verify_run(&o, &err) != 0) {
		fflush(stdout); /* the refusal comes last, also where both streams are merged */
		fprintf(stderr, "skr-verify: %s: %s\n", err.check, err.msg);
		return strcmp(err.check, "IO") == 0 ? 3 : strcmp(err.check, "ANCHOR") == 0 ? 2 : 1;
	}
	printf("skr-verify: %s: OK\n", o.path);
	return 0;
}
