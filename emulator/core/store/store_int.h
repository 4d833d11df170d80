/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator store: internals shared by the store's sources (store.c, store_audit.c).
 * Nothing outside emulator/core/store includes this or sees an SQLite type. */
#pragma once

#include <sqlite3.h>

#include "store/hl_store.h"

struct hl_store {
	sqlite3 *db;
	int data_version;
	uint32_t wal_change; /* hl_store_changed: the WAL index's change counter last seen */
	/* A store of an older format opened read only is not migrated (a check never writes):
	 * how its audit table looks, so reads still work. Both true once migrated. */
	bool audit_table, audit_keyid;
	/* Opened read-write but the file or its directory cannot be written (a read-only
	 * mount, a read-only file or directory): read only, every transaction refused. */
	bool write_protected;
};

/* The status for an SQLite result code (extended codes too). */
hl_status_t store_sqlite_status(int rc);
/* sqlite3_exec without a callback, as a status. */
hl_status_t store_exec(sqlite3 *db, const char *sql);
/* The first column of the first row of sql as an int. */
hl_status_t store_query_int(sqlite3 *db, const char *sql, int *out);

/* The audit table and its append-only triggers (schema version 2), for a new store. */
extern const char store_audit_schema[];
/* Brings an existing store of format 1 to format 2, inside the caller's transaction: the
 * audit table (made lazily by the audit layer in format 1, with or without its keyid column)
 * and its triggers. */
hl_status_t store_audit_migrate(sqlite3 *db);
/* For a store opened read only: what its audit table has (see struct hl_store). */
hl_status_t store_audit_probe(hl_store_t *st);
