/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: owned buffers, randomness, constant-time compare and wiping. */
#include <limits.h>
#include <stdlib.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/rand.h>

#include "crypto_int.h"

/* -- buffers -- */

void hl_buf_clear(hl_buf_t *b)
{
	if (b == NULL)
		return;
	if (b->data != NULL) {
		OPENSSL_cleanse(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

void hl_rsa_parts_clear(hl_rsa_parts_t *parts)
{
	if (parts == NULL)
		return;
	hl_buf_clear(&parts->n);
	hl_buf_clear(&parts->e);
	hl_buf_clear(&parts->d);
	hl_buf_clear(&parts->p);
	hl_buf_clear(&parts->q);
	hl_buf_clear(&parts->dp);
	hl_buf_clear(&parts->dq);
	hl_buf_clear(&parts->qinv);
}

void hl_ec_parts_clear(hl_ec_parts_t *parts)
{
	if (parts == NULL)
		return;
	hl_buf_clear(&parts->params);
	hl_buf_clear(&parts->point);
	hl_buf_clear(&parts->d);
}

/* -- small primitives -- */

hl_status_t hl_crypto_random(uint8_t *buf, size_t len)
{
	if (buf == NULL && len > 0)
		return HL_ERR_ARGS;
	if (len > INT_MAX)
		return HL_ERR_ARGS;
	if (len > 0 && RAND_bytes(buf, (int)len) != 1)
		return hl_crypto_fail(HL_ERR_CRYPTO);
	return HL_OK;
}

bool hl_crypto_memeq(const void *a, const void *b, size_t len)
{
	return len == 0 || CRYPTO_memcmp(a, b, len) == 0;
}

void hl_crypto_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}

hl_status_t hl_crypto_fail(hl_status_t st)
{
	ERR_clear_error();
	return st;
}
