/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: key wrapping (secret keys by value, private keys RSA and EC as PKCS#8
 * PrivateKeyInfo, under the crypto layer's block-cipher wraps; secret keys under RSA-OAEP),
 * unwrapping, and ECDH derivation, with the using key's rules: CKA_ALLOWED_MECHANISMS,
 * CKA_WRAP_TEMPLATE / CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE, CKA_WRAP_WITH_TRUSTED. */
#include <stdlib.h>
#include <string.h>

#include "p11/hl_p11.h"

/* The key that wraps, unwraps or derives, read once under its lock. */
typedef struct {
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE type;
	hl_attrs_t value; /* CKA_VALUE of a secret key */
	hl_key_t *key;    /* an RSA or EC key's operation key */
	bool trusted;     /* CKA_TRUSTED */
	bool always;      /* CKA_ALWAYS_SENSITIVE */
	bool never;       /* CKA_NEVER_EXTRACTABLE */
	hl_attrs_t tmpl;  /* its CKA_*_TEMPLATE for the keys it wraps or makes (may be empty) */
} user_key_t;

static void user_key_clear(user_key_t *k)
{
	hl_attrs_clear(&k->value);
	hl_attrs_clear(&k->tmpl);
	hl_key_free(k->key);
	k->key = NULL;
}

/* The classes that may do each job and the code for any other one. */
static CK_RV class_ok(CK_ATTRIBUTE_TYPE usage, CK_OBJECT_CLASS cls)
{
	switch (usage) {
	case CKA_WRAP:
		return cls == CKO_SECRET_KEY || cls == CKO_PUBLIC_KEY
			   ? CKR_OK
			   : CKR_WRAPPING_KEY_TYPE_INCONSISTENT;
	case CKA_UNWRAP:
		return cls == CKO_SECRET_KEY || cls == CKO_PRIVATE_KEY
			   ? CKR_OK
			   : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	default: /* CKA_DERIVE: ECDH is the one derivation, from an EC private key */
		return cls == CKO_PRIVATE_KEY ? CKR_OK : CKR_KEY_TYPE_INCONSISTENT;
	}
}

static CK_ATTRIBUTE_TYPE template_of(CK_ATTRIBUTE_TYPE usage)
{
	return usage == CKA_WRAP     ? CKA_WRAP_TEMPLATE
	       : usage == CKA_UNWRAP ? CKA_UNWRAP_TEMPLATE
				     : CKA_DERIVE_TEMPLATE;
}

/* Copies what the job needs out of obj (locked): usage, allowed mechanism, template, value. */
static CK_RV read_user_key(hl_object_t *obj, CK_ATTRIBUTE_TYPE usage, CK_MECHANISM_TYPE mech,
			   user_key_t *k)
{
	CK_RV rv = class_ok(usage, obj->cls);
	if (rv == CKR_OK && usage == CKA_DERIVE && obj->key_type != CKK_EC)
		rv = CKR_KEY_TYPE_INCONSISTENT;
	if (rv == CKR_OK && !hl_attrs_bool(&obj->attrs, usage, false))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK)
		rv = hl_p11_allowed_mech(obj, mech);
	const hl_attr_t *t = hl_attrs_get(&obj->attrs, template_of(usage));
	if (rv == CKR_OK && t)
		rv = hl_p11_rv(hl_attrs_decode(&k->tmpl, t->value, t->len));
	if (rv == CKR_OK && obj->cls == CKO_SECRET_KEY)
		rv = hl_p11_rv(hl_object_unseal_locked(obj));
	const hl_attr_t *v = hl_attrs_get(&obj->attrs, CKA_VALUE);
	if (rv == CKR_OK && obj->cls == CKO_SECRET_KEY)
		rv = v ? hl_p11_rv(hl_attrs_set(&k->value, CKA_VALUE, v->value, v->len))
		       : CKR_GENERAL_ERROR;
	k->cls = obj->cls;
	k->type = obj->key_type;
	k->trusted = hl_attrs_bool(&obj->attrs, CKA_TRUSTED, false);
	k->always = hl_attrs_bool(&obj->attrs, CKA_ALWAYS_SENSITIVE, false);
	k->never = hl_attrs_bool(&obj->attrs, CKA_NEVER_EXTRACTABLE, false);
	return rv;
}

/* The key behind h for usage (CKA_WRAP, CKA_UNWRAP, CKA_DERIVE) with mechanism mech. */
static CK_RV user_key(hl_session_t *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE usage,
		      CK_MECHANISM_TYPE mech, user_key_t *k)
{
	hl_object_t *obj = NULL;
	CK_RV rv = hl_p11_object_get(s, h, &obj);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return usage == CKA_WRAP     ? CKR_WRAPPING_KEY_HANDLE_INVALID
		       : usage == CKA_UNWRAP ? CKR_UNWRAPPING_KEY_HANDLE_INVALID
					     : CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	if (!(obj->scope & HL_S_KEY))
		return class_ok(usage, CKO_DATA);
	pthread_mutex_lock(&obj->lock);
	rv = read_user_key(obj, usage, mech, k);
	pthread_mutex_unlock(&obj->lock);
	if (rv == CKR_OK && k->cls != CKO_SECRET_KEY)
		rv = hl_p11_rv(hl_object_key(obj, &k->key));
	/* The mechanism's kind of key: RSA-OAEP an RSA key pair, the block ciphers a secret. */
	bool rsa = mech == CKM_RSA_PKCS_OAEP;
	if (rv == CKR_OK && usage != CKA_DERIVE &&
	    (rsa != (k->cls != CKO_SECRET_KEY) || (rsa && k->type != CKK_RSA)))
		rv = class_ok(usage, CKO_DATA);
	return rv;
}

/* The crypto layer's kek and length errors under the names C_WrapKey/C_UnwrapKey use. */
static CK_RV wrap_rv(hl_status_t st, bool wrap)
{
	switch (st) {
	case HL_ERR_KEY_TYPE_INCONSISTENT:
		return wrap ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT
			    : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	case HL_ERR_KEY_SIZE_RANGE:
		return wrap ? CKR_WRAPPING_KEY_SIZE_RANGE : CKR_UNWRAPPING_KEY_SIZE_RANGE;
	case HL_ERR_ENCRYPTED_DATA_LEN_RANGE:
		return wrap ? CKR_GENERAL_ERROR : CKR_WRAPPED_KEY_LEN_RANGE;
	case HL_ERR_DATA_LEN_RANGE: /* a value the mechanism cannot wrap (RFC 3394: 8n bytes,
				       OAEP: no longer than the modulus allows) */
		return wrap ? CKR_KEY_SIZE_RANGE : CKR_WRAPPED_KEY_LEN_RANGE;
	default:
		return hl_p11_rv(st);
	}
}

/* -- wrapping -- */

/* Whether the key (obj, locked) may leave under kek: extractable, CKA_WRAP_WITH_TRUSTED only
 * under a trusted key, and (PKCS#11 3.0 CKA_WRAP_TEMPLATE) matching the kek's template. */
static CK_RV wrappable(hl_object_t *obj, const user_key_t *kek)
{
	CK_RV rv = CKR_OK;
	if (obj->cls != CKO_SECRET_KEY && obj->cls != CKO_PRIVATE_KEY)
		rv = CKR_KEY_NOT_WRAPPABLE;
	else if (!hl_attrs_bool(&obj->attrs, CKA_EXTRACTABLE, false))
		rv = CKR_KEY_UNEXTRACTABLE;
	else if (hl_attrs_bool(&obj->attrs, CKA_WRAP_WITH_TRUSTED, false) && !kek->trusted)
		rv = CKR_KEY_NOT_WRAPPABLE;
	else if (obj->cls == CKO_PRIVATE_KEY && kek->cls != CKO_SECRET_KEY)
		rv = CKR_KEY_NOT_WRAPPABLE; /* RSA-OAEP carries secret keys only */
	/* A template may name key material too: compare with the values unsealed. */
	if (rv == CKR_OK && kek->tmpl.n)
		rv = hl_p11_rv(hl_object_unseal_locked(obj));
	if (rv == CKR_OK && !hl_tmpl_matches(&kek->tmpl, &obj->attrs))
		rv = CKR_KEY_NOT_WRAPPABLE;
	return rv;
}

/* What C_WrapKey encrypts: a secret key's CKA_VALUE, or a private key (RSA, EC) as PKCS#8
 * PrivateKeyInfo. out is caller-owned (hl_buf_clear). */
static CK_RV wrapped_material(hl_session_t *s, CK_OBJECT_HANDLE h, const user_key_t *kek,
			      hl_buf_t *out)
{
	hl_object_t *obj = NULL;
	hl_key_t *key = NULL;
	CK_RV rv = hl_p11_object_get(s, h, &obj);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&obj->lock);
	rv = wrappable(obj, kek);
	if (rv == CKR_OK && obj->cls == CKO_SECRET_KEY) {
		rv = hl_p11_rv(hl_object_unseal_locked(obj));
		const hl_attr_t *v = hl_attrs_get(&obj->attrs, CKA_VALUE);
		if (rv == CKR_OK && (!v || !v->len))
			rv = CKR_KEY_NOT_WRAPPABLE;
		if (rv == CKR_OK && !(out->data = malloc(v->len)))
			rv = CKR_HOST_MEMORY;
		if (rv == CKR_OK) {
			memcpy(out->data, v->value, v->len);
			out->len = v->len;
		}
	}
	pthread_mutex_unlock(&obj->lock);
	if (rv == CKR_OK && obj->cls == CKO_PRIVATE_KEY) {
		rv = hl_p11_rv(hl_object_key(obj, &key));
		hl_status_t st = rv == CKR_OK ? hl_crypto_pkcs8_encode(key, out) : HL_OK;
		if (rv == CKR_OK)
			rv = st == HL_ERR_KEY_TYPE_INCONSISTENT ? CKR_KEY_NOT_WRAPPABLE
								: hl_p11_rv(st);
	}
	hl_key_free(key);
	return rv;
}

/* Encrypts plain under kek; *len in/out as C_WrapKey's. */
static CK_RV wrap_run(const CK_MECHANISM *m, const user_key_t *kek, const hl_buf_t *plain,
		      CK_BYTE_PTR out, CK_ULONG_PTR len)
{
	size_t ol = *len;
	const hl_attr_t *k = hl_attrs_get(&kek->value, CKA_VALUE);
	hl_status_t st =
	    kek->key
		? hl_crypto_wrap_rsa(m, kek->key, true, plain->data, plain->len, out, &ol)
		: hl_crypto_wrap(m, kek->type, k->value, k->len, plain->data, plain->len, out, &ol);
	if (st == HL_OK || st == HL_ERR_BUFFER_TOO_SMALL)
		*len = (CK_ULONG)ol;
	return wrap_rv(st, true);
}

CK_RV hl_p11_C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		       CK_OBJECT_HANDLE hWrap, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrapped,
		       CK_ULONG_PTR pulWrappedLen)
{
	hl_session_t *s;
	user_key_t kek = { 0 };
	hl_buf_t plain = { 0 };
	const hl_profile_mech_t *pm = NULL;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = !pulWrappedLen ? CKR_ARGUMENTS_BAD : hl_p11_key_mech(s, pMechanism, CKF_WRAP, &pm);
	if (rv == CKR_OK)
		rv = user_key(s, hWrap, CKA_WRAP, pm->type, &kek);
	if (rv == CKR_OK)
		rv = wrapped_material(s, hKey, &kek, &plain);
	if (rv == CKR_OK)
		rv = wrap_run(pMechanism, &kek, &plain, pWrapped, pulWrappedLen);
	hl_buf_clear(&plain);
	user_key_clear(&kek);
	hl_p11_unlock();
	return rv;
}

/* -- unwrapping -- */

/* The class and key type the unwrap template asks for (secret and generic by default; the
 * policy then wants both given). */
static CK_RV unwrap_kind(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS *cls, CK_KEY_TYPE *kt)
{
	*cls = CKO_SECRET_KEY;
	*kt = CKK_GENERIC_SECRET;
	for (CK_ULONG i = 0; t && i < n; i++)
		if ((t[i].type == CKA_CLASS || t[i].type == CKA_KEY_TYPE) && t[i].pValue &&
		    t[i].ulValueLen == sizeof(CK_ULONG))
			memcpy(t[i].type == CKA_CLASS ? cls : kt, t[i].pValue, sizeof(CK_ULONG));
	if (*cls == CKO_PRIVATE_KEY)
		return *kt == CKK_RSA || *kt == CKK_EC ? CKR_OK : CKR_TEMPLATE_INCONSISTENT;
	if (*cls == CKO_SECRET_KEY)
		return *kt == CKK_AES || *kt == CKK_DES3 || *kt == CKK_GENERIC_SECRET
			   ? CKR_OK
			   : CKR_TEMPLATE_INCONSISTENT;
	return CKR_TEMPLATE_INCONSISTENT;
}

/* The caller's template with the using key's CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE
 * applied (PKCS#11 3.0: as if the key's template came first; a contradiction is
 * CKR_TEMPLATE_INCONSISTENT), then the new key's attributes from it. */
static CK_RV templated_attrs(hl_session_t *s, const user_key_t *k, const CK_ATTRIBUTE *t,
			     CK_ULONG n, CK_OBJECT_CLASS *cls, CK_KEY_TYPE *kt, hl_attrs_t *a)
{
	CK_ATTRIBUTE *m = NULL;
	CK_ULONG mn = 0;
	CK_RV rv =
	    (!t && n) ? CKR_ARGUMENTS_BAD : hl_p11_rv(hl_tmpl_merge(&k->tmpl, t, n, &m, &mn));
	if (rv == CKR_OK)
		rv = unwrap_kind(m, mn, cls, kt);
	if (rv == CKR_OK)
		rv = hl_p11_key_attrs(s, m, mn, *cls, *kt, a);
	free(m);
	return rv;
}

/* After an unpadded mode (ECB, CBC) the value is followed by fewer than a block of zero
 * bytes; every other mechanism delimits it exactly. */
static bool padding_ok(const CK_MECHANISM *m, const uint8_t *p, size_t used, size_t len)
{
	size_t b = hl_crypto_sym_padded(m->mechanism) ? 0 : hl_crypto_sym_block(m->mechanism);
	if (used > len || len - used > (b ? b - 1 : 0))
		return false;
	for (size_t i = used; i < len; i++)
		if (p[i])
			return false;
	return true;
}

/* A secret key's value: DES3 24 bytes, else CKA_VALUE_LEN of the template or all of it. */
static CK_RV unwrapped_secret(hl_attrs_t *a, CK_KEY_TYPE kt, const CK_MECHANISM *m,
			      const uint8_t *p, size_t len)
{
	size_t want = kt == CKK_DES3 ? 24 : hl_attrs_ulong(a, CKA_VALUE_LEN, 0);
	if (!want) /* after zero padding nothing tells the length: all of it */
		want = len;
	if (want > len)
		return CKR_WRAPPED_KEY_INVALID;
	if (!padding_ok(m, p, want, len))
		return hl_attrs_get(a, CKA_VALUE_LEN) ? CKR_TEMPLATE_INCONSISTENT
						      : CKR_WRAPPED_KEY_INVALID;
	CK_RV rv = hl_p11_rv(hl_attrs_set(a, CKA_VALUE, p, want));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set_ulong(a, CKA_VALUE_LEN, want));
	return rv;
}

/* A private key from its PKCS#8 PrivateKeyInfo, with the public values set. */
static CK_RV unwrapped_private(hl_attrs_t *a, CK_KEY_TYPE kt, const CK_MECHANISM *m,
			       const uint8_t *p, size_t len)
{
	hl_rsa_parts_t r = { 0 };
	hl_ec_parts_t e = { 0 };
	CK_KEY_TYPE got = CK_UNAVAILABLE_INFORMATION;
	size_t used = hl_crypto_der_len(p, len);
	CK_RV rv = used && padding_ok(m, p, used, len) ? CKR_OK : CKR_WRAPPED_KEY_INVALID;
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_crypto_pkcs8_decode(p, used, &got, &r, &e));
	if (rv == CKR_OK && got != kt)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = hl_p11_key_set_private(a, kt == CKK_RSA ? &r : NULL, &e);
	hl_rsa_parts_clear(&r);
	hl_ec_parts_clear(&e);
	return rv;
}

/* Decrypts the blob into out (ol in: its size, out: the plaintext length). */
static CK_RV unwrap_run(const CK_MECHANISM *m, const user_key_t *kek, const CK_BYTE *in,
			CK_ULONG in_len, uint8_t *out, size_t *ol)
{
	const hl_attr_t *k = hl_attrs_get(&kek->value, CKA_VALUE);
	hl_status_t st =
	    kek->key ? hl_crypto_wrap_rsa(m, kek->key, false, in, in_len, out, ol)
		     : hl_crypto_unwrap(m, kek->type, k->value, k->len, in, in_len, out, ol);
	return wrap_rv(st, false);
}

CK_RV hl_p11_C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_OBJECT_HANDLE hUnwrap, CK_BYTE_PTR pWrapped, CK_ULONG ulWrappedLen,
			 CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	hl_session_t *s;
	user_key_t kek = { 0 };
	hl_attrs_t a = { 0 };
	const hl_profile_mech_t *pm = NULL;
	uint8_t *out = NULL;
	size_t ol = ulWrappedLen;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = (!pWrapped || !phKey) ? CKR_ARGUMENTS_BAD
				   : hl_p11_key_mech(s, pMechanism, CKF_UNWRAP, &pm);
	if (rv == CKR_OK)
		rv = user_key(s, hUnwrap, CKA_UNWRAP, pm->type, &kek);
	if (rv == CKR_OK)
		rv = templated_attrs(s, &kek, pTemplate, ulCount, &cls, &kt, &a);
	if (rv == CKR_OK && cls != CKO_SECRET_KEY && kek.key)
		rv = CKR_TEMPLATE_INCONSISTENT; /* RSA-OAEP carries secret keys only */
	if (rv == CKR_OK && !(out = malloc(ol ? ol : 1)))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = unwrap_run(pMechanism, &kek, pWrapped, ulWrappedLen, out, &ol);
	if (rv == CKR_OK)
		rv = cls == CKO_SECRET_KEY ? unwrapped_secret(&a, kt, pMechanism, out, ol)
					   : unwrapped_private(&a, kt, pMechanism, out, ol);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key_bookkeeping(&a, false, 0));
	/* The template passed the policy: a value the key cannot be built from came in the
	 * wrapped blob (e.g. an inconsistent RSA key). */
	if (rv == CKR_OK && (rv = hl_p11_key_add(s, &a, phKey)) == CKR_ATTRIBUTE_VALUE_INVALID)
		rv = CKR_WRAPPED_KEY_INVALID;
	if (out) {
		hl_crypto_wipe(out, ulWrappedLen);
		free(out);
	}
	user_key_clear(&kek);
	hl_attrs_clear(&a);
	hl_p11_unlock();
	return rv;
}

/* -- deriving: ECDH -- */

/* CKD_NULL only (the secret as it is), no shared data, and the peer's point. */
static CK_RV ecdh_params(const CK_MECHANISM *m, CK_ECDH1_DERIVE_PARAMS *p)
{
	if (!m->pParameter || m->ulParameterLen != sizeof(*p))
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(p, m->pParameter, sizeof(*p));
	if (p->kdf != CKD_NULL || p->ulSharedDataLen || p->pSharedData || !p->pPublicData ||
	    !p->ulPublicDataLen || p->ulPublicDataLen > 256)
		return CKR_MECHANISM_PARAM_INVALID;
	return CKR_OK;
}

/* The derived secret's value: CKA_VALUE_LEN leading bytes of z (the whole of it for a generic
 * secret without one; AES 16, 24 or 32; DES3 24), then the sensitivity inherited from the
 * base key. */
static CK_RV derived_value(hl_attrs_t *a, CK_KEY_TYPE kt, const uint8_t *z, size_t zl,
			   const user_key_t *base)
{
	CK_ULONG len = hl_attrs_ulong(a, CKA_VALUE_LEN, kt == CKK_DES3 ? 24 : 0);
	if (!len && kt == CKK_GENERIC_SECRET)
		len = zl;
	if (!len)
		return CKR_TEMPLATE_INCOMPLETE;
	if (len > zl || (kt == CKK_AES && len != 16 && len != 24 && len != 32) ||
	    (kt == CKK_DES3 && len != 24))
		return CKR_ATTRIBUTE_VALUE_INVALID;
	CK_RV rv = hl_p11_rv(hl_attrs_set(a, CKA_VALUE, z, len));
	if (rv == CKR_OK && kt != CKK_DES3)
		rv = hl_p11_rv(hl_attrs_set_ulong(a, CKA_VALUE_LEN, len));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key_bookkeeping(a, false, 0));
	bool sens = hl_attrs_bool(a, CKA_SENSITIVE, false),
	     ext = hl_attrs_bool(a, CKA_EXTRACTABLE, false);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set_bool(a, CKA_ALWAYS_SENSITIVE, base->always && sens));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set_bool(a, CKA_NEVER_EXTRACTABLE, base->never && !ext));
	return rv;
}

CK_RV hl_p11_C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_OBJECT_HANDLE hBase, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
			 CK_OBJECT_HANDLE_PTR phKey)
{
	hl_session_t *s;
	const hl_profile_mech_t *pm = NULL;
	CK_ECDH1_DERIVE_PARAMS ep;
	user_key_t base = { 0 };
	hl_attrs_t a = { 0 };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	uint8_t z[72];
	size_t zl = sizeof(z);
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = !phKey ? CKR_ARGUMENTS_BAD : hl_p11_key_mech(s, pMechanism, CKF_DERIVE, &pm);
	if (rv == CKR_OK && pm->type != CKM_ECDH1_DERIVE && pm->type != CKM_ECDH1_COFACTOR_DERIVE)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = ecdh_params(pMechanism, &ep);
	if (rv == CKR_OK)
		rv = user_key(s, hBase, CKA_DERIVE, pm->type, &base);
	if (rv == CKR_OK)
		rv = templated_attrs(s, &base, pTemplate, ulCount, &cls, &kt, &a);
	if (rv == CKR_OK && cls != CKO_SECRET_KEY)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv =
		    hl_p11_rv(hl_crypto_ecdh(base.key, ep.pPublicData, ep.ulPublicDataLen, z, &zl));
	if (rv == CKR_OK)
		rv = derived_value(&a, kt, z, zl, &base);
	if (rv == CKR_OK)
		rv = hl_p11_key_add(s, &a, phKey);
	hl_crypto_wipe(z, sizeof(z));
	user_key_clear(&base);
	hl_attrs_clear(&a);
	hl_p11_unlock();
	return rv;
}
