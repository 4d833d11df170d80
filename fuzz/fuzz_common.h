/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab fuzz targets: what the targets share. Parsers that only take a path get the input
 * written to a file in one private temporary directory per process (removed at exit); the
 * fixed keys let the seed generator make inputs that pass the MACs, so the fuzzer starts
 * past them. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry points; the replay driver (replay.c) calls them the same way. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* The process's temporary directory (made on first use, removed at exit). */
const char *hl_fuzz_dir(void);
/* Writes data to <dir>/name and returns the path (static storage, valid until the next call
 * with the same name). Aborts when the file cannot be written: the harness is broken. */
const char *hl_fuzz_file(const char *name, const uint8_t *data, size_t size);
/* The same text NUL-terminated in a malloc'd copy (caller frees). */
char *hl_fuzz_cstr(const uint8_t *data, size_t size);

/* Secrets of the backup domain (both vendors) and audit key the seeds were made with. */
#define HL_FUZZ_DOMAIN_SECRET "hsmlab fuzz backup domain secret"
#define HL_FUZZ_AUDIT_SECRET "hsmlab fuzz audit key secret...."
#define HL_FUZZ_CARD_PIN "246810"
