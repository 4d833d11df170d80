/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the lab console. Loads a hsmlab module (dlopen) and uses only PKCS#11 and
 * the module's "hsmlab admin" extension table (and a vendor module's "hsmlab family" table for
 * audit log and device clock), as vendor tools drive their HSMs.
 * Exit codes: 0 success, 1 the operation failed, 2 usage error, 3 module not usable. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: hsmlab-admin [OPTIONS] COMMAND [ARGS]\n"
		"\n"
		"Commands:\n"
		"  lab create DIR              create a lab directory (0700) and its secret\n"
		"  lab show                    the lab, config file and profile directory in use\n"
		"  device create [PROFILE]     add a factory-state device (default profile)\n"
		"  device list                 list the lab's devices (one line each)\n"
		"  device show DEVICE          show one device (DEVICE: slot id or serial)\n"
		"  object list DEVICE          list the token objects of a device\n"
		"  token init DEVICE LABEL     initialize the token (SO PIN from --so-pin)\n"
		"Vendor modules (--family keyper|luna) also offer:\n"
		"  audit export DEVICE FILE    write the device's audit log to FILE\n"
		"  audit verify DEVICE FILE    verify an export (exit 1 and the problems if not)\n"
		"  clock show DEVICE           device time, its offset and the family's warning\n"
		"  clock set DEVICE TIME       set the device clock (YYYY-MM-DDTHH:MM:SSZ or now)\n"
		"  domain create DEVICE OWNER DIR M N\n"
		"                              new SMK / cloning domain, split M of N over cards\n"
		"                              in DIR (card PIN from --card-pin)\n"
		"  domain load DEVICE OWNER CARD...\n"
		"                              set the device's domain up from its cards\n"
		"  key backup DEVICE LABEL FILE  write the private key LABEL as a backup blob\n"
		"  key restore DEVICE FILE     restore a backup blob onto the device\n"
		"  key clone SRC LABEL DST     clone the private key LABEL from device SRC onto\n"
		"                              DST (same vendor and domain; the Crypto Officer\n"
		"                              PIN from --pin, the target's from --dst-pin)\n"
		"%s%s"
		"\n"
		"Options:\n"
		"  -m, --module PATH   module to load (default: $HSMLAB_MODULE, the built or\n"
		"                      installed libhsmlab.so)\n"
		"  -f, --family NAME   the vendor module libhsmlab-NAME.so beside that one\n"
		"  -c, --conf FILE     lab config file (sets HSMLAB_CONF)\n"
		"      --so-pin PIN    SO PIN for token init\n"
		"      --pin PIN       also set the user PIN after token init\n"
		"      --card-pin PIN  PIN of the cards made or read by domain create/load\n"
		"      --cards DIR     where a vendor's setup writes or reads its card files\n"
		"      --dst-pin PIN   the target's Crypto Officer PIN for key clone (default:\n"
		"                      --pin)\n"
		"  -h, --help          this help\n"
		"  -V, --version       version\n"
		"\n"
		"Exit codes: 0 success, 1 operation failed, 2 usage error, 3 module not usable.\n",
		hl_admin_keyper_usage, hl_admin_luna_usage);
}

static const char *default_module(void)
{
	const char *env = getenv("HSMLAB_MODULE");
	if (env && env[0])
		return env;
	if (access(HL_ADMIN_BUILD_MODULE, R_OK) == 0)
		return HL_ADMIN_BUILD_MODULE;
	return HL_ADMIN_INSTALLED_MODULE;
}

int hl_admin_fail(const console_t *c, const char *what, CK_RV rv)
{
	const char *msg = c->ext ? c->ext->last_error() : "";
	fprintf(stderr, "hsmlab-admin: %s: %s%s%s\n", what, hl_ckr_name(rv), msg[0] ? ": " : "",
		msg);
	return EX_FAIL;
}

static int load(console_t *c, const char *path, bool init)
{
	char err[512];
	CK_INTERFACE_PTR iface = NULL;
	CK_VERSION v = { HSMLAB_EXT_VERSION_MAJOR, HSMLAB_EXT_VERSION_MINOR };
	c->mod = hl_p11_module_load(path, 1, err, sizeof(err));
	if (!c->mod) {
		fprintf(stderr, "hsmlab-admin: %s\n", err);
		return EX_MODULE;
	}
	c->fn = hl_p11_module_fn(c->mod);
	CK_FUNCTION_LIST_3_0_PTR fn3 = hl_p11_module_fn3(c->mod);
	c->fn3 = fn3;
	if (!fn3 || fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_EXT_INTERFACE_NAME, &v, &iface,
					0) != CKR_OK) {
		fprintf(stderr,
			"hsmlab-admin: %s: no \"%s\" 1.0 interface (not a hsmlab module?)\n", path,
			HSMLAB_EXT_INTERFACE_NAME);
		return EX_MODULE;
	}
	c->ext = iface->pFunctionList;
	CK_VERSION fv = { HSMLAB_FAMILY_VERSION_MAJOR, HSMLAB_FAMILY_VERSION_MINOR };
	if (fn3->C_GetInterface((CK_UTF8CHAR_PTR)HSMLAB_FAMILY_INTERFACE_NAME, &fv, &iface, 0) ==
	    CKR_OK)
		c->fam = iface->pFunctionList;
	if (init) {
		CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
		CK_RV rv = c->fn->C_Initialize(&args);
		if (rv != CKR_OK) {
			fprintf(stderr, "hsmlab-admin: %s: C_Initialize: %s: %s\n", path,
				hl_ckr_name(rv), c->ext->last_error());
			return EX_MODULE;
		}
		c->initialized = true;
	}
	return EX_OK;
}

/* The module stays mapped until exit: unloading it would unload the OpenSSL it pulled in
 * with OpenSSL's global state still allocated (LeakSanitizer reports that as leaks). */
static void unload(console_t *c)
{
	if (c->initialized)
		c->fn->C_Finalize(NULL);
	c->initialized = false;
}

/* -- devices -- */

int hl_admin_find_device(console_t *c, const char *arg, hsmlab_device_info_t *out)
{
	CK_ULONG n = 0;
	CK_RV rv = c->ext->device_list(NULL, &n);
	hsmlab_device_info_t *v = rv == CKR_OK ? calloc(n ? n : 1, sizeof(*v)) : NULL;
	if (rv == CKR_OK && !v)
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = c->ext->device_list(v, &n);
	if (rv != CKR_OK) {
		free(v);
		return hl_admin_fail(c, "device list", rv);
	}
	char *end = NULL;
	unsigned long slot = strtoul(arg, &end, 10);
	bool numeric = end && !*end && arg[0];
	for (CK_ULONG i = 0; i < n; i++) {
		if (strcmp(v[i].serial, arg) == 0 || (numeric && v[i].slot_id == slot)) {
			*out = v[i];
			free(v);
			return EX_OK;
		}
	}
	free(v);
	fprintf(stderr, "hsmlab-admin: device \"%s\": no such slot id or serial\n", arg);
	return EX_FAIL;
}

static void print_device(const hsmlab_device_info_t *d, bool full)
{
	char label[33];
	hl_p11_unpad(label, (const unsigned char *)d->label, 32);
	if (!full) {
		printf("%-10lu %-16s %-12s %-10s %6lu  %s\n", d->slot_id, d->serial, d->state,
		       d->profile, d->objects, label);
		return;
	}
	printf("slot:     %lu\nserial:   %s\nstate:    %s\nprofile:  %s\nfamily:   %s\n"
	       "label:    %s\nobjects:  %lu\nstore:    %s\n",
	       d->slot_id, d->serial, d->state, d->profile, d->family, label, d->objects,
	       d->path[0] ? d->path : "(none yet: the free device)");
	if (d->error[0])
		printf("error:    %s\n", d->error);
}

/* The vendor module libhsmlab-<family>.so in the directory of module. */
static char *family_module(const char *module, const char *family)
{
	const char *slash = strrchr(module, '/');
	int dir = slash ? (int)(slash - module + 1) : 0;
	size_t n = strlen(module) + strlen(family) + 32;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%.*slibhsmlab-%s.so", dir, module, family);
	return p;
}

/* -- vendor families: audit log and device clock -- */

static int need_family(const console_t *c, const char *what)
{
	if (c->fam)
		return EX_OK;
	fprintf(stderr,
		"hsmlab-admin: %s: the module has no \"%s\" table (load a vendor module "
		"with --family)\n",
		what, HSMLAB_FAMILY_INTERFACE_NAME);
	return EX_USAGE;
}

static int fam_fail(const console_t *c, const char *what, CK_RV rv)
{
	fprintf(stderr, "hsmlab-admin: %s: %s: %s\n", what, hl_ckr_name(rv), c->fam->last_error());
	return EX_FAIL;
}

static int cmd_audit(console_t *c, const char *verb, const char *dev, const char *file)
{
	hsmlab_device_info_t d;
	int ex = need_family(c, "audit");
	if (ex == EX_OK)
		ex = hl_admin_find_device(c, dev, &d);
	if (ex != EX_OK)
		return ex;
	if (!strcmp(verb, "export")) {
		CK_RV rv = c->fam->audit_export(d.slot_id, file);
		if (rv != CKR_OK)
			return fam_fail(c, "audit export", rv);
		printf("audit log of %s written to %s\n", d.serial, file);
		return EX_OK;
	}
	hsmlab_audit_check_t chk;
	CK_RV rv = c->fam->audit_verify(d.slot_id, file, &chk);
	if (rv == CKR_OK) {
		printf("%s: %llu records, chain and HMACs intact\n", file, chk.records);
		return EX_OK;
	}
	if (rv != CKR_SIGNATURE_INVALID)
		return fam_fail(c, "audit verify", rv);
	fprintf(stderr, "%s: audit log fails verification (%llu records):\n%s", file, chk.records,
		chk.problems);
	return EX_FAIL;
}

/* "YYYY-MM-DDTHH:MM:SSZ" or "now" (host time). */
static int parse_time(const char *s, long long *out)
{
	struct tm tm = { 0 };
	char z = 0;
	if (!strcmp(s, "now")) {
		*out = (long long)time(NULL);
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
	    z != 'Z')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (long long)timegm(&tm);
	return 0;
}

static int cmd_clock(console_t *c, const char *verb, const char *dev, const char *when)
{
	hsmlab_device_info_t d;
	long long t = 0, off = 0;
	char iso[32], warn[256];
	int ex = need_family(c, "clock");
	if (ex == EX_OK)
		ex = hl_admin_find_device(c, dev, &d);
	if (ex != EX_OK)
		return ex;
	if (when && parse_time(when, &t) != 0) {
		fprintf(stderr,
			"hsmlab-admin: clock set: \"%s\": want YYYY-MM-DDTHH:MM:SSZ or now\n",
			when);
		return EX_USAGE;
	}
	CK_RV rv = when ? c->fam->clock_set(d.slot_id, t) : CKR_OK;
	if (rv == CKR_OK)
		rv = c->fam->clock_get(d.slot_id, &t, &off);
	if (rv == CKR_OK)
		rv = c->fam->device_warning(d.slot_id, warn, sizeof(warn));
	if (rv != CKR_OK)
		return fam_fail(c, verb, rv);
	time_t tt = (time_t)t;
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
	printf("device %s clock: %s (offset %+lld s)\n", d.serial, iso, off);
	if (warn[0])
		printf("warning: %s\n", warn);
	return EX_OK;
}

static int cmd_device_list(console_t *c)
{
	hsmlab_device_info_t *v = NULL;
	CK_ULONG n = 0;
	CK_RV rv = c->ext->device_list(NULL, &n);
	if (rv == CKR_OK && !(v = calloc(n ? n : 1, sizeof(*v))))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = c->ext->device_list(v, &n);
	if (rv == CKR_OK) {
		printf("%-10s %-16s %-12s %-10s %6s  %s\n", "SLOT", "SERIAL", "STATE", "PROFILE",
		       "OBJS", "LABEL");
		for (CK_ULONG i = 0; i < n; i++)
			print_device(&v[i], false);
	}
	free(v);
	return rv == CKR_OK ? EX_OK : hl_admin_fail(c, "device list", rv);
}

static int cmd_object_list(console_t *c, const char *arg)
{
	hsmlab_device_info_t d;
	hsmlab_object_info_t *v = NULL;
	CK_ULONG n = 0;
	int ex = hl_admin_find_device(c, arg, &d);
	if (ex != EX_OK)
		return ex;
	CK_RV rv = c->ext->object_list(d.slot_id, NULL, &n);
	if (rv == CKR_OK && !(v = calloc(n ? n : 1, sizeof(*v))))
		rv = CKR_HOST_MEMORY;
	if (rv == CKR_OK)
		rv = c->ext->object_list(d.slot_id, v, &n);
	if (rv == CKR_OK) {
		printf("%-8s %-16s %-10s %-7s %-20s %s\n", "ID", "CLASS", "KEY TYPE", "PRIVATE",
		       "CKA_ID", "LABEL");
		for (CK_ULONG i = 0; i < n; i++) {
			char hex[129] = "-";
			for (CK_ULONG k = 0; k < v[i].id_attr_len && k < 64; k++)
				snprintf(hex + 2 * k, 3, "%02x", v[i].id_attr[k]);
			printf("%-8lu %-16s %-10s %-7s %-20s %s\n", v[i].id, hl_cko_name(v[i].cls),
			       v[i].key_type == CK_UNAVAILABLE_INFORMATION
				   ? "-"
				   : hl_ckk_name(v[i].key_type),
			       v[i].is_private ? "yes" : "no", hex, v[i].label);
		}
	}
	free(v);
	return rv == CKR_OK ? EX_OK : hl_admin_fail(c, "object list", rv);
}

static int cmd_token_init(console_t *c, const char *arg, const char *label, const char *so_pin,
			  const char *pin)
{
	hsmlab_device_info_t d;
	CK_UTF8CHAR padded[32];
	CK_SESSION_HANDLE s = 0;
	if (!so_pin) {
		fprintf(stderr, "hsmlab-admin: token init: --so-pin is required\n");
		return EX_USAGE;
	}
	int ex = hl_admin_find_device(c, arg, &d);
	if (ex != EX_OK)
		return ex;
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, strlen(label) > 32 ? 32 : strlen(label));
	CK_RV rv = c->fn->C_InitToken(d.slot_id, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin), padded);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "C_InitToken", rv);
	if (!pin)
		return EX_OK;
	rv = c->fn->C_OpenSession(d.slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv == CKR_OK)
		rv = c->fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin));
	if (rv == CKR_OK)
		rv = c->fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (s)
		c->fn->C_CloseSession(s);
	return rv == CKR_OK ? EX_OK : hl_admin_fail(c, "C_InitPIN", rv);
}

/* key clone SRC LABEL DST: the vendor's cloning (CA_CloneObject-style), one PIN per side. */
static int cmd_clone(console_t *c, const hsmlab_device_info_t *src, char **argv,
		     const char *src_pin, const char *dst_pin)
{
	hsmlab_device_info_t dst;
	if (!src_pin || !dst_pin) {
		fprintf(stderr, "hsmlab-admin: key clone: --pin (the Crypto Officer PIN) is "
				"required\n");
		return EX_USAGE;
	}
	if (c->fam->version.minor < 1 || !c->fam->key_clone) {
		fprintf(stderr,
			"hsmlab-admin: key clone: the module's \"%s\" table is older "
			"than 1.1 (no cloning)\n",
			HSMLAB_FAMILY_INTERFACE_NAME);
		return EX_MODULE;
	}
	int ex = hl_admin_find_device(c, argv[4], &dst);
	if (ex != EX_OK)
		return ex;
	CK_RV rv = c->fam->key_clone(src->slot_id, src_pin, argv[3], dst.slot_id, dst_pin);
	if (rv != CKR_OK)
		return fam_fail(c, "key clone", rv);
	printf("key \"%s\" cloned from %s onto %s\n", argv[3], src->serial, dst.serial);
	return EX_OK;
}

/* domain create|load, key backup|restore|clone: the vendor's backup path. */
static int cmd_backup(console_t *c, int argc, char **argv, const hl_admin_opts_t *o)
{
	const char *card_pin = o->card_pin;
	hsmlab_device_info_t d;
	const char *a = argv[0], *b = argv[1];
	int ex = need_family(c, a);
	if (ex == EX_OK)
		ex = hl_admin_find_device(c, argv[2], &d);
	if (ex != EX_OK)
		return ex;
	CK_RV rv;
	if (!strcmp(a, "domain") && !strcmp(b, "create")) {
		char *e1 = NULL, *e2 = NULL;
		unsigned long m = strtoul(argv[5], &e1, 10), n = strtoul(argv[6], &e2, 10);
		if (*e1 || *e2 || !m || m > n) {
			fprintf(stderr, "hsmlab-admin: domain create: want 1 <= M <= N\n");
			return EX_USAGE;
		}
		rv = c->fam->domain_create(d.slot_id, argv[3], argv[4], m, n, card_pin);
		if (rv == CKR_OK)
			printf("device %s: new domain \"%s\", %lu of %lu cards in %s\n", d.serial,
			       argv[3], m, n, argv[4]);
	} else if (!strcmp(a, "domain")) {
		rv = c->fam->domain_load(d.slot_id, argv[3], (const char *const *)argv + 4,
					 (CK_ULONG)(argc - 4), card_pin);
		if (rv == CKR_OK)
			printf("device %s: domain \"%s\" loaded from %d cards\n", d.serial, argv[3],
			       argc - 4);
	} else if (!strcmp(b, "clone")) {
		/* One PIN for both sides until the console has a --dst-pin option. */
		return cmd_clone(c, &d, argv, o->pin, o->dst_pin ? o->dst_pin : o->pin);
	} else if (!strcmp(b, "backup")) {
		rv = c->fam->key_backup(d.slot_id, argv[3], argv[4]);
		if (rv == CKR_OK)
			printf("device %s: key \"%s\" backed up to %s\n", d.serial, argv[3],
			       argv[4]);
	} else {
		rv = c->fam->key_restore(d.slot_id, argv[3]);
		if (rv == CKR_OK)
			printf("device %s: restored %s\n", d.serial, argv[3]);
	}
	return rv == CKR_OK ? EX_OK : fam_fail(c, a, rv);
}

static int dispatch(console_t *c, int argc, char **argv, const hl_admin_opts_t *o)
{
	const char *a = argv[0], *b = argc > 1 ? argv[1] : "";
	const char *so_pin = o->so_pin, *pin = o->pin;
	/* A vendor module's own commands first: they may also take over generic ones (token
	 * init runs the vendor's init sequence where C_InitToken is not how the device is set
	 * up). */
	int vex = hl_admin_keyper(c, argc, argv, o);
	if (vex < 0)
		vex = hl_admin_luna(c, argc, argv, o);
	if (vex >= 0)
		return vex;
	if (!strcmp(a, "lab") && !strcmp(b, "show") && argc == 2) {
		char dir[1024], conf[1024], prof[1024];
		CK_RV rv =
		    c->ext->lab_info(dir, sizeof(dir), conf, sizeof(conf), prof, sizeof(prof));
		if (rv != CKR_OK)
			return hl_admin_fail(c, "lab show", rv);
		printf("lab:      %s\nconfig:   %s\nprofiles: %s\n", dir,
		       conf[0] ? conf : "(none: defaults)", prof);
		return EX_OK;
	}
	if (!strcmp(a, "device") && !strcmp(b, "create") && argc <= 3) {
		CK_SLOT_ID slot = 0;
		char serial[17] = "";
		CK_RV rv = c->ext->device_create(argc == 3 ? argv[2] : NULL, &slot, serial);
		if (rv != CKR_OK)
			return hl_admin_fail(c, "device create", rv);
		printf("created device %s in slot %lu\n", serial, slot);
		return EX_OK;
	}
	if (!strcmp(a, "device") && !strcmp(b, "list") && argc == 2)
		return cmd_device_list(c);
	if (!strcmp(a, "device") && !strcmp(b, "show") && argc == 3) {
		hsmlab_device_info_t d;
		int ex = hl_admin_find_device(c, argv[2], &d);
		char warn[256] = "";
		if (ex == EX_OK)
			print_device(&d, true);
		if (ex == EX_OK && c->fam && d.path[0] &&
		    c->fam->device_warning(d.slot_id, warn, sizeof(warn)) == CKR_OK && warn[0])
			printf("warning:  %s\n", warn);
		return ex;
	}
	if (!strcmp(a, "object") && !strcmp(b, "list") && argc == 3)
		return cmd_object_list(c, argv[2]);
	if (!strcmp(a, "token") && !strcmp(b, "init") && argc == 4)
		return cmd_token_init(c, argv[2], argv[3], so_pin, pin);
	if (!strcmp(a, "audit") && (!strcmp(b, "export") || !strcmp(b, "verify")) && argc == 4)
		return cmd_audit(c, b, argv[2], argv[3]);
	if (!strcmp(a, "clock") && !strcmp(b, "show") && argc == 3)
		return cmd_clock(c, b, argv[2], NULL);
	if (!strcmp(a, "clock") && !strcmp(b, "set") && argc == 4)
		return cmd_clock(c, b, argv[2], argv[3]);
	if ((!strcmp(a, "domain") && !strcmp(b, "create") && argc == 7) ||
	    (!strcmp(a, "domain") && !strcmp(b, "load") && argc >= 5) ||
	    (!strcmp(a, "key") && !strcmp(b, "backup") && argc == 5) ||
	    (!strcmp(a, "key") && !strcmp(b, "restore") && argc == 4) ||
	    (!strcmp(a, "key") && !strcmp(b, "clone") && argc == 5))
		return cmd_backup(c, argc, argv, o);
	fprintf(stderr, "hsmlab-admin: unknown command or wrong arguments: %s %s (see --help)\n", a,
		b);
	return EX_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "family", required_argument, NULL, 'f' },
		{ "conf", required_argument, NULL, 'c' },
		{ "so-pin", required_argument, NULL, 'S' },
		{ "pin", required_argument, NULL, 'P' },
		{ "card-pin", required_argument, NULL, 'C' },
		{ "cards", required_argument, NULL, 'D' },
		{ "dst-pin", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *module = NULL, *family = NULL;
	hl_admin_opts_t o = { 0 };
	char *fam_path = NULL;
	static console_t c; /* static: the loaded module stays reachable until exit */
	int opt, ex;
	while ((opt = getopt_long(argc, argv, "m:f:c:hV", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			module = optarg;
			break;
		case 'f':
			family = optarg;
			break;
		case 'c':
			setenv("HSMLAB_CONF", optarg, 1);
			break;
		case 'S':
			o.so_pin = optarg;
			break;
		case 'P':
			o.pin = optarg;
			break;
		case 'C':
			o.card_pin = optarg;
			break;
		case 'D':
			o.cards = optarg;
			break;
		case 'T':
			o.dst_pin = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("hsmlab-admin %s\n", HSMLAB_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 2) {
		usage(stderr);
		return EX_USAGE;
	}
	bool lab_create = !strcmp(argv[0], "lab") && !strcmp(argv[1], "create");
	if (lab_create && argc != 3) {
		fprintf(stderr, "hsmlab-admin: lab create: expected one DIR\n");
		return EX_USAGE;
	}
	module = module ? module : default_module();
	if (family && !(module = fam_path = family_module(module, family)))
		return EX_FAIL;
	ex = load(&c, module, !lab_create);
	if (ex == EX_OK && lab_create) {
		CK_RV rv = c.ext->lab_create(argv[2]);
		ex = rv == CKR_OK ? EX_OK : hl_admin_fail(&c, "lab create", rv);
		if (ex == EX_OK)
			printf("lab ready in %s (name it with lab_dir in the config file)\n",
			       argv[2]);
	} else if (ex == EX_OK) {
		ex = dispatch(&c, argc, argv, &o);
	}
	unload(&c);
	free(fam_path);
	return ex;
}
