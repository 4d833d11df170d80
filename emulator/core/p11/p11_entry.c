/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the exported C_* entry points. Each calls its entry of the top of the
 * filter stack (hl_p11_quirks.h), so a client that finds them by name (dlsym) goes through
 * the same filters as one that uses C_GetFunctionList or C_GetInterface; the core's
 * implementations have internal names, hl_p11_C_* (hl_p11.h). */
#include "p11/hl_p11.h"

#define F (hl_p11_function_list_3_0())

CK_RV C_Initialize(void *init_args)
{
	return F->C_Initialize(init_args);
}

CK_RV C_Finalize(void *reserved)
{
	return F->C_Finalize(reserved);
}

CK_RV C_GetInfo(CK_INFO *info)
{
	return F->C_GetInfo(info);
}

CK_RV C_GetFunctionList(CK_FUNCTION_LIST **function_list)
{
	return F->C_GetFunctionList(function_list);
}

CK_RV C_GetSlotList(unsigned char token_present, CK_SLOT_ID *slot_list, unsigned long *count)
{
	return F->C_GetSlotList(token_present, slot_list, count);
}

CK_RV C_GetSlotInfo(CK_SLOT_ID slot_id, CK_SLOT_INFO *info)
{
	return F->C_GetSlotInfo(slot_id, info);
}

CK_RV C_GetTokenInfo(CK_SLOT_ID slot_id, CK_TOKEN_INFO *info)
{
	return F->C_GetTokenInfo(slot_id, info);
}

CK_RV C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID *slot, void *reserved)
{
	return F->C_WaitForSlotEvent(flags, slot, reserved);
}

CK_RV C_GetMechanismList(CK_SLOT_ID slot_id, CK_MECHANISM_TYPE *mechanism_list,
			 unsigned long *count)
{
	return F->C_GetMechanismList(slot_id, mechanism_list, count);
}

CK_RV C_GetMechanismInfo(CK_SLOT_ID slot_id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO *info)
{
	return F->C_GetMechanismInfo(slot_id, type, info);
}

CK_RV C_InitToken(CK_SLOT_ID slot_id, unsigned char *pin, unsigned long pin_len,
		  unsigned char *label)
{
	return F->C_InitToken(slot_id, pin, pin_len, label);
}

CK_RV C_InitPIN(CK_SESSION_HANDLE session, unsigned char *pin, unsigned long pin_len)
{
	return F->C_InitPIN(session, pin, pin_len);
}

CK_RV C_SetPIN(CK_SESSION_HANDLE session, unsigned char *old_pin, unsigned long old_len,
	       unsigned char *new_pin, unsigned long new_len)
{
	return F->C_SetPIN(session, old_pin, old_len, new_pin, new_len);
}

CK_RV C_OpenSession(CK_SLOT_ID slot_id, CK_FLAGS flags, void *application, CK_NOTIFY notify,
		    CK_SESSION_HANDLE *session)
{
	return F->C_OpenSession(slot_id, flags, application, notify, session);
}

CK_RV C_CloseSession(CK_SESSION_HANDLE session)
{
	return F->C_CloseSession(session);
}

CK_RV C_CloseAllSessions(CK_SLOT_ID slot_id)
{
	return F->C_CloseAllSessions(slot_id);
}

CK_RV C_GetSessionInfo(CK_SESSION_HANDLE session, CK_SESSION_INFO *info)
{
	return F->C_GetSessionInfo(session, info);
}

CK_RV C_GetOperationState(CK_SESSION_HANDLE session, unsigned char *operation_state,
			  unsigned long *operation_state_len)
{
	return F->C_GetOperationState(session, operation_state, operation_state_len);
}

CK_RV C_SetOperationState(CK_SESSION_HANDLE session, unsigned char *operation_state,
			  unsigned long operation_state_len, CK_OBJECT_HANDLE encryption_key,
			  CK_OBJECT_HANDLE authentiation_key)
{
	return F->C_SetOperationState(session, operation_state, operation_state_len, encryption_key,
				      authentiation_key);
}

CK_RV C_Login(CK_SESSION_HANDLE session, CK_USER_TYPE user_type, unsigned char *pin,
	      unsigned long pin_len)
{
	return F->C_Login(session, user_type, pin, pin_len);
}

CK_RV C_Logout(CK_SESSION_HANDLE session)
{
	return F->C_Logout(session);
}

CK_RV C_CreateObject(CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ, unsigned long count,
		     CK_OBJECT_HANDLE *object)
{
	return F->C_CreateObject(session, templ, count, object);
}

CK_RV C_CopyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE *templ,
		   unsigned long count, CK_OBJECT_HANDLE *new_object)
{
	return F->C_CopyObject(session, object, templ, count, new_object);
}

CK_RV C_DestroyObject(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object)
{
	return F->C_DestroyObject(session, object);
}

CK_RV C_GetObjectSize(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, unsigned long *size)
{
	return F->C_GetObjectSize(session, object, size);
}

CK_RV C_GetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE *templ,
			  unsigned long count)
{
	return F->C_GetAttributeValue(session, object, templ, count);
}

CK_RV C_SetAttributeValue(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE object, CK_ATTRIBUTE *templ,
			  unsigned long count)
{
	return F->C_SetAttributeValue(session, object, templ, count);
}

CK_RV C_FindObjectsInit(CK_SESSION_HANDLE session, CK_ATTRIBUTE *templ, unsigned long count)
{
	return F->C_FindObjectsInit(session, templ, count);
}

CK_RV C_FindObjects(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE *object,
		    unsigned long max_object_count, unsigned long *object_count)
{
	return F->C_FindObjects(session, object, max_object_count, object_count);
}

CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE session)
{
	return F->C_FindObjectsFinal(session);
}

CK_RV C_EncryptInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
	return F->C_EncryptInit(session, mechanism, key);
}

CK_RV C_Encrypt(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
		unsigned char *encrypted_data, unsigned long *encrypted_data_len)
{
	return F->C_Encrypt(session, data, data_len, encrypted_data, encrypted_data_len);
}

CK_RV C_EncryptUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len,
		      unsigned char *encrypted_part, unsigned long *encrypted_part_len)
{
	return F->C_EncryptUpdate(session, part, part_len, encrypted_part, encrypted_part_len);
}

CK_RV C_EncryptFinal(CK_SESSION_HANDLE session, unsigned char *last_encrypted_part,
		     unsigned long *last_encrypted_part_len)
{
	return F->C_EncryptFinal(session, last_encrypted_part, last_encrypted_part_len);
}

CK_RV C_DecryptInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
	return F->C_DecryptInit(session, mechanism, key);
}

CK_RV C_Decrypt(CK_SESSION_HANDLE session, unsigned char *encrypted_data,
		unsigned long encrypted_data_len, unsigned char *data, unsigned long *data_len)
{
	return F->C_Decrypt(session, encrypted_data, encrypted_data_len, data, data_len);
}

CK_RV C_DecryptUpdate(CK_SESSION_HANDLE session, unsigned char *encrypted_part,
		      unsigned long encrypted_part_len, unsigned char *part,
		      unsigned long *part_len)
{
	return F->C_DecryptUpdate(session, encrypted_part, encrypted_part_len, part, part_len);
}

CK_RV C_DecryptFinal(CK_SESSION_HANDLE session, unsigned char *last_part,
		     unsigned long *last_part_len)
{
	return F->C_DecryptFinal(session, last_part, last_part_len);
}

CK_RV C_DigestInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism)
{
	return F->C_DigestInit(session, mechanism);
}

CK_RV C_Digest(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
	       unsigned char *digest, unsigned long *digest_len)
{
	return F->C_Digest(session, data, data_len, digest, digest_len);
}

CK_RV C_DigestUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len)
{
	return F->C_DigestUpdate(session, part, part_len);
}

CK_RV C_DigestKey(CK_SESSION_HANDLE session, CK_OBJECT_HANDLE key)
{
	return F->C_DigestKey(session, key);
}

CK_RV C_DigestFinal(CK_SESSION_HANDLE session, unsigned char *digest, unsigned long *digest_len)
{
	return F->C_DigestFinal(session, digest, digest_len);
}

CK_RV C_SignInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
	return F->C_SignInit(session, mechanism, key);
}

CK_RV C_Sign(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
	     unsigned char *signature, unsigned long *signature_len)
{
	return F->C_Sign(session, data, data_len, signature, signature_len);
}

CK_RV C_SignUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len)
{
	return F->C_SignUpdate(session, part, part_len);
}

CK_RV C_SignFinal(CK_SESSION_HANDLE session, unsigned char *signature, unsigned long *signature_len)
{
	return F->C_SignFinal(session, signature, signature_len);
}

CK_RV C_SignRecoverInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
	return F->C_SignRecoverInit(session, mechanism, key);
}

CK_RV C_SignRecover(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
		    unsigned char *signature, unsigned long *signature_len)
{
	return F->C_SignRecover(session, data, data_len, signature, signature_len);
}

CK_RV C_VerifyInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
	return F->C_VerifyInit(session, mechanism, key);
}

CK_RV C_Verify(CK_SESSION_HANDLE session, unsigned char *data, unsigned long data_len,
	       unsigned char *signature, unsigned long signature_len)
{
	return F->C_Verify(session, data, data_len, signature, signature_len);
}

CK_RV C_VerifyUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len)
{
	return F->C_VerifyUpdate(session, part, part_len);
}

CK_RV C_VerifyFinal(CK_SESSION_HANDLE session, unsigned char *signature,
		    unsigned long signature_len)
{
	return F->C_VerifyFinal(session, signature, signature_len);
}

CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE key)
{
	return F->C_VerifyRecoverInit(session, mechanism, key);
}

CK_RV C_VerifyRecover(CK_SESSION_HANDLE session, unsigned char *signature,
		      unsigned long signature_len, unsigned char *data, unsigned long *data_len)
{
	return F->C_VerifyRecover(session, signature, signature_len, data, data_len);
}

CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len,
			    unsigned char *encrypted_part, unsigned long *encrypted_part_len)
{
	return F->C_DigestEncryptUpdate(session, part, part_len, encrypted_part,
					encrypted_part_len);
}

CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE session, unsigned char *encrypted_part,
			    unsigned long encrypted_part_len, unsigned char *part,
			    unsigned long *part_len)
{
	return F->C_DecryptDigestUpdate(session, encrypted_part, encrypted_part_len, part,
					part_len);
}

CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE session, unsigned char *part, unsigned long part_len,
			  unsigned char *encrypted_part, unsigned long *encrypted_part_len)
{
	return F->C_SignEncryptUpdate(session, part, part_len, encrypted_part, encrypted_part_len);
}

CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE session, unsigned char *encrypted_part,
			    unsigned long encrypted_part_len, unsigned char *part,
			    unsigned long *part_len)
{
	return F->C_DecryptVerifyUpdate(session, encrypted_part, encrypted_part_len, part,
					part_len);
}

CK_RV C_GenerateKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_ATTRIBUTE *templ,
		    unsigned long count, CK_OBJECT_HANDLE *key)
{
	return F->C_GenerateKey(session, mechanism, templ, count, key);
}

CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
			CK_ATTRIBUTE *public_key_template, unsigned long public_key_attribute_count,
			CK_ATTRIBUTE *private_key_template,
			unsigned long private_key_attribute_count, CK_OBJECT_HANDLE *public_key,
			CK_OBJECT_HANDLE *private_key)
{
	return F->C_GenerateKeyPair(session, mechanism, public_key_template,
				    public_key_attribute_count, private_key_template,
				    private_key_attribute_count, public_key, private_key);
}

CK_RV C_WrapKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE wrapping_key,
		CK_OBJECT_HANDLE key, unsigned char *wrapped_key, unsigned long *wrapped_key_len)
{
	return F->C_WrapKey(session, mechanism, wrapping_key, key, wrapped_key, wrapped_key_len);
}

CK_RV C_UnwrapKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism,
		  CK_OBJECT_HANDLE unwrapping_key, unsigned char *wrapped_key,
		  unsigned long wrapped_key_len, CK_ATTRIBUTE *templ, unsigned long attribute_count,
		  CK_OBJECT_HANDLE *key)
{
	return F->C_UnwrapKey(session, mechanism, unwrapping_key, wrapped_key, wrapped_key_len,
			      templ, attribute_count, key);
}

CK_RV C_DeriveKey(CK_SESSION_HANDLE session, CK_MECHANISM *mechanism, CK_OBJECT_HANDLE base_key,
		  CK_ATTRIBUTE *templ, unsigned long attribute_count, CK_OBJECT_HANDLE *key)
{
	return F->C_DeriveKey(session, mechanism, base_key, templ, attribute_count, key);
}

CK_RV C_SeedRandom(CK_SESSION_HANDLE session, unsigned char *seed, unsigned long seed_len)
{
	return F->C_SeedRandom(session, seed, seed_len);
}

CK_RV C_GenerateRandom(CK_SESSION_HANDLE session, unsigned char *random_data,
		       unsigned long random_len)
{
	return F->C_GenerateRandom(session, random_data, random_len);
}

CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE session)
{
	return F->C_GetFunctionStatus(session);
}

CK_RV C_CancelFunction(CK_SESSION_HANDLE session)
{
	return F->C_CancelFunction(session);
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	return F->C_GetInterfaceList(pInterfacesList, pulCount);
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
		     CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	return F->C_GetInterface(pInterfaceName, pVersion, ppInterface, flags);
}

CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin,
		  CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen)
{
	return F->C_LoginUser(hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen);
}

CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags)
{
	return F->C_SessionCancel(hSession, flags);
}
