/* SPDX-License-Identifier: BSD-2-Clause
 * The Luna client's config file, Chrystoki.conf, as libhsmlab-luna.so reads it: found through
 * ChrystokiConfigurationPath (a directory), in the client's own format; its hsmlab section
 * names the lab when HSMLAB_CONF does not (HSMLAB_CONF wins); a malformed file fails
 * C_Initialize with one line naming the file and the line; the strict and Keyper modules
 * never read it. (Its PEDTimeout2: test_luna_ped.) */
#include "famlab.h"

static char dir[64];

/* A throw-away dir, no HSMLAB_CONF (fam_bare_env); ChrystokiConfigurationPath names it. */
static void setup(void)
{
	fam_bare_env(dir, sizeof(dir), "chrystoki");
	setenv("ChrystokiConfigurationPath", dir, 1);
}

static void teardown(void)
{
	fam_bare_env_remove(dir);
}

TestSuite(chrystoki, .init = setup, .fini = teardown);

/* <dir>/Chrystoki.conf with text, and an empty lab <dir>/lab. */
static void chrystoki(const char *text)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/lab", dir);
	if (access(p, F_OK) != 0)
		cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/Chrystoki.conf", dir);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void lab_is(const char *family, const char *want)
{
	fam_module_t m;
	char got[1024];
	cr_assert_eq(fam_init(&m, family), CKR_OK, "%s", m.ext->last_error());
	cr_assert_eq(m.ext->lab_info(got, sizeof(got), NULL, 0, NULL, 0), CKR_OK);
	cr_assert_str_eq(got, want);
	m.fn->C_Finalize(NULL);
	hl_p11_module_free(m.mod);
}

/* A real client's file (sections hsmlab ignores), plus hsmlab's section naming the lab
 * relative to the file. */
static const char real_file[] = "Chrystoki2 = {\n"
				"   LibUNIX64 = /usr/safenet/lunaclient/lib/libCryptoki2_64.so;\n"
				"}\n"
				"Luna = {\n"
				"  DefaultTimeOut = 500000;\n"
				"  PEDTimeout1 = 100000;\n"
				"  PEDTimeout2 = 200000;\n"
				"  KeypairGenTimeOut = 2700000;\n"
				"}\n"
				"CardReader = {\n"
				"  RemoteCommand = 1;\n"
				"}\n"
				"Misc = {\n"
				"   PE1746Enabled = 0;\n"
				"   ToolsDir = /usr/safenet/lunaclient/bin;\n"
				"}\n"
				"LunaSA Client = {\n"
				"   ReceiveTimeout = 20000;\n"
				"   ServerName00 = 192.168.30.106;\n"
				"   ClientPrivKeyFile = ;\n"
				"}\n"
				"hsmlab = {\n"
				"   lab_dir = lab;\n"
				"   timing = false;\n"
				"}\n";

Test(chrystoki, its_hsmlab_section_names_the_lab)
{
	char want[160];
	chrystoki(real_file);
	snprintf(want, sizeof(want), "%s/lab", dir);
	lab_is("luna", want);
}

Test(chrystoki, hsmlab_conf_wins)
{
	char lab[160];
	chrystoki(real_file);
	fam_hsmlab_conf(dir, "other-lab", lab, sizeof(lab));
	lab_is("luna", lab);
}

/* Without an hsmlab section the client's file leaves the lab to the usual steps. */
Test(chrystoki, without_hsmlab_section_the_default_lab)
{
	char want[160];
	chrystoki("Chrystoki2 = {\n  LibUNIX64 = /x/libCryptoki2_64.so;\n}\n");
	snprintf(want, sizeof(want), "%s/data/hsmlab/lab", dir);
	lab_is("luna", want);
}

/* C_Initialize of the Luna module fails with a message holding want and at. */
static void refused(const char *text, const char *at, const char *want)
{
	fam_module_t m;
	char where[160];
	if (text)
		chrystoki(text);
	CK_RV rv = fam_init(&m, "luna");
	cr_assert_eq(rv, CKR_GENERAL_ERROR, "C_Initialize: %s", hl_ckr_name(rv));
	const char *msg = m.ext->last_error();
	snprintf(where, sizeof(where), "%s/Chrystoki.conf%s", dir, at);
	cr_assert(strstr(msg, where) != NULL, "\"%s\" not in \"%s\"", where, msg);
	cr_assert(strstr(msg, want) != NULL, "\"%s\" not in \"%s\"", want, msg);
	cr_assert(strchr(msg, '\n') == NULL, "one line: %s", msg);
	hl_p11_module_free(m.mod);
}

Test(chrystoki, malformed_files_name_the_line)
{
	refused("Luna = {\n\tPEDTimeout2 = 100000;\n}\n", ":2:", "TAB");
	refused("Luna = {\n  PEDTimeout2 = 100000\n}\n", ":2:", "ending with ';'");
	refused("Luna = {\n  PEDTimeout2 = 100000;\n", ":3:", "ends inside a section");
	refused("Luna\n  PEDTimeout2 = 1;\n", ":1:", "ending with '='");
	refused("Misc = {\n   = 1;\n}\n", ":2:", "want a key ending with '='");
	refused("Luna = {\n  PEDTimeout2 = soon;\n}\n", ":2:", "want milliseconds");
	refused("hsmlab = {\n  lab_dir = lab;\n  timng = true;\n}\n",
		":3:", "timng: unknown key (did you mean timing?)");
}

Test(chrystoki, variable_leading_nowhere_is_refused)
{
	char d[128];
	snprintf(d, sizeof(d), "%s/nowhere", dir);
	setenv("ChrystokiConfigurationPath", d, 1);
	fam_module_t m;
	CK_RV rv = fam_init(&m, "luna");
	cr_assert_eq(rv, CKR_GENERAL_ERROR);
	const char *msg = m.ext->last_error();
	cr_assert(strstr(msg, "ChrystokiConfigurationPath=") && strstr(msg, d) &&
		      strstr(msg, "No such file"),
		  "%s", msg);
	hl_p11_module_free(m.mod);
}

/* The strict and Keyper modules never read it, broken or not. */
Test(chrystoki, other_modules_ignore_it)
{
	char want[160];
	chrystoki("Luna = {\n\tbroken\n");
	snprintf(want, sizeof(want), "%s/data/hsmlab/lab", dir);
	lab_is("", want);
	lab_is("keyper", want);
}
