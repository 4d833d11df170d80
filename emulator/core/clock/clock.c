/* SPDX-License-Identifier: BSD-2-Clause
 * hsmlab emulator: the device clock (host time through libc + a per-device offset). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock/hl_clock.h"

/* -- public API -- */

int64_t hl_clock_now(const hl_clock_t *clock)
{
	struct timespec ts = { 0 };
	/* Through libc, not a raw syscall, so libfaketime's LD_PRELOAD shifts it. */
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		ts.tv_sec = time(NULL);
	return (int64_t)ts.tv_sec + (clock ? clock->offset : 0);
}

void hl_clock_set(hl_clock_t *clock, int64_t when)
{
	clock->offset = 0;
	clock->offset = when - hl_clock_now(NULL);
}

hl_status_t hl_clock_format(int64_t when, char *buf, size_t buflen)
{
	struct tm tm = { 0 };
	time_t t = (time_t)when;
	if (!buf || buflen < HL_CLOCK_ISO_LEN || !gmtime_r(&t, &tm) || tm.tm_year + 1900 > 9999 ||
	    tm.tm_year + 1900 < 0)
		return HL_ERR_ARGS;
	if (strftime(buf, buflen, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return HL_ERR_ARGS;
	return HL_OK;
}

hl_status_t hl_clock_parse(const char *text, int64_t *out)
{
	struct tm tm = { 0 };
	char sep = 0, z = 0, extra = 0;
	long long secs = 0;
	if (!text || !out)
		return HL_ERR_ARGS;
	if (text[0] == '@') {
		if (sscanf(text + 1, "%lld%c", &secs, &extra) != 1)
			return HL_ERR_ARGS;
		*out = (int64_t)secs;
		return HL_OK;
	}
	int n = sscanf(text, "%4d-%2d-%2d%c%2d:%2d:%2d%c%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		       &sep, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z, &extra);
	if (n < 7 || n > 8 || (sep != 'T' && sep != ' ') || (n == 8 && z != 'Z'))
		return HL_ERR_ARGS;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_hour < 0 ||
	    tm.tm_min < 0 || tm.tm_sec < 0)
		return HL_ERR_ARGS;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	int mday = tm.tm_mday;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != mday) /* e.g. 2025-02-30 normalised away */
		return HL_ERR_ARGS;
	*out = (int64_t)t;
	return HL_OK;
}

hl_status_t hl_clock_support_warning(int64_t now, const char *end_date, const char *model,
				     char *buf, size_t len)
{
	if (!model)
		model = "";
	char stamp[HL_CLOCK_ISO_LEN], extra;
	int y, m, d;
	int64_t end;
	/* Only a plain date: hl_clock_parse would take a time of day too. */
	if (!end_date || !buf || len == 0 ||
	    sscanf(end_date, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 ||
	    snprintf(stamp, sizeof(stamp), "%sT00:00:00Z", end_date) >= (int)sizeof(stamp) ||
	    hl_clock_parse(stamp, &end) != HL_OK)
		return HL_ERR_ARGS;
	buf[0] = '\0';
	if (now < end)
		return HL_OK;
	int n = snprintf(buf, len,
			 "WARNING: this %s%sdevice is past its end of support (%s); plan its "
			 "replacement",
			 model, *model ? " " : "", end_date);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return HL_ERR_ARGS;
	}
	return HL_OK;
}

bool hl_clock_expired(int64_t now, int64_t since, int64_t timeout)
{
	return hl_clock_remaining(now, since, timeout) == 0;
}

int64_t hl_clock_remaining(int64_t now, int64_t since, int64_t timeout)
{
	if (timeout <= 0)
		return INT64_MAX;
	if (now < since) /* clock set backwards: cannot trust the elapsed time */
		return 0;
	int64_t elapsed = now - since;
	return elapsed >= timeout ? 0 : timeout - elapsed;
}
