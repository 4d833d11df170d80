/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator audit log: the table in the device database, appending and exporting. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "crypto/hl_crypto.h"
#include "store/hl_store.h"

struct hl_audit {
	sqlite3 *db; /* borrowed */
	char *serial;
	uint8_t key[HL_AUDIT_KEY_LEN];
	const hl_clock_t *clock; /* borrowed, may be NULL */
};

/* Append-only is enforced by the database too, so a bug elsewhere cannot rewrite history. */
static const char schema[] =
    "CREATE TABLE IF NOT EXISTS hl_audit ("
    " seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, event TEXT NOT NULL,"
    " subject TEXT NOT NULL, details TEXT NOT NULL, prev BLOB NOT NULL,"
    " hash BLOB NOT NULL, mac BLOB NOT NULL);"
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

hl_status_t hl_audit_key_derive(const uint8_t *domain_secret, size_t secret_len,
				uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	static const char label[] = "hsmlab audit key v1";
	if (!domain_secret || !secret_len || !key_out)
		return HL_ERR_ARGS;
	return hl_crypto_hmac_sha256(domain_secret, secret_len, (const uint8_t *)label,
				     sizeof(label) - 1, key_out);
}

hl_status_t hl_audit_open(sqlite3 *db, const char *serial, const uint8_t key[HL_AUDIT_KEY_LEN],
			  const hl_clock_t *clock, hl_audit_t **out)
{
	hl_audit_t *a = NULL;
	hl_status_t st = HL_OK;
	if (!db || !serial || !*serial || strlen(serial) > 64 || !key || !out)
		return HL_ERR_ARGS;
	st = hl_store_sqlite_status(sqlite3_exec(db, schema, NULL, NULL, NULL));
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
	free(a->serial);
	free(a);
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
		    "INSERT INTO hl_audit (seq, time, event, subject, details, prev, hash, mac)"
		    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
	if (st == HL_OK)
		st = audit_mac(a->key, hash, mac);
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

static hl_status_t write_record(FILE *f, sqlite3_stmt *q, uint64_t *count,
				uint8_t last[HL_AUDIT_HASH_LEN])
{
	char iso[HL_CLOCK_ISO_LEN] = "-";
	int64_t t = sqlite3_column_int64(q, 1);
	if (sqlite3_column_bytes(q, 5) != HL_AUDIT_HASH_LEN ||
	    sqlite3_column_bytes(q, 6) != HL_AUDIT_HASH_LEN ||
	    sqlite3_column_bytes(q, 7) != HL_AUDIT_HASH_LEN)
		return HL_ERR_STORE_CORRUPT;
	if (hl_clock_format(t, iso, sizeof(iso)) != HL_OK)
		strcpy(iso, "-");
	fprintf(f, "%lld %lld %s ", (long long)sqlite3_column_int64(q, 0), (long long)t, iso);
	audit_put_field(f, (const char *)sqlite3_column_text(q, 2));
	fputc(' ', f);
	audit_put_field(f, (const char *)sqlite3_column_text(q, 3));
	fputc(' ', f);
	audit_put_field(f, (const char *)sqlite3_column_text(q, 4));
	for (int col = 5; col <= 7; col++) {
		fputc(' ', f);
		audit_put_hex(f, sqlite3_column_blob(q, col), HL_AUDIT_HASH_LEN);
	}
	fputc('\n', f);
	memcpy(last, sqlite3_column_blob(q, 6), HL_AUDIT_HASH_LEN);
	(*count)++;
	return HL_OK;
}

static hl_status_t write_export(hl_audit_t *a, FILE *f)
{
	sqlite3_stmt *q = NULL;
	uint8_t last[HL_AUDIT_HASH_LEN] = { 0 }, mac[HL_AUDIT_HASH_LEN];
	uint64_t count = 0;
	int rc;
	hl_status_t st =
	    prepare(a,
		    "SELECT seq, time, event, subject, details, prev, hash, mac FROM hl_audit"
		    " ORDER BY seq",
		    &q);
	if (st != HL_OK)
		goto out;
	fprintf(f, "hsmlab-audit 1 ");
	audit_put_field(f, a->serial);
	fputc('\n', f);
	while (st == HL_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		st = write_record(f, q, &count, last);
	if (st == HL_OK)
		st = hl_store_sqlite_status(rc);
	if (st == HL_OK)
		st = audit_end_mac(a->key, count, last, mac);
	if (st != HL_OK)
		goto out;
	fprintf(f, "end %llu ", (unsigned long long)count);
	audit_put_hex(f, last, sizeof(last));
	fputc(' ', f);
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
