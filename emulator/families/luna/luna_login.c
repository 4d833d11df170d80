/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: C_Login as the Luna's vendor roles of vendor table 1.2 (emulator/doc/
 * luna.md "Roles and policies"). The Limited Crypto Officer (Thales' CKU_LIMITED_USER,
 * 0x80000003) has its own credential and failure count and, logged in, uses and makes keys as
 * the CO does (the core's user login); the Audit role (CKU_AUDIT, 0x80000002) logs in on the
 * HSM's admin slot only, which hsmlab does not present, so the partition's slot refuses it. */
#include <stdio.h>
#include <string.h>

#include "luna/luna_int.h"
#include "p11/hl_p11.h"

bool hl_luna_key_user(const hl_device_t *dev, CK_USER_TYPE user)
{
	CK_USER_TYPE cu = (CK_USER_TYPE)(dev->profile ? dev->profile->core.crypto_user_type : 0);
	return user == CKU_USER || (cu && user == cu) || user == HSMLAB_LUNA_CKU_LIMITED_USER;
}

typedef struct {
	const char *key;
	uint64_t value;
} count_t;

static hl_status_t count_failed(hl_device_t *dev, void *arg)
{
	const count_t *c = arg;
	return hl_store_meta_set_u64(dev->store, c->key, c->value);
}

CK_RV hl_luna_own_login(hl_device_t *dev, const hl_luna_own_role_t *r, const CK_UTF8CHAR *pin,
			CK_ULONG len)
{
	if (dev->login == CKU_USER)
		return CKR_USER_ALREADY_LOGGED_IN;
	if (dev->login != HL_NOT_LOGGED_IN)
		return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
	if (!dev->user_pin_set || !hl_luna_has(dev, r->exists_key))
		return CKR_USER_PIN_NOT_INITIALIZED;
	uint64_t failed = hl_luna_u64(dev, r->failed_key);
	CK_ULONG max = hl_luna_co_max_failed(dev);
	/* L3: its own failures lock it (the CO's lock it too: the login gate). */
	if (max && failed >= max) {
		hl_p11_log("Luna device %s: the %s is locked out after %llu failed logins (%s "
			   "resets it)",
			   dev->serial, r->name, (unsigned long long)failed, r->resetter);
		return hl_luna_rv(dev, HL_ERR_LUNA_LOCKED_OUT);
	}
	hl_status_t st =
	    hl_luna_secret_check(dev, r->role, pin ? (const char *)pin : "", pin ? len : 0);
	if (st != HL_OK && st != HL_ERR_PIN_INCORRECT)
		return hl_p11_rv(st);
	count_t now = { r->failed_key, st == HL_OK ? 0 : failed + 1 };
	/* A good login after good ones writes nothing: only the audit record. */
	hl_status_t wst = st != HL_OK || failed
			      ? hl_luna_commit(dev, count_failed, &now,
					       st == HL_OK ? HL_AUDIT_LOGIN : HL_AUDIT_LOGIN_FAILED,
					       r->subject, NULL)
			      : hl_fam_audit(dev, HL_AUDIT_LOGIN, r->subject, NULL);
	if (wst != HL_OK)
		return hl_p11_rv(wst);
	if (st != HL_OK)
		hl_luna_lockout_left(dev, r->name, r->resetter, now.value);
	if (st == HL_OK)
		dev->login = CKU_USER; /* the user role holds the keys, as the CO's */
	return hl_p11_rv(st);
}

CK_RV hl_luna_role_login(hl_device_t *dev, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	/* The LCO's own password (or challenge secret): its failures lock it at partition
	 * policy 20's count (a guess: Thales documents the count for the CO and CU; the LCO is
	 * taken to follow it), the CO's lockout locks it too (the login gate). */
	static const hl_luna_own_role_t lco = { LU_LCO,
						"luna_lco",
						"luna_lco_failed",
						"limited-crypto-officer",
						"Limited Crypto Officer",
						"the CO: luna role init lco" };
	if (user == HSMLAB_LUNA_CKU_LIMITED_USER)
		return hl_luna_own_login(dev, &lco, pin, len);
	/* Thales: "The Auditor role can exist only on the HSM's administrative partition"
	 * (role_init.htm); an application partition has no such user. */
	hl_p11_log("Luna device %s: the Audit role logs in on the HSM's admin slot, not on the "
		   "partition's (hsmlab presents no admin slot: emulator/doc/luna.md)",
		   dev->serial);
	return CKR_USER_TYPE_INVALID;
}
