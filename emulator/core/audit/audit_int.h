/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator audit log: internals shared by the writer and the verifier (the canonical
 * record encoding and the export's field escaping). */
#pragma once

#include <stdio.h>

#include "audit/hl_audit.h"

/* One record as hashed and exported. Strings are borrowed. */
typedef struct {
	uint64_t seq;
	int64_t time;
	const char *event, *subject, *details;
	uint8_t prev[HL_AUDIT_HASH_LEN];
} audit_rec_t;

/* hash = SHA-256 over the canonical encoding of rec for device serial (formats.md). */
hl_status_t audit_hash(const char *serial, const audit_rec_t *rec,
		       uint8_t hash_out[HL_AUDIT_HASH_LEN]);
/* A record's mac. id NULL (the device key, as in version 1):
 * HMAC-SHA256(key, "HLAUDIT1-MAC" || hash); a domain key with that id:
 * HMAC-SHA256(key, "HLAUDIT2-MAC" || id || hash). */
hl_status_t audit_mac(const uint8_t key[HL_AUDIT_KEY_LEN], const uint8_t *id,
		      const uint8_t hash[HL_AUDIT_HASH_LEN], uint8_t mac_out[HL_AUDIT_HASH_LEN]);
/* mac over the end line: id NULL: HMAC-SHA256(key, "HLAUDIT1-END" || u64be count || last
 * hash); a domain key: HMAC-SHA256(key, "HLAUDIT2-END" || id || u64be count || last hash). */
hl_status_t audit_end_mac(const uint8_t key[HL_AUDIT_KEY_LEN], const uint8_t *id, uint64_t count,
			  const uint8_t last[HL_AUDIT_HASH_LEN],
			  uint8_t mac_out[HL_AUDIT_HASH_LEN]);
/* An export's key reference: "device:<hex id>" (id of the device key) or "domain:<hex id>";
 * out holds HL_AUDIT_KEYREF_LEN bytes. */
#define HL_AUDIT_KEYREF_LEN (7 + 2 * HL_AUDIT_KEY_ID_LEN + 1)
void audit_keyref(bool domain, const uint8_t id[HL_AUDIT_KEY_ID_LEN], char *out);
/* Parses one; false when malformed. */
bool audit_parse_keyref(const char *s, bool *domain, uint8_t id[HL_AUDIT_KEY_ID_LEN]);

/* Writes s escaped for an export field: '-' when empty; bytes <= 0x20, >= 0x7f, '%' (and a
 * lone "-") as %XX. */
void audit_put_field(FILE *f, const char *s);
/* Decodes a field in place; false when it is malformed (bad %XX, NUL byte). */
bool audit_unescape(char *s);
void audit_put_hex(FILE *f, const uint8_t *p, size_t n);
/* Parses exactly 2*n hex digits; false otherwise. */
bool audit_parse_hex(const char *s, uint8_t *out, size_t n);
