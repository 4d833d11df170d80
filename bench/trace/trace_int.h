/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: the pieces shared by the module's files. One record per call is built
 * in a buffer owned by the calling thread, then written whole under a lock, so records of
 * concurrent threads never interleave. */
#pragma once

#include <stddef.h>
#include <time.h>

#include "hsmlab/pkcs11.h"

/* One JSON Lines record being built. */
typedef struct {
	char *buf;
	size_t len, cap;
	int oom;   /* an allocation failed: the record is dropped, the call still forwarded */
	int first; /* no member written yet in the innermost object or array */
	struct timespec t0;
} hl_trace_rec_t;

/* The wrapped module's lists (fn3 NULL when it has no v3.0 interface). */
CK_FUNCTION_LIST_PTR hl_trace_under(void);
CK_FUNCTION_LIST_3_0_PTR hl_trace_under3(void);
/* 1 when HSMLAB_TRACE_REDACT_WRAPPED asks to leave wrapped-key bytes out. */
int hl_trace_redact_wrapped(void);
/* 1 when HSMLAB_TRACE_REDACT_PLAINTEXT asks to leave decrypted data out. */
int hl_trace_redact_plaintext(void);

/* Starts a record: {"fn":"C_Sign","args":{ */
void hl_trace_begin(hl_trace_rec_t *r, const char *fn);
/* Members of the current object. */
void hl_trace_num(hl_trace_rec_t *r, const char *key, CK_ULONG v);
void hl_trace_ulp(hl_trace_rec_t *r, const char *key, const CK_ULONG *p); /* null when NULL */
void hl_trace_bool(hl_trace_rec_t *r, const char *key, int v);
void hl_trace_str(hl_trace_rec_t *r, const char *key, const char *s);
/* A blank-padded fixed-size PKCS#11 string, without its padding. */
void hl_trace_padded(hl_trace_rec_t *r, const char *key, const CK_UTF8CHAR *s, size_t n);
void hl_trace_hex(hl_trace_rec_t *r, const char *key, const void *p, CK_ULONG len);
/* "key":"<redacted>","key_len":len (len only: the secret never reaches the buffer). */
void hl_trace_redacted(hl_trace_rec_t *r, const char *key, CK_ULONG len);
void hl_trace_mech(hl_trace_rec_t *r, const char *key, const CK_MECHANISM *m);
/* A template: with_values 0 for a C_GetAttributeValue request (types and buffer lengths),
 * 1 for one that carries values; secret values are redacted (trace_rec.c says which). */
void hl_trace_tmpl(hl_trace_rec_t *r, const char *key, const CK_ATTRIBUTE *t, CK_ULONG n,
		   int with_values);
void hl_trace_ulongs(hl_trace_rec_t *r, const char *key, const CK_ULONG *v, CK_ULONG n);
void hl_trace_version(hl_trace_rec_t *r, const char *key, CK_VERSION v);
/* Nested objects. */
void hl_trace_open(hl_trace_rec_t *r, const char *key);
void hl_trace_close(hl_trace_rec_t *r);
/* Closes "args", writes "rv" and "rv_name", opens "out". */
void hl_trace_result(hl_trace_rec_t *r, CK_RV rv);
/* Closes the record, writes it and frees the buffer; returns rv for the wrapper to return. */
CK_RV hl_trace_end(hl_trace_rec_t *r, CK_RV rv);
/* Writes the records kept by HSMLAB_TRACE_BUFFER (C_Finalize and exit call it). */
void hl_trace_flush(void);
