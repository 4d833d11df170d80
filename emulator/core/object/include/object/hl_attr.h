/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: attribute lists (an object's attributes as owned copies) and their
 * compact serialisation for the store. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

/* One attribute: owns value (len bytes; NULL when len is 0). */
typedef struct {
	CK_ATTRIBUTE_TYPE type;
	uint8_t *value;
	size_t len;
} hl_attr_t;

/* A growable list of attributes, each type at most once. Owns every value; values of
 * sensitive attributes are wiped on free. */
typedef struct {
	hl_attr_t *v;
	size_t n, cap;
} hl_attrs_t;

/* Frees every value (wiping it) and leaves an empty list; NULL is a no-op. */
void hl_attrs_clear(hl_attrs_t *a);
/* Sets (copies) the value, replacing an existing attribute of the same type. */
hl_status_t hl_attrs_set(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, const void *value, size_t len);
hl_status_t hl_attrs_set_bool(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, bool v);
hl_status_t hl_attrs_set_ulong(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v);
/* Borrowed pointer to the attribute, or NULL. */
const hl_attr_t *hl_attrs_get(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type);
/* Value as CK_BBOOL / CK_ULONG; dflt when absent or of the wrong size. */
bool hl_attrs_bool(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, bool dflt);
CK_ULONG hl_attrs_ulong(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt);
/* Removes the attribute if present (wiping its value). */
void hl_attrs_del(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type);
/* Deep copy into *out (which must be empty). */
hl_status_t hl_attrs_copy(const hl_attrs_t *src, hl_attrs_t *out);
/* Whether every attribute of the template is present with an equal value. */
bool hl_attrs_match(const hl_attrs_t *a, const CK_ATTRIBUTE *tmpl, CK_ULONG n);

/* Serialises the attributes for which keep(type) is true (all when keep is NULL) as
 * repeated {u64 type, u32 len, value} little-endian records into *out (caller clears). */
hl_status_t hl_attrs_encode(const hl_attrs_t *a, bool (*keep)(CK_ATTRIBUTE_TYPE), uint8_t **out,
			    size_t *out_len);
/* Adds the attributes of an encoding to a; HL_ERR_STORE_CORRUPT when it is malformed (a is
 * left with the attributes decoded so far, so the caller clears it). */
hl_status_t hl_attrs_decode(hl_attrs_t *a, const uint8_t *in, size_t len);
