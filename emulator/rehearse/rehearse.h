/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: a root KSK ceremony rehearsed from a script (emulator/doc/rehearsal.md).
 * script.c reads the script (libconfig: acts, numbered steps, roles, what is said and done);
 * run.c runs it, one step at a time, each step atomic (the work folder is snapshotted before
 * it and the state committed after it, so Ctrl-C or kill -9 resumes at the step); ui.c asks
 * the people (or reads the answers file); record.c writes the transcript (HTML, JSON Lines). */
#pragma once

#include <libconfig.h>
#include <stdbool.h>
#include <stdio.h>

#define HL_RH_MAX_LIST 8

typedef struct hl_rh_step hl_rh_step_t;
struct hl_rh_step {
	char id[16];             /* "3.2", a contingency step "3.2c1" */
	int line;                /* where the step starts in the script */
	int act;                 /* index into the script's acts */
	const char *role;        /* who acts */
	const char *say;         /* what is said (may be NULL) */
	const char *run;         /* the shell command (${VAR}s expanded; may be NULL) */
	bool expect_fail;        /* expect = "fail": the command must fail */
	const char *expect_text; /* the output must hold this */
	const char *hash;        /* a file whose SHA-256 is read aloud as PGP words */
	const char *witness;     /* the role who confirms the step (initials) */
	int n_capture;           /* capture = { VAR = "regex with one group" } */
	const char *cap_var[HL_RH_MAX_LIST], *cap_re[HL_RH_MAX_LIST];
	int n_secret; /* secrets = { ENV_NAME = "credential id" } */
	const char *sec_env[HL_RH_MAX_LIST], *sec_cred[HL_RH_MAX_LIST];
	const char *cards_dir, *cards_match, *cards_var; /* cards = { dir, match, need, var } */
	int cards_need;
	const char *fault;        /* wrong-pin, card-unreadable, tamper, power-loss, clock-skew */
	const char *fault_inject; /* the command that makes the fault (tamper, power, clock) */
	hl_rh_step_t *contingency;
	int n_contingency;
};

typedef struct {
	const char *id, *title;
} hl_rh_role_t;

typedef struct {
	const char *id, *role, *what; /* credential: who types it, what it is */
} hl_rh_cred_t;

typedef struct {
	config_t cfg; /* the strings below live in it */
	const char *path;
	const char *title, *place, *at; /* at: the ceremony's date (--at overrides) */
	const char **families;          /* device families whose audit logs close the run */
	int n_families;
	const char **acts;
	int n_acts;
	hl_rh_role_t *roles;
	int n_roles;
	hl_rh_cred_t *creds;
	int n_creds;
	hl_rh_step_t *steps; /* every main step, in order */
	int n_steps;
} hl_rh_script_t;

/* Reads and checks a script; NULL with "FILE:LINE: KEY: what" in err. */
hl_rh_script_t *hl_rh_script_new(const char *path, char *err, size_t errlen);
void hl_rh_script_free(hl_rh_script_t *s);
const hl_rh_role_t *hl_rh_script_role(const hl_rh_script_t *s, const char *id);
const hl_rh_cred_t *hl_rh_script_cred(const hl_rh_script_t *s, const char *id);

#define HL_RH_MAX_VARS 64

typedef struct {
	bool interactive;
	config_t answers; /* unattended: credentials, cards, initials, names */
	bool have_answers;
} hl_rh_ui_t;

/* A rehearsal in progress: its folder DIR holds state, records.jsonl, body.html and work/
 * (the lab, cards, files of the ceremony). */
typedef struct {
	hl_rh_script_t *s;
	hl_rh_ui_t ui;
	char dir[512], work[600];
	long long at;         /* the ceremony's device time at the start (0: real time) */
	long long elapsed;    /* seconds of ceremony before this session (resumes) */
	long long session_t0; /* real time this session started */
	int done;             /* main steps completed */
	int exceptions;       /* counted in this run (recorded in records.jsonl) */
	char *var_name[HL_RH_MAX_VARS], *var_value[HL_RH_MAX_VARS];
	int n_vars;
	char *cred_value[HL_RH_MAX_LIST * 4]; /* typed this session, never written */
	const char *bindir_admin, *bindir_signer, *bindir_audit, *moddir, *profiles;
} hl_rh_run_t;

/* exec.c: the device time now ("YYYY-MM-DDTHH:MM:SSZ"), the ${VAR} expansion of text (NULL
 * and err set for an unknown name), and a shell command run in work/ with the lab's
 * environment, extra NAME=VALUE entries and, with --at, libfaketime. */
long long hl_rh_now(const hl_rh_run_t *r);
void hl_rh_iso(long long t, char out[32]);
char *hl_rh_expand(const hl_rh_run_t *r, const char *text, char *err, size_t errlen);
int hl_rh_exec(const hl_rh_run_t *r, const char *cmd, char *const *extra, char **output);
int hl_rh_var_set(hl_rh_run_t *r, const char *name, const char *value);
const char *hl_rh_var(const hl_rh_run_t *r, const char *name);
/* state: loaded (0), none yet (1), or broken (-1, err); saved atomically. */
int hl_rh_state_load(hl_rh_run_t *r, char *err, size_t errlen);
int hl_rh_state_save(const hl_rh_run_t *r);
/* The work folder as it was before step index (kill -9 mid-step is undone from it). */
int hl_rh_snapshot_take(const hl_rh_run_t *r, int index);
int hl_rh_snapshot_settle(const hl_rh_run_t *r); /* on start: restore or drop a snapshot */
int hl_rh_snapshot_drop(const hl_rh_run_t *r);

/* ui.c: the people (interactive, /dev/tty) or the answers file. */
int hl_rh_ui_open(hl_rh_ui_t *ui, const char *answers, char *err, size_t errlen);
void hl_rh_ui_close(hl_rh_ui_t *ui);
void hl_rh_ui_restore_tty(void); /* from a signal handler: echo back on */
void hl_rh_ui_step(const hl_rh_run_t *r, const hl_rh_step_t *st, const char *cmd);
void hl_rh_ui_say(const hl_rh_run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *hl_rh_ui_secret(hl_rh_run_t *r, const hl_rh_cred_t *c, int attempt);
char *hl_rh_ui_cards(hl_rh_run_t *r, const hl_rh_step_t *st, const char *dir);
bool hl_rh_ui_confirm_hash(hl_rh_run_t *r, const hl_rh_step_t *st, const char *hex,
			   const char *words);
char *hl_rh_ui_initials(hl_rh_run_t *r, const char *role);
const char *hl_rh_ui_name(const hl_rh_run_t *r, const char *role);

/* record.c: one JSON line and one HTML fragment per step or exception, appended and synced
 * before the state that counts them is committed; the transcript at the end. */
typedef struct {
	const hl_rh_step_t *st;
	const char *kind; /* "step", "contingency", "exception", "audit" */
	const char *command, *output, *initials, *note;
	int exit_code;
	long long time;
} hl_rh_entry_t;
int hl_rh_record(hl_rh_run_t *r, const hl_rh_entry_t *e);
int hl_rh_record_truncate(const hl_rh_run_t *r, long records, long body);
long hl_rh_record_size(const hl_rh_run_t *r, const char *name);
int hl_rh_transcript(hl_rh_run_t *r, const char *audit_html, int audit_failures);

/* run.c */
int hl_rh_run(hl_rh_run_t *r);
