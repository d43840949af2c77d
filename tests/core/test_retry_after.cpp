// Vectors for Retry-After and HTTP-date (wasm/retry_after.{h,cpp}), RFC 9110 §10.2.3 and §5.6.7.
//
// One table of named vectors (value, now, expected status, expected delay) covers every accepted form, every
// rejection reason and every decision the header documents; a test checks that each status is named by a
// vector. The Unix times the vectors use were checked independently with `date -u -d … +%s`. Then the calendar
// arithmetic is compared, day by day over four centuries, with a plain day counter (and the three date forms
// with each other); last, prefixes of valid dates and seeded arbitrary input check that the parser is strict
// and never crashes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "retry_after.h"

namespace {

using tes::RetryAfterStatus;

const char* name_of(RetryAfterStatus s) {
  static const char* const kNames[] = {"kAbsent", "kSeconds", "kDate", "kInvalid"};
  return static_cast<size_t>(s) < tes::kRetryAfterStatusCount ? kNames[static_cast<size_t>(s)] : "?";
}

constexpr int64_t kSecond = 1000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
constexpr uint64_t kCap = tes::kMaxRetryAfterDelayMs;
constexpr int64_t kMinNow = std::numeric_limits<int64_t>::min();
constexpr int64_t kMaxNow = std::numeric_limits<int64_t>::max();

// Instants (Unix ms, 00:00:00 GMT unless named otherwise).
constexpr int64_t k1994Nov06 = 784'111'777'000;  // Sun, 06 Nov 1994 08:49:37 GMT: the RFC's example
constexpr int64_t k2026 = 1'767'225'600'000;     // Thu, 01 Jan 2026: "now" for most vectors
constexpr int64_t k1940 = -946'771'200'000;      // Mon, 01 Jan 1940
constexpr int64_t k1990 = 631'152'000'000;       // Mon, 01 Jan 1990
constexpr int64_t k2000 = 946'684'800'000;       // Sat, 01 Jan 2000
constexpr int64_t k2000Feb29 = 951'782'400'000;  // Tue, 29 Feb 2000
constexpr int64_t k2024Feb29 = 1'709'164'800'000;
constexpr int64_t k2031 = 1'924'992'000'000;  // Wed, 01 Jan 2031
constexpr int64_t k2076 = 3'345'062'400'000;  // Wed, 01 Jan 2076
constexpr int64_t k2099Jun01 = 4'083'955'200'000;
constexpr int64_t k2100 = 4'102'444'800'000;  // Fri, 01 Jan 2100
constexpr int64_t k2149 = 5'648'745'600'000;  // Wed, 01 Jan 2149
constexpr int64_t k9999End = 253'402'300'799'000;  // Fri, 31 Dec 9999 23:59:59 GMT
constexpr int64_t k0000 = -62'167'219'200'000;     // Sat, 01 Jan 0000 (proleptic Gregorian)
constexpr int64_t k12000 = 316'516'204'800'000;    // 01 Jan 12000: a clock beyond the 4-digit years

// The delay from `now` to a later `then`.
constexpr uint64_t delay(int64_t now, int64_t then) { return static_cast<uint64_t>(then - now); }

struct RetryAfterVector {
  const char* name;
  std::string value;
  int64_t now;
  RetryAfterStatus status;
  uint64_t delay_ms;
};

const std::vector<RetryAfterVector>& retry_after_vectors() {
  using S = RetryAfterStatus;
  static const std::vector<RetryAfterVector> kVectors = {
      {"absent", "", k2026, S::kAbsent, 0},
      {"only OWS is absent too (fetch reports an empty field as \"\")", " \t ", k2026, S::kAbsent, 0},

      // delay-seconds
      {"zero seconds", "0", k2026, S::kSeconds, 0},
      {"seconds", "120", k2026, S::kSeconds, 120 * kSecond},
      {"leading zeros are still 1*DIGIT", "0000120", k2026, S::kSeconds, 120 * kSecond},
      {"OWS around seconds is trimmed", " \t120\t ", k2026, S::kSeconds, 120 * kSecond},
      {"seconds do not depend on now", "120", kMinNow, S::kSeconds, 120 * kSecond},
      {"the most seconds that fit under the cap", "9007199254740", k2026, S::kSeconds, 9'007'199'254'740'000},
      {"one second more saturates at the cap", "9007199254741", k2026, S::kSeconds, kCap},
      {"2^64 seconds saturate instead of wrapping", "18446744073709551616", k2026, S::kSeconds, kCap},
      {"forty digits saturate", std::string(40, '9'), k2026, S::kSeconds, kCap},

      {"negative seconds", "-1", k2026, S::kInvalid, 0},
      {"plus sign", "+1", k2026, S::kInvalid, 0},
      {"fraction", "1.5", k2026, S::kInvalid, 0},
      {"unit suffix", "10s", k2026, S::kInvalid, 0},
      {"hex", "0x10", k2026, S::kInvalid, 0},
      {"space inside the number", "1 0", k2026, S::kInvalid, 0},
      {"two fields joined by HTTP", "120, 120", k2026, S::kInvalid, 0},
      {"CR is not OWS", "120\r", k2026, S::kInvalid, 0},
      {"VT is not OWS", "\v120", k2026, S::kInvalid, 0},
      {"garbage after a huge number is still rejected", std::string(40, '9') + "x", k2026, S::kInvalid, 0},

      // IMF-fixdate
      {"IMF-fixdate two minutes ahead", "Thu, 01 Jan 2026 00:02:00 GMT", k2026, S::kDate, 120 * kSecond},
      {"IMF-fixdate equal to now", "Thu, 01 Jan 2026 00:00:00 GMT", k2026, S::kDate, 0},
      {"IMF-fixdate in the past is a delay of 0", "Sun, 06 Nov 1994 08:49:37 GMT", k2026, S::kDate, 0},
      {"IMF-fixdate one second in the past", "Wed, 31 Dec 2025 23:59:59 GMT", k2026, S::kDate, 0},
      {"now has milliseconds: the delay keeps them", "Thu, 01 Jan 2026 00:00:01 GMT", k2026 + 500, S::kDate, 500},
      {"the RFC's example, a second before it", "Sun, 06 Nov 1994 08:49:37 GMT", k1994Nov06 - kSecond, S::kDate,
       1000},
      {"OWS around a date is trimmed", "\t Thu, 01 Jan 2026 00:02:00 GMT \t", k2026, S::kDate, 120 * kSecond},
      {"29 Feb in a leap year", "Thu, 29 Feb 2024 12:00:00 GMT", k2024Feb29, S::kDate, 12 * kHour},
      {"29 Feb 2000: divisible by 400, leap", "Tue, 29 Feb 2000 00:00:00 GMT", k2000, S::kDate,
       delay(k2000, k2000Feb29)},
      {"31 Dec", "Wed, 31 Dec 2025 00:00:00 GMT", k2026 - 2 * kDay, S::kDate, kDay},
      {"second 60 is accepted and is the next minute's first second", "Tue, 31 Dec 2030 23:59:60 GMT", k2026,
       S::kDate, delay(k2026, k2031)},
      {"the last instant of year 9999", "Fri, 31 Dec 9999 23:59:59 GMT", k2026, S::kDate, delay(k2026, k9999End)},
      {"year 0000 is in the grammar (and in the past)", "Sat, 01 Jan 0000 00:00:00 GMT", k2026, S::kDate, 0},
      {"weekday names are not checked against the date (2026-01-01 is a Thursday)",
       "Mon, 01 Jan 2026 00:02:00 GMT", k2026, S::kDate, 120 * kSecond},
      {"a date when now is the earliest int64: saturates", "Thu, 01 Jan 2026 00:00:00 GMT", kMinNow, S::kDate, kCap},
      {"a date when now is the latest int64: past", "Fri, 31 Dec 9999 23:59:59 GMT", kMaxNow, S::kDate, 0},

      {"29 Feb 2023: not a leap year", "Wed, 29 Feb 2023 00:00:00 GMT", k2026, S::kInvalid, 0},
      {"29 Feb 1900: divisible by 100, not leap", "Thu, 29 Feb 1900 00:00:00 GMT", k2026, S::kInvalid, 0},
      {"31 Feb", "Sat, 31 Feb 2026 00:00:00 GMT", k2026, S::kInvalid, 0},
      {"31 Apr", "Thu, 31 Apr 2026 00:00:00 GMT", k2026, S::kInvalid, 0},
      {"day 00", "Thu, 00 Jan 2026 00:00:00 GMT", k2026, S::kInvalid, 0},
      {"day 32", "Thu, 32 Jan 2026 00:00:00 GMT", k2026, S::kInvalid, 0},
      {"hour 24", "Thu, 01 Jan 2026 24:00:00 GMT", k2026, S::kInvalid, 0},
      {"minute 60", "Thu, 01 Jan 2026 00:60:00 GMT", k2026, S::kInvalid, 0},
      {"second 61", "Thu, 01 Jan 2026 00:00:61 GMT", k2026, S::kInvalid, 0},
      {"one-digit day", "Thu, 1 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"two-digit year", "Thu, 01 Jan 26 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"five-digit year", "Thu, 01 Jan 02026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"one-digit hour", "Thu, 01 Jan 2026 0:02:00 GMT", k2026, S::kInvalid, 0},
      {"no seconds", "Thu, 01 Jan 2026 00:02 GMT", k2026, S::kInvalid, 0},
      {"lower-case month (names are case-sensitive)", "Thu, 01 jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"upper-case month", "Thu, 01 JAN 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"unknown month", "Thu, 01 Jum 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"lower-case day name", "thu, 01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"misspelled day name", "Thr, 01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"no day name", "01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"lower-case gmt", "Thu, 01 Jan 2026 00:02:00 gmt", k2026, S::kInvalid, 0},
      {"UTC instead of GMT", "Thu, 01 Jan 2026 00:02:00 UTC", k2026, S::kInvalid, 0},
      {"numeric zone instead of GMT", "Thu, 01 Jan 2026 00:02:00 +0000", k2026, S::kInvalid, 0},
      {"no zone", "Thu, 01 Jan 2026 00:02:00", k2026, S::kInvalid, 0},
      {"no space after the comma", "Thu,01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"two spaces after the comma", "Thu,  01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"HTAB inside the date", "Thu,\t01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"dashes in an IMF-fixdate", "Thu, 01-Jan-2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"trailing garbage after GMT", "Thu, 01 Jan 2026 00:02:00 GMTx", k2026, S::kInvalid, 0},
      {"two dates joined by HTTP", "Thu, 01 Jan 2026 00:02:00 GMT, Thu, 01 Jan 2026 00:02:00 GMT", k2026,
       S::kInvalid, 0},
      {"a NUL byte inside", std::string("Thu, 01 Jan 2026\0 00:02:00 GMT", 30), k2026, S::kInvalid, 0},

      // rfc850-date (obsolete, two-digit year)
      {"rfc850-date two minutes ahead", "Thursday, 01-Jan-26 00:02:00 GMT", k2026, S::kDate, 120 * kSecond},
      {"rfc850-date: the RFC's example is 1994, not 2094", "Sunday, 06-Nov-94 08:49:37 GMT", k2026, S::kDate, 0},
      {"rfc850-date: exactly 50 years ahead stays in this century", "Wednesday, 01-Jan-76 00:00:00 GMT", k2026,
       S::kDate, delay(k2026, k2076)},
      {"rfc850-date: 51 years ahead is the previous century (1977)", "Saturday, 01-Jan-77 00:00:00 GMT", k2026,
       S::kDate, 0},
      {"rfc850-date: in 2099, 00 is the next century (2100)", "Friday, 01-Jan-00 00:00:00 GMT", k2099Jun01,
       S::kDate, delay(k2099Jun01, k2100)},
      {"rfc850-date: in 2099, 49 is 2149", "Wednesday, 01-Jan-49 00:00:00 GMT", k2099Jun01, S::kDate,
       delay(k2099Jun01, k2149)},
      {"rfc850-date: in 2099, 50 is 2050 (past)", "Saturday, 01-Jan-50 00:00:00 GMT", k2099Jun01, S::kDate, 0},
      {"rfc850-date: in 1940, 90 is 1990", "Monday, 01-Jan-90 00:00:00 GMT", k1940, S::kDate, delay(k1940, k1990)},
      {"rfc850-date: 29-Feb-00 in 2026 is 2000, a leap year", "Tuesday, 29-Feb-00 00:00:00 GMT", k2026, S::kDate, 0},
      {"rfc850-date: 29-Feb-00 in 1940 is 1900, not a leap year", "Thursday, 29-Feb-00 00:00:00 GMT", k1940,
       S::kInvalid, 0},
      {"rfc850-date in year 12000: now's year counts as 9999, so 26 is 10026 (past), not 12026",
       "Thursday, 01-Jan-26 00:00:00 GMT", k12000, S::kDate, 0},
      {"rfc850-date in year 0000: 99 is year -1 (past), not 99", "Thursday, 01-Jan-99 00:00:00 GMT", k0000, S::kDate,
       0},
      {"rfc850-date: weekday name not checked against the date", "Monday, 01-Jan-26 00:02:00 GMT", k2026, S::kDate,
       120 * kSecond},
      {"rfc850-date when now is the earliest int64 (year clamped to 0000): saturates",
       "Thursday, 01-Jan-26 00:00:00 GMT", kMinNow, S::kDate, kCap},
      {"rfc850-date when now is the latest int64 (year clamped to 9999): past", "Thursday, 01-Jan-26 00:00:00 GMT",
       kMaxNow, S::kDate, 0},

      {"rfc850-date with a three-letter day name", "Thu, 01-Jan-26 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"long day name in an IMF-fixdate", "Thursday, 01 Jan 2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"rfc850-date with a four-digit year", "Thursday, 01-Jan-2026 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"misspelled long day name", "Thursdy, 01-Jan-26 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"lower-case long day name", "thursday, 01-Jan-26 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"long day name with the wrong ending", "Thuday, 01-Jan-26 00:02:00 GMT", k2026, S::kInvalid, 0},
      {"rfc850-date hour 24", "Thursday, 01-Jan-26 24:00:00 GMT", k2026, S::kInvalid, 0},
      {"rfc850-date without GMT", "Thursday, 01-Jan-26 00:02:00", k2026, S::kInvalid, 0},

      // asctime-date (obsolete, no zone, year last)
      {"asctime-date, day padded with a space", "Thu Jan  1 00:02:00 2026", k2026, S::kDate, 120 * kSecond},
      {"asctime-date, two-digit day", "Thu Jan 01 00:02:00 2026", k2026, S::kDate, 120 * kSecond},
      {"asctime-date, the RFC's example (past)", "Sun Nov  6 08:49:37 1994", k2026, S::kDate, 0},
      {"asctime-date, the RFC's example a second before it", "Sun Nov  6 08:49:37 1994", k1994Nov06 - kSecond,
       S::kDate, 1000},
      {"asctime-date, 29 Feb in a leap year", "Thu Feb 29 12:00:00 2024", k2024Feb29, S::kDate, 12 * kHour},

      {"asctime-date, one-digit day with one space", "Thu Jan 1 00:02:00 2026", k2026, S::kInvalid, 0},
      {"asctime-date, three spaces before the day", "Thu Jan   1 00:02:00 2026", k2026, S::kInvalid, 0},
      {"asctime-date, space-padded two-digit day", "Thu Jan  10 00:02:00 2026", k2026, S::kInvalid, 0},
      {"asctime-date, day 0", "Thu Jan  0 00:02:00 2026", k2026, S::kInvalid, 0},
      {"asctime-date, 29 Feb 2023", "Wed Feb 29 00:00:00 2023", k2026, S::kInvalid, 0},
      {"asctime-date with GMT after the year", "Thu Jan  1 00:02:00 2026 GMT", k2026, S::kInvalid, 0},
      {"asctime-date with a two-digit year", "Thu Jan  1 00:02:00 26", k2026, S::kInvalid, 0},
      {"asctime-date with a comma", "Thu, Jan  1 00:02:00 2026", k2026, S::kInvalid, 0},
      {"asctime-date with a lower-case month", "Thu jan  1 00:02:00 2026", k2026, S::kInvalid, 0},
  };
  return kVectors;
}

TEST_CASE("Retry-After vectors", "[retry_after]") {
  for (const RetryAfterVector& v : retry_after_vectors()) {
    INFO("vector: " << v.name << "\nvalue: \"" << v.value << "\"\nnow: " << v.now);
    const tes::RetryAfter got = tes::parse_retry_after(v.value, v.now);
    CHECK(name_of(got.status) == std::string(name_of(v.status)));
    CHECK(got.delay_ms == v.delay_ms);
  }
}

TEST_CASE("Retry-After: every status is named by a vector, and there are enough vectors", "[retry_after]") {
  CHECK(retry_after_vectors().size() >= 40);
  for (size_t s = 0; s < tes::kRetryAfterStatusCount; ++s) {
    bool named = false;
    for (const RetryAfterVector& v : retry_after_vectors()) named = named || static_cast<size_t>(v.status) == s;
    INFO("status " << name_of(static_cast<RetryAfterStatus>(s)));
    CHECK(named);
  }
}

int64_t http_date_or(std::string_view text, int64_t now, int64_t fallback) {
  int64_t out = fallback;
  return tes::parse_http_date(text, now, &out) ? out : fallback;
}

TEST_CASE("HTTP-date: known instants, and the three forms of the RFC's example agree", "[retry_after][http_date]") {
  constexpr int64_t kUnset = 42;
  CHECK(http_date_or("Sun, 06 Nov 1994 08:49:37 GMT", k2026, kUnset) == k1994Nov06);
  CHECK(http_date_or("Sunday, 06-Nov-94 08:49:37 GMT", k2026, kUnset) == k1994Nov06);
  CHECK(http_date_or("Sun Nov  6 08:49:37 1994", k2026, kUnset) == k1994Nov06);
  CHECK(http_date_or("Thu, 01 Jan 1970 00:00:00 GMT", k2026, kUnset) == 0);
  CHECK(http_date_or("Wed, 31 Dec 1969 23:59:59 GMT", k2026, kUnset) == -kSecond);
  CHECK(http_date_or("Sat, 01 Jan 0000 00:00:00 GMT", k2026, kUnset) == k0000);
  CHECK(http_date_or("Fri, 31 Dec 9999 23:59:59 GMT", k2026, kUnset) == k9999End);
  CHECK(http_date_or("Fri, 31 Dec 9999 23:59:60 GMT", k2026, kUnset) == k9999End + kSecond);
  CHECK(http_date_or("Mon, 01 Jan 1900 00:00:00 GMT", k2026, kUnset) == -2'208'988'800'000);

  SECTION("a rejected date leaves the output untouched") {
    int64_t out = kUnset;
    CHECK_FALSE(tes::parse_http_date("Thu, 31 Feb 2026 00:00:00 GMT", k2026, &out));
    CHECK_FALSE(tes::parse_http_date("", k2026, &out));
    CHECK(out == kUnset);
  }
  SECTION("parse_http_date takes the date exactly: OWS is parse_retry_after's business") {
    int64_t out = kUnset;
    CHECK_FALSE(tes::parse_http_date(" Thu, 01 Jan 2026 00:00:00 GMT", k2026, &out));
    CHECK_FALSE(tes::parse_http_date("Thu, 01 Jan 2026 00:00:00 GMT ", k2026, &out));
    CHECK(out == kUnset);
  }
}

// The names an HTTP-date uses, for building dates in the sweeps below.
const char* const kShortDays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
const char* const kLongDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Month lengths by the textbook rule, independent of the code under test.
int month_length(int year, int month) {
  static const int kLengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kLengths[month - 1];
}

TEST_CASE("HTTP-date: every day from 1600 to 2400 matches a plain day count, in all three forms",
          "[retry_after][http_date]") {
  int64_t days = -135'140;  // 1600-01-01, from `date -u -d 1600-01-01 +%s` / 86400; checked again at 1970
  bool saw_epoch = false;
  char text[64];
  for (int year = 1600; year <= 2400; ++year) {
    for (int month = 1; month <= 12; ++month) {
      const int length = month_length(year, month);
      for (int day = 1; day <= length + 1; ++day) {
        const bool valid = day <= length;
        // 1970-01-01 (day 0) was a Thursday: index 3 from Monday.
        const char* weekday = kShortDays[((days % 7) + 7 + 3) % 7];
        const int64_t expected = days * kDay + 13 * kHour + 14 * 60 * kSecond + 15 * kSecond;
        std::snprintf(text, sizeof text, "%s, %02d %s %04d 13:14:15 GMT", weekday, day, kMonths[month - 1], year);
        int64_t got = 0;
        const bool ok = tes::parse_http_date(text, k2026, &got);
        if (ok != valid || (valid && got != expected)) {
          FAIL_CHECK(text << ": expected " << (valid ? std::to_string(expected) : "invalid") << ", got "
                          << (ok ? std::to_string(got) : "invalid"));
        }
        if (valid && year >= 1977 && year <= 2076) {
          // The two-digit years that mean this year when now is 2026; the obsolete forms must agree.
          std::snprintf(text, sizeof text, "%s, %02d-%s-%02d 13:14:15 GMT", kLongDays[((days % 7) + 7 + 3) % 7],
                        day, kMonths[month - 1], year % 100);
          CHECK(http_date_or(text, k2026, 0) == expected);
          std::snprintf(text, sizeof text, "%s %s %2d 13:14:15 %04d", weekday, kMonths[month - 1], day, year);
          CHECK(http_date_or(text, k2026, 0) == expected);
        }
        if (valid) {
          saw_epoch = saw_epoch || (days == 0 && year == 1970 && month == 1 && day == 1);
          ++days;
        }
      }
    }
  }
  CHECK(saw_epoch);
  CHECK(days == 13'601'088'000 / 86'400);  // 2401-01-01
}

TEST_CASE("Retry-After: every proper prefix of a valid date is invalid", "[retry_after]") {
  const char* const kDates[] = {"Thu, 01 Jan 2026 00:02:00 GMT", "Thursday, 01-Jan-26 00:02:00 GMT",
                                "Thu Jan  1 00:02:00 2026", "Thu Jan 01 00:02:00 2026"};
  for (const char* date : kDates) {
    const std::string full = date;
    REQUIRE(tes::parse_retry_after(full, k2026).status == RetryAfterStatus::kDate);
    for (size_t n = 1; n < full.size(); ++n) {
      const std::string prefix = full.substr(0, n);
      // A prefix ending in a space is the same as a shorter one after trimming; still invalid.
      INFO("prefix: \"" << prefix << "\"");
      CHECK(tes::parse_retry_after(prefix, k2026).status == RetryAfterStatus::kInvalid);
    }
  }
}

TEST_CASE("Retry-After: arbitrary input never crashes and stays in range", "[retry_after][fuzz]") {
  std::mt19937 rng(20260101);  // seeded: the same inputs every run
  const std::string alphabet = std::string("0123456789 \t,:-JanFebThuSundayGMTxyz\r") + '\0';
  const std::string seeds[] = {"Thu, 01 Jan 2026 00:02:00 GMT", "Thursday, 01-Jan-26 00:02:00 GMT",
                               "Thu Jan  1 00:02:00 2026", "120"};
  const int64_t nows[] = {k2026, kMinNow, kMaxNow, 0, k1940};
  for (int round = 0; round < 20000; ++round) {
    std::string value;
    if (round % 2 == 0) {
      // A valid value with a few bytes changed, inserted or removed: close to the grammar, where bugs hide.
      value = seeds[rng() % 4];
      for (int edits = 1 + static_cast<int>(rng() % 3); edits > 0 && !value.empty(); --edits) {
        const size_t at = rng() % value.size();
        const char c = alphabet[rng() % alphabet.size()];
        switch (rng() % 3) {
          case 0: value[at] = c; break;
          case 1: value.insert(at, 1, c); break;
          default: value.erase(at, 1); break;
        }
      }
    } else {
      const size_t length = rng() % 40;
      for (size_t k = 0; k < length; ++k) value += static_cast<char>(rng() % 256);
    }
    const int64_t now = nows[rng() % 5];
    const tes::RetryAfter got = tes::parse_retry_after(value, now);
    INFO("value: \"" << value << "\" now: " << now);
    REQUIRE(static_cast<size_t>(got.status) < tes::kRetryAfterStatusCount);
    REQUIRE(got.delay_ms <= kCap);
    if (got.status == RetryAfterStatus::kAbsent || got.status == RetryAfterStatus::kInvalid) {
      REQUIRE(got.delay_ms == 0);
    }
  }
}

}  // namespace
