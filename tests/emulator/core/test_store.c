/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the SQLite device store, including bad files that must be refused untouched; its audit
 * table (append in one savepoint, count, iterate) and the migration of stores of format 1,
 * made here with the SQL the format-1 code ran; a store that cannot be written. */
#include "romount.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "store/hl_store.h"
#include "testlab.h"

static testlab_t lab;
static char path[160];

static void setup(void)
{
	testlab_make(&lab);
	snprintf(path, sizeof(path), "%s/dev.db", lab.dir);
}

static void teardown(void)
{
	testlab_remove(&lab);
}

TestSuite(store, .init = setup, .fini = teardown);

static hl_store_t *create(void)
{
	hl_store_t *st = NULL;
	char err[256] = "";
	cr_assert_eq(hl_store_open(path, HL_STORE_CREATE, &st, err, sizeof(err)), HL_OK, "%s", err);
	return st;
}

static uint64_t put(hl_store_t *st, const char *label, bool priv)
{
	uint64_t id = 0;
	hl_store_row_t row = { .cls = CKO_DATA, .priv = priv };
	row.label = (uint8_t *)label;
	row.label_len = strlen(label);
	row.attrs = (uint8_t *)"a";
	row.attrs_len = 1;
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert_eq(hl_store_next_id(st, &id), HL_OK);
	row.id = id;
	cr_assert_eq(hl_store_put(st, &row), HL_OK);
	cr_assert_eq(hl_store_commit(st), HL_OK);
	return id;
}

static void read_file(const char *p, uint8_t **out, size_t *len)
{
	FILE *f = fopen(p, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	*out = malloc(*len + 1);
	cr_assert_eq(fread(*out, 1, *len, f), *len);
	fclose(f);
}

Test(store, create_mode_and_reopen)
{
	struct stat sb;
	hl_store_t *st = create();
	cr_assert_eq(stat(path, &sb), 0);
	cr_assert_eq(sb.st_mode & 0777, 0600);
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert_eq(hl_store_meta_set(st, "label", "x", 1), HL_OK);
	cr_assert_eq(hl_store_commit(st), HL_OK);
	hl_store_close(st);
	char *v = NULL;
	cr_assert_eq(hl_store_open(path, HL_STORE_RDONLY, &st, NULL, 0), HL_OK);
	cr_assert_eq(hl_store_meta_get_str(st, "label", &v), HL_OK);
	cr_assert_str_eq(v, "x");
	free(v);
	cr_assert_eq(hl_store_meta_get_str(st, "absent", &v), HL_ERR_NOT_FOUND);
	hl_store_close(st);
	hl_store_close(NULL);
	cr_assert_eq(hl_store_open(path, HL_STORE_CREATE, &st, NULL, 0), HL_ERR_EXISTS);
}

/* Records kept one meta key each (a clone's intents): found by prefix, in key order; a
 * prefix's '%' and '_' are themselves, not patterns. */
Test(store, meta_keys_by_prefix)
{
	hl_store_t *st = create();
	char **k = NULL;
	size_t n = 9;
	cr_assert_eq(hl_store_meta_keys(st, "clone_out/", &k, &n), HL_OK);
	cr_assert_eq(n, 0);
	cr_assert_null(k);
	cr_assert_eq(hl_store_begin(st), HL_OK);
	const char *keys[] = { "clone_out/2", "clone_out/1", "clone_outX",
			       "clone_in/1",  "a%b",         "abc" };
	for (size_t i = 0; i < 6; i++)
		cr_assert_eq(hl_store_meta_set(st, keys[i], "v", 1), HL_OK);
	cr_assert_eq(hl_store_commit(st), HL_OK);
	cr_assert_eq(hl_store_meta_keys(st, "clone_out/", &k, &n), HL_OK);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(k[0], "clone_out/1");
	cr_assert_str_eq(k[1], "clone_out/2");
	for (size_t i = 0; i < n; i++)
		free(k[i]);
	free(k);
	cr_assert_eq(hl_store_meta_keys(st, "a%", &k, &n), HL_OK);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(k[0], "a%b");
	free(k[0]);
	free(k);
	cr_assert_eq(hl_store_meta_keys(st, "clone_", &k, &n), HL_OK);
	cr_assert_eq(n, 4, "clone_in/1 clone_out/1 clone_out/2 clone_outX");
	for (size_t i = 0; i < n; i++)
		free(k[i]);
	free(k);
	hl_store_close(st);
}

Test(store, rows_find_and_ids_never_reused)
{
	hl_store_t *st = create();
	uint64_t a = put(st, "k1", false), b = put(st, "k2", true);
	uint64_t *ids = NULL;
	size_t n = 0;
	hl_store_filter_t f = { .label = (const uint8_t *)"k2",
				.label_len = 2,
				.with_private = true };
	cr_assert_eq(hl_store_find(st, &f, &ids, &n), HL_OK);
	cr_assert_eq(n, 1);
	cr_assert_eq(ids[0], b);
	free(ids);
	f.with_private = false;
	cr_assert_eq(hl_store_find(st, &f, &ids, &n), HL_OK);
	cr_assert_eq(n, 0, "private rows hidden");
	free(ids);
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert_eq(hl_store_delete(st, b), HL_OK);
	cr_assert_eq(hl_store_commit(st), HL_OK);
	uint64_t c = put(st, "k3", false);
	cr_assert_gt(c, b);
	hl_store_row_t row;
	cr_assert_eq(hl_store_get(st, b, &row), HL_ERR_NOT_FOUND);
	cr_assert_eq(hl_store_get(st, a, &row), HL_OK);
	cr_assert_eq(row.label_len, 2);
	hl_store_row_clear(&row);
	hl_store_close(st);
}

Test(store, rollback_leaves_no_trace)
{
	hl_store_t *st = create();
	uint64_t id, n = 0;
	hl_store_row_t row = { .cls = CKO_DATA, .attrs = (uint8_t *)"a", .attrs_len = 1 };
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert_eq(hl_store_next_id(st, &id), HL_OK);
	row.id = id;
	cr_assert_eq(hl_store_put(st, &row), HL_OK);
	hl_store_rollback(st);
	cr_assert_eq(hl_store_count(st, &n), HL_OK);
	cr_assert_eq(n, 0);
	hl_store_close(st);
}

Test(store, other_connection_changes_are_seen)
{
	hl_store_t *a = create(), *b = NULL;
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &b, NULL, 0), HL_OK);
	cr_assert_not(hl_store_changed(b));
	put(a, "x", false);
	cr_assert(hl_store_changed(b));
	cr_assert_not(hl_store_changed(b));
	hl_store_close(a);
	hl_store_close(b);
}

static void assert_refused_untouched(hl_status_t want, const char *why)
{
	uint8_t *before, *after;
	size_t lb, la;
	char err[256] = "";
	hl_store_t *st = NULL;
	read_file(path, &before, &lb);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, err, sizeof(err)), want, "%s: %s", why,
		     err);
	cr_assert(strstr(err, path) != NULL, "message names the file: %s", err);
	read_file(path, &after, &la);
	cr_assert(lb == la && memcmp(before, after, lb) == 0, "%s: file changed", why);
	free(before);
	free(after);
}

Test(store, newer_format_refused_untouched)
{
	hl_store_close(create());
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version=99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_refused_untouched(HL_ERR_STORE_TOO_NEW, "newer");
}

Test(store, garbage_refused_untouched)
{
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "this is not a database, just text.....", 38), 38);
	close(fd);
	assert_refused_untouched(HL_ERR_STORE_CORRUPT, "garbage");
}

Test(store, truncated_refused_untouched)
{
	hl_store_t *st = create();
	for (int i = 0; i < 20; i++)
		put(st, "padding", false);
	hl_store_close(st);
	cr_assert_eq(truncate(path, 100), 0);
	assert_refused_untouched(HL_ERR_STORE_CORRUPT, "truncated");
}

Test(store, foreign_sqlite_db_refused)
{
	sqlite3 *db;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	chmod(path, 0600);
	assert_refused_untouched(HL_ERR_STORE_CORRUPT, "foreign");
}

Test(store, group_readable_refused)
{
	hl_store_close(create());
	cr_assert_eq(chmod(path, 0644), 0);
	assert_refused_untouched(HL_ERR_PERMISSIONS, "0644");
}

Test(store, missing_file)
{
	hl_store_t *st = NULL;
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, NULL, 0), HL_ERR_NOT_FOUND);
}

/* -- the audit table and format 1 -- */

/* A record whose hash is its seq repeated, chained to the last one's. */
typedef struct {
	uint8_t prev[32], hash[32], mac[32];
	char subject[16];
	uint64_t last_seen;
	hl_status_t fail; /* make returns this when not HL_OK */
} maker_t;

static hl_status_t make(void *ctx, const hl_store_audit_row_t *last, hl_store_audit_row_t *row)
{
	maker_t *m = ctx;
	uint64_t seq = last ? last->seq + 1 : 1;
	m->last_seen = last ? last->seq : 0;
	if (last)
		cr_assert(last->hash_len == 32 && last->hash[0] == (uint8_t)last->seq);
	memset(m->prev, last ? (int)last->seq : 0, 32);
	memset(m->hash, (int)seq, 32);
	memset(m->mac, 0xAA, 32);
	snprintf(m->subject, sizeof(m->subject), "s%llu", (unsigned long long)seq);
	*row = (hl_store_audit_row_t){ .seq = seq,
				       .time = 100 + (int64_t)seq,
				       .event = "login",
				       .subject = m->subject,
				       .details = "",
				       .prev = m->prev,
				       .prev_len = 32,
				       .hash = m->hash,
				       .hash_len = 32,
				       .mac = m->mac,
				       .mac_len = 32 };
	return m->fail;
}

static uint64_t count(hl_store_t *st)
{
	uint64_t n = 99;
	cr_assert_eq(hl_store_audit_count(st, &n), HL_OK);
	return n;
}

typedef struct {
	uint64_t n, keyed;
	char subjects[64];
} seen_t;

static hl_status_t collect(void *ctx, const hl_store_audit_row_t *r)
{
	seen_t *s = ctx;
	s->n++;
	s->keyed += r->keyid != NULL;
	strcat(s->subjects, r->subject);
	strcat(s->subjects, " ");
	cr_assert_eq(r->seq, s->n, "in seq order");
	cr_assert_eq(r->hash_len, 32);
	return HL_OK;
}

static int user_version(const char *p)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	cr_assert_eq(sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL), SQLITE_OK);
	cr_assert_eq(sqlite3_step(q), SQLITE_ROW);
	int v = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

Test(store, append_chains_and_follows_the_callers_transaction)
{
	hl_store_t *st = NULL;
	maker_t m = { 0 };
	seen_t seen = { 0 };
	cr_assert_eq(hl_store_open(path, HL_STORE_CREATE, &st, NULL, 0), HL_OK);
	cr_assert_eq(user_version(path), HL_STORE_SCHEMA_VERSION);
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_OK);
	cr_assert_eq(m.last_seen, 0);
	/* Inside the caller's transaction: rolled back with it, committed with it. */
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert(hl_store_in_transaction(st));
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_OK);
	cr_assert_eq(m.last_seen, 1);
	hl_store_rollback(st);
	cr_assert_not(hl_store_in_transaction(st));
	cr_assert_eq(count(st), 1);
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert_eq(hl_store_meta_set(st, "k", "v", 1), HL_OK);
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_OK);
	cr_assert_eq(hl_store_commit(st), HL_OK);
	cr_assert_eq(count(st), 2);
	/* A failing make leaves nothing, and the caller's transaction goes on. */
	m.fail = HL_ERR_CRYPTO;
	cr_assert_eq(hl_store_begin(st), HL_OK);
	cr_assert_eq(hl_store_meta_set(st, "k2", "v", 1), HL_OK);
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_ERR_CRYPTO);
	cr_assert(hl_store_in_transaction(st));
	cr_assert_eq(hl_store_commit(st), HL_OK);
	uint8_t *v = NULL;
	size_t len = 0;
	cr_assert_eq(hl_store_meta_get(st, "k2", &v, &len), HL_OK);
	free(v);
	cr_assert_eq(count(st), 2);
	cr_assert_eq(hl_store_audit_each(st, collect, &seen), HL_OK);
	cr_assert_str_eq(seen.subjects, "s1 s2 ");
	hl_store_close(st);
}

/* The SQL of format 1: the store's tables, then the audit layer's own table (optional). */
static void make_v1(const char *audit_sql)
{
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db,
				  "PRAGMA journal_mode=WAL;"
				  "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
				  "CREATE TABLE objects(id INTEGER PRIMARY KEY, class INTEGER NOT"
				  " NULL, label BLOB NOT NULL, ckaid BLOB NOT NULL, private INTEGER"
				  " NOT NULL, attrs BLOB NOT NULL, sealed BLOB);"
				  "PRAGMA user_version=1;",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	if (audit_sql)
		cr_assert_eq(sqlite3_exec(db, audit_sql, NULL, NULL, NULL), SQLITE_OK, "%s",
			     sqlite3_errmsg(db));
	sqlite3_close(db);
	cr_assert_eq(chmod(path, 0600), 0);
}

#define OLD_TABLE                                                                           \
	"CREATE TABLE hl_audit (seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, event TEXT" \
	" NOT NULL, subject TEXT NOT NULL, details TEXT NOT NULL, prev BLOB NOT NULL, hash" \
	" BLOB NOT NULL, mac BLOB NOT NULL);"
#define OLD_ROWS                                                                               \
	"INSERT INTO hl_audit VALUES (1, 101, 'login', 's1', '', zeroblob(32),"                \
	" x'0101010101010101010101010101010101010101010101010101010101010101', zeroblob(32));" \
	"INSERT INTO hl_audit VALUES (2, 102, 'login', 's2', '',"                              \
	" x'0101010101010101010101010101010101010101010101010101010101010101',"                \
	" x'0202020202020202020202020202020202020202020202020202020202020202', zeroblob(32));"

/* Read only, an old store is read as it is and not written (a check never writes). */
Test(store, format_1_read_only_is_read_untouched)
{
	hl_store_t *st = NULL;
	seen_t seen = { 0 };
	make_v1(OLD_TABLE OLD_ROWS);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDONLY, &st, NULL, 0), HL_OK);
	cr_assert_eq(count(st), 2);
	cr_assert_eq(hl_store_audit_each(st, collect, &seen), HL_OK);
	cr_assert_str_eq(seen.subjects, "s1 s2 ");
	cr_assert_eq(seen.keyed, 0, "no keyid column: every record keyed by the device");
	hl_store_close(st);
	cr_assert_eq(user_version(path), 1);
	unlink(path);
	make_v1(NULL); /* never logged anything */
	cr_assert_eq(hl_store_open(path, HL_STORE_RDONLY, &st, NULL, 0), HL_OK);
	cr_assert_eq(count(st), 0);
	seen = (seen_t){ 0 };
	cr_assert_eq(hl_store_audit_each(st, collect, &seen), HL_OK);
	cr_assert_eq(seen.n, 0);
	hl_store_close(st);
	cr_assert_eq(user_version(path), 1);
}

/* Read-write, it is migrated: the records stay, the chain goes on, the table is the store's
 * with its key-id column and append-only triggers. */
Test(store, format_1_is_migrated_keeping_the_records)
{
	hl_store_t *st = NULL;
	maker_t m = { 0 };
	seen_t seen = { 0 };
	char err[256] = "";
	make_v1(OLD_TABLE OLD_ROWS);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, err, sizeof(err)), HL_OK, "%s", err);
	cr_assert_eq(user_version(path), HL_STORE_SCHEMA_VERSION);
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_OK);
	cr_assert_eq(m.last_seen, 2);
	cr_assert_eq(hl_store_audit_each(st, collect, &seen), HL_OK);
	cr_assert_str_eq(seen.subjects, "s1 s2 s3 ");
	hl_store_close(st);
	sqlite3 *db = NULL;
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "SELECT keyid FROM hl_audit", NULL, NULL, NULL), SQLITE_OK);
	cr_assert_neq(sqlite3_exec(db, "UPDATE hl_audit SET subject='x'", NULL, NULL, NULL),
		      SQLITE_OK);
	sqlite3_close(db);
	/* Opened again: nothing more to do, still there. */
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, NULL, 0), HL_OK);
	cr_assert_eq(count(st), 3);
	hl_store_close(st);
}

Test(store, format_1_without_audit_table_is_migrated)
{
	hl_store_t *st = NULL;
	maker_t m = { 0 };
	make_v1(NULL);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, NULL, 0), HL_OK);
	cr_assert_eq(count(st), 0);
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_OK);
	cr_assert_eq(count(st), 1);
	hl_store_close(st);
	cr_assert_eq(user_version(path), HL_STORE_SCHEMA_VERSION);
}

/* From format 2 on the audit table is part of the store: a store without it is not one. */
Test(store, format_2_without_audit_table_is_refused)
{
	hl_store_t *st = NULL;
	char err[256] = "";
	sqlite3 *db = NULL;
	make_v1(NULL);
	cr_assert_eq(sqlite3_open(path, &db), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(db, "PRAGMA user_version=2", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, err, sizeof(err)),
		     HL_ERR_STORE_CORRUPT);
	cr_assert(strstr(err, path) != NULL, "%s", err);
}

/* -- a store that cannot be written: opened read only, every write refused -- */

/* The mount goes first, or the lab could not be removed. */
static void ro_teardown(void)
{
	romount_undo(lab.dir);
	teardown();
}

static void expect_write_protected(hl_store_t *st, uint64_t rows)
{
	maker_t m = { 0 };
	cr_assert(hl_store_write_protected(st));
	cr_assert_eq(count(st), 0, "its audit log is read");
	uint64_t n = 0;
	cr_assert_eq(hl_store_count(st, &n), HL_OK);
	cr_assert_eq(n, rows, "its objects are read");
	cr_assert_eq(hl_store_begin(st), HL_ERR_TOKEN_WRITE_PROTECTED);
	cr_assert_not(hl_store_in_transaction(st));
	cr_assert_eq(hl_store_audit_append(st, make, &m), HL_ERR_TOKEN_WRITE_PROTECTED);
}

/* A store on a read-only mount, closed cleanly (no -wal, no -shm: SQLite cannot make its
 * -shm there), opens read-write as write protected, reads, refuses writes, changes no byte. */
Test(store, read_only_mount_opens_write_protected, .fini = ro_teardown)
{
	uint8_t *before, *after;
	size_t blen, alen;
	char err[256] = "";
	hl_store_t *st = create();
	put(st, "k1", false);
	put(st, "k2", true);
	hl_store_close(st);
	read_file(path, &before, &blen);
	romount(lab.dir);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &st, err, sizeof(err)), HL_OK, "%s", err);
	expect_write_protected(st, 2);
	hl_store_close(st);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDONLY, &st, err, sizeof(err)), HL_OK, "%s", err);
	cr_assert_not(hl_store_write_protected(st), "asked read only: nothing to protect");
	hl_store_close(st);
	read_file(path, &after, &alen);
	cr_assert(blen == alen && memcmp(before, after, blen) == 0, "not a byte changed");
	free(before);
	free(after);
}

/* Commits still in the WAL (a process killed before a checkpoint, or one still running when
 * the mount turned read-only): on a read-only mount the WAL is read too. The last connection
 * to close checkpoints, so st stays open while c commits and closes. */
Test(store, read_only_mount_reads_commits_left_in_the_wal, .fini = ro_teardown)
{
	char err[256] = "";
	hl_store_t *st = create(), *c = NULL;
	put(st, "k1", false);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &c, err, sizeof(err)), HL_OK, "%s", err);
	put(c, "k2", false);
	hl_store_close(c);
	romount(lab.dir);
	cr_assert_eq(hl_store_open(path, HL_STORE_RDWR, &c, err, sizeof(err)), HL_OK, "%s", err);
	expect_write_protected(c, 2);
	hl_store_close(c);
	hl_store_close(st);
}

/* A read-only directory stops every user but root (whom file modes do not stop): for root
 * the store stays writable, as it is. */
Test(store, read_only_directory)
{
	char err[256] = "";
	hl_store_t *st = create();
	put(st, "k1", false);
	hl_store_close(st);
	cr_assert_eq(chmod(lab.dir, 0500), 0);
	hl_status_t rc = hl_store_open(path, HL_STORE_RDWR, &st, err, sizeof(err));
	chmod(lab.dir, 0700);
	cr_assert_eq(rc, HL_OK, "%s", err);
	if (geteuid() != 0) {
		expect_write_protected(st, 1);
	} else {
		cr_assert_not(hl_store_write_protected(st));
		put(st, "k2", false);
	}
	hl_store_close(st);
}
