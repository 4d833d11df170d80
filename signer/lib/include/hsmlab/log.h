/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the ceremony record. ksr-signer --log FILE appends one line per event (the
 * config's, KSR's and SKR's SHA-256 with PGP words, every check and its result, the device
 * that signed, the operator's answer, device clock times); --syslog sends the same lines to
 * syslog (LOG_USER, ident "ksr-signer"). */
#pragma once

#include <stdarg.h>
#include <stdio.h>

#include "hsmlab/ksr.h"

typedef struct hl_log {
	FILE *f;        /* NULL: no file */
	int use_syslog; /* 1: every line to syslog as well */
} hl_log_t;

/* Opens path for appending (NULL: no file) and, when use_syslog, syslog. 0 or -1 (IO). */
int hl_log_open(hl_log_t *l, const char *path, int use_syslog, hl_err_t *err);
void hl_log_close(hl_log_t *l);
/* One record line, prefixed with the host's UTC time; l == NULL is a no-op. */
void hl_log(hl_log_t *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<what> <path> SHA-256 <hex> (PGP words: ...)" for a hash. */
void hl_log_hash(hl_log_t *l, const char *what, const char *path, const unsigned char h[32]);
/* The SHA-256 of a file's bytes; 0 or -1. */
int hl_file_sha256(const char *path, unsigned char out[32]);
