/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the sealed-blob container behind the families' key backup formats (this
 * project's own inventions, written down in emulator/doc/formats.md). A blob holds one object:
 * its non-sensitive attributes in clear, its key material sealed with AES-256-GCM under a key
 * derived from a backup domain's secret, and an HMAC-SHA256 over the whole blob. A family
 * supplies its format (hl_backup_format_t: magic, format byte, version), so each family's
 * blobs are its own. Decoding checks framing, version, format and domain before the MAC, so
 * each way a restore can be wrong gets its own status and produces nothing.
 *
 * The codec works on plain (type, value, len) arrays (CK_ATTRIBUTE): the device layer adapts
 * its own attribute lists (see formats.md, "Integration"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

#define HL_BACKUP_VERSION 1 /* the container layout this build reads and writes */
#define HL_BACKUP_MAGIC_LEN 6
#define HL_BACKUP_DOMAIN_ID_LEN 16
#define HL_BACKUP_SERIAL_MAX 64
#define HL_BACKUP_MAX_ATTRS 1024
#define HL_BACKUP_MAX_VALUE (1u << 20)

/* A family's blob format. Every container starts with "HL" (so a blob of another family's
 * format is told apart from something that is no blob at all); the family picks the rest. */
typedef struct hl_backup_format {
	char magic[HL_BACKUP_MAGIC_LEN + 1]; /* "HL" and four of [A-Z0-9], e.g. "HLACME" */
	uint8_t id; /* the format byte after the lengths, 1..255: checked with the magic */
	unsigned
	    version; /* what the family writes and the highest it reads: 1..HL_BACKUP_VERSION */
} hl_backup_format_t;

/* Whether fmt is a usable format (magic, id and version as above). */
bool hl_backup_format_ok(const hl_backup_format_t *fmt);

/* The keys of one backup domain. Wipe with hl_backup_domain_wipe. */
typedef struct {
	const hl_backup_format_t *format;    /* borrowed (usually the family's static one) */
	uint8_t id[HL_BACKUP_DOMAIN_ID_LEN]; /* public fingerprint of the domain */
	uint8_t enc_key[32], mac_key[32];
} hl_backup_domain_t;

/* Derives a domain's id and keys from its secret (recombined from the family's domain cards),
 * separately per format: the same secret gives unrelated keys in two formats. */
hl_status_t hl_backup_domain_derive(const hl_backup_format_t *format, const uint8_t *secret,
				    size_t secret_len, hl_backup_domain_t *out);
void hl_backup_domain_wipe(hl_backup_domain_t *dom);

/* Whether the codec seals this attribute (key material) rather than storing it in clear. */
bool hl_backup_attr_sensitive(CK_ATTRIBUTE_TYPE type);

/* Encodes one object. attrs: n (type, value, len) entries, values borrowed. created: device
 * clock time. *blob_out is malloc'd (free it with free()); written only on success. */
hl_status_t hl_backup_encode(const hl_backup_domain_t *dom, const char *source_serial,
			     int64_t created, const CK_ATTRIBUTE *attrs, size_t n,
			     uint8_t **blob_out, size_t *len_out);

/* A decoded object. Owns every value (sensitive ones are wiped on free). */
typedef struct {
	const hl_backup_format_t *format; /* the decoding domain's */
	unsigned version;
	char source_serial[HL_BACKUP_SERIAL_MAX + 1];
	int64_t created;
	CK_ATTRIBUTE *attrs;
	size_t n;
} hl_backup_obj_t;

void hl_backup_obj_free(hl_backup_obj_t *obj);
/* The attribute of that type, or NULL (borrowed). */
const CK_ATTRIBUTE *hl_backup_obj_attr(const hl_backup_obj_t *obj, CK_ATTRIBUTE_TYPE type);

/* Decodes a blob for domain dom. Statuses, checked in this order:
 * HL_ERR_BACKUP_TRUNCATED (shorter than its header or its recorded length),
 * HL_ERR_BACKUP_CORRUPT (not a container, or malformed),
 * HL_ERR_BACKUP_TOO_NEW (version above HL_BACKUP_VERSION or the format's version),
 * HL_ERR_BACKUP_WRONG_VENDOR (a container of another family's format: another magic),
 * HL_ERR_BACKUP_WRONG_DOMAIN (another domain of this format),
 * HL_ERR_BACKUP_TAMPERED (MAC or seal fails). *out (free with hl_backup_obj_free) is written
 * only on success. */
hl_status_t hl_backup_decode(const hl_backup_domain_t *dom, const uint8_t *blob, size_t len,
			     hl_backup_obj_t **out);
/* The same, with why (whylen bytes, may be NULL) saying on failure which field is wrong and
 * how ("container version 2, this build reads up to 1", "1025 attributes, at most 1024"). */
hl_status_t hl_backup_decode_why(const hl_backup_domain_t *dom, const uint8_t *blob, size_t len,
				 hl_backup_obj_t **out, char *why, size_t whylen);

/* What a blob says about itself, read without any key (for the console's "show blob").
 * Nothing here is authenticated. Same early statuses as hl_backup_decode. */
typedef struct {
	char magic[HL_BACKUP_MAGIC_LEN + 1]; /* whose format: compare with hl_backup_info_is */
	uint8_t format_id;
	unsigned version;
	uint8_t domain_id[HL_BACKUP_DOMAIN_ID_LEN];
	char source_serial[HL_BACKUP_SERIAL_MAX + 1];
	int64_t created;
} hl_backup_info_t;

hl_status_t hl_backup_peek(const uint8_t *blob, size_t len, hl_backup_info_t *out);
/* Whether a peeked blob says it is of format fmt (magic and format byte). */
bool hl_backup_info_is(const hl_backup_info_t *info, const hl_backup_format_t *fmt);

/* Blob files are written (0600) with the atomic writer, hl_file_write_atomic (util/hl_file.h).
 * read: HL_ERR_IO when unreadable; *blob_out malloc'd. */
hl_status_t hl_backup_read_file(const char *path, uint8_t **blob_out, size_t *len_out);
