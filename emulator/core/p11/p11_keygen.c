/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: key generation (RSA, EC, AES, DES3) and key wrapping: secret keys by value,
 * private keys (RSA, EC) as PKCS#8 PrivateKeyInfo, under the crypto layer's wrap mechanisms. */
#include <stdlib.h>
#include <string.h>

#include "p11/hl_p11.h"

/* A key template's class/key type may be given but must agree with the mechanism. */
static CK_RV check_kind(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt)
{
	for (CK_ULONG i = 0; i < n; i++) {
		CK_ULONG v;
		if (t[i].type != CKA_CLASS && t[i].type != CKA_KEY_TYPE)
			continue;
		if (!t[i].pValue || t[i].ulValueLen != sizeof(v))
			return CKR_ATTRIBUTE_VALUE_INVALID;
		memcpy(&v, t[i].pValue, sizeof(v));
		if (v != (t[i].type == CKA_CLASS ? cls : kt))
			return CKR_TEMPLATE_INCONSISTENT;
	}
	return CKR_OK;
}

/* Checks a generation template and builds the attribute list with defaults. */
static CK_RV new_attrs(hl_session_t *s, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls,
		       CK_KEY_TYPE kt, hl_tmpl_op_t op, hl_attrs_t *a)
{
	unsigned scope = hl_policy_scope(cls, kt);
	CK_RV rv = (!t && n) ? CKR_ARGUMENTS_BAD : check_kind(t, n, cls, kt);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_policy_check_new(scope, op, t, n, s->slot->dev->login == CKU_SO));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_policy_apply_new(scope, t, n, a));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set_ulong(a, CKA_CLASS, cls));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set_ulong(a, CKA_KEY_TYPE, kt));
	if (rv == CKR_OK)
		rv = hl_p11_check_new_object(s, a);
	return rv;
}

static CK_RV mech_ok(hl_session_t *s, const CK_MECHANISM *m, CK_FLAGS flag,
		     const hl_profile_mech_t **out)
{
	if (!m)
		return CKR_ARGUMENTS_BAD;
	const hl_profile_mech_t *pm = hl_profile_mech(s->slot->dev->profile, m->mechanism);
	if (!pm || !(pm->info.flags & flag))
		return CKR_MECHANISM_INVALID;
	*out = pm;
	return CKR_OK;
}

static CK_RV set_buf(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, const hl_buf_t *b)
{
	return b->data ? hl_p11_rv(hl_attrs_set(a, type, b->data, b->len)) : CKR_OK;
}

/* Makes an object from attrs (built key attached). */
static CK_RV make_key(hl_attrs_t *a, hl_object_t **out)
{
	hl_key_t *key = NULL;
	CK_RV rv = hl_p11_rv(hl_object_build_key(a, hl_attrs_ulong(a, CKA_CLASS, 0),
						 hl_attrs_ulong(a, CKA_KEY_TYPE, 0), &key));
	hl_object_t *obj = rv == CKR_OK ? hl_object_new(a) : NULL;
	if (rv == CKR_OK && !obj)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		obj->key = key;
		key = NULL;
		*out = obj;
	}
	hl_key_free(key);
	return rv;
}

/* Makes an object from attrs and adds it for the session. */
static CK_RV add_key(hl_session_t *s, hl_attrs_t *a, CK_OBJECT_HANDLE *out)
{
	hl_object_t *obj = NULL;
	CK_RV rv = make_key(a, &obj);
	if (rv == CKR_OK)
		rv = hl_p11_object_add(s, obj, out);
	hl_object_free(obj);
	return rv;
}

/* A key pair's objects for the session (h: public, private). The token halves are stored in
 * one transaction, so a failure or a crash leaves both or neither: a lone half is a key no
 * caller was given. On failure h[0] may be named (the caller destroys it). */
static CK_RV add_pair(hl_session_t *s, hl_attrs_t *pub, hl_attrs_t *priv, CK_OBJECT_HANDLE h[2])
{
	hl_device_t *dev = s->slot->dev;
	hl_object_t *o[2] = { NULL, NULL }, *tok[2];
	size_t n = 0;
	CK_RV rv = make_key(pub, &o[0]);
	if (rv == CKR_OK)
		rv = make_key(priv, &o[1]);
	for (size_t i = 0; rv == CKR_OK && i < 2; i++)
		if (o[i]->token) {
			o[i]->owner = dev;
			tok[n++] = o[i];
		}
	if (rv == CKR_OK && n)
		rv = hl_p11_rv(hl_device_add_objects_with(dev, tok, n, NULL, NULL));
	for (size_t i = 0; rv == CKR_OK && i < 2; i++)
		rv = o[i]->token ? hl_p11_object_register(o[i], dev, &h[i])
				 : hl_p11_object_add(s, o[i], &h[i]);
	for (size_t i = 0; i < 2 && o[i]; i++) {
		if (rv != CKR_OK && o[i]->token && o[i]->id && !h[i])
			hl_device_destroy_object(dev, o[i]); /* stored, never named */
		hl_object_free(o[i]);
	}
	return rv;
}

/* A private key's attributes from its parts (RSA: the CRT parts when present; EC: the
 * public point too, which ceremony tooling reads from the private key). */
static CK_RV set_rsa_private(hl_attrs_t *a, const hl_rsa_parts_t *p)
{
	const struct {
		CK_ATTRIBUTE_TYPE t;
		const hl_buf_t *b;
	} parts[] = { { CKA_MODULUS, &p->n },          { CKA_PUBLIC_EXPONENT, &p->e },
		      { CKA_PRIVATE_EXPONENT, &p->d }, { CKA_PRIME_1, &p->p },
		      { CKA_PRIME_2, &p->q },          { CKA_EXPONENT_1, &p->dp },
		      { CKA_EXPONENT_2, &p->dq },      { CKA_COEFFICIENT, &p->qinv } };
	CK_RV rv = CKR_OK;
	for (size_t i = 0; rv == CKR_OK && i < sizeof(parts) / sizeof(parts[0]); i++)
		rv = set_buf(a, parts[i].t, parts[i].b);
	return rv;
}

static CK_RV set_ec_private(hl_attrs_t *a, const hl_ec_parts_t *p)
{
	CK_RV rv = set_buf(a, CKA_EC_PARAMS, &p->params);
	if (rv == CKR_OK)
		rv = set_buf(a, CKA_VALUE, &p->d);
	if (rv == CKR_OK)
		rv = set_buf(a, CKA_EC_POINT, &p->point);
	return rv;
}

static CK_RV gen_rsa(hl_session_t *s, const hl_profile_mech_t *pm, hl_attrs_t *pub,
		     hl_attrs_t *priv)
{
	hl_rsa_parts_t p = { 0 };
	CK_ULONG bits = hl_attrs_ulong(pub, CKA_MODULUS_BITS, 0);
	const hl_attr_t *e = hl_attrs_get(pub, CKA_PUBLIC_EXPONENT);
	if (bits < pm->info.ulMinKeySize || bits > pm->info.ulMaxKeySize)
		return CKR_KEY_SIZE_RANGE;
	CK_RV rv = hl_p11_rv(hl_crypto_rsa_generate(bits, e ? e->value : NULL, e ? e->len : 0, &p));
	if (rv == CKR_OK)
		rv = set_buf(pub, CKA_MODULUS, &p.n);
	if (rv == CKR_OK)
		rv = set_buf(pub, CKA_PUBLIC_EXPONENT, &p.e);
	if (rv == CKR_OK)
		rv = set_rsa_private(priv, &p);
	hl_rsa_parts_clear(&p);
	return rv;
}

static CK_RV gen_ec(hl_session_t *s, const hl_profile_mech_t *pm, hl_attrs_t *pub, hl_attrs_t *priv)
{
	hl_ec_parts_t p = { 0 };
	const hl_attr_t *params = hl_attrs_get(pub, CKA_EC_PARAMS);
	bool ed = pm->type == CKM_EC_EDWARDS_KEY_PAIR_GEN; /* same attributes, Edwards curves */
	unsigned bits = !params ? 0
			: ed    ? hl_crypto_ed_curve_bits(params->value, params->len)
				: hl_crypto_ec_curve_bits(params->value, params->len);
	if (!bits)
		return CKR_ATTRIBUTE_VALUE_INVALID;
	if (ed ? !hl_crypto_ed_size_in(bits, pm->info.ulMinKeySize, pm->info.ulMaxKeySize)
	       : bits < pm->info.ulMinKeySize || bits > pm->info.ulMaxKeySize)
		return CKR_KEY_SIZE_RANGE;
	CK_RV rv = hl_p11_rv(ed ? hl_crypto_ed_generate(params->value, params->len, &p)
				: hl_crypto_ec_generate(params->value, params->len, &p));
	if (rv == CKR_OK)
		rv = set_buf(pub, CKA_EC_POINT, &p.point);
	if (rv == CKR_OK)
		rv = set_ec_private(priv, &p);
	hl_ec_parts_clear(&p);
	return rv;
}

CK_RV hl_p11_C_GenerateKeyPair(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			       CK_ATTRIBUTE_PTR pPubT, CK_ULONG nPub, CK_ATTRIBUTE_PTR pPrivT,
			       CK_ULONG nPriv, CK_OBJECT_HANDLE_PTR phPub,
			       CK_OBJECT_HANDLE_PTR phPriv)
{
	hl_session_t *s;
	hl_attrs_t pub = { 0 }, priv = { 0 };
	const hl_profile_mech_t *pm = NULL;
	CK_OBJECT_HANDLE h[2] = { 0, 0 };
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = (!phPub || !phPriv) ? CKR_ARGUMENTS_BAD
				 : mech_ok(s, pMechanism, CKF_GENERATE_KEY_PAIR, &pm);
	CK_KEY_TYPE kt = rv != CKR_OK                              ? CKK_RSA
			 : pm->type == CKM_EC_KEY_PAIR_GEN         ? CKK_EC
			 : pm->type == CKM_EC_EDWARDS_KEY_PAIR_GEN ? CKK_EC_EDWARDS
								   : CKK_RSA;
	/* L4: a library that remaps the X9.31 generator makes FIPS 186-3 keys, as with PKCS. */
	if (rv == CKR_OK && kt == CKK_RSA && pm->type != CKM_RSA_PKCS_KEY_PAIR_GEN &&
	    pm->type != CKM_RSA_X9_31_KEY_PAIR_GEN)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = new_attrs(s, pPubT, nPub, CKO_PUBLIC_KEY, kt, HL_TMPL_GENERATE, &pub);
	if (rv == CKR_OK)
		rv = new_attrs(s, pPrivT, nPriv, CKO_PRIVATE_KEY, kt, HL_TMPL_GENERATE, &priv);
	if (rv == CKR_OK)
		rv = kt == CKK_RSA ? gen_rsa(s, pm, &pub, &priv) : gen_ec(s, pm, &pub, &priv);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key_bookkeeping(&pub, true, pm->type));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key_bookkeeping(&priv, true, pm->type));
	if (rv == CKR_OK)
		rv = add_pair(s, &pub, &priv, h);
	if (rv == CKR_OK) {
		*phPub = h[0];
		*phPriv = h[1];
	}
	hl_attrs_clear(&pub);
	hl_attrs_clear(&priv);
	hl_p11_unlock();
	if (rv != CKR_OK && h[0]) /* the caller learns nothing of it, so drop it */
		hl_p11_C_DestroyObject(hSession, h[0]);
	return rv;
}

CK_RV hl_p11_C_GenerateKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			   CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	hl_session_t *s;
	hl_attrs_t a = { 0 };
	const hl_profile_mech_t *pm = NULL;
	uint8_t value[512];
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = !phKey ? CKR_ARGUMENTS_BAD : mech_ok(s, pMechanism, CKF_GENERATE, &pm);
	if (rv == CKR_OK && pm->type != CKM_AES_KEY_GEN && pm->type != CKM_DES3_KEY_GEN &&
	    pm->type != CKM_GENERIC_SECRET_KEY_GEN)
		rv = CKR_MECHANISM_INVALID;
	CK_KEY_TYPE kt = rv != CKR_OK                             ? CKK_AES
			 : pm->type == CKM_DES3_KEY_GEN           ? CKK_DES3
			 : pm->type == CKM_GENERIC_SECRET_KEY_GEN ? CKK_GENERIC_SECRET
								  : CKK_AES;
	if (rv == CKR_OK)
		rv = new_attrs(s, pTemplate, ulCount, CKO_SECRET_KEY, kt, HL_TMPL_GENERATE, &a);
	/* DES3's length is the key type's (a template may say 24, nothing else). */
	CK_ULONG len = hl_attrs_ulong(&a, CKA_VALUE_LEN, kt == CKK_DES3 ? 24 : 0);
	if (rv == CKR_OK && kt == CKK_DES3 && len != 24)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (rv == CKR_OK && kt == CKK_GENERIC_SECRET && (len == 0 || len > sizeof(value)))
		rv =
		    len ? CKR_KEY_SIZE_RANGE : CKR_TEMPLATE_INCOMPLETE; /* the length is required */
	else if (rv == CKR_OK && kt != CKK_GENERIC_SECRET && len != 16 && len != 24 && len != 32)
		rv = CKR_ATTRIBUTE_VALUE_INVALID;
	if (rv == CKR_OK && (len < pm->info.ulMinKeySize || len > pm->info.ulMaxKeySize))
		rv = CKR_KEY_SIZE_RANGE;
	if (rv == CKR_OK)
		rv = hl_p11_rv(kt == CKK_DES3 ? hl_crypto_des3_generate(value)
					      : hl_crypto_random(value, len));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set(&a, CKA_VALUE, value, len));
	if (rv == CKR_OK && kt == CKK_DES3)
		rv = hl_p11_rv(hl_attrs_set_ulong(&a, CKA_VALUE_LEN, len));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key_bookkeeping(&a, true, pm->type));
	if (rv == CKR_OK)
		rv = add_key(s, &a, phKey);
	hl_crypto_wipe(value, sizeof(value));
	hl_attrs_clear(&a);
	hl_p11_unlock();
	return rv;
}

/* -- wrapping -- */

/* The (un)wrapping key's value, type and CKA_TRUSTED, after the usage checks; which
 * mechanism may use it is the crypto layer's check (hl_crypto_wrap). */
static CK_RV wrapping_key(hl_session_t *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE usage,
			  hl_attrs_t *value, CK_KEY_TYPE *kt, bool *trusted)
{
	hl_object_t *obj = NULL;
	bool wrap = usage == CKA_WRAP;
	CK_RV rv = hl_p11_object_get(s, h, &obj);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return wrap ? CKR_WRAPPING_KEY_HANDLE_INVALID : CKR_UNWRAPPING_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&obj->lock);
	if (obj->cls != CKO_SECRET_KEY)
		rv = wrap ? CKR_WRAPPING_KEY_TYPE_INCONSISTENT
			  : CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT;
	else if (!hl_attrs_bool(&obj->attrs, usage, false))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_unseal_locked(obj));
	const hl_attr_t *v = hl_attrs_get(&obj->attrs, CKA_VALUE);
	if (rv == CKR_OK)
		rv = v ? hl_p11_rv(hl_attrs_set(value, CKA_VALUE, v->value, v->len))
		       : CKR_GENERAL_ERROR;
	if (rv == CKR_OK) {
		*kt = obj->key_type;
		*trusted = hl_attrs_bool(&obj->attrs, CKA_TRUSTED, false);
	}
	pthread_mutex_unlock(&obj->lock);
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
	case HL_ERR_DATA_LEN_RANGE: /* a value the mechanism cannot wrap (RFC 3394: 8n bytes) */
		return wrap ? CKR_KEY_SIZE_RANGE : CKR_WRAPPED_KEY_LEN_RANGE;
	default:
		return hl_p11_rv(st);
	}
}

/* What C_WrapKey encrypts: a secret key's CKA_VALUE, or a private key (RSA, EC) as PKCS#8
 * PrivateKeyInfo. out is caller-owned (hl_buf_clear). */
static CK_RV wrapped_material(hl_session_t *s, CK_OBJECT_HANDLE h, bool kek_trusted, hl_buf_t *out)
{
	hl_object_t *obj = NULL;
	hl_key_t *key = NULL;
	CK_RV rv = hl_p11_object_get(s, h, &obj);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&obj->lock);
	if (obj->cls != CKO_SECRET_KEY && obj->cls != CKO_PRIVATE_KEY)
		rv = CKR_KEY_NOT_WRAPPABLE;
	else if (!hl_attrs_bool(&obj->attrs, CKA_EXTRACTABLE, false))
		rv = CKR_KEY_UNEXTRACTABLE;
	else if (hl_attrs_bool(&obj->attrs, CKA_WRAP_WITH_TRUSTED, false) && !kek_trusted)
		rv = CKR_KEY_NOT_WRAPPABLE;
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

CK_RV hl_p11_C_WrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
		       CK_OBJECT_HANDLE hWrap, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrapped,
		       CK_ULONG_PTR pulWrappedLen)
{
	hl_session_t *s;
	hl_attrs_t kek = { 0 };
	hl_buf_t plain = { 0 };
	const hl_profile_mech_t *pm = NULL;
	CK_KEY_TYPE kek_type = CKK_AES;
	bool trusted = false;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = !pulWrappedLen ? CKR_ARGUMENTS_BAD : mech_ok(s, pMechanism, CKF_WRAP, &pm);
	if (rv == CKR_OK)
		rv = wrapping_key(s, hWrap, CKA_WRAP, &kek, &kek_type, &trusted);
	if (rv == CKR_OK)
		rv = wrapped_material(s, hKey, trusted, &plain);
	if (rv == CKR_OK) {
		const hl_attr_t *k = hl_attrs_get(&kek, CKA_VALUE);
		size_t ol = *pulWrappedLen;
		hl_status_t st = hl_crypto_wrap(pMechanism, kek_type, k->value, k->len, plain.data,
						plain.len, pWrapped, &ol);
		if (st == HL_OK || st == HL_ERR_BUFFER_TOO_SMALL)
			*pulWrappedLen = (CK_ULONG)ol;
		rv = wrap_rv(st, true);
	}
	hl_buf_clear(&plain);
	hl_attrs_clear(&kek);
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
		rv = kt == CKK_RSA ? set_rsa_private(a, &r) : set_ec_private(a, &e);
	hl_rsa_parts_clear(&r);
	hl_ec_parts_clear(&e);
	return rv;
}

CK_RV hl_p11_C_UnwrapKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_OBJECT_HANDLE hUnwrap, CK_BYTE_PTR pWrapped, CK_ULONG ulWrappedLen,
			 CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey)
{
	hl_session_t *s;
	hl_attrs_t kek = { 0 }, a = { 0 };
	const hl_profile_mech_t *pm = NULL;
	uint8_t *out = NULL;
	size_t ol = ulWrappedLen;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET, kek_type = CKK_AES;
	bool trusted = false;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = (!pWrapped || !phKey) ? CKR_ARGUMENTS_BAD : mech_ok(s, pMechanism, CKF_UNWRAP, &pm);
	if (rv == CKR_OK)
		rv = unwrap_kind(pTemplate, ulCount, &cls, &kt);
	if (rv == CKR_OK)
		rv = new_attrs(s, pTemplate, ulCount, cls, kt, HL_TMPL_UNWRAP, &a);
	if (rv == CKR_OK)
		rv = wrapping_key(s, hUnwrap, CKA_UNWRAP, &kek, &kek_type, &trusted);
	if (rv == CKR_OK && !(out = malloc(ol ? ol : 1)))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		const hl_attr_t *k = hl_attrs_get(&kek, CKA_VALUE);
		rv = wrap_rv(hl_crypto_unwrap(pMechanism, kek_type, k->value, k->len, pWrapped,
					      ulWrappedLen, out, &ol),
			     false);
	}
	if (rv == CKR_OK)
		rv = cls == CKO_SECRET_KEY ? unwrapped_secret(&a, kt, pMechanism, out, ol)
					   : unwrapped_private(&a, kt, pMechanism, out, ol);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key_bookkeeping(&a, false, 0));
	/* The template passed the policy: a value the key cannot be built from came in the
	 * wrapped blob (e.g. an inconsistent RSA key). */
	if (rv == CKR_OK && (rv = add_key(s, &a, phKey)) == CKR_ATTRIBUTE_VALUE_INVALID)
		rv = CKR_WRAPPED_KEY_INVALID;
	if (out) {
		hl_crypto_wipe(out, ulWrappedLen);
		free(out);
	}
	hl_attrs_clear(&kek);
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

/* The base key: an EC private key allowed to derive; always and never get its
 * CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE, which the derived key inherits. */
static CK_RV derive_base(hl_session_t *s, CK_OBJECT_HANDLE h, hl_key_t **key, bool *always,
			 bool *never)
{
	hl_object_t *obj = NULL;
	CK_RV rv = hl_p11_object_get(s, h, &obj);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&obj->lock);
	bool ec = hl_attrs_ulong(&obj->attrs, CKA_CLASS, 0) == CKO_PRIVATE_KEY &&
		  hl_attrs_ulong(&obj->attrs, CKA_KEY_TYPE, 0) == CKK_EC;
	bool may = hl_attrs_bool(&obj->attrs, CKA_DERIVE, false);
	*always = hl_attrs_bool(&obj->attrs, CKA_ALWAYS_SENSITIVE, false);
	*never = hl_attrs_bool(&obj->attrs, CKA_NEVER_EXTRACTABLE, false);
	pthread_mutex_unlock(&obj->lock);
	if (!ec)
		return CKR_KEY_TYPE_INCONSISTENT;
	if (!may)
		return CKR_KEY_FUNCTION_NOT_PERMITTED;
	return hl_p11_rv(hl_object_key(obj, key));
}

/* The derived secret's value: CKA_VALUE_LEN leading bytes of z (the whole of it for a generic
 * secret without one; AES 16, 24 or 32; DES3 24), then the inherited sensitivity. */
static CK_RV derived_value(hl_attrs_t *a, CK_KEY_TYPE kt, const uint8_t *z, size_t zl, bool always,
			   bool never)
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
		rv = hl_p11_rv(hl_attrs_set_bool(a, CKA_ALWAYS_SENSITIVE, always && sens));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_attrs_set_bool(a, CKA_NEVER_EXTRACTABLE, never && !ext));
	return rv;
}

CK_RV hl_p11_C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism,
			 CK_OBJECT_HANDLE hBase, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
			 CK_OBJECT_HANDLE_PTR phKey)
{
	hl_session_t *s;
	const hl_profile_mech_t *pm = NULL;
	CK_ECDH1_DERIVE_PARAMS ep;
	hl_key_t *base = NULL;
	hl_attrs_t a = { 0 };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	uint8_t z[72];
	size_t zl = sizeof(z);
	bool always = false, never = false;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = !phKey ? CKR_ARGUMENTS_BAD : mech_ok(s, pMechanism, CKF_DERIVE, &pm);
	if (rv == CKR_OK && pm->type != CKM_ECDH1_DERIVE && pm->type != CKM_ECDH1_COFACTOR_DERIVE)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK)
		rv = ecdh_params(pMechanism, &ep);
	if (rv == CKR_OK)
		rv = derive_base(s, hBase, &base, &always, &never);
	if (rv == CKR_OK)
		rv = unwrap_kind(pTemplate, ulCount, &cls, &kt);
	if (rv == CKR_OK && cls != CKO_SECRET_KEY)
		rv = CKR_TEMPLATE_INCONSISTENT;
	if (rv == CKR_OK)
		rv = new_attrs(s, pTemplate, ulCount, cls, kt, HL_TMPL_UNWRAP, &a);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_crypto_ecdh(base, pm->type == CKM_ECDH1_COFACTOR_DERIVE,
					      ep.pPublicData, ep.ulPublicDataLen, z, &zl));
	if (rv == CKR_OK)
		rv = derived_value(&a, kt, z, zl, always, never);
	if (rv == CKR_OK)
		rv = add_key(s, &a, phKey);
	hl_crypto_wipe(z, sizeof(z));
	hl_key_free(base);
	hl_attrs_clear(&a);
	hl_p11_unlock();
	return rv;
}
