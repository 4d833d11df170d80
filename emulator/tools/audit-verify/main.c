/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-audit-verify: checks an exported device audit log offline and names every changed,
 * dropped, inserted or reordered record by line; authenticates it with an audit key or with
 * the backup domain's cards (M of N card files and their PIN: the auditor's verifier, no
 * device needed). Exit codes: 0 intact, 1 problems found, 2 usage error, 3 the export, a key
 * or a card file cannot be used, 4 intact but keyed by a key that was not given. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/hl_audit.h"
#include "audit_text.h"
#include "cards/hl_cards.h"
#include "crypto/hl_crypto.h"

enum { EXIT_INTACT = 0, EXIT_BROKEN = 1, EXIT_USAGE = 2, EXIT_UNREADABLE = 3, EXIT_UNKEYED = 4 };

#define MAX_KEYS 4
#define MAX_CARDS 255

static void usage(FILE *f)
{
	fprintf(f,
		"usage: hsmlab-audit-verify [--key-file FILE] [--key-hex HEX]\n"
		"                           [--cards CARD]... [--card-pin PIN] [--quiet]\n"
		"                           EXPORT [CARD...]\n"
		"\n"
		"Verifies an hsmlab audit export (emulator/doc/formats.md): every record's hash,\n"
		"the hash chain, the sequence numbers and the end line; with audit keys also the\n"
		"HMACs. A version-2 export names the key of each HMAC: a device's own key, or its\n"
		"backup domain's (the Keyper SMK / Luna cloning domain), which the domain's cards\n"
		"give: M of its N card files (keyper-smk-<i>.card / luna-domain-<i>.card) and\n"
		"their PIN.\n"
		"\n"
		"  -k, --key-file FILE  audit key file (32 raw bytes or 64 hex digits)\n"
		"  -x, --key-hex HEX    audit key as 64 hex digits\n"
		"  -c, --cards CARD     a card file of the domain (repeat for each card, or list\n"
		"                       the cards after the export: EXPORT CARD...)\n"
		"  -p, --card-pin PIN   the cards' PIN\n"
		"  -q, --quiet          print problems only\n"
		"  -h, --help           this text\n"
		"  -V, --version        program version\n"
		"\n"
		"Exit status: 0 intact (and authenticated, when keys or cards were given), 1\n"
		"problems found (each printed as FILE:LINE: kind: what), 2 usage error, 3 the\n"
		"export, a key or a card cannot be used, 4 intact but keyed by a key that was not\n"
		"given (another device or domain: named). Records whose device time runs\n"
		"backwards are warned about on stderr (the chain may still be intact).\n");
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

/* The domain's audit key from M of its card files: the first card says which set. */
static int key_from_cards(const char *const *paths, size_t n, const char *pin,
			  uint8_t key[HL_AUDIT_KEY_LEN])
{
	hl_card_t first;
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len = 0, bad = 0;
	const char *pins[MAX_CARDS];
	hl_status_t st = hl_card_read(paths[0], pin, &first);
	if (st != HL_OK) {
		fprintf(stderr, "hsmlab-audit-verify: %s: %s\n", paths[0], hl_strerror(st));
		return EXIT_UNREADABLE;
	}
	char owner[HL_CARD_OWNER_MAX + 1];
	snprintf(owner, sizeof(owner), "%s", first.set.owner);
	char kind[HL_CARD_KIND_MAX + 1];
	snprintf(kind, sizeof(kind), "%s", first.set.kind);
	hl_card_expect_t want = { .kind = kind, .owner = owner };
	hl_card_wipe(&first);
	if (strcmp(want.kind, "keyper-smk") != 0 && strcmp(want.kind, "luna-domain") != 0) {
		fprintf(stderr,
			"hsmlab-audit-verify: %s: a %s card, not a domain card (keyper-smk or "
			"luna-domain)\n",
			paths[0], want.kind);
		return EXIT_UNREADABLE;
	}
	for (size_t i = 0; i < n; i++)
		pins[i] = pin;
	st = hl_cards_combine_files(&want, paths, pins, n, secret, &len, &bad);
	if (st == HL_OK)
		st = hl_audit_domain_key_derive(secret, len, key);
	hl_crypto_wipe(secret, sizeof(secret));
	if (st != HL_OK) {
		fprintf(stderr, "hsmlab-audit-verify: %s: %s\n", bad < n ? paths[bad] : "cards",
			hl_strerror(st));
		return EXIT_UNREADABLE;
	}
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
	bool unkeyed = st == HL_OK && keyed && !rep->authenticated;
	if (unkeyed && rep->unauthenticated)
		fprintf(stderr,
			"%s: cannot authenticate records seq %llu on (%llu records) and the end "
			"line: keyed by %s, which was not given (intact: nothing found tampered)\n",
			path, (unsigned long long)rep->first_unauthenticated,
			(unsigned long long)rep->unauthenticated, rep->missing_key);
	else if (unkeyed)
		fprintf(stderr,
			"%s: cannot authenticate the end line: keyed by %s, which was not given "
			"(a cut tail would go unseen)\n",
			path, rep->missing_key);
	if (!quiet)
		printf("%s: device %s, %llu records, %s%s\n", path, rep->serial,
		       (unsigned long long)rep->records, st == HL_OK ? "intact" : "NOT intact",
		       st != HL_OK          ? ""
		       : rep->authenticated ? ", authenticated"
		       : keyed              ? ", NOT authenticated (another key)"
					    : " (not authenticated: no key given)");
	return st != HL_OK ? EXIT_BROKEN : unkeyed ? EXIT_UNKEYED : EXIT_INTACT;
}

/* Adds a key from --key-file / --key-hex; EXIT_INTACT or the exit code. */
static int add_key(int opt, const char *arg, uint8_t keys[][HL_AUDIT_KEY_LEN], size_t *n)
{
	if (*n == MAX_KEYS) {
		fprintf(stderr, "hsmlab-audit-verify: at most %d keys\n", MAX_KEYS);
		return EXIT_USAGE;
	}
	if (opt == 'k') {
		int rc = read_key_file(arg, keys[*n]);
		if (rc != EXIT_INTACT)
			return rc;
	} else if (!hex_key(arg, keys[*n])) {
		fprintf(stderr, "hsmlab-audit-verify: --key-hex: need 64 hex digits\n");
		return EXIT_USAGE;
	}
	(*n)++;
	return EXIT_INTACT;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-file", required_argument, NULL, 'k' },
		{ "key-hex", required_argument, NULL, 'x' },
		{ "cards", required_argument, NULL, 'c' },
		{ "card-pin", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t keys[MAX_KEYS][HL_AUDIT_KEY_LEN] = { { 0 } };
	const char *cards[MAX_CARDS], *card_pin = NULL;
	size_t n_keys = 0, n_cards = 0;
	hl_audit_report_t rep;
	bool quiet = false;
	int c, rc = EXIT_INTACT;
	while ((c = getopt_long(argc, argv, "k:x:c:p:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
		case 'x':
			rc = add_key(c, optarg, keys, &n_keys);
			if (rc != EXIT_INTACT)
				goto out;
			break;
		case 'c':
			if (n_cards == MAX_CARDS) {
				fprintf(stderr, "hsmlab-audit-verify: too many cards\n");
				rc = EXIT_USAGE;
				goto out;
			}
			cards[n_cards++] = optarg;
			break;
		case 'p':
			card_pin = optarg;
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
	/* EXPORT, then optionally the cards themselves (a shell glob of the card files). */
	size_t extra = optind < argc ? (size_t)(argc - optind - 1) : 0;
	if (optind >= argc || extra > MAX_CARDS - n_cards ||
	    (n_keys == MAX_KEYS && n_cards + extra > 0)) {
		usage(stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	for (int i = optind + 1; i < argc; i++)
		cards[n_cards++] = argv[i];
	if (n_cards) {
		rc = key_from_cards(cards, n_cards, card_pin, keys[n_keys]);
		if (rc != EXIT_INTACT)
			goto out;
		n_keys++;
	}
	hl_status_t st = hl_audit_verify_file_keys(
	    argv[optind], (const uint8_t(*)[HL_AUDIT_KEY_LEN])keys, n_keys, &rep);
	rc = report(argv[optind], st, &rep, n_keys > 0, quiet);
	/* The chain holds whatever the clock did: a device clock set back (or libfaketime
	 * mixed with `clock set`) is for the auditor to judge, so it warns, never fails. */
	if (rc == EXIT_INTACT || rc == EXIT_UNKEYED)
		hl_audit_text_backwards(argv[optind], "hsmlab-audit-verify", stderr);
out:
	hl_crypto_wipe(keys, sizeof(keys));
	return rc;
}
