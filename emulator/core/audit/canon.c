/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator audit log: canonical record encoding, hashes and MACs, field escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_int.h"
#include "crypto/hl_crypto.h"

/* -- canonical encoding -- */

typedef struct {
	uint8_t *p;
	size_t len, cap;
	bool oom;
} wbuf_t;

static void put(wbuf_t *b, const void *data, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n > b->cap) {
		size_t cap = (b->len + n) * 2;
		uint8_t *np = calloc(cap, 1);
		if (!np) {
			b->oom = true;
			return;
		}
		if (b->p)
			memcpy(np, b->p, b->len);
		free(b->p);
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u64(wbuf_t *b, uint64_t v)
{
	uint8_t be[8];
	for (int i = 7; i >= 0; i--, v >>= 8)
		be[i] = (uint8_t)(v & 0xff);
	put(b, be, 8);
}

/* Length-prefixed, so no two different records share an encoding. */
static void put_str(wbuf_t *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	put_u64(b, (uint64_t)n);
	put(b, s ? s : "", n);
}

hl_status_t audit_hash(const char *serial, const audit_rec_t *rec,
		       uint8_t hash_out[HL_AUDIT_HASH_LEN])
{
	wbuf_t b = { 0 };
	hl_status_t st = HL_OK;
	put(&b, "HLAUDIT1", 8);
	put_str(&b, serial);
	put_u64(&b, rec->seq);
	put_u64(&b, (uint64_t)rec->time);
	put_str(&b, rec->event);
	put_str(&b, rec->subject);
	put_str(&b, rec->details);
	put(&b, rec->prev, HL_AUDIT_HASH_LEN);
	if (b.oom)
		st = HL_ERR_NOMEM;
	else
		st = hl_crypto_sha256(b.p, b.len, hash_out);
	free(b.p);
	return st;
}

hl_status_t audit_mac(const uint8_t key[HL_AUDIT_KEY_LEN], const uint8_t *id,
		      const uint8_t hash[HL_AUDIT_HASH_LEN], uint8_t mac_out[HL_AUDIT_HASH_LEN])
{
	uint8_t in[12 + HL_AUDIT_KEY_ID_LEN + HL_AUDIT_HASH_LEN];
	size_t n = 12;
	memcpy(in, id ? "HLAUDIT2-MAC" : "HLAUDIT1-MAC", 12);
	if (id) {
		memcpy(in + n, id, HL_AUDIT_KEY_ID_LEN);
		n += HL_AUDIT_KEY_ID_LEN;
	}
	memcpy(in + n, hash, HL_AUDIT_HASH_LEN);
	return hl_crypto_hmac_sha256(key, HL_AUDIT_KEY_LEN, in, n + HL_AUDIT_HASH_LEN, mac_out);
}

hl_status_t audit_end_mac(const uint8_t key[HL_AUDIT_KEY_LEN], const uint8_t *id, uint64_t count,
			  const uint8_t last[HL_AUDIT_HASH_LEN], uint8_t mac_out[HL_AUDIT_HASH_LEN])
{
	uint8_t in[12 + HL_AUDIT_KEY_ID_LEN + 8 + HL_AUDIT_HASH_LEN];
	size_t n = 12;
	memcpy(in, id ? "HLAUDIT2-END" : "HLAUDIT1-END", 12);
	if (id) {
		memcpy(in + n, id, HL_AUDIT_KEY_ID_LEN);
		n += HL_AUDIT_KEY_ID_LEN;
	}
	for (int i = 7; i >= 0; i--, count >>= 8)
		in[n + (size_t)i] = (uint8_t)(count & 0xff);
	memcpy(in + n + 8, last, HL_AUDIT_HASH_LEN);
	return hl_crypto_hmac_sha256(key, HL_AUDIT_KEY_LEN, in, n + 8 + HL_AUDIT_HASH_LEN, mac_out);
}

void audit_keyref(bool domain, const uint8_t id[HL_AUDIT_KEY_ID_LEN], char *out)
{
	memcpy(out, domain ? "domain:" : "device:", 7);
	for (size_t i = 0; i < HL_AUDIT_KEY_ID_LEN; i++)
		snprintf(out + 7 + 2 * i, 3, "%02x", id[i]);
}

bool audit_parse_keyref(const char *s, bool *domain, uint8_t id[HL_AUDIT_KEY_ID_LEN])
{
	bool dom = strncmp(s, "domain:", 7) == 0;
	if (!dom && strncmp(s, "device:", 7) != 0)
		return false;
	if (!audit_parse_hex(s + 7, id, HL_AUDIT_KEY_ID_LEN))
		return false;
	*domain = dom;
	return true;
}

/* -- export fields -- */

void audit_put_field(FILE *f, const char *s)
{
	if (!s || !*s) {
		fputc('-', f);
		return;
	}
	if (strcmp(s, "-") == 0) {
		fputs("%2D", f);
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '%')
			fprintf(f, "%%%02X", *p);
		else
			fputc(*p, f);
	}
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool audit_unescape(char *s)
{
	if (strcmp(s, "-") == 0) {
		s[0] = '\0';
		return true;
	}
	char *w = s;
	for (const char *r = s; *r; r++) {
		if (*r != '%') {
			*w++ = *r;
			continue;
		}
		int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return false;
		*w++ = (char)(hi * 16 + lo);
		r += 2;
	}
	*w = '\0';
	return true;
}

void audit_put_hex(FILE *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%02x", p[i]);
}

bool audit_parse_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi * 16 + lo);
	}
	return true;
}
