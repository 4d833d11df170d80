/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the quirk registry (hl_quirk.h) and the lab config's keys. A misspelt switch or key
 * fails the load (and C_Initialize) naming file, line and the nearest known name; values are
 * type-checked and resolved into typed fields, the core's and a family's. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "device/hl_family.h"
#include "device/hl_quirk.h"
#include "p11/hl_p11.h"
#include "testlab.h"

const char hl_module_family[] = "strict";
const hl_family_t *const hl_module_family_hooks = NULL;

/* A family of this test only: its rows land in its own struct. */
typedef struct {
	bool flag;
	CK_ULONG count;
	hl_quirk_mofn_t quorum;
	const char *word;
} test_sw_t;

#define TROW(...) HL_QUIRK_ROW(test_sw_t, __VA_ARGS__)
static const hl_quirk_row_t test_rows[] = {
	TROW("test_flag", "T1", BOOL, FAMILY, flag, "nothing"),
	TROW("test_count", "T2", NUMBER, FAMILY, count, "nothing", .max = 9),
	TROW("test_quorum", "T3", MOFN, FAMILY, quorum, "nothing"),
	TROW("test_word", "T4", STRING, FAMILY, word, "nothing", .dflt = "dflt"),
	{ 0 },
};
static const hl_family_t test_family = { .name = "testfam",
					 .quirks = test_rows,
					 .quirk_size = sizeof(test_sw_t) };

static testlab_t lab;
static void setup(void)
{
	testlab_make(&lab);
	cr_assert_eq(hl_family_register(&test_family), HL_OK);
}
static void teardown(void)
{
	testlab_remove(&lab);
}
TestSuite(registry, .init = setup, .fini = teardown);

#define HEAD(fam)                                                                        \
	"profile: {\n name = \"t\";\n family = \"" fam "\";\n"                           \
	" identity: { manufacturer = \"m\"; library_description = \"l\"; model = \"x\";" \
	" slot_description = \"s\"; };\n mechanisms = ();\n quirks: {\n"

/* Writes <lab dir>/profiles/<name>.conf with quirks (one per line, from line 7). */
static void write_profile(const char *name, const char *fam_head, const char *quirks, char *path,
			  size_t n)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/profiles", lab.dir);
	mkdir(dir, 0700);
	snprintf(path, n, "%s/%s.conf", dir, name);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f, "%s%s };\n};\n", fam_head, quirks);
	fclose(f);
}

static hl_status_t load(const char *fam_head, const char *quirks, hl_profile_t **p, char *err,
			size_t n)
{
	char path[256];
	write_profile("t", fam_head, quirks, path, sizeof(path));
	return hl_profile_load(path, p, err, n);
}

static void expect_error(const char *fam_head, const char *quirks, const char *needle)
{
	char err[512] = "";
	hl_profile_t *p = NULL;
	cr_assert_eq(load(fam_head, quirks, &p, err, sizeof(err)), HL_ERR_PROFILE_INVALID,
		     "loaded: %s", quirks);
	cr_assert_null(p);
	cr_assert_not_null(strstr(err, needle), "wanted \"%s\" in: %s", needle, err);
}

Test(registry, misspelt_switch_names_file_line_and_nearest)
{
	char want[256];
	snprintf(want, sizeof(want),
		 "%s/profiles/t.conf:7: quirks.unique_lables: unknown switch (did you mean "
		 "unique_labels?)",
		 lab.dir);
	expect_error(HEAD("strict"),
		     "  unique_lables = { id = \"G14\"; on = true; source = \"doc\"; };\n", want);
	/* A family's own switch is known in a profile of that family only. */
	expect_error(HEAD("strict"),
		     "  test_flag = { id = \"T1\"; on = true; source = \"doc\"; };\n",
		     "quirks.test_flag: unknown switch");
	expect_error(HEAD("testfam"),
		     "  test_flg = { id = \"T1\"; on = true; source = \"doc\"; };\n",
		     "(did you mean test_flag?)");
}

Test(registry, wrong_types_are_refused)
{
	expect_error(
	    HEAD("strict"),
	    "  silent_logout = { id = \"G3\"; on = true; source = \"doc\"; value = \"x\"; };\n",
	    "quirks.silent_logout: value \"x\" is not a positive integer");
	expect_error(
	    HEAD("strict"),
	    "  unique_labels = { id = \"G14\"; on = false; source = \"doc\"; value = 1; };\n",
	    "quirks.unique_labels: takes no value");
	expect_error(HEAD("strict"),
		     "  unique_labels = { id = \"G13\"; on = true; source = \"doc\"; };\n",
		     "id \"G13\" is not its catalogue row \"G14\"");
	expect_error(HEAD("strict"),
		     "  cka_id_len = { id = \"G15\"; on = true; source = \"doc\"; value = 65; };\n",
		     "value 65 is above 64");
	expect_error(HEAD("strict"),
		     "  no_public_before_login = { id = \"G6\"; on = true; source = \"doc\";"
		     " value = \"keys\"; };\n",
		     "value must name some of: objects,random");
	expect_error(
	    HEAD("strict"),
	    "  host_hash_only = { id = \"G1\"; on = true; source = \"doc\"; valu = 1; };\n",
	    "unknown member \"valu\"");
	expect_error(
	    HEAD("testfam"),
	    "  test_quorum = { id = \"T3\"; on = true; source = \"doc\"; value = [ 3, 2 ]; };\n",
	    "value [ 3, 2 ] is not [ m, n ]");
	expect_error(HEAD("testfam"),
		     "  test_count = { id = \"T2\"; on = true; source = \"doc\"; value = 10; };\n",
		     "value 10 is above 9");
}

Test(registry, values_resolve_into_typed_fields)
{
	char err[512] = "";
	hl_profile_t *p = NULL;
	cr_assert_eq(
	    load(
		HEAD("testfam"),
		"  host_hash_only = { id = \"G1\"; on = true; source = \"doc\"; };\n"
		"  no_public_before_login = { id = \"G6\"; on = true; source = \"doc\";"
		" value = \"random\"; };\n"
		"  max_sessions_code = { id = \"L6\"; on = true; source = \"doc\";"
		" value = \"0x80001601\"; };\n"
		"  test_flag = { id = \"T1\"; on = true; source = \"doc\"; };\n"
		"  test_count = { id = \"T2\"; on = false; source = \"doc\"; value = 3; };\n"
		"  test_quorum = { id = \"T3\"; on = true; source = \"doc\"; value = [ 2, 5 ]; };\n"
		"  test_word = { id = \"T4\"; on = true; source = \"guess\"; };\n",
		&p, err, sizeof(err)),
	    HL_OK, "%s", err);
	cr_assert_eq(p->general.hash_sign_error, CKR_MECHANISM_INVALID, "the row's default");
	cr_assert_eq(p->general.no_public, HL_G6_RANDOM);
	cr_assert(p->general.any);
	cr_assert_eq(p->core.max_sessions_code, 0x80001601UL);
	cr_assert(p->family_known);
	const test_sw_t *sw = p->family_sw;
	cr_assert(sw->flag);
	cr_assert_eq(sw->count, 0, "off: not resolved");
	cr_assert_eq(sw->quorum.m, 2);
	cr_assert_eq(sw->quorum.n, 5);
	cr_assert_str_eq(sw->word, "dflt");
	hl_profile_free(p);
}

/* `any` comes from the registry: every row the general layer reads wakes it, each alone. */
Test(registry, every_general_row_sets_any)
{
	size_t n = 0;
	for (size_t i = 0; i < hl_quirk_core_count; i++) {
		const hl_quirk_row_t *r = &hl_quirk_core_rows[i];
		char line[256], err[512] = "";
		hl_profile_t *p = NULL;
		if (r->reader != HL_QUIRK_READ_GENERAL)
			continue;
		const char *v = r->type == HL_QUIRK_NUMBER && !r->dflt ? " value = 1;" : "";
		snprintf(line, sizeof(line),
			 "  %s = { id = \"%s\"; on = true; source = \"doc\";%s };\n", r->name,
			 r->id, v);
		cr_assert_eq(load(HEAD("strict"), line, &p, err, sizeof(err)), HL_OK, "%s", err);
		cr_assert(p->general.any, "%s on leaves the general filters asleep", r->name);
		hl_profile_free(p);
		n++;
	}
	cr_assert_geq(n, 17, "the general rows G1-G17");
}

Test(registry, core_rows_are_well_formed)
{
	for (size_t i = 0; i < hl_quirk_core_count; i++) {
		const hl_quirk_row_t *r = &hl_quirk_core_rows[i];
		cr_assert(r->name && r->id && r->id[0] && r->reads, "row %zu", i);
		cr_assert_eq(hl_quirk_find(hl_quirk_core_rows, hl_quirk_core_count, r->name), r,
			     "%s declared twice", r->name);
		cr_assert(r->offset == HL_QUIRK_NOWHERE || r->offset < sizeof(hl_profile_t), "%s",
			  r->name);
		cr_assert((r->offset == HL_QUIRK_NOWHERE) == (r->reader == HL_QUIRK_READ_DATA),
			  "%s: only data rows have no field", r->name);
	}
	cr_assert_eq(hl_quirk_distance("timng", "timing"), 1);
	cr_assert_eq(hl_quirk_distance("", "abc"), 3);
}

/* A family not registered in this process: its switches cannot be checked here, so the
 * profile loads and no module of this process serves it. */
Test(registry, unknown_family_loads_unchecked_and_is_not_served)
{
	char err[512] = "";
	hl_profile_t *p = NULL;
	cr_assert_eq(load(HEAD("elsewhere"),
			  "  their_switch = { id = \"X1\"; on = true; source = \"doc\"; };\n"
			  "  unique_labels = { id = \"G14\"; on = true; source = \"doc\"; };\n",
			  &p, err, sizeof(err)),
		     HL_OK, "%s", err);
	cr_assert_not(p->family_known);
	cr_assert_null(p->family_sw);
	cr_assert(p->general.unique_labels, "core rows are checked and resolved all the same");
	cr_assert_not(hl_p11_serves(p));
	hl_profile_free(p);
	expect_error(
	    HEAD("elsewhere"),
	    "  unique_labels = { id = \"G14\"; on = true; source = \"doc\"; value = 2; };\n",
	    "takes no value");
}

/* -- through C_Initialize (the core entry) -- */

static void lab_conf(const char *extra)
{
	FILE *f = fopen(lab.conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s\";\n%s", lab.lab, extra);
	fclose(f);
}

Test(registry, misspelt_switch_fails_c_initialize)
{
	char path[256], extra[512], want[512];
	write_profile(
	    "bad", HEAD("strict"),
	    "  unique_labels = { id = \"G14\"; on = false; source = \"doc\"; };\n"
	    "  silent_logut = { id = \"G3\"; on = true; source = \"doc\"; value = 3; };\n",
	    path, sizeof(path));
	snprintf(extra, sizeof(extra), "%s/profiles", lab.dir);
	setenv("HSMLAB_PROFILE_DIR", extra, 1); /* wins over the config's profile_dir */
	lab_conf("default_profile = \"bad\";\n");
	cr_assert_eq(C_Initialize(NULL), CKR_GENERAL_ERROR);
	snprintf(want, sizeof(want),
		 "%s:8: quirks.silent_logut: unknown switch (did you mean silent_logout?)", path);
	cr_assert_not_null(strstr(hl_p11_last_error(), want), "wanted \"%s\" in: %s", want,
			   hl_p11_last_error());
}

Test(registry, unknown_lab_config_key_fails_c_initialize)
{
	char want[512];
	lab_conf("timng = true;\n");
	cr_assert_eq(C_Initialize(NULL), CKR_GENERAL_ERROR);
	snprintf(want, sizeof(want), "%s:2: timng: unknown key (did you mean timing?)", lab.conf);
	cr_assert_not_null(strstr(hl_p11_last_error(), want), "wanted \"%s\" in: %s", want,
			   hl_p11_last_error());
	lab_conf("profile_dri = \"x\";\n");
	cr_assert_eq(C_Initialize(NULL), CKR_GENERAL_ERROR);
	cr_assert_not_null(strstr(hl_p11_last_error(), "(did you mean profile_dir?)"), "%s",
			   hl_p11_last_error());
	lab_conf("timing = true;\n");
	cr_assert_eq(C_Initialize(NULL), CKR_OK, "%s", hl_p11_last_error());
	cr_assert_eq(C_Finalize(NULL), CKR_OK);
}
