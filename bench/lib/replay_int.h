/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: what its files share (replay_trace.c reads traces and writes the
 * divergence report, replay_call.c re-issues calls, replay_run.c runs a target). */
#pragma once

#include <stddef.h>

#include "hsmlab/bench/replay.h"
#include "hsmlab/p11client.h"
#include "json.h"

struct hl_replay_trace {
	hl_json_t **calls; /* one parsed record per line */
	size_t n;
};

/* A number member of a record ("args"."slot"...); -1 in a trace is CK_UNAVAILABLE_INFORMATION.
 * Returns def when missing or not a number. */
CK_ULONG hl_replay_num(const hl_json_t *obj, const char *key, CK_ULONG def);
/* The matrix row id of call i ("0007 C_Sign") and its title (the call with its key
 * arguments: mechanism, user type, template attribute names). */
void hl_replay_row_id(const hl_json_t *rec, size_t i, char *buf, size_t n);
void hl_replay_row_title(const hl_json_t *rec, char *buf, size_t n);
/* The shape of a record's result: "CKR_OK len=256", "CKR_OK attrs=CKA_MODULUS:256". */
void hl_replay_recorded_shape(const hl_json_t *rec, char *buf, size_t n);

/* -- the shape of one result, written the same way for the recording and the replay -- */
typedef struct {
	char *buf;
	size_t n, len;
} hl_replay_shape_t;
void hl_replay_shape_rv(hl_replay_shape_t *s, CK_RV rv);
void hl_replay_shape_kv(hl_replay_shape_t *s, const char *key, long long v);
/* One attribute of a C_GetAttributeValue result: "attrs=A:len,B:-1". */
void hl_replay_shape_attr(hl_replay_shape_t *s, int first, CK_ATTRIBUTE_TYPE type, long long len);

/* -- the child: one target -- */
typedef struct hl_replay_ctx hl_replay_ctx_t;
hl_replay_ctx_t *hl_replay_ctx_new(CK_FUNCTION_LIST_PTR fn, hl_bench_target_t *t);
void hl_replay_ctx_free(hl_replay_ctx_t *c);
/* Re-issues one recorded call; writes its shape and a note (mappings made, substitutions)
 * into the buffers. */
void hl_replay_call(hl_replay_ctx_t *c, const hl_json_t *rec, char *shape, size_t n, char *note,
		    size_t notelen);

/* -- inside the child (replay_call.c: maps and argument builders; replay_ops.c: one
 * handler per function) -- */
typedef struct {
	CK_ULONG *from, *to;
	size_t n;
} hl_replay_map_t;

struct hl_replay_ctx {
	CK_FUNCTION_LIST_PTR fn;
	hl_bench_target_t *t;
	hl_replay_map_t slots, sessions, objects;
	/* Outputs the trace fed back in later (a signature into C_Verify): recorded hex to the
	 * bytes this target gave for the same call. */
	struct {
		char *hex;
		unsigned char *bytes;
		CK_ULONG len;
	} * values;
	size_t nvalues;
	/* The last C_DecryptInit, for hl_replay_rsa_encrypt (copied: call buffers are freed). */
	struct {
		int active;
		CK_SESSION_HANDLE session;
		CK_OBJECT_HANDLE key;
		CK_MECHANISM m;
		CK_RSA_PKCS_OAEP_PARAMS oaep;
		unsigned char label[64]; /* the OAEP source data */
		const CK_MECHANISM *mech;
	} dec;
	CK_SLOT_ID main_slot; /* the recorded slot the client logged in on */
	int has_main;
	char *note;
	size_t notelen;
	/* Buffers made for the current call, freed after it. */
	void **allocs;
	size_t nallocs;
};

void hl_replay_note(hl_replay_ctx_t *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A zeroed buffer freed after the call (never NULL for n 0; NULL only when out of memory). */
void *hl_replay_alloc(hl_replay_ctx_t *c, size_t n);
void hl_replay_map_set(hl_replay_map_t *m, CK_ULONG from, CK_ULONG to);
/* The mapped value, or `from` itself when nothing maps it. */
CK_ULONG hl_replay_map_get(const hl_replay_map_t *m, CK_ULONG from);
int hl_replay_map_has_to(const hl_replay_map_t *m, CK_ULONG to);
void hl_replay_map_clear(hl_replay_map_t *m);
/* Argument builders: each reads args[key] as the trace wrote it. */
CK_SESSION_HANDLE hl_replay_session(hl_replay_ctx_t *c, const hl_json_t *args);
CK_OBJECT_HANDLE hl_replay_object(hl_replay_ctx_t *c, const hl_json_t *args, const char *key);
CK_SLOT_ID hl_replay_slot(hl_replay_ctx_t *c, CK_ULONG recorded);
/* Bytes from a hex member (NULL for null), or the bytes this target gave where the trace
 * fed a recorded output back in. */
unsigned char *hl_replay_bytes(hl_replay_ctx_t *c, const hl_json_t *args, const char *key,
			       CK_ULONG *len);
void hl_replay_value_keep(hl_replay_ctx_t *c, const char *hex, const unsigned char *b, CK_ULONG n);
/* 1 when the recorded bytes `hex` are an output this replay kept. */
int hl_replay_value_known(const hl_replay_ctx_t *c, const char *hex);
/* The recorded plaintext encrypted again under the key of the session's C_DecryptInit
 * (replay_rsa.c); 0 with *out a call buffer, -1 when that cannot be done. */
int hl_replay_rsa_encrypt(hl_replay_ctx_t *c, CK_SESSION_HANDLE s, const unsigned char *plain,
			  CK_ULONG plen, unsigned char **out, CK_ULONG *outlen);
/* An RSA private key whose components the trace redacted, made again: a fresh key of the
 * recorded modulus size fills the template (replay_rsa.c), and its modulus stands in for
 * the recorded one from then on (the public key's import, say). */
void hl_replay_rsa_rebuild(hl_replay_ctx_t *c, CK_ATTRIBUTE *t, CK_ULONG n, const hl_json_t *rec);
/* A mechanism (NULL when the trace has none). */
CK_MECHANISM *hl_replay_mech(hl_replay_ctx_t *c, const hl_json_t *args);
/* A template with values (with_values 1) or a C_GetAttributeValue request (0). */
CK_ATTRIBUTE *hl_replay_tmpl(hl_replay_ctx_t *c, const hl_json_t *args, const char *key,
			     int with_values, CK_ULONG *n);
/* An output buffer as the client passed it ("buf", "buf_len"): *len set, NULL when none. */
unsigned char *hl_replay_outbuf(hl_replay_ctx_t *c, const hl_json_t *args, CK_ULONG *len);
/* The handler of a function, or NULL when replay does not re-issue it. */
typedef int (*hl_replay_handler_t)(hl_replay_ctx_t *c, const hl_json_t *args, const hl_json_t *out,
				   hl_replay_shape_t *s);
hl_replay_handler_t hl_replay_handler(const char *fn);
hl_replay_handler_t hl_replay_crypto_handler(const char *fn); /* replay_crypto.c */
/* The recorded slot the client logged in on (the slot of the session of the first
 * successful C_Login), which replay maps to the target's token; 0 when there is none. */
int hl_replay_main_slot(const hl_replay_trace_t *tr, CK_SLOT_ID *slot);
