/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: ECDH key agreement (CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE
 * with CKD_NULL): the shared secret's x coordinate, the peer's point on the private key's
 * curve. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>

#include "crypto_int.h"

hl_status_t hl_crypto_ecdh(const hl_key_t *priv, const uint8_t *point, size_t point_len,
			   uint8_t *out, size_t *out_len)
{
	char group[64];
	const hl_curve_t *c;
	EVP_PKEY *peer = NULL;
	size_t n = 0;
	if (!priv || priv->kind != HL_KEY_EC || !priv->priv || !point || !out || !out_len)
		return HL_ERR_ARGS;
	if (EVP_PKEY_get_utf8_string_param(priv->pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
					   sizeof group, NULL) != 1 ||
	    !(c = hl_crypto_curve_by_name(group)))
		return hl_crypto_fail(HL_ERR_KEY_TYPE_INCONSISTENT);
	/* The peer's point: raw 04||X||Y or a DER OCTET STRING, as hl_key_ec_public takes. Not
	 * checked twice: decoding refuses a point off the curve, which on these cofactor-1 curves
	 * is the whole check, and EVP_PKEY_derive_set_peer runs the public-key check again. */
	if (!(peer = hl_crypto_ec_point_pkey(c, point, point_len)))
		return hl_crypto_fail(HL_ERR_MECHANISM_PARAM_INVALID);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, priv->pkey, NULL);
	hl_status_t st = HL_OK;
	/* Every supported curve (P-256, P-384, P-521) has cofactor 1, so cofactor ECDH is plain
	 * ECDH (one function serves both mechanisms): no cofactor switch, which the legacy
	 * context OpenSSL 3.0 builds when an ENGINE is the EC default (libp11 under `openssl
	 * -engine pkcs11`) refuses. */
	if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, NULL, &n) != 1 || n > *out_len ||
	    EVP_PKEY_derive(ctx, out, &n) != 1)
		st = hl_crypto_fail(n > *out_len ? HL_ERR_ARGS : HL_ERR_MECHANISM_PARAM_INVALID);
	else
		*out_len = n;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return st;
}
