/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: target descriptions — how to prepare a module for testing. */
#include <errno.h>
#include <libconfig.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hsmlab/bench/target.h"
#include "hsmlab/p11client.h"
#include "hsmlab/paths.h"

typedef struct {
	char **v;
	size_t n;
} strlist_t;

enum { F_NAME, F_MODULE, F_TOKEN, F_SO_PIN, F_USER_PIN, F_EXPECT, F_SLOT, F_INIT, F_COUNT };
static const char *const field_names[F_COUNT] = { "name",     "module", "token", "so_pin",
						  "user_pin", "expect", "slot",  "init" };

struct hl_bench_target {
	char *raw[F_COUNT]; /* as written, ${VAR} unexpanded */
	char *val[F_COUNT]; /* expanded by prepare */
	strlist_t env, mkdirs, file_paths, file_texts, run;
	char *targetdir; /* directory of the description file, for relative paths */
	char *workdir;
	int slot_moved;
};

static int list_add(strlist_t *l, const char *s)
{
	char **p = reallocarray(l->v, l->n + 1, sizeof *p);

	if (p == NULL)
		return -1;
	l->v = p;
	if ((l->v[l->n] = strdup(s)) == NULL)
		return -1;
	l->n++;
	return 0;
}

static void list_free(strlist_t *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

/* -- expansion of ${VAR} -- */

static const char *lookup_var(const hl_bench_target_t *t, const char *name)
{
	const char *v;

	if (strcmp(name, "WORKDIR") == 0)
		return t->workdir;
	if (strcmp(name, "TARGETDIR") == 0)
		return t->targetdir ? t->targetdir : ".";
	if ((v = getenv(name)) != NULL)
		return v;
	/* Resolved where this binary runs (build tree or installation), never compiled in. */
	const hl_paths_t *p = hl_paths_get();
	if (strcmp(name, "HSMLAB_DATA_DIR") == 0)
		return p->data;
	if (strcmp(name, "HSMLAB_MODULE_DIR") == 0)
		return p->modules;
	if (strcmp(name, "HSMLAB_ADMIN_DIR") == 0)
		return p->admin;
	if (strcmp(name, "HSMLAB_SOURCE_DIR") == 0 && p->source[0])
		return p->source;
	if (strcmp(name, "HSMLAB_BUILD_DIR") == 0 && p->build[0])
		return p->build;
	if (strcmp(name, "HSMLAB_SOFTHSM2_MODULE") == 0)
		return HSMLAB_BENCH_SOFTHSM2_MODULE;
	return NULL;
}

/* Returns a malloc'd expansion of s, or NULL with err naming the unknown variable. */
static char *expand(const hl_bench_target_t *t, const char *s, const char *what, char *err,
		    size_t errlen)
{
	size_t cap = strlen(s) + 256, len = 0;
	char *out = malloc(cap);

	if (out == NULL)
		goto nomem;
	while (*s) {
		const char *piece = s, *end;
		size_t plen = 1;
		char name[128];

		if (s[0] == '$' && s[1] == '{' && (end = strchr(s, '}')) != NULL &&
		    (size_t)(end - s - 2) < sizeof name) {
			memcpy(name, s + 2, (size_t)(end - s - 2));
			name[end - s - 2] = '\0';
			piece = lookup_var(t, name);
			if (piece == NULL) {
				snprintf(err, errlen, "%s: unknown variable ${%s} (not set)", what,
					 name);
				free(out);
				return NULL;
			}
			plen = strlen(piece);
			s = end + 1;
		} else {
			s++;
		}
		if (len + plen + 1 > cap) {
			char *p;

			cap = (len + plen + 1) * 2;
			p = realloc(out, cap);
			if (p == NULL)
				goto nomem;
			out = p;
		}
		memcpy(out + len, piece, plen);
		len += plen;
	}
	out[len] = '\0';
	return out;
nomem:
	free(out);
	snprintf(err, errlen, "%s: out of memory", what);
	return NULL;
}

/* -- building a target -- */

hl_bench_target_t *hl_bench_target_new(const char *name)
{
	hl_bench_target_t *t = calloc(1, sizeof *t);

	if (t == NULL)
		return NULL;
	t->raw[F_NAME] = strdup(name);
	t->raw[F_INIT] = strdup("no");
	if (t->raw[F_NAME] == NULL || t->raw[F_INIT] == NULL) {
		hl_bench_target_free(t);
		return NULL;
	}
	return t;
}

void hl_bench_target_free(hl_bench_target_t *t)
{
	if (t == NULL)
		return;
	for (int i = 0; i < F_COUNT; i++) {
		free(t->raw[i]);
		if (i == F_SO_PIN || i == F_USER_PIN) {
			if (t->val[i] != NULL)
				OPENSSL_cleanse(t->val[i], strlen(t->val[i]));
		}
		free(t->val[i]);
	}
	list_free(&t->env);
	list_free(&t->mkdirs);
	list_free(&t->file_paths);
	list_free(&t->file_texts);
	list_free(&t->run);
	free(t->targetdir);
	free(t->workdir);
	free(t);
}

int hl_bench_target_set(hl_bench_target_t *t, const char *key, const char *value, char *err,
			size_t errlen)
{
	if (strcmp(key, "env") == 0) {
		if (strchr(value, '=') == NULL) {
			snprintf(err, errlen, "env: \"%s\" is not VAR=value", value);
			return -1;
		}
		return list_add(&t->env, value);
	}
	if (strcmp(key, "mkdir") == 0)
		return list_add(&t->mkdirs, value);
	if (strcmp(key, "run") == 0)
		return list_add(&t->run, value);
	for (int i = 0; i < F_COUNT; i++) {
		char *copy;

		if (strcmp(key, field_names[i]) != 0)
			continue;
		if (i == F_INIT && strcmp(value, "yes") != 0 && strcmp(value, "no") != 0) {
			snprintf(err, errlen, "init: \"%s\" is neither yes nor no", value);
			return -1;
		}
		if ((copy = strdup(value)) == NULL) {
			snprintf(err, errlen, "%s: out of memory", key);
			return -1;
		}
		free(t->raw[i]);
		t->raw[i] = copy;
		return 0;
	}
	snprintf(err, errlen, "unknown setting \"%s\"", key);
	return -1;
}

int hl_bench_target_add_file(hl_bench_target_t *t, const char *path, const char *text)
{
	if (list_add(&t->file_paths, path) != 0)
		return -1;
	if (list_add(&t->file_texts, text) != 0) {
		free(t->file_paths.v[--t->file_paths.n]);
		return -1;
	}
	return 0;
}

/* -- reading a description file -- */

static int load_setting(hl_bench_target_t *t, const config_setting_t *s, const char *path,
			char *err, size_t errlen)
{
	static const char *const known[] = { "name",     "module", "token", "so_pin",
					     "user_pin", "expect", "slot",  "init",
					     "env",      "mkdir",  "files", "run" };
	const char *name = config_setting_name(s);
	char msg[256];
	size_t k = 0;

	while (k < sizeof known / sizeof known[0] && strcmp(known[k], name) != 0)
		k++;
	if (k == sizeof known / sizeof known[0]) {
		snprintf(err, errlen, "%s:%d: unknown setting \"%s\"", path,
			 config_setting_source_line(s), name);
		return -1;
	}
	if (strcmp(name, "env") == 0 || strcmp(name, "mkdir") == 0 || strcmp(name, "run") == 0) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			goto type;
		for (int i = 0; i < config_setting_length(s); i++) {
			const char *v = config_setting_get_string_elem(s, i);

			if (v == NULL)
				goto type;
			if (hl_bench_target_set(t, name, v, msg, sizeof msg) != 0)
				goto bad;
		}
		return 0;
	}
	if (strcmp(name, "files") == 0) {
		if (!config_setting_is_list(s))
			goto type;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *f = config_setting_get_elem(s, (unsigned)i);
			const char *fp = NULL, *text = NULL;

			if (!config_setting_lookup_string(f, "path", &fp) ||
			    !config_setting_lookup_string(f, "text", &text)) {
				snprintf(err, errlen,
					 "%s:%d: files: each entry needs path and text", path,
					 config_setting_source_line(f));
				return -1;
			}
			if (hl_bench_target_add_file(t, fp, text) != 0) {
				snprintf(err, errlen, "%s: out of memory", path);
				return -1;
			}
		}
		return 0;
	}
	if (strcmp(name, "init") == 0 && config_setting_type(s) == CONFIG_TYPE_BOOL)
		return hl_bench_target_set(t, name, config_setting_get_bool(s) ? "yes" : "no", err,
					   errlen);
	if (strcmp(name, "slot") == 0 && config_setting_type(s) == CONFIG_TYPE_INT) {
		snprintf(msg, sizeof msg, "%d", config_setting_get_int(s));
		return hl_bench_target_set(t, name, msg, err, errlen);
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		goto type;
	if (hl_bench_target_set(t, name, config_setting_get_string(s), msg, sizeof msg) != 0)
		goto bad;
	return 0;
type:
	snprintf(err, errlen, "%s:%d: %s: wrong type", path, config_setting_source_line(s), name);
	return -1;
bad:
	snprintf(err, errlen, "%s:%d: %s", path, config_setting_source_line(s), msg);
	return -1;
}

hl_bench_target_t *hl_bench_target_load(const char *path, char *err, size_t errlen)
{
	hl_bench_target_t *t = NULL;
	config_setting_t *root;
	config_t cfg;
	char *pathcopy = NULL;

	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read target file", path);
		else
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
				 config_error_text(&cfg));
		goto fail;
	}
	t = hl_bench_target_new("");
	pathcopy = strdup(path);
	if (t == NULL || pathcopy == NULL || (t->targetdir = strdup(dirname(pathcopy))) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto fail;
	}
	root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root); i++)
		if (load_setting(t, config_setting_get_elem(root, (unsigned)i), path, err,
				 errlen) != 0)
			goto fail;
	if (t->raw[F_NAME][0] == '\0' || t->raw[F_MODULE] == NULL) {
		snprintf(err, errlen, "%s: a target needs \"name\" and \"module\"", path);
		goto fail;
	}
	free(pathcopy);
	config_destroy(&cfg);
	return t;
fail:
	free(pathcopy);
	hl_bench_target_free(t);
	config_destroy(&cfg);
	return NULL;
}

/* -- preparing and opening -- */

static int write_file(const char *path, const char *text, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) == EOF || fclose(f) != 0) {
		snprintf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Runs one setup command through /bin/sh with the target's environment. */
static int run_cmd(const char *cmd, char *err, size_t errlen)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "run: \"%s\" failed (status %d)", cmd,
			 pid < 0             ? -1
			 : WIFEXITED(status) ? WEXITSTATUS(status)
					     : 128);
		return -1;
	}
	return 0;
}

static int prepare_lists(hl_bench_target_t *t, char *err, size_t errlen)
{
	int rc = -1;

	for (size_t i = 0; i < t->mkdirs.n; i++) {
		char *d = expand(t, t->mkdirs.v[i], "mkdir", err, errlen);

		if (d == NULL || (mkdir(d, 0700) != 0 && errno != EEXIST)) {
			if (d != NULL)
				snprintf(err, errlen, "mkdir %s: %s", d, strerror(errno));
			free(d);
			return -1;
		}
		free(d);
	}
	for (size_t i = 0; i < t->file_paths.n; i++) {
		char *p = expand(t, t->file_paths.v[i], "files.path", err, errlen);
		char *x = p ? expand(t, t->file_texts.v[i], "files.text", err, errlen) : NULL;

		rc = (p && x) ? write_file(p, x, err, errlen) : -1;
		free(p);
		free(x);
		if (rc != 0)
			return -1;
	}
	for (size_t i = 0; i < t->env.n; i++) {
		char *e = expand(t, t->env.v[i], "env", err, errlen), *eq;

		if (e == NULL)
			return -1;
		eq = strchr(e, '=');
		*eq = '\0';
		rc = setenv(e, eq + 1, 1);
		free(e);
		if (rc != 0) {
			snprintf(err, errlen, "env: setenv failed");
			return -1;
		}
	}
	for (size_t i = 0; i < t->run.n; i++) {
		char *cmd = expand(t, t->run.v[i], "run", err, errlen);

		rc = cmd ? run_cmd(cmd, err, errlen) : -1;
		free(cmd);
		if (rc != 0)
			return -1;
	}
	return 0;
}

int hl_bench_target_resolve(hl_bench_target_t *t, const char *rundir, char *err, size_t errlen)
{
	size_t len = strlen(rundir) + strlen(t->raw[F_NAME]) + 2;

	free(t->workdir);
	t->workdir = malloc(len);
	if (t->workdir == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	snprintf(t->workdir, len, "%s/%s", rundir, t->raw[F_NAME]);
	if (mkdir(t->workdir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "mkdir %s: %s", t->workdir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < F_COUNT; i++) {
		free(t->val[i]);
		t->val[i] = NULL;
		if (t->raw[i] == NULL)
			continue;
		t->val[i] = expand(t, t->raw[i], field_names[i], err, errlen);
		if (t->val[i] == NULL)
			return -1;
	}
	if (t->val[F_EXPECT] != NULL && t->val[F_EXPECT][0] != '/' && t->targetdir != NULL) {
		size_t n = strlen(t->targetdir) + strlen(t->val[F_EXPECT]) + 2;
		char *p = malloc(n);

		if (p == NULL)
			return -1;
		snprintf(p, n, "%s/%s", t->targetdir, t->val[F_EXPECT]);
		free(t->val[F_EXPECT]);
		t->val[F_EXPECT] = p;
	}
	if (t->val[F_MODULE] == NULL || t->val[F_MODULE][0] == '\0') {
		snprintf(err, errlen, "%s: no module path", t->raw[F_NAME]);
		return -1;
	}
	return 0;
}

int hl_bench_target_prepare(hl_bench_target_t *t, const char *rundir, char *err, size_t errlen)
{
	if (hl_bench_target_resolve(t, rundir, err, errlen) != 0)
		return -1;
	return prepare_lists(t, err, errlen);
}

/* First slot whose token is not initialised yet (SoftHSMv2 always keeps one free). */
static CK_RV find_free_slot(CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID *slot_out)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	CK_RV rv = fn->C_GetSlotList(CK_TRUE, slots, &n);

	if (rv != CKR_OK)
		return rv;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;

		if (fn->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    !(ti.flags & CKF_TOKEN_INITIALIZED)) {
			*slot_out = slots[i];
			return CKR_OK;
		}
	}
	return CKR_TOKEN_NOT_PRESENT;
}

static CK_RV init_token(hl_bench_target_t *t, CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID slot,
			const char **step)
{
	const char *so = t->val[F_SO_PIN], *user = t->val[F_USER_PIN], *label = t->val[F_TOKEN];
	CK_UTF8CHAR padded[32];
	CK_SESSION_HANDLE s;
	CK_RV rv;

	memset(padded, ' ', sizeof padded);
	memcpy(padded, label, strnlen(label, sizeof padded));
	*step = "C_InitToken";
	rv = fn->C_InitToken(slot, (CK_UTF8CHAR_PTR)so, strlen(so), padded);
	if (rv != CKR_OK)
		return rv;
	*step = "finding the new token by label";
	rv = hl_p11_find_slot(fn, label, &slot);
	if (rv != CKR_OK)
		return rv;
	*step = "C_OpenSession";
	rv = fn->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s);
	if (rv != CKR_OK)
		return rv;
	*step = "C_Login(CKU_SO)";
	rv = fn->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so, strlen(so));
	if (rv == CKR_OK) {
		*step = "C_InitPIN";
		rv = fn->C_InitPIN(s, (CK_UTF8CHAR_PTR)user, strlen(user));
		fn->C_Logout(s);
	}
	fn->C_CloseSession(s);
	return rv;
}

CK_RV hl_bench_target_open(hl_bench_target_t *t, CK_FUNCTION_LIST_PTR fn, CK_SLOT_ID *slot_out,
			   char *err, size_t errlen)
{
	const char *step = "finding the token";
	CK_SLOT_ID slot = 0, before;
	CK_RV rv;

	if (t->val[F_SLOT] != NULL)
		slot = strtoul(t->val[F_SLOT], NULL, 0);
	/* Lists every slot once before asking for tokens, as clients that met G9 do (a device
	 * that shows its token only after C_GetSlotList(CK_FALSE)): the suite's set-up must reach
	 * the token on any module; the fingerprint's probe observes G9 in a fresh process. */
	CK_ULONG all = 0;
	(void)fn->C_GetSlotList(CK_FALSE, NULL, &all);
	if (strcmp(t->val[F_INIT], "yes") == 0) {
		if (!t->val[F_TOKEN] || !t->val[F_SO_PIN] || !t->val[F_USER_PIN]) {
			snprintf(err, errlen, "%s: init = yes needs token, so_pin and user_pin",
				 t->val[F_NAME]);
			return CKR_ARGUMENTS_BAD;
		}
		step = "finding a slot with an uninitialised token";
		rv = t->val[F_SLOT] ? CKR_OK : find_free_slot(fn, &slot);
		before = slot;
		if (rv == CKR_OK)
			rv = init_token(t, fn, slot, &step);
		if (rv == CKR_OK)
			rv = hl_p11_find_slot(fn, t->val[F_TOKEN], &slot);
		t->slot_moved = rv == CKR_OK && slot != before;
	} else if (t->val[F_TOKEN] != NULL) {
		rv = hl_p11_find_slot(fn, t->val[F_TOKEN], &slot);
	} else {
		rv = t->val[F_SLOT] ? CKR_OK : hl_p11_find_slot(fn, NULL, &slot);
	}
	if (rv != CKR_OK) {
		snprintf(err, errlen, "%s: %s: %s", t->val[F_NAME], step, hl_ckr_name(rv));
		return rv;
	}
	*slot_out = slot;
	return CKR_OK;
}

/* -- accessors -- */

static const char *get(const hl_bench_target_t *t, int f)
{
	return t->val[f] ? t->val[f] : t->raw[f];
}

const char *hl_bench_target_name(const hl_bench_target_t *t)
{
	/* The name is never expanded, so this pointer survives a later prepare. */
	return t->raw[F_NAME];
}

const char *hl_bench_target_module(const hl_bench_target_t *t)
{
	return get(t, F_MODULE);
}

const char *hl_bench_target_token(const hl_bench_target_t *t)
{
	return get(t, F_TOKEN);
}

const char *hl_bench_target_user_pin(const hl_bench_target_t *t)
{
	return get(t, F_USER_PIN);
}

const char *hl_bench_target_so_pin(const hl_bench_target_t *t)
{
	return get(t, F_SO_PIN);
}

const char *hl_bench_target_expect(const hl_bench_target_t *t)
{
	return t->val[F_EXPECT];
}

int hl_bench_target_slot_moved(const hl_bench_target_t *t)
{
	return t->slot_moved;
}
