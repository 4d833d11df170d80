/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab family tests: devices set up through the console, as a ceremony engineer sets them
 * up (hsmlab-admin token init runs the vendor's own init sequence), then used in-process
 * through the module. Devices go by serial: Luna slot ids are virtual (L5) and differ
 * between processes. Header only; include after famlab.h's lab is made (HSMLAB_CONF set). */
#pragma once

#include <stdarg.h>
#include <sys/wait.h>

#include "famlab.h"

#define FAM_CARD_PIN "card-pin"

/* The lab's folder (where HSMLAB_CONF lives) joined with name. */
static inline void fam_lab_path(char *out, size_t n, const char *name)
{
	const char *conf = getenv("HSMLAB_CONF");
	cr_assert_not_null(conf);
	const char *slash = strrchr(conf, '/');
	snprintf(out, n, "%.*s/%s", (int)(slash ? slash - conf : 1), slash ? conf : ".", name);
}

/* Runs `hsmlab-admin` on the family's module with FAM_SO_PIN, FAM_PIN and the card PIN, the
 * lab's card folder and the arguments fmt gives; returns its exit status. Its output (both
 * streams) is left in out (n bytes) when out is not NULL. */
static inline int fam_admin(const char *family, char *out, size_t n, const char *fmt, ...)
{
	char args[1024], cmd[3072], log[256], cards[256];
	const char *b = getenv("HSMLAB_BUILD_DIR");
	va_list ap;
	cr_assert_not_null(b, "HSMLAB_BUILD_DIR not set");
	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	fam_lab_path(log, sizeof(log), "console.out");
	fam_lab_path(cards, sizeof(cards), "cards");
	snprintf(cmd, sizeof(cmd),
		 "%s/emulator/admin/hsmlab-admin -m %s/emulator/module/libhsmlab-%s.so "
		 "--so-pin " FAM_SO_PIN " --pin " FAM_PIN " --card-pin " FAM_CARD_PIN
		 " --cards %s %s >%s 2>&1",
		 b, b, family, cards, args, log);
	int st = system(cmd);
	cr_assert(WIFEXITED(st), "%s", cmd);
	if (out && n) {
		FILE *f = fopen(log, "r");
		size_t got = f ? fread(out, 1, n - 1, f) : 0;
		out[got] = '\0';
		if (f)
			fclose(f);
	}
	return WEXITSTATUS(st);
}

/* A new device of the family (profile NULL: the family's own), its token initialized by the
 * console; its serial in serial (17 bytes). */
static inline void fam_console_device(const char *family, const char *profile, const char *label,
				      char serial[17])
{
	char out[1024];
	cr_assert_eq(
	    fam_admin(family, out, sizeof(out), "device create %s", profile ? profile : ""), 0,
	    "device create: %s", out);
	cr_assert_eq(sscanf(out, "created device %16s", serial), 1, "%s", out);
	cr_assert_eq(fam_admin(family, out, sizeof(out), "token init %s %s", serial, label), 0,
		     "token init: %s", out);
}

/* The slot id this process's module gives the device serial. */
static inline CK_SLOT_ID fam_slot_of(fam_module_t *m, const char *serial)
{
	hsmlab_device_info_t list[32];
	CK_ULONG count = 32;
	cr_assert_eq(m->ext->device_list(list, &count), CKR_OK, "%s", m->ext->last_error());
	for (CK_ULONG i = 0; i < count && i < 32; i++)
		if (strcmp(list[i].serial, serial) == 0)
			return list[i].slot_id;
	cr_assert_fail("device %s not listed by the module", serial);
	return 0;
}

/* Makes a domain on serial (M of N cards in the lab's folder dir) and loads it on each of
 * the n devices in others (the first m cards). */
static inline void fam_console_domain(const char *family, const char *owner, const char *dir, int m,
				      int n, const char *serial, const char *const *others,
				      size_t n_others)
{
	char out[1024], path[256], cards[1536] = "";
	const char *kind = strcmp(family, "keyper") == 0 ? "keyper-smk" : "luna-domain";
	fam_lab_path(path, sizeof(path), dir);
	mkdir(path, 0700);
	cr_assert_eq(fam_admin(family, out, sizeof(out), "domain create %s %s %s %d %d", serial,
			       owner, path, m, n),
		     0, "domain create: %s", out);
	for (int i = 1; i <= m; i++)
		snprintf(cards + strlen(cards), sizeof(cards) - strlen(cards), " %s/%s-%d.card",
			 path, kind, i);
	for (size_t i = 0; i < n_others; i++)
		cr_assert_eq(fam_admin(family, out, sizeof(out), "domain load %s %s%s", others[i],
				       owner, cards),
			     0, "domain load: %s", out);
}

/* The one private key labelled label on the session's token (asserts exactly one). */
static inline CK_OBJECT_HANDLE fam_key(fam_module_t *m, CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_HANDLE k[2];
	CK_ULONG n = 0;
	cr_assert_eq(hl_p11_find_by_label(m->fn, s, CKO_PRIVATE_KEY, label, k, 2, &n), CKR_OK);
	cr_assert_eq(n, 1, "%lu private keys \"%s\"", n, label);
	return k[0];
}
