/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab family tests: load a built vendor module into a throw-away lab, make and initialize
 * a device through the "hsmlab admin" extension table, sign with a fresh RSA key. Header
 * only, shared by the family tests. */
#pragma once

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hsmlab/hsmlab-ext.h"
#include "hsmlab/p11client.h"
#include "testlab.h"

#define FAM_SO_PIN "12345678"
#define FAM_PIN "87654321"

typedef struct {
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	HSMLAB_EXT_FUNCTION_LIST *ext;
} fam_module_t;

/* The built module of a family ("" for the generic libhsmlab.so). */
static inline void fam_module_path(const char *family, char *out, size_t n)
{
	const char *b = getenv("HSMLAB_BUILD_DIR");
	cr_assert_not_null(b, "HSMLAB_BUILD_DIR not set");
	snprintf(out, n, "%s/emulator/module/libhsmlab%s%s.so", b, family[0] ? "-" : "", family);
}

/* A user profile: the shipped profiles copied to <lab_dir>/profiles, plus NAME made from
 * BASE renamed and edited by the sed expressions sed (e.g. a switch turned on); points
 * HSMLAB_PROFILE_DIR at the copy and writes its path to dir (n bytes). */
static inline void fam_user_profile(const char *lab_dir, const char *base, const char *name,
				    const char *sed, char *dir, size_t n)
{
	char cmd[2048];
	snprintf(dir, n, "%s/profiles", lab_dir);
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p %s && cp %s/*.conf %s/ && sed -e 's/name = \"%s\"/name = \"%s\"/' %s "
		 "%s/%s.conf > %s/%s.conf",
		 dir, getenv("HSMLAB_PROFILE_DIR"), dir, base, name, sed, dir, base, dir, name);
	cr_assert_eq(system(cmd), 0, "%s", cmd);
	setenv("HSMLAB_PROFILE_DIR", dir, 1);
}

static inline void fam_load(fam_module_t *m, const char *family)
{
	char path[512], err[512] = "";
	fam_module_path(family, path, sizeof(path));
	m->mod = hl_p11_module_load(path, 0, err, sizeof(err));
	cr_assert_not_null(m->mod, "%s", err);
	m->fn = hl_p11_module_fn(m->mod);
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(m->mod);
	cr_assert_not_null(fn3);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_EXT_VERSION_MAJOR, HSMLAB_EXT_VERSION_MINOR };
	cr_assert_eq(fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_EXT_INTERFACE_NAME, &v, &itf, 0),
		     CKR_OK);
	m->ext = itf->pFunctionList;
}

static inline bool fam_keyper_token(fam_module_t *m, CK_SLOT_ID slot, const char *label);
static inline bool fam_luna_token(fam_module_t *m, CK_SLOT_ID slot, const char *label);

/* A new device of the module's family, its token initialized with FAM_SO_PIN and FAM_PIN
 * (a Keyper by its vendor sequence, activated: K7, K10). */
static inline CK_SLOT_ID fam_device(fam_module_t *m, const char *label)
{
	CK_SLOT_ID slot = 0;
	CK_SESSION_HANDLE s;
	CK_UTF8CHAR lab[32];
	cr_assert_eq(m->ext->device_create(NULL, &slot, NULL), CKR_OK, "%s", m->ext->last_error());
	if (fam_keyper_token(m, slot, label) || fam_luna_token(m, slot, label))
		return slot;
	memset(lab, ' ', sizeof(lab));
	memcpy(lab, label, strlen(label));
	CK_RV rv = m->fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8, lab);
	cr_assert_eq(rv, CKR_OK, "C_InitToken: %s", hl_ckr_name(rv));
	cr_assert_eq(
	    m->fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	cr_assert_eq(m->fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)FAM_SO_PIN, 8), CKR_OK);
	cr_assert_eq(m->fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)FAM_PIN, 8), CKR_OK);
	m->fn->C_CloseSession(s);
	return slot;
}

/* A user session on slot. */
static inline CK_SESSION_HANDLE fam_login(fam_module_t *m, CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s;
	cr_assert_eq(
	    m->fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s),
	    CKR_OK);
	CK_RV rv = m->fn->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)FAM_PIN, 8);
	cr_assert_eq(rv, CKR_OK, "C_Login: %s", hl_ckr_name(rv));
	return s;
}

/* An RSA-2048 token key pair labelled label (private key handle in *priv). */
static inline void fam_rsa_keygen(fam_module_t *m, CK_SESSION_HANDLE s, const char *label,
				  CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE e[] = { 1, 0, 1 };
	CK_BBOOL t = CK_TRUE;
	CK_ATTRIBUTE pt[] = { { CKA_TOKEN, &t, 1 },
			      { CKA_VERIFY, &t, 1 },
			      { CKA_MODULUS_BITS, &bits, sizeof(bits) },
			      { CKA_PUBLIC_EXPONENT, e, 3 },
			      { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_ATTRIBUTE kt[] = { { CKA_TOKEN, &t, 1 },
			      { CKA_SIGN, &t, 1 },
			      { CKA_PRIVATE, &t, 1 },
			      { CKA_SENSITIVE, &t, 1 },
			      { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) } };
	CK_RV rv = m->fn->C_GenerateKeyPair(s, &mech, pt, 5, kt, 5, pub, priv);
	cr_assert_eq(rv, CKR_OK, "C_GenerateKeyPair: %s", hl_ckr_name(rv));
}

/* Signs data with mechanism mech; returns the signature length (sig holds 512 bytes). */
static inline CK_ULONG fam_sign(fam_module_t *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
				CK_MECHANISM_TYPE mech, const void *data, CK_ULONG len,
				CK_BYTE sig[512])
{
	CK_MECHANISM mm = { mech, NULL, 0 };
	CK_ULONG n = 512;
	CK_RV rv = m->fn->C_SignInit(s, &mm, key);
	cr_assert_eq(rv, CKR_OK, "C_SignInit %s: %s", hl_ckm_name(mech), hl_ckr_name(rv));
	rv = m->fn->C_Sign(s, (CK_BYTE_PTR)data, len, sig, &n);
	cr_assert_eq(rv, CKR_OK, "C_Sign %s: %s", hl_ckm_name(mech), hl_ckr_name(rv));
	return n;
}

static inline CK_RV fam_verify(fam_module_t *m, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key,
			       CK_MECHANISM_TYPE mech, const void *data, CK_ULONG len,
			       const CK_BYTE *sig, CK_ULONG slen)
{
	CK_MECHANISM mm = { mech, NULL, 0 };
	CK_RV rv = m->fn->C_VerifyInit(s, &mm, key);
	return rv == CKR_OK ? m->fn->C_Verify(s, (CK_BYTE_PTR)data, len, (CK_BYTE_PTR)sig, slen)
			    : rv;
}

/* The families of the devices a module lists (comma separated, in slot order). */
static inline void fam_listed(fam_module_t *m, char *out, size_t n)
{
	hsmlab_device_info_t list[16];
	CK_ULONG count = 16;
	cr_assert_eq(m->ext->device_list(list, &count), CKR_OK);
	out[0] = 0;
	for (CK_ULONG i = 0; i < count; i++)
		snprintf(out + strlen(out), n - strlen(out), "%s%s", i ? "," : "", list[i].family);
}

#include "hsmlab/hsmlab-family.h"

/* The module's "hsmlab family" table, or NULL when it offers none. */
static inline HSMLAB_FAMILY_FUNCTION_LIST *fam_ext(fam_module_t *m)
{
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(m->mod);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR };
	if (fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_FAMILY_INTERFACE_NAME, &v, &itf, 0) !=
	    CKR_OK)
		return NULL;
	return itf->pFunctionList;
}

#include "hsmlab/hsmlab-keyper.h"

/* The module's "hsmlab keyper" table, or NULL (not the Keyper module). */
static inline const HSMLAB_KEYPER_FUNCTION_LIST *fam_keyper(fam_module_t *m)
{
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(m->mod);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_KEYPER_VERSION_MAJOR, HSMLAB_KEYPER_VERSION_MINOR };
	if (fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_KEYPER_INTERFACE_NAME, &v, &itf, 0) !=
	    CKR_OK)
		return NULL;
	return itf->pFunctionList;
}

/* The card files <lab>/cards/<serial>/<kind>-<i>.card of a device (paths[i], i < n). */
static inline void fam_keyper_cards(fam_module_t *m, CK_SLOT_ID slot, const char *kind, CK_ULONG n,
				    char buf[][1200], const char **paths)
{
	char lab[1024];
	hsmlab_device_info_t d;
	cr_assert_eq(m->ext->lab_info(lab, sizeof(lab), NULL, 0, NULL, 0), CKR_OK);
	cr_assert_eq(m->ext->device_info(slot, &d), CKR_OK);
	for (CK_ULONG i = 0; i < n; i++) {
		snprintf(buf[i], 1200, "%s/cards/%s/%s-%lu.card", lab, d.serial, kind, i + 1);
		paths[i] = buf[i];
	}
}

/* A Keyper token set up as its console's token init does (SO cards, SMK 5 of 7, OP cards,
 * the init step, activation with OP cards 1-3); false on another module. */
static inline bool fam_keyper_token(fam_module_t *m, CK_SLOT_ID slot, const char *label)
{
	const HSMLAB_KEYPER_FUNCTION_LIST *k = fam_keyper(m);
	HSMLAB_FAMILY_FUNCTION_LIST *f = fam_ext(m);
	char lab[1024], dir[1300], so[1][1200], op[3][1200];
	const char *so_paths[1], *op_paths[3];
	hsmlab_device_info_t d;
	if (!k)
		return false;
	cr_assert_eq(m->ext->lab_info(lab, sizeof(lab), NULL, 0, NULL, 0), CKR_OK);
	cr_assert_eq(m->ext->device_info(slot, &d), CKR_OK);
	snprintf(dir, sizeof(dir), "%s/cards", lab);
	mkdir(dir, 0700);
	snprintf(dir, sizeof(dir), "%s/cards/%s", lab, d.serial);
	mkdir(dir, 0700);
	fam_keyper_cards(m, slot, "keyper-so", 1, so, so_paths);
	fam_keyper_cards(m, slot, "keyper-op", 3, op, op_paths);
	cr_assert_eq(k->so_cards(slot, dir, NULL), CKR_OK, "%s", f->last_error());
	cr_assert_eq(f->domain_create(slot, d.serial, dir, 5, 7, NULL), CKR_OK, "%s",
		     f->last_error());
	cr_assert_eq(k->op_cards(slot, so_paths, 1, dir, NULL), CKR_OK, "%s", f->last_error());
	cr_assert_eq(k->init(slot, so_paths, 1, label, FAM_SO_PIN, FAM_PIN, NULL), CKR_OK, "%s",
		     f->last_error());
	cr_assert_eq(k->activate(slot, op_paths, 3, NULL), CKR_OK, "%s", f->last_error());
	return true;
}

#include "hsmlab/hsmlab-luna.h"

/* The module's "hsmlab luna" table, or NULL (not the Luna module). */
static inline const HSMLAB_LUNA_FUNCTION_LIST *fam_luna(fam_module_t *m)
{
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(m->mod);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_LUNA_VERSION_MAJOR, HSMLAB_LUNA_VERSION_MINOR };
	if (fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_LUNA_INTERFACE_NAME, &v, &itf, 0) != CKR_OK)
		return NULL;
	return itf->pFunctionList;
}

/* A Luna token set up as its console's token init does (L12: STM recovered, hard init, the
 * partition with FAM_SO_PIN as HSM SO and Partition SO, the CO with FAM_PIN); false on
 * another module. */
static inline bool fam_luna_token(fam_module_t *m, CK_SLOT_ID slot, const char *label)
{
	const HSMLAB_LUNA_FUNCTION_LIST *l = fam_luna(m);
	HSMLAB_FAMILY_FUNCTION_LIST *f = fam_ext(m);
	hsmlab_luna_status_t st;
	if (!l)
		return false;
	hsmlab_luna_auth_t factory = { .method = HSMLAB_LUNA_AUTH_PASSWORD,
				       .password = HSMLAB_LUNA_FACTORY_SO_PASSWORD };
	hsmlab_luna_auth_t so = { .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = FAM_SO_PIN };
	hsmlab_luna_cred_t cred = { .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = FAM_SO_PIN };
	hsmlab_luna_cred_t co = { .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = FAM_PIN };
	cr_assert_eq(l->hsmlab_CA_GetStatus(slot, &st), CKR_OK, "%s", f->last_error());
	cr_assert_eq(l->hsmlab_CA_RecoverSTM(slot, st.user_string, st.fingerprint, &factory),
		     CKR_OK, "%s", f->last_error());
	cr_assert_eq(l->hsmlab_CA_InitHSM(slot, label, &cred, NULL, &cred), CKR_OK, "%s",
		     f->last_error());
	cr_assert_eq(l->hsmlab_CA_CreatePartition(slot, label, &so, &cred, &cred), CKR_OK, "%s",
		     f->last_error());
	cr_assert_eq(l->hsmlab_CA_InitRole(slot, HSMLAB_LUNA_ROLE_CO, &so, &co), CKR_OK, "%s",
		     f->last_error());
	return true;
}

/* -- finding the lab: the tests of the variables and files a module reads (K6, Chrystoki) -- */

/* A throw-away dir (dir: at least 64 bytes, named after what) with no HSMLAB_CONF, and HOME
 * and XDG inside it, so that a fallback to the default lab shows as <dir>/data/hsmlab/lab. */
static inline void fam_bare_env(char *dir, size_t n, const char *what)
{
	char p[160];
	snprintf(dir, n, "/tmp/hsmlab-%s-XXXXXX", what);
	cr_assert_not_null(mkdtemp(dir));
	unsetenv("HSMLAB_CONF");
	setenv("HSMLAB_QUIET", "1", 1);
	const char *const vars[][2] = { { "HOME", "home" },
					{ "XDG_CONFIG_HOME", "config" },
					{ "XDG_DATA_HOME", "data" } };
	for (size_t i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, vars[i][1]);
		setenv(vars[i][0], p, 1);
	}
}

static inline void fam_bare_env_remove(const char *dir)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* The family's module loaded (its admin table in m->ext) and the rv of C_Initialize. */
static inline CK_RV fam_init(fam_module_t *m, const char *family)
{
	char path[512], err[512] = "";
	fam_module_path(family, path, sizeof(path));
	m->mod = hl_p11_module_load(path, 1, err, sizeof(err));
	cr_assert_not_null(m->mod, "%s", err);
	m->fn = hl_p11_module_fn(m->mod);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_EXT_VERSION_MAJOR, HSMLAB_EXT_VERSION_MINOR };
	cr_assert_eq(hl_p11_module_fn3(m->mod)->C_GetInterface(
			 (CK_UTF8CHAR_PTR)HSMLAB_EXT_INTERFACE_NAME, &v, &itf, 0),
		     CKR_OK);
	m->ext = itf->pFunctionList;
	return m->fn->C_Initialize(NULL);
}

/* HSMLAB_CONF set to <dir>/hsmlab.conf naming the lab <dir>/<sub> (made here), whose path
 * goes to lab (n bytes). */
static inline void fam_hsmlab_conf(const char *dir, const char *sub, char *lab, size_t n)
{
	char conf[256];
	snprintf(lab, n, "%s/%s", dir, sub);
	cr_assert_eq(mkdir(lab, 0700), 0);
	snprintf(conf, sizeof(conf), "%s/hsmlab.conf", dir);
	FILE *f = fopen(conf, "w");
	cr_assert_not_null(f);
	fprintf(f, "lab_dir = \"%s\";\n", lab);
	fclose(f);
	setenv("HSMLAB_CONF", conf, 1);
}
