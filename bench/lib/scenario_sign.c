/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's signer steps — the ZSK side's KSR (ksr-gen), the KSK side's
 * SKR (ksr-signer with the schema's KSKs on the devices that hold them) and the checks
 * (skr-verify: chain, trust anchors, day-by-day coverage), all as children at the
 * ceremony's date. Signed SKRs are read back for the timeline and the trust anchors. */
#define _GNU_SOURCE /* asprintf, open_memstream, strndup */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/ksr.h"
#include "scenario_int.h"

#define SIGN_PIN_VAR "HSMLAB_SCENARIO_SIGN_PIN"

/* "2025Q1" -> 2025 * 4 + 0; the neighbours by index. */
static int qindex(const char *q)
{
	return atoi(q) * 4 + (q[5] - '1');
}

static void qname(int idx, char out[16])
{
	snprintf(out, 16, "%04dQ%d", idx / 4 % 10000, idx % 4 + 1);
}

static void path_of(const hl_run_t *r, const char *kind, const char *q, char *out, size_t len)
{
	snprintf(out, len, "%s/%s-%s.xml", r->dir, kind, q);
}

/* The previous quarter's SKR when this run made one, else "". */
static void previous_skr(const hl_run_t *r, const char *q, char *out, size_t len)
{
	char prev[16];

	qname(qindex(q) - 1, prev);
	path_of(r, "skr", prev, out, len);
	if (access(out, R_OK) != 0)
		out[0] = '\0';
}

static int write_text(const char *path, const char *text, hl_obs_t *obs)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail, "cannot write %s", path);
		return -1;
	}
	return 0;
}

static void tool_path(const hl_run_t *r, const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/%s", r->o->signer_dir, name);
}

/* -- ksr-gen -- */

static const hl_devstate_t *zsk_device(const hl_run_t *r, const hl_step_t *st, const char **name)
{
	for (size_t i = 0; i < r->s->ndevices; i++) {
		const char *n = r->s->devices[i].name;

		if (st->ndevices ? strcmp(n, st->devices[0]) == 0
				 : strcmp(r->s->devices[i].vendor, "zsk") == 0) {
			*name = n;
			return &r->dev[i];
		}
	}
	return NULL;
}

static void step_ksr_gen(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	char conf[2300], ksr[2300], prev[2300], keys[64], text[3000], tool[2300];
	char q0[16], q1[16], q2[16];
	const char *zname = NULL;
	const hl_devstate_t *z = zsk_device(r, st, &zname);
	int qi = qindex(st->quarter);
	char *argv[14];
	size_t n = 0;

	if (z == NULL || !z->ready) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail,
			 "no formatted ZSK device (vendor \"zsk\")");
		return;
	}
	qname(qi - 1, q0);
	qname(qi, q1);
	qname(qi + 1, q2);
	/* [old+cur, cur x7, cur+next]: the next quarter's old/cur are this one's cur/next */
	snprintf(keys, sizeof keys, "ZSK-%s,ZSK-%s,ZSK-%s", q0, q1, q2);
	snprintf(conf, sizeof conf, "%s/zsk.conf", r->dir);
	snprintf(text, sizeof text,
		 "modules = ( { name = \"%s\"; library = \"%s\"; token = \"%s\";\n"
		 "              pin = \"env:" HL_SCN_PIN_VAR "\"; } );\n"
		 "ksr_gen = { create = true; };\n",
		 zname, z->module, zname);
	if (write_text(conf, text, obs) != 0)
		return;
	path_of(r, "ksr", st->quarter, ksr, sizeof ksr);
	previous_skr(r, st->quarter, prev, sizeof prev);
	tool_path(r, "ksr-gen", tool, sizeof tool);
	argv[n++] = tool;
	argv[n++] = "--config";
	argv[n++] = conf;
	argv[n++] = "--quarter";
	argv[n++] = st->quarter;
	argv[n++] = "--keys";
	argv[n++] = keys;
	if (prev[0] != '\0') {
		argv[n++] = "--previous";
		argv[n++] = prev;
	}
	argv[n++] = "-o";
	argv[n++] = ksr;
	argv[n] = NULL;
	if (hl_scn_run(r, NULL, argv, "ksr-gen", obs) == 0)
		snprintf(obs->detail, sizeof obs->detail, "KSR %s: ZSKs %s on %s (%s)", st->quarter,
			 keys, zname, z->backend);
}

/* -- ksr-signer -- */

static int schema_uses_next(const char *schema)
{
	return strcmp(schema, "normal") != 0;
}

/* The device that signs with `key` at this ceremony: one named by the step that holds it,
 * else one at the ceremony's site that holds it, else any that holds it. */
static int pick_device(const hl_run_t *r, const hl_step_t *st, const char *key)
{
	size_t ki = 0, nd = r->s->ndevices;
	int any = -1;

	while (strcmp(r->s->keys[ki].name, key) != 0)
		ki++;
	for (size_t i = 0; i < st->ndevices; i++) {
		size_t d = hl_scn_device_index(r, st->devices[i]);

		if (r->holds[ki * nd + d])
			return (int)d;
	}
	if (st->ndevices > 0) /* the step insists: let the signer find the key missing */
		return (int)hl_scn_device_index(r, st->devices[0]);
	for (size_t d = 0; d < nd; d++) {
		const char *site = r->s->devices[d].site;

		if (!r->holds[ki * nd + d])
			continue;
		if (site && r->cer->site && strcmp(site, r->cer->site) == 0)
			return (int)d;
		if (any < 0)
			any = (int)d;
	}
	return any;
}

/* Says so in the step's detail when the key was used on another site's device: no device
 * here holds it (a restore that is n/a, e.g. on SoftHSMv2, or that failed). */
static void other_site(const hl_run_t *r, int dev, char *used, size_t len)
{
	const char *site = r->s->devices[dev].site, *here = r->cer->site;

	if (site == NULL || here == NULL || strcmp(site, here) == 0)
		return;
	snprintf(used + strlen(used), len - strlen(used),
		 " [a device of site %s: none at %s holds it]", site, here);
}

/* -- the signer template -- */

/* The built-in template: ksr-signer with a libconfig file (what the replay always ran). */
static const char *const default_command[] = {
	"${signer_dir}/ksr-signer", "--config",    "${config}", "--force", "--schema", "${schema}",
	"${previous?--previous}",   "${previous}", "${ksr}",    "${skr}"
};
static const hl_scn_signer_t default_signer = {
	.command = (char **)default_command,
	.ncommand = sizeof default_command / sizeof default_command[0],
	.config_file = "ksk-${quarter}.conf",
	.config = "modules = (\n${modules}\n);\nksks = (\n${keys}\n);\n"
		  "roles = { current = \"${current_label}\"; next = \"${next_label}\"; };\n",
	.module = "  { name = \"${device}\"; library = \"${module}\"; token = \"${token}\";"
		  " pin = \"env:${pin_var}\"; }",
	.key = "  { label = \"${label}\";${valid_from? valid_from = \"${valid_from}\";}"
	       "${valid_until? valid_until = \"${valid_until}\";} }",
	.module_sep = ",\n",
	.key_sep = ",\n",
};

#define MAX_VARS 32

/* Names and values for one expansion; `up` holds the step's (a module's or key's sees both). */
typedef struct vars {
	const char *name[MAX_VARS], *value[MAX_VARS];
	size_t n;
	const struct vars *up;
} vars_t;

static void var_set(vars_t *v, const char *name, const char *value)
{
	if (v->n < MAX_VARS) {
		v->name[v->n] = name;
		v->value[v->n++] = value ? value : "";
	}
}

static const char *var_get(const vars_t *v, const char *name, size_t len)
{
	for (; v != NULL; v = v->up)
		for (size_t i = 0; i < v->n; i++)
			if (strlen(v->name[i]) == len && strncmp(v->name[i], name, len) == 0)
				return v->value[i];
	return NULL;
}

/* Writes tpl to f with ${name} replaced and ${name?text} giving text (itself expanded) when
 * name is not empty. An unknown name is an error, named in bad. */
static int expand(FILE *f, const char *tpl, const vars_t *v, char *bad, size_t badlen)
{
	for (const char *p = tpl; *p;) {
		const char *name, *val, *end;
		size_t len;
		if (p[0] != '$' || p[1] != '{') {
			fputc(*p++, f);
			continue;
		}
		name = p + 2;
		len = strspn(name, "abcdefghijklmnopqrstuvwxyz_0123456789");
		val = var_get(v, name, len);
		if (val == NULL || (name[len] != '}' && name[len] != '?')) {
			snprintf(bad, badlen, "unknown template variable ${%.*s}", (int)len, name);
			return -1;
		}
		if (name[len] == '}') {
			fputs(val, f);
			p = name + len + 1;
			continue;
		}
		end = name + len + 1; /* the conditional text runs to the matching brace */
		for (int depth = 1; *end && depth > 0; end++)
			depth += (end[0] == '$' && end[1] == '{') - (end[0] == '}');
		if (end[-1] != '}') {
			snprintf(bad, badlen, "${%.*s?...} is not closed", (int)len, name);
			return -1;
		}
		if (*val != '\0') {
			char *body = strndup(name + len + 1, (size_t)(end - 1 - (name + len + 1)));
			int rc = body ? expand(f, body, v, bad, badlen) : -1;
			free(body);
			if (rc != 0)
				return -1;
		}
		p = end;
	}
	return 0;
}

/* The expansion of tpl into a new string (NULL with obs set on an error). */
static char *expand_str(const char *tpl, const vars_t *v, hl_obs_t *obs)
{
	char *out = NULL, bad[200];
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int rc = f ? expand(f, tpl, v, bad, sizeof bad) : -1;

	if (f != NULL)
		fclose(f);
	if (rc == 0 && out != NULL)
		return out;
	free(out);
	obs->outcome = HL_OUT_ERROR;
	snprintf(obs->detail, sizeof obs->detail, "signer template: %s", f ? bad : "out of memory");
	return NULL;
}

/* Appends one entry per item (devices or keys), separated, to *list. */
static int add_entry(char **list, const char *tpl, const char *sep, const vars_t *v, hl_obs_t *obs)
{
	char *e = expand_str(tpl, v, obs), *n = NULL;

	if (e == NULL || asprintf(&n, "%s%s%s", *list, **list ? sep : "", e) < 0) {
		free(e);
		return -1;
	}
	free(e);
	free(*list);
	*list = n;
	return 0;
}

typedef struct sign_job {
	const hl_scn_key_t *ks[2];
	int devs[2];
	char *modules, *keys;
	char used[700];
} sign_job_t;

/* Which KSKs the schema uses, on which devices, and their template entries. */
static int sign_parts(hl_run_t *r, const hl_step_t *st, const hl_scn_signer_t *t,
		      const vars_t *step, sign_job_t *j, hl_obs_t *obs)
{
	static const char *const roles[2] = { "ksk_current", "ksk_next" };

	j->ks[0] = hl_scenario_key(r->s, st->current);
	j->ks[1] =
	    st->next && schema_uses_next(st->schema) ? hl_scenario_key(r->s, st->next) : NULL;
	for (int i = 0; i < 2 && j->ks[i]; i++) {
		const char *kname = i ? st->next : st->current;
		vars_t mv = { .up = step }, kv = { .up = step };
		if ((j->devs[i] = pick_device(r, st, kname)) < 0) {
			obs->outcome = HL_OUT_ERROR;
			snprintf(obs->detail, sizeof obs->detail,
				 "no device holds %s (keygen, import or restore missing?)", kname);
			return -1;
		}
		var_set(&kv, "name", j->ks[i]->name);
		var_set(&kv, "label", j->ks[i]->label);
		var_set(&kv, "role", roles[i]);
		var_set(&kv, "valid_from", j->ks[i]->valid_from);
		var_set(&kv, "valid_until", j->ks[i]->valid_until);
		if (add_entry(&j->keys, t->key, t->key_sep ? t->key_sep : "\n", &kv, obs) != 0)
			return -1;
		if (i == 1 && j->devs[1] == j->devs[0])
			continue;
		var_set(&mv, "device", r->s->devices[j->devs[i]].name);
		var_set(&mv, "token", r->s->devices[j->devs[i]].name);
		var_set(&mv, "module", r->dev[j->devs[i]].module);
		var_set(&mv, "serial", r->dev[j->devs[i]].serial);
		var_set(&mv, "backend", r->dev[j->devs[i]].backend);
		if (add_entry(&j->modules, t->module, t->module_sep ? t->module_sep : "\n", &mv,
			      obs) != 0)
			return -1;
		snprintf(j->used + strlen(j->used), sizeof j->used - strlen(j->used),
			 "%s%s on %s (%s)", i ? ", " : "", j->ks[i]->label,
			 r->s->devices[j->devs[i]].name, r->dev[j->devs[i]].backend);
		other_site(r, j->devs[i], j->used, sizeof j->used);
	}
	return 0;
}

/* Writes the config and fills argv (words that expand to nothing are left out). */
static int sign_command(hl_run_t *r, const hl_scn_signer_t *t, vars_t *v, sign_job_t *j,
			char **argv, size_t max, hl_obs_t *obs)
{
	char conf[2300], *name, *text;
	size_t n = 0;
	int rc;

	var_set(v, "modules", j->modules);
	var_set(v, "keys", j->keys);
	if ((name = expand_str(t->config_file, v, obs)) == NULL)
		return -1;
	snprintf(conf, sizeof conf, "%s/%s", r->dir, name);
	free(name);
	var_set(v, "config", conf);
	if ((text = expand_str(t->config, v, obs)) == NULL)
		return -1;
	rc = write_text(conf, text, obs);
	free(text);
	for (size_t i = 0; rc == 0 && i < t->ncommand && n + 1 < max; i++) {
		char *w = expand_str(t->command[i], v, obs);
		if (w == NULL)
			rc = -1;
		else if (*w == '\0')
			free(w);
		else
			argv[n++] = w;
	}
	argv[n] = NULL;
	return rc;
}

static void step_sign(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	const hl_scn_signer_t *t = r->s->signer.ncommand ? &r->s->signer : &default_signer;
	char ksr[2300], skr[2300], prev[2300], pinv[300];
	const char *pin = st->pin ? st->pin : r->s->user_pin;
	char *extra[] = { pinv, NULL }, *argv[40] = { NULL };
	sign_job_t j = { .modules = strdup(""), .keys = strdup("") };
	vars_t v = { .n = 0 };
	const hl_scn_key_t *cur = hl_scenario_key(r->s, st->current);
	const hl_scn_key_t *nxt = st->next ? hl_scenario_key(r->s, st->next) : NULL;

	snprintf(pinv, sizeof pinv, SIGN_PIN_VAR "=%s", pin);
	path_of(r, "ksr", st->quarter, ksr, sizeof ksr);
	path_of(r, "skr", st->quarter, skr, sizeof skr);
	previous_skr(r, st->quarter, prev, sizeof prev);
	var_set(&v, "quarter", st->quarter);
	var_set(&v, "schema", st->schema);
	var_set(&v, "ksr", ksr);
	var_set(&v, "skr", skr);
	var_set(&v, "previous", prev);
	var_set(&v, "signer_dir", r->o->signer_dir);
	var_set(&v, "pin", pin);
	var_set(&v, "pin_var", SIGN_PIN_VAR);
	var_set(&v, "current_label", cur->label);
	var_set(&v, "next_label", schema_uses_next(st->schema) && nxt ? nxt->label : cur->label);
	var_set(&v, "lab_conf", r->lab_conf);
	var_set(&v, "softhsm_conf", r->softhsm_conf);
	var_set(&v, "dir", r->dir);
	unlink(skr);
	if (j.modules != NULL && j.keys != NULL && sign_parts(r, st, t, &v, &j, obs) == 0 &&
	    sign_command(r, t, &v, &j, argv, sizeof argv / sizeof argv[0], obs) == 0) {
		const char *what = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
		if (hl_scn_run(r, extra, argv, what, obs) == 0)
			snprintf(obs->detail, sizeof obs->detail, "SKR %s (%s) by %s: %s",
				 st->quarter, st->schema, what, j.used);
		else if (obs->outcome == HL_OUT_REFUSED && access(skr, F_OK) == 0) {
			obs->outcome = HL_OUT_ERROR; /* a refusal must leave nothing behind */
			snprintf(obs->detail + strlen(obs->detail),
				 sizeof obs->detail - strlen(obs->detail),
				 " -- UNSAFE: %s was written anyway", skr);
		}
	}
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(j.modules);
	free(j.keys);
}

/* -- reading an SKR back: anchors and the timeline -- */

static void remember_anchor(hl_run_t *r, const hl_key_t *k)
{
	unsigned char b64[2048];

	if (k->flags != 257 || k->publen > 1500)
		return;
	for (size_t i = 0; i < r->s->nkeys; i++) {
		if (strcmp(r->s->keys[i].label, k->id) != 0 || r->anchor[i] != NULL)
			continue;
		EVP_EncodeBlock(b64, k->pub, (int)k->publen);
		if ((r->anchor[i] = malloc(2200)) != NULL)
			snprintf(r->anchor[i], 2200, ". IN DNSKEY 257 %u %u %s\n", k->protocol,
				 k->alg, (const char *)b64);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void slot_of(const hl_bundle_t *b, hl_scn_slot_t *sl)
{
	memset(sl, 0, sizeof *sl);
	sl->inception = b->inception;
	sl->expiration = b->expiration;
	for (size_t j = 0; j < b->nsigs && sl->nsigners < 4; j++)
		snprintf(sl->signers[sl->nsigners++], sizeof sl->signers[0], "%s",
			 b->sigs[j].key_id);
	for (size_t j = 0; j < b->nkeys; j++) {
		if (b->keys[j].flags == 385)
			snprintf(sl->revoked, sizeof sl->revoked, "%s", b->keys[j].id);
		if ((b->keys[j].flags == 257 || b->keys[j].flags == 385) && sl->npublished < 4)
			snprintf(sl->published[sl->npublished++], sizeof sl->published[0], "%s",
				 b->keys[j].id);
	}
	/* The RRset's order is canonical (by key data): names sorted read the same everywhere. */
	qsort(sl->published, (size_t)sl->npublished, sizeof sl->published[0], by_name);
	qsort(sl->signers, (size_t)sl->nsigners, sizeof sl->signers[0], by_name);
}

static void record_skr(hl_run_t *r, const char *quarter, const char *skr)
{
	hl_ksr_t *k = NULL;
	hl_err_t err;
	hl_scn_quarter_t *q, *v;

	if (hl_ksr_load(skr, &k, &err) != 0)
		return;
	v = reallocarray(r->quarters, r->nquarters + 1, sizeof *v);
	if (v != NULL) {
		r->quarters = v;
		q = &r->quarters[r->nquarters++];
		memset(q, 0, sizeof *q);
		snprintf(q->quarter, sizeof q->quarter, "%s", quarter);
		snprintf(q->ceremony, sizeof q->ceremony, "%s", r->cer->id);
		q->ceremony_date = r->cer->date;
		for (size_t i = 0; i < k->nbundles && i < 9; i++) {
			slot_of(&k->bundles[i], &q->slots[i]);
			q->nslots = (int)i + 1;
			for (size_t j = 0; j < k->bundles[i].nkeys; j++)
				remember_anchor(r, &k->bundles[i].keys[j]);
		}
	}
	hl_ksr_free(k);
}

/* -- skr-verify -- */

static int write_anchors(hl_run_t *r, const hl_step_t *st, const char *path, hl_obs_t *obs)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return write_text(path, "", obs);
	for (size_t i = 0; i < st->nanchors; i++) {
		size_t ki = 0;

		while (strcmp(r->s->keys[ki].name, st->anchors[i]) != 0)
			ki++;
		if (r->anchor[ki] == NULL) {
			fclose(f);
			obs->outcome = HL_OUT_ERROR;
			snprintf(obs->detail, sizeof obs->detail,
				 "no DNSKEY of %s seen in an SKR yet: cannot make its anchor",
				 st->anchors[i]);
			return -1;
		}
		fputs(r->anchor[ki], f);
	}
	return fclose(f) == 0 ? 0 : write_text(path, "", obs);
}

static void step_verify(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	char skr[2300], prev[2300], tool[2300], ta[2300], from[40], to[40];
	char *argv[16];
	size_t n = 0;
	int qi = qindex(st->quarter);

	path_of(r, "skr", st->quarter, skr, sizeof skr);
	tool_path(r, "skr-verify", tool, sizeof tool);
	snprintf(ta, sizeof ta, "%s/anchors-%s.key", r->dir, st->quarter);
	argv[n++] = tool;
	if (st->type == HL_STEP_VERIFY) {
		previous_skr(r, st->quarter, prev, sizeof prev);
		if (prev[0] != '\0') {
			argv[n++] = "--previous";
			argv[n++] = prev;
		}
	} else {
		char pinv[300];
		int used = 0;
		snprintf(pinv, sizeof pinv, SIGN_PIN_VAR "=%s", st->pin ? st->pin : r->s->user_pin);
		/* trust-anchor: the lab's export as IANA publishes it, when the quarter has it. */
		if (st->type == HL_STEP_TRUST_ANCHOR &&
		    (used = hl_scn_anchor_export(r, st, pinv, ta, sizeof ta, obs)) < 0)
			return;
		if (!used && write_anchors(r, st, ta, obs) != 0)
			return;
		argv[n++] = "--trust-anchor";
		argv[n++] = ta;
	}
	if (st->type == HL_STEP_COVERAGE) {
		int nx = qi + 1;

		snprintf(from, sizeof from, "%04d-%02d-01T00:00:00", qi / 4, qi % 4 * 3 + 1);
		snprintf(to, sizeof to, "%04d-%02d-01T00:00:00", nx / 4, nx % 4 * 3 + 1);
		argv[n++] = "--from";
		argv[n++] = from;
		argv[n++] = "--to";
		argv[n++] = to;
	}
	argv[n++] = skr;
	argv[n] = NULL;
	if (hl_scn_run(r, NULL, argv, "skr-verify", obs) == 0 && st->type == HL_STEP_COVERAGE)
		snprintf(obs->detail, sizeof obs->detail,
			 "every instant of %s .. %s covered by a bundle signed by a trusted key",
			 from, to);
	else if (obs->outcome == HL_OUT_OK && st->type == HL_STEP_TRUST_ANCHOR &&
		 strstr(ta, "/root-anchors.xml"))
		snprintf(
		    obs->detail, sizeof obs->detail,
		    "the lab's export (trust-anchor-%s/root-anchors.xml) has IANA's "
		    "root-anchors.xml structure and names the anchors; SKR %s verified with it",
		    st->quarter, st->quarter);
}

/* Where a fault changes one character: 20 characters into the first signature of a KSR or
 * SKR, or the first hex digit of record 1's hash in an audit export. NULL if absent. */
static char *tamper_point(char *buf, int audit)
{
	char *at = strstr(buf, audit ? "\n1 " : "<SignatureData>");

	if (at == NULL)
		return NULL;
	if (!audit)
		return strlen(at) > 40 ? at + strlen("<SignatureData>") + 20 : NULL;
	at++; /* seq time iso event subject details prev HASH mac */
	for (int field = 0; field < 7 && at != NULL; field++)
		if ((at = strchr(at, ' ')) != NULL)
			at++;
	return at != NULL && *at != '\0' && *at != '\n' ? at : NULL;
}

/* Fault: one character changed, as a damaged transfer or a forger would. */
static void step_tamper(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	int audit = st->target && strcmp(st->target, "audit") == 0;
	char path[2300], *buf = NULL, *at;
	long len;
	FILE *f;

	if (audit)
		snprintf(path, sizeof path, "%s/%s.audit", r->dir, st->devices[0]);
	else
		path_of(r, st->target && strcmp(st->target, "ksr") == 0 ? "ksr" : "skr",
			st->quarter, path, sizeof path);
	obs->outcome = HL_OUT_ERROR;
	snprintf(obs->detail, sizeof obs->detail, "cannot tamper with %.1400s", path);
	if ((f = fopen(path, "r+")) == NULL)
		return;
	if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) > 0 &&
	    (buf = calloc(1, (size_t)len + 1)) != NULL && fseek(f, 0, SEEK_SET) == 0 &&
	    fread(buf, 1, (size_t)len, f) == (size_t)len &&
	    (at = tamper_point(buf, audit)) != NULL) {
		*at = *at == '0' ? '1' : *at == 'A' ? 'B' : audit ? '0' : 'A';
		if (fseek(f, at - buf, SEEK_SET) == 0 && fputc(*at, f) != EOF) {
			obs->outcome = HL_OUT_OK;
			snprintf(obs->detail, sizeof obs->detail,
				 "one character of the first %s in %.1400s changed",
				 audit ? "record's hash" : "signature", path);
		}
	}
	free(buf);
	if (fclose(f) != 0)
		obs->outcome = HL_OUT_ERROR;
}

void hl_scn_step_signer(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	char skr[2300];

	switch (st->type) {
	case HL_STEP_KSR_GEN:
		step_ksr_gen(r, st, obs);
		break;
	case HL_STEP_SIGN:
		step_sign(r, st, obs);
		path_of(r, "skr", st->quarter, skr, sizeof skr);
		if (obs->outcome == HL_OUT_OK)
			record_skr(r, st->quarter, skr);
		break;
	case HL_STEP_TAMPER:
		step_tamper(r, st, obs);
		break;
	default:
		step_verify(r, st, obs);
	}
}
