/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the attribute policy, ONE data table of (scope, attribute, flags, default)
 * with the flags named after the footnotes of the PKCS#11 v2.40/3.0 attribute tables, and
 * the template checks driven by it. */
#pragma once

#include <stdbool.h>

#include "hsmlab/pkcs11.h"
#include "object/hl_attr.h"
#include "util/hl_status.h"

/* Footnotes of the spec's attribute tables (PKCS#11 base spec, table "Common footnotes"). */
enum {
	HL_AF_1_REQ_CREATE = 1u << 0,    /* must be specified on C_CreateObject */
	HL_AF_2_NO_CREATE = 1u << 1,     /* must not be specified on C_CreateObject */
	HL_AF_3_REQ_GEN = 1u << 2,       /* must be specified on C_GenerateKey(Pair) */
	HL_AF_4_NO_GEN = 1u << 3,        /* must not be specified on C_GenerateKey(Pair) */
	HL_AF_5_REQ_UNWRAP = 1u << 4,    /* must be specified on C_UnwrapKey */
	HL_AF_6_NO_UNWRAP = 1u << 5,     /* must not be specified on C_UnwrapKey */
	HL_AF_7_SENSITIVE = 1u << 6,     /* never revealed if sensitive or unextractable */
	HL_AF_8_MODIFIABLE = 1u << 7,    /* may change with C_SetAttributeValue / C_CopyObject */
	HL_AF_9_TOKEN_DEFAULT = 1u << 8, /* default is the token's choice (see the row's default) */
	HL_AF_10_SO_ONLY_TRUE = 1u << 9, /* only the SO may set it to CK_TRUE */
	HL_AF_11_STICKY_TRUE = 1u << 10, /* once CK_TRUE it is read-only */
	HL_AF_12_STICKY_FALSE = 1u << 11, /* once CK_FALSE it is read-only */
};

/* Value shapes, checked on every template. */
/* HL_AT_TEMPLATE: an array of CK_ATTRIBUTE (the *_TEMPLATE attributes, tmpl.c). */
typedef enum { HL_AT_BYTES, HL_AT_BOOL, HL_AT_ULONG, HL_AT_TEMPLATE } hl_attr_shape_t;

/* Default for an absent attribute on creation. */
typedef enum { HL_AD_NONE, HL_AD_FALSE, HL_AD_TRUE, HL_AD_EMPTY, HL_AD_ULONG } hl_attr_default_t;

/* Object scopes: an object's scope is the OR of the bits its class and key type give. */
enum {
	HL_S_DATA = 1u << 0,
	HL_S_CERT = 1u << 1,
	HL_S_PUB = 1u << 2,
	HL_S_PRIV = 1u << 3,
	HL_S_SECRET = 1u << 4,
	HL_S_RSA_PUB = 1u << 5,
	HL_S_RSA_PRIV = 1u << 6,
	HL_S_EC_PUB = 1u << 7,
	HL_S_EC_PRIV = 1u << 8,
	HL_S_SECRET_VALUE = 1u << 9, /* AES and generic secret keys */
	HL_S_DES3 = 1u << 10,        /* DES3 secret keys (no CKA_VALUE_LEN in templates) */
	HL_S_KEY = HL_S_PUB | HL_S_PRIV | HL_S_SECRET,
	HL_S_ANY = HL_S_DATA | HL_S_CERT | HL_S_KEY,
};

typedef struct {
	unsigned scope;
	CK_ATTRIBUTE_TYPE type;
	unsigned flags;
	hl_attr_shape_t shape;
	hl_attr_default_t dflt;
	CK_ULONG dval; /* for HL_AD_ULONG */
} hl_policy_row_t;

typedef enum {
	HL_TMPL_CREATE,
	HL_TMPL_GENERATE,
	HL_TMPL_UNWRAP,
	HL_TMPL_COPY,
	HL_TMPL_SET,
} hl_tmpl_op_t;

/* The scope of (class, key type), or 0 when the emulator does not support that kind of
 * object (key type ignored for non-key classes). */
unsigned hl_policy_scope(CK_OBJECT_CLASS cls, CK_KEY_TYPE key_type);
/* The row for type in scope, or NULL when the attribute is not valid for such objects. */
const hl_policy_row_t *hl_policy_lookup(unsigned scope, CK_ATTRIBUTE_TYPE type);
/* The whole table (for tests and documentation); *n_out gets the row count. */
const hl_policy_row_t *hl_policy_table(size_t *n_out);
/* Whether type is key material (footnote 7 in some row): such values are sealed at rest. */
bool hl_policy_is_secret_attr(CK_ATTRIBUTE_TYPE type);

/* Checks a creation-style template (create, generate, unwrap) for objects of scope:
 * unknown types (ATTRIBUTE_TYPE_INVALID), bad shapes (ATTRIBUTE_VALUE_INVALID), forbidden
 * attributes (ATTRIBUTE_READ_ONLY), conflicting duplicates (TEMPLATE_INCONSISTENT) and
 * missing required ones (TEMPLATE_INCOMPLETE). so: the caller is logged in as SO. */
hl_status_t hl_policy_check_new(unsigned scope, hl_tmpl_op_t op, const CK_ATTRIBUTE *t, CK_ULONG n,
				bool so);
/* Copies the template into attrs and fills every absent attribute that has a default. */
hl_status_t hl_policy_apply_new(unsigned scope, const CK_ATTRIBUTE *t, CK_ULONG n,
				hl_attrs_t *attrs);
/* Checks a C_SetAttributeValue (op SET) or C_CopyObject (op COPY) template against the
 * object's current attributes cur; ACTION_PROHIBITED when the object forbids the change. */
hl_status_t hl_policy_check_change(unsigned scope, hl_tmpl_op_t op, const hl_attrs_t *cur,
				   const CK_ATTRIBUTE *t, CK_ULONG n, bool so);
