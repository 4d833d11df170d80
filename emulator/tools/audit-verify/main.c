/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-audit-verify: checks an exported device audit log offline and names every changed,
 * dropped, inserted or reordered record by line. Exit codes: 0 intact, 1 problems found,
 * 2 usage error, 3 the export or the key file cannot be read. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/hl_audit.h"
#include "crypto/hl_crypto.h"

enum { EXIT_INTACT = 0, EXIT_BROKEN = 1, EXIT_USAGE = 2, EXIT_UNREADABLE = 3 };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hsmlab-audit-verify [--key-file FILE | --key-hex HEX] [--quiet] EXPORT\n"
		"\n"
		"Verifies an hsmlab audit export (emulator/doc/formats.md): every record's hash,\n"
		"the hash chain, the sequence numbers and the end line; with the domain's audit\n"
		"key (32 bytes, raw or as 64 hex digits) also every HMAC.\n"
		"\n"
		"  -k, --key-file FILE  audit key file\n"
		"  -x, --key-hex HEX    audit key as 64 hex digits\n"
		"  -q, --quiet          print problems only\n"
		"  -h, --help           this text\n"
		"  -V, --version        program version\n"
		"\n"
		"Exit status: 0 intact, 1 problems found (each printed as FILE:LINE: kind: "
		"what),\n"
		"2 usage error, 3 the export or key file cannot be read.\n");
}

static bool hex_key(const char *s, uint8_t key[HL_AUDIT_KEY_LEN])
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
		n--;
	if (n != 2 * HL_AUDIT_KEY_LEN)
		return false;
	for (size_t i = 0; i < HL_AUDIT_KEY_LEN; i++) {
		unsigned v;
		char two[3] = { s[2 * i], s[2 * i + 1], 0 };
		if (!strchr("0123456789abcdefABCDEF", two[0]) ||
		    !strchr("0123456789abcdefABCDEF", two[1]) || sscanf(two, "%2x", &v) != 1)
			return false;
		key[i] = (uint8_t)v;
	}
	return true;
}

static int read_key_file(const char *path, uint8_t key[HL_AUDIT_KEY_LEN])
{
	char buf[2 * HL_AUDIT_KEY_LEN + 8] = { 0 };
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "hsmlab-audit-verify: %s: cannot open key file\n", path);
		return EXIT_UNREADABLE;
	}
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n == HL_AUDIT_KEY_LEN) {
		memcpy(key, buf, HL_AUDIT_KEY_LEN);
	} else if (!hex_key(buf, key)) {
		hl_crypto_wipe(buf, sizeof(buf));
		fprintf(stderr,
			"hsmlab-audit-verify: %s: key file must hold 32 raw bytes or 64 hex "
			"digits\n",
			path);
		return EXIT_UNREADABLE;
	}
	hl_crypto_wipe(buf, sizeof(buf));
	return EXIT_INTACT;
}

static int report(const char *path, hl_status_t st, const hl_audit_report_t *rep, bool keyed,
		  bool quiet)
{
	if (st != HL_OK && st != HL_ERR_AUDIT_BROKEN) {
		fprintf(stderr, "hsmlab-audit-verify: %s: %s\n", path, hl_strerror(st));
		return EXIT_UNREADABLE;
	}
	size_t shown =
	    rep->n_problems < HL_AUDIT_MAX_PROBLEMS ? rep->n_problems : HL_AUDIT_MAX_PROBLEMS;
	for (size_t i = 0; i < shown; i++)
		fprintf(stderr, "%s:%zu: %s: %s\n", path, rep->problems[i].line,
			hl_audit_problem_name(rep->problems[i].kind), rep->problems[i].msg);
	if (rep->n_problems > shown)
		fprintf(stderr, "%s: ... and %zu more problems\n", path, rep->n_problems - shown);
	if (!quiet)
		printf("%s: device %s, %llu records, %s%s\n", path, rep->serial,
		       (unsigned long long)rep->records, st == HL_OK ? "intact" : "NOT intact",
		       st != HL_OK          ? ""
		       : rep->authenticated ? ", authenticated"
		       : keyed              ? ""
					    : " (not authenticated: no key given)");
	return st == HL_OK ? EXIT_INTACT : EXIT_BROKEN;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-file", required_argument, NULL, 'k' },
		{ "key-hex", required_argument, NULL, 'x' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t key[HL_AUDIT_KEY_LEN] = { 0 };
	hl_audit_report_t rep;
	bool keyed = false, quiet = false;
	int c, rc = EXIT_INTACT;
	while ((c = getopt_long(argc, argv, "k:x:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			rc = read_key_file(optarg, key);
			if (rc != EXIT_INTACT)
				goto out;
			keyed = true;
			break;
		case 'x':
			if (!hex_key(optarg, key)) {
				fprintf(stderr,
					"hsmlab-audit-verify: --key-hex: need 64 hex digits\n");
				rc = EXIT_USAGE;
				goto out;
			}
			keyed = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			goto out;
		case 'V':
			printf("hsmlab-audit-verify (hsmlab) %s\n", HSMLAB_VERSION);
			goto out;
		default:
			usage(stderr);
			rc = EXIT_USAGE;
			goto out;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	hl_status_t st = hl_audit_verify_file(argv[optind], keyed ? key : NULL, &rep);
	rc = report(argv[optind], st, &rep, keyed, quiet);
out:
	hl_crypto_wipe(key, sizeof(key));
	return rc;
}
