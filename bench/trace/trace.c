/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: a PKCS#11 module that loads the module HSMLAB_TRACE_MODULE names,
 * forwards every call to it and records each call as one JSON Lines record (trace_rec.c)
 * in HSMLAB_TRACE_OUT (default: stderr). It offers the v2.40 function list, and the v3.0
 * interface when the wrapped module has one (C_GetInterface). bench/README.md documents it. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/p11client.h"
#include "trace_fns.h"
#include "trace_int.h"

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static hl_p11_module_t *under_mod;
static CK_FUNCTION_LIST list240;
static CK_FUNCTION_LIST_3_0 list30;
static CK_INTERFACE ifaces[2];
static CK_ULONG nifaces;
static int redact_wrapped, redact_plaintext;

CK_FUNCTION_LIST_PTR hl_trace_under(void)
{
	return hl_p11_module_fn(under_mod);
}

CK_FUNCTION_LIST_3_0_PTR hl_trace_under3(void)
{
	return hl_p11_module_fn3(under_mod);
}

int hl_trace_redact_wrapped(void)
{
	return redact_wrapped;
}

int hl_trace_redact_plaintext(void)
{
	return redact_plaintext;
}

static int env_flag(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && *v != '\0' && strcmp(v, "0") != 0;
}

/* Loads the wrapped module once, on the first entry point a client calls; nothing is
 * initialised here (the client's C_Initialize is forwarded like every call). */
static void load(void)
{
	const char *path = getenv("HSMLAB_TRACE_MODULE");
	char err[512];

	redact_wrapped = env_flag("HSMLAB_TRACE_REDACT_WRAPPED");
	redact_plaintext = env_flag("HSMLAB_TRACE_REDACT_PLAINTEXT");
	if (path == NULL || *path == '\0') {
		fprintf(stderr, "libhsmlab-trace: HSMLAB_TRACE_MODULE is not set: it names the "
				"PKCS#11 module to trace\n");
		return;
	}
	under_mod = hl_p11_module_load(path, 1, err, sizeof err);
	if (under_mod == NULL) {
		fprintf(stderr, "libhsmlab-trace: HSMLAB_TRACE_MODULE: %s\n", err);
		return;
	}
	hl_trace_fill(&list30);
	memcpy(&list240, &list30, sizeof list240);
	list240.version = (CK_VERSION){ 2, 40 };
	list30.version = (CK_VERSION){ 3, 0 };
	if (hl_trace_under3() != NULL) {
		ifaces[nifaces].pInterfaceName = (CK_UTF8CHAR *)"PKCS 11";
		ifaces[nifaces++].pFunctionList = &list30;
	}
	ifaces[nifaces].pInterfaceName = (CK_UTF8CHAR *)"PKCS 11";
	ifaces[nifaces++].pFunctionList = &list240;
}

static int loaded(void)
{
	pthread_once(&load_once, load);
	return under_mod != NULL;
}

__attribute__((destructor)) static void unload(void)
{
	hl_p11_module_free(under_mod);
	under_mod = NULL;
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR pp)
{
	hl_trace_rec_t r;

	if (!loaded())
		return CKR_GENERAL_ERROR;
	hl_trace_begin(&r, "C_GetFunctionList");
	if (pp == NULL) {
		hl_trace_result(&r, CKR_ARGUMENTS_BAD);
		return hl_trace_end(&r, CKR_ARGUMENTS_BAD);
	}
	*pp = &list240;
	hl_trace_result(&r, CKR_OK);
	hl_trace_version(&r, "version", list240.version);
	return hl_trace_end(&r, CKR_OK);
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	hl_trace_rec_t r;
	CK_RV rv = CKR_OK;

	if (!loaded())
		return CKR_GENERAL_ERROR;
	hl_trace_begin(&r, "C_GetInterfaceList");
	hl_trace_bool(&r, "list", list != NULL);
	hl_trace_ulp(&r, "count", count);
	if (count == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (list != NULL && *count < nifaces)
		rv = CKR_BUFFER_TOO_SMALL;
	else if (list != NULL)
		memcpy(list, ifaces, nifaces * sizeof *list);
	if (count != NULL)
		*count = nifaces;
	hl_trace_result(&r, rv);
	hl_trace_ulp(&r, "count", count);
	return hl_trace_end(&r, rv);
}

/* The interface asked for: name NULL or "PKCS 11", version NULL (the newest) or one we
 * offer; the v3.0 list only when the wrapped module has one. */
static CK_INTERFACE_PTR pick(const CK_UTF8CHAR *name, const CK_VERSION *v)
{
	if (name != NULL && strcmp((const char *)name, "PKCS 11") != 0)
		return NULL;
	for (CK_ULONG i = 0; i < nifaces; i++) {
		const CK_VERSION *iv = ifaces[i].pFunctionList;

		if (v == NULL || (v->major == iv->major && v->minor == iv->minor))
			return &ifaces[i];
	}
	return NULL;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version, CK_INTERFACE_PTR_PTR pp,
		     CK_FLAGS flags)
{
	CK_INTERFACE_PTR iface;
	hl_trace_rec_t r;
	CK_RV rv = CKR_OK;

	if (!loaded())
		return CKR_GENERAL_ERROR;
	hl_trace_begin(&r, "C_GetInterface");
	hl_trace_str(&r, "name", (const char *)name);
	if (version != NULL)
		hl_trace_version(&r, "version", *version);
	hl_trace_num(&r, "flags", flags);
	iface = pick(name, version);
	if (pp == NULL)
		rv = CKR_ARGUMENTS_BAD;
	else if (iface == NULL || (flags & ~iface->flags) != 0)
		rv = CKR_FUNCTION_FAILED; /* what v3.0 says for "no such interface" */
	else
		*pp = iface;
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_version(&r, "version", *(const CK_VERSION *)iface->pFunctionList);
	return hl_trace_end(&r, rv);
}
