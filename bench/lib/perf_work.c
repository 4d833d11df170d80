/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the sign/verify workloads, run the same way through a module and through
 * raw OpenSSL EVP on the same keys. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "perf_work.h"

const hl_perf_work_t hl_perf_works[] = {
	{ "sign RSA-2048 CKM_SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, HL_IN_MSG, 0, 0, 1, 0, 0 },
	{ "sign RSA-2048 CKM_RSA_PKCS", CKM_RSA_PKCS, HL_IN_DIGEST_INFO, 0, 0, 1, 0, 0 },
	{ "sign RSA-2048 CKM_RSA_X_509", CKM_RSA_X_509, HL_IN_EMSA, 0, 0, 1, 0, 0 },
	{ "sign ECDSA P-256 CKM_ECDSA", CKM_ECDSA, HL_IN_DIGEST, HL_EC_P256, 0, 1, 0, 0 },
	{ "verify RSA-2048 CKM_SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, HL_IN_MSG, 0, 1, 1, 0, 0 },
	{ "sign RSA-2048 CKM_SHA256_RSA_PKCS, 2 threads", CKM_SHA256_RSA_PKCS, HL_IN_MSG, 0, 0, 2,
	  0, 0 },
	{ "encrypt AES-128 CKM_AES_GCM, 256 bytes", CKM_AES_GCM, HL_IN_BLOCK, 0, 0, 1, HL_SK_AES,
	  0 },
	{ "sign CKM_SHA256_HMAC, 256 bytes", CKM_SHA256_HMAC, HL_IN_BLOCK, 0, 0, 1, HL_SK_HMAC, 0 },
	{ "derive ECDH P-256 CKM_ECDH1_DERIVE", CKM_ECDH1_DERIVE, HL_IN_MSG, HL_EC_P256, 0, 1, 0,
	  1 },
	{ "sign Ed25519 CKM_EDDSA", CKM_EDDSA, HL_IN_MSG, HL_EC_ED25519, 0, 1, 0, 0 },
	{ "verify Ed25519 CKM_EDDSA", CKM_EDDSA, HL_IN_MSG, HL_EC_ED25519, 1, 1, 0, 0 },
	{ NULL, 0, 0, 0, 0, 0, 0, 0 },
};

const unsigned char hl_perf_secret[32] = "hsmlab benchmark secret key.....";
const unsigned char hl_perf_gcm_iv[12] = "hsmlab nonce";

void hl_perf_input(int kind, unsigned char *buf, size_t *len)
{
	switch (kind) {
	case HL_IN_MSG:
		memcpy(buf, hl_perf_msg, sizeof hl_perf_msg);
		*len = sizeof hl_perf_msg;
		break;
	case HL_IN_DIGEST:
		EVP_Digest(hl_perf_msg, sizeof hl_perf_msg, buf, NULL, EVP_sha256(), NULL);
		*len = 32;
		break;
	case HL_IN_DIGEST_INFO:
		hl_perf_digest_info(buf);
		*len = 51;
		break;
	case HL_IN_BLOCK:
		for (size_t i = 0; i < 256; i++)
			buf[i] = hl_perf_msg[i % sizeof hl_perf_msg];
		*len = 256;
		break;
	default:
		hl_perf_emsa_block(buf);
		*len = 256;
	}
}

/* -- raw OpenSSL -- */

typedef struct {
	EVP_PKEY_CTX *ctx;
	EVP_MD_CTX *md; /* Ed25519 */
	EVP_PKEY *priv; /* ECDH: our key; peer: the other side's point */
	unsigned char peer[65];
	EVP_CIPHER_CTX *cctx; /* AES-GCM */
	EVP_CIPHER *gcm;
	EVP_MAC_CTX *mac; /* HMAC */
	int hash_first, verify;
	unsigned char in[256], sig[512];
	size_t inlen, siglen;
} raw_arg_t;

/* What the module does per operation: a fresh key schedule and IV (GCM) or MAC state. */
static int raw_secret_op(raw_arg_t *a)
{
	int n = 0, f = 0;
	size_t ml = 0;
	if (a->cctx)
		return EVP_EncryptInit_ex2(a->cctx, a->gcm, hl_perf_secret, hl_perf_gcm_iv, NULL) !=
			   1 ||
		       EVP_EncryptUpdate(a->cctx, a->sig, &n, a->in, (int)a->inlen) != 1 ||
		       EVP_EncryptFinal_ex(a->cctx, a->sig + n, &f) != 1 ||
		       EVP_CIPHER_CTX_ctrl(a->cctx, EVP_CTRL_AEAD_GET_TAG, 16, a->sig + 256) != 1;
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256",
							    0),
			   OSSL_PARAM_construct_end() };
	return EVP_MAC_init(a->mac, hl_perf_secret, sizeof hl_perf_secret, p) != 1 ||
	       EVP_MAC_update(a->mac, a->in, a->inlen) != 1 ||
	       EVP_MAC_final(a->mac, a->sig, &ml, sizeof a->sig) != 1;
}

/* ECDH as the module gets it: the peer's point as bytes (into a key, checked by
 * EVP_PKEY_derive_set_peer), then the shared secret. */
static int raw_derive_op(raw_arg_t *a)
{
	OSSL_PARAM p[] = { OSSL_PARAM_construct_utf8_string("group", (char *)"P-256", 0),
			   OSSL_PARAM_construct_octet_string("pub", a->peer, sizeof a->peer),
			   OSSL_PARAM_construct_end() };
	EVP_PKEY_CTX *kc = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL), *dc = NULL;
	EVP_PKEY *peer = NULL;
	size_t zl = sizeof a->sig;
	int bad = kc == NULL || EVP_PKEY_fromdata_init(kc) != 1 ||
		  EVP_PKEY_fromdata(kc, &peer, EVP_PKEY_PUBLIC_KEY, p) != 1 ||
		  (dc = EVP_PKEY_CTX_new(a->priv, NULL)) == NULL || EVP_PKEY_derive_init(dc) != 1 ||
		  EVP_PKEY_derive_set_peer(dc, peer) != 1 || EVP_PKEY_derive(dc, a->sig, &zl) != 1;

	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(peer);
	EVP_PKEY_CTX_free(kc);
	return bad;
}

int hl_perf_raw_op(void *v)
{
	raw_arg_t *a = v;
	unsigned char dig[32];
	const unsigned char *in = a->in;
	size_t inlen = a->inlen, siglen = sizeof a->sig;

	if (a->cctx || a->mac)
		return raw_secret_op(a);
	if (a->priv)
		return raw_derive_op(a);
	if (a->md && a->verify)
		return EVP_DigestVerify(a->md, a->sig, a->siglen, a->in, a->inlen) != 1;
	if (a->md)
		return EVP_DigestSign(a->md, a->sig, &siglen, a->in, a->inlen) != 1;

	/* Hash-and-sign mechanisms hash on every call; so does the raw figure. */
	if (a->hash_first) {
		if (EVP_Digest(a->in, a->inlen, dig, NULL, EVP_sha256(), NULL) != 1)
			return 1;
		in = dig;
		inlen = sizeof dig;
	}
	if (a->verify)
		return EVP_PKEY_verify(a->ctx, a->sig, a->siglen, in, inlen) == 1 ? 0 : 1;
	return EVP_PKEY_sign(a->ctx, a->sig, &siglen, in, inlen) == 1 ? 0 : 1;
}

static int raw_setup_secret(raw_arg_t *a, const hl_perf_work_t *w)
{
	hl_perf_input(w->input, a->in, &a->inlen);
	if (w->secret == HL_SK_AES) {
		a->gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
		a->cctx = EVP_CIPHER_CTX_new();
		return a->gcm && a->cctx ? 0 : -1;
	}
	EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	a->mac = hmac ? EVP_MAC_CTX_new(hmac) : NULL;
	EVP_MAC_free(hmac); /* the context holds its own reference */
	return a->mac ? 0 : -1;
}

/* Ed25519: one context initialised up front and used for every one-shot call (OpenSSL
 * allows that for EdDSA); verify checks one signature made first. */
static int raw_setup_ed(raw_arg_t *a, EVP_PKEY *key, const hl_perf_work_t *w)
{
	size_t sl = sizeof a->sig;

	hl_perf_input(w->input, a->in, &a->inlen);
	if ((a->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit_ex(a->md, NULL, NULL, NULL, NULL, key, NULL) != 1 ||
	    EVP_DigestSign(a->md, a->sig, &sl, a->in, a->inlen) != 1)
		return -1;
	a->siglen = sl;
	if (!w->verify)
		return 0;
	a->verify = 1;
	return EVP_DigestVerifyInit_ex(a->md, NULL, NULL, NULL, NULL, key, NULL) == 1 ? 0 : -1;
}

static int raw_setup(raw_arg_t *a, const hl_perf_t *p, EVP_PKEY *key, const hl_perf_work_t *w)
{
	size_t pl = 0;

	memset(a, 0, sizeof *a);
	if (w->secret)
		return raw_setup_secret(a, w);
	if (w->ec == HL_EC_ED25519)
		return raw_setup_ed(a, key, w);
	if (w->derive) {
		a->priv = key;
		return EVP_PKEY_get_octet_string_param(p->peer, "pub", a->peer, sizeof a->peer,
						       &pl) == 1 &&
			       pl == sizeof a->peer
			   ? 0
			   : -1;
	}
	a->ctx = EVP_PKEY_CTX_new(key, NULL);
	if (a->ctx == NULL || EVP_PKEY_sign_init(a->ctx) != 1)
		return -1;
	hl_perf_input(w->input, a->in, &a->inlen);
	a->hash_first = w->input == HL_IN_MSG;
	if (!w->ec) {
		int pad = w->input == HL_IN_EMSA ? RSA_NO_PADDING : RSA_PKCS1_PADDING;

		if (EVP_PKEY_CTX_set_rsa_padding(a->ctx, pad) != 1)
			return -1;
		if (a->hash_first && EVP_PKEY_CTX_set_signature_md(a->ctx, EVP_sha256()) != 1)
			return -1;
	}
	if (!w->verify)
		return 0;
	/* Verify: make one signature, then switch the context to verifying it. */
	a->siglen = sizeof a->sig;
	if (hl_perf_raw_op(a) != 0)
		return -1;
	a->siglen = (size_t)EVP_PKEY_get_size(key);
	if (EVP_PKEY_verify_init(a->ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(a->ctx, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(a->ctx, EVP_sha256()) != 1)
		return -1;
	a->verify = 1;
	return 0;
}

int hl_perf_raw_new(const hl_perf_t *p, const hl_perf_work_t *w, void *args[2])
{
	int rc = 0;

	args[0] = args[1] = NULL;
	for (int t = 0; t < w->threads && t < 2; t++) {
		raw_arg_t *a = calloc(1, sizeof *a);

		args[t] = a;
		EVP_PKEY *key = w->ec == HL_EC_ED25519 ? p->ed : w->ec ? p->ec : p->rsa;

		if (a == NULL || raw_setup(a, p, key, w) != 0)
			rc = -1;
	}
	return rc;
}

void hl_perf_raw_free(void *args[2])
{
	for (int t = 0; t < 2; t++) {
		raw_arg_t *a = args[t];

		if (a != NULL) {
			EVP_PKEY_CTX_free(a->ctx);
			EVP_MD_CTX_free(a->md);
			EVP_CIPHER_CTX_free(a->cctx);
			EVP_CIPHER_free(a->gcm);
			EVP_MAC_CTX_free(a->mac);
		}
		free(a);
		args[t] = NULL;
	}
}

int hl_perf_run_raw(hl_perf_t *p)
{
	int rc = 0;

	for (const hl_perf_work_t *w = hl_perf_works; w->name != NULL; w++) {
		void *args[2];

		if (hl_perf_raw_new(p, w, args) == 0)
			rc |= hl_perf_measure(p, "openssl", w->name, 0, hl_perf_raw_op, args,
					      w->threads, NULL, NULL);
		else
			rc = -1;
		hl_perf_raw_free(args);
	}
	return rc;
}
