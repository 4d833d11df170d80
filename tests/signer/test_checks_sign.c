/* SPDX-License-Identifier: BSD-2-Clause
 * Negative tests for the checks made while and after signing (checks.md 20-28). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "scenario.h"

static th_scn_t S;

static void setup(void)
{
	th_scn_setup(&S);
}

TestSuite(signing, .init = setup, .timeout = 60);

static int run(const char *top, const char *policy, const char *schema, FILE *in, int force,
	       hl_err_t *err)
{
	hl_config_t *cfg = th_scn_load_config(&S, top, policy);
	char out[600];
	hl_sign_opts_t o = { .ksr_path = S.base,
			     .prev_path = S.prev,
			     .out_path = out,
			     .schema = schema,
			     .force = force,
			     .now = S.now,
			     .in = in ? in : stdin,
			     .out = stdout };
	int rc;

	snprintf(out, sizeof(out), "%s/out.xml", S.dir);
	rc = hl_signer_run(cfg, &o, err);
	cr_assert(rc == 0 || access(out, F_OK) != 0, "an SKR was written despite the refusal");
	free(cfg);
	return rc;
}

static void expect_fail(const char *check, const char *top, const char *policy, const char *schema)
{
	hl_err_t err = { { 0 }, { 0 } };

	cr_assert_neq(run(top, policy, schema, NULL, 1, &err), 0, "%s was not refused", check);
	cr_assert_str_eq(err.check, check, "refused by %s, not %s: %s", err.check, check, err.msg);
	/* the tools print "CHECK: message": the message must not say the name again */
	cr_assert_null(strstr(err.msg, check), "the message repeats %s: %s", check, err.msg);
}

/* A KSK2 on the token (generated: no corpus key is left for it). */
static void add_ksk2(void)
{
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };

	cr_assert_eq(hl_hsm_open(&cfg->modules[0], &err), 0, "%s", err.msg);
	cr_assert_eq(hl_hsm_generate(&cfg->modules[0], "KSK2", 8, 2048, &err), 0, "%s", err.msg);
	hl_hsm_close(&cfg->modules[0]);
	free(cfg);
}

/* An on-token P-256 key. A module without EC (a Keyper: quirk K1) fails the test: its ctest
 * registration leaves these cases out by name (tests/signer/CMakeLists.txt). */
static void make_ec_key(hl_config_t *cfg, const char *label)
{
	hl_err_t err = { { 0 }, { 0 } };
	int rc;

	cr_assert_eq(hl_hsm_open(&cfg->modules[0], &err), 0, "%s", err.msg);
	rc = hl_hsm_generate(&cfg->modules[0], label, 13, 256, &err);
	hl_hsm_close(&cfg->modules[0]);
	if (rc != 0 && strstr(err.msg, "CKR_MECHANISM_INVALID") != NULL)
		cr_assert_fail(
		    "the module has no EC key generation (%s): leave this case out of its "
		    "registration, tests/signer/CMakeLists.txt",
		    err.msg);
	cr_assert_eq(rc, 0, "%s", err.msg);
}

Test(signing, ksk_validity)
{
	/* KSK1 configured to end before the quarter's last bundle expires */
	const char *top = "schemas = { short = { publish = [\"KSK1\"]; sign = [\"KSK1\"]; }; };";
	hl_err_t err = { { 0 }, { 0 } };
	hl_config_t *cfg = th_scn_load_config(&S, top, NULL);

	cfg->ksks[0].valid_until = 1800000000; /* 2027-01-15 */
	hl_sign_opts_t o = { .ksr_path = S.base,
			     .prev_path = S.prev,
			     .force = 1,
			     .now = S.now,
			     .schema = "short",
			     .in = stdin,
			     .out = stdout };
	cr_assert_neq(hl_signer_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, "KSK-VALIDITY", "%s: %s", err.check, err.msg);
	cr_assert_null(strstr(err.msg, "KSK-VALIDITY"), "the message repeats the name");
	free(cfg);
}

Test(signing, ksk_hsm_match)
{
	hl_err_t err = { { 0 }, { 0 } };
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);

	cfg->ksks[0].key_tag = 20326; /* the token's KSK1 has tag 5017 */
	hl_sign_opts_t o = { .ksr_path = S.base,
			     .prev_path = S.prev,
			     .force = 1,
			     .now = S.now,
			     .in = stdin,
			     .out = stdout };
	cr_assert_neq(hl_signer_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, "KSK-HSM-MATCH", "%s: %s", err.check, err.msg);
	free(cfg);
}

static const char *warned;
static void on_warn(void *ctx, const char *check, const char *msg)
{
	(void)ctx;
	(void)msg;
	if (strcmp(check, "KSR-SIGNER-IGNORED") == 0)
		warned = check;
}

Test(signing, ksr_signer_ignored_warns)
{
	hl_err_t err = { { 0 }, { 0 } };
	char *text = NULL, *at, *res = NULL;
	size_t len = 0;
	FILE *f = fopen(S.base, "r");

	/* a <Signer> element: ignored with a warning naming the check, signing goes on */
	cr_assert_geq(getdelim(&text, &len, '\0', f), 0);
	fclose(f);
	at = strstr(text, "<Key ");
	*at = '\0';
	cr_assert_geq(
	    asprintf(&res, "%s<Signer keyIdentifier=\"zsk-operator\"/>\n<Key %s", text, at + 5), 0);
	th_write(S.dir, "base.xml", res);
	hl_checks_set_warn(on_warn, NULL);
	cr_assert_eq(run(NULL, NULL, NULL, NULL, 1, &err), 0, "%s", err.msg);
	cr_assert_str_eq(warned, "KSR-SIGNER-IGNORED");
	warned = NULL;
	cr_assert_eq(run(NULL, "KSR-SIGNER-IGNORED = { enabled = false; };", NULL, NULL, 1, &err),
		     0);
	cr_assert_null(warned, "a disabled check still warned");
	free(text);
	free(res);
}

/* A 2027Q1 KSR with ECDSA P-256 ZSKs (two corpus keys and one made on the token); with
 * ksk2, the first corpus EC key also becomes "KSK2". Skips on a module without EC. */
static void make_ec_ksr(const char *path, int ksk2)
{
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };
	char e1[1024], e2[1024];
	const char *pairs[6] = { e1, "EC-A", e2, "EC-B", e1, "KSK2" };

	th_corpus_file("iana-kskm/ec-prime256v1-1.key", e1, sizeof(e1));
	th_corpus_file("iana-kskm/ec-prime256v1-2.key", e2, sizeof(e2));
	cr_assert_eq(th_import(th_module(), "HSM", pairs, ksk2 ? 3 : 2), 0);
	make_ec_key(cfg, "EC-C");
	cfg->gen.zsk.algs[0] = (hl_sigalg_t){ 13, 256, 0 };
	hl_gen_opts_t g = { .quarter = "2027Q1",
			    .now = S.now,
			    .out_path = path,
			    .keys = { "EC-A", "EC-B", "EC-C" } };
	cr_assert_eq(hl_gen_run(cfg, &g, &err), 0, "%s", err.msg);
	free(cfg);
}

Test(signing, ksr_alg_match)
{
	hl_config_t *cfg;
	hl_err_t err = { { 0 }, { 0 } };
	char path[600];

	/* ECDSA ZSKs under an RSA KSK: the bundle's algorithms differ */
	snprintf(path, sizeof(path), "%s/ec.xml", S.dir);
	make_ec_ksr(path, 0);
	cfg = th_scn_load_config(&S, NULL,
				 "KSR-POLICY-ALG = { algorithms = [8, 13]; ecdsa = true; };");
	hl_sign_opts_t o = {
		.ksr_path = path, .force = 1, .now = S.now, .in = stdin, .out = stdout
	};
	cr_assert_neq(hl_signer_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, "KSR-ALG-MATCH", "%s: %s", err.check, err.msg);
	free(cfg);
}

Test(signing, skr_sig_verify)
{
	char k1[1024], a[1024];

	/* a token whose "KSK2" signs with another private key than its public half says: the
	 * software verification must catch the bad signature before anything is written */
	th_corpus_file("iana-legacy/rsa2048-1.key", k1, sizeof(k1));
	th_corpus_file("iana-kskm/rsa-2048-1.key", a, sizeof(a));
	if (th_import_mismatched(getenv("HSMLAB_TEST_MODULE_PATH"), "HSM", a, k1, "KSK2") != 0)
		cr_assert_fail(
		    "the module refuses a private key that does not match its public "
		    "half (rightly); this case needs one that stores it: leave it out of "
		    "the module's registration, tests/signer/CMakeLists.txt");
	expect_fail("SKR-SIG-VERIFY", NULL, "SKR-PUBLISH-SAFETY = { enabled = false; };",
		    "rollover");
}

Test(signing, skr_schema)
{
	expect_fail("SKR-SCHEMA", NULL, NULL, "no-such-schema");
	expect_fail("SKR-SCHEMA",
		    "schemas = { odd = { publish = [\"KSK1\"]; sign = [\"KSK2\"]; }; };", NULL,
		    "odd");
}

Test(signing, operator_confirm)
{
	hl_ksr_t *k = NULL;
	char shown[1024] = "";
	FILE *out = fmemopen(shown, sizeof(shown) - 1, "w");
	char yes_eof[] = "Yes";
	FILE *in0 = fmemopen(yes_eof, 3, "r");
	hl_err_t e0 = { { 0 }, { 0 } };

	/* the hash shown is of the bytes parsed: 64 hex digits and 32 PGP words */
	cr_assert_eq(hl_ksr_load(S.base, &k, &e0), 0);
	cr_assert_eq(hl_confirm(k, in0, out, &e0), 0, "%s", e0.msg);
	fclose(out);
	fclose(in0);
	cr_assert_not_null(strstr(shown, "SHA-256: "));
	cr_assert_eq(strspn(strstr(shown, "SHA-256: ") + 9, "0123456789ABCDEF"), 64);
	size_t words = 0;
	for (const char *p = strstr(shown, "PGP words: ") + 11; *p && *p != '\n'; p++)
		words += *p == ' ';
	cr_assert_eq(words + 1, 32, "%s", shown);
	hl_ksr_free(k);
	hl_err_t err = { { 0 }, { 0 } };
	char no[] = "yes\n", yes[] = "Yes\n";
	FILE *in = fmemopen(no, strlen(no), "r");

	cr_assert_neq(run(NULL, NULL, NULL, in, 0, &err), 0);
	cr_assert_str_eq(err.check, "OPERATOR-CONFIRM", "%s: %s", err.check, err.msg);
	fclose(in);
	in = fmemopen(yes, strlen(yes), "r");
	cr_assert_eq(run(NULL, NULL, NULL, in, 0, &err), 0, "%s", err.msg);
	fclose(in);
}

Test(signing, skr_publish_safety)
{
	/* KSK2 signs the first bundle although the previous SKR never published it */
	add_ksk2();
	expect_fail(
	    "SKR-PUBLISH-SAFETY",
	    "schemas = { early = { publish = [\"KSK1\", \"KSK2\"]; sign = [\"KSK2\"]; }; };", NULL,
	    "early");
}

Test(signing, skr_retire_safety)
{
	/* KSK1, the previous signer, vanishes from slot 2 on: inside the retire safety */
	add_ksk2();
	expect_fail(
	    "SKR-RETIRE-SAFETY",
	    "schemas = { abrupt = ( { publish = [\"KSK1\", \"KSK2\"]; sign = [\"KSK1\"]; },"
	    " { publish = [\"KSK2\"]; sign = [\"KSK2\"]; }, { publish = [\"KSK2\"]; sign = "
	    "[\"KSK2\"]; }, { publish = [\"KSK2\"]; sign = [\"KSK2\"]; }, { publish = "
	    "[\"KSK2\"]; sign = [\"KSK2\"]; }, { publish = [\"KSK2\"]; sign = [\"KSK2\"]; },"
	    " { publish = [\"KSK2\"]; sign = [\"KSK2\"]; }, { publish = [\"KSK2\"]; sign = "
	    "[\"KSK2\"]; }, { publish = [\"KSK2\"]; sign = [\"KSK2\"]; } ); };",
	    NULL, "abrupt");
}

Test(signing, ecdsa_p256_ksk_signs)
{
	hl_config_t *cfg;
	hl_err_t err = { { 0 }, { 0 } };
	char ksr[600], skr[600];

	/* alg 13 end to end: ECDSA ZSKs, an ECDSA KSK, CKM_ECDSA over a host SHA-256 */
	snprintf(ksr, sizeof(ksr), "%s/ec.xml", S.dir);
	snprintf(skr, sizeof(skr), "%s/ec-skr.xml", S.dir);
	make_ec_ksr(ksr, 1);
	cfg = th_scn_load_config(&S,
				 "schema = \"ec\"; schemas = { ec = { publish = [\"KSK2\"]; "
				 "sign = [\"KSK2\"]; }; };",
				 "KSR-POLICY-ALG = { algorithms = [8, 13]; ecdsa = true; };");
	cfg->ksks[1].alg = 13;
	cfg->ksks[1].size = 256;
	hl_sign_opts_t o = { .ksr_path = ksr,
			     .out_path = skr,
			     .force = 1,
			     .now = S.now,
			     .in = stdin,
			     .out = stdout };
	cr_assert_eq(hl_signer_run(cfg, &o, &err), 0, "%s: %s", err.check, err.msg);
	hl_verify_opts_t v = { .path = skr, .out = stdout };
	cr_assert_eq(hl_verify_run(&v, &err), 0, "%s", err.msg);
	free(cfg);
}

Test(signing, pin_from_file_and_wrong_pin)
{
	hl_config_t *cfg = th_scn_load_config(&S, NULL, NULL);
	hl_err_t err = { { 0 }, { 0 } };
	hl_sign_opts_t o = { .ksr_path = S.base,
			     .prev_path = S.prev,
			     .force = 1,
			     .now = S.now,
			     .in = stdin,
			     .out = stdout };

	cfg->modules[0].pin_source = HL_PIN_FILE;
	snprintf(cfg->modules[0].pin_arg, sizeof(cfg->modules[0].pin_arg), "%s",
		 th_write(S.dir, "pin", TH_PIN "\n"));
	cr_assert_eq(hl_signer_run(cfg, &o, &err), 0, "%s", err.msg);
	th_write(S.dir, "pin", "9999\n");
	cr_assert_neq(hl_signer_run(cfg, &o, &err), 0);
	cr_assert_str_eq(err.check, "HSM");
	cr_assert_not_null(strstr(err.msg, "CKR_PIN_INCORRECT"), "%s", err.msg);
	free(cfg);
}
