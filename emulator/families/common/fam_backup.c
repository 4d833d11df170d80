/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: backup domains and key backup/restore for the vendor families. The domain
 * secret (Keyper SMK, Luna cloning domain) is split over card files and kept on the device
 * sealed under its master key; blobs are hl_backup's HLKYPR/HLLUNA formats (formats.md §3).
 * A restore writes the object and its audit record in one store transaction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/hl_backup.h"
#include "cards/hl_cards.h"
#include "common/hl_fam.h"
#include "crypto/hl_crypto.h"
#include "p11/hl_p11.h"

#define DOMAIN_LEN 32

/* The family's backup vendor and domain card kind. */
static hl_status_t vendor_of(const hl_device_t *dev, hl_backup_vendor_t *v, hl_card_kind_t *k)
{
	if (!strcmp(dev->profile->family, "keyper")) {
		*v = HL_BACKUP_KEYPER;
		*k = HL_CARD_KEYPER_SMK;
	} else if (!strcmp(dev->profile->family, "luna")) {
		*v = HL_BACKUP_LUNA;
		*k = HL_CARD_LUNA_DOMAIN;
	} else {
		return HL_ERR_NOT_SUPPORTED;
	}
	return HL_OK;
}

/* The device of slot (p11 read lock held by the caller), or NULL with the error logged. */
static hl_device_t *device_of(CK_SLOT_ID slot, CK_RV *rv)
{
	hl_slot_t *s = hl_p11_slot(slot);
	*rv = !s                                 ? CKR_SLOT_ID_INVALID
	      : s->dev->broken || !s->dev->store ? CKR_DEVICE_ERROR
						 : CKR_OK;
	if (*rv == CKR_DEVICE_ERROR)
		hl_p11_log("slot %lu: device has no store (create it first)", (unsigned long)slot);
	return *rv == CKR_OK ? s->dev : NULL;
}

static CK_RV done(hl_status_t st, const char *what)
{
	if (st != HL_OK)
		hl_p11_log("%s: %s", what, hl_strerror(st));
	return hl_p11_rv(st);
}

/* Stores the domain secret (sealed, bound to the serial) and its audit record, one commit. */
static hl_status_t domain_put(hl_device_t *dev, const uint8_t *secret, const char *details)
{
	uint8_t sealed[DOMAIN_LEN + HL_AEAD_OVERHEAD];
	char aad[48];
	int alen = snprintf(aad, sizeof(aad), "hsmlab-domain-v1:%s", dev->serial);
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_crypto_aead_seal(dev->seal.mk, (const uint8_t *)aad, (size_t)alen,
					     secret, DOMAIN_LEN, sealed);
	if (st == HL_OK)
		st = hl_store_begin(dev->store);
	if (st == HL_OK) {
		st = hl_store_meta_set(dev->store, "domain_secret", sealed, sizeof(sealed));
		if (st == HL_OK)
			st = hl_fam_audit(dev, HL_AUDIT_CARDS, "domain", details);
		if (st == HL_OK)
			st = hl_store_commit(dev->store);
		else
			hl_store_rollback(dev->store);
	}
	pthread_mutex_unlock(&dev->lock);
	return st;
}

/* Why a blob cannot be restored on a device that has no domain yet: the blob's own problem
 * (truncated, not a blob, the other vendor's, too new) as a device with a domain reports it,
 * else the missing domain (no blob can be ours). */
static hl_status_t no_domain_status(const hl_device_t *dev, const uint8_t *blob, size_t len)
{
	hl_backup_info_t info;
	hl_backup_vendor_t v;
	hl_card_kind_t k;
	hl_status_t st = hl_backup_peek(blob, len, &info);
	if (st == HL_OK && vendor_of(dev, &v, &k) == HL_OK && info.vendor != v)
		st = HL_ERR_BACKUP_WRONG_VENDOR;
	return st == HL_OK ? HL_ERR_BACKUP_WRONG_DOMAIN : st;
}

/* The device's backup domain; HL_ERR_NOT_FOUND when none was set up. */
static hl_status_t domain_get(hl_device_t *dev, hl_backup_domain_t *out)
{
	uint8_t *sealed = NULL, secret[DOMAIN_LEN];
	size_t len = 0;
	char aad[48];
	hl_backup_vendor_t v;
	hl_card_kind_t k;
	int alen = snprintf(aad, sizeof(aad), "hsmlab-domain-v1:%s", dev->serial);
	hl_status_t st = vendor_of(dev, &v, &k);
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = hl_store_meta_get(dev->store, "domain_secret", &sealed, &len);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && len != sizeof(secret) + HL_AEAD_OVERHEAD)
		st = HL_ERR_STORE_CORRUPT;
	if (st == HL_OK)
		st = hl_crypto_aead_open(dev->seal.mk, (const uint8_t *)aad, (size_t)alen, sealed,
					 len, secret);
	if (st == HL_OK)
		st = hl_backup_domain_derive(v, secret, sizeof(secret), out);
	hl_crypto_wipe(secret, sizeof(secret));
	free(sealed);
	return st;
}

static hl_status_t split_to_files(hl_card_set_t *set, const uint8_t *secret, const char *dir,
				  const char *pin)
{
	hl_card_t *cards = calloc(set->count, sizeof(*cards));
	hl_status_t st = cards ? hl_cards_split(set, secret, DOMAIN_LEN, cards) : HL_ERR_NOMEM;
	for (unsigned i = 0; st == HL_OK && i < set->count; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s-%u.card", dir, hl_card_kind_name(set->kind),
			 i + 1);
		st = hl_card_write(&cards[i], path, pin);
		if (st != HL_OK)
			hl_p11_log("%s: cannot write card: %s", path, hl_strerror(st));
	}
	for (unsigned i = 0; cards && i < set->count; i++)
		hl_card_wipe(&cards[i]);
	free(cards);
	return st;
}

CK_RV hl_fam_domain_create(CK_SLOT_ID slot, const char *owner, const char *dir, CK_ULONG m,
			   CK_ULONG n, const char *pin)
{
	uint8_t secret[DOMAIN_LEN];
	CK_RV rv = CKR_OK;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!owner || !dir || m < 1 || m > n || n > 255)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_device_t *dev = device_of(slot, &rv);
	hl_card_set_t set = { .owner = "", .threshold = (unsigned)m, .count = (unsigned)n };
	hl_backup_vendor_t v;
	hl_status_t st = dev ? vendor_of(dev, &v, &set.kind) : HL_OK;
	snprintf(set.owner, sizeof(set.owner), "%s", owner);
	if (dev && st == HL_OK)
		st = hl_crypto_random(secret, sizeof(secret));
	if (dev && st == HL_OK)
		st = split_to_files(&set, secret, dir, pin);
	if (dev && st == HL_OK) {
		char details[96];
		snprintf(details, sizeof(details), "created %s %lu-of-%lu",
			 hl_card_kind_name(set.kind), m, n);
		st = domain_put(dev, secret, details);
	}
	hl_crypto_wipe(secret, sizeof(secret));
	if (dev)
		rv = done(st, "domain create");
	hl_p11_unlock();
	return rv;
}

CK_RV hl_fam_domain_load(CK_SLOT_ID slot, const char *owner, const char *const *paths, CK_ULONG n,
			 const char *pin)
{
	uint8_t secret[HL_CARD_SECRET_MAX];
	size_t len = 0, bad = 0;
	CK_RV rv = CKR_OK;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!owner || !paths || !n || n > 255)
		return CKR_ARGUMENTS_BAD;
	const char *pins[255];
	for (CK_ULONG i = 0; i < n; i++)
		pins[i] = pin;
	hl_p11_rdlock();
	hl_device_t *dev = device_of(slot, &rv);
	hl_card_expect_t want = { .owner = owner };
	hl_backup_vendor_t v;
	hl_status_t st = dev ? vendor_of(dev, &v, &want.kind) : HL_OK;
	if (dev && st == HL_OK) {
		st = hl_cards_combine_files(&want, paths, pins, n, secret, &len, &bad);
		if (st == HL_OK && len != DOMAIN_LEN)
			st = HL_ERR_CARD_MISMATCH;
		if (st != HL_OK && bad < n)
			hl_p11_log("domain load: %s: %s", paths[bad], hl_strerror(st));
		else if (st != HL_OK)
			hl_p11_log("domain load: %s", hl_strerror(st));
	}
	if (dev && st == HL_OK)
		st = domain_put(dev, secret, "loaded from cards");
	hl_crypto_wipe(secret, sizeof(secret));
	if (dev && st == HL_OK)
		rv = CKR_OK;
	else if (dev)
		rv = hl_p11_rv(st);
	hl_p11_unlock();
	return rv;
}

/* The private key labelled label (a new reference). */
static hl_status_t find_key(hl_device_t *dev, const char *label, hl_object_t **out)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	hl_object_t **v = NULL;
	size_t n = 0;
	hl_status_t st = hl_device_find(dev, t, 2, true, &v, &n);
	if (st == HL_OK && n != 1) {
		hl_p11_log("key \"%s\": %zu private keys carry that label (want one)", label, n);
		st = n ? HL_ERR_TEMPLATE_INCONSISTENT : HL_ERR_NOT_FOUND;
	}
	for (size_t i = 0; i < n; i++)
		if (st == HL_OK)
			*out = v[i];
		else
			hl_object_free(v[i]);
	free(v);
	return st;
}

/* formats.md §4: the object's attributes as a CK_ATTRIBUTE array borrowing its values. */
static hl_status_t encode_object(hl_device_t *dev, const hl_backup_domain_t *dom, hl_object_t *obj,
				 uint8_t **blob, size_t *len)
{
	pthread_mutex_lock(&obj->lock);
	hl_status_t st = hl_object_unseal_locked(obj);
	CK_ATTRIBUTE *a = st == HL_OK ? calloc(obj->attrs.n + 1, sizeof(*a)) : NULL;
	if (st == HL_OK && !a)
		st = HL_ERR_NOMEM;
	for (size_t i = 0; st == HL_OK && i < obj->attrs.n; i++)
		a[i] = (CK_ATTRIBUTE){ obj->attrs.v[i].type, obj->attrs.v[i].value,
				       (CK_ULONG)obj->attrs.v[i].len };
	if (st == HL_OK) {
		pthread_mutex_lock(&dev->lock);
		int64_t now = hl_fam_state(dev) ? hl_clock_now(&hl_fam_state(dev)->clock) : 0;
		pthread_mutex_unlock(&dev->lock);
		st = hl_backup_encode(dom, dev->serial, now, a, obj->attrs.n, blob, len);
	}
	pthread_mutex_unlock(&obj->lock);
	free(a);
	return st;
}

CK_RV hl_fam_key_backup(CK_SLOT_ID slot, const char *label, const char *path)
{
	hl_backup_domain_t dom = { 0 };
	hl_object_t *obj = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	CK_RV rv = CKR_OK;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!label || !path)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_device_t *dev = device_of(slot, &rv);
	hl_status_t st = dev ? domain_get(dev, &dom) : HL_OK;
	if (dev && st == HL_ERR_NOT_FOUND)
		hl_p11_log("backup: device %s has no SMK / cloning domain yet (domain create or "
			   "load)",
			   dev->serial);
	if (dev && st == HL_OK)
		st = find_key(dev, label, &obj);
	if (dev && st == HL_OK)
		st = encode_object(dev, &dom, obj, &blob, &len);
	if (dev && st == HL_OK)
		st = hl_backup_write_file(path, blob, len);
	if (dev && st == HL_OK) {
		pthread_mutex_lock(&dev->lock);
		st = hl_fam_audit(dev, HL_AUDIT_BACKUP, label, path);
		pthread_mutex_unlock(&dev->lock);
	}
	if (dev && st != HL_OK && st != HL_ERR_NOT_FOUND)
		hl_p11_log("backup of \"%s\": %s", label, hl_strerror(st));
	if (dev)
		rv = hl_p11_rv(st);
	hl_object_free(obj);
	free(blob);
	hl_backup_domain_wipe(&dom);
	hl_p11_unlock();
	return rv;
}

typedef struct {
	const char *path;
	const hl_backup_obj_t *obj;
} restore_ctx_t;

static hl_status_t audit_restore(hl_device_t *dev, void *arg)
{
	const restore_ctx_t *rc = arg;
	const CK_ATTRIBUTE *l = hl_backup_obj_attr(rc->obj, CKA_LABEL);
	char label[80] = "", details[160];
	if (l && l->pValue)
		snprintf(label, sizeof(label), "%.*s",
			 (int)(l->ulValueLen < 79 ? l->ulValueLen : 79), (const char *)l->pValue);
	snprintf(details, sizeof(details), "from=%s", rc->obj->source_serial);
	return hl_fam_audit(dev, HL_AUDIT_RESTORE, label, details);
}

/* The decoded object as a new token object (attrs copied). */
static hl_status_t object_from(const hl_backup_obj_t *b, hl_object_t **out)
{
	hl_attrs_t attrs = { 0 };
	hl_status_t st = HL_OK;
	for (size_t i = 0; st == HL_OK && i < b->n; i++)
		st = hl_attrs_set(&attrs, b->attrs[i].type, b->attrs[i].pValue,
				  b->attrs[i].ulValueLen);
	if (st == HL_OK && !hl_attrs_bool(&attrs, CKA_TOKEN, false))
		st = HL_ERR_BACKUP_CORRUPT;
	hl_object_t *obj = st == HL_OK ? hl_object_new(&attrs) : NULL;
	if (st == HL_OK && !obj)
		st = HL_ERR_NOMEM;
	hl_attrs_clear(&attrs);
	if (st == HL_OK)
		*out = obj;
	return st;
}

CK_RV hl_fam_key_restore(CK_SLOT_ID slot, const char *path)
{
	hl_backup_domain_t dom = { 0 };
	hl_backup_obj_t *b = NULL;
	hl_object_t *obj = NULL;
	uint8_t *blob = NULL;
	size_t len = 0;
	CK_RV rv = CKR_OK;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!path)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_device_t *dev = device_of(slot, &rv);
	hl_status_t st = dev ? hl_backup_read_file(path, &blob, &len) : HL_OK;
	if (dev && st == HL_OK)
		st = domain_get(dev, &dom);
	if (dev && st == HL_ERR_NOT_FOUND)
		st = no_domain_status(dev, blob, len);
	if (dev && st == HL_OK)
		st = hl_backup_decode(&dom, blob, len, &b);
	if (dev && st == HL_OK)
		st = object_from(b, &obj);
	if (dev && st == HL_OK) {
		restore_ctx_t rc = { path, b };
		st = hl_device_add_object_with(dev, obj, audit_restore, &rc);
	}
	if (dev && st != HL_OK)
		hl_p11_log("restore from %s: %s", path, hl_strerror(st));
	if (dev)
		rv = hl_p11_rv(st);
	hl_object_free(obj);
	hl_backup_obj_free(b);
	free(blob);
	hl_backup_domain_wipe(&dom);
	hl_p11_unlock();
	return rv;
}
