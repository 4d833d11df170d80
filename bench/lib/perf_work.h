/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the benchmark's sign/verify workload table (inside bench/lib only). */
#pragma once

#include "perf_int.h"

enum { HL_IN_MSG, HL_IN_DIGEST, HL_IN_DIGEST_INFO, HL_IN_EMSA, HL_IN_BLOCK };
/* Secret-key workloads: an AES-128 key (AES-GCM encrypt) or a 32-byte generic secret (HMAC),
 * the same value in the module (a session object) and for raw OpenSSL. */
enum { HL_SK_NONE, HL_SK_AES, HL_SK_HMAC };
extern const unsigned char hl_perf_secret[32];
extern const unsigned char hl_perf_gcm_iv[12];

typedef struct {
	const char *name;
	CK_MECHANISM_TYPE mech;
	int input;   /* HL_IN_*: what is handed to C_Sign / EVP */
	int ec;      /* HL_EC_*: an EC or Edwards key instead of RSA-2048 */
	int verify;  /* verify a signature instead of signing */
	int threads; /* one session (or EVP context) per thread */
	int secret;  /* HL_SK_*: a secret-key workload (ec and verify unused) */
	int derive;  /* ECDH with the peer's point into a session secret (then destroyed) */
} hl_perf_work_t;

enum { HL_EC_NONE, HL_EC_P256, HL_EC_ED25519 };

/* Terminated by a NULL name. */
extern const hl_perf_work_t hl_perf_works[];

/* Raw OpenSSL state for w on `w->threads` threads (args[i] each); 0 or -1. Free with
 * hl_perf_raw_free (also after a failure). hl_perf_raw_op is the timed operation. */
int hl_perf_raw_new(const hl_perf_t *p, const hl_perf_work_t *w, void *args[2]);
void hl_perf_raw_free(void *args[2]);
int hl_perf_raw_op(void *arg);

/* Writes a workload's input into buf (256 bytes room) and its length. */
void hl_perf_input(int kind, unsigned char *buf, size_t *len);
