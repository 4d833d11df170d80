/* SPDX-License-Identifier: BSD-2-Clause
 * The shared integration body against SoftHSMv2, the reference, with a throw-away token dir. */
#include "hsmlab/p11client.h"
#include "testlab.h"

#define SUITE softhsm
static testlab_t lab;

static const char *target_module(void)
{
	return getenv("HSMLAB_SOFTHSM2_MODULE");
}
static void target_setup(void)
{
	testlab_make(&lab);
	cr_assert_not_null(getenv("HSMLAB_SOFTHSM2_MODULE"), "HSMLAB_SOFTHSM2_MODULE unset");
	testlab_softhsm(&lab);
}
static void target_cleanup(void)
{
	testlab_remove(&lab);
}

/* SoftHSMv2 2.6's known deviations from the spec, as the body meets them. */
static CK_RV target_deviation(const char *name)
{
	static const struct {
		const char *name;
		CK_RV rv;
	} known[] = {
		{ "rsa_pkcs_too_long", CKR_GENERAL_ERROR }, /* instead of CKR_DATA_LEN_RANGE */
		{ "oaep_label", CKR_ARGUMENTS_BAD },        /* no OAEP source data (labels) */
		{ "unwrap_tampered", CKR_GENERAL_ERROR },   /* instead of CKR_WRAPPED_KEY_INVALID */
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].name, name) == 0)
			return known[i].rv;
	return 0;
}

#include "p11_body.inc"
