// Shared by the fuzz targets: an input reader and a check that prints what went wrong, then traps (libFuzzer
// then saves the input as a crash file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include "../escape_bytes.h"

namespace fuzz {

[[noreturn]] inline void fail(const char* file, int line, const char* condition, const std::string& detail) {
  std::fprintf(stderr, "\n==== FUZZ CHECK FAILED at %s:%d: %s\n%s\n", file, line, condition, detail.c_str());
  std::fflush(stderr);
  __builtin_trap();
}

// FUZZ_CHECK(cond, "what" << value): the message is only built when the check fails.
#define FUZZ_CHECK(cond, message)                                    \
  do {                                                               \
    if (!(cond)) {                                                   \
      std::ostringstream fuzz_check_os_;                             \
      fuzz_check_os_ << message;                                     \
      ::fuzz::fail(__FILE__, __LINE__, #cond, fuzz_check_os_.str()); \
    }                                                                \
  } while (0)

// Bytes shown as quoted C-escaped text, so a failure message shows exactly what differs.
inline std::string escape(std::string_view bytes, size_t max_chars = 400) {
  return "\"" + tes_test::escape_bytes(bytes, max_chars) + "\"";
}

// Consumes the fuzz input front to back; reads past the end give zeros / empty views (never fail), so every input
// is a valid program.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : p_(data), n_(size) {}

  bool empty() const { return n_ == 0; }
  size_t remaining() const { return n_; }

  uint8_t u8() {
    if (n_ == 0) return 0;
    --n_;
    return *p_++;
  }
  uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
  uint32_t u32() { return static_cast<uint32_t>(u16()) | (static_cast<uint32_t>(u16()) << 16); }
  uint64_t u64() { return static_cast<uint64_t>(u32()) | (static_cast<uint64_t>(u32()) << 32); }
  bool bit() { return (u8() & 1) != 0; }

  std::string_view take(size_t len) {
    if (len > n_) len = n_;
    std::string_view s(reinterpret_cast<const char*>(p_), len);
    p_ += len;
    n_ -= len;
    return s;
  }
  // A length-prefixed (one byte) string.
  std::string_view short_string() { return take(u8()); }
  std::string_view rest() { return take(n_); }

 private:
  const uint8_t* p_;
  size_t n_;
};

inline bool is_lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// The traceparent grammar of what we send: "00-" 32HEXDIGLC "-" 16HEXDIGLC "-" 2HEXDIGLC, ids not all zero,
// flags only the bits we know (sampled, random).
inline bool is_sent_traceparent(std::string_view s) {
  if (s.size() != 55 || s.substr(0, 3) != "00-" || s[35] != '-' || s[52] != '-') return false;
  const std::string_view trace = s.substr(3, 32), parent = s.substr(36, 16), flags = s.substr(53, 2);
  if (!is_lower_hex(trace) || !is_lower_hex(parent) || !is_lower_hex(flags)) return false;
  if (trace == std::string(32, '0') || parent == std::string(16, '0')) return false;
  return flags[0] == '0' && flags[1] >= '0' && flags[1] <= '3';
}

// "Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled={0|1}", lower-case.
inline bool is_sent_xray(std::string_view s) {
  if (s.size() != 74 || s.substr(0, 7) != "Root=1-" || s[15] != '-' || s.substr(40, 8) != ";Parent=" ||
      s.substr(64, 9) != ";Sampled=") {
    return false;
  }
  return is_lower_hex(s.substr(7, 8)) && is_lower_hex(s.substr(16, 24)) && is_lower_hex(s.substr(48, 16)) &&
         (s[73] == '0' || s[73] == '1');
}

}  // namespace fuzz
