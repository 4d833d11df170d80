/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario runner — for each profile a fresh lab and token store, then
 * every ceremony in date order, every step a child at the ceremony's date, every outcome
 * compared with the scenario's expectation in a matrix (rows = steps, columns = profiles). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hsmlab/paths.h"
#include "scenario_int.h"

static const char *const outcome_names[] = {
	"ok", "warning", "refused", "error", "pending", "n/a"
};

const char *hl_outcome_name(hl_outcome_t o)
{
	return o <= HL_OUT_NA ? outcome_names[o] : "?";
}

static const char *env_or(const char *var, const char *dflt)
{
	const char *v = getenv(var);

	return v && *v ? v : dflt;
}

int hl_scenario_opts_defaults(hl_scn_opts_t *o, char *err, size_t errlen)
{
	static const char *const faketime[] = {
		"/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
		"/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
		"/usr/lib/faketime/libfaketime.so.1",
		"/usr/local/lib/faketime/libfaketime.so.1",
	};
	/* Sibling tools and modules: the build tree's, or the installation's around this binary. */
	const hl_paths_t *p = hl_paths_get();
	static char admin[4096], profiles[4096];

	snprintf(admin, sizeof admin, "%s/hsmlab-admin", p->admin);
	snprintf(profiles, sizeof profiles, "%s/profiles", p->data);
	o->signer_dir =
	    o->signer_dir ? o->signer_dir : env_or("HSMLAB_BENCH_SIGNER_DIR", p->signer);
	o->admin = o->admin ? o->admin : env_or("HSMLAB_BENCH_ADMIN", admin);
	o->module_dir =
	    o->module_dir ? o->module_dir : env_or("HSMLAB_BENCH_MODULE_DIR", p->modules);
	o->softhsm = o->softhsm ? o->softhsm
				: env_or("HSMLAB_SOFTHSM2_MODULE", HSMLAB_BENCH_SOFTHSM2_MODULE);
	o->profile_dir =
	    o->profile_dir ? o->profile_dir : env_or("HSMLAB_BENCH_PROFILES", profiles);
	for (size_t i = 0; o->faketime == NULL && i < sizeof faketime / sizeof *faketime; i++)
		if (access(faketime[i], R_OK) == 0)
			o->faketime = faketime[i];
	for (size_t i = 0; i < 3; i++) {
		static const char *const tools[] = { "ksr-gen", "ksr-signer", "skr-verify" };
		char path[4200];

		snprintf(path, sizeof path, "%s/%s", o->signer_dir, tools[i]);
		if (access(path, X_OK) != 0) {
			snprintf(err, errlen,
				 "%s not found (build the signer, or set HSMLAB_BENCH_SIGNER_DIR)",
				 path);
			return -1;
		}
	}
	o->faketime = env_or("HSMLAB_FAKETIME_LIB", o->faketime);
	if (o->faketime == NULL || access(o->faketime, R_OK) != 0) {
		snprintf(err, errlen,
			 "libfaketime not found (looked for libfaketime.so.1 in the usual places; "
			 "install the libfaketime package or set HSMLAB_FAKETIME_LIB)");
		return -1;
	}
	return 0;
}

/* The module file serving an emulator profile: its vendor module when the build has it,
 * else the generic libhsmlab.so (which serves families it has no hooks for). */
static void module_for(hl_run_t *r, const char *backend, char *out, size_t len)
{
	if (strcmp(backend, "softhsm") == 0) {
		snprintf(out, len, "%s", r->o->softhsm);
		return;
	}
	snprintf(out, len, "%s/libhsmlab-%s.so", r->o->module_dir, backend);
	if (access(out, R_OK) == 0)
		return;
	snprintf(out, len, "%s/libhsmlab.so", r->o->module_dir);
	if (strcmp(backend, "strict") == 0) /* the generic module is the strict family's */
		return;
	snprintf(out, len, "%s/libhsmlab.so", r->o->module_dir);
	hl_scn_note(r,
		    "%s: no libhsmlab-%s.so in this build; %s devices run on the generic "
		    "libhsmlab.so",
		    r->p->name, backend, backend);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* A profile's world: lab config + lab, SoftHSMv2 token dir, per-device modules. */
static int setup_profile(hl_run_t *r, char *err, size_t errlen)
{
	char text[4096], tokens[2300];
	hl_proc_t p;
	char *help[] = { (char *)r->o->admin, "--help", NULL };
	char *create[] = { (char *)r->o->admin, "lab", "create", text, NULL };

	snprintf(tokens, sizeof tokens, "%s/tokens", r->dir);
	snprintf(r->lab_conf, sizeof r->lab_conf, "%s/hsmlab.conf", r->dir);
	snprintf(r->softhsm_conf, sizeof r->softhsm_conf, "%s/softhsm2.conf", r->dir);
	mkdir(tokens, 0700);
	snprintf(text, sizeof text,
		 "directories.tokendir = %s\nobjectstore.backend = file\n"
		 "log.level = ERROR\n",
		 tokens);
	if (write_file(r->softhsm_conf, text) != 0)
		goto fail;
	snprintf(text, sizeof text, "lab_dir = \"%s/lab\";\nprofile_dir = \"%s\";\n", r->dir,
		 r->o->profile_dir);
	if (write_file(r->lab_conf, text) != 0)
		goto fail;
	for (size_t i = 0; i < r->s->ndevices; i++) {
		r->dev[i].backend = hl_scenario_backend(r->p, r->s->devices[i].vendor);
		for (size_t m = 0; m < r->o->nmap; m++)
			if (strcmp(r->o->map_vendor[m], r->s->devices[i].vendor) == 0)
				r->dev[i].backend = r->o->map_backend[m];
		snprintf(text, sizeof text, "%s/%s.conf", r->o->profile_dir, r->dev[i].backend);
		if (strcmp(r->dev[i].backend, "softhsm") != 0 && access(text, R_OK) != 0) {
			snprintf(
			    err, errlen,
			    "profile %s: backend \"%s\" for %s is neither softhsm nor an emulator "
			    "profile (no %s)",
			    r->p->name, r->dev[i].backend, r->s->devices[i].name, text);
			return -1;
		}
		module_for(r, r->dev[i].backend, r->dev[i].module, sizeof r->dev[i].module);
	}
	r->cer = &r->s->ceremonies[0];
	for (size_t i = 0; i < r->s->ndevices; i++)
		if (strcmp(r->dev[i].backend, "softhsm") != 0 && access(r->o->admin, X_OK) != 0) {
			snprintf(err, errlen,
				 "profile %s needs the lab console: %s not found (build "
				 "hsmlab-admin, or set HSMLAB_BENCH_ADMIN)",
				 r->p->name, r->o->admin);
			return -1;
		}
	snprintf(text, sizeof text, "%s/lab", r->dir);
	if (hl_scn_spawn(r, NULL, help, &p) == 0) {
		r->console_help = p.out;
		p.out = NULL;
	}
	if (access(r->o->admin, X_OK) == 0 && hl_scn_spawn(r, NULL, create, &p) == 0) {
		int code = p.code;

		hl_proc_clear(&p);
		if (code != 0) {
			snprintf(err, errlen, "%s lab create %s failed (exit %d)", r->o->admin,
				 text, code);
			return -1;
		}
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot write the profile's files in %s", r->dir);
	return -1;
}

static int is_device_step(hl_step_type_t t)
{
	return t != HL_STEP_KSR_GEN && t != HL_STEP_SIGN && t != HL_STEP_VERIFY &&
	       t != HL_STEP_COVERAGE && t != HL_STEP_TRUST_ANCHOR && t != HL_STEP_TAMPER;
}

static void step_title(const hl_step_t *st, char *out, size_t len)
{
	size_t o = (size_t)snprintf(out, len, "%s", hl_step_type_name(st->type));

	if (st->quarter && o < len)
		o += (size_t)snprintf(out + o, len - o, " %s", st->quarter);
	if (st->schema && o < len)
		o += (size_t)snprintf(out + o, len - o, " (%s)", st->schema);
	if (st->key && o < len)
		o += (size_t)snprintf(out + o, len - o, " %s", st->key);
	for (size_t i = 0; i < st->ndevices && o < len; i++)
		o += (size_t)snprintf(out + o, len - o, "%s%s", i ? ", " : " on ", st->devices[i]);
	if (st->expect && strcmp(st->expect, "ok") != 0 && o < len)
		snprintf(out + o, len - o, " [expect %s]", st->expect);
}

/* What the profiles' runs share (they run in parallel threads): the result, the step
 * counter and the progress callback, all under one lock. */
typedef struct {
	hl_scn_result_t *res;
	size_t counter, total;
	pthread_mutex_t lock;
} tally_t;

static void row_names(const hl_ceremony_t *c, size_t si, char *id, size_t idlen, char *title,
		      size_t titlelen)
{
	snprintf(id, idlen, "%s #%02zu %s", c->id, si + 1, hl_step_type_name(c->steps[si].type));
	step_title(&c->steps[si], title, titlelen);
}

static void record(hl_run_t *r, tally_t *t, size_t ci, size_t si, const hl_obs_t *obs)
{
	const hl_ceremony_t *c = &r->s->ceremonies[ci];
	const hl_step_t *st = &c->steps[si];
	char id[128], title[512], detail[1700];
	hl_step_event_t ev;
	int row, as_expected;

	row_names(c, si, id, sizeof id, title, sizeof title);
	snprintf(detail, sizeof detail, "%s%s%s", obs->detail, st->note ? " -- " : "",
		 st->note ? st->note : "");
	pthread_mutex_lock(&t->lock);
	row = hl_matrix_row(t->res->matrix, id, title, c->date_text);
	as_expected = obs->outcome >= HL_OUT_PENDING ||
		      hl_matrix_value_matches(st->expect, hl_outcome_name(obs->outcome));
	if (obs->outcome < HL_OUT_PENDING && row >= 0)
		hl_matrix_set(t->res->matrix, row, r->col, hl_outcome_name(obs->outcome),
			      st->expect, detail);
	else if (obs->outcome == HL_OUT_PENDING) /* one note per step type, not per row */
		hl_scn_note(r, "pending (JUnit skipped): %s %s", hl_step_type_name(st->type),
			    obs->detail);
	else
		hl_scn_note(r, "n/a (JUnit skipped) in profile %s: %s -- %s", r->p->name,
			    hl_step_type_name(st->type),
			    strstr(obs->detail, "SoftHSMv2") ? "a vendor step on SoftHSMv2 tokens"
							     : obs->detail);
	t->res->steps++;
	t->res->unexpected += !as_expected;
	t->res->pending += obs->outcome == HL_OUT_PENDING;
	t->res->warnings += obs->outcome == HL_OUT_WARNING;
	ev = (hl_step_event_t){ r->p->name, c->id,        id,          title, ++t->counter,
				t->total,   obs->outcome, as_expected, detail };
	if (r->o->progress)
		r->o->progress(&ev, r->o->progress_arg);
	pthread_mutex_unlock(&t->lock);
}

/* A step whose prerequisite could not run (pending, n/a) cannot run either: it inherits
 * that, so a missing console command never shows up as a failure of what follows it. */
static int prerequisite_missing(hl_run_t *r, const hl_step_t *st, hl_obs_t *obs)
{
	int last = st->requires >= 0 ? r->last_of[st->requires] : HL_OUT_OK;

	if (last != HL_OUT_PENDING && last != HL_OUT_NA && last >= 0)
		return 0;
	obs->outcome = last == HL_OUT_NA ? HL_OUT_NA : HL_OUT_PENDING;
	snprintf(obs->detail, sizeof obs->detail, "needs %s first, which %s",
		 hl_step_type_name((hl_step_type_t)st->requires),
		 last < 0            ? "never ran"
		 : last == HL_OUT_NA ? "is n/a here"
				     : "is pending");
	if (last < 0)
		obs->outcome = HL_OUT_ERROR;
	return 1;
}

static void run_ceremonies(hl_run_t *r, tally_t *t)
{
	for (size_t ci = 0; ci < r->s->nceremonies; ci++) {
		r->cer = &r->s->ceremonies[ci];
		for (size_t si = 0; si < r->cer->nsteps; si++) {
			const hl_step_t *st = &r->cer->steps[si];
			hl_obs_t obs = { HL_OUT_ERROR, "" };

			if (!prerequisite_missing(r, st, &obs) && hl_scn_check_time(r, &obs) == 0) {
				if (is_device_step(st->type))
					hl_scn_step_device(r, st, &obs);
				else
					hl_scn_step_signer(r, st, &obs);
			}
			r->last_of[st->type] = (int)obs.outcome;
			record(r, t, ci, si, &obs);
		}
	}
}

static void run_free(hl_run_t *r)
{
	for (size_t i = 0; r->anchor && i < r->s->nkeys; i++)
		free(r->anchor[i]);
	free(r->anchor);
	free(r->holds);
	free(r->dev);
	free(r->console_help);
	free(r->quarters);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
}

/* Moves the run's notes into the result (deduplicated across profiles). */
static void take_notes(hl_scn_result_t *res, hl_run_t *r)
{
	for (size_t i = 0; i < r->nnotes; i++) {
		char **v;
		int seen = 0;

		for (size_t j = 0; j < res->nnotes && !seen; j++)
			seen = strcmp(res->notes[j], r->notes[i]) == 0;
		if (seen)
			continue;
		if ((v = reallocarray(res->notes, res->nnotes + 1, sizeof *v)) == NULL)
			return;
		res->notes = v;
		res->notes[res->nnotes++] = r->notes[i];
		r->notes[i] = NULL;
	}
}

/* One profile's run, a thread's job: its own lab, files and state; the result slot and the
 * matrix column are assigned before the threads start. */
typedef struct {
	tally_t *t;
	const hl_scenario_t *s;
	const hl_scn_opts_t *o;
	size_t pi, slot;
	int col, rc;
	hl_run_t r;
	char err[1024];
} job_t;

static void run_profile(job_t *j)
{
	hl_run_t *r = &j->r;
	const hl_scenario_t *s = j->s;

	*r = (hl_run_t){ .s = s, .o = j->o, .p = &s->profiles[j->pi], .col = j->col };
	j->rc = -1;
	snprintf(r->dir, sizeof r->dir, "%s/%s", j->o->workdir, r->p->name);
	r->dev = calloc(s->ndevices, sizeof *r->dev);
	r->holds = calloc(s->ndevices * s->nkeys, 1);
	r->anchor = calloc(s->nkeys, sizeof *r->anchor);
	for (int i = 0; i < HL_STEP_COUNT; i++)
		r->last_of[i] = -1;
	if (r->dev == NULL || r->holds == NULL || r->anchor == NULL)
		snprintf(j->err, sizeof j->err, "out of memory");
	else if (mkdir(r->dir, 0700) != 0)
		snprintf(j->err, sizeof j->err, "cannot create %.900s", r->dir);
	else if (setup_profile(r, j->err, sizeof j->err) == 0) {
		run_ceremonies(r, j->t);
		j->rc = 0;
	}
}

typedef struct {
	job_t *jobs;
	size_t n, next;
	pthread_mutex_t *lock;
} queue_t;

static void *worker(void *arg)
{
	queue_t *q = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(q->lock);
		i = q->next++;
		pthread_mutex_unlock(q->lock);
		if (i >= q->n)
			return NULL;
		run_profile(&q->jobs[i]);
	}
}

/* Profiles in parallel: each is a chain of child processes waiting on each other, so a
 * thread per core (HSMLAB_SCENARIO_JOBS overrides) nearly divides the wall time. */
static void run_jobs(job_t *jobs, size_t n, pthread_mutex_t *lock)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	const char *env = getenv("HSMLAB_SCENARIO_JOBS");
	size_t nthreads = env && atoi(env) > 0 ? (size_t)atoi(env) : cores > 0 ? (size_t)cores : 1;
	pthread_t th[16];
	queue_t q = { jobs, n, 0, lock };
	size_t started = 0;

	nthreads = nthreads > n ? n : nthreads > 16 ? 16 : nthreads;
	for (size_t i = 1; i < nthreads; i++)
		if (pthread_create(&th[started], NULL, worker, &q) == 0)
			started++;
	worker(&q);
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
}

static size_t total_steps(const hl_scenario_t *s, size_t profiles)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nceremonies; i++)
		n += s->ceremonies[i].nsteps;
	return n * profiles;
}

/* Rows and columns in scenario order before any thread adds a cell. */
static int prepare_matrix(const hl_scenario_t *s, hl_scn_result_t *res, job_t *jobs, size_t n)
{
	char id[128], title[512];

	for (size_t i = 0; i < n; i++)
		if ((jobs[i].col = hl_matrix_column(res->matrix, s->profiles[jobs[i].pi].name)) < 0)
			return -1;
	for (size_t ci = 0; ci < s->nceremonies; ci++)
		for (size_t si = 0; si < s->ceremonies[ci].nsteps; si++) {
			row_names(&s->ceremonies[ci], si, id, sizeof id, title, sizeof title);
			if (hl_matrix_row(res->matrix, id, title, s->ceremonies[ci].date_text) < 0)
				return -1;
		}
	return 0;
}

/* Moves each finished job's quarters, profile name and notes into the result. */
static int collect(hl_scn_result_t *res, job_t *jobs, size_t n, char *err, size_t errlen)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		job_t *j = &jobs[i];

		if (j->rc != 0 && rc == 0) {
			snprintf(err, errlen, "%s", j->err);
			rc = -1;
		}
		res->quarters[i] = j->r.quarters;
		res->nquarters[i] = j->r.nquarters;
		j->r.quarters = NULL;
		res->profiles[i] = strdup(j->s->profiles[j->pi].name);
		res->nprofiles = i + 1;
		take_notes(res, &j->r);
		run_free(&j->r);
	}
	return rc;
}

static job_t *make_jobs(const hl_scenario_t *s, const hl_scn_opts_t *o, tally_t *t, size_t *n)
{
	job_t *jobs = calloc(s->nprofiles, sizeof *jobs);
	size_t sel = 0; /* index among the profiles the options select, for --shard */

	*n = 0;
	for (size_t i = 0; jobs != NULL && i < s->nprofiles; i++) {
		if (o->only_profile && strcmp(o->only_profile, s->profiles[i].name) != 0)
			continue;
		if (o->shard_n > 0 && !hl_matrix_shard_picks(sel++, o->shard_k, o->shard_n))
			continue;
		jobs[*n] = (job_t){ .t = t, .s = s, .o = o, .pi = i, .slot = *n };
		(*n)++;
	}
	return jobs;
}

hl_scn_result_t *hl_scenario_run(const hl_scenario_t *s, const hl_scn_opts_t *o, char *err,
				 size_t errlen)
{
	hl_scn_result_t *res = calloc(1, sizeof *res);
	tally_t t = { res, 0, 0, PTHREAD_MUTEX_INITIALIZER };
	size_t n = 0;
	job_t *jobs = res ? make_jobs(s, o, &t, &n) : NULL;
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (jobs == NULL || n == 0) {
		if (jobs != NULL && o->shard_n > 0)
			snprintf(err, errlen, "--shard %u/%u: no profile of %s falls in this shard",
				 o->shard_k, o->shard_n, s->path);
		else
			snprintf(err, errlen, jobs ? "no profile named %s in %s" : "out of memory",
				 o->only_profile, s->path);
		goto fail;
	}
	t.total = total_steps(s, n);
	res->matrix = hl_matrix_new(s->name);
	res->profiles = calloc(n, sizeof *res->profiles);
	res->quarters = calloc(n, sizeof *res->quarters);
	res->nquarters = calloc(n, sizeof *res->nquarters);
	if (!res->matrix || !res->profiles || !res->quarters || !res->nquarters ||
	    prepare_matrix(s, res, jobs, n) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	run_jobs(jobs, n, &t.lock);
	if (collect(res, jobs, n, err, errlen) != 0)
		goto fail;
	free(jobs);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return res;
fail:
	free(jobs);
	hl_scn_result_free(res);
	return NULL;
}

void hl_scn_result_free(hl_scn_result_t *r)
{
	if (r == NULL)
		return;
	hl_matrix_free(r->matrix);
	for (size_t i = 0; i < r->nprofiles; i++) {
		free(r->profiles[i]);
		free(r->quarters[i]);
	}
	free(r->profiles);
	free(r->quarters);
	free(r->nquarters);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r);
}
