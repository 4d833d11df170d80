/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab-rehearse: commands, variables, the device clock, the state and the snapshot. Every
 * command runs in work/ through /bin/sh with the lab's environment (HSMLAB_CONF, the built
 * tools first on PATH); with --at under libfaketime at the ceremony's time, which carries on
 * across resumes (elapsed), so device clocks and audit records never run backwards. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rehearse.h"

extern char **environ;

long long hl_rh_now(const hl_rh_run_t *r)
{
	long long real = (long long)time(NULL);
	if (!r->at)
		return real;
	return r->at + r->elapsed + (real - r->session_t0);
}

void hl_rh_iso(long long t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tt, &tm));
}

const char *hl_rh_var(const hl_rh_run_t *r, const char *name)
{
	for (int i = 0; i < r->n_vars; i++)
		if (!strcmp(r->var_name[i], name))
			return r->var_value[i];
	if (!strcmp(name, "WORK"))
		return r->work;
	if (!strcmp(name, "MODDIR"))
		return r->moddir;
	return NULL;
}

int hl_rh_var_set(hl_rh_run_t *r, const char *name, const char *value)
{
	int i = 0;
	while (i < r->n_vars && strcmp(r->var_name[i], name))
		i++;
	if (i == HL_RH_MAX_VARS || strchr(value, '\n'))
		return -1;
	if (i == r->n_vars) {
		r->var_name[i] = strdup(name);
		r->n_vars++;
	} else {
		free(r->var_value[i]);
	}
	r->var_value[i] = strdup(value);
	return r->var_name[i] && r->var_value[i] ? 0 : -1;
}

char *hl_rh_expand(const hl_rh_run_t *r, const char *text, char *err, size_t errlen)
{
	size_t cap = strlen(text) + 1024, n = 0;
	char *out = malloc(cap);
	for (const char *p = text; out && *p;) {
		const char *v = NULL, *end = NULL;
		size_t add = 1;
		if (p[0] == '$' && p[1] == '{' && (end = strchr(p, '}'))) {
			char name[64];
			snprintf(name, sizeof(name), "%.*s", (int)(end - p - 2), p + 2);
			if (!(v = hl_rh_var(r, name))) {
				snprintf(err, errlen,
					 "${%s} is not set (no earlier step captured it)", name);
				free(out);
				return NULL;
			}
			add = strlen(v);
		}
		if (n + add + 1 > cap) {
			char *bigger = realloc(out, cap = 2 * (n + add + 1));
			if (!bigger) {
				free(out);
				return NULL;
			}
			out = bigger;
		}
		memcpy(out + n, v ? v : p, add);
		n += add;
		p = v ? end + 1 : p + 1;
	}
	if (out)
		out[n] = 0;
	return out;
}

/* The environment of a command: ours, then the lab's entries, then extra (secrets). */
static char **command_env(const hl_rh_run_t *r, char *const *extra, char store[][1400])
{
	int n = 0, k = 0;
	while (environ[n])
		n++;
	char **env = calloc((size_t)n + 16 + HL_RH_MAX_LIST, sizeof(*env));
	if (!env)
		return NULL;
	snprintf(store[k++], 1400, "PATH=%s:%s:%s:%s", r->bindir_admin, r->bindir_signer,
		 r->bindir_audit, getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
	snprintf(store[k++], 1400, "HSMLAB_CONF=%s/hsmlab.conf", r->work);
	snprintf(store[k++], 1400, "HSMLAB_MODULE=%s/libhsmlab.so", r->moddir);
	snprintf(store[k++], 1400, "HSMLAB_QUIET=1");
	snprintf(store[k++], 1400, "HSMLAB_PROFILE_DIR=%s", r->profiles);
	/* The sanitizer build preloads its runtime into every command, so that a program built
	 * without it (pkcs11-tool) can load the sanitized modules. libfaketime must come first
	 * (with the runtime ahead of it a process deadlocks at start), hence ASan's link order
	 * check is off; and leaks are not checked there: the shell and every other program of
	 * a step carry the runtime too. */
	const char *asan = HL_RH_ASAN_LIB, *sep = asan[0] && r->at ? " " : "";
	if (asan[0] || r->at)
		snprintf(store[k++], 1400, "LD_PRELOAD=%s%s%s", r->at ? HL_RH_FAKETIME_LIB : "",
			 sep, asan);
	if (asan[0])
		snprintf(store[k++], 1400,
			 "ASAN_OPTIONS=%s%sverify_asan_link_order=0:detect_leaks=0",
			 getenv("ASAN_OPTIONS") ? getenv("ASAN_OPTIONS") : "",
			 getenv("ASAN_OPTIONS") ? ":" : "");
	if (r->at) {
		/* An offset, not "@date": every process of a step (a && chain) then sees one
		 * clock running on, where "@date" would start each one again at the date. */
		long long shift = hl_rh_now(r) - (long long)time(NULL);
		snprintf(store[k++], 1400, "FAKETIME=%+lld", shift);
		snprintf(store[k++], 1400, "FAKETIME_DONT_FAKE_MONOTONIC=1");
		snprintf(store[k++], 1400, "TZ=UTC");
	}
	int m = 0;
	for (int i = 0; environ[i]; i++) {
		bool ours = false;
		for (int j = 0; j < k && !ours; j++)
			ours = !strncmp(environ[i], store[j],
					(size_t)(strchr(store[j], '=') - store[j] + 1));
		if (!ours && strncmp(environ[i], "HSMLAB_", 7))
			env[m++] = environ[i]; /* never a caller's HSMLAB_PIN and the like */
	}
	for (int j = 0; j < k; j++)
		env[m++] = store[j];
	for (int j = 0; extra && extra[j]; j++)
		env[m++] = extra[j];
	return env;
}

int hl_rh_exec(const hl_rh_run_t *r, const char *cmd, char *const *extra, char **output)
{
	char store[12][1400];
	int fds[2];
	char **env = command_env(r, extra, store);
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	*output = NULL;
	if (!env || pipe(fds) != 0) {
		free(env);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[1], 2) < 0 ||
		    chdir(r->work) != 0)
			_exit(127);
		close(fds[0]);
		execve(argv[0], argv, env);
		_exit(127);
	}
	free(env);
	close(fds[1]);
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t got;
	while (buf && (got = read(fds[0], buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (cap - n < 1024) {
			char *bigger = realloc(buf, cap *= 2);
			if (!bigger)
				break;
			buf = bigger;
		}
	}
	close(fds[0]);
	if (buf)
		buf[n] = 0;
	*output = buf;
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs a fixed argv (cp, rm, mv of the work folder); 0 on success. */
static int tool(char *const argv[])
{
	pid_t pid;
	int st = 0;
	if (posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ) != 0 || waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static void path_of(const hl_rh_run_t *r, const char *name, char out[700])
{
	snprintf(out, 700, "%s/%s", r->dir, name);
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY);
	int rc = fd >= 0 ? fsync(fd) : -1;
	if (fd >= 0)
		close(fd);
	return rc;
}

int hl_rh_state_save(const hl_rh_run_t *r)
{
	char path[700], tmp[720];
	path_of(r, "state", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "hsmlab-rehearse-state 1\ndone %d\nat %lld\nelapsed %lld\nexceptions %d\n",
		r->done, r->at, r->at ? hl_rh_now(r) - r->at : 0, r->exceptions);
	fprintf(f, "records %ld\nbody %ld\n", hl_rh_record_size(r, "records.jsonl"),
		hl_rh_record_size(r, "body.html"));
	for (int i = 0; i < r->n_vars; i++)
		fprintf(f, "var %s %s\n", r->var_name[i], r->var_value[i]);
	bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0)
		return -1;
	return fsync_path(r->dir);
}

int hl_rh_state_load(hl_rh_run_t *r, char *err, size_t errlen)
{
	char path[700], line[2048];
	long records = -1, body = -1;
	int lineno = 0;
	path_of(r, "state", path);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? 1 : -1;
	while (fgets(line, sizeof(line), f)) {
		char name[64];
		int off = 0;
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (lineno == 1 && strcmp(line, "hsmlab-rehearse-state 1"))
			break;
		if (sscanf(line, "done %d", &r->done) == 1 ||
		    sscanf(line, "at %lld", &r->at) == 1 ||
		    sscanf(line, "elapsed %lld", &r->elapsed) == 1 ||
		    sscanf(line, "exceptions %d", &r->exceptions) == 1 ||
		    sscanf(line, "records %ld", &records) == 1 ||
		    sscanf(line, "body %ld", &body) == 1)
			continue;
		if (sscanf(line, "var %63s %n", name, &off) == 1 && off &&
		    hl_rh_var_set(r, name, line + off) == 0)
			continue;
		if (lineno > 1)
			break;
	}
	bool eof = feof(f);
	fclose(f);
	if (!eof || records < 0 || body < 0) {
		snprintf(err, errlen, "%s:%d: not a state this version wrote", path, lineno);
		return -1;
	}
	return hl_rh_record_truncate(r, records, body);
}

int hl_rh_snapshot_take(const hl_rh_run_t *r, int index)
{
	char snap[700], tmp[700], mark[760];
	path_of(r, "snap", snap);
	path_of(r, "snap.tmp", tmp);
	char *rm[] = { "rm", "-rf", tmp, snap, NULL };
	char *cp[] = { "cp", "-a", (char *)r->work, tmp, NULL };
	if (tool(rm) || tool(cp))
		return -1;
	snprintf(mark, sizeof(mark), "%s/.rehearse-step", tmp);
	FILE *f = fopen(mark, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", index);
	bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	if (fclose(f) != 0 || !ok || rename(tmp, snap) != 0)
		return -1;
	return fsync_path(r->dir);
}

int hl_rh_snapshot_drop(const hl_rh_run_t *r)
{
	char snap[700], tmp[700];
	path_of(r, "snap", snap);
	path_of(r, "snap.tmp", tmp);
	char *rm[] = { "rm", "-rf", tmp, snap, NULL };
	return tool(rm);
}

/* A snapshot of the step after the last completed one means that step was cut: the work
 * folder goes back to before it. Any other snapshot is stale. */
int hl_rh_snapshot_settle(const hl_rh_run_t *r)
{
	char snap[700], mark[760];
	int step = -1;
	path_of(r, "snap", snap);
	snprintf(mark, sizeof(mark), "%s/.rehearse-step", snap);
	FILE *f = fopen(mark, "r");
	if (f) {
		if (fscanf(f, "%d", &step) != 1)
			step = -1;
		fclose(f);
	}
	if (step != r->done)
		return hl_rh_snapshot_drop(r) ? -1 : 0;
	char *rm[] = { "rm", "-rf", (char *)r->work, NULL };
	if (tool(rm) || rename(snap, r->work) != 0 || fsync_path(r->dir))
		return -1;
	char moved[800];
	snprintf(moved, sizeof(moved), "%s/.rehearse-step", r->work);
	unlink(moved);
	return 1;
}
