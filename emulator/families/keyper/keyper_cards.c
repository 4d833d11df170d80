/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper's card sets (quirks.md K10): SO and operator (OP) credentials
 * made on the device and split M of N over card files, their check against the device, and
 * the recovery shares (RKSH) of the SMK. The card rules (kind, owner, set, duplicates,
 * quorum, forged shares, PINs) are core/cards'; the device keeps only a check value of each
 * credential, so cards of an older set (replaced) are refused too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "keyper/keyper_int.h"
#include "p11/hl_p11.h"

hl_status_t ky_check_of(const char *kind, const uint8_t *secret, size_t len, uint8_t out[32])
{
	uint8_t buf[64 + HL_CARD_SECRET_MAX];
	int n = snprintf((char *)buf, 64, "hsmlab keyper %s v1", kind);
	if (len > HL_CARD_SECRET_MAX)
		return HL_ERR_ARGS;
	memcpy(buf + n, secret, len);
	hl_status_t st = hl_crypto_sha256(buf, (size_t)n + len, out);
	hl_crypto_wipe(buf, sizeof(buf));
	return st;
}

hl_status_t ky_cards_write(ky_step_t *step, hl_card_set_t *set, const uint8_t *secret, size_t len,
			   const char *dir, const char *pin)
{
	char bad[1024];
	hl_status_t st = hl_cards_split_to_files(set, secret, len, dir, pin, bad, sizeof(bad));
	if (st != HL_OK)
		snprintf(step->why, sizeof(step->why), "%s: cannot write card: %s", bad,
			 hl_strerror(st));
	return st;
}

hl_status_t ky_cards_make(ky_step_t *step, const char *kind, const hl_quirk_mofn_t *quorum,
			  const char *quirk, const char *dir, const char *pin,
			  uint8_t check_out[32])
{
	uint8_t secret[KY_SECRET_LEN];
	hl_card_set_t set = { .threshold = 0 };
	snprintf(set.kind, sizeof(set.kind), "%s", kind);
	if (!ky_quorum(quorum, &set.threshold, &set.count)) {
		snprintf(step->why, sizeof(step->why),
			 "profile %s: quirk %s needs value = [ m, n ] (1 <= m <= n <= 255)",
			 step->dev->profile->name, quirk);
		return HL_ERR_PROFILE_INVALID;
	}
	snprintf(set.owner, sizeof(set.owner), "%s", step->dev->serial);
	hl_status_t st = hl_crypto_random(secret, sizeof(secret));
	if (st == HL_OK)
		st = ky_cards_write(step, &set, secret, sizeof(secret), dir, pin);
	if (st == HL_OK)
		st = ky_check_of(kind, secret, sizeof(secret), check_out);
	hl_crypto_wipe(secret, sizeof(secret));
	return st;
}

/* Recombines n card files of kind and owner; names the card at fault in step->why. */
static hl_status_t combine(ky_step_t *step, const char *kind, const char *owner,
			   const char *const *paths, CK_ULONG n, const char *pin, uint8_t *secret,
			   size_t *len)
{
	const char *pins[255];
	size_t bad = n;
	if (!paths || !n || n > 255)
		return HL_ERR_ARGS;
	for (CK_ULONG i = 0; i < n; i++)
		pins[i] = pin;
	hl_card_expect_t want = { .kind = kind, .owner = owner };
	hl_status_t st = hl_cards_combine_files(&want, paths, pins, n, secret, len, &bad);
	if (st == HL_OK && *len != KY_SECRET_LEN)
		st = HL_ERR_CARD_MISMATCH;
	char few[128];
	if (st == HL_ERR_CARD_TOO_FEW)
		hl_fam_too_few(paths, pin, n, few, sizeof(few));
	if (st == HL_ERR_CARD_TOO_FEW)
		snprintf(step->why, sizeof(step->why), "%s cards (owner %s): %s", kind, owner, few);
	else if (st != HL_OK && bad < n)
		snprintf(step->why, sizeof(step->why), "%s cards: %s: %s", kind, paths[bad],
			 hl_strerror(st));
	else if (st != HL_OK)
		snprintf(step->why, sizeof(step->why), "%s cards (owner %s): %s", kind, owner,
			 hl_strerror(st));
	return st;
}

hl_status_t ky_cards_check(ky_step_t *step, const char *kind, const char *meta,
			   const char *const *paths, CK_ULONG n, const char *pin)
{
	uint8_t secret[HL_CARD_SECRET_MAX], have[32], *want = NULL;
	size_t len = 0, wlen = 0;
	hl_status_t st = combine(step, kind, step->dev->serial, paths, n, pin, secret, &len);
	if (st == HL_OK)
		st = ky_check_of(kind, secret, len, have);
	if (st == HL_OK && hl_store_meta_get(step->dev->store, meta, &want, &wlen) != HL_OK) {
		snprintf(step->why, sizeof(step->why), "device %s has no %s card set",
			 step->dev->serial, kind);
		st = HL_ERR_KEYPER_STATE;
	}
	if (st == HL_OK && (wlen != sizeof(have) || !hl_crypto_memeq(want, have, sizeof(have)))) {
		snprintf(step->why, sizeof(step->why),
			 "%s cards: not the device's current set (replaced since?)", kind);
		st = HL_ERR_CARD_WRONG_SET;
	}
	hl_crypto_wipe(secret, sizeof(secret));
	free(want);
	return st;
}

/* -- recovery shares (RKSH): the SMK split again, 5 of 7 -- */

CK_RV hl_keyper_recovery_cards(CK_SLOT_ID slot, const char *owner, const char *const *smk_cards,
			       CK_ULONG n, const char *dir, const char *pin)
{
	ky_step_t step = { .what = "recovery cards" };
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len = 0;
	if (!owner || !dir)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_card_set_t set = { .kind = KY_CARD_RKSH };
	snprintf(set.owner, sizeof(set.owner), "%s", owner);
	hl_status_t st = HL_OK;
	if (!ky_quorum(&ky_switches(step.dev)->recovery_quorum, &set.threshold, &set.count)) {
		snprintf(step.why, sizeof(step.why), "profile %s: no recovery_quorum = [ m, n ]",
			 step.dev->profile->name);
		st = HL_ERR_PROFILE_INVALID;
	}
	if (st == HL_OK)
		st = combine(&step, KY_CARD_SMK, owner, smk_cards, n, pin, secret, &len);
	if (st == HL_OK)
		st = ky_cards_write(&step, &set, secret, len, dir, pin);
	if (st == HL_OK) {
		char details[96];
		snprintf(details, sizeof(details), "made keyper-rksh %u-of-%u of SMK %s",
			 set.threshold, set.count, owner);
		st = hl_fam_audit(step.dev, HL_AUDIT_CARDS, "recovery", details);
	}
	hl_crypto_wipe(secret, sizeof(secret));
	return ky_leave(&step, st);
}

/* The recovered SMK becomes the device's domain (fam_backup.c seals it in the store; no card
 * or file of it is written) with the recovery's audit record, in one transaction. */
static hl_status_t load_smk(ky_step_t *step, const char *owner, const uint8_t *secret, size_t len)
{
	if (len != HL_FAM_DOMAIN_LEN) {
		snprintf(step->why, sizeof(step->why),
			 "keyper-rksh cards (owner %s) hold %zu bytes, not an SMK", owner, len);
		return HL_ERR_CARD_MISMATCH;
	}
	hl_status_t st = hl_store_begin(step->dev->store);
	if (st != HL_OK)
		return st;
	st = hl_fam_domain_set(step->dev, owner, secret, len, "loaded from cards");
	if (st == HL_OK)
		st = hl_fam_audit(step->dev, HL_AUDIT_CARDS, "recovery",
				  "SMK loaded from keyper-rksh cards");
	if (st == HL_OK)
		st = hl_store_commit(step->dev->store);
	else
		hl_store_rollback(step->dev->store);
	return st;
}

CK_RV hl_keyper_recover(CK_SLOT_ID slot, const char *owner, const char *const *rksh_cards,
			CK_ULONG n, const char *pin)
{
	ky_step_t step = { .what = "recover" };
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len = 0;
	if (!owner)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_status_t st = combine(&step, KY_CARD_RKSH, owner, rksh_cards, n, pin, secret, &len);
	if (st == HL_OK)
		st = load_smk(&step, owner, secret, len);
	hl_crypto_wipe(secret, sizeof(secret));
	return ky_leave(&step, st);
}
