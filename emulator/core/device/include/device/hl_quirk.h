/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the declared quirk registry. Every profile switch is one row: its name,
 * catalogue id, value type, default and what reads it. The core declares the rows whose
 * behaviour it implements (quirk_registry.c); a family declares the rows only its own code
 * reads (hl_family_t.quirks), so the core never names a vendor. The profile loader checks
 * every switch against these rows and resolves it once into a typed field (offset): no call
 * site looks a switch up by name. See emulator/doc/general-quirks.md "Adding a switch". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hsmlab/pkcs11.h"

typedef enum {
	HL_QUIRK_BOOL,   /* bool: on */
	HL_QUIRK_NUMBER, /* CK_ULONG: a positive integer (or a CK name); 0 when off */
	HL_QUIRK_CKR,    /* CK_ULONG: a CKR_ name or number; 0 when off */
	HL_QUIRK_STRING, /* const char *: the value (dflt, else "") when on, NULL when off */
	HL_QUIRK_LIST,   /* const char *: a string or list of them, comma-joined; as STRING */
	HL_QUIRK_MOFN,   /* hl_quirk_mofn_t: value = [ m, n ], 1 <= m <= n <= 255 */
	HL_QUIRK_WORDS,  /* CK_ULONG mask: value names some of .words (bit i: word i) */
	HL_QUIRK_DATA,   /* no field: data for tools and docs, any members */
} hl_quirk_type_t;

typedef struct {
	CK_ULONG m, n; /* m of n; both 0 when off */
} hl_quirk_mofn_t;

/* Who reads a switch: the filter layer it belongs to (general counts for
 * hl_profile_general_t.any, so the G filters wake up), or code elsewhere. */
typedef enum {
	HL_QUIRK_READ_DATA,    /* nobody: catalogue data (documentation, tools) */
	HL_QUIRK_READ_CORE,    /* the PKCS#11 layer's own calls (slots, sessions, handles) */
	HL_QUIRK_READ_VENDOR,  /* the vendor-behaviour filter layer (p11_quirks.c) */
	HL_QUIRK_READ_GENERAL, /* the general G filter layer (p11_quirks_general*.c) */
	HL_QUIRK_READ_FAMILY,  /* the family's own code */
} hl_quirk_reader_t;

#define HL_QUIRK_NOWHERE ((size_t)-1) /* a DATA row: nothing to resolve */

typedef struct {
	const char *name; /* as profiles spell it, e.g. "labels_immutable" */
	const char *id;   /* the catalogue row it models, e.g. "K2" or "G13" */
	hl_quirk_type_t type;
	const char *dflt;  /* the value when on without one (NUMBER/CKR text), or NULL */
	const char *words; /* WORDS: the allowed words, comma-separated */
	CK_ULONG max;      /* NUMBER: the largest value allowed (0: any) */
	hl_quirk_reader_t reader;
	const char *reads; /* the entry points it filters, or the function that reads it */
	size_t offset;     /* of its field: core rows in hl_profile_t, family rows in the
			    * family's own switch struct (hl_family_t.quirk_size) */
} hl_quirk_row_t;

/* A row whose value lands in the struct st at field (designated initialisers; the optional
 * tail sets .dflt, .words or .max). */
#define HL_QUIRK_ROW(st, nm, cid, ty, rd, field, what, ...)                                 \
	{                                                                                   \
		.name = nm, .id = cid, .type = HL_QUIRK_##ty, .reader = HL_QUIRK_READ_##rd, \
		.reads = what, .offset = offsetof(st, field), __VA_ARGS__                   \
	}
/* A switch the catalogue names that no code reads (it documents the device): its value is
 * type-checked, never stored. */
#define HL_QUIRK_DATA(nm, cid, ty, what)                                                    \
	{                                                                                   \
		.name = nm, .id = cid, .type = HL_QUIRK_##ty, .reader = HL_QUIRK_READ_DATA, \
		.reads = what, .offset = HL_QUIRK_NOWHERE                                   \
	}

/* The core's rows (generic behaviours, whatever catalogue id they model). */
extern const hl_quirk_row_t hl_quirk_core_rows[];
extern const size_t hl_quirk_core_count;

/* The row called name among rows[0..n) (a row without a name ends them earlier; SIZE_MAX:
 * only that ends them), or NULL. */
const hl_quirk_row_t *hl_quirk_find(const hl_quirk_row_t *rows, size_t n, const char *name);
/* The name among rows[0..n) and more[0..m) (as above) closest to name (edit distance), or NULL. */
const char *hl_quirk_nearest(const hl_quirk_row_t *rows, size_t n, const hl_quirk_row_t *more,
			     size_t m, const char *name);
/* The edit distance of two strings (case-sensitive; long strings are capped at 63). */
size_t hl_quirk_distance(const char *a, const char *b);
/* The type's name for messages ("a positive integer", ...). */
const char *hl_quirk_type_name(hl_quirk_type_t t);
