/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: rehearse a DNSSEC root KSK ceremony from a script (fixtures/ceremonies/,
 * emulator/doc/rehearsal.md). Exit codes: 0 the ceremony ran to the end and every audit log
 * verified, 1 a step failed (the rehearsal resumes at it when run again) or an audit log did
 * not verify, 2 usage or script error. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hsmlab/paths.h"
#include "rehearse.h"

static void usage(FILE *f)
{
	fputs("Usage: hsmlab-rehearse [OPTIONS] SCRIPT\n"
	      "\n"
	      "Rehearses the root KSK ceremony SCRIPT (fixtures/ceremonies/*.conf) on emulated\n"
	      "HSMs: act by act, step by step, each role typing its own PINs (no echo),\n"
	      "inserting its cards, reading the KSR hash aloud as PGP words; the witness\n"
	      "initials each step. Interrupted (Ctrl-C, kill -9), the same command resumes at\n"
	      "the step it was in. The record: DIR/transcript.html (printable, with the\n"
	      "sign-off table) and DIR/records.jsonl; every device's audit log is exported\n"
	      "and verified at the end (DIR/work/audit/).\n"
	      "\n"
	      "Options:\n"
	      "  -d, --dir DIR       the rehearsal's folder (default: rehearsal-SCRIPTNAME)\n"
	      "  -a, --answers FILE  unattended: credentials, cards, initials from FILE\n"
	      "  -t, --at DATE       run the ceremony at DATE under libfaketime\n"
	      "                      (2024-08-21T17:00Z; default: the script's date)\n"
	      "      --now           run at the real time, whatever the script's date\n"
	      "  -n, --check         check the script only (errors name file, line, key)\n"
	      "  -h, --help          this help\n"
	      "  -V, --version       version\n"
	      "\n"
	      "Exit codes: 0 done and every audit log verified, 1 a step failed (run again to\n"
	      "resume) or an audit log did not verify, 2 usage or script error.\n",
	      f);
}

/* 2024-08-21, 2024-08-21T17:00Z, 2024-08-21T17:00:00Z (UTC). */
static int parse_date(const char *s, long long *out)
{
	struct tm tm = { 0 };
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) != 3)
		return -1;
	if (s[n] == 'T' && sscanf(s + n, "T%2d:%2d%n", &tm.tm_hour, &tm.tm_min, &n) == 2) {
		const char *rest = strchr(s, 'T') + n;
		if (rest[0] == ':' && sscanf(rest, ":%2d", &tm.tm_sec) == 1)
			rest += 3;
		if (strcmp(rest, "Z"))
			return -1;
	} else if (s[n]) {
		return -1;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (long long)timegm(&tm);
	return 0;
}

/* A new rehearsal: its folder, work/, the lab and its config, the state at step 0. */
static int fresh(hl_rh_run_t *r)
{
	char path[700], *out = NULL;
	snprintf(path, sizeof(path),
		 "rm -rf '%s/work' '%s/snap' '%s/snap.tmp' '%s/records.jsonl' "
		 "'%s/body.html' && mkdir -p '%s/work'",
		 r->dir, r->dir, r->dir, r->dir, r->dir, r->dir);
	if (system(path) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/hsmlab.conf", r->work);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "lab_dir = \"%s/lab\";\n", r->work);
	if (fclose(f) != 0)
		return -1;
	int ex = hl_rh_exec(r, "hsmlab-admin lab create \"$PWD/lab\"", NULL, &out);
	if (ex != 0)
		fprintf(stderr, "hsmlab-rehearse: the lab: %s",
			out ? out : "cannot run hsmlab-admin\n");
	free(out);
	return ex == 0 ? hl_rh_state_save(r) : -1;
}

static int start(hl_rh_run_t *r, long long at)
{
	char err[512];
	r->session_t0 = (long long)time(NULL);
	r->at = at;
	if (mkdir(r->dir, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "hsmlab-rehearse: %s: %s\n", r->dir, strerror(errno));
		return -1;
	}
	int st = hl_rh_state_load(r, err, sizeof(err));
	if (st < 0) {
		fprintf(stderr, "hsmlab-rehearse: %s\n", err);
		return -1;
	}
	if (st == 1)
		return fresh(r);
	int cut = hl_rh_snapshot_settle(r);
	if (cut < 0)
		return -1;
	hl_rh_entry_t e = { NULL, "resume", NULL, NULL, NULL, NULL, 0, hl_rh_now(r) };
	char note[200];
	snprintf(note, sizeof(note), "rehearsal resumed after %d of %d steps%s", r->done,
		 r->s->n_steps, cut ? " (the cut step's changes undone)" : "");
	e.note = note;
	printf("%s\n", note);
	return hl_rh_record(r, &e) == 0 ? hl_rh_state_save(r) : -1;
}

/* The rehearsal's folder (absolute: commands run in work/) and where the tools are: the
 * build tree's when this binary runs from it, else the installed ones. */
static void setup_paths(hl_rh_run_t *r, const char *dir, const char *script)
{
	if (dir) {
		snprintf(r->dir, sizeof(r->dir), "%s", dir);
	} else {
		const char *b = strrchr(script, '/');
		snprintf(r->dir, sizeof(r->dir), "rehearsal-%.*s",
			 (int)strcspn(b ? b + 1 : script, "."), b ? b + 1 : script);
	}
	if (r->dir[0] != '/') {
		char cwd[256], rel[512];
		snprintf(rel, sizeof(rel), "%s", r->dir);
		snprintf(r->dir, sizeof(r->dir), "%s/%s", getcwd(cwd, sizeof(cwd)) ? cwd : ".",
			 rel);
	}
	snprintf(r->work, sizeof(r->work), "%s/work", r->dir);
	/* Siblings where this binary runs: the build tree's, or the installation's. */
	const hl_paths_t *p = hl_paths_get();
	static char profiles[HL_PATHS_MAX + 16];
	snprintf(profiles, sizeof(profiles), "%s/profiles", p->data);
	r->bindir_admin = p->admin;
	r->bindir_signer = p->signer;
	r->bindir_audit = p->audit;
	r->moddir = p->modules;
	r->profiles = getenv("HSMLAB_PROFILE_DIR") ? getenv("HSMLAB_PROFILE_DIR") : profiles;
}

static hl_rh_run_t run; /* static: reachable from the signal handler's exit */

static void on_signal(int sig)
{
	/* The state is committed after each step: nothing to save, only the terminal. */
	static const char msg[] = "\nhsmlab-rehearse: interrupted; run the same command to "
				  "resume at this step\n";
	hl_rh_ui_restore_tty();
	(void)!write(2, msg, sizeof(msg) - 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

typedef struct {
	const char *dir, *answers, *at_text;
	bool check, now;
} cli_t;

/* Options into cli; -1 to go on, else the exit code (help, version, usage error). */
static int parse_cli(int argc, char **argv, cli_t *cli)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "answers", required_argument, NULL, 'a' },
		{ "at", required_argument, NULL, 't' },
		{ "now", no_argument, NULL, 'N' },
		{ "check", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;
	while ((opt = getopt_long(argc, argv, "d:a:t:nhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			cli->dir = optarg;
			break;
		case 'a':
			cli->answers = optarg;
			break;
		case 't':
			cli->at_text = optarg;
			break;
		case 'N':
			cli->now = true;
			break;
		case 'n':
			cli->check = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("hsmlab-rehearse %s\n", HSMLAB_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	cli_t cli = { 0 };
	char err[600];
	int ex = parse_cli(argc, argv, &cli);
	if (ex >= 0)
		return ex;
	const char *dir = cli.dir, *answers = cli.answers, *at_text = cli.at_text;
	bool check = cli.check, now = cli.now;
	hl_rh_run_t *r = &run;
	if (!(r->s = hl_rh_script_new(argv[optind], err, sizeof(err)))) {
		fprintf(stderr, "hsmlab-rehearse: %s\n", err);
		return 2;
	}
	long long at = 0;
	const char *when = now ? NULL : at_text ? at_text : r->s->at;
	if (when && parse_date(when, &at) != 0) {
		fprintf(stderr, "hsmlab-rehearse: %s: \"%s\": want 2024-08-21T17:00Z\n",
			at_text ? "--at" : "ceremony.at", when);
		return 2;
	}
	if (check) {
		printf("%s: %d acts, %d steps, %d roles: ok\n", argv[optind], r->s->n_acts,
		       r->s->n_steps, r->s->n_roles);
		hl_rh_script_free(r->s);
		return 0;
	}
	if (hl_rh_ui_open(&r->ui, answers, err, sizeof(err)) != 0) {
		fprintf(stderr, "hsmlab-rehearse: %s\n", err);
		return 2;
	}
	setup_paths(r, dir, argv[optind]);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = start(r, at) == 0 ? hl_rh_run(r) : -1;
	hl_rh_ui_close(&r->ui);
	for (int i = 0; i < r->n_vars; i++) {
		free(r->var_name[i]);
		free(r->var_value[i]);
	}
	for (int i = 0; i < r->s->n_creds; i++)
		free(r->cred_value[i]);
	hl_rh_script_free(r->s);
	return rc == 0 ? 0 : 1;
}
