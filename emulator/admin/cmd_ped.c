/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the console as the Luna's PED (quirks.md L12). At a terminal it asks for each
 * iKey a step presents, in turn, as the PED prompts for each PED key; the device times every
 * answer on its own clock, and one later than the PED key interaction timeout fails the step
 * (Chrystoki.conf PEDTimeout2, else the profile's). Without a terminal (scripts) the iKeys
 * named on the command line are presented at once. `luna ikey duplicate` is the PED's
 * duplicate function. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "hsmlab/hsmlab-luna.h"

/* One PED prompt, answered at the terminal: Enter once the iKey is in, end of input cancels.
 * Called by the module with its locks held: it only talks to the person. */
static CK_RV terminal_ped(void *ctx, const char *kind, const char *ikey, CK_ULONG i, CK_ULONG n)
{
	char prompt[1200], line[64];
	(void)ctx;
	snprintf(prompt, sizeof(prompt),
		 "PED: insert %s iKey %lu of %lu (%s), then press Enter: ", kind, i, n, ikey);
	return hl_admin_ask_shown(prompt, line, sizeof(line)) == 0 ? CKR_OK : CKR_FUNCTION_CANCELED;
}

void hl_admin_luna_ped(const struct HSMLAB_LUNA_FUNCTION_LIST *l)
{
	if (l->version.minor >= 2 && hl_admin_interactive())
		l->hsmlab_CA_SetPED(terminal_ped, NULL);
}

int hl_admin_luna_ikey(console_t *c, const struct HSMLAB_LUNA_FUNCTION_LIST *l, int argc,
		       char **argv, hl_admin_opts_t *o)
{
	if (argc != 5 || strcmp(argv[2], "duplicate") != 0) {
		fprintf(stderr, "hsmlab-admin: luna ikey duplicate SRC DST (see --help)\n");
		return EX_USAGE;
	}
	if (l->version.minor < 2) {
		fprintf(stderr,
			"hsmlab-admin: luna ikey duplicate: the module's \"%s\" table is "
			"%u.%u (duplicate needs 1.2)\n",
			HSMLAB_LUNA_INTERFACE_NAME, l->version.major, l->version.minor);
		return EX_MODULE;
	}
	/* The iKey's PIN: asked at a terminal (an iKey may have none: an empty answer). */
	const char *pin = o->card_pin;
	if (!pin && hl_admin_interactive())
		pin = hl_admin_secret(o, HL_ADMIN_CARD_PIN, "the iKey's PIN (none: Enter)");
	CK_RV rv = l->hsmlab_CA_DuplicateIKey(argv[3], argv[4], pin && pin[0] ? pin : NULL);
	if (rv != CKR_OK)
		return hl_admin_fail(c, "ikey duplicate", rv);
	printf("iKey %s duplicated to %s (the same split, the same PIN)\n", argv[3], argv[4]);
	return EX_OK;
}
