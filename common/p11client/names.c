/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: symbolic names of PKCS#11 constants (for errors that name what went wrong). */
#include <stdio.h>
#include <string.h>

#include "ck_names_table.h"
#include "hsmlab/p11client.h"

static const char *lookup(const hl_ck_name_t *table, CK_ULONG value, const char *prefix)
{
	static _Thread_local char unknown[32];

	for (const hl_ck_name_t *e = table; e->name != NULL; e++)
		if (e->value == value)
			return e->name;
	snprintf(unknown, sizeof unknown, "%s_0x%08lx", prefix, value);
	return unknown;
}

/* -- public API -- */

const char *hl_ckr_name(CK_RV rv)
{
	return lookup(hl_ckr_names, rv, "CKR");
}

const char *hl_ckm_name(CK_MECHANISM_TYPE mech)
{
	return lookup(hl_ckm_names, mech, "CKM");
}

const char *hl_cka_name(CK_ATTRIBUTE_TYPE type)
{
	return lookup(hl_cka_names, type, "CKA");
}

const char *hl_ckk_name(CK_KEY_TYPE type)
{
	return lookup(hl_ckk_names, type, "CKK");
}

const char *hl_cko_name(CK_OBJECT_CLASS cls)
{
	return lookup(hl_cko_names, cls, "CKO");
}

int hl_ck_value(const char *name, CK_ULONG *value_out)
{
	static const hl_ck_name_t *const tables[] = { hl_ckr_names, hl_ckm_names, hl_cka_names,
						      hl_ckk_names, hl_cko_names };

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const hl_ck_name_t *e = tables[t]; e->name != NULL; e++)
			if (strcmp(e->name, name) == 0) {
				*value_out = e->value;
				return 0;
			}
	return -1;
}
