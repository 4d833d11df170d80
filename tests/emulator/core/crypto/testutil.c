/* SPDX-License-Identifier: BSD-2-Clause
 * Helpers for the crypto-layer tests (see testutil.h). */
/* The ENGINE calls below only check the *_engine runs' set-up. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>

#include "testutil.h"

const uint8_t tu_oid_p256[10] = { 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07 };
const uint8_t tu_oid_p384[7] = { 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22 };

/* -- hex and files -- */

uint8_t *tu_unhex(const char *hex, size_t *len_out)
{
	size_t n = 0, cap = strlen(hex) / 2 + 1;
	uint8_t *out = calloc(1, cap);
	int hi = -1;

	cr_assert_not_null(out);
	for (const char *p = hex; *p; p++) {
		int v;

		if (isspace((unsigned char)*p))
			continue;
		cr_assert(isxdigit((unsigned char)*p), "bad hex character '%c'", *p);
		v = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	cr_assert_eq(hi, -1, "odd number of hex digits");
	*len_out = n;
	return out;
}

char *tu_data(const char *name, size_t *len_out)
{
	const char *src = getenv("HSMLAB_SOURCE_DIR");
	char path[1024];
	char *buf;
	FILE *f;
	long len;

	cr_assert(src && *src, "HSMLAB_SOURCE_DIR not set");
	snprintf(path, sizeof path, "%s/tests/emulator/core/crypto/data/%s", src, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	if (len_out)
		*len_out = (size_t)len;
	return buf;
}

const char *tu_corpus(const char *rel)
{
	static char path[1024];
	const char *dir = getenv("HSMLAB_CORPUS_DIR");
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir ? dir : "", rel);
	if (dir && *dir && (f = fopen(path, "r")) != NULL) {
		fclose(f);
		return path;
	}
	/* The corpus ships in fixtures/corpus: missing means a broken checkout or a wrong
	 * HSMLAB_CORPUS_DIR, so the test fails rather than skipping (a skip reads as a pass). */
	cr_assert_fail("corpus file %s missing (HSMLAB_CORPUS_DIR=%s)", path,
		       dir ? dir : "(unset)");
	return NULL;
}

/* -- corpus keys through OpenSSL -- */

static EVP_PKEY *read_pem(const char *path)
{
	FILE *f = fopen(path, "r");
	EVP_PKEY *pkey;

	cr_assert_not_null(f, "cannot open %s", path);
	pkey = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	cr_assert_not_null(pkey, "cannot parse %s", path);
	return pkey;
}

static void bn_to_buf(const EVP_PKEY *pkey, const char *name, hl_buf_t *b, int pad)
{
	BIGNUM *bn = NULL;
	int len;

	cr_assert_eq(EVP_PKEY_get_bn_param(pkey, name, &bn), 1, "%s", name);
	len = pad ? pad : BN_num_bytes(bn);
	b->data = calloc(1, (size_t)len);
	cr_assert_not_null(b->data);
	b->len = (size_t)BN_bn2binpad(bn, b->data, len);
	BN_clear_free(bn);
}

void tu_rsa_parts_from_pem(const char *path, hl_rsa_parts_t *out)
{
	EVP_PKEY *pkey = read_pem(path);

	memset(out, 0, sizeof *out);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_N, &out->n, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_E, &out->e, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_D, &out->d, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_FACTOR1, &out->p, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_FACTOR2, &out->q, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT1, &out->dp, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_EXPONENT2, &out->dq, 0);
	bn_to_buf(pkey, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, &out->qinv, 0);
	EVP_PKEY_free(pkey);
}

void tu_ec_parts_from_pem(const char *path, hl_ec_parts_t *out)
{
	EVP_PKEY *pkey = read_pem(path);
	uint8_t pub[65];
	size_t plen = 0;

	memset(out, 0, sizeof *out);
	out->params.data = malloc(sizeof tu_oid_p256);
	cr_assert_not_null(out->params.data);
	memcpy(out->params.data, tu_oid_p256, sizeof tu_oid_p256);
	out->params.len = sizeof tu_oid_p256;
	cr_assert_eq(
	    EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub, &plen),
	    1);
	cr_assert_eq(plen, 65);
	out->point.data = malloc(67);
	cr_assert_not_null(out->point.data);
	out->point.data[0] = 0x04;
	out->point.data[1] = 65;
	memcpy(out->point.data + 2, pub, 65);
	out->point.len = 67;
	bn_to_buf(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &out->d, 32);
	EVP_PKEY_free(pkey);
}

void tu_ecdsa_der_to_rs(const uint8_t *der, size_t der_len, size_t fb, uint8_t *out)
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);

	cr_assert_not_null(sig);
	cr_assert_eq(BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, (int)fb), (int)fb);
	cr_assert_eq(BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + fb, (int)fb), (int)fb);
	ECDSA_SIG_free(sig);
}

hl_key_t *tu_corpus_rsa(void)
{
	hl_rsa_parts_t parts;
	hl_key_t *key = NULL;

	tu_rsa_parts_from_pem(tu_corpus("iana-kskm/rsa-2048-1.key"), &parts);
	TU_ST(hl_key_rsa_private(&parts, &key), HL_OK);
	hl_rsa_parts_clear(&parts);
	return key;
}

hl_key_t *tu_corpus_ec(void)
{
	hl_ec_parts_t parts;
	hl_key_t *key = NULL;

	tu_ec_parts_from_pem(tu_corpus("iana-kskm/ec-prime256v1-1.key"), &parts);
	TU_ST(
	    hl_key_ec_private(parts.params.data, parts.params.len, parts.d.data, parts.d.len, &key),
	    HL_OK);
	hl_ec_parts_clear(&parts);
	return key;
}

/* -- generated keys and one-shot helpers -- */

void tu_gen_rsa(unsigned long bits, hl_key_t **priv, hl_key_t **pub)
{
	hl_rsa_parts_t parts;

	TU_ST(hl_crypto_rsa_generate(bits, NULL, 0, &parts), HL_OK);
	TU_ST(hl_key_rsa_private(&parts, priv), HL_OK);
	TU_ST(hl_key_rsa_public(parts.n.data, parts.n.len, parts.e.data, parts.e.len, pub), HL_OK);
	hl_rsa_parts_clear(&parts);
}

void tu_gen_ec(unsigned bits, hl_key_t **priv, hl_key_t **pub)
{
	const uint8_t *oid = bits == 256 ? tu_oid_p256 : tu_oid_p384;
	size_t oid_len = bits == 256 ? sizeof tu_oid_p256 : sizeof tu_oid_p384;
	hl_ec_parts_t parts;

	TU_ST(hl_crypto_ec_generate(oid, oid_len, &parts), HL_OK);
	TU_ST(
	    hl_key_ec_private(parts.params.data, parts.params.len, parts.d.data, parts.d.len, priv),
	    HL_OK);
	TU_ST(hl_key_ec_public(parts.params.data, parts.params.len, parts.point.data,
			       parts.point.len, pub),
	      HL_OK);
	hl_ec_parts_clear(&parts);
}

uint8_t *tu_oneshot(hl_op_kind_t kind, CK_MECHANISM *mech, hl_key_t *key, const uint8_t *in,
		    size_t in_len, size_t *out_len)
{
	hl_op_t *op = NULL;
	uint8_t *out;
	size_t len = 0;

	TU_ST(hl_op_new(kind, mech, key, &op), HL_OK);
	TU_ST(hl_op_oneshot(op, in, in_len, NULL, &len), HL_OK);
	cr_assert_eq(len, hl_op_output_len(op, in_len));
	out = calloc(1, len);
	cr_assert_not_null(out);
	TU_ST(hl_op_oneshot(op, in, in_len, out, &len), HL_OK);
	hl_op_free(op);
	*out_len = len;
	return out;
}

uint8_t *tu_sign(CK_MECHANISM *mech, hl_key_t *key, const uint8_t *in, size_t in_len,
		 size_t *sig_len)
{
	return tu_oneshot(HL_OP_SIGN, mech, key, in, in_len, sig_len);
}

hl_status_t tu_verify(CK_MECHANISM *mech, hl_key_t *key, const uint8_t *in, size_t in_len,
		      const uint8_t *sig, size_t sig_len)
{
	hl_op_t *op = NULL;
	hl_status_t st;

	TU_ST(hl_op_new(HL_OP_VERIFY, mech, key, &op), HL_OK);
	st = hl_op_verify(op, in, in_len, sig, sig_len);
	hl_op_free(op);
	return st;
}

size_t tu_hash(const char *name, const uint8_t *data, size_t len, uint8_t *out)
{
	EVP_MD *md = EVP_MD_fetch(NULL, name, NULL);
	unsigned int n = 0;

	cr_assert_not_null(md, "%s", name);
	cr_assert_eq(EVP_Digest(data, len, out, &n, md, NULL), 1);
	EVP_MD_free(md);
	return n;
}

void tu_check_engine_mode(void)
{
	const char *want = getenv("HSMLAB_TEST_ENGINE");

	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	if (want == NULL || *want == '\0') {
		cr_assert_null(
		    ENGINE_get_pkey_meth_engine(NID_rsaEncryption),
		    "an ENGINE is the RSA default outside an engine run (OPENSSL_CONF=%s)",
		    getenv("OPENSSL_CONF"));
		return;
	}
	cr_assert_not_null(ENGINE_get_pkey_meth_engine(NID_rsaEncryption),
			   "no default ENGINE for RSA: is libengine-pkcs11-openssl installed and "
			   "OPENSSL_CONF=%s read?",
			   getenv("OPENSSL_CONF"));
	cr_assert_not_null(ENGINE_get_pkey_meth_engine(NID_X9_62_id_ecPublicKey));
}
