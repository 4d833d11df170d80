/* SPDX-License-Identifier: BSD-2-Clause
 * Test helpers for the signer (see helpers.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "helpers.h"

const char *th_corpus(void)
{
	const char *d = getenv("HSMLAB_CORPUS_DIR");
	char probe[1024];
	struct stat st;

	if (d != NULL) {
		snprintf(probe, sizeof(probe), "%s/iana-kskm/skr-root-2017-q1-0.xml", d);
		if (stat(probe, &st) == 0)
			return d;
	}
	/* It ships in fixtures/corpus: a skip here would read as a pass in ctest. */
	cr_assert_fail("the corpus is missing (HSMLAB_CORPUS_DIR=%s; it ships in fixtures/corpus)",
		       d ? d : "(unset)");
	return NULL;
}

const char *th_corpus_file(const char *rel, char *buf, size_t len)
{
	const char *d = th_corpus();

	snprintf(buf, len, "%s/%s", d ? d : "", rel);
	return buf;
}

static char made_dir[256];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Throw-away means thrown away: the token dir goes when the test process ends. */
static void rm_made_dir(void)
{
	if (made_dir[0] != '\0')
		nftw(made_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* When the module under test is one of the emulator's, a throw-away lab beside the SoftHSMv2
 * store, made by its console the way an operator would (hsmlab-admin lab create). */
static void emulator_lab(const char *dir)
{
	const char *m = getenv("HSMLAB_TEST_MODULE"), *base, *build = getenv("HSMLAB_BUILD_DIR");
	char conf[512], cmd[2048];
	FILE *f;

	if (m == NULL || m[0] == '\0')
		return;
	base = strrchr(m, '/') ? strrchr(m, '/') + 1 : m;
	if (strncmp(base, "libhsmlab", 9) != 0)
		return;
	cr_assert_not_null(build, "HSMLAB_BUILD_DIR is needed to find hsmlab-admin");
	snprintf(conf, sizeof(conf), "%s/hsmlab.conf", dir);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s/lab\";\nprofile_dir = \"%s/../profiles\";\n", dir,
		getenv("HSMLAB_SIGNER_FIXTURES"));
	fclose(f);
	setenv("HSMLAB_CONF", conf, 1);
	setenv("HSMLAB_QUIET", "1", 1);
	/* the console is only a setup step here; its own tests judge its leaks */
	snprintf(cmd, sizeof(cmd),
		 "ASAN_OPTIONS=detect_leaks=0 '%s/emulator/admin/hsmlab-admin' -m '%s' lab create "
		 "'%s/lab' >/dev/null",
		 build, m, dir);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
}

const char *th_softhsm_dir(void)
{
	static char dir[256];
	char conf[512], tokens[300];
	FILE *f;

	snprintf(dir, sizeof(dir), "/tmp/hsmlab-signer-test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(tokens, sizeof(tokens), "%s/tokens", dir);
	cr_assert_eq(mkdir(tokens, 0700), 0);
	snprintf(conf, sizeof(conf), "%s/softhsm2.conf", dir);
	f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n",
		tokens);
	fclose(f);
	setenv("SOFTHSM2_CONF", conf, 1);
	emulator_lab(dir);
	if (made_dir[0] == '\0')
		atexit(rm_made_dir);
	snprintf(made_dir, sizeof(made_dir), "%s", dir);
	return dir;
}

static int init_in_slot(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot, const char *label)
{
	CK_UTF8CHAR lab[32];
	CK_SESSION_HANDLE s;
	size_t n = strlen(label);
	int rc = -1;

	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, n > 32 ? 32 : n);
	if (fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)TH_SO_PIN, 8, lab) != CKR_OK ||
	    fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK)
		return -1;
	if (fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)TH_SO_PIN, 8) == CKR_OK &&
	    fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)TH_PIN, 8) == CKR_OK)
		rc = 0;
	fn->C_Logout(s);
	fn->C_CloseSession(s);
	return rc;
}

/* A vendor module's free device, set up by the lab console's token init (the vendor's own
 * sequence: K7, L12), with the same PINs; cards go beside the lab. */
static int init_by_console(const char *module, const char *label)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd),
		 "ASAN_OPTIONS=detect_leaks=0 '%s/emulator/admin/hsmlab-admin' -m '%s' "
		 "--so-pin %s --pin %s --cards '%s/cards' token init "
		 "\"$('%s/emulator/admin/hsmlab-admin' -m '%s' device list | "
		 "awk '$3 == \"free\" { print $1; exit }')\" '%s' >/dev/null",
		 getenv("HSMLAB_BUILD_DIR"), module, TH_SO_PIN, TH_PIN, made_dir,
		 getenv("HSMLAB_BUILD_DIR"), module, label);
	return system(cmd) == 0 ? 0 : -1;
}

int th_init_token(const char *module, const char *label)
{
	const char *base = strrchr(module, '/') ? strrchr(module, '/') + 1 : module;
	if (strncmp(base, "libhsmlab-", 10) == 0)
		return init_by_console(module, label);
	char err[256];
	hl_p11_module_t *m = hl_p11_module_load(module, 0, err, sizeof(err));
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32;
	int rc = -1;

	if (m == NULL) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	fn = hl_p11_module_fn(m);
	if (fn->C_GetSlotList(CK_FALSE, slots, &n) == CKR_OK) {
		for (CK_ULONG i = 0; i < n; i++) {
			CK_TOKEN_INFO ti;
			if (fn->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
			    !(ti.flags & CKF_TOKEN_INITIALIZED)) {
				rc = init_in_slot(fn, slots[i], label);
				break;
			}
		}
	}
	hl_p11_module_free(m);
	return rc;
}

const char *th_module(void)
{
	const char *m = getenv("HSMLAB_TEST_MODULE");

	if (m == NULL || m[0] == '\0')
		m = getenv("HSMLAB_SOFTHSM2_MODULE");
	cr_assert(m != NULL && m[0] != '\0', "no PKCS#11 module to test against");
	return m;
}

/* Logs in to the test token (user PIN 1234) through the signer's own module code. */
static int open_token(const char *module, const char *token, hl_hsm_module_t *m, hl_err_t *e)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->name, sizeof(m->name), "test");
	snprintf(m->library, sizeof(m->library), "%s", module);
	snprintf(m->token, sizeof(m->token), "%s", token);
	m->pin_source = HL_PIN_ENV;
	snprintf(m->pin_arg, sizeof(m->pin_arg), "TH_PIN");
	setenv("TH_PIN", TH_PIN, 1);
	return hl_hsm_open(m, e);
}

int th_import(const char *module, const char *token, const char *const *pem_label, size_t n)
{
	hl_hsm_module_t m;
	hl_err_t e;
	int rc = 0;

	if (open_token(module, token, &m, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	for (size_t i = 0; rc == 0 && i < n; i++) {
		rc = hl_hsm_import_pem(&m, pem_label[2 * i], pem_label[2 * i + 1], &e);
		if (rc != 0)
			fprintf(stderr, "%s\n", e.msg);
	}
	hl_hsm_close(&m);
	return rc;
}

const char *th_write(const char *dir, const char *name, const char *text)
{
	static char path[8][512];
	static int next;
	char *p = path[next++ % 8];
	FILE *f;

	snprintf(p, 512, "%s/%s", dir, name);
	f = fopen(p, "w");
	cr_assert_not_null(f, "%s", p);
	fputs(text, f);
	fclose(f);
	return p;
}

static EVP_PKEY *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pk = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;

	if (f)
		fclose(f);
	return pk;
}

static int bn_attr(const EVP_PKEY *pk, const char *name, CK_ATTRIBUTE_TYPE type, CK_ATTRIBUTE *a)
{
	BIGNUM *bn = NULL;
	int len;

	if (EVP_PKEY_get_bn_param(pk, name, &bn) != 1)
		return -1;
	len = BN_num_bytes(bn);
	a->type = type;
	a->pValue = malloc((size_t)len);
	a->ulValueLen = (CK_ULONG)len;
	BN_bn2bin(bn, a->pValue);
	BN_free(bn);
	return 0;
}

int th_import_mismatched(const char *module, const char *token, const char *pem_priv,
			 const char *pem_pub, const char *label)
{
	static const char *const names[8] = { "n",
					      "e",
					      "d",
					      "rsa-factor1",
					      "rsa-factor2",
					      "rsa-exponent1",
					      "rsa-exponent2",
					      "rsa-coefficient1" };
	static const CK_ATTRIBUTE_TYPE types[8] = { CKA_MODULUS,          CKA_PUBLIC_EXPONENT,
						    CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
						    CKA_PRIME_2,          CKA_EXPONENT_1,
						    CKA_EXPONENT_2,       CKA_COEFFICIENT };
	EVP_PKEY *priv = read_pem(pem_priv), *pub = read_pem(pem_pub);
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = CKK_RSA;
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[14] = { { CKA_CLASS, &cls, sizeof(cls) },
			       { CKA_KEY_TYPE, &kt, sizeof(kt) },
			       { CKA_TOKEN, &yes, 1 },
			       { CKA_SIGN, &yes, 1 },
			       { CKA_PRIVATE, &yes, 1 },
			       { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	hl_hsm_module_t m;
	hl_err_t e;
	CK_OBJECT_HANDLE h;
	int rc = -1;

	if (priv == NULL || pub == NULL)
		goto out;
	for (int i = 0; i < 8; i++)
		if (bn_attr(i < 2 ? pub : priv, names[i], types[i], &t[6 + i]) != 0)
			goto out;
	if (open_token(module, token, &m, &e) != 0)
		goto out;
	rc = m.fn->C_CreateObject(m.session, t, 14, &h) == CKR_OK ? 0 : -1;
	hl_hsm_close(&m);
out:
	for (int i = 6; i < 14; i++)
		free(t[i].pValue);
	EVP_PKEY_free(priv);
	EVP_PKEY_free(pub);
	return rc;
}
