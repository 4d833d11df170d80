/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: a fingerprint's base profile. A vendor family's hooks (Keyper cards and
 * activation, Luna roles and lifecycle) never show through PKCS#11, so a fingerprint that a
 * family module is to load may take the switches it cannot observe from a published profile
 * file (--base), copied with their own source and marked as not observed. Only the profile
 * file is read, never emulator internals. */
#include <libconfig.h>
#include <string.h>

#include "hsmlab/bench/fingerprint.h"

static int inferred(const char *name)
{
	for (const hl_fp_rule_t *r = hl_fp_rules(); r->name != NULL; r++)
		if (strcmp(r->name, name) == 0)
			return 1;
	return 0;
}

static void write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++)
		fprintf(out, (*s == '"' || *s == '\\') ? "\\%c" : "%c", *s);
	fputc('"', out);
}

/* A setting's value in libconfig syntax (a switch's members are scalars, lists and groups). */
static void write_value(FILE *out, const config_setting_t *s)
{
	int n = config_setting_length(s);

	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
		fprintf(out, "%d", config_setting_get_int(s));
		break;
	case CONFIG_TYPE_INT64:
		fprintf(out, "%lldL", config_setting_get_int64(s));
		break;
	case CONFIG_TYPE_FLOAT:
		fprintf(out, "%.17g", config_setting_get_float(s));
		break;
	case CONFIG_TYPE_BOOL:
		fputs(config_setting_get_bool(s) ? "true" : "false", out);
		break;
	case CONFIG_TYPE_STRING:
		write_string(out, config_setting_get_string(s));
		break;
	case CONFIG_TYPE_GROUP:
		fputs("{", out);
		for (int i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);

			fprintf(out, " %s = ", config_setting_name(e));
			write_value(out, e);
			fputs(";", out);
		}
		fputs(" }", out);
		break;
	default: /* arrays [ ] and lists ( ) */
		fputs(config_setting_is_array(s) ? "[ " : "( ", out);
		for (int i = 0; i < n; i++) {
			fputs(i ? ", " : "", out);
			write_value(out, config_setting_get_elem(s, (unsigned)i));
		}
		fputs(config_setting_is_array(s) ? " ]" : " )", out);
	}
}

int hl_fp_copy_base(const char *path, FILE *out, char *err, size_t errlen)
{
	config_t cfg;
	const config_setting_t *q;
	int copied = 0;

	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			 config_error_text(&cfg) ? config_error_text(&cfg) : "cannot read");
		config_destroy(&cfg);
		return -1;
	}
	q = config_lookup(&cfg, "profile.quirks");
	if (q == NULL || !config_setting_is_group(q)) {
		snprintf(err, errlen, "%s: no profile.quirks group", path);
		config_destroy(&cfg);
		return -1;
	}
	fprintf(out, "    # Not observable through PKCS#11 (family hooks): copied from %s.\n",
		path);
	for (int i = 0; i < config_setting_length(q); i++) {
		const config_setting_t *e = config_setting_get_elem(q, (unsigned)i);

		if (inferred(config_setting_name(e)))
			continue;
		fprintf(out, "    %s = ", config_setting_name(e));
		write_value(out, e);
		fputs(";\n", out);
		copied++;
	}
	config_destroy(&cfg);
	return copied;
}
