/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for the device clock (emulator/core/clock). The libfaketime shift is shown by the
 * script test clock_faketime.sh, which runs clock_now under faketime. */
#include <criterion/criterion.h>
#include <time.h>

#include "clock/hl_clock.h"

Test(clock, now_is_host_time_plus_offset)
{
	hl_clock_t c = { .offset = 3600 };
	int64_t host = (int64_t)time(NULL);
	int64_t dev = hl_clock_now(&c);
	cr_assert(dev >= host + 3600 && dev <= host + 3602, "device %lld host %lld", (long long)dev,
		  (long long)host);
	int64_t plain = hl_clock_now(NULL);
	cr_assert(plain >= host && plain <= host + 2);
}

Test(clock, set_moves_the_device_clock_only)
{
	hl_clock_t c = { 0 };
	hl_clock_set(&c, INT64_C(1735689600) + 10);
	int64_t dev = hl_clock_now(&c);
	cr_assert(dev >= INT64_C(1735689610) && dev <= INT64_C(1735689612));
	cr_assert(c.offset != 0);
	int64_t host = hl_clock_now(NULL);
	cr_assert(host - (int64_t)time(NULL) <= 1);
}

Test(clock, format_and_parse_round_trip)
{
	char buf[HL_CLOCK_ISO_LEN];
	int64_t t = 0;
	cr_assert_eq(hl_clock_parse("2025-01-01T00:00:00Z", &t), HL_OK);
	cr_assert_eq(t, HL_CLOCK_KEYPER_END_OF_SUPPORT);
	cr_assert_eq(hl_clock_parse("2017-02-02 21:00:00", &t), HL_OK);
	cr_assert_eq(hl_clock_format(t, buf, sizeof(buf)), HL_OK);
	cr_assert_str_eq(buf, "2017-02-02T21:00:00Z");
	cr_assert_eq(hl_clock_parse("@1790000000", &t), HL_OK);
	cr_assert_eq(t, INT64_C(1790000000));
	cr_assert_eq(hl_clock_format(t, buf, 8), HL_ERR_ARGS, "short buffer refused");
}

Test(clock, parse_refuses_malformed_times)
{
	static const char *const bad[] = {
		"",
		"2025-01-01",
		"2025-13-01T00:00:00Z",
		"2025-02-30T00:00:00Z",
		"@",
		"@12x",
		"2025-01-01T24:00:00Z",
		"2025-01-01T00:00:00+01",
		"yesterday",
		"2025-01-01X00:00:00Z",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t t = 42;
		cr_assert_eq(hl_clock_parse(bad[i], &t), HL_ERR_ARGS, "accepted \"%s\"", bad[i]);
		cr_assert_eq(t, 42, "out-param written on failure for \"%s\"", bad[i]);
	}
}

Test(clock, keyper_end_of_support_warning)
{
	cr_assert_not(hl_clock_keyper_unsupported(HL_CLOCK_KEYPER_END_OF_SUPPORT - 1));
	cr_assert_null(hl_clock_keyper_warning(HL_CLOCK_KEYPER_END_OF_SUPPORT - 1));
	cr_assert(hl_clock_keyper_unsupported(HL_CLOCK_KEYPER_END_OF_SUPPORT));
	const char *w = hl_clock_keyper_warning(HL_CLOCK_KEYPER_END_OF_SUPPORT + 86400);
	cr_assert_not_null(w);
	cr_assert(strstr(w, "2025-01-01") != NULL);
}

Test(clock, timeouts)
{
	cr_assert_not(hl_clock_expired(1000, 1000, HL_CLOCK_LUNA_PROMPT_TIMEOUT));
	cr_assert_eq(hl_clock_remaining(1100, 1000, HL_CLOCK_LUNA_PROMPT_TIMEOUT), 20);
	cr_assert(hl_clock_expired(1120, 1000, HL_CLOCK_LUNA_PROMPT_TIMEOUT));
	cr_assert(hl_clock_expired(999, 1000, 120), "clock set backwards counts as expired");
	cr_assert_not(hl_clock_expired(INT64_C(4000000000), 1000, 0), "0 never expires");
	cr_assert_eq(hl_clock_remaining(5, 0, 0), INT64_MAX);
	cr_assert_eq(hl_clock_remaining(0, 0, HL_CLOCK_LUNA_OUTAGE_GRACE), 7200);
}
