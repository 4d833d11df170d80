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
		hl_err_set(err, CHK(HL_CHK_SKR_SCHEMA), "%s: SKR-SCHEMA: no schema called \"%s\"",
			   cfg->path, name);
		return -1;
	}
	for (int i = 0; cfg->policy.enabled[HL_CHK_SKR_SCHEMA] && i < HL_SLOTS; i++) {
		const hl_slot_sets_t *s = &sc->slots[i];
		if (s->sign == 0 || (s->sign & ~s->publish) != 0 ||
		    (s->revoke & ~s->publish) != 0) {
			hl_err_set(err, CHK(HL_CHK_SKR_SCHEMA),
				   "%s: SKR-SCHEMA: schema %s slot %d: every slot needs a signer, "
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
		hl_err_set(err, CHK(HL_CHK_OPERATOR_CONFIRM), "OPERATOR-CONFIRM: internal error");
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
			   "OPERATOR-CONFIRM: the operator did not confirm the KSR hash");
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
		hl_err_set(err, CHK(HL_CHK_KSK_HSM_MATCH), "KSK-HSM-MATCH: KSK %s in module %s: %s",
			   kc->label, hk->module->name, why);
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
				   "KSR-CHAIN-KEYS-IN-HSM: signer %s of the previous SKR's last "
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
	hl_sig_t s = { .ttl = 172800, .orig_ttl = 172800, .type_covered = 48, .labels = 0 };
	unsigned char *in = NULL;
	size_t inlen = 0;
	char why[256];
	int rc;

	if (cfg->policy.enabled[HL_CHK_KSK_VALIDITY] &&
	    ((kc->valid_from && kc->valid_from > src->inception) ||
	     (kc->valid_until && kc->valid_until < src->expiration))) {
		hl_err_set(err, CHK(HL_CHK_KSK_VALIDITY),
			   "KSK-VALIDITY: bundle %s: KSK %s is not valid for the whole bundle "
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
			   "SKR-SIG-VERIFY: bundle %s: the new signature by %s does not verify: %s",
			   src->id, kc->label, why);
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
			   "KSR-ALG-MATCH: bundle %s: the ZSK algorithms differ from the signing "
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
		hl_err_set(err, CHK(HL_CHK_SKR_SCHEMA), "SKR-SCHEMA: %zu bundles for 9 slots",
			   ksr->nbundles);
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
	if (hl_ksr_load(o->ksr_path, ksr, err) != 0 ||
	    hl_check_ksr(*ksr, &cfg->policy, o->now, err) != 0)
		return -1;
	if (o->prev_path == NULL) {
		hl_check_warn(HL_CHK_KSR_ID,
			      "no --previous SKR: chain checks 15-19 and 27 skipped");
		return 0;
	}
	if (hl_ksr_load(o->prev_path, prev, err) != 0 ||
	    hl_check_previous(*prev, &cfg->policy, err) != 0 ||
	    hl_check_chain(*ksr, *prev, &cfg->policy, err) != 0)
		return -1;
	return 0;
}

static int find_keys(hl_config_t *cfg, const hl_schema_t *sc, hl_hsm_key_t *store,
		     hl_hsm_key_t **keys, hl_err_t *err)
{
	unsigned used = 0;

	for (int i = 0; i < HL_SLOTS; i++)
		used |= sc->slots[i].publish | sc->slots[i].sign;
	for (size_t i = 0; i < cfg->nksks; i++) {
		int rc;
		keys[i] = NULL;
		if (!(used & (1u << i)))
			continue;
		rc = hl_hsm_find_key(cfg->modules, cfg->nmodules, cfg->ksks[i].label, &store[i],
				     err);
		if (rc == 1)
			hl_err_set(err, CHK(HL_CHK_KSK_HSM_MATCH),
				   "KSK-HSM-MATCH: KSK %s is in none of the modules",
				   cfg->ksks[i].label);
		if (rc != 0 ||
		    (cfg->policy.enabled[HL_CHK_KSK_HSM_MATCH] &&
		     check_hsm_key(&cfg->ksks[i], &store[i], err) != 0) ||
		    hl_hsm_choose_mech(&store[i], cfg->ksks[i].mechanism, err) != 0)
			return -1;
		keys[i] = &store[i];
	}
	return 0;
}

int hl_signer_run(hl_config_t *cfg, const hl_sign_opts_t *o, hl_err_t *err)
{
	hl_ksr_t *ksr = NULL, *prev = NULL, *skr = NULL;
	const hl_schema_t *sc = NULL;
	hl_hsm_key_t store[HL_MAX_KSKS];
	hl_hsm_key_t *keys[HL_MAX_KSKS];
	const hl_policy_cfg_t *p = &cfg->policy;
	int rc = -1;

	if (load_and_check(cfg, o, &ksr, &prev, err) != 0 ||
	    hl_schema_check(cfg, o->schema ? o->schema : cfg->schema, &sc, err) != 0)
		goto out;
	for (size_t i = 0; i < cfg->nmodules; i++)
		if (hl_hsm_open(&cfg->modules[i], err) != 0)
			goto out;
	if (find_keys(cfg, sc, store, keys, err) != 0)
		goto out;
	for (size_t i = 0; i < cfg->nksks; i++)
		if (keys[i] != NULL)
			fprintf(o->out, "KSK %s: module %s, %s\n", cfg->ksks[i].label,
				keys[i]->module->name, hl_ckm_name(keys[i]->mech));
	if ((prev != NULL && p->enabled[HL_CHK_KSR_CHAIN_KEYS_IN_HSM] &&
	     check_chain_in_hsm(cfg, prev, err) != 0))
		goto out;
	if (!o->force && p->enabled[HL_CHK_OPERATOR_CONFIRM] &&
	    hl_confirm(ksr, o->in, o->out, err) != 0)
		goto out;
	if (hl_signer_build(cfg, ksr, sc, keys, &skr, err) != 0 ||
	    hl_check_after(skr, prev, p, err) != 0)
		goto out;
	if (o->out_path != NULL && hl_ksr_write(skr, o->out_path, err) != 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < cfg->nmodules; i++)
		hl_hsm_close(&cfg->modules[i]);
	hl_ksr_free(ksr);
	hl_ksr_free(prev);
	hl_ksr_free(skr);
	return rc;
}
