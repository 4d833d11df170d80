/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the 28 named policy checks of checks.md. Each one can be switched
 * off in the config; range checks take their bounds from the KSR's policy unless the config
 * overrides them. A failure fills hl_err_t with the check's name, bundle and field. */
#pragma once

#include <time.h>

#include "hsmlab/ksr.h"

typedef enum hl_check_id {
	HL_CHK_LOAD_BUNDLE_FIELDS,          /* 1 */
	HL_CHK_LOAD_KEY_FIELDS,             /* 2 */
	HL_CHK_KSR_DOMAIN,                  /* 3 */
	HL_CHK_KSR_BUNDLE_UNIQUE,           /* 4 */
	HL_CHK_KSR_BUNDLE_KEYS,             /* 5 */
	HL_CHK_KSR_BUNDLE_POP,              /* 6 */
	HL_CHK_KSR_BUNDLE_COUNT,            /* 7 */
	HL_CHK_KSR_BUNDLE_CYCLE_DURATION,   /* 8 */
	HL_CHK_KSR_POLICY_KEYS,             /* 9 */
	HL_CHK_KSR_POLICY_ALG,              /* 10 */
	HL_CHK_KSR_POLICY_SIG_OVERLAP,      /* 11 */
	HL_CHK_KSR_POLICY_SIG_VALIDITY,     /* 12 */
	HL_CHK_KSR_POLICY_SIG_HORIZON,      /* 13 */
	HL_CHK_KSR_POLICY_BUNDLE_INTERVALS, /* 14 */
	HL_CHK_SKR_PREVIOUS_VALID,          /* 15 */
	HL_CHK_KSR_ID,                      /* 16 */
	HL_CHK_KSR_CHAIN_KEYS,              /* 17 */
	HL_CHK_KSR_CHAIN_OVERLAP,           /* 18 */
	HL_CHK_KSR_CHAIN_KEYS_IN_HSM,       /* 19 */
	HL_CHK_KSK_VALIDITY,                /* 20 */
	HL_CHK_KSK_HSM_MATCH,               /* 21 */
	HL_CHK_KSR_SIGNER_IGNORED,          /* 22 */
	HL_CHK_KSR_ALG_MATCH,               /* 23 */
	HL_CHK_SKR_SIG_VERIFY,              /* 24 */
	HL_CHK_SKR_SCHEMA,                  /* 25 */
	HL_CHK_OPERATOR_CONFIRM,            /* 26 */
	HL_CHK_SKR_PUBLISH_SAFETY,          /* 27 */
	HL_CHK_SKR_RETIRE_SAFETY,           /* 28 */
	HL_CHK_SKR_KSK_CONTINUITY,          /* 29: no published KSK silently dropped */
	HL_CHK_KSR_POLICY_TTL,              /* 30: one TTL for the DNSKEY RRset */
	HL_CHK_LOAD_KSR_FIELDS,             /* 31: id, serial, domain of the root element */
	HL_CHK_COUNT
} hl_check_id_t;

/* "KSR-BUNDLE-POP" etc.; never NULL for a valid id. */
const char *hl_check_name(hl_check_id_t id);
/* The id for a name, or -1. */
int hl_check_lookup(const char *name);

#define HL_MAX_DOMAINS 8
#define HL_MAX_SLOTS 16

typedef struct hl_policy_cfg {
	int enabled[HL_CHK_COUNT];
	/* range overrides in seconds for checks 8, 11, 12, 14, 18; -1: the default/KSR's */
	long range_min[HL_CHK_COUNT], range_max[HL_CHK_COUNT];
	char domains[HL_MAX_DOMAINS][256];
	size_t ndomains;
	unsigned bundle_count;                  /* KSR-BUNDLE-COUNT */
	unsigned prev_bundle_count;             /* SKR-PREVIOUS-VALID */
	unsigned keys_per_bundle[HL_MAX_SLOTS]; /* KSR-POLICY-KEYS */
	unsigned distinct_keys;                 /* KSR-POLICY-KEYS */
	unsigned algs[8];                       /* KSR-POLICY-ALG: approved algorithms */
	size_t nalgs;
	unsigned rsa_size; /* KSR-POLICY-ALG */
	unsigned long rsa_exponent;
	int ecdsa_enabled, eddsa_enabled;
	int keys_check_exponent; /* KSR-BUNDLE-KEYS vs the KSR policy */
	long horizon;            /* KSR-POLICY-SIG-HORIZON, seconds */
	long hold_down;          /* SKR-KSK-CONTINUITY: RFC 5011 hold-down, seconds */
	unsigned long ttl;       /* KSR-POLICY-TTL: the DNSKEY and RRSIG TTL */
	hl_policy_t ksk;         /* ResponsePolicy/KSK written to the SKR */
} hl_policy_cfg_t;

/* The root zone's defaults (checks.md). */
void hl_policy_cfg_defaults(hl_policy_cfg_t *cfg);

/* Warnings (check 22 and skipped checks) go here; NULL: stderr. */
typedef void (*hl_warn_fn)(void *ctx, const char *check, const char *msg);
void hl_checks_set_warn(hl_warn_fn fn, void *ctx);
void hl_check_warn(hl_check_id_t id, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Every check's outcome also goes here (the ceremony record): rc 0 passed, -1 refused (msg
 * says why), 1 switched off, 2 a warning. */
typedef void (*hl_result_fn)(void *ctx, const char *check, int rc, const char *msg);
void hl_checks_set_result(hl_result_fn fn, void *ctx);
/* Reports a check's rc (0 passed, -1 refused with err, 1 off) to the result hook; returns -1
 * when it refused, else 0. */
int hl_check_report(hl_check_id_t id, int rc, const hl_err_t *err);
/* Runs `call` when the check is enabled in policy `c`, reporting its result either way. */
#define HL_RUN_CHECK(c, id, call) \
	((c)->enabled[id] ? hl_check_report(id, (call), err) : hl_check_report(id, 1, NULL))

/* Checks 3-14 (and 22's warning) on a KSR alone. `now` is the clock for the horizon. */
int hl_check_ksr(const hl_ksr_t *ksr, const hl_policy_cfg_t *cfg, time_t now, hl_err_t *err);
/* Check 15: the previous SKR has bundle_count bundles and each signature verifies. */
int hl_check_previous(const hl_ksr_t *prev, const hl_policy_cfg_t *cfg, hl_err_t *err);
/* Checks 16-18: the KSR chains to the previous SKR. */
int hl_check_chain(const hl_ksr_t *ksr, const hl_ksr_t *prev, const hl_policy_cfg_t *cfg,
		   hl_err_t *err);
/* Checks 27-28 on a new SKR (prev may be NULL: the publish-safety half is skipped). */
int hl_check_after(const hl_ksr_t *skr, const hl_ksr_t *prev, const hl_policy_cfg_t *cfg,
		   hl_err_t *err);
/* Check 29 (SKR-KSK-CONTINUITY): every KSK published in prev's last bundle (prev may be NULL)
 * or in a bundle of k stays published in every later bundle of k, unless it was published
 * revoked (flags 385) for at least cfg->hold_down before it disappears. */
int hl_check_ksk_continuity(const hl_ksr_t *k, const hl_ksr_t *prev, long hold_down, hl_err_t *err);
/* KSR-BUNDLE-UNIQUE on any KSR or SKR: no two bundles share an id. */
int hl_check_bundle_ids(const hl_ksr_t *k, hl_err_t *err);
/* Verifies every signature of every bundle with the key named by its keyIdentifier;
 * the failure is reported under check `id`. */
int hl_check_signatures(const hl_ksr_t *k, hl_check_id_t id, hl_err_t *err);

/* RSA modulus bits and exponent of a DNSKEY public key (alg 5/7/8/10); 0 or -1. */
int hl_rsa_pub_info(const hl_key_t *k, unsigned *bits, unsigned long *exponent);
