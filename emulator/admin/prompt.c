/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-admin: credentials and confirmations, for people and for scripts. A credential comes
 * from its option (kept for old scripts: it shows in `ps`), its environment variable, the
 * --secrets-fd descriptor (NAME=VALUE lines), or else is asked at the terminal without echo.
 * Nothing is asked when the console does not run at a terminal: a script gets a one-line
 * error naming the ways to give it, never a hang. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "admin.h"

static const struct {
	const char *opt, *env, *fd_name;
} secret_names[HL_ADMIN_SECRET_N] = {
	[HL_ADMIN_SO_PIN] = { "--so-pin", "HSMLAB_SO_PIN", "so-pin" },
	[HL_ADMIN_PIN] = { "--pin", "HSMLAB_PIN", "pin" },
	[HL_ADMIN_CARD_PIN] = { "--card-pin", "HSMLAB_CARD_PIN", "card-pin" },
	[HL_ADMIN_DST_PIN] = { "--dst-pin", "HSMLAB_DST_PIN", "dst-pin" },
};

/* Prompted and fd-read values live until exit (the options' strings do too). */
static char held[HL_ADMIN_SECRET_N][256];

static const char **slot_of(hl_admin_opts_t *o, hl_admin_secret_t which)
{
	const char **v[HL_ADMIN_SECRET_N] = { &o->so_pin, &o->pin, &o->card_pin, &o->dst_pin };
	return v[which];
}

bool hl_admin_interactive(void)
{
	return isatty(STDIN_FILENO) && isatty(STDERR_FILENO);
}

int hl_admin_secrets_env(hl_admin_opts_t *o)
{
	for (int i = 0; i < HL_ADMIN_SECRET_N; i++) {
		const char **v = slot_of(o, (hl_admin_secret_t)i);
		const char *e = getenv(secret_names[i].env);
		if (!*v && e && e[0])
			*v = e;
	}
	return EX_OK;
}

int hl_admin_secrets_fd(hl_admin_opts_t *o, int fd)
{
	FILE *f = fdopen(fd, "r");
	char line[512];
	int lineno = 0;
	if (!f) {
		fprintf(stderr, "hsmlab-admin: --secrets-fd %d: %s\n", fd, strerror(errno));
		return EX_USAGE;
	}
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '=');
		int i;
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		for (i = 0; eq && i < HL_ADMIN_SECRET_N; i++)
			if (strlen(secret_names[i].fd_name) == (size_t)(eq - line) &&
			    !strncmp(line, secret_names[i].fd_name, (size_t)(eq - line)))
				break;
		if (!eq || i == HL_ADMIN_SECRET_N) {
			fprintf(stderr,
				"hsmlab-admin: --secrets-fd %d: line %d: want so-pin=, pin=, "
				"card-pin= or dst-pin=\n",
				fd, lineno);
			fclose(f);
			return EX_USAGE;
		}
		snprintf(held[i], sizeof(held[i]), "%s", eq + 1);
		*slot_of(o, (hl_admin_secret_t)i) = held[i];
	}
	fclose(f);
	return EX_OK;
}

/* Reads one line from the terminal, with echo off when hidden (the terminal is restored on
 * every path). */
static int read_tty(const char *prompt, char *buf, size_t n, bool hidden)
{
	FILE *tty = fopen("/dev/tty", "r+");
	struct termios old, quiet;
	if (!tty)
		return -1;
	int fd = fileno(tty);
	bool echo_off = hidden && tcgetattr(fd, &old) == 0;
	if (echo_off) {
		quiet = old;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	fputs(prompt, tty);
	fflush(tty);
	char *got = fgets(buf, (int)n, tty);
	if (echo_off)
		tcsetattr(fd, TCSAFLUSH, &old);
	if (hidden)
		fputs("\n", tty); /* the Enter the terminal did not echo */
	fclose(tty);
	if (!got)
		return -1;
	buf[strcspn(buf, "\r\n")] = 0;
	return 0;
}

int hl_admin_ask_shown(const char *prompt, char *buf, size_t n)
{
	return read_tty(prompt, buf, n, false);
}

const char *hl_admin_secret(hl_admin_opts_t *o, hl_admin_secret_t which, const char *who)
{
	const char **v = slot_of(o, which);
	char prompt[300];
	if (*v)
		return *v;
	if (!hl_admin_interactive()) {
		fprintf(stderr,
			"hsmlab-admin: %s: needs %s: give it in $%s or on --secrets-fd (%s=...), "
			"or run at a terminal to be asked\n",
			o->command, who, secret_names[which].env, secret_names[which].fd_name);
		return NULL;
	}
	snprintf(prompt, sizeof(prompt), "%s%s%s: ", who, o->device[0] ? " for device " : "",
		 o->device);
	if (read_tty(prompt, held[which], sizeof(held[which]), true) != 0) {
		fprintf(stderr, "hsmlab-admin: %s: no %s typed\n", o->command, who);
		return NULL;
	}
	*v = held[which];
	return *v;
}

int hl_admin_confirm(const hl_admin_opts_t *o, const hsmlab_device_info_t *d, const char *what)
{
	char line[64];
	if (o->yes)
		return EX_OK;
	if (!hl_admin_interactive()) {
		fprintf(stderr,
			"hsmlab-admin: %s: device %s (slot %lu): %s; not confirmed: add --yes "
			"to run it from a script\n",
			o->command, d->serial, d->slot_id, what);
		return EX_FAIL;
	}
	fprintf(stderr, "%s: device %s (slot %lu, %s): %s.\nType yes to go on: ", o->command,
		d->serial, d->slot_id, d->family, what);
	fflush(stderr);
	if (!fgets(line, sizeof(line), stdin) || strcmp(line, "yes\n") != 0) {
		fprintf(stderr, "hsmlab-admin: %s: device %s: not confirmed, nothing done\n",
			o->command, d->serial);
		return EX_FAIL;
	}
	return EX_OK;
}
