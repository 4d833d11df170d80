/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: what the console's command files share. The generic commands live in
 * hsmlab-admin.c; each vendor's own console commands (its init sequence, cards, activation)
 * live in cmd_<vendor>.c and reach the device only through the vendor module's tables. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "hsmlab/hsmlab-ext.h"
#include "hsmlab/hsmlab-family.h"
#include "hsmlab/p11client.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_MODULE = 3 };

struct hl_admin_opts;

typedef struct {
	hl_p11_module_t *mod;
	CK_FUNCTION_LIST_PTR fn;
	CK_FUNCTION_LIST_3_0_PTR fn3; /* for C_GetInterface (vendor tables) */
	const HSMLAB_EXT_FUNCTION_LIST *ext;
	const HSMLAB_FAMILY_FUNCTION_LIST *fam; /* vendor modules only */
	bool initialized;
	struct hl_admin_opts *opts; /* the command's options: its name and device for errors */
} console_t;

/* Command-line options the commands may use (NULL when not given). The credentials come
 * from their option, environment variable, --secrets-fd or the terminal (prompt.c). */
typedef struct hl_admin_opts {
	const char *so_pin;   /* --so-pin, $HSMLAB_SO_PIN */
	const char *pin;      /* --pin, $HSMLAB_PIN */
	const char *card_pin; /* --card-pin, $HSMLAB_CARD_PIN */
	const char *dst_pin;  /* --dst-pin, $HSMLAB_DST_PIN: the target's CO PIN (key clone) */
	const char *cards;    /* --cards DIR */
	bool yes;             /* --yes: destructive commands run without asking */
	char command[64];     /* "luna zeroize": the command, for messages */
	char device[80];      /* "7D10C0B9287E5B8C (slot 743047169)" once found */
} hl_admin_opts_t;

typedef enum {
	HL_ADMIN_SO_PIN,
	HL_ADMIN_PIN,
	HL_ADMIN_CARD_PIN,
	HL_ADMIN_DST_PIN,
	HL_ADMIN_SECRET_N
} hl_admin_secret_t;

/* Prints "hsmlab-admin: COMMAND: device SERIAL (slot N): [what: ]CKR_...: <the module's last
 * error>" (one line: the module itself is kept quiet) and returns EX_FAIL. */
int hl_admin_fail(const console_t *c, const char *what, CK_RV rv);
/* The same line with the module's message given (hl_admin_fam_fail: the family table's). */
int hl_admin_fail_with(const console_t *c, const char *what, CK_RV rv, const char *msg);
/* The device named by slot id or serial; prints the problem and returns EX_FAIL if none. */
int hl_admin_find_device(console_t *c, const char *arg, hsmlab_device_info_t *out);

/* prompt.c: true when a person is at the terminal (stdin and stderr are ttys). */
bool hl_admin_interactive(void);
/* Fills credentials not given as options from $HSMLAB_SO_PIN, $HSMLAB_PIN, ... */
int hl_admin_secrets_env(hl_admin_opts_t *o);
/* Reads NAME=VALUE lines (so-pin, pin, card-pin, dst-pin) from fd; EX_OK or EX_USAGE. */
int hl_admin_secrets_fd(hl_admin_opts_t *o, int fd);
/* The credential, asked at the terminal (no echo) when not given; NULL (the reason
 * printed) when there is no terminal to ask at. who: "the HSM SO password". */
const char *hl_admin_secret(hl_admin_opts_t *o, hl_admin_secret_t which, const char *who);
/* One line asked at the terminal and shown as typed (what is no secret); -1 without one. */
int hl_admin_ask_shown(const char *prompt, char *buf, size_t n);
/* EX_OK when --yes was given or the person typed yes to "COMMAND: device ...: what";
 * EX_FAIL (printed) otherwise, and always without a terminal and --yes. */
int hl_admin_confirm(const hl_admin_opts_t *o, const hsmlab_device_info_t *d, const char *what);

/* help.c: the whole help, or (words given) the help of the commands they start. */
void hl_admin_usage(FILE *f);
int hl_admin_command_help(int argc, char **argv);

/* cmd_key.c: the generic token init; domain create|load, key backup|restore|clone|delete. */
int hl_admin_token_init(console_t *c, hl_admin_opts_t *o, const char *dev, const char *label);
int hl_admin_keys(console_t *c, int argc, char **argv, hl_admin_opts_t *o);
/* mkdir -p DIR (0700): where cards and iKeys are written; EX_OK or printed. */
int hl_admin_mkdirs(const char *dir);

/* audit.c: audit export|verify|show, clock show|set (vendor modules). */
int hl_admin_audit(console_t *c, int argc, char **argv);
int hl_admin_clock(console_t *c, const char *verb, const char *dev, const char *when);
int hl_admin_need_family(const console_t *c, const char *what);
int hl_admin_fam_fail(const console_t *c, const char *what, CK_RV rv);

/* A vendor's commands: the exit code, or -1 when argv is not one of its commands (or the
 * module is not that vendor's). *_usage: the help lines of its commands. */
int hl_admin_keyper(console_t *c, int argc, char **argv, hl_admin_opts_t *o);
int hl_admin_luna(console_t *c, int argc, char **argv, hl_admin_opts_t *o);
/* cmd_ped.c: the console as the Luna's PED (at a terminal: a prompt per iKey), and
 * `luna ikey duplicate SRC DST`. */
struct HSMLAB_LUNA_FUNCTION_LIST;
void hl_admin_luna_ped(const struct HSMLAB_LUNA_FUNCTION_LIST *l);
int hl_admin_luna_ikey(console_t *c, const struct HSMLAB_LUNA_FUNCTION_LIST *l, int argc,
		       char **argv, hl_admin_opts_t *o);
extern const char hl_admin_keyper_usage[];
extern const char hl_admin_luna_usage[];
