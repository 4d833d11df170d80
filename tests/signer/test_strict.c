/* SPDX-License-Identifier: BSD-2-Clause
 * What a ceremony relies on around the signatures: one TTL for the DNSKEY RRset, serials that
 * are numbers, a verifier that believes only signed times and unique bundle ids, config
 * includes and errors, a KSK found on several devices, and the ceremony record. Each test
 * failed before its fix (issue 12). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "scenario.h"

static th_scn_t S;

static void setup(void)
{
	th_scn_setup(&S);
}

TestSuite(strict, .init = setup, .timeout = 60);

/* The baseline SKR (base.xml signed with prev.xml as previous), its path. */
static const char *signed_skr(void)
{
	static char out[600];
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };

	snprintf(out, sizeof(out), "%s/skr.xml", S.dir);
	cr_assert_eq(th_scn_sign(&S, cfg, S.base, S.prev, out, &err), 0, "%s: %s", err.check,
		     err.msg);
	free(cfg);
	return out;
}

static void write_skr(hl_ksr_t *k, const char *path)
{
	hl_err_t err = { { 0 }, { 0 } };

	cr_assert_eq(hl_ksr_write(k, path, &err), 0, "%s", err.msg);
}

Test(strict, ksr_with_another_ttl_is_refused_by_name)
{
	hl_ksr_t *k = th_scn_load(S.base);
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };
	const char *ksr;
	char out[600];

	for (size_t i = 0; i < k->nbundles; i++)
		for (size_t j = 0; j < k->bundles[i].nkeys; j++)
			k->bundles[i].keys[j].ttl = 3600;
	ksr = th_scn_write_ksr(&S, k, 1, "ttl3600.xml");
	snprintf(out, sizeof(out), "%s/ttl-skr.xml", S.dir);
	cr_assert_neq(th_scn_sign(&S, cfg, ksr, S.prev, out, &err), 0, "mixed TTLs signed");
	cr_assert_str_eq(err.check, "KSR-POLICY-TTL", "%s: %s", err.check, err.msg);
	cr_assert_not_null(strstr(err.msg, "TTL 3600"), "%s", err.msg);
	free(cfg);
	/* with the policy's TTL at 3600 every DNSKEY and RRSIG of the SKR has that TTL */
	cfg = th_scn_load_config(&S, NULL, "ttl = 3600;");
	cr_assert_eq(th_scn_sign(&S, cfg, ksr, NULL, out, &err), 0, "%s: %s", err.check, err.msg);
	hl_ksr_free(k);
	k = th_scn_load(out);
	for (size_t i = 0; i < k->nbundles; i++) {
		for (size_t j = 0; j < k->bundles[i].nkeys; j++)
			cr_assert_eq(k->bundles[i].keys[j].ttl, 3600, "bundle %zu key %s", i + 1,
				     k->bundles[i].keys[j].id);
		for (size_t s = 0; s < k->bundles[i].nsigs; s++)
			cr_assert(k->bundles[i].sigs[s].ttl == 3600 &&
				  k->bundles[i].sigs[s].orig_ttl == 3600);
	}
	hl_ksr_free(k);
	/* and ksr-gen under the same policy writes 3600 ZSKs: the two sides agree */
	hl_gen_opts_t g = { .quarter = "2027Q1", .out_path = out, .now = S.now };
	cr_assert_eq(hl_gen_run(cfg, &g, &err), 0, "%s", err.msg);
	k = th_scn_load(out);
	cr_assert_eq(k->bundles[0].keys[0].ttl, 3600);
	hl_ksr_free(k);
	free(cfg);
}

Test(strict, serials_that_are_not_numbers_are_refused_on_load)
{
	static const char *const bad[] = { "12abc", "-5", "", "12345678901234567890", " 7" };
	hl_ksr_t *k = th_scn_load(S.base);
	hl_err_t err = { { 0 }, { 0 } };
	char path[600];

	snprintf(path, sizeof(path), "%s/serial.xml", S.dir);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		hl_ksr_t *r = NULL;
		free(k->serial);
		k->serial = strdup(bad[i]);
		write_skr(k, path);
		cr_assert_neq(hl_ksr_load(path, &r, &err), 0, "serial \"%s\" accepted", bad[i]);
		cr_assert_str_eq(err.check, "LOAD-KSR-FIELDS", "\"%s\": %s: %s", bad[i], err.check,
				 err.msg);
	}
	cr_assert(hl_serial_valid("0") && hl_serial_valid("4294967295"));
	cr_assert(!hl_serial_valid("4294967296"));
	hl_ksr_free(k);
}

/* Forged: the last bundle deleted and the one before it stretched by ten days. */
Test(strict, bundle_times_must_be_the_signatures_times)
{
	const char *skr = signed_skr();
	hl_ksr_t *k = th_scn_load(skr);
	hl_err_t err = { { 0 }, { 0 } };
	char forged[600];
	hl_verify_opts_t v = { .path = forged, .out = stdout };

	v.from = k->bundles[0].inception;
	v.to = k->bundles[k->nbundles - 2].expiration + 10 * 86400L - 1;
	hl_bundle_clear(&k->bundles[--k->nbundles]);
	k->bundles[k->nbundles - 1].expiration += 10 * 86400L;
	snprintf(forged, sizeof(forged), "%s/forged.xml", S.dir);
	write_skr(k, forged);
	cr_assert_neq(hl_verify_run(&v, &err), 0, "the stretched bundle was believed");
	cr_assert_str_eq(err.check, "SKR-BUNDLE-TIMES", "%s: %s", err.check, err.msg);
	hl_ksr_free(k);
}

Test(strict, duplicate_bundle_ids_in_an_skr_are_refused)
{
	hl_ksr_t *k = th_scn_load(signed_skr());
	hl_err_t err = { { 0 }, { 0 } };
	char path[600];
	hl_verify_opts_t v = { .path = path, .out = stdout };

	free(k->bundles[4].id);
	k->bundles[4].id = strdup(k->bundles[3].id);
	snprintf(path, sizeof(path), "%s/dup.xml", S.dir);
	write_skr(k, path);
	cr_assert_neq(hl_verify_run(&v, &err), 0, "duplicate bundle id accepted");
	cr_assert_str_eq(err.check, "KSR-BUNDLE-UNIQUE", "%s: %s", err.check, err.msg);
	hl_ksr_free(k);
}

Test(strict, includes_absolute_and_nested_relative_to_their_file)
{
	char sub[600], abs_inc[700], top[900];
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	hl_err_t err = { { 0 }, { 0 } };

	snprintf(sub, sizeof(sub), "%s/sub", S.dir);
	mkdir(sub, 0700);
	snprintf(abs_inc, sizeof(abs_inc), "%s", th_write(S.dir, "abs.inc", "schema = \"x\";\n"));
	th_write(sub, "inner.inc", "ksks = ( { label = \"K\"; } );\n");
	th_write(sub, "outer.inc", "@include \"inner.inc\"\n");
	snprintf(top, sizeof(top), "@include \"%s\"\n@include \"sub/outer.inc\"\nbogus = ;\n",
		 abs_inc);
	/* the syntax error on line 3 of main.conf is reported there, past two includes */
	cr_assert_neq(hl_config_load(th_write(S.dir, "main.conf", top), cfg, &err), 0);
	cr_assert_not_null(strstr(err.msg, "main.conf:3"), "%s", err.msg);
	snprintf(top, sizeof(top), "@include \"%s\"\n@include \"sub/outer.inc\"\n", abs_inc);
	cr_assert_eq(hl_config_load(th_write(S.dir, "main.conf", top), cfg, &err), 0, "%s",
		     err.msg);
	cr_assert_str_eq(cfg->schema, "x");
	cr_assert_eq(cfg->nksks, 1);
	cr_assert_neq(
	    hl_config_load(th_write(S.dir, "m2.conf", "@include \"sub/none.inc\"\n"), cfg, &err),
	    0);
	cr_assert_not_null(strstr(err.msg, "sub/none.inc"), "the path is not named: %s", err.msg);
	cr_assert_not_null(strstr(err.msg, "m2.conf:1"), "%s", err.msg);
	free(cfg);
}

Test(strict, empty_config_is_a_config_error)
{
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	hl_err_t err = { { 0 }, { 0 } };
	hl_sign_opts_t o = { .ksr_path = S.base, .force = 1, .now = S.now, .out = stdout };

	cr_assert_eq(hl_config_parse("", "empty.conf", cfg, &err), 0);
	cr_assert_neq(hl_signer_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, "CONFIG", "%s: %s", err.check, err.msg);
	free(cfg);
}

Test(strict, junk_anchor_file_is_a_usage_error)
{
	hl_err_t err = { { 0 }, { 0 } };
	hl_verify_opts_t v = { .path = S.prev, .out = stdout };

	v.anchors[v.nanchors++] = th_write(S.dir, "junk.key", "this is not an anchor\n");
	cr_assert_neq(hl_verify_run(&v, &err), 0);
	cr_assert_str_eq(err.check, "ANCHOR", "%s: %s", err.check, err.msg);
}

/* Signs base.xml with extra modules, the operator output in *text. */
static int sign_modules(const char *mods, const char *ksk_extra, char **text, hl_err_t *err)
{
	char conf[4096], out[600];
	size_t len = 0;
	FILE *f = open_memstream(text, &len);
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	int rc;

	snprintf(conf, sizeof(conf),
		 "modules = ( { name = \"hsm\"; library = \"%s\"; token = \"HSM\";"
		 " pin = \"env:HSMLAB_TEST_PIN\"; }%s );\n"
		 "ksks = ( { label = \"KSK1\"; %s } );\n"
		 "policy = { KSR-CHAIN-KEYS-IN-HSM = { enabled = false; }; };\n",
		 th_module(), mods, ksk_extra);
	cr_assert_eq(hl_config_load(th_write(S.dir, "two.conf", conf), cfg, err), 0, "%s",
		     err->msg);
	snprintf(out, sizeof(out), "%s/two-skr.xml", S.dir);
	hl_sign_opts_t o = {
		.ksr_path = S.base, .out_path = out, .force = 1, .now = S.now, .in = stdin, .out = f
	};
	rc = hl_signer_run(cfg, &o, err);
	fclose(f);
	free(cfg);
	return rc;
}

Test(strict, a_ksk_on_two_devices_is_named_or_refused)
{
	char k1[1024], other[1024], mods[2048], *text = NULL;
	const char *same[2] = { k1, "KSK1" }, *diff[2] = { other, "KSK1" };
	hl_err_t err = { { 0 }, { 0 } };

	th_corpus_file("iana-legacy/rsa2048-1.key", k1, sizeof(k1));
	th_corpus_file("iana-kskm/rsa-2048-2.key", other, sizeof(other));
	cr_assert_eq(th_init_token(th_module(), "HSM2"), 0);
	cr_assert_eq(th_import(th_module(), "HSM2", same, 1), 0);
	snprintf(mods, sizeof(mods),
		 ", { name = \"hsm2\"; library = \"%s\"; token = \"HSM2\";"
		 " pin = \"env:HSMLAB_TEST_PIN\"; }",
		 th_module());
	/* a restored copy: signs, and says which device and that the other holds it too */
	cr_assert_eq(sign_modules(mods, "", &text, &err), 0, "%s: %s", err.check, err.msg);
	cr_assert_not_null(strstr(text, "token HSM serial"), "%s", text);
	cr_assert_not_null(strstr(text, "also on token HSM2 (serial"), "%s", text);
	free(text);
	/* a different key under the same label on a third device: refused */
	cr_assert_eq(th_init_token(th_module(), "HSM3"), 0);
	cr_assert_eq(th_import(th_module(), "HSM3", diff, 1), 0);
	snprintf(mods + strlen(mods), sizeof(mods) - strlen(mods),
		 ", { name = \"hsm3\"; library = \"%s\"; token = \"HSM3\";"
		 " pin = \"env:HSMLAB_TEST_PIN\"; }",
		 th_module());
	cr_assert_neq(sign_modules(mods, "", &text, &err), 0, "differing copies were used");
	cr_assert_str_eq(err.check, "KSK-HSM-MATCH", "%s: %s", err.check, err.msg);
	cr_assert_not_null(strstr(err.msg, "differ"), "%s", err.msg);
	free(text);
	/* the config names the device: only that one counts */
	cr_assert_eq(sign_modules(mods, "token = \"HSM3\";", &text, &err), 0, "%s", err.msg);
	cr_assert_not_null(strstr(text, "module hsm3, token HSM3 serial"), "%s", text);
	cr_assert_null(strstr(text, "also on"), "%s", text);
	free(text);
	cr_assert_eq(sign_modules(mods, "token = \"HSM\";", &text, &err), 0, "%s", err.msg);
	cr_assert_not_null(strstr(text, "module hsm, token HSM serial"), "%s", text);
	cr_assert_null(strstr(text, "also on"), "%s", text);
	free(text);
}

Test(strict, the_ceremony_record_holds_hashes_checks_and_device)
{
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };
	char out[600], logp[600], *text = NULL;
	size_t len = 0;
	hl_log_t log;
	FILE *f;
	static const char *const want[] = { "config ",
					    "PGP words: ",
					    "KSR ",
					    "previous SKR ",
					    "check KSR-DOMAIN: passed",
					    "check SKR-KSK-CONTINUITY: passed",
					    "check KSR-POLICY-TTL: passed",
					    "token HSM serial ",
					    "mechanism CKM_",
					    "device clock ",
					    "OPERATOR-CONFIRM: not asked (--force)",
					    "SKR written: ",
					    "ksr-signer end: SKR written" };

	snprintf(out, sizeof(out), "%s/log-skr.xml", S.dir);
	snprintf(logp, sizeof(logp), "%s/ceremony.log", S.dir);
	cr_assert_eq(hl_log_open(&log, logp, 0, &err), 0, "%s", err.msg);
	hl_sign_opts_t o = { .ksr_path = S.base,
			     .prev_path = S.prev,
			     .out_path = out,
			     .force = 1,
			     .now = S.now,
			     .in = stdin,
			     .out = stdout,
			     .log = &log };
	cr_assert_eq(hl_signer_run(cfg, &o, &err), 0, "%s", err.msg);
	hl_log_close(&log);
	f = fopen(logp, "r");
	cr_assert_not_null(f);
	cr_assert_geq(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		cr_assert_not_null(strstr(text, want[i]), "the record lacks \"%s\":\n%s", want[i],
				   text);
	free(text);
	free(cfg);
}
