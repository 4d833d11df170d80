/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab tests: throw-away labs under /tmp (never $HOME). Header-only, shared by the core,
 * module and admin tests. */
#pragma once

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
	char dir[64];  /* the temp dir */
	char lab[96];  /* <dir>/lab */
	char conf[96]; /* <dir>/hsmlab.conf */
} testlab_t;

/* Makes <tmp>/lab (0700) and a config naming it, and points HSMLAB_CONF at it. */
static inline void testlab_make(testlab_t *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/hsmlab-test-XXXXXX");
	cr_assert_not_null(mkdtemp(t->dir));
	snprintf(t->lab, sizeof(t->lab), "%s/lab", t->dir);
	snprintf(t->conf, sizeof(t->conf), "%s/hsmlab.conf", t->dir);
	cr_assert_eq(mkdir(t->lab, 0700), 0);
	FILE *f = fopen(t->conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s\";\n", t->lab);
	fclose(f);
	setenv("HSMLAB_CONF", t->conf, 1);
	setenv("HSMLAB_QUIET", "1", 1);
	if (!getenv("HSMLAB_PROFILE_DIR") && getenv("HSMLAB_SOURCE_DIR")) {
		char pd[512];
		snprintf(pd, sizeof(pd), "%s/fixtures/profiles", getenv("HSMLAB_SOURCE_DIR"));
		setenv("HSMLAB_PROFILE_DIR", pd, 1);
	}
}

/* A SoftHSMv2 token directory <dir>/tokens and config for it, with SOFTHSM2_CONF pointing at
 * it (SoftHSMv2 as the reference module, in the same throw-away directory). */
static inline void testlab_softhsm(testlab_t *t)
{
	char tokens[160], conf[160];
	snprintf(tokens, sizeof(tokens), "%s/tokens", t->dir);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", t->dir);
	cr_assert_eq(mkdir(tokens, 0700), 0);
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		tokens);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
}

static inline void testlab_remove(testlab_t *t)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->dir);
	if (t->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", t->dir);
}
