/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: the CKF_ flag names of slots, tokens and mechanisms, as profile files spell them.
 * One table serves the emulator's profile loader (names to bits) and the bench's fingerprint
 * writer (bits to names), so a name one writes is always one the other reads. */
#include <string.h>

#include "hsmlab/p11client.h"

static const hl_ckf_name_t slot_names[] = {
	{ "CKF_TOKEN_PRESENT", CKF_TOKEN_PRESENT },
	{ "CKF_REMOVABLE_DEVICE", CKF_REMOVABLE_DEVICE },
	{ "CKF_HW_SLOT", CKF_HW_SLOT },
	{ NULL, 0 },
};

/* The static token flags: initialisation and PIN state flags are the token's own state. */
static const hl_ckf_name_t token_names[] = {
	{ "CKF_RNG", CKF_RNG },
	{ "CKF_WRITE_PROTECTED", CKF_WRITE_PROTECTED },
	{ "CKF_LOGIN_REQUIRED", CKF_LOGIN_REQUIRED },
	{ "CKF_RESTORE_KEY_NOT_NEEDED", CKF_RESTORE_KEY_NOT_NEEDED },
	{ "CKF_CLOCK_ON_TOKEN", CKF_CLOCK_ON_TOKEN },
	{ "CKF_PROTECTED_AUTHENTICATION_PATH", CKF_PROTECTED_AUTHENTICATION_PATH },
	{ "CKF_DUAL_CRYPTO_OPERATIONS", CKF_DUAL_CRYPTO_OPERATIONS },
	{ "CKF_SECONDARY_AUTHENTICATION", CKF_SECONDARY_AUTHENTICATION },
	{ NULL, 0 },
};

static const hl_ckf_name_t mech_names[] = {
	{ "CKF_HW", CKF_HW },
	{ "CKF_ENCRYPT", CKF_ENCRYPT },
	{ "CKF_DECRYPT", CKF_DECRYPT },
	{ "CKF_DIGEST", CKF_DIGEST },
	{ "CKF_SIGN", CKF_SIGN },
	{ "CKF_SIGN_RECOVER", CKF_SIGN_RECOVER },
	{ "CKF_VERIFY", CKF_VERIFY },
	{ "CKF_VERIFY_RECOVER", CKF_VERIFY_RECOVER },
	{ "CKF_GENERATE", CKF_GENERATE },
	{ "CKF_GENERATE_KEY_PAIR", CKF_GENERATE_KEY_PAIR },
	{ "CKF_WRAP", CKF_WRAP },
	{ "CKF_UNWRAP", CKF_UNWRAP },
	{ "CKF_DERIVE", CKF_DERIVE },
	{ "CKF_EC_F_P", CKF_EC_F_P },
	{ "CKF_EC_NAMEDCURVE", CKF_EC_NAMEDCURVE },
	{ "CKF_EC_UNCOMPRESS", CKF_EC_UNCOMPRESS },
	{ "CKF_EC_COMPRESS", CKF_EC_COMPRESS },
	{ "CKF_MESSAGE_ENCRYPT", CKF_MESSAGE_ENCRYPT },
	{ "CKF_MESSAGE_DECRYPT", CKF_MESSAGE_DECRYPT },
	{ "CKF_MULTI_MESSAGE", CKF_MULTI_MESSAGE },
	{ NULL, 0 },
};

const hl_ckf_name_t *hl_ckf_names(hl_ckf_kind_t kind)
{
	switch (kind) {
	case HL_CKF_SLOT:
		return slot_names;
	case HL_CKF_TOKEN:
		return token_names;
	default:
		return mech_names;
	}
}

int hl_ckf_value(const char *name, CK_FLAGS *value_out)
{
	for (int k = HL_CKF_SLOT; k <= HL_CKF_MECH; k++)
		for (const hl_ckf_name_t *e = hl_ckf_names((hl_ckf_kind_t)k); name && e->name; e++)
			if (strcmp(e->name, name) == 0) {
				*value_out = e->bit;
				return 0;
			}
	return -1;
}
