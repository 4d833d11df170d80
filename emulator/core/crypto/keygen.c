/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: the supported curves and key-pair generation into PKCS#11
 * attribute values. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/obj_mac.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>

#include "crypto_int.h"

/* -- curves -- */

static const uint8_t oid_p256[] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
static const uint8_t oid_p384[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };
static const uint8_t oid_p521[] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23 };

static const hl_curve_t curves[] = {
	{ oid_p256, sizeof oid_p256, "prime256v1", NID_X9_62_prime256v1, 256 },
	{ oid_p384, sizeof oid_p384, "secp384r1", NID_secp384r1, 384 },
	{ oid_p521, sizeof oid_p521, "secp521r1", NID_secp521r1, 521 },
};

const hl_curve_t *hl_crypto_curve_find(const uint8_t *params, size_t params_len)
{
	if (params == NULL)
		return NULL;
	for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
		if (params_len == curves[i].oid_len &&
		    memcmp(params, curves[i].oid, params_len) == 0)
			return &curves[i];
	return NULL;
}

const hl_curve_t *hl_crypto_curve_by_name(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof curves / sizeof curves[0]; i++)
		if (strcmp(name, curves[i].name) == 0 || OBJ_sn2nid(name) == curves[i].nid)
			return &curves[i];
	return NULL;
}

unsigned hl_crypto_ec_curve_bits(const uint8_t *params, size_t params_len)
{
	const hl_curve_t *c = hl_crypto_curve_find(params, params_len);

	return c ? c->bits : 0;
}

/* -- helpers -- */

static hl_status_t buf_dup(hl_buf_t *b, const uint8_t *data, size_t len)
{
	b->data = calloc(1, len ? len : 1);
	if (b->data == NULL)
		return HL_ERR_NOMEM;
	if (len)
		memcpy(b->data, data, len);
	b->len = len;
	return HL_OK;
}

/* A BIGNUM parameter of pkey as a minimal big-endian buffer. */
static hl_status_t bn_param(const EVP_PKEY *pkey, const char *name, hl_buf_t *b)
{
	BIGNUM *bn = NULL;
	hl_status_t st = HL_ERR_CRYPTO;
	int n;

	if (EVP_PKEY_get_bn_param(pkey, name, &bn) != 1)
		goto out;
	n = BN_num_bytes(bn);
	st = HL_ERR_NOMEM;
	if ((b->data = calloc(1, n > 0 ? (size_t)n : 1)) == NULL)
		goto out;
	b->len = (size_t)BN_bn2bin(bn, b->data);
	st = HL_OK;
out:
	BN_clear_free(bn);
	return st;
}

/* -- generation -- */

static EVP_PKEY *rsa_keygen(unsigned long bits, const uint8_t *e, size_t e_len)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, KEYMGMT_RSA, NULL);
	EVP_PKEY *pkey = NULL;
	BIGNUM *bn = BN_bin2bn(e, (int)e_len, NULL);
	size_t nbits = bits;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_size_t(OSSL_PKEY_PARAM_RSA_BITS, &nbits),
		OSSL_PARAM_construct_end(),
	};

	if (ctx == NULL || bn == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_params(ctx, params) != 1 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, bn) != 1 || EVP_PKEY_generate(ctx, &pkey) != 1)
		pkey = NULL;
	BN_free(bn);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

hl_status_t hl_crypto_rsa_export(const EVP_PKEY *pkey, bool need_crt, hl_rsa_parts_t *out)
{
	static const char *const names[8] = {
		OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};
	hl_rsa_parts_t parts = { 0 };
	hl_buf_t *bufs[8] = { &parts.n, &parts.e,  &parts.d,  &parts.p,
			      &parts.q, &parts.dp, &parts.dq, &parts.qinv };
	hl_status_t st = HL_OK;

	for (int i = 0; i < 8 && st == HL_OK; i++) {
		st = bn_param(pkey, names[i], bufs[i]);
		/* A key without CRT parts (or a multi-prime one) still has n, e and d. */
		if (st == HL_ERR_CRYPTO && i >= 3 && !need_crt) {
			for (int j = 3; j < 8; j++)
				hl_buf_clear(bufs[j]);
			st = HL_OK;
			break;
		}
	}
	if (st != HL_OK) {
		hl_rsa_parts_clear(&parts);
		return hl_crypto_fail(st);
	}
	*out = parts;
	return HL_OK;
}

hl_status_t hl_crypto_rsa_generate(unsigned long bits, const uint8_t *e, size_t e_len,
				   hl_rsa_parts_t *out)
{
	static const uint8_t f4[] = { 0x01, 0x00, 0x01 };
	hl_status_t st;
	EVP_PKEY *pkey;

	if (out == NULL || (e == NULL && e_len > 0))
		return HL_ERR_ARGS;
	if (bits < 1024 || bits > 16384)
		return HL_ERR_KEY_SIZE_RANGE;
	while (e_len > 0 && e[0] == 0) {
		e++;
		e_len--;
	}
	if (e_len == 0) {
		e = f4;
		e_len = sizeof f4;
	}
	/* An even or tiny exponent, or one wider than 64 bits, is no RSA key anyone needs. */
	if ((e[e_len - 1] & 1) == 0 || (e_len == 1 && e[0] < 3) || e_len > 8)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if ((pkey = rsa_keygen(bits, e, e_len)) == NULL)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	st = hl_crypto_rsa_export(pkey, true, out);
	EVP_PKEY_free(pkey);
	return st;
}

hl_status_t hl_crypto_ec_export(const EVP_PKEY *pkey, const hl_curve_t *c, hl_ec_parts_t *parts)
{
	size_t fb = (c->bits + 7) / 8, plen = 0, hdr;
	uint8_t pub[1 + 2 * 66];
	BIGNUM *d = NULL;
	hl_status_t st = HL_ERR_CRYPTO;

	if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub,
					    &plen) != 1 ||
	    plen != 1 + 2 * fb || pub[0] != 0x04 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1)
		goto out;
	st = HL_ERR_NOMEM;
	/* CKA_EC_POINT is the point inside a DER OCTET STRING: the short length form up to 127
	 * bytes (P-256: 65, P-384: 97), 0x81 and one length byte beyond (P-521: 133). */
	hdr = plen > 0x7f ? 3 : 2;
	if (buf_dup(&parts->params, c->oid, c->oid_len) != HL_OK ||
	    (parts->point.data = calloc(1, plen + hdr)) == NULL ||
	    (parts->d.data = calloc(1, fb)) == NULL)
		goto out;
	parts->point.data[0] = 0x04;
	if (hdr == 3)
		parts->point.data[1] = 0x81;
	parts->point.data[hdr - 1] = (uint8_t)plen;
	memcpy(parts->point.data + hdr, pub, plen);
	parts->point.len = plen + hdr;
	parts->d.len = fb;
	st = BN_bn2binpad(d, parts->d.data, (int)fb) == (int)fb ? HL_OK : HL_ERR_CRYPTO;
out:
	BN_clear_free(d);
	return st;
}

/* Not EVP_PKEY_Q_keygen: it takes the curve only for the type name "EC" (see KEYMGMT_EC). */
static EVP_PKEY *ec_keygen(const char *curve)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, KEYMGMT_EC, NULL);
	EVP_PKEY *pkey = NULL;
	OSSL_PARAM params[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)curve, 0),
		OSSL_PARAM_construct_end(),
	};

	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_params(ctx, params) != 1 || EVP_PKEY_generate(ctx, &pkey) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

hl_status_t hl_crypto_ec_generate(const uint8_t *params, size_t params_len, hl_ec_parts_t *out)
{
	const hl_curve_t *c = hl_crypto_curve_find(params, params_len);
	hl_ec_parts_t parts = { 0 };
	EVP_PKEY *pkey;
	hl_status_t st;

	if (out == NULL)
		return HL_ERR_ARGS;
	if (c == NULL)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if ((pkey = ec_keygen(c->name)) == NULL)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	st = hl_crypto_ec_export(pkey, c, &parts);
	EVP_PKEY_free(pkey);
	if (st != HL_OK) {
		hl_ec_parts_clear(&parts);
		return hl_crypto_fail(st);
	}
	*out = parts;
	return HL_OK;
}
