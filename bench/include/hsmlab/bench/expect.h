/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: expected results per target, a data file of "check-id = value" lines.
 * A value is "any", one literal, or alternatives "a|b"; an id may be a glob ("mech.*").
 * Exact ids win over globs; among globs the first in the file wins. */
#pragma once

#include <stddef.h>
#include <stdio.h>

typedef struct hl_expect hl_expect_t;

/* Errors name the file and line. Free with hl_expect_free (NULL is a no-op). */
hl_expect_t *hl_expect_load(const char *path, char *err, size_t errlen);
hl_expect_t *hl_expect_new(void);
void hl_expect_free(hl_expect_t *e);
/* Adds (or, for an id already present, replaces) one expectation. 0 or -1 (no memory). */
int hl_expect_set(hl_expect_t *e, const char *id, const char *value);
/* Borrowed expectation for `id`, or NULL when none applies. */
const char *hl_expect_get(const hl_expect_t *e, const char *id);
