/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the sign/verify workloads, run the same way through a module and through
 * raw OpenSSL EVP on the same keys. */
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "perf_work.h"

const hl_perf_work_t hl_perf_works[] = {
	{ "sign RSA-2048 CKM_SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, HL_IN_MSG, 0, 0, 1 },
	{ "sign RSA-2048 CKM_RSA_PKCS", CKM_RSA_PKCS, HL_IN_DIGEST_INFO, 0, 0, 1 },
	{ "sign RSA-2048 CKM_RSA_X_509", CKM_RSA_X_509, HL_IN_EMSA, 0, 0, 1 },
	{ "sign ECDSA P-256 CKM_ECDSA", CKM_ECDSA, HL_IN_DIGEST, 1, 0, 1 },
	{ "verify RSA-2048 CKM_SHA256_RSA_PKCS", CKM_SHA256_RSA_PKCS, HL_IN_MSG, 0, 1, 1 },
	{ "sign RSA-2048 CKM_SHA256_RSA_PKCS, 2 threads", CKM_SHA256_RSA_PKCS, HL_IN_MSG, 0, 0, 2 },
	{ NULL, 0, 0, 0, 0, 0 },
};

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
	default:
		hl_perf_emsa_block(buf);
		*len = 256;
	}
}

/* -- raw OpenSSL -- */

typedef struct {
	EVP_PKEY_CTX *ctx;
	int hash_first, verify;
	unsigned char in[256], sig[512];
	size_t inlen, siglen;
} raw_arg_t;

int hl_perf_raw_op(void *v)
{
	raw_arg_t *a = v;
	unsigned char dig[32];
	const unsigned char *in = a->in;
	size_t inlen = a->inlen, siglen = sizeof a->sig;

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

static int raw_setup(raw_arg_t *a, EVP_PKEY *key, const hl_perf_work_t *w)
{
	memset(a, 0, sizeof *a);
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
		if (a == NULL || raw_setup(a, w->ec ? p->ec : p->rsa, w) != 0)
			rc = -1;
	}
	return rc;
}

void hl_perf_raw_free(void *args[2])
{
	for (int t = 0; t < 2; t++) {
		raw_arg_t *a = args[t];

		if (a != NULL)
			EVP_PKEY_CTX_free(a->ctx);
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
