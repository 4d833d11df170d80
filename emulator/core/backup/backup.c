/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the sealed-blob container, version 1 (layout in emulator/doc/formats.md);
 * the magic, format byte and version are the family's (hl_backup_format_t). */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backup/hl_backup.h"
#include "crypto/hl_crypto.h"

#define MAGIC_LEN HL_BACKUP_MAGIC_LEN
#define FIXED_LEN 41 /* header up to the serial */
#define MAC_LEN 32
#define ALG_GCM_HMAC 1 /* AES-256-GCM seal + HMAC-SHA256 MAC, HMAC-derived keys */

/* Whether the first n bytes (n <= MAGIC_LEN) can start a container: "HL", then [A-Z0-9]. */
static bool magic_ok(const uint8_t *m, size_t n)
{
	for (size_t i = 0; i < n && i < MAGIC_LEN; i++) {
		bool ok = i == 0   ? m[i] == 'H'
			  : i == 1 ? m[i] == 'L'
				   : (m[i] >= 'A' && m[i] <= 'Z') || (m[i] >= '0' && m[i] <= '9');
		if (!ok)
			return false;
	}
	return true;
}

bool hl_backup_format_ok(const hl_backup_format_t *fmt)
{
	return fmt && strlen(fmt->magic) == MAGIC_LEN &&
	       magic_ok((const uint8_t *)fmt->magic, MAGIC_LEN) && fmt->id != 0 &&
	       fmt->version >= 1 && fmt->version <= HL_BACKUP_VERSION;
}

/* -- byte order -- */

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)(v & 0xff);
}

static uint64_t get_be(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

/* -- domains -- */

static hl_status_t derive(const uint8_t *secret, size_t len, const char *what,
			  const hl_backup_format_t *fmt, uint8_t out[32])
{
	char label[64];
	int n = snprintf(label, sizeof(label), "hsmlab backup %s v1 %s", what, fmt->magic);
	return hl_crypto_hmac_sha256(secret, len, (const uint8_t *)label, (size_t)n, out);
}

hl_status_t hl_backup_domain_derive(const hl_backup_format_t *format, const uint8_t *secret,
				    size_t secret_len, hl_backup_domain_t *out)
{
	hl_backup_domain_t d = { .format = format };
	uint8_t id[32];
	if (!hl_backup_format_ok(format) || !secret || !secret_len || !out)
		return HL_ERR_ARGS;
	hl_status_t st = derive(secret, secret_len, "id", format, id);
	if (st == HL_OK)
		st = derive(secret, secret_len, "enc", format, d.enc_key);
	if (st == HL_OK)
		st = derive(secret, secret_len, "mac", format, d.mac_key);
	if (st == HL_OK) {
		memcpy(d.id, id, sizeof(d.id));
		*out = d;
	}
	hl_crypto_wipe(&d, sizeof(d));
	return st;
}

void hl_backup_domain_wipe(hl_backup_domain_t *dom)
{
	if (dom)
		hl_crypto_wipe(dom, sizeof(*dom));
}

bool hl_backup_attr_sensitive(CK_ATTRIBUTE_TYPE type)
{
	switch (type) {
	case CKA_VALUE:
	case CKA_PRIVATE_EXPONENT:
	case CKA_PRIME_1:
	case CKA_PRIME_2:
	case CKA_EXPONENT_1:
	case CKA_EXPONENT_2:
	case CKA_COEFFICIENT:
		return true;
	default:
		return false;
	}
}

/* -- attribute lists: repeated {u64 type, u32 len, value}, big-endian -- */

static size_t attrs_size(const CK_ATTRIBUTE *a, size_t n, bool sensitive)
{
	size_t sz = 0;
	for (size_t i = 0; i < n; i++)
		if (hl_backup_attr_sensitive(a[i].type) == sensitive)
			sz += 12 + a[i].ulValueLen;
	return sz;
}

static uint8_t *attrs_put(uint8_t *p, const CK_ATTRIBUTE *a, size_t n, bool sensitive)
{
	for (size_t i = 0; i < n; i++) {
		if (hl_backup_attr_sensitive(a[i].type) != sensitive)
			continue;
		put_be(p, a[i].type, 8);
		put_be(p + 8, a[i].ulValueLen, 4);
		if (a[i].ulValueLen)
			memcpy(p + 12, a[i].pValue, a[i].ulValueLen);
		p += 12 + a[i].ulValueLen;
	}
	return p;
}

static hl_status_t check_attrs(const CK_ATTRIBUTE *a, size_t n)
{
	if ((!a && n) || n > HL_BACKUP_MAX_ATTRS)
		return HL_ERR_ARGS;
	for (size_t i = 0; i < n; i++) {
		if (a[i].ulValueLen > HL_BACKUP_MAX_VALUE || (a[i].ulValueLen && !a[i].pValue))
			return HL_ERR_ARGS;
		for (size_t k = 0; k < i; k++)
			if (a[k].type == a[i].type)
				return HL_ERR_ARGS;
	}
	return HL_OK;
}

/* -- encoding -- */

static void put_header(uint8_t *b, const hl_backup_domain_t *dom, const char *serial,
		       int64_t created, size_t header_len, size_t total)
{
	size_t slen = strlen(serial);
	memcpy(b, dom->format->magic, MAGIC_LEN);
	put_be(b + 6, dom->format->version, 2);
	put_be(b + 8, header_len, 2);
	put_be(b + 10, total, 4);
	b[14] = dom->format->id;
	b[15] = ALG_GCM_HMAC;
	memcpy(b + 16, dom->id, HL_BACKUP_DOMAIN_ID_LEN);
	put_be(b + 32, (uint64_t)created, 8);
	b[40] = (uint8_t)slen;
	memcpy(b + FIXED_LEN, serial, slen);
}

hl_status_t hl_backup_encode(const hl_backup_domain_t *dom, const char *source_serial,
			     int64_t created, const CK_ATTRIBUTE *attrs, size_t n,
			     uint8_t **blob_out, size_t *len_out)
{
	uint8_t *blob = NULL, *plain = NULL;
	hl_status_t st = HL_OK;
	if (!dom || !hl_backup_format_ok(dom->format) || !source_serial || !*source_serial ||
	    strlen(source_serial) > HL_BACKUP_SERIAL_MAX || !blob_out || !len_out)
		return HL_ERR_ARGS;
	if ((st = check_attrs(attrs, n)) != HL_OK)
		return st;
	size_t header_len = FIXED_LEN + strlen(source_serial);
	size_t clear_len = attrs_size(attrs, n, false), plain_len = attrs_size(attrs, n, true);
	size_t sealed_len = plain_len + HL_AEAD_OVERHEAD;
	size_t total = header_len + 4 + clear_len + 4 + sealed_len + MAC_LEN;
	if (total > UINT32_MAX)
		return HL_ERR_ARGS;
	blob = calloc(total, 1);
	plain = calloc(plain_len ? plain_len : 1, 1);
	if (!blob || !plain) {
		st = HL_ERR_NOMEM;
		goto out;
	}
	put_header(blob, dom, source_serial, created, header_len, total);
	uint8_t *p = blob + header_len;
	put_be(p, clear_len, 4);
	p = attrs_put(p + 4, attrs, n, false);
	put_be(p, sealed_len, 4);
	p += 4;
	attrs_put(plain, attrs, n, true);
	/* The seal's aad is everything before it, so no clear field can be swapped. */
	st = hl_crypto_aead_seal(dom->enc_key, blob, (size_t)(p - blob), plain, plain_len, p);
	if (st == HL_OK)
		st = hl_crypto_hmac_sha256(dom->mac_key, sizeof(dom->mac_key), blob,
					   total - MAC_LEN, blob + total - MAC_LEN);
	if (st == HL_OK) {
		*blob_out = blob;
		*len_out = total;
		blob = NULL;
	}
out:
	if (plain)
		hl_crypto_wipe(plain, plain_len ? plain_len : 1);
	free(plain);
	free(blob);
	return st;
}

/* -- decoding -- */

/* Returns st, with why (may be NULL) saying which field of the blob is wrong. */
static hl_status_t refuse(hl_status_t st, char *why, size_t wl, const char *fmt, ...)
{
	if (why && wl) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(why, wl, fmt, ap);
		va_end(ap);
	}
	return st;
}

/* The header's fields after the version, each out of range in its own words. */
static hl_status_t check_fields(const uint8_t *b, size_t len, char *why, size_t wl)
{
	size_t hl = (size_t)get_be(b + 8, 2), total = (size_t)get_be(b + 10, 4);
	size_t slen = b[40];
	hl_status_t bad = HL_ERR_BACKUP_CORRUPT;
	if (b[14] == 0)
		return refuse(bad, why, wl, "format byte 0");
	if (b[15] != ALG_GCM_HMAC)
		return refuse(bad, why, wl, "algorithm %u, this build knows %u", b[15],
			      ALG_GCM_HMAC);
	if (slen == 0 || slen > HL_BACKUP_SERIAL_MAX)
		return refuse(bad, why, wl, "source serial length %zu, not 1..%d", slen,
			      HL_BACKUP_SERIAL_MAX);
	if (hl != FIXED_LEN + slen)
		return refuse(bad, why, wl, "header length %zu, its serial makes it %zu", hl,
			      FIXED_LEN + slen);
	if (total < hl + 8 + HL_AEAD_OVERHEAD + MAC_LEN)
		return refuse(bad, why, wl, "total length %zu, below the least container (%zu)",
			      total, hl + 8 + HL_AEAD_OVERHEAD + MAC_LEN);
	if (len < total)
		return refuse(HL_ERR_BACKUP_TRUNCATED, why, wl, "%zu bytes, the header says %zu",
			      len, total);
	if (len > total)
		return refuse(bad, why, wl, "%zu bytes after the container's end (%zu)",
			      len - total, total);
	return HL_OK;
}

/* The checks that need no key and no format: framing, version, length. */
static hl_status_t parse_header(const uint8_t *b, size_t len, hl_backup_info_t *info,
				size_t *header_len, char *why, size_t wl)
{
	if (!magic_ok(b, len))
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl, "no backup blob (no \"HL\" magic)");
	if (len < 8)
		return refuse(HL_ERR_BACKUP_TRUNCATED, why, wl, "%zu bytes, cut in the magic", len);
	unsigned version = (unsigned)get_be(b + 6, 2);
	if (version == 0)
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl, "container version 0");
	if (version > HL_BACKUP_VERSION) /* a later layout may differ from here on */
		return refuse(HL_ERR_BACKUP_TOO_NEW, why, wl,
			      "container version %u, this build reads up to %u", version,
			      HL_BACKUP_VERSION);
	if (len < FIXED_LEN)
		return refuse(HL_ERR_BACKUP_TRUNCATED, why, wl, "%zu bytes, cut in the header",
			      len);
	hl_status_t st = check_fields(b, len, why, wl);
	if (st != HL_OK)
		return st;
	size_t hl = (size_t)get_be(b + 8, 2), slen = b[40];
	memset(info, 0, sizeof(*info));
	memcpy(info->magic, b, MAGIC_LEN);
	info->format_id = b[14];
	info->version = version;
	memcpy(info->domain_id, b + 16, HL_BACKUP_DOMAIN_ID_LEN);
	info->created = (int64_t)get_be(b + 32, 8);
	memcpy(info->source_serial, b + FIXED_LEN, slen);
	*header_len = hl;
	return HL_OK;
}

hl_status_t hl_backup_peek(const uint8_t *blob, size_t len, hl_backup_info_t *out)
{
	hl_backup_info_t info;
	size_t hl = 0;
	if (!out || (!blob && len))
		return HL_ERR_ARGS;
	if (len == 0)
		return HL_ERR_BACKUP_TRUNCATED;
	hl_status_t st = parse_header(blob, len, &info, &hl, NULL, 0);
	if (st == HL_OK)
		*out = info;
	return st;
}

bool hl_backup_info_is(const hl_backup_info_t *info, const hl_backup_format_t *fmt)
{
	return info && fmt && memcmp(info->magic, fmt->magic, MAGIC_LEN) == 0 &&
	       info->format_id == fmt->id;
}

/* The number of attributes in an encoding; 0 and *bad set when one runs past its end. */
static size_t count_attrs(const uint8_t *p, size_t len, bool *bad, size_t *at)
{
	size_t n = 0, off = 0;
	*bad = false;
	while (off < len) {
		if (len - off < 12 || get_be(p + off + 8, 4) > len - off - 12) {
			*bad = true;
			*at = n + 1;
			return 0;
		}
		off += 12 + (size_t)get_be(p + off + 8, 4);
		n++;
	}
	return n;
}

/* Appends the attributes of an encoding to obj (room was made by the caller). */
static hl_status_t take_attrs(hl_backup_obj_t *obj, const uint8_t *p, size_t len, char *why,
			      size_t wl)
{
	for (size_t off = 0; off < len;) {
		CK_ATTRIBUTE *a = &obj->attrs[obj->n];
		CK_ATTRIBUTE_TYPE type = (CK_ATTRIBUTE_TYPE)get_be(p + off, 8);
		size_t vlen = (size_t)get_be(p + off + 8, 4);
		if (hl_backup_obj_attr(obj, type))
			return refuse(HL_ERR_BACKUP_CORRUPT, why, wl, "attribute 0x%lx twice",
				      (unsigned long)type);
		if (vlen > HL_BACKUP_MAX_VALUE)
			return refuse(HL_ERR_BACKUP_CORRUPT, why, wl,
				      "attribute 0x%lx of %zu bytes, at most %u",
				      (unsigned long)type, vlen, HL_BACKUP_MAX_VALUE);
		a->type = type;
		a->ulValueLen = (CK_ULONG)vlen;
		a->pValue = vlen ? malloc(vlen) : NULL;
		if (vlen && !a->pValue)
			return HL_ERR_NOMEM;
		if (vlen)
			memcpy(a->pValue, p + off + 12, vlen);
		obj->n++;
		off += 12 + vlen;
	}
	return HL_OK;
}

/* Both attribute lists into obj: each well framed, together within the count. */
static hl_status_t take_lists(hl_backup_obj_t *obj, const uint8_t *clear, size_t clear_len,
			      const uint8_t *plain, size_t plain_len, char *why, size_t wl)
{
	bool bad1 = false, bad2 = false;
	size_t at = 0;
	size_t nc = count_attrs(clear, clear_len, &bad1, &at);
	if (bad1)
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl,
			      "clear attribute %zu runs past its list", at);
	size_t np = count_attrs(plain, plain_len, &bad2, &at);
	if (bad2)
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl,
			      "sealed attribute %zu runs past its list", at);
	if (nc + np > HL_BACKUP_MAX_ATTRS)
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl, "%zu attributes, at most %d", nc + np,
			      HL_BACKUP_MAX_ATTRS);
	obj->attrs = calloc(nc + np ? nc + np : 1, sizeof(*obj->attrs));
	if (!obj->attrs)
		return HL_ERR_NOMEM;
	hl_status_t st = take_attrs(obj, clear, clear_len, why, wl);
	return st == HL_OK ? take_attrs(obj, plain, plain_len, why, wl) : st;
}

/* The authenticated payload: clear attributes, then the sealed ones. */
static hl_status_t open_payload(const hl_backup_domain_t *dom, const uint8_t *b, size_t total,
				size_t hl, hl_backup_obj_t *obj, char *why, size_t wl)
{
	size_t end = total - MAC_LEN;
	size_t clear_len = (size_t)get_be(b + hl, 4);
	if (clear_len > end - hl - 8)
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl,
			      "clear attribute list of %zu bytes, %zu are there", clear_len,
			      end - hl - 8);
	const uint8_t *clear = b + hl + 4, *sl = clear + clear_len;
	size_t sealed_len = (size_t)get_be(sl, 4), room = end - (size_t)(sl + 4 - b);
	if (sealed_len != room || sealed_len < HL_AEAD_OVERHEAD)
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl,
			      "sealed part of %zu bytes, %zu are there", sealed_len, room);
	size_t plain_len = sealed_len - HL_AEAD_OVERHEAD;
	uint8_t *plain = calloc(plain_len ? plain_len : 1, 1);
	if (!plain)
		return HL_ERR_NOMEM;
	hl_status_t st =
	    hl_crypto_aead_open(dom->enc_key, b, (size_t)(sl + 4 - b), sl + 4, sealed_len, plain);
	if (st == HL_ERR_INTEGRITY) /* the MAC passed: sealed under another domain's key */
		st = refuse(HL_ERR_BACKUP_TAMPERED, why, wl,
			    "the sealed key material does not open under this domain");
	if (st == HL_OK)
		st = take_lists(obj, clear, clear_len, plain, plain_len, why, wl);
	hl_crypto_wipe(plain, plain_len ? plain_len : 1);
	free(plain);
	return st;
}

/* The checks between the header and the MAC: whose format, which domain. */
static hl_status_t check_owner(const hl_backup_domain_t *dom, const hl_backup_info_t *info,
			       char *why, size_t wl)
{
	const hl_backup_format_t *f = dom->format;
	if (info->version > f->version)
		return refuse(HL_ERR_BACKUP_TOO_NEW, why, wl,
			      "container version %u, the %s format reads up to %u", info->version,
			      f->magic, f->version);
	if (memcmp(info->magic, f->magic, MAGIC_LEN) != 0)
		return refuse(HL_ERR_BACKUP_WRONG_VENDOR, why, wl, "a %s blob, this domain's is %s",
			      info->magic, f->magic);
	if (info->format_id != f->id) /* our magic, another format byte: altered */
		return refuse(HL_ERR_BACKUP_CORRUPT, why, wl, "format byte %u, %s's is %u",
			      info->format_id, f->magic, f->id);
	if (!hl_crypto_memeq(info->domain_id, dom->id, HL_BACKUP_DOMAIN_ID_LEN))
		return refuse(HL_ERR_BACKUP_WRONG_DOMAIN, why, wl,
			      "made in another %s domain than this one", f->magic);
	return HL_OK;
}

hl_status_t hl_backup_decode(const hl_backup_domain_t *dom, const uint8_t *blob, size_t len,
			     hl_backup_obj_t **out)
{
	return hl_backup_decode_why(dom, blob, len, out, NULL, 0);
}

hl_status_t hl_backup_decode_why(const hl_backup_domain_t *dom, const uint8_t *blob, size_t len,
				 hl_backup_obj_t **out, char *why, size_t wl)
{
	hl_backup_info_t info;
	hl_backup_obj_t *obj = NULL;
	uint8_t mac[MAC_LEN];
	size_t hl = 0;
	if (why && wl)
		why[0] = 0;
	if (!dom || !hl_backup_format_ok(dom->format) || (!blob && len) || !out)
		return HL_ERR_ARGS;
	if (len == 0)
		return refuse(HL_ERR_BACKUP_TRUNCATED, why, wl, "empty");
	hl_status_t st = parse_header(blob, len, &info, &hl, why, wl);
	if (st == HL_OK)
		st = check_owner(dom, &info, why, wl);
	if (st == HL_OK)
		st = hl_crypto_hmac_sha256(dom->mac_key, sizeof(dom->mac_key), blob, len - MAC_LEN,
					   mac);
	if (st == HL_OK && !hl_crypto_memeq(mac, blob + len - MAC_LEN, MAC_LEN))
		st = refuse(HL_ERR_BACKUP_TAMPERED, why, wl, "its MAC does not match");
	if (st != HL_OK)
		return st;
	obj = calloc(1, sizeof(*obj));
	if (!obj)
		return HL_ERR_NOMEM;
	obj->format = dom->format;
	obj->version = info.version;
	obj->created = info.created;
	memcpy(obj->source_serial, info.source_serial, sizeof(obj->source_serial));
	st = open_payload(dom, blob, len, hl, obj, why, wl);
	if (st == HL_OK) {
		*out = obj;
		obj = NULL;
	}
	hl_backup_obj_free(obj);
	return st;
}

void hl_backup_obj_free(hl_backup_obj_t *obj)
{
	if (!obj)
		return;
	for (size_t i = 0; i < obj->n; i++) {
		if (obj->attrs[i].pValue)
			hl_crypto_wipe(obj->attrs[i].pValue, obj->attrs[i].ulValueLen);
		free(obj->attrs[i].pValue);
	}
	free(obj->attrs);
	free(obj);
}

const CK_ATTRIBUTE *hl_backup_obj_attr(const hl_backup_obj_t *obj, CK_ATTRIBUTE_TYPE type)
{
	for (size_t i = 0; obj && i < obj->n; i++)
		if (obj->attrs[i].type == type)
			return &obj->attrs[i];
	return NULL;
}

/* -- files -- */

hl_status_t hl_backup_read_file(const char *path, uint8_t **blob_out, size_t *len_out)
{
	struct stat sb;
	uint8_t *buf = NULL;
	hl_status_t st = HL_OK;
	if (!path || !blob_out || !len_out)
		return HL_ERR_ARGS;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return HL_ERR_IO;
	if (fstat(fd, &sb) != 0 || sb.st_size < 0 || sb.st_size > (off_t)UINT32_MAX) {
		st = sb.st_size > (off_t)UINT32_MAX ? HL_ERR_BACKUP_CORRUPT : HL_ERR_IO;
		goto out;
	}
	size_t len = (size_t)sb.st_size;
	buf = calloc(len ? len : 1, 1);
	if (!buf) {
		st = HL_ERR_NOMEM;
		goto out;
	}
	for (size_t got = 0; got < len;) {
		ssize_t r = read(fd, buf + got, len - got);
		if (r <= 0) {
			st = HL_ERR_IO;
			goto out;
		}
		got += (size_t)r;
	}
	*blob_out = buf;
	*len_out = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return st;
}
