/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: the strict module's AES modes, HMAC and SHA-224 through the linked PKCS#11 layer,
 * each checked against OpenSSL computing the same thing directly. */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "ossl_rsa.h"
#include "p11ready.h"

TestSuite(mechs, .init = setup, .fini = teardown);

/* OpenSSL's answer: cipher name, key, iv, in → out (and a GCM tag of tag_len into tag). */
static int ossl_encrypt(const char *name, const CK_BYTE *iv, int iv_len, const CK_BYTE *aad,
			int aad_len, const CK_BYTE *in, int in_len, CK_BYTE *out, CK_BYTE *tag,
			int tag_len)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, name, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, f = 0;
	cr_assert(c && ctx);
	cr_assert_eq(EVP_EncryptInit_ex2(ctx, c, NULL, NULL, NULL), 1);
	if (tag)
		cr_assert_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, iv_len, NULL), 1);
	cr_assert_eq(EVP_EncryptInit_ex2(ctx, NULL, aes_value, iv, NULL), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0); /* CBC_PAD's padded answer is made by its test */
	if (aad_len)
		cr_assert_eq(EVP_EncryptUpdate(ctx, NULL, &n, aad, aad_len), 1);
	cr_assert_eq(EVP_EncryptUpdate(ctx, out, &n, in, in_len), 1);
	cr_assert_eq(EVP_EncryptFinal_ex(ctx, out + n, &f), 1);
	if (tag)
		cr_assert_eq(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, tag_len, tag), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return n + f;
}

/* Encrypts msg with mech single-part and in parts of 7 bytes; both must equal want, and
 * decrypting (in parts of 5) must give msg back. */
static void roundtrip(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE k, CK_MECHANISM *m, const CK_BYTE *msg,
		      CK_ULONG len, const CK_BYTE *want, CK_ULONG want_len)
{
	CK_BYTE one[256], parts[256], back[256];
	CK_ULONG ol = sizeof(one), got = 0, l;
	cr_assert_eq(C_EncryptInit(s, m, k), CKR_OK);
	cr_assert_eq(C_Encrypt(s, (CK_BYTE_PTR)msg, len, one, &ol), CKR_OK);
	cr_assert_eq(ol, want_len, "single-part length %lu, want %lu", ol, want_len);
	cr_assert_arr_eq(one, want, want_len);
	cr_assert_eq(C_EncryptInit(s, m, k), CKR_OK);
	for (CK_ULONG off = 0; off < len; off += 7) {
		CK_ULONG step = len - off < 7 ? len - off : 7;
		l = sizeof(parts) - got;
		cr_assert_eq(C_EncryptUpdate(s, (CK_BYTE_PTR)msg + off, step, parts + got, &l),
			     CKR_OK);
		got += l;
	}
	l = sizeof(parts) - got;
	cr_assert_eq(C_EncryptFinal(s, parts + got, &l), CKR_OK);
	cr_assert_eq(got + l, want_len);
	cr_assert_arr_eq(parts, want, want_len);
	cr_assert_eq(C_DecryptInit(s, m, k), CKR_OK);
	got = 0;
	for (CK_ULONG off = 0; off < want_len; off += 5) {
		CK_ULONG step = want_len - off < 5 ? want_len - off : 5;
		l = sizeof(back) - got;
		cr_assert_eq(C_DecryptUpdate(s, one + off, step, back + got, &l), CKR_OK);
		got += l;
	}
	l = sizeof(back) - got;
	cr_assert_eq(C_DecryptFinal(s, back + got, &l), CKR_OK);
	cr_assert_eq(got + l, len);
	cr_assert_arr_eq(back, msg, len);
}

Test(mechs, aes_modes_match_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_BYTE msg[48], iv[16], want[128];
	for (int i = 0; i < 48; i++)
		msg[i] = (CK_BYTE)(i * 7 + 1);
	memset(iv, 0x42, sizeof(iv));
	CK_MECHANISM ecb = { CKM_AES_ECB, NULL, 0 }, cbc = { CKM_AES_CBC, iv, 16 },
		     pad = { CKM_AES_CBC_PAD, iv, 16 };
	int n = ossl_encrypt("AES-128-ECB", NULL, 0, NULL, 0, msg, 48, want, NULL, 0);
	roundtrip(s, k, &ecb, msg, 48, want, (CK_ULONG)n);
	n = ossl_encrypt("AES-128-CBC", iv, 16, NULL, 0, msg, 48, want, NULL, 0);
	roundtrip(s, k, &cbc, msg, 48, want, (CK_ULONG)n);
	/* CBC_PAD: OpenSSL's CBC with its default (PKCS#7) padding, 45 bytes → 48. */
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int a = 0, f = 0;
	cr_assert_eq(EVP_EncryptInit_ex2(ctx, c, aes_value, iv, NULL), 1);
	cr_assert_eq(EVP_EncryptUpdate(ctx, want, &a, msg, 45), 1);
	cr_assert_eq(EVP_EncryptFinal_ex(ctx, want + a, &f), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	roundtrip(s, k, &pad, msg, 45, want, (CK_ULONG)(a + f));
	/* Unpadded modes: a partial block at the end is the spec's length error. */
	CK_ULONG l = sizeof(want);
	cr_assert_eq(C_EncryptInit(s, &cbc, k), CKR_OK);
	cr_assert_eq(C_EncryptUpdate(s, msg, 20, want, &l), CKR_OK);
	l = sizeof(want);
	cr_assert_eq(C_EncryptFinal(s, want, &l), CKR_DATA_LEN_RANGE);
	cr_assert_eq(C_DecryptInit(s, &ecb, k), CKR_OK);
	l = sizeof(want);
	cr_assert_eq(C_Decrypt(s, msg, 17, want, &l), CKR_ENCRYPTED_DATA_LEN_RANGE);
}

Test(mechs, aes_ctr_and_gcm_match_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_BYTE msg[37], want[128], iv[12], aad[5] = { 'h', 'e', 'a', 'd', 'r' };
	for (int i = 0; i < 37; i++)
		msg[i] = (CK_BYTE)(i * 3);
	memset(iv, 0x11, sizeof(iv));
	CK_AES_CTR_PARAMS cp = { .ulCounterBits = 128 };
	memset(cp.cb, 0x22, 16);
	CK_MECHANISM ctr = { CKM_AES_CTR, &cp, sizeof(cp) };
	int n = ossl_encrypt("AES-128-CTR", cp.cb, 16, NULL, 0, msg, 37, want, NULL, 0);
	roundtrip(s, k, &ctr, msg, 37, want, (CK_ULONG)n);
	CK_GCM_PARAMS gp = { iv, sizeof(iv), 96, aad, sizeof(aad), 128 };
	CK_MECHANISM gcm = { CKM_AES_GCM, &gp, sizeof(gp) };
	n = ossl_encrypt("AES-128-GCM", iv, 12, aad, 5, msg, 37, want, want + 37, 16);
	roundtrip(s, k, &gcm, msg, 37, want, (CK_ULONG)n + 16);
	/* A flipped tag bit: no plaintext, CKR_ENCRYPTED_DATA_INVALID. */
	want[40] ^= 1;
	CK_BYTE out[64];
	CK_ULONG l = sizeof(out);
	cr_assert_eq(C_DecryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(C_Decrypt(s, want, 53, out, &l), CKR_ENCRYPTED_DATA_INVALID);
	/* A counter of 1 bit has 2 blocks: a third is refused, not carried into the nonce. */
	CK_AES_CTR_PARAMS small = { .ulCounterBits = 1 };
	memset(small.cb, 0, 16);
	CK_MECHANISM ctr2 = { CKM_AES_CTR, &small, sizeof(small) };
	cr_assert_eq(C_EncryptInit(s, &ctr2, k), CKR_OK);
	l = sizeof(out);
	cr_assert_eq(C_Encrypt(s, msg, 37, out, &l), CKR_DATA_LEN_RANGE);
	gp.ulTagBits = 20;
	cr_assert_eq(C_EncryptInit(s, &gcm, k), CKR_MECHANISM_PARAM_INVALID);
}

/* One key, many operations: each starts from the key's prepared context (one key schedule),
 * so IV lengths, modes and directions that follow each other must not leak into one another. */
Test(mechs, gcm_iv_lengths_on_one_key_match_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_BYTE msg[37], want[128], iv[64], aad[3] = { 'a', 'a', 'd' };
	static const CK_ULONG lens[] = { 12, 1, 16, 60, 12 };
	for (int i = 0; i < 37; i++)
		msg[i] = (CK_BYTE)(i + 100);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(iv, (int)(0x30 + i), sizeof(iv));
		CK_GCM_PARAMS gp = { iv, lens[i], lens[i] * 8, aad, sizeof(aad), 96 };
		CK_MECHANISM gcm = { CKM_AES_GCM, &gp, sizeof(gp) };
		int n = ossl_encrypt("AES-128-GCM", iv, (int)lens[i], aad, 3, msg, 37, want,
				     want + 37, 12);
		roundtrip(s, k, &gcm, msg, 37, want, (CK_ULONG)n + 12);
		/* and a CBC operation between two GCM ones, on the same key */
		CK_MECHANISM cbc = { CKM_AES_CBC, iv, 16 };
		n = ossl_encrypt("AES-128-CBC", iv, 16, NULL, 0, msg, 32, want, NULL, 0);
		roundtrip(s, k, &cbc, msg, 32, want, (CK_ULONG)n);
	}
}

Test(mechs, hmac_matches_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_BYTE kv[40];
	memset(kv, 0x5a, sizeof(kv));
	CK_OBJECT_HANDLE k = secret_key(s, CKK_GENERIC_SECRET, kv, sizeof(kv), NULL, 0);
	static const struct {
		CK_MECHANISM_TYPE m, general;
		const char *md;
	} rows[] = { { CKM_SHA_1_HMAC, CKM_SHA_1_HMAC_GENERAL, "SHA1" },
		     { CKM_SHA224_HMAC, CKM_SHA224_HMAC_GENERAL, "SHA224" },
		     { CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, "SHA256" },
		     { CKM_SHA384_HMAC, CKM_SHA384_HMAC_GENERAL, "SHA384" },
		     { CKM_SHA512_HMAC, CKM_SHA512_HMAC_GENERAL, "SHA512" } };
	const CK_BYTE msg[] = "the root zone's KSK";
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		CK_BYTE want[64], mac[64];
		unsigned int wl = 0;
		cr_assert_not_null(HMAC(EVP_get_digestbyname(rows[i].md), kv, sizeof(kv), msg,
					sizeof(msg), want, &wl));
		CK_MECHANISM m = { rows[i].m, NULL, 0 };
		CK_ULONG ml = sizeof(mac);
		cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
		cr_assert_eq(C_Sign(s, (CK_BYTE_PTR)msg, sizeof(msg), mac, &ml), CKR_OK);
		cr_assert_eq(ml, wl);
		cr_assert_arr_eq(mac, want, wl);
		cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
		cr_assert_eq(C_SignUpdate(s, (CK_BYTE_PTR)msg, 4), CKR_OK);
		cr_assert_eq(C_SignUpdate(s, (CK_BYTE_PTR)msg + 4, sizeof(msg) - 4), CKR_OK);
		ml = sizeof(mac);
		cr_assert_eq(C_SignFinal(s, mac, &ml), CKR_OK);
		cr_assert_arr_eq(mac, want, wl);
		cr_assert_eq(C_VerifyInit(s, &m, k), CKR_OK);
		cr_assert_eq(C_Verify(s, (CK_BYTE_PTR)msg, sizeof(msg), want, wl), CKR_OK);
		want[0] ^= 1;
		cr_assert_eq(C_VerifyInit(s, &m, k), CKR_OK);
		cr_assert_eq(C_Verify(s, (CK_BYTE_PTR)msg, sizeof(msg), want, wl),
			     CKR_SIGNATURE_INVALID);
		want[0] ^= 1;
		/* _GENERAL: the first 10 bytes. */
		CK_ULONG ten = 10;
		CK_MECHANISM g = { rows[i].general, &ten, sizeof(ten) };
		ml = sizeof(mac);
		cr_assert_eq(C_SignInit(s, &g, k), CKR_OK);
		cr_assert_eq(C_Sign(s, (CK_BYTE_PTR)msg, sizeof(msg), mac, &ml), CKR_OK);
		cr_assert_eq(ml, 10);
		cr_assert_arr_eq(mac, want, 10);
		cr_assert_eq(C_VerifyInit(s, &g, k), CKR_OK);
		cr_assert_eq(C_Verify(s, (CK_BYTE_PTR)msg, sizeof(msg), want, 9),
			     CKR_SIGNATURE_LEN_RANGE);
	}
	/* Generated generic secrets: CKA_VALUE_LEN bytes. */
	CK_MECHANISM gen = { CKM_GENERIC_SECRET_KEY_GEN, NULL, 0 };
	CK_ULONG len = 48;
	CK_ATTRIBUTE t = { CKA_VALUE_LEN, &len, sizeof(len) };
	CK_OBJECT_HANDLE g;
	cr_assert_eq(C_GenerateKey(s, &gen, &t, 1, &g), CKR_OK);
	cr_assert_eq(C_GenerateKey(s, &gen, NULL, 0, &g), CKR_TEMPLATE_INCOMPLETE);
}

Test(mechs, sha224_digest_matches_openssl)
{
	CK_SESSION_HANDLE s = ready(false);
	CK_MECHANISM m = { CKM_SHA224, NULL, 0 };
	CK_BYTE want[28], got[28];
	unsigned int wl = 0;
	cr_assert_eq(EVP_Digest("abc", 3, want, &wl, EVP_sha224(), NULL), 1);
	CK_ULONG gl = sizeof(got);
	cr_assert_eq(C_DigestInit(s, &m), CKR_OK);
	cr_assert_eq(C_Digest(s, (CK_BYTE_PTR) "abc", 3, got, &gl), CKR_OK);
	cr_assert_eq(gl, 28);
	cr_assert_arr_eq(got, want, 28);
}

/* OpenSSL's P-256 key from an uncompressed point (for the module's public key). */
static EVP_PKEY *p256_public(const CK_BYTE *point, size_t len)
{
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("group", (char *)"P-256", 0),
			   OSSL_PARAM_construct_octet_string("pub", (void *)point, len),
			   OSSL_PARAM_construct_end() };
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;
	cr_assert(ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
		  EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, p) == 1);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

Test(mechs, ecdh_matches_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	static const CK_BYTE p256[] = {
		0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07
	};
	CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
	CK_MECHANISM gen = { CKM_EC_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pub[] = { { CKA_EC_PARAMS, (void *)p256, sizeof(p256) } };
	CK_ATTRIBUTE priv[] = { { CKA_DERIVE, &yes, 1 } };
	CK_OBJECT_HANDLE hp, hk, hs;
	cr_assert_eq(C_GenerateKeyPair(s, &gen, pub, 1, priv, 1, &hp, &hk), CKR_OK);
	CK_BYTE ours[80];
	CK_ATTRIBUTE pt = { CKA_EC_POINT, ours, sizeof(ours) };
	cr_assert_eq(C_GetAttributeValue(s, hp, &pt, 1), CKR_OK);
	cr_assert_eq(pt.ulValueLen, 67, "DER OCTET STRING of 65 bytes");
	/* The peer: an OpenSSL key; its point goes to the module. */
	EVP_PKEY *peer = EVP_EC_gen("P-256");
	CK_BYTE theirs[65];
	size_t tl = 0;
	cr_assert_eq(EVP_PKEY_get_octet_string_param(peer, "pub", theirs, sizeof(theirs), &tl), 1);
	CK_ECDH1_DERIVE_PARAMS ep = { CKD_NULL, 0, NULL, (CK_ULONG)tl, theirs };
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_SENSITIVE, &no, 1 },
			     { CKA_EXTRACTABLE, &yes, 1 } };
	CK_MECHANISM_TYPE kinds[] = { CKM_ECDH1_DERIVE, CKM_ECDH1_COFACTOR_DERIVE };
	for (int i = 0; i < 2; i++) {
		CK_MECHANISM m = { kinds[i], &ep, sizeof(ep) };
		cr_assert_eq(C_DeriveKey(s, &m, hk, t, 4, &hs), CKR_OK);
		CK_BYTE z[64];
		CK_ATTRIBUTE v = { CKA_VALUE, z, sizeof(z) };
		cr_assert_eq(C_GetAttributeValue(s, hs, &v, 1), CKR_OK);
		cr_assert_eq(v.ulValueLen, 32);
		/* OpenSSL: the peer's private key with the module's public point. */
		EVP_PKEY *mine = p256_public(ours + 2, 65);
		EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(peer, NULL);
		CK_BYTE want[64];
		size_t wl = sizeof(want);
		cr_assert(ctx && EVP_PKEY_derive_init(ctx) == 1 &&
			  EVP_PKEY_derive_set_peer(ctx, mine) == 1 &&
			  EVP_PKEY_derive(ctx, want, &wl) == 1);
		cr_assert_eq(wl, 32);
		cr_assert_arr_eq(z, want, 32);
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(mine);
	}
	/* The rules: CKD_NULL only; a point off the curve; a base key not allowed to derive. */
	ep.kdf = CKD_SHA256_KDF;
	CK_MECHANISM m = { CKM_ECDH1_DERIVE, &ep, sizeof(ep) };
	cr_assert_eq(C_DeriveKey(s, &m, hk, t, 4, &hs), CKR_MECHANISM_PARAM_INVALID);
	ep.kdf = CKD_NULL;
	theirs[40] ^= 1;
	cr_assert_eq(C_DeriveKey(s, &m, hk, t, 4, &hs), CKR_MECHANISM_PARAM_INVALID);
	cr_assert_eq(C_DeriveKey(s, &m, hp, t, 4, &hs), CKR_KEY_TYPE_INCONSISTENT);
	EVP_PKEY_free(peer);
}

Test(mechs, rsa_sign_and_verify_recover_match_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_ULONG bits = 1024;
	CK_MECHANISM gen = { CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0 };
	CK_ATTRIBUTE pt = { CKA_MODULUS_BITS, &bits, sizeof(bits) };
	CK_OBJECT_HANDLE hp, hk;
	cr_assert_eq(C_GenerateKeyPair(s, &gen, &pt, 1, NULL, 0, &hp, &hk), CKR_OK);
	CK_BYTE n[128], e[8];
	CK_ATTRIBUTE get[] = { { CKA_MODULUS, n, sizeof(n) },
			       { CKA_PUBLIC_EXPONENT, e, sizeof(e) } };
	cr_assert_eq(C_GetAttributeValue(s, hp, get, 2), CKR_OK);
	EVP_PKEY *pub = rsa_public(n, get[0].ulValueLen, e, get[1].ulValueLen);
	const CK_BYTE msg[] = "recover me";
	CK_MECHANISM m = { CKM_RSA_PKCS, NULL, 0 };
	CK_BYTE sig[128], back[128];
	CK_ULONG sl = sizeof(sig), bl = 0;
	cr_assert_eq(C_SignRecoverInit(s, &m, hk), CKR_OK);
	cr_assert_eq(C_SignRecover(s, (CK_BYTE_PTR)msg, sizeof(msg), sig, &sl), CKR_OK);
	cr_assert_eq(sl, 128);
	/* OpenSSL recovers the data from the module's signature. */
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pub, NULL);
	size_t rl = sizeof(back);
	cr_assert(ctx && EVP_PKEY_verify_recover_init(ctx) == 1 &&
		  EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING) == 1 &&
		  EVP_PKEY_verify_recover(ctx, back, &rl, sig, sl) == 1);
	cr_assert_eq(rl, sizeof(msg));
	cr_assert_arr_eq(back, msg, sizeof(msg));
	EVP_PKEY_CTX_free(ctx);
	/* The module recovers it too: length query, short buffer (kept), then the data. */
	cr_assert_eq(C_VerifyRecoverInit(s, &m, hp), CKR_OK);
	cr_assert_eq(C_VerifyRecover(s, sig, sl, NULL, &bl), CKR_OK);
	cr_assert_eq(bl, sizeof(msg));
	bl = 3;
	cr_assert_eq(C_VerifyRecover(s, sig, sl, back, &bl), CKR_BUFFER_TOO_SMALL);
	bl = sizeof(back);
	cr_assert_eq(C_VerifyRecover(s, sig, sl, back, &bl), CKR_OK);
	cr_assert_arr_eq(back, msg, sizeof(msg));
	/* A damaged signature does not open; a short one is the wrong length. */
	sig[60] ^= 1;
	cr_assert_eq(C_VerifyRecoverInit(s, &m, hp), CKR_OK);
	bl = sizeof(back);
	cr_assert_eq(C_VerifyRecover(s, sig, sl, back, &bl), CKR_SIGNATURE_INVALID);
	cr_assert_eq(C_VerifyRecoverInit(s, &m, hp), CKR_OK);
	cr_assert_eq(C_VerifyRecover(s, sig, sl - 1, back, &bl), CKR_SIGNATURE_LEN_RANGE);
	/* Raw RSA: recovery gives the whole block back. */
	CK_MECHANISM x = { CKM_RSA_X_509, NULL, 0 };
	CK_BYTE block[128] = { 0, 42 };
	sl = sizeof(sig);
	cr_assert_eq(C_SignRecoverInit(s, &x, hk), CKR_OK);
	cr_assert_eq(C_SignRecover(s, block, sizeof(block), sig, &sl), CKR_OK);
	cr_assert_eq(C_VerifyRecoverInit(s, &x, hp), CKR_OK);
	bl = sizeof(back);
	cr_assert_eq(C_VerifyRecover(s, sig, sl, back, &bl), CKR_OK);
	cr_assert_eq(bl, 128);
	cr_assert_arr_eq(back, block, 128);
	CK_MECHANISM ec = { CKM_ECDSA, NULL, 0 };
	cr_assert_eq(C_SignRecoverInit(s, &ec, hk), CKR_MECHANISM_INVALID);
	EVP_PKEY_free(pub);
}

Test(mechs, aes_key_wrap_matches_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE ext = { CKA_EXTRACTABLE, &yes, 1 };
	CK_OBJECT_HANDLE kek = aes_key(s, NULL, 0);
	CK_BYTE v[24];
	for (int i = 0; i < 24; i++)
		v[i] = (CK_BYTE)(0xa0 + i);
	CK_OBJECT_HANDLE k = secret_key(s, CKK_GENERIC_SECRET, v, sizeof(v), &ext, 1);
	CK_MECHANISM m = { CKM_AES_KEY_WRAP, NULL, 0 };
	CK_BYTE got[64], want[64];
	CK_ULONG gl = 0;
	cr_assert_eq(C_WrapKey(s, &m, kek, k, NULL, &gl), CKR_OK);
	cr_assert_eq(gl, 32);
	cr_assert_eq(C_WrapKey(s, &m, kek, k, got, &gl), CKR_OK);
	int n = ossl_encrypt("AES-128-WRAP", NULL, 0, NULL, 0, v, 24, want, NULL, 0);
	cr_assert_eq(n, 32);
	cr_assert_arr_eq(got, want, 32);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = { { CKA_CLASS, &cls, sizeof(cls) },
			     { CKA_KEY_TYPE, &kt, sizeof(kt) },
			     { CKA_EXTRACTABLE, &yes, 1 } };
	CK_OBJECT_HANDLE back;
	cr_assert_eq(C_UnwrapKey(s, &m, kek, got, gl, t, 3, &back), CKR_OK);
	CK_BYTE bv[32];
	CK_ATTRIBUTE a = { CKA_VALUE, bv, sizeof(bv) };
	cr_assert_eq(C_GetAttributeValue(s, back, &a, 1), CKR_OK);
	cr_assert_eq(a.ulValueLen, 24);
	cr_assert_arr_eq(bv, v, 24);
	got[5] ^= 1;
	cr_assert_eq(C_UnwrapKey(s, &m, kek, got, gl, t, 3, &back), CKR_WRAPPED_KEY_INVALID);
	/* 20 bytes are no whole number of semiblocks: the padded wrap is for those. */
	CK_OBJECT_HANDLE odd = secret_key(s, CKK_GENERIC_SECRET, v, 20, &ext, 1);
	gl = sizeof(got);
	cr_assert_eq(C_WrapKey(s, &m, kek, odd, got, &gl), CKR_KEY_SIZE_RANGE);
}

Test(mechs, aes_cmac_matches_openssl)
{
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	const CK_BYTE msg[] = "a message of some forty bytes or so....";
	CK_BYTE want[16], mac[16];
	size_t wl = 0;
	cr_assert_not_null(EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, aes_value, 16, msg,
				     sizeof(msg), want, sizeof(want), &wl));
	cr_assert_eq(wl, 16);
	CK_MECHANISM m = { CKM_AES_CMAC, NULL, 0 };
	CK_ULONG ml = sizeof(mac);
	cr_assert_eq(C_SignInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_SignUpdate(s, (CK_BYTE_PTR)msg, 7), CKR_OK);
	cr_assert_eq(C_SignUpdate(s, (CK_BYTE_PTR)msg + 7, sizeof(msg) - 7), CKR_OK);
	cr_assert_eq(C_SignFinal(s, mac, &ml), CKR_OK);
	cr_assert_eq(ml, 16);
	cr_assert_arr_eq(mac, want, 16);
	cr_assert_eq(C_VerifyInit(s, &m, k), CKR_OK);
	cr_assert_eq(C_Verify(s, (CK_BYTE_PTR)msg, sizeof(msg), want, 16), CKR_OK);
	CK_ULONG eight = 8;
	CK_MECHANISM g = { CKM_AES_CMAC_GENERAL, &eight, sizeof(eight) };
	ml = sizeof(mac);
	cr_assert_eq(C_SignInit(s, &g, k), CKR_OK);
	cr_assert_eq(C_Sign(s, (CK_BYTE_PTR)msg, sizeof(msg), mac, &ml), CKR_OK);
	cr_assert_eq(ml, 8);
	cr_assert_arr_eq(mac, want, 8);
}
