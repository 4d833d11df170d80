/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: what the benchmark's files share (inside bench/lib only). */
#pragma once

#include <openssl/evp.h>

#include "hsmlab/bench/perf.h"
#include "hsmlab/p11client.h"

struct hl_perf {
	hl_perf_opts_t o;
	EVP_PKEY *rsa, *ec, *ed; /* RSA-2048, P-256, Ed25519 */
	EVP_PKEY *peer;          /* P-256: the other side of the ECDH workload */
	hl_perf_row_t *rows;
	size_t n, cap;
	char date[32], machine[512], openssl[64];
	char modules[8][200]; /* "name: manufacturer, description, version" */
	size_t nmodules;
};

/* One timed operation; returns 0 on success. `arg` is the workload's per-thread state. */
typedef int (*hl_perf_op_t)(void *arg);

/* Runs op for opts.seconds on `threads` threads (args[i] each), opts.runs times, and stores
 * the row (ops/s per run, pooled latency percentiles); size is the object count or 0.
 * With raw_op, each run is preceded by a raw OpenSSL run of the same work (row->raw). */
int hl_perf_measure(hl_perf_t *p, const char *target, const char *workload, size_t size,
		    hl_perf_op_t op, void **args, int threads, hl_perf_op_t raw_op,
		    void **raw_args);
/* Adds a row (values copied) and returns it, or NULL when out of memory. */
hl_perf_row_t *hl_perf_add(hl_perf_t *p, const char *target, const char *workload, size_t size,
			   const char *unit);
double hl_perf_now(void);

/* The inputs every workload signs: a message, its SHA-256 DigestInfo, an EMSA block. */
extern const unsigned char hl_perf_msg[32];
void hl_perf_digest_info(unsigned char out[51]);
void hl_perf_emsa_block(unsigned char out[256]);
