/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the "hsmlab family" extension table (hsmlab/hsmlab-family.h): audit log
 * export and verification (with the device's own key and its domain's), device clock, the
 * family's device warning. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hl_fam.h"
#include "crypto/hl_crypto.h"
#include "p11/hl_p11.h"

const hl_fam_switches_t *hl_fam_switches(const hl_device_t *dev)
{
	static const hl_fam_switches_t none;
	const hl_profile_t *p = dev ? dev->profile : NULL;
	/* Only a family whose switch struct starts with the shared part (hl_fam.h). */
	bool ours = dev && dev->family && dev->family->quirk_size >= sizeof(hl_fam_switches_t);
	return ours && p && p->family_sw ? p->family_sw : &none;
}

/* Runs fn on the device of slot with the p11 read lock and the device lock held. */
typedef CK_RV (*dev_fn)(hl_device_t *dev, void *arg);

static CK_RV with_device(CK_SLOT_ID slot, dev_fn fn, void *arg)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_rdlock();
	hl_slot_t *s = hl_p11_slot(slot);
	CK_RV rv = s ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK && (s->dev->broken || !s->dev->store)) {
		hl_p11_log("slot %lu: device %s has no store (create it first)",
			   (unsigned long)slot, s->dev->serial);
		rv = CKR_DEVICE_ERROR;
	}
	if (rv == CKR_OK) {
		pthread_mutex_lock(&s->dev->lock);
		rv = hl_fam_state(s->dev) ? fn(s->dev, arg) : CKR_DEVICE_ERROR;
		pthread_mutex_unlock(&s->dev->lock);
	}
	hl_p11_unlock();
	return rv;
}

static CK_RV do_export(hl_device_t *dev, void *arg)
{
	char err[512] = "";
	hl_status_t st = hl_fam_audit_sync(dev); /* the end line's key: the domain's, if any */
	if (st == HL_OK)
		st = hl_audit_export(hl_fam_state(dev)->audit, arg, err, sizeof(err));
	if (st != HL_OK && err[0])
		hl_p11_log("cannot export the audit log: %s", err);
	else if (st != HL_OK)
		hl_p11_log("%s: cannot export the audit log: %s", (const char *)arg,
			   hl_strerror(st));
	return hl_p11_rv(st);
}

static CK_RV ext_audit_export(CK_SLOT_ID slot, const char *path)
{
	return path && path[0] ? with_device(slot, do_export, (void *)path) : CKR_ARGUMENTS_BAD;
}

typedef struct {
	const char *path;
	hsmlab_audit_check_t *out;
} verify_arg_t;

static void list_problems(const hl_audit_report_t *r, char *buf, size_t len)
{
	buf[0] = 0;
	for (size_t i = 0; i < r->n_problems && i < HL_AUDIT_MAX_PROBLEMS; i++) {
		const hl_audit_problem_t *p = &r->problems[i];
		size_t used = strlen(buf);
		snprintf(buf + used, len - used, "line %zu (seq %llu): %s: %s\n", p->line,
			 (unsigned long long)p->seq, hl_audit_problem_name(p->kind), p->msg);
	}
}

/* Intact but keyed by a key the device does not hold: say so, and by which key. */
static void list_unkeyed(const hl_audit_report_t *r, const hl_device_t *dev, char *buf, size_t len)
{
	const char *whose = strncmp(r->missing_key, "domain:", 7) == 0
				? "a domain this device does not hold"
				: "another device's own key";
	int n =
	    snprintf(buf, len,
		     "cannot authenticate (intact: nothing found tampered): %s of %s's "
		     "export %s keyed by %s, %s (device %s holds its own key%s)",
		     r->unauthenticated ? "the records from seq" : "the end line", r->serial,
		     r->unauthenticated ? "on are" : "is", r->missing_key, whose, dev->serial,
		     hl_fam_switches(dev)->audit_domain_key ? " and its domain's, if it holds one"
							    : " only");
	if (r->unauthenticated && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, ": %llu records from seq %llu\n",
			 (unsigned long long)r->unauthenticated,
			 (unsigned long long)r->first_unauthenticated);
	else if (n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "\n");
}

static CK_RV do_verify(hl_device_t *dev, void *arg)
{
	verify_arg_t *va = arg;
	uint8_t keys[2][HL_AUDIT_KEY_LEN];
	size_t n = 0;
	hl_audit_report_t *r = calloc(1, sizeof(*r));
	hl_status_t st = r ? hl_fam_audit_keys(dev, keys, &n) : HL_ERR_NOMEM;
	if (st == HL_OK)
		st = hl_audit_verify_file_keys(va->path, (const uint8_t(*)[HL_AUDIT_KEY_LEN])keys,
					       n, r);
	hl_crypto_wipe(keys, sizeof(keys));
	CK_RV rv = hl_p11_rv(st);
	if (st == HL_OK || st == HL_ERR_AUDIT_BROKEN) {
		memset(va->out, 0, sizeof(*va->out));
		va->out->records = r->records;
		va->out->intact = st == HL_OK && r->authenticated;
		list_problems(r, va->out->problems, sizeof(va->out->problems));
		rv = va->out->intact ? CKR_OK : CKR_SIGNATURE_INVALID;
		if (st == HL_OK && !r->authenticated) {
			list_unkeyed(r, dev, va->out->problems, sizeof(va->out->problems));
			hl_p11_log("%s: %.*s", va->path, (int)strcspn(va->out->problems, "\n"),
				   va->out->problems);
			rv = CKR_KEY_NEEDED;
		}
	} else {
		hl_p11_log("%s: cannot verify: %s", va->path, hl_strerror(st));
	}
	free(r);
	return rv;
}

static CK_RV ext_audit_verify(CK_SLOT_ID slot, const char *path, hsmlab_audit_check_t *out)
{
	verify_arg_t va = { path, out };
	return path && out ? with_device(slot, do_verify, &va) : CKR_ARGUMENTS_BAD;
}

static CK_RV do_count(hl_device_t *dev, void *arg)
{
	uint64_t n = 0;
	hl_status_t st = hl_audit_count(hl_fam_state(dev)->audit, &n);
	if (st == HL_OK)
		*(unsigned long long *)arg = n;
	return hl_p11_rv(st);
}

static CK_RV ext_audit_count(CK_SLOT_ID slot, unsigned long long *count)
{
	return count ? with_device(slot, do_count, count) : CKR_ARGUMENTS_BAD;
}

/* The clock change and its audit record commit together. */
static CK_RV do_clock_set(hl_device_t *dev, void *arg)
{
	hl_fam_state_t *fs = hl_fam_state(dev);
	hl_clock_t c = fs->clock;
	char from[HL_CLOCK_ISO_LEN], to[HL_CLOCK_ISO_LEN], details[96];
	int64_t when = *(const long long *)arg;
	if (hl_clock_format(hl_clock_now(&c), from, sizeof(from)) != HL_OK ||
	    hl_clock_format(when, to, sizeof(to)) != HL_OK)
		return CKR_ARGUMENTS_BAD;
	hl_clock_set(&c, when);
	snprintf(details, sizeof(details), "from=%s to=%s", from, to);
	hl_status_t st = hl_store_begin(dev->store);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "clock_offset", (uint64_t)c.offset);
	if (st == HL_OK) {
		fs->clock = c; /* the record carries the new time */
		st = hl_fam_audit(dev, HL_AUDIT_CLOCK_CHANGE, "clock", details);
	}
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	return hl_p11_rv(st);
}

static CK_RV ext_clock_set(CK_SLOT_ID slot, long long when)
{
	return with_device(slot, do_clock_set, &when);
}

typedef struct {
	long long *now, *offset;
} clock_arg_t;

static CK_RV do_clock_get(hl_device_t *dev, void *arg)
{
	clock_arg_t *ca = arg;
	uint64_t off = 0;
	if (hl_store_meta_get_u64(dev->store, "clock_offset", &off) == HL_OK)
		hl_fam_state(dev)->clock.offset = (int64_t)off;
	const hl_clock_t *c = &hl_fam_state(dev)->clock;
	if (ca->now)
		*ca->now = hl_clock_now(c);
	if (ca->offset)
		*ca->offset = c->offset;
	return CKR_OK;
}

static CK_RV ext_clock_get(CK_SLOT_ID slot, long long *now, long long *offset)
{
	clock_arg_t ca = { now, offset };
	return with_device(slot, do_clock_get, &ca);
}

typedef struct {
	char *buf;
	size_t len;
} warn_arg_t;

static CK_RV do_warning(hl_device_t *dev, void *arg)
{
	warn_arg_t *wa = arg;
	long long now = 0;
	clock_arg_t ca = { &now, NULL };
	do_clock_get(dev, &ca);
	/* K5: the profile's end-of-support switch gives the date, the family the model name. */
	const char *w = hl_fam_switches(dev)->end_of_support;
	wa->buf[0] = '\0';
	if (w && hl_clock_support_warning((int64_t)now, w, dev->family->model, wa->buf, wa->len) !=
		     HL_OK) {
		hl_p11_log("profile %s: end_of_support needs value = \"YYYY-MM-DD\"",
			   dev->profile->name);
		return CKR_GENERAL_ERROR;
	}
	return CKR_OK;
}

static CK_RV ext_device_warning(CK_SLOT_ID slot, char *buf, size_t len)
{
	warn_arg_t wa = { buf, len };
	return buf && len ? with_device(slot, do_warning, &wa) : CKR_ARGUMENTS_BAD;
}

const HSMLAB_FAMILY_FUNCTION_LIST hl_fam_ext_functions = {
	.version = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR },
	.audit_export = ext_audit_export,
	.audit_verify = ext_audit_verify,
	.audit_count = ext_audit_count,
	.clock_set = ext_clock_set,
	.clock_get = ext_clock_get,
	.device_warning = ext_device_warning,
	.last_error = hl_p11_last_error,
	.domain_create = hl_fam_domain_create,
	.domain_load = hl_fam_domain_load,
	.key_backup = hl_fam_key_backup,
	.key_restore = hl_fam_key_restore,
	.key_clone = hl_fam_key_clone,
};
