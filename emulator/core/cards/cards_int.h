/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator cards: internals shared by the sharing and the file code. */
#pragma once

#include "cards/hl_cards.h"

/* The set's check value: SHA-256("hsmlab card check v1" || set_id || secret). */
hl_status_t cards_check_value(const uint8_t set_id[HL_CARD_SET_ID_LEN], const uint8_t *secret,
			      size_t len, uint8_t out[32]);
/* hl_cards_combine, also naming the card at fault (index into cards) on failure. */
hl_status_t cards_combine_at(const hl_card_expect_t *want, const hl_card_t *cards, size_t n,
			     uint8_t *secret_out, size_t *len_out, size_t *bad_out);
/* Whether owner is a valid owner string. */
bool cards_owner_ok(const char *owner);
