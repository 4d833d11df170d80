/* SPDX-License-Identifier: BSD-2-Clause
 * hl-test-craft-blobs CARD FAMILY DIR: the crafted blobs of fuzz/craft.c for the backup
 * domain whose secret CARD holds (a 1-of-1 domain card, no PIN), in FAMILY's format
 * (keyper or luna), written as DIR/<name>.blob, with DIR/cases.txt listing per line the
 * name, the status it must give and the words its message must hold; DIR/ok.blob is the
 * writer's own blob of the same object, which restores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards/hl_cards.h"
#include "craft.h"
#include "keyper/hl_keyper.h"
#include "luna/hl_luna.h"

static int domains(const char *card, const char *family, hl_backup_domain_t d[2])
{
	hl_card_t c;
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len = 0;
	const char *paths[1] = { card };
	if (hl_card_read(card, NULL, &c) != HL_OK)
		return -1;
	hl_card_expect_t want = { c.set.kind, c.set.owner, NULL };
	hl_status_t st = hl_cards_combine_files(&want, paths, NULL, 1, secret, &len, NULL);
	hl_card_wipe(&c);
	const hl_backup_format_t *k = &hl_keyper_backup_format, *l = &hl_luna_backup_format;
	bool luna = strcmp(family, "luna") == 0;
	if (st == HL_OK)
		st = hl_backup_domain_derive(luna ? l : k, secret, len, &d[0]);
	if (st == HL_OK)
		st = hl_backup_domain_derive(luna ? k : l, secret, len, &d[1]);
	return st == HL_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
	hl_backup_domain_t d[2];
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BBOOL yes = CK_TRUE;
	uint8_t value[32] = { 9 };
	CK_ATTRIBUTE attrs[] = { { CKA_CLASS, &cls, sizeof(cls) },
				 { CKA_KEY_TYPE, &kt, sizeof(kt) },
				 { CKA_TOKEN, &yes, sizeof(yes) },
				 { CKA_LABEL, "crafted", 7 },
				 { CKA_VALUE, value, sizeof(value) } };
	hl_craft_case_t *cases = NULL;
	size_t n = 0;
	char path[4096];
	if (argc != 4) {
		fprintf(stderr, "usage: %s CARD keyper|luna DIR\n", argv[0]);
		return 2;
	}
	if (domains(argv[1], argv[2], d) != 0 ||
	    hl_craft_cases(&d[0], &d[1], attrs, 5, "CRAFT01", &cases, &n) != 0) {
		fprintf(stderr, "%s: cannot make the blobs from %s\n", argv[0], argv[1]);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/cases.txt", argv[3]);
	FILE *list = fopen(path, "w");
	int rc = list ? 0 : 1;
	for (size_t i = 0; i < n && !rc; i++) {
		if (cases[i].decoder != &d[0])
			continue; /* made for the other vendor's device */
		snprintf(path, sizeof(path), "%s/%s.blob", argv[3], cases[i].name);
		FILE *f = fopen(path, "wb");
		rc = !f || fwrite(cases[i].blob, 1, cases[i].len, f) != cases[i].len;
		rc |= f && fclose(f) != 0;
		fprintf(list, "%s %s %s\n", cases[i].name, hl_status_name(cases[i].want),
			cases[i].why);
	}
	if (list && fclose(list) != 0)
		rc = 1;
	/* The honest blob of the same domain and object: it restores. */
	uint8_t *ok = NULL;
	size_t ok_len = 0;
	snprintf(path, sizeof(path), "%s/ok.blob", argv[3]);
	FILE *f = rc ? NULL : fopen(path, "wb");
	rc |= !f ||
	      hl_backup_encode(&d[0], "CRAFT01", 1700000000, attrs, 5, &ok, &ok_len) != HL_OK ||
	      fwrite(ok, 1, ok_len, f) != ok_len;
	rc |= f && fclose(f) != 0;
	free(ok);
	hl_craft_free(cases, n);
	hl_backup_domain_wipe(&d[0]);
	hl_backup_domain_wipe(&d[1]);
	return rc;
}
