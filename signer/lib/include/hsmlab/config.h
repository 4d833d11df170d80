/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the tools' config file (libconfig): modules, KSKs, schemas, policy and the
 * ksr-gen settings. signer/doc/config.md describes every setting. */
#pragma once

#include <time.h>

#include "hsmlab/checks.h"
#include "hsmlab/hsm.h"

#define HL_MAX_MODULES 8
#define HL_MAX_KSKS 8
#define HL_MAX_SCHEMAS 16
#define HL_SLOTS 9

typedef struct hl_ksk_cfg {
	char label[64];
	unsigned alg, size;
	unsigned long exponent;
	long key_tag; /* -1: not configured */
	unsigned char ds[32];
	int has_ds;
	time_t valid_from, valid_until; /* 0: unbounded */
	char mechanism[64];             /* override, e.g. "CKM_RSA_X_509"; empty: choose */
	char token[33], serial[17];     /* the device to use (token label / serial); "": any */
} hl_ksk_cfg_t;

/* Per slot: bit i set = KSK i (index into ksks) is in the set. */
typedef struct hl_slot_sets {
	unsigned publish, sign, revoke;
} hl_slot_sets_t;

typedef struct hl_schema {
	char name[64];
	hl_slot_sets_t slots[HL_SLOTS];
} hl_schema_t;

typedef struct hl_gen_cfg {
	char keys[3][64]; /* old, current, next ZSK labels */
	unsigned alg, size;
	int create;
	long interval, validity; /* the cadence: P10D between inceptions, P21D per bundle */
	hl_policy_t zsk;         /* RequestPolicy/ZSK written into the KSR */
	unsigned long ttl;       /* the ZSKs' TTL: policy.ttl, so the signer's RRset has one */
} hl_gen_cfg_t;

/* The files a config was read from (the main file, then each @include as met), each with the
 * SHA-256 of the bytes parsed: the signer's log records them all. */
#define HL_MAX_CONFIG_FILES 32
typedef struct hl_config_source {
	char path[512];
	unsigned char sha256[32];
} hl_config_source_t;

typedef struct hl_config {
	char path[512];
	hl_config_source_t sources[HL_MAX_CONFIG_FILES];
	size_t nsources; /* 0 for a config parsed from a string */
	hl_hsm_module_t modules[HL_MAX_MODULES];
	size_t nmodules;
	hl_ksk_cfg_t ksks[HL_MAX_KSKS];
	size_t nksks;
	hl_schema_t schemas[HL_MAX_SCHEMAS];
	size_t nschemas;
	char schema[64]; /* the default schema's name */
	hl_policy_cfg_t policy;
	hl_gen_cfg_t gen;
} hl_config_t;

/* Reads the file into *cfg (which it initialises). Errors name file, line and setting. */
int hl_config_load(const char *path, hl_config_t *cfg, hl_err_t *err);
/* The same from a string (for tests); name is used in messages. */
int hl_config_parse(const char *text, const char *name, hl_config_t *cfg, hl_err_t *err);
/* ksr-gen --policy NAME=DURATION: one of publish_safety, retire_safety, max_validity,
 * min_validity, max_overlap, min_overlap (the KSR's ZSK policy), interval, validity. */
int hl_config_gen_set(hl_config_t *cfg, const char *assignment, hl_err_t *err);
/* The schema called name, or NULL. Borrowed. */
const hl_schema_t *hl_config_schema(const hl_config_t *cfg, const char *name);
/* Index of the KSK with this label, or -1. */
int hl_config_ksk(const hl_config_t *cfg, const char *label);
