/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the device store, one SQLite database per device (WAL, synchronous=FULL,
 * schema version in PRAGMA user_version). It knows rows and bytes, not PKCS#11 semantics:
 * the layers above decide what goes in and seal key material before it gets here. Every
 * mutation runs in one transaction (hl_store_begin/commit), so a crash leaves either the
 * committed state or no trace. The store owns every table of the database, the audit log's
 * included, and is the only code that speaks SQL. See emulator/doc/store.md. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

/* 1: meta and objects (the audit layer made its own table on first use);
 * 2: the audit table is the store's (opening a format-1 store read-write migrates it). */
#define HL_STORE_SCHEMA_VERSION 2

typedef struct hl_store hl_store_t;

typedef enum {
	HL_STORE_RDONLY, /* existing database, read only (checks never write) */
	HL_STORE_RDWR,   /* existing database */
	HL_STORE_CREATE, /* new database; HL_ERR_EXISTS if the file exists */
} hl_store_mode_t;

/* One object row. Buffers are owned by the row (hl_store_row_clear frees them). */
typedef struct {
	uint64_t id;
	CK_OBJECT_CLASS cls;
	uint8_t *label, *ckaid, *attrs, *sealed;
	size_t label_len, ckaid_len, attrs_len, sealed_len;
	bool priv;
} hl_store_row_t;

void hl_store_row_clear(hl_store_row_t *row);

/* Opens (or creates) the database at path. Checks, before any write: the file mode (no
 * group/other access: HL_ERR_PERMISSIONS), that it is a hsmlab store (HL_ERR_STORE_CORRUPT)
 * and its schema version (HL_ERR_STORE_TOO_NEW). An older store opened read-write is then
 * migrated to HL_STORE_SCHEMA_VERSION in one transaction; read only it is read as it is.
 * A store whose file or directory cannot be written (a read-only mount, file or directory)
 * opens read only whatever the mode, without writing anything; opened HL_STORE_RDWR it is
 * then write protected (hl_store_write_protected): reads work, every hl_store_begin gives
 * HL_ERR_TOKEN_WRITE_PROTECTED. err (errlen bytes, may be NULL) gets a message naming the
 * path. *out is freed with hl_store_close. */
hl_status_t hl_store_open(const char *path, hl_store_mode_t mode, hl_store_t **out, char *err,
			  size_t errlen);
void hl_store_close(hl_store_t *st);

/* Transactions (BEGIN IMMEDIATE: writers queue on the busy timeout). commit fsyncs. */
hl_status_t hl_store_begin(hl_store_t *st);
hl_status_t hl_store_commit(hl_store_t *st);
void hl_store_rollback(hl_store_t *st);
/* Whether a transaction is open on this connection (code that may run inside the caller's
 * transaction or on its own). */
bool hl_store_in_transaction(hl_store_t *st);
/* Whether the store was opened read-write on a file or directory that cannot be written. */
bool hl_store_write_protected(const hl_store_t *st);

/* Device metadata (key → bytes). get: *out malloc'd (caller frees), HL_ERR_NOT_FOUND if
 * absent. set: inside a transaction. */
hl_status_t hl_store_meta_get(hl_store_t *st, const char *key, uint8_t **out, size_t *out_len);
hl_status_t hl_store_meta_set(hl_store_t *st, const char *key, const void *val, size_t len);
hl_status_t hl_store_meta_delete(hl_store_t *st, const char *key);
/* Deletes every object row (inside a transaction). */
hl_status_t hl_store_delete_all(hl_store_t *st);
/* Convenience for text values (NUL terminated copies; caller frees). */
hl_status_t hl_store_meta_get_str(hl_store_t *st, const char *key, char **out);
hl_status_t hl_store_meta_get_u64(hl_store_t *st, const char *key, uint64_t *out);
hl_status_t hl_store_meta_set_u64(hl_store_t *st, const char *key, uint64_t v);
/* The meta keys that start with prefix, in key order (*keys_out: malloc'd array of malloc'd
 * strings, NULL when none; the caller frees each and the array): records kept one key each,
 * e.g. a clone's pending intents. */
hl_status_t hl_store_meta_keys(hl_store_t *st, const char *prefix, char ***keys_out, size_t *n_out);

/* Objects. next_id: a fresh id inside the current transaction (ids are never reused). */
hl_status_t hl_store_next_id(hl_store_t *st, uint64_t *out);
hl_status_t hl_store_put(hl_store_t *st, const hl_store_row_t *row); /* insert or replace */
hl_status_t hl_store_delete(hl_store_t *st, uint64_t id);
/* HL_ERR_NOT_FOUND when the row does not exist. */
hl_status_t hl_store_get(hl_store_t *st, uint64_t id, hl_store_row_t *out);
hl_status_t hl_store_count(hl_store_t *st, uint64_t *out);

/* Ids of the rows matching the indexed columns given (NULL/absent = any), in id order.
 * *ids_out is malloc'd (caller frees). with_private false skips private rows. */
typedef struct {
	const CK_OBJECT_CLASS *cls;
	const uint8_t *label;
	size_t label_len;
	const uint8_t *ckaid;
	size_t ckaid_len;
	bool with_private;
} hl_store_filter_t;
hl_status_t hl_store_find(hl_store_t *st, const hl_store_filter_t *f, uint64_t **ids_out,
			  size_t *n_out);

/* Whether another connection committed since the last call (PRAGMA data_version). */
bool hl_store_changed(hl_store_t *st);

/* -- the audit log's table (the audit layer, emulator/core/audit, gives it meaning) -- */

/* One audit record as stored. Pointers are borrowed (from the caller when appending, from
 * the store during a hl_store_audit_each callback). keyid NULL: none (SQL NULL). */
typedef struct {
	uint64_t seq;
	int64_t time;
	const char *event, *subject, *details;
	const uint8_t *prev, *hash, *mac, *keyid;
	size_t prev_len, hash_len, mac_len, keyid_len;
} hl_store_audit_row_t;

/* Fills *row with the record that follows last (NULL for an empty log; only its seq, hash
 * and hash_len are set, borrowed for the call only). The row's buffers must outlive the call
 * (they are inserted after it returns). */
typedef hl_status_t (*hl_store_audit_make_fn)(void *ctx, const hl_store_audit_row_t *last,
					      hl_store_audit_row_t *row);
/* Reads the chain head, has make build the next record and inserts it, all in one savepoint:
 * inside the caller's open transaction the record commits or rolls back with the change it
 * records; outside one it commits on its own. A failure leaves nothing. HL_ERR_STORE_BUSY
 * when the database is locked; make's status when it fails. */
hl_status_t hl_store_audit_append(hl_store_t *st, hl_store_audit_make_fn make, void *ctx);
/* Number of records. */
hl_status_t hl_store_audit_count(hl_store_t *st, uint64_t *out);
/* Calls fn for every record in seq order (row valid during the call only); stops at, and
 * returns, the first status other than HL_OK. */
typedef hl_status_t (*hl_store_audit_fn)(void *ctx, const hl_store_audit_row_t *row);
hl_status_t hl_store_audit_each(hl_store_t *st, hl_store_audit_fn fn, void *ctx);
