/* SPDX-License-Identifier: BSD-2-Clause
 * Where hsmlab's files are, resolved at run time from the running file's own location, so
 * no source or build path is compiled into an installed binary (issue 17). */
#pragma once

#include <stddef.h>

#define HL_PATHS_MAX 1024

typedef struct hl_paths {
	char data[HL_PATHS_MAX];    /* profiles/, conformance/, scenarios/, ceremonies/, signer/ */
	char modules[HL_PATHS_MAX]; /* libhsmlab*.so */
	char admin[HL_PATHS_MAX];   /* directory of hsmlab-admin */
	char audit[HL_PATHS_MAX];   /* directory of hsmlab-audit-verify */
	char signer[HL_PATHS_MAX];  /* directory of ksr-signer, ksr-gen, skr-verify */
	char docs[HL_PATHS_MAX];    /* the tree the docs' relative paths start from */
	char source[HL_PATHS_MAX];  /* the source tree, "" when installed */
	char build[HL_PATHS_MAX];   /* the build tree, "" when installed */
} hl_paths_t;

/* Fills p for the file `self` (an executable in <bindir>, or a module in <libdir> when
 * in_libdir), NULL meaning this process's executable. In order: the build tree named by
 * $HSMLAB_BUILD_DIR; the installed layout around self (<prefix>/<datadir>/hsmlab exists);
 * the build tree self lies in (its hsmlab-tree.conf, found walking up); the configured
 * prefix. $HSMLAB_DATA_DIR then overrides data. Never fails: the last resort is the
 * configured prefix, and a missing file is reported by whoever opens it. */
void hl_paths_resolve(const char *self, int in_libdir, hl_paths_t *p);

/* The paths of this process's executable, resolved once (thread-safe). */
const hl_paths_t *hl_paths_get(void);
