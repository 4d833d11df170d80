/* SPDX-License-Identifier: BSD-2-Clause
 * The shared integration body against the built libhsmlab.so in a throw-away lab. */
#include "hsmlab/p11client.h"
#include "testlab.h"

#define SUITE hsmlab
static testlab_t lab;

static const char *target_module(void)
{
	return getenv("HSMLAB_MODULE");
}
static void target_setup(void)
{
	testlab_make(&lab);
}
static void target_cleanup(void)
{
	testlab_remove(&lab);
}

/* hsmlab's strict profile follows the spec everywhere the body looks. */
static CK_RV target_deviation(const char *name)
{
	(void)name;
	return 0;
}

#include "p11_body.inc"
