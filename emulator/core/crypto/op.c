/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: the operation object — mechanism and key checks at start, the
 * length-query rules, single- and multi-part dispatch. */
#include <stdlib.h>
#include <string.h>

#include "crypto_int.h"

/* -- start and end -- */

static CK_FLAGS kind_flag(hl_op_kind_t kind)
{
	static const CK_FLAGS flags[] = { CKF_SIGN, CKF_VERIFY, CKF_ENCRYPT, CKF_DECRYPT,
					  CKF_DIGEST };

	return (unsigned)kind < sizeof flags / sizeof flags[0] ? flags[kind] : 0;
}

static hl_status_t key_fits(const hl_mech_t *m, hl_op_kind_t kind, const hl_key_t *key)
{
	hl_key_kind_t want = m->family == HL_FAM_ECDSA                             ? HL_KEY_EC
			     : m->family == HL_FAM_EDDSA                           ? HL_KEY_EDWARDS
			     : m->family == HL_FAM_SYM || m->family == HL_FAM_HMAC ? HL_KEY_SECRET
										   : HL_KEY_RSA;

	if (key->kind != want)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	if (m->family == HL_FAM_SYM || m->family == HL_FAM_HMAC)
		return HL_OK; /* type, size and parameters: checked at setup */
	if ((kind == HL_OP_SIGN || kind == HL_OP_DECRYPT) && !key->priv)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	if (key->bits < m->info.ulMinKeySize || key->bits > m->info.ulMaxKeySize)
		return HL_ERR_KEY_SIZE_RANGE;
	return HL_OK;
}

/* Block ciphers keep their own copy of the IV: the caller's may go away after the Init. */
static hl_status_t sym_setup(hl_op_t *op, const CK_MECHANISM *mech)
{
	hl_status_t st = hl_crypto_sym_check(mech, op->key->secret_type, op->key->len);

	if (st != HL_OK)
		return st;
	op->sym.mechanism = mech->mechanism;
	op->sym.ulParameterLen = mech->ulParameterLen;
	op->sym.pParameter = mech->ulParameterLen ? op->iv : NULL;
	return hl_crypto_sym_params(op, mech);
}

static hl_status_t op_setup(hl_op_t *op, const CK_MECHANISM *mech, unsigned index)
{
	bool takes_params = op->m->family == HL_FAM_RSA_PSS || op->m->family == HL_FAM_RSA_OAEP;

	if (op->m->family == HL_FAM_SYM)
		return sym_setup(op, mech);
	if (op->m->family == HL_FAM_HMAC)
		return hl_crypto_mac_setup(op, mech);
	if (op->m->family == HL_FAM_EDDSA)
		return hl_crypto_ed_setup(op, mech);

	if (!takes_params && mech->ulParameterLen != 0)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	if (op->kind == HL_OP_DIGEST)
		return HL_OK;
	op->max_in = op->key->len;
	if (op->m->family == HL_FAM_RSA_PKCS1)
		op->max_in = op->key->len - 11;
	if ((op->pctx = hl_crypto_key_ctx(op->key, op->m, index, op->kind)) == NULL)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	if (op->m->family == HL_FAM_RSA_PSS)
		return hl_crypto_pss_setup(op, mech);
	if (op->m->family == HL_FAM_RSA_OAEP)
		return hl_crypto_oaep_setup(op, mech);
	return HL_OK;
}

hl_status_t hl_op_new(hl_op_kind_t kind, const CK_MECHANISM *mech, hl_key_t *key, hl_op_t **out)
{
	const hl_mech_t *m;
	unsigned index = 0;
	hl_op_t *op;
	hl_status_t st;

	if (mech == NULL || out == NULL || (kind == HL_OP_DIGEST) != (key == NULL) ||
	    kind_flag(kind) == 0)
		return HL_ERR_ARGS;
	if ((m = hl_crypto_mech_find(mech->mechanism, &index)) == NULL ||
	    (m->info.flags & kind_flag(kind)) == 0)
		return HL_ERR_MECHANISM_INVALID;
	if (key != NULL && (st = key_fits(m, kind, key)) != HL_OK)
		return st;
	/* The memory of the key's last freed operation if it has one (no allocation per
	 * operation), else new. */
	op = key ? atomic_exchange_explicit(&key->op_spare, NULL, memory_order_acq_rel) : NULL;
	if (op != NULL)
		memset(op, 0, sizeof *op);
	else if ((op = calloc(1, sizeof *op)) == NULL)
		return HL_ERR_NOMEM;
	op->kind = kind;
	op->m = m;
	op->index = index;
	op->key = hl_key_ref(key);
	op->in_md = m->md;
	if ((st = op_setup(op, mech, index)) != HL_OK) {
		hl_op_free(op);
		return st;
	}
	*out = op;
	return HL_OK;
}

void hl_op_free(hl_op_t *op)
{
	if (op == NULL)
		return;
	/* The per-key contexts go back to the key for the next operation (prep.c). */
	if (op->pctx != NULL)
		hl_crypto_key_ctx_put(op->key, op->m, op->index, op->kind, op->pctx);
	EVP_MD_CTX_free(op->mctx);
	if (op->mac != NULL)
		hl_crypto_key_mac_put(
		    op->key, op->m->md == HL_MD_NONE ? HL_MD_COUNT : (unsigned)op->m->md, op->mac);
	if (op->ss.ctx != NULL && op->ss.ctx_slot != 0) {
		hl_crypto_key_cipher_put(op->key, op->ss.ctx_slot - 1, op->ss.ctx);
		op->ss.ctx = NULL;
	}
	hl_crypto_sym_state_clear(&op->ss);
	hl_key_t *key = op->key;
	hl_op_t *expected = NULL;
	/* Kept as the key's spare (it holds no key material: the contexts went back above, the
	 * IV and data buffers were freed), unless the key has one already. The key's last
	 * reference frees the spare with it. */
	if (key == NULL ||
	    !atomic_compare_exchange_strong_explicit(&key->op_spare, &expected, op,
						     memory_order_acq_rel, memory_order_acquire))
		free(op);
	hl_key_free(key);
}

bool hl_op_multipart(const hl_op_t *op)
{
	if (op->m->family == HL_FAM_SYM || op->m->family == HL_FAM_HMAC)
		return true; /* every block-cipher mode and MAC runs in parts */
	return op->kind == HL_OP_DIGEST ||
	       ((op->kind == HL_OP_SIGN || op->kind == HL_OP_VERIFY) && op->m->md != HL_MD_NONE);
}

size_t hl_op_output_len(const hl_op_t *op, size_t in_len)
{
	switch (op->kind) {
	case HL_OP_DIGEST:
		return hl_crypto_md_size(op->m->md);
	case HL_OP_SIGN:
	case HL_OP_VERIFY:
		if (op->m->family == HL_FAM_HMAC)
			return op->mac_len;
		return op->m->family == HL_FAM_ECDSA || op->m->family == HL_FAM_EDDSA
			   ? 2 * op->key->len
			   : op->key->len;
	case HL_OP_ENCRYPT:
	case HL_OP_DECRYPT:
		if (op->m->family == HL_FAM_SYM && op->ss.tag_len)
			return op->kind == HL_OP_ENCRYPT ? in_len + op->ss.tag_len
			       : in_len > op->ss.tag_len ? in_len - op->ss.tag_len
							 : 0;
		if (op->m->family == HL_FAM_SYM)
			return hl_crypto_sym_out_len(op->m->type, op->kind == HL_OP_ENCRYPT,
						     in_len);
		return op->kind == HL_OP_ENCRYPT ? op->key->len : op->max_in;
	}
	return 0;
}

/* -- hashing -- */

hl_status_t hl_crypto_op_hash(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *dgst,
			      size_t *dgst_len)
{
	const EVP_MD *md = hl_crypto_md(op->m->md);
	unsigned int n = 0;
	int ok;

	if (md == NULL)
		return HL_ERR_CRYPTO;
	if (op->state == HL_OPS_UPDATING)
		ok = EVP_DigestFinal_ex(op->mctx, dgst, &n);
	else
		ok = EVP_Digest(in_len ? in : (const uint8_t *)"", in_len, dgst, &n, md, NULL);
	if (ok != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	*dgst_len = n;
	return HL_OK;
}

/* -- single part -- */

/* Sign and digest: fixed output length, so a short buffer is reported before any work. */
static hl_status_t fixed_out(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t *out_len)
{
	size_t need = hl_op_output_len(op, in_len), dl = 0;
	uint8_t dgst[EVP_MAX_MD_SIZE];
	hl_status_t st;

	if (out == NULL) {
		*out_len = need;
		return HL_OK;
	}
	if (*out_len < need) {
		*out_len = need;
		return HL_ERR_BUFFER_TOO_SMALL;
	}
	if (op->kind == HL_OP_SIGN && op->m->family == HL_FAM_HMAC) {
		st = hl_crypto_mac_out(op, op->state == HL_OPS_UPDATING ? NULL : in, in_len, out);
	} else if (op->kind == HL_OP_SIGN) {
		st = hl_crypto_sign(op, in, in_len, out);
	} else {
		st = hl_crypto_op_hash(op, in, in_len, dgst, &dl);
		if (st == HL_OK)
			memcpy(out, dgst, dl);
	}
	op->state = HL_OPS_DONE;
	if (st == HL_OK)
		*out_len = need;
	return st;
}

hl_status_t hl_op_oneshot(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			  size_t *out_len)
{
	hl_status_t st;

	if (op == NULL || out_len == NULL || (in == NULL && in_len > 0) ||
	    op->state != HL_OPS_FRESH || op->kind == HL_OP_VERIFY)
		return HL_ERR_ARGS;
	if (op->kind == HL_OP_SIGN || op->kind == HL_OP_DIGEST)
		return fixed_out(op, in, in_len, out, out_len);
	const hl_sym_row_t *row = op->ss.row;
	if (row && (row->mode == HL_SYM_CTR || row->mode == HL_SYM_GCM))
		st = hl_crypto_sym_stream_oneshot(op, in, in_len, out, out_len);
	else if (op->m->family == HL_FAM_SYM)
		st = hl_crypto_sym_run(&op->sym, op->key->num, op->key->len,
				       op->kind == HL_OP_ENCRYPT, in, in_len, out, out_len);
	else if (op->kind == HL_OP_ENCRYPT)
		st = hl_crypto_encrypt(op, in, in_len, out, out_len);
	else
		st = hl_crypto_decrypt(op, in, in_len, out, out_len);
	if (out != NULL && st != HL_ERR_BUFFER_TOO_SMALL)
		op->state = HL_OPS_DONE;
	return st;
}

/* -- multi-part -- */

hl_status_t hl_op_update(hl_op_t *op, const uint8_t *in, size_t in_len)
{
	if (op == NULL || (in == NULL && in_len > 0) || op->state == HL_OPS_DONE ||
	    op->kind == HL_OP_ENCRYPT || op->kind == HL_OP_DECRYPT) /* they: hl_op_update_out */
		return HL_ERR_ARGS;
	if (!hl_op_multipart(op))
		return HL_ERR_NOT_SUPPORTED;
	if (op->m->family == HL_FAM_HMAC) {
		op->state = HL_OPS_UPDATING;
		return hl_crypto_mac_update(op, in, in_len);
	}
	if (op->mctx == NULL) {
		if ((op->mctx = EVP_MD_CTX_new()) == NULL)
			return HL_ERR_NOMEM;
		if (EVP_DigestInit_ex2(op->mctx, hl_crypto_md(op->m->md), NULL) != 1)
			return hl_crypto_fail(HL_ERR_CRYPTO);
	}
	op->state = HL_OPS_UPDATING;
	if (in_len > 0 && EVP_DigestUpdate(op->mctx, in, in_len) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

hl_status_t hl_op_update_out(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t *out_len)
{
	if (op == NULL || out_len == NULL || (in == NULL && in_len > 0) ||
	    op->state == HL_OPS_DONE || (op->kind != HL_OP_ENCRYPT && op->kind != HL_OP_DECRYPT))
		return HL_ERR_ARGS;
	if (!hl_op_multipart(op))
		return HL_ERR_NOT_SUPPORTED;
	hl_status_t st = hl_crypto_sym_update(op, in, in_len, out, out_len);
	if (st == HL_OK && out != NULL)
		op->state = HL_OPS_UPDATING;
	return st;
}

hl_status_t hl_op_final(hl_op_t *op, uint8_t *out, size_t *out_len)
{
	if (op == NULL || out_len == NULL || op->state == HL_OPS_DONE || op->kind == HL_OP_VERIFY)
		return HL_ERR_ARGS;
	if (!hl_op_multipart(op))
		return HL_ERR_NOT_SUPPORTED;
	if (op->kind == HL_OP_ENCRYPT || op->kind == HL_OP_DECRYPT) {
		hl_status_t st = hl_crypto_sym_final(op, out, out_len);
		if (out != NULL && st != HL_ERR_BUFFER_TOO_SMALL)
			op->state = HL_OPS_DONE;
		return st;
	}
	return fixed_out(op, NULL, 0, out, out_len);
}

hl_status_t hl_op_verify_recover(hl_op_t *op, const uint8_t *sig, size_t sig_len, bool pkcs1,
				 uint8_t *out, size_t *out_len)
{
	uint8_t em[HL_RSA_MAX_BYTES];
	size_t el = sizeof em, off = 0;
	if (op == NULL || out_len == NULL || (sig == NULL && sig_len > 0) ||
	    op->state != HL_OPS_FRESH || op->kind != HL_OP_ENCRYPT ||
	    op->m->family != HL_FAM_RSA_RAW)
		return HL_ERR_ARGS;
	if (sig_len != op->key->len)
		return HL_ERR_SIGNATURE_LEN_RANGE;
	hl_status_t st = hl_crypto_encrypt(op, sig, sig_len, em, &el); /* s^e mod n */
	if (st != HL_OK)
		return st == HL_ERR_DATA_INVALID ? HL_ERR_SIGNATURE_INVALID : st;
	if (pkcs1) { /* EMSA-PKCS1-v1_5 block type 1: 00 01 FF..FF (8 or more) 00 data */
		bool ok = el > 11 && em[0] == 0 && em[1] == 1;
		for (off = 2; ok && off < el && em[off] == 0xff; off++)
			;
		if (!ok || off < 10 || off >= el || em[off] != 0)
			return HL_ERR_SIGNATURE_INVALID;
		off++;
	}
	size_t n = el - off;
	if (out != NULL && *out_len < n) {
		*out_len = n;
		return HL_ERR_BUFFER_TOO_SMALL;
	}
	if (out != NULL) {
		memcpy(out, em + off, n);
		op->state = HL_OPS_DONE;
	}
	*out_len = n;
	return HL_OK;
}

hl_status_t hl_op_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
			 size_t sig_len)
{
	hl_status_t st;

	if (op == NULL || op->kind != HL_OP_VERIFY || op->state == HL_OPS_DONE ||
	    (sig == NULL && sig_len > 0) || (in == NULL && in_len > 0))
		return HL_ERR_ARGS;
	/* After updates only the end of the multi-part verify (in NULL) is allowed. */
	if (op->state == HL_OPS_UPDATING && in != NULL)
		return HL_ERR_ARGS;
	if (op->m->family == HL_FAM_HMAC)
		st = hl_crypto_mac_verify(op, in, in_len, sig, sig_len);
	else
		st = hl_crypto_verify(op, in, in_len, sig, sig_len);
	op->state = HL_OPS_DONE;
	return st;
}
