/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: profile files (libconfig). Every error names file, line and key. */
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/hl_profile.h"
#include "profile_int.h"
#include "hsmlab/p11client.h"

typedef hl_profile_ctx_t ctx_t;
#define fail hl_profile_fail

hl_status_t hl_profile_fail(ctx_t *c, const config_setting_t *s, const char *key, const char *fmt,
			    ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* libconfig's root (and a setting it made itself) has no line: no ":0:" then. */
	int line = s ? (int)config_setting_source_line(s) : 0;
	if (c->err && line > 0)
		snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->file, line, key, msg);
	else if (c->err)
		snprintf(c->err, c->errlen, "%s: %s: %s", c->file, key, msg);
	return HL_ERR_PROFILE_INVALID;
}

/* -- field readers -- */

static hl_status_t get_str(ctx_t *c, const config_setting_t *grp, const char *key, char *dst,
			   size_t dstlen, bool required)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	if (!s)
		return required ? fail(c, grp, key, "missing") : HL_OK;
	const char *v = config_setting_get_string(s);
	if (!v)
		return fail(c, s, key, "must be a string");
	if (strlen(v) >= dstlen)
		return fail(c, s, key, "longer than %zu characters", dstlen - 1);
	strcpy(dst, v);
	return HL_OK;
}

static hl_status_t get_ulong(ctx_t *c, const config_setting_t *grp, const char *key, CK_ULONG *dst)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	if (!s)
		return HL_OK; /* keep the default */
	int t = config_setting_type(s);
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64)
		return fail(c, s, key, "must be an integer");
	long long v = config_setting_get_int64(s);
	if (v < 0)
		return fail(c, s, key, "must not be negative");
	*dst = (CK_ULONG)v;
	return HL_OK;
}

static hl_status_t get_bool(ctx_t *c, const config_setting_t *grp, const char *key, bool *dst)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	if (!s)
		return HL_OK;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return fail(c, s, key, "must be true or false");
	*dst = config_setting_get_bool(s) != 0;
	return HL_OK;
}

static hl_status_t get_version(ctx_t *c, const config_setting_t *grp, const char *key,
			       CK_VERSION *dst)
{
	char buf[16] = "";
	unsigned major, minor;
	char extra;
	hl_status_t st = get_str(c, grp, key, buf, sizeof(buf), false);
	if (st != HL_OK || !buf[0])
		return st;
	if (sscanf(buf, "%u.%u%c", &major, &minor, &extra) != 2 || major > 255 || minor > 255)
		return fail(c, config_setting_get_member(grp, key), key,
			    "\"%s\" is not a MAJOR.MINOR version", buf);
	dst->major = (CK_BYTE)major;
	dst->minor = (CK_BYTE)minor;
	return HL_OK;
}

static hl_status_t get_flags(ctx_t *c, const config_setting_t *grp, const char *key, CK_FLAGS *dst)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	if (!s)
		return HL_OK;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return fail(c, s, key, "must be a list of CKF_ names");
	CK_FLAGS v = 0;
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *name = config_setting_get_string_elem(s, i);
		CK_FLAGS bit = 0;
		if (!name || hl_ckf_value(name, &bit) != 0)
			return fail(c, s, key, "unknown flag \"%s\"",
				    name ? name : "(not a string)");
		v |= bit;
	}
	*dst = v;
	return HL_OK;
}

/* -- sections -- */

static hl_status_t read_identity(ctx_t *c, const config_setting_t *root, hl_profile_t *p)
{
	const config_setting_t *id = config_setting_get_member(root, "identity");
	if (!id || !config_setting_is_group(id))
		return fail(c, root, "identity", "missing group");
	hl_status_t st = get_str(c, id, "manufacturer", p->manufacturer, 33, true);
	if (st == HL_OK)
		st = get_str(c, id, "library_description", p->library_description, 33, true);
	if (st == HL_OK)
		st = get_str(c, id, "model", p->model, 17, true);
	if (st == HL_OK)
		st = get_str(c, id, "slot_description", p->slot_description, 65, true);
	if (st == HL_OK)
		st = get_version(c, id, "cryptoki_version", &p->cryptoki_version);
	if (st == HL_OK)
		st = get_version(c, id, "library_version", &p->library_version);
	if (st == HL_OK)
		st = get_version(c, id, "hardware_version", &p->hardware_version);
	if (st == HL_OK)
		st = get_version(c, id, "firmware_version", &p->firmware_version);
	return st;
}

static hl_status_t read_limits(ctx_t *c, const config_setting_t *root, hl_profile_t *p)
{
	const config_setting_t *l = config_setting_get_member(root, "limits");
	const config_setting_t *pin = config_setting_get_member(root, "pin");
	hl_status_t st = HL_OK;
	if (l) {
		st = get_ulong(c, l, "max_sessions", &p->max_sessions);
		if (st == HL_OK)
			st = get_ulong(c, l, "max_rw_sessions", &p->max_rw_sessions);
		if (st == HL_OK)
			st = get_ulong(c, l, "max_objects", &p->max_objects);
		if (st == HL_OK)
			st = get_ulong(c, l, "label_max", &p->label_max);
	}
	if (st == HL_OK && pin) {
		st = get_ulong(c, pin, "min_len", &p->pin_min);
		if (st == HL_OK)
			st = get_ulong(c, pin, "max_len", &p->pin_max);
		if (st == HL_OK)
			st = get_bool(c, pin, "digits_only", &p->pin_digits_only);
		if (st == HL_OK)
			st = get_ulong(c, pin, "so_max_failed", &p->so_max_failed);
		if (st == HL_OK)
			st = get_ulong(c, pin, "user_max_failed", &p->user_max_failed);
	}
	if (st == HL_OK && (p->pin_min < 1 || p->pin_min > p->pin_max))
		st = fail(c, pin, "pin.min_len", "must be between 1 and max_len");
	if (st == HL_OK && p->label_max > 32)
		st = fail(c, l, "limits.label_max", "must be at most 32");
	return st;
}

static hl_status_t read_mechs(ctx_t *c, const config_setting_t *root, hl_profile_t *p)
{
	const config_setting_t *m = config_setting_get_member(root, "mechanisms");
	if (!m || !config_setting_is_list(m))
		return fail(c, root, "mechanisms", "missing list");
	size_t n = (size_t)config_setting_length(m);
	p->mechs = calloc(n ? n : 1, sizeof(*p->mechs));
	if (!p->mechs)
		return HL_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
		char name[64] = "";
		CK_ULONG v;
		hl_profile_mech_t *pm = &p->mechs[i];
		hl_status_t st = get_str(c, e, "name", name, sizeof(name), true);
		if (st != HL_OK)
			return st;
		if (hl_ck_value(name, &v) != 0 || strncmp(name, "CKM_", 4) != 0)
			return fail(c, e, "mechanisms.name", "unknown mechanism \"%s\"", name);
		if (hl_profile_mech(p, v))
			return fail(c, e, "mechanisms.name", "\"%s\" listed twice", name);
		pm->type = v;
		st = get_ulong(c, e, "min", &pm->info.ulMinKeySize);
		if (st == HL_OK)
			st = get_ulong(c, e, "max", &pm->info.ulMaxKeySize);
		if (st == HL_OK)
			st = get_flags(c, e, "flags", &pm->info.flags);
		if (st != HL_OK)
			return st;
		if (pm->info.ulMinKeySize > pm->info.ulMaxKeySize)
			return fail(c, e, "mechanisms.min", "%s: min above max", name);
		p->n_mechs = i + 1;
	}
	return HL_OK;
}

/* -- timing model (issue 5) -- */

static const struct {
	const char *name;
	CK_KEY_TYPE type;
} key_types[] = {
	{ "rsa", CKK_RSA },
	{ "ec", CKK_EC },
	{ "aes", CKK_AES },
	{ "generic", CKK_GENERIC_SECRET },
};

/* A member of a timing entry: a positive integer (required) or an optional one (0 kept). */
static hl_status_t timing_num(ctx_t *c, const config_setting_t *e, const char *key,
			      const char *path, bool required, CK_ULONG *dst)
{
	const config_setting_t *s = config_setting_get_member(e, key);
	if (!s)
		return required ? fail(c, e, path, "missing") : HL_OK;
	int t = config_setting_type(s);
	long long v =
	    t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 ? config_setting_get_int64(s) : -1;
	if (v <= 0 || v > 3600000)
		return fail(c, s, path, "must be an integer from 1 to 3600000");
	*dst = (CK_ULONG)v;
	return HL_OK;
}

/* Where a figure comes from: doc, field or guess; dflt (the group's) when not given. */
static hl_status_t timing_source(ctx_t *c, const config_setting_t *e, const char *key,
				 const char *path, const char *dflt, char dst[8])
{
	char v[16] = "";
	const config_setting_t *s = config_setting_get_member(e, key);
	hl_status_t st = get_str(c, e, key, v, sizeof(v), false);
	if (st != HL_OK)
		return fail(c, s, path, "must be a string");
	if (!s && (!dflt || !dflt[0]))
		return fail(c, e, path, "missing: say \"doc\", \"field\" or \"guess\"");
	if (s && strcmp(v, "doc") && strcmp(v, "field") && strcmp(v, "guess"))
		return fail(c, s, path, "\"%s\" is not doc, field or guess", v);
	snprintf(dst, 8, "%s", s ? v : dflt);
	return HL_OK;
}

static hl_status_t read_sign_time(ctx_t *c, const config_setting_t *e, const char *dflt,
				  hl_profile_time_t *t)
{
	char name[64] = "";
	CK_ULONG v;
	hl_status_t st = get_str(c, e, "mechanism", name, sizeof(name), true);
	if (st != HL_OK)
		return fail(c, e, "timing.sign.mechanism", "missing (a CKM_ name)");
	if (hl_ck_value(name, &v) != 0 || strncmp(name, "CKM_", 4) != 0)
		return fail(c, config_setting_get_member(e, "mechanism"), "timing.sign.mechanism",
			    "unknown mechanism \"%s\"", name);
	t->what = v;
	st = timing_num(c, e, "key_bits", "timing.sign.key_bits", false, &t->key_bits);
	if (st == HL_OK)
		st = timing_num(c, e, "per_second", "timing.sign.per_second", true, &t->value);
	if (st == HL_OK)
		st = timing_source(c, e, "source", "timing.sign.source", dflt, t->source);
	return st;
}

static hl_status_t read_keygen_time(ctx_t *c, const config_setting_t *e, const char *dflt,
				    hl_profile_time_t *t)
{
	char name[32] = "";
	size_t k = 0, n = sizeof(key_types) / sizeof(key_types[0]);
	hl_status_t st = get_str(c, e, "key_type", name, sizeof(name), true);
	if (st != HL_OK)
		return fail(c, e, "timing.keygen_ms.key_type", "missing (rsa, ec, aes, generic)");
	while (k < n && strcmp(key_types[k].name, name) != 0)
		k++;
	if (k == n)
		return fail(c, config_setting_get_member(e, "key_type"),
			    "timing.keygen_ms.key_type", "\"%s\" is not rsa, ec, aes or generic",
			    name);
	t->what = key_types[k].type;
	st = timing_num(c, e, "key_bits", "timing.keygen_ms.key_bits", false, &t->key_bits);
	if (st == HL_OK)
		st = timing_num(c, e, "ms", "timing.keygen_ms.ms", true, &t->value);
	if (st == HL_OK)
		st = timing_source(c, e, "source", "timing.keygen_ms.source", dflt, t->source);
	return st;
}

/* A list of timing entries: each a group, read by one of the two readers above. */
static hl_status_t read_timing_list(ctx_t *c, const config_setting_t *tg, const char *key,
				    hl_profile_timing_t *t)
{
	const config_setting_t *l = config_setting_get_member(tg, key);
	bool sign = strcmp(key, "sign") == 0;
	char path[32];
	snprintf(path, sizeof(path), "timing.%s", key);
	if (!l)
		return HL_OK;
	if (!config_setting_is_list(l))
		return fail(c, l, path, "must be a list of groups ( { ... }, ... )");
	size_t n = (size_t)config_setting_length(l);
	if (sign && !(t->sign = calloc(n ? n : 1, sizeof(*t->sign))))
		return HL_ERR_NOMEM;
	if (!sign && !(t->keygen = calloc(n ? n : 1, sizeof(*t->keygen))))
		return HL_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);
		hl_status_t st = !config_setting_is_group(e)
				     ? fail(c, e, path, "entry must be a group { ... }")
				 : sign ? read_sign_time(c, e, t->source, &t->sign[i])
					: read_keygen_time(c, e, t->source, &t->keygen[i]);
		if (st != HL_OK)
			return st;
		*(sign ? &t->n_sign : &t->n_keygen) = i + 1;
	}
	return HL_OK;
}

static hl_status_t read_timing(ctx_t *c, const config_setting_t *root, hl_profile_t *p)
{
	const config_setting_t *tg = config_setting_get_member(root, "timing");
	hl_profile_timing_t *t = &p->timing;
	if (!tg)
		return HL_OK;
	if (!config_setting_is_group(tg))
		return fail(c, tg, "timing", "must be a group { ... }");
	for (int i = 0; i < config_setting_length(tg); i++) {
		const char *nm = config_setting_name(config_setting_get_elem(tg, (unsigned)i));
		if (strcmp(nm, "source") && strcmp(nm, "sign") && strcmp(nm, "keygen_ms") &&
		    strcmp(nm, "login_ms") && strcmp(nm, "login_source") &&
		    strcmp(nm, "round_trip_ms") && strcmp(nm, "round_trip_source"))
			return fail(c, config_setting_get_elem(tg, (unsigned)i), "timing",
				    "unknown key \"%s\"", nm);
	}
	t->declared = true;
	hl_status_t st = timing_source(c, tg, "source", "timing.source", NULL, t->source);
	if (st == HL_OK)
		st = timing_num(c, tg, "login_ms", "timing.login_ms", false, &t->login_ms);
	if (st == HL_OK)
		st = timing_source(c, tg, "login_source", "timing.login_source", t->source,
				   t->login_source);
	if (st == HL_OK)
		st = timing_num(c, tg, "round_trip_ms", "timing.round_trip_ms", false,
				&t->round_trip_ms);
	if (st == HL_OK)
		st = timing_source(c, tg, "round_trip_source", "timing.round_trip_source",
				   t->source, t->round_trip_source);
	if (st == HL_OK)
		st = read_timing_list(c, tg, "sign", t);
	if (st == HL_OK)
		st = read_timing_list(c, tg, "keygen_ms", t);
	return st;
}

static void set_defaults(hl_profile_t *p)
{
	p->cryptoki_version = (CK_VERSION){ 3, 0 };
	p->library_version = (CK_VERSION){ 0, 1 };
	p->hardware_version = (CK_VERSION){ 1, 0 };
	p->firmware_version = (CK_VERSION){ 1, 0 };
	p->slot_flags = CKF_TOKEN_PRESENT;
	p->token_flags = CKF_RNG | CKF_LOGIN_REQUIRED;
	p->label_max = 32;
	p->pin_min = 4;
	p->pin_max = 255;
	p->so_max_failed = 10;
	p->user_max_failed = 10;
}

static hl_status_t parse(ctx_t *c, config_t *cfg, hl_profile_t *p)
{
	const config_setting_t *root = config_lookup(cfg, "profile");
	char buf[128] = "";
	if (!root)
		return fail(c, NULL, "profile",
			    "missing: the top level must be a group \"profile: { ... };\"");
	if (!config_setting_is_group(root))
		return fail(c, root, "profile", "must be a group \"profile: { ... };\"");
	hl_status_t st = get_str(c, root, "name", buf, sizeof(buf), true);
	if (st == HL_OK && !(p->name = strdup(buf)))
		st = HL_ERR_NOMEM;
	buf[0] = 0;
	if (st == HL_OK)
		st = get_str(c, root, "family", buf, sizeof(buf), true);
	if (st == HL_OK && !(p->family = strdup(buf)))
		st = HL_ERR_NOMEM;
	buf[0] = 0;
	if (st == HL_OK)
		st = get_str(c, root, "description", buf, sizeof(buf), false);
	if (st == HL_OK && !(p->description = strdup(buf)))
		st = HL_ERR_NOMEM;
	if (st == HL_OK)
		st = read_identity(c, root, p);
	if (st == HL_OK)
		st = get_flags(c, root, "slot_flags", &p->slot_flags);
	if (st == HL_OK)
		st = get_flags(c, root, "token_flags", &p->token_flags);
	if (st == HL_OK)
		st = read_limits(c, root, p);
	if (st == HL_OK)
		st = read_mechs(c, root, p);
	if (st == HL_OK)
		st = hl_profile_read_quirks(c, root, p);
	if (st == HL_OK)
		st = read_timing(c, root, p);
	if (st == HL_OK)
		st = hl_profile_read_sources(c, root, p);
	return st;
}

hl_status_t hl_profile_load(const char *path, hl_profile_t **out, char *err, size_t errlen)
{
	config_t cfg;
	ctx_t c = { path, err, errlen };
	hl_status_t st = HL_OK;
	hl_profile_t *p = calloc(1, sizeof(*p));
	if (!p)
		return HL_ERR_NOMEM;
	set_defaults(p);
	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO) {
			if (err)
				snprintf(err, errlen, "%s: cannot read profile file", path);
			st = HL_ERR_NOT_FOUND;
		} else {
			if (err)
				snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
					 config_error_text(&cfg));
			st = HL_ERR_PROFILE_INVALID;
		}
		goto out;
	}
	st = parse(&c, &cfg, p);
	if (st == HL_OK && !(p->path = strdup(path)))
		st = HL_ERR_NOMEM;
out:
	config_destroy(&cfg);
	if (st == HL_OK)
		*out = p;
	else
		hl_profile_free(p);
	return st;
}

void hl_profile_free(hl_profile_t *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_quirks; i++) {
		free(p->quirks[i].name);
		free(p->quirks[i].id);
		free(p->quirks[i].source);
		free(p->quirks[i].value);
	}
	free(p->quirks);
	free(p->family_sw);
	free(p->timing.sign);
	free(p->timing.keygen);
	free(p->mechs);
	free(p->name);
	free(p->family);
	free(p->description);
	free(p->path);
	free(p);
}

const hl_profile_mech_t *hl_profile_mech(const hl_profile_t *p, CK_MECHANISM_TYPE type)
{
	/* The row found last first (every C_*Init asks; a signer asks for one mechanism). */
	size_t i = __atomic_load_n(&p->mech_hint, __ATOMIC_RELAXED);

	if (i < p->n_mechs && p->mechs[i].type == type)
		return &p->mechs[i];
	for (i = 0; i < p->n_mechs; i++)
		if (p->mechs[i].type == type) {
			/* A cache, not a value of the profile: written through const on purpose
			 * (profiles are heap objects, and the store is atomic). */
			__atomic_store_n((size_t *)&p->mech_hint, i, __ATOMIC_RELAXED);
			return &p->mechs[i];
		}
	return NULL;
}

static CK_ULONG bits_apart(CK_ULONG a, CK_ULONG b)
{
	return a > b ? a - b : b - a;
}

/* The entry for what of key_bits, else of the nearest declared size, else NULL. */
static const hl_profile_time_t *nearest(const hl_profile_time_t *t, size_t n, CK_ULONG what,
					CK_ULONG key_bits)
{
	const hl_profile_time_t *best = NULL;
	for (size_t i = 0; i < n; i++)
		if (t[i].what == what && (!best || bits_apart(t[i].key_bits, key_bits) <
						       bits_apart(best->key_bits, key_bits)))
			best = &t[i];
	return best;
}

uint64_t hl_profile_sign_ns(const hl_profile_t *p, CK_MECHANISM_TYPE m, CK_ULONG key_bits)
{
	const hl_profile_time_t *t = nearest(p->timing.sign, p->timing.n_sign, m, key_bits);
	return t ? 1000000000ULL / t->value : 0;
}

CK_ULONG hl_profile_keygen_ms(const hl_profile_t *p, CK_KEY_TYPE type, CK_ULONG key_bits)
{
	const hl_profile_time_t *t = nearest(p->timing.keygen, p->timing.n_keygen, type, key_bits);
	return t ? t->value : 0;
}
