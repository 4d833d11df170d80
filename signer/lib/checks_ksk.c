/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: SKR-KSK-CONTINUITY. A resolver following RFC 5011 restarts its hold-down
 * timer for a new KSK that vanishes from the DNSKEY RRset and comes back, and forgets a
 * revoked KSK only after it has seen it revoked for the hold-down time. So a KSK, once
 * published (in the previous SKR's last bundle or in a bundle of this one), stays published
 * in every later bundle, unless it has been published revoked for the hold-down first. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "hsmlab/checks.h"
#include "hsmlab/dnssec.h"

#define MAX_KSKS 32

static const hl_key_t *find_pub(const hl_bundle_t *b, const hl_key_t *key)
{
	for (size_t i = 0; i < b->nkeys; i++)
		if (hl_key_same_pub(&b->keys[i], key))
			return &b->keys[i];
	return NULL;
}

static int is_ksk(const hl_key_t *k)
{
	return k->flags == 257 || k->flags == 385;
}

/* Every distinct KSK of prev's last bundle and of k, once. */
static size_t collect(const hl_ksr_t *k, const hl_ksr_t *prev, const hl_key_t **out)
{
	size_t n = 0;
	const hl_bundle_t *last = prev ? &prev->bundles[prev->nbundles - 1] : NULL;

	for (size_t i = 0; i <= k->nbundles; i++) {
		const hl_bundle_t *b = i == 0 ? last : &k->bundles[i - 1];
		for (size_t j = 0; b != NULL && j < b->nkeys; j++) {
			size_t x;
			if (!is_ksk(&b->keys[j]))
				continue;
			for (x = 0; x < n && !hl_key_same_pub(out[x], &b->keys[j]); x++)
				;
			if (x == n && n < MAX_KSKS)
				out[n++] = &b->keys[j];
		}
	}
	return n;
}

/* When the key was first published revoked in the run of revoked bundles that ends prev (0:
 * it is not revoked in prev's last bundle). */
static time_t revoked_in_prev(const hl_ksr_t *prev, const hl_key_t *key)
{
	time_t since = 0;

	for (size_t i = prev ? prev->nbundles : 0; i-- > 0;) {
		const hl_key_t *o = find_pub(&prev->bundles[i], key);
		if (o == NULL || o->flags != 385)
			break;
		since = prev->bundles[i].inception;
	}
	return since;
}

static int fail(hl_err_t *err, const hl_ksr_t *k, const hl_key_t *key, size_t i, const char *why)
{
	hl_err_set(err, hl_check_name(HL_CHK_SKR_KSK_CONTINUITY),
		   "%s: KSK %s (tag %u) %s bundle %zu (%s)", k->path ? k->path : "-", key->id,
		   hl_dns_keytag(key, 257), why, i + 1, k->bundles[i].id);
	return -1;
}

static int one_key(const hl_ksr_t *k, const hl_ksr_t *prev, const hl_key_t *key, long hold_down,
		   hl_err_t *err)
{
	const hl_bundle_t *last = prev ? &prev->bundles[prev->nbundles - 1] : NULL;
	int shown = last != NULL && find_pub(last, key) != NULL;
	time_t since = shown ? revoked_in_prev(prev, key) : 0;
	char m[160], d[32], h[32];

	for (size_t i = 0; i < k->nbundles; i++) {
		const hl_bundle_t *b = &k->bundles[i];
		const hl_key_t *o = find_pub(b, key);
		if (o != NULL) {
			if (o->flags == 385 && since == 0)
				since = b->inception;
			else if (o->flags != 385)
				since = 0;
			shown = 1;
			continue;
		}
		if (!shown)
			continue;
		if (since == 0)
			return fail(err, k, key, i,
				    i == 0
					? "is published in the previous SKR's last bundle but "
					  "missing, without having been revoked, from"
					: "is published but missing, without having been revoked, "
					  "from");
		if ((long)(b->inception - since) < hold_down) {
			hl_duration_format((long)(b->inception - since), d, sizeof(d));
			hl_duration_format(hold_down, h, sizeof(h));
			snprintf(m, sizeof(m),
				 "was published revoked for only %s (the hold-down is %s) before "
				 "leaving",
				 d, h);
			return fail(err, k, key, i, m);
		}
		shown = 0; /* gone after its hold-down: it may come back, e.g. revoked again */
		since = 0;
	}
	return 0;
}

int hl_check_ksk_continuity(const hl_ksr_t *k, const hl_ksr_t *prev, long hold_down, hl_err_t *err)
{
	const hl_key_t *keys[MAX_KSKS];
	size_t n = collect(k, prev, keys);

	for (size_t i = 0; i < n; i++)
		if (one_key(k, prev, keys[i], hold_down, err) != 0)
			return -1;
	return 0;
}
