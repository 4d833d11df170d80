/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator cards: the card file (text, versioned, integrity-tagged; formats.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cards_int.h"
#include "crypto/hl_crypto.h"
#include "util/hl_file.h"

#define CARD_FILE_MAX 4096
#define SALT_LEN 16
#define TAG_LINE_LEN (4 + 64 + 1) /* "tag " + SHA-256 in hex + newline */

/* -- hex -- */

static void put_hex(char *dst, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(dst + 2 * i, 3, "%02x", p[i]);
}

static bool get_hex(const char *s, uint8_t *out, size_t n)
{
	if (strlen(s) != 2 * n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (!strchr("0123456789abcdef", s[2 * i]) ||
		    !strchr("0123456789abcdef", s[2 * i + 1]) || sscanf(s + 2 * i, "%2x", &v) != 1)
			return false;
		out[i] = (uint8_t)v;
	}
	return true;
}

/* -- PIN protection -- */

static hl_status_t pin_key(const char *pin, const uint8_t salt[SALT_LEN], unsigned iter,
			   uint8_t key[32])
{
	return hl_crypto_pbkdf2((const uint8_t *)pin, strlen(pin), salt, SALT_LEN, iter, key);
}

/* -- writing -- */

/* The body: every line the tag covers; the share line holds the clear share or, with a PIN,
 * AES-256-GCM(nonce || ct || tag) under PBKDF2(PIN) with the lines before it as aad. */
static hl_status_t format_card(const hl_card_t *c, const char *pin, char *out, size_t cap)
{
	char setid[2 * HL_CARD_SET_ID_LEN + 1], check[65], salthex[2 * SALT_LEN + 1];
	char share[2 * (HL_CARD_SECRET_MAX + HL_AEAD_OVERHEAD) + 1];
	uint8_t salt[SALT_LEN], key[32], ct[HL_CARD_SECRET_MAX + HL_AEAD_OVERHEAD];
	size_t len = c->set.secret_len;
	hl_status_t st = HL_OK;
	put_hex(setid, c->set.set_id, sizeof(c->set.set_id));
	put_hex(check, c->set.check, sizeof(c->set.check));
	int n = snprintf(out, cap,
			 "hsmlab-card 1\nkind %s\nowner %s\nset %s\nindex %u\nquorum %u %u\n"
			 "secret-len %zu\ncheck %s\n",
			 c->set.kind, c->set.owner, setid, c->index, c->set.threshold, c->set.count,
			 len, check);
	if (n < 0 || (size_t)n >= cap)
		return HL_ERR_INTERNAL;
	if (!pin || !*pin) {
		put_hex(share, c->share, len);
		snprintf(out + n, cap - (size_t)n, "pin none\nshare %s\n", share);
		goto out;
	}
	st = hl_crypto_random(salt, sizeof(salt));
	if (st == HL_OK)
		st = pin_key(pin, salt, HL_CARD_PIN_ITERATIONS, key);
	if (st != HL_OK)
		goto out;
	put_hex(salthex, salt, sizeof(salt));
	n += snprintf(out + n, cap - (size_t)n, "pin pbkdf2-sha256 %u %s\n", HL_CARD_PIN_ITERATIONS,
		      salthex);
	st = hl_crypto_aead_seal(key, (const uint8_t *)out, (size_t)n, c->share, len, ct);
	if (st != HL_OK)
		goto out;
	put_hex(share, ct, len + HL_AEAD_OVERHEAD);
	snprintf(out + n, cap - (size_t)n, "share %s\n", share);
out:
	hl_crypto_wipe(key, sizeof(key));
	hl_crypto_wipe(share, sizeof(share));
	return st;
}

hl_status_t hl_card_write(const hl_card_t *card, const char *path, const char *pin)
{
	char text[CARD_FILE_MAX], tag[65];
	uint8_t h[32];
	if (!card || !path || card->set.secret_len == 0 ||
	    card->set.secret_len > HL_CARD_SECRET_MAX || !cards_owner_ok(card->set.owner) ||
	    !hl_card_kind_ok(card->set.kind))
		return HL_ERR_ARGS;
	hl_status_t st = format_card(card, pin, text, sizeof(text) - 80);
	if (st == HL_OK)
		st = hl_crypto_sha256((const uint8_t *)text, strlen(text), h);
	if (st == HL_OK) {
		put_hex(tag, h, sizeof(h));
		size_t n = strlen(text);
		snprintf(text + n, sizeof(text) - n, "tag %s\n", tag);
		st = hl_file_write_atomic(path, text, strlen(text), 0600, NULL, 0);
	}
	hl_crypto_wipe(text, sizeof(text));
	return st;
}

/* -- reading -- */

static hl_status_t slurp(const char *path, char *buf, size_t cap, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return HL_ERR_IO;
	size_t n = fread(buf, 1, cap - 1, f);
	bool more = fgetc(f) != EOF, err = ferror(f) != 0;
	fclose(f);
	if (err)
		return HL_ERR_IO;
	if (more || memchr(buf, '\0', n))
		return HL_ERR_CARD_CORRUPT;
	buf[n] = '\0';
	*len = n;
	return HL_OK;
}

/* Version first (a newer format may tag differently), then the tag over the body. */
static hl_status_t check_envelope(char *text, size_t len, size_t *body_len)
{
	unsigned version = 0;
	char nl = 0;
	uint8_t tag[32], h[32];
	if (sscanf(text, "hsmlab-card %u%c", &version, &nl) != 2 || nl != '\n' || version == 0)
		return HL_ERR_CARD_CORRUPT;
	if (version > 1)
		return HL_ERR_CARD_TOO_NEW;
	if (len < TAG_LINE_LEN + 1 || text[len - 1] != '\n')
		return HL_ERR_CARD_CORRUPT;
	char *t = text + len - TAG_LINE_LEN; /* the last line, after a newline */
	if (t[-1] != '\n' || strncmp(t, "tag ", 4) != 0)
		return HL_ERR_CARD_CORRUPT;
	t[TAG_LINE_LEN - 1] = '\0';
	if (!get_hex(t + 4, tag, sizeof(tag)))
		return HL_ERR_CARD_CORRUPT;
	hl_status_t st = hl_crypto_sha256((const uint8_t *)text, len - TAG_LINE_LEN, h);
	if (st != HL_OK)
		return st;
	if (!hl_crypto_memeq(h, tag, sizeof(h)))
		return HL_ERR_CARD_CORRUPT;
	*body_len = len - TAG_LINE_LEN;
	return HL_OK;
}

/* Next line of the body, which must start with key and a space; returns its value. */
static char *field(char **cursor, const char *key)
{
	char *line = *cursor, *nl = strchr(line, '\n');
	size_t k = strlen(key);
	if (!nl || strncmp(line, key, k) != 0 || line[k] != ' ')
		return NULL;
	*nl = '\0';
	*cursor = nl + 1;
	return line + k + 1;
}

static bool parse_uint(const char *s, unsigned max, unsigned *out)
{
	char *end = NULL;
	if (!s || *s < '0' || *s > '9')
		return false;
	unsigned long v = strtoul(s, &end, 10);
	if (*end || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

static hl_status_t parse_header(char **cur, hl_card_t *c)
{
	char *v;
	unsigned len = 0;
	char m[8], n[8], extra;
	if (!(v = field(cur, "kind")) || !hl_card_kind_ok(v))
		return HL_ERR_CARD_CORRUPT;
	strcpy(c->set.kind, v);
	if (!(v = field(cur, "owner")) || !cards_owner_ok(v))
		return HL_ERR_CARD_CORRUPT;
	strcpy(c->set.owner, v);
	if (!(v = field(cur, "set")) || !get_hex(v, c->set.set_id, HL_CARD_SET_ID_LEN))
		return HL_ERR_CARD_CORRUPT;
	if (!(v = field(cur, "index")) || !parse_uint(v, 255, &c->index))
		return HL_ERR_CARD_CORRUPT;
	if (!(v = field(cur, "quorum")) || sscanf(v, "%7s %7s%c", m, n, &extra) != 2 ||
	    !parse_uint(m, 255, &c->set.threshold) || !parse_uint(n, 255, &c->set.count))
		return HL_ERR_CARD_CORRUPT;
	if (!(v = field(cur, "secret-len")) || !parse_uint(v, HL_CARD_SECRET_MAX, &len))
		return HL_ERR_CARD_CORRUPT;
	c->set.secret_len = len;
	if (!(v = field(cur, "check")) || !get_hex(v, c->set.check, sizeof(c->set.check)))
		return HL_ERR_CARD_CORRUPT;
	if (c->set.threshold < 1 || c->set.threshold > c->set.count || c->index < 1 ||
	    c->index > c->set.count || len < 1)
		return HL_ERR_CARD_CORRUPT;
	return HL_OK;
}

/* orig: the file as read (the aad); work: the copy the fields are cut from. */
static hl_status_t parse_share(const char *orig, const char *work, char **cur, const char *pin,
			       hl_card_t *c)
{
	uint8_t salt[SALT_LEN], key[32], ct[HL_CARD_SECRET_MAX + HL_AEAD_OVERHEAD];
	char salthex[2 * SALT_LEN + 1], extra;
	unsigned iter = 0;
	size_t len = c->set.secret_len;
	hl_status_t st = HL_OK;
	char *v = field(cur, "pin");
	if (v && strcmp(v, "none") == 0) {
		v = field(cur, "share");
		return v && get_hex(v, c->share, len) && !**cur ? HL_OK : HL_ERR_CARD_CORRUPT;
	}
	if (!v || sscanf(v, "pbkdf2-sha256 %u %32s%c", &iter, salthex, &extra) != 2 ||
	    iter < 1000 || iter > 10000000 || !get_hex(salthex, salt, sizeof(salt)))
		return HL_ERR_CARD_CORRUPT;
	size_t aad_len = (size_t)(*cur - work);
	if (!(v = field(cur, "share")) || !get_hex(v, ct, len + HL_AEAD_OVERHEAD) || **cur)
		return HL_ERR_CARD_CORRUPT;
	if (!pin || !*pin)
		return HL_ERR_CARD_PIN_INCORRECT;
	st = pin_key(pin, salt, iter, key);
	if (st == HL_OK)
		st = hl_crypto_aead_open(key, (const uint8_t *)orig, aad_len, ct,
					 len + HL_AEAD_OVERHEAD, c->share);
	/* The tag already proved the bytes intact, so a failing open means a wrong PIN. */
	if (st == HL_ERR_INTEGRITY)
		st = HL_ERR_CARD_PIN_INCORRECT;
	hl_crypto_wipe(key, sizeof(key));
	return st;
}

hl_status_t hl_card_read(const char *path, const char *pin, hl_card_t *out)
{
	char *text = NULL, *work = NULL, *cur;
	size_t len = 0, body = 0;
	hl_card_t c;
	hl_status_t st = HL_ERR_NOMEM;
	memset(&c, 0, sizeof(c));
	if (!path || !out)
		return HL_ERR_ARGS;
	text = calloc(CARD_FILE_MAX, 1);
	work = calloc(CARD_FILE_MAX, 1);
	if (!text || !work)
		goto out;
	st = slurp(path, text, CARD_FILE_MAX, &len);
	if (st == HL_OK)
		st = check_envelope(text, len, &body);
	if (st != HL_OK)
		goto out;
	memcpy(work, text, body);
	work[body] = '\0';
	cur = strchr(work, '\n') + 1; /* after the version line */
	st = parse_header(&cur, &c);
	if (st == HL_OK)
		st = parse_share(text, work, &cur, pin, &c);
	if (st == HL_OK)
		*out = c;
out:
	hl_card_wipe(&c);
	if (text)
		hl_crypto_wipe(text, CARD_FILE_MAX);
	if (work)
		hl_crypto_wipe(work, CARD_FILE_MAX);
	free(text);
	free(work);
	return st;
}

bool hl_card_has_pin(const char *path)
{
	char buf[CARD_FILE_MAX];
	size_t len = 0;
	bool r = path && slurp(path, buf, sizeof(buf), &len) == HL_OK &&
		 strstr(buf, "\npin pbkdf2-sha256 ") != NULL;
	hl_crypto_wipe(buf, sizeof(buf));
	return r;
}

hl_status_t hl_cards_split_to_files(hl_card_set_t *set, const uint8_t *secret, size_t secret_len,
				    const char *dir, const char *pin, char *bad_path,
				    size_t bad_len)
{
	if (!set || !dir || !set->count)
		return HL_ERR_ARGS;
	if (bad_path && bad_len) /* until a card file is at fault: the set as a whole */
		snprintf(bad_path, bad_len, "%s", dir);
	hl_card_t *cards = calloc(set->count, sizeof(*cards));
	hl_status_t st = cards ? hl_cards_split(set, secret, secret_len, cards) : HL_ERR_NOMEM;
	for (unsigned i = 0; st == HL_OK && i < set->count; i++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s-%u.card", dir, set->kind, i + 1);
		st = hl_card_write(&cards[i], path, pin);
		if (st != HL_OK && bad_path && bad_len)
			snprintf(bad_path, bad_len, "%s", path);
	}
	for (unsigned i = 0; cards && i < set->count; i++)
		hl_card_wipe(&cards[i]);
	free(cards);
	return st;
}

hl_status_t hl_cards_combine_files(const hl_card_expect_t *want, const char *const *paths,
				   const char *const *pins, size_t n, uint8_t *secret_out,
				   size_t *len_out, size_t *bad_index_out)
{
	hl_card_t *cards = NULL;
	size_t bad = 0;
	hl_status_t st = HL_OK;
	if (!want || (!paths && n) || n > 255)
		return HL_ERR_ARGS;
	cards = calloc(n ? n : 1, sizeof(*cards));
	if (!cards)
		return HL_ERR_NOMEM;
	for (size_t i = 0; i < n && st == HL_OK; i++) {
		st = hl_card_read(paths[i], pins ? pins[i] : NULL, &cards[i]);
		bad = i;
	}
	if (st == HL_OK)
		st = cards_combine_at(want, cards, n, secret_out, len_out, &bad);
	if (st != HL_OK && bad_index_out)
		*bad_index_out = bad;
	hl_crypto_wipe(cards, (n ? n : 1) * sizeof(*cards));
	free(cards);
	return st;
}

hl_status_t hl_card_duplicate(const char *src, const char *dst, const char *pin)
{
	hl_card_t c;
	struct stat sb;
	if (!src || !dst)
		return HL_ERR_ARGS;
	if (lstat(dst, &sb) == 0)
		return HL_ERR_EXISTS;
	hl_status_t st = hl_card_read(src, pin, &c);
	if (st == HL_OK)
		st = hl_card_write(&c, dst, pin);
	hl_card_wipe(&c);
	return st;
}
