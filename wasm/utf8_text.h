// Text the shell decodes in one go: bytes made valid UTF-8 exactly as a WHATWG UTF-8 decoder would see them.
//
// The core hands the shell every string of an input call in one area that JavaScript decodes with a single
// TextDecoder call and then slices (one decode per network chunk instead of one per field). That works only if
// (a) decoding the whole area gives the concatenation of decoding each string alone and (b) the core knows where
// each string starts in UTF-16 code units. Replacing every ill-formed sequence by U+FFFD here, as WHATWG
// Encoding's decoder does in "replacement" mode (one U+FFFD per maximal subpart), guarantees both: valid UTF-8
// concatenates cleanly, and its UTF-16 length is counted while copying.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tes {

// Appends `in` to `out` with each maximal subpart of an ill-formed sequence replaced by EF BF BD (U+FFFD).
// Returns the length of the appended text in UTF-16 code units.
size_t append_valid_utf8(std::string& out, std::string_view in);

// The length of valid UTF-8 `text` in UTF-16 code units.
size_t utf16_length(std::string_view text);

// The bytes of valid UTF-8 `text` that hold UTF-16 code units [units_off, units_off + units_len) (for tests and
// tools that read the command area natively; a range that splits a surrogate pair is widened to the pair).
std::string_view utf8_slice_by_utf16(std::string_view text, size_t units_off, size_t units_len);

}  // namespace tes
