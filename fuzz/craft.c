/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab fuzz seeds and tests: crafted backup blobs (craft.h). The container layout is
 * emulator/doc/formats.md's: header (41 bytes + serial), clear list length and list, sealed
 * length and AES-256-GCM seal (its aad: every byte before it), HMAC-SHA256 over the rest. */
#include "craft.h"

#include <stdlib.h>
#include <string.h>

#include "crypto/hl_crypto.h"

#define MAC_LEN 32

/* A blob taken apart: the header as it is, the clear list, the sealed list opened. */
typedef struct {
	uint8_t head[41 + HL_BACKUP_SERIAL_MAX];
	size_t head_len;
	uint8_t *clear, *plain;
	size_t clear_len, plain_len;
} parts_t;

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

static size_t get_be(const uint8_t *p, int n)
{
	size_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

static void parts_free(parts_t *p)
{
	free(p->clear);
	if (p->plain)
		hl_crypto_wipe(p->plain, p->plain_len);
	free(p->plain);
	memset(p, 0, sizeof(*p));
}

/* Takes apart a blob the writer made for dom. */
static int split(const hl_backup_domain_t *dom, const uint8_t *b, size_t len, parts_t *p)
{
	memset(p, 0, sizeof(*p));
	p->head_len = get_be(b + 8, 2);
	p->clear_len = get_be(b + p->head_len, 4);
	const uint8_t *sl = b + p->head_len + 4 + p->clear_len;
	size_t sealed_len = get_be(sl, 4);
	p->plain_len = sealed_len - HL_AEAD_OVERHEAD;
	p->clear = malloc(p->clear_len + 1);
	p->plain = malloc(p->plain_len + 1);
	if (!p->clear || !p->plain || p->head_len > sizeof(p->head) || len < MAC_LEN)
		return -1;
	memcpy(p->head, b, p->head_len);
	memcpy(p->clear, b + p->head_len + 4, p->clear_len);
	return hl_crypto_aead_open(dom->enc_key, b, (size_t)(sl + 4 - b), sl + 4, sealed_len,
				   p->plain) == HL_OK
		   ? 0
		   : -1;
}

static void remac(const hl_backup_domain_t *dom, uint8_t *b, size_t len)
{
	hl_crypto_hmac_sha256(dom->mac_key, sizeof(dom->mac_key), b, len - MAC_LEN,
			      b + len - MAC_LEN);
}

/* Puts parts together as a blob sealed and MACed under dom, its total length set. */
static int join(const hl_backup_domain_t *dom, const parts_t *p, uint8_t **out, size_t *len)
{
	size_t total =
	    p->head_len + 4 + p->clear_len + 4 + p->plain_len + HL_AEAD_OVERHEAD + MAC_LEN;
	uint8_t *b = calloc(total, 1);
	if (!b)
		return -1;
	memcpy(b, p->head, p->head_len);
	put_be(b + 10, total, 4);
	uint8_t *q = b + p->head_len;
	put_be(q, p->clear_len, 4);
	memcpy(q + 4, p->clear, p->clear_len);
	q += 4 + p->clear_len;
	put_be(q, p->plain_len + HL_AEAD_OVERHEAD, 4);
	q += 4;
	if (hl_crypto_aead_seal(dom->enc_key, b, (size_t)(q - b), p->plain, p->plain_len, q) !=
	    HL_OK) {
		free(b);
		return -1;
	}
	remac(dom, b, total);
	*out = b;
	*len = total;
	return 0;
}

/* Appends one attribute (type, len bytes of fill) to a list. */
static int list_add(uint8_t **list, size_t *len, uint64_t type, size_t vlen, uint8_t fill)
{
	uint8_t *l = realloc(*list, *len + 12 + vlen);
	if (!l)
		return -1;
	put_be(l + *len, type, 8);
	put_be(l + *len + 8, vlen, 4);
	memset(l + *len + 12, fill, vlen);
	*list = l;
	*len += 12 + vlen;
	return 0;
}

typedef struct {
	const hl_backup_domain_t *mine, *other;
	const uint8_t *blob; /* the writer's blob, under mine */
	size_t len;
	hl_craft_case_t *v;
	size_t n;
	int failed;
	parts_t p; /* the parts the case being made changes */
} ctx_t;

/* A copy of the writer's parts, for one case to change. */
static parts_t *fresh(ctx_t *c)
{
	parts_free(&c->p);
	if (split(c->mine, c->blob, c->len, &c->p) != 0)
		c->failed = 1;
	return &c->p;
}

static void add(ctx_t *c, const char *name, const hl_backup_domain_t *dec, hl_status_t want,
		const char *why, uint8_t *blob, size_t len)
{
	if (!blob) {
		c->failed = 1;
		return;
	}
	c->v[c->n++] = (hl_craft_case_t){ name, dec, want, why, blob, len };
}

/* A case made of the writer's parts after change(), sealed and MACed under dec. */
static void add_joined(ctx_t *c, const char *name, const hl_backup_domain_t *dec, hl_status_t want,
		       const char *why, parts_t *p)
{
	uint8_t *b = NULL;
	size_t len = 0;
	if (join(dec, p, &b, &len) != 0)
		c->failed = 1;
	add(c, name, dec, want, why, b, len);
}

/* A case made of the writer's blob with len bytes at off set to v, MACed again. */
static void add_field(ctx_t *c, const char *name, hl_status_t want, const char *why, size_t off,
		      int nbytes, uint64_t v)
{
	uint8_t *b = malloc(c->len);
	if (b) {
		memcpy(b, c->blob, c->len);
		put_be(b + off, v, nbytes);
		remac(c->mine, b, c->len);
	}
	add(c, name, c->mine, want, why, b, c->len);
}

/* Header fields out of range (each checked before the MAC, whose value is right anyway). */
static void header_cases(ctx_t *c)
{
	size_t hl = get_be(c->blob + 8, 2), total = c->len;
	add_field(c, "version-0", HL_ERR_BACKUP_CORRUPT, "container version 0", 6, 2, 0);
	add_field(c, "version-2", HL_ERR_BACKUP_TOO_NEW, "container version 2", 6, 2, 2);
	add_field(c, "version-65535", HL_ERR_BACKUP_TOO_NEW, "container version 65535", 6, 2,
		  65535);
	add_field(c, "algorithm-2", HL_ERR_BACKUP_CORRUPT, "algorithm 2", 15, 1, 2);
	add_field(c, "format-byte-0", HL_ERR_BACKUP_CORRUPT, "format byte 0", 14, 1, 0);
	add_field(c, "format-byte-other", HL_ERR_BACKUP_CORRUPT, "format byte 255", 14, 1, 255);
	add_field(c, "serial-length-0", HL_ERR_BACKUP_CORRUPT, "source serial length 0", 40, 1, 0);
	add_field(c, "serial-length-65", HL_ERR_BACKUP_CORRUPT, "source serial length 65", 40, 1,
		  65);
	add_field(c, "header-length", HL_ERR_BACKUP_CORRUPT, "header length", 8, 2, hl + 1);
	add_field(c, "total-below-least", HL_ERR_BACKUP_CORRUPT, "below the least container", 10, 4,
		  hl + 8);
	add_field(c, "total-short", HL_ERR_BACKUP_CORRUPT, "after the container's end", 10, 4,
		  total - 1);
	add_field(c, "total-long", HL_ERR_BACKUP_TRUNCATED, "the header says", 10, 4, total + 1);
	add_field(c, "total-4g", HL_ERR_BACKUP_TRUNCATED, "the header says 4294967295", 10, 4,
		  0xffffffffu);
	size_t clear_len = get_be(c->blob + hl, 4);
	add_field(c, "clear-length", HL_ERR_BACKUP_CORRUPT, "clear attribute list of", hl, 4,
		  0xfffffff0u);
	add_field(c, "sealed-length", HL_ERR_BACKUP_CORRUPT, "sealed part of", hl + 4 + clear_len,
		  4, get_be(c->blob + hl + 4 + clear_len, 4) - 1);
}

/* Lists out of range inside a container whose seal and MAC are right. */
static void list_cases(ctx_t *c)
{
	parts_t *p = fresh(c);
	if (p->clear_len >= 12)
		put_be(p->clear + 8, p->clear_len, 4); /* the first clear value too long */
	add_joined(c, "clear-attr-overrun", c->mine, HL_ERR_BACKUP_CORRUPT,
		   "clear attribute 1 runs past its list", p);
	p = fresh(c);
	if (p->plain_len >= 12)
		put_be(p->plain + 8, p->plain_len, 4); /* the first sealed value too long */
	add_joined(c, "sealed-attr-overrun", c->mine, HL_ERR_BACKUP_CORRUPT,
		   "sealed attribute 1 runs past its list", p);
	p = fresh(c);
	for (size_t i = 0; i <= HL_BACKUP_MAX_ATTRS && !c->failed; i++)
		c->failed |= list_add(&p->clear, &p->clear_len, 0x80000000u + i, 0, 0);
	add_joined(c, "attr-count", c->mine, HL_ERR_BACKUP_CORRUPT, "attributes, at most 1024", p);
	p = fresh(c);
	c->failed |= list_add(&p->clear, &p->clear_len, CKA_LABEL, 3, 'x');
	c->failed |= list_add(&p->clear, &p->clear_len, CKA_LABEL, 3, 'y');
	add_joined(c, "attr-twice", c->mine, HL_ERR_BACKUP_CORRUPT, "attribute 0x3 twice", p);
	p = fresh(c);
	c->failed |= list_add(&p->clear, &p->clear_len, CKA_APPLICATION,
			      (size_t)HL_BACKUP_MAX_VALUE + 1, 'v');
	add_joined(c, "value-too-long", c->mine, HL_ERR_BACKUP_CORRUPT,
		   "of 1048577 bytes, at most 1048576", p);
}

/* The other vendor's header (magic, format byte) over this vendor's body. */
static void vendor_cases(ctx_t *c)
{
	const hl_backup_format_t *of = c->other->format;
	parts_t *p = fresh(c);
	memcpy(p->head, of->magic, HL_BACKUP_MAGIC_LEN);
	p->head[14] = of->id;
	/* Whole and MACed as this vendor's: this vendor sees another's magic. */
	add_joined(c, "other-vendor-header", c->mine, HL_ERR_BACKUP_WRONG_VENDOR,
		   "blob, this domain's is", p);
	/* Given to the other vendor: its magic, but this vendor's domain id. */
	add_joined(c, "other-vendor-header-domain", c->other, HL_ERR_BACKUP_WRONG_DOMAIN,
		   "made in another", p);
	/* Its domain id and MAC too: the body still is not sealed under its key. */
	memcpy(p->head + 16, c->other->id, HL_BACKUP_DOMAIN_ID_LEN);
	uint8_t *b = NULL;
	size_t len = 0;
	if (join(c->mine, p, &b, &len) == 0) /* sealed under mine, MACed under the other's */
		remac(c->other, b, len);
	add(c, "other-vendor-header-sealed-here", c->other, HL_ERR_BACKUP_TAMPERED,
	    "does not open under this domain", b, len);
}

int hl_craft_cases(const hl_backup_domain_t *mine, const hl_backup_domain_t *other,
		   const CK_ATTRIBUTE *attrs, size_t n, const char *serial, hl_craft_case_t **out,
		   size_t *n_out)
{
	ctx_t c = { .mine = mine, .other = other, .v = calloc(64, sizeof(hl_craft_case_t)) };
	uint8_t *blob = NULL;
	if (!c.v || hl_backup_encode(mine, serial, 1700000000, attrs, n, &blob, &c.len) != HL_OK) {
		free(c.v);
		return -1;
	}
	c.blob = blob;
	header_cases(&c);
	list_cases(&c);
	vendor_cases(&c);
	parts_free(&c.p);
	free(blob);
	if (c.failed) {
		hl_craft_free(c.v, c.n);
		return -1;
	}
	*out = c.v;
	*n_out = c.n;
	return 0;
}

void hl_craft_free(hl_craft_case_t *cases, size_t n)
{
	for (size_t i = 0; cases && i < n; i++)
		free(cases[i].blob);
	free(cases);
}
