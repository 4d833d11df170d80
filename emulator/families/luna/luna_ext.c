/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the "hsmlab luna" vendor table (hsmlab/hsmlab-luna.h): Secure Transport
 * Mode, hard init, the partition and its roles, activation, power, tamper and zeroization
 * (L2, L3, L12). Each step checks the lifecycle state first and changes nothing when it
 * refuses; each change commits with its audit record. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "luna/luna_int.h"
#include "p11/hl_p11.h"

_Thread_local bool hl_luna_internal_init;
_Thread_local hl_luna_step_fn hl_luna_init_body;
_Thread_local void *hl_luna_init_arg;

/* A factory device still in its box (the lab's free device, no store yet) is unpacked: its
 * store is made with the serial and slot it is offered under. */
static CK_RV unpack(hl_slot_t *s)
{
	hl_device_t *nd = NULL;
	char err[320] = "";
	hl_status_t st = hl_device_create(hl_p11_lab(), s->dev->profile, s->dev->slot_id,
					  s->dev->serial, &nd, err, sizeof(err));
	if (st != HL_OK) {
		hl_p11_log("%s", err[0] ? err : hl_strerror(st));
		return hl_p11_rv(st);
	}
	hl_device_free(s->dev); /* no session or object can refer to a free device */
	s->dev = nd;
	return hl_p11_rescan();
}

/* Runs step on the device of slot: the p11 write lock held (no session call runs beside a
 * lifecycle step); the step takes the device lock itself. */
CK_RV hl_luna_with_slot(CK_SLOT_ID slot, hl_luna_step_fn step, void *arg)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock();
	hl_slot_t *s = hl_p11_slot(slot);
	CK_RV rv = s ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK && s->dev->broken) {
		hl_p11_log("%s", s->dev->err);
		rv = hl_p11_rv(s->dev->broken);
	}
	if (rv == CKR_OK && s->dev->state == HL_DEV_FREE)
		rv = unpack(s);
	if (rv == CKR_OK && !hl_luna_on(s->dev)) {
		hl_p11_log("profile \"%s\": the Luna lifecycle is switched off (L12 "
			   "secure_transport_mode)",
			   s->dev->profile->name);
		rv = CKR_FUNCTION_NOT_SUPPORTED;
	}
	if (rv == CKR_OK) {
		pthread_mutex_lock(&s->dev->lock);
		hl_device_refresh_locked(s->dev);
		bool ok = hl_fam_state(s->dev) != NULL;
		pthread_mutex_unlock(&s->dev->lock);
		rv = ok ? CKR_OK : CKR_DEVICE_ERROR;
	}
	if (rv == CKR_OK)
		rv = hl_luna_rv(s->dev, step(s->dev, arg));
	hl_p11_unlock();
	return rv;
}

CK_ULONG hl_luna_method(hl_device_t *dev)
{
	return (CK_ULONG)hl_luna_u64(dev, "luna_method");
}

static bool in_state(hl_device_t *dev, const char *want)
{
	char state[16];
	hl_luna_state(dev, state, sizeof(state));
	return !strcmp(state, want);
}

hl_status_t hl_luna_need_untampered(hl_device_t *dev)
{
	if (!hl_luna_u64(dev, "luna_tampered"))
		return HL_OK;
	hl_p11_log("device %s is halted by a tamper event: reset it (luna power off, luna power "
		   "on) before anything else",
		   dev->serial);
	return HL_ERR_LUNA_TAMPERED;
}

/* As hl_luna_need_state, a tamper aside (the HSM SO still logs in to a halted HSM). */
static hl_status_t state_ok(hl_device_t *dev, const char *want, const char *hint)
{
	char state[16];
	hl_luna_state(dev, state, sizeof(state));
	if (!strcmp(state, want))
		return HL_OK;
	bool stm = !strcmp(state, LU_TRANSPORT);
	hl_p11_log("device %s is %s: %s", dev->serial, stm ? "in Secure Transport Mode" : state,
		   hint);
	/* L12: a command other than the STM ones, refused in transport (stm_refused_code). */
	return stm ? HL_ERR_LUNA_STM : HL_ERR_LUNA_STATE;
}

hl_status_t hl_luna_need_state(hl_device_t *dev, const char *want, const char *hint)
{
	hl_status_t st = hl_luna_need_untampered(dev);
	return st == HL_OK ? state_ok(dev, want, hint) : st;
}

hl_status_t hl_luna_need_partition(hl_device_t *dev)
{
	hl_status_t st = hl_luna_need_state(dev, LU_INIT, "hard init first (luna hsm init)");
	if (st == HL_OK && dev->state != HL_DEV_INITIALIZED) {
		hl_p11_log("device %s has no partition yet (luna partition create)", dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	return st;
}

hl_status_t hl_luna_password_ok(const hl_device_t *dev, const char *step, const char *whose,
				const char *pw)
{
	size_t n = pw ? strlen(pw) : 0;
	hl_status_t st = hl_device_check_pin(dev, (const CK_UTF8CHAR *)(pw ? pw : ""), (CK_ULONG)n);
	if (st == HL_ERR_PIN_LEN_RANGE)
		hl_p11_log("%s: the %s password has %zu characters; device %s takes %lu to %lu: "
			   "nothing changed",
			   step, whose, n, dev->serial, dev->profile->pin_min,
			   dev->profile->pin_max);
	else if (st != HL_OK)
		hl_p11_log("%s: the %s password: device %s takes digits only: nothing changed",
			   step, whose, dev->serial);
	return st;
}

static hl_status_t reset_hso(hl_device_t *dev, void *arg)
{
	(void)arg;
	return hl_store_meta_set_u64(dev->store, "luna_hso_failed", 0);
}

/* The HSM SO authenticates: a wrong password counts (3 zeroize the device, L3); a wrong or
 * missing iKey does not. */
hl_status_t hl_luna_hso_auth(hl_device_t *dev, const hsmlab_luna_auth_t *a)
{
	hl_status_t st = hl_luna_cred_check(dev, LU_HSO, a);
	if (st == HL_ERR_PIN_INCORRECT)
		return hl_luna_hso_failed(dev);
	if (st == HL_OK)
		st = hl_luna_commit(dev, reset_hso, NULL, HL_AUDIT_LOGIN, "hsm-so", NULL);
	return st;
}

/* -- status and Secure Transport Mode -- */

static hl_status_t do_status(hl_device_t *dev, void *arg)
{
	hsmlab_luna_status_t *o = arg;
	char *label = NULL;
	memset(o, 0, sizeof(*o));
	pthread_mutex_lock(&dev->lock);
	hl_luna_state(dev, o->state, sizeof(o->state));
	o->method = hl_luna_method(dev);
	if (hl_store_meta_get_str(dev->store, "luna_label", &label) == HL_OK)
		snprintf(o->hsm_label, sizeof(o->hsm_label), "%s", label);
	o->partition = dev->state == HL_DEV_INITIALIZED;
	o->co = dev->user_pin_set;
	o->cu = hl_luna_has(dev, "luna_cu");
	o->activated = hl_luna_u64(dev, "luna_activated") != 0;
	o->powered = hl_luna_u64(dev, "luna_power_off") == 0;
	o->hso_failed = (CK_ULONG)hl_luna_u64(dev, "luna_hso_failed");
	o->pso_failed = (CK_ULONG)dev->so_failed;
	o->co_failed = (CK_ULONG)dev->user_failed;
	o->cu_failed = (CK_ULONG)hl_luna_u64(dev, "luna_cu_failed");
	hl_status_t st = HL_OK;
	if (!strcmp(o->state, LU_TRANSPORT))
		st = hl_luna_stm_strings(dev, o->user_string, o->fingerprint);
	pthread_mutex_unlock(&dev->lock);
	free(label);
	return st;
}

CK_RV hl_luna_ca_get_status(CK_SLOT_ID slot, hsmlab_luna_status_t *out)
{
	return out ? hl_luna_with_slot(slot, do_status, out) : CKR_ARGUMENTS_BAD;
}

static hl_status_t do_roles(hl_device_t *dev, void *arg)
{
	hsmlab_luna_roles_t *o = arg;
	memset(o, 0, sizeof(*o));
	pthread_mutex_lock(&dev->lock);
	o->lco = hl_luna_has(dev, "luna_lco");
	o->audit = hl_luna_has(dev, "luna_au");
	o->lco_failed = (CK_ULONG)hl_luna_u64(dev, "luna_lco_failed");
	pthread_mutex_unlock(&dev->lock);
	return HL_OK;
}

CK_RV hl_luna_ca_get_roles(CK_SLOT_ID slot, hsmlab_luna_roles_t *out)
{
	return out ? hl_luna_with_slot(slot, do_roles, out) : CKR_ARGUMENTS_BAD;
}

typedef struct {
	const char *user, *fp;
	const hsmlab_luna_auth_t *hso;
} stm_arg_t;

/* Leaving STM: back to the state the device left (meta luna_stm_from, written by stm
 * transport), or uninitialized out of the factory. */
static hl_status_t leave_stm(hl_device_t *dev, void *arg)
{
	const char *from = arg;
	hl_status_t st = hl_luna_set_str(dev, "luna_state", from[0] ? from : LU_UNINIT);
	if (st == HL_OK)
		st = hl_store_meta_delete(dev->store, "luna_stm_from");
	return st;
}

/* Only the HSM SO leaves STM; before hard init it has the factory default password. */
static bool factory_password(hl_device_t *dev, const hsmlab_luna_auth_t *a)
{
	const char *dflt = hl_luna_switches(dev)->secure_transport_mode;
	return a->method == HSMLAB_LUNA_AUTH_PASSWORD && a->password &&
	       !strcmp(a->password, dflt ? dflt : HSMLAB_LUNA_FACTORY_SO_PASSWORD);
}

/* Who leaves STM: out of the factory the HSM SO with the factory default password; after
 * stm transport of an initialized HSM the HSM SO with its own credential; a zeroized or
 * uninitialized one needs no login (thalesdocs.com/gphsm/luna/7/docs/pci/Content/lunacm/
 * commands/stm/stm_recover.htm). A wrong password counts (L3). */
static hl_status_t stm_recover_auth(hl_device_t *dev, const char *from,
				    const hsmlab_luna_auth_t *hso)
{
	if (!strcmp(from, LU_INIT))
		return hl_luna_hso_auth(dev, hso);
	if (from[0])
		return HL_OK;
	return factory_password(dev, hso) ? HL_OK : hl_luna_hso_failed(dev);
}

static hl_status_t stm_recover_locked(hl_device_t *dev, const stm_arg_t *a)
{
	char user[24], fp[24], *from = NULL;
	hl_status_t st = hl_luna_need_state(dev, LU_TRANSPORT, "not in Secure Transport Mode");
	if (st == HL_OK)
		st = hl_luna_stm_strings(dev, user, fp);
	if (st == HL_OK && (strcmp(a->user, user) || strcmp(a->fp, fp))) {
		hl_p11_log("STM recover: the %s does not match what device %s shows (changed in "
			   "transit?); the device stays in Secure Transport Mode",
			   strcmp(a->user, user) ? "random user string" : "state fingerprint",
			   dev->serial);
		st = HL_ERR_DATA_INVALID;
	}
	if (st == HL_OK && hl_store_meta_get_str(dev->store, "luna_stm_from", &from) != HL_OK)
		from = NULL;
	if (st == HL_OK)
		st = stm_recover_auth(dev, from ? from : "", a->hso);
	if (st == HL_OK)
		st = hl_luna_commit(dev, leave_stm, from ? from : "", HL_AUDIT_STATE_CHANGE, "stm",
				    "recovered: user string and fingerprint verified");
	free(from);
	return st;
}

static hl_status_t do_stm_recover(hl_device_t *dev, void *arg)
{
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = stm_recover_locked(dev, arg);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

CK_RV hl_luna_ca_stm_recover(CK_SLOT_ID slot, const char *user, const char *fp,
			     const hsmlab_luna_auth_t *hso)
{
	stm_arg_t a = { user, fp, hso };
	return user && fp && hso ? hl_luna_with_slot(slot, do_stm_recover, &a) : CKR_ARGUMENTS_BAD;
}

/* -- entering Secure Transport Mode (stm transport) -- */

static hl_status_t enter_stm(hl_device_t *dev, void *arg)
{
	hl_status_t st = hl_luna_set_str(dev, "luna_stm_from", arg);
	if (st == HL_OK) /* a new user string each time (hl_luna_stm_strings) */
		st = hl_store_meta_set_u64(dev->store, "luna_stm_n",
					   hl_luna_u64(dev, "luna_stm_n") + 1);
	if (st == HL_OK)
		st = hl_store_meta_delete(dev->store, "luna_activated");
	if (st == HL_OK)
		st = hl_luna_set_str(dev, "luna_state", LU_TRANSPORT);
	return st;
}

/* Only the HSM SO places an initialized HSM into STM; a zeroized or uninitialized one needs
 * no login (thalesdocs.com/gphsm/luna/7.7.1/docs/network/Content/lunacm/commands/stm/
 * stm_transport.htm, and the 7.0 network STM page). Keys, roles and configuration stay; as
 * firmware 7.7.2 does, every login ends and activation is cleared. */
static hl_status_t do_stm_transport(hl_device_t *dev, void *arg)
{
	const hsmlab_luna_auth_t *hso = arg;
	char state[16], details[64];
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hl_luna_need_untampered(dev);
	hl_luna_state(dev, state, sizeof(state));
	if (st == HL_OK && !strcmp(state, LU_TRANSPORT)) {
		hl_p11_log("device %s is already in Secure Transport Mode", dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	if (st == HL_OK && !strcmp(state, LU_INIT) && !hso) {
		hl_p11_log("stm transport: device %s is initialized: the HSM SO authenticates",
			   dev->serial);
		st = HL_ERR_ARGS;
	}
	if (st == HL_OK && !strcmp(state, LU_INIT))
		st = hl_luna_hso_auth(dev, hso);
	snprintf(details, sizeof(details), "entered from %s", state);
	if (st == HL_OK)
		st = hl_luna_commit(dev, enter_stm, state, HL_AUDIT_STATE_CHANGE, "stm", details);
	if (st == HL_OK)
		dev->login = HL_NOT_LOGGED_IN;
	pthread_mutex_unlock(&dev->lock);
	return st;
}

CK_RV hl_luna_ca_stm_transport(CK_SLOT_ID slot, const hsmlab_luna_auth_t *hso)
{
	return hl_luna_with_slot(slot, do_stm_transport, (void *)hso);
}

/* -- hard init -- */

typedef struct {
	const char *label;
	const hsmlab_luna_cred_t *hso, *domain;
	const hsmlab_luna_auth_t *current;
} init_arg_t;

static hl_status_t hard_init_body(hl_device_t *dev, void *arg)
{
	const init_arg_t *a = arg;
	hl_status_t st = hl_luna_cred_put(dev, LU_HSO, a->hso);
	if (st == HL_OK)
		st = hl_luna_cred_put(dev, LU_DOMAIN, a->domain);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "luna_method", a->hso->method);
	if (st == HL_OK)
		st = hl_luna_set_str(dev, "luna_label", a->label);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(dev->store, "luna_hso_failed", 0);
	if (st == HL_OK)
		st = hl_luna_set_str(dev, "luna_state", LU_INIT);
	return st;
}

static hl_status_t relabel(hl_device_t *dev, void *arg)
{
	return hl_luna_set_str(dev, "luna_label", ((const init_arg_t *)arg)->label);
}

/* A re-init's writes inside the caller's transaction: the HSM SO's login record, the
 * partition's zeroize and the new label. */
static hl_status_t reinit_body(hl_device_t *dev, const init_arg_t *a, const char *why,
			       const char *details)
{
	hl_status_t st = hl_luna_commit(dev, reset_hso, NULL, HL_AUDIT_LOGIN, "hsm-so", NULL);
	if (st == HL_OK)
		st = hl_luna_zeroize(dev, false, why);
	if (st == HL_OK)
		st = hl_luna_commit(dev, relabel, (void *)a, HL_AUDIT_STATE_CHANGE, "re-init",
				    details);
	return st;
}

/* A re-init in one transaction (a cut leaves the old partition or the re-initialized HSM). */
static hl_status_t reinit_tx(hl_device_t *dev, const init_arg_t *a, const char *details)
{
	hl_status_t st = hl_store_begin(dev->store);
	if (st != HL_OK)
		return st;
	st = reinit_body(dev, a, "hsm re-init", details);
	if (st == HL_OK)
		st = hl_store_commit(dev->store);
	else
		hl_store_rollback(dev->store);
	hl_device_reread_locked(dev); /* what the store holds now, either way */
	return st;
}

static hl_status_t hard_init_locked(hl_device_t *dev, const init_arg_t *a)
{
	char details[96];
	CK_ULONG m = a->hso->method;
	if (m != HSMLAB_LUNA_AUTH_PASSWORD && m != HSMLAB_LUNA_AUTH_MULTIFACTOR)
		return HL_ERR_ARGS;
	if (hl_luna_need_untampered(dev) != HL_OK)
		return HL_ERR_LUNA_TAMPERED;
	if (in_state(dev, LU_TRANSPORT))
		return hl_luna_need_state(dev, LU_UNINIT, "recover it first (luna stm recover)");
	snprintf(details, sizeof(details), "method=%s label=%s",
		 m == HSMLAB_LUNA_AUTH_PASSWORD ? "password" : "multifactor", a->label);
	if (!in_state(dev, LU_INIT)) /* uninitialized or zeroized: a first hard init */
		return hl_luna_commit(dev, hard_init_body, (void *)a, HL_AUDIT_STATE_CHANGE,
				      "hard-init", details);
	/* A re-init keeps the method, the HSM SO and the domain; the partition goes. */
	if (m != hl_luna_method(dev)) {
		hl_p11_log("hard init: device %s authenticates by %s until it is zeroized",
			   dev->serial,
			   hl_luna_method(dev) == HSMLAB_LUNA_AUTH_PASSWORD ? "password" : "iKeys");
		return HL_ERR_LUNA_METHOD;
	}
	hl_status_t st = a->current ? hl_luna_cred_check(dev, LU_HSO, a->current) : HL_ERR_ARGS;
	if (st == HL_ERR_ARGS)
		hl_p11_log("hard init: device %s is initialized: a re-init needs the HSM SO",
			   dev->serial);
	if (st == HL_ERR_PIN_INCORRECT)
		return hl_luna_hso_failed(dev); /* counted in its own commit (L3) */
	return st == HL_OK ? reinit_tx(dev, a, details) : st;
}

static hl_status_t do_hard_init(hl_device_t *dev, void *arg)
{
	const init_arg_t *a = arg;
	if (strlen(a->label) > 32 || !a->label[0]) {
		hl_p11_log("hard init: label \"%s\": want 1 to 32 characters", a->label);
		return HL_ERR_ARGS;
	}
	if (a->domain->method != a->hso->method) {
		hl_p11_log("hard init: the domain and the HSM SO use one authentication method");
		return HL_ERR_LUNA_METHOD;
	}
	hl_status_t pst = HL_OK;
	if (a->hso->method == HSMLAB_LUNA_AUTH_PASSWORD)
		pst = hl_luna_password_ok(dev, "hard init", "HSM SO", a->hso->password);
	if (pst != HL_OK)
		return pst;
	pthread_mutex_lock(&dev->lock);
	hl_status_t st = hard_init_locked(dev, a);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

CK_RV hl_luna_ca_init_hsm(CK_SLOT_ID slot, const char *label, const hsmlab_luna_cred_t *hso,
			  const hsmlab_luna_auth_t *current, const hsmlab_luna_cred_t *domain)
{
	init_arg_t a = { label, hso, domain, current };
	return label && hso && domain ? hl_luna_with_slot(slot, do_hard_init, &a)
				      : CKR_ARGUMENTS_BAD;
}

static hl_status_t do_login_hsm(hl_device_t *dev, void *arg)
{
	pthread_mutex_lock(&dev->lock);
	/* Tamper docs (thalesdocs.com/gphsm/luna/7.4/docs/pci/Content/administration/tamper/
	 * tamper.htm): in the tamper state only the HSM SO logs in. */
	hl_status_t st = state_ok(dev, LU_INIT, "no HSM SO before hard init");
	if (st == HL_OK)
		st = hl_luna_hso_auth(dev, arg);
	pthread_mutex_unlock(&dev->lock);
	return st;
}

CK_RV hl_luna_ca_login_hsm(CK_SLOT_ID slot, const hsmlab_luna_auth_t *hso)
{
	return hso ? hl_luna_with_slot(slot, do_login_hsm, (void *)hso) : CKR_ARGUMENTS_BAD;
}

/* -- token init: the lab's whole password sequence in one transaction -- */

typedef struct {
	const char *label, *so, *co;
	const hsmlab_luna_auth_t *factory;
	char state[16];          /* the lifecycle state it started from */
	hsmlab_luna_cred_t cred; /* so as the HSM SO's, the domain's and the Partition SO's */
	char details[96];
} token_arg_t;

/* The inputs, before anything is read or written: the label and both passwords. */
static hl_status_t token_init_check(hl_device_t *dev, const token_arg_t *a)
{
	size_t n = strlen(a->label);
	if (!n || n > 32) {
		hl_p11_log("token init: label \"%s\": want 1 to 32 characters: nothing changed",
			   a->label);
		return HL_ERR_ARGS;
	}
	hl_status_t st = hl_luna_password_ok(dev, "token init", "HSM SO and Partition SO", a->so);
	if (st == HL_OK && a->co)
		st = hl_luna_password_ok(dev, "token init", "Crypto Officer", a->co);
	return st;
}

/* Who may start it (device lock held): the factory password in Secure Transport Mode, no one
 * on an uninitialized or zeroized HSM, the HSM SO on an initialized password one. A wrong
 * password counts (L3) in its own commit, and nothing else is written. */
static hl_status_t token_init_auth(hl_device_t *dev, token_arg_t *a)
{
	hl_luna_state(dev, a->state, sizeof(a->state));
	if (!strcmp(a->state, LU_TRANSPORT)) {
		char *from = NULL;
		bool transported =
		    hl_store_meta_get_str(dev->store, "luna_stm_from", &from) == HL_OK && from &&
		    from[0];
		free(from);
		if (transported) { /* its keys and roles are kept: only its own HSM SO recovers it
				    */
			hl_p11_log(
			    "token init: device %s was put into Secure Transport Mode by its "
			    "HSM SO (stm transport): recover it first (luna stm recover)",
			    dev->serial);
			return HL_ERR_LUNA_STM;
		}
		return factory_password(dev, a->factory) ? HL_OK : hl_luna_hso_failed(dev);
	}
	if (strcmp(a->state, LU_INIT))
		return HL_OK;
	if (hl_luna_method(dev) != HSMLAB_LUNA_AUTH_PASSWORD) {
		hl_p11_log(
		    "token init: device %s authenticates by iKeys until it is zeroized (luna "
		    "hsm init, luna partition create with iKeys)",
		    dev->serial);
		return HL_ERR_LUNA_METHOD;
	}
	hsmlab_luna_auth_t cur = { .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = a->so };
	hl_status_t st = hl_luna_cred_check(dev, LU_HSO, &cur);
	return st == HL_ERR_PIN_INCORRECT ? hl_luna_hso_failed(dev) : st;
}

/* The HSM's part inside the open transaction (device lock held): STM left, then the hard
 * init, or on an initialized HSM the re-init (the old partition zeroized). */
static hl_status_t token_init_hsm(hl_device_t *dev, token_arg_t *a)
{
	init_arg_t ia = { a->label, &a->cred, &a->cred, NULL };
	char details[96];
	hl_status_t st = HL_OK;
	snprintf(details, sizeof(details), "method=password label=%s (token init)", a->label);
	if (!strcmp(a->state, LU_TRANSPORT))
		st = hl_luna_commit(dev, leave_stm, (void *)"", HL_AUDIT_STATE_CHANGE, "stm",
				    "recovered by token init");
	if (st == HL_OK && !strcmp(a->state, LU_INIT))
		st = reinit_body(dev, &ia, "token init", details);
	else if (st == HL_OK)
		st = hl_luna_commit(dev, hard_init_body, &ia, HL_AUDIT_STATE_CHANGE, "hard-init",
				    details);
	if (st == HL_OK && dev->state == HL_DEV_INITIALIZED) { /* a partition no wipe removed */
		hl_p11_log("token init: device %s still has a partition", dev->serial);
		st = HL_ERR_LUNA_STATE;
	}
	return st;
}

/* The partition's records and the Crypto Officer, run by the family's init_token_tx inside
 * the core's C_InitToken writes (which join the open transaction). The CO's password is the
 * core's user PIN, kept as the core keeps it (a verifier under "user_pin"). */
static hl_status_t token_init_partition(hl_device_t *dev, void *arg)
{
	token_arg_t *a = arg;
	uint8_t v[HL_DEVICE_PIN_VERIFIER_LEN];
	hl_status_t st = hl_luna_cred_put(dev, LU_PDOMAIN, &a->cred);
	snprintf(a->details, sizeof(a->details), "created label=%s method=password", a->label);
	if (st == HL_OK)
		st = hl_fam_audit(dev, HL_AUDIT_STATE_CHANGE, "partition", a->details);
	if (st != HL_OK || !a->co)
		return st;
	st = hl_device_pin_verifier_make((const uint8_t *)a->co, strlen(a->co), v);
	if (st == HL_OK)
		st = hl_store_meta_set(dev->store, "user_pin", v, sizeof(v));
	hl_crypto_wipe(v, sizeof(v));
	if (st == HL_OK)
		st = hl_fam_audit(dev, HL_AUDIT_STATE_CHANGE, "crypto-officer", "created");
	return st;
}

hl_status_t hl_luna_init_partition(hl_device_t *dev, const char *pin, const char *label,
				   hl_luna_step_fn body, void *arg)
{
	CK_UTF8CHAR padded[32];
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, strlen(label) > 32 ? 32 : strlen(label));
	hl_luna_internal_init = true;
	hl_luna_init_body = body;
	hl_luna_init_arg = arg;
	hl_status_t st =
	    hl_device_init_token(dev, (const CK_UTF8CHAR *)pin, (CK_ULONG)strlen(pin), padded);
	hl_luna_internal_init = false;
	hl_luna_init_body = NULL;
	hl_luna_init_arg = NULL;
	return st;
}

static hl_status_t do_token_init(hl_device_t *dev, void *arg)
{
	token_arg_t *a = arg;
	bool open = false;
	hl_status_t st = token_init_check(dev, a);
	pthread_mutex_lock(&dev->lock);
	if (st == HL_OK)
		st = token_init_auth(dev, a);
	if (st == HL_OK && (st = hl_store_begin(dev->store)) == HL_OK)
		open = true;
	if (st == HL_OK)
		st = token_init_hsm(dev, a);
	pthread_mutex_unlock(&dev->lock); /* C_InitToken's writes take it themselves */
	if (st == HL_OK)
		st = hl_luna_init_partition(dev, a->so, a->label, token_init_partition, a);
	pthread_mutex_lock(&dev->lock);
	if (open && st == HL_OK)
		st = hl_store_commit(dev->store);
	else if (open)
		hl_store_rollback(dev->store);
	if (open)
		hl_device_reread_locked(dev); /* what the store holds now, either way */
	pthread_mutex_unlock(&dev->lock);
	if (st == HL_OK && hl_p11_rescan() != CKR_OK)
		st = HL_ERR_INTERNAL;
	return st;
}

CK_RV hl_luna_ca_init_token(CK_SLOT_ID slot, const char *label, const hsmlab_luna_auth_t *factory,
			    const char *so_password, const char *co_password)
{
	token_arg_t a = {
		.label = label, .so = so_password, .co = co_password, .factory = factory
	};
	a.cred =
	    (hsmlab_luna_cred_t){ .method = HSMLAB_LUNA_AUTH_PASSWORD, .password = so_password };
	return label && factory && so_password ? hl_luna_with_slot(slot, do_token_init, &a)
					       : CKR_ARGUMENTS_BAD;
}
