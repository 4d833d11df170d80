/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: key generation (RSA, EC, AES, DES3), and the key building it shares with
 * key unwrapping and derivation (p11_wrap.c). */
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

/* -- for key wrapping and derivation (p11_wrap.c), which make keys the same way -- */

CK_RV hl_p11_key_attrs(hl_session_t *s, const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS cls,
		       CK_KEY_TYPE kt, hl_attrs_t *a)
{
	return new_attrs(s, t, n, cls, kt, HL_TMPL_UNWRAP, a);
}

CK_RV hl_p11_key_mech(hl_session_t *s, const CK_MECHANISM *m, CK_FLAGS flag,
		      const hl_profile_mech_t **out)
{
	return mech_ok(s, m, flag, out);
}

CK_RV hl_p11_key_add(hl_session_t *s, hl_attrs_t *a, CK_OBJECT_HANDLE *out)
{
	return add_key(s, a, out);
}

CK_RV hl_p11_key_set_private(hl_attrs_t *a, const hl_rsa_parts_t *r, const hl_ec_parts_t *e)
{
	return r ? set_rsa_private(a, r) : set_ec_private(a, e);
}
