/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: lab configuration and directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/hl_crypto.h"
#include "device/hl_family.h"
#include "device/hl_quirk.h"
#include "device/hl_lab.h"

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", a, b);
	return s;
}

/* $XDG_<kind>_HOME or ~/<fallback>, then suffix. */
static char *xdg_path(const char *var, const char *fallback, const char *suffix)
{
	const char *base = getenv(var);
	char *home_based = NULL, *out;
	if (!base || base[0] != '/') {
		const char *home = getenv("HOME");
		if (!home || !home[0])
			return NULL;
		home_based = join(home, fallback);
		base = home_based;
	}
	out = base ? join(base, suffix) : NULL;
	free(home_based);
	return out;
}

void hl_lab_config_clear(hl_lab_config_t *cfg)
{
	free(cfg->conf_path);
	free(cfg->lab_dir);
	free(cfg->profile_dir);
	free(cfg->default_profile);
	memset(cfg, 0, sizeof(*cfg));
}

/* Resolves a path from the config file relative to the file's directory. */
static char *relative_to(const char *conf, const char *p)
{
	if (p[0] == '/')
		return strdup(p);
	char *dir = strdup(conf), *slash = dir ? strrchr(dir, '/') : NULL;
	char *out = NULL;
	if (slash) {
		*slash = 0;
		out = join(dir, p);
	} else if (dir) {
		out = strdup(p);
	}
	free(dir);
	return out;
}

/* Every key the lab config knows: anything else (a misspelt `timing` silently off) is an
 * error naming the nearest of these. */
static const char *const conf_keys[] = { "lab_dir", "profile_dir", "default_profile", "timing" };

static hl_status_t known_keys(const char *path, config_t *cfg, char *err, size_t errlen)
{
	const config_setting_t *root = config_root_setting(cfg);
	size_t n = sizeof(conf_keys) / sizeof(conf_keys[0]);
	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *name = config_setting_name(s), *near = conf_keys[0];
		size_t k = 0;
		while (k < n && strcmp(conf_keys[k], name) != 0)
			k++;
		if (k < n)
			continue;
		for (k = 1; k < n; k++)
			if (hl_quirk_distance(name, conf_keys[k]) < hl_quirk_distance(name, near))
				near = conf_keys[k];
		snprintf(err, errlen, "%s:%d: %s: unknown key (did you mean %s?)", path,
			 config_setting_source_line(s), name, near);
		return HL_ERR_LAB_INVALID;
	}
	return HL_OK;
}

static hl_status_t read_conf(const char *path, hl_lab_config_t *c, char *err, size_t errlen)
{
	config_t cfg;
	const char *v;
	hl_status_t st = HL_OK;
	struct stat sb;
	/* libconfig opens a directory and fails on reading it, leaving errno stale ("No such
	 * file or directory"): name the real problem. */
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen,
			 "%s: cannot read config file: %s (want the lab's config file)", path,
			 strerror(EISDIR));
		return HL_ERR_LAB_INVALID;
	}
	config_init(&cfg);
	errno = 0;
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			snprintf(err, errlen, "%s: cannot read config file: %s", path,
				 errno ? strerror(errno) : "unreadable");
		else
			snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
				 config_error_text(&cfg));
		st = HL_ERR_LAB_INVALID;
		goto out;
	}
	st = known_keys(path, &cfg, err, errlen);
	if (st != HL_OK)
		goto out;
	const char *const *keys = conf_keys;
	char **dst[] = { &c->lab_dir, &c->profile_dir, &c->default_profile };
	for (size_t i = 0; i < 3; i++) {
		config_setting_t *s = config_lookup(&cfg, keys[i]);
		if (!s)
			continue;
		if (!(v = config_setting_get_string(s)) || !v[0]) {
			snprintf(err, errlen, "%s:%d: %s: must be a non-empty string", path,
				 config_setting_source_line(s), keys[i]);
			st = HL_ERR_LAB_INVALID;
			goto out;
		}
		*dst[i] = i < 2 ? relative_to(path, v) : strdup(v);
		if (!*dst[i]) {
			st = HL_ERR_NOMEM;
			goto out;
		}
	}
	config_setting_t *t = config_lookup(&cfg, "timing");
	if (t && config_setting_type(t) != CONFIG_TYPE_BOOL) {
		snprintf(err, errlen, "%s:%d: timing: must be true or false", path,
			 config_setting_source_line(t));
		st = HL_ERR_LAB_INVALID;
		goto out;
	}
	c->timing = t && config_setting_get_bool(t);
out:
	config_destroy(&cfg);
	return st;
}

/* The machine file of the module family's library path variable (K6: the vendor library
 * finds its device through $<family variable>/machine). *path_out stays NULL when the
 * family names no variable or it is unset; a set variable must lead to a readable file, as
 * the vendor library cannot find its device otherwise (no fallback to the default lab). */
static hl_status_t library_path_conf(const char *var, char **path_out, char *err, size_t errlen)
{
	const char *dir = var ? getenv(var) : NULL;
	struct stat sb;
	if (!dir || !dir[0])
		return HL_OK;
	int rc = stat(dir, &sb);
	if (rc != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s=%s: cannot use the directory: %s", var, dir,
			 rc != 0 ? strerror(errno) : "not a directory");
		return HL_ERR_LAB_INVALID;
	}
	char *machine = join(dir, "machine");
	if (!machine)
		return HL_ERR_NOMEM;
	if (access(machine, R_OK) != 0) {
		snprintf(err, errlen, "%s=%s: %s: cannot read the machine file: %s", var, dir,
			 machine, strerror(errno));
		free(machine);
		return HL_ERR_LAB_INVALID;
	}
	*path_out = machine;
	return HL_OK;
}

static void prefix_var(const char *var, char *err, size_t errlen)
{
	char msg[512];
	snprintf(msg, sizeof(msg), "%s", err);
	snprintf(err, errlen, "%s: %s", var, msg);
}

/* The config file to read: HSMLAB_CONF, else the family's library path (K6), else the XDG
 * default when it exists. *named_by: the variable that named the file (which then must name
 * a lab_dir), NULL for the optional XDG default. */
static hl_status_t find_conf(const char *family, hl_lab_config_t *c, const char **named_by,
			     char *err, size_t errlen)
{
	const char *env = getenv("HSMLAB_CONF");
	const char *var = hl_family_get(family)->library_path_env;
	*named_by = "HSMLAB_CONF";
	if (env && env[0])
		return (c->conf_path = strdup(env)) ? HL_OK : HL_ERR_NOMEM;
	*named_by = var;
	hl_status_t st = library_path_conf(var, &c->conf_path, err, errlen);
	if (st != HL_OK || c->conf_path)
		return st;
	*named_by = NULL;
	char *def = xdg_path("XDG_CONFIG_HOME", ".config", "hsmlab/hsmlab.conf");
	if (def && access(def, F_OK) == 0)
		c->conf_path = def;
	else
		free(def);
	return HL_OK;
}

hl_status_t hl_lab_config_load(const char *builtin_profile_dir, const char *family_profile,
			       hl_lab_config_t *out, char *err, size_t errlen)
{
	hl_lab_config_t c = { 0 };
	const char *named_by = NULL;
	err[0] = 0;
	hl_status_t st = find_conf(family_profile, &c, &named_by, err, errlen);
	if (st == HL_OK && c.conf_path)
		st = read_conf(c.conf_path, &c, err, errlen);
	if (st == HL_OK && !c.lab_dir && named_by) {
		snprintf(err, errlen, "%s: lab_dir: missing", c.conf_path);
		st = HL_ERR_LAB_INVALID;
	}
	/* Errors in a machine file also say which variable led to it (K6). */
	if (st != HL_OK && c.conf_path && named_by && strcmp(named_by, "HSMLAB_CONF") != 0)
		prefix_var(named_by, err, errlen);
	/* The vendor client's own config file and variables (the family's hook). */
	const hl_family_t *fam = hl_family_get(family_profile);
	if (st == HL_OK && fam->client_config)
		st = fam->client_config(&c, named_by, err, errlen);
	if (st == HL_OK && !c.lab_dir) {
		c.is_default = true;
		c.lab_dir = xdg_path("XDG_DATA_HOME", ".local/share", "hsmlab/lab");
		if (!c.lab_dir) {
			snprintf(err, errlen, "no HSMLAB_CONF and no HOME for the default lab");
			st = HL_ERR_LAB_INVALID;
		}
	}
	const char *pd = getenv("HSMLAB_PROFILE_DIR");
	if (st == HL_OK && pd && pd[0]) {
		free(c.profile_dir);
		c.profile_dir = strdup(pd);
	} else if (st == HL_OK && !c.profile_dir) {
		c.profile_dir = strdup(builtin_profile_dir);
	}
	if (st == HL_OK && !c.default_profile)
		c.default_profile = strdup(family_profile);
	if (st == HL_OK && (!c.profile_dir || !c.default_profile))
		st = HL_ERR_NOMEM;
	if (st == HL_OK)
		*out = c;
	else
		hl_lab_config_clear(&c);
	return st;
}

/* -- the lab directory -- */

static hl_status_t mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return HL_ERR_IO;
	}
	return (mkdir(path, 0700) == 0 || errno == EEXIST) ? HL_OK : HL_ERR_IO;
}

static hl_status_t check_dir(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen,
			 "%s: lab directory missing (create it with hsmlab-admin lab create)",
			 path);
		return HL_ERR_LAB_INVALID;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errlen, "%s: mode %03o gives group/other access (want 0700)", path,
			 (unsigned)(sb.st_mode & 0777));
		return HL_ERR_PERMISSIONS;
	}
	return HL_OK;
}

static hl_status_t write_secret(const char *path, uint8_t secret[32])
{
	hl_status_t st = hl_crypto_random(secret, 32);
	if (st != HL_OK)
		return st;
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? HL_ERR_EXISTS : HL_ERR_IO;
	bool ok = write(fd, secret, 32) == 32 && fsync(fd) == 0;
	close(fd);
	if (!ok)
		unlink(path);
	return ok ? HL_OK : HL_ERR_IO;
}

static hl_status_t read_secret(const char *path, uint8_t secret[32], char *err, size_t errlen)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	hl_status_t st = HL_OK;
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return errno == EACCES ? HL_ERR_PERMISSIONS : HL_ERR_LAB_INVALID;
	}
	if (fstat(fd, &sb) != 0 || (sb.st_mode & 077)) {
		snprintf(err, errlen, "%s: mode %03o gives group/other access (want 0600)", path,
			 (unsigned)(sb.st_mode & 0777));
		st = HL_ERR_PERMISSIONS;
	} else if (sb.st_size != 32 || read(fd, secret, 32) != 32) {
		snprintf(err, errlen, "%s: lab secret must be exactly 32 bytes", path);
		st = HL_ERR_LAB_INVALID;
	}
	close(fd);
	return st;
}

static bool dir_empty(const char *path)
{
	DIR *d = opendir(path);
	bool empty = d != NULL;
	for (struct dirent *e; d && (e = readdir(d)) != NULL;)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = false;
	if (d)
		closedir(d);
	return empty;
}

static hl_status_t open_dirs(hl_lab_t *lab, bool create, char *err, size_t errlen)
{
	char *devs = join(lab->cfg.lab_dir, "devices");
	char *sec = join(lab->cfg.lab_dir, "lab.secret");
	hl_status_t st = (devs && sec) ? HL_OK : HL_ERR_NOMEM;
	if (st == HL_OK && create && access(lab->cfg.lab_dir, F_OK) != 0) {
		st = mkdirs(lab->cfg.lab_dir);
		if (st != HL_OK)
			snprintf(err, errlen, "%s: cannot create: %s", lab->cfg.lab_dir,
				 strerror(errno));
	}
	if (st == HL_OK)
		st = check_dir(lab->cfg.lab_dir, err, errlen);
	/* An existing but empty lab directory is set up on first use, like the default lab. */
	if (st == HL_OK && access(sec, F_OK) != 0 && dir_empty(lab->cfg.lab_dir))
		create = true;
	if (st == HL_OK && create && access(devs, F_OK) != 0 && mkdir(devs, 0700) != 0) {
		snprintf(err, errlen, "%s: cannot create: %s", devs, strerror(errno));
		st = HL_ERR_IO;
	}
	if (st == HL_OK && access(devs, F_OK) == 0)
		st = check_dir(devs, err, errlen);
	if (st == HL_OK && create && access(sec, F_OK) != 0) {
		st = write_secret(sec, lab->secret);
		if (st == HL_ERR_EXISTS) /* another process made it first */
			st = HL_OK;
		else if (st != HL_OK)
			snprintf(err, errlen, "%s: cannot create lab secret", sec);
	}
	if (st == HL_OK)
		st = read_secret(sec, lab->secret, err, errlen);
	free(devs);
	free(sec);
	return st;
}

hl_status_t hl_lab_open(hl_lab_config_t *cfg, bool create, hl_lab_t **out, char *err, size_t errlen)
{
	hl_lab_t *lab = calloc(1, sizeof(*lab));
	if (!lab) {
		hl_lab_config_clear(cfg);
		return HL_ERR_NOMEM;
	}
	lab->cfg = *cfg;
	memset(cfg, 0, sizeof(*cfg));
	hl_status_t st = open_dirs(lab, create || lab->cfg.is_default, err, errlen);
	if (st != HL_OK) {
		hl_lab_free(lab);
		return st;
	}
	*out = lab;
	return HL_OK;
}

void hl_lab_free(hl_lab_t *lab)
{
	if (!lab)
		return;
	for (size_t i = 0; i < lab->n_profiles; i++)
		hl_profile_free(lab->profiles[i]);
	free(lab->profiles);
	hl_lab_config_clear(&lab->cfg);
	hl_crypto_wipe(lab->secret, sizeof(lab->secret));
	free(lab);
}

hl_status_t hl_lab_profile(hl_lab_t *lab, const char *name, const hl_profile_t **out, char *err,
			   size_t errlen)
{
	for (size_t i = 0; i < lab->n_profiles; i++)
		if (strcmp(lab->profiles[i]->name, name) == 0) {
			*out = lab->profiles[i];
			return HL_OK;
		}
	if (strchr(name, '/') || !name[0]) {
		snprintf(err, errlen, "profile name \"%s\" invalid", name);
		return HL_ERR_ARGS;
	}
	size_t n = strlen(lab->cfg.profile_dir) + strlen(name) + 8;
	char *path = malloc(n);
	hl_profile_t *p = NULL;
	if (!path)
		return HL_ERR_NOMEM;
	snprintf(path, n, "%s/%s.conf", lab->cfg.profile_dir, name);
	hl_status_t st = hl_profile_load(path, &p, err, errlen);
	free(path);
	if (st != HL_OK)
		return st;
	hl_profile_t **v = reallocarray(lab->profiles, lab->n_profiles + 1, sizeof(*v));
	if (!v) {
		hl_profile_free(p);
		return HL_ERR_NOMEM;
	}
	lab->profiles = v;
	v[lab->n_profiles++] = p;
	*out = p;
	return HL_OK;
}

char *hl_lab_device_path(const hl_lab_t *lab, const char *serial)
{
	size_t n = strlen(lab->cfg.lab_dir) + strlen(serial) + 16;
	char *p = malloc(n);
	if (p)
		snprintf(p, n, "%s/devices/%s.db", lab->cfg.lab_dir, serial);
	return p;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

hl_status_t hl_lab_list(const hl_lab_t *lab, char ***serials_out, size_t *n_out)
{
	char *devs = join(lab->cfg.lab_dir, "devices");
	DIR *d = devs ? opendir(devs) : NULL;
	char **v = NULL;
	size_t n = 0;
	hl_status_t st = HL_OK;
	free(devs);
	if (!d) {
		*serials_out = NULL;
		*n_out = 0;
		return HL_OK; /* a lab without devices yet */
	}
	for (struct dirent *e; (e = readdir(d)) != NULL;) {
		size_t len = strlen(e->d_name);
		if (len < 4 || len > 40 || strcmp(e->d_name + len - 3, ".db") != 0)
			continue;
		char **nv = reallocarray(v, n + 1, sizeof(*nv));
		if (!nv || !(nv[n] = strndup(e->d_name, len - 3))) {
			v = nv ? nv : v;
			st = HL_ERR_NOMEM;
			break;
		}
		v = nv;
		n++;
	}
	closedir(d);
	if (st != HL_OK) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return st;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_str);
	*serials_out = v;
	*n_out = n;
	return HL_OK;
}

hl_status_t hl_lab_device_kek(const hl_lab_t *lab, const char *serial, uint8_t kek[32])
{
	char info[64];
	int n = snprintf(info, sizeof(info), "hsmlab-kek-v1:%s", serial);
	return hl_crypto_hmac_sha256(lab->secret, sizeof(lab->secret), (const uint8_t *)info,
				     (size_t)n, kek);
}
