/* SPDX-License-Identifier: BSD-2-Clause
 * The fork-and-pipe runner shared by the conformance suite and the trace replay. */
#include <errno.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

int hl_child_run(hl_child_work_fn work, void *warg, hl_child_read_fn read, void *rarg, int *status,
		 char *err, size_t errlen)
{
	int fds[2];
	FILE *in;
	pid_t pid;

	*status = 0;
	fflush(NULL); /* or the child's exit writes the parent's buffered output again */
	if (pipe(fds) != 0) {
		snprintf(err, errlen, "cannot start the child: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) < 0) {
		snprintf(err, errlen, "cannot start the child: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		FILE *out = fdopen(fds[1], "w");

		close(fds[0]);
		_exit(out ? work(warg, out) : 4);
	}
	close(fds[1]);
	in = fdopen(fds[0], "r");
	if (in != NULL) {
		read(rarg, in);
		fclose(in);
	} else {
		close(fds[0]);
	}
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return 0;
}
