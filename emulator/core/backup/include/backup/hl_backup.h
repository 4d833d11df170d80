/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: backup blobs, the vendors' proprietary key backup formats (this project's
 * own inventions, written down in emulator/doc/formats.md). A blob holds one object: its
 * non-sensitive attributes in clear, its key material sealed with AES-256-GCM under a key
 * derived from the Keyper SMK or the Luna cloning-domain secret, and an HMAC-SHA256 over the
 * whole blob. Decoding checks vendor, version, length and domain before the MAC, so each way a
 * restore can be wrong gets its own status and produces nothing.
 *
 * The codec works on plain (type, value, len) arrays (CK_ATTRIBUTE): the device layer adapts
 * its own attribute lists (see formats.md, "Integration"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

typedef enum {
	HL_BACKUP_KEYPER = 1, /* magic "HLKYPR", domain = storage master key (SMK) */
	HL_BACKUP_LUNA = 2,   /* magic "HLLUNA", domain = cloning domain */
} hl_backup_vendor_t;

#define HL_BACKUP_VERSION 1
#define HL_BACKUP_DOMAIN_ID_LEN 16
#define HL_BACKUP_SERIAL_MAX 64
#define HL_BACKUP_MAX_ATTRS 1024
#define HL_BACKUP_MAX_VALUE (1u << 20)

/* The keys of one backup domain. Wipe with hl_backup_domain_wipe. */
typedef struct {
	hl_backup_vendor_t vendor;
	uint8_t id[HL_BACKUP_DOMAIN_ID_LEN]; /* public fingerprint: SMK id / cloning-domain id */
	uint8_t enc_key[32], mac_key[32];
} hl_backup_domain_t;

/* Derives a domain's id and keys from its secret (the SMK recombined from the SMK cards, or
 * the Luna cloning-domain secret), separately per vendor. */
hl_status_t hl_backup_domain_derive(hl_backup_vendor_t vendor, const uint8_t *secret,
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
	hl_backup_vendor_t vendor;
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
 * HL_ERR_BACKUP_CORRUPT (not a blob of any hsmlab vendor, or malformed),
 * HL_ERR_BACKUP_WRONG_VENDOR (the other family's magic), HL_ERR_BACKUP_TOO_NEW (version above
 * HL_BACKUP_VERSION), HL_ERR_BACKUP_WRONG_DOMAIN (another SMK / cloning domain),
 * HL_ERR_BACKUP_TAMPERED (MAC or seal fails). *out (free with hl_backup_obj_free) is written
 * only on success. */
hl_status_t hl_backup_decode(const hl_backup_domain_t *dom, const uint8_t *blob, size_t len,
			     hl_backup_obj_t **out);

/* What a blob says about itself, read without any key (for the console's "show blob").
 * Nothing here is authenticated. Same early statuses as hl_backup_decode. */
typedef struct {
	hl_backup_vendor_t vendor;
	unsigned version;
	uint8_t domain_id[HL_BACKUP_DOMAIN_ID_LEN];
	char source_serial[HL_BACKUP_SERIAL_MAX + 1];
	int64_t created;
} hl_backup_info_t;

hl_status_t hl_backup_peek(const uint8_t *blob, size_t len, hl_backup_info_t *out);

/* Blob files are written (0600) with the atomic writer, hl_file_write_atomic (util/hl_file.h).
 * read: HL_ERR_IO when unreadable; *blob_out malloc'd. */
hl_status_t hl_backup_read_file(const char *path, uint8_t **blob_out, size_t *len_out);
