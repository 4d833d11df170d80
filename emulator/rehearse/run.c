/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: running the script. A main step is atomic: the work folder is
 * snapshotted before it, its records appended and the state committed after it, so an
 * interruption anywhere (Ctrl-C, kill -9, power) resumes at that step with the lab as it was
 * before it. A fault step runs its command under the fault (it must fail), records the
 * exception, runs the contingency steps, and runs the command again. */
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hsmlab/pgpwords.h"
#include "rehearse.h"

static int step_fail(const hl_rh_step_t *st, const hl_rh_run_t *r, const char *what)
{
	fprintf(stderr, "hsmlab-rehearse: %s:%d: step %s (%s): %s\n", r->s->path, st->line, st->id,
		st->role, what);
	return -1;
}

static const char *cred_value(hl_rh_run_t *r, const char *id)
{
	for (int i = 0; i < r->s->n_creds; i++)
		if (!strcmp(r->s->creds[i].id, id))
			return r->cred_value[i];
	return NULL;
}

/* The credentials the step needs, asked of their roles the first time this session. */
static int gather_secrets(hl_rh_run_t *r, const hl_rh_step_t *st, bool again)
{
	for (int i = 0; i < st->n_secret; i++) {
		const hl_rh_cred_t *c = hl_rh_script_cred(r->s, st->sec_cred[i]);
		int k = (int)(c - r->s->creds);
		if (r->cred_value[k] && !again)
			continue;
		free(r->cred_value[k]);
		if (!(r->cred_value[k] = hl_rh_ui_secret(r, c, again)))
			return step_fail(st, r, "no credential typed");
	}
	return 0;
}

/* "NAME=value" entries for the step's secrets (wrong: the first one mistyped). */
static char **secret_env(hl_rh_run_t *r, const hl_rh_step_t *st, bool wrong)
{
	char **env = calloc((size_t)st->n_secret + 1, sizeof(*env));
	for (int i = 0; env && i < st->n_secret; i++) {
		const char *v = cred_value(r, st->sec_cred[i]);
		size_t n = strlen(st->sec_env[i]) + strlen(v) + 16;
		if ((env[i] = malloc(n)))
			snprintf(env[i], n, "%s=%s%s", st->sec_env[i], v,
				 wrong && !i ? "-typo" : "");
	}
	return env;
}

static void free_env(char **env)
{
	for (int i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

static int capture(hl_rh_run_t *r, const hl_rh_step_t *st, const char *out)
{
	for (int i = 0; i < st->n_capture; i++) {
		regex_t re;
		regmatch_t m[2];
		char v[512];
		if (regcomp(&re, st->cap_re[i], REG_EXTENDED | REG_NEWLINE) != 0)
			return step_fail(st, r, "capture: not a regular expression");
		int no = regexec(&re, out, 2, m, 0);
		regfree(&re);
		if (no || m[1].rm_so < 0)
			return step_fail(st, r, "capture: the output does not hold it");
		snprintf(v, sizeof(v), "%.*s", (int)(m[1].rm_eo - m[1].rm_so), out + m[1].rm_so);
		if (hl_rh_var_set(r, st->cap_var[i], v) != 0)
			return step_fail(st, r, "capture: too many variables");
	}
	return 0;
}

static int hash_step(hl_rh_run_t *r, const hl_rh_step_t *st, char *note, size_t n)
{
	char err[256], hex[65], words[800];
	unsigned char md[32], buf[8192];
	unsigned int len = 0;
	size_t got;
	char *path = hl_rh_expand(r, st->hash, err, sizeof(err));
	FILE *f = path ? fopen(path, "rb") : NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!f || !ctx) {
		free(path);
		EVP_MD_CTX_free(ctx);
		if (f)
			fclose(f);
		return step_fail(st, r, path ? "hash: cannot read the file" : err);
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(ctx, buf, got);
	EVP_DigestFinal_ex(ctx, md, &len);
	EVP_MD_CTX_free(ctx);
	fclose(f);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02X", md[i]);
	hl_pgpwords(md, sizeof(md), words, sizeof(words));
	snprintf(note, n, "SHA-256 of %s: %s; read aloud: %s",
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path, hex, words);
	free(path);
	if (!hl_rh_ui_confirm_hash(r, st, hex, words))
		return step_fail(st, r, "the hash read aloud does not match: the ceremony stops");
	return 0;
}

/* Runs the step's command (fault: under the fault); *out its output. */
static int run_command(hl_rh_run_t *r, const hl_rh_step_t *st, const char *cmd, bool wrong,
		       char **out)
{
	char **env = secret_env(r, st, wrong);
	int ex = hl_rh_exec(r, cmd, env, out);
	free_env(env);
	if (r->ui.interactive && *out)
		printf("%s", *out);
	return ex;
}

static int record(hl_rh_run_t *r, const hl_rh_step_t *st, const char *kind, const char *cmd,
		  const char *out, int ex, const char *initials, const char *note)
{
	hl_rh_entry_t e = { st, kind, cmd, out, initials, note, ex, hl_rh_now(r) };
	if (!strcmp(kind, "exception"))
		r->exceptions++;
	return hl_rh_record(r, &e);
}

static int do_step(hl_rh_run_t *r, const hl_rh_step_t *st, const char *kind);

/* The step's command under its fault, which must make it fail; then the contingency. */
static int fault(hl_rh_run_t *r, const hl_rh_step_t *st, const char *cmd)
{
	char *out = NULL, note[600], err[256];
	int ex = 0;
	if (st->fault_inject) {
		char *inj = hl_rh_expand(r, st->fault_inject, err, sizeof(err));
		if (!inj)
			return step_fail(st, r, err);
		ex = hl_rh_exec(r, inj, NULL, &out);
		snprintf(note, sizeof(note), "fault injected (%s): %s", st->fault, inj);
		record(r, st, "exception", inj, out, ex, NULL, note);
		free(inj);
		free(out);
		out = NULL;
	}
	ex = run_command(r, st, cmd, !strcmp(st->fault, "wrong-pin"), &out);
	snprintf(note, sizeof(note),
		 "%s: the step failed as the fault makes it (exit %d); the "
		 "contingency runs",
		 st->fault, ex);
	int rc = ex ? record(r, st, "exception", cmd, out, ex, NULL, note)
		    : step_fail(st, r, "the fault did not make the step fail");
	free(out);
	for (int i = 0; rc == 0 && i < st->n_contingency; i++)
		rc = do_step(r, &st->contingency[i], "contingency");
	return rc;
}

/* Runs cmd until it does what the step expects; a wrong PIN typed at the terminal is asked
 * again (three tries), each miss recorded as an exception. */
static int run_expected(hl_rh_run_t *r, const hl_rh_step_t *st, const char *cmd, char **out,
			int *ex)
{
	for (int attempt = 0;; attempt++) {
		*ex = run_command(r, st, cmd, false, out);
		bool ok = st->expect_fail ? *ex != 0 : *ex == 0;
		if (ok && st->expect_text && !strstr(*out ? *out : "", st->expect_text))
			ok = false;
		if (ok)
			return capture(r, st, *out ? *out : "");
		bool pin = *out && strstr(*out, "CKR_PIN_INCORRECT") && st->n_secret;
		if (!r->ui.interactive || !pin || attempt == 2) {
			if (!r->ui.interactive && *out)
				fprintf(stderr, "%s", *out);
			return step_fail(st, r,
					 st->expect_fail ? "the command should have failed"
							 : "the command failed");
		}
		record(r, st, "exception", cmd, *out, *ex, NULL,
		       "a wrong PIN or password was typed; the role types it again");
		printf("    the device refused the PIN or password: type it again\n");
		free(*out);
		*out = NULL;
		if (gather_secrets(r, st, true))
			return -1;
	}
}

static int do_step(hl_rh_run_t *r, const hl_rh_step_t *st, const char *kind)
{
	char err[256], note[1200] = "", *cmd = NULL, *out = NULL, *initials = NULL;
	int ex = 0, rc = 0;
	hl_rh_ui_step(r, st, st->cards_var ? st->run : NULL);
	if (st->cards_var) { /* the cards first: the command names them */
		char *dir = hl_rh_expand(r, st->cards_dir, err, sizeof(err));
		char *cards = dir ? hl_rh_ui_cards(r, st, dir) : NULL;
		rc = cards && hl_rh_var_set(r, st->cards_var, cards) == 0
			 ? 0
			 : step_fail(st, r, dir ? "no cards inserted" : err);
		snprintf(note, sizeof(note), "cards inserted: %s", cards ? cards : "");
		free(dir);
		free(cards);
	}
	if (rc == 0 && st->run && !(cmd = hl_rh_expand(r, st->run, err, sizeof(err))))
		rc = step_fail(st, r, err);
	if (rc == 0 && cmd)
		hl_rh_ui_say(r, "    does: %s\n", cmd);
	if (rc == 0)
		rc = gather_secrets(r, st, false);
	if (rc == 0 && st->hash)
		rc = hash_step(r, st, note, sizeof(note));
	if (rc == 0 && st->fault)
		rc = fault(r, st, cmd);
	if (rc == 0 && st->fault) { /* the contingency may have captured new values */
		free(cmd);
		if (!(cmd = hl_rh_expand(r, st->run, err, sizeof(err))))
			rc = step_fail(st, r, err);
	}
	if (rc == 0 && cmd)
		rc = run_expected(r, st, cmd, &out, &ex);
	if (rc == 0 && st->witness && !(initials = hl_rh_ui_initials(r, st->witness)))
		rc = step_fail(st, r, "no initials");
	if (rc == 0)
		rc = record(r, st, kind, cmd, out, ex, initials, note[0] ? note : NULL);
	if (rc == 0 && !r->ui.interactive)
		printf("step %s %s: done\n", st->id, st->role);
	free(cmd);
	free(out);
	free(initials);
	return rc;
}

/* Every device of the script's families: exported and verified by the device, and its
 * time order checked (the console warns); the HTML rows for the transcript. */
static int close_audit(hl_rh_run_t *r, char **html_out)
{
	size_t cap = 65536, used = 0;
	char *html = calloc(1, cap), *out = NULL;
	int failures = 0;
	for (int fi = 0; html && fi < r->s->n_families; fi++) {
		char cmd[1024];
		const char *fam = r->s->families[fi];
		snprintf(
		    cmd, sizeof(cmd),
		    "mkdir -p audit && hsmlab-admin -f %s device list | awk 'NR > 1 { print $2 }' "
		    "| while read s; do hsmlab-admin -f %s audit export $s "
		    "audit/$s.txt >/dev/null 2>&1 || continue; echo \"== $s\"; "
		    "hsmlab-admin -f %s audit verify $s audit/$s.txt 2>&1 || echo FAILED; done",
		    fam, fam, fam);
		int ex = hl_rh_exec(r, cmd, NULL, &out);
		failures += ex != 0 || !out || strstr(out, "FAILED") || strstr(out, "fails ");
		used += (size_t)snprintf(html + used, cap - used, "<h3>%s devices</h3><pre>", fam);
		for (const char *p = out ? out : ""; *p && used + 8 < cap; p++)
			used += (size_t)snprintf(html + used, cap - used, "%s",
						 *p == '<'   ? "&lt;"
						 : *p == '&' ? "&amp;"
							     : (char[]){ *p, 0 });
		used += (size_t)snprintf(html + used, cap - used, "</pre>\n");
		printf("%s", out ? out : "");
		hl_rh_entry_t e = { NULL, "audit", cmd, out, NULL, fam, ex, hl_rh_now(r) };
		hl_rh_record(r, &e);
		free(out);
		out = NULL;
	}
	*html_out = html;
	return failures;
}

int hl_rh_run(hl_rh_run_t *r)
{
	for (; r->done < r->s->n_steps; r->done++) {
		const hl_rh_step_t *st = &r->s->steps[r->done];
		if (hl_rh_snapshot_take(r, r->done) != 0)
			return step_fail(st, r, "cannot snapshot the work folder");
		if (do_step(r, st, "step") != 0)
			return -1;
		r->done++;
		int rc = hl_rh_state_save(r);
		r->done--;
		if (rc != 0)
			return step_fail(st, r, "cannot write the state");
	}
	hl_rh_snapshot_drop(r);
	char *html = NULL;
	int failures = close_audit(r, &html);
	int rc = hl_rh_transcript(r, html ? html : "", failures);
	free(html);
	if (rc != 0) {
		fprintf(stderr, "hsmlab-rehearse: %s: cannot write the transcript\n", r->dir);
		return -1;
	}
	printf("rehearsal done: %d steps, %d exceptions; transcript %s/transcript.html, "
	       "records %s/records.jsonl%s\n",
	       r->s->n_steps, r->exceptions, r->dir, r->dir,
	       failures ? "; an audit log did NOT verify" : "");
	return failures ? 1 : 0;
}
