/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the SQLite device store. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const char schema[] = "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
			     "CREATE TABLE objects(id INTEGER PRIMARY KEY, class INTEGER NOT NULL,"
			     " label BLOB NOT NULL, ckaid BLOB NOT NULL, private INTEGER NOT NULL,"
			     " attrs BLOB NOT NULL, sealed BLOB);"
			     "CREATE INDEX objects_label ON objects(label, class);"
			     "CREATE INDEX objects_ckaid ON objects(ckaid);"
			     "CREATE INDEX objects_class ON objects(class);";

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

void hl_store_row_clear(hl_store_row_t *row)
{
	free(row->label);
	free(row->ckaid);
	free(row->attrs);
	free(row->sealed);
	memset(row, 0, sizeof(*row));
}

/* -- opening -- */

static hl_status_t check_file(const char *path, hl_store_mode_t mode, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT && mode == HL_STORE_CREATE)
			return HL_OK;
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? HL_ERR_NOT_FOUND : HL_ERR_IO;
	}
	if (mode == HL_STORE_CREATE) {
		set_err(err, errlen, "%s: already exists", path);
		return HL_ERR_EXISTS;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_err(err, errlen, "%s: not a regular file", path);
		return HL_ERR_STORE_CORRUPT;
	}
	if (sb.st_mode & 077) {
		set_err(err, errlen, "%s: mode %03o gives group/other access (want 0600)", path,
			(unsigned)(sb.st_mode & 0777));
		return HL_ERR_PERMISSIONS;
	}
	if (access(path, R_OK) != 0) {
		set_err(err, errlen, "%s: %s", path, strerror(errno));
		return HL_ERR_PERMISSIONS;
	}
	return HL_OK;
}

/* Whether a store opened read-write can be written: the file, and its directory (SQLite's
 * -wal and -shm files go there). A read-only mount, file or directory makes it write
 * protected (*wp); any other failure is the caller's error. */
static hl_status_t check_writable(const char *path, bool *wp, char *err, size_t errlen)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	*wp = false;
	const char *what[2] = { path, dir };
	for (int i = 0; i < 2 && !*wp; i++) {
		if (access(what[i], W_OK) == 0)
			continue;
		if (errno != EROFS && errno != EACCES && errno != EPERM) {
			set_err(err, errlen, "%s: %s", what[i], strerror(errno));
			return HL_ERR_PERMISSIONS;
		}
		*wp = true;
	}
	return HL_OK;
}

/* The SQLite name a write-protected store is opened by: read only, and immutable when no
 * WAL is there to read. SQLite cannot open a WAL database read only without its -shm file
 * unless it may create one, which a read-only directory refuses; nobody can write a store
 * there, so "immutable" (no locks, no change checks) is true of it. */
static void ro_uri(const char *path, char *uri, size_t len)
{
	char wal[4200];
	struct stat sb;
	snprintf(wal, sizeof(wal), "%s-wal", path);
	bool have_wal = stat(wal, &sb) == 0;
	size_t o = (size_t)snprintf(uri, len, "file:");
	/* A URI path: '%', '?' and '#' are escaped, the rest goes as it is. */
	for (const char *c = path; *c && o + 4 < len; c++)
		o += (size_t)(strchr("%?#", *c) ? snprintf(uri + o, len - o, "%%%02X", *c)
						: snprintf(uri + o, len - o, "%c", *c));
	snprintf(uri + o, len - o, "?mode=ro%s", have_wal ? "" : "&immutable=1");
}

hl_status_t store_exec(sqlite3 *db, const char *sql)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		return HL_OK;
	if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		return HL_ERR_STORE_BUSY;
	if (rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB)
		return HL_ERR_STORE_CORRUPT;
	return HL_ERR_IO;
}

hl_status_t store_query_int(sqlite3 *db, const char *sql, int *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return HL_OK;
	return rc == SQLITE_BUSY ? HL_ERR_STORE_BUSY : HL_ERR_STORE_CORRUPT;
}

/* Verifies version and shape of an existing store without writing. */
static hl_status_t check_schema(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int version = 0, n = 0;
	hl_status_t st = store_query_int(db, "PRAGMA user_version", &version);
	if (st != HL_OK) {
		set_err(err, errlen, "%s: not a readable SQLite database: %s", path,
			sqlite3_errmsg(db));
		return st;
	}
	if (version > HL_STORE_SCHEMA_VERSION) {
		set_err(err, errlen, "%s: store format %d is newer than this build (%d)", path,
			version, HL_STORE_SCHEMA_VERSION);
		return HL_ERR_STORE_TOO_NEW;
	}
	/* Format 1 may or may not have the audit table yet; from 2 on it is the store's. */
	st = store_query_int(db,
			     "SELECT count(*) FROM sqlite_master WHERE type='table' AND"
			     " name IN ('meta','objects','hl_audit')",
			     &n);
	if (st != HL_OK || version < 1 || n < (version >= 2 ? 3 : 2)) {
		set_err(err, errlen, "%s: not a hsmlab device store (format %d)", path, version);
		return HL_ERR_STORE_CORRUPT;
	}
	return HL_OK;
}

static hl_status_t configure(sqlite3 *db, hl_store_mode_t mode)
{
	sqlite3_busy_timeout(db, 10000);
	hl_status_t st = HL_OK;
	if (mode != HL_STORE_RDONLY)
		st = store_exec(db, "PRAGMA journal_mode=WAL");
	if (st == HL_OK)
		st = store_exec(db, "PRAGMA synchronous=FULL");
	return st;
}

static hl_status_t create_schema(sqlite3 *db)
{
	hl_status_t st = store_exec(db, "BEGIN IMMEDIATE");
	if (st != HL_OK)
		return st;
	st = store_exec(db, schema);
	if (st == HL_OK)
		st = store_exec(db, store_audit_schema);
	if (st == HL_OK)
		st = store_exec(db, "PRAGMA user_version=" STR(HL_STORE_SCHEMA_VERSION));
	if (st == HL_OK)
		st = store_exec(db, "COMMIT");
	else
		store_exec(db, "ROLLBACK");
	return st;
}

/* Brings a store of an older format up to HL_STORE_SCHEMA_VERSION in one transaction. The
 * version is read again inside it: another process may have migrated it meanwhile. */
static hl_status_t migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	int version = 0;
	hl_status_t st = store_exec(db, "BEGIN IMMEDIATE");
	if (st == HL_OK)
		st = store_query_int(db, "PRAGMA user_version", &version);
	if (st == HL_OK && version < 2)
		st = store_audit_migrate(db);
	if (st == HL_OK && version < HL_STORE_SCHEMA_VERSION)
		st = store_exec(db, "PRAGMA user_version=" STR(HL_STORE_SCHEMA_VERSION));
	if (st == HL_OK)
		st = store_exec(db, "COMMIT");
	if (st != HL_OK) {
		set_err(err, errlen, "%s: cannot migrate the store from format %d to %d: %s", path,
			version, HL_STORE_SCHEMA_VERSION, sqlite3_errmsg(db));
		if (!sqlite3_get_autocommit(db))
			store_exec(db, "ROLLBACK");
	}
	return st;
}

/* Opens an existing store: checks it, then migrates it (read-write) or notes how its audit
 * table looks (read only). */
static hl_status_t open_existing(hl_store_t *st, hl_store_mode_t mode, const char *path, char *err,
				 size_t errlen)
{
	int version = 0;
	/* Read the header before any pragma that could write (journal_mode=WAL). */
	sqlite3_busy_timeout(st->db, 10000);
	hl_status_t rc = check_schema(st->db, path, err, errlen);
	if (rc == HL_OK)
		rc = configure(st->db, mode);
	if (rc == HL_OK)
		rc = store_query_int(st->db, "PRAGMA user_version", &version);
	if (rc != HL_OK) {
		if (err && !err[0])
			set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(st->db));
		return rc;
	}
	if (version < HL_STORE_SCHEMA_VERSION && mode != HL_STORE_RDONLY)
		rc = migrate(st->db, path, err, errlen);
	if (rc == HL_OK && mode == HL_STORE_RDONLY)
		return store_audit_probe(st);
	st->audit_table = st->audit_keyid = true;
	return rc;
}

hl_status_t hl_store_open(const char *path, hl_store_mode_t mode, hl_store_t **out, char *err,
			  size_t errlen)
{
	hl_status_t rc = check_file(path, mode, err, errlen);
	if (rc != HL_OK)
		return rc;
	hl_store_t *st = calloc(1, sizeof(*st));
	if (!st)
		return HL_ERR_NOMEM;
	if (mode == HL_STORE_CREATE) {
		int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0) {
			set_err(err, errlen, "%s: %s", path, strerror(errno));
			free(st);
			return errno == EEXIST ? HL_ERR_EXISTS : HL_ERR_IO;
		}
		close(fd);
	}
	bool wp = false;
	char uri[4400];
	if (mode != HL_STORE_CREATE && (rc = check_writable(path, &wp, err, errlen)) != HL_OK)
		goto fail;
	if (wp) {
		ro_uri(path, uri, sizeof(uri));
		st->write_protected = mode == HL_STORE_RDWR;
		mode = HL_STORE_RDONLY;
	}
	int flags = (mode == HL_STORE_RDONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
		    SQLITE_OPEN_FULLMUTEX | (wp ? SQLITE_OPEN_URI : 0);
	if (sqlite3_open_v2(wp ? uri : path, &st->db, flags, NULL) != SQLITE_OK) {
		set_err(err, errlen, "%s: %s", path,
			st->db ? sqlite3_errmsg(st->db) : "cannot open");
		rc = HL_ERR_IO;
		goto fail;
	}
	sqlite3_extended_result_codes(st->db, 0);
	if (mode == HL_STORE_CREATE) {
		rc = configure(st->db, mode);
		if (rc == HL_OK)
			rc = create_schema(st->db);
		if (rc != HL_OK)
			set_err(err, errlen, "%s: cannot create: %s", path, sqlite3_errmsg(st->db));
		st->audit_table = st->audit_keyid = true;
	} else {
		rc = open_existing(st, mode, path, err, errlen);
	}
	if (rc != HL_OK)
		goto fail;
	store_query_int(st->db, "PRAGMA data_version", &st->data_version);
	*out = st;
	return HL_OK;
fail:
	sqlite3_close(st->db);
	free(st);
	if (mode == HL_STORE_CREATE)
		unlink(path);
	return rc;
}

void hl_store_close(hl_store_t *st)
{
	if (!st)
		return;
	sqlite3_close(st->db);
	free(st);
}

/* -- transactions -- */

hl_status_t hl_store_begin(hl_store_t *st)
{
	if (st->write_protected)
		return HL_ERR_TOKEN_WRITE_PROTECTED;
	return store_exec(st->db, "BEGIN IMMEDIATE");
}

bool hl_store_write_protected(const hl_store_t *st)
{
	return st && st->write_protected;
}

hl_status_t hl_store_commit(hl_store_t *st)
{
	hl_status_t rc = store_exec(st->db, "COMMIT");
	if (rc != HL_OK)
		hl_store_rollback(st);
	return rc;
}

void hl_store_rollback(hl_store_t *st)
{
	if (!sqlite3_get_autocommit(st->db))
		store_exec(st->db, "ROLLBACK");
}

bool hl_store_in_transaction(hl_store_t *st)
{
	return st && !sqlite3_get_autocommit(st->db);
}

/* -- statements -- */

hl_status_t store_sqlite_status(int rc)
{
	switch (rc & 0xff) { /* the primary code of an extended one */
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return HL_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return HL_ERR_STORE_BUSY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return HL_ERR_STORE_CORRUPT;
	case SQLITE_NOMEM:
		return HL_ERR_NOMEM;
	default:
		return HL_ERR_IO;
	}
}

static hl_status_t blob_dup(sqlite3_stmt *s, int col, uint8_t **out, size_t *len)
{
	int n = sqlite3_column_bytes(s, col);
	const void *p = sqlite3_column_blob(s, col);
	*out = NULL;
	*len = 0;
	if (!p)
		return HL_OK;
	*out = malloc((size_t)n + 1);
	if (!*out)
		return HL_ERR_NOMEM;
	memcpy(*out, p, (size_t)n);
	(*out)[n] = 0;
	*len = (size_t)n;
	return HL_OK;
}

hl_status_t hl_store_meta_get(hl_store_t *st, const char *key, uint8_t **out, size_t *out_len)
{
	sqlite3_stmt *s = NULL;
	hl_status_t rc = HL_ERR_IO;
	if (sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE key=?", -1, &s, NULL) !=
	    SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	int r = sqlite3_step(s);
	if (r == SQLITE_ROW)
		rc = blob_dup(s, 0, out, out_len);
	else
		rc = r == SQLITE_DONE ? HL_ERR_NOT_FOUND : store_sqlite_status(r);
out:
	sqlite3_finalize(s);
	return rc;
}

hl_status_t hl_store_meta_set(hl_store_t *st, const char *key, const void *val, size_t len)
{
	sqlite3_stmt *s = NULL;
	hl_status_t rc = HL_ERR_IO;
	if (sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)", -1,
			       &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s, 2, len ? val : "", (int)len, SQLITE_STATIC);
	rc = store_sqlite_status(sqlite3_step(s));
out:
	sqlite3_finalize(s);
	return rc;
}

static hl_status_t exec_key(hl_store_t *st, const char *sql, const char *key)
{
	sqlite3_stmt *s = NULL;
	hl_status_t rc = HL_ERR_IO;
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK) {
		if (key)
			sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		rc = store_sqlite_status(sqlite3_step(s));
	}
	sqlite3_finalize(s);
	return rc;
}

hl_status_t hl_store_meta_delete(hl_store_t *st, const char *key)
{
	return exec_key(st, "DELETE FROM meta WHERE key=?", key);
}

hl_status_t hl_store_delete_all(hl_store_t *st)
{
	return exec_key(st, "DELETE FROM objects", NULL);
}

hl_status_t hl_store_meta_get_str(hl_store_t *st, const char *key, char **out)
{
	uint8_t *v = NULL;
	size_t len = 0;
	hl_status_t rc = hl_store_meta_get(st, key, &v, &len);
	if (rc != HL_OK)
		return rc;
	if (!v) {
		v = calloc(1, 1);
		if (!v)
			return HL_ERR_NOMEM;
	}
	*out = (char *)v; /* blob_dup NUL-terminates */
	return HL_OK;
}

hl_status_t hl_store_meta_get_u64(hl_store_t *st, const char *key, uint64_t *out)
{
	char *s = NULL;
	hl_status_t rc = hl_store_meta_get_str(st, key, &s);
	if (rc != HL_OK)
		return rc;
	char *end = NULL;
	unsigned long long v = strtoull(s, &end, 10);
	rc = (end == s || *end) ? HL_ERR_STORE_CORRUPT : HL_OK;
	free(s);
	if (rc == HL_OK)
		*out = v;
	return rc;
}

hl_status_t hl_store_meta_set_u64(hl_store_t *st, const char *key, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return hl_store_meta_set(st, key, buf, (size_t)n);
}

static void keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

hl_status_t hl_store_meta_keys(hl_store_t *st, const char *prefix, char ***keys_out, size_t *n_out)
{
	sqlite3_stmt *s = NULL;
	char **keys = NULL;
	size_t n = 0;
	int r = SQLITE_ERROR;
	*keys_out = NULL;
	*n_out = 0;
	/* substr, not LIKE: a prefix holding '%' or '_' means itself. */
	if (sqlite3_prepare_v2(st->db,
			       "SELECT key FROM meta WHERE substr(key, 1, length(?1)) = ?1 "
			       "ORDER BY key",
			       -1, &s, NULL) != SQLITE_OK)
		return HL_ERR_IO;
	sqlite3_bind_text(s, 1, prefix, -1, SQLITE_STATIC);
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(s, 0);
		char **more = realloc(keys, (n + 1) * sizeof(*keys));
		if (!more || !k || !(more[n] = strdup(k))) {
			keys = more ? more : keys;
			r = SQLITE_NOMEM;
			break;
		}
		keys = more;
		n++;
	}
	sqlite3_finalize(s);
	if (r != SQLITE_DONE) {
		keys_free(keys, n);
		return store_sqlite_status(r);
	}
	*keys_out = keys;
	*n_out = n;
	return HL_OK;
}

hl_status_t hl_store_next_id(hl_store_t *st, uint64_t *out)
{
	sqlite3_stmt *s = NULL;
	hl_status_t rc = HL_ERR_IO;
	/* Ids are never reused: a counter in meta, not max(id)+1, so a deleted object's sealed
	 * blob can never be confused with a new object's. */
	uint64_t next = 1;
	rc = hl_store_meta_get_u64(st, "next_object_id", &next);
	if (rc == HL_ERR_NOT_FOUND) {
		rc = HL_OK;
		if (sqlite3_prepare_v2(st->db, "SELECT COALESCE(MAX(id), 0) + 1 FROM objects", -1,
				       &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW)
			next = (uint64_t)sqlite3_column_int64(s, 0);
		sqlite3_finalize(s);
	}
	if (rc == HL_OK)
		rc = hl_store_meta_set_u64(st, "next_object_id", next + 1);
	if (rc == HL_OK)
		*out = next;
	return rc;
}

hl_status_t hl_store_put(hl_store_t *st, const hl_store_row_t *row)
{
	sqlite3_stmt *s = NULL;
	hl_status_t rc = HL_ERR_IO;
	if (sqlite3_prepare_v2(st->db,
			       "INSERT OR REPLACE INTO objects(id, class, label, ckaid, private,"
			       " attrs, sealed) VALUES(?, ?, ?, ?, ?, ?, ?)",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)row->id);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)row->cls);
	sqlite3_bind_blob(s, 3, row->label_len ? (const void *)row->label : "", (int)row->label_len,
			  SQLITE_STATIC);
	sqlite3_bind_blob(s, 4, row->ckaid_len ? (const void *)row->ckaid : "", (int)row->ckaid_len,
			  SQLITE_STATIC);
	sqlite3_bind_int(s, 5, row->priv ? 1 : 0);
	sqlite3_bind_blob(s, 6, row->attrs_len ? (const void *)row->attrs : "", (int)row->attrs_len,
			  SQLITE_STATIC);
	if (row->sealed)
		sqlite3_bind_blob(s, 7, row->sealed, (int)row->sealed_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, 7);
	rc = store_sqlite_status(sqlite3_step(s));
out:
	sqlite3_finalize(s);
	return rc;
}

hl_status_t hl_store_delete(hl_store_t *st, uint64_t id)
{
	sqlite3_stmt *s = NULL;
	hl_status_t rc = HL_ERR_IO;
	if (sqlite3_prepare_v2(st->db, "DELETE FROM objects WHERE id=?", -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	rc = store_sqlite_status(sqlite3_step(s));
out:
	sqlite3_finalize(s);
	return rc;
}

hl_status_t hl_store_get(hl_store_t *st, uint64_t id, hl_store_row_t *out)
{
	sqlite3_stmt *s = NULL;
	hl_store_row_t row = { 0 };
	hl_status_t rc = HL_ERR_IO;
	if (sqlite3_prepare_v2(st->db,
			       "SELECT class, label, ckaid, private, attrs, sealed FROM objects"
			       " WHERE id=?",
			       -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
	int r = sqlite3_step(s);
	if (r != SQLITE_ROW) {
		rc = r == SQLITE_DONE ? HL_ERR_NOT_FOUND : store_sqlite_status(r);
		goto out;
	}
	row.id = id;
	row.cls = (CK_OBJECT_CLASS)sqlite3_column_int64(s, 0);
	row.priv = sqlite3_column_int(s, 3) != 0;
	rc = blob_dup(s, 1, &row.label, &row.label_len);
	if (rc == HL_OK)
		rc = blob_dup(s, 2, &row.ckaid, &row.ckaid_len);
	if (rc == HL_OK)
		rc = blob_dup(s, 4, &row.attrs, &row.attrs_len);
	if (rc == HL_OK)
		rc = blob_dup(s, 5, &row.sealed, &row.sealed_len);
	if (rc == HL_OK)
		*out = row;
	else
		hl_store_row_clear(&row);
out:
	sqlite3_finalize(s);
	return rc;
}

hl_status_t hl_store_count(hl_store_t *st, uint64_t *out)
{
	int n = 0;
	hl_status_t rc = store_query_int(st->db, "SELECT count(*) FROM objects", &n);
	if (rc == HL_OK)
		*out = (uint64_t)n;
	return rc;
}

hl_status_t hl_store_find(hl_store_t *st, const hl_store_filter_t *f, uint64_t **ids_out,
			  size_t *n_out)
{
	char sql[256] = "SELECT id FROM objects WHERE 1";
	sqlite3_stmt *s = NULL;
	uint64_t *ids = NULL;
	size_t n = 0, cap = 0;
	hl_status_t rc = HL_ERR_IO;
	if (f->cls)
		strcat(sql, " AND class=?1");
	if (f->label)
		strcat(sql, " AND label=?2");
	if (f->ckaid)
		strcat(sql, " AND ckaid=?3");
	if (!f->with_private)
		strcat(sql, " AND private=0");
	strcat(sql, " ORDER BY id");
	if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) != SQLITE_OK)
		goto out;
	if (f->cls) {
		/* The caller's template value: PKCS#11 does not promise it is aligned. */
		CK_OBJECT_CLASS cls;
		memcpy(&cls, f->cls, sizeof(cls));
		sqlite3_bind_int64(s, 1, (sqlite3_int64)cls);
	}
	if (f->label)
		sqlite3_bind_blob(s, 2, f->label_len ? (const void *)f->label : "",
				  (int)f->label_len, SQLITE_STATIC);
	if (f->ckaid)
		sqlite3_bind_blob(s, 3, f->ckaid_len ? (const void *)f->ckaid : "",
				  (int)f->ckaid_len, SQLITE_STATIC);
	int r;
	while ((r = sqlite3_step(s)) == SQLITE_ROW) {
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 64;
			uint64_t *v = reallocarray(ids, nc, sizeof(*v));
			if (!v) {
				rc = HL_ERR_NOMEM;
				goto out;
			}
			ids = v;
			cap = nc;
		}
		ids[n++] = (uint64_t)sqlite3_column_int64(s, 0);
	}
	rc = store_sqlite_status(r);
	if (rc == HL_OK) {
		*ids_out = ids;
		*n_out = n;
		ids = NULL;
	}
out:
	free(ids);
	sqlite3_finalize(s);
	return rc;
}

bool hl_store_changed(hl_store_t *st)
{
	/* PRAGMA data_version opens a read transaction, and a WAL read lock is an fcntl: a
	 * system call per check. Every commit, from any process, first bumps iChange in the
	 * WAL index header (offset 8 of the -shm region every connection maps; the WAL file
	 * format, sqlite.org/walformat.html), so the pragma runs only when that moved. Getting
	 * the region already mapped costs no system call (xShmMap hands back its pointer). */
	sqlite3_file *f = NULL;
	void volatile *shm = NULL;
	if (sqlite3_file_control(st->db, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK && f &&
	    f->pMethods && f->pMethods->iVersion >= 2 && f->pMethods->xShmMap &&
	    f->pMethods->xShmMap(f, 0, 32768, 0, &shm) == SQLITE_OK && shm) {
		uint32_t c = __atomic_load_n((const volatile uint32_t *)shm + 2, __ATOMIC_ACQUIRE);
		if (c == st->wal_change && st->wal_change)
			return false;
		st->wal_change = c;
	}
	int v = 0;
	if (store_query_int(st->db, "PRAGMA data_version", &v) != HL_OK)
		return true;
	bool changed = v != st->data_version;
	st->data_version = v;
	return changed;
}
