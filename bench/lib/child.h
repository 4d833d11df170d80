/* SPDX-License-Identifier: BSD-2-Clause
 * Runs one piece of bench work in a fork()ed child that reports line by line through a
 * pipe: a module that crashes, hangs up or leaves state behind takes only the child
 * with it, and the parent still writes its row for the crash. */
#pragma once

#include <stddef.h>
#include <stdio.h>

/* The child's work: writes its report lines to out; its return value is the exit code. */
typedef int (*hl_child_work_fn)(void *arg, FILE *out);
/* The parent's side: reads every line the child wrote, until the pipe closes. */
typedef void (*hl_child_read_fn)(void *arg, FILE *in);

/* Forks, runs work(warg, pipe) in the child, read(rarg, pipe) in the parent, and waits.
 * *status is the child's wait status. -1 (err says why) if no child could be started. */
int hl_child_run(hl_child_work_fn work, void *warg, hl_child_read_fn read, void *rarg, int *status,
		 char *err, size_t errlen);
