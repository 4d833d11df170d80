/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: reading KSR/SKR XML with libxml2. Strict: unknown or duplicate elements,
 * DTDs (hence entities), bad base64 and non-UTC times are refused with the line at fault. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hsmlab/ksr.h"

typedef struct pctx {
	const char *name;
	hl_err_t *err;
} pctx_t;

static int is_el(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static int line_of(const xmlNode *n)
{
	return (int)xmlGetLineNo(n);
}

/* The element's text without surrounding blanks; caller frees. */
static char *text_of(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	char *s, *b, *e;

	if (c == NULL)
		return strdup("");
	b = (char *)c;
	while (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')
		b++;
	e = b + strlen(b);
	while (e > b && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		e--;
	s = strndup(b, (size_t)(e - b));
	xmlFree(c);
	return s;
}

static char *attr_of(const xmlNode *n, const char *name)
{
	xmlChar *a = xmlGetProp(n, (const xmlChar *)name);
	char *s;

	if (a == NULL)
		return NULL;
	s = strdup((const char *)a);
	xmlFree(a);
	return s;
}

static int fail(pctx_t *p, const char *check, const xmlNode *n, const char *what)
{
	hl_err_set(p->err, check, "%s:%d: <%s>: %s", p->name, n ? line_of(n) : 0,
		   n ? (const char *)n->name : "?", what);
	return -1;
}

static int text_uint(pctx_t *p, const xmlNode *n, unsigned long max, unsigned long *out)
{
	char *t = text_of(n), *end;
	unsigned long v;
	int rc = -1;

	if (t == NULL)
		return fail(p, "XML", n, "out of memory");
	errno = 0;
	v = strtoul(t, &end, 10);
	if (t[0] >= '0' && t[0] <= '9' && *end == '\0' && errno == 0 && v <= max) {
		*out = v;
		rc = 0;
	} else {
		char m[160];
		snprintf(m, sizeof(m), "not a number in 0..%lu: \"%.40s\"", max, t);
		fail(p, "XML", n, m);
	}
	free(t);
	return rc;
}

static int text_time(pctx_t *p, const xmlNode *n, time_t *out)
{
	char *t = text_of(n);
	int rc;

	if (t == NULL)
		return fail(p, "XML", n, "out of memory");
	rc = hl_time_parse(t, out);
	if (rc != 0) {
		char m[200];
		snprintf(m, sizeof(m),
			 "bad time \"%.40s\" (want YYYY-MM-DDTHH:MM:SS in UTC, no other zone)", t);
		fail(p, "LOAD-KEY-FIELDS", n, m);
	}
	free(t);
	return rc;
}

/* Strict base64: whitespace is skipped, anything else outside the alphabet is an error. */
static int b64_decode(const char *t, unsigned char **out, size_t *len_out)
{
	size_t n = strlen(t), m = 0, pad = 0;
	char *clean = malloc(n + 1);
	unsigned char *buf = NULL;
	int len;

	if (clean == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char ch = t[i];
		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			continue;
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=') ||
		    (pad && ch != '='))
			goto bad;
		if (ch == '=')
			pad++;
		clean[m++] = ch;
	}
	clean[m] = '\0';
	if (m == 0 || m % 4 != 0 || pad > 2 || m > 0x7fffffff)
		goto bad;
	buf = malloc(m / 4 * 3 + 1);
	if (buf == NULL)
		goto bad;
	len = EVP_DecodeBlock(buf, (const unsigned char *)clean, (int)m);
	if (len < 0 || (size_t)len < pad)
		goto bad;
	free(clean);
	*out = buf;
	*len_out = (size_t)len - pad;
	return 0;
bad:
	free(clean);
	free(buf);
	return -1;
}

static int text_b64(pctx_t *p, const xmlNode *n, unsigned char **out, size_t *len_out)
{
	char *t = text_of(n);
	int rc;

	if (t == NULL)
		return fail(p, "XML", n, "out of memory");
	rc = b64_decode(t, out, len_out);
	free(t);
	return rc == 0 ? 0 : fail(p, "XML", n, "bad base64");
}

/* Duplicate detection for singular children: one bit per field. */
static int once(pctx_t *p, const xmlNode *n, unsigned *seen, unsigned bit)
{
	if (*seen & bit)
		return fail(p, "XML", n, "duplicate element");
	*seen |= bit;
	return 0;
}

/* -- keys and signatures -- */

static int parse_key_field(pctx_t *p, const xmlNode *c, hl_key_t *k, unsigned *seen)
{
	unsigned long v;
	static const char *const names[] = { "TTL", "Flags", "Protocol", "Algorithm" };

	for (unsigned i = 0; i < 4; i++) {
		if (!is_el(c, names[i]))
			continue;
		if (once(p, c, seen, 1u << i) != 0 ||
		    text_uint(p, c, i == 0 ? 0xffffffffUL : (i == 1 ? 0xffff : 0xff), &v) != 0)
			return -1;
		if (i == 0)
			k->ttl = (uint32_t)v;
		else if (i == 1)
			k->flags = (unsigned)v;
		else if (i == 2)
			k->protocol = (unsigned)v;
		else
			k->alg = (unsigned)v;
		return 0;
	}
	if (is_el(c, "PublicKey"))
		return once(p, c, seen, 16) != 0 ? -1 : text_b64(p, c, &k->pub, &k->publen);
	return fail(p, "XML", c, "unknown element in <Key>");
}

static int parse_key(pctx_t *p, const xmlNode *n, hl_key_t *k)
{
	unsigned seen = 0;
	char *tag;
	unsigned long v;

	memset(k, 0, sizeof(*k));
	k->line = line_of(n);
	k->id = attr_of(n, "keyIdentifier");
	tag = attr_of(n, "keyTag");
	if (k->id == NULL || tag == NULL) {
		free(tag);
		return fail(p, "LOAD-KEY-FIELDS", n, "missing keyIdentifier or keyTag");
	}
	errno = 0;
	v = strtoul(tag, NULL, 10);
	if (tag[0] < '0' || tag[0] > '9' || tag[strspn(tag, "0123456789")] != '\0' || v > 65535) {
		free(tag);
		return fail(p, "LOAD-KEY-FIELDS", n, "bad keyTag");
	}
	free(tag);
	k->tag_stated = (unsigned)v;
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && parse_key_field(p, c, k, &seen) != 0)
			return -1;
	if (seen != 31)
		return fail(p, "LOAD-KEY-FIELDS", n,
			    "needs TTL, Flags, Protocol, Algorithm and PublicKey");
	if (k->flags != 256 && k->flags != 257 && k->flags != 385)
		return fail(p, "LOAD-KEY-FIELDS", n, "Flags must be 256, 257 or 385");
	if (k->protocol != 3)
		return fail(p, "LOAD-KEY-FIELDS", n, "Protocol must be 3");
	return 0;
}

static int sig_type(pctx_t *p, const xmlNode *c, hl_sig_t *s)
{
	char *t = text_of(c);
	int ok = t != NULL && strcmp(t, "DNSKEY") == 0;

	free(t);
	if (!ok)
		return fail(p, "LOAD-KEY-FIELDS", c, "TypeCovered must be DNSKEY");
	s->type_covered = 48;
	return 0;
}

static int parse_sig_field(pctx_t *p, const xmlNode *c, hl_sig_t *s, unsigned *seen)
{
	static const char *const names[] = { "TTL",
					     "Algorithm",
					     "Labels",
					     "OriginalTTL",
					     "KeyTag",
					     "TypeCovered",
					     "SignersName",
					     "SignatureExpiration",
					     "SignatureInception",
					     "SignatureData" };
	unsigned long v;
	unsigned i;

	for (i = 0; i < 10 && !is_el(c, names[i]); i++)
		;
	if (i == 10)
		return fail(p, "XML", c, "unknown element in <Signature>");
	if (once(p, c, seen, 1u << i) != 0)
		return -1;
	switch (i) {
	case 0:
	case 3:
		if (text_uint(p, c, 0xffffffffUL, &v) != 0)
			return -1;
		*(i == 0 ? &s->ttl : &s->orig_ttl) = (uint32_t)v;
		return 0;
	case 1:
	case 2:
		if (text_uint(p, c, 0xff, &v) != 0)
			return -1;
		*(i == 1 ? &s->alg : &s->labels) = (unsigned)v;
		return 0;
	case 4:
		if (text_uint(p, c, 0xffff, &v) != 0)
			return -1;
		s->key_tag = (unsigned)v;
		return 0;
	case 5:
		return sig_type(p, c, s);
	case 6:
		s->signers_name = text_of(c);
		return s->signers_name ? 0 : fail(p, "XML", c, "out of memory");
	case 7:
		return text_time(p, c, &s->expiration);
	case 8:
		return text_time(p, c, &s->inception);
	default:
		return text_b64(p, c, &s->data, &s->datalen);
	}
}

static int parse_sig(pctx_t *p, const xmlNode *n, hl_sig_t *s)
{
	unsigned seen = 0;

	memset(s, 0, sizeof(*s));
	s->line = line_of(n);
	s->key_id = attr_of(n, "keyIdentifier");
	if (s->key_id == NULL)
		return fail(p, "LOAD-KEY-FIELDS", n, "missing keyIdentifier");
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && parse_sig_field(p, c, s, &seen) != 0)
			return -1;
	if (seen != 1023)
		return fail(p, "LOAD-KEY-FIELDS", n, "a <Signature> field is missing");
	return 0;
}

/* -- bundles and policy -- */

static int bundle_child(pctx_t *p, const xmlNode *c, hl_bundle_t *b, unsigned *seen)
{
	int rc;

	if (is_el(c, "Inception"))
		return once(p, c, seen, 1) ? -1 : text_time(p, c, &b->inception);
	if (is_el(c, "Expiration"))
		return once(p, c, seen, 2) ? -1 : text_time(p, c, &b->expiration);
	if (is_el(c, "Signer")) {
		b->nsigners++;
		return 0;
	}
	if (is_el(c, "Key")) {
		hl_key_t k;
		*seen |= 4;
		rc = parse_key(p, c, &k);
		if (rc == 0 && hl_bundle_add_key(b, &k) != 0)
			rc = fail(p, "XML", c, "out of memory");
		hl_key_clear(&k);
		return rc;
	}
	if (is_el(c, "Signature")) {
		hl_sig_t s;
		*seen |= 8;
		rc = parse_sig(p, c, &s);
		if (rc == 0 && hl_bundle_add_sig(b, &s) != 0)
			rc = fail(p, "XML", c, "out of memory");
		hl_sig_clear(&s);
		return rc;
	}
	return fail(p, "XML", c, "unknown element in bundle");
}

static int parse_bundle(pctx_t *p, const xmlNode *n, hl_bundle_t *b)
{
	unsigned seen = 0;

	b->line = line_of(n);
	b->id = attr_of(n, "id");
	if (b->id == NULL)
		return fail(p, "LOAD-BUNDLE-FIELDS", n, "bundle without id");
	for (const xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && bundle_child(p, c, b, &seen) != 0)
			return -1;
	if (seen != 15) {
		char m[200];
		snprintf(m, sizeof(m), "bundle %s lacks %s", b->id,
			 !(seen & 1)   ? "Inception"
			 : !(seen & 2) ? "Expiration"
			 : !(seen & 4) ? "Key"
				       : "Signature");
		return fail(p, "LOAD-BUNDLE-FIELDS", n, m);
	}
	return 0;
}

static int parse_sigalg(pctx_t *p, const xmlNode *n, hl_policy_t *pol)
{
	hl_sigalg_t *a;
	char *s;

	if (pol->nalgs == HL_MAX_POLICY_ALGS)
		return fail(p, "XML", n, "too many SignatureAlgorithm elements");
	a = &pol->algs[pol->nalgs];
	memset(a, 0, sizeof(*a));
	s = attr_of(n, "algorithm");
	a->alg = s ? (unsigned)strtoul(s, NULL, 10) : 0;
	free(s);
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (!is_el(c, "RSA") && !is_el(c, "ECDSA") && !is_el(c, "EdDSA"))
			return fail(p, "XML", c, "unknown element in <SignatureAlgorithm>");
		s = attr_of(c, "size");
		a->size = s ? (unsigned)strtoul(s, NULL, 10) : 0;
		free(s);
		s = attr_of(c, "exponent");
		a->exponent = s ? strtoul(s, NULL, 10) : 0;
		free(s);
	}
	pol->nalgs++;
	return 0;
}

static int parse_policy(pctx_t *p, const xmlNode *n, hl_policy_t *pol)
{
	static const char *const names[] = { "PublishSafety",        "RetireSafety",
					     "MaxSignatureValidity", "MinSignatureValidity",
					     "MaxValidityOverlap",   "MinValidityOverlap" };
	long *fields[] = { &pol->publish_safety, &pol->retire_safety, &pol->max_validity,
			   &pol->min_validity,   &pol->max_overlap,   &pol->min_overlap };
	unsigned seen = 0;

	if (pol->present)
		return fail(p, "XML", n, "duplicate element");
	pol->present = 1;
	for (const xmlNode *c = n->children; c; c = c->next) {
		unsigned i;
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "SignatureAlgorithm")) {
			if (parse_sigalg(p, c, pol) != 0)
				return -1;
			continue;
		}
		for (i = 0; i < 6 && !is_el(c, names[i]); i++)
			;
		if (i == 6)
			return fail(p, "XML", c, "unknown element in policy");
		if (once(p, c, &seen, 1u << i) != 0)
			return -1;
		char *t = text_of(c);
		int bad = t == NULL || hl_duration_parse(t, fields[i]) != 0;
		free(t);
		if (bad)
			return fail(p, "XML", c,
				    "bad xsd:duration (days, hours, minutes, seconds)");
	}
	return 0;
}

static int parse_policies(pctx_t *p, const xmlNode *n, hl_ksr_t *k)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "KSK") && k->is_response) {
			if (parse_policy(p, c, &k->ksk_policy) != 0)
				return -1;
		} else if (is_el(c, "ZSK")) {
			if (parse_policy(p, c, &k->zsk_policy) != 0)
				return -1;
		} else {
			return fail(p, "XML", c, "unknown element in policy section");
		}
	}
	return 0;
}

static int add_bundle(pctx_t *p, const xmlNode *c, hl_ksr_t *k)
{
	hl_bundle_t *nb = reallocarray(k->bundles, k->nbundles + 1, sizeof(*nb));

	if (nb == NULL)
		return fail(p, "XML", c, "out of memory");
	k->bundles = nb;
	memset(&nb[k->nbundles], 0, sizeof(*nb));
	k->nbundles++;
	return parse_bundle(p, c, &nb[k->nbundles - 1]);
}

static int parse_body(pctx_t *p, const xmlNode *body, hl_ksr_t *k)
{
	const char *pol = k->is_response ? "ResponsePolicy" : "RequestPolicy";
	const char *bun = k->is_response ? "ResponseBundle" : "RequestBundle";
	int npol = 0;

	for (const xmlNode *c = body->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, pol)) {
			if (npol++ || parse_policies(p, c, k) != 0)
				return npol > 1 ? fail(p, "XML", c, "duplicate element") : -1;
		} else if (is_el(c, bun)) {
			if (add_bundle(p, c, k) != 0)
				return -1;
		} else {
			return fail(p, "XML", c, "unknown element");
		}
	}
	if (!k->zsk_policy.present)
		return fail(p, "XML", body, "no ZSK policy");
	if (k->nbundles == 0)
		return fail(p, "LOAD-BUNDLE-FIELDS", body, "no bundles");
	return 0;
}

static int parse_root(pctx_t *p, const xmlNode *root, hl_ksr_t *k)
{
	const xmlNode *body = NULL;

	if (root == NULL || !is_el(root, "KSR") || root->ns != NULL)
		return fail(p, "XML", root, "wrong root element (want <KSR> without a namespace)");
	k->id = attr_of(root, "id");
	k->serial = attr_of(root, "serial");
	k->domain = attr_of(root, "domain");
	k->timestamp = attr_of(root, "timestamp");
	if (k->id == NULL || k->serial == NULL || k->domain == NULL)
		return fail(p, "XML", root, "needs id, serial and domain attributes");
	if (!hl_serial_valid(k->serial)) {
		char m[160];
		snprintf(m, sizeof(m),
			 "serial \"%.40s\" is not a non-negative integer (0..4294967295)",
			 k->serial);
		return fail(p, "LOAD-KSR-FIELDS", root, m);
	}
	for (const xmlNode *c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (body != NULL)
			return fail(p, "XML", c, "duplicate element (one Request or Response)");
		if (!is_el(c, "Request") && !is_el(c, "Response"))
			return fail(p, "XML", c, "unknown element (want Request or Response)");
		body = c;
	}
	if (body == NULL)
		return fail(p, "XML", root, "no Request or Response");
	k->is_response = is_el(body, "Response");
	return parse_body(p, body, k);
}

/* -- public API -- */

int hl_ksr_parse(const char *buf, size_t len, const char *name, hl_ksr_t **out, hl_err_t *err)
{
	pctx_t p = { .name = name, .err = err };
	xmlDoc *doc = NULL;
	hl_ksr_t *k = NULL;
	int rc = -1;

	if (len > HL_KSR_MAX_FILE) {
		hl_err_set(err, "XML", "%s: %zu bytes, over the 1 MiB limit", name, len);
		return -1;
	}
	doc = xmlReadMemory(buf, (int)len, name, NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc == NULL) {
		const xmlError *e = xmlGetLastError();
		hl_err_set(err, "XML", "%s:%d: not well-formed XML: %s", name, e ? e->line : 0,
			   e && e->message ? e->message : "parse error");
		goto out;
	}
	if (doc->intSubset != NULL || doc->extSubset != NULL) {
		hl_err_set(err, "XML", "%s: DTDs and entities are refused", name);
		goto out;
	}
	k = calloc(1, sizeof(*k));
	if (k == NULL || (k->path = strdup(name)) == NULL) {
		hl_err_set(err, "XML", "%s: out of memory", name);
		goto out;
	}
	if (parse_root(&p, xmlDocGetRootElement(doc), k) != 0)
		goto out;
	if (EVP_Digest(buf, len, k->sha256, NULL, EVP_sha256(), NULL) != 1) {
		hl_err_set(err, "XML", "%s: cannot hash the file", name);
		goto out;
	}
	*out = k;
	k = NULL;
	rc = 0;
out:
	hl_ksr_free(k);
	xmlFreeDoc(doc);
	return rc;
}

int hl_ksr_load(const char *path, hl_ksr_t **out, hl_err_t *err)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;
	int rc = -1;

	if (f == NULL) {
		hl_err_set(err, "IO", "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fileno(f), &st) != 0 || st.st_size > HL_KSR_MAX_FILE) {
		hl_err_set(err, "XML", "%s: over the 1 MiB limit (or unreadable)", path);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		hl_err_set(err, "IO", "%s: read failed", path);
		goto out;
	}
	rc = hl_ksr_parse(buf, (size_t)st.st_size, path, out, err);
out:
	free(buf);
	fclose(f);
	return rc;
}
