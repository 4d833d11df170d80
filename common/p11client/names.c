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

/* Vendor return codes a client may meet (quirk L6: Luna, from its client bindings). The
 * names are hsmlab's, made from what the code means; the vendor's header is not public. */
static const hl_ck_name_t vendor_ckr_names[] = {
	{ 0x80000007UL, "CKR_LUNA_USER_LOCKED_OUT" },
	{ 0x8000001CUL, "CKR_LUNA_SO_LOGIN_FAILURE_THRESHOLD" },
	{ 0x8000006EUL, "CKR_LUNA_STM_CMD_NON_TRANSPORT" },
	{ 0x80000076UL, "CKR_LUNA_HSM_TAMPERED" },
	{ 0x8000008DUL, "CKR_LUNA_RESTART_REQUIRED" },
	{ 0x80001600UL, "CKR_LUNA_TRANSPORT_ERROR" },
	{ 0x80001601UL, "CKR_LUNA_MAX_SESSIONS" },
	/* CKR_VENDOR_DEFINED + 0x1604 in Thales' bindings (0x1602 was hsmlab's old guess). */
	{ 0x80001604UL, "CKR_LUNA_BUSY" },
	{ 0x80001603UL, "CKR_LUNA_NETWORK_ERROR" },
	{ 0x80001606UL, "CKR_LUNA_SERVICE_UNAVAILABLE" },
	{ 0, NULL },
};

/* -- public API -- */

const char *hl_ckr_name(CK_RV rv)
{
	static _Thread_local char vendor[48];

	if (rv < CKR_VENDOR_DEFINED)
		return lookup(hl_ckr_names, rv, "CKR");
	for (const hl_ck_name_t *e = vendor_ckr_names; e->name != NULL; e++)
		if (e->value == rv)
			return e->name;
	snprintf(vendor, sizeof vendor, "CKR_VENDOR_DEFINED+0x%lx", rv - CKR_VENDOR_DEFINED);
	return vendor;
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
	static const hl_ck_name_t *const tables[] = {
		hl_ckr_names, hl_ckm_names, hl_cka_names,
		hl_ckk_names, hl_cko_names, vendor_ckr_names
	};

	for (size_t t = 0; t < sizeof tables / sizeof tables[0]; t++)
		for (const hl_ck_name_t *e = tables[t]; e->name != NULL; e++)
			if (strcmp(e->name, name) == 0) {
				*value_out = e->value;
				return 0;
			}
	return -1;
}
