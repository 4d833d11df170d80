/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the core's quirk rows (hl_quirk.h). One row per switch whose behaviour the
 * core implements, whatever catalogue row it models; rows only a family's code reads live in
 * that family (hl_family_t.quirks). Adding a general switch: a row here, its field in
 * hl_profile_general_t, its filter and its test (emulator/doc/general-quirks.md). */
#include <string.h>

#include "device/hl_profile.h"
#include "device/hl_quirk.h"

/* A core row: its value lands in hl_profile_t at field. */
#define ROW(...) HL_QUIRK_ROW(hl_profile_t, __VA_ARGS__)
#define DATA_ROW HL_QUIRK_DATA

const hl_quirk_row_t hl_quirk_core_rows[] = {
	/* -- the general filter layer (p11_quirks_general*.c) -- */
	ROW("host_hash_only", "G1", CKR, GENERAL, general.hash_sign_error, "C_SignInit",
	    .dflt = "CKR_MECHANISM_INVALID"),
	ROW("silent_logout", "G3", NUMBER, GENERAL, general.logout_after_ops,
	    "C_Sign, C_SignFinal"),
	ROW("silent_logout_after_s", "G3", NUMBER, GENERAL, general.logout_after_s,
	    "C_Login, C_GetSessionInfo, C_SignInit"),
	ROW("find_misses_on_login", "G4", BOOL, GENERAL, general.find_lost_on_open,
	    "C_OpenSession, C_Login, C_FindObjectsInit, C_FindObjects"),
	ROW("no_public_before_login", "G6", WORDS, GENERAL, general.no_public,
	    "C_FindObjectsInit, C_GenerateRandom", .words = "objects,random"),
	ROW("session_callbacks_refused", "G7", CKR, GENERAL, general.callbacks_error,
	    "C_OpenSession", .dflt = "CKR_ARGUMENTS_BAD"),
	ROW("no_allowed_mechanisms", "G7", BOOL, GENERAL, general.no_allowed_mechanisms,
	    "C_GetAttributeValue"),
	ROW("cka_id_required", "G10", BOOL, GENERAL, general.id_required,
	    "C_CreateObject, C_GenerateKey, C_GenerateKeyPair"),
	ROW("device_digest_fails", "G10", CKR, GENERAL, general.digest_error, "C_DigestInit",
	    .dflt = "CKR_FUNCTION_FAILED"),
	ROW("fork_child_already_initialized", "G11", BOOL, GENERAL, general.fork_child_initialized,
	    "C_Initialize, C_Finalize in a forked child"),
	ROW("other_process_objects_invisible", "G12", BOOL, GENERAL, general.other_process_hidden,
	    "C_OpenSession, C_FindObjectsInit, object creation"),
	ROW("no_multipart", "G13", BOOL, GENERAL, general.no_multipart,
	    "C_SignUpdate, C_SignFinal, C_DigestUpdate, C_DigestFinal"),
	ROW("call_order_device_error", "G13", BOOL, GENERAL, general.order_device_error,
	    "C_SignInit, C_Sign*, C_Digest*"),
	ROW("throttle_per_second", "G13", NUMBER, GENERAL, general.throttle_per_s, "C_Sign"),
	ROW("unique_labels", "G14", BOOL, GENERAL, general.unique_labels,
	    "object creation, C_SetAttributeValue"),
	ROW("unique_immutable_id", "G14", BOOL, GENERAL, general.unique_ids,
	    "object creation, C_SetAttributeValue"),
	ROW("cka_id_len", "G15", NUMBER, GENERAL, general.id_len, "object creation", .dflt = "2",
	    .max = HL_PROFILE_ID_MAX),
	ROW("modulus_leading_zero", "G17", NUMBER, GENERAL, general.modulus_zeros,
	    "C_GetAttributeValue", .dflt = "1"),
	/* -- the PKCS#11 layer's own calls -- */
	ROW("virtual_slot_ids", "L5", BOOL, CORE, core.virtual_slot_ids,
	    "slot ids (p11_general.c)"),
	ROW("virtual_handles", "L5", BOOL, CORE, core.virtual_handles,
	    "object handles (p11_object.c)"),
	ROW("handles_change_on_relogin", "G5", BOOL, CORE, core.handles_change_on_relogin,
	    "object handles after a logout (p11_object.c)"),
	ROW("slot_id_changes_on_init", "G16", BOOL, CORE, core.slot_id_changes_on_init,
	    "C_InitToken (p11_session.c)"),
	ROW("single_slot_zero", "K5", BOOL, CORE, core.single_slot_zero,
	    "C_GetSlotList (p11_general.c: no free slot beside a device)"),
	ROW("session_limit", "L6", NUMBER, CORE, core.session_limit, "C_OpenSession"),
	ROW("max_sessions_code", "L6", CKR, CORE, core.max_sessions_code, "C_OpenSession"),
	/* -- the vendor-behaviour filter layer (p11_quirks.c) -- */
	ROW("token_after_slotlist_false", "G9", BOOL, VENDOR, core.token_after_slotlist_false,
	    "C_GetSlotList"),
	ROW("context_specific_login_invalid", "L1", BOOL, VENDOR,
	    core.context_specific_login_invalid, "C_Login"),
	ROW("crypto_user_type", "L1", NUMBER, VENDOR, core.crypto_user_type,
	    "C_Login (and the family's login hooks)"),
	ROW("serial_hidden_until_login", "K4", STRING, VENDOR, core.serial_hidden_until_login,
	    "C_GetTokenInfo"),
	ROW("labels_immutable", "K2", BOOL, VENDOR, core.labels_immutable, "C_SetAttributeValue"),
	ROW("label_change_error", "K2", CKR, VENDOR, core.label_change_error, "C_SetAttributeValue",
	    .dflt = "CKR_ATTRIBUTE_READ_ONLY"),
	ROW("no_always_authenticate", "L8", BOOL, VENDOR, core.no_always_authenticate,
	    "C_GetAttributeValue, C_CreateObject, C_GenerateKey, C_GenerateKeyPair"),
	ROW("refuse_nonsensitive_secret", "L9", BOOL, VENDOR, core.refuse_nonsensitive_secret,
	    "C_CreateObject, C_GenerateKey"),
	ROW("no_public_crypto", "L8", BOOL, VENDOR, core.no_public_crypto, "C_SignInit"),
	ROW("missing_functions", "K8", LIST, VENDOR, core.missing_functions,
	    "C_CopyObject, C_GetOperationState, C_SetOperationState, C_DigestKey, "
	    "C_SignRecoverInit, C_VerifyRecoverInit"),
	/* -- catalogue rows no code reads: they describe the device -- */
	DATA_ROW("no_operation_state", "G7", BOOL, "none (missing_functions carries it)"),
	DATA_ROW("unknown_attr_len_unavailable", "G8", BOOL, "none (documents the device)"),
};

const size_t hl_quirk_core_count = sizeof(hl_quirk_core_rows) / sizeof(hl_quirk_core_rows[0]);

const hl_quirk_row_t *hl_quirk_find(const hl_quirk_row_t *rows, size_t n, const char *name)
{
	for (size_t i = 0; rows && i < n && rows[i].name; i++)
		if (strcmp(rows[i].name, name) == 0)
			return &rows[i];
	return NULL;
}

size_t hl_quirk_distance(const char *a, const char *b)
{
	/* Levenshtein over two rows of the table; names are short, longer tails are cut. */
	size_t la = strnlen(a, 63), lb = strnlen(b, 63), prev[64], cur[64];
	for (size_t j = 0; j <= lb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= la; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
	}
	return prev[lb];
}

const char *hl_quirk_nearest(const hl_quirk_row_t *rows, size_t n, const hl_quirk_row_t *more,
			     size_t m, const char *name)
{
	const char *best = NULL;
	size_t best_d = (size_t)-1;
	for (size_t i = 0; rows && i < n && rows[i].name; i++) {
		size_t d = hl_quirk_distance(name, rows[i].name);
		if (d < best_d) {
			best_d = d;
			best = rows[i].name;
		}
	}
	for (size_t i = 0; more && i < m && more[i].name; i++) {
		const hl_quirk_row_t *r = &more[i];
		size_t d = hl_quirk_distance(name, r->name);
		if (d < best_d) {
			best_d = d;
			best = r->name;
		}
	}
	return best;
}

const char *hl_quirk_type_name(hl_quirk_type_t t)
{
	switch (t) {
	case HL_QUIRK_BOOL:
		return "a switch without a value";
	case HL_QUIRK_NUMBER:
		return "a positive integer";
	case HL_QUIRK_CKR:
		return "a CKR_ name or a positive integer";
	case HL_QUIRK_STRING:
		return "a string";
	case HL_QUIRK_LIST:
		return "a string or a list of strings";
	case HL_QUIRK_MOFN:
		return "[ m, n ] with 1 <= m <= n <= 255";
	case HL_QUIRK_WORDS:
		return "some of its words";
	case HL_QUIRK_DATA:
		return "data";
	}
	return "?";
}
