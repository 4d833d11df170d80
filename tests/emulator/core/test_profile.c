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
	cr_assert_null(hl_profile_mech(p, CKM_DES3_ECB));
	cr_assert_gt(p->n_quirks, 10);
	for (size_t i = 0; i < p->n_quirks; i++)
		cr_assert_not(p->quirks[i].on, "strict has %s on", p->quirks[i].name);
	cr_assert_not(hl_profile_quirk(p, "unique_labels"));
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

Test(profile, missing_file)
{
	hl_profile_t *p = NULL;
	char err[256];
	cr_assert_eq(hl_profile_load("/nonexistent/x.conf", &p, err, sizeof(err)),
		     HL_ERR_NOT_FOUND);
}
