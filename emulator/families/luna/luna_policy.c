/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna HSM and partition policies the family enforces (quirks.md L2, L3,
 * L4; emulator/doc/luna.md "Roles and policies"), with Thales' numbers: HSM 12 (allow
 * non-FIPS algorithms) and 15 (the Partition SO may reset the CO's credential), partition 20
 * (failed CO/CU logins before the lockout), 22 (allow activation), 23 (allow
 * auto-activation) and 43 (allow non-FIPS algorithms). A setting is kept in the device store
 * (meta luna_hpol_<n>, luna_ppol_<n>), so it survives a restart and every process sees it;
 * absent, the profile's default applies. HSM policies survive a zeroize (Thales' hsm zeroize
 * keeps them), partition ones go with the partition. */
#include <stdio.h>
#include <string.h>

#include "luna/luna_int.h"
#include "p11/hl_p11.h"

typedef struct {
	CK_ULONG scope, number;
	const char *name;
	bool destroys_on, destroys_off; /* Thales' "destructive": the partition goes */
} pol_t;

/* thalesdocs.com/gphsm/luna/7/docs/usb/Content/admin_usb/hsm/policies/
 * hsm_capabilities_and_policies.htm and .../partition/policies (the numbers and names). */
static const pol_t pols[] = {
	{ HSMLAB_LUNA_POLICY_HSM, 12, "Allow non-FIPS algorithms", true, true },
	{ HSMLAB_LUNA_POLICY_HSM, 15, "Enable SO reset of partition PIN", true, false },
	{ HSMLAB_LUNA_POLICY_PARTITION, 20, "Max failed user logins allowed", false, false },
	{ HSMLAB_LUNA_POLICY_PARTITION, 22, "Allow activation", false, false },
	{ HSMLAB_LUNA_POLICY_PARTITION, 23, "Allow auto-activation", false, false },
	{ HSMLAB_LUNA_POLICY_PARTITION, 43, "Allow non-FIPS algorithms", false, false },
};

static const pol_t *find(CK_ULONG scope, CK_ULONG n)
{
	for (size_t i = 0; i < sizeof(pols) / sizeof(*pols); i++)
		if (pols[i].scope == scope && pols[i].number == n)
			return &pols[i];
	return NULL;
}

static void key_of(char *buf, size_t len, CK_ULONG scope, CK_ULONG n)
{
	snprintf(buf, len, "luna_%spol_%lu", scope == HSMLAB_LUNA_POLICY_HSM ? "h" : "p", n);
}

/* The profile's default: the Luna profile's switches, and policy 20 its user_max_failed. */
static CK_ULONG default_of(const hl_device_t *dev, CK_ULONG scope, CK_ULONG n)
{
	const lu_switches_t *sw = hl_luna_switches(dev);
	if (scope == HSMLAB_LUNA_POLICY_HSM)
		return n == 12 ? sw->policy_non_fips : sw->policy_so_reset_pin;
	switch (n) {
	case 20:
		return dev->profile ? dev->profile->user_max_failed : 0;
	case 22:
		return sw->policy_activation;
	case 23:
		return sw->policy_auto_activation;
	default:
		return sw->policy_partition_non_fips;
	}
}

CK_ULONG hl_luna_policy(hl_device_t *dev, CK_ULONG scope, CK_ULONG n)
{
	char key[32];
	uint64_t v = 0;
	key_of(key, sizeof(key), scope, n);
	if (dev->store && hl_store_meta_get_u64(dev->store, key, &v) == HL_OK)
		return (CK_ULONG)v;
	return default_of(dev, scope, n);
}

CK_ULONG hl_luna_co_max_failed(hl_device_t *dev)
{
	if (!hl_luna_on(dev))
		return dev->profile ? dev->profile->user_max_failed : 0;
	return hl_luna_policy(dev, HSMLAB_LUNA_POLICY_PARTITION, 20);
}

void hl_luna_policy_wipe(hl_device_t *dev, hl_status_t *st)
{
	char key[32];
	for (size_t i = 0; *st == HL_OK && i < sizeof(pols) / sizeof(*pols); i++) {
		if (pols[i].scope != HSMLAB_LUNA_POLICY_PARTITION)
			continue;
		key_of(key, sizeof(key), pols[i].scope, pols[i].number);
		*st = hl_store_meta_delete(dev->store, key);
		if (*st == HL_ERR_NOT_FOUND)
			*st = HL_OK;
	}
}

/* -- changing a policy -- */

typedef struct {
	CK_ULONG scope, number, value;
	const hsmlab_luna_auth_t *by;
	bool destroys;
	char details[96];
} set_arg_t;

/* A policy is never less restrictive than the capability (Thales: "Policies can be set only
 * to more restrictive values than the associated capability"): 20 between 1 and the
 * profile's count, the others 0 or 1, and 43 not on while the HSM's 12 is off. */
static hl_status_t value_ok(hl_device_t *dev, const set_arg_t *a, const pol_t *p)
{
	CK_ULONG max = a->number == 20 ? default_of(dev, a->scope, 20) : 1;
	CK_ULONG min = a->number == 20 ? 1 : 0;
	if (a->value < min || a->value > max) {
		hl_p11_log("policy %lu (%s) takes %lu to %lu, not %lu", a->number, p->name, min,
			   max, a->value);
		return HL_ERR_ARGS;
	}
	if (a->number == 43 && a->value && !hl_luna_policy(dev, HSMLAB_LUNA_POLICY_HSM, 12)) {
		hl_p11_log("partition policy 43 cannot allow non-FIPS algorithms while HSM policy "
			   "12 forbids them");
		return HL_ERR_ARGS;
	}
	return HL_OK;
}

static hl_status_t set_body(hl_device_t *dev, void *arg)
{
	const set_arg_t *a = arg;
	char key[32];
	key_of(key, sizeof(key), a->scope, a->number);
	hl_status_t st = hl_store_meta_set_u64(dev->store, key, a->value);
	/* Activation off ends the activation the partition has (L2). */
	if (st == HL_OK && a->number == 22 && !a->value)
		st = hl_store_meta_delete(dev->store, "luna_activated");
	if (st == HL_ERR_NOT_FOUND)
		st = HL_OK;
	if (st == HL_OK && a->destroys && dev->state == HL_DEV_INITIALIZED)
		st = hl_luna_zeroize(dev, false, "destructive HSM policy change");
	return st;
}

/* Who may change it: the HSM SO for HSM policies, the Partition SO for partition ones, on
 * an initialized HSM (and, for a partition policy, its partition). */
static hl_status_t set_auth(hl_device_t *dev, const set_arg_t *a)
{
	bool hsm = a->scope == HSMLAB_LUNA_POLICY_HSM;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hsm ? hl_luna_need_state(dev, LU_INIT, "hard init first (luna hsm init)")
			     : hl_luna_need_partition(dev);
	if (st == HL_OK && a->by->method != hl_luna_method(dev)) {
		hl_p11_log("device %s authenticates by another method until it is zeroized",
			   dev->serial);
		st = HL_ERR_LUNA_METHOD;
	}
	if (st == HL_OK && hsm)
		st = hl_luna_hso_auth(dev, a->by);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && !hsm)
		st = hl_luna_pso_auth(dev, a->by);
	return st;
}

static hl_status_t do_set(hl_device_t *dev, void *arg)
{
	set_arg_t *a = arg;
	const pol_t *p = find(a->scope, a->number);
	if (!p) {
		hl_p11_log("%s policy %lu is not one hsmlab models (HSM: 12, 15; partition: 20, "
			   "22, 23, 43)",
			   a->scope == HSMLAB_LUNA_POLICY_HSM ? "HSM" : "partition", a->number);
		return HL_ERR_ARGS;
	}
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = value_ok(dev, a, p);
	CK_ULONG old = hl_luna_policy(dev, a->scope, a->number);
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK)
		st = set_auth(dev, a);
	a->destroys = old != a->value && (a->value ? p->destroys_on : p->destroys_off);
	snprintf(a->details, sizeof(a->details), "%s %lu (%s) %lu -> %lu%s",
		 a->scope == HSMLAB_LUNA_POLICY_HSM ? "hsm" : "partition", a->number, p->name, old,
		 a->value, a->destroys ? ": partition zeroized" : "");
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = hl_luna_commit(dev, set_body, a, HL_AUDIT_STATE_CHANGE, "policy", a->details);
	if (st == HL_OK && a->number == 22 && !a->value)
		dev->login = HL_NOT_LOGGED_IN; /* deactivated */
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && a->destroys)
		hl_p11_log("device %s: %s", dev->serial, a->details);
	return st;
}

CK_RV hl_luna_ca_set_policy(CK_SLOT_ID slot, CK_ULONG scope, CK_ULONG number, CK_ULONG value,
			    const hsmlab_luna_auth_t *by)
{
	set_arg_t a = { scope, number, value, by, false, "" };
	if (!by || (scope != HSMLAB_LUNA_POLICY_HSM && scope != HSMLAB_LUNA_POLICY_PARTITION))
		return CKR_ARGUMENTS_BAD;
	return hl_luna_with_slot(slot, do_set, &a);
}

typedef struct {
	CK_ULONG scope, number, *value;
} get_arg_t;

static hl_status_t do_get(hl_device_t *dev, void *arg)
{
	const get_arg_t *a = arg;
	if (!find(a->scope, a->number)) {
		hl_p11_log("policy %lu is not one hsmlab models (HSM: 12, 15; partition: 20, 22, "
			   "23, 43)",
			   a->number);
		return HL_ERR_ARGS;
	}
	pthread_mutex_lock(&dev->lock);
	*a->value = hl_luna_policy(dev, a->scope, a->number);
	pthread_mutex_unlock(&dev->lock);
	return HL_OK;
}

CK_RV hl_luna_ca_get_policy(CK_SLOT_ID slot, CK_ULONG scope, CK_ULONG number, CK_ULONG *value)
{
	get_arg_t a = { scope, number, value };
	if (!value || (scope != HSMLAB_LUNA_POLICY_HSM && scope != HSMLAB_LUNA_POLICY_PARTITION))
		return CKR_ARGUMENTS_BAD;
	return hl_luna_with_slot(slot, do_get, &a);
}

/* HSM policy 15 off (Thales' default): the Partition SO cannot reset the CO's credential,
 * so C_InitPIN on a partition whose CO exists is refused and a locked-out CO stays locked
 * out until the partition is initialized again (partition_login.htm). The code a real Luna
 * returns is not public: CKR_ACTION_PROHIBITED is a guess. */
CK_RV hl_luna_init_pin_gate(hl_device_t *dev)
{
	if (!hl_luna_on(dev))
		return CKR_OK;
	pthread_mutex_lock(&dev->lock);
	bool refuse = dev->user_pin_set && !hl_luna_policy(dev, HSMLAB_LUNA_POLICY_HSM, 15);
	pthread_mutex_unlock(&dev->lock);
	if (!refuse)
		return CKR_OK;
	hl_p11_log("Luna device %s: HSM policy 15 (Enable SO reset of partition PIN) is off: the "
		   "Partition SO cannot reset the Crypto Officer's credential",
		   dev->serial);
	return CKR_ACTION_PROHIBITED;
}
