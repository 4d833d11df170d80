/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: the v3.0 functions, offered only when the wrapped module has a v3.0
 * interface (trace.c). The message-based functions are recorded with their parameters and
 * lengths; their data (AEAD plaintexts, say) is left out. */
#include "hsmlab/p11client.h"
#include "trace_fns.h"

typedef hl_trace_rec_t rec_t;

#define U3 hl_trace_under3()
#define CALL3(f, ...) \
	(U3 != NULL && U3->f != NULL ? U3->f(__VA_ARGS__) : CKR_FUNCTION_NOT_SUPPORTED)

static CK_RV t_LoginUser(CK_SESSION_HANDLE s, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len,
			 CK_UTF8CHAR_PTR name, CK_ULONG namelen)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_LoginUser");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "user_type", user);
	hl_trace_redacted(&r, "pin", len);
	hl_trace_hex(&r, "username", name, namelen);
	rv = CALL3(C_LoginUser, s, user, pin, len, name, namelen);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static CK_RV t_SessionCancel(CK_SESSION_HANDLE s, CK_FLAGS flags)
{
	rec_t r;
	CK_RV rv;

	hl_trace_begin(&r, "C_SessionCancel");
	hl_trace_num(&r, "session", s);
	hl_trace_num(&r, "flags", flags);
	rv = CALL3(C_SessionCancel, s, flags);
	hl_trace_result(&r, rv);
	return hl_trace_end(&r, rv);
}

static void head(rec_t *r, const char *name, CK_SESSION_HANDLE s, const void *param, CK_ULONG pl)
{
	hl_trace_begin(r, name);
	hl_trace_num(r, "session", s);
	hl_trace_hex(r, "param", param, pl);
}

static CK_RV done(rec_t *r, CK_RV rv, const CK_ULONG *outl)
{
	hl_trace_result(r, rv);
	if (outl != NULL && (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL))
		hl_trace_num(r, "len", *outl);
	return hl_trace_end(r, rv);
}

#define MSG_INIT(op)                                                                     \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) \
	{                                                                                \
		rec_t r;                                                                 \
		head(&r, "C_" #op, s, NULL, 0);                                          \
		hl_trace_mech(&r, "mechanism", m);                                       \
		hl_trace_num(&r, "key", k);                                              \
		return done(&r, CALL3(C_##op, s, m, k), NULL);                           \
	}
#define MSG_FINAL(op)                                    \
	static CK_RV t_##op(CK_SESSION_HANDLE s)         \
	{                                                \
		rec_t r;                                 \
		head(&r, "C_" #op, s, NULL, 0);          \
		return done(&r, CALL3(C_##op, s), NULL); \
	}
#define MSG_CRYPT(op)                                                                        \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR ad, \
			    CK_ULONG adl, CK_BYTE_PTR in, CK_ULONG inl, CK_BYTE_PTR out,     \
			    CK_ULONG_PTR outl)                                               \
	{                                                                                    \
		rec_t r;                                                                     \
		head(&r, "C_" #op, s, p, pl);                                                \
		hl_trace_num(&r, "associated_len", adl);                                     \
		hl_trace_num(&r, "data_len", inl);                                           \
		hl_trace_out_req(&r, out, outl);                                             \
		return done(&r, CALL3(C_##op, s, p, pl, ad, adl, in, inl, out, outl), outl); \
	}
#define MSG_BEGIN(op)                                                                        \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR ad, \
			    CK_ULONG adl)                                                    \
	{                                                                                    \
		rec_t r;                                                                     \
		head(&r, "C_" #op, s, p, pl);                                                \
		hl_trace_num(&r, "associated_len", adl);                                     \
		return done(&r, CALL3(C_##op, s, p, pl, ad, adl), NULL);                     \
	}
#define MSG_NEXT(op)                                                                         \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR in, \
			    CK_ULONG inl, CK_BYTE_PTR out, CK_ULONG_PTR outl, CK_FLAGS fl)   \
	{                                                                                    \
		rec_t r;                                                                     \
		head(&r, "C_" #op, s, p, pl);                                                \
		hl_trace_num(&r, "data_len", inl);                                           \
		hl_trace_out_req(&r, out, outl);                                             \
		hl_trace_num(&r, "flags", fl);                                               \
		return done(&r, CALL3(C_##op, s, p, pl, in, inl, out, outl, fl), outl);      \
	}
#define MSG_SIGN(op)                                                                        \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, \
			    CK_ULONG dl, CK_BYTE_PTR sig, CK_ULONG_PTR sl)                  \
	{                                                                                   \
		rec_t r;                                                                    \
		head(&r, "C_" #op, s, p, pl);                                               \
		hl_trace_num(&r, "data_len", dl);                                           \
		hl_trace_out_req(&r, sig, sl);                                              \
		return done(&r, CALL3(C_##op, s, p, pl, d, dl, sig, sl), sl);               \
	}
#define MSG_VERIFY(op)                                                                      \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, \
			    CK_ULONG dl, CK_BYTE_PTR sig, CK_ULONG sl)                      \
	{                                                                                   \
		rec_t r;                                                                    \
		head(&r, "C_" #op, s, p, pl);                                               \
		hl_trace_num(&r, "data_len", dl);                                           \
		hl_trace_num(&r, "signature_len", sl);                                      \
		return done(&r, CALL3(C_##op, s, p, pl, d, dl, sig, sl), NULL);             \
	}
#define MSG_SBEGIN(op)                                                       \
	static CK_RV t_##op(CK_SESSION_HANDLE s, CK_VOID_PTR p, CK_ULONG pl) \
	{                                                                    \
		rec_t r;                                                     \
		head(&r, "C_" #op, s, p, pl);                                \
		return done(&r, CALL3(C_##op, s, p, pl), NULL);              \
	}

MSG_INIT(MessageEncryptInit)
MSG_INIT(MessageDecryptInit)
MSG_INIT(MessageSignInit)
MSG_INIT(MessageVerifyInit)
MSG_FINAL(MessageEncryptFinal)
MSG_FINAL(MessageDecryptFinal)
MSG_FINAL(MessageSignFinal)
MSG_FINAL(MessageVerifyFinal)
MSG_CRYPT(EncryptMessage)
MSG_CRYPT(DecryptMessage)
MSG_BEGIN(EncryptMessageBegin)
MSG_BEGIN(DecryptMessageBegin)
MSG_NEXT(EncryptMessageNext)
MSG_NEXT(DecryptMessageNext)
MSG_SIGN(SignMessage)
MSG_SIGN(SignMessageNext)
MSG_VERIFY(VerifyMessage)
MSG_VERIFY(VerifyMessageNext)
MSG_SBEGIN(SignMessageBegin)
MSG_SBEGIN(VerifyMessageBegin)

void hl_trace_fill3(CK_FUNCTION_LIST_3_0 *l)
{
	l->C_GetInterfaceList = C_GetInterfaceList;
	l->C_GetInterface = C_GetInterface;
	l->C_LoginUser = t_LoginUser;
	l->C_SessionCancel = t_SessionCancel;
	l->C_MessageEncryptInit = t_MessageEncryptInit;
	l->C_EncryptMessage = t_EncryptMessage;
	l->C_EncryptMessageBegin = t_EncryptMessageBegin;
	l->C_EncryptMessageNext = t_EncryptMessageNext;
	l->C_MessageEncryptFinal = t_MessageEncryptFinal;
	l->C_MessageDecryptInit = t_MessageDecryptInit;
	l->C_DecryptMessage = t_DecryptMessage;
	l->C_DecryptMessageBegin = t_DecryptMessageBegin;
	l->C_DecryptMessageNext = t_DecryptMessageNext;
	l->C_MessageDecryptFinal = t_MessageDecryptFinal;
	l->C_MessageSignInit = t_MessageSignInit;
	l->C_SignMessage = t_SignMessage;
	l->C_SignMessageBegin = t_SignMessageBegin;
	l->C_SignMessageNext = t_SignMessageNext;
	l->C_MessageSignFinal = t_MessageSignFinal;
	l->C_MessageVerifyInit = t_MessageVerifyInit;
	l->C_VerifyMessage = t_VerifyMessage;
	l->C_VerifyMessageBegin = t_VerifyMessageBegin;
	l->C_VerifyMessageNext = t_VerifyMessageNext;
	l->C_MessageVerifyFinal = t_MessageVerifyFinal;
}
