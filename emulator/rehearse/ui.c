/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: the people. Interactive, everything goes through the terminal (/dev/tty):
 * the act, the step and who acts, PINs typed without echo by the role that holds them, card
 * files chosen to be "inserted", the KSR/SKR hash in PGP words read aloud and confirmed, the
 * witness's initials. Unattended, the answers file (libconfig) says the same things. */
#include <dirent.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "rehearse.h"

int hl_rh_ui_open(hl_rh_ui_t *ui, const char *answers, char *err, size_t errlen)
{
	memset(ui, 0, sizeof(*ui));
	if (!answers) {
		ui->interactive = true;
		if (!isatty(STDIN_FILENO)) {
			snprintf(err, errlen, "no terminal: run at one, or give --answers FILE");
			return -1;
		}
		return 0;
	}
	config_init(&ui->answers);
	ui->have_answers = true;
	if (!config_read_file(&ui->answers, answers)) {
		snprintf(err, errlen, "%s:%d: %s", answers, config_error_line(&ui->answers),
			 config_error_type(&ui->answers) == CONFIG_ERR_FILE_IO
			     ? "cannot read the answers file"
			     : config_error_text(&ui->answers));
		return -1;
	}
	return 0;
}

void hl_rh_ui_close(hl_rh_ui_t *ui)
{
	if (ui->have_answers)
		config_destroy(&ui->answers);
}

void hl_rh_ui_say(const hl_rh_run_t *r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fflush(stdout);
	(void)r;
}

/* The terminal as it was before a hidden prompt, for a Ctrl-C in the middle of one. */
static struct termios saved;
static volatile sig_atomic_t echo_is_off;

void hl_rh_ui_restore_tty(void)
{
	if (echo_is_off)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved); /* async-signal-safe */
}

/* One line typed at the terminal (echo off when hidden); NULL at end of input. */
static char *ask(const char *prompt, bool hidden)
{
	char buf[512];
	struct termios old, quiet;
	bool off = hidden && tcgetattr(STDIN_FILENO, &old) == 0;
	if (off) {
		saved = old;
		echo_is_off = 1;
		quiet = old;
		quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	printf("%s", prompt);
	fflush(stdout);
	char *got = fgets(buf, sizeof(buf), stdin);
	if (off) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		echo_is_off = 0;
		printf("\n");
	}
	if (!got)
		return NULL;
	buf[strcspn(buf, "\r\n")] = 0;
	return strdup(buf);
}

const char *hl_rh_ui_name(const hl_rh_run_t *r, const char *role)
{
	const char *v = NULL;
	char key[96];
	snprintf(key, sizeof(key), "names.%s", role);
	if (r->ui.have_answers && config_lookup_string(&r->ui.answers, key, &v))
		return v;
	return "";
}

void hl_rh_ui_step(const hl_rh_run_t *r, const hl_rh_step_t *st, const char *cmd)
{
	const hl_rh_role_t *role = hl_rh_script_role(r->s, st->role);
	char iso[32];
	hl_rh_iso(hl_rh_now(r), iso);
	const char *dot = strchr(st->id, '.');
	if (!strchr(st->id, 'c') && dot && !strcmp(dot, ".1"))
		printf("\n=== Act %d: %s ===\n", st->act + 1, r->s->acts[st->act]);
	printf("\n--- Step %s  [%s]  %s (%s) acts\n", st->id, iso, role->id, role->title);
	if (st->say)
		printf("    says: %s\n", st->say);
	if (cmd)
		printf("    will: %s\n", cmd);
	fflush(stdout);
}

char *hl_rh_ui_secret(hl_rh_run_t *r, const hl_rh_cred_t *c, int attempt)
{
	const char *v = NULL;
	char key[96], prompt[256];
	if (!r->ui.interactive) {
		snprintf(key, sizeof(key), "credentials.%s", c->id);
		if (!config_lookup_string(&r->ui.answers, key, &v)) {
			fprintf(stderr, "hsmlab-rehearse: the answers file has no %s (%s of %s)\n",
				key, c->what, c->role);
			return NULL;
		}
		return strdup(v);
	}
	snprintf(prompt, sizeof(prompt),
		 "    %s%s, type the %s (not shown): ", attempt ? "again: " : "", c->role, c->what);
	return ask(prompt, true);
}

/* The card files in dir whose names hold match, sorted. */
static int list_cards(const char *dir, const char *match, char names[][256], int max)
{
	struct dirent **v = NULL;
	int n = scandir(dir, &v, NULL, alphasort), k = 0;
	for (int i = 0; i < n; i++) {
		const char *d = v[i]->d_name;
		size_t l = strlen(d);
		if (k < max && l > 5 && !strcmp(d + l - 5, ".card") && (!match || strstr(d, match)))
			snprintf(names[k++], 256, "%s", d);
		free(v[i]);
	}
	free(v);
	return k;
}

/* Picks "1 3 5" (numbers into the list) into a space-separated list of paths; refuses a
 * number twice, out of range, or a card of another set than the step takes. */
static char *pick(const hl_rh_step_t *st, const char *dir, char names[][256], int n,
		  const char *answer, char *why, size_t whylen)
{
	size_t cap = (size_t)st->cards_need * 800 + 1, used = 0;
	char *out = calloc(1, cap), *end = NULL;
	int got = 0, seen[64] = { 0 };
	for (const char *p = answer; out && got < st->cards_need; p = end) {
		long i = strtol(p, &end, 10);
		if (end == p || i < 1 || i > n || seen[i - 1]) {
			snprintf(why, whylen, "card %s%s refused: %s", end == p ? "" : "no. ",
				 end == p ? "choice" : p,
				 end == p ? "want card numbers"
					  : "not in the list or chosen twice");
			free(out);
			return NULL;
		}
		if (st->cards_match && !strstr(names[i - 1], st->cards_match)) {
			snprintf(why, whylen, "card \"%s\" refused: this step takes %s cards",
				 names[i - 1], st->cards_match);
			free(out);
			return NULL;
		}
		seen[i - 1] = 1;
		used += (size_t)snprintf(out + used, cap - used, "%s%s/%s", got ? " " : "", dir,
					 names[i - 1]);
		got++;
	}
	return out;
}

char *hl_rh_ui_cards(hl_rh_run_t *r, const hl_rh_step_t *st, const char *dir)
{
	static char names[64][256];
	char why[400], key[96];
	int n = list_cards(dir, r->ui.interactive ? NULL : st->cards_match, names, 64);
	if (!r->ui.interactive) {
		char answer[128] = "";
		const config_setting_t *a;
		snprintf(key, sizeof(key), "cards.%s", st->cards_var);
		a = config_lookup(&r->ui.answers, key);
		for (int i = 0; i < st->cards_need; i++)
			snprintf(answer + strlen(answer), sizeof(answer) - strlen(answer), "%d ",
				 a ? config_setting_get_int_elem(a, i) : i + 1);
		char *v = pick(st, dir, names, n, answer, why, sizeof(why));
		if (!v)
			fprintf(stderr, "hsmlab-rehearse: step %s: %s\n", st->id, why);
		return v;
	}
	printf("    %s, insert %d card%s (%s): the cards in %s:\n", st->role, st->cards_need,
	       st->cards_need == 1 ? "" : "s", st->cards_match ? st->cards_match : "any", dir);
	for (int i = 0; i < n; i++)
		printf("      %2d  %s\n", i + 1, names[i]);
	for (;;) {
		char *answer = ask("    card numbers to insert: ", false);
		if (!answer)
			return NULL;
		char *v = pick(st, dir, names, n, answer, why, sizeof(why));
		free(answer);
		if (v)
			return v;
		printf("    %s; choose again\n", why);
	}
}

bool hl_rh_ui_confirm_hash(hl_rh_run_t *r, const hl_rh_step_t *st, const char *hex,
			   const char *words)
{
	const char *who = st->witness ? st->witness : st->role;
	int yes = 1;
	printf("    SHA-256 %s\n    PGP words, read aloud by %s:\n      %s\n", hex, st->role,
	       words);
	if (!r->ui.interactive) {
		config_lookup_bool(&r->ui.answers, "hash_matches", &yes);
		return yes != 0;
	}
	char prompt[160];
	snprintf(prompt, sizeof(prompt), "    %s, do the words match the ones read aloud? (y/n) ",
		 who);
	char *a = ask(prompt, false);
	bool ok = a && (a[0] == 'y' || a[0] == 'Y');
	free(a);
	return ok;
}

char *hl_rh_ui_initials(hl_rh_run_t *r, const char *role)
{
	const char *v = NULL;
	char key[96], prompt[160];
	if (!r->ui.interactive) {
		snprintf(key, sizeof(key), "initials.%s", role);
		return strdup(config_lookup_string(&r->ui.answers, key, &v) ? v : role);
	}
	snprintf(prompt, sizeof(prompt), "    %s, your initials to mark the step done: ", role);
	for (;;) {
		char *a = ask(prompt, false);
		if (!a || a[0])
			return a;
		free(a);
	}
}
