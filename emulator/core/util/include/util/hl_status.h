/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the one status type of the core. Every core function returns an
 * hl_status_t; the PKCS#11 layer converts it to a CK_RV in exactly one place. */
#pragma once

#include <stddef.h>

#include "hsmlab/pkcs11.h"

/* X(name, CK_RV it becomes at the module boundary, message): the core's own statuses. A
 * family's statuses (its lifecycle states, its own refusals) are registered at run time with
 * hl_status_register, so the core names no vendor and still maps every status in one place. */
#define HL_STATUS_LIST(X)                                                                         \
	X(HL_OK, CKR_OK, "success")                                                               \
	X(HL_ERR_NOMEM, CKR_HOST_MEMORY, "out of memory")                                         \
	X(HL_ERR_ARGS, CKR_ARGUMENTS_BAD, "bad arguments")                                        \
	X(HL_ERR_INTERNAL, CKR_GENERAL_ERROR, "internal error")                                   \
	X(HL_ERR_FUNCTION_FAILED, CKR_FUNCTION_FAILED, "function failed")                         \
	X(HL_ERR_NOT_SUPPORTED, CKR_FUNCTION_NOT_SUPPORTED, "not supported")                      \
	X(HL_ERR_BUFFER_TOO_SMALL, CKR_BUFFER_TOO_SMALL, "output buffer too small")               \
	/* crypto */                                                                              \
	X(HL_ERR_CRYPTO, CKR_FUNCTION_FAILED, "cryptographic library failure")                    \
	X(HL_ERR_MECHANISM_INVALID, CKR_MECHANISM_INVALID, "mechanism not supported")             \
	X(HL_ERR_MECHANISM_PARAM_INVALID, CKR_MECHANISM_PARAM_INVALID,                            \
	  "mechanism parameter invalid")                                                          \
	X(HL_ERR_KEY_TYPE_INCONSISTENT, CKR_KEY_TYPE_INCONSISTENT,                                \
	  "key type does not fit the mechanism")                                                  \
	X(HL_ERR_KEY_SIZE_RANGE, CKR_KEY_SIZE_RANGE, "key size out of range")                     \
	X(HL_ERR_KEY_FUNCTION_NOT_PERMITTED, CKR_KEY_FUNCTION_NOT_PERMITTED,                      \
	  "key not permitted for this function")                                                  \
	X(HL_ERR_DATA_INVALID, CKR_DATA_INVALID, "input data invalid")                            \
	X(HL_ERR_DATA_LEN_RANGE, CKR_DATA_LEN_RANGE, "input data length out of range")            \
	X(HL_ERR_ENCRYPTED_DATA_INVALID, CKR_ENCRYPTED_DATA_INVALID, "encrypted data invalid")    \
	X(HL_ERR_ENCRYPTED_DATA_LEN_RANGE, CKR_ENCRYPTED_DATA_LEN_RANGE,                          \
	  "encrypted data length out of range")                                                   \
	X(HL_ERR_SIGNATURE_INVALID, CKR_SIGNATURE_INVALID, "signature invalid")                   \
	X(HL_ERR_SIGNATURE_LEN_RANGE, CKR_SIGNATURE_LEN_RANGE, "signature length out of range")   \
	X(HL_ERR_WRAPPED_KEY_INVALID, CKR_WRAPPED_KEY_INVALID, "wrapped key invalid")             \
	X(HL_ERR_INTEGRITY, CKR_DEVICE_ERROR,                                                     \
	  "integrity check failed (data altered or wrong key)")                                   \
	X(HL_ERR_ATTRIBUTE_VALUE_INVALID, CKR_ATTRIBUTE_VALUE_INVALID, "attribute value invalid") \
	X(HL_ERR_TEMPLATE_INCOMPLETE, CKR_TEMPLATE_INCOMPLETE, "template incomplete")             \
	X(HL_ERR_TEMPLATE_INCONSISTENT, CKR_TEMPLATE_INCONSISTENT, "template inconsistent")       \
	/* store and lab */                                                                       \
	X(HL_ERR_IO, CKR_DEVICE_ERROR, "I/O error")                                               \
	X(HL_ERR_STORE_CORRUPT, CKR_DEVICE_ERROR, "device store is corrupt")                      \
	X(HL_ERR_STORE_TOO_NEW, CKR_DEVICE_ERROR, "device store format is newer than this build") \
	X(HL_ERR_STORE_BUSY, CKR_DEVICE_ERROR, "device store is busy")                            \
	X(HL_ERR_LAB_INVALID, CKR_GENERAL_ERROR, "lab configuration invalid")                     \
	X(HL_ERR_PERMISSIONS, CKR_GENERAL_ERROR, "unsafe file permissions")                       \
	X(HL_ERR_NOT_FOUND, CKR_ARGUMENTS_BAD, "not found")                                       \
	X(HL_ERR_EXISTS, CKR_ARGUMENTS_BAD, "already exists")                                     \
	/* objects and templates */                                                               \
	X(HL_ERR_ATTRIBUTE_TYPE_INVALID, CKR_ATTRIBUTE_TYPE_INVALID, "attribute type invalid")    \
	X(HL_ERR_ATTRIBUTE_READ_ONLY, CKR_ATTRIBUTE_READ_ONLY, "attribute is read-only")          \
	X(HL_ERR_ATTRIBUTE_SENSITIVE, CKR_ATTRIBUTE_SENSITIVE, "attribute is sensitive")          \
	X(HL_ERR_OBJECT_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID, "object does not exist")       \
	X(HL_ERR_ACTION_PROHIBITED, CKR_ACTION_PROHIBITED, "action prohibited by the object")     \
	X(HL_ERR_KEY_UNEXTRACTABLE, CKR_KEY_UNEXTRACTABLE, "key is not extractable")              \
	X(HL_ERR_DEVICE_MEMORY, CKR_DEVICE_MEMORY, "device object limit reached")                 \
	/* tokens, PINs and login */                                                              \
	X(HL_ERR_PIN_INCORRECT, CKR_PIN_INCORRECT, "PIN incorrect")                               \
	X(HL_ERR_PIN_INVALID, CKR_PIN_INVALID, "PIN has invalid characters")                      \
	X(HL_ERR_PIN_LEN_RANGE, CKR_PIN_LEN_RANGE, "PIN length out of range")                     \
	X(HL_ERR_PIN_LOCKED, CKR_PIN_LOCKED, "PIN locked after too many failed logins")           \
	X(HL_ERR_USER_PIN_NOT_INITIALIZED, CKR_USER_PIN_NOT_INITIALIZED, "user PIN not set")      \
	X(HL_ERR_USER_TYPE_INVALID, CKR_USER_TYPE_INVALID, "user type invalid")                   \
	X(HL_ERR_USER_NOT_LOGGED_IN, CKR_USER_NOT_LOGGED_IN, "not logged in")                     \
	X(HL_ERR_TOKEN_NOT_RECOGNIZED, CKR_TOKEN_NOT_RECOGNIZED, "token not initialized")         \
	X(HL_ERR_TOKEN_WRITE_PROTECTED, CKR_TOKEN_WRITE_PROTECTED, "token is write-protected")    \
	X(HL_ERR_PROFILE_INVALID, CKR_GENERAL_ERROR, "profile file invalid")                      \
	/* cards, backup, audit */                                                                \
	X(HL_ERR_CARD_CORRUPT, CKR_DEVICE_ERROR, "card file is corrupt or not a card")            \
	X(HL_ERR_CARD_TOO_NEW, CKR_DEVICE_ERROR, "card format is newer than this build")          \
	X(HL_ERR_CARD_WRONG_KIND, CKR_PIN_INCORRECT, "wrong kind of card for this step")          \
	X(HL_ERR_CARD_DUPLICATE, CKR_PIN_INCORRECT, "the same card was presented twice")          \
	X(HL_ERR_CARD_TOO_FEW, CKR_PIN_INCORRECT, "too few cards for the quorum")                 \
	X(HL_ERR_CARD_WRONG_OWNER, CKR_PIN_INCORRECT, "card is for another device or domain")     \
	X(HL_ERR_CARD_WRONG_SET, CKR_PIN_INCORRECT, "card belongs to another card set")           \
	X(HL_ERR_CARD_PIN_INCORRECT, CKR_PIN_INCORRECT, "card PIN incorrect")                     \
	X(HL_ERR_CARD_MISMATCH, CKR_PIN_INCORRECT, "cards do not combine to the set's secret")    \
	X(HL_ERR_BACKUP_CORRUPT, CKR_WRAPPED_KEY_INVALID, "not a backup blob")                    \
	X(HL_ERR_BACKUP_WRONG_VENDOR, CKR_WRAPPED_KEY_INVALID,                                    \
	  "backup blob is from the other vendor family")                                          \
	X(HL_ERR_BACKUP_WRONG_DOMAIN, CKR_WRAPPED_KEY_INVALID,                                    \
	  "backup blob belongs to another SMK or cloning domain")                                 \
	X(HL_ERR_BACKUP_TOO_NEW, CKR_WRAPPED_KEY_INVALID,                                         \
	  "backup blob format is newer than this build")                                          \
	X(HL_ERR_BACKUP_TRUNCATED, CKR_WRAPPED_KEY_INVALID, "backup blob is truncated")           \
	X(HL_ERR_BACKUP_TAMPERED, CKR_WRAPPED_KEY_INVALID,                                        \
	  "backup blob fails authentication (tampered)")                                          \
	X(HL_ERR_AUDIT_BROKEN, CKR_DEVICE_ERROR, "audit log fails verification")

typedef enum {
#define HL_STATUS_ENUM(name, rv, msg) name,
	HL_STATUS_LIST(HL_STATUS_ENUM)
#undef HL_STATUS_ENUM
	    HL_STATUS_COUNT,
	/* Registered statuses take the codes from here on, in registration order. */
	HL_STATUS_FAMILY_FIRST = 0x1000,
	HL_STATUS_FAMILY_LAST = HL_STATUS_FAMILY_FIRST + 255,
} hl_status_t;

/* One registered status: its symbolic name (e.g. "HL_ERR_FOO_STATE"), the CK_RV it becomes
 * and its message. Registered rows are borrowed (keep them static). */
typedef struct {
	const char *name;
	CK_RV rv;
	const char *msg;
} hl_status_desc_t;

/* Registers n statuses (a family's); *first_out gets the code of rows[0], rows[i] being
 * *first_out + i. Registering the same rows again gives the same codes (HL_ERR_EXISTS when
 * n grew since). HL_ERR_ARGS for an empty array or a row without name or message;
 * HL_ERR_DEVICE_MEMORY when the 256 family codes are used up. */
hl_status_t hl_status_register(const hl_status_desc_t *rows, size_t n, hl_status_t *first_out);
/* The code of rows[i], registering rows (n of them) on first use: what a family's status
 * accessor returns. HL_ERR_INTERNAL when i >= n or the rows cannot be registered. */
hl_status_t hl_status_of(const hl_status_desc_t *rows, size_t n, size_t i);
/* Static English message for a status; never NULL. */
const char *hl_strerror(hl_status_t st);
/* The status's symbolic name, e.g. "HL_ERR_INTEGRITY"; never NULL. */
const char *hl_status_name(hl_status_t st);
/* The CK_RV a status becomes at the module boundary (the one mapping of the project). */
CK_RV hl_status_to_ckr(hl_status_t st);
