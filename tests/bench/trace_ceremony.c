/* SPDX-License-Identifier: BSD-2-Clause
 * The ceremony signer's call pattern, for recording a trace through libhsmlab-trace.so
 * (fixtures/traces/record.sh): IANA's signer is Python, so this small client makes the same
 * PKCS#11 calls in the same order.
 *   hsmlab-trace-ceremony MODULE keygen LABEL PIN   the KSK, made as a ceremony makes it
 *   hsmlab-trace-ceremony MODULE sign LABEL PIN     load, C_Initialize twice, read-only
 *       sessions on every slot, login on the token holding LABEL, find the key by label and
 *       class, read CKA_MODULUS and CKA_PUBLIC_EXPONENT from the private key, then the
 *       two-call CKM_RSA_X_509 sign of an EMSA-PKCS1-v1_5 block (length query, then sign).
 * Exit 0 when every step did what a ceremony needs, else 1 with the failing step named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/p11client.h"

#define MAX_SLOTS 16

static int fail(const char *step, CK_RV rv)
{
	fprintf(stderr, "hsmlab-trace-ceremony: %s: %s\n", step, hl_ckr_name(rv));
	return 1;
}

static int keygen(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const char *label)
{
	CK_MECHANISM mech = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ULONG bits = 2048;
	CK_BYTE e[] = { 1, 0, 1 };
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_ULONG llen = (CK_ULONG)strlen(label);
	CK_ATTRIBUTE pub[] = {
		{ CKA_LABEL, (void *)label, llen },
		{ CKA_TOKEN, &yes, 1 },
		{ CKA_VERIFY, &yes, 1 },
		{ CKA_MODULUS_BITS, &bits, sizeof bits },
		{ CKA_PUBLIC_EXPONENT, e, sizeof e },
	};
	CK_ATTRIBUTE priv[] = {
		{ CKA_LABEL, (void *)label, llen }, { CKA_TOKEN, &yes, 1 },
		{ CKA_PRIVATE, &yes, 1 },           { CKA_SENSITIVE, &yes, 1 },
		{ CKA_EXTRACTABLE, &no, 1 },        { CKA_SIGN, &yes, 1 },
	};
	CK_OBJECT_HANDLE hpub, hpriv;
	CK_RV rv = fn->C_GenerateKeyPair(s, &mech, pub, 5, priv, 6, &hpub, &hpriv);

	return rv == CKR_OK ? 0 : fail("C_GenerateKeyPair", rv);
}

/* The KSK by label and class, in batches of one as the ceremony tools read them. */
static CK_RV find_key(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const char *label,
		      CK_OBJECT_HANDLE *key)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[] = { { CKA_LABEL, (void *)label, (CK_ULONG)strlen(label) },
			     { CKA_CLASS, &cls, sizeof cls } };
	CK_ULONG n = 0;
	CK_RV rv = fn->C_FindObjectsInit(s, t, 2);

	if (rv != CKR_OK)
		return rv;
	rv = fn->C_FindObjects(s, key, 1, &n);
	fn->C_FindObjectsFinal(s);
	return rv == CKR_OK && n == 0 ? CKR_KEY_HANDLE_INVALID : rv;
}

static int sign(CK_FUNCTION_LIST_PTR fn, CK_SESSION_HANDLE s, const char *label)
{
	CK_ATTRIBUTE t[] = { { CKA_MODULUS, NULL, 0 }, { CKA_PUBLIC_EXPONENT, NULL, 0 } };
	CK_MECHANISM mech = { CKM_RSA_X_509, NULL, 0 };
	CK_OBJECT_HANDLE key;
	unsigned char block[512], sig[512];
	CK_ULONG siglen = 0;
	CK_RV rv = find_key(fn, s, label, &key);

	if (rv != CKR_OK)
		return fail("find the KSK", rv);
	if ((rv = fn->C_GetAttributeValue(s, key, t, 2)) != CKR_OK)
		return fail("C_GetAttributeValue (lengths)", rv);
	if (t[0].ulValueLen > sizeof block || t[1].ulValueLen > 16)
		return fail("public values too long", CKR_GENERAL_ERROR);
	t[0].pValue = malloc(t[0].ulValueLen);
	t[1].pValue = malloc(t[1].ulValueLen);
	rv = fn->C_GetAttributeValue(s, key, t, 2);
	free(t[0].pValue);
	free(t[1].pValue);
	if (rv != CKR_OK)
		return fail("C_GetAttributeValue (values)", rv);
	/* 00 01 FF..FF 00 || a fixed DigestInfo-sized tail: the shape a ceremony signs. */
	memset(block, 0xff, t[0].ulValueLen);
	block[0] = 0;
	block[1] = 1;
	block[t[0].ulValueLen - 52] = 0;
	memset(block + t[0].ulValueLen - 51, 0x5a, 51);
	if ((rv = fn->C_SignInit(s, &mech, key)) != CKR_OK)
		return fail("C_SignInit", rv);
	if ((rv = fn->C_Sign(s, block, t[0].ulValueLen, NULL, &siglen)) != CKR_OK)
		return fail("C_Sign (length)", rv);
	if (siglen > sizeof sig)
		return fail("signature too long", CKR_GENERAL_ERROR);
	if ((rv = fn->C_Sign(s, block, t[0].ulValueLen, sig, &siglen)) != CKR_OK)
		return fail("C_Sign", rv);
	return 0;
}

/* Read-only sessions on every slot; the login on the one whose token holds `label`'s
 * token (the first initialised one). */
static int run(CK_FUNCTION_LIST_PTR fn, const char *mode, const char *label, const char *pin)
{
	CK_SLOT_ID slots[MAX_SLOTS];
	CK_SESSION_HANDLE sess[MAX_SLOTS];
	CK_ULONG n = 0, use = MAX_SLOTS;
	CK_RV rv = fn->C_GetSlotList(CK_TRUE, NULL, &n);
	int rc = 1;

	if (rv != CKR_OK || n == 0 || n > MAX_SLOTS)
		return fail("C_GetSlotList (count)", rv);
	if ((rv = fn->C_GetSlotList(CK_TRUE, slots, &n)) != CKR_OK)
		return fail("C_GetSlotList", rv);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		CK_FLAGS flags = CKF_SERIAL_SESSION;

		if (fn->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    (ti.flags & CKF_TOKEN_INITIALIZED) && use == MAX_SLOTS)
			use = i;
		if (strcmp(mode, "keygen") == 0 && use == i)
			flags |= CKF_RW_SESSION;
		/* A slot without a usable token refuses a session: the signer carries on. */
		rv = fn->C_OpenSession(slots[i], flags, NULL, NULL, &sess[i]);
		if (rv != CKR_OK && use == i)
			return fail("C_OpenSession", rv);
		if (rv != CKR_OK)
			sess[i] = CK_INVALID_HANDLE;
	}
	if (use == MAX_SLOTS)
		return fail("no initialised token", CKR_TOKEN_NOT_PRESENT);
	rv = fn->C_Login(sess[use], CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin));
	if (rv != CKR_OK)
		return fail("C_Login", rv);
	rc =
	    strcmp(mode, "keygen") == 0 ? keygen(fn, sess[use], label) : sign(fn, sess[use], label);
	fn->C_Logout(sess[use]);
	for (CK_ULONG i = 0; i < n; i++)
		if (sess[i] != CK_INVALID_HANDLE)
			fn->C_CloseSession(sess[i]);
	return rc;
}

int main(int argc, char **argv)
{
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	char err[512];
	CK_RV rv;
	int rc;

	if (argc != 5 || (strcmp(argv[2], "keygen") != 0 && strcmp(argv[2], "sign") != 0)) {
		fprintf(stderr, "usage: hsmlab-trace-ceremony MODULE keygen|sign LABEL PIN\n");
		return 2;
	}
	mod = hl_p11_module_load(argv[1], 1, err, sizeof err);
	if (mod == NULL) {
		fprintf(stderr, "hsmlab-trace-ceremony: %s\n", err);
		return 1;
	}
	fn = hl_p11_module_fn(mod);
	if ((rv = fn->C_Initialize(NULL)) != CKR_OK)
		return fail("C_Initialize", rv);
	/* The signer initialises twice (two layers of its code each do); the second must say
	 * CKR_CRYPTOKI_ALREADY_INITIALIZED and change nothing. */
	rv = fn->C_Initialize(NULL);
	if (rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return fail("second C_Initialize", rv);
	rc = run(fn, argv[2], argv[3], argv[4]);
	fn->C_Finalize(NULL);
	hl_p11_module_free(mod);
	return rc;
}
