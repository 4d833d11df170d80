/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: card files (hl_card_read), with no PIN and with the seeds' PIN, and the
 * combination of what reads back (a card read twice: a duplicate, refused by its own check). */
#include "cards/hl_cards.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = hl_fuzz_file("fuzz.card", data, size);
	const char *pins[2] = { NULL, HL_FUZZ_CARD_PIN };
	hl_card_t cards[2];
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len;

	hl_card_has_pin(path);
	for (int i = 0; i < 2; i++) {
		if (hl_card_read(path, pins[i], &cards[0]) != HL_OK)
			continue;
		cards[1] = cards[0];
		hl_card_expect_t want = { .kind = cards[0].set.kind, .owner = cards[0].set.owner };
		hl_cards_combine(&want, cards, 1, secret, &len);
		hl_cards_combine(&want, cards, 2, secret, &len);
		hl_card_wipe(&cards[0]);
		hl_card_wipe(&cards[1]);
	}
	return 0;
}
