#include "retry_after.h"

namespace tes {

static_assert(static_cast<size_t>(RetryAfterStatus::kInvalid) + 1 == kRetryAfterStatusCount);

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

// Three letters per name, packed: one small char array instead of a table of strings.
constexpr char kDayNames[] = "MonTueWedThuFriSatSun";
constexpr char kMonthNames[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
// What rfc850-date's day-name-l adds to the three-letter name, in kDayNames order ("Mon" + "day" = "Monday").
constexpr const char* kLongDaySuffixes[] = {"day", "sday", "nesday", "rsday", "day", "urday", "day"};

bool is_ows(char c) { return c == ' ' || c == '\t'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads `text` left to right. A read that fails may have moved `pos`: a failed read ends the parse.
struct Cursor {
  std::string_view text;
  size_t pos = 0;

  bool at_end() const { return pos == text.size(); }

  bool literal(const char* s) {
    size_t p = pos;
    for (; *s != '\0'; ++s, ++p) {
      if (p == text.size() || text[p] != *s) return false;
    }
    pos = p;
    return true;
  }

  // Exactly `count` ASCII digits.
  bool digits(int count, int* out) {
    int value = 0;
    for (int k = 0; k < count; ++k, ++pos) {
      if (pos == text.size() || !is_digit(text[pos])) return false;
      value = value * 10 + (text[pos] - '0');
    }
    *out = value;
    return true;
  }

  // One of `count` three-letter names packed in `names`, case-sensitive. Returns its index, or -1.
  int name(const char* names, int count) {
    if (text.size() - pos < 3) return -1;
    for (int k = 0; k < count; ++k) {
      const char* n = names + 3 * k;
      if (text[pos] == n[0] && text[pos + 1] == n[1] && text[pos + 2] == n[2]) {
        pos += 3;
        return k;
      }
    }
    return -1;
  }

  // time-of-day = hour ":" minute ":" second, each 2DIGIT (ranges are checked later).
  bool time_of_day(int* hour, int* minute, int* second) {
    return digits(2, hour) && literal(":") && digits(2, minute) && literal(":") && digits(2, second);
  }
};

bool is_leap_year(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int days_in_month(int64_t y, int m) {
  if (m == 2) return is_leap_year(y) ? 29 : 28;
  return 30 + ((m + (m >> 3)) & 1);  // 31 for Jan Mar May Jul Aug Oct Dec: odd months up to 7, even from 8
}

// Floor division for a positive divisor (C++ rounds toward zero). Written so that no input can overflow.
int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's days_from_civil). Counting from 1 March makes
// the leap day the last day of the "year", and 400-year eras of 146097 days repeat exactly.
int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const int64_t year_of_era = y - era * 400;                              // [0, 399]
  const int64_t day_of_year = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365], from 1 March
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

// The civil year of a day since 1970-01-01 (the year part of Hinnant's civil_from_days).
int64_t year_from_days(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const int64_t day_of_era = z - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;  // [0, 399]
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t month_from_march = (5 * day_of_year + 2) / 153;  // 0 = March … 10 = January, 11 = February
  return year_of_era + era * 400 + (month_from_march >= 10);
}

// rfc850-date's year (see the header): the latest year ending in `two_digits` at most 50 years after now's year.
int64_t year_from_two_digits(int two_digits, int64_t now_unix_ms) {
  int64_t now_year = year_from_days(floor_div(now_unix_ms, kMsPerDay));
  if (now_year < 0) now_year = 0;
  if (now_year > 9999) now_year = 9999;
  const int64_t latest = now_year + 50;
  return latest - (latest - two_digits + 100) % 100;  // + 100: latest - two_digits can be as low as 50 - 99
}

}  // namespace

bool parse_http_date(std::string_view text, int64_t now_unix_ms, int64_t* out_unix_ms) {
  Cursor c{text};
  // Every form starts with a day name; what follows it tells the forms apart. The name is not checked against
  // the date (see the header).
  const int weekday = c.name(kDayNames, 7);
  if (weekday < 0) return false;
  int day = 0, month = 0, year4 = 0, year2 = 0, hour = 0, minute = 0, second = 0;
  int64_t year = 0;
  if (c.literal(", ")) {
    // IMF-fixdate: day-name "," SP day SP month SP year SP time-of-day SP "GMT"
    if (!c.digits(2, &day) || !c.literal(" ") || (month = c.name(kMonthNames, 12)) < 0 || !c.literal(" ") ||
        !c.digits(4, &year4) || !c.literal(" ") || !c.time_of_day(&hour, &minute, &second) || !c.literal(" GMT")) {
      return false;
    }
    year = year4;
  } else if (c.literal(" ")) {
    // asctime-date: day-name SP month SP ( 2DIGIT / ( SP DIGIT ) ) SP time-of-day SP year
    if ((month = c.name(kMonthNames, 12)) < 0 || !c.literal(" ") ||
        !(c.literal(" ") ? c.digits(1, &day) : c.digits(2, &day)) || !c.literal(" ") ||
        !c.time_of_day(&hour, &minute, &second) || !c.literal(" ") || !c.digits(4, &year4)) {
      return false;
    }
    year = year4;
  } else {
    // rfc850-date: day-name-l "," SP day "-" month "-" 2DIGIT SP time-of-day SP "GMT"
    if (!c.literal(kLongDaySuffixes[weekday]) || !c.literal(", ") || !c.digits(2, &day) || !c.literal("-") ||
        (month = c.name(kMonthNames, 12)) < 0 || !c.literal("-") || !c.digits(2, &year2) || !c.literal(" ") ||
        !c.time_of_day(&hour, &minute, &second) || !c.literal(" GMT")) {
      return false;
    }
    year = year_from_two_digits(year2, now_unix_ms);
  }
  ++month;  // name() counts from 0
  if (!c.at_end() || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  // Second 60 simply adds up to the next minute's first second (Unix time has no leap seconds).
  *out_unix_ms = days_from_civil(year, month, day) * kMsPerDay + (hour * 3600 + minute * 60 + second) * int64_t{1000};
  return true;
}

RetryAfter parse_retry_after(std::string_view value, int64_t now_unix_ms) {
  while (!value.empty() && is_ows(value.front())) value.remove_prefix(1);
  while (!value.empty() && is_ows(value.back())) value.remove_suffix(1);
  if (value.empty()) return {RetryAfterStatus::kAbsent, 0};

  if (is_digit(value.front())) {
    // delay-seconds = 1*DIGIT, saturating: past the cap, further digits are still checked but change nothing.
    constexpr uint64_t kMaxSeconds = kMaxRetryAfterDelayMs / 1000;
    uint64_t seconds = 0;
    for (char ch : value) {
      if (!is_digit(ch)) return {RetryAfterStatus::kInvalid, 0};
      if (seconds <= kMaxSeconds) seconds = seconds * 10 + static_cast<uint64_t>(ch - '0');
    }
    return {RetryAfterStatus::kSeconds, seconds > kMaxSeconds ? kMaxRetryAfterDelayMs : seconds * 1000};
  }

  int64_t date_ms = 0;
  if (!parse_http_date(value, now_unix_ms, &date_ms)) return {RetryAfterStatus::kInvalid, 0};
  if (date_ms <= now_unix_ms) return {RetryAfterStatus::kDate, 0};
  // The true difference is positive and below 2^64, so unsigned wrap-around gives it exactly even when
  // date_ms - now_unix_ms would overflow int64_t (now far in the past).
  const uint64_t delay = static_cast<uint64_t>(date_ms) - static_cast<uint64_t>(now_unix_ms);
  return {RetryAfterStatus::kDate, delay < kMaxRetryAfterDelayMs ? delay : kMaxRetryAfterDelayMs};
}

}  // namespace tes
