/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the device clock. One time source for everything time-dependent on a
 * device (audit stamps, activation timeouts, an end-of-support warning): host time
 * read through libc (so libfaketime shifts it) plus a per-device offset in seconds. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hl_status.h"

/* A device's clock: just its offset from host time. Plain value, no resources. */
typedef struct {
	int64_t offset; /* seconds added to host time; set through the console */
} hl_clock_t;

/* Longest ISO 8601 UTC stamp hl_clock_format writes, with its NUL. */
#define HL_CLOCK_ISO_LEN 32

/* Device time in seconds since the epoch (UTC): clock_gettime(CLOCK_REALTIME) + offset.
 * clock may be NULL (offset 0). */
int64_t hl_clock_now(const hl_clock_t *clock);
/* Sets the offset so that hl_clock_now() reads `when` now (what "set the device clock"
 * on the console does). */
void hl_clock_set(hl_clock_t *clock, int64_t when);
/* Writes `when` as "YYYY-MM-DDTHH:MM:SSZ" into buf (HL_CLOCK_ISO_LEN bytes). HL_ERR_ARGS
 * when the time cannot be represented. */
hl_status_t hl_clock_format(int64_t when, char *buf, size_t buflen);
/* Parses "YYYY-MM-DDTHH:MM:SSZ" or "YYYY-MM-DD HH:MM:SS" (UTC) or "@<seconds>";
 * HL_ERR_ARGS when malformed. *out written only on success. */
hl_status_t hl_clock_parse(const char *text, int64_t *out);

/* The end-of-support warning of a device at device time `now`, the date and the model name
 * (as messages name the device; NULL or "": none) coming from its profile and family:
 * written to buf when `now` is on or after end_date ("YYYY-MM-DD", from midnight UTC), else
 * buf gets "". HL_ERR_ARGS for a malformed date, or a buffer too short for the warning. */
hl_status_t hl_clock_support_warning(int64_t now, const char *end_date, const char *model,
				     char *buf, size_t len);

/* Timeouts: whether something started at `since` with a lifetime of `timeout` seconds has
 * expired at `now`. timeout 0 means "never expires". A clock set backwards before `since`
 * counts as expired: the device cannot tell how long it was really active. */
bool hl_clock_expired(int64_t now, int64_t since, int64_t timeout);
/* Seconds left before expiry (0 when expired, INT64_MAX when timeout is 0). */
int64_t hl_clock_remaining(int64_t now, int64_t since, int64_t timeout);
