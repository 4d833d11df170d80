/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: what the console's command files share. The generic commands live in
 * hsmlab-admin.c; each vendor's own console commands (its init sequence, cards, activation)
 * live in cmd_<vendor>.c and reach the device only through the vendor module's tables. */
#pragma once

#include <stdbool.h>

#include "hsmlab/hsmlab-ext.h"
#include "hsmlab/hsmlab-family.h"
#include "hsmlab/p11client.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_MODULE = 3 };

typedef struct {
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	CK_FUNCTION_LIST_3_0_PTR fn3; /* for C_GetInterface (vendor tables) */
	const HSMLAB_EXT_FUNCTION_LIST *ext;
	const HSMLAB_FAMILY_FUNCTION_LIST *fam; /* vendor modules only */
	bool initialized;
} console_t;

/* Command-line options the commands may use (NULL when not given). */
typedef struct {
	const char *so_pin;   /* --so-pin */
	const char *pin;      /* --pin */
	const char *card_pin; /* --card-pin */
	const char *cards;    /* --cards DIR */
	const char *dst_pin;  /* --dst-pin: the target's Crypto Officer PIN (key clone) */
} hl_admin_opts_t;

/* Prints "hsmlab-admin: what: CKR_...: <module's last error>" and returns EX_FAIL. */
int hl_admin_fail(const console_t *c, const char *what, CK_RV rv);
/* The device named by slot id or serial; prints the problem and returns EX_FAIL if none. */
int hl_admin_find_device(console_t *c, const char *arg, hsmlab_device_info_t *out);

/* A vendor's commands: the exit code, or -1 when argv is not one of its commands (or the
 * module is not that vendor's). *_usage: the help lines of its commands. */
int hl_admin_keyper(console_t *c, int argc, char **argv, const hl_admin_opts_t *o);
int hl_admin_luna(console_t *c, int argc, char **argv, const hl_admin_opts_t *o);
extern const char hl_admin_keyper_usage[];
extern const char hl_admin_luna_usage[];
