/* SPDX-License-Identifier: BSD-2-Clause
 * Helpers for the crypto-layer tests: hex, data files, and the corpus keys read with OpenSSL
 * itself (an independent parse, so the layer is checked against OpenSSL's reading). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "crypto/hl_crypto.h"

/* Decodes hex (whitespace ignored) into a malloc'd buffer; aborts the test on bad hex. */
uint8_t *tu_unhex(const char *hex, size_t *len_out);
/* Reads tests/emulator/core/crypto/data/<name> (via $HSMLAB_SOURCE_DIR); the contents are
 * NUL-terminated. Caller frees. */
char *tu_data(const char *name, size_t *len_out);
/* Path of a corpus file (HSMLAB_CORPUS_DIR), or fails the test when it is missing.
 * Returns a static buffer. */
const char *tu_corpus(const char *rel);
/* The corpus PEM keys as PKCS#11 attribute values (caller clears). */
void tu_rsa_parts_from_pem(const char *path, hl_rsa_parts_t *out);
void tu_ec_parts_from_pem(const char *path, hl_ec_parts_t *out);
/* DER ECDSA-Sig-Value → r||s (fb bytes each), using OpenSSL's own decoder. */
void tu_ecdsa_der_to_rs(const uint8_t *der, size_t der_len, size_t fb, uint8_t *out);
/* The imported corpus keys. */
hl_key_t *tu_corpus_rsa(void);
hl_key_t *tu_corpus_ec(void);
/* A fresh key pair of the given kind (RSA 2048 or EC by curve bits 256/384). */
void tu_gen_rsa(unsigned long bits, hl_key_t **priv, hl_key_t **pub);
void tu_gen_ec(unsigned bits, hl_key_t **priv, hl_key_t **pub);
/* Runs a one-shot sign/encrypt/digest (length query first, checked against
 * hl_op_output_len); returns the malloc'd output. tu_sign is the HL_OP_SIGN case. */
uint8_t *tu_oneshot(hl_op_kind_t kind, CK_MECHANISM *mech, hl_key_t *key, const uint8_t *in,
		    size_t in_len, size_t *out_len);
uint8_t *tu_sign(CK_MECHANISM *mech, hl_key_t *key, const uint8_t *in, size_t in_len,
		 size_t *sig_len);
hl_status_t tu_verify(CK_MECHANISM *mech, hl_key_t *key, const uint8_t *in, size_t in_len,
		      const uint8_t *sig, size_t sig_len);

extern const uint8_t tu_oid_p256[10];
extern const uint8_t tu_oid_p384[7];

#define TU_ST(expr, want)                                                                \
	do {                                                                             \
		hl_status_t st_ = (expr);                                                \
		cr_assert_eq(st_, (want), "%s: %s, want %s", #expr, hl_status_name(st_), \
			     hl_status_name(want));                                      \
	} while (0)
/* The hash of data by OpenSSL name ("SHA256"), written to out; returns its length. */
size_t tu_hash(const char *name, const uint8_t *data, size_t len, uint8_t *out);
/* Asserts the run is what its name says: in the *_engine runs (HSMLAB_TEST_ENGINE set) an
 * ENGINE really is the default for RSA and EC keys, so those runs cannot pass without
 * testing anything; in the others none is, so they test OpenSSL's own providers. */
void tu_check_engine_mode(void);
