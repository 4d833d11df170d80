/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: what the Luna family's files share. The lifecycle lives in the device
 * store's meta table (keys luna_*), so every process sees it; credentials the core does not
 * know (HSM SO, Crypto User, iKey sets, domains) are kept there as PBKDF2 verifiers. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "common/hl_fam.h"
#include "hsmlab/hsmlab-luna.h"
#include "luna/hl_luna.h"

/* Lifecycle states (meta luna_state; absent: the device ships in Secure Transport Mode). */
#define LU_TRANSPORT "transport"
#define LU_UNINIT "uninitialized"
#define LU_INIT "initialized"
#define LU_ZEROIZED "zeroized"

/* The Luna's iKey kinds (L12), as its card files name them. */
#define LU_CARD_HSM_SO "luna-hsm-so"
#define LU_CARD_PARTITION_SO "luna-partition-so"
#define LU_CARD_CO "luna-co"
#define LU_CARD_CU "luna-cu"
#define LU_CARD_DOMAIN "luna-domain"
#define LU_CARD_LCO "luna-lco"  /* the Limited Crypto Officer (vendor table 1.2) */
#define LU_CARD_AUDIT "luna-au" /* the Audit role (vendor table 1.2) */

/* Credentials kept by the family (meta luna_<name>, luna_<name>_k, luna_<name>_set). */
typedef enum {
	LU_HSO,
	LU_PSO,
	LU_CO,
	LU_CU,
	LU_DOMAIN,
	LU_PDOMAIN,
	LU_LCO,  /* the Limited Crypto Officer: goes with the partition */
	LU_AUDIT /* the Audit role: goes with the device */
} hl_luna_role_t;

/* The family's switches (luna_quirks.c), resolved once per profile. */
typedef struct {
	hl_fam_switches_t common;               /* first: the shared family code reads it */
	const char *secure_transport_mode;      /* L12: the HSM SO's factory password */
	bool activation_required;               /* L2 */
	bool tamper_clears_activation;          /* L14 */
	CK_ULONG activation_outage_grace_s;     /* L2 */
	CK_ULONG hsm_so_failures_zeroize;       /* L3 */
	CK_ULONG partition_so_failures_zeroize; /* L3 */
	/* The vendor codes the device returns where the spec has a generic one (0: the spec's
	 * code); hl_luna_rv maps the family's statuses through them. */
	CK_ULONG locked_out_code;   /* L3: a login to a locked-out CO or CU */
	CK_ULONG so_threshold_code; /* L3: the HSM SO failure that zeroizes the device */
	CK_ULONG stm_refused_code;  /* L12: a step refused in Secure Transport Mode */
	CK_ULONG tampered_code;     /* L14: a step or login while the HSM is halted */
	/* The policies' defaults (luna_policy.c) until the HSM SO or Partition SO sets them. */
	bool policy_non_fips;           /* HSM 12 */
	bool policy_so_reset_pin;       /* HSM 15 */
	bool policy_activation;         /* partition 22 */
	bool policy_auto_activation;    /* partition 23 */
	bool policy_partition_non_fips; /* partition 43 */

	/* L12, the PED (luna_ped.c): an iKey prompt unanswered this long fails the step, with
	 * this code (0: the spec's). */
	CK_ULONG ikey_prompt_timeout_s;
	CK_ULONG ped_timeout_code;
} lu_switches_t;

/* What the Luna client's Chrystoki.conf set (luna_conf.c), read at each C_Initialize. */
typedef struct {
	char path[1024];         /* the file read, "" when none */
	uint64_t ped_timeout_ms; /* Luna PEDTimeout2 (the PED key interaction), 0: not set */
} hl_luna_client_conf_t;
extern hl_luna_client_conf_t hl_luna_client;
struct hl_lab_config;
/* The family's client_config hook (hl_family.h): finds and reads Chrystoki.conf. */
hl_status_t hl_luna_client_config(struct hl_lab_config *c, const char *named_by, char *err,
				  size_t errlen);

extern const hl_quirk_row_t hl_luna_quirks[]; /* ends with a row without a name */
/* The switches of dev's profile (all off for another family's device). */
const lu_switches_t *hl_luna_switches(const hl_device_t *dev);
/* Whether the profile switches the lifecycle on (L12 secure_transport_mode). */
bool hl_luna_on(const hl_device_t *dev);

/* The CK_RV of st on dev: the profile's vendor code for the family's own situations
 * (HL_ERR_LUNA_LOCKED_OUT, _SO_THRESHOLD, _STM, _TAMPERED) when it sets one, else the
 * status's spec code (hl_p11_rv). */
CK_RV hl_luna_rv(const hl_device_t *dev, hl_status_t st);

/* -- meta (every hl_luna_* function: device lock held) -- */
/* luna_state into buf (LU_TRANSPORT when absent). */
void hl_luna_state(hl_device_t *dev, char *buf, size_t len);
uint64_t hl_luna_u64(hl_device_t *dev, const char *key);
bool hl_luna_has(hl_device_t *dev, const char *key);
/* Inside a transaction. */
hl_status_t hl_luna_set_str(hl_device_t *dev, const char *key, const char *v);
/* Device time now (re-reading the clock offset another process may have set). */
int64_t hl_luna_now(hl_device_t *dev);
/* Runs body(dev, arg) in one store transaction with its audit record (ev, subject,
 * details); inside the caller's transaction when one is open (the caller commits). */
hl_status_t hl_luna_commit(hl_device_t *dev, hl_status_t (*body)(hl_device_t *, void *), void *arg,
			   hl_audit_event_t ev, const char *subject, const char *details);

/* -- credentials (luna_cred.c; device lock held, writes inside a transaction) -- */
/* Stores the verifier of a new credential; MULTIFACTOR writes its iKeys first. */
hl_status_t hl_luna_cred_put(hl_device_t *dev, hl_luna_role_t r, const hsmlab_luna_cred_t *c);
/* Checks a presented credential against the stored one: HL_ERR_PIN_INCORRECT for a wrong
 * password, the cards' own statuses for wrong iKeys, HL_ERR_LUNA_METHOD for the other
 * method. */
hl_status_t hl_luna_cred_check(hl_device_t *dev, hl_luna_role_t r, const hsmlab_luna_auth_t *a);
/* A password or challenge secret against the verifier luna_<role>. */
hl_status_t hl_luna_secret_check(hl_device_t *dev, hl_luna_role_t r, const char *s, size_t len);
/* Deletes the role's verifiers. */
hl_status_t hl_luna_cred_delete(hl_device_t *dev, hl_luna_role_t r);

/* -- lifecycle (luna_lifecycle.c) -- */
/* Zeroizes the device (whole = true: back to needing a hard init) or its partition, with
 * the audit record, in one transaction; updates the in-memory device. */
hl_status_t hl_luna_zeroize(hl_device_t *dev, bool whole, const char *why);
/* The STM user string and state fingerprint the device shows. */
hl_status_t hl_luna_stm_strings(hl_device_t *dev, char user[24], char fp[24]);
/* A failed HSM SO password: counted; the limit zeroizes the device (L3). */
hl_status_t hl_luna_hso_failed(hl_device_t *dev);
/* After a failed Partition SO login: the limit zeroizes the partition (L3). */
void hl_luna_pso_check(hl_device_t *dev);

/* -- the vendor table (luna_ext.c: helpers, status, STM, hard init; luna_roles.c) -- */
typedef hl_status_t (*hl_luna_step_fn)(hl_device_t *dev, void *arg);
/* Runs step on the device of slot with the p11 write lock held (no session call runs beside
 * a lifecycle step; the lab's free device is unpacked first); the step takes the device
 * lock itself. */
CK_RV hl_luna_with_slot(CK_SLOT_ID slot, hl_luna_step_fn step, void *arg);
CK_ULONG hl_luna_method(hl_device_t *dev);
/* HL_ERR_LUNA_STATE (hint logged) unless the device is in state want; HL_ERR_LUNA_STM when
 * it is in Secure Transport Mode and want is another state; HL_ERR_LUNA_TAMPERED while a
 * tamper event halts it (L14). */
hl_status_t hl_luna_need_state(hl_device_t *dev, const char *want, const char *hint);
/* HL_ERR_LUNA_TAMPERED (logged) while a tamper event halts the HSM: until a reset (luna
 * power off/on, as lunareset on a USB HSM 7). */
hl_status_t hl_luna_need_untampered(hl_device_t *dev);
hl_status_t hl_luna_need_partition(hl_device_t *dev);
/* A new password against the profile's rules (length range, digits only), checked before
 * the step's first change: HL_ERR_PIN_LEN_RANGE / HL_ERR_PIN_INVALID with a message naming
 * the step, whose password and the rule ("nothing changed"). */
hl_status_t hl_luna_password_ok(const hl_device_t *dev, const char *step, const char *whose,
				const char *pw);
/* The HSM SO authenticates: a wrong password counts (L3), a wrong iKey does not. */
hl_status_t hl_luna_hso_auth(hl_device_t *dev, const hsmlab_luna_auth_t *a);
CK_RV hl_luna_ca_get_status(CK_SLOT_ID slot, hsmlab_luna_status_t *out);
CK_RV hl_luna_ca_get_roles(CK_SLOT_ID slot, hsmlab_luna_roles_t *out);
CK_RV hl_luna_ca_stm_recover(CK_SLOT_ID slot, const char *user, const char *fp,
			     const hsmlab_luna_auth_t *hso);
CK_RV hl_luna_ca_init_hsm(CK_SLOT_ID slot, const char *label, const hsmlab_luna_cred_t *hso,
			  const hsmlab_luna_auth_t *current, const hsmlab_luna_cred_t *domain);
CK_RV hl_luna_ca_login_hsm(CK_SLOT_ID slot, const hsmlab_luna_auth_t *hso);
CK_RV hl_luna_ca_stm_transport(CK_SLOT_ID slot, const hsmlab_luna_auth_t *hso);
CK_RV hl_luna_ca_init_token(CK_SLOT_ID slot, const char *label, const hsmlab_luna_auth_t *factory,
			    const char *so_password, const char *co_password);
/* The PED (luna_ped.c, table 1.2). */
CK_RV hl_luna_ca_set_ped(hsmlab_luna_ped_fn ped, void *ctx);
CK_RV hl_luna_ca_duplicate_ikey(const char *src, const char *dst, const char *pin);
/* Each iKey of a presentation through the PED when one is set, timed on the device clock
 * (device lock held): HL_ERR_LUNA_PED_TIMEOUT (logged, naming the iKey and the timeout) for
 * an answer slower than the PED key interaction timeout, HL_ERR_LUNA_PED_CANCELED when the
 * PED cancels. kind: the iKeys' kind. */
hl_status_t hl_luna_ped_present(hl_device_t *dev, const char *kind, const char *const *ikeys,
				CK_ULONG n);
/* The PED key interaction timeout in seconds: Chrystoki.conf's PEDTimeout2 when set, else
 * the profile's ikey_prompt_timeout_s (0: none). */
uint64_t hl_luna_ped_timeout_s(const hl_device_t *dev);
extern const HSMLAB_LUNA_FUNCTION_LIST hl_luna_functions;
/* Set while the family itself calls the core's C_InitToken path (partition create). */
extern _Thread_local bool hl_luna_internal_init;
/* Partition create's own writes (HSM SO login, partition credentials, records), run by the
 * family's init_token_tx inside the core's C_InitToken transaction, so a cut anywhere leaves
 * no partition or the whole one (luna.c). NULL outside partition create. */
extern _Thread_local hl_luna_step_fn hl_luna_init_body;
extern _Thread_local void *hl_luna_init_arg;
/* C_InitToken's writes (label padded, pin the Partition SO's) with body(dev, arg) run by
 * init_token_tx in the same transaction, the family's own C_InitToken check skipped; inside
 * the caller's open transaction when there is one. Device lock not held. */
hl_status_t hl_luna_init_partition(hl_device_t *dev, const char *pin, const char *label,
				   hl_luna_step_fn body, void *arg);

/* -- policies (luna_policy.c) -- */
/* A policy's value now (HSMLAB_LUNA_POLICY_HSM/_PARTITION, Thales' number): the stored
 * setting, else the profile's default. Device lock held. */
CK_ULONG hl_luna_policy(hl_device_t *dev, CK_ULONG scope, CK_ULONG n);
/* Failed CO (and CU) logins that lock them out: partition policy 20 (the profile's
 * user_max_failed off the lifecycle). Device lock held. */
CK_ULONG hl_luna_co_max_failed(hl_device_t *dev);
/* Inside a zeroize's transaction: the partition's policies go (st: the first error). */
void hl_luna_policy_wipe(hl_device_t *dev, hl_status_t *st);
/* C_InitPIN's gate: HSM policy 15 off refuses the Partition SO's reset of the CO. */
CK_RV hl_luna_init_pin_gate(hl_device_t *dev);
CK_RV hl_luna_ca_get_policy(CK_SLOT_ID slot, CK_ULONG scope, CK_ULONG number, CK_ULONG *value);
CK_RV hl_luna_ca_set_policy(CK_SLOT_ID slot, CK_ULONG scope, CK_ULONG number, CK_ULONG value,
			    const hsmlab_luna_auth_t *by);
/* The Partition SO authenticates (luna_roles.c): a wrong password counts (L3). Device lock
 * not held. */
hl_status_t hl_luna_pso_auth(hl_device_t *dev, const hsmlab_luna_auth_t *by);

/* -- the vendor roles' logins (luna_login.c; device lock held) -- */
/* A role with its own credential beside the CO's (the Crypto User, the Limited Crypto
 * Officer): where its existence and failure count are kept, how the audit and messages name
 * it, and who resets it. */
typedef struct {
	hl_luna_role_t role;
	const char *exists_key, *failed_key, *subject, *name, *resetter;
} hl_luna_own_role_t;
/* C_Login as such a role: its own password (or challenge secret) and failure count, locked
 * at the CO's count (partition policy 20); logged in, it holds the user role. */
CK_RV hl_luna_own_login(hl_device_t *dev, const hl_luna_own_role_t *r, const CK_UTF8CHAR *pin,
			CK_ULONG len);
/* L3: what a wrong password leaves before the role locks, in one line. */
void hl_luna_lockout_left(hl_device_t *dev, const char *role, const char *resetter,
			  uint64_t failed);
/* C_Login as the Limited Crypto Officer (HSMLAB_LUNA_CKU_LIMITED_USER) or the Audit role
 * (HSMLAB_LUNA_CKU_AUDIT, refused on the partition's slot): the family's login_check. */
CK_RV hl_luna_role_login(hl_device_t *dev, CK_USER_TYPE user, const CK_UTF8CHAR *pin, CK_ULONG len);
/* Whether user is one of the partition's key users (CO, CU, LCO), whom the CO's lockout and
 * the activation gate apply to. */
bool hl_luna_key_user(const hl_device_t *dev, CK_USER_TYPE user);
