/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: a ciphertext made outside the trace (pkcs11-tool --test encrypts with
 * OpenSSL under the public key it read) only decrypts under the recording's key. Where the
 * trace kept the plaintext, the replay encrypts it again under the target's key (its public
 * values read from the private-key object) with the recorded padding, so C_Decrypt is
 * compared on an input the target can decrypt. And an imported RSA private key, whose
 * components the trace never holds, is made again as a fresh key of the same size. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "replay_int.h"

static EVP_PKEY *public_key(hl_replay_ctx_t *c, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	unsigned char n[1024], e[16];
	CK_ATTRIBUTE t[] = { { CKA_MODULUS, n, sizeof n }, { CKA_PUBLIC_EXPONENT, e, sizeof e } };
	OSSL_PARAM_BLD *b = NULL;
	OSSL_PARAM *p = NULL;
	BIGNUM *bn = NULL, *be = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;

	if (c->fn->C_GetAttributeValue(s, key, t, 2) != CKR_OK)
		return NULL;
	bn = BN_bin2bn(n, (int)t[0].ulValueLen, NULL);
	be = BN_bin2bn(e, (int)t[1].ulValueLen, NULL);
	b = OSSL_PARAM_BLD_new();
	if (bn == NULL || be == NULL || b == NULL ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) ||
	    !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) ||
	    (p = OSSL_PARAM_BLD_to_param(b)) == NULL ||
	    (pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pc) <= 0 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, p) <= 0)
		pk = NULL;
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(p);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	return pk;
}

static const EVP_MD *oaep_md(CK_ULONG ckm)
{
	switch (ckm) {
	case CKM_SHA_1:
		return EVP_sha1();
	case CKM_SHA224:
		return EVP_sha224();
	case CKM_SHA256:
		return EVP_sha256();
	case CKM_SHA384:
		return EVP_sha384();
	case CKM_SHA512:
		return EVP_sha512();
	default:
		return NULL;
	}
}

static const EVP_MD *mgf_md(CK_ULONG mgf)
{
	return oaep_md(mgf == CKG_MGF1_SHA1     ? CKM_SHA_1
		       : mgf == CKG_MGF1_SHA224 ? CKM_SHA224
		       : mgf == CKG_MGF1_SHA256 ? CKM_SHA256
		       : mgf == CKG_MGF1_SHA384 ? CKM_SHA384
		       : mgf == CKG_MGF1_SHA512 ? CKM_SHA512
						: 0);
}

/* The OAEP label (CKZ_DATA_SPECIFIED source data); OpenSSL takes a copy it frees. */
static int set_label(EVP_PKEY_CTX *pc, const CK_RSA_PKCS_OAEP_PARAMS *o)
{
	void *label = OPENSSL_memdup(o->pSourceData, o->ulSourceDataLen);

	if (label == NULL ||
	    EVP_PKEY_CTX_set0_rsa_oaep_label(pc, label, (int)o->ulSourceDataLen) <= 0) {
		OPENSSL_free(label);
		return -1;
	}
	return 0;
}

/* Padding of the recorded mechanism; 0 with ctx set, -1 when it is not one we redo. */
static int set_padding(EVP_PKEY_CTX *pc, const CK_MECHANISM *m)
{
	const CK_RSA_PKCS_OAEP_PARAMS *o = m->pParameter;

	switch (m->mechanism) {
	case CKM_RSA_PKCS:
		return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) > 0 ? 0 : -1;
	case CKM_RSA_X_509:
		return EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) > 0 ? 0 : -1;
	case CKM_RSA_PKCS_OAEP:
		if (o == NULL || m->ulParameterLen != sizeof *o || oaep_md(o->hashAlg) == NULL ||
		    mgf_md(o->mgf) == NULL ||
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_OAEP_PADDING) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_oaep_md(pc, oaep_md(o->hashAlg)) <= 0 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(pc, mgf_md(o->mgf)) <= 0)
			return -1;
		return o->ulSourceDataLen == 0 ? 0 : set_label(pc, o);
	default:
		return -1;
	}
}

int hl_replay_rsa_encrypt(hl_replay_ctx_t *c, CK_SESSION_HANDLE s, const unsigned char *plain,
			  CK_ULONG plen, unsigned char **out, CK_ULONG *outlen)
{
	EVP_PKEY *pk;
	EVP_PKEY_CTX *pc = NULL;
	size_t n = 0;
	int rc = -1;

	if (!c->dec.active || c->dec.session != s || c->dec.mech == NULL)
		return -1;
	pk = public_key(c, s, c->dec.key);
	if (pk == NULL)
		return -1;
	/* X.509 (raw) RSA decrypts a full modulus-sized block: left-pad the plaintext. */
	pc = EVP_PKEY_CTX_new(pk, NULL);
	if (pc != NULL && EVP_PKEY_encrypt_init(pc) > 0 && set_padding(pc, c->dec.mech) == 0) {
		size_t k = (size_t)EVP_PKEY_get_size(pk);
		unsigned char *in = hl_replay_alloc(c, k), *o = hl_replay_alloc(c, k);
		size_t inl = plen;

		if (in != NULL && o != NULL && plen <= k) {
			if (c->dec.mech->mechanism == CKM_RSA_X_509) {
				memcpy(in + k - plen, plain, plen);
				inl = k;
			} else {
				memcpy(in, plain, plen);
			}
			n = k;
			if (EVP_PKEY_encrypt(pc, o, &n, in, inl) > 0) {
				*out = o;
				*outlen = (CK_ULONG)n;
				rc = 0;
			}
		}
	}
	EVP_PKEY_CTX_free(pc);
	EVP_PKEY_free(pk);
	return rc;
}

/* -- a redacted private key made again -- */

static CK_ATTRIBUTE *find(CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == type)
			return &t[i];
	return NULL;
}

static CK_ULONG ulong_of(CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type)
{
	CK_ATTRIBUTE *a = find(t, n, type);

	return a != NULL && a->pValue != NULL && a->ulValueLen == sizeof(CK_ULONG)
		   ? *(CK_ULONG *)a->pValue
		   : (CK_ULONG)-1;
}

/* Sets an attribute of the template (if it has it) to a component of the new key. */
static void put_bn(hl_replay_ctx_t *c, CK_ATTRIBUTE *t, CK_ULONG n, CK_ATTRIBUTE_TYPE type,
		   const EVP_PKEY *pk, const char *param)
{
	CK_ATTRIBUTE *a = find(t, n, type);
	BIGNUM *bn = NULL;
	unsigned char *b;

	if (a == NULL || !EVP_PKEY_get_bn_param(pk, param, &bn))
		return;
	b = hl_replay_alloc(c, (size_t)BN_num_bytes(bn));
	if (b != NULL) {
		a->ulValueLen = (CK_ULONG)BN_bn2bin(bn, b);
		a->pValue = b;
	}
	BN_free(bn);
}

void hl_replay_rsa_rebuild(hl_replay_ctx_t *c, CK_ATTRIBUTE *t, CK_ULONG n, const hl_json_t *rec)
{
	CK_ATTRIBUTE *mod = find(t, n, CKA_MODULUS);
	const char *mod_hex = NULL;
	EVP_PKEY *pk;

	if (ulong_of(t, n, CKA_CLASS) != CKO_PRIVATE_KEY ||
	    ulong_of(t, n, CKA_KEY_TYPE) != CKK_RSA || mod == NULL || mod->ulValueLen < 64 ||
	    find(t, n, CKA_PRIVATE_EXPONENT) == NULL)
		return;
	for (size_t i = 0; i < rec->n; i++)
		if (hl_replay_num(rec->items[i], "type", 0) == CKA_MODULUS)
			mod_hex = hl_json_str(hl_json_get(rec->items[i], "value"));
	pk = EVP_RSA_gen((unsigned)mod->ulValueLen * 8);
	if (pk == NULL)
		return;
	put_bn(c, t, n, CKA_MODULUS, pk, OSSL_PKEY_PARAM_RSA_N);
	put_bn(c, t, n, CKA_PUBLIC_EXPONENT, pk, OSSL_PKEY_PARAM_RSA_E);
	put_bn(c, t, n, CKA_PRIVATE_EXPONENT, pk, OSSL_PKEY_PARAM_RSA_D);
	put_bn(c, t, n, CKA_PRIME_1, pk, OSSL_PKEY_PARAM_RSA_FACTOR1);
	put_bn(c, t, n, CKA_PRIME_2, pk, OSSL_PKEY_PARAM_RSA_FACTOR2);
	put_bn(c, t, n, CKA_EXPONENT_1, pk, OSSL_PKEY_PARAM_RSA_EXPONENT1);
	put_bn(c, t, n, CKA_EXPONENT_2, pk, OSSL_PKEY_PARAM_RSA_EXPONENT2);
	put_bn(c, t, n, CKA_COEFFICIENT, pk, OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
	hl_replay_value_keep(c, mod_hex, mod->pValue, mod->ulValueLen);
	c->note[0] = '\0'; /* the random-bytes notes of the redacted parts no longer hold */
	hl_replay_note(c, "RSA-%lu private key made again (the trace holds no private part)",
		       mod->ulValueLen * 8);
	EVP_PKEY_free(pk);
}
