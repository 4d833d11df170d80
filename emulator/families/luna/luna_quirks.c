/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna family's quirk rows (hl_quirk.h): the switches of luna profiles
 * that only this family's code reads, or that document the device. The rows whose behaviour
 * the core implements (L1's user type, L5's virtual ids, L6's session limit, L8, L9) are core
 * rows (core/device/quirk_registry.c). */
#include "luna/hl_luna.h"
#include "luna/luna_int.h"

#define ROW(...) HL_QUIRK_ROW(lu_switches_t, __VA_ARGS__)

const hl_quirk_row_t hl_luna_quirks[] = {
	ROW("activation_required", "L2", BOOL, FAMILY, activation_required,
	    "C_Login (the family's login gate)"),
	ROW("activation_outage_grace_s", "L2", NUMBER, FAMILY, activation_outage_grace_s,
	    "luna power"),
	ROW("hsm_so_failures_zeroize", "L3", NUMBER, FAMILY, hsm_so_failures_zeroize,
	    "HSM SO logins"),
	ROW("partition_so_failures_zeroize", "L3", NUMBER, FAMILY, partition_so_failures_zeroize,
	    "C_Login as SO"),
	ROW("locked_out_code", "L3", CKR, FAMILY, locked_out_code,
	    "C_Login, luna role init, luna activate (hl_luna_rv)"),
	ROW("so_threshold_code", "L3", CKR, FAMILY, so_threshold_code,
	    "HSM SO logins (hl_luna_rv)"),
	ROW("stm_refused_code", "L12", CKR, FAMILY, stm_refused_code,
	    "C_Login, the lifecycle steps in transport (hl_luna_rv)"),
	ROW("ikey_prompt_timeout_s", "L12", NUMBER, FAMILY, ikey_prompt_timeout_s,
	    "each iKey through the PED (luna_ped.c; Chrystoki.conf PEDTimeout2 wins)"),
	ROW("ped_timeout_code", "L12", CKR, FAMILY, ped_timeout_code,
	    "an iKey prompt past the PED timeout (hl_luna_rv)"),
	ROW("tampered_code", "L14", CKR, FAMILY, tampered_code,
	    "C_Login, the lifecycle steps after luna tamper (hl_luna_rv)"),
	ROW("secure_transport_mode", "L12", STRING, FAMILY, secure_transport_mode,
	    "the lifecycle (hl_luna_on), STM recovery"),
	ROW("audit_domain_key", "L13", BOOL, FAMILY, common.audit_domain_key,
	    "the audit log's key (fam_audit.c)"),
	ROW("no_private_key_cloning", "L13", BOOL, FAMILY, common.no_private_key_cloning,
	    "clone (fam_backup.c)"),
	ROW("tamper_clears_activation", "L14", BOOL, FAMILY, tamper_clears_activation,
	    "luna tamper"),
	ROW("policy_non_fips", "L4", BOOL, FAMILY, policy_non_fips,
	    "HSM policy 12's default (luna_policy.c)"),
	ROW("policy_so_reset_pin", "L3", BOOL, FAMILY, policy_so_reset_pin,
	    "HSM policy 15's default: C_InitPIN, the CO's lockout"),
	ROW("policy_activation", "L2", BOOL, FAMILY, policy_activation,
	    "partition policy 22's default: luna activate"),
	ROW("policy_auto_activation", "L2", BOOL, FAMILY, policy_auto_activation,
	    "partition policy 23's default: luna power on"),
	ROW("policy_partition_non_fips", "L4", BOOL, FAMILY, policy_partition_non_fips,
	    "partition policy 43's default (luna_policy.c)"),
	HL_QUIRK_DATA("challenge_secret_login", "L2", BOOL, "documents the login"),
	HL_QUIRK_DATA("wrong_key_not_a_failure", "L3", BOOL, "documents the iKey checks"),
	HL_QUIRK_DATA("fips_hides_rsa_pkcs_keygen", "L4", BOOL, "the mechanism list carries it"),
	HL_QUIRK_DATA("vendor_return_codes", "L6", DATA, "the codes, for tools"),
	HL_QUIRK_DATA("ca_extensions", "L7", LIST, "documents the CA_ table"),
	HL_QUIRK_DATA("max_sessions_reported_zero", "L10", BOOL, "the limits carry it"),
	HL_QUIRK_DATA("device_hash_and_sign", "L11", BOOL, "the mechanism list carries it"),
	HL_QUIRK_DATA("init_sequence", "L12", LIST, "documents the init steps"),
	HL_QUIRK_DATA("card_kinds", "L12", LIST, "documents the iKeys"),
	HL_QUIRK_DATA("card_format", "L12", STRING, "documents the card files"),
	HL_QUIRK_DATA("clone_same_domain_only", "L13", BOOL, "documents cloning"),
	HL_QUIRK_DATA("backup_format", "L13", STRING, "documents the backup blobs"),
	HL_QUIRK_DATA("objects_encrypted_at_rest", "L14", BOOL, "documents the device"),
	{ 0 }, /* the end */
};

const lu_switches_t *hl_luna_switches(const hl_device_t *dev)
{
	static const lu_switches_t none;
	const hl_profile_t *p = dev ? dev->profile : NULL;
	return p && p->family_sw && dev->family == &hl_luna_family ? p->family_sw : &none;
}
