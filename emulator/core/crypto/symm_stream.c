/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: block ciphers in parts (C_EncryptUpdate/Final, C_DecryptUpdate/
 * Final) with the PKCS#11 length rules, and single-part AES-CTR and AES-GCM. Every length is
 * known before OpenSSL runs, so a length query or a short buffer never moves the state. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>

#include "crypto_int.h"

/* -- parameters -- */

/* CTR: the blocks left before the counter's low ulCounterBits bits wrap (the spec forbids
 * reusing a counter value; OpenSSL would carry into the nonce instead). */
static uint64_t ctr_blocks_left(const CK_AES_CTR_PARAMS *c)
{
	if (c->ulCounterBits >= 64)
		return UINT64_MAX;
	uint64_t low = 0;
	for (int i = 8; i < 16; i++)
		low = low << 8 | c->cb[i];
	uint64_t mask = ((uint64_t)1 << c->ulCounterBits) - 1;
	return mask - (low & mask) + 1;
}

hl_status_t hl_crypto_sym_params(hl_op_t *op, const CK_MECHANISM *mech)
{
	hl_sym_state_t *ss = &op->ss;
	ss->row = hl_crypto_sym_row(mech->mechanism);
	const hl_sym_row_t *m = ss->row;
	ss->ctr_left = UINT64_MAX;
	if (m->mode == HL_SYM_CTR) {
		CK_AES_CTR_PARAMS c;
		memcpy(&c, mech->pParameter, sizeof c);
		memcpy(op->iv, c.cb, 16);
		ss->ctr_left = ctr_blocks_left(&c);
	} else if (m->mode == HL_SYM_GCM) {
		CK_GCM_PARAMS g;
		memcpy(&g, mech->pParameter, sizeof g);
		ss->tag_len = g.ulTagBits / 8;
		ss->gcm_iv = g.ulIvLen <= sizeof ss->gcm_iv_in
				 ? memcpy(ss->gcm_iv_in, g.pIv, g.ulIvLen)
				 : OPENSSL_memdup(g.pIv, g.ulIvLen);
		ss->aad = g.ulAADLen ? OPENSSL_memdup(g.pAAD, g.ulAADLen) : NULL;
		if (!ss->gcm_iv || (g.ulAADLen && !ss->aad))
			return HL_ERR_NOMEM;
		ss->gcm_iv_len = g.ulIvLen;
		ss->aad_len = g.ulAADLen;
	} else if (mech->ulParameterLen) {
		memcpy(op->iv, mech->pParameter, mech->ulParameterLen);
	}
	return HL_OK;
}

void hl_crypto_sym_state_clear(hl_sym_state_t *ss)
{
	EVP_CIPHER_CTX_free(ss->ctx);
	if (ss->gcm_iv != ss->gcm_iv_in)
		OPENSSL_free(ss->gcm_iv);
	OPENSSL_free(ss->aad);
	hl_buf_clear(&ss->acc);
	memset(ss, 0, sizeof *ss);
}

/* -- the OpenSSL context, made by the first part -- */

static hl_status_t ctx_start(hl_op_t *op)
{
	hl_sym_state_t *ss = &op->ss;
	const hl_sym_row_t *m = ss->row;
	const EVP_CIPHER *c = hl_crypto_sym_cipher(m, op->key->len);
	int enc = op->kind == HL_OP_ENCRYPT, n = 0;
	if (ss->ctx)
		return HL_OK;
	if (!c)
		return HL_ERR_KEY_SIZE_RANGE;
	/* A copy of the key's keyed context for this mode, or the spare an earlier operation
	 * gave back (prep.c): only the IV is set here, which also resets the mode's state. */
	unsigned slot = (unsigned)m->mode * 2 + (unsigned)enc;
	if (!(ss->ctx = hl_crypto_key_cipher(op->key, slot, c, enc)))
		return hl_crypto_fail(HL_ERR_CRYPTO);
	size_t ivl = ss->gcm_iv_len;
	bool gcm = m->mode == HL_SYM_GCM, std_iv = !gcm || ivl == HL_GCM_IV_DEFAULT;
	/* Only a context with the default GCM IV length goes back, so every context this slot
	 * hands out starts with it: setting it (a parameter search) is left to other lengths. */
	ss->ctx_slot = std_iv ? slot + 1 : 0;
	OSSL_PARAM p[] = { OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &ivl),
			   OSSL_PARAM_END };
	/* Padding means nothing to the stream modes (CTR, GCM). */
	bool stream = gcm || m->mode == HL_SYM_CTR;
	bool ok =
	    (std_iv || EVP_CIPHER_CTX_set_params(ss->ctx, p) == 1) &&
	    EVP_CipherInit_ex2(ss->ctx, NULL, NULL, gcm ? ss->gcm_iv : op->iv, enc, NULL) == 1 &&
	    (stream || EVP_CIPHER_CTX_set_padding(ss->ctx, m->pad ? 1 : 0) == 1);
	if (ok && ss->aad_len)
		ok = EVP_CipherUpdate(ss->ctx, NULL, &n, ss->aad, (int)ss->aad_len) == 1;
	return ok ? HL_OK : hl_crypto_fail(HL_ERR_CRYPTO);
}

/* -- lengths -- */

static size_t update_need(const hl_op_t *op, size_t in_len)
{
	const hl_sym_row_t *m = op->ss.row;
	size_t t = op->ss.held + in_len, b = m->block;
	if (m->mode == HL_SYM_GCM)
		return op->kind == HL_OP_ENCRYPT ? in_len : 0;
	if (m->mode == HL_SYM_CTR)
		return in_len;
	/* Unpadding keeps the last whole block back until the final part. */
	if (m->pad && op->kind == HL_OP_DECRYPT)
		return t ? (t - 1) / b * b : 0;
	return t / b * b;
}

static hl_status_t acc_add(hl_sym_state_t *ss, const uint8_t *in, size_t in_len)
{
	if (in_len > SIZE_MAX / 2 - ss->acc.len)
		return HL_ERR_DATA_LEN_RANGE;
	if (ss->acc.len + in_len > ss->acc_cap) {
		size_t cap = (ss->acc.len + in_len) * 2 + 64;
		uint8_t *p = malloc(cap);
		if (!p)
			return HL_ERR_NOMEM;
		if (ss->acc.len)
			memcpy(p, ss->acc.data, ss->acc.len);
		size_t keep = ss->acc.len;
		hl_buf_clear(&ss->acc);
		ss->acc.data = p;
		ss->acc.len = keep;
		ss->acc_cap = cap;
	}
	if (in_len)
		memcpy(ss->acc.data + ss->acc.len, in, in_len);
	ss->acc.len += in_len;
	return HL_OK;
}

/* -- parts -- */

hl_status_t hl_crypto_sym_update(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
				 size_t *out_len)
{
	hl_sym_state_t *ss = &op->ss;
	const hl_sym_row_t *m = ss->row;
	size_t need = update_need(op, in_len);
	int n = 0;
	if (in_len > INT_MAX - 32)
		return HL_ERR_DATA_LEN_RANGE;
	if (m->mode == HL_SYM_CTR && ss->ctr_left != UINT64_MAX &&
	    (ss->ctr_done + in_len + 15) / 16 > ss->ctr_left)
		return HL_ERR_DATA_LEN_RANGE;
	if (!out) {
		*out_len = need;
		return HL_OK;
	}
	if (*out_len < need) {
		*out_len = need;
		return HL_ERR_BUFFER_TOO_SMALL;
	}
	hl_status_t st = ctx_start(op);
	if (st != HL_OK)
		return st;
	if (m->mode == HL_SYM_GCM && op->kind == HL_OP_DECRYPT) {
		*out_len = 0;
		return acc_add(ss, in, in_len);
	}
	if (in_len && EVP_CipherUpdate(ss->ctx, out, &n, in, (int)in_len) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	if ((size_t)n != need)
		return HL_ERR_INTERNAL;
	if (m->mode == HL_SYM_CTR)
		ss->ctr_done += in_len;
	ss->held = ss->held + in_len - need;
	*out_len = need;
	return HL_OK;
}

/* GCM decrypt at the end: the tag is checked before any plaintext is returned. */
static hl_status_t gcm_open(hl_op_t *op, uint8_t *out, size_t *out_len)
{
	hl_sym_state_t *ss = &op->ss;
	if (ss->acc.len < ss->tag_len)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	size_t pt = ss->acc.len - ss->tag_len;
	int n = 0, f = 0;
	if (!out || *out_len < pt) {
		*out_len = pt;
		return out ? HL_ERR_BUFFER_TOO_SMALL : HL_OK;
	}
	hl_status_t st = ctx_start(op);
	if (st != HL_OK)
		return st;
	if ((pt && EVP_DecryptUpdate(ss->ctx, out, &n, ss->acc.data, (int)pt) != 1) ||
	    EVP_CIPHER_CTX_ctrl(ss->ctx, EVP_CTRL_AEAD_SET_TAG, (int)ss->tag_len,
				ss->acc.data + pt) != 1 ||
	    EVP_DecryptFinal_ex(ss->ctx, out + n, &f) != 1) {
		OPENSSL_cleanse(out, pt);
		return hl_crypto_fail(HL_ERR_ENCRYPTED_DATA_INVALID);
	}
	*out_len = pt;
	return HL_OK;
}

/* Padded decrypt: the plaintext length of the held block is known only by decrypting it, so
 * a copy of the context answers the length and the real one runs only into a big enough
 * buffer. */
static hl_status_t unpad_final(hl_op_t *op, uint8_t *out, size_t *out_len)
{
	hl_sym_state_t *ss = &op->ss;
	uint8_t blk[32];
	int f = 0;
	if (ss->held != ss->row->block || !ss->ctx)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	EVP_CIPHER_CTX *cp = EVP_CIPHER_CTX_new();
	bool ok =
	    cp && EVP_CIPHER_CTX_copy(cp, ss->ctx) == 1 && EVP_DecryptFinal_ex(cp, blk, &f) == 1;
	EVP_CIPHER_CTX_free(cp);
	if (!ok) {
		OPENSSL_cleanse(blk, sizeof blk);
		return hl_crypto_fail(HL_ERR_ENCRYPTED_DATA_INVALID);
	}
	hl_status_t st = HL_OK;
	if (out && *out_len >= (size_t)f)
		memcpy(out, blk, (size_t)f);
	else if (out)
		st = HL_ERR_BUFFER_TOO_SMALL;
	OPENSSL_cleanse(blk, sizeof blk);
	*out_len = (size_t)f;
	return st;
}

hl_status_t hl_crypto_sym_final(hl_op_t *op, uint8_t *out, size_t *out_len)
{
	hl_sym_state_t *ss = &op->ss;
	const hl_sym_row_t *m = ss->row;
	bool enc = op->kind == HL_OP_ENCRYPT;
	int f = 0;
	if (m->mode == HL_SYM_GCM && !enc)
		return gcm_open(op, out, out_len);
	if (m->pad && !enc)
		return unpad_final(op, out, out_len);
	if (!m->pad && ss->held % m->block)
		return enc ? HL_ERR_DATA_LEN_RANGE : HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	size_t need = m->mode == HL_SYM_GCM ? ss->tag_len : m->pad ? m->block : 0;
	if (!out || *out_len < need) {
		*out_len = need;
		return out ? HL_ERR_BUFFER_TOO_SMALL : HL_OK;
	}
	hl_status_t st = ctx_start(op);
	if (st != HL_OK)
		return st;
	uint8_t last[32];
	if (EVP_CipherFinal_ex(ss->ctx, last, &f) != 1 ||
	    (m->mode != HL_SYM_GCM && (size_t)f != need))
		return hl_crypto_fail(HL_ERR_CRYPTO);
	if (m->mode == HL_SYM_GCM &&
	    EVP_CIPHER_CTX_ctrl(ss->ctx, EVP_CTRL_AEAD_GET_TAG, (int)need, last) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	memcpy(out, last, need);
	*out_len = need;
	return HL_OK;
}

/* -- single part of the stream modes -- */

hl_status_t hl_crypto_sym_stream_oneshot(hl_op_t *op, const uint8_t *in, size_t in_len,
					 uint8_t *out, size_t *out_len)
{
	hl_sym_state_t *ss = &op->ss;
	bool enc = op->kind == HL_OP_ENCRYPT, gcm = ss->row->mode == HL_SYM_GCM;
	if (gcm && !enc && in_len < ss->tag_len)
		return HL_ERR_ENCRYPTED_DATA_LEN_RANGE;
	size_t need = !gcm ? in_len : enc ? in_len + ss->tag_len : in_len - ss->tag_len;
	if (!out || *out_len < need) {
		*out_len = need;
		return out ? HL_ERR_BUFFER_TOO_SMALL : HL_OK;
	}
	size_t a = need, b = 0;
	hl_status_t st = hl_crypto_sym_update(op, in, in_len, out, &a);
	if (st == HL_OK) {
		b = need - a;
		st = hl_crypto_sym_final(op, out + a, &b);
	}
	if (st == HL_OK)
		*out_len = a + b;
	return st;
}
