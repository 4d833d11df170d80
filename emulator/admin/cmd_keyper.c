/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the Keyper vendor's own console commands (quirks.md K7, K10, K12;
 * emulator/doc/keyper.md), through the module's "hsmlab keyper" table
 * (hsmlab/hsmlab-keyper.h). `token init` on a Keyper runs the whole vendor sequence: SO
 * cards, an SMK when the device has none, OP cards, the init step, activation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "hsmlab/hsmlab-keyper.h"

/* The SMK token init makes on a device without one (the K10 field figure for SMK cards). */
#define SMK_M 5
#define SMK_N 7

const char hl_admin_keyper_usage[] =
    "Keyper module (--family keyper) also offers (see emulator/doc/keyper.md):\n"
    "  keyper state DEVICE         the Keyper's lifecycle state, SMK, activation, quorums\n"
    "  keyper so-cards DEVICE DIR  factory -> so-cards: the SO card set, written to DIR\n"
    "  keyper op-cards DEVICE DIR SO-CARD...\n"
    "                              -> op-cards: the operator card set (3 of 7), to DIR\n"
    "  keyper init DEVICE LABEL SO-CARD...\n"
    "                              the vendor's init step (K7): erases every key, sets\n"
    "                              label, --so-pin and --pin (4-32 digits; at a terminal\n"
    "                              asked as inittoken asks: shown, entered twice, for a\n"
    "                              Keyper's PIN is no secret: the operator cards are)\n"
    "  keyper activate DEVICE OP-CARD...  a quorum of operator cards activates (K10)\n"
    "  keyper deactivate DEVICE    ends the activation (login refused again)\n"
    "  keyper recovery-cards DEVICE OWNER DIR SMK-CARD...\n"
    "                              the SMK of OWNER split again as recovery shares (5 of 7)\n"
    "  keyper recover DEVICE OWNER RKSH-CARD...  the SMK from recovery shares\n"
    "  keyper tamper DEVICE        trips the tamper envelope: zeroizes keys, SMK, activation\n"
    "  (on a Keyper, token init runs so-cards, domain create (SMK 5 of 7) when the device has\n"
    "   none, op-cards, init and activate; card files go to DIR/SERIAL/, DIR from --cards,\n"
    "   default LAB/cards)\n";

static const HSMLAB_KEYPER_FUNCTION_LIST *vendor_table(const console_t *c)
{
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v = { HSMLAB_KEYPER_VERSION_MAJOR, HSMLAB_KEYPER_VERSION_MINOR };
	if (!c->fn3 || c->fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_KEYPER_INTERFACE_NAME, &v,
					      &itf, 0) != CKR_OK)
		return NULL;
	return itf->pFunctionList;
}

static int fail(const console_t *c, const char *what, CK_RV rv)
{
	return hl_admin_fail(c, what, rv);
}

static void print_state(const hsmlab_device_info_t *d, const hsmlab_keyper_state_t *s)
{
	printf("device:    %s (slot %lu)\nstate:     %s\nsmk:       %s\n", d->serial, d->slot_id,
	       s->state, s->has_smk ? "loaded" : "none");
	if (s->activated) {
		char at[32] = "", until[32] = "never";
		time_t a = (time_t)s->activated_at, u = (time_t)s->active_until;
		struct tm tm;
		strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&a, &tm));
		if (s->active_until)
			strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&u, &tm));
		printf("activated: yes, at %s until %s (device time)\n", at, until);
	} else {
		printf("activated: no\n");
	}
	printf("quorums:   SO %lu of %lu, operators %lu of %lu, recovery %lu of %lu\n", s->so_m,
	       s->so_n, s->op_m, s->op_n, s->rksh_m, s->rksh_n);
}

/* paths[i] = dir/kind-(i+1).card for i < n (n <= 16). */
static void card_paths(const char *dir, const char *kind, CK_ULONG n, char buf[][1100],
		       const char **paths)
{
	for (CK_ULONG i = 0; i < n && i < 16; i++) {
		snprintf(buf[i], sizeof(buf[i]), "%s/%s-%lu.card", dir, kind, i + 1);
		paths[i] = buf[i];
	}
}

/* The device's card folder for token init: --cards DIR (default LAB/cards), then SERIAL. */
static int cards_dir(console_t *c, hl_admin_opts_t *o, const char *serial, char *out, size_t len)
{
	char lab[1024] = "";
	if (!o->cards) {
		CK_RV rv = c->ext->lab_info(lab, sizeof(lab), NULL, 0, NULL, 0);
		if (rv != CKR_OK)
			return fail(c, "lab show", rv);
	}
	snprintf(out, len, "%s%s/%s", o->cards ? o->cards : lab, o->cards ? "" : "/cards", serial);
	return hl_admin_mkdirs(out);
}

/* The setup steps a device in state s still needs, up to the init step. */
static int setup(console_t *c, const HSMLAB_KEYPER_FUNCTION_LIST *k, const hsmlab_device_info_t *d,
		 const char *dir, hl_admin_opts_t *o)
{
	hsmlab_keyper_state_t s = { 0 };
	char so[16][1100];
	const char *so_paths[16];
	CK_RV rv = k->state(d->slot_id, &s);
	if (rv == CKR_OK && !strcmp(s.state, "factory")) {
		rv = k->so_cards(d->slot_id, dir, o->card_pin);
		if (rv == CKR_OK)
			rv = k->state(d->slot_id, &s);
	}
	if (rv == CKR_OK && !s.has_smk &&
	    (!strcmp(s.state, "so-cards") || !strcmp(s.state, "tampered"))) {
		if (!c->fam)
			return fail(c, "domain create", CKR_FUNCTION_NOT_SUPPORTED);
		rv = c->fam->domain_create(d->slot_id, d->serial, dir, SMK_M, SMK_N, o->card_pin);
		if (rv == CKR_OK)
			rv = k->state(d->slot_id, &s);
	}
	card_paths(dir, "keyper-so", s.so_m, so, so_paths);
	if (rv == CKR_OK && !strcmp(s.state, "smk"))
		rv = k->op_cards(d->slot_id, so_paths, s.so_m, dir, o->card_pin);
	if (rv == CKR_OK)
		return EX_OK;
	return fail(c, "token init", rv);
}

/* A Keyper PIN as the vendor's inittoken asks for it (IANA's dnssec-keytools
 * docs/aep-keyper-test.md): shown as typed and entered twice, for the PIN is no secret on a
 * Keyper (the signer's config file carries the user PIN; the operator cards' quorum guards
 * the keys), 4 to 32 digits. Given (option, environment, --secrets-fd) it is taken as is;
 * without a terminal hl_admin_secret says how to give it. */
static const char *public_pin(hl_admin_opts_t *o, hl_admin_secret_t which, const char *name,
			      char *buf, size_t n)
{
	char again[64], prompt[128];
	const char *given = which == HL_ADMIN_PIN ? o->pin : o->so_pin;
	if (given || !hl_admin_interactive())
		return hl_admin_secret(o, which, name);
	snprintf(prompt, sizeof(prompt),
		 "Enter the %s, it must be between 4 and 32 digits : ", name);
	if (hl_admin_ask_shown(prompt, buf, n) != 0)
		return NULL;
	size_t len = strlen(buf);
	if (len < 4 || len > 32 || strspn(buf, "0123456789") != len) {
		fprintf(stderr, "hsmlab-admin: %s: the %s must be between 4 and 32 digits\n",
			o->command, name);
		return NULL;
	}
	snprintf(prompt, sizeof(prompt), "Re-enter the %s : ", name);
	if (hl_admin_ask_shown(prompt, again, sizeof(again)) != 0 || strcmp(buf, again) != 0) {
		fprintf(stderr, "hsmlab-admin: %s: the two %ss differ: nothing changed\n",
			o->command, name);
		return NULL;
	}
	return buf;
}

/* The init step's two PINs (asked as inittoken does when not given) and the card PIN
 * (asked only at a terminal: cards may have none). */
static bool credentials(hl_admin_opts_t *o)
{
	static char user[64], so[64];
	o->pin = public_pin(o, HL_ADMIN_PIN, "PKCS11 User PIN", user, sizeof(user));
	if (o->pin)
		o->so_pin =
		    public_pin(o, HL_ADMIN_SO_PIN, "PKCS11 Security Officer PIN", so, sizeof(so));
	if (!o->pin || !o->so_pin)
		return false;
	if (!o->card_pin && hl_admin_interactive())
		return hl_admin_secret(o, HL_ADMIN_CARD_PIN, "the card PIN") != NULL;
	return true;
}

/* A quorum shortfall in one line: the cards given and the quorum the device keeps. */
static int quorum_fail(const console_t *c, const HSMLAB_KEYPER_FUNCTION_LIST *k, CK_SLOT_ID slot,
		       const char *verb, CK_RV rv, CK_ULONG given)
{
	hsmlab_keyper_state_t s = { 0 };
	const char *msg = c->ext->last_error();
	if (rv != CKR_PIN_INCORRECT || !strstr(msg, "quorum") || k->state(slot, &s) != CKR_OK)
		return fail(c, verb, rv);
	unsigned long need = !strcmp(verb, "activate")  ? s.op_m
			     : !strcmp(verb, "recover") ? s.rksh_m
							: s.so_m;
	fprintf(stderr, "hsmlab-admin: %s: device %s: %s: %s (%lu cards given, %lu needed)\n",
		c->opts->command, c->opts->device, hl_ckr_name(rv), msg, given, need);
	return EX_FAIL;
}

/* token init on a Keyper: the vendor's whole sequence (K7, K10). */
static int token_init(console_t *c, const HSMLAB_KEYPER_FUNCTION_LIST *k, const char *dev,
		      const char *label, hl_admin_opts_t *o)
{
	hsmlab_device_info_t d;
	hsmlab_keyper_state_t s = { 0 };
	char dir[1024], so[16][1100], op[16][1100];
	const char *so_paths[16], *op_paths[16];
	int ex = hl_admin_find_device(c, dev, &d);
	if (ex == EX_OK && (d.objects > 0 || !strcmp(d.state, "initialized")))
		ex = hl_admin_confirm(o, &d, "the init step erases every key on the Keyper");
	if (ex == EX_OK && !(credentials(o) && o->so_pin && o->pin))
		ex = EX_USAGE;
	if (ex == EX_OK)
		ex = cards_dir(c, o, d.serial, dir, sizeof(dir));
	if (ex == EX_OK)
		ex = setup(c, k, &d, dir, o);
	if (ex != EX_OK)
		return ex;
	CK_RV rv = k->state(d.slot_id, &s);
	card_paths(dir, "keyper-so", s.so_m, so, so_paths);
	card_paths(dir, "keyper-op", s.op_m, op, op_paths);
	if (rv == CKR_OK)
		rv = k->init(d.slot_id, so_paths, s.so_m, label, o->so_pin, o->pin, o->card_pin);
	if (rv != CKR_OK)
		return fail(c, "token init", rv);
	rv = k->activate(d.slot_id, op_paths, s.op_m, o->card_pin);
	if (rv != CKR_OK)
		return fail(c, "token init: activate", rv);
	printf("Keyper %s: token \"%s\" initialised and activated; cards in %s\n", d.serial, label,
	       dir);
	return EX_OK;
}

/* keyper VERB DEVICE ...: the commands that take card files after fixed arguments. */
static int cards_cmd(console_t *c, const HSMLAB_KEYPER_FUNCTION_LIST *k, int argc, char **argv,
		     hl_admin_opts_t *o, CK_SLOT_ID slot)
{
	const char *b = argv[1], *pin = o->card_pin;
	const char *const *cards = (const char *const *)argv + 3;
	CK_ULONG n = (CK_ULONG)(argc - 3);
	CK_RV rv;
	if (!pin && hl_admin_interactive())
		pin = hl_admin_secret(o, HL_ADMIN_CARD_PIN, "the card PIN");
	if (!strcmp(b, "activate"))
		rv = k->activate(slot, cards, n, pin);
	else if (!strcmp(b, "op-cards"))
		rv = k->op_cards(slot, cards + 1, n - 1, argv[3], pin);
	else if (!strcmp(b, "init") && !credentials(o))
		return EX_USAGE;
	else if (!strcmp(b, "init"))
		rv = k->init(slot, cards + 1, n - 1, argv[3], o->so_pin, o->pin, pin);
	else if (!strcmp(b, "recover"))
		rv = k->recover(slot, argv[3], cards + 1, n - 1, pin);
	else /* recovery-cards DEVICE OWNER DIR SMK-CARD... */
		rv = k->recovery_cards(slot, argv[3], cards + 2, n - 2, argv[4], pin);
	if (rv != CKR_OK)
		return quorum_fail(
		    c, k, slot, b, rv,
		    !strcmp(b, "activate") ? n : n - (!strcmp(b, "recovery-cards") ? 2 : 1));
	printf("%s: done\n", b);
	return EX_OK;
}

/* The fewest arguments (after "keyper") of each verb; -1: not a verb. */
static int min_args(const char *b)
{
	static const struct {
		const char *verb;
		int argc;
	} v[] = { { "state", 3 },  { "so-cards", 4 },       { "op-cards", 5 },
		  { "init", 5 },   { "activate", 4 },       { "deactivate", 3 },
		  { "tamper", 3 }, { "recovery-cards", 6 }, { "recover", 5 } };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (!strcmp(b, v[i].verb))
			return v[i].argc;
	return -1;
}

/* tamper always asks; init and recover when they would erase keys or replace an SMK. */
static int confirm_verb(const HSMLAB_KEYPER_FUNCTION_LIST *k, const hl_admin_opts_t *o,
			const hsmlab_device_info_t *d, const char *b)
{
	hsmlab_keyper_state_t s = { 0 };
	if (!strcmp(b, "tamper"))
		return hl_admin_confirm(o, d,
					"tripping the tamper envelope zeroizes every key, "
					"the SMK and the activation");
	if (!strcmp(b, "init") && (d->objects > 0 || !strcmp(d->state, "initialized")))
		return hl_admin_confirm(o, d, "the init step erases every key on the Keyper");
	if (!strcmp(b, "recover") && k->state(d->slot_id, &s) == CKR_OK && s.has_smk)
		return hl_admin_confirm(o, d, "recovering replaces the SMK the Keyper holds");
	return EX_OK;
}

static int keyper_cmd(console_t *c, const HSMLAB_KEYPER_FUNCTION_LIST *k, int argc, char **argv,
		      hl_admin_opts_t *o)
{
	const char *b = argc > 1 ? argv[1] : "";
	int want = min_args(b);
	bool fixed = !strcmp(b, "state") || !strcmp(b, "so-cards") || !strcmp(b, "deactivate") ||
		     !strcmp(b, "tamper");
	if (want < 0 || argc < want || (fixed && argc != want)) {
		fprintf(stderr,
			"hsmlab-admin: keyper %s: unknown command or wrong arguments "
			"(see --help)\n",
			b);
		return EX_USAGE;
	}
	hsmlab_device_info_t d;
	hsmlab_keyper_state_t s = { 0 };
	int ex = hl_admin_find_device(c, argv[2], &d);
	if (ex != EX_OK)
		return ex;
	ex = confirm_verb(k, o, &d, b);
	if (ex != EX_OK)
		return ex;
	CK_RV rv = CKR_OK;
	if (!strcmp(b, "state")) {
		rv = k->state(d.slot_id, &s);
		if (rv == CKR_OK)
			print_state(&d, &s);
	} else if (!strcmp(b, "so-cards")) {
		ex = hl_admin_mkdirs(argv[3]);
		rv = ex == EX_OK ? k->so_cards(d.slot_id, argv[3], o->card_pin) : CKR_OK;
	} else if (!strcmp(b, "deactivate")) {
		rv = k->deactivate(d.slot_id);
	} else if (!strcmp(b, "tamper")) {
		rv = k->tamper(d.slot_id);
	} else {
		if (!strcmp(b, "op-cards") || !strcmp(b, "recovery-cards"))
			ex = hl_admin_mkdirs(argv[!strcmp(b, "op-cards") ? 3 : 4]);
		return ex == EX_OK ? cards_cmd(c, k, argc, argv, o, d.slot_id) : ex;
	}
	if (rv != CKR_OK)
		return fail(c, b, rv);
	if (ex == EX_OK && strcmp(b, "state"))
		printf("%s: done\n", b);
	return ex;
}

int hl_admin_keyper(console_t *c, int argc, char **argv, hl_admin_opts_t *o)
{
	bool mine = !strcmp(argv[0], "keyper");
	bool init = argc == 4 && !strcmp(argv[0], "token") && !strcmp(argv[1], "init");
	if (!mine && !init)
		return -1;
	const HSMLAB_KEYPER_FUNCTION_LIST *k = vendor_table(c);
	if (!k && init)
		return -1; /* not the Keyper module: the generic token init */
	if (!k) {
		fprintf(stderr,
			"hsmlab-admin: keyper: the module offers no \"%s\" table (load the "
			"Keyper module: -f keyper)\n",
			HSMLAB_KEYPER_INTERFACE_NAME);
		return EX_USAGE;
	}
	return init ? token_init(c, k, argv[2], argv[3], o) : keyper_cmd(c, k, argc, argv, o);
}
