/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna family's hooks (L1, L2, L3, L12). C_InitToken is the partition
 * init by the Partition SO, refused before hard init; C_Login is refused on a multifactor
 * partition until its CO's iKeys activated it (then the PIN is the challenge secret); the
 * Crypto User (L1) has its own credential, checked here, and only signs and verifies; 10
 * failed Partition SO logins zeroize the partition. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "luna/hl_luna.h"
#include "luna/luna_int.h"
#include "p11/hl_p11.h"

/* -- who is logged in as the Crypto User (per process, like PKCS#11 login state) -- */

#define MAX_CU 64
static pthread_mutex_t cu_lock = PTHREAD_MUTEX_INITIALIZER;
static const hl_device_t *cu_devs[MAX_CU];

static void cu_mark(const hl_device_t *dev, bool on)
{
	pthread_mutex_lock(&cu_lock);
	for (size_t i = 0; i < MAX_CU; i++)
		if (cu_devs[i] == dev)
			cu_devs[i] = NULL;
	for (size_t i = 0; on && i < MAX_CU; i++)
		if (!cu_devs[i]) {
			cu_devs[i] = dev;
			break;
		}
	pthread_mutex_unlock(&cu_lock);
}

static bool cu_is(const hl_device_t *dev)
{
	bool is = false;
	pthread_mutex_lock(&cu_lock);
	for (size_t i = 0; i < MAX_CU; i++)
		is = is || cu_devs[i] == dev;
	pthread_mutex_unlock(&cu_lock);
	return is && dev->login == CKU_USER;
}

static bool multifactor(hl_device_t *dev)
{
	return hl_luna_method(dev) == HSMLAB_LUNA_AUTH_MULTIFACTOR;
}

/* -- hooks -- */

static hl_status_t luna_init_token(hl_device_t *dev, const CK_UTF8CHAR *so_pin, CK_ULONG len,
				   const CK_UTF8CHAR label[32])
{
	char state[16];
	(void)so_pin;
	(void)len;
	(void)label;
	if (!hl_luna_on(dev) || hl_luna_internal_init)
		return HL_OK;
	hl_luna_state(dev, state, sizeof(state));
	if (strcmp(state, LU_INIT)) {
		hl_p11_log(
		    "Luna device %s is %s: C_InitToken initializes its partition, which needs "
		    "the HSM hard-initialized first (hsmlab-admin -f luna luna stm recover, "
		    "luna hsm init; or token init)",
		    dev->serial, !strcmp(state, LU_TRANSPORT) ? "in Secure Transport Mode" : state);
		/* L12: in transport the profile's stm_refused_code (luna_status_rv) */
		return !strcmp(state, LU_TRANSPORT) ? HL_ERR_LUNA_STM : HL_ERR_LUNA_STATE;
	}
	if (multifactor(dev)) {
		hl_p11_log(
		    "Luna device %s is multifactor: its partition is created with the HSM SO's "
		    "iKeys (hsmlab-admin -f luna luna partition create)",
		    dev->serial);
		return HL_ERR_LUNA_METHOD;
	}
	return HL_OK;
}

/* Inside C_InitToken's store transaction: the old token's Crypto User (L1: its verifier and
 * failure count, kept by the family) goes with it, and partition create's own records
 * commit with the new token (luna_roles.c). */
static hl_status_t luna_init_token_tx(hl_device_t *dev)
{
	if (!hl_luna_on(dev))
		return HL_OK;
	hl_status_t st = hl_luna_cred_delete(dev, LU_CU);
	if (st == HL_OK) /* and its Limited Crypto Officer */
		st = hl_luna_cred_delete(dev, LU_LCO);
	if (st == HL_OK)
		st = hl_store_meta_delete(dev->store, "luna_cu_failed");
	if (st == HL_ERR_NOT_FOUND)
		st = HL_OK;
	if (st == HL_OK && hl_luna_init_body)
		st = hl_luna_init_body(dev, hl_luna_init_arg);
	if (st == HL_OK)
		cu_mark(dev, false);
	return st;
}

/* L3 (partition_login.htm): the CO's failures reaching user_max_failed lock the CO and the
 * CU; a login to either is refused before any PIN is checked, and recorded. */
static hl_status_t co_locked(hl_device_t *dev, const char *who)
{
	CK_ULONG max = hl_luna_co_max_failed(dev); /* partition policy 20 */
	if (!max || dev->user_failed < max)
		return HL_OK;
	hl_fam_audit(dev, HL_AUDIT_LOGIN_FAILED, who, "locked out");
	hl_p11_log("Luna device %s: the Crypto Officer is locked out after %llu failed logins, "
		   "and the Crypto User with it (%s)",
		   dev->serial, (unsigned long long)dev->user_failed,
		   hl_luna_policy(dev, HSMLAB_LUNA_POLICY_HSM, 15)
		       ? "the Partition SO resets it"
		       : "for good: HSM policy 15 is off, the partition must be initialized again");
	return HL_ERR_LUNA_LOCKED_OUT;
}

static CK_RV luna_login_gate(hl_device_t *dev, CK_USER_TYPE user)
{
	if (!hl_luna_on(dev))
		return CKR_OK;
	if (hl_luna_u64(dev, "luna_power_off")) {
		hl_p11_log("Luna device %s is powered off (luna power on)", dev->serial);
		return CKR_DEVICE_REMOVED;
	}
	hl_device_refresh_locked(dev); /* another process's failures and tamper count too */
	hl_status_t st = hl_luna_need_untampered(dev);
	char state[16];
	hl_luna_state(dev, state, sizeof(state));
	if (st == HL_OK && !strcmp(state, LU_TRANSPORT)) { /* stm transport keeps the partition */
		hl_p11_log("Luna device %s is in Secure Transport Mode (luna stm recover)",
			   dev->serial);
		st = HL_ERR_LUNA_STM;
	}
	if (st == HL_OK && hl_luna_key_user(dev, user)) /* CO, CU, LCO (luna_login.c) */
		st =
		    co_locked(dev, user == CKU_USER                       ? "user"
				   : user == HSMLAB_LUNA_CKU_LIMITED_USER ? "limited-crypto-officer"
									  : "crypto-user");
	if (st != HL_OK)
		return hl_luna_rv(dev, st);
	/* L2: the CO's and CU's logins need the partition activated by the CO's iKeys. The
	 * code a real Luna returns is not public: CKR_FUNCTION_FAILED is a guess. */
	if (multifactor(dev) && hl_luna_switches(dev)->activation_required &&
	    hl_luna_key_user(dev, user) && !hl_luna_u64(dev, "luna_activated")) {
		hl_p11_log("Luna device %s: the partition is not activated (present the Crypto "
			   "Officer's iKeys: luna activate)",
			   dev->serial);
		return CKR_FUNCTION_FAILED;
	}
	return CKR_OK;
}

void hl_luna_lockout_left(hl_device_t *dev, const char *role, const char *resetter, uint64_t failed)
{
	CK_ULONG max = hl_luna_co_max_failed(dev);
	if (!hl_luna_on(dev) || !max || !failed)
		return;
	if (failed >= max)
		hl_p11_log("%s: %llu wrong passwords: locked (%s resets it)", role,
			   (unsigned long long)failed, resetter);
	else
		hl_p11_log("%s: wrong password (%llu of %lu: %llu more and it locks)", role,
			   (unsigned long long)failed, max, (unsigned long long)(max - failed));
}

/* L1: the Crypto User's own password (or challenge secret), its own failure count (L3: the
 * profile's user_max_failed, which a policy may lower, locks it; the CO's count reaching it
 * locks the CU too, while the CU's own failures leave the CO alone). */
static CK_RV cu_login(hl_device_t *dev, const CK_UTF8CHAR *pin, CK_ULONG len)
{
	static const hl_luna_own_role_t cu = { LU_CU,         "luna_cu",     "luna_cu_failed",
					       "crypto-user", "Crypto User", "the Partition SO" };
	CK_RV rv = hl_luna_own_login(dev, &cu, pin, len);
	if (rv == CKR_OK)
		cu_mark(dev, true); /* the user role holds the keys; cu_is() narrows it */
	return rv;
}

static CK_RV luna_login_check(hl_device_t *dev, CK_USER_TYPE user, const CK_UTF8CHAR *pin,
			      CK_ULONG len)
{
	CK_USER_TYPE cu = (CK_USER_TYPE)(dev->profile ? dev->profile->core.crypto_user_type : 0);
	if (!hl_luna_on(dev))
		return HL_FAMILY_LOGIN_CORE;
	bool mf = multifactor(dev);
	/* No PED here to supply the credential: a NULL PIN is refused, not counted. */
	if (mf && !pin) {
		hl_p11_log("Luna device %s: no PED to supply the credential: pass the challenge "
			   "secret as the PIN",
			   dev->serial);
		return CKR_PIN_INCORRECT;
	}
	if (mf && user == CKU_SO) {
		hl_p11_log("Luna device %s: the Partition SO of a multifactor partition "
			   "authenticates with its iKeys (hsmlab-admin luna commands)",
			   dev->serial);
		return CKR_FUNCTION_NOT_SUPPORTED;
	}
	if (cu && user == cu)
		return cu_login(dev, pin, len);
	if (user == HSMLAB_LUNA_CKU_LIMITED_USER || user == HSMLAB_LUNA_CKU_AUDIT)
		return hl_luna_role_login(dev, user, pin, len); /* vendor table 1.2 roles */
	if (user == CKU_USER && dev->login == HL_NOT_LOGGED_IN)
		cu_mark(dev, false); /* not while the CU is in: the core refuses that login */
	return HL_FAMILY_LOGIN_CORE;
}

/* L2: only a multifactor partition has a protected authentication path. */
static void luna_token_info(hl_device_t *dev, CK_TOKEN_INFO *info)
{
	if (!hl_luna_on(dev))
		return;
	if (multifactor(dev))
		info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
	else
		info->flags &= ~(CK_FLAGS)CKF_PROTECTED_AUTHENTICATION_PATH;
}

/* L1: the Crypto User signs and verifies; making objects is the CO's (the code is a guess). */
static CK_RV luna_create_gate(hl_device_t *dev)
{
	if (!hl_luna_on(dev) || !cu_is(dev))
		return CKR_OK;
	hl_p11_log("Luna device %s: the Crypto User only signs and verifies", dev->serial);
	return CKR_USER_NOT_LOGGED_IN;
}

static void luna_on_event(hl_device_t *dev, hl_family_event_t ev, const char *subject)
{
	hl_fam_on_event(dev, ev, subject);
	if (ev == HL_FAMILY_EV_LOGIN_FAILED && subject && !strcmp(subject, "so"))
		hl_luna_pso_check(dev);
	if (ev == HL_FAMILY_EV_LOGIN_FAILED && subject && !strcmp(subject, "user"))
		hl_luna_lockout_left(dev, "Crypto Officer", "the Partition SO", dev->user_failed);
	if (ev == HL_FAMILY_EV_LOGOUT)
		cu_mark(dev, false);
}

static void luna_device_free(hl_device_t *dev)
{
	cu_mark(dev, false);
	hl_fam_device_free(dev);
}

static const hl_status_desc_t statuses[HL_LUNA_ST_COUNT] = {
	[HL_LUNA_ST_STATE] = { "HL_ERR_LUNA_STATE", CKR_OPERATION_NOT_INITIALIZED,
			       "the Luna is not in the lifecycle state this step needs" },
	[HL_LUNA_ST_METHOD] = { "HL_ERR_LUNA_METHOD", CKR_FUNCTION_FAILED,
				"the Luna's authentication method is fixed until it is zeroized" },
	/* The spec's codes for these four; a profile gives the device's own (hl_luna_rv). */
	[HL_LUNA_ST_LOCKED_OUT] = { "HL_ERR_LUNA_LOCKED_OUT", CKR_PIN_LOCKED,
				    "the Luna's Crypto Officer (and Crypto User) is locked out" },
	[HL_LUNA_ST_SO_THRESHOLD] = { "HL_ERR_LUNA_SO_THRESHOLD", CKR_PIN_INCORRECT,
				      "the HSM SO's failed logins reached the limit: zeroized" },
	[HL_LUNA_ST_STM] = { "HL_ERR_LUNA_STM", CKR_OPERATION_NOT_INITIALIZED,
			     "the Luna is in Secure Transport Mode" },
	[HL_LUNA_ST_TAMPERED] = { "HL_ERR_LUNA_TAMPERED", CKR_DEVICE_ERROR,
				  "a tamper event halted the Luna (reset it: luna power off/on)" },
	/* L12: the spec's nearest codes; a profile gives the device's own (CKR_TIMEOUT). */
	[HL_LUNA_ST_PED_TIMEOUT] = { "HL_ERR_LUNA_PED_TIMEOUT", CKR_FUNCTION_CANCELED,
				     "an iKey prompt was not answered within the PED timeout" },
	[HL_LUNA_ST_PED_CANCELED] = { "HL_ERR_LUNA_PED_CANCELED", CKR_FUNCTION_CANCELED,
				      "the PED cancelled the iKey prompt" },
};

hl_status_t hl_luna_status(hl_luna_status_id_t id)
{
	return hl_status_of(statuses, HL_LUNA_ST_COUNT, (size_t)id);
}

CK_RV hl_luna_rv(const hl_device_t *dev, hl_status_t st)
{
	const lu_switches_t *sw = hl_luna_switches(dev);
	CK_ULONG code = st == HL_ERR_LUNA_LOCKED_OUT     ? sw->locked_out_code
			: st == HL_ERR_LUNA_SO_THRESHOLD ? sw->so_threshold_code
			: st == HL_ERR_LUNA_STM          ? sw->stm_refused_code
			: st == HL_ERR_LUNA_TAMPERED     ? sw->tampered_code
			: st == HL_ERR_LUNA_PED_TIMEOUT  ? sw->ped_timeout_code
							 : 0;
	return code ? (CK_RV)code : hl_p11_rv(st);
}

const hl_family_t hl_luna_family = {
	.name = "luna",
	.model = "Luna",
	.init_token = luna_init_token,
	.ext_interface_name = HSMLAB_FAMILY_INTERFACE_NAME,
	.ext_version = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR },
	.ext_functions = (void *)&hl_fam_ext_functions,
	.on_event = luna_on_event,
	.device_free = luna_device_free,
	.vendor_interface_name = HSMLAB_LUNA_INTERFACE_NAME,
	.vendor_version = { HSMLAB_LUNA_VERSION_MAJOR, HSMLAB_LUNA_VERSION_MINOR },
	.vendor_functions = (void *)&hl_luna_functions,
	.login_gate = luna_login_gate,
	.login_check = luna_login_check,
	.token_info = luna_token_info,
	.create_gate = luna_create_gate,
	.backup_format = &hl_luna_backup_format,
	.backup_domain_card = LU_CARD_DOMAIN,
	.quirks = hl_luna_quirks,
	.quirk_size = sizeof(lu_switches_t),
	.init_token_tx = luna_init_token_tx,
	.device_loaded = hl_fam_clone_resolve,
	.status_rv = hl_luna_rv,
	.init_pin_gate = hl_luna_init_pin_gate,
	.client_config = hl_luna_client_config,
};
