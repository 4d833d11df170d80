/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: reading the tools' libconfig file. Every error names the file, the line
 * and the setting at fault. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "config_include.h"
#include "hsmlab/config.h"

typedef struct cctx {
	const char *name;
	const hl_srcmap_t *map; /* NULL: lines are the text's own */
	hl_config_t *cfg;
	hl_err_t *err;
} cctx_t;

static int bad(cctx_t *c, const config_setting_t *s, const char *what)
{
	char where[600];
	int line = s ? (int)config_setting_source_line(s) : 0;

	if (c->map != NULL)
		hl_srcmap_where(c->map, line, where, sizeof(where));
	else
		snprintf(where, sizeof(where), "%s:%d", c->name, line);
	hl_err_set(c->err, "CONFIG", "%s: %s: %s", where,
		   s && config_setting_name(s) ? config_setting_name(s) : "(entry)", what);
	return -1;
}

static int get_str(cctx_t *c, const config_setting_t *g, const char *key, char *dst, size_t len,
		   int required)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (s == NULL) {
		if (!required)
			return 0;
		char m[96];
		snprintf(m, sizeof(m), "missing setting \"%s\"", key);
		return bad(c, g, m);
	}
	v = config_setting_get_string(s);
	if (v == NULL || strlen(v) >= len)
		return bad(c, s, "want a (short enough) string");
	snprintf(dst, len, "%s", v);
	return 1;
}

static int get_long(cctx_t *c, const config_setting_t *g, const char *key, long *dst)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return bad(c, s, "want an integer");
	*dst = (long)config_setting_get_int64(s);
	return 1;
}

static int get_bool(cctx_t *c, const config_setting_t *g, const char *key, int *dst)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return bad(c, s, "want true or false");
	*dst = config_setting_get_bool(s);
	return 1;
}

static int get_dur(cctx_t *c, const config_setting_t *g, const char *key, long *dst)
{
	char v[64];
	int rc = get_str(c, g, key, v, sizeof(v), 0);

	if (rc <= 0)
		return rc;
	if (hl_duration_parse(v, dst) != 0)
		return bad(c, config_setting_get_member(g, key), "bad xsd:duration");
	return 1;
}

static int get_time(cctx_t *c, const config_setting_t *g, const char *key, time_t *dst)
{
	char v[64];
	int rc = get_str(c, g, key, v, sizeof(v), 0);

	if (rc <= 0)
		return rc;
	if (hl_time_parse(v, dst) != 0)
		return bad(c, config_setting_get_member(g, key), "bad UTC time");
	return 1;
}

/* -- modules -- */

/* Expands ${VAR} from the environment in place (len bytes); -1 on a missing variable or
 * overflow, so a config never loads a half-expanded library path. */
static int expand(char *s, size_t len)
{
	char out[1024], name[128];
	size_t o = 0;

	for (const char *p = s; *p;) {
		const char *v, *end;
		if (p[0] != '$' || p[1] != '{') {
			if (o + 1 >= sizeof(out))
				return -1;
			out[o++] = *p++;
			continue;
		}
		end = strchr(p, '}');
		if (end == NULL || (size_t)(end - p - 2) >= sizeof(name))
			return -1;
		memcpy(name, p + 2, (size_t)(end - p - 2));
		name[end - p - 2] = '\0';
		v = getenv(name);
		if (v == NULL || o + strlen(v) >= sizeof(out))
			return -1;
		memcpy(out + o, v, strlen(v));
		o += strlen(v);
		p = end + 1;
	}
	out[o] = '\0';
	if (o >= len)
		return -1;
	memcpy(s, out, o + 1);
	return 0;
}

static int parse_pin(cctx_t *c, const config_setting_t *g, hl_hsm_module_t *m)
{
	char v[600] = "none";

	if (get_str(c, g, "pin", v, sizeof(v), 0) < 0)
		return -1;
	if (strcmp(v, "none") == 0)
		m->pin_source = HL_PIN_NONE;
	else if (strcmp(v, "prompt") == 0)
		m->pin_source = HL_PIN_PROMPT;
	else if (strncmp(v, "env:", 4) == 0 && strlen(v + 4) < sizeof(m->pin_arg))
		m->pin_source = HL_PIN_ENV;
	else if (strncmp(v, "file:", 5) == 0 && strlen(v + 5) < sizeof(m->pin_arg))
		m->pin_source = HL_PIN_FILE;
	else
		return bad(c, config_setting_get_member(g, "pin"),
			   "want \"prompt\", \"env:VAR\", \"file:PATH\" or \"none\"");
	if (m->pin_source == HL_PIN_ENV || m->pin_source == HL_PIN_FILE)
		snprintf(m->pin_arg, sizeof(m->pin_arg), "%s", strchr(v, ':') + 1);
	return 0;
}

static int parse_module(cctx_t *c, const config_setting_t *g, hl_hsm_module_t *m)
{
	const config_setting_t *env = config_setting_get_member(g, "env");
	long slot = -1;

	memset(m, 0, sizeof(*m));
	if (!config_setting_is_group(g))
		return bad(c, g, "a module is a group { name = ...; library = ...; }");
	if (get_str(c, g, "name", m->name, sizeof(m->name), 1) < 0 ||
	    get_str(c, g, "library", m->library, sizeof(m->library), 1) < 0 ||
	    get_str(c, g, "token", m->token, sizeof(m->token), 0) < 0 ||
	    get_long(c, g, "slot", &slot) < 0 || parse_pin(c, g, m) != 0)
		return -1;
	m->slot = slot;
	if (expand(m->library, sizeof(m->library)) != 0 ||
	    expand(m->pin_arg, sizeof(m->pin_arg)) != 0)
		return bad(c, g, "library or pin names an unset ${VARIABLE}");
	for (int i = 0; env != NULL && i < config_setting_length(env); i++) {
		const config_setting_t *e = config_setting_get_elem(env, (unsigned)i);
		const char *v = config_setting_get_string(e);
		if (m->nenv == HL_MAX_ENV || v == NULL || strlen(v) >= sizeof(m->env_value[0]) ||
		    strlen(config_setting_name(e)) >= sizeof(m->env_name[0]))
			return bad(c, e, "environment entries are NAME = \"value\" (at most 8)");
		snprintf(m->env_name[m->nenv], sizeof(m->env_name[0]), "%s",
			 config_setting_name(e));
		snprintf(m->env_value[m->nenv], sizeof(m->env_value[0]), "%s", v);
		if (expand(m->env_value[m->nenv], sizeof(m->env_value[0])) != 0)
			return bad(c, e, "names an unset ${VARIABLE}");
		m->nenv++;
	}
	return 0;
}

/* -- KSKs -- */

static int parse_ds(cctx_t *c, const config_setting_t *g, hl_ksk_cfg_t *k)
{
	char v[80];
	int rc = get_str(c, g, "ds_sha256", v, sizeof(v), 0);

	if (rc <= 0)
		return rc;
	if (strlen(v) != 64)
		return bad(c, config_setting_get_member(g, "ds_sha256"), "want 64 hex digits");
	for (int i = 0; i < 32; i++) {
		unsigned b;
		if (sscanf(v + 2 * i, "%2x", &b) != 1)
			return bad(c, config_setting_get_member(g, "ds_sha256"), "bad hex");
		k->ds[i] = (unsigned char)b;
	}
	k->has_ds = 1;
	return 0;
}

static int parse_ksk(cctx_t *c, const config_setting_t *g, hl_ksk_cfg_t *k)
{
	long alg = 8, size = 2048, exp = 65537;

	memset(k, 0, sizeof(*k));
	k->key_tag = -1;
	if (get_str(c, g, "label", k->label, sizeof(k->label), 1) < 0 ||
	    get_long(c, g, "algorithm", &alg) < 0 || get_long(c, g, "size", &size) < 0 ||
	    get_long(c, g, "exponent", &exp) < 0 || get_long(c, g, "key_tag", &k->key_tag) < 0 ||
	    parse_ds(c, g, k) < 0 || get_time(c, g, "valid_from", &k->valid_from) < 0 ||
	    get_time(c, g, "valid_until", &k->valid_until) < 0 ||
	    get_str(c, g, "mechanism", k->mechanism, sizeof(k->mechanism), 0) < 0 ||
	    get_str(c, g, "token", k->token, sizeof(k->token), 0) < 0 ||
	    get_str(c, g, "serial", k->serial, sizeof(k->serial), 0) < 0)
		return -1;
	if ((alg != 8 && alg != 13) || size <= 0 || exp < 0)
		return bad(c, g, "algorithm must be 8 (RSA) or 13 (ECDSA P-256)");
	k->alg = (unsigned)alg;
	k->size = (unsigned)size;
	k->exponent = alg == 13 ? 0 : (unsigned long)exp;
	return 0;
}

/* -- schemas -- */

static int parse_set(cctx_t *c, const config_setting_t *g, const char *key, unsigned *mask)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	*mask = 0;
	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return bad(c, s, "want a list of KSK labels");
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *l = config_setting_get_string_elem(s, i);
		int idx = l ? hl_config_ksk(c->cfg, l) : -1;
		if (idx < 0)
			return bad(c, s, "names a KSK that is not in ksks");
		*mask |= 1u << idx;
	}
	return 0;
}

static int parse_slot(cctx_t *c, const config_setting_t *g, hl_slot_sets_t *sl)
{
	if (!config_setting_is_group(g))
		return bad(c, g, "a slot is { publish = [..]; sign = [..]; revoke = [..]; }");
	if (parse_set(c, g, "publish", &sl->publish) != 0 ||
	    parse_set(c, g, "sign", &sl->sign) != 0 || parse_set(c, g, "revoke", &sl->revoke) != 0)
		return -1;
	sl->publish |= sl->revoke; /* a revoked key is published, with flags 385 */
	return 0;
}

static int parse_schema(cctx_t *c, const config_setting_t *s, hl_schema_t *sc)
{
	memset(sc, 0, sizeof(*sc));
	snprintf(sc->name, sizeof(sc->name), "%s", config_setting_name(s));
	if (config_setting_is_group(s)) {
		if (parse_slot(c, s, &sc->slots[0]) != 0)
			return -1;
		for (int i = 1; i < HL_SLOTS; i++)
			sc->slots[i] = sc->slots[0];
		return 0;
	}
	if (!config_setting_is_list(s) || config_setting_length(s) != HL_SLOTS)
		return bad(c, s, "a schema is one slot group or a list of 9");
	for (int i = 0; i < HL_SLOTS; i++)
		if (parse_slot(c, config_setting_get_elem(s, (unsigned)i), &sc->slots[i]) != 0)
			return -1;
	return 0;
}

static void add_builtin(hl_config_t *cfg, const char *name, unsigned cur, unsigned nxt)
{
	hl_schema_t *s;

	if (hl_config_schema(cfg, name) != NULL || cfg->nschemas == HL_MAX_SCHEMAS)
		return;
	s = &cfg->schemas[cfg->nschemas++];
	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (int i = 0; i < HL_SLOTS; i++) {
		hl_slot_sets_t *sl = &s->slots[i];
		int first = i == 0, last = i == HL_SLOTS - 1;
		if (strcmp(name, "normal") == 0) {
			*sl = (hl_slot_sets_t){ cur, cur, 0 };
		} else if (strcmp(name, "pre-publish") == 0) {
			*sl = (hl_slot_sets_t){ first ? cur : cur | nxt, cur, 0 };
		} else if (strcmp(name, "rollover") == 0) {
			*sl = (hl_slot_sets_t){ cur | nxt, first ? cur : nxt, 0 };
		} else if (strcmp(name, "publish+") == 0) { /* stay in publication (phase D) */
			*sl = (hl_slot_sets_t){ cur | nxt, cur, 0 };
		} else if (strcmp(name, "rollover+") == 0) { /* stay in rollover (phase E) */
			*sl = (hl_slot_sets_t){ cur | nxt, nxt, 0 };
		} else if (strcmp(name, "revoke+") == 0) {
			/* stay in revocation (phase F), laid out as the published ceremony
			 * signer's config does: the next key alone in slots 1 and 9 */
			*sl = first || last ? (hl_slot_sets_t){ nxt, nxt, 0 }
					    : (hl_slot_sets_t){ cur | nxt, cur | nxt, cur };
		} else { /* revoke: the old key signs its own revocation from slot 2 to 8 */
			*sl = first  ? (hl_slot_sets_t){ cur | nxt, nxt, 0 }
			      : last ? (hl_slot_sets_t){ nxt, nxt, 0 }
				     : (hl_slot_sets_t){ cur | nxt, cur | nxt, cur };
		}
	}
}

static int parse_schemas(cctx_t *c, const config_setting_t *root)
{
	const config_setting_t *s = config_setting_get_member(root, "schemas");
	const config_setting_t *r = config_setting_get_member(root, "roles");
	hl_config_t *cfg = c->cfg;
	char cur[64] = "", nxt[64] = "";
	int ci, ni;

	for (int i = 0; s != NULL && i < config_setting_length(s); i++) {
		if (cfg->nschemas == HL_MAX_SCHEMAS)
			return bad(c, s, "too many schemas");
		if (parse_schema(c, config_setting_get_elem(s, (unsigned)i),
				 &cfg->schemas[cfg->nschemas++]) != 0)
			return -1;
	}
	if (r != NULL && (get_str(c, r, "current", cur, sizeof(cur), 1) < 0 ||
			  get_str(c, r, "next", nxt, sizeof(nxt), 0) < 0))
		return -1;
	if (r == NULL && cfg->nksks > 0)
		snprintf(cur, sizeof(cur), "%s", cfg->ksks[0].label);
	ci = hl_config_ksk(cfg, cur);
	ni = nxt[0] ? hl_config_ksk(cfg, nxt) : -1;
	if ((cur[0] && ci < 0) || (nxt[0] && ni < 0))
		return bad(c, r, "roles name a KSK that is not in ksks");
	if (ci >= 0) {
		add_builtin(cfg, "normal", 1u << ci, 0);
		if (ni >= 0) {
			add_builtin(cfg, "pre-publish", 1u << ci, 1u << ni);
			add_builtin(cfg, "rollover", 1u << ci, 1u << ni);
			add_builtin(cfg, "revoke", 1u << ci, 1u << ni);
			add_builtin(cfg, "publish+", 1u << ci, 1u << ni);
			add_builtin(cfg, "rollover+", 1u << ci, 1u << ni);
			add_builtin(cfg, "revoke+", 1u << ci, 1u << ni);
		}
	}
	return 0;
}

/* -- policy -- */

static int parse_check(cctx_t *c, const config_setting_t *g, int id)
{
	hl_policy_cfg_t *p = &c->cfg->policy;
	const config_setting_t *a;
	long v = 0;

	if (!config_setting_is_group(g))
		return bad(c, g, "a check's settings are a group { enabled = ...; }");
	if (get_bool(c, g, "enabled", &p->enabled[id]) < 0)
		return -1;
	/* a file that fails loading cannot be represented, and an unverified signature is
	 * never written: these three stay on */
	if (!p->enabled[id] && (id == HL_CHK_LOAD_BUNDLE_FIELDS || id == HL_CHK_LOAD_KEY_FIELDS ||
				id == HL_CHK_LOAD_KSR_FIELDS || id == HL_CHK_SKR_SIG_VERIFY))
		return bad(c, g, "this check cannot be switched off");
	if (get_dur(c, g, "min", &p->range_min[id]) < 0 ||
	    get_dur(c, g, "max", &p->range_max[id]) < 0)
		return -1;
	if (id == HL_CHK_KSR_BUNDLE_COUNT && get_long(c, g, "count", &v) > 0)
		p->bundle_count = (unsigned)v;
	if (id == HL_CHK_SKR_PREVIOUS_VALID && get_long(c, g, "count", &v) > 0)
		p->prev_bundle_count = (unsigned)v;
	if (id == HL_CHK_KSR_POLICY_SIG_HORIZON && get_long(c, g, "days", &v) > 0)
		p->horizon = v * 86400;
	if (id == HL_CHK_SKR_KSK_CONTINUITY && get_dur(c, g, "hold_down", &p->hold_down) < 0)
		return -1;
	if (id == HL_CHK_KSR_BUNDLE_KEYS &&
	    get_bool(c, g, "check_exponent", &p->keys_check_exponent) < 0)
		return -1;
	if (id == HL_CHK_KSR_POLICY_KEYS) {
		if (get_long(c, g, "distinct", &v) > 0)
			p->distinct_keys = (unsigned)v;
		if ((a = config_setting_get_member(g, "pattern")) != NULL) {
			memset(p->keys_per_bundle, 0, sizeof(p->keys_per_bundle));
			for (int i = 0; i < config_setting_length(a) && i < HL_MAX_SLOTS; i++)
				p->keys_per_bundle[i] = (unsigned)config_setting_get_int_elem(a, i);
		}
	}
	if (id == HL_CHK_KSR_POLICY_ALG) {
		if (get_long(c, g, "rsa_size", &v) > 0)
			p->rsa_size = (unsigned)v;
		if (get_long(c, g, "rsa_exponent", &v) > 0)
			p->rsa_exponent = (unsigned long)v;
		if (get_bool(c, g, "ecdsa", &p->ecdsa_enabled) < 0 ||
		    get_bool(c, g, "eddsa", &p->eddsa_enabled) < 0)
			return -1;
		if ((a = config_setting_get_member(g, "algorithms")) != NULL) {
			p->nalgs = 0;
			for (int i = 0; i < config_setting_length(a) && i < 8; i++)
				p->algs[p->nalgs++] = (unsigned)config_setting_get_int_elem(a, i);
		}
	}
	return 0;
}

static int parse_dpolicy(cctx_t *c, const config_setting_t *g, hl_policy_t *p)
{
	long alg = p->nalgs ? p->algs[0].alg : 8, size = p->nalgs ? p->algs[0].size : 2048;
	long exp = p->nalgs ? (long)p->algs[0].exponent : 65537;

	if (get_dur(c, g, "publish_safety", &p->publish_safety) < 0 ||
	    get_dur(c, g, "retire_safety", &p->retire_safety) < 0 ||
	    get_dur(c, g, "max_validity", &p->max_validity) < 0 ||
	    get_dur(c, g, "min_validity", &p->min_validity) < 0 ||
	    get_dur(c, g, "max_overlap", &p->max_overlap) < 0 ||
	    get_dur(c, g, "min_overlap", &p->min_overlap) < 0 ||
	    get_long(c, g, "algorithm", &alg) < 0 || get_long(c, g, "size", &size) < 0 ||
	    get_long(c, g, "exponent", &exp) < 0)
		return -1;
	p->present = 1;
	p->nalgs = 1;
	p->algs[0] =
	    (hl_sigalg_t){ (unsigned)alg, (unsigned)size, alg == 13 ? 0 : (unsigned long)exp };
	return 0;
}

static int parse_policy(cctx_t *c, const config_setting_t *root)
{
	const config_setting_t *g = config_setting_get_member(root, "policy");
	hl_policy_cfg_t *p = &c->cfg->policy;

	for (int i = 0; g != NULL && i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *n = config_setting_name(s);
		int id = hl_check_lookup(n);
		if (strcmp(n, "ksk") == 0) {
			if (parse_dpolicy(c, s, &p->ksk) != 0)
				return -1;
		} else if (strcmp(n, "ttl") == 0) {
			long ttl = 0;
			if (get_long(c, g, "ttl", &ttl) < 0 || ttl <= 0 || ttl > 0x7fffffffL)
				return bad(c, s, "want a TTL in seconds (1..2147483647)");
			p->ttl = (unsigned long)ttl;
		} else if (strcmp(n, "domains") == 0) {
			p->ndomains = 0;
			for (int d = 0; d < config_setting_length(s) && d < HL_MAX_DOMAINS; d++) {
				const char *v = config_setting_get_string_elem(s, d);
				if (v == NULL || strlen(v) >= sizeof(p->domains[0]))
					return bad(c, s, "want a list of domain names");
				snprintf(p->domains[p->ndomains++], sizeof(p->domains[0]), "%s", v);
			}
		} else if (id < 0) {
			return bad(c, s, "not a check name (see signer/doc/checks.md)");
		} else if (parse_check(c, s, id) != 0) {
			return -1;
		}
	}
	return 0;
}

/* -- ksr-gen -- */

static int parse_gen(cctx_t *c, const config_setting_t *root)
{
	const config_setting_t *g = config_setting_get_member(root, "ksr_gen");
	const config_setting_t *k;
	hl_gen_cfg_t *gen = &c->cfg->gen;
	long alg = 8, size = 2048;

	gen->zsk = (hl_policy_t){ .present = 1,
				  .publish_safety = 10 * 86400L,
				  .retire_safety = 10 * 86400L,
				  .max_validity = 21 * 86400L,
				  .min_validity = 21 * 86400L,
				  .max_overlap = 12 * 86400L,
				  .min_overlap = 9 * 86400L,
				  .algs = { { 8, 2048, 65537 } },
				  .nalgs = 1 };
	gen->alg = 8;
	gen->size = 2048;
	gen->interval = 10 * 86400L;
	gen->validity = 21 * 86400L;
	if (g == NULL)
		return 0;
	if (get_dur(c, g, "interval", &gen->interval) < 0 ||
	    get_dur(c, g, "validity", &gen->validity) < 0)
		return -1;
	if (get_long(c, g, "algorithm", &alg) < 0 || get_long(c, g, "size", &size) < 0 ||
	    get_bool(c, g, "create", &gen->create) < 0 || parse_dpolicy(c, g, &gen->zsk) != 0)
		return -1;
	gen->alg = (unsigned)alg;
	gen->size = (unsigned)size;
	if (!config_setting_get_member(g, "algorithm") && !config_setting_get_member(g, "size"))
		gen->zsk.algs[0] = (hl_sigalg_t){ gen->alg, gen->size, 65537 };
	if ((k = config_setting_get_member(g, "keys")) != NULL) {
		if (config_setting_length(k) != 3)
			return bad(c, k, "want [old, current, next] ZSK labels");
		for (int i = 0; i < 3; i++) {
			const char *v = config_setting_get_string_elem(k, i);
			if (v == NULL || strlen(v) >= sizeof(gen->keys[0]))
				return bad(c, k, "want labels");
			snprintf(gen->keys[i], sizeof(gen->keys[0]), "%s", v);
		}
	}
	return 0;
}

/* -- top level -- */

static int parse_all(cctx_t *c, const config_setting_t *root)
{
	const config_setting_t *mods = config_setting_get_member(root, "modules");
	const config_setting_t *ksks = config_setting_get_member(root, "ksks");
	hl_config_t *cfg = c->cfg;

	for (int i = 0; mods != NULL && i < config_setting_length(mods); i++) {
		if (cfg->nmodules == HL_MAX_MODULES)
			return bad(c, mods, "too many modules");
		if (parse_module(c, config_setting_get_elem(mods, (unsigned)i),
				 &cfg->modules[cfg->nmodules++]) != 0)
			return -1;
	}
	for (int i = 0; ksks != NULL && i < config_setting_length(ksks); i++) {
		if (cfg->nksks == HL_MAX_KSKS)
			return bad(c, ksks, "too many KSKs");
		if (parse_ksk(c, config_setting_get_elem(ksks, (unsigned)i),
			      &cfg->ksks[cfg->nksks++]) != 0)
			return -1;
		if (hl_config_ksk(cfg, cfg->ksks[cfg->nksks - 1].label) != (int)cfg->nksks - 1)
			return bad(c, config_setting_get_elem(ksks, (unsigned)i),
				   "two KSKs with the same label");
	}
	if (get_str(c, root, "schema", cfg->schema, sizeof(cfg->schema), 0) < 0)
		return -1;
	if (cfg->schema[0] == '\0')
		snprintf(cfg->schema, sizeof(cfg->schema), "normal");
	if (parse_schemas(c, root) != 0 || parse_policy(c, root) != 0 || parse_gen(c, root) != 0)
		return -1;
	cfg->gen.ttl = cfg->policy.ttl;
	return 0;
}

static int finish(config_t *lc, int ok, const char *name, const hl_srcmap_t *map, hl_config_t *cfg,
		  hl_err_t *err)
{
	cctx_t c = { .name = name, .map = map, .cfg = cfg, .err = err };
	char where[600];
	int rc = -1;

	if (!ok) {
		if (map != NULL)
			hl_srcmap_where(map, config_error_line(lc), where, sizeof(where));
		else
			snprintf(where, sizeof(where), "%s:%d", name, config_error_line(lc));
		hl_err_set(err, "CONFIG", "%s: %s", where, config_error_text(lc));
		goto out;
	}
	rc = parse_all(&c, config_root_setting(lc));
out:
	config_destroy(lc);
	return rc;
}

static void init(hl_config_t *cfg, const char *name)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	hl_policy_cfg_defaults(&cfg->policy);
}

int hl_config_load(const char *path, hl_config_t *cfg, hl_err_t *err)
{
	config_t lc;
	hl_srcmap_t map;
	char *text = NULL;
	int rc;

	init(cfg, path);
	if (hl_config_expand(path, &text, &map, err) != 0)
		return -1;
	if (map.nfiles > HL_MAX_CONFIG_FILES) {
		hl_err_set(err, "CONFIG", "%s: reads %zu files with its includes; at most %d", path,
			   map.nfiles, HL_MAX_CONFIG_FILES);
		free(text);
		hl_srcmap_free(&map);
		return -1;
	}
	for (size_t i = 0; i < map.nfiles; i++) {
		snprintf(cfg->sources[i].path, sizeof(cfg->sources[i].path), "%s", map.files[i]);
		memcpy(cfg->sources[i].sha256, map.sha256[i], 32);
	}
	cfg->nsources = map.nfiles;
	config_init(&lc);
	rc = finish(&lc, config_read_string(&lc, text) == CONFIG_TRUE, path, &map, cfg, err);
	free(text);
	hl_srcmap_free(&map);
	return rc;
}

int hl_config_parse(const char *text, const char *name, hl_config_t *cfg, hl_err_t *err)
{
	config_t lc;

	init(cfg, name);
	config_init(&lc);
	return finish(&lc, config_read_string(&lc, text) == CONFIG_TRUE, name, NULL, cfg, err);
}

int hl_config_gen_set(hl_config_t *cfg, const char *assignment, hl_err_t *err)
{
	hl_policy_t *z = &cfg->gen.zsk;
	struct {
		const char *name;
		long *field;
	} fields[] = {
		{ "publish_safety", &z->publish_safety }, { "retire_safety", &z->retire_safety },
		{ "max_validity", &z->max_validity },     { "min_validity", &z->min_validity },
		{ "max_overlap", &z->max_overlap },       { "min_overlap", &z->min_overlap },
		{ "interval", &cfg->gen.interval },       { "validity", &cfg->gen.validity }
	};
	const char *eq = strchr(assignment, '=');
	long v = 0;

	for (size_t i = 0; eq != NULL && i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (strlen(fields[i].name) != (size_t)(eq - assignment) ||
		    strncmp(fields[i].name, assignment, (size_t)(eq - assignment)) != 0)
			continue;
		if (hl_duration_parse(eq + 1, &v) != 0)
			break;
		*fields[i].field = v;
		return 0;
	}
	hl_err_set(err, "CONFIG", "--policy %s: want NAME=DURATION (e.g. max_overlap=P12D)",
		   assignment);
	return -1;
}

const hl_schema_t *hl_config_schema(const hl_config_t *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nschemas; i++)
		if (strcmp(cfg->schemas[i].name, name) == 0)
			return &cfg->schemas[i];
	return NULL;
}

int hl_config_ksk(const hl_config_t *cfg, const char *label)
{
	for (size_t i = 0; i < cfg->nksks; i++)
		if (strcmp(cfg->ksks[i].label, label) == 0)
			return (int)i;
	return -1;
}
