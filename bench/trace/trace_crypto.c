/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: the cryptographic functions. Most share a handful of shapes (init
 * with a mechanism and key; data in, data out; data in only; data out only), so one
 * recorder per shape does the work. Decrypted data is recorded by length only when
 * HSMLAB_TRACE_REDACT_PLAINTEXT is set (replay then cannot re-make a ciphertext for another
 * key), wrapped keys when HSMLAB_TRACE_REDACT_WRAPPED is. */
#include <string.h>

#include "hsmlab/p11client.h"
#include "trace_fns.h"

typedef hl_trace_rec_t rec_t;
typedef CK_RV (*init_fn)(CK_SESSION_HANDLE, CK_MECHANISM_PTR, CK_OBJECT_HANDLE);
typedef CK_RV (*io_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG, CK_BYTE_PTR, CK_ULONG_PTR);
typedef CK_RV (*in_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG);
typedef CK_RV (*out_fn)(CK_SESSION_HANDLE, CK_BYTE_PTR, CK_ULONG_PTR);

#define U hl_trace_under()
#define NOFN CKR_FUNCTION_NOT_SUPPORTED

static CK_RV init(const char *name, init_fn f, CK_SESSION_HANDLE s, CK_MECHANISM_PTR m,
		  CK_OBJECT_HANDLE key)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, name);
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	hl_trace_num(&r, "key", key);
	rv = f != NULL ? f(s, m, key) : NOFN;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV io(const char *name, io_fn f, CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG inl,
		CK_BYTE_PTR out, CK_ULONG_PTR outl, int secret_out)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, name);
	hl_trace_num(&r, "session", s);
	hl_trace_hex(&r, "data", in, inl);
	hl_trace_out_req(&r, out, outl);
	rv = f != NULL ? f(s, in, inl, out, outl) : NOFN;
	hl_trace_result(&r, rv);
	hl_trace_out_bytes(&r, rv, out, outl, secret_out);
	return hl_trace_end(&r, rv);
}

static CK_RV in_only(const char *name, in_fn f, CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG inl)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, name);
	hl_trace_num(&r, "session", s);
	hl_trace_hex(&r, "data", in, inl);
	rv = f != NULL ? f(s, in, inl) : NOFN;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV out_only(const char *name, out_fn f, CK_SESSION_HANDLE s, CK_BYTE_PTR out,
		      CK_ULONG_PTR outl, int secret_out)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, name);
	hl_trace_num(&r, "session", s);
	hl_trace_out_req(&r, out, outl);
	rv = f != NULL ? f(s, out, outl) : NOFN;
	hl_trace_result(&r, rv);
	hl_trace_out_bytes(&r, rv, out, outl, secret_out);
	return hl_trace_end(&r, rv);
}

/* -- one line per entry point -- */

#define INIT(op)                                                                         \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) \
	{                                                                                \
		return init("C_" #op, U->C_##op, s, m, k);                               \
	}
#define IO(op, secret)                                                                          \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG inl, CK_BYTE_PTR out, \
			    CK_ULONG_PTR outl)                                                  \
	{                                                                                       \
		return io("C_" #op, U->C_##op, s, in, inl, out, outl, secret);                  \
	}
#define IN(op)                                                                 \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_BYTE_PTR in, CK_ULONG inl) \
	{                                                                      \
		return in_only("C_" #op, U->C_##op, s, in, inl);               \
	}
#define OUT(op, secret)                                                              \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR outl) \
	{                                                                            \
		return out_only("C_" #op, U->C_##op, s, out, outl, secret);          \
	}

INIT(EncryptInit)
INIT(DecryptInit)
INIT(SignInit)
INIT(SignRecoverInit)
INIT(VerifyInit)
INIT(VerifyRecoverInit)
IO(Encrypt, 0)
IO(EncryptUpdate, 0)
IO(Decrypt, hl_trace_redact_plaintext())
IO(DecryptUpdate, hl_trace_redact_plaintext())
IO(Digest, 0)
IO(Sign, 0)
IO(SignRecover, 0)
IO(VerifyRecover, 0)
IO(DigestEncryptUpdate, 0)
IO(DecryptDigestUpdate, hl_trace_redact_plaintext())
IO(SignEncryptUpdate, 0)
IO(DecryptVerifyUpdate, hl_trace_redact_plaintext())
IN(DigestUpdate)
IN(SignUpdate)
IN(VerifyUpdate)
IN(SeedRandom)
OUT(EncryptFinal, 0)
OUT(DecryptFinal, hl_trace_redact_plaintext())
OUT(DigestFinal, 0)
OUT(SignFinal, 0)

static CK_RV t_DigestInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_DigestInit");
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	rv = U->C_DigestInit != NULL ? U->C_DigestInit(s, m) : NOFN;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_DigestKey(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_DigestKey");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "key", key);
	rv = U->C_DigestKey != NULL ? U->C_DigestKey(s, key) : NOFN;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_Verify(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig, CK_ULONG sl)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_Verify");
	hl_trace_num(&r, "session", s);
	hl_trace_hex(&r, "data", d, dl);
	hl_trace_hex(&r, "signature", sig, sl);
	rv = U->C_Verify != NULL ? U->C_Verify(s, d, dl, sig, sl) : NOFN;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_VerifyFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG sl)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_VerifyFinal");
	hl_trace_num(&r, "session", s);
	hl_trace_hex(&r, "signature", sig, sl);
	rv = U->C_VerifyFinal != NULL ? U->C_VerifyFinal(s, sig, sl) : NOFN;
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_GenerateRandom(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG len)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GenerateRandom");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "len", len);
	rv = U->C_GenerateRandom != NULL ? U->C_GenerateRandom(s, out, len) : NOFN;
	hl_trace_result(&r, rv); /* the bytes are random: no record of them */
	return hl_trace_end(&r, rv);
}

static CK_RV t_GenerateKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			   CK_OBJECT_HANDLE_PTR ph)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GenerateKey");
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = U->C_GenerateKey != NULL ? U->C_GenerateKey(s, m, t, n, ph) : NOFN;
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "key", ph);
	return hl_trace_end(&r, rv);
}

static CK_RV t_GenerateKeyPair(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pub,
			       CK_ULONG npub, CK_ATTRIBUTE_PTR priv, CK_ULONG npriv,
			       CK_OBJECT_HANDLE_PTR hpub, CK_OBJECT_HANDLE_PTR hpriv)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_GenerateKeyPair");
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	hl_trace_tmpl(&r, "public_template", pub, npub, 1);
	hl_trace_tmpl(&r, "private_template", priv, npriv, 1);
	rv = U->C_GenerateKeyPair != NULL
		 ? U->C_GenerateKeyPair(s, m, pub, npub, priv, npriv, hpub, hpriv)
		 : NOFN;
	hl_trace_result(&r, rv);
	if (rv == CKR_OK) {
		hl_trace_ulp(&r, "public_key", hpub);
		hl_trace_ulp(&r, "private_key", hpriv);
	}
	return hl_trace_end(&r, rv);
}

static CK_RV t_WrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE wk,
		       CK_OBJECT_HANDLE key, CK_BYTE_PTR out, CK_ULONG_PTR outl)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_WrapKey");
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	hl_trace_num(&r, "wrapping_key", wk);
	hl_trace_num(&r, "key", key);
	hl_trace_out_req(&r, out, outl);
	rv = U->C_WrapKey != NULL ? U->C_WrapKey(s, m, wk, key, out, outl) : NOFN;
	hl_trace_result(&r, rv);
	hl_trace_out_bytes(&r, rv, out, outl, hl_trace_redact_wrapped());
	return hl_trace_end(&r, rv);
}

static CK_RV t_UnwrapKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE uk,
			 CK_BYTE_PTR in, CK_ULONG inl, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			 CK_OBJECT_HANDLE_PTR ph)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_UnwrapKey");
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	hl_trace_num(&r, "unwrapping_key", uk);
	if (hl_trace_redact_wrapped())
		hl_trace_redacted(&r, "wrapped", inl);
	else
		hl_trace_hex(&r, "wrapped", in, inl);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = U->C_UnwrapKey != NULL ? U->C_UnwrapKey(s, m, uk, in, inl, t, n, ph) : NOFN;
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "key", ph);
	return hl_trace_end(&r, rv);
}

static CK_RV t_DeriveKey(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE base,
			 CK_ATTRIBUTE_PTR t, CK_ULONG n, CK_OBJECT_HANDLE_PTR ph)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_DeriveKey");
	hl_trace_num(&r, "session", s);
	hl_trace_mech(&r, "mechanism", m);
	hl_trace_num(&r, "base_key", base);
	hl_trace_tmpl(&r, "template", t, n, 1);
	rv = U->C_DeriveKey != NULL ? U->C_DeriveKey(s, m, base, t, n, ph) : NOFN;
	hl_trace_result(&r, rv);
	if (rv == CKR_OK)
		hl_trace_ulp(&r, "key", ph);
	return hl_trace_end(&r, rv);
}

void hl_trace_fill_crypto(CK_FUNCTION_LIST_3_0 *l)
{
	l->C_EncryptInit = t_EncryptInit;
	l->C_Encrypt = t_Encrypt;
	l->C_EncryptUpdate = t_EncryptUpdate;
	l->C_EncryptFinal = t_EncryptFinal;
	l->C_DecryptInit = t_DecryptInit;
	l->C_Decrypt = t_Decrypt;
	l->C_DecryptUpdate = t_DecryptUpdate;
	l->C_DecryptFinal = t_DecryptFinal;
	l->C_DigestInit = t_DigestInit;
	l->C_Digest = t_Digest;
	l->C_DigestUpdate = t_DigestUpdate;
	l->C_DigestKey = t_DigestKey;
	l->C_DigestFinal = t_DigestFinal;
	l->C_SignInit = t_SignInit;
	l->C_Sign = t_Sign;
	l->C_SignUpdate = t_SignUpdate;
	l->C_SignFinal = t_SignFinal;
	l->C_SignRecoverInit = t_SignRecoverInit;
	l->C_SignRecover = t_SignRecover;
	l->C_VerifyInit = t_VerifyInit;
	l->C_Verify = t_Verify;
	l->C_VerifyUpdate = t_VerifyUpdate;
	l->C_VerifyFinal = t_VerifyFinal;
	l->C_VerifyRecoverInit = t_VerifyRecoverInit;
	l->C_VerifyRecover = t_VerifyRecover;
	l->C_DigestEncryptUpdate = t_DigestEncryptUpdate;
	l->C_DecryptDigestUpdate = t_DecryptDigestUpdate;
	l->C_SignEncryptUpdate = t_SignEncryptUpdate;
	l->C_DecryptVerifyUpdate = t_DecryptVerifyUpdate;
	l->C_GenerateKey = t_GenerateKey;
	l->C_GenerateKeyPair = t_GenerateKeyPair;
	l->C_WrapKey = t_WrapKey;
	l->C_UnwrapKey = t_UnwrapKey;
	l->C_DeriveKey = t_DeriveKey;
	l->C_SeedRandom = t_SeedRandom;
	l->C_GenerateRandom = t_GenerateRandom;
}
