/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: the KSR checks (checks.md 3-18, 27, 28), each under its name. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/checks.h"
#include "hsmlab/dnssec.h"

static const char *const names[HL_CHK_COUNT] = {
	"LOAD-BUNDLE-FIELDS",
	"LOAD-KEY-FIELDS",
	"KSR-DOMAIN",
	"KSR-BUNDLE-UNIQUE",
	"KSR-BUNDLE-KEYS",
	"KSR-BUNDLE-POP",
	"KSR-BUNDLE-COUNT",
	"KSR-BUNDLE-CYCLE-DURATION",
	"KSR-POLICY-KEYS",
	"KSR-POLICY-ALG",
	"KSR-POLICY-SIG-OVERLAP",
	"KSR-POLICY-SIG-VALIDITY",
	"KSR-POLICY-SIG-HORIZON",
	"KSR-POLICY-BUNDLE-INTERVALS",
	"SKR-PREVIOUS-VALID",
	"KSR-ID",
	"KSR-CHAIN-KEYS",
	"KSR-CHAIN-OVERLAP",
	"KSR-CHAIN-KEYS-IN-HSM",
	"KSK-VALIDITY",
	"KSK-HSM-MATCH",
	"KSR-SIGNER-IGNORED",
	"KSR-ALG-MATCH",
	"SKR-SIG-VERIFY",
	"SKR-SCHEMA",
	"OPERATOR-CONFIRM",
	"SKR-PUBLISH-SAFETY",
	"SKR-RETIRE-SAFETY",
	"SKR-KSK-CONTINUITY",
	"KSR-POLICY-TTL",
	"LOAD-KSR-FIELDS",
};

const char *hl_check_name(hl_check_id_t id)
{
	return (unsigned)id < HL_CHK_COUNT ? names[id] : "UNKNOWN";
}

int hl_check_lookup(const char *name)
{
	for (int i = 0; i < HL_CHK_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

void hl_policy_cfg_defaults(hl_policy_cfg_t *c)
{
	static const unsigned kpb[9] = { 2, 1, 1, 1, 1, 1, 1, 1, 2 };

	memset(c, 0, sizeof(*c));
	for (int i = 0; i < HL_CHK_COUNT; i++) {
		c->enabled[i] = 1;
		c->range_min[i] = c->range_max[i] = -1;
	}
	c->range_min[HL_CHK_KSR_BUNDLE_CYCLE_DURATION] = 79 * 86400L;
	c->range_max[HL_CHK_KSR_BUNDLE_CYCLE_DURATION] = 81 * 86400L;
	c->range_min[HL_CHK_KSR_POLICY_BUNDLE_INTERVALS] = 9 * 86400L;
	c->range_max[HL_CHK_KSR_POLICY_BUNDLE_INTERVALS] = 11 * 86400L;
	snprintf(c->domains[0], sizeof(c->domains[0]), ".");
	c->ndomains = 1;
	c->bundle_count = 9;
	c->prev_bundle_count = 9;
	memcpy(c->keys_per_bundle, kpb, sizeof(kpb));
	c->distinct_keys = 3;
	c->algs[0] = 8;
	c->nalgs = 1;
	c->rsa_size = 2048;
	c->rsa_exponent = 65537;
	c->keys_check_exponent = 1;
	c->horizon = 180 * 86400L;
	c->hold_down = 30 * 86400L; /* RFC 5011 section 2.4.1 */
	c->ttl = 172800;
	c->ksk = (hl_policy_t){ .present = 1,
				.publish_safety = 0,
				.retire_safety = 28 * 86400L,
				.max_validity = 21 * 86400L,
				.min_validity = 21 * 86400L,
				.max_overlap = 16 * 86400L,
				.min_overlap = 9 * 86400L,
				.algs = { { 8, 2048, 65537 } },
				.nalgs = 1 };
}

/* -- warnings -- */

static hl_warn_fn warn_fn;
static void *warn_ctx;

void hl_checks_set_warn(hl_warn_fn fn, void *ctx)
{
	warn_fn = fn;
	warn_ctx = ctx;
}

static hl_result_fn result_fn;
static void *result_ctx;

void hl_checks_set_result(hl_result_fn fn, void *ctx)
{
	result_fn = fn;
	result_ctx = ctx;
}

int hl_check_report(hl_check_id_t id, int rc, const hl_err_t *err)
{
	if (result_fn != NULL)
		result_fn(result_ctx, hl_check_name(id), rc, rc < 0 && err != NULL ? err->msg : "");
	return rc < 0 ? -1 : 0;
}

void hl_check_warn(hl_check_id_t id, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (result_fn != NULL)
		result_fn(result_ctx, hl_check_name(id), 2, msg);
	if (warn_fn != NULL)
		warn_fn(warn_ctx, hl_check_name(id), msg);
	else
		fprintf(stderr, "warning: %s: %s\n", hl_check_name(id), msg);
}

#define FAIL(id, ...)                                                                      \
	do {                                                                               \
		char m_[640];                                                              \
		snprintf(m_, sizeof(m_), __VA_ARGS__);                                     \
		hl_err_set(err, hl_check_name(id), "%s: %s", k->path ? k->path : "-", m_); \
		return -1;                                                                 \
	} while (0)

static long rmin(const hl_policy_cfg_t *c, hl_check_id_t id, long dflt)
{
	return c->range_min[id] >= 0 ? c->range_min[id] : dflt;
}

static long rmax(const hl_policy_cfg_t *c, hl_check_id_t id, long dflt)
{
	return c->range_max[id] >= 0 ? c->range_max[id] : dflt;
}

static void fmt_dur(long s, char *b, size_t n)
{
	if (s < 0) {
		b[0] = '-';
		hl_duration_format(-s, b + 1, n - 1);
	} else {
		hl_duration_format(s, b, n);
	}
}

/* 0 when lo <= d <= hi; otherwise the error "<check>: <what> = d, outside lo..hi". */
static int in_range(const hl_ksr_t *k, hl_check_id_t id, const char *what, long d, long lo, long hi,
		    hl_err_t *err)
{
	char a[32], x[32], y[32];

	if (d >= lo && d <= hi)
		return 0;
	fmt_dur(d, a, sizeof(a));
	fmt_dur(lo, x, sizeof(x));
	fmt_dur(hi, y, sizeof(y));
	FAIL(id, "%s = %s, outside %s..%s", what, a, x, y);
}

int hl_rsa_pub_info(const hl_key_t *k, unsigned *bits, unsigned long *exponent)
{
	size_t off = 1, elen;
	unsigned long e = 0;
	unsigned b;

	if (k->publen < 3)
		return -1;
	elen = k->pub[0];
	if (elen == 0) {
		elen = (size_t)k->pub[1] << 8 | k->pub[2];
		off = 3;
	}
	if (elen == 0 || elen > 8 || off + elen >= k->publen)
		return -1;
	for (size_t i = 0; i < elen; i++)
		e = e << 8 | k->pub[off + i];
	off += elen;
	while (off < k->publen && k->pub[off] == 0)
		off++;
	if (off == k->publen)
		return -1;
	b = (unsigned)(k->publen - off) * 8;
	for (unsigned char top = k->pub[off]; !(top & 0x80); top = (unsigned char)(top << 1))
		b--;
	*bits = b;
	*exponent = e;
	return 0;
}

/* -- the KSR alone -- */

static int check_domain(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	for (size_t i = 0; i < c->ndomains; i++)
		if (strcmp(k->domain, c->domains[i]) == 0)
			return 0;
	FAIL(HL_CHK_KSR_DOMAIN, "domain \"%s\" is not accepted", k->domain);
}

static int check_unique(const hl_ksr_t *k, hl_err_t *err)
{
	for (size_t i = 0; i < k->nbundles; i++)
		for (size_t j = i + 1; j < k->nbundles; j++)
			if (strcmp(k->bundles[i].id, k->bundles[j].id) == 0)
				FAIL(HL_CHK_KSR_BUNDLE_UNIQUE,
				     "bundle id %s appears twice (line %d)", k->bundles[j].id,
				     k->bundles[j].line);
	return 0;
}

int hl_check_bundle_ids(const hl_ksr_t *k, hl_err_t *err)
{
	return check_unique(k, err);
}

/* One RRset, one TTL (RFC 2181 5.2): the KSKs and their RRSIGs get the policy's TTL, so the
 * ZSKs copied from the KSR must have it too. */
static int check_ttl(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	for (size_t i = 0; i < k->nbundles; i++)
		for (size_t j = 0; j < k->bundles[i].nkeys; j++)
			if (k->bundles[i].keys[j].ttl != c->ttl)
				FAIL(HL_CHK_KSR_POLICY_TTL,
				     "bundle %zu (%s) key %s: TTL %u, the policy's DNSKEY TTL is "
				     "%lu "
				     "(a DNSKEY RRset has one TTL)",
				     i + 1, k->bundles[i].id, k->bundles[i].keys[j].id,
				     k->bundles[i].keys[j].ttl, c->ttl);
	return 0;
}

static int key_matches_policy(const hl_key_t *key, const hl_policy_t *p, int check_exp)
{
	unsigned bits = 0;
	unsigned long e = 0;
	int rsa = hl_rsa_pub_info(key, &bits, &e) == 0;

	for (size_t i = 0; i < p->nalgs; i++) {
		if (p->algs[i].alg != key->alg)
			continue;
		if (p->algs[i].exponent == 0)
			return 1; /* ECDSA / EdDSA: the algorithm fixes the size */
		if (rsa && bits == p->algs[i].size && (!check_exp || e == p->algs[i].exponent))
			return 1;
	}
	return 0;
}

static int check_bundle_keys(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		for (size_t j = 0; j < b->nkeys; j++) {
			const hl_key_t *key = &b->keys[j];
			unsigned tag = hl_dns_keytag(key, key->flags);
			if (key->flags != 256)
				FAIL(HL_CHK_KSR_BUNDLE_KEYS, "bundle %s key %s: Flags %u, want 256",
				     b->id, key->id, key->flags);
			if (tag != key->tag_stated)
				FAIL(HL_CHK_KSR_BUNDLE_KEYS,
				     "bundle %s key %s: keyTag %u but the key's tag is %u", b->id,
				     key->id, key->tag_stated, tag);
			if (!key_matches_policy(key, &k->zsk_policy, c->keys_check_exponent))
				FAIL(HL_CHK_KSR_BUNDLE_KEYS,
				     "bundle %s key %s: no SignatureAlgorithm of the ZSK policy "
				     "matches (algorithm %u)",
				     b->id, key->id, key->alg);
			for (size_t x = 0; x < k->nbundles; x++) {
				const hl_key_t *o = hl_bundle_find_key(&k->bundles[x], key->id);
				if (o != NULL &&
				    (!hl_key_same_pub(o, key) || o->flags != key->flags))
					FAIL(HL_CHK_KSR_BUNDLE_KEYS,
					     "keyIdentifier %s names different keys in bundles %s "
					     "and %s",
					     key->id, b->id, k->bundles[x].id);
			}
		}
	}
	return 0;
}

static int check_pop(const hl_ksr_t *k, hl_err_t *err)
{
	char why[256];

	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		for (size_t j = 0; j < b->nkeys; j++) {
			size_t n = 0;
			for (size_t x = j + 1; x < b->nkeys; x++)
				if (strcmp(b->keys[x].id, b->keys[j].id) == 0)
					FAIL(HL_CHK_KSR_BUNDLE_POP,
					     "bundle %s: duplicate keyIdentifier %s", b->id,
					     b->keys[j].id);
			for (size_t s = 0; s < b->nsigs; s++)
				n += strcmp(b->sigs[s].key_id, b->keys[j].id) == 0;
			if (n == 0)
				FAIL(HL_CHK_KSR_BUNDLE_POP, "bundle %s: key %s did not sign", b->id,
				     b->keys[j].id);
		}
		for (size_t s = 0; s < b->nsigs; s++) {
			const hl_key_t *key = hl_bundle_find_key(b, b->sigs[s].key_id);
			if (key == NULL)
				FAIL(HL_CHK_KSR_BUNDLE_POP,
				     "bundle %s: Signature (line %d) by %s has no Key", b->id,
				     b->sigs[s].line, b->sigs[s].key_id);
			if (hl_dns_verify(b, &b->sigs[s], key, why, sizeof(why)) != 0)
				FAIL(HL_CHK_KSR_BUNDLE_POP,
				     "bundle %s: SignatureData (line %d) by %s does not verify: %s",
				     b->id, b->sigs[s].line, key->id, why);
		}
	}
	return 0;
}

static int check_count_cycle(const hl_ksr_t *k, const hl_policy_cfg_t *c, int which, hl_err_t *err)
{
	long d;

	if (which == 0) {
		if (k->nbundles != c->bundle_count)
			FAIL(HL_CHK_KSR_BUNDLE_COUNT, "%zu bundles, want %u", k->nbundles,
			     c->bundle_count);
		return 0;
	}
	d = (long)(k->bundles[k->nbundles - 1].inception - k->bundles[0].inception);
	return in_range(k, HL_CHK_KSR_BUNDLE_CYCLE_DURATION, "last inception - first inception", d,
			rmin(c, HL_CHK_KSR_BUNDLE_CYCLE_DURATION, 79 * 86400L),
			rmax(c, HL_CHK_KSR_BUNDLE_CYCLE_DURATION, 81 * 86400L), err);
}

static int check_policy_keys(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	const hl_key_t *seen[64];
	size_t nseen = 0;

	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		if (i < HL_MAX_SLOTS && c->keys_per_bundle[i] != 0 &&
		    b->nkeys != c->keys_per_bundle[i])
			FAIL(HL_CHK_KSR_POLICY_KEYS, "bundle %zu (%s): %zu keys, want %u", i + 1,
			     b->id, b->nkeys, c->keys_per_bundle[i]);
		for (size_t j = 0; j < b->nkeys; j++) {
			size_t x;
			for (x = 0; x < nseen && !hl_key_same_pub(seen[x], &b->keys[j]); x++)
				;
			if (x == nseen && nseen < 64)
				seen[nseen++] = &b->keys[j];
		}
	}
	if (c->distinct_keys != 0 && nseen != c->distinct_keys)
		FAIL(HL_CHK_KSR_POLICY_KEYS, "%zu distinct keys over all bundles, want %u", nseen,
		     c->distinct_keys);
	return 0;
}

static int alg_allowed(const hl_policy_cfg_t *c, unsigned alg)
{
	/* never RSAMD5 (1), DSA (3), DSA-NSEC3-SHA1 (6), ECC-GOST (12) or unknown ones */
	if (alg != 8 && alg != 10 && alg != 13 && alg != 14 && alg != 15 && alg != 16)
		return 0;
	if ((alg == 13 || alg == 14) && !c->ecdsa_enabled)
		return 0;
	if ((alg == 15 || alg == 16) && !c->eddsa_enabled)
		return 0;
	for (size_t i = 0; i < c->nalgs; i++)
		if (c->algs[i] == alg)
			return 1;
	return 0;
}

static int check_alg(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	for (size_t i = 0; i < k->zsk_policy.nalgs; i++)
		if (!alg_allowed(c, k->zsk_policy.algs[i].alg))
			FAIL(HL_CHK_KSR_POLICY_ALG, "ZSK policy: algorithm %u not allowed",
			     k->zsk_policy.algs[i].alg);
	for (size_t i = 0; i < k->nbundles; i++) {
		for (size_t j = 0; j < k->bundles[i].nkeys; j++) {
			const hl_key_t *key = &k->bundles[i].keys[j];
			unsigned bits = 0;
			unsigned long e = 0;
			if (!alg_allowed(c, key->alg))
				FAIL(HL_CHK_KSR_POLICY_ALG, "bundle %s key %s: algorithm %u",
				     k->bundles[i].id, key->id, key->alg);
			if (key->alg == 8 || key->alg == 10) {
				if (hl_rsa_pub_info(key, &bits, &e) != 0 || bits != c->rsa_size ||
				    e != c->rsa_exponent)
					FAIL(HL_CHK_KSR_POLICY_ALG,
					     "bundle %s key %s: RSA %u bits exponent %lu, want "
					     "%u / %lu",
					     k->bundles[i].id, key->id, bits, e, c->rsa_size,
					     c->rsa_exponent);
			}
		}
	}
	return 0;
}

static int check_ranges(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_check_id_t id,
			hl_err_t *err)
{
	const hl_policy_t *p = &k->zsk_policy;
	char what[160];
	long lo, hi;

	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i], *nb = &k->bundles[i + 1];
		long d;
		if (id == HL_CHK_KSR_POLICY_SIG_VALIDITY) {
			d = (long)(b->expiration - b->inception);
			lo = rmin(c, id, p->min_validity);
			hi = rmax(c, id, p->max_validity);
		} else if (i + 1 == k->nbundles) {
			break;
		} else if (id == HL_CHK_KSR_POLICY_SIG_OVERLAP) {
			d = (long)(b->expiration - nb->inception);
			lo = rmin(c, id, p->min_overlap);
			hi = rmax(c, id, p->max_overlap);
		} else {
			d = (long)(nb->inception - b->inception);
			lo = rmin(c, id, 9 * 86400L);
			hi = rmax(c, id, 11 * 86400L);
		}
		snprintf(what, sizeof(what), "bundle %zu (%s): %s", i + 1, b->id,
			 id == HL_CHK_KSR_POLICY_SIG_VALIDITY ? "Expiration - Inception"
			 : id == HL_CHK_KSR_POLICY_SIG_OVERLAP
			     ? "the overlap with the next bundle"
			     : "the interval to the next Inception");
		if (in_range(k, id, what, d, lo, hi, err) != 0)
			return -1;
	}
	return 0;
}

static int check_horizon(const hl_ksr_t *k, const hl_policy_cfg_t *c, time_t now, hl_err_t *err)
{
	char t[40], n[40];

	hl_time_format(now, n, sizeof(n));
	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		hl_time_format(b->expiration, t, sizeof(t));
		if (b->expiration <= now)
			FAIL(HL_CHK_KSR_POLICY_SIG_HORIZON,
			     "bundle %zu (%s): Expiration %s already passed (now %s)", i + 1, b->id,
			     t, n);
		if ((long)(b->expiration - now) > c->horizon)
			FAIL(HL_CHK_KSR_POLICY_SIG_HORIZON,
			     "bundle %zu (%s): Expiration %s is more than %ld days after now (%s)",
			     i + 1, b->id, t, c->horizon / 86400, n);
	}
	return 0;
}

int hl_check_ksr(const hl_ksr_t *k, const hl_policy_cfg_t *c, time_t now, hl_err_t *err)
{
	const int *on = c->enabled;

	if (k->is_response)
		FAIL(HL_CHK_LOAD_BUNDLE_FIELDS, "this is an SKR (<Response>), not a KSR");
	for (size_t i = 0; i < k->nbundles; i++)
		if (k->bundles[i].nsigners != 0 && on[HL_CHK_KSR_SIGNER_IGNORED])
			hl_check_warn(HL_CHK_KSR_SIGNER_IGNORED,
				      "bundle %s: %zu <Signer> element(s) ignored",
				      k->bundles[i].id, k->bundles[i].nsigners);
	if (HL_RUN_CHECK(c, HL_CHK_KSR_DOMAIN, check_domain(k, c, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_BUNDLE_UNIQUE, check_unique(k, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_BUNDLE_KEYS, check_bundle_keys(k, c, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_BUNDLE_POP, check_pop(k, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_BUNDLE_COUNT, check_count_cycle(k, c, 0, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_BUNDLE_CYCLE_DURATION, check_count_cycle(k, c, 1, err)) !=
		0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_KEYS, check_policy_keys(k, c, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_ALG, check_alg(k, c, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_TTL, check_ttl(k, c, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_SIG_OVERLAP,
			 check_ranges(k, c, HL_CHK_KSR_POLICY_SIG_OVERLAP, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_SIG_VALIDITY,
			 check_ranges(k, c, HL_CHK_KSR_POLICY_SIG_VALIDITY, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_SIG_HORIZON, check_horizon(k, c, now, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_POLICY_BUNDLE_INTERVALS,
			 check_ranges(k, c, HL_CHK_KSR_POLICY_BUNDLE_INTERVALS, err)) != 0)
		return -1;
	return 0;
}

/* -- the previous SKR and the chain -- */

int hl_check_signatures(const hl_ksr_t *k, hl_check_id_t id, hl_err_t *err)
{
	char why[256];

	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		for (size_t s = 0; s < b->nsigs; s++) {
			const hl_key_t *key = hl_bundle_find_key(b, b->sigs[s].key_id);
			if (key == NULL)
				FAIL(id, "bundle %zu (%s): signer %s is not in the bundle", i + 1,
				     b->id, b->sigs[s].key_id);
			if (hl_dns_verify(b, &b->sigs[s], key, why, sizeof(why)) != 0)
				FAIL(id, "bundle %zu (%s): signature by %s (line %d): %s", i + 1,
				     b->id, key->id, b->sigs[s].line, why);
		}
	}
	return 0;
}

static int check_previous(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	if (!k->is_response)
		FAIL(HL_CHK_SKR_PREVIOUS_VALID, "the previous file is not an SKR");
	if (k->nbundles != c->prev_bundle_count)
		FAIL(HL_CHK_SKR_PREVIOUS_VALID, "%zu bundles, want %u", k->nbundles,
		     c->prev_bundle_count);
	return hl_check_signatures(k, HL_CHK_SKR_PREVIOUS_VALID, err);
}

int hl_check_previous(const hl_ksr_t *k, const hl_policy_cfg_t *c, hl_err_t *err)
{
	return HL_RUN_CHECK(c, HL_CHK_SKR_PREVIOUS_VALID, check_previous(k, c, err));
}

static const hl_key_t *find_pub(const hl_bundle_t *b, const hl_key_t *key)
{
	for (size_t i = 0; i < b->nkeys; i++)
		if (hl_key_same_pub(&b->keys[i], key))
			return &b->keys[i];
	return NULL;
}

static int check_ksr_id(const hl_ksr_t *k, const hl_ksr_t *prev, hl_err_t *err)
{
	if (strcmp(k->id, prev->id) == 0)
		FAIL(HL_CHK_KSR_ID, "KSR id %s equals the previous SKR's", k->id);
	for (size_t i = 0; i < k->nbundles; i++)
		for (size_t j = 0; j < prev->nbundles; j++)
			if (strcmp(k->bundles[i].id, prev->bundles[j].id) == 0)
				FAIL(HL_CHK_KSR_ID, "bundle id %s already in the previous SKR",
				     k->bundles[i].id);
	return 0;
}

static int check_chain_keys(const hl_ksr_t *k, const hl_ksr_t *prev, hl_err_t *err)
{
	const hl_bundle_t *first = &k->bundles[0], *last = &prev->bundles[prev->nbundles - 1];

	for (size_t i = 0; i < first->nkeys; i++)
		if (find_pub(last, &first->keys[i]) == NULL)
			FAIL(HL_CHK_KSR_CHAIN_KEYS,
			     "key %s (tag %u) of the first bundle is not in the previous SKR's "
			     "last bundle (%s)",
			     first->keys[i].id, first->keys[i].tag_stated, last->id);
	return 0;
}

int hl_check_chain(const hl_ksr_t *k, const hl_ksr_t *prev, const hl_policy_cfg_t *c, hl_err_t *err)
{
	const hl_bundle_t *first = &k->bundles[0], *last = &prev->bundles[prev->nbundles - 1];

	if (HL_RUN_CHECK(c, HL_CHK_KSR_ID, check_ksr_id(k, prev, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_KSR_CHAIN_KEYS, check_chain_keys(k, prev, err)) != 0)
		return -1;
	return HL_RUN_CHECK(
	    c, HL_CHK_KSR_CHAIN_OVERLAP,
	    in_range(k, HL_CHK_KSR_CHAIN_OVERLAP, "previous last Expiration - first Inception",
		     (long)(last->expiration - first->inception),
		     rmin(c, HL_CHK_KSR_CHAIN_OVERLAP, k->zsk_policy.min_overlap),
		     rmax(c, HL_CHK_KSR_CHAIN_OVERLAP, k->zsk_policy.max_overlap), err));
}

/* -- after signing -- */

static int signer_published(const hl_bundle_t *b, const hl_key_t *key)
{
	return find_pub(b, key) != NULL;
}

static int check_publish_safety(const hl_ksr_t *k, const hl_ksr_t *prev, const hl_policy_cfg_t *c,
				hl_err_t *err)
{
	const hl_bundle_t *first = &k->bundles[0], *last = &prev->bundles[prev->nbundles - 1];
	time_t t = first->inception - c->ksk.publish_safety;

	for (size_t s = 0; s < first->nsigs; s++) {
		const hl_key_t *key = hl_bundle_find_key(first, first->sigs[s].key_id);
		if (key == NULL || !signer_published(last, key))
			FAIL(HL_CHK_SKR_PUBLISH_SAFETY,
			     "KSK %s signs the first bundle but was not in the previous SKR's last "
			     "bundle",
			     first->sigs[s].key_id);
	}
	if (t < last->inception || t > last->expiration)
		FAIL(HL_CHK_SKR_PUBLISH_SAFETY,
		     "first inception - publish safety falls outside the previous last bundle");
	return 0;
}

static int revoked_by(const hl_ksr_t *k, size_t upto, const hl_key_t *key)
{
	for (size_t i = 0; i <= upto && i < k->nbundles; i++) {
		const hl_key_t *o = find_pub(&k->bundles[i], key);
		if (o != NULL && o->flags == 385)
			return 1;
	}
	return 0;
}

static int check_retire_safety(const hl_ksr_t *k, const hl_ksr_t *prev, const hl_policy_cfg_t *c,
			       hl_err_t *err)
{
	time_t until = k->bundles[0].inception + c->ksk.retire_safety;

	if (prev != NULL) {
		const hl_bundle_t *last = &prev->bundles[prev->nbundles - 1];
		for (size_t s = 0; s < last->nsigs; s++) {
			const hl_key_t *key = hl_bundle_find_key(last, last->sigs[s].key_id);
			for (size_t i = 0; key != NULL && i < k->nbundles; i++)
				if (k->bundles[i].inception <= until &&
				    !signer_published(&k->bundles[i], key))
					FAIL(HL_CHK_SKR_RETIRE_SAFETY,
					     "previous signer %s is not published in bundle %zu "
					     "(within the retire safety)",
					     key->id, i + 1);
		}
	}
	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		for (size_t s = 0; s < b->nsigs; s++) {
			const hl_key_t *key = hl_bundle_find_key(b, b->sigs[s].key_id);
			for (size_t j = i + 1; key != NULL && j < k->nbundles; j++)
				if (!signer_published(&k->bundles[j], key) &&
				    !revoked_by(k, j, key))
					FAIL(HL_CHK_SKR_RETIRE_SAFETY,
					     "KSK %s signs bundle %zu but is missing from bundle "
					     "%zu without being revoked",
					     key->id, i + 1, j + 1);
		}
	}
	return 0;
}

int hl_check_after(const hl_ksr_t *k, const hl_ksr_t *prev, const hl_policy_cfg_t *c, hl_err_t *err)
{
	if ((prev != NULL && HL_RUN_CHECK(c, HL_CHK_SKR_PUBLISH_SAFETY,
					  check_publish_safety(k, prev, c, err)) != 0) ||
	    HL_RUN_CHECK(c, HL_CHK_SKR_RETIRE_SAFETY, check_retire_safety(k, prev, c, err)) != 0 ||
	    HL_RUN_CHECK(c, HL_CHK_SKR_KSK_CONTINUITY,
			 hl_check_ksk_continuity(k, prev, c->hold_down, err)) != 0)
		return -1;
	return 0;
}
