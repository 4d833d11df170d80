/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: DNSSEC pieces through ldns: DNSKEY wire form, key tags, DS digests, the
 * RFC 4034 signing input of a bundle's DNSKEY RRset, and RRSIG verification. */
#pragma once

#include <stddef.h>

#include "hsmlab/ksr.h"

/* RFC 4034 App. B key tag of the key with the given flags (pass k->flags for its own). */
unsigned hl_dns_keytag(const hl_key_t *k, unsigned flags);
/* DS-SHA256 digest of the key (owner "."), 32 bytes into out. 0 or -1. */
int hl_dns_ds_sha256(const hl_key_t *k, unsigned char out[32]);
/* Hex of a buffer into str (2*len+1 bytes), upper case as in root.ds. */
void hl_hex(const unsigned char *d, size_t len, char *str);

/* The signing input for signature `s` (its fields except SignatureData) over all keys of
 * `b`: RRSIG RDATA without the signature, then the canonical, sorted DNSKEY RRset with
 * TTL = s->orig_ttl. *out is malloc'd (caller frees). 0 or -1. */
int hl_dns_signing_input(const hl_bundle_t *b, const hl_sig_t *s, unsigned char **out,
			 size_t *len_out);

/* Verifies s over b's DNSKEY RRset with `key` (ignoring the signature's times). 0 when the
 * signature is good; -1 with a reason in why (whylen bytes) otherwise. */
int hl_dns_verify(const hl_bundle_t *b, const hl_sig_t *s, const hl_key_t *key, char *why,
		  size_t whylen);

/* Finds the key in b whose keyIdentifier is id (NULL if none). Borrowed. */
const hl_key_t *hl_bundle_find_key(const hl_bundle_t *b, const char *id);
/* 1 when both keys have the same algorithm and public key. */
int hl_key_same_pub(const hl_key_t *a, const hl_key_t *b);

/* Parses a presentation line ". IN DNSKEY ..." or ". IN DS ..." of a trust anchor file.
 * Returns 1 for DNSKEY (key filled, caller clears it), 2 for DS (tag, alg, digest type and
 * up to 64 digest bytes filled), 0 for a blank or comment line, -1 on error. */
typedef struct hl_anchor {
	int is_ds;
	hl_key_t key;
	unsigned tag, alg, digest_type;
	unsigned char digest[64];
	size_t digestlen;
	time_t valid_from, valid_until; /* 0: unbounded */
} hl_anchor_t;
int hl_dns_parse_anchor(const char *line, hl_anchor_t *out);
/* 1 when the key (with its flags) matches the anchor. */
int hl_anchor_match(const hl_anchor_t *a, const hl_key_t *k);
