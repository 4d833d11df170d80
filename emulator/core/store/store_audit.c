/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator store: the audit log's table. The store owns it like every other table
 * (created with the store, migrated under its schema version); the audit layer above decides
 * what a record says and computes its hash and MAC. */
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

/* Append-only is enforced by the database too, so a bug elsewhere cannot rewrite history.
 * keyid: NULL when the device key authenticates the record, else the domain key's id. */
#define AUDIT_TABLE                                                             \
	"CREATE TABLE IF NOT EXISTS hl_audit ("                                 \
	" seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, event TEXT NOT NULL," \
	" subject TEXT NOT NULL, details TEXT NOT NULL, prev BLOB NOT NULL,"    \
	" hash BLOB NOT NULL, mac BLOB NOT NULL, keyid BLOB);"
#define AUDIT_TRIGGERS                                                              \
	"CREATE TRIGGER IF NOT EXISTS hl_audit_no_update BEFORE UPDATE ON hl_audit" \
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"              \
	"CREATE TRIGGER IF NOT EXISTS hl_audit_no_delete BEFORE DELETE ON hl_audit" \
	" BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"

const char store_audit_schema[] = AUDIT_TABLE AUDIT_TRIGGERS;

static bool has_column(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *q = NULL;
	bool ok = sqlite3_prepare_v2(db, sql, -1, &q, NULL) == SQLITE_OK;
	sqlite3_finalize(q);
	return ok;
}

hl_status_t store_audit_migrate(sqlite3 *db)
{
	/* Format 1 made the table on first use, and before domain keys without keyid. */
	hl_status_t st = store_exec(db, AUDIT_TABLE);
	if (st == HL_OK && !has_column(db, "SELECT keyid FROM hl_audit LIMIT 0"))
		st = store_exec(db, "ALTER TABLE hl_audit ADD COLUMN keyid BLOB");
	if (st == HL_OK)
		st = store_exec(db, AUDIT_TRIGGERS);
	return st;
}

hl_status_t store_audit_probe(hl_store_t *st)
{
	int n = 0;
	hl_status_t rc = store_query_int(
	    st->db, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='hl_audit'",
	    &n);
	st->audit_table = rc == HL_OK && n == 1;
	st->audit_keyid =
	    st->audit_table && has_column(st->db, "SELECT keyid FROM hl_audit LIMIT 0");
	return rc;
}

/* -- reading -- */

static void read_row(sqlite3_stmt *q, hl_store_audit_row_t *r)
{
	r->seq = (uint64_t)sqlite3_column_int64(q, 0);
	r->time = sqlite3_column_int64(q, 1);
	r->event = (const char *)sqlite3_column_text(q, 2);
	r->subject = (const char *)sqlite3_column_text(q, 3);
	r->details = (const char *)sqlite3_column_text(q, 4);
	r->prev = sqlite3_column_blob(q, 5);
	r->prev_len = (size_t)sqlite3_column_bytes(q, 5);
	r->hash = sqlite3_column_blob(q, 6);
	r->hash_len = (size_t)sqlite3_column_bytes(q, 6);
	r->mac = sqlite3_column_blob(q, 7);
	r->mac_len = (size_t)sqlite3_column_bytes(q, 7);
	r->keyid = sqlite3_column_type(q, 8) == SQLITE_NULL ? NULL : sqlite3_column_blob(q, 8);
	r->keyid_len = r->keyid ? (size_t)sqlite3_column_bytes(q, 8) : 0;
}

hl_status_t hl_store_audit_each(hl_store_t *st, hl_store_audit_fn fn, void *ctx)
{
	sqlite3_stmt *q = NULL;
	int rc = SQLITE_DONE;
	if (!st || !fn)
		return HL_ERR_ARGS;
	if (!st->audit_table)
		return HL_OK; /* an old store, read only, that never logged anything */
	hl_status_t s = store_sqlite_status(sqlite3_prepare_v2(
	    st->db,
	    st->audit_keyid ? "SELECT seq, time, event, subject, details, prev, hash, mac, keyid"
			      " FROM hl_audit ORDER BY seq"
			    : "SELECT seq, time, event, subject, details, prev, hash, mac, NULL"
			      " FROM hl_audit ORDER BY seq",
	    -1, &q, NULL));
	while (s == HL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		hl_store_audit_row_t row;
		read_row(q, &row);
		s = fn(ctx, &row);
	}
	if (s == HL_OK)
		s = store_sqlite_status(rc);
	sqlite3_finalize(q);
	return s;
}

hl_status_t hl_store_audit_count(hl_store_t *st, uint64_t *out)
{
	int n = 0;
	if (!st || !out)
		return HL_ERR_ARGS;
	hl_status_t rc =
	    st->audit_table ? store_query_int(st->db, "SELECT count(*) FROM hl_audit", &n) : HL_OK;
	if (rc == HL_OK)
		*out = (uint64_t)n;
	return rc;
}

/* -- appending -- */

/* Reads the chain head (the last record's seq and hash) and has make build the next record;
 * make runs while the statement still holds the row, so the hash is borrowed from it. */
static hl_status_t make_next(hl_store_t *st, hl_store_audit_make_fn make, void *ctx,
			     hl_store_audit_row_t *row)
{
	sqlite3_stmt *q = NULL;
	hl_status_t s = store_sqlite_status(sqlite3_prepare_v2(
	    st->db, "SELECT seq, hash FROM hl_audit ORDER BY seq DESC LIMIT 1", -1, &q, NULL));
	if (s != HL_OK)
		goto out;
	int rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		hl_store_audit_row_t last = {
			.seq = (uint64_t)sqlite3_column_int64(q, 0),
			.hash = sqlite3_column_blob(q, 1),
			.hash_len = (size_t)sqlite3_column_bytes(q, 1),
		};
		s = make(ctx, &last, row);
	} else if (rc == SQLITE_DONE) {
		s = make(ctx, NULL, row);
	} else {
		s = store_sqlite_status(rc);
	}
out:
	sqlite3_finalize(q);
	return s;
}

static hl_status_t insert_row(hl_store_t *st, const hl_store_audit_row_t *r)
{
	sqlite3_stmt *q = NULL;
	hl_status_t s = store_sqlite_status(
	    sqlite3_prepare_v2(st->db,
			       "INSERT INTO hl_audit (seq, time, event, subject, details, prev,"
			       " hash, mac, keyid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
			       -1, &q, NULL));
	if (s != HL_OK)
		goto out;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)r->seq);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)r->time);
	sqlite3_bind_text(q, 3, r->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, r->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, r->details, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 6, r->prev, (int)r->prev_len, SQLITE_STATIC);
	sqlite3_bind_blob(q, 7, r->hash, (int)r->hash_len, SQLITE_STATIC);
	sqlite3_bind_blob(q, 8, r->mac, (int)r->mac_len, SQLITE_STATIC);
	if (r->keyid)
		sqlite3_bind_blob(q, 9, r->keyid, (int)r->keyid_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 9);
	s = store_sqlite_status(sqlite3_step(q));
out:
	sqlite3_finalize(q);
	return s;
}

hl_status_t hl_store_audit_append(hl_store_t *st, hl_store_audit_make_fn make, void *ctx)
{
	hl_store_audit_row_t row;
	if (!st || !make)
		return HL_ERR_ARGS;
	if (st->write_protected)
		return HL_ERR_TOKEN_WRITE_PROTECTED;
	/* A savepoint nests in the caller's transaction or makes its own, so the record lands
	 * with the change it records or not at all. */
	hl_status_t s = store_exec(st->db, "SAVEPOINT hl_audit");
	if (s != HL_OK)
		return s;
	memset(&row, 0, sizeof(row));
	s = make_next(st, make, ctx, &row);
	if (s == HL_OK)
		s = insert_row(st, &row);
	if (s == HL_OK)
		s = store_exec(st->db, "RELEASE hl_audit");
	if (s != HL_OK) {
		store_exec(st->db, "ROLLBACK TO hl_audit");
		store_exec(st->db, "RELEASE hl_audit");
	}
	return s;
}
