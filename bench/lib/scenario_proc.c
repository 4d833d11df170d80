/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's child processes. Every tool a ceremony uses runs as a child
 * at the ceremony's date: LD_PRELOAD=libfaketime, FAKETIME="@date", monotonic clocks left
 * alone so timeouts stay sane. Output is captured for the reports. */
#define _GNU_SOURCE /* environ */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "scenario_int.h"

extern char **environ;

#define MAX_OUT (256 * 1024)
#define STEP_TIMEOUT_S 120 /* a child that hangs (a prompt, a lock) must not hang the run */

static int dropped(const char *kv)
{
	static const char *const names[] = { "LD_PRELOAD=",  "FAKETIME",       "ASAN_OPTIONS=",
					     "HSMLAB_CONF=", "SOFTHSM2_CONF=", HL_SCN_PIN_VAR "=" };

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strncmp(kv, names[i], strlen(names[i])) == 0)
			return 1;
	return 0;
}

/* The child's environment: ours minus what we set, plus the ceremony's time and lab. */
static char **make_env(const hl_run_t *r, char *const extra[], char store[8][2200])
{
	size_t n = 0, k = 0, nextra = 0;
	const char *asan = getenv("ASAN_OPTIONS");
	char **env;

	while (environ[n] != NULL)
		n++;
	while (extra != NULL && extra[nextra] != NULL)
		nextra++;
	if ((env = calloc(n + nextra + 9, sizeof *env)) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!dropped(environ[i]))
			env[k++] = environ[i];
	snprintf(store[0], 2200, "LD_PRELOAD=%s", r->o->faketime);
	snprintf(store[1], 2200, "FAKETIME=@%s", r->cer->date_text);
	snprintf(store[2], 2200, "FAKETIME_DONT_FAKE_MONOTONIC=1");
	snprintf(store[3], 2200, "HSMLAB_CONF=%s", r->lab_conf);
	snprintf(store[4], 2200, "SOFTHSM2_CONF=%s", r->softhsm_conf);
	snprintf(store[5], 2200, "%s=%s", HL_SCN_PIN_VAR, r->s->user_pin);
	/* Under ASan libfaketime comes first in the link order; the tools' own tests judge
	 * their leaks, so a child's leak report does not make a ceremony step fail. */
	snprintf(store[6], 2200, "ASAN_OPTIONS=%s%sverify_asan_link_order=0:detect_leaks=0",
		 asan ? asan : "", asan && *asan ? ":" : "");
	snprintf(store[7], 2200, "HSMLAB_QUIET=1");
	for (int i = 0; i < 8; i++)
		env[k++] = store[i];
	for (size_t i = 0; i < nextra; i++)
		env[k++] = extra[i];
	return env;
}

/* Reads the child's output until EOF; 1 when the deadline passed first. */
static int read_all(int fd, hl_proc_t *p)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	time_t deadline = time(NULL) + STEP_TIMEOUT_S;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t got;
	int rc = 0;

	if (buf == NULL)
		return -1;
	for (;;) {
		if (len + 1 >= cap && cap < MAX_OUT) {
			char *nb = reallocarray(buf, cap, 2);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		if (poll(&pfd, 1, 1000) == 0) {
			if (time(NULL) < deadline)
				continue;
			rc = 1;
			break;
		}
		got = read(fd, buf + len, len + 1 < cap ? cap - len - 1 : 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0 && len + 1 < cap)
			break;
		if (got <= 0) { /* full: drain the rest so the child never blocks */
			char sink[4096];

			while (read(fd, sink, sizeof sink) > 0)
				;
			break;
		}
		len += (size_t)got;
	}
	buf[len] = '\0';
	p->out = buf;
	return rc;
}

static void wait_child(pid_t pid, int timed_out, hl_proc_t *p)
{
	int status = 0;

	if (timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	p->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (timed_out && p->out != NULL) {
		char *more = NULL;

		if (asprintf(&more, "%s\ntimed out after %d s: killed\n", p->out, STEP_TIMEOUT_S) >=
		    0) {
			free(p->out);
			p->out = more;
		}
	}
}

int hl_scn_spawn(const hl_run_t *r, char *const extra[], char *const argv[], hl_proc_t *p)
{
	char store[8][2200]; /* per call: profiles run in parallel threads */
	posix_spawn_file_actions_t fa;
	int fds[2], rc = -1;
	char **env = make_env(r, extra, store);
	hl_proc_t q = { NULL, 0 };
	pid_t pid;

	if (env == NULL || pipe(fds) != 0) {
		free(env);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, fds[1]);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (posix_spawnp(&pid, argv[0], &fa, NULL, argv, env) == 0) {
		close(fds[1]);
		fds[1] = -1;
		wait_child(pid, read_all(fds[0], &q) == 1, &q);
		rc = 0;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	free(env);
	if (rc == 0 && q.out == NULL && (q.out = strdup("")) == NULL)
		rc = -1;
	if (rc == 0)
		*p = q;
	return rc;
}

void hl_proc_clear(hl_proc_t *p)
{
	free(p->out);
	p->out = NULL;
}

void hl_proc_last_line(const hl_proc_t *p, char *buf, size_t len)
{
	const char *s = p->out ? p->out : "", *end = s + strlen(s), *start, *rv;

	/* A PKCS#11 return value says more than a tool's closing "Aborting.". */
	for (rv = strstr(s, "CKR_"); rv != NULL; rv = strstr(rv + 4, "CKR_"))
		end = strchr(rv, '\n') ? strchr(rv, '\n') : s + strlen(s);

	while (end > s && (end[-1] == '\n' || end[-1] == ' '))
		end--;
	start = end;
	while (start > s && start[-1] != '\n')
		start--;
	snprintf(buf, len, "%.*s", (int)(end - start), start);
}

int hl_scn_check_time(const hl_run_t *r, hl_obs_t *obs)
{
	char *argv[] = { "date", "+%s", NULL };
	hl_proc_t p;
	long long seen;

	if (hl_scn_spawn(r, NULL, argv, &p) != 0) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail, "cannot run date: %s", strerror(errno));
		return -1;
	}
	seen = p.code == 0 ? strtoll(p.out, NULL, 10) : 0;
	hl_proc_clear(&p);
	/* The faked clock starts at the date and runs; a few minutes of slack for the run. */
	if (seen < (long long)r->cer->date || seen > (long long)r->cer->date + 900) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail,
			 "time did not shift: a child under %s saw %lld, not %s (%lld)",
			 r->o->faketime, seen, r->cer->date_text, (long long)r->cer->date);
		return -1;
	}
	return 0;
}

void hl_scn_judge(const hl_proc_t *p, const char *what, hl_obs_t *obs)
{
	char last[700];

	hl_proc_last_line(p, last, sizeof last);
	if (p->code == 0) {
		obs->outcome = HL_OUT_OK;
		snprintf(obs->detail, sizeof obs->detail, "%s: ok", what);
		return;
	}
	/* The signer's 1 is a named check; 3 an HSM error (a PKCS#11 refusal); other tools
	 * (pkcs11-tool, the console) exit 1 when the module refused. A signal is a crash. */
	obs->outcome = p->code < 128 && p->code != 2 ? HL_OUT_REFUSED : HL_OUT_ERROR;
	snprintf(obs->detail, sizeof obs->detail, "%s: exit %d: %s", what, p->code, last);
}

int hl_scn_note(hl_run_t *r, const char *fmt, ...)
{
	char buf[1024];
	char **v;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < r->nnotes; i++)
		if (strcmp(r->notes[i], buf) == 0)
			return 0;
	if ((v = reallocarray(r->notes, r->nnotes + 1, sizeof *v)) == NULL)
		return -1;
	r->notes = v;
	if ((r->notes[r->nnotes] = strdup(buf)) == NULL)
		return -1;
	r->nnotes++;
	return 0;
}

int hl_scn_run(hl_run_t *r, char *const extra[], char *const argv[], const char *what,
	       hl_obs_t *obs)
{
	hl_proc_t p;
	size_t len;

	if (hl_scn_spawn(r, extra, argv, &p) != 0) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail, "%s: cannot start %s", what, argv[0]);
		return -1;
	}
	hl_scn_judge(&p, what, obs);
	len = strlen(p.out);
	snprintf(r->last_out, sizeof r->last_out, "%s",
		 p.out + (len >= sizeof r->last_out ? len - sizeof r->last_out + 1 : 0));
	hl_proc_clear(&p);
	return obs->outcome == HL_OUT_OK ? 0 : -1;
}
