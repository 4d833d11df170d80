/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: backup domains and key backup/restore for the vendor families. The domain
 * secret (Keyper SMK, Luna cloning domain) is split over card files and kept on the device
 * sealed under its master key; blobs are core/backup containers in the family's own format
 * (hl_family_t.backup_format: HLKYPR, HLLUNA; formats.md §3).
 * A restore writes the object and its audit record in one store transaction; a clone moves a
 * key between two devices of the module as such a blob in memory (L13, L7, K11). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backup/hl_backup.h"
#include "cards/hl_cards.h"
#include "common/hl_fam.h"
#include "crypto/hl_crypto.h"
#include "util/hl_file.h"
#include "p11/hl_p11.h"

#define DOMAIN_LEN HL_FAM_DOMAIN_LEN

/* The device family's blob format and domain card kind; HL_ERR_NOT_SUPPORTED for a family
 * without backups. */
static hl_status_t format_of(const hl_device_t *dev, const hl_backup_format_t **fmt,
			     const char **card)
{
	const hl_family_t *fam = dev->family;
	if (!fam || !fam->backup_format || !fam->backup_domain_card)
		return HL_ERR_NOT_SUPPORTED;
	*fmt = fam->backup_format;
	*card = fam->backup_domain_card;
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

#define DOMAIN_META "domain_secret"

/* Runs fn in the caller's store transaction when one is open, else in its own. */
static hl_status_t in_tx(hl_device_t *dev, hl_status_t (*fn)(hl_device_t *, void *), void *arg)
{
	if (hl_store_in_transaction(dev->store))
		return fn(dev, arg); /* the caller commits or rolls back */
	hl_status_t st = hl_store_begin(dev->store);
	if (st != HL_OK)
		return st;
	st = fn(dev, arg);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	return st;
}

typedef struct {
	const uint8_t *sealed;
	size_t len;
	char details[160];
} put_arg_t;

static hl_status_t put_tx(hl_device_t *dev, void *arg)
{
	const put_arg_t *a = arg;
	hl_status_t st = hl_store_meta_set(dev->store, DOMAIN_META, a->sealed, a->len);
	return st == HL_OK ? hl_fam_audit(dev, HL_AUDIT_CARDS, "domain", a->details) : st;
}

hl_status_t hl_fam_domain_set(hl_device_t *dev, const char *owner, const uint8_t *secret,
			      size_t len, const char *details)
{
	uint8_t sealed[DOMAIN_LEN + HL_AEAD_OVERHEAD];
	char aad[48];
	if (!owner || !owner[0] || !secret || len != DOMAIN_LEN)
		return HL_ERR_ARGS;
	int alen = snprintf(aad, sizeof(aad), "hsmlab-domain-v1:%s", dev->serial);
	put_arg_t a = { .sealed = sealed, .len = sizeof(sealed) };
	snprintf(a.details, sizeof(a.details), "%s owner=%s", details ? details : "set", owner);
	hl_status_t st = hl_crypto_aead_seal(dev->seal.mk, (const uint8_t *)aad, (size_t)alen,
					     secret, DOMAIN_LEN, sealed);
	if (st == HL_OK)
		st = in_tx(dev, put_tx, &a);
	return st;
}

static hl_status_t erase_tx(hl_device_t *dev, void *arg)
{
	(void)arg;
	hl_status_t st = hl_store_meta_delete(dev->store, DOMAIN_META);
	return st == HL_ERR_NOT_FOUND ? HL_OK : st;
}

hl_status_t hl_fam_domain_erase(hl_device_t *dev)
{
	return in_tx(dev, erase_tx, NULL);
}

bool hl_fam_domain_held(hl_device_t *dev)
{
	uint8_t *v = NULL;
	size_t len = 0;
	bool has = hl_store_meta_get(dev->store, DOMAIN_META, &v, &len) == HL_OK;
	free(v);
	return has;
}

/* hl_fam_domain_set under the device lock (the table's entries hold only the p11 lock). */
static hl_status_t domain_put(hl_device_t *dev, const char *owner, const uint8_t *secret,
			      const char *details)
{
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_fam_domain_set(dev, owner, secret, DOMAIN_LEN, details);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

/* Why a blob cannot be restored on a device that has no domain yet: the blob's own problem
 * (truncated, not a blob, the other vendor's, too new) as a device with a domain reports it,
 * else the missing domain (no blob can be ours). */
static hl_status_t no_domain_status(const hl_device_t *dev, const uint8_t *blob, size_t len)
{
	hl_backup_info_t info;
	const hl_backup_format_t *fmt;
	const char *card;
	hl_status_t st = hl_backup_peek(blob, len, &info);
	if (st == HL_OK && format_of(dev, &fmt, &card) == HL_OK && !hl_backup_info_is(&info, fmt))
		st = HL_ERR_BACKUP_WRONG_VENDOR;
	return st == HL_OK ? HL_ERR_BACKUP_WRONG_DOMAIN : st;
}

hl_status_t hl_fam_domain_unseal(const hl_device_t *dev, const uint8_t *sealed, size_t len,
				 uint8_t secret[HL_FAM_DOMAIN_LEN])
{
	char aad[48];
	int alen = snprintf(aad, sizeof(aad), "hsmlab-domain-v1:%s", dev->serial);
	if (len != DOMAIN_LEN + HL_AEAD_OVERHEAD)
		return HL_ERR_STORE_CORRUPT;
	return hl_crypto_aead_open(dev->seal.mk, (const uint8_t *)aad, (size_t)alen, sealed, len,
				   secret);
}

/* The device's backup domain; HL_ERR_NOT_FOUND when none was set up. */
static hl_status_t domain_get(hl_device_t *dev, hl_backup_domain_t *out)
{
	uint8_t *sealed = NULL, secret[DOMAIN_LEN];
	size_t len = 0;
	const hl_backup_format_t *fmt = NULL;
	const char *card;
	hl_status_t st = format_of(dev, &fmt, &card);
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = hl_store_meta_get(dev->store, DOMAIN_META, &sealed, &len);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK)
		st = hl_fam_domain_unseal(dev, sealed, len, secret);
	if (st == HL_OK)
		st = hl_backup_domain_derive(fmt, secret, sizeof(secret), out);
	hl_crypto_wipe(secret, sizeof(secret));
	free(sealed);
	return st;
}

void hl_fam_too_few(const char *const *paths, const char *pin, size_t n, char *buf, size_t len)
{
	hl_card_t card;
	unsigned m = 0;
	for (size_t i = 0; paths && i < n && !m; i++)
		if (hl_card_read(paths[i], pin, &card) == HL_OK) {
			m = card.set.threshold;
			hl_card_wipe(&card);
		}
	if (m)
		snprintf(buf, len, "%s: %zu given, %u needed", hl_strerror(HL_ERR_CARD_TOO_FEW), n,
			 m);
	else
		snprintf(buf, len, "%s: %zu given, more needed", hl_strerror(HL_ERR_CARD_TOO_FEW),
			 n);
}

static hl_status_t split_to_files(hl_card_set_t *set, const uint8_t *secret, const char *dir,
				  const char *pin)
{
	char bad[1024];
	hl_status_t st =
	    hl_cards_split_to_files(set, secret, DOMAIN_LEN, dir, pin, bad, sizeof(bad));
	if (st != HL_OK)
		hl_p11_log("%s: cannot write card: %s", bad, hl_strerror(st));
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
	const hl_backup_format_t *fmt;
	const char *card = "";
	hl_status_t st = dev ? format_of(dev, &fmt, &card) : HL_OK;
	snprintf(set.kind, sizeof(set.kind), "%s", card);
	snprintf(set.owner, sizeof(set.owner), "%s", owner);
	if (dev && st == HL_OK)
		st = hl_crypto_random(secret, sizeof(secret));
	if (dev && st == HL_OK)
		st = split_to_files(&set, secret, dir, pin);
	if (dev && st == HL_OK) {
		char details[96];
		snprintf(details, sizeof(details), "created %s %lu-of-%lu", set.kind, m, n);
		st = domain_put(dev, owner, secret, details);
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
	const hl_backup_format_t *fmt;
	hl_status_t st = dev ? format_of(dev, &fmt, &want.kind) : HL_OK;
	if (dev && st == HL_OK) {
		st = hl_cards_combine_files(&want, paths, pins, n, secret, &len, &bad);
		if (st == HL_OK && len != DOMAIN_LEN)
			st = HL_ERR_CARD_MISMATCH;
		char few[128];
		if (st == HL_ERR_CARD_TOO_FEW)
			hl_fam_too_few(paths, pin, n, few, sizeof(few));
		if (st == HL_ERR_CARD_TOO_FEW)
			hl_p11_log("domain load: %s", few);
		else if (st != HL_OK && bad < n)
			hl_p11_log("domain load: %s: %s", paths[bad], hl_strerror(st));
		else if (st != HL_OK)
			hl_p11_log("domain load: %s", hl_strerror(st));
	}
	if (dev && st == HL_OK)
		st = domain_put(dev, owner, secret, "loaded from cards");
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

/* A key leaves or enters a device only with the credentials the device asks for, besides
 * the domain: the Crypto Officer logged in on it (C_Login as CKU_USER in this process; not
 * Luna's Crypto User, who only signs), with the family's login gate still passing (Keyper:
 * the operator quorum's activation not expired). A direct caller of the table without them
 * gets CKR_USER_NOT_LOGGED_IN (or the gate's own code) and the device is unchanged. */
static hl_status_t need_co(hl_device_t *dev, const char *what, CK_RV *rv)
{
	pthread_mutex_lock(&dev->lock);
	hl_device_refresh_locked(dev);
	bool in = dev->login == CKU_USER;
	CK_RV gate = !in                                       ? CKR_USER_NOT_LOGGED_IN
		     : dev->family && dev->family->create_gate ? dev->family->create_gate(dev)
							       : CKR_OK;
	pthread_mutex_unlock(&dev->lock);
	if (gate == CKR_OK && in)
		gate = hl_device_login_gate(dev, CKU_USER);
	if (gate == CKR_OK)
		return HL_OK;
	char why[256]; /* the gate's own message, before the log overwrites it */
	snprintf(why, sizeof(why), "%s", in ? hl_p11_last_error() : "");
	if (in)
		hl_p11_log("%s: device %s: the Crypto Officer cannot act now: %s", what,
			   dev->serial, why);
	else
		hl_p11_log("%s: device %s: the Crypto Officer is not logged in (a key leaves or "
			   "enters a device only after the CO's login, besides the domain)",
			   what, dev->serial);
	*rv = gate;
	return HL_ERR_FUNCTION_FAILED;
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
	char err[512] = "";
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!label || !path)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_device_t *dev = device_of(slot, &rv);
	hl_status_t st = dev ? need_co(dev, "backup", &rv) : HL_OK;
	if (st != HL_OK) {
		hl_p11_unlock();
		return rv;
	}
	st = dev ? domain_get(dev, &dom) : HL_OK;
	if (dev && st == HL_ERR_NOT_FOUND)
		hl_p11_log("backup: device %s has no SMK / cloning domain yet (domain create or "
			   "load)",
			   dev->serial);
	if (dev && st == HL_OK)
		st = find_key(dev, label, &obj);
	if (dev && st == HL_OK)
		st = encode_object(dev, &dom, obj, &blob, &len);
	if (dev && st == HL_OK) {
		st = hl_file_write_atomic(path, blob, len, 0600, err, sizeof(err));
		if (st != HL_OK) /* err names the file and the step that failed */
			hl_p11_log("backup of \"%s\": %s", label, err);
	}
	if (dev && st == HL_OK) {
		pthread_mutex_lock(&dev->lock);
		st = hl_fam_audit(dev, HL_AUDIT_BACKUP, label, path);
		pthread_mutex_unlock(&dev->lock);
	}
	if (dev && st != HL_OK && st != HL_ERR_NOT_FOUND && !err[0])
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
	hl_status_t st = dev ? need_co(dev, "restore", &rv) : HL_OK;
	if (st != HL_OK) {
		hl_p11_unlock();
		return rv;
	}
	st = dev ? hl_backup_read_file(path, &blob, &len) : HL_OK;
	if (dev && st == HL_OK)
		st = domain_get(dev, &dom);
	if (dev && st == HL_ERR_NOT_FOUND)
		st = no_domain_status(dev, blob, len);
	char why[160] = "";
	if (dev && st == HL_OK)
		st = hl_backup_decode_why(&dom, blob, len, &b, why, sizeof(why));
	if (dev && st == HL_OK)
		st = object_from(b, &obj);
	if (dev && st == HL_OK) {
		restore_ctx_t rc = { path, b };
		st = hl_device_add_object_with(dev, obj, audit_restore, &rc);
	}
	if (dev && st != HL_OK) /* why: the blob's field at fault, when the decoder named one */
		hl_p11_log("restore from %s: %s%s%s", path, hl_strerror(st), why[0] ? ": " : "",
			   why);
	if (dev)
		rv = hl_p11_rv(st);
	hl_object_free(obj);
	hl_backup_obj_free(b);
	free(blob);
	hl_backup_domain_wipe(&dom);
	hl_p11_unlock();
	return rv;
}

/* -- cloning (L13, L7, K11) -- */

typedef struct {
	hl_device_t *src, *dst;
	const char *label;
	hl_backup_domain_t sdom, ddom;
	hl_object_t *key, *copy;
	uint8_t *blob;
	size_t len;
	hl_backup_obj_t *b;
	char id[HL_FAM_CLONE_ID_LEN]; /* SRC:<n>, the two-phase record's (fam_clone.c) */
} clone_t;

/* Both devices, of one vendor, distinct, each with its policy allowing cloning. */
static hl_status_t clone_devices(clone_t *c, CK_SLOT_ID src, CK_SLOT_ID dst, CK_RV *rv)
{
	const hl_backup_format_t *sf, *df;
	const char *card;
	if (!(c->src = device_of(src, rv)) || !(c->dst = device_of(dst, rv))) {
		hl_p11_log("clone: slot %lu: no device of this module with a store",
			   (unsigned long)(c->src ? dst : src));
		return HL_ERR_ARGS; /* *rv says what */
	}
	if (c->src == c->dst) {
		hl_p11_log("clone: source and target are the same device (%s)", c->src->serial);
		return HL_ERR_ARGS;
	}
	hl_status_t st = format_of(c->src, &sf, &card);
	if (st == HL_OK)
		st = format_of(c->dst, &df, &card);
	if (st == HL_OK && sf != df) {
		hl_p11_log("clone: %s and %s are devices of different vendors", c->src->serial,
			   c->dst->serial);
		st = HL_ERR_BACKUP_WRONG_VENDOR;
	}
	/* A guess at Luna's partition policy "allow private key cloning", switched off. */
	hl_device_t *both[] = { c->src, c->dst };
	for (int i = 0; st == HL_OK && i < 2; i++)
		if (hl_fam_switches(both[i])->no_private_key_cloning) {
			hl_p11_log("clone: the policy of %s (%s) forbids private key cloning",
				   both[i]->serial, i ? "target" : "source");
			st = HL_ERR_ACTION_PROHIBITED;
		}
	return st;
}

/* The Crypto Officer's PIN of dev, checked as a login checks it (the family's gate first;
 * a wrong PIN counted and audited) without leaving the device logged in: the caller holds
 * the p11 write lock, so no other call sees the login in between. */
static hl_status_t check_co(hl_device_t *dev, const char *side, const char *pin, CK_RV *rv)
{
	CK_RV gate = hl_device_login_gate(dev, CKU_USER);
	if (gate != CKR_OK) {
		char why[256]; /* the gate's own message, before the log overwrites it */
		snprintf(why, sizeof(why), "%s", hl_p11_last_error());
		hl_p11_log("clone: %s device %s: the Crypto Officer cannot log in (0x%08lx): %s",
			   side, dev->serial, (unsigned long)gate, why);
		*rv = gate;
		return HL_ERR_FUNCTION_FAILED;
	}
	pthread_mutex_lock(&dev->lock);
	CK_USER_TYPE was = dev->login;
	pthread_mutex_unlock(&dev->lock);
	hl_status_t st = hl_device_login(dev, CKU_USER, (const CK_UTF8CHAR *)pin, strlen(pin));
	pthread_mutex_lock(&dev->lock);
	dev->login = was;
	if (st == HL_ERR_PIN_INCORRECT || st == HL_ERR_PIN_LOCKED)
		hl_fam_audit(dev, HL_AUDIT_LOGIN_FAILED, "user", "clone");
	pthread_mutex_unlock(&dev->lock);
	if (st != HL_OK)
		hl_p11_log("clone: %s device %s: Crypto Officer PIN: %s", side, dev->serial,
			   hl_strerror(st));
	return st;
}

/* How many objects of dev carry label (any class). */
static hl_status_t count_label(hl_device_t *dev, const char *label, size_t *n)
{
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	hl_object_t **v = NULL;
	hl_status_t st = hl_device_find(dev, t, 1, true, &v, n);
	for (size_t i = 0; st == HL_OK && i < *n; i++)
		hl_object_free(v[i]);
	free(v);
	return st;
}

/* Both domains, the same one; the key on the source, its label free on the target. */
static hl_status_t clone_check(clone_t *c)
{
	size_t n = 0;
	hl_device_t *both[] = { c->src, c->dst };
	hl_backup_domain_t *doms[] = { &c->sdom, &c->ddom };
	hl_status_t st = HL_OK;
	for (int i = 0; st == HL_OK && i < 2; i++) {
		st = domain_get(both[i], doms[i]);
		if (st == HL_ERR_NOT_FOUND) {
			hl_p11_log("clone: %s has no SMK / cloning domain yet (domain create or "
				   "load)",
				   both[i]->serial);
			return HL_ERR_BACKUP_WRONG_DOMAIN;
		}
		if (st != HL_OK)
			hl_p11_log("clone: the domain of %s: %s", both[i]->serial, hl_strerror(st));
	}
	if (st == HL_OK && !hl_crypto_memeq(c->sdom.id, c->ddom.id, sizeof(c->sdom.id))) {
		hl_p11_log("clone: %s and %s hold different SMKs / cloning domains", c->src->serial,
			   c->dst->serial);
		return HL_ERR_BACKUP_WRONG_DOMAIN;
	}
	if (st == HL_OK)
		st = find_key(c->src, c->label, &c->key);
	if (st == HL_OK)
		st = count_label(c->dst, c->label, &n);
	if (st == HL_OK && n) {
		hl_p11_log("clone: the target %s already holds an object labelled \"%s\"",
			   c->dst->serial, c->label);
		st = HL_ERR_EXISTS;
	}
	return st;
}

/* The target's part, in its transaction with the copy: the clone id and the record. */
static hl_status_t audit_clone_in(hl_device_t *dev, void *arg)
{
	clone_t *c = arg;
	char details[160];
	snprintf(details, sizeof(details), "from=%s clone=%s", c->src->serial, c->id);
	hl_status_t st = hl_fam_clone_mark_in(dev, c->id, c->label);
	return st == HL_OK ? hl_fam_audit(dev, HL_AUDIT_CLONE, c->label, details) : st;
}

/* Steps 2 and 3 of fam_clone.c, source lock held: the source's write transaction is taken
 * before the target's commit and kept to the resolution, so no other process resolves the
 * intent while the copy is in flight. */
static hl_status_t clone_commit(clone_t *c)
{
	hl_status_t st = hl_store_begin(c->src->store);
	if (st != HL_OK) {
		hl_p11_log("clone of \"%s\": the source %s cannot be locked (%s); nothing was "
			   "copied, and its next load records the clone aborted",
			   c->label, c->src->serial, hl_strerror(st));
		return st;
	}
	/* Another process's load may have taken the lock between the intent's commit and
	 * this one, and recorded the clone aborted: then no copy may follow. */
	st = hl_fam_clone_held(c->src, c->id);
	if (st != HL_OK) {
		hl_store_rollback(c->src->store);
		hl_p11_log("clone %s of \"%s\": another process resolved it before its copy (%s); "
			   "nothing was copied, run it again",
			   c->id, c->label, hl_strerror(st));
		return st == HL_ERR_NOT_FOUND ? HL_ERR_FUNCTION_FAILED : st;
	}
	st = hl_device_add_object_with(c->dst, c->copy, audit_clone_in, c);
	if (st != HL_OK)
		hl_p11_log("clone of \"%s\" onto %s: %s", c->label, c->dst->serial,
			   hl_strerror(st));
	hl_status_t fin =
	    hl_fam_clone_finish(c->src, c->id, c->dst->serial, c->label, st ? "failed" : "done");
	if (fin == HL_OK)
		fin = hl_store_commit(c->src->store);
	else
		hl_store_rollback(c->src->store);
	/* The copy is made and recorded on the target: the clone succeeded even when the
	 * source cannot resolve it now; its next load does (the target holds the id). */
	if (fin != HL_OK)
		hl_p11_log("clone %s of \"%s\" onto %s: %s, but the source %s could not record "
			   "it (%s); its next load does",
			   c->id, c->label, c->dst->serial, st ? "not made" : "made",
			   c->src->serial, hl_strerror(fin));
	return st;
}

/* The key as a domain blob in memory, opened under the target's domain, then moved in the
 * three commits of the clone's two-phase record (fam_clone.c). */
static hl_status_t clone_move(clone_t *c)
{
	hl_status_t st = encode_object(c->src, &c->sdom, c->key, &c->blob, &c->len);
	if (st == HL_OK)
		st = hl_backup_decode(&c->ddom, c->blob, c->len, &c->b);
	if (st == HL_OK)
		st = object_from(c->b, &c->copy);
	if (st != HL_OK)
		return st;
	hl_fam_clone_resolve(c->src); /* what an earlier crash left, before a new intent */
	pthread_mutex_lock(&c->src->lock);
	st = hl_fam_clone_prepare(c->src, c->dst->serial, c->label, c->id);
	if (st == HL_OK)
		st = clone_commit(c);
	pthread_mutex_unlock(&c->src->lock);
	return st;
}

CK_RV hl_fam_key_clone(CK_SLOT_ID src, const char *src_pin, const char *label, CK_SLOT_ID dst,
		       const char *dst_pin)
{
	clone_t c = { .label = label };
	CK_RV rv = CKR_OK;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!src_pin || !label || !label[0] || !dst_pin)
		return CKR_ARGUMENTS_BAD;
	hl_p11_wrlock(); /* one clone at a time, and no call in between its PIN checks */
	hl_status_t st = clone_devices(&c, src, dst, &rv);
	if (st == HL_OK)
		st = check_co(c.src, "source", src_pin, &rv);
	if (st == HL_OK)
		st = check_co(c.dst, "target", dst_pin, &rv);
	if (st == HL_OK)
		st = clone_check(&c);
	if (st == HL_OK)
		st = clone_move(&c);
	if (rv == CKR_OK)
		rv = hl_p11_rv(st);
	hl_object_free(c.key);
	hl_object_free(c.copy);
	hl_backup_obj_free(c.b);
	if (c.blob)
		hl_crypto_wipe(c.blob, c.len);
	free(c.blob);
	hl_backup_domain_wipe(&c.sdom);
	hl_backup_domain_wipe(&c.ddom);
	hl_p11_unlock();
	return rv;
}
