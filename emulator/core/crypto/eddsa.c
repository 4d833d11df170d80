/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: Edwards-curve keys (CKK_EC_EDWARDS) and pure EdDSA (CKM_EDDSA) on
 * Ed25519 and Ed448, with CKA_EC_PARAMS and CKA_EC_POINT as PKCS#11 3.0 §2.3 has them. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "crypto_int.h"

/* -- curves -- */

/* Key types by OID, as KEYMGMT_RSA/KEYMGMT_EC: never routed to an ENGINE. */
#define KEYMGMT_ED25519 "1.3.101.112"
#define KEYMGMT_ED448 "1.3.101.113"

typedef struct {
	const uint8_t *oid, *name; /* DER OBJECT IDENTIFIER and DER PrintableString */
	size_t oid_len, name_len;
	const char *keymgmt;
	unsigned bits;
	size_t len; /* bytes of a public key, of a private key, and of half a signature */
} ed_curve_t;

static const uint8_t oid_ed25519[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const uint8_t oid_ed448[] = { 0x06, 0x03, 0x2b, 0x65, 0x71 };
static const uint8_t name_ed25519[] = "\x13\x0c"
				      "edwards25519";
static const uint8_t name_ed448[] = "\x13\x0a"
				    "edwards448";

static const ed_curve_t ed_curves[] = {
	{ oid_ed25519, name_ed25519, sizeof oid_ed25519, sizeof name_ed25519 - 1, KEYMGMT_ED25519,
	  255, 32 },
	{ oid_ed448, name_ed448, sizeof oid_ed448, sizeof name_ed448 - 1, KEYMGMT_ED448, 448, 57 },
};

static const ed_curve_t *ed_curve(const uint8_t *params, size_t len)
{
	for (size_t i = 0; params != NULL && i < sizeof ed_curves / sizeof ed_curves[0]; i++) {
		const ed_curve_t *c = &ed_curves[i];
		if ((len == c->oid_len && memcmp(params, c->oid, len) == 0) ||
		    (len == c->name_len && memcmp(params, c->name, len) == 0))
			return c;
	}
	return NULL;
}

unsigned hl_crypto_ed_curve_bits(const uint8_t *params, size_t params_len)
{
	const ed_curve_t *c = ed_curve(params, params_len);

	return c ? c->bits : 0;
}

bool hl_crypto_ed_size_in(unsigned long curve_bits, unsigned long min, unsigned long max)
{
	for (size_t i = 0; i < sizeof ed_curves / sizeof ed_curves[0]; i++) {
		unsigned long alt = 8 * (unsigned long)ed_curves[i].len;
		if (ed_curves[i].bits == curve_bits && alt >= min && alt <= max)
			return true;
	}
	return curve_bits >= min && curve_bits <= max;
}

/* -- generation and keys -- */

hl_status_t hl_crypto_ed_generate(const uint8_t *params, size_t params_len, hl_ec_parts_t *out)
{
	const ed_curve_t *c = ed_curve(params, params_len);
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *pkey = NULL;
	hl_ec_parts_t p = { 0 };
	size_t pl, dl;
	hl_status_t st = HL_ERR_NOMEM;

	if (out == NULL)
		return HL_ERR_ARGS;
	if (c == NULL)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	ctx = EVP_PKEY_CTX_new_from_name(NULL, c->keymgmt, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_generate(ctx, &pkey) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return hl_crypto_fail(HL_ERR_CRYPTO);
	}
	EVP_PKEY_CTX_free(ctx);
	/* calloc: hl_buf_clear frees with free(). */
	if ((p.params.data = calloc(1, params_len)) == NULL ||
	    (p.point.data = calloc(1, c->len + 2)) == NULL ||
	    (p.d.data = calloc(1, c->len)) == NULL)
		goto out;
	memcpy(p.params.data, params, params_len);
	p.params.len = params_len;
	p.point.len = c->len + 2;
	p.d.len = c->len;
	/* CKA_EC_POINT: the RFC 8032 public key in a DER OCTET STRING (short form: 32 or 57). */
	p.point.data[0] = 0x04;
	p.point.data[1] = (uint8_t)c->len;
	pl = dl = c->len;
	st = HL_ERR_CRYPTO;
	if (EVP_PKEY_get_raw_public_key(pkey, p.point.data + 2, &pl) != 1 || pl != c->len ||
	    EVP_PKEY_get_raw_private_key(pkey, p.d.data, &dl) != 1 || dl != c->len)
		goto out;
	st = HL_OK;
out:
	EVP_PKEY_free(pkey);
	if (st != HL_OK) {
		hl_ec_parts_clear(&p);
		return hl_crypto_fail(st);
	}
	*out = p;
	return HL_OK;
}

static hl_status_t ed_key(const ed_curve_t *c, EVP_PKEY *pkey, bool priv, hl_key_t **out)
{
	hl_key_t *key = NULL;

	if (pkey == NULL)
		return hl_crypto_fail(HL_ERR_ATTRIBUTE_VALUE_INVALID);
	if (hl_crypto_key_new(HL_KEY_EDWARDS, priv, pkey, &key) != HL_OK) {
		EVP_PKEY_free(pkey);
		return HL_ERR_NOMEM;
	}
	key->bits = c->bits;
	key->len = c->len;
	*out = key;
	return HL_OK;
}

hl_status_t hl_key_ed_private(const uint8_t *params, size_t params_len, const uint8_t *d,
			      size_t d_len, hl_key_t **out)
{
	const ed_curve_t *c = ed_curve(params, params_len);

	if (out == NULL || d == NULL)
		return HL_ERR_ARGS;
	if (c == NULL || d_len != c->len)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	return ed_key(c, EVP_PKEY_new_raw_private_key_ex(NULL, c->keymgmt, NULL, d, d_len), true,
		      out);
}

hl_status_t hl_key_ed_public(const uint8_t *params, size_t params_len, const uint8_t *point,
			     size_t point_len, hl_key_t **out)
{
	const ed_curve_t *c = ed_curve(params, params_len);

	if (out == NULL || point == NULL)
		return HL_ERR_ARGS;
	if (c == NULL)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	/* Inside its DER OCTET STRING, or bare as lenient clients send it. */
	if (point_len == c->len + 2 && point[0] == 0x04 && point[1] == c->len) {
		point += 2;
		point_len -= 2;
	}
	if (point_len != c->len)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	return ed_key(c, EVP_PKEY_new_raw_public_key_ex(NULL, c->keymgmt, NULL, point, point_len),
		      false, out);
}

/* -- prepared contexts -- */

static EVP_MD_CTX *ed_prep_new(hl_key_t *key, bool sign)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL &&
		 (sign ? EVP_DigestSignInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey, NULL)
		       : EVP_DigestVerifyInit_ex(ctx, NULL, NULL, NULL, NULL, key->pkey, NULL));

	if (ok != 1) {
		EVP_MD_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/* A copy of the key's initialised context: what EVP_DigestSignInit would fetch and set up
 * per operation is done once per key (as hl_crypto_key_ctx does for EVP_PKEY_CTX). */
static EVP_MD_CTX *ed_ctx(hl_key_t *key, bool sign)
{
	_Atomic(EVP_MD_CTX *) *slot = &key->ed_prep[sign ? 0 : 1];
	EVP_MD_CTX *p = atomic_load_explicit(slot, memory_order_acquire), *expected = NULL, *c;

	if (p == NULL) {
		if ((p = ed_prep_new(key, sign)) == NULL)
			return NULL;
		if (!atomic_compare_exchange_strong_explicit(
			slot, &expected, p, memory_order_acq_rel, memory_order_acquire)) {
			EVP_MD_CTX_free(p);
			p = expected;
		}
	}
	if ((c = EVP_MD_CTX_new()) == NULL || EVP_MD_CTX_copy_ex(c, p) != 1) {
		EVP_MD_CTX_free(c);
		return NULL;
	}
	return c;
}

void hl_crypto_ed_release(hl_key_t *key)
{
	for (size_t i = 0; i < 2; i++)
		EVP_MD_CTX_free(atomic_load_explicit(&key->ed_prep[i], memory_order_relaxed));
}

/* -- sign and verify -- */

hl_status_t hl_crypto_ed_setup(hl_op_t *op, const CK_MECHANISM *mech)
{
	CK_EDDSA_PARAMS p;

	if (mech->ulParameterLen != 0) {
		/* Pure EdDSA only: Ed25519ph/ctx and Ed448 contexts need OpenSSL 3.2. */
		if (mech->pParameter == NULL || mech->ulParameterLen != sizeof p)
			return HL_ERR_MECHANISM_PARAM_INVALID;
		memcpy(&p, mech->pParameter, sizeof p);
		if (p.phFlag != CK_FALSE || p.ulContextDataLen != 0)
			return HL_ERR_MECHANISM_PARAM_INVALID;
	}
	if (op->kind != HL_OP_SIGN && op->kind != HL_OP_VERIFY)
		return HL_ERR_MECHANISM_INVALID;
	if ((op->mctx = ed_ctx(op->key, op->kind == HL_OP_SIGN)) == NULL)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

hl_status_t hl_crypto_ed_sign(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out)
{
	size_t sl = 2 * op->key->len;

	if (EVP_DigestSign(op->mctx, out, &sl, in_len ? in : (const uint8_t *)"", in_len) != 1 ||
	    sl != 2 * op->key->len)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

hl_status_t hl_crypto_ed_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
				size_t sig_len)
{
	if (sig_len != 2 * op->key->len)
		return HL_ERR_SIGNATURE_LEN_RANGE;
	if (EVP_DigestVerify(op->mctx, sig, sig_len, in_len ? in : (const uint8_t *)"", in_len) !=
	    1)
		return hl_crypto_fail(HL_ERR_SIGNATURE_INVALID);
	return HL_OK;
}
