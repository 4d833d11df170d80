/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator cards: M-of-N splitting and recombination with libgfshare. */
#include <libgfshare.h>
#include <pthread.h>
#include <string.h>

#include "cards_int.h"
#include "crypto/hl_crypto.h"

/* libgfshare's default generator is random(3); shares must come from the CSPRNG. */
static _Thread_local bool rand_failed; /* per thread: splits may run concurrently */

static void fill_rand(unsigned char *buf, unsigned int len)
{
	if (hl_crypto_random(buf, len) != HL_OK)
		rand_failed = true;
}

static void install_rand(void)
{
	gfshare_fill_rand = fill_rand;
}

/* Both directions need it: gfshare_ctx_free scrubs with gfshare_fill_rand, which this
 * libgfshare leaves NULL, so a process that only combines would crash there. */
static void need_rand(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, install_rand);
}

/* -- helpers -- */

bool hl_card_kind_ok(const char *kind)
{
	size_t n = kind ? strlen(kind) : 0;
	if (n == 0 || n > HL_CARD_KIND_MAX || kind[0] < 'a' || kind[0] > 'z')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((kind[i] >= 'a' && kind[i] <= 'z') || (kind[i] >= '0' && kind[i] <= '9') ||
		      kind[i] == '-'))
			return false;
	return true;
}

void hl_card_wipe(hl_card_t *card)
{
	if (card)
		hl_crypto_wipe(card, sizeof(*card));
}

bool cards_owner_ok(const char *owner)
{
	size_t n = owner ? strlen(owner) : 0;
	if (n == 0 || n > HL_CARD_OWNER_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = owner[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr("._:-", c)))
			return false;
	}
	return true;
}

hl_status_t cards_check_value(const uint8_t set_id[HL_CARD_SET_ID_LEN], const uint8_t *secret,
			      size_t len, uint8_t out[32])
{
	static const char label[] = "hsmlab card check v1";
	uint8_t buf[sizeof(label) - 1 + HL_CARD_SET_ID_LEN + HL_CARD_SECRET_MAX];
	if (len > HL_CARD_SECRET_MAX)
		return HL_ERR_ARGS;
	memcpy(buf, label, sizeof(label) - 1);
	memcpy(buf + sizeof(label) - 1, set_id, HL_CARD_SET_ID_LEN);
	memcpy(buf + sizeof(label) - 1 + HL_CARD_SET_ID_LEN, secret, len);
	hl_status_t st = hl_crypto_sha256(buf, sizeof(label) - 1 + HL_CARD_SET_ID_LEN + len, out);
	hl_crypto_wipe(buf, sizeof(buf));
	return st;
}

/* -- splitting -- */

hl_status_t hl_cards_split(hl_card_set_t *set, const uint8_t *secret, size_t secret_len,
			   hl_card_t *cards_out)
{
	unsigned char nrs[255];
	gfshare_ctx *g = NULL;
	hl_card_set_t s;
	hl_status_t st = HL_OK;
	if (!set || !secret || !cards_out || secret_len == 0 || secret_len > HL_CARD_SECRET_MAX ||
	    !hl_card_kind_ok(set->kind) || set->threshold < 1 || set->count > 255 ||
	    set->threshold > set->count || !cards_owner_ok(set->owner))
		return HL_ERR_ARGS;
	s = *set;
	s.secret_len = secret_len;
	st = hl_crypto_random(s.set_id, sizeof(s.set_id));
	if (st == HL_OK)
		st = cards_check_value(s.set_id, secret, secret_len, s.check);
	if (st != HL_OK)
		return st;
	for (unsigned i = 0; i < s.count; i++)
		nrs[i] = (unsigned char)(i + 1);
	need_rand();
	rand_failed = false;
	g = gfshare_ctx_init_enc(nrs, s.count, (unsigned char)s.threshold, (unsigned)secret_len);
	if (!g)
		return HL_ERR_NOMEM;
	uint8_t sec[HL_CARD_SECRET_MAX];
	memcpy(sec, secret, secret_len); /* libgfshare's API is not const-correct */
	gfshare_ctx_enc_setsecret(g, sec);
	hl_crypto_wipe(sec, sizeof(sec));
	if (rand_failed) {
		st = HL_ERR_CRYPTO;
		goto out;
	}
	for (unsigned i = 0; i < s.count; i++) {
		memset(&cards_out[i], 0, sizeof(cards_out[i]));
		cards_out[i].set = s;
		cards_out[i].index = i + 1;
		gfshare_ctx_enc_getshare(g, (unsigned char)i, cards_out[i].share);
	}
	*set = s;
out:
	gfshare_ctx_free(g); /* libgfshare wipes its buffers on free */
	return st;
}

/* -- combining -- */

static hl_status_t check_cards(const hl_card_expect_t *want, const hl_card_t *cards, size_t n,
			       size_t *bad)
{
	const hl_card_set_t *first = n ? &cards[0].set : NULL;
	for (size_t i = 0; i < n; i++) {
		*bad = i;
		if (!want->kind || strcmp(cards[i].set.kind, want->kind) != 0)
			return HL_ERR_CARD_WRONG_KIND;
		if (strcmp(cards[i].set.owner, want->owner) != 0)
			return HL_ERR_CARD_WRONG_OWNER;
		if (want->set_id ? memcmp(cards[i].set.set_id, want->set_id, HL_CARD_SET_ID_LEN)
				 : memcmp(cards[i].set.set_id, first->set_id, HL_CARD_SET_ID_LEN))
			return HL_ERR_CARD_WRONG_SET;
		/* Same set id but different parameters: a doctored card. */
		if (cards[i].set.threshold != first->threshold ||
		    cards[i].set.count != first->count ||
		    cards[i].set.secret_len != first->secret_len ||
		    memcmp(cards[i].set.check, first->check, 32) != 0 || cards[i].index < 1 ||
		    cards[i].index > first->count)
			return HL_ERR_CARD_MISMATCH;
		for (size_t k = 0; k < i; k++)
			if (cards[k].index == cards[i].index)
				return HL_ERR_CARD_DUPLICATE;
	}
	*bad = n;
	if (n == 0 || n < first->threshold)
		return HL_ERR_CARD_TOO_FEW;
	return HL_OK;
}

hl_status_t cards_combine_at(const hl_card_expect_t *want, const hl_card_t *cards, size_t n,
			     uint8_t *secret_out, size_t *len_out, size_t *bad_out)
{
	unsigned char nrs[255];
	uint8_t secret[HL_CARD_SECRET_MAX], check[32];
	gfshare_ctx *g = NULL;
	size_t bad = 0;
	if (!want || !want->owner || (!cards && n) || !secret_out || !len_out)
		return HL_ERR_ARGS;
	hl_status_t st = check_cards(want, cards, n, &bad);
	if (st != HL_OK)
		goto out;
	/* Exactly threshold shares: more add nothing, and every card was checked above. */
	unsigned m = cards[0].set.threshold;
	size_t len = cards[0].set.secret_len;
	for (unsigned i = 0; i < m; i++)
		nrs[i] = (unsigned char)cards[i].index;
	need_rand();
	g = gfshare_ctx_init_dec(nrs, m, (unsigned)len);
	if (!g) {
		st = HL_ERR_NOMEM;
		goto out;
	}
	for (unsigned i = 0; i < m; i++) {
		uint8_t share[HL_CARD_SECRET_MAX];
		memcpy(share, cards[i].share, len);
		gfshare_ctx_dec_giveshare(g, (unsigned char)i, share);
		hl_crypto_wipe(share, sizeof(share));
	}
	gfshare_ctx_dec_extract(g, secret);
	st = cards_check_value(cards[0].set.set_id, secret, len, check);
	if (st == HL_OK && !hl_crypto_memeq(check, cards[0].set.check, sizeof(check))) {
		st = HL_ERR_CARD_MISMATCH;
		bad = n;
	}
	if (st == HL_OK) {
		memcpy(secret_out, secret, len);
		*len_out = len;
	}
out:
	if (st != HL_OK && bad_out)
		*bad_out = bad;
	if (g) /* libgfshare's free does not accept NULL */
		gfshare_ctx_free(g);
	hl_crypto_wipe(secret, sizeof(secret));
	return st;
}

hl_status_t hl_cards_combine(const hl_card_expect_t *want, const hl_card_t *cards, size_t n,
			     uint8_t *secret_out, size_t *len_out)
{
	return cards_combine_at(want, cards, n, secret_out, len_out, NULL);
}
