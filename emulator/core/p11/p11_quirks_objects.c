/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the general G-row filters on objects (catalogue G7, G10, G12, G14, G15,
 * G17): templates checked or completed before the layer below creates an object, attributes
 * adjusted after it reads one. A filter layer of its own (hl_p11_general_objects_layer); the
 * session, login, search, signing and digest rows are p11_quirks_general.c's layer. */
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "p11_quirks_int.h"

/* The stack beneath this layer: every filtered call goes on through it. */
static const CK_FUNCTION_LIST_3_0 *const below = &hl_p11_general_objects_layer.below;

/* -- G7 (no CKA_ALLOWED_MECHANISMS), G17 (moduli with leading zeros): reading attributes -- */

/* G17: the base call writes each CKA_MODULUS z bytes into the caller's buffer; the zeros
 * are put in front afterwards. A buffer too small for them gets CKR_BUFFER_TOO_SMALL. */
/* Whether C_GetAttributeValue answered each entry (else nothing was filled in: no such
 * object or session, bad arguments, ...; the template must stay as the caller gave it). */
static bool filled_in(CK_RV rv)
{
	return rv == CKR_OK || rv == CKR_ATTRIBUTE_SENSITIVE || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
	       rv == CKR_BUFFER_TOO_SMALL;
}

static CK_RV get_padded(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			CK_ULONG z)
{
	CK_ATTRIBUTE *orig = calloc(n ? n : 1, sizeof(*orig)); /* t as the caller gave it */
	bool small = false;
	if (!orig)
		return CKR_HOST_MEMORY;
	memcpy(orig, t, n * sizeof(*t));
	for (CK_ULONG i = 0; i < n; i++)
		if (t[i].type == CKA_MODULUS && t[i].pValue) {
			small = small || t[i].ulValueLen < z;
			t[i].pValue = t[i].ulValueLen < z ? NULL : (CK_BYTE *)t[i].pValue + z;
			t[i].ulValueLen = t[i].pValue ? t[i].ulValueLen - z : 0;
		}
	CK_RV rv = below->C_GetAttributeValue(h, obj, t, n);
	bool filled = filled_in(rv);
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type != CKA_MODULUS)
			continue;
		bool shifted = t[i].pValue != NULL,
		     got = t[i].ulValueLen != CK_UNAVAILABLE_INFORMATION;
		CK_ULONG len = t[i].ulValueLen;
		t[i] = orig[i];
		if (!filled)
			continue;
		if (orig[i].pValue && !shifted) /* smaller than the zeros alone */
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
		else
			t[i].ulValueLen = got ? len + z : CK_UNAVAILABLE_INFORMATION;
		if (shifted && got)
			memset(t[i].pValue, 0, z);
	}
	free(orig);
	return small && rv == CKR_OK ? CKR_BUFFER_TOO_SMALL : rv;
}

static CK_RV hl_p11_qg_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj,
					   CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, NULL);
	if (!g || !t)
		return below->C_GetAttributeValue(h, obj, t, n);
	CK_RV rv = g->modulus_zeros ? get_padded(h, obj, t, n, g->modulus_zeros)
				    : below->C_GetAttributeValue(h, obj, t, n);
	for (CK_ULONG i = 0; g->no_allowed_mechanisms && i < n; i++)
		if (t[i].type == CKA_ALLOWED_MECHANISMS && filled_in(rv)) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			rv = rv == CKR_OK ? CKR_ATTRIBUTE_TYPE_INVALID : rv;
		}
	return rv;
}

/* -- object templates: G7, G10, G12 (own objects), G14, G15 -- */

static bool has_id(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	const CK_ATTRIBUTE *a = find_attr(t, n, CKA_ID);
	return a && a->pValue && a->ulValueLen && a->ulValueLen != CK_UNAVAILABLE_INFORMATION;
}

static CK_OBJECT_CLASS class_of(const CK_ATTRIBUTE *t, CK_ULONG n, CK_OBJECT_CLASS dflt)
{
	const CK_ATTRIBUTE *a = find_attr(t, n, CKA_CLASS);
	CK_OBJECT_CLASS cls = dflt;
	/* Copied: the caller's value need not be aligned (found by fuzz/p11.c). */
	if (a && a->pValue && a->ulValueLen == sizeof(CK_OBJECT_CLASS))
		memcpy(&cls, a->pValue, sizeof(cls));
	return cls;
}

/* G14: whether dev holds a token object of class cls, other than the one with store id
 * except, whose attribute a->type has a's value. */
static bool taken(hl_device_t *dev, CK_OBJECT_CLASS cls, const CK_ATTRIBUTE *a, uint64_t except)
{
	CK_ATTRIBUTE q[2] = { { CKA_CLASS, &cls, sizeof(cls) }, *a };
	hl_object_t **objs = NULL;
	size_t n = 0;
	bool hit = false;
	hl_p11_rdlock();
	if (dev->store && hl_device_find(dev, q, 2, true, &objs, &n) == HL_OK) {
		for (size_t i = 0; i < n; i++) {
			hit = hit || objs[i]->id != except;
			hl_object_free(objs[i]);
		}
		free(objs);
	}
	hl_p11_unlock();
	return hit;
}

/* The checks on a new object's template, in the order the device makes them. */
static CK_RV check_new(const hl_profile_general_t *g, hl_device_t *dev, const CK_ATTRIBUTE *t,
		       CK_ULONG n, CK_OBJECT_CLASS cls)
{
	const CK_ATTRIBUTE *id = find_attr(t, n, CKA_ID), *label = find_attr(t, n, CKA_LABEL);
	bool key = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
	if (g->no_allowed_mechanisms && find_attr(t, n, CKA_ALLOWED_MECHANISMS))
		return CKR_ATTRIBUTE_TYPE_INVALID; /* G7 */
	if (g->id_required && key && !has_id(t, n))
		return CKR_TEMPLATE_INCOMPLETE; /* G10 */
	if (g->id_len && id && id->ulValueLen != g->id_len)
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G15 */
	if (g->unique_labels && label && taken(dev, cls, label, 0))
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G14 */
	if (g->unique_ids && has_id(t, n) && taken(dev, cls, id, 0))
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G14 */
	return CKR_OK;
}

/* G15: a template without CKA_ID gets a fresh one of the device's length, unused by objects
 * of class cls: *out is t and the id (caller frees it), or NULL when t needs none. */
static CK_RV fresh_id(const hl_profile_general_t *g, hl_device_t *dev, CK_OBJECT_CLASS cls,
		      const CK_ATTRIBUTE *t, CK_ULONG n, CK_BYTE id[HL_PROFILE_ID_MAX],
		      CK_ATTRIBUTE **out)
{
	CK_ATTRIBUTE a = { CKA_ID, id, g->id_len };
	int tries = 0;
	*out = NULL;
	if (!g->id_len || has_id(t, n))
		return CKR_OK;
	do {
		if (hl_crypto_random(id, g->id_len) != HL_OK)
			return CKR_FUNCTION_FAILED;
	} while (taken(dev, cls, &a, 0) && ++tries < 64);
	if (tries == 64)
		return CKR_DEVICE_MEMORY; /* every id of that length is in use */
	CK_ATTRIBUTE *v = calloc(n + 1, sizeof(*v));
	if (!v)
		return CKR_HOST_MEMORY;
	if (n)
		memcpy(v, t, n * sizeof(*v));
	v[n] = a;
	*out = v;
	return CKR_OK;
}

/* G12: objects this process makes stay visible to it. */
static void remember_own(const hl_profile_general_t *g, CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o)
{
	hl_session_t *s = NULL;
	hl_object_t *obj = NULL;
	if (!g->other_process_hidden || hl_p11_enter(h, &s) != CKR_OK)
		return;
	if (hl_p11_object_get(s, o, &obj) == CKR_OK && obj->token) {
		pthread_mutex_lock(&hl_p11_qg_lock);
		dev_state_t *d = hl_p11_qg_dev_state(s->slot->dev);
		uint64_t *v = d ? reallocarray(d->own, d->n_own + 1, sizeof(*v)) : NULL;
		if (v) {
			d->own = v;
			v[d->n_own++] = obj->id;
		}
		pthread_mutex_unlock(&hl_p11_qg_lock);
	}
	hl_p11_unlock();
}

static CK_RV hl_p11_qg_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
				     CK_OBJECT_HANDLE_PTR out)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	CK_ATTRIBUTE *tt = NULL;
	CK_BYTE id[HL_PROFILE_ID_MAX];
	if (!g || !t)
		return below->C_CreateObject(h, t, n, out);
	CK_OBJECT_CLASS cls = class_of(t, n, CKO_DATA);
	CK_RV rv = check_new(g, dev, t, n, cls);
	if (rv == CKR_OK)
		rv = fresh_id(g, dev, cls, t, n, id, &tt);
	if (rv == CKR_OK)
		rv = below->C_CreateObject(h, tt ? tt : t, tt ? n + 1 : n, out);
	if (rv == CKR_OK)
		remember_own(g, h, *out);
	free(tt);
	return rv;
}

static CK_RV hl_p11_qg_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t,
				    CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	CK_ATTRIBUTE *tt = NULL;
	CK_BYTE id[HL_PROFILE_ID_MAX];
	if (!g || (!t && n))
		return below->C_GenerateKey(h, m, t, n, out);
	CK_RV rv = check_new(g, dev, t, n, CKO_SECRET_KEY);
	if (rv == CKR_OK)
		rv = fresh_id(g, dev, CKO_SECRET_KEY, t, n, id, &tt);
	if (rv == CKR_OK)
		rv = below->C_GenerateKey(h, m, tt ? tt : t, tt ? n + 1 : n, out);
	if (rv == CKR_OK)
		remember_own(g, h, *out);
	free(tt);
	return rv;
}

/* A key pair shares one fresh id (G15) when its templates name none. */
static CK_RV pair_ids(const hl_profile_general_t *g, hl_device_t *dev, const CK_ATTRIBUTE *pt,
		      CK_ULONG pn, const CK_ATTRIBUTE *kt, CK_ULONG kn,
		      CK_BYTE id[HL_PROFILE_ID_MAX], CK_ATTRIBUTE **pub, CK_ATTRIBUTE **priv)
{
	CK_RV rv = fresh_id(g, dev, CKO_PRIVATE_KEY, kt, kn, id, priv);
	const CK_ATTRIBUTE *kid = *priv ? &(*priv)[kn] : find_attr(kt, kn, CKA_ID);
	*pub = NULL;
	if (rv != CKR_OK || !g->id_len || has_id(pt, pn) || !kid)
		return rv;
	*pub = calloc(pn + 1, sizeof(**pub));
	if (!*pub)
		return CKR_HOST_MEMORY;
	if (pn)
		memcpy(*pub, pt, pn * sizeof(**pub));
	(*pub)[pn] = *kid;
	return CKR_OK;
}

static CK_RV hl_p11_qg_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m,
					 CK_ATTRIBUTE_PTR pt, CK_ULONG pn, CK_ATTRIBUTE_PTR kt,
					 CK_ULONG kn, CK_OBJECT_HANDLE_PTR pub,
					 CK_OBJECT_HANDLE_PTR priv)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	CK_ATTRIBUTE *tp = NULL, *tk = NULL;
	CK_BYTE id[HL_PROFILE_ID_MAX];
	if (!g || (!pt && pn) || (!kt && kn))
		return below->C_GenerateKeyPair(h, m, pt, pn, kt, kn, pub, priv);
	CK_RV rv = check_new(g, dev, pt, pn, CKO_PUBLIC_KEY);
	if (rv == CKR_OK)
		rv = check_new(g, dev, kt, kn, CKO_PRIVATE_KEY);
	if (rv == CKR_OK)
		rv = pair_ids(g, dev, pt, pn, kt, kn, id, &tp, &tk);
	if (rv == CKR_OK)
		rv = below->C_GenerateKeyPair(h, m, tp ? tp : pt, tp ? pn + 1 : pn, tk ? tk : kt,
					      tk ? kn + 1 : kn, pub, priv);
	if (rv == CKR_OK && pub && priv) {
		remember_own(g, h, *pub);
		remember_own(g, h, *priv);
	}
	free(tp);
	free(tk);
	return rv;
}

/* What a change needs of the object it changes: class, store id, label, whether it has an
 * id. The label is copied (caller frees). CKR_OK with nothing known when the handle is bad:
 * the base call reports that. */
typedef struct {
	bool known, with_id;
	CK_OBJECT_CLASS cls;
	uint64_t id;
	CK_ATTRIBUTE label;
} target_t;

static CK_RV read_target(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, target_t *out)
{
	hl_session_t *s = NULL;
	hl_object_t *obj = NULL;
	CK_RV rv = CKR_OK;
	memset(out, 0, sizeof(*out));
	if (hl_p11_enter(h, &s) != CKR_OK)
		return CKR_OK;
	if (hl_p11_object_get(s, o, &obj) == CKR_OK) {
		pthread_mutex_lock(&obj->lock);
		const hl_attr_t *l = hl_attrs_get(&obj->attrs, CKA_LABEL);
		const hl_attr_t *i = hl_attrs_get(&obj->attrs, CKA_ID);
		*out = (target_t){ true,
				   i && i->len,
				   obj->cls,
				   obj->token ? obj->id : 0,
				   { CKA_LABEL, NULL, l ? (CK_ULONG)l->len : 0 } };
		if (l && l->len && !(out->label.pValue = malloc(l->len)))
			rv = CKR_HOST_MEMORY;
		else if (l && l->len)
			memcpy(out->label.pValue, l->value, l->len);
		pthread_mutex_unlock(&obj->lock);
	}
	hl_p11_unlock();
	return rv;
}

/* The checks on C_SetAttributeValue (copy false) and C_CopyObject (copy true) templates. */
static CK_RV check_change(const hl_profile_general_t *g, hl_device_t *dev, CK_SESSION_HANDLE h,
			  CK_OBJECT_HANDLE o, const CK_ATTRIBUTE *t, CK_ULONG n, bool copy)
{
	const CK_ATTRIBUTE *id = find_attr(t, n, CKA_ID), *label = find_attr(t, n, CKA_LABEL);
	target_t x;
	if (g->no_allowed_mechanisms && find_attr(t, n, CKA_ALLOWED_MECHANISMS))
		return CKR_ATTRIBUTE_TYPE_INVALID; /* G7 */
	if (g->id_len && id && id->ulValueLen != g->id_len)
		return CKR_ATTRIBUTE_VALUE_INVALID; /* G15 */
	if (g->unique_ids && id)
		return CKR_ATTRIBUTE_READ_ONLY; /* G14: CKA_ID is immutable */
	if (!g->unique_labels && !(g->unique_ids && copy))
		return CKR_OK;
	CK_RV rv = read_target(h, o, &x);
	if (rv != CKR_OK || !x.known)
		return rv;
	if (g->unique_ids && copy && x.with_id)
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* the copy would repeat the original's id */
	else if (g->unique_labels && (label || (copy && x.label.ulValueLen)) &&
		 taken(dev, x.cls, label ? label : &x.label, copy ? 0 : x.id))
		rv = CKR_ATTRIBUTE_VALUE_INVALID; /* G14 */
	free(x.label.pValue);
	return rv;
}

static CK_RV hl_p11_qg_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o,
					   CK_ATTRIBUTE_PTR t, CK_ULONG n)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	CK_RV rv = g && t ? check_change(g, dev, h, o, t, n, false) : CKR_OK;
	return rv == CKR_OK ? below->C_SetAttributeValue(h, o, t, n) : rv;
}

static CK_RV hl_p11_qg_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
				   CK_ULONG n, CK_OBJECT_HANDLE_PTR out)
{
	hl_device_t *dev = NULL;
	const hl_profile_general_t *g = hl_p11_qg_general_of(h, &dev);
	CK_RV rv = g && (t || !n) ? check_change(g, dev, h, o, t, n, true) : CKR_OK;
	if (rv == CKR_OK)
		rv = below->C_CopyObject(h, o, t, n, out);
	if (rv == CKR_OK && g && out)
		remember_own(g, h, *out);
	return rv;
}

/* -- the layer: the entries the general rows on objects change -- */

static const CK_FUNCTION_LIST_3_0 objects_over = {
	.C_CreateObject = hl_p11_qg_create_object,
	.C_CopyObject = hl_p11_qg_copy_object,
	.C_GetAttributeValue = hl_p11_qg_get_attribute_value,
	.C_SetAttributeValue = hl_p11_qg_set_attribute_value,
	.C_GenerateKey = hl_p11_qg_generate_key,
	.C_GenerateKeyPair = hl_p11_qg_generate_key_pair,
};

hl_p11_layer_t hl_p11_general_objects_layer = { .name = "general-objects", .over = &objects_over };
