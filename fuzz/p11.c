/* SPDX-License-Identifier: BSD-2-Clause
 * Fuzz target: PKCS#11 attribute templates and mechanism parameters, through the strict
 * module's entry points (the static core linked in-process). The input is read as:
 *   op (1 byte), mechanism (1 byte: a table index, or 0xff then 4 bytes of raw type),
 *   parameter (1 length byte, then that many bytes), then templates: a count byte, then per
 *   attribute a 4-byte type, a length byte and that many value bytes (length 0xfe: a NULL
 *   value of length 0; 0xff: a NULL value of length 4, which the module must refuse).
 * Ops: C_CreateObject, C_FindObjectsInit (+ FindObjects, Final), C_GenerateKeyPair, C_GenerateKey,
 * C_SignInit (+ C_Sign), C_GetAttributeValue on a key made at start, C_SetAttributeValue on a
 * fresh data object.
 * Objects made are destroyed again, so the store does not grow over a run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"
#include "hsmlab/pkcs11.h"

#define MAX_ATTRS 32

static CK_FUNCTION_LIST_PTR fn;
static CK_SESSION_HANDLE sess;
static CK_OBJECT_HANDLE keys[3]; /* RSA private, EC private, AES */

static const CK_MECHANISM_TYPE mechs[] = {
	CKM_RSA_PKCS_KEY_PAIR_GEN, CKM_RSA_PKCS,      CKM_SHA256_RSA_PKCS, CKM_RSA_PKCS_PSS,
	CKM_SHA256_RSA_PKCS_PSS,   CKM_RSA_PKCS_OAEP, CKM_EC_KEY_PAIR_GEN, CKM_ECDSA,
	CKM_ECDSA_SHA256,          CKM_AES_KEY_GEN,   CKM_AES_CBC_PAD,     CKM_AES_KEY_WRAP_PAD,
	CKM_DES3_KEY_GEN,          CKM_SHA256_HMAC,   CKM_SHA256,          CKM_RSA_X_509,
};

typedef struct {
	const uint8_t *p;
	size_t left;
} reader_t;

static int take(reader_t *r, void *out, size_t n)
{
	if (r->left < n)
		return -1;
	memcpy(out, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static void check(CK_RV rv, const char *what)
{
	if (rv != CKR_OK) {
		fprintf(stderr, "fuzz p11 set-up: %s: 0x%lx\n", what, rv);
		abort();
	}
}

/* One template; values point into the input (the module must not keep them). */
static CK_ULONG read_template(reader_t *r, CK_ATTRIBUTE *t)
{
	uint8_t count = 0, len;
	uint32_t type;
	CK_ULONG n = 0;

	take(r, &count, 1);
	while (n < count && n < MAX_ATTRS && take(r, &type, 4) == 0 && take(r, &len, 1) == 0) {
		t[n].type = type;
		if (len >= 0xfe) {
			t[n].pValue = NULL;
			t[n].ulValueLen = len == 0xff ? 4 : 0;
		} else {
			if (r->left < len)
				break;
			t[n].pValue = (void *)r->p;
			t[n].ulValueLen = len;
			r->p += len;
			r->left -= len;
		}
		n++;
	}
	return n;
}

static CK_OBJECT_HANDLE make_key(CK_MECHANISM_TYPE m, CK_ATTRIBUTE *pub, CK_ULONG npub,
				 CK_ATTRIBUTE *priv, CK_ULONG npriv)
{
	CK_MECHANISM mech = { m, NULL, 0 };
	CK_OBJECT_HANDLE h1, h2;

	if (pub == NULL)
		check(fn->C_GenerateKey(sess, &mech, priv, npriv, &h1), "C_GenerateKey");
	else
		check(fn->C_GenerateKeyPair(sess, &mech, pub, npub, priv, npriv, &h1, &h2),
		      "C_GenerateKeyPair");
	return pub == NULL ? h1 : h2;
}

static void make_keys(void)
{
	static CK_ULONG bits = 2048, aes_len = 32;
	static CK_BBOOL yes = CK_TRUE;
	static const uint8_t p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_ATTRIBUTE rsa_pub[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	CK_ATTRIBUTE ec_pub[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_ATTRIBUTE priv[] = { { CKA_SIGN, &yes, sizeof(yes) } };
	CK_ATTRIBUTE aes[] = { { CKA_VALUE_LEN, &aes_len, sizeof(aes_len) },
			       { CKA_ENCRYPT, &yes, sizeof(yes) } };

	keys[0] = make_key(CKM_RSA_PKCS_KEY_PAIR_GEN, rsa_pub, 1, priv, 1);
	keys[1] = make_key(CKM_EC_KEY_PAIR_GEN, ec_pub, 1, priv, 1);
	keys[2] = make_key(CKM_AES_KEY_GEN, NULL, 0, aes, 2);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	CK_SLOT_ID slot;
	CK_ULONG n = 1;
	CK_UTF8CHAR label[32];
	char conf[600], lab[512];
	int len = snprintf(conf, sizeof(conf), "lab_dir = \"%s/lab\";\n", hl_fuzz_dir());

	snprintf(lab, sizeof(lab), "%s/lab", hl_fuzz_dir());
	if (mkdir(lab, 0700) != 0)
		abort();

	setenv("HSMLAB_CONF", hl_fuzz_file("hsmlab.conf", (const uint8_t *)conf, (size_t)len), 1);
	setenv("HSMLAB_PROFILE_DIR", HSMLAB_FUZZ_SOURCE_DIR "/fixtures/profiles", 1);
	setenv("HSMLAB_QUIET", "1", 1);
	check(C_GetFunctionList(&fn), "C_GetFunctionList");
	check(fn->C_Initialize(NULL), "C_Initialize");
	check(fn->C_GetSlotList(CK_TRUE, &slot, &n), "C_GetSlotList");
	memset(label, ' ', sizeof(label));
	check(fn->C_InitToken(slot, (CK_UTF8CHAR_PTR) "12345678", 8, label), "C_InitToken");
	check(fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &sess),
	      "C_OpenSession");
	check(fn->C_Login(sess, CKU_SO, (CK_UTF8CHAR_PTR) "12345678", 8), "C_Login SO");
	check(fn->C_InitPIN(sess, (CK_UTF8CHAR_PTR) "123456", 6), "C_InitPIN");
	check(fn->C_Logout(sess), "C_Logout");
	check(fn->C_Login(sess, CKU_USER, (CK_UTF8CHAR_PTR) "123456", 6), "C_Login user");
	make_keys();
	return 0;
}

/* A created object is destroyed again; a failure to is a bug of the module. */
static void destroy(CK_OBJECT_HANDLE h)
{
	check(fn->C_DestroyObject(sess, h), "C_DestroyObject of an object just made");
}

/* An RSA key pair bigger than 2048 bits takes seconds: the harness skips it (the size check
 * itself is exercised by every smaller and malformed value). */
static int too_slow(const CK_ATTRIBUTE *t, CK_ULONG n)
{
	for (CK_ULONG i = 0; i < n; i++) {
		CK_ULONG bits = 0;
		if (t[i].type == CKA_MODULUS_BITS && t[i].pValue != NULL) {
			memcpy(&bits, t[i].pValue,
			       t[i].ulValueLen < sizeof(bits) ? t[i].ulValueLen : sizeof(bits));
			if (bits > 2048)
				return 1;
		}
	}
	return 0;
}

static void find(CK_ATTRIBUTE *t, CK_ULONG n)
{
	CK_OBJECT_HANDLE found[8];
	CK_ULONG count = 0;

	if (fn->C_FindObjectsInit(sess, t, n) != CKR_OK)
		return;
	fn->C_FindObjects(sess, found, 8, &count);
	check(fn->C_FindObjectsFinal(sess), "C_FindObjectsFinal after a search began");
}

static void sign(CK_MECHANISM *m, uint8_t which)
{
	uint8_t sig[1024], data[32] = { 1, 2, 3 };
	CK_ULONG len = sizeof(sig);

	if (fn->C_SignInit(sess, m, keys[which % 3]) != CKR_OK)
		return;
	/* Ends the operation whatever the outcome (a refused length ends it too). */
	if (fn->C_Sign(sess, data, sizeof(data), sig, &len) == CKR_BUFFER_TOO_SMALL)
		fn->C_SignFinal(sess, NULL, &len);
}

/* A fresh session object to change: set-attribute inputs must not alter the keys the
 * other inputs use (a run stays reproducible input by input). */
static CK_OBJECT_HANDLE scratch(void)
{
	static CK_OBJECT_CLASS cls = CKO_DATA;
	static CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_MODIFIABLE, &yes, sizeof(yes) },
			     { CKA_LABEL, "scratch", 7 } };
	CK_OBJECT_HANDLE h;
	check(fn->C_CreateObject(sess, t, 3, &h), "C_CreateObject of a scratch object");
	return h;
}

static void attributes(CK_ATTRIBUTE *t, CK_ULONG n, uint8_t which, int set)
{
	/* Read into a copy whose values are the module's to fill. */
	uint8_t bufs[MAX_ATTRS][256];
	CK_ATTRIBUTE copy[MAX_ATTRS];

	if (set) {
		CK_OBJECT_HANDLE h = scratch();
		fn->C_SetAttributeValue(sess, h, t, n);
		destroy(h);
		return;
	}
	for (CK_ULONG i = 0; i < n; i++) {
		copy[i] = t[i];
		if (copy[i].pValue != NULL)
			copy[i].pValue = bufs[i];
	}
	fn->C_GetAttributeValue(sess, keys[which % 3], copy, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	reader_t r = { data, size };
	CK_ATTRIBUTE t1[MAX_ATTRS], t2[MAX_ATTRS];
	CK_OBJECT_HANDLE h1 = CK_INVALID_HANDLE, h2 = CK_INVALID_HANDLE;
	uint8_t op = 0, sel = 0, plen = 0;
	_Alignas(16) uint8_t param[255]; /* an application passes its parameter structs aligned */
	CK_MECHANISM m = { 0, NULL, 0 };
	uint32_t raw;
	CK_ULONG n1, n2;

	if (take(&r, &op, 1) != 0 || take(&r, &sel, 1) != 0)
		return 0;
	if (sel == 0xff && take(&r, &raw, 4) == 0)
		m.mechanism = raw;
	else
		m.mechanism = mechs[sel % (sizeof(mechs) / sizeof(mechs[0]))];
	if (take(&r, &plen, 1) == 0 && take(&r, param, plen) == 0 && plen > 0) {
		m.pParameter = param;
		m.ulParameterLen = plen;
	}
	n1 = read_template(&r, t1);
	n2 = read_template(&r, t2);
	switch (op % 7) {
	case 0:
		if (fn->C_CreateObject(sess, t1, n1, &h1) == CKR_OK)
			destroy(h1);
		break;
	case 1:
		find(t1, n1);
		break;
	case 2:
		if (too_slow(t1, n1))
			break;
		if (fn->C_GenerateKeyPair(sess, &m, t1, n1, t2, n2, &h1, &h2) == CKR_OK) {
			destroy(h1);
			destroy(h2);
		}
		break;
	case 3:
		if (fn->C_GenerateKey(sess, &m, t1, n1, &h1) == CKR_OK)
			destroy(h1);
		break;
	case 4:
		sign(&m, plen);
		break;
	default:
		attributes(t1, n1, sel, op % 7 == 6);
		break;
	}
	return 0;
}
