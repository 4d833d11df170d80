/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: @include for the config files (inside signer/lib only). libconfig 1.5 looks
 * for every include in one directory and names no path when it fails; this expands them
 * before parsing, each relative to the file that includes it (or absolute), and keeps a map
 * from the expanded text's lines back to file:line for the error messages. */
#pragma once

#include <stddef.h>

#include "hsmlab/ksr.h"

typedef struct hl_srcmap {
	char **files;                /* every file read, in order */
	unsigned char (*sha256)[32]; /* per file: SHA-256 of the bytes read (what was parsed) */
	size_t nfiles;
	size_t *file_of; /* per expanded line (1-based index - 1): index into files */
	int *line_of;    /* per expanded line: its line in that file */
	size_t nlines, cap;
} hl_srcmap_t;

/* Reads path with its @include lines expanded; *text is malloc'd. 0, or -1 with err
 * (CONFIG) naming the include file that cannot be read and where it was included. */
int hl_config_expand(const char *path, char **text, hl_srcmap_t *map, hl_err_t *err);
/* "file:line" of an expanded line into buf. */
void hl_srcmap_where(const hl_srcmap_t *map, int line, char *buf, size_t len);
void hl_srcmap_free(hl_srcmap_t *map);
