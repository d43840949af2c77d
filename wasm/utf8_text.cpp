#include "utf8_text.h"

#include <cstdint>
#include <cstring>

namespace tes {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";

// Length of the run of ASCII bytes at the start of [p, end). Eight bytes at a time: text is mostly ASCII.
size_t ascii_run(const uint8_t* p, const uint8_t* end) {
  const uint8_t* start = p;
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if (word & 0x8080808080808080ull) break;
    p += 8;
  }
  while (p < end && *p < 0x80) ++p;
  return static_cast<size_t>(p - start);
}

bool in(uint8_t byte, uint8_t lower, uint8_t upper) { return byte >= lower && byte <= upper; }

// Bytes of the code point a lead byte of valid UTF-8 starts.
size_t sequence_length(uint8_t lead) { return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4; }

}  // namespace

size_t append_valid_utf8(std::string& out, std::string_view in_text) {
  const uint8_t* p = reinterpret_cast<const uint8_t*>(in_text.data());
  const uint8_t* const end = p + in_text.size();
  size_t units = 0;
  while (p < end) {
    const size_t run = ascii_run(p, end);
    if (run) {
      out.append(reinterpret_cast<const char*>(p), run);
      units += run;
      p += run;
      if (p == end) break;
    }
    // A lead byte: how many continuation bytes follow, and the range the first one must be in (WHATWG's UTF-8
    // lower/upper boundary, which rules out overlongs, surrogates and code points past U+10FFFF).
    const uint8_t lead = *p;
    size_t needed = 0;
    uint8_t lower = 0x80, upper = 0xBF;
    if (in(lead, 0xC2, 0xDF)) {
      needed = 1;
    } else if (in(lead, 0xE0, 0xEF)) {
      needed = 2;
      if (lead == 0xE0) lower = 0xA0;
      if (lead == 0xED) upper = 0x9F;
    } else if (in(lead, 0xF0, 0xF4)) {
      needed = 3;
      if (lead == 0xF0) lower = 0x90;
      if (lead == 0xF4) upper = 0x8F;
    }
    size_t seen = 0;  // continuation bytes accepted after the lead
    if (needed) {
      while (seen < needed && p + 1 + seen < end && in(p[1 + seen], lower, upper)) {
        ++seen;
        lower = 0x80;
        upper = 0xBF;
      }
    }
    if (needed && seen == needed) {
      out.append(reinterpret_cast<const char*>(p), 1 + needed);
      units += needed == 3 ? 2 : 1;  // four bytes encode a supplementary code point: a surrogate pair
    } else {
      // The lead and the continuations accepted so far form one maximal subpart: one U+FFFD. The byte that
      // broke the sequence (if any) is looked at again as the start of what follows.
      out.append(kReplacement, 3);
      units += 1;
    }
    p += 1 + seen;
  }
  return units;
}

size_t utf16_length(std::string_view text) {
  size_t units = 0;
  for (size_t byte = 0; byte < text.size();) {
    const size_t len = sequence_length(static_cast<uint8_t>(text[byte]));
    byte += len;
    units += len == 4 ? 2 : 1;  // four bytes encode a supplementary code point: a surrogate pair
  }
  return units;
}

std::string_view utf8_slice_by_utf16(std::string_view text, size_t units_off, size_t units_len) {
  size_t byte = 0, unit = 0;
  auto advance_to = [&](size_t target) {
    while (unit < target && byte < text.size()) {
      const size_t len = sequence_length(static_cast<uint8_t>(text[byte]));
      byte += len;
      unit += len == 4 ? 2 : 1;
    }
  };
  advance_to(units_off);
  const size_t begin = byte;
  advance_to(units_off + units_len);
  return text.substr(begin, byte - begin);
}

}  // namespace tes
