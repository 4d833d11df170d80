/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario runner — ceremonies replayed at their own dates under
 * libfaketime, every step a child process (the signer tools, the lab console, pkcs11-tool),
 * each outcome compared with the scenario's expectation. Scenario files are libconfig
 * (fixtures/scenarios/README.md). */
#pragma once

#include <stddef.h>
#include <time.h>

#include "hsmlab/bench/matrix.h"

/* Step types: what a ceremony does. */
typedef enum {
	HL_STEP_FORMAT,         /* create + initialise devices (vendor init sequence) */
	HL_STEP_MAKE_CARDS,     /* credential card sets (console) */
	HL_STEP_ACTIVATE,       /* M-of-N activation (console) */
	HL_STEP_KEYGEN,         /* a KSK generated on a device (PKCS#11) */
	HL_STEP_IMPORT,         /* a stand-in key imported onto devices (PKCS#11) */
	HL_STEP_BACKUP,         /* a key's backup blob (console) */
	HL_STEP_RESTORE,        /* a blob restored onto peers (console) */
	HL_STEP_IMPORT_REFUSED, /* a blob offered to the other vendor (console) */
	HL_STEP_KSR_GEN,        /* the quarter's KSR (ksr-gen) */
	HL_STEP_SIGN,           /* ksr-signer with the schema's KSKs */
	HL_STEP_VERIFY,         /* skr-verify against the previous SKR */
	HL_STEP_COVERAGE,       /* skr-verify --from/--to the quarter with trust anchors */
	HL_STEP_TRUST_ANCHOR,   /* skr-verify with the named keys as trust anchors */
	HL_STEP_AUDIT_EXPORT,   /* a device's audit log exported (console) */
	HL_STEP_AUDIT_VERIFY,   /* the export verified offline (console) */
	HL_STEP_CLOCK,          /* set a device clock (console) */
	HL_STEP_SUPPORT,        /* the device's support status at the ceremony's date */
	HL_STEP_SO_LOCKOUT,     /* fault: N wrong SO logins, then the right one */
	HL_STEP_TAMPER,         /* fault: flip a byte of the quarter's SKR or KSR */
	HL_STEP_KEY_DELETE,     /* a retired key deleted from devices (console) */
	HL_STEP_ZEROIZE,        /* a decommissioned device zeroized (console) */
	HL_STEP_COUNT
} hl_step_type_t;

typedef struct {
	hl_step_type_t type;
	int line;       /* in the scenario file */
	char *expect;   /* "ok", "warning", "refused" or "a|b" alternatives */
	char **devices; /* device names (may be empty) */
	size_t ndevices;
	char *key;     /* key name (keygen, import, backup, restore) */
	char *quarter; /* "2025Q1" */
	char *schema;  /* sign: normal, pre-publish, publish+, rollover, rollover+, revoke, ... */
	char *current, *next; /* sign: key names for the schema's roles */
	char **anchors;       /* coverage/trust-anchor: key names */
	size_t nanchors;
	char *pin;    /* fault: a PIN to use instead of the lab's */
	char *target; /* tamper: "skr", "ksr" or "audit" (the devices' audit exports) */
	char *value;  /* console steps: ${value} (e.g. clock: a time, "now") */
	int count;    /* so-lockout: wrong attempts */
	char *note;   /* shown in the reports */
	int requires; /* a step type that must have run before (-1: none); pending/n-a passes on */
} hl_step_t;

typedef struct {
	char *id, *site, *note;
	char date_text[32]; /* "2024-04-25 17:00:00" (libfaketime's form) */
	time_t date;
	int line;
	hl_step_t *steps;
	size_t nsteps;
} hl_ceremony_t;

typedef struct {
	char *name, *vendor, *site; /* vendor: a key of the profile maps (keyper, luna, zsk) */
} hl_scn_device_t;

typedef struct {
	char *name, *label; /* label: CKA_LABEL and keyIdentifier */
	int stand_in;       /* an invented key standing in for a secret real one */
	char *valid_from, *valid_until, *note;
} hl_scn_key_t;

/* A profile maps each device vendor to a backend: an emulator profile name ("keyper",
 * "luna", "strict") or "softhsm" (SoftHSMv2). */
typedef struct {
	char *name, *note;
	char **vendors, **backends;
	size_t nmap;
} hl_scn_profile_t;

/* How the sign step calls a signer (fixtures/scenarios/README.md, "The signer"): the
 * command's words and a config file made from templates, ${...} filled in per ceremony. A
 * word that expands to nothing is dropped. NULL members: the built-in ksr-signer template. */
typedef struct {
	char **command; /* argv templates */
	size_t ncommand;
	char *config_file;  /* the config's file name in the work dir */
	char *config;       /* the whole config: ${modules}, ${keys} and scalars */
	char *module, *key; /* one entry per device used / per KSK the schema uses */
	char *module_sep, *key_sep;
} hl_scn_signer_t;

typedef struct {
	char *path, *name, *description;
	char *so_pin, *user_pin;
	hl_scn_device_t *devices;
	size_t ndevices;
	hl_scn_key_t *keys;
	size_t nkeys;
	hl_scn_profile_t *profiles;
	size_t nprofiles;
	char **console_steps, **console_cmds; /* step name -> hsmlab-admin argument template */
	size_t nconsole;
	hl_ceremony_t *ceremonies;
	size_t nceremonies;
	char **milestone_dates, **milestone_labels; /* "YYYY-MM-DD", shown on the timeline */
	size_t nmilestones;
	hl_scn_signer_t signer; /* the sign step's template */
} hl_scenario_t;

/* Reads a scenario; on failure returns NULL with "file:line: key: message" in err. */
hl_scenario_t *hl_scenario_load(const char *path, char *err, size_t errlen);
void hl_scenario_free(hl_scenario_t *s);
const char *hl_step_type_name(hl_step_type_t t);
const hl_scn_device_t *hl_scenario_device(const hl_scenario_t *s, const char *name);
const hl_scn_key_t *hl_scenario_key(const hl_scenario_t *s, const char *name);
/* The backend of a vendor in a profile, or NULL. */
const char *hl_scenario_backend(const hl_scn_profile_t *p, const char *vendor);

/* -- running -- */

typedef enum {
	HL_OUT_OK,      /* the step did its job */
	HL_OUT_WARNING, /* did its job, with a warning (e.g. a device out of support) */
	HL_OUT_REFUSED, /* a tool refused safely (named check, PKCS#11 error), nothing written */
	HL_OUT_ERROR,   /* setup or tool failure: crash, time not shifted, unsafe refusal */
	HL_OUT_PENDING, /* the console command it needs does not exist yet */
	HL_OUT_NA,      /* the step does not apply to this profile's backend */
} hl_outcome_t;
const char *hl_outcome_name(hl_outcome_t o);

typedef struct {
	const char *profile, *ceremony, *step_id, *title;
	size_t index, total; /* 1-based step counter over the whole run */
	hl_outcome_t outcome;
	int as_expected;
	const char *detail;
} hl_step_event_t;

typedef void (*hl_scn_progress_t)(const hl_step_event_t *ev, void *arg);

/* One bundle of a signed quarter, for the timeline. */
typedef struct {
	time_t inception, expiration;
	char signers[4][32]; /* key labels that signed it */
	int nsigners;
	char revoked[32];      /* a key published revoked in it, or "" */
	char published[4][32]; /* key labels in its DNSKEY RRset (flags 257 or 385) */
	int npublished;
} hl_scn_slot_t;

typedef struct {
	char quarter[8];
	char ceremony[32];
	time_t ceremony_date;
	hl_scn_slot_t slots[9];
	int nslots;
} hl_scn_quarter_t;

typedef struct {
	const char *signer_dir; /* ksr-gen, ksr-signer, skr-verify */
	const char *admin;      /* hsmlab-admin */
	const char *module_dir; /* libhsmlab*.so */
	const char *softhsm;    /* libsofthsm2.so */
	const char *profile_dir;
	const char *faketime;      /* libfaketime.so.1 */
	const char *workdir;       /* where labs, tokens, KSRs and SKRs go */
	const char *only_profile;  /* NULL: every profile */
	unsigned shard_k, shard_n; /* --shard K/N: every Nth profile from the Kth; 0/0: all */
	/* Overrides of every profile's map (--map VENDOR=BACKEND), e.g. zsk -> softhsm. */
	const char *map_vendor[8], *map_backend[8];
	size_t nmap;
	hl_scn_progress_t progress;
	void *progress_arg;
} hl_scn_opts_t;

typedef struct hl_scn_result {
	hl_matrix_t *matrix; /* rows = steps, columns = profiles */
	char **profiles;
	hl_scn_quarter_t **quarters; /* per profile */
	size_t *nquarters;
	size_t nprofiles;
	size_t unexpected, pending, warnings, steps;
	char **notes; /* pending steps and what they wait for, module fallbacks */
	size_t nnotes;
	double seconds;
} hl_scn_result_t;

/* Fills opts' NULL paths from the environment and the build tree; finds libfaketime
 * (error when missing). 0 or -1 with a message in err. */
int hl_scenario_opts_defaults(hl_scn_opts_t *o, char *err, size_t errlen);
/* Runs every ceremony for every profile; NULL on a setup error (message in err). */
hl_scn_result_t *hl_scenario_run(const hl_scenario_t *s, const hl_scn_opts_t *o, char *err,
				 size_t errlen);
void hl_scn_result_free(hl_scn_result_t *r);

/* -- reports -- */

/* The SVG timeline of one profile: nine slots per quarter, the KSK(s) that signed each,
 * validity windows, ceremony dates and the scenario's milestones. */
int hl_scenario_svg(const hl_scenario_t *s, const hl_scn_result_t *r, size_t profile, FILE *out);
/* A Markdown summary (matrix, pending steps, timeline table). */
int hl_scenario_markdown(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *out);
/* The HTML body fragment: timeline (inline SVG), the <body> of embed_html when not NULL
 * (e.g. conformance.html), the step matrix and the notes. */
int hl_scenario_html(const hl_scenario_t *s, const hl_scn_result_t *r, FILE *out,
		     const char *embed_html);
/* Writes scenario.md, scenario.html, scenario-junit.xml and timeline-<profile>.svg into dir.
 * conformance_html (may be NULL): a page whose <body> is embedded into scenario.html. */
int hl_scenario_write_reports(const hl_scenario_t *s, const hl_scn_result_t *r, const char *dir,
			      const char *conformance_html, char *err, size_t errlen);
