/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the function lists (v2.40 and v3.0): the core's own table, the filter
 * stack built over it (hl_p11_quirks.h) whose top clients get, C_GetFunctionList and the
 * v3.0 interface functions, which also offer the "hsmlab admin" extension table. */
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "hsmlab/hsmlab-ext.h"
#include "p11/hl_p11.h"
#include "p11/hl_p11_quirks.h"

extern const HSMLAB_EXT_FUNCTION_LIST hl_p11_ext_functions;

/* -- v3.0 message-based signing and verifying: not offered by any profile yet (encryption
 * and decryption: p11_message.c) -- */

static CK_RV msg_init(CK_SESSION_HANDLE h, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}
static CK_RV msg_final(CK_SESSION_HANDLE h)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}
static CK_RV sign_msg(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
		      CK_BYTE_PTR s, CK_ULONG_PTR sl)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}
static CK_RV sign_msg_begin(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}
static CK_RV sign_msg_next(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d,
			   CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG_PTR sl)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}
static CK_RV verify_msg(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d, CK_ULONG dl,
			CK_BYTE_PTR s, CK_ULONG sl)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}
static CK_RV verify_msg_next(CK_SESSION_HANDLE h, CK_VOID_PTR p, CK_ULONG pl, CK_BYTE_PTR d,
			     CK_ULONG dl, CK_BYTE_PTR s, CK_ULONG sl)
{
	return hl_p11_initialized() ? CKR_FUNCTION_NOT_SUPPORTED : CKR_CRYPTOKI_NOT_INITIALIZED;
}

/* -- the tables -- */

/* The core's own table, the filter stack's bottom (hl_p11_quirks.h): the plain PKCS#11
 * behaviour, no profile switch applied. */
static const CK_FUNCTION_LIST_3_0 core_functions = {
	.version = { 3, 0 },
	.C_Initialize = hl_p11_C_Initialize,
	.C_Finalize = hl_p11_C_Finalize,
	.C_GetInfo = hl_p11_C_GetInfo,
	.C_GetFunctionList = hl_p11_C_GetFunctionList,
	.C_GetSlotList = hl_p11_C_GetSlotList,
	.C_GetSlotInfo = hl_p11_C_GetSlotInfo,
	.C_GetTokenInfo = hl_p11_C_GetTokenInfo,
	.C_GetMechanismList = hl_p11_C_GetMechanismList,
	.C_GetMechanismInfo = hl_p11_C_GetMechanismInfo,
	.C_InitToken = hl_p11_C_InitToken,
	.C_InitPIN = hl_p11_C_InitPIN,
	.C_SetPIN = hl_p11_C_SetPIN,
	.C_OpenSession = hl_p11_C_OpenSession,
	.C_CloseSession = hl_p11_C_CloseSession,
	.C_CloseAllSessions = hl_p11_C_CloseAllSessions,
	.C_GetSessionInfo = hl_p11_C_GetSessionInfo,
	.C_GetOperationState = hl_p11_C_GetOperationState,
	.C_SetOperationState = hl_p11_C_SetOperationState,
	.C_Login = hl_p11_C_Login,
	.C_Logout = hl_p11_C_Logout,
	.C_CreateObject = hl_p11_C_CreateObject,
	.C_CopyObject = hl_p11_C_CopyObject,
	.C_DestroyObject = hl_p11_C_DestroyObject,
	.C_GetObjectSize = hl_p11_C_GetObjectSize,
	.C_GetAttributeValue = hl_p11_C_GetAttributeValue,
	.C_SetAttributeValue = hl_p11_C_SetAttributeValue,
	.C_FindObjectsInit = hl_p11_C_FindObjectsInit,
	.C_FindObjects = hl_p11_C_FindObjects,
	.C_FindObjectsFinal = hl_p11_C_FindObjectsFinal,
	.C_EncryptInit = hl_p11_C_EncryptInit,
	.C_Encrypt = hl_p11_C_Encrypt,
	.C_EncryptUpdate = hl_p11_C_EncryptUpdate,
	.C_EncryptFinal = hl_p11_C_EncryptFinal,
	.C_DecryptInit = hl_p11_C_DecryptInit,
	.C_Decrypt = hl_p11_C_Decrypt,
	.C_DecryptUpdate = hl_p11_C_DecryptUpdate,
	.C_DecryptFinal = hl_p11_C_DecryptFinal,
	.C_DigestInit = hl_p11_C_DigestInit,
	.C_Digest = hl_p11_C_Digest,
	.C_DigestUpdate = hl_p11_C_DigestUpdate,
	.C_DigestKey = hl_p11_C_DigestKey,
	.C_DigestFinal = hl_p11_C_DigestFinal,
	.C_SignInit = hl_p11_C_SignInit,
	.C_Sign = hl_p11_C_Sign,
	.C_SignUpdate = hl_p11_C_SignUpdate,
	.C_SignFinal = hl_p11_C_SignFinal,
	.C_SignRecoverInit = hl_p11_C_SignRecoverInit,
	.C_SignRecover = hl_p11_C_SignRecover,
	.C_VerifyInit = hl_p11_C_VerifyInit,
	.C_Verify = hl_p11_C_Verify,
	.C_VerifyUpdate = hl_p11_C_VerifyUpdate,
	.C_VerifyFinal = hl_p11_C_VerifyFinal,
	.C_VerifyRecoverInit = hl_p11_C_VerifyRecoverInit,
	.C_VerifyRecover = hl_p11_C_VerifyRecover,
	.C_DigestEncryptUpdate = hl_p11_C_DigestEncryptUpdate,
	.C_DecryptDigestUpdate = hl_p11_C_DecryptDigestUpdate,
	.C_SignEncryptUpdate = hl_p11_C_SignEncryptUpdate,
	.C_DecryptVerifyUpdate = hl_p11_C_DecryptVerifyUpdate,
	.C_GenerateKey = hl_p11_C_GenerateKey,
	.C_GenerateKeyPair = hl_p11_C_GenerateKeyPair,
	.C_WrapKey = hl_p11_C_WrapKey,
	.C_UnwrapKey = hl_p11_C_UnwrapKey,
	.C_DeriveKey = hl_p11_C_DeriveKey,
	.C_SeedRandom = hl_p11_C_SeedRandom,
	.C_GenerateRandom = hl_p11_C_GenerateRandom,
	.C_GetFunctionStatus = hl_p11_C_GetFunctionStatus,
	.C_CancelFunction = hl_p11_C_CancelFunction,
	.C_WaitForSlotEvent = hl_p11_C_WaitForSlotEvent,
	.C_GetInterfaceList = hl_p11_C_GetInterfaceList,
	.C_GetInterface = hl_p11_C_GetInterface,
	.C_LoginUser = hl_p11_C_LoginUser,
	.C_SessionCancel = hl_p11_C_SessionCancel,
	.C_MessageEncryptInit = hl_p11_C_MessageEncryptInit,
	.C_EncryptMessage = hl_p11_C_EncryptMessage,
	.C_EncryptMessageBegin = hl_p11_C_EncryptMessageBegin,
	.C_EncryptMessageNext = hl_p11_C_EncryptMessageNext,
	.C_MessageEncryptFinal = hl_p11_C_MessageEncryptFinal,
	.C_MessageDecryptInit = hl_p11_C_MessageDecryptInit,
	.C_DecryptMessage = hl_p11_C_DecryptMessage,
	.C_DecryptMessageBegin = hl_p11_C_DecryptMessageBegin,
	.C_DecryptMessageNext = hl_p11_C_DecryptMessageNext,
	.C_MessageDecryptFinal = hl_p11_C_MessageDecryptFinal,
	.C_MessageSignInit = msg_init,
	.C_SignMessage = sign_msg,
	.C_SignMessageBegin = sign_msg_begin,
	.C_SignMessageNext = sign_msg_next,
	.C_MessageSignFinal = msg_final,
	.C_MessageVerifyInit = msg_init,
	.C_VerifyMessage = verify_msg,
	.C_VerifyMessageBegin = sign_msg_begin,
	.C_VerifyMessageNext = verify_msg_next,
	.C_MessageVerifyFinal = msg_final,
};

/* The top of the stack (v3.0) and its v2.40 prefix, assembled once (module load). */
static CK_FUNCTION_LIST_3_0 functions_30;
static CK_FUNCTION_LIST functions_240;
static pthread_once_t stack_once = PTHREAD_ONCE_INIT;

typedef void (*entry_t)(void);
#define N_ENTRIES                                                                        \
	((sizeof(CK_FUNCTION_LIST_3_0) - offsetof(CK_FUNCTION_LIST_3_0, C_Initialize)) / \
	 sizeof(entry_t))

void hl_p11_stack_build(const CK_FUNCTION_LIST_3_0 *base, hl_p11_layer_t *const *layers, size_t n,
			CK_FUNCTION_LIST_3_0 *top)
{
	CK_FUNCTION_LIST_3_0 cur = *base;
	for (size_t i = 0; i < n; i++) {
		layers[i]->below = cur;
		/* Entry by entry (all function pointers of one size after the version). */
		char *dst = (char *)&cur.C_Initialize;
		const char *src = (const char *)&layers[i]->over->C_Initialize;
		for (size_t k = 0; k < N_ENTRIES; k++) {
			entry_t e;
			memcpy(&e, src + k * sizeof(e), sizeof(e));
			if (e)
				memcpy(dst + k * sizeof(e), &e, sizeof(e));
		}
	}
	*top = cur;
}

const CK_FUNCTION_LIST_3_0 *hl_p11_core_functions(void)
{
	return &core_functions;
}

static void assemble(void)
{
	hl_p11_layer_t *const layers[] = { &hl_p11_vendor_layer, &hl_p11_general_objects_layer,
					   &hl_p11_general_layer };
	hl_p11_stack_build(&core_functions, layers, sizeof(layers) / sizeof(layers[0]),
			   &functions_30);
	/* v2.40's table is v3.0's prefix with its own version. */
	memcpy(&functions_240, &functions_30, sizeof(functions_240));
	functions_240.version = (CK_VERSION){ 2, 40 };
}

/* At load, so the tables are whole before any client can reach them; the getters below make
 * sure of it once more for a client that runs before constructors (none should). */
__attribute__((constructor)) static void assemble_at_load(void)
{
	pthread_once(&stack_once, assemble);
}

/* The last entries are the family's tables (vendor modules: the hsmlab family table and the
 * vendor's own), filled in once. */
static CK_INTERFACE interfaces[] = {
	{ (CK_UTF8CHAR *)"PKCS 11", (void *)&functions_30, 0 },
	{ (CK_UTF8CHAR *)"PKCS 11", (void *)&functions_240, 0 },
	{ (CK_UTF8CHAR *)HSMLAB_EXT_INTERFACE_NAME, (void *)&hl_p11_ext_functions, 0 },
	{ NULL, NULL, 0 },
	{ NULL, NULL, 0 },
};
static size_t n_interfaces = 3;
static pthread_once_t family_once = PTHREAD_ONCE_INIT;

static void add_family_interface(void)
{
	const hl_family_t *f = hl_module_family_hooks;
	if (f && f->ext_interface_name && f->ext_functions) {
		interfaces[n_interfaces].pInterfaceName = (CK_UTF8CHAR *)f->ext_interface_name;
		interfaces[n_interfaces++].pFunctionList = f->ext_functions;
	}
	if (f && f->vendor_interface_name && f->vendor_functions) {
		interfaces[n_interfaces].pInterfaceName = (CK_UTF8CHAR *)f->vendor_interface_name;
		interfaces[n_interfaces++].pFunctionList = f->vendor_functions;
	}
}
#define N_INTERFACES                                                                            \
	(pthread_once(&stack_once, assemble), pthread_once(&family_once, add_family_interface), \
	 n_interfaces)

/* The top of the stack: what the exported C_* forward to (and the unit test that asserts no
 * entry is NULL reads). */
const CK_FUNCTION_LIST_3_0 *hl_p11_function_list_3_0(void)
{
	pthread_once(&stack_once, assemble);
	return &functions_30;
}

CK_RV hl_p11_C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	if (!ppFunctionList)
		return CKR_ARGUMENTS_BAD;
	pthread_once(&stack_once, assemble);
	*ppFunctionList = (CK_FUNCTION_LIST_PTR)&functions_240;
	return CKR_OK;
}

CK_RV hl_p11_C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	if (!pulCount)
		return CKR_ARGUMENTS_BAD;
	if (!pInterfacesList) {
		*pulCount = N_INTERFACES;
		return CKR_OK;
	}
	if (*pulCount < N_INTERFACES) {
		*pulCount = N_INTERFACES;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(pInterfacesList, interfaces, n_interfaces * sizeof(interfaces[0]));
	*pulCount = N_INTERFACES;
	return CKR_OK;
}

static CK_VERSION iface_version(const CK_INTERFACE *i)
{
	return *(const CK_VERSION *)i->pFunctionList; /* every table starts with its version */
}

CK_RV hl_p11_C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion,
			    CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	if (!ppInterface)
		return CKR_ARGUMENTS_BAD;
	const char *name = pInterfaceName ? (const char *)pInterfaceName : "PKCS 11";
	for (size_t i = 0; i < N_INTERFACES; i++) {
		CK_VERSION v = iface_version(&interfaces[i]);
		if (strcmp((const char *)interfaces[i].pInterfaceName, name) != 0)
			continue;
		/* PKCS#11 itself: the exact version asked for. The hsmlab tables only grow at
		 * their end within a major version, so a caller built against 1.0 gets a 1.1
		 * table (its prefix is the 1.0 table). */
		bool ours = strcmp(name, "PKCS 11") != 0;
		if (pVersion && (pVersion->major != v.major ||
				 (ours ? pVersion->minor > v.minor : pVersion->minor != v.minor)))
			continue;
		if ((interfaces[i].flags & flags) != flags)
			continue;
		*ppInterface = &interfaces[i];
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD; /* the spec: no such interface */
}
