/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: sign, verify, encrypt, decrypt, digest and random. After the first use
 * of a key the path below touches neither the store nor the cipher of sealed material:
 * handle → cached object → cached hl_key_t → a per-session hl_op_t. */
#include <string.h>

#include "p11/hl_p11.h"

static const CK_FLAGS op_flag[HL_P11_NOPS] = { CKF_SIGN,          CKF_VERIFY, CKF_ENCRYPT,
					       CKF_DECRYPT,       CKF_DIGEST, CKF_SIGN_RECOVER,
					       CKF_VERIFY_RECOVER };
static const CK_ATTRIBUTE_TYPE op_attr[HL_P11_NOPS] = {
	CKA_SIGN, CKA_VERIFY, CKA_ENCRYPT, CKA_DECRYPT, 0, CKA_SIGN_RECOVER, CKA_VERIFY_RECOVER
};
/* Sign-recover is a signature whose data fits in it (CKM_RSA_PKCS pads it, CKM_RSA_X_509
 * takes it as it is); verify-recover is the raw public operation (an encrypt with
 * CKM_RSA_X_509), the padding checked after it. */
static const hl_op_kind_t op_kind[HL_P11_NOPS] = { HL_OP_SIGN,    HL_OP_VERIFY, HL_OP_ENCRYPT,
						   HL_OP_DECRYPT, HL_OP_DIGEST, HL_OP_SIGN,
						   HL_OP_ENCRYPT };

void hl_p11_op_end(hl_session_t *s, int k)
{
	hl_op_free(s->op[k]);
	s->op[k] = NULL;
	s->op_update[k] = false;
	s->op_single[k] = false;
	s->op_reauth[k] = false;
}

static void end_op(hl_session_t *s, int k)
{
	hl_p11_op_end(s, k);
}

CK_RV hl_p11_allowed_mech(const hl_object_t *obj, CK_MECHANISM_TYPE m)
{
	const hl_attr_t *am = hl_attrs_get(&obj->attrs, CKA_ALLOWED_MECHANISMS);
	if (!am || am->len == 0)
		return CKR_OK;
	for (size_t i = 0; i + sizeof(CK_ULONG) <= am->len; i += sizeof(CK_ULONG)) {
		CK_MECHANISM_TYPE v;
		memcpy(&v, am->value + i, sizeof(v));
		if (v == m)
			return CKR_OK;
	}
	return CKR_MECHANISM_INVALID;
}

CK_RV hl_p11_use_key(hl_session_t *s, CK_OBJECT_HANDLE h, CK_ATTRIBUTE_TYPE usage,
		     CK_MECHANISM_TYPE m, hl_key_t **out, bool *always_auth)
{
	hl_object_t *obj = NULL;
	CK_RV rv = hl_p11_object_get(s, h, &obj);
	if (rv == CKR_OBJECT_HANDLE_INVALID)
		return CKR_KEY_HANDLE_INVALID;
	if (rv != CKR_OK)
		return rv;
	if (!(obj->scope & HL_S_KEY))
		return CKR_KEY_TYPE_INCONSISTENT;
	pthread_mutex_lock(&obj->lock);
	if (!hl_attrs_bool(&obj->attrs, usage, false))
		rv = CKR_KEY_FUNCTION_NOT_PERMITTED;
	if (rv == CKR_OK)
		rv = hl_p11_allowed_mech(obj, m);
	*always_auth = obj->cls == CKO_PRIVATE_KEY &&
		       hl_attrs_bool(&obj->attrs, CKA_ALWAYS_AUTHENTICATE, false);
	pthread_mutex_unlock(&obj->lock);
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_object_key(obj, out));
	return rv;
}

/* The key of operation k; *reauth: a private-key operation (sign, decrypt) on a key with
 * CKA_ALWAYS_AUTHENTICATE, which waits for a context-specific login. */
static CK_RV key_for(hl_session_t *s, int k, const CK_MECHANISM *mech, CK_OBJECT_HANDLE hKey,
		     hl_key_t **out, bool *reauth)
{
	bool always = false;
	CK_RV rv = hl_p11_use_key(s, hKey, op_attr[k], mech->mechanism, out, &always);
	*reauth = always && (k == HL_P11_SIGN || k == HL_P11_DECRYPT || k == HL_P11_SIGN_RECOVER);
	return rv;
}

/* The profile's key-size limits for the mechanism. Checked after hl_op_new, so a key of the
 * wrong type gets CKR_KEY_TYPE_INCONSISTENT, not a size error. */
static bool key_size_ok(const hl_profile_mech_t *pm, const hl_key_t *key)
{
	unsigned long bits = hl_key_bits(key);

	if (!pm->info.ulMaxKeySize)
		return true;
	if (hl_key_kind(key) == HL_KEY_SECRET)
		bits /= 8; /* AES sizes are in bytes in the spec */
	if (hl_key_kind(key) == HL_KEY_EDWARDS)
		return hl_crypto_ed_size_in(bits, pm->info.ulMinKeySize, pm->info.ulMaxKeySize);
	return bits >= pm->info.ulMinKeySize && bits <= pm->info.ulMaxKeySize;
}

static CK_RV op_init(CK_SESSION_HANDLE h, int k, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE hKey)
{
	hl_session_t *s;
	hl_key_t *key = NULL;
	bool reauth = false;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!mech)
		rv = CKR_ARGUMENTS_BAD;
	else if (s->op[k])
		rv = CKR_OPERATION_ACTIVE;
	const hl_profile_mech_t *pm =
	    mech ? hl_profile_mech(s->slot->dev->profile, mech->mechanism) : NULL;
	if (rv == CKR_OK && (!pm || !(pm->info.flags & op_flag[k])))
		rv = CKR_MECHANISM_INVALID;
	bool recover = k == HL_P11_SIGN_RECOVER || k == HL_P11_VERIFY_RECOVER;
	if (rv == CKR_OK && recover && mech->mechanism != CKM_RSA_PKCS &&
	    mech->mechanism != CKM_RSA_X_509)
		rv = CKR_MECHANISM_INVALID;
	if (rv == CKR_OK && k != HL_P11_DIGEST)
		rv = key_for(s, k, mech, hKey, &key, &reauth);
	CK_MECHANISM raw = { CKM_RSA_X_509, NULL, 0 };
	if (rv == CKR_OK && k == HL_P11_VERIFY_RECOVER) {
		rv = mech->ulParameterLen ? CKR_MECHANISM_PARAM_INVALID : CKR_OK;
		s->recover_pkcs1 = mech->mechanism == CKM_RSA_PKCS;
	}
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_op_new(op_kind[k], k == HL_P11_VERIFY_RECOVER ? &raw : mech, key,
					 &s->op[k]));
	if (rv == CKR_OK && key != NULL && !key_size_ok(pm, key)) {
		hl_op_free(s->op[k]);
		s->op[k] = NULL;
		rv = CKR_KEY_SIZE_RANGE;
	}
	if (rv == CKR_OK) /* a refused init leaves an active operation as it was */
		s->op_reauth[k] = reauth;
	hl_key_free(key);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* Single-part call with the spec's length rules: a length query or a too-small buffer
 * keeps the operation; anything else ends it. */
static CK_RV op_oneshot(CK_SESSION_HANDLE h, int k, CK_BYTE_PTR in, CK_ULONG in_len,
			CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->op[k]) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else if (s->op_reauth[k]) {
		/* CKA_ALWAYS_AUTHENTICATE without C_Login(CKU_CONTEXT_SPECIFIC): like any error
		 * of the call, it ends the operation (the key needs a new init and login). */
		rv = CKR_USER_NOT_LOGGED_IN;
		end_op(s, k);
	} else if (s->op_update[k]) {
		/* A single-part call cannot finish a multi-part operation: the error ends it. */
		rv = CKR_OPERATION_ACTIVE;
		end_op(s, k);
	} else if (!out_len || (!in && in_len)) {
		rv = CKR_ARGUMENTS_BAD;
		end_op(s, k);
	} else {
		size_t ol = *out_len;
		hl_status_t st = hl_op_oneshot(s->op[k], in, in_len, out, &ol);
		if (st == HL_OK || st == HL_ERR_BUFFER_TOO_SMALL)
			*out_len = (CK_ULONG)ol;
		if ((st != HL_OK || out) && st != HL_ERR_BUFFER_TOO_SMALL)
			end_op(s, k);
		else
			s->op_single[k] = true; /* kept: only the single-part call may follow */
		rv = hl_p11_rv(st);
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* Multi-part calls after a single-part length query: the key must not go on to sign (or
 * encrypt) data the caller never gave it, so the mix ends the operation. */
static CK_RV part_gate(hl_session_t *s, int k)
{
	if (!s->op[k])
		return CKR_OPERATION_NOT_INITIALIZED;
	if (s->op_reauth[k])
		return CKR_USER_NOT_LOGGED_IN; /* CKA_ALWAYS_AUTHENTICATE, as in op_oneshot */
	if (s->op_single[k])
		return CKR_OPERATION_ACTIVE;
	if (!hl_op_multipart(s->op[k]))
		return CKR_FUNCTION_NOT_SUPPORTED; /* like SoftHSMv2: ends the operation */
	return CKR_OK;
}

/* Update of sign, verify and digest (no output), or of encrypt and decrypt (out, out_len). */
static CK_RV op_update(CK_SESSION_HANDLE h, int k, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,
		       CK_ULONG_PTR out_len)
{
	hl_session_t *s;
	bool cipher = k == HL_P11_ENCRYPT || k == HL_P11_DECRYPT;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	rv = part_gate(s, k);
	if (rv == CKR_OK && ((!in && in_len) || (cipher && !out_len)))
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK && cipher) {
		size_t ol = *out_len;
		hl_status_t st = hl_op_update_out(s->op[k], in, in_len, out, &ol);
		if (st == HL_OK || st == HL_ERR_BUFFER_TOO_SMALL)
			*out_len = (CK_ULONG)ol;
		rv = hl_p11_rv(st);
		if (out)
			s->op_update[k] = true;
	} else if (rv == CKR_OK) {
		rv = hl_p11_rv(hl_op_update(s->op[k], in, in_len));
		s->op_update[k] = true;
	}
	if (rv != CKR_OK && rv != CKR_OPERATION_NOT_INITIALIZED && rv != CKR_BUFFER_TOO_SMALL)
		end_op(s, k);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

static CK_RV op_final(CK_SESSION_HANDLE h, int k, CK_BYTE_PTR out, CK_ULONG_PTR out_len)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	rv = part_gate(s, k);
	if (rv == CKR_OK && !out_len)
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK) {
		size_t ol = *out_len;
		hl_status_t st = hl_op_final(s->op[k], out, &ol);
		if (st == HL_OK || st == HL_ERR_BUFFER_TOO_SMALL)
			*out_len = (CK_ULONG)ol;
		rv = hl_p11_rv(st);
		if ((st != HL_OK || out) && st != HL_ERR_BUFFER_TOO_SMALL)
			end_op(s, k);
		else
			s->op_update[k] =
			    true; /* a kept final: the single-part call may not follow */
	} else if (rv != CKR_OPERATION_NOT_INITIALIZED) {
		end_op(s, k);
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

static CK_RV verify(CK_SESSION_HANDLE h, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR sig,
		    CK_ULONG sig_len, bool final)
{
	hl_session_t *s;
	const int k = HL_P11_VERIFY;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->op[k]) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else if (!final && s->op_update[k]) {
		rv = CKR_OPERATION_ACTIVE; /* the spec: this error ends the operation too */
		end_op(s, k);
	} else {
		if ((!in && in_len) || !sig)
			rv = CKR_ARGUMENTS_BAD;
		else if (final && !hl_op_multipart(s->op[k]))
			rv = CKR_FUNCTION_NOT_SUPPORTED;
		else
			rv = hl_p11_rv(
			    hl_op_verify(s->op[k], final ? NULL : in, in_len, sig, sig_len));
		end_op(s, k);
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* -- the entry points -- */

CK_RV hl_p11_C_SignInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, HL_P11_SIGN, m, k);
}
CK_RV hl_p11_C_Sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG_PTR sl)
{
	return op_oneshot(h, HL_P11_SIGN, d, dl, s, sl);
}
CK_RV hl_p11_C_SignUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG l)
{
	return op_update(h, HL_P11_SIGN, p, l, NULL, NULL);
}
CK_RV hl_p11_C_SignFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG_PTR sl)
{
	return op_final(h, HL_P11_SIGN, s, sl);
}
CK_RV hl_p11_C_VerifyInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, HL_P11_VERIFY, m, k);
}
CK_RV hl_p11_C_Verify(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG sl)
{
	return verify(h, d, dl, s, sl, false);
}
CK_RV hl_p11_C_VerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG l)
{
	return op_update(h, HL_P11_VERIFY, p, l, NULL, NULL);
}
CK_RV hl_p11_C_VerifyFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR s, CK_ULONG sl)
{
	return verify(h, NULL, 0, s, sl, true);
}
CK_RV hl_p11_C_EncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, HL_P11_ENCRYPT, m, k);
}
CK_RV hl_p11_C_Encrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o,
		       CK_ULONG_PTR ol)
{
	return op_oneshot(h, HL_P11_ENCRYPT, d, dl, o, ol);
}
CK_RV hl_p11_C_EncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o,
			     CK_ULONG_PTR ol)
{
	return op_update(h, HL_P11_ENCRYPT, d, dl, o, ol);
}
CK_RV hl_p11_C_EncryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR ol)
{
	return op_final(h, HL_P11_ENCRYPT, o, ol);
}
CK_RV hl_p11_C_DecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, HL_P11_DECRYPT, m, k);
}
CK_RV hl_p11_C_Decrypt(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o,
		       CK_ULONG_PTR ol)
{
	return op_oneshot(h, HL_P11_DECRYPT, d, dl, o, ol);
}
CK_RV hl_p11_C_DecryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o,
			     CK_ULONG_PTR ol)
{
	return op_update(h, HL_P11_DECRYPT, d, dl, o, ol);
}
CK_RV hl_p11_C_DecryptFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR ol)
{
	return op_final(h, HL_P11_DECRYPT, o, ol);
}
CK_RV hl_p11_C_DigestInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m)
{
	return op_init(h, HL_P11_DIGEST, m, CK_INVALID_HANDLE);
}
CK_RV hl_p11_C_Digest(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR o,
		      CK_ULONG_PTR ol)
{
	return op_oneshot(h, HL_P11_DIGEST, d, dl, o, ol);
}
CK_RV hl_p11_C_DigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG l)
{
	return op_update(h, HL_P11_DIGEST, p, l, NULL, NULL);
}
CK_RV hl_p11_C_DigestFinal(CK_SESSION_HANDLE h, CK_BYTE_PTR o, CK_ULONG_PTR ol)
{
	return op_final(h, HL_P11_DIGEST, o, ol);
}

CK_RV hl_p11_C_DigestKey(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	hl_p11_unlock();
	return CKR_KEY_INDIGESTIBLE;
}

#define NOT_SUPPORTED_SESSION_CALL(h)               \
	do {                                        \
		hl_session_t *s_;                   \
		CK_RV rv_ = hl_p11_enter((h), &s_); \
		if (rv_ != CKR_OK)                  \
			return rv_;                 \
		hl_p11_unlock();                    \
		return CKR_FUNCTION_NOT_SUPPORTED;  \
	} while (0)

CK_RV hl_p11_C_SignRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, HL_P11_SIGN_RECOVER, m, k);
}
CK_RV hl_p11_C_SignRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR s,
			   CK_ULONG_PTR sl)
{
	return op_oneshot(h, HL_P11_SIGN_RECOVER, d, dl, s, sl);
}
CK_RV hl_p11_C_VerifyRecoverInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return op_init(h, HL_P11_VERIFY_RECOVER, m, k);
}
CK_RV hl_p11_C_VerifyRecover(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG sl, CK_BYTE_PTR d,
			     CK_ULONG_PTR dl)
{
	hl_session_t *s;
	const int k = HL_P11_VERIFY_RECOVER;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->op[k]) {
		rv = CKR_OPERATION_NOT_INITIALIZED;
	} else if (!dl || (!sig && sl)) {
		rv = CKR_ARGUMENTS_BAD;
		end_op(s, k);
	} else {
		size_t ol = *dl;
		hl_status_t st = hl_op_verify_recover(s->op[k], sig, sl, s->recover_pkcs1, d, &ol);
		if (st == HL_OK || st == HL_ERR_BUFFER_TOO_SMALL)
			*dl = (CK_ULONG)ol;
		if ((st != HL_OK || d) && st != HL_ERR_BUFFER_TOO_SMALL)
			end_op(s, k);
		rv = hl_p11_rv(st);
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}
CK_RV hl_p11_C_DigestEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG pl, CK_BYTE_PTR e,
				   CK_ULONG_PTR el)
{
	NOT_SUPPORTED_SESSION_CALL(h);
}
CK_RV hl_p11_C_DecryptDigestUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR e, CK_ULONG el, CK_BYTE_PTR p,
				   CK_ULONG_PTR pl)
{
	NOT_SUPPORTED_SESSION_CALL(h);
}
CK_RV hl_p11_C_SignEncryptUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR p, CK_ULONG pl, CK_BYTE_PTR e,
				 CK_ULONG_PTR el)
{
	NOT_SUPPORTED_SESSION_CALL(h);
}
CK_RV hl_p11_C_DecryptVerifyUpdate(CK_SESSION_HANDLE h, CK_BYTE_PTR e, CK_ULONG el, CK_BYTE_PTR p,
				   CK_ULONG_PTR pl)
{
	NOT_SUPPORTED_SESSION_CALL(h);
}

CK_RV hl_p11_C_SeedRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR seed, CK_ULONG len)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	hl_p11_unlock();
	return CKR_RANDOM_SEED_NOT_SUPPORTED;
}

CK_RV hl_p11_C_GenerateRandom(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	rv = (!out && len) ? CKR_ARGUMENTS_BAD : hl_p11_rv(hl_crypto_random(out, len));
	hl_p11_unlock();
	return rv;
}
