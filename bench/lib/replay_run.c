/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench replay: one target in a child process (its environment and the module's
 * global state stay there, like the conformance suite's), its results read back into the
 * matrix column. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "replay_int.h"

enum { CHILD_TIMEOUT_S = 600 };

/* Makes the target's token (the lab, C_InitToken where the target says so) in a session of
 * its own: the trace then starts from an unloaded, uninitialised module like the client. */
static int setup(hl_bench_target_t *t, const char *rundir, hl_p11_module_t **mod, char *err,
		 size_t errlen)
{
	CK_C_INITIALIZE_ARGS args = { .flags = CKF_OS_LOCKING_OK };
	CK_FUNCTION_LIST_PTR fn;
	CK_SLOT_ID slot;
	CK_RV rv;

	if (hl_bench_target_prepare(t, rundir, err, errlen) != 0)
		return -1;
	*mod = hl_p11_module_load(hl_bench_target_module(t), 1, err, errlen);
	if (*mod == NULL)
		return -1;
	fn = hl_p11_module_fn(*mod);
	rv = fn->C_Initialize(&args);
	if (rv != CKR_OK) {
		snprintf(err, errlen, "C_Initialize: %s", hl_ckr_name(rv));
		return -1;
	}
	rv = hl_bench_target_open(t, fn, &slot, err, errlen);
	fn->C_Finalize(NULL);
	return rv == CKR_OK ? 0 : -1;
}

static int child_main(const hl_replay_trace_t *tr, hl_bench_target_t *t, const char *rundir,
		      FILE *out)
{
	hl_p11_module_t *mod = NULL;
	hl_replay_ctx_t *c = NULL;
	char err[512] = "", shape[2048], note[1024];

	alarm(CHILD_TIMEOUT_S);
	if (setup(t, rundir, &mod, err, sizeof err) != 0)
		goto fail;
	c = hl_replay_ctx_new(hl_p11_module_fn(mod), t);
	if (c == NULL) {
		snprintf(err, sizeof err, "out of memory");
		goto fail;
	}
	c->has_main = hl_replay_main_slot(tr, &c->main_slot);
	for (size_t i = 0; i < tr->n; i++) {
		hl_replay_call(c, tr->calls[i], shape, sizeof shape, note, sizeof note);
		note[strcspn(note, "\t\n")] = '\0';
		fprintf(out, "%zu\t%s\t%s\n", i, shape, note);
		fflush(out); /* a crash later keeps the calls before it */
	}
	hl_p11_module_fn(mod)->C_Finalize(NULL); /* in case the client never did */
	hl_replay_ctx_free(c);
	hl_p11_module_free(mod);
	return 0;
fail:
	fprintf(out, "!\t%s\n", err);
	fflush(out);
	hl_replay_ctx_free(c);
	hl_p11_module_free(mod);
	return 3;
}

static void store(hl_matrix_t *m, int col, const hl_replay_trace_t *tr, char *line)
{
	char *shape = strchr(line, '\t'), *note, id[64], expected[2048];
	size_t i;
	int row;

	if (shape == NULL)
		return;
	*shape++ = '\0';
	note = strchr(shape, '\t');
	if (note != NULL)
		*note++ = '\0';
	i = (size_t)strtoul(line, NULL, 10);
	if (i >= tr->n)
		return;
	hl_replay_row_id(tr->calls[i], i, id, sizeof id);
	row = hl_matrix_row(m, id, NULL, NULL);
	if (row < 0)
		return;
	if (strcmp(shape, "-") == 0) { /* not re-issued: shown, never a divergence */
		hl_matrix_set(m, row, col, "not replayed", "any", note);
		return;
	}
	if (shape[0] == '~') { /* informational: shown, compared with nothing */
		hl_matrix_set(m, row, col, shape + 1, "any", note && *note ? note : NULL);
		return;
	}
	hl_replay_recorded_shape(tr->calls[i], expected, sizeof expected);
	hl_matrix_set(m, row, col, shape, expected, note && *note ? note : NULL);
}

static void read_child(FILE *in, hl_matrix_t *m, int col, const hl_replay_trace_t *tr, FILE *log,
		       const char *name, char *setup_err, size_t errlen)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, in) >= 0) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "!\t", 2) == 0) {
			snprintf(setup_err, errlen, "%s", line + 2);
			continue;
		}
		if (log != NULL)
			fprintf(log, "  %-14s %s\n", name, line);
		store(m, col, tr, line);
	}
	free(line);
}

typedef struct {
	const hl_replay_trace_t *tr;
	hl_bench_target_t *t;
	const char *rundir;
	hl_matrix_t *m;
	int col;
	FILE *log;
	char setup_err[600];
} run_arg_t;

static int run_child(void *v, FILE *out)
{
	run_arg_t *a = v;

	return child_main(a->tr, a->t, a->rundir, out);
}

static void run_read(void *v, FILE *in)
{
	run_arg_t *a = v;

	read_child(in, a->m, a->col, a->tr, a->log, hl_bench_target_name(a->t), a->setup_err,
		   sizeof a->setup_err);
}

int hl_replay_run(const hl_replay_trace_t *tr, hl_bench_target_t *t, const char *rundir,
		  hl_matrix_t *m, int col, FILE *log, char *err, size_t errlen)
{
	run_arg_t a = { .tr = tr, .t = t, .rundir = rundir, .m = m, .col = col, .log = log };
	const char *setup_err = a.setup_err;
	char v[96];
	int status, row;

	if (hl_child_run(run_child, &a, run_read, &a, &status, err, errlen) != 0)
		return -1;
	if (WIFSIGNALED(status))
		snprintf(v, sizeof v, "crashed:%s", strsignal(WTERMSIG(status)));
	else
		snprintf(v, sizeof v, "%s", WEXITSTATUS(status) == 0 ? "ok" : "setup-failed");
	row = hl_matrix_row(m, "replay.setup", "the target prepared and the whole trace replayed",
			    NULL);
	if (row >= 0) {
		hl_matrix_set(m, row, hl_matrix_column(m, "recorded"), "ok", "ok", NULL);
		hl_matrix_set(m, row, col, v, "ok", setup_err[0] ? setup_err : NULL);
	}
	if (strcmp(v, "ok") != 0) {
		snprintf(err, errlen, "%s: %s%s%s", hl_bench_target_name(t), v,
			 setup_err[0] ? ": " : "", setup_err);
		return -1;
	}
	return 0;
}
