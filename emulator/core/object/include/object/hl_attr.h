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

/* -- attribute-template values (tmpl.c): CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE and
 * CKA_DERIVE_TEMPLATE, kept in an object as hl_attrs_encode records -- */

/* Whether type is one of the three template-valued attributes. */
bool hl_tmpl_is_template(CK_ATTRIBUTE_TYPE type);
/* Checks a template-valued attribute as a template gives it (an array of CK_ATTRIBUTE): whole
 * elements, no NULL value with a length, no nested array, no type twice
 * (HL_ERR_ATTRIBUTE_VALUE_INVALID / HL_ERR_TEMPLATE_INCONSISTENT). */
hl_status_t hl_tmpl_check(const CK_ATTRIBUTE *a);
/* The stored form of a checked template-valued attribute (caller frees *out). */
hl_status_t hl_tmpl_encode(const CK_ATTRIBUTE *a, uint8_t **out, size_t *out_len);
/* C_GetAttributeValue of a stored template (at may be NULL: empty) into dst: the length in
 * bytes of the CK_ATTRIBUTE array, or the array filled element by element with the spec's
 * length rules (HL_ERR_BUFFER_TOO_SMALL when a buffer is short). */
hl_status_t hl_tmpl_export(const hl_attr_t *at, CK_ATTRIBUTE *dst);
/* Whether obj has every attribute of tmpl (decoded) with an equal value. */
bool hl_tmpl_matches(const hl_attrs_t *tmpl, const hl_attrs_t *obj);
/* The caller's template t plus each attribute of tmpl it does not give, as a new array (*out,
 * caller frees; values borrowed from t and tmpl); HL_ERR_TEMPLATE_INCONSISTENT when t gives
 * one of tmpl's attributes another value. */
hl_status_t hl_tmpl_merge(const hl_attrs_t *tmpl, const CK_ATTRIBUTE *t, CK_ULONG n,
			  CK_ATTRIBUTE **out, CK_ULONG *out_n);
