/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the one internal crypto interface. Everything cryptographic in the
 * emulator goes through here; only the crypto/ sources include OpenSSL headers (OpenSSL 3 EVP and
 * OSSL_PARAM APIs only, no deprecated RSA_/EC_KEY calls). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsmlab/pkcs11.h"
#include "util/hl_status.h"

/* -- owned byte buffers -- */

/* A heap buffer owned by whoever holds the struct. hl_buf_clear wipes (OPENSSL_cleanse)
 * and frees it, and leaves {NULL, 0}; clearing an empty buffer is a no-op. */
typedef struct {
	uint8_t *data;
	size_t len;
} hl_buf_t;

void hl_buf_clear(hl_buf_t *b);

/* -- key material as PKCS#11 attribute values -- */

/* RSA components as the PKCS#11 attributes hold them: big-endian unsigned integers without
 * leading zero bytes (CKA_MODULUS, CKA_PUBLIC_EXPONENT, CKA_PRIVATE_EXPONENT, CKA_PRIME_1,
 * CKA_PRIME_2, CKA_EXPONENT_1, CKA_EXPONENT_2, CKA_COEFFICIENT). For a public key only n and
 * e are set. hl_rsa_parts_clear clears every buffer. */
typedef struct {
	hl_buf_t n, e, d, p, q, dp, dq, qinv;
} hl_rsa_parts_t;

/* EC components: params is the DER of the curve OID (CKA_EC_PARAMS); point is the
 * uncompressed point 04||X||Y *wrapped in a DER OCTET STRING* (CKA_EC_POINT as PKCS#11
 * specifies it); d is the private value (CKA_VALUE of the private key), big-endian,
 * left-padded to the field size. Supported curves: P-256, P-384 and P-521 (whose point, 133
 * bytes, takes the long length form 04 81 85). Edwards keys (CKK_EC_EDWARDS) use the same
 * struct: params as the caller gave them (curve name or OID), point the RFC 8032 public key in
 * a DER OCTET STRING, d the RFC 8032 private key (32 or 57 bytes). */
typedef struct {
	hl_buf_t params, point, d;
} hl_ec_parts_t;

void hl_rsa_parts_clear(hl_rsa_parts_t *parts);
void hl_ec_parts_clear(hl_ec_parts_t *parts);

/* Generates an RSA key of `bits` bits (1024..16384; the profile narrows this) with public
 * exponent e (big-endian; NULL/0 means 65537). On success fills *out (caller clears it). */
hl_status_t hl_crypto_rsa_generate(unsigned long bits, const uint8_t *e, size_t e_len,
				   hl_rsa_parts_t *out);
/* Generates an EC key on the curve named by DER OID params. HL_ERR_ATTRIBUTE_VALUE_INVALID
 * (curve unknown or not supported) or success with *out filled. */
hl_status_t hl_crypto_ec_generate(const uint8_t *params, size_t params_len, hl_ec_parts_t *out);
/* Field size in bits of the curve named by params (256, 384, 521), or 0 if unsupported. */
unsigned hl_crypto_ec_curve_bits(const uint8_t *params, size_t params_len);
/* Edwards curves (eddsa.c): CKA_EC_PARAMS as the spec's PrintableString curve name
 * ("edwards25519", "edwards448") or the RFC 8410 OID (1.3.101.112, 1.3.101.113). Bits of the
 * curve (255, 448), or 0 when params names neither. */
unsigned hl_crypto_ed_curve_bits(const uint8_t *params, size_t params_len);
/* Whether a profile's key-size range [min, max] takes the Edwards curve of curve_bits: by the
 * curve's bits (255, 448: what this module announces) or by its encoded key's (256, 456: what
 * SoftHSMv2 announces, so a profile fingerprinted from it works). */
bool hl_crypto_ed_size_in(unsigned long curve_bits, unsigned long min, unsigned long max);
/* An Ed25519 or Ed448 key pair; out->params is a copy of params. */
hl_status_t hl_crypto_ed_generate(const uint8_t *params, size_t params_len, hl_ec_parts_t *out);
/* Fills buf with len bytes from the CSPRNG. */
hl_status_t hl_crypto_random(uint8_t *buf, size_t len);

/* -- keys ready for operations -- */

/* An immutable, reference-counted key for operations (wraps an EVP_PKEY or a secret). Safe to
 * use from several threads at once: each operation gets its own context. */
typedef struct hl_key hl_key_t;

typedef enum { HL_KEY_RSA, HL_KEY_EC, HL_KEY_SECRET, HL_KEY_EDWARDS } hl_key_kind_t;

/* RSA private key from parts: n, e, d required; CRT parts used when all five are present
 * (then signing runs at full OpenSSL speed), else derived where OpenSSL can. Checks the
 * values are consistent (HL_ERR_ATTRIBUTE_VALUE_INVALID when not). */
hl_status_t hl_key_rsa_private(const hl_rsa_parts_t *parts, hl_key_t **out);
hl_status_t hl_key_rsa_public(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len,
			      hl_key_t **out);
/* EC keys; point is CKA_EC_POINT (DER OCTET STRING; a raw 04||X||Y is accepted too, as
 * lenient clients send it). For the private key, point may be NULL (derived from d). */
hl_status_t hl_key_ec_private(const uint8_t *params, size_t params_len, const uint8_t *d,
			      size_t d_len, hl_key_t **out);
hl_status_t hl_key_ec_public(const uint8_t *params, size_t params_len, const uint8_t *point,
			     size_t point_len, hl_key_t **out);
/* Edwards keys (CKK_EC_EDWARDS): d the 32/57-byte private key, point CKA_EC_POINT (a DER
 * OCTET STRING, or the bare 32/57 bytes). HL_ERR_ATTRIBUTE_VALUE_INVALID when the curve or a
 * length is wrong. */
hl_status_t hl_key_ed_private(const uint8_t *params, size_t params_len, const uint8_t *d,
			      size_t d_len, hl_key_t **out);
hl_status_t hl_key_ed_public(const uint8_t *params, size_t params_len, const uint8_t *point,
			     size_t point_len, hl_key_t **out);
/* A secret key (CKK_AES: 16, 24 or 32 bytes; CKK_DES3: 24 bytes, parity not checked, as
 * PKCS#11 leaves that to the token; CKK_GENERIC_SECRET: any length >= 1). */
hl_status_t hl_key_secret(CK_KEY_TYPE type, const uint8_t *value, size_t len, hl_key_t **out);

/* Reference counting: _ref adds a reference and returns key; _free drops one (NULL ok). */
hl_key_t *hl_key_ref(hl_key_t *key);
void hl_key_free(hl_key_t *key);
hl_key_kind_t hl_key_kind(const hl_key_t *key);
/* RSA: modulus bits; EC: field bits; secret: value bits. */
unsigned long hl_key_bits(const hl_key_t *key);
/* Whether the key holds private (or secret) material. */
bool hl_key_is_private(const hl_key_t *key);

/* -- operations -- */

typedef enum {
	HL_OP_SIGN,
	HL_OP_VERIFY,
	HL_OP_ENCRYPT,
	HL_OP_DECRYPT,
	HL_OP_DIGEST,
} hl_op_kind_t;

/* One active cryptographic operation (one per session and kind, as PKCS#11 has it). */
typedef struct hl_op hl_op_t;

/* The mechanisms the crypto layer implements, with its own limits (ulMinKeySize,
 * ulMaxKeySize in the spec's units, CKF_* flags incl. CKF_HW off). The profile narrows this
 * list; a mechanism not here is never offered. Returns false for unknown mechanisms. */
bool hl_crypto_mech_info(CK_MECHANISM_TYPE mech, CK_MECHANISM_INFO *info_out);
/* Writes the implemented mechanisms into out (up to max) and returns how many there are. */
size_t hl_crypto_mech_list(CK_MECHANISM_TYPE *out, size_t max);

/* Starts an operation. mech->pParameter is validated now (HL_ERR_MECHANISM_PARAM_INVALID),
 * and the key must fit the mechanism and the kind (HL_ERR_KEY_TYPE_INCONSISTENT, or
 * HL_ERR_MECHANISM_INVALID when the mechanism cannot do that kind at all). key is NULL for
 * HL_OP_DIGEST; otherwise the op takes its own reference. Mechanisms:
 *  sign/verify: CKM_RSA_PKCS (DigestInfo supplied by caller), CKM_RSA_X_509 (raw),
 *    CKM_SHA1/SHA256/SHA384/SHA512_RSA_PKCS, CKM_RSA_PKCS_PSS (+CK_RSA_PKCS_PSS_PARAMS; input
 *    is the hash), CKM_SHA{1,256,384,512}_RSA_PKCS_PSS, CKM_ECDSA (input is the hash),
 *    CKM_ECDSA_SHA1/SHA256/SHA384/SHA512 (signature is r||s, each field-size bytes),
 *    CKM_EDDSA (pure Ed25519/Ed448, single-part; an optional CK_EDDSA_PARAMS must say
 *    phFlag FALSE and no context, which is all OpenSSL 3.0 signs);
 *  encrypt/decrypt: CKM_DES3_ECB, CKM_DES3_CBC(_PAD), CKM_AES_CBC_PAD (secret keys, IV as the
 *    parameter, single-part), CKM_RSA_PKCS, CKM_RSA_X_509, CKM_RSA_PKCS_OAEP
 * (+CK_RSA_PKCS_OAEP_PARAMS: SHA-1/SHA-2, MGF1 with SHA-1/SHA-2, CKZ_DATA_SPECIFIED label); digest:
 * CKM_SHA_1, CKM_SHA256, CKM_SHA384, CKM_SHA512. */
hl_status_t hl_op_new(hl_op_kind_t kind, const CK_MECHANISM *mech, hl_key_t *key, hl_op_t **out);
void hl_op_free(hl_op_t *op);
/* Whether this operation accepts hl_op_update (hash-and-sign and digests do; raw RSA, PSS
 * without hash, ECDSA without hash and RSA encrypt/decrypt do not). */
bool hl_op_multipart(const hl_op_t *op);
/* Exact output length for sign (modulus length; 2 × field size for ECDSA) and digest, and
 * the maximum output for encrypt/decrypt of in_len bytes. */
size_t hl_op_output_len(const hl_op_t *op, size_t in_len);

/* Single-part sign, encrypt, decrypt or digest. If out is NULL, writes the needed length to
 * *out_len and returns HL_OK without consuming the operation; if *out_len is too small,
 * writes the needed length and returns HL_ERR_BUFFER_TOO_SMALL (operation still usable).
 * Input errors: HL_ERR_DATA_LEN_RANGE (e.g. RSA_X_509 input longer than the modulus, or
 * RSA_PKCS input over k-11), HL_ERR_DATA_INVALID, HL_ERR_ENCRYPTED_DATA_INVALID/_LEN_RANGE. */
hl_status_t hl_op_oneshot(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			  size_t *out_len);
/* Multi-part: feed data (sign, verify, digest only when hl_op_multipart). */
hl_status_t hl_op_update(hl_op_t *op, const uint8_t *in, size_t in_len);
/* Multi-part encrypt/decrypt of block-cipher mechanisms: in → out with the length-query
 * rules of hl_op_oneshot (a length query or a short buffer leaves the state as it was). */
hl_status_t hl_op_update_out(hl_op_t *op, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t *out_len);
/* Multi-part end for sign, digest and block-cipher encrypt/decrypt, with the same
 * length-query rules as hl_op_oneshot. */
hl_status_t hl_op_final(hl_op_t *op, uint8_t *out, size_t *out_len);
/* Verify with recovery (C_VerifyRecover) on an op of kind HL_OP_ENCRYPT with CKM_RSA_X_509
 * and the public key: the signature must be the modulus length (HL_ERR_SIGNATURE_LEN_RANGE);
 * pkcs1 strips the PKCS#1 v1.5 block-type-1 padding (CKM_RSA_PKCS). Length rules of
 * hl_op_oneshot; a signature that does not open: HL_ERR_SIGNATURE_INVALID. */
hl_status_t hl_op_verify_recover(hl_op_t *op, const uint8_t *sig, size_t sig_len, bool pkcs1,
				 uint8_t *out, size_t *out_len);
/* Verify (single-part, or the end of a multi-part verify when in is NULL). Returns HL_OK,
 * HL_ERR_SIGNATURE_INVALID or HL_ERR_SIGNATURE_LEN_RANGE. */
hl_status_t hl_op_verify(hl_op_t *op, const uint8_t *in, size_t in_len, const uint8_t *sig,
			 size_t sig_len);

/* -- key wrapping and storage protection -- */

/* AES key wrap with padding (RFC 5649, CKM_AES_KEY_WRAP_PAD). out NULL: *out_len gets the
 * size. Unwrap failures give HL_ERR_WRAPPED_KEY_INVALID. */
hl_status_t hl_crypto_aes_wrap_pad(const uint8_t *kek, size_t kek_len, const uint8_t *in,
				   size_t in_len, uint8_t *out, size_t *out_len);
hl_status_t hl_crypto_aes_unwrap_pad(const uint8_t *kek, size_t kek_len, const uint8_t *in,
				     size_t in_len, uint8_t *out, size_t *out_len);

#define HL_AEAD_KEY_LEN 32
#define HL_AEAD_OVERHEAD (12 + 16) /* nonce || ciphertext || tag */

/* AES-256-GCM with a random 96-bit nonce: out = nonce || ciphertext || tag, so out must hold
 * pt_len + HL_AEAD_OVERHEAD bytes. aad binds the ciphertext to its context (e.g. device serial
 * and object id) so records cannot be swapped. */
hl_status_t hl_crypto_aead_seal(const uint8_t key[HL_AEAD_KEY_LEN], const uint8_t *aad,
				size_t aad_len, const uint8_t *pt, size_t pt_len, uint8_t *out);
/* The inverse; out must hold ct_len - HL_AEAD_OVERHEAD bytes. HL_ERR_INTEGRITY when the tag
 * does not verify (altered data, wrong key, wrong aad); out is wiped then. */
hl_status_t hl_crypto_aead_open(const uint8_t key[HL_AEAD_KEY_LEN], const uint8_t *aad,
				size_t aad_len, const uint8_t *ct, size_t ct_len, uint8_t *out);

/* PIN verifier: PBKDF2-HMAC-SHA256(pin, salt, iterations) → 32 bytes. Also used to derive
 * key-encryption keys from PINs. */
hl_status_t hl_crypto_pbkdf2(const uint8_t *pin, size_t pin_len, const uint8_t *salt,
			     size_t salt_len, unsigned iterations, uint8_t out[32]);
/* HMAC-SHA256 and SHA-256 for audit chains, blob authentication and fingerprints. */
hl_status_t hl_crypto_hmac_sha256(const uint8_t *key, size_t key_len, const uint8_t *data,
				  size_t len, uint8_t out[32]);
hl_status_t hl_crypto_sha256(const uint8_t *data, size_t len, uint8_t out[32]);
/* Constant-time comparison: true when equal. */
bool hl_crypto_memeq(const void *a, const void *b, size_t len);
/* Wipes len bytes (OPENSSL_cleanse). */
void hl_crypto_wipe(void *p, size_t len);

/* -- secret-key block ciphers (symm.c) -- */

/* A DES3 key for CKM_DES3_KEY_GEN: 24 random bytes, every byte of odd parity (PKCS#11), and
 * never K1 = K2 or K2 = K3 (that would be single DES). */
hl_status_t hl_crypto_des3_generate(uint8_t out[24]);
/* Whether every byte of key has odd parity (false for len 0). */
bool hl_crypto_des_parity_ok(const uint8_t *key, size_t len);

/* The block-cipher mechanisms: CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD (CKK_DES3, 24-byte
 * keys, 8-byte IV for CBC) and CKM_AES_CBC_PAD (CKK_AES, 16-byte IV). _PAD: PKCS#7 padding. */
bool hl_crypto_sym_mech(CK_MECHANISM_TYPE mech);
size_t hl_crypto_sym_block(CK_MECHANISM_TYPE mech); /* 0 when not a block-cipher mechanism */
bool hl_crypto_sym_padded(CK_MECHANISM_TYPE mech);
/* Checks the mechanism's parameter (the IV, exactly its length, or none for ECB:
 * HL_ERR_MECHANISM_PARAM_INVALID), the key type (HL_ERR_KEY_TYPE_INCONSISTENT) and the key
 * length (HL_ERR_KEY_SIZE_RANGE). */
hl_status_t hl_crypto_sym_check(const CK_MECHANISM *mech, CK_KEY_TYPE kt, size_t key_len);
/* The output length of encrypting (enc) or, at most, of decrypting in_len bytes. */
size_t hl_crypto_sym_out_len(CK_MECHANISM_TYPE mech, bool enc, size_t in_len);
/* Single-part encrypt/decrypt with the length rules of hl_op_oneshot. Input not a multiple of
 * the block where it must be: HL_ERR_DATA_LEN_RANGE (encrypt) or
 * HL_ERR_ENCRYPTED_DATA_LEN_RANGE (decrypt); bad padding: HL_ERR_ENCRYPTED_DATA_INVALID. */
hl_status_t hl_crypto_sym_run(const CK_MECHANISM *mech, const uint8_t *key, size_t key_len,
			      bool enc, const uint8_t *in, size_t in_len, uint8_t *out,
			      size_t *out_len);

/* -- key wrapping by mechanism (wrap.c) and private keys as PKCS#8 (pkcs8.c) -- */

/* Encrypts key material in (a secret key's value or a PKCS#8 DER) under the key-encryption
 * key kek of type kek_type: CKM_AES_KEY_WRAP_PAD (RFC 5649), CKM_AES_CBC_PAD and
 * CKM_DES3_CBC_PAD (PKCS#7 padding), CKM_DES3_ECB and CKM_DES3_CBC (zero bytes up to a
 * block, as PKCS#11 wraps with unpadded modes). Length queries as hl_op_oneshot. Errors:
 * HL_ERR_MECHANISM_PARAM_INVALID, HL_ERR_KEY_TYPE_INCONSISTENT and HL_ERR_KEY_SIZE_RANGE
 * about the kek. */
hl_status_t hl_crypto_wrap(const CK_MECHANISM *mech, CK_KEY_TYPE kek_type, const uint8_t *kek,
			   size_t kek_len, const uint8_t *in, size_t in_len, uint8_t *out,
			   size_t *out_len);
/* The inverse; out holds at least in_len bytes. Unpadded modes leave the zero padding for
 * the caller to trim. A length no whole number of blocks: HL_ERR_ENCRYPTED_DATA_LEN_RANGE
 * (PKCS#11: CKR_WRAPPED_KEY_LEN_RANGE); bad padding or integrity:
 * HL_ERR_WRAPPED_KEY_INVALID. */
hl_status_t hl_crypto_unwrap(const CK_MECHANISM *mech, CK_KEY_TYPE kek_type, const uint8_t *kek,
			     size_t kek_len, const uint8_t *in, size_t in_len, uint8_t *out,
			     size_t *out_len);
/* Wrapping (wrap: under an RSA public key) or unwrapping (under the private key) a secret
 * key's value with CKM_RSA_PKCS_OAEP (CK_RSA_PKCS_OAEP_PARAMS as for encryption). Length rules
 * of hl_op_oneshot; a value too long for the modulus: HL_ERR_DATA_LEN_RANGE; a blob that does
 * not open: HL_ERR_WRAPPED_KEY_INVALID; another mechanism: HL_ERR_MECHANISM_INVALID. */
hl_status_t hl_crypto_wrap_rsa(const CK_MECHANISM *mech, hl_key_t *key, bool wrap,
			       const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len);

/* The PKCS#8 PrivateKeyInfo DER of a private RSA or EC key (HL_ERR_KEY_TYPE_INCONSISTENT for
 * any other); *out is caller-owned (hl_buf_clear wipes it). */
hl_status_t hl_crypto_pkcs8_encode(const hl_key_t *key, hl_buf_t *out);
/* The length of the DER SEQUENCE at p (tag and length included) when it fits in len, else
 * 0: tells a PKCS#8 blob from the zero padding after it. */
size_t hl_crypto_der_len(const uint8_t *p, size_t len);
/* Decodes exactly len bytes of PrivateKeyInfo: *kt_out CKK_RSA (rsa filled, CRT parts when
 * the blob has them) or CKK_EC (ec filled, P-256/P-384/P-521 only). Anything else, trailing bytes
 * included: HL_ERR_WRAPPED_KEY_INVALID. The caller clears the parts. */
hl_status_t hl_crypto_pkcs8_decode(const uint8_t *der, size_t len, CK_KEY_TYPE *kt_out,
				   hl_rsa_parts_t *rsa, hl_ec_parts_t *ec);

/* ECDH (derive.c): the shared secret (the x coordinate, field-size bytes) of the private EC
 * key priv and the peer's point (raw 04||X||Y or a DER OCTET STRING) on priv's curve; out
 * holds *out_len bytes (66 is enough). A bad point: HL_ERR_MECHANISM_PARAM_INVALID. */
/* CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE alike: every supported curve has cofactor 1. */
hl_status_t hl_crypto_ecdh(const hl_key_t *priv, const uint8_t *point, size_t point_len,
			   uint8_t *out, size_t *out_len);

/* Frees the process-wide cache of fetched algorithms (C_Finalize calls it, so a module that is
 * finalized and unloaded leaks nothing). No operation may be running; the next use of the
 * crypto layer fetches them again. */
void hl_crypto_release(void);
