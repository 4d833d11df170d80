/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of the scenario file reader: the shipped scenarios load with the content they
 * promise, and every kind of mistake is refused with the file, the line and the key. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/bench/scenario.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/hsmlab-scenario-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

static const char *shipped(const char *name)
{
	static char path[1024];
	const char *src = getenv("HSMLAB_SOURCE_DIR");

	cr_assert_not_null(src, "HSMLAB_SOURCE_DIR not set");
	snprintf(path, sizeof path, "%s/fixtures/scenarios/%s", src, name);
	return path;
}

/* A valid scenario with one replaceable part: HEAD (root settings) and STEPS. */
static const char *write_scenario(const char *head, const char *steps)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/s.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fprintf(f,
		"scenario = {\n"
		"  name = \"t\"; so_pin = \"12345678\"; user_pin = \"87654321\";\n"
		"%s"
		"  devices = ( { name = \"k1\"; vendor = \"keyper\"; },\n"
		"              { name = \"z\"; vendor = \"zsk\"; } );\n"
		"  keys = ( { name = \"A\"; label = \"KA\"; } );\n"
		"  profiles = ( { name = \"p\"; map = { keyper = \"keyper\"; zsk = \"softhsm\"; }; "
		"} );\n"
		"  ceremonies = ( { id = \"C1\"; date = \"2024-11-14 17:00:00\";\n"
		"    steps = (\n%s\n    ); } );\n"
		"};\n",
		head, steps);
	fclose(f);
	return path;
}

/* Loading must fail and the message must name file:line and the key. */
static void refused(const char *path, int line, const char *key)
{
	char err[1024], want[256];
	hl_scenario_t *s = hl_scenario_load(path, err, sizeof err);

	cr_assert_null(s, "loaded a bad scenario");
	snprintf(want, sizeof want, "%s:%d: %s", path, line, key);
	cr_assert(strstr(err, want) != NULL, "error \"%s\" does not name \"%s\"", err, want);
}

TestSuite(scenario_parse, .init = setup, .fini = teardown);

Test(scenario_parse, shipped_timeline)
{
	char err[1024];
	hl_scenario_t *s =
	    hl_scenario_load(shipped("ksk-rollover-2024-2027.conf"), err, sizeof err);
	size_t signs = 0;

	cr_assert_not_null(s, "%s", err);
	cr_assert_eq(s->nceremonies, 14, "one ceremony per quarter 2024Q2..2027Q3");
	cr_assert_eq(s->nprofiles, 3);
	cr_assert_str_eq(hl_scenario_key(s, "KSK-2017")->label, "Klajeyz");
	cr_assert(hl_scenario_key(s, "KSK-2017")->stand_in);
	/* root-anchors.xml: the real label and validFrom, no validUntil. */
	cr_assert_str_eq(hl_scenario_key(s, "KSK-2024")->label, "Kmyv6jo");
	cr_assert_str_eq(hl_scenario_key(s, "KSK-2024")->valid_from, "2024-07-18T00:00:00");
	cr_assert_null(hl_scenario_key(s, "KSK-2024")->valid_until);
	for (size_t i = 0; i < s->nceremonies; i++)
		for (size_t j = 0; j < s->ceremonies[i].nsteps; j++) {
			const hl_step_t *st = &s->ceremonies[i].steps[j];

			if (st->type != HL_STEP_SIGN)
				continue;
			signs++;
			if (strcmp(st->quarter, "2026Q4") == 0)
				cr_assert_str_eq(st->schema, "rollover");
			if (strcmp(st->quarter, "2027Q1") == 0)
				cr_assert_str_eq(st->schema, "revoke");
			if (strcmp(st->quarter, "2025Q1") == 0)
				cr_assert_str_eq(st->schema, "pre-publish");
			if (strcmp(st->quarter, "2025Q2") >= 0 &&
			    strcmp(st->quarter, "2026Q3") <= 0)
				cr_assert_str_eq(st->schema, "publish+", "%s", st->quarter);
		}
	cr_assert_eq(signs, 14);
	/* the sign steps' signer template, spelled out: ksr-signer */
	cr_assert_eq(s->signer.ncommand, 10);
	cr_assert_str_eq(s->signer.command[0], "${signer_dir}/ksr-signer");
	cr_assert_str_eq(s->signer.config_file, "ksk-${quarter}.conf");
	cr_assert_str_eq(hl_scenario_backend(&s->profiles[0], "luna"), "luna");
	hl_scenario_free(s);
	hl_scenario_free(NULL);
}

Test(scenario_parse, shipped_variants_load)
{
	static const char *const names[] = { "short-2q.conf", "faults.conf" };
	char err[1024];

	for (size_t i = 0; i < 2; i++) {
		hl_scenario_t *s = hl_scenario_load(shipped(names[i]), err, sizeof err);

		cr_assert_not_null(s, "%s", err);
		hl_scenario_free(s);
	}
}

/* The second shipped signer template is a fragment: it loads in place of the first. */
Test(scenario_parse, signer_templates)
{
	char err[1024], head[8192] = "";
	FILE *f = fopen(shipped("signer-kskm-ksrsigner.conf"), "r");
	hl_scenario_t *s;

	cr_assert_not_null(f);
	cr_assert_gt(fread(head, 1, sizeof head - 1, f), 0);
	fclose(f);
	s = hl_scenario_load(write_scenario(head, "      { do = \"format\"; devices = [\"k1\"]; }"),
			     err, sizeof err);
	cr_assert_not_null(s, "%s", err);
	cr_assert_str_eq(s->signer.command[0], "kskm-ksrsigner");
	cr_assert_str_eq(s->signer.config_file, "ksrsigner-${quarter}.yaml");
	cr_assert_not_null(strstr(s->signer.config, "publish+:"));
	hl_scenario_free(s);
	refused(write_scenario("  signer = { command = [\"x\"]; config_file = \"c\"; config = "
			       "\"\"; module = \"\"; key = \"\"; colour = 1; };\n",
			       "      { do = \"format\"; devices = [\"k1\"]; }"),
		3, "colour");
	refused(write_scenario("  signer = { command = []; config_file = \"c\"; config = \"\";"
			       " module = \"\"; key = \"\"; };\n",
			       "      { do = \"format\"; devices = [\"k1\"]; }"),
		3, "command");
}

Test(scenario_parse, step_errors_name_line_and_key)
{
	refused(write_scenario("", "      { do = \"frobnicate\"; devices = [\"k1\"]; }"), 9, "do");
	refused(write_scenario("", "      { do = \"keygen\"; devices = [\"k1\"]; }"), 9, "key");
	refused(write_scenario("", "      { do = \"keygen\"; key = \"A\"; devices = [\"nope\"]; }"),
		9, "devices");
	refused(write_scenario("", "      { do = \"sign\"; quarter = \"2025Q5\"; }"), 9, "quarter");
	refused(write_scenario("",
			       "      { do = \"sign\"; quarter = \"2025Q1\"; schema = \"normal\";"
			       " current = \"B\"; }"),
		9, "current");
	refused(write_scenario("", "      { do = \"verify\"; quarter = \"2025Q1\"; colour = 1; }"),
		9, "colour");
	refused(write_scenario("", "      { do = \"restore\"; key = \"A\"; devices = [\"k1\"];"
				   " requires = \"bakup\"; }"),
		9, "requires");
	refused(write_scenario(
		    "", "      { do = \"tamper\"; target = \"blob\"; quarter = \"2025Q1\"; }"),
		9, "target");
	refused(write_scenario("", "      { do = \"coverage\"; quarter = \"2025Q1\"; }"), 9,
		"anchors");
}

Test(scenario_parse, root_errors_name_line_and_key)
{
	refused(write_scenario("  milestones = ( { date = \"2025-13-45\"; label = \"x\"; } );\n",
			       "      { do = \"verify\"; quarter = \"2025Q1\"; }"),
		3, "date");
	refused(write_scenario("  colour = \"red\";\n",
			       "      { do = \"verify\"; quarter = \"2025Q1\"; }"),
		3, "colour");
	refused(write_scenario("", ""), 8, "steps");
}

Test(scenario_parse, syntax_and_missing_file)
{
	char err[1024], path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/broken.conf", dir);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs("scenario = {\n  name = \"x\";\n  so_pin = ;\n};\n", f);
	fclose(f);
	refused(path, 3, "syntax");
	snprintf(path, sizeof path, "%s/absent.conf", dir);
	cr_assert_null(hl_scenario_load(path, err, sizeof err));
	cr_assert(strstr(err, "absent.conf: cannot read") != NULL, "%s", err);
}
