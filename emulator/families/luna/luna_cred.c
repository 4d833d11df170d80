/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: Luna credentials the core does not keep: passwords as PBKDF2 verifiers,
 * multifactor credentials as a random secret split M of N over iKey files (core/cards, L12)
 * whose verifier and set id stay on the device, so foreign, duplicate, too few or
 * wrong-colour iKeys each get the cards' own error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards/hl_cards.h"
#include "crypto/hl_crypto.h"
#include "luna/luna_int.h"
#include "p11/hl_p11.h"

#define SECRET_LEN 32

static const struct {
	const char *key;
	const char *kind;
} roles[] = {
	[LU_HSO] = { "luna_hso", LU_CARD_HSM_SO },
	[LU_PSO] = { "luna_pso", LU_CARD_PARTITION_SO },
	[LU_CO] = { "luna_co", LU_CARD_CO },
	[LU_CU] = { "luna_cu", LU_CARD_CU },
	[LU_DOMAIN] = { "luna_dom", LU_CARD_DOMAIN },
	[LU_PDOMAIN] = { "luna_pdom", LU_CARD_DOMAIN },
	[LU_LCO] = { "luna_lco", LU_CARD_LCO },
	[LU_AUDIT] = { "luna_au", LU_CARD_AUDIT },
};

static void key_of(hl_luna_role_t r, const char *suffix, char *out, size_t n)
{
	snprintf(out, n, "%s%s", roles[r].key, suffix);
}

/* Passwords and multifactor secrets are kept as the core's PIN verifiers (hl_device.h). */
static hl_status_t verifier_put(hl_device_t *dev, const char *key, const uint8_t *v, size_t len)
{
	uint8_t rec[HL_DEVICE_PIN_VERIFIER_LEN];
	hl_status_t st = hl_device_pin_verifier_make(v, len, rec);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, key, rec, sizeof(rec));
	hl_crypto_wipe(rec, sizeof(rec));
	return st;
}

static hl_status_t verifier_check(hl_device_t *dev, const char *key, const uint8_t *v, size_t len)
{
	uint8_t *rec = NULL;
	size_t n = 0;
	hl_status_t st = hl_store_meta_get(dev->store, key, &rec, &n);
	if (st == HL_OK)
		st = hl_device_pin_verifier_check(rec, n, v, len);
	free(rec);
	return st;
}

/* iKey owner: the device (roles) or the domain's name. */
static const char *owner_of(hl_device_t *dev, hl_luna_role_t r, const char *name)
{
	return (r == LU_DOMAIN || r == LU_PDOMAIN) && name && name[0] ? name : dev->serial;
}

static hl_status_t ikeys_write(hl_device_t *dev, hl_luna_role_t r, const hsmlab_luna_cred_t *c,
			       const uint8_t *secret, uint8_t set_id[HL_CARD_SET_ID_LEN])
{
	hl_card_set_t set = { .threshold = (unsigned)c->m, .count = (unsigned)c->n };
	snprintf(set.kind, sizeof(set.kind), "%s", roles[r].kind);
	snprintf(set.owner, sizeof(set.owner), "%s", owner_of(dev, r, c->password));
	char bad[1024];
	hl_status_t st = hl_cards_split_to_files(&set, secret, SECRET_LEN, c->dir, c->ikey_pin, bad,
						 sizeof(bad));
	if (st != HL_OK)
		hl_p11_log("%s: cannot write the iKey: %s", bad, hl_strerror(st));
	if (st == HL_OK)
		memcpy(set_id, set.set_id, HL_CARD_SET_ID_LEN);
	return st;
}

hl_status_t hl_luna_cred_put(hl_device_t *dev, hl_luna_role_t r, const hsmlab_luna_cred_t *c)
{
	char key[32];
	uint8_t secret[SECRET_LEN], set_id[HL_CARD_SET_ID_LEN];
	bool mf = c->method == HSMLAB_LUNA_AUTH_MULTIFACTOR;
	hl_status_t st = HL_OK;
	if (mf && (!c->dir || c->m < 1 || c->m > c->n || c->n > 255)) {
		hl_p11_log("%s: multifactor needs an iKey directory and 1 <= M <= N <= 255",
			   roles[r].key + 5);
		return HL_ERR_ARGS;
	}
	if (!mf && (!c->password || !c->password[0])) {
		hl_p11_log("%s: a password is required", roles[r].key + 5);
		return HL_ERR_ARGS;
	}
	if (mf) {
		st = hl_crypto_random(secret, sizeof(secret));
		if (st == HL_OK)
			st = ikeys_write(dev, r, c, secret, set_id);
		key_of(r, "_k", key, sizeof(key));
		if (st == HL_OK)
			st = verifier_put(dev, key, secret, sizeof(secret));
		key_of(r, "_set", key, sizeof(key));
		if (st == HL_OK)
			st = hl_store_meta_set(dev->store, key, set_id, sizeof(set_id));
	}
	/* The password, or (multifactor CO/CU) the challenge secret C_Login takes. */
	const char *pw = mf ? c->challenge : c->password;
	key_of(r, "", key, sizeof(key));
	if (st == HL_OK && pw && pw[0])
		st = verifier_put(dev, key, (const uint8_t *)pw, strlen(pw));
	hl_crypto_wipe(secret, sizeof(secret));
	return st;
}

static hl_status_t ikeys_check(hl_device_t *dev, hl_luna_role_t r, const hsmlab_luna_auth_t *a)
{
	char key[32];
	uint8_t *set_id = NULL, secret[HL_CARD_SECRET_MAX];
	size_t n = 0, len = 0, bad = 0;
	const char *pins[255];
	if (!a->ikeys || !a->n_ikeys || a->n_ikeys > 255) {
		hl_p11_log("%s: no iKeys presented", roles[r].key + 5);
		return HL_ERR_CARD_TOO_FEW;
	}
	for (CK_ULONG i = 0; i < a->n_ikeys; i++)
		pins[i] = a->ikey_pin;
	key_of(r, "_set", key, sizeof(key));
	hl_status_t st = hl_store_meta_get(dev->store, key, &set_id, &n);
	if (st == HL_OK && n != HL_CARD_SET_ID_LEN)
		st = HL_ERR_STORE_CORRUPT;
	hl_card_expect_t want = { .kind = roles[r].kind, .owner = dev->serial, .set_id = set_id };
	/* L12: each iKey through the PED first, timed on the device clock. */
	if (st == HL_OK)
		st = hl_luna_ped_present(dev, roles[r].kind, a->ikeys, a->n_ikeys);
	bool ped = st == HL_ERR_LUNA_PED_TIMEOUT || st == HL_ERR_LUNA_PED_CANCELED;
	if (st == HL_OK && r != LU_DOMAIN && r != LU_PDOMAIN)
		st = hl_cards_combine_files(&want, a->ikeys, pins, a->n_ikeys, secret, &len, &bad);
	else if (st == HL_OK)
		st = HL_ERR_NOT_SUPPORTED; /* domains are never presented here */
	key_of(r, "_k", key, sizeof(key));
	if (st == HL_OK)
		st = len == SECRET_LEN ? verifier_check(dev, key, secret, len)
				       : HL_ERR_CARD_MISMATCH;
	if (st == HL_ERR_PIN_INCORRECT)
		st = HL_ERR_CARD_MISMATCH;
	char few[128];
	if (st == HL_ERR_CARD_TOO_FEW)
		hl_fam_too_few(a->ikeys, a->ikey_pin, a->n_ikeys, few, sizeof(few));
	if (st == HL_ERR_CARD_TOO_FEW)
		hl_p11_log("%s iKeys: %s", roles[r].key + 5, few);
	else if (ped)
		(void)0; /* hl_luna_ped_present said which iKey and why */
	else if (st != HL_OK && bad < a->n_ikeys)
		hl_p11_log("%s iKeys: %s: %s", roles[r].key + 5, a->ikeys[bad], hl_strerror(st));
	else if (st != HL_OK)
		hl_p11_log("%s iKeys: %s", roles[r].key + 5, hl_strerror(st));
	hl_crypto_wipe(secret, sizeof(secret));
	free(set_id);
	return st;
}

hl_status_t hl_luna_cred_check(hl_device_t *dev, hl_luna_role_t r, const hsmlab_luna_auth_t *a)
{
	CK_ULONG method = (CK_ULONG)hl_luna_u64(dev, "luna_method");
	if (!a)
		return HL_ERR_ARGS;
	if (method && a->method != method) {
		hl_p11_log("%s: the device authenticates by %s", roles[r].key + 5,
			   method == HSMLAB_LUNA_AUTH_PASSWORD ? "password"
							       : "iKeys (multifactor)");
		return HL_ERR_LUNA_METHOD;
	}
	if (a->method == HSMLAB_LUNA_AUTH_MULTIFACTOR)
		return ikeys_check(dev, r, a);
	if (!a->password)
		return HL_ERR_PIN_INCORRECT;
	return hl_luna_secret_check(dev, r, a->password, strlen(a->password));
}

hl_status_t hl_luna_secret_check(hl_device_t *dev, hl_luna_role_t r, const char *s, size_t len)
{
	char key[32];
	key_of(r, "", key, sizeof(key));
	hl_status_t st = verifier_check(dev, key, (const uint8_t *)s, len);
	return st == HL_ERR_NOT_FOUND ? HL_ERR_USER_PIN_NOT_INITIALIZED : st;
}

hl_status_t hl_luna_cred_delete(hl_device_t *dev, hl_luna_role_t r)
{
	static const char *const suffix[] = { "", "_k", "_set" };
	hl_status_t st = HL_OK;
	for (size_t i = 0; st == HL_OK && i < 3; i++) {
		char key[32];
		key_of(r, suffix[i], key, sizeof(key));
		st = hl_store_meta_delete(dev->store, key);
	}
	return st;
}
