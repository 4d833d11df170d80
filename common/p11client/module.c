/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: loading a PKCS#11 module by path, and the lookups every client repeats. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/p11client.h"

struct hl_p11_module {
	void *dl;
	char *path;
	CK_FUNCTION_LIST_PTR fn;
	CK_FUNCTION_LIST_3_0_PTR fn3;
	int initialized;
};

/* -- loading -- */

static void find_v3(hl_p11_module_t *mod)
{
	CK_C_GetInterface get_interface;
	CK_INTERFACE_PTR iface = NULL;
	CK_VERSION v3 = { 3, 0 };

	*(void **)&get_interface = dlsym(mod->dl, "C_GetInterface");
	if (get_interface == NULL)
		return;
	if (get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &v3, &iface, 0) == CKR_OK && iface != NULL)
		mod->fn3 = iface->pFunctionList;
}

hl_p11_module_t *hl_p11_module_load(const char *path, int no_init, char *err, size_t errlen)
{
	hl_p11_module_t *mod = NULL;
	CK_C_GetFunctionList get_list;
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_RV rv;

	mod = calloc(1, sizeof *mod);
	if (mod == NULL || (mod->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	mod->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (mod->dl == NULL) {
		snprintf(err, errlen, "cannot load PKCS#11 module: %s", dlerror());
		goto fail;
	}
	*(void **)&get_list = dlsym(mod->dl, "C_GetFunctionList");
	if (get_list == NULL) {
		snprintf(err, errlen, "%s: not a PKCS#11 module (no C_GetFunctionList)", path);
		goto fail;
	}
	rv = get_list(&mod->fn);
	if (rv != CKR_OK || mod->fn == NULL) {
		snprintf(err, errlen, "%s: C_GetFunctionList: %s", path, hl_ckr_name(rv));
		goto fail;
	}
	find_v3(mod);
	if (!no_init) {
		rv = mod->fn->C_Initialize(&args);
		if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED) {
			snprintf(err, errlen, "%s: C_Initialize: %s", path, hl_ckr_name(rv));
			goto fail;
		}
		mod->initialized = rv == CKR_OK;
	}
	return mod;
fail:
	hl_p11_module_free(mod);
	return NULL;
}

void hl_p11_module_free(hl_p11_module_t *mod)
{
	if (mod == NULL)
		return;
	if (mod->initialized)
		mod->fn->C_Finalize(NULL);
	if (mod->dl != NULL)
		dlclose(mod->dl);
	free(mod->path);
	free(mod);
}

CK_FUNCTION_LIST_PTR hl_p11_module_fn(const hl_p11_module_t *mod)
{
	return mod->fn;
}

CK_FUNCTION_LIST_3_0_PTR hl_p11_module_fn3(const hl_p11_module_t *mod)
{
	return mod->fn3;
}

const char *hl_p11_module_path(const hl_p11_module_t *mod)
{
	return mod->path;
}

/* -- lookups -- */

void hl_p11_unpad(char *dst, const unsigned char *src, size_t n)
{
	while (n > 0 && (src[n - 1] == ' ' || src[n - 1] == '\0'))
		n--;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

CK_RV hl_p11_find_slot(CK_FUNCTION_LIST_PTR fn, const char *label, CK_SLOT_ID *slot_out)
{
	CK_SLOT_ID *slots = NULL;
	CK_ULONG count = 0;
	CK_RV rv;

	rv = fn->C_GetSlotList(CK_TRUE, NULL, &count);
	if (rv != CKR_OK)
		return rv;
	slots = calloc(count ? count : 1, sizeof *slots);
	if (slots == NULL)
		return CKR_HOST_MEMORY;
	rv = fn->C_GetSlotList(CK_TRUE, slots, &count);
	if (rv != CKR_OK)
		goto out;
	rv = CKR_TOKEN_NOT_PRESENT;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		char have[sizeof info.label + 1];

		if (fn->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		hl_p11_unpad(have, info.label, sizeof info.label);
		if (label == NULL || strcmp(have, label) == 0) {
			*slot_out = slots[i];
			rv = CKR_OK;
			break;
		}
	}
out:
	free(slots);
	return rv;
}

CK_RV hl_p11_find_by_label(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
			   const char *label, CK_OBJECT_HANDLE *out, CK_ULONG max,
			   CK_ULONG *count_out)
{
	CK_ATTRIBUTE tmpl[] = {
		{ CKA_CLASS, &cls, sizeof cls },
		{ CKA_LABEL, (void *)label, label ? strlen(label) : 0 },
	};
	CK_OBJECT_HANDLE batch[16];
	CK_ULONG got = 0, total = 0;
	CK_RV rv;

	rv = fn->C_FindObjectsInit(s, tmpl, label ? 2 : 1);
	if (rv != CKR_OK)
		return rv;
	/* Small batches, as ceremony tooling does: modules must cope with them. */
	do {
		rv = fn->C_FindObjects(s, batch, 16, &got);
		if (rv != CKR_OK)
			break;
		for (CK_ULONG i = 0; i < got; i++, total++)
			if (total < max)
				out[total] = batch[i];
	} while (got > 0);
	CK_RV rv2 = fn->C_FindObjectsFinal(s);
	if (rv == CKR_OK)
		rv = rv2;
	if (rv == CKR_OK)
		*count_out = total;
	return rv;
}

CK_RV hl_p11_get_attr(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
		      CK_ATTRIBUTE_TYPE type, unsigned char **value_out, CK_ULONG *len_out)
{
	CK_ATTRIBUTE a = { type, NULL, 0 };
	unsigned char *buf = NULL;
	CK_RV rv;

	rv = fn->C_GetAttributeValue(s, obj, &a, 1);
	if (rv != CKR_OK)
		return rv;
	if (a.ulValueLen == CK_UNAVAILABLE_INFORMATION)
		return CKR_ATTRIBUTE_TYPE_INVALID;
	if (a.ulValueLen > 0) {
		buf = malloc(a.ulValueLen);
		if (buf == NULL)
			return CKR_HOST_MEMORY;
		a.pValue = buf;
		rv = fn->C_GetAttributeValue(s, obj, &a, 1);
		if (rv != CKR_OK) {
			free(buf);
			return rv;
		}
	}
	*value_out = buf;
	*len_out = a.ulValueLen;
	return CKR_OK;
}
