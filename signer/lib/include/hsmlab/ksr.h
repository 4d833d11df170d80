/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the in-memory form of a KSR or SKR, its XML reader and writer, and the
 * time and duration helpers the formats need. */
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <time.h>

/* -- errors -- */

/* Every failure carries the name of the check (or "LOAD"/"XML"/"CONFIG"/...) and a message
 * naming the file, line, bundle and field at fault. */
typedef struct hl_err {
	char check[48];
	char msg[768];
} hl_err_t;

void hl_err_set(hl_err_t *err, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* -- the model -- */

typedef struct hl_key {
	char *id; /* keyIdentifier */
	int line;
	unsigned tag_stated;
	uint32_t ttl;
	unsigned flags, protocol, alg;
	unsigned char *pub;
	size_t publen;
} hl_key_t;

typedef struct hl_sig {
	char *key_id;
	int line;
	uint32_t ttl, orig_ttl;
	unsigned type_covered, alg, labels, key_tag;
	time_t inception, expiration;
	char *signers_name;
	unsigned char *data;
	size_t datalen;
} hl_sig_t;

typedef struct hl_bundle {
	char *id;
	int line;
	time_t inception, expiration;
	hl_key_t *keys;
	size_t nkeys;
	hl_sig_t *sigs;
	size_t nsigs;
	size_t nsigners; /* <Signer> elements seen (ignored, check 22) */
} hl_bundle_t;

#define HL_MAX_POLICY_ALGS 8
typedef struct hl_sigalg {
	unsigned alg;
	unsigned size;
	unsigned long exponent; /* 0 for ECDSA */
} hl_sigalg_t;

typedef struct hl_policy {
	int present;
	long publish_safety, retire_safety; /* seconds */
	long max_validity, min_validity, max_overlap, min_overlap;
	hl_sigalg_t algs[HL_MAX_POLICY_ALGS];
	size_t nalgs;
} hl_policy_t;

typedef struct hl_ksr {
	char *path;
	unsigned char sha256[32]; /* of the exact bytes parsed (what the operator confirms) */
	char *id, *serial, *domain, *timestamp;
	int is_response; /* 1: SKR (<Response>), 0: KSR (<Request>) */
	hl_policy_t ksk_policy, zsk_policy;
	hl_bundle_t *bundles;
	size_t nbundles;
} hl_ksr_t;

/* 1 when s is a KSR/SKR serial: a non-negative decimal integer of at most 10 digits and at
 * most 4294967295 (digits only: no sign, no blanks, not empty). */
int hl_serial_valid(const char *s);
/* Writes s (NULL: nothing) with & < > " as XML/HTML entities. */
void hl_xml_put_escaped(FILE *f, const char *s);

/* Frees everything; NULL is a no-op. */
void hl_ksr_free(hl_ksr_t *ksr);
/* Deep copies (caller frees with hl_ksr_free / hl_key_clear). NULL on allocation failure. */
hl_ksr_t *hl_ksr_dup(const hl_ksr_t *ksr);
void hl_key_clear(hl_key_t *k);
void hl_sig_clear(hl_sig_t *s);
void hl_bundle_clear(hl_bundle_t *b);
int hl_key_copy(hl_key_t *dst, const hl_key_t *src);
int hl_sig_copy(hl_sig_t *dst, const hl_sig_t *src);
/* Appends copies; 0 or -1 (allocation). */
int hl_bundle_add_key(hl_bundle_t *b, const hl_key_t *k);
int hl_bundle_add_sig(hl_bundle_t *b, const hl_sig_t *s);

/* -- XML -- */

#define HL_KSR_MAX_FILE (1024 * 1024)

/* Reads a KSR or SKR (the kind is whatever the file holds). Refuses files over 1 MiB, DTDs,
 * duplicate or unknown elements, bad base64, non-UTC times, missing fields (checks 1, 2:
 * LOAD-BUNDLE-FIELDS, LOAD-KEY-FIELDS). On success *out is caller-owned. */
int hl_ksr_load(const char *path, hl_ksr_t **out, hl_err_t *err);
int hl_ksr_parse(const char *buf, size_t len, const char *name, hl_ksr_t **out, hl_err_t *err);

/* Writes an SKR (with_decl=1, <Response>) or a KSR (with_decl=0, <Request>) in the layout of
 * the real files. Atomic: a temp file in the same directory, fsync, rename, fsync dir. */
int hl_ksr_write(const hl_ksr_t *ksr, const char *path, hl_err_t *err);
/* The same text in memory (caller frees). */
char *hl_ksr_format(const hl_ksr_t *ksr, size_t *len_out);

/* -- time -- */

/* "2018-01-01T00:00:00", optionally "+00:00" or "Z"; other zones refused. 0 or -1. */
int hl_time_parse(const char *s, time_t *out);
/* "YYYY-MM-DDTHH:MM:SS+00:00" into buf (at least 32 bytes). */
void hl_time_format(time_t t, char *buf, size_t len);
/* xsd:duration without years or months: P10D, PT0S, P14DT23H59M59S. 0 or -1. */
int hl_duration_parse(const char *s, long *seconds_out);
void hl_duration_format(long seconds, char *buf, size_t len);
