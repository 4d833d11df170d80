/* SPDX-License-Identifier: BSD-2-Clause
 * A small ceremony for the signer tests: one SoftHSMv2 (or HSMLAB_TEST_MODULE) token "HSM"
 * with KSK1 (iana-legacy rsa2048-1) and the ZSKs ZSK-Z (generated), ZSK-A, ZSK-B, ZSK-C
 * (corpus keys); the 2026Q4 KSR signed into prev.xml, and the 2027Q1 KSR base.xml that chains
 * to it. Each test then changes one thing and expects one named check to refuse it. */
#pragma once

#include <time.h>

#include "hsmlab/signer.h"

typedef struct th_scn {
	char dir[256];
	char prev[512]; /* the previous SKR (2026Q4) */
	char base[512]; /* the KSR under test (2027Q1) */
	time_t now;     /* a clock inside the horizon for base.xml */
} th_scn_t;

/* The config text with extra settings appended to the top level and to `policy`. */
const char *th_scn_config(const th_scn_t *s, const char *top, const char *policy);
/* Builds everything above; asserts on failure. */
void th_scn_setup(th_scn_t *s);
/* Loads a config built by th_scn_config (caller frees). */
hl_config_t *th_scn_load_config(const th_scn_t *s, const char *top, const char *policy);
/* Opens the token, re-signs k's proof of possession with the HSM's ZSKs, writes it to
 * "<dir>/<name>" and returns that path (static buffer). */
const char *th_scn_write_ksr(const th_scn_t *s, hl_ksr_t *k, int resign, const char *name);
/* Loads a KSR or SKR; asserts it loads (caller frees). */
hl_ksr_t *th_scn_load(const char *path);
/* Runs ksr-signer's logic; returns 0 or -1 with err filled. */
int th_scn_sign(const th_scn_t *s, hl_config_t *cfg, const char *ksr, const char *prev,
		const char *out, hl_err_t *err);
