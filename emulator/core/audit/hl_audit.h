/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the per-device audit log. Append-only, hash-chained records in a table of
 * the device's SQLite database, each also authenticated with an HMAC under the device's
 * audit key (derived from the SMK / cloning-domain secret, so any device of the same domain
 * can authenticate an export: L13). Exports are text files (emulator/doc/formats.md);
 * hl_audit_verify_file checks one offline and locates every changed, dropped, inserted or
 * reordered record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "clock/hl_clock.h"
#include "util/hl_status.h"

#define HL_AUDIT_KEY_LEN 32
#define HL_AUDIT_HASH_LEN 32

/* Security-relevant events (names as they appear in exports). */
#define HL_AUDIT_EVENT_LIST(X)                   \
	X(HL_AUDIT_LOGIN, "login")               \
	X(HL_AUDIT_LOGIN_FAILED, "login-failed") \
	X(HL_AUDIT_LOGOUT, "logout")             \
	X(HL_AUDIT_KEYGEN, "keygen")             \
	X(HL_AUDIT_SIGN_COUNT, "sign-count")     \
	X(HL_AUDIT_BACKUP, "backup")             \
	X(HL_AUDIT_RESTORE, "restore")           \
	X(HL_AUDIT_ZEROIZE, "zeroize")           \
	X(HL_AUDIT_CLOCK_CHANGE, "clock-change") \
	X(HL_AUDIT_STATE_CHANGE, "state-change") \
	X(HL_AUDIT_ACTIVATE, "activate")         \
	X(HL_AUDIT_DEACTIVATE, "deactivate")     \
	X(HL_AUDIT_CARDS, "cards")               \
	X(HL_AUDIT_DELETE, "delete")

typedef enum {
#define HL_AUDIT_EVENT_ENUM(name, text) name,
	HL_AUDIT_EVENT_LIST(HL_AUDIT_EVENT_ENUM)
#undef HL_AUDIT_EVENT_ENUM
	    HL_AUDIT_EVENT_COUNT
} hl_audit_event_t;

/* "login", ...; "?" for values out of range. Static string. */
const char *hl_audit_event_name(hl_audit_event_t ev);

/* The audit key of a domain: HMAC-SHA256(domain_secret, "hsmlab audit key v1"). */
hl_status_t hl_audit_key_derive(const uint8_t *domain_secret, size_t secret_len,
				uint8_t key_out[HL_AUDIT_KEY_LEN]);

/* -- the log in the device database -- */

typedef struct hl_audit hl_audit_t;

/* Opens the log of device `serial` in db (borrowed: the caller keeps it open while the log is
 * in use and owns its transactions). Creates the table (and triggers refusing UPDATE and
 * DELETE) if missing, inside whatever transaction the caller has open. key is copied;
 * clock is borrowed (NULL = host time). Free with hl_audit_free. */
hl_status_t hl_audit_open(sqlite3 *db, const char *serial, const uint8_t key[HL_AUDIT_KEY_LEN],
			  const hl_clock_t *clock, hl_audit_t **out);
/* Wipes the key copy; NULL is a no-op. */
void hl_audit_free(hl_audit_t *a);
/* Appends one record stamped with the device clock. Runs inside a savepoint, so in the
 * caller's open transaction it commits or rolls back with the operation it records; outside
 * one it commits on its own. subject/details may be NULL (empty). seq_out may be NULL.
 * HL_ERR_STORE_BUSY when the database is locked, HL_ERR_STORE_CORRUPT when the last record
 * is unreadable. */
hl_status_t hl_audit_append(hl_audit_t *a, hl_audit_event_t ev, const char *subject,
			    const char *details, uint64_t *seq_out);
/* Number of records. */
hl_status_t hl_audit_count(hl_audit_t *a, uint64_t *count_out);
/* Writes the whole log to path (written to path.tmp, synced, then renamed, so a reader never
 * sees half an export). */
hl_status_t hl_audit_export(hl_audit_t *a, const char *path);

/* -- offline verification of an export -- */

typedef enum {
	HL_AUDIT_MALFORMED, /* a line that is not a record */
	HL_AUDIT_CHANGED,   /* record content does not match its hash */
	HL_AUDIT_FORGED,    /* hash consistent but the HMAC fails (rehashed by someone without
			       the key) */
	HL_AUDIT_DROPPED,   /* a sequence number is missing */
	HL_AUDIT_INSERTED,  /* a record that does not belong to the chain */
	HL_AUDIT_REORDERED, /* records out of sequence order */
	HL_AUDIT_TRUNCATED, /* the export ends early or its end line disagrees */
	HL_AUDIT_CHAIN,     /* a record does not link to its predecessor's hash */
} hl_audit_problem_kind_t;

typedef struct {
	hl_audit_problem_kind_t kind;
	size_t line;  /* 1-based line of the export where it shows */
	uint64_t seq; /* sequence number concerned (0 when none) */
	char msg[160];
} hl_audit_problem_t;

#define HL_AUDIT_MAX_PROBLEMS 32

typedef struct {
	char serial[65];    /* device serial from the header */
	uint64_t records;   /* record lines read */
	bool authenticated; /* a key was given and every HMAC verified */
	size_t n_problems;  /* problems found (may exceed the array: then it is full) */
	hl_audit_problem_t problems[HL_AUDIT_MAX_PROBLEMS];
} hl_audit_report_t;

/* "changed", "dropped", ...; static string. */
const char *hl_audit_problem_name(hl_audit_problem_kind_t kind);
/* Verifies an export. key NULL: chain and hashes only (no authentication). Fills *report
 * and returns HL_OK when the export is intact, HL_ERR_AUDIT_BROKEN when it found problems
 * (listed in the report), HL_ERR_IO when the file cannot be read. */
hl_status_t hl_audit_verify_file(const char *path, const uint8_t *key, hl_audit_report_t *report);
/* The same on an export held in memory. */
hl_status_t hl_audit_verify_buf(const char *text, size_t len, const uint8_t *key,
				hl_audit_report_t *report);
