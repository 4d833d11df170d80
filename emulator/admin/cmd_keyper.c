/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: the Keyper vendor's own console commands (to come: issue 3). */
#include "admin.h"

const char hl_admin_keyper_usage[] = "";

int hl_admin_keyper(console_t *c, int argc, char **argv, const hl_admin_opts_t *o)
{
	(void)c;
	(void)argc;
	(void)argv;
	(void)o;
	return -1;
}
