/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: scenario files (libconfig). Every error names the file, the line and the
 * setting at fault, so a ceremony engineer editing a scenario finds the mistake at once. */
#define _GNU_SOURCE /* timegm */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hsmlab/bench/scenario.h"

static const char *const step_names[HL_STEP_COUNT] = {
	"format",       "make-cards",     "activate",     "keygen", "import",        "backup",
	"restore",      "import-refused", "ksr-gen",      "sign",   "verify",        "coverage",
	"trust-anchor", "audit-export",   "audit-verify", "clock",  "support-check", "so-lockout",
	"tamper",       "key-delete",     "zeroize",
};

const char *hl_step_type_name(hl_step_type_t t)
{
	return t < HL_STEP_COUNT ? step_names[t] : "?";
}

typedef struct {
	const char *path;
	char *err;
	size_t errlen;
} ctx_t;

static int fail(ctx_t *c, const config_setting_t *s, const char *key, const char *msg)
{
	snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->path,
		 s ? (int)config_setting_source_line(s) : 0, key, msg);
	return -1;
}

/* A string member: required (missing is an error) or optional (*out stays NULL). */
static int get_str(ctx_t *c, const config_setting_t *g, const char *key, int required, char **out)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	const char *v;

	if (m == NULL)
		return required ? fail(c, g, key, "missing") : 0;
	if ((v = config_setting_get_string(m)) == NULL)
		return fail(c, m, key, "must be a string");
	if ((*out = strdup(v)) == NULL)
		return fail(c, m, key, "out of memory");
	return 0;
}

static int get_strlist(ctx_t *c, const config_setting_t *g, const char *key, char ***out, size_t *n)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	int len;

	if (m == NULL)
		return 0;
	if (!config_setting_is_array(m) && !config_setting_is_list(m))
		return fail(c, m, key, "must be a list of strings: [\"a\", \"b\"]");
	len = config_setting_length(m);
	if ((*out = calloc((size_t)len + 1, sizeof **out)) == NULL)
		return fail(c, m, key, "out of memory");
	for (int i = 0; i < len; i++) {
		const char *v = config_setting_get_string_elem(m, i);

		if (v == NULL)
			return fail(c, m, key, "must be a list of strings");
		if (((*out)[i] = strdup(v)) == NULL)
			return fail(c, m, key, "out of memory");
		*n = (size_t)i + 1;
	}
	return 0;
}

static int check_known(ctx_t *c, const config_setting_t *g, const char *const *known)
{
	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(m);
		int ok = 0;

		for (size_t k = 0; known[k] != NULL && !ok; k++)
			ok = strcmp(known[k], name) == 0;
		if (!ok)
			return fail(c, m, name, "unknown setting (a typo?)");
	}
	return 0;
}

static int parse_date(ctx_t *c, const config_setting_t *g, hl_ceremony_t *cer)
{
	const config_setting_t *m = config_setting_get_member(g, "date");
	const char *v = m ? config_setting_get_string(m) : NULL;
	struct tm tm = { 0 };
	const char *end;

	if (v == NULL)
		return fail(c, m ? m : g, "date",
			    "missing (a string \"YYYY-MM-DD HH:MM:SS\", UTC)");
	end = strptime(v, "%Y-%m-%d %H:%M:%S", &tm);
	if (end == NULL || *end != '\0')
		return fail(c, m, "date", "not \"YYYY-MM-DD HH:MM:SS\" (UTC)");
	cer->date = timegm(&tm);
	snprintf(cer->date_text, sizeof cer->date_text, "%s", v);
	return 0;
}

static int valid_quarter(const char *q)
{
	return q != NULL && strlen(q) == 6 && q[4] == 'Q' && q[5] >= '1' && q[5] <= '4' &&
	       strspn(q, "0123456789") == 4;
}

static const char *const step_keys[] = { "do",      "expect", "devices",  "key",
					 "quarter", "schema", "current",  "next",
					 "anchors", "pin",    "target",   "count",
					 "note",    "value",  "requires", NULL };

/* What each type needs, checked here so that a run never starts on a broken file. */
static int step_needs(ctx_t *c, const config_setting_t *g, const hl_step_t *st)
{
	hl_step_type_t t = st->type;
	int audit = t == HL_STEP_TAMPER && st->target && strcmp(st->target, "audit") == 0;

	if (t == HL_STEP_TAMPER && st->target && !audit && strcmp(st->target, "skr") != 0 &&
	    strcmp(st->target, "ksr") != 0)
		return fail(c, g, "target", "\"skr\", \"ksr\" or \"audit\"");
	if (audit)
		return st->ndevices == 0 ? fail(c, g, "devices", "missing (whose audit export)")
					 : 0;

	if ((t == HL_STEP_KEYGEN || t == HL_STEP_IMPORT || t == HL_STEP_BACKUP ||
	     t == HL_STEP_RESTORE || t == HL_STEP_IMPORT_REFUSED || t == HL_STEP_KEY_DELETE) &&
	    st->key == NULL)
		return fail(c, g, "key", "missing (this step acts on a key)");
	if (t == HL_STEP_KSR_GEN || t == HL_STEP_SIGN || t == HL_STEP_VERIFY ||
	    t == HL_STEP_COVERAGE || t == HL_STEP_TRUST_ANCHOR || t == HL_STEP_TAMPER) {
		if (!valid_quarter(st->quarter))
			return fail(c, g, "quarter", "missing or not like \"2025Q1\"");
	}
	if (t == HL_STEP_SIGN && (st->schema == NULL || st->current == NULL))
		return fail(c, g, st->schema ? "current" : "schema",
			    "missing (sign needs schema and current, and next when it rolls)");
	if ((t == HL_STEP_COVERAGE || t == HL_STEP_TRUST_ANCHOR) && st->nanchors == 0)
		return fail(c, g, "anchors", "missing (key names whose DNSKEYs are anchors)");
	if (t != HL_STEP_KSR_GEN && t != HL_STEP_SIGN && t != HL_STEP_VERIFY &&
	    t != HL_STEP_COVERAGE && t != HL_STEP_TRUST_ANCHOR && t != HL_STEP_TAMPER &&
	    st->ndevices == 0)
		return fail(c, g, "devices", "missing (the devices this step uses)");
	return 0;
}

/* requires = "backup": the step needs an earlier step of that type to have run. */
static int parse_requires(ctx_t *c, const config_setting_t *g, hl_step_t *st)
{
	char *req = NULL;

	st->requires = -1;
	if (get_str(c, g, "requires", 0, &req) != 0)
		return -1;
	for (int i = 0; req != NULL && i < HL_STEP_COUNT; i++)
		if (strcmp(req, step_names[i]) == 0)
	st->requires = i;
	free(req);
	if (req != NULL && st->requires < 0)
		return fail(c, config_setting_get_member(g, "requires"), "requires",
			    "not a step type");
	return 0;
}

static int parse_step(ctx_t *c, const config_setting_t *g, hl_step_t *st)
{
	char *type = NULL;
	int found = -1, count = 3;

	if (!config_setting_is_group(g))
		return fail(c, g, "steps", "each step is a group { do = \"...\"; ... }");
	if (check_known(c, g, step_keys) || get_str(c, g, "do", 1, &type))
		return -1;
	for (int i = 0; i < HL_STEP_COUNT; i++)
		if (strcmp(type, step_names[i]) == 0)
			found = i;
	free(type);
	if (found < 0)
		return fail(c, config_setting_get_member(g, "do"), "do", "unknown step type");
	st->type = (hl_step_type_t)found;
	st->line = (int)config_setting_source_line(g);
	config_setting_lookup_int(g, "count", &count);
	st->count = count;
	if (get_str(c, g, "expect", 0, &st->expect) || get_str(c, g, "key", 0, &st->key) ||
	    get_str(c, g, "quarter", 0, &st->quarter) || get_str(c, g, "schema", 0, &st->schema) ||
	    get_str(c, g, "current", 0, &st->current) || get_str(c, g, "next", 0, &st->next) ||
	    get_str(c, g, "pin", 0, &st->pin) || get_str(c, g, "target", 0, &st->target) ||
	    get_str(c, g, "value", 0, &st->value) || get_str(c, g, "note", 0, &st->note) ||
	    get_strlist(c, g, "devices", &st->devices, &st->ndevices) ||
	    get_strlist(c, g, "anchors", &st->anchors, &st->nanchors))
		return -1;
	if (st->expect == NULL && (st->expect = strdup("ok")) == NULL)
		return fail(c, g, "expect", "out of memory");
	if (parse_requires(c, g, st) != 0)
		return -1;
	return step_needs(c, g, st);
}

/* Names used by steps must be declared (devices, keys). */
static int check_refs(ctx_t *c, const config_setting_t *g, const hl_scenario_t *s,
		      const hl_step_t *st)
{
	for (size_t i = 0; i < st->ndevices; i++)
		if (hl_scenario_device(s, st->devices[i]) == NULL)
			return fail(c, g, "devices", "names a device not in the devices list");
	for (size_t i = 0; i < st->nanchors; i++)
		if (hl_scenario_key(s, st->anchors[i]) == NULL)
			return fail(c, g, "anchors", "names a key not in the keys list");
	if (st->key && hl_scenario_key(s, st->key) == NULL)
		return fail(c, g, "key", "not in the keys list");
	if (st->current && hl_scenario_key(s, st->current) == NULL)
		return fail(c, g, "current", "not in the keys list");
	if (st->next && hl_scenario_key(s, st->next) == NULL)
		return fail(c, g, "next", "not in the keys list");
	return 0;
}

static int parse_ceremony(ctx_t *c, const config_setting_t *g, hl_scenario_t *s, hl_ceremony_t *cer)
{
	static const char *const keys[] = { "id", "date", "site", "note", "steps", NULL };
	const config_setting_t *steps;

	if (!config_setting_is_group(g))
		return fail(c, g, "ceremonies", "each ceremony is a group { id = ...; }");
	cer->line = (int)config_setting_source_line(g);
	if (check_known(c, g, keys) || get_str(c, g, "id", 1, &cer->id) ||
	    get_str(c, g, "site", 0, &cer->site) || get_str(c, g, "note", 0, &cer->note) ||
	    parse_date(c, g, cer))
		return -1;
	steps = config_setting_get_member(g, "steps");
	if (steps == NULL || !config_setting_is_list(steps) || config_setting_length(steps) == 0)
		return fail(c, steps ? steps : g, "steps",
			    "missing or empty: a list ( {...}, ... )");
	cer->steps = calloc((size_t)config_setting_length(steps), sizeof *cer->steps);
	if (cer->steps == NULL)
		return fail(c, g, "steps", "out of memory");
	for (int i = 0; i < config_setting_length(steps); i++) {
		const config_setting_t *e = config_setting_get_elem(steps, (unsigned)i);

		cer->nsteps = (size_t)i + 1;
		if (parse_step(c, e, &cer->steps[i]) || check_refs(c, e, s, &cer->steps[i]))
			return -1;
	}
	return 0;
}

static int parse_device(ctx_t *c, const config_setting_t *g, hl_scn_device_t *d)
{
	static const char *const keys[] = { "name", "vendor", "site", NULL };

	if (!config_setting_is_group(g))
		return fail(c, g, "devices",
			    "each device is a group { name = ...; vendor = ...; }");
	return check_known(c, g, keys) || get_str(c, g, "name", 1, &d->name) ||
		       get_str(c, g, "vendor", 1, &d->vendor) || get_str(c, g, "site", 0, &d->site)
		   ? -1
		   : 0;
}

static int parse_key(ctx_t *c, const config_setting_t *g, hl_scn_key_t *k)
{
	static const char *const keys[] = { "name",        "label", "stand_in", "valid_from",
					    "valid_until", "note",  NULL };

	if (!config_setting_is_group(g))
		return fail(c, g, "keys", "each key is a group { name = ...; label = ...; }");
	config_setting_lookup_bool(g, "stand_in", &k->stand_in);
	return check_known(c, g, keys) || get_str(c, g, "name", 1, &k->name) ||
		       get_str(c, g, "label", 1, &k->label) ||
		       get_str(c, g, "valid_from", 0, &k->valid_from) ||
		       get_str(c, g, "valid_until", 0, &k->valid_until) ||
		       get_str(c, g, "note", 0, &k->note)
		   ? -1
		   : 0;
}

static int parse_profile(ctx_t *c, const config_setting_t *g, hl_scn_profile_t *p)
{
	const config_setting_t *map = config_setting_get_member(g, "map");
	int n;

	if (!config_setting_is_group(g) || get_str(c, g, "name", 1, &p->name) ||
	    get_str(c, g, "note", 0, &p->note))
		return c->err[0] ? -1 : fail(c, g, "profiles", "each profile is a group");
	if (map == NULL || !config_setting_is_group(map))
		return fail(c, map ? map : g, "map", "missing: { keyper = \"keyper\"; ... }");
	n = config_setting_length(map);
	p->vendors = calloc((size_t)n + 1, sizeof *p->vendors);
	p->backends = calloc((size_t)n + 1, sizeof *p->backends);
	if (p->vendors == NULL || p->backends == NULL)
		return fail(c, map, "map", "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(map, (unsigned)i);
		const char *v = config_setting_get_string(m);

		if (v == NULL)
			return fail(c, m, config_setting_name(m), "must be a backend name string");
		p->nmap = (size_t)i + 1;
		p->vendors[i] = strdup(config_setting_name(m));
		p->backends[i] = strdup(v);
		if (p->vendors[i] == NULL || p->backends[i] == NULL)
			return fail(c, m, "map", "out of memory");
	}
	return 0;
}

typedef int (*elem_parser_t)(ctx_t *c, const config_setting_t *g, void *elem);

/* A top-level list of groups into a calloc'd array of `size`-byte elements. */
static int parse_list(ctx_t *c, const config_setting_t *root, const char *key, size_t size,
		      void **out, size_t *n, elem_parser_t parse, int required)
{
	const config_setting_t *l = config_setting_get_member(root, key);
	int len = l ? config_setting_length(l) : 0;

	if (l == NULL || !config_setting_is_list(l) || len == 0)
		return required || l
			   ? fail(c, l ? l : root, key, "missing or empty: ( {...}, ... )")
			   : 0;
	if ((*out = calloc((size_t)len, size)) == NULL)
		return fail(c, l, key, "out of memory");
	for (int i = 0; i < len; i++) {
		*n = (size_t)i + 1;
		if (parse(c, config_setting_get_elem(l, (unsigned)i),
			  (char *)*out + (size_t)i * size))
			return -1;
	}
	return 0;
}

static int parse_console(ctx_t *c, const config_setting_t *root, hl_scenario_t *s)
{
	const config_setting_t *g = config_setting_get_member(root, "console");
	int n = g ? config_setting_length(g) : 0;

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g))
		return fail(c, g, "console", "must be a group { backup = \"...\"; }");
	s->console_steps = calloc((size_t)n + 1, sizeof *s->console_steps);
	s->console_cmds = calloc((size_t)n + 1, sizeof *s->console_cmds);
	if (s->console_steps == NULL || s->console_cmds == NULL)
		return fail(c, g, "console", "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *v = config_setting_get_string(m);

		if (v == NULL)
			return fail(c, m, config_setting_name(m), "must be a command template");
		s->nconsole = (size_t)i + 1;
		s->console_steps[i] = strdup(config_setting_name(m));
		s->console_cmds[i] = strdup(v);
		if (s->console_steps[i] == NULL || s->console_cmds[i] == NULL)
			return fail(c, m, "console", "out of memory");
	}
	return 0;
}

/* milestones = ( { date = "2025-01-01"; label = "..."; }, ... ): lines on the timeline. */
static int parse_milestones(ctx_t *c, const config_setting_t *root, hl_scenario_t *s)
{
	const config_setting_t *l = config_setting_get_member(root, "milestones");
	int n = l ? config_setting_length(l) : 0;
	struct tm tm;

	if (l == NULL)
		return 0;
	if (!config_setting_is_list(l))
		return fail(c, l, "milestones", "must be a list ( { date = ...; label = ...; } )");
	s->milestone_dates = calloc((size_t)n + 1, sizeof *s->milestone_dates);
	s->milestone_labels = calloc((size_t)n + 1, sizeof *s->milestone_labels);
	if (s->milestone_dates == NULL || s->milestone_labels == NULL)
		return fail(c, l, "milestones", "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		const char *end;

		s->nmilestones = (size_t)i + 1;
		if (get_str(c, g, "date", 1, &s->milestone_dates[i]) ||
		    get_str(c, g, "label", 1, &s->milestone_labels[i]))
			return -1;
		memset(&tm, 0, sizeof tm);
		end = strptime(s->milestone_dates[i], "%Y-%m-%d", &tm);
		if (end == NULL || *end != '\0')
			return fail(c, g, "date", "not \"YYYY-MM-DD\"");
	}
	return 0;
}

/* signer = { command = [...]; config_file = "..."; config = "..."; module = "...";
 *            key = "..."; module_separator = ",\n"; key_separator = ",\n"; }: the sign
 * step's signer. Absent: the built-in ksr-signer template. */
static int parse_signer(ctx_t *c, const config_setting_t *root, hl_scn_signer_t *t)
{
	static const char *const keys[] = { "command",       "config_file", "config",
					    "module",        "key",         "module_separator",
					    "key_separator", "note",        NULL };
	const config_setting_t *g = config_setting_get_member(root, "signer");

	if (g == NULL)
		return 0;
	if (!config_setting_is_group(g))
		return fail(c, g, "signer", "must be a group { command = [...]; config = ...; }");
	if (check_known(c, g, keys) || get_strlist(c, g, "command", &t->command, &t->ncommand) ||
	    get_str(c, g, "config_file", 1, &t->config_file) ||
	    get_str(c, g, "config", 1, &t->config) || get_str(c, g, "module", 1, &t->module) ||
	    get_str(c, g, "key", 1, &t->key) ||
	    get_str(c, g, "module_separator", 0, &t->module_sep) ||
	    get_str(c, g, "key_separator", 0, &t->key_sep))
		return -1;
	if (t->ncommand == 0)
		return fail(c, g, "command",
			    "missing or empty: the signer's words, e.g. "
			    "[\"${signer_dir}/ksr-signer\", ...]");
	return 0;
}

static void signer_free(hl_scn_signer_t *t)
{
	for (size_t i = 0; i < t->ncommand; i++)
		free(t->command[i]);
	free(t->command);
	free(t->config_file);
	free(t->config);
	free(t->module);
	free(t->key);
	free(t->module_sep);
	free(t->key_sep);
}

static int parse_root(ctx_t *c, const config_setting_t *root, hl_scenario_t *s)
{
	static const char *const keys[] = { "name",       "description", "so_pin",   "user_pin",
					    "devices",    "keys",        "profiles", "console",
					    "ceremonies", "milestones",  "signer",   NULL };

	if (check_known(c, root, keys) || get_str(c, root, "name", 1, &s->name) ||
	    get_str(c, root, "description", 0, &s->description) ||
	    get_str(c, root, "so_pin", 1, &s->so_pin) ||
	    get_str(c, root, "user_pin", 1, &s->user_pin) ||
	    parse_list(c, root, "devices", sizeof *s->devices, (void **)&s->devices, &s->ndevices,
		       (elem_parser_t)parse_device, 1) ||
	    parse_list(c, root, "keys", sizeof *s->keys, (void **)&s->keys, &s->nkeys,
		       (elem_parser_t)parse_key, 1) ||
	    parse_list(c, root, "profiles", sizeof *s->profiles, (void **)&s->profiles,
		       &s->nprofiles, (elem_parser_t)parse_profile, 1) ||
	    parse_console(c, root, s) || parse_milestones(c, root, s) ||
	    parse_signer(c, root, &s->signer))
		return -1;
	for (size_t i = 0; i < s->ndevices; i++)
		for (size_t p = 0; p < s->nprofiles; p++)
			if (hl_scenario_backend(&s->profiles[p], s->devices[i].vendor) == NULL)
				return fail(c, config_setting_get_member(root, "profiles"),
					    s->profiles[p].name,
					    "its map has no backend for a device's vendor");
	return 0;
}

static int parse_ceremonies(ctx_t *c, const config_setting_t *root, hl_scenario_t *s)
{
	const config_setting_t *l = config_setting_get_member(root, "ceremonies");
	int len = l ? config_setting_length(l) : 0;

	if (l == NULL || !config_setting_is_list(l) || len == 0)
		return fail(c, l ? l : root, "ceremonies", "missing or empty: ( {...}, ... )");
	if ((s->ceremonies = calloc((size_t)len, sizeof *s->ceremonies)) == NULL)
		return fail(c, l, "ceremonies", "out of memory");
	for (int i = 0; i < len; i++) {
		const config_setting_t *e = config_setting_get_elem(l, (unsigned)i);

		s->nceremonies = (size_t)i + 1;
		if (parse_ceremony(c, e, s, &s->ceremonies[i]))
			return -1;
		if (i > 0 && s->ceremonies[i].date < s->ceremonies[i - 1].date)
			return fail(c, e, "date", "earlier than the ceremony before it");
	}
	return 0;
}

hl_scenario_t *hl_scenario_load(const char *path, char *err, size_t errlen)
{
	ctx_t c = { path, err, errlen };
	hl_scenario_t *s = calloc(1, sizeof *s);
	const config_setting_t *root;
	config_t cfg;
	int rc = -1;

	err[0] = '\0';
	config_init(&cfg);
	if (s == NULL || (s->path = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (config_read_file(&cfg, path) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read the file", path);
		else
			snprintf(err, errlen, "%s:%d: syntax: %s", path, config_error_line(&cfg),
				 config_error_text(&cfg));
		goto out;
	}
	root = config_lookup(&cfg, "scenario");
	if (root == NULL || !config_setting_is_group(root)) {
		snprintf(err, errlen, "%s:1: scenario: missing (the file is scenario = { ... };)",
			 path);
		goto out;
	}
	rc = parse_root(&c, root, s) || parse_ceremonies(&c, root, s) ? -1 : 0;
out:
	config_destroy(&cfg);
	if (rc != 0) {
		hl_scenario_free(s);
		return NULL;
	}
	return s;
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		free(v[i]);
	free(v);
}

static void step_free(hl_step_t *st)
{
	free(st->expect);
	strv_free(st->devices, st->ndevices);
	strv_free(st->anchors, st->nanchors);
	free(st->key);
	free(st->quarter);
	free(st->schema);
	free(st->current);
	free(st->next);
	free(st->pin);
	free(st->target);
	free(st->value);
	free(st->note);
}

static void parts_free(hl_scenario_t *s)
{
	for (size_t i = 0; i < s->ndevices; i++) {
		free(s->devices[i].name);
		free(s->devices[i].vendor);
		free(s->devices[i].site);
	}
	for (size_t i = 0; i < s->nkeys; i++) {
		free(s->keys[i].name);
		free(s->keys[i].label);
		free(s->keys[i].valid_from);
		free(s->keys[i].valid_until);
		free(s->keys[i].note);
	}
	for (size_t i = 0; i < s->nprofiles; i++) {
		free(s->profiles[i].name);
		free(s->profiles[i].note);
		strv_free(s->profiles[i].vendors, s->profiles[i].nmap);
		strv_free(s->profiles[i].backends, s->profiles[i].nmap);
	}
	free(s->devices);
	free(s->keys);
	free(s->profiles);
	signer_free(&s->signer);
}

void hl_scenario_free(hl_scenario_t *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nceremonies; i++) {
		hl_ceremony_t *c = &s->ceremonies[i];

		for (size_t j = 0; j < c->nsteps; j++)
			step_free(&c->steps[j]);
		free(c->steps);
		free(c->id);
		free(c->site);
		free(c->note);
	}
	free(s->ceremonies);
	parts_free(s);
	strv_free(s->console_steps, s->nconsole);
	strv_free(s->console_cmds, s->nconsole);
	strv_free(s->milestone_dates, s->nmilestones);
	strv_free(s->milestone_labels, s->nmilestones);
	free(s->path);
	free(s->name);
	free(s->description);
	free(s->so_pin);
	free(s->user_pin);
	free(s);
}

const hl_scn_device_t *hl_scenario_device(const hl_scenario_t *s, const char *name)
{
	for (size_t i = 0; i < s->ndevices; i++)
		if (strcmp(s->devices[i].name, name) == 0)
			return &s->devices[i];
	return NULL;
}

const hl_scn_key_t *hl_scenario_key(const hl_scenario_t *s, const char *name)
{
	for (size_t i = 0; i < s->nkeys; i++)
		if (strcmp(s->keys[i].name, name) == 0)
			return &s->keys[i];
	return NULL;
}

const char *hl_scenario_backend(const hl_scn_profile_t *p, const char *vendor)
{
	for (size_t i = 0; i < p->nmap; i++)
		if (strcmp(p->vendors[i], vendor) == 0)
			return p->backends[i];
	return NULL;
}
