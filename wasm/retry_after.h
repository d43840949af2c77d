// Retry-After (RFC 9110 §10.2.3) and HTTP-date (RFC 9110 §5.6.7), strictly parsed, for the reconnect policy.
//
//   Retry-After   = HTTP-date / delay-seconds          delay-seconds = 1*DIGIT
//   IMF-fixdate   Sun, 06 Nov 1994 08:49:37 GMT         what senders MUST generate
//   rfc850-date   Sunday, 06-Nov-94 08:49:37 GMT        obsolete; recipients MUST accept it
//   asctime-date  Sun Nov  6 08:49:37 1994              obsolete; recipients MUST accept it (day may be " 6" or "06")
//
// Nothing allocates, throws, does I/O or reads a clock: the current wall clock is an argument. Dates are converted
// with Howard Hinnant's days_from_civil (proleptic Gregorian calendar), not with <ctime>, which would add a
// locale- and time-zone-dependent part of libc to the Wasm binary.
//
// Decisions where the RFC leaves room (each one is also pinned by a test vector):
// - Case: the grammar is exact. Day names, month names and "GMT" are case-sensitive (RFC 9110 writes them %s"…"),
//   so "jan", "JAN", "thu" and "gmt" are invalid, as are "UTC" and "+0000". Digits are ASCII only and their counts
//   are exact: "1 Jan", "26" as an IMF-fixdate year, or "Jan 1" with one space in asctime are invalid.
// - The day name is checked for spelling only, not against the date: "Mon, 01 Jan 2026 …" is accepted although
//   that day is a Thursday. RFC 9110 does not ask recipients to check it, and a server that gets the weekday wrong
//   still means the date it wrote.
// - The date itself is checked: day 01..last day of the month (29 Feb only in leap years: 2000 and 2024 yes, 1900
//   and 2023 no), hour 00..23, minute 00..59, second 00..60. Second 60 is accepted because the grammar's meaning
//   comes from RFC 5322, which allows a leap second; it is not checked against the leap-second table and counts
//   as the first second of the next minute (Unix time has no leap seconds), so 23:59:60 equals 00:00:00 next day.
// - A 4-digit year is any of 0000..9999 (the grammar's range); what is in the past simply means "now".
// - rfc850-date's two-digit year becomes the latest year with those two digits that is at most 50 years after
//   the current year (RFC 9110: a year "more than 50 years in the future" is the previous century's). Years, not
//   instants, are compared: in 2026, "76" is 2076 and "77" is 1977. The current year comes from `now_unix_ms`,
//   clamped to 0000..9999, so an absurd clock cannot overflow the arithmetic.
// - OWS (SP / HTAB) around the whole value is trimmed; only SP/HTAB ("\r", "\v" make the value invalid). A value
//   that is empty after trimming is kAbsent: fetch() reports an empty field as "", which we cannot tell from a
//   missing one. Two fields joined by HTTP ("120, 120") are invalid: there is no list syntax.
// - delay-seconds may have leading zeros and any number of digits: the delay saturates at kMaxRetryAfterDelayMs
//   (2^53 - 1 ms, the largest integer a JS number holds exactly; ~285,000 years), so it never overflows.
// - A date delay is the date minus now in milliseconds, 0 for a date not after now, saturating like seconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tes {

constexpr uint64_t kMaxRetryAfterDelayMs = (uint64_t{1} << 53) - 1;

enum class RetryAfterStatus : uint8_t {
  kAbsent = 0,  // "" or only OWS
  kSeconds,     // delay-seconds
  kDate,        // HTTP-date, any of the three forms
  kInvalid,     // anything else: the caller falls back to its own delay
};
constexpr size_t kRetryAfterStatusCount = 4;

struct RetryAfter {
  RetryAfterStatus status = RetryAfterStatus::kAbsent;
  uint64_t delay_ms = 0;  // for kSeconds and kDate, at most kMaxRetryAfterDelayMs; 0 otherwise
};

// `value`: the Retry-After field value as received ("" = absent). `now_unix_ms`: the current wall clock.
[[nodiscard]] RetryAfter parse_retry_after(std::string_view value, int64_t now_unix_ms);

// The Unix time in ms of an HTTP-date in any of its three forms, exactly as the grammar writes it (no OWS around
// it). `now_unix_ms` is only used for an rfc850-date's two-digit year. False, with *out_unix_ms untouched, when
// `text` is not a valid HTTP-date.
[[nodiscard]] bool parse_http_date(std::string_view text, int64_t now_unix_ms, int64_t* out_unix_ms);

}  // namespace tes
