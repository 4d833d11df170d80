/* SPDX-License-Identifier: BSD-2-Clause
 * Golden tests: signing each iana-legacy KSR with the legacy test KSKs (imported into a
 * SoftHSMv2 token) reproduces every SignatureData of the matching legacy SKR byte for byte.
 * RSA PKCS#1 v1.5 is deterministic, so any difference is a signer bug. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "hsmlab/signer.h"

/* A token "KSK" holding the legacy KSK1 and KSK2 (C_CreateObject from the PEM files). */
static const char *setup_token(void)
{
	char k1[1024], k2[1024];
	const char *dir = th_softhsm_dir();
	const char *pairs[4];

	th_corpus_file("iana-legacy/rsa2048-1.key", k1, sizeof(k1));
	th_corpus_file("iana-legacy/rsa2048-2.key", k2, sizeof(k2));
	pairs[0] = k1;
	pairs[1] = "KSK1";
	pairs[2] = k2;
	pairs[3] = "KSK2";
	setenv("HSMLAB_SOFTHSM2_MODULE", th_module(), 1);
	cr_assert_eq(th_init_token(th_module(), "KSK"), 0);
	cr_assert_eq(th_import(th_module(), "KSK", pairs, 2), 0);
	setenv("HSMLAB_TEST_PIN", TH_PIN, 1);
	return dir;
}

static const hl_bundle_t *find_bundle(const hl_ksr_t *k, const char *id)
{
	for (size_t i = 0; i < k->nbundles; i++)
		if (strcmp(k->bundles[i].id, id) == 0)
			return &k->bundles[i];
	return NULL;
}

/* mech: NULL to let the signer choose from the token's list, or a CKM_ name to force. */
static void golden_mech(const char *conf, const char *name, const char *prev, const char *mech)
{
	char ksr[1024], exp_path[1024], prev_path[1024], conf_path[1024], out[512], rel[256];
	const char *dir = setup_token();
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	hl_ksr_t *got = NULL, *want = NULL;
	hl_err_t err = { { 0 }, { 0 } };
	size_t compared = 0;

	snprintf(rel, sizeof(rel), "iana-legacy/ksr-root-%s.xml", name);
	th_corpus_file(rel, ksr, sizeof(ksr));
	snprintf(rel, sizeof(rel), "iana-legacy/skr-root-%s.xml", name);
	th_corpus_file(rel, exp_path, sizeof(exp_path));
	if (prev != NULL) {
		snprintf(rel, sizeof(rel), "iana-legacy/skr-root-%s.xml", prev);
		th_corpus_file(rel, prev_path, sizeof(prev_path));
	}
	snprintf(conf_path, sizeof(conf_path), "%s/%s", getenv("HSMLAB_SIGNER_FIXTURES"), conf);
	snprintf(out, sizeof(out), "%s/out.xml", dir);
	cr_assert_not_null(cfg);
	cr_assert_eq(hl_config_load(conf_path, cfg, &err), 0, "%s", err.msg);
	for (size_t i = 0; mech != NULL && i < cfg->nksks; i++)
		snprintf(cfg->ksks[i].mechanism, sizeof(cfg->ksks[i].mechanism), "%s", mech);
	hl_sign_opts_t o = { .ksr_path = ksr,
			     .prev_path = prev ? prev_path : NULL,
			     .out_path = out,
			     .force = 1,
			     .now = time(NULL),
			     .in = stdin,
			     .out = stdout };
	cr_assert_eq(hl_signer_run(cfg, &o, &err), 0, "%s: %s", err.check, err.msg);
	cr_assert_eq(hl_ksr_load(out, &got, &err), 0, "%s", err.msg);
	cr_assert_eq(hl_ksr_load(exp_path, &want, &err), 0, "%s", err.msg);
	cr_assert_eq(got->nbundles, want->nbundles);
	for (size_t i = 0; i < want->nbundles; i++) {
		const hl_bundle_t *w = &want->bundles[i], *g = find_bundle(got, w->id);
		cr_assert_not_null(g, "bundle %s missing", w->id);
		cr_assert_eq(g->nsigs, w->nsigs, "bundle %zu: %zu signatures, want %zu", i + 1,
			     g->nsigs, w->nsigs);
		cr_assert_eq(g->nkeys, w->nkeys, "bundle %zu: key count", i + 1);
		for (size_t s = 0; s < w->nsigs; s++) {
			const hl_sig_t *ws = &w->sigs[s], *gs = NULL;
			for (size_t x = 0; x < g->nsigs; x++)
				if (strcmp(g->sigs[x].key_id, ws->key_id) == 0)
					gs = &g->sigs[x];
			cr_assert_not_null(gs, "bundle %zu: no signature by %s", i + 1, ws->key_id);
			cr_assert_eq(gs->key_tag, ws->key_tag, "bundle %zu: key tag", i + 1);
			cr_assert_eq(gs->datalen, ws->datalen);
			cr_assert_arr_eq(gs->data, ws->data, ws->datalen,
					 "bundle %zu: SignatureData by %s differs", i + 1,
					 ws->key_id);
			compared++;
		}
	}
	cr_log_info("%s: %zu SignatureData values identical to the legacy SKR", name, compared);
	printf("golden %s (%s): %zu/%zu SignatureData identical\n", name, mech ? mech : "chosen",
	       compared, compared);
	hl_ksr_free(got);
	hl_ksr_free(want);
	free(cfg);
}

static void golden(const char *conf, const char *name, const char *prev)
{
	golden_mech(conf, name, prev, NULL);
}

Test(golden, partial_quarter_2009_q4_2)
{
	golden("legacy-2009-q4-2.conf", "2009-q4-2", NULL);
}

Test(golden, zsk_roll_2010_q1_0)
{
	golden("legacy-2010-q1-0.conf", "2010-q1-0", "2009-q4-2");
}

Test(golden, ksk_and_zsk_roll_2010_q2_0)
{
	golden("legacy-2010-q2-0.conf", "2010-q2-0", "2010-q1-0");
}

Test(golden, revoke_2010_q2_0)
{
	golden("legacy-2010-q2-0-revoke.conf", "2010-q2-0-revoke", "2010-q1-0");
}

/* The Keyper-style paths: the host hashes, the device does the raw RSA. Deterministic, so
 * the bytes must still be the legacy ones. */
Test(golden, ksk_and_zsk_roll_host_hash_rsa_pkcs)
{
	golden_mech("legacy-2010-q2-0.conf", "2010-q2-0", "2010-q1-0", "CKM_RSA_PKCS");
}

Test(golden, ksk_and_zsk_roll_host_hash_rsa_x_509)
{
	golden_mech("legacy-2010-q2-0.conf", "2010-q2-0", "2010-q1-0", "CKM_RSA_X_509");
}
