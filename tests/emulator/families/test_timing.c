/* SPDX-License-Identifier: BSD-2-Clause
 * The timing model (issue 5, families.md "Timing"): with timing emulation on (HSMLAB_TIMING=1
 * or the lab config's `timing = true;`, read at C_Initialize) logins, key generations and
 * signatures take at least the profile's declared time; off by default. Only lower bounds
 * are asserted (deterministic); nothing here measures how fast the host is. The profile is
 * a user profile: strict plus a timing group with figures chosen for the test. */
#include <time.h>

#include "famlab.h"

#include <criterion/redirect.h> /* after criterion.h (famlab.h) */

static testlab_t lab;

static void setup(void)
{
	testlab_make(&lab);
	unsetenv("HSMLAB_TIMING");
}

static void teardown(void)
{
	unsetenv("HSMLAB_TIMING");
	testlab_remove(&lab);
}

TestSuite(timing, .init = setup, .fini = teardown);

/* Profile "strict-timed" (strict with that timing group) in a profile dir of the lab, made
 * the lab's default profile; extra is appended to the lab config. */
static void timed_lab(long login_ms, long per_second, long keygen_ms, const char *extra)
{
	char dir[200], cmd[2048];
	fam_user_profile(lab.dir, "strict", "strict-timed", "-e '$d'", dir, sizeof(dir));
	snprintf(cmd, sizeof(cmd), "%s/strict-timed.conf", dir);
	FILE *f = fopen(cmd, "a");
	cr_assert_not_null(f);
	fprintf(
	    f,
	    "  timing = { source = \"guess\"; login_ms = %ld;\n"
	    "    sign = ( { mechanism = \"CKM_RSA_PKCS\"; key_bits = 1024; per_second = 1000; },\n"
	    "             { mechanism = \"CKM_RSA_PKCS\"; key_bits = 2048; per_second = %ld; },\n"
	    "             { mechanism = \"CKM_RSA_PKCS\"; key_bits = 4096; per_second = 1; },\n"
	    "             { mechanism = \"CKM_ECDSA\"; key_bits = 256; per_second = 1000; },\n"
	    "             { mechanism = \"CKM_ECDSA\"; key_bits = 384; per_second = 20; } );\n"
	    "    keygen_ms = ( { key_type = \"rsa\"; key_bits = 2048; ms = %ld; },\n"
	    "                  { key_type = \"ec\"; key_bits = 256; ms = 1; },\n"
	    "                  { key_type = \"ec\"; key_bits = 384; ms = 150; } ); };\n};\n",
	    login_ms, per_second, keygen_ms);
	fclose(f);
	f = fopen(lab.conf, "a");
	cr_assert_not_null(f);
	fprintf(f, "default_profile = \"strict-timed\";\n%s\n", extra);
	fclose(f);
}

static double ms_since(const struct timespec *a)
{
	struct timespec b;
	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) * 1e3 + (double)(b.tv_nsec - a->tv_nsec) / 1e6;
}

typedef struct {
	double login, keygen, sign; /* ms */
} took_t;

/* A device of the default profile, then one timed user login, RSA-2048 key generation and n
 * signatures. */
static took_t run(int n)
{
	static const CK_BYTE di[51] = { 0x30, 0x31 };
	CK_BYTE sig[512];
	CK_OBJECT_HANDLE pub, priv;
	struct timespec t;
	took_t r;
	fam_module_t m;
	fam_load(&m, "");
	CK_SLOT_ID slot = fam_device(&m, "timing");
	clock_gettime(CLOCK_MONOTONIC, &t);
	CK_SESSION_HANDLE s = fam_login(&m, slot);
	r.login = ms_since(&t);
	clock_gettime(CLOCK_MONOTONIC, &t);
	fam_rsa_keygen(&m, s, "timed", &pub, &priv);
	r.keygen = ms_since(&t);
	clock_gettime(CLOCK_MONOTONIC, &t);
	for (int i = 0; i < n; i++)
		cr_assert_eq(fam_sign(&m, s, priv, CKM_RSA_PKCS, di, sizeof(di), sig), 256);
	r.sign = ms_since(&t);
	hl_p11_module_free(m.mod);
	return r;
}

Test(timing, environment_switch_applies_the_declared_times)
{
	timed_lab(250, 25, 300, "");
	setenv("HSMLAB_TIMING", "1", 1);
	took_t r = run(10);
	cr_assert_geq(r.login, 250.0, "login took %.1f ms, declared 250", r.login);
	cr_assert_geq(r.keygen, 300.0, "keygen took %.1f ms, declared 300", r.keygen);
	cr_assert_geq(r.sign, 400.0, "10 signatures took %.1f ms, declared 10 x 40", r.sign);
}

Test(timing, lab_config_switch_applies_the_declared_times)
{
	timed_lab(200, 40, 100, "timing = true;");
	took_t r = run(8);
	cr_assert_geq(r.login, 200.0, "login took %.1f ms, declared 200", r.login);
	cr_assert_geq(r.sign, 200.0, "8 signatures took %.1f ms, declared 8 x 25", r.sign);
}

/* EC keys: the curve gives the size (P-384 here; the P-256 figures are fast, so a size not
 * found would not reach the bound). */
Test(timing, ec_key_size_comes_from_the_curve)
{
	static const CK_BYTE p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
	static const CK_BYTE di[48] = { 1 };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE pt[] = { { CKA_EC_PARAMS, (void *)p384, sizeof(p384) },
			      { CKA_VERIFY, &t, 1 } };
	CK_ATTRIBUTE kt[] = { { CKA_SIGN, &t, 1 }, { CKA_PRIVATE, &t, 1 } };
	CK_OBJECT_HANDLE pub, priv;
	CK_BYTE sig[512];
	struct timespec t0;
	timed_lab(1, 1, 1, "");
	setenv("HSMLAB_TIMING", "1", 1);
	fam_module_t m;
	fam_load(&m, "");
	CK_SESSION_HANDLE s = fam_login(&m, fam_device(&m, "timing"));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	cr_assert_eq(m.fn->C_GenerateKeyPair(s, &gen, pt, 2, kt, 2, &pub, &priv), CKR_OK);
	double keygen = ms_since(&t0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 5; i++)
		cr_assert_eq(fam_sign(&m, s, priv, CKM_ECDSA, di, sizeof(di), sig), 96);
	double signs = ms_since(&t0);
	hl_p11_module_free(m.mod);
	cr_assert_geq(keygen, 150.0, "P-384 keygen took %.1f ms, declared 150", keygen);
	cr_assert_geq(signs, 250.0, "5 P-384 signatures took %.1f ms, declared 5 x 50", signs);
}

/* Off by default, and the environment is read only at C_Initialize: figures of an hour per
 * login or key generation and a second per signature would run past the timeout if they
 * were applied. */
Test(timing, off_by_default_and_read_once, .timeout = 20)
{
	timed_lab(3600000, 1, 3600000, "");
	took_t r = run(30);
	cr_assert_lt(r.login, 3600000.0);
	fam_module_t m;
	fam_load(&m, "");
	setenv("HSMLAB_TIMING", "1", 1); /* after C_Initialize: not seen */
	CK_SLOT_ID slot;
	cr_assert_eq(hl_p11_find_slot(m.fn, "timing", &slot), CKR_OK);
	CK_SESSION_HANDLE s = fam_login(&m, slot);
	cr_assert_eq(m.fn->C_Logout(s), CKR_OK);
	hl_p11_module_free(m.mod);
}

/* A lab config whose timing key is no boolean fails C_Initialize, naming file, line, key. */
static void setup_stderr(void)
{
	setup();
	cr_redirect_stderr();
}

Test(timing, lab_config_switch_must_be_a_boolean, .init = setup_stderr)
{
	timed_lab(1, 1, 1, "timing = \"yes\";");
	unsetenv("HSMLAB_QUIET");
	char path[512], err[512] = "", out[1024] = "";
	fam_module_path("", path, sizeof(path));
	hl_p11_module_t *mod = hl_p11_module_load(path, 0, err, sizeof(err));
	cr_assert_null(mod, "a lab config with timing = \"yes\" loaded");
	fflush(stderr);
	FILE *f = cr_get_redirected_stderr();
	size_t n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = 0;
	char want[600];
	snprintf(want, sizeof(want), "%s:3: timing: must be true or false", lab.conf);
	cr_assert_not_null(strstr(out, want), "wanted \"%s\" in: %s", want, out);
}
