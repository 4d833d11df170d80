/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's device steps. Each drives a device the way a ceremony does,
 * through real clients in child processes: the lab console (hsmlab-admin) for the vendor
 * steps, pkcs11-tool for key generation and imports, softhsm2-util for SoftHSMv2 tokens.
 * A vendor step whose console command does not exist yet is reported as pending. */
#define _GNU_SOURCE /* strcasestr */
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "scenario_int.h"

size_t hl_scn_device_index(const hl_run_t *r, const char *name)
{
	for (size_t i = 0; i < r->s->ndevices; i++)
		if (strcmp(r->s->devices[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

static size_t key_index(const hl_run_t *r, const char *name)
{
	for (size_t i = 0; i < r->s->nkeys; i++)
		if (strcmp(r->s->keys[i].name, name) == 0)
			return i;
	return (size_t)-1;
}

static int is_softhsm(const hl_devstate_t *d)
{
	return strcmp(d->backend, "softhsm") == 0;
}

/* The console's `device create` prints "created device SERIAL in slot N". */
static int emu_create(hl_run_t *r, hl_devstate_t *d, const char *name, hl_obs_t *obs)
{
	char *argv[] = { (char *)r->o->admin, "-m", d->module, "device", "create",
			 (char *)d->backend,  NULL };
	hl_proc_t p;
	const char *at;

	if (hl_scn_spawn(r, NULL, argv, &p) != 0) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail, "%s: cannot start %.900s", name, argv[0]);
		return -1;
	}
	hl_scn_judge(&p, "hsmlab-admin device create", obs);
	at = p.code == 0 ? strstr(p.out, "created device ") : NULL;
	if (at == NULL || sscanf(at, "created device %19s", d->serial) != 1) {
		if (obs->outcome == HL_OUT_OK)
			snprintf(obs->detail, sizeof obs->detail,
				 "%s: the console did not name the new device", name);
		obs->outcome = obs->outcome == HL_OUT_OK ? HL_OUT_ERROR : obs->outcome;
		hl_proc_clear(&p);
		return -1;
	}
	hl_proc_clear(&p);
	return 0;
}

static int format_one(hl_run_t *r, const char *name, hl_obs_t *obs)
{
	hl_devstate_t *d = &r->dev[hl_scn_device_index(r, name)];
	char what[256];

	snprintf(what, sizeof what, "format %s (%s)", name, d->backend);
	if (is_softhsm(d)) {
		char *argv[] = {
			"softhsm2-util", "--init-token", "--free", "--label",      (char *)name,
			"--so-pin",      r->s->so_pin,   "--pin",  r->s->user_pin, NULL
		};

		return hl_scn_run(r, NULL, argv, what, obs);
	}
	if (emu_create(r, d, name, obs) != 0)
		return -1;
	{
		char *argv[] = { (char *)r->o->admin, "-m",         d->module,
				 "--so-pin",          r->s->so_pin, "--pin",
				 r->s->user_pin,      "token",      "init",
				 d->serial,           (char *)name, NULL };

		return hl_scn_run(r, NULL, argv, what, obs);
	}
}

static void step_format(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	char done[1024] = "";

	for (size_t i = 0; i < st->ndevices; i++) {
		if (format_one(r, st->devices[i], obs) != 0)
			return;
		r->dev[hl_scn_device_index(r, st->devices[i])].ready = 1;
		snprintf(done + strlen(done), sizeof done - strlen(done), "%s%s%s%s", i ? ", " : "",
			 st->devices[i],
			 r->dev[hl_scn_device_index(r, st->devices[i])].serial[0] ? " " : "",
			 r->dev[hl_scn_device_index(r, st->devices[i])].serial);
	}
	obs->outcome = HL_OUT_OK;
	snprintf(obs->detail, sizeof obs->detail, "formatted, token initialised: %s", done);
}

/* pkcs11-tool on a device's token, logged in as the user (or with `pin`). */
static int p11tool(hl_run_t *r, const char *dev, const char *pin, const char *const args[],
		   const char *what, hl_obs_t *obs)
{
	hl_devstate_t *d = &r->dev[hl_scn_device_index(r, dev)];
	char *argv[24] = { "pkcs11-tool", "--module",
			   d->module,     "--token-label",
			   (char *)dev,   "--login",
			   "--pin",       (char *)(pin ? pin : r->s->user_pin) };
	size_t n = 8;

	for (size_t i = 0; args[i] != NULL && n < 23; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return hl_scn_run(r, NULL, argv, what, obs);
}

static void step_keygen(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	const hl_scn_key_t *k = hl_scenario_key(r->s, st->key);
	size_t ki = key_index(r, st->key);
	char id[20], what[256];

	snprintf(id, sizeof id, "%02zx", ki + 1);
	for (size_t i = 0; i < st->ndevices; i++) {
		const char *args[] = { "--keypairgen", "--key-type", "rsa:2048", "--label",
				       k->label,       "--id",       id,         NULL };

		snprintf(what, sizeof what, "keygen %s (RSA-2048) on %s", k->label, st->devices[i]);
		if (p11tool(r, st->devices[i], st->pin, args, what, obs) != 0)
			return;
		r->holds[ki * r->s->ndevices + hl_scn_device_index(r, st->devices[i])] = 1;
	}
}

/* A stand-in for a key whose real private half is secret: an RSA-2048 key made once per
 * profile run by openssl, imported with the same label onto every device named. */
static void step_import(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	const hl_scn_key_t *k = hl_scenario_key(r->s, st->key);
	size_t ki = key_index(r, st->key);
	char priv[2300], pub[2300], id[20], what[256];

	snprintf(priv, sizeof priv, "%s/standin-%s.pem", r->dir, k->name);
	snprintf(pub, sizeof pub, "%s/standin-%s.pub.pem", r->dir, k->name);
	snprintf(id, sizeof id, "%02zx", ki + 1);
	if (access(priv, R_OK) != 0) {
		char *gen[] = { "openssl", "genrsa", "-out", priv, "2048", NULL };
		char *out[] = { "openssl", "rsa", "-in", priv, "-pubout", "-out", pub, NULL };

		if (hl_scn_run(r, NULL, gen, "openssl genrsa (stand-in key)", obs) != 0 ||
		    hl_scn_run(r, NULL, out, "openssl rsa -pubout", obs) != 0)
			return;
	}
	for (size_t i = 0; i < st->ndevices; i++) {
		const char *a1[] = {
			"--write-object", priv,     "--type", "privkey", "--usage-sign",
			"--label",        k->label, "--id",   id,        NULL
		};
		const char *a2[] = { "--write-object", pub,    "--type", "pubkey", "--label",
				     k->label,         "--id", id,       NULL };

		snprintf(what, sizeof what, "import stand-in %s onto %s", k->label, st->devices[i]);
		if (p11tool(r, st->devices[i], st->pin, a1, what, obs) != 0 ||
		    p11tool(r, st->devices[i], st->pin, a2, what, obs) != 0)
			return;
		r->holds[ki * r->s->ndevices + hl_scn_device_index(r, st->devices[i])] = 1;
	}
	snprintf(obs->detail + strlen(obs->detail), sizeof obs->detail - strlen(obs->detail),
		 " (stand-in key: the real %s private key is secret)", k->label);
}

/* -- console steps: a template from the scenario's console table, run when the console
 * lists the command -- */

/* `<step>-<vendor>` (e.g. make-cards-luna: the vendors name their card files differently)
 * wins over `<step>`. */
static const char *console_template(const hl_run_t *r, const char *step, const char *dev)
{
	const char *vendor = dev ? r->s->devices[hl_scn_device_index(r, dev)].vendor : NULL;
	const char *plain = NULL;
	size_t n = strlen(step);

	for (size_t i = 0; i < r->s->nconsole; i++) {
		const char *name = r->s->console_steps[i];

		if (strcmp(name, step) == 0)
			plain = r->s->console_cmds[i];
		else if (vendor && strncmp(name, step, n) == 0 && name[n] == '-' &&
			 strcmp(name + n + 1, vendor) == 0)
			return r->s->console_cmds[i];
	}
	return plain;
}

/* ${cards}: where a vendor's domain cards are written, one folder per vendor. */
static void cards_dir(const hl_run_t *r, const char *dev, char *out, size_t len)
{
	snprintf(out, len, "%s/%s-cards", r->dir,
		 r->s->devices[hl_scn_device_index(r, dev)].vendor);
}

/* 1 when the console's --help lists a command starting with `word`. */
static int console_has(const hl_run_t *r, const char *tmpl)
{
	char word[64], pat[80];

	if (tmpl == NULL || sscanf(tmpl, "%63s", word) != 1 || r->console_help == NULL)
		return 0;
	snprintf(pat, sizeof pat, "\n  %s ", word);
	return strstr(r->console_help, pat) != NULL;
}

static void expand(const hl_run_t *r, const hl_step_t *st, const char *dev, const char *tmpl,
		   char *out, size_t len)
{
	const hl_devstate_t *d = &r->dev[hl_scn_device_index(r, dev)];
	const hl_scn_key_t *k = st->key ? hl_scenario_key(r->s, st->key) : NULL;
	char blob[2300], audit[2300], cards[2300], now[32];
	struct tm tm;
	const char *vars[][2] = {
		{ "${audit}", audit },
		{ "${cards}", cards },
		{ "${value}", st->value ? st->value : now },
		{ "${now}", now },
		{ "${device}", d->serial },
		{ "${label}", dev },
		{ "${key}", k ? k->label : "" },
		{ "${blob}", blob },
		{ "${so_pin}", r->s->so_pin },
		{ "${user_pin}", st->pin ? st->pin : r->s->user_pin },
		{ "${dir}", r->dir },
	};
	size_t o = 0;

	snprintf(blob, sizeof blob, "%s/%s.blob", r->dir, k ? k->name : "device");
	snprintf(audit, sizeof audit, "%s/%s.audit", r->dir, dev);
	cards_dir(r, dev, cards, sizeof cards);
	gmtime_r(&r->cer->date, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
	while (*tmpl && o + 1 < len) {
		size_t v = 0;

		for (; v < sizeof vars / sizeof vars[0]; v++)
			if (strncmp(tmpl, vars[v][0], strlen(vars[v][0])) == 0)
				break;
		if (v == sizeof vars / sizeof vars[0]) {
			out[o++] = *tmpl++;
			continue;
		}
		o += (size_t)snprintf(out + o, len - o, "%s", vars[v][1]);
		o = o < len ? o : len - 1;
		tmpl += strlen(vars[v][0]);
	}
	out[o] = '\0';
}

static void console_one(hl_run_t *r, const hl_step_t *st, const char *dev, const char *tmpl,
			hl_obs_t *obs)
{
	hl_devstate_t *d = &r->dev[hl_scn_device_index(r, dev)];
	char line[4096], *argv[40] = { (char *)r->o->admin, "-m", d->module };
	char what[600], *save = NULL;
	size_t n = 3;

	expand(r, st, dev, tmpl, line, sizeof line);
	snprintf(what, sizeof what, "hsmlab-admin %.500s (%s)", line, dev);
	for (char *t = strtok_r(line, " ", &save); t && n < 39; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	hl_scn_run(r, NULL, argv, what, obs);
}

/* make-cards: the first device of a vendor makes the domain and its cards (make-cards);
 * once the vendor's cards exist, a device is set up from them (load-cards). */
static const char *cards_step(const hl_run_t *r, const char *dev)
{
	char dir[2300];

	cards_dir(r, dev, dir, sizeof dir);
	if (access(dir, F_OK) == 0)
		return "load-cards";
	mkdir(dir, 0700); /* domain create writes into it; a failure shows in its own error */
	return "make-cards";
}

/* A refusal the step expects may name its cause in `value` (when the template does not use
 * ${value}): a refusal for any other reason is an error, not the expected outcome. */
static void refused_why(const hl_run_t *r, const hl_step_t *st, const char *tmpl, hl_obs_t *obs)
{
	if (obs->outcome != HL_OUT_REFUSED || st->value == NULL || strstr(tmpl, "${value}"))
		return;
	if (strstr(r->last_out, st->value) != NULL)
		return;
	obs->outcome = HL_OUT_ERROR;
	snprintf(obs->detail + strlen(obs->detail), sizeof obs->detail - strlen(obs->detail),
		 " (refused, but not with \"%.200s\")", st->value);
}

static void step_console(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	const char *name = hl_step_type_name(st->type), *tmpl = NULL;

	for (size_t i = 0; i < st->ndevices; i++)
		if (is_softhsm(&r->dev[hl_scn_device_index(r, st->devices[i])])) {
			obs->outcome = HL_OUT_NA;
			snprintf(obs->detail, sizeof obs->detail,
				 "%s is a vendor step: not applicable to SoftHSMv2", name);
			return;
		}
	for (size_t i = 0; i < st->ndevices || i == 0; i++) {
		const char *dev = i < st->ndevices ? st->devices[i] : NULL;

		tmpl = console_template(r, name, dev);
		if (!console_has(r, tmpl)) {
			obs->outcome = HL_OUT_PENDING;
			snprintf(obs->detail, sizeof obs->detail,
				 "waits for the console command \"hsmlab-admin %s\"",
				 tmpl ? tmpl : "(no template in the scenario's console table)");
			return;
		}
	}
	for (size_t i = 0; i < st->ndevices; i++) {
		if (st->type == HL_STEP_MAKE_CARDS)
			name = cards_step(r, st->devices[i]);
		tmpl = console_template(r, name, st->devices[i]);
		if (!console_has(r, tmpl)) { /* load-cards missing from the table */
			obs->outcome = HL_OUT_ERROR;
			snprintf(obs->detail, sizeof obs->detail,
				 "%s: no console command for \"%s\" in the scenario",
				 st->devices[i], name);
			return;
		}
		console_one(r, st, st->devices[i], tmpl, obs);
		refused_why(r, st, tmpl, obs);
		if (obs->outcome != HL_OUT_OK)
			return;
		if (st->type == HL_STEP_RESTORE) /* the peer now holds the key */
			r->holds[key_index(r, st->key) * r->s->ndevices +
				 hl_scn_device_index(r, st->devices[i])] = 1;
	}
}

/* The profile file's end-of-support date (quirk K5), "" when it has none. */
static void support_end(const hl_run_t *r, const char *profile, char *out, size_t len)
{
	char path[2300];
	config_t cfg;
	const char *v = NULL;
	int on = 0;

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/%s.conf", r->o->profile_dir, profile);
	config_init(&cfg);
	if (config_read_file(&cfg, path) == CONFIG_TRUE &&
	    config_lookup_bool(&cfg, "profile.quirks.end_of_support.on", &on) && on &&
	    config_lookup_string(&cfg, "profile.quirks.end_of_support.value", &v))
		snprintf(out, len, "%s", v);
	config_destroy(&cfg);
}

/* The device's own word (e.g. "clock show": the family's end-of-support warning) when the
 * scenario's console table has a support-check command the console offers. 1 when asked. */
static int support_console(hl_run_t *r, const hl_step_t *st, const char *dev, hl_obs_t *obs)
{
	const char *tmpl = console_template(r, "support-check", dev);
	hl_obs_t one = { HL_OUT_ERROR, "" };
	const char *warn;

	if (!console_has(r, tmpl))
		return 0;
	console_one(r, st, dev, tmpl, &one);
	warn = one.outcome == HL_OUT_OK ? strcasestr(r->last_out, "warning") : NULL;
	if (one.outcome != HL_OUT_OK || warn != NULL) {
		obs->outcome = warn ? HL_OUT_WARNING : one.outcome;
		snprintf(obs->detail, sizeof obs->detail, "%s: %.*s", dev,
			 warn ? (int)strcspn(warn, "\n") : 1400, warn ? warn : one.detail);
		return 1;
	}
	if (obs->outcome == HL_OUT_OK)
		snprintf(obs->detail, sizeof obs->detail, "%s: the device reports no warning", dev);
	return 1;
}

static void step_support(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	char end[32], today[16];
	struct tm tm;

	gmtime_r(&r->cer->date, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	obs->outcome = HL_OUT_OK;
	snprintf(obs->detail, sizeof obs->detail, "in support on %s", today);
	for (size_t i = 0; i < st->ndevices; i++) {
		const hl_devstate_t *d = &r->dev[hl_scn_device_index(r, st->devices[i])];

		if (is_softhsm(d)) { /* a support status is a vendor's: nothing to check */
			obs->outcome = HL_OUT_NA;
			snprintf(obs->detail, sizeof obs->detail,
				 "%s is a SoftHSMv2 token: no vendor support status",
				 st->devices[i]);
			continue;
		}
		if (support_console(r, st, st->devices[i], obs))
			continue;
		support_end(r, d->backend, end, sizeof end);
		if (end[0] != '\0' && strcmp(today, end) >= 0) {
			obs->outcome = HL_OUT_WARNING;
			snprintf(obs->detail, sizeof obs->detail,
				 "%s (%s) out of vendor support since %s (from the profile data: "
				 "the console has no support-check command)",
				 st->devices[i], d->backend, end);
			return;
		}
	}
}

/* quirk L3: wrong SO PINs, then the right one: does the device still let the SO in? */
static void step_so_lockout(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	const char *dev = st->devices[0];
	hl_devstate_t *d = &r->dev[hl_scn_device_index(r, dev)];
	const char *wrong = st->pin ? st->pin : "wrong-so-pin";
	/* --init-pin (to the same user PIN) needs the SO in a read-write session. */
	char *argv[] = { "pkcs11-tool",  "--module", d->module,      "--token-label",
			 (char *)dev,    "--login",  "--login-type", "so",
			 "--so-pin",     NULL,       "--init-pin",   "--new-pin",
			 r->s->user_pin, NULL };
	char first[400] = "";
	int refused = 0;

	argv[9] = (char *)wrong;
	for (int i = 0; i < st->count; i++) {
		refused += hl_scn_run(r, NULL, argv, "SO login with a wrong PIN", obs) != 0;
		if (i == 0)
			snprintf(first, sizeof first, "%.390s", obs->detail);
	}
	argv[9] = r->s->so_pin;
	hl_scn_run(r, NULL, argv, "SO login with the right PIN", obs);
	snprintf(obs->detail + strlen(obs->detail), sizeof obs->detail - strlen(obs->detail),
		 " (after %d wrong SO PINs, %d refused; the first: %s)", st->count, refused, first);
}

void hl_scn_step_device(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	for (size_t i = 0; i < st->ndevices && st->type != HL_STEP_FORMAT; i++)
		if (!r->dev[hl_scn_device_index(r, st->devices[i])].ready) {
			obs->outcome = HL_OUT_ERROR;
			snprintf(obs->detail, sizeof obs->detail,
				 "%s was never formatted in this scenario", st->devices[i]);
			return;
		}
	switch (st->type) {
	case HL_STEP_FORMAT:
		step_format(r, st, obs);
		break;
	case HL_STEP_KEYGEN:
		step_keygen(r, st, obs);
		break;
	case HL_STEP_IMPORT:
		step_import(r, st, obs);
		break;
	case HL_STEP_SUPPORT:
		step_support(r, st, obs);
		break;
	case HL_STEP_SO_LOCKOUT:
		step_so_lockout(r, st, obs);
		break;
	default:
		step_console(r, st, obs);
	}
}
