/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the per-device audit log. Append-only, hash-chained records in a table of
 * the device's SQLite database, each also authenticated with an HMAC: under the device's own
 * key, or, once the device holds a backup domain, under a key derived from the domain secret
 * (SMK / cloning domain), so any device of the same domain can authenticate an export (L13).
 * Each record names the key that authenticates it (its key id). Exports are text files
 * (emulator/doc/formats.md); hl_audit_verify_file checks one offline and locates every
 * changed, dropped, inserted or reordered record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "clock/hl_clock.h"
#include "store/hl_store.h"
#include "util/hl_status.h"

#define HL_AUDIT_KEY_LEN 32
#define HL_AUDIT_HASH_LEN 32
#define HL_AUDIT_KEY_ID_LEN 16
#define HL_AUDIT_EXPORT_VERSION 2

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
	X(HL_AUDIT_DELETE, "delete")             \
	X(HL_AUDIT_CLONE, "clone")

typedef enum {
#define HL_AUDIT_EVENT_ENUM(name, text) name,
	HL_AUDIT_EVENT_LIST(HL_AUDIT_EVENT_ENUM)
#undef HL_AUDIT_EVENT_ENUM
	    HL_AUDIT_EVENT_COUNT
} hl_audit_event_t;

/* "login", ...; "?" for values out of range. Static string. */
const char *hl_audit_event_name(hl_audit_event_t ev);

/* A device's own audit key: HMAC-SHA256(secret, "hsmlab audit key v1"), secret being the
 * lab's key for the device. */
hl_status_t hl_audit_key_derive(const uint8_t *secret, size_t secret_len,
				uint8_t key_out[HL_AUDIT_KEY_LEN]);
/* The audit key of a backup domain: HMAC-SHA256(domain_secret, "hsmlab audit domain key v1")
 * (a label of its own: the same secret also keys the domain's backup blobs). */
hl_status_t hl_audit_domain_key_derive(const uint8_t *domain_secret, size_t secret_len,
				       uint8_t key_out[HL_AUDIT_KEY_LEN]);
/* The public id of an audit key, named by every record it authenticates: the first 16 bytes
 * of SHA-256("hsmlab audit key id v1" || key). */
hl_status_t hl_audit_key_id(const uint8_t key[HL_AUDIT_KEY_LEN],
			    uint8_t id_out[HL_AUDIT_KEY_ID_LEN]);

/* -- the log in the device database -- */

typedef struct hl_audit hl_audit_t;

/* Opens the log of device `serial` in its store (borrowed: the caller keeps it open while the
 * log is in use and owns its transactions; the store owns the table). key is copied; clock is
 * borrowed (NULL = host time). Free with hl_audit_free. */
hl_status_t hl_audit_open(hl_store_t *store, const char *serial,
			  const uint8_t key[HL_AUDIT_KEY_LEN], const hl_clock_t *clock,
			  hl_audit_t **out);
/* Wipes the key copies; NULL is a no-op. */
void hl_audit_free(hl_audit_t *a);
/* Which key authenticates the records appended from now on (and an export's end line): the
 * domain key (copied) or, NULL, the device key again. Earlier records keep theirs. */
hl_status_t hl_audit_set_domain_key(hl_audit_t *a, const uint8_t *domain_key);
/* Appends one record stamped with the device clock. Runs inside a savepoint, so in the
 * caller's open transaction it commits or rolls back with the operation it records; outside
 * one it commits on its own. subject/details may be NULL (empty). seq_out may be NULL.
 * HL_ERR_STORE_BUSY when the database is locked, HL_ERR_STORE_CORRUPT when the last record
 * is unreadable. */
hl_status_t hl_audit_append(hl_audit_t *a, hl_audit_event_t ev, const char *subject,
			    const char *details, uint64_t *seq_out);
/* Number of records. */
hl_status_t hl_audit_count(hl_audit_t *a, uint64_t *count_out);
/* Writes the whole log to path (mode 0644) with the atomic writer (hl_file_write_atomic), so
 * a reader never sees half an export. err (errlen bytes, may be NULL) gets a message naming
 * the path. */
hl_status_t hl_audit_export(hl_audit_t *a, const char *path, char *err, size_t errlen);

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
	unsigned version;   /* export format version (1 or 2) */
	uint64_t records;   /* record lines read */
	bool authenticated; /* keys were given and every record and the end line are authenticated
			       (by their own HMAC or by a later authenticated record's chain) */
	/* Intact but keyed by a key that was not given (another device or domain): the records
	 * no given key covers, the first of them, and that key's reference as exported
	 * ("device:<hex id>" / "domain:<hex id>"). Zero and "" when keys were given and cover
	 * everything, or when no key was given. */
	uint64_t unauthenticated, first_unauthenticated;
	char missing_key[48];
	size_t n_problems; /* problems found (may exceed the array: then it is full) */
	hl_audit_problem_t problems[HL_AUDIT_MAX_PROBLEMS];
} hl_audit_report_t;

/* "changed", "dropped", ...; static string. */
const char *hl_audit_problem_name(hl_audit_problem_kind_t kind);
/* Verifies an export with the audit keys the verifier holds (keys[0..n_keys-1]; none: chain
 * and hashes only, no authentication). A version-2 record or end line is checked with the
 * given key whose id it names (no such key: not a problem, but the report says what is not
 * authenticated and by which key); a version-1 export (no key ids) with keys[0]. Fills
 * *report and returns HL_OK when the export is intact (authenticated or not: see the
 * report), HL_ERR_AUDIT_BROKEN when it found problems (listed in the report), HL_ERR_IO when
 * the file cannot be read. */
hl_status_t hl_audit_verify_file_keys(const char *path, const uint8_t (*keys)[HL_AUDIT_KEY_LEN],
				      size_t n_keys, hl_audit_report_t *report);
/* The same with one key or none (key NULL). */
hl_status_t hl_audit_verify_file(const char *path, const uint8_t *key, hl_audit_report_t *report);
/* The same on an export held in memory. */
hl_status_t hl_audit_verify_buf_keys(const char *text, size_t len,
				     const uint8_t (*keys)[HL_AUDIT_KEY_LEN], size_t n_keys,
				     hl_audit_report_t *report);
hl_status_t hl_audit_verify_buf(const char *text, size_t len, const uint8_t *key,
				hl_audit_report_t *report);
