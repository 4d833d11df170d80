/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: what the scenario runner's files share (inside bench/lib only). */
#pragma once

#include <stddef.h>
#include <time.h>

#include "hsmlab/bench/scenario.h"

/* A child's captured output (stdout and stderr together) and exit code. */
typedef struct {
	char *out;
	int code; /* exit code, 128 + signal when killed */
} hl_proc_t;

/* Per device, for one profile's run. */
typedef struct {
	int ready;           /* formatted */
	const char *backend; /* "softhsm" or an emulator profile name */
	char module[1024];
	char serial[20]; /* emulator devices */
} hl_devstate_t;

/* One profile's run: its own lab, token store and files under dir. */
typedef struct {
	const hl_scenario_t *s;
	const hl_scn_opts_t *o;
	const hl_scn_profile_t *p;
	const hl_ceremony_t *cer;
	int col; /* the profile's matrix column */
	char dir[2048], lab_conf[2100], softhsm_conf[2100];
	char *console_help; /* hsmlab-admin --help, to know which commands exist */
	hl_devstate_t *dev;
	unsigned char *holds; /* holds[key * ndevices + device]: the device has the key */
	char **anchor;        /* per key: its DNSKEY line, once seen in an SKR */
	hl_scn_quarter_t *quarters;
	size_t nquarters;
	char **notes;
	size_t nnotes;
	char last_out[2048];        /* the end of the last hl_scn_run child's output */
	int last_of[HL_STEP_COUNT]; /* the latest outcome of each step type, -1 before any */
} hl_run_t;

/* What a step observed. */
typedef struct {
	hl_outcome_t outcome;
	char detail[1536];
} hl_obs_t;

/* -- scenario_proc.c -- */
/* Runs argv[0] (a path, or a name searched in PATH) at the ceremony's date under libfaketime,
 * with the lab's environment (HSMLAB_CONF, SOFTHSM2_CONF, the PIN variable) plus `extra`
 * ("K=V" strings, NULL-terminated, may be NULL). 0 when it ran (p filled), -1 otherwise. */
int hl_scn_spawn(const hl_run_t *r, char *const extra[], char *const argv[], hl_proc_t *p);
void hl_proc_clear(hl_proc_t *p);
/* Checks that a child really sees the ceremony's date (`date +%s` under the same setup). */
int hl_scn_check_time(const hl_run_t *r, hl_obs_t *obs);
/* The last non-empty line of a child's output (for details), into buf. */
void hl_proc_last_line(const hl_proc_t *p, char *buf, size_t len);
/* Sets obs from a finished child: 0 ok; 1 (a named check) or a PKCS#11 failure refused;
 * anything else, or a signal, is an error. `what` names the command in the detail. */
void hl_scn_judge(const hl_proc_t *p, const char *what, hl_obs_t *obs);
/* Spawn + judge in one: 0 when the child succeeded. */
int hl_scn_run(hl_run_t *r, char *const extra[], char *const argv[], const char *what,
	       hl_obs_t *obs);
int hl_scn_note(hl_run_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* -- scenario_device.c -- */
void hl_scn_step_device(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs);
size_t hl_scn_device_index(const hl_run_t *r, const char *name);

/* -- scenario_anchor.c -- */
/* The trust-anchor step's anchors from the lab's own export (ksk-inventory --export of the
 * built-in signer's config for st's quarter; pin_env "VAR=PIN" for its modules), checked to
 * have the structure of IANA's root-anchors.xml and to name each anchor key: 1 with the
 * file's path in ta, 0 when the quarter has no such config (the caller takes the SKRs'
 * keys), -1 with obs filled. */
int hl_scn_anchor_export(hl_run_t *r, const hl_step_t *st, const char *pin_env, char *ta,
			 size_t len, hl_obs_t *obs);

/* -- scenario_sign.c -- */
void hl_scn_step_signer(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs);

/* The environment variable children read the user PIN from (ksr-gen/ksr-signer "env:"). */
#define HL_SCN_PIN_VAR "HSMLAB_SCENARIO_PIN"
