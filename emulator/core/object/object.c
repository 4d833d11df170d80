/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: objects, their sealed key material and cached operation keys. */
#include <stdlib.h>
#include <string.h>

#include "object/hl_object.h"

/* -- lifetime -- */

hl_object_t *hl_object_new(hl_attrs_t *attrs)
{
	hl_object_t *obj = calloc(1, sizeof(*obj));
	if (!obj) {
		hl_attrs_clear(attrs);
		return NULL;
	}
	obj->refs = 1;
	obj->attrs = *attrs;
	memset(attrs, 0, sizeof(*attrs));
	obj->cls = hl_attrs_ulong(&obj->attrs, CKA_CLASS, CKO_DATA);
	obj->key_type = hl_attrs_ulong(&obj->attrs, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	obj->scope = hl_policy_scope(obj->cls, obj->key_type);
	obj->token = hl_attrs_bool(&obj->attrs, CKA_TOKEN, false);
	obj->priv = hl_attrs_bool(&obj->attrs, CKA_PRIVATE, false);
	obj->unsealed = true;
	pthread_mutex_init(&obj->lock, NULL);
	return obj;
}

hl_object_t *hl_object_ref(hl_object_t *obj)
{
	__atomic_add_fetch(&obj->refs, 1, __ATOMIC_RELAXED);
	return obj;
}

void hl_object_free(hl_object_t *obj)
{
	if (!obj || __atomic_sub_fetch(&obj->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	hl_attrs_clear(&obj->attrs);
	free(obj->sealed);
	hl_key_free(obj->key);
	pthread_mutex_destroy(&obj->lock);
	free(obj);
}

/* -- sealing -- */

static void seal_aad(const hl_seal_ctx_t *ctx, uint64_t id, uint8_t aad[32], size_t *len)
{
	size_t sl = strlen(ctx->serial);
	memcpy(aad, ctx->serial, sl);
	aad[sl] = '/';
	for (int i = 0; i < 8; i++)
		aad[sl + 1 + (size_t)i] = (uint8_t)(id >> (56 - 8 * i));
	*len = sl + 9;
}

static bool is_secret(CK_ATTRIBUTE_TYPE type)
{
	return hl_policy_is_secret_attr(type);
}

hl_status_t hl_object_seal(hl_object_t *obj, const hl_seal_ctx_t *ctx, uint64_t id, uint8_t **out,
			   size_t *out_len)
{
	uint8_t *pt = NULL, *ct = NULL, aad[32];
	size_t pt_len = 0, aad_len;
	hl_status_t st = hl_attrs_encode(&obj->attrs, is_secret, &pt, &pt_len);
	if (st != HL_OK)
		return st;
	if (pt_len == 0) {
		free(pt);
		*out = NULL;
		*out_len = 0;
		return HL_OK;
	}
	ct = malloc(pt_len + HL_AEAD_OVERHEAD);
	if (!ct) {
		st = HL_ERR_NOMEM;
		goto out;
	}
	seal_aad(ctx, id, aad, &aad_len);
	st = hl_crypto_aead_seal(ctx->mk, aad, aad_len, pt, pt_len, ct);
	if (st != HL_OK) {
		free(ct);
		goto out;
	}
	*out = ct;
	*out_len = pt_len + HL_AEAD_OVERHEAD;
out:
	hl_crypto_wipe(pt, pt_len);
	free(pt);
	return st;
}

hl_status_t hl_object_unseal_locked(hl_object_t *obj)
{
	if (obj->unsealed)
		return HL_OK;
	if (!obj->sealed || !obj->seal || obj->sealed_len < HL_AEAD_OVERHEAD)
		return obj->sealed ? HL_ERR_STORE_CORRUPT : HL_OK;
	size_t pt_len = obj->sealed_len - HL_AEAD_OVERHEAD, aad_len;
	uint8_t aad[32];
	uint8_t *pt = malloc(pt_len ? pt_len : 1);
	if (!pt)
		return HL_ERR_NOMEM;
	seal_aad(obj->seal, obj->id, aad, &aad_len);
	hl_status_t st =
	    hl_crypto_aead_open(obj->seal->mk, aad, aad_len, obj->sealed, obj->sealed_len, pt);
	if (st == HL_OK)
		st = hl_attrs_decode(&obj->attrs, pt, pt_len);
	if (st == HL_OK)
		obj->unsealed = true;
	hl_crypto_wipe(pt, pt_len);
	free(pt);
	return st;
}

/* -- operation keys -- */

static hl_buf_t borrow(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type)
{
	const hl_attr_t *at = hl_attrs_get(a, type);
	hl_buf_t b = { NULL, 0 };
	if (at) {
		b.data = at->value;
		b.len = at->len;
	}
	return b;
}

hl_status_t hl_object_build_key(const hl_attrs_t *attrs, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt,
				hl_key_t **out)
{
	hl_buf_t a = borrow(attrs, kt == CKK_RSA ? CKA_MODULUS : CKA_EC_PARAMS);
	if (cls == CKO_PRIVATE_KEY && kt == CKK_RSA) {
		hl_rsa_parts_t p = {
			.n = a,
			.e = borrow(attrs, CKA_PUBLIC_EXPONENT),
			.d = borrow(attrs, CKA_PRIVATE_EXPONENT),
			.p = borrow(attrs, CKA_PRIME_1),
			.q = borrow(attrs, CKA_PRIME_2),
			.dp = borrow(attrs, CKA_EXPONENT_1),
			.dq = borrow(attrs, CKA_EXPONENT_2),
			.qinv = borrow(attrs, CKA_COEFFICIENT),
		};
		return hl_key_rsa_private(&p, out);
	}
	if (cls == CKO_PUBLIC_KEY && kt == CKK_RSA) {
		hl_buf_t e = borrow(attrs, CKA_PUBLIC_EXPONENT);
		return hl_key_rsa_public(a.data, a.len, e.data, e.len, out);
	}
	if (cls == CKO_PRIVATE_KEY && kt == CKK_EC) {
		hl_buf_t d = borrow(attrs, CKA_VALUE);
		return hl_key_ec_private(a.data, a.len, d.data, d.len, out);
	}
	if (cls == CKO_PUBLIC_KEY && kt == CKK_EC) {
		hl_buf_t pt = borrow(attrs, CKA_EC_POINT);
		return hl_key_ec_public(a.data, a.len, pt.data, pt.len, out);
	}
	if (cls == CKO_PRIVATE_KEY && kt == CKK_EC_EDWARDS) {
		hl_buf_t d = borrow(attrs, CKA_VALUE);
		return hl_key_ed_private(a.data, a.len, d.data, d.len, out);
	}
	if (cls == CKO_PUBLIC_KEY && kt == CKK_EC_EDWARDS) {
		hl_buf_t pt = borrow(attrs, CKA_EC_POINT);
		return hl_key_ed_public(a.data, a.len, pt.data, pt.len, out);
	}
	if (cls == CKO_SECRET_KEY) {
		hl_buf_t v = borrow(attrs, CKA_VALUE);
		return hl_key_secret(kt, v.data, v.len, out);
	}
	return HL_ERR_KEY_TYPE_INCONSISTENT;
}

hl_status_t hl_object_key(hl_object_t *obj, hl_key_t **out)
{
	hl_key_t *key = __atomic_load_n(&obj->key, __ATOMIC_ACQUIRE);
	if (key) {
		*out = hl_key_ref(key);
		return HL_OK;
	}
	pthread_mutex_lock(&obj->lock);
	hl_status_t st = HL_OK;
	if (!obj->key) {
		st = hl_object_unseal_locked(obj);
		if (st == HL_OK)
			st = hl_object_build_key(&obj->attrs, obj->cls, obj->key_type, &key);
		if (st == HL_OK)
			__atomic_store_n(&obj->key, key, __ATOMIC_RELEASE);
	}
	if (st == HL_OK)
		*out = hl_key_ref(obj->key);
	pthread_mutex_unlock(&obj->lock);
	return st;
}

/* -- attribute access -- */

static bool hidden(hl_object_t *obj, const hl_policy_row_t *row)
{
	if (!(row->flags & HL_AF_7_SENSITIVE))
		return false;
	return hl_attrs_bool(&obj->attrs, CKA_SENSITIVE, true) ||
	       !hl_attrs_bool(&obj->attrs, CKA_EXTRACTABLE, false);
}

hl_status_t hl_object_get_attrs(hl_object_t *obj, CK_ATTRIBUTE *t, CK_ULONG n)
{
	hl_status_t rv = HL_OK;
	pthread_mutex_lock(&obj->lock);
	for (CK_ULONG i = 0; i < n; i++) {
		const hl_policy_row_t *row = hl_policy_lookup(obj->scope, t[i].type);
		if (!row || hidden(obj, row)) {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv == HL_OK || rv == HL_ERR_BUFFER_TOO_SMALL)
				rv = row ? HL_ERR_ATTRIBUTE_SENSITIVE
					 : HL_ERR_ATTRIBUTE_TYPE_INVALID;
			continue;
		}
		/* Sealed at rest are all key-material types (also a data object's CKA_VALUE). */
		if (!obj->unsealed && hl_policy_is_secret_attr(t[i].type)) {
			hl_status_t st = hl_object_unseal_locked(obj);
			if (st != HL_OK) {
				rv = st;
				break;
			}
		}
		const hl_attr_t *at = hl_attrs_get(&obj->attrs, t[i].type);
		size_t len = at ? at->len : 0;
		if (hl_tmpl_is_template(t[i].type)) {
			hl_status_t st = hl_tmpl_export(at, &t[i]);
			if (st != HL_OK && (rv == HL_OK || st != HL_ERR_BUFFER_TOO_SMALL))
				rv = st;
		} else if (!t[i].pValue) {
			t[i].ulValueLen = len;
		} else if (t[i].ulValueLen >= len) {
			if (len)
				memcpy(t[i].pValue, at->value, len);
			t[i].ulValueLen = len;
		} else {
			t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
			if (rv == HL_OK)
				rv = HL_ERR_BUFFER_TOO_SMALL;
		}
	}
	pthread_mutex_unlock(&obj->lock);
	return rv;
}

bool hl_object_match(hl_object_t *obj, const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++)
		if (hl_policy_is_secret_attr(t[i].type) &&
		    !(t[i].type == CKA_VALUE &&
		      (obj->cls == CKO_DATA || obj->cls == CKO_CERTIFICATE)))
			return false;
	pthread_mutex_lock(&obj->lock);
	bool m = hl_attrs_match(&obj->attrs, t, n);
	pthread_mutex_unlock(&obj->lock);
	return m;
}

hl_status_t hl_object_key_bookkeeping(hl_attrs_t *attrs, bool local, CK_MECHANISM_TYPE mech)
{
	hl_status_t st = hl_attrs_set_bool(attrs, CKA_LOCAL, local);
	if (st == HL_OK)
		st = hl_attrs_set_ulong(attrs, CKA_KEY_GEN_MECHANISM,
					local ? mech : CK_UNAVAILABLE_INFORMATION);
	CK_OBJECT_CLASS cls = hl_attrs_ulong(attrs, CKA_CLASS, CKO_DATA);
	if (st != HL_OK || (cls != CKO_PRIVATE_KEY && cls != CKO_SECRET_KEY))
		return st;
	bool sens = hl_attrs_bool(attrs, CKA_SENSITIVE, true);
	bool extr = hl_attrs_bool(attrs, CKA_EXTRACTABLE, false);
	/* Imported keys were known outside the device: never "always sensitive". */
	st = hl_attrs_set_bool(attrs, CKA_ALWAYS_SENSITIVE, local && sens);
	if (st == HL_OK)
		st = hl_attrs_set_bool(attrs, CKA_NEVER_EXTRACTABLE, local && !extr);
	return st;
}

hl_status_t hl_object_update_bookkeeping(hl_attrs_t *attrs)
{
	CK_OBJECT_CLASS cls = hl_attrs_ulong(attrs, CKA_CLASS, CKO_DATA);
	if (cls != CKO_PRIVATE_KEY && cls != CKO_SECRET_KEY)
		return HL_OK;
	hl_status_t st = HL_OK;
	if (!hl_attrs_bool(attrs, CKA_SENSITIVE, true))
		st = hl_attrs_set_bool(attrs, CKA_ALWAYS_SENSITIVE, false);
	if (st == HL_OK && hl_attrs_bool(attrs, CKA_EXTRACTABLE, false))
		st = hl_attrs_set_bool(attrs, CKA_NEVER_EXTRACTABLE, false);
	return st;
}
