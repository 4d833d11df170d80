/* SPDX-License-Identifier: BSD-2-Clause
 * One negative test per check of checks.md: a KSR (or previous SKR, config or operator
 * answer) built to fail exactly that check is refused with the check's name. The baseline
 * test shows the unmodified ceremony passes every check, so each failure is the change's. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "scenario.h"
#include "hsmlab/dnssec.h"

static th_scn_t S;

static void setup(void)
{
	th_scn_setup(&S);
}

TestSuite(checks, .init = setup, .timeout = 60);

/* Signs with the given config additions and expects `check` to refuse, by name. */
static void expect_fail(const char *check, const char *top, const char *policy, const char *ksr,
			const char *prev)
{
	hl_config_t *cfg = th_scn_load_config(&S, top, policy);
	hl_err_t err = { { 0 }, { 0 } };
	char out[600];

	snprintf(out, sizeof(out), "%s/out.xml", S.dir);
	cr_assert_neq(th_scn_sign(&S, cfg, ksr, prev, out, &err), 0, "%s was not refused", check);
	cr_assert_str_eq(err.check, check, "refused by %s, not %s: %s", err.check, check, err.msg);
	/* the tools print "CHECK: message": the message must not say the name again */
	cr_assert_null(strstr(err.msg, check), "the message repeats %s: %s", check, err.msg);
	cr_assert_eq(access(out, F_OK), -1, "an SKR was written despite the refusal");
	free(cfg);
}

/* Replaces the first `from` by `to` in the text of src, into a new file. */
static const char *edit_file(const char *src, const char *from, const char *to, const char *name)
{
	static char path[600];
	char *text = NULL, *at, *res = NULL;
	size_t len = 0;
	FILE *f = fopen(src, "r");

	cr_assert_not_null(f);
	cr_assert_geq(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	at = strstr(text, from);
	cr_assert_not_null(at, "%s not in base.xml", from);
	*at = '\0';
	cr_assert_geq(asprintf(&res, "%s%s%s", text, to, at + strlen(from)), 0);
	snprintf(path, sizeof(path), "%s", th_write(S.dir, name, res));
	free(text);
	free(res);
	return path;
}

static const char *edit_text(const char *from, const char *to, const char *name)
{
	return edit_file(S.base, from, to, name);
}

Test(checks, baseline_passes_and_verifies)
{
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };
	char out[600];

	snprintf(out, sizeof(out), "%s/skr.xml", S.dir);
	cr_assert_eq(th_scn_sign(&S, cfg, S.base, S.prev, out, &err), 0, "%s: %s", err.check,
		     err.msg);
	hl_verify_opts_t v = { .path = out, .prev_path = S.prev, .out = stdout };
	cr_assert_eq(hl_verify_run(&v, &err), 0, "%s", err.msg);
	free(cfg);
}

/* 1, 2: loading */
Test(checks, load_bundle_fields)
{
	const char *p = edit_text("<Expiration>", "<!-- no Expiration: ", "c1.xml");

	expect_fail("LOAD-BUNDLE-FIELDS", NULL, NULL,
		    edit_file(p, "</Expiration>", " -->", "c1.xml"), S.prev);
}

Test(checks, load_key_fields)
{
	expect_fail("LOAD-KEY-FIELDS", NULL, NULL,
		    edit_text("<Protocol>3</Protocol>", "<Protocol>4</Protocol>", "c2.xml"),
		    S.prev);
}

/* 3-14: the KSR alone */
Test(checks, ksr_domain)
{
	hl_ksr_t *k = th_scn_load(S.base);

	free(k->domain);
	k->domain = strdup("example.");
	expect_fail("KSR-DOMAIN", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c3.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_bundle_unique)
{
	hl_ksr_t *k = th_scn_load(S.base);

	free(k->bundles[4].id);
	k->bundles[4].id = strdup(k->bundles[3].id);
	expect_fail("KSR-BUNDLE-UNIQUE", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c4.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_bundle_keys)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->bundles[2].keys[0].tag_stated ^= 1; /* a stated key tag that is not the key's */
	expect_fail("KSR-BUNDLE-KEYS", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c5.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_bundle_pop)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->bundles[5].sigs[0].data[10] ^= 0x40;
	expect_fail("KSR-BUNDLE-POP", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c6.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_bundle_count)
{
	hl_ksr_t *k = th_scn_load(S.base);

	hl_bundle_clear(&k->bundles[8]);
	k->nbundles = 8;
	expect_fail("KSR-BUNDLE-COUNT", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c7.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_bundle_cycle_duration)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->bundles[8].inception += 2 * 86400; /* 82 days from first to last inception */
	k->bundles[8].expiration += 2 * 86400;
	expect_fail("KSR-BUNDLE-CYCLE-DURATION", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c8.xml"),
		    S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_policy_keys)
{
	hl_ksr_t *k = th_scn_load(S.base);
	hl_bundle_t *b = &k->bundles[0];

	/* bundle 1 with one key instead of two (proof of possession redone, so it is valid) */
	hl_key_clear(&b->keys[1]);
	b->nkeys = 1;
	expect_fail("KSR-POLICY-KEYS", NULL, "KSR-CHAIN-KEYS = { enabled = false; };",
		    th_scn_write_ksr(&S, k, 1, "c9.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_policy_alg)
{
	hl_ksr_t *k = th_scn_load(S.base);

	/* the ZSK policy offers RSASHA1 (5) as well: not an approved algorithm */
	k->zsk_policy.algs[1] = (hl_sigalg_t){ 5, 2048, 65537 };
	k->zsk_policy.nalgs = 2;
	expect_fail("KSR-POLICY-ALG", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c10.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_policy_sig_overlap)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->zsk_policy.min_overlap = 12 * 86400L; /* bundles overlap by 11 days */
	k->zsk_policy.max_overlap = 13 * 86400L;
	expect_fail("KSR-POLICY-SIG-OVERLAP", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c11.xml"),
		    S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_policy_sig_validity)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->bundles[2].expiration -= 86400; /* 20 days, policy P21D */
	expect_fail("KSR-POLICY-SIG-VALIDITY", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c12.xml"),
		    S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_policy_sig_horizon)
{
	/* the same KSR signed too early: its last bundle expires > 180 days later */
	S.now = 1780000000; /* 2026-05-28 */
	expect_fail("KSR-POLICY-SIG-HORIZON", NULL, NULL, S.base, S.prev);
}

Test(checks, ksr_policy_bundle_intervals)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->bundles[4].inception += 36 * 3600; /* 11.5 days after bundle 4 */
	k->bundles[4].expiration += 36 * 3600;
	k->zsk_policy.max_overlap = 13 * 86400L; /* keep the overlaps legal */
	expect_fail("KSR-POLICY-BUNDLE-INTERVALS", NULL, NULL,
		    th_scn_write_ksr(&S, k, 0, "c14.xml"), S.prev);
	hl_ksr_free(k);
}

/* 15-19: the previous SKR and the chain */
Test(checks, skr_previous_valid)
{
	hl_ksr_t *p = th_scn_load(S.prev);
	char path[600];
	hl_err_t err = { { 0 }, { 0 } };

	p->bundles[7].sigs[0].data[20] ^= 1;
	snprintf(path, sizeof(path), "%s/badprev.xml", S.dir);
	cr_assert_eq(hl_ksr_write(p, path, &err), 0);
	expect_fail("SKR-PREVIOUS-VALID", NULL, NULL, S.base, path);
	hl_ksr_free(p);
}

Test(checks, ksr_id)
{
	hl_ksr_t *k = th_scn_load(S.base), *p = th_scn_load(S.prev);

	free(k->id);
	k->id = strdup(p->id);
	expect_fail("KSR-ID", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c16.xml"), S.prev);
	hl_ksr_free(k);
	hl_ksr_free(p);
}

Test(checks, ksr_chain_keys)
{
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_gen_opts_t o = { .quarter = "2027Q1",
			    .now = S.now,
			    .keys = { "ZSK-Z", "ZSK-B", "ZSK-C" } };
	hl_err_t err = { { 0 }, { 0 } };
	char path[600];

	/* a KSR whose first bundle carries ZSK-Z, which the previous SKR had already retired */
	snprintf(path, sizeof(path), "%s/c17.xml", S.dir);
	o.out_path = path;
	cr_assert_eq(hl_gen_run(cfg, &o, &err), 0, "%s", err.msg);
	free(cfg);
	expect_fail("KSR-CHAIN-KEYS", NULL, NULL, path, S.prev);
	/* ksr-gen itself refuses to make that KSR when told the previous SKR */
	cfg = th_scn_load_config(&S, NULL, NULL);
	o.prev_path = S.prev;
	cr_assert_neq(hl_gen_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, "KSR-CHAIN-KEYS", "%s", err.msg);
	free(cfg);
}

Test(checks, ksr_chain_overlap)
{
	hl_ksr_t *k = th_scn_load(S.base);

	k->zsk_policy.min_overlap = 10 * 86400L; /* bundles overlap 11 days, the quarters 9 */
	expect_fail("KSR-CHAIN-OVERLAP", NULL, NULL, th_scn_write_ksr(&S, k, 0, "c18.xml"), S.prev);
	hl_ksr_free(k);
}

Test(checks, ksr_chain_keys_in_hsm)
{
	hl_ksr_t *p = th_scn_load(S.prev);
	hl_bundle_t *last = &p->bundles[8];
	hl_err_t err = { { 0 }, { 0 } };
	char path[600];

	/* the previous signer's keyIdentifier names no key in the HSM */
	for (size_t i = 0; i < last->nkeys; i++)
		if (strcmp(last->keys[i].id, "KSK1") == 0) {
			free(last->keys[i].id);
			last->keys[i].id = strdup("KSK-GONE");
		}
	free(last->sigs[0].key_id);
	last->sigs[0].key_id = strdup("KSK-GONE");
	snprintf(path, sizeof(path), "%s/prev-gone.xml", S.dir);
	cr_assert_eq(hl_ksr_write(p, path, &err), 0);
	expect_fail("KSR-CHAIN-KEYS-IN-HSM", NULL, NULL, S.base, path);
	hl_ksr_free(p);
}
