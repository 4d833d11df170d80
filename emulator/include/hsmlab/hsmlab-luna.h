/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab: the Luna vendor table (quirks.md L2, L3, L12), offered by libhsmlab-luna.so through
 * C_GetInterface(HSMLAB_LUNA_INTERFACE_NAME, 1.1) the way Thales' library offers its CA_*
 * functions: the device lifecycle (Secure Transport Mode, hard init, partition, roles),
 * iKey (PED key) credentials, activation, power and zeroization. One hsmlab device is one
 * Luna USB HSM 7 with one application partition, its one PKCS#11 slot (a guess: the USB HSM
 * 7 can hold more). Arguments are borrowed; C_Initialize first; errors also through the
 * "hsmlab family" table's last_error. See emulator/doc/luna.md. */
#pragma once

#include "hsmlab/pkcs11.h"

#define HSMLAB_LUNA_INTERFACE_NAME "hsmlab luna"
#define HSMLAB_LUNA_VERSION_MAJOR 1
/* 1.1: hsmlab_CA_TransportSTM, hsmlab_CA_InitToken; 1.2: hsmlab_CA_GetPolicy,
 * hsmlab_CA_SetPolicy, the Limited Crypto Officer and Audit roles (hsmlab_CA_GetRoles),
 * hsmlab_CA_SetPED, hsmlab_CA_DuplicateIKey */
#define HSMLAB_LUNA_VERSION_MINOR 2

/* How every credential of the device is presented; chosen by hard init, fixed until the
 * device is zeroized. */
#define HSMLAB_LUNA_AUTH_PASSWORD 1UL
#define HSMLAB_LUNA_AUTH_MULTIFACTOR 2UL /* M of N iKeys (PED keys) */

/* Roles. The HSM SO is a console role only; the Partition SO is PKCS#11's CKU_SO, the
 * Crypto Officer CKU_USER, the Crypto User HSMLAB_LUNA_CKU_CRYPTO_USER (L1). */
#define HSMLAB_LUNA_ROLE_HSM_SO 1UL
#define HSMLAB_LUNA_ROLE_PARTITION_SO 2UL
#define HSMLAB_LUNA_ROLE_CO 3UL
#define HSMLAB_LUNA_ROLE_CU 4UL
#define HSMLAB_LUNA_CKU_CRYPTO_USER 0x80000001UL
/* 1.2: the Limited Crypto Officer (by the CO; C_Login as HSMLAB_LUNA_CKU_LIMITED_USER, Thales'
 * CKU_LIMITED_USER) and the Audit role (by the HSM SO; Thales' CKU_AUDIT, which logs in on
 * the HSM's admin slot only: the partition's slot refuses it). See emulator/doc/luna.md. */
#define HSMLAB_LUNA_ROLE_LCO 5UL
#define HSMLAB_LUNA_ROLE_AUDIT 6UL
#define HSMLAB_LUNA_CKU_AUDIT 0x80000002UL
#define HSMLAB_LUNA_CKU_LIMITED_USER 0x80000003UL

/* 1.2: policy scopes (Thales' numbers within each: HSM 12, 15; partition 20, 22, 23, 43). */
#define HSMLAB_LUNA_POLICY_HSM 1UL
#define HSMLAB_LUNA_POLICY_PARTITION 2UL

/* The HSM SO credential of a device in Secure Transport Mode (the factory default; a guess:
 * the profile's secure_transport_mode value). */
#define HSMLAB_LUNA_FACTORY_SO_PASSWORD "PASSWORD"

/* A credential presented by who acts. */
typedef struct {
	CK_ULONG method;          /* HSMLAB_LUNA_AUTH_* */
	const char *password;     /* PASSWORD */
	const char *const *ikeys; /* MULTIFACTOR: the iKey files presented (a quorum) */
	CK_ULONG n_ikeys;
	const char *ikey_pin; /* the iKeys' PIN, or NULL */
} hsmlab_luna_auth_t;

/* A new credential. MULTIFACTOR: a random secret split m of n over iKey files
 * <dir>/luna-<role>-<i>.card (role: hsm-so, partition-so, co, cu, domain). */
typedef struct {
	CK_ULONG method;
	const char *password; /* PASSWORD (a domain: its password, both methods) */
	const char *dir;
	CK_ULONG m, n;
	const char *ikey_pin;  /* NULL: iKeys without PIN */
	const char *challenge; /* MULTIFACTOR CO/CU: the challenge secret C_Login takes */
} hsmlab_luna_cred_t;

typedef struct {
	/* "transport" (STM), "uninitialized" (STM recovered), "initialized" (hard init done),
	 * "zeroized" (needs hard init) */
	char state[16];
	CK_ULONG method; /* 0 before hard init */
	char hsm_label[33];
	CK_BBOOL partition, co, cu; /* what exists */
	CK_BBOOL activated, powered;
	CK_ULONG hso_failed, pso_failed, co_failed, cu_failed;
	/* Secure Transport Mode only (else ""): what the device shows for the operator to
	 * compare with what the factory sent (both derived from device secrets). */
	char user_string[24];
	char fingerprint[24];
} hsmlab_luna_status_t; /* its layout is 1.0's: a caller built against an older header */

/* 1.2 (hsmlab_CA_GetRoles): the Limited Crypto Officer and the Audit role exist; the LCO's
 * failed logins. A struct of its own so that hsmlab_luna_status_t never grows. */
typedef struct {
	CK_BBOOL lco, audit;
	CK_ULONG lco_failed;
} hsmlab_luna_roles_t;

/* 1.2: the PED (hsmlab_CA_SetPED). Asked for each iKey a step presents, in order, before
 * the device reads it (i of n; kind: the iKey's kind, e.g. "luna-co"): it returns CKR_OK once
 * the iKey is "inserted" (the operator answered the prompt), anything else cancels the step
 * (CKR_FUNCTION_CANCELED). The device times each answer on its own clock: one slower than
 * the PED key interaction timeout (Chrystoki.conf Luna PEDTimeout2, else the profile's
 * ikey_prompt_timeout_s) fails the step with the profile's ped_timeout_code (CKR_TIMEOUT,
 * 0x80000024). Called with the module's locks held: it must not call the module. */
typedef CK_RV (*hsmlab_luna_ped_fn)(void *ctx, const char *kind, const char *ikey, CK_ULONG i,
				    CK_ULONG n);

typedef struct HSMLAB_LUNA_FUNCTION_LIST {
	CK_VERSION version; /* 1.2 (1.1 added hsmlab_CA_TransportSTM and hsmlab_CA_InitToken) */
	CK_RV (*hsmlab_CA_GetStatus)(CK_SLOT_ID slot, hsmlab_luna_status_t *out);
	/* Leaves STM: the user string and fingerprint must match what the device shows and the
	 * HSM SO authenticate (out of the factory: the default password; after
	 * hsmlab_CA_TransportSTM of an initialized device: the HSM SO's own credential, and the
	 * device returns to the state it left). Anything wrong changes nothing. */
	CK_RV(*hsmlab_CA_RecoverSTM)
	(CK_SLOT_ID slot, const char *user_string, const char *fingerprint,
	 const hsmlab_luna_auth_t *hso);
	/* Hard init: label, HSM SO credential, cloning domain; the method is fixed until
	 * zeroized. On an initialized device a re-init (the current HSM SO credential in *hso,
	 * the same method; the partition goes, credentials and domain stay). */
	CK_RV(*hsmlab_CA_InitHSM)
	(CK_SLOT_ID slot, const char *label, const hsmlab_luna_cred_t *hso,
	 const hsmlab_luna_auth_t *current, const hsmlab_luna_cred_t *domain);
	/* Checks the HSM SO credential; 3 wrong passwords zeroize the device (L3). */
	CK_RV (*hsmlab_CA_LoginHSM)(CK_SLOT_ID slot, const hsmlab_luna_auth_t *hso);
	/* The partition (the slot's token), by the HSM SO: its label, Partition SO, domain. */
	CK_RV(*hsmlab_CA_CreatePartition)
	(CK_SLOT_ID slot, const char *label, const hsmlab_luna_auth_t *hso,
	 const hsmlab_luna_cred_t *pso, const hsmlab_luna_cred_t *domain);
	/* The Crypto Officer (by the Partition SO), the Crypto User or (1.2) the Limited Crypto
	 * Officer (by the CO), or (1.2) the Audit role (by the HSM SO). */
	CK_RV(*hsmlab_CA_InitRole)
	(CK_SLOT_ID slot, CK_ULONG role, const hsmlab_luna_auth_t *by,
	 const hsmlab_luna_cred_t *cred);
	/* L2: the CO's quorum of iKeys activates a multifactor partition; challenge (NULL: keep)
	 * becomes the CO's challenge secret. */
	CK_RV(*hsmlab_CA_Activate)
	(CK_SLOT_ID slot, const hsmlab_luna_auth_t *co, const char *challenge);
	CK_RV (*hsmlab_CA_Deactivate)(CK_SLOT_ID slot);
	/* Power off, or on after an outage measured on the device clock: activation survives
	 * an outage no longer than the policy (L2: 2 h). */
	CK_RV (*hsmlab_CA_Power)(CK_SLOT_ID slot, CK_BBOOL on);
	/* A tamper event: activation cleared (L2, L14). */
	CK_RV (*hsmlab_CA_Tamper)(CK_SLOT_ID slot);
	/* Everything but the audit log goes; the device needs a hard init. */
	CK_RV (*hsmlab_CA_Zeroize)(CK_SLOT_ID slot);
	/* 1.1: the HSM SO puts the device back into Secure Transport Mode (lunacm stm
	 * transport): keys, roles and configuration kept, every login ended and activation
	 * cleared, everything but status and recovery refused until hsmlab_CA_RecoverSTM with
	 * the HSM SO's credential (a zeroized or uninitialized device: no login, hso NULL). */
	CK_RV (*hsmlab_CA_TransportSTM)(CK_SLOT_ID slot, const hsmlab_luna_auth_t *hso);
	/* 1.1: the lab's token init (hsmlab-admin token init), password authentication, in one
	 * store transaction: Secure Transport Mode left (the factory HSM SO password in
	 * *factory; the strings are not compared: `luna stm recover` is the ceremony's step),
	 * the hard init (so_password: the HSM SO's and the domain's; on an initialized HSM a
	 * re-init, so_password the current HSM SO's), the partition (so_password: the
	 * Partition SO's) and, co_password given, the Crypto Officer. Every input is checked
	 * before the first change; a wrong HSM SO password counts (L3) and changes nothing
	 * else; a crash leaves the device as it was or initialized whole. */
	CK_RV(*hsmlab_CA_InitToken)
	(CK_SLOT_ID slot, const char *label, const hsmlab_luna_auth_t *factory,
	 const char *so_password, const char *co_password);
	/* 1.2: a policy's value now (a stored setting, else the profile's default). */
	CK_RV(*hsmlab_CA_GetPolicy)
	(CK_SLOT_ID slot, CK_ULONG scope, CK_ULONG number, CK_ULONG *value);
	/* 1.2: sets a policy, by the HSM SO (scope HSM) or the Partition SO (scope PARTITION),
	 * stored and recorded; a destructive one (HSM 12; 15 switched on) zeroizes the partition
	 * in the same transaction. A value less restrictive than the HSM allows is refused. */
	CK_RV(*hsmlab_CA_SetPolicy)
	(CK_SLOT_ID slot, CK_ULONG scope, CK_ULONG number, CK_ULONG value,
	 const hsmlab_luna_auth_t *by);
	/* 1.2: the PED this process answers iKey prompts with (NULL: none, every iKey is
	 * presented at once, as before 1.2). */
	CK_RV (*hsmlab_CA_SetPED)(hsmlab_luna_ped_fn ped, void *ctx);
	/* 1.2: the PED's duplicate function: copies the iKey src (any kind, an M of N split
	 * too) onto a new iKey file dst with the same PIN (pin; NULL: none). A duplicate is the
	 * same share: presenting it beside its original in one quorum is "the same card twice".
	 * CKR_ARGUMENTS_BAD when dst exists (never overwritten) or src is no Luna iKey. */
	CK_RV (*hsmlab_CA_DuplicateIKey)(const char *src, const char *dst, const char *pin);
	/* 1.2: the roles beside the status's (the LCO and the Audit role). */
	CK_RV (*hsmlab_CA_GetRoles)(CK_SLOT_ID slot, hsmlab_luna_roles_t *out);
} HSMLAB_LUNA_FUNCTION_LIST;
