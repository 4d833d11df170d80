/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: what the conformance checks share (inside bench/lib only). */
#pragma once

#include <stdio.h>

#include "hsmlab/bench/conformance.h"
#include "hsmlab/p11client.h"

enum { HL_CONF_VAL = 160, HL_CONF_DETAIL = 240 };

/* Keys the checks share, made once per run as token objects with these labels. */
typedef enum {
	HL_KEY_RSA_PRIV,
	HL_KEY_RSA_PUB,
	HL_KEY_EC_PRIV,
	HL_KEY_EC_PUB,
	HL_KEY_AES,
	HL_KEY_GENERIC,
	HL_KEY_ED_PRIV, /* Ed25519 */
	HL_KEY_ED_PUB,
	HL_KEY_COUNT
} hl_conf_key_t;

typedef struct {
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	CK_FUNCTION_LIST_3_0_PTR fn3;
	hl_bench_target_t *t;
	CK_SLOT_ID slot;
	CK_MECHANISM_TYPE *mechs;
	CK_ULONG nmechs;
	FILE *out; /* the pipe to the parent */
} hl_conf_ctx_t;

typedef struct {
	char value[HL_CONF_VAL];
	char detail[HL_CONF_DETAIL];
} hl_conf_out_t;

typedef void (*hl_conf_fn_t)(hl_conf_ctx_t *c, hl_conf_out_t *o);

typedef struct {
	hl_conformance_check_t info;
	hl_conf_fn_t fn;
	int before_init; /* runs before C_Initialize (the module is only loaded) */
} hl_conf_entry_t;

/* The check tables of each file, terminated by an entry with a NULL id. */
extern const hl_conf_entry_t hl_conf_session_checks[];
extern const hl_conf_entry_t hl_conf_object_checks[];
extern const hl_conf_entry_t hl_conf_mech_checks[];
extern const hl_conf_entry_t hl_conf_keyrule_checks[]; /* conf_keyrules.c */

/* Records the value (printf-style); a later call replaces it. */
void hl_conf_val(hl_conf_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hl_conf_detail(hl_conf_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sends one finished row to the parent (for rows made at run time, e.g. mech.*). */
void hl_conf_emit(hl_conf_ctx_t *c, const char *id, const hl_conf_out_t *o);

/* Opens a session (rw: read/write) and, when login is set, logs the user in (an already
 * logged-in token is fine). Returns CKR_OK and *s, else the failing CK_RV. */
CK_RV hl_conf_session(hl_conf_ctx_t *c, int rw, int login, CK_SESSION_HANDLE *s);
/* Finds (or creates on first use) a shared key in a logged-in session; 0 when unavailable. */
CK_OBJECT_HANDLE hl_conf_key(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, hl_conf_key_t which);
/* Opens a logged-in R/W session and finds a shared key; on failure records why in o
 * ("login:<CKR>" or "no-key") and returns -1 with no session left open. */
int hl_conf_with_key(hl_conf_ctx_t *c, hl_conf_out_t *o, hl_conf_key_t k, CK_SESSION_HANDLE *s,
		     CK_OBJECT_HANDLE *h);
/* 1 when the module announces `mech` in its mechanism list. */
int hl_conf_has_mech(const hl_conf_ctx_t *c, CK_MECHANISM_TYPE mech);
/* 1 when the user asked to skip this check id (hl_conformance_skip). */
int hl_conf_skipped(const char *id);
/* Emits one "mech.<name>" row per announced mechanism (conf_mech.c). */
void hl_conf_mech_rows(hl_conf_ctx_t *c);
