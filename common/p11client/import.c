/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: an OpenSSL key pair put on a token with C_CreateObject (the signer's PEM test keys,
 * the benchmark's keys: module and raw OpenSSL then sign with identical keys). */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <string.h>

#include "hsmlab/p11import.h"

static const unsigned char p256_params[] = { 0x06, 0x08, 0x2a, 0x86, 0x48,
					     0xce, 0x3d, 0x03, 0x01, 0x07 };

/* -- import -- */

enum { MAX_PARTS = 8 };

typedef struct {
	CK_ATTRIBUTE_TYPE type;
	const char *param;
	int secret;
} part_t;

/* RSA components, in PKCS#11 terms, with their OpenSSL parameter names. */
static const part_t rsa_parts[] = {
	{ CKA_MODULUS, OSSL_PKEY_PARAM_RSA_N, 0 },
	{ CKA_PUBLIC_EXPONENT, OSSL_PKEY_PARAM_RSA_E, 0 },
	{ CKA_PRIVATE_EXPONENT, OSSL_PKEY_PARAM_RSA_D, 1 },
	{ CKA_PRIME_1, OSSL_PKEY_PARAM_RSA_FACTOR1, 1 },
	{ CKA_PRIME_2, OSSL_PKEY_PARAM_RSA_FACTOR2, 1 },
	{ CKA_EXPONENT_1, OSSL_PKEY_PARAM_RSA_EXPONENT1, 1 },
	{ CKA_EXPONENT_2, OSSL_PKEY_PARAM_RSA_EXPONENT2, 1 },
	{ CKA_COEFFICIENT, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, 1 },
};

typedef struct {
	CK_ATTRIBUTE priv[24], pub[16];
	CK_ULONG npriv, npub;
	unsigned char *bufs[MAX_PARTS + 1];
	size_t lens[MAX_PARTS + 1];
	size_t nbufs;
} tmpl_t;

static void add(CK_ATTRIBUTE *t, CK_ULONG *n, CK_ATTRIBUTE_TYPE type, const void *v, size_t len)
{
	t[*n].type = type;
	t[*n].pValue = (void *)v;
	t[(*n)++].ulValueLen = len;
}

/* A big-number parameter as big-endian bytes (padded to `pad` when non-zero), kept in tm. */
static unsigned char *bn_bytes(tmpl_t *tm, const EVP_PKEY *pk, const char *param, int pad,
			       size_t *len_out)
{
	BIGNUM *bn = NULL;
	unsigned char *b;
	int len;

	if (tm->nbufs > MAX_PARTS || EVP_PKEY_get_bn_param(pk, param, &bn) != 1)
		return NULL;
	len = pad ? pad : BN_num_bytes(bn);
	b = OPENSSL_zalloc((size_t)len + 1);
	if (b != NULL && BN_bn2binpad(bn, b, len) != len) {
		OPENSSL_clear_free(b, (size_t)len + 1);
		b = NULL;
	}
	BN_clear_free(bn);
	if (b == NULL)
		return NULL;
	tm->bufs[tm->nbufs] = b;
	tm->lens[tm->nbufs++] = (size_t)len + 1;
	*len_out = (size_t)len;
	return b;
}

static void tmpl_clear(tmpl_t *tm)
{
	for (size_t i = 0; i < tm->nbufs; i++)
		OPENSSL_clear_free(tm->bufs[i], tm->lens[i]);
	tm->nbufs = 0;
}

static int key_parts(tmpl_t *tm, const EVP_PKEY *pk, unsigned char *point, size_t *pointlen)
{
	size_t len;
	unsigned char *b;

	if (EVP_PKEY_is_a(pk, "RSA")) {
		for (size_t i = 0; i < sizeof rsa_parts / sizeof rsa_parts[0]; i++) {
			b = bn_bytes(tm, pk, rsa_parts[i].param, 0, &len);
			if (b == NULL)
				return -1;
			add(tm->priv, &tm->npriv, rsa_parts[i].type, b, len);
			if (!rsa_parts[i].secret)
				add(tm->pub, &tm->npub, rsa_parts[i].type, b, len);
		}
		return 0;
	}
	/* EC P-256: the scalar, and the point as a DER OCTET STRING (what PKCS#11 wants). */
	b = bn_bytes(tm, pk, OSSL_PKEY_PARAM_PRIV_KEY, 32, &len);
	if (b == NULL ||
	    EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, point + 2, 65, pointlen) !=
		1 ||
	    *pointlen != 65)
		return -1;
	point[0] = 0x04;
	point[1] = 65;
	*pointlen = 67;
	add(tm->priv, &tm->npriv, CKA_VALUE, b, len);
	add(tm->priv, &tm->npriv, CKA_EC_PARAMS, p256_params, sizeof p256_params);
	add(tm->pub, &tm->npub, CKA_EC_PARAMS, p256_params, sizeof p256_params);
	add(tm->pub, &tm->npub, CKA_EC_POINT, point, *pointlen);
	return 0;
}

CK_RV hl_p11_import_pkey(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const EVP_PKEY *pk,
			 const char *label, CK_OBJECT_HANDLE *priv_out, CK_OBJECT_HANDLE *pub_out)
{
	static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	static CK_OBJECT_CLASS priv_cls = CKO_PRIVATE_KEY, pub_cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = EVP_PKEY_is_a(pk, "RSA") ? CKK_RSA : CKK_EC;
	unsigned char point[72];
	size_t pointlen = 0, ll = strlen(label);
	CK_OBJECT_HANDLE priv = 0, pub = 0;
	tmpl_t tm = { .npriv = 0 };
	CK_RV rv = CKR_HOST_MEMORY;

	if (!EVP_PKEY_is_a(pk, "RSA") && !EVP_PKEY_is_a(pk, "EC"))
		return CKR_KEY_TYPE_INCONSISTENT;

	add(tm.priv, &tm.npriv, CKA_CLASS, &priv_cls, sizeof priv_cls);
	add(tm.pub, &tm.npub, CKA_CLASS, &pub_cls, sizeof pub_cls);
	add(tm.priv, &tm.npriv, CKA_KEY_TYPE, &kt, sizeof kt);
	add(tm.pub, &tm.npub, CKA_KEY_TYPE, &kt, sizeof kt);
	add(tm.priv, &tm.npriv, CKA_TOKEN, &yes, 1);
	add(tm.pub, &tm.npub, CKA_TOKEN, &yes, 1);
	add(tm.priv, &tm.npriv, CKA_LABEL, label, ll);
	add(tm.pub, &tm.npub, CKA_LABEL, label, ll);
	add(tm.priv, &tm.npriv, CKA_PRIVATE, &yes, 1);
	add(tm.priv, &tm.npriv, CKA_SENSITIVE, &yes, 1);
	add(tm.priv, &tm.npriv, CKA_SIGN, &yes, 1);
	add(tm.priv, &tm.npriv, CKA_EXTRACTABLE, &no, 1);
	add(tm.pub, &tm.npub, CKA_VERIFY, &yes, 1);
	if (key_parts(&tm, pk, point, &pointlen) != 0)
		goto out;
	rv = fn->C_CreateObject(s, tm.priv, tm.npriv, &priv);
	if (rv == CKR_OK)
		rv = fn->C_CreateObject(s, tm.pub, tm.npub, &pub);
	if (rv == CKR_OK && priv_out != NULL)
		*priv_out = priv;
	if (rv == CKR_OK && pub_out != NULL)
		*pub_out = pub;
out:
	tmpl_clear(&tm);
	return rv;
}
