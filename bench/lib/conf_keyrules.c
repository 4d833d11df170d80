/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: conformance checks of the rules a key carries for its users (issue 11):
 * RSA-OAEP key wrapping, CKA_WRAP_TEMPLATE / CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE,
 * CKA_ALLOWED_MECHANISMS, CKA_ALWAYS_AUTHENTICATE, and the 3.0 C_LoginUser and message-based
 * AES-GCM. Every key here is a session object, gone when the check's session closes. */
#include <string.h>

#include "conf_int.h"

static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
static CK_KEY_TYPE aes = CKK_AES, generic = CKK_GENERIC_SECRET;
static const CK_BYTE value[16] = { 0x3c, 0x1f, 0x55, 0x02, 0x9a, 0x61, 0xe4, 0x7b,
				   0x08, 0xd3, 0x2e, 0xb6, 0x44, 0x90, 0x1d, 0xc7 };

/* A session secret key of type kt (the fixed value) with extra attributes (up to 4). */
static CK_RV secret_key(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, CK_KEY_TYPE *kt,
			const CK_ATTRIBUTE *extra, CK_ULONG n, CK_OBJECT_HANDLE *h)
{
	CK_ATTRIBUTE t[7] = { { CKA_CLASS, &secret, sizeof(secret) },
			      { CKA_KEY_TYPE, kt, sizeof(*kt) },
			      { CKA_VALUE, (void *)value, sizeof(value) } };
	for (CK_ULONG i = 0; i < n && i < 4; i++)
		t[3 + i] = extra[i];
	return c->fn->C_CreateObject(s, t, 3 + n, h);
}

/* Whether keys k1 and k2 encrypt one block alike (CBC_PAD, zero IV): how a value that may be
 * sensitive is compared. */
static int same_key(hl_conf_ctx_t *c, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k1, CK_OBJECT_HANDLE k2)
{
	CK_BYTE iv[16] = { 0 }, in[16] = { 1 }, a[32], b[32];
	CK_MECHANISM m = { CKM_AES_CBC_PAD, iv, sizeof(iv) };
	CK_ULONG al = sizeof(a), bl = sizeof(b);
	return c->fn->C_EncryptInit(s, &m, k1) == CKR_OK &&
	       c->fn->C_Encrypt(s, in, sizeof(in), a, &al) == CKR_OK &&
	       c->fn->C_EncryptInit(s, &m, k2) == CKR_OK &&
	       c->fn->C_Encrypt(s, in, sizeof(in), b, &bl) == CKR_OK && al == bl &&
	       memcmp(a, b, al) == 0;
}

/* -- RSA-OAEP key wrapping -- */

static void oaep_wrap(hl_conf_ctx_t *c, hl_conf_out_t *o, CK_MECHANISM_TYPE hash,
		      CK_RSA_PKCS_MGF_TYPE mgf)
{
	CK_ULONG bits = 2048, bl = 512;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_RSA_PKCS_OAEP_PARAMS p = { hash, mgf, CKZ_DATA_SPECIFIED, NULL, 0 };
	CK_MECHANISM m = { CKM_RSA_PKCS_OAEP, &p, sizeof(p) };
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) }, { CKA_WRAP, &yes, 1 } };
	CK_ATTRIBUTE kt[] = { { CKA_UNWRAP, &yes, 1 } };
	CK_ATTRIBUTE x = { CKA_EXTRACTABLE, &yes, 1 };
	CK_ATTRIBUTE ut[] = { { CKA_CLASS, &secret, sizeof(secret) },
			      { CKA_KEY_TYPE, &aes, sizeof(aes) } };
	CK_OBJECT_HANDLE pub, priv, k, back;
	CK_BYTE blob[512];
	CK_SESSION_HANDLE s;
	if (!hl_conf_has_mech(c, CKM_RSA_PKCS_OAEP)) {
		hl_conf_val(o, "not-announced");
		return;
	}
	CK_RV rv = hl_conf_session(c, 1, 1, &s);
	if (rv != CKR_OK) {
		hl_conf_val(o, "login:%s", hl_ckr_name(rv));
		return;
	}
	const char *step = "keygen";
	rv = c->fn->C_GenerateKeyPair(s, &gen, pt, 2, kt, 1, &pub, &priv);
	if (rv == CKR_OK && (step = "key", rv = secret_key(c, s, &aes, &x, 1, &k)) == CKR_OK)
		step = "wrap", rv = c->fn->C_WrapKey(s, &m, pub, k, blob, &bl);
	if (rv == CKR_OK)
		step = "unwrap", rv = c->fn->C_UnwrapKey(s, &m, priv, blob, bl, ut, 2, &back);
	if (rv != CKR_OK)
		hl_conf_val(o, "%s=%s", step, hl_ckr_name(rv));
	else
		hl_conf_val(o, "%s", same_key(c, s, k, back) ? "ok" : "different-key");
	c->fn->C_CloseSession(s);
}

static void wrap_oaep_sha1(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	oaep_wrap(c, o, CKM_SHA_1, CKG_MGF1_SHA1);
}

static void wrap_oaep_sha256(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	oaep_wrap(c, o, CKM_SHA256, CKG_MGF1_SHA256);
}

/* -- templates on the using key -- */

/* A logged-in session and an AES kek with extra attributes, or the reason in o. */
static int kek_session(hl_conf_ctx_t *c, hl_conf_out_t *o, const CK_ATTRIBUTE *extra, CK_ULONG n,
		       CK_SESSION_HANDLE *s, CK_OBJECT_HANDLE *kek)
{
	CK_ATTRIBUTE t[4] = { { CKA_WRAP, &yes, 1 }, { CKA_UNWRAP, &yes, 1 } };
	for (CK_ULONG i = 0; i < n && i < 2; i++)
		t[2 + i] = extra[i];
	if (!hl_conf_has_mech(c, CKM_AES_KEY_WRAP_PAD)) {
		hl_conf_val(o, "no-aes-key-wrap");
		return -1;
	}
	CK_RV rv = hl_conf_session(c, 1, 1, s);
	if (rv == CKR_OK && (rv = secret_key(c, *s, &aes, t, 2 + n, kek)) != CKR_OK)
		c->fn->C_CloseSession(*s);
	if (rv != CKR_OK)
		hl_conf_val(o, "kek=%s", hl_ckr_name(rv));
	return rv == CKR_OK ? 0 : -1;
}

static void wrap_template(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_ATTRIBUTE only_aes[] = { { CKA_KEY_TYPE, &aes, sizeof(aes) } };
	CK_ATTRIBUTE wt = { CKA_WRAP_TEMPLATE, only_aes, sizeof(only_aes) };
	CK_ATTRIBUTE x = { CKA_EXTRACTABLE, &yes, 1 };
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_OBJECT_HANDLE kek, a = 0, g = 0;
	CK_SESSION_HANDLE s;
	CK_BYTE blob[64];
	CK_ULONG l1 = sizeof(blob), l2 = sizeof(blob);
	if (kek_session(c, o, &wt, 1, &s, &kek) != 0)
		return;
	CK_RV ra = secret_key(c, s, &aes, &x, 1, &a), rg = secret_key(c, s, &generic, &x, 1, &g);
	if (ra == CKR_OK)
		ra = c->fn->C_WrapKey(s, &m, kek, a, blob, &l1);
	if (rg == CKR_OK)
		rg = c->fn->C_WrapKey(s, &m, kek, g, blob, &l2);
	hl_conf_val(o, "match=%s other=%s", hl_ckr_name(ra), hl_ckr_name(rg));
	c->fn->C_CloseSession(s);
}

static void unwrap_template(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_ATTRIBUTE rules[] = { { CKA_ENCRYPT, &no, 1 } };
	CK_ATTRIBUTE ut = { CKA_UNWRAP_TEMPLATE, rules, sizeof(rules) };
	CK_ATTRIBUTE x = { CKA_EXTRACTABLE, &yes, 1 };
	CK_MECHANISM m = { CKM_AES_KEY_WRAP_PAD, NULL, 0 };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &secret, sizeof(secret) },
			     { CKA_KEY_TYPE, &aes, sizeof(aes) },
			     { CKA_ENCRYPT, &yes, 1 } };
	CK_OBJECT_HANDLE kek, k, back;
	CK_SESSION_HANDLE s;
	CK_BYTE blob[64];
	CK_ULONG bl = sizeof(blob);
	CK_BBOOL enc = CK_TRUE;
	CK_ATTRIBUTE get = { CKA_ENCRYPT, &enc, 1 };
	if (kek_session(c, o, &ut, 1, &s, &kek) != 0)
		return;
	CK_RV rv = secret_key(c, s, &aes, &x, 1, &k);
	if (rv == CKR_OK)
		rv = c->fn->C_WrapKey(s, &m, kek, k, blob, &bl);
	if (rv == CKR_OK)
		rv = c->fn->C_UnwrapKey(s, &m, kek, blob, bl, t, 2, &back);
	if (rv == CKR_OK)
		rv = c->fn->C_GetAttributeValue(s, back, &get, 1);
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		hl_conf_val(o, "encrypt=%s conflict=%s", enc ? "true" : "false",
			    hl_ckr_name(c->fn->C_UnwrapKey(s, &m, kek, blob, bl, t, 3, &back)));
	c->fn->C_CloseSession(s);
}

static void derive_template(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	static const CK_BYTE p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_ATTRIBUTE rules[] = { { CKA_ENCRYPT, &no, 1 } };
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_ATTRIBUTE kt[] = { { CKA_DERIVE, &yes, 1 },
			      { CKA_DERIVE_TEMPLATE, rules, sizeof(rules) } };
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &secret, sizeof(secret) },
			     { CKA_KEY_TYPE, &generic, sizeof(generic) },
			     { CKA_ENCRYPT, &yes, 1 } };
	CK_BYTE point[80];
	CK_ATTRIBUTE ga = { CKA_EC_POINT, point, sizeof(point) };
	CK_OBJECT_HANDLE pub, priv, got;
	CK_SESSION_HANDLE s;
	CK_BBOOL enc = CK_TRUE;
	CK_ATTRIBUTE get = { CKA_ENCRYPT, &enc, 1 };
	if (!hl_conf_has_mech(c, CKM_ECDH1_DERIVE)) {
		hl_conf_val(o, "not-announced");
		return;
	}
	CK_RV rv = hl_conf_session(c, 1, 1, &s);
	if (rv == CKR_OK)
		rv = c->fn->C_GenerateKeyPair(s, &gen, pt, 1, kt, 2, &pub, &priv);
	if (rv == CKR_OK)
		rv = c->fn->C_GetAttributeValue(s, pub, &ga, 1);
	/* The peer: the key's own point, raw (after the DER OCTET STRING header). */
	CK_ECDH1_DERIVE_PARAMS ep = { CKD_NULL, 0, NULL, 65, point + 2 };
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &ep, sizeof(ep) };
	if (rv == CKR_OK)
		rv = ga.ulValueLen == 67 ? c->fn->C_DeriveKey(s, &m, priv, t, 2, &got)
					 : CKR_GENERAL_ERROR;
	if (rv == CKR_OK)
		rv = c->fn->C_GetAttributeValue(s, got, &get, 1);
	if (rv != CKR_OK)
		hl_conf_val(o, "%s", hl_ckr_name(rv));
	else
		hl_conf_val(o, "encrypt=%s conflict=%s", enc ? "true" : "false",
			    hl_ckr_name(c->fn->C_DeriveKey(s, &m, priv, t, 3, &got)));
	c->fn->C_CloseSession(s);
}

/* -- CKA_ALLOWED_MECHANISMS -- */

static void allowed_mechanisms(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_MECHANISM_TYPE only = CKM_AES_KEY_WRAP;
	CK_ATTRIBUTE am = { CKA_ALLOWED_MECHANISMS, &only, sizeof(only) };
	CK_ATTRIBUTE x = { CKA_EXTRACTABLE, &yes, 1 };
	CK_BYTE iv[16] = { 0 }, blob[64];
	CK_MECHANISM pad = { CKM_AES_KEY_WRAP_PAD, NULL, 0 }, cbc = { CKM_AES_CBC_PAD, iv, 16 };
	CK_OBJECT_HANDLE kek, k;
	CK_SESSION_HANDLE s;
	CK_ULONG bl = sizeof(blob);
	if (kek_session(c, o, &am, 1, &s, &kek) != 0)
		return;
	CK_RV rw = secret_key(c, s, &aes, &x, 1, &k);
	if (rw == CKR_OK)
		rw = c->fn->C_WrapKey(s, &pad, kek, k, blob, &bl);
	CK_RV re = c->fn->C_EncryptInit(s, &cbc, kek);
	hl_conf_val(o, "wrap=%s encrypt=%s", hl_ckr_name(rw), hl_ckr_name(re));
	c->fn->C_CloseSession(s);
}

/* -- CKA_ALWAYS_AUTHENTICATE -- */

static void always_authenticate(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	const char *pin = hl_bench_target_user_pin(c->t);
	CK_ULONG bits = 2048, sl = 512;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	/* CKM_RSA_PKCS: every target signs with it (the Keyper hashes on the host, K1). */
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_ATTRIBUTE pt[] = { { CKA_MODULUS_BITS, &bits, sizeof(bits) } };
	CK_ATTRIBUTE kt[] = { { CKA_SIGN, &yes, 1 }, { CKA_ALWAYS_AUTHENTICATE, &yes, 1 } };
	CK_BYTE data[] = "root zone", sig[512];
	CK_OBJECT_HANDLE pub, priv;
	CK_SESSION_HANDLE s;
	CK_RV rv = hl_conf_session(c, 1, 1, &s);
	if (rv != CKR_OK) {
		hl_conf_val(o, "login:%s", hl_ckr_name(rv));
		return;
	}
	if ((rv = c->fn->C_GenerateKeyPair(s, &gen, pt, 1, kt, 2, &pub, &priv)) != CKR_OK) {
		hl_conf_val(o, "keygen=%s", hl_ckr_name(rv));
		c->fn->C_CloseSession(s);
		return;
	}
	CK_RV plain = c->fn->C_SignInit(s, &m, priv), ctx = CKR_OK, after = CKR_OK;
	if (plain == CKR_OK)
		plain = c->fn->C_Sign(s, data, sizeof(data), sig, &sl);
	sl = sizeof(sig);
	if ((ctx = c->fn->C_SignInit(s, &m, priv)) == CKR_OK)
		ctx = c->fn->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)(pin ? pin : ""),
				     pin ? strlen(pin) : 0);
	after = c->fn->C_Sign(s, data, sizeof(data), sig, &sl);
	hl_conf_val(o, "sign=%s context-login=%s then=%s", hl_ckr_name(plain), hl_ckr_name(ctx),
		    hl_ckr_name(after));
	c->fn->C_CloseSession(s);
}

/* -- 3.0: C_LoginUser and message-based AES-GCM -- */

static void login_user(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	const char *pin = hl_bench_target_user_pin(c->t);
	CK_UTF8CHAR_PTR p = (CK_UTF8CHAR_PTR)(pin ? pin : "");
	CK_ULONG pl = pin ? strlen(pin) : 0;
	CK_SESSION_HANDLE s;
	if (!c->fn3 || !c->fn3->C_LoginUser) {
		hl_conf_val(o, "no-3.0-list");
		return;
	}
	if (hl_conf_session(c, 0, 0, &s) != CKR_OK) {
		hl_conf_val(o, "cannot-open");
		return;
	}
	c->fn->C_Logout(s); /* another check may have left the token logged in */
	CK_RV named = c->fn3->C_LoginUser(s, CKU_USER, p, pl, (CK_UTF8CHAR_PTR) "nobody", 6);
	if (named == CKR_OK)
		c->fn->C_Logout(s);
	CK_RV none = c->fn3->C_LoginUser(s, CKU_USER, p, pl, NULL, 0);
	hl_conf_val(o, "no-name=%s unknown-name=%s", hl_ckr_name(none), hl_ckr_name(named));
	c->fn->C_Logout(s);
	c->fn->C_CloseSession(s);
}

static void message_gcm(hl_conf_ctx_t *c, hl_conf_out_t *o)
{
	CK_BYTE iv[12] = { 9, 8, 7 }, aad[3] = { 'k', 's', 'k' }, in[20] = { 1, 2, 3 };
	CK_BYTE tag[16], ct[64], whole[64];
	CK_GCM_MESSAGE_PARAMS mp = { iv, sizeof(iv), 0, CKG_NO_GENERATE, tag, 128 };
	CK_GCM_PARAMS gp = { iv, sizeof(iv), 96, aad, sizeof(aad), 128 };
	CK_MECHANISM msg = { CKM_AES_GCM, NULL, 0 }, one = { CKM_AES_GCM, &gp, sizeof(gp) };
	CK_ATTRIBUTE e = { CKA_ENCRYPT, &yes, 1 };
	CK_OBJECT_HANDLE k;
	CK_SESSION_HANDLE s;
	CK_ULONG cl = sizeof(ct), wl = sizeof(whole);
	if (!c->fn3 || !c->fn3->C_MessageEncryptInit) {
		hl_conf_val(o, "no-3.0-list");
		return;
	}
	CK_RV rv = hl_conf_session(c, 1, 1, &s);
	if (rv == CKR_OK && (rv = secret_key(c, s, &aes, &e, 1, &k)) != CKR_OK)
		c->fn->C_CloseSession(s);
	if (rv != CKR_OK) {
		hl_conf_val(o, "key=%s", hl_ckr_name(rv));
		return;
	}
	const char *step = "init";
	rv = c->fn3->C_MessageEncryptInit(s, &msg, k);
	if (rv == CKR_OK)
		step = "message",
		rv = c->fn3->C_EncryptMessage(s, &mp, sizeof(mp), aad, sizeof(aad), in, sizeof(in),
					      ct, &cl);
	if (rv == CKR_OK)
		c->fn3->C_MessageEncryptFinal(s);
	/* The same message through C_Encrypt: ciphertext and tag must be its output. */
	if (rv == CKR_OK && (step = "encrypt", rv = c->fn->C_EncryptInit(s, &one, k)) == CKR_OK)
		rv = c->fn->C_Encrypt(s, in, sizeof(in), whole, &wl);
	if (rv != CKR_OK)
		hl_conf_val(o, "%s=%s", step, hl_ckr_name(rv));
	else
		hl_conf_val(o, "%s",
			    wl == cl + 16 && !memcmp(whole, ct, cl) && !memcmp(whole + cl, tag, 16)
				? "same-as-encrypt"
				: "differs");
	c->fn->C_CloseSession(s);
}

const hl_conf_entry_t hl_conf_keyrule_checks[] = {
	{ { "wrap.rsa_oaep_sha1", "RSA-OAEP (SHA-1) wraps and unwraps an AES key", "spec" },
	  wrap_oaep_sha1,
	  0 },
	{ { "wrap.rsa_oaep_sha256", "RSA-OAEP (SHA-256, MGF1-SHA256) wraps and unwraps an AES key",
	    "spec" },
	  wrap_oaep_sha256,
	  0 },
	{ { "wrap.template", "CKA_WRAP_TEMPLATE {AES}: wrapping an AES / a generic secret key",
	    "spec" },
	  wrap_template,
	  0 },
	{ { "unwrap.template", "CKA_UNWRAP_TEMPLATE {ENCRYPT=false}: applied, then contradicted",
	    "spec" },
	  unwrap_template,
	  0 },
	{ { "derive.template", "CKA_DERIVE_TEMPLATE {ENCRYPT=false} on an ECDH base key", "spec" },
	  derive_template,
	  0 },
	{ { "key.allowed_mechanisms", "CKA_ALLOWED_MECHANISMS {AES_KEY_WRAP}: other wrap, encrypt",
	    "spec" },
	  allowed_mechanisms,
	  0 },
	{ { "login.always_authenticate",
	    "CKA_ALWAYS_AUTHENTICATE: sign without, then with C_Login(CKU_CONTEXT_SPECIFIC)",
	    "L8" },
	  always_authenticate,
	  0 },
	{ { "login.login_user", "C_LoginUser without a user name / with an unknown one", "spec" },
	  login_user,
	  0 },
	{ { "msg.aes_gcm", "C_EncryptMessage (AES-GCM) against C_Encrypt of the same message",
	    "spec" },
	  message_gcm,
	  0 },
	{ { NULL, NULL, NULL }, NULL, 0 },
};
