/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna client's configuration file, Chrystoki.conf, read the way Thales'
 * library finds it: the directory named by ChrystokiConfigurationPath, else
 * /etc/Chrystoki.conf. Its format is the client's own (sections `Name = { Key = value; }`,
 * unquoted values, no TAB characters), not libconfig's, so it has its own small parser.
 * What the module reads and applies, and what it ignores: emulator/doc/config.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "device/hl_lab.h"
#include "device/hl_quirk.h"
#include "luna/luna_int.h"

#define CONF_ENV "ChrystokiConfigurationPath"
#define CONF_NAME "Chrystoki.conf"
#define CONF_DEFAULT "/etc/" CONF_NAME
#define MAX_TEXT 65536
#define MAX_ENTRIES 512

hl_luna_client_conf_t hl_luna_client;

typedef struct {
	char section[64], key[64], value[1024];
	int line;
} entry_t;

typedef struct {
	const char *path, *p;
	int line;
	char *err;
	size_t errlen;
	entry_t *e;
	size_t n;
} parser_t;

static hl_status_t bad(parser_t *ps, const char *what)
{
	snprintf(ps->err, ps->errlen, "%s:%d: %s", ps->path, ps->line, what);
	return HL_ERR_LAB_INVALID;
}

/* Skips spaces, newlines and '#' comments; a TAB is an error (the client refuses them:
 * thalesdocs.com/gphsm/luna/7/docs/network/Content/admin_appliance/client_connections/
 * timeouts.htm, "Never insert TAB characters"). */
static hl_status_t skip(parser_t *ps)
{
	for (;;) {
		char ch = *ps->p;
		if (ch == '\t')
			return bad(ps, "a TAB character (the Luna client refuses TABs here: use "
				       "spaces)");
		if (ch == '\n')
			ps->line++;
		if (ch == '#')
			while (ps->p[1] && ps->p[1] != '\n')
				ps->p++;
		if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '#')
			return HL_OK;
		ps->p++;
	}
}

/* Up to (not including) one of stop, on this line; trimmed into out. */
static hl_status_t word(parser_t *ps, const char *stop, const char *what, char *out, size_t n)
{
	const char *s = ps->p;
	while (*ps->p && *ps->p != '\n' && !strchr(stop, *ps->p)) {
		if (*ps->p == '\t')
			return bad(ps, "a TAB character (the Luna client refuses TABs here: use "
				       "spaces)");
		ps->p++;
	}
	size_t len = (size_t)(ps->p - s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\r'))
		len--;
	if (len >= n)
		return bad(ps, "an entry longer than hsmlab reads (1023 characters)");
	/* A value may be empty (`Key = ;`); a name or key may not. */
	if (!*ps->p || *ps->p == '\n' || (!len && stop[0] != ';')) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%.*s%swant %s ending with '%c'",
			 len < 40 ? (int)len : 40, s, len ? ": " : "", what, stop[0]);
		return bad(ps, msg);
	}
	memcpy(out, s, len);
	out[len] = 0;
	ps->p++; /* the stop character */
	return HL_OK;
}

/* One section: `Name = {` then `Key = value;` entries up to `}`. */
static hl_status_t section(parser_t *ps)
{
	char name[64];
	hl_status_t st = word(ps, "=", "a section name", name, sizeof(name));
	if (st == HL_OK)
		st = skip(ps);
	if (st == HL_OK && *ps->p != '{')
		return bad(ps, "want '{' after the section name");
	ps->p++;
	while (st == HL_OK && (st = skip(ps)) == HL_OK && *ps->p != '}') {
		if (!*ps->p)
			return bad(ps, "the file ends inside a section: want '}'");
		if (ps->n == MAX_ENTRIES)
			return bad(ps, "too many entries");
		entry_t *e = &ps->e[ps->n];
		e->line = ps->line;
		snprintf(e->section, sizeof(e->section), "%s", name);
		st = word(ps, "=", "a key", e->key, sizeof(e->key));
		while (st == HL_OK && *ps->p == ' ')
			ps->p++;
		if (st == HL_OK)
			st = word(ps, ";", "a value", e->value, sizeof(e->value));
		ps->n += st == HL_OK;
	}
	if (st == HL_OK)
		ps->p++;
	return st;
}

static hl_status_t parse(parser_t *ps)
{
	hl_status_t st = HL_OK;
	while (st == HL_OK && (st = skip(ps)) == HL_OK && *ps->p)
		st = section(ps);
	return st;
}

static char *read_text(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? calloc(1, MAX_TEXT + 1) : NULL;
	size_t n = buf ? fread(buf, 1, MAX_TEXT + 1, f) : 0;
	if (!f || !buf || ferror(f) || n > MAX_TEXT) {
		snprintf(err, errlen, "%s: cannot read the Luna client's config file: %s", path,
			 !f             ? strerror(errno)
			 : n > MAX_TEXT ? "longer than 64 KiB"
					: "read error");
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	return buf;
}

/* A whole number of milliseconds (the Luna section's timeouts). */
static hl_status_t number(const char *path, const entry_t *e, uint64_t *out, char *err,
			  size_t errlen)
{
	char *end = NULL;
	errno = 0;
	unsigned long long v = strtoull(e->value, &end, 10);
	if (e->value[0] == '-' || errno || !end || *end || v == 0 || v > 86400000ULL) {
		snprintf(err, errlen, "%s:%d: Luna %s = %s: want milliseconds, 1 to 86400000", path,
			 e->line, e->key, e->value);
		return HL_ERR_LAB_INVALID;
	}
	*out = v;
	return HL_OK;
}

/* The Luna section's timeouts hsmlab knows: PEDTimeout2 (the PED key interaction) is
 * applied; the others are checked and ignored (no PED detection, no network, no cloning
 * delay is emulated). Other keys there are the client's business. */
static const char *const luna_numbers[] = { "PEDTimeout2",         "PEDTimeout1",
					    "PEDTimeout3",         "DefaultTimeOut",
					    "KeypairGenTimeOut",   "CloningCommandTimeOut",
					    "CommandTimeOutPedSet" };

static hl_status_t apply_luna(const char *path, const entry_t *e, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(luna_numbers) / sizeof(luna_numbers[0]); i++) {
		uint64_t v = 0;
		if (strcmp(e->key, luna_numbers[i]) != 0)
			continue;
		hl_status_t st = number(path, e, &v, err, errlen);
		if (st == HL_OK && i == 0)
			hl_luna_client.ped_timeout_ms = v;
		return st;
	}
	return HL_OK;
}

/* hsmlab's own section: the lab, as the lab config's keys (config.md). */
static const char *const lab_keys[] = { "lab_dir", "profile_dir", "default_profile", "timing" };

static char *relative(const char *conf_dir, const char *v)
{
	if (v[0] == '/')
		return strdup(v);
	size_t n = strlen(conf_dir) + strlen(v) + 2;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s/%s", conf_dir, v);
	return s;
}

static hl_status_t apply_lab(const char *path, const char *dir, const entry_t *e,
			     hl_lab_config_t *c, char *err, size_t errlen)
{
	size_t n = sizeof(lab_keys) / sizeof(lab_keys[0]), k = 0;
	const char *near = lab_keys[0];
	while (k < n && strcmp(e->key, lab_keys[k]) != 0)
		k++;
	if (k == n) {
		for (k = 1; k < n; k++)
			if (hl_quirk_distance(e->key, lab_keys[k]) <
			    hl_quirk_distance(e->key, near))
				near = lab_keys[k];
		snprintf(err, errlen, "%s:%d: hsmlab %s: unknown key (did you mean %s?)", path,
			 e->line, e->key, near);
		return HL_ERR_LAB_INVALID;
	}
	if (k == 3) {
		bool on = !strcmp(e->value, "true") || !strcmp(e->value, "1");
		if (!on && strcmp(e->value, "false") && strcmp(e->value, "0")) {
			snprintf(err, errlen, "%s:%d: hsmlab timing = %s: want true or false", path,
				 e->line, e->value);
			return HL_ERR_LAB_INVALID;
		}
		c->timing = on;
		return HL_OK;
	}
	char **dst[] = { &c->lab_dir, &c->profile_dir, &c->default_profile };
	free(*dst[k]);
	*dst[k] = k < 2 ? relative(dir, e->value) : strdup(e->value);
	return *dst[k] ? HL_OK : HL_ERR_NOMEM;
}

/* Applies the entries: Luna's timeouts always; hsmlab's lab only when no variable named the
 * lab (HSMLAB_CONF wins). */
static hl_status_t apply(const char *path, entry_t *e, size_t n, hl_lab_config_t *c, bool lab_named,
			 char *err, size_t errlen)
{
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	hl_status_t st = HL_OK;
	for (size_t i = 0; st == HL_OK && i < n; i++) {
		if (!strcmp(e[i].section, "Luna"))
			st = apply_luna(path, &e[i], err, errlen);
		else if (!strcmp(e[i].section, "hsmlab") && !lab_named)
			st = apply_lab(path, slash ? dir : ".", &e[i], c, err, errlen);
	}
	return st;
}

/* The file: $ChrystokiConfigurationPath/Chrystoki.conf (which must be readable: the client
 * cannot start otherwise), else /etc/Chrystoki.conf when it exists. */
static hl_status_t find(char *path, size_t n, char *err, size_t errlen)
{
	const char *dir = getenv(CONF_ENV);
	struct stat sb;
	if (!dir || !dir[0]) {
		snprintf(path, n, "%s", stat(CONF_DEFAULT, &sb) == 0 ? CONF_DEFAULT : "");
		return HL_OK;
	}
	snprintf(path, n, "%s/%s", dir, CONF_NAME);
	int rc = stat(path, &sb);
	if (rc != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s=%s: %s: cannot read the Luna client's config file: %s",
			 CONF_ENV, dir, path, rc != 0 ? strerror(errno) : "not a file");
		return HL_ERR_LAB_INVALID;
	}
	return HL_OK;
}

hl_status_t hl_luna_client_config(hl_lab_config_t *c, const char *named_by, char *err,
				  size_t errlen)
{
	char path[1024];
	memset(&hl_luna_client, 0, sizeof(hl_luna_client));
	hl_status_t st = find(path, sizeof(path), err, errlen);
	if (st != HL_OK || !path[0])
		return st;
	snprintf(hl_luna_client.path, sizeof(hl_luna_client.path), "%s", path);
	char *text = read_text(path, err, errlen);
	entry_t *e = calloc(MAX_ENTRIES, sizeof(*e));
	if (!text || !e) {
		free(text);
		free(e);
		return text ? HL_ERR_NOMEM : HL_ERR_LAB_INVALID;
	}
	parser_t ps = { .path = path, .p = text, .line = 1, .err = err, .errlen = errlen, .e = e };
	st = parse(&ps);
	if (st == HL_OK)
		st = apply(path, e, ps.n, c, named_by != NULL, err, errlen);
	free(text);
	free(e);
	return st;
}
