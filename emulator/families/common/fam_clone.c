/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a clone's two-phase record across its two stores (store.md, "Across two
 * stores"). No transaction spans two SQLite WAL databases, so the clone is three commits:
 *   1. prepare, on the source: an intent `clone_out/<n>` ("DST LABEL") with the clone id
 *      SRC:<n> (`clone_next` counts them; ids are never reused);
 *   2. the target: the copy, its audit record and `clone_in/<id>`, one transaction;
 *   3. resolution, on the source: the intent goes and the log gets `to=DST done clone=ID`
 *      when the target holds clone_in/<id>, else `to=DST aborted clone=ID`.
 * The clone itself holds the source's write transaction from before step 2 to the end of
 * step 3, so no other process resolves an intent whose target step is in flight. A crash
 * between the steps leaves an intent that the next load of the source (the family's
 * device_loaded hook) or the next clone from it resolves the same way: the target has
 * the copy and the source says done, or neither has anything but the source's "aborted". */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl_fam.h"
#include "p11/hl_p11.h"

#define OUT_PREFIX "clone_out/"
#define IN_PREFIX "clone_in/"

hl_status_t hl_fam_clone_prepare(hl_device_t *src, const char *dst_serial, const char *label,
				 char id[HL_FAM_CLONE_ID_LEN])
{
	uint64_t n = 0;
	char key[64];
	size_t len = strlen(dst_serial) + 1 + strlen(label);
	char *val = malloc(len + 1);
	if (!val)
		return HL_ERR_NOMEM;
	snprintf(val, len + 1, "%s %s", dst_serial, label);
	hl_status_t st = hl_store_begin(src->store);
	if (st == HL_OK) {
		st = hl_store_meta_get_u64(src->store, "clone_next", &n);
		st = st == HL_ERR_NOT_FOUND ? HL_OK : st;
		n++;
		snprintf(key, sizeof(key), OUT_PREFIX "%020" PRIu64, n);
		if (st == HL_OK)
			st = hl_store_meta_set_u64(src->store, "clone_next", n);
		if (st == HL_OK)
			st = hl_store_meta_set(src->store, key, val, len);
		if (st == HL_OK)
			st = hl_store_commit(src->store);
		else
			hl_store_rollback(src->store);
	}
	free(val);
	snprintf(id, HL_FAM_CLONE_ID_LEN, "%s:%" PRIu64, src->serial, n);
	if (st != HL_OK)
		hl_p11_log("clone of \"%s\": the source %s cannot record its start: %s", label,
			   src->serial, hl_strerror(st));
	return st;
}

hl_status_t hl_fam_clone_mark_in(hl_device_t *dst, const char *id, const char *label)
{
	char key[96];
	snprintf(key, sizeof(key), IN_PREFIX "%s", id);
	return hl_store_meta_set(dst->store, key, label, strlen(label));
}

/* The intent's number from its key, or 0 for a key that is not one. */
static uint64_t intent_number(const char *key)
{
	char *end = NULL;
	unsigned long long n = strtoull(key + strlen(OUT_PREFIX), &end, 10);
	return end && !*end ? (uint64_t)n : 0;
}

/* The meta key of the intent of clone id ("SRC:<n>"). */
static void intent_key(const char *id, char key[64])
{
	const char *num = strrchr(id, ':');
	snprintf(key, 64, OUT_PREFIX "%020" PRIu64,
		 num ? (uint64_t)strtoull(num + 1, NULL, 10) : 0);
}

hl_status_t hl_fam_clone_held(hl_device_t *src, const char *id)
{
	char key[64];
	uint8_t *v = NULL;
	size_t len = 0;
	intent_key(id, key);
	hl_status_t st = hl_store_meta_get(src->store, key, &v, &len);
	free(v);
	return st;
}

hl_status_t hl_fam_clone_finish(hl_device_t *src, const char *id, const char *dst_serial,
				const char *label, const char *result)
{
	char key[64], details[160];
	intent_key(id, key);
	hl_status_t st = hl_store_meta_delete(src->store, key);
	snprintf(details, sizeof(details), "to=%s %s clone=%s", dst_serial, result, id);
	return st == HL_OK ? hl_fam_audit(src, HL_AUDIT_CLONE, label, details) : st;
}

/* Whether the target's store holds the clone's record: HL_OK (yes), HL_ERR_NOT_FOUND (no),
 * anything else: the target cannot be asked now (err says why). */
static hl_status_t target_has(hl_device_t *src, const char *dst_serial, const char *id, char *err,
			      size_t errlen)
{
	char key[96];
	uint8_t *v = NULL;
	size_t len = 0;
	hl_store_t *t = NULL;
	char *path = hl_lab_device_path(src->lab, dst_serial);
	if (!path)
		return HL_ERR_NOMEM;
	err[0] = '\0';
	hl_status_t st = hl_store_open(path, HL_STORE_RDONLY, &t, err, errlen);
	if (st != HL_OK) {
		/* A store that is not there is unreadable, not "without the record": the device
		 * may be back later (a missing file must never abort a clone that happened). */
		if (!err[0])
			snprintf(err, errlen, "%s: %s", path, hl_strerror(st));
		st = st == HL_ERR_NOT_FOUND ? HL_ERR_IO : st;
	} else {
		snprintf(key, sizeof(key), IN_PREFIX "%s", id);
		st = hl_store_meta_get(t, key, &v, &len);
		free(v);
		if (st != HL_OK && st != HL_ERR_NOT_FOUND)
			snprintf(err, errlen, "%s: %s", path, hl_strerror(st));
	}
	hl_store_close(t);
	free(path);
	return st;
}

/* Resolves one intent inside the source's open transaction, or says why it stays. */
static hl_status_t resolve_one(hl_device_t *src, const char *key)
{
	char *val = NULL, id[HL_FAM_CLONE_ID_LEN], err[400];
	uint64_t n = intent_number(key);
	hl_status_t st = hl_store_meta_get_str(src->store, key, &val);
	char *label = st == HL_OK ? strchr(val, ' ') : NULL;
	if (st == HL_OK && (!n || !label))
		st = HL_ERR_STORE_CORRUPT;
	if (st != HL_OK) {
		free(val);
		return st;
	}
	*label++ = '\0'; /* val: the target's serial */
	snprintf(id, sizeof(id), "%s:%" PRIu64, src->serial, n);
	hl_status_t has = target_has(src, val, id, err, sizeof(err));
	if (has == HL_OK || has == HL_ERR_NOT_FOUND) {
		st = hl_fam_clone_finish(src, id, val, label, has == HL_OK ? "done" : "aborted");
	} else {
		hl_p11_log(
		    "device %s: clone %s of \"%s\" to %s stays pending (its target cannot be "
		    "read: %s); it is resolved once both stores open",
		    src->serial, id, label, val, err);
	}
	free(val);
	return st;
}

static void keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

void hl_fam_clone_resolve(hl_device_t *src)
{
	char **keys = NULL;
	size_t n = 0;
	if (!src->store)
		return;
	pthread_mutex_lock(&src->lock);
	if (hl_store_in_transaction(src->store)) {
		pthread_mutex_unlock(&src->lock);
		return;
	}
	/* Most loads have nothing to do: one read, no transaction. */
	hl_status_t st = hl_store_meta_keys(src->store, OUT_PREFIX, &keys, &n);
	keys_free(keys, n);
	keys = NULL;
	if (st == HL_OK && n && hl_store_write_protected(src->store)) {
		hl_p11_log("device %s: %zu interrupted clone(s) stay pending: the store is read "
			   "only; they are resolved by the next load that can write it",
			   src->serial, n);
		n = 0;
	}
	if (st == HL_OK && n)
		st = hl_store_begin(src->store);
	/* In the transaction (the source's write lock), the intents again: a clone in flight
	 * in another process holds that lock until its own resolution, so none seen here is. */
	if (st == HL_OK && n)
		st = hl_store_meta_keys(src->store, OUT_PREFIX, &keys, &n);
	for (size_t i = 0; st == HL_OK && i < n; i++)
		st = resolve_one(src, keys[i]);
	keys_free(keys, keys ? n : 0);
	if (hl_store_in_transaction(src->store)) {
		if (st == HL_OK)
			st = hl_store_commit(src->store);
		else
			hl_store_rollback(src->store);
	}
	if (st != HL_OK)
		hl_p11_log("device %s: %zu interrupted clone(s) left pending: %s", src->serial, n,
			   hl_strerror(st));
	pthread_mutex_unlock(&src->lock);
}
