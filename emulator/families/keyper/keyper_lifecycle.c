/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Keyper device lifecycle (quirks.md K7, K10, K12; doc/keyper.md).
 * factory → so-cards → smk → op-cards → online, activation by operator cards, tamper. The
 * state lives in the device store's meta table ("keyper_state", absent: factory; the SMK
 * step is fam_backup's sealed domain secret), so every process sees the same device; each
 * step commits its state, its data and its audit record in one transaction, so a kill -9
 * leaves the device in the old state or the new one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"
#include "hsmlab/p11client.h"
#include "keyper/hl_keyper.h"
#include "keyper/keyper_int.h"
#include "p11/hl_p11.h"

#define META_STATE "keyper_state"
#define META_SO "keyper_so_check"
#define META_OP "keyper_op_check"
#define META_ACTIVE "keyper_active_at"

static const char *const state_names[] = { "factory",  "so-cards", "smk",
					   "op-cards", "online",   "tampered" };

const char *ky_state_name(ky_state_t s)
{
	return state_names[s];
}

/* -- locking and state -- */

CK_RV ky_enter(ky_step_t *step, CK_SLOT_ID slot)
{
	step->dev = NULL;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_rdlock();
	hl_slot_t *s = hl_p11_slot(slot);
	CK_RV rv = s ? CKR_OK : CKR_SLOT_ID_INVALID;
	if (rv == CKR_OK && s->dev->broken) {
		hl_p11_log("%s: device %s: %s", step->what, s->dev->serial, s->dev->err);
		rv = CKR_DEVICE_ERROR;
	} else if (rv == CKR_OK && !s->dev->store) {
		hl_p11_log("%s: device %s is factory-fresh: make its SO cards first", step->what,
			   s->dev->serial);
		rv = hl_p11_rv(HL_ERR_KEYPER_STATE);
	}
	if (rv == CKR_OK) {
		pthread_mutex_lock(&s->dev->lock);
		if (!hl_fam_state(s->dev)) {
			pthread_mutex_unlock(&s->dev->lock);
			hl_p11_log("%s: device %s: its audit log cannot be opened", step->what,
				   s->dev->serial);
			rv = CKR_DEVICE_ERROR;
		}
	}
	if (rv != CKR_OK) {
		hl_p11_unlock();
		return rv;
	}
	step->dev = s->dev;
	return CKR_OK;
}

CK_RV ky_leave(ky_step_t *step, hl_status_t st)
{
	if (step->dev) {
		pthread_mutex_unlock(&step->dev->lock);
		hl_p11_unlock();
		step->dev = NULL;
	}
	if (st != HL_OK)
		hl_p11_log("%s: %s", step->what, step->why[0] ? step->why : hl_strerror(st));
	return hl_p11_rv(st);
}

bool ky_has_smk(hl_device_t *dev)
{
	return hl_fam_domain_held(dev); /* the SMK is fam_backup.c's sealed domain secret */
}

ky_state_t ky_state(hl_device_t *dev)
{
	char *s = NULL;
	ky_state_t k = KY_FACTORY;
	if (hl_store_meta_get_str(dev->store, META_STATE, &s) == HL_OK)
		for (int i = 0; i <= KY_TAMPERED; i++)
			if (!strcmp(s, state_names[i]))
				k = (ky_state_t)i;
	free(s);
	/* SMK made (or loaded again after a tamper) by domain create/load. */
	if ((k == KY_SO_CARDS || k == KY_TAMPERED) && ky_has_smk(dev))
		k = KY_SMK;
	return k;
}

int64_t ky_now(hl_device_t *dev)
{
	hl_fam_state_t *fs = hl_fam_state(dev);
	uint64_t off = 0;
	if (hl_store_meta_get_u64(dev->store, "clock_offset", &off) == HL_OK)
		fs->clock.offset = (int64_t)off;
	return hl_clock_now(&fs->clock);
}

bool ky_quorum(const hl_quirk_mofn_t *q, unsigned *m, unsigned *n)
{
	if (!q->m) /* off (the loader checked 1 <= m <= n <= 255) */
		return false;
	*m = (unsigned)q->m;
	*n = (unsigned)q->n;
	return true;
}

/* The activation's start and end (device time) when the device is activated now. */
static bool activated(hl_device_t *dev, int64_t *at_out, int64_t *until_out)
{
	uint64_t at = 0;
	int64_t timeout = (int64_t)ky_switches(dev)->activation_timeout;
	if (ky_state(dev) != KY_ONLINE ||
	    hl_store_meta_get_u64(dev->store, META_ACTIVE, &at) != HL_OK)
		return false;
	int64_t until = timeout > 0 ? (int64_t)at + timeout : INT64_MAX;
	/* Only forward time ends it: a clock set back (a rehearsal replaying an older date)
	 * keeps the quorum's activation until the timeout has run in device time. */
	if (ky_now(dev) >= until)
		return false;
	if (at_out)
		*at_out = (int64_t)at;
	if (until_out)
		*until_out = until;
	return true;
}

static hl_status_t set_state(hl_device_t *dev, ky_state_t s)
{
	return hl_store_meta_set(dev->store, META_STATE, state_names[s], strlen(state_names[s]));
}

/* Runs fn in one store transaction (device lock held). */
typedef hl_status_t (*tx_fn)(ky_step_t *step, void *arg);

static hl_status_t in_tx(ky_step_t *step, tx_fn fn, void *arg)
{
	hl_status_t st = hl_store_begin(step->dev->store);
	if (st != HL_OK)
		return st;
	st = fn(step, arg);
	if (st == HL_OK)
		st = hl_store_commit(step->dev->store);
	else
		hl_store_rollback(step->dev->store);
	return st;
}

static hl_status_t need(ky_step_t *step, ky_state_t have, ky_state_t a, ky_state_t b)
{
	if (have == a || have == b)
		return HL_OK;
	snprintf(step->why, sizeof(step->why),
		 "device %s is in state \"%s\"; this step needs \"%s\"%s%s%s", step->dev->serial,
		 ky_state_name(have), ky_state_name(a), a == b ? "" : " or \"",
		 a == b ? "" : ky_state_name(b), a == b ? "" : "\"");
	return HL_ERR_KEYPER_STATE;
}

/* -- state -- */

static CK_RV v_state(CK_SLOT_ID slot, hsmlab_keyper_state_t *out)
{
	ky_step_t step = { .what = "state" };
	hsmlab_keyper_state_t r = { 0 };
	unsigned m = 0, n = 0;
	if (!out)
		return CKR_ARGUMENTS_BAD;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_rdlock();
	hl_slot_t *s = hl_p11_slot(slot);
	bool free_dev = s && s->dev->state == HL_DEV_FREE && !s->dev->broken;
	hl_p11_unlock();
	if (free_dev) { /* no store yet */
		memset(out, 0, sizeof(*out));
		snprintf(out->state, sizeof(out->state), "factory");
		return CKR_OK;
	}
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_device_t *dev = step.dev;
	int64_t at = 0, until = 0;
	snprintf(r.state, sizeof(r.state), "%s", ky_state_name(ky_state(dev)));
	r.has_smk = ky_has_smk(dev) ? CK_TRUE : CK_FALSE;
	if (activated(dev, &at, &until)) {
		r.activated = CK_TRUE;
		r.activated_at = at;
		r.active_until = until == INT64_MAX ? 0 : until;
	}
	if (ky_quorum(&ky_switches(dev)->so_quorum, &m, &n))
		r.so_m = m, r.so_n = n;
	if (ky_quorum(&ky_switches(dev)->operator_quorum, &m, &n))
		r.op_m = m, r.op_n = n;
	if (ky_quorum(&ky_switches(dev)->recovery_quorum, &m, &n))
		r.rksh_m = m, r.rksh_n = n;
	*out = r;
	return ky_leave(&step, HL_OK);
}

/* -- SO cards: factory → so-cards -- */

/* A free device (no store yet) gets its store in the same slot (p11 write lock held). */
static CK_RV give_store(CK_SLOT_ID slot)
{
	char err[320] = "";
	hl_slot_t *s = hl_p11_slot(slot);
	hl_device_t *nd = NULL;
	if (!s)
		return CKR_SLOT_ID_INVALID;
	if (s->dev->state != HL_DEV_FREE || s->dev->broken)
		return CKR_OK;
	hl_status_t st = hl_device_create(hl_p11_lab(), s->dev->profile, s->dev->slot_id,
					  s->dev->serial, &nd, err, sizeof(err));
	if (st != HL_OK) {
		hl_p11_log("so cards: %s", err);
		return hl_p11_rv(st);
	}
	hl_device_free(s->dev);
	s->dev = nd;
	return hl_p11_rescan(); /* the lab offers a new free device */
}

typedef struct {
	const uint8_t *check;
	const char *details;
} so_arg_t;

static hl_status_t so_tx(ky_step_t *step, void *arg)
{
	const so_arg_t *a = arg;
	hl_status_t st = hl_store_meta_set(step->dev->store, META_SO, a->check, 32);
	if (st == HL_OK)
		st = set_state(step->dev, KY_SO_CARDS);
	return st == HL_OK ? hl_fam_audit(step->dev, HL_AUDIT_STATE_CHANGE, "so-cards", a->details)
			   : st;
}

static CK_RV v_so_cards(CK_SLOT_ID slot, const char *dir, const char *pin)
{
	ky_step_t step = { .what = "so cards" };
	uint8_t check[32];
	char details[64];
	unsigned m = 0, n = 0;
	if (!dir)
		return CKR_ARGUMENTS_BAD;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	hl_p11_wrlock();
	CK_RV rv = give_store(slot);
	hl_p11_unlock();
	if (rv == CKR_OK)
		rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_status_t st = need(&step, ky_state(step.dev), KY_FACTORY, KY_FACTORY);
	if (st == HL_OK)
		st = ky_cards_make(&step, KY_CARD_SO, &ky_switches(step.dev)->so_quorum,
				   "so_quorum", dir, pin, check);
	ky_quorum(&ky_switches(step.dev)->so_quorum, &m, &n);
	snprintf(details, sizeof(details), "made keyper-so %u-of-%u", m, n);
	so_arg_t a = { check, details };
	if (st == HL_OK)
		st = in_tx(&step, so_tx, &a);
	return ky_leave(&step, st);
}

/* -- OP cards: smk → op-cards (new cards later: the old set stops working) -- */

static hl_status_t op_tx(ky_step_t *step, void *arg)
{
	const so_arg_t *a = arg;
	bool online = ky_state(step->dev) == KY_ONLINE;
	hl_status_t st = hl_store_meta_set(step->dev->store, META_OP, a->check, 32);
	if (st == HL_OK && !online)
		st = set_state(step->dev, KY_OP_CARDS);
	if (st == HL_OK && hl_store_meta_delete(step->dev->store, META_ACTIVE) != HL_OK)
		st = HL_ERR_STORE_CORRUPT;
	return st == HL_OK ? hl_fam_audit(step->dev, HL_AUDIT_STATE_CHANGE,
					  online ? "online" : "op-cards", a->details)
			   : st;
}

static CK_RV v_op_cards(CK_SLOT_ID slot, const char *const *so_cards, CK_ULONG n_so,
			const char *dir, const char *pin)
{
	ky_step_t step = { .what = "op cards" };
	uint8_t check[32];
	char details[64];
	unsigned m = 0, n = 0;
	if (!dir || !so_cards)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	ky_state_t s = ky_state(step.dev);
	hl_status_t st = need(&step, s, KY_SMK, s == KY_OP_CARDS ? KY_OP_CARDS : KY_ONLINE);
	if (st == HL_OK)
		st = ky_cards_check(&step, KY_CARD_SO, META_SO, so_cards, n_so, pin);
	if (st == HL_OK)
		st = ky_cards_make(&step, KY_CARD_OP, &ky_switches(step.dev)->operator_quorum,
				   "operator_quorum", dir, pin, check);
	ky_quorum(&ky_switches(step.dev)->operator_quorum, &m, &n);
	snprintf(details, sizeof(details), "made keyper-op %u-of-%u", m, n);
	so_arg_t a = { check, details };
	if (st == HL_OK)
		st = in_tx(&step, op_tx, &a);
	return ky_leave(&step, st);
}

/* -- the vendor's init step (K7): op-cards|online → online -- */

typedef struct {
	uint8_t so[HL_DEVICE_PIN_VERIFIER_LEN], user[HL_DEVICE_PIN_VERIFIER_LEN];
	CK_UTF8CHAR label[32];
} init_arg_t;

/* The core's verifier (the token's so_pin / user_pin, written here in the init step's own
 * transaction). */
static hl_status_t verifier(const char *pin, uint8_t out[HL_DEVICE_PIN_VERIFIER_LEN])
{
	return hl_device_pin_verifier_make((const uint8_t *)pin, strlen(pin), out);
}

static hl_status_t init_tx(ky_step_t *step, void *arg)
{
	init_arg_t *a = arg;
	hl_store_t *s = step->dev->store;
	uint64_t erased = 0;
	char details[96];
	hl_status_t st = hl_store_count(s, &erased);
	if (st == HL_OK)
		st = hl_store_delete_all(s); /* K7: every key mapped to the token */
	if (st == HL_OK)
		st = hl_store_meta_set(s, "label", a->label, 32);
	if (st == HL_OK)
		st = hl_store_meta_set(s, "state", "initialized", 11);
	if (st == HL_OK)
		st = hl_store_meta_set(s, "so_pin", a->so, sizeof(a->so));
	if (st == HL_OK)
		st = hl_store_meta_set(s, "user_pin", a->user, sizeof(a->user));
	if (st == HL_OK)
		st = hl_store_meta_set_u64(s, "so_failed", 0);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(s, "user_failed", 0);
	if (st == HL_OK)
		st = set_state(step->dev, KY_ONLINE);
	if (st == HL_OK && hl_store_meta_delete(s, META_ACTIVE) != HL_OK)
		st = HL_ERR_STORE_CORRUPT;
	int len = 32;
	while (len > 0 && a->label[len - 1] == ' ')
		len--;
	snprintf(details, sizeof(details), "init label=%.*s erased=%llu", len, a->label,
		 (unsigned long long)erased);
	return st == HL_OK ? hl_fam_audit(step->dev, HL_AUDIT_STATE_CHANGE, "online", details) : st;
}

/* The core's view of the token after a step that rewrote it (this process: another sees
 * the commit through the store's data version); the step logged everyone out. */
static void token_changed(hl_device_t *dev)
{
	hl_device_reread_locked(dev); /* cached objects re-read too: the erased ones are gone */
	dev->login = HL_NOT_LOGGED_IN;
}

static hl_status_t check_init_args(ky_step_t *step, const char *label, const char *so_pin,
				   const char *user_pin)
{
	hl_status_t st = strlen(label) <= 32 ? HL_OK : HL_ERR_ARGS;
	if (st != HL_OK)
		snprintf(step->why, sizeof(step->why), "label \"%s\" is longer than 32 bytes",
			 label);
	if (st == HL_OK)
		st = hl_device_check_pin(step->dev, (const CK_UTF8CHAR *)so_pin, strlen(so_pin));
	if (st == HL_OK)
		st =
		    hl_device_check_pin(step->dev, (const CK_UTF8CHAR *)user_pin, strlen(user_pin));
	if (st == HL_ERR_PIN_LEN_RANGE || st == HL_ERR_PIN_INVALID)
		snprintf(step->why, sizeof(step->why), "%s: the PINs must be %lu-%lu %s",
			 hl_strerror(st), (unsigned long)step->dev->profile->pin_min,
			 (unsigned long)step->dev->profile->pin_max,
			 step->dev->profile->pin_digits_only ? "digits" : "characters");
	return st;
}

static CK_RV v_init(CK_SLOT_ID slot, const char *const *so_cards, CK_ULONG n_so, const char *label,
		    const char *so_pin, const char *user_pin, const char *pin)
{
	ky_step_t step = { .what = "init" };
	init_arg_t a;
	if (!so_cards || !label || !so_pin || !user_pin)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_status_t st = need(&step, ky_state(step.dev), KY_OP_CARDS, KY_ONLINE);
	if (st == HL_OK)
		st = check_init_args(&step, label, so_pin, user_pin);
	if (st == HL_OK)
		st = ky_cards_check(&step, KY_CARD_SO, META_SO, so_cards, n_so, pin);
	memset(a.label, ' ', sizeof(a.label));
	memcpy(a.label, label, st == HL_OK ? strlen(label) : 0);
	if (st == HL_OK)
		st = verifier(so_pin, a.so);
	if (st == HL_OK)
		st = verifier(user_pin, a.user);
	if (st == HL_OK)
		st = in_tx(&step, init_tx, &a);
	if (st == HL_OK)
		token_changed(step.dev);
	hl_crypto_wipe(&a, sizeof(a));
	return ky_leave(&step, st);
}

/* -- activation (K10) -- */

static hl_status_t activate_tx(ky_step_t *step, void *arg)
{
	const char *details = arg;
	hl_status_t st =
	    hl_store_meta_set_u64(step->dev->store, META_ACTIVE, (uint64_t)ky_now(step->dev));
	return st == HL_OK ? hl_fam_audit(step->dev, HL_AUDIT_ACTIVATE, "operators", details) : st;
}

static CK_RV v_activate(CK_SLOT_ID slot, const char *const *op_cards, CK_ULONG n, const char *pin)
{
	ky_step_t step = { .what = "activate" };
	char details[96], until[HL_CLOCK_ISO_LEN] = "never";
	unsigned m = 0, cn = 0;
	if (!op_cards)
		return CKR_ARGUMENTS_BAD;
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_status_t st = need(&step, ky_state(step.dev), KY_ONLINE, KY_ONLINE);
	if (st == HL_OK)
		st = ky_cards_check(&step, KY_CARD_OP, META_OP, op_cards, n, pin);
	int64_t timeout = (int64_t)ky_switches(step.dev)->activation_timeout;
	if (timeout > 0)
		hl_clock_format(ky_now(step.dev) + timeout, until, sizeof(until));
	ky_quorum(&ky_switches(step.dev)->operator_quorum, &m, &cn);
	snprintf(details, sizeof(details), "keyper-op %u-of-%u until=%s", m, cn, until);
	if (st == HL_OK)
		st = in_tx(&step, activate_tx, details);
	return ky_leave(&step, st);
}

static hl_status_t deactivate_tx(ky_step_t *step, void *arg)
{
	hl_status_t st = hl_store_meta_delete(step->dev->store, META_ACTIVE);
	return st == HL_OK ? hl_fam_audit(step->dev, HL_AUDIT_DEACTIVATE, "operators", arg) : st;
}

static CK_RV v_deactivate(CK_SLOT_ID slot)
{
	ky_step_t step = { .what = "deactivate" };
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	const char *why = activated(step.dev, NULL, NULL) ? "by the console" : "was not active";
	return ky_leave(&step, in_tx(&step, deactivate_tx, (void *)why));
}

/* -- tamper (K12) -- */

static hl_status_t tamper_tx(ky_step_t *step, void *arg)
{
	hl_store_t *s = step->dev->store;
	static const char *const gone[] = { META_ACTIVE, META_OP, "so_pin", "user_pin", "label" };
	uint64_t keys = 0;
	char details[96];
	hl_status_t st = hl_store_count(s, &keys);
	(void)arg;
	snprintf(details, sizeof(details), "zeroized keys=%llu smk=%s activation=%s",
		 (unsigned long long)keys, ky_has_smk(step->dev) ? "yes" : "no",
		 activated(step->dev, NULL, NULL) ? "yes" : "no");
	if (st == HL_OK)
		st = hl_store_delete_all(s);
	if (st == HL_OK)
		st = hl_fam_domain_erase(step->dev); /* the SMK, in this transaction */
	for (size_t i = 0; st == HL_OK && i < sizeof(gone) / sizeof(gone[0]); i++)
		st = hl_store_meta_delete(s, gone[i]);
	if (st == HL_OK)
		st = hl_store_meta_set(s, "state", "factory", 7);
	if (st == HL_OK) /* no PINs left to count against */
		st = hl_store_meta_set_u64(s, "so_failed", 0);
	if (st == HL_OK)
		st = hl_store_meta_set_u64(s, "user_failed", 0);
	if (st == HL_OK)
		st = set_state(step->dev, KY_TAMPERED);
	return st == HL_OK ? hl_fam_audit(step->dev, HL_AUDIT_ZEROIZE, "tamper", details) : st;
}

static CK_RV v_tamper(CK_SLOT_ID slot)
{
	ky_step_t step = { .what = "tamper" };
	CK_RV rv = ky_enter(&step, slot);
	if (rv != CKR_OK)
		return rv;
	hl_status_t st = HL_OK;
	if (!ky_switches(step.dev)->tamper_zeroizes) {
		snprintf(step.why, sizeof(step.why), "profile %s has no tamper envelope (K12)",
			 step.dev->profile->name);
		st = HL_ERR_NOT_SUPPORTED;
	}
	if (st == HL_OK)
		st = in_tx(&step, tamper_tx, NULL);
	if (st == HL_OK)
		token_changed(step.dev);
	return ky_leave(&step, st);
}

/* -- family hooks -- */

CK_RV hl_keyper_login_gate(hl_device_t *dev, CK_USER_TYPE user)
{
	CK_ULONG rv = CKR_FUNCTION_FAILED;
	(void)user; /* every role: the device is not usable before the operators' quorum */
	if (!ky_switches(dev)->login_needs_activation ||
	    (hl_fam_state(dev) && activated(dev, NULL, NULL)))
		return CKR_OK; /* a device whose log cannot open stays closed */
	rv = ky_switches(dev)->login_needs_activation;
	hl_p11_log("C_Login: Keyper %s is not activated (state %s): present a quorum of its "
		   "operator cards (hsmlab-admin keyper activate)",
		   dev->serial, ky_state_name(ky_state(dev)));
	return rv;
}

hl_status_t hl_keyper_init_token(hl_device_t *dev, const CK_UTF8CHAR *so_pin, CK_ULONG len,
				 const CK_UTF8CHAR label[32])
{
	(void)so_pin, (void)len, (void)label;
	if (!ky_switches(dev)->init_token_vendor_only)
		return HL_OK;
	hl_p11_log("C_InitToken: a Keyper token is initialised only by the vendor's init step "
		   "(hsmlab-admin token init, or keyper init), K7");
	return HL_ERR_NOT_SUPPORTED;
}

const HSMLAB_KEYPER_FUNCTION_LIST hl_keyper_functions = {
	.version = { HSMLAB_KEYPER_VERSION_MAJOR, HSMLAB_KEYPER_VERSION_MINOR },
	.state = v_state,
	.so_cards = v_so_cards,
	.op_cards = v_op_cards,
	.init = v_init,
	.activate = v_activate,
	.deactivate = v_deactivate,
	.recovery_cards = hl_keyper_recovery_cards,
	.recover = hl_keyper_recover,
	.tamper = v_tamper,
};
