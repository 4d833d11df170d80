/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: PKCS#11 objects in memory. An object holds its attributes; key material
 * (the footnote-7 attributes) of a stored object stays sealed until first needed, and the
 * operation key (hl_key_t) is built once and cached, so the sign path after the first use
 * touches neither the store nor the cipher. */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "crypto/hl_crypto.h"
#include "object/hl_attr.h"
#include "object/hl_policy.h"

/* What binds sealed key material to its device: the master key and the device serial.
 * Owned by the device; objects borrow it. */
typedef struct {
	uint8_t mk[HL_AEAD_KEY_LEN];
	char serial[17];
} hl_seal_ctx_t;

typedef struct hl_object {
	int refs;          /* atomic; hl_object_ref / hl_object_free */
	uint64_t id;       /* store row id; 0 for session objects */
	CK_ULONG handle;   /* PKCS#11 handle once the ABI layer gave one, else 0 */
	CK_ULONG session;  /* owning session for session objects */
	const void *owner; /* the device it belongs to (opaque here) */
	CK_OBJECT_CLASS cls;
	CK_KEY_TYPE key_type; /* CK_UNAVAILABLE_INFORMATION for non-keys */
	unsigned scope;
	bool token, priv;
	bool destroyed;       /* set when destroyed; holders see OBJECT_HANDLE_INVALID */
	unsigned gen;         /* the device's store generation the attributes were read at */
	pthread_mutex_t lock; /* guards attrs, sealed, key */
	hl_attrs_t attrs;     /* public attributes, plus the secret ones once unsealed */
	bool unsealed;
	uint8_t *sealed; /* nonce||ciphertext||tag of the secret attributes, or NULL */
	size_t sealed_len;
	const hl_seal_ctx_t *seal; /* borrowed from the device; NULL for session objects */
	hl_key_t *key;             /* cached operation key */
} hl_object_t;

/* A new object taking over *attrs (left empty). Class, key type, token and private flags
 * are read from the attributes. Returns NULL on allocation failure (attrs then cleared). */
hl_object_t *hl_object_new(hl_attrs_t *attrs);
hl_object_t *hl_object_ref(hl_object_t *obj);
/* Drops a reference; the last one frees the object (wiping key material). NULL ok. */
void hl_object_free(hl_object_t *obj);

/* Seals the secret attributes for storage under ctx with the row id as context; *out is
 * malloc'd (caller frees), NULL with *out_len 0 when the object has none. */
hl_status_t hl_object_seal(hl_object_t *obj, const hl_seal_ctx_t *ctx, uint64_t id, uint8_t **out,
			   size_t *out_len);
/* Decrypts obj->sealed into obj->attrs if not done yet. Caller holds obj->lock. */
hl_status_t hl_object_unseal_locked(hl_object_t *obj);

/* The operation key (a new reference in *out), built from the attributes on first use. */
hl_status_t hl_object_key(hl_object_t *obj, hl_key_t **out);
/* Builds the key from attrs (no caching): validates key material on import. */
hl_status_t hl_object_build_key(const hl_attrs_t *attrs, CK_OBJECT_CLASS cls, CK_KEY_TYPE kt,
				hl_key_t **out);

/* C_GetAttributeValue on one object: the spec's per-attribute rules and return codes. */
hl_status_t hl_object_get_attrs(hl_object_t *obj, CK_ATTRIBUTE *t, CK_ULONG n);
/* Whether the object's public attributes match the template (secret ones never match). */
bool hl_object_match(hl_object_t *obj, const CK_ATTRIBUTE *t, CK_ULONG n);
/* Sets CKA_ALWAYS_SENSITIVE / CKA_NEVER_EXTRACTABLE / CKA_LOCAL bookkeeping for a new key:
 * local = generated on the device (mech = its CKA_KEY_GEN_MECHANISM). */
hl_status_t hl_object_key_bookkeeping(hl_attrs_t *attrs, bool local, CK_MECHANISM_TYPE mech);
/* After a sensitive/extractable change: keeps ALWAYS_SENSITIVE / NEVER_EXTRACTABLE true only
 * while the key stays sensitive / unextractable. */
hl_status_t hl_object_update_bookkeeping(hl_attrs_t *attrs);
