/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the performance benchmark. Modules are loaded by path and measured beside
 * raw OpenSSL EVP on the same key material (the physical limit); results are data that the
 * table, JSON and Markdown writers share. No thresholds: timing is reported, never judged. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "hsmlab/bench/target.h"

enum { HL_PERF_MAX_RUNS = 16, HL_PERF_MAX_SIZES = 8 };

typedef struct {
	int runs;                        /* repetitions of each measurement (min/median/max) */
	double seconds;                  /* length of one timed run of a throughput workload */
	size_t sizes[HL_PERF_MAX_SIZES]; /* token object counts for find / cold start */
	size_t nsizes;
	size_t softhsm_max_objects; /* cap for SoftHSMv2 (file per object): larger skipped */
	size_t max_objects;         /* cap for every target (0: none) */
	const char *self_exe;       /* hsmlab-bench itself, for the cold-start child */
	FILE *log;                  /* progress lines, or NULL */
} hl_perf_opts_t;

/* One measured row. Throughput rows hold ops/s per run; cold start holds milliseconds;
 * memory holds KiB. Latency percentiles (µs) are pooled over all runs when measured. */
typedef struct {
	char target[64];
	char workload[48]; /* e.g. "sign rsa2048 CKM_SHA256_RSA_PKCS", "find by label" */
	size_t size;       /* object count for size-dependent rows, else 0 */
	char unit[12];     /* "ops/s", "ms", "KiB", "creates/s" */
	double v[HL_PERF_MAX_RUNS];
	int n;
	double raw[HL_PERF_MAX_RUNS]; /* raw OpenSSL, run just before each of v[] (paired) */
	int nraw;
	double p50, p90, p99; /* µs; 0 when not measured */
	char note[160];       /* why skipped, or what is special */
} hl_perf_row_t;

typedef struct hl_perf hl_perf_t;

/* A result set for one run; free with hl_perf_free (NULL is a no-op). Generates the shared
 * RSA-2048 and P-256 keys with OpenSSL. Returns NULL with err on failure. */
hl_perf_t *hl_perf_new(const hl_perf_opts_t *opts, char *err, size_t errlen);
void hl_perf_free(hl_perf_t *p);

/* Measures raw OpenSSL EVP on the shared keys (target "openssl"). */
int hl_perf_run_raw(hl_perf_t *p);
/* Prepares the target under rundir, loads its module, imports the shared keys as token
 * objects and measures every workload. Errors (module missing, token) are recorded as a
 * note row and returned as -1 with err set; the other targets still run. */
int hl_perf_run_target(hl_perf_t *p, hl_bench_target_t *t, const char *rundir, char *err,
		       size_t errlen);

size_t hl_perf_rows(const hl_perf_t *p);
const hl_perf_row_t *hl_perf_row(const hl_perf_t *p, size_t i);
/* Median of a row's runs. */
double hl_perf_median(const hl_perf_row_t *r);

/* Writers: a plain table for the terminal, JSON, and the README's Markdown section
 * (machine, date, versions, then the table). 0 or -1. */
int hl_perf_write_table(const hl_perf_t *p, FILE *out);
int hl_perf_write_json(const hl_perf_t *p, FILE *out);
int hl_perf_write_markdown(const hl_perf_t *p, FILE *out);

/* The cold-start measurement, run in a fresh process (hsmlab-bench perf-child): loads the
 * module, C_Initialize, finds the token, opens, logs in, finds the key by label, signs once.
 * Prints "ms=<elapsed> hwm_kib=<VmHWM>" on out. 0 or -1 with err. */
int hl_perf_cold_start(const char *module, const char *token, const char *pin,
		       const char *key_label, FILE *out, char *err, size_t errlen);
