// The text area's encoding (wasm/utf8_text.h): invalid UTF-8 replaced exactly as WHATWG's UTF-8 decoder does
// (one U+FFFD per maximal subpart), and UTF-16 lengths counted on the way.
#include <catch2/catch.hpp>

#include <string>

#include "utf8_text.h"

namespace {

const std::string kFFFD = "\xEF\xBF\xBD";

struct Decoded {
  std::string text;
  size_t units;
};

Decoded decode(const std::string& bytes) {
  Decoded d;
  d.units = tes::append_valid_utf8(d.text, bytes);
  return d;
}

}  // namespace

TEST_CASE("utf8 text: ASCII and valid UTF-8 are copied unchanged and counted in UTF-16 units") {
  CHECK(decode("").text.empty());
  CHECK(decode("").units == 0);
  const std::string ascii = "data with a long enough run to take the eight-byte path";
  CHECK(decode(ascii).text == ascii);
  CHECK(decode(ascii).units == ascii.size());
  CHECK(decode("\xC3\xA4").units == 1);                  // ä: two bytes, one unit
  CHECK(decode("\xE2\x82\xAC").units == 1);              // €: three bytes, one unit
  CHECK(decode("\xF0\x9F\x98\x80").units == 2);          // 😀: four bytes, a surrogate pair
  CHECK(decode("\xEF\xBB\xBFx").text == "\xEF\xBB\xBFx");  // a BOM inside a value is text
  const std::string mixed = "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC" + ascii;
  CHECK(decode(mixed).text == mixed);
  CHECK(decode(mixed).units == 4 + 1 + 2 + 1 + 1 + ascii.size());
  CHECK(tes::utf16_length(mixed) == decode(mixed).units);
}

TEST_CASE("utf8 text: each maximal subpart of an ill-formed sequence becomes one U+FFFD") {
  // Examples in the manner of Unicode Table 3-8 / WHATWG Encoding's decoder.
  CHECK(decode("\x80").text == kFFFD);                            // a lone continuation byte
  CHECK(decode("\xC0\xAF").text == kFFFD + kFFFD);                // overlong lead: both bytes stand alone
  CHECK(decode("\xE0\x80\xAF").text == kFFFD + kFFFD + kFFFD);    // E0 needs A0..BF next
  CHECK(decode("\xED\xA0\x80").text == kFFFD + kFFFD + kFFFD);    // a UTF-16 surrogate
  CHECK(decode("\xF0\x80\x80").text == kFFFD + kFFFD + kFFFD);    // F0 needs 90..BF next
  CHECK(decode("\xF4\x90\x80\x80").text == kFFFD + kFFFD + kFFFD + kFFFD);  // past U+10FFFF
  CHECK(decode("\xF5").text == kFFFD);
  CHECK(decode("\xE2\x82").text == kFFFD);                        // truncated at the end: one subpart
  CHECK(decode("\xF0\x9F\x98").text == kFFFD);
  CHECK(decode("\xE2\x82x").text == kFFFD + "x");                 // the breaking byte starts over
  CHECK(decode("\xE2\xE2\x82\xAC").text == kFFFD + "\xE2\x82\xAC");
  CHECK(decode("a\xFF" "b").text == "a" + kFFFD + "b");
  CHECK(decode("\xF0\x9F\x98" "\xF0\x9F\x98\x80").units == 1 + 2);
}

TEST_CASE("utf8 text: strings appended one after another decode as the concatenation, at the counted offsets") {
  std::string area;
  const size_t a = tes::append_valid_utf8(area, "ab\xE2\x82");     // ends in a truncated sequence
  const size_t b = tes::append_valid_utf8(area, "\xAC" "cd");       // starts with a continuation byte
  const size_t c = tes::append_valid_utf8(area, "\xF0\x9F\x98\x80!");
  CHECK(area == "ab" + kFFFD + kFFFD + "cd" + "\xF0\x9F\x98\x80!");  // no sequence joins across strings
  CHECK(tes::utf8_slice_by_utf16(area, 0, a) == "ab" + kFFFD);
  CHECK(tes::utf8_slice_by_utf16(area, a, b) == kFFFD + "cd");
  CHECK(tes::utf8_slice_by_utf16(area, a + b, c) == "\xF0\x9F\x98\x80!");
}
