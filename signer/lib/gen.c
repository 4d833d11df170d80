/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: ksr-gen, the ZSK operator's side: the nine bundles of a quarter with the
 * root's cadence, each DNSKEY RRset self-signed by each of its ZSKs. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "hsmlab/dnssec.h"
#include "hsmlab/signer.h"

#define DAY 86400L

int hl_quarter_start(const char *q, time_t *out)
{
	int year, quarter, n = 0;
	char buf[32];

	if (sscanf(q, "%4dQ%1d%n", &year, &quarter, &n) != 2 || q[n] != '\0' || quarter < 1 ||
	    quarter > 4 || year < 1970 || year > 2100)
		return -1;
	snprintf(buf, sizeof(buf), "%04d-%02d-01T00:00:00", year, (quarter - 1) * 3 + 1);
	return hl_time_parse(buf, out);
}

static int uuid(char *out, size_t len)
{
	unsigned char b[16];

	if (RAND_bytes(b, sizeof(b)) != 1)
		return -1;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
	return 0;
}

/* Finds (or, with create, generates) the three ZSKs. */
static int find_zsks(hl_config_t *cfg, const hl_gen_opts_t *o, hl_hsm_key_t zsk[3],
		     const char *labels[3], hl_err_t *err)
{
	for (int i = 0; i < 3; i++) {
		int rc;
		labels[i] = o->keys[i] ? o->keys[i] : cfg->gen.keys[i];
		if (labels[i] == NULL || labels[i][0] == '\0') {
			hl_err_set(err, "CONFIG",
				   "%s: ksr_gen.keys (or --keys) must name three ZSKs", cfg->path);
			return -1;
		}
		rc = hl_hsm_find_key(cfg->modules, cfg->nmodules, labels[i], &zsk[i], err);
		if (rc == 1 && (o->create || cfg->gen.create)) {
			if (hl_hsm_generate(&cfg->modules[0], labels[i], cfg->gen.alg,
					    cfg->gen.size, err) != 0)
				return -1;
			rc = hl_hsm_find_key(cfg->modules, cfg->nmodules, labels[i], &zsk[i], err);
		}
		if (rc == 1)
			hl_err_set(err, "HSM", "ZSK %s is in none of the modules (use --create)",
				   labels[i]);
		if (rc != 0 || hl_hsm_choose_mech(&zsk[i], NULL, err) != 0)
			return -1;
	}
	return 0;
}

static int add_zsk(hl_bundle_t *b, const hl_hsm_key_t *hk, const char *label, unsigned long ttl)
{
	hl_key_t k;
	int rc;

	if (hl_hsm_key_to_dnskey(hk, label, 256, &k) != 0)
		return -1;
	k.ttl = (uint32_t)ttl;
	k.tag_stated = hl_dns_keytag(&k, 256);
	rc = hl_bundle_add_key(b, &k);
	hl_key_clear(&k);
	return rc;
}

/* Proof of possession: each ZSK signs the bundle's whole DNSKEY RRset. */
static int self_sign(hl_bundle_t *b, hl_hsm_key_t *const *keys, time_t now, hl_err_t *err)
{
	size_t nkeys = b->nkeys;
	char why[256];

	for (size_t i = 0; i < nkeys; i++) {
		hl_sig_t s = { .ttl = b->keys[i].ttl,
			       .orig_ttl = b->keys[i].ttl,
			       .type_covered = 48 };
		unsigned char *in = NULL;
		size_t inlen = 0;
		int rc;

		s.key_id = b->keys[i].id;
		s.signers_name = (char *)".";
		s.alg = b->keys[i].alg;
		s.key_tag = b->keys[i].tag_stated;
		s.inception = now - 3600;
		s.expiration = now + 60 * DAY;
		if (hl_dns_signing_input(b, &s, &in, &inlen) != 0)
			return -1;
		rc = hl_hsm_sign(keys[i], in, inlen, &s.data, &s.datalen, err);
		free(in);
		if (rc == 0 && hl_dns_verify(b, &s, &b->keys[i], why, sizeof(why)) != 0) {
			hl_err_set(err, "KSR-BUNDLE-POP", "ksr-gen: own signature by %s fails: %s",
				   b->keys[i].id, why);
			rc = -1;
		}
		if (rc == 0)
			rc = hl_bundle_add_sig(b, &s);
		free(s.data);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int hl_gen_resign(hl_ksr_t *k, hl_hsm_module_t *mods, size_t nmods, time_t now, hl_err_t *err)
{
	for (size_t i = 0; i < k->nbundles; i++) {
		hl_bundle_t *b = &k->bundles[i];
		hl_hsm_key_t store[8], *keys[8];
		if (b->nkeys > 8)
			return -1;
		for (size_t s = 0; s < b->nsigs; s++)
			hl_sig_clear(&b->sigs[s]);
		b->nsigs = 0;
		for (size_t j = 0; j < b->nkeys; j++) {
			int rc = hl_hsm_find_key(mods, nmods, b->keys[j].id, &store[j], err);
			if (rc == 1)
				hl_err_set(err, "HSM", "ZSK %s is in none of the modules",
					   b->keys[j].id);
			if (rc != 0 || hl_hsm_choose_mech(&store[j], NULL, err) != 0)
				return -1;
			keys[j] = &store[j];
		}
		if (self_sign(b, keys, now, err) != 0)
			return -1;
	}
	return 0;
}

static int build_bundles(hl_ksr_t *k, const hl_gen_cfg_t *g, hl_hsm_key_t zsk[3],
			 const char *labels[3], time_t start, time_t now, hl_err_t *err)
{
	k->bundles = calloc(HL_SLOTS, sizeof(*k->bundles));
	if (k->bundles == NULL)
		return -1;
	for (int i = 0; i < HL_SLOTS; i++) {
		hl_bundle_t *b = &k->bundles[i];
		hl_hsm_key_t *keys[2];
		char id[40];
		size_t n = 0;

		k->nbundles = (size_t)i + 1;
		if (uuid(id, sizeof(id)) != 0 || (b->id = strdup(id)) == NULL)
			return -1;
		b->inception = start + i * g->interval;
		b->expiration = b->inception + g->validity;
		/* [2,1,1,1,1,1,1,1,2]: old+current, current, ..., current+next */
		if (i == 0)
			keys[n++] = &zsk[0];
		keys[n++] = &zsk[1];
		if (i == HL_SLOTS - 1)
			keys[n++] = &zsk[2];
		for (size_t j = 0; j < n; j++)
			if (add_zsk(b, keys[j], labels[keys[j] - zsk], g->ttl) != 0)
				return -1;
		if (self_sign(b, keys, now, err) != 0)
			return -1;
	}
	return 0;
}

static int check_previous(const hl_ksr_t *k, const hl_gen_opts_t *o, hl_ksr_t **prev, hl_err_t *err)
{
	const hl_bundle_t *last;

	if (hl_ksr_load(o->prev_path, prev, err) != 0)
		return -1;
	if (!(*prev)->is_response || (*prev)->nbundles == 0) {
		hl_err_set(err, "KSR-CHAIN-KEYS", "%s: not an SKR", o->prev_path);
		return -1;
	}
	last = &(*prev)->bundles[(*prev)->nbundles - 1];
	for (size_t i = 0; i < k->bundles[0].nkeys; i++) {
		int found = 0;
		for (size_t j = 0; j < last->nkeys; j++)
			found |= hl_key_same_pub(&last->keys[j], &k->bundles[0].keys[i]);
		if (!found) {
			hl_err_set(err, "KSR-CHAIN-KEYS",
				   "%s: ZSK %s is not in the previous SKR's last bundle; the KSR "
				   "would not chain",
				   o->prev_path, k->bundles[0].keys[i].id);
			return -1;
		}
	}
	return 0;
}

int hl_gen_run(hl_config_t *cfg, const hl_gen_opts_t *o, hl_err_t *err)
{
	hl_ksr_t *k = calloc(1, sizeof(*k)), *prev = NULL;
	hl_hsm_key_t zsk[3];
	const char *labels[3];
	char id[40], serial[32];
	time_t start;
	int rc = -1;

	if (k == NULL)
		return -1;
	if (hl_quarter_start(o->quarter, &start) != 0) {
		hl_err_set(err, "CONFIG", "bad quarter \"%s\" (want e.g. 2025Q1)", o->quarter);
		goto out;
	}
	for (size_t i = 0; i < cfg->nmodules; i++)
		if (hl_hsm_open(&cfg->modules[i], err) != 0)
			goto out;
	if (find_zsks(cfg, o, zsk, labels, err) != 0 ||
	    build_bundles(k, &cfg->gen, zsk, labels, start, o->now, err) != 0)
		goto out;
	if (o->prev_path != NULL && check_previous(k, o, &prev, err) != 0)
		goto out;
	if (uuid(id, sizeof(id)) != 0)
		goto out;
	snprintf(serial, sizeof(serial), "%ld", prev ? strtol(prev->serial, NULL, 10) + 1 : 0L);
	k->id = strdup(o->id ? o->id : id);
	k->serial = strdup(o->serial ? o->serial : serial);
	k->domain = strdup(".");
	k->zsk_policy = cfg->gen.zsk;
	if (k->id == NULL || k->serial == NULL || k->domain == NULL)
		goto out;
	rc = hl_ksr_write(k, o->out_path, err);
out:
	if (rc != 0 && err->check[0] == '\0')
		hl_err_set(err, "IO", "ksr-gen: out of memory");
	for (size_t i = 0; i < cfg->nmodules; i++)
		hl_hsm_close(&cfg->modules[i]);
	hl_ksr_free(prev);
	hl_ksr_free(k);
	return rc;
}
