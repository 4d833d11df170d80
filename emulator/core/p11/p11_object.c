/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: handle tables (counters looked up in a two-level table, never pointers),
 * object functions and C_FindObjects*. Lookups run under the read lock without further
 * locking: entries are only added (under table_lock) or removed under the write lock. */
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "p11/hl_p11.h"

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define MAX_CHUNKS 65536

typedef struct {
	void **chunks[MAX_CHUNKS];
	CK_ULONG next; /* next handle to give out (0 is never valid) */
} table_t;

static table_t objects = { .next = 1 }, sessions = { .next = 1 };
static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

static void *table_get(table_t *t, CK_ULONG h)
{
	if (h == 0 || (h >> CHUNK_BITS) >= MAX_CHUNKS)
		return NULL;
	void **c = __atomic_load_n(&t->chunks[h >> CHUNK_BITS], __ATOMIC_ACQUIRE);
	return c ? __atomic_load_n(&c[h & (CHUNK - 1)], __ATOMIC_ACQUIRE) : NULL;
}

static CK_RV table_add(table_t *t, void *p, CK_ULONG *out)
{
	CK_RV rv = CKR_OK;
	pthread_mutex_lock(&table_lock);
	CK_ULONG h = t->next;
	size_t ci = h >> CHUNK_BITS;
	if (ci >= MAX_CHUNKS) {
		rv = CKR_DEVICE_MEMORY;
	} else if (!t->chunks[ci]) {
		void **c = calloc(CHUNK, sizeof(void *));
		if (c)
			__atomic_store_n(&t->chunks[ci], c, __ATOMIC_RELEASE);
		else
			rv = CKR_HOST_MEMORY;
	}
	if (rv == CKR_OK) {
		__atomic_store_n(&t->chunks[ci][h & (CHUNK - 1)], p, __ATOMIC_RELEASE);
		t->next = h + 1;
		*out = h;
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

static void table_del(table_t *t, CK_ULONG h)
{
	void **c = t->chunks[h >> CHUNK_BITS];
	if (c)
		__atomic_store_n(&c[h & (CHUNK - 1)], NULL, __ATOMIC_RELEASE);
}

static void table_clear(table_t *t, void (*release)(void *))
{
	for (size_t i = 0; i < MAX_CHUNKS; i++) {
		if (!t->chunks[i])
			continue;
		for (size_t k = 0; k < CHUNK; k++)
			if (t->chunks[i][k])
				release(t->chunks[i][k]);
		free(t->chunks[i]);
		t->chunks[i] = NULL;
	}
	/* Handles keep counting up across C_Finalize so stale ones never come back. */
}

/* -- object handles: plain (the table index) or virtual (L5) -- */

/* Table indexes stay below 2^28 (MAX_CHUNKS * CHUNK); a virtual handle is the index plus the
 * epoch's base, which is at least that, so the two kinds never meet and a virtual handle is
 * never small. Kept within 32 bits for clients that store handles in an int. */
#define VIRT_MIN ((CK_ULONG)MAX_CHUNKS * CHUNK)
#define VIRT_SPAN (0xFFFFFFFFUL - 2 * VIRT_MIN)

static CK_ULONG virt_base = VIRT_MIN; /* written only by C_Initialize (no other call runs) */

void hl_p11_handles_epoch(void)
{
	uint32_t r = 0;
	if (hl_crypto_random((uint8_t *)&r, sizeof(r)) != HL_OK)
		r = (uint32_t)virt_base * 2654435761u; /* no RNG: still a different base */
	virt_base = VIRT_MIN + (CK_ULONG)r % VIRT_SPAN;
}

static CK_ULONG index_of(CK_OBJECT_HANDLE h)
{
	return h < VIRT_MIN ? h : h >= virt_base ? h - virt_base : 0;
}

/* The object a handle names: one subtraction and a compare more than the plain table lookup
 * (the signing path pays nothing else for L5). */
static hl_object_t *object_at(CK_OBJECT_HANDLE h)
{
	hl_object_t *obj = table_get(&objects, index_of(h));
	return obj && __atomic_load_n(&obj->handle, __ATOMIC_ACQUIRE) == h ? obj : NULL;
}

/* Live session objects: finds skip the table scan when there are none. */
static CK_ULONG n_session_objects;

static void release_obj(void *p)
{
	hl_object_t *obj = p;
	if (!obj->token)
		__atomic_sub_fetch(&n_session_objects, 1, __ATOMIC_RELAXED);
	obj->handle = 0;
	hl_object_free(obj);
}

static void release_session(void *p)
{
	hl_session_t *s = p;
	hl_p11_session_ops_free(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void hl_p11_handles_clear(void)
{
	table_clear(&sessions, release_session);
	table_clear(&objects, release_obj);
}

/* -- sessions -- */

hl_session_t *hl_p11_session_get(CK_SESSION_HANDLE h)
{
	return table_get(&sessions, h);
}

CK_ULONG hl_p11_session_end(void)
{
	pthread_mutex_lock(&table_lock);
	CK_ULONG end = sessions.next;
	pthread_mutex_unlock(&table_lock);
	return end;
}

CK_RV hl_p11_session_add(hl_session_t *s)
{
	return table_add(&sessions, s, &s->handle);
}

static void destroy_session_objects(hl_session_t *s)
{
	pthread_mutex_lock(&table_lock);
	CK_ULONG end = objects.next;
	pthread_mutex_unlock(&table_lock);
	if (!__atomic_load_n(&n_session_objects, __ATOMIC_RELAXED))
		return;
	for (CK_ULONG h = 1; h < end; h++) {
		hl_object_t *obj = table_get(&objects, h);
		if (obj && !obj->token && obj->session == s->handle) {
			obj->destroyed = true;
			table_del(&objects, h);
			release_obj(obj);
		}
	}
}

/* G5: the device's token objects lose their handles (write lock held: no reader holds one);
 * the next find registers them anew, under new handles. Session objects keep theirs. */
static void forget_token_handles(const hl_device_t *dev)
{
	pthread_mutex_lock(&table_lock);
	CK_ULONG end = objects.next;
	pthread_mutex_unlock(&table_lock);
	for (CK_ULONG i = 1; i < end; i++) {
		hl_object_t *obj = table_get(&objects, i);
		if (obj && obj->token && obj->owner == dev) {
			table_del(&objects, i);
			release_obj(obj);
		}
	}
}

void hl_p11_slot_logout(hl_slot_t *slot)
{
	bool was = slot->dev->login != HL_NOT_LOGGED_IN;
	hl_device_logout(slot->dev);
	if (was && slot->new_handles_on_relogin)
		forget_token_handles(slot->dev);
}

void hl_p11_session_remove(hl_session_t *s)
{
	table_del(&sessions, s->handle);
	destroy_session_objects(s);
	__atomic_sub_fetch(&s->slot->n_sessions, 1, __ATOMIC_RELAXED);
	if (s->flags & CKF_RW_SESSION)
		__atomic_sub_fetch(&s->slot->n_rw, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&s->slot->n_sessions, __ATOMIC_RELAXED) == 0)
		hl_p11_slot_logout(s->slot);
	release_session(s);
}

CK_RV hl_p11_enter(CK_SESSION_HANDLE h, hl_session_t **out)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_rdlock();
	hl_session_t *s = table_get(&sessions, h);
	if (!s) {
		hl_p11_unlock();
		return CKR_SESSION_HANDLE_INVALID;
	}
	*out = s;
	return CKR_OK;
}

bool hl_p11_user_logged_in(const hl_session_t *s)
{
	return s->slot->dev->login == CKU_USER;
}

/* -- objects -- */

CK_RV hl_p11_object_get(hl_session_t *s, CK_OBJECT_HANDLE h, hl_object_t **out)
{
	hl_object_t *obj = object_at(h);
	if (!obj || obj->destroyed || obj->owner != s->slot->dev)
		return CKR_OBJECT_HANDLE_INVALID;
	if (obj->priv && !hl_p11_user_logged_in(s))
		return CKR_OBJECT_HANDLE_INVALID;
	hl_status_t st = hl_device_object_fresh(s->slot->dev, obj);
	if (st != HL_OK)
		return hl_p11_rv(st);
	*out = obj;
	return CKR_OK;
}

CK_RV hl_p11_object_register(hl_object_t *obj, hl_device_t *dev, CK_OBJECT_HANDLE *out)
{
	CK_ULONG h = __atomic_load_n(&obj->handle, __ATOMIC_ACQUIRE);
	if (h) {
		*out = h;
		return CKR_OK;
	}
	/* Two finds may race to name the same object: the object lock picks one. */
	pthread_mutex_lock(&obj->lock);
	CK_RV rv = CKR_OK;
	if (!obj->handle) {
		obj->owner = dev;
		rv = table_add(&objects, obj, &h);
		if (rv == CKR_OK && dev->profile && dev->profile->core.virtual_handles)
			h += virt_base; /* L5: looked up by name once per object, not per call */
		if (rv == CKR_OK) {
			hl_object_ref(obj);
			__atomic_store_n(&obj->handle, h, __ATOMIC_RELEASE);
		}
	}
	h = obj->handle;
	pthread_mutex_unlock(&obj->lock);
	if (rv == CKR_OK)
		*out = h;
	return rv;
}

CK_RV hl_p11_check_new_object(hl_session_t *s, const hl_attrs_t *attrs)
{
	if (hl_attrs_bool(attrs, CKA_TOKEN, false) && !(s->flags & CKF_RW_SESSION))
		return CKR_SESSION_READ_ONLY;
	if (hl_attrs_bool(attrs, CKA_PRIVATE, false) && !hl_p11_user_logged_in(s))
		return CKR_USER_NOT_LOGGED_IN;
	return CKR_OK;
}

CK_RV hl_p11_object_add(hl_session_t *s, hl_object_t *obj, CK_OBJECT_HANDLE *out)
{
	hl_device_t *dev = s->slot->dev;
	obj->owner = dev;
	if (obj->token) {
		hl_status_t st = hl_device_add_object(dev, obj);
		if (st != HL_OK)
			return hl_p11_rv(st);
	} else {
		obj->session = s->handle;
	}
	CK_RV rv = hl_p11_object_register(obj, dev, out);
	if (rv == CKR_OK && !obj->token)
		__atomic_add_fetch(&n_session_objects, 1, __ATOMIC_RELAXED);
	return rv;
}

/* -- C_CreateObject and friends -- */

static CK_RV template_scope(const CK_ATTRIBUTE *t, CK_ULONG n, unsigned *out)
{
	CK_OBJECT_CLASS cls = (CK_ULONG)-1;
	CK_KEY_TYPE kt = CK_UNAVAILABLE_INFORMATION;
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type == CKA_CLASS || t[i].type == CKA_KEY_TYPE) {
			if (!t[i].pValue || t[i].ulValueLen != sizeof(CK_ULONG))
				return CKR_ATTRIBUTE_VALUE_INVALID;
			memcpy(t[i].type == CKA_CLASS ? &cls : &kt, t[i].pValue, sizeof(CK_ULONG));
		}
	}
	if (cls == (CK_ULONG)-1)
		return CKR_TEMPLATE_INCOMPLETE;
	bool key = cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY || cls == CKO_SECRET_KEY;
	if (key && kt == CK_UNAVAILABLE_INFORMATION)
		return CKR_TEMPLATE_INCOMPLETE;
	*out = hl_policy_scope(cls, kt);
	return *out ? CKR_OK : CKR_ATTRIBUTE_VALUE_INVALID;
}

/* Derived attributes of imported keys. */
static hl_status_t derive_attrs(hl_attrs_t *a, hl_key_t *key)
{
	CK_OBJECT_CLASS cls = hl_attrs_ulong(a, CKA_CLASS, CKO_DATA);
	CK_KEY_TYPE kt = hl_attrs_ulong(a, CKA_KEY_TYPE, CK_UNAVAILABLE_INFORMATION);
	if (cls == CKO_PUBLIC_KEY && kt == CKK_RSA)
		return hl_attrs_set_ulong(a, CKA_MODULUS_BITS, hl_key_bits(key));
	if (cls == CKO_SECRET_KEY)
		return hl_attrs_set_ulong(a, CKA_VALUE_LEN, hl_key_bits(key) / 8);
	return HL_OK;
}

CK_RV hl_p11_C_CreateObject(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
			    CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject)
{
	hl_session_t *s;
	hl_attrs_t attrs = { 0 };
	hl_key_t *key = NULL;
	hl_object_t *obj = NULL;
	unsigned scope = 0;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pTemplate || !phObject) {
		rv = CKR_ARGUMENTS_BAD;
		goto out;
	}
	rv = template_scope(pTemplate, ulCount, &scope);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_policy_check_new(scope, HL_TMPL_CREATE, pTemplate, ulCount,
						   s->slot->dev->login == CKU_SO));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_policy_apply_new(scope, pTemplate, ulCount, &attrs));
	if (rv == CKR_OK)
		rv = hl_p11_check_new_object(s, &attrs);
	if (rv == CKR_OK && (scope & HL_S_KEY)) {
		rv = hl_p11_rv(hl_object_key_bookkeeping(&attrs, false, 0));
		if (rv == CKR_OK)
			rv = hl_p11_rv(
			    hl_object_build_key(&attrs, hl_attrs_ulong(&attrs, CKA_CLASS, 0),
						hl_attrs_ulong(&attrs, CKA_KEY_TYPE, 0), &key));
		if (rv == CKR_OK)
			rv = hl_p11_rv(derive_attrs(&attrs, key));
	}
	if (rv == CKR_OK && !(obj = hl_object_new(&attrs)))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		obj->key = key;
		key = NULL;
		rv = hl_p11_object_add(s, obj, phObject);
	}
out:
	hl_key_free(key);
	hl_object_free(obj);
	hl_attrs_clear(&attrs);
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_CopyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			  CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount,
			  CK_OBJECT_HANDLE_PTR phNewObject)
{
	hl_session_t *s;
	hl_object_t *src = NULL, *obj = NULL;
	hl_attrs_t attrs = { 0 };
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if ((!pTemplate && ulCount) || !phNewObject)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = hl_p11_object_get(s, hObject, &src);
	if (rv == CKR_OK) {
		pthread_mutex_lock(&src->lock);
		rv = hl_p11_rv(hl_policy_check_change(src->scope, HL_TMPL_COPY, &src->attrs,
						      pTemplate, ulCount,
						      s->slot->dev->login == CKU_SO));
		if (rv == CKR_OK)
			rv = hl_p11_rv(hl_object_unseal_locked(src));
		if (rv == CKR_OK)
			rv = hl_p11_rv(hl_attrs_copy(&src->attrs, &attrs));
		pthread_mutex_unlock(&src->lock);
	}
	for (CK_ULONG i = 0; rv == CKR_OK && i < ulCount; i++)
		rv = hl_p11_rv(hl_attrs_set(&attrs, pTemplate[i].type, pTemplate[i].pValue,
					    pTemplate[i].ulValueLen));
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_update_bookkeeping(&attrs));
	if (rv == CKR_OK)
		rv = hl_p11_check_new_object(s, &attrs);
	if (rv == CKR_OK && !(obj = hl_object_new(&attrs)))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		hl_key_t *k = NULL;
		if (src->key && hl_object_key(src, &k) == HL_OK)
			obj->key = k;
		rv = hl_p11_object_add(s, obj, phNewObject);
	}
	hl_object_free(obj);
	hl_attrs_clear(&attrs);
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock(); /* removes a table entry: no reader may hold it */
	hl_session_t *s = table_get(&sessions, hSession);
	hl_object_t *obj = NULL;
	CK_RV rv = s ? hl_p11_object_get(s, hObject, &obj) : CKR_SESSION_HANDLE_INVALID;
	if (rv == CKR_OK && obj->token && !(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	if (rv == CKR_OK && !hl_attrs_bool(&obj->attrs, CKA_DESTROYABLE, true))
		rv = CKR_ACTION_PROHIBITED;
	if (rv == CKR_OK && obj->token)
		rv = hl_p11_rv(hl_device_destroy_object(s->slot->dev, obj));
	if (rv == CKR_OK) {
		obj->destroyed = true;
		table_del(&objects, index_of(hObject));
		release_obj(obj);
	}
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_GetObjectSize(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
			     CK_ULONG_PTR pulSize)
{
	hl_session_t *s;
	hl_object_t *obj = NULL;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = pulSize ? hl_p11_object_get(s, hObject, &obj) : CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		CK_ULONG n = 0;
		pthread_mutex_lock(&obj->lock);
		for (size_t i = 0; i < obj->attrs.n; i++)
			n += (CK_ULONG)obj->attrs.v[i].len;
		pthread_mutex_unlock(&obj->lock);
		*pulSize = n + obj->sealed_len;
	}
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
				 CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	hl_session_t *s;
	hl_object_t *obj = NULL;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = (pTemplate || !ulCount) ? hl_p11_object_get(s, hObject, &obj) : CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_get_attrs(obj, pTemplate, ulCount));
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_SetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject,
				 CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount)
{
	hl_session_t *s;
	hl_object_t *obj = NULL;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	rv = (pTemplate || !ulCount) ? hl_p11_object_get(s, hObject, &obj) : CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK && obj->token && !(s->flags & CKF_RW_SESSION))
		rv = CKR_SESSION_READ_ONLY;
	if (rv == CKR_OK) {
		pthread_mutex_lock(&obj->lock);
		rv = hl_p11_rv(hl_policy_check_change(obj->scope, HL_TMPL_SET, &obj->attrs,
						      pTemplate, ulCount,
						      s->slot->dev->login == CKU_SO));
		pthread_mutex_unlock(&obj->lock);
	}
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_device_update_object(s->slot->dev, obj, pTemplate, ulCount));
	hl_p11_unlock();
	return rv;
}

/* -- finding -- */

static CK_RV push_found(hl_session_t *s, CK_OBJECT_HANDLE h, size_t *cap)
{
	if (s->n_found == *cap) {
		size_t nc = *cap ? *cap * 2 : 32;
		CK_OBJECT_HANDLE *v = reallocarray(s->found, nc, sizeof(*v));
		if (!v)
			return CKR_HOST_MEMORY;
		s->found = v;
		*cap = nc;
	}
	s->found[s->n_found++] = h;
	return CKR_OK;
}

static CK_RV find_session_objects(hl_session_t *s, const CK_ATTRIBUTE *t, CK_ULONG n, size_t *cap)
{
	pthread_mutex_lock(&table_lock);
	CK_ULONG end = objects.next;
	pthread_mutex_unlock(&table_lock);
	CK_RV rv = CKR_OK;
	if (!__atomic_load_n(&n_session_objects, __ATOMIC_RELAXED))
		return CKR_OK;
	for (CK_ULONG h = 1; rv == CKR_OK && h < end; h++) {
		hl_object_t *obj = table_get(&objects, h);
		if (!obj || obj->token || obj->destroyed || obj->owner != s->slot->dev)
			continue;
		if (obj->priv && !hl_p11_user_logged_in(s))
			continue;
		if (hl_object_match(obj, t, n))
			rv = push_found(s, obj->handle, cap);
	}
	return rv;
}

CK_RV hl_p11_C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate,
			       CK_ULONG ulCount)
{
	hl_session_t *s;
	hl_object_t **objs = NULL;
	size_t n = 0, cap = 0;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!pTemplate && ulCount) {
		hl_p11_unlock();
		return CKR_ARGUMENTS_BAD;
	}
	pthread_mutex_lock(&s->lock);
	if (s->finding) {
		rv = CKR_OPERATION_ACTIVE;
		goto out;
	}
	free(s->found);
	s->found = NULL;
	s->n_found = s->pos = 0;
	CK_BBOOL tok = CK_TRUE;
	bool want_token = true, want_session = true;
	for (CK_ULONG i = 0; i < ulCount; i++)
		if (pTemplate[i].type == CKA_TOKEN && pTemplate[i].ulValueLen == 1) {
			tok = *(CK_BBOOL *)pTemplate[i].pValue;
			want_token = tok != CK_FALSE;
			want_session = tok == CK_FALSE;
		}
	if (want_token && s->slot->dev->store)
		rv = hl_p11_rv(hl_device_find(s->slot->dev, pTemplate, ulCount,
					      hl_p11_user_logged_in(s), &objs, &n));
	for (size_t i = 0; i < n; i++) {
		CK_OBJECT_HANDLE h = 0;
		if (rv == CKR_OK)
			rv = hl_p11_object_register(objs[i], s->slot->dev, &h);
		if (rv == CKR_OK)
			rv = push_found(s, h, &cap);
		hl_object_free(objs[i]);
	}
	free(objs);
	if (rv == CKR_OK && want_session)
		rv = find_session_objects(s, pTemplate, ulCount, &cap);
	if (rv == CKR_OK)
		s->finding = true;
out:
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject,
			   CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	if (!phObject || !pulObjectCount) {
		hl_p11_unlock();
		return CKR_ARGUMENTS_BAD;
	}
	pthread_mutex_lock(&s->lock);
	if (!s->finding) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else {
		CK_ULONG k = 0;
		while (k < ulMaxObjectCount && s->pos < s->n_found)
			phObject[k++] = s->found[s->pos++];
		*pulObjectCount = k;
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

CK_RV hl_p11_C_FindObjectsFinal(CK_SESSION_HANDLE hSession)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(hSession, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->finding)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	s->finding = false;
	free(s->found);
	s->found = NULL;
	s->n_found = s->pos = 0;
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}
