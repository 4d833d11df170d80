/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the "hsmlab admin" extension interface (hsmlab/hsmlab-ext.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/hsmlab-ext.h"
#include "p11/hl_p11.h"

static CK_RV ext_lab_create(const char *dir)
{
	char err[512] = "";
	hl_lab_config_t cfg = { 0 };
	hl_lab_t *lab = NULL;
	if (!dir || !dir[0])
		return CKR_ARGUMENTS_BAD;
	cfg.lab_dir = strdup(dir);
	cfg.profile_dir = strdup(".");
	cfg.default_profile = strdup(hl_module_family);
	if (!cfg.lab_dir || !cfg.profile_dir || !cfg.default_profile) {
		hl_lab_config_clear(&cfg);
		return CKR_HOST_MEMORY;
	}
	hl_status_t st = hl_lab_open(&cfg, true, &lab, err, sizeof(err));
	if (st != HL_OK)
		hl_p11_log("%s", err);
	hl_lab_free(lab);
	return hl_p11_rv(st);
}

static void copy(char *dst, size_t n, const char *src)
{
	if (dst && n)
		snprintf(dst, n, "%s", src ? src : "");
}

static CK_RV ext_lab_info(char *lab_dir, size_t lab_len, char *conf, size_t conf_len,
			  char *profile_dir, size_t profile_len)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_rdlock();
	hl_lab_t *lab = hl_p11_lab();
	copy(lab_dir, lab_len, lab->cfg.lab_dir);
	copy(conf, conf_len, lab->cfg.conf_path);
	copy(profile_dir, profile_len, lab->cfg.profile_dir);
	hl_p11_unlock();
	return CKR_OK;
}

static CK_RV ext_device_create(const char *profile, CK_SLOT_ID *slot_out, char serial_out[17])
{
	char err[512] = "";
	const hl_profile_t *p = NULL;
	hl_device_t *dev = NULL;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock();
	hl_lab_t *lab = hl_p11_lab();
	CK_SLOT_ID next = 0;
	for (size_t i = 0; i < hl_p11_slot_count(); i++) {
		hl_device_t *d = hl_p11_slot_at(i)->dev;
		if (d->slot_id != HL_DEVICE_SLOT_UNKNOWN && d->slot_id >= next)
			next = d->slot_id + 1;
	}
	hl_status_t st =
	    hl_lab_profile(lab, profile ? profile : lab->cfg.default_profile, &p, err, sizeof(err));
	if (st == HL_OK && !hl_p11_serves(p)) {
		snprintf(err, sizeof(err),
			 "profile \"%s\" is of family \"%s\"; this module serves \"%s\" (load "
			 "that family's module)",
			 p->name, p->family, hl_module_family);
		st = HL_ERR_ARGS;
	}
	if (st == HL_OK)
		st = hl_device_create(lab, p, next, NULL, &dev, err, sizeof(err));
	if (st != HL_OK)
		hl_p11_log("%s", err);
	CK_RV rv = hl_p11_rv(st);
	char serial[17] = "";
	if (rv == CKR_OK) {
		memcpy(serial, dev->serial, 17);
		hl_device_free(dev); /* the rescan loads it like any other device */
		rv = hl_p11_rescan();
	}
	/* The slot id a client sees (L5 may make it virtual) is the new slot's. */
	for (size_t i = 0; rv == CKR_OK && i < hl_p11_slot_count(); i++) {
		hl_slot_t *s = hl_p11_slot_at(i);
		if (strcmp(s->dev->serial, serial) == 0 && slot_out)
			*slot_out = s->id;
	}
	if (rv == CKR_OK && serial_out)
		memcpy(serial_out, serial, 17);
	hl_p11_unlock();
	return rv;
}

static const char *state_name(const hl_device_t *d)
{
	if (d->broken)
		return "broken";
	return d->state == HL_DEV_FREE      ? "free"
	       : d->state == HL_DEV_FACTORY ? "factory"
					    : "initialized";
}

static void fill_info(hl_slot_t *s, hsmlab_device_info_t *info)
{
	hl_device_t *d = s->dev;
	memset(info, 0, sizeof(*info));
	info->slot_id = s->id;
	copy(info->serial, sizeof(info->serial), d->serial);
	copy(info->profile, sizeof(info->profile), d->profile ? d->profile->name : "");
	copy(info->family, sizeof(info->family), d->profile ? d->profile->family : "");
	copy(info->state, sizeof(info->state), state_name(d));
	copy(info->path, sizeof(info->path), d->state == HL_DEV_FREE ? "" : d->path);
	copy(info->error, sizeof(info->error), d->broken ? d->err : "");
	if (!d->broken) {
		hl_device_refresh(d);
		memcpy(info->label, d->label, 33);
	}
	uint64_t n = 0;
	if (d->store && hl_store_count(d->store, &n) == HL_OK)
		info->objects = (CK_ULONG)n;
}

static CK_RV ext_device_list(hsmlab_device_info_t *list, CK_ULONG *count)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!count)
		return CKR_ARGUMENTS_BAD;
	hl_p11_wrlock();
	CK_RV rv = list ? CKR_OK : hl_p11_rescan();
	CK_ULONG n = (CK_ULONG)hl_p11_slot_count();
	if (rv == CKR_OK && list && *count < n)
		rv = CKR_BUFFER_TOO_SMALL;
	for (CK_ULONG i = 0; rv == CKR_OK && list && i < n; i++)
		fill_info(hl_p11_slot_at(i), &list[i]);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*count = n;
	hl_p11_unlock();
	return rv;
}

static CK_RV ext_device_info(CK_SLOT_ID slot, hsmlab_device_info_t *info)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!info)
		return CKR_ARGUMENTS_BAD;
	hl_p11_wrlock();
	hl_slot_t *s = hl_p11_slot(slot);
	if (s)
		fill_info(s, info);
	hl_p11_unlock();
	return s ? CKR_OK : CKR_SLOT_ID_INVALID;
}

static void fill_obj(hl_object_t *o, hsmlab_object_info_t *out)
{
	memset(out, 0, sizeof(*out));
	out->id = (CK_ULONG)o->id;
	out->cls = o->cls;
	out->key_type = o->key_type;
	out->is_private = o->priv ? CK_TRUE : CK_FALSE;
	pthread_mutex_lock(&o->lock);
	const hl_attr_t *l = hl_attrs_get(&o->attrs, CKA_LABEL),
			*i = hl_attrs_get(&o->attrs, CKA_ID);
	if (l)
		snprintf(out->label, sizeof(out->label), "%.*s", (int)l->len,
			 (const char *)l->value);
	if (i && i->len) { /* an empty CKA_ID has no value to copy (NULL) */
		out->id_attr_len = i->len > 64 ? 64 : i->len;
		memcpy(out->id_attr, i->value, out->id_attr_len);
	}
	pthread_mutex_unlock(&o->lock);
}

static CK_RV ext_object_list(CK_SLOT_ID slot, hsmlab_object_info_t *list, CK_ULONG *count)
{
	hl_object_t **objs = NULL;
	size_t n = 0;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!count)
		return CKR_ARGUMENTS_BAD;
	hl_p11_rdlock();
	hl_slot_t *s = hl_p11_slot(slot);
	CK_RV rv = s ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK && s->dev->broken)
		rv = hl_p11_rv(s->dev->broken);
	if (rv == CKR_OK && s->dev->store)
		rv = hl_p11_rv(hl_device_find(s->dev, NULL, 0, true, &objs, &n));
	if (rv == CKR_OK && list && *count < n)
		rv = CKR_BUFFER_TOO_SMALL;
	for (size_t i = 0; rv == CKR_OK && list && i < n; i++)
		fill_obj(objs[i], &list[i]);
	if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL)
		*count = (CK_ULONG)n;
	for (size_t i = 0; i < n; i++)
		hl_object_free(objs[i]);
	free(objs);
	hl_p11_unlock();
	return rv;
}

const HSMLAB_EXT_FUNCTION_LIST hl_p11_ext_functions = {
	.version = { HSMLAB_EXT_VERSION_MAJOR, HSMLAB_EXT_VERSION_MINOR },
	.lab_create = ext_lab_create,
	.lab_info = ext_lab_info,
	.device_create = ext_device_create,
	.device_list = ext_device_list,
	.device_info = ext_device_info,
	.object_list = ext_object_list,
	.last_error = hl_p11_last_error,
};
