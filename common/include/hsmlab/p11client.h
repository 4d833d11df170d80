/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: a small PKCS#11 client helper shared by the signer, the bench and the tests.
 * It loads any module by path (dlopen, RTLD_LOCAL), so the tools stay honest clients. */
#pragma once

#include <stddef.h>

#include "hsmlab/pkcs11.h"

/* -- names -- */

/* Symbolic names for return values, mechanisms, attributes, key types and classes, e.g.
 * "CKR_PIN_INCORRECT". Vendor return codes known to hsmlab have names too (quirk L6, e.g.
 * "CKR_LUNA_MAX_SESSIONS"); other vendor codes read "CKR_VENDOR_DEFINED+0x123". Other unknown
 * values give a "CKR_0x00000123"-style string. Those strings are held in thread-local
 * storage (valid until the next call from the same thread). Never NULL. */
const char *hl_ckr_name(CK_RV rv);
const char *hl_ckm_name(CK_MECHANISM_TYPE mech);
const char *hl_cka_name(CK_ATTRIBUTE_TYPE type);
const char *hl_ckk_name(CK_KEY_TYPE type);
const char *hl_cko_name(CK_OBJECT_CLASS cls);
/* The reverse (exact name, e.g. "CKM_SHA256_RSA_PKCS"); 0 on success, -1 if unknown. */
int hl_ck_value(const char *name, CK_ULONG *value_out);

/* The CKF_ flag names a profile file uses, per structure (flags.c). */
typedef enum { HL_CKF_SLOT, HL_CKF_TOKEN, HL_CKF_MECH } hl_ckf_kind_t;
typedef struct {
	const char *name;
	CK_FLAGS bit;
} hl_ckf_name_t;
/* The names of that kind, ending with a NULL name (static, borrowed). */
const hl_ckf_name_t *hl_ckf_names(hl_ckf_kind_t kind);
/* A flag's bit by its exact name, of any kind; 0 on success, -1 if unknown. */
int hl_ckf_value(const char *name, CK_FLAGS *value_out);

/* -- loading a module -- */

typedef struct hl_p11_module hl_p11_module_t;

/* Loads the module at `path`, gets its function list (C_GetFunctionList), and, unless
 * `init_args` is NULL and `no_init` is set, calls C_Initialize with init_args (NULL means
 * CKF_OS_LOCKING_OK). On failure returns NULL and writes a message naming the path and the
 * failing step into err (errlen bytes). The caller frees the result with hl_p11_module_free,
 * which calls C_Finalize (if it initialized) and dlclose. */
hl_p11_module_t *hl_p11_module_load(const char *path, int no_init, char *err, size_t errlen);
void hl_p11_module_free(hl_p11_module_t *mod);
/* Borrowed: valid until hl_p11_module_free. */
CK_FUNCTION_LIST_PTR hl_p11_module_fn(const hl_p11_module_t *mod);
/* The v3.0 list if the module offers C_GetInterface("PKCS 11", 3.0), else NULL. Borrowed. */
CK_FUNCTION_LIST_3_0_PTR hl_p11_module_fn3(const hl_p11_module_t *mod);
const char *hl_p11_module_path(const hl_p11_module_t *mod);

/* -- slots, login and key lookup -- */

/* Finds the slot whose token label (blank padded in CK_TOKEN_INFO) equals `label`, or, when
 * label is NULL, the first slot with a token. Returns CKR_OK and writes *slot_out, or
 * CKR_TOKEN_NOT_PRESENT when nothing matches, or the module's error. */
CK_RV hl_p11_find_slot(CK_FUNCTION_LIST_PTR fn, const char *label, CK_SLOT_ID *slot_out);

/* Finds objects with CKA_CLASS = cls and CKA_LABEL = label (label NULL: any). Writes up to
 * max handles into out and the count found into *count_out (which may exceed max). */
CK_RV hl_p11_find_by_label(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_CLASS cls,
			   const char *label, CK_OBJECT_HANDLE *out, CK_ULONG max,
			   CK_ULONG *count_out);

/* Reads one attribute with the two-call protocol. On CKR_OK *value_out is a malloc'd buffer
 * of *len_out bytes (the caller frees it; NULL when the length is 0). */
CK_RV hl_p11_get_attr(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE obj,
		      CK_ATTRIBUTE_TYPE type, unsigned char **value_out, CK_ULONG *len_out);

/* Copies a blank-padded fixed-size PKCS#11 string into a NUL-terminated one without the
 * padding. dst must hold n + 1 bytes. */
void hl_p11_unpad(char *dst, const unsigned char *src, size_t n);
