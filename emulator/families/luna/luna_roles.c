/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna partition and its roles (L12), activation and power (L2),
 * tamper and zeroization, and the "hsmlab luna" table. The Partition SO's and the Crypto
 * Officer's passwords are the core's SO and user PINs (CKU_SO, CKU_USER); on a multifactor
 * partition the CO's core PIN is its challenge secret and the Partition SO's a random one
 * (it authenticates with its iKeys, on the console). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "luna/luna_int.h"
#include "p11/hl_p11.h"

static const char *method_name(CK_ULONG m)
{
	return m == HSMLAB_LUNA_AUTH_PASSWORD ? "password" : "multifactor";
}

static hl_status_t need_method(hl_device_t *dev, CK_ULONG m)
{
	if (m == hl_luna_method(dev))
		return HL_OK;
	hl_p11_log("device %s authenticates by %s until it is zeroized", dev->serial,
		   method_name(hl_luna_method(dev)));
	return HL_ERR_LUNA_METHOD;
}

/* -- partition -- */

typedef struct {
	const char *label;
	const hsmlab_luna_auth_t *hso;
	const hsmlab_luna_cred_t *pso, *domain;
	char details[96];
} part_arg_t;

/* Run inside the core's C_InitToken transaction (luna.c init_token_tx): the HSM SO's login
 * (its failure count reset), the multifactor Partition SO's iKeys, the partition's domain and
 * the records, so a cut leaves no partition or the whole one with its domain record. */
static hl_status_t part_body(hl_device_t *dev, void *arg)
{
	const part_arg_t *a = arg;
	hl_status_t st = hl_store_meta_set_u64(dev->store, "luna_hso_failed", 0);
	if (st == HL_OK)
		st = hl_fam_audit(dev, HL_AUDIT_LOGIN, "hsm-so", NULL);
	if (st == HL_OK && a->pso->method == HSMLAB_LUNA_AUTH_MULTIFACTOR)
		st = hl_luna_cred_put(dev, LU_PSO, a->pso);
	if (st == HL_OK && a->domain)
		st = hl_luna_cred_put(dev, LU_PDOMAIN, a->domain);
	if (st == HL_OK)
		st = hl_fam_audit(dev, HL_AUDIT_STATE_CHANGE, "partition", a->details);
	return st;
}

/* Every input checked before the HSM SO authenticates (a refused partition spends no
 * attempt and writes nothing): the state, the method, the Partition SO password's length. */
static hl_status_t partition_check(hl_device_t *dev, const part_arg_t *a)
{
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_need_state(dev, LU_INIT, "hard init first (luna hsm init)");
	if (st == HL_OK && dev->state == HL_DEV_INITIALIZED) {
		hl_p11_log("device %s already has its partition (re-init the HSM or zeroize)",
			   dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	if (st == HL_OK)
		st = need_method(dev, a->pso->method);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && a->pso->method == HSMLAB_LUNA_AUTH_PASSWORD)
		st = hl_luna_password_ok(dev, "partition create", "Partition SO", a->pso->password);
	return st;
}

static hl_status_t do_partition(hl_device_t *dev, void *arg)
{
	part_arg_t *a = arg;
	CK_UTF8CHAR label[32];
	char pin[65];
	uint8_t rnd[32];
	hl_status_t st = partition_check(dev, a);
	/* The HSM SO's credential checked without a write; a wrong password counts (L3) in its
	 * own commit, a right one is recorded with the partition. */
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = hl_luna_cred_check(dev, LU_HSO, a->hso);
	if (st == HL_ERR_PIN_INCORRECT)
		st = hl_luna_hso_failed(dev);
	pthread_mutex_unlock(&dev->lock);
	/* The core's SO PIN: the Partition SO's password, or a random one nobody knows. */
	bool mf = a->pso->method == HSMLAB_LUNA_AUTH_MULTIFACTOR;
	if (st == HL_OK && mf && (st = hl_crypto_random(rnd, sizeof(rnd))) == HL_OK)
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(pin + 2 * i, 3, "%02x", rnd[i]);
	if (st == HL_OK && !mf)
		snprintf(pin, sizeof(pin), "%s", a->pso->password ? a->pso->password : "");
	memset(label, ' ', sizeof(label));
	memcpy(label, a->label, strlen(a->label) > 32 ? 32 : strlen(a->label));
	snprintf(a->details, sizeof(a->details), "created label=%s method=%s", a->label,
		 method_name(a->pso->method));
	if (st == HL_OK) {
		hl_luna_internal_init = true;
		hl_luna_init_body = part_body;
		hl_luna_init_arg = a;
		st = hl_device_init_token(dev, (const CK_UTF8CHAR *)pin, (CK_ULONG)strlen(pin),
					  label);
		hl_luna_internal_init = false;
		hl_luna_init_body = NULL;
		hl_luna_init_arg = NULL;
	}
	hl_crypto_wipe(pin, sizeof(pin));
	hl_crypto_wipe(rnd, sizeof(rnd));
	if (st == HL_OK && hl_p11_rescan() != CKR_OK)
		st = HL_ERR_INTERNAL;
	return st;
}

static CK_RV create_partition(CK_SLOT_ID slot, const char *label, const hsmlab_luna_auth_t *hso,
			      const hsmlab_luna_cred_t *pso, const hsmlab_luna_cred_t *domain)
{
	part_arg_t a = { label, hso, pso, domain, "" };
	if (!label || !hso || !pso || strlen(label) > 32)
		return CKR_ARGUMENTS_BAD;
	return hl_luna_with_slot(slot, do_partition, &a);
}

/* -- roles -- */

typedef struct {
	CK_ULONG role;
	const hsmlab_luna_auth_t *by;
	const hsmlab_luna_cred_t *cred;
} role_arg_t;

/* Who creates the role authenticates: the Partition SO for the CO, the CO for the CU. A
 * password is the core's PIN of that user, checked (and counted, L3) by re-setting it. */
static hl_status_t role_auth(hl_device_t *dev, CK_ULONG role, const hsmlab_luna_auth_t *by)
{
	CK_USER_TYPE who = role == HSMLAB_LUNA_ROLE_CO ? CKU_SO : CKU_USER;
	if (by->method == HSMLAB_LUNA_AUTH_MULTIFACTOR) {
		pthread_mutex_lock(&dev->lock);
		hl_status_t st = hl_luna_cred_check(dev, who == CKU_SO ? LU_PSO : LU_CO, by);
		pthread_mutex_unlock(&dev->lock);
		return st;
	}
	const char *pw = by->password ? by->password : "";
	CK_ULONG n = (CK_ULONG)strlen(pw);
	hl_status_t st =
	    hl_device_set_pin(dev, who, (const CK_UTF8CHAR *)pw, n, (const CK_UTF8CHAR *)pw, n);
	if (st == HL_ERR_PIN_LEN_RANGE || st == HL_ERR_PIN_INVALID)
		st = HL_ERR_PIN_INCORRECT; /* no such password can be right */
	if (st == HL_ERR_PIN_LOCKED && who == CKU_USER)
		st = HL_ERR_LUNA_LOCKED_OUT; /* L3: the CO is locked out (locked_out_code) */
	if (st == HL_ERR_PIN_INCORRECT || st == HL_ERR_PIN_LOCKED || st == HL_ERR_LUNA_LOCKED_OUT) {
		pthread_mutex_lock(&dev->lock);
		hl_fam_audit(dev, HL_AUDIT_LOGIN_FAILED, who == CKU_SO ? "so" : "user", NULL);
		if (who == CKU_SO)
			hl_luna_pso_check(dev);
		pthread_mutex_unlock(&dev->lock);
	}
	return st;
}

hl_status_t hl_luna_pso_auth(hl_device_t *dev, const hsmlab_luna_auth_t *by)
{
	return role_auth(dev, HSMLAB_LUNA_ROLE_CO, by); /* who creates the CO: the Partition SO */
}

static hl_luna_role_t role_of(CK_ULONG role)
{
	return role == HSMLAB_LUNA_ROLE_CO    ? LU_CO
	       : role == HSMLAB_LUNA_ROLE_LCO ? LU_LCO
	       : role == HSMLAB_LUNA_ROLE_CU  ? LU_CU
					      : LU_AUDIT;
}

static const char *role_subject(CK_ULONG role)
{
	return role == HSMLAB_LUNA_ROLE_CO    ? "crypto-officer"
	       : role == HSMLAB_LUNA_ROLE_LCO ? "limited-crypto-officer"
	       : role == HSMLAB_LUNA_ROLE_CU  ? "crypto-user"
					      : "audit";
}

static hl_status_t role_body(hl_device_t *dev, void *arg)
{
	const role_arg_t *a = arg;
	bool co = a->role == HSMLAB_LUNA_ROLE_CO;
	hl_luna_role_t r = role_of(a->role);
	/* A new CO starts a new chain of roles: the old CU and LCO go; a new CU, LCO or Audit
	 * role replaces the old one. */
	hl_status_t st = hl_luna_cred_delete(dev, co ? LU_CU : r);
	if (st == HL_OK && co)
		st = hl_luna_cred_delete(dev, LU_LCO);
	if (st == HL_OK && (!co || a->cred->method == HSMLAB_LUNA_AUTH_MULTIFACTOR))
		st = hl_luna_cred_put(dev, r, a->cred);
	if (st == HL_OK && (r == LU_CU || r == LU_LCO))
		st = hl_store_meta_set_u64(dev->store,
					   r == LU_CU ? "luna_cu_failed" : "luna_lco_failed", 0);
	return st;
}

static hl_status_t role_check(hl_device_t *dev, const role_arg_t *a, const char **secret)
{
	bool co = a->role == HSMLAB_LUNA_ROLE_CO, mf;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_need_partition(dev);
	if (st == HL_OK && !co && !dev->user_pin_set) {
		hl_p11_log("device %s: the Crypto Officer comes before the %s", dev->serial,
			   role_subject(a->role));
		st = HL_ERR_LUNA_STATE;
	}
	if (st == HL_OK)
		st = need_method(dev, a->cred->method);
	if (st == HL_OK)
		st = need_method(dev, a->by->method);
	pthread_mutex_unlock(&dev->lock);
	mf = a->cred->method == HSMLAB_LUNA_AUTH_MULTIFACTOR;
	*secret = mf ? a->cred->challenge : a->cred->password;
	CK_ULONG n = *secret ? (CK_ULONG)strlen(*secret) : 0;
	if (st == HL_OK &&
	    (!*secret || hl_device_check_pin(dev, (const CK_UTF8CHAR *)*secret, n) != HL_OK)) {
		hl_p11_log("%s: the %s must be %lu to %lu characters", role_subject(a->role),
			   mf ? "challenge secret" : "password", dev->profile->pin_min,
			   dev->profile->pin_max);
		st = HL_ERR_PIN_LEN_RANGE;
	}
	return st;
}

static hl_status_t do_role(hl_device_t *dev, void *arg)
{
	const role_arg_t *a = arg;
	const char *secret = NULL;
	bool co = a->role == HSMLAB_LUNA_ROLE_CO;
	hl_status_t st = role_check(dev, a, &secret);
	if (st == HL_OK)
		st = role_auth(dev, a->role, a->by);
	if (st == HL_OK && co) /* the CO's password or challenge secret is the core's PIN */
		st = hl_device_init_pin(dev, (const CK_UTF8CHAR *)secret, (CK_ULONG)strlen(secret));
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = hl_luna_commit(
		    dev, role_body, (void *)a, HL_AUDIT_STATE_CHANGE, role_subject(a->role),
		    a->cred->method == HSMLAB_LUNA_AUTH_MULTIFACTOR ? "created iKeys" : "created");
	pthread_mutex_unlock(&dev->lock);
	return st;
}

/* The Audit role (HSMLAB_LUNA_ROLE_AUDIT), by the HSM SO on an initialized HSM (lunacm role
 * init -name au: thalesdocs.com/gphsm/luna/7.7.0/docs/pci/Content/lunacm/commands/role/
 * role_init.htm). It lives on the HSM's admin partition, so it outlives the partition. */
static hl_status_t do_audit_role(hl_device_t *dev, void *arg)
{
	const role_arg_t *a = arg;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_need_state(dev, LU_INIT, "hard init first (luna hsm init)");
	if (st == HL_OK)
		st = need_method(dev, a->cred->method);
	if (st == HL_OK)
		st = need_method(dev, a->by->method);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && a->cred->method == HSMLAB_LUNA_AUTH_PASSWORD)
		st = hl_luna_password_ok(dev, "role init au", "Audit", a->cred->password);
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = hl_luna_hso_auth(dev, a->by);
	if (st == HL_OK)
		st = hl_luna_commit(
		    dev, role_body, (void *)a, HL_AUDIT_STATE_CHANGE, "audit",
		    a->cred->method == HSMLAB_LUNA_AUTH_MULTIFACTOR ? "created iKeys" : "created");
	pthread_mutex_unlock(&dev->lock);
	return st;
}

/* The CO by the Partition SO; the CU and (1.2) the LCO by the CO (lunacm role init -name
 * lco: "The CO initializes the LCO", role_init.htm); (1.2) the Audit role by the HSM SO. */
static CK_RV init_role(CK_SLOT_ID slot, CK_ULONG role, const hsmlab_luna_auth_t *by,
		       const hsmlab_luna_cred_t *cred)
{
	role_arg_t a = { role, by, cred };
	if (!by || !cred ||
	    (role != HSMLAB_LUNA_ROLE_CO && role != HSMLAB_LUNA_ROLE_CU &&
	     role != HSMLAB_LUNA_ROLE_LCO && role != HSMLAB_LUNA_ROLE_AUDIT))
		return CKR_ARGUMENTS_BAD;
	return hl_luna_with_slot(slot, role == HSMLAB_LUNA_ROLE_AUDIT ? do_audit_role : do_role,
				 &a);
}

/* -- activation, power, tamper (L2) -- */

typedef struct {
	const hsmlab_luna_auth_t *co;
	const char *challenge;
} act_arg_t;

static hl_status_t set_activated(hl_device_t *dev, void *arg)
{
	int64_t now = *(const int64_t *)arg;
	return hl_store_meta_set_u64(dev->store, "luna_activated", (uint64_t)(now > 0 ? now : 1));
}

static hl_status_t activate_check(hl_device_t *dev, const act_arg_t *a)
{
	hl_status_t st = hl_luna_need_partition(dev);
	if (st == HL_OK && hl_luna_u64(dev, "luna_power_off")) {
		hl_p11_log("device %s is powered off", dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	if (st == HL_OK && !dev->user_pin_set) {
		hl_p11_log("device %s has no Crypto Officer yet", dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	/* Partition policy 22 (thalesdocs.com/gphsm/luna/7.7.0/docs/network/Content/
	 * admin_partition/partition_roles/activation.htm): the Partition SO allows activation;
	 * the code a real Luna returns is not public (HL_ERR_LUNA_STATE's is a guess). */
	if (st == HL_OK && !hl_luna_policy(dev, HSMLAB_LUNA_POLICY_PARTITION, 22)) {
		hl_p11_log(
		    "device %s: partition policy 22 (Allow activation) is off (the Partition "
		    "SO sets it: luna partition policy set DEVICE 22 1)",
		    dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	if (st == HL_OK)
		st = need_method(dev, a->co->method);
	if (st == HL_OK && a->challenge && a->co->method != HSMLAB_LUNA_AUTH_MULTIFACTOR) {
		hl_p11_log("device %s: a password partition has no challenge secret", dev->serial);
		st = HL_ERR_ARGS;
	}
	return st;
}

/* L2: the CO's iKeys activate a multifactor partition, which C_Login then needs. A password
 * partition activates with the CO's password (lunacm allows it) but logs in without. */
static hl_status_t do_activate(hl_device_t *dev, void *arg)
{
	const act_arg_t *a = arg;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = activate_check(dev, a);
	bool mf = a->co->method == HSMLAB_LUNA_AUTH_MULTIFACTOR;
	if (st == HL_OK && mf)
		st = hl_luna_cred_check(dev, LU_CO, a->co);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && !mf)
		st = role_auth(dev, HSMLAB_LUNA_ROLE_CU, a->co); /* the CO's password */
	pthread_mutex_lock(&dev->lock);
	int64_t now = hl_luna_now(dev);
	if (st == HL_OK)
		st = hl_luna_commit(dev, set_activated, &now, HL_AUDIT_ACTIVATE, "partition",
				    a->challenge ? "challenge secret set" : NULL);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && a->challenge)
		st = hl_device_init_pin(dev, (const CK_UTF8CHAR *)a->challenge,
					(CK_ULONG)strlen(a->challenge));
	return st;
}

static CK_RV activate(CK_SLOT_ID slot, const hsmlab_luna_auth_t *co, const char *challenge)
{
	act_arg_t a = { co, challenge };
	return co ? hl_luna_with_slot(slot, do_activate, &a) : CKR_ARGUMENTS_BAD;
}

static hl_status_t clear_activation(hl_device_t *dev, void *arg)
{
	(void)arg;
	return hl_store_meta_delete(dev->store, "luna_activated");
}

static hl_status_t do_deactivate(hl_device_t *dev, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_need_partition(dev);
	if (st == HL_OK)
		st = hl_luna_commit(dev, clear_activation, NULL, HL_AUDIT_DEACTIVATE, "partition",
				    NULL);
	dev->login = HL_NOT_LOGGED_IN;
	pthread_mutex_unlock(&dev->lock);
	return st;
}

static CK_RV deactivate(CK_SLOT_ID slot)
{
	return hl_luna_with_slot(slot, do_deactivate, NULL);
}

typedef struct {
	bool on, keep;
	int64_t now;
} power_arg_t;

static hl_status_t power_body(hl_device_t *dev, void *arg)
{
	const power_arg_t *a = arg;
	if (!a->on)
		return hl_store_meta_set_u64(dev->store, "luna_power_off",
					     (uint64_t)(a->now > 0 ? a->now : 1));
	hl_status_t st = hl_store_meta_delete(dev->store, "luna_power_off");
	if (st == HL_OK) /* the reset that ends a tamper halt (L14) */
		st = hl_store_meta_delete(dev->store, "luna_tampered");
	if (st == HL_OK && !a->keep)
		st = clear_activation(dev, NULL);
	return st;
}

static hl_status_t do_power(hl_device_t *dev, void *arg)
{
	power_arg_t *a = arg;
	char details[128];
	pthread_mutex_lock(&dev->lock);
	uint64_t off = hl_luna_u64(dev, "luna_power_off");
	bool active = hl_luna_u64(dev, "luna_activated") != 0;
	a->now = hl_luna_now(dev);
	hl_status_t st = HL_OK;
	if ((off != 0) == !a->on) {
		hl_p11_log("device %s is already powered %s", dev->serial, a->on ? "on" : "off");
		st = HL_ERR_LUNA_STATE;
	}
	/* L2: activation survives an outage only with auto-activation (partition policy 23),
	 * and then no longer than the grace; the outage is measured on the device clock
	 * (libfaketime or clock set move it). */
	int64_t outage = a->now - (int64_t)off;
	long grace = (long)hl_luna_switches(dev)->activation_outage_grace_s;
	bool autoact = hl_luna_policy(dev, HSMLAB_LUNA_POLICY_PARTITION, 23) != 0;
	a->keep = a->on && active && autoact && outage >= 0 && outage <= grace;
	if (a->on)
		snprintf(details, sizeof(details), "on after %llds: activation %s%s",
			 (long long)outage,
			 !active   ? "none"
			 : a->keep ? "kept"
				   : "cleared",
			 active && !autoact ? " (policy 23 off)" : "");
	else
		snprintf(details, sizeof(details), "off");
	if (st == HL_OK)
		st = hl_luna_commit(dev, power_body, a, HL_AUDIT_STATE_CHANGE, "power", details);
	if (st == HL_OK)
		dev->login = HL_NOT_LOGGED_IN; /* a power cycle ends every login */
	pthread_mutex_unlock(&dev->lock);
	return st;
}

static CK_RV power(CK_SLOT_ID slot, CK_BBOOL on)
{
	power_arg_t a = { on != CK_FALSE, false, 0 };
	return hl_luna_with_slot(slot, do_power, &a);
}

/* L14 (thalesdocs.com/gphsm/luna/7/docs/usb/Content/admin_hsm/operational_security.htm):
 * a tamper event halts the HSM and deactivates its partitions; it stays halted (every login
 * and lifecycle step refused, tampered_code) until a reset, which luna power off/on is. */
static hl_status_t tamper_body(hl_device_t *dev, void *arg)
{
	hl_status_t st = hl_store_meta_set_u64(dev->store, "luna_tampered", 1);
	if (st == HL_OK && *(const bool *)arg)
		st = clear_activation(dev, NULL);
	return st;
}

static hl_status_t do_tamper(hl_device_t *dev, void *arg)
{
	(void)arg;
	bool clears = hl_luna_switches(dev)->tamper_clears_activation;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_commit(dev, tamper_body, &clears, HL_AUDIT_STATE_CHANGE, "tamper",
					clears ? "halted; working memory cleared: activation "
						 "cleared"
					       : "halted");
	if (st == HL_OK)
		dev->login = HL_NOT_LOGGED_IN; /* the halt ends every login */
	pthread_mutex_unlock(&dev->lock);
	return st;
}

static CK_RV tamper(CK_SLOT_ID slot)
{
	return hl_luna_with_slot(slot, do_tamper, NULL);
}

static hl_status_t do_zeroize(hl_device_t *dev, void *arg)
{
	(void)arg;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_zeroize(dev, true, "console");
	pthread_mutex_unlock(&dev->lock);
	return st;
}

static CK_RV zeroize(CK_SLOT_ID slot)
{
	return hl_luna_with_slot(slot, do_zeroize, NULL);
}

const HSMLAB_LUNA_FUNCTION_LIST hl_luna_functions = {
	.version = { HSMLAB_LUNA_VERSION_MAJOR, HSMLAB_LUNA_VERSION_MINOR },
	.hsmlab_CA_GetStatus = hl_luna_ca_get_status,
	.hsmlab_CA_RecoverSTM = hl_luna_ca_stm_recover,
	.hsmlab_CA_InitHSM = hl_luna_ca_init_hsm,
	.hsmlab_CA_LoginHSM = hl_luna_ca_login_hsm,
	.hsmlab_CA_CreatePartition = create_partition,
	.hsmlab_CA_InitRole = init_role,
	.hsmlab_CA_Activate = activate,
	.hsmlab_CA_Deactivate = deactivate,
	.hsmlab_CA_Power = power,
	.hsmlab_CA_Tamper = tamper,
	.hsmlab_CA_Zeroize = zeroize,
	.hsmlab_CA_TransportSTM = hl_luna_ca_stm_transport,
	.hsmlab_CA_InitToken = hl_luna_ca_init_token,
	.hsmlab_CA_GetPolicy = hl_luna_ca_get_policy,
	.hsmlab_CA_SetPolicy = hl_luna_ca_set_policy,
	.hsmlab_CA_SetPED = hl_luna_ca_set_ped,
	.hsmlab_CA_DuplicateIKey = hl_luna_ca_duplicate_ikey,
	.hsmlab_CA_GetRoles = hl_luna_ca_get_roles,
};
