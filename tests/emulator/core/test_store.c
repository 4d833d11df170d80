/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the SQLite device store, including bad files that must be refused untouched. */
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
