/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: RSA (PKCS#1 v1.5, raw, PSS) and ECDSA signatures with the PKCS#11
 * input rules; ECDSA signatures are r||s on the outside and DER only towards OpenSSL. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/rsa.h>

#include "crypto_int.h"

/* -- ECDSA-Sig-Value ⇄ r||s -- */

/* One DER INTEGER at *p (within end) into out, left-padded to fb bytes. */
static bool der_int(const uint8_t **p, const uint8_t *end, uint8_t *out, size_t fb)
{
	const uint8_t *q = *p;
	size_t len;

	if (end - q < 2 || q[0] != 0x02 || q[1] > 0x7f || (size_t)(end - q - 2) < q[1])
		return false;
	len = q[1];
	q += 2;
	*p = q + len;
	while (len > 0 && *q == 0) {
		q++;
		len--;
	}
	if (len > fb)
		return false;
	memset(out, 0, fb - len);
	memcpy(out + fb - len, q, len);
	return true;
}

static bool der_to_rs(const uint8_t *der, size_t der_len, uint8_t *out, size_t fb)
{
	const uint8_t *p = der, *end = der + der_len;
	size_t hdr = 2;

	if (der_len < 2 || der[0] != 0x30)
		return false;
	if (der[1] == 0x81 && der_len >= 3)
		hdr = 3;
	else if (der[1] > 0x7f)
		return false;
	p += hdr;
	return der_int(&p, end, out, fb) && der_int(&p, end, out + fb, fb) && p == end;
}

/* Appends one unsigned big-endian integer as a DER INTEGER; returns bytes written. */
static size_t der_put_int(uint8_t *d, const uint8_t *v, size_t len)
{
	size_t n = 0;

	while (len > 1 && *v == 0) {
		v++;
		len--;
	}
	d[n++] = 0x02;
	d[n++] = (uint8_t)(len + (v[0] & 0x80 ? 1 : 0));
	if (v[0] & 0x80)
		d[n++] = 0;
	memcpy(d + n, v, len);
	return n + len;
}

/* der holds 2·fb + 9 bytes; returns the DER length. */
static size_t rs_to_der(const uint8_t *rs, size_t fb, uint8_t *der)
{
	uint8_t body[2 * (66 + 3)];
	size_t n = der_put_int(body, rs, fb), h = 0;

	n += der_put_int(body + n, rs + fb, fb);
	der[h++] = 0x30;
	if (n > 0x7f)
		der[h++] = 0x81;
	der[h++] = (uint8_t)n;
	memcpy(der + h, body, n);
	return h + n;
}

/* -- what gets signed -- */

/* The to-be-signed value for the op: the caller's input (checked against the mechanism's
 * limits) or its hash. */
static hl_status_t tbs_of(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *dgst,
			  const uint8_t **tbs, size_t *tbs_len)
{
	const hl_mech_t *m = op->m;
	hl_status_t st;

	if (m->md != HL_MD_NONE) {
		if ((st = hl_crypto_op_hash(op, in, in_len, dgst, tbs_len)) != HL_OK)
			return st;
		*tbs = dgst;
		return HL_OK;
	}
	if (m->family == HL_FAM_RSA_PKCS1 && in_len > op->max_in)
		return HL_ERR_DATA_LEN_RANGE;
	if (m->family == HL_FAM_RSA_PSS && in_len != hl_crypto_md_size(op->in_md))
		return HL_ERR_DATA_LEN_RANGE;
	*tbs = in_len ? in : dgst; /* never NULL, even for an empty ECDSA hash */
	*tbs_len = in_len;
	return HL_OK;
}

hl_status_t hl_crypto_rsa_raw_input(const hl_key_t *key, const uint8_t *in, size_t in_len,
				    uint8_t *buf, hl_status_t bad_value)
{
	if (in_len > key->len)
		return HL_ERR_DATA_LEN_RANGE;
	memset(buf, 0, key->len - in_len);
	if (in_len)
		memcpy(buf + key->len - in_len, in, in_len);
	/* The value must be below the modulus (both big-endian, same width). */
	if (memcmp(buf, key->num, key->len) >= 0)
		return bad_value;
	return HL_OK;
}

/* -- sign -- */

hl_status_t hl_crypto_sign(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out)
{
	uint8_t dgst[EVP_MAX_MD_SIZE], buf[HL_RSA_MAX_BYTES];
	size_t fb = op->key->len, tbs_len = 0, sl = sizeof buf;
	const uint8_t *tbs = NULL;
	hl_status_t st;

	if (op->m->family == HL_FAM_EDDSA)
		return hl_crypto_ed_sign(op, in, in_len, out);
	if (op->m->family == HL_FAM_RSA_RAW) {
		st = hl_crypto_rsa_raw_input(op->key, in, in_len, buf, HL_ERR_DATA_INVALID);
		if (st == HL_OK && EVP_PKEY_sign(op->pctx, out, &fb, buf, op->key->len) != 1)
			st = hl_crypto_fail(HL_ERR_CRYPTO);
		OPENSSL_cleanse(buf, op->key->len);
		return st;
	}
	if ((st = tbs_of(op, in, in_len, dgst, &tbs, &tbs_len)) != HL_OK)
		return st;
	if (op->m->family != HL_FAM_ECDSA) {
		if (EVP_PKEY_sign(op->pctx, out, &fb, tbs, tbs_len) != 1 || fb != op->key->len)
			return hl_crypto_fail(HL_ERR_CRYPTO);
		return HL_OK;
	}
	if (EVP_PKEY_sign(op->pctx, buf, &sl, tbs, tbs_len) != 1 || !der_to_rs(buf, sl, out, fb))
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

/* -- verify -- */

/* CKM_RSA_PKCS and CKM_RSA_X_509: recover the signed block and compare it with the input. */
static hl_status_t verify_recover(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig)
{
	uint8_t rec[HL_RSA_MAX_BYTES], want[HL_RSA_MAX_BYTES];
	size_t k = op->key->len, rl = sizeof rec;
	hl_status_t st;

	if (op->m->family == HL_FAM_RSA_RAW) {
		if ((st = hl_crypto_rsa_raw_input(op->key, in, in_len, want,
						  HL_ERR_DATA_INVALID)) != HL_OK)
			return st;
		in = want;
		in_len = k;
	} else if (in_len > op->max_in) {
		return HL_ERR_DATA_LEN_RANGE;
	}
	if (EVP_PKEY_verify_recover(op->pctx, rec, &rl, sig, k) != 1)
		return hl_crypto_fail(HL_ERR_SIGNATURE_INVALID);
	if (rl != in_len || !hl_crypto_memeq(rec, in, in_len))
		return HL_ERR_SIGNATURE_INVALID;
	return HL_OK;
}

hl_status_t hl_crypto_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
			     size_t sig_len)
{
	uint8_t dgst[EVP_MAX_MD_SIZE], der[2 * 66 + 9];
	size_t tbs_len = 0, fb = op->key->len;
	const uint8_t *tbs = NULL;
	hl_status_t st;
	int rc;

	if (op->m->family == HL_FAM_EDDSA)
		return hl_crypto_ed_verify(op, in, in_len, sig, sig_len);
	if (sig_len != hl_op_output_len(op, 0))
		return HL_ERR_SIGNATURE_LEN_RANGE;
	if (op->m->family == HL_FAM_RSA_RAW ||
	    (op->m->family == HL_FAM_RSA_PKCS1 && op->m->md == HL_MD_NONE))
		return verify_recover(op, in, in_len, sig);
	if ((st = tbs_of(op, in, in_len, dgst, &tbs, &tbs_len)) != HL_OK)
		return st;
	if (op->m->family == HL_FAM_ECDSA)
		rc = EVP_PKEY_verify(op->pctx, der, rs_to_der(sig, fb, der), tbs, tbs_len);
	else
		rc = EVP_PKEY_verify(op->pctx, sig, sig_len, tbs, tbs_len);
	return rc == 1 ? HL_OK : hl_crypto_fail(HL_ERR_SIGNATURE_INVALID);
}

/* -- PSS parameters -- */

hl_status_t hl_crypto_pss_setup(hl_op_t *op, const CK_MECHANISM *mech)
{
	CK_RSA_PKCS_PSS_PARAMS p;
	hl_md_id_t h, mgf;
	size_t em_len = (op->key->bits - 1 + 7) / 8, h_len;

	if (mech->pParameter == NULL || mech->ulParameterLen != sizeof p)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	memcpy(&p, mech->pParameter, sizeof p);
	h = hl_crypto_md_from_ckm(p.hashAlg);
	mgf = hl_crypto_md_from_mgf(p.mgf);
	if (h == HL_MD_NONE || mgf == HL_MD_NONE || (op->m->md != HL_MD_NONE && h != op->m->md))
		return HL_ERR_MECHANISM_PARAM_INVALID;
	/* RFC 8017 9.1.1: emLen >= hLen + sLen + 2. */
	h_len = hl_crypto_md_size(h);
	if (em_len < h_len + 2 || p.sLen > em_len - h_len - 2)
		return HL_ERR_MECHANISM_PARAM_INVALID;
	op->in_md = h;
	op->slen = p.sLen;
	/* The typed setters, not one OSSL_PARAM array: they also work on the legacy context
	 * OpenSSL 3.0 builds when an ENGINE is the default for RSA (libp11's under
	 * `openssl -engine pkcs11`). Digests already in force are skipped, since a digest
	 * costs a fetch: a hashed mechanism's prepared context has its own, MGF1 follows it. */
	if ((op->m->md == HL_MD_NONE &&
	     EVP_PKEY_CTX_set_signature_md(op->pctx, hl_crypto_md(h)) != 1) ||
	    (mgf != h && EVP_PKEY_CTX_set_rsa_mgf1_md(op->pctx, hl_crypto_md(mgf)) != 1) ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(op->pctx, (int)p.sLen) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}
