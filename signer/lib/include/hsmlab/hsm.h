/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the HSM side, through PKCS#11 only. Modules are loaded by path (with their
 * own environment set first), keys are found by CKA_LABEL and class, the signing mechanism is
 * chosen from the token's mechanism list. */
#pragma once

#include <stddef.h>

#include "hsmlab/ksr.h"
#include "hsmlab/pkcs11.h"
#include "hsmlab/p11client.h"

#define HL_MAX_ENV 8

typedef enum hl_pin_source { HL_PIN_NONE, HL_PIN_PROMPT, HL_PIN_FILE, HL_PIN_ENV } hl_pin_source_t;

typedef struct hl_hsm_module {
	char name[64];
	char library[512];
	char env_name[HL_MAX_ENV][64];
	char env_value[HL_MAX_ENV][512];
	size_t nenv;
	char token[33]; /* token label; empty: use slot */
	long slot;      /* -1: first slot with a token */
	hl_pin_source_t pin_source;
	char pin_arg[512]; /* file path or variable name */
	/* runtime */
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot_id;
	CK_SESSION_HANDLE session;
	char tok_label[33], tok_serial[17]; /* from C_GetTokenInfo, blanks trimmed */
	int tok_clock;                      /* CKF_CLOCK_ON_TOKEN */
} hl_hsm_module_t;

/* Sets the module's environment, loads it, finds the slot, opens a R/W session and logs in
 * with the PIN from its source. 0 or -1 (err names the module and the failing call). */
int hl_hsm_open(hl_hsm_module_t *m, hl_err_t *err);
/* Logs out, closes and unloads; safe on a module that never opened. */
void hl_hsm_close(hl_hsm_module_t *m);

typedef struct hl_hsm_key {
	hl_hsm_module_t *module; /* borrowed */
	CK_OBJECT_HANDLE priv;
	CK_KEY_TYPE type;
	unsigned bits;           /* RSA modulus bits or EC field bits */
	unsigned long exponent;  /* RSA only */
	unsigned char pub[1024]; /* DNSKEY public key field */
	size_t publen;
	unsigned alg;           /* DNSSEC algorithm: 8 or 13 */
	CK_MECHANISM_TYPE mech; /* chosen signing mechanism */
} hl_hsm_key_t;

/* Finds the private key labelled `label` in the first of the n modules that holds one and
 * reads its public half. Returns 0, 1 when no module holds it, -1 on error. */
int hl_hsm_find_key(hl_hsm_module_t *mods, size_t n, const char *label, hl_hsm_key_t *out,
		    hl_err_t *err);
/* Every module's copy of the key labelled `label` (at most max, in module order): *count
 * is how many. 0, or -1 on an error. */
int hl_hsm_find_all(hl_hsm_module_t *mods, size_t n, const char *label, hl_hsm_key_t *out,
		    size_t max, size_t *count, hl_err_t *err);
/* The CKA_LABELs of the token's private keys (at most max, each up to 63 characters): *n is
 * how many. 0, or -1 on an error. */
int hl_hsm_list_labels(hl_hsm_module_t *m, char (*labels)[64], size_t max, size_t *n,
		       hl_err_t *err);
/* The token's own clock (C_GetTokenInfo utcTime) as "YYYY-MM-DDTHH:MM:SSZ"; -1 when the
 * token has none. */
int hl_hsm_clock(const hl_hsm_module_t *m, char *buf, size_t len);
/* Picks the mechanism: `override` (a CKM_ name, may be NULL) or, from the token's list,
 * CKM_SHA256_RSA_PKCS, else CKM_RSA_PKCS (host hash + DigestInfo), else CKM_RSA_X_509 (full
 * EMSA-PKCS1-v1_5 block); CKM_ECDSA over a host SHA-256 for EC keys. */
int hl_hsm_choose_mech(hl_hsm_key_t *key, const char *override, hl_err_t *err);
/* Signs data for DNSSEC (RSA PKCS#1 v1.5 SHA-256 or ECDSA P-256 r||s). *sig_out malloc'd. */
int hl_hsm_sign(const hl_hsm_key_t *key, const unsigned char *data, size_t len,
		unsigned char **sig_out, size_t *siglen_out, hl_err_t *err);

/* Imports a PEM private key (RSA or EC P-256) as CKO_PRIVATE_KEY + CKO_PUBLIC_KEY objects
 * with CKA_LABEL = label, through C_CreateObject. 0 or -1. */
int hl_hsm_import_pem(hl_hsm_module_t *m, const char *pem_path, const char *label, hl_err_t *err);
/* Generates a key pair on the token: alg 8 (RSA bits, e=65537) or 13 (P-256). 0 or -1. */
int hl_hsm_generate(hl_hsm_module_t *m, const char *label, unsigned alg, unsigned bits,
		    hl_err_t *err);

/* A DNSKEY-shaped hl_key_t for an HSM key (id = label, flags given). Caller clears it. */
int hl_hsm_key_to_dnskey(const hl_hsm_key_t *hk, const char *label, unsigned flags, hl_key_t *out);
