/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: RSA-OAEP key wrapping on the strict module, each direction checked against OpenSSL
 * (the module wraps, OpenSSL decrypts; OpenSSL encrypts, the module unwraps), for SHA-1 and
 * SHA-2 with labels, and the parameter and key rules. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "ossl_rsa.h"
#include "p11ready.h"

TestSuite(oaep, .init = setup, .fini = teardown);

static const struct {
	CK_MECHANISM_TYPE hash;
	CK_RSA_PKCS_MGF_TYPE mgf;
	const char *md;
} hashes[] = {
	{ CKM_SHA_1, CKG_MGF1_SHA1, "SHA1" },
	{ CKM_SHA256, CKG_MGF1_SHA256, "SHA256" },
	{ CKM_SHA384, CKG_MGF1_SHA384, "SHA384" },
	{ CKM_SHA512, CKG_MGF1_SHA512, "SHA512" },
};

static CK_BBOOL yes = CK_TRUE;
static const CK_BYTE value[32] = { 0x10, 0x21, 0x32, 0x43, 0x54, 0x65, 0x76, 0x87, 0x98, 0xa9, 0xba,
				   0xcb, 0xdc, 0xed, 0xfe, 0x0f, 0x01, 0x12, 0x23, 0x34, 0x45, 0x56,
				   0x67, 0x78, 0x89, 0x9a, 0xab, 0xbc, 0xcd, 0xde, 0xef, 0xf0 };

/* An OpenSSL context for OAEP with hash md and label (copied) on key k. */
static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *k, bool enc, const char *md, const char *label)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
	cr_assert(c && (enc ? EVP_PKEY_encrypt_init(c) : EVP_PKEY_decrypt_init(c)) == 1);
	cr_assert_eq(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_OAEP_PADDING), 1);
	cr_assert_eq(EVP_PKEY_CTX_set_rsa_oaep_md_name(c, md, NULL), 1);
	cr_assert_eq(EVP_PKEY_CTX_set_rsa_mgf1_md_name(c, md, NULL), 1);
	size_t ll = strlen(label);
	if (ll) {
		void *l = OPENSSL_memdup(label, ll);
		cr_assert_eq(EVP_PKEY_CTX_set0_rsa_oaep_label(c, l, (int)ll), 1);
	}
	return c;
}

/* The module's public key object for OpenSSL's key k (wraps). */
static CK_OBJECT_HANDLE import_public(CK_SESSION_HANDLE s, EVP_PKEY *k)
{
	BIGNUM *n = NULL, *e = NULL;
	cr_assert_eq(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_N, &n), 1);
	cr_assert_eq(EVP_PKEY_get_bn_param(k, OSSL_PKEY_PARAM_RSA_E, &e), 1);
	CK_BYTE nb[512], eb[8];
	int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
	CK_OBJECT_CLASS cls = CKO_PUBLIC_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_MODULUS, nb, (CK_ULONG)nl },
			     { CKA_PUBLIC_EXPONENT, eb, (CK_ULONG)el },
			     { CKA_WRAP, &yes, 1 } };
	CK_OBJECT_HANDLE h;
	cr_assert_eq(C_CreateObject(s, t, 5, &h), CKR_OK);
	BN_free(n);
	BN_free(e);
	return h;
}

/* An extractable AES key with the fixed value. */
static CK_OBJECT_HANDLE extractable_aes(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE x = { CKA_EXTRACTABLE, &yes, 1 };
	return secret_key(s, CKK_AES, value, sizeof(value), &x, 1);
}

Test(oaep, module_wraps_openssl_unwraps)
{
	CK_SESSION_HANDLE s = ready(true);
	EVP_PKEY *k = EVP_RSA_gen(2048);
	CK_OBJECT_HANDLE pub = import_public(s, k), aes = extractable_aes(s);
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		const char *label = i % 2 ? "ksk-backup" : "";
		CK_RSA_PKCS_OAEP_PARAMS p = { hashes[i].hash, hashes[i].mgf, CKZ_DATA_SPECIFIED,
					      (void *)label, (CK_ULONG)strlen(label) };
		CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof(p) };
		CK_BYTE blob[256], back[256];
		CK_ULONG bl = 0;
		cr_assert_eq(C_WrapKey(s, &m, pub, aes, NULL, &bl), CKR_OK);
		cr_assert_eq(bl, 256);
		cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_OK);
		EVP_PKEY_CTX *c = oaep_ctx(k, false, hashes[i].md, label);
		size_t got = sizeof(back);
		cr_assert_eq(EVP_PKEY_decrypt(c, back, &got, blob, bl), 1, "%s", hashes[i].md);
		cr_assert_eq(got, sizeof(value));
		cr_assert_arr_eq(back, value, sizeof(value));
		EVP_PKEY_CTX_free(c);
	}
	EVP_PKEY_free(k);
}

/* The module's own key pair (2048 bits, the private half unwraps) and OpenSSL's copy of the
 * public half. */
static EVP_PKEY *module_pair(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_ULONG bits = 2048;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	CK_ATTRIBUTE kt[] = { { CKA_UNWRAP, &yes, 1 } };
	cr_assert_eq(C_GenerateKeyPair(s, &gen, pt, 1, kt, 1, pub, priv), CKR_OK);
	CK_BYTE n[256], e[8];
	CK_ATTRIBUTE get[] = { { CKA_MODULUS, n, sizeof(n) },
			       { CKA_PUBLIC_EXPONENT, e, sizeof(e) } };
	cr_assert_eq(C_GetAttributeValue(s, *pub, get, 2), CKR_OK);
	EVP_PKEY *k = rsa_public(n, get[0].ulValueLen, e, get[1].ulValueLen);
	return k;
}

Test(oaep, openssl_wraps_module_unwraps)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE pub, priv, got;
	EVP_PKEY *k = module_pair(s, &pub, &priv);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_EXTRACTABLE, &yes, 1 } };
	for (size_t i = 0; i < sizeof(hashes) / sizeof(hashes[0]); i++) {
		const char *label = i % 2 ? "" : "root-ksk";
		CK_BYTE blob[256], back[64];
		size_t bl = sizeof(blob);
		EVP_PKEY_CTX *c = oaep_ctx(k, true, hashes[i].md, label);
		cr_assert_eq(EVP_PKEY_encrypt(c, blob, &bl, value, sizeof(value)), 1);
		EVP_PKEY_CTX_free(c);
		CK_RSA_PKCS_OAEP_PARAMS p = { hashes[i].hash, hashes[i].mgf, CKZ_DATA_SPECIFIED,
					      (void *)label, (CK_ULONG)strlen(label) };
		CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof(p) };
		cr_assert_eq(C_UnwrapKey(s, &m, priv, blob, (CK_ULONG)bl, t, 3, &got), CKR_OK, "%s",
			     hashes[i].md);
		CK_ATTRIBUTE v = { CKA_VALUE, back, sizeof(back) };
		cr_assert_eq(C_GetAttributeValue(s, got, &v, 1), CKR_OK);
		cr_assert_eq(v.ulValueLen, sizeof(value));
		cr_assert_arr_eq(back, value, sizeof(value));
		/* Another label (or none) does not open the blob. */
		p.ulSourceDataLen = label[0] ? 0 : 3;
		p.pSourceData = (void *)"xyz";
		cr_assert_eq(C_UnwrapKey(s, &m, priv, blob, (CK_ULONG)bl, t, 3, &got),
			     CKR_WRAPPED_KEY_INVALID);
	}
	EVP_PKEY_free(k);
}

Test(oaep, parameter_and_key_rules)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE pub, priv, got;
	EVP_PKEY *k = module_pair(s, &pub, &priv);
	CK_OBJECT_HANDLE aes = extractable_aes(s);
	CK_RSA_PKCS_OAEP_PARAMS p = { CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof(p) };
	CK_BYTE blob[256];
	CK_ULONG bl = sizeof(blob);
	/* Unknown hash, no MGF, a source other than CKZ_DATA_SPECIFIED, a short structure. */
	p.hashAlg = CKM_MD5;
	cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_MECHANISM_PARAM_INVALID);
	p.hashAlg = CKM_SHA256;
	p.mgf = 0;
	cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_MECHANISM_PARAM_INVALID);
	p.mgf = CKG_MGF1_SHA256;
	p.source = 7;
	cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_MECHANISM_PARAM_INVALID);
	p.source = CKZ_DATA_SPECIFIED;
	m.ulParameterLen = 8;
	cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_MECHANISM_PARAM_INVALID);
	m.ulParameterLen = sizeof(p);
	/* A short buffer keeps nothing back: the length comes with the error. */
	bl = 10;
	cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_BUFFER_TOO_SMALL);
	cr_assert_eq(bl, 256);
	/* OAEP carries secret keys under an RSA key pair, nothing else. */
	CK_ATTRIBUTE w = { CKA_WRAP, &yes, 1 };
	CK_OBJECT_HANDLE kek = aes_key(s, &w, 1);
	cr_assert_eq(C_WrapKey(s, &m, kek, aes, blob, &bl), CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	cr_assert_eq(C_WrapKey(s, &m, priv, aes, blob, &bl), CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	cr_assert_eq(C_WrapKey(s, &m, pub, priv, blob, &bl), CKR_KEY_UNEXTRACTABLE);
	/* The blob: the modulus length exactly, and it must open. */
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) }, { CKA_KEY_TYPE, &kt, sizeof(kt) } };
	bl = sizeof(blob);
	cr_assert_eq(C_WrapKey(s, &m, pub, aes, blob, &bl), CKR_OK);
	cr_assert_eq(C_UnwrapKey(s, &m, priv, blob, bl - 1, t, 2, &got), CKR_WRAPPED_KEY_LEN_RANGE);
	cr_assert_eq(C_UnwrapKey(s, &m, pub, blob, bl, t, 2, &got),
		     CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	blob[100] ^= 1;
	cr_assert_eq(C_UnwrapKey(s, &m, priv, blob, bl, t, 2, &got), CKR_WRAPPED_KEY_INVALID);
	blob[100] ^= 1;
	cr_assert_eq(C_UnwrapKey(s, &m, priv, blob, bl, t, 2, &got), CKR_OK);
	/* A private key cannot come out of an OAEP blob. */
	CK_OBJECT_CLASS pc = CKO_PRIVATE_KEY;
	CK_KEY_TYPE rk = CKK_RSA;
	CK_ATTRIBUTE pt[] = { { CKA_CLASS, &pc, sizeof(pc) }, { CKA_KEY_TYPE, &rk, sizeof(rk) } };
	cr_assert_eq(C_UnwrapKey(s, &m, priv, blob, bl, pt, 2, &got), CKR_TEMPLATE_INCONSISTENT);
	CK_MECHANISM_INFO info;
	cr_assert_eq(C_GetMechanismInfo(slot, CKM_RSA_PKCS_OAEP, &info), CKR_OK);
	cr_assert(info.flags & CKF_WRAP && info.flags & CKF_UNWRAP);
	EVP_PKEY_free(k);
}
