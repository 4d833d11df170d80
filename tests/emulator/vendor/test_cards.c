/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for credential cards (emulator/core/cards): M-of-N split and recombination through
 * card files, with every error a ceremony can run into (wrong kind, duplicate, too few,
 * another device/domain/set, wrong PIN, corrupt or newer card file). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cards/hl_cards.h"
#include "crypto/hl_crypto.h"

static char dir[] = "/tmp/hsmlab-cards-XXXXXX";
static uint8_t smk[32];

static void setup(void)
{
	cr_assert_not_null(mkdtemp(dir));
	for (size_t i = 0; i < sizeof(smk); i++)
		smk[i] = (uint8_t)(0xA0 + i);
}

static void teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(cards, .init = setup, .fini = teardown);

/* Makes a set of count cards in dir as <prefix>-<i>.card; pins[i] (may be NULL) per card. */
static hl_card_set_t make_set(const char *kind, const char *owner, unsigned m, unsigned n,
			      const char *prefix, const char *const *pins)
{
	hl_card_set_t set = { .threshold = m, .count = n };
	snprintf(set.kind, sizeof(set.kind), "%s", kind);
	hl_card_t cards[16];
	char path[256];
	strcpy(set.owner, owner);
	cr_assert_eq(hl_cards_split(&set, smk, sizeof(smk), cards), HL_OK);
	for (unsigned i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s-%u.card", dir, prefix, i + 1);
		cr_assert_eq(hl_card_write(&cards[i], path, pins ? pins[i] : NULL), HL_OK);
		hl_card_wipe(&cards[i]);
	}
	return set;
}

static char *card(const char *prefix, unsigned i)
{
	static char paths[8][256];
	static unsigned next;
	char *p = paths[next++ % 8];
	snprintf(p, 256, "%s/%s-%u.card", dir, prefix, i);
	return p;
}

static hl_status_t combine(const char *kind, const char *owner, const uint8_t *set_id,
			   const char *const *paths, const char *const *pins, size_t n, size_t *bad)
{
	hl_card_expect_t want = { .kind = kind, .owner = owner, .set_id = set_id };
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len = 999;
	hl_status_t st = hl_cards_combine_files(&want, paths, pins, n, secret, &len, bad);
	if (st == HL_OK) {
		cr_assert_eq(len, sizeof(smk));
		cr_assert_arr_eq(secret, smk, sizeof(smk));
	} else {
		cr_assert_eq(len, 999, "length written on failure");
	}
	return st;
}

Test(cards, any_quorum_of_operator_cards_recombines)
{
	hl_card_set_t set = make_set("keyper-op", "K0001", 3, 7, "op", NULL);
	const char *a[] = { card("op", 1), card("op", 2), card("op", 3) };
	const char *b[] = { card("op", 7), card("op", 4), card("op", 2) };
	const char *c[] = { card("op", 5), card("op", 6), card("op", 1), card("op", 3),
			    card("op", 7) };
	cr_assert_eq(combine("keyper-op", "K0001", NULL, a, NULL, 3, NULL), HL_OK);
	cr_assert_eq(combine("keyper-op", "K0001", set.set_id, b, NULL, 3, NULL), HL_OK);
	cr_assert_eq(combine("keyper-op", "K0001", NULL, c, NULL, 5, NULL), HL_OK);
	struct stat sb;
	cr_assert_eq(stat(card("op", 1), &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600, "card files are private");
}

Test(cards, luna_ikeys_with_pins)
{
	const char *pins[] = { "1111", "2222", "3333" };
	make_set("luna-co", "domain-2024", 2, 3, "co", pins);
	cr_assert(hl_card_has_pin(card("co", 1)));
	const char *p[] = { card("co", 3), card("co", 1) };
	const char *good[] = { "3333", "1111" }, *wrong[] = { "3333", "1112" };
	size_t bad = 99;
	cr_assert_eq(combine("luna-co", "domain-2024", NULL, p, good, 2, NULL), HL_OK);
	cr_assert_eq(combine("luna-co", "domain-2024", NULL, p, wrong, 2, &bad),
		     HL_ERR_CARD_PIN_INCORRECT);
	cr_assert_eq(bad, 1, "the second card's PIN is wrong");
	cr_assert_eq(combine("luna-co", "domain-2024", NULL, p, NULL, 2, &bad),
		     HL_ERR_CARD_PIN_INCORRECT, "a PIN card without its PIN");
}

Test(cards, wrong_kind)
{
	make_set("keyper-smk", "K0001", 3, 7, "smk", NULL);
	make_set("keyper-op", "K0001", 3, 7, "op", NULL);
	const char *p[] = { card("op", 1), card("smk", 2), card("op", 3) };
	size_t bad = 99;
	cr_assert_eq(combine("keyper-op", "K0001", NULL, p, NULL, 3, &bad), HL_ERR_CARD_WRONG_KIND);
	cr_assert_eq(bad, 1);
}

Test(cards, duplicate_card)
{
	make_set("keyper-op", "K0001", 3, 7, "op", NULL);
	const char *p[] = { card("op", 1), card("op", 2), card("op", 1) };
	size_t bad = 99;
	cr_assert_eq(combine("keyper-op", "K0001", NULL, p, NULL, 3, &bad), HL_ERR_CARD_DUPLICATE);
	cr_assert_eq(bad, 2);
}

Test(cards, too_few_cards)
{
	make_set("keyper-rksh", "K0001", 5, 7, "rksh", NULL);
	const char *p[] = { card("rksh", 1), card("rksh", 2), card("rksh", 3), card("rksh", 4) };
	cr_assert_eq(combine("keyper-rksh", "K0001", NULL, p, NULL, 4, NULL), HL_ERR_CARD_TOO_FEW);
	cr_assert_eq(combine("keyper-rksh", "K0001", NULL, p, NULL, 0, NULL), HL_ERR_CARD_TOO_FEW);
}

Test(cards, card_of_another_device_or_domain)
{
	make_set("keyper-op", "K0001", 3, 7, "a", NULL);
	make_set("keyper-op", "K0002", 3, 7, "b", NULL);
	const char *p[] = { card("a", 1), card("a", 2), card("b", 3) };
	size_t bad = 99;
	cr_assert_eq(combine("keyper-op", "K0001", NULL, p, NULL, 3, &bad),
		     HL_ERR_CARD_WRONG_OWNER);
	cr_assert_eq(bad, 2);
	make_set("luna-domain", "domain-a", 2, 3, "da", NULL);
	const char *q[] = { card("da", 1), card("da", 2) };
	cr_assert_eq(combine("luna-domain", "domain-b", NULL, q, NULL, 2, NULL),
		     HL_ERR_CARD_WRONG_OWNER);
}

Test(cards, card_of_another_set)
{
	hl_card_set_t s1 = make_set("keyper-smk", "K0001", 3, 7, "s1", NULL);
	hl_card_set_t s2 = make_set("keyper-smk", "K0001", 3, 7, "s2", NULL);
	cr_assert_arr_neq(s1.set_id, s2.set_id, HL_CARD_SET_ID_LEN);
	const char *mixed[] = { card("s1", 1), card("s1", 2), card("s2", 3) };
	cr_assert_eq(combine("keyper-smk", "K0001", NULL, mixed, NULL, 3, NULL),
		     HL_ERR_CARD_WRONG_SET);
	const char *p[] = { card("s2", 1), card("s2", 2), card("s2", 3) };
	cr_assert_eq(combine("keyper-smk", "K0001", s1.set_id, p, NULL, 3, NULL),
		     HL_ERR_CARD_WRONG_SET, "the device expects set 1");
}

/* Rewrites a card file through f (applied to the text) and re-tags it if retag. */
static void doctor(const char *path, void (*f)(char *), bool retag)
{
	char text[4096] = "";
	FILE *fp = fopen(path, "r");
	cr_assert_not_null(fp);
	size_t n = fread(text, 1, sizeof(text) - 1, fp);
	text[n] = '\0';
	fclose(fp);
	f(text);
	if (retag) {
		char *t = strstr(text, "tag ");
		uint8_t h[32];
		cr_assert_eq(hl_crypto_sha256((uint8_t *)text, (size_t)(t - text), h), HL_OK);
		for (int i = 0; i < 32; i++)
			snprintf(t + 4 + 2 * i, 3, "%02x", h[i]);
		t[68] = '\n';
	}
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

static void flip_share(char *t)
{
	char *s = strstr(t, "\nshare ") + 7;
	s[3] = s[3] == '0' ? '1' : '0';
}

static void cut(char *t)
{
	t[strlen(t) / 2] = '\0';
}

static void version2(char *t)
{
	t[12] = '2';
}

static void no_pin_line(char *t)
{
	char *p = strstr(t, "pin none\n");
	memmove(p, p + 9, strlen(p + 9) + 1);
}

Test(cards, corrupt_and_newer_card_files)
{
	hl_card_t c;
	make_set("keyper-so", "K0001", 2, 4, "so", NULL);
	doctor(card("so", 1), flip_share, false);
	cr_assert_eq(hl_card_read(card("so", 1), NULL, &c), HL_ERR_CARD_CORRUPT);
	doctor(card("so", 2), cut, false);
	cr_assert_eq(hl_card_read(card("so", 2), NULL, &c), HL_ERR_CARD_CORRUPT);
	doctor(card("so", 3), version2, false);
	cr_assert_eq(hl_card_read(card("so", 3), NULL, &c), HL_ERR_CARD_TOO_NEW);
	doctor(card("so", 4), no_pin_line, true);
	cr_assert_eq(hl_card_read(card("so", 4), NULL, &c), HL_ERR_CARD_CORRUPT,
		     "well tagged but malformed");
	cr_assert_eq(hl_card_read("/nonexistent/x.card", NULL, &c), HL_ERR_IO);
	FILE *f = fopen(card("junk", 1), "w");
	fputs("hello\n", f);
	fclose(f);
	cr_assert_eq(hl_card_read(card("junk", 1), NULL, &c), HL_ERR_CARD_CORRUPT);
	const char *p[] = { card("so", 1), card("so", 2) };
	size_t bad = 99;
	cr_assert_eq(combine("keyper-so", "K0001", NULL, p, NULL, 2, &bad), HL_ERR_CARD_CORRUPT);
	cr_assert_eq(bad, 0);
}

Test(cards, forged_share_is_caught_by_the_set_check)
{
	make_set("keyper-aak", "K0001", 2, 3, "aak", NULL);
	doctor(card("aak", 2), flip_share, true); /* someone re-tagged a changed share */
	const char *p[] = { card("aak", 1), card("aak", 2) };
	cr_assert_eq(combine("keyper-aak", "K0001", NULL, p, NULL, 2, NULL), HL_ERR_CARD_MISMATCH);
	const char *q[] = { card("aak", 1), card("aak", 3) };
	cr_assert_eq(combine("keyper-aak", "K0001", NULL, q, NULL, 2, NULL), HL_OK);
}

Test(cards, split_refuses_bad_parameters)
{
	hl_card_t cards[8];
	hl_card_set_t set = { .kind = "keyper-op", .threshold = 4, .count = 3 };
	strcpy(set.owner, "K0001");
	cr_assert_eq(hl_cards_split(&set, smk, 32, cards), HL_ERR_ARGS, "M > N");
	set.threshold = 0;
	cr_assert_eq(hl_cards_split(&set, smk, 32, cards), HL_ERR_ARGS, "M = 0");
	set.threshold = 2;
	cr_assert_eq(hl_cards_split(&set, smk, HL_CARD_SECRET_MAX + 1, cards), HL_ERR_ARGS);
	strcpy(set.owner, "has space");
	cr_assert_eq(hl_cards_split(&set, smk, 32, cards), HL_ERR_ARGS, "bad owner");
	strcpy(set.owner, "K0001");
	strcpy(set.kind, "Keyper-OP");
	cr_assert_eq(hl_cards_split(&set, smk, 32, cards), HL_ERR_ARGS, "kind not a family name");
	strcpy(set.kind, "");
	cr_assert_eq(hl_cards_split(&set, smk, 32, cards), HL_ERR_ARGS, "no kind");
	cr_assert(hl_card_kind_ok("acme-op2"));
	cr_assert_not(hl_card_kind_ok("2fa-card"), "starts with a digit");
	cr_assert_not(hl_card_kind_ok("an-overlong-kind-name-of-32-char"), "32 characters");
}

Test(cards, one_of_one_and_short_secrets)
{
	hl_card_set_t set = { .kind = "luna-cu", .threshold = 1, .count = 1 };
	hl_card_t c[1], back;
	uint8_t out[HL_CARD_SECRET_MAX];
	size_t len = 0;
	strcpy(set.owner, "domain-x");
	cr_assert_eq(hl_cards_split(&set, (const uint8_t *)"pw", 2, c), HL_OK);
	cr_assert_eq(hl_card_write(&c[0], card("cu", 1), "pin-of-cu"), HL_OK);
	cr_assert_eq(hl_card_read(card("cu", 1), "pin-of-cu", &back), HL_OK);
	hl_card_expect_t want = { .kind = "luna-cu", .owner = "domain-x" };
	cr_assert_eq(hl_cards_combine(&want, &back, 1, out, &len), HL_OK);
	cr_assert_eq(len, 2);
	cr_assert_arr_eq(out, "pw", 2);
	hl_card_wipe(&c[0]);
	hl_card_wipe(&back);
}

/* Bad input never crashes and is never accepted: random damage to a card file. */
Test(cards, random_damage_is_always_refused)
{
	char text[4096];
	make_set("keyper-smk", "K0001", 2, 2, "fz", (const char *[]){ "123456", NULL });
	for (unsigned which = 1; which <= 2; which++) {
		FILE *f = fopen(card("fz", which), "r");
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		fclose(f);
		srand(which);
		for (int round = 0; round < 150; round++) {
			char copy[4096];
			hl_card_t c;
			memcpy(copy, text, n);
			size_t at = (size_t)rand() % n;
			char was = copy[at];
			do
				copy[at] = (char)(rand() % 256);
			while (copy[at] == was);
			f = fopen(card("fz-bad", 1), "w");
			fwrite(copy, 1, n - (size_t)(round % 3 == 0 ? rand() % 8 : 0), f);
			fclose(f);
			hl_status_t st = hl_card_read(card("fz-bad", 1), "123456", &c);
			cr_assert_neq(st, HL_OK, "card %u: byte %zu changed and still read", which,
				      at);
		}
	}
}
