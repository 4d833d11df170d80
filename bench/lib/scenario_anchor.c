/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab bench: the scenario's trust-anchor step on the lab's own export (issue 16). The
 * lab's KSKs are exported as IANA publishes them (ksk-inventory --export from the quarter's
 * signer config: root-anchors.xml, root.key, root.ds); the export must have the structure of
 * the real root-anchors.xml (RFC 7958 section 2.1's RELAX NG schema, the file the signer's
 * tests check it with: signer/doc/root-anchors.rng) and name each anchor key's label as a
 * KeyDigest id; the step then verifies the SKR with the exported file, not with keys read
 * back from SKRs. */
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hsmlab/paths.h"
#include "scenario_int.h"

/* Silences libxml2's own printing: the step's detail says what failed. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

/* 0 when the file validates against the schema; -1 with why in obs. */
static int structure(const char *xml, hl_obs_t *obs)
{
	char rng[2300];
	int rc = -1;
	snprintf(rng, sizeof rng, "%s/signer/doc/root-anchors.rng", hl_paths_get()->docs);
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(rng);
	xmlRelaxNGPtr schema = pc ? xmlRelaxNGParse(pc) : NULL;
	xmlRelaxNGValidCtxtPtr vc = schema ? xmlRelaxNGNewValidCtxt(schema) : NULL;
	xmlDocPtr doc = vc ? xmlReadFile(xml, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR) : NULL;
	obs->outcome = HL_OUT_ERROR;
	if (schema == NULL)
		snprintf(obs->detail, sizeof obs->detail,
			 "%s: cannot read the root-anchors.xml schema", rng);
	else if (doc == NULL)
		snprintf(obs->detail, sizeof obs->detail, "%s: not well-formed XML", xml);
	else if (xmlRelaxNGValidateDoc(vc, doc) != 0) {
		obs->outcome = HL_OUT_REFUSED;
		snprintf(obs->detail, sizeof obs->detail,
			 "%s does not have the structure of IANA's root-anchors.xml (%s)", xml,
			 rng);
	} else
		rc = 0;
	xmlFreeDoc(doc);
	xmlRelaxNGFreeValidCtxt(vc);
	xmlRelaxNGFree(schema);
	xmlRelaxNGFreeParserCtxt(pc);
	xmlSetGenericErrorFunc(NULL, NULL);
	return rc;
}

/* 0 when every anchor key's label is a KeyDigest id of the export; -1 naming the first
 * missing one. */
static int names_anchors(const hl_run_t *r, const hl_step_t *st, const char *xml, hl_obs_t *obs)
{
	FILE *f = fopen(xml, "r");
	char text[65536];
	size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
	if (f)
		fclose(f);
	text[n] = '\0';
	for (size_t i = 0; i < st->nanchors; i++) {
		const hl_scn_key_t *k = hl_scenario_key(r->s, st->anchors[i]);
		char want[160];
		snprintf(want, sizeof want, "<KeyDigest id=\"%s\"", k->label);
		if (strstr(text, want) == NULL) {
			obs->outcome = HL_OUT_REFUSED;
			snprintf(obs->detail, sizeof obs->detail,
				 "%s names no KeyDigest %s (key %s): the lab's export lacks it",
				 xml, k->label, k->name);
			return -1;
		}
	}
	return 0;
}

int hl_scn_anchor_export(hl_run_t *r, const hl_step_t *st, const char *pin_env, char *ta,
			 size_t len, hl_obs_t *obs)
{
	char conf[2300], dir[2300], tool[2300];
	char *extra[] = { (char *)pin_env, NULL };
	/* The built-in signer's config names the quarter's KSKs; another signer's template is
	 * its own format: its anchors come from the SKRs, as before. */
	snprintf(conf, sizeof conf, "%s/ksk-%s.conf", r->dir, st->quarter);
	if (r->s->signer.ncommand != 0 || access(conf, R_OK) != 0)
		return 0;
	snprintf(dir, sizeof dir, "%s/trust-anchor-%s", r->dir, st->quarter);
	snprintf(tool, sizeof tool, "%s/ksk-inventory", r->o->signer_dir);
	if (mkdir(dir, 0700) != 0 && access(dir, W_OK) != 0) {
		obs->outcome = HL_OUT_ERROR;
		snprintf(obs->detail, sizeof obs->detail, "%s: cannot make the directory", dir);
		return -1;
	}
	char *argv[] = { tool, "--config", conf, "--export", dir, NULL };
	if (hl_scn_run(r, extra, argv, "ksk-inventory --export", obs) != 0)
		return -1;
	snprintf(ta, len, "%s/root-anchors.xml", dir);
	if (structure(ta, obs) != 0 || names_anchors(r, st, ta, obs) != 0)
		return -1;
	return 1;
}
