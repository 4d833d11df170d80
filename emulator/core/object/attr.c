/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: attribute lists. */
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "object/hl_attr.h"

static void attr_wipe(hl_attr_t *at)
{
	if (at->value) {
		hl_crypto_wipe(at->value, at->len);
		free(at->value);
	}
	at->value = NULL;
	at->len = 0;
}

void hl_attrs_clear(hl_attrs_t *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		attr_wipe(&a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

static hl_attr_t *find(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->v[i].type == type)
			return &a->v[i];
	return NULL;
}

hl_status_t hl_attrs_set(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, const void *value, size_t len)
{
	uint8_t *copy = NULL;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return HL_ERR_NOMEM;
		memcpy(copy, value, len);
	}
	hl_attr_t *at = find(a, type);
	if (!at) {
		if (a->n == a->cap) {
			size_t cap = a->cap ? a->cap * 2 : 16;
			hl_attr_t *v = reallocarray(a->v, cap, sizeof(*v));
			if (!v) {
				free(copy);
				return HL_ERR_NOMEM;
			}
			a->v = v;
			a->cap = cap;
		}
		at = &a->v[a->n++];
		at->type = type;
		at->value = NULL;
		at->len = 0;
	}
	attr_wipe(at);
	at->value = copy;
	at->len = len;
	return HL_OK;
}

hl_status_t hl_attrs_set_bool(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, bool v)
{
	CK_BBOOL b = v ? CK_TRUE : CK_FALSE;
	return hl_attrs_set(a, type, &b, sizeof(b));
}

hl_status_t hl_attrs_set_ulong(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, CK_ULONG v)
{
	return hl_attrs_set(a, type, &v, sizeof(v));
}

const hl_attr_t *hl_attrs_get(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type)
{
	return find(a, type);
}

bool hl_attrs_bool(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, bool dflt)
{
	const hl_attr_t *at = find(a, type);
	if (!at || at->len != sizeof(CK_BBOOL))
		return dflt;
	return *(const CK_BBOOL *)at->value != CK_FALSE;
}

CK_ULONG hl_attrs_ulong(const hl_attrs_t *a, CK_ATTRIBUTE_TYPE type, CK_ULONG dflt)
{
	const hl_attr_t *at = find(a, type);
	CK_ULONG v;
	if (!at || at->len != sizeof(CK_ULONG))
		return dflt;
	memcpy(&v, at->value, sizeof(v));
	return v;
}

void hl_attrs_del(hl_attrs_t *a, CK_ATTRIBUTE_TYPE type)
{
	hl_attr_t *at = find(a, type);
	if (!at)
		return;
	attr_wipe(at);
	*at = a->v[--a->n];
}

hl_status_t hl_attrs_copy(const hl_attrs_t *src, hl_attrs_t *out)
{
	for (size_t i = 0; i < src->n; i++) {
		hl_status_t st = hl_attrs_set(out, src->v[i].type, src->v[i].value, src->v[i].len);
		if (st != HL_OK) {
			hl_attrs_clear(out);
			return st;
		}
	}
	return HL_OK;
}

bool hl_attrs_match(const hl_attrs_t *a, const CK_ATTRIBUTE *tmpl, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		const hl_attr_t *at = find(a, tmpl[i].type);
		if (!at || at->len != tmpl[i].ulValueLen)
			return false;
		if (at->len && memcmp(at->value, tmpl[i].pValue, at->len) != 0)
			return false;
	}
	return true;
}

/* -- serialisation -- */

static void put_le(uint8_t *p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

hl_status_t hl_attrs_encode(const hl_attrs_t *a, bool (*keep)(CK_ATTRIBUTE_TYPE), uint8_t **out,
			    size_t *out_len)
{
	size_t total = 0;
	for (size_t i = 0; i < a->n; i++)
		if (!keep || keep(a->v[i].type))
			total += 12 + a->v[i].len;
	uint8_t *buf = malloc(total ? total : 1);
	if (!buf)
		return HL_ERR_NOMEM;
	uint8_t *p = buf;
	for (size_t i = 0; i < a->n; i++) {
		if (keep && !keep(a->v[i].type))
			continue;
		put_le(p, a->v[i].type, 8);
		put_le(p + 8, a->v[i].len, 4);
		if (a->v[i].len)
			memcpy(p + 12, a->v[i].value, a->v[i].len);
		p += 12 + a->v[i].len;
	}
	*out = buf;
	*out_len = total;
	return HL_OK;
}

hl_status_t hl_attrs_decode(hl_attrs_t *a, const uint8_t *in, size_t len)
{
	size_t off = 0;
	while (off < len) {
		if (len - off < 12)
			return HL_ERR_STORE_CORRUPT;
		CK_ATTRIBUTE_TYPE type = (CK_ATTRIBUTE_TYPE)get_le(in + off, 8);
		size_t vlen = (size_t)get_le(in + off + 8, 4);
		if (len - off - 12 < vlen)
			return HL_ERR_STORE_CORRUPT;
		hl_status_t st = hl_attrs_set(a, type, in + off + 12, vlen);
		if (st != HL_OK)
			return st;
		off += 12 + vlen;
	}
	return HL_OK;
}
