/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: credential cards (a vendor's smartcards or USB keys). A secret (a backup
 * domain's secret, an operator credential) is split M of N with libgfshare; each share
 * goes on a card file in the lab, optionally protected by a PIN (PBKDF2 + AES-256-GCM).
 * Combining checks kind, owner, set, duplicates and quorum before any arithmetic, and checks
 * the recombined secret against the set's check value, so every way of presenting the wrong
 * cards gets its own status. The kinds of card are the families': a family names each kind
 * it uses (e.g. "acme-op"), and the codec checks only that a name is well formed. File
 * format: emulator/doc/formats.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hl_status.h"

#define HL_CARD_SET_ID_LEN 16
#define HL_CARD_SECRET_MAX 64
#define HL_CARD_OWNER_MAX 64 /* characters, [A-Za-z0-9._:-] */
#define HL_CARD_PIN_ITERATIONS 50000
#define HL_CARD_KIND_MAX 31 /* characters, [a-z0-9-], starting with a letter */

/* Whether kind is a well-formed card kind name (the family's, written on its cards). */
bool hl_card_kind_ok(const char *kind);

/* What a card set is: the same on every card of the set. */
typedef struct {
	char kind[HL_CARD_KIND_MAX + 1];    /* the family's name for this kind of card */
	char owner[HL_CARD_OWNER_MAX + 1];  /* the device serial or domain the set belongs to */
	uint8_t set_id[HL_CARD_SET_ID_LEN]; /* random, made by hl_cards_split */
	unsigned threshold, count;          /* M of N: 1 <= M <= N <= 255 */
	size_t secret_len;                  /* 1..HL_CARD_SECRET_MAX */
	uint8_t check[32]; /* SHA-256("hsmlab card check v1" || set_id || secret) */
} hl_card_set_t;

/* One card, in memory with its share in clear. Wipe with hl_card_wipe. */
typedef struct {
	hl_card_set_t set;
	unsigned index; /* share number 1..count (libgfshare's sharenr) */
	uint8_t share[HL_CARD_SECRET_MAX];
} hl_card_t;

void hl_card_wipe(hl_card_t *card);

/* Splits secret into set->count cards, threshold of which recombine it. In: set->kind,
 * owner, threshold, count; the function fills set_id, secret_len and check (in *set too).
 * cards_out must hold set->count entries; written only on success (wipe each afterwards). */
hl_status_t hl_cards_split(hl_card_set_t *set, const uint8_t *secret, size_t secret_len,
			   hl_card_t *cards_out);

/* Writes a card file (mode 0600, via a temporary file and rename). pin NULL or "": no PIN. */
hl_status_t hl_card_write(const hl_card_t *card, const char *path, const char *pin);
/* hl_cards_split, then each card written as dir/<kind>-<i>.card (i from 1) with pin. On a
 * failure bad_path (may be NULL) names the card file at fault, or dir. */
hl_status_t hl_cards_split_to_files(hl_card_set_t *set, const uint8_t *secret, size_t secret_len,
				    const char *dir, const char *pin, char *bad_path,
				    size_t bad_len);
/* Reads a card file. HL_ERR_IO (unreadable), HL_ERR_CARD_CORRUPT (not a card, or altered:
 * the integrity tag fails), HL_ERR_CARD_TOO_NEW (format version above 1),
 * HL_ERR_CARD_PIN_INCORRECT (the card has a PIN and pin is missing or wrong). */
hl_status_t hl_card_read(const char *path, const char *pin, hl_card_t *out);
/* Copies the card at src (read with pin) to a new file dst (written with the same pin: a
 * duplicate is the same share of the same set, as a PED's duplicate of a PED key is, so
 * presenting both in one quorum is HL_ERR_CARD_DUPLICATE). HL_ERR_EXISTS when dst exists
 * (never overwritten), else hl_card_read's or the write's status. */
hl_status_t hl_card_duplicate(const char *src, const char *dst, const char *pin);
/* Whether the card file at path needs a PIN (false when unreadable). */
bool hl_card_has_pin(const char *path);

/* What a step needs. set_id NULL: any one set (all cards from the same set). */
typedef struct {
	const char *kind;
	const char *owner;
	const uint8_t *set_id;
} hl_card_expect_t;

/* Recombines the secret from n cards. Checks, in this order, each giving its own status:
 * HL_ERR_CARD_WRONG_KIND, HL_ERR_CARD_WRONG_OWNER (another device or domain),
 * HL_ERR_CARD_WRONG_SET, HL_ERR_CARD_DUPLICATE (same card twice), HL_ERR_CARD_TOO_FEW,
 * HL_ERR_CARD_MISMATCH (a forged share: the result fails the set's check). secret_out holds
 * HL_CARD_SECRET_MAX bytes; *len_out gets the secret length. Both written only on success. */
hl_status_t hl_cards_combine(const hl_card_expect_t *want, const hl_card_t *cards, size_t n,
			     uint8_t *secret_out, size_t *len_out);
/* The same from card files, pins[i] for paths[i] (pins NULL or pins[i] NULL: no PIN). A
 * card that cannot be read stops with hl_card_read's status; *bad_index_out (may be NULL)
 * then names the card at fault. */
hl_status_t hl_cards_combine_files(const hl_card_expect_t *want, const char *const *paths,
				   const char *const *pins, size_t n, uint8_t *secret_out,
				   size_t *len_out, size_t *bad_index_out);
