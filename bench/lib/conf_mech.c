/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: conformance checks of signing (the ceremony's operation) and its misuse, and
 * one round trip per mechanism the module announces. */
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* DER DigestInfo prefix of SHA-256 (PKCS#1 v1.5), and SHA-256("abc"). */
static const CK_BYTE sha256_prefix[19] = { 0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
					   0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
					   0x01, 0x05, 0x00, 0x04, 0x20 };
static const CK_BYTE sha256_abc[32] = { 0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
					0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
					0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
					0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad };

enum { SIG_MAX = 1024 };

static void digest_info(CK_BYTE out[51])
{
	memcpy(out, sha256_prefix, sizeof sha256_prefix);
	memcpy(out + sizeof sha256_prefix, sha256_abc, sizeof sha256_abc);
}

/* Signs in one call (two-call protocol); returns the failing step's CK_RV. */
static CK_RV sign(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE k,
		  const CK_BYTE *in, CK_ULONG inlen, CK_BYTE *sig, CK_ULONG *siglen)
{
	CK_RV rv = c->fn->C_SignInit(s, m, k);

	if (rv != CKR_OK)
		return rv;
	*siglen = SIG_MAX;
	return c->fn->C_Sign(s, (CK_BYTE_PTR)in, inlen, sig, siglen);
}

/* -- signing and its misuse -- */

static void sign_length(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE di[51], small[8], sig[SIG_MAX];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_ULONG len = 0, slen = sizeof small, flen;
	CK_RV rv, rv_small = CKR_GENERAL_ERROR, rv_fit = CKR_GENERAL_ERROR;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	digest_info(di);
	rv = c->fn->C_SignInit(s, &m, k);
	if (rv == CKR_OK)
		rv = c->fn->C_Sign(s, di, sizeof di, NULL, &len);
	if (rv == CKR_OK) {
		rv_small = c->fn->C_Sign(s, di, sizeof di, small, &slen);
		flen = len;
		rv_fit = c->fn->C_Sign(s, di, sizeof di, sig, &flen);
	}
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		hl_conf_val(o, "query=%lu small=%s fit=%s", len, hl_ckr_name(rv_small),
			    hl_ckr_name(rv_fit));
	c->fn->C_CloseSession(s);
}

static void sign_misuse(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE di[51], sig[SIG_MAX];
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_ULONG len = sizeof sig;
	CK_RV uninit, twice;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	digest_info(di);
	uninit = c->fn->C_Sign(s, di, sizeof di, sig, &len);
	c->fn->C_SignInit(s, &m, k);
	twice = c->fn->C_SignInit(s, &m, k);
	len = sizeof sig;
	c->fn->C_Sign(s, di, sizeof di, sig, &len);
	hl_conf_val(o, "sign=%s init-twice=%s", hl_ckr_name(uninit), hl_ckr_name(twice));
	c->fn->C_CloseSession(s);
}

static void sign_bad_mech(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM bad = { 0x7ffffff1UL, NULL, 0 }, ec = { CKM_ECDSA, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_RV r1, r2;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	r1 = c->fn->C_SignInit(s, &bad, k);
	r2 = c->fn->C_SignInit(s, &ec, k);
	hl_conf_val(o, "unknown=%s ecdsa-on-rsa=%s", hl_ckr_name(r1), hl_ckr_name(r2));
	c->fn->C_CloseSession(s);
}

static void sign_after_logout(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_RV rv;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	c->fn->C_Logout(s);
	rv = c->fn->C_SignInit(s, &m, k);
	hl_conf_val(o, "%s", hl_ckr_name(rv));
	c->fn->C_CloseSession(s);
}

static void sign_hash_on_device(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	hl_conf_val(o, "sha256-rsa=%s ecdsa-sha256=%s",
		    hl_conf_has_mech(c, CKM_SHA256_RSA_PKCS) ? "announced" : "absent",
		    hl_conf_has_mech(c, CKM_ECDSA_SHA256) ? "announced" : "absent");
}

/* PKCS#1 v1.5 is deterministic: hashing on the device, DigestInfo with CKM_RSA_PKCS and a
 * full EMSA block with CKM_RSA_X_509 must give one signature (what the signer relies on). */
static void sign_host_hash(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM hs = { CKM_SHA256_RSA_PKCS, NULL, 0 }, pk = { CKM_RSA_PKCS, NULL, 0 },
		     x5 = { CKM_RSA_X_509, NULL, 0 };
	CK_BYTE di[51], block[SIG_MAX], s1[SIG_MAX], s2[SIG_MAX], s3[SIG_MAX];
	CK_ULONG l1 = 0, l2 = 0, l3 = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_RV r1, r2, r3;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	digest_info(di);
	r2 = sign(c, s, &pk, k, di, sizeof di, s2, &l2);
	r1 = sign(c, s, &hs, k, (const CK_BYTE *)"abc", 3, s1, &l1);
	r3 = CKR_GENERAL_ERROR;
	if (r2 == CKR_OK && l2 <= sizeof block && l2 > sizeof di + 11) {
		/* EMSA-PKCS1-v1_5: 00 01 FF..FF 00 DigestInfo, as long as the modulus. */
		block[0] = 0;
		block[1] = 1;
		memset(block + 2, 0xff, l2 - sizeof di - 3);
		block[l2 - sizeof di - 1] = 0;
		memcpy(block + l2 - sizeof di, di, sizeof di);
		r3 = sign(c, s, &x5, k, block, l2, s3, &l3);
	}
	hl_conf_val(o, "sha256-rsa=%s x509=%s",
		    r1 != CKR_OK                                      ? hl_ckr_name(r1)
		    : r2 == CKR_OK && l1 == l2 && !memcmp(s1, s2, l1) ? "same"
								      : "differs",
		    r3 != CKR_OK                      ? hl_ckr_name(r3)
		    : l3 == l2 && !memcmp(s3, s2, l2) ? "same"
						      : "differs");
	hl_conf_detail(o, "CKM_RSA_PKCS with DigestInfo: %s", hl_ckr_name(r2));
	c->fn->C_CloseSession(s);
}

static void sign_multipart(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM hs = { CKM_SHA256_RSA_PKCS, NULL, 0 };
	CK_BYTE one[SIG_MAX], two[SIG_MAX];
	CK_ULONG l1 = 0, l2 = sizeof two;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k;
	CK_RV rv;

	if (!hl_conf_has_mech(c, CKM_SHA256_RSA_PKCS)) {
		hl_conf_val(o, "no-hash-and-sign");
		return;
	}
	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	rv = sign(c, s, &hs, k, (const CK_BYTE *)"abc", 3, one, &l1);
	if (rv == CKR_OK)
		rv = c->fn->C_SignInit(s, &hs, k);
	if (rv == CKR_OK)
		rv = c->fn->C_SignUpdate(s, (CK_BYTE_PTR) "a", 1);
	if (rv == CKR_OK)
		rv = c->fn->C_SignUpdate(s, (CK_BYTE_PTR) "bc", 2);
	if (rv == CKR_OK)
		rv = c->fn->C_SignFinal(s, two, &l2);
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		hl_conf_val(o, "%s", l1 == l2 && !memcmp(one, two, l1) ? "same" : "differs");
	c->fn->C_CloseSession(s);
}

static void verify_bad(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE di[51], sig[SIG_MAX];
	CK_ULONG len = 0;
	CK_SESSION_HANDLE s;
	CK_OBJECT_HANDLE k, pub;
	CK_RV rv;

	if (hl_conf_with_key(c, o, HL_KEY_RSA_PRIV, &s, &k) != 0)
		return;
	digest_info(di);
	pub = hl_conf_key(c, s, HL_KEY_RSA_PUB);
	rv = sign(c, s, &m, k, di, sizeof di, sig, &len);
	if (rv == CKR_OK && len > 0) {
		sig[len / 2] ^= 1;
		rv = c->fn->C_VerifyInit(s, &m, pub);
		if (rv == CKR_OK)
			rv = c->fn->C_Verify(s, di, sizeof di, sig, len);
	}
	hl_conf_val(o, "%s", hl_ckr_name(rv));
	c->fn->C_CloseSession(s);
}

static void digest_kat(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM m = { CKM_SHA256, NULL, 0 };
	CK_BYTE out[64];
	CK_ULONG len = sizeof out;
	CK_SESSION_HANDLE s;
	CK_RV rv = hl_conf_session(c, 0, 0, &s);

	if (rv == CKR_OK) {
		rv = c->fn->C_DigestInit(s, &m);
		if (rv == CKR_OK)
			rv = c->fn->C_Digest(s, (CK_BYTE_PTR) "abc", 3, out, &len);
		c->fn->C_CloseSession(s);
	}
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		hl_conf_val(o, "%s", len == 32 && !memcmp(out, sha256_abc, 32) ? "ok" : "wrong");
}

/* P-521 beside P-256/P-384: a session key pair, CKM_ECDSA over a SHA-512 hash (the 66-byte
 * r and s) and its verification; "absent" without CKM_EC_KEY_PAIR_GEN. */
static void ec_p521(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	static CK_BYTE p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };
	static CK_BBOOL yes = CK_TRUE;
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 }, m = { CKM_ECDSA, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_EC_PARAMS, p521, sizeof p521 }, { CKA_VERIFY, &yes, 1 } };
	CK_ATTRIBUTE kt[] = { { CKA_SIGN, &yes, 1 } };
	CK_BYTE hash[64], sig[SIG_MAX];
	CK_ULONG len = 0;
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s;
	const char *step = "keygen";
	CK_RV rv;

	if (!hl_conf_has_mech(c, CKM_EC_KEY_PAIR_GEN)) {
		hl_conf_val(o, "absent");
		return;
	}
	if ((rv = hl_conf_session(c, 1, 1, &s)) != CKR_OK) {
		hl_conf_val(o, "login:%s", hl_ckr_name(rv));
		return;
	}
	memset(hash, 0x5a, sizeof hash);
	rv = c->fn->C_GenerateKeyPair(s, &gen, pt, 2, kt, 1, &pub, &priv);
	if (rv == CKR_OK && (step = "sign") != NULL)
		rv = sign(c, s, &m, priv, hash, sizeof hash, sig, &len);
	if (rv == CKR_OK && (step = "verify") != NULL) {
		rv = c->fn->C_VerifyInit(s, &m, pub);
		if (rv == CKR_OK)
			rv = c->fn->C_Verify(s, hash, sizeof hash, sig, len);
	}
	if (rv != CKR_OK)
		hl_conf_val(o, "%s:%s", step, hl_ckr_name(rv));
	else
		hl_conf_val(o, "%s", len == 132 ? "ok" : "signature-length");
	hl_conf_detail(o, "signature %lu bytes", len);
	c->fn->C_CloseSession(s);
}

const hl_conf_entry_t hl_conf_mech_checks[] = {
	{ { "sign.length_query", "C_Sign: NULL buffer length, too small buffer, fitting buffer",
	    "baseline" },
	  sign_length,
	  0 },
	{ { "sign.misuse", "C_Sign without C_SignInit; C_SignInit twice", "spec" },
	  sign_misuse,
	  0 },
	{ { "sign.bad_mechanism", "C_SignInit: unknown mechanism; CKM_ECDSA on an RSA key",
	    "spec" },
	  sign_bad_mech,
	  0 },
	{ { "sign.after_logout", "C_SignInit with a private key after C_Logout", "L8" },
	  sign_after_logout,
	  0 },
	{ { "sign.hash_on_device", "hash-and-sign mechanisms announced", "K1 L11" },
	  sign_hash_on_device,
	  0 },
	{ { "sign.host_hash_equivalence",
	    "CKM_SHA256_RSA_PKCS vs DigestInfo+CKM_RSA_PKCS vs EMSA+CKM_RSA_X_509", "K1 G1" },
	  sign_host_hash,
	  0 },
	{ { "sign.multipart", "C_SignUpdate/C_SignFinal equals the one-shot signature", "G13" },
	  sign_multipart,
	  0 },
	{ { "verify.bad_signature", "C_Verify of a corrupted signature", "spec" }, verify_bad, 0 },
	{ { "digest.sha256_kat", "C_Digest(CKM_SHA256, \"abc\")", "spec" }, digest_kat, 0 },
	{ { "ec.p521", "P-521 key pair, CKM_ECDSA sign and verify", "spec" }, ec_p521, 0 },
	{ { NULL, NULL, NULL }, NULL, 0 },
};
