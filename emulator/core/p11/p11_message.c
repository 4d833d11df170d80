/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: PKCS#11 3.0 message-based encryption and decryption (§5.14) for AES-GCM:
 * C_MessageEncryptInit names the key once, each message brings its own CK_GCM_MESSAGE_PARAMS
 * (IV, tag) and associated data, single-part (C_EncryptMessage) or in parts
 * (C_EncryptMessageBegin/Next), until C_MessageEncryptFinal. Each message is an operation of
 * the crypto layer (hl_op_t with CK_GCM_PARAMS), so the bytes are the ones C_Encrypt makes. */
#include <stdlib.h>
#include <string.h>

#include "p11/hl_p11.h"

enum { ENC, DEC };

/* One message-based operation of a session. */
struct hl_p11_msg {
	hl_key_t *key;
	hl_op_t *op; /* the message of Begin/Next in progress, or NULL */
	size_t fed;  /* decrypt: ciphertext bytes of that message so far */
};

void hl_p11_msg_end(hl_session_t *s, int which)
{
	struct hl_p11_msg *m = s->msg[which];
	if (!m)
		return;
	hl_op_free(m->op);
	hl_key_free(m->key);
	free(m);
	s->msg[which] = NULL;
}

static void message_end(struct hl_p11_msg *m)
{
	hl_op_free(m->op);
	m->op = NULL;
	m->fed = 0;
}

/* -- init and final -- */

static CK_RV msg_init(CK_SESSION_HANDLE h, int which, CK_MECHANISM_PTR mech, CK_OBJECT_HANDLE hKey)
{
	hl_session_t *s;
	hl_key_t *key = NULL;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	const hl_profile_mech_t *pm =
	    mech ? hl_profile_mech(s->slot->dev->profile, mech->mechanism) : NULL;
	CK_FLAGS flag = which == ENC ? CKF_MESSAGE_ENCRYPT : CKF_MESSAGE_DECRYPT;
	if (!mech)
		rv = CKR_ARGUMENTS_BAD;
	else if (s->msg[which])
		rv = CKR_OPERATION_ACTIVE;
	else if (!pm || !(pm->info.flags & flag) || mech->mechanism != CKM_AES_GCM)
		rv = CKR_MECHANISM_INVALID;
	else if (mech->pParameter || mech->ulParameterLen)
		rv = CKR_MECHANISM_PARAM_INVALID; /* AES-GCM's parameters come per message */
	bool always = false;                      /* AES keys: no CKA_ALWAYS_AUTHENTICATE */
	if (rv == CKR_OK)
		rv = hl_p11_use_key(s, hKey, which == ENC ? CKA_ENCRYPT : CKA_DECRYPT,
				    mech->mechanism, &key, &always);
	/* A trial message with a valid IV: a key that is no AES key is refused now. */
	CK_BYTE iv[12] = { 0 };
	CK_GCM_PARAMS gp = { iv, sizeof(iv), 96, NULL, 0, 128 };
	CK_MECHANISM trial = { CKM_AES_GCM, &gp, sizeof(gp) };
	hl_op_t *op = NULL;
	if (rv == CKR_OK)
		rv = hl_p11_rv(
		    hl_op_new(which == ENC ? HL_OP_ENCRYPT : HL_OP_DECRYPT, &trial, key, &op));
	hl_op_free(op);
	if (rv == CKR_OK && !(s->msg[which] = calloc(1, sizeof(struct hl_p11_msg))))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK) {
		s->msg[which]->key = key;
		key = NULL;
	}
	hl_key_free(key);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

static CK_RV msg_final(CK_SESSION_HANDLE h, int which)
{
	hl_session_t *s;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	if (!s->msg[which])
		rv = CKR_OPERATION_NOT_INITIALIZED;
	hl_p11_msg_end(s, which);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* -- per-message parameters -- */

/* A message's CK_GCM_MESSAGE_PARAMS. Decryption takes the IV as given; encryption may have
 * the token make it: CKG_GENERATE and CKG_GENERATE_RANDOM fill the bits after the
 * ulIvFixedBits leading ones with random bits (96 of them at least). CKG_GENERATE_COUNTER is
 * refused: a counter that restarts with every C_MessageEncryptInit would repeat IVs under the same
 * key. */
static CK_RV gcm_params(const void *p, CK_ULONG len, int which, CK_GCM_MESSAGE_PARAMS *out)
{
	if (!p || len != sizeof(*out))
		return CKR_MECHANISM_PARAM_INVALID;
	memcpy(out, p, sizeof(*out));
	if (!out->pIv || !out->ulIvLen || out->ulIvLen > 256 || !out->pTag ||
	    out->ulIvFixedBits > out->ulIvLen * 8 || out->ulTagBits % 8 || out->ulTagBits < 32 ||
	    out->ulTagBits > 128)
		return CKR_MECHANISM_PARAM_INVALID;
	if (out->ivGenerator == CKG_NO_GENERATE)
		return CKR_OK;
	if (which == DEC ||
	    (out->ivGenerator != CKG_GENERATE && out->ivGenerator != CKG_GENERATE_RANDOM))
		return CKR_MECHANISM_PARAM_INVALID;
	/* NIST SP 800-38D §8.2.2: a random field of 96 bits at least. */
	return out->ulIvLen * 8 - out->ulIvFixedBits >= 96 ? CKR_OK : CKR_MECHANISM_PARAM_INVALID;
}

/* Writes the generated IV into the caller's pIv (the spec returns it there). */
static CK_RV make_iv(const CK_GCM_MESSAGE_PARAMS *g)
{
	if (g->ivGenerator == CKG_NO_GENERATE)
		return CKR_OK;
	CK_BYTE iv[256];
	CK_RV rv = hl_p11_rv(hl_crypto_random(iv, g->ulIvLen));
	size_t whole = g->ulIvFixedBits / 8, bits = g->ulIvFixedBits % 8;
	if (rv != CKR_OK)
		return rv;
	memcpy(iv, g->pIv, whole);
	if (bits) {
		CK_BYTE keep = (CK_BYTE)(0xffu << (8 - bits));
		iv[whole] = (CK_BYTE)((g->pIv[whole] & keep) | (iv[whole] & (CK_BYTE)~keep));
	}
	memcpy(g->pIv, iv, g->ulIvLen);
	return CKR_OK;
}

/* The crypto layer's operation for one message. */
static CK_RV message_op(const struct hl_p11_msg *m, int which, const CK_GCM_MESSAGE_PARAMS *g,
			const CK_BYTE *aad, CK_ULONG aad_len, hl_op_t **op)
{
	if (!aad && aad_len)
		return CKR_ARGUMENTS_BAD;
	CK_GCM_PARAMS gp = { g->pIv,           g->ulIvLen, g->ulIvLen * 8,
			     (CK_BYTE_PTR)aad, aad_len,    g->ulTagBits };
	CK_MECHANISM mech = { CKM_AES_GCM, &gp, sizeof(gp) };
	return hl_p11_rv(
	    hl_op_new(which == ENC ? HL_OP_ENCRYPT : HL_OP_DECRYPT, &mech, m->key, op));
}

/* -- single-part messages -- */

/* Encrypt: in → out, the tag into g->pTag. Decrypt: in and the tag → out, nothing before the
 * tag is checked. *out_len is in_len both ways (GCM adds no bytes to the text). */
static CK_RV one_message(const struct hl_p11_msg *m, int which, const CK_GCM_MESSAGE_PARAMS *g,
			 const CK_BYTE *aad, CK_ULONG aad_len, const CK_BYTE *in, CK_ULONG in_len,
			 CK_BYTE *out, CK_ULONG_PTR out_len)
{
	size_t tag = g->ulTagBits / 8, bl = in_len + tag;
	hl_op_t *op = NULL;
	CK_BYTE *buf = malloc(bl);
	CK_RV rv = buf ? CKR_OK : CKR_HOST_MEMORY;
	if (rv == CKR_OK && which == ENC)
		rv = make_iv(g);
	if (rv == CKR_OK)
		rv = message_op(m, which, g, aad, aad_len, &op);
	if (rv == CKR_OK && which == DEC) {
		if (in_len) /* an empty message may come as NULL, 0 */
			memcpy(buf, in, in_len);
		memcpy(buf + in_len, g->pTag, tag);
		size_t ol = in_len;
		rv = hl_p11_rv(hl_op_oneshot(op, buf, bl, out, &ol));
	} else if (rv == CKR_OK) {
		rv = hl_p11_rv(hl_op_oneshot(op, in, in_len, buf, &bl));
		if (rv == CKR_OK && bl != in_len + tag)
			rv = CKR_GENERAL_ERROR;
		if (rv == CKR_OK) {
			memcpy(out, buf, in_len);
			memcpy(g->pTag, buf + in_len, tag);
		}
	}
	if (rv == CKR_OK)
		*out_len = in_len;
	hl_op_free(op);
	if (buf)
		hl_crypto_wipe(buf, in_len + tag);
	free(buf);
	return rv;
}

static CK_RV msg_x(CK_SESSION_HANDLE h, int which, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR aad,
		   CK_ULONG aad_len, CK_BYTE_PTR in, CK_ULONG in_len, CK_BYTE_PTR out,
		   CK_ULONG_PTR out_len)
{
	hl_session_t *s;
	CK_GCM_MESSAGE_PARAMS g;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	struct hl_p11_msg *m = s->msg[which];
	if (!m)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (m->op)
		rv = CKR_OPERATION_ACTIVE; /* a message in parts is under way */
	else if (!out_len || (!in && in_len))
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = gcm_params(p, pl, which, &g);
	/* Length rules of every output call; an error ends the message, not the operation. */
	if (rv == CKR_OK && (!out || *out_len < in_len)) {
		rv = out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
		*out_len = in_len;
	} else if (rv == CKR_OK) {
		rv = one_message(m, which, &g, aad, aad_len, in, in_len, out, out_len);
	}
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* -- messages in parts -- */

static CK_RV msg_begin(CK_SESSION_HANDLE h, int which, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR aad,
		       CK_ULONG aad_len)
{
	hl_session_t *s;
	CK_GCM_MESSAGE_PARAMS g;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	struct hl_p11_msg *m = s->msg[which];
	if (!m)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (m->op)
		rv = CKR_OPERATION_ACTIVE;
	if (rv == CKR_OK)
		rv = gcm_params(p, pl, which, &g);
	if (rv == CKR_OK && which == ENC)
		rv = make_iv(&g);
	if (rv == CKR_OK)
		rv = message_op(m, which, &g, aad, aad_len, &m->op);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* One part through the message's operation; out must hold what the part gives. */
static CK_RV feed(hl_op_t *op, const CK_BYTE *in, size_t len, CK_BYTE *out, size_t cap,
		  size_t *written)
{
	size_t need = 0;
	CK_RV rv = hl_p11_rv(hl_op_update_out(op, in, len, NULL, &need));
	if (rv == CKR_OK && need > cap)
		rv = CKR_GENERAL_ERROR;
	*written = cap;
	if (rv == CKR_OK)
		rv = hl_p11_rv(hl_op_update_out(op, in, len, out, written));
	return rv;
}

/* Encrypt part: the ciphertext of the part; the last part also writes the tag. */
static CK_RV next_encrypt(struct hl_p11_msg *m, const CK_GCM_MESSAGE_PARAMS *g, const CK_BYTE *in,
			  CK_ULONG in_len, CK_BYTE *out, CK_ULONG_PTR out_len, bool last)
{
	size_t need = 0, n = 0, tl = 16;
	CK_BYTE tag[16];
	CK_RV rv = hl_p11_rv(hl_op_update_out(m->op, in, in_len, NULL, &need));
	if (rv == CKR_OK && (!out || *out_len < need)) {
		rv = out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
		*out_len = (CK_ULONG)need;
		return rv;
	}
	if (rv == CKR_OK)
		rv = feed(m->op, in, in_len, out, *out_len, &n);
	if (rv == CKR_OK && last)
		rv = hl_p11_rv(hl_op_final(m->op, tag, &tl));
	if (rv == CKR_OK && last && tl != g->ulTagBits / 8)
		rv = CKR_GENERAL_ERROR;
	if (rv == CKR_OK && last)
		memcpy(g->pTag, tag, tl);
	if (rv == CKR_OK)
		*out_len = (CK_ULONG)n;
	return rv;
}

/* Decrypt part: the parts are kept and the plaintext comes with the last one, once the tag
 * (from that part's parameters) is checked. */
static CK_RV next_decrypt(struct hl_p11_msg *m, const CK_GCM_MESSAGE_PARAMS *g, const CK_BYTE *in,
			  CK_ULONG in_len, CK_BYTE *out, CK_ULONG_PTR out_len, bool last)
{
	size_t total = m->fed + in_len, n = 0, fl;
	CK_BYTE scratch[16];
	if (!last && !out) { /* a length query: nothing comes before the last part */
		*out_len = 0;
		return CKR_OK;
	}
	if (last && (!out || *out_len < total)) {
		*out_len = (CK_ULONG)total;
		return out ? CKR_BUFFER_TOO_SMALL : CKR_OK;
	}
	CK_RV rv = feed(m->op, in, in_len, scratch, sizeof(scratch), &n);
	if (rv == CKR_OK && n)
		rv = CKR_GENERAL_ERROR; /* GCM decrypt holds everything back */
	m->fed = total;
	if (rv == CKR_OK && last)
		rv = feed(m->op, g->pTag, g->ulTagBits / 8, scratch, sizeof(scratch), &n);
	fl = *out_len;
	if (rv == CKR_OK && last)
		rv = hl_p11_rv(hl_op_final(m->op, out, &fl));
	if (rv == CKR_OK)
		*out_len = last ? (CK_ULONG)fl : 0;
	return rv;
}

static CK_RV msg_next(CK_SESSION_HANDLE h, int which, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR in,
		      CK_ULONG in_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len, CK_FLAGS flags)
{
	hl_session_t *s;
	CK_GCM_MESSAGE_PARAMS g;
	bool last = flags & CKF_END_OF_MESSAGE;
	CK_RV rv = hl_p11_enter(h, &s);
	if (rv != CKR_OK)
		return rv;
	pthread_mutex_lock(&s->lock);
	struct hl_p11_msg *m = s->msg[which];
	if (!m || !m->op)
		rv = CKR_OPERATION_NOT_INITIALIZED;
	else if (!out_len || (!in && in_len) || (flags & ~CKF_END_OF_MESSAGE))
		rv = CKR_ARGUMENTS_BAD;
	if (rv == CKR_OK)
		rv = gcm_params(p, pl, which, &g);
	if (rv == CKR_OK)
		rv = which == ENC ? next_encrypt(m, &g, in, in_len, out, out_len, last)
				  : next_decrypt(m, &g, in, in_len, out, out_len, last);
	/* The message ends with its last part or an error (a short buffer or a length query
	 * keep it); the operation goes on with the next message. */
	if (m && m->op && rv != CKR_OPERATION_NOT_INITIALIZED && rv != CKR_BUFFER_TOO_SMALL &&
	    (rv != CKR_OK || (last && out)))
		message_end(m);
	pthread_mutex_unlock(&s->lock);
	hl_p11_unlock();
	return rv;
}

/* -- the entry points -- */

CK_RV hl_p11_C_MessageEncryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return msg_init(h, ENC, m, k);
}
CK_RV hl_p11_C_EncryptMessage(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
			      CK_ULONG al, CK_BYTE_PTR in, CK_ULONG il, CK_BYTE_PTR out,
			      CK_ULONG_PTR ol)
{
	return msg_x(h, ENC, p, pl, a, al, in, il, out, ol);
}
CK_RV hl_p11_C_EncryptMessageBegin(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
				   CK_ULONG al)
{
	return msg_begin(h, ENC, p, pl, a, al);
}
CK_RV hl_p11_C_EncryptMessageNext(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR in,
				  CK_ULONG il, CK_BYTE_PTR out, CK_ULONG_PTR ol, CK_FLAGS f)
{
	return msg_next(h, ENC, p, pl, in, il, out, ol, f);
}
CK_RV hl_p11_C_MessageEncryptFinal(CK_SESSION_HANDLE h)
{
	return msg_final(h, ENC);
}
CK_RV hl_p11_C_MessageDecryptInit(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return msg_init(h, DEC, m, k);
}
CK_RV hl_p11_C_DecryptMessage(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
			      CK_ULONG al, CK_BYTE_PTR in, CK_ULONG il, CK_BYTE_PTR out,
			      CK_ULONG_PTR ol)
{
	return msg_x(h, DEC, p, pl, a, al, in, il, out, ol);
}
CK_RV hl_p11_C_DecryptMessageBegin(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR a,
				   CK_ULONG al)
{
	return msg_begin(h, DEC, p, pl, a, al);
}
CK_RV hl_p11_C_DecryptMessageNext(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR in,
				  CK_ULONG il, CK_BYTE_PTR out, CK_ULONG_PTR ol, CK_FLAGS f)
{
	return msg_next(h, DEC, p, pl, in, il, out, ol, f);
}
CK_RV hl_p11_C_MessageDecryptFinal(CK_SESSION_HANDLE h)
{
	return msg_final(h, DEC);
}
