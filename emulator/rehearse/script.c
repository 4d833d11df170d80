/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: reading a ceremony script. The script is data (libconfig, as the bench's
 * scenarios): every error names the file, the line and the key, so a ceremony administrator
 * can fix a script without reading this code. */
#include <stdlib.h>
#include <string.h>

#include "rehearse.h"

static const char *const step_keys[] = { "role",        "say",   "run",     "expect",
					 "expect_text", "hash",  "witness", "capture",
					 "secrets",     "cards", "fault",   "inject",
					 "contingency", NULL };
static const char *const faults[] = { "wrong-pin",  "card-unreadable", "tamper",
				      "power-loss", "clock-skew",      NULL };

static bool in(const char *const *list, const char *v)
{
	for (; *list; list++)
		if (!strcmp(*list, v))
			return true;
	return false;
}

static int bad(const hl_rh_script_t *s, const config_setting_t *at, const char *key, char *err,
	       size_t n, const char *what)
{
	char path[128] = "";
	const config_setting_t *p = at;
	/* the key's path, e.g. acts.[2].steps.[0].role */
	for (int depth = 0; p && config_setting_parent(p) && depth < 8; depth++) {
		char part[160];
		const char *name = config_setting_name(p);
		if (name)
			snprintf(part, sizeof(part), "%s%s%s", name, path[0] ? "." : "", path);
		else
			snprintf(part, sizeof(part), "[%d]%s%s", config_setting_index(p),
				 path[0] ? "." : "", path);
		snprintf(path, sizeof(path), "%s", part);
		p = config_setting_parent(p);
	}
	snprintf(err, n, "%s:%u: %s%s%s: %s", s->path, at ? config_setting_source_line(at) : 0u,
		 path, key && path[0] ? "." : "", key ? key : "", what);
	return -1;
}

static const char *str(const config_setting_t *g, const char *key)
{
	const char *v = NULL;
	return config_setting_lookup_string(g, key, &v) ? v : NULL;
}

/* NAME = "value" pairs of a group into two arrays. */
static int pairs(const hl_rh_script_t *s, const config_setting_t *g, const char *key,
		 const char **names, const char **values, int *n, char *err, size_t errlen)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	*n = 0;
	if (!m)
		return 0;
	if (!config_setting_is_group(m))
		return bad(s, g, key, err, errlen, "want a group { NAME = \"value\"; }");
	for (int i = 0; i < config_setting_length(m); i++) {
		const config_setting_t *e = config_setting_get_elem(m, (unsigned)i);
		if (i >= HL_RH_MAX_LIST || config_setting_type(e) != CONFIG_TYPE_STRING)
			return bad(s, m, config_setting_name(e), err, errlen,
				   "want at most 8 string values");
		names[i] = config_setting_name(e);
		values[i] = config_setting_get_string(e);
		(*n)++;
	}
	return 0;
}

static int parse_steps(hl_rh_script_t *s, const config_setting_t *list, int act, const char *prefix,
		       hl_rh_step_t **out, int *n, char *err, size_t errlen);

static int parse_cards(hl_rh_script_t *s, const config_setting_t *g, hl_rh_step_t *st, char *err,
		       size_t errlen)
{
	const config_setting_t *c = config_setting_get_member(g, "cards");
	if (!c)
		return 0;
	st->cards_dir = str(c, "dir");
	st->cards_match = str(c, "match");
	st->cards_var = str(c, "var");
	if (!st->cards_dir || !st->cards_var ||
	    !config_setting_lookup_int(c, "need", &st->cards_need) || st->cards_need < 1 ||
	    st->cards_need > 16)
		return bad(
		    s, g, "cards", err, errlen,
		    "want { dir = \"...\"; need = 1..16; var = \"NAME\"; match = \"...\"; }");
	return 0;
}

static int parse_step(hl_rh_script_t *s, const config_setting_t *g, hl_rh_step_t *st, char *err,
		      size_t errlen)
{
	const char *expect = str(g, "expect");
	for (int i = 0; i < config_setting_length(g); i++) {
		const char *k = config_setting_name(config_setting_get_elem(g, (unsigned)i));
		if (!in(step_keys, k))
			return bad(s, g, k, err, errlen, "unknown key (see rehearsal.md)");
	}
	st->line = (int)config_setting_source_line(g);
	st->role = str(g, "role");
	st->say = str(g, "say");
	st->run = str(g, "run");
	st->expect_text = str(g, "expect_text");
	st->hash = str(g, "hash");
	st->witness = str(g, "witness");
	st->fault = str(g, "fault");
	st->fault_inject = str(g, "inject");
	if (!st->role || !hl_rh_script_role(s, st->role))
		return bad(s, g, "role", err, errlen,
			   st->role ? "not one of the script's roles" : "missing");
	if (st->witness && !hl_rh_script_role(s, st->witness))
		return bad(s, g, "witness", err, errlen, "not one of the script's roles");
	if (expect && strcmp(expect, "ok") && strcmp(expect, "fail"))
		return bad(s, g, "expect", err, errlen, "want \"ok\" or \"fail\"");
	st->expect_fail = expect && !strcmp(expect, "fail");
	if (pairs(s, g, "capture", st->cap_var, st->cap_re, &st->n_capture, err, errlen) ||
	    pairs(s, g, "secrets", st->sec_env, st->sec_cred, &st->n_secret, err, errlen) ||
	    parse_cards(s, g, st, err, errlen))
		return -1;
	for (int i = 0; i < st->n_secret; i++)
		if (!hl_rh_script_cred(s, st->sec_cred[i]))
			return bad(s, g, "secrets", err, errlen,
				   "names no credential of the script");
	if (st->fault && !in(faults, st->fault))
		return bad(s, g, "fault", err, errlen,
			   "want wrong-pin, card-unreadable, tamper, power-loss or clock-skew");
	const config_setting_t *cont = config_setting_get_member(g, "contingency");
	if (st->fault && (!st->run || !cont))
		return bad(s, g, "fault", err, errlen, "a fault needs run and a contingency list");
	if (cont) {
		char prefix[24];
		snprintf(prefix, sizeof(prefix), "%sc", st->id);
		return parse_steps(s, cont, st->act, prefix, &st->contingency, &st->n_contingency,
				   err, errlen);
	}
	return 0;
}

static int parse_steps(hl_rh_script_t *s, const config_setting_t *list, int act, const char *prefix,
		       hl_rh_step_t **out, int *n, char *err, size_t errlen)
{
	int len = config_setting_length(list);
	if (!config_setting_is_list(list) || !len)
		return bad(s, list, NULL, err, errlen, "want a list of steps ( { ... }, ... )");
	*out = calloc((size_t)len, sizeof(**out));
	if (!*out)
		return bad(s, list, NULL, err, errlen, "out of memory");
	*n = len;
	for (int i = 0; i < len; i++) {
		hl_rh_step_t *st = &(*out)[i];
		st->act = act;
		snprintf(st->id, sizeof(st->id), "%s%d", prefix, i + 1);
		if (parse_step(s, config_setting_get_elem(list, (unsigned)i), st, err, errlen))
			return -1;
	}
	return 0;
}

static int parse_roles(hl_rh_script_t *s, char *err, size_t errlen)
{
	const config_setting_t *r = config_lookup(&s->cfg, "roles");
	const config_setting_t *c = config_lookup(&s->cfg, "credentials");
	if (!r || !config_setting_is_list(r))
		return bad(s, config_root_setting(&s->cfg), "roles", err, errlen,
			   "want a list of { id; title; }");
	s->n_roles = config_setting_length(r);
	s->roles = calloc((size_t)s->n_roles + 1, sizeof(*s->roles));
	for (int i = 0; s->roles && i < s->n_roles; i++) {
		const config_setting_t *e = config_setting_get_elem(r, (unsigned)i);
		s->roles[i] = (hl_rh_role_t){ str(e, "id"), str(e, "title") };
		if (!s->roles[i].id || !s->roles[i].title)
			return bad(s, e, "id", err, errlen, "a role needs id and title");
	}
	s->n_creds = c ? config_setting_length(c) : 0;
	s->creds = calloc((size_t)s->n_creds + 1, sizeof(*s->creds));
	for (int i = 0; s->creds && i < s->n_creds; i++) {
		const config_setting_t *e = config_setting_get_elem(c, (unsigned)i);
		s->creds[i] = (hl_rh_cred_t){ str(e, "id"), str(e, "role"), str(e, "what") };
		if (!s->creds[i].id || !s->creds[i].what || !s->creds[i].role ||
		    !hl_rh_script_role(s, s->creds[i].role))
			return bad(s, e, "role", err, errlen,
				   "a credential needs id, what and one of the roles");
	}
	return s->roles && s->creds ? 0 : bad(s, r, NULL, err, errlen, "out of memory");
}

static int parse_acts(hl_rh_script_t *s, char *err, size_t errlen)
{
	const config_setting_t *acts = config_lookup(&s->cfg, "acts");
	if (!acts || !config_setting_is_list(acts) || !config_setting_length(acts))
		return bad(s, acts ? acts : config_root_setting(&s->cfg), acts ? NULL : "acts", err,
			   errlen, "want a list of { title; steps = ( ... ); }");
	s->n_acts = config_setting_length(acts);
	s->acts = calloc((size_t)s->n_acts, sizeof(*s->acts));
	for (int a = 0; s->acts && a < s->n_acts; a++) {
		const config_setting_t *g = config_setting_get_elem(acts, (unsigned)a);
		const config_setting_t *list = config_setting_get_member(g, "steps");
		hl_rh_step_t *steps = NULL;
		int n = 0;
		char prefix[16];
		if (!(s->acts[a] = str(g, "title")) || !list)
			return bad(s, g, s->acts[a] ? "steps" : "title", err, errlen, "missing");
		snprintf(prefix, sizeof(prefix), "%d.", a + 1);
		if (parse_steps(s, list, a, prefix, &steps, &n, err, errlen)) {
			free(steps);
			return -1;
		}
		hl_rh_step_t *all = realloc(s->steps, (size_t)(s->n_steps + n) * sizeof(*all));
		if (!all) {
			free(steps);
			return bad(s, g, NULL, err, errlen, "out of memory");
		}
		memcpy(all + s->n_steps, steps, (size_t)n * sizeof(*all));
		free(steps);
		s->steps = all;
		s->n_steps += n;
	}
	return 0;
}

static int parse_head(hl_rh_script_t *s, char *err, size_t errlen)
{
	const config_setting_t *c = config_lookup(&s->cfg, "ceremony");
	const config_setting_t *f = c ? config_setting_get_member(c, "families") : NULL;
	if (!c || !(s->title = str(c, "title")))
		return bad(s, c ? c : config_root_setting(&s->cfg), c ? "title" : "ceremony", err,
			   errlen, "missing");
	s->place = str(c, "place");
	s->at = str(c, "at");
	s->n_families = f ? config_setting_length(f) : 0;
	s->families = calloc((size_t)s->n_families + 1, sizeof(*s->families));
	for (int i = 0; s->families && i < s->n_families; i++)
		if (!(s->families[i] = config_setting_get_string_elem(f, i)))
			return bad(s, f, NULL, err, errlen, "want [\"keyper\", \"luna\"]");
	return s->families ? 0 : -1;
}

hl_rh_script_t *hl_rh_script_new(const char *path, char *err, size_t errlen)
{
	hl_rh_script_t *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	s->path = path;
	config_init(&s->cfg);
	/* @include names files beside the script (the shared roles.inc) */
	char dir[512];
	const char *slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	config_set_include_dir(&s->cfg, dir);
	if (!config_read_file(&s->cfg, path)) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&s->cfg),
			 config_error_type(&s->cfg) == CONFIG_ERR_FILE_IO
			     ? "cannot read the script"
			     : config_error_text(&s->cfg));
		hl_rh_script_free(s);
		return NULL;
	}
	if (parse_head(s, err, errlen) || parse_roles(s, err, errlen) ||
	    parse_acts(s, err, errlen)) {
		hl_rh_script_free(s);
		return NULL;
	}
	return s;
}

static void free_steps(hl_rh_step_t *v, int n)
{
	for (int i = 0; v && i < n; i++)
		free_steps(v[i].contingency, v[i].n_contingency);
	free(v);
}

void hl_rh_script_free(hl_rh_script_t *s)
{
	if (!s)
		return;
	free_steps(s->steps, s->n_steps);
	free(s->acts);
	free(s->roles);
	free(s->creds);
	free(s->families);
	config_destroy(&s->cfg);
	free(s);
}

const hl_rh_role_t *hl_rh_script_role(const hl_rh_script_t *s, const char *id)
{
	for (int i = 0; id && i < s->n_roles; i++)
		if (!strcmp(s->roles[i].id, id))
			return &s->roles[i];
	return NULL;
}

const hl_rh_cred_t *hl_rh_script_cred(const hl_rh_script_t *s, const char *id)
{
	for (int i = 0; id && i < s->n_creds; i++)
		if (!strcmp(s->creds[i].id, id))
			return &s->creds[i];
	return NULL;
}
