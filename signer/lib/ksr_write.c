/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: writing KSRs and SKRs in the real files' layout, atomically. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "hsmlab/ksr.h"

void hl_xml_put_escaped(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static void put_b64(FILE *f, const unsigned char *d, size_t len)
{
	char *s = calloc(1, (len + 2) / 3 * 4 + 1);

	if (s == NULL || len > 0x3fffffff)
		goto out;
	EVP_EncodeBlock((unsigned char *)s, d, (int)len);
	fputs(s, f);
out:
	free(s);
}

static void ind(FILE *f, int level)
{
	for (int i = 0; i < level; i++)
		fputs("    ", f);
}

static void put_dur(FILE *f, int lvl, const char *name, long v)
{
	char b[64];

	hl_duration_format(v, b, sizeof(b));
	ind(f, lvl);
	fprintf(f, "<%s>%s</%s>\n", name, b, name);
}

static void put_policy(FILE *f, int lvl, const char *name, const hl_policy_t *p)
{
	ind(f, lvl);
	fprintf(f, "<%s>\n", name);
	put_dur(f, lvl + 1, "PublishSafety", p->publish_safety);
	put_dur(f, lvl + 1, "RetireSafety", p->retire_safety);
	put_dur(f, lvl + 1, "MaxSignatureValidity", p->max_validity);
	put_dur(f, lvl + 1, "MinSignatureValidity", p->min_validity);
	put_dur(f, lvl + 1, "MaxValidityOverlap", p->max_overlap);
	put_dur(f, lvl + 1, "MinValidityOverlap", p->min_overlap);
	for (size_t i = 0; i < p->nalgs; i++) {
		ind(f, lvl + 1);
		fprintf(f, "<SignatureAlgorithm algorithm=\"%u\">\n", p->algs[i].alg);
		ind(f, lvl + 2);
		if (p->algs[i].exponent != 0)
			fprintf(f, "<RSA size=\"%u\" exponent=\"%lu\"/>\n", p->algs[i].size,
				p->algs[i].exponent);
		else
			fprintf(f, "<ECDSA size=\"%u\"/>\n", p->algs[i].size);
		ind(f, lvl + 1);
		fputs("</SignatureAlgorithm>\n", f);
	}
	ind(f, lvl);
	fprintf(f, "</%s>\n", name);
}

static void put_key(FILE *f, int lvl, const hl_key_t *k)
{
	ind(f, lvl);
	fputs("<Key keyIdentifier=\"", f);
	hl_xml_put_escaped(f, k->id);
	fprintf(f, "\" keyTag=\"%u\">\n", k->tag_stated);
	ind(f, lvl + 1);
	fprintf(f, "<TTL>%u</TTL>\n", k->ttl);
	ind(f, lvl + 1);
	fprintf(f, "<Flags>%u</Flags>\n", k->flags);
	ind(f, lvl + 1);
	fprintf(f, "<Protocol>%u</Protocol>\n", k->protocol);
	ind(f, lvl + 1);
	fprintf(f, "<Algorithm>%u</Algorithm>\n", k->alg);
	ind(f, lvl + 1);
	fputs("<PublicKey>", f);
	put_b64(f, k->pub, k->publen);
	fputs("</PublicKey>\n", f);
	ind(f, lvl);
	fputs("</Key>\n", f);
}

static void put_sig(FILE *f, int lvl, const hl_sig_t *s)
{
	char inc[40], exp[40];

	hl_time_format(s->inception, inc, sizeof(inc));
	hl_time_format(s->expiration, exp, sizeof(exp));
	ind(f, lvl);
	fputs("<Signature keyIdentifier=\"", f);
	hl_xml_put_escaped(f, s->key_id);
	fputs("\">\n", f);
	ind(f, lvl + 1);
	fprintf(f, "<TTL>%u</TTL>\n", s->ttl);
	ind(f, lvl + 1);
	fputs("<TypeCovered>DNSKEY</TypeCovered>\n", f);
	ind(f, lvl + 1);
	fprintf(f, "<Algorithm>%u</Algorithm>\n", s->alg);
	ind(f, lvl + 1);
	fprintf(f, "<Labels>%u</Labels>\n", s->labels);
	ind(f, lvl + 1);
	fprintf(f, "<OriginalTTL>%u</OriginalTTL>\n", s->orig_ttl);
	ind(f, lvl + 1);
	fprintf(f, "<SignatureExpiration>%s</SignatureExpiration>\n", exp);
	ind(f, lvl + 1);
	fprintf(f, "<SignatureInception>%s</SignatureInception>\n", inc);
	ind(f, lvl + 1);
	fprintf(f, "<KeyTag>%u</KeyTag>\n", s->key_tag);
	ind(f, lvl + 1);
	fprintf(f, "<SignersName>%s</SignersName>\n", s->signers_name ? s->signers_name : ".");
	ind(f, lvl + 1);
	fputs("<SignatureData>", f);
	put_b64(f, s->data, s->datalen);
	fputs("</SignatureData>\n", f);
	ind(f, lvl);
	fputs("</Signature>\n", f);
}

static int by_tag(const void *a, const void *b)
{
	const hl_key_t *x = *(hl_key_t *const *)a, *y = *(hl_key_t *const *)b;

	return (x->tag_stated > y->tag_stated) - (x->tag_stated < y->tag_stated);
}

static void put_bundle(FILE *f, const hl_bundle_t *b, int response)
{
	const char *name = response ? "ResponseBundle" : "RequestBundle";
	const hl_key_t **order = calloc(b->nkeys ? b->nkeys : 1, sizeof(*order));
	char t[40];

	ind(f, 2);
	fprintf(f, "<%s id=\"", name);
	hl_xml_put_escaped(f, b->id);
	fputs("\">\n", f);
	hl_time_format(b->inception, t, sizeof(t));
	ind(f, 3);
	fprintf(f, "<Inception>%s</Inception>\n", t);
	hl_time_format(b->expiration, t, sizeof(t));
	ind(f, 3);
	fprintf(f, "<Expiration>%s</Expiration>\n", t);
	if (order != NULL) {
		/* keys sorted by key tag, as the real SKRs list them */
		for (size_t i = 0; i < b->nkeys; i++)
			order[i] = &b->keys[i];
		qsort(order, b->nkeys, sizeof(*order), by_tag);
		for (size_t i = 0; i < b->nkeys; i++)
			put_key(f, 3, order[i]);
		free(order);
	}
	for (size_t i = 0; i < b->nsigs; i++)
		put_sig(f, 3, &b->sigs[i]);
	ind(f, 2);
	fprintf(f, "</%s>\n", name);
}

char *hl_ksr_format(const hl_ksr_t *k, size_t *len_out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char *body = k->is_response ? "Response" : "Request";

	if (f == NULL)
		return NULL;
	if (k->is_response)
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
	fputs("<KSR id=\"", f);
	hl_xml_put_escaped(f, k->id);
	fputs("\" domain=\"", f);
	hl_xml_put_escaped(f, k->domain);
	fputs("\" serial=\"", f);
	hl_xml_put_escaped(f, k->serial);
	fputs("\">\n", f);
	ind(f, 1);
	fprintf(f, "<%s>\n", body);
	ind(f, 2);
	fprintf(f, "<%sPolicy>\n", body);
	if (k->is_response && k->ksk_policy.present)
		put_policy(f, 3, "KSK", &k->ksk_policy);
	put_policy(f, 3, "ZSK", &k->zsk_policy);
	ind(f, 2);
	fprintf(f, "</%sPolicy>\n", body);
	for (size_t i = 0; i < k->nbundles; i++)
		put_bundle(f, &k->bundles[i], k->is_response);
	ind(f, 1);
	fprintf(f, "</%s>\n", body);
	fputs("</KSR>\n", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	if (len_out)
		*len_out = len;
	return buf;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

int hl_ksr_write(const hl_ksr_t *ksr, const char *path, hl_err_t *err)
{
	size_t len = 0;
	char *text = hl_ksr_format(ksr, &len);
	char *tmp = NULL, *dcopy = NULL;
	int fd = -1, dfd = -1, rc = -1;

	if (text == NULL || asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0 ||
	    (dcopy = strdup(path)) == NULL) {
		hl_err_set(err, "IO", "%s: out of memory", path);
		tmp = NULL;
		goto out;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || write_all(fd, text, len) != 0 || fsync(fd) != 0) {
		hl_err_set(err, "IO", "%s: %s", tmp, strerror(errno));
		goto out;
	}
	close(fd);
	fd = -1;
	if (rename(tmp, path) != 0) {
		hl_err_set(err, "IO", "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* the rename itself must reach the disk before we report success */
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY);
	if (dfd >= 0)
		fsync(dfd);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (tmp != NULL)
		unlink(tmp);
	if (dfd >= 0)
		close(dfd);
	free(tmp);
	free(dcopy);
	free(text);
	return rc;
}
