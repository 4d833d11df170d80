/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: replaying a trace recorded by libhsmlab-trace.so against other modules.
 * Every recorded call is re-issued with slot ids, session and object handles mapped to the
 * target's, PINs taken from the target's setup, and its return code and output shape
 * (lengths, counts, which attributes came back; never random bytes) compared with the
 * recording. One matrix row per call, one column per target. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "hsmlab/bench/matrix.h"
#include "hsmlab/bench/target.h"

typedef struct hl_replay_trace hl_replay_trace_t;

/* Reads a JSON Lines trace; NULL with err naming the file and line on bad input. */
hl_replay_trace_t *hl_replay_load(const char *path, char *err, size_t errlen);
void hl_replay_free(hl_replay_trace_t *tr);
size_t hl_replay_count(const hl_replay_trace_t *tr);

/* Adds a column "recorded" (the trace's own results) and one row per call. */
int hl_replay_matrix_init(const hl_replay_trace_t *tr, hl_matrix_t *m);
/* Replays the trace against target t (in a child process) into column col. A target that
 * cannot be prepared is a row "replay.setup" holding the error, and returns -1 with err. */
int hl_replay_run(const hl_replay_trace_t *tr, hl_bench_target_t *t, const char *rundir,
		  hl_matrix_t *m, int col, FILE *log, char *err, size_t errlen);

/* Per target: the first call whose result differs from the recording, with the `context`
 * calls before it, as Markdown (html 0) or JSON (html 0, json 1). */
int hl_replay_write_divergences(const hl_matrix_t *m, size_t context, FILE *out, int json);
/* The first differing row of column col (its index), or -1 when none differs. */
long hl_replay_first_divergence(const hl_matrix_t *m, size_t col);
