/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for the audit log (emulator/core/audit): appending in the caller's transaction,
 * exports, and the offline verifier locating changed, forged, dropped, inserted, reordered
 * and truncated records, through the library and the hsmlab-audit-verify CLI; records keyed
 * by the device key, then by a domain key, each naming its key (export version 2), and
 * version-1 exports still read. */
#include <criterion/criterion.h>
#include <sqlite3.h> /* to build a store of the old layout and to try to rewrite history */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit_int.h" /* white-box: the test sees the layer's internals */
#include "audit/hl_audit.h"

static char dir[] = "/tmp/hsmlab-audit-XXXXXX";
static hl_store_t *store;
static char db_path[256];
static hl_audit_t *log_;
static hl_clock_t clk;
static uint8_t key[HL_AUDIT_KEY_LEN];
static char path[256];

static void setup(void)
{
	static const uint8_t domain[] = "domain secret of the test";
	char err[256] = "";
	cr_assert_not_null(mkdtemp(dir));
	snprintf(db_path, sizeof(db_path), "%s/device.db", dir);
	cr_assert_eq(hl_store_open(db_path, HL_STORE_CREATE, &store, err, sizeof(err)), HL_OK, "%s",
		     err);
	cr_assert_eq(hl_audit_key_derive(domain, sizeof(domain), key), HL_OK);
	cr_assert_eq(hl_audit_open(store, "K0001", key, &clk, &log_), HL_OK);
	snprintf(path, sizeof(path), "%s/audit.txt", dir);
}

static void teardown(void)
{
	char cmd[300];
	hl_audit_free(log_);
	hl_store_close(store);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(audit, .init = setup, .fini = teardown);

/* Six records: the export has the header on line 1, seq N on line N+1, the end on line 8. */
static void fill(void)
{
	cr_assert_eq(
	    hl_audit_append(log_, HL_AUDIT_STATE_CHANGE, "device", "factory -> init", NULL), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_LOGIN_FAILED, "SO", "wrong PIN", NULL), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_LOGIN, "SO", NULL, NULL), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_KEYGEN, "Klajeyz", "RSA 2048", NULL), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_SIGN_COUNT, "Klajeyz", "signatures=9", NULL),
		     HL_OK);
	uint64_t seq = 0;
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_BACKUP, "Klajeyz", "odd % chars\n-\t", &seq),
		     HL_OK);
	cr_assert_eq(seq, 6);
	cr_assert_eq(hl_audit_export(log_, path, NULL, 0), HL_OK);
}

static char *slurp(const char *p)
{
	FILE *f = fopen(p, "r");
	cr_assert_not_null(f);
	char *buf = calloc(1 << 16, 1);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* Line i (1-based) of text, as a fresh string including its newline. */
static char *line_of(const char *text, int i)
{
	const char *p = text;
	for (int k = 1; k < i; k++)
		p = strchr(p, '\n') + 1;
	const char *e = strchr(p, '\n') + 1;
	return strndup(p, (size_t)(e - p));
}

/* Rebuilds the export from the listed lines (1-based, in the given order; 0 ends). */
static char *pick(const char *text, const int *lines)
{
	char *out = calloc(1 << 16, 1);
	for (const int *l = lines; *l; l++) {
		char *s = line_of(text, *l);
		strcat(out, s);
		free(s);
	}
	return out;
}

static hl_audit_report_t check(const char *text, const uint8_t *k, hl_status_t want)
{
	hl_audit_report_t rep;
	cr_assert_eq(hl_audit_verify_buf(text, strlen(text), k, &rep), want, "%s",
		     rep.n_problems ? rep.problems[0].msg : "no problem reported");
	return rep;
}

static size_t occurrences_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static bool has(const hl_audit_report_t *rep, hl_audit_problem_kind_t kind, size_t line)
{
	for (size_t i = 0; i < rep->n_problems && i < HL_AUDIT_MAX_PROBLEMS; i++)
		if (rep->problems[i].kind == kind && rep->problems[i].line == line)
			return true;
	return false;
}

Test(audit, export_verifies_and_authenticates)
{
	fill();
	char *text = slurp(path);
	hl_audit_report_t rep = check(text, key, HL_OK);
	cr_assert_eq(rep.records, 6);
	cr_assert(rep.authenticated);
	cr_assert_str_eq(rep.serial, "K0001");
	rep = check(text, NULL, HL_OK);
	cr_assert_not(rep.authenticated, "no key, no authentication");
	cr_assert(strstr(text, "odd%20%25%20chars%0A-%09") != NULL, "fields are escaped");
	free(text);
}

/* A version-2 export as version 1 wrote it: no key reference on the record and end lines
 * (the device key's HMACs are the same in both versions). */
static char *as_v1(const char *text)
{
	char *out = calloc(1 << 16, 1), *copy = strdup(text), *save = NULL;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "hsmlab-audit 2 ", 15)) {
			strcat(out, "hsmlab-audit 1 ");
			strcat(out, l + 15);
		} else {
			char *ref = strstr(l, " device:");
			cr_assert_not_null(ref, "%s", l);
			char *after = strchr(ref + 1, ' ');
			strncat(out, l, (size_t)(ref - l));
			strcat(out, after);
		}
		strcat(out, "\n");
	}
	free(copy);
	return out;
}

Test(audit, other_key_cannot_authenticate_and_says_so)
{
	uint8_t other[HL_AUDIT_KEY_LEN], id[HL_AUDIT_KEY_ID_LEN];
	char ref[80] = "device:";
	static const uint8_t secret[] = "another domain";
	fill();
	cr_assert_eq(hl_audit_key_derive(secret, sizeof(secret), other), HL_OK);
	cr_assert_eq(hl_audit_key_id(key, id), HL_OK);
	for (int i = 0; i < HL_AUDIT_KEY_ID_LEN; i++)
		snprintf(ref + 7 + 2 * i, 3, "%02x", id[i]);
	char *text = slurp(path);
	cr_assert_not_null(strstr(text, ref), "records name their key: %s", text);
	/* Version 2 names the key: a key we do not hold is no forgery, just not ours. */
	hl_audit_report_t rep = check(text, other, HL_OK);
	cr_assert_not(rep.authenticated);
	cr_assert_eq(rep.unauthenticated, 6);
	cr_assert_eq(rep.first_unauthenticated, 1);
	cr_assert_str_eq(rep.missing_key, ref);
	/* Version 1 named none: the one key given checks every HMAC, as it always did. */
	char *v1 = as_v1(text);
	rep = check(v1, other, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_FORGED, 2));
	cr_assert(has(&rep, HL_AUDIT_FORGED, 8), "end line");
	free(v1);
	free(text);
}

Test(audit, version_1_exports_still_verify)
{
	fill();
	char *text = slurp(path), *v1 = as_v1(text);
	cr_assert_not_null(strstr(v1, "hsmlab-audit 1 K0001\n"));
	hl_audit_report_t rep = check(v1, key, HL_OK);
	cr_assert(rep.authenticated);
	cr_assert_eq(rep.version, 1);
	cr_assert_eq(rep.records, 6);
	char *p = strstr(v1, "RSA%202048");
	p[0] = 'D';
	rep = check(v1, key, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_CHANGED, 5));
	free(v1);
	free(text);
}

/* Records before the domain keep the device key; after it the domain key; a verifier with
 * the domain key alone authenticates the whole export through the chain and the end line. */
Test(audit, domain_key_from_the_domain_on)
{
	static const uint8_t dsecret[] = "the cloning domain", osecret[] = "another domain";
	uint8_t dkey[HL_AUDIT_KEY_LEN], okey[HL_AUDIT_KEY_LEN], both[2][HL_AUDIT_KEY_LEN];
	hl_audit_report_t rep;
	cr_assert_eq(hl_audit_domain_key_derive(dsecret, sizeof(dsecret), dkey), HL_OK);
	cr_assert_eq(hl_audit_domain_key_derive(osecret, sizeof(osecret), okey), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_LOGIN, "SO", NULL, NULL), HL_OK);
	cr_assert_eq(hl_audit_set_domain_key(log_, dkey), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_CARDS, "domain", "loaded", NULL), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_KEYGEN, "KSK", NULL, NULL), HL_OK);
	cr_assert_eq(hl_audit_export(log_, path, NULL, 0), HL_OK);
	char *text = slurp(path);
	cr_assert_not_null(strstr(text, "hsmlab-audit 2 K0001\n"), "%s", text);
	cr_assert_eq(occurrences_of(text, " device:"), 1, "%s", text);
	cr_assert_eq(occurrences_of(text, " domain:"), 3, "two records and the end: %s", text);
	memcpy(both[0], key, sizeof(key));
	memcpy(both[1], dkey, sizeof(dkey));
	cr_assert_eq(
	    hl_audit_verify_buf_keys(text, strlen(text), (const uint8_t(*)[32])both, 2, &rep),
	    HL_OK);
	cr_assert(rep.authenticated);
	cr_assert_eq(
	    hl_audit_verify_buf_keys(text, strlen(text), (const uint8_t(*)[32])dkey, 1, &rep),
	    HL_OK);
	cr_assert(rep.authenticated, "the domain key alone vouches for the device-key record");
	rep = check(text, key, HL_OK); /* the device key alone: seq 1 only */
	cr_assert_not(rep.authenticated);
	cr_assert_eq(rep.unauthenticated, 2);
	cr_assert_eq(rep.first_unauthenticated, 2);
	cr_assert_eq(strncmp(rep.missing_key, "domain:", 7), 0, "%s", rep.missing_key);
	rep = check(text, okey, HL_OK); /* another domain: nothing */
	cr_assert_not(rep.authenticated);
	cr_assert_eq(rep.unauthenticated, 3);
	/* Tampering is still located, with the domain key alone. */
	char *p = strstr(text, " KSK ");
	p[1] = 'X';
	cr_assert_eq(
	    hl_audit_verify_buf_keys(text, strlen(text), (const uint8_t(*)[32])dkey, 1, &rep),
	    HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_CHANGED, 4), "%s", rep.problems[0].msg);
	/* Back to the device key (the domain went): new records are the device's again. */
	cr_assert_eq(hl_audit_set_domain_key(log_, NULL), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_LOGOUT, "SO", NULL, NULL), HL_OK);
	cr_assert_eq(hl_audit_export(log_, path, NULL, 0), HL_OK);
	free(text);
	text = slurp(path);
	check(text, key, HL_OK);
	cr_assert_eq(occurrences_of(text, " device:"), 3, "%s", text);
	free(text);
}

/* A device database of store format 1 as the code before it made it: meta and objects, the
 * audit table made by the audit layer on first use (keyid: whether it has that column yet),
 * and records chained and keyed as that code did. */
static void make_v1_store(const char *p, bool keyid, int n)
{
	sqlite3 *old = NULL;
	sqlite3_stmt *q = NULL;
	audit_rec_t r = { .event = "login", .subject = "SO", .details = "" };
	uint8_t hash[HL_AUDIT_HASH_LEN], mac[HL_AUDIT_HASH_LEN];
	cr_assert_eq(sqlite3_open(p, &old), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(old,
				  "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL);"
				  "CREATE TABLE objects(id INTEGER PRIMARY KEY, class INTEGER NOT"
				  " NULL, label BLOB NOT NULL, ckaid BLOB NOT NULL, private INTEGER"
				  " NOT NULL, attrs BLOB NOT NULL, sealed BLOB);"
				  "PRAGMA user_version=1;",
				  NULL, NULL, NULL),
		     SQLITE_OK);
	cr_assert_eq(
	    sqlite3_exec(old,
			 keyid ? "CREATE TABLE hl_audit (seq INTEGER PRIMARY KEY, time"
				 " INTEGER NOT NULL, event TEXT NOT NULL, subject TEXT NOT"
				 " NULL, details TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB"
				 " NOT NULL, mac BLOB NOT NULL, keyid BLOB)"
			       : "CREATE TABLE hl_audit (seq INTEGER PRIMARY KEY, time"
				 " INTEGER NOT NULL, event TEXT NOT NULL, subject TEXT NOT"
				 " NULL, details TEXT NOT NULL, prev BLOB NOT NULL, hash BLOB"
				 " NOT NULL, mac BLOB NOT NULL)",
			 NULL, NULL, NULL),
	    SQLITE_OK);
	cr_assert_eq(sqlite3_prepare_v2(old,
					"INSERT INTO hl_audit (seq, time, event, subject, details,"
					" prev, hash, mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
					-1, &q, NULL),
		     SQLITE_OK);
	for (int i = 1; i <= n; i++) {
		r.seq = (uint64_t)i;
		r.time = 1780000000 + i;
		cr_assert_eq(audit_hash("K0002", &r, hash), HL_OK);
		cr_assert_eq(audit_mac(key, NULL, hash, mac), HL_OK);
		sqlite3_bind_int64(q, 1, i);
		sqlite3_bind_int64(q, 2, r.time);
		sqlite3_bind_text(q, 3, r.event, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, r.subject, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, r.details, -1, SQLITE_STATIC);
		sqlite3_bind_blob(q, 6, r.prev, HL_AUDIT_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(q, 7, hash, HL_AUDIT_HASH_LEN, SQLITE_STATIC);
		sqlite3_bind_blob(q, 8, mac, HL_AUDIT_HASH_LEN, SQLITE_STATIC);
		cr_assert_eq(sqlite3_step(q), SQLITE_DONE);
		sqlite3_reset(q);
		memcpy(r.prev, hash, HL_AUDIT_HASH_LEN);
	}
	sqlite3_finalize(q);
	sqlite3_close(old);
	cr_assert_eq(chmod(p, 0600), 0);
}

/* A store of format 1 opens (and is migrated), keeps its records and goes on chaining them:
 * the export of old and new records verifies and authenticates. */
static void reopen_old(bool keyid)
{
	char p2[300], err[256] = "";
	hl_store_t *st = NULL;
	hl_audit_t *a = NULL;
	uint64_t n = 0, seq = 0;
	snprintf(p2, sizeof(p2), "%s/old.db", dir);
	make_v1_store(p2, keyid, 3);
	cr_assert_eq(hl_store_open(p2, HL_STORE_RDWR, &st, err, sizeof(err)), HL_OK, "%s", err);
	cr_assert_eq(hl_audit_open(st, "K0002", key, &clk, &a), HL_OK);
	cr_assert_eq(hl_audit_count(a, &n), HL_OK);
	cr_assert_eq(n, 3, "the old records are kept");
	cr_assert_eq(hl_audit_append(a, HL_AUDIT_LOGOUT, "SO", NULL, &seq), HL_OK);
	cr_assert_eq(seq, 4);
	cr_assert_eq(hl_audit_export(a, path, err, sizeof(err)), HL_OK, "%s", err);
	char *text = slurp(path);
	hl_audit_report_t rep = check(text, key, HL_OK);
	cr_assert(rep.authenticated);
	cr_assert_eq(rep.records, 4);
	cr_assert_eq(occurrences_of(text, " login SO - "), 3, "%s", text);
	free(text);
	hl_audit_free(a);
	hl_store_close(st);
	/* Migrated once: the history is append-only now even for the old table. */
	sqlite3 *raw = NULL;
	cr_assert_eq(sqlite3_open(p2, &raw), SQLITE_OK);
	cr_assert_neq(sqlite3_exec(raw, "DELETE FROM hl_audit", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
}

Test(audit, format_1_store_keeps_its_records)
{
	reopen_old(true);
}

/* The oldest layout: no keyid column yet. */
Test(audit, format_1_store_without_key_ids_keeps_its_records)
{
	reopen_old(false);
}

Test(audit, stamps_come_from_the_device_clock)
{
	clk.offset = 0;
	hl_clock_set(&clk, INT64_C(1790000000));
	fill();
	char *text = slurp(path);
	char *l2 = line_of(text, 2);
	long long t = 0;
	cr_assert_eq(sscanf(l2, "1 %lld", &t), 1);
	cr_assert(t >= 1790000000 && t <= 1790000002, "stamp %lld", t);
	cr_assert(strstr(l2, " 2026-09-21T") != NULL, "%s", l2);
	free(l2);
	free(text);
}

Test(audit, append_commits_with_the_callers_transaction)
{
	uint64_t n = 0;
	cr_assert_eq(hl_store_begin(store), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_KEYGEN, "k1", NULL, NULL), HL_OK);
	hl_store_rollback(store);
	cr_assert_eq(hl_audit_count(log_, &n), HL_OK);
	cr_assert_eq(n, 0, "rolled back with the operation");
	cr_assert_eq(hl_store_begin(store), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_KEYGEN, "k2", NULL, NULL), HL_OK);
	cr_assert_eq(hl_store_commit(store), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_LOGOUT, "", NULL, NULL), HL_OK);
	cr_assert_eq(hl_audit_count(log_, &n), HL_OK);
	cr_assert_eq(n, 2);
}

Test(audit, table_is_append_only)
{
	sqlite3 *raw = NULL; /* a second connection, as a bug or a person with sqlite3 would */
	fill();
	cr_assert_eq(sqlite3_open(db_path, &raw), SQLITE_OK);
	cr_assert_neq(sqlite3_exec(raw, "UPDATE hl_audit SET details='x'", NULL, NULL, NULL),
		      SQLITE_OK);
	cr_assert_neq(sqlite3_exec(raw, "DELETE FROM hl_audit WHERE seq=2", NULL, NULL, NULL),
		      SQLITE_OK);
	sqlite3_close(raw);
	uint64_t n = 0;
	cr_assert_eq(hl_audit_count(log_, &n), HL_OK);
	cr_assert_eq(n, 6);
	/* Reopening (as the device does on every load) keeps the chain going. */
	hl_audit_free(log_);
	cr_assert_eq(hl_audit_open(store, "K0001", key, &clk, &log_), HL_OK);
	cr_assert_eq(hl_audit_append(log_, HL_AUDIT_ZEROIZE, "device", NULL, NULL), HL_OK);
	cr_assert_eq(hl_audit_export(log_, path, NULL, 0), HL_OK);
	char *text = slurp(path);
	check(text, key, HL_OK);
	free(text);
}

Test(audit, changed_record_is_located)
{
	fill();
	char *text = slurp(path);
	char *p = strstr(text, "RSA%202048");
	cr_assert_not_null(p);
	p[0] = 'D'; /* "DSA 2048" on line 5 (seq 4) */
	hl_audit_report_t rep = check(text, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_CHANGED, 5));
	cr_assert_eq(rep.problems[0].seq, 4);
	free(text);
}

Test(audit, rehashed_record_is_located_with_and_without_key)
{
	fill();
	char *text = slurp(path);
	/* Someone without the key rewrites seq 3 and recomputes its hash. */
	audit_rec_t r = { .seq = 3, .event = "login", .subject = "OP", .details = "" };
	uint8_t h[HL_AUDIT_HASH_LEN];
	char *l4 = line_of(text, 4), *fields[10], *save = NULL;
	int i = 0;
	for (char *t = strtok_r(l4, " \n", &save); t && i < 10; t = strtok_r(NULL, " \n", &save))
		fields[i++] = t;
	r.time = strtoll(fields[1], NULL, 10);
	cr_assert(audit_parse_hex(fields[6], r.prev, sizeof(r.prev)));
	cr_assert_eq(audit_hash("K0001", &r, h), HL_OK);
	char forged[1024] = "", hex[65];
	for (int k = 0; k < 32; k++)
		snprintf(hex + 2 * k, 3, "%02x", h[k]);
	snprintf(forged, sizeof(forged), "%s %s %s login OP - %s %s %s %s\n", fields[0], fields[1],
		 fields[2], fields[6], hex, fields[8], fields[9]);
	char *rest = pick(text, (int[]){ 5, 6, 7, 8, 0 });
	char *head = pick(text, (int[]){ 1, 2, 3, 0 });
	char *all = calloc(1 << 16, 1);
	strcat(strcat(strcat(all, head), forged), rest);
	hl_audit_report_t rep = check(all, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_CHANGED, 4), "successor no longer links to it");
	rep = check(all, key, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_FORGED, 4));
	free(all);
	free(head);
	free(rest);
	free(l4);
	free(text);
}

Test(audit, dropped_record_is_located)
{
	fill();
	char *text = slurp(path);
	char *t = pick(text, (int[]){ 1, 2, 3, 4, 6, 7, 8, 0 }); /* seq 4 gone */
	hl_audit_report_t rep = check(t, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_DROPPED, 5), "reported where seq 5 now stands");
	cr_assert_eq(rep.problems[0].seq, 4);
	free(t);
	t = pick(text, (int[]){ 1, 3, 4, 5, 6, 7, 8, 0 }); /* seq 1 gone */
	rep = check(t, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_DROPPED, 2));
	free(t);
	t = pick(text, (int[]){ 1, 2, 3, 4, 5, 6, 8, 0 }); /* last record gone */
	rep = check(t, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_DROPPED, 7), "the end line counts 6");
	free(t);
	free(text);
}

Test(audit, inserted_record_is_located)
{
	fill();
	char *text = slurp(path);
	char *t = pick(text, (int[]){ 1, 2, 3, 4, 5, 3, 6, 7, 8, 0 }); /* replay of seq 2 */
	hl_audit_report_t rep = check(t, key, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_INSERTED, 6), "the copy, not the original");
	cr_assert_not(has(&rep, HL_AUDIT_INSERTED, 3));
	free(t);
	/* A record from another log (the same device's earlier export) spliced in. */
	t = pick(text, (int[]){ 1, 2, 3, 4, 5, 6, 7, 8, 0 });
	char *extra = line_of(text, 7);
	char *e = strstr(t, "end ");
	memmove(e + strlen(extra), e, strlen(e) + 1);
	memcpy(e, extra, strlen(extra));
	rep = check(t, key, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_INSERTED, 8));
	free(extra);
	free(t);
	free(text);
}

Test(audit, reordered_records_are_located)
{
	fill();
	char *text = slurp(path);
	char *t = pick(text, (int[]){ 1, 2, 3, 5, 4, 6, 7, 8, 0 }); /* seq 3 and 4 swapped */
	hl_audit_report_t rep = check(t, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_REORDERED, 5));
	cr_assert_eq(rep.problems[0].seq, 3);
	free(t);
	free(text);
}

Test(audit, truncated_and_malformed_exports)
{
	fill();
	char *text = slurp(path);
	char *t = pick(text, (int[]){ 1, 2, 3, 4, 0 });
	hl_audit_report_t rep = check(t, NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_TRUNCATED, 5));
	free(t);
	rep = check("hsmlab-audit 1 K0001\nnonsense here\n", NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_MALFORMED, 2));
	rep = check("hsmlab-audit 3 K0001\n", NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert(has(&rep, HL_AUDIT_MALFORMED, 1), "a version from the future");
	rep = check("", NULL, HL_ERR_AUDIT_BROKEN);
	cr_assert_eq(rep.problems[0].kind, HL_AUDIT_MALFORMED);
	text[strlen(text) / 2] = '\0';
	rep = check(text, NULL, HL_ERR_AUDIT_BROKEN); /* cut mid-line */
	cr_assert_gt(rep.n_problems, 0);
	free(text);
}

/* -- the CLI -- */

static int run_cli(const char *args)
{
	char cmd[1024];
	const char *bd = getenv("HSMLAB_BUILD_DIR");
	cr_assert_not_null(bd);
	snprintf(cmd, sizeof(cmd),
		 "%s/emulator/tools/audit-verify/hsmlab-audit-verify %s >%s/out.txt 2>&1", bd, args,
		 dir);
	int st = system(cmd);
	cr_assert(WIFEXITED(st));
	return WEXITSTATUS(st);
}

Test(audit, cli_exit_codes_and_locations)
{
	char args[512], hexkey[65];
	fill();
	for (int k = 0; k < 32; k++)
		snprintf(hexkey + 2 * k, 3, "%02x", key[k]);
	snprintf(args, sizeof(args), "--key-hex %s %s", hexkey, path);
	cr_assert_eq(run_cli(args), 0);
	snprintf(args, sizeof(args), "%s/out.txt", dir);
	char *out = slurp(args);
	cr_assert(strstr(out, "6 records, intact, authenticated") != NULL, "%s", out);
	free(out);
	char *text = slurp(path);
	char *t = pick(text, (int[]){ 1, 2, 3, 5, 6, 7, 8, 0 });
	snprintf(args, sizeof(args), "%s/bad.txt", dir);
	FILE *f = fopen(args, "w");
	fputs(t, f);
	fclose(f);
	snprintf(args, sizeof(args), "-q %s/bad.txt", dir);
	cr_assert_eq(run_cli(args), 1);
	snprintf(args, sizeof(args), "%s/out.txt", dir);
	out = slurp(args);
	cr_assert(strstr(out, "bad.txt:4: dropped: records seq 3..3 dropped") != NULL, "%s", out);
	free(out);
	/* Another key: intact, not authenticated, and the key it needs is named (exit 4). */
	snprintf(args, sizeof(args), "--key-hex %064d %s", 7, path);
	cr_assert_eq(run_cli(args), 4);
	snprintf(args, sizeof(args), "%s/out.txt", dir);
	out = slurp(args);
	cr_assert(strstr(out, "cannot authenticate records seq 1 on (6 records)") != NULL, "%s",
		  out);
	cr_assert(strstr(out, "keyed by device:") != NULL, "%s", out);
	free(out);
	cr_assert_eq(run_cli("--no-such-option x"), 2);
	cr_assert_eq(run_cli("/nonexistent/export.txt"), 3);
	cr_assert_eq(run_cli("--key-file /nonexistent/key x"), 3);
	free(t);
	free(text);
}

/* Bad input never crashes: random damage gives a report, never anything else. */
Test(audit, random_damage_never_crashes)
{
	fill();
	char *text = slurp(path);
	size_t n = strlen(text);
	srand(7);
	for (int round = 0; round < 300; round++) {
		char *copy = strdup(text);
		for (int k = 0; k < 1 + round % 3; k++)
			copy[(size_t)rand() % n] = (char)(1 + rand() % 255);
		hl_audit_report_t rep;
		hl_status_t st = hl_audit_verify_buf(copy, n - (size_t)(rand() % 4), key, &rep);
		cr_assert(st == HL_OK || st == HL_ERR_AUDIT_BROKEN, "%s", hl_status_name(st));
		cr_assert(st == HL_OK || rep.n_problems > 0);
		free(copy);
	}
	free(text);
}
