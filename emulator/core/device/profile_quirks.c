/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: a profile's quirks group, checked against the registry (hl_quirk.h) and
 * resolved once into typed fields. A switch the registry does not know, or a value of the
 * wrong type, is an error naming file, line and the nearest known switch, so a misspelt
 * switch can never be silently off. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device/hl_family.h"
#include "device/hl_quirk.h"
#include "hsmlab/p11client.h"
#include "profile_int.h"

typedef hl_profile_ctx_t ctx_t;
#define fail hl_profile_fail

/* One switch being read: its setting, its "quirks.NAME" key for messages and its row. */
typedef struct {
	ctx_t *c;
	const config_setting_t *e, *v; /* the switch's group and its value member (or NULL) */
	char key[96];
	const hl_quirk_row_t *row;
} sw_t;

static bool is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);
	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

/* The value member as text: a string, an integer, or a list of those joined with commas
 * (what hl_profile_switch_t.value keeps for tools). */
static hl_status_t value_text(sw_t *w, char **out)
{
	char buf[1024] = "";
	if (!w->v)
		return HL_OK;
	bool many = config_setting_is_aggregate(w->v);
	int n = many ? config_setting_length(w->v) : 1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *x =
		    many ? config_setting_get_elem(w->v, (unsigned)i) : w->v;
		size_t len = strlen(buf);
		if (config_setting_type(x) == CONFIG_TYPE_STRING)
			snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? "," : "",
				 config_setting_get_string(x));
		else if (is_int(x))
			snprintf(buf + len, sizeof(buf) - len, "%s%lld", i ? "," : "",
				 config_setting_get_int64(x));
		else
			return fail(w->c, x, w->key,
				    "value must be a string, an integer or a list of them");
	}
	*out = strdup(buf);
	return *out ? HL_OK : HL_ERR_NOMEM;
}

/* NUMBER and CKR: a positive integer, or a CK name (a CKR_ name for CKR). */
static hl_status_t number(sw_t *w, const char *text, CK_ULONG *out)
{
	const hl_quirk_row_t *r = w->row;
	CK_ULONG x = 0;
	char *end = NULL;
	if (!text)
		return fail(w->c, w->e, w->key, "needs a value (%s)", hl_quirk_type_name(r->type));
	if (hl_ck_value(text, &x) != 0 || (r->type == HL_QUIRK_CKR && strncmp(text, "CKR_", 4)))
		x = strtoul(text, &end, 0);
	if (!x || (end && (*end || !text[0])))
		return fail(w->c, w->v ? w->v : w->e, w->key, "value \"%s\" is not %s", text,
			    hl_quirk_type_name(r->type));
	if (r->max && x > r->max)
		return fail(w->c, w->v, w->key, "value %lu is above %lu", x, r->max);
	*out = x;
	return HL_OK;
}

/* WORDS: the value names some of the row's words (none given: all of them). */
static hl_status_t words(sw_t *w, CK_ULONG *mask)
{
	int n = !w->v ? 0 : config_setting_is_aggregate(w->v) ? config_setting_length(w->v) : 1;
	*mask = w->v ? 0 : ~0UL;
	for (int i = 0; i < n; i++) {
		const config_setting_t *x = config_setting_is_aggregate(w->v)
						? config_setting_get_elem(w->v, (unsigned)i)
						: w->v;
		const char *s = config_setting_get_string(x);
		size_t bit = 0, len = s ? strlen(s) : 0;
		const char *c = w->row->words;
		for (; s && c; c = strchr(c, ',') ? strchr(c, ',') + 1 : NULL, bit++)
			if (len && !strncmp(c, s, len) && (c[len] == ',' || !c[len]))
				break;
		if (!s || !c)
			return fail(w->c, x, w->key, "value must name some of: %s", w->row->words);
		*mask |= 1UL << bit;
	}
	return HL_OK;
}

/* MOFN: value = [ m, n ], 1 <= m <= n <= 255. */
static hl_status_t mofn(sw_t *w, hl_quirk_mofn_t *out)
{
	const config_setting_t *v = w->v;
	if (!v || !config_setting_is_aggregate(v) || config_setting_length(v) != 2 ||
	    !is_int(config_setting_get_elem(v, 0)) || !is_int(config_setting_get_elem(v, 1)))
		return fail(w->c, v ? v : w->e, w->key, "value must be %s",
			    hl_quirk_type_name(HL_QUIRK_MOFN));
	long long m = config_setting_get_int64(config_setting_get_elem(v, 0));
	long long n = config_setting_get_int64(config_setting_get_elem(v, 1));
	if (m < 1 || m > n || n > 255)
		return fail(w->c, v, w->key, "value [ %lld, %lld ] is not %s", m, n,
			    hl_quirk_type_name(HL_QUIRK_MOFN));
	out->m = (CK_ULONG)m;
	out->n = (CK_ULONG)n;
	return HL_OK;
}

/* Whether the value member has the row's shape (checked on or off: a wrong type is an error
 * even in a switch that is off, so turning it on later cannot surprise). */
static hl_status_t shape(sw_t *w)
{
	const config_setting_t *v = w->v;
	bool str = v && config_setting_type(v) == CONFIG_TYPE_STRING;
	bool strs = str || (v && config_setting_is_aggregate(v));
	for (int i = 0; !str && strs && i < config_setting_length(v); i++)
		strs = config_setting_type(config_setting_get_elem(v, (unsigned)i)) ==
		       CONFIG_TYPE_STRING;
	switch (w->row->type) {
	case HL_QUIRK_BOOL:
		return v ? fail(w->c, v, w->key, "takes no value (an on/off switch)") : HL_OK;
	case HL_QUIRK_NUMBER:
	case HL_QUIRK_CKR:
		return !v || str || is_int(v) ? HL_OK
					      : fail(w->c, v, w->key, "value must be %s",
						     hl_quirk_type_name(w->row->type));
	case HL_QUIRK_STRING:
		return !v || str ? HL_OK : fail(w->c, v, w->key, "value must be a string");
	case HL_QUIRK_LIST:
	case HL_QUIRK_WORDS:
		return !v || strs
			   ? HL_OK
			   : fail(w->c, v, w->key, "value must be a string or a list of them");
	case HL_QUIRK_MOFN:
	case HL_QUIRK_DATA:
		return HL_OK;
	}
	return HL_OK;
}

/* Stores a switch that is on into its field at base + row offset. */
static hl_status_t resolve(sw_t *w, const hl_profile_switch_t *pq, char *base)
{
	const hl_quirk_row_t *r = w->row;
	const char *text = pq->value ? pq->value : r->dflt;
	/* The field's address only for a row that has one (HL_QUIRK_NOWHERE is no offset:
	 * adding it overflows the pointer, found by fuzz/profile.c). */
	if (r->offset == HL_QUIRK_NOWHERE || !base)
		return HL_OK;
	void *f = base + r->offset;
	switch (r->type) {
	case HL_QUIRK_BOOL:
		*(bool *)f = true;
		return HL_OK;
	case HL_QUIRK_NUMBER:
	case HL_QUIRK_CKR:
		return number(w, text, f);
	case HL_QUIRK_STRING:
	case HL_QUIRK_LIST:
		*(const char **)f = text ? text : "";
		return HL_OK;
	case HL_QUIRK_MOFN:
		return mofn(w, f);
	case HL_QUIRK_WORDS:
		return words(w, f);
	case HL_QUIRK_DATA:
		return HL_OK;
	}
	return HL_OK;
}

/* The id, on and source members every switch has. */
static hl_status_t common_members(sw_t *w, hl_profile_switch_t *pq)
{
	const config_setting_t *id = config_setting_get_member(w->e, "id");
	const config_setting_t *src = config_setting_get_member(w->e, "source");
	const config_setting_t *on = config_setting_get_member(w->e, "on");
	const char *ids = id ? config_setting_get_string(id) : NULL;
	const char *srcs = src ? config_setting_get_string(src) : NULL;
	if (!ids || !ids[0])
		return fail(w->c, id ? id : w->e, w->key, "id: missing (its catalogue row)");
	if (!srcs)
		return fail(w->c, src ? src : w->e, w->key, "source: missing");
	if (strcmp(srcs, "doc") && strcmp(srcs, "field") && strcmp(srcs, "guess"))
		return fail(w->c, src, w->key, "source \"%s\" is not doc, field or guess", srcs);
	if (on && config_setting_type(on) != CONFIG_TYPE_BOOL)
		return fail(w->c, on, w->key, "on: must be true or false");
	if (w->row && strcmp(w->row->id, ids) != 0)
		return fail(w->c, id, w->key, "id \"%s\" is not its catalogue row \"%s\"", ids,
			    w->row->id);
	pq->on = on && config_setting_get_bool(on);
	pq->id = strdup(ids);
	pq->source = strdup(srcs);
	return pq->id && pq->source ? HL_OK : HL_ERR_NOMEM;
}

/* Only id, on, source and value belong in a switch (a DATA row carries what it likes). */
static hl_status_t members_known(sw_t *w)
{
	for (int i = 0; w->row && w->row->type != HL_QUIRK_DATA && i < config_setting_length(w->e);
	     i++) {
		const config_setting_t *m = config_setting_get_elem(w->e, (unsigned)i);
		const char *nm = config_setting_name(m);
		if (strcmp(nm, "id") && strcmp(nm, "on") && strcmp(nm, "source") &&
		    strcmp(nm, "value"))
			return fail(w->c, m, w->key,
				    "unknown member \"%s\" (id, on, source, value)", nm);
	}
	return HL_OK;
}

static bool general_seen; /* atomic: a profile with a general switch on was loaded */

bool hl_profile_general_loaded(void)
{
	return __atomic_load_n(&general_seen, __ATOMIC_RELAXED);
}

/* One switch: found in the core's rows, else the family's; checked; resolved when on. */
static hl_status_t read_switch(ctx_t *c, const config_setting_t *e, const hl_family_t *fam,
			       hl_profile_t *p, hl_profile_switch_t *pq)
{
	const char *nm = config_setting_name(e);
	sw_t w = { c, e, NULL, "", NULL };
	snprintf(w.key, sizeof(w.key), "quirks.%s", nm);
	if (!config_setting_is_group(e))
		return fail(c, e, w.key, "must be a group { id = ...; on = ...; source = ...; }");
	w.v = config_setting_get_member(e, "value");
	w.row = hl_quirk_find(hl_quirk_core_rows, hl_quirk_core_count, nm);
	bool core = w.row != NULL;
	if (!w.row && fam)
		w.row = hl_quirk_find(fam->quirks, SIZE_MAX, nm);
	if (!w.row && fam)
		return fail(c, e, w.key, "unknown switch (did you mean %s?)",
			    hl_quirk_nearest(hl_quirk_core_rows, hl_quirk_core_count, fam->quirks,
					     SIZE_MAX, nm));
	if (!(pq->name = strdup(nm)))
		return HL_ERR_NOMEM;
	hl_status_t st = common_members(&w, pq);
	if (st == HL_OK)
		st = value_text(&w, &pq->value);
	if (st == HL_OK && w.row)
		st = members_known(&w);
	if (st == HL_OK && w.row)
		st = shape(&w);
	if (st == HL_OK && w.row && pq->on)
		st = resolve(&w, pq, core ? (char *)p : p->family_sw);
	if (st == HL_OK && pq->on && w.row && w.row->reader == HL_QUIRK_READ_GENERAL)
		p->general.any = true;
	return st;
}

hl_status_t hl_profile_read_quirks(ctx_t *c, const config_setting_t *root, hl_profile_t *p)
{
	const config_setting_t *q = config_setting_get_member(root, "quirks");
	/* A family not registered in this process: its rows are unknown here, so its own
	 * switches pass unchecked and no module of this process serves the profile's devices
	 * (hl_p11_serves). Its module checks them when it loads the profile. */
	const hl_family_t *fam = hl_family_find(p->family);
	p->family_known = fam != NULL;
	if (fam && !(p->family_sw = calloc(1, fam->quirk_size ? fam->quirk_size : 1)))
		return HL_ERR_NOMEM;
	if (!q)
		return HL_OK;
	if (!config_setting_is_group(q))
		return fail(c, q, "quirks", "must be a group of switches");
	size_t n = (size_t)config_setting_length(q);
	p->quirks = calloc(n ? n : 1, sizeof(*p->quirks));
	if (!p->quirks)
		return HL_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		p->n_quirks = i + 1; /* freed with the profile from here on */
		hl_status_t st =
		    read_switch(c, config_setting_get_elem(q, (unsigned)i), fam, p, &p->quirks[i]);
		if (st != HL_OK)
			return st;
	}
	if (p->general.any)
		__atomic_store_n(&general_seen, true, __ATOMIC_RELAXED);
	return HL_OK;
}
