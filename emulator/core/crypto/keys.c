/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator crypto: operation keys built once from PKCS#11 attribute values
 * (EVP_PKEY_fromdata), reference counted, with per-mechanism prepared contexts. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "crypto_int.h"

/* -- construction -- */

hl_status_t hl_crypto_key_new(hl_key_kind_t kind, bool priv, EVP_PKEY *pkey, hl_key_t **out)
{
	hl_key_t *key = calloc(1, sizeof *key);

	if (key == NULL)
		return HL_ERR_NOMEM;
	atomic_init(&key->refs, 1u);
	key->kind = kind;
	key->priv = priv;
	key->pkey = pkey;
	if (kind != HL_KEY_SECRET) {
		if ((key->pc = calloc(1, sizeof *key->pc)) == NULL) {
			free(key);
			return HL_ERR_NOMEM;
		}
		for (size_t i = 0; i < sizeof key->pc->prep / sizeof key->pc->prep[0]; i++) {
			atomic_init(&key->pc->prep[i], NULL);
			atomic_init(&key->pc->spare[i], NULL);
		}
	}
	atomic_init(&key->ed_prep[0], NULL);
	atomic_init(&key->ed_prep[1], NULL);
	for (size_t i = 0; i < sizeof key->mac_prep / sizeof key->mac_prep[0]; i++)
		atomic_init(&key->mac_prep[i], NULL);
	for (size_t i = 0; i < sizeof key->sym_prep / sizeof key->sym_prep[0]; i++)
		atomic_init(&key->sym_prep[i], NULL);
	*out = key;
	return HL_OK;
}

static EVP_PKEY *from_params(const char *type, int selection, OSSL_PARAM_BLD *bld)
{
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (params == NULL || ctx == NULL || EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, selection, params) != 1)
		pkey = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	return pkey;
}

static BIGNUM *bn_of(const hl_buf_t *b)
{
	return b->data != NULL && b->len > 0 && b->len <= INT_MAX
		   ? BN_bin2bn(b->data, (int)b->len, NULL)
		   : NULL;
}

/* n odd and 512..16384 bits (outside the mechanisms' 1024..16384 the key can exist as an
 * object, and hl_op_new answers HL_ERR_KEY_SIZE_RANGE), e odd, 3 <= e < n, and e at most
 * 64 bits above 3072-bit moduli (OpenSSL refuses those at every operation). */
static bool rsa_public_ok(const BIGNUM *n, const BIGNUM *e)
{
	int bits = BN_num_bits(n);

	return bits >= 512 && bits <= 16384 && BN_is_odd(n) && BN_is_odd(e) && !BN_is_one(e) &&
	       BN_cmp(e, n) < 0 && (bits <= 3072 || BN_num_bits(e) <= 64);
}

static hl_status_t rsa_key_finish(EVP_PKEY *pkey, const BIGNUM *n, bool priv, hl_key_t **out)
{
	hl_key_t *key = NULL;
	int len = BN_num_bytes(n);

	if (pkey == NULL)
		return hl_crypto_fail(HL_ERR_ATTRIBUTE_VALUE_INVALID);
	if (hl_crypto_key_new(HL_KEY_RSA, priv, pkey, &key) != HL_OK ||
	    (key->num = calloc(1, (size_t)len)) == NULL) {
		hl_key_free(key);
		if (key == NULL)
			EVP_PKEY_free(pkey);
		return HL_ERR_NOMEM;
	}
	key->len = (size_t)BN_bn2bin(n, key->num);
	key->bits = (unsigned long)BN_num_bits(n);
	*out = key;
	return HL_OK;
}

hl_status_t hl_key_rsa_public(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
			      hl_key_t **out)
{
	hl_buf_t nb = { (uint8_t *)n, n_len }, eb = { (uint8_t *)e, e_len };
	BIGNUM *bn = NULL, *be = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	hl_status_t st = HL_ERR_ATTRIBUTE_VALUE_INVALID;

	if (out == NULL || n == NULL || e == NULL)
		return HL_ERR_ARGS;
	if ((bn = bn_of(&nb)) == NULL || (be = bn_of(&eb)) == NULL || !rsa_public_ok(bn, be))
		goto out;
	st = HL_ERR_NOMEM;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) != 1 ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) != 1)
		goto out;
	st = rsa_key_finish(from_params(KEYMGMT_RSA, EVP_PKEY_PUBLIC_KEY, bld), bn, false, out);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_free(bn);
	BN_free(be);
	return st;
}

/* With the CRT parts: n = p·q, dp = d mod (p-1), dq = d mod (q-1), qinv·q ≡ 1 (mod p) and
 * e·d ≡ 1 modulo p-1 and q-1 — exactly what a CRT signature relies on, without the slow
 * primality tests of EVP_PKEY_pairwise_check. Without them: (2^e)^d ≡ 2 (mod n). */
static bool rsa_private_consistent(BIGNUM *const v[8], BN_CTX *bc)
{
	BIGNUM *t = BN_CTX_get(bc), *pm1 = BN_CTX_get(bc), *qm1 = BN_CTX_get(bc);
	BIGNUM *n = v[0], *e = v[1], *d = v[2], *p = v[3], *q = v[4];

	if (qm1 == NULL || BN_is_zero(d) || BN_cmp(d, n) >= 0)
		return false;
	if (p == NULL) {
		return BN_set_word(t, 2) && BN_mod_exp(t, t, e, n, bc) &&
		       BN_mod_exp(t, t, d, n, bc) && BN_is_word(t, 2);
	}
	if (BN_is_zero(p) || BN_is_one(p) || BN_is_zero(q) || BN_is_one(q) ||
	    !BN_mul(t, p, q, bc) || BN_cmp(t, n) != 0 || !BN_sub(pm1, p, BN_value_one()) ||
	    !BN_sub(qm1, q, BN_value_one()))
		return false;
	if (!BN_mod(t, d, pm1, bc) || BN_cmp(t, v[5]) != 0 || !BN_mod(t, d, qm1, bc) ||
	    BN_cmp(t, v[6]) != 0)
		return false;
	if (!BN_mod_mul(t, v[7], q, p, bc) || !BN_is_one(t))
		return false;
	return BN_mod_mul(t, e, d, pm1, bc) && BN_is_one(t) && BN_mod_mul(t, e, d, qm1, bc) &&
	       BN_is_one(t);
}

static hl_status_t rsa_private_params(BIGNUM *const v[8], OSSL_PARAM_BLD *bld)
{
	static const char *const names[8] = {
		OSSL_PKEY_PARAM_RSA_N,         OSSL_PKEY_PARAM_RSA_E,
		OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
		OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
		OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1,
	};

	for (int i = 0; i < 8 && v[i] != NULL; i++)
		if (OSSL_PARAM_BLD_push_BN(bld, names[i], v[i]) != 1)
			return HL_ERR_NOMEM;
	return HL_OK;
}

hl_status_t hl_key_rsa_private(const hl_rsa_parts_t *parts, hl_key_t **out)
{
	const hl_buf_t *b[8];
	BIGNUM *v[8] = { 0 };
	BN_CTX *bc = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	hl_status_t st = HL_ERR_TEMPLATE_INCOMPLETE;
	int nv = 3;

	if (parts == NULL || out == NULL)
		return HL_ERR_ARGS;
	b[0] = &parts->n, b[1] = &parts->e, b[2] = &parts->d, b[3] = &parts->p;
	b[4] = &parts->q, b[5] = &parts->dp, b[6] = &parts->dq, b[7] = &parts->qinv;
	if (parts->n.len == 0 || parts->e.len == 0 || parts->d.len == 0)
		return st;
	if (parts->p.len && parts->q.len && parts->dp.len && parts->dq.len && parts->qinv.len)
		nv = 8;
	st = HL_ERR_NOMEM;
	if ((bc = BN_CTX_secure_new()) == NULL)
		goto out;
	for (int i = 0; i < nv; i++)
		if ((v[i] = bn_of(b[i])) == NULL)
			goto out;
	BN_CTX_start(bc);
	st = HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if (!rsa_public_ok(v[0], v[1]))
		goto out;
	/* Without CRT parts, recover them (full-speed signing); if that fails (e.g. a
	 * multi-prime key), fall back to the plain key and its round-trip check. */
	if (nv == 3 && hl_crypto_rsa_crt_derive(v, bc)) {
		nv = 8;
		if (!rsa_private_consistent(v, bc)) {
			for (int i = 3; i < 8; i++) {
				BN_clear_free(v[i]);
				v[i] = NULL;
			}
			nv = 3;
		}
	}
	if (!rsa_private_consistent(v, bc))
		goto out;
	st = HL_ERR_NOMEM;
	if ((bld = OSSL_PARAM_BLD_new()) == NULL || rsa_private_params(v, bld) != HL_OK)
		goto out;
	st = rsa_key_finish(from_params(KEYMGMT_RSA, EVP_PKEY_KEYPAIR, bld), v[0], true, out);
out:
	OSSL_PARAM_BLD_free(bld);
	if (bc != NULL)
		BN_CTX_end(bc);
	BN_CTX_free(bc);
	for (int i = 0; i < 8; i++)
		BN_clear_free(v[i]);
	return st == HL_OK ? st : hl_crypto_fail(st);
}

/* -- EC -- */

/* The uncompressed point of CKA_EC_POINT: inside a DER OCTET STRING (short length form, or
 * 0x81 and one byte for P-521's 133 bytes), or bare. */
static const uint8_t *ec_point_raw(const hl_curve_t *c, const uint8_t *p, size_t len)
{
	size_t plen = 1 + 2 * ((c->bits + 7) / 8);

	if (plen <= 0x7f && len == plen + 2 && p[0] == 0x04 && p[1] == plen && p[2] == 0x04)
		return p + 2;
	if (plen > 0x7f && len == plen + 3 && p[0] == 0x04 && p[1] == 0x81 && p[2] == plen &&
	    p[3] == 0x04)
		return p + 3;
	if (len == plen && p[0] == 0x04)
		return p;
	return NULL;
}

static hl_status_t ec_key_finish(EVP_PKEY *pkey, const hl_curve_t *c, bool priv, hl_key_t **out)
{
	EVP_PKEY_CTX *chk = pkey ? EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL) : NULL;
	hl_key_t *key = NULL;
	int ok = chk != NULL && (priv ? EVP_PKEY_private_check(chk) : EVP_PKEY_public_check(chk));

	EVP_PKEY_CTX_free(chk);
	if (ok != 1) {
		EVP_PKEY_free(pkey);
		return hl_crypto_fail(HL_ERR_ATTRIBUTE_VALUE_INVALID);
	}
	if (hl_crypto_key_new(HL_KEY_EC, priv, pkey, &key) != HL_OK) {
		EVP_PKEY_free(pkey);
		return HL_ERR_NOMEM;
	}
	key->bits = c->bits;
	key->len = (c->bits + 7) / 8;
	*out = key;
	return HL_OK;
}

/* The curve and the uncompressed public point, ready for EVP_PKEY_fromdata. */
static OSSL_PARAM_BLD *ec_params(const hl_curve_t *c, const uint8_t *pub)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

	if (bld == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, c->name, 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
					     1 + 2 * ((c->bits + 7) / 8)) != 1) {
		OSSL_PARAM_BLD_free(bld);
		return NULL;
	}
	return bld;
}

EVP_PKEY *hl_crypto_ec_point_pkey(const hl_curve_t *c, const uint8_t *point, size_t point_len)
{
	const uint8_t *raw = point ? ec_point_raw(c, point, point_len) : NULL;
	OSSL_PARAM_BLD *bld = raw ? ec_params(c, raw) : NULL;
	EVP_PKEY *pkey = bld ? from_params(KEYMGMT_EC, EVP_PKEY_PUBLIC_KEY, bld) : NULL;

	OSSL_PARAM_BLD_free(bld);
	return pkey;
}

hl_status_t hl_key_ec_public(const uint8_t *params, size_t params_len, const uint8_t *point,
			     size_t point_len, hl_key_t **out)
{
	const hl_curve_t *c = hl_crypto_curve_find(params, params_len);
	const uint8_t *raw = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	hl_status_t st;

	if (out == NULL || point == NULL)
		return HL_ERR_ARGS;
	if (c == NULL || (raw = ec_point_raw(c, point, point_len)) == NULL)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if ((bld = ec_params(c, raw)) == NULL)
		st = HL_ERR_NOMEM;
	else
		st =
		    ec_key_finish(from_params(KEYMGMT_EC, EVP_PKEY_PUBLIC_KEY, bld), c, false, out);
	OSSL_PARAM_BLD_free(bld);
	return st;
}

/* pub = d·G, uncompressed; false when d is not in [1, order). */
static bool ec_derive_public(const hl_curve_t *c, const BIGNUM *d, uint8_t *pub, size_t len)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name_ex(NULL, NULL, c->nid);
	EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
	BN_CTX *bc = BN_CTX_new();
	bool ok = pt != NULL && bc != NULL && !BN_is_zero(d) && !BN_is_negative(d) &&
		  BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
		  EC_POINT_mul(g, pt, d, NULL, NULL, bc) == 1 &&
		  EC_POINT_point2oct(g, pt, POINT_CONVERSION_UNCOMPRESSED, pub, len, bc) == len;

	BN_CTX_free(bc);
	EC_POINT_free(pt);
	EC_GROUP_free(g);
	return ok;
}

hl_status_t hl_key_ec_private(const uint8_t *params, size_t params_len, const uint8_t *d,
			      size_t d_len, hl_key_t **out)
{
	const hl_curve_t *c = hl_crypto_curve_find(params, params_len);
	hl_buf_t db = { (uint8_t *)d, d_len };
	uint8_t pub[1 + 2 * 66];
	size_t plen;
	BIGNUM *bd = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	hl_status_t st = HL_ERR_ATTRIBUTE_VALUE_INVALID;

	if (out == NULL || d == NULL)
		return HL_ERR_ARGS;
	if (c == NULL)
		return st;
	plen = 1 + 2 * ((c->bits + 7) / 8);
	if ((bd = bn_of(&db)) == NULL || !ec_derive_public(c, bd, pub, plen))
		goto out;
	st = HL_ERR_NOMEM;
	if ((bld = ec_params(c, pub)) == NULL ||
	    OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, bd) != 1)
		goto out;
	st = ec_key_finish(from_params(KEYMGMT_EC, EVP_PKEY_KEYPAIR, bld), c, true, out);
out:
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(bd);
	return st == HL_OK ? st : hl_crypto_fail(st);
}

/* -- secret keys -- */

hl_status_t hl_key_secret(CK_KEY_TYPE type, const uint8_t *value, size_t len, hl_key_t **out)
{
	hl_key_t *key = NULL;

	if (out == NULL || (value == NULL && len > 0))
		return HL_ERR_ARGS;
	if ((type == CKK_AES && len != 16 && len != 24 && len != 32) ||
	    (type == CKK_DES3 && len != 24))
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if (type != CKK_AES && type != CKK_GENERIC_SECRET && type != CKK_DES3)
		return HL_ERR_KEY_TYPE_INCONSISTENT;
	if (len == 0)
		return HL_ERR_ATTRIBUTE_VALUE_INVALID;
	if (hl_crypto_key_new(HL_KEY_SECRET, true, NULL, &key) != HL_OK ||
	    (key->num = calloc(1, len)) == NULL) {
		hl_key_free(key);
		return HL_ERR_NOMEM;
	}
	memcpy(key->num, value, len);
	key->len = len;
	key->bits = (unsigned long)len * 8;
	key->secret_type = type;
	*out = key;
	return HL_OK;
}

/* -- reference counting and accessors -- */

hl_key_t *hl_key_ref(hl_key_t *key)
{
	if (key != NULL)
		atomic_fetch_add_explicit(&key->refs, 1u, memory_order_relaxed);
	return key;
}

void hl_key_free(hl_key_t *key)
{
	if (key == NULL || atomic_fetch_sub_explicit(&key->refs, 1u, memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; key->pc != NULL && i < sizeof key->pc->prep / sizeof key->pc->prep[0];
	     i++) {
		EVP_PKEY_CTX_free(atomic_load_explicit(&key->pc->prep[i], memory_order_relaxed));
		EVP_PKEY_CTX_free(atomic_load_explicit(&key->pc->spare[i], memory_order_relaxed));
	}
	free(key->pc);
	hl_crypto_ed_release(key);
	hl_crypto_prep_release(key);
	free(atomic_load_explicit(&key->op_spare, memory_order_relaxed));
	EVP_PKEY_free(key->pkey);
	if (key->num != NULL) {
		OPENSSL_cleanse(key->num, key->len);
		free(key->num);
	}
	free(key);
}

hl_key_kind_t hl_key_kind(const hl_key_t *key)
{
	return key->kind;
}

unsigned long hl_key_bits(const hl_key_t *key)
{
	return key->bits;
}

bool hl_key_is_private(const hl_key_t *key)
{
	return key->priv;
}

/* -- prepared contexts -- */

static int rsa_padding(hl_mech_family_t fam)
{
	switch (fam) {
	case HL_FAM_RSA_RAW:
		return RSA_NO_PADDING;
	case HL_FAM_RSA_PSS:
		return RSA_PKCS1_PSS_PADDING;
	case HL_FAM_RSA_OAEP:
		return RSA_PKCS1_OAEP_PADDING;
	default:
		return RSA_PKCS1_PADDING;
	}
}

static int ctx_init(EVP_PKEY_CTX *ctx, const hl_mech_t *m, hl_op_kind_t kind)
{
	bool recover =
	    m->family == HL_FAM_RSA_RAW || (m->family == HL_FAM_RSA_PKCS1 && m->md == HL_MD_NONE);

	switch (kind) {
	case HL_OP_SIGN:
		return EVP_PKEY_sign_init(ctx);
	case HL_OP_VERIFY:
		/* Raw and caller-DigestInfo verification compare the recovered block. */
		return recover ? EVP_PKEY_verify_recover_init(ctx) : EVP_PKEY_verify_init(ctx);
	case HL_OP_ENCRYPT:
		return EVP_PKEY_encrypt_init(ctx);
	case HL_OP_DECRYPT:
		return EVP_PKEY_decrypt_init(ctx);
	default:
		return 0;
	}
}

static EVP_PKEY_CTX *prep_new(hl_key_t *key, const hl_mech_t *m, hl_op_kind_t kind)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, key->pkey, NULL);
	bool ok = ctx != NULL && ctx_init(ctx, m, kind) == 1;

	if (ok && key->kind == HL_KEY_RSA) {
		ok = EVP_PKEY_CTX_set_rsa_padding(ctx, rsa_padding(m->family)) == 1;
		if (ok && m->md != HL_MD_NONE)
			ok = EVP_PKEY_CTX_set_signature_md(ctx, hl_crypto_md(m->md)) == 1;
	}
	if (!ok) {
		EVP_PKEY_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

EVP_PKEY_CTX *hl_crypto_key_ctx(hl_key_t *key, const hl_mech_t *m, unsigned index,
				hl_op_kind_t kind)
{
	size_t slot = (size_t)index * HL_OPK_COUNT + (size_t)kind;
	EVP_PKEY_CTX *p, *expected = NULL;

	if (index >= HL_MECH_SLOTS || kind > HL_OP_DECRYPT || key->pc == NULL)
		return NULL;
	/* The spare a finished operation gave back: initialised for this slot, unchanged. */
	p = atomic_exchange_explicit(&key->pc->spare[slot], NULL, memory_order_acq_rel);
	if (p != NULL)
		return p;
	p = atomic_load_explicit(&key->pc->prep[slot], memory_order_acquire);
	if (p == NULL) {
		/* Lock-free first use: whoever loses the race frees its copy. */
		if ((p = prep_new(key, m, kind)) == NULL)
			return NULL;
		if (!atomic_compare_exchange_strong_explicit(&key->pc->prep[slot], &expected, p,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			EVP_PKEY_CTX_free(p);
			p = expected;
		}
	}
	return EVP_PKEY_CTX_dup(p);
}

void hl_crypto_key_ctx_put(hl_key_t *key, const hl_mech_t *m, unsigned index, hl_op_kind_t kind,
			   EVP_PKEY_CTX *ctx)
{
	size_t slot = (size_t)index * HL_OPK_COUNT + (size_t)kind;
	EVP_PKEY_CTX *expected = NULL;

	if (ctx == NULL)
		return;
	/* PSS and OAEP set the caller's parameters on the context: never reused. */
	if (index >= HL_MECH_SLOTS || kind > HL_OP_DECRYPT || key->pc == NULL ||
	    m->family == HL_FAM_RSA_PSS || m->family == HL_FAM_RSA_OAEP ||
	    !atomic_compare_exchange_strong_explicit(&key->pc->spare[slot], &expected, ctx,
						     memory_order_acq_rel, memory_order_acquire))
		EVP_PKEY_CTX_free(ctx);
}
