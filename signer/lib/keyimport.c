/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: putting keys on a token: PEM import through C_CreateObject (test keys from
 * the corpus) and on-token generation (ksr-gen --create). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "hsmlab/hsm.h"

static const unsigned char p256_oid[] = {
	0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
};

typedef struct bnbuf {
	unsigned char *p;
	int len;
} bnbuf_t;

static void bn_clear(bnbuf_t *b)
{
	if (b->p != NULL)
		OPENSSL_clear_free(b->p, (size_t)b->len);
	b->p = NULL;
}

static int bn_get(const EVP_PKEY *pk, const char *name, bnbuf_t *out, int pad)
{
	BIGNUM *bn = NULL;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return -1;
	out->len = pad ? pad : BN_num_bytes(bn);
	out->p = OPENSSL_malloc((size_t)(out->len ? out->len : 1));
	if (out->p == NULL || BN_bn2binpad(bn, out->p, out->len) < 0) {
		BN_clear_free(bn);
		return -1;
	}
	BN_clear_free(bn);
	return 0;
}

#define ATTR(t, p, l)                         \
	{                                     \
		t, (void *)(p), (CK_ULONG)(l) \
	}

static CK_RV create(hl_hsm_module_t *m, CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE h;

	return m->fn->C_CreateObject(m->session, t, n, &h);
}

static CK_RV import_rsa(hl_hsm_module_t *m, const EVP_PKEY *pk, const char *label)
{
	static const char *const names[8] = {
		OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1
	};
	static const CK_ATTRIBUTE_TYPE types[8] = { CKA_MODULUS,          CKA_PUBLIC_EXPONENT,
						    CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
						    CKA_PRIME_2,          CKA_EXPONENT_1,
						    CKA_EXPONENT_2,       CKA_COEFFICIENT };
	CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY, uc = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	bnbuf_t b[8] = { 0 };
	CK_RV rv = CKR_FUNCTION_FAILED;
	size_t ll = strlen(label);

	for (int i = 0; i < 8; i++)
		if (bn_get(pk, names[i], &b[i], 0) != 0)
			goto out;
	CK_ATTRIBUTE priv[16] = {
		ATTR(CKA_CLASS, &pc, sizeof(pc)), ATTR(CKA_KEY_TYPE, &kt, sizeof(kt)),
		ATTR(CKA_TOKEN, &yes, 1),         ATTR(CKA_PRIVATE, &yes, 1),
		ATTR(CKA_SENSITIVE, &yes, 1),     ATTR(CKA_SIGN, &yes, 1),
		ATTR(CKA_EXTRACTABLE, &no, 1),    ATTR(CKA_LABEL, label, ll),
	};
	for (int i = 0; i < 8; i++)
		priv[8 + i] = (CK_ATTRIBUTE)ATTR(types[i], b[i].p, b[i].len);
	CK_ATTRIBUTE pub[7] = {
		ATTR(CKA_CLASS, &uc, sizeof(uc)),
		ATTR(CKA_KEY_TYPE, &kt, sizeof(kt)),
		ATTR(CKA_TOKEN, &yes, 1),
		ATTR(CKA_VERIFY, &yes, 1),
		ATTR(CKA_LABEL, label, ll),
		ATTR(CKA_MODULUS, b[0].p, b[0].len),
		ATTR(CKA_PUBLIC_EXPONENT, b[1].p, b[1].len),
	};
	rv = create(m, priv, 16);
	if (rv == CKR_OK)
		rv = create(m, pub, 7);
out:
	for (int i = 0; i < 8; i++)
		bn_clear(&b[i]);
	return rv;
}

static CK_RV import_ec(hl_hsm_module_t *m, const EVP_PKEY *pk, const char *label)
{
	CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY, uc = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_EC;
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	unsigned char point[67];
	size_t plen = 0, ll = strlen(label);
	bnbuf_t d = { 0 };
	CK_RV rv = CKR_FUNCTION_FAILED;

	if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, point + 2, 65, &plen) !=
		1 ||
	    plen != 65 || bn_get(pk, OSSL_PKEY_PARAM_PRIV_KEY, &d, 32) != 0)
		goto out;
	point[0] = 0x04; /* CKA_EC_POINT is the DER OCTET STRING of the point */
	point[1] = 65;
	CK_ATTRIBUTE priv[] = {
		ATTR(CKA_CLASS, &pc, sizeof(pc)),
		ATTR(CKA_KEY_TYPE, &kt, sizeof(kt)),
		ATTR(CKA_TOKEN, &yes, 1),
		ATTR(CKA_PRIVATE, &yes, 1),
		ATTR(CKA_SENSITIVE, &yes, 1),
		ATTR(CKA_SIGN, &yes, 1),
		ATTR(CKA_EXTRACTABLE, &no, 1),
		ATTR(CKA_LABEL, label, ll),
		ATTR(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)),
		ATTR(CKA_VALUE, d.p, d.len),
	};
	CK_ATTRIBUTE pub[] = {
		ATTR(CKA_CLASS, &uc, sizeof(uc)), ATTR(CKA_KEY_TYPE, &kt, sizeof(kt)),
		ATTR(CKA_TOKEN, &yes, 1),         ATTR(CKA_VERIFY, &yes, 1),
		ATTR(CKA_LABEL, label, ll),       ATTR(CKA_EC_PARAMS, p256_oid, sizeof(p256_oid)),
		ATTR(CKA_EC_POINT, point, 67),
	};
	rv = create(m, priv, sizeof(priv) / sizeof(priv[0]));
	if (rv == CKR_OK)
		rv = create(m, pub, sizeof(pub) / sizeof(pub[0]));
out:
	bn_clear(&d);
	return rv;
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
	if (EVP_PKEY_is_a(pk, "RSA"))
		rv = import_rsa(m, pk, label);
	else if (EVP_PKEY_is_a(pk, "EC"))
		rv = import_ec(m, pk, label);
	else
		rv = CKR_KEY_TYPE_INCONSISTENT;
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
