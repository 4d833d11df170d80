/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's signer steps — the ZSK side's KSR (ksr-gen), the KSK side's
 * SKR (ksr-signer with the schema's KSKs on the devices that hold them) and the checks
 * (skr-verify: chain, trust anchors, day-by-day coverage), all as children at the
 * ceremony's date. Signed SKRs are read back for the timeline and the trust anchors. */
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

static void ksk_line(const hl_scn_key_t *k, char *out, size_t len)
{
	snprintf(out, len, "  { label = \"%s\";%s%s%s%s%s%s }", k->label,
		 k->valid_from ? " valid_from = \"" : "", k->valid_from ? k->valid_from : "",
		 k->valid_from ? "\";" : "", k->valid_until ? " valid_until = \"" : "",
		 k->valid_until ? k->valid_until : "", k->valid_until ? "\";" : "");
}

static int sign_config(hl_run_t *r, const hl_step_t *st, const char *path, char *used,
		       size_t usedlen, hl_obs_t *obs)
{
	const hl_scn_key_t *cur = hl_scenario_key(r->s, st->current);
	const hl_scn_key_t *nxt = st->next ? hl_scenario_key(r->s, st->next) : NULL;
	const hl_scn_key_t *ks[2] = { cur, schema_uses_next(st->schema) ? nxt : NULL };

	char text[8192] = "modules = (\n", line[3072];
	int devs[2] = { -1, -1 };

	for (int i = 0; i < 2 && ks[i]; i++) {
		const char *kname = i ? st->next : st->current;

		if ((devs[i] = pick_device(r, st, kname)) < 0) {
			obs->outcome = HL_OUT_ERROR;
			snprintf(obs->detail, sizeof obs->detail,
				 "no device holds %s (keygen, import or restore missing?)", kname);
			return -1;
		}
		if (i == 1 && devs[1] == devs[0])
			continue;
		snprintf(line, sizeof line,
			 "%s  { name = \"%s\"; library = \"%s\"; token = \"%s\";"
			 " pin = \"env:" SIGN_PIN_VAR "\"; }\n",
			 i ? "," : "", r->s->devices[devs[i]].name, r->dev[devs[i]].module,
			 r->s->devices[devs[i]].name);
		strncat(text, line, sizeof text - strlen(text) - 1);
		snprintf(used + strlen(used), usedlen - strlen(used), "%s%s on %s (%s)",
			 i ? ", " : "", ks[i]->label, r->s->devices[devs[i]].name,
			 r->dev[devs[i]].backend);
		other_site(r, devs[i], used, usedlen);
	}
	strncat(text, ");\nksks = (\n", sizeof text - strlen(text) - 1);
	for (int i = 0; i < 2 && ks[i]; i++) {
		ksk_line(ks[i], line, sizeof line);
		strncat(text, i ? ",\n" : "", sizeof text - strlen(text) - 1);
		strncat(text, line, sizeof text - strlen(text) - 1);
	}
	snprintf(line, sizeof line,
		 "\n);\nroles = { current = \"%s\"; next = \"%s\"; };\n"
		 "schemas = { publish-both = { publish = [\"%s\"%s%s%s]; sign = [\"%s\"]; }; };\n",
		 cur->label, ks[1] ? ks[1]->label : cur->label, cur->label, ks[1] ? ", \"" : "",
		 ks[1] ? ks[1]->label : "", ks[1] ? "\"" : "", cur->label);
	strncat(text, line, sizeof text - strlen(text) - 1);
	return write_text(path, text, obs);
}

static void step_sign(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	char conf[2300], ksr[2300], skr[2300], prev[2300], tool[2300], pinv[300], used[700] = "";
	char *extra[] = { pinv, NULL }, *argv[14];
	size_t n = 0;

	snprintf(conf, sizeof conf, "%s/ksk-%s.conf", r->dir, st->quarter);
	if (sign_config(r, st, conf, used, sizeof used, obs) != 0)
		return;
	snprintf(pinv, sizeof pinv, SIGN_PIN_VAR "=%s", st->pin ? st->pin : r->s->user_pin);
	path_of(r, "ksr", st->quarter, ksr, sizeof ksr);
	path_of(r, "skr", st->quarter, skr, sizeof skr);
	previous_skr(r, st->quarter, prev, sizeof prev);
	unlink(skr);
	tool_path(r, "ksr-signer", tool, sizeof tool);
	argv[n++] = tool;
	argv[n++] = "--config";
	argv[n++] = conf;
	argv[n++] = "--force";
	argv[n++] = "--schema";
	argv[n++] = st->schema;
	if (prev[0] != '\0') {
		argv[n++] = "--previous";
		argv[n++] = prev;
	}
	argv[n++] = ksr;
	argv[n++] = skr;
	argv[n] = NULL;
	if (hl_scn_run(r, extra, argv, "ksr-signer", obs) == 0) {
		snprintf(obs->detail, sizeof obs->detail, "SKR %s (%s): %s", st->quarter,
			 st->schema, used);
		return;
	}
	if (obs->outcome == HL_OUT_REFUSED && access(skr, F_OK) == 0) {
		obs->outcome = HL_OUT_ERROR; /* a refusal must leave nothing behind */
		snprintf(obs->detail + strlen(obs->detail),
			 sizeof obs->detail - strlen(obs->detail),
			 " -- UNSAFE: %s was written anyway", skr);
	}
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
		if (write_anchors(r, st, ta, obs) != 0)
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
