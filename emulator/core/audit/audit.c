/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator audit log: the table in the device database, appending and exporting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_int.h"
#include "crypto/hl_crypto.h"
#include "store/hl_store.h"

struct hl_audit {
	sqlite3 *db; /* borrowed */
	char *serial;
	uint8_t key[HL_AUDIT_KEY_LEN]; /* the device's own key */
	uint8_t key_id[HL_AUDIT_KEY_ID_LEN];
	bool has_domain; /* new records are keyed by the domain key below */
	uint8_t dom_key[HL_AUDIT_KEY_LEN], dom_id[HL_AUDIT_KEY_ID_LEN];
	const hl_clock_t *clock; /* borrowed, may be NULL */
};

/* Append-only is enforced by the database too, so a bug elsewhere cannot rewrite history.
 * keyid: NULL when the device key authenticates the record, else the domain key's id (a
 * column added to logs made before domain keys existed: see add_keyid). */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS hl_audit ("
    " seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, event TEXT NOT NULL,"
    " subject TEXT NOT NULL, details TEXT NOT NULL, prev BLOB NOT NULL,"
    " hash BLOB NOT NULL, mac BLOB NOT NULL, keyid BLOB);"
    "CREATE TRIGGER IF NOT EXISTS hl_audit_no_update BEFORE UPDATE ON hl_audit"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;"
    "CREATE TRIGGER IF NOT EXISTS hl_audit_no_delete BEFORE DELETE ON hl_audit"
    " BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;";

static const char *const event_names[] = {
#define HL_AUDIT_EVENT_NAME(name, text) text,
	HL_AUDIT_EVENT_LIST(HL_AUDIT_EVENT_NAME)
#undef HL_AUDIT_EVENT_NAME
};

static hl_status_t prepare(hl_audit_t *a, const char *sql, sqlite3_stmt **q)
{
	return hl_store_sqlite_status(sqlite3_prepare_v2(a->db, sql, -1, q, NULL));
}

/* -- public API -- */

const char *hl_audit_event_name(hl_audit_event_t ev)
{
	if ((unsigned)ev >= HL_AUDIT_EVENT_COUNT)
		return "?";
	return event_names[ev];
}

static hl_status_t derive(const uint8_t *secret, size_t len, const char *label,
			  uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	if (!secret || !len || !key_out)
		return HL_ERR_ARGS;
	return hl_crypto_hmac_sha256(secret, len, (const uint8_t *)label, strlen(label), key_out);
}

hl_status_t hl_audit_key_derive(const uint8_t *secret, size_t secret_len,
				uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	return derive(secret, secret_len, "hsmlab audit key v1", key_out);
}

hl_status_t hl_audit_domain_key_derive(const uint8_t *domain_secret, size_t secret_len,
				       uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	return derive(domain_secret, secret_len, "hsmlab audit domain key v1", key_out);
}

hl_status_t hl_audit_key_id(const uint8_t key[HL_AUDIT_KEY_LEN],
			    uint8_t id_out[HL_AUDIT_KEY_ID_LEN])
{
	static const char label[] = "hsmlab audit key id v1";
	uint8_t in[sizeof(label) - 1 + HL_AUDIT_KEY_LEN], h[32];
	if (!key || !id_out)
		return HL_ERR_ARGS;
	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, key, HL_AUDIT_KEY_LEN);
	hl_status_t st = hl_crypto_sha256(in, sizeof(in), h);
	if (st == HL_OK)
		memcpy(id_out, h, HL_AUDIT_KEY_ID_LEN);
	hl_crypto_wipe(in, sizeof(in));
	return st;
}

/* Logs made before domain keys have no keyid column: add it (NULL: the device key, which is
 * what keyed all of their records). Another process may add it at the same time. */
static hl_status_t add_keyid(sqlite3 *db)
{
	sqlite3_stmt *q = NULL;
	if (sqlite3_prepare_v2(db, "SELECT keyid FROM hl_audit LIMIT 0", -1, &q, NULL) ==
	    SQLITE_OK) {
		sqlite3_finalize(q);
		return HL_OK;
	}
	int rc = sqlite3_exec(db, "ALTER TABLE hl_audit ADD COLUMN keyid BLOB", NULL, NULL, NULL);
	if (rc != SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT keyid FROM hl_audit LIMIT 0", -1, &q, NULL) == SQLITE_OK)
		rc = SQLITE_OK;
	sqlite3_finalize(q);
	return hl_store_sqlite_status(rc);
}

hl_status_t hl_audit_open(sqlite3 *db, const char *serial, const uint8_t key[HL_AUDIT_KEY_LEN],
			  const hl_clock_t *clock, hl_audit_t **out)
{
	hl_audit_t *a = NULL;
	hl_status_t st = HL_OK;
	if (!db || !serial || !*serial || strlen(serial) > 64 || !key || !out)
		return HL_ERR_ARGS;
	st = hl_store_sqlite_status(sqlite3_exec(db, schema, NULL, NULL, NULL));
	if (st == HL_OK)
		st = add_keyid(db);
	if (st != HL_OK)
		goto out;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->serial = strdup(serial))) {
		st = HL_ERR_NOMEM;
		goto out;
	}
	a->db = db;
	a->clock = clock;
	memcpy(a->key, key, HL_AUDIT_KEY_LEN);
	st = hl_audit_key_id(key, a->key_id);
	if (st != HL_OK)
		goto out;
	*out = a;
	a = NULL;
out:
	hl_audit_free(a);
	return st;
}

void hl_audit_free(hl_audit_t *a)
{
	if (!a)
		return;
	hl_crypto_wipe(a->key, sizeof(a->key));
	hl_crypto_wipe(a->dom_key, sizeof(a->dom_key));
	free(a->serial);
	free(a);
}

hl_status_t hl_audit_set_domain_key(hl_audit_t *a, const uint8_t *domain_key)
{
	if (!a)
		return HL_ERR_ARGS;
	if (!domain_key) {
		hl_crypto_wipe(a->dom_key, sizeof(a->dom_key));
		a->has_domain = false;
		return HL_OK;
	}
	hl_status_t st = hl_audit_key_id(domain_key, a->dom_id);
	if (st == HL_OK) {
		memcpy(a->dom_key, domain_key, HL_AUDIT_KEY_LEN);
		a->has_domain = true;
	}
	return st;
}

/* The chain head: seq and hash of the last record (0 and zeros for an empty log). */
static hl_status_t last_record(hl_audit_t *a, uint64_t *seq, uint8_t hash[HL_AUDIT_HASH_LEN])
{
	sqlite3_stmt *q = NULL;
	hl_status_t st = prepare(a, "SELECT seq, hash FROM hl_audit ORDER BY seq DESC LIMIT 1", &q);
	if (st != HL_OK)
		goto out;
	int rc = sqlite3_step(q);
	*seq = 0;
	memset(hash, 0, HL_AUDIT_HASH_LEN);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_bytes(q, 1) != HL_AUDIT_HASH_LEN ||
		    sqlite3_column_int64(q, 0) < 1) {
			st = HL_ERR_STORE_CORRUPT;
			goto out;
		}
		*seq = (uint64_t)sqlite3_column_int64(q, 0);
		memcpy(hash, sqlite3_column_blob(q, 1), HL_AUDIT_HASH_LEN);
	} else {
		st = hl_store_sqlite_status(rc);
	}
out:
	sqlite3_finalize(q);
	return st;
}

static hl_status_t insert_record(hl_audit_t *a, const audit_rec_t *r,
				 const uint8_t hash[HL_AUDIT_HASH_LEN],
				 const uint8_t mac[HL_AUDIT_HASH_LEN])
{
	sqlite3_stmt *q = NULL;
	hl_status_t st =
	    prepare(a,
		    "INSERT INTO hl_audit (seq, time, event, subject, details, prev, hash, mac,"
		    " keyid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    &q);
	if (st != HL_OK)
		goto out;
	sqlite3_bind_int64(q, 1, (sqlite3_int64)r->seq);
	sqlite3_bind_int64(q, 2, (sqlite3_int64)r->time);
	sqlite3_bind_text(q, 3, r->event, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, r->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, r->details, -1, SQLITE_STATIC);
	sqlite3_bind_blob(q, 6, r->prev, HL_AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(q, 7, hash, HL_AUDIT_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(q, 8, mac, HL_AUDIT_HASH_LEN, SQLITE_STATIC);
	if (a->has_domain)
		sqlite3_bind_blob(q, 9, a->dom_id, HL_AUDIT_KEY_ID_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, 9);
	st = hl_store_sqlite_status(sqlite3_step(q));
out:
	sqlite3_finalize(q);
	return st;
}

hl_status_t hl_audit_append(hl_audit_t *a, hl_audit_event_t ev, const char *subject,
			    const char *details, uint64_t *seq_out)
{
	audit_rec_t r = { 0 };
	uint8_t hash[HL_AUDIT_HASH_LEN], mac[HL_AUDIT_HASH_LEN];
	uint64_t last = 0;
	bool in_sp = false;
	hl_status_t st = HL_OK;
	if (!a || (unsigned)ev >= HL_AUDIT_EVENT_COUNT)
		return HL_ERR_ARGS;
	/* A savepoint nests in the caller's transaction or makes its own. */
	st = hl_store_sqlite_status(sqlite3_exec(a->db, "SAVEPOINT hl_audit", NULL, NULL, NULL));
	if (st != HL_OK)
		goto out;
	in_sp = true;
	st = last_record(a, &last, r.prev);
	if (st != HL_OK)
		goto out;
	r.seq = last + 1;
	r.time = hl_clock_now(a->clock);
	r.event = event_names[ev];
	r.subject = subject ? subject : "";
	r.details = details ? details : "";
	st = audit_hash(a->serial, &r, hash);
	if (st == HL_OK && a->has_domain)
		st = audit_mac(a->dom_key, a->dom_id, hash, mac);
	else if (st == HL_OK)
		st = audit_mac(a->key, NULL, hash, mac);
	if (st == HL_OK)
		st = insert_record(a, &r, hash, mac);
	if (st == HL_OK)
		st = hl_store_sqlite_status(
		    sqlite3_exec(a->db, "RELEASE hl_audit", NULL, NULL, NULL));
	if (st == HL_OK) {
		in_sp = false;
		if (seq_out)
			*seq_out = r.seq;
	}
out:
	if (in_sp) {
		sqlite3_exec(a->db, "ROLLBACK TO hl_audit", NULL, NULL, NULL);
		sqlite3_exec(a->db, "RELEASE hl_audit", NULL, NULL, NULL);
	}
	return st;
}

hl_status_t hl_audit_count(hl_audit_t *a, uint64_t *count_out)
{
	sqlite3_stmt *q = NULL;
	if (!a || !count_out)
		return HL_ERR_ARGS;
	hl_status_t st = prepare(a, "SELECT count(*) FROM hl_audit", &q);
	if (st == HL_OK) {
		int rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			*count_out = (uint64_t)sqlite3_column_int64(q, 0);
		else
			st = rc == SQLITE_DONE ? HL_ERR_INTERNAL : hl_store_sqlite_status(rc);
	}
	sqlite3_finalize(q);
	return st;
}

/* -- export -- */

/* Version 2 record line: ... prev hash keyref mac (keyref: which key authenticates it). */
static hl_status_t write_record(hl_audit_t *a, FILE *f, sqlite3_stmt *q, uint64_t *count,
				uint8_t last[HL_AUDIT_HASH_LEN])
{
	char iso[HL_CLOCK_ISO_LEN] = "-", ref[HL_AUDIT_KEYREF_LEN];
	int64_t t = sqlite3_column_int64(q, 1);
	int kind = sqlite3_column_type(q, 8);
	if (sqlite3_column_bytes(q, 5) != HL_AUDIT_HASH_LEN ||
	    sqlite3_column_bytes(q, 6) != HL_AUDIT_HASH_LEN ||
	    sqlite3_column_bytes(q, 7) != HL_AUDIT_HASH_LEN ||
	    (kind != SQLITE_NULL && sqlite3_column_bytes(q, 8) != HL_AUDIT_KEY_ID_LEN))
		return HL_ERR_STORE_CORRUPT;
	audit_keyref(kind != SQLITE_NULL,
		     kind != SQLITE_NULL ? sqlite3_column_blob(q, 8) : a->key_id, ref);
	if (hl_clock_format(t, iso, sizeof(iso)) != HL_OK)
		strcpy(iso, "-");
	fprintf(f, "%lld %lld %s ", (long long)sqlite3_column_int64(q, 0), (long long)t, iso);
	audit_put_field(f, (const char *)sqlite3_column_text(q, 2));
	fputc(' ', f);
	audit_put_field(f, (const char *)sqlite3_column_text(q, 3));
	fputc(' ', f);
	audit_put_field(f, (const char *)sqlite3_column_text(q, 4));
	for (int col = 5; col <= 6; col++) {
		fputc(' ', f);
		audit_put_hex(f, sqlite3_column_blob(q, col), HL_AUDIT_HASH_LEN);
	}
	fprintf(f, " %s ", ref);
	audit_put_hex(f, sqlite3_column_blob(q, 7), HL_AUDIT_HASH_LEN);
	fputc('\n', f);
	memcpy(last, sqlite3_column_blob(q, 6), HL_AUDIT_HASH_LEN);
	(*count)++;
	return HL_OK;
}

static hl_status_t write_export(hl_audit_t *a, FILE *f)
{
	sqlite3_stmt *q = NULL;
	uint8_t last[HL_AUDIT_HASH_LEN] = { 0 }, mac[HL_AUDIT_HASH_LEN];
	char ref[HL_AUDIT_KEYREF_LEN];
	uint64_t count = 0;
	int rc;
	hl_status_t st = prepare(a,
				 "SELECT seq, time, event, subject, details, prev, hash, mac, keyid"
				 " FROM hl_audit ORDER BY seq",
				 &q);
	if (st != HL_OK)
		goto out;
	fprintf(f, "hsmlab-audit %d ", HL_AUDIT_EXPORT_VERSION);
	audit_put_field(f, a->serial);
	fputc('\n', f);
	while (st == HL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		st = write_record(a, f, q, &count, last);
	if (st == HL_OK)
		st = hl_store_sqlite_status(rc);
	/* The end line is keyed by the key of the moment: with a domain, any device of the
	 * domain authenticates the whole export through it. */
	if (st == HL_OK && a->has_domain)
		st = audit_end_mac(a->dom_key, a->dom_id, count, last, mac);
	else if (st == HL_OK)
		st = audit_end_mac(a->key, NULL, count, last, mac);
	if (st != HL_OK)
		goto out;
	audit_keyref(a->has_domain, a->has_domain ? a->dom_id : a->key_id, ref);
	fprintf(f, "end %llu ", (unsigned long long)count);
	audit_put_hex(f, last, sizeof(last));
	fprintf(f, " %s ", ref);
	audit_put_hex(f, mac, sizeof(mac));
	fputc('\n', f);
out:
	sqlite3_finalize(q);
	return st;
}

hl_status_t hl_audit_export(hl_audit_t *a, const char *path)
{
	char *tmp = NULL;
	FILE *f = NULL;
	hl_status_t st = HL_OK;
	if (!a || !path)
		return HL_ERR_ARGS;
	size_t n = strlen(path) + 5;
	tmp = calloc(n, 1);
	if (!tmp)
		return HL_ERR_NOMEM;
	snprintf(tmp, n, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		st = HL_ERR_IO;
		goto out;
	}
	st = write_export(a, f);
	if (fflush(f) != 0 || fsync(fileno(f)) != 0)
		st = st == HL_OK ? HL_ERR_IO : st;
	if (fclose(f) != 0 && st == HL_OK)
		st = HL_ERR_IO;
	f = NULL;
	if (st == HL_OK && rename(tmp, path) != 0)
		st = HL_ERR_IO;
	if (st != HL_OK)
		unlink(tmp);
out:
	free(tmp);
	return st;
}
