/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper family's quirk rows (hl_quirk.h): the switches of keyper
 * profiles that only this family's code reads, or that document the device. The rows whose
 * behaviour the core implements (K2's labels, K4's serial, K5's slot, K8's functions) are core
 * rows (core/device/quirk_registry.c). */
#include "keyper/keyper_int.h"

#define ROW(...) HL_QUIRK_ROW(ky_switches_t, __VA_ARGS__)

const hl_quirk_row_t hl_keyper_quirks[] = {
	ROW("end_of_support", "K5", STRING, FAMILY, common.end_of_support,
	    "the device warning (fam_ext.c)"),
	ROW("library_path_env", "K6", STRING, FAMILY, library_path_env,
	    "documents hl_family_t.library_path_env (test_k6_library_path)"),
	ROW("init_token_vendor_only", "K7", BOOL, FAMILY, init_token_vendor_only,
	    "C_InitToken (hl_keyper_init_token)"),
	ROW("operator_quorum", "K10", MOFN, FAMILY, operator_quorum,
	    "keyper activate, OP card sets"),
	ROW("recovery_quorum", "K10", MOFN, FAMILY, recovery_quorum, "recovery card sets"),
	ROW("so_quorum", "K10", MOFN, FAMILY, so_quorum, "SO card sets"),
	ROW("login_needs_activation", "K10", CKR, FAMILY, login_needs_activation,
	    "C_Login (hl_keyper_login_gate)", .dflt = "CKR_FUNCTION_FAILED"),
	ROW("activation_timeout", "K10", NUMBER, FAMILY, activation_timeout,
	    "keyper activate, C_Login"),
	ROW("tamper_zeroizes", "K12", BOOL, FAMILY, tamper_zeroizes, "keyper tamper"),
	HL_QUIRK_DATA("library_self_path_env", "K6", STRING,
		      "documents the family's client_config hook (keyper.c)"),
	HL_QUIRK_DATA("no_hash_and_sign", "K1", BOOL, "the mechanism list carries it"),
	HL_QUIRK_DATA("label_display_chars", "K2", NUMBER, "documents the console"),
	HL_QUIRK_DATA("no_cka_id_assigned", "K3", BOOL, "documents the device"),
	HL_QUIRK_DATA("init_erases_mapped_keys", "K7", BOOL, "documents keyper init"),
	HL_QUIRK_DATA("legacy_des3_wrap", "K9", BOOL, "documents the backup key"),
	HL_QUIRK_DATA("card_kinds", "K10", LIST, "documents the card sets"),
	HL_QUIRK_DATA("card_format", "K10", STRING, "documents the card files"),
	HL_QUIRK_DATA("backup_format", "K11", STRING, "documents the backup blobs"),
	HL_QUIRK_DATA("clone_same_vendor_only", "K11", BOOL, "documents the backups"),
	HL_QUIRK_DATA("battery_years", "K12", NUMBER, "documents the device"),
	{ 0 }, /* the end */
};

const ky_switches_t *ky_switches(const hl_device_t *dev)
{
	static const ky_switches_t none;
	const hl_profile_t *p = dev ? dev->profile : NULL;
	return p && p->family_sw && dev->family == &hl_keyper_family ? p->family_sw : &none;
}
