/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the Luna's PED (L12). A step that takes iKeys asks the PED for each one in
 * turn, and the device times every answer on its own clock (host time through libc, so
 * libfaketime moves it, plus the clock offset `clock set` stores): an iKey presented later
 * than the PED key interaction timeout fails the step, as a PED prompt left unanswered does.
 * The PED's duplicate function copies an iKey (an M of N split too) onto a new one. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cards/hl_cards.h"
#include "clock/hl_clock.h"
#include "luna/luna_int.h"
#include "p11/hl_p11.h"

static pthread_mutex_t ped_lock = PTHREAD_MUTEX_INITIALIZER;
static hsmlab_luna_ped_fn ped_fn;
static void *ped_ctx;

CK_RV hl_luna_ca_set_ped(hsmlab_luna_ped_fn ped, void *ctx)
{
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	pthread_mutex_lock(&ped_lock);
	ped_fn = ped;
	ped_ctx = ctx;
	pthread_mutex_unlock(&ped_lock);
	return CKR_OK;
}

uint64_t hl_luna_ped_timeout_s(const hl_device_t *dev)
{
	/* The client's PEDTimeout2 is in milliseconds; the device clock counts seconds. */
	if (hl_luna_client.ped_timeout_ms)
		return (hl_luna_client.ped_timeout_ms + 999) / 1000;
	return hl_luna_switches(dev)->ikey_prompt_timeout_s;
}

hl_status_t hl_luna_ped_present(hl_device_t *dev, const char *kind, const char *const *ikeys,
				CK_ULONG n)
{
	pthread_mutex_lock(&ped_lock);
	hsmlab_luna_ped_fn fn = ped_fn;
	void *ctx = ped_ctx;
	pthread_mutex_unlock(&ped_lock);
	uint64_t timeout = hl_luna_ped_timeout_s(dev);
	for (CK_ULONG i = 0; fn && i < n; i++) {
		int64_t asked = hl_luna_now(dev);
		CK_RV rv = fn(ctx, kind, ikeys[i], i + 1, n);
		int64_t answered = hl_luna_now(dev);
		if (rv != CKR_OK) {
			hl_p11_log("%s iKey %lu of %lu (%s): the PED cancelled the prompt (0x%lx)",
				   kind, i + 1, n, ikeys[i], (unsigned long)rv);
			return HL_ERR_LUNA_PED_CANCELED;
		}
		/* Answered after the timeout (or the clock went back: the device cannot tell). */
		if (timeout && hl_clock_expired(answered, asked, (int64_t)timeout)) {
			hl_p11_log("%s iKey %lu of %lu (%s): the PED prompt timed out after %llu s "
				   "(answered after %lld s); present the iKeys again",
				   kind, i + 1, n, ikeys[i], (unsigned long long)timeout,
				   (long long)(answered - asked));
			return HL_ERR_LUNA_PED_TIMEOUT;
		}
	}
	return HL_OK;
}

CK_RV hl_luna_ca_duplicate_ikey(const char *src, const char *dst, const char *pin)
{
	hl_card_t c;
	if (!hl_p11_initialized())
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	if (!src || !dst || !src[0] || !dst[0])
		return CKR_ARGUMENTS_BAD;
	if (access(src, R_OK) != 0) {
		hl_p11_log("%s: cannot read the iKey: %s", src, strerror(errno));
		return CKR_ARGUMENTS_BAD;
	}
	/* Only the Luna's own kinds: the PED reads PED keys, not another vendor's cards. */
	hl_status_t st = hl_card_read(src, pin, &c);
	bool luna = st == HL_OK && !strncmp(c.set.kind, "luna-", 5);
	hl_card_wipe(&c);
	if (st == HL_OK && !luna) {
		hl_p11_log("%s: not a Luna iKey (a card of another kind): nothing written", src);
		return CKR_ARGUMENTS_BAD;
	}
	if (st == HL_OK)
		st = hl_card_duplicate(src, dst, pin);
	if (st == HL_ERR_EXISTS)
		hl_p11_log("%s: exists: a duplicate goes onto a new iKey (nothing overwritten)",
			   dst);
	else if (st != HL_OK)
		hl_p11_log("iKey duplicate %s -> %s: %s", src, dst, hl_strerror(st));
	return hl_p11_rv(st);
}
