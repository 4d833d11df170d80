/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: attribute-template values (CKA_WRAP_TEMPLATE, CKA_UNWRAP_TEMPLATE,
 * CKA_DERIVE_TEMPLATE). A template gives them as an array of CK_ATTRIBUTE whose values live in
 * the caller's memory; the object keeps them as hl_attrs_encode records, so they survive the
 * call, the store and a copy, and C_GetAttributeValue rebuilds the array from them. */
#include <stdlib.h>
#include <string.h>

#include "object/hl_attr.h"

/* More than any real client nests; bounds the work a hostile template can ask for. */
#define TMPL_MAX_ATTRS 64
#define TMPL_MAX_VALUE ((CK_ULONG)1 << 16)

bool hl_tmpl_is_template(CK_ATTRIBUTE_TYPE type)
{
	return type == CKA_WRAP_TEMPLATE || type == CKA_UNWRAP_TEMPLATE ||
	       type == CKA_DERIVE_TEMPLATE;
}

hl_status_t hl_tmpl_check(const CK_ATTRIBUTE *a)
{
	if (a->ulValueLen % sizeof(CK_ATTRIBUTE) != 0 || (a->ulValueLen && !a->pValue))
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	CK_ULONG n = a->ulValueLen / sizeof(CK_ATTRIBUTE);
	const CK_ATTRIBUTE *t = a->pValue;
	if (n > TMPL_MAX_ATTRS)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	for (CK_ULONG i = 0; i < n; i++) {
		/* No nesting: a template inside a template means nothing to the spec. */
		if ((t[i].ulValueLen && !t[i].pValue) || t[i].ulValueLen > TMPL_MAX_VALUE ||
		    (t[i].type & CKF_ARRAY_ATTRIBUTE))
			return HL_ERR_ATTRIBUTE_VALUE_INVALID;
		for (CK_ULONG j = 0; j < i; j++)
			if (t[j].type == t[i].type)
				return HL_ERR_TEMPLATE_INCONSISTENT;
	}
	return HL_OK;
}

hl_status_t hl_tmpl_encode(const CK_ATTRIBUTE *a, uint8_t **out, size_t *out_len)
{
	hl_attrs_t inner = { 0 };
	hl_status_t st = hl_tmpl_check(a);
	const CK_ATTRIBUTE *t = a->pValue;
	for (CK_ULONG i = 0; st == HL_OK && i < a->ulValueLen / sizeof(CK_ATTRIBUTE); i++)
		st = hl_attrs_set(&inner, t[i].type, t[i].pValue, t[i].ulValueLen);
	if (st == HL_OK)
		st = hl_attrs_encode(&inner, NULL, out, out_len);
	hl_attrs_clear(&inner);
	return st;
}

hl_status_t hl_tmpl_export(const hl_attr_t *at, CK_ATTRIBUTE *dst)
{
	hl_attrs_t inner = { 0 };
	hl_status_t st = at ? hl_attrs_decode(&inner, at->value, at->len) : HL_OK;
	CK_ULONG need = (CK_ULONG)(inner.n * sizeof(CK_ATTRIBUTE));
	if (st != HL_OK) {
		dst->ulValueLen = CK_UNAVAILABLE_INFORMATION;
	} else if (!dst->pValue) {
		dst->ulValueLen = need;
	} else if (dst->ulValueLen < need) {
		dst->ulValueLen = CK_UNAVAILABLE_INFORMATION;
		st = HL_ERR_BUFFER_TOO_SMALL;
	} else {
		/* The spec's rules applied to each element: its type is filled in, a NULL value
		 * gets the length, a short buffer CK_UNAVAILABLE_INFORMATION. */
		CK_ATTRIBUTE *t = dst->pValue;
		for (size_t i = 0; i < inner.n; i++) {
			t[i].type = inner.v[i].type;
			if (!t[i].pValue) {
				t[i].ulValueLen = inner.v[i].len;
			} else if (t[i].ulValueLen >= inner.v[i].len) {
				if (inner.v[i].len)
					memcpy(t[i].pValue, inner.v[i].value, inner.v[i].len);
				t[i].ulValueLen = inner.v[i].len;
			} else {
				t[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
				st = HL_ERR_BUFFER_TOO_SMALL;
			}
		}
		dst->ulValueLen = need;
	}
	hl_attrs_clear(&inner);
	return st;
}

bool hl_tmpl_matches(const hl_attrs_t *tmpl, const hl_attrs_t *obj)
{
	for (size_t i = 0; i < tmpl->n; i++) {
		const hl_attr_t *at = hl_attrs_get(obj, tmpl->v[i].type);
		if (!at || at->len != tmpl->v[i].len ||
		    (at->len && memcmp(at->value, tmpl->v[i].value, at->len) != 0))
			return false;
	}
	return true;
}

hl_status_t hl_tmpl_merge(const hl_attrs_t *tmpl, const CK_ATTRIBUTE *t, CK_ULONG n,
			  CK_ATTRIBUTE **out, CK_ULONG *out_n)
{
	CK_ATTRIBUTE *m = calloc(n + tmpl->n + 1, sizeof(*m));
	CK_ULONG k = 0;
	if (!m)
		return HL_ERR_NOMEM;
	for (CK_ULONG i = 0; i < n; i++)
		m[k++] = t[i];
	for (size_t j = 0; j < tmpl->n; j++) {
		const hl_attr_t *at = &tmpl->v[j];
		bool given = false;
		for (CK_ULONG i = 0; i < n; i++) {
			if (t[i].type != at->type)
				continue;
			/* The caller's template may repeat the key's template, never contradict it.
			 */
			if (t[i].ulValueLen != at->len ||
			    (at->len &&
			     (!t[i].pValue || memcmp(t[i].pValue, at->value, at->len)))) {
				free(m);
				return HL_ERR_TEMPLATE_INCONSISTENT;
			}
			given = true;
		}
		if (!given)
			m[k++] = (CK_ATTRIBUTE){ at->type, at->value, (CK_ULONG)at->len };
	}
	*out = m;
	*out_n = k;
	return HL_OK;
}
