/* SPDX-License-Identifier: BSD-2-Clause
 * K6: the Keyper's vendor library finds its device through KEYPER_LIBRARY_PATH, a directory
 * holding a "machine" file (here hsmlab's own lab config). HSMLAB_CONF wins; a set variable
 * that leads nowhere fails C_Initialize; the strict and Luna modules ignore the variable.
 * The same set-up names the provider library's own file in PKCS11_LIBRARY_PATH (IANA's
 * docs/aep-keyper-test.md): unset or another file fails C_Initialize too. */
#include <sys/wait.h>

#include "device/hl_profile.h"
#include "famlab.h"

static char dir[64];
/* The variable's name as the Keyper profile's K6 switch gives it: the module's family table
 * names it too, so a test that finds the lab through it checks that the two agree. */
static char var[64];
/* The library's own variable (the profile's library_self_path_env) and the Keyper module. */
static char self_var[64], self_lib[512];

static void profile_switch(const char *profile, const char *name, char *out, size_t n)
{
	char path[512], err[512] = "";
	hl_profile_t *p = NULL;
	snprintf(path, sizeof(path), "%s/fixtures/profiles/%s.conf", getenv("HSMLAB_SOURCE_DIR"),
		 profile);
	cr_assert_eq(hl_profile_load(path, &p, err, sizeof(err)), HL_OK, "%s", err);
	/* The switch as the file gives it: a Keyper family row, which this test process
	 * (no vendor family registered) keeps unresolved. */
	const char *v = NULL;
	for (size_t i = 0; i < p->n_quirks; i++)
		if (strcmp(p->quirks[i].name, name) == 0 && p->quirks[i].on)
			v = p->quirks[i].value;
	snprintf(out, n, "%s", v ? v : "");
	hl_profile_free(p);
}

static void profile_var(const char *profile, char *out, size_t n)
{
	profile_switch(profile, "library_path_env", out, n);
}

/* A throw-away dir, no HSMLAB_CONF (fam_bare_env); the real set-up's second variable set. */
static void setup(void)
{
	fam_bare_env(dir, sizeof(dir), "k6");
	profile_var("keyper", var, sizeof(var));
	cr_assert_str_eq(var, "KEYPER_LIBRARY_PATH");
	profile_switch("keyper", "library_self_path_env", self_var, sizeof(self_var));
	cr_assert_str_eq(self_var, "PKCS11_LIBRARY_PATH");
	fam_module_path("keyper", self_lib, sizeof(self_lib));
	setenv(self_var, self_lib, 1);
}

static void teardown(void)
{
	fam_bare_env_remove(dir);
}

TestSuite(k6, .init = setup, .fini = teardown);

/* <dir>/<sub>/ holding a machine file with text (NULL: none) and an empty lab <sub>/lab. */
static void machine(const char *sub, const char *text, char *path_out, size_t n)
{
	char p[256];
	snprintf(path_out, n, "%s/%s", dir, sub);
	cr_assert_eq(mkdir(path_out, 0700), 0);
	snprintf(p, sizeof(p), "%s/lab", path_out);
	cr_assert_eq(mkdir(p, 0700), 0);
	if (!text)
		return;
	snprintf(p, sizeof(p), "%s/machine", path_out);
	FILE *f = fopen(p, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

/* The lab directory the initialized module uses. */
static void lab_of(fam_module_t *m, char *out, size_t n)
{
	cr_assert_eq(m->ext->lab_info(out, n, NULL, 0, NULL, 0), CKR_OK, "%s",
		     m->ext->last_error());
}

static void done(fam_module_t *m)
{
	m->fn->C_Finalize(NULL);
	hl_p11_module_free(m->mod);
}

/* C_Initialize of the Keyper module fails with a message holding each of want[]. */
static void refused(const char *const *want, size_t n_want)
{
	fam_module_t m;
	char def[128];
	CK_RV rv = fam_init(&m, "keyper");
	cr_assert_eq(rv, CKR_GENERAL_ERROR, "C_Initialize: %s", hl_ckr_name(rv));
	const char *msg = m.ext->last_error();
	for (size_t i = 0; i < n_want; i++)
		cr_assert(strstr(msg, want[i]) != NULL, "\"%s\" not in \"%s\"", want[i], msg);
	/* No silent fallback: the default lab was not made. */
	snprintf(def, sizeof(def), "%s/data", dir);
	cr_assert_neq(access(def, F_OK), 0, "the default lab was created");
	hl_p11_module_free(m.mod);
}

Test(k6, keyper_finds_its_lab_through_the_machine_file)
{
	char d[128], want[160], got[1024], serial[17], cmd[2048], out[4096];
	fam_module_t m;
	CK_SLOT_ID slot = 0, slots[8];
	CK_ULONG n = 8;
	machine("keyper1", "lab_dir = \"lab\";   # relative to the machine file\n", d, sizeof(d));
	setenv(var, d, 1);
	cr_assert_eq(fam_init(&m, "keyper"), CKR_OK, "%s", m.ext->last_error());
	lab_of(&m, got, sizeof(got));
	snprintf(want, sizeof(want), "%s/lab", d);
	cr_assert_str_eq(got, want);
	cr_assert_eq(m.ext->device_create(NULL, &slot, serial), CKR_OK, "%s", m.ext->last_error());
	/* The new device and the free one, both the lab's under the machine file. */
	cr_assert_eq(m.fn->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	cr_assert_eq(n, 2);
	done(&m);
	snprintf(want, sizeof(want), "%s/lab/devices/%s.db", d, serial);
	cr_assert_eq(access(want, F_OK), 0, "%s missing", want);

	/* The console loads the same module and so finds the same lab. */
	const char *b = getenv("HSMLAB_BUILD_DIR");
	snprintf(cmd, sizeof(cmd),
		 "%s/emulator/admin/hsmlab-admin -m %s/emulator/module/libhsmlab.so -f keyper "
		 "device list >%s/console.out 2>&1",
		 b, b, dir);
	int st = system(cmd);
	snprintf(want, sizeof(want), "%s/console.out", dir);
	FILE *f = fopen(want, "r");
	cr_assert_not_null(f);
	out[fread(out, 1, sizeof(out) - 1, f)] = 0;
	fclose(f);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s", out);
	cr_assert(strstr(out, serial) != NULL, "%s not listed:\n%s", serial, out);
}

Test(k6, missing_directory_is_refused)
{
	char d[128];
	snprintf(d, sizeof(d), "%s/nowhere", dir);
	setenv(var, d, 1);
	const char *want[] = { "KEYPER_LIBRARY_PATH=", d, "No such file or directory" };
	refused(want, 3);
}

Test(k6, missing_machine_file_is_refused)
{
	char d[128], file[160];
	machine("keyper1", NULL, d, sizeof(d));
	setenv(var, d, 1);
	snprintf(file, sizeof(file), "%s/machine", d);
	const char *want[] = { "KEYPER_LIBRARY_PATH=", file, "cannot read the machine file" };
	refused(want, 3);
}

/* A machine file with text is refused with the variable's name and where: "<file><at>". */
static void refused_machine(const char *text, const char *at)
{
	char d[128], where[200];
	machine("keyper1", text, d, sizeof(d));
	setenv(var, d, 1);
	snprintf(where, sizeof(where), "%s/machine%s", d, at);
	const char *want[] = { "KEYPER_LIBRARY_PATH: ", where };
	refused(want, 2);
}

Test(k6, broken_machine_file_is_refused)
{
	refused_machine("lab_dir = ;\n", ":1");
}

Test(k6, machine_file_without_lab_dir_is_refused)
{
	refused_machine("timing = false;\n", ": lab_dir: missing");
}

Test(k6, hsmlab_conf_wins)
{
	char d[128], lab[160], got[1024];
	fam_module_t m;
	machine("keyper1", "lab_dir = \"lab\";\n", d, sizeof(d));
	setenv(var, d, 1);
	fam_hsmlab_conf(dir, "other-lab", lab, sizeof(lab));
	cr_assert_eq(fam_init(&m, "keyper"), CKR_OK, "%s", m.ext->last_error());
	lab_of(&m, got, sizeof(got));
	cr_assert_str_eq(got, lab);
	done(&m);
	/* Even a variable that leads nowhere does not matter then. */
	snprintf(d, sizeof(d), "%s/nowhere", dir);
	setenv(var, d, 1);
	cr_assert_eq(fam_init(&m, "keyper"), CKR_OK, "%s", m.ext->last_error());
	done(&m);
}

/* The strict and Luna modules: no K6 switch in their profiles, and the variable (set to a
 * lab, or to nowhere) leaves them on the default lab. */
static void ignores(const char *family, const char *profile)
{
	char d[128], got[1024], def[128], v[64];
	fam_module_t m;
	profile_var(profile, v, sizeof(v));
	cr_assert_str_eq(v, "", "%s switches library_path_env on", profile);
	machine("keyper1", "lab_dir = \"lab\";\n", d, sizeof(d));
	setenv(var, d, 1);
	snprintf(def, sizeof(def), "%s/data/hsmlab/lab", dir);
	cr_assert_eq(fam_init(&m, family), CKR_OK, "%s", m.ext->last_error());
	lab_of(&m, got, sizeof(got));
	cr_assert_str_eq(got, def);
	done(&m);
	snprintf(d, sizeof(d), "%s/nowhere", dir);
	setenv(var, d, 1);
	cr_assert_eq(fam_init(&m, family), CKR_OK, "%s", m.ext->last_error());
	done(&m);
}

Test(k6, strict_module_ignores_the_variable)
{
	ignores("", "strict");
}

Test(k6, luna_module_ignores_the_variable)
{
	ignores("luna", "luna");
}

/* PKCS11_LIBRARY_PATH (the real set-up's second variable): required beside
 * KEYPER_LIBRARY_PATH, and it must name the Keyper library itself. */
Test(k6, library_path_without_pkcs11_library_path_is_refused)
{
	char d[128];
	machine("keyper1", "lab_dir = \"lab\";\n", d, sizeof(d));
	setenv(var, d, 1);
	unsetenv(self_var);
	const char *want[] = { "KEYPER_LIBRARY_PATH is set but PKCS11_LIBRARY_PATH is not" };
	refused(want, 1);
}

Test(k6, pkcs11_library_path_naming_another_file_is_refused)
{
	char d[128], other[512];
	machine("keyper1", "lab_dir = \"lab\";\n", d, sizeof(d));
	setenv(var, d, 1);
	fam_module_path("luna", other, sizeof(other));
	setenv(self_var, other, 1);
	const char *want[] = { "PKCS11_LIBRARY_PATH=", other, "not the Keyper library loaded" };
	refused(want, 3);
	snprintf(other, sizeof(other), "%s/nowhere.so", dir);
	setenv(self_var, other, 1);
	const char *want2[] = { "PKCS11_LIBRARY_PATH=", other, "No such file or directory" };
	refused(want2, 3);
}

/* HSMLAB_CONF (hsmlab's own way) needs neither variable. */
Test(k6, hsmlab_conf_needs_no_pkcs11_library_path)
{
	char lab[160];
	fam_module_t m;
	unsetenv(self_var);
	fam_hsmlab_conf(dir, "lab", lab, sizeof(lab));
	cr_assert_eq(fam_init(&m, "keyper"), CKR_OK, "%s", m.ext->last_error());
	done(&m);
}
