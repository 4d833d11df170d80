/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: a vendor device's audit log and clock, through the module's "hsmlab family"
 * table; `audit show` reads an export without any module (audit_text.c). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "audit_text.h"

int hl_admin_need_family(const console_t *c, const char *what)
{
	if (c->fam)
		return EX_OK;
	fprintf(stderr,
		"hsmlab-admin: %s: the module has no \"%s\" table (load a vendor module "
		"with --family)\n",
		what, HSMLAB_FAMILY_INTERFACE_NAME);
	return EX_USAGE;
}

int hl_admin_fam_fail(const console_t *c, const char *what, CK_RV rv)
{
	return hl_admin_fail_with(c, what, rv, c->fam->last_error());
}

static int audit_show(const char *file)
{
	char err[512];
	if (hl_audit_text_show(file, stdout, err, sizeof(err)) == 0)
		return EX_OK;
	fprintf(stderr, "hsmlab-admin: audit show: %s\n", err);
	return EX_FAIL;
}

int hl_admin_audit(console_t *c, int argc, char **argv)
{
	hsmlab_device_info_t d;
	const char *verb = argv[1];
	if (!strcmp(verb, "show"))
		return argc == 3 ? audit_show(argv[2]) : EX_USAGE;
	const char *file = argv[3];
	int ex = hl_admin_need_family(c, "audit");
	if (ex == EX_OK)
		ex = hl_admin_find_device(c, argv[2], &d);
	if (ex != EX_OK)
		return ex;
	if (!strcmp(verb, "export")) {
		CK_RV rv = c->fam->audit_export(d.slot_id, file);
		if (rv != CKR_OK)
			return hl_admin_fam_fail(c, "audit export", rv);
		printf("audit log of %s written to %s\n", d.serial, file);
		return EX_OK;
	}
	hsmlab_audit_check_t chk;
	CK_RV rv = c->fam->audit_verify(d.slot_id, file, &chk);
	if (rv == CKR_OK) {
		int back = hl_audit_text_backwards(file, "hsmlab-admin", stderr);
		printf("%s: %llu records, chain and HMACs intact%s\n", file, chk.records,
		       back > 0 ? "; but the device time runs backwards (see the warnings)" : "");
		return EX_OK;
	}
	if (rv != CKR_SIGNATURE_INVALID)
		return hl_admin_fam_fail(c, "audit verify", rv);
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

int hl_admin_clock(console_t *c, const char *verb, const char *dev, const char *when)
{
	hsmlab_device_info_t d;
	long long t = 0, off = 0;
	char iso[32], warn[256];
	int ex = hl_admin_need_family(c, "clock");
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
		return hl_admin_fam_fail(c, verb, rv);
	time_t tt = (time_t)t;
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", gmtime(&tt));
	printf("device %s clock: %s (offset %+lld s)\n", d.serial, iso, off);
	if (warn[0])
		printf("warning: %s\n", warn);
	return EX_OK;
}
