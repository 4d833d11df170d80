/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: putting keys on a token: PEM import through C_CreateObject (test keys from
 * the corpus) and on-token generation (ksr-gen --create). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hsmlab/hsm.h"
#include "hsmlab/p11import.h"

static const unsigned char p256_oid[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

#define ATTR(t, p, l)                         \
	{                                     \
		t, (void *)(p), (CK_ULONG)(l) \
	}

int hl_hsm_import_pem(hl_hsm_module_t *m, const char *pem_path, const char *label, hl_err_t *err)
{
	FILE *f = fopen(pem_path, "r");
	EVP_PKEY *pk = NULL;
	CK_RV rv;

	if (f == NULL) {
		hl_err_set(err, "IO", "%s: cannot open", pem_path);
		return -1;
	}
	pk = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (pk == NULL) {
		hl_err_set(err, "IO", "%s: not a PEM private key", pem_path);
		return -1;
	}
	rv = hl_p11_import_pkey(m->fn, m->session, pk, label, NULL, NULL);
	EVP_PKEY_free(pk);
	if (rv != CKR_OK) {
		hl_err_set(err, "HSM", "module %s: importing %s as %s: %s", m->name, pem_path,
			   label, hl_ckr_name(rv));
		return -1;
	}
	return 0;
}

int hl_hsm_generate(hl_hsm_module_t *m, const char *label, unsigned alg, unsigned bits,
		    hl_err_t *err)
{
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG mbits = bits;
	static const unsigned char e65537[] = { 1, 0, 1 };
	size_t ll = strlen(label);
	CK_MECHANISM mech = { alg == 13 ? CKM_EC_KEY_PAIR_GEN : CKM_RSA_PKCS_KEY_PAIR_GEN, NULL,
			      0 };
	CK_OBJECT_HANDLE pub, priv;
	CK_ATTRIBUTE pt[5] = { ATTR(CKA_TOKEN, &yes, 1), ATTR(CKA_VERIFY, &yes, 1),
			       ATTR(CKA_LABEL, label, ll) };
	CK_ATTRIBUTE vt[6] = {
		ATTR(CKA_TOKEN, &yes, 1),      ATTR(CKA_PRIVATE, &yes, 1),
		ATTR(CKA_SENSITIVE, &yes, 1),  ATTR(CKA_SIGN, &yes, 1),
		ATTR(CKA_EXTRACTABLE, &no, 1), ATTR(CKA_LABEL, label, ll),
	};
	CK_ULONG np = 3;
	CK_RV rv;

	if (alg == 13) {
		pt[np++] = (CK_ATTRIBUTE)ATTR(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid));
	} else {
		pt[np++] = (CK_ATTRIBUTE)ATTR(CKA_MODULUS_BITS, &mbits, sizeof(mbits));
		pt[np++] = (CK_ATTRIBUTE)ATTR(CKA_PUBLIC_EXPONENT, e65537, sizeof(e65537));
	}
	rv = m->fn->C_GenerateKeyPair(m->session, &mech, pt, np, vt, 6, &pub, &priv);
	if (rv != CKR_OK) {
		hl_err_set(err, "HSM", "module %s: generating %s: %s", m->name, label,
			   hl_ckr_name(rv));
		return -1;
	}
	return 0;
}
