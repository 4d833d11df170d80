/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: ksk-inventory (see inventory.h). A key's tag and DS are computed as a KSK's
 * (flags 257), from the public half the token reports: what the config's key_tag and
 * ds_sha256 and every published trust anchor are compared with. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hsmlab/dnssec.h"
#include "hsmlab/inventory.h"

#define MAX_LABELS 256

/* What the config says about a key, compared: "" when it agrees or names no such KSK. */
static void compare(const hl_config_t *cfg, const hl_key_t *k, unsigned tag,
		    const unsigned char ds[32], char *why, size_t len)
{
	int i = hl_config_ksk(cfg, k->id);

	why[0] = '\0';
	if (i < 0)
		return;
	if (cfg->ksks[i].key_tag >= 0 && (unsigned)cfg->ksks[i].key_tag != tag)
		snprintf(why, len, "key_tag %ld in the config", cfg->ksks[i].key_tag);
	else if (cfg->ksks[i].has_ds && memcmp(cfg->ksks[i].ds, ds, 32) != 0)
		snprintf(why, len, "ds_sha256 differs from the config");
}

static int list_module(const hl_config_t *cfg, hl_hsm_module_t *m, FILE *out, int *bad,
		       hl_err_t *err)
{
	char(*labels)[64] = calloc(MAX_LABELS, 64);
	size_t n = 0;
	int rc = labels ? hl_hsm_list_labels(m, labels, MAX_LABELS, &n, err) : -1;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		hl_hsm_key_t hk;
		hl_key_t k;
		unsigned char ds[32];
		char hex[65], why[128];
		unsigned tag;
		if (hl_hsm_find_key(m, 1, labels[i], &hk, err) != 0 ||
		    hl_hsm_key_to_dnskey(&hk, labels[i], 257, &k) != 0) {
			fprintf(out, "%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\tunreadable: %s\n", m->name,
				m->tok_label, m->tok_serial, labels[i], err->msg);
			continue;
		}
		tag = hl_dns_keytag(&k, 257);
		if (hl_dns_ds_sha256(&k, ds) != 0)
			memset(ds, 0, sizeof(ds));
		hl_hex(ds, 32, hex);
		compare(cfg, &k, tag, ds, why, sizeof(why));
		fprintf(out, "%s\t%s\t%s\t%s\t%u\t%u\t%u\t257\t%s\t%s%s\n", m->name, m->tok_label,
			m->tok_serial, labels[i], k.alg, hk.bits, tag, hex,
			why[0]                               ? "DIFFERS: "
			: hl_config_ksk(cfg, labels[i]) >= 0 ? "configured"
							     : "-",
			why);
		*bad |= why[0] != '\0';
		hl_key_clear(&k);
	}
	free(labels);
	return rc;
}

int hl_inventory_run(hl_config_t *cfg, FILE *out, hl_err_t *err)
{
	int bad = 0, rc = 0;

	fprintf(out, "module\ttoken\tserial\tlabel\talgorithm\tbits\tkey_tag\tflags\t"
		     "ds_sha256\tconfig\n");
	for (size_t i = 0; rc == 0 && i < cfg->nmodules; i++)
		rc = hl_hsm_open(&cfg->modules[i], err) != 0 ||
			     list_module(cfg, &cfg->modules[i], out, &bad, err) != 0
			 ? -1
			 : 0;
	for (size_t i = 0; rc == 0 && i < cfg->nksks; i++) {
		hl_hsm_key_t hk;
		if (hl_hsm_find_key(cfg->modules, cfg->nmodules, cfg->ksks[i].label, &hk, err) ==
		    1) {
			fprintf(out, "-\t-\t-\t%s\t-\t-\t-\t-\t-\tMISSING: on no module\n",
				cfg->ksks[i].label);
			bad = 1;
		}
	}
	for (size_t i = 0; i < cfg->nmodules; i++)
		hl_hsm_close(&cfg->modules[i]);
	if (rc == 0 && bad) {
		hl_err_set(err, "KSK-HSM-MATCH",
			   "%s: a key differs from the config or a configured KSK is missing",
			   cfg->path);
		return 1;
	}
	return rc;
}

/* -- trust anchors -- */

typedef struct ta {
	const hl_ksk_cfg_t *kc;
	hl_key_t key;
	unsigned tag;
	char ds[65], from[40], until[40];
} ta_t;

static void write_xml(FILE *f, const hl_config_t *cfg, const ta_t *t, size_t n)
{
	unsigned char u[16];
	char id[40];

	if (RAND_bytes(u, sizeof(u)) != 1)
		memset(u, 0, sizeof(u));
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40); /* a version 4 UUID, as IANA's file has */
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	snprintf(id, sizeof(id),
		 "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	char *abs = realpath(cfg->path, NULL);

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<TrustAnchor id=\"%s\" source=\"file://%s\">\n<Zone>.</Zone>\n",
		id, abs ? abs : cfg->path);
	free(abs);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<KeyDigest id=\"%s\" validFrom=\"%s\"", t[i].kc->label, t[i].from);
		if (t[i].until[0])
			fprintf(f, " validUntil=\"%s\"", t[i].until);
		fprintf(
		    f,
		    ">\n<KeyTag>%u</KeyTag>\n<Algorithm>%u</Algorithm>\n<DigestType>2</DigestType>"
		    "\n<Digest>%s</Digest>\n</KeyDigest>\n",
		    t[i].tag, t[i].key.alg, t[i].ds);
	}
	fputs("</TrustAnchor>\n", f);
}

/* root.key and root.ds lines, as the dns-root-data files have them; skr-verify reads the
 * validity from the comment. */
static void write_lines(FILE *key, FILE *ds, const ta_t *t)
{
	unsigned char b64[1500];
	char when[120];

	EVP_EncodeBlock(b64, t->key.pub, (int)t->key.publen);
	snprintf(when, sizeof(when), "valid-from=%s%s%s", t->from,
		 t->until[0] ? " valid-until=" : "", t->until);
	fprintf(key, ". IN DNSKEY 257 3 %u %s ; keytag %u ; %s %s\n", t->key.alg, (const char *)b64,
		t->tag, t->kc->label, when);
	fprintf(ds, ". IN DS %u %u 2 %s ; %s %s\n", t->tag, t->key.alg, t->ds, t->kc->label, when);
}

static int collect_anchors(hl_config_t *cfg, ta_t *t, hl_err_t *err)
{
	for (size_t i = 0; i < cfg->nksks; i++) {
		hl_hsm_key_t hk;
		unsigned char ds[32];
		int rc = hl_hsm_find_key(cfg->modules, cfg->nmodules, cfg->ksks[i].label, &hk, err);
		if (rc == 1)
			hl_err_set(err, "KSK-HSM-MATCH", "KSK %s is in none of the modules",
				   cfg->ksks[i].label);
		if (rc != 0 || hl_hsm_key_to_dnskey(&hk, cfg->ksks[i].label, 257, &t[i].key) != 0)
			return -1;
		t[i].kc = &cfg->ksks[i];
		t[i].tag = hl_dns_keytag(&t[i].key, 257);
		if (hl_dns_ds_sha256(&t[i].key, ds) != 0)
			return -1;
		hl_hex(ds, 32, t[i].ds);
		/* validFrom is required by RFC 7958: without a configured one, from now */
		hl_time_format(cfg->ksks[i].valid_from ? cfg->ksks[i].valid_from : time(NULL),
			       t[i].from, sizeof(t[i].from));
		t[i].until[0] = '\0';
		if (cfg->ksks[i].valid_until)
			hl_time_format(cfg->ksks[i].valid_until, t[i].until, sizeof(t[i].until));
	}
	return 0;
}

static FILE *create(const char *dir, const char *name, hl_err_t *err)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		hl_err_set(err, "IO", "%s: cannot create", path);
	return f;
}

int hl_inventory_export(hl_config_t *cfg, const char *dir, hl_err_t *err)
{
	ta_t t[HL_MAX_KSKS];
	FILE *x = NULL, *k = NULL, *d = NULL;
	int rc = -1;

	memset(t, 0, sizeof(t));
	for (size_t i = 0; i < cfg->nmodules; i++)
		if (hl_hsm_open(&cfg->modules[i], err) != 0)
			goto out;
	if (collect_anchors(cfg, t, err) != 0 ||
	    (x = create(dir, "root-anchors.xml", err)) == NULL ||
	    (k = create(dir, "root.key", err)) == NULL || (d = create(dir, "root.ds", err)) == NULL)
		goto out;
	write_xml(x, cfg, t, cfg->nksks);
	for (size_t i = 0; i < cfg->nksks; i++)
		write_lines(k, d, &t[i]);
	rc = 0;
out:
	if ((x && fclose(x) != 0) || (k && fclose(k) != 0) || (d && fclose(d) != 0)) {
		hl_err_set(err, "IO", "%s: cannot write the anchor files", dir);
		rc = -1;
	}
	for (size_t i = 0; i < cfg->nksks; i++)
		hl_key_clear(&t[i].key);
	for (size_t i = 0; i < cfg->nmodules; i++)
		hl_hsm_close(&cfg->modules[i]);
	return rc;
}

/* -- reading root-anchors.xml -- */

static char *child_text(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return (char *)xmlNodeGetContent(c);
	return NULL;
}

static int key_digest(const xmlNode *n, hl_anchor_t *a)
{
	char *tag = child_text(n, "KeyTag"), *alg = child_text(n, "Algorithm");
	char *dt = child_text(n, "DigestType"), *dg = child_text(n, "Digest");
	char *from = (char *)xmlGetProp(n, (const xmlChar *)"validFrom");
	char *until = (char *)xmlGetProp(n, (const xmlChar *)"validUntil");
	int ok = tag && alg && dt && dg && from && strlen(dg) % 2 == 0 && strlen(dg) <= 128 &&
		 hl_time_parse(from, &a->valid_from) == 0 &&
		 (until == NULL || hl_time_parse(until, &a->valid_until) == 0);

	a->is_ds = 1;
	a->tag = ok ? (unsigned)strtoul(tag, NULL, 10) : 0;
	a->alg = ok ? (unsigned)strtoul(alg, NULL, 10) : 0;
	a->digest_type = ok ? (unsigned)strtoul(dt, NULL, 10) : 0;
	for (size_t i = 0; ok && i < strlen(dg) / 2; i++) {
		unsigned b;
		ok = sscanf(dg + 2 * i, "%2x", &b) == 1;
		a->digest[i] = (unsigned char)b;
		a->digestlen = i + 1;
	}
	xmlFree(tag);
	xmlFree(alg);
	xmlFree(dt);
	xmlFree(dg);
	xmlFree(from);
	xmlFree(until);
	return ok ? 0 : -1;
}

int hl_anchors_xml_load(const char *path, hl_anchor_t *out, size_t max, size_t *n, hl_err_t *err)
{
	xmlDoc *doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
	const xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc = 0;

	if (root == NULL || strcmp((const char *)root->name, "TrustAnchor") != 0) {
		hl_err_set(err, "ANCHOR", "%s: not an RFC 7958 <TrustAnchor> file", path);
		rc = -1;
	}
	for (const xmlNode *c = root ? root->children : NULL; rc == 0 && c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "KeyDigest") != 0)
			continue;
		memset(&out[*n], 0, sizeof(out[*n]));
		if (*n == max || key_digest(c, &out[*n]) != 0) {
			hl_err_set(err, "ANCHOR", "%s:%d: a KeyDigest %s", path, c->line,
				   *n == max ? "too many"
					     : "without KeyTag, Algorithm, DigestType, "
					       "Digest and validFrom");
			rc = -1;
		} else {
			(*n)++;
		}
	}
	xmlFreeDoc(doc);
	return rc;
}
