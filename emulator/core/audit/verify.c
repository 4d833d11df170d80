/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator audit log: offline verification of an export. Reads every line first, then
 * checks each record on its own (hash, HMAC) and the records together (sequence, chain, end
 * line), so it can say where a record was changed, dropped, inserted or moved. Version 2
 * exports name the key of each HMAC: one the verifier does not hold is no problem in itself
 * (another device's or domain's), and an intact chain carries the authentication of a later
 * record (or of the end line) back to every record before it. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "crypto/hl_crypto.h"

/* Which key an HMAC names (version 2) and whether the verifier holds it. */
typedef struct {
	bool domain;
	uint8_t id[HL_AUDIT_KEY_ID_LEN];
	char ref[HL_AUDIT_KEYREF_LEN];
	bool known, ok; /* a given key has that id (v1: a key was given); the HMAC verified */
} vkey_t;

typedef struct {
	size_t line;
	audit_rec_t r;
	uint8_t hash[HL_AUDIT_HASH_LEN], mac[HL_AUDIT_HASH_LEN];
	vkey_t k;
	bool hash_ok, mac_ok, dup;
} vrec_t;

typedef struct {
	const uint8_t (*keys)[HL_AUDIT_KEY_LEN];
	uint8_t (*ids)[HL_AUDIT_KEY_ID_LEN];
	size_t n_keys;
	unsigned version;
	hl_audit_report_t *rep;
	vrec_t *v;
	size_t n;
	bool have_end;
	size_t end_line;
	uint64_t end_count;
	uint8_t end_last[HL_AUDIT_HASH_LEN], end_mac[HL_AUDIT_HASH_LEN];
	vkey_t end_k;
} vctx_t;

static const char *const problem_names[] = {
	[HL_AUDIT_MALFORMED] = "malformed", [HL_AUDIT_CHANGED] = "changed",
	[HL_AUDIT_FORGED] = "forged",       [HL_AUDIT_DROPPED] = "dropped",
	[HL_AUDIT_INSERTED] = "inserted",   [HL_AUDIT_REORDERED] = "reordered",
	[HL_AUDIT_TRUNCATED] = "truncated", [HL_AUDIT_CHAIN] = "chain-broken",
};

const char *hl_audit_problem_name(hl_audit_problem_kind_t kind)
{
	if ((unsigned)kind >= sizeof(problem_names) / sizeof(problem_names[0]))
		return "?";
	return problem_names[kind];
}

static void problem(vctx_t *c, hl_audit_problem_kind_t kind, size_t line, uint64_t seq,
		    const char *fmt, ...)
{
	hl_audit_report_t *rep = c->rep;
	if (rep->n_problems < HL_AUDIT_MAX_PROBLEMS) {
		hl_audit_problem_t *p = &rep->problems[rep->n_problems];
		va_list ap;
		p->kind = kind;
		p->line = line;
		p->seq = seq;
		va_start(ap, fmt);
		vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
		va_end(ap);
	}
	rep->n_problems++;
}

/* -- parsing -- */

/* Splits line at single spaces into at most max fields; returns the count. */
static size_t split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *save = NULL;
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (n == max)
			return max + 1;
		f[n++] = t;
	}
	return n;
}

static bool parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	if (!*s || *s == '-' || *s == '+')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end)
		return false;
	*out = (uint64_t)v;
	return true;
}

/* Version 2: the key reference before the mac. */
static bool parse_keyref(const char *s, vkey_t *k)
{
	if (!audit_parse_keyref(s, &k->domain, k->id) || strlen(s) >= sizeof(k->ref))
		return false;
	strcpy(k->ref, s);
	return true;
}

static bool parse_record(char **f, vrec_t *v, unsigned version)
{
	uint64_t seq = 0, t = 0;
	char iso[HL_CLOCK_ISO_LEN];
	if (!parse_u64(f[0], &seq) || seq == 0)
		return false;
	if (f[1][0] == '-' ? !parse_u64(f[1] + 1, &t) : !parse_u64(f[1], &t))
		return false;
	v->r.seq = seq;
	v->r.time = f[1][0] == '-' ? -(int64_t)t : (int64_t)t;
	/* The readable stamp is for people; it must agree with the hashed number. */
	if (hl_clock_format(v->r.time, iso, sizeof(iso)) == HL_OK ? strcmp(iso, f[2]) != 0
								  : strcmp("-", f[2]) != 0)
		return false;
	if (!audit_unescape(f[3]) || !audit_unescape(f[4]) || !audit_unescape(f[5]))
		return false;
	v->r.event = f[3];
	v->r.subject = f[4];
	v->r.details = f[5];
	if (version >= 2 && !parse_keyref(f[8], &v->k))
		return false;
	return audit_parse_hex(f[6], v->r.prev, HL_AUDIT_HASH_LEN) &&
	       audit_parse_hex(f[7], v->hash, HL_AUDIT_HASH_LEN) &&
	       audit_parse_hex(f[version >= 2 ? 9 : 8], v->mac, HL_AUDIT_HASH_LEN);
}

static bool parse_end(vctx_t *c, char **f, size_t nf, size_t line)
{
	size_t want = c->version >= 2 ? 5 : 4;
	if (nf != want || strcmp(f[0], "end") != 0 || !parse_u64(f[1], &c->end_count) ||
	    !audit_parse_hex(f[2], c->end_last, HL_AUDIT_HASH_LEN) ||
	    (want == 5 && !parse_keyref(f[3], &c->end_k)) ||
	    !audit_parse_hex(f[want - 1], c->end_mac, HL_AUDIT_HASH_LEN))
		return false;
	c->have_end = true;
	c->end_line = line;
	return true;
}

/* Parses every line of text (modified in place); record strings point into it. */
/* The header line: "hsmlab-audit <version> <serial>", versions 1 and 2. */
static bool parse_header(vctx_t *c, char **f, size_t nf)
{
	if (nf != 3 || strcmp(f[0], "hsmlab-audit") != 0)
		return false;
	if (strcmp(f[1], "1") == 0)
		c->version = 1;
	else if (strcmp(f[1], "2") == 0)
		c->version = 2;
	else
		return false;
	if (!audit_unescape(f[2]) || strlen(f[2]) >= sizeof(c->rep->serial))
		return false;
	strcpy(c->rep->serial, f[2]);
	c->rep->version = c->version;
	return true;
}

static hl_status_t parse_all(vctx_t *c, char *text)
{
	char *f[11];
	size_t line = 0, cap = 0;
	for (char *l = text, *nl; l && *l; l = nl) {
		nl = strchr(l, '\n');
		if (nl)
			*nl++ = '\0';
		line++;
		size_t nf = split(l, f, 10);
		if (line == 1) {
			if (!parse_header(c, f, nf)) {
				problem(c, HL_AUDIT_MALFORMED, 1, 0,
					"not an hsmlab audit export header (versions 1 and 2 "
					"are known)");
				return HL_OK;
			}
			continue;
		}
		if (c->have_end) {
			problem(c, HL_AUDIT_INSERTED, line, 0, "text after the end line");
			continue;
		}
		if (nf >= 4 && strcmp(f[0], "end") == 0 && parse_end(c, f, nf, line))
			continue;
		if (c->n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			vrec_t *nv = reallocarray(c->v, ncap, sizeof(*nv));
			if (!nv)
				return HL_ERR_NOMEM;
			c->v = nv;
			cap = ncap;
		}
		vrec_t *v = &c->v[c->n];
		memset(v, 0, sizeof(*v));
		v->line = line;
		if (nf != (c->version >= 2 ? 10u : 9u) || !parse_record(f, v, c->version)) {
			problem(c, HL_AUDIT_MALFORMED, line, 0, "not a record line");
			continue;
		}
		c->n++;
	}
	if (line == 0)
		problem(c, HL_AUDIT_MALFORMED, 1, 0, "empty file");
	return HL_OK;
}

/* -- checks -- */

/* The given key an HMAC needs: by its id (version 2), keys[0] for a version-1 export. */
static const uint8_t *key_for(const vctx_t *c, vkey_t *k)
{
	k->known = false;
	for (size_t i = 0; i < c->n_keys; i++)
		if (c->version < 2 || hl_crypto_memeq(c->ids[i], k->id, HL_AUDIT_KEY_ID_LEN)) {
			k->known = true;
			return c->keys[i];
		}
	return NULL;
}

static hl_status_t check_each(vctx_t *c)
{
	uint8_t h[HL_AUDIT_HASH_LEN], m[HL_AUDIT_HASH_LEN];
	for (size_t i = 0; i < c->n; i++) {
		vrec_t *v = &c->v[i];
		hl_status_t st = audit_hash(c->rep->serial, &v->r, h);
		if (st != HL_OK)
			return st;
		v->hash_ok = hl_crypto_memeq(h, v->hash, sizeof(h));
		v->mac_ok = true; /* unless a key we hold says otherwise */
		const uint8_t *key = key_for(c, &v->k);
		if (key) {
			st = audit_mac(key, v->k.domain ? v->k.id : NULL, v->hash, m);
			if (st != HL_OK)
				return st;
			v->mac_ok = v->k.ok = hl_crypto_memeq(m, v->mac, sizeof(m));
		}
	}
	return HL_OK;
}

static int by_seq(const void *a, const void *b)
{
	const vrec_t *x = *(const vrec_t *const *)a, *y = *(const vrec_t *const *)b;
	if (x->r.seq != y->r.seq)
		return x->r.seq < y->r.seq ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* How much a record looks like the genuine one of its sequence number. */
static int genuineness(vrec_t **s, size_t n, size_t i)
{
	int score = (s[i]->hash_ok ? 2 : 0) + (s[i]->mac_ok ? 2 : 0);
	static const uint8_t zero[HL_AUDIT_HASH_LEN];
	if (s[i]->r.seq == 1 && memcmp(s[i]->r.prev, zero, sizeof(zero)) == 0)
		score++;
	for (size_t k = 0; k < n; k++)
		if (s[k]->r.seq + 1 == s[i]->r.seq && s[k]->hash_ok &&
		    memcmp(s[k]->hash, s[i]->r.prev, HL_AUDIT_HASH_LEN) == 0)
			score++;
	return score;
}

/* Two records with one sequence number: the one that fits the chain stays, the others are
 * reported as inserted. */
static void check_duplicates(vctx_t *c, vrec_t **s)
{
	for (size_t i = 0; i < c->n;) {
		size_t j = i + 1, best = i;
		while (j < c->n && s[j]->r.seq == s[i]->r.seq)
			j++;
		for (size_t k = i + 1; k < j; k++)
			if (genuineness(s, c->n, k) > genuineness(s, c->n, best))
				best = k;
		for (size_t k = i; k < j; k++) {
			if (k == best)
				continue;
			s[k]->dup = true;
			problem(c, HL_AUDIT_INSERTED, s[k]->line, s[k]->r.seq,
				"record seq %llu at line %zu does not belong to the chain "
				"(seq %llu is also at line %zu)",
				(unsigned long long)s[k]->r.seq, s[k]->line,
				(unsigned long long)s[best]->r.seq, s[best]->line);
		}
		i = j;
	}
}

static void check_content(vctx_t *c, vrec_t **s, size_t n)
{
	static const uint8_t zero[HL_AUDIT_HASH_LEN];
	for (size_t i = 0; i < n; i++) {
		const vrec_t *v = s[i];
		unsigned long long seq = (unsigned long long)v->r.seq;
		if (!v->hash_ok)
			problem(c, HL_AUDIT_CHANGED, v->line, v->r.seq,
				"record seq %llu was changed: it does not match its hash", seq);
		else if (!v->mac_ok)
			problem(c, HL_AUDIT_FORGED, v->line, v->r.seq,
				"record seq %llu: HMAC fails (rewritten without the audit key)",
				seq);
		if (v->r.seq == 1 && v->hash_ok && memcmp(v->r.prev, zero, sizeof(zero)) != 0)
			problem(c, HL_AUDIT_CHAIN, v->line, 1,
				"record seq 1 does not start the chain");
		if (i + 1 < n && s[i + 1]->r.seq == v->r.seq + 1 && v->hash_ok &&
		    s[i + 1]->hash_ok && memcmp(s[i + 1]->r.prev, v->hash, HL_AUDIT_HASH_LEN))
			problem(c, HL_AUDIT_CHANGED, v->line, v->r.seq,
				"record seq %llu was rewritten: seq %llu (line %zu) links to a "
				"different record",
				seq, seq + 1, s[i + 1]->line);
	}
}

static void check_gaps(vctx_t *c, vrec_t **s, size_t n)
{
	if (n && s[0]->r.seq != 1)
		problem(c, HL_AUDIT_DROPPED, s[0]->line, 1,
			"records seq 1..%llu dropped (the log starts at seq %llu, line %zu)",
			(unsigned long long)s[0]->r.seq - 1, (unsigned long long)s[0]->r.seq,
			s[0]->line);
	for (size_t i = 1; i < n; i++)
		if (s[i]->r.seq > s[i - 1]->r.seq + 1)
			problem(c, HL_AUDIT_DROPPED, s[i]->line, s[i - 1]->r.seq + 1,
				"records seq %llu..%llu dropped (between seq %llu at line %zu and "
				"seq %llu at line %zu)",
				(unsigned long long)s[i - 1]->r.seq + 1,
				(unsigned long long)s[i]->r.seq - 1,
				(unsigned long long)s[i - 1]->r.seq, s[i - 1]->line,
				(unsigned long long)s[i]->r.seq, s[i]->line);
}

static void check_order(vctx_t *c)
{
	uint64_t max = 0;
	size_t max_line = 0;
	for (size_t i = 0; i < c->n; i++) {
		const vrec_t *v = &c->v[i];
		if (v->dup)
			continue;
		if (v->r.seq < max)
			problem(c, HL_AUDIT_REORDERED, v->line, v->r.seq,
				"record seq %llu at line %zu comes after seq %llu (line %zu)",
				(unsigned long long)v->r.seq, v->line, (unsigned long long)max,
				max_line);
		else {
			max = v->r.seq;
			max_line = v->line;
		}
	}
}

static hl_status_t check_end(vctx_t *c, vrec_t **s, size_t n, size_t last_line)
{
	static const uint8_t zero[HL_AUDIT_HASH_LEN];
	uint8_t m[HL_AUDIT_HASH_LEN];
	const vrec_t *top = n ? s[n - 1] : NULL;
	uint64_t top_seq = top ? top->r.seq : 0;
	if (!c->have_end) {
		problem(c, HL_AUDIT_TRUNCATED, last_line + 1, top_seq + 1,
			"no end line: the export was cut after line %zu", last_line);
		return HL_OK;
	}
	if (c->end_count > top_seq)
		problem(c, HL_AUDIT_DROPPED, c->end_line, top_seq + 1,
			"records seq %llu..%llu dropped from the end (the end line counts %llu)",
			(unsigned long long)top_seq + 1, (unsigned long long)c->end_count,
			(unsigned long long)c->end_count);
	else if (c->end_count < top_seq)
		problem(c, HL_AUDIT_INSERTED, top->line, top_seq,
			"records after seq %llu were added (the end line counts %llu)",
			(unsigned long long)c->end_count, (unsigned long long)c->end_count);
	else if (memcmp(c->end_last, top ? top->hash : zero, HL_AUDIT_HASH_LEN) != 0)
		problem(c, HL_AUDIT_CHANGED, top ? top->line : c->end_line, top_seq,
			"the end line does not close the chain at seq %llu",
			(unsigned long long)top_seq);
	const uint8_t *key = key_for(c, &c->end_k);
	if (key) {
		hl_status_t st = audit_end_mac(key, c->end_k.domain ? c->end_k.id : NULL,
					       c->end_count, c->end_last, m);
		if (st != HL_OK)
			return st;
		c->end_k.ok = hl_crypto_memeq(m, c->end_mac, sizeof(m));
		if (!c->end_k.ok)
			problem(c, HL_AUDIT_FORGED, c->end_line, 0,
				"end line: HMAC fails (rewritten without the audit key)");
	}
	return HL_OK;
}

/* With keys given and no problem: what no given key covers. The chain is intact, so a
 * record authenticated by its HMAC vouches for every record before it, and the end line
 * (count and last hash) for all of them; what comes after the last one we could check is
 * not authenticated, and its key is named. */
static void coverage(vctx_t *c, vrec_t **s, size_t n)
{
	hl_audit_report_t *rep = c->rep;
	if (!c->n_keys || rep->n_problems || c->end_k.known)
		return;
	size_t first = 0; /* index in s of the first record nothing vouches for */
	for (size_t i = n; i > 0; i--)
		if (s[i - 1]->k.known) {
			first = i;
			break;
		}
	rep->unauthenticated = n - first;
	rep->first_unauthenticated = first < n ? s[first]->r.seq : 0;
	snprintf(rep->missing_key, sizeof(rep->missing_key), "%s", c->end_k.ref);
}

/* -- public API -- */

static hl_status_t verify(vctx_t *c, char *text, size_t *lines)
{
	vrec_t **s = NULL;
	size_t n = 0;
	hl_status_t st = parse_all(c, text);
	if (st != HL_OK || c->rep->n_problems)
		return st; /* unreadable lines: nothing more can be said reliably */
	st = check_each(c);
	if (st != HL_OK)
		return st;
	s = calloc(c->n ? c->n : 1, sizeof(*s));
	if (!s)
		return HL_ERR_NOMEM;
	for (size_t i = 0; i < c->n; i++)
		s[i] = &c->v[i];
	qsort(s, c->n, sizeof(*s), by_seq);
	check_duplicates(c, s);
	for (size_t i = 0; i < c->n; i++) /* drop the inserted ones from the sorted view */
		if (!s[i]->dup)
			s[n++] = s[i];
	check_content(c, s, n);
	check_gaps(c, s, n);
	check_order(c);
	st = check_end(c, s, n, *lines);
	if (st == HL_OK)
		coverage(c, s, n);
	free(s);
	return st;
}

hl_status_t hl_audit_verify_buf_keys(const char *text, size_t len,
				     const uint8_t (*keys)[HL_AUDIT_KEY_LEN], size_t n_keys,
				     hl_audit_report_t *report)
{
	vctx_t c = { .keys = keys, .n_keys = keys ? n_keys : 0, .rep = report };
	size_t lines = 0;
	char *copy = NULL;
	hl_status_t st = HL_OK;
	if (!text || !report)
		return HL_ERR_ARGS;
	memset(report, 0, sizeof(*report));
	copy = calloc(len + 1, 1);
	c.ids = calloc(c.n_keys ? c.n_keys : 1, sizeof(*c.ids));
	if (!copy || !c.ids) {
		free(copy);
		free(c.ids);
		return HL_ERR_NOMEM;
	}
	for (size_t i = 0; st == HL_OK && i < c.n_keys; i++)
		st = hl_audit_key_id(keys[i], c.ids[i]);
	memcpy(copy, text, len);
	if (memchr(text, '\0', len))
		problem(&c, HL_AUDIT_MALFORMED, 0, 0, "NUL byte in the export");
	for (size_t i = 0; i < len; i++)
		lines += text[i] == '\n';
	if (len && text[len - 1] != '\n')
		lines++;
	if (st == HL_OK && !report->n_problems)
		st = verify(&c, copy, &lines);
	report->records = c.n;
	report->authenticated = c.n_keys && report->n_problems == 0 && c.end_k.known;
	if (st == HL_OK && report->n_problems)
		st = HL_ERR_AUDIT_BROKEN;
	free(c.v);
	free(c.ids);
	free(copy);
	return st;
}

hl_status_t hl_audit_verify_buf(const char *text, size_t len, const uint8_t *key,
				hl_audit_report_t *report)
{
	return hl_audit_verify_buf_keys(text, len, (const uint8_t(*)[HL_AUDIT_KEY_LEN])key,
					key ? 1 : 0, report);
}

hl_status_t hl_audit_verify_file(const char *path, const uint8_t *key, hl_audit_report_t *report)
{
	return hl_audit_verify_file_keys(path, (const uint8_t(*)[HL_AUDIT_KEY_LEN])key, key ? 1 : 0,
					 report);
}

hl_status_t hl_audit_verify_file_keys(const char *path, const uint8_t (*keys)[HL_AUDIT_KEY_LEN],
				      size_t n_keys, hl_audit_report_t *report)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	hl_status_t st = HL_OK;
	if (!path || !report)
		return HL_ERR_ARGS;
	f = fopen(path, "r");
	if (!f)
		return HL_ERR_IO;
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			char *nb = reallocarray(buf, ncap, 1);
			if (!nb) {
				st = HL_ERR_NOMEM;
				goto out;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		st = HL_ERR_IO;
		goto out;
	}
	st = hl_audit_verify_buf_keys(buf ? buf : "", len, keys, n_keys, report);
out:
	fclose(f);
	free(buf);
	return st;
}
