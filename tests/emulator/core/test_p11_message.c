/* SPDX-License-Identifier: BSD-2-Clause
 * Tests: PKCS#11 3.0 message-based AES-GCM on the strict module (through the 3.0 function
 * list, as a client reaches it), each message checked against OpenSSL's AES-GCM: single-part
 * and in parts, caller IVs and token-made ones, tags, and the operation's rules. */
#include <openssl/evp.h>

#include "p11ready.h"

TestSuite(message, .init = setup, .fini = teardown);

static CK_FUNCTION_LIST_3_0 *f30(void)
{
	CK_INTERFACE_PTR itf = NULL;
	cr_assert_eq(C_GetInterface((CK_UTF8CHAR_PTR) "PKCS 11", NULL, &itf, 0), CKR_OK);
	CK_FUNCTION_LIST_3_0 *f = itf->pFunctionList;
	cr_assert_eq(f->version.major, 3);
	return f;
}

/* OpenSSL's AES-128-GCM of in (aes_value, iv, aad): ciphertext into out, tag into tag. */
static void ossl_gcm(const CK_BYTE *iv, int iv_len, const CK_BYTE *aad, int aad_len,
		     const CK_BYTE *in, int in_len, CK_BYTE *out, CK_BYTE *tag, int tag_len)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;
	cr_assert(c);
	cr_assert_eq(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, NULL, NULL), 1);
	cr_assert_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, iv_len, NULL), 1);
	cr_assert_eq(EVP_EncryptInit_ex(c, NULL, NULL, aes_value, iv), 1);
	if (aad_len)
		cr_assert_eq(EVP_EncryptUpdate(c, NULL, &n, aad, aad_len), 1);
	cr_assert_eq(EVP_EncryptUpdate(c, out, &n, in, in_len), 1);
	cr_assert_eq(EVP_EncryptFinal_ex(c, out + n, &n), 1);
	cr_assert_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, tag_len, tag), 1);
	EVP_CIPHER_CTX_free(c);
}

static CK_BYTE msg[61], aad[] = "zone: . serial 2026120601";

static void fill(void)
{
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (CK_BYTE)(i * 5 + 3);
}

Test(message, single_part_matches_openssl)
{
	CK_FUNCTION_LIST_3_0 *f = f30();
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_MECHANISM gcm = { CKM_AES_GCM, NULL, 0 };
	CK_BYTE iv[12], tag[16], ct[64], pt[64], want[64], want_tag[16];
	memset(iv, 0x5a, sizeof(iv));
	fill();
	CK_GCM_MESSAGE_PARAMS p = { iv, sizeof(iv), 0, CKG_NO_GENERATE, tag, 128 };
	cr_assert_eq(f->C_MessageEncryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(f->C_MessageEncryptInit(s, &gcm, k), CKR_OPERATION_ACTIVE);
	CK_ULONG cl = 0;
	cr_assert_eq(
	    f->C_EncryptMessage(s, &p, sizeof(p), aad, sizeof(aad), msg, sizeof(msg), NULL, &cl),
	    CKR_OK);
	cr_assert_eq(cl, sizeof(msg));
	cr_assert_eq(
	    f->C_EncryptMessage(s, &p, sizeof(p), aad, sizeof(aad), msg, sizeof(msg), ct, &cl),
	    CKR_OK);
	ossl_gcm(iv, 12, aad, sizeof(aad), msg, sizeof(msg), want, want_tag, 16);
	cr_assert_arr_eq(ct, want, sizeof(msg));
	cr_assert_arr_eq(tag, want_tag, 16);
	/* The operation goes on: a second message, with a 96-bit tag. */
	p.ulTagBits = 96;
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, msg, 10, ct, &cl), CKR_OK);
	ossl_gcm(iv, 12, NULL, 0, msg, 10, want, want_tag, 12);
	cr_assert_arr_eq(ct, want, 10);
	cr_assert_arr_eq(tag, want_tag, 12);
	cr_assert_eq(f->C_MessageEncryptFinal(s), CKR_OK);
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, msg, 10, ct, &cl),
		     CKR_OPERATION_NOT_INITIALIZED);
	/* Decrypt OpenSSL's message; a damaged tag gives no plaintext and ends only it. */
	ossl_gcm(iv, 12, aad, sizeof(aad), msg, sizeof(msg), want, want_tag, 16);
	CK_GCM_MESSAGE_PARAMS d = { iv, sizeof(iv), 0, CKG_NO_GENERATE, want_tag, 128 };
	CK_ULONG pl = sizeof(pt);
	cr_assert_eq(f->C_MessageDecryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(
	    f->C_DecryptMessage(s, &d, sizeof(d), aad, sizeof(aad), want, sizeof(msg), pt, &pl),
	    CKR_OK);
	cr_assert_eq(pl, sizeof(msg));
	cr_assert_arr_eq(pt, msg, sizeof(msg));
	want_tag[3] ^= 1;
	memset(pt, 0, sizeof(pt));
	cr_assert_eq(
	    f->C_DecryptMessage(s, &d, sizeof(d), aad, sizeof(aad), want, sizeof(msg), pt, &pl),
	    CKR_ENCRYPTED_DATA_INVALID);
	cr_assert_eq(pt[0], 0, "no plaintext from a message whose tag is wrong");
	want_tag[3] ^= 1;
	cr_assert_eq(
	    f->C_DecryptMessage(s, &d, sizeof(d), aad, sizeof(aad), want, sizeof(msg), pt, &pl),
	    CKR_OK);
	cr_assert_eq(f->C_MessageDecryptFinal(s), CKR_OK);
}

Test(message, token_made_ivs_keep_the_fixed_part)
{
	CK_FUNCTION_LIST_3_0 *f = f30();
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_MECHANISM gcm = { CKM_AES_GCM, NULL, 0 };
	CK_BYTE iv[16], first[16], tag[16], ct[64], want[64], want_tag[16];
	fill();
	memset(iv, 0xc3, sizeof(iv));
	/* 28 fixed bits: three bytes and the high nibble of the fourth stay; 100 random. */
	CK_GCM_MESSAGE_PARAMS p = { iv, sizeof(iv), 28, CKG_GENERATE_RANDOM, tag, 128 };
	CK_ULONG cl = sizeof(ct);
	cr_assert_eq(f->C_MessageEncryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), aad, 5, msg, sizeof(msg), ct, &cl),
		     CKR_OK);
	cr_assert_eq(memcmp(iv, "\xc3\xc3\xc3", 3), 0);
	cr_assert_eq(iv[3] & 0xf0, 0xc0);
	memcpy(first, iv, 16);
	ossl_gcm(iv, 16, aad, 5, msg, sizeof(msg), want, want_tag, 16);
	cr_assert_arr_eq(ct, want, sizeof(msg));
	cr_assert_arr_eq(tag, want_tag, 16);
	p.ivGenerator = CKG_GENERATE;
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), aad, 5, msg, sizeof(msg), ct, &cl),
		     CKR_OK);
	cr_assert_neq(memcmp(iv, first, 16), 0, "a new IV for each message");
	/* Refused: a counter (it would restart with each init), too few random bits. */
	p.ivGenerator = CKG_GENERATE_COUNTER;
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, msg, 8, ct, &cl),
		     CKR_MECHANISM_PARAM_INVALID);
	p.ivGenerator = CKG_GENERATE_RANDOM;
	p.ulIvFixedBits = 40; /* 88 random bits */
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, msg, 8, ct, &cl),
		     CKR_MECHANISM_PARAM_INVALID);
	/* Decryption takes the IV as it is given. */
	CK_GCM_MESSAGE_PARAMS d = { iv, sizeof(iv), 0, CKG_GENERATE, tag, 128 };
	cr_assert_eq(f->C_MessageDecryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(f->C_DecryptMessage(s, &d, sizeof(d), NULL, 0, ct, 8, want, &cl),
		     CKR_MECHANISM_PARAM_INVALID);
}

Test(message, parts_match_openssl)
{
	CK_FUNCTION_LIST_3_0 *f = f30();
	CK_SESSION_HANDLE s = ready(true);
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0);
	CK_MECHANISM gcm = { CKM_AES_GCM, NULL, 0 };
	CK_BYTE iv[16], tag[16], ct[64], pt[64], want[64], want_tag[16];
	memset(iv, 0x17, sizeof(iv));
	fill();
	CK_GCM_MESSAGE_PARAMS p = { iv, sizeof(iv), 0, CKG_NO_GENERATE, tag, 128 };
	cr_assert_eq(f->C_MessageEncryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(f->C_EncryptMessageNext(s, &p, sizeof(p), msg, 7, ct, NULL, 0),
		     CKR_OPERATION_NOT_INITIALIZED);
	cr_assert_eq(f->C_EncryptMessageBegin(s, &p, sizeof(p), aad, sizeof(aad)), CKR_OK);
	CK_ULONG got = 0, l, cl = sizeof(ct);
	cr_assert_eq(f->C_EncryptMessage(s, &p, sizeof(p), NULL, 0, msg, 8, ct, &cl),
		     CKR_OPERATION_ACTIVE);
	for (CK_ULONG off = 0; off < sizeof(msg); off += 13) {
		CK_ULONG step = sizeof(msg) - off < 13 ? sizeof(msg) - off : 13;
		bool last = off + step == sizeof(msg);
		l = sizeof(ct) - got;
		cr_assert_eq(f->C_EncryptMessageNext(s, &p, sizeof(p), msg + off, step, ct + got,
						     &l, last ? CKF_END_OF_MESSAGE : 0),
			     CKR_OK);
		got += l;
	}
	cr_assert_eq(got, sizeof(msg));
	ossl_gcm(iv, 16, aad, sizeof(aad), msg, sizeof(msg), want, want_tag, 16);
	cr_assert_arr_eq(ct, want, sizeof(msg));
	cr_assert_arr_eq(tag, want_tag, 16);
	/* Decrypt in parts: nothing comes out before the last part checks the tag. */
	cr_assert_eq(f->C_MessageDecryptInit(s, &gcm, k), CKR_OK);
	cr_assert_eq(f->C_DecryptMessageBegin(s, &p, sizeof(p), aad, sizeof(aad)), CKR_OK);
	l = sizeof(pt);
	cr_assert_eq(f->C_DecryptMessageNext(s, &p, sizeof(p), ct, 40, pt, &l, 0), CKR_OK);
	cr_assert_eq(l, 0);
	l = 0;
	cr_assert_eq(f->C_DecryptMessageNext(s, &p, sizeof(p), ct + 40, sizeof(msg) - 40, NULL, &l,
					     CKF_END_OF_MESSAGE),
		     CKR_OK);
	cr_assert_eq(l, sizeof(msg), "the length query counts every part");
	l = 5;
	cr_assert_eq(f->C_DecryptMessageNext(s, &p, sizeof(p), ct + 40, sizeof(msg) - 40, pt, &l,
					     CKF_END_OF_MESSAGE),
		     CKR_BUFFER_TOO_SMALL);
	l = sizeof(pt);
	cr_assert_eq(f->C_DecryptMessageNext(s, &p, sizeof(p), ct + 40, sizeof(msg) - 40, pt, &l,
					     CKF_END_OF_MESSAGE),
		     CKR_OK);
	cr_assert_eq(l, sizeof(msg));
	cr_assert_arr_eq(pt, msg, sizeof(msg));
	/* A damaged part: the tag check fails at the end and the message is over. */
	ct[3] ^= 1;
	cr_assert_eq(f->C_DecryptMessageBegin(s, &p, sizeof(p), aad, sizeof(aad)), CKR_OK);
	l = sizeof(pt);
	cr_assert_eq(
	    f->C_DecryptMessageNext(s, &p, sizeof(p), ct, sizeof(msg), pt, &l, CKF_END_OF_MESSAGE),
	    CKR_ENCRYPTED_DATA_INVALID);
	cr_assert_eq(f->C_DecryptMessageNext(s, &p, sizeof(p), ct, 1, pt, &l, 0),
		     CKR_OPERATION_NOT_INITIALIZED);
	cr_assert_eq(f->C_SessionCancel(s, CKF_MESSAGE_DECRYPT), CKR_OK);
	cr_assert_eq(f->C_MessageDecryptFinal(s), CKR_OPERATION_NOT_INITIALIZED);
}

Test(message, init_rules)
{
	CK_FUNCTION_LIST_3_0 *f = f30();
	CK_SESSION_HANDLE s = ready(true);
	CK_ATTRIBUTE no_enc = { CKA_ENCRYPT, &(CK_BBOOL){ CK_FALSE }, 1 };
	CK_OBJECT_HANDLE k = aes_key(s, NULL, 0), locked = aes_key(s, &no_enc, 1);
	CK_BYTE iv[12] = { 0 };
	CK_GCM_PARAMS gp = { iv, 12, 96, NULL, 0, 128 };
	CK_MECHANISM gcm = { CKM_AES_GCM, NULL, 0 }, with = { CKM_AES_GCM, &gp, sizeof(gp) },
		     cbc = { CKM_AES_CBC, iv, 16 };
	cr_assert_eq(f->C_MessageEncryptInit(s, &with, k), CKR_MECHANISM_PARAM_INVALID);
	cr_assert_eq(f->C_MessageEncryptInit(s, &cbc, k), CKR_MECHANISM_INVALID);
	cr_assert_eq(f->C_MessageEncryptInit(s, &gcm, locked), CKR_KEY_FUNCTION_NOT_PERMITTED);
	cr_assert_eq(f->C_MessageEncryptInit(s, NULL, k), CKR_ARGUMENTS_BAD);
	cr_assert_eq(f->C_MessageEncryptFinal(s), CKR_OPERATION_NOT_INITIALIZED);
	CK_MECHANISM_INFO info;
	cr_assert_eq(C_GetMechanismInfo(slot, CKM_AES_GCM, &info), CKR_OK);
	cr_assert(info.flags & CKF_MESSAGE_ENCRYPT && info.flags & CKF_MESSAGE_DECRYPT &&
		  info.flags & CKF_MULTI_MESSAGE);
	/* Signing messages stays refused (strict.md says why). */
	cr_assert_eq(f->C_MessageSignInit(s, &gcm, k), CKR_FUNCTION_NOT_SUPPORTED);
}
