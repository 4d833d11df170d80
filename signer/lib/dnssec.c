/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: DNSSEC wire forms, key tags, DS digests and verification through ldns. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ldns/ldns.h>

#include "hsmlab/dnssec.h"

/* ldns_rr_new_frm_type would pre-fill NULL rdata fields; we push them ourselves. */
static ldns_rr *new_rr(ldns_rr_type type)
{
	ldns_rr *rr = ldns_rr_new();

	if (rr != NULL)
		ldns_rr_set_type(rr, type);
	return rr;
}

static ldns_rr *key_rr(const hl_key_t *k, unsigned flags, uint32_t ttl)
{
	ldns_rr *rr = new_rr(LDNS_RR_TYPE_DNSKEY);
	ldns_rdf *owner = ldns_dname_new_frm_str(".");

	if (rr == NULL || owner == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_ttl(rr, ttl);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, (uint16_t)flags));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, (uint8_t)k->protocol));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, (uint8_t)k->alg));
	ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, k->publen, k->pub));
	return rr;
}

unsigned hl_dns_keytag(const hl_key_t *k, unsigned flags)
{
	ldns_rr *rr = key_rr(k, flags, k->ttl);
	unsigned tag = rr ? ldns_calc_keytag(rr) : 0;

	ldns_rr_free(rr);
	return tag;
}

void hl_hex(const unsigned char *d, size_t len, char *str)
{
	for (size_t i = 0; i < len; i++)
		sprintf(str + 2 * i, "%02X", d[i]);
	str[2 * len] = '\0';
}

int hl_dns_ds_sha256(const hl_key_t *k, unsigned char out[32])
{
	ldns_rr *rr = key_rr(k, k->flags, k->ttl), *ds = NULL;
	int rc = -1;

	if (rr != NULL)
		ds = ldns_key_rr2ds(rr, LDNS_SHA256);
	if (ds != NULL && ldns_rr_rd_count(ds) == 4 && ldns_rdf_size(ldns_rr_rdf(ds, 3)) == 32) {
		memcpy(out, ldns_rdf_data(ldns_rr_rdf(ds, 3)), 32);
		rc = 0;
	}
	ldns_rr_free(rr);
	ldns_rr_free(ds);
	return rc;
}

static ldns_rr *sig_rr(const hl_sig_t *s)
{
	ldns_rr *rr = new_rr(LDNS_RR_TYPE_RRSIG);
	ldns_rdf *owner = ldns_dname_new_frm_str(".");
	ldns_rdf *signer = ldns_dname_new_frm_str(s->signers_name ? s->signers_name : ".");

	if (rr == NULL || owner == NULL || signer == NULL) {
		ldns_rr_free(rr);
		ldns_rdf_deep_free(owner);
		ldns_rdf_deep_free(signer);
		return NULL;
	}
	ldns_rr_set_owner(rr, owner);
	ldns_rr_set_ttl(rr, s->ttl);
	ldns_rr_set_class(rr, LDNS_RR_CLASS_IN);
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_TYPE, (uint16_t)s->type_covered));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_ALG, (uint8_t)s->alg));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int8(LDNS_RDF_TYPE_INT8, (uint8_t)s->labels));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_INT32, s->orig_ttl));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, (uint32_t)s->expiration));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int32(LDNS_RDF_TYPE_TIME, (uint32_t)s->inception));
	ldns_rr_push_rdf(rr, ldns_native2rdf_int16(LDNS_RDF_TYPE_INT16, (uint16_t)s->key_tag));
	ldns_rr_push_rdf(rr, signer);
	/* a placeholder when there is no signature yet: rrsig2buffer_wire skips the last rdf */
	ldns_rr_push_rdf(rr, ldns_rdf_new_frm_data(LDNS_RDF_TYPE_B64, s->datalen ? s->datalen : 1,
						   s->datalen ? s->data : (const uint8_t *)""));
	return rr;
}

static ldns_rr_list *bundle_rrset(const hl_bundle_t *b, uint32_t ttl)
{
	ldns_rr_list *l = ldns_rr_list_new();

	for (size_t i = 0; l != NULL && i < b->nkeys; i++) {
		ldns_rr *rr = key_rr(&b->keys[i], b->keys[i].flags, ttl);
		if (rr == NULL || !ldns_rr_list_push_rr(l, rr)) {
			ldns_rr_free(rr);
			ldns_rr_list_deep_free(l);
			return NULL;
		}
	}
	return l;
}

int hl_dns_signing_input(const hl_bundle_t *b, const hl_sig_t *s, unsigned char **out,
			 size_t *len_out)
{
	ldns_rr *rrsig = sig_rr(s);
	ldns_rr_list *set = bundle_rrset(b, s->orig_ttl);
	ldns_buffer *buf = ldns_buffer_new(4096);
	unsigned char *data;
	int rc = -1;

	if (rrsig == NULL || set == NULL || buf == NULL)
		goto out;
	for (size_t i = 0; i < ldns_rr_list_rr_count(set); i++)
		ldns_rr2canonical(ldns_rr_list_rr(set, i));
	ldns_rr_list_sort(set);
	if (ldns_rrsig2buffer_wire(buf, rrsig) != LDNS_STATUS_OK ||
	    ldns_rr_list2buffer_wire(buf, set) != LDNS_STATUS_OK)
		goto out;
	data = malloc(ldns_buffer_position(buf));
	if (data == NULL)
		goto out;
	memcpy(data, ldns_buffer_begin(buf), ldns_buffer_position(buf));
	*out = data;
	*len_out = ldns_buffer_position(buf);
	rc = 0;
out:
	ldns_rr_free(rrsig);
	ldns_rr_list_deep_free(set);
	ldns_buffer_free(buf);
	return rc;
}

int hl_dns_verify(const hl_bundle_t *b, const hl_sig_t *s, const hl_key_t *key, char *why,
		  size_t whylen)
{
	ldns_rr *rrsig = NULL;
	ldns_rr_list *set = bundle_rrset(b, s->orig_ttl), *keys = ldns_rr_list_new();
	ldns_rr_list *sigl = ldns_rr_list_new();
	ldns_rr *k = key_rr(key, key->flags, key->ttl);
	ldns_status st = LDNS_STATUS_MEM_ERR;

	if (s->datalen == 0) {
		snprintf(why, whylen, "empty SignatureData");
		goto out;
	}
	rrsig = sig_rr(s);
	if (rrsig == NULL || set == NULL || keys == NULL || k == NULL || sigl == NULL)
		goto out;
	ldns_rr_list_push_rr(keys, k);
	k = NULL;
	st = ldns_verify_rrsig_keylist_notime(set, rrsig, keys, NULL);
out:
	if (st != LDNS_STATUS_OK && s->datalen != 0)
		snprintf(why, whylen, "%s", ldns_get_errorstr_by_id(st));
	ldns_rr_free(rrsig);
	ldns_rr_free(k);
	ldns_rr_list_deep_free(set);
	ldns_rr_list_deep_free(keys);
	ldns_rr_list_free(sigl);
	return st == LDNS_STATUS_OK ? 0 : -1;
}

const hl_key_t *hl_bundle_find_key(const hl_bundle_t *b, const char *id)
{
	for (size_t i = 0; i < b->nkeys; i++)
		if (strcmp(b->keys[i].id, id) == 0)
			return &b->keys[i];
	return NULL;
}

int hl_key_same_pub(const hl_key_t *a, const hl_key_t *b)
{
	return a->alg == b->alg && a->publen == b->publen && memcmp(a->pub, b->pub, a->publen) == 0;
}

/* -- trust anchors -- */

static int anchor_from_rr(const ldns_rr *rr, hl_anchor_t *a)
{
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DNSKEY && ldns_rr_rd_count(rr) == 4) {
		const ldns_rdf *pk = ldns_rr_rdf(rr, 3);
		a->key.flags = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		a->key.protocol = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
		a->key.alg = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
		a->key.ttl = ldns_rr_ttl(rr);
		a->key.publen = ldns_rdf_size(pk);
		a->key.pub = malloc(a->key.publen);
		a->key.id = strdup("trust-anchor");
		if (a->key.pub == NULL || a->key.id == NULL)
			return -1;
		memcpy(a->key.pub, ldns_rdf_data(pk), a->key.publen);
		a->tag = hl_dns_keytag(&a->key, a->key.flags);
		return 1;
	}
	if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_DS && ldns_rr_rd_count(rr) == 4) {
		const ldns_rdf *d = ldns_rr_rdf(rr, 3);
		a->is_ds = 1;
		a->tag = ldns_rdf2native_int16(ldns_rr_rdf(rr, 0));
		a->alg = ldns_rdf2native_int8(ldns_rr_rdf(rr, 1));
		a->digest_type = ldns_rdf2native_int8(ldns_rr_rdf(rr, 2));
		if (ldns_rdf_size(d) > sizeof(a->digest))
			return -1;
		a->digestlen = ldns_rdf_size(d);
		memcpy(a->digest, ldns_rdf_data(d), a->digestlen);
		return 2;
	}
	return -1;
}

int hl_dns_parse_anchor(const char *line, hl_anchor_t *out)
{
	const char *p = line;
	ldns_rr *rr = NULL;
	hl_anchor_t a;
	int rc;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0' || *p == '\n' || *p == ';' || *p == '#')
		return 0;
	memset(&a, 0, sizeof(a));
	if (ldns_rr_new_frm_str(&rr, line, 172800, NULL, NULL) != LDNS_STATUS_OK)
		return -1;
	rc = anchor_from_rr(rr, &a);
	ldns_rr_free(rr);
	if (rc < 0) {
		hl_key_clear(&a.key);
		return -1;
	}
	*out = a;
	return rc;
}

int hl_anchor_match(const hl_anchor_t *a, const hl_key_t *k)
{
	unsigned char d[32];

	if (!a->is_ds)
		return hl_key_same_pub(&a->key, k);
	if (a->digest_type != 2 || a->digestlen != 32 || a->alg != k->alg ||
	    a->tag != hl_dns_keytag(k, k->flags))
		return 0;
	return hl_dns_ds_sha256(k, d) == 0 && memcmp(d, a->digest, 32) == 0;
}
