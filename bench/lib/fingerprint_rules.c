/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the quirk switches a fingerprint can infer, each from one conformance row.
 * Kept in the bench (it must not read emulator internals); test_fingerprint_rules checks the
 * names and catalogue rows against the emulator's registry so the two cannot drift. */
#include "hsmlab/bench/fingerprint.h"

static const hl_fp_rule_t rules[] = {
	/* a strict token shows its serial before login; K4 hides it behind a fixed string */
	{ "serial_hidden_until_login", "K4", "token.serial_before_login", "before-login:'*",
	  HL_FP_QUOTED },
	/* "CKR_*[!K]": any return code but CKR_OK */
	{ "labels_immutable", "K2", "obj.set_label", "CKR_*[!K]", HL_FP_NONE },
	{ "label_change_error", "K2", "obj.set_label", "CKR_*[!K]", HL_FP_CKR },
	{ "refuse_nonsensitive_secret", "L9", "tmpl.secret_not_sensitive",
	  "CKR_ATTRIBUTE_VALUE_INVALID", HL_FP_NONE },
	{ "context_specific_login_invalid", "L1", "login.context_specific", "CKR_USER_TYPE_INVALID",
	  HL_FP_NONE },
	{ "no_always_authenticate", "L8", "attr.always_authenticate", "CKR_ATTRIBUTE_TYPE_INVALID*",
	  HL_FP_NONE },
	{ "virtual_slot_ids", "L5", "slot.id_size", "large", HL_FP_NONE },
	{ "virtual_handles", "L5", "obj.handles_reinit", "*,large", HL_FP_NONE },
	{ "handles_change_on_relogin", "G5", "obj.handles_stable", "changed", HL_FP_NONE },
	{ "slot_id_changes_on_init", "G16", "token.init_moves_slot", "moved", HL_FP_NONE },
	{ "fork_child_already_initialized", "G11", "fork.child_initialize",
	  "CKR_CRYPTOKI_ALREADY_INITIALIZED", HL_FP_NONE },
	/* session.operation_state proves nothing: CKR_FUNCTION_NOT_SUPPORTED is the strict
	 * emulator's own answer too, so G7 / K8's operation-state part stay unknown. */
	{ "missing_functions", "K8", "obj.copy", "CKR_FUNCTION_NOT_SUPPORTED", HL_FP_FUNCS_COPY },
	/* the general switches (G*): what hash-and-sign, multi-part, duplicate labels, a key
	 * without an id, the RSA modulus and the first slot list show */
	/* G1, G10: a mechanism the list announces and the device refuses at its init */
	{ "host_hash_only", "G1", "mech.CKM_SHA256_RSA_PKCS", "sign-init:CKR_*", HL_FP_CKR },
	{ "no_multipart", "G13", "sign.multipart", "CKR_FUNCTION_NOT_SUPPORTED", HL_FP_NONE },
	{ "call_order_device_error", "G13", "sign.misuse", "sign=CKR_DEVICE_ERROR*", HL_FP_NONE },
	{ "unique_labels", "G14", "obj.duplicate_label", "CKR_*", HL_FP_NONE },
	{ "cka_id_required", "G10", "key.without_id", "keygen=CKR_TEMPLATE_INCOMPLETE",
	  HL_FP_NONE },
	{ "cka_id_len", "G15", "key.without_id", "id=[0-9]* bytes,*", HL_FP_NUMBER },
	{ "device_digest_fails", "G10", "mech.CKM_SHA256", "digest-init:CKR_*", HL_FP_CKR },
	{ "modulus_leading_zero", "G17", "attr.rsa_private_public_parts", "modulus=25[7-9] bytes*",
	  HL_FP_OVER_256 },
	{ "token_after_slotlist_false", "G9", HL_FP_PROBE_TOKEN_AFTER_LIST, "hidden", HL_FP_NONE },
	{ NULL, NULL, NULL, NULL, 0 },
};

const hl_fp_rule_t *hl_fp_rules(void)
{
	return rules;
}
