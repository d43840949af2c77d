// fuzz_retry_after: tes::parse_retry_after / parse_http_date on arbitrary text and an arbitrary clock.
//
// Input: [0..8) the current time (int64 ms, any value), rest: the Retry-After field value.
// Checks: no crash or UB; the status and delay agree with an independent reading of the grammar (delay-seconds
// computed here in 128 bits; a date must parse with parse_http_date and give date - now, clamped to
// [0, kMaxRetryAfterDelayMs]); a parsed IMF-fixdate formats back to the same text (a civil-from-days written here,
// the inverse of the parser's days-from-civil, with the real weekday), and the same instant written as an
// asctime-date parses to the same time.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "retry_after.h"

namespace {

using tes::RetryAfterStatus;

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Howard Hinnant's civil_from_days: the inverse of what the parser uses.
void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

const char* const kDays[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};  // 1970-01-01 was a Thursday
const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// The IMF-fixdate (and the asctime-date) of a Unix time in ms (whole seconds).
std::string format_date(int64_t unix_ms, bool asctime) {
  const int64_t days = floor_div(unix_ms, 86'400'000);
  const int64_t ms_of_day = unix_ms - days * 86'400'000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  const int64_t s = ms_of_day / 1000;
  const char* day_name = kDays[((days % 7) + 7) % 7];
  char buf[64];
  if (asctime) {
    std::snprintf(buf, sizeof buf, "%s %s %2u %02d:%02d:%02d %04lld", day_name, kMonths[m - 1], d,
                  static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60), static_cast<int>(s % 60),
                  static_cast<long long>(y));
  } else {
    std::snprintf(buf, sizeof buf, "%s, %02u %s %04lld %02d:%02d:%02d GMT", day_name, d, kMonths[m - 1],
                  static_cast<long long>(y), static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60),
                  static_cast<int>(s % 60));
  }
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::Reader in(data, size);
  const auto now = static_cast<int64_t>(in.u64());
  const std::string_view value = in.rest();

  const tes::RetryAfter r = tes::parse_retry_after(value, now);
  FUZZ_CHECK(static_cast<size_t>(r.status) < tes::kRetryAfterStatusCount, "status out of range");
  FUZZ_CHECK(r.delay_ms <= tes::kMaxRetryAfterDelayMs, "delay " << r.delay_ms << " above the documented maximum");
  const std::string_view t = trim(value);

  if (t.empty()) {
    FUZZ_CHECK(r.status == RetryAfterStatus::kAbsent && r.delay_ms == 0, "an empty value is not kAbsent");
    return 0;
  }
  FUZZ_CHECK(r.status != RetryAfterStatus::kAbsent, "a non-empty value reported as absent: " << fuzz::escape(value));

  if (all_digits(t)) {
    // delay-seconds, saturating at kMaxRetryAfterDelayMs: computed here in 128 bits, digits past 30 only saturate.
    unsigned __int128 seconds = 0;
    for (char c : t) {
      if (seconds < (static_cast<unsigned __int128>(1) << 100)) seconds = seconds * 10 + static_cast<unsigned>(c - '0');
    }
    const unsigned __int128 ms = seconds * 1000;
    const uint64_t expected = ms > tes::kMaxRetryAfterDelayMs ? tes::kMaxRetryAfterDelayMs : static_cast<uint64_t>(ms);
    FUZZ_CHECK(r.status == RetryAfterStatus::kSeconds && r.delay_ms == expected,
               "delay-seconds " << fuzz::escape(t) << ": got status " << int(r.status) << " delay " << r.delay_ms
                                << ", expected " << expected);
    return 0;
  }

  int64_t date_ms = 0;
  const bool is_date = tes::parse_http_date(t, now, &date_ms);
  if (!is_date) {
    FUZZ_CHECK(r.status == RetryAfterStatus::kInvalid && r.delay_ms == 0,
               "not an HTTP-date but status " << int(r.status) << ": " << fuzz::escape(value));
    return 0;
  }
  __int128 diff = static_cast<__int128>(date_ms) - now;
  if (diff < 0) diff = 0;
  if (diff > static_cast<__int128>(tes::kMaxRetryAfterDelayMs)) diff = tes::kMaxRetryAfterDelayMs;
  FUZZ_CHECK(r.status == RetryAfterStatus::kDate && r.delay_ms == static_cast<uint64_t>(diff),
             "HTTP-date " << fuzz::escape(t) << " at now=" << now << ": got status " << int(r.status) << " delay "
                          << r.delay_ms << ", expected " << static_cast<uint64_t>(diff));

  // The date grammar's range: 4-digit years 0000..9999; rfc850's two digits land in the 100 years up to 50 after
  // now's year, which is clamped to 0000..9999 (so -0049..10049 at the extremes).
  const int64_t kYear0 = -62'167'219'200'000;      // 0000-01-01T00:00:00Z
  const int64_t kYear10000 = 253'402'300'800'000;  // 10000-01-01T00:00:00Z
  const int64_t k50Years = 50 * 366 * 86'400'000LL;
  const bool four_digit_year = t.size() == 29 || (t.size() == 24 && t[3] == ' ');
  FUZZ_CHECK(date_ms % 1000 == 0 && (four_digit_year ? date_ms >= kYear0 && date_ms <= kYear10000
                                                     : date_ms >= kYear0 - k50Years && date_ms <= kYear10000 + k50Years),
             "date out of range: " << date_ms << " for " << fuzz::escape(t));

  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT". Formatting the parsed instant gives back the text, except the day
  // name (not checked against the date, by design) and a leap second (:60 is the next minute's :00).
  if (t.size() == 29 && t[3] == ',' && t.substr(23, 2) != "60") {
    const std::string formatted = format_date(date_ms, false);
    FUZZ_CHECK(formatted.substr(3) == t.substr(3), "IMF-fixdate " << fuzz::escape(t) << " parsed to " << date_ms
                                                                 << ", which formats as " << formatted);
    // The same instant in the other mandatory form parses to the same time.
    const std::string asctime = format_date(date_ms, true);
    int64_t again = 0;
    FUZZ_CHECK(tes::parse_http_date(asctime, now, &again) && again == date_ms,
               "asctime " << fuzz::escape(asctime) << " does not parse to " << date_ms << " (got " << again << ")");
  }
  return 0;
}
