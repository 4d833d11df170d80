/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a vendor device's audit log and clock. The log lives in the device's own
 * database (so it shares the store's transactions); its records are keyed by the device's
 * own key (derived from the lab's key for the device) until the device holds a backup
 * domain, and then, where the profile says so (audit_domain_key, L13), by a key derived
 * from the domain secret, so any device of the domain authenticates its exports. The clock
 * offset is kept in the store's meta table, so every process sees the same device time. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static void flush_counts(hl_device_t *dev, hl_fam_state_t *fs);

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
		st = hl_audit_open(dev->store, dev->serial, key, &fs->clock, &fs->audit);
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
	flush_counts(dev, fs); /* C_Finalize (or the device going): nothing pending is lost */
	hl_audit_free(fs->audit);
	free(fs->counts);
	free(fs);
	dev->family_state = NULL;
}

/* The domain's audit key from its sealed secret. */
static hl_status_t domain_key(hl_device_t *dev, const uint8_t *sealed, size_t len,
			      uint8_t key[HL_AUDIT_KEY_LEN])
{
	uint8_t secret[HL_FAM_DOMAIN_LEN];
	hl_status_t st = hl_fam_domain_unseal(dev, sealed, len, secret);
	if (st == HL_OK)
		st = hl_audit_domain_key_derive(secret, sizeof(secret), key);
	hl_crypto_wipe(secret, sizeof(secret));
	return st;
}

/* The sealed domain secret in the store (len 0: none), when the profile keys the log by it. */
static hl_status_t sealed_domain(hl_device_t *dev, uint8_t **sealed, size_t *len)
{
	*sealed = NULL;
	*len = 0;
	if (!hl_fam_switches(dev)->audit_domain_key)
		return HL_OK;
	hl_status_t st = hl_store_meta_get(dev->store, "domain_secret", sealed, len);
	if (st == HL_ERR_NOT_FOUND) {
		*len = 0;
		st = HL_OK;
	}
	if (st == HL_OK && *len > HL_FAM_SEALED_MAX)
		st = HL_ERR_STORE_CORRUPT;
	return st;
}

hl_status_t hl_fam_audit_sync(hl_device_t *dev)
{
	hl_fam_state_t *fs = hl_fam_state(dev);
	uint8_t *sealed = NULL, key[HL_AUDIT_KEY_LEN];
	size_t len = 0;
	uint64_t off = 0;
	if (!fs)
		return HL_ERR_STORE_CORRUPT;
	/* Another process may have set the clock or the domain up since. */
	if (hl_store_meta_get_u64(dev->store, "clock_offset", &off) == HL_OK)
		fs->clock.offset = (int64_t)off;
	hl_status_t st = sealed_domain(dev, &sealed, &len);
	if (st == HL_OK &&
	    (len != fs->dom_sealed_len || (len && memcmp(sealed, fs->dom_sealed, len) != 0))) {
		if (len)
			st = domain_key(dev, sealed, len, key);
		if (st == HL_OK)
			st = hl_audit_set_domain_key(fs->audit, len ? key : NULL);
		if (st == HL_OK) {
			if (len)
				memcpy(fs->dom_sealed, sealed, len);
			fs->dom_sealed_len = len;
		}
		hl_crypto_wipe(key, sizeof(key));
	}
	free(sealed);
	return st;
}

hl_status_t hl_fam_audit_keys(hl_device_t *dev, uint8_t keys[2][HL_AUDIT_KEY_LEN], size_t *n_out)
{
	uint8_t *sealed = NULL;
	size_t len = 0;
	hl_status_t st = derive_key(dev, keys[0]);
	if (st == HL_OK)
		st = sealed_domain(dev, &sealed, &len);
	if (st == HL_OK && len)
		st = domain_key(dev, sealed, len, keys[1]);
	if (st == HL_OK)
		*n_out = len ? 2 : 1;
	free(sealed);
	return st;
}

hl_status_t hl_fam_audit(hl_device_t *dev, hl_audit_event_t ev, const char *subject,
			 const char *details)
{
	hl_status_t st = hl_fam_audit_sync(dev);
	return st == HL_OK ? hl_audit_append(hl_fam_state(dev)->audit, ev, subject, details, NULL)
			   : st;
}

/* Adds n signatures of c->key to its running count (meta table) and appends one record
 * "count=<running total>,new=<n>" (inside the caller's transaction). */
static hl_status_t write_count(hl_device_t *dev, const hl_fam_count_t *c)
{
	char meta[96], details[64];
	uint64_t total = 0;
	snprintf(meta, sizeof(meta), "audit_signs:%s", c->key);
	if (hl_store_meta_get_u64(dev->store, meta, &total) != HL_OK)
		total = 0;
	total += c->n;
	snprintf(details, sizeof(details), "count=%" PRIu64 ",new=%" PRIu64, total, c->n);
	hl_status_t st = hl_store_meta_set_u64(dev->store, meta, total);
	return st == HL_OK ? hl_fam_audit(dev, HL_AUDIT_SIGN_COUNT, c->key, details) : st;
}

/* Writes every pending count in one transaction; on failure they stay pending. */
static void flush_counts(hl_device_t *dev, hl_fam_state_t *fs)
{
	if (!fs || !fs->pending || !dev->store || hl_store_begin(dev->store) != HL_OK)
		return;
	hl_status_t st = HL_OK;
	for (size_t i = 0; st == HL_OK && i < fs->n_counts; i++)
		if (fs->counts[i].n)
			st = write_count(dev, &fs->counts[i]);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	if (st != HL_OK)
		return;
	for (size_t i = 0; i < fs->n_counts; i++)
		fs->counts[i].n = 0;
	fs->pending = 0;
}

static hl_fam_count_t *count_of(hl_fam_state_t *fs, const char *key)
{
	for (size_t i = 0; i < fs->n_counts; i++)
		if (strcmp(fs->counts[i].key, key) == 0)
			return &fs->counts[i];
	if (fs->n_counts == fs->cap_counts) {
		size_t cap = fs->cap_counts ? 2 * fs->cap_counts : 4;
		hl_fam_count_t *c = reallocarray(fs->counts, cap, sizeof(*c));
		if (!c)
			return NULL;
		fs->counts = c;
		fs->cap_counts = cap;
	}
	hl_fam_count_t *c = &fs->counts[fs->n_counts++];
	snprintf(c->key, sizeof(c->key), "%s", key);
	c->n = 0;
	return c;
}

static double seconds_since(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

/* One more signature by key: counted in memory, written later (see hl_fam_state_t). */
static void sign_count(hl_device_t *dev, const char *key)
{
	hl_fam_state_t *fs = hl_fam_state(dev);
	hl_fam_count_t *c = fs ? count_of(fs, key) : NULL;
	if (!c)
		return;
	if (!fs->pending)
		clock_gettime(CLOCK_MONOTONIC, &fs->since);
	c->n++;
	fs->pending++;
	if (seconds_since(&fs->since) >= HL_FAM_COUNT_MAX_S)
		flush_counts(dev, fs);
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
		flush_counts(dev, dev->family_state);
		hl_fam_audit(dev, HL_AUDIT_LOGOUT, subject, NULL);
		break;
	case HL_FAMILY_EV_KEYGEN:
		hl_fam_audit(dev, HL_AUDIT_KEYGEN, subject, NULL);
		break;
	case HL_FAMILY_EV_SIGN:
		if (subject)
			sign_count(dev, subject);
		break;
	case HL_FAMILY_EV_SESSION_CLOSED: /* the pending counts are written */
		flush_counts(dev, dev->family_state);
		break;
	}
}
