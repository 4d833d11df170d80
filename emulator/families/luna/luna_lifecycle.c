/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna lifecycle kept in the device store (L2, L3, L12): its state,
 * the Secure Transport Mode strings, zeroization of the device or its partition, and the
 * failed-login consequences. Every change commits with its audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "luna/luna_int.h"
#include "p11/hl_p11.h"

bool hl_luna_on(const hl_device_t *dev)
{
	return hl_luna_switches(dev)->secure_transport_mode != NULL;
}

void hl_luna_state(hl_device_t *dev, char *buf, size_t len)
{
	char *s = NULL;
	if (dev->store && hl_store_meta_get_str(dev->store, "luna_state", &s) == HL_OK)
		snprintf(buf, len, "%s", s);
	else
		snprintf(buf, len, "%s", LU_TRANSPORT);
	free(s);
}

uint64_t hl_luna_u64(hl_device_t *dev, const char *key)
{
	uint64_t v = 0;
	if (dev->store && hl_store_meta_get_u64(dev->store, key, &v) != HL_OK)
		v = 0;
	return v;
}

bool hl_luna_has(hl_device_t *dev, const char *key)
{
	uint8_t *v = NULL;
	size_t n = 0;
	bool has = dev->store && hl_store_meta_get(dev->store, key, &v, &n) == HL_OK;
	free(v);
	return has;
}

hl_status_t hl_luna_set_str(hl_device_t *dev, const char *key, const char *v)
{
	return hl_store_meta_set(dev->store, key, v, strlen(v));
}

int64_t hl_luna_now(hl_device_t *dev)
{
	hl_fam_state_t *fs = hl_fam_state(dev);
	uint64_t off = 0;
	if (!fs)
		return hl_clock_now(NULL);
	if (hl_store_meta_get_u64(dev->store, "clock_offset", &off) == HL_OK)
		fs->clock.offset = (int64_t)off;
	return hl_clock_now(&fs->clock);
}

hl_status_t hl_luna_commit(hl_device_t *dev, hl_status_t (*body)(hl_device_t *, void *), void *arg,
			   hl_audit_event_t ev, const char *subject, const char *details)
{
	bool outer = hl_store_in_transaction(dev->store); /* a step of a larger change */
	hl_status_t st = outer ? HL_OK : hl_store_begin(dev->store);
	if (st != HL_OK)
		return st;
	st = body ? body(dev, arg) : HL_OK;
	if (st == HL_OK)
		st = hl_fam_audit(dev, ev, subject, details);
	if (outer)
		return st; /* the caller commits or rolls back */
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	return st;
}

/* -- zeroization -- */

static const char *const partition_keys[] = {
	"so_pin",         "user_pin",       "label",           "luna_activated",
	"luna_cu_failed", "luna_power_off", "luna_lco_failed",
};
static const char *const device_keys[] = {
	/* and the cloning domain (hl_fam_domain_erase) */
	"luna_method",
	"luna_label",
	"luna_hso_failed",
	"luna_stm_from",
};

static hl_status_t wipe(hl_device_t *dev, void *arg)
{
	bool whole = *(bool *)arg;
	hl_status_t st = hl_device_delete_all_locked(dev);
	for (size_t i = 0; st == HL_OK && i < sizeof(partition_keys) / sizeof(*partition_keys); i++)
		st = hl_store_meta_delete(dev->store, partition_keys[i]);
	if (st == HL_OK)
		hl_luna_policy_wipe(dev, &st); /* the HSM's own policies stay (hsm zeroize) */
	if (st == HL_OK && whole)
		st = hl_fam_domain_erase(dev); /* in this transaction */
	for (size_t i = 0; whole && st == HL_OK && i < sizeof(device_keys) / sizeof(*device_keys);
	     i++)
		st = hl_store_meta_delete(dev->store, device_keys[i]);
	for (hl_luna_role_t r = LU_PSO; st == HL_OK && r <= LU_AUDIT; r++)
		if ((r != LU_DOMAIN && r != LU_AUDIT) || whole)
			st = hl_luna_cred_delete(dev, r);
	if (st == HL_OK && whole)
		st = hl_luna_cred_delete(dev, LU_HSO);
	if (st == HL_OK && whole)
		st = hl_luna_set_str(dev, "luna_state", LU_ZEROIZED);
	if (st == HL_OK)
		st = hl_luna_set_str(dev, "state", "factory");
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "so_failed", 0);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "user_failed", 0);
	return st;
}

/* The in-memory device after a wipe this connection committed (another process sees the
 * store change and re-reads it). */
static void forget(hl_device_t *dev)
{
	hl_device_reread_locked(dev);
	dev->login = HL_NOT_LOGGED_IN;
}

hl_status_t hl_luna_zeroize(hl_device_t *dev, bool whole, const char *why)
{
	hl_status_t st = hl_luna_commit(dev, wipe, &whole, HL_AUDIT_ZEROIZE,
					whole ? "device" : "partition", why);
	if (st == HL_OK)
		forget(dev);
	return st;
}

/* -- Secure Transport Mode -- */

/* 16 characters of the RFC 4648 base32 alphabet from h, in groups of four. */
static void groups(const uint8_t *h, char *out, size_t n, const char *alphabet, unsigned mask)
{
	size_t k = 0;
	for (size_t i = 0; i < 16 && k + 2 < n; i++) {
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = alphabet[h[i] & mask];
	}
	out[k] = 0;
}

hl_status_t hl_luna_stm_strings(hl_device_t *dev, char user[24], char fp[24])
{
	uint8_t h[32];
	char state[16], msg[96];
	hl_luna_state(dev, state, sizeof(state));
	/* The user string is the device's own (the factory sends it separately); the
	 * fingerprint covers what the device is now (serial, lifecycle state), so a device
	 * changed in transit shows another one. Not the failed HSM SO logins: a mistyped
	 * factory password must not change what the operator types next (each failure is in
	 * the audit log and the status, and the zeroize at the limit changes the state). */
	/* Each stm transport shows a new user string (the factory's is number 0). */
	uint64_t nth = hl_luna_u64(dev, "luna_stm_n");
	int un = nth ? snprintf(msg, sizeof(msg), "hsmlab luna stm user v1/%llu",
				(unsigned long long)nth)
		     : snprintf(msg, sizeof(msg), "hsmlab luna stm user v1");
	hl_status_t st = hl_crypto_hmac_sha256(dev->seal.mk, sizeof(dev->seal.mk),
					       (const uint8_t *)msg, (size_t)un, h);
	if (st == HL_OK)
		groups(h, user, 24, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 31);
	int n =
	    snprintf(msg, sizeof(msg), "hsmlab luna stm fingerprint v2/%s/%s", dev->serial, state);
	if (st == HL_OK)
		st = hl_crypto_hmac_sha256(dev->seal.mk, sizeof(dev->seal.mk), (const uint8_t *)msg,
					   (size_t)n, h);
	if (st == HL_OK)
		groups(h, fp, 24, "0123456789ABCDEF", 15);
	hl_crypto_wipe(h, sizeof(h));
	return st;
}

/* -- failed logins (L3) -- */

static hl_status_t count_hso(hl_device_t *dev, void *arg)
{
	return hl_store_meta_set_u64(dev->store, "luna_hso_failed", *(uint64_t *)arg);
}

hl_status_t hl_luna_hso_failed(hl_device_t *dev)
{
	uint64_t n = hl_luna_u64(dev, "luna_hso_failed") + 1;
	long max = (long)hl_luna_switches(dev)->hsm_so_failures_zeroize;
	char details[64];
	snprintf(details, sizeof(details), "failed=%llu", (unsigned long long)n);
	hl_status_t st =
	    hl_luna_commit(dev, count_hso, &n, HL_AUDIT_LOGIN_FAILED, "hsm-so", details);
	if (st == HL_OK && max > 0 && n >= (uint64_t)max) {
		snprintf(details, sizeof(details), "%llu failed HSM SO logins (L3)",
			 (unsigned long long)n);
		st = hl_luna_zeroize(dev, true, details);
		hl_p11_log("HSM SO: %llu wrong passwords: the device is zeroized (hard init again)",
			   (unsigned long long)n);
		return st == HL_OK ? HL_ERR_LUNA_SO_THRESHOLD : st; /* so_threshold_code */
	} else if (st == HL_OK && max > 0) {
		hl_p11_log(
		    "HSM SO: wrong password (%llu of %ld: %llu more and the device zeroizes)",
		    (unsigned long long)n, max, (unsigned long long)((uint64_t)max - n));
	}
	return st == HL_OK ? HL_ERR_PIN_INCORRECT : st;
}

void hl_luna_pso_check(hl_device_t *dev)
{
	long max = (long)hl_luna_switches(dev)->partition_so_failures_zeroize;
	if (!hl_luna_on(dev) || max <= 0 || !dev->so_failed)
		return;
	if (dev->so_failed < (uint64_t)max) {
		hl_p11_log("Partition SO: wrong password (%llu of %ld: %llu more and the partition "
			   "zeroizes)",
			   (unsigned long long)dev->so_failed, max,
			   (unsigned long long)((uint64_t)max - dev->so_failed));
		return;
	}
	char details[64];
	snprintf(details, sizeof(details), "%llu failed Partition SO logins (L3)",
		 (unsigned long long)dev->so_failed);
	if (hl_luna_zeroize(dev, false, details) == HL_OK)
		hl_p11_log("Partition SO: %s: the partition is zeroized", details);
}
