/* SPDX-License-Identifier: BSD-2-Clause
 * Tests of target descriptions: parsing, errors that name the place, ${VAR} expansion and
 * what prepare writes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsmlab/bench/target.h"

static char dir[64];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/hsmlab-target-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static char *write_file(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static char *slurp(const char *path)
{
	static char buf[512];
	FILE *f = fopen(path, "r");
	size_t n;

	cr_assert_not_null(f, "%s missing", path);
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

TestSuite(target, .init = setup);

Test(target, prepare_expands_and_writes)
{
	char err[512] = "", want[256];
	char *p = write_file("t.conf", "name = \"demo\";\nmodule = \"${HSMLAB_T_MOD}/lib.so\";\n"
				       "mkdir = [ \"${WORKDIR}/store\" ];\n"
				       "files = ( { path = \"${WORKDIR}/x.conf\"; text = "
				       "\"dir = ${WORKDIR}/store\\n\"; } );\n"
				       "env = [ \"HSMLAB_T_OUT=${WORKDIR}/x.conf\" ];\n"
				       "run = [ \"echo ran >\\\"$HSMLAB_T_OUT.ran\\\"\" ];\n"
				       "init = true; token = \"tok\"; so_pin = \"1234\";\n"
				       "user_pin = \"5678\"; expect = \"demo.expect\";\n");
	hl_bench_target_t *t;

	setenv("HSMLAB_T_MOD", "/opt/vendor", 1);
	t = hl_bench_target_load(p, err, sizeof err);
	cr_assert_not_null(t, "%s", err);
	cr_assert_eq(hl_bench_target_prepare(t, dir, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(hl_bench_target_name(t), "demo");
	cr_assert_str_eq(hl_bench_target_module(t), "/opt/vendor/lib.so");
	cr_assert_str_eq(hl_bench_target_token(t), "tok");
	snprintf(want, sizeof want, "%s/demo.expect", dir);
	cr_assert_str_eq(hl_bench_target_expect(t), want, "relative to the target file");
	snprintf(want, sizeof want, "%s/demo/x.conf", dir);
	cr_assert_str_eq(getenv("HSMLAB_T_OUT"), want);
	snprintf(want, sizeof want, "dir = %s/demo/store\n", dir);
	cr_assert_str_eq(slurp(getenv("HSMLAB_T_OUT")), want);
	snprintf(want, sizeof want, "%s/demo/store", dir);
	cr_assert_eq(access(want, F_OK), 0, "mkdir entries are made");
	snprintf(want, sizeof want, "%s/demo/x.conf.ran", dir);
	cr_assert_str_eq(slurp(want), "ran\n", "run commands see the target's environment");
	hl_bench_target_free(t);
	hl_bench_target_free(NULL);
}

Test(target, errors_name_file_line_and_setting)
{
	char err[512] = "";
	char *p = write_file("bad.conf", "name = \"x\";\nmodule = \"m\";\ncolour = \"red\";\n");

	cr_assert_null(hl_bench_target_load(p, err, sizeof err));
	cr_assert(strstr(err, "bad.conf:3:") && strstr(err, "unknown setting \"colour\""), "%s",
		  err);
	p = write_file("syntax.conf", "name = \"x\"\nmodule = ;\n");
	cr_assert_null(hl_bench_target_load(p, err, sizeof err));
	cr_assert(strstr(err, "syntax.conf:2:") != NULL, "%s", err);
	p = write_file("nomod.conf", "name = \"x\";\n");
	cr_assert_null(hl_bench_target_load(p, err, sizeof err));
	cr_assert(strstr(err, "needs \"name\" and \"module\"") != NULL, "%s", err);
	p = write_file("type.conf", "name = \"x\";\nmodule = \"m\";\nenv = 5;\n");
	cr_assert_null(hl_bench_target_load(p, err, sizeof err));
	cr_assert(strstr(err, "type.conf:3: env: wrong type") != NULL, "%s", err);
	cr_assert_null(hl_bench_target_load("/nonexistent.conf", err, sizeof err));
	cr_assert(strstr(err, "/nonexistent.conf") != NULL, "%s", err);
}

Test(target, a_failing_run_command_is_named)
{
	char err[512] = "";
	hl_bench_target_t *t = hl_bench_target_new("r");

	cr_assert_eq(hl_bench_target_set(t, "module", "m.so", err, sizeof err), 0);
	cr_assert_eq(hl_bench_target_set(t, "run", "exit 7", err, sizeof err), 0);
	cr_assert_eq(hl_bench_target_resolve(t, dir, err, sizeof err), 0, "resolve runs nothing");
	cr_assert_eq(hl_bench_target_prepare(t, dir, err, sizeof err), -1);
	cr_assert(strstr(err, "\"exit 7\" failed (status 7)") != NULL, "%s", err);
	hl_bench_target_free(t);
}

Test(target, unknown_variables_are_refused)
{
	char err[512] = "";
	hl_bench_target_t *t = hl_bench_target_new("cli");

	cr_assert_not_null(t);
	cr_assert_eq(
	    hl_bench_target_set(t, "module", "${HSMLAB_NO_SUCH_VAR_X}/m.so", err, sizeof err), 0);
	cr_assert_eq(hl_bench_target_set(t, "env", "NOEQUALS", err, sizeof err), -1);
	cr_assert(strstr(err, "not VAR=value") != NULL, "%s", err);
	cr_assert_eq(hl_bench_target_set(t, "init", "maybe", err, sizeof err), -1);
	cr_assert_eq(hl_bench_target_prepare(t, dir, err, sizeof err), -1);
	cr_assert(strstr(err, "${HSMLAB_NO_SUCH_VAR_X}") != NULL, "%s", err);
	hl_bench_target_free(t);
}
