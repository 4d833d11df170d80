/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the quirk filter layer's entries (p11_quirks.c). The function tables
 * point these PKCS#11 entries at the filters; each passes through to the plain C_* call
 * unless the device profile switches its quirk on. Not a public header. */
#pragma once

#include <stdbool.h>

#include "hsmlab/pkcs11.h"

CK_RV hl_p11_q_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV hl_p11_q_get_token_info(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info);
CK_RV hl_p11_q_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
				   CK_ULONG n);
CK_RV hl_p11_q_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			     CK_OBJECT_HANDLE_PTR out);
CK_RV hl_p11_q_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			    CK_OBJECT_HANDLE_PTR out);
CK_RV hl_p11_q_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt,
				 CK_ULONG pn, CK_ATTRIBUTE_PTR kt, CK_ULONG kn,
				 CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv);
CK_RV hl_p11_q_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			   CK_OBJECT_HANDLE_PTR out);
CK_RV hl_p11_q_get_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG_PTR len);
CK_RV hl_p11_q_set_operation_state(CK_SESSION_HANDLE h, CK_BYTE_PTR st, CK_ULONG len,
				   CK_OBJECT_HANDLE ek, CK_OBJECT_HANDLE ak);
CK_RV hl_p11_q_digest_key(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE k);
CK_RV hl_p11_q_sign_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k);
CK_RV hl_p11_q_verify_recover_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k);
CK_RV hl_p11_q_logout(CK_SESSION_HANDLE h);
CK_RV hl_p11_q_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k);
CK_RV hl_p11_q_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
		    CK_ULONG_PTR sl);
CK_RV hl_p11_q_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sl);
CK_RV hl_p11_q_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
				   CK_ULONG n);
CK_RV hl_p11_q_get_slot_list(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count);
CK_RV hl_p11_q_close_session(CK_SESSION_HANDLE h);
CK_RV hl_p11_q_close_all_sessions(CK_SLOT_ID id);
/* Timing emulation (HSMLAB_TIMING=1 or the lab config's `timing = true;`), read once by
 * C_Initialize (p11_general.c): the filters then make operations take the profile's time. */
bool hl_p11_timing(void);

/* -- the general G-row filters (p11_quirks_general.c), any profile can switch them on; each
 * chains to the vendor filter above for the same entry, where there is one -- */
CK_RV hl_p11_qg_initialize(CK_VOID_PTR args);
CK_RV hl_p11_qg_finalize(CK_VOID_PTR reserved);
CK_RV hl_p11_qg_open_session(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR app, CK_NOTIFY notify,
			     CK_SESSION_HANDLE_PTR out);
CK_RV hl_p11_qg_get_session_info(CK_SESSION_HANDLE h, CK_SESSION_INFO_PTR info);
CK_RV hl_p11_qg_login(CK_SESSION_HANDLE h, CK_USER_TYPE user, CK_UTF8CHAR_PTR pin, CK_ULONG len);
CK_RV hl_p11_qg_find_objects_init(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n);
CK_RV hl_p11_qg_find_objects(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE_PTR out, CK_ULONG max,
			     CK_ULONG_PTR count);
CK_RV hl_p11_qg_generate_random(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG len);
CK_RV hl_p11_qg_sign_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k);
CK_RV hl_p11_qg_sign(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig,
		     CK_ULONG_PTR sl);
CK_RV hl_p11_qg_sign_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV hl_p11_qg_sign_final(CK_SESSION_HANDLE h, CK_BYTE_PTR sig, CK_ULONG_PTR sl);
CK_RV hl_p11_qg_digest_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m);
CK_RV hl_p11_qg_digest(CK_SESSION_HANDLE h, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out,
		       CK_ULONG_PTR ol);
CK_RV hl_p11_qg_digest_update(CK_SESSION_HANDLE h, CK_BYTE_PTR part, CK_ULONG len);
CK_RV hl_p11_qg_digest_final(CK_SESSION_HANDLE h, CK_BYTE_PTR out, CK_ULONG_PTR ol);
CK_RV hl_p11_qg_get_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE obj, CK_ATTRIBUTE_PTR t,
				    CK_ULONG n);
CK_RV hl_p11_qg_set_attribute_value(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t,
				    CK_ULONG n);
CK_RV hl_p11_qg_create_object(CK_SESSION_HANDLE h, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			      CK_OBJECT_HANDLE_PTR out);
CK_RV hl_p11_qg_copy_object(CK_SESSION_HANDLE h, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_PTR t, CK_ULONG n,
			    CK_OBJECT_HANDLE_PTR out);
CK_RV hl_p11_qg_generate_key(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR t,
			     CK_ULONG n, CK_OBJECT_HANDLE_PTR out);
CK_RV hl_p11_qg_generate_key_pair(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_ATTRIBUTE_PTR pt,
				  CK_ULONG pn, CK_ATTRIBUTE_PTR kt, CK_ULONG kn,
				  CK_OBJECT_HANDLE_PTR pub, CK_OBJECT_HANDLE_PTR priv);
