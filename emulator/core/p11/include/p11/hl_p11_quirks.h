/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the filter stack (p11-kit's virtual/filter layers, simplified). The
 * core's own function table is the bottom; each filter layer overrides only the entries it
 * changes and calls the layer below through its `below` table, which the stack fills with
 * the nearest lower implementation of every entry (so a pass-through costs nothing). The top
 * of the stack is what C_GetFunctionList and C_GetInterface hand out and what the exported
 * C_* forward to (p11_table.c). A layer can be stacked over a mock table in a test. Not a
 * public header. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "hsmlab/pkcs11.h"

typedef struct {
	const char *name;
	/* The entries this layer changes (others NULL: they pass through). */
	const CK_FUNCTION_LIST_3_0 *over;
	/* The stack beneath, every entry set (hl_p11_stack_build); the layer's filters call
	 * it, never a lower function by name. */
	CK_FUNCTION_LIST_3_0 below;
} hl_p11_layer_t;

/* Stacks layers[0] (lowest) to layers[n - 1] over base: fills each layer's below and top
 * (the table clients get; base's version). Not thread safe: done once, before use. */
void hl_p11_stack_build(const CK_FUNCTION_LIST_3_0 *base, hl_p11_layer_t *const *layers, size_t n,
			CK_FUNCTION_LIST_3_0 *top);
/* The core's own table: no filter (the stack's bottom). */
const CK_FUNCTION_LIST_3_0 *hl_p11_core_functions(void);

/* The module's layers, bottom up: the vendor behaviours (p11_quirks.c: K/L rows, audit
 * events, timing), the general rows on objects (p11_quirks_objects.c), the general rows on
 * sessions, searches, signing and digests (p11_quirks_general.c). */
extern hl_p11_layer_t hl_p11_vendor_layer;
extern hl_p11_layer_t hl_p11_general_objects_layer;
extern hl_p11_layer_t hl_p11_general_layer;

/* Timing emulation (HSMLAB_TIMING=1 or the lab config's `timing = true;`), read once by
 * C_Initialize (p11_general.c): the filters then make operations take the profile's time. */
bool hl_p11_timing(void);
