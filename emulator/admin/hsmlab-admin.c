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
#include "hsmlab/paths.h"

static const char *default_module(void)
{
	const char *env = getenv("HSMLAB_MODULE");
	if (env && env[0])
		return env;
	/* The module beside this console: the build tree's, or <prefix>/<libdir>'s. */
	static char path[HL_PATHS_MAX + 16];
	snprintf(path, sizeof(path), "%s/libhsmlab.so", hl_paths_get()->modules);
	return path;
}

int hl_admin_fail_with(const console_t *c, const char *what, CK_RV rv, const char *msg)
{
	const hl_admin_opts_t *o = c->opts;
	/* what adds nothing when the command already says it ("luna stm recover" and "stm
	 * recover"): the line names the command once */
	size_t cl = o ? strlen(o->command) : 0, wl = strlen(what);
	bool same =
	    !o || !strcmp(o->command, what) ||
	    (wl < cl && o->command[cl - wl - 1] == ' ' && !strcmp(o->command + cl - wl, what));
	fprintf(stderr, "hsmlab-admin: %s: %s%s%s%s%s%s%s%s\n", o ? o->command : what,
		o && o->device[0] ? "device " : "", o ? o->device : "",
		o && o->device[0] ? ": " : "", same ? "" : what, same ? "" : ": ", hl_ckr_name(rv),
		msg && msg[0] ? ": " : "", msg ? msg : "");
	return EX_FAIL;
}

int hl_admin_fail(const console_t *c, const char *what, CK_RV rv)
{
	return hl_admin_fail_with(c, what, rv, c->ext ? c->ext->last_error() : "");
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

/* ", it belongs to another vendor's module" when the lab holds a device of that serial that
 * this module does not show (the lab keeps each device in devices/SERIAL.db). */
static const char *other_vendor(console_t *c, const char *serial)
{
	char dir[1024], path[1200];
	if (!c->ext || c->ext->lab_info(dir, sizeof(dir), NULL, 0, NULL, 0) != CKR_OK ||
	    strchr(serial, '/'))
		return "";
	snprintf(path, sizeof(path), "%s/devices/%s.db", dir, serial);
	return access(path, F_OK) == 0 ? " in this module: it is another vendor's device (keys "
					 "never move across vendors)"
				       : "";
}

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
			if (c->opts)
				snprintf(c->opts->device, sizeof(c->opts->device), "%s (slot %lu)",
					 v[i].serial, v[i].slot_id);
			free(v);
			return EX_OK;
		}
	}
	free(v);
	fprintf(stderr, "hsmlab-admin: %s: device \"%s\": no such slot id or serial%s\n",
		c->opts ? c->opts->command : "device", arg, other_vendor(c, arg));
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

/* Whether argv (after the options) has the shape of one of the generic commands. */
static bool generic_shape(int argc, char **argv, const char *a, const char *b)
{
	(void)argv;
	return (!strcmp(a, "domain") && !strcmp(b, "create") && argc == 7) ||
	       (!strcmp(a, "domain") && !strcmp(b, "load") && argc >= 5) ||
	       (!strcmp(a, "key") && !strcmp(b, "backup") && argc == 5) ||
	       (!strcmp(a, "key") && !strcmp(b, "restore") && argc == 4) ||
	       (!strcmp(a, "key") && !strcmp(b, "clone") && argc == 5) ||
	       (!strcmp(a, "key") && !strcmp(b, "delete") && argc == 4);
}

static int dispatch(console_t *c, int argc, char **argv, hl_admin_opts_t *o)
{
	const char *a = argv[0], *b = argc > 1 ? argv[1] : "";
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
		return hl_admin_token_init(c, o, argv[2], argv[3]);
	if (!strcmp(a, "audit") && (!strcmp(b, "export") || !strcmp(b, "verify")) && argc == 4)
		return hl_admin_audit(c, argc, argv);
	if (!strcmp(a, "clock") && !strcmp(b, "show") && argc == 3)
		return hl_admin_clock(c, b, argv[2], NULL);
	if (!strcmp(a, "clock") && !strcmp(b, "set") && argc == 4)
		return hl_admin_clock(c, b, argv[2], argv[3]);
	if (generic_shape(argc, argv, a, b))
		return hl_admin_keys(c, argc, argv, o);
	fprintf(stderr, "hsmlab-admin: unknown command or wrong arguments: %s %s (see --help)\n", a,
		b);
	return EX_USAGE;
}

/* Options: returns -1 to go on, or the exit code (help, version, usage errors). */
static int parse_options(int argc, char **argv, hl_admin_opts_t *o, const char **module,
			 const char **family, bool *help)
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
		{ "secrets-fd", required_argument, NULL, 'F' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, fd = -1;
	char *end = NULL;
	while ((opt = getopt_long(argc, argv, "m:f:c:yhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'm':
			*module = optarg;
			break;
		case 'f':
			*family = optarg;
			break;
		case 'c':
			setenv("HSMLAB_CONF", optarg, 1);
			break;
		case 'S':
			o->so_pin = optarg;
			break;
		case 'P':
			o->pin = optarg;
			break;
		case 'C':
			o->card_pin = optarg;
			break;
		case 'D':
			o->cards = optarg;
			break;
		case 'T':
			o->dst_pin = optarg;
			break;
		case 'y':
			o->yes = true;
			break;
		case 'h':
			*help = true;
			break;
		case 'F':
			fd = (int)strtol(optarg, &end, 10);
			if (*end || fd < 0) {
				fprintf(stderr,
					"hsmlab-admin: --secrets-fd: \"%s\" is no file "
					"descriptor\n",
					optarg);
				return EX_USAGE;
			}
			break;
		case 'V':
			printf("hsmlab-admin %s\n", HSMLAB_VERSION);
			return EX_OK;
		default:
			hl_admin_usage(stderr);
			return EX_USAGE;
		}
	}
	if (fd >= 0 && hl_admin_secrets_fd(o, fd) != EX_OK)
		return EX_USAGE;
	return hl_admin_secrets_env(o) == EX_OK ? -1 : EX_USAGE;
}

/* "luna hsm init": the words that name the command, for its messages. */
static void name_command(hl_admin_opts_t *o, int argc, char **argv)
{
	static const char *const three[] = { "stm", "hsm", "partition", "role", "power" };
	bool third = false;
	for (size_t i = 0; i < sizeof(three) / sizeof(three[0]); i++)
		third |= argc > 2 && !strcmp(argv[0], "luna") && !strcmp(argv[1], three[i]);
	snprintf(o->command, sizeof(o->command), "%s %s%s%s", argv[0], argv[1], third ? " " : "",
		 third ? argv[2] : "");
}

int main(int argc, char **argv)
{
	const char *module = NULL, *family = NULL;
	static hl_admin_opts_t o;
	char *fam_path = NULL;
	static console_t c; /* static: the loaded module stays reachable until exit */
	bool help = false;
	int ex = parse_options(argc, argv, &o, &module, &family, &help);
	if (ex >= 0)
		return ex;
	argc -= optind;
	argv += optind;
	if (help && argc > 0)
		return hl_admin_command_help(argc, argv);
	if (help) {
		hl_admin_usage(stdout);
		return EX_OK;
	}
	if (argc < 2) {
		hl_admin_usage(stderr);
		return EX_USAGE;
	}
	name_command(&o, argc, argv);
	c.opts = &o;
	if (!strcmp(argv[0], "audit") && !strcmp(argv[1], "show"))
		return hl_admin_audit(&c, argc, argv);
	bool lab_create = !strcmp(argv[0], "lab") && !strcmp(argv[1], "create");
	if (lab_create && argc != 3) {
		fprintf(stderr, "hsmlab-admin: lab create: expected one DIR\n");
		return EX_USAGE;
	}
	/* The console reports each failure in one line of its own (the module's message is
	 * part of it), so the module's own stderr copy is silenced. */
	setenv("HSMLAB_QUIET", "1", 1);
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
