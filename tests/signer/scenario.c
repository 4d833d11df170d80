/* SPDX-License-Identifier: BSD-2-Clause
 * The signer tests' ceremony (see scenario.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "helpers.h"
#include "scenario.h"

const char *th_scn_config(const th_scn_t *s, const char *top, const char *policy)
{
	static char buf[8192];

	(void)s;
	snprintf(buf, sizeof(buf),
		 "modules = ( { name = \"hsm\"; library = \"${HSMLAB_TEST_MODULE_PATH}\";\n"
		 "  token = \"HSM\"; pin = \"env:HSMLAB_TEST_PIN\"; } );\n"
		 "ksks = (\n"
		 "  { label = \"KSK1\"; algorithm = 8; size = 2048; exponent = 65537;\n"
		 "    key_tag = 5017; valid_from = \"2020-01-01T00:00:00\";\n"
		 "    ds_sha256 = "
		 "\"F40FACFD24EBF0BA0665356B13A568631BB46D01D7C079D65CECD4286057B2F0\";\n"
		 "    valid_until = \"2030-01-01T00:00:00\"; },\n"
		 "  { label = \"KSK2\"; algorithm = 8; size = 2048; exponent = 65537; }\n"
		 ");\n"
		 "roles = { current = \"KSK1\"; next = \"KSK2\"; };\n"
		 "ksr_gen = { keys = [\"ZSK-A\", \"ZSK-B\", \"ZSK-C\"]; };\n"
		 "%s\npolicy = {\n%s\n};\n",
		 top ? top : "", policy ? policy : "");
	return buf;
}

hl_config_t *th_scn_load_config(const th_scn_t *s, const char *top, const char *policy)
{
	hl_config_t *cfg = calloc(1, sizeof(*cfg));
	hl_err_t err = { { 0 }, { 0 } };
	const char *path = th_write(s->dir, "signer.conf", th_scn_config(s, top, policy));

	cr_assert_not_null(cfg);
	cr_assert_eq(hl_config_load(path, cfg, &err), 0, "%s", err.msg);
	return cfg;
}

hl_ksr_t *th_scn_load(const char *path)
{
	hl_ksr_t *k = NULL;
	hl_err_t err = { { 0 }, { 0 } };

	cr_assert_eq(hl_ksr_load(path, &k, &err), 0, "%s", err.msg);
	return k;
}

int th_scn_sign(const th_scn_t *s, hl_config_t *cfg, const char *ksr, const char *prev,
		const char *out, hl_err_t *err)
{
	hl_sign_opts_t o = { .ksr_path = ksr,
			     .prev_path = prev,
			     .out_path = out,
			     .force = 1,
			     .now = s->now,
			     .in = stdin,
			     .out = stdout };

	return hl_signer_run(cfg, &o, err);
}

static void gen(const th_scn_t *s, const char *quarter, const char *keys[3], time_t now,
		const char *out)
{
	hl_config_t *cfg = th_scn_load_config(s, NULL, NULL);
	hl_gen_opts_t o = { .quarter = quarter, .out_path = out, .now = now };
	hl_err_t err = { { 0 }, { 0 } };

	memcpy(o.keys, keys, sizeof(o.keys));
	cr_assert_eq(hl_gen_run(cfg, &o, &err), 0, "ksr-gen %s: %s", quarter, err.msg);
	free(cfg);
}

void th_scn_setup(th_scn_t *s)
{
	char a[1024], b[1024], c[1024], k1[1024], prev_ksr[512];
	const char *pairs[8] = { a, "ZSK-A", b, "ZSK-B", c, "ZSK-C", k1, "KSK1" };
	const char *prev_keys[3] = { "ZSK-Z", "ZSK-A", "ZSK-B" };
	const char *keys[3] = { "ZSK-A", "ZSK-B", "ZSK-C" };
	hl_config_t *cfg;
	hl_err_t err = { { 0 }, { 0 } };
	hl_hsm_module_t m;

	memset(s, 0, sizeof(*s));
	th_corpus_file("iana-kskm/rsa-2048-1.key", a, sizeof(a));
	th_corpus_file("iana-kskm/rsa-2048-2.key", b, sizeof(b));
	th_corpus_file("iana-legacy/rsa2048-2.key", c, sizeof(c));
	th_corpus_file("iana-legacy/rsa2048-1.key", k1, sizeof(k1));
	snprintf(s->dir, sizeof(s->dir), "%s", th_softhsm_dir());
	setenv("HSMLAB_TEST_MODULE_PATH", th_module(), 1);
	setenv("HSMLAB_TEST_PIN", TH_PIN, 1);
	cr_assert_eq(th_init_token(th_module(), "HSM"), 0);
	cr_assert_eq(th_import(th_module(), "HSM", pairs, 4), 0);
	cfg = th_scn_load_config(s, NULL, NULL);
	m = cfg->modules[0];
	cr_assert_eq(hl_hsm_open(&m, &err), 0, "%s", err.msg);
	cr_assert_eq(hl_hsm_generate(&m, "ZSK-Z", 8, 2048, &err), 0, "%s", err.msg);
	hl_hsm_close(&m);
	free(cfg);
	snprintf(prev_ksr, sizeof(prev_ksr), "%s/prev-ksr.xml", s->dir);
	snprintf(s->prev, sizeof(s->prev), "%s/prev.xml", s->dir);
	snprintf(s->base, sizeof(s->base), "%s/base.xml", s->dir);
	gen(s, "2026Q4", prev_keys, 1789000000 /* 2026-09-09 */, prev_ksr);
	gen(s, "2027Q1", keys, 1796000000 /* 2026-11-29 */, s->base);
	/* the previous quarter's SKR, signed at its own ceremony date */
	cfg = th_scn_load_config(s, NULL, NULL);
	s->now = 1789000000;
	cr_assert_eq(th_scn_sign(s, cfg, prev_ksr, NULL, s->prev, &err), 0, "%s", err.msg);
	free(cfg);
	s->now = 1796000000;
}

const char *th_scn_write_ksr(const th_scn_t *s, hl_ksr_t *k, int resign, const char *name)
{
	static char path[512];
	hl_config_t *cfg;
	hl_err_t err = { { 0 }, { 0 } };

	if (resign) {
		cfg = th_scn_load_config(s, NULL, NULL);
		cr_assert_eq(hl_hsm_open(&cfg->modules[0], &err), 0, "%s", err.msg);
		cr_assert_eq(hl_gen_resign(k, cfg->modules, 1, s->now, &err), 0, "%s", err.msg);
		hl_hsm_close(&cfg->modules[0]);
		free(cfg);
	}
	snprintf(path, sizeof(path), "%s/%s", s->dir, name);
	cr_assert_eq(hl_ksr_write(k, path, &err), 0, "%s", err.msg);
	return path;
}
