/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the three tools' logic. The CLIs in signer/<tool>/ only parse options. */
#pragma once

#include <stdio.h>
#include <time.h>

#include "hsmlab/config.h"
#include "hsmlab/log.h"

/* -- ksr-signer -- */

typedef struct hl_sign_opts {
	const char *ksr_path;
	const char *prev_path; /* may be NULL: chain checks are skipped with a warning */
	const char *out_path;  /* may be NULL: only check, write nothing */
	const char *schema;    /* NULL: the config's default */
	int force;             /* skip the operator's confirmation */
	time_t now;            /* the clock for KSR-POLICY-SIG-HORIZON */
	FILE *in, *out;        /* confirmation input and operator output */
	hl_log_t *log;         /* the ceremony record (may be NULL) */
} hl_sign_opts_t;

/* Runs every check, signs with the configured KSKs and writes the SKR atomically. Opens and
 * closes cfg's modules. On failure err names the check. */
int hl_signer_run(hl_config_t *cfg, const hl_sign_opts_t *o, hl_err_t *err);

/* Builds the SKR for a loaded KSR with the given HSM keys (index = KSK index in cfg; NULL
 * entries for KSKs the schema does not use). Checks 20, 23, 24. *out caller-owned. */
struct hl_hsm_key;
int hl_signer_build(const hl_config_t *cfg, const hl_ksr_t *ksr, const hl_schema_t *sc,
		    struct hl_hsm_key *const *keys, hl_ksr_t **out, hl_err_t *err);

/* Check 25: the schema exists and is well formed. */
int hl_schema_check(const hl_config_t *cfg, const char *name, const hl_schema_t **out,
		    hl_err_t *err);

/* Check 26: shows the SHA-256 of the bytes that were parsed (not a re-read of the file) in
 * hex and as PGP words and reads "Yes". */
int hl_confirm(const hl_ksr_t *ksr, FILE *in, FILE *out, hl_err_t *err);

/* -- ksr-gen -- */

typedef struct hl_gen_opts {
	const char *quarter; /* "2025Q1" */
	const char *prev_path;
	const char *out_path;
	const char *id, *serial; /* NULL: a random UUID, "0" (or previous serial + 1) */
	const char *keys[3];     /* override cfg->gen.keys */
	int create;              /* generate missing ZSKs */
	time_t now;
} hl_gen_opts_t;
int hl_gen_run(hl_config_t *cfg, const hl_gen_opts_t *o, hl_err_t *err);
/* Replaces every bundle's signatures by fresh proof-of-possession signatures from the keys
 * labelled with the keyIdentifiers in the (open) modules. For tests and re-issued KSRs. */
int hl_gen_resign(hl_ksr_t *k, hl_hsm_module_t *mods, size_t nmods, time_t now, hl_err_t *err);
/* The quarter's first instant (UTC midnight); 0 or -1. */
int hl_quarter_start(const char *q, time_t *out);

/* -- skr-verify -- */

typedef struct hl_verify_opts {
	const char *path;
	const char *prev_path;
	const char *anchors[8];
	size_t nanchors;
	time_t from, to; /* both 0: no coverage check */
	long hold_down;  /* SKR-KSK-CONTINUITY; 0: 30 days */
	FILE *out;
} hl_verify_opts_t;
int hl_verify_run(const hl_verify_opts_t *o, hl_err_t *err);
