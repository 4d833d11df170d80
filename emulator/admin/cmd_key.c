/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the generic token init and the key commands: domain create|load and key
 * backup|restore|clone through the vendor's backup path ("hsmlab family" table), key delete
 * through PKCS#11. A key leaves or enters a device only with the credentials the device
 * would ask for: the console logs the Crypto Officer in first (on a Keyper that login works
 * only once the operator quorum has activated the device), besides the domain the blob needs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"

int hl_admin_mkdirs(const char *dir)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = strchr(p + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = 0;
		if (mkdir(p, 0700) != 0 && errno != EEXIST) {
			fprintf(stderr, "hsmlab-admin: %s: cannot make the directory: %s\n", p,
				strerror(errno));
			return EX_FAIL;
		}
		if (!s)
			return EX_OK;
		*s = '/';
	}
}

/* A device's token is in use (re-initializing it erases its keys). */
static bool in_use(const hsmlab_device_info_t *d)
{
	return d->objects > 0 || (strcmp(d->state, "factory") && strcmp(d->state, "free") &&
				  strcmp(d->state, "uninitialized"));
}

int hl_admin_token_init(console_t *c, hl_admin_opts_t *o, const char *arg, const char *label)
{
	hsmlab_device_info_t d;
	CK_UTF8CHAR padded[32];
	CK_SESSION_HANDLE s = 0;
	int ex = hl_admin_find_device(c, arg, &d);
	if (ex == EX_OK && in_use(&d))
		ex = hl_admin_confirm(o, &d, "re-initializing the token erases every key on it");
	if (ex != EX_OK)
		return ex;
	const char *so_pin = hl_admin_secret(o, HL_ADMIN_SO_PIN, "the SO PIN");
	if (!so_pin)
		return EX_USAGE;
	memset(padded, ' ', sizeof(padded));
	memcpy(padded, label, strlen(label) > 32 ? 32 : strlen(label));
	CK_RV rv = c->fn->C_InitToken(d.slot_id, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin), padded);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "C_InitToken", rv);
	if (o->pin) {
		rv = c->fn->C_OpenSession(d.slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL,
					  NULL, &s);
		if (rv == CKR_OK)
			rv = c->fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin));
		if (rv == CKR_OK)
			rv = c->fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)o->pin, strlen(o->pin));
		if (s)
			c->fn->C_CloseSession(s);
		if (rv != CKR_OK)
			return hl_admin_fail(c, "C_InitPIN", rv);
	}
	printf("device %s: token \"%s\" initialized%s\n", d.serial, label,
	       o->pin ? ", user PIN set" : "");
	return EX_OK;
}

/* A session on the device with the Crypto Officer (CKU_USER) logged in; EX_OK or printed. */
static int co_session(console_t *c, hl_admin_opts_t *o, const hsmlab_device_info_t *d,
		      hl_admin_secret_t which, CK_SESSION_HANDLE *s)
{
	const char *pin = hl_admin_secret(o, which, "the Crypto Officer PIN");
	if (!pin)
		return EX_USAGE;
	CK_RV rv =
	    c->fn->C_OpenSession(d->slot_id, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, s);
	if (rv == CKR_OK)
		rv = c->fn->C_Login(*s, CKU_USER, (CK_UTF8CHAR_PTR)pin, strlen(pin));
	if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN)
		return EX_OK;
	if (*s)
		c->fn->C_CloseSession(*s);
	*s = 0;
	snprintf(o->device, sizeof(o->device), "%s (slot %lu)", d->serial, d->slot_id);
	return hl_admin_fail(c, "the Crypto Officer's login (needed to move a key)", rv);
}

static void end_session(console_t *c, CK_SESSION_HANDLE s)
{
	if (!s)
		return;
	c->fn->C_Logout(s);
	c->fn->C_CloseSession(s);
}

/* key clone SRC LABEL DST: the vendor's cloning (CA_CloneObject-style), one PIN per side. */
static int key_clone(console_t *c, hl_admin_opts_t *o, const hsmlab_device_info_t *src, char **argv)
{
	hsmlab_device_info_t dst;
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
	const char *src_pin = hl_admin_secret(o, HL_ADMIN_PIN, "the source's Crypto Officer PIN");
	if (src_pin && !o->dst_pin)
		o->dst_pin = src_pin; /* one PIN for both sides unless --dst-pin */
	if (!src_pin)
		return EX_USAGE;
	snprintf(o->device, sizeof(o->device), "%s -> %s", src->serial, dst.serial);
	CK_RV rv = c->fam->key_clone(src->slot_id, src_pin, argv[3], dst.slot_id, o->dst_pin);
	if (rv != CKR_OK)
		return hl_admin_fam_fail(c, "key clone", rv);
	printf("key \"%s\" cloned from %s onto %s\n", argv[3], src->serial, dst.serial);
	return EX_OK;
}

/* A blob of the other vendor (its magic, formats.md §3) is refused before any credential is
 * asked or tried: no login attempt is spent on a restore that cannot happen. */
static int other_vendor_blob(const hl_admin_opts_t *o, const hsmlab_device_info_t *d,
			     const char *file)
{
	char magic[7] = "";
	FILE *f = fopen(file, "rb");
	if (!f)
		return EX_OK; /* the family names an unreadable file */
	size_t n = fread(magic, 1, 6, f);
	fclose(f);
	magic[n] = 0;
	const char *vendor = !strcmp(magic, "HLKYPR")   ? "keyper"
			     : !strcmp(magic, "HLLUNA") ? "luna"
							: NULL;
	if (!vendor || !strcmp(vendor, d->family))
		return EX_OK;
	fprintf(stderr,
		"hsmlab-admin: %s: device %s: CKR_WRAPPED_KEY_INVALID: restore from %s: backup "
		"blob is from the other vendor family (a %s blob; this is a %s device)\n",
		o->command, o->device, file, magic, d->family);
	return EX_FAIL;
}

/* key backup|restore: the blob moves only while the CO is logged in on the device. */
static int key_move(console_t *c, hl_admin_opts_t *o, const hsmlab_device_info_t *d, char **argv)
{
	CK_SESSION_HANDLE s = 0;
	bool backup = !strcmp(argv[1], "backup");
	int ex = backup ? EX_OK : other_vendor_blob(o, d, argv[3]);
	if (ex == EX_OK)
		ex = co_session(c, o, d, HL_ADMIN_PIN, &s);
	if (ex != EX_OK)
		return ex;
	CK_RV rv = backup ? c->fam->key_backup(d->slot_id, argv[3], argv[4])
			  : c->fam->key_restore(d->slot_id, argv[3]);
	end_session(c, s);
	if (rv != CKR_OK)
		return hl_admin_fam_fail(c, backup ? "key backup" : "key restore", rv);
	if (backup)
		printf("device %s: key \"%s\" backed up to %s\n", d->serial, argv[3], argv[4]);
	else
		printf("device %s: restored %s\n", d->serial, argv[3]);
	return EX_OK;
}

/* key delete DEVICE LABEL: every object of that label, after the CO's login. */
static int key_delete(console_t *c, hl_admin_opts_t *o, const hsmlab_device_info_t *d,
		      const char *label)
{
	CK_SESSION_HANDLE s = 0;
	CK_OBJECT_HANDLE h[16];
	CK_ULONG n = 0;
	CK_ATTRIBUTE t = { CKA_LABEL, (void *)label, strlen(label) };
	int ex = hl_admin_confirm(o, d,
				  "deleting a key cannot be undone (only a backup "
				  "brings it back)");
	if (ex == EX_OK)
		ex = co_session(c, o, d, HL_ADMIN_PIN, &s);
	if (ex != EX_OK)
		return ex;
	CK_RV rv = c->fn->C_FindObjectsInit(s, &t, 1);
	if (rv == CKR_OK)
		rv = c->fn->C_FindObjects(s, h, 16, &n);
	if (rv == CKR_OK)
		c->fn->C_FindObjectsFinal(s);
	for (CK_ULONG i = 0; rv == CKR_OK && i < n; i++)
		rv = c->fn->C_DestroyObject(s, h[i]);
	end_session(c, s);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "key delete", rv);
	if (!n) {
		fprintf(stderr, "hsmlab-admin: key delete: device %s: no key labelled \"%s\"\n",
			o->device, label);
		return EX_FAIL;
	}
	printf("device %s: deleted %lu objects labelled \"%s\"\n", d->serial, n, label);
	return EX_OK;
}

static int domain_cmd(console_t *c, hl_admin_opts_t *o, const hsmlab_device_info_t *d, int argc,
		      char **argv)
{
	CK_RV rv;
	const char *card_pin = o->card_pin;
	if (!card_pin && hl_admin_interactive())
		card_pin = hl_admin_secret(o, HL_ADMIN_CARD_PIN, "the card PIN");
	if (!strcmp(argv[1], "create")) {
		char *e1 = NULL, *e2 = NULL;
		unsigned long m = strtoul(argv[5], &e1, 10), n = strtoul(argv[6], &e2, 10);
		if (*e1 || *e2 || !m || m > n) {
			fprintf(stderr, "hsmlab-admin: domain create: want 1 <= M <= N\n");
			return EX_USAGE;
		}
		if (hl_admin_mkdirs(argv[4]) != EX_OK)
			return EX_FAIL;
		rv = c->fam->domain_create(d->slot_id, argv[3], argv[4], m, n, card_pin);
		if (rv == CKR_OK)
			printf("device %s: new domain \"%s\", %lu of %lu cards in %s\n", d->serial,
			       argv[3], m, n, argv[4]);
	} else {
		rv = c->fam->domain_load(d->slot_id, argv[3], (const char *const *)argv + 4,
					 (CK_ULONG)(argc - 4), card_pin);
		if (rv == CKR_OK)
			printf("device %s: domain \"%s\" loaded from %d cards\n", d->serial,
			       argv[3], argc - 4);
	}
	/* A quorum shortfall's message is the family's ("N given, M needed"). */
	return rv == CKR_OK ? EX_OK : hl_admin_fam_fail(c, o->command, rv);
}

int hl_admin_keys(console_t *c, int argc, char **argv, hl_admin_opts_t *o)
{
	hsmlab_device_info_t d;
	bool del = !strcmp(argv[1], "delete");
	int ex = del ? EX_OK : hl_admin_need_family(c, argv[0]);
	if (ex == EX_OK)
		ex = hl_admin_find_device(c, argv[2], &d);
	if (ex != EX_OK)
		return ex;
	if (!strcmp(argv[0], "domain"))
		return domain_cmd(c, o, &d, argc, argv);
	if (del)
		return key_delete(c, o, &d, argv[3]);
	if (!strcmp(argv[1], "clone"))
		return key_clone(c, o, &d, argv);
	return key_move(c, o, &d, argv);
}
