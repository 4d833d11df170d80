/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: ksr-signer's flow: checks, operator confirmation, signing every bundle with
 * the schema's KSKs, software verification, and the atomic SKR write. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hsmlab/dnssec.h"
#include "hsmlab/pgpwords.h"
#include "hsmlab/signer.h"

#define CHK(id) hl_check_name(id)

/* -- check 25: the schema -- */

int hl_schema_check(const hl_config_t *cfg, const char *name, const hl_schema_t **out,
		    hl_err_t *err)
{
	const hl_schema_t *sc = hl_config_schema(cfg, name);

	if (sc == NULL) {
		hl_err_set(err, CHK(HL_CHK_SKR_SCHEMA), "%s: no schema called \"%s\"", cfg->path,
			   name);
		return -1;
	}
	for (int i = 0; cfg->policy.enabled[HL_CHK_SKR_SCHEMA] && i < HL_SLOTS; i++) {
		const hl_slot_sets_t *s = &sc->slots[i];
		if (s->sign == 0 || (s->sign & ~s->publish) != 0 ||
		    (s->revoke & ~s->publish) != 0) {
			hl_err_set(err, CHK(HL_CHK_SKR_SCHEMA),
				   "%s: schema %s slot %d: every slot needs a signer, "
				   "and signers and revoked keys must be published",
				   cfg->path, name, i + 1);
			return -1;
		}
	}
	*out = sc;
	return 0;
}

/* -- check 26: the operator's confirmation -- */

int hl_confirm(const hl_ksr_t *ksr, FILE *in, FILE *out, hl_err_t *err)
{
	char hex[65], words[32 * 13], line[64];

	if (hl_pgpwords(ksr->sha256, 32, words, sizeof(words)) != 0) {
		hl_err_set(err, CHK(HL_CHK_OPERATOR_CONFIRM), "internal error");
		return -1;
	}
	hl_hex(ksr->sha256, 32, hex);
	fprintf(out, "KSR %s\nSHA-256: %s\nPGP words: %s\nType Yes to sign: ", ksr->path, hex,
		words);
	fflush(out);
	if (fgets(line, sizeof(line), in) != NULL)
		line[strcspn(line, "\r\n")] = '\0';
	else
		line[0] = '\0';
	if (strcmp(line, "Yes") != 0) {
		hl_err_set(err, CHK(HL_CHK_OPERATOR_CONFIRM),
			   "the operator did not confirm the KSR hash");
		return -1;
	}
	return 0;
}

/* -- checks 19 and 21: keys in the HSMs -- */

static int check_hsm_key(const hl_ksk_cfg_t *kc, const hl_hsm_key_t *hk, hl_err_t *err)
{
	hl_key_t k;
	unsigned char ds[32];
	unsigned tag;
	const char *why = NULL;

	if ((kc->alg == 8) != (hk->type == CKK_RSA) || (kc->alg == 13) != (hk->type == CKK_EC))
		why = "key type differs from the configured algorithm";
	else if (kc->alg == 8 && (hk->bits != kc->size || hk->exponent != kc->exponent))
		why = "RSA size or exponent differs from the configuration";
	if (why == NULL && hl_hsm_key_to_dnskey(hk, kc->label, 257, &k) == 0) {
		tag = hl_dns_keytag(&k, 257);
		if (kc->key_tag < 0)
			hl_check_warn(HL_CHK_KSK_HSM_MATCH, "%s: no key_tag configured (HSM: %u)",
				      kc->label, tag);
		else if ((long)tag != kc->key_tag)
			why = "key tag differs from the configured key_tag";
		if (why == NULL && !kc->has_ds)
			hl_check_warn(HL_CHK_KSK_HSM_MATCH, "%s: no ds_sha256 configured",
				      kc->label);
		else if (why == NULL && (hl_dns_ds_sha256(&k, ds) != 0 || memcmp(ds, kc->ds, 32)))
			why = "DS-SHA256 differs from the configured ds_sha256";
		hl_key_clear(&k);
	}
	if (why != NULL) {
		hl_err_set(err, CHK(HL_CHK_KSK_HSM_MATCH), "KSK %s in module %s: %s", kc->label,
			   hk->module->name, why);
		return -1;
	}
	return 0;
}

static int check_chain_in_hsm(hl_config_t *cfg, const hl_ksr_t *prev, hl_err_t *err)
{
	const hl_bundle_t *last = &prev->bundles[prev->nbundles - 1];

	for (size_t s = 0; s < last->nsigs; s++) {
		const hl_key_t *pk = hl_bundle_find_key(last, last->sigs[s].key_id);
		hl_hsm_key_t hk;
		hl_key_t k;
		int rc =
		    hl_hsm_find_key(cfg->modules, cfg->nmodules, last->sigs[s].key_id, &hk, err);
		int same = 0;

		if (rc < 0)
			return -1;
		if (rc == 0 && pk != NULL && hl_hsm_key_to_dnskey(&hk, pk->id, 257, &k) == 0) {
			same = hl_key_same_pub(&k, pk);
			hl_key_clear(&k);
		}
		if (!same) {
			hl_err_set(err, CHK(HL_CHK_KSR_CHAIN_KEYS_IN_HSM),
				   "signer %s of the previous SKR's last "
				   "bundle %s",
				   last->sigs[s].key_id,
				   rc == 1 ? "is in no HSM (by CKA_LABEL)"
					   : "differs from the HSM key with that label");
			return -1;
		}
	}
	return 0;
}

/* -- building the SKR (checks 20, 23, 24) -- */

/* The schema's KSKs for one slot: published ones with flags 257 (385 when revoked). */
static int add_ksks(const hl_config_t *cfg, const hl_slot_sets_t *sl, hl_hsm_key_t *const *keys,
		    hl_bundle_t *b)
{
	for (size_t i = 0; i < cfg->nksks; i++) {
		hl_key_t k;
		int rc;
		if (!(sl->publish & (1u << i)))
			continue;
		if (hl_hsm_key_to_dnskey(keys[i], cfg->ksks[i].label,
					 (sl->revoke & (1u << i)) ? 385 : 257, &k) != 0)
			return -1;
		k.ttl = (uint32_t)cfg->policy.ttl; /* the RRset's one TTL (KSR-POLICY-TTL) */
		k.tag_stated = hl_dns_keytag(&k, k.flags); /* recomputed for a revoked key */
		rc = hl_bundle_add_key(b, &k);
		hl_key_clear(&k);
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* One KSK's RRSIG over b's DNSKEY RRset, verified in software before it is kept. */
static int sign_one(const hl_config_t *cfg, size_t i, const hl_hsm_key_t *hk,
		    const hl_bundle_t *src, hl_bundle_t *b, hl_err_t *err)
{
	const hl_ksk_cfg_t *kc = &cfg->ksks[i];
	const hl_key_t *k = hl_bundle_find_key(b, kc->label);
	hl_sig_t s = { .ttl = (uint32_t)cfg->policy.ttl,
		       .orig_ttl = (uint32_t)cfg->policy.ttl,
		       .type_covered = 48,
		       .labels = 0 };
	unsigned char *in = NULL;
	size_t inlen = 0;
	char why[256];
	int rc;

	if (cfg->policy.enabled[HL_CHK_KSK_VALIDITY] &&
	    ((kc->valid_from && kc->valid_from > src->inception) ||
	     (kc->valid_until && kc->valid_until < src->expiration))) {
		hl_err_set(err, CHK(HL_CHK_KSK_VALIDITY),
			   "bundle %s: KSK %s is not valid for the whole bundle "
			   "(Inception..Expiration)",
			   src->id, kc->label);
		return -1;
	}
	s.key_id = (char *)kc->label;
	s.signers_name = (char *)".";
	s.alg = k->alg;
	s.key_tag = k->tag_stated;
	s.inception = src->inception;
	s.expiration = src->expiration;
	if (hl_dns_signing_input(b, &s, &in, &inlen) != 0)
		return -1;
	rc = hl_hsm_sign(hk, in, inlen, &s.data, &s.datalen, err);
	free(in);
	if (rc == 0 && hl_dns_verify(b, &s, k, why, sizeof(why)) != 0) {
		hl_err_set(err, CHK(HL_CHK_SKR_SIG_VERIFY),
			   "bundle %s: the new signature by %s does not verify: %s", src->id,
			   kc->label, why);
		rc = -1;
	}
	if (rc == 0)
		rc = hl_bundle_add_sig(b, &s);
	free(s.data);
	return rc;
}

static int sign_bundle(const hl_config_t *cfg, const hl_bundle_t *src, const hl_slot_sets_t *sl,
		       hl_hsm_key_t *const *keys, hl_bundle_t *b, hl_err_t *err)
{
	if (add_ksks(cfg, sl, keys, b) != 0)
		return -1;
	for (size_t i = 0; i < cfg->nksks; i++)
		if ((sl->sign & (1u << i)) && sign_one(cfg, i, keys[i], src, b, err) != 0)
			return -1;
	return 0;
}

static int check_alg_match(const hl_config_t *cfg, const hl_bundle_t *src, const hl_slot_sets_t *sl,
			   hl_hsm_key_t *const *keys, hl_err_t *err)
{
	unsigned zsk = 0, ksk = 0;

	for (size_t i = 0; i < src->nkeys; i++)
		zsk |= 1u << (src->keys[i].alg & 31);
	for (size_t i = 0; i < cfg->nksks; i++)
		if (sl->sign & (1u << i))
			ksk |= 1u << (keys[i]->alg & 31);
	if (zsk != ksk) {
		hl_err_set(err, CHK(HL_CHK_KSR_ALG_MATCH),
			   "bundle %s: the ZSK algorithms differ from the signing "
			   "KSKs' algorithms",
			   src->id);
		return -1;
	}
	return 0;
}

int hl_signer_build(const hl_config_t *cfg, const hl_ksr_t *ksr, const hl_schema_t *sc,
		    hl_hsm_key_t *const *keys, hl_ksr_t **out, hl_err_t *err)
{
	hl_ksr_t *skr = hl_ksr_dup(ksr);

	if (skr == NULL || ksr->nbundles > HL_SLOTS) {
		hl_err_set(err, CHK(HL_CHK_SKR_SCHEMA), "%zu bundles for 9 slots", ksr->nbundles);
		goto fail;
	}
	skr->is_response = 1;
	skr->ksk_policy = cfg->policy.ksk;
	for (size_t i = 0; i < ksr->nbundles; i++) {
		hl_bundle_t *b = &skr->bundles[i];
		const hl_bundle_t *src = &ksr->bundles[i];
		/* the KSR's own proof-of-possession signatures are not part of the SKR */
		for (size_t s = 0; s < b->nsigs; s++)
			hl_sig_clear(&b->sigs[s]);
		b->nsigs = 0;
		b->nsigners = 0;
		if ((cfg->policy.enabled[HL_CHK_KSR_ALG_MATCH] &&
		     check_alg_match(cfg, src, &sc->slots[i], keys, err) != 0) ||
		    sign_bundle(cfg, src, &sc->slots[i], keys, b, err) != 0)
			goto fail;
	}
	*out = skr;
	return 0;
fail:
	if (err->check[0] == '\0')
		hl_err_set(err, "SIGN", "out of memory");
	hl_ksr_free(skr);
	return -1;
}

/* -- the whole run -- */

static int load_and_check(hl_config_t *cfg, const hl_sign_opts_t *o, hl_ksr_t **ksr,
			  hl_ksr_t **prev, hl_err_t *err)
{
	if (hl_ksr_load(o->ksr_path, ksr, err) != 0)
		return -1;
	hl_log_hash(o->log, "KSR", o->ksr_path, (*ksr)->sha256);
	hl_log(o->log, "checks LOAD-BUNDLE-FIELDS, LOAD-KEY-FIELDS, LOAD-KSR-FIELDS: passed");
	if (hl_check_ksr(*ksr, &cfg->policy, o->now, err) != 0)
		return -1;
	if (o->prev_path == NULL) {
		hl_check_warn(HL_CHK_KSR_ID,
			      "no --previous SKR: chain checks 15-19 and 27 skipped");
		return 0;
	}
	if (hl_ksr_load(o->prev_path, prev, err) != 0)
		return -1;
	hl_log_hash(o->log, "previous SKR", o->prev_path, (*prev)->sha256);
	if (hl_check_previous(*prev, &cfg->policy, err) != 0 ||
	    hl_check_chain(*ksr, *prev, &cfg->policy, err) != 0)
		return -1;
	return 0;
}

/* Which copy of KSK i to use. The config may name the device (token label or serial);
 * otherwise every module is searched: identical copies (a restored backup) are fine and the
 * device used is named, copies that differ are refused. */
static int pick_copy(hl_config_t *cfg, size_t i, hl_hsm_key_t *out, char *also, size_t alen,
		     hl_err_t *err)
{
	const hl_ksk_cfg_t *kc = &cfg->ksks[i];
	hl_hsm_key_t found[HL_MAX_MODULES];
	size_t n = 0, keep = 0;

	also[0] = '\0';
	if (hl_hsm_find_all(cfg->modules, cfg->nmodules, kc->label, found, HL_MAX_MODULES, &n,
			    err) != 0)
		return -1;
	for (size_t j = 0; j < n; j++) {
		const hl_hsm_module_t *m = found[j].module;
		if ((kc->token[0] && strcmp(m->tok_label, kc->token) != 0) ||
		    (kc->serial[0] && strcmp(m->tok_serial, kc->serial) != 0))
			continue;
		found[keep++] = found[j];
	}
	if (keep == 0) {
		hl_err_set(err, CHK(HL_CHK_KSK_HSM_MATCH),
			   "KSK %s is in none of the modules%s%s%s%s", kc->label,
			   kc->token[0] ? " on token " : "", kc->token,
			   kc->serial[0] ? " with serial " : "", kc->serial);
		return -1;
	}
	for (size_t j = 1; j < keep; j++) {
		const hl_hsm_module_t *a = found[0].module, *b = found[j].module;
		if (found[j].publen != found[0].publen ||
		    memcmp(found[j].pub, found[0].pub, found[0].publen) != 0) {
			hl_err_set(err, CHK(HL_CHK_KSK_HSM_MATCH),
				   "KSK %s: the copies on token %s (serial %s, module %s) and %s "
				   "(serial %s, module %s) differ; name the device in the config "
				   "(ksks: token or serial)",
				   kc->label, a->tok_label, a->tok_serial, a->name, b->tok_label,
				   b->tok_serial, b->name);
			return -1;
		}
		snprintf(also + strlen(also), alen - strlen(also), "%s%s (serial %s)",
			 j > 1 ? ", " : "; the same key is also on token ", b->tok_label,
			 b->tok_serial);
	}
	*out = found[0];
	return 0;
}

static int find_keys(hl_config_t *cfg, const hl_schema_t *sc, hl_hsm_key_t *store,
		     hl_hsm_key_t **keys, char also[][256], hl_err_t *err)
{
	unsigned used = 0;

	for (int i = 0; i < HL_SLOTS; i++)
		used |= sc->slots[i].publish | sc->slots[i].sign;
	for (size_t i = 0; i < cfg->nksks; i++) {
		keys[i] = NULL;
		if (!(used & (1u << i)))
			continue;
		if (pick_copy(cfg, i, &store[i], also[i], 256, err) != 0) {
			if (strcmp(err->check, "HSM") != 0)
				hl_check_report(HL_CHK_KSK_HSM_MATCH, -1, err);
			return -1;
		}
		if (HL_RUN_CHECK(&cfg->policy, HL_CHK_KSK_HSM_MATCH,
				 check_hsm_key(&cfg->ksks[i], &store[i], err)) != 0 ||
		    hl_hsm_choose_mech(&store[i], cfg->ksks[i].mechanism, err) != 0)
			return -1;
		keys[i] = &store[i];
	}
	return 0;
}

/* Says which device each KSK is on, on screen and in the record. */
static void show_keys(const hl_config_t *cfg, hl_hsm_key_t *const *keys, char also[][256],
		      const hl_sign_opts_t *o)
{
	for (size_t i = 0; i < cfg->nksks; i++) {
		const hl_hsm_module_t *m = keys[i] ? keys[i]->module : NULL;
		char clock[40] = "none (no clock on the token)";
		if (m == NULL)
			continue;
		hl_hsm_clock(m, clock, sizeof(clock));
		fprintf(o->out, "KSK %s: module %s, token %s serial %s slot %lu, %s%s\n",
			cfg->ksks[i].label, m->name, m->tok_label, m->tok_serial,
			(unsigned long)m->slot_id, hl_ckm_name(keys[i]->mech), also[i]);
		hl_log(o->log,
		       "KSK %s: module %s (%s), token %s serial %s slot %lu, mechanism %s, device "
		       "clock %s%s",
		       cfg->ksks[i].label, m->name, m->library, m->tok_label, m->tok_serial,
		       (unsigned long)m->slot_id, hl_ckm_name(keys[i]->mech), clock, also[i]);
	}
}

static void log_result(void *ctx, const char *check, int rc, const char *msg)
{
	static const char *const what[] = { "passed", "off", "warning" };

	hl_log(ctx, "check %s: %s%s%s", check, rc < 0 ? "REFUSED" : what[rc], msg[0] ? ": " : "",
	       msg);
}

/* The record's head: what is about to be signed, and by which configuration. */
static void log_inputs(const hl_config_t *cfg, const hl_sign_opts_t *o, const char *schema)
{
	unsigned char h[32];

	hl_log(o->log, "ksr-signer start: schema %s, KSR %s, previous %s, output %s", schema,
	       o->ksr_path, o->prev_path ? o->prev_path : "(none)",
	       o->out_path ? o->out_path : "(none: checks only)");
	/* every file the config was parsed from, hashed as read: an @include'd policy is as
	 * much part of the ceremony's configuration as the main file */
	for (size_t i = 0; i < cfg->nsources; i++)
		hl_log_hash(o->log, i == 0 ? "config" : "config include", cfg->sources[i].path,
			    cfg->sources[i].sha256);
	if (cfg->nsources == 0 && hl_file_sha256(cfg->path, h) == 0)
		hl_log_hash(o->log, "config", cfg->path, h);
}

/* Checks 20, 23 and 24 are made bundle by bundle while signing: one result for each. */
static void report_build(const hl_policy_cfg_t *p, int rc, const hl_err_t *err)
{
	static const hl_check_id_t ids[] = { HL_CHK_KSR_ALG_MATCH, HL_CHK_KSK_VALIDITY,
					     HL_CHK_SKR_SIG_VERIFY };

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int failed = rc != 0 && strcmp(err->check, hl_check_name(ids[i])) == 0;
		if (failed || rc == 0) /* after a refusal the others were not all reached */
			hl_check_report(ids[i], failed ? -1 : p->enabled[ids[i]] ? 0 : 1, err);
	}
}

static int open_all(hl_config_t *cfg, hl_err_t *err)
{
	if (cfg->nmodules == 0) {
		hl_err_set(err, "CONFIG", "%s: no modules configured", cfg->path);
		return -1;
	}
	for (size_t i = 0; i < cfg->nmodules; i++)
		if (hl_hsm_open(&cfg->modules[i], err) != 0)
			return -1;
	return 0;
}

static int confirm(const hl_ksr_t *ksr, const hl_sign_opts_t *o, const hl_policy_cfg_t *p,
		   hl_err_t *err)
{
	if (o->force || !p->enabled[HL_CHK_OPERATOR_CONFIRM]) {
		hl_log(o->log, "check OPERATOR-CONFIRM: %s",
		       o->force ? "not asked (--force)" : "off");
		return 0;
	}
	if (hl_confirm(ksr, o->in, o->out, err) != 0)
		return hl_check_report(HL_CHK_OPERATOR_CONFIRM, -1, err);
	hl_log(o->log, "check OPERATOR-CONFIRM: passed: the operator typed Yes");
	return 0;
}

static int sign_and_write(hl_config_t *cfg, const hl_sign_opts_t *o, const hl_ksr_t *ksr,
			  const hl_ksr_t *prev, const hl_schema_t *sc, hl_hsm_key_t *const *keys,
			  hl_err_t *err)
{
	hl_ksr_t *skr = NULL;
	unsigned char h[32];
	int rc = hl_signer_build(cfg, ksr, sc, keys, &skr, err);

	report_build(&cfg->policy, rc, err);
	if (rc == 0)
		rc = hl_check_after(skr, prev, &cfg->policy, err);
	if (rc == 0 && o->out_path != NULL && (rc = hl_ksr_write(skr, o->out_path, err)) == 0 &&
	    hl_file_sha256(o->out_path, h) == 0)
		hl_log_hash(o->log, "SKR written:", o->out_path, h);
	hl_ksr_free(skr);
	return rc;
}

int hl_signer_run(hl_config_t *cfg, const hl_sign_opts_t *o, hl_err_t *err)
{
	hl_ksr_t *ksr = NULL, *prev = NULL;
	const hl_schema_t *sc = NULL;
	hl_hsm_key_t store[HL_MAX_KSKS], *keys[HL_MAX_KSKS];
	char also[HL_MAX_KSKS][256];
	const hl_policy_cfg_t *p = &cfg->policy;
	const char *schema = o->schema ? o->schema : cfg->schema;
	int rc = -1;

	hl_checks_set_result(o->log ? log_result : NULL, o->log);
	log_inputs(cfg, o, schema);
	if (cfg->nksks == 0) { /* nothing could sign: the config, not the KSR, is wrong */
		hl_err_set(err, "CONFIG", "%s: no ksks configured", cfg->path);
		goto out;
	}
	if (load_and_check(cfg, o, &ksr, &prev, err) != 0 ||
	    hl_check_report(HL_CHK_SKR_SCHEMA, hl_schema_check(cfg, schema, &sc, err), err) != 0 ||
	    open_all(cfg, err) != 0 || find_keys(cfg, sc, store, keys, also, err) != 0)
		goto out;
	show_keys(cfg, keys, also, o);
	if ((prev != NULL && HL_RUN_CHECK(p, HL_CHK_KSR_CHAIN_KEYS_IN_HSM,
					  check_chain_in_hsm(cfg, prev, err)) != 0) ||
	    confirm(ksr, o, p, err) != 0 || sign_and_write(cfg, o, ksr, prev, sc, keys, err) != 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		hl_log(o->log, "ksr-signer end: refused: %s: %s", err->check, err->msg);
	else
		hl_log(o->log, "ksr-signer end: %s",
		       o->out_path ? "SKR written" : "all checks passed");
	for (size_t i = 0; i < cfg->nmodules; i++)
		hl_hsm_close(&cfg->modules[i]);
	hl_checks_set_result(NULL, NULL);
	hl_ksr_free(ksr);
	hl_ksr_free(prev);
	return rc;
}
