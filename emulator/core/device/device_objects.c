/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: token objects of a device — persistence, lazy loading and the cache. */
#include <stdlib.h>
#include <string.h>

#include "device_int.h"

/* -- the id → object cache (chained hash, grows at load factor 1) -- */

typedef struct node {
	hl_object_t *obj;
	struct node *next;
} node_t;

struct hl_objmap {
	node_t **b;
	size_t nb, n;
};

static size_t bucket(const hl_objmap_t *m, uint64_t id)
{
	return (size_t)((id * 0x9E3779B97F4A7C15ull) >> 20) & (m->nb - 1);
}

hl_objmap_t *hl_objmap_new(void)
{
	hl_objmap_t *m = calloc(1, sizeof(*m));
	if (m && !(m->b = calloc(m->nb = 1024, sizeof(*m->b)))) {
		free(m);
		m = NULL;
	}
	return m;
}

void hl_objmap_clear(hl_objmap_t *m)
{
	for (size_t i = 0; i < m->nb; i++) {
		for (node_t *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			e->obj->destroyed = true;
			hl_object_free(e->obj);
			free(e);
		}
		m->b[i] = NULL;
	}
	m->n = 0;
}

void hl_objmap_free(hl_objmap_t *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nb; i++)
		for (node_t *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			hl_object_free(e->obj);
			free(e);
		}
	free(m->b);
	free(m);
}

hl_object_t *hl_objmap_get(hl_objmap_t *m, uint64_t id)
{
	for (node_t *e = m->b[bucket(m, id)]; e; e = e->next)
		if (e->obj->id == id)
			return e->obj;
	return NULL;
}

static void grow(hl_objmap_t *m)
{
	hl_objmap_t nm = { calloc(m->nb * 2, sizeof(node_t *)), m->nb * 2, m->n };
	if (!nm.b)
		return; /* keep the longer chains */
	for (size_t i = 0; i < m->nb; i++)
		for (node_t *e = m->b[i], *nx; e; e = nx) {
			nx = e->next;
			size_t k = bucket(&nm, e->obj->id);
			e->next = nm.b[k];
			nm.b[k] = e;
		}
	free(m->b);
	*m = nm;
}

hl_status_t hl_objmap_put(hl_objmap_t *m, hl_object_t *obj)
{
	node_t *e = calloc(1, sizeof(*e));
	if (!e)
		return HL_ERR_NOMEM;
	if (m->n >= m->nb)
		grow(m);
	size_t k = bucket(m, obj->id);
	e->obj = hl_object_ref(obj);
	e->next = m->b[k];
	m->b[k] = e;
	m->n++;
	return HL_OK;
}

void hl_objmap_del(hl_objmap_t *m, uint64_t id)
{
	for (node_t **pp = &m->b[bucket(m, id)]; *pp; pp = &(*pp)->next) {
		node_t *e = *pp;
		if (e->obj->id == id) {
			*pp = e->next;
			hl_object_free(e->obj);
			free(e);
			m->n--;
			return;
		}
	}
}

/* -- rows -- */

static bool not_secret(CK_ATTRIBUTE_TYPE type)
{
	return !hl_policy_is_secret_attr(type);
}

static hl_status_t put_row(hl_device_t *dev, hl_object_t *obj)
{
	hl_store_row_t row = { .id = obj->id, .cls = obj->cls, .priv = obj->priv };
	const hl_attr_t *label = hl_attrs_get(&obj->attrs, CKA_LABEL);
	const hl_attr_t *ckaid = hl_attrs_get(&obj->attrs, CKA_ID);
	hl_status_t st = hl_attrs_encode(&obj->attrs, not_secret, &row.attrs, &row.attrs_len);
	if (st != HL_OK)
		return st;
	if (label) {
		row.label = label->value;
		row.label_len = label->len;
	}
	if (ckaid) {
		row.ckaid = ckaid->value;
		row.ckaid_len = ckaid->len;
	}
	row.sealed = obj->sealed;
	row.sealed_len = obj->sealed_len;
	st = hl_store_put(dev->store, &row);
	free(row.attrs);
	return st;
}

static hl_status_t load_row(hl_device_t *dev, uint64_t id, hl_object_t **out)
{
	hl_store_row_t row = { 0 };
	hl_attrs_t attrs = { 0 };
	hl_status_t st = hl_store_get(dev->store, id, &row);
	if (st == HL_OK)
		st = hl_attrs_decode(&attrs, row.attrs, row.attrs_len);
	if (st != HL_OK) {
		hl_attrs_clear(&attrs);
		hl_store_row_clear(&row);
		return st == HL_ERR_NOT_FOUND ? HL_ERR_OBJECT_HANDLE_INVALID : st;
	}
	hl_object_t *obj = hl_object_new(&attrs);
	if (!obj) {
		hl_store_row_clear(&row);
		return HL_ERR_NOMEM;
	}
	obj->id = id;
	obj->gen = dev->gen;
	obj->seal = &dev->seal;
	obj->sealed = row.sealed;
	obj->sealed_len = row.sealed_len;
	obj->unsealed = row.sealed == NULL;
	row.sealed = NULL;
	hl_store_row_clear(&row);
	*out = obj;
	return HL_OK;
}

/* A cached object or one loaded now (new reference). */
static hl_status_t get_locked(hl_device_t *dev, uint64_t id, hl_object_t **out)
{
	hl_object_t *obj = hl_objmap_get(dev->objs, id);
	if (obj) {
		*out = hl_object_ref(obj);
		return HL_OK;
	}
	hl_status_t st = load_row(dev, id, &obj);
	if (st == HL_OK)
		st = hl_objmap_put(dev->objs, obj);
	if (st == HL_OK)
		*out = obj;
	else
		hl_object_free(obj);
	return st;
}

/* -- public -- */

hl_status_t hl_device_add_object(hl_device_t *dev, hl_object_t *obj)
{
	return hl_device_add_objects_with(dev, &obj, 1, NULL, NULL);
}

hl_status_t hl_device_add_object_with(hl_device_t *dev, hl_object_t *obj,
				      hl_status_t (*also)(hl_device_t *dev, void *arg), void *arg)
{
	return hl_device_add_objects_with(dev, &obj, 1, also, arg);
}

/* A new object's id, seal and row, inside the caller's transaction (device lock held). The
 * count is read again for each object: the rows put before it in this transaction count. */
static hl_status_t put_new_locked(hl_device_t *dev, hl_object_t *obj)
{
	uint64_t id = 0, count = 0;
	hl_status_t st = HL_OK;
	if (dev->profile->max_objects) {
		st = hl_store_count(dev->store, &count);
		if (st == HL_OK && count >= dev->profile->max_objects)
			st = HL_ERR_DEVICE_MEMORY;
	}
	if (st == HL_OK)
		st = hl_store_next_id(dev->store, &id);
	if (st == HL_OK) {
		free(obj->sealed);
		obj->sealed = NULL;
		st = hl_object_seal(obj, &dev->seal, id, &obj->sealed, &obj->sealed_len);
	}
	if (st == HL_OK) {
		obj->id = id;
		st = put_row(dev, obj);
	}
	return st;
}

hl_status_t hl_device_add_objects_with(hl_device_t *dev, hl_object_t *const *objs, size_t n,
				       hl_status_t (*also)(hl_device_t *dev, void *arg), void *arg)
{
	if (dev->broken)
		return dev->broken;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_store_begin(dev->store);
	for (size_t i = 0; st == HL_OK && i < n; i++)
		st = put_new_locked(dev, objs[i]);
	if (st == HL_OK && also)
		st = also(dev, arg);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	bool committed = st == HL_OK;
	for (size_t i = 0; i < n; i++) {
		if (!committed) {
			objs[i]->id = 0;
			continue;
		}
		/* Our own commit changed data_version's view only for others. */
		objs[i]->seal = &dev->seal;
		objs[i]->gen = dev->gen;
		hl_status_t pst = hl_objmap_put(dev->objs, objs[i]);
		st = st == HL_OK ? pst : st;
	}
	pthread_mutex_unlock(&dev->lock);
	return st;
}

hl_status_t hl_device_update_object(hl_device_t *dev, hl_object_t *obj, const CK_ATTRIBUTE *t,
				    CK_ULONG n)
{
	hl_attrs_t old = { 0 };
	pthread_mutex_lock(&dev->lock);
	pthread_mutex_lock(&obj->lock);
	hl_status_t st = hl_attrs_copy(&obj->attrs, &old);
	for (CK_ULONG i = 0; i < n && st == HL_OK; i++)
		st = hl_attrs_set(&obj->attrs, t[i].type, t[i].pValue, t[i].ulValueLen);
	if (st == HL_OK)
		st = hl_object_update_bookkeeping(&obj->attrs);
	if (st == HL_OK && obj->id) {
		st = hl_store_begin(dev->store);
		if (st == HL_OK)
			st = put_row(dev, obj);
		if (st == HL_OK)
			st = hl_store_commit(dev->store);
		else
			hl_store_rollback(dev->store);
	}
	if (st != HL_OK) { /* no trace: restore the attributes */
		hl_attrs_clear(&obj->attrs);
		obj->attrs = old;
	} else {
		hl_attrs_clear(&old);
	}
	pthread_mutex_unlock(&obj->lock);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

hl_status_t hl_device_destroy_object(hl_device_t *dev, hl_object_t *obj)
{
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_store_begin(dev->store);
	if (st == HL_OK)
		st = hl_store_delete(dev->store, obj->id);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	if (st == HL_OK) {
		obj->destroyed = true;
		hl_objmap_del(dev->objs, obj->id);
	}
	pthread_mutex_unlock(&dev->lock);
	return st;
}

hl_status_t hl_device_delete_all_locked(hl_device_t *dev)
{
	hl_status_t st = hl_store_delete_all(dev->store);
	if (st == HL_OK)
		hl_objmap_clear(dev->objs);
	return st;
}

/* Re-reads a cached object's public attributes (key material never changes). */
static hl_status_t reload_locked(hl_device_t *dev, hl_object_t *obj)
{
	hl_store_row_t row = { 0 };
	hl_attrs_t attrs = { 0 };
	hl_status_t st = hl_store_get(dev->store, obj->id, &row);
	if (st == HL_ERR_NOT_FOUND) {
		obj->destroyed = true;
		hl_objmap_del(dev->objs, obj->id);
		return HL_ERR_OBJECT_HANDLE_INVALID;
	}
	if (st == HL_OK)
		st = hl_attrs_decode(&attrs, row.attrs, row.attrs_len);
	pthread_mutex_lock(&obj->lock);
	for (size_t i = 0; st == HL_OK && i < obj->attrs.n; i++)
		if (hl_policy_is_secret_attr(obj->attrs.v[i].type))
			st = hl_attrs_set(&attrs, obj->attrs.v[i].type, obj->attrs.v[i].value,
					  obj->attrs.v[i].len);
	if (st == HL_OK) {
		hl_attrs_clear(&obj->attrs);
		obj->attrs = attrs;
		memset(&attrs, 0, sizeof(attrs));
		obj->gen = dev->gen;
	}
	pthread_mutex_unlock(&obj->lock);
	hl_attrs_clear(&attrs);
	hl_store_row_clear(&row);
	return st;
}

hl_status_t hl_device_object_fresh(hl_device_t *dev, hl_object_t *obj)
{
	if (obj->destroyed)
		return HL_ERR_OBJECT_HANDLE_INVALID;
	if (!obj->id || __atomic_load_n(&obj->gen, __ATOMIC_RELAXED) ==
			    __atomic_load_n(&dev->gen, __ATOMIC_RELAXED))
		return HL_OK;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = obj->gen == dev->gen ? HL_OK : reload_locked(dev, obj);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

static void filter_from(const CK_ATTRIBUTE *t, CK_ULONG n, hl_store_filter_t *f)
{
	for (CK_ULONG i = 0; i < n; i++) {
		if (t[i].type == CKA_CLASS && t[i].ulValueLen == sizeof(CK_ULONG))
			f->cls = t[i].pValue;
		else if (t[i].type == CKA_LABEL) {
			f->label = t[i].pValue ? t[i].pValue : (const uint8_t *)"";
			f->label_len = t[i].ulValueLen;
		} else if (t[i].type == CKA_ID) {
			f->ckaid = t[i].pValue ? t[i].pValue : (const uint8_t *)"";
			f->ckaid_len = t[i].ulValueLen;
		}
	}
}

hl_status_t hl_device_find(hl_device_t *dev, const CK_ATTRIBUTE *t, CK_ULONG n, bool with_private,
			   hl_object_t ***out, size_t *n_out)
{
	hl_store_filter_t f = { .with_private = with_private };
	uint64_t *ids = NULL;
	size_t nids = 0, k = 0;
	hl_object_t **v = NULL;
	if (dev->broken)
		return dev->broken;
	filter_from(t, n, &f);
	pthread_mutex_lock(&dev->lock);
	hl_device_refresh_locked(dev);
	hl_status_t st = hl_store_find(dev->store, &f, &ids, &nids);
	if (st == HL_OK && nids && !(v = calloc(nids, sizeof(*v))))
		st = HL_ERR_NOMEM;
	for (size_t i = 0; st == HL_OK && i < nids; i++) {
		hl_object_t *obj = NULL;
		hl_status_t gs = get_locked(dev, ids[i], &obj);
		if (gs == HL_OK && obj->gen != dev->gen)
			gs = reload_locked(dev, obj);
		if (gs == HL_ERR_OBJECT_HANDLE_INVALID) {
			hl_object_free(obj);
			continue;
		}
		st = gs;
		if (st == HL_OK && hl_object_match(obj, t, n))
			v[k++] = obj;
		else
			hl_object_free(obj);
	}
	pthread_mutex_unlock(&dev->lock);
	free(ids);
	if (st != HL_OK) {
		for (size_t i = 0; i < k; i++)
			hl_object_free(v[i]);
		free(v);
		return st;
	}
	*out = v;
	*n_out = k;
	return HL_OK;
}
