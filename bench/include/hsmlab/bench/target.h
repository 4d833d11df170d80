/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: a target is "how to prepare a module for testing" — module path, environment,
 * files to write, the token to use (or a free slot to initialise) and its PINs. */
#pragma once

#include <stddef.h>

#include "hsmlab/pkcs11.h"

typedef struct hl_bench_target hl_bench_target_t;

/* Reads a target description (libconfig syntax, see fixtures/conformance/README.md).
 * Errors name the file, line and setting. The caller frees with hl_bench_target_free. */
hl_bench_target_t *hl_bench_target_load(const char *path, char *err, size_t errlen);
/* An empty target named `name`, filled in with hl_bench_target_set (the CLI's way). */
hl_bench_target_t *hl_bench_target_new(const char *name);
void hl_bench_target_free(hl_bench_target_t *t);

/* Sets one field by its setting name: name, module, token, so_pin, user_pin, slot, init
 * ("yes"/"no"), expect, env ("VAR=value", appends), mkdir (appends), run (a setup shell
 * command, appends). Values may hold
 * ${VAR} references, expanded by hl_bench_target_prepare. Returns 0 or -1 with err set. */
int hl_bench_target_set(hl_bench_target_t *t, const char *key, const char *value, char *err,
			size_t errlen);
/* Adds a file to write at prepare time (path and text may hold ${VAR} references). */
int hl_bench_target_add_file(hl_bench_target_t *t, const char *path, const char *text);

/* Makes the target's work directory <rundir>/<name> and expands every ${VAR} of its fields
 * (WORKDIR, TARGETDIR, then the environment, then HSMLAB_DATA_DIR/HSMLAB_MODULE_DIR/
 * HSMLAB_ADMIN_DIR where this binary runs (hsmlab/paths.h; HSMLAB_SOURCE_DIR/HSMLAB_BUILD_DIR
 * in a build tree only), then HSMLAB_SOFTHSM2_MODULE as built) without side effects beyond that
 * directory. 0 or -1. */
int hl_bench_target_resolve(hl_bench_target_t *t, const char *rundir, char *err, size_t errlen);
/* Resolves, then creates the mkdir entries, writes the files, exports the env entries
 * (setenv) and runs the run commands (/bin/sh -c, in order; a failing one is an error
 * naming it). Once per work directory: run commands need not be idempotent. 0 or -1. */
int hl_bench_target_prepare(hl_bench_target_t *t, const char *rundir, char *err, size_t errlen);

/* With the module initialised: initialises a free token when the target says so (C_InitToken
 * with the SO PIN, then C_InitPIN for the user PIN), else finds the token by label or slot.
 * Writes the slot on success; on failure err names the step and the CK_RV. */
CK_RV hl_bench_target_open(hl_bench_target_t *t, CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID *slot_out,
			   char *err, size_t errlen);

/* Borrowed strings: the expanded values after prepare, valid until the next prepare or
 * hl_bench_target_free (the name, never expanded, until hl_bench_target_free). */
const char *hl_bench_target_name(const hl_bench_target_t *t);
const char *hl_bench_target_module(const hl_bench_target_t *t);
const char *hl_bench_target_token(const hl_bench_target_t *t);
const char *hl_bench_target_user_pin(const hl_bench_target_t *t);
const char *hl_bench_target_so_pin(const hl_bench_target_t *t);
/* Resolved path of the expectation file, or NULL when the target names none. */
const char *hl_bench_target_expect(const hl_bench_target_t *t);
/* 1 when C_InitToken moved the token to another slot id (quirk G16), else 0. */
int hl_bench_target_slot_moved(const hl_bench_target_t *t);
