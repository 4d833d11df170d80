/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what the crypto sources share among themselves (never included outside
 * emulator/core/crypto/; the one place besides those sources that names OpenSSL types). */
#pragma once

#include <stdatomic.h>

#include <openssl/evp.h>

#include "crypto/hl_crypto.h"

/* -- algorithm objects, fetched once per process (digest.c) -- */

typedef enum {
	HL_MD_SHA1,
	HL_MD_SHA224,
	HL_MD_SHA256,
	HL_MD_SHA384,
	HL_MD_SHA512,
	HL_MD_COUNT,
	HL_MD_NONE = -1,
} hl_md_id_t;

/* The fetched digest (never NULL once the process has its default provider). */
const EVP_MD *hl_crypto_md(hl_md_id_t id);
/* The OpenSSL name of a digest, for OSSL_PARAMs. */
const char *hl_crypto_md_name(hl_md_id_t id);
size_t hl_crypto_md_size(hl_md_id_t id);
/* CKM_SHA_1.. → id; HL_MD_NONE if not a supported hash. */
hl_md_id_t hl_crypto_md_from_ckm(CK_MECHANISM_TYPE mech);
/* CKG_MGF1_SHA1.. → id; HL_MD_NONE if unsupported. */
hl_md_id_t hl_crypto_md_from_mgf(CK_RSA_PKCS_MGF_TYPE mgf);
/* Fetched ciphers: AES key wrap with padding by kek length (16/24/32), AES-256-GCM. */
const EVP_CIPHER *hl_crypto_wrap_cipher(size_t kek_len);
const EVP_CIPHER *hl_crypto_gcm_cipher(void);
/* Fetched block ciphers for secret-key mechanisms (symm.c). */
typedef enum {
	HL_BLOCK_DES3_ECB,
	HL_BLOCK_DES3_CBC,
	HL_BLOCK_AES128_CBC,
	HL_BLOCK_AES192_CBC,
	HL_BLOCK_AES256_CBC,
	HL_BLOCK_AES128_ECB, /* then 192, 256: each mode's three key sizes in a row */
	HL_BLOCK_AES128_CTR = HL_BLOCK_AES128_ECB + 3,
	HL_BLOCK_AES128_GCM = HL_BLOCK_AES128_CTR + 3,
	HL_BLOCK_AES128_WRAP = HL_BLOCK_AES128_GCM + 3, /* RFC 3394, no padding */
	HL_BLOCK_COUNT = HL_BLOCK_AES128_WRAP + 3,
} hl_block_id_t;
const EVP_CIPHER *hl_crypto_block_cipher(hl_block_id_t id);

/* Drops OpenSSL's per-thread error queue after a failure we turned into a status. */
hl_status_t hl_crypto_fail(hl_status_t st);

/* -- curves (keygen.c) -- */

typedef struct {
	const uint8_t *oid; /* DER OBJECT IDENTIFIER, tag included */
	size_t oid_len;
	const char *name; /* OpenSSL group name */
	int nid;
	unsigned bits;
} hl_curve_t;

const hl_curve_t *hl_crypto_curve_find(const uint8_t *params, size_t params_len);
/* By OpenSSL group name (or another short name of the same curve), or NULL. */
const hl_curve_t *hl_crypto_curve_by_name(const char *name);

/* A key's values as PKCS#11 attribute values (keygen.c): RSA n, e, d and, when the key has
 * them, the CRT parts (required when need_crt); EC on curve c, its public point uncompressed
 * in a DER OCTET STRING. On success *out is filled (caller clears it). */
hl_status_t hl_crypto_rsa_export(const EVP_PKEY *pkey, bool need_crt, hl_rsa_parts_t *out);
hl_status_t hl_crypto_ec_export(const EVP_PKEY *pkey, const hl_curve_t *c, hl_ec_parts_t *out);

/* -- keys (keys.c) -- */

/* The public key of an EC point on curve c (CKA_EC_POINT's forms), NOT checked: for ECDH,
 * whose EVP_PKEY_derive_set_peer runs the full public-key check itself. NULL when the point
 * does not parse. */
EVP_PKEY *hl_crypto_ec_point_pkey(const hl_curve_t *c, const uint8_t *point, size_t point_len);

/* One prepared context per (mechanism, operation kind); see hl_crypto_key_ctx. */
#define HL_OPK_COUNT 4 /* sign, verify, encrypt, decrypt */
#define HL_MECH_SLOTS 64

struct hl_key {
	atomic_uint refs;
	hl_key_kind_t kind;
	bool priv;
	unsigned long bits;
	size_t len;   /* RSA: modulus bytes; EC: field bytes; secret: value bytes */
	uint8_t *num; /* RSA: modulus, big-endian, len bytes; secret: the value */
	CK_KEY_TYPE secret_type;
	EVP_PKEY *pkey;
	/* Public-key contexts (hl_crypto_key_ctx), allocated for public-key kinds only: a
	 * secret key (an ECDH result, one per derive) is made without these 4 KiB. */
	struct hl_key_pctx {
		_Atomic(EVP_PKEY_CTX *) prep[HL_MECH_SLOTS * HL_OPK_COUNT];
		_Atomic(EVP_PKEY_CTX *) spare[HL_MECH_SLOTS * HL_OPK_COUNT];
	} * pc;
	/* EdDSA: a digest-sign and a digest-verify context initialised once (eddsa.c). */
	_Atomic(EVP_MD_CTX *) ed_prep[2];
	/* Secret keys (prep.c): a keyed MAC per hash (HMAC) plus CMAC, and a keyed cipher per
	 * block-cipher mode and direction, each copied per operation. */
	_Atomic(EVP_MAC_CTX *) mac_prep[HL_MD_COUNT + 1];
	_Atomic(EVP_CIPHER_CTX *) sym_prep[4 * 2];
	/* Spares (prep.c): one context per slot that a finished operation handed back, taken
	 * by the next operation instead of a copy of the prepared one (a copy and a free cost
	 * allocations, reference counts and a cleanse, more than a short operation itself). */
	_Atomic(EVP_MAC_CTX *) mac_spare[HL_MD_COUNT + 1];
	_Atomic(EVP_CIPHER_CTX *) sym_spare[4 * 2];
	_Atomic(hl_op_t *) op_spare; /* a freed operation's memory, for the next (op.c) */
};

/* A copy of the key's MAC context for slot (an hl_md_id_t, or HL_MD_COUNT for CMAC), keyed
 * once with params by the first use; NULL on failure. The caller frees it. */
EVP_MAC_CTX *hl_crypto_key_mac(hl_key_t *key, unsigned slot, const EVP_MAC *alg,
			       const OSSL_PARAM *params);
/* A copy of the key's context for cipher c in slot (mode × 2 + enc), its key schedule done
 * once; the caller sets the IV (EVP_CipherInit_ex2 with NULL cipher and key). */
EVP_CIPHER_CTX *hl_crypto_key_cipher(hl_key_t *key, unsigned slot, const EVP_CIPHER *c, int enc);
/* Hand a finished operation's context back to its key as the slot's spare (freed when the
 * slot already has one). Only contexts whose every setting is the prepared one's may come
 * back: a MAC is re-keyed by EVP_MAC_init with no key, a cipher gets its IV at the start. */
void hl_crypto_key_mac_put(hl_key_t *key, unsigned slot, EVP_MAC_CTX *ctx);
void hl_crypto_key_cipher_put(hl_key_t *key, unsigned slot, EVP_CIPHER_CTX *ctx);
/* Frees a key's prepared MAC and cipher contexts and spares (hl_key_free). */
void hl_crypto_prep_release(hl_key_t *key);

/* -- mechanisms (mechs.c) -- */

typedef enum {
	HL_FAM_KEYGEN, /* listed only; generation is hl_crypto_*_generate */
	HL_FAM_RSA_PKCS1,
	HL_FAM_RSA_RAW,
	HL_FAM_RSA_PSS,
	HL_FAM_RSA_OAEP,
	HL_FAM_ECDSA,
	HL_FAM_DIGEST,
	HL_FAM_SYM,   /* block ciphers of secret keys (symm.c) */
	HL_FAM_HMAC,  /* MACs of generic secret keys (mac.c) */
	HL_FAM_EDDSA, /* pure EdDSA of Edwards keys (eddsa.c) */
} hl_mech_family_t;

typedef struct {
	CK_MECHANISM_TYPE type;
	hl_mech_family_t family;
	hl_md_id_t md; /* hash applied inside the op (hash-and-sign, digest), else HL_MD_NONE */
	CK_MECHANISM_INFO info;
} hl_mech_t;

/* The table row and its index (< HL_MECH_SLOTS), or NULL. */
const hl_mech_t *hl_crypto_mech_find(CK_MECHANISM_TYPE type, unsigned *index_out);

/* A fresh context for this key, mechanism and kind (padding, fixed digest set), duplicated
 * from one the key prepares on first use, so per-operation set-up costs one EVP_PKEY_CTX_dup
 * and no algorithm fetch. NULL on failure. Caller frees it. */
EVP_PKEY_CTX *hl_crypto_key_ctx(hl_key_t *key, const hl_mech_t *m, unsigned index,
				hl_op_kind_t kind);
/* Gives a context of hl_crypto_key_ctx back as the slot's spare, or frees it. The families
 * whose set-up changes the context (PSS, OAEP parameters) are always freed. */
void hl_crypto_key_ctx_put(hl_key_t *key, const hl_mech_t *m, unsigned index, hl_op_kind_t kind,
			   EVP_PKEY_CTX *ctx);

/* -- block-cipher state of an operation (symm_stream.c) -- */

typedef struct {
	EVP_CIPHER_CTX *ctx;          /* created by the first part */
	unsigned ctx_slot;            /* its key slot + 1; 0: not one to hand back */
	const struct hl_sym_row *row; /* the mechanism's row in symm.c */
	size_t held; /* input taken but not yet output: a partial block, or the block
			held back for unpadding */
	uint8_t *gcm_iv, *aad;
	uint8_t gcm_iv_in[16]; /* gcm_iv for IVs up to 16 bytes (no allocation per operation) */
	size_t gcm_iv_len, aad_len, tag_len;
	hl_buf_t acc;      /* GCM decrypt: the whole input, as no plaintext may leave before the
			      tag is checked */
	size_t acc_cap;    /* capacity of acc.data */
	uint64_t ctr_left; /* CTR: blocks the counter bits allow (UINT64_MAX: no limit) */
	uint64_t ctr_done; /* CTR: bytes run so far */
} hl_sym_state_t;

#define HL_SYM_AAD_MAX ((size_t)1 << 20) /* GCM additional data we copy at the start */
#define HL_GCM_IV_DEFAULT 12             /* OpenSSL's GCM IV length unless set */

/* Parameters of CKM_AES_CTR / CKM_AES_GCM into op (copies), checked: at hl_op_new. */
hl_status_t hl_crypto_sym_params(hl_op_t *op, const CK_MECHANISM *mech);
/* Multi-part encrypt/decrypt of block-cipher ops with the PKCS#11 length rules (out NULL:
 * the length; short: HL_ERR_BUFFER_TOO_SMALL, state kept). */
hl_status_t hl_crypto_sym_update(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
				 size_t *out_len);
hl_status_t hl_crypto_sym_final(hl_op_t *op, uint8_t *out, size_t *out_len);
/* Single-part of the stream modes (CTR, GCM) with the same rules. */
hl_status_t hl_crypto_sym_stream_oneshot(hl_op_t *op, const uint8_t *in, size_t in_len,
					 uint8_t *out, size_t *out_len);
void hl_crypto_sym_state_clear(hl_sym_state_t *ss);

/* Rows of the block-cipher table, for symm_stream.c. */
typedef enum { HL_SYM_ECB, HL_SYM_CBC, HL_SYM_CTR, HL_SYM_GCM } hl_sym_mode_t;
typedef struct hl_sym_row {
	CK_MECHANISM_TYPE mech;
	CK_KEY_TYPE kt;
	size_t block, iv; /* iv: the parameter's length (a CK_*_PARAMS size for CTR/GCM) */
	bool pad;
	hl_sym_mode_t mode;
} hl_sym_row_t;
const hl_sym_row_t *hl_crypto_sym_row(CK_MECHANISM_TYPE mech);
const EVP_CIPHER *hl_crypto_sym_cipher(const hl_sym_row_t *m, size_t key_len);

/* -- operations (op.c, sign.c, cipher.c) -- */

typedef enum { HL_OPS_FRESH, HL_OPS_UPDATING, HL_OPS_DONE } hl_op_state_t;

struct hl_op {
	hl_op_kind_t kind;
	hl_op_state_t state;
	const hl_mech_t *m;
	unsigned index; /* m's row: the key's context slot */
	hl_key_t *key;
	EVP_PKEY_CTX *pctx;
	EVP_MD_CTX *mctx;   /* hash-and-sign and digest: created on first use */
	hl_md_id_t in_md;   /* PSS without hash: the hash whose length the input must have */
	size_t max_in;      /* encrypt, RSA_PKCS sign: largest input */
	unsigned long slen; /* PSS salt length */
	CK_MECHANISM sym;   /* block ciphers: the mechanism, pParameter pointing at iv */
	uint8_t iv[16];
	hl_sym_state_t ss; /* block ciphers: the multi-part state (symm_stream.c) */
	EVP_MAC_CTX *mac;  /* HMAC (mac.c) */
	size_t mac_len;    /* HMAC: the output length (the hash's, or _GENERAL's parameter) */
};

/* HMAC (mac.c): set-up at hl_op_new, parts, the output (of in, or of the parts when in is
 * NULL) and verify. */
hl_status_t hl_crypto_mac_setup(hl_op_t *op, const CK_MECHANISM *mech);
hl_status_t hl_crypto_mac_update(hl_op_t *op, const uint8_t *in, size_t in_len);
hl_status_t hl_crypto_mac_out(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out);
hl_status_t hl_crypto_mac_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
				 size_t sig_len);
const EVP_MAC *hl_crypto_hmac_alg(void);
const EVP_MAC *hl_crypto_cmac_alg(void);

/* Sign (out holds hl_op_output_len bytes) and verify of a complete message, or of a
 * finished multi-part hash when in is NULL. */
hl_status_t hl_crypto_sign(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out);
hl_status_t hl_crypto_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
			     size_t sig_len);
/* Sets PSS parameters on op (validated against the key) at hl_op_new. */
hl_status_t hl_crypto_pss_setup(hl_op_t *op, const CK_MECHANISM *mech);
/* Sets OAEP parameters on op at hl_op_new. */
hl_status_t hl_crypto_oaep_setup(hl_op_t *op, const CK_MECHANISM *mech);
/* RSA encrypt / decrypt with the length rules of hl_op_oneshot. */
hl_status_t hl_crypto_encrypt(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t *out_len);
hl_status_t hl_crypto_decrypt(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t *out_len);
/* Left-pads in to the modulus length into buf (key->len bytes) and checks it is below n:
 * HL_ERR_DATA_LEN_RANGE when longer, bad_value when not below n. */
hl_status_t hl_crypto_rsa_raw_input(const hl_key_t *key, const uint8_t *in, size_t in_len,
				    uint8_t *buf, hl_status_t bad_value);
/* The digest of the message: of in for a single part, or the end of the multi-part hash
 * when the op has been updated. dgst holds EVP_MAX_MD_SIZE bytes. */
hl_status_t hl_crypto_op_hash(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *dgst,
			      size_t *dgst_len);

/* EdDSA (eddsa.c): the parameter check and a prepared context at hl_op_new; sign (out holds
 * hl_op_output_len bytes) and verify of a whole message. */
hl_status_t hl_crypto_ed_setup(hl_op_t *op, const CK_MECHANISM *mech);
hl_status_t hl_crypto_ed_sign(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out);
hl_status_t hl_crypto_ed_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
				size_t sig_len);
/* Frees an Edwards key's prepared contexts (hl_key_free). */
void hl_crypto_ed_release(hl_key_t *key);
/* Allocates a key of the given kind (refs 1); keys.c. */
hl_status_t hl_crypto_key_new(hl_key_kind_t kind, bool priv, EVP_PKEY *pkey, hl_key_t **out);

#define HL_RSA_MAX_BYTES 2048 /* 16384-bit modulus */

/* Fills v[3..7] (p, q, dp, dq, qinv) from n, e, d in v[0..2] (rsa_crt.c); on failure leaves
 * them NULL. The caller still checks the result. */
bool hl_crypto_rsa_crt_derive(BIGNUM *v[8], BN_CTX *bc);

/* Key types named by OID, not "RSA"/"EC": OpenSSL 3.0 routes a context made from a name it
 * maps to a NID through any ENGINE set as default for that key type (`openssl -engine pkcs11`
 * does ENGINE_set_default(ALL) with libp11), and such a legacy context cannot do fromdata or
 * keygen.
 * The OID names the same provider key manager and never matches an engine. */
#define KEYMGMT_RSA "1.2.840.113549.1.1.1"
#define KEYMGMT_EC "1.2.840.10045.2.1"
