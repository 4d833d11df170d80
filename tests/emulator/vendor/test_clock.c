/* SPDX-License-Identifier: BSD-2-Clause
 * Tests for the device clock (emulator/core/clock). The libfaketime shift is shown by the
 * script test clock_faketime.sh, which runs clock_now under faketime. */
#include <criterion/criterion.h>
#include <string.h>
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
	cr_assert_eq(t, INT64_C(1735689600));
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

/* The date a profile gives (K5's 2025-01-01) and the model the family names. */
#define EOS INT64_C(1735689600)

Test(clock, end_of_support_warning_from_profile_date_and_family_model)
{
	char w[160];
	cr_assert_eq(hl_clock_support_warning(EOS - 1, "2025-01-01", "Acme", w, sizeof(w)), HL_OK);
	cr_assert_str_empty(w, "no warning the second before: %s", w);
	cr_assert_eq(hl_clock_support_warning(EOS, "2025-01-01", "Acme", w, sizeof(w)), HL_OK);
	cr_assert_str_eq(w, "WARNING: this Acme device is past its end of support (2025-01-01); "
			    "plan its replacement");
	cr_assert_eq(hl_clock_support_warning(EOS + 86400, "2030-06-30", "Acme", w, sizeof(w)),
		     HL_OK);
	cr_assert_str_empty(w, "another profile's later date: no warning yet");
}

Test(clock, end_of_support_refuses_a_bad_date_or_short_buffer)
{
	static const char *const bad[] = { "", "2025-13-01", "2025-01-01T00:00:00Z", "soon" };
	char w[160];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(hl_clock_support_warning(EOS, bad[i], "Acme", w, sizeof(w)),
			     HL_ERR_ARGS, "accepted \"%s\"", bad[i]);
	cr_assert_eq(hl_clock_support_warning(EOS, "2025-01-01", "Acme", w, 20), HL_ERR_ARGS);
	cr_assert_str_empty(w, "a cut warning is not left behind");
}

Test(clock, timeouts)
{
	cr_assert_not(hl_clock_expired(1000, 1000, 120));
	cr_assert_eq(hl_clock_remaining(1100, 1000, 120), 20);
	cr_assert(hl_clock_expired(1120, 1000, 120));
	cr_assert(hl_clock_expired(999, 1000, 120), "clock set backwards counts as expired");
	cr_assert_not(hl_clock_expired(INT64_C(4000000000), 1000, 0), "0 never expires");
	cr_assert_eq(hl_clock_remaining(5, 0, 0), INT64_MAX);
	cr_assert_eq(hl_clock_remaining(0, 0, 7200), 7200);
}
