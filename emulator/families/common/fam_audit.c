/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a vendor device's audit log and clock. The log lives in the device's own
 * database (so it shares the store's transactions); its key is derived from the lab's key
 * for the device (a device of the lab can authenticate its exports). The clock offset is
 * kept in the store's meta table, so every process sees the same device time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl_fam.h"
#include "crypto/hl_crypto.h"

static hl_status_t derive_key(hl_device_t *dev, uint8_t key[HL_AUDIT_KEY_LEN])
{
	uint8_t kek[32];
	hl_status_t st = hl_lab_device_kek(dev->lab, dev->serial, kek);
	if (st == HL_OK)
		st = hl_audit_key_derive(kek, sizeof(kek), key);
	hl_crypto_wipe(kek, sizeof(kek));
	return st;
}

hl_fam_state_t *hl_fam_state(hl_device_t *dev)
{
	hl_fam_state_t *fs = dev->family_state;
	uint8_t key[HL_AUDIT_KEY_LEN];
	uint64_t off = 0;
	if (fs || !dev->store)
		return fs;
	fs = calloc(1, sizeof(*fs));
	if (!fs)
		return NULL;
	if (hl_store_meta_get_u64(dev->store, "clock_offset", &off) == HL_OK)
		fs->clock.offset = (int64_t)off;
	hl_status_t st = derive_key(dev, key);
	if (st == HL_OK)
		st = hl_audit_open(hl_store_db(dev->store), dev->serial, key, &fs->clock,
				   &fs->audit);
	hl_crypto_wipe(key, sizeof(key));
	if (st != HL_OK) {
		free(fs);
		return NULL;
	}
	dev->family_state = fs;
	return fs;
}

void hl_fam_device_free(hl_device_t *dev)
{
	hl_fam_state_t *fs = dev->family_state;
	if (!fs)
		return;
	hl_audit_free(fs->audit);
	free(fs);
	dev->family_state = NULL;
}

hl_status_t hl_fam_audit(hl_device_t *dev, hl_audit_event_t ev, const char *subject,
			 const char *details)
{
	hl_fam_state_t *fs = hl_fam_state(dev);
	uint64_t off = 0;
	if (!fs)
		return HL_ERR_STORE_CORRUPT;
	/* Another process may have set the clock since. */
	if (hl_store_meta_get_u64(dev->store, "clock_offset", &off) == HL_OK)
		fs->clock.offset = (int64_t)off;
	return hl_audit_append(fs->audit, ev, subject, details, NULL);
}

/* The running signature count of a key, kept beside the log. */
static void sign_count(hl_device_t *dev, const char *key)
{
	char meta[96], details[48];
	uint64_t n = 0;
	snprintf(meta, sizeof(meta), "audit_signs:%s", key ? key : "");
	if (hl_store_begin(dev->store) != HL_OK)
		return;
	if (hl_store_meta_get_u64(dev->store, meta, &n) != HL_OK)
		n = 0;
	n++;
	snprintf(details, sizeof(details), "count=%" PRIu64, n);
	if (hl_store_meta_set_u64(dev->store, meta, n) == HL_OK &&
	    hl_fam_audit(dev, HL_AUDIT_SIGN_COUNT, key, details) == HL_OK)
		hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
}

void hl_fam_on_event(hl_device_t *dev, hl_family_event_t ev, const char *subject)
{
	switch (ev) {
	case HL_FAMILY_EV_LOGIN:
		hl_fam_audit(dev, HL_AUDIT_LOGIN, subject, NULL);
		break;
	case HL_FAMILY_EV_LOGIN_FAILED:
		hl_fam_audit(dev, HL_AUDIT_LOGIN_FAILED, subject, NULL);
		break;
	case HL_FAMILY_EV_LOGOUT:
		hl_fam_audit(dev, HL_AUDIT_LOGOUT, subject, NULL);
		break;
	case HL_FAMILY_EV_KEYGEN:
		hl_fam_audit(dev, HL_AUDIT_KEYGEN, subject, NULL);
		break;
	case HL_FAMILY_EV_SIGN:
		sign_count(dev, subject);
		break;
	}
}
