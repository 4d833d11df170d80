/* SPDX-License-Identifier: BSD-2-Clause
 * libhsmlab-trace.so: the wrappers' tables. Each file fills the members it wraps. */
#pragma once

#include "hsmlab/pkcs11.h"
#include "trace_int.h"

/* The wrapped module's entry point f, or CKR_FUNCTION_NOT_SUPPORTED where it has none (a
 * v2.40 module's list has no v3.0 members at all: those wrappers check hl_trace_under3). */
#define HL_TRACE_CALL(f, ...)                                           \
	(hl_trace_under()->f != NULL ? hl_trace_under()->f(__VA_ARGS__) \
				     : CKR_FUNCTION_NOT_SUPPORTED)

/* Every member: the general, session and object functions (trace_fns.c), which calls the
 * others: the cryptographic ones (trace_crypto.c) and the v3.0 ones (trace_fns3.c). */
void hl_trace_fill(CK_FUNCTION_LIST_3_0 *l);
void hl_trace_fill_crypto(CK_FUNCTION_LIST_3_0 *l);
void hl_trace_fill3(CK_FUNCTION_LIST_3_0 *l);

/* An output buffer as passed ("buf": given or not, "buf_len") and as returned ("len", and
 * the bytes when the call succeeded with a buffer; only their length when secret). */
void hl_trace_out_req(hl_trace_rec_t *r, const void *buf, const CK_ULONG *lenp);
void hl_trace_out_bytes(hl_trace_rec_t *r, CK_RV rv, const void *buf, const CK_ULONG *lenp,
			int secret);
