/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab fuzz seeds and tests: crafted backup blobs, beyond byte flips. Each is a container
 * the real writer (hl_backup_encode) made, with one field set out of range (a version, a
 * length, a count, a duplicate, another vendor's header over this vendor's body) and then
 * sealed and MACed again under the decoding domain, so what refuses it is the check of that
 * field, not the MAC. The test suite decodes each (tests/emulator/vendor/test_backup_crafted.c)
 * and the seed generator saves them (fuzz/corpus/backup/crafted-*.blob). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "backup/hl_backup.h"

typedef struct {
	const char *name;                  /* the file name's stem: crafted-<name>.blob */
	const hl_backup_domain_t *decoder; /* the domain it is decoded with (borrowed) */
	hl_status_t want;                  /* what decoding it must give */
	const char *why;                   /* words the decoder's message must hold */
	uint8_t *blob;                     /* malloc'd */
	size_t len;
} hl_craft_case_t;

/* The cases for a pair of domains of the two vendors' formats (mine: the body's vendor,
 * other: the other vendor), all made from blobs of attrs (n entries, at least one
 * sensitive) from serial. *out is malloc'd; free with hl_craft_free. 0 on success. */
int hl_craft_cases(const hl_backup_domain_t *mine, const hl_backup_domain_t *other,
		   const CK_ATTRIBUTE *attrs, size_t n, const char *serial, hl_craft_case_t **out,
		   size_t *n_out);
void hl_craft_free(hl_craft_case_t *cases, size_t n);
