/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: profile files — the shipped strict profile, and errors that name file, line, key. */
#include <criterion/criterion.h>
#include <string.h>

#include "device/hl_profile.h"
#include "testlab.h"

static testlab_t lab;
static void setup(void)
{
	testlab_make(&lab);
}
static void teardown(void)
{
	testlab_remove(&lab);
}
TestSuite(profile, .init = setup, .fini = teardown);

Test(profile, strict_loads_with_quirks_off)
{
	char path[512], err[256] = "";
	hl_profile_t *p = NULL;
	snprintf(path, sizeof(path), "%s/strict.conf", getenv("HSMLAB_PROFILE_DIR"));
	cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_OK, "%s", err);
	cr_assert_str_eq(p->name, "strict");
	cr_assert_str_eq(p->family, "strict");
	cr_assert_eq(p->cryptoki_version.major, 3);
	const hl_profile_mech_t *m = hl_profile_mech(p, CKM_RSA_PKCS_KEY_PAIR_GEN);
	cr_assert_not_null(m);
	cr_assert_eq(m->info.ulMinKeySize, 1024);
	cr_assert_eq(m->info.ulMaxKeySize, 4096);
	cr_assert(m->info.flags & CKF_GENERATE_KEY_PAIR);
	cr_assert_not_null(hl_profile_mech(p, CKM_SHA256_RSA_PKCS));
	cr_assert_not_null(hl_profile_mech(p, CKM_DES3_ECB)); /* K9's wrap path, plain PKCS#11 */
	cr_assert_null(hl_profile_mech(p, CKM_DES_ECB));
	cr_assert_gt(p->n_quirks, 10);
	for (size_t i = 0; i < p->n_quirks; i++)
		cr_assert_not(p->quirks[i].on, "strict has %s on", p->quirks[i].name);
	cr_assert_not(p->general.unique_labels);
	cr_assert_not(p->general.any, "every general switch is off");
	cr_assert(p->family_known, "strict is built in");
	hl_profile_free(p);
	hl_profile_free(NULL);
}

static void expect_error(const char *body, const char *needle)
{
	char path[160], err[512] = "";
	hl_profile_t *p = NULL;
	snprintf(path, sizeof(path), "%s/bad.conf", lab.dir);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(body, f);
	fclose(f);
	cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_ERR_PROFILE_INVALID);
	cr_assert_null(p);
	cr_assert(strstr(err, path) != NULL, "names the file: %s", err);
	cr_assert(strstr(err, needle) != NULL, "wanted \"%s\" in: %s", needle, err);
}

#define HEAD                                                                             \
	"profile: {\n name = \"x\"; family = \"x\";\n"                                   \
	" identity: { manufacturer = \"m\"; library_description = \"d\"; model = \"m\";" \
	" slot_description = \"s\"; };\n"

Test(profile, syntax_error_names_line)
{
	expect_error("profile: {\n name = \"x\"\n family = ;\n};\n", ":3:");
}

Test(profile, unknown_mechanism_names_key_and_line)
{
	expect_error(HEAD " mechanisms = (\n { name = \"CKM_NOPE\"; } );\n};\n",
		     ":5: mechanisms.name: unknown mechanism \"CKM_NOPE\"");
}

Test(profile, bad_flag)
{
	expect_error(HEAD
		     " mechanisms = ( { name = \"CKM_RSA_PKCS\"; flags = [\"CKF_FLY\"]; } );\n};\n",
		     "flags: unknown flag \"CKF_FLY\"");
}

Test(profile, bad_quirk_source)
{
	expect_error(HEAD " mechanisms = ();\n quirks: { q = { id = \"G1\"; on = true;"
			  " source = \"rumour\"; }; };\n};\n",
		     "q: source \"rumour\"");
}

Test(profile, missing_identity)
{
	expect_error("profile: { name = \"x\"; family = \"x\"; mechanisms = (); };\n",
		     "identity: missing group");
}

/* libconfig gives the root no line: the message names the real setting's line, or says what
 * the top level must hold instead of "line 0". */
Test(profile, top_level_not_a_group_names_its_line)
{
	expect_error("# a profile\n\nprofile = 5;\n", ":3: profile: must be a group");
	expect_error("profile = ( 1, 2 );\n", ":1: profile: must be a group");
}

Test(profile, top_level_group_missing)
{
	expect_error("# nothing here\nname = \"x\";\n",
		     "the top level must be a group \"profile: { ... };\"");
	char path[160], err[512] = "";
	hl_profile_t *p = NULL;
	snprintf(path, sizeof(path), "%s/bad.conf", lab.dir);
	cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_ERR_PROFILE_INVALID);
	cr_assert_null(strstr(err, ":0:"), "no line 0: %s", err);
}

Test(profile, missing_file)
{
	hl_profile_t *p = NULL;
	char err[256];
	cr_assert_eq(hl_profile_load("/nonexistent/x.conf", &p, err, sizeof(err)),
		     HL_ERR_NOT_FOUND);
}

/* -- the timing group (issue 5) -- */

Test(profile, shipped_timing_figures)
{
	char path[512], err[256] = "";
	const char *names[] = { "strict", "keyper", "luna" };
	for (size_t i = 0; i < 3; i++) {
		hl_profile_t *p = NULL;
		snprintf(path, sizeof(path), "%s/%s.conf", getenv("HSMLAB_PROFILE_DIR"), names[i]);
		cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_OK, "%s", err);
		cr_assert_eq(p->timing.declared, i > 0, "%s", names[i]);
		for (size_t k = 0; k < p->timing.n_sign; k++)
			cr_assert_str_eq(p->timing.sign[k].source, "guess", "%s", names[i]);
		hl_profile_free(p);
	}
	snprintf(path, sizeof(path), "%s/keyper.conf", getenv("HSMLAB_PROFILE_DIR"));
	hl_profile_t *p = NULL;
	cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_OK, "%s", err);
	/* The declared size, the nearest one, or none for an undeclared mechanism. */
	cr_assert_eq(hl_profile_sign_ns(p, CKM_RSA_PKCS, 2048), 20000000);
	cr_assert_eq(hl_profile_sign_ns(p, CKM_RSA_PKCS, 3800), 1000000000 / 7);
	cr_assert_eq(hl_profile_sign_ns(p, CKM_SHA256_RSA_PKCS, 2048), 0);
	/* aep-keyper-test.md: 5.0 s in all, 171 ms of it the network's round trip. */
	cr_assert_eq(hl_profile_keygen_ms(p, CKK_RSA, 2048), 4829);
	cr_assert_eq(p->timing.round_trip_ms, 171);
	cr_assert_str_eq(p->timing.round_trip_source, "field");
	cr_assert_eq(hl_profile_keygen_ms(p, CKK_EC, 256), 0);
	cr_assert_eq(p->timing.login_ms, 300);
	hl_profile_free(p);
	snprintf(path, sizeof(path), "%s/luna.conf", getenv("HSMLAB_PROFILE_DIR"));
	cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_OK, "%s", err);
	cr_assert_eq(hl_profile_sign_ns(p, CKM_ECDSA, 384), 1000000000 / 150);
	cr_assert_eq(hl_profile_sign_ns(p, CKM_SHA256_RSA_PKCS, 4096), 1000000000 / 15);
	cr_assert_eq(hl_profile_keygen_ms(p, CKK_EC, 384), 200, "nearest: the P-256 figure");
	cr_assert_str_eq(p->timing.login_source, "guess");
	hl_profile_free(p);
}

#define TIMING(x) HEAD " mechanisms = ();\n timing = {\n source = \"guess\";\n" x "\n };\n};\n"

Test(profile, timing_errors_name_file_line_and_key)
{
	expect_error(TIMING(" sign = ( { mechanism = \"CKM_NOPE\"; per_second = 1; } );"),
		     ":7: timing.sign.mechanism: unknown mechanism \"CKM_NOPE\"");
	expect_error(TIMING(" sign = ( { mechanism = \"CKM_RSA_PKCS\";\n per_second = 0; } );"),
		     ":8: timing.sign.per_second: must be an integer from 1");
	expect_error(TIMING(" sign = ( { mechanism = \"CKM_RSA_PKCS\"; } );"),
		     ":7: timing.sign.per_second: missing");
	expect_error(TIMING(" sign = ( { mechanism = \"CKM_RSA_PKCS\"; per_second = 5;\n"
			    " source = \"vendor\"; } );"),
		     ":8: timing.sign.source: \"vendor\" is not doc, field or guess");
	expect_error(TIMING(" keygen_ms = ( { key_type = \"dsa\"; ms = 5; } );"),
		     ":7: timing.keygen_ms.key_type: \"dsa\" is not rsa, ec, aes or generic");
	expect_error(TIMING(" login_ms = \"slow\";"), ":7: timing.login_ms: must be an integer");
	expect_error(TIMING(" sign = { };"), ":7: timing.sign: must be a list");
	expect_error(TIMING(" speed = 3;"), ":7: timing: unknown key \"speed\"");
	expect_error(HEAD " mechanisms = ();\n timing = { login_ms = 5; };\n};\n",
		     ":5: timing.source: missing");
}
