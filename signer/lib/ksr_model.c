/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab signer: ownership of the KSR/SKR model, errors, times and durations. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsmlab/ksr.h"

void hl_err_set(hl_err_t *err, const char *check, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return;
	snprintf(err->check, sizeof(err->check), "%s", check);
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

int hl_serial_valid(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && s[n] == '\0' && n <= 10 && strtoull(s, NULL, 10) <= 4294967295ULL;
}

/* -- ownership -- */

void hl_key_clear(hl_key_t *k)
{
	free(k->id);
	free(k->pub);
	memset(k, 0, sizeof(*k));
}

void hl_sig_clear(hl_sig_t *s)
{
	free(s->key_id);
	free(s->signers_name);
	free(s->data);
	memset(s, 0, sizeof(*s));
}

void hl_bundle_clear(hl_bundle_t *b)
{
	for (size_t i = 0; i < b->nkeys; i++)
		hl_key_clear(&b->keys[i]);
	for (size_t i = 0; i < b->nsigs; i++)
		hl_sig_clear(&b->sigs[i]);
	free(b->keys);
	free(b->sigs);
	free(b->id);
	memset(b, 0, sizeof(*b));
}

void hl_ksr_free(hl_ksr_t *ksr)
{
	if (ksr == NULL)
		return;
	for (size_t i = 0; i < ksr->nbundles; i++)
		hl_bundle_clear(&ksr->bundles[i]);
	free(ksr->bundles);
	free(ksr->path);
	free(ksr->id);
	free(ksr->serial);
	free(ksr->domain);
	free(ksr->timestamp);
	free(ksr);
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = strdup(src);
	return *dst == NULL ? -1 : 0;
}

static int dup_mem(unsigned char **dst, const unsigned char *src, size_t len)
{
	*dst = NULL;
	if (src == NULL || len == 0)
		return 0;
	*dst = malloc(len);
	if (*dst == NULL)
		return -1;
	memcpy(*dst, src, len);
	return 0;
}

int hl_key_copy(hl_key_t *dst, const hl_key_t *src)
{
	*dst = *src;
	if (dup_str(&dst->id, src->id) != 0 || dup_mem(&dst->pub, src->pub, src->publen) != 0) {
		free(dst->id);
		memset(dst, 0, sizeof(*dst));
		return -1;
	}
	return 0;
}

int hl_sig_copy(hl_sig_t *dst, const hl_sig_t *src)
{
	*dst = *src;
	dst->signers_name = NULL;
	dst->data = NULL;
	if (dup_str(&dst->key_id, src->key_id) != 0 ||
	    dup_str(&dst->signers_name, src->signers_name) != 0 ||
	    dup_mem(&dst->data, src->data, src->datalen) != 0) {
		hl_sig_clear(dst);
		return -1;
	}
	return 0;
}

int hl_bundle_add_key(hl_bundle_t *b, const hl_key_t *k)
{
	hl_key_t *n = reallocarray(b->keys, b->nkeys + 1, sizeof(*n));

	if (n == NULL)
		return -1;
	b->keys = n;
	if (hl_key_copy(&b->keys[b->nkeys], k) != 0)
		return -1;
	b->nkeys++;
	return 0;
}

int hl_bundle_add_sig(hl_bundle_t *b, const hl_sig_t *s)
{
	hl_sig_t *n = reallocarray(b->sigs, b->nsigs + 1, sizeof(*n));

	if (n == NULL)
		return -1;
	b->sigs = n;
	if (hl_sig_copy(&b->sigs[b->nsigs], s) != 0)
		return -1;
	b->nsigs++;
	return 0;
}

static int bundle_copy(hl_bundle_t *dst, const hl_bundle_t *src)
{
	memset(dst, 0, sizeof(*dst));
	dst->line = src->line;
	dst->inception = src->inception;
	dst->expiration = src->expiration;
	dst->nsigners = src->nsigners;
	if (dup_str(&dst->id, src->id) != 0)
		return -1;
	for (size_t i = 0; i < src->nkeys; i++)
		if (hl_bundle_add_key(dst, &src->keys[i]) != 0)
			return -1;
	for (size_t i = 0; i < src->nsigs; i++)
		if (hl_bundle_add_sig(dst, &src->sigs[i]) != 0)
			return -1;
	return 0;
}

hl_ksr_t *hl_ksr_dup(const hl_ksr_t *src)
{
	hl_ksr_t *k = calloc(1, sizeof(*k));

	if (k == NULL)
		return NULL;
	k->is_response = src->is_response;
	memcpy(k->sha256, src->sha256, sizeof(k->sha256));
	k->ksk_policy = src->ksk_policy;
	k->zsk_policy = src->zsk_policy;
	if (dup_str(&k->path, src->path) != 0 || dup_str(&k->id, src->id) != 0 ||
	    dup_str(&k->serial, src->serial) != 0 || dup_str(&k->domain, src->domain) != 0 ||
	    dup_str(&k->timestamp, src->timestamp) != 0)
		goto fail;
	k->bundles = calloc(src->nbundles ? src->nbundles : 1, sizeof(*k->bundles));
	if (k->bundles == NULL)
		goto fail;
	for (size_t i = 0; i < src->nbundles; i++) {
		k->nbundles = i + 1;
		if (bundle_copy(&k->bundles[i], &src->bundles[i]) != 0)
			goto fail;
	}
	return k;
fail:
	hl_ksr_free(k);
	return NULL;
}

/* -- time -- */

/* Whether s has the digits and separators of YYYY-MM-DDTHH:MM:SS (sscanf alone would also
 * take signs and blanks in the fields, " 17" or "+7", that the writer never gives back). */
static int time_shape_ok(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd";

	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		if (shape[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != shape[i])
			return 0;
	return 1;
}

int hl_time_parse(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int n = 0;
	time_t t;

	struct tm back;
	int mday;

	if (!time_shape_ok(s) ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -1;
	mday = tm.tm_mday;
	if (strcmp(s + n, "") != 0 && strcmp(s + n, "+00:00") != 0 && strcmp(s + n, "Z") != 0)
		return -1;
	/* Before 1970 no DNSSEC time exists (and "0017" would not survive the writer). */
	if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	/* timegm would turn 2018-02-30 into March 2: refuse dates that do not exist */
	if (t == (time_t)-1 || gmtime_r(&t, &back) == NULL || back.tm_mday != mday)
		return -1;
	*out = t;
	return 0;
}

void hl_time_format(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
}

int hl_duration_parse(const char *s, long *seconds_out)
{
	long total = 0, v;
	int in_time = 0, any = 0;
	char *end;

	if (*s++ != 'P')
		return -1;
	while (*s != '\0') {
		if (*s == 'T') {
			if (in_time)
				return -1;
			in_time = 1;
			s++;
			continue;
		}
		if (*s < '0' || *s > '9')
			return -1;
		v = strtol(s, &end, 10);
		if (v < 0 || v > 100000000L)
			return -1;
		s = end;
		if (*s == 'D' && !in_time)
			total += v * 86400;
		else if (*s == 'W' && !in_time)
			total += v * 7 * 86400;
		else if (*s == 'H' && in_time)
			total += v * 3600;
		else if (*s == 'M' && in_time)
			total += v * 60;
		else if (*s == 'S' && in_time)
			total += v;
		else
			return -1; /* years and months have no fixed length */
		s++;
		any = 1;
	}
	if (!any)
		return -1;
	*seconds_out = total;
	return 0;
}

void hl_duration_format(long sec, char *buf, size_t len)
{
	long d = sec / 86400, h = (sec % 86400) / 3600, m = (sec % 3600) / 60, s = sec % 60;
	size_t off;

	if (sec == 0) {
		snprintf(buf, len, "PT0S");
		return;
	}
	off = (size_t)snprintf(buf, len, "P");
	if (d && off < len)
		off += (size_t)snprintf(buf + off, len - off, "%ldD", d);
	if ((h || m || s) && off < len) {
		off += (size_t)snprintf(buf + off, len - off, "T");
		if (h && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%ldH", h);
		if (m && off < len)
			off += (size_t)snprintf(buf + off, len - off, "%ldM", m);
		if (s && off < len)
			snprintf(buf + off, len - off, "%ldS", s);
	}
}
