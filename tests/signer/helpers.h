/* SPDX-License-Identifier: BSD-2-Clause
 * Test helpers for the signer: throw-away SoftHSMv2 tokens with the corpus keys imported,
 * configs written to temp files, corpus paths. */
#pragma once

#include <stddef.h>

#include "hsmlab/config.h"

/* Test PINs: 8 digits suit every profile (luna wants 7 or more, keyper digits only). */
#define TH_PIN "12341234"
#define TH_SO_PIN "56785678"

/* The module under test: HSMLAB_TEST_MODULE, else SoftHSMv2 (asserts one is set). */
const char *th_module(void);
/* The corpus dir (HSMLAB_CORPUS_DIR); fails the test with a message when it is missing. */
const char *th_corpus(void);
/* "<corpus>/<rel>" in a static buffer (one per call site is enough: copied by callers). */
const char *th_corpus_file(const char *rel, char *buf, size_t len);

/* Makes a temp dir with a SoftHSMv2 config and sets SOFTHSM2_CONF to it. Returns the dir
 * (static storage). */
const char *th_softhsm_dir(void);
/* Initialises a token labelled `label` with user PIN TH_PIN in the next free slot of the
 * module at path (SOFTHSM2_CONF must point at th_softhsm_dir's conf). 0 or -1. */
int th_init_token(const char *module, const char *label);
/* Opens the token and imports PEM files as labels: pairs of (pem path, label). 0 or -1. */
int th_import(const char *module, const char *token, const char *const *pem_label, size_t n);
/* Writes text to "<dir>/<name>" and returns the path (static buffer per call). */
const char *th_write(const char *dir, const char *name, const char *text);
/* Creates an RSA private key object labelled `label` whose CKA_MODULUS and
 * CKA_PUBLIC_EXPONENT come from pem_pub but whose private parts come from pem_priv: a device
 * that signs with the wrong key. 0 or -1. */
int th_import_mismatched(const char *module, const char *token, const char *pem_priv,
			 const char *pem_pub, const char *label);
