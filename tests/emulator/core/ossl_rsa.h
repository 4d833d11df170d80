/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the linked PKCS#11 layer: OpenSSL's copy of an RSA public key the module made
 * (from its CKA_MODULUS and CKA_PUBLIC_EXPONENT), to check the module's output with. */
#pragma once

#include <criterion/criterion.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "hsmlab/pkcs11.h"

/* OpenSSL's RSA public key from the module's modulus and exponent. */
static inline EVP_PKEY *rsa_public(const CK_BYTE *n, size_t nl, const CK_BYTE *e, size_t el)
{
	BIGNUM *bn = BN_bin2bn(n, (int)nl, NULL), *be = BN_bin2bn(e, (int)el, NULL);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	cr_assert(bn && be && b && OSSL_PARAM_BLD_push_BN(b, "n", bn) == 1 &&
		  OSSL_PARAM_BLD_push_BN(b, "e", be) == 1);
	OSSL_PARAM *p = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	cr_assert(ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p) == 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return k;
}
