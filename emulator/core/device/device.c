/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: devices — store, master key, token state and PINs. Token objects are in
 * device_objects.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device_int.h"

/* PIN verifiers: salt || PBKDF2-HMAC-SHA256(pin, salt, PIN_ITER) (HL_DEVICE_PIN_VERIFIER_LEN);
 * the format of every store's so_pin / user_pin and the families' own credentials. */
#define PIN_SALT_LEN 16
#define PIN_ITER 10000

/* -- master key -- */

static hl_status_t mk_aad(const hl_device_t *dev, uint8_t *aad, size_t *len)
{
	int n = snprintf((char *)aad, 64, "hsmlab master key v1/%s", dev->serial);
	*len = (size_t)n;
	return HL_OK;
}

static hl_status_t mk_create(hl_device_t *dev)
{
	uint8_t kek[32], aad[64], wrapped[HL_AEAD_KEY_LEN + HL_AEAD_OVERHEAD];
	size_t aad_len;
	hl_status_t st = hl_crypto_random(dev->seal.mk, HL_AEAD_KEY_LEN);
	if (st == HL_OK)
		st = hl_lab_device_kek(dev->lab, dev->serial, kek);
	mk_aad(dev, aad, &aad_len);
	if (st == HL_OK)
		st = hl_crypto_aead_seal(kek, aad, aad_len, dev->seal.mk, HL_AEAD_KEY_LEN, wrapped);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "master_key", wrapped, sizeof(wrapped));
	hl_crypto_wipe(kek, sizeof(kek));
	return st;
}

static hl_status_t mk_load(hl_device_t *dev)
{
	uint8_t kek[32], aad[64], *wrapped = NULL;
	size_t aad_len, len = 0;
	hl_status_t st = hl_store_meta_get(dev->store, "master_key", &wrapped, &len);
	if (st == HL_OK && len != HL_AEAD_KEY_LEN + HL_AEAD_OVERHEAD)
		st = HL_ERR_STORE_CORRUPT;
	if (st == HL_OK)
		st = hl_lab_device_kek(dev->lab, dev->serial, kek);
	mk_aad(dev, aad, &aad_len);
	if (st == HL_OK)
		st = hl_crypto_aead_open(kek, aad, aad_len, wrapped, len, dev->seal.mk);
	if (st == HL_ERR_INTEGRITY)
		snprintf(dev->err, sizeof(dev->err),
			 "%s: master key does not open with this lab's secret", dev->path);
	hl_crypto_wipe(kek, sizeof(kek));
	free(wrapped);
	return st;
}

/* -- state -- */

static void pad_label(char dst[33], const char *src, size_t len)
{
	memset(dst, ' ', 32);
	memcpy(dst, src, len > 32 ? 32 : len);
	dst[32] = 0;
}

static hl_status_t read_state(hl_device_t *dev)
{
	char *s = NULL;
	uint8_t *v = NULL;
	size_t len = 0;
	hl_status_t st = hl_store_meta_get_str(dev->store, "state", &s);
	if (st != HL_OK)
		return st == HL_ERR_NOT_FOUND ? HL_ERR_STORE_CORRUPT : st;
	/* Any other value is a damaged store, not a token waiting for C_InitToken. */
	bool init = strcmp(s, "initialized") == 0, factory = strcmp(s, "factory") == 0;
	free(s);
	if (!init && !factory)
		return HL_ERR_STORE_CORRUPT;
	dev->state = init ? HL_DEV_INITIALIZED : HL_DEV_FACTORY;
	if (hl_store_meta_get(dev->store, "label", &v, &len) == HL_OK)
		pad_label(dev->label, (const char *)v, len);
	else /* a family's zeroize removed it */
		pad_label(dev->label, "", 0);
	free(v);
	v = NULL;
	dev->user_pin_set = hl_store_meta_get(dev->store, "user_pin", &v, &len) == HL_OK;
	free(v);
	dev->so_failed = dev->user_failed = 0;
	hl_store_meta_get_u64(dev->store, "so_failed", &dev->so_failed);
	hl_store_meta_get_u64(dev->store, "user_failed", &dev->user_failed);
	return HL_OK;
}

static hl_device_t *dev_alloc(hl_lab_t *lab, const char *serial)
{
	hl_device_t *dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->lab = lab;
	snprintf(dev->serial, sizeof(dev->serial), "%s", serial);
	snprintf(dev->seal.serial, sizeof(dev->seal.serial), "%s", serial);
	dev->path = hl_lab_device_path(lab, serial);
	dev->objs = hl_objmap_new();
	dev->login = HL_NOT_LOGGED_IN;
	pad_label(dev->label, "", 0);
	pthread_mutex_init(&dev->lock, NULL);
	if (!dev->path || !dev->objs) {
		hl_device_free(dev);
		return NULL;
	}
	return dev;
}

/* *have_slot: whether the store's slot id was read (a device broken after that keeps it). */
static hl_status_t load_meta(hl_device_t *dev, bool *have_slot)
{
	char *profile = NULL;
	uint64_t slot = 0;
	hl_status_t st = hl_store_meta_get_u64(dev->store, "slot_id", &slot);
	if (st == HL_OK)
		st = hl_store_meta_get_str(dev->store, "profile", &profile);
	if (st == HL_ERR_NOT_FOUND)
		st = HL_ERR_STORE_CORRUPT;
	if (st == HL_OK) {
		dev->slot_id = (CK_SLOT_ID)slot;
		*have_slot = true;
		st = hl_lab_profile(dev->lab, profile, &dev->profile, dev->err, sizeof(dev->err));
	}
	if (st == HL_OK)
		dev->family = hl_family_get(dev->profile->family);
	if (st == HL_OK)
		st = read_state(dev);
	if (st == HL_OK)
		st = mk_load(dev);
	free(profile);
	/* A key the store must hold is missing: damaged (CKR_DEVICE_ERROR, store.md), not a
	 * caller's bad argument. */
	return st == HL_ERR_NOT_FOUND ? HL_ERR_STORE_CORRUPT : st;
}

hl_status_t hl_device_load(hl_lab_t *lab, const char *serial, hl_device_t **out)
{
	hl_device_t *dev = dev_alloc(lab, serial);
	if (!dev)
		return HL_ERR_NOMEM;
	hl_status_t st =
	    hl_store_open(dev->path, HL_STORE_RDWR, &dev->store, dev->err, sizeof(dev->err));
	bool have_slot = false;
	if (st == HL_OK)
		st = load_meta(dev, &have_slot);
	if (st != HL_OK) {
		dev->broken = st;
		if (!dev->err[0])
			snprintf(dev->err, sizeof(dev->err), "%s: %s", dev->path, hl_strerror(st));
		hl_store_close(dev->store);
		dev->store = NULL;
		/* A broken device keeps the slot id its store holds, so clients find it where
		 * they knew it; one whose store cannot say gets HL_DEVICE_SLOT_UNKNOWN (its
		 * serial's rank is not stable). */
		if (!have_slot)
			dev->slot_id = HL_DEVICE_SLOT_UNKNOWN;
	} else if (dev->family && dev->family->device_loaded) {
		dev->family->device_loaded(dev);
	}
	*out = dev;
	return HL_OK;
}

hl_status_t hl_device_new_free(hl_lab_t *lab, const hl_profile_t *profile, CK_SLOT_ID slot_id,
			       hl_device_t **out)
{
	uint8_t rnd[8];
	char serial[17];
	hl_status_t st = hl_crypto_random(rnd, sizeof(rnd));
	if (st != HL_OK)
		return st;
	for (int i = 0; i < 8; i++)
		snprintf(serial + 2 * i, 3, "%02X", rnd[i]);
	hl_device_t *dev = dev_alloc(lab, serial);
	if (!dev)
		return HL_ERR_NOMEM;
	dev->state = HL_DEV_FREE;
	dev->profile = profile;
	dev->family = hl_family_get(profile->family);
	dev->slot_id = slot_id;
	*out = dev;
	return HL_OK;
}

static hl_status_t create_store(hl_device_t *dev, char *err, size_t errlen)
{
	hl_status_t st = hl_store_open(dev->path, HL_STORE_CREATE, &dev->store, err, errlen);
	if (st != HL_OK)
		return st;
	st = hl_store_begin(dev->store);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "serial", dev->serial, strlen(dev->serial));
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "slot_id", dev->slot_id);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "profile", dev->profile->name,
				       strlen(dev->profile->name));
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "state", "factory", 7);
	if (st == HL_OK)
		st = mk_create(dev);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	if (st != HL_OK) {
		snprintf(err, errlen, "%s: cannot initialise store: %s", dev->path,
			 hl_strerror(st));
		hl_store_close(dev->store);
		dev->store = NULL;
		remove(dev->path);
	}
	return st;
}

hl_status_t hl_device_create(hl_lab_t *lab, const hl_profile_t *profile, CK_SLOT_ID slot_id,
			     const char *serial, hl_device_t **out, char *err, size_t errlen)
{
	hl_device_t *dev = NULL;
	hl_status_t st;
	if (serial) {
		dev = dev_alloc(lab, serial);
		st = dev ? HL_OK : HL_ERR_NOMEM;
		if (dev) {
			dev->profile = profile;
			dev->family = hl_family_get(profile->family);
			dev->slot_id = slot_id;
		}
	} else {
		st = hl_device_new_free(lab, profile, slot_id, &dev);
	}
	if (st == HL_OK)
		st = create_store(dev, err, errlen);
	if (st == HL_OK) {
		dev->state = HL_DEV_FACTORY;
		*out = dev;
	} else {
		hl_device_free(dev);
	}
	return st;
}

void hl_device_free(hl_device_t *dev)
{
	if (!dev)
		return;
	hl_objmap_free(dev->objs);
	if (dev->family && dev->family->device_free)
		dev->family->device_free(dev); /* before the store: it may use the database */
	hl_store_close(dev->store);
	hl_crypto_wipe(&dev->seal, sizeof(dev->seal));
	pthread_mutex_destroy(&dev->lock);
	free(dev->path);
	free(dev);
}

void hl_device_event(hl_device_t *dev, hl_family_event_t ev, const char *subject)
{
	/* A write-protected store takes no records: the operations it allows go unrecorded. */
	if (!dev || dev->broken || !dev->store || !dev->family || !dev->family->on_event ||
	    hl_store_write_protected(dev->store))
		return;
	pthread_mutex_lock(&dev->lock);
	dev->family->on_event(dev, ev, subject);
	pthread_mutex_unlock(&dev->lock);
}

CK_RV hl_device_login_gate(hl_device_t *dev, CK_USER_TYPE user)
{
	if (!dev || dev->broken || !dev->store || !dev->family || !dev->family->login_gate)
		return CKR_OK;
	pthread_mutex_lock(&dev->lock);
	CK_RV rv = dev->family->login_gate(dev, user);
	pthread_mutex_unlock(&dev->lock);
	return rv;
}

void hl_device_refresh_locked(hl_device_t *dev)
{
	if (dev->store && hl_store_changed(dev->store)) {
		dev->gen++;
		read_state(dev);
	}
}

hl_status_t hl_device_reread_locked(hl_device_t *dev)
{
	hl_status_t st = dev->store ? read_state(dev) : HL_ERR_STORE_CORRUPT;
	if (st == HL_OK)
		dev->gen++;
	return st;
}

void hl_device_refresh(hl_device_t *dev)
{
	pthread_mutex_lock(&dev->lock);
	hl_device_refresh_locked(dev);
	pthread_mutex_unlock(&dev->lock);
}

static void pad_copy(CK_UTF8CHAR *dst, size_t n, const char *src)
{
	size_t len = strlen(src);
	memset(dst, ' ', n);
	memcpy(dst, src, len > n ? n : len);
}

hl_status_t hl_device_token_info(hl_device_t *dev, CK_TOKEN_INFO *info)
{
	const hl_profile_t *p = dev->profile;
	if (dev->broken)
		return dev->broken;
	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&dev->lock);
	hl_device_refresh_locked(dev);
	memcpy(info->label, dev->label, 32);
	pad_copy(info->manufacturerID, 32, p->manufacturer);
	pad_copy(info->model, 16, p->model);
	pad_copy(info->serialNumber, 16, dev->serial);
	info->flags = p->token_flags;
	if (dev->state == HL_DEV_INITIALIZED)
		info->flags |= CKF_TOKEN_INITIALIZED;
	if (dev->user_pin_set)
		info->flags |= CKF_USER_PIN_INITIALIZED;
	if (dev->user_failed)
		info->flags |= CKF_USER_PIN_COUNT_LOW;
	if (dev->user_failed + 1 == p->user_max_failed)
		info->flags |= CKF_USER_PIN_FINAL_TRY;
	if (dev->user_failed >= p->user_max_failed)
		info->flags |= CKF_USER_PIN_LOCKED;
	if (dev->so_failed)
		info->flags |= CKF_SO_PIN_COUNT_LOW;
	if (dev->so_failed + 1 == p->so_max_failed)
		info->flags |= CKF_SO_PIN_FINAL_TRY;
	if (dev->so_failed >= p->so_max_failed)
		info->flags |= CKF_SO_PIN_LOCKED;
	if (hl_store_write_protected(dev->store))
		info->flags |= CKF_WRITE_PROTECTED;
	pthread_mutex_unlock(&dev->lock);
	info->ulMaxSessionCount = p->max_sessions ? p->max_sessions : CK_EFFECTIVELY_INFINITE;
	info->ulMaxRwSessionCount =
	    p->max_rw_sessions ? p->max_rw_sessions : CK_EFFECTIVELY_INFINITE;
	info->ulMaxPinLen = p->pin_max;
	info->ulMinPinLen = p->pin_min;
	info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
	info->hardwareVersion = p->hardware_version;
	info->firmwareVersion = p->firmware_version;
	memset(info->utcTime, '0', sizeof(info->utcTime));
	return HL_OK;
}

/* -- PINs -- */

hl_status_t hl_device_check_pin(const hl_device_t *dev, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	if (len < dev->profile->pin_min || len > dev->profile->pin_max)
		return HL_ERR_PIN_LEN_RANGE;
	for (CK_ULONG i = 0; dev->profile->pin_digits_only && i < len; i++)
		if (pin[i] < '0' || pin[i] > '9')
			return HL_ERR_PIN_INVALID;
	return HL_OK;
}

hl_status_t hl_device_pin_verifier_make(const uint8_t *pin, size_t len,
					uint8_t out[HL_DEVICE_PIN_VERIFIER_LEN])
{
	uint8_t v[HL_DEVICE_PIN_VERIFIER_LEN];
	hl_status_t st = hl_crypto_random(v, PIN_SALT_LEN);
	if (st == HL_OK)
		st = hl_crypto_pbkdf2(pin, len, v, PIN_SALT_LEN, PIN_ITER, v + PIN_SALT_LEN);
	if (st == HL_OK)
		memcpy(out, v, sizeof(v));
	hl_crypto_wipe(v, sizeof(v));
	return st;
}

hl_status_t hl_device_pin_verifier_check(const uint8_t *rec, size_t rec_len, const uint8_t *pin,
					 size_t len)
{
	uint8_t h[HL_DEVICE_PIN_VERIFIER_LEN - PIN_SALT_LEN];
	if (rec_len != HL_DEVICE_PIN_VERIFIER_LEN)
		return HL_ERR_STORE_CORRUPT;
	hl_status_t st = hl_crypto_pbkdf2(pin, len, rec, PIN_SALT_LEN, PIN_ITER, h);
	if (st == HL_OK && !hl_crypto_memeq(h, rec + PIN_SALT_LEN, sizeof(h)))
		st = HL_ERR_PIN_INCORRECT;
	hl_crypto_wipe(h, sizeof(h));
	return st;
}

static hl_status_t pin_store(hl_device_t *dev, const char *key, const CK_UTF8CHAR *pin,
			     CK_ULONG len)
{
	uint8_t v[HL_DEVICE_PIN_VERIFIER_LEN];
	hl_status_t st = hl_device_pin_verifier_make(pin, len, v);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, key, v, sizeof(v));
	hl_crypto_wipe(v, sizeof(v));
	return st;
}

static hl_status_t pin_verify(hl_device_t *dev, const char *key, const CK_UTF8CHAR *pin,
			      CK_ULONG len)
{
	uint8_t *v = NULL;
	size_t vlen = 0;
	hl_status_t st = hl_store_meta_get(dev->store, key, &v, &vlen);
	if (st == HL_ERR_NOT_FOUND)
		st = strcmp(key, "so_pin") ? HL_ERR_USER_PIN_NOT_INITIALIZED : HL_ERR_PIN_INCORRECT;
	if (st == HL_OK)
		st = hl_device_pin_verifier_check(v, vlen, pin, len);
	free(v);
	return st;
}

/* Verifies a PIN with the failed-login counter: counted, persisted, locking at the limit. */
static hl_status_t pin_attempt(hl_device_t *dev, CK_USER_TYPE who, const CK_UTF8CHAR *pin,
			       CK_ULONG len)
{
	bool so = who == CKU_SO;
	uint64_t *failed = so ? &dev->so_failed : &dev->user_failed;
	CK_ULONG max = so ? dev->profile->so_max_failed : dev->profile->user_max_failed;
	const char *ckey = so ? "so_failed" : "user_failed";
	if (max && *failed >= max)
		return HL_ERR_PIN_LOCKED;
	hl_status_t st = pin_verify(dev, so ? "so_pin" : "user_pin", pin, len);
	if (st != HL_OK && st != HL_ERR_PIN_INCORRECT)
		return st;
	uint64_t now = st == HL_OK ? 0 : *failed + 1;
	/* A write-protected store cannot keep the count: this process keeps it (a copy of the
	 * file elsewhere could be tried anyway, so refusing the login would protect nothing). */
	if (now != *failed && hl_store_write_protected(dev->store))
		*failed = now;
	if (now != *failed) {
		hl_status_t wst = hl_store_begin(dev->store);
		if (wst == HL_OK)
			wst = hl_store_meta_set_u64(dev->store, ckey, now);
		if (wst == HL_OK)
			wst = hl_store_commit(dev->store);
		else
			hl_store_rollback(dev->store);
		if (wst != HL_OK)
			return wst;
		*failed = now;
	}
	return st;
}

hl_status_t hl_device_init_token(hl_device_t *dev, const CK_UTF8CHAR *so_pin, CK_ULONG len,
				 const CK_UTF8CHAR label[32])
{
	hl_status_t st = hl_device_check_pin(dev, so_pin, len);
	if (st != HL_OK)
		return st;
	pthread_mutex_lock(&dev->lock);
	if (dev->family->init_token)
		st = dev->family->init_token(dev, so_pin, len, label);
	if (st == HL_OK && dev->state == HL_DEV_FREE) {
		st = create_store(dev, dev->err, sizeof(dev->err));
		if (st == HL_OK)
			dev->state = HL_DEV_FACTORY;
	}
	if (st == HL_OK && dev->state == HL_DEV_INITIALIZED)
		st = pin_attempt(dev, CKU_SO, so_pin, len);
	if (st != HL_OK)
		goto out;
	/* A family's larger change (a whole vendor token init) may hold the transaction
	 * already: the token's writes join it, and the caller commits or rolls back. */
	bool outer = hl_store_in_transaction(dev->store);
	st = outer ? HL_OK : hl_store_begin(dev->store);
	if (st == HL_OK)
		st = hl_device_delete_all_locked(dev);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "label", label, 32);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "state", "initialized", 11);
	if (st == HL_OK)
		st = pin_store(dev, "so_pin", so_pin, len);
	if (st == HL_OK)
		st = hl_store_meta_delete(dev->store, "user_pin");
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "so_failed", 0);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "user_failed", 0);
	if (st == HL_OK && dev->family->init_token_tx)
		st = dev->family->init_token_tx(dev);
	if (!outer && st == HL_OK)
		st = hl_store_commit(dev->store);
	else if (!outer)
		hl_store_rollback(dev->store);
	if (st == HL_OK) {
		read_state(dev);
		dev->gen++;
	}
out:
	pthread_mutex_unlock(&dev->lock);
	return st;
}

hl_status_t hl_device_login(hl_device_t *dev, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
			    CK_ULONG len)
{
	if (user != CKU_SO && user != CKU_USER && user != CKU_CONTEXT_SPECIFIC)
		return HL_ERR_USER_TYPE_INVALID;
	pthread_mutex_lock(&dev->lock);
	hl_device_refresh_locked(dev);
	CK_USER_TYPE who = user == CKU_CONTEXT_SPECIFIC ? dev->login : user;
	hl_status_t st = HL_OK;
	if (who == CKU_USER && !dev->user_pin_set)
		st = HL_ERR_USER_PIN_NOT_INITIALIZED;
	if (st == HL_OK)
		st = pin_attempt(dev, who, pin, len);
	if (st == HL_OK)
		dev->login = who;
	pthread_mutex_unlock(&dev->lock);
	return st;
}

void hl_device_logout(hl_device_t *dev)
{
	pthread_mutex_lock(&dev->lock);
	dev->login = HL_NOT_LOGGED_IN;
	pthread_mutex_unlock(&dev->lock);
}

static hl_status_t set_pin_tx(hl_device_t *dev, const char *key, const CK_UTF8CHAR *pin,
			      CK_ULONG len)
{
	hl_status_t st = hl_store_begin(dev->store);
	if (st == HL_OK)
		st = pin_store(dev, key, pin, len);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store,
					   strcmp(key, "so_pin") ? "user_failed" : "so_failed", 0);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	if (st == HL_OK)
		read_state(dev);
	return st;
}

hl_status_t hl_device_init_pin(hl_device_t *dev, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	hl_status_t st = hl_device_check_pin(dev, pin, len);
	if (st != HL_OK)
		return st;
	pthread_mutex_lock(&dev->lock);
	st = set_pin_tx(dev, "user_pin", pin, len);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

hl_status_t hl_device_set_pin(hl_device_t *dev, CK_USER_TYPE who, const CK_UTF8CHAR *old_pin,
			      CK_ULONG old_len, const CK_UTF8CHAR *new_pin, CK_ULONG new_len)
{
	hl_status_t st = hl_device_check_pin(dev, new_pin, new_len);
	if (st != HL_OK)
		return st;
	pthread_mutex_lock(&dev->lock);
	st = pin_attempt(dev, who, old_pin, old_len);
	if (st == HL_OK)
		st = set_pin_tx(dev, who == CKU_SO ? "so_pin" : "user_pin", new_pin, new_len);
	pthread_mutex_unlock(&dev->lock);
	return st;
}
