#pragma once
// Bytes as C-escaped text, for test and fuzz failure messages: they show exactly which bytes differ, including
// the ones that are not printable ASCII (\xHH). Shared by tests/core and tests/fuzz.

#include <cstddef>
#include <string>
#include <string_view>

namespace tes_test {

// At most about `max_chars` characters of output, then "...".
inline std::string escape_bytes(std::string_view bytes, size_t max_chars = std::string::npos) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : bytes) {
    if (out.size() > max_chars) {
      out += "...";
      break;
    }
    if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

}  // namespace tes_test
