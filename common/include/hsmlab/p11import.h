/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: putting an OpenSSL key on a token with C_CreateObject (test and benchmark keys, the
 * corpus's PEM keys). Separate from p11client.h so that only its users link OpenSSL. */
#pragma once

#include <openssl/evp.h>

#include "hsmlab/pkcs11.h"

/* Creates the key pair pk (RSA, or EC P-256) as token objects labelled `label` in session s:
 * the private key private, sensitive, not extractable, for signing (RSA with its CRT parts);
 * the public key for verifying. On CKR_OK writes both handles (either out-pointer may be
 * NULL). CKR_KEY_TYPE_INCONSISTENT for other key types; otherwise the module's error. */
CK_RV hl_p11_import_pkey(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const EVP_PKEY *pk,
			 const char *label, CK_OBJECT_HANDLE *priv_out, CK_OBJECT_HANDLE *pub_out);
