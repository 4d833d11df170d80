/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator audit log: appending records to the device store's audit table, and
 * exporting them. The store keeps the rows; this layer decides what a record says and
 * chains, hashes and authenticates it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "crypto/hl_crypto.h"
#include "store/hl_store.h"
#include "util/hl_file.h"

struct hl_audit {
	hl_store_t *store; /* borrowed */
	char *serial;
	uint8_t key[HL_AUDIT_KEY_LEN]; /* the device's own key */
	uint8_t key_id[HL_AUDIT_KEY_ID_LEN];
	bool has_domain; /* new records are keyed by the domain key below */
	uint8_t dom_key[HL_AUDIT_KEY_LEN], dom_id[HL_AUDIT_KEY_ID_LEN];
	const hl_clock_t *clock; /* borrowed, may be NULL */
};

static const char *const event_names[] = {
#define HL_AUDIT_EVENT_NAME(name, text) text,
	HL_AUDIT_EVENT_LIST(HL_AUDIT_EVENT_NAME)
#undef HL_AUDIT_EVENT_NAME
};

/* -- public API -- */

const char *hl_audit_event_name(hl_audit_event_t ev)
{
	if ((unsigned)ev >= HL_AUDIT_EVENT_COUNT)
		return "?";
	return event_names[ev];
}

static hl_status_t derive(const uint8_t *secret, size_t len, const char *label,
			  uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	if (!secret || !len || !key_out)
		return HL_ERR_ARGS;
	return hl_crypto_hmac_sha256(secret, len, (const uint8_t *)label, strlen(label), key_out);
}

hl_status_t hl_audit_key_derive(const uint8_t *secret, size_t secret_len,
				uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	return derive(secret, secret_len, "hsmlab audit key v1", key_out);
}

hl_status_t hl_audit_domain_key_derive(const uint8_t *domain_secret, size_t secret_len,
				       uint8_t key_out[HL_AUDIT_KEY_LEN])
{
	return derive(domain_secret, secret_len, "hsmlab audit domain key v1", key_out);
}

hl_status_t hl_audit_key_id(const uint8_t key[HL_AUDIT_KEY_LEN],
			    uint8_t id_out[HL_AUDIT_KEY_ID_LEN])
{
	static const char label[] = "hsmlab audit key id v1";
	uint8_t in[sizeof(label) - 1 + HL_AUDIT_KEY_LEN], h[32];
	if (!key || !id_out)
		return HL_ERR_ARGS;
	memcpy(in, label, sizeof(label) - 1);
	memcpy(in + sizeof(label) - 1, key, HL_AUDIT_KEY_LEN);
	hl_status_t st = hl_crypto_sha256(in, sizeof(in), h);
	if (st == HL_OK)
		memcpy(id_out, h, HL_AUDIT_KEY_ID_LEN);
	hl_crypto_wipe(in, sizeof(in));
	return st;
}

hl_status_t hl_audit_open(hl_store_t *store, const char *serial,
			  const uint8_t key[HL_AUDIT_KEY_LEN], const hl_clock_t *clock,
			  hl_audit_t **out)
{
	hl_audit_t *a = NULL;
	hl_status_t st = HL_OK;
	if (!store || !serial || !*serial || strlen(serial) > 64 || !key || !out)
		return HL_ERR_ARGS;
	a = calloc(1, sizeof(*a));
	if (!a || !(a->serial = strdup(serial))) {
		st = HL_ERR_NOMEM;
		goto out;
	}
	a->store = store;
	a->clock = clock;
	memcpy(a->key, key, HL_AUDIT_KEY_LEN);
	st = hl_audit_key_id(key, a->key_id);
	if (st != HL_OK)
		goto out;
	*out = a;
	a = NULL;
out:
	hl_audit_free(a);
	return st;
}

void hl_audit_free(hl_audit_t *a)
{
	if (!a)
		return;
	hl_crypto_wipe(a->key, sizeof(a->key));
	hl_crypto_wipe(a->dom_key, sizeof(a->dom_key));
	free(a->serial);
	free(a);
}

hl_status_t hl_audit_set_domain_key(hl_audit_t *a, const uint8_t *domain_key)
{
	if (!a)
		return HL_ERR_ARGS;
	if (!domain_key) {
		hl_crypto_wipe(a->dom_key, sizeof(a->dom_key));
		a->has_domain = false;
		return HL_OK;
	}
	hl_status_t st = hl_audit_key_id(domain_key, a->dom_id);
	if (st == HL_OK) {
		memcpy(a->dom_key, domain_key, HL_AUDIT_KEY_LEN);
		a->has_domain = true;
	}
	return st;
}

typedef struct {
	hl_audit_t *a;
	audit_rec_t r;
	uint8_t hash[HL_AUDIT_HASH_LEN], mac[HL_AUDIT_HASH_LEN];
} append_t;

/* The record after last (NULL: the first), chained, hashed and authenticated. */
static hl_status_t make_record(void *ctx, const hl_store_audit_row_t *last,
			       hl_store_audit_row_t *row)
{
	append_t *c = ctx;
	hl_audit_t *a = c->a;
	hl_status_t st = HL_OK;
	if (last && (last->hash_len != HL_AUDIT_HASH_LEN || last->seq < 1))
		return HL_ERR_STORE_CORRUPT;
	c->r.seq = last ? last->seq + 1 : 1;
	if (last)
		memcpy(c->r.prev, last->hash, HL_AUDIT_HASH_LEN);
	c->r.time = hl_clock_now(a->clock);
	st = audit_hash(a->serial, &c->r, c->hash);
	if (st == HL_OK && a->has_domain)
		st = audit_mac(a->dom_key, a->dom_id, c->hash, c->mac);
	else if (st == HL_OK)
		st = audit_mac(a->key, NULL, c->hash, c->mac);
	*row = (hl_store_audit_row_t){
		.seq = c->r.seq,
		.time = c->r.time,
		.event = c->r.event,
		.subject = c->r.subject,
		.details = c->r.details,
		.prev = c->r.prev,
		.prev_len = HL_AUDIT_HASH_LEN,
		.hash = c->hash,
		.hash_len = HL_AUDIT_HASH_LEN,
		.mac = c->mac,
		.mac_len = HL_AUDIT_HASH_LEN,
		.keyid = a->has_domain ? a->dom_id : NULL,
		.keyid_len = a->has_domain ? HL_AUDIT_KEY_ID_LEN : 0,
	};
	return st;
}

hl_status_t hl_audit_append(hl_audit_t *a, hl_audit_event_t ev, const char *subject,
			    const char *details, uint64_t *seq_out)
{
	if (!a || (unsigned)ev >= HL_AUDIT_EVENT_COUNT)
		return HL_ERR_ARGS;
	append_t c = { .a = a };
	c.r.event = event_names[ev];
	c.r.subject = subject ? subject : "";
	c.r.details = details ? details : "";
	hl_status_t st = hl_store_audit_append(a->store, make_record, &c);
	if (st == HL_OK && seq_out)
		*seq_out = c.r.seq;
	return st;
}

hl_status_t hl_audit_count(hl_audit_t *a, uint64_t *count_out)
{
	if (!a || !count_out)
		return HL_ERR_ARGS;
	return hl_store_audit_count(a->store, count_out);
}

/* -- export -- */

typedef struct {
	hl_audit_t *a;
	FILE *f;
	uint64_t count;
	uint8_t last[HL_AUDIT_HASH_LEN];
} export_t;

/* Version 2 record line: ... prev hash keyref mac (keyref: which key authenticates it). */
static hl_status_t write_record(void *ctx, const hl_store_audit_row_t *r)
{
	export_t *x = ctx;
	char iso[HL_CLOCK_ISO_LEN] = "-", ref[HL_AUDIT_KEYREF_LEN];
	if (r->prev_len != HL_AUDIT_HASH_LEN || r->hash_len != HL_AUDIT_HASH_LEN ||
	    r->mac_len != HL_AUDIT_HASH_LEN || (r->keyid && r->keyid_len != HL_AUDIT_KEY_ID_LEN))
		return HL_ERR_STORE_CORRUPT;
	audit_keyref(r->keyid != NULL, r->keyid ? r->keyid : x->a->key_id, ref);
	if (hl_clock_format(r->time, iso, sizeof(iso)) != HL_OK)
		strcpy(iso, "-");
	fprintf(x->f, "%llu %lld %s ", (unsigned long long)r->seq, (long long)r->time, iso);
	audit_put_field(x->f, r->event);
	fputc(' ', x->f);
	audit_put_field(x->f, r->subject);
	fputc(' ', x->f);
	audit_put_field(x->f, r->details);
	fputc(' ', x->f);
	audit_put_hex(x->f, r->prev, HL_AUDIT_HASH_LEN);
	fputc(' ', x->f);
	audit_put_hex(x->f, r->hash, HL_AUDIT_HASH_LEN);
	fprintf(x->f, " %s ", ref);
	audit_put_hex(x->f, r->mac, HL_AUDIT_HASH_LEN);
	fputc('\n', x->f);
	memcpy(x->last, r->hash, HL_AUDIT_HASH_LEN);
	x->count++;
	return HL_OK;
}

static hl_status_t write_export(hl_audit_t *a, FILE *f)
{
	export_t x = { .a = a, .f = f };
	uint8_t mac[HL_AUDIT_HASH_LEN];
	char ref[HL_AUDIT_KEYREF_LEN];
	fprintf(f, "hsmlab-audit %d ", HL_AUDIT_EXPORT_VERSION);
	audit_put_field(f, a->serial);
	fputc('\n', f);
	hl_status_t st = hl_store_audit_each(a->store, write_record, &x);
	/* The end line is keyed by the key of the moment: with a domain, any device of the
	 * domain authenticates the whole export through it. */
	if (st == HL_OK && a->has_domain)
		st = audit_end_mac(a->dom_key, a->dom_id, x.count, x.last, mac);
	else if (st == HL_OK)
		st = audit_end_mac(a->key, NULL, x.count, x.last, mac);
	if (st != HL_OK)
		return st;
	audit_keyref(a->has_domain, a->has_domain ? a->dom_id : a->key_id, ref);
	fprintf(f, "end %llu ", (unsigned long long)x.count);
	audit_put_hex(f, x.last, sizeof(x.last));
	fprintf(f, " %s ", ref);
	audit_put_hex(f, mac, sizeof(mac));
	fputc('\n', f);
	return HL_OK;
}

hl_status_t hl_audit_export(hl_audit_t *a, const char *path, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0;
	if (err && errlen)
		err[0] = '\0';
	if (!a || !path)
		return HL_ERR_ARGS;
	/* Built in memory, then written in one go by the atomic writer. */
	FILE *f = open_memstream(&text, &len);
	if (!f)
		return HL_ERR_NOMEM;
	hl_status_t st = write_export(a, f);
	if (fclose(f) != 0 && st == HL_OK)
		st = HL_ERR_NOMEM;
	if (st == HL_OK)
		st = hl_file_write_atomic(path, text, len, 0644, err, errlen);
	else if (err && errlen)
		snprintf(err, errlen, "%s: cannot read the audit log: %s", path, hl_strerror(st));
	free(text);
	return st;
}
