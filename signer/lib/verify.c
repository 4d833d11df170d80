/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: skr-verify. For an SKR: signatures, key tags, continuity and overlap of the
 * bundles, the chain to the previous SKR, trust in the given anchors (at the bundle's time)
 * and coverage of a period. For a KSR: the proof-of-possession signatures. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/checks.h"
#include "hsmlab/dnssec.h"
#include "hsmlab/inventory.h"
#include "hsmlab/signer.h"

#define MAX_ANCHORS 32

typedef struct anchors {
	hl_anchor_t a[MAX_ANCHORS];
	size_t n;
} anchors_t;

static void anchors_clear(anchors_t *as)
{
	for (size_t i = 0; i < as->n; i++)
		hl_key_clear(&as->a[i].key);
	as->n = 0;
}

/* Optional validity in a trailing comment: "; valid-from=T valid-until=T". */
static void anchor_times(const char *line, hl_anchor_t *a)
{
	const char *p;
	char t[32];

	if ((p = strstr(line, "valid-from=")) != NULL && sscanf(p + 11, "%31s", t) == 1)
		hl_time_parse(t, &a->valid_from);
	if ((p = strstr(line, "valid-until=")) != NULL && sscanf(p + 12, "%31s", t) == 1)
		hl_time_parse(t, &a->valid_until);
}

static int load_anchors(const char *path, anchors_t *as, hl_err_t *err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0, rc = 0, c;

	if (f == NULL) {
		hl_err_set(err, "IO", "%s: cannot open", path);
		return -1;
	}
	while ((c = fgetc(f)) == ' ' || c == '\t' || c == '\n' || c == '\r')
		;
	if (c == '<') { /* IANA's root-anchors.xml (RFC 7958) */
		fclose(f);
		return hl_anchors_xml_load(path, as->a, MAX_ANCHORS, &as->n, err);
	}
	rewind(f);
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		hl_anchor_t a;
		int r;
		char *semi;
		lineno++;
		memset(&a, 0, sizeof(a));
		semi = strchr(line, ';'); /* root.key ends lines with "; keytag N" comments */
		if (semi != NULL)
			*semi = '\0';
		r = hl_dns_parse_anchor(line, &a);
		if (r > 0 && semi != NULL)
			anchor_times(semi + 1, &a);
		if (r < 0 || (r > 0 && as->n == MAX_ANCHORS)) {
			hl_err_set(err, "ANCHOR", "%s:%d: not a DNSKEY or DS line", path, lineno);
			rc = -1;
		} else if (r > 0) {
			as->a[as->n++] = a;
		}
	}
	fclose(f);
	return rc;
}

/* 1 when signature s of b is by a key matching an anchor valid over the signature's time. */
static int sig_anchored(const anchors_t *as, const hl_bundle_t *b, const hl_sig_t *s)
{
	const hl_key_t *k = hl_bundle_find_key(b, s->key_id);

	for (size_t i = 0; k != NULL && i < as->n; i++) {
		const hl_anchor_t *a = &as->a[i];
		if (hl_anchor_match(a, k) && (!a->valid_from || a->valid_from <= s->inception) &&
		    (!a->valid_until || a->valid_until >= s->expiration))
			return 1;
	}
	return 0;
}

static int anchored(const anchors_t *as, const hl_bundle_t *b)
{
	for (size_t s = 0; s < b->nsigs; s++)
		if (sig_anchored(as, b, &b->sigs[s]))
			return 1;
	return 0;
}

/* -- SKR checks -- */

static int check_tags(const hl_ksr_t *k, hl_err_t *err)
{
	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		for (size_t j = 0; j < b->nkeys; j++)
			if (hl_dns_keytag(&b->keys[j], b->keys[j].flags) != b->keys[j].tag_stated) {
				hl_err_set(err, "SKR-KEYTAG",
					   "%s: bundle %zu (%s): key %s: keyTag %u is wrong",
					   k->path, i + 1, b->id, b->keys[j].id,
					   b->keys[j].tag_stated);
				return -1;
			}
		for (size_t s = 0; s < b->nsigs; s++) {
			const hl_key_t *key = hl_bundle_find_key(b, b->sigs[s].key_id);
			if (key != NULL && key->tag_stated != b->sigs[s].key_tag) {
				hl_err_set(
				    err, "SKR-KEYTAG",
				    "%s: bundle %zu (%s): Signature KeyTag %u differs from key "
				    "%s's %u",
				    k->path, i + 1, b->id, b->sigs[s].key_tag, key->id,
				    key->tag_stated);
				return -1;
			}
		}
	}
	return 0;
}

/* An SKR's signatures come from KSKs: SEP keys (flags 257, or 385 when revoked). */
static int check_signers_are_ksks(const hl_ksr_t *k, hl_err_t *err)
{
	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		for (size_t s = 0; s < b->nsigs; s++) {
			const hl_key_t *key = hl_bundle_find_key(b, b->sigs[s].key_id);
			if (key != NULL && key->flags != 257 && key->flags != 385) {
				hl_err_set(err, "SKR-SIG-VERIFY",
					   "%s: bundle %zu (%s): signer %s has flags %u, not a KSK",
					   k->path, i + 1, b->id, key->id, key->flags);
				return -1;
			}
		}
	}
	return 0;
}

/* A bundle's Inception and Expiration are not signed: only the RRSIGs' are. A bundle that
 * states other times than its signatures misleads every reader, so it is refused. */
static int check_bundle_times(const hl_ksr_t *k, hl_err_t *err)
{
	char a[40], b[40];

	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *bu = &k->bundles[i];
		for (size_t s = 0; s < bu->nsigs; s++) {
			const hl_sig_t *sg = &bu->sigs[s];
			if (sg->inception == bu->inception && sg->expiration == bu->expiration)
				continue;
			hl_time_format(sg->inception, a, sizeof(a));
			hl_time_format(sg->expiration, b, sizeof(b));
			hl_err_set(err, "SKR-BUNDLE-TIMES",
				   "%s: bundle %zu (%s): Inception/Expiration differ from the "
				   "signature by %s (line %d: %s .. %s)",
				   k->path, i + 1, bu->id, sg->key_id, sg->line, a, b);
			return -1;
		}
	}
	return 0;
}

static int check_continuity(const hl_ksr_t *k, hl_err_t *err)
{
	for (size_t i = 0; i + 1 < k->nbundles; i++) {
		const hl_bundle_t *a = &k->bundles[i], *b = &k->bundles[i + 1];
		if (b->inception <= a->inception || b->inception > a->expiration) {
			hl_err_set(err, "SKR-CONTINUITY",
				   "%s: bundles %zu and %zu (%s, %s) do not overlap in order",
				   k->path, i + 1, i + 2, a->id, b->id);
			return -1;
		}
	}
	return 0;
}

static int check_trust(const hl_ksr_t *k, const anchors_t *as, int whole, hl_err_t *err)
{
	for (size_t i = 0; whole && i < k->nbundles; i++)
		if (!anchored(as, &k->bundles[i])) {
			hl_err_set(err, "SKR-TRUST",
				   "%s: bundle %zu (%s) is signed by no key of the trust anchors "
				   "valid at its time",
				   k->path, i + 1, k->bundles[i].id);
			return -1;
		}
	return 0;
}

/* Sweeps [from, to] over the trusted bundles' validity; reports the first uncovered instant. */
static int check_coverage(const hl_ksr_t *k, const anchors_t *as, time_t from, time_t to,
			  hl_err_t *err)
{
	time_t cur = from;
	char t1[40], t2[40];

	while (cur <= to) {
		time_t best = -1, next = 0;
		for (size_t i = 0; i < k->nbundles; i++) {
			const hl_bundle_t *b = &k->bundles[i];
			for (size_t s = 0; s < b->nsigs; s++) {
				const hl_sig_t *sg =
				    &b->sigs[s]; /* signed times, not the bundle's */
				if (as->n != 0 && !sig_anchored(as, b, sg))
					continue;
				if (sg->inception <= cur && sg->expiration >= cur &&
				    sg->expiration > best)
					best = sg->expiration;
				if (sg->inception > cur && (next == 0 || sg->inception < next))
					next = sg->inception;
			}
		}
		if (best < 0) {
			hl_time_format(cur, t1, sizeof(t1));
			if (next != 0 && next <= to)
				hl_time_format(next, t2, sizeof(t2));
			else
				hl_time_format(to, t2, sizeof(t2));
			hl_err_set(err, "SKR-COVERAGE",
				   "%s: first gap: %s .. %s is covered by no %s", k->path, t1, t2,
				   as->n ? "bundle signed by a trust anchor" : "bundle");
			return -1;
		}
		cur = best + 1;
	}
	return 0;
}

static int verify_skr(const hl_ksr_t *k, const hl_verify_opts_t *o, const anchors_t *as,
		      hl_err_t *err)
{
	hl_ksr_t *prev = NULL;
	hl_policy_cfg_t pc;
	int rc = -1;

	hl_policy_cfg_defaults(&pc);
	pc.range_min[HL_CHK_KSR_CHAIN_OVERLAP] = 1; /* any overlap: the SKR has no ZSK bounds */
	pc.range_max[HL_CHK_KSR_CHAIN_OVERLAP] = 365 * 86400L;
	if (hl_check_signatures(k, HL_CHK_SKR_SIG_VERIFY, err) != 0 ||
	    check_signers_are_ksks(k, err) != 0 || check_tags(k, err) != 0 ||
	    hl_check_bundle_ids(k, err) != 0 || check_bundle_times(k, err) != 0 ||
	    check_continuity(k, err) != 0)
		goto out;
	fprintf(o->out, "%s: %zu bundles: signatures, key tags, times and continuity OK\n", k->path,
		k->nbundles);
	if (o->prev_path != NULL &&
	    (hl_ksr_load(o->prev_path, &prev, err) != 0 || hl_check_chain(k, prev, &pc, err) != 0))
		goto out;
	if (hl_check_ksk_continuity(k, prev, o->hold_down ? o->hold_down : pc.hold_down, err) != 0)
		goto out;
	if (prev != NULL)
		fprintf(o->out, "%s: chains to %s, no KSK dropped\n", k->path, o->prev_path);
	if (as->n != 0 && check_trust(k, as, o->from == 0 && o->to == 0, err) != 0)
		goto out;
	if ((o->from != 0 || o->to != 0) && check_coverage(k, as, o->from, o->to, err) != 0)
		goto out;
	if (o->from != 0 || o->to != 0)
		fprintf(o->out, "%s: the whole period is covered\n", k->path);
	rc = 0;
out:
	hl_ksr_free(prev);
	return rc;
}

int hl_verify_run(const hl_verify_opts_t *o, hl_err_t *err)
{
	hl_ksr_t *k = NULL;
	anchors_t as = { .n = 0 };
	hl_policy_cfg_t pc;
	int rc = -1;

	for (size_t i = 0; i < o->nanchors; i++)
		if (load_anchors(o->anchors[i], &as, err) != 0)
			goto out;
	if (hl_ksr_load(o->path, &k, err) != 0)
		goto out;
	if (k->is_response) {
		rc = verify_skr(k, o, &as, err);
		goto out;
	}
	/* a KSR: only what the file alone proves, the self-signatures and the key ids */
	hl_policy_cfg_defaults(&pc);
	for (int i = 0; i < HL_CHK_COUNT; i++)
		pc.enabled[i] = i == HL_CHK_KSR_BUNDLE_POP || i == HL_CHK_KSR_BUNDLE_UNIQUE;
	rc = hl_check_ksr(k, &pc, 0, err);
	if (rc == 0)
		fprintf(o->out, "%s: KSR with %zu bundles: proof-of-possession signatures OK\n",
			k->path, k->nbundles);
out:
	anchors_clear(&as);
	hl_ksr_free(k);
	return rc;
}
